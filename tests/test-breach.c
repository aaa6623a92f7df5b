/*
 * The breach register (include/gdpr/breach.h): the 72-hour deadline and
 * overdue list (Art. 33(1)), late notifications with reasons, the Art.
 * 34 decision, subjects linked by keyed hash, sealed texts, KPIs, audit,
 * and bad input refused with nothing changed.
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#define HOUR INT64_C(3600)

static th_store ts;
static const char *const contact_financial[] = {"contact", "financial"};

static void
setup(void)
{
    th_setup(&ts);
}

static void
teardown(void)
{
    th_teardown(&ts);
}

static gdpr_breach
a_breach(int64_t aware_at)
{
    gdpr_breach b = GDPR_BREACH_INIT;

    b.aware_at = aware_at;
    b.nature = GDPR_BREACH_CONFIDENTIALITY;
    b.categories = contact_financial;
    b.n_categories = 2;
    b.subjects_approx = 1200;
    b.records_approx = 5400;
    b.description = "Laptop of agent Jana Novak stolen from a car on 2026-03-01";
    b.consequences = "Invoices of 1,200 customers may be read: risk of fraud";
    b.measures = "Disk encrypted; device wiped remotely; passwords reset";
    return b;
}

static int64_t
open_at(int64_t aware_at)
{
    gdpr_breach b = a_breach(aware_at);
    int64_t id = 0;

    th_ok(gdpr_breach_open(ts.eng, &th_dpo, &b, &id));
    ck_assert_int_gt(id, 0);
    return id;
}

static gdpr_breach_info
info_of(int64_t id)
{
    gdpr_breach_info info;

    th_ok(gdpr_breach_info_init(&info, GDPR_BREACH_INFO_VERSION));
    th_ok(gdpr_breach_get(ts.eng, id, &info));
    return info;
}

START_TEST(open_computes_the_72_hour_deadline_and_seals_the_texts)
{
    int64_t id = open_at(ts.now - 2 * HOUR);
    gdpr_breach_info info = info_of(id);
    char *d = NULL, *c = NULL, *m = NULL, *late = (char *)1;
    static const char name[] = "Jana Novak";

    ck_assert_int_eq(info.aware_at, ts.now - 2 * HOUR);
    ck_assert_int_eq(info.deadline, ts.now - 2 * HOUR + 72 * HOUR);
    ck_assert_int_eq(info.opened_at, ts.now);
    ck_assert_str_eq(info.categories, "contact,financial");
    ck_assert_int_eq(info.subjects_approx, 1200);
    ck_assert_int_eq(info.records_approx, 5400);
    ck_assert_int_eq(info.nature, GDPR_BREACH_CONFIDENTIALITY);
    ck_assert_int_eq(info.overdue, 0);
    ck_assert_int_eq(info.decision, GDPR_BREACH_UNDECIDED);
    gdpr_close(ts.eng);
    ts.eng = NULL;
    if (!th_on_postgres()) /* greps the SQLite files: not checked on PostgreSQL */
        ck_assert(!th_store_files_contain(&ts, name, sizeof name - 1));
    th_reopen(&ts);
    th_ok(gdpr_breach_texts(ts.eng, &th_dpo, id, &d, &c, &m, &late));
    ck_assert_ptr_nonnull(strstr(d, name));
    ck_assert_ptr_nonnull(strstr(c, "risk of fraud"));
    ck_assert_ptr_nonnull(strstr(m, "wiped remotely"));
    ck_assert_ptr_null(late);
    gdpr_free(d);
    gdpr_free(c);
    gdpr_free(m);
    th_assert_err(gdpr_breach_texts(ts.eng, &th_agent, id, &d, NULL, NULL, NULL), GDPR_EDENIED,
                  "breach.manage");
}
END_TEST

typedef struct {
    int64_t ids[8];
    int n;
} seen;

static int
collect(const gdpr_breach_info *b, void *ctx)
{
    seen *s = ctx;
    s->ids[s->n++] = b->id;
    return 0;
}

START_TEST(overdue_list_and_late_notification_with_reasons)
{
    int64_t old = open_at(ts.now - 80 * HOUR);
    int64_t fresh = open_at(ts.now - 10 * HOUR);
    int64_t quiet = open_at(ts.now - 100 * HOUR);
    seen s = {0};
    gdpr_breach_info info;
    char *late = NULL;

    th_ok(gdpr_breach_list(ts.eng, GDPR_NOW, GDPR_BREACH_LIST_OVERDUE, collect, &s));
    ck_assert_int_eq(s.n, 2);
    ck_assert_int_eq(s.ids[0], quiet); /* oldest deadline first */
    ck_assert_int_eq(s.ids[1], old);
    memset(&s, 0, sizeof s);
    th_ok(gdpr_breach_list(ts.eng, GDPR_NOW, GDPR_BREACH_LIST_PENDING, collect, &s));
    ck_assert_int_eq(s.n, 3);
    ck_assert_int_eq(s.ids[2], fresh);
    /* judged 63 hours later, the fresh one is overdue too */
    memset(&s, 0, sizeof s);
    th_ok(gdpr_breach_list(ts.eng, ts.now + 63 * HOUR, GDPR_BREACH_LIST_OVERDUE, collect, &s));
    ck_assert_int_eq(s.n, 3);

    /* late: reasons required (Art. 33(1)) */
    th_assert_err(gdpr_breach_notify(ts.eng, &th_dpo, old, GDPR_NOW, "DPC-2026-0117", NULL),
                  GDPR_EINVAL, "reasons for the delay");
    th_ok(gdpr_breach_notify(ts.eng, &th_dpo, old, GDPR_NOW, "DPC-2026-0117",
                             "forensic review took four days"));
    info = info_of(old);
    ck_assert_int_eq(info.late, 1);
    ck_assert_int_eq(info.overdue, 0);
    ck_assert_str_eq(info.reference, "DPC-2026-0117");
    th_ok(gdpr_breach_texts(ts.eng, &th_dpo, old, NULL, NULL, NULL, &late));
    ck_assert_str_eq(late, "forensic review took four days");
    gdpr_free(late);
    /* on time: no reasons needed */
    th_ok(gdpr_breach_notify(ts.eng, &th_dpo, fresh, ts.now - HOUR, "DPC-2026-0118", NULL));
    ck_assert_int_eq(info_of(fresh).late, 0);
    th_assert_err(gdpr_breach_notify(ts.eng, &th_dpo, fresh, GDPR_NOW, "again", NULL), GDPR_ESTATE,
                  "notified already");
    /* unlikely to result in a risk: leaves the pending list */
    th_ok(gdpr_breach_not_notifiable(ts.eng, &th_dpo, quiet, "one encrypted USB key, key safe"));
    th_assert_err(gdpr_breach_notify(ts.eng, &th_dpo, quiet, GDPR_NOW, "x", "y"), GDPR_ESTATE,
                  "unlikely to result in a risk");
    memset(&s, 0, sizeof s);
    th_ok(gdpr_breach_list(ts.eng, GDPR_NOW, GDPR_BREACH_LIST_PENDING, collect, &s));
    ck_assert_int_eq(s.n, 0);
    memset(&s, 0, sizeof s);
    th_ok(gdpr_breach_list(ts.eng, GDPR_NOW, 0, collect, &s));
    ck_assert_int_eq(s.n, 3);
    ck_assert_int_eq(s.ids[0], old);
}
END_TEST

START_TEST(kpis_time_to_notify)
{
    int64_t a = open_at(ts.now - 90 * HOUR);
    int64_t b = open_at(ts.now - 50 * HOUR);
    gdpr_breach_kpi_report k;

    open_at(ts.now - 75 * HOUR); /* pending, overdue */
    open_at(ts.now - HOUR);      /* pending */
    th_ok(gdpr_breach_notify(ts.eng, &th_dpo, a, ts.now - 10 * HOUR, "R-1", "late: holiday"));
    th_ok(gdpr_breach_notify(ts.eng, &th_dpo, b, ts.now - 26 * HOUR, "R-2", NULL));
    th_ok(gdpr_breach_decide(ts.eng, &th_dpo, a, GDPR_BREACH_INFORM, GDPR_NOW, NULL));
    th_ok(gdpr_breach_decide(ts.eng, &th_dpo, b, GDPR_BREACH_EXEMPT_PROTECTED, 0,
                             "AES-256 full-disk encryption, key not compromised"));
    th_ok(gdpr_breach_kpi_init(&k, GDPR_BREACH_KPI_VERSION));
    th_ok(gdpr_breach_kpis(ts.eng, ts.now - 60 * HOUR, GDPR_NOW, &k));
    ck_assert_int_eq(k.total, 2); /* aware 50 h and 1 h ago */
    th_ok(gdpr_breach_kpis(ts.eng, ts.now - 100 * HOUR, GDPR_NOW, &k));
    ck_assert_int_eq(k.total, 4);
    ck_assert_int_eq(k.notified, 2);
    ck_assert_int_eq(k.on_time, 1);
    ck_assert_int_eq(k.late, 1);
    ck_assert_int_eq(k.pending, 2);
    ck_assert_int_eq(k.overdue, 1);
    ck_assert(k.median_hours_to_notify > 51.9 && k.median_hours_to_notify < 52.1); /* (80+24)/2 */
    ck_assert(k.max_hours_to_notify > 79.9 && k.max_hours_to_notify < 80.1);
    ck_assert_int_eq(k.subjects_informed, 1);
    ck_assert_int_eq(k.subjects_not_informed, 1);
    ck_assert_int_eq(k.undecided, 2);
    th_assert_err(gdpr_breach_kpis(ts.eng, 0, GDPR_NOW, &k), GDPR_EINVAL, "from/to");
    th_assert_err(gdpr_breach_kpis(ts.eng, ts.now, ts.now - 5, &k), GDPR_EINVAL, "from/to");
}
END_TEST

START_TEST(decision_on_informing_subjects)
{
    int64_t id = open_at(ts.now - HOUR);

    th_assert_err(gdpr_breach_decide(ts.eng, &th_dpo, id, GDPR_BREACH_INFORM, 0, NULL), GDPR_EINVAL,
                  "informed_at");
    th_assert_err(
        gdpr_breach_decide(ts.eng, &th_dpo, id, GDPR_BREACH_EXEMPT_MITIGATED, GDPR_NOW, NULL),
        GDPR_EINVAL, "must be 0");
    th_assert_err(
        gdpr_breach_decide(ts.eng, &th_dpo, id, GDPR_BREACH_PUBLIC_NOTICE, ts.now - 2 * HOUR, NULL),
        GDPR_EINVAL, "before the controller became aware");
    th_assert_err(gdpr_breach_decide(ts.eng, &th_dpo, id, (gdpr_breach_decision)9, 0, NULL),
                  GDPR_EINVAL, "decision");
    th_ok(gdpr_breach_decide(ts.eng, &th_dpo, id, GDPR_BREACH_PUBLIC_NOTICE, GDPR_NOW,
                             "notice on the website"));
    ck_assert_int_eq(info_of(id).decision, GDPR_BREACH_PUBLIC_NOTICE);
    ck_assert_int_eq(info_of(id).informed_at, ts.now);
    th_assert_err(gdpr_breach_decide(ts.eng, &th_dpo, id, GDPR_BREACH_INFORM, GDPR_NOW, NULL),
                  GDPR_ESTATE, "decided already (art34_3_c)");
    ck_assert_str_eq(gdpr_breach_decision_name(GDPR_BREACH_EXEMPT_PROTECTED), "art34_3_a");
    ck_assert_str_eq(gdpr_breach_decision_name(42), "unknown");
}
END_TEST

/* Audit events through the public walk, so the count holds on every
 * backend: of `action`, and with link_only those whose ref is
 * "breach <id> link..." and that name a subject. */
typedef struct {
    const char *action;
    int link_only;
    int64_t n;
} audit_tally;

static int
tally_event(const gdpr_audit_event *ev, void *ctx)
{
    audit_tally *t = ctx;

    if (strcmp(ev->action, t->action) != 0)
        return 0;
    if (t->link_only && (ev->ref == NULL || strncmp(ev->ref, "breach ", 7) != 0 ||
                         strstr(ev->ref + 7, " link") == NULL || ev->subject_hash == NULL))
        return 0;
    t->n++;
    return 0;
}

static int64_t
audit_count(const char *action, int link_only)
{
    audit_tally t = {action, link_only, 0};

    th_ok(gdpr_audit_foreach(ts.eng, 1, tally_event, &t));
    return t.n;
}

START_TEST(subjects_linked_by_keyed_hash_and_everything_audited)
{
    int64_t id = open_at(ts.now - HOUR);
    int64_t before;
    static const char subject[] = "customer-4711-xq";

    th_ok(gdpr_breach_link(ts.eng, &th_dpo, id, subject));
    th_ok(gdpr_breach_link(ts.eng, &th_dpo, id, subject)); /* twice: no-op */
    th_ok(gdpr_breach_link(ts.eng, &th_dpo, id, "customer-4712"));
    ck_assert_int_eq(info_of(id).subjects_linked, 2);
    /* the link table itself, below the API */
    ck_assert_int_eq(th_on_postgres() ? th_pg_int(ts.db, "SELECT count(*) FROM gdpr.breach_subject")
                                      : th_raw_int(ts.db, "SELECT count(*) FROM breach_subject"),
                     2);
    th_assert_err(gdpr_breach_link(ts.eng, &th_dpo, 99, subject), GDPR_ENOTFOUND, "breach 99");
    gdpr_close(ts.eng);
    ts.eng = NULL;
    /* Greps the SQLite files: not checked on PostgreSQL (the link is by
     * keyed hash on both backends: the same store code). */
    if (!th_on_postgres())
        ck_assert(!th_store_files_contain(&ts, subject, sizeof subject - 1));
    th_reopen(&ts);
    /* open, 3 links, and each later change: one audit event each */
    ck_assert_int_eq(audit_count("breach.manage", 1), 3);
    before = audit_count("breach.manage", 0);
    th_ok(gdpr_breach_notify(ts.eng, &th_dpo, id, GDPR_NOW, "REF-1", NULL));
    th_ok(gdpr_breach_decide(ts.eng, &th_dpo, id, GDPR_BREACH_NOT_HIGH_RISK, 0, NULL));
    th_assert_err(gdpr_breach_link(ts.eng, &th_agent, id, subject), GDPR_EDENIED, "breach.manage");
    ck_assert_int_eq(audit_count("breach.manage", 0), before + 3); /* notify, decide, refusal */
}
END_TEST

START_TEST(bad_input_is_refused_and_changes_nothing)
{
    const char *unknown[] = {"astrology"};
    const char *bad_utf8[] = {"con\xc3"};
    char before[65], after[65];
    char big[GDPR_BREACH_TEXT_MAX + 2];
    gdpr_breach b;
    gdpr_breach_info info;
    seen s = {0};

    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    th_fingerprint(&ts, before);
    th_assert_err(gdpr_breach_init(NULL, 1), GDPR_EINVAL, "b");
    th_assert_err(gdpr_breach_init(&b, 2), GDPR_EVERSION, "b.version");
    th_assert_err(gdpr_breach_open(ts.eng, &th_dpo, NULL, NULL), GDPR_EINVAL, "b:");
    b = a_breach(GDPR_NOW);
    th_assert_err(gdpr_breach_open(NULL, &th_dpo, &b, NULL), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_breach_open(ts.eng, NULL, &b, NULL), GDPR_EINVAL, "who");
    b.version = 0;
    th_assert_err(gdpr_breach_open(ts.eng, &th_dpo, &b, NULL), GDPR_EVERSION, "b.version");
    b = a_breach(ts.now + 60);
    th_assert_err(gdpr_breach_open(ts.eng, &th_dpo, &b, NULL), GDPR_EINVAL, "in the future");
    b = a_breach(1000);
    th_assert_err(gdpr_breach_open(ts.eng, &th_dpo, &b, NULL), GDPR_EINVAL, "2018-05-25");
    b = a_breach(ts.now - HOUR);
    b.occurred_at = ts.now - 10;
    th_assert_err(gdpr_breach_open(ts.eng, &th_dpo, &b, NULL), GDPR_EINVAL, "b.occurred_at");
    b = a_breach(GDPR_NOW);
    b.nature = 0;
    th_assert_err(gdpr_breach_open(ts.eng, &th_dpo, &b, NULL), GDPR_EINVAL, "b.nature");
    b.nature = 0x10;
    th_assert_err(gdpr_breach_open(ts.eng, &th_dpo, &b, NULL), GDPR_EINVAL, "b.nature");
    b = a_breach(GDPR_NOW);
    b.n_categories = 0;
    th_assert_err(gdpr_breach_open(ts.eng, &th_dpo, &b, NULL), GDPR_EINVAL, "b.categories");
    b.categories = unknown;
    b.n_categories = 1;
    th_assert_err(gdpr_breach_open(ts.eng, &th_dpo, &b, NULL), GDPR_EINVAL,
                  "'astrology' is not a category");
    b.categories = bad_utf8;
    th_assert_err(gdpr_breach_open(ts.eng, &th_dpo, &b, NULL), GDPR_EINVAL, "UTF-8");
    b = a_breach(GDPR_NOW);
    b.subjects_approx = -1;
    th_assert_err(gdpr_breach_open(ts.eng, &th_dpo, &b, NULL), GDPR_EINVAL, "approx");
    b = a_breach(GDPR_NOW);
    b.description = NULL;
    th_assert_err(gdpr_breach_open(ts.eng, &th_dpo, &b, NULL), GDPR_EINVAL, "b.description");
    b.description = "";
    th_assert_err(gdpr_breach_open(ts.eng, &th_dpo, &b, NULL), GDPR_EINVAL, "b.description");
    b.description = big;
    th_assert_err(gdpr_breach_open(ts.eng, &th_dpo, &b, NULL), GDPR_EINVAL, "b.description");
    b = a_breach(GDPR_NOW);
    b.consequences = "bad \xff";
    th_assert_err(gdpr_breach_open(ts.eng, &th_dpo, &b, NULL), GDPR_EINVAL, "b.consequences");
    b = a_breach(GDPR_NOW);
    b.measures = NULL;
    th_assert_err(gdpr_breach_open(ts.eng, &th_dpo, &b, NULL), GDPR_EINVAL, "b.measures");
    th_assert_err(gdpr_breach_notify(ts.eng, &th_dpo, 0, GDPR_NOW, "r", NULL), GDPR_EINVAL,
                  "breach");
    th_assert_err(gdpr_breach_notify(ts.eng, &th_dpo, 7, GDPR_NOW, "r", NULL), GDPR_ENOTFOUND,
                  "breach 7");
    th_assert_err(gdpr_breach_not_notifiable(ts.eng, &th_dpo, 7, NULL), GDPR_EINVAL, "reason");
    th_assert_err(gdpr_breach_link(ts.eng, &th_dpo, 7, ""), GDPR_EINVAL, "subject");
    th_assert_err(gdpr_breach_get(ts.eng, 7, NULL), GDPR_EINVAL, "out");
    th_ok(gdpr_breach_info_init(&info, GDPR_BREACH_INFO_VERSION));
    th_assert_err(gdpr_breach_get(ts.eng, 7, &info), GDPR_ENOTFOUND, "breach 7");
    info.version = 5;
    th_assert_err(gdpr_breach_get(ts.eng, 7, &info), GDPR_EVERSION, "out.version");
    th_assert_err(gdpr_breach_list(ts.eng, GDPR_NOW, 0, NULL, &s), GDPR_EINVAL, "fn");
    th_assert_err(gdpr_breach_list(ts.eng, 0, 0, collect, &s), GDPR_EINVAL, "as_of");
    th_assert_err(gdpr_breach_list(ts.eng, GDPR_NOW, 0x8, collect, &s), GDPR_EINVAL, "flags");
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    /* a notification: reference checked, not before awareness */
    {
        int64_t id = open_at(ts.now - HOUR);
        th_assert_err(gdpr_breach_notify(ts.eng, &th_dpo, id, GDPR_NOW, NULL, NULL), GDPR_EINVAL,
                      "reference");
        th_assert_err(gdpr_breach_notify(ts.eng, &th_dpo, id, GDPR_NOW, big, NULL), GDPR_EINVAL,
                      "reference");
        th_assert_err(gdpr_breach_notify(ts.eng, &th_dpo, id, ts.now - 2 * HOUR, "r", NULL),
                      GDPR_EINVAL, "before the controller became aware");
        th_assert_err(gdpr_breach_notify(ts.eng, &th_dpo, id, ts.now + 10, "r", NULL), GDPR_EINVAL,
                      "in the future");
        ck_assert_int_eq(info_of(id).notified_at, 0);
    }
}
END_TEST

static Suite *
breach_suite(void)
{
    Suite *s = suite_create("breach");
    TCase *tc = tcase_create("breach register");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, open_computes_the_72_hour_deadline_and_seals_the_texts);
    tcase_add_test(tc, overdue_list_and_late_notification_with_reasons);
    tcase_add_test(tc, kpis_time_to_notify);
    tcase_add_test(tc, decision_on_informing_subjects);
    tcase_add_test(tc, subjects_linked_by_keyed_hash_and_everything_audited);
    tcase_add_test(tc, bad_input_is_refused_and_changes_nothing);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return th_run(breach_suite());
}
