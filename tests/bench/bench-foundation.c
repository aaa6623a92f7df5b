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
#include <time.h>

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

static void
sql_ok(int rc, sqlite3 *db, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "floor: %s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

static gdpr_engine *
open_store_at(const char *name, char *path, size_t cap)
{
    gdpr_options opts = GDPR_OPTIONS_INIT;
    gdpr_engine *eng = NULL;

    snprintf(path, cap, "%s/%s.db", bench_tmpdir(), name);
    opts.path = path;
    opts.key = key;
    opts.key_len = sizeof key;
    check(gdpr_open(&eng, &opts), "gdpr_open");
    check(gdpr_policy_load(eng, &dpo, TEST_SOURCE_ROOT "/examples/policy.json"), "policy");
    return eng;
}

static gdpr_engine *
open_store(const char *name)
{
    char path[512];

    return open_store_at(name, path, sizeof path);
}

/* The floor's copies of a store's two files as they are now (data file
 * and keystore), opened with the library's settings. */
static void
copy_both(const char *path, const char *name, sqlite3 **db_out, sqlite3 **kdb_out)
{
    char from[600], to[600];

    snprintf(to, sizeof to, "%s/%s.db", bench_tmpdir(), name);
    *db_out = bench_copy_store(path, to);
    snprintf(from, sizeof from, "%s-keys", path);
    snprintf(to, sizeof to, "%s/%s.db-keys", bench_tmpdir(), name);
    *kdb_out = bench_copy_store(from, to);
}

/* The same-work floor of subject creation, gdpr_subject_ensure's work by
 * hand on a copy of the store as it was before (both files): per subject
 * the blind index, the lookup that misses, a data key and serial, its
 * wrap, the id sealed under it (floor_subject_new, as bench-consent's
 * load floor), the key row, the subject row and the chained
 * "subject.create" audit row (its subject id found by hash, as the
 * library's insert does). Ids and the chain's tail read once per
 * transaction; each commit durable in both files, keys first, with the
 * counters moved. Not done: the library's DELETE of a stale key row and
 * its read-back of the new row's serial (statements counted against
 * us). */
static __attribute__((noinline)) double
floor_subjects(sqlite3 *db, sqlite3 *kdb, long n)
{
    sqlite3_stmt *sub = NULL, *ins_sub = NULL, *ins_key = NULL, *au = NULL, *tail = NULL;
    unsigned char chain[32];
    floor_crypto fc;
    floor_subject_keys keys;
    int64_t seq = 0, next_subject = 0, at = (int64_t)time(NULL);
    double t0;

    floor_crypto_init(&fc);
    floor_subject_keys_init(&keys);
    sql_ok(sqlite3_prepare_v2(db, "SELECT id FROM main.subject WHERE hash=?1", -1, &sub, NULL), db,
           "prepare");
    sql_ok(sqlite3_prepare_v2(db,
                              "INSERT INTO main.subject(hash, ident, created, id)"
                              " VALUES(?1, ?2, ?3, ?4)",
                              -1, &ins_sub, NULL),
           db, "prepare subject");
    sql_ok(sqlite3_prepare_v2(kdb,
                              "INSERT INTO main.subject_key(hash, wrapped, gen, serial)"
                              " VALUES(?1, ?2, 1, ?3)",
                              -1, &ins_key, NULL),
           kdb, "prepare key");
    sql_ok(sqlite3_prepare_v2(db,
                              "INSERT INTO main.audit(seq, at, actor, role, action, subject,"
                              " outcome, ref, mac, subject_id) VALUES(?1, ?2, 'bench', 'agent',"
                              " 'subject.create', ?3, 0, NULL, ?4,"
                              " (SELECT id FROM main.subject WHERE hash=?3))",
                              -1, &au, NULL),
           db, "prepare audit");
    sql_ok(sqlite3_prepare_v2(db,
                              "SELECT (SELECT coalesce(max(seq), 0) FROM main.audit),"
                              " (SELECT mac FROM main.audit ORDER BY seq DESC LIMIT 1),"
                              " (SELECT coalesce(max(id), 0) FROM main.subject)",
                              -1, &tail, NULL),
           db, "prepare tail");
    t0 = bench_now();
    for (long i = 0; i < n; i += 10000) {
        sql_ok(sqlite3_exec(kdb, "BEGIN IMMEDIATE", NULL, NULL, NULL), kdb, "begin keys");
        sql_ok(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), db, "begin");
        sql_ok(sqlite3_step(tail), db, "tail");
        seq = sqlite3_column_int64(tail, 0);
        memset(chain, 0, sizeof chain);
        if (sqlite3_column_bytes(tail, 1) == 32)
            memcpy(chain, sqlite3_column_blob(tail, 1), 32);
        next_subject = sqlite3_column_int64(tail, 2);
        sqlite3_reset(tail);
        for (long k = i; k < i + 10000 && k < n; k++) {
            unsigned char h[32], wrapped[FLOOR_WRAPPED_BYTES], ident[FLOOR_SEAL_OVERHEAD + 32];
            char id[32];
            int64_t serial = 0;
            size_t len;

            snprintf(id, sizeof id, "customer-%ld", k);
            len = strlen(id);
            floor_hmac(&fc, "subject", 8, id, len, h); /* blind index */
            sqlite3_bind_blob(sub, 1, h, 32, SQLITE_STATIC);
            if (sqlite3_step(sub) == SQLITE_ROW) {
                fprintf(stderr, "floor: subject already there\n");
                exit(1);
            }
            sqlite3_reset(sub);
            floor_subject_new(&keys, h, id, len, wrapped, ident, &serial);
            sqlite3_bind_blob(ins_key, 1, h, 32, SQLITE_STATIC);
            sqlite3_bind_blob(ins_key, 2, wrapped, sizeof wrapped, SQLITE_STATIC);
            sqlite3_bind_int64(ins_key, 3, serial);
            sql_ok(sqlite3_step(ins_key), kdb, "insert key");
            sqlite3_reset(ins_key);
            sqlite3_bind_blob(ins_sub, 1, h, 32, SQLITE_STATIC);
            sqlite3_bind_blob(ins_sub, 2, ident, (int)(len + FLOOR_SEAL_OVERHEAD), SQLITE_STATIC);
            sqlite3_bind_int64(ins_sub, 3, at);
            sqlite3_bind_int64(ins_sub, 4, ++next_subject);
            sql_ok(sqlite3_step(ins_sub), db, "insert subject");
            sqlite3_reset(ins_sub);
            floor_audit_chain(&fc, ++seq, at, "bench", "agent", "subject.create", h, 0, NULL,
                              chain);
            sqlite3_bind_int64(au, 1, seq);
            sqlite3_bind_int64(au, 2, at);
            sqlite3_bind_blob(au, 3, h, 32, SQLITE_STATIC);
            sqlite3_bind_blob(au, 4, chain, 32, SQLITE_STATIC);
            sql_ok(sqlite3_step(au), db, "insert audit");
            sqlite3_reset(au);
        }
        /* Keys first (decision 0003), then the data with its counters. */
        sql_ok(sqlite3_exec(kdb, "COMMIT", NULL, NULL, NULL), kdb, "commit keys");
        sql_ok(sqlite3_exec(db,
                            "UPDATE main.counter SET value=value+1 WHERE name IN ('subject',"
                            " 'generation'); COMMIT",
                            NULL, NULL, NULL),
               db, "commit");
    }
    t0 = bench_now() - t0;
    sqlite3_finalize(sub);
    sqlite3_finalize(ins_sub);
    sqlite3_finalize(ins_key);
    sqlite3_finalize(au);
    sqlite3_finalize(tail);
    floor_subject_keys_free(&keys);
    floor_crypto_free(&fc);
    return t0;
}

/* The same-work floor of an audit append inside one transaction: the
 * event encoded as lib/core/audit.c encodes it, its chained HMAC, and the
 * row inserted into a copy of the library's store (its indexes and
 * triggers), the subject id looked up by hash as the library's insert
 * does; the tail read once per transaction. */
static __attribute__((noinline)) double
floor_audit(sqlite3 *db, const unsigned char hash[32], long n)
{
    sqlite3_stmt *au = NULL, *tail = NULL;
    unsigned char chain[32] = {0};
    floor_crypto fc;
    int64_t seq = 0, at = (int64_t)time(NULL);
    double t0;

    floor_crypto_init(&fc);
    sql_ok(sqlite3_prepare_v2(db,
                              "INSERT INTO main.audit(seq, at, actor, role, action, subject,"
                              " outcome, ref, mac, subject_id) VALUES(?1, ?2, 'bench', 'agent',"
                              " 'consent.record', ?3, 0, 'event', ?4,"
                              " (SELECT id FROM main.subject WHERE hash=?3))",
                              -1, &au, NULL),
           db, "prepare audit");
    sql_ok(sqlite3_prepare_v2(db, "SELECT seq, mac FROM main.audit ORDER BY seq DESC LIMIT 1", -1,
                              &tail, NULL),
           db, "prepare tail");
    t0 = bench_now();
    sql_ok(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), db, "begin");
    if (sqlite3_step(tail) == SQLITE_ROW) {
        seq = sqlite3_column_int64(tail, 0);
        if (sqlite3_column_bytes(tail, 1) == 32)
            memcpy(chain, sqlite3_column_blob(tail, 1), 32);
    }
    sqlite3_reset(tail);
    for (long i = 0; i < n; i++) {
        floor_audit_chain(&fc, ++seq, at, "bench", "agent", "consent.record", hash, GDPR_OK,
                          "event", chain);
        sqlite3_bind_int64(au, 1, seq);
        sqlite3_bind_int64(au, 2, at);
        sqlite3_bind_blob(au, 3, hash, 32, SQLITE_STATIC);
        sqlite3_bind_blob(au, 4, chain, 32, SQLITE_STATIC);
        sql_ok(sqlite3_step(au), db, "insert audit");
        sqlite3_reset(au);
    }
    sql_ok(sqlite3_exec(db, "UPDATE main.counter SET value=value+1 WHERE name='generation'; COMMIT",
                        NULL, NULL, NULL),
           db, "commit");
    t0 = bench_now() - t0;
    sqlite3_finalize(au);
    sqlite3_finalize(tail);
    floor_crypto_free(&fc);
    return t0;
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
    char path[512];
    gdpr_engine *eng = open_store_at("subjects", path, sizeof path);
    sqlite3 *db = open_raw("subjects-raw");
    sqlite3 *fl = NULL, *fk = NULL;
    sqlite3_stmt *ins = NULL;
    unsigned char blob[96];
    double t0, ours, raw, same;

    copy_both(path, "subjects-floor", &fl, &fk);
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
    same = floor_subjects(fl, fk, n);
    bench_report_rate("subject creation (batched 10k)", (double)n, ours,
                      "floor: same rows+key+wrap+seal+HMACs+audit chain, both files", (double)n,
                      same);
    bench_report_rate("  (the same)", (double)n, ours,
                      "naive: raw SQLite, 3 rows/subject, empty db, no crypto", (double)n, raw);
    gdpr_close(eng);
    sqlite3_close(db);
    sqlite3_close(fl);
    sqlite3_close(fk);
}

/* Audit append: the engine's internal append (tail read, HMAC, insert). */
static void
bench_audit(long n)
{
    char path[512];
    gdpr_engine *eng = open_store_at("audit", path, sizeof path);
    sqlite3 *db = open_raw("audit-raw");
    sqlite3 *fl = NULL, *fk = NULL;
    sqlite3_stmt *ins = NULL;
    unsigned char hash[32], mac[32];
    double t0, ours, raw, same;

    copy_both(path, "audit-floor", &fl, &fk);
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
    same = floor_audit(fl, hash, n);
    bench_report_rate("audit append (HMAC chain, batched)", (double)n, ours,
                      "floor: same encoding+HMAC chain+row, same store", (double)n, same);
    bench_report_rate("  (the same)", (double)n, ours,
                      "naive: raw SQLite insert, no HMAC, empty db", (double)n, raw);
    gdpr_close(eng);
    sqlite3_close(db);
    sqlite3_close(fl);
    sqlite3_close(fk);
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
