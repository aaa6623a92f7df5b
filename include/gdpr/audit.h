/*
 * libgdpr: the audit trail. Every mutating call appends one event (time,
 * actor, role, action, keyed subject hash, outcome; never personal data),
 * chained with HMAC-SHA-256 so that any edit, insertion, deletion or
 * reordering is found. A chain cannot see its own tail cut off: keep the
 * head (gdpr_audit_head) elsewhere and verify against it.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_AUDIT_H
#define GDPR_AUDIT_H

#include "gdpr/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Size of an audit head MAC in bytes. */
#define GDPR_AUDIT_HEAD_BYTES 32u

/** One audit event, as handed to gdpr_audit_foreach(). All pointers are
 *  borrowed for the callback only. */
typedef struct {
    int64_t seq;              /**< 1, 2, ... */
    int64_t at;               /**< UTC seconds */
    const char *actor;        /**< actor id */
    const char *role;         /**< actor role */
    const char *action;       /**< permission name, e.g. "consent.record" */
    const char *subject_hash; /**< hex keyed hash of the subject, or NULL */
    int outcome;              /**< GDPR_OK or the code the call returned */
    const char *ref;          /**< non-personal reference (event id ...) or NULL */
} gdpr_audit_event;

/** Audit iterator: return non-zero to stop. */
typedef int (*gdpr_audit_fn)(const gdpr_audit_event *ev, void *ctx);

/**
 * Verify the whole chain.
 * @param eng  the engine.
 * @param[out] events_out  number of events verified good (before the first
 *                         bad one); may be NULL.
 * @return GDPR_OK; GDPR_ECORRUPT with the first bad event's number in the
 *         message; GDPR_EINVAL; GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_audit_verify(gdpr_engine *eng, int64_t *events_out);

/**
 * The chain's head: its number of events and the MAC of the last one
 * (all zero when empty). Keep both outside the store.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_audit_head(gdpr_engine *eng, int64_t *count_out,
                             unsigned char head_out[GDPR_AUDIT_HEAD_BYTES]);

/**
 * Verify the chain and that it still holds the head kept earlier: event
 * number `count` must exist and carry `head`. Finds a cut-off tail.
 * @return GDPR_OK; GDPR_ECORRUPT (chain broken, or truncated before
 *         `count`, or a different event at `count`); GDPR_EINVAL.
 * @since 0.1
 */
GDPR_API int gdpr_audit_verify_head(gdpr_engine *eng, int64_t count,
                                    const unsigned char head[GDPR_AUDIT_HEAD_BYTES],
                                    int64_t *events_out);

/**
 * Walk events with seq >= `from_seq` in order.
 * @return GDPR_OK; GDPR_ECALLBACK (fn returned non-zero); GDPR_EINVAL;
 *         GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_audit_foreach(gdpr_engine *eng, int64_t from_seq, gdpr_audit_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif

#endif
