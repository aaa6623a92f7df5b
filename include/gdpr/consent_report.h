/*
 * libgdpr: the consent report. The current consent state of every subject
 * for chosen purposes (or all), streamed as JSON or CSV through the
 * host's write callback in constant memory, for audits and for uploads to
 * vendors. Subjects appear by keyed hash unless the acting role may see
 * host ids. See docs/consent.md, "Consent report".
 *
 * Thread notes: the call takes the engine's lock for the whole walk; the
 * write callback runs with it held and may not wait for another thread
 * that uses the engine.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_CONSENT_REPORT_H
#define GDPR_CONSENT_REPORT_H

#include "gdpr/common.h"
#include "gdpr/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** States a report row can show (bits of gdpr_consent_report_options.states).
 *  "expired" is a grant whose expiry is at or before `as_of`. @since 0.3 */
#define GDPR_REPORT_GRANTED 0x1u
#define GDPR_REPORT_WITHDRAWN 0x2u
#define GDPR_REPORT_REFUSED 0x4u
#define GDPR_REPORT_EXPIRED 0x8u
#define GDPR_REPORT_STATES_ALL 0xFu

/** Flags of gdpr_consent_report_options. */
#define GDPR_REPORT_HOST_IDS 0x1u /**< name subjects by the host's id (needs "consent.read") */

/** Most purposes one report may name. */
#define GDPR_REPORT_PURPOSES_MAX 64u

#define GDPR_CONSENT_REPORT_OPTIONS_VERSION 1u

/**
 * What the report covers and how it is written. Transparent and
 * versioned: set `version` (GDPR_CONSENT_REPORT_OPTIONS_INIT or
 * gdpr_consent_report_options_init() do it). Pointers are borrowed for
 * the call.
 */
typedef struct {
    unsigned int version;        /**< GDPR_CONSENT_REPORT_OPTIONS_VERSION */
    int format;                  /**< GDPR_EXPORT_JSON or GDPR_EXPORT_CSV */
    const char *const *purposes; /**< policy purpose ids; NULL: every purpose */
    size_t n_purposes;           /**< 0..GDPR_REPORT_PURPOSES_MAX (0 with NULL) */
    unsigned int states;         /**< GDPR_REPORT_* bits; 0: all */
    int64_t from;                /**< state recorded at or after (UTC seconds); 0: no bound */
    int64_t until;               /**< state recorded before; 0: no bound */
    int64_t as_of;               /**< when expiry is judged; GDPR_NOW (the default) */
    unsigned int flags;          /**< GDPR_REPORT_HOST_IDS */
} gdpr_consent_report_options;

#define GDPR_CONSENT_REPORT_OPTIONS_INIT                                                           \
    {                                                                                              \
        GDPR_CONSENT_REPORT_OPTIONS_VERSION, GDPR_EXPORT_JSON, NULL, 0, 0, 0, 0, GDPR_NOW, 0       \
    }

/**
 * Fill `opts` with the defaults of version `version`.
 * @return GDPR_OK; GDPR_EINVAL (opts NULL); GDPR_EVERSION.
 * @since 0.3
 */
GDPR_API int gdpr_consent_report_options_init(gdpr_consent_report_options *opts,
                                              unsigned int version);

/**
 * Stream the current consent state of every subject, one row per
 * (subject, purpose, recipient), ordered by subject hash, then purpose and
 * recipient. JSON: {"report":"consent","generated":T,"as_of":T,
 * "subject_id":"keyed_hash"|"host_id","purposes":[..]|null,"states":[..],
 * "from":T|null,"until":T|null,"rows":[{"subject":..,"purpose":..,
 * "recipient":..|null,"state":"granted"|"withdrawn"|"refused"|"expired",
 * "since":T,"event":N,"expires":T|null,"explicit":B},..],"count":N}.
 * CSV (RFC 4180, CRLF): a header line
 * subject,purpose,recipient,state,since,event,expires,explicit and one
 * line per row. Memory does not grow with the number of rows (a 64 KiB
 * buffer handed to `write` as it fills).
 * Needs "consent.report"; with GDPR_REPORT_HOST_IDS also "consent.read"
 * (host ids are personal data): a refusal names the permission and is
 * audited. The report itself is audited before the first byte is written.
 * A subject whose key is gone (erased) shows by keyed hash even with host
 * ids.
 * @param eng  the engine.
 * @param who  the acting user.
 * @param opts  what to report (versioned; borrowed).
 * @param write  receives the output in pieces; non-zero stops (GDPR_ECALLBACK).
 * @param ctx  handed to `write`.
 * @param[out] rows_out  the rows written; may be NULL.
 * @return GDPR_OK; GDPR_EINVAL (a field of opts breaks its rule: unknown
 *         purpose, bad format, states, times; the message names it);
 *         GDPR_EVERSION; GDPR_EDENIED; GDPR_ESTATE (no policy);
 *         GDPR_ECALLBACK; GDPR_ECORRUPT (an edited state row); GDPR_ESTORAGE.
 * @since 0.3
 */
GDPR_API int gdpr_consent_report(gdpr_engine *eng, const gdpr_actor *who,
                                 const gdpr_consent_report_options *opts, gdpr_write_fn write,
                                 void *ctx, int64_t *rows_out) GDPR_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
