/*
 * Internal: erasure entry points for other capabilities (retention runs,
 * request fulfilment, the open hook). Written first so that retention can
 * build against it while erasure is being finished: the signatures below
 * are stable; see lib/erasure.c for the implementation and docs/erasure.md
 * for the rules.
 *
 * How to erase a record from inside your own transaction (retention):
 *
 *     engine_lock(eng);  ... engine_authorize(...);  engine_begin(eng);
 *     rc = erasure_erase_record_locked(eng, who, record, "retention rule R-2",
 *                                      ERASURE_QUIET, &outcome);
 *     ...                                 (GDPR_ESTATE: held or kept, see outcome)
 *     rc = engine_end(eng, rc);
 *     erasure_finish(eng);                (outside every transaction)
 *     engine_unlock(eng, rc);
 *
 * erasure_erase_record_locked never destroys a key itself: when the record
 * was the last one a partially erased subject kept, the subject's row goes
 * in your transaction and its key is queued; erasure_finish() destroys
 * queued keys and checkpoints once your transaction has committed. A queue
 * left behind (crash, forgotten call) is finished by the next erasure call,
 * gdpr_erase_retry_pending() or the next gdpr_open().
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_ERASURE_INTERNAL_H
#define GDPR_ERASURE_INTERNAL_H

#include "engine.h"

/* Flags of erasure_erase_record_locked. */
#define ERASURE_QUIET 0x1u /* no audit event: the caller audits (e.g. one per batch) */

/* What happened to a record (erasure_erase_record_locked's *outcome_out). */
typedef enum {
    ERASURE_ERASED = 1, /* deleted, record tombstone written */
    ERASURE_HELD = 2,   /* a legal hold covers it: nothing done, GDPR_ESTATE */
    ERASURE_KEPT = 3    /* a legal-duty retention rule still runs: nothing done, GDPR_ESTATE */
} erasure_outcome;

/*
 * Erase one vault record on `ground` (1..GDPR_NAME_MAX bytes, e.g.
 * "retention rule R-2"). Preconditions: the engine is locked, a policy is
 * loaded, the caller has authorised `who` and holds a transaction
 * (engine_begin). Checks legal holds and legal-duty retention at
 * engine_now(); erases the record and writes (or extends) a record
 * tombstone for the subject: one per (subject, ground, UTC day).
 * Returns GDPR_OK (outcome ERASURE_ERASED); GDPR_ESTATE (outcome
 * ERASURE_HELD or ERASURE_KEPT, message names the hold or rule and its
 * end); GDPR_ENOTFOUND (no such record); GDPR_ESTORAGE ...
 * `outcome_out` may be NULL.
 */
int erasure_erase_record_locked(gdpr_engine *eng, const gdpr_actor *who, int64_t record,
                                const char *ground, unsigned int flags, int *outcome_out);

/*
 * Whether a legal hold in force at `at` covers a record of `category`
 * belonging to `subject_hash` (record 0: the subject as a whole). Sets
 * *hold_out to the hold id, 0 when none. Read-only; any lock state.
 */
int erasure_hold_covers(gdpr_engine *eng, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                        int64_t record, const char *category, int64_t at, int64_t *hold_out);

/*
 * Destroy queued keys (each in its own small transaction: keystore row,
 * then queue row) and checkpoint both files with TRUNCATE, retrying a busy
 * checkpoint a few times. Outside every transaction; engine locked.
 * Cheap (one indexed probe) when nothing is queued and nothing waits for a
 * checkpoint. Returns GDPR_OK; GDPR_EBUSY when a reader kept the
 * checkpoint from completing (the message names the file; the tombstones
 * stay "not wiped" and the next call retries); GDPR_ESTATE inside a
 * transaction; GDPR_ESTORAGE.
 */
int erasure_finish(gdpr_engine *eng);

/*
 * Retry failed source erase hooks and the checkpoint, as
 * gdpr_erase_retry_pending() does, without its checks (retention runs call
 * it inside their lock, outside any transaction). *remaining_out (may be
 * NULL) gets the hooks still failing.
 */
int erasure_retry_pending_locked(gdpr_engine *eng, const gdpr_actor *who, int *remaining_out);

#endif
