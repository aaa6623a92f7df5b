/*
 * Text argument checks: every public string passes through here so that a
 * bad one is refused the same way everywhere.
 * SPDX-License-Identifier: MIT
 */
#include "text.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"

int
gdpr__utf8_check(const char *s, size_t len, size_t *bad_at)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < len) {
        unsigned char c = p[i];
        size_t need;
        uint32_t cp;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
            cp = c & 0x1Fu;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            cp = c & 0x0Fu;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            cp = c & 0x07u;
        } else {
            goto bad;
        }
        if (len - i <= need)
            goto bad;
        for (size_t k = 1; k <= need; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                goto bad;
            cp = (cp << 6) | (p[i + k] & 0x3Fu);
        }
        if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            goto bad;
        i += need + 1;
    }
    return 0;
bad:
    if (bad_at)
        *bad_at = i;
    return -1;
}

static int
text_check_present(const char *field, const char *value, size_t max)
{
    size_t len = strnlen(value, max + 1);
    size_t bad;

    if (len == 0)
        return gdpr__err_set(GDPR_EINVAL, "%s: must not be empty", field);
    if (len > max)
        return gdpr__err_set(GDPR_EINVAL, "%s: longer than %zu bytes", field, max);
    if (gdpr__utf8_check(value, len, &bad) != 0)
        return gdpr__err_set(GDPR_EINVAL, "%s: not valid UTF-8 (byte %zu)", field, bad);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)value[i];
        if (c < 0x20 || c == 0x7F)
            return gdpr__err_set(GDPR_EINVAL, "%s: control character at byte %zu", field, i);
    }
    return GDPR_OK;
}

int
gdpr_text__check(const char *field, const char *value, size_t max)
{
    if (value == NULL)
        return gdpr__err_set(GDPR_EINVAL, "%s: must not be NULL", field);
    return text_check_present(field, value, max);
}

int
gdpr_text__check_optional(const char *field, const char *value, size_t max)
{
    if (value == NULL)
        return GDPR_OK;
    return text_check_present(field, value, max);
}

void
gdpr__hex_encode(const unsigned char *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0x0F];
    }
    out[2 * len] = '\0';
}

static int
hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int
gdpr__hex_decode(const char *in, unsigned char *out, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        int hi = hex_value(in[2 * i]);
        int lo = hi < 0 ? -1 : hex_value(in[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}

char *
gdpr_text__dup(const char *s)
{
    size_t len = strlen(s) + 1;
    char *copy = malloc(len);

    if (copy == NULL) {
        gdpr__err_set(GDPR_ENOMEM, "out of memory copying %zu bytes", len);
        return NULL;
    }
    memcpy(copy, s, len);
    return copy;
}

int
gdpr_text__check_id(const char *field, const char *what, int64_t id)
{
    if (id <= 0)
        return gdpr__err_set(GDPR_EINVAL, "%s: %lld is not %s (ids start at 1)", field,
                             (long long)id, what);
    return GDPR_OK;
}
