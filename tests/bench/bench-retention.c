/*
 * Retention benchmark: a store of 10,000,000 vault records of which
 * 10,000 are due, and one of 1,000,000 with the same 10,000 due. For each:
 *  1. a sweep whose 10,000 due records fall under a review rule: no
 *     erasure at all, so gdpr_retention_due() + gdpr_retention_run() is
 *     engine time only;
 *  2. a sweep whose 10,000 due records fall under an erase rule:
 *     gdpr_retention_due() + gdpr_retention_run(), minus the same number of
 *     erasures done directly through the erasure path in the same batches
 *     (half before the sweep, half after, so drift cancels);
 *  3. as the baseline, a raw SQLite range scan of the due index on the same
 *     file.
 * Wall-clock and CPU time (user + system) are printed for each.
 *
 *   build-bench/tests/bench/bench-retention      (GDPR_BENCH_SCALE=0.01 for a quick run)
 *
 * The 20,000 records that are erased are stored through gdpr_vault_put()
 * (real subjects, keys, sealed values). The millions of other records are
 * written straight into the vault table by this program (an internal bulk
 * path, here only): they are never due, so they are never opened; they
 * make the table and its indexes the size under test.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bench.h"
#include "engine.h"
#include "shred.h"
#include "gdpr.h"

static const unsigned char key[32] = {7,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10,
                                      11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
                                      22, 23, 24, 25, 26, 27, 28, 29, 30, 31};
static const gdpr_actor agent = {"bench", "agent"};
static const gdpr_actor dpo = {"bench", "dpo"};
static const gdpr_actor nightly = {"bench-nightly", "system"};

/* 2024-06-30: the CV set's position closed (R-3: review P6M after). */
#define T_POSITION_CLOSED INT64_C(1719705600)
/* 2025-01-01: the review sweep. */
#define T_REVIEW_RUN INT64_C(1735689600)
/* 2024-01-01: collection of the due set (R-2: P2Y from last activity). */
#define T_DUE_COLLECTED INT64_C(1704067200)
/* 2025-06-01: collection of the set erased directly (due 2027-06-01). */
#define T_LATER_COLLECTED INT64_C(1748736000)
/* 2026-01-02: the run. */
#define T_RUN INT64_C(1767312000)
/* 2026-06-01 onwards: the filler's due times, one second apart. */
#define T_FILLER_DUE INT64_C(1780272000)

static int64_t clock_now = T_DUE_COLLECTED;

static int64_t
bench_clock(void *ctx)
{
    (void)ctx;
    return clock_now;
}

static double
cpu_now(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

/* Wall-clock and CPU seconds of one measured step. */
typedef struct {
    double wall, cpu;
} span;

static span
span_start(void)
{
    span s = {bench_now(), cpu_now()};
    return s;
}

static span
span_since(span start)
{
    span s = {bench_now() - start.wall, cpu_now() - start.cpu};
    return s;
}

static void
span_add(span *a, span b)
{
    a->wall += b.wall;
    a->cpu += b.cpu;
}

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

static gdpr_engine *
open_engine(const char *path)
{
    gdpr_options opts = GDPR_OPTIONS_INIT;
    gdpr_engine *eng = NULL;

    opts.path = path;
    opts.key = key;
    opts.key_len = sizeof key;
    opts.clock = bench_clock;
    check(gdpr_open(&eng, &opts), "gdpr_open");
    return eng;
}

/* n records for n/10 subjects through the public API, batched. */
static void
put_set(gdpr_engine *eng, const char *prefix, const char *category, const char *purpose, long n,
        int64_t *ids)
{
    for (long i = 0; i < n; i += 1000) {
        check(gdpr_begin(eng), "begin");
        for (long k = i; k < i + 1000 && k < n; k++) {
            char subject[48], value[64];
            snprintf(subject, sizeof subject, "%s-%ld", prefix, k / 10);
            snprintf(value, sizeof value, "%s.%ld@example.com", prefix, k);
            check(gdpr_vault_put(eng, &agent, subject, category, purpose, value, strlen(value),
                                 &ids[k]),
                  "vault put");
            if (strcmp(purpose, "recruitment") == 0 && k % 10 == 9)
                check(gdpr_retention_anchor_set(eng, &agent, subject, GDPR_ANCHOR_CONTRACT_END,
                                                "recruitment", T_POSITION_CLOSED),
                      "position closed");
        }
        check(gdpr_commit(eng), "commit");
    }
}

/* The bulk path: rows written straight into main.vault, never due by the
 * run's time, in chunks, keeping the WAL small. */
static void
fill(const char *path, long n)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *ins = NULL;
    unsigned char value[16 + 28];

    memset(value, 0xA5, sizeof value);
    check_sql(db, sqlite3_open(path, &db), "open");
    check_sql(db,
              sqlite3_exec(db,
                           "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"
                           " PRAGMA cache_size=-262144",
                           NULL, NULL, NULL),
              "pragmas");
    check_sql(db,
              sqlite3_prepare_v2(db,
                                 "INSERT INTO main.vault(subject_id, category, purpose,"
                                 " field, collected, updated, anchor, due, special, value)"
                                 " VALUES(?1, 'contact', 'marketing', 'email', ?2, ?2, ?2,"
                                 " ?3, 0, ?4)",
                                 -1, &ins, NULL),
              "prepare");
    for (long i = 0; i < n; i += 500000) {
        check_sql(db, sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), "begin");
        for (long k = i; k < i + 500000 && k < n; k++) {
            /* Ascending subject ids (above any real subject's, schema
             * step 27) and due times: appends to both indexes, as the
             * bulk path is not what is measured. */
            sqlite3_bind_int64(ins, 1, INT64_C(1) << 40 | k);
            sqlite3_bind_int64(ins, 2, T_FILLER_DUE - INT64_C(63158400) + k);
            sqlite3_bind_int64(ins, 3, T_FILLER_DUE + k);
            sqlite3_bind_blob(ins, 4, value, sizeof value, SQLITE_STATIC);
            check_sql(db, sqlite3_step(ins), "insert");
            sqlite3_reset(ins);
        }
        check_sql(db, sqlite3_exec(db, "COMMIT; PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL),
                  "commit");
    }
    sqlite3_finalize(ins);
    sqlite3_close(db);
}

/* Baseline: the same range of the due index through a plain statement. */
static double
raw_scan(const char *path, int64_t as_of, long expect)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    double t0, t;
    long rows = 0;

    check_sql(db, sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), "open raw");
    check_sql(db,
              sqlite3_prepare_v2(db,
                                 "SELECT id, subject_id, category, purpose, due FROM main.vault"
                                 " WHERE due <= ?1 ORDER BY due, id",
                                 -1, &s, NULL),
              "prepare raw");
    sqlite3_bind_int64(s, 1, as_of);
    t0 = bench_now();
    while (sqlite3_step(s) == SQLITE_ROW)
        rows++;
    t = bench_now() - t0;
    sqlite3_finalize(s);
    sqlite3_close(db);
    if (rows != expect) {
        fprintf(stderr, "raw scan: %ld rows, expected %ld\n", rows, expect);
        exit(1);
    }
    return t;
}

/* The erasures alone: the same internal erasure call the run makes, in
 * the run's batch size, each batch one transaction followed by the same
 * key destruction and checkpoint. */
static span
erase_directly(gdpr_engine *eng, const int64_t *ids, long n)
{
    const long batch = GDPR_RETENTION_BATCH_DEFAULT;
    span t0 = span_start();

    for (long i = 0; i < n; i += batch) {
        int rc;
        gdpr_engine__lock(eng);
        rc = gdpr_engine__begin(eng);
        for (long k = i; rc == GDPR_OK && k < i + batch && k < n; k++)
            rc = gdpr_shred__record_locked(eng, &nightly, ids[k], "retention rule R-2", SHRED_QUIET,
                                           NULL);
        rc = gdpr_engine__end(eng, rc);
        if (rc == GDPR_OK)
            rc = gdpr_shred__finish(eng);
        check(gdpr_engine__unlock(eng, rc), "erase directly");
    }
    return span_since(t0);
}

static int
count_due(const gdpr_retention_item *item, void *ctx)
{
    (void)item;
    (*(long *)ctx)++;
    return 0;
}

typedef struct {
    span review, due, run, erase;
    double raw;
} figures;

/* due + run at `as_of`; checks the counts. */
static void
sweep(gdpr_engine *eng, int64_t as_of, long expect, int erase, span *due_out, span *run_out)
{
    gdpr_retention_report rep;
    long listed = 0;
    span t0;

    clock_now = as_of;
    t0 = span_start();
    check(gdpr_retention_due(eng, as_of, count_due, &listed), "retention due");
    *due_out = span_since(t0);
    t0 = span_start();
    check(gdpr_retention_run(eng, &nightly, as_of, &rep), "retention run");
    *run_out = span_since(t0);
    if (listed != expect || rep.examined != expect ||
        (erase ? rep.erased : rep.reviews_opened) != expect) {
        fprintf(stderr, "listed %ld, examined %lld, erased %lld, reviews %lld; expected %ld\n",
                listed, (long long)rep.examined, (long long)rep.erased,
                (long long)rep.reviews_opened, expect);
        exit(1);
    }
}

static void
print_span(const char *what, span s, const char *note)
{
    printf("  %-34s %8.3f s wall %8.3f s cpu   %s\n", what, s.wall, s.cpu, note);
}

static void
bench_size(long total, long due_n, figures *f)
{
    char path[512], note[96];
    int64_t *due_ids = calloc((size_t)due_n, sizeof *due_ids);
    int64_t *later_ids = calloc((size_t)due_n, sizeof *later_ids);
    int64_t *cv_ids = calloc((size_t)due_n, sizeof *cv_ids);
    span review_due, review_run, first, second;
    gdpr_engine *eng;
    double t0, build;

    if (due_ids == NULL || later_ids == NULL || cv_ids == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    snprintf(path, sizeof path, "%s/retention-%ld.db", bench_tmpdir(), total);
    t0 = bench_now();
    clock_now = T_DUE_COLLECTED;
    eng = open_engine(path);
    check(gdpr_policy_load(eng, &dpo, TEST_SOURCE_ROOT "/examples/policy.json"), "policy");
    put_set(eng, "due", "contact", "marketing", due_n, due_ids);
    put_set(eng, "cv", "cv", "recruitment", due_n, cv_ids);
    clock_now = T_LATER_COLLECTED;
    put_set(eng, "later", "contact", "marketing", due_n, later_ids);
    gdpr_close(eng);
    fill(path, total - 3 * due_n);
    build = bench_now() - t0;

    /* 1. Reviews only: engine time, no erasure. */
    clock_now = T_REVIEW_RUN;
    eng = open_engine(path);
    sweep(eng, T_REVIEW_RUN, due_n, 0, &review_due, &review_run);
    f->review = review_due;
    span_add(&f->review, review_run);
    /* 3. The baseline: the erase sweep's range, read raw (the reviewed
     * CVs have left the index). */
    f->raw = raw_scan(path, T_RUN, due_n);
    /* 2. Erasures: half the direct ones before, half after the sweep. */
    clock_now = T_RUN;
    first = erase_directly(eng, later_ids, due_n / 2);
    sweep(eng, T_RUN, due_n, 1, &f->due, &f->run);
    second = erase_directly(eng, later_ids + due_n / 2, due_n - due_n / 2);
    f->erase = first;
    span_add(&f->erase, second);
    gdpr_close(eng);

    printf("store of %ld records (%ld due per sweep), built in %.1f s:\n", total, due_n, build);
    snprintf(note, sizeof note, "(%ld listed, R-3)", due_n);
    print_span("review sweep: gdpr_retention_due", review_due, note);
    snprintf(note, sizeof note, "(%ld review tasks opened, each audited)", due_n);
    print_span("review sweep: gdpr_retention_run", review_run, note);
    snprintf(note, sizeof note, "(%ld listed, R-2)", due_n);
    print_span("erase sweep: gdpr_retention_due", f->due, note);
    snprintf(note, sizeof note, "(%ld erased, each audited)", due_n);
    print_span("erase sweep: gdpr_retention_run", f->run, note);
    snprintf(note, sizeof note, "(%ld records, same path and batches)", due_n);
    print_span("the erasures alone", f->erase, note);
    printf("  engine time beyond the erasures: %.3f s wall, %.3f s cpu\n",
           f->due.wall + f->run.wall - f->erase.wall, f->due.cpu + f->run.cpu - f->erase.cpu);
    bench_report_latency("due list of the erase sweep", f->due.wall,
                         "raw SQLite range scan of vault_due", f->raw);
    free(due_ids);
    free(later_ids);
    free(cv_ids);
    unlink(path);
    {
        char side[600];
        static const char *const suffixes[] = {"-wal", "-shm", "-keys", "-keys-wal", "-keys-shm"};
        for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
            snprintf(side, sizeof side, "%s%s", path, suffixes[i]);
            unlink(side);
        }
    }
}

int
main(void)
{
    double scale = bench_scale();
    long due_n = (long)(10000 * scale);
    long big = (long)(10000000 * scale), small = (long)(1000000 * scale);
    figures f_big, f_small;

    if (due_n < 100)
        due_n = 100;
    if (small < 5 * due_n)
        small = 5 * due_n;
    if (big < 10 * small)
        big = 10 * small;
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("retention sweep benchmark (scale %.3f)\n", scale);
    bench_size(big, due_n, &f_big);
    bench_size(small, due_n, &f_small);
    printf("\nsummary: %ld due records per sweep\n", due_n);
    printf("  %-10s %-22s %-34s %s\n", "records", "review sweep (no erasure)",
           "erase sweep beyond the erasures", "raw SQLite range scan");
    printf("  %-10ld %6.3f s (cpu %6.3f)   %6.3f s (cpu %6.3f)               %.3f ms\n", big,
           f_big.review.wall, f_big.review.cpu, f_big.due.wall + f_big.run.wall - f_big.erase.wall,
           f_big.due.cpu + f_big.run.cpu - f_big.erase.cpu, f_big.raw * 1e3);
    printf("  %-10ld %6.3f s (cpu %6.3f)   %6.3f s (cpu %6.3f)               %.3f ms\n", small,
           f_small.review.wall, f_small.review.cpu,
           f_small.due.wall + f_small.run.wall - f_small.erase.wall,
           f_small.due.cpu + f_small.run.cpu - f_small.erase.cpu, f_small.raw * 1e3);
    bench_cleanup();
    return 0;
}
