/*
 * Request register benchmarks, each beside a raw SQLite baseline measured
 * in the same run on the same rows:
 *   - intake: gdpr_request_open (deadline, row, history, audit) against
 *     plain inserts of the same three rows;
 *   - KPIs over 1,000,000 requests (two years of receipts) from the
 *     per-day counters, against one GROUP BY over the rows (target: at
 *     most 200 ms);
 *   - the overdue list among 1,000,000 open requests at two dates with
 *     100x apart overdue counts, same store: the cost follows the count,
 *     against the same SELECT through the same index and a full scan.
 * The big stores are filled with one INSERT ... SELECT through a raw
 * connection (the schema's triggers keep the counters as for any insert);
 * everything measured goes through the public API.
 *
 *   build/tests/bench/bench-request      (GDPR_BENCH_SCALE=0.1 for a quick run)
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "bench.h"
#include "engine.h"
#include "gdpr.h"

#define DAY 86400
#define RUNS 5
/* 2027-01-01T00:00:00Z */
#define BASE INT64_C(1798761600)

static const unsigned char key[32] = {9, 8, 7, 6,  5,  4,  3,  2,  1,  0,  1,  2,  3,  4,  5,  6,
                                      7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22};
static const gdpr_actor agent = {"bench", "agent"};
static const gdpr_actor dpo = {"bench", "dpo"};
static int64_t now = BASE;

static int64_t
bench_clock(void *ctx)
{
    (void)ctx;
    return now;
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

static const char *
path_of(const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s.db", bench_tmpdir(), name);
    return buf;
}

static gdpr_engine *
open_store(const char *name)
{
    gdpr_options opts = GDPR_OPTIONS_INIT;
    gdpr_engine *eng = NULL;
    char path[512];
    int64_t version = 0;

    opts.path = path_of(name, path, sizeof path);
    opts.key = key;
    opts.key_len = sizeof key;
    opts.clock = bench_clock;
    check(gdpr_open(&eng, &opts), "gdpr_open");
    if (gdpr_policy_version(eng, &version) != GDPR_OK)
        check(gdpr_policy_load(eng, &dpo, TEST_SOURCE_ROOT "/examples/policy.json"), "policy");
    return eng;
}

static sqlite3 *
open_raw(const char *name)
{
    char path[512];
    sqlite3 *db = NULL;

    if (sqlite3_open(path_of(name, path, sizeof path), &db) != SQLITE_OK ||
        sqlite3_exec(db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-65536",
                     NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "raw sqlite open failed\n");
        exit(1);
    }
    return db;
}

/* --- intake ----------------------------------------------------------- */

/* The same-work floor of gdpr_request_open for an existing subject,
 * written by hand on a copy of the library's store taken before the
 * library's run (same schema, indexes, size and starting rows, so the
 * same requests become duplicates): per request the blind index (HMAC-SHA-256 of the subject
 * id), the subject's row looked up, the request row (hash and subject
 * id, as schema step 28 stores it), its KPI counter upsert, its history
 * row and the audit row (hash and subject id) with its chained
 * HMAC-SHA-256; the subject's open request of the same type looked up
 * through request_subject_id and, when there is one, the request linked
 * as its duplicate (status 7, the original read, a history and an audit
 * row on each), as the library does; per transaction the audit tail and the id counters read
 * and written back, and the store generation raised; batches of 1,000
 * per durable commit. The deadline (Art. 12(3) in the controller's zone
 * with its holidays) is the library's own work and left out. */
static uint8_t intake_hashes[1000][CRYPTO_HASH_BYTES];

typedef struct {
    sqlite3 *db;
    sqlite3_stmt *ev, *au;
    floor_crypto fc;
    unsigned char chain[32];
    int64_t seq, next_ev;
} floor_log;

/* A history row and its audit row with the chained MAC. */
static void
floor_log_event(floor_log *l, int64_t request, const char *action, int status, const uint8_t *h,
                int64_t subject_id)
{
    char ref[64];

    sqlite3_bind_int64(l->ev, 1, ++l->next_ev);
    sqlite3_bind_int64(l->ev, 2, request);
    sqlite3_bind_int64(l->ev, 3, now);
    sqlite3_bind_text(l->ev, 4, action, -1, SQLITE_STATIC);
    sqlite3_bind_int(l->ev, 5, status);
    check_sql(l->db, sqlite3_step(l->ev), "insert event");
    sqlite3_reset(l->ev);
    snprintf(ref, sizeof ref, "request %lld %s access", (long long)request, action);
    floor_hmac(&l->fc, l->chain, 32, ref, strlen(ref), l->chain);
    sqlite3_bind_int64(l->au, 1, ++l->seq);
    sqlite3_bind_int64(l->au, 2, now);
    sqlite3_bind_blob(l->au, 3, h, 32, SQLITE_STATIC);
    sqlite3_bind_text(l->au, 4, ref, -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(l->au, 5, l->chain, 32, SQLITE_STATIC);
    sqlite3_bind_int64(l->au, 6, subject_id);
    check_sql(l->db, sqlite3_step(l->au), "insert audit");
    sqlite3_reset(l->au);
}

static double
floor_intake(sqlite3 *db, long n)
{
    sqlite3_stmt *sub = NULL, *req = NULL, *kpi = NULL, *ids = NULL, *dup = NULL, *orig = NULL;
    unsigned char mac[32];
    floor_log l;
    int64_t next_req = 0;
    double t0;

    memset(&l, 0, sizeof l);
    l.db = db;
    floor_crypto_init(&l.fc);
    check_sql(db,
              sqlite3_prepare_v2(db, "SELECT id FROM main.subject WHERE hash=?1", -1, &sub, NULL),
              "prepare");
    check_sql(db,
              sqlite3_prepare_v2(db,
                                 "SELECT id FROM main.request WHERE subject_id = ?1 AND type = ?2"
                                 " AND status IN (1, 2) ORDER BY id LIMIT 1",
                                 -1, &dup, NULL),
              "prepare duplicate");
    check_sql(db,
              sqlite3_prepare_v2(db, "SELECT first_due, due FROM main.request WHERE id=?1", -1,
                                 &orig, NULL),
              "prepare original");
    check_sql(db,
              sqlite3_prepare_v2(db,
                                 "INSERT INTO main.request(id, type, received, status, subject,"
                                 " channel, first_due, due, updated, policy_version, subject_id,"
                                 " duplicate_of, closed, close_days)"
                                 " VALUES(?1, ?2, ?3, ?7, ?4, 'web', ?5, ?5, ?3, 1, ?6, ?8, ?9,"
                                 " ?10)",
                                 -1, &req, NULL),
              "prepare request");
    check_sql(db,
              sqlite3_prepare_v2(db,
                                 "INSERT INTO main.request_kpi VALUES(?1, ?2, ?3, 1, 0, 0, 0, 0,"
                                 " 0, 0, 0, 0, 0, 0, 0, 0) ON CONFLICT(day, type, status)"
                                 " DO UPDATE SET n = n + excluded.n",
                                 -1, &kpi, NULL),
              "prepare kpi");
    check_sql(db,
              sqlite3_prepare_v2(db,
                                 "INSERT INTO main.request_event(id, request, at, actor, role,"
                                 " action, status, detail, note) VALUES(?1, ?2, ?3, 'bench',"
                                 " 'agent', ?4, ?5, 'access by web', NULL)",
                                 -1, &l.ev, NULL),
              "prepare event");
    check_sql(db,
              sqlite3_prepare_v2(db,
                                 "INSERT INTO main.audit(seq, at, actor, role, action, subject,"
                                 " outcome, ref, mac, subject_id) VALUES(?1, ?2, 'bench', 'agent',"
                                 " 'request.open', ?3, 0, ?4, ?5, ?6)",
                                 -1, &l.au, NULL),
              "prepare audit");
    check_sql(db,
              sqlite3_prepare_v2(db,
                                 "SELECT (SELECT coalesce(max(seq), 0) FROM main.audit),"
                                 " (SELECT value FROM main.counter WHERE name='request'),"
                                 " (SELECT value FROM main.counter WHERE name='request_event')",
                                 -1, &ids, NULL),
              "prepare ids");
    memset(l.chain, 0x17, sizeof l.chain);
    t0 = bench_now();
    for (long i = 0; i < n; i += 1000) {
        char sql[256];
        check_sql(db, sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), "begin");
        check_sql(db, sqlite3_step(ids), "ids");
        l.seq = sqlite3_column_int64(ids, 0);
        next_req = sqlite3_column_int64(ids, 1);
        l.next_ev = sqlite3_column_int64(ids, 2);
        sqlite3_reset(ids);
        for (long k = i; k < i + 1000 && k < n; k++) {
            char subject[32];
            const uint8_t *h = intake_hashes[k % 1000];
            int64_t id = ++next_req, subject_id, original = 0, due = now + 30 * DAY;
            int type = (int)(1 + k % 6), status = 1;
            snprintf(subject, sizeof subject, "customer-%ld", k % 1000);
            floor_hmac(&l.fc, "subject", 7, subject, strlen(subject), mac);
            sqlite3_bind_blob(sub, 1, h, 32, SQLITE_STATIC);
            if (sqlite3_step(sub) != SQLITE_ROW) {
                fprintf(stderr, "floor: subject not found\n");
                exit(1);
            }
            subject_id = sqlite3_column_int64(sub, 0);
            sqlite3_reset(sub);
            sqlite3_bind_int64(dup, 1, subject_id);
            sqlite3_bind_int(dup, 2, type);
            if (sqlite3_step(dup) == SQLITE_ROW)
                original = sqlite3_column_int64(dup, 0);
            sqlite3_reset(dup);
            if (original > 0) {
                sqlite3_bind_int64(orig, 1, original);
                check_sql(db, sqlite3_step(orig), "original");
                due = sqlite3_column_int64(orig, 1);
                sqlite3_reset(orig);
                status = 7;
            }
            sqlite3_bind_int64(req, 1, id);
            sqlite3_bind_int(req, 2, type);
            sqlite3_bind_int64(req, 3, now);
            sqlite3_bind_blob(req, 4, h, 32, SQLITE_STATIC);
            sqlite3_bind_int64(req, 5, due);
            sqlite3_bind_int64(req, 6, subject_id);
            sqlite3_bind_int(req, 7, status);
            sqlite3_bind_int64(req, 8, original);
            sqlite3_bind_int64(req, 9, original > 0 ? now : 0);
            sqlite3_bind_int(req, 10, original > 0 ? 0 : -1);
            check_sql(db, sqlite3_step(req), "insert request");
            sqlite3_reset(req);
            sqlite3_bind_int64(kpi, 1, now / DAY);
            sqlite3_bind_int(kpi, 2, type);
            sqlite3_bind_int(kpi, 3, status);
            check_sql(db, sqlite3_step(kpi), "kpi");
            sqlite3_reset(kpi);
            floor_log_event(&l, id, "open", status, h, subject_id);
            if (original > 0)
                floor_log_event(&l, original, "duplicate", 1, h, subject_id);
        }
        snprintf(sql, sizeof sql,
                 "UPDATE main.counter SET value=%lld WHERE name='request';"
                 " UPDATE main.counter SET value=%lld WHERE name='request_event';"
                 " UPDATE main.counter SET value=value+1 WHERE name='generation'; COMMIT",
                 (long long)next_req, (long long)l.next_ev);
        check_sql(db, sqlite3_exec(db, sql, NULL, NULL, NULL), "commit");
    }
    t0 = bench_now() - t0;
    sqlite3_finalize(sub);
    sqlite3_finalize(dup);
    sqlite3_finalize(orig);
    sqlite3_finalize(req);
    sqlite3_finalize(kpi);
    sqlite3_finalize(l.ev);
    sqlite3_finalize(l.au);
    sqlite3_finalize(ids);
    sqlite3_close(db);
    floor_crypto_free(&l.fc);
    return t0;
}

/* The floor wrote the rows the library wrote: the same requests, duplicates,
 * history and audit rows. */
static void
floor_rows_match(const char *ours, const char *floor)
{
    static const char sql[] =
        "SELECT (SELECT count(*) FROM request) || '/' ||"
        " (SELECT count(*) FROM request WHERE status = 7) || '/' ||"
        " (SELECT count(*) FROM request WHERE subject_id IS NOT NULL) || '/' ||"
        " (SELECT count(*) FROM request_event) || '/' ||"
        " (SELECT count(*) FROM audit WHERE subject_id IS NOT NULL)";
    char counts[2][128];
    const char *paths[2] = {ours, floor};

    for (int i = 0; i < 2; i++) {
        sqlite3 *db = NULL;
        sqlite3_stmt *s = NULL;
        if (sqlite3_open_v2(paths[i], &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
            sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK ||
            sqlite3_step(s) != SQLITE_ROW) {
            fprintf(stderr, "floor check: %s\n", sqlite3_errmsg(db));
            exit(1);
        }
        snprintf(counts[i], sizeof counts[i], "%s", (const char *)sqlite3_column_text(s, 0));
        sqlite3_finalize(s);
        sqlite3_close(db);
    }
    if (strcmp(counts[0], counts[1]) != 0) {
        fprintf(stderr, "floor rows differ: ours %s, floor %s\n", counts[0], counts[1]);
        exit(1);
    }
}

static void
bench_intake(long n)
{
    gdpr_engine *eng = open_store("intake");
    sqlite3 *db = open_raw("intake-raw");
    sqlite3_stmt *req = NULL, *ev = NULL, *au = NULL;
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    unsigned char blob[64];
    char from[512], to[512];
    sqlite3 *floor_db;
    double t0, ours, raw;

    double same;

    memset(blob, 0x5a, sizeof blob);
    in.type = GDPR_REQUEST_ACCESS;
    in.channel = "web";
    /* The subjects exist already: the figure is the intake itself. */
    check(gdpr_begin(eng), "begin");
    for (long k = 0; k < 1000; k++) {
        char subject[32];
        snprintf(subject, sizeof subject, "customer-%ld", k);
        check(gdpr_subject_ensure(eng, &agent, subject, NULL), "subject");
        check(gdpr_engine__subject_hash(eng, subject, intake_hashes[k]), "hash");
    }
    check(gdpr_commit(eng), "commit");
    floor_db = bench_copy_store(path_of("intake", from, sizeof from),
                                path_of("intake-floor", to, sizeof to));
    t0 = bench_now();
    for (long i = 0; i < n; i += 1000) {
        check(gdpr_begin(eng), "begin");
        for (long k = i; k < i + 1000 && k < n; k++) {
            char subject[32];
            snprintf(subject, sizeof subject, "customer-%ld", k % 1000);
            in.subject = subject;
            in.type = (gdpr_request_type)(1 + k % 6);
            check(gdpr_request_open(eng, &agent, &in, NULL), "gdpr_request_open");
        }
        check(gdpr_commit(eng), "commit");
    }
    ours = bench_now() - t0;
    same = floor_intake(floor_db, n);
    floor_rows_match(from, to);
    bench_report_rate("request open (batched 1k)", (double)n, ours,
                      "floor: same rows+HMACs, copy of the store", (double)n, same);

    /* Naive: the request row, its history row and an audit row per
     * request in plain SQLite, same batches, no deadline, no crypto. */
    check_sql(db,
              sqlite3_exec(db,
                           "CREATE TABLE request(id INTEGER PRIMARY KEY, type INT,"
                           " status INT, subject BLOB, channel TEXT, received INT, due INT);"
                           "CREATE INDEX request_due ON request(due) WHERE status IN (1, 2);"
                           "CREATE TABLE event(id INTEGER PRIMARY KEY, request INT, at INT,"
                           " actor TEXT, action TEXT, detail TEXT);"
                           "CREATE TABLE audit(seq INTEGER PRIMARY KEY, at INT, actor TEXT,"
                           " role TEXT, action TEXT, subject BLOB, outcome INT, ref TEXT,"
                           " mac BLOB)",
                           NULL, NULL, NULL),
              "raw schema");
    sqlite3_prepare_v2(db, "INSERT INTO request VALUES(NULL, ?1, 1, ?2, 'web', ?3, ?4)", -1, &req,
                       NULL);
    sqlite3_prepare_v2(db,
                       "INSERT INTO event VALUES(NULL, ?1, ?2, 'bench', 'open', 'access by web')",
                       -1, &ev, NULL);
    sqlite3_prepare_v2(db,
                       "INSERT INTO audit VALUES(NULL, ?1, 'bench', 'agent', 'request.open',"
                       " ?2, 0, 'request', ?3)",
                       -1, &au, NULL);
    t0 = bench_now();
    for (long i = 0; i < n; i += 1000) {
        sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
        for (long k = i; k < i + 1000 && k < n; k++) {
            sqlite3_bind_int(req, 1, (int)(1 + k % 6));
            sqlite3_bind_blob(req, 2, blob, 32, SQLITE_STATIC);
            sqlite3_bind_int64(req, 3, now);
            sqlite3_bind_int64(req, 4, now + 30 * DAY);
            sqlite3_step(req);
            sqlite3_reset(req);
            sqlite3_bind_int64(ev, 1, sqlite3_last_insert_rowid(db));
            sqlite3_bind_int64(ev, 2, now);
            sqlite3_step(ev);
            sqlite3_reset(ev);
            sqlite3_bind_int64(au, 1, now);
            sqlite3_bind_blob(au, 2, blob, 32, SQLITE_STATIC);
            sqlite3_bind_blob(au, 3, blob + 32, 32, SQLITE_STATIC);
            sqlite3_step(au);
            sqlite3_reset(au);
        }
        check_sql(db, sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), "commit");
    }
    raw = bench_now() - t0;
    sqlite3_finalize(req);
    sqlite3_finalize(ev);
    sqlite3_finalize(au);
    bench_report_rate("  (the same)", (double)n, ours, "naive: 3 rows/request, empty db, no crypto",
                      (double)n, raw);
    gdpr_close(eng);
    sqlite3_close(db);
}

/* --- filling a big store ----------------------------------------------- */

/* n requests received over `span` seconds from BASE. mixed: 60% fulfilled,
 * 10% denied, 10% revoked, 10% expired, 10% open or in progress, closed
 * after 0..44 days, every 17th extended, every 23rd escalated, every 31st
 * high-risk; else every request is open, due spread over the span. */
static const char fill_sql[] =
    "WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < ?1),"
    " r AS (SELECT i, 1 + i % 6 AS type,"
    "   CASE WHEN ?3 = 0 THEN 1 + i % 2"
    "        WHEN i % 10 < 6 THEN 3 WHEN i % 10 = 6 THEN 4 WHEN i % 10 = 7 THEN 5"
    "        WHEN i % 10 = 8 THEN 6 ELSE 1 + (i / 10) % 2 END AS status,"
    "   ?2 + (i * 63113) % ?4 AS received FROM s)"
    " INSERT INTO main.request(id, type, status, subject, channel, received, first_due, due,"
    "  extended_months, told_at, verification, verify_method, verified_at, flags,"
    "  escalated_to, escalations, denial, grace_until, closed, close_days, updated,"
    "  policy_version)"
    " SELECT i + 1, type, status, randomblob(32), 'web', received, received + 30 * 86400,"
    "  received + CASE WHEN i % 17 = 0 THEN 91 ELSE 30 END * 86400,"
    "  CASE WHEN i % 17 = 0 THEN 2 ELSE 0 END, 0, 2, 2, received,"
    "  CASE WHEN i % 31 = 0 THEN 2 ELSE 0 END, CASE WHEN i % 23 = 0 THEN 'dpo' END,"
    "  CASE WHEN i % 23 = 0 THEN 1 ELSE 0 END, CASE WHEN status = 4 THEN 1 + i % 5 ELSE 0 END,"
    "  0, CASE WHEN status >= 3 THEN received + (i % 45) * 86400 + 3600 ELSE 0 END,"
    "  CASE WHEN status >= 3 THEN i % 45 ELSE -1 END, received, 1 FROM r";

/* The KPI counters of those rows, which the store keeps only for the rows
 * it writes itself (no triggers since schema 10). */
static const char fill_kpi_sql[] =
    "INSERT INTO main.request_kpi SELECT received / 86400, type, status, count(*),"
    " sum(closed > 0 AND closed >= due), sum(extended_months > 0), sum(escalations > 0),"
    " sum(escalations), sum(flags <> 0), sum(denial = 1), sum(denial = 2), sum(denial = 3),"
    " sum(denial = 4), sum(denial = 5), sum(denial = 6), sum(denial = 7)"
    " FROM main.request GROUP BY 1, 2, 3;"
    "INSERT INTO main.request_kpi_close SELECT received / 86400, close_days, count(*)"
    " FROM main.request WHERE status IN (3, 4) GROUP BY 1, 2;";

static void
fill(const char *name, long n, int mixed, int64_t span)
{
    sqlite3 *db;
    sqlite3_stmt *s = NULL;
    double t0;

    gdpr_close(open_store(name)); /* schema and policy */
    db = open_raw(name);
    t0 = bench_now();
    check_sql(db, sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), "begin");
    check_sql(db, sqlite3_prepare_v2(db, fill_sql, -1, &s, NULL), "fill");
    sqlite3_bind_int64(s, 1, n);
    sqlite3_bind_int64(s, 2, BASE);
    sqlite3_bind_int(s, 3, mixed);
    sqlite3_bind_int64(s, 4, span);
    check_sql(db, sqlite3_step(s), "fill");
    sqlite3_finalize(s);
    check_sql(db, sqlite3_exec(db, fill_kpi_sql, NULL, NULL, NULL), "fill counters");
    check_sql(
        db, sqlite3_exec(db, "COMMIT; PRAGMA wal_checkpoint(TRUNCATE); ANALYZE", NULL, NULL, NULL),
        "commit");
    printf("  (filled %s: %ld requests in %.1f s)\n", name, n, bench_now() - t0);
    sqlite3_close(db);
}

/* --- KPIs ------------------------------------------------------------- */

typedef struct {
    int64_t total, decided, on_time;
} raw_kpi;

static void
raw_kpis(sqlite3 *db, int64_t from, int64_t to, raw_kpi *out)
{
    sqlite3_stmt *s = NULL;
    int64_t *days = calloc(64, sizeof *days);

    memset(out, 0, sizeof *out);
    check_sql(db,
              sqlite3_prepare_v2(
                  db,
                  "SELECT type, status, denial, close_days, closed > 0 AND closed >= due,"
                  " extended_months > 0, escalations > 0, flags <> 0, count(*), sum(escalations)"
                  " FROM main.request WHERE received >= ?1 AND received < ?2"
                  " GROUP BY 1, 2, 3, 4, 5, 6, 7, 8",
                  -1, &s, NULL),
              "raw kpis");
    sqlite3_bind_int64(s, 1, from);
    sqlite3_bind_int64(s, 2, to);
    while (sqlite3_step(s) == SQLITE_ROW) {
        int status = sqlite3_column_int(s, 1), cd = sqlite3_column_int(s, 3);
        int64_t n = sqlite3_column_int64(s, 8);
        out->total += n;
        if (status == 3 || status == 4) {
            out->decided += n;
            if (!sqlite3_column_int(s, 4))
                out->on_time += n;
            if (cd >= 0 && cd < 64)
                days[cd] += n;
        }
    }
    sqlite3_finalize(s);
    free(days);
}

/* The same-work floor of gdpr_request_kpis by hand, on a copy of the
 * store opened with the library's pragmas: the store generation read, then
 * the library's own statements (lib/store/sqlite/request.c), each prepared
 * once: the per-day counters of the window's whole days, the per-day
 * histogram of close days, the rows of the partial days at its edges, and
 * the count of open requests overdue through request_open_due; the same
 * sums, the on-time rate, the median and the 90th percentile. The bound of
 * the overdue count (the last receipt's deadline plus a month of slack) is
 * taken as three months and a month, without the policy's calendar. */
typedef struct {
    sqlite3 *db;
    sqlite3_stmt *gen, *days, *close, *rows, *overdue;
} floor_kpi;

typedef struct {
    int64_t total, decided, on_time, late, overdue, duplicates, extended, escalated, escalations,
        high_risk;
    int64_t by_type[GDPR_REQUEST_TYPE_ALL_MAX + 1][GDPR_REQUEST_STATUS_MAX + 1];
    int64_t by_status[GDPR_REQUEST_STATUS_MAX + 1];
    int64_t denied[GDPR_DENIAL_REASON_MAX + 1];
    int64_t hist[4096];
    double median_days, p90_days;
} floor_kpi_report;

static void
floor_kpi_open(floor_kpi *f, sqlite3 *db)
{
    static const char *const sql[5] = {
        "SELECT value FROM main.counter WHERE name = 'generation'",
        "SELECT type, status, n, late, extended, escalated, escalations, high_risk, denied1,"
        " denied2, denied3, denied4, denied5, denied6, denied7, -1"
        " FROM main.request_kpi WHERE day >= ?1 AND day < ?2 AND n > 0",
        "SELECT close_days, n FROM main.request_kpi_close WHERE day >= ?1 AND day < ?2 AND n > 0",
        "SELECT type, status, 1,"
        " CASE WHEN status = 6 THEN info_asked_at = 0 OR info_asked_at >= due"
        " ELSE closed > 0 AND closed >= CASE WHEN status = 4 THEN first_due ELSE due END END,"
        " extended_months > 0, escalations > 0, escalations, flags <> 0,"
        " denial = 1, denial = 2, denial = 3, denial = 4, denial = 5, denial = 6,"
        " denial = 7, close_days FROM main.request WHERE received >= ?1 AND received < ?2",
        "SELECT count(*) FROM main.request INDEXED BY request_open_due"
        " WHERE status IN (1, 2) AND due > ?1 AND due <= ?2 AND received >= ?3"
        " AND received < ?4"};
    sqlite3_stmt **out[5] = {&f->gen, &f->days, &f->close, &f->rows, &f->overdue};

    f->db = db;
    for (int i = 0; i < 5; i++)
        check_sql(db, sqlite3_prepare_v3(db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, out[i], NULL),
                  "prepare kpi floor");
}

static void
floor_kpi_close(floor_kpi *f)
{
    sqlite3_finalize(f->gen);
    sqlite3_finalize(f->days);
    sqlite3_finalize(f->close);
    sqlite3_finalize(f->rows);
    sqlite3_finalize(f->overdue);
    sqlite3_close(f->db);
}

/* One counter row (or one request row of an edge day) added in. */
static void
floor_kpi_add(sqlite3_stmt *s, floor_kpi_report *k)
{
    int type = sqlite3_column_int(s, 0), status = sqlite3_column_int(s, 1);
    int64_t n = sqlite3_column_int64(s, 2), late = sqlite3_column_int64(s, 3);
    int cd = sqlite3_column_int(s, 15);

    if (status == 7) {
        k->duplicates += n;
        return;
    }
    if (type < 1 || type > GDPR_REQUEST_TYPE_ALL_MAX || status < 1 ||
        status > GDPR_REQUEST_STATUS_MAX) {
        fprintf(stderr, "kpi floor: damaged row\n");
        exit(1);
    }
    k->total += n;
    k->by_type[type][status] += n;
    k->by_status[status] += n;
    if (status == 4)
        for (int d = 1; d <= GDPR_DENIAL_REASON_MAX; d++)
            k->denied[d] += sqlite3_column_int64(s, 7 + d);
    if (status == 3 || status == 4) {
        k->decided += n;
        k->late += late;
        k->on_time += n - late;
        if (cd >= 0 && cd < 4096)
            k->hist[cd] += n;
    }
    if (status == 6)
        k->late += late;
    k->extended += sqlite3_column_int64(s, 4);
    k->escalated += sqlite3_column_int64(s, 5);
    k->escalations += sqlite3_column_int64(s, 6);
    k->high_risk += sqlite3_column_int64(s, 7);
}

static void
floor_kpi_rows(floor_kpi *f, int64_t from, int64_t to, floor_kpi_report *k)
{
    int rc;

    sqlite3_bind_int64(f->rows, 1, from);
    sqlite3_bind_int64(f->rows, 2, to);
    while ((rc = sqlite3_step(f->rows)) == SQLITE_ROW)
        floor_kpi_add(f->rows, k);
    check_sql(f->db, rc, "kpi floor rows");
    sqlite3_reset(f->rows);
}

static double
floor_kpi_rank(const floor_kpi_report *k, int64_t rank)
{
    int64_t seen = 0;

    for (int d = 0; d < 4096; d++) {
        seen += k->hist[d];
        if (seen >= rank)
            return d;
    }
    return -1;
}

__attribute__((noinline)) static void
floor_kpis(floor_kpi *f, int64_t from, int64_t to, int64_t as_of, floor_kpi_report *k)
{
    int64_t d0 = (from + DAY - 1) / DAY, d1 = to / DAY, bound = as_of, n;
    int rc;

    memset(k, 0, sizeof *k);
    check_sql(f->db, sqlite3_step(f->gen), "generation");
    sqlite3_reset(f->gen);
    if (d0 < d1) {
        sqlite3_bind_int64(f->days, 1, d0);
        sqlite3_bind_int64(f->days, 2, d1);
        while ((rc = sqlite3_step(f->days)) == SQLITE_ROW)
            floor_kpi_add(f->days, k);
        check_sql(f->db, rc, "kpi floor days");
        sqlite3_reset(f->days);
        sqlite3_bind_int64(f->close, 1, d0);
        sqlite3_bind_int64(f->close, 2, d1);
        while ((rc = sqlite3_step(f->close)) == SQLITE_ROW) {
            int cd = sqlite3_column_int(f->close, 0);
            if (cd >= 0 && cd < 4096)
                k->hist[cd] += sqlite3_column_int64(f->close, 1);
        }
        check_sql(f->db, rc, "kpi floor close days");
        sqlite3_reset(f->close);
        if (from < d0 * DAY)
            floor_kpi_rows(f, from, d0 * DAY, k);
        if (d1 * DAY < to)
            floor_kpi_rows(f, d1 * DAY, to, k);
    } else {
        floor_kpi_rows(f, from, to, k);
    }
    if (to - 1 + (92 + 31) * DAY < bound)
        bound = to - 1 + (92 + 31) * DAY;
    sqlite3_bind_int64(f->overdue, 1, from);
    sqlite3_bind_int64(f->overdue, 2, bound);
    sqlite3_bind_int64(f->overdue, 3, from);
    sqlite3_bind_int64(f->overdue, 4, to);
    check_sql(f->db, sqlite3_step(f->overdue), "kpi floor overdue");
    k->overdue = sqlite3_column_int64(f->overdue, 0);
    sqlite3_reset(f->overdue);
    k->late += k->overdue;
    n = k->decided;
    k->median_days = n == 0  ? -1
                     : n % 2 ? floor_kpi_rank(k, (n + 1) / 2)
                             : (floor_kpi_rank(k, n / 2) + floor_kpi_rank(k, n / 2 + 1)) / 2;
    k->p90_days = n == 0 ? -1 : floor_kpi_rank(k, (9 * n + 9) / 10);
}

static void
bench_kpis(long n)
{
    gdpr_request_kpi_report k;
    floor_kpi_report fk;
    floor_kpi f;
    gdpr_engine *eng;
    sqlite3 *db;
    char from[512], to_path[512];
    double ours[RUNS], raw[RUNS], month[RUNS], raw_month[RUNS], same[RUNS], same_month[RUNS];
    raw_kpi rk;
    int64_t to = BASE + 730 * DAY, m0 = BASE + 365 * DAY, m1 = m0 + 31 * DAY;

    fill("kpi", n, 1, 730 * DAY);
    now = to;
    eng = open_store("kpi");
    db = open_raw("kpi");
    floor_kpi_open(&f, bench_copy_store(path_of("kpi", from, sizeof from),
                                        path_of("kpi-floor", to_path, sizeof to_path)));
    check(gdpr_request_kpi_report_init(&k, GDPR_REQUEST_KPI_REPORT_VERSION), "init");
    for (int r = 0; r < RUNS; r++) {
        double t0 = bench_now();
        check(gdpr_request_kpis(eng, BASE, to, &k), "gdpr_request_kpis");
        ours[r] = bench_now() - t0;
        t0 = bench_now();
        floor_kpis(&f, BASE, to, now, &fk);
        same[r] = bench_now() - t0;
        t0 = bench_now();
        raw_kpis(db, BASE, to, &rk);
        raw[r] = bench_now() - t0;
        t0 = bench_now();
        check(gdpr_request_kpis(eng, m0, m1, &k), "gdpr_request_kpis");
        month[r] = bench_now() - t0;
        t0 = bench_now();
        floor_kpis(&f, m0, m1, now, &fk);
        same_month[r] = bench_now() - t0;
        t0 = bench_now();
        raw_kpis(db, m0, m1, &rk);
        raw_month[r] = bench_now() - t0;
    }
    check(gdpr_request_kpis(eng, BASE, to, &k), "gdpr_request_kpis");
    raw_kpis(db, BASE, to, &rk);
    floor_kpis(&f, BASE, to, now, &fk);
    if (k.total != rk.total || k.decided != rk.decided || k.on_time != rk.on_time ||
        k.total != fk.total || k.decided != fk.decided || k.on_time != fk.on_time ||
        k.late != fk.late || k.overdue != fk.overdue || k.duplicates != fk.duplicates ||
        k.median_days != fk.median_days || k.p90_days != fk.p90_days) {
        fprintf(stderr,
                "KPI mismatch: ours %lld/%lld/%lld/%lld/%lld, floor %lld/%lld/%lld/%lld/%lld,"
                " raw %lld/%lld/%lld\n",
                (long long)k.total, (long long)k.decided, (long long)k.on_time, (long long)k.late,
                (long long)k.overdue, (long long)fk.total, (long long)fk.decided,
                (long long)fk.on_time, (long long)fk.late, (long long)fk.overdue,
                (long long)rk.total, (long long)rk.decided, (long long)rk.on_time);
        exit(1);
    }
    bench_report_latency("kpis, 2 years (all requests)", bench_median(ours, RUNS),
                         "floor: same statements+sums, copy of the store",
                         bench_median(same, RUNS));
    bench_report_latency("  (the same)", bench_median(ours, RUNS),
                         "naive: raw SQLite GROUP BY over the rows", bench_median(raw, RUNS));
    bench_report_latency("kpis, one month", bench_median(month, RUNS),
                         "floor: same statements+sums, copy of the store",
                         bench_median(same_month, RUNS));
    bench_report_latency("  (the same)", bench_median(month, RUNS),
                         "naive: raw SQLite GROUP BY over the rows", bench_median(raw_month, RUNS));
    printf("  kpis over %lld requests: median %.1f ms (target <= 200 ms for 1,000,000: %s); "
           "on-time %.3f, median %.1f days, p90 %.1f days\n",
           (long long)k.total, bench_median(ours, RUNS) * 1e3,
           bench_median(ours, RUNS) <= 0.2 ? "met" : "MISSED", k.on_time_rate, k.median_days,
           k.p90_days);
    gdpr_close(eng);
    sqlite3_close(db);
    floor_kpi_close(&f);
}

/* --- overdue ---------------------------------------------------------- */

static int
count_row(const gdpr_request_info *r, void *ctx)
{
    (void)r;
    (*(long *)ctx)++;
    return 0;
}

static long
raw_overdue(sqlite3 *db, int64_t as_of, int use_index)
{
    sqlite3_stmt *s = NULL;
    long rows = 0;

    check_sql(
        db,
        sqlite3_prepare_v2(
            db,
            use_index
                ? "SELECT id, type, status, subject, received, due FROM main.request"
                  " INDEXED BY request_open_due WHERE status IN (1, 2) AND due <= ?1 ORDER BY due, "
                  "id"
                : "SELECT id, type, status, subject, received, due FROM main.request NOT INDEXED"
                  " WHERE status IN (1, 2) AND due <= ?1 ORDER BY due, id",
            -1, &s, NULL),
        "raw overdue");
    sqlite3_bind_int64(s, 1, as_of);
    while (sqlite3_step(s) == SQLITE_ROW)
        rows++;
    sqlite3_finalize(s);
    return rows;
}

/* The same-work floor of gdpr_request_overdue by hand, on a copy of the
 * store opened with the library's pragmas: the store generation read, then
 * the library's own SELECT (every column of the register's row, through
 * request_open_due in due order), prepared once; per row the item the
 * library hands out: the columns read, the subject's hash in hex, the
 * texts copied, the caller's function called. */
typedef struct {
    sqlite3 *db;
    sqlite3_stmt *gen, *list;
} floor_overdue_list;

static void
floor_overdue_open(floor_overdue_list *f, sqlite3 *db)
{
    f->db = db;
    check_sql(db,
              sqlite3_prepare_v3(db, "SELECT value FROM main.counter WHERE name = 'generation'", -1,
                                 SQLITE_PREPARE_PERSISTENT, &f->gen, NULL),
              "prepare generation");
    check_sql(db,
              sqlite3_prepare_v3(
                  db,
                  "SELECT id, type, status, subject, ident_kind, ident_hash, ident_value, channel,"
                  " received, first_due, due, extended_months, told_at, verification,"
                  " verify_method, verified_at, flags, escalated_to, escalations, denial,"
                  " grace_until, closed, close_days, updated, policy_version, info_asked_at,"
                  " duplicate_of FROM main.request INDEXED BY request_open_due"
                  " WHERE status IN (1, 2) AND due > ?1 AND due <= ?2 ORDER BY due, id",
                  -1, SQLITE_PREPARE_PERSISTENT, &f->list, NULL),
              "prepare overdue floor");
}

static void
floor_text(sqlite3_stmt *s, int col, char *buf, size_t cap)
{
    const char *t = (const char *)sqlite3_column_text(s, col);
    size_t len = (size_t)sqlite3_column_bytes(s, col);

    if (t == NULL || len >= cap)
        len = 0;
    memcpy(buf, t, len);
    buf[len] = '\0';
}

__attribute__((noinline)) static long
floor_overdue(floor_overdue_list *f, int64_t as_of, gdpr_request_fn fn, void *ctx)
{
    static const char hex[] = "0123456789abcdef";
    gdpr_request_info info;
    sqlite3_stmt *s = f->list;
    long rows = 0;
    int rc;

    check_sql(f->db, sqlite3_step(f->gen), "generation");
    sqlite3_reset(f->gen);
    sqlite3_bind_int64(s, 1, INT64_MIN);
    sqlite3_bind_int64(s, 2, as_of);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const unsigned char *h = sqlite3_column_blob(s, 3);
        memset(&info, 0, sizeof info);
        info.version = GDPR_REQUEST_INFO_VERSION;
        info.id = sqlite3_column_int64(s, 0);
        info.type = (gdpr_request_type)sqlite3_column_int(s, 1);
        info.status = (gdpr_request_status)sqlite3_column_int(s, 2);
        if (h != NULL && sqlite3_column_bytes(s, 3) == 32)
            for (int i = 0; i < 32; i++) {
                info.subject_hash[2 * i] = hex[h[i] >> 4];
                info.subject_hash[2 * i + 1] = hex[h[i] & 15];
            }
        floor_text(s, 4, info.id_kind, sizeof info.id_kind);
        floor_text(s, 7, info.channel, sizeof info.channel);
        floor_text(s, 17, info.escalated_to, sizeof info.escalated_to);
        info.received = sqlite3_column_int64(s, 8);
        info.first_due = sqlite3_column_int64(s, 9);
        info.due = sqlite3_column_int64(s, 10);
        info.extended_months = sqlite3_column_int(s, 11);
        info.subject_told_at = sqlite3_column_int64(s, 12);
        info.verification = (gdpr_request_verification)sqlite3_column_int(s, 13);
        info.verify_method = (gdpr_request_method)sqlite3_column_int(s, 14);
        info.verified_at = sqlite3_column_int64(s, 15);
        info.flags = (unsigned int)sqlite3_column_int64(s, 16);
        info.escalations = sqlite3_column_int(s, 18);
        info.denial = (gdpr_request_denial)sqlite3_column_int(s, 19);
        info.grace_until = sqlite3_column_int64(s, 20);
        info.closed = sqlite3_column_int64(s, 21);
        info.close_days = sqlite3_column_int(s, 22);
        info.duplicate_of = sqlite3_column_int64(s, 26);
        if (fn(&info, ctx) != 0)
            break;
        rows++;
    }
    check_sql(f->db, rc, "overdue floor");
    sqlite3_reset(s);
    return rows;
}

static void
bench_overdue(long n)
{
    /* Due dates spread evenly over a year from BASE + 30 days: these two
     * dates leave about n/1000 and n/10 requests overdue. */
    int64_t first_due = BASE + 30 * DAY;
    int64_t as_of[2] = {first_due + (int64_t)(365.0 * DAY / 1000), first_due + 365 * DAY / 10};
    floor_overdue_list f;
    gdpr_engine *eng;
    sqlite3 *db;
    char from[512], to[512];

    fill("open", n, 0, 365 * DAY);
    eng = open_store("open");
    db = open_raw("open");
    floor_overdue_open(&f, bench_copy_store(path_of("open", from, sizeof from),
                                            path_of("open-floor", to, sizeof to)));
    for (int w = 0; w < 2; w++) {
        double ours[RUNS], raw[RUNS], scan[RUNS], same[RUNS];
        long listed = 0, raw_rows = 0, floor_rows = 0, floor_listed = 0;
        char name[64];

        for (int r = 0; r < RUNS; r++) {
            double t0 = bench_now();
            listed = 0;
            check(gdpr_request_overdue(eng, as_of[w], count_row, &listed), "overdue");
            ours[r] = bench_now() - t0;
            t0 = bench_now();
            floor_listed = 0;
            floor_rows = floor_overdue(&f, as_of[w], count_row, &floor_listed);
            same[r] = bench_now() - t0;
            t0 = bench_now();
            raw_rows = raw_overdue(db, as_of[w], 1);
            raw[r] = bench_now() - t0;
            t0 = bench_now();
            raw_overdue(db, as_of[w], 0);
            scan[r] = bench_now() - t0;
        }
        if (listed != raw_rows || listed != floor_rows || listed != floor_listed) {
            fprintf(stderr, "overdue mismatch: %ld listed, %ld floor, %ld raw\n", listed,
                    floor_rows, raw_rows);
            exit(1);
        }
        snprintf(name, sizeof name, "overdue list, %ld of %ld open", listed, n);
        bench_report_latency(name, bench_median(ours, RUNS),
                             "floor: same SELECT+items, copy of the store",
                             bench_median(same, RUNS));
        bench_report_latency("  (the same)", bench_median(ours, RUNS),
                             "naive: raw SQLite, same partial index, 6 columns",
                             bench_median(raw, RUNS));
        printf("  %ld overdue: %.3f ms, %.2f us per request listed; raw full scan %.1f ms\n",
               listed, bench_median(ours, RUNS) * 1e3,
               bench_median(ours, RUNS) * 1e6 / (double)listed, bench_median(scan, RUNS) * 1e3);
    }
    gdpr_close(eng);
    sqlite3_close(db);
    sqlite3_finalize(f.gen);
    sqlite3_finalize(f.list);
    sqlite3_close(f.db);
}

int
main(void)
{
    double scale = bench_scale();
    long big = (long)(1000000 * scale);
    long intake = (long)(20000 * scale);

    if (big < 10000)
        big = 10000;
    if (intake < 1000)
        intake = 1000;
    printf("bench-request: scale %.2f (%ld requests in the big stores)\n", scale, big);
    bench_intake(intake);
    bench_kpis(big);
    bench_overdue(big);
    bench_cleanup();
    return 0;
}
