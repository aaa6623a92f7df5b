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
    if (stop < 0)
        return stop;
    return gdpr__err_set(GDPR_ECALLBACK, "%s iterator stopped at %lld (returned %d)", what,
                         (long long)id, stop);
}

int
gdpr_sqlite__sq_one_int64(sqlite_store *st, sqlite3_stmt *s, const char *what, int64_t *out)
{
    int rc = sqlite3_step(s);

    if (rc != SQLITE_ROW) {
        gdpr_sqlite__sq_reset(s);
        return gdpr_sqlite__sq_fail(st, rc, what);
    }
    *out = sqlite3_column_int64(s, 0);
    gdpr_sqlite__sq_reset(s);
    return GDPR_OK;
}
