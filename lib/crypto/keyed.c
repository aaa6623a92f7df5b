/*
 * One AES-256-GCM key set up once and kept: a cipher context whose key
 * schedule (the expanded AES key and the GHASH table) is computed when it
 * is made, then reused for any number of seals and opens with a new nonce
 * each. The engine's data-key cache keeps one per cached subject key
 * used more than once (lib/core/subject.c): setting up the key for each
 * value cost as much as sealing it, and OpenSSL 3.0 also freed and
 * re-allocated the cipher's provider context on every init that names a
 * cipher.
 * SPDX-License-Identifier: MIT
 */
#include "crypto_internal.h"

#include <stdlib.h>

#include "error.h"

struct crypto_keyed {
    EVP_CIPHER_CTX *ctx;
};

int
gdpr_crypto__keyed_new(crypto_ctx *c, const uint8_t key[CRYPTO_KEY_BYTES], crypto_keyed **out)
{
    crypto_keyed *k = calloc(1, sizeof *k);

    *out = NULL;
    if (k == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory for a cipher context");
    k->ctx = EVP_CIPHER_CTX_new();
    if (k->ctx == NULL) {
        gdpr_crypto__keyed_free(k);
        return gdpr_crypto__nomem("EVP_CIPHER_CTX_new");
    }
    if (EVP_CipherInit_ex2(k->ctx, c->gcm, key, NULL, 1, NULL) != 1) {
        gdpr_crypto__keyed_free(k);
        return gdpr_crypto__fail("AES-256-GCM key setup");
    }
    *out = k;
    return GDPR_OK;
}

int
gdpr_crypto__keyed_rekey(crypto_keyed *k, const uint8_t key[CRYPTO_KEY_BYTES])
{
    /* No cipher named: OpenSSL keeps the provider context and sets the new
     * key up in it. Its GCM key set-up (CRYPTO_gcm128_init) zeroes the
     * whole GCM state, then writes the GHASH key and table; the AES-256
     * schedule is written over in full: nothing derived from the old key
     * is left. */
    if (EVP_CipherInit_ex2(k->ctx, NULL, key, NULL, 1, NULL) != 1)
        return gdpr_crypto__fail("AES-256-GCM key setup");
    return GDPR_OK;
}

void
gdpr_crypto__keyed_free(crypto_keyed *k)
{
    if (k == NULL)
        return;
    /* EVP_CIPHER_CTX_free has the provider cleanse its context, which
     * holds the key schedule, before freeing it. */
    EVP_CIPHER_CTX_free(k->ctx);
    free(k);
}

int
gdpr_crypto__keyed_seal(crypto_ctx *c, crypto_keyed *k, const void *aad, size_t aad_len,
                        const void *plain, size_t len, uint8_t *out)
{
    int rc = gdpr_crypto__seal_nonce(c, aad_len, len, out);

    if (rc != GDPR_OK)
        return rc;
    /* NULL cipher and key: keep both, set the nonce and the direction. */
    if (EVP_CipherInit_ex2(k->ctx, NULL, NULL, out + 1, 1, NULL) != 1)
        return gdpr_crypto__fail("AES-256-GCM nonce");
    return gdpr_crypto__gcm_encrypt(k->ctx, aad, aad_len, plain, len, out);
}

int
gdpr_crypto__keyed_open(crypto_keyed *k, const void *aad, size_t aad_len, const uint8_t *sealed,
                        size_t sealed_len, uint8_t *out)
{
    crypto_sealed_parts p;
    int rc = gdpr_crypto__sealed_split(sealed, sealed_len, aad_len, &p);

    if (rc != GDPR_OK)
        return rc;
    if (EVP_CipherInit_ex2(k->ctx, NULL, NULL, p.nonce, 0, NULL) != 1)
        return gdpr_crypto__fail("AES-256-GCM nonce");
    return gdpr_crypto__gcm_decrypt(k->ctx, aad, aad_len, &p, out);
}
