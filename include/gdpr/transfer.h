/*
 * libgdpr: cross-border transfer checks (GDPR Chapter V, Art. 44-49).
 *
 * Given a recipient of the policy (its country, kind, DPF certification and
 * safeguards), the data categories and a date, the check answers in this
 * order: inside the EEA; an adequacy decision in force on that date and
 * within its scope (Art. 45); a valid Art. 46 safeguard; an Art. 49
 * derogation (the subject's Art. 49(1)(a) transfer consent, or a
 * ground the policy names), only within the recipient's occasional_limit
 * counted from the transfer log, and not the grounds Art. 49(3) closes to a
 * public authority; otherwise refused with a reason a person can act on.
 * Special-category data goes on a derogation only under Art. 49(1)(f),
 * vital interests. See docs/transfers.md.
 *
 * The adequacy list is data shipped with the library (lib/data/adequacy.json,
 * compiled in and installed under datadir/libgdpr) and can be replaced from a
 * file without a rebuild (gdpr_adequacy_load()).
 *
 * Thread notes: every call is serialised on the engine's mutex; iterator
 * callbacks run while it is held and may call the library again on the
 * same engine (the mutex is recursive), but not close it.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_TRANSFER_H
#define GDPR_TRANSFER_H

#include "gdpr/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The ground a transfer rests on (gdpr_transfer_decision.mechanism), and
 * the types of Art. 46 safeguards (gdpr_safeguard.type). The numbers never
 * change once released; GDPR_TRANSFER_REFUSED is 0 so that a zeroed
 * decision refuses.
 */
typedef enum {
    GDPR_TRANSFER_REFUSED = 0,             /**< no ground: the transfer may not happen */
    GDPR_TRANSFER_EEA = 1,                 /**< inside the EEA: Chapter V does not apply */
    GDPR_TRANSFER_ADEQUACY = 2,            /**< Art. 45 adequacy decision in force and in scope */
    GDPR_TRANSFER_SCC = 3,                 /**< Art. 46(2)(c) Commission SCCs (2021/914, 1-4) */
    GDPR_TRANSFER_AUTHORITY_SCC = 4,       /**< Art. 46(2)(d) SCCs of a supervisory authority */
    GDPR_TRANSFER_BCR = 5,                 /**< Art. 46(2)(b) binding corporate rules */
    GDPR_TRANSFER_PUBLIC_INSTRUMENT = 6,   /**< Art. 46(2)(a) instrument between public bodies */
    GDPR_TRANSFER_CODE_OF_CONDUCT = 7,     /**< Art. 46(2)(e) approved code of conduct */
    GDPR_TRANSFER_CERTIFICATION = 8,       /**< Art. 46(2)(f) approved certification */
    GDPR_TRANSFER_ADHOC = 9,               /**< Art. 46(3)(a) ad hoc clauses, authorised */
    GDPR_TRANSFER_DEROGATION_CONSENT = 10, /**< Art. 49(1)(a) explicit consent of the subject */
    GDPR_TRANSFER_DEROGATION_OTHER = 11    /**< Art. 49(1)(b)-(g) ground named by the policy */
} gdpr_transfer_mechanism;

/**
 * The name of a mechanism: "refused", "eea", "adequacy", "scc",
 * "authority_scc", "bcr", "public_instrument", "code_of_conduct",
 * "certification", "adhoc", "derogation_consent", "derogation_other"
 * (the safeguard names are those of the policy file). "unknown" for any
 * other value. Never NULL; static storage.
 * @since 0.1
 */
GDPR_API const char *gdpr_transfer_mechanism_name(int mechanism);

/**
 * The mechanism of a name printed by gdpr_transfer_mechanism_name().
 * @return the mechanism (>= 0), or GDPR_EINVAL for an unknown name or NULL.
 * @since 0.1
 */
GDPR_API int gdpr_transfer_mechanism_from_name(const char *name);

/** The answer of gdpr_transfer_check() (DESIGN.md section 9). */
typedef struct {
    int allowed;      /**< 1 allowed, 0 refused */
    int mechanism;    /**< a gdpr_transfer_mechanism */
    char reason[256]; /**< one line for a person: the ground and its legal reference,
                           or why it is refused and what would allow it */
} gdpr_transfer_decision;

/**
 * Check whether personal data of `subject` may go to `recipient` (a
 * recipient id of the policy) at time `at`. This call is the decision only:
 * it writes nothing (a refused permission aside, which is audited), so a CRM
 * may ask it to grey out a button. When the data actually leaves, call
 * gdpr_transfer_record(), which decides again and logs the decision.
 * The data is taken to hold no special category (Art. 9); to name the
 * categories or the purpose, use gdpr_transfer_check_v2().
 * Adequacy, EEA membership and safeguards are answered from memory; the
 * consent ledger is asked only when a derogation is the last resort.
 * Needs permission "transfer.record". `subject` need not exist (then it has
 * no consent on record).
 * @param eng  the engine.
 * @param who  the acting user: its role's permissions are checked and the audit trail names it.
 * @param subject  the host's subject id (1..GDPR_NAME_MAX bytes of UTF-8), borrowed.
 * @param recipient  a recipient of the policy.
 * @param at   UTC seconds up to 9999-12-31T23:59:59Z, or GDPR_NOW: the law as
 *             it stood then (0 is refused, see common.h).
 * @param[out] out  the decision; filled whenever GDPR_OK is returned.
 * @return GDPR_OK (also when the transfer is refused: see out->allowed);
 *         GDPR_EINVAL (bad argument, recipient not in the policy, recipient
 *         country not an ISO 3166-1 code); GDPR_EDENIED; GDPR_ESTATE (no
 *         policy); GDPR_ESTORAGE.
 * Thread notes: serialised on the engine like every call.
 * @since 0.1
 */
GDPR_API int gdpr_transfer_check(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                                 const char *recipient, int64_t at,
                                 gdpr_transfer_decision *out) GDPR_WARN_UNUSED;

#define GDPR_TRANSFER_REQUEST_VERSION 2u

/** Flag of gdpr_transfer_request.flags: the transfer is repeated or
 *  systematic (a feed, a scheduled sync), not occasional. Art. 49(1)(a)
 *  consent is refused for it (Recital 111; EDPB Guidelines 2/2018 read
 *  derogations restrictively). @since 0.2 */
#define GDPR_TRANSFER_REPEATED 0x1u

/**
 * What is to be transferred. Transparent and versioned: set `version` to
 * GDPR_TRANSFER_REQUEST_VERSION (GDPR_TRANSFER_REQUEST_INIT or
 * gdpr_transfer_request_init() do it). All strings are borrowed for the call.
 * The categories transferred are those of `purpose` (if given) together
 * with `categories` (if given); when neither is given, the data is taken to
 * hold no special category.
 */
typedef struct {
    unsigned int version;          /**< GDPR_TRANSFER_REQUEST_VERSION */
    const char *subject;           /**< the host's id of the data subject */
    const char *recipient;         /**< a recipient id of the policy */
    int64_t at;                    /**< time of the transfer, UTC seconds, or GDPR_NOW
                                        (the default); 0 is refused */
    const char *purpose;           /**< optional: a purpose of the policy */
    const char *const *categories; /**< optional: category ids of the policy */
    size_t n_categories;           /**< entries in `categories` */
    /* version 2 */
    unsigned int flags; /**< GDPR_TRANSFER_REPEATED; 0: an occasional transfer */
} gdpr_transfer_request;

#define GDPR_TRANSFER_REQUEST_INIT                                                                 \
    {                                                                                              \
        GDPR_TRANSFER_REQUEST_VERSION, NULL, NULL, GDPR_NOW, NULL, NULL, 0, 0                      \
    }

/**
 * Fill `req` with the defaults of request version `version`.
 * @return GDPR_OK, GDPR_EINVAL (req NULL), GDPR_EVERSION.
 * @since 0.1
 */
GDPR_API int gdpr_transfer_request_init(gdpr_transfer_request *req, unsigned int version);

#define GDPR_TRANSFER_RESULT_VERSION 1u

/**
 * The full answer of gdpr_transfer_check_v2() and gdpr_transfer_record().
 * The caller sets `version` (GDPR_TRANSFER_RESULT_INIT); the library fills
 * the rest. Texts are UTF-8, NUL-terminated, cut at a character boundary.
 */
typedef struct {
    unsigned int version; /**< GDPR_TRANSFER_RESULT_VERSION, set by the caller */
    int allowed;          /**< 1 allowed, 0 refused */
    int mechanism;        /**< a gdpr_transfer_mechanism */
    int special;          /**< 1 if the categories include a special category (Art. 9) */
    char reason[256];     /**< as gdpr_transfer_decision.reason */
    char reference[256];  /**< the legal instrument: adequacy decision, safeguard reference,
                               derogation ground; "" when refused */
    char article[32];     /**< "Art. 45", "Art. 46(2)(c)", "Art. 49(1)(a)"; "" when refused
                               or inside the EEA */
    char country[68];     /**< the recipient's country: ISO 3166-1 alpha-2 or "org:NAME" */
    int64_t event;        /**< gdpr_transfer_record(): id of the log entry; 0 otherwise */
} gdpr_transfer_result;

#define GDPR_TRANSFER_RESULT_INIT                                                                  \
    {                                                                                              \
        GDPR_TRANSFER_RESULT_VERSION, 0, 0, 0, "", "", "", "", 0                                   \
    }

/**
 * gdpr_transfer_check() with the categories (or the purpose) of the data
 * and the full answer. Special-category data to a country without adequacy
 * and without a valid safeguard goes only on an Art. 49(1)(f) derogation
 * (vital interests) the policy names for the recipient.
 * Writes nothing. Needs permission "transfer.record".
 * @param eng  the engine.
 * @param who  the acting user: its role's permissions are checked and the audit trail names it.
 * @param req  the transfer to judge (versioned; borrowed for the call).
 * @param[out] out  caller-owned, out->version set; filled on GDPR_OK.
 * @return GDPR_OK; GDPR_EINVAL (bad field, unknown recipient, purpose or
 *         category, bad country code); GDPR_EVERSION (req or out version);
 *         GDPR_EDENIED; GDPR_ESTATE; GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_transfer_check_v2(gdpr_engine *eng, const gdpr_actor *who,
                                    const gdpr_transfer_request *req,
                                    gdpr_transfer_result *out) GDPR_WARN_UNUSED;

/**
 * Check and log in one call: decides as gdpr_transfer_check_v2() and
 * appends the decision, refused ones too, to the transfer log (which the
 * subject's export shows, Art. 15(2)) with an audit event. Creates the
 * subject on first use. Needs permission "transfer.record"; a transfer that
 * rests on an Art. 49 derogation needs "transfer.approve" too (DESIGN.md
 * section 9: only a DPO approves an Art. 49 transfer): without it the call
 * returns GDPR_EDENIED, audited, and logs nothing.
 * @param eng  the engine.
 * @param who  the acting user: its role's permissions are checked and the audit trail names it.
 * @param req  the transfer to judge (versioned; borrowed for the call).
 * @param[out] out  as for gdpr_transfer_check_v2(); out->event is the id
 *                  of the log entry.
 * @return GDPR_OK (also when refused: see out->allowed); the codes of
 *         gdpr_transfer_check_v2(); GDPR_ECRYPTO.
 * @since 0.1
 */
GDPR_API int gdpr_transfer_record(gdpr_engine *eng, const gdpr_actor *who,
                                  const gdpr_transfer_request *req,
                                  gdpr_transfer_result *out) GDPR_WARN_UNUSED;

/** One logged decision, as handed to gdpr_transfer_log(). All pointers are
 *  borrowed for the callback only. */
typedef struct {
    int64_t id;               /**< log entry id (1, 2, ...) */
    int64_t at;               /**< time of the transfer checked */
    const char *subject_hash; /**< the subject's keyed hash, 64 hex digits
                                   (gdpr_subject_hash()) */
    const char *recipient;    /**< recipient id */
    const char *country;      /**< its country then */
    int mechanism;            /**< a gdpr_transfer_mechanism */
    const char *reference;    /**< legal reference, "" when none */
    int allowed;              /**< 1 allowed, 0 refused */
    const char *reason;       /**< the reason given then */
} gdpr_transfer_entry;

/** Callback of gdpr_transfer_log(); non-zero stops. */
typedef int (*gdpr_transfer_fn)(const gdpr_transfer_entry *entry, void *ctx);

/**
 * Walk the transfer log in order: the decisions logged for `subject`, or
 * for every subject when `subject` is NULL. Read-only.
 * @return GDPR_OK; GDPR_EINVAL (bad subject, fn NULL); GDPR_ECALLBACK (fn
 *         returned non-zero); GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_transfer_log(gdpr_engine *eng, const char *subject, gdpr_transfer_fn fn,
                               void *ctx);

/* --- Art. 49: how occasional a recipient's transfers are ---------------- */

#define GDPR_TRANSFER_COUNT_VERSION 1u

/**
 * What gdpr_transfer_count() answers: the recipient's bound for Art. 49
 * transfers (the policy's `occasional_limit`) and how much of it the
 * transfer log uses in the period up to a date. Transparent and versioned:
 * the caller sets `version` (GDPR_TRANSFER_COUNT_INIT); the library fills
 * the rest. @since 0.3
 */
typedef struct {
    unsigned int version;  /**< GDPR_TRANSFER_COUNT_VERSION, set by the caller */
    int bounded;           /**< 1: the policy sets occasional_limit for the recipient; 0: it
                                does not, and no Art. 49 derogation is allowed to it */
    int64_t max_transfers; /**< at most this many Art. 49 transfers per period; 0: no such bound */
    int64_t max_subjects;  /**< to at most this many subjects per period; 0: no such bound */
    char per[32];          /**< the period, ISO 8601 ("P1M"); "" when not bounded */
    int64_t window_after;  /**< transfers dated after this instant ... (0 when not bounded) */
    int64_t window_until;  /**< ... up to this one (the `at` asked) are counted */
    int64_t transfers;     /**< allowed Art. 49 transfers logged in that window */
    int64_t subjects;      /**< distinct subjects among them */
} gdpr_transfer_count_info;

#define GDPR_TRANSFER_COUNT_INIT                                                                   \
    {                                                                                              \
        GDPR_TRANSFER_COUNT_VERSION, 0, 0, 0, "", 0, 0, 0, 0                                       \
    }

/**
 * How many Art. 49 transfers (on a derogation: the subject's transfer
 * consent, or the ground the policy names) were logged as allowed for
 * `recipient` in the policy's `occasional_limit` period up to `at`, against
 * that bound: the count the transfer check uses to tell whether one more is
 * still occasional (Recital 111; EDPB Guidelines 2/2018). Log entries dated
 * after `at` do not count. Read-only; needs no permission (like
 * gdpr_transfer_log()).
 * @param eng  the engine.
 * @param recipient  a recipient id of the policy (1..GDPR_NAME_MAX bytes of UTF-8), borrowed.
 * @param at  UTC seconds up to 9999-12-31T23:59:59Z, or #GDPR_NOW (0 is refused).
 * @param[out] out  caller-owned, out->version set; filled on GDPR_OK.
 * @return GDPR_OK; GDPR_EINVAL (eng, recipient or out NULL or bad, recipient
 *         not in the policy, at out of range); GDPR_EVERSION (out->version);
 *         GDPR_ESTATE (no policy); GDPR_ESTORAGE.
 * Thread notes: serialised on the engine like every call.
 * @since 0.3
 */
GDPR_API int gdpr_transfer_count(gdpr_engine *eng, const char *recipient, int64_t at,
                                 gdpr_transfer_count_info *out) GDPR_WARN_UNUSED;

/* --- Art. 46 safeguards added at run time ------------------------------ */

#define GDPR_SAFEGUARD_VERSION 1u

/**
 * An Art. 46 safeguard for one recipient, beside those the policy lists
 * (both count). Transparent and versioned. Strings are borrowed for the call.
 */
typedef struct {
    unsigned int version;  /**< GDPR_SAFEGUARD_VERSION */
    const char *recipient; /**< a recipient id of the policy */
    int type;              /**< GDPR_TRANSFER_SCC .. GDPR_TRANSFER_ADHOC */
    int module;            /**< SCC module 1-4 (Decision (EU) 2021/914); 0 for other types */
    const char *reference; /**< "SCC 2021/914 module 2, signed 2026-02-01"; no personal data */
    int64_t valid_from;    /**< first second in force (UTC), or GDPR_NOW (the
                                default); 0 is refused */
    int64_t valid_until;   /**< last second in force; 0: open-ended */
} gdpr_safeguard;

#define GDPR_SAFEGUARD_INIT                                                                        \
    {                                                                                              \
        GDPR_SAFEGUARD_VERSION, NULL, 0, 0, NULL, GDPR_NOW, 0                                      \
    }

/**
 * Add a safeguard (persisted and audited). Needs permission
 * "safeguard.manage".
 * @param eng  the engine.
 * @param who  the acting user: its role's permissions are checked and the audit trail names it.
 * @param sg  the safeguard (versioned; borrowed: strings are copied).
 * @param[out] id_out  the safeguard's id, for gdpr_safeguard_revoke(); may be NULL.
 * @return GDPR_OK; GDPR_EINVAL (unknown recipient, type not an Art. 46
 *         mechanism, module outside 1-4 for SCCs or given for another type,
 *         bad reference, valid_until before valid_from); GDPR_EVERSION;
 *         GDPR_EDENIED; GDPR_ESTATE (no policy); GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_safeguard_add(gdpr_engine *eng, const gdpr_actor *who, const gdpr_safeguard *sg,
                                int64_t *id_out) GDPR_WARN_UNUSED;

/**
 * Revoke a safeguard added with gdpr_safeguard_add(): from now on it no
 * longer counts; checks dated before now still see it (the law as it stood).
 * Safeguards of the policy end by editing the policy (valid_until).
 * Needs permission "safeguard.manage".
 * @return GDPR_OK; GDPR_EINVAL (id < 1); GDPR_ENOTFOUND (no such safeguard);
 *         GDPR_ESTATE (revoked already, or no policy); GDPR_EDENIED; GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_safeguard_revoke(gdpr_engine *eng, const gdpr_actor *who,
                                   int64_t id) GDPR_WARN_UNUSED;

/** One safeguard, as handed to gdpr_safeguard_foreach(); pointers borrowed
 *  for the callback only. */
typedef struct {
    int64_t id; /**< 0 for a safeguard of the policy */
    const char *recipient;
    int type; /**< GDPR_TRANSFER_SCC .. GDPR_TRANSFER_ADHOC */
    int module;
    const char *reference;
    int64_t valid_from;
    int64_t valid_until; /**< 0: open-ended */
    int64_t revoked_at;  /**< 0: not revoked */
} gdpr_safeguard_info;

typedef int (*gdpr_safeguard_fn)(const gdpr_safeguard_info *sg, void *ctx);

/**
 * The safeguards of `recipient` (NULL: every recipient of the policy):
 * the policy's first, then those added at run time, revoked ones included.
 * Read-only.
 * @return GDPR_OK; GDPR_EINVAL (unknown recipient, fn NULL); GDPR_ECALLBACK;
 *         GDPR_ESTATE (no policy); GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_safeguard_foreach(gdpr_engine *eng, const char *recipient, gdpr_safeguard_fn fn,
                                    void *ctx);

/* --- the adequacy list --------------------------------------------------- */

/** as_of value of gdpr_adequacy_foreach(): every entry, whatever its dates. */
#define GDPR_ADEQUACY_ALL INT64_MIN

/**
 * One entry of the adequacy list: an EEA member (mechanism
 * GDPR_TRANSFER_EEA, no dates) or an adequacy decision (GDPR_TRANSFER_ADEQUACY).
 * Pointers are borrowed from the engine and stay valid until gdpr_close()
 * (a list replaced by gdpr_adequacy_load() is kept until then).
 */
typedef struct {
    int mechanism;          /**< GDPR_TRANSFER_EEA or GDPR_TRANSFER_ADEQUACY */
    const char *id;         /**< "US-2023-1795"; an EEA member: its code */
    const char *code;       /**< ISO 3166-1 alpha-2, or "org:NAME" */
    const char *name;       /**< "United States" */
    const char *kind;       /**< "country", "territory", "organisation"; "eea" */
    const char *scope;      /**< "whole", "commercial", "certified", "private_sector" */
    const char *framework;  /**< certification framework for scope "certified", else NULL */
    const char *reference;  /**< the decision; an EEA member: "EU" or "EEA Agreement" */
    int64_t in_force_from;  /**< first second in force; 0 for EEA members */
    int64_t in_force_until; /**< last second in force; 0: open-ended */
    const char *source;     /**< URL of the legal text, or NULL */
    const char *notes;      /**< limits the scope cannot express, checks made; or NULL */
} gdpr_adequacy_entry;

typedef int (*gdpr_adequacy_fn)(const gdpr_adequacy_entry *entry, void *ctx);

/**
 * Walk the adequacy list in force: the EEA members, then the decisions in
 * file order; with `as_of` other than GDPR_ADEQUACY_ALL only the decisions
 * in force at that instant (GDPR_NOW: now; 0 is refused). Read-only.
 * @return GDPR_OK; GDPR_EINVAL (fn NULL, as_of out of range);
 *         GDPR_ECALLBACK; GDPR_ECORRUPT (a stored list fails to parse);
 *         GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_adequacy_foreach(gdpr_engine *eng, int64_t as_of, gdpr_adequacy_fn fn, void *ctx);

/**
 * What the list says about one country code at `at` (GDPR_NOW: now; 0 is
 * refused): the EEA entry, or
 * the adequacy decision in force (the newest, where two overlap).
 * Codes are never normalised: "us", " US" or "UK" are refused (the message
 * says which code is meant, e.g. GB for "UK", GR for "EL").
 * @param eng  the engine.
 * @param country  an ISO 3166-1 alpha-2 code in capitals, or "org:NAME".
 * @param at  the time to judge at, UTC seconds; #GDPR_NOW: the engine's clock.
 * @param[out] out  filled on GDPR_OK; pointers as in gdpr_adequacy_entry.
 * @return GDPR_OK; GDPR_ENOTFOUND (a valid code with no EEA membership and
 *         no decision in force then); GDPR_EINVAL (not an ISO 3166-1 alpha-2
 *         code in capitals nor "org:NAME", at out of range).
 * @since 0.1
 */
GDPR_API int gdpr_adequacy_find(gdpr_engine *eng, const char *country, int64_t at,
                                gdpr_adequacy_entry *out);

/**
 * Replace the adequacy list by the file at `path` (format
 * "libgdpr-adequacy/1", as lib/data/adequacy.json; to extend the list,
 * copy the shipped file and add entries). The file is checked whole: a
 * wrong shape is refused with the path, the JSON path or line, and the
 * rule, and nothing changes. The list is stored (it survives gdpr_close)
 * and the load is audited. Needs permission "adequacy.load".
 * @return GDPR_OK; GDPR_EINVAL (bad file); GDPR_EVERSION (newer format);
 *         GDPR_ENOTFOUND (no such file); GDPR_EDENIED; GDPR_ESTATE (no
 *         policy); GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_adequacy_load(gdpr_engine *eng, const gdpr_actor *who,
                                const char *path) GDPR_WARN_UNUSED;

/**
 * Go back to the list shipped with the library (stored and audited like a
 * load). Needs permission "adequacy.load".
 * @return GDPR_OK; GDPR_EINVAL; GDPR_EDENIED; GDPR_ESTATE; GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_adequacy_reset(gdpr_engine *eng, const gdpr_actor *who) GDPR_WARN_UNUSED;

/**
 * Which list is in force: its "updated" date (YYYY-MM-DD) and its stored
 * version (0: the list shipped with the library).
 * @param eng  the engine.
 * @param[out] updated_out  11 bytes; may be NULL.
 * @param[out] version_out  may be NULL.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ECORRUPT; GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_adequacy_version(gdpr_engine *eng, char updated_out[11], int64_t *version_out);

#ifdef __cplusplus
}
#endif

#endif
