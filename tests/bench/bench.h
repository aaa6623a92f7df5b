/*
 * Benchmark helpers: a monotonic clock, a median of repeated samples and
 * one line per figure, always printed beside its baseline.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_BENCH_H
#define GDPR_BENCH_H

#include <stddef.h>
#include <stdint.h>

/* Seconds from a monotonic clock. */
double bench_now(void);

/* Median of n samples (sorts in place). */
double bench_median(double *samples, size_t n);

/* Print "name: N ops/s (baseline: M ops/s, ratio R)" in a fixed format that
 * docs/performance.md quotes. */
void bench_report_rate(const char *name, double ops, double seconds, const char *baseline_name,
                       double baseline_ops, double baseline_seconds);

/* Print a latency figure with its baseline. */
void bench_report_latency(const char *name, double seconds, const char *baseline_name,
                          double baseline_seconds);

/* A fresh temporary directory for a benchmark's files (removed by
 * bench_cleanup). */
const char *bench_tmpdir(void);
void bench_cleanup(void);

/* Scale from the environment (GDPR_BENCH_SCALE, default 1.0) so CI can run
 * a quick pass and a developer the full figures. */
double bench_scale(void);

/* The floor's connection: a copy of the store file `from` (the library's
 * data file, same schema, indexes, triggers and rows) at `to`, opened with
 * the library's settings (WAL, synchronous=FULL, secure_delete, foreign
 * keys, the same page cache and map), so a baseline writes the same rows
 * into a store of the same size. Exits on failure. */
struct sqlite3;
struct sqlite3 *bench_copy_store(const char *from, const char *to);

/* The crypto of a same-work floor, bare OpenSSL as the library uses it: a
 * keyed HMAC-SHA-256 context reused per call (blind index, row MAC, audit
 * chain) and AES-256-GCM under a data key kept in memory, its schedule set
 * up once (as the library keeps a cached key's), nonces drawn from a
 * 4 KiB random pool (as the library's). */
struct evp_mac_ctx_st;
struct evp_cipher_ctx_st;
struct evp_cipher_st;
typedef struct {
    struct evp_mac_ctx_st *mac;
    struct evp_cipher_ctx_st *aead;
    struct evp_cipher_st *gcm;
    unsigned char dek[32];
    int keyed; /* aead holds dek's schedule */
    unsigned char pool[4096];
    size_t pool_left;
} floor_crypto;
void floor_crypto_init(floor_crypto *fc);
void floor_crypto_free(floor_crypto *fc);
/* HMAC of a then b (blen may be 0) into out[32]. */
void floor_hmac(floor_crypto *fc, const void *a, size_t alen, const void *b, size_t blen,
                unsigned char out[32]);
/* Seal: out gets nonce(12) | ciphertext(len) | tag(16). */
void floor_seal(floor_crypto *fc, const void *aad, size_t aadlen, const void *plain, size_t len,
                unsigned char *out);

/* The library's MAC encodings rebuilt by hand (lib/store/shared.c,
 * lib/core/audit.c): big-endian integers and raw bytes appended to a
 * buffer. */
typedef struct {
    unsigned char b[640];
    size_t n;
} floor_enc;
void fe_u64(floor_enc *e, uint64_t v);
void fe_u32(floor_enc *e, uint32_t v);
void fe_bytes(floor_enc *e, const void *p, size_t n);
/* A text as the audit chain encodes it: u32 length then bytes; NULL is
 * length 0xFFFFFFFF and no bytes. */
void fe_text32(floor_enc *e, const char *s);

/* One audit event's chained MAC as lib/core/audit.c computes it:
 * chain = HMAC(tag, seq, at, actor, role, action, subject?, outcome, ref,
 * chain). `h` may be NULL (no subject). */
void floor_audit_chain(floor_crypto *fc, int64_t seq, int64_t at, const char *actor,
                       const char *role, const char *action, const unsigned char *h, int outcome,
                       const char *ref, unsigned char chain[32]);

/* A new subject's keys made by hand as lib/core/subject.c makes them: a
 * data key and serial from a pooled CSPRNG, the key wrapped with
 * AES-256-GCM under a wrap key set up once (AAD: the blind index), the id
 * sealed under the new key (its key schedule set up per subject, AAD
 * "subject.ident" || blind index). */
typedef struct {
    struct evp_cipher_ctx_st *wrap;
    struct evp_cipher_ctx_st *seal;
    struct evp_cipher_st *gcm;
    unsigned char pool[4096];
    size_t pool_left;
    unsigned char wrap_key[32]; /* for a floor that unwraps again */
} floor_subject_keys;
#define FLOOR_WRAPPED_BYTES (1 + 12 + 32 + 16)
#define FLOOR_SEAL_OVERHEAD (1 + 12 + 16)
void floor_subject_keys_init(floor_subject_keys *k);
void floor_subject_keys_free(floor_subject_keys *k);
/* wrapped gets FLOOR_WRAPPED_BYTES, ident len + FLOOR_SEAL_OVERHEAD. */
void floor_subject_new(floor_subject_keys *k, const unsigned char h[32], const char *id, size_t len,
                       unsigned char *wrapped, unsigned char *ident, int64_t *serial_out);

#endif
