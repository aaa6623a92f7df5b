/*
 * The SQLite connection: open, pragmas, transactions, statement cache.
 * SPDX-License-Identifier: MIT
 */
#include "store/internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"

int
store_fail(store *st, int sqlite_rc, const char *what)
{
    const char *detail = st && st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(sqlite_rc);
    int code;

    switch (sqlite_rc & 0xFF) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        code = GDPR_EBUSY;
        break;
    case SQLITE_NOMEM:
        code = GDPR_ENOMEM;
        break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        code = GDPR_ECORRUPT;
        break;
    case SQLITE_CONSTRAINT:
        code = GDPR_EEXISTS;
        break;
    default:
        code = GDPR_ESTORAGE;
        break;
    }
    return err_set(code, "%s: SQLite error %d: %s", what, sqlite_rc, detail);
}

int
store_exec(store *st, const char *sql)
{
    int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);

    if (rc != SQLITE_OK)
        return store_fail(st, rc, "store");
    return GDPR_OK;
}

int
store_stmt(store *st, const char *sql, sqlite3_stmt **out)
{
    size_t slot = ((uintptr_t)sql >> 3) % STORE_STMT_SLOTS;
    sqlite3_stmt *s = NULL;
    int rc;

    for (size_t probe = 0; probe < STORE_STMT_SLOTS; probe++) {
        store_cached_stmt *c = &st->cache[(slot + probe) % STORE_STMT_SLOTS];
        if (c->sql == sql) {
            *out = c->stmt;
            return GDPR_OK;
        }
        if (c->sql == NULL) {
            rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);
            if (rc != SQLITE_OK)
                return store_fail(st, rc, "prepare");
            c->sql = sql;
            c->stmt = s;
            *out = s;
            return GDPR_OK;
        }
    }
    /* Table full: more distinct statements than slots is a build error in
     * spirit; fall back to failing loudly rather than leaking. */
    return err_set(GDPR_ESTORAGE, "statement cache full (%d)", STORE_STMT_SLOTS);
}

int
store_step_done(store *st, sqlite3_stmt *s, const char *what)
{
    int rc = sqlite3_step(s);
    int result = GDPR_OK;

    if (rc != SQLITE_DONE)
        result = store_fail(st, rc, what);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return result;
}

static int
file_has_content(const char *path)
{
    struct stat sb;

    return stat(path, &sb) == 0 && sb.st_size > 0;
}

static int
exec_pragma(store *st, const char *sql)
{
    int rc = store_exec(st, sql);

    if (rc != GDPR_OK)
        return err_wrap(rc, "opening store (%s)", sql);
    return GDPR_OK;
}

/* journal_mode answers with the mode it got: WAL may be refused (e.g. on a
 * file system without shared memory), which we report instead of running
 * in a mode whose journal keeps deleted pages. */
static int
set_wal(store *st, const char *schema)
{
    char sql[64];
    sqlite3_stmt *s = NULL;
    int rc, result = GDPR_OK;

    snprintf(sql, sizeof sql, "PRAGMA %s.journal_mode=WAL", schema);
    rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_fail(st, rc, "journal_mode");
    rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        result = store_fail(st, rc, "journal_mode");
    } else {
        const char *mode = (const char *)sqlite3_column_text(s, 0);
        if (mode == NULL || (strcmp(mode, "wal") != 0 && !st->in_memory))
            result = err_set(GDPR_ESTORAGE, "%s: journal_mode is '%s', WAL is required",
                             schema, mode ? mode : "?");
    }
    sqlite3_finalize(s);
    return result;
}

static int
configure(store *st, const store_config *cfg)
{
    char sql[4200];
    int rc;

    rc = sqlite3_busy_timeout(st->db, cfg->busy_timeout_ms > 0 ? cfg->busy_timeout_ms : 5000);
    if (rc != SQLITE_OK)
        return store_fail(st, rc, "busy_timeout");
    sqlite3_extended_result_codes(st->db, 1);
    rc = exec_pragma(st, "PRAGMA trusted_schema=OFF; PRAGMA foreign_keys=ON;"
                         " PRAGMA temp_store=MEMORY");
    if (rc != GDPR_OK)
        return rc;
    /* secure_delete is per connection and per schema: set it on both
     * every time, never trusting a build default. */
    rc = exec_pragma(st, "PRAGMA main.secure_delete=ON");
    if (rc != GDPR_OK)
        return rc;
    sqlite3_snprintf((int)sizeof sql, sql, "ATTACH %Q AS ks", cfg->keystore_path);
    rc = exec_pragma(st, sql);
    if (rc != GDPR_OK)
        return rc;
    rc = exec_pragma(st, "PRAGMA ks.secure_delete=ON");
    if (rc == GDPR_OK)
        rc = set_wal(st, "main");
    if (rc == GDPR_OK)
        rc = set_wal(st, "ks");
    if (rc == GDPR_OK)
        rc = exec_pragma(st, "PRAGMA main.synchronous=FULL; PRAGMA ks.synchronous=FULL");
    return rc;
}

static int
read_user_version(store *st, const char *schema, int *out)
{
    char sql[64];
    sqlite3_stmt *s = NULL;
    int rc, result = GDPR_OK;

    snprintf(sql, sizeof sql, "PRAGMA %s.user_version", schema);
    rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_fail(st, rc, "user_version");
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int(s, 0);
    else
        result = store_fail(st, rc, "user_version");
    sqlite3_finalize(s);
    return result;
}

int
store_schema_version(store *st, int *version_out)
{
    return read_user_version(st, "main", version_out);
}

static int
check_versions(store *st, int *is_new)
{
    int data_version = 0, keys_version = 0;
    int rc = read_user_version(st, "main", &data_version);

    if (rc == GDPR_OK)
        rc = read_user_version(st, "ks", &keys_version);
    if (rc != GDPR_OK)
        return rc;
    if (data_version > store_schema_latest() || keys_version > store_schema_latest())
        return err_set(GDPR_EVERSION, "store: schema version %d was written by a newer "
                       "libgdpr (this one knows up to %d)",
                       data_version > keys_version ? data_version : keys_version,
                       store_schema_latest());
    *is_new = data_version == 0;
    if (*is_new && keys_version != 0)
        return err_set(GDPR_ECORRUPT, "keystore: holds keys of another store; "
                       "give a new data file its own keystore");
    if (!*is_new && keys_version == 0)
        return err_set(GDPR_ECORRUPT, "keystore: missing or empty for an existing store");
    return GDPR_OK;
}

int
store_open(store **out, const store_config *cfg, int *is_new)
{
    store *st = calloc(1, sizeof *st);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
                SQLITE_OPEN_EXRESCODE;
    int rc;

    if (st == NULL)
        return err_set(GDPR_ENOMEM, "out of memory opening the store");
    st->in_memory = strcmp(cfg->path, ":memory:") == 0;
    /* SQLite would create an empty keystore on ATTACH and hide the loss of
     * the real one: refuse before touching anything. */
    if (!st->in_memory && file_has_content(cfg->path) &&
        strcmp(cfg->keystore_path, ":memory:") != 0 && !file_has_content(cfg->keystore_path)) {
        free(st);
        return err_set(GDPR_ECORRUPT, "keystore_path: '%s' is missing or empty for the "
                       "existing store '%s'", cfg->keystore_path, cfg->path);
    }
    rc = sqlite3_open_v2(cfg->path, &st->db, flags, NULL);
    if (rc != SQLITE_OK) {
        rc = store_fail(st, rc, "path");
        store_close(st);
        return rc;
    }
    rc = configure(st, cfg);
    if (rc == GDPR_OK)
        rc = check_versions(st, is_new);
    if (rc != GDPR_OK) {
        store_close(st);
        return rc;
    }
    *out = st;
    return GDPR_OK;
}

void
store_close(store *st)
{
    if (st == NULL)
        return;
    for (int i = 0; i < STORE_STMT_SLOTS; i++)
        sqlite3_finalize(st->cache[i].stmt);
    if (st->db != NULL) {
        if (st->depth > 0)
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close_v2(st->db);
    }
    free(st);
}

int
store_integrity_check(store *st)
{
    static const char *const schemas[] = { "main", "ks" };

    for (size_t i = 0; i < 2; i++) {
        char sql[64];
        sqlite3_stmt *s = NULL;
        int rc, result = GDPR_OK;

        snprintf(sql, sizeof sql, "PRAGMA %s.integrity_check", schemas[i]);
        rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
        if (rc != SQLITE_OK)
            return store_fail(st, rc, "integrity_check");
        rc = sqlite3_step(s);
        if (rc != SQLITE_ROW) {
            result = store_fail(st, rc, "integrity_check");
        } else {
            const char *answer = (const char *)sqlite3_column_text(s, 0);
            if (answer == NULL || strcmp(answer, "ok") != 0)
                result = err_set(GDPR_ECORRUPT, "%s: integrity_check: %s", schemas[i],
                                 answer ? answer : "?");
        }
        sqlite3_finalize(s);
        if (result != GDPR_OK)
            return result;
    }
    return GDPR_OK;
}

int
store_begin(store *st)
{
    char sql[48];
    int rc;

    if (st->depth == 0)
        snprintf(sql, sizeof sql, "BEGIN IMMEDIATE");
    else
        snprintf(sql, sizeof sql, "SAVEPOINT s%d", st->depth);
    rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return store_fail(st, rc, "begin transaction");
    st->depth++;
    return GDPR_OK;
}

int
store_commit(store *st)
{
    char sql[48];
    int rc;

    if (st->depth == 1)
        snprintf(sql, sizeof sql, "COMMIT");
    else
        snprintf(sql, sizeof sql, "RELEASE s%d", st->depth - 1);
    rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        rc = store_fail(st, rc, "commit");
        store_rollback(st);
        return rc;
    }
    st->depth--;
    return GDPR_OK;
}

void
store_rollback(store *st)
{
    char sql[64];

    if (st->depth == 0)
        return;
    if (st->depth == 1)
        snprintf(sql, sizeof sql, "ROLLBACK");
    else
        snprintf(sql, sizeof sql, "ROLLBACK TO s%d; RELEASE s%d", st->depth - 1, st->depth - 1);
    /* A failed ROLLBACK leaves SQLite in autocommit (it rolled back by
     * itself); the caller's original error is the one to report. */
    sqlite3_exec(st->db, sql, NULL, NULL, NULL);
    st->depth--;
    /* After some errors (SQLITE_FULL, IOERR, NOMEM) SQLite has already
     * rolled back the whole transaction: no level is open any more. */
    if (sqlite3_get_autocommit(st->db))
        st->depth = 0;
}

int
store_depth(const store *st)
{
    return st->depth;
}
