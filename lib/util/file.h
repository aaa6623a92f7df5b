/*
 * Internal: reading a whole (small) document file named by the host.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_UTIL_FILE_H
#define GDPR_UTIL_FILE_H

#include <stddef.h>

/* Read the file at `path` whole into *out (malloc'd, NUL-terminated; free()).
 * Refused, with a message naming the path: GDPR_ENOTFOUND when it does not
 * exist; GDPR_EINVAL when the name is too long, the file is larger than
 * `max` bytes or holds a NUL byte; GDPR_ESTORAGE when it cannot be opened
 * or read; GDPR_ENOMEM. *out is NULL on any failure. */
int gdpr_text__read_file(const char *path, size_t max, char **out);

#endif
