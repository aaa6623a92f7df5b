/*
 * A subject's objection (Art. 21) and restriction (Art. 18), kept as bits
 * of the subject row: set and lifted here, weighed by gdpr_may_process
 * (lib/consent) and by the restriction check (lib/core/restrict.c).
 * SPDX-License-Identifier: MIT
 */
#include "engine.h"

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "gdpr/consent.h"
#include "text.h"

int
gdpr_engine__subject_limits(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
                            unsigned int *limits)
{
    int rc = gdpr_store__subject_flags_get(eng->st, hash, limits);

    if (rc == GDPR_ENOTFOUND) {
        *limits = 0;
        return GDPR_OK;
    }
    return rc;
}

/* --- objection and restriction ------------------------------------------ */

/* Whether an objection row for `purpose` exists (no message when not). */
static int
objection_on(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES], const char *purpose, int *on)
{
    int64_t at;
    int rc = gdpr_store__objection_get(eng->st, hash, purpose, &at);

    *on = rc == GDPR_OK;
    return rc == GDPR_ENOTFOUND ? GDPR_OK : rc;
}

typedef struct {
    permission perm;
    unsigned int set, clear;
    int create;      /* setting a limit creates the subject */
    const char *ref; /* audit reference */
    int marketing;   /* also object to all direct marketing (Art. 21(2)) */
} limit_change;

static int
change_locked(gdpr_engine *eng, const gdpr_actor *who, const char *subject, const limit_change *ch)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    int64_t id = 0;
    int rc = gdpr_engine__require_policy(eng);

    if (rc == GDPR_OK)
        rc = gdpr_engine__subject_hash(eng, subject, hash);
    if (rc == GDPR_OK && !ch->create) {
        rc = gdpr_store__subject_find(eng->st, hash, &id);
        if (rc == GDPR_ENOTFOUND)
            return gdpr__err_set(GDPR_ENOTFOUND,
                                 "subject: not known to the store; nothing to lift");
    }
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, ch->perm, hash);
    if (rc == GDPR_OK)
        rc = gdpr_engine__begin(eng);
    if (rc != GDPR_OK)
        return rc;
    if (ch->create)
        rc = gdpr_engine__subject_ensure_hashed(eng, subject, hash, NULL, NULL);
    if (rc == GDPR_OK)
        rc = gdpr_store__subject_flags_update(eng->st, hash, ch->set, ch->clear);
    if (rc == GDPR_OK && ch->marketing)
        rc = gdpr_store__objection_put(eng->st, hash, STORE_OBJECTION_ALL_MARKETING,
                                       gdpr_engine__now(eng));
    if (rc == GDPR_OK)
        rc = gdpr_audit__append(eng, who, gdpr_permission__name(ch->perm), hash, GDPR_OK, ch->ref);
    return gdpr_engine__end(eng, rc);
}

static int
change_limits(gdpr_engine *eng, const gdpr_actor *who, const char *subject, const limit_change *ch)
{
    int rc;

    gdpr__err_clear();
    rc = gdpr_engine__enter_subject(eng, who, subject);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = change_locked(eng, who, subject, ch);
    return gdpr_engine__unlock(eng, rc);
}

/* What each of the four calls below sets or clears, and how it is audited. */
static const limit_change limit_object = {
    PERM_SUBJECT_OBJECT, STORE_SUBJECT_OBJECTED, 0, 1, "objection recorded", 1};
static const limit_change limit_unobject = {PERM_SUBJECT_OBJECT, 0, STORE_SUBJECT_OBJECTED, 0,
                                            "objection lifted",  0};
static const limit_change limit_restrict = {
    PERM_SUBJECT_RESTRICT, STORE_SUBJECT_RESTRICTED, 0, 1, "restriction recorded", 0};
static const limit_change limit_unrestrict = {PERM_SUBJECT_RESTRICT, 0, STORE_SUBJECT_RESTRICTED, 0,
                                              "restriction lifted",  0};

/* The four public calls differ only in the change they make (above): one
 * definition generated for each, so they cannot drift apart.
 * tests/docs/error-codes.py reads each LIMIT_CALL line as a definition
 * whose body is the macro's. */
#define LIMIT_CALL(fn, change)                                                                     \
    GDPR_API int fn(gdpr_engine *eng, const gdpr_actor *who, const char *subject)                  \
    {                                                                                              \
        return change_limits(eng, who, subject, &(change));                                        \
    }

/* Art. 21(1): a general objection; creates the subject if new. Lifted only
 * for a subject the store knows. */
LIMIT_CALL(gdpr_subject_object, limit_object)
LIMIT_CALL(gdpr_subject_unobject, limit_unobject)
/* Art. 18(1): storage only from now on; creates the subject if new.
 * Lifting it: Art. 18(3) has the controller tell the subject first. */
LIMIT_CALL(gdpr_subject_restrict, limit_restrict)
LIMIT_CALL(gdpr_subject_unrestrict, limit_unrestrict)

GDPR_API int
gdpr_subject_limits(gdpr_engine *eng, const char *subject, unsigned int *limits_out)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    unsigned int flags = 0;
    int marketing = 0;
    int rc;

    gdpr__err_clear();
    if (gdpr_engine__check_given(eng, limits_out != NULL, "limits_out") != GDPR_OK)
        return GDPR_EINVAL;
    *limits_out = 0;
    /* gdpr_engine__subject_hash checks the subject's text. */
    gdpr_engine__lock(eng);
    rc = gdpr_engine__subject_hash(eng, subject, hash);
    if (rc == GDPR_OK)
        rc = gdpr_engine__subject_limits(eng, hash, &flags);
    if (rc == GDPR_OK)
        rc = objection_on(eng, hash, STORE_OBJECTION_ALL_MARKETING, &marketing);
    if (rc == GDPR_OK)
        *limits_out = ((flags & STORE_SUBJECT_OBJECTED) ? GDPR_SUBJECT_OBJECTED : 0u) |
                      ((flags & STORE_SUBJECT_RESTRICTED) ? GDPR_SUBJECT_RESTRICTED : 0u) |
                      (marketing ? GDPR_SUBJECT_MARKETING_OBJECTED : 0u);
    return gdpr_engine__unlock(eng, rc);
}

/* --- objections per purpose (Art. 21) ------------------------------------ */

int
gdpr_engine__objected(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
                      const policy_purpose *pu, int *objected_out)
{
    unsigned int limits = 0;
    int rc;

    *objected_out = 0;
    if (!pu->direct_marketing && pu->basis != BASIS_LEGITIMATE_INTERESTS &&
        pu->basis != BASIS_PUBLIC_TASK)
        return GDPR_OK;
    rc = gdpr_engine__subject_limits(eng, hash, &limits);
    if (rc != GDPR_OK)
        return rc;
    if (limits & STORE_SUBJECT_OBJECTED) {
        *objected_out = 1;
        return GDPR_OK;
    }
    if (pu->direct_marketing) {
        rc = objection_on(eng, hash, STORE_OBJECTION_ALL_MARKETING, objected_out);
        if (rc != GDPR_OK || *objected_out)
            return rc;
    }
    return objection_on(eng, hash, pu->id, objected_out);
}

/* The purpose argument: GDPR_OBJECT_ALL_MARKETING or a purpose of the
 * policy; *pu_out is NULL for the former. */
static int
objection_purpose(gdpr_engine *eng, const char *purpose, const policy_purpose **pu_out)
{
    *pu_out = NULL;
    if (strcmp(purpose, GDPR_OBJECT_ALL_MARKETING) == 0)
        return GDPR_OK;
    *pu_out = gdpr_policy__find_purpose(eng->policy, purpose);
    if (*pu_out == NULL)
        return gdpr__err_set(GDPR_EINVAL, "purpose: '%.64s' is not a purpose of the policy",
                             purpose);
    return GDPR_OK;
}

static int
object_purpose_locked(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                      const char *purpose)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    const policy_purpose *pu = NULL;
    char ref[128];
    int rc = gdpr_engine__require_policy(eng);

    if (rc == GDPR_OK)
        rc = objection_purpose(eng, purpose, &pu);
    if (rc == GDPR_OK && pu != NULL && !pu->direct_marketing && pu->basis != BASIS_PUBLIC_TASK &&
        pu->basis != BASIS_LEGITIMATE_INTERESTS)
        rc = gdpr__err_set(GDPR_EINVAL,
                           "purpose: '%.64s' rests on %s; Art. 21(1) reaches only public_task "
                           "and legitimate_interests (consent is withdrawn instead, Art. 7(3))",
                           pu->id, gdpr_policy__basis_name(pu->basis));
    if (rc == GDPR_OK)
        rc = gdpr_engine__subject_hash(eng, subject, hash);
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_SUBJECT_OBJECT, hash);
    if (rc == GDPR_OK)
        rc = gdpr_engine__begin(eng);
    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_store__objection_put(eng->st, hash, purpose, gdpr_engine__now(eng));
    snprintf(ref, sizeof ref, "objection recorded: %.64s", purpose);
    if (rc == GDPR_OK)
        rc = gdpr_audit__append(eng, who, "subject.object", hash, GDPR_OK, ref);
    return gdpr_engine__end(eng, rc);
}

GDPR_API int
gdpr_subject_object_purpose(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                            const char *purpose)
{
    int rc;

    gdpr__err_clear();
    rc = gdpr_engine__enter_subject(eng, who, subject);
    if (rc == GDPR_OK)
        rc = gdpr_text__check("purpose", purpose, GDPR_NAME_MAX);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = object_purpose_locked(eng, who, subject, purpose);
    return gdpr_engine__unlock(eng, rc);
}

static int
unobject_purpose_locked(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                        const char *purpose, int reason)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    const policy_purpose *pu = NULL;
    char ref[160];
    int rc = gdpr_engine__require_policy(eng);

    if (rc == GDPR_OK)
        rc = objection_purpose(eng, purpose, &pu);
    /* Art. 21(3): once the subject objects to direct marketing the data
     * "shall no longer be processed" for it: no ground of the controller
     * outweighs that; only the subject can take it back. */
    if (rc == GDPR_OK && reason == GDPR_LIFT_COMPELLING_GROUNDS &&
        (pu == NULL || pu->direct_marketing))
        rc = gdpr__err_set(GDPR_EINVAL,
                           "reason: an objection to direct marketing ('%.64s') is absolute "
                           "(Art. 21(3)); only the subject can take it back",
                           purpose);
    if (rc == GDPR_OK)
        rc = gdpr_engine__subject_hash(eng, subject, hash);
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_SUBJECT_OBJECT, hash);
    if (rc == GDPR_OK)
        rc = gdpr_engine__begin(eng);
    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_store__objection_delete(eng->st, hash, purpose);
    snprintf(ref, sizeof ref, "objection lifted: %.64s (%s)", purpose,
             reason == GDPR_LIFT_BY_SUBJECT ? "by the subject" : "compelling legitimate grounds");
    if (rc == GDPR_OK)
        rc = gdpr_audit__append(eng, who, "subject.object", hash, GDPR_OK, ref);
    return gdpr_engine__end(eng, rc);
}

GDPR_API int
gdpr_subject_unobject_purpose(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                              const char *purpose, int reason)
{
    int rc;

    gdpr__err_clear();
    rc = gdpr_engine__enter_subject(eng, who, subject);
    if (rc == GDPR_OK)
        rc = gdpr_text__check("purpose", purpose, GDPR_NAME_MAX);
    if (rc == GDPR_OK && reason != GDPR_LIFT_BY_SUBJECT && reason != GDPR_LIFT_COMPELLING_GROUNDS)
        rc = gdpr__err_set(GDPR_EINVAL,
                           "reason: %d is not GDPR_LIFT_BY_SUBJECT (1) or "
                           "GDPR_LIFT_COMPELLING_GROUNDS (2)",
                           reason);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = unobject_purpose_locked(eng, who, subject, purpose, reason);
    return gdpr_engine__unlock(eng, rc);
}
