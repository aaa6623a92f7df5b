/*
 * Consent report benchmark (docs/performance.md, "Consent report"):
 *   1. load (in a child process) S subjects (default 200,000) with one marketing consent each,
 *      one second apart, in batches of 10,000;
 *   2. in a fresh child process each: the report as JSON by keyed hash
 *      over a tenth of the subjects (date filter) and over all of them,
 *      CSV over all, and JSON with host ids over all; each prints its
 *      rows, time, bytes and peak RSS (getrusage) before and after, so
 *      the growth with 10x the rows is seen directly;
 *   3. the floor: a plain SQLite connection reading the same rows
 *      (subject, purpose, recipient, state ...) and OpenSSL computing the
 *      same HMAC-SHA-256 row MAC per row, hex and JSON into a 64 KiB
 *      buffer handed to the same discarding writer.
 *
 *   build/tests/bench/bench-report      (GDPR_BENCH_SCALE=0.05 for a quick run)
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include "bench.h"
#include "gdpr.h"

#define BATCH 10000L
#define T0 INT64_C(1767225600) /* 2026-01-01T00:00:00Z */

static const unsigned char key[32] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3,
                                      2, 3, 8, 4, 6, 2, 6, 4, 3, 3, 8, 3, 2, 7, 9, 5};
static const gdpr_actor agent = {"bench", "agent"};
static const gdpr_actor dpo = {"bench", "dpo"};
static char db_path[512];
static int64_t clock_now = T0;

static void
check(int rc, const char *what)
{
    if (rc != GDPR_OK) {
        fprintf(stderr, "%s: %s (%s)\n", what, gdpr_strerror(rc), gdpr_errmsg());
        exit(1);
    }
}

static int64_t
bench_clock(void *ctx)
{
    (void)ctx;
    return clock_now;
}

static long
peak_rss_kib(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Resident anonymous (heap, stacks) and file-backed (the database file
 * SQLite maps, mmap_size) memory now, from /proc/self/status, in KiB. */
static void
rss_split(long *anon_out, long *file_out)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];

    *anon_out = *file_out = -1;
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        sscanf(line, "RssAnon: %ld", anon_out);
        sscanf(line, "RssFile: %ld", file_out);
    }
    if (f != NULL)
        fclose(f);
}

static gdpr_engine *
open_store(void)
{
    gdpr_options opts = GDPR_OPTIONS_INIT;
    gdpr_engine *eng = NULL;

    opts.path = db_path;
    opts.key = key;
    opts.key_len = sizeof key;
    opts.clock = bench_clock;
    check(gdpr_open(&eng, &opts), "gdpr_open");
    return eng;
}

static void
load(long subjects)
{
    gdpr_engine *eng = open_store();
    double t0 = bench_now(), t;

    check(gdpr_policy_load(eng, &dpo, TEST_SOURCE_ROOT "/examples/policy.json"), "policy");
    for (long i = 0; i < subjects; i += BATCH) {
        check(gdpr_begin(eng), "begin");
        for (long k = i; k < i + BATCH && k < subjects; k++) {
            gdpr_consent c = GDPR_CONSENT_INIT;
            char id[32];

            snprintf(id, sizeof id, "customer-%08ld", k);
            c.subject = id;
            c.purpose = "marketing";
            c.notice = "marketing-v2";
            c.channel = "web";
            c.state = k % 5 == 4 ? GDPR_CONSENT_WITHDRAWN : GDPR_CONSENT_GRANTED;
            check(gdpr_consent_record(eng, &agent, &c, NULL), "record");
            clock_now++;
        }
        check(gdpr_commit(eng), "commit");
    }
    t = bench_now() - t0;
    printf("load: %ld subjects, one consent each, in %.1f s (%.0f/s)\n", subjects, t,
           (double)subjects / t);
    gdpr_close(eng);
}

static int
discard(const void *buf, size_t len, void *ctx)
{
    (void)buf;
    *(size_t *)ctx += len;
    return 0;
}

/* One report in a child process: its peak RSS is its own. */
static void
report_child(const char *name, int format, unsigned int flags, int64_t until)
{
    pid_t pid;
    int status;

    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        gdpr_engine *eng = open_store();
        gdpr_consent_report_options o = GDPR_CONSENT_REPORT_OPTIONS_INIT;
        size_t bytes = 0;
        int64_t rows = 0;
        long before, anon, file;
        double t0, t;

        o.format = format;
        o.flags = flags;
        o.until = until;
        before = peak_rss_kib();
        t0 = bench_now();
        check(gdpr_consent_report(eng, &dpo, &o, discard, &bytes, &rows), name);
        t = bench_now() - t0;
        rss_split(&anon, &file);
        printf("%s: %lld rows, %.1f MB in %.2f s (%.0f rows/s); peak RSS %ld KiB before, "
               "%ld KiB after (now: %ld KiB anonymous, %ld KiB mapped file)\n",
               name, (long long)rows, (double)bytes / 1e6, t, (double)rows / t, before,
               peak_rss_kib(), anon, file);
        gdpr_close(eng);
        fflush(stdout);
        _exit(0);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        fprintf(stderr, "%s: child failed\n", name);
        exit(1);
    }
}

/* The floor: the same rows read by plain SQLite, the same row MAC by
 * OpenSSL, hex and JSON into a 64 KiB buffer. */
static void
floor_child(void)
{
    pid_t pid;
    int status;

    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        sqlite3 *db = NULL;
        sqlite3_stmt *s = NULL;
        EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
        EVP_MAC_CTX *mctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
            OSSL_PARAM_construct_end()};
        static char buf[65536];
        size_t used = 0, bytes = 0;
        long rows = 0, before = peak_rss_kib();
        double t0 = bench_now(), t;

        if (mctx == NULL ||
            sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
            /* The library's statement (lib/store/sqlite/report.c): the
             * state names its subject by id (schema step 26), the hash is
             * read through it; no purpose, from 0, no until. */
            sqlite3_prepare_v2(db,
                               "SELECT (SELECT hash FROM main.subject WHERE id = subject_id),"
                               " purpose, recipient, event, at, state, expires, flags, mac"
                               " FROM main.consent_state WHERE (?1 IS NULL OR purpose = ?1)"
                               " AND at >= ?2 AND (?3 = 0 OR at < ?3)"
                               " ORDER BY subject_id, purpose, recipient",
                               -1, &s, NULL) != SQLITE_OK ||
            sqlite3_bind_null(s, 1) != SQLITE_OK || sqlite3_bind_int64(s, 2, 0) != SQLITE_OK ||
            sqlite3_bind_int64(s, 3, 0) != SQLITE_OK) {
            fprintf(stderr, "floor: set-up failed: %s\n", db ? sqlite3_errmsg(db) : "no db");
            _exit(1);
        }
        while (sqlite3_step(s) == SQLITE_ROW) {
            unsigned char msg[256], out[32];
            char hex[65], line[512];
            size_t mlen = 0, olen = 0;
            int n;
            const unsigned char *subj = sqlite3_column_blob(s, 0);

            memcpy(msg, subj, 32);
            mlen = 32;
            mlen +=
                (size_t)snprintf((char *)msg + mlen, sizeof msg - mlen, "%s|%s|%lld|%lld|%d",
                                 sqlite3_column_text(s, 1), sqlite3_column_text(s, 2),
                                 (long long)sqlite3_column_int64(s, 3),
                                 (long long)sqlite3_column_int64(s, 4), sqlite3_column_int(s, 5));
            if (!EVP_MAC_init(mctx, key, sizeof key, params) || !EVP_MAC_update(mctx, msg, mlen) ||
                !EVP_MAC_final(mctx, out, &olen, sizeof out)) {
                fprintf(stderr, "floor: HMAC failed\n");
                _exit(1);
            }
            for (int i = 0; i < 32; i++)
                snprintf(hex + 2 * i, 3, "%02x", subj[i]);
            n = snprintf(line, sizeof line,
                         "{\"subject\":\"%s\",\"purpose\":\"%s\",\"recipient\":null,"
                         "\"state\":\"%d\",\"since\":%lld,\"event\":%lld,\"expires\":null,"
                         "\"explicit\":false},",
                         hex, sqlite3_column_text(s, 1), sqlite3_column_int(s, 5),
                         (long long)sqlite3_column_int64(s, 4),
                         (long long)sqlite3_column_int64(s, 3));
            if (used + (size_t)n > sizeof buf) {
                discard(buf, used, &bytes);
                used = 0;
            }
            memcpy(buf + used, line, (size_t)n);
            used += (size_t)n;
            rows++;
        }
        discard(buf, used, &bytes);
        long anon, file;

        t = bench_now() - t0;
        rss_split(&anon, &file);
        printf("floor (raw SQLite + OpenSSL HMAC, same rows): %ld rows, %.1f MB in %.2f s "
               "(%.0f rows/s); peak RSS %ld KiB before, %ld KiB after (now: %ld KiB anonymous, "
               "%ld KiB mapped file)\n",
               rows, (double)bytes / 1e6, t, (double)rows / t, before, peak_rss_kib(), anon, file);
        sqlite3_finalize(s);
        sqlite3_close(db);
        EVP_MAC_CTX_free(mctx);
        EVP_MAC_free(mac);
        fflush(stdout);
        _exit(0);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        fprintf(stderr, "floor: child failed\n");
        exit(1);
    }
}

int
main(void)
{
    long subjects = (long)(200000 * bench_scale());

    if (subjects < 1000)
        subjects = 1000;
    snprintf(db_path, sizeof db_path, "%s/report.db", bench_tmpdir());
    /* The load runs in a child too, so the reports' children start from
     * a small parent and their RSS is their own. */
    fflush(stdout);
    {
        pid_t pid = fork();
        int status;

        if (pid == 0) {
            load(subjects);
            fflush(stdout);
            _exit(0);
        }
        if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0) {
            fprintf(stderr, "load: child failed\n");
            return 1;
        }
    }
    report_child("report JSON, keyed hash, a tenth (date filter)", GDPR_EXPORT_JSON, 0,
                 T0 + subjects / 10);
    report_child("report JSON, keyed hash, all", GDPR_EXPORT_JSON, 0, 0);
    report_child("report CSV, keyed hash, all", GDPR_EXPORT_CSV, 0, 0);
    report_child("report JSON, host ids, all", GDPR_EXPORT_JSON, GDPR_REPORT_HOST_IDS, 0);
    floor_child();
    bench_cleanup();
    return 0;
}
