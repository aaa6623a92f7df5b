/*
 * A subject's objection (Art. 21) and restriction (Art. 18), kept as bits
 * of the subject row: set and lifted here, weighed by gdpr_may_process
 * (lib/consent) and by the restriction check (lib/core/restrict.c).
 * SPDX-License-Identifier: MIT
 */
#include "engine.h"

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

typedef struct {
    permission perm;
    unsigned int set, clear;
    int create;      /* setting a limit creates the subject */
    const char *ref; /* audit reference */
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
        rc = gdpr_engine__subject_ensure(eng, subject, hash, NULL, NULL);
    if (rc == GDPR_OK)
        rc = gdpr_store__subject_flags_update(eng->st, hash, ch->set, ch->clear);
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

GDPR_API int
gdpr_subject_object(gdpr_engine *eng, const gdpr_actor *who, const char *subject)
{
    static const limit_change ch = {PERM_SUBJECT_OBJECT, STORE_SUBJECT_OBJECTED, 0, 1,
                                    "objection recorded"};
    return change_limits(eng, who, subject, &ch);
}

GDPR_API int
gdpr_subject_unobject(gdpr_engine *eng, const gdpr_actor *who, const char *subject)
{
    static const limit_change ch = {PERM_SUBJECT_OBJECT, 0, STORE_SUBJECT_OBJECTED, 0,
                                    "objection lifted"};
    return change_limits(eng, who, subject, &ch);
}

GDPR_API int
gdpr_subject_restrict(gdpr_engine *eng, const gdpr_actor *who, const char *subject)
{
    static const limit_change ch = {PERM_SUBJECT_RESTRICT, STORE_SUBJECT_RESTRICTED, 0, 1,
                                    "restriction recorded"};
    return change_limits(eng, who, subject, &ch);
}

GDPR_API int
gdpr_subject_unrestrict(gdpr_engine *eng, const gdpr_actor *who, const char *subject)
{
    static const limit_change ch = {PERM_SUBJECT_RESTRICT, 0, STORE_SUBJECT_RESTRICTED, 0,
                                    "restriction lifted"};
    return change_limits(eng, who, subject, &ch);
}

GDPR_API int
gdpr_subject_limits(gdpr_engine *eng, const char *subject, unsigned int *limits_out)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    unsigned int flags = 0;
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
        *limits_out = ((flags & STORE_SUBJECT_OBJECTED) ? GDPR_SUBJECT_OBJECTED : 0u) |
                      ((flags & STORE_SUBJECT_RESTRICTED) ? GDPR_SUBJECT_RESTRICTED : 0u);
    return gdpr_engine__unlock(eng, rc);
}
