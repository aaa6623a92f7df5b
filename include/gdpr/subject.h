/*
 * libgdpr: data subjects. A subject is named by the host's own id (a CRM
 * customer number); the store keeps only its keyed blind index and its
 * ciphertext, never the id in plaintext.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_SUBJECT_H
#define GDPR_SUBJECT_H

#include "gdpr/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Make sure `subject` exists: create it (with its own data key) if it does
 * not. Calls that take a subject create it on first use the same way.
 * Needs permission "subject.create" when it creates.
 * @param eng  the engine.
 * @param who  the acting user: its role's permissions are checked and the audit trail names it.
 * @param subject  the host's subject id (1..GDPR_NAME_MAX bytes of UTF-8), borrowed.
 * @param[out] created_out  1 if created now, 0 if it existed; may be NULL.
 * @return GDPR_OK; GDPR_EINVAL (subject NULL, empty, over GDPR_NAME_MAX
 *         bytes, invalid UTF-8 or control characters); GDPR_EDENIED;
 *         GDPR_ESTATE (no policy); GDPR_ESTORAGE; GDPR_ECRYPTO.
 * @since 0.1
 */
GDPR_API int gdpr_subject_ensure(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                                 int *created_out) GDPR_WARN_UNUSED;

/**
 * Whether `subject` exists. Read-only.
 * @param eng  the engine.
 * @param subject  the host's subject id (1..GDPR_NAME_MAX bytes of UTF-8), borrowed.
 * @param[out] exists_out  1 or 0.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_subject_exists(gdpr_engine *eng, const char *subject, int *exists_out);

/**
 * The keyed hash under which `subject` appears in the audit trail and in
 * tombstones, as 64 lowercase hex digits (it is computed; the subject need
 * not exist).
 * @param eng  the engine.
 * @param subject  the host's subject id (1..GDPR_NAME_MAX bytes of UTF-8), borrowed.
 * @param[out] out  freed with gdpr_free().
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ENOMEM.
 * @since 0.1
 */
GDPR_API int gdpr_subject_hash(gdpr_engine *eng, const char *subject, char **out);

#ifdef __cplusplus
}
#endif

#endif
