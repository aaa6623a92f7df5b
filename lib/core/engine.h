/*
 * Internal: the engine and the services every capability uses: locking,
 * the clock, actors and permissions, transactions, audit, subjects and
 * their keys.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_ENGINE_H
#define GDPR_ENGINE_H

#include <pthread.h>

#include "crypto.h"
#include "gdpr/common.h"
#include "gdpr/source.h"
#include "policy_model.h"
#include "store.h"

/* The data-key cache: 4-way set associative, 2,048 sets (8,192 keys,
 * about 800 KiB per engine, plus about 1 KiB per key that was used to
 * seal or open: its set-up cipher context). A direct-mapped 1,024-slot
 * cache missed almost every put across 20,000 subjects
 * (docs/performance.md). */
#define DEK_CACHE_WAYS 4u
#define DEK_CACHE_SETS 2048u
#define DEK_CACHE_SLOTS (DEK_CACHE_WAYS * DEK_CACHE_SETS)
/* Most capability modules an engine takes (lib/core/module.h). */
#define ENGINE_MODULES_MAX 16u
struct engine_module;

/* A cached data key is used as is while `epoch` is the engine's key epoch
 * (no key was deleted anywhere since it was checked); after a deletion
 * it is checked once against its key row's serial (lib/core/subject.c). */
typedef struct {
    int used;
    uint8_t hash[CRYPTO_HASH_BYTES];
    uint8_t dek[CRYPTO_KEY_BYTES];
    int64_t serial;   /* serial of the key row it was unwrapped from */
    uint64_t epoch;   /* key epoch at which the row still had that serial */
    uint64_t used_at; /* the engine's use counter at its last use (eviction) */
    /* The key set up for AES-256-GCM (expanded key schedule), made at the
     * entry's second seal or open (the first goes through the engine's
     * shared context: across many subjects most keys are used once, and a
     * context each would only be set up and dropped); NULL before. At
     * eviction it is set up again for the incoming key (cache_put); freed
     * (cleansed) when the entry goes otherwise: erasure, rollback,
     * rotation, close. */
    crypto_keyed *aead;
    int sealed_once; /* one seal or open done without aead */
} dek_cache_entry;

struct gdpr_engine {
    pthread_mutex_t lock;
    store *st;
    /* opts.read_only: the store refuses writes; audited reads append
     * their events through audit_st (opts.audit_path, lib/core/audit.c),
     * NULL when none was given. */
    int read_only;
    store *audit_st;
    crypto_ctx *crypto;
    uint8_t root[CRYPTO_KEY_BYTES];
    policy_model *policy; /* NULL until the first policy is loaded */
    int64_t (*clock)(void *clock_ctx);
    void *clock_ctx;
    int batch;                      /* gdpr_begin() is open */
    int snapshot;                   /* gdpr_read_begin() is open */
    int read_scope;                 /* a one-call read transaction (gdpr_engine__lock_read) */
    struct audit_refusal *refusals; /* audit events of refusals in the batch (audit_refusal.c) */
    dek_cache_entry *dek_cache;
    struct engine_source *sources; /* registered host sources (lib/core/source.c) */
    int64_t erase_request; /* the request whose fulfilment runs an erasure now (lib/request), for
                              the source hooks; 0 otherwise */
    const struct engine_module *const *modules; /* lib/core/module.h */
    size_t n_modules;
    void *module_state[ENGINE_MODULES_MAX]; /* one slot per module */
    /* Coherence with other engines (lib/core/coherence.c). */
    int lock_depth;           /* nesting of gdpr_engine__lock */
    int synced;               /* seen_generation is valid */
    uint64_t seen_generation; /* the store generation last refreshed at */
    uint64_t key_epoch;       /* keystore key epoch last seen (DEK cache checks) */
    uint64_t dek_unwraps;     /* data keys unwrapped from the keystore (tests) */
    uint64_t dek_uses;        /* data-key cache uses (least recently used goes first) */
    uint64_t kek_generation;  /* master-key generation of the KEK in use */
    int kek_retired;          /* another engine rotated the key; no new one */
    int64_t retired_by_seq;   /* audit seq of that rotation */
    int sync_rc;              /* the refresh's result at the outermost lock */
    int (*key_cb)(unsigned char key[GDPR_KEY_BYTES], void *ctx);
    void *key_cb_ctx;
    int busy_timeout_ms; /* opts.busy_timeout_ms, 0 taken as 5000 */
};

/* Lock the engine for a public call and clear the thread's message. The
 * mutex is recursive: a public call may use another public call (a request
 * fulfilled by an export) inside its own lock. */
void gdpr_engine__lock(gdpr_engine *eng);
/* Unlock and pass `rc` through. */
int gdpr_engine__unlock(gdpr_engine *eng, int rc);
/* The same for a call that only reads: outside a batch and a snapshot the
 * whole call (the coherence check and its reads) runs in one read
 * transaction of the data file, so SQLite's read lock is taken once, not
 * per statement (docs/decisions/0011-snapshot-reads.md). A write begun in
 * it (an audited refusal) ends the read first. */
void gdpr_engine__lock_read(gdpr_engine *eng);
int gdpr_engine__unlock_read(gdpr_engine *eng, int rc);

int64_t gdpr_engine__now(const gdpr_engine *eng);

/* The first check of a public call: GDPR_EINVAL unless `eng` is non-NULL;
 * on success the thread's message is cleared. */
int gdpr_engine__check_eng(const gdpr_engine *eng);
/* gdpr_engine__check_eng, then gdpr_engine__check_actor: the prologue of a public call
 * made on behalf of an actor. */
int gdpr_engine__enter(const gdpr_engine *eng, const gdpr_actor *who);
/* gdpr_engine__check_eng, then that the required argument `name` (an out-pointer
 * or a callback) was given: the prologue of a read-only public call, whose
 * refusal names the argument. */
int gdpr_engine__check_given(const gdpr_engine *eng, int given, const char *name);
/* gdpr_engine__enter, then the subject's text: the prologue of a call made on
 * behalf of an actor about one subject. */
int gdpr_engine__enter_subject(const gdpr_engine *eng, const gdpr_actor *who, const char *subject);
/* `who` must be non-NULL with a valid id and role text. */
int gdpr_engine__check_actor(const gdpr_actor *who);
/* GDPR_ESTATE unless a policy is loaded. */
int gdpr_engine__require_policy(const gdpr_engine *eng);

/* Check the role's permission; a refusal is audited (its own small
 * transaction) and returns GDPR_EDENIED naming the permission. */
int gdpr_engine__authorize(gdpr_engine *eng, const gdpr_actor *who, permission perm,
                           const uint8_t *subject_hash);

/* A transaction for one call (a savepoint inside a host batch). */
int gdpr_engine__begin(gdpr_engine *eng);
/* The same for a call that checked everything it can check before its
 * first write, so that after it only a lack of memory or storage can fail
 * it: inside a host batch it opens no savepoint (no per-call cost). If it
 * fails before writing, nothing is undone but its ids; if it fails after
 * writing, the whole batch is rolled back and gdpr_engine__end says so
 * (as SQLite does by itself after an I/O error). The rule is in
 * docs/decisions/0011-snapshot-reads.md. */
int gdpr_engine__begin_checked(gdpr_engine *eng);
/* A call inside a host batch failed before its gdpr_engine__begin_checked
 * (a read that ran out of memory): SQLite may have rolled the whole batch
 * back by itself. Finds out and, if so, reports it as gdpr_engine__end
 * does ("the open batch was rolled back"); returns rc. */
int gdpr_engine__failed_unbegun(gdpr_engine *eng, int rc);
/* Commit if rc is GDPR_OK, else roll back; returns the call's result. */
int gdpr_engine__end(gdpr_engine *eng, int rc);

/* Subjects. The hash is the keyed blind index of the host's id. */
int gdpr_engine__subject_hash(gdpr_engine *eng, const char *subject,
                              uint8_t hash[CRYPTO_HASH_BYTES]);
/* Lock, then what nearly every call about one subject does first under the
 * lock: require a policy and compute the subject's hash. The lock is held
 * whatever the result (release it with gdpr_engine__unlock). */
int gdpr_engine__lock_subject(gdpr_engine *eng, const char *subject,
                              uint8_t hash[CRYPTO_HASH_BYTES]);
/* Create if missing (inside the caller's transaction). */
int gdpr_engine__subject_ensure(gdpr_engine *eng, const char *subject,
                                uint8_t hash[CRYPTO_HASH_BYTES], int64_t *id_out, int *created_out);
/* The same when the caller has just computed `hash` from `subject`
 * (gdpr_engine__subject_hash): spares the second HMAC. */
int gdpr_engine__subject_ensure_hashed(gdpr_engine *eng, const char *subject,
                                       const uint8_t hash[CRYPTO_HASH_BYTES], int64_t *id_out,
                                       int *created_out);
/* The subject's data key, unwrapped (cached). GDPR_ENOTFOUND if none. */
int gdpr_engine__subject_dek(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
                             uint8_t dek[CRYPTO_KEY_BYTES]);
/* Seal / open one personal-data field under the subject's key. The AAD
 * binds table, row id, subject and field, so a value copied to another row,
 * subject or column fails to open (GDPR_ECORRUPT). `out` holds
 * len + CRYPTO_SEAL_OVERHEAD bytes (seal) or sealed_len - CRYPTO_SEAL_OVERHEAD
 * bytes (open). The row id must be known before sealing: allocate it first. */
int gdpr_engine__seal_field(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
                            const char *table, int64_t row, const char *field, const void *plain,
                            size_t len, uint8_t *out);
int gdpr_engine__open_field(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
                            const char *table, int64_t row, const char *field,
                            const uint8_t *sealed, size_t sealed_len, uint8_t *out);

/* Identities (lib/identity.c): the keyed blind index of an identifying
 * value of one kind ("email", "phone", "account", ...), in the domain
 * "ident:<kind>", after normalising the value: e-mail trimmed of white
 * space and lowercased; phone reduced to a leading '+' and the digits
 * (spaces, dashes, dots, parentheses dropped; anything else refused); other
 * kinds exactly as given. GDPR_EINVAL names the rule a value breaks. See
 * docs/vault.md. */
int gdpr_engine__identity_hash(gdpr_engine *eng, const char *kind, const void *value, size_t len,
                               uint8_t out[CRYPTO_HASH_BYTES]);
/* The host's id of a subject, opened from its sealed ident; *subject_out
 * is malloc'd (free()). GDPR_ENOTFOUND when the subject or its key is gone. */
int gdpr_engine__subject_ident(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
                               char **subject_out);
/* The same from a sealed ident the caller read already (a report's row):
 * no store read of the subject row. GDPR_ENOTFOUND when its key is gone. */
int gdpr_engine__subject_ident_sealed(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
                                      const uint8_t *sealed, size_t len, char **subject_out);

/* Open many fields of one subject with the key set up once (an export):
 * as gdpr_engine__open_field, bound to the subject given at creation. */
typedef struct engine_field_opener engine_field_opener;
int gdpr_engine__field_opener_new(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
                                  engine_field_opener **out);
int gdpr_engine__field_opener_open(engine_field_opener *fo, const char *table, int64_t row,
                                   const char *field, const uint8_t *sealed, size_t sealed_len,
                                   uint8_t *out);
void gdpr_engine__field_opener_free(engine_field_opener *fo);

/* Host sources (lib/source.c), in registration order. The erasure calls
 * each one's erase hook; the export each one's export_items. */
typedef struct engine_source {
    char *name;
    char *description; /* or NULL */
    gdpr_source_export_fn export_items;
    gdpr_source_erase_fn erase;       /* or NULL */
    gdpr_source_erase_ex_fn erase_ex; /* or NULL (version >= 2); called instead of erase */
    void *ctx;
    struct engine_source *next;
} engine_source;
/* Free every registration (gdpr_close). */
void gdpr_engine__sources_free(gdpr_engine *eng);

/* The subject's objection and restriction bits (STORE_SUBJECT_*); 0 for a
 * subject the store does not know (lib/core/limits.c). */
int gdpr_engine__subject_limits(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
                                unsigned int *limits);
/* Whether an objection (Art. 21) reaches purpose `pu` for this subject:
 * for a direct-marketing purpose the subject's general objection, an
 * objection to all direct marketing or to that purpose (Art. 21(2)-(3),
 * whatever the basis); for others an objection to the purpose or the
 * general one, when the basis is public task or legitimate interests
 * (Art. 21(1)). Works for subjects the store no longer holds (erased):
 * the suppression entry outlives them (lib/core/limits.c). */
int gdpr_engine__objected(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
                          const policy_purpose *pu, int *objected_out);

/* A wrapped key failed to open: read the keystore's master-key
 * generation now. A rotation whose keystore part committed after this
 * call's refresh (its data part, which the refresh reads, not yet) sets
 * *moved_out and takes the new key (opts.key_cb) or refuses (GDPR_EKEY). */
int gdpr_engine__kek_recheck(gdpr_engine *eng, int *moved_out);
/* Forget a cached key and free its set-up cipher context (after erasure). */
void gdpr_engine__dek_forget(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES]);
/* Forget every cached key (rollback, rotation, close). */
void gdpr_engine__dek_forget_all(gdpr_engine *eng);
/* Cipher contexts of cached keys alive now (tests: each goes with its key). */
size_t gdpr_engine__dek_contexts(const gdpr_engine *eng);

/* Audit chain internals (lib/audit.c). */
int gdpr_audit__append(gdpr_engine *eng, const gdpr_actor *who, const char *action,
                       const uint8_t *subject_hash, int outcome, const char *ref);
/* The same with the event's time given (a queued refusal keeps its own). */
int gdpr_audit__append_at(gdpr_engine *eng, const gdpr_actor *who, const char *action,
                          const uint8_t *subject_hash, int outcome, const char *ref, int64_t at);
/* A read-only engine without opts.audit_path: GDPR_ESTATE naming
 * audit_path for a permitted call that would leave an audit event (an
 * export, a consent history...), checked before anything is given out;
 * GDPR_OK otherwise. Called by gdpr_engine__authorize. */
int gdpr_audit__read_only_check(const gdpr_engine *eng, permission perm);
/* A refusal's audit event (lib/core/audit_refusal.c): written at once in
 * its own transaction, or, inside a host batch, queued and appended after
 * the batch ends so the host's rollback cannot remove it. */
int gdpr_audit__refusal(gdpr_engine *eng, const gdpr_actor *who, const char *action,
                        const uint8_t *subject_hash, int outcome, const char *ref);
/* Append the queued refusals (no batch open); kept for a retry on failure. */
int gdpr_audit__flush_refusals(gdpr_engine *eng);
void gdpr_audit__drop_refusals(gdpr_engine *eng);

/* Policy (lib/policy.c): read the newest stored policy at open. */
int gdpr_policy__restore(gdpr_engine *eng);
/* Install the newest stored policy if it is not the one in force. */
int gdpr_policy__refresh(gdpr_engine *eng);

/* Coherence (lib/core/coherence.c, docs/decisions/0008-many-engines.md).
 * At the outermost lock, outside a transaction: if the store generation
 * moved, refresh the policy, the DEK cache (when keys were deleted) and
 * the master key (when rotated). Its result is kept in eng->sync_rc and
 * returned by gdpr_engine__require_policy and gdpr_engine__begin. */
int gdpr_engine__sync(gdpr_engine *eng);
/* Inside a just opened outermost transaction: the key state read under
 * the lock; a rotation by another engine is taken (key callback) or
 * refused (GDPR_EKEY), a half-finished rotation is finished. */
int gdpr_engine__sync_tx(gdpr_engine *eng);
/* After gdpr_rekey committed (or its keystore part did): the engine's own
 * record of the rotation. */
void gdpr_engine__rotated(gdpr_engine *eng, uint64_t kek_generation);
/* At open, after the key was proven: the key state the engine starts
 * from, and one transaction for the repairs sync_tx makes. */
int gdpr_engine__sync_init(gdpr_engine *eng);
/* GDPR_EKEY (naming the rotation's audit event) once another engine
 * rotated the master key and no new one could be had. */
int gdpr_engine__check_key(const gdpr_engine *eng);
/* Inside gdpr_rekey's transaction: record the rotation in both files
 * (generation, its audit event's seq, the actor). */
int gdpr_engine__rotation_record(gdpr_engine *eng, const gdpr_actor *who, uint64_t kek_generation,
                                 int64_t seq);

#endif
