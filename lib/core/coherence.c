/*
 * Many engines on one store (docs/decisions/0008-many-engines.md): what an
 * engine caches (the policy, subjects' data keys, the master key) is a
 * cache of the store, refreshed when the store generation shows that
 * another engine wrote. A master key rotated by another engine is taken
 * through the host's key callback or refused, never used to write.
 * SPDX-License-Identifier: MIT
 */
#include "engine.h"

#include <stdio.h>
#include <string.h>

#include "error.h"

/* The actor of the last rotation, for the audit event that finishes a
 * rotation whose data part was interrupted: "id\0role". */
#define ROTATION_ACTOR_META "rotation.actor"

static int
retired_error(const gdpr_engine *eng)
{
    return gdpr__err_set(GDPR_EKEY,
                         "master key: rotated by another engine (audit event %lld); this engine "
                         "holds the retired key and refuses to use it: reopen with the new key "
                         "or give opts.key_cb",
                         (long long)eng->retired_by_seq);
}

int
gdpr_engine__check_key(const gdpr_engine *eng)
{
    return eng->kek_retired ? retired_error(eng) : GDPR_OK;
}

/* The candidate KEK opens the stored root secret to the one in use. */
static int
root_matches(gdpr_engine *eng, const uint8_t kek[CRYPTO_KEY_BYTES])
{
    uint8_t wrapped[CRYPTO_WRAPPED_BYTES], root[CRYPTO_KEY_BYTES];
    size_t len = 0;
    int ok;
    int rc = gdpr_store__meta_get(eng->st, STORE_KEYS, "root", wrapped, sizeof wrapped, &len);

    if (rc != GDPR_OK || len != sizeof wrapped)
        return 0;
    rc = gdpr_crypto__root_unwrap(kek, wrapped, root);
    ok = rc == GDPR_OK && gdpr_crypto__equal(root, eng->root, sizeof root);
    gdpr_crypto__wipe(root, sizeof root);
    return ok;
}

/* Another engine rotated the master key: ask the host for the new one. */
static int
take_new_key(gdpr_engine *eng, const store_key_state *ks)
{
    uint8_t kek[CRYPTO_KEY_BYTES];
    int rc = GDPR_EKEY;

    /* Another engine rotated the master key: cached data keys go with
     * the old one (they stay valid, but a rotation is when an operator
     * wants key material out of memory). */
    gdpr_engine__dek_forget_all(eng);
    if (eng->key_cb != NULL && eng->key_cb(kek, eng->key_cb_ctx) == 0 && root_matches(eng, kek))
        rc = gdpr_crypto__ctx_set_kek(eng->crypto, kek);
    gdpr_crypto__wipe(kek, sizeof kek);
    gdpr__err_clear();
    if (rc == GDPR_OK) {
        eng->kek_generation = ks->kek_generation;
        eng->kek_retired = 0;
        return GDPR_OK;
    }
    eng->kek_retired = 1;
    eng->retired_by_seq = ks->rekey_seq;
    return retired_error(eng);
}

/* The keystore is rotated but the data file lacks the rotation's audit
 * event (a crash or failure between the two commits): append it now, in
 * the open transaction. */
static int
finish_rotation(gdpr_engine *eng, const store_key_state *ks)
{
    char buf[2 * GDPR_NAME_MAX + 2];
    char ref[96];
    gdpr_actor who = {"libgdpr", "system"};
    size_t len = 0;
    int64_t seq = 0;
    uint8_t mac[CRYPTO_HASH_BYTES];
    int rc =
        gdpr_store__meta_get(eng->st, STORE_KEYS, ROTATION_ACTOR_META, buf, sizeof buf - 1, &len);

    if (rc == GDPR_OK) {
        buf[len] = '\0';
        if (strlen(buf) + 1 < len) {
            who.id = buf;
            who.role = buf + strlen(buf) + 1;
        }
    } else if (rc == GDPR_ENOTFOUND) {
        gdpr__err_clear();
    } else {
        return rc;
    }
    snprintf(ref, sizeof ref, "key generation %llu (completed after an interrupted commit)",
             (unsigned long long)ks->kek_generation);
    rc = gdpr_audit__append(eng, &who, gdpr_permission__name(PERM_REKEY), NULL, GDPR_OK, ref);
    if (rc == GDPR_OK)
        rc = gdpr_store__audit_tail(eng->st, &seq, mac);
    if (rc == GDPR_OK)
        rc = gdpr_store__rotation_put(eng->st, STORE_KEYS, ks->kek_generation, seq);
    if (rc == GDPR_OK)
        rc = gdpr_store__rotation_put(eng->st, STORE_DATA, ks->kek_generation, 0);
    return rc == GDPR_OK ? GDPR_OK : gdpr__err_wrap(rc, "finishing an interrupted key rotation");
}

int
gdpr_engine__rotation_record(gdpr_engine *eng, const gdpr_actor *who, uint64_t kek_generation,
                             int64_t seq)
{
    char buf[2 * GDPR_NAME_MAX + 2];
    size_t id_len = strlen(who->id), role_len = strlen(who->role);
    int rc;

    memcpy(buf, who->id, id_len + 1);
    memcpy(buf + id_len + 1, who->role, role_len);
    rc = gdpr_store__meta_put(eng->st, STORE_KEYS, ROTATION_ACTOR_META, buf, id_len + 1 + role_len);
    if (rc == GDPR_OK)
        rc = gdpr_store__rotation_put(eng->st, STORE_KEYS, kek_generation, seq);
    if (rc == GDPR_OK)
        rc = gdpr_store__rotation_put(eng->st, STORE_DATA, kek_generation, 0);
    return rc;
}

/* What both refreshes do with the key state. */
static int
apply_key_state(gdpr_engine *eng, const store_key_state *ks)
{
    /* A key was destroyed somewhere (erasure, re-creation): each cached
     * key is checked against its row's serial at its next use
     * (gdpr_engine__subject_dek), so only the subjects concerned reload. */
    eng->key_epoch = ks->key_epoch;
    if (ks->kek_generation != eng->kek_generation)
        return take_new_key(eng, ks);
    return GDPR_OK;
}

int
gdpr_engine__kek_recheck(gdpr_engine *eng, int *moved_out)
{
    store_key_state ks;
    int rc = gdpr_store__key_state(eng->st, &ks);

    *moved_out = 0;
    if (rc != GDPR_OK || ks.kek_generation == eng->kek_generation)
        return rc;
    *moved_out = 1;
    return apply_key_state(eng, &ks);
}

int
gdpr_engine__sync_tx(gdpr_engine *eng)
{
    store_key_state ks;
    int rc = gdpr_store__key_state(eng->st, &ks);

    if (rc == GDPR_OK)
        rc = apply_key_state(eng, &ks);
    if (rc == GDPR_OK && ks.kek_generation > ks.data_kek_generation)
        rc = finish_rotation(eng, &ks);
    return rc;
}

void
gdpr_engine__rotated(gdpr_engine *eng, uint64_t kek_generation)
{
    eng->kek_generation = kek_generation;
    eng->kek_retired = 0;
    gdpr_engine__dek_forget_all(eng);
}

int
gdpr_engine__sync_init(gdpr_engine *eng)
{
    store_key_state ks;
    uint64_t g = 0;
    int rc = gdpr_store__key_state(eng->st, &ks);

    if (rc != GDPR_OK)
        return rc;
    /* The open proved the key against the stored root: it is current. */
    eng->key_epoch = ks.key_epoch;
    eng->kek_generation = ks.kek_generation;
    /* One transaction takes back orphaned keys and finishes a rotation a
     * crash interrupted (gdpr_engine__sync_tx, run by the begin once the
     * engine counts as synced). */
    eng->synced = 1;
    rc = gdpr_engine__begin(eng);
    if (rc == GDPR_OK)
        rc = gdpr_engine__end(eng, GDPR_OK);
    if (rc == GDPR_OK)
        rc = gdpr_store__generation(eng->st, &g);
    eng->seen_generation = g;
    eng->synced = rc == GDPR_OK;
    return rc;
}

int
gdpr_engine__sync(gdpr_engine *eng)
{
    store_key_state ks;
    uint64_t g = 0;
    int rc;

    if (gdpr_store__depth(eng->st) > 0)
        return GDPR_OK; /* our own lock is held: nothing moved */
    rc = gdpr_store__generation(eng->st, &g);
    if (rc != GDPR_OK)
        return rc;
    if (eng->synced && g == eng->seen_generation && !eng->kek_retired)
        return GDPR_OK;
    rc = gdpr_store__key_state(eng->st, &ks);
    if (rc == GDPR_OK)
        rc = apply_key_state(eng, &ks);
    if (rc == GDPR_OK)
        rc = gdpr_policy__refresh(eng);
    if (rc == GDPR_OK && ks.kek_generation > ks.data_kek_generation) {
        /* Half rotated: finish it under the write lock (sync_tx). */
        rc = gdpr_engine__begin(eng);
        if (rc == GDPR_OK)
            rc = gdpr_engine__end(eng, GDPR_OK);
    }
    if (rc != GDPR_OK)
        return rc;
    eng->seen_generation = g;
    eng->synced = 1;
    return GDPR_OK;
}
