/*
 * PostgreSQL benchmarks (issue 14, point 7), each beside raw libpq doing
 * the same rows in the same run, against the server tests/pg/with-postgres
 * starts (GDPR_TEST_PG_URI; fsync on when run as the meson benchmark):
 *   1. batched gdpr_consent_record on existing subjects (batches of
 *      10,000 in gdpr_begin/gdpr_commit) vs libpq writing the same rows
 *      the library writes (the event with its 18 columns, the current
 *      state upserted, the audit row, in tables of the library's shape)
 *      the best raw way: prepared statements in pipeline mode (libpq 14+),
 *      a sync every 256 statements, and per batch what the library adds
 *      (the write lock, the generation read and raised, the sequence set);
 *   2. gdpr_consent_check median vs one prepared point lookup;
 *   3. gdpr_vault_put batched (1,000) and one call per transaction, and
 *      gdpr_vault_get median, vs the same rows through libpq;
 *   4. export of a subject with 1,000 records vs selecting the rows;
 *   5. erasure of a subject with 1,000 records vs deleting the rows and
 *      the key row, one audit row, commit, VACUUM of the key table;
 *   6. 1, 2, 4 and 8 engines in as many processes writing at once (one
 *      gdpr_vault_put per transaction): throughput and p99, vs as many
 *      libpq connections doing the same inserts (BEGIN, the two rows and
 *      COMMIT in one pipelined round trip, no lock: the floor of the
 *      server, not of the library's serialised audit chain).
 *
 *   tests/pg/with-postgres build/tests/bench/bench-pg   (GDPR_BENCH_SCALE=0.1: quick)
 *   meson test -C build --benchmark postgres            (the same, fsync on)
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <openssl/rand.h>

#include "bench.h"
#include "gdpr.h"

static const unsigned char key[32] = {9,  8,  7,  6,  5,  4,  3,  2,  1,  0,  11,
                                      12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                      23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const gdpr_actor agent = {"bench", "agent"};
static const gdpr_actor dpo = {"bench", "dpo"};
static char admin_uri[512];

static void
check(int rc, const char *what)
{
    if (rc != GDPR_OK) {
        fprintf(stderr, "%s: %s (%s)\n", what, gdpr_strerror(rc), gdpr_errmsg());
        exit(1);
    }
}

static void
quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static PGconn *
pconn(const char *uri)
{
    PGconn *c = PQconnectdb(uri);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "connect: %s", PQerrorMessage(c));
        exit(1);
    }
    PQsetNoticeProcessor(c, quiet, NULL); /* "does not exist, skipping" */
    return c;
}

static void
pexec(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
        exit(1);
    }
    PQclear(r);
}

static void
pprepare(PGconn *c, const char *name, const char *sql)
{
    PGresult *r = PQprepare(c, name, sql, 0, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "prepare %s: %s", name, PQerrorMessage(c));
        exit(1);
    }
    PQclear(r);
}

/* Run a prepared statement with text and binary parameters: `fmt` has one
 * letter per parameter, 't' text, 'b' binary (len from lens). */
static PGresult *
prun(PGconn *c, const char *name, const char *fmt, const char *const *vals, const int *lens)
{
    int n = (int)strlen(fmt), formats[8];
    PGresult *r;

    for (int i = 0; i < n; i++)
        formats[i] = fmt[i] == 'b';
    r = PQexecPrepared(c, name, n, vals, lens, formats, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "%s: %s", name, PQerrorMessage(c));
        exit(1);
    }
    return r;
}

static void
prun_clear(PGconn *c, const char *name, const char *fmt, const char *const *vals, const int *lens)
{
    PQclear(prun(c, name, fmt, vals, lens));
}

/* A fresh database; its URI into out. */
static void
fresh_db(const char *name, char *out, size_t cap)
{
    PGconn *c = pconn(admin_uri);
    char sql[200];
    const char *slash = strstr(admin_uri, "://"), *q;

    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    pexec(c, sql);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    pexec(c, sql);
    PQfinish(c);
    slash = strchr(slash + 3, '/');
    q = strchr(admin_uri, '?');
    snprintf(out, cap, "%.*s/%s%s", (int)(slash - admin_uri), admin_uri, name, q ? q : "");
}

/* The baseline's tables: the rows the library writes, as plain tables. */
static void
raw_schema(PGconn *c)
{
    /* The library's columns and indexes (lib/store/postgres/schema.c). */
    /* Since schema step 26 (docs/decisions/0016) events, states and audit
     * rows name the subject by its integer id; only subject(hash) holds
     * the hash index. The floor binds the id it knows. */
    pexec(c, "CREATE TABLE subject(id bigint PRIMARY KEY, hash bytea NOT NULL UNIQUE)");
    pexec(c, "CREATE TABLE consent_event(id bigint PRIMARY KEY, subject_id bigint NOT NULL,"
             " at bigint NOT NULL, purpose text NOT NULL, state bigint NOT NULL,"
             " notice text NOT NULL, notice_version text NOT NULL, notice_sha256 bytea NOT NULL,"
             " policy_version bigint NOT NULL, channel text NOT NULL, actor text NOT NULL,"
             " expires bigint NOT NULL, recipient text NOT NULL, recipient_sealed bytea,"
             " proof bytea, flags bigint NOT NULL, guardian bytea, mac bytea)");
    pexec(c, "CREATE INDEX consent_subject ON consent_event(subject_id, id)");
    pexec(c, "CREATE TABLE consent_state(subject_id bigint NOT NULL, purpose text NOT NULL,"
             " recipient text NOT NULL, event bigint NOT NULL, at bigint NOT NULL,"
             " state bigint NOT NULL, expires bigint NOT NULL, flags bigint NOT NULL, mac bytea,"
             " PRIMARY KEY(subject_id, purpose, recipient))");
    pexec(c, "CREATE SEQUENCE seq_consent AS bigint MINVALUE 1");
    pexec(c, "CREATE TABLE counter(name text PRIMARY KEY, value bigint NOT NULL)");
    pexec(c, "INSERT INTO counter VALUES ('generation', 0)");
    pexec(c,
          "CREATE TABLE audit(seq bigserial PRIMARY KEY, at bigint NOT NULL, actor text NOT NULL,"
          " role text NOT NULL, action text NOT NULL, subject bytea, outcome bigint NOT NULL,"
          " ref text, mac bytea NOT NULL, subject_id bigint)");
    pexec(c, "CREATE INDEX audit_subject_id ON audit(subject_id) WHERE subject_id IS NOT NULL");
    pexec(c, "CREATE TABLE vault(id bigserial PRIMARY KEY, subject bytea NOT NULL,"
             " category text NOT NULL, value bytea NOT NULL)");
    pexec(c, "CREATE INDEX vault_subject ON vault(subject)");
    pexec(c, "CREATE TABLE subject_key(hash bytea PRIMARY KEY, wrapped bytea NOT NULL)");
    pprepare(c, "ev",
             "INSERT INTO consent_event(id, subject_id, at, purpose, state, notice, notice_version,"
             " notice_sha256, policy_version, channel, actor, expires, recipient, recipient_sealed,"
             " proof, flags, guardian, mac) VALUES ($1, $2, $3, $4, 1, 'marketing-v2', '2',"
             " $5, 1, 'web', 'bench', 0, '', NULL, NULL, 0, NULL, $6)");
    pprepare(c, "st",
             "INSERT INTO consent_state VALUES ($1, $2, '', $3, $4, 1, 0, 0, $5)"
             " ON CONFLICT (subject_id, purpose, recipient) DO UPDATE SET event = excluded.event,"
             " at = excluded.at, state = excluded.state, expires = excluded.expires,"
             " flags = excluded.flags, mac = excluded.mac");
    pprepare(c, "au",
             "INSERT INTO audit(at, actor, role, action, subject, outcome, ref, mac)"
             " VALUES ($1, 'bench', 'agent', $2, $3, 0, 'consent', $4)");
    pprepare(c, "auc",
             "INSERT INTO audit(at, actor, role, action, subject, outcome, ref, mac, subject_id)"
             " VALUES ($1, 'bench', 'agent', $2, $3, 0, 'consent', $4, $5)");
    pprepare(c, "subj", "INSERT INTO subject VALUES ($1, $2)");
    pprepare(c, "nextval", "SELECT nextval('seq_consent')");
    pprepare(c, "setval", "SELECT setval('seq_consent', $1)");
    pprepare(c, "gen", "SELECT value FROM counter WHERE name = 'generation'");
    pprepare(c, "bump",
             "UPDATE counter SET value = value + 1 WHERE name = 'generation' RETURNING value");
    pprepare(c, "chk",
             "SELECT state FROM consent_state WHERE subject_id ="
             " (SELECT id FROM subject WHERE hash = $1) AND purpose = $2");
    pprepare(c, "vput",
             "INSERT INTO vault(subject, category, value) VALUES ($1, $2, $3) RETURNING id");
    pprepare(c, "vget", "SELECT value FROM vault WHERE id = $1");
    pprepare(c, "begin", "BEGIN");
    pprepare(c, "commit", "COMMIT");
    pprepare(c, "vsel", "SELECT id, category, value FROM vault WHERE subject = $1 ORDER BY id");
    pprepare(c, "vdel", "DELETE FROM vault WHERE subject = $1");
    pprepare(c, "kdel", "DELETE FROM subject_key WHERE hash = $1");
    pprepare(c, "kput", "INSERT INTO subject_key VALUES ($1, $2) ON CONFLICT DO NOTHING");
}

static void
rnd(void *buf, size_t n)
{
    if (RAND_bytes(buf, (int)n) != 1)
        exit(1);
}

/* --- pipeline mode (the best raw way for writes nobody waits for) --- */

static int raw_in_flight; /* statements sent, results not read */

/* Send a prepared statement without waiting (pipeline mode). */
static void
psend(PGconn *c, const char *name, const char *fmt, const char *const *vals, const int *lens)
{
    int n = (int)strlen(fmt), formats[8];

    for (int i = 0; i < n; i++)
        formats[i] = fmt[i] == 'b';
    if (PQpipelineStatus(c) == PQ_PIPELINE_OFF && PQenterPipelineMode(c) != 1) {
        fprintf(stderr, "pipeline: %s", PQerrorMessage(c));
        exit(1);
    }
    if (PQsendQueryPrepared(c, name, n, vals, lens, formats, 0) != 1) {
        fprintf(stderr, "%s: %s", name, PQerrorMessage(c));
        exit(1);
    }
    raw_in_flight++;
}

/* Sync and read every result sent; leave pipeline mode. */
static void
psync(PGconn *c)
{
    PGresult *r;

    if (PQpipelineStatus(c) == PQ_PIPELINE_OFF)
        return;
    if (PQpipelineSync(c) != 1) {
        fprintf(stderr, "sync: %s", PQerrorMessage(c));
        exit(1);
    }
    for (; raw_in_flight > 0; raw_in_flight--)
        while ((r = PQgetResult(c)) != NULL) {
            if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
                fprintf(stderr, "pipelined: %s", PQresultErrorMessage(r));
                exit(1);
            }
            PQclear(r);
        }
    r = PQgetResult(c);
    if (PQresultStatus(r) != PGRES_PIPELINE_SYNC) {
        fprintf(stderr, "sync: %s", PQerrorMessage(c));
        exit(1);
    }
    PQclear(r);
    if (PQexitPipelineMode(c) != 1) {
        fprintf(stderr, "exit pipeline: %s", PQerrorMessage(c));
        exit(1);
    }
}

/* At most 256 statements in flight, as the library (PG_PIPELINE_MAX). */
static void
pbound(PGconn *c)
{
    if (raw_in_flight >= 256)
        psync(c);
}

/* A write transaction as the library opens and closes one: the write
 * lock and the generation read at BEGIN; the sequence set, the
 * generation raised and COMMIT at the end. */
static int64_t raw_next_id;

static void
raw_begin(PGconn *c)
{
    PGresult *r;

    pexec(c, "BEGIN; SELECT pg_advisory_xact_lock(1734632562);"
             " SELECT value FROM counter WHERE name = 'generation'");
    r = prun(c, "nextval", "", NULL, NULL);
    raw_next_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
}

static void
raw_commit(PGconn *c)
{
    char id[24];
    const char *vals[1] = {id};

    snprintf(id, sizeof id, "%lld", (long long)raw_next_id);
    psend(c, "setval", "t", vals, NULL);
    psync(c);
    PQclear(prun(c, "bump", "", NULL, NULL));
    pexec(c, "COMMIT");
}

/* One raw consent event: the three rows the library writes, sent in
 * pipeline mode. */
static void
raw_consent(PGconn *c, const unsigned char *subject, long subject_id)
{
    unsigned char mac[32], smac[32], amac[32], nsha[32];
    const char *vals[6];
    int lens[6];
    char at[24], event[24], sid[24];

    snprintf(at, sizeof at, "%d", 1767225600);
    snprintf(event, sizeof event, "%lld", (long long)raw_next_id++);
    rnd(mac, sizeof mac);
    rnd(smac, sizeof smac);
    rnd(amac, sizeof amac);
    memset(nsha, 7, sizeof nsha);
    snprintf(sid, sizeof sid, "%ld", subject_id);
    vals[0] = event;
    lens[0] = 0;
    vals[1] = sid;
    lens[1] = 0;
    vals[2] = at;
    lens[2] = 0;
    vals[3] = "marketing";
    lens[3] = 0;
    vals[4] = (const char *)nsha;
    lens[4] = 32;
    vals[5] = (const char *)mac;
    lens[5] = 32;
    pbound(c);
    psend(c, "ev", "ttttbb", vals, lens);
    vals[0] = sid;
    lens[0] = 0;
    vals[1] = "marketing";
    lens[1] = 0;
    vals[2] = event;
    vals[3] = at;
    lens[3] = 0;
    vals[4] = (const char *)smac;
    lens[4] = 32;
    psend(c, "st", "ttttb", vals, lens);
    vals[0] = at;
    lens[0] = 0;
    vals[1] = "consent.record";
    vals[2] = (const char *)subject;
    lens[2] = 32;
    vals[3] = (const char *)amac;
    lens[3] = 32;
    vals[4] = sid;
    lens[4] = 0;
    psend(c, "auc", "ttbbt", vals, lens);
}

/* The value row and its audit row, sent in pipeline mode (the caller
 * syncs). */
static void
raw_vault_put(PGconn *c, const unsigned char *subject, const unsigned char *sealed, int len)
{
    unsigned char mac[32];
    const char *vals[4] = {(const char *)subject, "contact", (const char *)sealed, NULL};
    int lens[4] = {32, 0, len, 0};
    char at[24];

    pbound(c);
    psend(c, "vput", "btb", vals, lens);
    rnd(mac, sizeof mac);
    snprintf(at, sizeof at, "%d", 1767225600);
    vals[0] = at;
    lens[0] = 0;
    vals[1] = "vault.put";
    vals[2] = (const char *)subject;
    lens[2] = 32;
    vals[3] = (const char *)mac;
    lens[3] = 32;
    psend(c, "au", "ttbb", vals, lens);
}

/* One value per transaction, the best raw way: BEGIN, the two rows and
 * COMMIT in one pipelined round trip. */
static void
raw_vault_put_tx(PGconn *c, const unsigned char *subject, const unsigned char *sealed, int len)
{
    psend(c, "begin", "", NULL, NULL);
    raw_vault_put(c, subject, sealed, len);
    psend(c, "commit", "", NULL, NULL);
    psync(c);
}

static gdpr_engine *
open_store(const char *uri, int policy)
{
    gdpr_options opts = GDPR_OPTIONS_INIT;
    gdpr_engine *eng = NULL;

    opts.path = uri;
    opts.key = key;
    opts.key_len = sizeof key;
    opts.busy_timeout_ms = 60000;
    check(gdpr_open(&eng, &opts), "open");
    if (policy)
        check(gdpr_policy_load(eng, &dpo, TEST_SOURCE_ROOT "/examples/policy.json"), "policy");
    return eng;
}

static void
record(gdpr_engine *eng, const char *subject)
{
    gdpr_consent c = GDPR_CONSENT_INIT;
    c.subject = subject;
    c.purpose = "marketing";
    c.notice = "marketing-v2";
    c.channel = "web";
    check(gdpr_consent_record(eng, &agent, &c, NULL), "consent record");
}

/* ---- 1, 2: consent ---------------------------------------------------- */

static void
bench_consent(const char *lib_uri, PGconn *raw, long subjects, long n, long samples)
{
    gdpr_engine *eng = open_store(lib_uri, 1);
    unsigned char(*hashes)[32] = malloc((size_t)subjects * 32);
    double t0, lib_s, raw_s, *ls = malloc((size_t)samples * sizeof *ls),
                             *rs = malloc((size_t)samples * sizeof *rs);
    char subject[64];
    const long batch = 10000;

    if (hashes == NULL || ls == NULL || rs == NULL)
        exit(1);
    /* Load: every subject once (subject and key created). */
    for (long i = 0; i < subjects; i += batch) {
        check(gdpr_begin(eng), "begin");
        for (long k = i; k < i + batch && k < subjects; k++) {
            snprintf(subject, sizeof subject, "cust-%ld", k);
            record(eng, subject);
        }
        check(gdpr_commit(eng), "commit");
    }
    for (long k = 0; k < subjects; k++)
        rnd(hashes[k], 32);
    raw_begin(raw);
    for (long k = 0; k < subjects; k++) {
        char sid[24];
        const char *sv[2] = {sid, (const char *)hashes[k]};
        const int sl[2] = {0, 32};

        snprintf(sid, sizeof sid, "%ld", k + 1);
        psend(raw, "subj", "tb", sv, sl);
        raw_consent(raw, hashes[k], k + 1);
    }
    raw_commit(raw);

    t0 = bench_now();
    for (long i = 0; i < n; i += batch) {
        check(gdpr_begin(eng), "begin");
        for (long k = i; k < i + batch && k < n; k++) {
            snprintf(subject, sizeof subject, "cust-%ld", k % subjects);
            record(eng, subject);
        }
        check(gdpr_commit(eng), "commit");
    }
    lib_s = bench_now() - t0;
    t0 = bench_now();
    for (long i = 0; i < n; i += batch) {
        raw_begin(raw);
        for (long k = i; k < i + batch && k < n; k++)
            raw_consent(raw, hashes[k % subjects], k % subjects + 1);
        raw_commit(raw);
    }
    raw_s = bench_now() - t0;
    bench_report_rate("pg gdpr_consent_record (batched 10k)", (double)n, lib_s,
                      "libpq same 3 rows, pipelined (batched 10k)", (double)n, raw_s);

    for (long i = 0; i < samples; i++) {
        int granted = 0;
        const char *vals[2] = {(const char *)hashes[i % subjects], "marketing"};
        int lens[2] = {32, 0};
        snprintf(subject, sizeof subject, "cust-%ld", (i * 7919) % subjects);
        t0 = bench_now();
        check(gdpr_consent_check(eng, subject, "marketing", GDPR_NOW, &granted), "check");
        ls[i] = bench_now() - t0;
        if (!granted)
            exit(1);
        t0 = bench_now();
        PQclear(prun(raw, "chk", "bt", vals, lens));
        rs[i] = bench_now() - t0;
    }
    bench_report_latency("pg gdpr_consent_check median (loopback)",
                         bench_median(ls, (size_t)samples), "libpq prepared point lookup",
                         bench_median(rs, (size_t)samples));
    gdpr_close(eng);
    free(hashes);
    free(ls);
    free(rs);
}

/* ---- 3: vault ----------------------------------------------------------- */

static void
bench_vault(const char *lib_uri, PGconn *raw, long n, long single, long samples)
{
    gdpr_engine *eng = open_store(lib_uri, 1);
    int64_t *ids = malloc((size_t)n * sizeof *ids);
    double t0, lib_s, raw_s, *ls = malloc((size_t)samples * sizeof *ls),
                             *rs = malloc((size_t)samples * sizeof *rs);
    unsigned char subj[32], sealed[60 + 28];
    const char value[] = "Frieda Example, 1 Harbour Road, Dublin 2, +353 1 555 0100";
    char subject[64];
    const long batch = 1000;

    if (ids == NULL || ls == NULL || rs == NULL)
        exit(1);
    rnd(subj, sizeof subj);
    rnd(sealed, sizeof sealed);
    t0 = bench_now();
    for (long i = 0; i < n; i += batch) {
        check(gdpr_begin(eng), "begin");
        for (long k = i; k < i + batch && k < n; k++) {
            snprintf(subject, sizeof subject, "v-%ld", k % 500);
            check(gdpr_vault_put(eng, &agent, subject, "contact", "service", value,
                                 sizeof value - 1, &ids[k]),
                  "vault put");
        }
        check(gdpr_commit(eng), "commit");
    }
    lib_s = bench_now() - t0;
    t0 = bench_now();
    for (long i = 0; i < n; i += batch) {
        pexec(raw, "BEGIN");
        for (long k = i; k < i + batch && k < n; k++)
            raw_vault_put(raw, subj, sealed, (int)sizeof sealed);
        psync(raw);
        pexec(raw, "COMMIT");
    }
    raw_s = bench_now() - t0;
    bench_report_rate("pg gdpr_vault_put (batched 1k)", (double)n, lib_s,
                      "libpq value + audit row (batched 1k)", (double)n, raw_s);

    t0 = bench_now();
    for (long k = 0; k < single; k++) {
        int64_t id;
        snprintf(subject, sizeof subject, "v-%ld", k % 500);
        check(gdpr_vault_put(eng, &agent, subject, "contact", "service", value, sizeof value - 1,
                             &id),
              "vault put");
    }
    lib_s = bench_now() - t0;
    t0 = bench_now();
    for (long k = 0; k < single; k++) {
        raw_vault_put_tx(raw, subj, sealed, (int)sizeof sealed);
    }
    raw_s = bench_now() - t0;
    bench_report_rate("pg gdpr_vault_put (one per transaction)", (double)single, lib_s,
                      "libpq value + audit row, own commit", (double)single, raw_s);

    for (long i = 0; i < samples; i++) {
        void *v = NULL;
        size_t len = 0;
        char id[24];
        const char *vals[1] = {id};
        snprintf(id, sizeof id, "%ld", 1 + (i * 7919) % n);
        t0 = bench_now();
        check(gdpr_vault_get(eng, &agent, ids[(i * 7919) % n], &v, &len), "vault get");
        ls[i] = bench_now() - t0;
        gdpr_free(v);
        t0 = bench_now();
        PQclear(prun(raw, "vget", "t", vals, NULL));
        rs[i] = bench_now() - t0;
    }
    bench_report_latency("pg gdpr_vault_get median", bench_median(ls, (size_t)samples),
                         "libpq select by id", bench_median(rs, (size_t)samples));
    gdpr_close(eng);
    free(ids);
    free(ls);
    free(rs);
}

/* ---- 4, 5: export and erasure of 1,000 records ---------------------------- */

static int
discard(const void *buf, size_t len, void *ctx)
{
    (void)buf;
    *(size_t *)ctx += len;
    return 0;
}

static void
fill_subject(gdpr_engine *eng, PGconn *raw, const char *subject, const unsigned char *hash,
             long records)
{
    char value[80];
    unsigned char sealed[80], wrapped[60];
    const char *vals[2] = {(const char *)hash, (const char *)wrapped};
    int lens[2] = {32, sizeof wrapped};

    check(gdpr_begin(eng), "begin");
    for (long k = 0; k < records; k++) {
        int64_t id;
        snprintf(value, sizeof value, "note %ld: called about the invoice, asked for a callback",
                 k);
        check(gdpr_vault_put(eng, &agent, subject, "usage", "service", value, strlen(value), &id),
              "vault put");
    }
    check(gdpr_commit(eng), "commit");
    rnd(sealed, sizeof sealed);
    rnd(wrapped, sizeof wrapped);
    pexec(raw, "BEGIN");
    prun_clear(raw, "kput", "bb", vals, lens);
    for (long k = 0; k < records; k++)
        raw_vault_put(raw, hash, sealed, (int)sizeof sealed);
    psync(raw);
    pexec(raw, "COMMIT");
}

static void
bench_export_erase(const char *lib_uri, PGconn *raw, long records, int runs)
{
    gdpr_engine *eng = open_store(lib_uri, 1);
    double ex_l[8], ex_r[8], er_l[8], er_r[8], t0;
    char subject[64];
    unsigned char hash[32];

    for (int r = 0; r < runs; r++) {
        size_t bytes = 0;
        const char *vals[1] = {(const char *)hash};
        int lens[1] = {32};
        gdpr_erase_report rep;

        snprintf(subject, sizeof subject, "big-%d", r);
        rnd(hash, sizeof hash);
        fill_subject(eng, raw, subject, hash, records);

        t0 = bench_now();
        check(gdpr_export_subject(eng, &dpo, subject, GDPR_EXPORT_JSON, discard, &bytes), "export");
        ex_l[r] = bench_now() - t0;
        t0 = bench_now();
        PQclear(prun(raw, "vsel", "b", vals, lens));
        ex_r[r] = bench_now() - t0;

        t0 = bench_now();
        check(gdpr_erase_subject(eng, &dpo, subject, "Art. 17(1)(a)", &rep), "erase");
        er_l[r] = bench_now() - t0;
        t0 = bench_now();
        pexec(raw, "BEGIN");
        prun_clear(raw, "vdel", "b", vals, lens);
        prun_clear(raw, "kdel", "b", vals, lens);
        raw_consent(raw, hash, 1); /* stands for the audit + tombstone rows */
        psync(raw);
        pexec(raw, "COMMIT");
        pexec(raw, "VACUUM subject_key");
        er_r[r] = bench_now() - t0;
    }
    bench_report_latency("pg export of 1,000 records (JSON) median",
                         bench_median(ex_l, (size_t)runs), "libpq select of the 1,000 rows",
                         bench_median(ex_r, (size_t)runs));
    bench_report_latency("pg erasure of 1,000 records median", bench_median(er_l, (size_t)runs),
                         "libpq delete rows+key, commit, VACUUM", bench_median(er_r, (size_t)runs));
    gdpr_close(eng);
}

/* ---- 6: N engines writing at once ------------------------------------------ */

static int
cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Each child writes `ops` latencies (seconds, binary doubles) to its pipe. */
static void
writer_child(int fd, const char *uri, int raw, int p, long ops)
{
    const char value[] = "a value written by one of several nodes at once";
    double *lat = malloc((size_t)ops * sizeof *lat);
    char subject[64];
    unsigned char subj[32], sealed[76];

    if (lat == NULL)
        _exit(1);
    if (raw) {
        PGconn *c = pconn(uri);
        pprepare(c, "vput",
                 "INSERT INTO vault(subject, category, value) VALUES ($1, $2, $3) RETURNING id");
        pprepare(c, "au",
                 "INSERT INTO audit(at, actor, role, action, subject, outcome, ref, mac)"
                 " VALUES ($1, 'bench', 'agent', $2, $3, 0, 'consent', $4)");
        pprepare(c, "begin", "BEGIN");
        pprepare(c, "commit", "COMMIT");
        rnd(subj, sizeof subj);
        rnd(sealed, sizeof sealed);
        for (long i = 0; i < ops; i++) {
            double t0 = bench_now();
            raw_vault_put_tx(c, subj, sealed, (int)sizeof sealed);
            lat[i] = bench_now() - t0;
        }
        PQfinish(c);
    } else {
        gdpr_engine *eng = open_store(uri, 0);
        for (long i = 0; i < ops; i++) {
            int64_t id;
            double t0 = bench_now();
            snprintf(subject, sizeof subject, "node-%d-%ld", p, i % 50);
            check(gdpr_vault_put(eng, &agent, subject, "contact", "service", value,
                                 sizeof value - 1, &id),
                  "vault put");
            lat[i] = bench_now() - t0;
        }
        gdpr_close(eng);
    }
    if (write(fd, lat, (size_t)ops * sizeof *lat) != (ssize_t)((size_t)ops * sizeof *lat))
        _exit(1);
    _exit(0);
}

static void
run_writers(const char *uri, int raw, int n, long ops, double *rate, double *p99)
{
    int fds[8][2];
    pid_t pids[8];
    double *all = malloc((size_t)n * (size_t)ops * sizeof *all), t0, secs;

    if (all == NULL)
        exit(1);
    fflush(NULL);
    t0 = bench_now();
    for (int p = 0; p < n; p++) {
        if (pipe(fds[p]) != 0)
            exit(1);
        pids[p] = fork();
        if (pids[p] == 0) {
            close(fds[p][0]);
            writer_child(fds[p][1], uri, raw, p, ops);
        }
        close(fds[p][1]);
    }
    for (int p = 0; p < n; p++) {
        size_t want = (size_t)ops * sizeof *all, got = 0;
        char *dst = (char *)(all + (size_t)p * (size_t)ops);
        while (got < want) {
            ssize_t k = read(fds[p][0], dst + got, want - got);
            if (k <= 0)
                break;
            got += (size_t)k;
        }
        close(fds[p][0]);
        if (got != want)
            exit(1);
    }
    for (int p = 0; p < n; p++) {
        int status = 0;
        if (waitpid(pids[p], &status, 0) != pids[p] || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0) {
            fprintf(stderr, "writer %d failed\n", p);
            exit(1);
        }
    }
    secs = bench_now() - t0;
    qsort(all, (size_t)n * (size_t)ops, sizeof *all, cmp_d);
    *rate = (double)n * (double)ops / secs;
    *p99 = all[(size_t)((double)n * (double)ops * 0.99)];
    free(all);
}

static void
bench_engines(const char *lib_uri, const char *raw_uri, long ops)
{
    static const int ns[] = {1, 2, 4, 8};
    gdpr_engine *eng = open_store(lib_uri, 1); /* the store and its policy */

    gdpr_close(eng);
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        double lr, lp, rr, rp;
        char name[80], base[80];
        run_writers(lib_uri, 0, ns[i], ops, &lr, &lp);
        run_writers(raw_uri, 1, ns[i], ops, &rr, &rp);
        snprintf(name, sizeof name, "pg %d engine(s) writing, vault_put/txn", ns[i]);
        snprintf(base, sizeof base, "%d libpq connection(s)", ns[i]);
        bench_report_rate(name, lr, 1.0, base, rr, 1.0);
        snprintf(name, sizeof name, "pg %d engine(s) writing, p99 latency", ns[i]);
        bench_report_latency(name, lp, base, rp);
    }
}

int
main(void)
{
    const char *uri = getenv("GDPR_TEST_PG_URI");
    double scale = bench_scale();
    char lib_uri[600], raw_uri[600];
    PGconn *raw;
    gdpr_options probe = GDPR_OPTIONS_INIT;
    gdpr_engine *eng = NULL;
    long subjects = (long)(2000 * scale) + 10, n = (long)(20000 * scale) + 10;

    if (uri == NULL || *uri == '\0') {
        printf("SKIP: run under tests/pg/with-postgres (GDPR_TEST_PG_URI)\n");
        return 77;
    }
    probe.path = "postgresql://127.0.0.1:1/probe?connect_timeout=2";
    probe.key = key;
    probe.key_len = sizeof key;
    if (gdpr_open(&eng, &probe) == GDPR_EINVAL) {
        printf("SKIP: this libgdpr has no PostgreSQL backend (%s)\n", gdpr_errmsg());
        return 77;
    }
    gdpr_close(eng);
    snprintf(admin_uri, sizeof admin_uri, "%s", uri);
    printf("PostgreSQL over 127.0.0.1 (tests/pg/with-postgres, fsync %s), scale %.2f\n",
           getenv("PG_FSYNC") ? getenv("PG_FSYNC") : "off", scale);

    fresh_db("gdpr_bench_lib", lib_uri, sizeof lib_uri);
    fresh_db("gdpr_bench_raw", raw_uri, sizeof raw_uri);
    raw = pconn(raw_uri);
    raw_schema(raw);
    bench_consent(lib_uri, raw, subjects, n, (long)(2000 * scale) + 50);
    bench_vault(lib_uri, raw, (long)(5000 * scale) + 10, (long)(1000 * scale) + 10,
                (long)(2000 * scale) + 50);
    bench_export_erase(lib_uri, raw, 1000, scale >= 0.5 ? 5 : 2);
    PQfinish(raw);
    bench_engines(lib_uri, raw_uri, (long)(300 * scale) + 10);
    return 0;
}
