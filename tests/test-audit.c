/*
 * Audit chain: appends, verification, and every way of tampering with it.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "helpers.h"

static th_store ts;
static int64_t kept_count;
static unsigned char kept_head[GDPR_AUDIT_HEAD_BYTES];

/* A store with 1 policy event and 6 subject creations, head kept. */
static void
setup(void)
{
    th_setup(&ts);
    for (int i = 0; i < 6; i++) {
        char id[16];
        snprintf(id, sizeof id, "aud-%d", i);
        ts.now += 60;
        th_ok(gdpr_subject_ensure(ts.eng, &th_agent, id, NULL));
    }
    th_ok(gdpr_audit_head(ts.eng, &kept_count, kept_head));
    ck_assert_int_eq(kept_count, 7);
}

static void
teardown(void)
{
    th_teardown(&ts);
}

/* Change the data file behind the engine's back, as an attacker with file
 * access would. */
static void
tamper(const char *sql)
{
    sqlite3 *db = NULL;
    char *err = NULL;

    gdpr_close(ts.eng);
    ts.eng = NULL;
    ck_assert_int_eq(sqlite3_open(ts.db, &db), SQLITE_OK);
    ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK, "%s", err);
    sqlite3_close(db);
    th_ok(th_open(&ts, &ts.eng));
}

typedef struct {
    int64_t n;
    int64_t last_seq;
    char first_action[64];
    int subjects;
} walk;

static int
count_events(const gdpr_audit_event *ev, void *ctx)
{
    walk *w = ctx;
    if (w->n == 0)
        snprintf(w->first_action, sizeof w->first_action, "%s", ev->action);
    w->n++;
    w->last_seq = ev->seq;
    if (ev->subject_hash != NULL && strlen(ev->subject_hash) == 64)
        w->subjects++;
    return 0;
}

static int
stop_early(const gdpr_audit_event *ev, void *ctx)
{
    (void)ev;
    return ++*(int *)ctx == 2;
}

START_TEST(intact_chain_verifies)
{
    TH_SQLITE_ONLY("greps the SQLite files");
    int64_t events = 0;
    walk w = {0, 0, "", 0};
    char *hash = NULL;
    int calls = 0;

    th_ok(gdpr_audit_verify(ts.eng, &events));
    ck_assert_int_eq(events, 7);
    th_ok(gdpr_audit_verify_head(ts.eng, kept_count, kept_head, &events));
    th_ok(gdpr_audit_foreach(ts.eng, 1, count_events, &w));
    ck_assert_int_eq(w.n, 7);
    ck_assert_str_eq(w.first_action, "policy.load");
    ck_assert_int_eq(w.subjects, 6);
    /* The trail names subjects only by keyed hash. */
    th_ok(gdpr_subject_hash(ts.eng, "aud-0", &hash));
    ck_assert_int_eq(strlen(hash), 64);
    ck_assert_ptr_null(strstr(hash, "aud-0"));
    gdpr_free(hash);
    ck_assert(!th_store_files_contain(&ts, "aud-0", 5));
    th_assert_err(gdpr_audit_foreach(ts.eng, 1, stop_early, &calls), GDPR_ECALLBACK, "stopped");
    ck_assert_int_eq(calls, 2);
    /* An empty store has an empty head. */
    {
        th_store empty;
        unsigned char head[GDPR_AUDIT_HEAD_BYTES];
        unsigned char zero[GDPR_AUDIT_HEAD_BYTES] = {0};
        int64_t count = -1;
        th_setup_bare(&empty);
        th_ok(gdpr_audit_head(empty.eng, &count, head));
        ck_assert_int_eq(count, 0);
        ck_assert_mem_eq(head, zero, sizeof head);
        th_ok(gdpr_audit_verify_head(empty.eng, 0, zero, NULL));
        th_teardown(&empty);
    }
}
END_TEST

START_TEST(edited_event_found)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    int64_t events = -1;

    tamper("UPDATE audit SET actor='mallory' WHERE seq=4");
    th_assert_err(gdpr_audit_verify(ts.eng, &events), GDPR_ECORRUPT,
                  "audit event 4: MAC does not match");
    ck_assert_int_eq(events, 3);
}
END_TEST

START_TEST(edited_outcome_found)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    tamper("UPDATE audit SET outcome=-4 WHERE seq=2");
    th_assert_err(gdpr_audit_verify(ts.eng, NULL), GDPR_ECORRUPT, "audit event 2");
}
END_TEST

START_TEST(deleted_event_found)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    tamper("DELETE FROM audit WHERE seq=3");
    th_assert_err(gdpr_audit_verify(ts.eng, NULL), GDPR_ECORRUPT,
                  "audit event 4: expected event 3 here");
}
END_TEST

START_TEST(deleted_and_renumbered_found)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    tamper("DELETE FROM audit WHERE seq=3; UPDATE audit SET seq=seq-1 WHERE seq>3");
    th_assert_err(gdpr_audit_verify(ts.eng, NULL), GDPR_ECORRUPT,
                  "audit event 3: MAC does not match");
}
END_TEST

START_TEST(reordered_events_found)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    /* Swap the contents of events 2 and 5, keeping their numbers. */
    tamper("CREATE TEMP TABLE t AS SELECT * FROM audit WHERE seq IN (2,5);"
           "UPDATE audit SET at=(SELECT at FROM t WHERE seq=5), subject=(SELECT subject FROM t "
           "WHERE seq=5),"
           " mac=(SELECT mac FROM t WHERE seq=5) WHERE seq=2;"
           "UPDATE audit SET at=(SELECT at FROM t WHERE seq=2), subject=(SELECT subject FROM t "
           "WHERE seq=2),"
           " mac=(SELECT mac FROM t WHERE seq=2) WHERE seq=5;");
    th_assert_err(gdpr_audit_verify(ts.eng, NULL), GDPR_ECORRUPT, "audit event 2");
}
END_TEST

START_TEST(inserted_event_found)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    tamper("UPDATE audit SET seq=seq+1000 WHERE seq>=4;"
           "UPDATE audit SET seq=seq-999 WHERE seq>=1000;"
           "INSERT INTO audit(seq, at, actor, role, action, subject, outcome, ref, mac)"
           " SELECT 4, at, 'mallory', role, action, subject, outcome, ref, mac FROM audit WHERE "
           "seq=3");
    th_assert_err(gdpr_audit_verify(ts.eng, NULL), GDPR_ECORRUPT, "audit event 4");
}
END_TEST

START_TEST(truncated_tail_found_with_head)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    int64_t events = 0;

    tamper("DELETE FROM audit WHERE seq>5");
    /* The chain alone cannot see it ... */
    th_ok(gdpr_audit_verify(ts.eng, &events));
    ck_assert_int_eq(events, 5);
    /* ... the kept head can. */
    th_assert_err(gdpr_audit_verify_head(ts.eng, kept_count, kept_head, &events), GDPR_ECORRUPT,
                  "holds 5 events, the kept head says 7 (tail cut off)");
}
END_TEST

START_TEST(rewritten_tail_found_with_head)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    /* Cut the tail and append as many new events: same count, new head. */
    tamper("DELETE FROM audit WHERE seq>5");
    th_ok(gdpr_subject_ensure(ts.eng, &th_agent, "other-1", NULL));
    th_ok(gdpr_subject_ensure(ts.eng, &th_agent, "other-2", NULL));
    th_ok(gdpr_audit_verify(ts.eng, NULL));
    th_assert_err(gdpr_audit_verify_head(ts.eng, kept_count, kept_head, NULL), GDPR_ECORRUPT,
                  "audit event 7: differs from the kept head");
}
END_TEST

START_TEST(bad_arguments)
{
    unsigned char head[GDPR_AUDIT_HEAD_BYTES];
    int64_t count;
    char before[65], after[65];

    th_fingerprint(&ts, before);
    th_assert_err(gdpr_audit_verify(NULL, NULL), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_audit_head(NULL, &count, head), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_audit_head(ts.eng, NULL, head), GDPR_EINVAL, "count_out");
    th_assert_err(gdpr_audit_head(ts.eng, &count, NULL), GDPR_EINVAL, "head_out");
    th_assert_err(gdpr_audit_verify_head(ts.eng, 1, NULL, NULL), GDPR_EINVAL, "head");
    th_assert_err(gdpr_audit_verify_head(ts.eng, -1, head, NULL), GDPR_EINVAL, "count: -1");
    th_assert_err(gdpr_audit_foreach(ts.eng, 1, NULL, NULL), GDPR_EINVAL, "fn");
    th_assert_err(gdpr_audit_foreach(ts.eng, 0, count_events, NULL), GDPR_EINVAL, "from_seq: 0");
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
}
END_TEST

static Suite *
audit_suite(void)
{
    Suite *s = suite_create("audit");
    TCase *tc = tcase_create("audit");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, intact_chain_verifies);
    tcase_add_test(tc, edited_event_found);
    tcase_add_test(tc, edited_outcome_found);
    tcase_add_test(tc, deleted_event_found);
    tcase_add_test(tc, deleted_and_renumbered_found);
    tcase_add_test(tc, reordered_events_found);
    tcase_add_test(tc, inserted_event_found);
    tcase_add_test(tc, truncated_tail_found_with_head);
    tcase_add_test(tc, rewritten_tail_found_with_head);
    tcase_add_test(tc, bad_arguments);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return th_run(audit_suite());
}
