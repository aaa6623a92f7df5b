/*
 * Internal to the retention capability (lib/retention.c, lib/review.c):
 * a subject's anchor events, the schedule of a record under a policy, and
 * the checks both files share.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_RETENTION_INTERNAL_H
#define GDPR_RETENTION_INTERNAL_H

#include "schedule.h"
#include "gdpr/retention.h"

/* 0 <= t <= 9999-12-31T23:59:59Z, else GDPR_EINVAL naming `field`. */
int gdpr_retention__check_time(const char *field, int64_t t);

/* The opening checks of a walk up to as_of: an engine, a callback
 * (`fn_given`), a valid as_of. Clears the message first. */
int gdpr_retention__check_walk(gdpr_engine *eng, int fn_given, int64_t *as_of);

/* The checks of an *_init(p, version) call: `p` (named `arg`) given and
 * 1 <= version <= max, else a message naming the `what` version. Clears the
 * message first. */
int gdpr_retention__check_init(const void *p, const char *arg, unsigned int version,
                               unsigned int max, const char *what);

#endif
