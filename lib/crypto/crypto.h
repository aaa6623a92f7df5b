/*
 * Internal: the only door to OpenSSL. Keys, AEAD, blind indexes, the audit
 * MAC. Capability code never sees an EVP type.
 *
 * Key hierarchy (docs/decisions/0002-key-hierarchy.md):
 *   KEK (host key, or scrypt(passphrase, salt))
 *     -> wrap key = HKDF(KEK, "wrap")   wraps each subject's DEK and the root
 *   root secret (random, stored wrapped, survives rekey)
 *     -> index key = HKDF(root, "blind-index")
 *     -> audit key = HKDF(root, "audit-mac")
 *     -> row key   = HKDF(root, "row-mac")   MACs of identity and consent-state rows
 *     -> store key = HKDF(root, "store-seal") seals anonymised aggregate values
 *     -> receipt signing seed of KEK generation g = HKDF(root, "receipt-ed25519/<g>")
 * so that rotating the KEK rewraps keys without recomputing blind indexes
 * or the audit chain, yet a wrapped DEK found in an old copy needs the
 * retired KEK.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_CRYPTO_H
#define GDPR_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_KEY_BYTES 32u
#define CRYPTO_HASH_BYTES 32u
#define CRYPTO_SALT_BYTES 16u
#define CRYPTO_NONCE_BYTES 12u
#define CRYPTO_TAG_BYTES 16u
/* version byte + nonce + tag */
#define CRYPTO_SEAL_OVERHEAD (1u + CRYPTO_NONCE_BYTES + CRYPTO_TAG_BYTES)
#define CRYPTO_WRAPPED_BYTES (CRYPTO_KEY_BYTES + CRYPTO_SEAL_OVERHEAD)

typedef struct crypto_ctx crypto_ctx;

typedef struct {
    uint64_t n;
    uint32_t r, p;
} crypto_scrypt_params;

extern const crypto_scrypt_params gdpr_crypto__scrypt_default;

/* Fill with random bytes from OpenSSL's CSPRNG. */
int gdpr_crypto__random(void *buf, size_t len);
/* The same from the context's pool (drawn 4 KiB at a time, emptied on
 * fork): no pid check per call. */
int gdpr_crypto__random_pooled(crypto_ctx *c, void *buf, size_t len);

/* KEK from a passphrase. */
int gdpr_crypto__kek_from_passphrase(const char *passphrase, const uint8_t salt[CRYPTO_SALT_BYTES],
                                     const crypto_scrypt_params *params,
                                     uint8_t kek[CRYPTO_KEY_BYTES]);

/* Wrap / unwrap the root secret under a KEK. Unwrap with a wrong KEK
 * returns GDPR_EKEY: this is the key check. */
int gdpr_crypto__root_wrap(const uint8_t kek[CRYPTO_KEY_BYTES],
                           const uint8_t root[CRYPTO_KEY_BYTES], uint8_t out[CRYPTO_WRAPPED_BYTES]);
int gdpr_crypto__root_unwrap(const uint8_t kek[CRYPTO_KEY_BYTES],
                             const uint8_t wrapped[CRYPTO_WRAPPED_BYTES],
                             uint8_t root[CRYPTO_KEY_BYTES]);

/* Engine crypto state: sub-keys and reusable OpenSSL contexts. Not
 * thread-safe; the engine serialises calls. */
int gdpr_crypto__ctx_new(crypto_ctx **out, const uint8_t kek[CRYPTO_KEY_BYTES],
                         const uint8_t root[CRYPTO_KEY_BYTES]);
void gdpr_crypto__ctx_free(crypto_ctx *c);
/* Swap the wrap key for the one of a new KEK (after rekey committed). */
int gdpr_crypto__ctx_set_kek(crypto_ctx *c, const uint8_t kek[CRYPTO_KEY_BYTES]);
/* The same in two steps, for a caller that must not fail after a commit:
 * derive the wrap key of a new KEK first (may fail: OpenSSL), install it
 * once committed (cannot fail). */
int gdpr_crypto__wrap_key_of(const uint8_t kek[CRYPTO_KEY_BYTES], uint8_t wrap[CRYPTO_KEY_BYTES]);
void gdpr_crypto__ctx_set_wrap_key(crypto_ctx *c, const uint8_t wrap[CRYPTO_KEY_BYTES]);

/* HMAC-SHA-256 blind index of `value` in a domain ("subject", "email" ...):
 * the domain separates kinds so one value cannot match across them. */
int gdpr_crypto__blind_index(crypto_ctx *c, const char *domain, const void *value, size_t len,
                             uint8_t out[CRYPTO_HASH_BYTES]);

/* HMAC-SHA-256 under the row key (HKDF(root, "row-mac")): binds a lookup
 * row (identity, consent state) to what it points at, so an edit of the
 * data file is found (lib/store/sqlite/rowmac.c). */
int gdpr_crypto__row_mac(crypto_ctx *c, const void *msg, size_t len,
                         uint8_t out[CRYPTO_HASH_BYTES]);

/* AES-256-GCM under the store key (HKDF(root, "store-seal")): values that
 * belong to no subject but must not be plaintext on disk (anonymised
 * aggregate values). Same format and errors as gdpr_crypto__seal/open. */
int gdpr_crypto__store_seal(crypto_ctx *c, const void *aad, size_t aad_len, const void *plain,
                            size_t len, uint8_t *out);
int gdpr_crypto__store_open(crypto_ctx *c, const void *aad, size_t aad_len, const uint8_t *sealed,
                            size_t sealed_len, uint8_t *out);

/* HMAC-SHA-256 under the audit key. */
int gdpr_crypto__audit_mac(crypto_ctx *c, const void *msg, size_t len,
                           uint8_t out[CRYPTO_HASH_BYTES]);

/* A fresh random data key, and its wrapping under the wrap key bound to
 * the subject's hash (a wrapped key moved to another subject fails). */
int gdpr_crypto__dek_new(crypto_ctx *c, uint8_t dek[CRYPTO_KEY_BYTES]);
int gdpr_crypto__dek_wrap(crypto_ctx *c, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                          const uint8_t dek[CRYPTO_KEY_BYTES], uint8_t out[CRYPTO_WRAPPED_BYTES]);
int gdpr_crypto__dek_unwrap(crypto_ctx *c, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                            const uint8_t wrapped[CRYPTO_WRAPPED_BYTES],
                            uint8_t dek[CRYPTO_KEY_BYTES]);
/* Rewrap under a new KEK: unwrap with the current wrap key, wrap with
 * HKDF(new_kek, "wrap"). */
int gdpr_crypto__dek_rewrap(crypto_ctx *c, const uint8_t new_kek[CRYPTO_KEY_BYTES],
                            const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                            const uint8_t wrapped[CRYPTO_WRAPPED_BYTES],
                            uint8_t out[CRYPTO_WRAPPED_BYTES]);

/* AES-256-GCM. `out` holds len + CRYPTO_SEAL_OVERHEAD bytes. The AAD binds
 * the value to its place (row, subject, field): moved, it fails to open. */
int gdpr_crypto__seal(crypto_ctx *c, const uint8_t key[CRYPTO_KEY_BYTES], const void *aad,
                      size_t aad_len, const void *plain, size_t len, uint8_t *out);
/* `out` holds ct_len - CRYPTO_SEAL_OVERHEAD bytes. GDPR_ECORRUPT when the
 * tag does not verify. */
int gdpr_crypto__open(crypto_ctx *c, const uint8_t key[CRYPTO_KEY_BYTES], const void *aad,
                      size_t aad_len, const uint8_t *sealed, size_t sealed_len, uint8_t *out);

int gdpr_crypto__sha256(const void *data, size_t len, uint8_t out[CRYPTO_HASH_BYTES]);
/* The same with the context's SHA-256, fetched and set up once (the
 * one-shot above fetches and allocates per call: most of the cost of a
 * short text's digest). */
int gdpr_crypto__digest(crypto_ctx *c, const void *data, size_t len,
                        uint8_t out[CRYPTO_HASH_BYTES]);
/* The same for a short text that recurs from call to call (a policy or
 * caller name): remembered in the context, found again by its bytes.
 * Never for a subject's data or a secret: the text stays in memory until
 * the context is freed (wiped then). */
int gdpr_crypto__digest_text(crypto_ctx *c, const char *text, size_t len,
                             uint8_t out[CRYPTO_HASH_BYTES]);

/* Many opens under one key (lib/crypto/opener.c): the key schedule is set
 * up once, only the nonce changes per value; same format and errors as
 * gdpr_crypto__open. Not thread-safe. Free wipes the key schedule. */
typedef struct crypto_opener crypto_opener;
int gdpr_crypto__opener_new(crypto_ctx *c, const uint8_t key[CRYPTO_KEY_BYTES],
                            crypto_opener **out);
int gdpr_crypto__opener_open(crypto_opener *o, const void *aad, size_t aad_len,
                             const uint8_t *sealed, size_t sealed_len, uint8_t *out);
void gdpr_crypto__opener_free(crypto_opener *o);

/* One key set up once and kept (lib/crypto/keyed.c): the expanded AES key
 * and GHASH table live in the object, each seal or open only sets a new
 * nonce; same format and errors as gdpr_crypto__seal/open (`c` supplies
 * the nonces). Not thread-safe. Free cleanses the key schedule. */
typedef struct crypto_keyed crypto_keyed;
int gdpr_crypto__keyed_new(crypto_ctx *c, const uint8_t key[CRYPTO_KEY_BYTES], crypto_keyed **out);
int gdpr_crypto__keyed_seal(crypto_ctx *c, crypto_keyed *k, const void *aad, size_t aad_len,
                            const void *plain, size_t len, uint8_t *out);
int gdpr_crypto__keyed_open(crypto_keyed *k, const void *aad, size_t aad_len, const uint8_t *sealed,
                            size_t sealed_len, uint8_t *out);
/* The same object set up for another key (a data-key cache slot taken by
 * a new key): no allocation; the old key's schedule is overwritten, as
 * free would cleanse it. On failure the object must be freed. */
int gdpr_crypto__keyed_rekey(crypto_keyed *k, const uint8_t key[CRYPTO_KEY_BYTES]);
void gdpr_crypto__keyed_free(crypto_keyed *k);

/* Base64 (RFC 4648, padded; lib/crypto/base64.c). Encode writes
 * CRYPTO_BASE64_LEN(len) characters and a NUL into `out` and returns the
 * count. Decode takes padded text (length a multiple of 4) into `out`
 * (at least 3 * len / 4 bytes); GDPR_EINVAL on bad text. */
#define CRYPTO_BASE64_LEN(n) (4u * (((n) + 2u) / 3u))
size_t gdpr_crypto__base64_encode(const void *in, size_t len, char *out);
int gdpr_crypto__base64_decode(const char *in, size_t len, void *out, size_t cap, size_t *len_out);

/* Ed25519 receipt signatures (lib/crypto/sign.c). The key pair of
 * master-key generation g derives from the root secret:
 * seed = HKDF(root, "receipt-ed25519/<g>"). Verify sets *valid_out to 1
 * or 0 and returns GDPR_OK unless OpenSSL itself failed. */
#define CRYPTO_SIGN_PUBLIC_BYTES 32u
#define CRYPTO_SIGNATURE_BYTES 64u
int gdpr_crypto__receipt_public(const uint8_t root[CRYPTO_KEY_BYTES], uint64_t generation,
                                uint8_t pub[CRYPTO_SIGN_PUBLIC_BYTES]);
int gdpr_crypto__receipt_sign(const uint8_t root[CRYPTO_KEY_BYTES], uint64_t generation,
                              const void *msg, size_t len, uint8_t sig[CRYPTO_SIGNATURE_BYTES]);
int gdpr_crypto__ed25519_verify(const uint8_t pub[CRYPTO_SIGN_PUBLIC_BYTES], const void *msg,
                                size_t len, const uint8_t sig[CRYPTO_SIGNATURE_BYTES],
                                int *valid_out);
/* The public key as PEM (SubjectPublicKeyInfo), malloc'd. */
int gdpr_crypto__ed25519_pem(const uint8_t pub[CRYPTO_SIGN_PUBLIC_BYTES], char **pem_out);

/* Wipe secrets (not optimised away) and compare MACs in constant time. */
void gdpr_crypto__wipe(void *p, size_t len);
int gdpr_crypto__equal(const void *a, const void *b, size_t len);

#endif
