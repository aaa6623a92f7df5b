/*
 * Base64 (RFC 4648, standard alphabet, padded) through OpenSSL's block
 * encoder. The export streams binary values through it in small chunks,
 * so neither side ever holds a whole value's encoding.
 * SPDX-License-Identifier: MIT
 */
#include "crypto_internal.h"

/* A multiple of 3 (whole groups, no padding inside) that fits an int. */
#define ENCODE_CHUNK (3u * 16384u)

size_t
gdpr_crypto__base64_encode(const void *in, size_t len, char *out)
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
