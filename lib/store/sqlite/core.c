/*
 * Rows of the foundation: meta, subjects, keys, audit events, policies.
 * SPDX-License-Identifier: MIT
 */
#include "sqlite_internal.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"

/* A blob column copied into a buffer of `cap` bytes: ctx is a copy_blob. */
typedef struct {
    void *buf;
    size_t cap;
    size_t *len_out;
    const char *name;
} copy_blob;

static int
read_meta(sqlite3_stmt *s, void *ctx)
{
    const copy_blob *b = ctx;
    size_t len = (size_t)sqlite3_column_bytes(s, 0);
    int rc = GDPR_OK;

    if (len > b->cap)
        rc = gdpr__err_set(GDPR_ECORRUPT, "meta '%s': %zu bytes, expected at most %zu", b->name,
                           len, b->cap);
    else if (len > 0)
        memcpy(b->buf, sqlite3_column_blob(s, 0), len);
    *b->len_out = len;
    return rc;
}

int
gdpr_sqlite__meta_get(store *base, store_file f, const char *name, void *buf, size_t cap,
                      size_t *len_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = f == STORE_KEYS
                 ? gdpr_sqlite__sq_stmt_keys(st, "SELECT value FROM main.meta WHERE name=?1", &s)
                 : gdpr_sqlite__sq_stmt(st, "SELECT value FROM main.meta WHERE name=?1", &s);
    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    return gdpr_sqlite__sq_row(st, s, "reading meta", GDPR_ENOTFOUND, read_meta,
                               &(copy_blob){buf, cap, len_out, name});
}

int
gdpr_sqlite__meta_put(store *base, store_file f, const char *name, const void *value, size_t len)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = f == STORE_KEYS
                 ? gdpr_sqlite__sq_stmt_keys(
                       st, "INSERT OR REPLACE INTO main.meta(name, value) VALUES(?1, ?2)", &s)
                 : gdpr_sqlite__sq_stmt(
                       st, "INSERT OR REPLACE INTO main.meta(name, value) VALUES(?1, ?2)", &s);
    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, value, (int)len, SQLITE_STATIC);
    return gdpr_sqlite__sq_step_done(st, s, "writing meta");
}

/* Inside a write transaction, remember the subject just found or created
 * (sqlite_internal.h, subject_cache_id). */
static void
subject_remember(sqlite_store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int64_t id)
{
    if (st->depth == 0 || id <= 0)
        return;
    st->subject_cache_id = id;
    memcpy(st->subject_cache_hash, hash, CRYPTO_HASH_BYTES);
}

int64_t
gdpr_sqlite__subject_cached(const sqlite_store *st, const uint8_t *hash)
{
    if (hash == NULL || st->subject_cache_id == 0 || st->depth == 0 ||
        memcmp(st->subject_cache_hash, hash, CRYPTO_HASH_BYTES) != 0)
        return 0;
    return st->subject_cache_id;
}

void
gdpr_sqlite__sq_bind_subject_cached(const sqlite_store *st, sqlite3_stmt *s, int col,
                                    const uint8_t *hash)
{
    int64_t id = gdpr_sqlite__subject_cached(st, hash);

    if (id > 0)
        sqlite3_bind_int64(s, col, id);
    else
        sqlite3_bind_null(s, col);
}

int
gdpr_sqlite__subject_find(store *base, const uint8_t hash[CRYPTO_HASH_BYTES], int64_t *id_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int64_t id = 0;
    int rc = gdpr_sqlite__sq_stmt(st, "SELECT id FROM main.subject WHERE hash=?1", &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, hash);
    rc = gdpr_sqlite__sq_row(st, s, "finding subject", GDPR_ENOTFOUND, gdpr_sqlite__sq_read_int64,
                             &id);
    if (rc == GDPR_OK)
        subject_remember(st, hash, id);
    if (rc == GDPR_OK && id_out)
        *id_out = id;
    return rc;
}

int
gdpr_sqlite__subject_insert(store *base, const uint8_t hash[CRYPTO_HASH_BYTES],
                            const uint8_t *ident, size_t ident_len, int64_t created,
                            int64_t *id_out)
{
    sqlite_store *st = (sqlite_store *)base;
    int64_t id = 0;
    int rc = gdpr_sqlite__sq_next_id(st, STORE_SEQ_SUBJECT, &id);
    sqlite3_stmt *s;

    if (rc == GDPR_OK)
        rc = gdpr_sqlite__sq_stmt(st,
                                  "INSERT INTO main.subject(hash, ident, created, id)"
                                  " VALUES(?1, ?2, ?3, ?4)",
                                  &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, hash);
    sqlite3_bind_blob(s, 2, ident, (int)ident_len, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, created);
    sqlite3_bind_int64(s, 4, id);
    rc = gdpr_sqlite__sq_step_done(st, s, "creating subject");
    if (rc == GDPR_OK)
        subject_remember(st, hash, id);
    if (rc == GDPR_OK && id_out)
        *id_out = id;
    return rc;
}

int
gdpr_sqlite__key_put(store *base, const uint8_t hash[CRYPTO_HASH_BYTES],
                     const uint8_t wrapped[CRYPTO_WRAPPED_BYTES])
{
    sqlite_store *st = (sqlite_store *)base;
    int64_t serial = 0;
    sqlite3_stmt *s;
    int rc;

    if (!st->has_key_counters) {
        rc = gdpr_sqlite__sq_stmt_keys(
            st, "INSERT INTO main.subject_key(hash, wrapped) VALUES(?1, ?2)", &s);
    } else {
        /* The generation this transaction commits as: above the data
         * file's until its data part commits (keys.c). */
        rc = gdpr_sqlite__sq_key_serial_next(st, &serial);
        if (rc == GDPR_OK)
            rc =
                gdpr_sqlite__sq_stmt_keys(st,
                                          "INSERT INTO main.subject_key(hash, wrapped, gen, serial)"
                                          " VALUES(?1, ?2, ?3, ?4)",
                                          &s);
    }
    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, hash);
    sqlite3_bind_blob(s, 2, wrapped, CRYPTO_WRAPPED_BYTES, SQLITE_STATIC);
    if (st->has_key_counters) {
        sqlite3_bind_int64(s, 3, (int64_t)(st->generation + 1));
        sqlite3_bind_int64(s, 4, serial);
    }
    rc = gdpr_sqlite__sq_step_done(st, s, "storing subject key");
    st->key_memo_valid = rc == GDPR_OK && st->depth > 0;
    memcpy(st->key_memo_hash, hash, CRYPTO_HASH_BYTES);
    st->key_memo_serial = serial;
    return rc;
}

static int
read_wrapped(sqlite3_stmt *s, void *ctx)
{
    if (sqlite3_column_bytes(s, 0) != (int)CRYPTO_WRAPPED_BYTES)
        return gdpr__err_set(GDPR_ECORRUPT, "keystore: a wrapped key has the wrong length");
    memcpy(ctx, sqlite3_column_blob(s, 0), CRYPTO_WRAPPED_BYTES);
    return GDPR_OK;
}

int
gdpr_sqlite__key_get(store *base, const uint8_t hash[CRYPTO_HASH_BYTES],
                     uint8_t wrapped[CRYPTO_WRAPPED_BYTES])
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc =
        gdpr_sqlite__sq_stmt_keys(st, "SELECT wrapped FROM main.subject_key WHERE hash=?1", &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, hash);
    return gdpr_sqlite__sq_row(st, s, "reading subject key", GDPR_ENOTFOUND, read_wrapped, wrapped);
}

typedef struct {
    uint8_t *wrapped; /* NULL: the serial only */
    int64_t serial;
} key_and_serial;

static int
read_key_serial(sqlite3_stmt *s, void *ctx)
{
    key_and_serial *k = ctx;
    int rc = k->wrapped ? read_wrapped(s, k->wrapped) : GDPR_OK;

    k->serial = sqlite3_column_int64(s, 1);
    return rc;
}

int
gdpr_sqlite__key_serial(store *base, const uint8_t hash[CRYPTO_HASH_BYTES],
                        uint8_t wrapped[CRYPTO_WRAPPED_BYTES], int64_t *serial_out)
{
    sqlite_store *st = (sqlite_store *)base;
    key_and_serial k = {wrapped, 0};
    sqlite3_stmt *s;
    int rc;

    if (wrapped == NULL && st->key_memo_valid && st->depth > 0 &&
        memcmp(st->key_memo_hash, hash, CRYPTO_HASH_BYTES) == 0) {
        *serial_out = st->key_memo_serial;
        return GDPR_OK;
    }
    rc = gdpr_sqlite__sq_stmt_keys(
        st,
        st->has_key_counters
            ? "SELECT wrapped, coalesce(serial, 0) FROM main.subject_key WHERE hash=?1"
            : "SELECT wrapped, 0 FROM main.subject_key WHERE hash=?1",
        &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, hash);
    rc = gdpr_sqlite__sq_row(st, s, "reading subject key", GDPR_ENOTFOUND, read_key_serial, &k);
    if (rc == GDPR_OK)
        *serial_out = k.serial;
    return rc;
}

/* Batches keep memory bounded and never update a table under an open
 * cursor on it. */
#define REWRAP_BATCH 256

typedef struct {
    uint8_t hash[CRYPTO_HASH_BYTES];
    uint8_t wrapped[CRYPTO_WRAPPED_BYTES];
} key_row;

static int
load_key_batch(sqlite_store *st, const uint8_t *after, key_row *rows, size_t *n)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->kdb,
                                "SELECT hash, wrapped FROM main.subject_key WHERE hash > ?1 "
                                "ORDER BY hash LIMIT ?2",
                                -1, &s, NULL);
    int result = GDPR_OK;

    if (rc != SQLITE_OK)
        return gdpr_sqlite__sq_fail_keys(st, rc, "listing subject keys");
    if (after)
        sqlite3_bind_blob(s, 1, after, CRYPTO_HASH_BYTES, SQLITE_STATIC);
    else
        sqlite3_bind_zeroblob(s, 1, 0);
    sqlite3_bind_int(s, 2, REWRAP_BATCH);
    *n = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (sqlite3_column_bytes(s, 0) != (int)CRYPTO_HASH_BYTES ||
            sqlite3_column_bytes(s, 1) != (int)CRYPTO_WRAPPED_BYTES) {
            result = gdpr__err_set(GDPR_ECORRUPT, "keystore: a key row has the wrong length");
            break;
        }
        memcpy(rows[*n].hash, sqlite3_column_blob(s, 0), CRYPTO_HASH_BYTES);
        memcpy(rows[*n].wrapped, sqlite3_column_blob(s, 1), CRYPTO_WRAPPED_BYTES);
        (*n)++;
    }
    if (result == GDPR_OK && rc != SQLITE_DONE)
        result = gdpr_sqlite__sq_fail_keys(st, rc, "listing subject keys");
    sqlite3_finalize(s);
    return result;
}

int
gdpr_sqlite__key_rewrap_all(store *base, store_rewrap_fn fn, void *ctx, int64_t *count_out)
{
    sqlite_store *st = (sqlite_store *)base;
    key_row *rows = malloc(REWRAP_BATCH * sizeof *rows);
    uint8_t last[CRYPTO_HASH_BYTES];
    sqlite3_stmt *upd = NULL;
    int have_last = 0;
    int rc;

    *count_out = 0;
    st->key_memo_valid = 0;
    if (rows == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory rewrapping keys");
    rc = sqlite3_prepare_v2(st->kdb, "UPDATE main.subject_key SET wrapped=?2 WHERE hash=?1", -1,
                            &upd, NULL);
    rc = rc == SQLITE_OK ? GDPR_OK : gdpr_sqlite__sq_fail_keys(st, rc, "rewrapping keys");
    while (rc == GDPR_OK) {
        size_t n = 0;
        rc = load_key_batch(st, have_last ? last : NULL, rows, &n);
        if (rc != GDPR_OK || n == 0)
            break;
        for (size_t i = 0; i < n && rc == GDPR_OK; i++) {
            uint8_t out[CRYPTO_WRAPPED_BYTES];
            rc = fn(rows[i].hash, rows[i].wrapped, out, ctx);
            if (rc != GDPR_OK)
                break;
            sqlite3_bind_blob(upd, 1, rows[i].hash, CRYPTO_HASH_BYTES, SQLITE_STATIC);
            sqlite3_bind_blob(upd, 2, out, CRYPTO_WRAPPED_BYTES, SQLITE_TRANSIENT);
            rc = gdpr_sqlite__sq_step_done(st, upd, "rewrapping keys");
            (*count_out)++;
        }
        memcpy(last, rows[n - 1].hash, CRYPTO_HASH_BYTES);
        have_last = 1;
        if (n < REWRAP_BATCH)
            break;
    }
    sqlite3_finalize(upd);
    free(rows);
    return rc;
}

typedef struct {
    int64_t *seq_out;
    uint8_t *mac_out;
} audit_tail;

static int
read_audit_tail(sqlite3_stmt *s, void *ctx)
{
    const audit_tail *t = ctx;

    *t->seq_out = sqlite3_column_int64(s, 0);
    if (sqlite3_column_bytes(s, 1) != (int)CRYPTO_HASH_BYTES)
        return gdpr__err_set(GDPR_ECORRUPT, "audit event %lld: MAC has the wrong length",
                             (long long)*t->seq_out);
    memcpy(t->mac_out, sqlite3_column_blob(s, 1), CRYPTO_HASH_BYTES);
    return GDPR_OK;
}

int
gdpr_sqlite__audit_tail(store *base, int64_t *seq_out, uint8_t mac_out[CRYPTO_HASH_BYTES])
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc;

    if (st->audit_tail_valid && st->depth > 0) {
        *seq_out = st->audit_tail_seq;
        memcpy(mac_out, st->audit_tail_mac, CRYPTO_HASH_BYTES);
        return GDPR_OK;
    }
    rc = gdpr_sqlite__sq_stmt(st, "SELECT seq, mac FROM main.audit ORDER BY seq DESC LIMIT 1", &s);
    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_sqlite__sq_row(st, s, "reading the audit tail", SQ_NO_ROW, read_audit_tail,
                             &(audit_tail){seq_out, mac_out});
    if (rc != SQ_NO_ROW)
        return rc;
    *seq_out = 0;
    memset(mac_out, 0, CRYPTO_HASH_BYTES);
    return GDPR_OK;
}

int
gdpr_sqlite__audit_insert(store *base, const store_audit_row *row)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(
        st,
        "INSERT INTO main.audit(seq, at, actor, role, action, subject, outcome,"
        " ref, mac, subject_id) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
        " coalesce(?10, (SELECT id FROM main.subject WHERE hash=?6)))",
        &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, row->seq);
    sqlite3_bind_int64(s, 2, row->at);
    sqlite3_bind_text(s, 3, row->actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, row->role, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, row->action, -1, SQLITE_STATIC);
    if (row->subject)
        gdpr_sqlite__sq_bind_hash(s, 6, row->subject);
    sqlite3_bind_int(s, 7, row->outcome);
    if (row->ref)
        sqlite3_bind_text(s, 8, row->ref, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 9, row->mac, CRYPTO_HASH_BYTES, SQLITE_STATIC);
    gdpr_sqlite__sq_bind_subject_cached(st, s, 10, row->subject);
    rc = gdpr_sqlite__sq_step_done(st, s, "appending an audit event");
    /* Inside a write transaction the new event is the tail until the
     * transaction ends (a rollback of any level forgets it). */
    st->audit_tail_valid = rc == GDPR_OK && st->depth > 0;
    if (st->audit_tail_valid) {
        st->audit_tail_seq = row->seq;
        memcpy(st->audit_tail_mac, row->mac, CRYPTO_HASH_BYTES);
    }
    return rc;
}

typedef struct {
    store_audit_fn fn;
    void *ctx;
} audit_cb;

static int
audit_row(sqlite3_stmt *s, void *c)
{
    const audit_cb *cb = c;
    store_audit_row row;
    int stop;

    row.seq = sqlite3_column_int64(s, 0);
    row.at = sqlite3_column_int64(s, 1);
    row.actor = gdpr_sqlite__sq_text_or_empty(s, 2);
    row.role = gdpr_sqlite__sq_text_or_empty(s, 3);
    row.action = gdpr_sqlite__sq_text_or_empty(s, 4);
    row.subject = sqlite3_column_type(s, 5) == SQLITE_NULL
                      ? NULL
                      : (const uint8_t *)sqlite3_column_blob(s, 5);
    if (row.subject && sqlite3_column_bytes(s, 5) != (int)CRYPTO_HASH_BYTES)
        return gdpr__err_set(GDPR_ECORRUPT, "audit event %lld: subject hash has the wrong length",
                             (long long)row.seq);
    row.outcome = sqlite3_column_int(s, 6);
    row.ref = (const char *)sqlite3_column_text(s, 7);
    if (sqlite3_column_bytes(s, 8) != (int)CRYPTO_HASH_BYTES)
        return gdpr__err_set(GDPR_ECORRUPT, "audit event %lld: MAC has the wrong length",
                             (long long)row.seq);
    memcpy(row.mac, sqlite3_column_blob(s, 8), CRYPTO_HASH_BYTES);
    stop = cb->fn(&row, cb->ctx);
    if (stop > 0)
        return gdpr__err_set(GDPR_ECALLBACK, "audit iterator stopped at event %lld",
                             (long long)row.seq);
    return stop;
}

int
gdpr_sqlite__audit_foreach(store *base, int64_t from_seq, store_audit_fn fn, void *ctx)
{
    return gdpr_sqlite__sq_each((sqlite_store *)base,
                                "SELECT seq, at, actor, role, action, subject, outcome, ref, mac"
                                " FROM main.audit WHERE seq >= ?1 ORDER BY seq",
                                from_seq, "reading the audit trail", audit_row,
                                &(audit_cb){fn, ctx});
}

int
gdpr_sqlite__policy_insert(store *base, int64_t at, const char *actor,
                           const uint8_t sha256[CRYPTO_HASH_BYTES], const char *document,
                           int64_t *version_out)
{
    return gdpr_sqlite__sq_document_insert(
        (sqlite_store *)base,
        "INSERT INTO main.policy(loaded_at, actor, sha256, document) VALUES(?1, ?2, ?3, ?4)", at,
        actor, sha256, document, "storing the policy", version_out);
}

typedef struct {
    int64_t *version_out;
    uint8_t *sha256_out;
    char **document_out;
} policy_out;

static int
read_policy(sqlite3_stmt *s, void *ctx)
{
    const policy_out *p = ctx;
    const char *doc = (const char *)sqlite3_column_text(s, 2);

    *p->version_out = sqlite3_column_int64(s, 0);
    if (sqlite3_column_bytes(s, 1) != (int)CRYPTO_HASH_BYTES || doc == NULL)
        return gdpr__err_set(GDPR_ECORRUPT, "policy version %lld: damaged row",
                             (long long)*p->version_out);
    memcpy(p->sha256_out, sqlite3_column_blob(s, 1), CRYPTO_HASH_BYTES);
    *p->document_out = strdup(doc);
    if (*p->document_out == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory reading the policy");
    return GDPR_OK;
}

int
gdpr_sqlite__policy_latest(store *base, int64_t *version_out, uint8_t sha256_out[CRYPTO_HASH_BYTES],
                           char **document_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st,
                                  "SELECT version, sha256, document FROM main.policy"
                                  " ORDER BY version DESC LIMIT 1",
                                  &s);

    if (rc != GDPR_OK)
        return rc;
    return gdpr_sqlite__sq_row(st, s, "reading the policy", GDPR_ENOTFOUND, read_policy,
                               &(policy_out){version_out, sha256_out, document_out});
}

static int
read_policy_document(sqlite3_stmt *s, void *ctx)
{
    char **document_out = ctx;
    const char *doc = (const char *)sqlite3_column_text(s, 0);

    if (doc == NULL)
        return gdpr__err_set(GDPR_ECORRUPT, "policy version %lld: damaged row",
                             (long long)sqlite3_column_int64(s, 1));
    if ((*document_out = strdup(doc)) == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory reading the policy");
    return GDPR_OK;
}

int
gdpr_sqlite__policy_get(store *base, int64_t version, char **document_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(
        st, "SELECT document, version FROM main.policy WHERE version = ?1", &s);

    *document_out = NULL;
    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, version);
    return gdpr_sqlite__sq_row(st, s, "reading a policy version", GDPR_ENOTFOUND,
                               read_policy_document, document_out);
}
