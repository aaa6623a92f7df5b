/*
 * Internal: the storage seam. Capability code talks to storage only
 * through these calls; SQL lives in lib/store/<backend>/ alone. Every call
 * returns a GDPR_* code and sets the thread's message on failure.
 *
 * The store_* functions below are a thin front (lib/store/store.c): each
 * dispatches through st->ops, a versioned table of operations with the
 * same names and meanings (struct store_ops at the end of this file), so a
 * second backend implements the table and no caller changes. Backends:
 * SQLite (lib/store/sqlite/, the embedded default) and PostgreSQL
 * (lib/store/postgres/, libpq; docs/decisions/0010-postgres-backend.md).
 *
 * A store has two parts, "data" and "keys" (wrapped subject keys), that
 * commit together, keys first (docs/decisions/0003-two-files.md). Not
 * thread-safe; the engine serialises calls.
 *
 * Iteration is by callback only (*_foreach(fn, ctx)). Unless an
 * operation's comment says "fn may call the store", a callback must not
 * call back into the store.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_STORE_H
#define GDPR_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "gdpr/request.h"
#include "json.h"

typedef struct store store;

typedef struct {
    const char *path;          /* data file, ":memory:", or a postgresql:// or
                                * postgres:// URI (the PostgreSQL backend) */
    const char *keystore_path; /* keystore file, or ":memory:"; ignored by
                                * PostgreSQL (keys live in schema gdpr_keys) */
    int busy_timeout_ms;
    int read_only; /* refuse writes (a hot standby); appended */
} store_config;

/* --- life cycle ------------------------------------------------------ */

/* Open both parts read-only in effect: settings and version checks only, no
 * schema change. *is_new says the data file held no store yet. Refuses a
 * schema newer than this library (GDPR_EVERSION), a missing keystore for an
 * existing store and a stale keystore for a new one (GDPR_ECORRUPT). */
int gdpr_store__open(store **out, const store_config *cfg, int *is_new);
void gdpr_store__close(store *st);
/* The open of a new store failed: the handle's close removes the files
 * this open created (never one that existed before it). */
void gdpr_store__discard(store *st);

/* Bring the schema to `target` (gdpr_store__schema_latest() for all). Called
 * only after the key check, inside a transaction the caller holds. */
int gdpr_store__migrate(store *st, int target);
int gdpr_store__schema_latest(void);
int gdpr_store__schema_version(store *st, int *version_out);

/* --- transactions ---------------------------------------------------- */

/* Nesting: the outermost level is BEGIN IMMEDIATE, inner levels are
 * savepoints, so one failing call inside a host batch undoes only itself. */
int gdpr_store__begin(store *st);
int gdpr_store__commit(store *st);
/* Roll back the innermost level; keeps the caller's error message. */
void gdpr_store__rollback(store *st);
int gdpr_store__depth(const store *st);
/* A read transaction outside any write transaction: every read until
 * gdpr_store__read_end sees one snapshot of the data part, taken now (its
 * generation is read in it: gdpr_store__generation answers that value);
 * with both_files the keys part's snapshot is taken right after, so it is
 * at least as new as the data's (every key a row needs is there). Without
 * both_files the keys part reads as before, one statement at a time.
 * GDPR_ESTATE inside a transaction or another read. A write transaction
 * begun while a one-file read is open ends the read first; one begun while
 * a both-files read is open fails with GDPR_ESTATE. read_end ends it (no
 * error: nothing was written) and does nothing when none is open. */
int gdpr_store__read_begin(store *st, int both_files);
/* Like gdpr_store__begin, but inside a transaction the new level has no
 * savepoint (none of its cost: savepoint statements, page copies into the
 * savepoint journal). For a call that validated everything before its
 * first write, so that only a lack of memory or storage can fail it after
 * that (docs/decisions/0011-snapshot-reads.md). Its commit does nothing;
 * its rollback undoes nothing when the level wrote no row, and rolls back
 * the whole transaction when it did (depth becomes 0, as after an I/O
 * error). Outside a transaction it is gdpr_store__begin. */
int gdpr_store__begin_unguarded(store *st);
void gdpr_store__read_end(store *st);

/* --- ids and the generation ------------------------------------------ */

/* Each kind of id that users see or other rows refer to has its own
 * sequence. */
typedef enum {
    STORE_SEQ_SUBJECT = 0,
    STORE_SEQ_IDENTITY,
    STORE_SEQ_VAULT,
    STORE_SEQ_CONSENT,
    STORE_SEQ_DISCLOSURE,
    STORE_SEQ_TRANSFER,
    STORE_SEQ_SAFEGUARD,
    STORE_SEQ_REQUEST,
    STORE_SEQ_REQUEST_EVENT,
    STORE_SEQ_HOLD,
    STORE_SEQ_TOMBSTONE,
    STORE_SEQ_PENDING,
    STORE_SEQ_REVIEW,
    STORE_SEQ_RETENTION_RUN,
    STORE_SEQ_SIGNAL, /* consent signals (issue 16) */
    STORE_SEQ_BREACH, /* issue 16: the breach register */
    STORE_SEQ_COUNT
} store_seq;

/* The next id of `which`: greater than every id of that kind ever handed
 * out by this store, also after the rows holding the highest were deleted
 * (an erased record's id is never reused, so no receipt, tombstone, hold
 * or audit reference can come to name another row). Allocated in the
 * caller's transaction (GDPR_ESTATE outside one): a rollback takes it
 * back, which is harmless since nothing outside saw it. The insert
 * operations that return an id (subject, hold, tombstone, ...) allocate
 * theirs the same way. */
int gdpr_store__next_id(store *st, store_seq which, int64_t *id_out);

/* The store's generation: a counter that every committed write
 * transaction (outermost level, any row written in either part) raises by
 * one before it commits. gdpr_store__begin reads it when it opens an outermost
 * transaction, so inside a transaction *generation_out is the value at its
 * start (this transaction's own raise is not counted until commit);
 * outside a transaction it is read now. A value different from the one an
 * engine saw at its last transaction means another handle (process,
 * thread) committed a write since: the signal to refresh caches of shared
 * state (policy, keys, subjects' keys, erasures). Read-only transactions
 * and rolled-back ones leave it unchanged. */
int gdpr_store__generation(store *st, uint64_t *generation_out);

/* --- meta (small named blobs) ---------------------------------------- */

typedef enum { STORE_DATA = 0, STORE_KEYS = 1 } store_file;

int gdpr_store__meta_get(store *st, store_file f, const char *name, void *buf, size_t cap,
                         size_t *len_out);
int gdpr_store__meta_put(store *st, store_file f, const char *name, const void *value, size_t len);

/* --- subjects and their keys ----------------------------------------- */

int gdpr_store__subject_find(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int64_t *id_out);
int gdpr_store__subject_insert(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                               const uint8_t *ident, size_t ident_len, int64_t created,
                               int64_t *id_out);

int gdpr_store__key_put(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                        const uint8_t wrapped[CRYPTO_WRAPPED_BYTES]);
int gdpr_store__key_get(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                        uint8_t wrapped[CRYPTO_WRAPPED_BYTES]);
/* The key row's serial (random per row, 0 before schema 12) and, unless
 * `wrapped` is NULL, its wrapped key, from one read: a cached data key is
 * still the subject's key while the serial is the one it was loaded with
 * (docs/decisions/0008-many-engines.md). GDPR_ENOTFOUND without a row. */
int gdpr_store__key_serial(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                           uint8_t wrapped[CRYPTO_WRAPPED_BYTES], int64_t *serial_out);

/* Replace every wrapped key by fn's output, in key order, in the caller's
 * transaction. fn returns a GDPR code; non-OK stops and is returned. */
typedef int (*store_rewrap_fn)(const uint8_t hash[CRYPTO_HASH_BYTES],
                               const uint8_t wrapped[CRYPTO_WRAPPED_BYTES],
                               uint8_t out[CRYPTO_WRAPPED_BYTES], void *ctx);
int gdpr_store__key_rewrap_all(store *st, store_rewrap_fn fn, void *ctx, int64_t *count_out);

/* --- audit ----------------------------------------------------------- */

typedef struct {
    int64_t seq;
    int64_t at;
    const char *actor;
    const char *role;
    const char *action;
    const uint8_t *subject; /* CRYPTO_HASH_BYTES or NULL */
    int outcome;
    const char *ref; /* or NULL */
    uint8_t mac[CRYPTO_HASH_BYTES];
} store_audit_row;

/* Last event's seq and MAC (0 and zeros when empty). */
int gdpr_store__audit_tail(store *st, int64_t *seq_out, uint8_t mac_out[CRYPTO_HASH_BYTES]);
int gdpr_store__audit_insert(store *st, const store_audit_row *row);
/* Walk events from `from_seq` in seq order; fn's non-zero stops with
 * GDPR_ECALLBACK unless fn returned a GDPR code (negative), returned as is. */
typedef int (*store_audit_fn)(const store_audit_row *row, void *ctx);
int gdpr_store__audit_foreach(store *st, int64_t from_seq, store_audit_fn fn, void *ctx);

/* --- access log (Art. 15(1), 15(4); CJEU C-579/21) -------------------------
 *     (lib/store/sqlite/access.c) */

/* One consultation of a subject's data: when, by whom (the actor id and
 * its role at the time), which permission, for which purpose, the record
 * read (0: none) and why (no personal data; "" when none). */
typedef struct {
    int64_t id;
    const uint8_t *subject; /* CRYPTO_HASH_BYTES */
    int64_t at;
    const char *actor;
    const char *role;
    const char *action;
    const char *purpose;
    int64_t record;
    const char *reason; /* NULL on insert: none */
} store_access_row;

int gdpr_store__access_insert(store *st, const store_access_row *row);
/* The consultations of a subject (NULL: everyone's) in id order; fn may
 * call the store. */
int gdpr_store__access_foreach(store *st, const uint8_t *subject_hash,
                               int (*fn)(const store_access_row *row, void *ctx), void *ctx);
/* Erase a subject's consultations; *count_out may be NULL. */
int gdpr_store__access_delete_subject(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                      int64_t *count_out);

/* --- policy versions ------------------------------------------------- */

int gdpr_store__policy_insert(store *st, int64_t at, const char *actor,
                              const uint8_t sha256[CRYPTO_HASH_BYTES], const char *document,
                              int64_t *version_out);
/* The newest version; GDPR_ENOTFOUND when none. *document_out is malloc'd. */
int gdpr_store__policy_latest(store *st, int64_t *version_out,
                              uint8_t sha256_out[CRYPTO_HASH_BYTES], char **document_out);
/* The document of one version; GDPR_ENOTFOUND (no message) when there is
 * no such version. *document_out is malloc'd. */
int gdpr_store__policy_get(store *st, int64_t version, char **document_out);

/* --- identities, vault records, scrub (lib/store/sqlite/vault.c) ---- */

/* The subject an identifier's blind index belongs to; GDPR_ENOTFOUND when
 * no subject claims it. */
int gdpr_store__identity_find(store *st, const uint8_t ident_hash[CRYPTO_HASH_BYTES],
                              uint8_t subject_hash_out[CRYPTO_HASH_BYTES]);
static inline int
store_identity_next_id(store *st, int64_t *id_out)
{
    return gdpr_store__next_id(st, STORE_SEQ_IDENTITY, id_out);
}
/* GDPR_EEXISTS when the identifier is claimed already (by anyone). */
int gdpr_store__identity_insert(store *st, int64_t id, const uint8_t ident_hash[CRYPTO_HASH_BYTES],
                                const uint8_t subject_hash[CRYPTO_HASH_BYTES], const char *kind,
                                const uint8_t *sealed, size_t sealed_len, int64_t created);
typedef struct {
    int64_t id;
    const char *kind;
    const uint8_t *value; /* sealed: gdpr_engine__open_field(.., "identity", id, "value", ..) */
    size_t value_len;
    int64_t created;
} store_identity_row;
/* A subject's identifiers in id order. fn's non-zero stops: a negative
 * GDPR code is returned as is, anything else as GDPR_ECALLBACK. Pointers
 * in the row live until fn returns. */
int gdpr_store__identity_foreach(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                 int (*fn)(const store_identity_row *row, void *ctx), void *ctx);
/* Delete a subject's identifiers (erasure); *count_out may be NULL. */
int gdpr_store__identity_delete_subject(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                        int64_t *count_out);

/* The sealed host id of a subject; GDPR_ENOTFOUND. */
int gdpr_store__subject_ident(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], uint8_t *buf,
                              size_t cap, size_t *len_out);

typedef struct {
    int64_t id;
    const uint8_t *subject; /* CRYPTO_HASH_BYTES */
    const char *category;
    const char *purpose;
    const char *field;  /* a label such as "email", or NULL */
    const char *source; /* where it came from, or NULL: from the subject */
    int64_t collected;
    int64_t updated;
    int64_t anchor; /* retention anchor time; 0: none yet */
    int has_due;    /* due is set (retention) */
    int64_t due;
    int special;          /* Art. 9 category at the time of collection */
    const uint8_t *value; /* sealed: gdpr_engine__open_field(.., "vault", id, "value", ..) */
    size_t value_len;
} store_vault_row;
typedef int (*store_vault_fn)(const store_vault_row *row, void *ctx);

static inline int
store_vault_next_id(store *st, int64_t *id_out)
{
    return gdpr_store__next_id(st, STORE_SEQ_VAULT, id_out);
}
int gdpr_store__vault_insert(store *st, const store_vault_row *row);
/* One record to fn; GDPR_ENOTFOUND when there is none. */
int gdpr_store__vault_get(store *st, int64_t id, store_vault_fn fn, void *ctx);
/* A subject's records in id order; fn's non-zero stops as in
 * gdpr_store__identity_foreach. Rows are stepped one at a time (flat memory). */
int gdpr_store__vault_foreach(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                              store_vault_fn fn, void *ctx);
/* Replace the sealed value in place; GDPR_ENOTFOUND. */
int gdpr_store__vault_update_value(store *st, int64_t id, const uint8_t *sealed, size_t sealed_len,
                                   int64_t updated);
/* GDPR_ENOTFOUND when there is no such record. */
int gdpr_store__vault_delete(store *st, int64_t id);
/* Delete a subject's records (erasure); *count_out may be NULL. */
int gdpr_store__vault_delete_subject(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                     int64_t *count_out);
/* A subject's records by (purpose, category): fn once per distinct pair
 * with how many records have it, in no given order, without reading a
 * value (an erasure checks its exemptions once per pair). fn's non-zero
 * stops as in gdpr_store__identity_foreach. */
typedef int (*store_vault_group_fn)(const char *purpose, const char *category, int64_t count,
                                    void *ctx);
int gdpr_store__vault_groups(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                             store_vault_group_fn fn, void *ctx);

/* Make the bytes freed by committed transactions (deleted rows, replaced
 * values) unrecoverable from the store's files, in both parts. Outside a
 * transaction only (GDPR_ESTATE inside one). GDPR_EBUSY when another
 * reader kept it from completing; the caller may retry, and the freed
 * bytes stay recoverable until a scrub succeeds.
 * SQLite: pages are zeroed when freed (secure_delete) and a
 * wal_checkpoint(TRUNCATE) moves them into the file and empties the WAL.
 * PostgreSQL: VACUUM of the tables touched since the last scrub (dead
 * tuples are removed and their space overwritten on reuse). */
int gdpr_store__scrub(store *st);

/* --- consent ledger, disclosures, objection/restriction
 *     (lib/store/sqlite/consent.c) ------------------------------------------- */

/* Consent event states (the numbers of gdpr_consent_state). */
#define STORE_CONSENT_GRANTED 1
#define STORE_CONSENT_WITHDRAWN 2
#define STORE_CONSENT_REFUSED 3
/* Flag bits of an event (GDPR_CONSENT_EXPLICIT). */
#define STORE_CONSENT_EXPLICIT 0x1u
#define STORE_CONSENT_TRANSFER 0x2u /* Art. 49(1)(a) transfer consent */
/* Its recipient key: "transfer:<recipient id>@<country>" (lib/consent
 * writes it, lib/transfer asks for it). */
#define STORE_CONSENT_TRANSFER_PREFIX "transfer:"

/* 1 in *found_out if the subject has a live consent (granted, not expired
 * at `at`, not withdrawn since) with STORE_CONSENT_EXPLICIT naming
 * `recipient` (a policy recipient id), for any purpose. Used for the
 * Art. 49(1)(a) transfer derogation. */
int gdpr_store__consent_explicit_recipient(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                           const char *recipient, int64_t at, int *found_out);

/* One consent event. `recipient` is "" (none), a policy recipient id, or
 * for a named person outside the policy "person:<hex blind index>" with the
 * name sealed in recipient_sealed (gdpr_engine__open_field(eng, hash, "consent",
 * id, "recipient", ..)). `proof` is sealed: gdpr_engine__open_field(eng, hash,
 * "consent", id, "proof", ..); NULL/0 when none was given. */
typedef struct {
    int64_t id;
    int64_t at;
    const char *purpose;
    int state;
    const char *notice;
    const char *channel;
    const char *actor;
    int64_t expires; /* 0: none */
    const char *recipient;
    const uint8_t *proof;
    size_t proof_len;
    unsigned int flags;
    /* appended: */
    const uint8_t *recipient_sealed; /* NULL unless recipient is "person:..." */
    size_t recipient_sealed_len;
    const char *notice_version;   /* the notice's version when recorded */
    const uint8_t *notice_sha256; /* CRYPTO_HASH_BYTES */
    int64_t policy_version;       /* the policy in force when recorded */
    const char *receipt_id;       /* the receipt's UUID (derived, not stored) */
    const uint8_t *subject;       /* CRYPTO_HASH_BYTES */
    const uint8_t *guardian;      /* Art. 8(1) holder of parental responsibility, sealed
                                     (consent/<id>/guardian); NULL when none */
    size_t guardian_len;
} store_consent_row;

/* A subject's consent events in event order. fn's non-zero stops: a
 * negative GDPR code is returned as is, anything else as GDPR_ECALLBACK.
 * Pointers in the row live until fn returns. */
int gdpr_store__consent_foreach(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                int (*fn)(const store_consent_row *row, void *ctx), void *ctx);

static inline int
store_consent_next_id(store *st, int64_t *id_out)
{
    return gdpr_store__next_id(st, STORE_SEQ_CONSENT, id_out);
}
/* Append the event (row->subject set; row->id from store_consent_next_id,
 * or 0 to let the store number it) and make it the current state of
 * (subject, purpose, recipient). *id_out (may be NULL) gets its id.
 * row->receipt_id is ignored: a receipt id is derived from the store's
 * identity and the event id (UUID version 8), so it is unique across
 * stores and needs no random bytes. */
int gdpr_store__consent_append(store *st, const store_consent_row *row, int64_t *id_out);
/* One event to fn; GDPR_ENOTFOUND when there is none. */
int gdpr_store__consent_get(store *st, int64_t id,
                            int (*fn)(const store_consent_row *row, void *ctx), void *ctx);

/* The state of (subject, purpose, recipient) in force at `at`: from the
 * current-state table when its event is not later than `at`, else from
 * the newest event at or before `at`. GDPR_ENOTFOUND when there is none. */
typedef struct {
    int64_t event;
    int64_t at;
    int state;
    int64_t expires;
    unsigned int flags;
} store_consent_state;
int gdpr_store__consent_state_at(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                 const char *purpose, const char *recipient, int64_t at,
                                 store_consent_state *out);

/* Erasure: delete the subject's consent events and states, disclosures;
 * *count_out (may be NULL) gets the number of rows deleted. */
int gdpr_store__consent_delete_subject(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                       int64_t *count_out);

typedef struct {
    int64_t id;
    int64_t at;
    const char *recipient; /* as in store_consent_row */
    const char *purpose;
    const char *ground; /* "consent" or the recipient's legal basis */
    const char *actor;
    /* appended: */
    const uint8_t
        *recipient_sealed; /* gdpr_engine__open_field(.., "disclosure", id, "recipient", ..) */
    size_t recipient_sealed_len;
    int64_t consent_event;  /* the consent it rests on, 0 */
    const uint8_t *subject; /* CRYPTO_HASH_BYTES */
} store_disclosure_row;

/* A subject's disclosures in order; fn as in gdpr_store__consent_foreach. */
int gdpr_store__disclosure_foreach(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                   int (*fn)(const store_disclosure_row *row, void *ctx),
                                   void *ctx);
static inline int
store_disclosure_next_id(store *st, int64_t *id_out)
{
    return gdpr_store__next_id(st, STORE_SEQ_DISCLOSURE, id_out);
}
int gdpr_store__disclosure_append(store *st, const store_disclosure_row *row);

/* --- consent signals (issue 16): GPC, TCF and GPP strings as received,
 * and conflicts between an explicit choice and a GPC signal. Append-only;
 * erased with the subject's consent events. */
#define STORE_SIGNAL_GPC 1
#define STORE_SIGNAL_TCF 2
#define STORE_SIGNAL_GPP 3
typedef struct {
    int64_t id;             /* from store_signal_next_id */
    const uint8_t *subject; /* CRYPTO_HASH_BYTES */
    int64_t at;
    int kind;             /* STORE_SIGNAL_* */
    const uint8_t *value; /* sealed (signal/<id>/value): the string as received; NULL for GPC */
    size_t value_len;
    const char *channel;
    const char *actor;
} store_signal_row;

static inline int
store_signal_next_id(store *st, int64_t *id_out)
{
    return gdpr_store__next_id(st, STORE_SEQ_SIGNAL, id_out);
}
int gdpr_store__signal_append(store *st, const store_signal_row *row);
/* The newest signal of `kind` of the subject at or before `at`: its id
 * and time; GDPR_ENOTFOUND when there is none. */
int gdpr_store__signal_latest(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int kind,
                              int64_t at, int64_t *id_out, int64_t *at_out);
/* The subject's signals in order; fn as in gdpr_store__consent_foreach. */
int gdpr_store__signal_foreach(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                               int (*fn)(const store_signal_row *row, void *ctx), void *ctx);

#define STORE_CONFLICT_GPC_OVER_GRANT 1  /* a GPC signal after an explicit grant */
#define STORE_CONFLICT_GRANT_AFTER_GPC 2 /* an explicit grant after a GPC signal */
typedef struct {
    int64_t id;
    const uint8_t *subject; /* CRYPTO_HASH_BYTES */
    int64_t at;
    const char *purpose;
    int kind;              /* STORE_CONFLICT_* */
    int64_t consent_event; /* the explicit choice (a grant) */
    int64_t signal;        /* the GPC signal */
    int64_t result_event;  /* the event recorded because of it (a withdrawal), or 0 */
} store_conflict_row;
int gdpr_store__conflict_append(store *st, const store_conflict_row *row, int64_t *id_out);
/* Conflicts with id > after_id in id order, of one subject (hash) or of
 * all (hash NULL), at or after `since`; fn as in gdpr_store__consent_foreach. */
int gdpr_store__conflict_foreach(store *st, const uint8_t *hash, int64_t since, int64_t after_id,
                                 int (*fn)(const store_conflict_row *row, void *ctx), void *ctx);

/* Subject flags: Art. 21 objection, Art. 18
 * restriction. Bits other modules may add are left untouched. */
#define STORE_SUBJECT_OBJECTED 0x1u
#define STORE_SUBJECT_RESTRICTED 0x2u
/* GDPR_ENOTFOUND when the subject does not exist. */
int gdpr_store__subject_flags_get(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                                  unsigned int *flags_out);
/* flags = (flags | set) & ~clear; GDPR_ENOTFOUND when no subject. */
int gdpr_store__subject_flags_update(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                                     unsigned int set, unsigned int clear);

/* Objections per purpose (Art. 21), keyed by the subject's hash; purpose
 * "*" is an objection to all direct marketing. They do not need a subject
 * row and erasure leaves them (a suppression entry, docs/consent.md).
 * put: insert or keep the first time; get: GDPR_ENOTFOUND (no message)
 * when there is none; delete: GDPR_ENOTFOUND when there was none. */
#define STORE_OBJECTION_ALL_MARKETING "*"
int gdpr_store__objection_put(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], const char *purpose,
                              int64_t at);
int gdpr_store__objection_get(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], const char *purpose,
                              int64_t *at_out);
int gdpr_store__objection_delete(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                                 const char *purpose);

/* --- cross-border transfers (lib/store/sqlite/transfer.c) ------------------- */

/* One logged transfer decision (gdpr_transfer_record). Recipient ids,
 * countries, mechanisms and references are not personal data; the subject
 * is only its keyed hash. `mechanism` is a gdpr_transfer_mechanism_name()
 * ("eea", "adequacy", "scc", ..., "refused"); `reference` may be NULL. */
typedef struct {
    int64_t id;
    int64_t at; /* the date of the transfer that was checked */
    const char *recipient;
    const char *country;
    const char *mechanism;
    const char *reference;
    int allowed;
    const char *reason;
} store_transfer_row;

/* A subject's logged transfers in id order (Art. 15(2)); a NULL hash walks
 * every subject's. fn's non-zero stops: a negative GDPR code is returned as
 * is, anything else as GDPR_ECALLBACK. Pointers live until fn returns. */
int gdpr_store__transfer_foreach(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                 int (*fn)(const store_transfer_row *row, void *ctx), void *ctx);
/* As gdpr_store__transfer_foreach over all subjects, handing each row's subject
 * hash (CRYPTO_HASH_BYTES) too; rows with id > after_id. */
int gdpr_store__transfer_foreach_all(store *st, int64_t after_id,
                                     int (*fn)(const store_transfer_row *row,
                                               const uint8_t *subject_hash, void *ctx),
                                     void *ctx);
/* Append one decision (row->id ignored); logged_at and actor say who logged
 * it when. */
int gdpr_store__transfer_insert(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                const store_transfer_row *row, int64_t logged_at, const char *actor,
                                int64_t *id_out);
/* Erasure: delete a subject's logged transfers; *count_out may be NULL. */
int gdpr_store__transfer_delete_subject(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                        int64_t *count_out);
/* Art. 49 "occasional" (issue 19 point 4): the allowed transfers to
 * `recipient` logged on an Art. 49 derogation (mechanism
 * "derogation_consent" or "derogation_other") whose transfer time lies in
 * (after, until]: how many, how many distinct subjects, and whether
 * `subject_hash` is one of them. */
typedef struct {
    int64_t transfers;
    int64_t subjects;
    int subject_seen;
} store_transfer_count;
int gdpr_store__transfer_count(store *st, const char *recipient, int64_t after, int64_t until,
                               const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                               store_transfer_count *out);

/* Art. 46 safeguards added at run time (gdpr_safeguard_add), merged with
 * the policy's. `type` is a gdpr_policy__safeguard_name() ("scc", "bcr", ...);
 * valid_until 0 is open-ended, else the last second in force; revoked_at 0
 * means not revoked, else the instant from which it no longer applies. */
typedef struct {
    int64_t id;
    const char *recipient;
    const char *type;
    int module;
    const char *reference;
    int64_t valid_from;
    int64_t valid_until;
    int64_t added_at;
    const char *added_by;
    int64_t revoked_at;
} store_safeguard_row;

int gdpr_store__safeguard_insert(store *st, const store_safeguard_row *row, int64_t *id_out);
/* Set revoked_at; GDPR_ENOTFOUND (no such id), GDPR_ESTATE (revoked
 * already). *recipient_out (may be NULL) gets a malloc'd copy of its
 * recipient id. */
int gdpr_store__safeguard_revoke(store *st, int64_t id, int64_t at, const char *actor,
                                 char **recipient_out);
/* Safeguards of one recipient (NULL: all) in id order; fn as in
 * gdpr_store__transfer_foreach. */
int gdpr_store__safeguard_foreach(store *st, const char *recipient,
                                  int (*fn)(const store_safeguard_row *row, void *ctx), void *ctx);

/* Adequacy lists loaded by gdpr_adequacy_load: versions like policies.
 * An empty document marks a return to the shipped list. The newest one;
 * GDPR_ENOTFOUND when none was ever loaded. *document_out is malloc'd. */
int gdpr_store__adequacy_insert(store *st, int64_t at, const char *actor,
                                const uint8_t sha256[CRYPTO_HASH_BYTES], const char *document,
                                int64_t *version_out);
int gdpr_store__adequacy_latest(store *st, int64_t *version_out, char **document_out);

/* --- data-subject requests (lib/store/sqlite/request.c) --------------------- */

/* Request statuses 1 (open) and 2 (in progress) are the "open" ones the
 * due-time index covers. */
#define STORE_REQUEST_TEXT_MAX 257u
#define STORE_REQUEST_SEALED_MAX (256u + CRYPTO_SEAL_OVERHEAD)

/* One request; texts are NUL-terminated copies ("" = none). */
typedef struct {
    int64_t id;
    int type;
    int status;
    int has_subject;
    uint8_t subject[CRYPTO_HASH_BYTES];
    char ident_kind[STORE_REQUEST_TEXT_MAX];
    int has_ident_hash;
    uint8_t ident_hash[CRYPTO_HASH_BYTES];
    uint8_t ident_value[STORE_REQUEST_SEALED_MAX]; /* sealed: request/id/ident_value */
    size_t ident_value_len;
    char channel[STORE_REQUEST_TEXT_MAX];
    int64_t received;
    int64_t first_due;
    int64_t due;
    int extended_months;
    int64_t told_at;
    int verification;
    int verify_method;
    int64_t verified_at;
    unsigned int flags;
    char escalated_to[STORE_REQUEST_TEXT_MAX];
    int escalations;
    int denial;
    int64_t grace_until;
    int64_t closed;
    int close_days; /* -1 while open */
    int64_t updated;
    int64_t policy_version;
    int64_t info_asked_at; /* first Art. 12(6) request for information; 0: none */
    /* issue 16: the open request of the same type and subject this one was
     * linked to on arrival or when matched (status GDPR_REQUEST_DUPLICATE);
     * 0: none. */
    int64_t duplicate_of;
} store_request_row;

typedef int (*store_request_fn)(const store_request_row *row, void *ctx);

static inline int
store_request_next_id(store *st, int64_t *id_out)
{
    return gdpr_store__next_id(st, STORE_SEQ_REQUEST, id_out);
}
/* Insert a request and add it to the KPI counters (gdpr_store__request_kpi_days,
 * _close_days) in the same transaction. */
int gdpr_store__request_insert(store *st, const store_request_row *row);
/* Write every column but id, type and received, and move the request's
 * share of the KPI counters with it; GDPR_ENOTFOUND. */
int gdpr_store__request_update(store *st, const store_request_row *row);
/* GDPR_ENOTFOUND when there is no such request. */
int gdpr_store__request_get(store *st, int64_t id, store_request_row *out);
/* Requests of a subject (NULL: all) in a status (0: any), in id order. fn's
 * non-zero stops: a negative GDPR code is returned as is, anything else as
 * GDPR_ECALLBACK. fn may call the store. */
int gdpr_store__request_foreach(store *st, const uint8_t *subject_hash, int status,
                                store_request_fn fn, void *ctx);
/* Open requests with after < due <= until, by due then id, through the
 * partial index on due: cost proportional to the rows returned. */
int gdpr_store__request_foreach_due(store *st, int64_t after, int64_t until, store_request_fn fn,
                                    void *ctx);

/* One entry of a request's history; note is sealed (request_event/id/note). */
typedef struct {
    int64_t id;
    int64_t request;
    int64_t at;
    const char *actor;
    const char *role;
    const char *action;
    int status;
    const char *detail;  /* or NULL */
    const uint8_t *note; /* or NULL */
    size_t note_len;
} store_request_event_row;

static inline int
store_request_event_next_id(store *st, int64_t *id_out)
{
    return gdpr_store__next_id(st, STORE_SEQ_REQUEST_EVENT, id_out);
}
int gdpr_store__request_event_insert(store *st, const store_request_event_row *row);
/* A request's history in id order; fn as in gdpr_store__request_foreach. */
int gdpr_store__request_event_foreach(store *st, int64_t request,
                                      int (*fn)(const store_request_event_row *row, void *ctx),
                                      void *ctx);

/* KPI counts of requests of one type and status: a day's counter row, or
 * one request (n = 1) read from the rows themselves. */
typedef struct {
    int type;
    int status;
    int64_t n;    /* requests */
    int64_t late; /* of them closed at or after their due time; expired ones:
                     lapsed without an Art. 12(6) ask before the due time */
    int64_t extended;
    int64_t escalated;
    int64_t escalations;
    int64_t high_risk;
    int64_t denied[8]; /* by denial reason 1..7 (GDPR_DENIAL_REASON_MAX) */
    int close_days;    /* a request's own; -1 in counter rows (kpi_close_days) */
} store_request_kpi_row;

/* Counter rows of requests received on UTC days [from_day, to_day) (day =
 * received / 86400), kept by gdpr_store__request_insert/_update in
 * the same transaction: at most one row per day, type and
 * status, handed out in key order without grouping (the caller adds). */
int gdpr_store__request_kpi_days(store *st, int64_t from_day, int64_t to_day,
                                 int (*fn)(const store_request_kpi_row *row, void *ctx), void *ctx);
/* The days-to-close histogram of fulfilled and denied requests received on
 * those days: fn(close_days, count) per day and value. */
int gdpr_store__request_kpi_close_days(store *st, int64_t from_day, int64_t to_day,
                                       int (*fn)(int close_days, int64_t n, void *ctx), void *ctx);
/* The same shape from the rows themselves, for received in [from, to)
 * (the partial days at the edges of a window); n is 1 per row. */
int gdpr_store__request_kpi_rows(store *st, int64_t from, int64_t to,
                                 int (*fn)(const store_request_kpi_row *row, void *ctx), void *ctx);
/* Open requests received in [from, to) with due_from < due <= due_to
 * (the caller bounds the due times a window's requests can have). */
int gdpr_store__request_overdue_count(store *st, int64_t due_from, int64_t due_to, int64_t from,
                                      int64_t to, int64_t *count_out);

/* --- retention (lib/store/sqlite/retention.c) ------------------------------- */

/* Anchor events of a subject: kind is a policy_anchor, purpose "" means
 * every purpose. fn's non-zero stops as in gdpr_store__identity_foreach; fn must
 * not call the retention anchor functions. */
int gdpr_store__retention_anchor_foreach(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                         int (*fn)(int kind, const char *purpose, int64_t at,
                                                   void *ctx),
                                         void *ctx);
/* GDPR_ENOTFOUND when not set. */
int gdpr_store__retention_anchor_get(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                     int kind, const char *purpose, int64_t *at_out);
int gdpr_store__retention_anchor_put(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                     int kind, const char *purpose, int64_t at);
/* *deleted_out (may be NULL): whether one was set. */
int gdpr_store__retention_anchor_delete(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                        int kind, const char *purpose, int *deleted_out);

/* A vault record's schedule (no value): its retention anchor and due
 * time, and from its retention state a reviewer's keep decision and the
 * open review task (0: none). Pointers live until fn returns. */
typedef struct {
    int64_t id;
    const uint8_t *subject; /* CRYPTO_HASH_BYTES */
    const char *category;
    const char *purpose;
    const char *field; /* or NULL */
    int64_t collected;
    int has_anchor;
    int64_t anchor;
    int has_due;
    int64_t due;
    int has_keep;
    int64_t keep_until;
    int64_t review;
} store_retention_row;
typedef int (*store_retention_fn)(const store_retention_row *row, void *ctx);

/* One record's schedule; GDPR_ENOTFOUND. fn may call the store, but not
 * gdpr_store__retention_get itself. */
int gdpr_store__retention_get(store *st, int64_t record, store_retention_fn fn, void *ctx);
/* A subject's records in id order (fn may call the store,
 * but should not change the vault table under the cursor). */
int gdpr_store__retention_subject_foreach(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                          store_retention_fn fn, void *ctx);
/* Up to `limit` records with id > after_id, in id order; fn may call the
 * store. */
int gdpr_store__retention_scan(store *st, int64_t after_id, int limit, store_retention_fn fn,
                               void *ctx);
/* Up to `limit` (<= 0: all) records with due <= as_of after the cursor
 * (after_due, after_id) when has_cursor, in (due, id) order, through the
 * index on the due time: cost proportional to the rows returned. fn may
 * call the store. */
int gdpr_store__retention_due_foreach(store *st, int64_t as_of, int has_cursor, int64_t after_due,
                                      int64_t after_id, int limit, store_retention_fn fn,
                                      void *ctx);
int gdpr_store__retention_due_count(store *st, int64_t as_of, int has_cursor, int64_t after_due,
                                    int64_t after_id, int64_t *count_out);
/* Set a record's anchor and due time (NULL when not has_*); GDPR_ENOTFOUND. */
int gdpr_store__retention_set_schedule(store *st, int64_t record, int has_anchor, int64_t anchor,
                                       int has_due, int64_t due);
/* Write the retention state of a record (deleted when neither a keep
 * decision nor an open review is left). */
int gdpr_store__retention_state_put(store *st, int64_t record, int has_keep, int64_t keep_until,
                                    int64_t review);

/* The resumable run log: one row per run, its cursor and counts. */
typedef struct {
    int64_t id;
    int64_t as_of;
    int64_t started;
    int has_cursor;
    int64_t cursor_due, cursor_id;
    int64_t examined, erased, anonymised, reviews_opened, held;
    int finished;
} store_retention_run_row;
/* The newest unfinished run; GDPR_ENOTFOUND when none. */
int gdpr_store__retention_run_open(store *st, store_retention_run_row *out);
/* Insert (as_of, started) and set row->id. */
int gdpr_store__retention_run_insert(store *st, store_retention_run_row *row, const char *actor);
int gdpr_store__retention_run_update(store *st, const store_retention_run_row *row);

/* Review tasks; justification sealed: retention_review/id/justification. */
typedef struct {
    int64_t id;
    int64_t record;
    const uint8_t *subject; /* CRYPTO_HASH_BYTES */
    const char *rule;
    const char *category;
    const char *purpose;
    int64_t record_due;
    int64_t opened;
    int64_t deadline;
    int status; /* gdpr_review_status */
    int64_t decided;
    const char *decided_by; /* or NULL */
    const char *role;       /* or NULL */
    int64_t keep_until;
    const uint8_t *justification; /* or NULL */
    size_t justification_len;
} store_review_row;
typedef int (*store_review_fn)(const store_review_row *row, void *ctx);

int gdpr_store__review_insert(store *st, const store_review_row *row, int64_t *id_out);
/* GDPR_ENOTFOUND when there is no such task. */
int gdpr_store__review_get(store *st, int64_t id, store_review_fn fn, void *ctx);
/* Tasks with `status` (0: all) in id order; fn may call the store. */
int gdpr_store__review_foreach(store *st, int status, store_review_fn fn, void *ctx);
/* Open tasks with deadline <= as_of, by deadline; fn may call the store. */
int gdpr_store__review_overdue_foreach(store *st, int64_t as_of, store_review_fn fn, void *ctx);
/* Close an open task; GDPR_ENOTFOUND when it is not open. */
int gdpr_store__review_decide(store *st, int64_t id, int status, int64_t decided, const char *actor,
                              const char *role, int64_t keep_until, const uint8_t *sealed,
                              size_t sealed_len);

/* Anonymisation aggregates: one count per (rule, category, purpose, field,
 * kept value, collection month YYYYMM). */
int gdpr_store__retention_aggregate_add(store *st, const char *rule, const char *category,
                                        const char *purpose, const char *field, const char *value,
                                        int month);
typedef int (*store_aggregate_fn)(const char *rule, const char *category, const char *purpose,
                                  const char *field, const char *value, int month, int64_t n,
                                  void *ctx);
int gdpr_store__retention_aggregate_foreach(store *st, store_aggregate_fn fn, void *ctx);

/* --- erasure: holds, tombstones, pending hooks, key queue
 *     (lib/store/sqlite/erasure.c) ------------------------------------------- */

/* Legal holds. scope: STORE_HOLD_*; subject NULL for a category hold on
 * every subject and for record holds; category "" when none. */
#define STORE_HOLD_SUBJECT 1
#define STORE_HOLD_RECORD 2
#define STORE_HOLD_CATEGORY 3
typedef struct {
    int64_t id;
    int scope;
    const uint8_t *subject; /* CRYPTO_HASH_BYTES or NULL */
    int64_t record;
    const char *category; /* NULL on insert when none; "" when read */
    const char *reason;
    int64_t placed_at;
    const char *placed_by;
    int64_t until;
    int64_t released_at; /* 0: in force until `until` */
    const char *released_by;
    const char *release_reason;
    /* Art. 17(3) ground (gdpr_exemption value) and the narrowing of a
     * subject or category hold: purpose (NULL on insert / "" when read:
     * any), collection range [collected_from, collected_to) (0: open). */
    int ground;
    const char *purpose;
    int64_t collected_from;
    int64_t collected_to;
} store_hold_row;

/* What a hold lookup asks about: a vault record (record, category,
 * purpose, collected), or the subject as a whole (record 0, category and
 * purpose NULL, collected 0: only unnarrowed subject holds match). */
typedef struct {
    int64_t record;
    const char *category;
    const char *purpose;
    int64_t collected;
} store_hold_target;

int gdpr_store__hold_insert(store *st, const store_hold_row *row, int64_t *id_out);
/* One hold to fn; GDPR_ENOTFOUND naming it. */
int gdpr_store__hold_get(store *st, int64_t id, int (*fn)(const store_hold_row *row, void *ctx),
                         void *ctx);
/* GDPR_ENOTFOUND when there is no such hold in force (none, or released). */
int gdpr_store__hold_release(store *st, int64_t id, int64_t at, const char *actor,
                             const char *reason);
/* Holds in force at active_at (0: all) in id order; fn as in
 * gdpr_store__identity_foreach. */
int gdpr_store__hold_foreach(store *st, int64_t active_at,
                             int (*fn)(const store_hold_row *row, void *ctx), void *ctx);
/* The hold in force at `at` that covers target `t` of the subject (a
 * subject hold, narrowed or not, a hold on the record, or a category
 * hold), lasting longest; *hold_out 0 when none; *ground_out (may be
 * NULL) its ground. */
int gdpr_store__hold_covering(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                              const store_hold_target *t, int64_t at, int64_t *hold_out,
                              int64_t *until_out, int *ground_out);
/* Whether any hold in force at `at` may touch the subject (so erasure can
 * skip per-record checks when none does). */
int gdpr_store__hold_any_for_subject(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                     int64_t at, int *any_out);

/* Tombstones. kind: STORE_TOMBSTONE_*. Read rows also carry the derived
 * fields (kept_now ... sources_failed). */
#define STORE_TOMBSTONE_SUBJECT 1
#define STORE_TOMBSTONE_RECORD 2
typedef struct {
    int64_t id;
    int kind;
    const uint8_t *subject; /* CRYPTO_HASH_BYTES */
    int64_t at;
    const char *ground;
    const char *actor;
    const char *role;
    int64_t erased, retained;
    int complete, wiped, imported;
    int64_t replayed;
    /* derived on read: */
    int64_t kept_now, kept_until;
    int recipients, sources_failed;
} store_tombstone_row;

int gdpr_store__tombstone_insert(store *st, const store_tombstone_row *row, int64_t *id_out);
/* Add to the counts, raise `complete`, mark it not wiped, set replayed
 * (when > 0); GDPR_ENOTFOUND. */
int gdpr_store__tombstone_add(store *st, int64_t id, int64_t erased, int64_t retained, int complete,
                              int64_t replayed);
/* The newest tombstone of the subject of `kind` with at in [from, to) and
 * `ground` (NULL: any); GDPR_ENOTFOUND. */
int gdpr_store__tombstone_find(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES], int kind,
                               const char *ground, int64_t from, int64_t to, int64_t *id_out);
/* The newest subject tombstone of the subject that still keeps records. */
int gdpr_store__tombstone_open_partial(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                       int64_t *id_out);
int gdpr_store__tombstone_set_complete(store *st, int64_t id);
int gdpr_store__tombstone_get(store *st, int64_t id,
                              int (*fn)(const store_tombstone_row *row, void *ctx), void *ctx);
/* The subject's newest subject tombstone, else its newest record one;
 * GDPR_ENOTFOUND (no message) when none. */
int gdpr_store__tombstone_latest(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                 int (*fn)(const store_tombstone_row *row, void *ctx), void *ctx);
/* Tombstones of a subject (NULL: all) with id > after_id, in id order; own
 * fn may call the store. */
int gdpr_store__tombstone_foreach(store *st, const uint8_t *subject_hash, int64_t after_id,
                                  int (*fn)(const store_tombstone_row *row, void *ctx), void *ctx);
/* wiped = 1 on every tombstone (after a successful scrub). */
int gdpr_store__tombstone_set_wiped(store *st);

/* A record a subject tombstone kept; reason "legal_duty" or "hold". */
typedef struct {
    int64_t tombstone;
    int64_t record;
    const char *category;
    const char *purpose;
    const char *reason;
    const char *rule;
    int64_t until;
    int64_t erased_at; /* 0: still kept */
    int exemption;     /* the Art. 17(3) ground (gdpr_exemption value) */
} store_kept_row;

/* Ignored when (tombstone, record) is there already. */
int gdpr_store__tombstone_kept_insert(store *st, const store_kept_row *row);
int gdpr_store__tombstone_kept_foreach(store *st, int64_t tombstone,
                                       int (*fn)(const store_kept_row *row, void *ctx), void *ctx);
/* Mark every still-kept entry of `record` erased at `at`. */
int gdpr_store__tombstone_kept_erased(store *st, int64_t record, int64_t at);
/* Whether `record` is kept (restricted) after an erasure: its end and rule;
 * GDPR_ENOTFOUND (no message) when not. */
int gdpr_store__tombstone_kept_find(store *st, int64_t record, int64_t *until_out, char *rule,
                                    size_t rule_cap);
/* Record ids a record tombstone erased (for replay). */
int gdpr_store__tombstone_record_add(store *st, int64_t tombstone, int64_t record);
int gdpr_store__tombstone_record_foreach(store *st, int64_t tombstone,
                                         int (*fn)(int64_t record, void *ctx), void *ctx);
/* Art. 19 recipients of a tombstone: counts add up per recipient. */
int gdpr_store__tombstone_recipient_add(store *st, int64_t tombstone, const char *recipient,
                                        int64_t disclosures, int64_t last_at);
int gdpr_store__tombstone_recipient_foreach(store *st, int64_t tombstone,
                                            int (*fn)(const char *recipient, int64_t disclosures,
                                                      int64_t last_at, void *ctx),
                                            void *ctx);

/* Source hooks still to retry. `sealed` is the subject id sealed under the
 * key whose keystore row is `key_id` (one per erasure). */
typedef struct {
    int64_t id;
    int64_t tombstone;
    const uint8_t *subject; /* CRYPTO_HASH_BYTES */
    const char *source;
    const uint8_t *key_id; /* CRYPTO_HASH_BYTES */
    const uint8_t *sealed;
    size_t sealed_len;
    int64_t since;
    int attempts;
    int64_t last_at;
    const char *last_error;
} store_pending_row;

int gdpr_store__pending_insert(store *st, const store_pending_row *row, int64_t *id_out);
/* Rows with id > after_id in id order; fn may call the store. */
int gdpr_store__pending_foreach(store *st, int64_t after_id,
                                int (*fn)(const store_pending_row *row, void *ctx), void *ctx);
/* One more failed attempt at `at` with `error`; GDPR_ENOTFOUND. */
int gdpr_store__pending_update(store *st, int64_t id, int64_t at, const char *error);
int gdpr_store__pending_delete(store *st, int64_t id);
int gdpr_store__pending_count_key(store *st, const uint8_t key_id[CRYPTO_HASH_BYTES],
                                  int64_t *count_out);

/* Keys to destroy once the data commit that queued them is durable
 * (docs/decisions/0003-two-files.md). An entry is bound to the key row it
 * was queued for (its serial): queued again for a newer key, it is
 * rebound. */
int gdpr_store__key_queue_add(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int64_t tombstone,
                              int64_t at);
/* Any queued key; GDPR_ENOTFOUND (no message) when the queue is empty. */
int gdpr_store__key_queue_first(store *st, uint8_t hash_out[CRYPTO_HASH_BYTES]);
int gdpr_store__key_queue_foreach(store *st,
                                  int (*fn)(const uint8_t *hash, int64_t tombstone, int64_t queued,
                                            void *ctx),
                                  void *ctx);
/* Whether keys are queued and whether tombstones wait for a scrub. */
int gdpr_store__erasure_unfinished(store *st, int *keys_out, int *unwiped_out);
/* Delete a wrapped key from the keystore (no error when absent); raises
 * the key epoch when it was there. A key of a subject row deleted by an
 * erasure is queued and destroyed by gdpr_store__key_queue_destroy. */
int gdpr_store__key_delete(store *st, const uint8_t hash[CRYPTO_HASH_BYTES]);
int gdpr_store__key_exists(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int *exists_out);

/* The subject row itself (erasure); GDPR_ENOTFOUND. */
int gdpr_store__subject_delete(store *st, const uint8_t hash[CRYPTO_HASH_BYTES]);
/* GDPR_ENOTFOUND (no message) when there is no such subject. */
int gdpr_store__subject_created(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                                int64_t *created_out);
/* Whether vault records, identifiers or consent events of it remain. */
int gdpr_store__subject_has_data(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int *has_out);
/* Clear what the subject's requests hold sealed under its key (identifier
 * value, case notes) and the identifier's blind index; the register itself
 * stays. */
int gdpr_store__erasure_scrub_requests(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                                       int64_t *count_out);
/* relaxed = 1: the following commits need not be durable: a crash may
 * undo them, which must be harmless (erasure's bookkeeping after the key
 * is gone, redone at the next open); the next scrub makes them durable.
 * relaxed = 0 restores durable commits. Outside a transaction. SQLite:
 * synchronous=NORMAL on the data part (the keys part stays synced);
 * PostgreSQL: SET synchronous_commit = off for the session. */
int gdpr_store__relax_durability(store *st, int relaxed);

/* --- many engines: the key life cycle and rotations ------------------- */
/* (docs/decisions/0008-many-engines.md; schema 12 on, zeros before.) */

typedef struct {
    uint64_t key_epoch;           /* keys part: raised by every key deletion */
    uint64_t kek_generation;      /* keys part: raised by every master-key rotation */
    int64_t rekey_seq;            /* keys part: audit seq of the last rotation's event */
    uint64_t data_kek_generation; /* data part: the rotation whose audit event is there */
} store_key_state;

/* The counters above, read now (inside a transaction: under its lock). */
int gdpr_store__key_state(store *st, store_key_state *out);
/* Inside the caller's transaction: record a rotation in the keys part
 * (generation and its event's seq) or the data part (generation only). */
int gdpr_store__rotation_put(store *st, store_file f, uint64_t kek_generation, int64_t rekey_seq);
/* Destroy the key a queue entry was queued for (bound to that key row,
 * so a key of a subject created again since stays) and remove the entry;
 * GDPR_ENOTFOUND when no entry names `hash`. Raises the key epoch when a
 * key went. */
int gdpr_store__key_queue_destroy(store *st, const uint8_t hash[CRYPTO_HASH_BYTES]);
/* The newest stored policy version, 0 when none: a cheap check before
 * gdpr_store__policy_latest reads the document. */
int gdpr_store__policy_version(store *st, int64_t *version_out);

/* --- JSON parsing ----------------------------------------------------- */

/* Parse with json_valid()/json_tree(). A malformed text is GDPR_EINVAL
 * with "line L, column C: why" in the message. */
int gdpr_store__json_parse(store *st, const char *text, json_node **out);

/* --- reports (lib/store/sqlite/report.c): the consent report -------- */

/* Which current consent states the report walks: `purpose` NULL for every
 * purpose; the state's event time in [from, until) (until 0: no end). */
typedef struct {
    const char *purpose;
    int64_t from, until;
} store_consent_report_filter;

typedef struct {
    const uint8_t *subject; /* CRYPTO_HASH_BYTES */
    const char *purpose;
    const char *recipient; /* as in store_consent_row */
    store_consent_state state;
    /* The subject's sealed id, when the backend read it with the row (one
     * lookup of the subject for hash and id), else NULL: the caller reads
     * it with gdpr_store__subject_ident. Valid during the callback. */
    const uint8_t *ident;
    size_t ident_len;
} store_consent_report_row;

/* Every current consent state (one row per subject, purpose and
 * recipient) that the filter admits, in the order of subject hash,
 * purpose, recipient, each row's MAC checked (GDPR_ECORRUPT names a row
 * that fails). Memory does not grow with the rows: a statement of its own
 * is stepped, so fn may call the store. fn as in gdpr_store__consent_foreach. */
int gdpr_store__consent_report_foreach(store *st, const store_consent_report_filter *f,
                                       int (*fn)(const store_consent_report_row *row, void *ctx),
                                       void *ctx);

/* --- the breach register (lib/store/sqlite/breach.c), Art. 33/34 ------- */

/* One personal-data breach. Texts that may hold personal data are sealed
 * by the caller under the store key (breach/<id>/<field>); `categories`
 * is a comma-separated list of policy category ids; `reference` is the
 * authority's reference (not personal data). 0 times mean "not yet". */
typedef struct {
    int64_t id;
    int64_t aware_at, occurred_at, opened_at, deadline;
    unsigned int nature;
    const char *categories;
    int64_t subjects_approx, records_approx;
    const uint8_t *description;
    size_t description_len;
    const uint8_t *consequences;
    size_t consequences_len;
    const uint8_t *measures;
    size_t measures_len;
    int64_t notified_at;
    const char *reference;      /* NULL until notified */
    const uint8_t *late_reason; /* NULL: none */
    size_t late_reason_len;
    int not_required; /* Art. 33(1): unlikely to result in a risk */
    int decision;     /* gdpr_breach_decision */
    int64_t decided_at, informed_at;
    const uint8_t *decision_note; /* NULL: none */
    size_t decision_note_len;
    const char *actor;
    int64_t updated;
} store_breach_row;

static inline int
store_breach_next_id(store *st, int64_t *id_out)
{
    return gdpr_store__next_id(st, STORE_SEQ_BREACH, id_out);
}
/* Insert a breach (row->id from store_breach_next_id). */
int gdpr_store__breach_insert(store *st, const store_breach_row *row);
/* Write the fields that change after opening: notification, decision,
 * updated. GDPR_ENOTFOUND when there is no such breach. */
int gdpr_store__breach_update(store *st, const store_breach_row *row);
/* One breach to fn; GDPR_ENOTFOUND when there is none. */
int gdpr_store__breach_get(store *st, int64_t id, int (*fn)(const store_breach_row *row, void *ctx),
                           void *ctx);
/* Breaches in id order; with `pending` only those neither notified nor
 * judged not notifiable, with deadline <= due_by, in deadline order (an
 * index on pending deadlines: cost is what is listed). fn's non-zero
 * stops, as in gdpr_store__consent_foreach; fn must not call the store. */
int gdpr_store__breach_foreach(store *st, int pending, int64_t due_by,
                               int (*fn)(const store_breach_row *row, void *ctx), void *ctx);
/* Link a subject (keyed hash) to a breach; *added_out 0 when it was
 * linked already. */
int gdpr_store__breach_subject_add(store *st, int64_t breach,
                                   const uint8_t subject[CRYPTO_HASH_BYTES], int64_t at,
                                   int *added_out);
int gdpr_store__breach_subject_count(store *st, int64_t breach, int64_t *count_out);

/* --- duplicate requests (lib/store/sqlite/request.c) ------------------ */

/* The oldest open or in-progress request of `type` for the subject, in
 * *id_out; GDPR_ENOTFOUND (no message) when there is none. */
int gdpr_store__request_find_open(store *st, const uint8_t subject[CRYPTO_HASH_BYTES], int type,
                                  int64_t *id_out);

/* --- the operations a backend implements ------------------------------ */

/* Bumped when a member is added at the end; the front refuses a table of
 * an older version than it needs (like sqlite3_vfs.iVersion). */
#define STORE_OPS_VERSION 11

typedef struct store_ops store_ops;

/* Every backend's handle begins with this; the backend's own state
 * follows it in a larger struct (lib/store/sqlite/sqlite_internal.h). */
struct store {
    const store_ops *ops;
    /* The engine's crypto context once the key is proven (set before any
     * migration): lookup rows are MAC'd with it (sqlite/rowmac.c). NULL
     * before: rows are then neither MAC'd nor checked. */
    crypto_ctx *row_mac;
};

/* One member per front function, same name without "store_", same
 * arguments and meaning; all members are required. `open` makes a handle
 * whose ops point back at this table. */
struct store_ops {
    unsigned int version; /* STORE_OPS_VERSION it was built against */
    const char *name;     /* "sqlite" */

    /* life cycle */
    int (*open)(store **out, const store_config *cfg, int *is_new);
    int (*schema_latest)(void);
    void (*close)(store *st);
    int (*migrate)(store *st, int target);
    int (*schema_version)(store *st, int *version_out);

    /* transactions */
    int (*begin)(store *st);
    int (*commit)(store *st);
    void (*rollback)(store *st);
    int (*depth)(const store *st);
    int (*next_id)(store *st, store_seq which, int64_t *id_out);
    int (*generation)(store *st, uint64_t *generation_out);

    /* meta (small named blobs) */
    int (*meta_get)(store *st, store_file f, const char *name, void *buf, size_t cap,
                    size_t *len_out);
    int (*meta_put)(store *st, store_file f, const char *name, const void *value, size_t len);

    /* subjects and their keys */
    int (*subject_find)(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int64_t *id_out);
    int (*subject_insert)(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], const uint8_t *ident,
                          size_t ident_len, int64_t created, int64_t *id_out);
    int (*key_put)(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                   const uint8_t wrapped[CRYPTO_WRAPPED_BYTES]);
    int (*key_get)(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                   uint8_t wrapped[CRYPTO_WRAPPED_BYTES]);
    int (*key_rewrap_all)(store *st, store_rewrap_fn fn, void *ctx, int64_t *count_out);

    /* audit */
    int (*audit_tail)(store *st, int64_t *seq_out, uint8_t mac_out[CRYPTO_HASH_BYTES]);
    int (*audit_insert)(store *st, const store_audit_row *row);
    int (*audit_foreach)(store *st, int64_t from_seq, store_audit_fn fn, void *ctx);

    /* policy versions */
    int (*policy_insert)(store *st, int64_t at, const char *actor,
                         const uint8_t sha256[CRYPTO_HASH_BYTES], const char *document,
                         int64_t *version_out);
    int (*policy_latest)(store *st, int64_t *version_out, uint8_t sha256_out[CRYPTO_HASH_BYTES],
                         char **document_out);
    int (*policy_get)(store *st, int64_t version, char **document_out);

    /* identities, vault records, scrub */
    int (*identity_find)(store *st, const uint8_t ident_hash[CRYPTO_HASH_BYTES],
                         uint8_t subject_hash_out[CRYPTO_HASH_BYTES]);
    int (*identity_insert)(store *st, int64_t id, const uint8_t ident_hash[CRYPTO_HASH_BYTES],
                           const uint8_t subject_hash[CRYPTO_HASH_BYTES], const char *kind,
                           const uint8_t *sealed, size_t sealed_len, int64_t created);
    int (*identity_foreach)(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                            int (*fn)(const store_identity_row *row, void *ctx), void *ctx);
    int (*identity_delete_subject)(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                   int64_t *count_out);
    int (*subject_ident)(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], uint8_t *buf, size_t cap,
                         size_t *len_out);
    int (*vault_insert)(store *st, const store_vault_row *row);
    int (*vault_get)(store *st, int64_t id, store_vault_fn fn, void *ctx);
    int (*vault_foreach)(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                         store_vault_fn fn, void *ctx);
    int (*vault_update_value)(store *st, int64_t id, const uint8_t *sealed, size_t sealed_len,
                              int64_t updated);
    int (*vault_delete)(store *st, int64_t id);
    int (*vault_delete_subject)(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                int64_t *count_out);
    int (*scrub)(store *st);

    /* consent ledger, disclosures, objection/restriction */
    int (*consent_explicit_recipient)(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                      const char *recipient, int64_t at, int *found_out);
    int (*consent_foreach)(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                           int (*fn)(const store_consent_row *row, void *ctx), void *ctx);
    int (*consent_append)(store *st, const store_consent_row *row, int64_t *id_out);
    int (*consent_get)(store *st, int64_t id, int (*fn)(const store_consent_row *row, void *ctx),
                       void *ctx);
    int (*consent_state_at)(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                            const char *purpose, const char *recipient, int64_t at,
                            store_consent_state *out);
    int (*consent_delete_subject)(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                  int64_t *count_out);
    int (*disclosure_foreach)(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                              int (*fn)(const store_disclosure_row *row, void *ctx), void *ctx);
    int (*disclosure_append)(store *st, const store_disclosure_row *row);
    int (*subject_flags_get)(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                             unsigned int *flags_out);
    int (*subject_flags_update)(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], unsigned int set,
                                unsigned int clear);

    /* cross-border transfers */
    int (*transfer_foreach)(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                            int (*fn)(const store_transfer_row *row, void *ctx), void *ctx);
    int (*transfer_foreach_all)(store *st, int64_t after_id,
                                int (*fn)(const store_transfer_row *row,
                                          const uint8_t *subject_hash, void *ctx),
                                void *ctx);
    int (*transfer_insert)(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                           const store_transfer_row *row, int64_t logged_at, const char *actor,
                           int64_t *id_out);
    int (*transfer_delete_subject)(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                   int64_t *count_out);
    int (*safeguard_insert)(store *st, const store_safeguard_row *row, int64_t *id_out);
    int (*safeguard_revoke)(store *st, int64_t id, int64_t at, const char *actor,
                            char **recipient_out);
    int (*safeguard_foreach)(store *st, const char *recipient,
                             int (*fn)(const store_safeguard_row *row, void *ctx), void *ctx);
    int (*adequacy_insert)(store *st, int64_t at, const char *actor,
                           const uint8_t sha256[CRYPTO_HASH_BYTES], const char *document,
                           int64_t *version_out);
    int (*adequacy_latest)(store *st, int64_t *version_out, char **document_out);

    /* data-subject requests */
    int (*request_insert)(store *st, const store_request_row *row);
    int (*request_update)(store *st, const store_request_row *row);
    int (*request_get)(store *st, int64_t id, store_request_row *out);
    int (*request_foreach)(store *st, const uint8_t *subject_hash, int status, store_request_fn fn,
                           void *ctx);
    int (*request_foreach_due)(store *st, int64_t after, int64_t until, store_request_fn fn,
                               void *ctx);
    int (*request_event_insert)(store *st, const store_request_event_row *row);
    int (*request_event_foreach)(store *st, int64_t request,
                                 int (*fn)(const store_request_event_row *row, void *ctx),
                                 void *ctx);
    int (*request_kpi_days)(store *st, int64_t from_day, int64_t to_day,
                            int (*fn)(const store_request_kpi_row *row, void *ctx), void *ctx);
    int (*request_kpi_close_days)(store *st, int64_t from_day, int64_t to_day,
                                  int (*fn)(int close_days, int64_t n, void *ctx), void *ctx);
    int (*request_kpi_rows)(store *st, int64_t from, int64_t to,
                            int (*fn)(const store_request_kpi_row *row, void *ctx), void *ctx);
    int (*request_overdue_count)(store *st, int64_t due_from, int64_t due_to, int64_t from,
                                 int64_t to, int64_t *count_out);

    /* retention */
    int (*retention_anchor_foreach)(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                    int (*fn)(int kind, const char *purpose, int64_t at, void *ctx),
                                    void *ctx);
    int (*retention_anchor_get)(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES], int kind,
                                const char *purpose, int64_t *at_out);
    int (*retention_anchor_put)(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES], int kind,
                                const char *purpose, int64_t at);
    int (*retention_anchor_delete)(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                   int kind, const char *purpose, int *deleted_out);
    int (*retention_get)(store *st, int64_t record, store_retention_fn fn, void *ctx);
    int (*retention_subject_foreach)(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                     store_retention_fn fn, void *ctx);
    int (*retention_scan)(store *st, int64_t after_id, int limit, store_retention_fn fn, void *ctx);
    int (*retention_due_foreach)(store *st, int64_t as_of, int has_cursor, int64_t after_due,
                                 int64_t after_id, int limit, store_retention_fn fn, void *ctx);
    int (*retention_due_count)(store *st, int64_t as_of, int has_cursor, int64_t after_due,
                               int64_t after_id, int64_t *count_out);
    int (*retention_set_schedule)(store *st, int64_t record, int has_anchor, int64_t anchor,
                                  int has_due, int64_t due);
    int (*retention_state_put)(store *st, int64_t record, int has_keep, int64_t keep_until,
                               int64_t review);
    int (*retention_run_open)(store *st, store_retention_run_row *out);
    int (*retention_run_insert)(store *st, store_retention_run_row *row, const char *actor);
    int (*retention_run_update)(store *st, const store_retention_run_row *row);
    int (*review_insert)(store *st, const store_review_row *row, int64_t *id_out);
    int (*review_get)(store *st, int64_t id, store_review_fn fn, void *ctx);
    int (*review_foreach)(store *st, int status, store_review_fn fn, void *ctx);
    int (*review_overdue_foreach)(store *st, int64_t as_of, store_review_fn fn, void *ctx);
    int (*review_decide)(store *st, int64_t id, int status, int64_t decided, const char *actor,
                         const char *role, int64_t keep_until, const uint8_t *sealed,
                         size_t sealed_len);
    int (*retention_aggregate_add)(store *st, const char *rule, const char *category,
                                   const char *purpose, const char *field, const char *value,
                                   int month);
    int (*retention_aggregate_foreach)(store *st, store_aggregate_fn fn, void *ctx);

    /* erasure: holds, tombstones, pending hooks, key queue */
    int (*hold_insert)(store *st, const store_hold_row *row, int64_t *id_out);
    int (*hold_get)(store *st, int64_t id, int (*fn)(const store_hold_row *row, void *ctx),
                    void *ctx);
    int (*hold_release)(store *st, int64_t id, int64_t at, const char *actor, const char *reason);
    int (*hold_foreach)(store *st, int64_t active_at,
                        int (*fn)(const store_hold_row *row, void *ctx), void *ctx);
    int (*hold_covering)(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                         const store_hold_target *t, int64_t at, int64_t *hold_out,
                         int64_t *until_out, int *ground_out);
    int (*hold_any_for_subject)(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                int64_t at, int *any_out);
    int (*tombstone_insert)(store *st, const store_tombstone_row *row, int64_t *id_out);
    int (*tombstone_add)(store *st, int64_t id, int64_t erased, int64_t retained, int complete,
                         int64_t replayed);
    int (*tombstone_find)(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES], int kind,
                          const char *ground, int64_t from, int64_t to, int64_t *id_out);
    int (*tombstone_open_partial)(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                  int64_t *id_out);
    int (*tombstone_set_complete)(store *st, int64_t id);
    int (*tombstone_get)(store *st, int64_t id,
                         int (*fn)(const store_tombstone_row *row, void *ctx), void *ctx);
    int (*tombstone_latest)(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                            int (*fn)(const store_tombstone_row *row, void *ctx), void *ctx);
    int (*tombstone_foreach)(store *st, const uint8_t *subject_hash, int64_t after_id,
                             int (*fn)(const store_tombstone_row *row, void *ctx), void *ctx);
    int (*tombstone_set_wiped)(store *st);
    int (*tombstone_kept_insert)(store *st, const store_kept_row *row);
    int (*tombstone_kept_foreach)(store *st, int64_t tombstone,
                                  int (*fn)(const store_kept_row *row, void *ctx), void *ctx);
    int (*tombstone_kept_erased)(store *st, int64_t record, int64_t at);
    int (*tombstone_kept_find)(store *st, int64_t record, int64_t *until_out, char *rule,
                               size_t rule_cap);
    int (*tombstone_record_add)(store *st, int64_t tombstone, int64_t record);
    int (*tombstone_record_foreach)(store *st, int64_t tombstone,
                                    int (*fn)(int64_t record, void *ctx), void *ctx);
    int (*tombstone_recipient_add)(store *st, int64_t tombstone, const char *recipient,
                                   int64_t disclosures, int64_t last_at);
    int (*tombstone_recipient_foreach)(store *st, int64_t tombstone,
                                       int (*fn)(const char *recipient, int64_t disclosures,
                                                 int64_t last_at, void *ctx),
                                       void *ctx);
    int (*pending_insert)(store *st, const store_pending_row *row, int64_t *id_out);
    int (*pending_foreach)(store *st, int64_t after_id,
                           int (*fn)(const store_pending_row *row, void *ctx), void *ctx);
    int (*pending_update)(store *st, int64_t id, int64_t at, const char *error);
    int (*pending_delete)(store *st, int64_t id);
    int (*pending_count_key)(store *st, const uint8_t key_id[CRYPTO_HASH_BYTES],
                             int64_t *count_out);
    int (*key_queue_add)(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int64_t tombstone,
                         int64_t at);
    int (*key_queue_first)(store *st, uint8_t hash_out[CRYPTO_HASH_BYTES]);
    int (*key_queue_foreach)(store *st,
                             int (*fn)(const uint8_t *hash, int64_t tombstone, int64_t queued,
                                       void *ctx),
                             void *ctx);
    int (*erasure_unfinished)(store *st, int *keys_out, int *unwiped_out);
    int (*key_delete)(store *st, const uint8_t hash[CRYPTO_HASH_BYTES]);
    int (*key_exists)(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int *exists_out);
    int (*subject_delete)(store *st, const uint8_t hash[CRYPTO_HASH_BYTES]);
    int (*subject_created)(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int64_t *created_out);
    int (*subject_has_data)(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int *has_out);
    int (*erasure_scrub_requests)(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                                  int64_t *count_out);
    int (*relax_durability)(store *st, int relaxed);

    /* JSON parsing */
    int (*json_parse)(store *st, const char *text, json_node **out);

    /* version 2: many engines */
    int (*key_state)(store *st, store_key_state *out);
    int (*rotation_put)(store *st, store_file f, uint64_t kek_generation, int64_t rekey_seq);
    int (*key_queue_destroy)(store *st, const uint8_t hash[CRYPTO_HASH_BYTES]);
    int (*policy_version)(store *st, int64_t *version_out);
    /* version 3: objections per purpose */
    int (*objection_put)(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], const char *purpose,
                         int64_t at);
    int (*objection_get)(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], const char *purpose,
                         int64_t *at_out);
    int (*objection_delete)(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], const char *purpose);
    /* version 4: per-subject key cache validation */
    int (*key_serial)(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                      uint8_t wrapped[CRYPTO_WRAPPED_BYTES], int64_t *serial_out);
    /* version 5: Art. 49 transfers counted per recipient */
    int (*transfer_count)(store *st, const char *recipient, int64_t after, int64_t until,
                          const uint8_t subject_hash[CRYPTO_HASH_BYTES], store_transfer_count *out);
    /* version 6: the access log (Art. 15(4), CJEU C-579/21) */
    int (*access_insert)(store *st, const store_access_row *row);
    int (*access_foreach)(store *st, const uint8_t *subject_hash,
                          int (*fn)(const store_access_row *row, void *ctx), void *ctx);
    int (*access_delete_subject)(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                 int64_t *count_out);
    /* version 7: a failed open of a new store leaves nothing behind */
    void (*discard)(store *st);
    /* version 8: consent signals (issue 16) */
    int (*signal_append)(store *st, const store_signal_row *row);
    int (*signal_latest)(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int kind, int64_t at,
                         int64_t *id_out, int64_t *at_out);
    int (*signal_foreach)(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                          int (*fn)(const store_signal_row *row, void *ctx), void *ctx);
    int (*conflict_append)(store *st, const store_conflict_row *row, int64_t *id_out);
    int (*conflict_foreach)(store *st, const uint8_t *hash, int64_t since, int64_t after_id,
                            int (*fn)(const store_conflict_row *row, void *ctx), void *ctx);
    /* version 9: reports (issue 16) */
    int (*consent_report_foreach)(store *st, const store_consent_report_filter *f,
                                  int (*fn)(const store_consent_report_row *row, void *ctx),
                                  void *ctx);
    int (*breach_insert)(store *st, const store_breach_row *row);
    int (*breach_update)(store *st, const store_breach_row *row);
    int (*breach_get)(store *st, int64_t id, int (*fn)(const store_breach_row *row, void *ctx),
                      void *ctx);
    int (*breach_foreach)(store *st, int pending, int64_t due_by,
                          int (*fn)(const store_breach_row *row, void *ctx), void *ctx);
    int (*breach_subject_add)(store *st, int64_t breach, const uint8_t subject[CRYPTO_HASH_BYTES],
                              int64_t at, int *added_out);
    int (*breach_subject_count)(store *st, int64_t breach, int64_t *count_out);
    int (*request_find_open)(store *st, const uint8_t subject[CRYPTO_HASH_BYTES], int type,
                             int64_t *id_out);
    /* version 10: read transactions (docs/decisions/0011-snapshot-reads.md) */
    int (*read_begin)(store *st, int both_files);
    void (*read_end)(store *st);
    int (*begin_unguarded)(store *st);
    /* version 11: erasure checks once per (purpose, category) */
    int (*vault_groups)(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                        store_vault_group_fn fn, void *ctx);
};

/* The backends in this build. */
extern const store_ops gdpr_store__sqlite_ops;
#ifdef GDPR_HAVE_POSTGRES
extern const store_ops gdpr_store__postgres_ops;
#endif

#endif
