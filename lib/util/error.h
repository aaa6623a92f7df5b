/*
 * Internal: setting the thread-local error message.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_LIB_ERROR_H
#define GDPR_LIB_ERROR_H

#include "gdpr/common.h"

#if defined(__GNUC__) || defined(__clang__)
#define GDPR_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define GDPR_PRINTF(a, b)
#endif

/* Set the message of this thread and return `code`, so callers write
 * `return gdpr__err_set(GDPR_EINVAL, "purpose: ...")`. */
int gdpr__err_set(int code, const char *fmt, ...) GDPR_PRINTF(2, 3);

/* Prefix the current message with "context: " keeping the code. */
int gdpr__err_wrap(int code, const char *fmt, ...) GDPR_PRINTF(2, 3);

/* Clear the message at the start of a public call. */
void gdpr__err_clear(void);

#endif
