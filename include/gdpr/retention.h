/*
 * libgdpr: retention review scheduling (Art. 5(1)(e) storage limitation).
 *
 * The policy's retention rules say, per (purpose, category), how long a
 * record is kept (an ISO 8601 duration), from which event (the anchor:
 * collection, last activity, contract end, consent withdrawal, request
 * closed) and what happens then (erase, anonymise, or review by a person).
 * Every vault record carries its due time, computed when it is stored and
 * again whenever its anchor moves; a partial index on the due time makes a
 * sweep cost what is due, not what is stored. gdpr_retention_run() applies
 * the actions in bounded batches, each one transaction, and resumes where
 * an interrupted run stopped. Review tasks are decided by a person: keep
 * until a date (with a sealed justification) or erase.
 * See docs/retention.md.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_RETENTION_H
#define GDPR_RETENTION_H

#include "gdpr/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The event a retention period runs from (policy field "anchor"). */
typedef enum {
    GDPR_ANCHOR_COLLECTION = 1,         /**< the record's own collection time */
    GDPR_ANCHOR_LAST_ACTIVITY = 2,      /**< the subject's last activity (gdpr_subject_touch) */
    GDPR_ANCHOR_CONTRACT_END = 3,       /**< the end of the contract (gdpr_contract_end) */
    GDPR_ANCHOR_CONSENT_WITHDRAWAL = 4, /**< consent for the purpose withdrawn or refused */
    GDPR_ANCHOR_REQUEST_CLOSED = 5      /**< the subject's latest data-subject request closed */
} gdpr_retention_anchor;

/** What happens when a record falls due (policy field "action"). */
typedef enum {
    GDPR_RETENTION_ERASE = 1,     /**< erased through the erasure path */
    GDPR_RETENTION_ANONYMISE = 2, /**< value destroyed; only the rule's aggregates remain */
    GDPR_RETENTION_REVIEW = 3     /**< a review task is opened for a person to decide */
} gdpr_retention_action;

/** "collection", "last_activity", ... (the policy's words); "unknown" for any
 *  other value. Never NULL; static storage. @since 0.1 */
GDPR_API const char *gdpr_retention_anchor_name(int anchor);
/** "erase", "anonymise", "review"; "unknown" for any other value. Never
 *  NULL; static storage. @since 0.1 */
GDPR_API const char *gdpr_retention_action_name(int action);

/* --- anchors ------------------------------------------------------------ */

/**
 * Record activity of `subject` at `at` (GDPR_NOW: now; 0 is refused): the anchor of rules with
 * "anchor": "last_activity" for every purpose. The last activity only moves
 * forward (an earlier `at` than the one stored changes nothing but is still
 * audited). Due times of the subject's records that depend on it are
 * recomputed in the same transaction. Needs permission "retention.anchor";
 * audited.
 * @return GDPR_OK; GDPR_EINVAL (bad subject; `at` negative or later than
 *         now); GDPR_ENOTFOUND (no such subject); GDPR_EDENIED;
 *         GDPR_ESTATE (no policy); GDPR_ESTORAGE; GDPR_EBUSY.
 * Thread notes: serialised on the engine like every call.
 * @since 0.1
 */
GDPR_API int gdpr_subject_touch(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                                int64_t at) GDPR_WARN_UNUSED;

/**
 * Record the end of the subject's contract at `at` (GDPR_NOW: now; a date in the
 * future is allowed when the end is known in advance): the anchor of rules
 * with "anchor": "contract_end", for every purpose. Setting it again
 * replaces it (a correction may move it earlier). Same as
 * gdpr_retention_anchor_set(eng, who, subject, GDPR_ANCHOR_CONTRACT_END,
 * NULL, at). Needs permission "retention.anchor"; audited.
 * @return as gdpr_subject_touch(), but `at` may lie in the future (up to
 *         9999-12-31).
 * @since 0.1
 */
GDPR_API int gdpr_contract_end(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                               int64_t at) GDPR_WARN_UNUSED;

/**
 * Set any anchor but collection for `subject`, for every purpose
 * (`purpose` NULL) or for one purpose of the policy (e.g. the contract end
 * of "recruitment" when the position closes). For a record, an anchor set
 * for its own purpose wins over one set for every purpose; last activity is
 * the latest of both and of the record's collection. Last activity and
 * request closed only move forward; contract end and consent withdrawal
 * are replaced. Consent withdrawal is also set by gdpr_consent_withdraw()
 * and cleared by a new grant; request closed by closing a request.
 * Needs permission "retention.anchor"; audited.
 * @param eng  the engine.
 * @param who  the acting user: its role's permissions are checked and the audit trail names it.
 * @param subject  the host's subject id (1..GDPR_NAME_MAX bytes of UTF-8), borrowed.
 * @param anchor  which anchor to set (gdpr_retention_anchor).
 * @param purpose  one purpose of the policy, or NULL for every purpose.
 * @param at  UTC seconds or GDPR_NOW (0 is refused); last activity may not
 *            lie in the future.
 * @return GDPR_OK; GDPR_EINVAL (anchor out of range or collection, purpose
 *         not in the policy, bad subject or time); GDPR_ENOTFOUND (no such
 *         subject); GDPR_EDENIED; GDPR_ESTATE; GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_retention_anchor_set(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                                       gdpr_retention_anchor anchor, const char *purpose,
                                       int64_t at) GDPR_WARN_UNUSED;

/**
 * Remove an anchor set with gdpr_retention_anchor_set() (a contract
 * renewed, say): records that depend on it have no due time until it is
 * set again (last activity falls back to the collection time). Removing
 * one that is not set is GDPR_OK and changes nothing but the audit trail.
 * Needs permission "retention.anchor"; audited.
 * @return as gdpr_retention_anchor_set().
 * @since 0.1
 */
GDPR_API int gdpr_retention_anchor_clear(gdpr_engine *eng, const gdpr_actor *who,
                                         const char *subject, gdpr_retention_anchor anchor,
                                         const char *purpose) GDPR_WARN_UNUSED;

#define GDPR_RETENTION_INFO_VERSION 1u

/** The schedule of one record, as gdpr_retention_record() returns it. */
typedef struct {
    unsigned int version;         /**< GDPR_RETENTION_INFO_VERSION */
    int64_t record;               /**< vault record id */
    char rule[GDPR_NAME_MAX + 1]; /**< the rule's id; "" when no rule covers the record */
    gdpr_retention_anchor anchor; /**< the rule's anchor; 0 without a rule */
    gdpr_retention_action action; /**< the rule's action; 0 without a rule */
    int has_anchor;               /**< the anchor event has happened */
    int64_t anchor_at;            /**< its time, when has_anchor */
    int has_due;                  /**< the record has a due time */
    int64_t due;                  /**< when has_due */
    int has_keep;                 /**< a reviewer decided to keep it ... */
    int64_t keep_until;           /**< ... until this time */
    int64_t review;               /**< open review task, 0: none */
} gdpr_retention_info;

/**
 * The retention schedule of one vault record: rule, anchor, due time, keep
 * decision and open review. Read-only; holds no personal data.
 * @param eng  the engine.
 * @param record  the vault record's id (gdpr_vault_put()).
 * @param[out] out  filled on success; out->version must be set by the
 *                  caller (GDPR_RETENTION_INFO_VERSION).
 * @return GDPR_OK; GDPR_EINVAL (record <= 0, out NULL); GDPR_EVERSION;
 *         GDPR_ENOTFOUND (no such record); GDPR_ESTATE (no policy).
 * @since 0.1
 */
GDPR_API int gdpr_retention_record(gdpr_engine *eng, int64_t record, gdpr_retention_info *out);

/**
 * Recompute the due time of every vault record from the policy in force
 * and the stored anchors, in batches of one transaction each. Loading a
 * policy whose rules differ already does this for the records concerned;
 * this call is for a store restored from a backup or filled by an import.
 * Needs permission "retention.run"; audited (count in the reference).
 * @param eng  the engine.
 * @param who  the acting user: its role's permissions are checked and the audit trail names it.
 * @param[out] changed_out  records whose due time changed; may be NULL.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_EDENIED; GDPR_ESTATE (no policy, or
 *         inside a batch); GDPR_ESTORAGE; GDPR_EBUSY.
 * @since 0.1
 */
GDPR_API int gdpr_retention_sync(gdpr_engine *eng, const gdpr_actor *who,
                                 int64_t *changed_out) GDPR_WARN_UNUSED;

/* --- what is due ---------------------------------------------------------- */

#define GDPR_RETENTION_ITEM_VERSION 1u

/** One due record as gdpr_retention_due() hands it out; borrowed for the callback. */
typedef struct {
    unsigned int version;         /**< GDPR_RETENTION_ITEM_VERSION */
    int64_t record;               /**< vault record id */
    const char *rule;             /**< retention rule id */
    gdpr_retention_action action; /**< what a run will do */
    const char *category;         /**< policy category */
    const char *purpose;          /**< policy purpose */
    const char *subject_hash;     /**< keyed hash of the subject, 64 hex digits (not
                                       personal data; as in the audit trail) */
    int64_t due;                  /**< when it fell due */
    int held;                     /**< 1: a legal hold covers it; a run skips it */
} gdpr_retention_item;

/** Iterator: return 0 to go on, non-zero to stop (GDPR_ECALLBACK). */
typedef int (*gdpr_retention_fn)(const gdpr_retention_item *item, void *ctx);

/**
 * Hand every vault record due at `as_of` (due <= as_of) to `fn`, oldest
 * due time first, with its rule and action. Reads only the due index: the
 * cost follows the number of due records, not the size of the store.
 * Records with an open review task are not due again until it is decided.
 * Read-only; no permission (no personal data is shown).
 * `as_of` may be GDPR_NOW (0 is refused, see common.h).
 * @return GDPR_OK; GDPR_EINVAL (fn NULL; as_of 0, negative or after
 *         9999-12-31); GDPR_ESTATE (no policy); GDPR_ECALLBACK (fn stopped);
 *         GDPR_ESTORAGE.
 * Thread notes: fn runs under the engine lock; it may call the library.
 * @since 0.1
 */
GDPR_API int gdpr_retention_due(gdpr_engine *eng, int64_t as_of, gdpr_retention_fn fn, void *ctx);

/* --- sweeps ------------------------------------------------------------- */

/** What a run did (or, dry, would do). Counts of this call only. */
typedef struct {
    int64_t examined;       /**< due records looked at */
    int64_t erased;         /**< erased through the erasure path */
    int64_t anonymised;     /**< anonymised (value destroyed, aggregates kept) */
    int64_t reviews_opened; /**< review tasks opened */
    int64_t held;           /**< skipped: under a legal hold */
} gdpr_retention_report;

/**
 * Progress of a run after each batch: the counts so far and the number of
 * records that were due when the run started (or resumed). Return non-zero
 * to stop: the batch done is kept, the call returns GDPR_ECALLBACK and the
 * next run resumes after it.
 */
typedef int (*gdpr_retention_progress_fn)(const gdpr_retention_report *so_far, int64_t total,
                                          void *ctx);

#define GDPR_RETENTION_OPTIONS_VERSION 1u
/** Default and largest batch size (records per transaction). */
#define GDPR_RETENTION_BATCH_DEFAULT 1000u
#define GDPR_RETENTION_BATCH_MAX 10000u

/** Options of gdpr_retention_run_ex(). Transparent and versioned. */
typedef struct {
    unsigned int version;                /**< GDPR_RETENTION_OPTIONS_VERSION */
    unsigned int batch;                  /**< records per transaction; 0: the default */
    int dry_run;                         /**< 1: count what would happen, change nothing */
    gdpr_retention_progress_fn progress; /**< called after each batch; may be NULL */
    void *progress_ctx;                  /**< passed to progress */
} gdpr_retention_options;

#define GDPR_RETENTION_OPTIONS_INIT                                                                \
    {                                                                                              \
        GDPR_RETENTION_OPTIONS_VERSION, 0, 0, NULL, NULL                                           \
    }

/**
 * Fill `opts` with the defaults of options version `version`.
 * @return GDPR_OK; GDPR_EINVAL (opts NULL); GDPR_EVERSION.
 * @since 0.1
 */
GDPR_API int gdpr_retention_options_init(gdpr_retention_options *opts, unsigned int version);

/**
 * Apply the retention rules to every record due at `as_of`: erase,
 * anonymise, or open a review task, oldest due first, in batches of the
 * default size. Records under a legal hold are skipped and counted in
 * `held`. Same as gdpr_retention_run_ex() with default options.
 * Needs permission "retention.run"; each record's outcome is audited
 * ("record 42: erase under R-2") and the run as a whole.
 * @param eng  the engine.
 * @param who  the acting user: its role's permissions are checked and the audit trail names it.
 * @param as_of  the time to judge at, UTC seconds; #GDPR_NOW: the engine's clock.
 * @param[out] report_out  the counts of this call; may be NULL.
 * @return see gdpr_retention_run_ex().
 * @since 0.1
 */
GDPR_API int gdpr_retention_run(gdpr_engine *eng, const gdpr_actor *who, int64_t as_of,
                                gdpr_retention_report *report_out) GDPR_WARN_UNUSED;

/**
 * gdpr_retention_run() with options. Each batch is one transaction that
 * also moves the run's stored cursor, so a run interrupted by a crash, an
 * I/O error or the progress callback loses nothing and repeats nothing:
 * the next call resumes after the last committed batch (with its own
 * `as_of`). The engine lock is taken per batch, so other threads' calls
 * interleave; the progress callback runs outside it. With `dry_run` nothing
 * is written, not even the audit trail, and the report counts what a run
 * would do. After a run that erased or anonymised, the write-ahead logs
 * are checkpointed so freed pages (zeroed by secure_delete) reach the files.
 * @param eng  the engine.
 * @param who  the acting user: its role's permissions are checked and the audit trail names it.
 * @param as_of  the time to judge at, UTC seconds; #GDPR_NOW: the engine's clock.
 * @param opts  the options (versioned; NULL: the defaults).
 * @param[out] report_out  counts of this call (also filled on failure,
 *                         with what was committed); may be NULL.
 * `as_of` may be GDPR_NOW (0 is refused, see common.h).
 * @return GDPR_OK; GDPR_EINVAL (as_of 0, negative, after 9999-12-31, or,
 *         unless dry, later than now: records are never acted on before
 *         they fall due; bad actor; opts.batch over
 *         GDPR_RETENTION_BATCH_MAX; opts.dry_run not 0 or 1);
 *         GDPR_EVERSION (options version); GDPR_EDENIED; GDPR_ESTATE (no
 *         policy; inside a batch); GDPR_ECALLBACK (progress stopped the
 *         run: resumable); GDPR_EBUSY (a reader kept the final checkpoint
 *         from completing: the run is complete, call
 *         gdpr_vault_checkpoint() later); GDPR_ESTORAGE; GDPR_ENOMEM.
 * @since 0.1
 */
GDPR_API int gdpr_retention_run_ex(gdpr_engine *eng, const gdpr_actor *who, int64_t as_of,
                                   const gdpr_retention_options *opts,
                                   gdpr_retention_report *report_out) GDPR_WARN_UNUSED;

#define GDPR_RETENTION_RUN_INFO_VERSION 1u

/**
 * The resumable run log's open run, as gdpr_retention_run_status() reports
 * it. Transparent and versioned: set `version` to
 * GDPR_RETENTION_RUN_INFO_VERSION before the call; later fields are
 * appended, never reordered. @since 0.3
 */
typedef struct {
    unsigned int version;   /**< GDPR_RETENTION_RUN_INFO_VERSION */
    int open;               /**< 1: a run was interrupted and the next run resumes it; 0: none */
    int64_t run;            /**< the open run's id (as in its audit events); 0 when none */
    int64_t started;        /**< when it started (UTC seconds); 0 when none */
    int64_t as_of;          /**< the as-of time it was last given; 0 when none */
    int64_t examined;       /**< records examined so far, over every resumption */
    int64_t erased;         /**< ... of them erased */
    int64_t anonymised;     /**< ... anonymised */
    int64_t reviews_opened; /**< ... review tasks opened */
    int64_t held;           /**< ... skipped under a legal hold */
} gdpr_retention_run_info;

/**
 * Is a retention run open (interrupted, to be resumed by the next
 * gdpr_retention_run())? Read-only; needs no permission and writes no audit
 * event (it reveals counts, no personal data). A host calls it before a run
 * to say "resumed run N".
 * @param eng  the engine.
 * @param[in,out] out  caller-owned; `out->version` must be
 *        GDPR_RETENTION_RUN_INFO_VERSION; the rest is filled on success
 *        (zeros and `open` 0 when no run is open).
 * @return GDPR_OK; GDPR_EINVAL (eng or out NULL, unknown version);
 *         GDPR_ESTORAGE.
 * Thread-safe (takes the engine's lock).
 * @since 0.3
 */
GDPR_API int gdpr_retention_run_status(gdpr_engine *eng, gdpr_retention_run_info *out);

/** One aggregate anonymisation kept; borrowed for the callback. */
typedef struct {
    const char *rule;     /**< the rule that anonymised */
    const char *category; /**< policy category */
    const char *purpose;  /**< policy purpose */
    const char *field;    /**< the record's label ("" when it had none) */
    const char *value;    /**< the kept value of a field the rule names in "keep";
                               "" for the other fields (their values are gone) */
    int month;            /**< collection month as YYYYMM (UTC) */
    int64_t count;        /**< records anonymised into this row */
} gdpr_retention_aggregate;

/** Receives one aggregate; return 0 to go on, non-zero to stop
 * (GDPR_ECALLBACK). @since 0.1 */
typedef int (*gdpr_retention_aggregate_fn)(const gdpr_retention_aggregate *agg, void *ctx);

/**
 * Hand every anonymisation aggregate to fn, ordered by rule, category,
 * purpose, field, value, month. Read-only; no permission (no subject is
 * linked to an aggregate).
 * @return GDPR_OK; GDPR_EINVAL (fn NULL); GDPR_ECALLBACK; GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_retention_aggregates(gdpr_engine *eng, gdpr_retention_aggregate_fn fn, void *ctx);

/* --- reviews ---------------------------------------------------------- */

/** Status of a review task. */
typedef enum {
    GDPR_REVIEW_OPEN = 1,   /**< waiting for a decision */
    GDPR_REVIEW_KEPT = 2,   /**< decided: keep until a date */
    GDPR_REVIEW_ERASED = 3, /**< decided: erased */
    GDPR_REVIEW_GONE = 4    /**< the record was erased otherwise before a decision */
} gdpr_review_status;

/** "open", "kept", "erased", "gone"; "unknown" for any other value. Never
 *  NULL; static storage. @since 0.1 */
GDPR_API const char *gdpr_review_status_name(int status);

#define GDPR_REVIEW_VERSION 1u

/** One review task as the list calls hand it out; borrowed for the callback. */
typedef struct {
    unsigned int version;      /**< GDPR_REVIEW_VERSION */
    int64_t id;                /**< task id */
    int64_t record;            /**< the vault record under review */
    const char *rule;          /**< retention rule id */
    const char *category;      /**< policy category */
    const char *purpose;       /**< policy purpose */
    const char *subject_hash;  /**< keyed subject hash, 64 hex digits */
    int64_t record_due;        /**< when the record fell due */
    int64_t opened;            /**< when the task was opened */
    int64_t deadline;          /**< decide by (one month after opening) */
    gdpr_review_status status; /**< open, kept, erased, gone */
    int64_t decided;           /**< decision time; 0 while open */
    const char *decided_by;    /**< the reviewer's actor id, or NULL */
    const char *role;          /**< the reviewer's role, or NULL */
    int64_t keep_until;        /**< for kept: until when; else 0 */
    int has_justification;     /**< a sealed justification is stored (readable
                                    with gdpr_review_justification()) */
} gdpr_review;

/** Iterator: return 0 to go on, non-zero to stop (GDPR_ECALLBACK). */
typedef int (*gdpr_review_fn)(const gdpr_review *task, void *ctx);

/**
 * Hand review tasks to fn: those with `status` (0: every task) in task
 * order. Read-only; no permission (no personal data is shown).
 * @return GDPR_OK; GDPR_EINVAL (fn NULL, status out of range);
 *         GDPR_ECALLBACK; GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_review_list(gdpr_engine *eng, gdpr_review_status status, gdpr_review_fn fn,
                              void *ctx);

/**
 * Hand open review tasks whose deadline has passed at `as_of` (deadline <=
 * as_of) to fn, the longest overdue first. `as_of` may be GDPR_NOW (0 is
 * refused). Read-only; no permission.
 * @return as gdpr_review_list(); GDPR_EINVAL for as_of out of range.
 * @since 0.1
 */
GDPR_API int gdpr_review_overdue(gdpr_engine *eng, int64_t as_of, gdpr_review_fn fn, void *ctx);

/** A reviewer's verdict. */
typedef enum {
    GDPR_REVIEW_KEEP = 1, /**< keep until `keep_until`, then review again */
    GDPR_REVIEW_ERASE = 2 /**< erase now through the erasure path */
} gdpr_review_verdict;

#define GDPR_REVIEW_DECISION_VERSION 1u

/** A decision on a review task. Transparent and versioned. */
typedef struct {
    unsigned int version;        /**< GDPR_REVIEW_DECISION_VERSION */
    gdpr_review_verdict verdict; /**< keep or erase */
    int64_t keep_until;          /**< keep: a time after now, at most the rule's
                                      review cadence ("review_every") from now, or its
                                      period when it has none */
    const char *justification;   /**< keep: required, why the data is still needed
                                      (at most 4096 bytes of UTF-8); erase: optional.
                                      Stored sealed under the subject's key. */
} gdpr_review_decision;

#define GDPR_REVIEW_DECISION_INIT                                                                  \
    {                                                                                              \
        GDPR_REVIEW_DECISION_VERSION, 0, 0, NULL                                                   \
    }
/** Longest justification accepted, in bytes. */
#define GDPR_REVIEW_JUSTIFICATION_MAX 4096u

/**
 * Fill `d` with the defaults of decision version `version`.
 * @return GDPR_OK; GDPR_EINVAL (d NULL); GDPR_EVERSION.
 * @since 0.1
 */
GDPR_API int gdpr_review_decision_init(gdpr_review_decision *d, unsigned int version);

/**
 * Decide an open review task. Keep: the record's due time moves to
 * `keep_until` (or later, if its anchor has moved past it), when a run
 * opens a new review. Erase: the record is erased through the erasure path
 * now (refused while a legal hold covers it). The decision, the reviewer
 * and role are stored with the task and audited ("review 7: keep record 42
 * until 2027-06-30T00:00:00Z"); the justification is sealed under the
 * subject's key and the audit event refers to it by task id.
 * Needs permission "review.decide".
 * @return GDPR_OK; GDPR_EINVAL (task <= 0; d NULL; verdict unknown;
 *         keep_until not after now or beyond the cadence; justification
 *         missing for keep, empty, too long or not UTF-8); GDPR_EVERSION;
 *         GDPR_ENOTFOUND (no such task); GDPR_ESTATE (task decided
 *         already or its record gone; a legal hold blocks erasure; no
 *         policy); GDPR_EDENIED; GDPR_ESTORAGE; GDPR_EBUSY (erase: the
 *         decision and the erasure are committed, but a reader kept the
 *         checkpoint from completing: call gdpr_vault_checkpoint() later).
 * Not inside a gdpr_begin() batch (GDPR_ESTATE).
 * @since 0.1
 */
GDPR_API int gdpr_review_decide(gdpr_engine *eng, const gdpr_actor *who, int64_t task,
                                const gdpr_review_decision *d) GDPR_WARN_UNUSED;

/**
 * The justification of a decided task, opened from its seal.
 * Needs permission "review.decide" (refusals are audited; reads are not).
 * @param eng  the engine.
 * @param who  the acting user: its role's permissions are checked and the audit trail names it.
 * @param task  the review task's id.
 * @param[out] text_out  NUL-terminated, owned by the caller: gdpr_free().
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ENOTFOUND (no such task, or no
 *         justification, or the subject was erased since: its key is gone);
 *         GDPR_EDENIED; GDPR_ECORRUPT; GDPR_ENOMEM.
 * @since 0.1
 */
GDPR_API int gdpr_review_justification(gdpr_engine *eng, const gdpr_actor *who, int64_t task,
                                       char **text_out) GDPR_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
