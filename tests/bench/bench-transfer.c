/*
 * Transfer check benchmarks, each beside a baseline measured in the same
 * run:
 *   1. gdpr_transfer_check for cached recipients (the pure decision: EEA,
 *      adequacy, SCC in turn; no SQL) vs the same lookup in a plain C
 *      array (country, dates, scope) with no library around it; once on
 *      one day (the answer kept for that day is copied) and once with a
 *      new day on every call (the tree walked and the reason formatted);
 *   2. gdpr_transfer_check of a refused transfer, which asks the consent
 *      ledger (HMAC blind index + one SQLite query) vs bare OpenSSL
 *      HMAC-SHA-256 plus the same point query through plain SQLite;
 *   3. gdpr_transfer_record, the logged path (decision, log row, audit
 *      event), one transaction per call and batched (gdpr_begin/commit,
 *      1,000 a batch), vs plain SQLite inserting the same two rows with
 *      the same pragmas.
 *
 *   build/tests/bench/bench-transfer      (GDPR_BENCH_SCALE=0.01 for a quick run)
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
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
        fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

/* --- baseline 1: the same lookup in a plain C array ----------------------- */

enum { B_WHOLE, B_CERTIFIED };

typedef struct {
    char code[3];
    int eea;
    int scope;
    int64_t from, until; /* until 0: open */
} plain_entry;

/* EEA members and the decisions the three recipients need, as a host would
 * hard-code them, plus the rest of the list's length to scan past. */
static plain_entry plain[64];
static size_t n_plain;

static void
plain_add(const char *code, int eea, int scope, int64_t from, int64_t until)
{
    plain_entry *e = &plain[n_plain++];
    memcpy(e->code, code, 3);
    e->eea = eea;
    e->scope = scope;
    e->from = from;
    e->until = until;
}

static void
plain_fill(void)
{
    static const char *const eea[] = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR",
                                      "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL",
                                      "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO"};
    static const char *const others[] = {"CH", "CA", "AR", "GG", "IM", "JE", "FO", "AD",
                                         "IL", "UY", "NZ", "JP", "GB", "KR", "BR"};
    for (size_t i = 0; i < sizeof eea / sizeof eea[0]; i++)
        plain_add(eea[i], 1, B_WHOLE, 0, 0);
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        plain_add(others[i], 0, B_WHOLE, 946684800, 0);
    plain_add("US", 0, B_CERTIFIED, 973036800, 1444089599);
    plain_add("US", 0, B_CERTIFIED, 1468281600, 1594857599);
    plain_add("US", 0, B_CERTIFIED, 1688947200, 0);
}

typedef struct {
    char code[3];
    int certified;
    int64_t cert_from;
    int has_scc;
    int64_t scc_from;
} plain_recipient;

static int
plain_decide(const plain_recipient *r, int64_t at)
{
    int found = -1;

    for (size_t i = 0; i < n_plain; i++) {
        const plain_entry *e = &plain[i];
        if (e->code[0] != r->code[0] || e->code[1] != r->code[1])
            continue;
        if (e->eea)
            return 1;
        if (e->from <= at && (e->until == 0 || at <= e->until))
            found = (int)i;
    }
    if (found >= 0 && (plain[found].scope == B_WHOLE || (r->certified && r->cert_from <= at)))
        return 2;
    if (r->has_scc && r->scc_from <= at)
        return 3;
    return 0;
}

/* --- the library -------------------------------------------------------- */

static gdpr_engine *
open_store(const char *dir)
{
    gdpr_options opts = GDPR_OPTIONS_INIT;
    gdpr_engine *eng = NULL;
    char path[512];

    snprintf(path, sizeof path, "%s/transfer.db", dir);
    opts.path = path;
    opts.key = key;
    opts.key_len = sizeof key;
    check(gdpr_open(&eng, &opts), "gdpr_open");
    check(gdpr_policy_load(eng, &dpo, TEST_SOURCE_ROOT "/examples/policy.json"), "policy");
    return eng;
}

static void
bench_cached_checks(gdpr_engine *eng, long n)
{
    static const char *const recipients[3] = {"mailer-eu", "cloudco-us", "support-in"};
    static const plain_recipient plain_r[3] = {
        {"DE", 0, 0, 0, 0},
        {"US", 1, 1696118400, 0, 0},
        {"IN", 0, 0, 1, 1709251200},
    };
    const int64_t at = 1772323200; /* 2026-03-01 */
    gdpr_transfer_decision d;
    volatile long sink = 0;
    double t0, t_lib, t_plain;
    long allowed = 0;

    /* Warm the cache (the first check parses the list and the policy's
     * recipients). */
    for (int i = 0; i < 3; i++)
        check(gdpr_transfer_check(eng, &agent, "CUST-1", recipients[i], at, &d), "warm");
    t0 = bench_now();
    for (long i = 0; i < n; i++) {
        check(gdpr_transfer_check(eng, &agent, "CUST-1", recipients[i % 3], at, &d), "check");
        allowed += d.allowed;
    }
    t_lib = bench_now() - t0;
    if (allowed != n) {
        fprintf(stderr, "expected every cached check allowed, got %ld of %ld\n", allowed, n);
        exit(1);
    }
    t0 = bench_now();
    for (long i = 0; i < n; i++)
        sink += plain_decide(&plain_r[i % 3], at + (i & 1));
    t_plain = bench_now() - t0;
    bench_report_rate("gdpr_transfer_check (cached: EEA/adequacy/SCC)", (double)n, t_lib,
                      "plain C array lookup", (double)n, t_plain);
    /* The same with a new day on every call: the answer kept for the day
     * never applies, so each check walks the tree and formats its reason. */
    t0 = bench_now();
    for (long i = 0; i < n; i++) {
        int64_t when = at + (int64_t)(i % 3650) * 86400;
        check(gdpr_transfer_check(eng, &agent, "CUST-1", recipients[i % 3], when, &d), "check");
        allowed += d.allowed;
    }
    t_lib = bench_now() - t0;
    t0 = bench_now();
    for (long i = 0; i < n; i++)
        sink += plain_decide(&plain_r[i % 3], at + (int64_t)(i % 3650) * 86400);
    t_plain = bench_now() - t0;
    bench_report_rate("gdpr_transfer_check (new day each call)", (double)n, t_lib,
                      "plain C array lookup", (double)n, t_plain);
    (void)sink;
}

/* --- 2: a refused check asks the consent ledger ----------------------------- */

static void
hmac_once(EVP_MAC_CTX *proto, const char *msg, unsigned char out[32])
{
    EVP_MAC_CTX *c = EVP_MAC_CTX_dup(proto);
    size_t len = 0;

    if (c == NULL || !EVP_MAC_init(c, NULL, 0, NULL) ||
        !EVP_MAC_update(c, (const unsigned char *)msg, strlen(msg)) ||
        !EVP_MAC_final(c, out, &len, 32)) {
        fprintf(stderr, "HMAC failed\n");
        exit(1);
    }
    EVP_MAC_CTX_free(c);
}

static void
bench_refused_checks(gdpr_engine *eng, const char *dir, long n)
{
    const int64_t at = 1772323200;
    gdpr_transfer_decision d;
    char path[512], subject[32];
    unsigned char mac[32];
    sqlite3 *db = NULL;
    sqlite3_stmt *ins = NULL, *sel = NULL;
    EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *proto = m ? EVP_MAC_CTX_new(m) : NULL;
    OSSL_PARAM params[2];
    double t0, t_lib, t_raw;
    long refused = 0;

    for (long i = 0; i < n; i++) {
        snprintf(subject, sizeof subject, "CUST-%ld", i % 1000);
        if (i == 0)
            check(gdpr_transfer_check(eng, &agent, subject, "acme-analytics", at, &d), "warm");
    }
    t0 = bench_now();
    for (long i = 0; i < n; i++) {
        snprintf(subject, sizeof subject, "CUST-%ld", i % 1000);
        check(gdpr_transfer_check(eng, &agent, subject, "acme-analytics", at, &d), "check");
        refused += !d.allowed;
    }
    t_lib = bench_now() - t0;
    if (refused != n) {
        fprintf(stderr, "expected refusals\n");
        exit(1);
    }
    /* Baseline: HMAC-SHA-256 of the id, then one indexed point query. */
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    if (proto == NULL || !EVP_MAC_init(proto, key, sizeof key, params)) {
        fprintf(stderr, "HMAC setup failed\n");
        exit(1);
    }
    snprintf(path, sizeof path, "%s/raw-consent.db", dir);
    sql_ok(sqlite3_open(path, &db), db, "open");
    sql_ok(sqlite3_exec(db,
                        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                        "CREATE TABLE cs(subject BLOB, purpose TEXT, recipient TEXT, at INT,"
                        " state INT, expires INT, flags INT,"
                        " PRIMARY KEY(subject, purpose, recipient)) WITHOUT ROWID;"
                        "BEGIN",
                        NULL, NULL, NULL),
           db, "schema");
    sql_ok(sqlite3_prepare_v2(db, "INSERT INTO cs VALUES(?1, 'service', 'other', 0, 1, 0, 1)", -1,
                              &ins, NULL),
           db, "prepare");
    for (long i = 0; i < 1000; i++) {
        snprintf(subject, sizeof subject, "CUST-%ld", i);
        hmac_once(proto, subject, mac);
        sqlite3_bind_blob(ins, 1, mac, 32, SQLITE_TRANSIENT);
        sql_ok(sqlite3_step(ins), db, "insert");
        sqlite3_reset(ins);
    }
    sql_ok(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), db, "commit");
    sql_ok(sqlite3_prepare_v2(db,
                              "SELECT purpose, at, state, expires, flags FROM cs"
                              " WHERE subject=?1 AND recipient=?2 AND state=1",
                              -1, &sel, NULL),
           db, "prepare");
    t0 = bench_now();
    for (long i = 0; i < n; i++) {
        snprintf(subject, sizeof subject, "CUST-%ld", i % 1000);
        hmac_once(proto, subject, mac);
        sqlite3_bind_blob(sel, 1, mac, 32, SQLITE_STATIC);
        sqlite3_bind_text(sel, 2, "acme-analytics", -1, SQLITE_STATIC);
        while (sqlite3_step(sel) == SQLITE_ROW)
            ;
        sqlite3_reset(sel);
    }
    t_raw = bench_now() - t0;
    bench_report_rate("gdpr_transfer_check (refused: asks consent)", (double)n, t_lib,
                      "OpenSSL HMAC + SQLite point query", (double)n, t_raw);
    sqlite3_finalize(ins);
    sqlite3_finalize(sel);
    sqlite3_close(db);
    EVP_MAC_CTX_free(proto);
    EVP_MAC_free(m);
}

/* --- 3: the logged path ---------------------------------------------------- */

static double
record_many(gdpr_engine *eng, long n, long batch)
{
    gdpr_transfer_request req = GDPR_TRANSFER_REQUEST_INIT;
    gdpr_transfer_result res = GDPR_TRANSFER_RESULT_INIT;
    static const char *const recipients[3] = {"mailer-eu", "cloudco-us", "support-in"};
    char subject[32];
    double t0;

    /* Subjects exist already: the figure is the decision and its log. */
    for (long i = 0; i < 100; i++) {
        snprintf(subject, sizeof subject, "REC-%ld", i);
        check(gdpr_subject_ensure(eng, &agent, subject, NULL), "subject");
    }
    req.at = 1772323200;
    t0 = bench_now();
    for (long i = 0; i < n; i++) {
        if (batch > 1 && i % batch == 0)
            check(gdpr_begin(eng), "begin");
        snprintf(subject, sizeof subject, "REC-%ld", i % 100);
        req.subject = subject;
        req.recipient = recipients[i % 3];
        check(gdpr_transfer_record(eng, &agent, &req, &res), "record");
        if (batch > 1 && (i % batch == batch - 1 || i == n - 1))
            check(gdpr_commit(eng), "commit");
    }
    return bench_now() - t0;
}

/* The same-work floor of gdpr_transfer_record, written by hand on a copy
 * of the library's store (same schema, indexes and size): per call the
 * blind index (HMAC-SHA-256 of the subject id), the subject's row looked
 * up, the decision's log row, and the audit row with its chained
 * HMAC-SHA-256; per transaction the audit tail read and the two counter
 * rows the library writes (the transfer id sequence and the store
 * generation), committed durably (WAL, synchronous=FULL). */
static uint8_t subject_hashes[100][CRYPTO_HASH_BYTES];

static double
floor_record_many(const char *dir, const char *name, long n, long batch)
{
    char from[512], path[512];
    unsigned char mac[32], chain[32];
    sqlite3 *db;
    sqlite3_stmt *sub = NULL, *t = NULL, *a = NULL, *tail = NULL;
    floor_crypto fc;
    int64_t seq = 0;
    double t0;

    snprintf(from, sizeof from, "%s/transfer.db", dir);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    db = bench_copy_store(from, path);
    floor_crypto_init(&fc);
    sql_ok(sqlite3_prepare_v2(db, "SELECT id FROM main.subject WHERE hash=?1", -1, &sub, NULL), db,
           "prepare");
    sql_ok(sqlite3_prepare_v2(db,
                              "INSERT INTO main.transfer(subject, at, logged_at, actor,"
                              " recipient, country, mechanism, reference, allowed, reason, id,"
                              " subject_id)"
                              " VALUES(?1, 1772323200, 1772323200, 'bench', 'cloudco-us', 'US',"
                              " 'adequacy', 'Commission Implementing Decision (EU) 2023/1795"
                              " of 10 July 2023', 1, 'adequacy decision US-2023-1795 in force"
                              " on 2026-03-01 covers cloudco-us: DPF-certified since"
                              " 2023-10-01', (SELECT value + 1 + ?2 FROM main.counter"
                              " WHERE name='transfer'), ?3)",
                              -1, &t, NULL),
           db, "prepare");
    sql_ok(sqlite3_prepare_v2(db,
                              "INSERT INTO main.audit(seq, at, actor, role, action, subject,"
                              " outcome, ref, mac, subject_id) VALUES(?1, 1772323200, 'bench',"
                              " 'agent', 'transfer.record', ?2, 0, 'transfer 1: adequacy', ?3,"
                              " ?4)",
                              -1, &a, NULL),
           db, "prepare");
    sql_ok(sqlite3_prepare_v2(db, "SELECT coalesce(max(seq), 0) FROM main.audit", -1, &tail, NULL),
           db, "prepare");
    memset(chain, 0x17, sizeof chain);
    t0 = bench_now();
    for (long i = 0, in_tx = 0; i < n; i++) {
        char subject[32];
        const uint8_t *h = subject_hashes[i % 100];
        int64_t sid;
        if (i % batch == 0) {
            sql_ok(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), db, "begin");
            sql_ok(sqlite3_step(tail), db, "tail");
            seq = sqlite3_column_int64(tail, 0);
            sqlite3_reset(tail);
            in_tx = 0;
        }
        snprintf(subject, sizeof subject, "REC-%ld", i % 100);
        floor_hmac(&fc, "subject", 7, subject, strlen(subject), mac);
        sqlite3_bind_blob(sub, 1, h, 32, SQLITE_STATIC);
        if (sqlite3_step(sub) != SQLITE_ROW) {
            fprintf(stderr, "floor: subject not found\n");
            exit(1);
        }
        sid = sqlite3_column_int64(sub, 0); /* the log and audit rows name it by id too */
        sqlite3_reset(sub);
        sqlite3_bind_blob(t, 1, h, 32, SQLITE_STATIC);
        sqlite3_bind_int64(t, 2, in_tx++);
        sqlite3_bind_int64(t, 3, sid);
        sql_ok(sqlite3_step(t), db, "insert");
        sqlite3_reset(t);
        floor_hmac(&fc, chain, 32, "transfer 1: adequacy", 20, chain);
        sqlite3_bind_int64(a, 1, ++seq);
        sqlite3_bind_blob(a, 2, h, 32, SQLITE_STATIC);
        sqlite3_bind_blob(a, 3, chain, 32, SQLITE_STATIC);
        sqlite3_bind_int64(a, 4, sid);
        sql_ok(sqlite3_step(a), db, "audit");
        sqlite3_reset(a);
        if (i % batch == batch - 1 || i == n - 1) {
            char sql[160];
            snprintf(sql, sizeof sql,
                     "UPDATE main.counter SET value = value + %ld WHERE name='transfer';"
                     " UPDATE main.counter SET value = value + 1 WHERE name='generation'; COMMIT",
                     in_tx);
            sql_ok(sqlite3_exec(db, sql, NULL, NULL, NULL), db, "commit");
        }
    }
    t0 = bench_now() - t0;
    sqlite3_finalize(sub);
    sqlite3_finalize(t);
    sqlite3_finalize(a);
    sqlite3_finalize(tail);
    sqlite3_close(db);
    floor_crypto_free(&fc);
    return t0;
}

int
main(void)
{
    const char *dir = bench_tmpdir();
    double scale = bench_scale();
    long n_checks = (long)(3000000 * scale);
    long n_refused = (long)(100000 * scale);
    long n_single = (long)(2000 * scale);
    long n_batched = (long)(100000 * scale);
    gdpr_engine *eng;
    double t_lib, t_raw;

    if (n_checks < 3000)
        n_checks = 3000;
    if (n_refused < 1000)
        n_refused = 1000;
    if (n_single < 100)
        n_single = 100;
    if (n_batched < 1000)
        n_batched = 1000;
    plain_fill();
    printf("libgdpr %s transfer benchmarks (scale %.3g), store in %s\n", gdpr_version(), scale,
           dir);
    eng = open_store(dir);
    bench_cached_checks(eng, n_checks);
    bench_refused_checks(eng, dir, n_refused);
    for (long i = 0; i < 100; i++) {
        char subject[32];
        snprintf(subject, sizeof subject, "REC-%ld", i);
        check(gdpr_subject_ensure(eng, &agent, subject, NULL), "subject");
        check(gdpr_engine__subject_hash(eng, subject, subject_hashes[i]), "hash");
    }
    t_lib = record_many(eng, n_single, 1);
    t_raw = floor_record_many(dir, "floor-single.db", n_single, 1);
    bench_report_rate("gdpr_transfer_record (1 commit per call)", (double)n_single, t_lib,
                      "floor: same rows+HMACs, same store, 1/commit", (double)n_single, t_raw);
    t_lib = record_many(eng, n_batched, 1000);
    t_raw = floor_record_many(dir, "floor-batch.db", n_batched, 1000);
    bench_report_rate("gdpr_transfer_record (batches of 1,000)", (double)n_batched, t_lib,
                      "floor: same rows+HMACs, same store, 1,000/commit", (double)n_batched, t_raw);
    gdpr_close(eng);
    bench_cleanup();
    return 0;
}
