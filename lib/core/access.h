/*
 * Internal (core): the access log (lib/core/access.c).
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_ACCESS_H
#define GDPR_ACCESS_H

#include "engine.h"

/* "staff-" and 32 hex digits: a keyed reference to a staff member. */
#define GDPR_ACCESS_REF_LEN 38

/* The keyed reference of actor id `actor` (HMAC-SHA-256 under the
 * blind-index key in the domain "staff", first 16 bytes): the same id
 * gives the same reference, and only the controller's key resolves it. */
int gdpr_access__staff_ref(gdpr_engine *eng, const char *actor, char out[GDPR_ACCESS_REF_LEN + 1]);

/* Append one consultation of the subject `hash` by `who` (inside the
 * caller's transaction). `reason` may be NULL. */
int gdpr_access__log(gdpr_engine *eng, const gdpr_actor *who, const uint8_t hash[CRYPTO_HASH_BYTES],
                     permission action, const char *purpose, int64_t record, const char *reason);

#endif
