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

#endif
