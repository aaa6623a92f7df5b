/*
 * The engine: open, close, batches, key rotation, and the services every
 * capability uses (lock, clock, permissions, transactions).
 * SPDX-License-Identifier: MIT
 */
#include "engine.h"
#include "module.h"
#include "shred.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "testhook.h"
#include "text.h"

#define PATH_MAX_BYTES 4096u
#define PASSPHRASE_MAX_BYTES 1024u
/* A new passphrase (new store, rekey) has at least this many bytes;
 * existing stores still open with a shorter one so they can be rekeyed
 * (docs/threat-model.md "Passphrases"). */
#define PASSPHRASE_MIN_BYTES 12u
#define STORE_ID_BYTES 16u

GDPR_API const char *
gdpr_version(void)
{
    return GDPR_VERSION_STRING;
}

GDPR_API unsigned int
gdpr_version_number(void)
{
    return GDPR_VERSION_NUMBER;
}

GDPR_API size_t
gdpr_key_bytes(void)
{
    return GDPR_KEY_BYTES;
}

GDPR_API void
gdpr_free(void *p)
{
    free(p);
}

GDPR_API int
gdpr_options_init(gdpr_options *opts, unsigned int version)
{
    gdpr__err_clear();
    if (opts == NULL)
        return gdpr__err_set(GDPR_EINVAL, "opts: must not be NULL");
    if (version == 0 || version > GDPR_OPTIONS_VERSION)
        return gdpr__err_set(GDPR_EVERSION, "version: %u is not a known options version (1..%u)",
                             version, GDPR_OPTIONS_VERSION);
    memset(opts, 0, sizeof *opts);
    opts->version = version;
    return GDPR_OK;
}

static int64_t
wall_clock(void *ctx)
{
    (void)ctx;
    return (int64_t)time(NULL);
}

void
gdpr_engine__lock(gdpr_engine *eng)
{
    pthread_mutex_lock(&eng->lock);
    /* The outermost lock of a public call refreshes what the engine
     * caches when another engine wrote (lib/core/coherence.c). A failure
     * other than a retired key is left to the call's own store access. */
    if (++eng->lock_depth == 1 && eng->synced)
        (void)gdpr_engine__sync(eng);
    gdpr__err_clear();
}

int
gdpr_engine__unlock(gdpr_engine *eng, int rc)
{
    eng->lock_depth--;
    pthread_mutex_unlock(&eng->lock);
    return rc;
}

void
gdpr_engine__lock_read(gdpr_engine *eng)
{
    pthread_mutex_lock(&eng->lock);
    /* The read begins before the coherence check, so that the generation
     * it compares is the one of the snapshot the call reads. A failure to
     * begin leaves the call to read statement by statement, as before. */
    if (++eng->lock_depth == 1 && !eng->batch && !eng->snapshot && eng->st != NULL &&
        gdpr_store__depth(eng->st) == 0)
        eng->read_scope = gdpr_store__read_begin(eng->st, 0) == GDPR_OK;
    if (eng->lock_depth == 1 && eng->synced)
        (void)gdpr_engine__sync(eng);
    gdpr__err_clear();
}

int
gdpr_engine__unlock_read(gdpr_engine *eng, int rc)
{
    if (eng->lock_depth == 1 && eng->read_scope) {
        gdpr_store__read_end(eng->st);
        eng->read_scope = 0;
    }
    return gdpr_engine__unlock(eng, rc);
}

int64_t
gdpr_engine__now(const gdpr_engine *eng)
{
    return eng->clock(eng->clock_ctx);
}

int
gdpr_engine__check_eng(const gdpr_engine *eng)
{
    if (eng == NULL)
        return gdpr__err_set(GDPR_EINVAL, "eng: must not be NULL");
    gdpr__err_clear();
    return GDPR_OK;
}

int
gdpr_engine__check_given(const gdpr_engine *eng, int given, const char *name)
{
    if (gdpr_engine__check_eng(eng) != GDPR_OK)
        return GDPR_EINVAL;
    if (!given)
        return gdpr__err_set(GDPR_EINVAL, "%s: must not be NULL", name);
    return GDPR_OK;
}

int
gdpr_engine__enter(const gdpr_engine *eng, const gdpr_actor *who)
{
    int rc = gdpr_engine__check_eng(eng);

    return rc == GDPR_OK ? gdpr_engine__check_actor(who) : rc;
}

int
gdpr_engine__enter_subject(const gdpr_engine *eng, const gdpr_actor *who, const char *subject)
{
    int rc = gdpr_engine__enter(eng, who);

    if (rc == GDPR_OK)
        rc = gdpr_text__check("subject", subject, GDPR_NAME_MAX);
    return rc;
}

int
gdpr_engine__check_actor(const gdpr_actor *who)
{
    int rc;

    if (who == NULL)
        return gdpr__err_set(GDPR_EINVAL, "who: must not be NULL (every change names its actor)");
    rc = gdpr_text__check("who.id", who->id, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = gdpr_text__check("who.role", who->role, GDPR_NAME_MAX);
    return rc;
}

int
gdpr_engine__require_policy(const gdpr_engine *eng)
{
    if (eng->kek_retired)
        return gdpr_engine__check_key(eng);
    if (eng->policy == NULL)
        return gdpr__err_set(GDPR_ESTATE,
                             "policy: none loaded; load one with gdpr_policy_load() first");
    return GDPR_OK;
}

static void
roles_with(const policy_model *p, permission perm, char *buf, size_t size)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < p->n_roles && used < size; i++) {
        if (!gdpr_policy__role_allows(&p->roles[i], perm))
            continue;
        used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? ", " : "", p->roles[i].id);
    }
    if (buf[0] == '\0')
        snprintf(buf, size, "none");
}

int
gdpr_engine__authorize(gdpr_engine *eng, const gdpr_actor *who, permission perm,
                       const uint8_t *subject_hash)
{
    const policy_role *role;
    char roles[256];
    int rc;

    rc = gdpr_engine__require_policy(eng);
    if (rc != GDPR_OK)
        return rc;
    role = gdpr_policy__find_role(eng->policy, who->role);
    if (role != NULL && gdpr_policy__role_allows(role, perm))
        return gdpr_audit__read_only_check(eng, perm);
    /* The refusal itself is a fact the trail must show. */
    rc = gdpr_audit__refusal(eng, who, gdpr_permission__name(perm), subject_hash, GDPR_EDENIED,
                             NULL);
    if (rc != GDPR_OK)
        return gdpr__err_wrap(rc, "auditing a refused '%s'", gdpr_permission__name(perm));
    roles_with(eng->policy, perm, roles, sizeof roles);
    if (role == NULL)
        return gdpr__err_set(GDPR_EDENIED,
                             "who.role: '%.64s' is not a role of the policy; "
                             "'%s' needs one of: %s",
                             who->role, gdpr_permission__name(perm), roles);
    return gdpr__err_set(GDPR_EDENIED, "who.role: '%.64s' lacks permission '%s'; roles with it: %s",
                         who->role, gdpr_permission__name(perm), roles);
}

static int
engine_begin(gdpr_engine *eng, int checked)
{
    int outermost = gdpr_store__depth(eng->st) == 0;
    int rc = gdpr_engine__check_key(eng);

    if (rc == GDPR_OK && eng->snapshot)
        return gdpr__err_set(GDPR_ESTATE, "a read snapshot is open (gdpr_read_begin): calls that "
                                          "change the store wait for gdpr_read_end()");

    if (rc == GDPR_OK)
        rc = checked ? gdpr_store__begin_unguarded(eng->st) : gdpr_store__begin(eng->st);
    if (rc != GDPR_OK || !outermost || !eng->synced)
        return rc;
    /* Under the write lock: never write with a retired master key. */
    rc = gdpr_engine__sync_tx(eng);
    if (rc != GDPR_OK)
        gdpr_store__rollback(eng->st);
    return rc;
}

int
gdpr_engine__begin(gdpr_engine *eng)
{
    return engine_begin(eng, 0);
}

int
gdpr_engine__begin_checked(gdpr_engine *eng)
{
    return engine_begin(eng, 1);
}

int
gdpr_engine__failed_unbegun(gdpr_engine *eng, int rc)
{
    /* Only a lack of memory or storage makes SQLite end a transaction by
     * itself. An empty unguarded level, ended at once: its rollback
     * undoes nothing when the batch is intact and finds out when it is
     * gone. */
    if ((rc != GDPR_ENOMEM && rc != GDPR_ESTORAGE) || !eng->batch ||
        gdpr_store__depth(eng->st) == 0 || gdpr_store__begin_unguarded(eng->st) != GDPR_OK)
        return rc;
    return gdpr_engine__end(eng, rc);
}

int
gdpr_engine__end(gdpr_engine *eng, int rc)
{
    if (rc == GDPR_OK)
        rc = gdpr_store__commit(eng->st);
    else
        gdpr_store__rollback(eng->st);
    if (rc != GDPR_OK) {
        /* A key cached by the failed call may belong to a subject the
         * rollback removed; rollbacks are rare, so drop the whole cache. */
        gdpr_engine__dek_forget_all(eng);
    }
    if (eng->batch && gdpr_store__depth(eng->st) == 0) {
        /* SQLite rolled the whole batch back after an I/O or memory error. */
        eng->batch = 0;
        gdpr__err_wrap(rc, "the open batch was rolled back");
        gdpr_audit__flush_refusals(eng);
    }
    return rc;
}

/* --- open ------------------------------------------------------------- */

typedef struct {
    char kdf[8]; /* "raw" or "scrypt" */
    uint8_t salt[CRYPTO_SALT_BYTES];
    crypto_scrypt_params scrypt;
} kdf_record;

static int
check_options(const gdpr_options *opts)
{
    int rc;

    if (opts == NULL)
        return gdpr__err_set(GDPR_EINVAL, "opts: must not be NULL");
    if (opts->version == 0 || opts->version > GDPR_OPTIONS_VERSION)
        return gdpr__err_set(GDPR_EVERSION,
                             "opts.version: %u is not a known options version (1..%u)",
                             opts->version, GDPR_OPTIONS_VERSION);
    rc = gdpr_text__check("opts.path", opts->path, PATH_MAX_BYTES);
    if (rc == GDPR_OK)
        rc = gdpr_text__check_optional("opts.keystore_path", opts->keystore_path, PATH_MAX_BYTES);
    if (rc != GDPR_OK)
        return rc;
    if ((opts->key != NULL) == (opts->passphrase != NULL))
        return gdpr__err_set(GDPR_EINVAL, "opts.key/opts.passphrase: give exactly one of them");
    if (opts->key != NULL && opts->key_len != GDPR_KEY_BYTES)
        return gdpr__err_set(GDPR_EINVAL, "opts.key_len: %zu, a master key is %u bytes",
                             opts->key_len, GDPR_KEY_BYTES);
    if (opts->passphrase != NULL) {
        size_t len = strnlen(opts->passphrase, PASSPHRASE_MAX_BYTES + 1);
        size_t bad;
        if (len == 0)
            return gdpr__err_set(GDPR_EINVAL, "opts.passphrase: must not be empty");
        if (len > PASSPHRASE_MAX_BYTES)
            return gdpr__err_set(GDPR_EINVAL, "opts.passphrase: longer than %u bytes",
                                 PASSPHRASE_MAX_BYTES);
        if (gdpr__utf8_check(opts->passphrase, len, &bad) != 0)
            return gdpr__err_set(GDPR_EINVAL, "opts.passphrase: not valid UTF-8 (byte %zu)", bad);
    }
    if (opts->busy_timeout_ms < 0)
        return gdpr__err_set(GDPR_EINVAL, "opts.busy_timeout_ms: %d is negative",
                             opts->busy_timeout_ms);
    if (opts->version >= 4 && opts->audit_path != NULL) {
        rc = gdpr_text__check("opts.audit_path", opts->audit_path, PATH_MAX_BYTES);
        if (rc != GDPR_OK)
            return rc;
        if (!opts->read_only)
            return gdpr__err_set(GDPR_EINVAL,
                                 "opts.audit_path: only for an engine opened with opts.read_only "
                                 "(a writable engine appends to its own store)");
        if (strcmp(opts->audit_path, ":memory:") == 0)
            return gdpr__err_set(GDPR_EINVAL,
                                 "opts.audit_path: ':memory:' is a new empty store, not the "
                                 "store this engine reads; give the writable location of it");
    }
    return GDPR_OK;
}

static char *
default_keystore_path(const char *path)
{
    size_t len = strlen(path);
    char *ks;

    if (strcmp(path, ":memory:") == 0)
        return gdpr_text__dup(":memory:");
    ks = malloc(len + sizeof "-keys");
    if (ks == NULL) {
        gdpr__err_set(GDPR_ENOMEM, "out of memory for the keystore path");
        return NULL;
    }
    memcpy(ks, path, len);
    memcpy(ks + len, "-keys", sizeof "-keys");
    return ks;
}

static int
derive_kek(const gdpr_options *opts, const kdf_record *kdf, uint8_t kek[CRYPTO_KEY_BYTES])
{
    if (opts->key != NULL) {
        memcpy(kek, opts->key, CRYPTO_KEY_BYTES);
        return GDPR_OK;
    }
    return gdpr_crypto__kek_from_passphrase(opts->passphrase, kdf->salt, &kdf->scrypt, kek);
}

static int
write_kdf(store *st, const kdf_record *kdf)
{
    uint64_t params[3] = {kdf->scrypt.n, kdf->scrypt.r, kdf->scrypt.p};
    int rc = gdpr_store__meta_put(st, STORE_KEYS, "kdf", kdf->kdf, strlen(kdf->kdf));

    if (rc == GDPR_OK && strcmp(kdf->kdf, "scrypt") == 0) {
        rc = gdpr_store__meta_put(st, STORE_KEYS, "salt", kdf->salt, sizeof kdf->salt);
        if (rc == GDPR_OK)
            rc = gdpr_store__meta_put(st, STORE_KEYS, "scrypt", params, sizeof params);
    }
    return rc;
}

static int
new_kdf(const char *passphrase, kdf_record *kdf)
{
    memset(kdf, 0, sizeof *kdf);
    if (passphrase == NULL) {
        snprintf(kdf->kdf, sizeof kdf->kdf, "raw");
        return GDPR_OK;
    }
    snprintf(kdf->kdf, sizeof kdf->kdf, "scrypt");
    kdf->scrypt = gdpr_crypto__scrypt_default;
    return gdpr_crypto__random(kdf->salt, sizeof kdf->salt);
}

static int
check_new_passphrase(const char *field, const char *passphrase)
{
    if (passphrase != NULL && strlen(passphrase) < PASSPHRASE_MIN_BYTES)
        return gdpr__err_set(GDPR_EINVAL,
                             "%s: %zu bytes; a new passphrase has at least %u bytes (UTF-8)", field,
                             strlen(passphrase), PASSPHRASE_MIN_BYTES);
    return GDPR_OK;
}

static int
create_store(gdpr_engine *eng, const gdpr_options *opts, uint8_t kek[CRYPTO_KEY_BYTES])
{
    uint8_t wrapped[CRYPTO_WRAPPED_BYTES];
    uint8_t store_id[STORE_ID_BYTES];
    kdf_record kdf;
    int rc = check_new_passphrase("opts.passphrase", opts->passphrase);

    if (rc == GDPR_OK)
        rc = new_kdf(opts->passphrase, &kdf);

    if (rc == GDPR_OK)
        rc = derive_kek(opts, &kdf, kek);
    if (rc == GDPR_OK)
        rc = gdpr_crypto__random(eng->root, sizeof eng->root);
    if (rc == GDPR_OK)
        rc = gdpr_crypto__random(store_id, sizeof store_id);
    if (rc == GDPR_OK)
        rc = gdpr_crypto__root_wrap(kek, eng->root, wrapped);
    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_store__begin(eng->st);
    if (rc != GDPR_OK)
        return rc;
    /* Tests build older stores (testhook.h); 0: the latest. */
    rc = gdpr_store__migrate(eng->st, gdpr__test_schema_create_version() > 0
                                          ? gdpr__test_schema_create_version()
                                          : gdpr_store__schema_latest());
    if (rc == GDPR_OK)
        rc = write_kdf(eng->st, &kdf);
    if (rc == GDPR_OK)
        rc = gdpr_store__meta_put(eng->st, STORE_KEYS, "root", wrapped, sizeof wrapped);
    if (rc == GDPR_OK)
        rc = gdpr_store__meta_put(eng->st, STORE_KEYS, "store_id", store_id, sizeof store_id);
    if (rc == GDPR_OK)
        rc = gdpr_store__meta_put(eng->st, STORE_DATA, "store_id", store_id, sizeof store_id);
    if (rc == GDPR_OK)
        return gdpr_store__commit(eng->st);
    gdpr_store__rollback(eng->st);
    return rc;
}

static int
read_kdf(store *st, kdf_record *kdf)
{
    uint64_t params[3];
    size_t len = 0;
    int rc;

    memset(kdf, 0, sizeof *kdf);
    rc = gdpr_store__meta_get(st, STORE_KEYS, "kdf", kdf->kdf, sizeof kdf->kdf - 1, &len);
    if (rc == GDPR_ENOTFOUND)
        return gdpr__err_set(GDPR_ECORRUPT, "keystore: no key derivation record");
    if (rc != GDPR_OK || strcmp(kdf->kdf, "scrypt") != 0)
        return rc;
    rc = gdpr_store__meta_get(st, STORE_KEYS, "salt", kdf->salt, sizeof kdf->salt, &len);
    if (rc == GDPR_OK && len != sizeof kdf->salt)
        rc = gdpr__err_set(GDPR_ECORRUPT, "keystore: scrypt salt has the wrong length");
    if (rc == GDPR_OK)
        rc = gdpr_store__meta_get(st, STORE_KEYS, "scrypt", params, sizeof params, &len);
    if (rc == GDPR_OK && len != sizeof params)
        rc = gdpr__err_set(GDPR_ECORRUPT, "keystore: scrypt parameters damaged");
    if (rc == GDPR_ENOTFOUND)
        rc = gdpr__err_set(GDPR_ECORRUPT, "keystore: scrypt record incomplete");
    kdf->scrypt.n = params[0];
    kdf->scrypt.r = (uint32_t)params[1];
    kdf->scrypt.p = (uint32_t)params[2];
    return rc;
}

static int
check_store_id(store *st)
{
    uint8_t data_id[STORE_ID_BYTES], keys_id[STORE_ID_BYTES];
    size_t dlen = 0, klen = 0;
    int rc = gdpr_store__meta_get(st, STORE_DATA, "store_id", data_id, sizeof data_id, &dlen);

    if (rc == GDPR_OK)
        rc = gdpr_store__meta_get(st, STORE_KEYS, "store_id", keys_id, sizeof keys_id, &klen);
    if (rc == GDPR_ENOTFOUND)
        return gdpr__err_set(GDPR_ECORRUPT, "store: identity record missing");
    if (rc != GDPR_OK)
        return rc;
    if (dlen != klen || memcmp(data_id, keys_id, dlen) != 0)
        return gdpr__err_set(GDPR_ECORRUPT, "keystore_path: the keystore belongs to another store");
    return GDPR_OK;
}

static int
open_existing(gdpr_engine *eng, const gdpr_options *opts, uint8_t kek[CRYPTO_KEY_BYTES])
{
    uint8_t wrapped[CRYPTO_WRAPPED_BYTES];
    size_t len = 0;
    kdf_record kdf;
    int version = 0;
    int rc = read_kdf(eng->st, &kdf);

    if (rc != GDPR_OK)
        return rc;
    if (strcmp(kdf.kdf, "scrypt") == 0 && opts->passphrase == NULL)
        return gdpr__err_set(GDPR_EKEY, "opts.key: this store is opened with a passphrase");
    if (strcmp(kdf.kdf, "raw") == 0 && opts->key == NULL)
        return gdpr__err_set(GDPR_EKEY, "opts.passphrase: this store is opened with a 32-byte key");
    rc = derive_kek(opts, &kdf, kek);
    if (rc == GDPR_OK)
        rc = gdpr_store__meta_get(eng->st, STORE_KEYS, "root", wrapped, sizeof wrapped, &len);
    if (rc == GDPR_ENOTFOUND || (rc == GDPR_OK && len != sizeof wrapped))
        rc = gdpr__err_set(GDPR_ECORRUPT, "keystore: root secret missing or damaged");
    if (rc == GDPR_OK)
        rc = gdpr_crypto__root_unwrap(kek, wrapped, eng->root);
    if (rc == GDPR_OK)
        rc = check_store_id(eng->st);
    /* The key is proven: lookup rows are MAC'd and checked from here on,
     * and a migration that MACs existing rows can run. */
    if (rc == GDPR_OK)
        rc = gdpr_crypto__ctx_new(&eng->crypto, kek, eng->root);
    if (rc == GDPR_OK)
        eng->st->row_mac = eng->crypto;
    if (rc == GDPR_OK)
        rc = gdpr_store__schema_version(eng->st, &version);
    if (rc != GDPR_OK || version == gdpr_store__schema_latest())
        return rc;
    /* Only now, with the key proven, may the files change. */
    rc = gdpr_store__begin(eng->st);
    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_store__migrate(eng->st, gdpr_store__schema_latest());
    if (rc == GDPR_OK)
        return gdpr_store__commit(eng->st);
    gdpr_store__rollback(eng->st);
    return rc;
}

/* opts.audit_path: a second connection to the same store on a writable
 * server, used only to append this read-only engine's audit events
 * (lib/core/audit.c). Opening it changes nothing there: a location with
 * no store, an older schema or another store is refused. */
static int
open_audit_store(gdpr_engine *eng, const gdpr_options *opts, const char *ks_path)
{
    uint8_t mine[STORE_ID_BYTES], theirs[STORE_ID_BYTES];
    size_t mine_len = 0, theirs_len = 0;
    store_config cfg;
    char *audit_ks;
    int is_new = 0, version = 0;
    int rc;

    audit_ks = strcmp(opts->audit_path, opts->path) == 0 ? gdpr_text__dup(ks_path)
                                                         : default_keystore_path(opts->audit_path);
    if (audit_ks == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory for the audit trail's keystore path");
    memset(&cfg, 0, sizeof cfg);
    cfg.path = opts->audit_path;
    cfg.keystore_path = audit_ks;
    cfg.busy_timeout_ms = opts->busy_timeout_ms;
    cfg.read_only = 0;
    rc = gdpr_store__open(&eng->audit_st, &cfg, &is_new);
    free(audit_ks);
    if (rc != GDPR_OK)
        return gdpr__err_wrap(rc, "opts.audit_path");
    if (is_new) {
        /* The files (SQLite) this open created go with the close. */
        gdpr_store__discard(eng->audit_st);
        gdpr_store__close(eng->audit_st);
        eng->audit_st = NULL;
        return gdpr__err_set(GDPR_ESTATE,
                             "opts.audit_path: holds no store; give the writable location of "
                             "the store this engine reads (the primary)");
    }
    rc = check_store_id(eng->audit_st);
    if (rc == GDPR_OK)
        rc = gdpr_store__meta_get(eng->st, STORE_DATA, "store_id", mine, sizeof mine, &mine_len);
    if (rc == GDPR_OK)
        rc = gdpr_store__meta_get(eng->audit_st, STORE_DATA, "store_id", theirs, sizeof theirs,
                                  &theirs_len);
    if (rc == GDPR_OK && (mine_len != theirs_len || memcmp(mine, theirs, mine_len) != 0))
        rc = gdpr__err_set(GDPR_ECORRUPT, "opts.audit_path: holds another store than opts.path "
                                          "(its identity differs)");
    if (rc == GDPR_OK)
        rc = gdpr_store__schema_version(eng->audit_st, &version);
    if (rc == GDPR_OK && version != gdpr_store__schema_latest())
        rc = gdpr__err_set(GDPR_ESTATE,
                           "opts.audit_path: the store there is at schema %d, this library "
                           "writes %d; open it writable once to migrate it",
                           version, gdpr_store__schema_latest());
    if (rc == GDPR_OK)
        eng->audit_st->row_mac = eng->crypto;
    return rc;
}

static void
engine_free(gdpr_engine *eng)
{
    if (eng == NULL)
        return;
    if (eng->st && eng->batch) {
        gdpr_store__rollback(eng->st);
        eng->batch = 0;
    }
    if (eng->st && eng->snapshot) {
        gdpr_store__read_end(eng->st);
        eng->snapshot = 0;
    }
    if (eng->st && eng->crypto)
        gdpr_audit__flush_refusals(eng);
    gdpr_audit__drop_refusals(eng);
    gdpr_store__close(eng->audit_st);
    gdpr_store__close(eng->st);
    gdpr_crypto__ctx_free(eng->crypto);
    gdpr_policy__model_free(eng->policy);
    for (size_t i = eng->n_modules; i > 0; i--) {
        if (eng->modules[i - 1]->close != NULL)
            eng->modules[i - 1]->close(eng);
    }
    gdpr_engine__sources_free(eng);
    if (eng->dek_cache) {
        gdpr_engine__dek_forget_all(eng);
        free(eng->dek_cache);
    }
    gdpr_crypto__wipe(eng->root, sizeof eng->root);
    pthread_mutex_destroy(&eng->lock);
    free(eng);
}

void *
gdpr_engine__module_state(const gdpr_engine *eng, const engine_module *m)
{
    for (size_t i = 0; i < eng->n_modules; i++) {
        if (eng->modules[i] == m)
            return eng->module_state[i];
    }
    return NULL;
}

int
gdpr_engine__module_set_state(gdpr_engine *eng, const engine_module *m, void *state)
{
    for (size_t i = 0; i < eng->n_modules; i++) {
        if (eng->modules[i] == m) {
            eng->module_state[i] = state;
            return GDPR_OK;
        }
    }
    return gdpr__err_set(GDPR_ESTATE, "module %s: not part of this engine", m->name);
}

static int
modules_run(gdpr_engine *eng, int resume)
{
    int rc = GDPR_OK;

    for (size_t i = 0; rc == GDPR_OK && i < eng->n_modules; i++) {
        int (*hook)(gdpr_engine *) = resume ? eng->modules[i]->resume : eng->modules[i]->open;
        if (hook != NULL)
            rc = hook(eng);
    }
    return rc;
}

int
gdpr_engine__open(gdpr_engine **out, const gdpr_options *opts, const engine_module *const *modules,
                  size_t n)
{
    uint8_t kek[CRYPTO_KEY_BYTES];
    store_config cfg;
    char *ks_path = NULL;
    gdpr_engine *eng;
    int is_new = 0;
    int rc;

    gdpr__err_clear();
    if (out == NULL)
        return gdpr__err_set(GDPR_EINVAL, "out: must not be NULL");
    *out = NULL;
    if (n > ENGINE_MODULES_MAX)
        return gdpr__err_set(GDPR_EINVAL, "modules: %zu given, at most %u", n, ENGINE_MODULES_MAX);
    rc = check_options(opts);
    if (rc != GDPR_OK)
        return rc;
    ks_path = opts->keystore_path ? gdpr_text__dup(opts->keystore_path)
                                  : default_keystore_path(opts->path);
    if (ks_path == NULL)
        return GDPR_ENOMEM;
    eng = calloc(1, sizeof *eng);
    if (eng == NULL) {
        free(ks_path);
        return gdpr__err_set(GDPR_ENOMEM, "out of memory for the engine");
    }
    {
        pthread_mutexattr_t attr;
        pthread_mutexattr_init(&attr);
        pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
        pthread_mutex_init(&eng->lock, &attr);
        pthread_mutexattr_destroy(&attr);
    }
    eng->modules = modules;
    eng->n_modules = n;
    eng->clock = opts->clock ? opts->clock : wall_clock;
    eng->clock_ctx = opts->clock_ctx;
    if (opts->version >= 2) {
        eng->key_cb = opts->key_cb;
        eng->key_cb_ctx = opts->key_cb_ctx;
    }
    eng->dek_cache = calloc(DEK_CACHE_SLOTS, sizeof *eng->dek_cache);
    if (eng->dek_cache == NULL)
        rc = gdpr__err_set(GDPR_ENOMEM, "out of memory for the key cache");
    cfg.path = opts->path;
    cfg.keystore_path = ks_path;
    cfg.busy_timeout_ms = opts->busy_timeout_ms;
    cfg.read_only = opts->version >= 3 && opts->read_only;
    eng->busy_timeout_ms = opts->busy_timeout_ms > 0 ? opts->busy_timeout_ms : 5000;
    if (rc == GDPR_OK)
        rc = gdpr_store__open(&eng->st, &cfg, &is_new);
    if (rc == GDPR_OK)
        rc = is_new ? create_store(eng, opts, kek) : open_existing(eng, opts, kek);
    if (rc == GDPR_OK && eng->crypto == NULL)
        rc = gdpr_crypto__ctx_new(&eng->crypto, kek, eng->root);
    if (rc == GDPR_OK)
        eng->st->row_mac = eng->crypto;
    eng->read_only = cfg.read_only;
    if (rc == GDPR_OK && opts->version >= 4 && opts->audit_path != NULL)
        rc = open_audit_store(eng, opts, ks_path);
    gdpr_crypto__wipe(kek, sizeof kek);
    free(ks_path);
    if (rc == GDPR_OK)
        rc = gdpr_engine__sync_init(eng);
    if (rc == GDPR_OK)
        rc = gdpr_policy__restore(eng);
    if (rc == GDPR_OK)
        rc = modules_run(eng, 0);
    if (rc == GDPR_OK)
        rc = gdpr_shred__resume(eng);
    if (rc == GDPR_OK)
        rc = modules_run(eng, 1);
    if (rc != GDPR_OK) {
        /* A new store that did not open leaves no files behind. */
        if (is_new)
            gdpr_store__discard(eng->st);
        engine_free(eng);
        return rc;
    }
    *out = eng;
    return GDPR_OK;
}

void
gdpr_engine__close(gdpr_engine *eng)
{
    engine_free(eng);
}

/* --- batches ---------------------------------------------------------- */

GDPR_API int
gdpr_begin(gdpr_engine *eng)
{
    int rc;

    if (gdpr_engine__check_eng(eng) != GDPR_OK)
        return GDPR_EINVAL;
    gdpr_engine__lock(eng);
    if (eng->batch)
        return gdpr_engine__unlock(eng, gdpr__err_set(GDPR_ESTATE, "batch: one is already open"));
    if (eng->snapshot)
        return gdpr_engine__unlock(eng, gdpr__err_set(GDPR_ESTATE,
                                                      "batch: a read snapshot is open; end it "
                                                      "with gdpr_read_end() first"));
    rc = gdpr_audit__flush_refusals(eng);
    if (rc == GDPR_OK)
        rc = gdpr_engine__begin(eng);
    if (rc == GDPR_OK)
        eng->batch = 1;
    return gdpr_engine__unlock(eng, rc);
}

/* Takes the lock and closes the open batch for gdpr_commit and gdpr_rollback;
 * the lock is held only when it returns GDPR_OK. */
static int
batch_end(gdpr_engine *eng)
{
    if (gdpr_engine__check_eng(eng) != GDPR_OK)
        return GDPR_EINVAL;
    gdpr_engine__lock(eng);
    if (!eng->batch)
        return gdpr_engine__unlock(eng,
                                   gdpr__err_set(GDPR_ESTATE, "batch: none is open (gdpr_begin)"));
    eng->batch = 0;
    return GDPR_OK;
}

GDPR_API int
gdpr_commit(gdpr_engine *eng)
{
    int rc = batch_end(eng);

    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_store__commit(eng->st);
    if (rc != GDPR_OK) {
        rc = gdpr__err_wrap(rc, "batch rolled back");
        /* Keys cached during the batch may belong to subjects the
         * rollback removed (on PostgreSQL a write found failed only at
         * the commit rolls the whole batch back): drop them all. */
        gdpr_engine__dek_forget_all(eng); /* cipher contexts freed too */
    }
    /* Keys a vault delete in the batch queued go now; a busy scrub is
     * retried by the next erasure call or open. */
    if (rc == GDPR_OK && gdpr_shred__finish(eng) == GDPR_EBUSY)
        gdpr__err_clear();
    if (rc == GDPR_OK)
        rc = gdpr_audit__flush_refusals(eng);
    else
        gdpr_audit__flush_refusals(eng);
    return gdpr_engine__unlock(eng, rc);
}

GDPR_API int
gdpr_rollback(gdpr_engine *eng)
{
    int rc = batch_end(eng);

    if (rc != GDPR_OK)
        return rc;
    gdpr_store__rollback(eng->st);
    /* Keys cached during the batch may belong to subjects that no longer
     * exist; drop them all. */
    gdpr_engine__dek_forget_all(eng);
    return gdpr_engine__unlock(eng, gdpr_audit__flush_refusals(eng));
}

/* --- read snapshots ----------------------------------------------------- */

GDPR_API int
gdpr_read_begin(gdpr_engine *eng)
{
    int rc;

    if (gdpr_engine__check_eng(eng) != GDPR_OK)
        return GDPR_EINVAL;
    gdpr_engine__lock(eng);
    if (eng->snapshot)
        return gdpr_engine__unlock(eng, gdpr__err_set(GDPR_ESTATE, "snapshot: one is already open "
                                                                   "(gdpr_read_begin)"));
    if (eng->batch)
        return gdpr_engine__unlock(eng, gdpr__err_set(GDPR_ESTATE,
                                                      "snapshot: a batch is open; its calls "
                                                      "already see one state of the store"));
    /* Refusals queued by an earlier snapshot go first, while writing is
     * still allowed. */
    rc = gdpr_audit__flush_refusals(eng);
    if (rc == GDPR_OK)
        rc = gdpr_store__read_begin(eng->st, 1);
    if (rc == GDPR_OK) {
        eng->snapshot = 1;
        /* What this engine caches (policy, keys, transfer decisions) is
         * checked against the snapshot's generation, not a later one. */
        rc = gdpr_engine__sync(eng);
        if (rc != GDPR_OK) {
            gdpr_store__read_end(eng->st);
            eng->snapshot = 0;
        }
    }
    return gdpr_engine__unlock(eng, rc);
}

GDPR_API int
gdpr_read_end(gdpr_engine *eng)
{
    if (gdpr_engine__check_eng(eng) != GDPR_OK)
        return GDPR_EINVAL;
    gdpr_engine__lock(eng);
    if (!eng->snapshot)
        return gdpr_engine__unlock(eng, gdpr__err_set(GDPR_ESTATE, "snapshot: none is open "
                                                                   "(gdpr_read_begin)"));
    gdpr_store__read_end(eng->st);
    eng->snapshot = 0;
    /* Refusals audited during the snapshot are appended now. */
    return gdpr_engine__unlock(eng, gdpr_audit__flush_refusals(eng));
}

/* --- key rotation ----------------------------------------------------- */

typedef struct {
    crypto_ctx *crypto;
    const uint8_t *new_kek;
} rewrap_ctx;

static int
rewrap_one(const uint8_t hash[CRYPTO_HASH_BYTES], const uint8_t wrapped[CRYPTO_WRAPPED_BYTES],
           uint8_t out[CRYPTO_WRAPPED_BYTES], void *ctx)
{
    rewrap_ctx *r = ctx;
    return gdpr_crypto__dek_rewrap(r->crypto, r->new_kek, hash, wrapped, out);
}

static int
check_new_key(const unsigned char *new_key, size_t new_key_len, const char *new_passphrase)
{
    gdpr_options probe;

    memset(&probe, 0, sizeof probe);
    probe.version = GDPR_OPTIONS_VERSION;
    probe.path = ":memory:";
    probe.key = new_key;
    probe.key_len = new_key_len;
    probe.passphrase = new_passphrase;
    if (check_options(&probe) != GDPR_OK)
        return gdpr__err_wrap(GDPR_EINVAL, "gdpr_rekey");
    return check_new_passphrase("new_passphrase", new_passphrase);
}

/* The keystore part of a rotation committed (its generation is in
 * force) even if the call failed after it. */
static int
keystore_rotated(gdpr_engine *eng, uint64_t kek_generation)
{
    store_key_state ks;

    return gdpr_store__key_state(eng->st, &ks) == GDPR_OK && ks.kek_generation == kek_generation;
}

static int
rekey_locked(gdpr_engine *eng, const gdpr_actor *who, const gdpr_options *probe)
{
    uint8_t new_kek[CRYPTO_KEY_BYTES];
    uint8_t new_wrap_key[CRYPTO_KEY_BYTES];
    uint8_t wrapped[CRYPTO_WRAPPED_BYTES];
    uint8_t mac[CRYPTO_HASH_BYTES];
    char ref[64];
    kdf_record kdf;
    rewrap_ctx ctx;
    store_key_state ks;
    int64_t count = 0, seq = 0;
    uint64_t generation = 0;
    int rc = new_kdf(probe->passphrase, &kdf);

    if (rc == GDPR_OK)
        rc = derive_kek(probe, &kdf, new_kek);
    if (rc == GDPR_OK)
        rc = gdpr_crypto__root_wrap(new_kek, eng->root, wrapped);
    /* Everything that can fail happens before the commit: once the
     * keystore commits, installing the new key must not (OpenSSL could). */
    if (rc == GDPR_OK)
        rc = gdpr_crypto__wrap_key_of(new_kek, new_wrap_key);
    if (rc != GDPR_OK)
        goto done;
    rc = gdpr_engine__begin(eng);
    if (rc != GDPR_OK)
        goto done;
    rc = gdpr_store__key_state(eng->st, &ks);
    generation = ks.kek_generation + 1;
    ctx.crypto = eng->crypto;
    ctx.new_kek = new_kek;
    if (rc == GDPR_OK)
        rc = gdpr_store__key_rewrap_all(eng->st, rewrap_one, &ctx, &count);
    if (rc == GDPR_OK)
        rc = gdpr_store__meta_put(eng->st, STORE_KEYS, "root", wrapped, sizeof wrapped);
    if (rc == GDPR_OK)
        rc = write_kdf(eng->st, &kdf);
    snprintf(ref, sizeof ref, "%lld keys rewrapped (key generation %llu)", (long long)count,
             (unsigned long long)generation);
    if (rc == GDPR_OK)
        rc = gdpr_audit__append(eng, who, gdpr_permission__name(PERM_REKEY), NULL, GDPR_OK, ref);
    if (rc == GDPR_OK)
        rc = gdpr_store__audit_tail(eng->st, &seq, mac);
    /* The rotation marker: in the keystore with its key rows, in the data
     * file with the audit event; an open that finds only the first
     * appends the event (lib/core/coherence.c). */
    if (rc == GDPR_OK)
        rc = gdpr_engine__rotation_record(eng, who, generation, seq);
    rc = gdpr_engine__end(eng, rc);
    if (rc != GDPR_OK && keystore_rotated(eng, generation)) {
        /* The keystore committed and the data file did not: the new key
         * is in force, so the rotation stands; its audit event is
         * appended now or, failing that, by the next transaction or
         * open of any engine. Reporting failure would be false. */
        rc = GDPR_OK;
    }
    if (rc == GDPR_OK) {
        gdpr_crypto__ctx_set_wrap_key(eng->crypto, new_wrap_key);
        gdpr_engine__rotated(eng, generation);
    }
    if (rc == GDPR_OK) {
        if (gdpr_engine__begin(eng) == GDPR_OK)
            (void)gdpr_engine__end(eng, GDPR_OK);
        gdpr__err_clear();
    }
done:
    gdpr_crypto__wipe(new_kek, sizeof new_kek);
    gdpr_crypto__wipe(new_wrap_key, sizeof new_wrap_key);
    return rc;
}

GDPR_API int
gdpr_rekey(gdpr_engine *eng, const gdpr_actor *who, const unsigned char *new_key,
           size_t new_key_len, const char *new_passphrase)
{
    gdpr_options probe;
    int rc;

    gdpr__err_clear();
    rc = gdpr_engine__enter(eng, who);
    if (rc == GDPR_OK)
        rc = check_new_key(new_key, new_key_len, new_passphrase);
    if (rc != GDPR_OK)
        return rc;
    memset(&probe, 0, sizeof probe);
    probe.key = new_key;
    probe.key_len = new_key_len;
    probe.passphrase = new_passphrase;
    gdpr_engine__lock(eng);
    if (eng->batch)
        return gdpr_engine__unlock(eng,
                                   gdpr__err_set(GDPR_ESTATE, "gdpr_rekey: not inside a batch; "
                                                              "commit or roll back first"));
    rc = gdpr_engine__authorize(eng, who, PERM_REKEY, NULL);
    if (rc == GDPR_OK)
        rc = rekey_locked(eng, who, &probe);
    return gdpr_engine__unlock(eng, rc);
}
