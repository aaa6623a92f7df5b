/*
 * Base64 (RFC 4648, standard alphabet, padded) through OpenSSL's block
 * encoder. The export streams binary values through it in small chunks,
 * so neither side ever holds a whole value's encoding.
 * SPDX-License-Identifier: MIT
 */
#include "crypto_internal.h"

#include <string.h>

#include "error.h"

/* A multiple of 3 (whole groups, no padding inside) that fits an int. */
#define ENCODE_CHUNK (3u * 16384u)
/* A multiple of 4 (whole groups). */
#define DECODE_CHUNK (4u * 16384u)

size_t
crypto_base64_encode(const void *in, size_t len, char *out)
{
    const unsigned char *p = in;
    size_t written = 0;

    while (len > 0) {
        size_t n = len < ENCODE_CHUNK ? len : ENCODE_CHUNK;
        written += (size_t)EVP_EncodeBlock((unsigned char *)out + written, p, (int)n);
        p += n;
        len -= n;
    }
    out[written] = '\0';
    return written;
}

int
crypto_base64_decode(const char *in, size_t len, uint8_t *out, size_t *out_len)
{
    size_t total = 0;

    *out_len = 0;
    if (len % 4 != 0)
        return err_set(GDPR_EINVAL, "base64: %zu characters, not a multiple of 4", len);
    for (size_t at = 0; at < len; at += DECODE_CHUNK) {
        size_t n = len - at < DECODE_CHUNK ? len - at : DECODE_CHUNK;
        size_t pad = 0;
        int got;

        /* '=' may only end the text: EVP_DecodeBlock would accept it
         * inside a chunk boundary too. */
        if (at + n < len && memchr(in + at, '=', n) != NULL)
            return err_set(GDPR_EINVAL, "base64: padding before the end");
        got = EVP_DecodeBlock(out + total, (const unsigned char *)in + at, (int)n);
        if (got < 0)
            return err_set(GDPR_EINVAL, "base64: not valid base64 near character %zu", at);
        if (at + n == len) {
            if (n >= 1 && in[len - 1] == '=')
                pad++;
            if (n >= 2 && in[len - 2] == '=')
                pad++;
        }
        total += (size_t)got - pad;
    }
    *out_len = total;
    return GDPR_OK;
}
