/*
 * libgdpr: erasure with secure wipe (Art. 17, 19).
 *
 * Erasing a subject first checks the exemptions of Art. 17(3): legal
 * holds (placed by the DPO with a reason and an end date) and retention
 * rules that rest on a legal duty and have not yet run out. What they
 * cover is kept and restricted; everything else of the subject goes in one
 * transaction, a tombstone records what happened, and the subject's data
 * key is destroyed in a second transaction (crypto-shredding), so every
 * older copy of its ciphertext, backups included, becomes unreadable.
 * Both files are then checkpointed with TRUNCATE; secure_delete has zeroed
 * the freed bytes. Every registered source's erase hook is called; a
 * failing hook is kept as pending and retried. See docs/erasure.md for the
 * exact guarantees and docs/threat-model.md for their limits.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_ERASURE_H
#define GDPR_ERASURE_H

#include "gdpr/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest hold reason accepted, in bytes. */
#define GDPR_HOLD_REASON_MAX 512u

/**
 * What one erasure did.
 * `erased`: rows of the subject's personal data deleted (vault records,
 * identifiers, consent events, consent states and disclosures, logged
 * transfers). `retained`: vault records kept under a legal hold or a
 * legal-duty retention rule. `sources_failed`: host sources whose erase
 * hook failed (or that have none); they are pending, see
 * gdpr_erase_pending_foreach().
 */
typedef struct {
    int64_t erased, retained;
    int sources_failed;
} gdpr_erase_report;

/**
 * Erase a subject (Art. 17). In order:
 *  1. exemptions: a legal hold on the whole subject refuses the erasure
 *     (GDPR_ESTATE naming the hold; nothing changes, the refusal is
 *     audited); records covered by a record or category hold, or by a
 *     retention rule with `legal_duty` whose period (from the record's
 *     anchor) has not ended, are kept;
 *  2. one transaction deletes everything else of the subject (vault
 *     records, identifiers, consent events with their proofs, consent
 *     states, disclosures, logged transfers; the sealed fields of its
 *     requests are cleared), lists the Art. 19 recipients from the
 *     disclosure log, writes the tombstone (keyed subject hash, time,
 *     ground, actor, counts, what was kept and until when) and, when
 *     nothing is kept, deletes the subject and queues its key;
 *  3. every registered source's erase hook is called with `subject`;
 *     failures stay pending (retried by gdpr_erase_retry_pending());
 *  4. a second transaction destroys the queued key;
 *  5. `PRAGMA wal_checkpoint(TRUNCATE)` on both files, a busy one retried
 *     three times.
 * When records are kept, the subject's key and row stay, the subject is
 * marked restricted (Art. 18(2): storage only), and the key goes with the
 * last kept record (gdpr_erase_record(), a retention run, or a later
 * gdpr_erase_subject()).
 * Erasing a subject that was erased before is safe: nothing is erased
 * again (the repeated call is audited), an unfinished key destruction or
 * checkpoint is retried, the report is zero.
 *
 * @param eng  the engine.
 * @param who  the acting user: its role's permissions are checked and the audit trail names it.
 * @param subject  the host's id (1..GDPR_NAME_MAX bytes of UTF-8)
 * @param ground   why, kept in the tombstone and told to callers of
 *                 gdpr_tombstone_lookup(), e.g. "Art. 17(1)(a) request 42";
 *                 1..GDPR_NAME_MAX bytes; must not hold personal data
 * @param[out] report_out  what was done; may be NULL. Filled also when the
 *                 call returns GDPR_EBUSY after committing.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ENOTFOUND (the store never held the
 *         subject); GDPR_EDENIED (needs "erase.subject"); GDPR_ESTATE (no
 *         policy, inside a gdpr_begin() batch — erasure commits twice and
 *         checkpoints, which a batch cannot hold — or a hold on the whole
 *         subject); GDPR_EBUSY (the erasure is committed and the key
 *         destroyed, but a reader kept the checkpoint from completing: old
 *         page images stay in the WAL until gdpr_erase_retry_pending()
 *         succeeds; the message names the file); GDPR_ESTORAGE.
 * Thread notes: source hooks run on the calling thread with the engine
 * locked; they may call libgdpr but not erase.
 * @since 0.1
 */
GDPR_API int gdpr_erase_subject(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                                const char *ground, gdpr_erase_report *report_out) GDPR_WARN_UNUSED;

/**
 * Erase several subjects at once: one transaction for all their data and
 * tombstones, one for all their keys, one checkpoint. All or nothing:
 * an unknown subject or a hold on a whole subject refuses the batch
 * before anything changes (the message names `subjects[i]`). A subject
 * listed twice is erased once.
 * @param eng  the engine.
 * @param who  the acting user: its role's permissions are checked and the audit trail names it.
 * @param subjects  `n` host ids, 1 <= n <= 100000
 * @param n  how many ids `subjects` holds.
 * @param ground  the legal ground to record (1..GDPR_NAME_MAX bytes of UTF-8), borrowed.
 * @param[out] report_out  sums over all subjects; may be NULL
 * @return as gdpr_erase_subject().
 * @since 0.1
 */
GDPR_API int gdpr_erase_subjects(gdpr_engine *eng, const gdpr_actor *who,
                                 const char *const *subjects, size_t n, const char *ground,
                                 gdpr_erase_report *report_out) GDPR_WARN_UNUSED;

/**
 * Erase one vault record. A hold covering it, or a legal-duty retention
 * rule not yet run out, refuses (GDPR_ESTATE naming the hold or rule and
 * its end; nothing changes). Otherwise the record goes and a record
 * tombstone (one per subject, ground and day) counts it. When it was the
 * last record a partially erased subject kept, the subject's row and key
 * go too. Source hooks are not called (they work per subject).
 * @param eng  the engine.
 * @param who  the acting user: its role's permissions are checked and the audit trail names it.
 * @param record  the vault record's id (gdpr_vault_put()).
 * @param ground  the legal ground to record (1..GDPR_NAME_MAX bytes of UTF-8), borrowed.
 * @param[out] report_out  erased 1 (or retained 1 when refused); may be NULL
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ENOTFOUND; GDPR_EDENIED (needs
 *         "erase.subject"); GDPR_ESTATE; GDPR_EBUSY (committed, checkpoint
 *         pending, as gdpr_erase_subject()); GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_erase_record(gdpr_engine *eng, const gdpr_actor *who, int64_t record,
                               const char *ground, gdpr_erase_report *report_out) GDPR_WARN_UNUSED;

/* --- dry run -------------------------------------------------------------- */

/** What gdpr_erase_subject() would do with a vault record. */
typedef enum {
    GDPR_ERASE_PLAN_ERASE = 1, /**< it would go */
    GDPR_ERASE_PLAN_KEEP = 2   /**< a hold or a legal duty would keep it */
} gdpr_erase_plan_action;

/**
 * The exemption grounds of Art. 17(3) GDPR: why erasure does not apply to
 * a record "to the extent that processing is necessary" for one of them.
 * A legal hold (gdpr_hold.ground) or a retention rule of the policy
 * ("exemption", docs/policy.md) names one; the erasure keeps only the
 * records it covers and says under which ground (gdpr_erase_plan_item,
 * gdpr_tombstone_kept). docs/erasure.md has the table with sources.
 * @since 0.2
 */
typedef enum {
    GDPR_EXEMPT_NONE = 0,             /**< no exemption (the record goes) */
    GDPR_EXEMPT_EXPRESSION = 1,       /**< Art. 17(3)(a): freedom of expression and information */
    GDPR_EXEMPT_LEGAL_OBLIGATION = 2, /**< Art. 17(3)(b): a legal obligation (Union or
                                           member-state law) */
    GDPR_EXEMPT_PUBLIC_TASK = 3,      /**< Art. 17(3)(b): a task in the public interest or
                                           in the exercise of official authority */
    GDPR_EXEMPT_PUBLIC_HEALTH = 4,    /**< Art. 17(3)(c): public health (Art. 9(2)(h), (i),
                                           9(3)) */
    GDPR_EXEMPT_ARCHIVING = 5,        /**< Art. 17(3)(d): archiving in the public interest,
                                           scientific or historical research, statistics
                                           (Art. 89(1)) */
    GDPR_EXEMPT_LEGAL_CLAIMS = 6      /**< Art. 17(3)(e): establishment, exercise or
                                           defence of legal claims */
} gdpr_exemption;

/** Highest gdpr_exemption value this version knows. */
#define GDPR_EXEMPT_MAX 6

/**
 * The policy's name of an exemption ground ("freedom_of_expression",
 * "legal_obligation", "public_task", "public_health", "archiving",
 * "legal_claims"; "none" for GDPR_EXEMPT_NONE).
 * @param ground  a gdpr_exemption value.
 * @return a static string; NULL (and GDPR_EINVAL in gdpr_errmsg()) for a
 *         value outside 0..GDPR_EXEMPT_MAX.
 * Thread notes: safe from any thread; no engine needed.
 * @since 0.2
 */
GDPR_API const char *gdpr_exemption_name(int ground);

/**
 * The article of an exemption ground, e.g. "Art. 17(3)(e)" (and "" for
 * GDPR_EXEMPT_NONE).
 * @param ground  a gdpr_exemption value.
 * @return a static string; NULL (and GDPR_EINVAL in gdpr_errmsg()) for a
 *         value outside 0..GDPR_EXEMPT_MAX.
 * Thread notes: safe from any thread; no engine needed.
 * @since 0.2
 */
GDPR_API const char *gdpr_exemption_article(int ground);

/** Why a record would be kept (GDPR_ERASE_PLAN_KEEP). */
typedef enum {
    GDPR_ERASE_KEEP_NONE = 0,      /**< not kept */
    GDPR_ERASE_KEEP_HOLD = 1,      /**< a legal hold in force (Art. 17(3)(e)) */
    GDPR_ERASE_KEEP_LEGAL_DUTY = 2 /**< a legal-duty retention rule (Art. 17(3)(b)) */
} gdpr_erase_keep_reason;

#define GDPR_ERASE_PLAN_ITEM_VERSION 2u

/**
 * One vault record in an erasure plan, as handed to gdpr_erase_plan().
 * Filled by the library: check `version` (GDPR_ERASE_PLAN_ITEM_VERSION or
 * later) before reading fields added after version 1. Pointers are
 * borrowed for the callback only.
 * @since 0.2
 */
typedef struct {
    unsigned int version;          /**< GDPR_ERASE_PLAN_ITEM_VERSION */
    int64_t record;                /**< the vault record's id */
    const char *category;          /**< its category */
    const char *purpose;           /**< its purpose */
    gdpr_erase_plan_action action; /**< erase or keep */
    gdpr_erase_keep_reason reason; /**< why kept; GDPR_ERASE_KEEP_NONE when erased */
    int64_t hold;                  /**< GDPR_ERASE_KEEP_HOLD: the hold's id; else 0 */
    const char *rule; /**< GDPR_ERASE_KEEP_LEGAL_DUTY: the retention rule's id; else "" */
    int64_t until;    /**< when the hold or duty ends (UTC seconds); 0 when erased */
    /** Version 2: the Art. 17(3) ground the hold or rule names
     *  (GDPR_EXEMPT_NONE when erased). @since 0.2 */
    gdpr_exemption exemption;
} gdpr_erase_plan_item;

/** Erasure plan iterator: return non-zero to stop (GDPR_ECALLBACK). */
typedef int (*gdpr_erase_plan_fn)(const gdpr_erase_plan_item *item, void *ctx);

/**
 * Say, without changing anything, what gdpr_erase_subject() would do now
 * with each vault record of `subject`: erase it, or keep it under a legal
 * hold (record, category or whole-subject hold) or a legal-duty retention
 * rule not yet run out, with the hold or rule and its end. The same
 * restriction check as the erasure itself decides. Records are walked in
 * id order. Consents, identities and the key are not listed: they always
 * go (the key once nothing is kept). A hold on the whole subject shows as
 * every record kept under that hold; gdpr_erase_subject() would then
 * refuse. Needs "erase.subject" (a refusal is audited); otherwise
 * read-only and not audited.
 * @param eng  the engine.
 * @param who  the acting user: its role's permissions are checked.
 * @param subject  the host's id (1..GDPR_NAME_MAX bytes of UTF-8), borrowed.
 * @param fn  called once per vault record; must not be NULL. It runs with
 *            the engine locked: it may read through libgdpr but not erase.
 * @param ctx  passed to `fn` unchanged.
 * @return GDPR_OK; GDPR_EINVAL (eng, who, subject or fn); GDPR_ENOTFOUND
 *         (the store holds no subject by that id, or it was erased:
 *         gdpr_tombstone_lookup() says); GDPR_EDENIED (needs
 *         "erase.subject"); GDPR_ESTATE (no policy); GDPR_ECALLBACK (fn
 *         returned non-zero); GDPR_ESTORAGE.
 * Thread notes: safe from any thread; serialised with other calls on the
 * engine.
 * @since 0.2
 */
GDPR_API int gdpr_erase_plan(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                             gdpr_erase_plan_fn fn, void *ctx) GDPR_WARN_UNUSED;

/* --- legal holds --------------------------------------------------------- */

/** What a hold covers. A subject or category hold may be narrowed
 *  (version 2: purpose, collected_from, collected_to); a narrowed hold
 *  covers only the matching records and the rest of the subject is erased
 *  (Art. 17(3): "to the extent that processing is necessary"). */
typedef enum {
    GDPR_HOLD_SUBJECT = 1, /**< everything of one subject: its erasure is refused
                                (unless narrowed: then only the matching records) */
    GDPR_HOLD_RECORD = 2,  /**< one vault record */
    GDPR_HOLD_CATEGORY = 3 /**< every record of a category, of one subject or of all */
} gdpr_hold_scope;

#define GDPR_HOLD_VERSION 2u

/** A hold to place. Transparent and versioned (GDPR_HOLD_INIT). */
typedef struct {
    unsigned int version; /**< GDPR_HOLD_VERSION */
    gdpr_hold_scope scope;
    const char *subject;  /**< SUBJECT: required; CATEGORY: optional (NULL: every
                               subject); RECORD: must be NULL */
    int64_t record;       /**< RECORD: the record id; else 0 */
    const char *category; /**< CATEGORY: a category of the policy; else NULL */
    const char *reason;   /**< why (1..GDPR_HOLD_REASON_MAX bytes): name the matter,
                               not people; stored as plain text */
    int64_t until;        /**< end of the hold (UTC seconds), after now */
    /* version 2 (@since 0.2): */
    /** The Art. 17(3) ground; GDPR_EXEMPT_NONE (0) means
     *  GDPR_EXEMPT_LEGAL_CLAIMS, the ground of every version-1 hold. */
    gdpr_exemption ground;
    /** SUBJECT, CATEGORY: only records of this purpose of the policy; NULL:
     *  any purpose. RECORD: must be NULL. */
    const char *purpose;
    /** SUBJECT, CATEGORY: only records collected at or after this time
     *  (UTC seconds); 0: no lower bound. RECORD: must be 0. */
    int64_t collected_from;
    /** SUBJECT, CATEGORY: only records collected before this time; 0: no
     *  upper bound; else after collected_from. RECORD: must be 0. */
    int64_t collected_to;
} gdpr_hold;

#define GDPR_HOLD_INIT                                                                             \
    {                                                                                              \
        GDPR_HOLD_VERSION, (gdpr_hold_scope)0, NULL, 0, NULL, NULL, 0, GDPR_EXEMPT_NONE, NULL, 0,  \
            0                                                                                      \
    }

/**
 * Place a legal hold (Art. 17(3)(e): establishment, exercise or defence
 * of legal claims). While in force (until `until` or release) it blocks
 * the erasure of what it covers, by any path: gdpr_erase_subject(),
 * gdpr_erase_record(), retention runs. Needs "hold.manage"; audited.
 * @param eng  the engine.
 * @param who  the acting user: its role's permissions are checked and the audit trail names it.
 * @param hold  the hold (versioned; borrowed for the call).
 * @param[out] hold_out  the hold's id; may be NULL
 * @return GDPR_OK; GDPR_EINVAL (scope, missing or extra fields, reason,
 *         `until` not after now); GDPR_EVERSION; GDPR_ENOTFOUND (no such
 *         subject or record); GDPR_EDENIED; GDPR_ESTATE (no policy).
 * @since 0.1
 */
GDPR_API int gdpr_hold_place(gdpr_engine *eng, const gdpr_actor *who, const gdpr_hold *hold,
                             int64_t *hold_out) GDPR_WARN_UNUSED;

/**
 * Release a hold before its end. Needs "hold.manage"; audited.
 * @param eng  the engine.
 * @param who  the acting user: its role's permissions are checked and the audit trail names it.
 * @param hold  the hold's id (gdpr_hold_place()).
 * @param reason  optional (NULL), at most GDPR_HOLD_REASON_MAX bytes
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ENOTFOUND (no such hold); GDPR_ESTATE
 *         (released already); GDPR_EDENIED.
 * @since 0.1
 */
GDPR_API int gdpr_hold_release(gdpr_engine *eng, const gdpr_actor *who, int64_t hold,
                               const char *reason) GDPR_WARN_UNUSED;

/** One hold, as handed to gdpr_hold_foreach(). Pointers are borrowed for
 *  the callback only. */
typedef struct {
    int64_t id;
    gdpr_hold_scope scope;
    const char *subject_hash; /**< hex keyed hash of the subject, or "" */
    int64_t record;           /**< 0 unless scope is GDPR_HOLD_RECORD */
    const char *category;     /**< or "" */
    const char *reason;
    int64_t placed_at;
    const char *placed_by;
    int64_t until;
    int64_t released_at;     /**< 0 unless released */
    const char *released_by; /**< or "" */
    int active;              /**< in force now: not released and until > now */
    /** Why it was released (gdpr_hold_release()'s reason), or "". Handed
     *  by the library only, so the field is appended without a version.
     *  @since 0.2 */
    const char *release_reason;
    /** The Art. 17(3) ground (version-1 holds: GDPR_EXEMPT_LEGAL_CLAIMS),
     *  the purpose it is narrowed to ("" when none) and the collection
     *  range (0 when open). Appended like release_reason. @since 0.2 */
    gdpr_exemption ground;
    const char *purpose;
    int64_t collected_from;
    int64_t collected_to;
} gdpr_hold_info;

/** Hold iterator: return non-zero to stop. */
typedef int (*gdpr_hold_fn)(const gdpr_hold_info *hold, void *ctx);

/** gdpr_hold_foreach() flag: list released and expired holds too. */
#define GDPR_HOLD_LIST_ALL 0x1u

/**
 * Walk holds in id order: those in force, or all with GDPR_HOLD_LIST_ALL.
 * Read-only.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ECALLBACK (fn returned non-zero).
 * @since 0.1
 */
GDPR_API int gdpr_hold_foreach(gdpr_engine *eng, unsigned int flags, gdpr_hold_fn fn, void *ctx);

/* --- tombstones ---------------------------------------------------------- */

/** What a tombstone records. */
typedef enum {
    GDPR_TOMBSTONE_SUBJECT = 1, /**< gdpr_erase_subject() */
    GDPR_TOMBSTONE_RECORD = 2   /**< records erased one by one (retention), per ground and day */
} gdpr_tombstone_kind;

#define GDPR_TOMBSTONE_VERSION 1u
/** Room for gdpr_tombstone.answer. */
#define GDPR_TOMBSTONE_ANSWER_MAX 768u

/**
 * A tombstone: what was erased, when, why, what was kept and until when.
 * No personal data: the subject is only its keyed hash. Set `version`
 * before gdpr_tombstone_lookup(); iterators hand filled ones.
 */
typedef struct {
    unsigned int version; /**< GDPR_TOMBSTONE_VERSION */
    int64_t id;
    gdpr_tombstone_kind kind;
    char subject_hash[65]; /**< hex keyed hash */
    int64_t at;            /**< UTC seconds */
    /** Why. From gdpr_tombstone_lookup() of a subject erased more than
     *  once: the first erasure's ground (the answer lists the later ones
     *  with their dates); from gdpr_tombstone_foreach(): this one's. */
    char ground[GDPR_NAME_MAX + 1];
    char actor[GDPR_NAME_MAX + 1];
    int64_t erased;     /**< as gdpr_erase_report.erased */
    int64_t retained;   /**< records kept at the time */
    int64_t kept_now;   /**< of those, still kept */
    int64_t kept_until; /**< latest end among those still kept; 0 */
    int complete;       /**< nothing of the subject is left; its key is
                             destroyed (or queued for destruction) */
    int wiped;          /**< the checkpoint after it has completed */
    int sources_failed; /**< source hooks still pending */
    int recipients;     /**< Art. 19 recipients listed */
    int imported;       /**< came in through gdpr_tombstones_import() */
    int64_t replayed;   /**< last gdpr_erase_replay() that used it; 0 */
    /** The call-centre answer, e.g. "erased on 2027-03-02 under 'Art. 17(1)(a)
     *  request 42'; 2 records kept under legal duty until 2033-03-02". Dates
     *  are the controller's local dates. */
    char answer[GDPR_TOMBSTONE_ANSWER_MAX];
} gdpr_tombstone;

/**
 * Why data of `subject` is gone: its newest subject tombstone, or else its
 * newest record tombstone. When the subject was erased more than once (a
 * partly kept subject erased again), `ground` and the start of `answer`
 * stay the first erasure's, and the answer lists each later request:
 * "erased on 2026-01-01 under 'A'; asked again on 2026-01-04 under 'B'; 1
 * record kept ...". Read-only; no personal data is returned.
 * @param eng  the engine.
 * @param subject  the host's subject id (1..GDPR_NAME_MAX bytes of UTF-8), borrowed.
 * @param[out] out  set out->version first
 * @return GDPR_OK; GDPR_ENOTFOUND (no tombstone: never erased); GDPR_EINVAL;
 *         GDPR_EVERSION.
 * @since 0.1
 */
GDPR_API int gdpr_tombstone_lookup(gdpr_engine *eng, const char *subject, gdpr_tombstone *out);

/** Tombstone iterator: return non-zero to stop. `t` is borrowed. */
typedef int (*gdpr_tombstone_fn)(const gdpr_tombstone *t, void *ctx);

/**
 * Walk the tombstones of `subject` (NULL: of everyone) in id order.
 * Read-only.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ECALLBACK.
 * @since 0.1
 */
GDPR_API int gdpr_tombstone_foreach(gdpr_engine *eng, const char *subject, gdpr_tombstone_fn fn,
                                    void *ctx);

/** A record a subject erasure kept. Pointers borrowed for the callback. */
typedef struct {
    int64_t record;
    const char *category;
    const char *purpose;
    const char *reason; /**< "legal_duty" or "hold" */
    const char *rule;   /**< the retention rule id, or "hold N" */
    int64_t until;      /**< when the duty or hold ends */
    int64_t erased_at;  /**< when it was erased later; 0: still kept */
    /** The Art. 17(3) ground it was kept under (gdpr_exemption_article()).
     *  Handed by the library only, so appended without a version.
     *  @since 0.2 */
    gdpr_exemption exemption;
} gdpr_tombstone_kept;

typedef int (*gdpr_tombstone_kept_fn)(const gdpr_tombstone_kept *k, void *ctx);

/**
 * Walk the records tombstone `tombstone` kept. Read-only.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ENOTFOUND (no such tombstone);
 *         GDPR_ECALLBACK.
 * @since 0.1
 */
GDPR_API int gdpr_tombstone_kept_foreach(gdpr_engine *eng, int64_t tombstone,
                                         gdpr_tombstone_kept_fn fn, void *ctx);

/** An Art. 19 recipient to notify of an erasure. Pointers borrowed. */
typedef struct {
    const char *recipient; /**< the policy's recipient id, or "person" for
                                people the subject named (their names are
                                erased with the subject) */
    const char *name;      /**< the policy's name for it, or "" */
    int64_t disclosures;   /**< how many disclosures the log held */
    int64_t last_at;       /**< the latest of them */
} gdpr_erase_recipient;

typedef int (*gdpr_erase_recipient_fn)(const gdpr_erase_recipient *r, void *ctx);

/**
 * The recipients the erased subject's data was disclosed to (from the
 * disclosure log, read before it was erased), for the Art. 19
 * notification. Read-only.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ENOTFOUND (no such tombstone);
 *         GDPR_ECALLBACK.
 * @since 0.1
 */
GDPR_API int gdpr_erase_recipients_foreach(gdpr_engine *eng, int64_t tombstone,
                                           gdpr_erase_recipient_fn fn, void *ctx);

/**
 * Receives the tombstone document in pieces, in order (the same shape as
 * gdpr_write_fn): return 0 to go on, non-zero to stop with GDPR_ECALLBACK.
 * @since 0.1
 */
typedef int (*gdpr_tombstone_write_fn)(const void *buf, size_t len, void *ctx);

/**
 * Write every tombstone (with its kept records, erased record ids and
 * recipients) as one JSON document through `write` (same shape as
 * gdpr_write_fn: return 0 to go on), in pieces, memory flat in the number
 * of tombstones. The document names the store it came from; keep it
 * apart from the database backups so that a restored backup can be
 * erased again (gdpr_tombstones_import(), gdpr_erase_replay()).
 * Read-only; holds no personal data.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ECALLBACK (write returned non-zero).
 * @since 0.1
 */
GDPR_API int gdpr_tombstones_export(gdpr_engine *eng, gdpr_tombstone_write_fn write,
                                    void *ctx) GDPR_WARN_UNUSED;

/**
 * Import tombstones exported by gdpr_tombstones_export() from this store
 * (a restored backup of it). Tombstones already present (same subject,
 * kind, time and ground) are skipped. The whole document is checked
 * before anything is written. Needs "erase.subject"; audited.
 * @param eng  the engine.
 * @param who  the acting user: its role's permissions are checked and the audit trail names it.
 * @param json  the document (NUL-terminated)
 * @param[out] imported_out  tombstones added; may be NULL
 * @return GDPR_OK; GDPR_EINVAL (malformed: line and column, or the JSON
 *         path and rule; or the document is of another store);
 *         GDPR_EDENIED; GDPR_ESTATE (no policy).
 * @since 0.1
 */
GDPR_API int gdpr_tombstones_import(gdpr_engine *eng, const gdpr_actor *who, const char *json,
                                    int64_t *imported_out) GDPR_WARN_UNUSED;

/**
 * gdpr_tombstones_import() from a file (at most 256 MiB).
 * @return as gdpr_tombstones_import(); GDPR_ENOTFOUND (no such file);
 *         GDPR_ESTORAGE (unreadable).
 * @since 0.1
 */
GDPR_API int gdpr_tombstones_import_file(gdpr_engine *eng, const gdpr_actor *who, const char *path,
                                         int64_t *imported_out) GDPR_WARN_UNUSED;

/**
 * Apply every tombstone again: after restoring a backup taken before some
 * erasures (and importing the tombstones kept apart), erase what the
 * backup brought back. For a subject tombstone the subject is erased as by
 * gdpr_erase_subject() (holds and legal duties as of now; source hooks are
 * called when the subject's id can still be opened) unless the subject
 * was created after the tombstone (a new subject with the same id); for a
 * record tombstone its records are erased again. The tombstones are
 * updated, not duplicated. Needs "erase.subject"; audited.
 * @param eng  the engine.
 * @param who  the acting user: its role's permissions are checked and the audit trail names it.
 * @param[out] subjects_out  subjects and records found again and erased;
 *                           may be NULL
 * @param[out] report_out    sums; may be NULL
 * @return as gdpr_erase_subject().
 * @since 0.1
 */
GDPR_API int gdpr_erase_replay(gdpr_engine *eng, const gdpr_actor *who, int64_t *subjects_out,
                               gdpr_erase_report *report_out) GDPR_WARN_UNUSED;

/**
 * The job for erasure requests with a grace period (policy
 * requests.erasure_grace, or per request): fulfil every open erasure
 * request (gdpr_request_fulfil_erasure()) whose subject is matched and
 * verified and whose grace period has ended (or which had none), on
 * `ground` followed by " (request N)". A request that cannot be fulfilled
 * (the actor lacks the closing authority, a hold covers the subject ...)
 * stays open and is counted in `failed_out`; its refusal is in the audit
 * trail and its history. Run it daily, like a retention run. Needs
 * "erase.subject" (and what fulfilment needs: "request.close").
 * @param eng  the engine.
 * @param who  the acting user: its role's permissions are checked and the audit trail names it.
 * @param ground  the legal ground to record (1..GDPR_NAME_MAX bytes of UTF-8), borrowed.
 * @param[out] fulfilled_out, failed_out  may be NULL
 * @return GDPR_OK (even when some requests failed); GDPR_EINVAL;
 *         GDPR_EDENIED; GDPR_ESTATE (no policy, inside a batch).
 * @since 0.1
 */
GDPR_API int gdpr_erase_run_due(gdpr_engine *eng, const gdpr_actor *who, const char *ground,
                                int64_t *fulfilled_out, int64_t *failed_out) GDPR_WARN_UNUSED;

/* --- pending work ---------------------------------------------------------- */

/** Kinds of unfinished erasure work. */
typedef enum {
    GDPR_PENDING_SOURCE = 1,    /**< a source's erase hook failed (or it has none) */
    GDPR_PENDING_KEY = 2,       /**< a key queued for destruction (after a crash) */
    GDPR_PENDING_CHECKPOINT = 3 /**< the checkpoint after an erasure was kept busy */
} gdpr_erase_pending_kind;

/** One unfinished item. Pointers borrowed for the callback. */
typedef struct {
    gdpr_erase_pending_kind kind;
    int64_t id;               /**< SOURCE: the pending item; else 0 */
    int64_t tombstone;        /**< the erasure it belongs to */
    const char *subject_hash; /**< hex keyed hash */
    const char *source;       /**< SOURCE: the source's name; else "" */
    int64_t since;            /**< when it became pending */
    int attempts;             /**< SOURCE: hook calls so far */
    int64_t last_attempt;
    const char *last_error; /**< SOURCE: e.g. "hook returned 5"; else "" */
} gdpr_erase_pending;

typedef int (*gdpr_erase_pending_fn)(const gdpr_erase_pending *p, void *ctx);

/**
 * Walk unfinished erasure work: failed source hooks, keys waiting for
 * destruction, tombstones whose checkpoint has not completed. Read-only.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ECALLBACK.
 * @since 0.1
 */
GDPR_API int gdpr_erase_pending_foreach(gdpr_engine *eng, gdpr_erase_pending_fn fn, void *ctx);

/**
 * Retry failed source hooks (sources are found by name among those
 * registered now), destroy queued keys and retry the checkpoint. A source
 * whose hooks all succeed loses its pending entries; the subject id kept
 * (sealed under a key of its own) for the retry is destroyed with the last
 * one. Needs "erase.subject"; audited.
 * @param eng  the engine.
 * @param who  the acting user: its role's permissions are checked and the audit trail names it.
 * @param[out] remaining_out  hooks still failing; may be NULL
 * @return GDPR_OK (even when hooks still fail: see remaining_out);
 *         GDPR_EINVAL; GDPR_EDENIED; GDPR_ESTATE (no policy, or inside a
 *         batch); GDPR_EBUSY (checkpoint still busy); GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_erase_retry_pending(gdpr_engine *eng, const gdpr_actor *who,
                                      int *remaining_out) GDPR_WARN_UNUSED;

/* --- files ----------------------------------------------------------------- */

/**
 * Securely remove a file the host wrote (an export, a temporary file):
 * overwrite its bytes with random data, fsync, overwrite with zeros,
 * fsync, truncate, unlink, fsync the directory. Limits (docs/erasure.md):
 * on SSDs (wear levelling) and copy-on-write or journaling-data file
 * systems (btrfs, ZFS, ext4 data=journal), snapshots and backups, old
 * blocks may survive the overwrite; encrypt such files instead, or keep
 * them on an encrypted volume. Symbolic links are refused. No engine
 * needed.
 * @param path  a regular file (1..4096 bytes of UTF-8)
 * @return GDPR_OK; GDPR_EINVAL (bad path, not a regular file, a symbolic
 *         link); GDPR_ENOTFOUND (no such file); GDPR_ESTORAGE (I/O error:
 *         the message has the system's reason; the file may be partly
 *         overwritten but is not unlinked).
 * @since 0.1
 */
GDPR_API int gdpr_wipe_file(const char *path) GDPR_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
