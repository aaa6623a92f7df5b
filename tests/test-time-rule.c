/*
 * The one rule for time (include/gdpr/common.h, "Times"), call by call:
 * every public call that takes a time refuses 0 with GDPR_EINVAL naming the
 * field and GDPR_NOW, changing nothing; GDPR_NOW is the engine's clock
 * (gdpr_now()), never 1970. Deadlines that must lie after now refuse both.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static th_store ts;
static int64_t open_request; /* an open access request, for gdpr_request_extend */

#define SUBJECT "time-1"

static int
no_item(const gdpr_retention_item *item, void *ctx)
{
    (void)item;
    (void)ctx;
    return 0;
}

static int
no_review(const gdpr_review *task, void *ctx)
{
    (void)task;
    (void)ctx;
    return 0;
}

static int
no_request(const gdpr_request_info *r, void *ctx)
{
    (void)r;
    (void)ctx;
    return 0;
}

static int
no_entry(const gdpr_adequacy_entry *e, void *ctx)
{
    (void)e;
    (void)ctx;
    return 0;
}

/* --- one wrapper per call: the call with every argument good but the time */

static int
c_consent_check(int64_t t)
{
    int granted;
    return gdpr_consent_check(ts.eng, SUBJECT, "marketing", t, &granted);
}
static int
c_may_process(int64_t t)
{
    int allowed;
    return gdpr_may_process(ts.eng, SUBJECT, "marketing", t, &allowed, NULL);
}
static int
c_disclosure_check(int64_t t)
{
    int allowed;
    return gdpr_disclosure_check(ts.eng, SUBJECT, "mailer-eu", "marketing", t, &allowed, NULL);
}
static int
c_subject_touch(int64_t t)
{
    return gdpr_subject_touch(ts.eng, &th_dpo, SUBJECT, t);
}
static int
c_contract_end(int64_t t)
{
    return gdpr_contract_end(ts.eng, &th_dpo, SUBJECT, t);
}
static int
c_anchor_set(int64_t t)
{
    return gdpr_retention_anchor_set(ts.eng, &th_dpo, SUBJECT, GDPR_ANCHOR_CONTRACT_END, "service",
                                     t);
}
static int
c_retention_due(int64_t t)
{
    return gdpr_retention_due(ts.eng, t, no_item, NULL);
}
static int
c_retention_run(int64_t t)
{
    return gdpr_retention_run(ts.eng, &th_dpo, t, NULL);
}
static int
c_retention_run_ex(int64_t t)
{
    gdpr_retention_options o = GDPR_RETENTION_OPTIONS_INIT;
    o.dry_run = 1;
    return gdpr_retention_run_ex(ts.eng, &th_dpo, t, &o, NULL);
}
static int
c_review_overdue(int64_t t)
{
    return gdpr_review_overdue(ts.eng, t, no_review, NULL);
}
static int
c_transfer_check(int64_t t)
{
    gdpr_transfer_decision d;
    return gdpr_transfer_check(ts.eng, &th_dpo, SUBJECT, "mailer-eu", t, &d);
}
static int
c_transfer_check_v2(int64_t t)
{
    gdpr_transfer_request req = GDPR_TRANSFER_REQUEST_INIT;
    gdpr_transfer_result res = GDPR_TRANSFER_RESULT_INIT;
    req.subject = SUBJECT;
    req.recipient = "mailer-eu";
    req.at = t;
    return gdpr_transfer_check_v2(ts.eng, &th_dpo, &req, &res);
}
static int
c_transfer_record(int64_t t)
{
    gdpr_transfer_request req = GDPR_TRANSFER_REQUEST_INIT;
    gdpr_transfer_result res = GDPR_TRANSFER_RESULT_INIT;
    req.subject = SUBJECT;
    req.recipient = "mailer-eu";
    req.at = t;
    return gdpr_transfer_record(ts.eng, &th_dpo, &req, &res);
}
static int
c_adequacy_foreach(int64_t t)
{
    return gdpr_adequacy_foreach(ts.eng, t, no_entry, NULL);
}
static int
c_adequacy_find(int64_t t)
{
    gdpr_adequacy_entry e;
    return gdpr_adequacy_find(ts.eng, "DE", t, &e);
}
static int
c_safeguard_add(int64_t t)
{
    gdpr_safeguard sg = GDPR_SAFEGUARD_INIT;
    sg.recipient = "acme-analytics";
    sg.type = GDPR_TRANSFER_SCC;
    sg.module = 2;
    sg.reference = "SCC 2021/914 module 2";
    sg.valid_from = t;
    return gdpr_safeguard_add(ts.eng, &th_dpo, &sg, NULL);
}
static int
c_request_open(int64_t t)
{
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    in.type = GDPR_REQUEST_ACCESS;
    in.subject = SUBJECT;
    in.channel = "email";
    in.received_at = t;
    return gdpr_request_open(ts.eng, &th_dpo, &in, NULL);
}
static int
c_request_extend(int64_t t)
{
    return gdpr_request_extend(ts.eng, &th_dpo, open_request, 1, "complex", t);
}
static int
c_request_overdue(int64_t t)
{
    return gdpr_request_overdue(ts.eng, t, no_request, NULL);
}
static int
c_request_due_soon(int64_t t)
{
    return gdpr_request_due_soon(ts.eng, t, 86400, no_request, NULL);
}
static int
c_request_kpis_from(int64_t t)
{
    gdpr_request_kpi_report k;
    ck_assert_int_eq(gdpr_request_kpi_report_init(&k, GDPR_REQUEST_KPI_REPORT_VERSION), GDPR_OK);
    return gdpr_request_kpis(ts.eng, t, ts.now + 86400, &k);
}
static int
c_request_kpis_to(int64_t t)
{
    gdpr_request_kpi_report k;
    ck_assert_int_eq(gdpr_request_kpi_report_init(&k, GDPR_REQUEST_KPI_REPORT_VERSION), GDPR_OK);
    return gdpr_request_kpis(ts.eng, ts.now - 86400, t, &k);
}
static int
c_request_kpis_json(int64_t t)
{
    char *json = NULL;
    int rc = gdpr_request_kpis_json(ts.eng, ts.now - 86400, t, &json);
    gdpr_free(json);
    return rc;
}
static int
c_vault_put_item(int64_t t)
{
    gdpr_vault_item it = GDPR_VAULT_ITEM_INIT;
    it.subject = SUBJECT;
    it.category = "contact";
    it.purpose = "service";
    it.value = "x";
    it.len = 1;
    it.collected = t;
    return gdpr_vault_put_item(ts.eng, &th_dpo, &it, NULL);
}
static int
c_hold_place(int64_t t)
{
    gdpr_hold h = GDPR_HOLD_INIT;
    h.scope = GDPR_HOLD_SUBJECT;
    h.subject = SUBJECT;
    h.reason = "matter 7";
    h.until = t;
    return gdpr_hold_place(ts.eng, &th_dpo, &h, NULL);
}
static int
c_review_decide(int64_t t)
{
    gdpr_review_decision d = GDPR_REVIEW_DECISION_INIT;
    d.verdict = GDPR_REVIEW_KEEP;
    d.keep_until = t;
    d.justification = "still needed";
    return gdpr_review_decide(ts.eng, &th_dpo, 1, &d);
}

typedef struct {
    const char *call;
    int (*fn)(int64_t t);
    const char *field; /* named by the refusal of 0 */
    int deadline;      /* 1: must lie after now, so GDPR_NOW is refused too */
} time_call;

static const time_call calls[] = {
    {"gdpr_consent_check", c_consent_check, "at: 0 is not accepted", 0},
    {"gdpr_may_process", c_may_process, "at: 0 is not accepted", 0},
    {"gdpr_disclosure_check", c_disclosure_check, "at: 0 is not accepted", 0},
    {"gdpr_subject_touch", c_subject_touch, "at: 0 is not accepted", 0},
    {"gdpr_contract_end", c_contract_end, "at: 0 is not accepted", 0},
    {"gdpr_retention_anchor_set", c_anchor_set, "at: 0 is not accepted", 0},
    {"gdpr_retention_due", c_retention_due, "as_of: 0 is not accepted", 0},
    {"gdpr_retention_run", c_retention_run, "as_of: 0 is not accepted", 0},
    {"gdpr_retention_run_ex", c_retention_run_ex, "as_of: 0 is not accepted", 0},
    {"gdpr_review_overdue", c_review_overdue, "as_of: 0 is not accepted", 0},
    {"gdpr_transfer_check", c_transfer_check, "at: 0 is not accepted", 0},
    {"gdpr_transfer_check_v2", c_transfer_check_v2, "req.at: 0 is not accepted", 0},
    {"gdpr_transfer_record", c_transfer_record, "req.at: 0 is not accepted", 0},
    {"gdpr_adequacy_foreach", c_adequacy_foreach, "as_of: 0 is not accepted", 0},
    {"gdpr_adequacy_find", c_adequacy_find, "at: 0 is not accepted", 0},
    {"gdpr_safeguard_add", c_safeguard_add, "sg.valid_from: 0 is not accepted", 0},
    {"gdpr_request_open", c_request_open, "in.received_at: 0 is not accepted", 0},
    {"gdpr_request_extend", c_request_extend, "subject_told_at: 0 is not accepted", 0},
    {"gdpr_request_overdue", c_request_overdue, "as_of: 0 is not accepted", 0},
    {"gdpr_request_due_soon", c_request_due_soon, "as_of: 0 is not accepted", 0},
    {"gdpr_request_kpis (from)", c_request_kpis_from, "from: 0 is not accepted", 0},
    {"gdpr_request_kpis (to)", c_request_kpis_to, "to: 0 is not accepted", 0},
    {"gdpr_request_kpis_json", c_request_kpis_json, "to: 0 is not accepted", 0},
    {"gdpr_vault_put_item", c_vault_put_item, "item.collected: 0 is not accepted", 0},
    {"gdpr_hold_place", c_hold_place, "until", 1},
    {"gdpr_review_decide", c_review_decide, "d.keep_until: 0 is not accepted", 1},
};
#define N_CALLS (sizeof calls / sizeof calls[0])

static void
setup(void)
{
    gdpr_consent c = GDPR_CONSENT_INIT;
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;

    th_setup(&ts);
    c.subject = SUBJECT;
    c.purpose = "marketing";
    c.notice = "marketing-v2";
    c.channel = "web";
    th_ok(gdpr_consent_record(ts.eng, &th_dpo, &c, NULL));
    in.type = GDPR_REQUEST_ACCESS;
    in.subject = SUBJECT;
    in.channel = "email";
    th_ok(gdpr_request_open(ts.eng, &th_dpo, &in, &open_request));
    ts.now += 3600; /* an hour later: "now" differs from every stored time */
}

static void
teardown(void)
{
    th_teardown(&ts);
}

/* 0 is refused by every call, naming the field, and nothing changes. */
START_TEST(zero_is_refused)
{
    const time_call *tc = &calls[_i];
    char before[65], after[65];

    th_fingerprint(&ts, before);
    int rc = tc->fn(0);
    ck_assert_msg(rc == GDPR_EINVAL, "%s(0): got %s (%s)", tc->call, gdpr_strerror(rc),
                  gdpr_errmsg());
    ck_assert_msg(strstr(gdpr_errmsg(), tc->field) != NULL, "%s(0): message '%s' lacks '%s'",
                  tc->call, gdpr_errmsg(), tc->field);
    if (!tc->deadline)
        ck_assert_msg(strstr(gdpr_errmsg(), "use GDPR_NOW for the engine's clock") != NULL,
                      "%s(0): message '%s' does not point to GDPR_NOW", tc->call, gdpr_errmsg());
    th_fingerprint(&ts, after);
    ck_assert_msg(strcmp(before, after) == 0, "%s(0) changed the store", tc->call);
}
END_TEST

/* GDPR_NOW is accepted as the engine's clock (refused only where the time
 * must lie after now). */
START_TEST(now_is_the_engine_clock)
{
    const time_call *tc = &calls[_i];
    int rc = tc->fn(GDPR_NOW);

    if (tc->deadline)
        ck_assert_msg(rc == GDPR_EINVAL, "%s(GDPR_NOW): got %s, want GDPR_EINVAL (%s)", tc->call,
                      gdpr_strerror(rc), gdpr_errmsg());
    else
        ck_assert_msg(rc == GDPR_OK, "%s(GDPR_NOW): %s (%s)", tc->call, gdpr_strerror(rc),
                      gdpr_errmsg());
}
END_TEST

/* A time that is not now, for the calls that accept the past: the rule
 * leaves ordinary times alone. */
START_TEST(ordinary_times_pass_through)
{
    const time_call *tc = &calls[_i];
    int64_t t = tc->deadline ? ts.now + 86400 : ts.now - 60;
    int rc;

    if (tc->fn == c_review_decide) /* needs a review task; covered by test-retention */
        return;
    if (tc->fn == c_request_kpis_from || tc->fn == c_request_kpis_to ||
        tc->fn == c_request_kpis_json)
        t = tc->fn == c_request_kpis_from ? ts.now - 60 : ts.now + 60;
    rc = tc->fn(t);
    ck_assert_msg(rc == GDPR_OK, "%s(%lld): %s (%s)", tc->call, (long long)t, gdpr_strerror(rc),
                  gdpr_errmsg());
}
END_TEST

/* What GDPR_NOW resolves to, seen in what the calls store and answer. */
static int
collected_of(const gdpr_vault_record *rec, void *ctx)
{
    *(int64_t *)ctx = rec->collected;
    return 0;
}

START_TEST(now_means_now_not_1970)
{
    int64_t clock = 0, collected = 0, id = 0;
    int granted = 0, allowed = 0;
    gdpr_request_info info;

    th_ok(gdpr_now(ts.eng, &clock));
    ck_assert_int_eq(clock, ts.now);
    ts.now += 5;
    th_ok(gdpr_now(ts.eng, &clock));
    ck_assert_int_eq(clock, ts.now);

    /* the consent granted at setup holds now; it did not hold in 1970 */
    th_ok(gdpr_consent_check(ts.eng, SUBJECT, "marketing", GDPR_NOW, &granted));
    ck_assert_int_eq(granted, 1);
    th_ok(gdpr_may_process(ts.eng, SUBJECT, "marketing", GDPR_NOW, &allowed, NULL));
    ck_assert_int_eq(allowed, 1);
    th_ok(gdpr_consent_check(ts.eng, SUBJECT, "marketing", 1, &granted));
    ck_assert_int_eq(granted, 0);

    /* stored times are the clock's */
    th_ok(c_vault_put_item(GDPR_NOW));
    th_ok(gdpr_vault_foreach(ts.eng, &th_dpo, SUBJECT, collected_of, &collected));
    ck_assert_int_eq(collected, ts.now);
    {
        gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
        in.type = GDPR_REQUEST_ACCESS;
        in.subject = SUBJECT;
        in.channel = "phone";
        th_ok(gdpr_request_open(ts.eng, &th_dpo, &in, &id));
    }
    th_ok(gdpr_request_info_init(&info, GDPR_REQUEST_INFO_VERSION));
    th_ok(gdpr_request_get(ts.eng, id, &info));
    ck_assert_int_eq(info.received, ts.now);

    /* the engine's clock, not the wall clock */
    th_assert_err(gdpr_now(NULL, &clock), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_now(ts.eng, NULL), GDPR_EINVAL, "out");
}
END_TEST

/* The _init functions and the _INIT initialisers default times to GDPR_NOW. */
START_TEST(initialisers_default_to_now)
{
    gdpr_vault_item it;
    gdpr_request_intake in;
    gdpr_transfer_request req;
    gdpr_vault_item it2 = GDPR_VAULT_ITEM_INIT;
    gdpr_request_intake in2 = GDPR_REQUEST_INTAKE_INIT;
    gdpr_transfer_request req2 = GDPR_TRANSFER_REQUEST_INIT;
    gdpr_safeguard sg = GDPR_SAFEGUARD_INIT;

    th_ok(gdpr_vault_item_init(&it, GDPR_VAULT_ITEM_VERSION));
    th_ok(gdpr_request_intake_init(&in, GDPR_REQUEST_INTAKE_VERSION));
    th_ok(gdpr_transfer_request_init(&req, GDPR_TRANSFER_REQUEST_VERSION));
    ck_assert_int_eq(it.collected, GDPR_NOW);
    ck_assert_int_eq(in.received_at, GDPR_NOW);
    ck_assert_int_eq(req.at, GDPR_NOW);
    ck_assert_int_eq(it2.collected, GDPR_NOW);
    ck_assert_int_eq(in2.received_at, GDPR_NOW);
    ck_assert_int_eq(req2.at, GDPR_NOW);
    ck_assert_int_eq(sg.valid_from, GDPR_NOW);
}
END_TEST

static Suite *
time_suite(void)
{
    Suite *s = suite_create("time-rule");
    TCase *tc = tcase_create("rule");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, zero_is_refused, 0, (int)N_CALLS);
    tcase_add_loop_test(tc, now_is_the_engine_clock, 0, (int)N_CALLS);
    tcase_add_loop_test(tc, ordinary_times_pass_through, 0, (int)N_CALLS);
    tcase_add_test(tc, now_means_now_not_1970);
    tcase_add_test(tc, initialisers_default_to_now);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return th_run(time_suite());
}
