/*
 * libgdpr: the controller's policy (purposes, categories, notices, retention
 * rules, roles, recipients) as one JSON document. Format: docs/policy.md.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_POLICY_H
#define GDPR_POLICY_H

#include "gdpr/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Load a policy from a JSON file. The document is validated whole before
 * anything changes: a bad one is refused with GDPR_EINVAL and a message
 * naming the file, the line (syntax) or JSON path (rules) and the rule,
 * and the store is left as it was. A changed document becomes a new policy
 * version (kept, audited); loading the current document again changes
 * nothing but is audited.
 *
 * The first policy of a new store may be loaded by any actor (there are no
 * roles yet); after that the actor needs permission "policy.load".
 * @return GDPR_OK; GDPR_EINVAL (bad document, or a path too long);
 *         GDPR_ENOTFOUND (no file at `path`); GDPR_EDENIED; GDPR_ESTORAGE
 *         (the file exists but cannot be read, or a store failure);
 *         GDPR_ENOMEM.
 * @since 0.1
 */
GDPR_API int gdpr_policy_load(gdpr_engine *eng, const gdpr_actor *who,
                              const char *path) GDPR_WARN_UNUSED;

/**
 * As gdpr_policy_load(), from a NUL-terminated string.
 * @return GDPR_OK; GDPR_EINVAL (bad document: line or JSON path and rule);
 *         GDPR_EDENIED; GDPR_ESTORAGE; GDPR_ENOMEM.
 * @since 0.1
 */
GDPR_API int gdpr_policy_load_string(gdpr_engine *eng, const gdpr_actor *who,
                                     const char *json) GDPR_WARN_UNUSED;

/**
 * The version number of the policy in force (1, 2, ...).
 * @param eng  the engine.
 * @param[out] version_out  set on success.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ESTATE (no policy loaded yet).
 * @since 0.1
 */
GDPR_API int gdpr_policy_version(gdpr_engine *eng, int64_t *version_out);

/**
 * The policy document in force, as loaded.
 * @param eng  the engine.
 * @param[out] json_out  a copy, freed with gdpr_free().
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ESTATE (no policy); GDPR_ENOMEM.
 * @since 0.1
 */
GDPR_API int gdpr_policy_get(gdpr_engine *eng, char **json_out);

/**
 * Whether `role` may take `permission` (e.g. "consent.record") under the
 * policy in force. Read-only, not audited.
 * @param eng  the engine.
 * @param role  a role of the policy.
 * @param permission  a permission name ("vault.read", ...).
 * @param[out] allowed_out  1 or 0.
 * @return GDPR_OK; GDPR_EINVAL (unknown permission name); GDPR_ESTATE.
 * @since 0.1
 */
GDPR_API int gdpr_policy_allows(gdpr_engine *eng, const char *role, const char *permission,
                                int *allowed_out);

#ifdef __cplusplus
}
#endif

#endif
