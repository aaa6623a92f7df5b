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

#define DEK_CACHE_SLOTS 1024u

typedef struct {
    int used;
    uint8_t hash[CRYPTO_HASH_BYTES];
    uint8_t dek[CRYPTO_KEY_BYTES];
} dek_cache_entry;

struct gdpr_engine {
    pthread_mutex_t lock;
    store *st;
    crypto_ctx *crypto;
    uint8_t root[CRYPTO_KEY_BYTES];
    policy_model *policy;      /* NULL until the first policy is loaded */
    int64_t (*clock)(void *clock_ctx);
    void *clock_ctx;
    int batch;                 /* gdpr_begin() is open */
    dek_cache_entry *dek_cache;
    struct engine_source *sources; /* registered host sources (lib/source.c) */
    struct transfer_state *transfer; /* adequacy list and recipient cache (lib/adequacy.c) */
};

/* Lock the engine for a public call and clear the thread's message. The
 * mutex is recursive: a public call may use another public call (a request
 * fulfilled by an export) inside its own lock. */
void engine_lock(gdpr_engine *eng);
/* Unlock and pass `rc` through. */
int engine_unlock(gdpr_engine *eng, int rc);

int64_t engine_now(const gdpr_engine *eng);

/* `who` must be non-NULL with a valid id and role text. */
int engine_check_actor(const gdpr_actor *who);
/* GDPR_ESTATE unless a policy is loaded. */
int engine_require_policy(const gdpr_engine *eng);

/* Check the role's permission; a refusal is audited (its own small
 * transaction) and returns GDPR_EDENIED naming the permission. */
int engine_authorize(gdpr_engine *eng, const gdpr_actor *who, permission perm,
                     const uint8_t *subject_hash);

/* A transaction for one call (a savepoint inside a host batch). */
int engine_begin(gdpr_engine *eng);
/* Commit if rc is GDPR_OK, else roll back; returns the call's result. */
int engine_end(gdpr_engine *eng, int rc);

/* Append one audit event in the current transaction. */
int engine_audit(gdpr_engine *eng, const gdpr_actor *who, const char *action,
                 const uint8_t *subject_hash, int outcome, const char *ref);

/* Subjects. The hash is the keyed blind index of the host's id. */
int engine_subject_hash(gdpr_engine *eng, const char *subject, uint8_t hash[CRYPTO_HASH_BYTES]);
/* Create if missing (inside the caller's transaction). */
int engine_subject_ensure(gdpr_engine *eng, const char *subject,
                          uint8_t hash[CRYPTO_HASH_BYTES], int64_t *id_out, int *created_out);
/* The subject's data key, unwrapped (cached). GDPR_ENOTFOUND if none. */
int engine_subject_dek(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
                       uint8_t dek[CRYPTO_KEY_BYTES]);
/* Seal / open one personal-data field under the subject's key. The AAD
 * binds table, row id, subject and field, so a value copied to another row,
 * subject or column fails to open (GDPR_ECORRUPT). `out` holds
 * len + CRYPTO_SEAL_OVERHEAD bytes (seal) or sealed_len - CRYPTO_SEAL_OVERHEAD
 * bytes (open). The row id must be known before sealing: allocate it first. */
int engine_seal_field(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES], const char *table,
                      int64_t row, const char *field, const void *plain, size_t len, uint8_t *out);
int engine_open_field(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES], const char *table,
                      int64_t row, const char *field, const uint8_t *sealed, size_t sealed_len,
                      uint8_t *out);

/* Identities (lib/identity.c): the keyed blind index of an identifying
 * value of one kind ("email", "phone", "account", ...), in the domain
 * "ident:<kind>", after normalising the value: e-mail trimmed of white
 * space and lowercased; phone reduced to a leading '+' and the digits
 * (spaces, dashes, dots, parentheses dropped; anything else refused); other
 * kinds exactly as given. GDPR_EINVAL names the rule a value breaks. See
 * docs/vault.md. */
int engine_identity_hash(gdpr_engine *eng, const char *kind, const void *value, size_t len,
                         uint8_t out[CRYPTO_HASH_BYTES]);
/* The host's id of a subject, opened from its sealed ident; *subject_out
 * is malloc'd (free()). GDPR_ENOTFOUND when the subject or its key is gone. */
int engine_subject_ident(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
                         char **subject_out);

/* Open many fields of one subject with the key set up once (an export):
 * as engine_open_field, bound to the subject given at creation. */
typedef struct engine_field_opener engine_field_opener;
int engine_field_opener_new(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
                            engine_field_opener **out);
int engine_field_opener_open(engine_field_opener *fo, const char *table, int64_t row,
                             const char *field, const uint8_t *sealed, size_t sealed_len,
                             uint8_t *out);
void engine_field_opener_free(engine_field_opener *fo);

/* Vault values (lib/vault.c): sealed with engine_seal_field under table
 * "vault" and field "value:<category>", so the AAD binds the record id,
 * the subject and the category. `out` sizes as for engine_seal_field.
 * engine_vault_open_with opens through the row's subject's opener. */
int engine_vault_seal(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES], int64_t record,
                      const char *category, const void *plain, size_t len, uint8_t *out);
int engine_vault_open(gdpr_engine *eng, const store_vault_row *row, uint8_t *out);
int engine_vault_open_with(engine_field_opener *fo, const store_vault_row *row, uint8_t *out);

/* Host sources (lib/source.c), in registration order. The erasure calls
 * each one's erase hook; the export each one's export_items. */
typedef struct engine_source {
    char *name;
    char *description; /* or NULL */
    gdpr_source_export_fn export_items;
    gdpr_source_erase_fn erase; /* or NULL */
    void *ctx;
    struct engine_source *next;
} engine_source;
/* Free every registration (gdpr_close). */
void engine_sources_free(gdpr_engine *eng);

/* Transfer checks (lib/adequacy.c): the adequacy list in force and the
 * recipient cache, built on first use. Freed at gdpr_close; NULL is a no-op. */
struct transfer_state;
void transfer_state_free(struct transfer_state *t);

/* Forget a cached key (after erasure). */
void engine_dek_forget(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES]);

/* Audit chain internals (lib/audit.c). */
int audit_append(gdpr_engine *eng, const gdpr_actor *who, const char *action,
                 const uint8_t *subject_hash, int outcome, const char *ref);

/* Policy (lib/policy.c): read the newest stored policy at open. */
int policy_restore(gdpr_engine *eng);

/* Erasure (lib/erasure.c), at open after policy_restore: destroy keys a
 * crash left queued between an erasure's data commit and its key commit,
 * and retry a checkpoint that was kept busy. One indexed probe when there
 * is nothing to do; a busy checkpoint does not fail the open. */
int erasure_resume(gdpr_engine *eng);
/* GDPR_ESTATE naming the rule and its end when an erasure kept `record`
 * only for storage (legal duty or hold: Art. 17(3), 18(2)); else GDPR_OK.
 * Paths that hand a record's value out for processing ask this. */
int engine_record_restricted(gdpr_engine *eng, int64_t record);

/* Retention (lib/retention.c): due times of vault records. Each runs in
 * the caller's transaction. */
/* Fill row->anchor, has_due and due of a record about to be stored, from
 * the rule for (row->purpose, row->category) and the subject's anchors
 * (lib/vault.c, before store_vault_insert). */
int engine_retention_schedule(gdpr_engine *eng, store_vault_row *row);
/* Set (at > 0) or clear (at == 0) an anchor event of a subject for one
 * purpose (NULL: every purpose) and recompute the due times it moves.
 * Last activity and request closed only move forward. */
int engine_retention_anchor(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
                            policy_anchor anchor, const char *purpose, int64_t at);
/* A consent event without a recipient (lib/consent.c): a withdrawal or
 * refusal sets the purpose's consent-withdrawal anchor, a grant clears it. */
int engine_retention_consent(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
                             const char *purpose, int state, int64_t at);
/* A new policy replaces `old` (NULL: none): recompute the due times of the
 * records whose rule was added, removed or changed its period or anchor
 * (lib/policy.c, inside the load's transaction). */
int engine_retention_policy_changed(gdpr_engine *eng, const policy_model *old,
                                    const policy_model *next);

#endif
