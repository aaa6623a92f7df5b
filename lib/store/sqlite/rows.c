/*
 * Small helpers every lib/store/ file uses to bind and read rows.
 * SPDX-License-Identifier: MIT
 */
#include "sqlite_internal.h"

#include "error.h"

void
gdpr_sqlite__sq_reset(sqlite3_stmt *s)
{
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
}

void
gdpr_sqlite__sq_bind_hash(sqlite3_stmt *s, int col, const uint8_t hash[CRYPTO_HASH_BYTES])
{
    /* SQLITE_STATIC: no copy, so the bind cannot fail for memory; a wrong
     * column number would be a bug the tests catch as a NULL constraint. */
    sqlite3_bind_blob(s, col, hash, CRYPTO_HASH_BYTES, SQLITE_STATIC);
}

void
gdpr_sqlite__sq_bind_text_or_null(sqlite3_stmt *s, int col, const char *text)
{
    if (text != NULL)
        sqlite3_bind_text(s, col, text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, col);
}

void
gdpr_sqlite__sq_bind_blob_or_null(sqlite3_stmt *s, int col, const uint8_t *blob, size_t len)
{
    if (blob != NULL)
        sqlite3_bind_blob(s, col, blob, (int)len, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, col);
}

const char *
gdpr_sqlite__sq_text_or_empty(sqlite3_stmt *s, int col)
{
    const char *t = (const char *)sqlite3_column_text(s, col);
    return t ? t : "";
}

int
gdpr_sqlite__sq_stopped(int stop, const char *what, int64_t id)
{
    if (stop <= 0)
        return stop;
    return gdpr__err_set(GDPR_ECALLBACK, "%s iterator stopped at %lld (returned %d)", what,
                         (long long)id, stop);
}

int
gdpr_sqlite__sq_read_int64(sqlite3_stmt *s, void *ctx)
{
    *(int64_t *)ctx = sqlite3_column_int64(s, 0);
    return GDPR_OK;
}

int
gdpr_sqlite__sq_read_serial(sqlite3_stmt *s, void *ctx)
{
    sq_serial *k = ctx;

    k->has = sqlite3_column_type(s, 0) != SQLITE_NULL;
    k->serial = sqlite3_column_int64(s, 0);
    return GDPR_OK;
}

/* A step failure, with the message of the statement's own connection. */
static int
step_failed(sqlite_store *st, sqlite3_stmt *s, int rc, const char *what)
{
    if (sqlite3_db_handle(s) == st->kdb)
        return gdpr_sqlite__sq_fail_keys(st, rc, what);
    return gdpr_sqlite__sq_fail(st, rc, what);
}

int
gdpr_sqlite__sq_prepare(sqlite_store *st, const char *sql, const char *what, sqlite3_stmt **out)
{
    int rc = sqlite3_prepare_v2(st->db, sql, -1, out, NULL);

    /* On failure *out is NULL: nothing to finalize. */
    return rc == SQLITE_OK ? GDPR_OK : gdpr_sqlite__sq_fail(st, rc, what);
}

int
gdpr_sqlite__sq_cursor(sqlite_store *st, const char *sql, sqlite3_stmt **out, int *own)
{
    int rc = gdpr_sqlite__sq_stmt(st, sql, out);

    *own = SQ_CACHED;
    if (rc != GDPR_OK || !sqlite3_stmt_busy(*out))
        return rc;
    rc = gdpr_sqlite__sq_prepare(st, sql, "preparing a cursor", out);
    *own = rc == GDPR_OK ? SQ_OWN : SQ_CACHED;
    return rc;
}

int
gdpr_sqlite__sq_rows(sqlite_store *st, sqlite3_stmt *s, int own, const char *what, sq_row_fn row,
                     void *ctx)
{
    int result = GDPR_OK;
    int rc;

    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        result = row(s, ctx);
        if (result != GDPR_OK)
            break;
    }
    if (result == GDPR_OK && rc != SQLITE_DONE)
        result = step_failed(st, s, rc, what);
    if (own == SQ_OWN)
        sqlite3_finalize(s);
    else
        gdpr_sqlite__sq_reset(s);
    return result;
}

int
gdpr_sqlite__sq_row(sqlite_store *st, sqlite3_stmt *s, const char *what, int none, sq_row_fn row,
                    void *ctx)
{
    int rc = sqlite3_step(s);
    int result = none;

    if (rc == SQLITE_ROW)
        result = row(s, ctx);
    else if (rc != SQLITE_DONE)
        result = step_failed(st, s, rc, what);
    gdpr_sqlite__sq_reset(s);
    return result;
}

int
gdpr_sqlite__sq_one_int64(sqlite_store *st, sqlite3_stmt *s, const char *what, int64_t *out)
{
    int rc = gdpr_sqlite__sq_row(st, s, what, SQ_NO_ROW, gdpr_sqlite__sq_read_int64, out);

    /* A statement that answers one integer always has a row. */
    return rc == SQ_NO_ROW ? step_failed(st, s, SQLITE_DONE, what) : rc;
}

int
gdpr_sqlite__sq_each(sqlite_store *st, const char *sql, int64_t arg, const char *what,
                     sq_row_fn row, void *ctx)
{
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_prepare(st, sql, what, &s);

    if (rc != GDPR_OK)
        return rc;
    if (sqlite3_bind_parameter_count(s) > 0)
        sqlite3_bind_int64(s, 1, arg);
    return gdpr_sqlite__sq_rows(st, s, SQ_OWN, what, row, ctx);
}

int
gdpr_sqlite__sq_run_hash(sqlite_store *st, const char *const *sql, size_t n,
                         const uint8_t hash[CRYPTO_HASH_BYTES], const char *what,
                         int64_t *changed_out)
{
    int64_t total = 0;

    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *s;
        int rc = gdpr_sqlite__sq_stmt(st, sql[i], &s);
        if (rc != GDPR_OK)
            return rc;
        gdpr_sqlite__sq_bind_hash(s, 1, hash);
        rc = gdpr_sqlite__sq_step_done(st, s, what);
        if (rc != GDPR_OK)
            return rc;
        total += sqlite3_changes64(st->db);
    }
    if (changed_out)
        *changed_out = total;
    return GDPR_OK;
}

int
gdpr_sqlite__sq_document_insert(sqlite_store *st, const char *sql, int64_t at, const char *actor,
                                const uint8_t sha256[CRYPTO_HASH_BYTES], const char *document,
                                const char *what, int64_t *version_out)
{
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st, sql, &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, at);
    sqlite3_bind_text(s, 2, actor, -1, SQLITE_STATIC);
    gdpr_sqlite__sq_bind_hash(s, 3, sha256);
    sqlite3_bind_text(s, 4, document, -1, SQLITE_STATIC);
    rc = gdpr_sqlite__sq_step_done(st, s, what);
    if (rc == GDPR_OK && version_out)
        *version_out = sqlite3_last_insert_rowid(st->db);
    return rc;
}
