/*
 * Fault injection: fail the N-th write/sync (a VFS shim) or the N-th SQLite
 * allocation, for N = 1, 2, ... until the call gets through. Every failure
 * must return an error and leave the store exactly as it was.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault-vfs.h"
#include "helpers.h"

static th_store ts;
static char *changed_policy;

static void
setup(void)
{
    th_setup(&ts);
    th_ok(gdpr_subject_ensure(ts.eng, &th_agent, "existing", NULL));
    changed_policy = th_changed_policy();
}

static void
teardown(void)
{
    fault_vfs_arm(FAULT_IOERR, 0);
    fault_malloc_arm(0);
    free(changed_policy);
    th_teardown(&ts);
}

typedef int (*operation)(gdpr_engine *eng, int n);

static int
op_policy(gdpr_engine *eng, int n)
{
    (void)n;
    return gdpr_policy_load_string(eng, &th_dpo, changed_policy);
}

static int
op_subject(gdpr_engine *eng, int n)
{
    char id[32];
    snprintf(id, sizeof id, "new-%d", n);
    return gdpr_subject_ensure(eng, &th_agent, id, NULL);
}

static int
op_batch(gdpr_engine *eng, int n)
{
    int rc = gdpr_begin(eng);
    for (int i = 0; rc == GDPR_OK && i < 20; i++) {
        char id[32];
        snprintf(id, sizeof id, "batch-%d-%d", n, i);
        rc = gdpr_subject_ensure(eng, &th_agent, id, NULL);
    }
    if (rc == GDPR_OK)
        return gdpr_commit(eng);
    gdpr_rollback(eng);
    return rc;
}

/* Loop N until the operation succeeds with no fault fired. */
static void
inject(operation op, int io, int *failures_seen)
{
    for (int n = 1; n < 5000; n++) {
        char before[65], after[65];
        int rc, fired;

        th_fingerprint(&ts, before);
        if (io)
            fault_vfs_arm(FAULT_IOERR, n);
        else
            fault_malloc_arm(n);
        rc = op(ts.eng, n);
        fired = io ? fault_vfs_fired() : fault_malloc_fired();
        fault_vfs_arm(FAULT_IOERR, 0);
        fault_malloc_arm(0);
        if (!fired) {
            th_ok(rc);
            return;
        }
        if (rc == GDPR_OK)
            continue; /* the fault hit something SQLite could retry or skip */
        (*failures_seen)++;
        ck_assert_msg(rc == GDPR_ESTORAGE || rc == GDPR_ENOMEM || rc == GDPR_EBUSY,
                      "n=%d: unexpected %s (%s)", n, gdpr_strerror(rc), gdpr_errmsg());
        ck_assert_msg(gdpr_errmsg()[0] != '\0', "n=%d: no message", n);
        th_reopen(&ts);
        th_fingerprint(&ts, after);
        ck_assert_msg(strcmp(before, after) == 0, "n=%d: store changed by a failed call (%s)", n,
                      gdpr_strerror(rc));
        th_assert_integrity(&ts);
        th_ok(gdpr_audit_verify(ts.eng, NULL));
    }
    ck_abort_msg("operation never succeeded");
}

START_TEST(io_errors_in_policy_load)
{
    TH_SQLITE_ONLY("fault-injecting SQLite VFS");
    int failures = 0;
    int64_t version = 0;

    inject(op_policy, 1, &failures);
    ck_assert_int_gt(failures, 0);
    th_ok(gdpr_policy_version(ts.eng, &version));
    ck_assert_int_eq(version, 2);
}
END_TEST

START_TEST(io_errors_in_subject_creation)
{
    TH_SQLITE_ONLY("fault-injecting SQLite VFS");
    int failures = 0;

    inject(op_subject, 1, &failures);
    ck_assert_int_gt(failures, 0);
}
END_TEST

START_TEST(io_errors_in_batch)
{
    TH_SQLITE_ONLY("fault-injecting SQLite VFS");
    int failures = 0;

    inject(op_batch, 1, &failures);
    ck_assert_int_gt(failures, 0);
}
END_TEST

START_TEST(oom_in_policy_load)
{
    TH_SQLITE_ONLY("fault-injecting SQLite VFS");
    int failures = 0;

    inject(op_policy, 0, &failures);
    ck_assert_int_gt(failures, 0);
}
END_TEST

START_TEST(oom_in_subject_creation)
{
    TH_SQLITE_ONLY("fault-injecting SQLite VFS");
    int failures = 0;

    inject(op_subject, 0, &failures);
    ck_assert_int_gt(failures, 0);
}
END_TEST

static Suite *
fault_suite(void)
{
    Suite *s = suite_create("fault");
    TCase *tc = tcase_create("fault");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, io_errors_in_policy_load);
    tcase_add_test(tc, io_errors_in_subject_creation);
    tcase_add_test(tc, io_errors_in_batch);
    tcase_add_test(tc, oom_in_policy_load);
    tcase_add_test(tc, oom_in_subject_creation);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    fault_malloc_install();
    fault_vfs_install();
    if (th_sqlite_only_suite("injects I/O errors through a SQLite VFS; no PostgreSQL counterpart"))
        return 77;
    return th_run(fault_suite());
}
