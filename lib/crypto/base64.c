/*
 * Base64 (RFC 4648, standard alphabet, padded) through OpenSSL's block
 * encoder. The export streams binary values through it in small chunks,
 * so neither side ever holds a whole value's encoding.
 * SPDX-License-Identifier: MIT
 */
#include "crypto_internal.h"
#include "error.h"

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

int
gdpr_crypto__base64_decode(const char *in, size_t len, void *out, size_t cap, size_t *len_out)
{
    size_t pad = 0;
    int n;

    *len_out = 0;
    if (len == 0 || len % 4 != 0 || len > 4u * 16384u || cap < 3 * (len / 4))
        return gdpr__err_set(GDPR_EINVAL, "base64: %zu characters is not a padded length", len);
    if (in[len - 1] == '=')
        pad++;
    if (in[len - 2] == '=')
        pad++;
    n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len);
    if (n < 0 || (size_t)n < pad)
        return gdpr__err_set(GDPR_EINVAL, "base64: not base64 text (RFC 4648)");
    *len_out = (size_t)n - pad;
    return GDPR_OK;
}
