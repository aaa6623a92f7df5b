/*
 * Many AES-256-GCM opens under one key: the key schedule is set up once
 * and only the nonce changes per value. An export opens every record of
 * one subject under that subject's key; setting the key up for each of
 * them cost more than the decryption itself.
 * SPDX-License-Identifier: MIT
 */
#include "crypto_internal.h"

#include <stdlib.h>

#include "error.h"

struct crypto_opener {
    EVP_CIPHER_CTX *ctx;
};

int
gdpr_crypto__opener_new(crypto_ctx *c, const uint8_t key[CRYPTO_KEY_BYTES], crypto_opener **out)
{
    crypto_opener *o = calloc(1, sizeof *o);

    *out = NULL;
    if (o == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory for a cipher context");
    o->ctx = EVP_CIPHER_CTX_new();
    if (o->ctx == NULL) {
        gdpr_crypto__opener_free(o);
        return gdpr_crypto__nomem("EVP_CIPHER_CTX_new");
    }
    if (EVP_CipherInit_ex2(o->ctx, c->gcm, key, NULL, 0, NULL) != 1) {
        gdpr_crypto__opener_free(o);
        return gdpr_crypto__fail("AES-256-GCM key setup");
    }
    *out = o;
    return GDPR_OK;
}

void
gdpr_crypto__opener_free(crypto_opener *o)
{
    if (o == NULL)
        return;
    EVP_CIPHER_CTX_free(o->ctx); /* cleanses the key schedule */
    free(o);
}

int
gdpr_crypto__opener_open(crypto_opener *o, const void *aad, size_t aad_len, const uint8_t *sealed,
                         size_t sealed_len, uint8_t *out)
{
    crypto_sealed_parts p;
    int rc = gdpr_crypto__sealed_split(sealed, sealed_len, aad_len, &p);

    if (rc != GDPR_OK)
        return rc;
    /* NULL cipher and key: keep both, set the nonce only. */
    if (EVP_CipherInit_ex2(o->ctx, NULL, NULL, p.nonce, 0, NULL) != 1)
        return gdpr_crypto__fail("AES-256-GCM nonce");
    return gdpr_crypto__gcm_decrypt(o->ctx, aad, aad_len, &p, out);
}
