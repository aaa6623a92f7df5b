/*
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include "helpers.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "fault-vfs.h"

#ifndef TEST_SOURCE_ROOT
#error "TEST_SOURCE_ROOT must be defined by the build"
#endif

const unsigned char th_key[32] = {
    0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
    0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87, 0x78, 0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0f,
};
const gdpr_actor th_dpo = {"dpo-1", "dpo"};
const gdpr_actor th_agent = {"agent-7", "agent"};
const gdpr_actor th_system = {"nightly", "system"};

int64_t
th_clock(void *ctx)
{
    return ((th_store *)ctx)->now;
}

const char *
th_example_policy_path(void)
{
    return TEST_SOURCE_ROOT "/examples/policy.json";
}

int
th_open(th_store *ts, gdpr_engine **out)
{
    gdpr_options opts = GDPR_OPTIONS_INIT;

    opts.path = ts->db;
    opts.key = th_key;
    opts.key_len = sizeof th_key;
    opts.clock = th_clock;
    opts.clock_ctx = ts;
    return gdpr_open(out, &opts);
}

void
th_setup_bare(th_store *ts)
{
    memset(ts, 0, sizeof *ts);
    snprintf(ts->dir, sizeof ts->dir, "/tmp/gdpr-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(ts->dir));
    snprintf(ts->db, sizeof ts->db, "%s/store.db", ts->dir);
    snprintf(ts->keys, sizeof ts->keys, "%s-keys", ts->db);
    ts->now = 1767225600; /* 2026-01-01T00:00:00Z */
    th_ok(th_open(ts, &ts->eng));
}

void
th_setup(th_store *ts)
{
    th_setup_bare(ts);
    th_ok(gdpr_policy_load(ts->eng, &th_dpo, th_example_policy_path()));
}

void
th_reopen(th_store *ts)
{
    gdpr_close(ts->eng);
    ts->eng = NULL;
    th_ok(th_open(ts, &ts->eng));
}

static void
remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[600];

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (unlink(path) != 0)
            remove_tree(path);
    }
    closedir(d);
    rmdir(dir);
}

void
th_teardown(th_store *ts)
{
    if (ts->eng != NULL)
        th_assert_integrity(ts);
    gdpr_close(ts->eng);
    ts->eng = NULL;
    remove_tree(ts->dir);
}

char *
th_read_file(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, len = 0;

    if (f == NULL)
        return NULL;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            buf = realloc(buf, cap);
            ck_assert_ptr_nonnull(buf);
        }
        size_t n = fread(buf + len, 1, 4096, f);
        len += n;
        if (n < 4096)
            break;
    }
    fclose(f);
    buf[len] = '\0';
    if (len_out)
        *len_out = len;
    return buf;
}

int
th_file_contains(const char *path, const void *needle, size_t len)
{
    size_t size = 0;
    char *buf = th_read_file(path, &size);
    int found;

    if (buf == NULL)
        return 0;
    found = memmem(buf, size, needle, len) != NULL;
    free(buf);
    return found;
}

int
th_store_files_contain(const th_store *ts, const void *needle, size_t len)
{
    static const char *const suffixes[] = {"", "-wal", "-journal", "-shm"};
    char path[400];

    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(path, sizeof path, "%s%s", ts->db, suffixes[i]);
        if (th_file_contains(path, needle, len))
            return 1;
        snprintf(path, sizeof path, "%s%s", ts->keys, suffixes[i]);
        if (th_file_contains(path, needle, len))
            return 1;
    }
    return 0;
}

/* Every row of every table, tables by name, rows ordered by all their
 * columns (a stable order whatever the file's layout). TH_DIGEST_SHAPE
 * digests a BLOB by its length only: ciphertexts under fresh nonces and
 * fresh keys then compare equal; and a key row's serial by its type only
 * (a random 63-bit number, lib/store/sqlite/keys.c), and leaves out the
 * store generation (it counts committed transactions: a state reached
 * through a crash and a recovery took more of them than one reached in
 * one go; callers check that it moved); every other value still exactly. */
static int
random_column(const char *name)
{
    return name != NULL && (strcmp(name, "serial") == 0 || strcmp(name, "key_serial") == 0);
}

static void
hash_database(sqlite3 *db, EVP_MD_CTX *md, int mode, const char *const *skip)
{
    sqlite3_stmt *tables = NULL;

    ck_assert_int_eq(sqlite3_prepare_v2(db,
                                        "SELECT name FROM sqlite_schema WHERE type='table'"
                                        " ORDER BY name",
                                        -1, &tables, NULL),
                     SQLITE_OK);
    while (sqlite3_step(tables) == SQLITE_ROW) {
        char sql[600];
        sqlite3_stmt *rows = NULL;
        const char *name = (const char *)sqlite3_column_text(tables, 0);
        int ncol, len, skipped = 0;

        for (size_t i = 0; skip != NULL && skip[i] != NULL; i++)
            skipped |= strcmp(name, skip[i]) == 0;
        if (skipped)
            continue;
        EVP_DigestUpdate(md, name, strlen(name) + 1);
        snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"", name);
        ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &rows, NULL), SQLITE_OK);
        ncol = sqlite3_column_count(rows);
        sqlite3_finalize(rows);
        len = snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"%s ORDER BY 1", name,
                       mode == TH_DIGEST_SHAPE && strcmp(name, "counter") == 0
                           ? " WHERE name <> 'generation'"
                           : "");
        for (int c = 2; c <= ncol && len < (int)sizeof sql - 8; c++)
            len += snprintf(sql + len, sizeof sql - (size_t)len, ",%d", c);
        ck_assert_int_lt(len, (int)sizeof sql - 8);
        ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &rows, NULL), SQLITE_OK);
        while (sqlite3_step(rows) == SQLITE_ROW) {
            for (int c = 0; c < ncol; c++) {
                const void *v = sqlite3_column_blob(rows, c);
                int n = sqlite3_column_bytes(rows, c);
                int type = sqlite3_column_type(rows, c);
                int shape_only =
                    mode == TH_DIGEST_SHAPE &&
                    (type == SQLITE_BLOB || random_column(sqlite3_column_name(rows, c)));
                EVP_DigestUpdate(md, &type, sizeof type);
                if (shape_only && type != SQLITE_BLOB)
                    continue;
                EVP_DigestUpdate(md, &n, sizeof n);
                if (n > 0 && !shape_only)
                    EVP_DigestUpdate(md, v, (size_t)n);
            }
        }
        sqlite3_finalize(rows);
    }
    sqlite3_finalize(tables);
}

sqlite3 *
th_raw_open(const char *path)
{
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    return db;
}

int64_t
th_raw_int(const char *path, const char *sql)
{
    sqlite3 *db = th_raw_open(path);
    sqlite3_stmt *s = NULL;
    int64_t v;

    ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK, "%s: %s", sql,
                  sqlite3_errmsg(db));
    ck_assert_msg(sqlite3_step(s) == SQLITE_ROW, "%s: no row", sql);
    v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

int
th_raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    char *err = NULL;
    int rc, changes;

    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    rc = sqlite3_exec(db, sql, NULL, NULL, &err);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, err ? err : "?");
    changes = sqlite3_changes(db);
    sqlite3_close(db);
    return changes;
}

void
th_fingerprint(const th_store *ts, char out[65])
{
    th_digest(ts, TH_DIGEST_EXACT, out);
}

void
th_digest(const th_store *ts, int mode, char out[65])
{
    th_digest_without(ts, mode, NULL, out);
}

void
th_digest_without(const th_store *ts, int mode, const char *const *tables, char out[65])
{
    const char *paths[2] = {ts->db, ts->keys};
    unsigned char digest[32];
    unsigned int dlen = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();

    ck_assert_ptr_nonnull(md);
    ck_assert_int_eq(EVP_DigestInit_ex(md, EVP_sha256(), NULL), 1);
    for (int i = 0; i < 2; i++) {
        sqlite3 *db = th_raw_open(paths[i]);
        hash_database(db, md, mode, tables);
        sqlite3_close(db);
    }
    ck_assert_int_eq(EVP_DigestFinal_ex(md, digest, &dlen), 1);
    EVP_MD_CTX_free(md);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

void
th_assert_integrity(const th_store *ts)
{
    const char *paths[2] = {ts->db, ts->keys};

    for (int i = 0; i < 2; i++) {
        sqlite3 *db = th_raw_open(paths[i]);
        sqlite3_stmt *s = NULL;
        ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
        ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
        ck_assert_str_eq((const char *)sqlite3_column_text(s, 0), "ok");
        sqlite3_finalize(s);
        sqlite3_close(db);
    }
}

void
th_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

void
th_template_take(const th_store *ts, th_template *t)
{
    t->db = th_read_file(ts->db, &t->db_len);
    t->keys = th_read_file(ts->keys, &t->keys_len);
    ck_assert_ptr_nonnull(t->db);
    ck_assert_ptr_nonnull(t->keys);
}

static void
remove_side_files(const char *base)
{
    static const char *const suffixes[] = {"-wal", "-shm", "-journal"};
    char path[420];

    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(path, sizeof path, "%s%s", base, suffixes[i]);
        unlink(path);
    }
}

void
th_template_restore(const th_store *ts, const th_template *t)
{
    remove_side_files(ts->db);
    remove_side_files(ts->keys);
    th_write_file(ts->db, t->db, t->db_len);
    th_write_file(ts->keys, t->keys, t->keys_len);
}

void
th_template_free(th_template *t)
{
    free(t->db);
    free(t->keys);
    memset(t, 0, sizeof *t);
}

char *
th_changed_policy(void)
{
    char *doc = th_read_file(th_example_policy_path(), NULL), *out;
    const char *at;

    ck_assert_ptr_nonnull(doc);
    at = strstr(doc, "Example CRM Ltd");
    ck_assert_ptr_nonnull(at);
    out = malloc(strlen(doc) + 16);
    ck_assert_ptr_nonnull(out);
    memcpy(out, doc, (size_t)(at - doc));
    strcpy(out + (at - doc), "Example CRM Group");
    strcat(out, at + strlen("Example CRM Ltd"));
    free(doc);
    return out;
}

int
th_count_rekeys(const gdpr_audit_event *ev, void *ctx)
{
    if (strcmp(ev->action, "rekey") == 0)
        (*(int *)ctx)++;
    return 0;
}

int
th_open_with(th_store *ts, const unsigned char *key, int (*key_cb)(unsigned char[32], void *),
             int busy_timeout_ms, gdpr_engine **out)
{
    gdpr_options opts = GDPR_OPTIONS_INIT;

    opts.path = ts->db;
    opts.key = key;
    opts.key_len = 32;
    opts.clock = th_clock;
    opts.clock_ctx = ts;
    if (busy_timeout_ms > 0)
        opts.busy_timeout_ms = busy_timeout_ms;
    opts.key_cb = key_cb;
    return gdpr_open(out, &opts);
}

static void
crash_child(th_store *ts, long n, const th_crash_op *op)
{
    int rc;

    fault_vfs_install();
    if (th_open(ts, &ts->eng) != GDPR_OK)
        _exit(2);
    if (op->prep && op->prep(ts->eng) != GDPR_OK)
        _exit(4);
    if (op->run == NULL) {
        gdpr_close(ts->eng);
        _exit(1);
    }
    fault_vfs_arm(FAULT_CRASH, n);
    rc = op->run(ts->eng);
    fault_vfs_arm(FAULT_CRASH, 0);
    if (op->close)
        gdpr_close(ts->eng);
    _exit(rc == GDPR_OK ? 0 : 3);
}

int
th_crash_fork(th_store *ts, long n, const th_crash_op *op)
{
    int status = 0;
    pid_t pid;

    fflush(NULL);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        crash_child(ts, n, op);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status), "%s, n=%ld: child died by a signal", op->name, n);
    return WEXITSTATUS(status);
}

int
th_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int failed;

    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
