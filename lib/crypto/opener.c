/*
 * Many AES-256-GCM opens under one key: the key schedule is set up once
 * and only the nonce changes per value. An export opens every record of
 * one subject under that subject's key; setting the key up for each of
 * them cost more than the decryption itself.
 * SPDX-License-Identifier: MIT
 */
#include "crypto_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "error.h"

#define SEAL_VERSION 0x01

struct crypto_opener {
    EVP_CIPHER_CTX *ctx;
};

int
crypto_opener_new(crypto_ctx *c, const uint8_t key[CRYPTO_KEY_BYTES], crypto_opener **out)
{
    crypto_opener *o = calloc(1, sizeof *o);

    *out = NULL;
    if (o == NULL)
        return err_set(GDPR_ENOMEM, "out of memory for a cipher context");
    o->ctx = EVP_CIPHER_CTX_new();
    if (o->ctx == NULL || EVP_CipherInit_ex2(o->ctx, c->gcm, key, NULL, 0, NULL) != 1) {
        crypto_opener_free(o);
        return crypto_fail("AES-256-GCM key setup");
    }
    *out = o;
    return GDPR_OK;
}

void
crypto_opener_free(crypto_opener *o)
{
    if (o == NULL)
        return;
    EVP_CIPHER_CTX_free(o->ctx); /* cleanses the key schedule */
    free(o);
}

int
crypto_opener_open(crypto_opener *o, const void *aad, size_t aad_len, const uint8_t *sealed,
                   size_t sealed_len, uint8_t *out)
{
    const uint8_t *nonce = sealed + 1;
    const uint8_t *body = nonce + CRYPTO_NONCE_BYTES;
    uint8_t tag[CRYPTO_TAG_BYTES];
    size_t len;
    int n = 0;

    if (sealed_len < CRYPTO_SEAL_OVERHEAD || sealed[0] != SEAL_VERSION)
        return err_set(GDPR_ECORRUPT, "sealed value: unknown format");
    len = sealed_len - CRYPTO_SEAL_OVERHEAD;
    if (len > INT_MAX - 64 || aad_len > INT_MAX)
        return err_set(GDPR_ECORRUPT, "sealed value: too long");
    memcpy(tag, body + len, sizeof tag);
    /* NULL cipher and key: keep both, set the nonce only. */
    if (EVP_CipherInit_ex2(o->ctx, NULL, NULL, nonce, 0, NULL) != 1)
        return crypto_fail("AES-256-GCM nonce");
    if (aad_len > 0 && EVP_CipherUpdate(o->ctx, NULL, &n, aad, (int)aad_len) != 1)
        return crypto_fail("AES-256-GCM aad");
    if (len > 0 && EVP_CipherUpdate(o->ctx, out, &n, body, (int)len) != 1)
        return crypto_fail("AES-256-GCM decrypt");
    if (EVP_CIPHER_CTX_ctrl(o->ctx, EVP_CTRL_AEAD_SET_TAG, CRYPTO_TAG_BYTES, tag) != 1)
        return crypto_fail("AES-256-GCM tag");
    if (EVP_CipherFinal_ex(o->ctx, out + len, &n) != 1) {
        ERR_clear_error();
        crypto_wipe(out, len);
        return err_set(GDPR_ECORRUPT, "sealed value: authentication failed "
                       "(wrong key, or value altered or moved)");
    }
    return GDPR_OK;
}
