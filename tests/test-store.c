/*
 * Store: schema versions, forward migrations, refusal of newer files,
 * pragmas that secure deletion rests on.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "helpers.h"
#include "store.h"
#include "testhook.h"

static th_store ts;

static void
create_version(int version)
{
    gdpr__test_hooks h;

    gdpr__test_hooks_get(&h);
    h.schema_create_version = version;
    gdpr__test_hooks_set(&h);
}

static void
setup(void)
{
    th_setup(&ts);
}
static void
teardown(void)
{
    gdpr__test_hooks_set(NULL);
    th_teardown(&ts);
}

START_TEST(new_store_at_latest_schema)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    ck_assert_int_eq(th_raw_int(ts.db, "PRAGMA user_version"), gdpr_store__schema_latest());
    ck_assert_int_eq(th_raw_int(ts.keys, "PRAGMA user_version"), gdpr_store__schema_latest());
    ck_assert_int_eq(
        th_raw_int(ts.db, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode='wal'"), 1);
}
END_TEST

/* A store created at schema version 1 (only the foundation's tables, no
 * policy: later code paths need later tables) is migrated forward at the
 * next open and is then fully usable, keys and all. */
START_TEST(migrates_from_version_1)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    th_store old;
    int exists = 0;
    int64_t events = 0;

    create_version(1);
    th_setup_bare(&old);
    gdpr_close(old.eng);
    old.eng = NULL;
    create_version(0);
    ck_assert_int_eq(th_raw_int(old.db, "PRAGMA user_version"), 1);
    ck_assert_int_eq(th_raw_int(old.keys, "PRAGMA user_version"), 1);
    ck_assert_int_eq(
        th_raw_int(old.db, "SELECT count(*) FROM sqlite_schema WHERE name='audit_subject'"), 0);

    th_ok(th_open(&old, &old.eng));
    ck_assert_int_eq(th_raw_int(old.db, "PRAGMA user_version"), gdpr_store__schema_latest());
    ck_assert_int_eq(th_raw_int(old.keys, "PRAGMA user_version"), gdpr_store__schema_latest());
    ck_assert_int_eq(
        th_raw_int(old.db, "SELECT count(*) FROM sqlite_schema WHERE name='audit_subject_id'"), 1);
    th_ok(gdpr_policy_load(old.eng, &th_dpo, th_example_policy_path()));
    th_ok(gdpr_subject_ensure(old.eng, &th_agent, "after-migration", NULL));
    th_reopen(&old);
    th_ok(gdpr_subject_exists(old.eng, "after-migration", &exists));
    ck_assert_int_eq(exists, 1);
    th_ok(gdpr_audit_verify(old.eng, &events));
    ck_assert_int_eq(events, 2);
    th_teardown(&old);
}
END_TEST

START_TEST(newer_file_refused)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    gdpr_engine *eng = NULL;
    char before[65], after[65];
    char sql[64];

    gdpr_close(ts.eng);
    ts.eng = NULL;
    snprintf(sql, sizeof sql, "PRAGMA user_version=%d", gdpr_store__schema_latest() + 1);
    th_raw_exec(ts.db, sql);
    th_fingerprint(&ts, before);
    th_assert_err(th_open(&ts, &eng), GDPR_EVERSION, "written by a newer libgdpr");
    ck_assert_ptr_null(eng);
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    snprintf(sql, sizeof sql, "PRAGMA user_version=%d", gdpr_store__schema_latest());
    th_raw_exec(ts.db, sql);
    th_ok(th_open(&ts, &ts.eng));
}
END_TEST

START_TEST(not_a_database_refused)
{
    TH_SQLITE_ONLY("opens a store file of its own");
    char path[400];
    FILE *f;
    gdpr_options opts = GDPR_OPTIONS_INIT;
    gdpr_engine *eng = NULL;

    snprintf(path, sizeof path, "%s/junk.db", ts.dir);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i < 200; i++)
        fputs("this is not a database file at all. ", f);
    fclose(f);
    opts.path = path;
    opts.key = th_key;
    opts.key_len = 32;
    {
        char ks[420];
        snprintf(ks, sizeof ks, "%s-keys", path);
        f = fopen(ks, "w");
        fputs("junk junk junk", f);
        fclose(f);
    }
    th_assert_err(gdpr_open(&eng, &opts), GDPR_ECORRUPT, "not a database");
    ck_assert_ptr_null(eng);
}
END_TEST

START_TEST(memory_store_works)
{
    gdpr_options opts = GDPR_OPTIONS_INIT;
    gdpr_engine *eng = NULL;
    int exists = 0;

    opts.path = ":memory:";
    opts.key = th_key;
    opts.key_len = 32;
    th_ok(gdpr_open(&eng, &opts));
    th_ok(gdpr_policy_load(eng, &th_dpo, th_example_policy_path()));
    th_ok(gdpr_subject_ensure(eng, &th_agent, "m-1", NULL));
    th_ok(gdpr_subject_exists(eng, "m-1", &exists));
    ck_assert_int_eq(exists, 1);
    th_ok(gdpr_audit_verify(eng, NULL));
    gdpr_close(eng);
}
END_TEST

/* gdpr_store__discard: the close of a handle whose new store's open
 * failed removes what that open created (its committed schema: SQLite
 * files, PostgreSQL schemas), never a store the open found. */
static int
store_present(const char *path, const char *keys)
{
    if (th_on_postgres())
        return (int)th_pg_int(path, "SELECT count(*) FROM pg_catalog.pg_namespace"
                                    " WHERE nspname IN ('gdpr', 'gdpr_keys')");
    return (access(path, F_OK) == 0) + (access(keys, F_OK) == 0);
}

START_TEST(discard_removes_only_what_the_open_created)
{
    store_config cfg;
    store *st = NULL;
    char path[400], keys[420];
    int is_new = 0;

    if (th_on_postgres()) {
        th_pg_create_db(path, sizeof path);
        keys[0] = '\0';
    } else {
        snprintf(path, sizeof path, "%s/discarded.db", ts.dir);
        snprintf(keys, sizeof keys, "%s-keys", path);
    }
    memset(&cfg, 0, sizeof cfg);
    cfg.path = path;
    cfg.keystore_path = keys; /* "" on PostgreSQL: ignored */
    th_ok(gdpr_store__open(&st, &cfg, &is_new));
    ck_assert_int_eq(is_new, 1);
    th_ok(gdpr_store__begin(st));
    th_ok(gdpr_store__migrate(st, gdpr_store__schema_latest()));
    th_ok(gdpr_store__commit(st));
    ck_assert_int_eq(store_present(path, keys), 2);
    gdpr_store__discard(st);
    gdpr_store__close(st);
    ck_assert_int_eq(store_present(path, keys), 0);

    /* The fixture's store, found by the open: a discard leaves it whole. */
    gdpr_close(ts.eng);
    ts.eng = NULL;
    memset(&cfg, 0, sizeof cfg);
    cfg.path = ts.db;
    cfg.keystore_path = ts.keys;
    th_ok(gdpr_store__open(&st, &cfg, &is_new));
    ck_assert_int_eq(is_new, 0);
    gdpr_store__discard(st);
    gdpr_store__close(st);
    ck_assert_int_eq(store_present(ts.db, ts.keys), 2);
    th_ok(th_open(&ts, &ts.eng));
    th_assert_integrity(&ts);
    if (th_on_postgres())
        th_pg_drop_db(path);
}
END_TEST

static Suite *
store_suite(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("store");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, new_store_at_latest_schema);
    tcase_add_test(tc, migrates_from_version_1);
    tcase_add_test(tc, newer_file_refused);
    tcase_add_test(tc, not_a_database_refused);
    tcase_add_test(tc, memory_store_works);
    tcase_add_test(tc, discard_removes_only_what_the_open_created);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return th_run(store_suite());
}
