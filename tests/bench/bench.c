/*
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include "bench.h"
#include "sqlite_internal.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char tmpdir[256];

double
bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double
bench_median(double *samples, size_t n)
{
    if (n == 0)
        return 0;
    qsort(samples, n, sizeof *samples, cmp_double);
    return n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

void
bench_report_rate(const char *name, double ops, double seconds, const char *baseline_name,
                  double baseline_ops, double baseline_seconds)
{
    double rate = ops / seconds;
    double base = baseline_ops / baseline_seconds;

    printf("%-44s %12.0f ops/s   | baseline %-34s %12.0f ops/s | ratio %.2fx slower\n", name, rate,
           baseline_name, base, base / rate);
}

void
bench_report_latency(const char *name, double seconds, const char *baseline_name,
                     double baseline_seconds)
{
    printf("%-44s %12.3f us       | baseline %-34s %12.3f us       | ratio %.2fx\n", name,
           seconds * 1e6, baseline_name, baseline_seconds * 1e6, seconds / baseline_seconds);
}

const char *
bench_tmpdir(void)
{
    if (tmpdir[0] == '\0') {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/gdpr-bench-XXXXXX");
        if (mkdtemp(tmpdir) == NULL) {
            perror("mkdtemp");
            exit(1);
        }
    }
    return tmpdir;
}

void
bench_cleanup(void)
{
    DIR *d;
    struct dirent *e;
    char path[600];

    if (tmpdir[0] == '\0')
        return;
    d = opendir(tmpdir);
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", tmpdir, e->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
    rmdir(tmpdir);
    tmpdir[0] = '\0';
}

double
bench_scale(void)
{
    const char *s = getenv("GDPR_BENCH_SCALE");
    double v = s ? atof(s) : 1.0;
    return v > 0 ? v : 1.0;
}

sqlite3 *
bench_copy_store(const char *from, const char *to)
{
    sqlite3 *src = NULL, *dst = NULL;
    sqlite3_backup *b;
    char pragmas[320];

    if (sqlite3_open_v2(from, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_open(to, &dst) != SQLITE_OK) {
        fprintf(stderr, "bench_copy_store: cannot open %s or %s\n", from, to);
        exit(1);
    }
    b = sqlite3_backup_init(dst, "main", src, "main");
    if (b == NULL || sqlite3_backup_step(b, -1) != SQLITE_DONE ||
        sqlite3_backup_finish(b) != SQLITE_OK) {
        fprintf(stderr, "bench_copy_store: copy failed: %s\n", sqlite3_errmsg(dst));
        exit(1);
    }
    sqlite3_close(src);
    /* The library's page cache and map (sqlite_internal.h), whatever they
     * are now. */
    snprintf(pragmas, sizeof pragmas,
             "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON;"
             " PRAGMA foreign_keys=ON; PRAGMA trusted_schema=OFF;"
             " PRAGMA temp_store=MEMORY; PRAGMA cache_size=-%d; PRAGMA mmap_size=%lld",
             STORE_SQLITE_CACHE_KIB, (long long)STORE_SQLITE_MMAP_BYTES);
    if (sqlite3_exec(dst, pragmas, NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench_copy_store: pragmas: %s\n", sqlite3_errmsg(dst));
        exit(1);
    }
    return dst;
}

void
floor_crypto_init(floor_crypto *fc)
{
    EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
    OSSL_PARAM params[2];
    unsigned char mkey[32];

    fc->keyed = 0;
    fc->pool_left = 0;
    fc->mac = m ? EVP_MAC_CTX_new(m) : NULL;
    EVP_MAC_free(m);
    fc->aead = EVP_CIPHER_CTX_new();
    fc->gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    RAND_bytes(mkey, sizeof mkey);
    RAND_bytes(fc->dek, sizeof fc->dek);
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    if (fc->mac == NULL || fc->aead == NULL || fc->gcm == NULL ||
        EVP_MAC_init(fc->mac, mkey, sizeof mkey, params) != 1) {
        fprintf(stderr, "floor: OpenSSL setup failed\n");
        exit(1);
    }
}

void
floor_crypto_free(floor_crypto *fc)
{
    EVP_MAC_CTX_free(fc->mac);
    EVP_CIPHER_CTX_free(fc->aead);
    EVP_CIPHER_free(fc->gcm);
}

void
floor_hmac(floor_crypto *fc, const void *a, size_t alen, const void *b, size_t blen,
           unsigned char out[32])
{
    size_t outlen = 0;

    if (EVP_MAC_init(fc->mac, NULL, 0, NULL) != 1 || EVP_MAC_update(fc->mac, a, alen) != 1 ||
        (blen && EVP_MAC_update(fc->mac, b, blen) != 1) ||
        EVP_MAC_final(fc->mac, out, &outlen, 32) != 1) {
        fprintf(stderr, "floor: HMAC failed\n");
        exit(1);
    }
}

void
floor_seal(floor_crypto *fc, const void *aad, size_t aadlen, const void *plain, size_t len,
           unsigned char *out)
{
    int outl = 0;

    if (fc->pool_left < 12) {
        if (RAND_bytes(fc->pool, sizeof fc->pool) != 1) {
            fprintf(stderr, "floor: RAND_bytes failed\n");
            exit(1);
        }
        fc->pool_left = sizeof fc->pool;
    }
    memcpy(out, fc->pool + sizeof fc->pool - fc->pool_left, 12);
    fc->pool_left -= 12;
    if (!fc->keyed) {
        if (EVP_EncryptInit_ex2(fc->aead, fc->gcm, fc->dek, NULL, NULL) != 1) {
            fprintf(stderr, "floor: seal failed\n");
            exit(1);
        }
        fc->keyed = 1;
    }
    if (EVP_EncryptInit_ex2(fc->aead, NULL, NULL, out, NULL) != 1 ||
        EVP_EncryptUpdate(fc->aead, NULL, &outl, aad, (int)aadlen) != 1 ||
        EVP_EncryptUpdate(fc->aead, out + 12, &outl, plain, (int)len) != 1 ||
        EVP_EncryptFinal_ex(fc->aead, out + 12 + outl, &outl) != 1 ||
        EVP_CIPHER_CTX_ctrl(fc->aead, EVP_CTRL_GCM_GET_TAG, 16, out + 12 + len) != 1) {
        fprintf(stderr, "floor: seal failed\n");
        exit(1);
    }
}

void
fe_u64(floor_enc *e, uint64_t v)
{
    for (int i = 7; i >= 0; i--)
        e->b[e->n++] = (unsigned char)(v >> (8 * i));
}

void
fe_u32(floor_enc *e, uint32_t v)
{
    for (int i = 3; i >= 0; i--)
        e->b[e->n++] = (unsigned char)(v >> (8 * i));
}

void
fe_bytes(floor_enc *e, const void *p, size_t n)
{
    memcpy(e->b + e->n, p, n);
    e->n += n;
}

void
fe_text32(floor_enc *e, const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;

    fe_u32(e, s != NULL ? (uint32_t)n : 0xFFFFFFFFu);
    if (n)
        fe_bytes(e, s, n);
}

void
floor_audit_chain(floor_crypto *fc, int64_t seq, int64_t at, const char *actor, const char *role,
                  const char *action, const unsigned char *h, int outcome, const char *ref,
                  unsigned char chain[32])
{
    static const char tag[16] = "libgdpr audit 1";
    unsigned char zero[32] = {0};
    floor_enc e = {{0}, 0};

    fe_bytes(&e, tag, sizeof tag);
    fe_u64(&e, (uint64_t)seq);
    fe_u64(&e, (uint64_t)at);
    fe_text32(&e, actor);
    fe_text32(&e, role);
    fe_text32(&e, action);
    e.b[e.n++] = h != NULL;
    fe_bytes(&e, h != NULL ? h : zero, 32);
    fe_u32(&e, (uint32_t)outcome);
    fe_text32(&e, ref);
    fe_bytes(&e, chain, 32);
    floor_hmac(fc, e.b, e.n, NULL, 0, chain);
}

void
floor_subject_keys_init(floor_subject_keys *k)
{
    unsigned char *wrap_key = k->wrap_key;

    memset(k, 0, sizeof *k);
    k->wrap = EVP_CIPHER_CTX_new();
    k->seal = EVP_CIPHER_CTX_new();
    k->gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    RAND_bytes(wrap_key, sizeof k->wrap_key);
    if (k->wrap == NULL || k->seal == NULL || k->gcm == NULL ||
        EVP_EncryptInit_ex2(k->wrap, k->gcm, wrap_key, NULL, NULL) != 1) {
        fprintf(stderr, "floor: cipher setup failed\n");
        exit(1);
    }
}

void
floor_subject_keys_free(floor_subject_keys *k)
{
    EVP_CIPHER_CTX_free(k->wrap);
    EVP_CIPHER_CTX_free(k->seal);
    EVP_CIPHER_free(k->gcm);
    OPENSSL_cleanse(k->pool, sizeof k->pool);
    OPENSSL_cleanse(k->wrap_key, sizeof k->wrap_key);
}

void
floor_subject_new(floor_subject_keys *k, const unsigned char h[32], const char *id, size_t len,
                  unsigned char *wrapped, unsigned char *ident, int64_t *serial_out)
{
    unsigned char dek[32], aad[14 + 32];
    int64_t serial;
    int outl = 0;

    if (k->pool_left < 40) {
        RAND_bytes(k->pool, sizeof k->pool);
        k->pool_left = sizeof k->pool;
    }
    memcpy(dek, k->pool + k->pool_left - 32, 32);
    memcpy(&serial, k->pool + k->pool_left - 40, 8);
    k->pool_left -= 40;
    *serial_out = serial & INT64_MAX;
    RAND_bytes(wrapped, 13);
    wrapped[0] = ident[0] = 1;
    if (EVP_EncryptInit_ex2(k->wrap, NULL, NULL, wrapped + 1, NULL) != 1 ||
        EVP_EncryptUpdate(k->wrap, NULL, &outl, h, 32) != 1 ||
        EVP_EncryptUpdate(k->wrap, wrapped + 13, &outl, dek, 32) != 1 ||
        EVP_EncryptFinal_ex(k->wrap, wrapped + 45, &outl) != 1 ||
        EVP_CIPHER_CTX_ctrl(k->wrap, EVP_CTRL_GCM_GET_TAG, 16, wrapped + 45) != 1) {
        fprintf(stderr, "floor: wrap failed\n");
        exit(1);
    }
    memcpy(aad, "subject.ident", 14);
    memcpy(aad + 14, h, 32);
    RAND_bytes(ident + 1, 12);
    if (EVP_EncryptInit_ex2(k->seal, k->gcm, dek, ident + 1, NULL) != 1 ||
        EVP_EncryptUpdate(k->seal, NULL, &outl, aad, sizeof aad) != 1 ||
        EVP_EncryptUpdate(k->seal, ident + 13, &outl, (const unsigned char *)id, (int)len) != 1 ||
        EVP_EncryptFinal_ex(k->seal, ident + 13 + len, &outl) != 1 ||
        EVP_CIPHER_CTX_ctrl(k->seal, EVP_CTRL_GCM_GET_TAG, 16, ident + 13 + len) != 1) {
        fprintf(stderr, "floor: seal failed\n");
        exit(1);
    }
    OPENSSL_cleanse(dek, sizeof dek);
}
