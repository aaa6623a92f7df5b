/*
 * Foundation benchmarks: subject creation, audit append, sealing and
 * opening 64-byte values; each beside its raw SQLite / OpenSSL baseline
 * measured in the same run.
 *
 *   build/tests/bench/bench-foundation      (GDPR_BENCH_SCALE=0.1 for a quick run)
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include "bench.h"
#include "engine.h"
#include "gdpr.h"

static const unsigned char key[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                      12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                      23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const gdpr_actor agent = {"bench", "agent"};
static const gdpr_actor dpo = {"bench", "dpo"};

static void
check(int rc, const char *what)
{
    if (rc != GDPR_OK) {
        fprintf(stderr, "%s: %s (%s)\n", what, gdpr_strerror(rc), gdpr_errmsg());
        exit(1);
    }
}

static gdpr_engine *
open_store(const char *name)
{
    char path[512];
    gdpr_options opts = GDPR_OPTIONS_INIT;
    gdpr_engine *eng = NULL;

    snprintf(path, sizeof path, "%s/%s.db", bench_tmpdir(), name);
    opts.path = path;
    opts.key = key;
    opts.key_len = sizeof key;
    check(gdpr_open(&eng, &opts), "gdpr_open");
    check(gdpr_policy_load(eng, &dpo, TEST_SOURCE_ROOT "/examples/policy.json"), "policy");
    return eng;
}

static sqlite3 *
open_raw(const char *name)
{
    char path[512];
    sqlite3 *db = NULL;

    snprintf(path, sizeof path, "%s/%s.db", bench_tmpdir(), name);
    if (sqlite3_open(path, &db) != SQLITE_OK ||
        sqlite3_exec(db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "PRAGMA secure_delete=ON",
                     NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "raw sqlite open failed\n");
        exit(1);
    }
    return db;
}

/* Subject creation in batches of 10,000 per transaction. */
static void
bench_subjects(long n)
{
    gdpr_engine *eng = open_store("subjects");
    sqlite3 *db = open_raw("subjects-raw");
    sqlite3_stmt *ins = NULL;
    unsigned char blob[96];
    double t0, ours, raw;

    t0 = bench_now();
    for (long i = 0; i < n; i += 10000) {
        check(gdpr_begin(eng), "begin");
        for (long k = i; k < i + 10000 && k < n; k++) {
            char id[32];
            snprintf(id, sizeof id, "customer-%ld", k);
            check(gdpr_subject_ensure(eng, &agent, id, NULL), "subject");
        }
        check(gdpr_commit(eng), "commit");
    }
    ours = bench_now() - t0;

    /* Baseline: the same rows (32-byte key, ~45-byte value, time) plus a
     * 61-byte wrapped key and an audit row, in plain SQLite, no crypto. */
    sqlite3_exec(db,
                 "CREATE TABLE subject(id INTEGER PRIMARY KEY, hash BLOB UNIQUE, ident BLOB,"
                 " created INT); CREATE TABLE k(hash BLOB PRIMARY KEY, w BLOB) WITHOUT ROWID;"
                 "CREATE TABLE audit(seq INTEGER PRIMARY KEY, at INT, actor TEXT, role TEXT,"
                 " action TEXT, subject BLOB, outcome INT, ref TEXT, mac BLOB)",
                 NULL, NULL, NULL);
    RAND_bytes(blob, sizeof blob);
    {
        sqlite3_stmt *ins_key = NULL, *ins_audit = NULL;
        sqlite3_prepare_v2(db, "INSERT INTO subject(hash, ident, created) VALUES(?1, ?2, 0)", -1,
                           &ins, NULL);
        sqlite3_prepare_v2(db, "INSERT INTO k VALUES(?1, ?2)", -1, &ins_key, NULL);
        sqlite3_prepare_v2(db,
                           "INSERT INTO audit VALUES(NULL, 0, 'bench', 'agent',"
                           " 'subject.create', ?1, 0, NULL, ?2)",
                           -1, &ins_audit, NULL);
        t0 = bench_now();
        for (long i = 0; i < n; i += 10000) {
            sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
            for (long k = i; k < i + 10000 && k < n; k++) {
                memcpy(blob, &k, sizeof k);
                sqlite3_bind_blob(ins, 1, blob, 32, SQLITE_STATIC);
                sqlite3_bind_blob(ins, 2, blob + 32, 45, SQLITE_STATIC);
                sqlite3_step(ins);
                sqlite3_reset(ins);
                sqlite3_bind_blob(ins_key, 1, blob, 32, SQLITE_STATIC);
                sqlite3_bind_blob(ins_key, 2, blob + 32, 61, SQLITE_STATIC);
                sqlite3_step(ins_key);
                sqlite3_reset(ins_key);
                sqlite3_bind_blob(ins_audit, 1, blob, 32, SQLITE_STATIC);
                sqlite3_bind_blob(ins_audit, 2, blob + 40, 32, SQLITE_STATIC);
                sqlite3_step(ins_audit);
                sqlite3_reset(ins_audit);
            }
            sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        }
        sqlite3_finalize(ins);
        sqlite3_finalize(ins_key);
        sqlite3_finalize(ins_audit);
    }
    raw = bench_now() - t0;
    bench_report_rate("subject creation (batched 10k)", (double)n, ours,
                      "raw SQLite, same 3 rows/subject", (double)n, raw);
    gdpr_close(eng);
    sqlite3_close(db);
}

/* Audit append: the engine's internal append (tail read, HMAC, insert). */
static void
bench_audit(long n)
{
    gdpr_engine *eng = open_store("audit");
    sqlite3 *db = open_raw("audit-raw");
    sqlite3_stmt *ins = NULL;
    unsigned char hash[32], mac[32];
    double t0, ours, raw;

    RAND_bytes(hash, sizeof hash);
    RAND_bytes(mac, sizeof mac);
    t0 = bench_now();
    check(gdpr_begin(eng), "begin");
    for (long i = 0; i < n; i++)
        check(gdpr_audit__append(eng, &agent, "consent.record", hash, GDPR_OK, "event"), "audit");
    check(gdpr_commit(eng), "commit");
    ours = bench_now() - t0;

    sqlite3_exec(db,
                 "CREATE TABLE audit(seq INTEGER PRIMARY KEY, at INT, actor TEXT, role TEXT,"
                 " action TEXT, subject BLOB, outcome INT, ref TEXT, mac BLOB)",
                 NULL, NULL, NULL);
    sqlite3_prepare_v2(db,
                       "INSERT INTO audit VALUES(NULL, 0, 'bench', 'agent', 'consent.record',"
                       " ?1, 0, 'event', ?2)",
                       -1, &ins, NULL);
    t0 = bench_now();
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    for (long i = 0; i < n; i++) {
        sqlite3_bind_blob(ins, 1, hash, 32, SQLITE_STATIC);
        sqlite3_bind_blob(ins, 2, mac, 32, SQLITE_STATIC);
        sqlite3_step(ins);
        sqlite3_reset(ins);
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    raw = bench_now() - t0;
    sqlite3_finalize(ins);
    bench_report_rate("audit append (HMAC chain, batched)", (double)n, ours,
                      "raw SQLite insert, cached stmt", (double)n, raw);
    gdpr_close(eng);
    sqlite3_close(db);
}

/* Seal and open 64-byte values under a subject key, against bare EVP
 * AES-256-GCM with the same key, nonce generation and AAD size. */
static void
bench_seal(long n)
{
    gdpr_engine *eng = open_store("seal");
    uint8_t hash[CRYPTO_HASH_BYTES];
    uint8_t value[64], sealed[64 + CRYPTO_SEAL_OVERHEAD], opened[64];
    uint8_t dek[32], nonce[12], tag[16], ct[64], aad[64];
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    EVP_CIPHER *gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    double t0, seal_ours, open_ours, seal_raw, open_raw_t;
    int outl;

    RAND_bytes(value, sizeof value);
    RAND_bytes(dek, sizeof dek);
    RAND_bytes(aad, sizeof aad);
    check(gdpr_subject_ensure(eng, &agent, "seal-subject", NULL), "subject");
    check(gdpr_engine__subject_hash(eng, "seal-subject", hash), "hash");
    t0 = bench_now();
    for (long i = 0; i < n; i++)
        check(gdpr_engine__seal_field(eng, hash, "vault", i, "value", value, sizeof value, sealed),
              "seal");
    seal_ours = bench_now() - t0;
    t0 = bench_now();
    for (long i = 0; i < n; i++)
        check(gdpr_engine__open_field(eng, hash, "vault", n - 1, "value", sealed, sizeof sealed,
                                      opened),
              "open");
    open_ours = bench_now() - t0;

    t0 = bench_now();
    for (long i = 0; i < n; i++) {
        RAND_bytes(nonce, sizeof nonce);
        EVP_EncryptInit_ex2(ctx, gcm, dek, nonce, NULL);
        EVP_EncryptUpdate(ctx, NULL, &outl, aad, 51);
        EVP_EncryptUpdate(ctx, ct, &outl, value, sizeof value);
        EVP_EncryptFinal_ex(ctx, ct + 64, &outl);
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag);
    }
    seal_raw = bench_now() - t0;
    t0 = bench_now();
    for (long i = 0; i < n; i++) {
        EVP_DecryptInit_ex2(ctx, gcm, dek, nonce, NULL);
        EVP_DecryptUpdate(ctx, NULL, &outl, aad, 51);
        EVP_DecryptUpdate(ctx, opened, &outl, ct, sizeof ct);
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, tag);
        if (EVP_DecryptFinal_ex(ctx, opened + 64, &outl) != 1) {
            fprintf(stderr, "baseline open failed\n");
            exit(1);
        }
    }
    open_raw_t = bench_now() - t0;
    bench_report_rate("seal 64-byte value (subject key, AAD)", (double)n, seal_ours,
                      "bare EVP AES-256-GCM seal", (double)n, seal_raw);
    bench_report_rate("open 64-byte value (subject key, AAD)", (double)n, open_ours,
                      "bare EVP AES-256-GCM open", (double)n, open_raw_t);
    EVP_CIPHER_free(gcm);
    EVP_CIPHER_CTX_free(ctx);
    gdpr_close(eng);
}

int
main(void)
{
    double scale = bench_scale();

    printf("libgdpr %s foundation benchmarks (scale %.2f)\n", gdpr_version(), scale);
    bench_subjects((long)(100000 * scale));
    bench_audit((long)(200000 * scale));
    bench_seal((long)(1000000 * scale));
    bench_cleanup();
    return 0;
}
