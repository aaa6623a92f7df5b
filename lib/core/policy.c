/*
 * Loading the policy: parse (SQLite), validate whole (policy_model.c),
 * then store a new version and swap it in. A refused document changes
 * nothing.
 * SPDX-License-Identifier: MIT
 */
#include "engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "file.h"
#include "schedule.h"
#include "gdpr/policy.h"
#include "text.h"

#define POLICY_MAX_BYTES (4u << 20)

static int
parse_policy(gdpr_engine *eng, const char *json, policy_model **out)
{
    json_node *root = NULL;
    int rc = gdpr_store__json_parse(eng->st, json, &root);

    if (rc == GDPR_OK)
        rc = gdpr_policy__model_build(root, out);
    gdpr_json__free(root);
    if (rc == GDPR_OK) {
        (*out)->document = gdpr_text__dup(json);
        if ((*out)->document == NULL) {
            gdpr_policy__model_free(*out);
            *out = NULL;
            rc = GDPR_ENOMEM;
        }
    }
    return rc;
}

int
gdpr_policy__restore(gdpr_engine *eng)
{
    uint8_t sha[CRYPTO_HASH_BYTES];
    char *doc = NULL;
    int64_t version = 0;
    policy_model *model = NULL;
    int rc = gdpr_store__policy_latest(eng->st, &version, sha, &doc);

    if (rc == GDPR_ENOTFOUND)
        return GDPR_OK;
    if (rc == GDPR_OK)
        rc = parse_policy(eng, doc, &model);
    free(doc);
    if (rc != GDPR_OK)
        return gdpr__err_wrap(rc == GDPR_EINVAL ? GDPR_ECORRUPT : rc, "stored policy version %lld",
                              (long long)version);
    model->version = version;
    memcpy(model->sha256, sha, sizeof sha);
    eng->policy = model;
    return GDPR_OK;
}

int
gdpr_policy__refresh(gdpr_engine *eng)
{
    policy_model *old = eng->policy;
    int64_t version = 0;
    int rc = gdpr_store__policy_version(eng->st, &version);

    if (rc != GDPR_OK || version == 0 || (old != NULL && old->version == version))
        return rc;
    /* Another engine loaded a newer policy. Called at the outermost lock
     * only, so no caller holds a pointer into the old model. */
    eng->policy = NULL;
    rc = gdpr_policy__restore(eng);
    if (rc != GDPR_OK) {
        eng->policy = old;
        return rc;
    }
    if (eng->policy == NULL) {
        eng->policy = old;
        return GDPR_OK;
    }
    gdpr_policy__model_free(old);
    return GDPR_OK;
}

static int
load_locked(gdpr_engine *eng, const gdpr_actor *who, const char *json)
{
    uint8_t sha[CRYPTO_HASH_BYTES];
    policy_model *model = NULL;
    char ref[64];
    int64_t version = 0;
    int rc;

    /* Validate first: a bad document is refused before any check that
     * could write (a refused permission is audited). */
    rc = parse_policy(eng, json, &model);
    if (rc == GDPR_OK)
        rc = gdpr_policy__model_check_new(model);
    if (rc == GDPR_OK)
        rc = gdpr_crypto__sha256(json, strlen(json), sha);
    if (rc != GDPR_OK) {
        gdpr_policy__model_free(model);
        return rc;
    }
    /* The first policy has no roles to consult yet: whoever initialises
     * the store loads it (docs/policy.md). */
    if (eng->policy != NULL)
        rc = gdpr_engine__authorize(eng, who, PERM_POLICY_LOAD, NULL);
    if (rc == GDPR_OK)
        rc = gdpr_engine__begin(eng);
    if (rc != GDPR_OK) {
        gdpr_policy__model_free(model);
        return rc;
    }
    if (eng->policy != NULL && gdpr_crypto__equal(eng->policy->sha256, sha, sizeof sha)) {
        snprintf(ref, sizeof ref, "policy v%lld unchanged", (long long)eng->policy->version);
        rc = gdpr_audit__append(eng, who, gdpr_permission__name(PERM_POLICY_LOAD), NULL, GDPR_OK,
                                ref);
        gdpr_policy__model_free(model);
        return gdpr_engine__end(eng, rc);
    }
    rc = gdpr_store__policy_insert(eng->st, gdpr_engine__now(eng), who->id, sha, json, &version);
    if (rc == GDPR_OK) /* due times under changed retention rules (lib/retention.c) */
        rc = gdpr_schedule__policy_changed(eng, eng->policy, model);
    snprintf(ref, sizeof ref, "policy v%lld", (long long)version);
    if (rc == GDPR_OK)
        rc = gdpr_audit__append(eng, who, gdpr_permission__name(PERM_POLICY_LOAD), NULL, GDPR_OK,
                                ref);
    rc = gdpr_engine__end(eng, rc);
    if (rc != GDPR_OK) {
        gdpr_policy__model_free(model);
        return rc;
    }
    model->version = version;
    memcpy(model->sha256, sha, sizeof sha);
    gdpr_policy__model_free(eng->policy);
    eng->policy = model;
    return GDPR_OK;
}

static int
check_load_args(gdpr_engine *eng, const gdpr_actor *who)
{
    return gdpr_engine__enter(eng, who);
}

static int
check_document(const char *json, const char *origin)
{
    size_t len;
    size_t bad;

    if (json == NULL)
        return gdpr__err_set(GDPR_EINVAL, "json: must not be NULL");
    len = strnlen(json, POLICY_MAX_BYTES + 1);
    if (len == 0)
        return gdpr__err_set(GDPR_EINVAL, "%s: empty document", origin);
    if (len > POLICY_MAX_BYTES)
        return gdpr__err_set(GDPR_EINVAL, "%s: larger than %u bytes", origin, POLICY_MAX_BYTES);
    if (gdpr__utf8_check(json, len, &bad) != 0)
        return gdpr__err_set(GDPR_EINVAL, "%s: not valid UTF-8 (byte %zu)", origin, bad);
    return GDPR_OK;
}

GDPR_API int
gdpr_policy_load_string(gdpr_engine *eng, const gdpr_actor *who, const char *json)
{
    int rc = check_load_args(eng, who);

    if (rc == GDPR_OK)
        rc = check_document(json, "json");
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = load_locked(eng, who, json);
    if (rc == GDPR_EINVAL)
        rc = gdpr__err_wrap(rc, "policy");
    return gdpr_engine__unlock(eng, rc);
}

GDPR_API int
gdpr_policy_load(gdpr_engine *eng, const gdpr_actor *who, const char *path)
{
    char *json = NULL;
    int rc = check_load_args(eng, who);

    if (rc == GDPR_OK)
        rc = gdpr_text__check("path", path, 4096);
    if (rc == GDPR_OK)
        rc = gdpr_text__read_file(path, POLICY_MAX_BYTES, &json);
    if (rc == GDPR_OK)
        rc = check_document(json, path);
    if (rc != GDPR_OK) {
        free(json);
        return rc;
    }
    gdpr_engine__lock(eng);
    rc = load_locked(eng, who, json);
    if (rc == GDPR_EINVAL)
        rc = gdpr__err_wrap(rc, "%s", path);
    free(json);
    return gdpr_engine__unlock(eng, rc);
}

GDPR_API int
gdpr_policy_version(gdpr_engine *eng, int64_t *version_out)
{
    int rc;

    if (gdpr_engine__check_given(eng, version_out != NULL, "version_out") != GDPR_OK)
        return GDPR_EINVAL;
    gdpr_engine__lock(eng);
    rc = gdpr_engine__require_policy(eng);
    if (rc == GDPR_OK)
        *version_out = eng->policy->version;
    return gdpr_engine__unlock(eng, rc);
}

GDPR_API int
gdpr_policy_get(gdpr_engine *eng, char **json_out)
{
    int rc;

    if (gdpr_engine__check_given(eng, json_out != NULL, "json_out") != GDPR_OK)
        return GDPR_EINVAL;
    *json_out = NULL;
    gdpr_engine__lock(eng);
    rc = gdpr_engine__require_policy(eng);
    if (rc == GDPR_OK) {
        *json_out = gdpr_text__dup(eng->policy->document);
        if (*json_out == NULL)
            rc = GDPR_ENOMEM;
    }
    return gdpr_engine__unlock(eng, rc);
}

GDPR_API int
gdpr_policy_allows(gdpr_engine *eng, const char *role, const char *perm_name, int *allowed_out)
{
    const policy_role *r;
    int perm;
    int rc;

    if (gdpr_engine__check_given(eng, allowed_out != NULL, "allowed_out") != GDPR_OK)
        return GDPR_EINVAL;
    rc = gdpr_text__check("role", role, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = gdpr_text__check("permission", perm_name, GDPR_NAME_MAX);
    if (rc != GDPR_OK)
        return rc;
    perm = gdpr_permission__from_name(perm_name);
    if (perm < 0)
        return gdpr__err_set(GDPR_EINVAL,
                             "permission: '%.64s' is not a permission name "
                             "(see docs/policy.md)",
                             perm_name);
    gdpr_engine__lock(eng);
    rc = gdpr_engine__require_policy(eng);
    if (rc == GDPR_OK) {
        r = gdpr_policy__find_role(eng->policy, role);
        *allowed_out = r != NULL && gdpr_policy__role_allows(r, (permission)perm);
    }
    return gdpr_engine__unlock(eng, rc);
}
