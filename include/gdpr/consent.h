/*
 * libgdpr: the consent ledger (GDPR Art. 6(1)(a), 7, 9(2)(a)), the one
 * question a CRM asks before it uses data (gdpr_may_process), objection
 * (Art. 21) and restriction (Art. 18), and disclosures to recipients
 * (Art. 15(1)(c)). Model and rules: docs/consent.md.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_CONSENT_H
#define GDPR_CONSENT_H

#include "gdpr/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What a consent event says. The numbers never change. */
typedef enum {
    GDPR_CONSENT_GRANTED = 1,   /**< the subject gave consent */
    GDPR_CONSENT_WITHDRAWN = 2, /**< the subject took it back (Art. 7(3)) */
    GDPR_CONSENT_REFUSED = 3    /**< the subject was asked and said no */
} gdpr_consent_state;

/** Flag: the consent was explicit (an express statement: needed for
 *  special categories, Art. 9(2)(a), and for a transfer under Art. 49(1)(a)). */
#define GDPR_CONSENT_EXPLICIT 0x1u

/** Flag: the consent is to a transfer under Art. 49(1)(a), its own kind:
 *  explicit, naming a recipient of the policy and its country (`country`,
 *  struct version 2), given after a notice the policy marks
 *  "transfer_risks" (the subject was informed of the possible risks).
 *  Only such a consent lets gdpr_transfer_check*() allow a transfer on
 *  Art. 49(1)(a), and only an occasional one. Kept under the recipient
 *  key "transfer:<recipient>@<country>" (what gdpr_consent_withdraw()
 *  takes back, and history and receipts show). @since 0.2 */
#define GDPR_CONSENT_TRANSFER 0x2u

/** Longest proof reference accepted, in bytes. */
#define GDPR_PROOF_MAX 4096u

#define GDPR_CONSENT_VERSION 2u

/**
 * One consent event, as given to gdpr_consent_record(). Transparent and
 * versioned: set `version` to GDPR_CONSENT_VERSION (GDPR_CONSENT_INIT or
 * gdpr_consent_init() do it). Strings are borrowed for the call only.
 * Later fields are appended, never reordered.
 */
typedef struct {
    unsigned int version;     /**< GDPR_CONSENT_VERSION */
    const char *subject;      /**< the host's id of the person */
    const char *purpose;      /**< a purpose id of the policy */
    const char *notice;       /**< the notice id (policy) the person was shown */
    const char *channel;      /**< how it was collected: "phone", "web", "paper" ... */
    gdpr_consent_state state; /**< granted, withdrawn or refused */
    int64_t expires;          /**< 0: no expiry; else the first second it no longer holds (at most
                                 9999-12-31T23:59:59Z) */
    const char *recipient;    /**< NULL; or consent to disclose to this recipient: a
                                   recipient id of the policy, or a named person or
                                   organisation (then personal data: stored sealed) */
    const char *proof;        /**< NULL; or a proof reference (recording id, form
                                   scan ...): personal data, stored sealed; UTF-8, at
                                   most GDPR_PROOF_MAX bytes */
    unsigned int flags;       /**< GDPR_CONSENT_EXPLICIT, GDPR_CONSENT_TRANSFER */
    /* version 2 */
    const char *country;         /**< GDPR_CONSENT_TRANSFER: the recipient's country the subject
                                      consented to (ISO 3166-1 alpha-2 or "org:NAME", as the
                                      policy names it); else NULL */
    const char *member_state;    /**< purpose marked "information_society_service"
                                      (Art. 8): the member state whose age of digital
                                      consent applies; NULL: the controller's country */
    int age;                     /**< such a purpose: the subject's age in years (1..150),
                                      required for a grant; else 0 */
    const char *parental_holder; /**< such a purpose, subject below the member state's
                                      age: the holder of parental responsibility who gave
                                      or authorised the consent (personal data: stored
                                      sealed; UTF-8, at most GDPR_NAME_MAX bytes); else
                                      NULL */
} gdpr_consent;

#define GDPR_CONSENT_INIT                                                                          \
    {                                                                                              \
        GDPR_CONSENT_VERSION, NULL, NULL, NULL, NULL, GDPR_CONSENT_GRANTED, 0, NULL, NULL, 0,      \
            NULL, NULL, 0, NULL                                                                    \
    }

/**
 * Fill `c` with the defaults of version `version` (state granted, the
 * rest empty).
 * @return GDPR_OK; GDPR_EINVAL (c NULL); GDPR_EVERSION (unknown version).
 * @since 0.1
 */
GDPR_API int gdpr_consent_init(gdpr_consent *c, unsigned int version);

/**
 * Append one consent event to the ledger and make it the current state of
 * (subject, purpose, recipient). Events are never changed or deleted
 * (erasure of the subject aside). The subject is created on first use.
 * The time is the engine's clock; the notice's version and SHA-256 and
 * the policy version in force are kept with the event for its receipt.
 *
 * Rules (each refused with GDPR_EINVAL and a message naming the field):
 * the purpose and the notice must exist in the policy; a consent without
 * a recipient is only for a purpose whose basis is consent or whose Art.
 * 9(2) condition is (a) explicit consent (the message names the purpose's
 * basis); granting a purpose that processes a special
 * category (Art. 9) needs GDPR_CONSENT_EXPLICIT; an expiry is for grants
 * only and must lie after now and at most at 9999-12-31T23:59:59Z; flags
 * other than GDPR_CONSENT_EXPLICIT and
 * GDPR_CONSENT_TRANSFER are refused. A transfer consent (Art. 49(1)(a))
 * needs GDPR_CONSENT_EXPLICIT on a grant, a recipient of the policy, a
 * `country` equal to that recipient's in the policy and a notice marked
 * "transfer_risks"; `country` is refused on any other consent, and the
 * recipient prefix "transfer:" is reserved for it. Art. 8(1): granting a
 * purpose the policy marks "information_society_service" needs `age`;
 * below the age of digital consent the policy names for `member_state`
 * (or the controller's country) it needs `parental_holder`, which is
 * refused otherwise (data minimisation), as are the three fields on any
 * other purpose.
 *
 * Needs permission "consent.record"; audited as "consent N granted|...".
 * @param eng  the engine.
 * @param who  the acting user: its role's permissions are checked and the audit trail names it.
 * @param c  the consent event (versioned, gdpr_consent_init(); borrowed for the call).
 * @param[out] event_out  the new event's id (> 0); may be NULL.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_EVERSION (c->version); GDPR_EDENIED;
 *         GDPR_ESTATE (no policy); GDPR_ESTORAGE; GDPR_ECRYPTO.
 * Thread notes: serialised on the engine; may run inside gdpr_begin().
 * @since 0.1
 */
GDPR_API int gdpr_consent_record(gdpr_engine *eng, const gdpr_actor *who, const gdpr_consent *c,
                                 int64_t *event_out) GDPR_WARN_UNUSED;

/**
 * Withdraw consent in one call (Art. 7(3): as easy as giving it): appends
 * a withdrawn event for (subject, purpose, recipient) that carries the
 * notice of the event it withdraws.
 * @param eng  the engine.
 * @param who  the acting user: its role's permissions are checked and the audit trail names it.
 * @param subject  the host's subject id (1..GDPR_NAME_MAX bytes of UTF-8), borrowed.
 * @param purpose  a purpose of the policy.
 * @param recipient  NULL for the purpose's own consent, or the recipient
 *                   named when the consent to disclose was given.
 * @param channel    how the withdrawal came in ("phone", "web" ...).
 * Needs permission "consent.record".
 * @param[out] event_out  the new event's id; may be NULL.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ENOTFOUND (no consent was ever
 *         recorded for it: nothing to withdraw, nothing changed);
 *         GDPR_EDENIED; GDPR_ESTATE; GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_consent_withdraw(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                                   const char *purpose, const char *recipient, const char *channel,
                                   int64_t *event_out) GDPR_WARN_UNUSED;

/**
 * Whether the subject's own consent for `purpose` (no recipient) holds at
 * `at`: the newest event at or before `at` is a grant, `at` is before its
 * expiry (a consent expiring at T holds at T-1, not at T), and for a
 * special-category purpose it was explicit. An unknown subject is not an
 * error: *granted_out = 0, and nothing is created. Read-only, not audited.
 * Answered from the current-state table (history only for an `at` before
 * the latest change).
 * @param eng  the engine.
 * @param subject  the host's subject id (1..GDPR_NAME_MAX bytes of UTF-8), borrowed.
 * @param purpose  a purpose of the policy.
 * @param at  UTC seconds, or GDPR_NOW for the engine's clock (0 is refused).
 * @param[out] granted_out  1 or 0.
 * @return GDPR_OK; GDPR_EINVAL (bad text, `at` 0 or negative, purpose not
 *         in the policy); GDPR_ESTATE (no policy); GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_consent_check(gdpr_engine *eng, const char *subject, const char *purpose,
                                int64_t at, int *granted_out);

/**
 * The receipt of one event as JSON (fields after the Kantara Consent
 * Receipt 1.1 and every field ISO/IEC TS 27560:2023 makes mandatory;
 * docs/consent.md maps each). It names the subject only by its keyed hash
 * and never holds the proof. Since 0.3 it is signed: a last member
 * "proof" carries an Ed25519 signature (type, keyId, canonicalization,
 * signature in base64) over the receipt's canonical form (the JSON
 * without "proof", members sorted by name, no whitespace), made with the
 * key of the current master-key generation (gdpr_receipt_public_key()).
 * The same event gives the same text every time. Read-only, not audited.
 * @param eng  the engine.
 * @param event  the consent event's id (gdpr_consent_record()).
 * @param[out] json_out  freed with gdpr_free().
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ENOTFOUND (no such event);
 *         GDPR_ESTORAGE; GDPR_ENOMEM; GDPR_ECRYPTO (signing failed).
 * @since 0.1
 */
GDPR_API int gdpr_consent_receipt(gdpr_engine *eng, int64_t event, char **json_out);

/**
 * The public keys that verify this store's receipts, as JSON:
 * {"alg":"Ed25519","canonicalization":...,"keys":[{"keyId","generation",
 * "current","publicKey" (32 raw bytes in base64),"pem" (SubjectPublicKeyInfo)}]},
 * one key per master-key generation, the oldest first: gdpr_rekey()
 * starts a new signing key and keeps every older one listed, so a
 * receipt signed before a rotation still verifies after it. Publish it
 * where subjects and auditors can fetch it. Read-only, not audited.
 * @param eng  the engine.
 * @param[out] json_out  freed with gdpr_free().
 * @return GDPR_OK; GDPR_EINVAL (NULL argument); GDPR_ECRYPTO; GDPR_ENOMEM.
 * Thread notes: serialised on the engine.
 * @since 0.3
 */
GDPR_API int gdpr_receipt_public_key(gdpr_engine *eng, char **json_out);

/**
 * Verify a receipt's signature (gdpr_consent_receipt()) against this
 * store's receipt keys: *valid_out is 1 when its "proof" names a key of
 * the store and the Ed25519 signature matches the canonical form of the
 * rest; 0 otherwise (changed, unsigned, signed by another store, unknown
 * key), and gdpr_errmsg() then says which. Member order and whitespace
 * do not matter; any changed value does. Read-only, not audited.
 * @param eng  the engine.
 * @param receipt_json  the receipt text (UTF-8 JSON object, at most 1 MiB), borrowed.
 * @param[out] valid_out  1 or 0.
 * @return GDPR_OK (look at *valid_out); GDPR_EINVAL (NULL, empty, too
 *         long, not UTF-8, not a JSON object); GDPR_ECRYPTO; GDPR_ENOMEM.
 * Thread notes: serialised on the engine.
 * @since 0.3
 */
GDPR_API int gdpr_receipt_verify(gdpr_engine *eng, const char *receipt_json, int *valid_out);

/** One event as handed to a gdpr_consent_fn. All pointers are borrowed for
 *  the callback only. */
typedef struct {
    int64_t id; /**< event id */
    int64_t at; /**< UTC seconds */
    const char *purpose;
    gdpr_consent_state state;
    const char *notice;         /**< notice id */
    const char *notice_version; /**< its version when recorded */
    const char *channel;
    const char *actor;     /**< who recorded it */
    int64_t expires;       /**< 0: none */
    const char *recipient; /**< NULL: none; else the name as recorded */
    const char *proof;     /**< NULL: none; else the proof, opened */
    size_t proof_len;
    unsigned int flags;          /**< GDPR_CONSENT_EXPLICIT */
    const char *receipt_id;      /**< the receipt's UUID */
    const char *parental_holder; /**< Art. 8(1): the holder of parental responsibility,
                                      opened; NULL when none (@since 0.2) */
} gdpr_consent_event;

/** Consent history iterator: return non-zero to stop. */
typedef int (*gdpr_consent_fn)(const gdpr_consent_event *ev, void *ctx);

/**
 * Walk the subject's consent events in the order they were recorded, with
 * proofs and named recipients opened. Reading proofs is reading personal
 * data: needs permission "consent.read" and is audited. An unknown
 * subject has no events (fn is never called; nothing is created).
 * @return GDPR_OK; GDPR_ECALLBACK (fn returned non-zero); GDPR_EINVAL;
 *         GDPR_EDENIED; GDPR_ESTATE; GDPR_ECORRUPT (a sealed field failed
 *         to open); GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_consent_history(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                                  gdpr_consent_fn fn, void *ctx);

/* --- consent signals: GPC, IAB TCF v2.2, IAB GPP (docs/signals.md) ---- */

/** Kinds of consent signal. The numbers never change. @since 0.3 */
typedef enum {
    GDPR_SIGNAL_GPC = 1, /**< Global Privacy Control (`Sec-GPC: 1`) */
    GDPR_SIGNAL_TCF = 2, /**< an IAB TCF v2 TC string */
    GDPR_SIGNAL_GPP = 3  /**< an IAB Global Privacy Platform string */
} gdpr_signal_kind;

/**
 * Record a Global Privacy Control signal the subject's browser sent
 * (`Sec-GPC: 1`, `navigator.globalPrivacyControl`). It is kept with its
 * time, and for every purpose the policy's "signals.gpc" marks as sale,
 * sharing or targeted advertising: a consent-based one gets a consent
 * event of channel "gpc" (a withdrawal when consent was granted, a
 * refusal when none was ever recorded; nothing when it is already not
 * granted); one on another basis is refused by gdpr_may_process() from
 * now on (GDPR_WHY_GPC, an objection by automated means, Art. 21(5)).
 * Withdrawing a grant the subject gave explicitly is a conflict, recorded
 * (gdpr_consent_conflicts(), kind "gpc_over_grant"): the signal wins, the
 * stricter reading (docs/signals.md). A later explicit grant stands and
 * is recorded as a conflict too ("grant_after_gpc"). Call it when the
 * signal is first seen for the subject (a session), not on every request.
 * The subject is created on first use. Needs "consent.record"; audited.
 * @param eng  the engine.
 * @param who  the actor (id and role), borrowed.
 * @param subject  the host's subject id (1..GDPR_NAME_MAX bytes of UTF-8), borrowed.
 * @param[out] events_out  consent events recorded; may be NULL.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_EDENIED; GDPR_ESTATE (no policy);
 *         GDPR_ESTORAGE; GDPR_ECRYPTO.
 * Thread notes: serialised on the engine; may run inside gdpr_begin().
 * @since 0.3
 */
GDPR_API int gdpr_consent_signal_gpc(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                                     int *events_out) GDPR_WARN_UNUSED;

/**
 * Record an IAB TCF v2 TC string as received (sealed under the subject's
 * key, with its time) after decoding its core segment; a string that does
 * not decode is refused with GDPR_EINVAL naming the bit offset and the
 * field ("tc_string: bit 108 (ConsentLanguage): ..."), and nothing is
 * stored. For every policy purpose the policy's "signals.tcf_purposes"
 * maps TCF purposes to, the string's PurposesConsent bits decide: granted
 * when every mapped bit is set, else not; a consent event of channel
 * "tcf" is recorded only where that changes the purpose's state (grant,
 * withdrawal of a grant, or a first refusal). Needs "consent.record";
 * audited.
 * @param eng  the engine.
 * @param who  the actor (id and role), borrowed.
 * @param subject  the host's subject id (1..GDPR_NAME_MAX bytes of UTF-8), borrowed.
 * @param tc_string  the TC string (base64url segments joined by '.', at most 65536 bytes),
 * borrowed.
 * @param[out] events_out  consent events recorded; may be NULL.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_EDENIED; GDPR_ESTATE; GDPR_ESTORAGE; GDPR_ECRYPTO.
 * @since 0.3
 */
GDPR_API int gdpr_consent_signal_tcf(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                                     const char *tc_string, int *events_out) GDPR_WARN_UNUSED;

/**
 * Record an IAB GPP string as received (sealed, with its time) after
 * decoding its header (type, version, the Fibonacci-coded section ids)
 * and checking one section per id; an EU TCF v2 section (id 2) is decoded
 * and applied as gdpr_consent_signal_tcf() does, with channel "gpp". A
 * bad string is refused naming the bit offset and field. Needs
 * "consent.record"; audited.
 * @param eng  the engine.
 * @param who  the actor (id and role), borrowed.
 * @param subject  the host's subject id (1..GDPR_NAME_MAX bytes of UTF-8), borrowed.
 * @param gpp_string  the GPP string (sections joined by '~', at most 65536 bytes), borrowed.
 * @param[out] events_out  consent events recorded; may be NULL.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_EDENIED; GDPR_ESTATE; GDPR_ESTORAGE; GDPR_ECRYPTO.
 * @since 0.3
 */
GDPR_API int gdpr_consent_signal_gpp(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                                     const char *gpp_string, int *events_out) GDPR_WARN_UNUSED;

/**
 * Decode a TC string (GDPR_SIGNAL_TCF: the core segment's fields, vendor
 * consents and legitimate interests as id lists) or a GPP string
 * (GDPR_SIGNAL_GPP: header and sections) to JSON; needs no engine, stores
 * nothing. Field names: docs/signals.md.
 * @param kind  GDPR_SIGNAL_TCF or GDPR_SIGNAL_GPP.
 * @param text  the string (at most 65536 bytes of UTF-8), borrowed.
 * @param[out] json_out  freed with gdpr_free().
 * @return GDPR_OK; GDPR_EINVAL (bad kind; the string does not decode: the
 *         message names the bit offset and field); GDPR_ENOMEM.
 * Thread notes: safe from any thread.
 * @since 0.3
 */
GDPR_API int gdpr_signal_decode(int kind, const char *text, char **json_out);

/** One kept signal, as handed to a gdpr_consent_signal_fn; pointers are
 *  borrowed for the callback only. @since 0.3 */
typedef struct {
    int64_t id;        /**< signal id */
    int64_t at;        /**< when it was recorded, UTC seconds */
    int kind;          /**< a gdpr_signal_kind */
    const char *value; /**< the TC or GPP string as received (opened); NULL for GPC */
    const char *actor; /**< who recorded it */
} gdpr_consent_signal;

/** Signal iterator: return non-zero to stop. */
typedef int (*gdpr_consent_signal_fn)(const gdpr_consent_signal *s, void *ctx);

/**
 * Walk the subject's signals in the order they were recorded, strings
 * opened. Needs "consent.read"; audited. An unknown subject has none.
 * @param eng  the engine.
 * @param who  the actor (id and role), borrowed.
 * @param subject  the host's subject id (1..GDPR_NAME_MAX bytes of UTF-8), borrowed.
 * @param fn  called once per signal.
 * @param ctx  passed to fn.
 * @return GDPR_OK; GDPR_ECALLBACK; GDPR_EINVAL; GDPR_EDENIED; GDPR_ESTATE;
 *         GDPR_ECORRUPT (a sealed string failed to open); GDPR_ESTORAGE.
 * @since 0.3
 */
GDPR_API int gdpr_consent_signals(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                                  gdpr_consent_signal_fn fn, void *ctx);

/** A conflict between an explicit choice and a GPC signal. Pointers are
 *  borrowed for the callback only. @since 0.3 */
typedef struct {
    int64_t id;
    int64_t at;            /**< when it arose, UTC seconds */
    const char *subject;   /**< the subject's keyed hash (hex), as gdpr_subject_hash() */
    const char *purpose;   /**< the purpose */
    const char *kind;      /**< "gpc_over_grant" (the signal withdrew a grant) or
                                "grant_after_gpc" (a grant after the signal) */
    int64_t consent_event; /**< the explicit grant */
    int64_t signal;        /**< the GPC signal */
    int64_t result_event;  /**< the withdrawal the signal caused, or 0 */
} gdpr_consent_conflict;

/** Conflict iterator: return non-zero to stop. */
typedef int (*gdpr_consent_conflict_fn)(const gdpr_consent_conflict *c, void *ctx);

/**
 * List conflicts between an explicit choice and a GPC signal, oldest
 * first: of one subject, or of all (subject NULL), from `since` on.
 * Memory does not grow with their number. Needs "consent.read"; audited.
 * @param eng  the engine.
 * @param who  the actor (id and role), borrowed.
 * @param subject  the host's subject id, borrowed; NULL: every subject.
 * @param since  UTC seconds (0: all).
 * @param fn  called once per conflict.
 * @param ctx  passed to fn.
 * @return GDPR_OK; GDPR_ECALLBACK; GDPR_EINVAL (bad subject, `since` out of
 *         range, fn NULL); GDPR_EDENIED; GDPR_ESTATE; GDPR_ESTORAGE.
 * @since 0.3
 */
GDPR_API int gdpr_consent_conflicts(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                                    int64_t since, gdpr_consent_conflict_fn fn, void *ctx);

/* --- lawful processing ----------------------------------------------- */

/** Why a processing or disclosure question was answered so: a stable code
 *  (never renumbered; gdpr_why_name() gives its stable word) and a line
 *  of text for people. */
typedef enum {
    GDPR_WHY_CONSENT = 1,            /**< allowed: live consent (event names it) */
    GDPR_WHY_BASIS = 2,              /**< allowed: the purpose rests on another legal basis */
    GDPR_WHY_LEGAL_GROUND = 3,       /**< allowed: the recipient has a legal ground (policy) */
    GDPR_WHY_NO_CONSENT = 4,         /**< refused: no consent on record */
    GDPR_WHY_WITHDRAWN = 5,          /**< refused: consent withdrawn */
    GDPR_WHY_REFUSED = 6,            /**< refused: the subject said no */
    GDPR_WHY_EXPIRED = 7,            /**< refused: consent expired */
    GDPR_WHY_NOT_EXPLICIT = 8,       /**< refused: special category, consent not explicit */
    GDPR_WHY_OBJECTED = 9,           /**< refused: the subject objected (Art. 21) */
    GDPR_WHY_RESTRICTED = 10,        /**< refused: processing restricted (Art. 18) */
    GDPR_WHY_NO_ART9_CONDITION = 11, /**< refused: special category without an Art. 9(2)
                                         condition in the policy (@since 0.2) */
    /** refused: an automated decision (Art. 22) on a special category
     *  without Art. 9(2)(a) or (g) and suitable measures (Art. 22(4));
     *  word "automated_special_category" (@since 0.2) */
    GDPR_WHY_ART22_4 = 12,
    GDPR_WHY_GPC = 13 /**< refused: a Global Privacy Control signal opts the subject out of a
                           purpose marked sale, sharing or targeted advertising that rests on
                           another basis than consent (Art. 21(5)) (@since 0.3) */
} gdpr_why_code;

typedef struct {
    int code;       /**< a gdpr_why_code */
    int64_t event;  /**< the consent event the answer rests on, or 0 */
    char text[256]; /**< one line for people */
} gdpr_why;

/** The stable word of a gdpr_why_code ("consent", "no_consent", ...);
 *  "unknown" for any other value. Never NULL; static storage. @since 0.1 */
GDPR_API const char *gdpr_why_name(int code);

/**
 * The one call a CRM asks before it uses a person's data for `purpose`.
 * A purpose with a special category (Art. 9(1)) is refused when the
 * policy names no Art. 9(2) condition for it (only a stored policy older
 * than this rule can lack one: GDPR_WHY_NO_ART9_CONDITION); under
 * condition (a) it needs live explicit consent whatever its Art. 6 basis.
 * A purpose whose policy entry describes an automated decision (Art. 22)
 * on a special category is refused unless its Art. 9(2) condition is (a)
 * or (g) and the policy records the suitable measures (Art. 22(4);
 * GDPR_WHY_ART22_4: only a stored policy older than this rule can have
 * it, a new one is refused when loaded).
 * A purpose the policy marks "direct_marketing" is refused when
 * the subject objected to it, to all direct marketing or in general:
 * Art. 21(2)-(3) makes that objection absolute, so it stops consent-based
 * marketing too (GDPR_WHY_OBJECTED). Then consent-based purposes need
 * live consent at `at` (as gdpr_consent_check()); a restriction (Art. 18)
 * leaves them allowed, since Art. 18(2) permits processing with consent.
 * Other purposes are allowed under their basis unless processing is
 * restricted, or the subject objected (Art. 21(1): in general or to that
 * purpose) and the basis is legitimate interests or public task.
 * Objections and restriction are as they stand now; `at` dates the
 * consent. An unknown subject is not an error (an erased one's objection
 * to direct marketing still counts). Read-only.
 * @param eng  the engine.
 * @param subject  the host's subject id (1..GDPR_NAME_MAX bytes of UTF-8), borrowed.
 * @param purpose  a purpose of the policy.
 * @param[out] allowed_out  1 or 0.
 * @param[out] why_out      the code and text; may be NULL.
 * @param at  UTC seconds, or GDPR_NOW for the engine's clock (0 is refused).
 * @return GDPR_OK; GDPR_EINVAL (bad text, `at` 0 or negative, purpose not
 *         in the policy); GDPR_ESTATE; GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_may_process(gdpr_engine *eng, const char *subject, const char *purpose,
                              int64_t at, int *allowed_out, gdpr_why *why_out);

/** Bits of gdpr_subject_limits(). */
#define GDPR_SUBJECT_OBJECTED 0x1u
#define GDPR_SUBJECT_RESTRICTED 0x2u
/** The subject objected to all direct marketing (Art. 21(2)); survives
 *  erasure. @since 0.2 */
#define GDPR_SUBJECT_MARKETING_OBJECTED 0x4u

/**
 * Record the subject's general objection (Art. 21): from now on purposes
 * based on legitimate interests or public task are refused by
 * gdpr_may_process(), and so is every direct-marketing purpose whatever
 * its basis: the objection also counts as one to all direct marketing
 * (Art. 21(2); recorded as gdpr_subject_object_purpose() with
 * GDPR_OBJECT_ALL_MARKETING would). Other consent-based purposes are
 * ended by withdrawing consent instead.
 * The subject is created on first use. Needs "subject.object"; audited.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_EDENIED; GDPR_ESTATE; GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_subject_object(gdpr_engine *eng, const gdpr_actor *who,
                                 const char *subject) GDPR_WARN_UNUSED;

/**
 * Lift a general objection: the subject took it back, or the controller
 * showed compelling legitimate grounds (Art. 21(1)). It does not lift the
 * objection to direct marketing that gdpr_subject_object() also recorded:
 * that one only the subject can take back, with
 * gdpr_subject_unobject_purpose(..., GDPR_OBJECT_ALL_MARKETING,
 * GDPR_LIFT_BY_SUBJECT) (Art. 21(3)). Needs "subject.object".
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ENOTFOUND (unknown subject);
 *         GDPR_EDENIED; GDPR_ESTATE; GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_subject_unobject(gdpr_engine *eng, const gdpr_actor *who,
                                   const char *subject) GDPR_WARN_UNUSED;

/** The purpose argument of gdpr_subject_object_purpose() meaning every
 *  purpose the policy marks "direct_marketing". @since 0.2 */
#define GDPR_OBJECT_ALL_MARKETING "*"

/** Who lifts an objection (gdpr_subject_unobject_purpose()). */
typedef enum {
    GDPR_LIFT_BY_SUBJECT = 1,        /**< the subject took the objection back */
    GDPR_LIFT_COMPELLING_GROUNDS = 2 /**< the controller showed compelling legitimate
                                          grounds (Art. 21(1)); never for direct
                                          marketing (Art. 21(3)) */
} gdpr_lift_reason;

/**
 * Record the subject's objection to one purpose, or with
 * GDPR_OBJECT_ALL_MARKETING to all direct marketing. For a purpose the
 * policy marks "direct_marketing" (and for GDPR_OBJECT_ALL_MARKETING) the
 * objection is absolute (Art. 21(2)-(3)): gdpr_may_process() refuses it
 * whatever the basis, consent included. Another purpose must rest on
 * public task or legitimate interests (Art. 21(1)); else GDPR_EINVAL
 * naming the basis. The entry is kept by the subject's keyed hash only,
 * needs no subject row and survives erasure, so a person imported again
 * under the same id is not marketed to (a suppression entry,
 * docs/consent.md). Recording it twice keeps the first date.
 * Needs "subject.object"; audited as "objection recorded: <purpose>".
 * @param eng  the engine.
 * @param who  the actor (id and role), borrowed.
 * @param subject  the host's subject id (1..GDPR_NAME_MAX bytes of UTF-8), borrowed.
 * @param purpose  a purpose id of the policy, or GDPR_OBJECT_ALL_MARKETING.
 * @return GDPR_OK; GDPR_EINVAL (bad text, unknown purpose, basis not
 *         reached by Art. 21(1)); GDPR_EDENIED; GDPR_ESTATE; GDPR_ESTORAGE.
 * Thread notes: serialised on the engine; may run inside gdpr_begin().
 * @since 0.2
 */
GDPR_API int gdpr_subject_object_purpose(gdpr_engine *eng, const gdpr_actor *who,
                                         const char *subject, const char *purpose) GDPR_WARN_UNUSED;

/**
 * Lift an objection recorded by gdpr_subject_object_purpose(). An
 * objection to direct marketing (a purpose so marked, or
 * GDPR_OBJECT_ALL_MARKETING) can only be taken back by the subject:
 * GDPR_LIFT_COMPELLING_GROUNDS is refused for it (Art. 21(3)).
 * Needs "subject.object"; audited with the reason.
 * @param eng  the engine.
 * @param who  the actor (id and role), borrowed.
 * @param subject  the host's subject id (1..GDPR_NAME_MAX bytes of UTF-8), borrowed.
 * @param purpose  the purpose objected to, or GDPR_OBJECT_ALL_MARKETING.
 * @param reason  a gdpr_lift_reason.
 * @return GDPR_OK; GDPR_EINVAL (bad text, unknown purpose, unknown
 *         reason, controller's grounds against a direct-marketing
 *         objection); GDPR_ENOTFOUND (no such objection: nothing changed);
 *         GDPR_EDENIED; GDPR_ESTATE; GDPR_ESTORAGE.
 * @since 0.2
 */
GDPR_API int gdpr_subject_unobject_purpose(gdpr_engine *eng, const gdpr_actor *who,
                                           const char *subject, const char *purpose,
                                           int reason) GDPR_WARN_UNUSED;

/**
 * Restrict processing (Art. 18): data is only stored; gdpr_may_process()
 * refuses every purpose not covered by live consent. The subject is
 * created on first use. Needs "subject.restrict"; audited.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_EDENIED; GDPR_ESTATE; GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_subject_restrict(gdpr_engine *eng, const gdpr_actor *who,
                                   const char *subject) GDPR_WARN_UNUSED;

/**
 * Lift a restriction (Art. 18(3): the subject is told before). Needs
 * "subject.restrict"; audited.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ENOTFOUND (unknown subject);
 *         GDPR_EDENIED; GDPR_ESTATE; GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_subject_unrestrict(gdpr_engine *eng, const gdpr_actor *who,
                                     const char *subject) GDPR_WARN_UNUSED;

/**
 * The subject's limits as they stand: GDPR_SUBJECT_OBJECTED,
 * GDPR_SUBJECT_RESTRICTED, GDPR_SUBJECT_MARKETING_OBJECTED. An unknown
 * subject has none, except an objection to all direct marketing that
 * outlived its erasure. Read-only.
 * @param eng  the engine.
 * @param subject  the host's subject id (1..GDPR_NAME_MAX bytes of UTF-8), borrowed.
 * @param[out] limits_out  the bits.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_subject_limits(gdpr_engine *eng, const char *subject, unsigned int *limits_out);

/* --- disclosures ----------------------------------------------------- */

/**
 * Whether the subject's data may be disclosed to `recipient` for
 * `purpose` at `at`: allowed when the recipient is one of the policy with
 * a legal ground to receive it ("disclosure_ground", e.g. a tax authority
 * under legal obligation), or when the subject's consent naming that
 * recipient for that purpose holds at `at`. An unknown subject is not an
 * error. Read-only.
 * @param eng  the engine.
 * @param subject  the host's subject id (1..GDPR_NAME_MAX bytes of UTF-8), borrowed.
 * @param recipient  a recipient id of the policy, or a named person or
 *                   organisation exactly as named in the consent.
 * @param purpose  a purpose of the policy.
 * @param at  the time to judge at, UTC seconds; #GDPR_NOW: the engine's clock.
 * @param[out] allowed_out  1 or 0.
 * @param[out] why_out      may be NULL.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ESTATE; GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_disclosure_check(gdpr_engine *eng, const char *subject, const char *recipient,
                                   const char *purpose, int64_t at, int *allowed_out,
                                   gdpr_why *why_out);

/**
 * Log a disclosure made now, after the check of gdpr_disclosure_check():
 * one without ground is refused with GDPR_EDENIED (audited, nothing
 * logged). Logged disclosures appear in the subject's export
 * (Art. 15(1)(c)). The subject is created on first use.
 * Needs permission "disclosure.record".
 * @param eng  the engine.
 * @param who  the acting user: its role's permissions are checked and the audit trail names it.
 * @param subject  the host's subject id (1..GDPR_NAME_MAX bytes of UTF-8), borrowed.
 * @param recipient  a recipient of the policy.
 * @param purpose  a purpose of the policy.
 * @param[out] disclosure_out  the log entry's id; may be NULL.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_EDENIED (role lacks the permission,
 *         or no consent and no legal ground: the message says which);
 *         GDPR_ESTATE; GDPR_ESTORAGE; GDPR_ECRYPTO.
 * @since 0.1
 */
GDPR_API int gdpr_disclosure_record(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                                    const char *recipient, const char *purpose,
                                    int64_t *disclosure_out) GDPR_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
