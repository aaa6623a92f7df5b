/*
 * AES-256-GCM sealing. Layout: 0x01 | nonce(12) | ciphertext | tag(16).
 * The leading version byte lets a later cipher coexist with old rows.
 * SPDX-License-Identifier: MIT
 */
#include "crypto_internal.h"

#include <limits.h>
#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evperr.h>
#include <openssl/rand.h>

#include "error.h"

/* 1 when an error of OpenSSL's queue means an allocation failed. Besides
 * ERR_R_MALLOC_FAILURE (raised at OpenSSL 3.0's own allocation sites), two
 * EVP reasons: OpenSSL raises EVP_R_INITIALIZATION_ERROR when a provider's
 * newctx returned NULL (EVP_CipherInit_ex2, evp_enc.c) and
 * EVP_R_NOT_ABLE_TO_COPY_CTX when its dupctx did (EVP_MD_CTX_copy_ex,
 * used by HMAC); for the built-in AES-256-GCM, SHA-256 and HMAC we use,
 * those return NULL only when their allocation failed (tests/test-oom.c
 * fails OpenSSL's allocations one by one and sees just these). */
static int
is_allocation_failure(unsigned long e)
{
    int reason = ERR_GET_REASON(e);

    if (reason == ERR_R_MALLOC_FAILURE)
        return 1;
    return ERR_GET_LIB(e) == ERR_LIB_EVP &&
           (reason == EVP_R_INITIALIZATION_ERROR || reason == EVP_R_NOT_ABLE_TO_COPY_CTX);
}

/* An allocation failure inside OpenSSL is not a cryptographic one: when
 * its error queue says so, the caller gets GDPR_ENOMEM like any other. */
int
gdpr_crypto__fail(const char *what)
{
    unsigned long e, first = 0;
    char detail[256] = "no detail";
    int nomem = 0;

    while ((e = ERR_get_error()) != 0) {
        if (first == 0)
            first = e;
        nomem |= is_allocation_failure(e);
    }
    if (first != 0)
        ERR_error_string_n(first, detail, sizeof detail);
    ERR_clear_error();
    if (nomem)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory in OpenSSL (%s): %s", what, detail);
    return gdpr__err_set(GDPR_ECRYPTO, "%s failed: %s", what, detail);
}

int
gdpr_crypto__nomem(const char *what)
{
    ERR_clear_error();
    return gdpr__err_set(GDPR_ENOMEM, "out of memory in OpenSSL (%s)", what);
}

int
gdpr_crypto__random(void *buf, size_t len)
{
    if (len > INT_MAX || RAND_bytes(buf, (int)len) != 1)
        return gdpr_crypto__fail("RAND_bytes");
    return GDPR_OK;
}

void
gdpr_crypto__wipe(void *p, size_t len)
{
    if (p != NULL)
        OPENSSL_cleanse(p, len);
}

int
gdpr_crypto__equal(const void *a, const void *b, size_t len)
{
    return CRYPTO_memcmp(a, b, len) == 0;
}

/* The cipher is named only at a context's first init: OpenSSL 3.0 frees
 * and allocates the provider context again at every init that names one
 * (lib/crypto/keyed.c), while an init with the key alone writes the new
 * key's schedule over the old one in place. */
static int
gcm_init(EVP_CIPHER_CTX *ctx, const EVP_CIPHER *gcm, const uint8_t *key, const uint8_t *nonce,
         int encrypt)
{
    const EVP_CIPHER *named = EVP_CIPHER_CTX_get0_cipher(ctx) == gcm ? NULL : gcm;

    return EVP_CipherInit_ex2(ctx, named, key, nonce, encrypt, NULL) == 1;
}

/* Bumped in every forked child (the child runs one thread then). */
static volatile unsigned long fork_count;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;
static int fork_registered;

static void
on_fork_child(void)
{
    fork_count++;
}

static void
register_fork_handler(void)
{
    fork_registered = pthread_atfork(NULL, NULL, on_fork_child) == 0;
}

int
gdpr_crypto__fork_guard(void)
{
    if (pthread_once(&fork_once, register_fork_handler) != 0 || !fork_registered)
        return gdpr__err_set(GDPR_ECRYPTO, "random pool: cannot register the fork handler "
                                           "(pthread_atfork failed)");
    return GDPR_OK;
}

int
gdpr_crypto__pool_random(crypto_ctx *c, void *out, size_t len)
{
    uint8_t *dst = out;

    if (c->pool_forks != fork_count) {
        /* Filled before a fork: the other process holds the same bytes. */
        OPENSSL_cleanse(c->pool, sizeof c->pool);
        c->pool_left = 0;
    }
    while (len > 0) {
        size_t take;
        if (c->pool_left == 0) {
            int rc = gdpr_crypto__random(c->pool, sizeof c->pool);
            if (rc != GDPR_OK)
                return rc;
            c->pool_left = sizeof c->pool;
            c->pool_forks = fork_count;
        }
        take = len < c->pool_left ? len : c->pool_left;
        /* Hand out from the end and wipe what was handed out, so no byte
         * is ever given twice or kept after use. */
        memcpy(dst, c->pool + c->pool_left - take, take);
        OPENSSL_cleanse(c->pool + c->pool_left - take, take);
        c->pool_left -= take;
        dst += take;
        len -= take;
    }
    return GDPR_OK;
}

int
gdpr_crypto__random_pooled(crypto_ctx *c, void *buf, size_t len)
{
    return gdpr_crypto__pool_random(c, buf, len);
}

int
gdpr_crypto__seal_nonce(crypto_ctx *c, size_t aad_len, size_t len, uint8_t *out)
{
    if (len > INT_MAX - 64 || aad_len > INT_MAX)
        return gdpr__err_set(GDPR_EINVAL, "value: %zu bytes is more than one value may hold", len);
    out[0] = SEAL_VERSION;
    return c ? gdpr_crypto__pool_random(c, out + 1, CRYPTO_NONCE_BYTES)
             : gdpr_crypto__random(out + 1, CRYPTO_NONCE_BYTES);
}

int
gdpr_crypto__gcm_encrypt(EVP_CIPHER_CTX *ctx, const void *aad, size_t aad_len, const void *plain,
                         size_t len, uint8_t *out)
{
    uint8_t *body = out + 1 + CRYPTO_NONCE_BYTES;
    int n = 0;

    if (aad_len > 0 && EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1)
        return gdpr_crypto__fail("AES-256-GCM aad");
    if (len > 0 && EVP_CipherUpdate(ctx, body, &n, plain, (int)len) != 1)
        return gdpr_crypto__fail("AES-256-GCM encrypt");
    if (EVP_CipherFinal_ex(ctx, body + len, &n) != 1)
        return gdpr_crypto__fail("AES-256-GCM final");
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, CRYPTO_TAG_BYTES, body + len) != 1)
        return gdpr_crypto__fail("AES-256-GCM tag");
    return GDPR_OK;
}

int
gdpr_crypto__gcm_seal(crypto_ctx *c, EVP_CIPHER_CTX *ctx, const EVP_CIPHER *gcm,
                      const uint8_t key[CRYPTO_KEY_BYTES], const void *aad, size_t aad_len,
                      const void *plain, size_t len, uint8_t *out)
{
    int rc = gdpr_crypto__seal_nonce(c, aad_len, len, out);

    if (rc != GDPR_OK)
        return rc;
    if (!gcm_init(ctx, gcm, key, out + 1, 1))
        return gdpr_crypto__fail("AES-256-GCM init");
    return gdpr_crypto__gcm_encrypt(ctx, aad, aad_len, plain, len, out);
}

int
gdpr_crypto__sealed_split(const uint8_t *sealed, size_t sealed_len, size_t aad_len,
                          crypto_sealed_parts *out)
{
    if (sealed_len < CRYPTO_SEAL_OVERHEAD || sealed[0] != SEAL_VERSION)
        return gdpr__err_set(GDPR_ECORRUPT, "sealed value: unknown format");
    out->nonce = sealed + 1;
    out->body = out->nonce + CRYPTO_NONCE_BYTES;
    out->len = sealed_len - CRYPTO_SEAL_OVERHEAD;
    if (out->len > INT_MAX - 64 || aad_len > INT_MAX)
        return gdpr__err_set(GDPR_ECORRUPT, "sealed value: too long");
    memcpy(out->tag, out->body + out->len, sizeof out->tag);
    return GDPR_OK;
}

int
gdpr_crypto__gcm_decrypt(EVP_CIPHER_CTX *ctx, const void *aad, size_t aad_len,
                         crypto_sealed_parts *p, uint8_t *out)
{
    int n = 0;

    if (aad_len > 0 && EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1)
        return gdpr_crypto__fail("AES-256-GCM aad");
    if (p->len > 0 && EVP_CipherUpdate(ctx, out, &n, p->body, (int)p->len) != 1)
        return gdpr_crypto__fail("AES-256-GCM decrypt");
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, CRYPTO_TAG_BYTES, p->tag) != 1)
        return gdpr_crypto__fail("AES-256-GCM tag");
    if (EVP_CipherFinal_ex(ctx, out + p->len, &n) != 1) {
        ERR_clear_error();
        gdpr_crypto__wipe(out, p->len);
        return gdpr__err_set(GDPR_ECORRUPT, "sealed value: authentication failed "
                                            "(wrong key, or value altered or moved)");
    }
    return GDPR_OK;
}

int
gdpr_crypto__gcm_open(EVP_CIPHER_CTX *ctx, const EVP_CIPHER *gcm,
                      const uint8_t key[CRYPTO_KEY_BYTES], const void *aad, size_t aad_len,
                      const uint8_t *sealed, size_t sealed_len, uint8_t *out)
{
    crypto_sealed_parts p;
    int rc = gdpr_crypto__sealed_split(sealed, sealed_len, aad_len, &p);

    if (rc != GDPR_OK)
        return rc;
    if (!gcm_init(ctx, gcm, key, p.nonce, 0))
        return gdpr_crypto__fail("AES-256-GCM init");
    return gdpr_crypto__gcm_decrypt(ctx, aad, aad_len, &p, out);
}

int
gdpr_crypto__seal(crypto_ctx *c, const uint8_t key[CRYPTO_KEY_BYTES], const void *aad,
                  size_t aad_len, const void *plain, size_t len, uint8_t *out)
{
    return gdpr_crypto__gcm_seal(c, c->cipher, c->gcm, key, aad, aad_len, plain, len, out);
}

int
gdpr_crypto__open(crypto_ctx *c, const uint8_t key[CRYPTO_KEY_BYTES], const void *aad,
                  size_t aad_len, const uint8_t *sealed, size_t sealed_len, uint8_t *out)
{
    return gdpr_crypto__gcm_open(c->cipher, c->gcm, key, aad, aad_len, sealed, sealed_len, out);
}

int
gdpr_crypto__store_seal(crypto_ctx *c, const void *aad, size_t aad_len, const void *plain,
                        size_t len, uint8_t *out)
{
    return gdpr_crypto__seal(c, c->store_key, aad, aad_len, plain, len, out);
}

int
gdpr_crypto__store_open(crypto_ctx *c, const void *aad, size_t aad_len, const uint8_t *sealed,
                        size_t sealed_len, uint8_t *out)
{
    return gdpr_crypto__open(c, c->store_key, aad, aad_len, sealed, sealed_len, out);
}
