/*
 * libgdpr: data-subject requests (Art. 12, 15-22). A register of the
 * rights requests a controller receives: intake by subject id or by an
 * identifier (e-mail, phone, account number) resolved through the keyed
 * blind index, identity verification, the Art. 12(3) due date (one month,
 * extendable once by up to two further months), escalation to a higher
 * role, fulfilment helpers that run the export, erasure, restriction,
 * objection or rectification and link it to the request, overdue lists
 * and KPIs. Status words follow the Data Rights Protocol. See
 * docs/requests.md for the life cycle and the deadline rules.
 *
 * Thread notes: every call takes the engine's lock, so calls on one
 * engine from several threads are serialised. Iterators run with the lock
 * held: their callbacks may call libgdpr from the same thread (the lock is
 * recursive) but must not wait for another thread that uses the engine.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_REQUEST_H
#define GDPR_REQUEST_H

#include "gdpr/common.h"
#include "gdpr/erasure.h"
#include "gdpr/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What the subject asks for. The numbers never change. */
typedef enum {
    GDPR_REQUEST_ACCESS = 1,        /**< Art. 15 */
    GDPR_REQUEST_PORTABILITY = 2,   /**< Art. 20 */
    GDPR_REQUEST_ERASURE = 3,       /**< Art. 17 */
    GDPR_REQUEST_RECTIFICATION = 4, /**< Art. 16 */
    GDPR_REQUEST_RESTRICTION = 5,   /**< Art. 18 */
    GDPR_REQUEST_OBJECTION = 6,     /**< Art. 21 */
    /** Art. 22(3): obtain human intervention on the part of the controller,
     *  express one's point of view and contest a decision based solely on
     *  automated processing (word "human_intervention"). Fulfilled only
     *  with a note saying the outcome of the human review. @since 0.2 */
    GDPR_REQUEST_HUMAN_INTERVENTION = 7
} gdpr_request_type;
/** Highest type counted in `by_type` and `by_type_status` of a version-1
 *  or version-2 gdpr_request_kpi_report. It sizes those arrays and so
 *  never changes (ABI); see GDPR_REQUEST_TYPE_ALL_MAX. */
#define GDPR_REQUEST_TYPE_MAX 6
/** Highest gdpr_request_type of this library (@since 0.2); arrays indexed
 *  by every type (`by_type_all` of a version-3 KPI report) have this + 1
 *  slots. */
#define GDPR_REQUEST_TYPE_ALL_MAX 7

/** Where a request stands (Data Rights Protocol words). */
typedef enum {
    GDPR_REQUEST_OPEN = 1,        /**< received, nothing done yet */
    GDPR_REQUEST_IN_PROGRESS = 2, /**< being worked on (awaiting identity ...) */
    GDPR_REQUEST_FULFILLED = 3,   /**< done (final) */
    GDPR_REQUEST_DENIED = 4,      /**< refused with a reason (final) */
    GDPR_REQUEST_REVOKED = 5,     /**< withdrawn by the subject (final) */
    GDPR_REQUEST_EXPIRED = 6,     /**< lapsed: identity never verified by the due date (final) */
    /** the same type of request for the same subject arrived while one was
     *  open: linked to it (gdpr_request_info.duplicate_of), answered by
     *  it, no clock of its own (final). The Data Rights Protocol (v0.9.4)
     *  has no such word; see docs/requests.md. @since 0.3 */
    GDPR_REQUEST_DUPLICATE = 7
} gdpr_request_status;
/** Highest status counted in the KPI report's by_status arrays (0.1 ABI:
 *  it sizes them and never changes); duplicates are counted apart. */
#define GDPR_REQUEST_STATUS_MAX 6
/** Highest gdpr_request_status of this library (@since 0.3). */
#define GDPR_REQUEST_STATUS_ALL_MAX 7

/** Why a request was denied (Data Rights Protocol reasons). */
typedef enum {
    GDPR_DENIAL_NONE = 0,
    GDPR_DENIAL_IDENTITY_NOT_VERIFIED = 1, /**< Art. 12(2), 12(6) */
    GDPR_DENIAL_NO_MATCH = 2,              /**< no data on anyone so identified */
    GDPR_DENIAL_UNFOUNDED_OR_EXCESSIVE =
        3,                  /**< Art. 12(5)(b) "manifestly unfounded or excessive" */
    GDPR_DENIAL_EXEMPT = 4, /**< an exemption applies (Art. 17(3), 23 ...) */
    GDPR_DENIAL_OTHER = 5,
    /** the controller has reasonable grounds to believe the request is
     *  fraudulent (Data Rights Protocol "suspected_fraud"); @since 0.2 */
    GDPR_DENIAL_SUSPECTED_FRAUD = 6,
    /** the request falls outside the law the controller is bound by, e.g.
     *  Art. 3 territorial scope (DRP "outside_jurisdiction"); @since 0.2 */
    GDPR_DENIAL_OUTSIDE_JURISDICTION = 7
} gdpr_request_denial;
/** Highest reason counted in a version-1 gdpr_request_kpi_report. It sizes
 *  that struct's `denied_by_reason` array and so never changes (ABI). */
#define GDPR_DENIAL_MAX 5
/** Highest gdpr_request_denial of this library (@since 0.2); arrays indexed
 *  by every reason have this + 1 slots. */
#define GDPR_DENIAL_REASON_MAX 7

/** Identity verification of the requester. */
typedef enum {
    GDPR_VERIFY_NONE = 0,     /**< not yet looked at */
    GDPR_VERIFY_PENDING = 1,  /**< more information asked for (Art. 12(6)) */
    GDPR_VERIFY_VERIFIED = 2, /**< the requester is the subject */
    GDPR_VERIFY_FAILED = 3    /**< could not be confirmed */
} gdpr_request_verification;

/** How identity was checked. */
typedef enum {
    GDPR_METHOD_NONE = 0,
    GDPR_METHOD_ACCOUNT_LOGIN = 1, /**< the request came through the subject's logged-in account */
    GDPR_METHOD_KNOWN_CONTACT = 2, /**< confirmed through an e-mail or phone number on file */
    GDPR_METHOD_KNOWLEDGE = 3,     /**< questions only the subject can answer */
    GDPR_METHOD_DOCUMENT = 4, /**< an identity document (see EDPB 01/2022 on proportionality) */
    GDPR_METHOD_IN_PERSON = 5,
    GDPR_METHOD_OTHER = 6
} gdpr_request_method;
#define GDPR_METHOD_MAX 6

/** High-risk flags: a request carrying any of them must be closed by the
 *  policy's high-risk role (escalate it there first). */
#define GDPR_REQUEST_FLAG_SPECIAL_CATEGORY 0x1u /**< touches Art. 9/10 data */
#define GDPR_REQUEST_FLAG_COMPLAINT 0x2u        /**< a complaint is part of it */
#define GDPR_REQUEST_FLAG_MEDIA 0x4u            /**< the media are involved */
#define GDPR_REQUEST_FLAG_AUTHORITY 0x8u        /**< a supervisory authority is involved */
#define GDPR_REQUEST_FLAGS_ALL 0xFu

/** Grace values of gdpr_request_intake.grace_seconds. */
#define GDPR_REQUEST_GRACE_POLICY 0  /**< the policy's requests.erasure_grace, if any */
#define GDPR_REQUEST_GRACE_NONE (-1) /**< no grace period even if the policy sets one */

/** Longest free-text note, reason or identifier value accepted, in bytes. */
#define GDPR_REQUEST_NOTE_MAX 4096u

#define GDPR_REQUEST_INTAKE_VERSION 1u

/**
 * A request as received. Transparent and versioned: set `version` to
 * GDPR_REQUEST_INTAKE_VERSION (GDPR_REQUEST_INTAKE_INIT or
 * gdpr_request_intake_init() do it). Give either `subject` or the pair
 * `id_kind`/`id_value`, not both. All pointers are borrowed for the call.
 */
typedef struct {
    unsigned int version; /**< GDPR_REQUEST_INTAKE_VERSION */
    gdpr_request_type type;
    const char *subject;   /**< the host's id of the subject, or NULL */
    const char *id_kind;   /**< identifier kind ("email", "phone", "account" ...) */
    const char *id_value;  /**< identifier value as the requester gave it (sealed) */
    int64_t received_at;   /**< UTC seconds or GDPR_NOW (the default); 0 is refused.
                                Not in the future, not before
                                2018-05-25 (when the GDPR began to apply) */
    const char *channel;   /**< how it came: "phone", "email", "web", "post" ...
                                (a word, not personal data) */
    const char *note;      /**< optional free text (sealed); needs a subject */
    unsigned int flags;    /**< GDPR_REQUEST_FLAG_* */
    int64_t grace_seconds; /**< erasure only: GDPR_REQUEST_GRACE_POLICY,
                                GDPR_REQUEST_GRACE_NONE or a period in seconds */
} gdpr_request_intake;

#define GDPR_REQUEST_INTAKE_INIT                                                                   \
    {                                                                                              \
        GDPR_REQUEST_INTAKE_VERSION, (gdpr_request_type)0, NULL, NULL, NULL, GDPR_NOW, NULL, NULL, \
            0, 0                                                                                   \
    }

/**
 * Fill `in` with the defaults of intake version `version`.
 * @return GDPR_OK; GDPR_EINVAL (in NULL); GDPR_EVERSION (unknown version).
 * @since 0.1
 */
GDPR_API int gdpr_request_intake_init(gdpr_request_intake *in, unsigned int version);

/**
 * Open a request. With `subject`, the subject is created on first use
 * (needing "subject.create" then). With an identifier, it is resolved
 * through the blind index (gdpr_subject_link() made the link): a request by
 * phone finds the same subject as one by e-mail. An identifier that
 * resolves to nobody still opens the request, unmatched: it holds only the
 * identifier's kind and keyed hash (no value, no note: there is no subject
 * key to seal them under) until gdpr_request_match() or a denial
 * "no_match". The due date is computed at once (Art. 12(3), see
 * docs/requests.md). Needs permission "request.open". Audited.
 * @param eng  the engine.
 * @param who  the acting user: its role's permissions are checked and the audit trail names it.
 * @param in  the intake (versioned; borrowed for the call).
 * @param[out] request_out  the request's id; may be NULL.
 * @return GDPR_OK; GDPR_EINVAL (a field breaks its rule: the message names
 *         it); GDPR_EVERSION; GDPR_EDENIED; GDPR_ESTATE (no policy);
 *         GDPR_ESTORAGE; GDPR_ECRYPTO.
 * @since 0.1
 */
GDPR_API int gdpr_request_open(gdpr_engine *eng, const gdpr_actor *who,
                               const gdpr_request_intake *in,
                               int64_t *request_out) GDPR_WARN_UNUSED;

/**
 * Attach an unmatched request to its subject: `subject` names it, or NULL
 * resolves the identifier the request came with again (after
 * gdpr_subject_link()). Needs "request.manage". Audited.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ENOTFOUND (no such request, or the
 *         identifier still resolves to nobody); GDPR_ESTATE (already
 *         matched, or closed); GDPR_EDENIED; GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_request_match(gdpr_engine *eng, const gdpr_actor *who, int64_t request,
                                const char *subject) GDPR_WARN_UNUSED;

/**
 * Record identity verification: `state` and, for VERIFIED and FAILED, the
 * `method`. An open request moves to in_progress. `note` (optional) is
 * sealed. Needs "request.open" (front-line staff verify). Audited.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ENOTFOUND; GDPR_ESTATE (closed, or
 *         unmatched: there is nobody to verify yet); GDPR_EDENIED.
 * @since 0.1
 */
GDPR_API int gdpr_request_verify(gdpr_engine *eng, const gdpr_actor *who, int64_t request,
                                 gdpr_request_verification state, gdpr_request_method method,
                                 const char *note) GDPR_WARN_UNUSED;

/**
 * Extend the deadline once by `months` (1 or 2) further months (Art.
 * 12(3)), with a `reason` (sealed), recording when the subject was told
 * (`subject_told_at`, or GDPR_NOW; it must fall within the first month and not in
 * the future). Only before the first due date passes. The new due date is
 * 1 + months months from receipt under the same rules. Needs
 * "request.manage". Audited.
 * @return GDPR_OK; GDPR_EINVAL (months, reason, subject_told_at);
 *         GDPR_ENOTFOUND; GDPR_ESTATE (closed, extended already, or the first
 *         due date has passed); GDPR_EDENIED.
 * @since 0.1
 */
GDPR_API int gdpr_request_extend(gdpr_engine *eng, const gdpr_actor *who, int64_t request,
                                 int months, const char *reason,
                                 int64_t subject_told_at) GDPR_WARN_UNUSED;

/**
 * Add high-risk flags (GDPR_REQUEST_FLAG_*) to a request; flags are never
 * removed. `note` optional (sealed). Needs "request.open". Audited.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ENOTFOUND; GDPR_ESTATE (closed);
 *         GDPR_EDENIED.
 * @since 0.1
 */
GDPR_API int gdpr_request_flag(gdpr_engine *eng, const gdpr_actor *who, int64_t request,
                               unsigned int flags, const char *note) GDPR_WARN_UNUSED;

/**
 * Escalate a request to `to_role`, a higher role: one holding every
 * request permission ("request.open", ".manage", ".close", ".deny") the
 * actor's role holds and more, and at least the authority of any earlier
 * escalation, and able to close or deny. From then on only a role at that
 * level closes it. `note` (optional, sealed) says why. An open request
 * moves to in_progress. Needs "request.open". Audited.
 * @return GDPR_OK; GDPR_EINVAL (to_role not a role, or not higher);
 *         GDPR_ENOTFOUND; GDPR_ESTATE (closed); GDPR_EDENIED.
 * @since 0.1
 */
GDPR_API int gdpr_request_escalate(gdpr_engine *eng, const gdpr_actor *who, int64_t request,
                                   const char *to_role, const char *note) GDPR_WARN_UNUSED;

/**
 * Deny a request with a reason; `note` (optional, sealed) explains it to
 * the file. Needs "request.deny", the role the request was escalated to
 * (or one above it), the policy's high-risk role for a flagged request,
 * and a role of requests.close_roles for its type when the policy lists
 * them; a refusal names the role needed and is audited. Audited.
 * A refusal is due one month after receipt even when the request was
 * extended (Art. 12(4)): one made at or after `first_due` is late in the
 * KPIs and its history entry says so. This call does not record that the
 * subject was told of the rights of Art. 77 and 79 (the history entry
 * says "Art. 77/79 information not recorded"): use gdpr_request_deny_v2().
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ENOTFOUND; GDPR_ESTATE (closed; or
 *         identity_not_verified for a verified requester); GDPR_EDENIED.
 * @since 0.1
 */
GDPR_API int gdpr_request_deny(gdpr_engine *eng, const gdpr_actor *who, int64_t request,
                               gdpr_request_denial reason, const char *note) GDPR_WARN_UNUSED;

/** Bits of gdpr_request_deny_v2()'s `told`: what the subject was told
 *  with the refusal (Art. 12(4)). @since 0.2 */
#define GDPR_TOLD_COMPLAINT                                                                        \
    0x1u                      /**< the right to lodge a complaint with a supervisory               \
                                   authority (Art. 77) */
#define GDPR_TOLD_REMEDY 0x2u /**< the right to an effective judicial remedy (Art. 79) */
#define GDPR_TOLD_ALL 0x3u

/**
 * gdpr_request_deny(), recording what Art. 12(4) requires the controller
 * to tell the subject with a refusal: the reasons, and the possibility of
 * a complaint (Art. 77) and of a judicial remedy (Art. 79). `told` must be
 * GDPR_TOLD_ALL (both are required; anything less is refused, nothing
 * changes); `told_at` is when the subject was told (0: now; else not
 * before receipt and not after now). The history entry of the refusal
 * reads "<reason>; told of Art. 77 complaint and Art. 79 judicial remedy
 * on <time>", with "; late (Art. 12(4): due <time>)" when the refusal
 * comes at or after one month from receipt, extension or not.
 * @return as gdpr_request_deny(); GDPR_EINVAL also for `told` or
 *         `told_at`.
 * @since 0.2
 */
GDPR_API int gdpr_request_deny_v2(gdpr_engine *eng, const gdpr_actor *who, int64_t request,
                                  gdpr_request_denial reason, const char *note, unsigned int told,
                                  int64_t told_at) GDPR_WARN_UNUSED;

/**
 * The subject withdraws the request (also during an erasure's grace
 * period). `note` optional (sealed). Needs "request.open" (staff log what
 * the subject says). Audited.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ENOTFOUND; GDPR_ESTATE (closed);
 *         GDPR_EDENIED.
 * @since 0.1
 */
GDPR_API int gdpr_request_revoke(gdpr_engine *eng, const gdpr_actor *who, int64_t request,
                                 const char *note) GDPR_WARN_UNUSED;

/**
 * Let a request lapse: allowed only once its due date has passed without
 * the requester's identity being verified, and (since 0.2, Art. 12(2),
 * 12(6), 11(2)) only after the controller asked for information to
 * confirm it, recorded with gdpr_request_verify(..., GDPR_VERIFY_PENDING,
 * ...). A request that lapses without an ask before its due date counts
 * as late in the KPIs. Needs "request.manage". Audited.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ENOTFOUND; GDPR_ESTATE (closed,
 *         verified, not yet due, or never asked); GDPR_EDENIED.
 * @since 0.1
 */
GDPR_API int gdpr_request_expire(gdpr_engine *eng, const gdpr_actor *who,
                                 int64_t request) GDPR_WARN_UNUSED;

/**
 * Close a request as fulfilled by work done outside libgdpr (a paper copy,
 * a correction in another system) or after gdpr_request_rectify() steps;
 * `note` (optional, sealed) says what was done. Prefer the fulfilment
 * helpers below, which run the work and link it. Needs "request.close" and
 * the closing authority described at gdpr_request_deny(); the subject must
 * be matched and verified; an erasure must be past its grace period.
 * Audited.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ENOTFOUND; GDPR_ESTATE; GDPR_EDENIED.
 * @since 0.1
 */
GDPR_API int gdpr_request_fulfil(gdpr_engine *eng, const gdpr_actor *who, int64_t request,
                                 const char *note) GDPR_WARN_UNUSED;

/**
 * Fulfil an access or portability request: run the subject access export
 * (gdpr_export_subject) in `format` (GDPR_EXPORT_JSON or GDPR_EXPORT_CSV)
 * into `write`, then close the request as fulfilled; both steps are
 * audited with the request id. Checks as gdpr_request_fulfil(), and the
 * actor needs the export's own permission ("export.subject").
 * @return GDPR_OK; as gdpr_request_fulfil(); whatever the export returns
 *         (the request then stays open, and what was written must be
 *         discarded).
 * @since 0.1
 */
GDPR_API int gdpr_request_fulfil_export(gdpr_engine *eng, const gdpr_actor *who, int64_t request,
                                        int format, gdpr_write_fn write,
                                        void *ctx) GDPR_WARN_UNUSED;

/**
 * Fulfil a restriction (Art. 18) or objection (Art. 21) request: set the
 * subject's flag (gdpr_subject_restrict / gdpr_subject_object), then close
 * the request. Checks as gdpr_request_fulfil(); the actor needs
 * "subject.restrict" / "subject.object" too.
 * @return as gdpr_request_fulfil_export().
 * @since 0.1
 */
GDPR_API int gdpr_request_fulfil_limit(gdpr_engine *eng, const gdpr_actor *who,
                                       int64_t request) GDPR_WARN_UNUSED;

/**
 * One rectification step (Art. 16) of a rectification request: replace
 * vault record `record` (which must belong to the request's subject) by
 * `value` through gdpr_vault_rectify(), and note the step in the request's
 * history. The request stays in progress; close it with
 * gdpr_request_fulfil(). Needs "request.manage" and "vault.rectify".
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ENOTFOUND; GDPR_ESTATE (wrong type,
 *         closed, unmatched, unverified); GDPR_EDENIED; what the vault returns.
 * @since 0.1
 */
GDPR_API int gdpr_request_rectify(gdpr_engine *eng, const gdpr_actor *who, int64_t request,
                                  int64_t record, const void *value, size_t len) GDPR_WARN_UNUSED;

/**
 * Fulfil an erasure request (Art. 17): once its grace period has passed,
 * erase the subject (gdpr_erase_subject) on `ground`, then close the
 * request; audited with the request id. Checks as gdpr_request_fulfil().
 * @param eng  the engine.
 * @param who  the acting user: its role's permissions are checked and the audit trail names it.
 * @param request  the request's id (gdpr_request_open()).
 * @param ground  the legal ground to record (1..GDPR_NAME_MAX bytes of UTF-8), borrowed.
 * @param[out] erased_out, retained_out  the erasure's counts; may be NULL.
 * @return as gdpr_request_fulfil_export(); GDPR_ESTATE also during the
 *         grace period (the message gives its end).
 * @since 0.1
 */
GDPR_API int gdpr_request_fulfil_erasure(gdpr_engine *eng, const gdpr_actor *who, int64_t request,
                                         const char *ground, int64_t *erased_out,
                                         int64_t *retained_out) GDPR_WARN_UNUSED;

/**
 * Move a request to `status` by the generic route, under the status
 * machine: open -> in_progress (needs "request.manage"); fulfilled,
 * revoked and expired go through gdpr_request_fulfil(), _revoke() and
 * _expire() with their checks; denied needs a reason (gdpr_request_deny()).
 * Nothing leaves a final status and nothing goes back to open: such a
 * move is refused with a message naming both states. Moving to the
 * current open status is a no-op. Audited.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ENOTFOUND; GDPR_ESTATE (the move makes
 *         no sense); GDPR_EDENIED.
 * @since 0.1
 */
GDPR_API int gdpr_request_set_status(gdpr_engine *eng, const gdpr_actor *who, int64_t request,
                                     gdpr_request_status status, const char *note) GDPR_WARN_UNUSED;

#define GDPR_REQUEST_INFO_VERSION 2u

/**
 * A request's state, without personal data (no subject id, identifier
 * value or notes). Filled by gdpr_request_get() (set `version` first) and
 * handed to list iterators (borrowed for the callback).
 */
typedef struct {
    unsigned int version; /**< GDPR_REQUEST_INFO_VERSION */
    int64_t id;
    gdpr_request_type type;
    gdpr_request_status status;
    char subject_hash[65]; /**< hex keyed hash; "" while unmatched */
    char id_kind[65];      /**< identifier kind it came with, or "" */
    char channel[65];
    int64_t received;        /**< UTC seconds */
    int64_t first_due;       /**< one month: overdue when now >= due */
    int64_t due;             /**< first_due, or the extended due date */
    int extended_months;     /**< 0, 1 or 2 */
    int64_t subject_told_at; /**< when told of the extension; 0 */
    gdpr_request_verification verification;
    gdpr_request_method verify_method;
    int64_t verified_at;                  /**< 0 unless verified */
    unsigned int flags;                   /**< GDPR_REQUEST_FLAG_* */
    char escalated_to[GDPR_NAME_MAX + 1]; /**< role, or "" */
    int escalations;
    gdpr_request_denial denial;
    int64_t grace_until; /**< erasure grace end; 0: none */
    int64_t closed;      /**< when it reached a final status; 0 */
    int close_days;      /**< calendar days from receipt to closure in
                              the controller's zone; -1 while open */
    /** version 2 (@since 0.3): for a GDPR_REQUEST_DUPLICATE, the open
     *  request it was linked to on arrival; else 0 */
    int64_t duplicate_of;
} gdpr_request_info;

/**
 * Zero `info` and set its version (the struct then fits this library).
 * @return GDPR_OK; GDPR_EINVAL (info NULL); GDPR_EVERSION.
 * @since 0.1
 */
GDPR_API int gdpr_request_info_init(gdpr_request_info *info, unsigned int version);

/**
 * Read a request's state. Read-only.
 * @param eng  the engine.
 * @param request  the request's id (gdpr_request_open()).
 * @param[out] out  caller's struct with `version` set (gdpr_request_info_init()).
 * @return GDPR_OK; GDPR_EINVAL; GDPR_EVERSION; GDPR_ENOTFOUND; GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_request_get(gdpr_engine *eng, int64_t request, gdpr_request_info *out);

/** List iterator: return non-zero to stop (the list then returns GDPR_ECALLBACK). */
typedef int (*gdpr_request_fn)(const gdpr_request_info *r, void *ctx);

/**
 * Requests of one subject (NULL: all), in one status (0: any), in id
 * order. Read-only.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ECALLBACK; GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_request_list(gdpr_engine *eng, const char *subject, gdpr_request_status status,
                               gdpr_request_fn fn, void *ctx);

/**
 * Open and in-progress requests overdue at `as_of` (due <= as_of), oldest
 * due date first. Cost is proportional to the number listed (an index on
 * the due time of open requests only). `as_of` GDPR_NOW: now (0 is
 * refused). Read-only.
 * @return GDPR_OK; GDPR_EINVAL (as_of before 2018-05-25 or after 9999);
 *         GDPR_ECALLBACK; GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_request_overdue(gdpr_engine *eng, int64_t as_of, gdpr_request_fn fn, void *ctx);

/**
 * Open and in-progress requests falling due after `as_of` and at most
 * `within_seconds` later, soonest first; cost as gdpr_request_overdue().
 * `as_of` GDPR_NOW: now (0 is refused).
 * @return GDPR_OK; GDPR_EINVAL (as_of; within_seconds not 1..366 days);
 *         GDPR_ECALLBACK; GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_request_due_soon(gdpr_engine *eng, int64_t as_of, int64_t within_seconds,
                                   gdpr_request_fn fn, void *ctx);

/** One entry of a request's history, borrowed for the callback. */
typedef struct {
    int64_t id; /**< event id */
    int64_t at; /**< UTC seconds */
    const char *actor;
    const char *role;
    const char *action;         /**< "open", "verify", "extend", "escalate", "deny" ... */
    gdpr_request_status status; /**< status after the event */
    const char *detail;         /**< non-personal detail ("to dpo", "2 months") or NULL */
    const char *note;           /**< the opened note (personal) or NULL */
} gdpr_request_event;

typedef int (*gdpr_request_event_fn)(const gdpr_request_event *ev, void *ctx);

/**
 * Walk a request's history (the case file) in order, notes opened. Needs
 * "request.open" (the notes are personal data; refusals are audited). A
 * note whose subject was erased is handed out as NULL.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ENOTFOUND; GDPR_EDENIED;
 *         GDPR_ECALLBACK; GDPR_ECORRUPT; GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_request_history(gdpr_engine *eng, const gdpr_actor *who, int64_t request,
                                  gdpr_request_event_fn fn, void *ctx);

/**
 * The host's id of the request's subject and the identifier value it came
 * with (both personal data). Needs "request.open".
 * @param eng  the engine.
 * @param who  the acting user: its role's permissions are checked and the audit trail names it.
 * @param request  the request's id (gdpr_request_open()).
 * @param[out] subject_out  freed with gdpr_free(); NULL while unmatched.
 * @param[out] id_value_out freed with gdpr_free(); NULL when none was kept;
 *                          may itself be NULL when not wanted.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ENOTFOUND (no such request, or its
 *         subject was erased); GDPR_EDENIED; GDPR_ECORRUPT.
 * @since 0.1
 */
GDPR_API int gdpr_request_subject(gdpr_engine *eng, const gdpr_actor *who, int64_t request,
                                  char **subject_out, char **id_value_out);

/**
 * Art. 19: the recipients to notify of a rectification (Art. 16) or a
 * restriction (Art. 18) request's work, the same notice an erasure gives
 * through gdpr_erase_recipients_foreach(): every recipient of the
 * subject's disclosure log and of the allowed transfers in the transfer
 * log, one entry per recipient in id order ("person" for people the
 * subject named), with how many disclosures or transfers it received and
 * the latest. Needs "request.open". Read-only. An erasure request is
 * answered by its tombstone (gdpr_erase_recipients_foreach()).
 * @param eng  the engine.
 * @param who  the acting user: its role's permissions are checked and the audit trail names it.
 * @param request  the request's id (gdpr_request_open()).
 * @param fn  called once per recipient; the entry is borrowed for the call;
 *            non-zero stops the walk.
 * @param ctx  handed to `fn`.
 * @return GDPR_OK; GDPR_EINVAL (NULL eng, who or fn; bad id);
 *         GDPR_ENOTFOUND; GDPR_ESTATE (another type, or not matched to a
 *         subject); GDPR_EDENIED; GDPR_ECALLBACK; GDPR_ENOMEM; GDPR_ESTORAGE.
 * @since 0.2
 */
GDPR_API int gdpr_request_recipients_foreach(gdpr_engine *eng, const gdpr_actor *who,
                                             int64_t request, gdpr_erase_recipient_fn fn,
                                             void *ctx);

#define GDPR_REQUEST_KPI_REPORT_VERSION 4u

/**
 * Key performance indicators over the requests received in [from, to).
 * Arrays are indexed by the enum value (slot 0 stays 0). Rates and days
 * are -1 when there is nothing to measure. Version 2 (@since 0.2) adds
 * `denied_by_reason_all`, which counts every reason up to
 * GDPR_DENIAL_REASON_MAX; a version-1 struct (an application built
 * before) is filled only up to `high_risk`, and its `denied_by_reason`
 * holds reasons 1..GDPR_DENIAL_MAX (suspected_fraud and
 * outside_jurisdiction are then in `total` and `by_status` only).
 * Version 3 (@since 0.2) adds `by_type_all` and `by_type_status_all`,
 * indexed by every type up to GDPR_REQUEST_TYPE_ALL_MAX; in a version-1
 * or -2 struct, human-intervention requests (type 7, which its arrays
 * have no slot for) are counted in `total`, `by_status` and the other
 * counters only. Pass the version your struct has: the library writes no
 * byte past it.
 * Version 4 (@since 0.2) adds `duplicates`; a version-3 struct is filled
 * up to `by_type_status_all`.
 */
typedef struct {
    unsigned int version;    /**< GDPR_REQUEST_KPI_REPORT_VERSION */
    int64_t from, to, as_of; /**< the window and the "now" of overdue */
    int64_t total;           /**< requests received in the window */
    int64_t by_type[GDPR_REQUEST_TYPE_MAX + 1];
    int64_t by_status[GDPR_REQUEST_STATUS_MAX + 1];
    int64_t by_type_status[GDPR_REQUEST_TYPE_MAX + 1][GDPR_REQUEST_STATUS_MAX + 1];
    int64_t denied_by_reason[GDPR_DENIAL_MAX + 1];
    int64_t decided;     /**< fulfilled + denied */
    int64_t on_time;     /**< decided before their due date */
    int64_t late;        /**< decided at or after it, plus open ones overdue */
    int64_t overdue;     /**< open or in progress with due <= as_of */
    double on_time_rate; /**< on_time / (on_time + late) */
    double median_days;  /**< calendar days receipt -> decision (median) */
    double p90_days;     /**< the same, 90th percentile (nearest rank) */
    int64_t extended;    /**< requests whose deadline was extended */
    int64_t escalated;   /**< requests escalated at least once */
    int64_t escalations; /**< escalation events */
    int64_t high_risk;   /**< requests with a high-risk flag */
    /** version 2: denied requests by every reason, including
     *  suspected_fraud and outside_jurisdiction (slot 0 stays 0) */
    int64_t denied_by_reason_all[GDPR_DENIAL_REASON_MAX + 1];
    /** version 3: requests by every type (slot 0 stays 0) */
    int64_t by_type_all[GDPR_REQUEST_TYPE_ALL_MAX + 1];
    /** version 3: by every type and status */
    int64_t by_type_status_all[GDPR_REQUEST_TYPE_ALL_MAX + 1][GDPR_REQUEST_STATUS_MAX + 1];
    /** version 4 (@since 0.2): requests received in the window that were
     *  linked to an open request of the same type and subject
     *  (GDPR_REQUEST_DUPLICATE); they are not in `total` or any other
     *  count, so the on-time rate measures each request once */
    int64_t duplicates;
} gdpr_request_kpi_report;

/**
 * Zero `kpis` and set its version.
 * @return GDPR_OK; GDPR_EINVAL (kpis NULL); GDPR_EVERSION.
 * @since 0.1
 */
GDPR_API int gdpr_request_kpi_report_init(gdpr_request_kpi_report *kpis, unsigned int version);

/**
 * Compute the KPIs of requests received in [from, to) as of now (either
 * bound may be GDPR_NOW; 0 is refused, see common.h). Cost is
 * proportional to the days in the window (per-day counters kept as
 * requests change), not to the number of requests. Read-only.
 * @param eng  the engine.
 * @param from  the period's start, UTC seconds (included).
 * @param to  the period's end, UTC seconds (excluded).
 * @param[out] out  caller's struct with `version` set (gdpr_request_kpi_report_init()).
 * @return GDPR_OK; GDPR_EINVAL (from/to out of range or to <= from);
 *         GDPR_EVERSION; GDPR_ESTORAGE; GDPR_ENOMEM.
 * @since 0.1
 */
GDPR_API int gdpr_request_kpis(gdpr_engine *eng, int64_t from, int64_t to,
                               gdpr_request_kpi_report *out);

/**
 * The same KPIs as one JSON object:
 * {"version":1,"from":"...Z","to":"...Z","as_of":"...Z","total":N,
 *  "by_type":{"access":N,...},"by_status":{...},"by_type_status":{...},
 *  "denied_by_reason":{...},"decided":N,"on_time":N,"late":N,"overdue":N,
 *  "on_time_rate":R|null,"median_days":D|null,"p90_days":D|null,
 *  "extended":N,"escalated":N,"escalations":N,"high_risk":N,
 *  "duplicates":N} ("duplicates" @since 0.3)
 * @param eng  the engine.
 * @param from  the period's start, UTC seconds (included).
 * @param to  the period's end, UTC seconds (excluded).
 * @param[out] json_out  freed with gdpr_free().
 * @return GDPR_OK; GDPR_EINVAL (from/to out of range or to <= from, NULL
 *         json_out); GDPR_ESTORAGE; GDPR_ENOMEM.
 * @since 0.1
 */
GDPR_API int gdpr_request_kpis_json(gdpr_engine *eng, int64_t from, int64_t to, char **json_out);

/** The stable word of a gdpr_request_type ("access", "erasure", ...);
 *  "unknown" for any other value. Never NULL; static storage. @since 0.1 */
GDPR_API const char *gdpr_request_type_name(int type);
/** The stable word of a gdpr_request_status ("in_progress", ...); "unknown"
 *  for any other value. Never NULL; static storage. @since 0.1 */
GDPR_API const char *gdpr_request_status_name(int status);
/** The stable word of a denial reason ("no_match", ...); "unknown" for any
 *  other value. Never NULL; static storage. @since 0.1 */
GDPR_API const char *gdpr_request_denial_name(int denial);
/** The stable word of a verification state ("verified", ...); "unknown"
 *  for any other value. Never NULL; static storage. @since 0.1 */
GDPR_API const char *gdpr_request_verification_name(int state);
/** The stable word of a verification method ("known_contact", ...);
 *  "unknown" for any other value. Never NULL; static storage. @since 0.1 */
GDPR_API const char *gdpr_request_method_name(int method);

/**
 * The enum value of a word (the inverse of the *_name functions): `what`
 * is "type", "status", "denial", "verification" or "method".
 * @param what  which enum: "type", "status", "denial", "verification" or "method".
 * @param word  the word to look up.
 * @param[out] value_out  the value.
 * @return GDPR_OK; GDPR_EINVAL (unknown word: the message lists the words).
 * @since 0.1
 */
GDPR_API int gdpr_request_parse(const char *what, const char *word, int *value_out);

#ifdef __cplusplus
}
#endif

#endif
