/*
 * Subjects and their data keys. A subject row holds the keyed blind index
 * of the host's id and the id sealed under the subject's own key, so the
 * id is recoverable for an export yet gone with the key at erasure.
 * SPDX-License-Identifier: MIT
 */
#include "engine.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gdpr/subject.h"
#include "text.h"

static const char ident_aad_tag[] = "subject.ident";

static int dek_entry(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
                     dek_cache_entry **out);

/* The set of a subject's key: the hash is a keyed HMAC, so its bytes are
 * uniform. */
static dek_cache_entry *
cache_set(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES])
{
    size_t set = ((size_t)hash[0] | (size_t)hash[1] << 8 | (size_t)hash[2] << 16) % DEK_CACHE_SETS;
    return &eng->dek_cache[set * DEK_CACHE_WAYS];
}

/* The entry holding the subject's key, or NULL. */
static dek_cache_entry *
cache_find(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES])
{
    dek_cache_entry *e = cache_set(eng, hash);

    for (unsigned w = 0; w < DEK_CACHE_WAYS; w++)
        if (e[w].used && memcmp(e[w].hash, hash, CRYPTO_HASH_BYTES) == 0)
            return &e[w];
    return NULL;
}

/* Free the entry's cipher context (cleansed) and wipe the entry. */
static void
entry_drop(dek_cache_entry *e)
{
    gdpr_crypto__keyed_free(e->aead);
    gdpr_crypto__wipe(e, sizeof *e);
}

/* `epoch` is the key epoch at or before the read that gave `serial`. The
 * subject's own entry is replaced, else a free one, else the least
 * recently used of the set. A replaced entry's cipher context is set up
 * for the new key at once (gdpr_crypto__keyed_rekey overwrites the old
 * key's schedule, as freeing it would cleanse it), so the next seal under
 * the new key neither frees one context nor allocates another; if that
 * fails it is freed as before. The rest is wiped by the overwrite.
 * Returns the entry now holding the key. */
static dek_cache_entry *
cache_put(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
          const uint8_t dek[CRYPTO_KEY_BYTES], int64_t serial, uint64_t epoch)
{
    dek_cache_entry *e = cache_find(eng, hash);
    crypto_keyed *aead = NULL;

    if (e == NULL) {
        dek_cache_entry *set = cache_set(eng, hash);
        e = &set[0];
        for (unsigned w = 0; w < DEK_CACHE_WAYS && e->used; w++)
            if (!set[w].used || set[w].used_at < e->used_at)
                e = &set[w];
    }
    if (e->used && e->aead != NULL) {
        aead = e->aead;
        e->aead = NULL;
        if (gdpr_crypto__keyed_rekey(aead, dek) != GDPR_OK) {
            gdpr__err_clear(); /* made again at the entry's first seal or open */
            gdpr_crypto__keyed_free(aead);
            aead = NULL;
        }
    }
    if (e->used)
        entry_drop(e);
    e->aead = aead;
    e->sealed_once = 0;
    e->used = 1;
    memcpy(e->hash, hash, CRYPTO_HASH_BYTES);
    memcpy(e->dek, dek, CRYPTO_KEY_BYTES);
    e->serial = serial;
    e->epoch = epoch;
    e->used_at = ++eng->dek_uses;
    return e;
}

void
gdpr_engine__dek_forget(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES])
{
    dek_cache_entry *e = cache_find(eng, hash);

    if (e != NULL)
        entry_drop(e);
}

void
gdpr_engine__dek_forget_all(gdpr_engine *eng)
{
    if (eng->dek_cache == NULL)
        return;
    for (size_t i = 0; i < DEK_CACHE_SLOTS; i++)
        if (eng->dek_cache[i].used)
            entry_drop(&eng->dek_cache[i]);
    gdpr_crypto__wipe(eng->dek_cache, DEK_CACHE_SLOTS * sizeof *eng->dek_cache);
}

size_t
gdpr_engine__dek_contexts(const gdpr_engine *eng)
{
    size_t n = 0;

    for (size_t i = 0; eng->dek_cache != NULL && i < DEK_CACHE_SLOTS; i++)
        n += eng->dek_cache[i].used && eng->dek_cache[i].aead != NULL;
    return n;
}

int
gdpr_engine__subject_hash(gdpr_engine *eng, const char *subject, uint8_t hash[CRYPTO_HASH_BYTES])
{
    int rc = gdpr_text__check("subject", subject, GDPR_NAME_MAX);

    if (rc != GDPR_OK)
        return rc;
    return gdpr_crypto__blind_index(eng->crypto, "subject", subject, strlen(subject), hash);
}

int
gdpr_engine__lock_subject(gdpr_engine *eng, const char *subject, uint8_t hash[CRYPTO_HASH_BYTES])
{
    int rc;

    gdpr_engine__lock(eng);
    rc = gdpr_engine__require_policy(eng);
    if (rc == GDPR_OK)
        rc = gdpr_engine__subject_hash(eng, subject, hash);
    return rc;
}

static void
ident_aad(const uint8_t hash[CRYPTO_HASH_BYTES],
          uint8_t aad[sizeof ident_aad_tag + CRYPTO_HASH_BYTES])
{
    memcpy(aad, ident_aad_tag, sizeof ident_aad_tag);
    memcpy(aad + sizeof ident_aad_tag, hash, CRYPTO_HASH_BYTES);
}

static int
create_subject(gdpr_engine *eng, const char *subject, const uint8_t hash[CRYPTO_HASH_BYTES],
               int64_t *id_out)
{
    uint8_t dek[CRYPTO_KEY_BYTES];
    uint8_t wrapped[CRYPTO_WRAPPED_BYTES];
    uint8_t aad[sizeof ident_aad_tag + CRYPTO_HASH_BYTES];
    uint8_t sealed[GDPR_NAME_MAX + CRYPTO_SEAL_OVERHEAD];
    size_t len = strlen(subject);
    int64_t serial = 0;
    int rc = gdpr_crypto__dek_new(eng->crypto, dek);

    ident_aad(hash, aad);
    if (rc == GDPR_OK)
        rc = gdpr_crypto__dek_wrap(eng->crypto, hash, dek, wrapped);
    if (rc == GDPR_OK)
        rc = gdpr_crypto__seal(eng->crypto, dek, aad, sizeof aad, subject, len, sealed);
    /* A key row without a subject row is the old key of an erased
     * subject still queued for destruction (another engine's erasure
     * between its two transactions) or a crash's orphan: it protects
     * nothing, so it goes now and the new key takes its place (the queue
     * entry, bound to the old key, will leave the new one alone). */
    if (rc == GDPR_OK)
        rc = gdpr_store__key_delete(eng->st, hash);
    gdpr_engine__dek_forget(eng, hash);
    /* Key before data (docs/decisions/0003-two-files.md). */
    if (rc == GDPR_OK)
        rc = gdpr_store__key_put(eng->st, hash, wrapped);
    if (rc == GDPR_OK)
        rc = gdpr_store__key_serial(eng->st, hash, NULL, &serial);
    if (rc == GDPR_OK)
        rc = gdpr_store__subject_insert(eng->st, hash, sealed, len + CRYPTO_SEAL_OVERHEAD,
                                        gdpr_engine__now(eng), id_out);
    if (rc == GDPR_OK)
        cache_put(eng, hash, dek, serial, eng->key_epoch);
    gdpr_crypto__wipe(dek, sizeof dek);
    return rc;
}

int
gdpr_engine__subject_ensure_hashed(gdpr_engine *eng, const char *subject,
                                   const uint8_t hash[CRYPTO_HASH_BYTES], int64_t *id_out,
                                   int *created_out)
{
    int64_t id = 0;
    int rc = gdpr_store__subject_find(eng->st, hash, &id);

    if (created_out)
        *created_out = 0;
    if (rc == GDPR_ENOTFOUND) {
        rc = create_subject(eng, subject, hash, &id);
        if (rc == GDPR_OK && created_out)
            *created_out = 1;
    }
    if (rc == GDPR_OK && id_out)
        *id_out = id;
    return rc;
}

int
gdpr_engine__subject_ensure(gdpr_engine *eng, const char *subject, uint8_t hash[CRYPTO_HASH_BYTES],
                            int64_t *id_out, int *created_out)
{
    int rc = gdpr_engine__subject_hash(eng, subject, hash);

    if (created_out)
        *created_out = 0;
    if (rc != GDPR_OK)
        return rc;
    return gdpr_engine__subject_ensure_hashed(eng, subject, hash, id_out, created_out);
}

int
gdpr_engine__subject_ident_sealed(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
                                  const uint8_t *sealed, size_t len, char **subject_out)
{
    uint8_t aad[sizeof ident_aad_tag + CRYPTO_HASH_BYTES];
    dek_cache_entry *e = NULL;
    char *plain;
    int rc;

    *subject_out = NULL;
    if (len < CRYPTO_SEAL_OVERHEAD)
        return gdpr__err_set(GDPR_ECORRUPT, "subject: sealed id too short");
    plain = malloc(len - CRYPTO_SEAL_OVERHEAD + 1);
    if (plain == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory for a subject id");
    rc = dek_entry(eng, hash, &e);
    ident_aad(hash, aad);
    /* One open: the key set up in the engine's shared context, unless the
     * subject's entry holds one set up already. A report over every
     * subject so leaves no cipher context per subject in the cache. */
    if (rc == GDPR_OK && e->aead != NULL)
        rc = gdpr_crypto__keyed_open(e->aead, aad, sizeof aad, sealed, len, (uint8_t *)plain);
    else if (rc == GDPR_OK)
        rc = gdpr_crypto__open(eng->crypto, e->dek, aad, sizeof aad, sealed, len, (uint8_t *)plain);
    if (rc != GDPR_OK) {
        free(plain);
        return gdpr__err_wrap(rc, "subject id");
    }
    plain[len - CRYPTO_SEAL_OVERHEAD] = '\0';
    *subject_out = plain;
    return GDPR_OK;
}

int
gdpr_engine__subject_ident(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
                           char **subject_out)
{
    uint8_t sealed[GDPR_NAME_MAX + CRYPTO_SEAL_OVERHEAD];
    size_t len = 0;
    int rc;

    *subject_out = NULL;
    rc = gdpr_store__subject_ident(eng->st, hash, sealed, sizeof sealed, &len);
    if (rc != GDPR_OK)
        return rc;
    return gdpr_engine__subject_ident_sealed(eng, hash, sealed, len, subject_out);
}

/* The subject's key, checked as docs/decisions/0008-many-engines.md
 * says, as the cache entry now holding it (valid until the next cache
 * change). */
static int
dek_entry(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES], dek_cache_entry **out)
{
    dek_cache_entry *e = cache_find(eng, hash);
    uint8_t wrapped[CRYPTO_WRAPPED_BYTES];
    uint8_t dek[CRYPTO_KEY_BYTES];
    uint64_t epoch = eng->key_epoch;
    int64_t serial = 0;
    int hit = e != NULL;
    int rc;

    *out = NULL;
    /* No key deleted anywhere since the entry was checked: no read. */
    if (hit && e->epoch == epoch) {
        e->used_at = ++eng->dek_uses;
        *out = e;
        return GDPR_OK;
    }
    /* One read gives the row's serial and wrapped key: the same serial
     * means the same key (an erased and re-created subject has a new
     * row with a new random serial), so no unwrap. */
    rc = gdpr_store__key_serial(eng->st, hash, wrapped, &serial);
    if (rc == GDPR_ENOTFOUND) {
        if (hit)
            entry_drop(e);
        return gdpr__err_set(GDPR_ENOTFOUND, "subject: has no data key (never created, or erased)");
    }
    if (rc != GDPR_OK)
        return rc;
    if (hit && e->serial == serial) {
        e->epoch = epoch;
        e->used_at = ++eng->dek_uses;
        gdpr_crypto__wipe(wrapped, sizeof wrapped);
        *out = e;
        return GDPR_OK;
    }
    eng->dek_unwraps++;
    rc = gdpr_crypto__dek_unwrap(eng->crypto, hash, wrapped, dek);
    if (rc == GDPR_ECORRUPT && gdpr_store__depth(eng->st) == 0) {
        /* A read outside a transaction may see a rotation's keystore
         * part before its data part (the generation it refreshed at):
         * the key is wrapped under the new master key, not corrupt. */
        int moved = 0;
        int rc2 = gdpr_engine__kek_recheck(eng, &moved);

        if (moved) {
            gdpr__err_clear();
            /* Not taken: the engine refuses (GDPR_EKEY naming the event). */
            rc = rc2 != GDPR_OK ? gdpr_engine__check_key(eng)
                                : gdpr_crypto__dek_unwrap(eng->crypto, hash, wrapped, dek);
        }
    }
    if (rc == GDPR_OK) {
        *out = cache_put(eng, hash, dek, serial, epoch);
    } else {
        /* The recheck may have dropped the whole cache (a rotation). */
        e = cache_find(eng, hash);
        if (e != NULL)
            entry_drop(e);
    }
    gdpr_crypto__wipe(dek, sizeof dek);
    return rc;
}

int
gdpr_engine__subject_dek(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
                         uint8_t dek[CRYPTO_KEY_BYTES])
{
    dek_cache_entry *e = NULL;
    int rc = dek_entry(eng, hash, &e);

    if (rc == GDPR_OK)
        memcpy(dek, e->dek, CRYPTO_KEY_BYTES);
    return rc;
}

GDPR_API int
gdpr_subject_ensure(gdpr_engine *eng, const gdpr_actor *who, const char *subject, int *created_out)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    int64_t id = 0;
    int rc;

    if (created_out)
        *created_out = 0;
    rc = gdpr_engine__enter_subject(eng, who, subject);
    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_engine__lock_subject(eng, subject, hash);
    if (rc == GDPR_OK)
        rc = gdpr_store__subject_find(eng->st, hash, &id);
    if (rc == GDPR_OK)
        return gdpr_engine__unlock(eng, rc);
    if (rc != GDPR_ENOTFOUND)
        return gdpr_engine__unlock(eng, gdpr_engine__failed_unbegun(eng, rc));
    rc = gdpr_engine__authorize(eng, who, PERM_SUBJECT_CREATE, hash);
    /* The id, the permission and that the subject is new are checked
     * under the write lock: after the first write only a lack of memory
     * or storage can fail the call, so inside a batch it needs no
     * savepoint (docs/decisions/0011-snapshot-reads.md). */
    if (rc == GDPR_OK)
        rc = gdpr_engine__begin_checked(eng);
    if (rc != GDPR_OK)
        return gdpr_engine__unlock(eng, gdpr_engine__failed_unbegun(eng, rc));
    rc = create_subject(eng, subject, hash, &id);
    if (rc == GDPR_OK)
        rc = gdpr_audit__append(eng, who, gdpr_permission__name(PERM_SUBJECT_CREATE), hash, GDPR_OK,
                                NULL);
    rc = gdpr_engine__end(eng, rc);
    if (rc == GDPR_OK && created_out)
        *created_out = 1;
    return gdpr_engine__unlock(eng, rc);
}

GDPR_API int
gdpr_subject_exists(gdpr_engine *eng, const char *subject, int *exists_out)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    int64_t id;
    int rc;

    if (gdpr_engine__check_given(eng, exists_out != NULL, "exists_out") != GDPR_OK)
        return GDPR_EINVAL;
    /* gdpr_engine__subject_hash checks the subject's text. */
    gdpr_engine__lock(eng);
    rc = gdpr_engine__subject_hash(eng, subject, hash);
    if (rc == GDPR_OK)
        rc = gdpr_store__subject_find(eng->st, hash, &id);
    *exists_out = rc == GDPR_OK;
    if (rc == GDPR_ENOTFOUND)
        rc = GDPR_OK;
    return gdpr_engine__unlock(eng, rc);
}

GDPR_API int
gdpr_subject_hash(gdpr_engine *eng, const char *subject, char **out)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    char *hex;
    int rc;

    if (gdpr_engine__check_given(eng, out != NULL, "out") != GDPR_OK)
        return GDPR_EINVAL;
    *out = NULL;
    rc = gdpr_text__check("subject", subject, GDPR_NAME_MAX);
    if (rc != GDPR_OK)
        return rc;
    hex = malloc(2 * CRYPTO_HASH_BYTES + 1);
    if (hex == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory");
    gdpr_engine__lock(eng);
    rc = gdpr_engine__subject_hash(eng, subject, hash);
    gdpr_engine__unlock(eng, rc);
    if (rc != GDPR_OK) {
        free(hex);
        return rc;
    }
    gdpr__hex_encode(hash, CRYPTO_HASH_BYTES, hex);
    *out = hex;
    return GDPR_OK;
}

/* AAD: "table\0field\0" | row (8 bytes, big-endian) | subject hash. */
#define FIELD_AAD_MAX (2u * GDPR_NAME_MAX + 64u)

static size_t
field_aad(const char *table, int64_t row, const char *field, const uint8_t hash[CRYPTO_HASH_BYTES],
          uint8_t *aad, size_t cap)
{
    size_t tlen = strlen(table) + 1, flen = strlen(field) + 1;
    size_t n = 0;

    if (tlen + flen + 8 + CRYPTO_HASH_BYTES > cap)
        return 0;
    memcpy(aad, table, tlen);
    n += tlen;
    memcpy(aad + n, field, flen);
    n += flen;
    for (int i = 7; i >= 0; i--)
        aad[n++] = (uint8_t)((uint64_t)row >> (8 * i));
    memcpy(aad + n, hash, CRYPTO_HASH_BYTES);
    return n + CRYPTO_HASH_BYTES;
}

/* field_aad into a FIELD_AAD_MAX buffer, refusing names too long for it. */
static int
field_aad_checked(const char *table, int64_t row, const char *field,
                  const uint8_t hash[CRYPTO_HASH_BYTES], uint8_t aad[FIELD_AAD_MAX],
                  size_t *len_out)
{
    *len_out = field_aad(table, row, field, hash, aad, FIELD_AAD_MAX);
    if (*len_out == 0)
        return gdpr__err_set(GDPR_EINVAL, "internal: table/field names too long for the AAD");
    return GDPR_OK;
}

/* The field's AAD and its subject's cache entry, whose own context is
 * made at its second use; on the first (aead still NULL) the caller seals
 * or opens under e->dek in the engine's shared context (dek_cache_entry). */
static int
field_key(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES], const char *table, int64_t row,
          const char *field, uint8_t aad[FIELD_AAD_MAX], size_t *aad_len_out,
          dek_cache_entry **entry)
{
    int rc = field_aad_checked(table, row, field, hash, aad, aad_len_out);

    if (rc == GDPR_OK)
        rc = dek_entry(eng, hash, entry);
    if (rc != GDPR_OK || (*entry)->aead != NULL)
        return rc;
    if (!(*entry)->sealed_once) {
        (*entry)->sealed_once = 1;
        return GDPR_OK;
    }
    rc = gdpr_crypto__keyed_new(eng->crypto, (*entry)->dek, &(*entry)->aead);
    return rc;
}

int
gdpr_engine__seal_field(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES], const char *table,
                        int64_t row, const char *field, const void *plain, size_t len, uint8_t *out)
{
    uint8_t aad[FIELD_AAD_MAX];
    dek_cache_entry *e = NULL;
    size_t aad_len = 0;
    int rc = field_key(eng, hash, table, row, field, aad, &aad_len, &e);

    if (rc != GDPR_OK)
        return rc;
    if (e->aead == NULL)
        return gdpr_crypto__seal(eng->crypto, e->dek, aad, aad_len, plain, len, out);
    return gdpr_crypto__keyed_seal(eng->crypto, e->aead, aad, aad_len, plain, len, out);
}

struct engine_field_opener {
    crypto_opener *opener;
    uint8_t hash[CRYPTO_HASH_BYTES];
};

int
gdpr_engine__field_opener_new(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
                              engine_field_opener **out)
{
    uint8_t dek[CRYPTO_KEY_BYTES];
    engine_field_opener *fo;
    int rc;

    *out = NULL;
    fo = calloc(1, sizeof *fo);
    if (fo == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory for a field opener");
    memcpy(fo->hash, hash, CRYPTO_HASH_BYTES);
    rc = gdpr_engine__subject_dek(eng, hash, dek);
    if (rc == GDPR_OK)
        rc = gdpr_crypto__opener_new(eng->crypto, dek, &fo->opener);
    gdpr_crypto__wipe(dek, sizeof dek);
    if (rc != GDPR_OK) {
        free(fo);
        return rc;
    }
    *out = fo;
    return GDPR_OK;
}

int
gdpr_engine__field_opener_open(engine_field_opener *fo, const char *table, int64_t row,
                               const char *field, const uint8_t *sealed, size_t sealed_len,
                               uint8_t *out)
{
    uint8_t aad[FIELD_AAD_MAX];
    size_t aad_len = 0;
    int rc = field_aad_checked(table, row, field, fo->hash, aad, &aad_len);

    if (rc == GDPR_OK)
        rc = gdpr_crypto__opener_open(fo->opener, aad, aad_len, sealed, sealed_len, out);
    if (rc == GDPR_ECORRUPT)
        return gdpr__err_wrap(rc, "%s row %lld field %s", table, (long long)row, field);
    return rc;
}

void
gdpr_engine__field_opener_free(engine_field_opener *fo)
{
    if (fo == NULL)
        return;
    gdpr_crypto__opener_free(fo->opener);
    free(fo);
}

int
gdpr_engine__open_field(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES], const char *table,
                        int64_t row, const char *field, const uint8_t *sealed, size_t sealed_len,
                        uint8_t *out)
{
    uint8_t aad[FIELD_AAD_MAX];
    dek_cache_entry *e = NULL;
    size_t aad_len = 0;
    int rc = field_key(eng, hash, table, row, field, aad, &aad_len, &e);

    if (rc == GDPR_OK && e->aead == NULL)
        rc = gdpr_crypto__open(eng->crypto, e->dek, aad, aad_len, sealed, sealed_len, out);
    else if (rc == GDPR_OK)
        rc = gdpr_crypto__keyed_open(e->aead, aad, aad_len, sealed, sealed_len, out);
    if (rc == GDPR_ECORRUPT)
        return gdpr__err_wrap(rc, "%s row %lld field %s", table, (long long)row, field);
    return rc;
}
