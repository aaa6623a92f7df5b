/*
 * Rows of the foundation: meta, subjects, keys, audit events, policies.
 * SPDX-License-Identifier: MIT
 */
#include "pg_internal.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"

#define D PG_DATA_SCHEMA "."
#define K PG_KEYS_SCHEMA "."

typedef struct {
    void *buf;
    size_t cap;
    size_t *len_out;
    const char *name;
} copy_blob;

static int
read_meta(const pg_row *r, void *ctx)
{
    const copy_blob *b = ctx;
    size_t len = 0;
    const uint8_t *v = gdpr_pg__col_blob(r, 0, &len);

    *b->len_out = len;
    if (len > b->cap)
        return gdpr__err_set(GDPR_ECORRUPT, "meta '%s': %zu bytes, expected at most %zu", b->name,
                             len, b->cap);
    if (len > 0)
        memcpy(b->buf, v, len);
    return GDPR_OK;
}

int
gdpr_pg__meta_get(store *base, store_file f, const char *name, void *buf, size_t cap,
                  size_t *len_out)
{
    pg_store *st = (pg_store *)base;
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_text(&p, name);
    return gdpr_pg__row(st,
                        f == STORE_KEYS ? "SELECT value FROM " K "meta WHERE name = $1"
                                        : "SELECT value FROM " D "meta WHERE name = $1",
                        &p, "reading meta", GDPR_ENOTFOUND, read_meta,
                        &(copy_blob){buf, cap, len_out, name});
}

int
gdpr_pg__meta_put(store *base, store_file f, const char *name, const void *value, size_t len)
{
    pg_store *st = (pg_store *)base;
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_text(&p, name);
    gdpr_pg__p_blob(&p, value, len);
    return gdpr_pg__exec(st,
                         f == STORE_KEYS
                             ? "INSERT INTO " K "meta(name, value) VALUES($1, $2)"
                               " ON CONFLICT(name) DO UPDATE SET value = excluded.value"
                             : "INSERT INTO " D "meta(name, value) VALUES($1, $2)"
                               " ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                         &p, "writing meta", NULL);
}

/* Inside a write transaction a subject the handle knows is answered from
 * memory (seq.c: what it knows holds while no other engine writes). */
int
gdpr_pg__subject_find(store *base, const uint8_t hash[CRYPTO_HASH_BYTES], int64_t *id_out)
{
    pg_store *st = (pg_store *)base;
    const pg_subject_entry *e = gdpr_pg__subject_cached(st, hash);
    pg_params p;
    int rc;

    if (e != NULL) {
        *id_out = e->id;
        return GDPR_OK;
    }
    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, hash);
    rc = gdpr_pg__one_int64(st, "SELECT id FROM " D "subject WHERE hash = $1", &p,
                            "finding subject", id_out);
    if (rc == GDPR_OK)
        gdpr_pg__subject_remember(st, hash, *id_out, 0);
    return rc;
}

int
gdpr_pg__subject_insert(store *base, const uint8_t hash[CRYPTO_HASH_BYTES], const uint8_t *ident,
                        size_t ident_len, int64_t created, int64_t *id_out)
{
    pg_store *st = (pg_store *)base;
    int64_t id = 0;
    pg_params p;
    int rc = gdpr_pg__next_id(base, STORE_SEQ_SUBJECT, &id);

    if (rc != GDPR_OK)
        return rc;
    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, hash);
    gdpr_pg__p_blob(&p, ident, ident_len);
    gdpr_pg__p_int(&p, created);
    gdpr_pg__p_int(&p, id);
    rc = gdpr_pg__exec_later(st,
                             "INSERT INTO " D "subject(hash, ident, created, id)"
                             " VALUES($1, $2, $3, $4)",
                             &p, "creating subject");
    /* A new subject has no retention anchor: they are stored for
     * existing subjects only and go with the subject row. */
    if (rc == GDPR_OK)
        gdpr_pg__subject_remember(st, hash, id, 1);
    if (rc == GDPR_OK && id_out)
        *id_out = id;
    return rc;
}

/* Both parts commit in one transaction, so a key row can no longer be
 * orphaned by a crash between two commits: `gen` is kept for the shape of
 * the row and set to the generation this transaction commits as. */
int
gdpr_pg__key_put(store *base, const uint8_t hash[CRYPTO_HASH_BYTES],
                 const uint8_t wrapped[CRYPTO_WRAPPED_BYTES])
{
    pg_store *st = (pg_store *)base;
    int64_t serial = 0;
    pg_params p;
    int rc = gdpr_pg__key_serial_next(st, &serial);

    if (rc != GDPR_OK)
        return rc;
    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, hash);
    gdpr_pg__p_blob(&p, wrapped, CRYPTO_WRAPPED_BYTES);
    gdpr_pg__p_int(&p, (int64_t)(st->generation + 1));
    gdpr_pg__p_int(&p, serial);
    rc = gdpr_pg__exec_later(st,
                             "INSERT INTO " K "subject_key(hash, wrapped, gen, serial)"
                             " VALUES($1, $2, $3, $4)",
                             &p, "storing subject key");
    /* The serial read that follows (lib/core create_subject) is answered
     * from here. */
    st->key_memo_valid = rc == GDPR_OK;
    memcpy(st->key_memo_hash, hash, CRYPTO_HASH_BYTES);
    memcpy(st->key_memo_wrapped, wrapped, CRYPTO_WRAPPED_BYTES);
    st->key_memo_serial = serial;
    return rc;
}

static int
read_wrapped(const pg_row *r, void *ctx)
{
    size_t len = 0;
    const uint8_t *w = gdpr_pg__col_blob(r, 0, &len);

    if (w == NULL || len != CRYPTO_WRAPPED_BYTES)
        return gdpr__err_set(GDPR_ECORRUPT, "keystore: a wrapped key has the wrong length");
    memcpy(ctx, w, CRYPTO_WRAPPED_BYTES);
    return GDPR_OK;
}

int
gdpr_pg__key_get(store *base, const uint8_t hash[CRYPTO_HASH_BYTES],
                 uint8_t wrapped[CRYPTO_WRAPPED_BYTES])
{
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, hash);
    return gdpr_pg__row((pg_store *)base, "SELECT wrapped FROM " K "subject_key WHERE hash = $1",
                        &p, "reading subject key", GDPR_ENOTFOUND, read_wrapped, wrapped);
}

typedef struct {
    uint8_t *wrapped; /* NULL: the serial only */
    int64_t serial;
} key_and_serial;

static int
read_key_serial(const pg_row *r, void *ctx)
{
    key_and_serial *k = ctx;
    int rc = k->wrapped ? read_wrapped(r, k->wrapped) : GDPR_OK;

    k->serial = gdpr_pg__col_int(r, 1);
    return rc;
}

int
gdpr_pg__key_serial(store *base, const uint8_t hash[CRYPTO_HASH_BYTES],
                    uint8_t wrapped[CRYPTO_WRAPPED_BYTES], int64_t *serial_out)
{
    pg_store *st = (pg_store *)base;
    key_and_serial k = {wrapped, 0};
    pg_params p;
    int rc;

    if (st->key_memo_valid && st->depth > 0 &&
        memcmp(st->key_memo_hash, hash, CRYPTO_HASH_BYTES) == 0) {
        if (wrapped != NULL)
            memcpy(wrapped, st->key_memo_wrapped, CRYPTO_WRAPPED_BYTES);
        *serial_out = st->key_memo_serial;
        return GDPR_OK;
    }
    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, hash);
    rc = gdpr_pg__row((pg_store *)base,
                      "SELECT wrapped, serial FROM " K "subject_key WHERE hash = $1", &p,
                      "reading subject key", GDPR_ENOTFOUND, read_key_serial, &k);
    if (rc == GDPR_OK)
        *serial_out = k.serial;
    return rc;
}

/* Batches keep memory bounded: the whole key table is never in memory. */
#define REWRAP_BATCH 256

typedef struct {
    uint8_t hash[CRYPTO_HASH_BYTES];
    uint8_t wrapped[CRYPTO_WRAPPED_BYTES];
} key_row;

typedef struct {
    key_row *rows;
    size_t n;
} key_batch;

static int
read_key_row(const pg_row *r, void *ctx)
{
    key_batch *b = ctx;
    size_t hlen = 0, wlen = 0;
    const uint8_t *h = gdpr_pg__col_blob(r, 0, &hlen);
    const uint8_t *w = gdpr_pg__col_blob(r, 1, &wlen);

    if (h == NULL || w == NULL || hlen != CRYPTO_HASH_BYTES || wlen != CRYPTO_WRAPPED_BYTES)
        return gdpr__err_set(GDPR_ECORRUPT, "keystore: a key row has the wrong length");
    memcpy(b->rows[b->n].hash, h, CRYPTO_HASH_BYTES);
    memcpy(b->rows[b->n].wrapped, w, CRYPTO_WRAPPED_BYTES);
    b->n++;
    return GDPR_OK;
}

int
gdpr_pg__key_rewrap_all(store *base, store_rewrap_fn fn, void *ctx, int64_t *count_out)
{
    pg_store *st = (pg_store *)base;
    key_batch b = {malloc(REWRAP_BATCH * sizeof(key_row)), 0};
    uint8_t last[CRYPTO_HASH_BYTES];
    uint8_t out[CRYPTO_WRAPPED_BYTES];
    int rc = GDPR_OK;

    st->key_memo_valid = 0;
    *count_out = 0;
    memset(last, 0, sizeof last);
    if (b.rows == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory rewrapping keys");
    for (int first = 1; rc == GDPR_OK; first = 0) {
        pg_params p;
        gdpr_pg__p_init(&p);
        gdpr_pg__p_blob(&p, last, first ? 0 : sizeof last);
        gdpr_pg__p_int(&p, REWRAP_BATCH);
        b.n = 0;
        rc = gdpr_pg__rows(st,
                           "SELECT hash, wrapped FROM " K "subject_key WHERE hash > $1"
                           " ORDER BY hash LIMIT $2",
                           &p, "listing subject keys", read_key_row, &b);
        for (size_t i = 0; i < b.n && rc == GDPR_OK; i++) {
            rc = fn(b.rows[i].hash, b.rows[i].wrapped, out, ctx);
            if (rc != GDPR_OK)
                break;
            gdpr_pg__p_init(&p);
            gdpr_pg__p_hash(&p, b.rows[i].hash);
            gdpr_pg__p_blob(&p, out, sizeof out);
            rc = gdpr_pg__exec(st, "UPDATE " K "subject_key SET wrapped = $2 WHERE hash = $1", &p,
                               "rewrapping keys", NULL);
            (*count_out)++;
        }
        if (rc != GDPR_OK || b.n < REWRAP_BATCH)
            break;
        memcpy(last, b.rows[b.n - 1].hash, sizeof last);
    }
    /* The rewrapped keys' old tuples are dead now: VACUUM after commit. */
    if (rc == GDPR_OK && *count_out > 0)
        st->keys_deleted = 1;
    free(b.rows);
    return rc;
}

typedef struct {
    int64_t *seq_out;
    uint8_t *mac_out;
} audit_tail;

static int
read_audit_tail(const pg_row *r, void *ctx)
{
    const audit_tail *t = ctx;
    size_t len = 0;
    const uint8_t *mac = gdpr_pg__col_blob(r, 1, &len);

    *t->seq_out = gdpr_pg__col_int(r, 0);
    if (mac == NULL || len != CRYPTO_HASH_BYTES)
        return gdpr__err_set(GDPR_ECORRUPT, "audit event %lld: MAC has the wrong length",
                             (long long)*t->seq_out);
    memcpy(t->mac_out, mac, CRYPTO_HASH_BYTES);
    return GDPR_OK;
}

/* The tail is read under the store's write lock (tx.c): no other engine
 * can append between this read and our insert. */
int
gdpr_pg__audit_tail(store *base, int64_t *seq_out, uint8_t mac_out[CRYPTO_HASH_BYTES])
{
    pg_store *st = (pg_store *)base;
    int rc;

    if (st->audit_tail_valid && st->depth > 0) {
        *seq_out = st->audit_tail_seq;
        memcpy(mac_out, st->audit_tail_mac, CRYPTO_HASH_BYTES);
        return GDPR_OK;
    }
    rc = gdpr_pg__row(st, "SELECT seq, mac FROM " D "audit ORDER BY seq DESC LIMIT 1", NULL,
                      "reading the audit tail", PG_NO_ROW, read_audit_tail,
                      &(audit_tail){seq_out, mac_out});
    if (rc != PG_NO_ROW)
        return rc;
    *seq_out = 0;
    memset(mac_out, 0, CRYPTO_HASH_BYTES);
    return GDPR_OK;
}

int
gdpr_pg__audit_insert(store *base, const store_audit_row *row)
{
    pg_store *st = (pg_store *)base;
    /* A subject the handle knows is bound by id; otherwise the statement
     * finds it by hash (the same row either way). */
    const pg_subject_entry *known =
        row->subject != NULL ? gdpr_pg__subject_cached(st, row->subject) : NULL;
    pg_params p;
    int rc;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, row->seq);
    gdpr_pg__p_int(&p, row->at);
    gdpr_pg__p_text(&p, row->actor);
    gdpr_pg__p_text(&p, row->role);
    gdpr_pg__p_text(&p, row->action);
    gdpr_pg__p_hash(&p, row->subject);
    gdpr_pg__p_int(&p, row->outcome);
    gdpr_pg__p_text(&p, row->ref);
    gdpr_pg__p_blob(&p, row->mac, CRYPTO_HASH_BYTES);
    if (known != NULL) {
        gdpr_pg__p_int(&p, known->id);
        rc = gdpr_pg__exec_later(st,
                                 "INSERT INTO " D "audit(seq, at, actor, role, action, subject,"
                                 " outcome, ref, mac, subject_id) VALUES($1, $2, $3, $4, $5, $6,"
                                 " $7, $8, $9, $10)",
                                 &p, "appending an audit event");
    } else {
        rc = gdpr_pg__exec_later(st,
                                 "INSERT INTO " D "audit(seq, at, actor, role, action, subject,"
                                 " outcome, ref, mac, subject_id) VALUES($1, $2, $3, $4, $5, $6,"
                                 " $7, $8, $9, (SELECT id FROM " D "subject WHERE hash = $6))",
                                 &p, "appending an audit event");
    }
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
audit_row(const pg_row *r, void *c)
{
    const audit_cb *cb = c;
    store_audit_row row;
    size_t len = 0;
    const uint8_t *mac;
    int rc;

    row.seq = gdpr_pg__col_int(r, 0);
    row.at = gdpr_pg__col_int(r, 1);
    row.actor = gdpr_pg__col_text_or_empty(r, 2);
    row.role = gdpr_pg__col_text_or_empty(r, 3);
    row.action = gdpr_pg__col_text_or_empty(r, 4);
    rc = gdpr_pg__col_hash(r, 5, 1, "audit event subject", &row.subject);
    if (rc != GDPR_OK)
        return rc;
    row.outcome = (int)gdpr_pg__col_int(r, 6);
    row.ref = gdpr_pg__col_text(r, 7);
    mac = gdpr_pg__col_blob(r, 8, &len);
    if (mac == NULL || len != CRYPTO_HASH_BYTES)
        return gdpr__err_set(GDPR_ECORRUPT, "audit event %lld: MAC has the wrong length",
                             (long long)row.seq);
    memcpy(row.mac, mac, CRYPTO_HASH_BYTES);
    return gdpr_pg__stopped(cb->fn(&row, cb->ctx), "audit iterator, event", row.seq);
}

/* Pages of events, so a long trail is never read into memory whole. */
#define AUDIT_PAGE 1000

typedef struct {
    audit_cb cb;
    int64_t last;
    int n;
} audit_page;

static int
audit_page_row(const pg_row *r, void *c)
{
    audit_page *pg = c;

    pg->last = gdpr_pg__col_int(r, 0);
    pg->n++;
    return audit_row(r, &pg->cb);
}

int
gdpr_pg__audit_foreach(store *base, int64_t from_seq, store_audit_fn fn, void *ctx)
{
    audit_page page = {{fn, ctx}, from_seq - 1, AUDIT_PAGE};
    int rc = GDPR_OK;

    while (rc == GDPR_OK && page.n == AUDIT_PAGE) {
        pg_params p;
        gdpr_pg__p_init(&p);
        gdpr_pg__p_int(&p, page.last);
        gdpr_pg__p_int(&p, AUDIT_PAGE);
        page.n = 0;
        rc = gdpr_pg__rows((pg_store *)base,
                           "SELECT seq, at, actor, role, action, subject, outcome, ref, mac"
                           " FROM " D "audit WHERE seq > $1 ORDER BY seq LIMIT $2",
                           &p, "reading the audit trail", audit_page_row, &page);
    }
    return rc;
}

int
gdpr_pg__policy_insert(store *base, int64_t at, const char *actor,
                       const uint8_t sha256[CRYPTO_HASH_BYTES], const char *document,
                       int64_t *version_out)
{
    ((pg_store *)base)->known_policy_valid = 0;
    return gdpr_pg__document_insert((pg_store *)base,
                                    "INSERT INTO " D
                                    "policy(version, loaded_at, actor, sha256, document)"
                                    " VALUES($1, $2, $3, $4, $5)",
                                    "SELECT coalesce(max(version), 0) + 1 FROM " D "policy", at,
                                    actor, sha256, document, "storing the policy", version_out);
}

typedef struct {
    int64_t *version_out;
    uint8_t *sha256_out;
    char **document_out;
} policy_out;

static int
read_policy(const pg_row *r, void *ctx)
{
    const policy_out *p = ctx;
    size_t len = 0;
    const uint8_t *sha = gdpr_pg__col_blob(r, 1, &len);
    const char *doc = gdpr_pg__col_text(r, 2);

    *p->version_out = gdpr_pg__col_int(r, 0);
    if (sha == NULL || len != CRYPTO_HASH_BYTES || doc == NULL)
        return gdpr__err_set(GDPR_ECORRUPT, "policy version %lld: damaged row",
                             (long long)*p->version_out);
    memcpy(p->sha256_out, sha, CRYPTO_HASH_BYTES);
    *p->document_out = strdup(doc);
    if (*p->document_out == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory reading the policy");
    return GDPR_OK;
}

int
gdpr_pg__policy_latest(store *base, int64_t *version_out, uint8_t sha256_out[CRYPTO_HASH_BYTES],
                       char **document_out)
{
    return gdpr_pg__row((pg_store *)base,
                        "SELECT version, sha256, document FROM " D "policy"
                        " ORDER BY version DESC LIMIT 1",
                        NULL, "reading the policy", GDPR_ENOTFOUND, read_policy,
                        &(policy_out){version_out, sha256_out, document_out});
}

static int
read_document(const pg_row *r, void *ctx)
{
    char **document_out = ctx;
    const char *doc = gdpr_pg__col_text(r, 0);

    if (doc == NULL)
        return gdpr__err_set(GDPR_ECORRUPT, "version %lld: damaged row",
                             (long long)gdpr_pg__col_int(r, 1));
    *document_out = strdup(doc);
    if (*document_out == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory reading a document");
    return GDPR_OK;
}

int
gdpr_pg__policy_get(store *base, int64_t version, char **document_out)
{
    pg_params p;

    *document_out = NULL;
    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, version);
    return gdpr_pg__row((pg_store *)base,
                        "SELECT document, version FROM " D "policy WHERE version = $1", &p,
                        "reading a policy version", GDPR_ENOTFOUND, read_document, document_out);
}

int
gdpr_pg__policy_version(store *base, int64_t *version_out)
{
    pg_store *st = (pg_store *)base;
    int known = gdpr_pg__known_now(st);
    int rc;

    /* As the key state (keys.c): no other engine wrote since this
     * handle's own commit, which loaded no policy (seq.c). */
    if (known && st->known_policy_valid) {
        *version_out = st->known_policy;
        return GDPR_OK;
    }
    rc = gdpr_pg__one_int64(st, "SELECT coalesce(max(version), 0) FROM " D "policy", NULL,
                            "reading the policy version", version_out);
    if (rc == GDPR_OK && known) {
        st->known_policy = *version_out;
        st->known_policy_valid = 1;
    }
    return rc;
}
