/*
 * Rows of the vault capability: identifiers (blind index -> subject),
 * sealed vault records and the sealed host id of a subject. (The scrub,
 * gdpr_store__scrub, lives in sqlite.c with the connections it works on.)
 * SPDX-License-Identifier: MIT
 */
#include "sqlite_internal.h"

#include "rowmac.h"

#include <stdio.h>
#include <string.h>

#include "error.h"

static int
bind_hash(sqlite3_stmt *s, int col, const uint8_t hash[CRYPTO_HASH_BYTES])
{
    return sqlite3_bind_blob(s, col, hash, CRYPTO_HASH_BYTES, SQLITE_STATIC);
}

static void
reset(sqlite3_stmt *s)
{
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
}

/* Non-zero from an iterator: a negative GDPR code passes through, anything
 * else is the host (or caller) asking to stop. */
static int
stopped(int stop, const char *what, int64_t id)
{
    if (stop < 0)
        return stop;
    return gdpr__err_set(GDPR_ECALLBACK, "%s iterator stopped at row %lld (returned %d)", what,
                         (long long)id, stop);
}

/* A statement to iterate with: the cached one, or, when fn re-entered the
 * store and that one is mid-iteration already (a host callback calling
 * the library), a fresh one of our own (*own = 1). */
static int
cursor(sqlite_store *st, const char *sql, sqlite3_stmt **out, int *own)
{
    int rc = gdpr_sqlite__sq_stmt(st, sql, out);

    *own = 0;
    if (rc != GDPR_OK || !sqlite3_stmt_busy(*out))
        return rc;
    rc = sqlite3_prepare_v2(st->db, sql, -1, out, NULL);
    if (rc != SQLITE_OK)
        return gdpr_sqlite__sq_fail(st, rc, "preparing a cursor");
    *own = 1;
    return GDPR_OK;
}

static void
cursor_done(sqlite3_stmt *s, int own)
{
    if (own)
        sqlite3_finalize(s);
    else
        reset(s);
}

/* --- identities ------------------------------------------------------ */

int
gdpr_sqlite__identity_find(store *base, const uint8_t ident_hash[CRYPTO_HASH_BYTES],
                           uint8_t subject_hash_out[CRYPTO_HASH_BYTES])
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(
        st, "SELECT subject, id, kind, mac FROM main.identity WHERE hash=?1", &s);
    int result = GDPR_OK;

    if (rc != GDPR_OK)
        return rc;
    bind_hash(s, 1, ident_hash);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(s, 1);
        char what[48];
        snprintf(what, sizeof what, "identity row %lld", (long long)id);
        if (sqlite3_column_bytes(s, 0) != (int)CRYPTO_HASH_BYTES)
            result = gdpr__err_set(GDPR_ECORRUPT, "%s: subject hash has the wrong length", what);
        if (result == GDPR_OK && st->base.row_mac != NULL) {
            uint8_t mac[CRYPTO_HASH_BYTES];
            result = gdpr_sqlite__identity_mac(st, id, ident_hash, sqlite3_column_blob(s, 0),
                                               gdpr_sqlite__sq_text_or_empty(s, 2), mac);
            if (result == GDPR_OK)
                result = gdpr_sqlite__row_mac_check(st, mac, sqlite3_column_blob(s, 3),
                                                    sqlite3_column_bytes(s, 3), what);
        }
        if (result == GDPR_OK)
            memcpy(subject_hash_out, sqlite3_column_blob(s, 0), CRYPTO_HASH_BYTES);
    } else if (rc == SQLITE_DONE) {
        result = GDPR_ENOTFOUND;
    } else {
        result = gdpr_sqlite__sq_fail(st, rc, "finding an identifier");
    }
    reset(s);
    return result;
}

int
gdpr_sqlite__identity_insert(store *base, int64_t id, const uint8_t ident_hash[CRYPTO_HASH_BYTES],
                             const uint8_t subject_hash[CRYPTO_HASH_BYTES], const char *kind,
                             const uint8_t *sealed, size_t sealed_len, int64_t created)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc =
        gdpr_sqlite__sq_stmt(st,
                             "INSERT INTO main.identity(id, hash, subject, kind, created, value,"
                             " mac) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                             &s);
    uint8_t mac[CRYPTO_HASH_BYTES];

    if (rc == GDPR_OK && st->base.row_mac != NULL)
        rc = gdpr_sqlite__identity_mac(st, id, ident_hash, subject_hash, kind, mac);
    if (rc != GDPR_OK)
        return rc;
    if (st->base.row_mac != NULL)
        sqlite3_bind_blob(s, 7, mac, sizeof mac, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 1, id);
    bind_hash(s, 2, ident_hash);
    bind_hash(s, 3, subject_hash);
    sqlite3_bind_text(s, 4, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, created);
    sqlite3_bind_blob(s, 6, sealed, (int)sealed_len, SQLITE_STATIC);
    return gdpr_sqlite__sq_step_done(st, s, "linking an identifier");
}

int
gdpr_sqlite__identity_foreach(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                              int (*fn)(const store_identity_row *row, void *ctx), void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    static const char sql[] = "SELECT id, kind, created, value FROM main.identity"
                              " WHERE subject=?1 ORDER BY id";
    sqlite3_stmt *s = NULL;
    int own = 0;
    int rc = cursor(st, sql, &s, &own);
    int result = GDPR_OK;

    if (rc != GDPR_OK)
        return rc;
    bind_hash(s, 1, subject_hash);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        store_identity_row row;
        int stop;

        row.id = sqlite3_column_int64(s, 0);
        row.kind = (const char *)sqlite3_column_text(s, 1);
        row.created = sqlite3_column_int64(s, 2);
        row.value = sqlite3_column_blob(s, 3);
        row.value_len = (size_t)sqlite3_column_bytes(s, 3);
        if (row.kind == NULL || row.value == NULL) {
            result = gdpr__err_set(GDPR_ECORRUPT, "identity %lld: damaged row", (long long)row.id);
            break;
        }
        stop = fn(&row, ctx);
        if (stop != 0) {
            result = stopped(stop, "identity", row.id);
            break;
        }
    }
    if (result == GDPR_OK && rc != SQLITE_DONE)
        result = gdpr_sqlite__sq_fail(st, rc, "listing identifiers");
    cursor_done(s, own);
    return result;
}

int
gdpr_sqlite__identity_delete_subject(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                     int64_t *count_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st, "DELETE FROM main.identity WHERE subject=?1", &s);

    if (rc != GDPR_OK)
        return rc;
    bind_hash(s, 1, subject_hash);
    rc = gdpr_sqlite__sq_step_done(st, s, "deleting identifiers");
    if (rc == GDPR_OK && count_out)
        *count_out = sqlite3_changes64(st->db);
    return rc;
}

int
gdpr_sqlite__subject_ident(store *base, const uint8_t hash[CRYPTO_HASH_BYTES], uint8_t *buf,
                           size_t cap, size_t *len_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st, "SELECT ident FROM main.subject WHERE hash=?1", &s);
    int result = GDPR_OK;

    if (rc != GDPR_OK)
        return rc;
    bind_hash(s, 1, hash);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        size_t len = (size_t)sqlite3_column_bytes(s, 0);
        if (len > cap)
            result = gdpr__err_set(GDPR_ECORRUPT, "subject: sealed id of %zu bytes, at most %zu",
                                   len, cap);
        else if (len > 0)
            memcpy(buf, sqlite3_column_blob(s, 0), len);
        *len_out = len;
    } else if (rc == SQLITE_DONE) {
        result = gdpr__err_set(GDPR_ENOTFOUND, "subject: unknown");
    } else {
        result = gdpr_sqlite__sq_fail(st, rc, "reading a subject");
    }
    reset(s);
    return result;
}

/* --- vault records ------------------------------------------------------ */

#define VAULT_COLUMNS                                                                              \
    "id, subject, category, purpose, field, source, collected, updated, anchor, due,"              \
    " special, value"

static int
read_vault_row(sqlite3_stmt *s, store_vault_row *row)
{
    row->id = sqlite3_column_int64(s, 0);
    row->subject = sqlite3_column_blob(s, 1);
    row->category = (const char *)sqlite3_column_text(s, 2);
    row->purpose = (const char *)sqlite3_column_text(s, 3);
    row->field = (const char *)sqlite3_column_text(s, 4);
    row->source = (const char *)sqlite3_column_text(s, 5);
    row->collected = sqlite3_column_int64(s, 6);
    row->updated = sqlite3_column_int64(s, 7);
    row->anchor = sqlite3_column_int64(s, 8);
    row->has_due = sqlite3_column_type(s, 9) != SQLITE_NULL;
    row->due = sqlite3_column_int64(s, 9);
    row->special = sqlite3_column_int(s, 10);
    row->value = sqlite3_column_blob(s, 11);
    row->value_len = (size_t)sqlite3_column_bytes(s, 11);
    if (row->subject == NULL || sqlite3_column_bytes(s, 1) != (int)CRYPTO_HASH_BYTES ||
        row->category == NULL || row->purpose == NULL || row->value == NULL)
        return gdpr__err_set(GDPR_ECORRUPT, "vault record %lld: damaged row", (long long)row->id);
    return GDPR_OK;
}

int
gdpr_sqlite__vault_insert(store *base, const store_vault_row *row)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st,
                                  "INSERT INTO main.vault(" VAULT_COLUMNS ")"
                                  " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                                  &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, row->id);
    bind_hash(s, 2, row->subject);
    sqlite3_bind_text(s, 3, row->category, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, row->purpose, -1, SQLITE_STATIC);
    if (row->field)
        sqlite3_bind_text(s, 5, row->field, -1, SQLITE_STATIC);
    if (row->source)
        sqlite3_bind_text(s, 6, row->source, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 7, row->collected);
    sqlite3_bind_int64(s, 8, row->updated);
    if (row->anchor != 0)
        sqlite3_bind_int64(s, 9, row->anchor);
    if (row->has_due)
        sqlite3_bind_int64(s, 10, row->due);
    sqlite3_bind_int(s, 11, row->special);
    sqlite3_bind_blob(s, 12, row->value, (int)row->value_len, SQLITE_STATIC);
    return gdpr_sqlite__sq_step_done(st, s, "storing a vault record");
}

int
gdpr_sqlite__vault_get(store *base, int64_t id, store_vault_fn fn, void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st, "SELECT " VAULT_COLUMNS " FROM main.vault WHERE id=?1", &s);
    int result;

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        store_vault_row row;
        result = read_vault_row(s, &row);
        if (result == GDPR_OK) {
            int stop = fn(&row, ctx);
            if (stop != 0)
                result = stopped(stop, "vault", id);
        }
    } else if (rc == SQLITE_DONE) {
        result = gdpr__err_set(GDPR_ENOTFOUND, "record: %lld is not a vault record", (long long)id);
    } else {
        result = gdpr_sqlite__sq_fail(st, rc, "reading a vault record");
    }
    reset(s);
    return result;
}

int
gdpr_sqlite__vault_foreach(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                           store_vault_fn fn, void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    static const char sql[] = "SELECT " VAULT_COLUMNS " FROM main.vault"
                              " WHERE subject=?1 ORDER BY id";
    sqlite3_stmt *s = NULL;
    int own = 0;
    int rc = cursor(st, sql, &s, &own);
    int result = GDPR_OK;

    if (rc != GDPR_OK)
        return rc;
    bind_hash(s, 1, subject_hash);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        store_vault_row row;
        int stop;

        result = read_vault_row(s, &row);
        if (result != GDPR_OK)
            break;
        stop = fn(&row, ctx);
        if (stop != 0) {
            result = stopped(stop, "vault", row.id);
            break;
        }
    }
    if (result == GDPR_OK && rc != SQLITE_DONE)
        result = gdpr_sqlite__sq_fail(st, rc, "listing vault records");
    cursor_done(s, own);
    return result;
}

static int
changed_one(sqlite_store *st, int rc, int64_t id)
{
    if (rc == GDPR_OK && sqlite3_changes64(st->db) == 0)
        return gdpr__err_set(GDPR_ENOTFOUND, "record: %lld is not a vault record", (long long)id);
    return rc;
}

int
gdpr_sqlite__vault_update_value(store *base, int64_t id, const uint8_t *sealed, size_t sealed_len,
                                int64_t updated)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st, "UPDATE main.vault SET value=?2, updated=?3 WHERE id=?1", &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_blob(s, 2, sealed, (int)sealed_len, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, updated);
    return changed_one(st, gdpr_sqlite__sq_step_done(st, s, "rectifying a vault record"), id);
}

/* A record's retention state goes with it, and its open review task (if
 * any) is closed as "record gone" (status 4). Done here for every delete
 * of vault rows, in the same transaction (schema 11 dropped the trigger
 * that did it). `sql_review` and `sql_state` select by `?1`. */
static int
follow_vault_delete(sqlite_store *st, const char *sql_review, const char *sql_state,
                    const uint8_t *subject_hash, int64_t id)
{
    const char *sql[] = {sql_review, sql_state};
    int rc = GDPR_OK;

    for (size_t i = 0; i < 2 && rc == GDPR_OK; i++) {
        sqlite3_stmt *s;
        rc = gdpr_sqlite__sq_stmt(st, sql[i], &s);
        if (rc != GDPR_OK)
            break;
        if (subject_hash != NULL)
            bind_hash(s, 1, subject_hash);
        else
            sqlite3_bind_int64(s, 1, id);
        rc = gdpr_sqlite__sq_step_done(st, s, "closing the retention state of deleted records");
    }
    return rc;
}

int
gdpr_sqlite__vault_delete(store *base, int64_t id)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st, "DELETE FROM main.vault WHERE id=?1", &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    rc = changed_one(st, gdpr_sqlite__sq_step_done(st, s, "deleting a vault record"), id);
    if (rc == GDPR_OK)
        rc = follow_vault_delete(st,
                                 "UPDATE main.retention_review SET status = 4 WHERE id ="
                                 " (SELECT review FROM main.retention_state WHERE record = ?1)"
                                 " AND status = 1",
                                 "DELETE FROM main.retention_state WHERE record = ?1", NULL, id);
    return rc;
}

int
gdpr_sqlite__vault_delete_subject(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                  int64_t *count_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = follow_vault_delete(st,
                                 "UPDATE main.retention_review SET status = 4 WHERE status = 1"
                                 " AND id IN (SELECT r.review FROM main.retention_state r"
                                 " JOIN main.vault v ON v.id = r.record WHERE v.subject = ?1)",
                                 "DELETE FROM main.retention_state WHERE record IN"
                                 " (SELECT id FROM main.vault WHERE subject = ?1)",
                                 subject_hash, 0);

    if (rc == GDPR_OK)
        rc = gdpr_sqlite__sq_stmt(st, "DELETE FROM main.vault WHERE subject=?1", &s);
    if (rc != GDPR_OK)
        return rc;
    bind_hash(s, 1, subject_hash);
    rc = gdpr_sqlite__sq_step_done(st, s, "deleting vault records");
    if (rc == GDPR_OK && count_out)
        *count_out = sqlite3_changes64(st->db);
    return rc;
}

int
gdpr_sqlite__vault_set_due(store *base, int64_t id, int has_due, int64_t due)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st, "UPDATE main.vault SET due=?2 WHERE id=?1", &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    if (has_due)
        sqlite3_bind_int64(s, 2, due);
    return changed_one(st, gdpr_sqlite__sq_step_done(st, s, "setting a due time"), id);
}
