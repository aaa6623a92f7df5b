/*
 * The access log's public calls: a consultation the host logs
 * (gdpr_access_record) and the resolution of a staff reference
 * (gdpr_access_resolve). lib/core/access.c keeps the log.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "error.h"
#include "gdpr/vault.h"
#include "text.h"

static int
record_locked(gdpr_engine *eng, const gdpr_actor *who, const char *subject, const char *purpose,
              const char *reason)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    int64_t id = 0;
    int rc = gdpr_engine__require_policy(eng);

    if (rc == GDPR_OK && gdpr_policy__find_purpose(eng->policy, purpose) == NULL)
        rc = gdpr__err_set(GDPR_EINVAL, "purpose: '%.64s' is not a purpose of the policy", purpose);
    if (rc == GDPR_OK)
        rc = gdpr_engine__subject_hash(eng, subject, hash);
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_VAULT_GET, hash);
    if (rc == GDPR_OK) {
        rc = gdpr_store__subject_find(eng->st, hash, &id);
        if (rc == GDPR_ENOTFOUND)
            rc = gdpr__err_set(GDPR_ENOTFOUND, "subject: the store holds no such subject");
    }
    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_engine__begin(eng);
    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_access__log(eng, who, hash, PERM_VAULT_GET, purpose, 0, reason);
    return gdpr_engine__end(eng, rc);
}

GDPR_API int
gdpr_access_record(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                   const char *purpose, const char *reason)
{
    int rc = gdpr_engine__enter_subject(eng, who, subject);

    if (rc == GDPR_OK)
        rc = gdpr_text__check("purpose", purpose, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = gdpr_text__check_optional("reason", reason, GDPR_ACCESS_REASON_MAX);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = record_locked(eng, who, subject, purpose, reason);
    return gdpr_engine__unlock(eng, rc);
}

typedef struct {
    gdpr_engine *eng;
    const char *ref;
    char *found;
    int rc;
} resolve_walk;

static int
match_ref(const store_access_row *row, void *ctx)
{
    resolve_walk *w = ctx;
    char ref[GDPR_ACCESS_REF_LEN + 1];

    w->rc = gdpr_access__staff_ref(w->eng, row->actor, ref);
    if (w->rc != GDPR_OK)
        return 1;
    if (strcmp(ref, w->ref) != 0)
        return 0;
    w->found = gdpr_text__dup(row->actor);
    if (w->found == NULL)
        w->rc = gdpr__err_set(GDPR_ENOMEM, "out of memory resolving a staff reference");
    return 1;
}

static int
check_ref(const char *ref)
{
    int rc = gdpr_text__check("ref", ref, GDPR_ACCESS_REF_LEN);

    if (rc != GDPR_OK)
        return rc;
    if (strlen(ref) != GDPR_ACCESS_REF_LEN || strncmp(ref, "staff-", 6) != 0 ||
        strspn(ref + 6, "0123456789abcdef") != GDPR_ACCESS_REF_LEN - 6)
        return gdpr__err_set(GDPR_EINVAL,
                             "ref: '%.48s' is not a staff reference (\"staff-\" and 32 "
                             "lower-case hex digits, as the export gives it)",
                             ref);
    return GDPR_OK;
}

static int
resolve_locked(gdpr_engine *eng, const gdpr_actor *who, const char *ref, char **actor_out)
{
    resolve_walk w;
    char audit_ref[64];
    int rc = gdpr_engine__require_policy(eng);

    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_STAFF_RESOLVE, NULL);
    if (rc != GDPR_OK)
        return rc;
    memset(&w, 0, sizeof w);
    w.eng = eng;
    w.ref = ref;
    rc = gdpr_store__access_foreach(eng->st, NULL, match_ref, &w);
    if (rc == GDPR_ECALLBACK || (rc == GDPR_OK && w.rc != GDPR_OK)) {
        gdpr__err_clear();
        rc = w.rc;
    }
    if (rc == GDPR_OK && w.found == NULL)
        rc = gdpr__err_set(GDPR_ENOTFOUND,
                           "ref: no logged consultation was made by the staff member '%s' stands "
                           "for",
                           ref);
    if (rc == GDPR_OK)
        rc = gdpr_engine__begin(eng);
    if (rc == GDPR_OK) {
        snprintf(audit_ref, sizeof audit_ref, "resolved %s", ref);
        rc = gdpr_engine__end(eng, gdpr_audit__append(eng, who,
                                                      gdpr_permission__name(PERM_STAFF_RESOLVE),
                                                      NULL, GDPR_OK, audit_ref));
    }
    if (rc != GDPR_OK) {
        free(w.found);
        return rc;
    }
    *actor_out = w.found;
    return GDPR_OK;
}

GDPR_API int
gdpr_access_resolve(gdpr_engine *eng, const gdpr_actor *who, const char *ref, char **actor_out)
{
    int rc;

    if (actor_out)
        *actor_out = NULL;
    rc = gdpr_engine__enter(eng, who);
    if (rc == GDPR_OK && actor_out == NULL)
        rc = gdpr__err_set(GDPR_EINVAL, "actor_out: must not be NULL");
    if (rc == GDPR_OK)
        rc = check_ref(ref);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = resolve_locked(eng, who, ref, actor_out);
    return gdpr_engine__unlock(eng, rc);
}
