/*
 * Ids and the store's generation. Ids come from one PostgreSQL sequence
 * per kind (gdpr.seq_<kind>): monotonic across every engine, never handed
 * out twice to committed rows. Inside a write transaction they come from
 * memory, as on SQLite (docs/decisions/0011): the first id of a kind is
 * nextval, the next ones are counted on from it under the store's write
 * lock (no other engine takes ids meanwhile: every writer holds the lock
 * for its whole transaction), and the sequence is set to the last one
 * handed out just before the COMMIT. A rolled-back transaction leaves the
 * sequence where its first nextval put it (ids of uncommitted rows may be
 * handed out again, never ids of committed rows). The generation is a row
 * of gdpr.counter raised by every committed transaction that wrote.
 *
 * What a handle knows of the store between statements (subject ids, the
 * audit tail, the key state and the policy version) holds while the
 * generation is the one it noted: every transaction that writes raises
 * it, so an unchanged generation at the next outermost begin (read under
 * the write lock) means no other engine wrote since; a rollback forgets
 * everything. The engine's refresh after its own commit (the generation
 * moved, by its own hand) asks the key state and the policy version: the
 * handle answers them from what it knows when the generation it has just
 * read is the one its own commit set, and the transaction wrote neither
 * (gdpr_pg__known_now), instead of two more round trips per call.
 * SPDX-License-Identifier: MIT
 */
#include "pg_internal.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"

#define D PG_DATA_SCHEMA "."

/* One statement per sequence: the names are constants, never values. */
static const char *const next_sql[STORE_SEQ_COUNT] = {
    [STORE_SEQ_SUBJECT] = "SELECT pg_catalog.nextval('" D "seq_subject')",
    [STORE_SEQ_IDENTITY] = "SELECT pg_catalog.nextval('" D "seq_identity')",
    [STORE_SEQ_VAULT] = "SELECT pg_catalog.nextval('" D "seq_vault')",
    [STORE_SEQ_CONSENT] = "SELECT pg_catalog.nextval('" D "seq_consent')",
    [STORE_SEQ_DISCLOSURE] = "SELECT pg_catalog.nextval('" D "seq_disclosure')",
    [STORE_SEQ_TRANSFER] = "SELECT pg_catalog.nextval('" D "seq_transfer')",
    [STORE_SEQ_SAFEGUARD] = "SELECT pg_catalog.nextval('" D "seq_safeguard')",
    [STORE_SEQ_REQUEST] = "SELECT pg_catalog.nextval('" D "seq_request')",
    [STORE_SEQ_REQUEST_EVENT] = "SELECT pg_catalog.nextval('" D "seq_request_event')",
    [STORE_SEQ_HOLD] = "SELECT pg_catalog.nextval('" D "seq_hold')",
    [STORE_SEQ_TOMBSTONE] = "SELECT pg_catalog.nextval('" D "seq_tombstone')",
    [STORE_SEQ_PENDING] = "SELECT pg_catalog.nextval('" D "seq_pending')",
    [STORE_SEQ_REVIEW] = "SELECT pg_catalog.nextval('" D "seq_review')",
    [STORE_SEQ_RETENTION_RUN] = "SELECT pg_catalog.nextval('" D "seq_retention_run')",
    [STORE_SEQ_SIGNAL] = "SELECT pg_catalog.nextval('" D "seq_signal')",
    [STORE_SEQ_BREACH] = "SELECT pg_catalog.nextval('" D "seq_breach')",
};

/* Where each sequence is put back to before the COMMIT. */
static const char *const setval_sql[STORE_SEQ_COUNT] = {
    [STORE_SEQ_SUBJECT] = "SELECT pg_catalog.setval('" D "seq_subject', $1)",
    [STORE_SEQ_IDENTITY] = "SELECT pg_catalog.setval('" D "seq_identity', $1)",
    [STORE_SEQ_VAULT] = "SELECT pg_catalog.setval('" D "seq_vault', $1)",
    [STORE_SEQ_CONSENT] = "SELECT pg_catalog.setval('" D "seq_consent', $1)",
    [STORE_SEQ_DISCLOSURE] = "SELECT pg_catalog.setval('" D "seq_disclosure', $1)",
    [STORE_SEQ_TRANSFER] = "SELECT pg_catalog.setval('" D "seq_transfer', $1)",
    [STORE_SEQ_SAFEGUARD] = "SELECT pg_catalog.setval('" D "seq_safeguard', $1)",
    [STORE_SEQ_REQUEST] = "SELECT pg_catalog.setval('" D "seq_request', $1)",
    [STORE_SEQ_REQUEST_EVENT] = "SELECT pg_catalog.setval('" D "seq_request_event', $1)",
    [STORE_SEQ_HOLD] = "SELECT pg_catalog.setval('" D "seq_hold', $1)",
    [STORE_SEQ_TOMBSTONE] = "SELECT pg_catalog.setval('" D "seq_tombstone', $1)",
    [STORE_SEQ_PENDING] = "SELECT pg_catalog.setval('" D "seq_pending', $1)",
    [STORE_SEQ_REVIEW] = "SELECT pg_catalog.setval('" D "seq_review', $1)",
    [STORE_SEQ_RETENTION_RUN] = "SELECT pg_catalog.setval('" D "seq_retention_run', $1)",
    [STORE_SEQ_SIGNAL] = "SELECT pg_catalog.setval('" D "seq_signal', $1)",
    [STORE_SEQ_BREACH] = "SELECT pg_catalog.setval('" D "seq_breach', $1)",
};

int
gdpr_pg__next_id(store *base, store_seq which, int64_t *id_out)
{
    pg_store *st = (pg_store *)base;
    pg_seq_state *s;
    int rc;

    if ((unsigned)which >= STORE_SEQ_COUNT)
        return gdpr__err_set(GDPR_EINVAL, "store: no id sequence %d", (int)which);
    if (st->depth == 0)
        return gdpr__err_set(GDPR_ESTATE, "store: ids are allocated inside a transaction");
    if (st->read_only)
        return gdpr_pg__one_int64(st, next_sql[which], NULL, "allocating an id", id_out);
    s = &st->seq[which];
    if (!s->loaded) {
        rc = gdpr_pg__one_int64(st, next_sql[which], NULL, "allocating an id", &s->top);
        if (rc != GDPR_OK)
            return rc;
        s->loaded = 1;
        s->next = s->top + 1;
        *id_out = s->top;
        return GDPR_OK;
    }
    if (s->next == INT64_MAX)
        return gdpr__err_set(GDPR_ESTORAGE, "store: id sequence %d is exhausted", (int)which);
    *id_out = s->next++;
    return GDPR_OK;
}

int
gdpr_pg__seq_flush(pg_store *st)
{
    int rc = GDPR_OK;

    for (int i = 0; i < STORE_SEQ_COUNT && rc == GDPR_OK; i++) {
        pg_seq_state *s = &st->seq[i];
        pg_params p;
        if (!s->loaded || s->next - 1 <= s->top)
            continue;
        gdpr_pg__p_init(&p);
        gdpr_pg__p_int(&p, s->next - 1);
        rc = gdpr_pg__exec_later(st, setval_sql[i], &p, "writing back an id sequence");
        if (rc == GDPR_OK)
            s->top = s->next - 1;
    }
    if (rc == GDPR_OK && st->key_serial.loaded && st->key_serial.next - 1 > st->key_serial.top) {
        pg_params p;
        gdpr_pg__p_init(&p);
        gdpr_pg__p_int(&p, st->key_serial.next - 1);
        rc =
            gdpr_pg__exec_later(st, "SELECT pg_catalog.setval('" PG_KEYS_SCHEMA ".key_serial', $1)",
                                &p, "writing back the key serial");
        if (rc == GDPR_OK)
            st->key_serial.top = st->key_serial.next - 1;
    }
    return rc;
}

int
gdpr_pg__key_serial_next(pg_store *st, int64_t *serial_out)
{
    pg_seq_state *s = &st->key_serial;
    int rc;

    if (st->depth == 0)
        return gdpr__err_set(GDPR_ESTATE, "store: key serials are allocated inside a transaction");
    if (!s->loaded || st->read_only) {
        rc = gdpr_pg__one_int64(st, "SELECT pg_catalog.nextval('" PG_KEYS_SCHEMA ".key_serial')",
                                NULL, "allocating a key serial", &s->top);
        if (rc != GDPR_OK)
            return rc;
        s->loaded = 1;
        s->next = s->top + 1;
        *serial_out = s->top;
        return GDPR_OK;
    }
    *serial_out = s->next++;
    return GDPR_OK;
}

void
gdpr_pg__seq_end(pg_store *st, int committed)
{
    for (int i = 0; i < STORE_SEQ_COUNT; i++)
        st->seq[i].loaded = 0;
    st->key_serial.loaded = 0;
    st->key_memo_valid = 0;
    if (!committed)
        gdpr_pg__cache_forget(st);
}

/* --- what the handle knows of subjects ---------------------------------- */

void
gdpr_pg__cache_forget(pg_store *st)
{
    if (st->subjects != NULL)
        memset(st->subjects, 0, PG_SUBJECT_SETS * PG_SUBJECT_WAYS * sizeof *st->subjects);
    st->cache_generation = 0;
    st->cache_tail_valid = 0;
    st->known_keys_valid = 0;
    st->known_policy_valid = 0;
}

static pg_subject_entry *
subject_set(pg_store *st, const uint8_t hash[CRYPTO_HASH_BYTES])
{
    /* The hash is a keyed HMAC: its bytes are uniform. */
    size_t set = ((size_t)hash[0] | (size_t)hash[1] << 8 | (size_t)hash[2] << 16) % PG_SUBJECT_SETS;
    return &st->subjects[set * PG_SUBJECT_WAYS];
}

pg_subject_entry *
gdpr_pg__subject_cached(pg_store *st, const uint8_t hash[CRYPTO_HASH_BYTES])
{
    pg_subject_entry *e;

    if (st->subjects == NULL || st->depth == 0 || st->read_only || st->reading)
        return NULL;
    e = subject_set(st, hash);
    for (unsigned w = 0; w < PG_SUBJECT_WAYS; w++)
        if (e[w].id != 0 && memcmp(e[w].hash, hash, CRYPTO_HASH_BYTES) == 0) {
            e[w].used_at = ++st->subject_uses;
            return &e[w];
        }
    return NULL;
}

void
gdpr_pg__subject_remember(pg_store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int64_t id,
                          int no_anchors)
{
    pg_subject_entry *e, *set;

    if (st->depth == 0 || st->read_only || st->reading || id == 0)
        return;
    if (st->subjects == NULL) {
        /* Without memory the handle only knows less. */
        st->subjects = calloc(PG_SUBJECT_SETS * PG_SUBJECT_WAYS, sizeof *st->subjects);
        if (st->subjects == NULL)
            return;
    }
    e = gdpr_pg__subject_cached(st, hash);
    if (e == NULL) {
        set = subject_set(st, hash);
        e = &set[0];
        for (unsigned w = 0; w < PG_SUBJECT_WAYS && e->id != 0; w++)
            if (set[w].id == 0 || set[w].used_at < e->used_at)
                e = &set[w];
    }
    memcpy(e->hash, hash, CRYPTO_HASH_BYTES);
    e->id = id;
    e->no_anchors = no_anchors;
    e->used_at = ++st->subject_uses;
}

static const char generation_sql[] = "SELECT value FROM " D "counter WHERE name = 'generation'";

/* Called right after the outermost BEGIN and the write lock: no other
 * writer can move the value until we commit. A writable begin read it
 * with the BEGIN (tx.c) into st->generation. */
int
gdpr_pg__generation_begin(pg_store *st)
{
    int64_t value = 0;
    int rc;

    if (!st->has_schema)
        return GDPR_OK;
    if (st->read_only) {
        rc = gdpr_pg__one_int64(st, generation_sql, NULL, "reading the store generation", &value);
        if (rc == GDPR_OK)
            st->generation = (uint64_t)value;
        return rc;
    }
    /* Another engine wrote since the handle noted what it knows: forget. */
    if (st->generation != st->cache_generation)
        gdpr_pg__cache_forget(st);
    st->cache_generation = st->generation;
    st->audit_tail_valid = st->cache_tail_valid;
    /* The key state came with the BEGIN, under the lock (tx.c). */
    st->known_keys.key_epoch = (uint64_t)st->begin_row[1];
    st->known_keys.kek_generation = (uint64_t)st->begin_row[2];
    st->known_keys.rekey_seq = st->begin_row[3];
    st->known_keys.data_kek_generation = (uint64_t)st->begin_row[4];
    st->known_keys_valid = 1;
    st->generation_fresh = 0;
    return GDPR_OK;
}

/* Before the outermost COMMIT: raise the generation when this transaction
 * wrote anything. PostgreSQL assigns a transaction id at the first write
 * (in either schema), so one statement both asks and raises. */
int
gdpr_pg__generation_bump(pg_store *st)
{
    PGresult *res = NULL;
    int rc;

    if (!st->has_schema || st->read_only)
        return GDPR_OK;
    rc = gdpr_pg__run(st,
                      "UPDATE " D "counter SET value = value + 1 WHERE name = 'generation'"
                      " AND pg_catalog.pg_current_xact_id_if_assigned() IS NOT NULL"
                      " RETURNING value",
                      NULL, "raising the store generation", &res);
    if (rc != GDPR_OK)
        return rc;
    if (PQntuples(res) == 1) {
        pg_row r = {res, 0};
        st->generation = (uint64_t)gdpr_pg__col_int(&r, 0);
        /* What the handle knows holds after its own commit; the key
         * epoch moves with a key row deleted (read with this statement's
         * round trip, keys.c). */
        if (st->cache_generation != 0)
            st->cache_generation = st->generation;
        if (st->keys_deleted)
            st->known_keys_valid = 0;
    }
    PQclear(res);
    return GDPR_OK;
}

int
gdpr_pg__known_now(const pg_store *st)
{
    return st->depth == 0 && !st->reading && !st->read_only && st->generation_fresh &&
           st->cache_generation != 0 && st->generation_read == st->cache_generation;
}

int
gdpr_pg__generation(store *base, uint64_t *generation_out)
{
    pg_store *st = (pg_store *)base;
    int64_t value = 0;
    int rc;

    if (st->depth > 0 || st->reading || !st->has_schema) {
        *generation_out = st->generation;
        return GDPR_OK;
    }
    rc = gdpr_pg__one_int64(st, generation_sql, NULL, "reading the store generation", &value);
    /* The session ended between calls and the socket did not show it yet
     * (a backend killed a moment ago): a read outside every transaction
     * is safe to send again on a new session. Without it the engine would
     * answer this call from caches it could not refresh. */
    if (rc == GDPR_ESTORAGE && st->depth == 0 && !st->reading && gdpr_pg__session_gone(st)) {
        rc = gdpr_pg__reconnect(st, "reading the store generation");
        if (rc == GDPR_OK)
            rc = gdpr_pg__one_int64(st, generation_sql, NULL, "reading the store generation",
                                    &value);
    }
    if (rc == GDPR_OK) {
        *generation_out = (uint64_t)value;
        st->generation_read = (uint64_t)value;
        st->generation_fresh = 1;
    }
    return rc;
}
