/*
 * Erasure benchmarks, each beside a raw SQLite baseline measured in the
 * same run:
 *  1. erase one subject holding 1,000 vault records, in a store of
 *     100,000 subjects: median latency of gdpr_erase_subject() including
 *     the key destruction and both TRUNCATE checkpoints; the baseline
 *     (raw_erase_subject) writes the same rows (plan read, tombstone,
 *     retention state, the 1,000 records, subject row, key queue, audit
 *     event with its HMAC) and the key's deletion in two plain SQLite
 *     files with the same pragmas, with the same commits and checkpoints;
 *  2. erase 10,000 subjects (3 records and an identifier each) in one
 *     gdpr_erase_subjects() call; the baseline runs plain DELETEs of the
 *     same rows on a byte copy of the same two files, then checkpoints.
 *
 *   build/tests/bench/bench-erasure        (GDPR_BENCH_SCALE=0.1 for a quick run)
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include "bench.h"
#include "gdpr.h"

#define SAMPLES 11
#define BIG_RECORDS 1000

static const unsigned char key[32] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 9, 8, 7, 6, 5, 4,
                                      3, 2, 1, 0, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 9, 8};
static const gdpr_actor agent = {"bench", "agent"};
static const gdpr_actor dpo = {"bench", "dpo"};
static int64_t now = 1767225600;

static void
check(int rc, const char *what)
{
    if (rc != GDPR_OK) {
        fprintf(stderr, "%s: %s (%s)\n", what, gdpr_strerror(rc), gdpr_errmsg());
        exit(1);
    }
}

static void
check_sql(sqlite3 *db, int rc, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

static int64_t
clock_fn(void *ctx)
{
    (void)ctx;
    return now;
}

static gdpr_engine *
open_store(const char *path, int load_policy)
{
    gdpr_options opts = GDPR_OPTIONS_INIT;
    gdpr_engine *eng = NULL;

    opts.path = path;
    opts.key = key;
    opts.key_len = sizeof key;
    opts.clock = clock_fn;
    check(gdpr_open(&eng, &opts), "gdpr_open");
    if (load_policy)
        check(gdpr_policy_load(eng, &dpo, TEST_SOURCE_ROOT "/examples/policy.json"), "policy");
    return eng;
}

static sqlite3 *
open_raw(const char *path)
{
    sqlite3 *db = NULL;

    if (sqlite3_open(path, &db) != SQLITE_OK ||
        sqlite3_exec(db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "PRAGMA secure_delete=ON",
                     NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "raw sqlite open failed: %s\n", path);
        exit(1);
    }
    sqlite3_busy_timeout(db, 5000);
    return db;
}

static void
put_many(gdpr_engine *eng, const char *prefix, long subjects, int records, int with_ident)
{
    static const char *const cats[] = {"contact", "usage"};
    char value[128];

    for (long i = 0; i < subjects; i += 5000) {
        check(gdpr_begin(eng), "begin");
        for (long k = i; k < i + 5000 && k < subjects; k++) {
            char id[48];
            snprintf(id, sizeof id, "%s-%ld", prefix, k);
            for (int r = 0; r < records; r++) {
                snprintf(value, sizeof value, "value %d of %s, some bytes of payload", r, id);
                check(gdpr_vault_put(eng, &agent, id, cats[r % 2], "service", value, strlen(value),
                                     NULL),
                      "put");
            }
            if (with_ident) {
                char mail[64];
                snprintf(mail, sizeof mail, "%s@example.com", id);
                check(gdpr_subject_link(eng, &agent, id, "email", mail), "link");
            }
        }
        check(gdpr_commit(eng), "commit");
    }
}

/* --- 1. one subject with 1,000 records among 100,000 ---------------------- */

static void
raw_schema(sqlite3 *data, sqlite3 *keys)
{
    check_sql(
        data,
        sqlite3_exec(data,
                     "CREATE TABLE subject(id INTEGER PRIMARY KEY, hash BLOB UNIQUE,"
                     " ident BLOB, created INT);"
                     "CREATE TABLE vault(id INTEGER PRIMARY KEY, subject BLOB,"
                     " category TEXT, purpose TEXT, collected INT, value BLOB);"
                     "CREATE INDEX vault_subject ON vault(subject, id);"
                     "CREATE TABLE retention_state(record INTEGER PRIMARY KEY,"
                     " keep_until INT, review INT);"
                     "CREATE TABLE tombstone(id INTEGER PRIMARY KEY, kind INT, subject BLOB,"
                     " at INT, ground TEXT, actor TEXT, role TEXT, erased INT, retained INT,"
                     " complete INT, wiped INT);"
                     "CREATE TABLE audit(seq INTEGER PRIMARY KEY, at INT, actor TEXT,"
                     " role TEXT, action TEXT, subject BLOB, outcome INT, ref TEXT, mac BLOB);"
                     "CREATE TABLE key_queue(hash BLOB PRIMARY KEY, tombstone INT,"
                     " queued INT) WITHOUT ROWID;",
                     NULL, NULL, NULL),
        "raw schema");
    check_sql(keys,
              sqlite3_exec(keys, "CREATE TABLE k(hash BLOB PRIMARY KEY, w BLOB) WITHOUT ROWID",
                           NULL, NULL, NULL),
              "raw keys schema");
}

static void
raw_put_subject(sqlite3 *data, sqlite3 *keys, const unsigned char hash[32], int records)
{
    unsigned char blob[100];
    sqlite3_stmt *s = NULL;

    RAND_bytes(blob, sizeof blob);
    sqlite3_prepare_v2(data, "INSERT INTO subject(hash, ident, created) VALUES(?1, ?2, 0)", -1, &s,
                       NULL);
    sqlite3_bind_blob(s, 1, hash, 32, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, blob, 45, SQLITE_STATIC);
    check_sql(data, sqlite3_step(s), "raw subject");
    sqlite3_finalize(s);
    sqlite3_prepare_v2(data,
                       "INSERT INTO vault(subject, category, purpose, collected, value)"
                       " VALUES(?1, 'contact', 'service', 0, ?2)",
                       -1, &s, NULL);
    for (int r = 0; r < records; r++) {
        sqlite3_bind_blob(s, 1, hash, 32, SQLITE_STATIC);
        sqlite3_bind_blob(s, 2, blob, 75, SQLITE_STATIC);
        check_sql(data, sqlite3_step(s), "raw vault");
        sqlite3_reset(s);
    }
    sqlite3_finalize(s);
    sqlite3_prepare_v2(keys, "INSERT INTO k VALUES(?1, ?2)", -1, &s, NULL);
    sqlite3_bind_blob(s, 1, hash, 32, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, blob, 61, SQLITE_STATIC);
    check_sql(keys, sqlite3_step(s), "raw key");
    sqlite3_finalize(s);
}

static void
raw_step(sqlite3 *db, const char *sql, const unsigned char hash[32], const char *what)
{
    sqlite3_stmt *s = NULL;
    int rc;

    check_sql(db, sqlite3_prepare_v2(db, sql, -1, &s, NULL), what);
    if (hash != NULL && sqlite3_bind_parameter_count(s) > 0)
        sqlite3_bind_blob(s, 1, hash, 32, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        ;
    check_sql(db, rc, what);
    sqlite3_finalize(s);
}

/* The baseline's erasure: the same rows, crypto and durability as the
 * library's: in the data file, read every record's purpose and category
 * (the exemption plan), write the tombstone, delete the retention state
 * of the records (one statement returning the reviews), the records and
 * the subject row, queue the key, and append the audit event with its
 * HMAC-SHA-256; commit (synced); delete the key in the keystore, commit
 * (synced); remove the queue row (unsynced, as the library); then
 * TRUNCATE-checkpoint both files. Not included: the library's reads that
 * find nothing (holds, partial erasures, disclosures, transfers, and the
 * deletes of tables the subject has no rows in). */
static __attribute__((noinline)) void
raw_erase_subject(sqlite3 *data, sqlite3 *keys, const unsigned char hash[32])
{
    static const unsigned char mac_key[32] = {1, 2, 3};
    unsigned char mac[32];
    unsigned int mac_len = 0;
    static const char ref[] = "tombstone 1: 1000 erased, 0 kept";
    char row[256];
    sqlite3_stmt *s = NULL;

    sqlite3_exec(data, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    raw_step(data, "SELECT purpose, category FROM vault WHERE subject=?1", hash, "raw plan");
    raw_step(
        data,
        "INSERT INTO tombstone(kind, subject, at, ground, actor, role, erased, retained,"
        " complete, wiped) VALUES(1, ?1, 0, 'Art. 17(1)(a) bench', 'bench', 'dpo', 0, 0, 0, 0)",
        hash, "raw tombstone");
    raw_step(data,
             "DELETE FROM retention_state WHERE record IN"
             " (SELECT id FROM vault WHERE subject = ?1) RETURNING review",
             hash, "raw retention state");
    raw_step(data, "DELETE FROM vault WHERE subject=?1", hash, "raw delete");
    raw_step(data, "DELETE FROM subject WHERE hash=?1", hash, "raw subject");
    raw_step(data, "INSERT INTO key_queue VALUES(?1, 1, 0)", hash, "raw queue");
    raw_step(data,
             "UPDATE tombstone SET erased = 1000, complete = 1 WHERE id = last_insert_rowid()",
             NULL, "raw tombstone count");
    snprintf(row, sizeof row, "0|bench|dpo|erase.subject|0|%s", ref);
    HMAC(EVP_sha256(), mac_key, sizeof mac_key, (const unsigned char *)row, strlen(row), mac,
         &mac_len);
    check_sql(data,
              sqlite3_prepare_v2(data,
                                 "INSERT INTO audit(at, actor, role, action, subject, outcome, ref,"
                                 " mac) VALUES(0, 'bench', 'dpo', 'erase.subject', ?1, 0, ?2, ?3)",
                                 -1, &s, NULL),
              "raw audit");
    sqlite3_bind_blob(s, 1, hash, 32, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, ref, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 3, mac, (int)mac_len, SQLITE_STATIC);
    check_sql(data, sqlite3_step(s), "raw audit");
    sqlite3_finalize(s);
    check_sql(data, sqlite3_exec(data, "COMMIT", NULL, NULL, NULL), "raw commit");
    sqlite3_exec(keys, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    raw_step(keys, "DELETE FROM k WHERE hash=?1", hash, "raw key delete");
    check_sql(keys, sqlite3_exec(keys, "COMMIT", NULL, NULL, NULL), "raw key commit");
    check_sql(data,
              sqlite3_exec(data,
                           "PRAGMA synchronous=NORMAL; BEGIN IMMEDIATE;"
                           " DELETE FROM key_queue; COMMIT; PRAGMA synchronous=FULL",
                           NULL, NULL, NULL),
              "raw queue delete");
    check_sql(data, sqlite3_wal_checkpoint_v2(data, "main", SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL),
              "raw checkpoint");
    check_sql(keys, sqlite3_wal_checkpoint_v2(keys, "main", SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL),
              "raw key checkpoint");
}

static void
bench_one_subject(long population, int records)
{
    char path[512], raw_data[512], raw_keys[512];
    double ours[SAMPLES], raw[SAMPLES];
    gdpr_engine *eng;
    sqlite3 *data, *keys;
    double t0;

    snprintf(path, sizeof path, "%s/population.db", bench_tmpdir());
    eng = open_store(path, 1);
    t0 = bench_now();
    put_many(eng, "customer", population, 1, 0);
    printf("  (store of %ld subjects built in %.1f s)\n", population, bench_now() - t0);

    snprintf(raw_data, sizeof raw_data, "%s/raw-population.db", bench_tmpdir());
    snprintf(raw_keys, sizeof raw_keys, "%s/raw-population.db-keys", bench_tmpdir());
    data = open_raw(raw_data);
    keys = open_raw(raw_keys);
    raw_schema(data, keys);
    sqlite3_exec(data, "BEGIN", NULL, NULL, NULL);
    sqlite3_exec(keys, "BEGIN", NULL, NULL, NULL);
    for (long i = 0; i < population; i++) {
        unsigned char hash[32];
        RAND_bytes(hash, sizeof hash);
        raw_put_subject(data, keys, hash, 1);
    }
    sqlite3_exec(data, "COMMIT", NULL, NULL, NULL);
    sqlite3_exec(keys, "COMMIT", NULL, NULL, NULL);

    for (int s = 0; s < SAMPLES; s++) {
        gdpr_erase_report r;
        unsigned char hash[32];
        char big[32];

        snprintf(big, sizeof big, "big-%d", s);
        check(gdpr_begin(eng), "begin");
        for (int k = 0; k < records; k++) {
            char value[64];
            snprintf(value, sizeof value, "record %d of a large customer file", k);
            check(gdpr_vault_put(eng, &agent, big, k % 2 ? "usage" : "contact", "service", value,
                                 strlen(value), NULL),
                  "put big");
        }
        check(gdpr_commit(eng), "commit big");
        /* Start from a clean WAL, so the erasure pays its own checkpoint only. */
        check(gdpr_vault_checkpoint(eng), "checkpoint");
        t0 = bench_now();
        check(gdpr_erase_subject(eng, &dpo, big, "Art. 17(1)(a) bench", &r), "erase");
        ours[s] = bench_now() - t0;
        if (r.erased != records) {
            fprintf(stderr, "erased %lld, expected %d\n", (long long)r.erased, records);
            exit(1);
        }

        RAND_bytes(hash, sizeof hash);
        sqlite3_exec(data, "BEGIN", NULL, NULL, NULL);
        sqlite3_exec(keys, "BEGIN", NULL, NULL, NULL);
        raw_put_subject(data, keys, hash, records);
        sqlite3_exec(data, "COMMIT", NULL, NULL, NULL);
        sqlite3_exec(keys, "COMMIT", NULL, NULL, NULL);
        sqlite3_wal_checkpoint_v2(data, "main", SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
        sqlite3_wal_checkpoint_v2(keys, "main", SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
        t0 = bench_now();
        raw_erase_subject(data, keys, hash);
        raw[s] = bench_now() - t0;
    }
    {
        char name[96];
        snprintf(name, sizeof name, "erase 1 subject, %d records, %ldk store", records,
                 population / 1000);
        bench_report_latency(name, bench_median(ours, SAMPLES),
                             "raw same rows + HMAC audit + 3 commits + 2 checkpoints",
                             bench_median(raw, SAMPLES));
    }
    gdpr_close(eng);
    sqlite3_close(data);
    sqlite3_close(keys);
}

/* --- 2. 10,000 subjects in one call ------------------------------------------ */

static void
copy_file(const char *from, const char *to)
{
    size_t n;
    char buf[65536];
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");

    if (in == NULL || out == NULL) {
        fprintf(stderr, "copy %s -> %s failed\n", from, to);
        exit(1);
    }
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        fwrite(buf, 1, n, out);
    fclose(in);
    fclose(out);
}

typedef struct {
    unsigned char (*hashes)[32];
    long n;
} hash_list;

static void
read_hashes(sqlite3 *db, hash_list *l, long cap)
{
    sqlite3_stmt *s = NULL;

    l->hashes = malloc((size_t)cap * sizeof *l->hashes);
    l->n = 0;
    sqlite3_prepare_v2(db, "SELECT hash FROM subject", -1, &s, NULL);
    while (sqlite3_step(s) == SQLITE_ROW && l->n < cap)
        memcpy(l->hashes[l->n++], sqlite3_column_blob(s, 0), 32);
    sqlite3_finalize(s);
}

/* The same rows as the library deletes for these subjects, by plain SQL. */
static void
raw_erase_many(sqlite3 *data, sqlite3 *keys, const hash_list *l)
{
    static const char *const sql[] = {
        "DELETE FROM vault WHERE subject=?1",   "DELETE FROM identity WHERE subject=?1",
        "DELETE FROM consent WHERE subject=?1", "DELETE FROM consent_state WHERE subject=?1",
        "DELETE FROM subject WHERE hash=?1",
    };
    sqlite3_stmt *s[5], *k = NULL;

    for (size_t i = 0; i < 5; i++)
        check_sql(data, sqlite3_prepare_v2(data, sql[i], -1, &s[i], NULL), sql[i]);
    check_sql(keys, sqlite3_prepare_v2(keys, "DELETE FROM subject_key WHERE hash=?1", -1, &k, NULL),
              "raw key delete");
    sqlite3_exec(data, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    for (long i = 0; i < l->n; i++) {
        for (size_t q = 0; q < 5; q++) {
            sqlite3_bind_blob(s[q], 1, l->hashes[i], 32, SQLITE_STATIC);
            check_sql(data, sqlite3_step(s[q]), sql[q]);
            sqlite3_reset(s[q]);
        }
    }
    check_sql(data, sqlite3_exec(data, "COMMIT", NULL, NULL, NULL), "raw commit");
    sqlite3_exec(keys, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    for (long i = 0; i < l->n; i++) {
        sqlite3_bind_blob(k, 1, l->hashes[i], 32, SQLITE_STATIC);
        check_sql(keys, sqlite3_step(k), "raw key delete");
        sqlite3_reset(k);
    }
    check_sql(keys, sqlite3_exec(keys, "COMMIT", NULL, NULL, NULL), "raw key commit");
    sqlite3_wal_checkpoint_v2(data, "main", SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    sqlite3_wal_checkpoint_v2(keys, "main", SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    for (size_t i = 0; i < 5; i++)
        sqlite3_finalize(s[i]);
    sqlite3_finalize(k);
}

static void
bench_many(long n)
{
    char path[512], keys_path[600], copy[512], copy_keys[600];
    const char **ids = malloc((size_t)n * sizeof *ids);
    char *names = malloc((size_t)n * 32);
    gdpr_erase_report r;
    gdpr_engine *eng;
    sqlite3 *data, *keys;
    hash_list l;
    double t0, ours, raw;

    snprintf(path, sizeof path, "%s/many.db", bench_tmpdir());
    snprintf(keys_path, sizeof keys_path, "%s-keys", path);
    snprintf(copy, sizeof copy, "%s/many-raw.db", bench_tmpdir());
    snprintf(copy_keys, sizeof copy_keys, "%s-keys", copy);
    eng = open_store(path, 1);
    put_many(eng, "member", n, 3, 1);
    gdpr_close(eng); /* checkpoints: the files alone hold the store */
    copy_file(path, copy);
    copy_file(keys_path, copy_keys);

    for (long i = 0; i < n; i++) {
        snprintf(names + 32 * i, 32, "member-%ld", i);
        ids[i] = names + 32 * i;
    }
    eng = open_store(path, 0);
    t0 = bench_now();
    check(gdpr_erase_subjects(eng, &dpo, ids, (size_t)n, "Art. 17(1)(a) bench batch", &r),
          "erase many");
    ours = bench_now() - t0;
    if (r.erased != 4 * n) {
        fprintf(stderr, "erased %lld rows, expected %ld\n", (long long)r.erased, 4 * n);
        exit(1);
    }
    gdpr_close(eng);

    data = open_raw(copy);
    keys = open_raw(copy_keys);
    read_hashes(data, &l, n);
    t0 = bench_now();
    raw_erase_many(data, keys, &l);
    raw = bench_now() - t0;
    {
        char name[96];
        snprintf(name, sizeof name, "erase %ld subjects in one call (subjects)", n);
        bench_report_rate(name, (double)n, ours, "raw DELETE same rows + checkpoints", (double)l.n,
                          raw);
    }
    free(l.hashes);
    sqlite3_close(data);
    sqlite3_close(keys);
    free(ids);
    free(names);
}

int
main(void)
{
    double scale = bench_scale();
    long population = (long)(100000 * scale);
    long batch = (long)(10000 * scale);

    printf("libgdpr %s erasure benchmarks (scale %.2f)\n", gdpr_version(), scale);
    bench_one_subject(population > 10 ? population : 10, BIG_RECORDS);
    bench_many(batch > 10 ? batch : 10);
    bench_cleanup();
    return 0;
}
