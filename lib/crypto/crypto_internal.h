/*
 * Internal to lib/crypto: the context layout and OpenSSL error capture.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_CRYPTO_INTERNAL_H
#define GDPR_CRYPTO_INTERNAL_H

#include <openssl/evp.h>

#include "crypto.h"

#define CRYPTO_TEXT_MEMO_MAX 63
#define CRYPTO_TEXT_MEMO_SLOTS 32

struct crypto_ctx {
    uint8_t wrap_key[CRYPTO_KEY_BYTES];
    uint8_t index_key[CRYPTO_KEY_BYTES];
    uint8_t audit_key[CRYPTO_KEY_BYTES];
    uint8_t row_key[CRYPTO_KEY_BYTES];   /* HKDF(root, "row-mac"): lookup rows */
    uint8_t store_key[CRYPTO_KEY_BYTES]; /* HKDF(root, "store-seal"): no subject's data */
    EVP_CIPHER *gcm;                     /* fetched once: fetching per call is slow in 3.x */
    EVP_CIPHER_CTX *cipher;              /* reused for every seal/open */
    EVP_MAC *hmac;
    EVP_MAC_CTX *index_mac; /* keyed once, re-initialised per use */
    EVP_MAC_CTX *audit_mac;
    EVP_MAC_CTX *row_mac;
    EVP_MD *sha256;     /* fetched once */
    EVP_MD_CTX *digest; /* set up once for SHA-256, re-initialised per use */
    /* The wrap key's AES-256-GCM schedule, set up on first use and again
     * after the wrap key changes (wrap_ready 0): a wrap or unwrap then
     * sets only the nonce. */
    EVP_CIPHER_CTX *wrap_cipher;
    int wrap_ready;
    /* Digests of short texts that recur in every row MAC (purpose, notice,
     * channel, actor): a text's digest is computed once and found again
     * by its bytes. No subject's data: callers pass only policy names
     * and the acting caller's id (gdpr_crypto__digest_text), which the
     * rows hold in clear anyway. Wiped on free. */
    struct {
        uint8_t len; /* 0: empty slot; else the text's length + 1 */
        char text[CRYPTO_TEXT_MEMO_MAX];
        uint8_t digest[CRYPTO_HASH_BYTES];
    } memo[CRYPTO_TEXT_MEMO_SLOTS];
    /* CSPRNG output drawn 4 KiB at a time: OpenSSL 3.0 checks the pid (a
     * system call) on every RAND_bytes, which cost a sixth of a subject
     * creation. A host may fork after gdpr_open: a pthread_atfork child
     * handler bumps a process-wide fork count, and a pool filled under an
     * older count is wiped before use, so parent and child never hand out
     * the same bytes (nonces, data keys). Wiped on free. */
    uint8_t pool[4096];
    size_t pool_left;
    unsigned long pool_forks; /* fork count when the pool was filled */
};

/* Registers the fork handler (once per process); 0 or GDPR_ECRYPTO. */
int gdpr_crypto__fork_guard(void);

/* Random bytes from the context's pool (refilled from RAND_bytes; emptied
 * first when the process forked since it was filled). */
int gdpr_crypto__pool_random(crypto_ctx *c, void *out, size_t len);

/* Record OpenSSL's error queue in our message and return GDPR_ECRYPTO,
 * or GDPR_ENOMEM when the queue reports an allocation failure. */
int gdpr_crypto__fail(const char *what);
/* An OpenSSL constructor (EVP_*_new) returned NULL: that is an allocation
 * failure; GDPR_ENOMEM naming `what`. */
int gdpr_crypto__nomem(const char *what);

/* GCM with an explicit cipher context. `c` supplies the nonce from its
 * pool; NULL draws it from RAND_bytes directly. */
int gdpr_crypto__gcm_seal(crypto_ctx *c, EVP_CIPHER_CTX *ctx, const EVP_CIPHER *gcm,
                          const uint8_t key[CRYPTO_KEY_BYTES], const void *aad, size_t aad_len,
                          const void *plain, size_t len, uint8_t *out);
int gdpr_crypto__gcm_open(EVP_CIPHER_CTX *ctx, const EVP_CIPHER *gcm,
                          const uint8_t key[CRYPTO_KEY_BYTES], const void *aad, size_t aad_len,
                          const uint8_t *sealed, size_t sealed_len, uint8_t *out);

/* The version byte and a fresh nonce at the head of `out` (from `c`'s
 * pool, or RAND_bytes when NULL), after checking the lengths. */
int gdpr_crypto__seal_nonce(crypto_ctx *c, size_t aad_len, size_t len, uint8_t *out);
/* Encrypts into `out` (laid out as a sealed value, nonce already there)
 * with a context whose key and nonce are set, and appends the tag. */
int gdpr_crypto__gcm_encrypt(EVP_CIPHER_CTX *ctx, const void *aad, size_t aad_len,
                             const void *plain, size_t len, uint8_t *out);

/* Version byte leading every sealed value. */
#define SEAL_VERSION 0x01

/* A sealed value taken apart: 0x01 | nonce | body (len bytes) | tag. */
typedef struct {
    const uint8_t *nonce;
    const uint8_t *body;
    size_t len;
    uint8_t tag[CRYPTO_TAG_BYTES];
} crypto_sealed_parts;

/* Checks the version byte and the lengths of a sealed value and splits it. */
int gdpr_crypto__sealed_split(const uint8_t *sealed, size_t sealed_len, size_t aad_len,
                              crypto_sealed_parts *out);

/* Decrypts and authenticates with a context whose key and nonce are set;
 * wipes `out` when the tag does not match. */
int gdpr_crypto__gcm_decrypt(EVP_CIPHER_CTX *ctx, const void *aad, size_t aad_len,
                             crypto_sealed_parts *p, uint8_t *out);

int gdpr_crypto__hkdf(const uint8_t ikm[CRYPTO_KEY_BYTES], const char *label,
                      uint8_t out[CRYPTO_KEY_BYTES]);

#endif
