/*
 * libgdpr: the record of processing activities (Art. 30(1)), built from
 * the policy in force (controller, purposes, categories, recipients,
 * retention, and the Art. 30 sections: data subjects, security measures,
 * joint controllers, representative, processing record), the adequacy
 * list in force and the safeguards register. One entry per purpose. JSON,
 * or CSV with the columns of the UK ICO's documentation template for
 * controllers. See docs/ropa.md.
 *
 * Thread notes: takes the engine's lock; the write callback runs with it
 * held.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_ROPA_H
#define GDPR_ROPA_H

#include "gdpr/common.h"
#include "gdpr/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Write the record of processing activities, one entry per purpose of
 * the policy, in `format`:
 * - GDPR_EXPORT_JSON: {"record":"GDPR Art. 30(1)","generated":T,"as_of":T,
 *   "policy_version":N,"adequacy_list":{"updated":D,"version":N},
 *   "controller":{..},"dpo":..,"representative":{..}|null,
 *   "joint_controllers":[..],"security_measures":{..},
 *   "activities":[{"purpose":..,"description":..,"business_function":..,
 *   "legal_basis":..,"art9_condition":..,"joint_controllers":[..],
 *   "data_subjects":[..],"data_categories":[..],"recipients":[..],
 *   "transfers":[..],"retention":[..],"security_measures":..,
 *   "rights":[..],"automated_decision":..,"source":..,"location":..,
 *   "breaches":[ids of breaches whose categories include the purpose's]},..]}
 * - GDPR_EXPORT_CSV: RFC 4180, a header with the 30 columns of the ICO's
 *   template in its order, then the controller, DPO and representative
 *   (Art. 30(1)(a)), one line per purpose; the breach columns (24, 25)
 *   from the breach register.
 * Transfers are judged at `as_of`: EEA (none listed), an adequacy decision
 * in force and in scope, the recipient's Art. 46 safeguards valid then
 * (policy and register, revoked ones left out), an Art. 49 derogation the
 * policy names, or "none" (a transfer would be refused).
 * The policy must hold the sections "data_subjects", "processing_record"
 * and "security_measures" (GDPR_ESTATE names the one missing). Needs
 * "ropa.export"; audited.
 * @param eng  the engine.
 * @param who  the acting user.
 * @param format  GDPR_EXPORT_JSON or GDPR_EXPORT_CSV.
 * @param as_of  when transfers are judged (UTC seconds) or GDPR_NOW; 0 refused.
 * @param write  receives the output in pieces; non-zero stops (GDPR_ECALLBACK).
 * @param ctx  handed to `write`.
 * @return GDPR_OK; GDPR_EINVAL (format, as_of, write NULL); GDPR_EDENIED;
 *         GDPR_ESTATE (no policy, or a section missing); GDPR_ECALLBACK;
 *         GDPR_ESTORAGE.
 * @since 0.3
 */
GDPR_API int gdpr_ropa_export(gdpr_engine *eng, const gdpr_actor *who, int format, int64_t as_of,
                              gdpr_write_fn write, void *ctx) GDPR_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
