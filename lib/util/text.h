/*
 * Internal: checks on text arguments and small string helpers.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_UTIL_TEXT_H
#define GDPR_UTIL_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* 0 if `s[0..len)` is well-formed UTF-8 (no overlongs, no surrogates, max
 * U+10FFFF); otherwise -1 and the offset of the first bad byte. */
int gdpr__utf8_check(const char *s, size_t len, size_t *bad_at);

/* Check a name-like argument: not NULL, not empty, at most `max` bytes,
 * UTF-8, no control characters. Returns GDPR_OK or GDPR_EINVAL with a
 * message naming `field`. */
int gdpr_text__check(const char *field, const char *value, size_t max);

/* As gdpr_text__check, but NULL is allowed (optional field). */
int gdpr_text__check_optional(const char *field, const char *value, size_t max);

/* Check an id argument: ids start at 1. GDPR_EINVAL otherwise, with the
 * message "<field>: <id> is not <what> (ids start at 1)", `what` being e.g.
 * "a record id". */
int gdpr_text__check_id(const char *field, const char *what, int64_t id);

/* Lowercase hex of `len` bytes into `out` (2*len+1 bytes). */
void gdpr__hex_encode(const unsigned char *in, size_t len, char *out);

/* Decode exactly `len` bytes from 2*len hex digits; -1 on a bad digit. */
int gdpr__hex_decode(const char *in, unsigned char *out, size_t len);

/* strdup that reports GDPR_ENOMEM through gdpr__err_set; NULL on failure. */
char *gdpr_text__dup(const char *s);

#endif
