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
 *   2. gdpr_consent_check median;
 *   3. gdpr_vault_put batched (1,000) and one call per transaction, and
 *      gdpr_vault_get median;
 *   4. export of a subject with 1,000 records (JSON);
 *   5. erasure of a subject with 1,000 records;
 *      2-5 each beside its same-work floor (issue 18: libpq and OpenSSL
 *      doing the statements, rows, crypto and commits the library does, in
 *      the library's schema and store; see "same-work floors" below) and
 *      beside the older naive baseline, printed as "naive" (one point
 *      lookup; the value and audit rows in plain tables; a select of the
 *      rows; deleting the rows and the key row, one audit row, commit,
 *      VACUUM of the key table);
 *   6. 1, 2, 4 and 8 engines in as many processes writing at once (one
 *      gdpr_vault_put per transaction): throughput and p99, beside as
 *      many processes running the same-work floor of that put on one
 *      copy of the store (the write lock, the statements and commit of
 *      the one-put floor, and the audit tail and subject id read again
 *      after another writer's commit, as the library's store does), and
 *      beside the naive baseline: as many libpq connections doing the
 *      same inserts (BEGIN, the two rows and COMMIT in one pipelined
 *      round trip, no lock: the floor of the server, not of the
 *      library's serialised audit chain).
 *
 *   tests/pg/with-postgres build-bench/tests/bench/bench-pg   (GDPR_BENCH_SCALE=0.1: quick)
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
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdint.h>

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
    int n = (int)strlen(fmt), formats[16];
    PGresult *r;

    for (int i = 0; i < n; i++)
        formats[i] = fmt[i] == 'b';
    /* The floors' statements (f_*) read binary results, as the library. */
    r = PQexecPrepared(c, name, n, vals, lens, formats, strncmp(name, "f_", 2) == 0);
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

/* The URI of database `name` on the test server. */
static void
fresh_uri(const char *name, char *out, size_t cap)
{
    const char *slash = strstr(admin_uri, "://"), *q;

    slash = strchr(slash + 3, '/');
    q = strchr(admin_uri, '?');
    snprintf(out, cap, "%.*s/%s%s", (int)(slash - admin_uri), admin_uri, name, q ? q : "");
}

/* A fresh database; its URI into out. */
static void
fresh_db(const char *name, char *out, size_t cap)
{
    PGconn *c = pconn(admin_uri);
    char sql[200];

    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    pexec(c, sql);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    pexec(c, sql);
    PQfinish(c);
    fresh_uri(name, out, cap);
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
    int n = (int)strlen(fmt), formats[16];

    for (int i = 0; i < n; i++)
        formats[i] = fmt[i] == 'b';
    if (PQpipelineStatus(c) == PQ_PIPELINE_OFF && PQenterPipelineMode(c) != 1) {
        fprintf(stderr, "pipeline: %s", PQerrorMessage(c));
        exit(1);
    }
    if (PQsendQueryPrepared(c, name, n, vals, lens, formats, strncmp(name, "f_", 2) == 0) != 1) {
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

/* ---- same-work floors (issue 18, pgfloors) ------------------------------
 *
 * What the library's call must do, by hand with libpq and OpenSSL, statement
 * for statement as lib/store/postgres sends them (traced with
 * log_statement=all), in the library's own schema and store:
 *  - reads (consent check, vault get) run against the library's database
 *    itself on a second connection, binding the library's own subject hash
 *    and record ids (the floor still pays the blind-index HMAC; its keys
 *    are not the library's, so the row MAC compare and the GCM tag check
 *    fail after the same work, and the floor ignores that);
 *  - writes (vault put, export's audit event, erasure) run against a
 *    byte copy of the library's database (CREATE DATABASE ... TEMPLATE, the
 *    same schema, indexes, triggers and rows), writing rows the floor seals
 *    itself, same lengths, same AAD, the audit chain HMAC continued;
 *  - queued writes and the read after them go in one round trip, as the
 *    library's pipeline (PG_PIPELINE) sends them; reads the library waits
 *    for are waited for.
 * Not in the floor, as in the SQLite floors: the library's re-reads of its
 * key counters and policy version at the start of a call after a commit
 * (engine bookkeeping), and the shred-queue look after a commit, except in
 * the erasure, where it leads to the key destruction. */

#define FL_NOW 1767225600
#define FL_BEGIN                                                                                   \
    "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_catalog.pg_advisory_xact_lock(1734632562);"   \
    " SELECT (SELECT value FROM gdpr.counter WHERE name = 'generation'), (SELECT value FROM"       \
    " gdpr_keys.counter WHERE name = 'key_epoch'), (SELECT value FROM gdpr_keys.counter WHERE"     \
    " name = 'kek_generation'), (SELECT value FROM gdpr_keys.counter WHERE name = 'rekey_seq'),"   \
    " (SELECT value FROM gdpr.counter WHERE name = 'kek_generation')"
#define FL_SID "(SELECT id FROM gdpr.subject WHERE hash = $1)"

static void
floor_prepare(PGconn *c)
{
    static const char *const stmt[][2] = {
        {"f_gen", "SELECT value FROM gdpr.counter WHERE name = 'generation'"},
        {"f_bump", "UPDATE gdpr.counter SET value = value + 1 WHERE name = 'generation' AND"
                   " pg_catalog.pg_current_xact_id_if_assigned() IS NOT NULL RETURNING value"},
        {"f_sid", "SELECT id FROM gdpr.subject WHERE hash = $1"},
        {"f_tail", "SELECT seq, mac FROM gdpr.audit ORDER BY seq DESC LIMIT 1"},
        {"f_kdel", "WITH d AS (DELETE FROM gdpr_keys.subject_key WHERE hash = $1 RETURNING 1)"
                   " UPDATE gdpr_keys.counter SET value = value + 1 WHERE name = 'key_epoch' AND"
                   " EXISTS (SELECT 1 FROM d)"},
        {"f_kser", "SELECT pg_catalog.nextval('gdpr_keys.key_serial')"},
        {"f_kput", "INSERT INTO gdpr_keys.subject_key(hash, wrapped, gen, serial)"
                   " VALUES($1, $2, $3, $4)"},
        {"f_ssid", "SELECT pg_catalog.nextval('gdpr.seq_subject')"},
        {"f_sput", "INSERT INTO gdpr.subject(hash, ident, created, id) VALUES($1, $2, $3, $4)"},
        {"f_vid", "SELECT pg_catalog.nextval('gdpr.seq_vault')"},
        {"f_vput", "INSERT INTO gdpr.vault(id, subject_id, category, purpose, field, source,"
                   " collected, updated, anchor, due, special, value)"
                   " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"},
        {"f_au", "INSERT INTO gdpr.audit(seq, at, actor, role, action, subject, outcome, ref, mac,"
                 " subject_id) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"},
        {"f_setv", "SELECT pg_catalog.setval('gdpr.seq_vault', $1)"},
        {"f_setk", "SELECT pg_catalog.setval('gdpr_keys.key_serial', $1)"},
        {"f_sets", "SELECT pg_catalog.setval('gdpr.seq_subject', $1)"},
        {"f_chk", "SELECT event, at, state, expires, flags, mac FROM gdpr.consent_state WHERE"
                  " subject_id = " FL_SID " AND purpose = $2 AND recipient = $3"},
        {"f_get", "SELECT id, (SELECT hash FROM gdpr.subject WHERE id = vault.subject_id),"
                  " category, purpose, field, source, collected, updated, anchor, due, special,"
                  " value FROM gdpr.vault WHERE id = $1"},
        {"f_kept", "SELECT until, rule FROM gdpr.tombstone_kept WHERE record = $1 AND"
                   " erased_at = 0 ORDER BY until DESC LIMIT 1"},
        {"f_flags", "SELECT flags FROM gdpr.subject WHERE hash = $1"},
        {"f_ident", "SELECT id, kind, created, value FROM gdpr.identity WHERE subject_id = " FL_SID
                    " AND id > $2 ORDER BY id LIMIT $3"},
        {"f_rows",
         "SELECT id, (SELECT hash FROM gdpr.subject WHERE id = vault.subject_id),"
         " category, purpose, field, source, collected, updated, anchor, due, special,"
         " value FROM gdpr.vault WHERE subject_id = " FL_SID " AND id > $2 ORDER BY id LIMIT $3"},
        {"f_holds", "SELECT count(*) FROM (SELECT 1 FROM gdpr.erasure_hold WHERE released_at = 0"
                    " AND until > $2 AND (  (scope IN (1, 3) AND (subject = $1 OR (scope = 3 AND"
                    " subject IS NULL)))  OR (scope = 2 AND record IN      (SELECT id FROM"
                    " gdpr.vault WHERE subject_id = " FL_SID "))) LIMIT 1) h"},
        {"f_consent",
         "SELECT c.id, c.at, c.purpose, c.state, c.notice, c.channel, c.actor, c.expires,"
         " c.recipient, c.proof, c.flags, c.recipient_sealed, c.notice_version, c.notice_sha256,"
         " c.policy_version, (SELECT value FROM gdpr.meta WHERE name = 'store_id'), (SELECT hash"
         " FROM gdpr.subject WHERE id = c.subject_id), c.guardian, c.mac FROM gdpr.consent c WHERE"
         " c.subject_id = " FL_SID " AND c.id > $2 ORDER BY c.id LIMIT $3"},
        {"f_signal",
         "SELECT id, $1::bytea, at, kind, value, channel, actor FROM"
         " gdpr.consent_signal WHERE subject_id = " FL_SID " AND id > $2 ORDER BY id LIMIT $3"},
        {"f_discl", "SELECT id, at, recipient, purpose, ground, actor, recipient_sealed,"
                    " consent_event, subject FROM gdpr.disclosure WHERE subject_id = " FL_SID
                    " AND id > $2 ORDER BY id LIMIT $3"},
        {"f_xfer", "SELECT id, at, recipient, country, mechanism, reference, allowed, reason,"
                   " subject FROM gdpr.transfer WHERE ($1 IS NULL OR subject_id = " FL_SID
                   ") AND id > $2 ORDER BY id LIMIT $3"},
        {"f_access", "SELECT a.id, coalesce($1::bytea, (SELECT s.hash FROM gdpr.subject s WHERE"
                     " s.id = a.subject_id)), a.at, a.actor, a.role, a.action, a.purpose,"
                     " a.record, a.reason FROM gdpr.access_log a WHERE ($1 IS NULL OR"
                     " a.subject_id = " FL_SID ") AND a.id > $2 ORDER BY a.id LIMIT $3"},
        {"f_guard", "SELECT id, recipient, type, module, reference, valid_from, valid_until,"
                    " added_at, added_by, revoked_at FROM gdpr.transfer_safeguard WHERE $1 IS"
                    " NULL OR recipient = $1 ORDER BY id"},
        {"f_shredq", "SELECT (SELECT count(*) FROM (SELECT 1 FROM gdpr.erasure_shred_queue   "
                     "       LIMIT 1) q),       (SELECT count(*) FROM (SELECT 1 FROM"
                     " gdpr.tombstone          WHERE wiped = 0 LIMIT 1) t)"},
        {"f_hold1",
         "SELECT id, until, ground FROM gdpr.erasure_hold WHERE released_at = 0 AND until > $4"
         " AND (  (scope = 1 AND subject = $1) OR  (scope = 2 AND $2 > 0 AND record = $2) OR "
         " (scope = 3 AND $3 IS NOT NULL AND category = $3   AND (subject IS NULL OR subject ="
         " $1))) AND (purpose IS NULL OR purpose = $5) AND (collected_from = 0 OR ($6 > 0 AND $6"
         " >= collected_from)) AND (collected_to = 0 OR ($6 > 0 AND $6 < collected_to)) ORDER BY"
         " until DESC, id LIMIT 1"},
        {"f_open", "SELECT id FROM gdpr.tombstone WHERE subject = $1 AND kind = 1 AND complete = 0"
                   " ORDER BY id DESC LIMIT 1"},
        {"f_cats", "SELECT purpose, category, count(*) FROM gdpr.vault WHERE subject_id = " FL_SID
                   " GROUP BY purpose, category"},
        {"f_tid", "SELECT pg_catalog.nextval('gdpr.seq_tombstone')"},
        {"f_tput", "INSERT INTO gdpr.tombstone(kind, subject, at, ground, actor, role, erased,"
                   " retained, complete, wiped, imported, replayed, id) VALUES($1, $2, $3, $4,"
                   " $5, $6, $7, $8, $9, $10, $11, $12, $13)"},
        {"f_gone", "WITH gone AS (DELETE FROM gdpr.vault WHERE subject_id = " FL_SID
                   " RETURNING id), state AS (DELETE FROM gdpr.retention_state WHERE record IN"
                   " (SELECT id FROM gone)  RETURNING review), closed AS (UPDATE"
                   " gdpr.retention_review SET status = 4 WHERE status = 1  AND id IN (SELECT"
                   " review FROM state)) SELECT count(*) FROM gone"},
        {"f_u1", "DELETE FROM gdpr.identity WHERE subject_id = " FL_SID},
        {"f_u2", "DELETE FROM gdpr.consent WHERE subject_id = " FL_SID},
        {"f_u3", "DELETE FROM gdpr.consent_state WHERE subject_id = " FL_SID},
        {"f_u4", "DELETE FROM gdpr.disclosure WHERE subject_id = " FL_SID},
        {"f_u5", "DELETE FROM gdpr.consent_signal WHERE subject_id = " FL_SID},
        {"f_u6", "DELETE FROM gdpr.consent_conflict WHERE subject_id = " FL_SID},
        {"f_u7", "DELETE FROM gdpr.transfer WHERE subject_id = " FL_SID},
        {"f_u8", "DELETE FROM gdpr.access_log WHERE subject_id = " FL_SID},
        {"f_u9", "UPDATE gdpr.request_event SET note = NULL WHERE note IS NOT NULL AND request IN"
                 " (SELECT id FROM gdpr.request WHERE subject_id = " FL_SID ")"},
        {"f_u10", "UPDATE gdpr.request SET ident_value = NULL, ident_hash = NULL WHERE subject_id"
                  " = " FL_SID " AND (ident_value IS NOT NULL OR ident_hash IS NOT NULL)"},
        {"f_u11", "UPDATE gdpr.audit SET subject_id = NULL WHERE subject_id = " FL_SID},
        {"f_u12", "DELETE FROM gdpr.retention_anchor WHERE subject_id = " FL_SID},
        {"f_u13", "UPDATE gdpr.request SET subject_id = NULL WHERE subject_id = " FL_SID},
        {"f_u14", "DELETE FROM gdpr.subject WHERE hash = $1"},
        {"f_u15", "UPDATE gdpr.retention_review SET justification = NULL WHERE subject = $1 AND"
                  " justification IS NOT NULL"},
        {"f_kcount", "SELECT count(*) FROM gdpr_keys.subject_key WHERE hash = $1"},
        {"f_kserial", "SELECT serial FROM gdpr_keys.subject_key WHERE hash = $1"},
        {"f_queue", "INSERT INTO gdpr.erasure_shred_queue AS q(hash, tombstone, queued,"
                    " key_serial) VALUES($1, $2, $3, $4) ON CONFLICT(hash) DO UPDATE SET"
                    " tombstone = excluded.tombstone, queued = excluded.queued, key_serial ="
                    " excluded.key_serial WHERE q.key_serial IS DISTINCT FROM excluded.key_serial"},
        {"f_done", "UPDATE gdpr.tombstone SET complete = 1, wiped = 0 WHERE id = $1"},
        {"f_tally", "UPDATE gdpr.tombstone SET erased = erased + $2, retained = retained + $3,"
                    " complete = GREATEST(complete, $4), wiped = 0, replayed = CASE WHEN $5 > 0"
                    " THEN $5 ELSE replayed END WHERE id = $1"},
        {"f_au2", "INSERT INTO gdpr.audit(seq, at, actor, role, action, subject, outcome, ref, mac,"
                  " subject_id) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, (SELECT id FROM"
                  " gdpr.subject WHERE hash = $6))"},
        {"f_qhead", "SELECT hash FROM gdpr.erasure_shred_queue LIMIT 1"},
        {"f_qserial", "SELECT key_serial FROM gdpr.erasure_shred_queue WHERE hash = $1"},
        {"f_kshred", "DELETE FROM gdpr_keys.subject_key WHERE hash = $1 AND serial IS NOT"
                     " DISTINCT FROM $2"},
        {"f_epoch", "UPDATE gdpr_keys.counter SET value = value + 1 WHERE name = 'key_epoch'"},
        {"f_qdel", "DELETE FROM gdpr.erasure_shred_queue WHERE hash = $1"},
        {"f_vlock", "SELECT pg_catalog.pg_try_advisory_lock(1734632563)::int"},
        {"f_wiped", "UPDATE gdpr.tombstone SET wiped = 1 WHERE wiped = 0"},
    };

    /* Where the server cannot infer a parameter's type, the types the
     * library binds: b bytea, i bigint, t text. */
    static const char *const typed[][2] = {
        {"f_guard", "t"}, {"f_xfer", "bii"}, {"f_access", "bii"}, {"f_hold1", "bititi"}};

    for (size_t i = 0; i < sizeof stmt / sizeof stmt[0]; i++) {
        const char *name = stmt[i][0], *letters = "";
        Oid types[8];
        int n = 0;

        for (size_t k = 0; k < sizeof typed / sizeof typed[0]; k++)
            if (strcmp(name, typed[k][0]) == 0)
                letters = typed[k][1];
        for (; letters[n] != '\0'; n++)
            types[n] = letters[n] == 'b' ? 17 : letters[n] == 'i' ? 20 : 25;
        PGresult *r = PQprepare(c, name, stmt[i][1], n, n ? types : NULL);

        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            fprintf(stderr, "prepare %s: %s", name, PQerrorMessage(c));
            exit(1);
        }
        PQclear(r);
    }
}

/* A column of a binary result: bigint (8 bytes, big-endian). */
static int64_t
col_i64(const PGresult *r, int row, int col)
{
    const unsigned char *p = (const unsigned char *)PQgetvalue(r, row, col);
    uint64_t v = 0;

    if (PQgetisnull(r, row, col) || PQgetlength(r, row, col) != 8)
        return 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return (int64_t)v;
}

/* A read the library waits for: sent after the queued writes, all read in
 * one round trip; the result of this statement is returned. */
static PGresult *
fl_read(PGconn *c, const char *name, const char *fmt, const char *const *vals, const int *lens)
{
    PGresult *r, *mine = NULL;
    int n;

    if (raw_in_flight == 0)
        return prun(c, name, fmt, vals, lens);
    psend(c, name, fmt, vals, lens);
    if (PQpipelineSync(c) != 1) {
        fprintf(stderr, "sync: %s", PQerrorMessage(c));
        exit(1);
    }
    for (n = raw_in_flight; raw_in_flight > 0; raw_in_flight--)
        while ((r = PQgetResult(c)) != NULL) {
            if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
                fprintf(stderr, "pipelined %s: %s", name, PQresultErrorMessage(r));
                exit(1);
            }
            if (raw_in_flight == 1 && mine == NULL)
                mine = r;
            else
                PQclear(r);
        }
    (void)n;
    r = PQgetResult(c);
    if (PQresultStatus(r) != PGRES_PIPELINE_SYNC || PQexitPipelineMode(c) != 1) {
        fprintf(stderr, "sync: %s", PQerrorMessage(c));
        exit(1);
    }
    PQclear(r);
    return mine;
}

static void
pread_clear(PGconn *c, const char *name, const char *fmt, const char *const *vals, const int *lens)
{
    PQclear(fl_read(c, name, fmt, vals, lens));
}

static int64_t
pread_int(PGconn *c, const char *name, const char *fmt, const char *const *vals, const int *lens)
{
    PGresult *r = fl_read(c, name, fmt, vals, lens);
    int64_t v = PQntuples(r) > 0 ? col_i64(r, 0, 0) : 0;

    PQclear(r);
    return v;
}

/* A plain statement (BEGIN ..., COMMIT, SET, VACUUM): the queue drained
 * first, as the library's gdpr_pg__exec_plain does. */
static void
fl_exec(PGconn *c, const char *sql)
{
    psync(c);
    pexec(c, sql);
}

/* A byte copy of database `from` as `to` (its URI into out): the library's
 * schema, indexes, triggers and rows. */
static void
copy_db(const char *from, const char *to, char *out, size_t cap)
{
    PGconn *c = pconn(admin_uri);
    char sql[200];
    PGresult *r = NULL;

    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", to);
    pexec(c, sql);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s TEMPLATE %s", to, from);
    /* The engine's session may still be leaving the template. */
    for (int i = 0; i < 100; i++) {
        r = PQexec(c, sql);
        if (PQresultStatus(r) == PGRES_COMMAND_OK)
            break;
        PQclear(r);
        r = NULL;
        usleep(100000);
    }
    if (r == NULL) {
        fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
        exit(1);
    }
    PQclear(r);
    PQfinish(c);
    fresh_uri(to, out, cap);
}

typedef struct {
    PGconn *c;
    floor_crypto fc;
    int64_t seq;             /* audit tail */
    unsigned char chain[32]; /* its MAC */
    int64_t vid, vids;       /* vault ids taken in this transaction */
    int64_t kser, ksers;     /* key serials */
    int64_t ssid, ssids;     /* subject ids */
    int64_t gen;             /* the generation its last commit set */
} floor_pg;

static void
floor_pg_open(floor_pg *f, const char *uri)
{
    PGresult *r;

    memset(f, 0, sizeof *f);
    f->c = pconn(uri);
    floor_prepare(f->c);
    floor_crypto_init(&f->fc);
    r = PQexec(f->c, "SELECT coalesce(max(seq), 0) FROM gdpr.audit");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "floor audit tail: %s", PQerrorMessage(f->c));
        exit(1);
    }
    f->seq = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
}

static void
floor_pg_close(floor_pg *f)
{
    psync(f->c);
    PQfinish(f->c);
    floor_crypto_free(&f->fc);
}

static void
fl_u64(unsigned char *e, size_t *n, uint64_t v)
{
    for (int i = 7; i >= 0; i--)
        e[(*n)++] = (unsigned char)(v >> (8 * i));
}

static void
fl_text32(unsigned char *e, size_t *n, const char *s)
{
    uint32_t len = (uint32_t)strlen(s);

    for (int i = 3; i >= 0; i--)
        e[(*n)++] = (unsigned char)(len >> (8 * i));
    memcpy(e + *n, s, len);
    *n += len;
}

/* The audit event (lib/core/audit.c's encoding), its chained HMAC, and its
 * row queued; `sid` NULL: the statement finds the subject id itself. */
static void
floor_audit(floor_pg *f, const gdpr_actor *who, const char *action, const unsigned char *h,
            const char *ref, const char *sid)
{
    unsigned char e[512];
    size_t n = 16;
    char seq[24], at[24];
    const char *vals[10] = {
        seq, at, who->id, who->role, action, (const char *)h, "0", ref, (const char *)f->chain,
        sid};
    const int lens[10] = {0, 0, 0, 0, 0, 32, 0, 0, 32, 0};

    memcpy(e, "libgdpr audit 1", 16);
    f->seq++;
    fl_u64(e, &n, (uint64_t)f->seq);
    fl_u64(e, &n, FL_NOW);
    fl_text32(e, &n, who->id);
    fl_text32(e, &n, who->role);
    fl_text32(e, &n, action);
    e[n++] = 1;
    memcpy(e + n, h, 32);
    n += 32;
    memset(e + n, 0, 4);
    n += 4;
    fl_text32(e, &n, ref);
    memcpy(e + n, f->chain, 32);
    n += 32;
    floor_hmac(&f->fc, e, n, NULL, 0, f->chain);
    snprintf(seq, sizeof seq, "%lld", (long long)f->seq);
    snprintf(at, sizeof at, "%d", FL_NOW);
    pbound(f->c);
    if (sid != NULL)
        psend(f->c, "f_au", "tttttbttbt", vals, lens);
    else
        psend(f->c, "f_au2", "tttttbttb", vals, lens);
}

/* The library's blind index of a subject id. */
static void
floor_blind(floor_pg *f, const char *subject, unsigned char h[32])
{
    floor_hmac(&f->fc, "subject", 8, subject, strlen(subject), h);
}

/* An id from a sequence: nextval once per transaction, then counted
 * locally and written back at commit (lib/store/postgres/seq.c). */
static int64_t
floor_next(floor_pg *f, const char *nextval, int64_t *next, int64_t *taken)
{
    if ((*taken)++ == 0)
        *next = pread_int(f->c, nextval, "", NULL, NULL);
    else
        (*next)++;
    return *next;
}

static void
floor_begin(floor_pg *f)
{
    pread_clear(f->c, "f_gen", "", NULL, NULL);
    fl_exec(f->c, FL_BEGIN);
}

static void
floor_commit(floor_pg *f)
{
    struct {
        const char *stmt;
        int64_t v, n;
    } back[3] = {
        {"f_setv", f->vid, f->vids}, {"f_setk", f->kser, f->ksers}, {"f_sets", f->ssid, f->ssids}};

    for (int i = 0; i < 3; i++)
        if (back[i].n > 1) {
            char v[24];
            const char *vals[1] = {v};
            snprintf(v, sizeof v, "%lld", (long long)back[i].v);
            psend(f->c, back[i].stmt, "t", vals, NULL);
        }
    f->vids = f->ksers = f->ssids = 0;
    f->gen = pread_int(f->c, "f_bump", "", NULL, NULL);
    fl_exec(f->c, "COMMIT");
}

/* A new subject as create_subject (lib/core/subject.c) makes it: a data
 * key drawn and wrapped, the id sealed under it, the old key row dropped,
 * the key row and the subject row. */
static int64_t
floor_subject(floor_pg *f, const char *subject, const unsigned char h[32])
{
    unsigned char dek[32], wrapped[1 + 12 + 32 + 16], ident[1 + 12 + 128 + 16];
    char ser[24], id[24], at[24];
    const char *kv[4] = {(const char *)h, (const char *)wrapped, "1", ser};
    const int kl[4] = {32, sizeof wrapped, 0, 0};
    const char *sv[4] = {(const char *)h, (const char *)ident, at, id};
    int sl[4] = {32, 0, 0, 0};
    size_t len = strlen(subject);
    int64_t sid;

    rnd(dek, sizeof dek);
    wrapped[0] = 1;
    floor_seal(&f->fc, h, 32, dek, sizeof dek, wrapped + 1);
    ident[0] = 1;
    floor_seal(&f->fc, h, 32, subject, len, ident + 1);
    sl[1] = (int)(len + 29);
    pbound(f->c);
    psend(f->c, "f_kdel", "b", kv, kl);
    snprintf(ser, sizeof ser, "%lld", (long long)floor_next(f, "f_kser", &f->kser, &f->ksers));
    psend(f->c, "f_kput", "bbtt", kv, kl);
    sid = floor_next(f, "f_ssid", &f->ssid, &f->ssids);
    snprintf(id, sizeof id, "%lld", (long long)sid);
    snprintf(at, sizeof at, "%d", FL_NOW);
    psend(f->c, "f_sput", "bbtt", sv, sl);
    OPENSSL_cleanse(dek, sizeof dek);
    return sid;
}

/* The AAD of a sealed field: "table\0field\0" | row (8 bytes, big-endian)
 * | subject hash (lib/core/subject.c field_aad). */
static size_t
floor_aad(unsigned char *aad, const char *field, int64_t row, const unsigned char *h)
{
    size_t n = sizeof "vault", flen = strlen(field) + 1;

    memcpy(aad, "vault", n);
    memcpy(aad + n, field, flen);
    n += flen;
    fl_u64(aad, &n, (uint64_t)row);
    memcpy(aad + n, h, 32);
    return n + 32;
}

/* One gdpr_vault_put inside the caller's transaction: the blind index,
 * the subject found or made (*sid 0: not known yet), the value sealed,
 * its row and its audit row queued. */
static void
floor_put(floor_pg *f, const char *subject, int64_t *sid, const char *category, const char *value,
          size_t len)
{
    unsigned char h[32], aad[128], sealed[1 + 12 + 256 + 16];
    char id[24], s[24], at[24], field[64], ref[48];
    const char *vals[12] = {id, s,  category, "service", NULL, NULL,
                            at, at, NULL,     NULL,      "0",  (const char *)sealed};
    int lens[12] = {0};
    int64_t row;

    floor_blind(f, subject, h);
    if (*sid == 0) {
        const char *hv[1] = {(const char *)h};
        const int hl[1] = {32};
        PQclear(fl_read(f->c, "f_sid", "b", hv, hl)); /* not there yet */
        *sid = floor_subject(f, subject, h);
    }
    row = floor_next(f, "f_vid", &f->vid, &f->vids);
    snprintf(field, sizeof field, "value:%s", category);
    sealed[0] = 1;
    floor_seal(&f->fc, aad, floor_aad(aad, field, row, h), value, len, sealed + 1);
    snprintf(id, sizeof id, "%lld", (long long)row);
    snprintf(s, sizeof s, "%lld", (long long)*sid);
    snprintf(at, sizeof at, "%d", FL_NOW);
    lens[11] = (int)len + 29;
    pbound(f->c);
    psend(f->c, "f_vput", "tttttttttttb", vals, lens);
    snprintf(ref, sizeof ref, "record %lld", (long long)row);
    floor_audit(f, &agent, "vault.put", h, ref, s);
}

/* GCM open of a sealed value (version | nonce | ciphertext | tag); 1 when
 * the tag verifies. */
static int
floor_open(floor_pg *f, const unsigned char *aad, size_t aad_len, const unsigned char *sealed,
           int sealed_len, unsigned char *plain)
{
    unsigned char tag[16];
    int len = sealed_len - 29, n = 0;

    if (len < 0)
        return 0;
    memcpy(tag, sealed + 13 + len, 16);
    return EVP_DecryptInit_ex2(f->fc.aead, f->fc.gcm, f->fc.dek, sealed + 1, NULL) == 1 &&
           EVP_DecryptUpdate(f->fc.aead, NULL, &n, aad, (int)aad_len) == 1 &&
           EVP_DecryptUpdate(f->fc.aead, plain, &n, sealed + 13, len) == 1 &&
           EVP_CIPHER_CTX_ctrl(f->fc.aead, EVP_CTRL_AEAD_SET_TAG, 16, tag) == 1 &&
           EVP_DecryptFinal_ex(f->fc.aead, plain + len, &n) == 1;
}

/* gdpr_consent_check's work: the blind index, the generation read, the
 * state row, its row MAC recomputed and compared in constant time. `hash`
 * is the library's own blind index, so that the lookup finds the row. */
static void
floor_check(floor_pg *f, const char *subject, const unsigned char *hash, const char *purpose)
{
    static const char tag[] = "libgdpr consent state row 1";
    unsigned char h[32], mac[32], enc[sizeof tag + 32 + 8 + 64 + 8 * 6];
    const char *vals[3] = {(const char *)hash, purpose, ""};
    const int lens[3] = {32, 0, 0};
    size_t n = 0, plen = strlen(purpose);
    PGresult *r;

    floor_blind(f, subject, h);
    pread_clear(f->c, "f_gen", "", NULL, NULL);
    r = prun(f->c, "f_chk", "btt", vals, lens);
    if (PQntuples(r) != 1) {
        fprintf(stderr, "floor check found nothing\n");
        exit(1);
    }
    memcpy(enc, tag, sizeof tag);
    n = sizeof tag;
    memcpy(enc + n, hash, 32);
    n += 32;
    fl_u64(enc, &n, plen);
    memcpy(enc + n, purpose, plen);
    n += plen;
    fl_u64(enc, &n, 0); /* recipient '' */
    for (int c = 0; c < 5; c++)
        fl_u64(enc, &n, (uint64_t)col_i64(r, 0, c));
    floor_hmac(&f->fc, enc, n, NULL, 0, mac);
    /* Not the library's key: the compare fails after the same work. */
    if (CRYPTO_memcmp(mac, PQgetvalue(r, 0, 5), 32) == 0 && h[0] == 0 && h[1] == 0)
        fprintf(stderr, "floor check: unexpected MAC match\n");
    PQclear(r);
}

/* gdpr_vault_get's work: the generation read, the row, its kept-record
 * look, the subject's flags, the value opened (AES-256-GCM, tag check). */
static void
floor_get(floor_pg *f, int64_t record)
{
    char id[24];
    const char *vals[1] = {id};
    unsigned char aad[128], plain[512], h[32];
    const int hl[1] = {32};
    const char *hv[1] = {(const char *)h};
    PGresult *r;

    snprintf(id, sizeof id, "%lld", (long long)record);
    pread_clear(f->c, "f_gen", "", NULL, NULL);
    r = prun(f->c, "f_get", "t", vals, NULL);
    if (PQntuples(r) != 1 || PQgetlength(r, 0, 1) != 32) {
        fprintf(stderr, "floor get found nothing\n");
        exit(1);
    }
    prun_clear(f->c, "f_kept", "t", vals, NULL);
    memcpy(h, PQgetvalue(r, 0, 1), 32);
    prun_clear(f->c, "f_flags", "b", hv, hl);
    (void)floor_open(f, aad, floor_aad(aad, "value:contact", record, h),
                     (const unsigned char *)PQgetvalue(r, 0, 11), PQgetlength(r, 0, 11), plain);
    PQclear(r);
}

static int
discard(const void *buf, size_t len, void *ctx)
{
    (void)buf;
    *(size_t *)ctx += len;
    return 0;
}

/* The export document as it goes out: buffered, handed on in 64 KiB
 * pieces (the bench's sink discards them, as for the library). */
typedef struct {
    char buf[65536];
    size_t used, bytes;
} fl_out;

static void
fo_put(fl_out *o, const void *p, size_t n)
{
    const char *c = p;

    while (n > 0) {
        size_t part = sizeof o->buf - o->used < n ? sizeof o->buf - o->used : n;
        memcpy(o->buf + o->used, c, part);
        o->used += part;
        c += part;
        n -= part;
        if (o->used == sizeof o->buf) {
            (void)discard(o->buf, o->used, &o->bytes);
            o->used = 0;
        }
    }
}

#define FO_LIT(o, s) fo_put((o), (s), sizeof(s) - 1)

/* A JSON string: quote, backslash and C0 controls escaped (RFC 8259). */
static void
fo_quoted(fl_out *o, const char *s, size_t n)
{
    size_t start = 0;

    FO_LIT(o, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        fo_put(o, s + start, i - start);
        snprintf(esc, sizeof esc, "\\u%04x", c);
        fo_put(o, esc, 6);
        start = i + 1;
    }
    fo_put(o, s + start, n - start);
    FO_LIT(o, "\"");
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian), as
 * bench-export.c's floor: no gmtime_r, no strftime. */
static void
fl_civil(int64_t days, int64_t *y, int *m, int *d)
{
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;

    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* "YYYY-MM-DDTHH:MM:SSZ", quoted. */
static void
fo_time(fl_out *o, int64_t t)
{
    int64_t days = (t >= 0 ? t : t - 86399) / 86400, y;
    int64_t secs = t - days * 86400;
    int m, d;
    char b[22];

    fl_civil(days, &y, &m, &d);
    b[0] = '"';
    for (int i = 4; i >= 1; i--, y /= 10)
        b[i] = (char)('0' + y % 10);
    b[5] = '-';
    b[6] = (char)('0' + m / 10);
    b[7] = (char)('0' + m % 10);
    b[8] = '-';
    b[9] = (char)('0' + d / 10);
    b[10] = (char)('0' + d % 10);
    b[11] = 'T';
    b[12] = (char)('0' + secs / 36000);
    b[13] = (char)('0' + secs / 3600 % 10);
    b[14] = ':';
    b[15] = (char)('0' + secs % 3600 / 600);
    b[16] = (char)('0' + secs % 3600 / 60 % 10);
    b[17] = ':';
    b[18] = (char)('0' + secs % 60 / 10);
    b[19] = (char)('0' + secs % 10);
    b[20] = 'Z';
    b[21] = '"';
    fo_put(o, b, sizeof b);
}

static void
fo_int(fl_out *o, int64_t v)
{
    char d[24];

    fo_put(o, d, (size_t)snprintf(d, sizeof d, "%lld", (long long)v));
}

static void
fo_col(fl_out *o, const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        FO_LIT(o, "null");
    else
        fo_quoted(o, PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col));
}

/* Every page of a subject's rows (256 at a time, by id), as
 * gdpr_pg__rows_paged reads them; each page a round trip. */
static void
floor_pages(floor_pg *f, const char *stmt, const unsigned char *h, fl_out *o)
{
    char after[24], limit[] = "256";
    const char *vals[3] = {(const char *)h, after, limit};
    const int lens[3] = {32, 0, 0};
    int64_t last = INT64_MIN;
    int rows;

    do {
        PGresult *r;
        snprintf(after, sizeof after, "%lld", (long long)last);
        r = fl_read(f->c, stmt, "btt", vals, lens);
        rows = PQntuples(r);
        for (int i = 0; i < rows; i++) {
            unsigned char aad[128], plain[512];
            int64_t id = col_i64(r, i, 0);
            const unsigned char *sealed = (const unsigned char *)PQgetvalue(r, i, 11);
            int len = PQgetlength(r, i, 11) - 29;
            char field[64];

            last = id;
            if (o == NULL)
                continue;
            snprintf(field, sizeof field, "value:%s", PQgetvalue(r, i, 2));
            if (len < 0 || len > (int)sizeof plain ||
                !floor_open(f, aad, floor_aad(aad, field, id, h), sealed, len + 29, plain)) {
                fprintf(stderr, "floor: record %lld does not open\n", (long long)id);
                exit(1);
            }
            FO_LIT(o, ",\n    {\n      \"id\": ");
            fo_int(o, id);
            FO_LIT(o, ",\n      \"category\": ");
            fo_col(o, r, i, 2);
            FO_LIT(o, ",\n      \"special\": false,\n      \"purpose\": ");
            fo_col(o, r, i, 3);
            FO_LIT(o, ",\n      \"field\": ");
            fo_col(o, r, i, 4);
            FO_LIT(o, ",\n      \"collected_from\": ");
            fo_col(o, r, i, 5);
            FO_LIT(o, ",\n      \"collected\": ");
            fo_time(o, col_i64(r, i, 6));
            FO_LIT(o, ",\n      \"updated\": ");
            fo_time(o, col_i64(r, i, 7));
            FO_LIT(o, ",\n      \"retention\": {\n        \"rule\": \"usage-logs\",\n        "
                      "\"period\": \"P90D\",\n        \"anchor\": \"collected\",\n        "
                      "\"action\": \"erase\",\n        \"criteria\": \"policy\",\n        "
                      "\"due\": ");
            if (PQgetisnull(r, i, 9))
                FO_LIT(o, "null");
            else
                fo_time(o, col_i64(r, i, 9));
            FO_LIT(o, "\n      },\n      \"erasure_exemption\": null,\n      \"encoding\": "
                      "\"utf-8\",\n      \"value\": ");
            fo_quoted(o, (const char *)plain, (size_t)len);
            OPENSSL_cleanse(plain, (size_t)len);
            FO_LIT(o, "\n    }");
        }
        PQclear(r);
    } while (rows == 256);
}

static const char *const fl_recipients[] = {"mailer-eu", "acme-analytics", "cloudco-us",
                                            "support-in", "revenue"};

/* gdpr_export_subject(JSON)'s work, statement for statement: the subject
 * found, the write transaction, its identifiers, its records (each opened
 * and rendered), the hold look, the histories, each recipient's
 * safeguards, the audit event, the generation raised, COMMIT. */
static size_t
floor_export(floor_pg *f, const char *subject, int64_t sid)
{
    static fl_out o;
    unsigned char h[32];
    const char *hv[2] = {(const char *)h, NULL};
    const int hl[2] = {32, 0};
    char now[24], s[24], ref[64];

    o.used = o.bytes = 0;
    floor_blind(f, subject, h);
    pread_clear(f->c, "f_gen", "", NULL, NULL);
    pread_clear(f->c, "f_sid", "b", hv, hl);
    fl_exec(f->c, FL_BEGIN);
    FO_LIT(&o, "{\n  \"format\": \"libgdpr-export\",\n  \"identifiers\": [");
    floor_pages(f, "f_ident", h, NULL);
    FO_LIT(&o, "\n  ],\n  \"records\": [");
    floor_pages(f, "f_rows", h, &o);
    snprintf(now, sizeof now, "%d", FL_NOW);
    hv[1] = now;
    pread_clear(f->c, "f_holds", "bt", hv, hl);
    floor_pages(f, "f_consent", h, NULL);
    floor_pages(f, "f_signal", h, NULL);
    floor_pages(f, "f_discl", h, NULL);
    floor_pages(f, "f_xfer", h, NULL);
    floor_pages(f, "f_access", h, NULL);
    for (size_t i = 0; i < sizeof fl_recipients / sizeof fl_recipients[0]; i++) {
        const char *rv[1] = {fl_recipients[i]};
        pread_clear(f->c, "f_guard", "t", rv, NULL);
    }
    FO_LIT(&o, "\n  ]\n}\n");
    (void)discard(o.buf, o.used, &o.bytes);
    snprintf(ref, sizeof ref, "export json: 1000 records, 0 source items");
    snprintf(s, sizeof s, "%lld", (long long)sid);
    floor_audit(f, &dpo, "export.subject", h, ref, s);
    pread_clear(f->c, "f_bump", "", NULL, NULL);
    fl_exec(f->c, "COMMIT");
    return o.bytes;
}

/* gdpr_erase_subject's work, statement for statement: the checks before
 * the transaction; the first transaction (tombstone, the records and the
 * subject's rows gone, the key queued for destruction, audit event,
 * generation, COMMIT); the second (the key row destroyed, asynchronous
 * commit as the library's); VACUUM of the key table, then of the data
 * tables; the third (tombstones marked wiped). */
static void
floor_erase(floor_pg *f, const char *subject)
{
    static const char *const unlink[] = {"f_u1",  "f_u2", "f_u3", "f_u4",  "f_u5",  "f_u6",
                                         "f_u7",  "f_u8", "f_u9", "f_u10", "f_u11", "f_u12",
                                         "f_u13", "f_u8", "f_u5", "f_u6",  "f_u14", "f_u15"};
    unsigned char h[32];
    char now[24], tomb[24], erased[24], ref[80], ser[24];
    const char *hv[6] = {(const char *)h, "0", NULL, now, NULL, "0"};
    const int hl[6] = {32, 0, 0, 0, 0, 0};
    int64_t t, gone, kser;
    PGresult *r;

    snprintf(now, sizeof now, "%d", FL_NOW);
    floor_blind(f, subject, h);
    pread_clear(f->c, "f_gen", "", NULL, NULL);
    pread_clear(f->c, "f_shredq", "", NULL, NULL);
    pread_clear(f->c, "f_sid", "b", hv, hl);
    pread_clear(f->c, "f_hold1", "bttttt", hv, hl);
    fl_exec(f->c, FL_BEGIN);
    pread_clear(f->c, "f_open", "b", hv, hl);
    {
        const char *v[2] = {(const char *)h, now};
        pread_clear(f->c, "f_holds", "bt", v, hl);
    }
    pread_clear(f->c, "f_cats", "b", hv, hl);
    t = pread_int(f->c, "f_tid", "", NULL, NULL);
    snprintf(tomb, sizeof tomb, "%lld", (long long)t);
    {
        const char *v[13] = {"1",    (const char *)h,
                             now,    "Art. 17(1)(a)",
                             dpo.id, dpo.role,
                             "0",    "0",
                             "0",    "0",
                             "0",    "0",
                             tomb};
        const int l[13] = {0, 32};
        psend(f->c, "f_tput", "tbttttttttttt", v, l);
    }
    floor_pages(f, "f_discl", h, NULL);
    floor_pages(f, "f_xfer", h, NULL);
    gone = pread_int(f->c, "f_gone", "b", hv, hl);
    for (size_t i = 0; i < sizeof unlink / sizeof unlink[0]; i++)
        psend(f->c, unlink[i], "b", hv, hl);
    pread_clear(f->c, "f_kcount", "b", hv, hl);
    r = fl_read(f->c, "f_kserial", "b", hv, hl);
    kser = PQntuples(r) ? col_i64(r, 0, 0) : 0;
    PQclear(r);
    snprintf(ser, sizeof ser, "%lld", (long long)kser);
    {
        const char *v[4] = {(const char *)h, tomb, now, ser};
        const int l[4] = {32};
        psend(f->c, "f_queue", "bttt", v, l);
    }
    {
        const char *v[5] = {tomb, erased, "0", "1", "0"};
        pread_clear(f->c, "f_open", "b", hv, hl);
        psend(f->c, "f_done", "t", v, NULL);
        pread_clear(f->c, "f_open", "b", hv, hl);
        snprintf(erased, sizeof erased, "%lld", (long long)gone);
        psend(f->c, "f_tally", "ttttt", v, NULL);
    }
    snprintf(ref, sizeof ref, "tombstone %lld: %lld erased, 0 kept", (long long)t, (long long)gone);
    floor_audit(f, &dpo, "erase.subject", h, ref, NULL);
    pread_clear(f->c, "f_bump", "", NULL, NULL);
    fl_exec(f->c, "COMMIT");
    pread_clear(f->c, "f_shredq", "", NULL, NULL);

    fl_exec(f->c, "SET synchronous_commit = off");
    fl_exec(f->c, FL_BEGIN);
    r = fl_read(f->c, "f_qhead", "", NULL, NULL);
    if (PQntuples(r) != 1 || PQgetlength(r, 0, 0) != 32) {
        fprintf(stderr, "floor: nothing queued for destruction\n");
        exit(1);
    }
    PQclear(r);
    kser = pread_int(f->c, "f_qserial", "b", hv, hl);
    snprintf(ser, sizeof ser, "%lld", (long long)kser);
    {
        const char *v[2] = {(const char *)h, ser};
        const int l[2] = {32, 0};
        psend(f->c, "f_kshred", "bt", v, l);
    }
    psend(f->c, "f_epoch", "", NULL, NULL);
    psend(f->c, "f_qdel", "b", hv, hl);
    pread_clear(f->c, "f_qhead", "", NULL, NULL);
    pread_clear(f->c, "f_bump", "", NULL, NULL);
    fl_exec(f->c, "COMMIT");
    pread_clear(f->c, "f_vlock", "", NULL, NULL);
    fl_exec(f->c, "VACUUM gdpr_keys.subject_key");
    fl_exec(f->c, "SELECT pg_catalog.pg_advisory_unlock(1734632563)");
    fl_exec(f->c, "SET synchronous_commit = on");
    fl_exec(f->c, "SELECT pg_catalog.pg_advisory_lock(1734632563)");
    fl_exec(f->c, "VACUUM gdpr_keys.subject_key, gdpr_keys.meta, gdpr.subject, gdpr.identity,"
                  " gdpr.vault, gdpr.consent, gdpr.consent_state, gdpr.disclosure, gdpr.request,"
                  " gdpr.request_event, gdpr.retention_review, gdpr.erasure_pending,"
                  " gdpr.erasure_shred_queue, gdpr.access_log, gdpr.consent_signal,"
                  " gdpr.consent_conflict");
    fl_exec(f->c, "SELECT pg_catalog.pg_advisory_unlock(1734632563)");
    fl_exec(f->c, "SET synchronous_commit = off");
    fl_exec(f->c, FL_BEGIN);
    psend(f->c, "f_wiped", "", NULL, NULL);
    pread_clear(f->c, "f_bump", "", NULL, NULL);
    fl_exec(f->c, "COMMIT");
    fl_exec(f->c, "SET synchronous_commit = on");
}

/* ---- 1, 2: consent ---------------------------------------------------- */

static void
bench_consent(const char *lib_uri, PGconn *raw, long subjects, long n, long samples)
{
    gdpr_engine *eng = open_store(lib_uri, 1);
    unsigned char(*hashes)[32] = malloc((size_t)subjects * 32);
    double t0, lib_s, raw_s, *ls = malloc((size_t)samples * sizeof *ls),
                             *rs = malloc((size_t)samples * sizeof *rs),
                             *fs = malloc((size_t)samples * sizeof *fs);
    char subject[64];
    const long batch = 10000;
    floor_pg fr;

    if (hashes == NULL || ls == NULL || rs == NULL || fs == NULL)
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

    floor_pg_open(&fr, lib_uri); /* reads: the library's own rows */
    for (long i = 0; i < samples; i++) {
        int granted = 0;
        const char *vals[2] = {(const char *)hashes[i % subjects], "marketing"};
        int lens[2] = {32, 0};
        unsigned char lib_hash[32];
        char *hex = NULL;

        snprintf(subject, sizeof subject, "cust-%ld", (i * 7919) % subjects);
        check(gdpr_subject_hash(eng, subject, &hex), "subject hash");
        for (int b = 0; b < 32; b++)
            sscanf(hex + 2 * b, "%2hhx", &lib_hash[b]);
        gdpr_free(hex);
        t0 = bench_now();
        check(gdpr_consent_check(eng, subject, "marketing", GDPR_NOW, &granted), "check");
        ls[i] = bench_now() - t0;
        if (!granted)
            exit(1);
        t0 = bench_now();
        floor_check(&fr, subject, lib_hash, "marketing");
        fs[i] = bench_now() - t0;
        t0 = bench_now();
        PQclear(prun(raw, "chk", "bt", vals, lens));
        rs[i] = bench_now() - t0;
    }
    floor_pg_close(&fr);
    bench_report_latency("pg gdpr_consent_check median (loopback)",
                         bench_median(ls, (size_t)samples), "same-work floor (gen + row + 2 HMAC)",
                         bench_median(fs, (size_t)samples));
    bench_report_latency("pg gdpr_consent_check median (loopback)",
                         bench_median(ls, (size_t)samples), "naive: prepared point lookup",
                         bench_median(rs, (size_t)samples));
    free(fs);
    gdpr_close(eng);
    free(hashes);
    free(ls);
    free(rs);
}

/* ---- 3: vault ----------------------------------------------------------- */

static void
bench_vault(const char *lib_uri, PGconn *raw, long n, long single, long samples)
{
    gdpr_engine *eng;
    int64_t *ids = malloc((size_t)n * sizeof *ids), sids[500] = {0};
    double *ps = malloc((size_t)single * sizeof *ps), *pf = malloc((size_t)single * sizeof *pf);
    double t0, lib_s, raw_s, fl_s, *ls = malloc((size_t)samples * sizeof *ls),
                                   *rs = malloc((size_t)samples * sizeof *rs),
                                   *fs = malloc((size_t)samples * sizeof *fs);
    unsigned char subj[32], sealed[60 + 28];
    const char value[] = "Frieda Example, 1 Harbour Road, Dublin 2, +353 1 555 0100";
    char subject[64], floor_uri[600];
    const long batch = 1000;
    floor_pg fw, fr;

    if (ids == NULL || ls == NULL || rs == NULL || fs == NULL || ps == NULL || pf == NULL)
        exit(1);
    /* The floor writes into a copy of the library's store as it is now. */
    copy_db("gdpr_bench_lib", "gdpr_bench_floor", floor_uri, sizeof floor_uri);
    floor_pg_open(&fw, floor_uri);
    eng = open_store(lib_uri, 1);
    rnd(subj, sizeof subj);
    rnd(sealed, sizeof sealed);
    /* The library and its floor take turns, batch by batch, so that both
     * see the same load on a shared machine. */
    lib_s = fl_s = 0;
    for (long i = 0; i < n; i += batch) {
        t0 = bench_now();
        check(gdpr_begin(eng), "begin");
        for (long k = i; k < i + batch && k < n; k++) {
            snprintf(subject, sizeof subject, "v-%ld", k % 500);
            check(gdpr_vault_put(eng, &agent, subject, "contact", "service", value,
                                 sizeof value - 1, &ids[k]),
                  "vault put");
        }
        check(gdpr_commit(eng), "commit");
        lib_s += bench_now() - t0;
        t0 = bench_now();
        floor_begin(&fw);
        for (long k = i; k < i + batch && k < n; k++) {
            snprintf(subject, sizeof subject, "v-%ld", k % 500);
            floor_put(&fw, subject, &sids[k % 500], "contact", value, sizeof value - 1);
        }
        floor_commit(&fw);
        fl_s += bench_now() - t0;
    }
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
                      "same-work floor (batched 1k)", (double)n, fl_s);
    bench_report_rate("pg gdpr_vault_put (batched 1k)", (double)n, lib_s,
                      "naive: value + audit row (batched 1k)", (double)n, raw_s);

    /* Per call, the median: one slow commit (a checkpoint, another
     * process) weighs no more than any other. */
    for (long k = 0; k < single; k++) {
        int64_t id;
        snprintf(subject, sizeof subject, "v-%ld", k % 500);
        t0 = bench_now();
        check(gdpr_vault_put(eng, &agent, subject, "contact", "service", value, sizeof value - 1,
                             &id),
              "vault put");
        ps[k] = bench_now() - t0;
        t0 = bench_now();
        floor_begin(&fw);
        floor_put(&fw, subject, &sids[k % 500], "contact", value, sizeof value - 1);
        floor_commit(&fw);
        pf[k] = bench_now() - t0;
    }
    lib_s = bench_median(ps, (size_t)single) * (double)single;
    fl_s = bench_median(pf, (size_t)single) * (double)single;
    for (long k = 0; k < single; k++) {
        t0 = bench_now();
        raw_vault_put_tx(raw, subj, sealed, (int)sizeof sealed);
        ps[k] = bench_now() - t0;
    }
    raw_s = bench_median(ps, (size_t)single) * (double)single;
    floor_pg_close(&fw);
    bench_report_rate("pg gdpr_vault_put (one per txn, median)", (double)single, lib_s,
                      "same-work floor, own commit", (double)single, fl_s);
    bench_report_rate("pg gdpr_vault_put (one per txn, median)", (double)single, lib_s,
                      "naive: value + audit row, own commit", (double)single, raw_s);

    floor_pg_open(&fr, lib_uri); /* reads: the library's own rows */
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
        floor_get(&fr, ids[(i * 7919) % n]);
        fs[i] = bench_now() - t0;
        t0 = bench_now();
        PQclear(prun(raw, "vget", "t", vals, NULL));
        rs[i] = bench_now() - t0;
    }
    floor_pg_close(&fr);
    bench_report_latency("pg gdpr_vault_get median", bench_median(ls, (size_t)samples),
                         "same-work floor (4 reads + GCM open)", bench_median(fs, (size_t)samples));
    bench_report_latency("pg gdpr_vault_get median", bench_median(ls, (size_t)samples),
                         "naive: select by id", bench_median(rs, (size_t)samples));
    gdpr_close(eng);
    free(ps);
    free(pf);
    free(fs);
    free(ids);
    free(ls);
    free(rs);
}

/* ---- 4, 5: export and erasure of 1,000 records ---------------------------- */

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
    gdpr_engine *eng;
    double ex_l[8], ex_r[8], ex_f[8], er_l[8], er_r[8], er_f[8], t0;
    char subject[64], floor_uri[600];
    unsigned char hash[32];
    floor_pg fw;

    /* The floor works on a copy of the library's store as it is now. */
    copy_db("gdpr_bench_lib", "gdpr_bench_floor", floor_uri, sizeof floor_uri);
    floor_pg_open(&fw, floor_uri);
    eng = open_store(lib_uri, 1);
    for (int r = 0; r < runs; r++) {
        size_t bytes = 0;
        const char *vals[1] = {(const char *)hash};
        int lens[1] = {32};
        gdpr_erase_report rep;

        snprintf(subject, sizeof subject, "big-%d", r);
        rnd(hash, sizeof hash);
        fill_subject(eng, raw, subject, hash, records);
        {
            int64_t sid = 0;
            char value[80];
            floor_begin(&fw);
            for (long k = 0; k < records; k++) {
                snprintf(value, sizeof value,
                         "note %ld: called about the invoice, asked for a callback", k);
                floor_put(&fw, subject, &sid, "usage", value, strlen(value));
            }
            floor_commit(&fw);
            t0 = bench_now();
            (void)floor_export(&fw, subject, sid);
            ex_f[r] = bench_now() - t0;
        }

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
        t0 = bench_now();
        floor_erase(&fw, subject);
        er_f[r] = bench_now() - t0;
    }
    floor_pg_close(&fw);
    bench_report_latency("pg export of 1,000 records (JSON) median",
                         bench_median(ex_l, (size_t)runs), "same-work floor",
                         bench_median(ex_f, (size_t)runs));
    bench_report_latency("pg export of 1,000 records (JSON) median",
                         bench_median(ex_l, (size_t)runs), "naive: select of the 1,000 rows",
                         bench_median(ex_r, (size_t)runs));
    bench_report_latency("pg erasure of 1,000 records median", bench_median(er_l, (size_t)runs),
                         "same-work floor (3 commits, 2 VACUUM)", bench_median(er_f, (size_t)runs));
    bench_report_latency("pg erasure of 1,000 records median", bench_median(er_l, (size_t)runs),
                         "naive: delete rows+key, commit, VACUUM",
                         bench_median(er_r, (size_t)runs));
    gdpr_close(eng);
}

/* ---- 6: N engines writing at once ------------------------------------------ */

enum writer_kind { WRITER_LIB, WRITER_NAIVE, WRITER_FLOOR };

/* floor_begin, returning the generation the BEGIN's own row read under the
 * write lock (the library's pipelined BEGIN, lib/store/postgres/tx.c). */
static int64_t
floor_begin_locked(floor_pg *f)
{
    PGresult *r;
    int64_t g;

    pread_clear(f->c, "f_gen", "", NULL, NULL);
    psync(f->c);
    r = PQexec(f->c, FL_BEGIN);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        fprintf(stderr, "floor begin: %s", PQerrorMessage(f->c));
        exit(1);
    }
    g = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return g;
}

/* The same-work floor of one writer among several: per call the floor's
 * gdpr_vault_put in its own transaction, plus what the library's store
 * does when another writer committed since its own last commit (the
 * generation the BEGIN read is not the one it set): the audit tail and
 * the subject's id read again (lib/store/postgres/seq.c forgets both). */
static void
floor_writer(const char *uri, int p, long ops, double *lat)
{
    const char value[] = "a value written by one of several nodes at once";
    int64_t sids[50] = {0};
    char subject[64];
    floor_pg f;

    floor_pg_open(&f, uri);
    f.gen = -1;
    for (long i = 0; i < ops; i++) {
        unsigned char h[32];
        const char *hv[1] = {(const char *)h};
        const int hl[1] = {32};
        int64_t *sid = &sids[i % 50];
        double t0 = bench_now();

        snprintf(subject, sizeof subject, "node-%d-%ld", p, i % 50);
        if (floor_begin_locked(&f) != f.gen) {
            PGresult *r = fl_read(f.c, "f_tail", "", NULL, NULL);
            if (PQntuples(r) == 1 && PQgetlength(r, 0, 1) == 32) {
                f.seq = col_i64(r, 0, 0);
                memcpy(f.chain, PQgetvalue(r, 0, 1), 32);
            }
            PQclear(r);
            memset(sids, 0, sizeof sids);
        }
        if (*sid == 0) {
            PGresult *r;
            floor_blind(&f, subject, h);
            r = fl_read(f.c, "f_sid", "b", hv, hl);
            *sid = PQntuples(r) == 1 ? col_i64(r, 0, 0) : floor_subject(&f, subject, h);
            PQclear(r);
        }
        floor_put(&f, subject, sid, "contact", value, sizeof value - 1);
        floor_commit(&f);
        lat[i] = bench_now() - t0;
    }
    floor_pg_close(&f);
}

static int
cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Each child writes `ops` latencies (seconds, binary doubles) to its pipe. */
static void
writer_child(int fd, const char *uri, enum writer_kind kind, int p, long ops)
{
    const char value[] = "a value written by one of several nodes at once";
    double *lat = malloc((size_t)ops * sizeof *lat);
    char subject[64];
    unsigned char subj[32], sealed[76];

    if (lat == NULL)
        _exit(1);
    if (kind == WRITER_FLOOR) {
        floor_writer(uri, p, ops, lat);
    } else if (kind == WRITER_NAIVE) {
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
run_writers(const char *uri, enum writer_kind kind, int n, long ops, double *rate, double *p99)
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
            writer_child(fds[p][1], uri, kind, p, ops);
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
    char floor_uri[600];

    gdpr_close(eng);
    /* The floor's writers share a copy of the library's store as it is
     * now, as the engines share the store. */
    copy_db("gdpr_bench_lib", "gdpr_bench_floor_w", floor_uri, sizeof floor_uri);
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        double lr, lp, fr, fp, rr, rp;
        char name[80], floor_name[80], naive[80];
        run_writers(lib_uri, WRITER_LIB, ns[i], ops, &lr, &lp);
        run_writers(floor_uri, WRITER_FLOOR, ns[i], ops, &fr, &fp);
        run_writers(raw_uri, WRITER_NAIVE, ns[i], ops, &rr, &rp);
        snprintf(name, sizeof name, "pg %d engine(s) writing, vault_put/txn", ns[i]);
        snprintf(floor_name, sizeof floor_name, "same-work floor, %d writer(s), one lock", ns[i]);
        snprintf(naive, sizeof naive, "naive: %d libpq connection(s), no lock", ns[i]);
        bench_report_rate(name, lr, 1.0, floor_name, fr, 1.0);
        bench_report_rate(name, lr, 1.0, naive, rr, 1.0);
        snprintf(name, sizeof name, "pg %d engine(s) writing, p99 latency", ns[i]);
        bench_report_latency(name, lp, floor_name, fp);
        bench_report_latency(name, lp, naive, rp);
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
    bench_export_erase(lib_uri, raw, 1000, scale >= 0.5 ? 8 : 3);
    PQfinish(raw);
    bench_engines(lib_uri, raw_uri, (long)(300 * scale) + 10);
    return 0;
}
