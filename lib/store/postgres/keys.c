/*
 * The key life cycle on PostgreSQL: the key epoch, master-key rotations,
 * and destroying queued keys (docs/decisions/0008-many-engines.md). Both
 * schemas commit in one transaction, so no key row can be orphaned by a
 * crash between two commits: the SQLite backend's orphan repair has no
 * counterpart here.
 * SPDX-License-Identifier: MIT
 */
#include "pg_internal.h"

#include <string.h>

#include "error.h"

#define D PG_DATA_SCHEMA "."
#define K PG_KEYS_SCHEMA "."

int
gdpr_pg__key_epoch_bump(pg_store *st)
{
    st->known_keys_valid = 0;
    return gdpr_pg__exec(st, "UPDATE " K "counter SET value = value + 1 WHERE name = 'key_epoch'",
                         NULL, "raising the key epoch", NULL);
}

typedef struct {
    int64_t key_epoch, kek, rekey_seq, data_kek;
} key_counters;

static int
read_key_counters(const pg_row *r, void *ctx)
{
    key_counters *k = ctx;

    k->key_epoch = gdpr_pg__col_int(r, 0);
    k->kek = gdpr_pg__col_int(r, 1);
    k->rekey_seq = gdpr_pg__col_int(r, 2);
    k->data_kek = gdpr_pg__col_int(r, 3);
    return GDPR_OK;
}

int
gdpr_pg__key_state(store *base, store_key_state *out)
{
    pg_store *st = (pg_store *)base;
    key_counters k = {0, 0, 0, 0};
    int known = gdpr_pg__known_now(st);
    int rc;

    memset(out, 0, sizeof *out);
    if (known && st->known_keys_valid) {
        /* No other engine wrote since this handle's own commit, which
         * wrote no key counter (seq.c). */
        *out = st->known_keys;
        return GDPR_OK;
    }
    if (((pg_store *)base)->begin_row_fresh && ((pg_store *)base)->depth > 0) {
        /* Read with the BEGIN, under the write lock, no statement since. */
        const int64_t *b = ((pg_store *)base)->begin_row;
        ((pg_store *)base)->begin_row_fresh = 0;
        out->key_epoch = (uint64_t)b[1];
        out->kek_generation = (uint64_t)b[2];
        out->rekey_seq = b[3];
        out->data_kek_generation = (uint64_t)b[4];
        return GDPR_OK;
    }
    rc = gdpr_pg__row((pg_store *)base,
                      "SELECT (SELECT value FROM " K "counter WHERE name = 'key_epoch'),"
                      "       (SELECT value FROM " K "counter WHERE name = 'kek_generation'),"
                      "       (SELECT value FROM " K "counter WHERE name = 'rekey_seq'),"
                      "       (SELECT value FROM " D "counter WHERE name = 'kek_generation')",
                      NULL, "reading the key state", GDPR_ECORRUPT, read_key_counters, &k);
    if (rc != GDPR_OK)
        return gdpr__err_wrap(rc, "reading the key state");
    out->key_epoch = (uint64_t)k.key_epoch;
    out->kek_generation = (uint64_t)k.kek;
    out->rekey_seq = k.rekey_seq;
    out->data_kek_generation = (uint64_t)k.data_kek;
    /* Read after the generation the handle knows: the state at it, or
     * later (then the generation moved and is never read again). */
    if (known) {
        st->known_keys = *out;
        st->known_keys_valid = 1;
    }
    return GDPR_OK;
}

int
gdpr_pg__rotation_put(store *base, store_file f, uint64_t kek_generation, int64_t rekey_seq)
{
    pg_store *st = (pg_store *)base;
    pg_params p;
    int rc;

    if (st->depth == 0)
        return gdpr__err_set(GDPR_ESTATE, "store: a rotation is recorded inside a transaction");
    st->known_keys_valid = 0;
    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, (int64_t)kek_generation);
    if (f != STORE_KEYS)
        return gdpr_pg__exec(st, "UPDATE " D "counter SET value = $1 WHERE name = 'kek_generation'",
                             &p, "recording a rotation", NULL);
    rc = gdpr_pg__exec(st, "UPDATE " K "counter SET value = $1 WHERE name = 'kek_generation'", &p,
                       "recording a rotation", NULL);
    if (rc != GDPR_OK)
        return rc;
    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, rekey_seq);
    return gdpr_pg__exec(st, "UPDATE " K "counter SET value = $1 WHERE name = 'rekey_seq'", &p,
                         "recording a rotation", NULL);
}

typedef struct {
    int64_t serial;
    int has;
} queued_serial;

static int
read_serial(const pg_row *r, void *ctx)
{
    queued_serial *q = ctx;

    q->has = !gdpr_pg__col_null(r, 0);
    q->serial = gdpr_pg__col_int(r, 0);
    return GDPR_OK;
}

/* Delete one key row and remember that the transaction did: the keys
 * table is vacuumed once it commits (tx.c). */
static int
delete_key(pg_store *st, const char *sql, const pg_params *p)
{
    int64_t changed = 0;
    int rc;

    st->key_memo_valid = 0;
    rc = gdpr_pg__exec(st, sql, p, "destroying a key", &changed);

    if (rc == GDPR_OK && changed > 0) {
        st->keys_deleted = 1;
        rc = gdpr_pg__key_epoch_bump(st);
    }
    return rc;
}

int
gdpr_pg__key_queue_destroy(store *base, const uint8_t hash[CRYPTO_HASH_BYTES])
{
    pg_store *st = (pg_store *)base;
    queued_serial key = {0, 0};
    pg_params p;
    int rc;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, hash);
    rc = gdpr_pg__row(st, "SELECT key_serial FROM " D "erasure_shred_queue WHERE hash = $1", &p,
                      "reading the key queue", PG_NO_ROW, read_serial, &key);
    if (rc == PG_NO_ROW)
        return gdpr__err_set(GDPR_ENOTFOUND, "key queue: no entry for this key");
    if (rc != GDPR_OK)
        return rc;
    /* Only the key the entry was queued for: a subject created again
     * since has a key with another serial, which stays. */
    gdpr_pg__p_int_or_null(&p, key.has, key.serial);
    rc = delete_key(st,
                    "DELETE FROM " K "subject_key WHERE hash = $1"
                    " AND serial IS NOT DISTINCT FROM $2",
                    &p);
    if (rc != GDPR_OK)
        return rc;
    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, hash);
    return gdpr_pg__exec(st, "DELETE FROM " D "erasure_shred_queue WHERE hash = $1", &p,
                         "dequeueing a key", NULL);
}

int
gdpr_pg__key_delete(store *base, const uint8_t hash[CRYPTO_HASH_BYTES])
{
    pg_params p;

    pg_store *st = (pg_store *)base;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, hash);
    st->key_memo_valid = 0;
    /* One write in flight: the row deleted and, if there was one, the key
     * epoch raised; the transaction notes a deleted key (the VACUUM after
     * its commit) when the result is read, before the commit. */
    return gdpr_pg__exec_later_flag(st,
                                    "WITH d AS (DELETE FROM " K "subject_key WHERE hash = $1"
                                    " RETURNING 1) UPDATE " K "counter SET value = value + 1"
                                    " WHERE name = 'key_epoch' AND EXISTS (SELECT 1 FROM d)",
                                    &p, "destroying a key", &st->keys_deleted);
}

int
gdpr_pg__key_exists(store *base, const uint8_t hash[CRYPTO_HASH_BYTES], int *exists_out)
{
    int64_t n = 0;
    pg_params p;
    int rc;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, hash);
    rc = gdpr_pg__one_int64((pg_store *)base,
                            "SELECT count(*) FROM " K "subject_key WHERE hash = $1", &p,
                            "looking for a key", &n);
    if (rc == GDPR_OK)
        *exists_out = n != 0;
    return rc;
}
