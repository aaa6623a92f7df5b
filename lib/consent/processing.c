/*
 * Lawful processing: the one question a CRM asks before using data
 * (gdpr_may_process), and the subject's objection (Art. 21) and
 * restriction (Art. 18), kept as bits of the subject row.
 * SPDX-License-Identifier: MIT
 */
#include "consent_internal.h"

#include <string.h>

#include "error.h"
#include "text.h"

GDPR_API const char *
gdpr_why_name(int code)
{
    static const char *const names[] = {
        "unknown",   "consent",   "basis",   "legal_ground", "no_consent", "withdrawn",
        "refused",   "expired",   "not_explicit", "objected", "restricted",
    };
    if (code < 1 || code >= (int)(sizeof names / sizeof names[0]))
        return names[0];
    return names[code];
}

static int
subject_limits(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES], unsigned int *limits)
{
    int rc = store_subject_flags_get(eng->st, hash, limits);

    if (rc == GDPR_ENOTFOUND) {
        *limits = 0;
        return GDPR_OK;
    }
    return rc;
}

/* Art. 21(1) reaches processing on Art. 6(1)(e) and (f). */
static int
objection_applies(policy_basis b)
{
    return b == BASIS_LEGITIMATE_INTERESTS || b == BASIS_PUBLIC_TASK;
}

static int
may_process_locked(gdpr_engine *eng, const char *subject, const char *purpose, int64_t at,
                   int *allowed_out, gdpr_why *why)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    const policy_purpose *pu;
    unsigned int limits = 0;
    int rc = engine_require_policy(eng);

    if (rc == GDPR_OK)
        rc = consent_find_purpose(eng, purpose, &pu);
    if (rc == GDPR_OK)
        rc = engine_subject_hash(eng, subject, hash);
    if (rc != GDPR_OK)
        return rc;
    if (pu->basis == BASIS_CONSENT)
        /* Art. 18(2): a restricted subject's data may still be processed
         * with consent; an objection to consent-based processing is a
         * withdrawal. */
        return consent_evaluate(eng, hash, purpose, "", pu->special, at, allowed_out, why);
    rc = subject_limits(eng, hash, &limits);
    if (rc != GDPR_OK)
        return rc;
    if (limits & STORE_SUBJECT_RESTRICTED) {
        consent_why(why, GDPR_WHY_RESTRICTED, 0, "processing is restricted (Art. 18): "
                    "only storage, unless the subject consents");
        return GDPR_OK;
    }
    if ((limits & STORE_SUBJECT_OBJECTED) && objection_applies(pu->basis)) {
        consent_why(why, GDPR_WHY_OBJECTED, 0, "the subject objected (Art. 21) to processing "
                    "based on %s", policy_basis_name(pu->basis));
        return GDPR_OK;
    }
    *allowed_out = 1;
    consent_why(why, GDPR_WHY_BASIS, 0, "purpose '%.64s' rests on %s", pu->id,
                policy_basis_name(pu->basis));
    return GDPR_OK;
}

GDPR_API int
gdpr_may_process(gdpr_engine *eng, const char *subject, const char *purpose, int64_t at,
                 int *allowed_out, gdpr_why *why_out)
{
    int rc;

    err_clear();
    if (why_out)
        memset(why_out, 0, sizeof *why_out);
    if (eng == NULL)
        return err_set(GDPR_EINVAL, "eng: must not be NULL");
    if (allowed_out == NULL)
        return err_set(GDPR_EINVAL, "allowed_out: must not be NULL");
    *allowed_out = 0;
    rc = text_check("subject", subject, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = text_check("purpose", purpose, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = consent_check_time("at", at);
    if (rc != GDPR_OK)
        return rc;
    engine_lock(eng);
    rc = may_process_locked(eng, subject, purpose, at, allowed_out, why_out);
    if (rc != GDPR_OK)
        *allowed_out = 0;
    return engine_unlock(eng, rc);
}

/* --- objection and restriction ------------------------------------------ */

typedef struct {
    permission perm;
    unsigned int set, clear;
    int create;          /* setting a limit creates the subject */
    const char *ref;     /* audit reference */
} limit_change;

static int
change_locked(gdpr_engine *eng, const gdpr_actor *who, const char *subject, const limit_change *ch)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    int64_t id = 0;
    int rc = engine_require_policy(eng);

    if (rc == GDPR_OK)
        rc = engine_subject_hash(eng, subject, hash);
    if (rc == GDPR_OK && !ch->create) {
        rc = store_subject_find(eng->st, hash, &id);
        if (rc == GDPR_ENOTFOUND)
            return err_set(GDPR_ENOTFOUND, "subject: not known to the store; nothing to lift");
    }
    if (rc == GDPR_OK)
        rc = engine_authorize(eng, who, ch->perm, hash);
    if (rc == GDPR_OK)
        rc = engine_begin(eng);
    if (rc != GDPR_OK)
        return rc;
    if (ch->create)
        rc = engine_subject_ensure(eng, subject, hash, NULL, NULL);
    if (rc == GDPR_OK)
        rc = store_subject_flags_update(eng->st, hash, ch->set, ch->clear);
    if (rc == GDPR_OK)
        rc = audit_append(eng, who, permission_name(ch->perm), hash, GDPR_OK, ch->ref);
    return engine_end(eng, rc);
}

static int
change_limits(gdpr_engine *eng, const gdpr_actor *who, const char *subject, const limit_change *ch)
{
    int rc;

    err_clear();
    if (eng == NULL)
        return err_set(GDPR_EINVAL, "eng: must not be NULL");
    rc = engine_check_actor(who);
    if (rc == GDPR_OK)
        rc = text_check("subject", subject, GDPR_NAME_MAX);
    if (rc != GDPR_OK)
        return rc;
    engine_lock(eng);
    rc = change_locked(eng, who, subject, ch);
    return engine_unlock(eng, rc);
}

GDPR_API int
gdpr_subject_object(gdpr_engine *eng, const gdpr_actor *who, const char *subject)
{
    static const limit_change ch = { PERM_SUBJECT_OBJECT, STORE_SUBJECT_OBJECTED, 0, 1,
                                     "objection recorded" };
    return change_limits(eng, who, subject, &ch);
}

GDPR_API int
gdpr_subject_unobject(gdpr_engine *eng, const gdpr_actor *who, const char *subject)
{
    static const limit_change ch = { PERM_SUBJECT_OBJECT, 0, STORE_SUBJECT_OBJECTED, 0,
                                     "objection lifted" };
    return change_limits(eng, who, subject, &ch);
}

GDPR_API int
gdpr_subject_restrict(gdpr_engine *eng, const gdpr_actor *who, const char *subject)
{
    static const limit_change ch = { PERM_SUBJECT_RESTRICT, STORE_SUBJECT_RESTRICTED, 0, 1,
                                     "restriction recorded" };
    return change_limits(eng, who, subject, &ch);
}

GDPR_API int
gdpr_subject_unrestrict(gdpr_engine *eng, const gdpr_actor *who, const char *subject)
{
    static const limit_change ch = { PERM_SUBJECT_RESTRICT, 0, STORE_SUBJECT_RESTRICTED, 0,
                                     "restriction lifted" };
    return change_limits(eng, who, subject, &ch);
}

GDPR_API int
gdpr_subject_limits(gdpr_engine *eng, const char *subject, unsigned int *limits_out)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    unsigned int flags = 0;
    int rc;

    err_clear();
    if (eng == NULL)
        return err_set(GDPR_EINVAL, "eng: must not be NULL");
    if (limits_out == NULL)
        return err_set(GDPR_EINVAL, "limits_out: must not be NULL");
    *limits_out = 0;
    rc = text_check("subject", subject, GDPR_NAME_MAX);
    if (rc != GDPR_OK)
        return rc;
    engine_lock(eng);
    rc = engine_subject_hash(eng, subject, hash);
    if (rc == GDPR_OK)
        rc = subject_limits(eng, hash, &flags);
    if (rc == GDPR_OK)
        *limits_out = ((flags & STORE_SUBJECT_OBJECTED) ? GDPR_SUBJECT_OBJECTED : 0u) |
                      ((flags & STORE_SUBJECT_RESTRICTED) ? GDPR_SUBJECT_RESTRICTED : 0u);
    return engine_unlock(eng, rc);
}
