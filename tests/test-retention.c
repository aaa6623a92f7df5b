/*
 * Retention scheduling: due times for every anchor and period form, the
 * due list, sweeps (erase, anonymise, review; holds; dry runs; batches;
 * interruption and resumption), review decisions, bad input everywhere.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fault-vfs.h"
#include "helpers.h"
#include "testhook.h"
#include "retention_internal.h"
#include "calendar.h"

static th_store ts;

/* A policy with one collection rule per period form, and one rule per
 * anchor and action. */
#define KEEP_RULE(id, cat, period)                                                                 \
    "{\"id\":\"" id "\",\"purpose\":\"keep\",\"category\":\"" cat "\",\"period\":\"" period        \
    "\",\"anchor\":\"collection\",\"action\":\"erase\"},"

static const char test_policy[] =
    "{\"controller\":{\"name\":\"Test Ltd\",\"contact\":\"privacy@test.example\","
    "\"country\":\"IE\"},"
    "\"categories\":["
    "{\"id\":\"c-p1m\",\"description\":\"P1M\"},{\"id\":\"c-p1y\",\"description\":\"P1Y\"},"
    "{\"id\":\"c-p4y\",\"description\":\"P4Y\"},{\"id\":\"c-p6y\",\"description\":\"P6Y\"},"
    "{\"id\":\"c-p18m\",\"description\":\"P18M\"},{\"id\":\"c-p1y6m\",\"description\":\"P1Y6M\"},"
    "{\"id\":\"c-p30d\",\"description\":\"P30D\"},{\"id\":\"c-p2w\",\"description\":\"P2W\"},"
    "{\"id\":\"c-pt12h\",\"description\":\"PT12H\"},{\"id\":\"c-mix\",\"description\":\"mix\"},"
    "{\"id\":\"c-none\",\"description\":\"no rule\"},"
    "{\"id\":\"contact\",\"description\":\"contact\"},{\"id\":\"usage\",\"description\":\"usage\"},"
    "{\"id\":\"financial\",\"description\":\"invoices\"},{\"id\":\"cv\",\"description\":\"CVs\"}],"
    "\"purposes\":["
    "{\"id\":\"keep\",\"description\":\"periods\",\"basis\":\"contract\",\"categories\":["
    "\"c-p1m\",\"c-p1y\",\"c-p4y\",\"c-p6y\",\"c-p18m\",\"c-p1y6m\",\"c-p30d\",\"c-p2w\","
    "\"c-pt12h\",\"c-mix\",\"c-none\"]},"
    "{\"id\":\"news\",\"description\":\"newsletter\",\"basis\":\"consent\",\"categories\":["
    "\"contact\"]},"
    "{\"id\":\"mkt\",\"description\":\"marketing\",\"basis\":\"legitimate_interests\","
    "\"categories\":[\"contact\"]},"
    "{\"id\":\"svc\",\"description\":\"service\",\"basis\":\"contract\",\"categories\":[\"usage\","
    "\"contact\"]},"
    "{\"id\":\"crm\",\"description\":\"billing\",\"basis\":\"legal_obligation\",\"categories\":["
    "\"financial\"]},"
    "{\"id\":\"hire\",\"description\":\"recruitment\",\"basis\":\"legitimate_interests\","
    "\"categories\":[\"cv\",\"contact\"]},"
    "{\"id\":\"req\",\"description\":\"requests\",\"basis\":\"legal_obligation\",\"categories\":["
    "\"contact\"]}],"
    "\"notices\":[{\"id\":\"n1\",\"version\":\"1\",\"url\":\"https://test.example/n1\","
    "\"sha256\":\"6cde9994e39b1c499930aee4a47b2af501ca7013507cf8108aa9bf0b393cb8d4\"}],"
    "\"retention\":[" KEEP_RULE("K-1M", "c-p1m", "P1M") KEEP_RULE("K-1Y", "c-p1y", "P1Y")
        KEEP_RULE("K-4Y", "c-p4y", "P4Y") KEEP_RULE("K-6Y", "c-p6y", "P6Y")
            KEEP_RULE("K-18M", "c-p18m", "P18M") KEEP_RULE("K-1Y6M", "c-p1y6m", "P1Y6M")
                KEEP_RULE("K-30D", "c-p30d", "P30D") KEEP_RULE("K-2W", "c-p2w", "P2W")
                    KEEP_RULE("K-12H", "c-pt12h", "PT12H") KEEP_RULE(
                        "K-MIX", "c-mix",
                        "P1Y2M10DT2H30M") "{\"id\":\"N-1\",\"purpose\":\"news\",\"category\":"
                                          "\"contact\",\"period\":\"P30D\","
                                          "\"anchor\":\"consent_withdrawal\",\"action\":\"erase\"},"
                                          "{\"id\":\"M-1\",\"purpose\":\"mkt\",\"category\":"
                                          "\"contact\",\"period\":\"P2Y\","
                                          "\"anchor\":\"last_activity\",\"action\":\"erase\"},"
                                          "{\"id\":\"S-1\",\"purpose\":\"svc\",\"category\":"
                                          "\"usage\",\"period\":\"P18M\","
                                          "\"anchor\":\"last_activity\",\"action\":\"anonymise\","
                                          "\"keep\":[\"country\",\"product\"],"
                                          "\"min_group\":2},"
                                          "{\"id\":\"B-1\",\"purpose\":\"crm\",\"category\":"
                                          "\"financial\",\"period\":\"P6Y\","
                                          "\"anchor\":\"contract_end\",\"action\":\"erase\","
                                          "\"legal_duty\":true},"
                                          "{\"id\":\"H-1\",\"purpose\":\"hire\",\"category\":"
                                          "\"cv\",\"period\":\"P6M\","
                                          "\"anchor\":\"contract_end\",\"action\":\"review\","
                                          "\"review_every\":\"P6M\"},"
                                          "{\"id\":\"Q-1\",\"purpose\":\"req\",\"category\":"
                                          "\"contact\",\"period\":\"P1Y\","
                                          "\"anchor\":\"request_closed\",\"action\":\"erase\"}],"
                                          "\"roles\":[{\"id\":\"dpo\",\"permissions\":[\"*\"]},"
                                          "{\"id\":\"agent\",\"permissions\":[\"vault.put\","
                                          "\"vault.get\",\"retention.anchor\","
                                          "\"consent.record\",\"subject.create\"]},"
                                          "{\"id\":\"system\",\"permissions\":[\"retention.run\","
                                          "\"erase.subject\"]}]}";

static int64_t
T(const char *iso)
{
    int64_t t = 0;
    ck_assert_msg(gdpr_calendar__parse_instant(iso, &t) == 0, "bad test time %s", iso);
    return t;
}

/* The policy with one piece of text replaced (malloc'd). */
static char *
policy_with(const char *from, const char *to)
{
    const char *at = strstr(test_policy, from);
    char *out;

    ck_assert_ptr_nonnull(at);
    out = malloc(sizeof test_policy + strlen(to));
    ck_assert_ptr_nonnull(out);
    memcpy(out, test_policy, (size_t)(at - test_policy));
    strcpy(out + (at - test_policy), to);
    strcat(out, at + strlen(from));
    return out;
}

static void
setup(void)
{
    th_setup_bare(&ts);
    th_ok(gdpr_policy_load_string(ts.eng, &th_dpo, test_policy));
}

/* The test hook that fails the n-th sweep batch before its commit. */
static void
fail_batch_at(long n)
{
    gdpr__test_hooks h;

    memset(&h, 0, sizeof h);
    h.fail_at[GDPR__TEST_FAIL_RETENTION_BATCH] = n;
    gdpr__test_hooks_set(&h);
}

static long
fail_batch_left(void)
{
    gdpr__test_hooks h;

    gdpr__test_hooks_get(&h);
    return h.fail_at[GDPR__TEST_FAIL_RETENTION_BATCH];
}

static void
teardown(void)
{
    fault_vfs_arm(FAULT_IOERR, 0);
    gdpr__test_hooks_set(NULL);
    th_teardown(&ts);
}

static int64_t
put_at(const char *subject, const char *category, const char *purpose, const char *field,
       const char *value, int64_t collected)
{
    gdpr_vault_item it = GDPR_VAULT_ITEM_INIT;
    int64_t id = 0;

    it.subject = subject;
    it.category = category;
    it.purpose = purpose;
    it.field = field;
    it.value = value;
    it.len = strlen(value);
    it.collected = collected;
    th_ok(gdpr_vault_put_item(ts.eng, &th_agent, &it, &id));
    ck_assert_int_gt(id, 0);
    return id;
}

static gdpr_retention_info
info(int64_t record)
{
    gdpr_retention_info in;

    memset(&in, 0, sizeof in);
    in.version = GDPR_RETENTION_INFO_VERSION;
    th_ok(gdpr_retention_record(ts.eng, record, &in));
    return in;
}

static void
assert_due(int64_t record, const char *iso)
{
    gdpr_retention_info in = info(record);
    char got[21] = "";

    ck_assert_msg(in.has_due, "record %lld: no due time, want %s", (long long)record, iso);
    gdpr_calendar__format_instant(in.due, got);
    ck_assert_msg(in.due == T(iso), "record %lld: due %s, want %s", (long long)record, got, iso);
}

static void
assert_no_due(int64_t record)
{
    gdpr_retention_info in = info(record);
    ck_assert_msg(!in.has_due, "record %lld has a due time %lld", (long long)record,
                  (long long)in.due);
}

static int
record_exists(int64_t record)
{
    void *v = NULL;
    size_t len = 0;
    int rc = gdpr_vault_get(ts.eng, &th_dpo, record, &v, &len);

    gdpr_free(v);
    ck_assert_msg(rc == GDPR_OK || rc == GDPR_ENOTFOUND, "vault_get: %s", gdpr_strerror(rc));
    return rc == GDPR_OK;
}

/* Count audit events whose ref contains `needle`. */
typedef struct {
    const char *needle;
    int n;
} count_ctx;

static int
count_ref(const gdpr_audit_event *ev, void *ctx)
{
    count_ctx *c = ctx;
    if (ev->ref != NULL && strstr(ev->ref, c->needle) != NULL)
        c->n++;
    return 0;
}

static int
audit_count(const char *needle)
{
    count_ctx c = {needle, 0};
    th_ok(gdpr_audit_foreach(ts.eng, 1, count_ref, &c));
    return c.n;
}

static int
audit_count_record(int64_t record, const char *what)
{
    char needle[96];
    snprintf(needle, sizeof needle, "record %lld: %s", (long long)record, what);
    return audit_count(needle);
}

/* ======================================================================
 * Due times: every period form, every anchor
 * ====================================================================== */

START_TEST(period_forms)
{
    static const struct {
        const char *category, *collected, *due, *rule;
    } cases[] = {
        {"c-p1m", "2026-01-31T10:00:00Z", "2026-02-28T10:00:00Z", "K-1M"},
        {"c-p1m", "2024-01-31T00:00:00Z", "2024-02-29T00:00:00Z", "K-1M"},
        {"c-p1m", "2026-12-31T23:59:59Z", "2027-01-31T23:59:59Z", "K-1M"},
        {"c-p1m", "2026-03-31T12:00:00Z", "2026-04-30T12:00:00Z", "K-1M"},
        {"c-p1y", "2024-02-29T12:00:00Z", "2025-02-28T12:00:00Z", "K-1Y"},
        {"c-p1y", "2026-12-31T00:00:00Z", "2027-12-31T00:00:00Z", "K-1Y"},
        {"c-p4y", "2024-02-29T00:00:00Z", "2028-02-29T00:00:00Z", "K-4Y"},
        {"c-p6y", "2026-03-15T08:30:00Z", "2032-03-15T08:30:00Z", "K-6Y"},
        {"c-p18m", "2025-08-31T00:00:00Z", "2027-02-28T00:00:00Z", "K-18M"},
        {"c-p1y6m", "2025-08-31T00:00:00Z", "2027-02-28T00:00:00Z", "K-1Y6M"},
        {"c-p30d", "2026-12-15T00:00:00Z", "2027-01-14T00:00:00Z", "K-30D"},
        {"c-p30d", "2028-02-15T00:00:00Z", "2028-03-16T00:00:00Z", "K-30D"},
        {"c-p2w", "2026-12-25T00:00:00Z", "2027-01-08T00:00:00Z", "K-2W"},
        {"c-pt12h", "2026-12-31T18:00:00Z", "2027-01-01T06:00:00Z", "K-12H"},
        {"c-mix", "2026-01-31T00:00:00Z", "2027-04-10T02:30:00Z", "K-MIX"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t id =
            put_at("subj-periods", cases[i].category, "keep", NULL, "v", T(cases[i].collected));
        gdpr_retention_info in = info(id);
        assert_due(id, cases[i].due);
        ck_assert_str_eq(in.rule, cases[i].rule);
        ck_assert_int_eq(in.anchor, GDPR_ANCHOR_COLLECTION);
        ck_assert_int_eq(in.action, GDPR_RETENTION_ERASE);
        ck_assert(in.has_anchor);
        ck_assert_int_eq(in.anchor_at, T(cases[i].collected));
    }
    /* No rule: no due time, nothing to sweep. */
    {
        int64_t id = put_at("subj-periods", "c-none", "keep", NULL, "v", GDPR_NOW);
        gdpr_retention_info in = info(id);
        ck_assert(!in.has_due);
        ck_assert(!in.has_anchor);
        ck_assert_str_eq(in.rule, "");
        ck_assert_int_eq(in.anchor, 0);
    }
}
END_TEST

START_TEST(anchor_last_activity)
{
    int64_t mkt = put_at("subj-act", "contact", "mkt", "email", "a@example.com", GDPR_NOW);
    int64_t use = put_at("subj-act", "usage", "svc", "product", "CRM Pro", GDPR_NOW);
    int64_t other = put_at("subj-other", "contact", "mkt", "email", "b@example.com", GDPR_NOW);
    char before[65], after[65];

    /* Collection counts as activity. */
    assert_due(mkt, "2028-01-01T00:00:00Z");
    assert_due(use, "2027-07-01T00:00:00Z");
    ts.now = T("2026-07-01T00:00:00Z");
    th_ok(gdpr_subject_touch(ts.eng, &th_agent, "subj-act", T("2026-06-01T00:00:00Z")));
    assert_due(mkt, "2028-06-01T00:00:00Z");
    assert_due(use, "2027-12-01T00:00:00Z");
    assert_due(other, "2028-01-01T00:00:00Z"); /* another subject: untouched */
    /* Last activity only moves forward. */
    th_ok(gdpr_subject_touch(ts.eng, &th_agent, "subj-act", T("2026-03-01T00:00:00Z")));
    assert_due(mkt, "2028-06-01T00:00:00Z");
    /* Activity for one purpose moves only that purpose's records. */
    th_ok(gdpr_retention_anchor_set(ts.eng, &th_agent, "subj-act", GDPR_ANCHOR_LAST_ACTIVITY, "mkt",
                                    T("2026-06-15T00:00:00Z")));
    assert_due(mkt, "2028-06-15T00:00:00Z");
    assert_due(use, "2027-12-01T00:00:00Z");
    /* 0 means now. */
    th_ok(gdpr_subject_touch(ts.eng, &th_agent, "subj-act", GDPR_NOW));
    assert_due(mkt, "2028-07-01T00:00:00Z");
    ck_assert_int_eq(info(mkt).anchor_at, ts.now);
    ck_assert_int_eq(audit_count("anchor last_activity set for every purpose"), 3);
    /* Activity in the future is refused, nothing changes. */
    th_fingerprint(&ts, before);
    th_assert_err(gdpr_subject_touch(ts.eng, &th_agent, "subj-act", ts.now + 1), GDPR_EINVAL,
                  "at: 2026-07-01T00:00:01Z is later than now (2026-07-01T00:00:00Z)");
    th_assert_err(gdpr_subject_touch(ts.eng, &th_agent, "nobody", GDPR_NOW), GDPR_ENOTFOUND,
                  "subject");
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
}
END_TEST

START_TEST(anchor_contract_end)
{
    int64_t inv = put_at("subj-c", "financial", "crm", "invoice", "INV-1", GDPR_NOW);
    int64_t cv = put_at("subj-c", "cv", "hire", NULL, "cv text", GDPR_NOW);
    int64_t later;
    gdpr_retention_info in = info(inv);

    /* No contract end yet: no due time. */
    ck_assert(!in.has_anchor);
    ck_assert(!in.has_due);
    ck_assert_str_eq(in.rule, "B-1");
    ck_assert_int_eq(in.anchor, GDPR_ANCHOR_CONTRACT_END);
    th_ok(gdpr_contract_end(ts.eng, &th_agent, "subj-c", T("2026-03-31T00:00:00Z")));
    assert_due(inv, "2032-03-31T00:00:00Z");
    assert_due(cv, "2026-09-30T00:00:00Z");
    /* The position closed: the recruitment purpose's own end wins. */
    th_ok(gdpr_retention_anchor_set(ts.eng, &th_agent, "subj-c", GDPR_ANCHOR_CONTRACT_END, "hire",
                                    T("2026-02-28T00:00:00Z")));
    assert_due(cv, "2026-08-28T00:00:00Z");
    assert_due(inv, "2032-03-31T00:00:00Z");
    /* A correction may move it earlier. */
    th_ok(gdpr_contract_end(ts.eng, &th_agent, "subj-c", T("2026-01-31T00:00:00Z")));
    assert_due(inv, "2032-01-31T00:00:00Z");
    /* A record stored after the event gets its due time at once. */
    later = put_at("subj-c", "financial", "crm", "invoice", "INV-2", GDPR_NOW);
    assert_due(later, "2032-01-31T00:00:00Z");
    /* Clearing the purpose's own end falls back to the general one. */
    th_ok(
        gdpr_retention_anchor_clear(ts.eng, &th_agent, "subj-c", GDPR_ANCHOR_CONTRACT_END, "hire"));
    assert_due(cv, "2026-07-31T00:00:00Z");
    th_ok(gdpr_retention_anchor_clear(ts.eng, &th_agent, "subj-c", GDPR_ANCHOR_CONTRACT_END, NULL));
    assert_no_due(inv);
    assert_no_due(cv);
    /* Known in advance: a future end. */
    th_ok(gdpr_contract_end(ts.eng, &th_agent, "subj-c", T("2027-12-31T00:00:00Z")));
    assert_due(inv, "2033-12-31T00:00:00Z");
    ck_assert_int_eq(audit_count("anchor contract_end cleared"), 2);
}
END_TEST

static void
consent(const char *subject, gdpr_consent_state state)
{
    gdpr_consent c = GDPR_CONSENT_INIT;

    c.subject = subject;
    c.purpose = "news";
    c.notice = "n1";
    c.channel = "web";
    c.state = state;
    th_ok(gdpr_consent_record(ts.eng, &th_agent, &c, NULL));
}

START_TEST(anchor_consent_withdrawal)
{
    int64_t rec;

    consent("subj-n", GDPR_CONSENT_GRANTED);
    rec = put_at("subj-n", "contact", "news", "email", "n@example.com", GDPR_NOW);
    assert_no_due(rec);
    ts.now = T("2026-02-01T00:00:00Z");
    th_ok(gdpr_consent_withdraw(ts.eng, &th_agent, "subj-n", "news", NULL, "phone", NULL));
    assert_due(rec, "2026-03-03T00:00:00Z");
    ck_assert_int_eq(info(rec).anchor_at, T("2026-02-01T00:00:00Z"));
    /* Granted again: processing goes on, nothing is due. */
    ts.now = T("2026-02-10T00:00:00Z");
    consent("subj-n", GDPR_CONSENT_GRANTED);
    assert_no_due(rec);
    /* A refusal ends consent too. */
    ts.now = T("2026-02-20T00:00:00Z");
    consent("subj-n", GDPR_CONSENT_REFUSED);
    assert_due(rec, "2026-03-22T00:00:00Z");
    /* Set by hand (a withdrawal recorded elsewhere). */
    th_ok(gdpr_retention_anchor_set(ts.eng, &th_agent, "subj-n", GDPR_ANCHOR_CONSENT_WITHDRAWAL,
                                    "news", T("2026-02-15T00:00:00Z")));
    assert_due(rec, "2026-03-17T00:00:00Z");
}
END_TEST

START_TEST(anchor_request_closed)
{
    int64_t rec = put_at("subj-q", "contact", "req", "email", "q@example.com", GDPR_NOW);

    assert_no_due(rec);
    ts.now = T("2026-05-01T00:00:00Z");
    th_ok(gdpr_retention_anchor_set(ts.eng, &th_agent, "subj-q", GDPR_ANCHOR_REQUEST_CLOSED, NULL,
                                    T("2026-04-30T12:00:00Z")));
    assert_due(rec, "2027-04-30T12:00:00Z");
    /* The latest closed request counts: an earlier one changes nothing. */
    th_ok(gdpr_retention_anchor_set(ts.eng, &th_agent, "subj-q", GDPR_ANCHOR_REQUEST_CLOSED, NULL,
                                    T("2026-03-01T00:00:00Z")));
    assert_due(rec, "2027-04-30T12:00:00Z");
    th_ok(gdpr_retention_anchor_set(ts.eng, &th_agent, "subj-q", GDPR_ANCHOR_REQUEST_CLOSED, NULL,
                                    T("2026-05-01T00:00:00Z")));
    assert_due(rec, "2027-05-01T00:00:00Z");
    /* Closing a request through the request capability sets it too. */
    {
        gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
        int64_t request = 0;

        in.type = GDPR_REQUEST_ACCESS;
        in.subject = "subj-q";
        in.channel = "email";
        ts.now = T("2026-06-01T00:00:00Z");
        th_ok(gdpr_request_open(ts.eng, &th_dpo, &in, &request));
        assert_due(rec, "2027-05-01T00:00:00Z");
        ts.now = T("2026-06-10T00:00:00Z");
        th_ok(
            gdpr_request_deny(ts.eng, &th_dpo, request, GDPR_DENIAL_UNFOUNDED_OR_EXCESSIVE, NULL));
        assert_due(rec, "2027-06-10T00:00:00Z");
    }
}
END_TEST

START_TEST(policy_change_reschedules)
{
    int64_t a = put_at("subj-p", "c-p1m", "keep", NULL, "v", T("2026-01-31T00:00:00Z"));
    int64_t b = put_at("subj-p", "c-p1y", "keep", NULL, "v", T("2026-01-01T00:00:00Z"));
    int64_t changed = -1;
    char *doc;

    assert_due(a, "2026-02-28T00:00:00Z");
    /* K-1M becomes two months: rescheduled inside the policy load. */
    doc = policy_with("\"period\":\"P1M\"", "\"period\":\"P2M\"");
    th_ok(gdpr_policy_load_string(ts.eng, &th_dpo, doc));
    free(doc);
    assert_due(a, "2026-03-31T00:00:00Z");
    assert_due(b, "2027-01-01T00:00:00Z");
    /* A rule removed: its records have no due time any more. */
    doc = policy_with(KEEP_RULE("K-1Y", "c-p1y", "P1Y"), "");
    th_ok(gdpr_policy_load_string(ts.eng, &th_dpo, doc));
    free(doc);
    assert_no_due(b);
    ck_assert_str_eq(info(b).rule, "");
    /* Back to the original: both rescheduled again. */
    th_ok(gdpr_policy_load_string(ts.eng, &th_dpo, test_policy));
    assert_due(a, "2026-02-28T00:00:00Z");
    assert_due(b, "2027-01-01T00:00:00Z");
    /* Everything already agrees with the policy: a sync changes nothing. */
    th_ok(gdpr_retention_sync(ts.eng, &th_dpo, &changed));
    ck_assert_int_eq(changed, 0);
    ck_assert_int_eq(audit_count("retention sync: 0 records rescheduled"), 1);
    /* A due time lost behind the API's back (an import, a restore) is put
     * right by a sync. */
    th_ok(gdpr_store__retention_set_schedule(ts.eng->st, a, 0, 0, 0, 0));
    assert_no_due(a);
    th_ok(gdpr_retention_sync(ts.eng, &th_dpo, &changed));
    ck_assert_int_eq(changed, 1);
    assert_due(a, "2026-02-28T00:00:00Z");
    ck_assert_int_eq(info(a).anchor_at, T("2026-01-31T00:00:00Z"));
    th_assert_err(gdpr_retention_sync(ts.eng, &th_agent, &changed), GDPR_EDENIED, "retention.run");
}
END_TEST

START_TEST(bad_durations_refused_with_position)
{
    static const struct {
        const char *period, *fragment;
    } cases[] = {
        {"P6X", "'P6X' is not an ISO 8601 duration (position 2"},
        {"6Y", "'6Y' is not an ISO 8601 duration (position 0"},
        {"P", "'P' is not an ISO 8601 duration (position 1"},
        {"PT", "'PT' is not an ISO 8601 duration (position 2"},
        {"P1.5Y", "'P1.5Y' is not an ISO 8601 duration (position 2"},
        {"p6y", "'p6y' is not an ISO 8601 duration (position 0"},
        {"P-1Y", "'P-1Y' is not an ISO 8601 duration (position 1"},
        {"P6Y ", "'P6Y ' is not an ISO 8601 duration (position 3"},
    };
    char before[65], after[65];
    int64_t version = 0;

    th_fingerprint(&ts, before);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char to[64];
        char *doc;
        snprintf(to, sizeof to, "\"period\":\"%s\"", cases[i].period);
        doc = policy_with("\"period\":\"P1M\"", to);
        th_assert_err(gdpr_policy_load_string(ts.eng, &th_dpo, doc), GDPR_EINVAL,
                      cases[i].fragment);
        ck_assert_msg(strstr(gdpr_errmsg(), "retention[0].period") != NULL, "%s", gdpr_errmsg());
        free(doc);
    }
    {
        char *doc = policy_with("\"review_every\":\"P6M\"", "\"review_every\":\"P6M1Y\"");
        th_assert_err(gdpr_policy_load_string(ts.eng, &th_dpo, doc), GDPR_EINVAL,
                      "review_every: 'P6M1Y' is not an ISO 8601 duration (position 4");
        free(doc);
    }
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    th_ok(gdpr_policy_version(ts.eng, &version));
    ck_assert_int_eq(version, 1);
}
END_TEST

/* ======================================================================
 * The due list
 * ====================================================================== */

typedef struct {
    int n;
    int64_t records[32];
    char rules[32][16];
    int actions[32];
    int held[32];
    int64_t due[32];
    int stop_at;
} due_list;

static int
collect_due(const gdpr_retention_item *item, void *ctx)
{
    due_list *l = ctx;

    ck_assert_uint_eq(item->version, GDPR_RETENTION_ITEM_VERSION);
    ck_assert_int_eq((int)strlen(item->subject_hash), 64);
    ck_assert_int_lt(l->n, 32);
    l->records[l->n] = item->record;
    snprintf(l->rules[l->n], sizeof l->rules[0], "%s", item->rule);
    l->actions[l->n] = item->action;
    l->held[l->n] = item->held;
    l->due[l->n] = item->due;
    l->n++;
    return l->stop_at > 0 && l->n == l->stop_at;
}

START_TEST(due_list_exact)
{
    /* Due (as of 2026-03-01): a at 02-28, b exactly at 03-01; c, d later. */
    int64_t a = put_at("subj-d1", "c-p1m", "keep", NULL, "v", T("2026-01-28T00:00:00Z"));
    int64_t b = put_at("subj-d2", "c-p30d", "keep", NULL, "v", T("2026-01-30T00:00:00Z"));
    int64_t c = put_at("subj-d1", "c-p30d", "keep", NULL, "v", T("2026-01-30T00:00:01Z"));
    int64_t d = put_at("subj-d2", "c-p1y", "keep", NULL, "v", T("2026-01-01T00:00:00Z"));
    int64_t e = put_at("subj-d3", "cv", "hire", NULL, "cv", GDPR_NOW);
    int64_t as_of = T("2026-03-01T00:00:00Z");
    gdpr_hold hold = GDPR_HOLD_INIT;
    due_list l;

    th_ok(gdpr_retention_anchor_set(ts.eng, &th_agent, "subj-d3", GDPR_ANCHOR_CONTRACT_END, "hire",
                                    T("2025-08-01T00:00:00Z")));
    memset(&l, 0, sizeof l);
    th_ok(gdpr_retention_due(ts.eng, as_of, collect_due, &l));
    ck_assert_int_eq(l.n, 3);
    /* Oldest due first: e (2026-02-01), a (02-28), b (03-01). */
    ck_assert_int_eq(l.records[0], e);
    ck_assert_str_eq(l.rules[0], "H-1");
    ck_assert_int_eq(l.actions[0], GDPR_RETENTION_REVIEW);
    ck_assert_int_eq(l.records[1], a);
    ck_assert_str_eq(l.rules[1], "K-1M");
    ck_assert_int_eq(l.actions[1], GDPR_RETENTION_ERASE);
    ck_assert_int_eq(l.records[2], b);
    ck_assert_int_eq(l.due[2], as_of);
    for (int i = 0; i < l.n; i++) {
        ck_assert_int_ne(l.records[i], c);
        ck_assert_int_ne(l.records[i], d);
        ck_assert_int_eq(l.held[i], 0);
    }
    /* A hold shows. */
    hold.scope = GDPR_HOLD_SUBJECT;
    hold.subject = "subj-d2";
    hold.reason = "case 2026/17";
    hold.until = T("2027-01-01T00:00:00Z");
    th_ok(gdpr_hold_place(ts.eng, &th_dpo, &hold, NULL));
    memset(&l, 0, sizeof l);
    th_ok(gdpr_retention_due(ts.eng, as_of, collect_due, &l));
    ck_assert_int_eq(l.n, 3);
    ck_assert_int_eq(l.held[1], 0);
    ck_assert_int_eq(l.held[2], 1);
    /* Looking ahead lists more; the callback may stop. */
    memset(&l, 0, sizeof l);
    th_ok(gdpr_retention_due(ts.eng, T("2027-01-01T00:00:00Z"), collect_due, &l));
    ck_assert_int_eq(l.n, 5);
    memset(&l, 0, sizeof l);
    l.stop_at = 2;
    th_assert_err(gdpr_retention_due(ts.eng, as_of, collect_due, &l), GDPR_ECALLBACK,
                  "fn: stopped at record");
    ck_assert_int_eq(l.n, 2);
    /* Nothing is due at the epoch. */
    memset(&l, 0, sizeof l);
    th_ok(gdpr_retention_due(ts.eng, GDPR_NOW, collect_due, &l));
    ck_assert_int_eq(l.n, 0);
}
END_TEST

/* ======================================================================
 * Sweeps
 * ====================================================================== */

/* 6 records due by 2026-03-01 over three subjects, 4 not yet. */
typedef struct {
    int64_t due[6];
    int64_t later[4];
} sweep_set;

static void
make_sweep_set(sweep_set *s)
{
    static const char *const subjects[] = {"subj-s1", "subj-s2", "subj-s3"};

    for (int i = 0; i < 6; i++)
        s->due[i] = put_at(subjects[i % 3], "c-p1m", "keep", "note", "due value",
                           T("2026-01-01T00:00:00Z") + i * 3600);
    for (int i = 0; i < 4; i++)
        s->later[i] = put_at(subjects[i % 3], "c-p1y", "keep", "note", "later value",
                             T("2026-01-01T00:00:00Z"));
}

START_TEST(run_erases_exactly_what_is_due)
{
    gdpr_retention_report rep;
    sweep_set s;
    int64_t events = 0;

    make_sweep_set(&s);
    ts.now = T("2026-03-01T00:00:00Z");
    th_ok(gdpr_retention_run(ts.eng, &th_system, ts.now, &rep));
    ck_assert_int_eq(rep.examined, 6);
    ck_assert_int_eq(rep.erased, 6);
    ck_assert_int_eq(rep.anonymised, 0);
    ck_assert_int_eq(rep.reviews_opened, 0);
    ck_assert_int_eq(rep.held, 0);
    for (int i = 0; i < 6; i++) {
        ck_assert(!record_exists(s.due[i]));
        ck_assert_int_eq(audit_count_record(s.due[i], "erased under K-1M"), 1);
    }
    for (int i = 0; i < 4; i++) {
        ck_assert(record_exists(s.later[i]));
        assert_due(s.later[i], "2027-01-01T00:00:00Z");
    }
    ck_assert_int_eq(audit_count("finished as of 2026-03-01T00:00:00Z: examined 6, erased 6"), 1);
    /* Erased records leave the erasure's tombstones; the subjects live on. */
    {
        int exists = 0;
        th_ok(gdpr_subject_exists(ts.eng, "subj-s1", &exists));
        ck_assert(exists);
    }
    /* A second run finds nothing. */
    th_ok(gdpr_retention_run(ts.eng, &th_system, ts.now, &rep));
    ck_assert_int_eq(rep.examined, 0);
    th_ok(gdpr_audit_verify(ts.eng, &events));
    ck_assert_int_gt(events, 0);
    /* A year on, the rest goes. */
    ts.now = T("2027-01-01T00:00:00Z");
    th_ok(gdpr_retention_run(ts.eng, &th_system, ts.now, &rep));
    ck_assert_int_eq(rep.erased, 4);
    for (int i = 0; i < 4; i++)
        ck_assert(!record_exists(s.later[i]));
}
END_TEST

typedef struct {
    char rows[16][160];
    int n;
} agg_list;

static int
collect_agg(const gdpr_retention_aggregate *a, void *ctx)
{
    agg_list *l = ctx;
    ck_assert_int_lt(l->n, 16);
    snprintf(l->rows[l->n++], sizeof l->rows[0], "%s|%s|%s|%s|%s|%d|%lld", a->rule, a->category,
             a->purpose, a->field, a->value, a->month, (long long)a->count);
    return 0;
}

START_TEST(run_anonymises)
{
    TH_SQLITE_ONLY("greps the SQLite files");
    static const char secret[] = "customer said: call me after 6pm at home";
    gdpr_retention_report rep;
    agg_list l;
    int64_t ids[5];

    ids[0] = put_at("subj-a1", "usage", "svc", "country", "IE", GDPR_NOW);
    ids[1] = put_at("subj-a2", "usage", "svc", "country", "IE", GDPR_NOW);
    ids[2] = put_at("subj-a1", "usage", "svc", "product", "CRM Pro", GDPR_NOW);
    ids[3] = put_at("subj-a1", "usage", "svc", "notes", secret, GDPR_NOW);
    ids[4] = put_at("subj-a2", "usage", "svc", NULL, "untagged value", GDPR_NOW);
    ts.now = T("2027-07-01T00:00:00Z");
    th_ok(gdpr_retention_run(ts.eng, &th_system, ts.now, &rep));
    ck_assert_int_eq(rep.examined, 5);
    ck_assert_int_eq(rep.anonymised, 5);
    ck_assert_int_eq(rep.erased, 0);
    for (int i = 0; i < 5; i++) {
        ck_assert(!record_exists(ids[i]));
        ck_assert_int_eq(audit_count_record(ids[i], "anonymised under S-1"), 1);
    }
    memset(&l, 0, sizeof l);
    th_ok(gdpr_retention_aggregates(ts.eng, collect_agg, &l));
    /* min_group 2: the groups of one record are not listed */
    ck_assert_int_eq(l.n, 1);
    ck_assert_str_eq(l.rows[0], "S-1|usage|svc|country|IE|202601|2");
    /* kept values are sealed: not in any file */
    ck_assert(!th_store_files_contain(&ts, "CRM Pro", strlen("CRM Pro")));
    /* The note is gone from every file (the run checkpoints). */
    ck_assert(!th_store_files_contain(&ts, secret, strlen(secret)));
    ck_assert(!th_store_files_contain(&ts, "untagged value", strlen("untagged value")));
}
END_TEST

typedef struct {
    int n;
    int64_t ids[16];
    int64_t records[16];
    int status[16];
    int64_t deadline[16];
    int64_t keep_until[16];
    char decided_by[16][32];
    char role[16][32];
    int has_justification[16];
} review_list;

static int
collect_review(const gdpr_review *r, void *ctx)
{
    review_list *l = ctx;

    ck_assert_uint_eq(r->version, GDPR_REVIEW_VERSION);
    ck_assert_int_lt(l->n, 16);
    ck_assert_str_eq(r->rule, "H-1");
    ck_assert_str_eq(r->category, "cv");
    ck_assert_str_eq(r->purpose, "hire");
    ck_assert_int_eq((int)strlen(r->subject_hash), 64);
    l->ids[l->n] = r->id;
    l->records[l->n] = r->record;
    l->status[l->n] = r->status;
    l->deadline[l->n] = r->deadline;
    l->keep_until[l->n] = r->keep_until;
    snprintf(l->decided_by[l->n], 32, "%s", r->decided_by ? r->decided_by : "");
    snprintf(l->role[l->n], 32, "%s", r->role ? r->role : "");
    l->has_justification[l->n] = r->has_justification;
    l->n++;
    return 0;
}

static review_list
reviews(gdpr_review_status status)
{
    review_list l;
    memset(&l, 0, sizeof l);
    th_ok(gdpr_review_list(ts.eng, status, collect_review, &l));
    return l;
}

/* A CV due for review: the position closed 2025-06-30, P6M. */
static int64_t
cv_due(const char *subject)
{
    int64_t id = put_at(subject, "cv", "hire", NULL, "CV of a candidate", GDPR_NOW);
    th_ok(gdpr_retention_anchor_set(ts.eng, &th_agent, subject, GDPR_ANCHOR_CONTRACT_END, "hire",
                                    T("2025-06-30T00:00:00Z")));
    assert_due(id, "2025-12-30T00:00:00Z");
    return id;
}

START_TEST(run_opens_reviews_once)
{
    int64_t cv = cv_due("subj-r1");
    gdpr_retention_report rep;
    review_list l;
    due_list d;
    gdpr_retention_info in;

    th_ok(gdpr_retention_run(ts.eng, &th_system, ts.now, &rep));
    ck_assert_int_eq(rep.reviews_opened, 1);
    ck_assert_int_eq(rep.examined, 1);
    ck_assert(record_exists(cv));
    in = info(cv);
    ck_assert(!in.has_due);
    ck_assert_int_gt(in.review, 0);
    l = reviews(GDPR_REVIEW_OPEN);
    ck_assert_int_eq(l.n, 1);
    ck_assert_int_eq(l.ids[0], in.review);
    ck_assert_int_eq(l.records[0], cv);
    ck_assert_int_eq(l.deadline[0], T("2026-02-01T00:00:00Z"));
    /* Not due again while the review is open, whatever the anchors do. */
    memset(&d, 0, sizeof d);
    th_ok(gdpr_retention_due(ts.eng, T("2030-01-01T00:00:00Z"), collect_due, &d));
    ck_assert_int_eq(d.n, 0);
    th_ok(gdpr_retention_anchor_set(ts.eng, &th_agent, "subj-r1", GDPR_ANCHOR_CONTRACT_END, "hire",
                                    T("2025-05-30T00:00:00Z")));
    assert_no_due(cv);
    th_ok(gdpr_retention_run(ts.eng, &th_system, ts.now, &rep));
    ck_assert_int_eq(rep.examined, 0);
    ck_assert_int_eq(reviews(0).n, 1);
    /* Overdue once its deadline passes. */
    memset(&l, 0, sizeof l);
    th_ok(gdpr_review_overdue(ts.eng, T("2026-01-31T23:59:59Z"), collect_review, &l));
    ck_assert_int_eq(l.n, 0);
    th_ok(gdpr_review_overdue(ts.eng, T("2026-02-01T00:00:00Z"), collect_review, &l));
    ck_assert_int_eq(l.n, 1);
}
END_TEST

START_TEST(run_skips_holds)
{
    int64_t a = put_at("subj-h1", "c-p1m", "keep", NULL, "held value", T("2025-11-01T00:00:00Z"));
    int64_t b = put_at("subj-h2", "c-p1m", "keep", NULL, "free value", T("2025-11-01T00:00:00Z"));
    int64_t c = put_at("subj-h2", "usage", "svc", "country", "FR", T("2024-01-01T00:00:00Z"));
    gdpr_hold hold = GDPR_HOLD_INIT;
    gdpr_retention_report rep;
    int64_t hold_id = 0, hold2 = 0;

    hold.scope = GDPR_HOLD_SUBJECT;
    hold.subject = "subj-h1";
    hold.reason = "litigation 2026/3";
    hold.until = T("2027-01-01T00:00:00Z");
    th_ok(gdpr_hold_place(ts.eng, &th_dpo, &hold, &hold_id));
    hold.scope = GDPR_HOLD_RECORD;
    hold.subject = NULL;
    hold.record = c;
    th_ok(gdpr_hold_place(ts.eng, &th_dpo, &hold, &hold2));
    th_ok(gdpr_retention_run(ts.eng, &th_system, ts.now, &rep));
    ck_assert_int_eq(rep.examined, 3);
    ck_assert_int_eq(rep.erased, 1);
    ck_assert_int_eq(rep.held, 2);
    ck_assert_int_eq(rep.anonymised, 0);
    ck_assert(record_exists(a));
    ck_assert(!record_exists(b));
    ck_assert(record_exists(c));
    /* Still due, still held. */
    th_ok(gdpr_retention_run(ts.eng, &th_system, ts.now, &rep));
    ck_assert_int_eq(rep.held, 2);
    ck_assert_int_eq(rep.erased, 0);
    /* Released: the next run acts. */
    th_ok(gdpr_hold_release(ts.eng, &th_dpo, hold_id, NULL));
    th_ok(gdpr_hold_release(ts.eng, &th_dpo, hold2, NULL));
    th_ok(gdpr_retention_run(ts.eng, &th_system, ts.now, &rep));
    ck_assert_int_eq(rep.erased, 1);
    ck_assert_int_eq(rep.anonymised, 1);
    ck_assert_int_eq(rep.held, 0);
    ck_assert(!record_exists(a));
    ck_assert(!record_exists(c));
}
END_TEST

/* One batch meets three subjects in turn; what the erasure reads of a
 * subject once (its Art. 18 limits, an open partial erasure, the day's
 * record tombstone) must answer for that subject only: m1 free, m2
 * restricted (kept), m3 partly erased earlier (its last records go and
 * the subject with them). */
START_TEST(run_batch_keeps_subjects_apart)
{
    const int64_t at = T("2025-11-01T00:00:00Z");
    int64_t m1[2], m2[2], m3[3];
    gdpr_hold hold = GDPR_HOLD_INIT;
    gdpr_erase_report er;
    gdpr_retention_report rep;
    gdpr_tombstone t;
    int64_t holds[3];

    for (int i = 0; i < 2; i++)
        m1[i] = put_at("subj-m1", "c-p1m", "keep", NULL, "m1 value", at);
    for (int i = 0; i < 2; i++)
        m2[i] = put_at("subj-m2", "c-p1m", "keep", NULL, "m2 value", at);
    for (int i = 0; i < 3; i++)
        m3[i] = put_at("subj-m3", "c-p1m", "keep", NULL, "m3 value", at);
    th_ok(gdpr_subject_restrict(ts.eng, &th_dpo, "subj-m2"));
    hold.scope = GDPR_HOLD_RECORD;
    hold.reason = "claim 2026/9";
    hold.until = T("2027-01-01T00:00:00Z");
    for (int i = 0; i < 3; i++) {
        hold.record = m3[i];
        th_ok(gdpr_hold_place(ts.eng, &th_dpo, &hold, &holds[i]));
    }
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "subj-m3", "Art. 17(1)(a) request 9", &er));
    ck_assert_int_eq(er.retained, 3);
    for (int i = 0; i < 3; i++)
        th_ok(gdpr_hold_release(ts.eng, &th_dpo, holds[i], NULL));

    th_ok(gdpr_retention_run(ts.eng, &th_system, ts.now, &rep));
    ck_assert_int_eq(rep.examined, 7);
    ck_assert_int_eq(rep.erased, 5);
    ck_assert_int_eq(rep.held, 2);
    for (int i = 0; i < 2; i++) {
        void *v = NULL;
        size_t len = 0;
        ck_assert(!record_exists(m1[i]));
        /* Still stored; the restriction keeps it from being handed out. */
        th_assert_err(gdpr_vault_get(ts.eng, &th_dpo, m2[i], &v, &len), GDPR_ESTATE,
                      "restricted processing");
    }
    for (int i = 0; i < 3; i++)
        ck_assert(!record_exists(m3[i]));

    /* m1: both records on one record tombstone of the day. */
    memset(&t, 0, sizeof t);
    t.version = GDPR_TOMBSTONE_VERSION;
    th_ok(gdpr_tombstone_lookup(ts.eng, "subj-m1", &t));
    ck_assert_int_eq(t.kind, GDPR_TOMBSTONE_RECORD);
    ck_assert_int_eq(t.erased, 2);
    /* m2: kept, so no tombstone at all. */
    t.version = GDPR_TOMBSTONE_VERSION;
    th_assert_err(gdpr_tombstone_lookup(ts.eng, "subj-m2", &t), GDPR_ENOTFOUND, "");
    /* m3: the erasure that kept three records is complete now. */
    memset(&t, 0, sizeof t);
    t.version = GDPR_TOMBSTONE_VERSION;
    th_ok(gdpr_tombstone_lookup(ts.eng, "subj-m3", &t));
    ck_assert_int_eq(t.kind, GDPR_TOMBSTONE_SUBJECT);
    ck_assert_int_eq(t.kept_now, 0);
    ck_assert_int_eq(t.complete, 1);
}
END_TEST

START_TEST(run_erases_after_legal_duty)
{
    int64_t inv = put_at("subj-l", "financial", "crm", "invoice", "INV-77", GDPR_NOW);
    gdpr_retention_report rep;

    th_ok(gdpr_contract_end(ts.eng, &th_agent, "subj-l", T("2026-01-01T00:00:00Z")));
    assert_due(inv, "2032-01-01T00:00:00Z");
    ts.now = T("2031-12-31T23:59:59Z");
    th_ok(gdpr_retention_run(ts.eng, &th_system, ts.now, &rep));
    ck_assert_int_eq(rep.examined, 0);
    ts.now = T("2032-01-01T00:00:00Z");
    th_ok(gdpr_retention_run(ts.eng, &th_system, ts.now, &rep));
    ck_assert_int_eq(rep.erased, 1);
    ck_assert(!record_exists(inv));
}
END_TEST

/* A due time no rule stands behind (written by hand here) is examined
 * and cleared, not acted on. */
START_TEST(run_clears_stale_due)
{
    int64_t id = put_at("subj-st", "c-none", "keep", NULL, "no rule", GDPR_NOW);
    gdpr_retention_report rep;
    due_list l;

    th_ok(gdpr_store__retention_set_schedule(ts.eng->st, id, 1, ts.now - 10, 1, ts.now - 5));
    memset(&l, 0, sizeof l);
    th_ok(gdpr_retention_due(ts.eng, ts.now, collect_due, &l));
    ck_assert_int_eq(l.n, 0);
    th_ok(gdpr_retention_run(ts.eng, &th_system, ts.now, &rep));
    ck_assert_int_eq(rep.examined, 1);
    ck_assert_int_eq(rep.erased, 0);
    ck_assert(record_exists(id));
    assert_no_due(id);
}
END_TEST

START_TEST(run_refusals)
{
    gdpr_retention_options opts = GDPR_RETENTION_OPTIONS_INIT;
    gdpr_retention_report rep;
    char before[65], after[65];
    sweep_set s;

    make_sweep_set(&s);
    ts.now = T("2026-03-01T00:00:00Z");
    th_fingerprint(&ts, before);
    th_assert_err(gdpr_retention_run(ts.eng, &th_system, ts.now + 1, &rep), GDPR_EINVAL, "as_of: ");
    th_assert_err(gdpr_retention_run(ts.eng, &th_system, -2, &rep), GDPR_EINVAL,
                  "as_of: 1969-12-31T23:59:58Z is not a time");
    th_assert_err(gdpr_retention_run(ts.eng, &th_system, CAL_MAX_TIME + 1, &rep), GDPR_EINVAL,
                  "as_of: ");
    th_assert_err(gdpr_retention_run(NULL, &th_system, ts.now, &rep), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_retention_run(ts.eng, NULL, ts.now, &rep), GDPR_EINVAL, "who");
    opts.version = 0;
    th_assert_err(gdpr_retention_run_ex(ts.eng, &th_system, ts.now, &opts, &rep), GDPR_EVERSION,
                  "opts.version: 0");
    opts.version = GDPR_RETENTION_OPTIONS_VERSION + 1;
    th_assert_err(gdpr_retention_run_ex(ts.eng, &th_system, ts.now, &opts, &rep), GDPR_EVERSION,
                  "opts.version");
    opts.version = GDPR_RETENTION_OPTIONS_VERSION;
    opts.batch = GDPR_RETENTION_BATCH_MAX + 1;
    th_assert_err(gdpr_retention_run_ex(ts.eng, &th_system, ts.now, &opts, &rep), GDPR_EINVAL,
                  "opts.batch: 10001");
    opts.batch = 0;
    opts.dry_run = 2;
    th_assert_err(gdpr_retention_run_ex(ts.eng, &th_system, ts.now, &opts, &rep), GDPR_EINVAL,
                  "opts.dry_run");
    th_ok(gdpr_begin(ts.eng));
    th_assert_err(gdpr_retention_run(ts.eng, &th_system, ts.now, &rep), GDPR_ESTATE, "batch");
    th_ok(gdpr_rollback(ts.eng));
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    /* A role without retention.run: refused and audited. */
    th_assert_err(gdpr_retention_run(ts.eng, &th_agent, ts.now, &rep), GDPR_EDENIED,
                  "retention.run");
    ck_assert_int_eq(rep.examined, 0);
    for (int i = 0; i < 6; i++)
        ck_assert(record_exists(s.due[i]));
}
END_TEST

START_TEST(dry_run_changes_nothing)
{
    gdpr_retention_options opts = GDPR_RETENTION_OPTIONS_INIT;
    gdpr_retention_report dry, real;
    char before[65], after[65];
    sweep_set s;
    int64_t cv, use;

    make_sweep_set(&s);
    cv = cv_due("subj-dry");
    use = put_at("subj-dry", "usage", "svc", "country", "DE", T("2024-01-01T00:00:00Z"));
    ts.now = T("2026-03-01T00:00:00Z");
    th_ok(gdpr_vault_checkpoint(ts.eng));
    th_fingerprint(&ts, before);
    opts.dry_run = 1;
    opts.batch = 2;
    th_ok(gdpr_retention_run_ex(ts.eng, &th_system, ts.now, &opts, &dry));
    /* Looking ahead is allowed dry. */
    th_ok(gdpr_retention_run_ex(ts.eng, &th_system, T("2030-01-01T00:00:00Z"), &opts, NULL));
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    ck_assert_int_eq(dry.examined, 8);
    ck_assert_int_eq(dry.erased, 6);
    ck_assert_int_eq(dry.reviews_opened, 1);
    ck_assert_int_eq(dry.anonymised, 1);
    ck_assert(record_exists(cv));
    ck_assert(record_exists(use));
    /* The real run does what the dry one said. */
    th_ok(gdpr_retention_run(ts.eng, &th_system, ts.now, &real));
    ck_assert_int_eq(real.examined, dry.examined);
    ck_assert_int_eq(real.erased, dry.erased);
    ck_assert_int_eq(real.anonymised, dry.anonymised);
    ck_assert_int_eq(real.reviews_opened, dry.reviews_opened);
    ck_assert_int_eq(real.held, dry.held);
}
END_TEST

typedef struct {
    int calls;
    int stop_after;
    gdpr_retention_report last;
    int64_t total;
} progress_log;

static int
on_progress(const gdpr_retention_report *so_far, int64_t total, void *ctx)
{
    progress_log *p = ctx;

    p->calls++;
    p->last = *so_far;
    p->total = total;
    return p->stop_after > 0 && p->calls >= p->stop_after;
}

static void
ten_due(int64_t ids[10])
{
    for (int i = 0; i < 10; i++) {
        char subject[32];
        snprintf(subject, sizeof subject, "subj-b%d", i % 4);
        ids[i] =
            put_at(subject, "c-p1m", "keep", NULL, "batch value", T("2025-11-01T00:00:00Z") + i);
    }
}

START_TEST(batches_report_progress)
{
    gdpr_retention_options opts = GDPR_RETENTION_OPTIONS_INIT;
    gdpr_retention_report rep;
    progress_log p;
    int64_t ids[10];

    ten_due(ids);
    memset(&p, 0, sizeof p);
    opts.batch = 3;
    opts.progress = on_progress;
    opts.progress_ctx = &p;
    th_ok(gdpr_retention_run_ex(ts.eng, &th_system, ts.now, &opts, &rep));
    ck_assert_int_eq(p.calls, 4);
    ck_assert_int_eq(p.total, 10);
    ck_assert_int_eq(p.last.examined, 10);
    ck_assert_int_eq(rep.erased, 10);
}
END_TEST

START_TEST(progress_stop_resumes)
{
    gdpr_retention_options opts = GDPR_RETENTION_OPTIONS_INIT;
    gdpr_retention_report rep;
    progress_log p;
    int64_t ids[10];

    ten_due(ids);
    memset(&p, 0, sizeof p);
    opts.batch = 3;
    opts.progress = on_progress;
    opts.progress_ctx = &p;
    p.stop_after = 1;
    th_assert_err(gdpr_retention_run_ex(ts.eng, &th_system, ts.now, &opts, &rep), GDPR_ECALLBACK,
                  "the next run resumes there");
    ck_assert_int_eq(rep.examined, 3);
    ck_assert_int_eq(rep.erased, 3);
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(record_exists(ids[i]), i >= 3);
    /* Reopened, the next run resumes the same run and does the rest once. */
    th_reopen(&ts);
    memset(&p, 0, sizeof p);
    th_ok(gdpr_retention_run_ex(ts.eng, &th_system, ts.now, &opts, &rep));
    ck_assert_int_eq(rep.examined, 7);
    ck_assert_int_eq(rep.erased, 7);
    ck_assert_int_eq(p.total, 7);
    for (int i = 0; i < 10; i++) {
        ck_assert(!record_exists(ids[i]));
        ck_assert_int_eq(audit_count_record(ids[i], "erased"), 1);
    }
    ck_assert_int_eq(audit_count("retention run 1 resumed"), 1);
    ck_assert_int_eq(
        audit_count("retention run 1 finished as of 2026-01-01T00:00:00Z: examined 10, "
                    "erased 10"),
        1);
}
END_TEST

/* gdpr_retention_run_status: none open, then open after an interrupted
 * run (with its counts), closed again once the next run finishes. */
START_TEST(run_status_reports_open_run)
{
    gdpr_retention_options opts = GDPR_RETENTION_OPTIONS_INIT;
    gdpr_retention_run_info info;
    gdpr_retention_report first, second;
    int64_t ids[10];

    memset(&info, 0, sizeof info);
    info.version = GDPR_RETENTION_RUN_INFO_VERSION;

    th_ok(gdpr_retention_run_status(ts.eng, &info));
    ck_assert_int_eq(info.open, 0);
    ck_assert_int_eq(info.run, 0);
    ck_assert_int_eq(info.version, GDPR_RETENTION_RUN_INFO_VERSION);
    ten_due(ids);
    opts.batch = 3;
    fail_batch_at(2);
    th_assert_err(gdpr_retention_run_ex(ts.eng, &th_system, ts.now, &opts, &first), GDPR_ESTORAGE,
                  "test hook");
    th_ok(gdpr_retention_run_status(ts.eng, &info));
    ck_assert_int_eq(info.open, 1);
    ck_assert_int_eq(info.run, 1);
    ck_assert_int_eq(info.started, ts.now);
    ck_assert_int_eq(info.as_of, ts.now);
    ck_assert_int_eq(info.examined, 3);
    ck_assert_int_eq(info.erased, 3);
    ck_assert_int_eq(audit_count("retention run 1 resumed"), 0);
    th_ok(gdpr_retention_run_ex(ts.eng, &th_system, ts.now, &opts, &second));
    ck_assert_int_eq(audit_count("retention run 1 resumed"), 1);
    th_ok(gdpr_retention_run_status(ts.eng, &info));
    ck_assert_int_eq(info.open, 0);
    ck_assert_int_eq(info.run, 0);
    ck_assert_int_eq(info.examined, 0);
}
END_TEST

/* Bad input: NULL engine or info, version 0 or unknown; info untouched. */
START_TEST(run_status_bad_input)
{
    gdpr_retention_run_info info;

    memset(&info, 0, sizeof info);
    info.version = GDPR_RETENTION_RUN_INFO_VERSION;
    th_assert_err(gdpr_retention_run_status(NULL, &info), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_retention_run_status(ts.eng, NULL), GDPR_EINVAL, "out");
    memset(&info, 0x5a, sizeof info);
    info.version = 0;
    th_assert_err(gdpr_retention_run_status(ts.eng, &info), GDPR_EINVAL, "out.version");
    ck_assert_int_eq(info.run, 0x5a5a5a5a5a5a5a5a);
    info.version = 99;
    th_assert_err(gdpr_retention_run_status(ts.eng, &info), GDPR_EINVAL, "out.version");
}
END_TEST

/* A held record before the cursor is not examined twice in one run, and
 * a fault at the N-th batch loses nothing and repeats nothing. */
START_TEST(fault_at_nth_batch_resumes)
{
    for (long n = 1; n <= 4; n++) {
        gdpr_retention_options opts = GDPR_RETENTION_OPTIONS_INIT;
        gdpr_retention_report first, second;
        gdpr_hold hold = GDPR_HOLD_INIT;
        int64_t ids[10];
        int rc;

        if (n > 1) {
            th_teardown(&ts);
            setup();
        }
        ten_due(ids);
        hold.scope = GDPR_HOLD_RECORD;
        hold.record = ids[1];
        hold.reason = "audit";
        hold.until = T("2027-01-01T00:00:00Z");
        th_ok(gdpr_hold_place(ts.eng, &th_dpo, &hold, NULL));
        opts.batch = 3;
        fail_batch_at(n);
        rc = gdpr_retention_run_ex(ts.eng, &th_system, ts.now, &opts, &first);
        ck_assert_int_eq(fail_batch_left(), 0);
        th_assert_err(rc, GDPR_ESTORAGE, "test hook");
        /* Batches before the N-th are kept; the N-th left no trace. */
        ck_assert_int_eq(first.examined, 3 * (n - 1));
        for (int i = 0; i < 10; i++)
            ck_assert_msg(record_exists(ids[i]) == (i == 1 || i >= 3 * (n - 1)), "n=%ld record %d",
                          n, i);
        th_ok(gdpr_retention_run_ex(ts.eng, &th_system, ts.now, &opts, &second));
        ck_assert_int_eq(first.examined + second.examined, 10);
        ck_assert_int_eq(first.held + second.held, 1);
        ck_assert_int_eq(first.erased + second.erased, 9);
        for (int i = 0; i < 10; i++) {
            ck_assert_int_eq(record_exists(ids[i]), i == 1);
            ck_assert_int_eq(audit_count_record(ids[i], "erased"), i == 1 ? 0 : 1);
        }
        th_ok(gdpr_audit_verify(ts.eng, NULL));
    }
}
END_TEST

/* Store files copied aside, to start each fault iteration from the same
 * state without paying for building it again. */
static void
copy_file(const char *from, const char *to)
{
    size_t len = 0;
    char *data = th_read_file(from, &len);
    FILE *f;

    unlink(to);
    if (data == NULL)
        return;
    f = fopen(to, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
    free(data);
}

static void
snapshot(const char *suffix, int restore)
{
    static const char *const parts[] = {"", "-wal", "-keys", "-keys-wal"};

    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        char live[400], copy[420];
        snprintf(live, sizeof live, "%s%s", ts.db, parts[i]);
        snprintf(copy, sizeof copy, "%s%s.%s", ts.db, parts[i], suffix);
        if (restore)
            copy_file(copy, live);
        else
            copy_file(live, copy);
    }
    if (restore) {
        char shm[400];
        snprintf(shm, sizeof shm, "%s-shm", ts.db);
        unlink(shm);
        snprintf(shm, sizeof shm, "%s-keys-shm", ts.db);
        unlink(shm);
    }
}

/* The VFS shim fails the N-th write of a run, for every N until the run
 * gets through; after each failure a second run must finish the work
 * exactly once. */
START_TEST(io_fault_in_run_resumes)
{
    TH_SQLITE_ONLY("fault-injecting SQLite VFS");
    gdpr_retention_options opts = GDPR_RETENTION_OPTIONS_INIT;
    int64_t ids[10], keep;
    int failures = 0, done = 0;

    th_ok(gdpr_begin(ts.eng));
    ten_due(ids);
    keep = put_at("subj-b0", "c-p1y", "keep", NULL, "not yet", GDPR_NOW);
    th_ok(gdpr_commit(ts.eng));
    gdpr_close(ts.eng);
    ts.eng = NULL;
    snapshot("clean", 0);
    opts.batch = 4;
    for (long n = 1; n < 2000 && !done; n++) {
        gdpr_retention_report rep;
        int rc, fired;

        snapshot("clean", 1);
        th_ok(th_open(&ts, &ts.eng));
        fault_vfs_arm(FAULT_IOERR, n);
        rc = gdpr_retention_run_ex(ts.eng, &th_system, ts.now, &opts, &rep);
        fired = fault_vfs_fired();
        fault_vfs_arm(FAULT_IOERR, 0);
        if (!fired) {
            th_ok(rc);
            ck_assert_int_eq(rep.erased, 10);
            done = 1;
        } else if (rc != GDPR_OK) {
            failures++;
            ck_assert_msg(rc == GDPR_ESTORAGE || rc == GDPR_EBUSY || rc == GDPR_ENOMEM,
                          "n=%ld: %s (%s)", n, gdpr_strerror(rc), gdpr_errmsg());
        }
        th_reopen(&ts);
        th_assert_integrity(&ts);
        rc = gdpr_retention_run_ex(ts.eng, &th_system, ts.now, &opts, &rep);
        ck_assert_msg(rc == GDPR_OK, "n=%ld: rerun %s (%s)", n, gdpr_strerror(rc), gdpr_errmsg());
        for (int i = 0; i < 10; i++) {
            ck_assert_msg(!record_exists(ids[i]), "n=%ld: record %d left", n, i);
            ck_assert_msg(audit_count_record(ids[i], "erased") == 1,
                          "n=%ld: record %d erased %d "
                          "times",
                          n, i, audit_count_record(ids[i], "erased"));
        }
        ck_assert(record_exists(keep));
        th_ok(gdpr_audit_verify(ts.eng, NULL));
        gdpr_close(ts.eng);
        ts.eng = NULL;
    }
    ck_assert(done);
    ck_assert_int_gt(failures, 0);
    th_ok(th_open(&ts, &ts.eng));
}
END_TEST

/* The process dies at the N-th write of a run (a crash); the next open
 * and run finish the work exactly once. The dying process is this program
 * started again in "crash child" mode (see main()): a fresh process with
 * its own engine, not a fork holding the parent's connections, and not
 * traced by valgrind, whose leak report of a deliberate crash is noise. */
static const char *self_path;

static int
crash_child(const char *db, long point, int64_t now)
{
    gdpr_retention_options opts = GDPR_RETENTION_OPTIONS_INIT;
    gdpr_retention_report rep;
    th_store child;
    int rc;

    memset(&child, 0, sizeof child);
    snprintf(child.db, sizeof child.db, "%s", db);
    child.now = now;
    if (th_open(&child, &child.eng) != GDPR_OK)
        return 2;
    opts.batch = 3;
    fault_vfs_arm(FAULT_CRASH, point);
    rc = gdpr_retention_run_ex(child.eng, &th_system, now, &opts, &rep);
    gdpr_close(child.eng);
    return rc == GDPR_OK ? 0 : 3;
}

START_TEST(crash_in_run_resumes)
{
    TH_SQLITE_ONLY("crash points are SQLite writes (fault-injecting VFS)");
    static const long points[] = {3, 8, 20, 40};

    for (size_t k = 0; k < sizeof points / sizeof points[0]; k++) {
        gdpr_retention_options opts = GDPR_RETENTION_OPTIONS_INIT;
        gdpr_retention_report rep;
        char point[32], now[32];
        int64_t ids[10];
        int status = 0;
        pid_t pid;

        if (k > 0) {
            th_teardown(&ts);
            setup();
        }
        ten_due(ids);
        opts.batch = 3;
        gdpr_close(ts.eng);
        ts.eng = NULL;
        snprintf(point, sizeof point, "%ld", points[k]);
        snprintf(now, sizeof now, "%lld", (long long)ts.now);
        fflush(NULL);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            execl(self_path, self_path, "--crash-child", ts.db, point, now, (char *)NULL);
            _exit(4);
        }
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFEXITED(status));
        /* 99: the shim killed it at that write (a run writes far more). */
        ck_assert_msg(WEXITSTATUS(status) == 99, "crash child exited %d", WEXITSTATUS(status));
        th_ok(th_open(&ts, &ts.eng));
        th_assert_integrity(&ts);
        th_ok(gdpr_retention_run_ex(ts.eng, &th_system, ts.now, &opts, &rep));
        for (int i = 0; i < 10; i++) {
            ck_assert_msg(!record_exists(ids[i]), "crash at %ld: record %d left", points[k], i);
            ck_assert_int_eq(audit_count_record(ids[i], "erased"), 1);
        }
        th_ok(gdpr_audit_verify(ts.eng, NULL));
    }
}
END_TEST

/* ======================================================================
 * Reviews
 * ====================================================================== */

static int64_t
open_review_for(const char *subject, int64_t *record_out)
{
    gdpr_retention_report rep;
    int64_t cv = cv_due(subject);

    th_ok(gdpr_retention_run(ts.eng, &th_system, ts.now, &rep));
    ck_assert_int_eq(rep.reviews_opened, 1);
    if (record_out)
        *record_out = cv;
    return info(cv).review;
}

START_TEST(review_keep_moves_due)
{
    TH_SQLITE_ONLY("greps the SQLite files");
    static const char why[] = "Candidate shortlisted for the spring opening; keep until it closes";
    gdpr_review_decision d = GDPR_REVIEW_DECISION_INIT;
    gdpr_retention_report rep;
    int64_t cv = 0, task = open_review_for("subj-k", &cv), task2;
    gdpr_retention_info in;
    review_list l;
    char *text = NULL;

    d.verdict = GDPR_REVIEW_KEEP;
    d.keep_until = T("2026-04-01T00:00:00Z");
    d.justification = why;
    th_ok(gdpr_review_decide(ts.eng, &th_dpo, task, &d));
    in = info(cv);
    ck_assert(in.has_keep);
    ck_assert_int_eq(in.keep_until, d.keep_until);
    ck_assert_int_eq(in.review, 0);
    assert_due(cv, "2026-04-01T00:00:00Z");
    l = reviews(GDPR_REVIEW_KEPT);
    ck_assert_int_eq(l.n, 1);
    ck_assert_int_eq(l.keep_until[0], d.keep_until);
    ck_assert_str_eq(l.decided_by[0], "dpo-1");
    ck_assert_str_eq(l.role[0], "dpo");
    ck_assert(l.has_justification[0]);
    ck_assert_int_eq(reviews(GDPR_REVIEW_OPEN).n, 0);
    {
        char needle[128];
        snprintf(needle, sizeof needle,
                 "review %lld: keep record %lld until "
                 "2026-04-01T00:00:00Z under H-1 (justification sealed in review %lld)",
                 (long long)task, (long long)cv, (long long)task);
        ck_assert_int_eq(audit_count(needle), 1);
    }
    /* Sealed: not in any file; readable by a role with review.decide. */
    th_ok(gdpr_vault_checkpoint(ts.eng));
    ck_assert(!th_store_files_contain(&ts, why, strlen(why)));
    th_ok(gdpr_review_justification(ts.eng, &th_dpo, task, &text));
    ck_assert_str_eq(text, why);
    gdpr_free(text);
    th_assert_err(gdpr_review_justification(ts.eng, &th_agent, task, &text), GDPR_EDENIED,
                  "review.decide");
    ck_assert_ptr_null(text);
    /* Decided once only. */
    th_assert_err(gdpr_review_decide(ts.eng, &th_dpo, task, &d), GDPR_ESTATE, "kept already");
    /* The anchor moves later than the keep: the later one wins. */
    th_ok(gdpr_retention_anchor_set(ts.eng, &th_agent, "subj-k", GDPR_ANCHOR_CONTRACT_END, "hire",
                                    T("2025-12-01T00:00:00Z")));
    assert_due(cv, "2026-06-01T00:00:00Z");
    th_ok(gdpr_retention_anchor_set(ts.eng, &th_agent, "subj-k", GDPR_ANCHOR_CONTRACT_END, "hire",
                                    T("2025-06-30T00:00:00Z")));
    assert_due(cv, "2026-04-01T00:00:00Z");
    /* When the keep ends, a run opens a new review. */
    ts.now = T("2026-03-31T23:59:59Z");
    th_ok(gdpr_retention_run(ts.eng, &th_system, ts.now, &rep));
    ck_assert_int_eq(rep.examined, 0);
    ts.now = T("2026-04-01T00:00:00Z");
    th_ok(gdpr_retention_run(ts.eng, &th_system, ts.now, &rep));
    ck_assert_int_eq(rep.reviews_opened, 1);
    task2 = info(cv).review;
    ck_assert_int_gt(task2, task);
    ck_assert(record_exists(cv));
}
END_TEST

START_TEST(review_keep_bounds)
{
    gdpr_review_decision d = GDPR_REVIEW_DECISION_INIT;
    int64_t task = open_review_for("subj-kb", NULL);
    char before[65], after[65], longtext[GDPR_REVIEW_JUSTIFICATION_MAX + 2];

    th_fingerprint(&ts, before);
    d.verdict = GDPR_REVIEW_KEEP;
    d.justification = "needed";
    d.keep_until = ts.now;
    th_assert_err(gdpr_review_decide(ts.eng, &th_dpo, task, &d), GDPR_EINVAL,
                  "d.keep_until: 2026-01-01T00:00:00Z is not after now");
    d.keep_until = T("2026-07-01T00:00:01Z");
    th_assert_err(gdpr_review_decide(ts.eng, &th_dpo, task, &d), GDPR_EINVAL,
                  "beyond the review cadence of rule H-1 (at most 2026-07-01T00:00:00Z)");
    d.keep_until = -5;
    th_assert_err(gdpr_review_decide(ts.eng, &th_dpo, task, &d), GDPR_EINVAL,
                  "d.keep_until: 1969-12-31T23:59:55Z is not a time");
    d.keep_until = T("2026-07-01T00:00:00Z");
    d.justification = NULL;
    th_assert_err(gdpr_review_decide(ts.eng, &th_dpo, task, &d), GDPR_EINVAL,
                  "d.justification: must not be NULL");
    d.justification = "";
    th_assert_err(gdpr_review_decide(ts.eng, &th_dpo, task, &d), GDPR_EINVAL,
                  "d.justification: must not be empty");
    d.justification = "bad \xff byte";
    th_assert_err(gdpr_review_decide(ts.eng, &th_dpo, task, &d), GDPR_EINVAL, "UTF-8");
    d.justification = "bell\a";
    th_assert_err(gdpr_review_decide(ts.eng, &th_dpo, task, &d), GDPR_EINVAL, "control character");
    memset(longtext, 'x', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = '\0';
    d.justification = longtext;
    th_assert_err(gdpr_review_decide(ts.eng, &th_dpo, task, &d), GDPR_EINVAL, "longer than 4096");
    d.justification = "ok";
    d.verdict = (gdpr_review_verdict)3;
    th_assert_err(gdpr_review_decide(ts.eng, &th_dpo, task, &d), GDPR_EINVAL, "d.verdict: 3");
    d.verdict = GDPR_REVIEW_ERASE;
    th_assert_err(gdpr_review_decide(ts.eng, &th_dpo, task, &d), GDPR_EINVAL, "d.keep_until");
    d.verdict = GDPR_REVIEW_KEEP;
    d.version = 0;
    th_assert_err(gdpr_review_decide(ts.eng, &th_dpo, task, &d), GDPR_EVERSION, "d.version: 0");
    d.version = GDPR_REVIEW_DECISION_VERSION;
    th_assert_err(gdpr_review_decide(ts.eng, &th_dpo, task, NULL), GDPR_EINVAL, "d: must not");
    th_assert_err(gdpr_review_decide(ts.eng, &th_dpo, 0, &d), GDPR_EINVAL, "task: 0");
    th_assert_err(gdpr_review_decide(ts.eng, &th_dpo, 99999, &d), GDPR_ENOTFOUND, "task: 99999");
    th_assert_err(gdpr_review_decide(NULL, &th_dpo, task, &d), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_review_decide(ts.eng, NULL, task, &d), GDPR_EINVAL, "who");
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    /* The agent may not decide (refusal audited). */
    th_assert_err(gdpr_review_decide(ts.eng, &th_agent, task, &d), GDPR_EDENIED, "review.decide");
    /* The cadence is the limit, inclusive. */
    th_ok(gdpr_review_decide(ts.eng, &th_dpo, task, &d));
}
END_TEST

START_TEST(review_erase)
{
    gdpr_review_decision d = GDPR_REVIEW_DECISION_INIT;
    gdpr_hold hold = GDPR_HOLD_INIT;
    int64_t cv = 0, task = open_review_for("subj-e", &cv), hold_id = 0;
    char before[65], after[65];
    review_list l;

    hold.scope = GDPR_HOLD_RECORD;
    hold.record = cv;
    hold.reason = "tribunal claim";
    hold.until = T("2026-06-01T00:00:00Z");
    th_ok(gdpr_hold_place(ts.eng, &th_dpo, &hold, &hold_id));
    d.verdict = GDPR_REVIEW_ERASE;
    th_fingerprint(&ts, before);
    th_assert_err(gdpr_review_decide(ts.eng, &th_dpo, task, &d), GDPR_ESTATE, "legal hold");
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    ck_assert(record_exists(cv));
    th_ok(gdpr_hold_release(ts.eng, &th_dpo, hold_id, NULL));
    d.justification = "no longer needed";
    th_ok(gdpr_review_decide(ts.eng, &th_dpo, task, &d));
    ck_assert(!record_exists(cv));
    l = reviews(GDPR_REVIEW_ERASED);
    ck_assert_int_eq(l.n, 1);
    ck_assert_int_eq(l.ids[0], task);
    th_assert_err(gdpr_review_decide(ts.eng, &th_dpo, task, &d), GDPR_ESTATE, "erased already");
    {
        char needle[96];
        snprintf(needle, sizeof needle, "review %lld: erase record %lld under H-1", (long long)task,
                 (long long)cv);
        ck_assert_int_eq(audit_count(needle), 1);
    }
}
END_TEST

START_TEST(review_record_gone)
{
    gdpr_review_decision d = GDPR_REVIEW_DECISION_INIT;
    int64_t cv = 0, task = open_review_for("subj-g", &cv);
    review_list l;

    th_ok(gdpr_vault_delete(ts.eng, &th_dpo, cv));
    l = reviews(GDPR_REVIEW_GONE);
    ck_assert_int_eq(l.n, 1);
    ck_assert_int_eq(l.ids[0], task);
    d.verdict = GDPR_REVIEW_ERASE;
    th_assert_err(gdpr_review_decide(ts.eng, &th_dpo, task, &d), GDPR_ESTATE, "gone already");
}
END_TEST

START_TEST(subject_erasure_takes_justification)
{
    gdpr_review_decision d = GDPR_REVIEW_DECISION_INIT;
    int64_t task = open_review_for("subj-x", NULL);
    char *text = NULL;

    d.verdict = GDPR_REVIEW_KEEP;
    d.keep_until = T("2026-03-01T00:00:00Z");
    d.justification = "interview booked";
    th_ok(gdpr_review_decide(ts.eng, &th_dpo, task, &d));
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "subj-x", "art17", NULL));
    th_assert_err(gdpr_review_justification(ts.eng, &th_dpo, task, &text), GDPR_ENOTFOUND,
                  "justification");
    ck_assert_ptr_null(text);
}
END_TEST

/* The rows of `sql` on the SQLite file `path`, each row's columns joined
 * by ':' and rows by ',' (NULL as 'n'), malloc'd. */
static char *
raw_rows(const char *path, const char *sql)
{
    sqlite3 *db = th_raw_open(path);
    sqlite3_stmt *s = NULL;
    size_t cap = 4096, len = 0;
    char *out = calloc(1, cap);

    ck_assert_ptr_nonnull(out);
    ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK, "%s: %s", sql,
                  sqlite3_errmsg(db));
    while (sqlite3_step(s) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(s); c++) {
            const char *v = (const char *)sqlite3_column_text(s, c);
            size_t need = len + (v ? strlen(v) : 1) + 2;
            if (need >= cap) {
                cap = 2 * need;
                out = realloc(out, cap);
                ck_assert_ptr_nonnull(out);
            }
            len += (size_t)sprintf(out + len, "%s%s", c ? ":" : (len ? "," : ""), v ? v : "n");
        }
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    return out;
}

/* What follows deleted vault records in the retention tables (their state
 * goes, the open review their state points at is closed as gone) is done
 * set-based by the store's delete operations; schema 8 did it with a
 * per-row trigger (schema 11 dropped it). The same store, byte-copied:
 * the library erases a subject (one delete of all its records) and deletes
 * one record of another; the copy gets the trigger back, verbatim, and
 * plain DELETEs of the same vault rows. The retention tables must come out
 * the same. The rows are chosen so that a statement that is wrong differs:
 * a state pointing at a review that is not open, a state without review,
 * an open review no state points at, a record without state, another
 * subject's open review and state. */
START_TEST(erasure_bookkeeping_as_trigger)
{
    TH_SQLITE_ONLY("runs the schema-8 trigger on a copy of the SQLite file");
    static const char trigger[] =
        "CREATE TRIGGER main.retention_vault_gone AFTER DELETE ON vault BEGIN"
        "  UPDATE retention_review SET status = 4"
        "   WHERE id = (SELECT review FROM retention_state WHERE record = OLD.id) AND status = 1;"
        "  DELETE FROM retention_state WHERE record = OLD.id;"
        "END;";
    static const char state_sql[] = "SELECT record, keep_until, review FROM retention_state"
                                    " ORDER BY record";
    static const char review_sql[] = "SELECT id, record, hex(subject), status, keep_until"
                                     " FROM retention_review ORDER BY id";
    static const char vault_sql[] = "SELECT id FROM vault ORDER BY id";
    int64_t a_cv = 0, b_cv = 0;
    int64_t a_open = open_review_for("subj-t", &a_cv);
    int64_t b_open = open_review_for("subj-u", &b_cv);
    int64_t a2 = put_at("subj-t", "cv", "hire", NULL, "second", GDPR_NOW);
    int64_t a3 = put_at("subj-t", "cv", "hire", NULL, "third", GDPR_NOW);
    int64_t a4 = put_at("subj-t", "c-none", "keep", NULL, "fourth", GDPR_NOW);
    int64_t b2 = put_at("subj-u", "cv", "hire", NULL, "b second", GDPR_NOW);
    int64_t r_kept, r_orphan, r_b2;
    char copy[400], sql[1024];
    char *lib_state, *lib_review, *lib_vault, *trg_state, *trg_review, *trg_vault;
    th_template t;

    (void)a3;
    gdpr_close(ts.eng);
    ts.eng = NULL;
    /* A review that is not open (kept) with a state pointing at it; a
     * state without a review; an open review of a4 no state points at; an
     * open review of b2 its state points at. */
#define COPY_REVIEW(record, status)                                                                \
    snprintf(sql, sizeof sql,                                                                      \
             "INSERT INTO retention_review(record, subject, rule, category, purpose,"              \
             " record_due, opened, deadline, status) SELECT %lld, subject, rule, category,"        \
             " purpose, record_due, opened, deadline, %d FROM retention_review WHERE id = %lld",   \
             (long long)(record), (status), (long long)((record) == b2 ? b_open : a_open));        \
    th_raw_exec(ts.db, sql)
    COPY_REVIEW(a2, 2);
    r_kept = th_raw_int(ts.db, "SELECT max(id) FROM retention_review");
    COPY_REVIEW(a4, 1);
    r_orphan = th_raw_int(ts.db, "SELECT max(id) FROM retention_review");
    COPY_REVIEW(b2, 1);
    r_b2 = th_raw_int(ts.db, "SELECT max(id) FROM retention_review");
#undef COPY_REVIEW
    snprintf(sql, sizeof sql,
             "INSERT OR REPLACE INTO retention_state VALUES(%lld, NULL, %lld);"
             "INSERT OR REPLACE INTO retention_state VALUES(%lld, 1900000000, NULL);"
             "INSERT OR REPLACE INTO retention_state VALUES(%lld, NULL, %lld);",
             (long long)a2, (long long)r_kept, (long long)a3, (long long)b2, (long long)r_b2);
    th_raw_exec(ts.db, sql);
    ck_assert_int_eq(th_raw_int(ts.db, "SELECT count(*) FROM retention_state"), 5);

    /* The copy, with the trigger and plain deletes. */
    th_template_take(&ts, &t);
    snprintf(copy, sizeof copy, "%s/trigger-copy.db", ts.dir);
    th_write_file(copy, t.db, t.db_len);
    th_template_free(&t);
    th_raw_exec(copy, trigger);
    snprintf(sql, sizeof sql,
             "DELETE FROM vault WHERE subject_id = (SELECT subject_id FROM vault WHERE id = %lld);"
             "DELETE FROM vault WHERE id = %lld;",
             (long long)a_cv, (long long)b2);
    ck_assert_int_eq(th_raw_exec(copy, sql), 1);

    /* The library. */
    th_reopen(&ts);
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "subj-t", "art17", NULL));
    th_ok(gdpr_vault_delete(ts.eng, &th_dpo, b2));
    th_ok(gdpr_vault_checkpoint(ts.eng));

    lib_state = raw_rows(ts.db, state_sql);
    lib_review = raw_rows(ts.db, review_sql);
    lib_vault = raw_rows(ts.db, vault_sql);
    trg_state = raw_rows(copy, state_sql);
    trg_review = raw_rows(copy, review_sql);
    trg_vault = raw_rows(copy, vault_sql);
    ck_assert_str_eq(lib_vault, trg_vault);
    ck_assert_str_eq(lib_state, trg_state);
    ck_assert_str_eq(lib_review, trg_review);
    /* And what the trigger kept is what it should be. */
    snprintf(sql, sizeof sql, "%lld:n:%lld", (long long)b_cv, (long long)b_open);
    ck_assert_str_eq(lib_state, sql);
    {
        const int64_t ids[] = {a_open, b_open, r_kept, r_orphan, r_b2};
        const int want[] = {4, 1, 2, 1, 4};
        for (size_t i = 0; i < 5; i++) {
            snprintf(sql, sizeof sql, "SELECT status FROM retention_review WHERE id = %lld",
                     (long long)ids[i]);
            ck_assert_int_eq(th_raw_int(ts.db, sql), want[i]);
        }
    }
    ck_assert(!record_exists(a4));
    free(lib_state);
    free(lib_review);
    free(lib_vault);
    free(trg_state);
    free(trg_review);
    free(trg_vault);
}
END_TEST

/* ======================================================================
 * Bad input on every public function
 * ====================================================================== */

static int
never_item(const gdpr_retention_item *item, void *ctx)
{
    (void)item;
    (void)ctx;
    ck_abort_msg("callback must not run");
    return 0;
}

static int
never_review(const gdpr_review *task, void *ctx)
{
    (void)task;
    (void)ctx;
    ck_abort_msg("callback must not run");
    return 0;
}

START_TEST(bad_arguments)
{
    char before[65], after[65], longname[GDPR_NAME_MAX + 2];
    gdpr_actor bad_who = {"x", NULL};
    gdpr_retention_info in;
    gdpr_retention_options opts;
    gdpr_review_decision d;
    char *text = (char *)"x";
    int64_t changed = 0;

    put_at("subj-bad", "contact", "mkt", "email", "bad@example.com", GDPR_NOW);
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    th_fingerprint(&ts, before);

    th_assert_err(gdpr_subject_touch(NULL, &th_agent, "subj-bad", GDPR_NOW), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_subject_touch(ts.eng, NULL, "subj-bad", GDPR_NOW), GDPR_EINVAL, "who");
    th_assert_err(gdpr_subject_touch(ts.eng, &bad_who, "subj-bad", GDPR_NOW), GDPR_EINVAL,
                  "who.role");
    th_assert_err(gdpr_subject_touch(ts.eng, &th_agent, NULL, GDPR_NOW), GDPR_EINVAL, "subject");
    th_assert_err(gdpr_subject_touch(ts.eng, &th_agent, "", GDPR_NOW), GDPR_EINVAL, "subject");
    th_assert_err(gdpr_subject_touch(ts.eng, &th_agent, longname, GDPR_NOW), GDPR_EINVAL,
                  "subject");
    th_assert_err(gdpr_subject_touch(ts.eng, &th_agent, "\xff", GDPR_NOW), GDPR_EINVAL, "subject");
    th_assert_err(gdpr_subject_touch(ts.eng, &th_agent, "subj-bad", -2), GDPR_EINVAL,
                  "at: 1969-12-31T23:59:58Z is not a time");
    th_assert_err(gdpr_subject_touch(ts.eng, &th_agent, "subj-bad", CAL_MAX_TIME + 1), GDPR_EINVAL,
                  "at: ");
    th_assert_err(gdpr_subject_touch(ts.eng, &th_agent, "nobody", GDPR_NOW), GDPR_ENOTFOUND,
                  "subject: unknown");
    th_assert_err(gdpr_contract_end(ts.eng, &th_agent, "\xff", GDPR_NOW), GDPR_EINVAL, "subject");
    th_assert_err(gdpr_contract_end(ts.eng, &th_agent, "subj-bad", -3), GDPR_EINVAL,
                  "at: 1969-12-31T23:59:57Z");
    th_assert_err(gdpr_contract_end(ts.eng, &th_agent, "nobody", GDPR_NOW), GDPR_ENOTFOUND,
                  "subject");
    th_assert_err(gdpr_retention_anchor_set(ts.eng, &th_agent, "subj-bad", GDPR_ANCHOR_COLLECTION,
                                            NULL, GDPR_NOW),
                  GDPR_EINVAL, "anchor: 1");
    th_assert_err(gdpr_retention_anchor_set(ts.eng, &th_agent, "subj-bad", (gdpr_retention_anchor)6,
                                            NULL, GDPR_NOW),
                  GDPR_EINVAL, "anchor: 6");
    th_assert_err(gdpr_retention_anchor_set(ts.eng, &th_agent, "subj-bad", (gdpr_retention_anchor)0,
                                            NULL, GDPR_NOW),
                  GDPR_EINVAL, "anchor: 0");
    th_assert_err(gdpr_retention_anchor_set(ts.eng, &th_agent, "subj-bad", GDPR_ANCHOR_CONTRACT_END,
                                            "nope", GDPR_NOW),
                  GDPR_EINVAL, "purpose: 'nope' is not a purpose");
    th_assert_err(gdpr_retention_anchor_set(ts.eng, &th_agent, "subj-bad", GDPR_ANCHOR_CONTRACT_END,
                                            "\xff", GDPR_NOW),
                  GDPR_EINVAL, "purpose");
    th_assert_err(gdpr_retention_anchor_set(ts.eng, &th_agent, "subj-bad", GDPR_ANCHOR_CONTRACT_END,
                                            "", GDPR_NOW),
                  GDPR_EINVAL, "purpose");
    th_assert_err(gdpr_retention_anchor_set(ts.eng, &th_agent, "subj-bad", GDPR_ANCHOR_CONTRACT_END,
                                            longname, GDPR_NOW),
                  GDPR_EINVAL, "purpose");
    th_assert_err(
        gdpr_retention_anchor_clear(ts.eng, &th_agent, "subj-bad", GDPR_ANCHOR_COLLECTION, NULL),
        GDPR_EINVAL, "anchor: 1");
    th_assert_err(
        gdpr_retention_anchor_clear(NULL, &th_agent, "subj-bad", GDPR_ANCHOR_CONTRACT_END, NULL),
        GDPR_EINVAL, "eng");
    th_assert_err(
        gdpr_retention_anchor_clear(ts.eng, &th_agent, "nobody", GDPR_ANCHOR_CONTRACT_END, NULL),
        GDPR_ENOTFOUND, "subject");

    memset(&in, 0, sizeof in);
    th_assert_err(gdpr_retention_record(ts.eng, 1, &in), GDPR_EVERSION, "out.version: 0");
    in.version = GDPR_RETENTION_INFO_VERSION;
    th_assert_err(gdpr_retention_record(NULL, 1, &in), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_retention_record(ts.eng, 1, NULL), GDPR_EINVAL, "out");
    th_assert_err(gdpr_retention_record(ts.eng, 0, &in), GDPR_EINVAL, "record: 0");
    th_assert_err(gdpr_retention_record(ts.eng, -7, &in), GDPR_EINVAL, "record: -7");
    th_assert_err(gdpr_retention_record(ts.eng, 424242, &in), GDPR_ENOTFOUND, "record: 424242");

    th_assert_err(gdpr_retention_due(NULL, GDPR_NOW, never_item, NULL), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_retention_due(ts.eng, GDPR_NOW, NULL, NULL), GDPR_EINVAL, "fn");
    th_assert_err(gdpr_retention_due(ts.eng, -2, never_item, NULL), GDPR_EINVAL,
                  "as_of: 1969-12-31T23:59:58Z");
    th_assert_err(gdpr_retention_options_init(NULL, 1), GDPR_EINVAL, "opts");
    th_assert_err(gdpr_retention_options_init(&opts, 0), GDPR_EVERSION, "version: 0");
    th_assert_err(gdpr_retention_options_init(&opts, 2), GDPR_EVERSION, "version: 2");
    th_ok(gdpr_retention_options_init(&opts, GDPR_RETENTION_OPTIONS_VERSION));
    ck_assert_uint_eq(opts.batch, 0);
    ck_assert(opts.progress == NULL);
    th_assert_err(gdpr_retention_aggregates(ts.eng, NULL, NULL), GDPR_EINVAL, "fn");
    th_assert_err(gdpr_retention_aggregates(NULL, NULL, NULL), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_retention_sync(ts.eng, NULL, &changed), GDPR_EINVAL, "who");
    th_assert_err(gdpr_retention_sync(NULL, &th_dpo, &changed), GDPR_EINVAL, "eng");

    th_assert_err(gdpr_review_list(ts.eng, (gdpr_review_status)5, never_review, NULL), GDPR_EINVAL,
                  "status: 5");
    th_assert_err(gdpr_review_list(ts.eng, (gdpr_review_status)-1, never_review, NULL), GDPR_EINVAL,
                  "status: -1");
    th_assert_err(gdpr_review_list(ts.eng, 0, NULL, NULL), GDPR_EINVAL, "fn");
    th_assert_err(gdpr_review_list(NULL, 0, never_review, NULL), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_review_overdue(ts.eng, -2, never_review, NULL), GDPR_EINVAL,
                  "as_of: 1969-12-31T23:59:58Z");
    th_assert_err(gdpr_review_overdue(ts.eng, GDPR_NOW, NULL, NULL), GDPR_EINVAL, "fn");
    th_assert_err(gdpr_review_decision_init(NULL, 1), GDPR_EINVAL, "d");
    th_assert_err(gdpr_review_decision_init(&d, 0), GDPR_EVERSION, "version: 0");
    th_ok(gdpr_review_decision_init(&d, GDPR_REVIEW_DECISION_VERSION));
    ck_assert_int_eq(d.verdict, 0);
    th_assert_err(gdpr_review_justification(ts.eng, &th_dpo, 1, NULL), GDPR_EINVAL, "text_out");
    th_assert_err(gdpr_review_justification(ts.eng, &th_dpo, 0, &text), GDPR_EINVAL, "task: 0");
    ck_assert_ptr_null(text);
    th_assert_err(gdpr_review_justification(ts.eng, &th_dpo, 77, &text), GDPR_ENOTFOUND,
                  "task: 77");
    th_assert_err(gdpr_review_justification(ts.eng, NULL, 77, &text), GDPR_EINVAL, "who");

    ck_assert_str_eq(gdpr_retention_anchor_name(0), "unknown");
    ck_assert_str_eq(gdpr_retention_anchor_name(GDPR_ANCHOR_COLLECTION), "collection");
    ck_assert_str_eq(gdpr_retention_anchor_name(GDPR_ANCHOR_REQUEST_CLOSED), "request_closed");
    ck_assert_str_eq(gdpr_retention_anchor_name(6), "unknown");
    ck_assert_str_eq(gdpr_retention_action_name(GDPR_RETENTION_ANONYMISE), "anonymise");
    ck_assert_str_eq(gdpr_retention_action_name(4), "unknown");
    ck_assert_str_eq(gdpr_review_status_name(GDPR_REVIEW_GONE), "gone");
    ck_assert_str_eq(gdpr_review_status_name(0), "unknown");
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);

    /* A role without retention.anchor: refused and audited. */
    th_assert_err(gdpr_subject_touch(ts.eng, &th_system, "subj-bad", GDPR_NOW), GDPR_EDENIED,
                  "retention.anchor");
}
END_TEST

START_TEST(no_policy)
{
    th_store bare;
    gdpr_retention_report rep;
    gdpr_retention_info in;

    th_setup_bare(&bare);
    th_assert_err(gdpr_retention_due(bare.eng, GDPR_NOW, never_item, NULL), GDPR_ESTATE, "policy");
    th_assert_err(gdpr_retention_run(bare.eng, &th_system, GDPR_NOW, &rep), GDPR_ESTATE, "policy");
    memset(&in, 0, sizeof in);
    in.version = 1;
    th_assert_err(gdpr_retention_record(bare.eng, 1, &in), GDPR_ESTATE, "policy");
    th_teardown(&bare);
}
END_TEST

/* The example policy's rules load and schedule as docs/retention.md says. */
START_TEST(example_policy_rules)
{
    th_store ex;
    int64_t inv = 0, mkt = 0;
    gdpr_retention_info in;

    th_setup(&ex);
    th_ok(gdpr_vault_put(ex.eng, &th_agent, "cust-1", "financial", "billing", "INV", 3, &inv));
    th_ok(gdpr_vault_put(ex.eng, &th_agent, "cust-1", "contact", "marketing", "a@b.c", 5, &mkt));
    th_ok(gdpr_contract_end(ex.eng, &th_agent, "cust-1", T("2026-06-30T00:00:00Z")));
    memset(&in, 0, sizeof in);
    in.version = 1;
    th_ok(gdpr_retention_record(ex.eng, inv, &in));
    ck_assert_str_eq(in.rule, "R-1");
    ck_assert_int_eq(in.due, T("2032-06-30T00:00:00Z"));
    th_ok(gdpr_retention_record(ex.eng, mkt, &in));
    ck_assert_str_eq(in.rule, "R-2");
    ck_assert_int_eq(in.due, T("2028-01-01T00:00:00Z"));
    th_teardown(&ex);
}
END_TEST

/* Every *_name function: "unknown" (never NULL) for a value out of range. */
START_TEST(anchor_name_unknown)
{
    ck_assert_str_eq(gdpr_retention_anchor_name(-1), "unknown");
    ck_assert_str_eq(gdpr_retention_anchor_name(0), "unknown");
    ck_assert_str_eq(gdpr_retention_anchor_name(GDPR_ANCHOR_REQUEST_CLOSED + 1), "unknown");
    ck_assert_str_eq(gdpr_retention_anchor_name(INT_MAX), "unknown");
}
END_TEST

START_TEST(action_name_unknown)
{
    ck_assert_str_eq(gdpr_retention_action_name(-1), "unknown");
    ck_assert_str_eq(gdpr_retention_action_name(0), "unknown");
    ck_assert_str_eq(gdpr_retention_action_name(GDPR_RETENTION_REVIEW + 1), "unknown");
    ck_assert_str_eq(gdpr_retention_action_name(INT_MAX), "unknown");
}
END_TEST

START_TEST(review_status_name_unknown)
{
    ck_assert_str_eq(gdpr_review_status_name(-1), "unknown");
    ck_assert_str_eq(gdpr_review_status_name(0), "unknown");
    ck_assert_str_eq(gdpr_review_status_name(GDPR_REVIEW_GONE + 1), "unknown");
    ck_assert_str_eq(gdpr_review_status_name(INT_MAX), "unknown");
}
END_TEST

static Suite *
retention_suite(void)
{
    Suite *s = suite_create("retention");
    TCase *tc;

    tc = tcase_create("schedule");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, period_forms);
    tcase_add_test(tc, anchor_last_activity);
    tcase_add_test(tc, anchor_contract_end);
    tcase_add_test(tc, anchor_consent_withdrawal);
    tcase_add_test(tc, anchor_request_closed);
    tcase_add_test(tc, policy_change_reschedules);
    tcase_add_test(tc, bad_durations_refused_with_position);
    tcase_add_test(tc, example_policy_rules);
    suite_add_tcase(s, tc);

    tc = tcase_create("due");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, due_list_exact);
    suite_add_tcase(s, tc);

    tc = tcase_create("run");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, run_erases_exactly_what_is_due);
    tcase_add_test(tc, run_anonymises);
    tcase_add_test(tc, run_opens_reviews_once);
    tcase_add_test(tc, run_skips_holds);
    tcase_add_test(tc, run_batch_keeps_subjects_apart);
    tcase_add_test(tc, run_erases_after_legal_duty);
    tcase_add_test(tc, run_clears_stale_due);
    tcase_add_test(tc, run_refusals);
    tcase_add_test(tc, dry_run_changes_nothing);
    tcase_add_test(tc, batches_report_progress);
    tcase_add_test(tc, progress_stop_resumes);
    tcase_add_test(tc, fault_at_nth_batch_resumes);
    tcase_add_test(tc, run_status_reports_open_run);
    tcase_add_test(tc, run_status_bad_input);
    tcase_add_test(tc, io_fault_in_run_resumes);
    tcase_add_test(tc, crash_in_run_resumes);
    suite_add_tcase(s, tc);

    tc = tcase_create("review");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, review_keep_moves_due);
    tcase_add_test(tc, review_keep_bounds);
    tcase_add_test(tc, review_erase);
    tcase_add_test(tc, review_record_gone);
    tcase_add_test(tc, subject_erasure_takes_justification);
    tcase_add_test(tc, erasure_bookkeeping_as_trigger);
    suite_add_tcase(s, tc);

    tc = tcase_create("args");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, bad_arguments);
    tcase_add_test(tc, no_policy);
    suite_add_tcase(s, tc);
    {
        TCase *names = tcase_create("names");

        tcase_add_test(names, anchor_name_unknown);
        tcase_add_test(names, action_name_unknown);
        tcase_add_test(names, review_status_name_unknown);
        suite_add_tcase(s, names);
    }
    return s;
}

int
main(int argc, char **argv)
{
    self_path = argv[0];
    fault_vfs_install();
    if (argc == 5 && strcmp(argv[1], "--crash-child") == 0)
        return crash_child(argv[2], strtol(argv[3], NULL, 10), strtoll(argv[4], NULL, 10));
    return th_run(retention_suite());
}
