/*
 * libgdpr: the personal-data breach register (Art. 33, 34). Open a breach
 * when the controller becomes aware of it; the 72-hour deadline for
 * notifying the supervisory authority is computed at once (Art. 33(1));
 * record the notification (late ones with their reasons), or the
 * judgement that the breach is unlikely to result in a risk; record the
 * decision on communicating it to the data subjects (Art. 34(1), or a
 * ground of Art. 34(3)); link affected subjects by keyed hash; list
 * pending and overdue breaches; KPIs. Every change is audited; free texts
 * are sealed. See docs/breach.md.
 *
 * Thread notes: every call takes the engine's lock; iterators run with it
 * held (their callbacks may call libgdpr from the same thread).
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_BREACH_H
#define GDPR_BREACH_H

#include "gdpr/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The nature of a breach (bits; Art. 4(12), EDPB Guidelines 9/2022). @since 0.3 */
#define GDPR_BREACH_CONFIDENTIALITY 0x1u /**< unauthorised or accidental disclosure or access */
#define GDPR_BREACH_INTEGRITY 0x2u       /**< unauthorised or accidental alteration */
#define GDPR_BREACH_AVAILABILITY                                                                   \
    0x4u /**< accidental or unauthorised loss of access or destruction */
#define GDPR_BREACH_NATURE_ALL 0x7u

/** The Art. 33(1) deadline: 72 hours from awareness, in seconds. */
#define GDPR_BREACH_NOTIFY_SECONDS (72 * 3600)
/** Longest free text (description, consequences, measures, reasons), bytes. */
#define GDPR_BREACH_TEXT_MAX 4096u
/** Most policy categories one breach may name. */
#define GDPR_BREACH_CATEGORIES_MAX 32u

/** The decision on communicating the breach to the data subjects. */
typedef enum {
    GDPR_BREACH_UNDECIDED = 0,        /**< not decided yet */
    GDPR_BREACH_INFORM = 1,           /**< high risk: subjects told (Art. 34(1)) */
    GDPR_BREACH_NOT_HIGH_RISK = 2,    /**< not likely to result in a high risk (Art. 34(1)) */
    GDPR_BREACH_EXEMPT_PROTECTED = 3, /**< Art. 34(3)(a): data unintelligible (e.g. encrypted) */
    GDPR_BREACH_EXEMPT_MITIGATED =
        4,                        /**< Art. 34(3)(b): high risk no longer likely to materialise */
    GDPR_BREACH_PUBLIC_NOTICE = 5 /**< Art. 34(3)(c): disproportionate effort, public
                                       communication made instead */
} gdpr_breach_decision;
#define GDPR_BREACH_DECISION_MAX 5

#define GDPR_BREACH_VERSION 1u

/**
 * A breach as recorded when the controller becomes aware of it (Art.
 * 33(3)(a), (c), (d)). Transparent and versioned (GDPR_BREACH_INIT,
 * gdpr_breach_init()). Pointers are borrowed for the call; the three texts
 * may hold personal data and are stored sealed.
 */
typedef struct {
    unsigned int version;          /**< GDPR_BREACH_VERSION */
    int64_t aware_at;              /**< when the controller became aware; GDPR_NOW (default);
                                        not in the future, not before 2018-05-25 */
    int64_t occurred_at;           /**< when it happened, if known; 0: unknown */
    unsigned int nature;           /**< GDPR_BREACH_* bits, at least one */
    const char *const *categories; /**< policy category ids of the data concerned */
    size_t n_categories;           /**< 1..GDPR_BREACH_CATEGORIES_MAX */
    int64_t subjects_approx;       /**< approximate number of data subjects concerned (>= 0) */
    int64_t records_approx;        /**< approximate number of records concerned (>= 0) */
    const char *description;       /**< what happened (1..GDPR_BREACH_TEXT_MAX bytes) */
    const char *consequences;      /**< likely consequences (Art. 33(3)(c)) */
    const char *measures;          /**< measures taken or proposed (Art. 33(3)(d)) */
} gdpr_breach;

#define GDPR_BREACH_INIT                                                                           \
    {                                                                                              \
        GDPR_BREACH_VERSION, GDPR_NOW, 0, 0, NULL, 0, 0, 0, NULL, NULL, NULL                       \
    }

/**
 * Fill `b` with the defaults of version `version`.
 * @return GDPR_OK; GDPR_EINVAL (b NULL); GDPR_EVERSION.
 * @since 0.3
 */
GDPR_API int gdpr_breach_init(gdpr_breach *b, unsigned int version);

/**
 * Open a breach: its notification deadline is aware_at + 72 hours (Art.
 * 33(1)). Needs "breach.manage". Audited.
 * @param eng  the engine.
 * @param who  the acting user.
 * @param b  the breach (versioned; borrowed).
 * @param[out] breach_out  its id; may be NULL.
 * @return GDPR_OK; GDPR_EINVAL (a field breaks its rule: the message names
 *         it); GDPR_EVERSION; GDPR_EDENIED; GDPR_ESTATE (no policy);
 *         GDPR_ECRYPTO; GDPR_ESTORAGE.
 * @since 0.3
 */
GDPR_API int gdpr_breach_open(gdpr_engine *eng, const gdpr_actor *who, const gdpr_breach *b,
                              int64_t *breach_out) GDPR_WARN_UNUSED;

/**
 * Record the notification to the supervisory authority at `notified_at`
 * (GDPR_NOW; not before awareness, not in the future) with the
 * authority's `reference` (1..256 bytes, no personal data). A
 * notification after the deadline needs `late_reason` (Art. 33(1): "it
 * shall be accompanied by reasons for the delay"), stored sealed; on time
 * it may be NULL. Once only. Needs "breach.manage". Audited.
 * @return GDPR_OK; GDPR_EINVAL (time, reference, late_reason missing when
 *         late); GDPR_ENOTFOUND; GDPR_ESTATE (notified already, or judged
 *         not notifiable); GDPR_EDENIED; GDPR_ESTORAGE.
 * @since 0.3
 */
GDPR_API int gdpr_breach_notify(gdpr_engine *eng, const gdpr_actor *who, int64_t breach,
                                int64_t notified_at, const char *reference,
                                const char *late_reason) GDPR_WARN_UNUSED;

/**
 * Record that the breach is not notified because it is unlikely to result
 * in a risk to the rights and freedoms of natural persons (Art. 33(1)),
 * with the `reason` (sealed; Art. 33(5) requires the documentation to let
 * the authority verify compliance). The breach leaves the pending list.
 * Needs "breach.manage". Audited.
 * @return GDPR_OK; GDPR_EINVAL (reason); GDPR_ENOTFOUND; GDPR_ESTATE
 *         (notified already, or judged so already); GDPR_EDENIED.
 * @since 0.3
 */
GDPR_API int gdpr_breach_not_notifiable(gdpr_engine *eng, const gdpr_actor *who, int64_t breach,
                                        const char *reason) GDPR_WARN_UNUSED;

/**
 * Record the decision on communicating the breach to the data subjects:
 * GDPR_BREACH_INFORM (told at `informed_at`, required) or
 * GDPR_BREACH_PUBLIC_NOTICE (the public communication made at
 * `informed_at`, required; Art. 34(3)(c)), or a ground for not telling
 * them (GDPR_BREACH_NOT_HIGH_RISK, _EXEMPT_PROTECTED, _EXEMPT_MITIGATED;
 * `informed_at` must be 0). `note` (optional, sealed) says why. Once only.
 * Needs "breach.manage". Audited.
 * @return GDPR_OK; GDPR_EINVAL (decision, informed_at, note);
 *         GDPR_ENOTFOUND; GDPR_ESTATE (decided already); GDPR_EDENIED.
 * @since 0.3
 */
GDPR_API int gdpr_breach_decide(gdpr_engine *eng, const gdpr_actor *who, int64_t breach,
                                gdpr_breach_decision decision, int64_t informed_at,
                                const char *note) GDPR_WARN_UNUSED;

/**
 * Link a subject (the host's id; only its keyed hash is stored) to a
 * breach as affected. Linking twice is a no-op (GDPR_OK). Needs
 * "breach.manage". Audited with the subject's keyed hash.
 * @return GDPR_OK; GDPR_EINVAL (subject); GDPR_ENOTFOUND (no such
 *         breach); GDPR_EDENIED; GDPR_ESTORAGE.
 * @since 0.3
 */
GDPR_API int gdpr_breach_link(gdpr_engine *eng, const gdpr_actor *who, int64_t breach,
                              const char *subject) GDPR_WARN_UNUSED;

#define GDPR_BREACH_INFO_VERSION 1u

/** A breach's state, without its sealed texts. */
typedef struct {
    unsigned int version; /**< GDPR_BREACH_INFO_VERSION */
    int64_t id;
    int64_t aware_at, occurred_at, opened_at;
    int64_t deadline;      /**< aware_at + 72 h (Art. 33(1)) */
    unsigned int nature;   /**< GDPR_BREACH_* bits */
    char categories[1024]; /**< policy category ids, comma-separated */
    int64_t subjects_approx, records_approx;
    int64_t subjects_linked; /**< subjects linked by keyed hash */
    int64_t notified_at;     /**< 0: not notified */
    char reference[257];     /**< the authority's reference; "" */
    int late;                /**< notified after the deadline */
    int not_notifiable;      /**< judged unlikely to result in a risk (Art. 33(1)) */
    int overdue;             /**< pending and past its deadline at the list's as_of */
    gdpr_breach_decision decision;
    int64_t decided_at, informed_at;
} gdpr_breach_info;

/**
 * Zero `info` and set its version.
 * @return GDPR_OK; GDPR_EINVAL (info NULL); GDPR_EVERSION.
 * @since 0.3
 */
GDPR_API int gdpr_breach_info_init(gdpr_breach_info *info, unsigned int version);

/**
 * Read one breach (overdue judged now). Read-only.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_EVERSION; GDPR_ENOTFOUND; GDPR_ESTORAGE.
 * @since 0.3
 */
GDPR_API int gdpr_breach_get(gdpr_engine *eng, int64_t breach, gdpr_breach_info *out);

typedef int (*gdpr_breach_fn)(const gdpr_breach_info *b, void *ctx);

/** gdpr_breach_list() flags: only breaches awaiting notification whose
 *  deadline has passed at as_of, oldest deadline first. */
#define GDPR_BREACH_LIST_OVERDUE 0x1u
/** Only breaches awaiting notification (overdue or not), deadline order. */
#define GDPR_BREACH_LIST_PENDING 0x2u

/**
 * Walk breaches: all in id order, or with a GDPR_BREACH_LIST_* flag the
 * pending (or overdue) ones by deadline; `overdue` judged at `as_of`
 * (GDPR_NOW; 0 refused). Read-only.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ECALLBACK; GDPR_ESTORAGE.
 * @since 0.3
 */
GDPR_API int gdpr_breach_list(gdpr_engine *eng, int64_t as_of, unsigned int flags,
                              gdpr_breach_fn fn, void *ctx);

/**
 * The sealed texts of a breach, opened (they may hold personal data):
 * each out-pointer (may be NULL when not wanted) gets a string freed with
 * gdpr_free(), or NULL when there is none. Needs "breach.manage";
 * audited.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ENOTFOUND; GDPR_EDENIED;
 *         GDPR_ECORRUPT; GDPR_ENOMEM.
 * @since 0.3
 */
GDPR_API int gdpr_breach_texts(gdpr_engine *eng, const gdpr_actor *who, int64_t breach,
                               char **description_out, char **consequences_out, char **measures_out,
                               char **late_reason_out);

#define GDPR_BREACH_KPI_VERSION 1u

/** KPIs over the breaches the controller became aware of in [from, to). */
typedef struct {
    unsigned int version; /**< GDPR_BREACH_KPI_VERSION */
    int64_t from, to, as_of;
    int64_t total;
    int64_t notified;              /**< notified to the authority */
    int64_t on_time;               /**< notified within 72 hours of awareness */
    int64_t late;                  /**< notified after, with reasons */
    int64_t not_notifiable;        /**< judged unlikely to result in a risk */
    int64_t pending;               /**< neither, at as_of */
    int64_t overdue;               /**< pending and past the deadline at as_of */
    double median_hours_to_notify; /**< awareness -> notification; -1: none notified */
    double max_hours_to_notify;    /**< -1: none notified */
    int64_t subjects_informed;     /**< decisions INFORM or PUBLIC_NOTICE */
    int64_t subjects_not_informed; /**< decisions on an Art. 34 ground for not telling */
    int64_t undecided;             /**< no Art. 34 decision yet */
} gdpr_breach_kpi_report;

/**
 * Zero `kpis` and set its version.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_EVERSION.
 * @since 0.3
 */
GDPR_API int gdpr_breach_kpi_init(gdpr_breach_kpi_report *kpis, unsigned int version);

/**
 * KPIs of breaches with aware_at in [from, to) (either bound GDPR_NOW; 0
 * refused), judged now. Read-only.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_EVERSION; GDPR_ENOMEM; GDPR_ESTORAGE.
 * @since 0.3
 */
GDPR_API int gdpr_breach_kpis(gdpr_engine *eng, int64_t from, int64_t to,
                              gdpr_breach_kpi_report *out);

/** The stable word of a decision ("inform", "not_high_risk",
 *  "art34_3_a", "art34_3_b", "art34_3_c", "undecided"); "unknown" for
 *  any other value. Never NULL. @since 0.3 */
GDPR_API const char *gdpr_breach_decision_name(int decision);

#ifdef __cplusplus
}
#endif

#endif
