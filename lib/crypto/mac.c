/*
 * HMAC-SHA-256 for blind indexes and the audit chain, and plain SHA-256.
 * SPDX-License-Identifier: MIT
 */
#include "crypto_internal.h"

#include <string.h>

#include "error.h"

/* Re-initialising a keyed HMAC context with a NULL key resets it to the
 * keyed state: much cheaper than a new context per MAC. */
static int
hmac_parts(EVP_MAC_CTX *m, const void *a, size_t alen, const void *b, size_t blen,
           uint8_t out[CRYPTO_HASH_BYTES])
{
    size_t outlen = 0;

    if (EVP_MAC_init(m, NULL, 0, NULL) != 1 || EVP_MAC_update(m, a, alen) != 1 ||
        (blen > 0 && EVP_MAC_update(m, b, blen) != 1) ||
        EVP_MAC_final(m, out, &outlen, CRYPTO_HASH_BYTES) != 1 || outlen != CRYPTO_HASH_BYTES)
        return gdpr_crypto__fail("HMAC-SHA-256");
    return GDPR_OK;
}

int
gdpr_crypto__blind_index(crypto_ctx *c, const char *domain, const void *value, size_t len,
                         uint8_t out[CRYPTO_HASH_BYTES])
{
    /* The domain with its NUL is a prefix no value can forge. */
    return hmac_parts(c->index_mac, domain, strlen(domain) + 1, value, len, out);
}

int
gdpr_crypto__audit_mac(crypto_ctx *c, const void *msg, size_t len, uint8_t out[CRYPTO_HASH_BYTES])
{
    return hmac_parts(c->audit_mac, msg, len, NULL, 0, out);
}

int
gdpr_crypto__row_mac(crypto_ctx *c, const void *msg, size_t len, uint8_t out[CRYPTO_HASH_BYTES])
{
    return hmac_parts(c->row_mac, msg, len, NULL, 0, out);
}

/* With a context of our own rather than EVP_Digest(), which fails
 * without a word when it cannot allocate its context. */
int
gdpr_crypto__sha256(const void *data, size_t len, uint8_t out[CRYPTO_HASH_BYTES])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int outlen = 0;
    int rc = GDPR_OK;

    if (ctx == NULL)
        return gdpr_crypto__nomem("EVP_MD_CTX_new");
    if (EVP_DigestInit_ex2(ctx, EVP_sha256(), NULL) != 1 || EVP_DigestUpdate(ctx, data, len) != 1 ||
        EVP_DigestFinal_ex(ctx, out, &outlen) != 1 || outlen != CRYPTO_HASH_BYTES)
        rc = gdpr_crypto__fail("SHA-256");
    EVP_MD_CTX_free(ctx);
    return rc;
}

int
gdpr_crypto__digest(crypto_ctx *c, const void *data, size_t len, uint8_t out[CRYPTO_HASH_BYTES])
{
    unsigned int outlen = 0;

    /* NULL type: the digest set up at creation, its provider context
     * re-initialised in place (no fetch, no allocation). */
    if (EVP_DigestInit_ex2(c->digest, NULL, NULL) != 1 ||
        EVP_DigestUpdate(c->digest, data, len) != 1 ||
        EVP_DigestFinal_ex(c->digest, out, &outlen) != 1 || outlen != CRYPTO_HASH_BYTES)
        return gdpr_crypto__fail("SHA-256");
    return GDPR_OK;
}

int
gdpr_crypto__digest_text(crypto_ctx *c, const char *text, size_t len,
                         uint8_t out[CRYPTO_HASH_BYTES])
{
    uint32_t h = 2166136261u;
    int rc;

    if (len > CRYPTO_TEXT_MEMO_MAX)
        return gdpr_crypto__digest(c, text, len, out);
    /* FNV-1a picks the slot; the slot holds the text itself, so a
     * collision only costs a recomputation, never a wrong digest. */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)text[i]) * 16777619u;
    h %= CRYPTO_TEXT_MEMO_SLOTS;
    if (c->memo[h].len == len + 1 && memcmp(c->memo[h].text, text, len) == 0) {
        memcpy(out, c->memo[h].digest, CRYPTO_HASH_BYTES);
        return GDPR_OK;
    }
    rc = gdpr_crypto__digest(c, text, len, out);
    if (rc != GDPR_OK)
        return rc;
    c->memo[h].len = (uint8_t)(len + 1);
    memcpy(c->memo[h].text, text, len);
    memcpy(c->memo[h].digest, out, CRYPTO_HASH_BYTES);
    return GDPR_OK;
}
