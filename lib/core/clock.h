/*
 * The time rule of the public API (include/gdpr/common.h, "Times"): a time
 * argument is GDPR_NOW (the engine's clock) or a moment in UTC seconds; 0
 * is refused, since it would silently mean 1970-01-01.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_CORE_CLOCK_H
#define GDPR_CORE_CLOCK_H

#include <stdint.h>

#include "gdpr/common.h"

/* Resolve the time argument `*t` named `field` at the top of a public call:
 * GDPR_NOW becomes the engine's clock; 0 is refused with GDPR_EINVAL and a
 * message naming the field and GDPR_NOW. Other values are left for the
 * call's own range checks. `eng` NULL leaves `*t` alone (the call's engine
 * check refuses it). */
int gdpr_clock__arg(const gdpr_engine *eng, const char *field, int64_t *t);

#endif
