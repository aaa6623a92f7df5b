/*
 * Internal (core): erasure primitives every capability may use. The
 * erasure capability (lib/erasure) builds whole-subject erasure, source
 * hooks and replay on them; retention erases due records and the vault
 * deletes records through them, so the same restriction check and the same
 * key life cycle apply on every path.
 *
 * How to erase a record from inside your own transaction (retention):
 *
 *     gdpr_engine__lock(eng);  ... gdpr_engine__authorize(...);  gdpr_engine__begin(eng);
 *     rc = gdpr_shred__record_locked(eng, who, record, "retention rule R-2",
 *                              SHRED_QUIET, &outcome);
 *     ...                                 (GDPR_ESTATE: held or kept, see outcome)
 *     rc = gdpr_engine__end(eng, rc);
 *     gdpr_shred__finish(eng);                  (outside every transaction)
 *     gdpr_engine__unlock(eng, rc);
 *
 * (Many records in one transaction: gdpr_shred__memo_reset(&memo) after
 * the begin, then gdpr_shred__record_memo(.., &memo, ..) per record.)
 *
 * Nothing here destroys a key inside a transaction: when a record was the
 * last one a partially erased subject kept, the subject's row goes in the
 * caller's transaction and its key is queued; gdpr_shred__finish() destroys
 * queued keys and scrubs once that transaction has committed. A queue left
 * behind (crash, forgotten call) is finished by the next erasure call,
 * gdpr_erase_retry_pending(), gdpr_commit() or the next gdpr_open().
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_SHRED_H
#define GDPR_SHRED_H

#include "record.h"

/* Flags of gdpr_shred__record_locked. */
#define SHRED_QUIET 0x1u /* no audit event: the caller audits (e.g. one per batch) */
#define SHRED_ROUTINE                                                                              \
    0x2u /* the host's routine (retention), not an Art. 17 request:                                \
          * checked as RECORD_DELETE, so an Art. 18 restriction keeps it */
#define SHRED_NO_HOLDS                                                                             \
    0x4u /* the caller found no hold touching the subject under this write                         \
          * lock (gdpr_store__hold_any_for_subject): no per-record hold lookup */

/* What happened to a record (gdpr_shred__record_locked's *outcome_out). */
typedef enum {
    SHRED_ERASED = 1, /* deleted, record tombstone written */
    SHRED_HELD = 2,   /* a legal hold covers it: nothing done, GDPR_ESTATE */
    SHRED_KEPT = 3    /* a legal duty or restriction keeps it: nothing done, GDPR_ESTATE */
} shred_outcome;

/* A record copied out of the store, so the caller may change the vault. */
typedef struct {
    uint8_t hash[CRYPTO_HASH_BYTES];
    char category[GDPR_NAME_MAX + 1];
    char purpose[GDPR_NAME_MAX + 1];
    store_vault_row row; /* copies of the scalars; strings point above; no value */
} shred_record;

/* What a batch of erasures in one transaction learnt about the subject of
 * its last record: its Art. 18 limits, its open partial erasure and the
 * record tombstone of the day under one ground. Valid only inside that
 * transaction, under its write lock (gdpr_shred__memo_reset at the start
 * of each); the erasure forgets it itself when it retires the subject.
 * One subject at a time: a batch in (due, id) order mostly meets one
 * subject's records together; a change of subject only costs the reads. */
typedef struct {
    uint8_t hash[CRYPTO_HASH_BYTES];
    int known; /* subject (and tombstone when set) answer for hash */
    record_known subject;
    int64_t tombstone; /* 0 until found or made */
    int64_t day;
    char ground[GDPR_NAME_MAX + 32];
} shred_memo;

void gdpr_shred__memo_reset(shred_memo *memo);

/* A gdpr_store__vault_get callback filling a shred_record (ctx). */
int gdpr_shred__record_copy(const store_vault_row *row, void *ctx);
/* Load record `record`; GDPR_ENOTFOUND naming it. */
int gdpr_shred__record_load(gdpr_engine *eng, int64_t record, shred_record *out);

/*
 * Erase one vault record on `ground` (1..GDPR_NAME_MAX bytes, e.g.
 * "retention rule R-2") under Art. 17. Preconditions: the engine is
 * locked, a policy is loaded, the caller has authorised `who` and holds a
 * transaction (gdpr_engine__begin). Passes the restriction check for
 * RECORD_ERASE at gdpr_engine__now(); erases the record and writes (or extends)
 * a record tombstone for the subject: one per (subject, ground, UTC day).
 * Returns GDPR_OK (outcome SHRED_ERASED); GDPR_ESTATE (outcome SHRED_HELD
 * or SHRED_KEPT, message names the hold or rule and its end);
 * GDPR_ENOTFOUND (no such record); GDPR_ESTORAGE. `outcome_out` may be NULL.
 */
int gdpr_shred__record_locked(gdpr_engine *eng, const gdpr_actor *who, int64_t record,
                              const char *ground, unsigned int flags, int *outcome_out);
/* The same for a loaded record; `use_tombstone` adds to that tombstone
 * (replay) instead of the day's record tombstone. */
int gdpr_shred__record_in(gdpr_engine *eng, const gdpr_actor *who, const shred_record *rec,
                          const char *ground, int64_t use_tombstone, unsigned int flags,
                          int *outcome);
/* gdpr_shred__record_in on the day's record tombstone for a batch of
 * erasures in one transaction: what it reads of the subject (limits,
 * partial erasure, the tombstone) it keeps in `memo` for the next record
 * and takes from there when the subject is the memo's. `rec` may come
 * from a row the caller read in the same transaction (no reload). */
int gdpr_shred__record_memo(gdpr_engine *eng, const gdpr_actor *who, const shred_record *rec,
                            const char *ground, unsigned int flags, shred_memo *memo, int *outcome);

/* Delete a record that passed the restriction check, in the caller's
 * transaction: marks a kept record erased on its tombstone and, when it
 * was the last thing a partially erased subject kept, retires the subject
 * (row deleted, key queued, tombstones complete). No tombstone of its own
 * and no audit event: the caller writes those. */
int gdpr_shred__record_delete(gdpr_engine *eng, const store_vault_row *row, int64_t now);

/* The subject row goes and its key is queued for destruction; earlier
 * partial erasures of it become complete. In the caller's transaction. */
int gdpr_shred__retire_subject(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
                               int64_t tombstone, int64_t now);

/*
 * Destroy queued keys (keystore rows, then queue rows) and scrub the bytes
 * freed by committed transactions, retrying a busy scrub a few times.
 * Outside every transaction; engine locked. Cheap (one indexed probe) when
 * nothing is queued and nothing waits for a scrub. Returns GDPR_OK;
 * GDPR_EBUSY when a reader kept the scrub from completing (the message
 * names the file; tombstones stay "not wiped" and the next call retries);
 * GDPR_ESTATE inside a transaction; GDPR_ESTORAGE.
 */
int gdpr_shred__finish(gdpr_engine *eng);

/* At open: finish what a crash left queued. A busy scrub does not fail
 * the open. */
int gdpr_shred__resume(gdpr_engine *eng);

#endif
