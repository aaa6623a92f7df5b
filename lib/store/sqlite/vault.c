/*
 * Rows of the vault capability: identifiers (blind index -> subject),
 * sealed vault records and the sealed host id of a subject. (The scrub,
 * gdpr_store__scrub, lives in sqlite.c with the connections it works on.)
 * SPDX-License-Identifier: MIT
 */
#include "store_shared.h"
#include "sqlite_internal.h"

#include "rowmac.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* Every row of `sql` selected by the subject hash (?1), to `row`, with a
 * cursor (gdpr_sqlite__sq_cursor). */
static int
walk_subject(sqlite_store *st, const char *sql, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
             const char *what, sq_row_fn row, void *ctx)
{
    sqlite3_stmt *s = NULL;
    int own = SQ_CACHED;
    int rc = gdpr_sqlite__sq_cursor(st, sql, &s, &own);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, subject_hash);
    return gdpr_sqlite__sq_rows(st, s, own, what, row, ctx);
}

/* --- identities ------------------------------------------------------ */

/* An identity row: the subject it points at (column 0), checked against
 * the row's MAC (columns 1-3) before it is followed. */
typedef struct {
    sqlite_store *st;
    const uint8_t *ident_hash;
    uint8_t *subject_out;
} identity_lookup;

static int
read_identity(sqlite3_stmt *s, void *ctx)
{
    identity_lookup *l = ctx;
    int64_t id = sqlite3_column_int64(s, 1);
    char what[48];
    int rc = GDPR_OK;

    snprintf(what, sizeof what, "identity row %lld", (long long)id);
    if (sqlite3_column_bytes(s, 0) != (int)CRYPTO_HASH_BYTES)
        return gdpr__err_set(GDPR_ECORRUPT, "%s: subject hash has the wrong length", what);
    if (l->st->base.row_mac != NULL) {
        uint8_t mac[CRYPTO_HASH_BYTES];
        rc = gdpr_store__identity_mac(&l->st->base, id, l->ident_hash, sqlite3_column_blob(s, 0),
                                      gdpr_sqlite__sq_text_or_empty(s, 2), mac);
        if (rc == GDPR_OK)
            rc = gdpr_sqlite__row_mac_check(l->st, mac, sqlite3_column_blob(s, 3),
                                            sqlite3_column_bytes(s, 3), what);
    }
    if (rc == GDPR_OK)
        memcpy(l->subject_out, sqlite3_column_blob(s, 0), CRYPTO_HASH_BYTES);
    return rc;
}

int
gdpr_sqlite__identity_find(store *base, const uint8_t ident_hash[CRYPTO_HASH_BYTES],
                           uint8_t subject_hash_out[CRYPTO_HASH_BYTES])
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    identity_lookup look = {st, ident_hash, subject_hash_out};
    int rc =
        gdpr_sqlite__sq_stmt(st,
                             "SELECT s.hash, i.id, i.kind, i.mac FROM main.identity i"
                             " LEFT JOIN main.subject s ON s.id = i.subject_id WHERE i.hash=?1",
                             &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, ident_hash);
    return gdpr_sqlite__sq_row(st, s, "finding an identifier", GDPR_ENOTFOUND, read_identity,
                               &look);
}

int
gdpr_sqlite__identity_insert(store *base, int64_t id, const uint8_t ident_hash[CRYPTO_HASH_BYTES],
                             const uint8_t subject_hash[CRYPTO_HASH_BYTES], const char *kind,
                             const uint8_t *sealed, size_t sealed_len, int64_t created)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(
        st,
        "INSERT INTO main.identity(id, hash, subject_id, kind, created,"
        " value, mac) VALUES(?1, ?2, " SQ_SUBJECT_ID_CACHED("8", "3") ", ?4, ?5, ?6, ?7)",
        &s);
    uint8_t mac[CRYPTO_HASH_BYTES];

    if (rc == GDPR_OK && st->base.row_mac != NULL)
        rc = gdpr_store__identity_mac(&st->base, id, ident_hash, subject_hash, kind, mac);
    if (rc != GDPR_OK)
        return rc;
    if (st->base.row_mac != NULL)
        sqlite3_bind_blob(s, 7, mac, sizeof mac, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 1, id);
    gdpr_sqlite__sq_bind_hash(s, 2, ident_hash);
    gdpr_sqlite__sq_bind_hash(s, 3, subject_hash);
    sqlite3_bind_text(s, 4, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, created);
    sqlite3_bind_blob(s, 6, sealed, (int)sealed_len, SQLITE_STATIC);
    gdpr_sqlite__sq_bind_subject_cached(st, s, 8, subject_hash);
    return gdpr_sqlite__sq_step_done(st, s, "linking an identifier");
}

typedef struct {
    int (*fn)(const store_identity_row *row, void *ctx);
    void *ctx;
} identity_cb;

static int
identity_row(sqlite3_stmt *s, void *c)
{
    const identity_cb *cb = c;
    store_identity_row row;

    row.id = sqlite3_column_int64(s, 0);
    row.kind = (const char *)sqlite3_column_text(s, 1);
    row.created = sqlite3_column_int64(s, 2);
    row.value = sqlite3_column_blob(s, 3);
    row.value_len = (size_t)sqlite3_column_bytes(s, 3);
    if (row.kind == NULL || row.value == NULL)
        return gdpr__err_set(GDPR_ECORRUPT, "identity %lld: damaged row", (long long)row.id);
    return gdpr_sqlite__sq_stopped(cb->fn(&row, cb->ctx), "identity", row.id);
}

int
gdpr_sqlite__identity_foreach(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                              int (*fn)(const store_identity_row *row, void *ctx), void *ctx)
{
    static const char sql[] = "SELECT id, kind, created, value FROM main.identity"
                              " WHERE subject_id=" SQ_SUBJECT_ID_1 " ORDER BY id";

    return walk_subject((sqlite_store *)base, sql, subject_hash, "listing identifiers",
                        identity_row, &(identity_cb){fn, ctx});
}

int
gdpr_sqlite__identity_delete_subject(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                     int64_t *count_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc =
        gdpr_sqlite__sq_stmt(st, "DELETE FROM main.identity WHERE subject_id=" SQ_SUBJECT_ID_1, &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, subject_hash);
    rc = gdpr_sqlite__sq_step_done(st, s, "deleting identifiers");
    if (rc == GDPR_OK && count_out)
        *count_out = sqlite3_changes64(st->db);
    return rc;
}

typedef struct {
    uint8_t *buf;
    size_t cap;
    size_t *len_out;
} ident_buf;

static int
read_ident(sqlite3_stmt *s, void *ctx)
{
    const ident_buf *b = ctx;
    size_t len = (size_t)sqlite3_column_bytes(s, 0);
    int rc = GDPR_OK;

    if (len > b->cap)
        rc = gdpr__err_set(GDPR_ECORRUPT, "subject: sealed id of %zu bytes, at most %zu", len,
                           b->cap);
    else if (len > 0)
        memcpy(b->buf, sqlite3_column_blob(s, 0), len);
    *b->len_out = len;
    return rc;
}

int
gdpr_sqlite__subject_ident(store *base, const uint8_t hash[CRYPTO_HASH_BYTES], uint8_t *buf,
                           size_t cap, size_t *len_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st, "SELECT ident FROM main.subject WHERE hash=?1", &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, hash);
    rc = gdpr_sqlite__sq_row(st, s, "reading a subject", SQ_NO_ROW, read_ident,
                             &(ident_buf){buf, cap, len_out});
    if (rc == SQ_NO_ROW)
        return gdpr__err_set(GDPR_ENOTFOUND, "subject: unknown");
    return rc;
}

/* --- vault records ------------------------------------------------------ */

/* The vault names its subject by id (schema step 27); a row is read with
 * the subject's hash, whose key opens the value. */
#define VAULT_COLUMNS_AFTER_SUBJECT                                                                \
    "category, purpose, field, source, collected, updated, anchor, due, special, value"
/* A LEFT JOIN on the subject's rowid: a row whose subject row is missing
 * reads with a NULL hash (refused as damaged), not as no row. */
#define VAULT_SELECT                                                                               \
    "SELECT v.id, s.hash, v.category, v.purpose, v.field, v.source, v.collected, v.updated,"       \
    " v.anchor, v.due, v.special, v.value FROM main.vault v"                                       \
    " LEFT JOIN main.subject s ON s.id = v.subject_id"

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

typedef struct {
    store_vault_fn fn;
    void *ctx;
} vault_cb;

static int
vault_row(sqlite3_stmt *s, void *c)
{
    const vault_cb *cb = c;
    store_vault_row row;
    int rc = read_vault_row(s, &row);

    if (rc != GDPR_OK)
        return rc;
    return gdpr_sqlite__sq_stopped(cb->fn(&row, cb->ctx), "vault", row.id);
}

int
gdpr_sqlite__vault_insert(store *base, const store_vault_row *row)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc =
        gdpr_sqlite__sq_stmt(st,
                             "INSERT INTO main.vault(id, subject_id, " VAULT_COLUMNS_AFTER_SUBJECT
                             ") VALUES(?1, " SQ_SUBJECT_ID_CACHED(
                                 "13", "2") ","
                                            " ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                             &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, row->id);
    gdpr_sqlite__sq_bind_hash(s, 2, row->subject);
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
    gdpr_sqlite__sq_bind_subject_cached(st, s, 13, row->subject);
    return gdpr_sqlite__sq_step_done(st, s, "storing a vault record");
}

int
gdpr_sqlite__vault_get(store *base, int64_t id, store_vault_fn fn, void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st, VAULT_SELECT " WHERE v.id=?1", &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    rc = gdpr_sqlite__sq_row(st, s, "reading a vault record", SQ_NO_ROW, vault_row,
                             &(vault_cb){fn, ctx});
    if (rc == SQ_NO_ROW)
        return gdpr__err_set(GDPR_ENOTFOUND, "record: %lld is not a vault record", (long long)id);
    return rc;
}

int
gdpr_sqlite__vault_foreach(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                           store_vault_fn fn, void *ctx)
{
    /* the subject's rows by its id: their hash is the one bound */
    static const char sql[] = "SELECT id, ?1, " VAULT_COLUMNS_AFTER_SUBJECT " FROM main.vault"
                              " WHERE subject_id=" SQ_SUBJECT_ID_1 " ORDER BY id";

    return walk_subject((sqlite_store *)base, sql, subject_hash, "listing vault records", vault_row,
                        &(vault_cb){fn, ctx});
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
 * any) is closed as "record gone" (status 4): what the trigger of schema 8
 * did row by row (schema 11 dropped it), done here set-based for every
 * delete of vault rows, in the same transaction. For a subject's records
 * one statement deletes their retention state, returning the review each
 * pointed at; only those reviews are then touched. One record takes
 * follow_one_delete below.
 * tests/test-retention.c compares the result with the trigger's. */
typedef struct {
    int64_t *ids;
    size_t n, cap;
} review_list;

static int
read_review(sqlite3_stmt *s, void *ctx)
{
    review_list *l = ctx;

    if (sqlite3_column_type(s, 0) == SQLITE_NULL)
        return GDPR_OK;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        int64_t *grown = realloc(l->ids, cap * sizeof *grown);
        if (grown == NULL)
            return gdpr__err_set(GDPR_ENOMEM, "out of memory closing retention reviews");
        l->ids = grown;
        l->cap = cap;
    }
    l->ids[l->n++] = sqlite3_column_int64(s, 0);
    return GDPR_OK;
}

static int
follow_subject_delete(sqlite_store *st, const uint8_t *subject_hash)
{
    static const char what[] = "closing the retention state of deleted records";
    review_list l = {NULL, 0, 0};
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st,
                                  "DELETE FROM main.retention_state WHERE record IN"
                                  " (SELECT id FROM main.vault WHERE subject_id = " SQ_SUBJECT_ID_1
                                  ") RETURNING review",
                                  &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, subject_hash);
    rc = gdpr_sqlite__sq_rows(st, s, SQ_CACHED, what, read_review, &l);
    for (size_t i = 0; rc == GDPR_OK && i < l.n; i++) {
        rc = gdpr_sqlite__sq_stmt(
            st, "UPDATE main.retention_review SET status = 4 WHERE id = ?1 AND status = 1", &s);
        if (rc != GDPR_OK)
            break;
        sqlite3_bind_int64(s, 1, l.ids[i]);
        rc = gdpr_sqlite__sq_step_done(st, s, what);
    }
    free(l.ids);
    return rc;
}

/* The review a record's retention state points at (0: none). A record
 * without a state gives no row. */
static int
read_state_review(sqlite3_stmt *s, void *ctx)
{
    int64_t *review = ctx;

    *review = sqlite3_column_type(s, 0) == SQLITE_NULL ? 0 : sqlite3_column_int64(s, 0);
    return GDPR_OK;
}

/* follow_subject_delete for one record. Its state is looked up first and
 * deleted by key only when there is one: DELETE ... RETURNING buffers its
 * answer in a temporary table, which costs more than the lookup, and most
 * records have no state. */
static int
follow_one_delete(sqlite_store *st, int64_t id)
{
    static const char what[] = "closing the retention state of a deleted record";
    int64_t review = 0;
    sqlite3_stmt *s;
    int rc =
        gdpr_sqlite__sq_stmt(st, "SELECT review FROM main.retention_state WHERE record = ?1", &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    rc = gdpr_sqlite__sq_row(st, s, what, SQ_NO_ROW, read_state_review, &review);
    if (rc == SQ_NO_ROW)
        return GDPR_OK;
    if (rc == GDPR_OK)
        rc = gdpr_sqlite__sq_stmt(st, "DELETE FROM main.retention_state WHERE record = ?1", &s);
    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    rc = gdpr_sqlite__sq_step_done(st, s, what);
    if (rc != GDPR_OK || review == 0)
        return rc;
    rc = gdpr_sqlite__sq_stmt(
        st, "UPDATE main.retention_review SET status = 4 WHERE id = ?1 AND status = 1", &s);
    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, review);
    return gdpr_sqlite__sq_step_done(st, s, what);
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
        rc = follow_one_delete(st, id);
    return rc;
}

int
gdpr_sqlite__vault_delete_subject(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                  int64_t *count_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = follow_subject_delete(st, subject_hash);

    if (rc == GDPR_OK)
        rc = gdpr_sqlite__sq_stmt(st, "DELETE FROM main.vault WHERE subject_id=" SQ_SUBJECT_ID_1,
                                  &s);
    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, subject_hash);
    rc = gdpr_sqlite__sq_step_done(st, s, "deleting vault records");
    if (rc == GDPR_OK && count_out)
        *count_out = sqlite3_changes64(st->db);
    return rc;
}

/* The distinct (purpose, category) pairs of a subject's records, counted
 * here rather than by GROUP BY (whose sorter costs more than reading the
 * rows: a subject has few pairs and many records). */
typedef struct {
    char *purpose, *category;
    int64_t n;
} vault_group;

typedef struct {
    vault_group *g;
    size_t n, cap;
} group_list;

static int
group_row(sqlite3_stmt *s, void *c)
{
    group_list *l = c;
    const char *purpose = (const char *)sqlite3_column_text(s, 0);
    const char *category = (const char *)sqlite3_column_text(s, 1);
    vault_group *g;

    if (purpose == NULL || category == NULL)
        return gdpr__err_set(GDPR_ECORRUPT, "vault: damaged record (no purpose or category)");
    for (size_t i = l->n; i-- > 0;) {
        if (strcmp(l->g[i].purpose, purpose) == 0 && strcmp(l->g[i].category, category) == 0) {
            l->g[i].n++;
            return GDPR_OK;
        }
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        vault_group *grown = realloc(l->g, cap * sizeof *grown);
        if (grown == NULL)
            return gdpr__err_set(GDPR_ENOMEM, "out of memory grouping vault records");
        l->g = grown;
        l->cap = cap;
    }
    g = &l->g[l->n];
    g->purpose = strdup(purpose);
    g->category = strdup(category);
    g->n = 1;
    if (g->purpose == NULL || g->category == NULL) {
        free(g->purpose);
        free(g->category);
        return gdpr__err_set(GDPR_ENOMEM, "out of memory grouping vault records");
    }
    l->n++;
    return GDPR_OK;
}

int
gdpr_sqlite__vault_groups(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                          store_vault_group_fn fn, void *ctx)
{
    static const char sql[] = "SELECT purpose, category FROM main.vault"
                              " WHERE subject_id=" SQ_SUBJECT_ID_1;
    group_list l = {NULL, 0, 0};
    int rc = walk_subject((sqlite_store *)base, sql, subject_hash, "grouping vault records",
                          group_row, &l);

    for (size_t i = 0; rc == GDPR_OK && i < l.n; i++)
        rc = gdpr_sqlite__sq_stopped(fn(l.g[i].purpose, l.g[i].category, l.g[i].n, ctx),
                                     "vault group", 0);
    for (size_t i = 0; i < l.n; i++) {
        free(l.g[i].purpose);
        free(l.g[i].category);
    }
    free(l.g);
    return rc;
}
