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
 *   GDPR_BENCH_RETENTION_KEEP=/var/tmp/ret build-bench/tests/bench/bench-retention
 *
 * GDPR_BENCH_RETENTION_KEEP names a directory where each built store (data
 * file, keystore and the ids the run needs, per size and scale) is kept:
 * the first run builds and keeps it (the 10,000,000-record store takes
 * minutes), later runs copy it from there instead of building. Delete the
 * directory after a change of schema or of this program.
 *
 * The review sweep's run is printed beside its same-work floor
 * (floor_review, on a copy of the store taken before it).
 * The erase sweep's due list is printed beside its same-work floor
 * (floor_due, on the floor's copy) and the naive range scan (3.).
 * The erase sweep's run is printed beside its same-work floor (floor_run:
 * raw SQLite + OpenSSL doing the run's rows, audit events, commits and
 * scrub on a copy of the store as the sweep finds it).
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
#include <time.h>
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

/* --- the same-work floor of the erase sweep --------------------------------
 *
 * floor_run: what gdpr_retention_run must do to erase the records due under
 * an erase rule, by hand with raw SQLite and OpenSSL on a byte copy of the
 * library's two files taken just before the library's erase sweep
 * (bench_copy_store: same schema, indexes, rows), in batches of
 * GDPR_RETENTION_BATCH_DEFAULT as the library:
 *  - the run's row and its start event (chained HMAC), committed; the
 *    number due (the range of vault_due);
 *  - per batch, one transaction over both files (BEGIN IMMEDIATE
 *    keystore, then data; the generation; the keystore's orphan check):
 *    the next due rows in (due, id) order with their retention state; per
 *    subject whether a hold touches it, its restriction flags (Art. 18),
 *    an erasure under way (partial tombstone) and its record tombstone of
 *    the day (found or made); per record its row deleted, its retention
 *    state and kept entry looked up and deleted or closed when there, its
 *    tombstone link and the tombstone's count,
 *    and its audit event (HMAC-SHA-256 chained on the previous); the run's
 *    cursor and totals; the tombstone id counter; generation raised; COMMIT
 *    keystore then data (synced); then the scrub (TRUNCATE checkpoint of
 *    both files) and the tombstones marked wiped (unsynced), as every
 *    erasure does.
 * The policy's rule for the records is known to the floor. */

typedef struct {
    sqlite3 *db, *kdb;
    floor_crypto fc;
    int64_t seq;
    unsigned char prev[32];
} ret_floor;

static sqlite3_stmt *
rf_stmt(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s = NULL;

    check_sql(db, sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL), sql);
    return s;
}

static void
rf_done(sqlite3 *db, sqlite3_stmt *s, int rc, const char *what)
{
    check_sql(db, rc, what);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
}

static void
rf_u64(unsigned char *e, size_t *n, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--)
        e[(*n)++] = (unsigned char)(v >> (8 * i));
}

static void
rf_text(unsigned char *e, size_t *n, const char *s)
{
    size_t len = strlen(s);

    rf_u64(e, n, len, 4);
    memcpy(e + *n, s, len);
    *n += len;
}

/*
 * floor_due: what gdpr_retention_due must do to list the erase sweep's
 * due records, by hand on the floor's copy of the store: the store
 * generation read (the engine's cache check), the library's due statement
 * (prepared per call, as the library does) in (due, id) order with each
 * record's retention state and subject hash; per record its rule (known
 * here: R-2) and its subject's hash in hex for the item; per subject
 * whether a hold in force touches it (the library's statement), per
 * record only where one does (none here).
 */
static __attribute__((noinline)) long
floor_due(ret_floor *f, int64_t as_of)
{
    sqlite3 *db = f->db;
    sqlite3_stmt *gen = rf_stmt(db, "SELECT value FROM main.counter WHERE name = 'generation'");
    sqlite3_stmt *hold = rf_stmt(
        db, "SELECT EXISTS(SELECT 1 FROM main.erasure_hold WHERE released_at = 0 AND until > ?2"
            " AND ((scope IN (1, 3) AND (subject = ?1 OR (scope = 3 AND subject IS NULL)))"
            " OR (scope = 2 AND record IN (SELECT id FROM main.vault WHERE subject_id ="
            " (SELECT id FROM main.subject WHERE hash=?1)))))");
    sqlite3_stmt *due = NULL;
    unsigned char last[32];
    char hex[65];
    int have_last = 0;
    long n = 0;

    check_sql(db, sqlite3_step(gen), "generation");
    rf_done(db, gen, SQLITE_OK, "generation");
    check_sql(db,
              sqlite3_prepare_v2(
                  db,
                  "SELECT v.id, sj.hash, v.category, v.purpose, v.field, v.collected, v.anchor,"
                  " v.due, s.keep_until, s.review FROM main.vault v LEFT JOIN"
                  " main.retention_state s ON s.record = v.id LEFT JOIN main.subject sj ON"
                  " sj.id = v.subject_id WHERE v.due <= ?1 AND v.due >= ?2 AND NOT (v.due = ?2"
                  " AND v.id <= ?3) ORDER BY v.due, v.id LIMIT ?4",
                  -1, &due, NULL),
              "due");
    sqlite3_bind_int64(due, 1, as_of);
    sqlite3_bind_int64(due, 2, INT64_MIN);
    sqlite3_bind_int64(due, 3, INT64_MIN);
    sqlite3_bind_int(due, 4, -1);
    while (sqlite3_step(due) == SQLITE_ROW) {
        const unsigned char *h = sqlite3_column_blob(due, 1);
        if (strcmp((const char *)sqlite3_column_text(due, 2), "contact") != 0 ||
            strcmp((const char *)sqlite3_column_text(due, 3), "marketing") != 0) {
            fprintf(stderr, "floor: a due record not under R-2\n");
            exit(1);
        }
        if (!have_last || memcmp(last, h, 32) != 0) {
            sqlite3_bind_blob(hold, 1, h, 32, SQLITE_STATIC);
            sqlite3_bind_int64(hold, 2, as_of);
            check_sql(db, sqlite3_step(hold), "hold");
            if (sqlite3_column_int(hold, 0) != 0) {
                fprintf(stderr, "floor: the bench sets no hold\n");
                exit(1);
            }
            rf_done(db, hold, SQLITE_OK, "hold");
            memcpy(last, h, 32);
            have_last = 1;
        }
        for (int i = 0; i < 32; i++) {
            hex[2 * i] = "0123456789abcdef"[h[i] >> 4];
            hex[2 * i + 1] = "0123456789abcdef"[h[i] & 15];
        }
        hex[64] = '\0';
        if (hex[0] == 'x') /* keeps the encoding from being optimised away */
            exit(1);
        n++;
    }
    sqlite3_finalize(due);
    sqlite3_finalize(gen);
    sqlite3_finalize(hold);
    return n;
}

/* One audit event chained on the floor's tail (lib/core/audit.c's encoding). */
static void
rf_audit(ret_floor *f, sqlite3_stmt *ins, int64_t at, const unsigned char *subject, const char *ref)
{
    unsigned char e[512], mac[32];
    size_t n = 0;

    memcpy(e, "libgdpr audit 1", 16);
    n = 16;
    rf_u64(e, &n, (uint64_t)f->seq + 1, 8);
    rf_u64(e, &n, (uint64_t)at, 8);
    rf_text(e, &n, nightly.id);
    rf_text(e, &n, nightly.role);
    rf_text(e, &n, "retention.run");
    e[n++] = subject != NULL;
    memset(e + n, 0, 32);
    if (subject != NULL)
        memcpy(e + n, subject, 32);
    n += 32;
    rf_u64(e, &n, 0, 4);
    rf_text(e, &n, ref);
    memcpy(e + n, f->prev, 32);
    n += 32;
    floor_hmac(&f->fc, e, n, NULL, 0, mac);
    sqlite3_bind_int64(ins, 1, ++f->seq);
    sqlite3_bind_int64(ins, 2, at);
    if (subject != NULL)
        sqlite3_bind_blob(ins, 3, subject, 32, SQLITE_STATIC);
    sqlite3_bind_text(ins, 4, ref, -1, SQLITE_STATIC);
    sqlite3_bind_blob(ins, 5, mac, 32, SQLITE_STATIC);
    rf_done(f->db, ins, sqlite3_step(ins), "floor audit");
    memcpy(f->prev, mac, 32);
}

typedef struct {
    int64_t id, due;
    unsigned char subject[32];
} rf_row;

/* Returns the number of records erased. */
static __attribute__((noinline)) long
floor_run(ret_floor *f, int64_t as_of)
{
    sqlite3 *db = f->db, *kdb = f->kdb;
    const long batch = GDPR_RETENTION_BATCH_DEFAULT;
    rf_row *rows = malloc((size_t)batch * sizeof *rows);
    sqlite3_stmt *begin_k = rf_stmt(kdb, "BEGIN IMMEDIATE"),
                 *begin_d = rf_stmt(db, "BEGIN IMMEDIATE");
    sqlite3_stmt *commit_k = rf_stmt(kdb, "COMMIT"), *commit_d = rf_stmt(db, "COMMIT");
    sqlite3_stmt *gen = rf_stmt(db, "SELECT value FROM main.counter WHERE name = 'generation'");
    sqlite3_stmt *bump = rf_stmt(db, "UPDATE main.counter SET value = value + 1"
                                     " WHERE name = 'generation' RETURNING value");
    sqlite3_stmt *orphans = rf_stmt(kdb, "SELECT hash FROM main.subject_key WHERE gen > ?1"
                                         " ORDER BY gen LIMIT 256");
    sqlite3_stmt *counter = rf_stmt(db, "SELECT value FROM main.counter WHERE name = ?1");
    sqlite3_stmt *counter_set = rf_stmt(db, "UPDATE main.counter SET value = ?2 WHERE name = ?1");
    sqlite3_stmt *tail = rf_stmt(db, "SELECT seq, mac FROM main.audit ORDER BY seq DESC LIMIT 1");
    /* The library's audit insert: the sweep remembers no subject id, so
     * the id is found from the hash in the statement. */
    sqlite3_stmt *audit = rf_stmt(
        db, "INSERT INTO main.audit(seq, at, actor, role, action, subject, outcome, ref, mac,"
            " subject_id) VALUES(?1, ?2, 'bench-nightly', 'system', 'retention.run', ?3, 0, ?4, ?5,"
            " coalesce(NULL, (SELECT id FROM main.subject WHERE hash=?3)))");
    sqlite3_stmt *run_ins = rf_stmt(db, "INSERT INTO main.retention_run(as_of, started, actor, id)"
                                        " VALUES(?1, ?2, 'bench-nightly', ?3)");
    sqlite3_stmt *run_upd = rf_stmt(
        db, "UPDATE main.retention_run SET as_of=?2, cursor_due=?3, cursor_id=?4, examined=?5,"
            " erased=?6, anonymised=0, reviews_opened=0, held=0, finished=?7 WHERE id=?1");
    sqlite3_stmt *count =
        rf_stmt(db, "SELECT count(*) FROM main.vault WHERE due <= ?1 AND due >= ?2"
                    " AND NOT (due = ?2 AND id <= ?3)");
    sqlite3_stmt *due = rf_stmt(
        db, "SELECT v.id, sj.hash, v.category, v.purpose, v.field, v.collected, v.anchor, v.due,"
            " s.keep_until, s.review FROM main.vault v LEFT JOIN main.retention_state s"
            " ON s.record = v.id LEFT JOIN main.subject sj ON sj.id = v.subject_id"
            " WHERE v.due <= ?1 AND v.due >= ?2 AND NOT (v.due = ?2 AND"
            " v.id <= ?3) ORDER BY v.due, v.id LIMIT ?4");
    sqlite3_stmt *hold = rf_stmt(
        db, "SELECT EXISTS(SELECT 1 FROM main.erasure_hold WHERE released_at = 0 AND until > ?2"
            " AND ((scope IN (1, 3) AND (subject = ?1 OR (scope = 3 AND subject IS NULL)))"
            " OR (scope = 2 AND record IN (SELECT id FROM main.vault WHERE subject_id ="
            " (SELECT id FROM main.subject WHERE hash=?1)))))");
    sqlite3_stmt *flags = rf_stmt(db, "SELECT flags FROM main.subject WHERE hash=?1");
    sqlite3_stmt *partial = rf_stmt(db, "SELECT id FROM main.tombstone WHERE subject=?1 AND kind=1"
                                        " AND complete=0 ORDER BY id DESC LIMIT 1");
    sqlite3_stmt *t_find = rf_stmt(
        db, "SELECT id FROM main.tombstone WHERE subject=?1 AND kind=2 AND ground=?2 AND at >= ?3"
            " AND at < ?4 ORDER BY id DESC LIMIT 1");
    sqlite3_stmt *t_ins = rf_stmt(
        db, "INSERT INTO main.tombstone(kind, subject, at, ground, actor, role, erased, retained,"
            " complete, wiped, imported, replayed, id) VALUES(2, ?1, ?2, ?3, 'bench-nightly',"
            " 'system', 0, 0, 0, 0, 0, 0, ?4)");
    sqlite3_stmt *t_add = rf_stmt(db, "UPDATE main.tombstone SET erased = erased + ?2, wiped = 0"
                                      " WHERE id=?1");
    sqlite3_stmt *t_rec = rf_stmt(db, "INSERT OR IGNORE INTO main.tombstone_record(tombstone,"
                                      " record) VALUES(?1, ?2)");
    sqlite3_stmt *del = rf_stmt(db, "DELETE FROM main.vault WHERE id=?1");
    /* The library's one-record follow-up (lib/store/sqlite/vault.c,
     * erasure.c): each probe first, the write only when it finds a row. */
    sqlite3_stmt *state_of =
        rf_stmt(db, "SELECT review FROM main.retention_state WHERE record = ?1");
    sqlite3_stmt *state = rf_stmt(db, "DELETE FROM main.retention_state WHERE record = ?1");
    sqlite3_stmt *review_gone =
        rf_stmt(db, "UPDATE main.retention_review SET status = 4 WHERE id = ?1 AND status = 1");
    sqlite3_stmt *kept_of = rf_stmt(db, "SELECT 1 FROM main.tombstone_kept"
                                        " WHERE record=?1 AND erased_at=0 LIMIT 1");
    sqlite3_stmt *kept = rf_stmt(db, "UPDATE main.tombstone_kept SET erased_at=?2 WHERE record=?1"
                                     " AND erased_at=0");
    sqlite3_stmt *wiped = rf_stmt(db, "UPDATE main.tombstone SET wiped=1 WHERE wiped=0");
    static const char ground[] = "retention rule R-2";
    int64_t run_id, tomb = 0, cursor_due = INT64_MIN, cursor_id = INT64_MIN, erased = 0;
    int64_t day = as_of - as_of % 86400;
    long total, n;
    char ref[256], when[32];

    /* The run: its row and start event, committed. */
    rf_done(kdb, begin_k, sqlite3_step(begin_k), "begin");
    rf_done(db, begin_d, sqlite3_step(begin_d), "begin");
    sqlite3_bind_text(counter, 1, "retention_run", -1, SQLITE_STATIC);
    check_sql(db, sqlite3_step(counter), "counter");
    run_id = sqlite3_column_int64(counter, 0) + 1;
    rf_done(db, counter, SQLITE_OK, "counter");
    sqlite3_bind_int64(run_ins, 1, as_of);
    sqlite3_bind_int64(run_ins, 2, as_of);
    sqlite3_bind_int64(run_ins, 3, run_id);
    rf_done(db, run_ins, sqlite3_step(run_ins), "run");
    if (sqlite3_step(tail) == SQLITE_ROW) {
        f->seq = sqlite3_column_int64(tail, 0);
        memcpy(f->prev, sqlite3_column_blob(tail, 1), 32);
    }
    rf_done(db, tail, SQLITE_OK, "tail");
    {
        /* The library's wording of the run's events (its counts). */
        time_t t = (time_t)as_of;
        struct tm tm;
        if (gmtime_r(&t, &tm) == NULL ||
            strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
            fprintf(stderr, "floor: as_of not a date\n");
            exit(1);
        }
    }
    snprintf(ref, sizeof ref,
             "retention run %lld started as of %s: examined 0, erased 0, anonymised 0,"
             " reviews opened 0, held 0",
             (long long)run_id, when);
    rf_audit(f, audit, as_of, NULL, ref);
    sqlite3_bind_text(counter_set, 1, "retention_run", -1, SQLITE_STATIC);
    sqlite3_bind_int64(counter_set, 2, run_id);
    rf_done(db, counter_set, sqlite3_step(counter_set), "counter");
    rf_done(db, bump, sqlite3_step(bump), "generation");
    rf_done(kdb, commit_k, sqlite3_step(commit_k), "commit");
    rf_done(db, commit_d, sqlite3_step(commit_d), "commit");
    sqlite3_bind_int64(count, 1, as_of);
    sqlite3_bind_int64(count, 2, INT64_MIN);
    sqlite3_bind_int64(count, 3, INT64_MIN);
    check_sql(db, sqlite3_step(count), "count");
    total = (long)sqlite3_column_int64(count, 0);
    rf_done(db, count, SQLITE_OK, "count");

    do {
        const unsigned char *last = NULL;
        int64_t t = 0;
        int64_t generation;

        rf_done(kdb, begin_k, sqlite3_step(begin_k), "begin");
        rf_done(db, begin_d, sqlite3_step(begin_d), "begin");
        check_sql(db, sqlite3_step(gen), "generation");
        generation = sqlite3_column_int64(gen, 0);
        rf_done(db, gen, SQLITE_OK, "generation");
        sqlite3_bind_int64(orphans, 1, generation);
        rf_done(kdb, orphans, sqlite3_step(orphans), "orphans");
        sqlite3_bind_text(counter, 1, "tombstone", -1, SQLITE_STATIC);
        check_sql(db, sqlite3_step(counter), "counter");
        tomb = sqlite3_column_int64(counter, 0);
        rf_done(db, counter, SQLITE_OK, "counter");
        sqlite3_bind_int64(due, 1, as_of);
        sqlite3_bind_int64(due, 2, cursor_due);
        sqlite3_bind_int64(due, 3, cursor_id);
        sqlite3_bind_int64(due, 4, batch);
        n = 0;
        while (sqlite3_step(due) == SQLITE_ROW) {
            rows[n].id = sqlite3_column_int64(due, 0);
            memcpy(rows[n].subject, sqlite3_column_blob(due, 1), 32);
            rows[n].due = sqlite3_column_int64(due, 7);
            if (strcmp((const char *)sqlite3_column_text(due, 2), "contact") != 0 ||
                strcmp((const char *)sqlite3_column_text(due, 3), "marketing") != 0) {
                fprintf(stderr, "floor: a due record not under R-2\n");
                exit(1);
            }
            n++;
        }
        rf_done(db, due, SQLITE_OK, "due");
        for (long i = 0; i < n; i++) {
            const unsigned char *h = rows[i].subject;
            if (last == NULL || memcmp(last, h, 32) != 0) {
                /* A subject met for the first time in this batch. */
                sqlite3_bind_blob(hold, 1, h, 32, SQLITE_STATIC);
                sqlite3_bind_int64(hold, 2, as_of);
                check_sql(db, sqlite3_step(hold), "hold");
                if (sqlite3_column_int(hold, 0) != 0) {
                    fprintf(stderr, "floor: the bench sets no hold\n");
                    exit(1);
                }
                rf_done(db, hold, SQLITE_OK, "hold");
                sqlite3_bind_blob(flags, 1, h, 32, SQLITE_STATIC);
                rf_done(db, flags, sqlite3_step(flags), "flags");
                sqlite3_bind_blob(partial, 1, h, 32, SQLITE_STATIC);
                rf_done(db, partial, sqlite3_step(partial), "partial");
                sqlite3_bind_blob(t_find, 1, h, 32, SQLITE_STATIC);
                sqlite3_bind_text(t_find, 2, ground, -1, SQLITE_STATIC);
                sqlite3_bind_int64(t_find, 3, day);
                sqlite3_bind_int64(t_find, 4, day + 86400);
                t = sqlite3_step(t_find) == SQLITE_ROW ? sqlite3_column_int64(t_find, 0) : 0;
                rf_done(db, t_find, SQLITE_OK, "tombstone find");
                if (t == 0) {
                    t = ++tomb;
                    sqlite3_bind_blob(t_ins, 1, h, 32, SQLITE_STATIC);
                    sqlite3_bind_int64(t_ins, 2, as_of);
                    sqlite3_bind_text(t_ins, 3, ground, -1, SQLITE_STATIC);
                    sqlite3_bind_int64(t_ins, 4, t);
                    rf_done(db, t_ins, sqlite3_step(t_ins), "tombstone");
                }
                last = h;
            }
            sqlite3_bind_int64(del, 1, rows[i].id);
            rf_done(db, del, sqlite3_step(del), "delete");
            sqlite3_bind_int64(state_of, 1, rows[i].id);
            if (sqlite3_step(state_of) == SQLITE_ROW) {
                int64_t review = sqlite3_column_int64(state_of, 0);
                rf_done(db, state_of, SQLITE_OK, "state");
                sqlite3_bind_int64(state, 1, rows[i].id);
                rf_done(db, state, sqlite3_step(state), "state");
                if (review != 0) {
                    sqlite3_bind_int64(review_gone, 1, review);
                    rf_done(db, review_gone, sqlite3_step(review_gone), "review");
                }
            } else {
                rf_done(db, state_of, SQLITE_OK, "state");
            }
            sqlite3_bind_int64(kept_of, 1, rows[i].id);
            if (sqlite3_step(kept_of) == SQLITE_ROW) {
                rf_done(db, kept_of, SQLITE_OK, "kept");
                sqlite3_bind_int64(kept, 1, rows[i].id);
                sqlite3_bind_int64(kept, 2, as_of);
                rf_done(db, kept, sqlite3_step(kept), "kept");
            } else {
                rf_done(db, kept_of, SQLITE_OK, "kept");
            }
            sqlite3_bind_int64(t_add, 1, t);
            sqlite3_bind_int64(t_add, 2, 1);
            rf_done(db, t_add, sqlite3_step(t_add), "tombstone count");
            sqlite3_bind_int64(t_rec, 1, t);
            sqlite3_bind_int64(t_rec, 2, rows[i].id);
            rf_done(db, t_rec, sqlite3_step(t_rec), "tombstone record");
            snprintf(ref, sizeof ref, "record %lld: erased under R-2 (run %lld)",
                     (long long)rows[i].id, (long long)run_id);
            rf_audit(f, audit, as_of, h, ref);
            cursor_due = rows[i].due;
            cursor_id = rows[i].id;
            erased++;
        }
        sqlite3_bind_int64(run_upd, 1, run_id);
        sqlite3_bind_int64(run_upd, 2, as_of);
        sqlite3_bind_int64(run_upd, 3, cursor_due);
        sqlite3_bind_int64(run_upd, 4, cursor_id);
        sqlite3_bind_int64(run_upd, 5, erased);
        sqlite3_bind_int64(run_upd, 6, erased);
        sqlite3_bind_int(run_upd, 7, n < batch);
        rf_done(db, run_upd, sqlite3_step(run_upd), "run");
        if (n < batch) {
            snprintf(ref, sizeof ref,
                     "retention run %lld finished as of %s: examined %lld, erased %lld,"
                     " anonymised 0, reviews opened 0, held 0",
                     (long long)run_id, when, (long long)erased, (long long)erased);
            rf_audit(f, audit, as_of, NULL, ref);
        }
        sqlite3_bind_text(counter_set, 1, "tombstone", -1, SQLITE_STATIC);
        sqlite3_bind_int64(counter_set, 2, tomb);
        rf_done(db, counter_set, sqlite3_step(counter_set), "counter");
        rf_done(db, bump, sqlite3_step(bump), "generation");
        rf_done(kdb, commit_k, sqlite3_step(commit_k), "commit");
        rf_done(db, commit_d, sqlite3_step(commit_d), "commit");
        if (n > 0) {
            /* The scrub, then the wiped marks (unsynced). */
            check_sql(db,
                      sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL),
                      "checkpoint");
            check_sql(
                kdb, sqlite3_wal_checkpoint_v2(kdb, "main", SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL),
                "checkpoint keys");
            check_sql(db, sqlite3_exec(db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL),
                      "pragma");
            rf_done(db, begin_d, sqlite3_step(begin_d), "begin");
            rf_done(db, wiped, sqlite3_step(wiped), "wiped");
            rf_done(db, commit_d, sqlite3_step(commit_d), "commit");
            check_sql(db, sqlite3_exec(db, "PRAGMA synchronous=FULL", NULL, NULL, NULL), "pragma");
        }
    } while (n == batch);
    {
        sqlite3_stmt *all[] = {begin_k, begin_d,     commit_k,    commit_d, gen,   bump,
                               orphans, counter,     counter_set, tail,     audit, run_ins,
                               run_upd, count,       due,         hold,     flags, partial,
                               t_find,  t_ins,       t_add,       t_rec,    del,   state_of,
                               state,   review_gone, kept_of,     kept,     wiped};
        for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
            sqlite3_finalize(all[i]);
    }
    free(rows);
    if (erased != total) {
        fprintf(stderr, "floor erased %lld of %ld due\n", (long long)erased, total);
        exit(1);
    }
    return (long)erased;
}

/* --- keeping the built store between runs --------------------------------- */

static void
copy_file(const char *from, const char *to)
{
    char buf[1 << 16];
    size_t n;
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");

    if (in == NULL || out == NULL) {
        fprintf(stderr, "copy %s -> %s failed\n", from, to);
        exit(1);
    }
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n) {
            fprintf(stderr, "copy %s -> %s: write failed\n", from, to);
            exit(1);
        }
    if (fclose(out) != 0) {
        fprintf(stderr, "copy %s -> %s: close failed\n", from, to);
        exit(1);
    }
    fclose(in);
}

/* The store files (data, keystore) and the ids the run needs, from `from`
 * to `to` (paths of the data file; "-keys" and ".ids" beside it). */
static void
copy_store(const char *from, const char *to)
{
    static const char *const suffixes[] = {"", "-keys"};
    char a[700], b[700];

    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(a, sizeof a, "%s%s", from, suffixes[i]);
        snprintf(b, sizeof b, "%s%s", to, suffixes[i]);
        copy_file(a, b);
    }
}

static int
ids_io(const char *path, int64_t *ids, long n, int write)
{
    char name[700];
    FILE *f;
    size_t done;

    snprintf(name, sizeof name, "%s.ids", path);
    f = fopen(name, write ? "wb" : "rb");
    if (f == NULL)
        return 0;
    done = write ? fwrite(ids, sizeof *ids, (size_t)n, f) : fread(ids, sizeof *ids, (size_t)n, f);
    return fclose(f) == 0 && done == (size_t)n;
}

static int
count_due(const gdpr_retention_item *item, void *ctx)
{
    (void)item;
    (*(long *)ctx)++;
    return 0;
}

typedef struct {
    span review, due, run, erase, floor, floor_due, floor_review;
    double raw;
} figures;

/*
 * floor_review: what gdpr_retention_run must do for records due under a
 * review rule, by hand on a byte copy of the store taken before the
 * library's review sweep, in batches as the library: the run's row and
 * start event, committed; per batch one transaction over both files (the
 * generation, the keystore's orphan check, the review id counter): the
 * next due rows with their retention state, per subject whether a hold
 * touches it, per record its review task inserted, its retention state
 * pointing at the task, its due time cleared (anchor kept) and its audit
 * event; the run's cursor and totals; the counter; generation raised;
 * COMMIT keystore then data (synced). Nothing is erased: no scrub.
 * Returns the number of reviews opened.
 */
static __attribute__((noinline)) long
floor_review(ret_floor *f, int64_t as_of)
{
    sqlite3 *db = f->db, *kdb = f->kdb;
    const long batch = GDPR_RETENTION_BATCH_DEFAULT;
    sqlite3_stmt *begin_k = rf_stmt(kdb, "BEGIN IMMEDIATE"),
                 *begin_d = rf_stmt(db, "BEGIN IMMEDIATE");
    sqlite3_stmt *commit_k = rf_stmt(kdb, "COMMIT"), *commit_d = rf_stmt(db, "COMMIT");
    sqlite3_stmt *gen = rf_stmt(db, "SELECT value FROM main.counter WHERE name = 'generation'");
    sqlite3_stmt *bump = rf_stmt(db, "UPDATE main.counter SET value = value + 1"
                                     " WHERE name = 'generation' RETURNING value");
    sqlite3_stmt *orphans = rf_stmt(kdb, "SELECT hash FROM main.subject_key WHERE gen > ?1"
                                         " ORDER BY gen LIMIT 256");
    sqlite3_stmt *counter = rf_stmt(db, "SELECT value FROM main.counter WHERE name = ?1");
    sqlite3_stmt *counter_set = rf_stmt(db, "UPDATE main.counter SET value = ?2 WHERE name = ?1");
    sqlite3_stmt *tail = rf_stmt(db, "SELECT seq, mac FROM main.audit ORDER BY seq DESC LIMIT 1");
    sqlite3_stmt *audit = rf_stmt(
        db, "INSERT INTO main.audit(seq, at, actor, role, action, subject, outcome, ref, mac,"
            " subject_id) VALUES(?1, ?2, 'bench-nightly', 'system', 'retention.run', ?3, 0, ?4, ?5,"
            " coalesce(NULL, (SELECT id FROM main.subject WHERE hash=?3)))");
    sqlite3_stmt *run_ins = rf_stmt(db, "INSERT INTO main.retention_run(as_of, started, actor, id)"
                                        " VALUES(?1, ?2, 'bench-nightly', ?3)");
    sqlite3_stmt *run_upd = rf_stmt(
        db, "UPDATE main.retention_run SET as_of=?2, cursor_due=?3, cursor_id=?4, examined=?5,"
            " erased=0, anonymised=0, reviews_opened=?6, held=0, finished=?7 WHERE id=?1");
    sqlite3_stmt *count =
        rf_stmt(db, "SELECT count(*) FROM main.vault WHERE due <= ?1 AND due >= ?2"
                    " AND NOT (due = ?2 AND id <= ?3)");
    sqlite3_stmt *due = rf_stmt(
        db, "SELECT v.id, sj.hash, v.category, v.purpose, v.field, v.collected, v.anchor, v.due,"
            " s.keep_until, s.review FROM main.vault v LEFT JOIN main.retention_state s"
            " ON s.record = v.id LEFT JOIN main.subject sj ON sj.id = v.subject_id"
            " WHERE v.due <= ?1 AND v.due >= ?2 AND NOT (v.due = ?2 AND"
            " v.id <= ?3) ORDER BY v.due, v.id LIMIT ?4");
    sqlite3_stmt *hold = rf_stmt(
        db, "SELECT EXISTS(SELECT 1 FROM main.erasure_hold WHERE released_at = 0 AND until > ?2"
            " AND ((scope IN (1, 3) AND (subject = ?1 OR (scope = 3 AND subject IS NULL)))"
            " OR (scope = 2 AND record IN (SELECT id FROM main.vault WHERE subject_id ="
            " (SELECT id FROM main.subject WHERE hash=?1)))))");
    sqlite3_stmt *review =
        rf_stmt(db, "INSERT INTO main.retention_review(record, subject, rule, category, purpose,"
                    " record_due, opened, deadline, status, id)"
                    " VALUES(?1, ?2, 'R-3', 'cv', 'recruitment', ?3, ?4, ?5, 1, ?6)");
    sqlite3_stmt *state = rf_stmt(db, "INSERT OR REPLACE INTO main.retention_state(record,"
                                      " keep_until, review) VALUES(?1, NULL, ?2)");
    sqlite3_stmt *schedule = rf_stmt(db, "UPDATE main.vault SET anchor=?2, due=?3 WHERE id=?1");
    /* One month after the run (the library adds it on the calendar). */
    const int64_t deadline = as_of + 31 * INT64_C(86400);
    int64_t run_id, review_id, cursor_due = INT64_MIN, cursor_id = INT64_MIN, opened = 0;
    long total, n;
    char ref[256], when[32];

    rf_done(kdb, begin_k, sqlite3_step(begin_k), "begin");
    rf_done(db, begin_d, sqlite3_step(begin_d), "begin");
    sqlite3_bind_text(counter, 1, "retention_run", -1, SQLITE_STATIC);
    check_sql(db, sqlite3_step(counter), "counter");
    run_id = sqlite3_column_int64(counter, 0) + 1;
    rf_done(db, counter, SQLITE_OK, "counter");
    sqlite3_bind_int64(run_ins, 1, as_of);
    sqlite3_bind_int64(run_ins, 2, as_of);
    sqlite3_bind_int64(run_ins, 3, run_id);
    rf_done(db, run_ins, sqlite3_step(run_ins), "run");
    if (sqlite3_step(tail) == SQLITE_ROW) {
        f->seq = sqlite3_column_int64(tail, 0);
        memcpy(f->prev, sqlite3_column_blob(tail, 1), 32);
    }
    rf_done(db, tail, SQLITE_OK, "tail");
    {
        time_t t = (time_t)as_of;
        struct tm tm;
        if (gmtime_r(&t, &tm) == NULL ||
            strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
            fprintf(stderr, "floor: as_of not a date\n");
            exit(1);
        }
    }
    snprintf(ref, sizeof ref,
             "retention run %lld started as of %s: examined 0, erased 0, anonymised 0,"
             " reviews opened 0, held 0",
             (long long)run_id, when);
    rf_audit(f, audit, as_of, NULL, ref);
    sqlite3_bind_text(counter_set, 1, "retention_run", -1, SQLITE_STATIC);
    sqlite3_bind_int64(counter_set, 2, run_id);
    rf_done(db, counter_set, sqlite3_step(counter_set), "counter");
    rf_done(db, bump, sqlite3_step(bump), "generation");
    rf_done(kdb, commit_k, sqlite3_step(commit_k), "commit");
    rf_done(db, commit_d, sqlite3_step(commit_d), "commit");
    sqlite3_bind_int64(count, 1, as_of);
    sqlite3_bind_int64(count, 2, INT64_MIN);
    sqlite3_bind_int64(count, 3, INT64_MIN);
    check_sql(db, sqlite3_step(count), "count");
    total = (long)sqlite3_column_int64(count, 0);
    rf_done(db, count, SQLITE_OK, "count");

    do {
        unsigned char last[32];
        int have_last = 0;
        int64_t generation;

        rf_done(kdb, begin_k, sqlite3_step(begin_k), "begin");
        rf_done(db, begin_d, sqlite3_step(begin_d), "begin");
        check_sql(db, sqlite3_step(gen), "generation");
        generation = sqlite3_column_int64(gen, 0);
        rf_done(db, gen, SQLITE_OK, "generation");
        sqlite3_bind_int64(orphans, 1, generation);
        rf_done(kdb, orphans, sqlite3_step(orphans), "orphans");
        sqlite3_bind_text(counter, 1, "review", -1, SQLITE_STATIC);
        check_sql(db, sqlite3_step(counter), "counter");
        review_id = sqlite3_column_int64(counter, 0);
        rf_done(db, counter, SQLITE_OK, "counter");
        sqlite3_bind_int64(due, 1, as_of);
        sqlite3_bind_int64(due, 2, cursor_due);
        sqlite3_bind_int64(due, 3, cursor_id);
        sqlite3_bind_int64(due, 4, batch);
        n = 0;
        /* The library reads the batch's rows first, then acts on them; so
         * does the floor, one row at a time from a copy. */
        {
            typedef struct {
                int64_t id, anchor, due;
                int has_anchor;
                unsigned char subject[32];
            } rv_row;
            rv_row *rows = malloc((size_t)batch * sizeof *rows);
            if (rows == NULL) {
                fprintf(stderr, "out of memory\n");
                exit(1);
            }
            while (sqlite3_step(due) == SQLITE_ROW) {
                rows[n].id = sqlite3_column_int64(due, 0);
                memcpy(rows[n].subject, sqlite3_column_blob(due, 1), 32);
                rows[n].has_anchor = sqlite3_column_type(due, 6) != SQLITE_NULL;
                rows[n].anchor = sqlite3_column_int64(due, 6);
                rows[n].due = sqlite3_column_int64(due, 7);
                if (strcmp((const char *)sqlite3_column_text(due, 2), "cv") != 0 ||
                    strcmp((const char *)sqlite3_column_text(due, 3), "recruitment") != 0) {
                    fprintf(stderr, "floor: a due record not under R-3\n");
                    exit(1);
                }
                n++;
            }
            rf_done(db, due, SQLITE_OK, "due");
            for (long i = 0; i < n; i++) {
                const unsigned char *h = rows[i].subject;
                if (!have_last || memcmp(last, h, 32) != 0) {
                    sqlite3_bind_blob(hold, 1, h, 32, SQLITE_STATIC);
                    sqlite3_bind_int64(hold, 2, as_of);
                    check_sql(db, sqlite3_step(hold), "hold");
                    if (sqlite3_column_int(hold, 0) != 0) {
                        fprintf(stderr, "floor: the bench sets no hold\n");
                        exit(1);
                    }
                    rf_done(db, hold, SQLITE_OK, "hold");
                    memcpy(last, h, 32);
                    have_last = 1;
                }
                sqlite3_bind_int64(review, 1, rows[i].id);
                sqlite3_bind_blob(review, 2, h, 32, SQLITE_STATIC);
                sqlite3_bind_int64(review, 3, rows[i].due);
                sqlite3_bind_int64(review, 4, as_of);
                sqlite3_bind_int64(review, 5, deadline);
                sqlite3_bind_int64(review, 6, ++review_id);
                rf_done(db, review, sqlite3_step(review), "review");
                sqlite3_bind_int64(state, 1, rows[i].id);
                sqlite3_bind_int64(state, 2, review_id);
                rf_done(db, state, sqlite3_step(state), "state");
                sqlite3_bind_int64(schedule, 1, rows[i].id);
                if (rows[i].has_anchor)
                    sqlite3_bind_int64(schedule, 2, rows[i].anchor);
                rf_done(db, schedule, sqlite3_step(schedule), "schedule");
                snprintf(ref, sizeof ref, "record %lld: review %lld opened under R-3 (run %lld)",
                         (long long)rows[i].id, (long long)review_id, (long long)run_id);
                rf_audit(f, audit, as_of, h, ref);
                cursor_due = rows[i].due;
                cursor_id = rows[i].id;
                opened++;
            }
            free(rows);
        }
        sqlite3_bind_int64(run_upd, 1, run_id);
        sqlite3_bind_int64(run_upd, 2, as_of);
        sqlite3_bind_int64(run_upd, 3, cursor_due);
        sqlite3_bind_int64(run_upd, 4, cursor_id);
        sqlite3_bind_int64(run_upd, 5, opened);
        sqlite3_bind_int64(run_upd, 6, opened);
        sqlite3_bind_int(run_upd, 7, n < batch);
        rf_done(db, run_upd, sqlite3_step(run_upd), "run");
        if (n < batch) {
            snprintf(ref, sizeof ref,
                     "retention run %lld finished as of %s: examined %lld, erased 0,"
                     " anonymised 0, reviews opened %lld, held 0",
                     (long long)run_id, when, (long long)opened, (long long)opened);
            rf_audit(f, audit, as_of, NULL, ref);
        }
        sqlite3_bind_text(counter_set, 1, "review", -1, SQLITE_STATIC);
        sqlite3_bind_int64(counter_set, 2, review_id);
        rf_done(db, counter_set, sqlite3_step(counter_set), "counter");
        rf_done(db, bump, sqlite3_step(bump), "generation");
        rf_done(kdb, commit_k, sqlite3_step(commit_k), "commit");
        rf_done(db, commit_d, sqlite3_step(commit_d), "commit");
    } while (n == batch);
    {
        sqlite3_stmt *all[] = {begin_k, begin_d,     commit_k, commit_d, gen,     bump,    orphans,
                               counter, counter_set, tail,     audit,    run_ins, run_upd, count,
                               due,     hold,        review,   state,    schedule};
        for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
            sqlite3_finalize(all[i]);
    }
    if (opened != total) {
        fprintf(stderr, "floor opened %lld of %ld due\n", (long long)opened, total);
        exit(1);
    }
    return (long)opened;
}

/* Before each timed part: the dirty pages of the copies just made (1.4 GB
 * at 10M records) written out, so that no part's first commits pay for
 * the writeback of another's files (ext4 flushes them with the journal
 * commit a fsync waits for). */
static void
settle(void)
{
    sync();
}

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
    char path[512], kept[600], note[96];
    const char *keep = getenv("GDPR_BENCH_RETENTION_KEEP");
    int reused = 0;
    int64_t *due_ids = calloc((size_t)due_n, sizeof *due_ids);
    int64_t *later_ids = calloc((size_t)due_n, sizeof *later_ids);
    int64_t *cv_ids = calloc((size_t)due_n, sizeof *cv_ids);
    span review_due, review_run, first, second;
    ret_floor rf;
    gdpr_engine *eng;
    double t0, build;

    if (due_ids == NULL || later_ids == NULL || cv_ids == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    snprintf(path, sizeof path, "%s/retention-%ld.db", bench_tmpdir(), total);
    if (keep != NULL)
        snprintf(kept, sizeof kept, "%s/retention-%ld-%ld.db", keep, total, due_n);
    t0 = bench_now();
    if (keep != NULL && ids_io(kept, later_ids, due_n, 0)) {
        /* Built by an earlier run (GDPR_BENCH_RETENTION_KEEP): a copy. */
        copy_store(kept, path);
        reused = 1;
    } else {
        clock_now = T_DUE_COLLECTED;
        eng = open_engine(path);
        check(gdpr_policy_load(eng, &dpo, TEST_SOURCE_ROOT "/examples/policy.json"), "policy");
        put_set(eng, "due", "contact", "marketing", due_n, due_ids);
        put_set(eng, "cv", "cv", "recruitment", due_n, cv_ids);
        clock_now = T_LATER_COLLECTED;
        put_set(eng, "later", "contact", "marketing", due_n, later_ids);
        gdpr_close(eng);
        fill(path, total - 3 * due_n);
        if (keep != NULL) {
            copy_store(path, kept);
            if (!ids_io(kept, later_ids, due_n, 1)) {
                fprintf(stderr, "cannot keep the store in %s\n", keep);
                exit(1);
            }
        }
    }
    build = bench_now() - t0;

    /* 1. Reviews only: engine time, no erasure; its floor on a copy of
     * the store as the review sweep finds it. */
    {
        char to[600], kfrom[600], kto[700];
        snprintf(to, sizeof to, "%s/review-floor-%ld.db", bench_tmpdir(), total);
        snprintf(kfrom, sizeof kfrom, "%s-keys", path);
        snprintf(kto, sizeof kto, "%s-keys", to);
        rf.db = bench_copy_store(path, to);
        rf.kdb = bench_copy_store(kfrom, kto);
        floor_crypto_init(&rf.fc);
    }
    clock_now = T_REVIEW_RUN;
    eng = open_engine(path);
    settle();
    sweep(eng, T_REVIEW_RUN, due_n, 0, &review_due, &review_run);
    f->review = review_due;
    span_add(&f->review, review_run);
    {
        span t;
        settle();
        t = span_start();
        if (floor_review(&rf, T_REVIEW_RUN) != due_n) {
            fprintf(stderr, "floor: reviewed other than %ld\n", due_n);
            exit(1);
        }
        f->floor_review = span_since(t);
        sqlite3_close(rf.db);
        sqlite3_close(rf.kdb);
        floor_crypto_free(&rf.fc);
    }
    /* 3. The baseline: the erase sweep's range, read raw (the reviewed
     * CVs have left the index). */
    f->raw = raw_scan(path, T_RUN, due_n);
    /* 2. Erasures: half the direct ones before, half after the sweep. */
    clock_now = T_RUN;
    settle();
    first = erase_directly(eng, later_ids, due_n / 2);
    {
        /* The floor's copy of the store as the erase sweep finds it. */
        char to[600], kfrom[600], kto[700];
        snprintf(to, sizeof to, "%s/floor-%ld.db", bench_tmpdir(), total);
        snprintf(kfrom, sizeof kfrom, "%s-keys", path);
        snprintf(kto, sizeof kto, "%s-keys", to);
        rf.db = bench_copy_store(path, to);
        rf.kdb = bench_copy_store(kfrom, kto);
        floor_crypto_init(&rf.fc);
    }
    {
        /* Once untimed, as the floor's due list: both sides then read a
         * warm due set (the erasures before touched other records). */
        long listed = 0;
        clock_now = T_RUN;
        check(gdpr_retention_due(eng, T_RUN, count_due, &listed), "retention due");
    }
    settle();
    sweep(eng, T_RUN, due_n, 1, &f->due, &f->run);
    {
        /* Once untimed: the library's connection is warm from the
         * erasures before its sweep; so is the floor's after this. */
        span t;
        floor_due(&rf, T_RUN);
        settle();
        t = span_start();
        if (floor_due(&rf, T_RUN) != due_n) {
            fprintf(stderr, "floor: listed other than %ld\n", due_n);
            exit(1);
        }
        f->floor_due = span_since(t);
        settle();
        t = span_start();
        if (floor_run(&rf, T_RUN) != due_n) {
            fprintf(stderr, "floor: erased other than %ld\n", due_n);
            exit(1);
        }
        f->floor = span_since(t);
        sqlite3_close(rf.db);
        sqlite3_close(rf.kdb);
        floor_crypto_free(&rf.fc);
    }
    settle();
    second = erase_directly(eng, later_ids + due_n / 2, due_n - due_n / 2);
    f->erase = first;
    span_add(&f->erase, second);
    gdpr_close(eng);

    printf("store of %ld records (%ld due per sweep), %s in %.1f s:\n", total, due_n,
           reused ? "copied from GDPR_BENCH_RETENTION_KEEP" : "built", build);
    snprintf(note, sizeof note, "(%ld listed, R-3)", due_n);
    print_span("review sweep: gdpr_retention_due", review_due, note);
    snprintf(note, sizeof note, "(%ld review tasks opened, each audited)", due_n);
    print_span("review sweep: gdpr_retention_run", review_run, note);
    snprintf(note, sizeof note, "(%ld opened: same rows, audit, commits)", due_n);
    print_span("floor of the review sweep's run", f->floor_review, note);
    snprintf(note, sizeof note, "(%ld listed, R-2)", due_n);
    print_span("erase sweep: gdpr_retention_due", f->due, note);
    snprintf(note, sizeof note, "(%ld erased, each audited)", due_n);
    print_span("erase sweep: gdpr_retention_run", f->run, note);
    snprintf(note, sizeof note, "(%ld records, same path and batches)", due_n);
    print_span("the erasures alone", f->erase, note);
    snprintf(note, sizeof note, "(%ld erased: same rows, audit, commits, scrub)", due_n);
    print_span("floor of the erase sweep's run", f->floor, note);
    printf("  engine time beyond the erasures: %.3f s wall, %.3f s cpu\n",
           f->due.wall + f->run.wall - f->erase.wall, f->due.cpu + f->run.cpu - f->erase.cpu);
    bench_report_latency("gdpr_retention_run, review sweep", review_run.wall,
                         "floor: same rows, audit, commits", f->floor_review.wall);
    bench_report_latency("gdpr_retention_run, erase sweep", f->run.wall,
                         "floor: same rows, audit, commits, scrub", f->floor.wall);
    bench_report_latency("due list of the erase sweep", f->due.wall,
                         "floor: same statements, hold look per subject", f->floor_due.wall);
    bench_report_latency("due list of the erase sweep", f->due.wall,
                         "naive: raw SQLite range scan of vault_due", f->raw);
    free(due_ids);
    free(later_ids);
    free(cv_ids);
    unlink(path);
    {
        char side[700];
        static const char *const suffixes[] = {"-wal", "-shm", "-keys", "-keys-wal", "-keys-shm"};
        for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
            snprintf(side, sizeof side, "%s%s", path, suffixes[i]);
            unlink(side);
            snprintf(side, sizeof side, "%s/floor-%ld.db%s", bench_tmpdir(), total, suffixes[i]);
            unlink(side);
            snprintf(side, sizeof side, "%s/review-floor-%ld.db%s", bench_tmpdir(), total,
                     suffixes[i]);
            unlink(side);
        }
        snprintf(side, sizeof side, "%s/floor-%ld.db", bench_tmpdir(), total);
        unlink(side);
        snprintf(side, sizeof side, "%s/review-floor-%ld.db", bench_tmpdir(), total);
        unlink(side);
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
