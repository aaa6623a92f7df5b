/*
 * Export benchmark: the subject access export of one subject with 1,000
 * vault records (48-byte values, three categories), in a store of
 * 1,000,000 subjects and in one of 10,000 (cost must not grow with the
 * store), median of repeated runs, each beside a baseline in the same run:
 * raw SQLite selecting the same 1,000 rows through the same index, opening
 * each value with bare OpenSSL AES-256-GCM and printing it as a JSON
 * object (snprintf) into a buffer.
 *
 *   build/tests/bench/bench-export       (GDPR_BENCH_SCALE=0.01 for a quick run)
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include "bench.h"
#include "gdpr.h"

#define BATCH 10000L
#define RECORDS 1000
#define VALUE_LEN 48
#define RUNS 101

static const unsigned char key[32] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3,
                                      2, 3, 8, 4, 6, 2, 6, 4, 3, 3, 8, 3, 2, 7, 9, 5};
static const gdpr_actor agent = {"bench", "agent"};
static const gdpr_actor dpo = {"bench", "dpo"};
static const char *const cats[3][2] = {
    {"contact", "service"}, {"usage", "service"}, {"financial", "billing"}};

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
        fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

static int64_t
fixed_clock(void *ctx)
{
    (void)ctx;
    return 1767225600;
}

typedef struct {
    size_t bytes;
} discard;

static int
discard_write(const void *buf, size_t len, void *ctx)
{
    (void)buf;
    ((discard *)ctx)->bytes += len;
    return 0;
}

static void
value_for(long i, char out[VALUE_LEN])
{
    char text[VALUE_LEN + 1];
    int n = snprintf(text, sizeof text, "value %010ld of a customer record", i);

    /* Text, no NUL: padded with dots to the full length. */
    memset(out, '.', VALUE_LEN);
    memcpy(out, text, n > VALUE_LEN ? VALUE_LEN : (size_t)n);
}

/* A store of `subjects` subjects with one record each, plus "target" with
 * RECORDS records. */
static gdpr_engine *
build_store(const char *name, long subjects)
{
    gdpr_options opts = GDPR_OPTIONS_INIT;
    gdpr_engine *eng = NULL;
    char path[512], subject[32], value[VALUE_LEN];
    double t0 = bench_now();

    snprintf(path, sizeof path, "%s/%s.db", bench_tmpdir(), name);
    opts.path = path;
    opts.key = key;
    opts.key_len = sizeof key;
    opts.clock = fixed_clock;
    check(gdpr_open(&eng, &opts), "gdpr_open");
    check(gdpr_policy_load(eng, &dpo, TEST_SOURCE_ROOT "/examples/policy.json"), "policy");
    for (long i = 0; i < subjects; i += BATCH) {
        check(gdpr_begin(eng), "begin");
        for (long k = i; k < i + BATCH && k < subjects; k++) {
            snprintf(subject, sizeof subject, "customer-%08ld", k);
            value_for(k, value);
            check(
                gdpr_vault_put(eng, &agent, subject, "contact", "service", value, VALUE_LEN, NULL),
                "put");
        }
        check(gdpr_commit(eng), "commit");
    }
    check(gdpr_begin(eng), "begin");
    for (long r = 0; r < RECORDS; r++) {
        value_for(r, value);
        check(gdpr_vault_put(eng, &agent, "target", cats[r % 3][0], cats[r % 3][1], value,
                             VALUE_LEN, NULL),
              "put");
    }
    check(gdpr_subject_link(eng, &agent, "target", "email", "target@example.com"), "link");
    check(gdpr_commit(eng), "commit");
    check(gdpr_vault_checkpoint(eng), "checkpoint");
    printf("  store %-10s %8ld subjects built in %.1f s\n", name, subjects, bench_now() - t0);
    return eng;
}

static double
one_export(gdpr_engine *eng, size_t *bytes_out)
{
    discard d = {0};
    double t0 = bench_now();

    check(gdpr_export_subject(eng, &dpo, "target", GDPR_EXPORT_JSON, discard_write, &d),
          "gdpr_export_subject");
    t0 = bench_now() - t0;
    *bytes_out = d.bytes;
    return t0;
}

/* The same rows, the same index, the same cipher; JSON printed plainly. */
static double
raw_export(const char *name, long subjects)
{
    char path[512];
    sqlite3 *db = NULL;
    sqlite3_stmt *ins = NULL, *sel = NULL;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    EVP_CIPHER *gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    unsigned char dek[32], nonce[12] = {0}, sealed[VALUE_LEN + 16], subject[32];
    unsigned char target[32];
    char value[VALUE_LEN], *json = malloc(1 << 20);
    double samples[RUNS];
    int outl = 0;

    snprintf(path, sizeof path, "%s/%s.db", bench_tmpdir(), name);
    sql_ok(sqlite3_open(path, &db), db, "open raw");
    sql_ok(sqlite3_exec(db,
                        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                        "CREATE TABLE vault(id INTEGER PRIMARY KEY, subject BLOB NOT NULL,"
                        " category TEXT NOT NULL, purpose TEXT NOT NULL, value BLOB NOT NULL);"
                        "CREATE INDEX vault_subject ON vault(subject, id);",
                        NULL, NULL, NULL),
           db, "schema");
    sql_ok(sqlite3_prepare_v2(db,
                              "INSERT INTO vault(subject, category, purpose, value)"
                              " VALUES(?1, ?2, ?3, ?4)",
                              -1, &ins, NULL),
           db, "prepare");
    RAND_bytes(dek, sizeof dek);
    RAND_bytes(target, sizeof target);
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    for (long k = 0; k < subjects + RECORDS; k++) {
        int is_target = k >= subjects;
        memset(subject, 0, sizeof subject);
        memcpy(subject, &k, sizeof k);
        value_for(k, value);
        EVP_EncryptInit_ex2(ctx, gcm, dek, nonce, NULL);
        EVP_EncryptUpdate(ctx, sealed, &outl, (unsigned char *)value, VALUE_LEN);
        EVP_EncryptFinal_ex(ctx, sealed + outl, &outl);
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, sealed + VALUE_LEN);
        sqlite3_bind_blob(ins, 1, is_target ? target : subject, 32, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, cats[k % 3][0], -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, cats[k % 3][1], -1, SQLITE_STATIC);
        sqlite3_bind_blob(ins, 4, sealed, sizeof sealed, SQLITE_STATIC);
        sql_ok(sqlite3_step(ins), db, "insert");
        sqlite3_reset(ins);
        if (k % BATCH == BATCH - 1) {
            sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
            sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
        }
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sql_ok(sqlite3_prepare_v2(db,
                              "SELECT id, category, purpose, value FROM vault"
                              " WHERE subject=?1 ORDER BY id",
                              -1, &sel, NULL),
           db, "prepare");
    for (int i = 0; i < RUNS; i++) {
        double t0 = bench_now();
        size_t used = 0;
        int rows = 0;
        sqlite3_bind_blob(sel, 1, target, 32, SQLITE_STATIC);
        while (sqlite3_step(sel) == SQLITE_ROW) {
            unsigned char plain[VALUE_LEN + 1];
            const unsigned char *blob = sqlite3_column_blob(sel, 3);
            int len = sqlite3_column_bytes(sel, 3);
            EVP_DecryptInit_ex2(ctx, gcm, dek, nonce, NULL);
            EVP_DecryptUpdate(ctx, plain, &outl, blob, len - 16);
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, (void *)(blob + len - 16));
            EVP_DecryptFinal_ex(ctx, plain + outl, &outl);
            plain[VALUE_LEN] = '\0';
            used += (size_t)snprintf(json + used, (1 << 20) - used,
                                     "{\"id\":%lld,\"category\":\"%s\",\"purpose\":\"%s\","
                                     "\"value\":\"%.*s\"},\n",
                                     (long long)sqlite3_column_int64(sel, 0),
                                     sqlite3_column_text(sel, 1), sqlite3_column_text(sel, 2),
                                     VALUE_LEN, (char *)plain);
            rows++;
        }
        sqlite3_reset(sel);
        samples[i] = bench_now() - t0;
        if (rows != RECORDS) {
            fprintf(stderr, "raw export found %d rows\n", rows);
            exit(1);
        }
    }
    sqlite3_finalize(ins);
    sqlite3_finalize(sel);
    sqlite3_close(db);
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(gcm);
    free(json);
    return bench_median(samples, RUNS);
}

/* What one durable commit costs on this disk right now: the export is an
 * audited event, so it ends with one (synchronous=FULL, as the store). */
static sqlite3 *
commit_db(sqlite3_stmt **ins)
{
    char path[512];
    sqlite3 *db = NULL;

    snprintf(path, sizeof path, "%s/raw-commit.db", bench_tmpdir());
    sql_ok(sqlite3_open(path, &db), db, "open raw");
    sql_ok(sqlite3_exec(db,
                        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                        "CREATE TABLE audit(seq INTEGER PRIMARY KEY, at INTEGER, ref TEXT,"
                        " mac BLOB)",
                        NULL, NULL, NULL),
           db, "schema");
    sql_ok(sqlite3_prepare_v2(db,
                              "INSERT INTO audit(at, ref, mac) VALUES(1, 'export json',"
                              " zeroblob(32))",
                              -1, ins, NULL),
           db, "prepare");
    return db;
}

static double
one_commit(sqlite3 *db, sqlite3_stmt *ins)
{
    double t0 = bench_now();

    sql_ok(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), db, "begin");
    sql_ok(sqlite3_step(ins), db, "insert");
    sqlite3_reset(ins);
    sql_ok(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), db, "commit");
    return bench_now() - t0;
}

/* Heap in use at the peak of one export, above what was in use before:
 * glibc's counters read from the write callback. */
typedef struct {
    size_t base, peak;
} heap_probe;

static int
heap_write(const void *buf, size_t len, void *ctx)
{
    heap_probe *h = ctx;
    struct mallinfo2 m = mallinfo2();

    (void)buf;
    (void)len;
    if (m.uordblks > h->peak)
        h->peak = m.uordblks;
    return 0;
}

static size_t
heap_growth(gdpr_engine *eng)
{
    heap_probe h;
    struct mallinfo2 m = mallinfo2();

    h.base = h.peak = m.uordblks;
    check(gdpr_export_subject(eng, &dpo, "target", GDPR_EXPORT_JSON, heap_write, &h), "export");
    return h.peak - h.base;
}

int
main(void)
{
    long big = (long)(1000000 * bench_scale());
    long small = (long)(10000 * bench_scale());
    double t_small[RUNS], t_big[RUNS], t_commit[RUNS];
    double ours_small, ours_big, raw_small, raw_big, commit;
    size_t bytes = 0, heap_small, heap_big;
    gdpr_engine *eng_small, *eng_big;
    sqlite3_stmt *ins = NULL;
    sqlite3 *cdb;
    char label[96];

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (small < 100)
        small = 100;
    if (big < small)
        big = small;
    printf("export: one subject with %d records; stores of %ld and %ld subjects; median of %d,"
           " runs interleaved\n",
           RECORDS, small, big, RUNS);
    eng_small = build_store("small", small);
    eng_big = build_store("big", big);
    cdb = commit_db(&ins);
    /* Interleaved, so both stores (and the bare commit) meet the same
     * machine: a busy neighbour or a slow fsync hits all three alike. */
    for (int i = 0; i < RUNS; i++) {
        t_small[i] = one_export(eng_small, &bytes);
        t_big[i] = one_export(eng_big, &bytes);
        t_commit[i] = one_commit(cdb, ins);
    }
    heap_small = heap_growth(eng_small);
    heap_big = heap_growth(eng_big);
    ours_small = bench_median(t_small, RUNS);
    ours_big = bench_median(t_big, RUNS);
    commit = bench_median(t_commit, RUNS);
    sqlite3_finalize(ins);
    sqlite3_close(cdb);
    gdpr_close(eng_small);
    gdpr_close(eng_big);
    raw_small = raw_export("raw-small", small);
    raw_big = raw_export("raw-big", big);
    snprintf(label, sizeof label, "gdpr_export_subject JSON, %ld subjects", small);
    bench_report_latency(label, ours_small, "raw SELECT + EVP decrypt + snprintf JSON", raw_small);
    snprintf(label, sizeof label, "gdpr_export_subject JSON, %ld subjects", big);
    bench_report_latency(label, ours_big, "raw SELECT + EVP decrypt + snprintf JSON", raw_big);
    bench_report_latency("one durable SQLite commit (the audit event)", commit,
                         "raw SELECT + EVP decrypt + snprintf JSON", raw_big);
    /* The floor of the whole call: the raw export and the durable commit
     * its audit event needs (both measured in this run). */
    snprintf(label, sizeof label, "gdpr_export_subject JSON, %ld subjects", small);
    bench_report_latency(label, ours_small, "floor: raw export + one durable commit",
                         raw_small + commit);
    snprintf(label, sizeof label, "gdpr_export_subject JSON, %ld subjects", big);
    bench_report_latency(label, ours_big, "floor: raw export + one durable commit",
                         raw_big + commit);
    printf("  document: %zu bytes; median at %ld subjects: %.3f ms (target <= 2 ms); "
           "at %ld vs %ld subjects: %.2fx (target <= 1.5x)\n",
           bytes, big, ours_big * 1e3, big, small, ours_big / ours_small);
    printf("  heap growth during one export: %zu KiB (%ld subjects), %zu KiB (%ld subjects)\n",
           heap_small / 1024, small, heap_big / 1024, big);
    bench_cleanup();
    return 0;
}
