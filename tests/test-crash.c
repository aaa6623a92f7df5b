/*
 * Crash safety of erasure: a child process erases a subject while a VFS
 * shim kills it (_exit) at the N-th write or sync, for N = 1, 2, ... until
 * an erasure gets through. After every crash the parent reopens the store
 * (which finishes a key destruction left pending) and finds the subject
 * either whole (every value decrypts, its key is there) or fully erased
 * (no row, no key, a tombstone) — never half — with the audit chain and
 * both files intact.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fault-vfs.h"
#include "helpers.h"

#define VICTIM "cust-crash"
#define RECORDS 6

static th_store ts;
static th_template template;
static int64_t records[RECORDS];
static char values[RECORDS][48];
static int64_t other_record;
static char victim_hash[65];

static void
setup(void)
{
    gdpr_consent c = GDPR_CONSENT_INIT;
    char *hash = NULL;

    th_setup(&ts);
    for (int i = 0; i < RECORDS; i++) {
        snprintf(values[i], sizeof values[i], "value %d of the victim", i);
        th_ok(gdpr_vault_put(ts.eng, &th_agent, VICTIM, i % 2 ? "usage" : "contact", "service",
                             values[i], strlen(values[i]), &records[i]));
    }
    th_ok(gdpr_subject_link(ts.eng, &th_agent, VICTIM, "email", "crash@example.com"));
    c.subject = VICTIM;
    c.purpose = "marketing";
    c.notice = "marketing-v2";
    c.channel = "web";
    c.proof = "form 77";
    th_ok(gdpr_consent_record(ts.eng, &th_agent, &c, NULL));
    th_ok(gdpr_vault_put(ts.eng, &th_agent, "bystander", "contact", "service", "still here", 10,
                         &other_record));
    th_ok(gdpr_subject_hash(ts.eng, VICTIM, &hash));
    snprintf(victim_hash, sizeof victim_hash, "%s", hash);
    gdpr_free(hash);
    /* Closing checkpoints: the template is the two files alone. */
    gdpr_close(ts.eng);
    ts.eng = NULL;
    th_template_take(&ts, &template);
}

static void
teardown(void)
{
    th_template_free(&template);
    if (ts.eng == NULL)
        th_ok(th_open(&ts, &ts.eng));
    th_teardown(&ts);
}

static int64_t
raw_count(const char *path, const char *prefix)
{
    char sql[400];

    snprintf(sql, sizeof sql, "%s x'%s'%s", prefix, victim_hash,
             strstr(prefix, "(SELECT") ? ")" : "");
    return th_raw_int(path, sql);
}

/* The erasure a child runs with the shim armed after the open, so only
 * its own writes and syncs count. */
static int
do_erase(gdpr_engine *eng)
{
    gdpr_erase_report r;

    return gdpr_erase_subject(eng, &th_dpo, VICTIM, "Art. 17(1)(a) request 3", &r);
}

/* Fork from the template, let the child run `fn` with a crash armed at
 * the n-th write or sync; returns the child's exit status (0 done, 99
 * killed). */
static int
run_child(long n, int (*fn)(gdpr_engine *eng))
{
    th_crash_op op = {"crash", NULL, fn, 0};
    int status;

    th_template_restore(&ts, &template);
    status = th_crash_fork(&ts, n, &op);
    ck_assert_msg(status == 0 || status == 99,
                  "n=%ld: child exited %d (open or call failed without a crash)", n, status);
    return status;
}

enum { WHOLE = 1, ERASED = 2 };

/* Whole or erased, never anything between; audit and files intact. */
static int
check_state(long n)
{
    int exists = 0, state;
    /* by integer id: the victim's rows, or any left without a subject row */
    int64_t vault = raw_count(ts.db, "SELECT count(*) FROM vault WHERE subject_id IS NULL"
                                     " OR subject_id NOT IN (SELECT id FROM subject)"
                                     " OR subject_id = (SELECT id FROM subject WHERE hash =");
    int64_t idents = raw_count(ts.db, "SELECT count(*) FROM identity WHERE subject_id IS NULL"
                                      " OR subject_id NOT IN (SELECT id FROM subject)"
                                      " OR subject_id = (SELECT id FROM subject WHERE hash =");
    /* by integer id: the victim's rows, or any left without a subject row */
    int64_t consents = raw_count(ts.db, "SELECT count(*) FROM consent WHERE subject_id IS NULL"
                                        " OR subject_id NOT IN (SELECT id FROM subject)"
                                        " OR subject_id = (SELECT id FROM subject WHERE hash =");
    int64_t keys = raw_count(ts.keys, "SELECT count(*) FROM subject_key WHERE hash =");
    int64_t tombs = raw_count(ts.db, "SELECT count(*) FROM tombstone WHERE subject =");
    void *v = NULL;
    size_t len = 0;

    th_ok(gdpr_subject_exists(ts.eng, VICTIM, &exists));
    if (exists) {
        state = WHOLE;
        ck_assert_msg(vault == RECORDS && idents == 1 && consents == 1 && keys == 1 && tombs == 0,
                      "n=%ld: half erased (vault %lld, identities %lld, consent %lld, key %lld, "
                      "tombstones %lld)",
                      n, (long long)vault, (long long)idents, (long long)consents, (long long)keys,
                      (long long)tombs);
        for (int i = 0; i < RECORDS; i++) {
            th_ok(gdpr_vault_get(ts.eng, &th_agent, records[i], &v, &len));
            ck_assert_uint_eq(len, strlen(values[i]));
            ck_assert_int_eq(memcmp(v, values[i], len), 0);
            gdpr_free(v);
        }
    } else {
        state = ERASED;
        ck_assert_msg(vault == 0 && idents == 0 && consents == 0 && keys == 0 && tombs == 1,
                      "n=%ld: half erased (vault %lld, identities %lld, consent %lld, key %lld, "
                      "tombstones %lld)",
                      n, (long long)vault, (long long)idents, (long long)consents, (long long)keys,
                      (long long)tombs);
        ck_assert_int_eq(gdpr_vault_get(ts.eng, &th_agent, records[0], &v, &len), GDPR_ENOTFOUND);
    }
    th_ok(gdpr_vault_get(ts.eng, &th_agent, other_record, &v, &len));
    ck_assert_int_eq(memcmp(v, "still here", 10), 0);
    gdpr_free(v);
    th_ok(gdpr_audit_verify(ts.eng, NULL));
    th_assert_integrity(&ts);
    return state;
}

START_TEST(crash_at_every_write_leaves_whole_or_erased)
{
    TH_SQLITE_ONLY("copies the SQLite files");
    int whole = 0, erased = 0;

    for (long n = 1; n < 2000; n++) {
        int status = run_child(n, do_erase);

        /* The parent's open finishes what the child left pending. */
        th_ok(th_open(&ts, &ts.eng));
        if (check_state(n) == WHOLE)
            whole++;
        else
            erased++;
        gdpr_close(ts.eng);
        ts.eng = NULL;
        if (status == 0) {
            ck_assert_int_gt(n, 5);
            /* Crashes before the data commit left it whole, crashes after
             * it left it erased (finished by the open). */
            ck_assert_int_gt(whole, 0);
            ck_assert_int_gt(erased, 1);
            return;
        }
    }
    ck_abort_msg("the erasure never got through");
}
END_TEST

/* --- key rotation and subject batches (docs/decisions/0008-many-engines.md) */

static const unsigned char rotated_key[32] = {
    0x5e, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
};

static int
do_rekey(gdpr_engine *eng)
{
    return gdpr_rekey(eng, &th_dpo, rotated_key, 32, NULL);
}

/* Killed at every write of a rotation, the store opens with exactly one
 * of the two keys: the old one with no rekey event, or the new one with
 * exactly one (appended by the open when the crash came between the
 * keystore's commit and the data file's); every value reads, the chain
 * verifies. */
START_TEST(rekey_crash_at_every_write)
{
    TH_SQLITE_ONLY("copies the SQLite files");
    int old_key = 0, new_key = 0;

    for (long n = 1; n < 2000; n++) {
        int status = run_child(n, do_rekey);
        gdpr_engine *probe = NULL;
        int events = 0, rc = th_open_with(&ts, th_key, NULL, 0, &ts.eng);
        void *v = NULL;
        size_t len = 0;

        if (rc == GDPR_OK) {
            old_key++;
            ck_assert_msg(status == 99, "n=%ld: rekey reported success, old key still opens", n);
        } else {
            ck_assert_msg(rc == GDPR_EKEY, "n=%ld: %s", n, gdpr_strerror(rc));
            th_ok(th_open_with(&ts, rotated_key, NULL, 0, &ts.eng));
            new_key++;
        }
        th_ok(gdpr_audit_foreach(ts.eng, 1, th_count_rekeys, &events));
        ck_assert_msg(events == (rc == GDPR_OK ? 0 : 1), "n=%ld: %d rekey events", n, events);
        th_ok(gdpr_audit_verify(ts.eng, NULL));
        th_ok(gdpr_vault_get(ts.eng, &th_agent, records[0], &v, &len));
        ck_assert_int_eq(memcmp(v, values[0], len), 0);
        gdpr_free(v);
        th_assert_integrity(&ts);
        gdpr_close(ts.eng);
        ts.eng = NULL;
        if (rc == GDPR_OK)
            ck_assert_int_ne(th_open_with(&ts, rotated_key, NULL, 0, &probe), GDPR_OK);
        if (status == 0) {
            ck_assert_int_gt(old_key, 0);
            fprintf(stderr, "rekey: %ld crash points, %d left the old key, %d the new one\n", n,
                    old_key, new_key);
            th_template_restore(&ts, &template);
            return;
        }
    }
    ck_abort_msg("the rotation never got through");
}
END_TEST

#define BATCH 8

static int
do_batch(gdpr_engine *eng)
{
    int rc = gdpr_begin(eng);

    for (int i = 0; rc == GDPR_OK && i < BATCH; i++) {
        char id[32];
        snprintf(id, sizeof id, "batch-cust-%d", i);
        rc = gdpr_subject_ensure(eng, &th_agent, id, NULL);
    }
    if (rc == GDPR_OK)
        return gdpr_commit(eng);
    (void)gdpr_rollback(eng);
    return rc;
}

/* Issue 13 item 4: an 8-subject batch killed at every write. Orphaned
 * keys left between the two commits are taken back by the next open, and
 * creating those subjects afterwards succeeds (it failed with
 * GDPR_EEXISTS at 15 of 20 points before). */
START_TEST(batch_crash_then_recreate)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    int orphaned = 0;

    for (long n = 1; n < 2000; n++) {
        int status = run_child(n, do_batch);
        int64_t keys, subjects;

        keys = th_raw_int(ts.keys, "SELECT count(*) FROM subject_key");
        subjects = th_raw_int(ts.db, "SELECT count(*) FROM subject");
        if (keys > subjects)
            orphaned++;
        th_ok(th_open(&ts, &ts.eng));
        ck_assert_int_eq(th_raw_int(ts.keys, "SELECT count(*) FROM subject_key"),
                         th_raw_int(ts.db, "SELECT count(*) FROM subject"));
        for (int i = 0; i < BATCH; i++) {
            char id[32];
            int64_t rec = 0;
            snprintf(id, sizeof id, "batch-cust-%d", i);
            th_ok(gdpr_vault_put(ts.eng, &th_agent, id, "contact", "service", "v", 1, &rec));
        }
        th_ok(gdpr_audit_verify(ts.eng, NULL));
        th_assert_integrity(&ts);
        gdpr_close(ts.eng);
        ts.eng = NULL;
        if (status == 0) {
            fprintf(stderr, "batch: %ld crash points, %d left orphaned keys, all re-created\n", n,
                    orphaned);
            return;
        }
    }
    ck_abort_msg("the batch never got through");
}
END_TEST

static Suite *
crash_suite(void)
{
    Suite *s = suite_create("crash");
    TCase *tc = tcase_create("erasure");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, crash_at_every_write_leaves_whole_or_erased);
    suite_add_tcase(s, tc);
    tc = tcase_create("keys");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, rekey_crash_at_every_write);
    tcase_add_test(tc, batch_crash_then_recreate);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    if (th_sqlite_only_suite("crashes a child inside SQLite writes (fault-injecting VFS); no "
                             "PostgreSQL counterpart"))
        return 77;
    return th_run(crash_suite());
}
