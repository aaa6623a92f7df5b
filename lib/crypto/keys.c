/*
 * Key derivation, wrapping and the engine's crypto context.
 * SPDX-License-Identifier: MIT
 */
#include "crypto_internal.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "error.h"

/* N = 2^17, r = 8, p = 1: OWASP's Password Storage Cheat Sheet minimum for
 * scrypt (128 MiB). Stored beside the salt: a store made with the earlier
 * 2^15 keeps opening with it, and takes this cost at its next gdpr_rekey
 * (docs/threat-model.md "Passphrases"). */
const crypto_scrypt_params gdpr_crypto__scrypt_default = {1u << 17, 8, 1};

static const char root_aad[] = "libgdpr root secret v1";

int
gdpr_crypto__hkdf(const uint8_t ikm[CRYPTO_KEY_BYTES], const char *label,
                  uint8_t out[CRYPTO_KEY_BYTES])
{
    static const char salt[] = "libgdpr hkdf v1";
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM params[5];
    int rc = GDPR_OK;

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
    params[1] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, CRYPTO_KEY_BYTES);
    params[2] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, sizeof salt - 1);
    params[3] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)label, strlen(label));
    params[4] = OSSL_PARAM_construct_end();
    if (kdf == NULL && ERR_peek_error() == 0)
        rc = gdpr_crypto__nomem("EVP_KDF_fetch"); /* a missing algorithm says so */
    else if (kdf != NULL && kctx == NULL)
        rc = gdpr_crypto__nomem("EVP_KDF_CTX_new");
    else if (kctx == NULL || EVP_KDF_derive(kctx, out, CRYPTO_KEY_BYTES, params) != 1)
        rc = gdpr_crypto__fail("HKDF-SHA-256");
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
    return rc;
}

int
gdpr_crypto__kek_from_passphrase(const char *passphrase, const uint8_t salt[CRYPTO_SALT_BYTES],
                                 const crypto_scrypt_params *params, uint8_t kek[CRYPTO_KEY_BYTES])
{
    uint64_t maxmem = 128u * params->n * params->r * params->p + (1u << 20);

    if (EVP_PBE_scrypt(passphrase, strlen(passphrase), salt, CRYPTO_SALT_BYTES, params->n,
                       params->r, params->p, maxmem, kek, CRYPTO_KEY_BYTES) != 1)
        return gdpr_crypto__fail("scrypt");
    return GDPR_OK;
}

static int
with_temp_cipher(const uint8_t key[CRYPTO_KEY_BYTES], const uint8_t *in, size_t in_len,
                 uint8_t *out, int seal)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int rc;

    if (ctx == NULL)
        return gdpr_crypto__nomem("EVP_CIPHER_CTX_new");
    if (seal)
        rc = gdpr_crypto__gcm_seal(NULL, ctx, EVP_aes_256_gcm(), key, root_aad, sizeof root_aad - 1,
                                   in, in_len, out);
    else
        rc = gdpr_crypto__gcm_open(ctx, EVP_aes_256_gcm(), key, root_aad, sizeof root_aad - 1, in,
                                   in_len, out);
    EVP_CIPHER_CTX_free(ctx);
    return rc;
}

int
gdpr_crypto__root_wrap(const uint8_t kek[CRYPTO_KEY_BYTES], const uint8_t root[CRYPTO_KEY_BYTES],
                       uint8_t out[CRYPTO_WRAPPED_BYTES])
{
    uint8_t key[CRYPTO_KEY_BYTES];
    int rc = gdpr_crypto__hkdf(kek, "root-wrap", key);

    if (rc == GDPR_OK)
        rc = with_temp_cipher(key, root, CRYPTO_KEY_BYTES, out, 1);
    gdpr_crypto__wipe(key, sizeof key);
    return rc;
}

int
gdpr_crypto__root_unwrap(const uint8_t kek[CRYPTO_KEY_BYTES],
                         const uint8_t wrapped[CRYPTO_WRAPPED_BYTES],
                         uint8_t root[CRYPTO_KEY_BYTES])
{
    uint8_t key[CRYPTO_KEY_BYTES];
    int rc = gdpr_crypto__hkdf(kek, "root-wrap", key);

    if (rc == GDPR_OK)
        rc = with_temp_cipher(key, wrapped, CRYPTO_WRAPPED_BYTES, root, 0);
    gdpr_crypto__wipe(key, sizeof key);
    if (rc == GDPR_ECORRUPT)
        return gdpr__err_set(GDPR_EKEY, "master key: does not open this store's keystore "
                                        "(wrong key or passphrase)");
    return rc;
}

static int
keyed_hmac(EVP_MAC *hmac, const uint8_t key[CRYPTO_KEY_BYTES], EVP_MAC_CTX **out)
{
    EVP_MAC_CTX *m = EVP_MAC_CTX_new(hmac);
    OSSL_PARAM params[2];

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    if (m == NULL)
        return gdpr_crypto__nomem("EVP_MAC_CTX_new");
    if (EVP_MAC_init(m, key, CRYPTO_KEY_BYTES, params) != 1) {
        EVP_MAC_CTX_free(m);
        return gdpr_crypto__fail("HMAC-SHA-256 init");
    }
    *out = m;
    return GDPR_OK;
}

int
gdpr_crypto__ctx_new(crypto_ctx **out, const uint8_t kek[CRYPTO_KEY_BYTES],
                     const uint8_t root[CRYPTO_KEY_BYTES])
{
    crypto_ctx *c = calloc(1, sizeof *c);
    int rc;

    if (c == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory for the crypto context");
    rc = gdpr_crypto__fork_guard();
    if (rc == GDPR_OK)
        rc = gdpr_crypto__hkdf(kek, "wrap", c->wrap_key);
    if (rc == GDPR_OK)
        rc = gdpr_crypto__hkdf(root, "blind-index", c->index_key);
    if (rc == GDPR_OK)
        rc = gdpr_crypto__hkdf(root, "audit-mac", c->audit_key);
    if (rc == GDPR_OK)
        rc = gdpr_crypto__hkdf(root, "row-mac", c->row_key);
    if (rc == GDPR_OK)
        rc = gdpr_crypto__hkdf(root, "store-seal", c->store_key);
    if (rc == GDPR_OK) {
        c->gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
        c->cipher = EVP_CIPHER_CTX_new();
        c->wrap_cipher = EVP_CIPHER_CTX_new();
        c->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
        if (c->gcm == NULL || c->hmac == NULL)
            rc = gdpr_crypto__fail("fetching AES-256-GCM and HMAC");
        else if (c->cipher == NULL || c->wrap_cipher == NULL)
            rc = gdpr_crypto__nomem("EVP_CIPHER_CTX_new");
    }
    if (rc == GDPR_OK)
        rc = keyed_hmac(c->hmac, c->index_key, &c->index_mac);
    if (rc == GDPR_OK)
        rc = keyed_hmac(c->hmac, c->audit_key, &c->audit_mac);
    if (rc == GDPR_OK)
        rc = keyed_hmac(c->hmac, c->row_key, &c->row_mac);
    if (rc == GDPR_OK) {
        c->sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL);
        c->digest = EVP_MD_CTX_new();
        if (c->sha256 == NULL)
            rc = gdpr_crypto__fail("fetching SHA-256");
        else if (c->digest == NULL)
            rc = gdpr_crypto__nomem("EVP_MD_CTX_new");
        else if (EVP_DigestInit_ex2(c->digest, c->sha256, NULL) != 1)
            rc = gdpr_crypto__fail("SHA-256 init");
    }
    if (rc != GDPR_OK) {
        gdpr_crypto__ctx_free(c);
        return rc;
    }
    *out = c;
    return GDPR_OK;
}

void
gdpr_crypto__ctx_free(crypto_ctx *c)
{
    if (c == NULL)
        return;
    EVP_MAC_CTX_free(c->index_mac);
    EVP_MAC_CTX_free(c->audit_mac);
    EVP_MAC_CTX_free(c->row_mac);
    EVP_MAC_free(c->hmac);
    EVP_MD_CTX_free(c->digest);
    EVP_MD_free(c->sha256);
    EVP_CIPHER_CTX_free(c->cipher);
    /* Its provider cleanses the key schedule before freeing it. */
    EVP_CIPHER_CTX_free(c->wrap_cipher);
    EVP_CIPHER_free(c->gcm);
    gdpr_crypto__wipe(c, sizeof *c);
    free(c);
}

int
gdpr_crypto__ctx_set_kek(crypto_ctx *c, const uint8_t kek[CRYPTO_KEY_BYTES])
{
    c->wrap_ready = 0;
    return gdpr_crypto__hkdf(kek, "wrap", c->wrap_key);
}

int
gdpr_crypto__wrap_key_of(const uint8_t kek[CRYPTO_KEY_BYTES], uint8_t wrap[CRYPTO_KEY_BYTES])
{
    return gdpr_crypto__hkdf(kek, "wrap", wrap);
}

void
gdpr_crypto__ctx_set_wrap_key(crypto_ctx *c, const uint8_t wrap[CRYPTO_KEY_BYTES])
{
    memcpy(c->wrap_key, wrap, CRYPTO_KEY_BYTES);
    c->wrap_ready = 0;
}

/* The wrap key's schedule in c->wrap_cipher, set up once per wrap key. */
static int
wrap_schedule(crypto_ctx *c)
{
    if (c->wrap_ready)
        return GDPR_OK;
    if (EVP_CipherInit_ex2(c->wrap_cipher, c->gcm, c->wrap_key, NULL, 1, NULL) != 1)
        return gdpr_crypto__fail("AES-256-GCM wrap key setup");
    c->wrap_ready = 1;
    return GDPR_OK;
}

int
gdpr_crypto__dek_new(crypto_ctx *c, uint8_t dek[CRYPTO_KEY_BYTES])
{
    return gdpr_crypto__pool_random(c, dek, CRYPTO_KEY_BYTES);
}

int
gdpr_crypto__dek_wrap(crypto_ctx *c, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                      const uint8_t dek[CRYPTO_KEY_BYTES], uint8_t out[CRYPTO_WRAPPED_BYTES])
{
    int rc = wrap_schedule(c);

    if (rc == GDPR_OK)
        rc = gdpr_crypto__seal_nonce(c, CRYPTO_HASH_BYTES, CRYPTO_KEY_BYTES, out);
    /* NULL cipher and key: keep the schedule, set the nonce. */
    if (rc == GDPR_OK && EVP_CipherInit_ex2(c->wrap_cipher, NULL, NULL, out + 1, 1, NULL) != 1)
        rc = gdpr_crypto__fail("AES-256-GCM nonce");
    if (rc == GDPR_OK)
        rc = gdpr_crypto__gcm_encrypt(c->wrap_cipher, subject_hash, CRYPTO_HASH_BYTES, dek,
                                      CRYPTO_KEY_BYTES, out);
    return rc;
}

int
gdpr_crypto__dek_unwrap(crypto_ctx *c, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                        const uint8_t wrapped[CRYPTO_WRAPPED_BYTES], uint8_t dek[CRYPTO_KEY_BYTES])
{
    crypto_sealed_parts p;
    int rc = wrap_schedule(c);

    if (rc == GDPR_OK)
        rc = gdpr_crypto__sealed_split(wrapped, CRYPTO_WRAPPED_BYTES, CRYPTO_HASH_BYTES, &p);
    if (rc == GDPR_OK && EVP_CipherInit_ex2(c->wrap_cipher, NULL, NULL, p.nonce, 0, NULL) != 1)
        rc = gdpr_crypto__fail("AES-256-GCM nonce");
    if (rc == GDPR_OK)
        rc = gdpr_crypto__gcm_decrypt(c->wrap_cipher, subject_hash, CRYPTO_HASH_BYTES, &p, dek);
    if (rc == GDPR_ECORRUPT)
        return gdpr__err_set(GDPR_ECORRUPT, "subject data key: does not unwrap "
                                            "(keystore altered, or key moved between subjects)");
    return rc;
}

int
gdpr_crypto__dek_rewrap(crypto_ctx *c, const uint8_t new_kek[CRYPTO_KEY_BYTES],
                        const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                        const uint8_t wrapped[CRYPTO_WRAPPED_BYTES],
                        uint8_t out[CRYPTO_WRAPPED_BYTES])
{
    uint8_t dek[CRYPTO_KEY_BYTES];
    uint8_t new_wrap[CRYPTO_KEY_BYTES];
    int rc = gdpr_crypto__dek_unwrap(c, subject_hash, wrapped, dek);

    if (rc == GDPR_OK)
        rc = gdpr_crypto__hkdf(new_kek, "wrap", new_wrap);
    if (rc == GDPR_OK)
        rc = gdpr_crypto__gcm_seal(c, c->cipher, c->gcm, new_wrap, subject_hash, CRYPTO_HASH_BYTES,
                                   dek, CRYPTO_KEY_BYTES, out);
    gdpr_crypto__wipe(dek, sizeof dek);
    gdpr_crypto__wipe(new_wrap, sizeof new_wrap);
    return rc;
}
