/*
 * Ed25519 signatures of consent receipts (RFC 8032, through OpenSSL's
 * EVP_DigestSign with a NULL digest: Ed25519 hashes the message itself).
 * The private key of master-key generation g is the 32-byte seed
 * HKDF(root, "receipt-ed25519/<g>"): the root survives gdpr_rekey, so
 * every generation's public key can be derived again and a receipt signed
 * before a rotation still verifies after it (docs/decisions/0012).
 * SPDX-License-Identifier: MIT
 */
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto_internal.h"
#include "error.h"

static int
receipt_seed(const uint8_t root[CRYPTO_KEY_BYTES], uint64_t generation,
             uint8_t seed[CRYPTO_KEY_BYTES])
{
    char label[48];

    snprintf(label, sizeof label, "receipt-ed25519/%llu", (unsigned long long)generation);
    return gdpr_crypto__hkdf(root, label, seed);
}

static int
receipt_pkey(const uint8_t root[CRYPTO_KEY_BYTES], uint64_t generation, EVP_PKEY **out)
{
    uint8_t seed[CRYPTO_KEY_BYTES];
    int rc = receipt_seed(root, generation, seed);

    *out = NULL;
    if (rc == GDPR_OK) {
        *out = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof seed);
        /* A 32-byte seed is always a valid Ed25519 key: NULL from this
         * constructor is an allocation failure inside OpenSSL. */
        if (*out == NULL)
            rc = gdpr_crypto__nomem("Ed25519 private key");
    }
    gdpr_crypto__wipe(seed, sizeof seed);
    return rc;
}

int
gdpr_crypto__receipt_public(const uint8_t root[CRYPTO_KEY_BYTES], uint64_t generation,
                            uint8_t pub[CRYPTO_SIGN_PUBLIC_BYTES])
{
    EVP_PKEY *k = NULL;
    size_t len = CRYPTO_SIGN_PUBLIC_BYTES;
    int rc = receipt_pkey(root, generation, &k);

    if (rc == GDPR_OK &&
        (EVP_PKEY_get_raw_public_key(k, pub, &len) != 1 || len != CRYPTO_SIGN_PUBLIC_BYTES))
        rc = gdpr_crypto__fail("Ed25519 public key");
    EVP_PKEY_free(k);
    return rc;
}

int
gdpr_crypto__receipt_sign(const uint8_t root[CRYPTO_KEY_BYTES], uint64_t generation,
                          const void *msg, size_t len, uint8_t sig[CRYPTO_SIGNATURE_BYTES])
{
    EVP_PKEY *k = NULL;
    EVP_MD_CTX *md = NULL;
    size_t sig_len = CRYPTO_SIGNATURE_BYTES;
    int rc = receipt_pkey(root, generation, &k);

    if (rc == GDPR_OK) {
        md = EVP_MD_CTX_new();
        if (md == NULL || EVP_DigestSignInit(md, NULL, NULL, NULL, k) != 1 ||
            EVP_DigestSign(md, sig, &sig_len, msg, len) != 1 || sig_len != CRYPTO_SIGNATURE_BYTES)
            rc = gdpr_crypto__fail("Ed25519 signature");
    }
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(k);
    return rc;
}

int
gdpr_crypto__ed25519_verify(const uint8_t pub[CRYPTO_SIGN_PUBLIC_BYTES], const void *msg,
                            size_t len, const uint8_t sig[CRYPTO_SIGNATURE_BYTES], int *valid_out)
{
    EVP_PKEY *k =
        EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, CRYPTO_SIGN_PUBLIC_BYTES);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int rc = GDPR_OK, v;

    *valid_out = 0;
    if (k == NULL || md == NULL || EVP_DigestVerifyInit(md, NULL, NULL, NULL, k) != 1) {
        rc = gdpr_crypto__fail("Ed25519 verification");
    } else {
        v = EVP_DigestVerify(md, sig, CRYPTO_SIGNATURE_BYTES, msg, len);
        *valid_out = v == 1;
        /* 0 is a signature that does not match; below 0 is an error of
         * the call, yet for a verifier both mean "not valid". */
        ERR_clear_error();
    }
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(k);
    return rc;
}

int
gdpr_crypto__ed25519_pem(const uint8_t pub[CRYPTO_SIGN_PUBLIC_BYTES], char **pem_out)
{
    EVP_PKEY *k =
        EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, CRYPTO_SIGN_PUBLIC_BYTES);
    BIO *b = BIO_new(BIO_s_mem());
    char *data = NULL;
    long n;
    int rc = GDPR_OK;

    *pem_out = NULL;
    if (k == NULL || b == NULL || PEM_write_bio_PUBKEY(b, k) != 1) {
        rc = gdpr_crypto__fail("Ed25519 public key as PEM");
    } else {
        n = BIO_get_mem_data(b, &data);
        *pem_out = malloc((size_t)n + 1);
        if (*pem_out == NULL) {
            rc = gdpr__err_set(GDPR_ENOMEM, "out of memory for a public key");
        } else {
            memcpy(*pem_out, data, (size_t)n);
            (*pem_out)[n] = '\0';
        }
    }
    BIO_free(b);
    EVP_PKEY_free(k);
    return rc;
}
