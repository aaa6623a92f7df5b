/*
 * Rows of the vault capability: identifiers (blind index -> subject),
 * sealed vault records and the sealed host id of a subject. Mirrors
 * lib/store/sqlite/vault.c. Results are read whole before the first
 * callback, so callbacks may call the store.
 * SPDX-License-Identifier: MIT
 */
#include "store_shared.h"
#include "pg_internal.h"

#include <stdio.h>
#include <string.h>

#include "error.h"

#define D PG_DATA_SCHEMA "."

static void
p_hash1(pg_params *p, const uint8_t *hash)
{
    gdpr_pg__p_init(p);
    gdpr_pg__p_hash(p, hash);
}

/* --- identities ------------------------------------------------------ */

/* An identity row: the subject it points at (column 0), checked against
 * the row's MAC (columns 1-3) before it is followed. */
typedef struct {
    pg_store *st;
    const uint8_t *ident_hash;
    uint8_t *subject_out;
} identity_lookup;

static int
read_identity(const pg_row *r, void *ctx)
{
    identity_lookup *l = ctx;
    int64_t id = gdpr_pg__col_int(r, 1);
    const uint8_t *subject = NULL;
    char what[48];
    int rc;

    snprintf(what, sizeof what, "identity row %lld", (long long)id);
    rc = gdpr_pg__col_hash(r, 0, 0, what, &subject);
    if (rc == GDPR_OK && l->st->base.row_mac != NULL) {
        uint8_t mac[CRYPTO_HASH_BYTES];
        size_t len = 0;
        const uint8_t *stored = gdpr_pg__col_blob(r, 3, &len);
        rc = gdpr_store__identity_mac(&l->st->base, id, l->ident_hash, subject,
                                      gdpr_pg__col_text_or_empty(r, 2), mac);
        if (rc == GDPR_OK)
            rc = gdpr_pg__row_mac_check(mac, stored, len, what);
    }
    if (rc == GDPR_OK)
        memcpy(l->subject_out, subject, CRYPTO_HASH_BYTES);
    return rc;
}

int
gdpr_pg__identity_find(store *base, const uint8_t ident_hash[CRYPTO_HASH_BYTES],
                       uint8_t subject_hash_out[CRYPTO_HASH_BYTES])
{
    pg_store *st = (pg_store *)base;
    identity_lookup look = {st, ident_hash, subject_hash_out};
    pg_params p;

    p_hash1(&p, ident_hash);
    return gdpr_pg__row(st,
                        "SELECT " PG_SUBJECT_HASH_OF("i.subject_id") ", i.id, i.kind, i.mac"
                                                                     " FROM " D
                                                                     "identity i WHERE i.hash = $1",
                        &p, "finding an identifier", GDPR_ENOTFOUND, read_identity, &look);
}

int
gdpr_pg__identity_insert(store *base, int64_t id, const uint8_t ident_hash[CRYPTO_HASH_BYTES],
                         const uint8_t subject_hash[CRYPTO_HASH_BYTES], const char *kind,
                         const uint8_t *sealed, size_t sealed_len, int64_t created)
{
    pg_store *st = (pg_store *)base;
    uint8_t mac[CRYPTO_HASH_BYTES];
    pg_params p;
    int rc = GDPR_OK;

    if (st->base.row_mac != NULL)
        rc = gdpr_store__identity_mac(&st->base, id, ident_hash, subject_hash, kind, mac);
    if (rc != GDPR_OK)
        return rc;
    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, id);
    gdpr_pg__p_hash(&p, ident_hash);
    gdpr_pg__p_hash(&p, subject_hash);
    gdpr_pg__p_text(&p, kind);
    gdpr_pg__p_int(&p, created);
    gdpr_pg__p_blob(&p, sealed, sealed_len);
    gdpr_pg__p_blob(&p, st->base.row_mac != NULL ? mac : NULL, sizeof mac);
    return gdpr_pg__exec(st,
                         "INSERT INTO " D "identity(id, hash, subject_id, kind, created, value,"
                         " mac) VALUES($1, $2, " PG_SUBJECT_ID("3") ", $4, $5, $6, $7)",
                         &p, "linking an identifier", NULL);
}

typedef struct {
    int (*fn)(const store_identity_row *row, void *ctx);
    void *ctx;
} identity_cb;

static int
identity_row(const pg_row *r, void *c)
{
    const identity_cb *cb = c;
    store_identity_row row;

    row.id = gdpr_pg__col_int(r, 0);
    row.kind = gdpr_pg__col_text(r, 1);
    row.created = gdpr_pg__col_int(r, 2);
    row.value = gdpr_pg__col_blob(r, 3, &row.value_len);
    if (row.kind == NULL || row.value == NULL)
        return gdpr__err_set(GDPR_ECORRUPT, "identity %lld: damaged row", (long long)row.id);
    return gdpr_pg__stopped(cb->fn(&row, cb->ctx), "identity", row.id);
}

int
gdpr_pg__identity_foreach(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                          int (*fn)(const store_identity_row *row, void *ctx), void *ctx)
{
    pg_params p;

    p_hash1(&p, subject_hash);
    return gdpr_pg__rows_paged((pg_store *)base,
                               "SELECT id, kind, created, value FROM " D "identity"
                               " WHERE subject_id = " PG_SUBJECT_ID_1
                               " AND id > $2 ORDER BY id LIMIT $3",
                               &p, "listing identifiers", identity_row, &(identity_cb){fn, ctx});
}

int
gdpr_pg__identity_delete_subject(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                 int64_t *count_out)
{
    int64_t n = 0;
    pg_params p;
    int rc;

    p_hash1(&p, subject_hash);
    rc = gdpr_pg__exec((pg_store *)base,
                       "DELETE FROM " D "identity WHERE subject_id = " PG_SUBJECT_ID_1, &p,
                       "deleting identifiers", &n);
    if (rc == GDPR_OK && count_out)
        *count_out = n;
    return rc;
}

typedef struct {
    uint8_t *buf;
    size_t cap;
    size_t *len_out;
} ident_buf;

static int
read_ident(const pg_row *r, void *ctx)
{
    const ident_buf *b = ctx;
    size_t len = 0;
    const uint8_t *v = gdpr_pg__col_blob(r, 0, &len);

    *b->len_out = len;
    if (len > b->cap)
        return gdpr__err_set(GDPR_ECORRUPT, "subject: sealed id of %zu bytes, at most %zu", len,
                             b->cap);
    if (len > 0)
        memcpy(b->buf, v, len);
    return GDPR_OK;
}

int
gdpr_pg__subject_ident(store *base, const uint8_t hash[CRYPTO_HASH_BYTES], uint8_t *buf, size_t cap,
                       size_t *len_out)
{
    pg_params p;
    int rc;

    p_hash1(&p, hash);
    rc = gdpr_pg__row((pg_store *)base, "SELECT ident FROM " D "subject WHERE hash = $1", &p,
                      "reading a subject", PG_NO_ROW, read_ident, &(ident_buf){buf, cap, len_out});
    if (rc == PG_NO_ROW)
        return gdpr__err_set(GDPR_ENOTFOUND, "subject: unknown");
    return rc;
}

/* --- vault records ------------------------------------------------------ */

/* The vault names its subject by id (schema step 27); a row is read with
 * the subject's hash, whose key opens the value. */
#define VAULT_COLUMNS_AFTER_SUBJECT                                                                \
    "category, purpose, field, source, collected, updated, anchor, due, special, value"
#define VAULT_COLUMNS "id, " PG_SUBJECT_HASH_OF("vault.subject_id") ", " VAULT_COLUMNS_AFTER_SUBJECT

typedef struct {
    store_vault_fn fn;
    void *ctx;
} vault_cb;

static int
vault_row(const pg_row *r, void *c)
{
    const vault_cb *cb = c;
    store_vault_row row;
    size_t len = 0;

    row.id = gdpr_pg__col_int(r, 0);
    row.subject = gdpr_pg__col_blob(r, 1, &len);
    row.category = gdpr_pg__col_text(r, 2);
    row.purpose = gdpr_pg__col_text(r, 3);
    row.field = gdpr_pg__col_text(r, 4);
    row.source = gdpr_pg__col_text(r, 5);
    row.collected = gdpr_pg__col_int(r, 6);
    row.updated = gdpr_pg__col_int(r, 7);
    row.anchor = gdpr_pg__col_int(r, 8);
    row.has_due = !gdpr_pg__col_null(r, 9);
    row.due = gdpr_pg__col_int(r, 9);
    row.special = (int)gdpr_pg__col_int(r, 10);
    row.value = gdpr_pg__col_blob(r, 11, &row.value_len);
    if (row.subject == NULL || len != CRYPTO_HASH_BYTES || row.category == NULL ||
        row.purpose == NULL || row.value == NULL)
        return gdpr__err_set(GDPR_ECORRUPT, "vault record %lld: damaged row", (long long)row.id);
    return gdpr_pg__stopped(cb->fn(&row, cb->ctx), "vault", row.id);
}

int
gdpr_pg__vault_insert(store *base, const store_vault_row *row)
{
    /* A subject the handle knows is bound by id; otherwise the statement
     * finds it by hash (the same row either way). */
    const pg_subject_entry *known = gdpr_pg__subject_cached((pg_store *)base, row->subject);
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, row->id);
    if (known != NULL)
        gdpr_pg__p_int(&p, known->id);
    else
        gdpr_pg__p_hash(&p, row->subject);
    gdpr_pg__p_text(&p, row->category);
    gdpr_pg__p_text(&p, row->purpose);
    gdpr_pg__p_text(&p, row->field);
    gdpr_pg__p_text(&p, row->source);
    gdpr_pg__p_int(&p, row->collected);
    gdpr_pg__p_int(&p, row->updated);
    gdpr_pg__p_int_or_null(&p, row->anchor != 0, row->anchor);
    gdpr_pg__p_int_or_null(&p, row->has_due, row->due);
    gdpr_pg__p_int(&p, row->special);
    gdpr_pg__p_blob(&p, row->value, row->value_len);
    return gdpr_pg__exec_later(
        (pg_store *)base,
        known != NULL ? "INSERT INTO " D "vault(id, subject_id, " VAULT_COLUMNS_AFTER_SUBJECT ")"
                        " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                      : "INSERT INTO " D "vault(id, subject_id, " VAULT_COLUMNS_AFTER_SUBJECT ")"
                        " VALUES($1, " PG_SUBJECT_ID("2") ", $3, $4, $5, $6, $7, $8, $9, $10,"
                                                          " $11, $12)",
        &p, "storing a vault record");
}

int
gdpr_pg__vault_get(store *base, int64_t id, store_vault_fn fn, void *ctx)
{
    pg_params p;
    int rc;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, id);
    rc = gdpr_pg__row((pg_store *)base, "SELECT " VAULT_COLUMNS " FROM " D "vault WHERE id = $1",
                      &p, "reading a vault record", PG_NO_ROW, vault_row, &(vault_cb){fn, ctx});
    if (rc == PG_NO_ROW)
        return gdpr__err_set(GDPR_ENOTFOUND, "record: %lld is not a vault record", (long long)id);
    return rc;
}

int
gdpr_pg__vault_foreach(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                       store_vault_fn fn, void *ctx)
{
    pg_params p;

    p_hash1(&p, subject_hash);
    return gdpr_pg__rows_paged((pg_store *)base,
                               "SELECT " VAULT_COLUMNS " FROM " D "vault"
                               " WHERE subject_id = " PG_SUBJECT_ID_1 " AND id > $2"
                               " ORDER BY id LIMIT $3",
                               &p, "listing vault records", vault_row, &(vault_cb){fn, ctx});
}

static int
changed_one(int rc, int64_t changed, int64_t id)
{
    if (rc == GDPR_OK && changed == 0)
        return gdpr__err_set(GDPR_ENOTFOUND, "record: %lld is not a vault record", (long long)id);
    return rc;
}

int
gdpr_pg__vault_update_value(store *base, int64_t id, const uint8_t *sealed, size_t sealed_len,
                            int64_t updated)
{
    int64_t changed = 0;
    pg_params p;
    int rc;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, id);
    gdpr_pg__p_blob(&p, sealed, sealed_len);
    gdpr_pg__p_int(&p, updated);
    rc = gdpr_pg__exec((pg_store *)base,
                       "UPDATE " D "vault SET value = $2, updated = $3 WHERE id = $1", &p,
                       "rectifying a vault record", &changed);
    return changed_one(rc, changed, id);
}

/* A record's retention state goes with it, and its open review task (if
 * any) is closed as "record gone" (status 4), in the same statement as the
 * delete (what schema 8's trigger did row by row; the SQLite backend does
 * the same set-based, sqlite/vault.c). `gone` selects the vault rows by $1;
 * the statement answers how many went. */
#define FOLLOW_VAULT_DELETE(gone)                                                                  \
    "WITH gone AS (DELETE FROM " D "vault WHERE " gone " RETURNING id),"                           \
    " state AS (DELETE FROM " D "retention_state WHERE record IN (SELECT id FROM gone)"            \
    "  RETURNING review),"                                                                         \
    " closed AS (UPDATE " D "retention_review SET status = 4 WHERE status = 1"                     \
    "  AND id IN (SELECT review FROM state))"                                                      \
    " SELECT count(*) FROM gone"

int
gdpr_pg__vault_delete(store *base, int64_t id)
{
    pg_store *st = (pg_store *)base;
    int64_t changed = 0;
    pg_params p;
    int rc;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, id);
    rc = gdpr_pg__one_int64(st, FOLLOW_VAULT_DELETE("id = $1"), &p, "deleting a vault record",
                            &changed);
    return changed_one(rc, changed, id);
}

int
gdpr_pg__vault_delete_subject(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                              int64_t *count_out)
{
    pg_store *st = (pg_store *)base;
    int64_t n = 0;
    pg_params p;
    int rc;

    p_hash1(&p, subject_hash);
    rc = gdpr_pg__one_int64(st, FOLLOW_VAULT_DELETE("subject_id = " PG_SUBJECT_ID_1), &p,
                            "deleting vault records", &n);
    if (rc == GDPR_OK && count_out)
        *count_out = n;
    return rc;
}

typedef struct {
    store_vault_group_fn fn;
    void *ctx;
} group_cb;

static int
group_row(const pg_row *r, void *c)
{
    const group_cb *cb = c;
    const char *purpose = gdpr_pg__col_text(r, 0);
    const char *category = gdpr_pg__col_text(r, 1);

    if (purpose == NULL || category == NULL)
        return gdpr__err_set(GDPR_ECORRUPT, "vault: damaged record (no purpose or category)");
    return gdpr_pg__stopped(cb->fn(purpose, category, gdpr_pg__col_int(r, 2), cb->ctx),
                            "vault group", 0);
}

int
gdpr_pg__vault_groups(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                      store_vault_group_fn fn, void *ctx)
{
    pg_params p;

    p_hash1(&p, subject_hash);
    return gdpr_pg__rows((pg_store *)base,
                         "SELECT purpose, category, count(*) FROM " D "vault"
                         " WHERE subject_id = " PG_SUBJECT_ID_1 " GROUP BY purpose, category",
                         &p, "grouping vault records", group_row, &(group_cb){fn, ctx});
}
