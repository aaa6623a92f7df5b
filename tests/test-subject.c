/*
 * Subjects: creation on first use, lookups, and the forensic promise that
 * no subject id is ever stored in plaintext.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>
#include <sqlite3.h>

#include "helpers.h"

static th_store ts;

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

START_TEST(ensure_exists_hash)
{
    int created = -1, exists = -1;
    char *h1 = NULL, *h2 = NULL, *h3 = NULL;

    th_ok(gdpr_subject_exists(ts.eng, "cust-1", &exists));
    ck_assert_int_eq(exists, 0);
    th_ok(gdpr_subject_ensure(ts.eng, &th_agent, "cust-1", &created));
    ck_assert_int_eq(created, 1);
    th_ok(gdpr_subject_ensure(ts.eng, &th_agent, "cust-1", &created));
    ck_assert_int_eq(created, 0);
    th_ok(gdpr_subject_exists(ts.eng, "cust-1", &exists));
    ck_assert_int_eq(exists, 1);
    th_ok(gdpr_subject_exists(ts.eng, "cust-2", &exists));
    ck_assert_int_eq(exists, 0);
    /* Unicode ids are fine. */
    th_ok(gdpr_subject_ensure(ts.eng, &th_agent, "kunde-\xc3\xa4\xc3\xb6\xc3\xbc", &created));
    ck_assert_int_eq(created, 1);

    th_ok(gdpr_subject_hash(ts.eng, "cust-1", &h1));
    th_ok(gdpr_subject_hash(ts.eng, "cust-1", &h2));
    th_ok(gdpr_subject_hash(ts.eng, "cust-2", &h3));
    ck_assert_str_eq(h1, h2);
    ck_assert_str_ne(h1, h3);
    /* Stable across reopen (derived from the stored root secret). */
    th_reopen(&ts);
    gdpr_free(h2);
    th_ok(gdpr_subject_hash(ts.eng, "cust-1", &h2));
    ck_assert_str_eq(h1, h2);
    gdpr_free(h1);
    gdpr_free(h2);
    gdpr_free(h3);
}
END_TEST

START_TEST(bad_input_changes_nothing)
{
    char big[300];
    char before[65], after[65];
    int exists = 0;
    char *hash = (char *)"untouched";

    memset(big, 's', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    th_ok(gdpr_subject_ensure(ts.eng, &th_agent, "cust-1", NULL));
    th_fingerprint(&ts, before);
    th_assert_err(gdpr_subject_ensure(NULL, &th_agent, "x", NULL), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_subject_ensure(ts.eng, NULL, "x", NULL), GDPR_EINVAL, "who");
    th_assert_err(gdpr_subject_ensure(ts.eng, &th_agent, NULL, NULL), GDPR_EINVAL,
                  "subject: must not be NULL");
    th_assert_err(gdpr_subject_ensure(ts.eng, &th_agent, "", NULL), GDPR_EINVAL,
                  "subject: must not be empty");
    th_assert_err(gdpr_subject_ensure(ts.eng, &th_agent, big, NULL), GDPR_EINVAL,
                  "subject: longer than 256");
    th_assert_err(gdpr_subject_ensure(ts.eng, &th_agent, "bad\xff", NULL), GDPR_EINVAL,
                  "subject: not valid UTF-8 (byte 3)");
    th_assert_err(gdpr_subject_ensure(ts.eng, &th_agent, "\xc0\xaf", NULL), GDPR_EINVAL,
                  "not valid UTF-8");
    th_assert_err(gdpr_subject_ensure(ts.eng, &th_agent, "\xed\xa0\x80", NULL), GDPR_EINVAL,
                  "not valid UTF-8");
    th_assert_err(gdpr_subject_ensure(ts.eng, &th_agent, "tab\there", NULL), GDPR_EINVAL,
                  "control character");
    th_assert_err(gdpr_subject_exists(ts.eng, "x", NULL), GDPR_EINVAL, "exists_out");
    th_assert_err(gdpr_subject_exists(NULL, "x", &exists), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_subject_exists(ts.eng, "", &exists), GDPR_EINVAL, "subject");
    th_assert_err(gdpr_subject_hash(ts.eng, "x", NULL), GDPR_EINVAL, "out");
    th_assert_err(gdpr_subject_hash(ts.eng, big, &hash), GDPR_EINVAL, "subject: longer");
    ck_assert_ptr_null(hash);
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
}
END_TEST

static void
random_id(char *out, size_t n)
{
    static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    unsigned char raw[64];

    ck_assert_int_eq(RAND_bytes(raw, (int)n), 1);
    for (size_t i = 0; i < n; i++)
        out[i] = alphabet[raw[i] % (sizeof alphabet - 1)];
    out[n] = '\0';
}

/* Write subjects with known random ids and look for them in the raw bytes
 * of every file the store has: data, WAL, keystore, its WAL. */
START_TEST(ids_never_on_disk_in_plaintext)
{
    TH_SQLITE_ONLY("greps the SQLite files");
    enum { N = 200 };
    static char ids[N][25];

    th_ok(gdpr_begin(ts.eng));
    for (int i = 0; i < N; i++) {
        random_id(ids[i], 24);
        th_ok(gdpr_subject_ensure(ts.eng, &th_agent, ids[i], NULL));
    }
    th_ok(gdpr_commit(ts.eng));
    /* First with the frames still in the WAL ... */
    for (int i = 0; i < N; i++)
        ck_assert_msg(!th_store_files_contain(&ts, ids[i], 24), "id %s found on disk", ids[i]);
    /* ... then after close (checkpointed into the main file). */
    gdpr_close(ts.eng);
    ts.eng = NULL;
    for (int i = 0; i < N; i++)
        ck_assert_msg(!th_store_files_contain(&ts, ids[i], 24), "id %s found on disk", ids[i]);
    th_ok(th_open(&ts, &ts.eng));
    for (int i = 0; i < N; i += 37) {
        int exists = 0;
        th_ok(gdpr_subject_exists(ts.eng, ids[i], &exists));
        ck_assert_int_eq(exists, 1);
    }
}
END_TEST

/* The keystore holds wrapped keys only: no 32-byte run equal to any
 * subject's key can be read from it, and the data file holds none. */
START_TEST(keystore_apart_from_data)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    int tables = 0;

    th_ok(gdpr_subject_ensure(ts.eng, &th_agent, "cust-1", NULL));
    gdpr_close(ts.eng);
    ts.eng = NULL;
    ck_assert_int_eq(sqlite3_open_v2(ts.db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db,
                                        "SELECT count(*) FROM sqlite_schema WHERE name LIKE "
                                        "'%key%'",
                                        -1, &s, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    tables = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    ck_assert_int_eq(tables, 0);
    ck_assert_int_eq(sqlite3_open_v2(ts.keys, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    ck_assert_int_eq(
        sqlite3_prepare_v2(db, "SELECT length(wrapped) FROM subject_key", -1, &s, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    ck_assert_int_eq(sqlite3_column_int(s, 0), 61); /* version + nonce + 32 + tag */
    sqlite3_finalize(s);
    sqlite3_close(db);
    th_ok(th_open(&ts, &ts.eng));
}
END_TEST

static Suite *
subject_suite(void)
{
    Suite *s = suite_create("subject");
    TCase *tc = tcase_create("subject");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, ensure_exists_hash);
    tcase_add_test(tc, bad_input_changes_nothing);
    tcase_add_test(tc, ids_never_on_disk_in_plaintext);
    tcase_add_test(tc, keystore_apart_from_data);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return th_run(subject_suite());
}
