/*
 * Lawful processing: the one question a CRM asks before using data
 * (gdpr_may_process). The objection and restriction it weighs are
 * subject state kept by core (lib/core/limits.c).
 * SPDX-License-Identifier: MIT
 */
#include "consent_internal.h"

#include <string.h>

#include "calendar.h"
#include "error.h"
#include "text.h"

GDPR_API const char *
gdpr_why_name(int code)
{
    static const char *const names[] = {
        "unknown",
        "consent",
        "basis",
        "legal_ground",
        "no_consent",
        "withdrawn",
        "refused",
        "expired",
        "not_explicit",
        "objected",
        "restricted",
        "no_art9_condition",
        "automated_special_category",
        "gpc",
    };
    if (code < 1 || code >= (int)(sizeof names / sizeof names[0]))
        return names[0];
    return names[code];
}

static int
may_process_locked(gdpr_engine *eng, const char *subject, const char *purpose, int64_t at,
                   int *allowed_out, gdpr_why *why)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    const policy_purpose *pu;
    unsigned int limits = 0;
    int objected = 0;
    int rc = gdpr_consent__resolve(eng, subject, purpose, &pu, hash);

    if (rc == GDPR_OK)
        rc = gdpr_engine__objected(eng, hash, pu, &objected);
    if (rc != GDPR_OK)
        return rc;
    /* Art. 21(3): after an objection to direct marketing the data "shall
     * no longer be processed" for it: asked before consent, which cannot
     * override it. */
    if (objected && pu->direct_marketing) {
        gdpr_consent__why(why, GDPR_WHY_OBJECTED, 0,
                          "the subject objected to direct marketing (Art. 21(2)-(3)): "
                          "absolute, whatever the basis of '%.64s'",
                          pu->id);
        return GDPR_OK;
    }
    /* Art. 9(1) prohibits special categories unless a condition of 9(2)
     * applies: none named, no processing. */
    if (pu->special && pu->art9 == 0) {
        gdpr_consent__why(why, GDPR_WHY_NO_ART9_CONDITION, 0,
                          "purpose '%.64s' processes a special category and the policy names "
                          "no Art. 9(2) condition for it (Art. 9(1))",
                          pu->id);
        return GDPR_OK;
    }
    /* Art. 22(4): an automated decision may rest on special categories
     * only under Art. 9(2)(a) or (g) with suitable measures in place. */
    if (!gdpr_policy__automated_special_ok(pu)) {
        gdpr_consent__why(why, GDPR_WHY_ART22_4, 0,
                          "purpose '%.64s' makes an automated decision (Art. 22) on a special "
                          "category without Art. 9(2)(a) or (g) and suitable measures "
                          "(Art. 22(4))",
                          pu->id);
        return GDPR_OK;
    }
    /* Art. 9(2)(a) on another Art. 6 basis: the explicit consent is needed
     * too; with it, an Art. 18 restriction yields (18(2)) but an
     * Art. 21(1) objection to the basis still stops it. */
    if (pu->art9 == 'a' && pu->basis != BASIS_CONSENT) {
        rc = gdpr_consent__evaluate(eng, hash, purpose, "", 1, at, allowed_out, why);
        if (rc != GDPR_OK || !*allowed_out)
            return rc;
        if (objected) {
            *allowed_out = 0;
            gdpr_consent__why(why, GDPR_WHY_OBJECTED, 0,
                              "the subject objected (Art. 21(1)) to processing based on %s",
                              gdpr_policy__basis_name(pu->basis));
        }
        return GDPR_OK;
    }
    if (pu->basis == BASIS_CONSENT)
        /* Art. 18(2): a restricted subject's data may still be processed
         * with consent; an objection to consent-based processing is a
         * withdrawal. */
        return gdpr_consent__evaluate(eng, hash, purpose, "", pu->special, at, allowed_out, why);
    rc = gdpr_engine__subject_limits(eng, hash, &limits);
    if (rc != GDPR_OK)
        return rc;
    if (limits & STORE_SUBJECT_RESTRICTED) {
        gdpr_consent__why(why, GDPR_WHY_RESTRICTED, 0,
                          "processing is restricted (Art. 18): "
                          "only storage, unless the subject consents");
        return GDPR_OK;
    }
    if (objected) {
        gdpr_consent__why(why, GDPR_WHY_OBJECTED, 0,
                          "the subject objected (Art. 21(1)) to processing "
                          "based on %s",
                          gdpr_policy__basis_name(pu->basis));
        return GDPR_OK;
    }
    /* A GPC signal against a purpose the policy marks sale, sharing or
     * targeted advertising that rests on another basis: an objection by
     * automated means (Art. 21(5)). Consent-based ones were withdrawn in
     * the ledger when the signal came (lib/consent/signal.c). */
    if (gdpr_policy__gpc_purpose(eng->policy, pu->id) != NULL) {
        int64_t signal = 0, when = 0;
        rc = gdpr_store__signal_latest(eng->st, hash, STORE_SIGNAL_GPC, at, &signal, &when);
        if (rc == GDPR_OK) {
            char text[21];
            gdpr_calendar__format_time(when, text);
            gdpr_consent__why(
                why, GDPR_WHY_GPC, 0,
                "a Global Privacy Control signal (signal %lld, %s) opts the "
                "subject out of '%.64s' (%s): an objection by automated means, "
                "Art. 21(5)",
                (long long)signal, text, pu->id,
                gdpr_policy__gpc_kind_name(gdpr_policy__gpc_purpose(eng->policy, pu->id)->kind));
            return GDPR_OK;
        }
        if (rc != GDPR_ENOTFOUND)
            return rc;
        gdpr__err_clear();
    }
    *allowed_out = 1;
    gdpr_consent__why(why, GDPR_WHY_BASIS, 0, "purpose '%.64s' rests on %s", pu->id,
                      gdpr_policy__basis_name(pu->basis));
    return GDPR_OK;
}

GDPR_API int
gdpr_may_process(gdpr_engine *eng, const char *subject, const char *purpose, int64_t at,
                 int *allowed_out, gdpr_why *why_out)
{
    int rc;

    rc = gdpr_consent__answer_start(eng, allowed_out, why_out);
    if (rc == GDPR_OK)
        rc = gdpr_consent__check_question(eng, subject, purpose, &at);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = may_process_locked(eng, subject, purpose, at, allowed_out, why_out);
    if (rc != GDPR_OK)
        *allowed_out = 0;
    return gdpr_engine__unlock(eng, rc);
}
