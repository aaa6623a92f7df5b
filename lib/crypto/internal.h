/*
 * Internal to lib/crypto: the context layout and OpenSSL error capture.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_CRYPTO_INTERNAL_H
#define GDPR_CRYPTO_INTERNAL_H

#include <openssl/evp.h>

#include "crypto/crypto.h"

struct crypto_ctx {
    uint8_t wrap_key[CRYPTO_KEY_BYTES];
    uint8_t index_key[CRYPTO_KEY_BYTES];
    uint8_t audit_key[CRYPTO_KEY_BYTES];
    EVP_CIPHER *gcm;          /* fetched once: fetching per call is slow in 3.x */
    EVP_CIPHER_CTX *cipher;   /* reused for every seal/open */
    EVP_MAC *hmac;
    EVP_MAC_CTX *index_mac;   /* keyed once, re-initialised per use */
    EVP_MAC_CTX *audit_mac;
};

/* Record OpenSSL's error queue in our message and return GDPR_ECRYPTO. */
int crypto_fail(const char *what);

/* GCM with an explicit cipher context (NULL: a temporary one). */
int crypto_gcm_seal(EVP_CIPHER_CTX *ctx, const EVP_CIPHER *gcm, const uint8_t key[CRYPTO_KEY_BYTES],
                    const void *aad, size_t aad_len, const void *plain, size_t len, uint8_t *out);
int crypto_gcm_open(EVP_CIPHER_CTX *ctx, const EVP_CIPHER *gcm, const uint8_t key[CRYPTO_KEY_BYTES],
                    const void *aad, size_t aad_len, const uint8_t *sealed, size_t sealed_len,
                    uint8_t *out);

int crypto_hkdf(const uint8_t ikm[CRYPTO_KEY_BYTES], const char *label, uint8_t out[CRYPTO_KEY_BYTES]);

#endif
