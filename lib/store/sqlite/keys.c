/*
 * The key life cycle across engines and crashes (schema 12 on,
 * docs/decisions/0008-many-engines.md): every key row carries the
 * generation its transaction commits as and a serial of its own; the
 * keystore counts key deletions (the key epoch) and master-key rotations.
 * An outermost transaction takes back the keys of a transaction whose
 * keystore part committed and whose data part never did: their generation
 * is above the data file's.
 * SPDX-License-Identifier: MIT
 */
#include "sqlite_internal.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"

/* At most this many orphans are taken back per transaction; the rest by
 * the next ones (a crash leaves the keys of one transaction). */
#define ORPHANS_PER_BEGIN 256

static int
counter_add(sqlite_store *st, int keys, const char *name, int64_t delta, int64_t *value_out)
{
    static const char sql[] = "UPDATE main.counter SET value = value + ?2 WHERE name = ?1"
                              " RETURNING value";
    sqlite3_stmt *s;
    int64_t value = 0;
    int rc = keys ? gdpr_sqlite__sq_stmt_keys(st, sql, &s) : gdpr_sqlite__sq_stmt(st, sql, &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, delta);
    rc = gdpr_sqlite__sq_one_int64(st, s, "moving a counter", &value);
    if (rc == GDPR_OK && value_out)
        *value_out = value;
    return rc;
}

static int
counter_set(sqlite_store *st, int keys, const char *name, int64_t value)
{
    static const char sql[] = "UPDATE main.counter SET value = ?2 WHERE name = ?1";
    sqlite3_stmt *s;
    int rc = keys ? gdpr_sqlite__sq_stmt_keys(st, sql, &s) : gdpr_sqlite__sq_stmt(st, sql, &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, value);
    return gdpr_sqlite__sq_step_done(st, s, "setting a counter");
}

static int
counter_get(sqlite_store *st, int keys, const char *name, int64_t *value_out)
{
    static const char sql[] = "SELECT value FROM main.counter WHERE name = ?1";
    sqlite3_stmt *s;
    int rc = keys ? gdpr_sqlite__sq_stmt_keys(st, sql, &s) : gdpr_sqlite__sq_stmt(st, sql, &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    return gdpr_sqlite__sq_one_int64(st, s, "reading a counter", value_out);
}

int
gdpr_sqlite__sq_key_epoch_bump(sqlite_store *st)
{
    if (!st->has_key_counters)
        return GDPR_OK;
    return counter_add(st, 1, "key_epoch", 1, NULL);
}

/* Random, so that taking back an orphan leaves no counter moved: two key
 * rows of one subject share a serial with probability 2^-63. */
int
gdpr_sqlite__sq_key_serial_next(sqlite_store *st, int64_t *serial_out)
{
    uint8_t b[8];
    uint64_t v = 0;
    /* The engine's pool when the store has its crypto context:
     * RAND_bytes checks the pid on every call (a system call). */
    int rc = st->base.row_mac != NULL ? gdpr_crypto__random_pooled(st->base.row_mac, b, sizeof b)
                                      : gdpr_crypto__random(b, sizeof b);

    if (rc != GDPR_OK)
        return rc;
    for (size_t i = 0; i < sizeof b; i++)
        v = v << 8 | b[i];
    *serial_out = (int64_t)(v >> 1);
    return GDPR_OK;
}

/* 1 when the data file still refers to the key `hash` names: a subject
 * row or a pending hook sealed under it. */
static int
key_referenced(sqlite_store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int *ref_out)
{
    sqlite3_stmt *s;
    int64_t n = 0;
    int rc =
        gdpr_sqlite__sq_stmt(st,
                             "SELECT EXISTS(SELECT 1 FROM main.subject WHERE hash = ?1)"
                             " OR EXISTS(SELECT 1 FROM main.erasure_pending WHERE key_id = ?1)",
                             &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, hash);
    rc = gdpr_sqlite__sq_one_int64(st, s, "looking for a key's subject", &n);
    *ref_out = n != 0;
    return rc;
}

static int
orphan_settle(sqlite_store *st, const uint8_t hash[CRYPTO_HASH_BYTES])
{
    sqlite3_stmt *s;
    int referenced = 0;
    int rc = key_referenced(st, hash, &referenced);

    st->key_memo_valid = 0;
    if (rc != GDPR_OK)
        return rc;
    /* Referenced: the data file is newer than its generation says (a
     * restored copy); keep the key and stop looking at it. */
    rc = gdpr_sqlite__sq_stmt_keys(st,
                                   referenced
                                       ? "UPDATE main.subject_key SET gen = NULL WHERE hash = ?1"
                                       : "DELETE FROM main.subject_key WHERE hash = ?1",
                                   &s);
    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, hash);
    /* No engine cached an orphan's key (its subject never arrived, and
     * the engine whose commit failed dropped its cache): no epoch raise. */
    return gdpr_sqlite__sq_step_done(st, s, "taking back an orphaned key");
}

int
gdpr_sqlite__sq_keys_repair(sqlite_store *st)
{
    uint8_t(*found)[CRYPTO_HASH_BYTES];
    sqlite3_stmt *s;
    size_t n = 0;
    int rc;

    if (!st->has_key_counters || !st->has_counters)
        return GDPR_OK;
    rc = gdpr_sqlite__sq_stmt_keys(
        st, "SELECT hash FROM main.subject_key WHERE gen > ?1 ORDER BY gen LIMIT ?2", &s);
    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, (int64_t)st->generation);
    sqlite3_bind_int(s, 2, ORPHANS_PER_BEGIN);
    rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        gdpr_sqlite__sq_reset(s);
        return rc == SQLITE_DONE ? GDPR_OK
                                 : gdpr_sqlite__sq_fail_keys(st, rc, "looking for orphaned keys");
    }
    found = malloc(ORPHANS_PER_BEGIN * sizeof *found);
    if (found == NULL) {
        gdpr_sqlite__sq_reset(s);
        return gdpr__err_set(GDPR_ENOMEM, "out of memory taking back orphaned keys");
    }
    do {
        if (sqlite3_column_bytes(s, 0) == (int)CRYPTO_HASH_BYTES)
            memcpy(found[n++], sqlite3_column_blob(s, 0), CRYPTO_HASH_BYTES);
    } while ((rc = sqlite3_step(s)) == SQLITE_ROW);
    gdpr_sqlite__sq_reset(s);
    rc = rc == SQLITE_DONE ? GDPR_OK : gdpr_sqlite__sq_fail_keys(st, rc, "listing orphaned keys");
    for (size_t i = 0; i < n && rc == GDPR_OK; i++)
        rc = orphan_settle(st, found[i]);
    free(found);
    return rc == GDPR_OK ? GDPR_OK : gdpr__err_wrap(rc, "taking back orphaned keys");
}

int
gdpr_sqlite__key_state(store *base, store_key_state *out)
{
    sqlite_store *st = (sqlite_store *)base;
    int64_t epoch = 0, kek = 0, seq = 0, data_kek = 0;
    int rc = GDPR_OK;

    memset(out, 0, sizeof *out);
    if (!st->has_key_counters)
        return GDPR_OK;
    rc = counter_get(st, 1, "key_epoch", &epoch);
    if (rc == GDPR_OK)
        rc = counter_get(st, 1, "kek_generation", &kek);
    if (rc == GDPR_OK)
        rc = counter_get(st, 1, "rekey_seq", &seq);
    if (rc == GDPR_OK)
        rc = counter_get(st, 0, "kek_generation", &data_kek);
    if (rc != GDPR_OK)
        return gdpr__err_wrap(rc, "reading the key state");
    out->key_epoch = (uint64_t)epoch;
    out->kek_generation = (uint64_t)kek;
    out->rekey_seq = seq;
    out->data_kek_generation = (uint64_t)data_kek;
    return GDPR_OK;
}

int
gdpr_sqlite__rotation_put(store *base, store_file f, uint64_t kek_generation, int64_t rekey_seq)
{
    sqlite_store *st = (sqlite_store *)base;
    int rc;

    if (!st->has_key_counters)
        return gdpr__err_set(GDPR_ESTATE, "store: schema older than %d", SQ_KEY_COUNTERS_VERSION);
    if (st->depth == 0)
        return gdpr__err_set(GDPR_ESTATE, "store: a rotation is recorded inside a transaction");
    rc = counter_set(st, f == STORE_KEYS, "kek_generation", (int64_t)kek_generation);
    if (rc == GDPR_OK && f == STORE_KEYS)
        rc = counter_set(st, 1, "rekey_seq", rekey_seq);
    return rc;
}

int
gdpr_sqlite__key_queue_destroy(store *base, const uint8_t hash[CRYPTO_HASH_BYTES])
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    sq_serial key = {0, 0};
    int rc = gdpr_sqlite__sq_stmt(
        st, "SELECT key_serial FROM main.erasure_shred_queue WHERE hash = ?1", &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, hash);
    rc = gdpr_sqlite__sq_row(st, s, "reading the key queue", SQ_NO_ROW, gdpr_sqlite__sq_read_serial,
                             &key);
    if (rc == SQ_NO_ROW)
        return gdpr__err_set(GDPR_ENOTFOUND, "key queue: no entry for this key");
    if (rc != GDPR_OK)
        return rc;
    /* Only the key the entry was queued for: a subject created again
     * since has a key with another serial, which stays. */
    st->key_memo_valid = 0;
    rc = gdpr_sqlite__sq_stmt_keys(
        st, "DELETE FROM main.subject_key WHERE hash = ?1 AND serial IS ?2", &s);
    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, hash);
    if (key.has)
        sqlite3_bind_int64(s, 2, key.serial);
    rc = gdpr_sqlite__sq_step_done(st, s, "destroying a key");
    if (rc == GDPR_OK && sqlite3_changes(st->kdb) > 0)
        rc = gdpr_sqlite__sq_key_epoch_bump(st);
    if (rc == GDPR_OK)
        rc = gdpr_sqlite__key_queue_remove(base, hash);
    return rc;
}

int
gdpr_sqlite__policy_version(store *base, int64_t *version_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st, "SELECT coalesce(max(version), 0) FROM main.policy", &s);

    if (rc != GDPR_OK)
        return rc;
    return gdpr_sqlite__sq_one_int64(st, s, "reading the policy version", version_out);
}
