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
#include <unistd.h>

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

/* --- the same-work floor of one erasure ---------------------------------- */

/* floor_erase_subject: what gdpr_erase_subject must do, by hand with raw
 * SQLite and OpenSSL on a byte copy of the library's two store files taken
 * just before the library's erasure of the same subject (bench_copy_store:
 * same schema, indexes, triggers, rows; WAL, synchronous=FULL,
 * secure_delete=ON), in the library's order (decisions 0003 and
 * docs/erasure.md):
 *  1. the blind index of the subject id (HMAC-SHA-256) and its row;
 *  2. one transaction over both files (BEGIN IMMEDIATE keystore, then
 *     data; the generation, the keystore's orphan check): whether an
 *     earlier erasure left a partial tombstone, whether a hold touches the
 *     subject, the distinct (purpose, category) of its records (the legal
 *     duties), the tombstone (its id from the counter), the recipients to
 *     tell (Art. 19: disclosures, transfers), the retention state of the
 *     records (one statement returning the reviews), the records, and
 *     every other table a subject has rows in (identifiers, consent
 *     events and state, disclosures, signals, conflicts, transfers,
 *     consultations; the request notes and identifiers, the audit rows'
 *     subject id, anchors, review justifications), the subject row; the
 *     key's serial and its queue row; the tombstone's counts; the audit
 *     event with its chained HMAC; generation raised; COMMIT keystore
 *     then data (synced);
 *  3. the key destroyed: keystore row deleted and key epoch raised,
 *     the queue row removed, COMMIT keystore (synced) then data (unsynced,
 *     as the library: a crash there is redone at the next open);
 *  4. both files checkpointed with TRUNCATE (the freed pages' old images
 *     leave the WAL);
 *  5. the tombstone marked wiped (unsynced, as the library).
 * Not in the floor: the library's re-reads of its key state under each
 * write lock (engine_begin's sync_tx) and its repeated partial-tombstone
 * looks. */

typedef struct {
    sqlite3 *db, *kdb;
    floor_crypto fc;
} erase_floor;

/* Prepared once per connection and kept, as the library keeps its
 * statements: (connection, SQL text) -> statement. */
#define EF_STMTS 64
static struct {
    sqlite3 *db;
    const char *sql;
    sqlite3_stmt *s;
} ef_cache[EF_STMTS];

static sqlite3_stmt *
ef_stmt(sqlite3 *db, const char *sql)
{
    size_t i;

    for (i = 0; i < EF_STMTS && ef_cache[i].s != NULL; i++)
        if (ef_cache[i].db == db && ef_cache[i].sql == sql)
            return ef_cache[i].s;
    if (i == EF_STMTS) {
        fprintf(stderr, "floor: statement cache full\n");
        exit(1);
    }
    check_sql(db, sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &ef_cache[i].s, NULL),
              sql);
    ef_cache[i].db = db;
    ef_cache[i].sql = sql;
    return ef_cache[i].s;
}

static void
ef_done(sqlite3_stmt *s)
{
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
}

/* Before a connection closes: its statements go. */
static void
ef_forget(sqlite3 *db)
{
    size_t i, j = 0;

    for (i = 0; i < EF_STMTS && ef_cache[i].s != NULL; i++) {
        if (ef_cache[i].db == db)
            sqlite3_finalize(ef_cache[i].s);
        else
            ef_cache[j++] = ef_cache[i];
    }
    for (; j < i; j++)
        memset(&ef_cache[j], 0, sizeof ef_cache[j]);
}

/* Steps s (hash bound to ?1 when it has parameters) to the end; returns
 * the first column of the first row, or 0. */
static int64_t
ef_run(sqlite3 *db, const char *sql, const unsigned char hash[32])
{
    sqlite3_stmt *s = ef_stmt(db, sql);
    int64_t first = 0;
    int rc, rows = 0;

    if (hash != NULL && sqlite3_bind_parameter_count(s) > 0)
        sqlite3_bind_blob(s, 1, hash, 32, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if (rows++ == 0)
            first = sqlite3_column_int64(s, 0);
    check_sql(db, rc, sql);
    ef_done(s);
    return first;
}

static void
ef_u64(unsigned char *e, size_t *n, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--)
        e[(*n)++] = (unsigned char)(v >> (8 * i));
}

static void
ef_text(unsigned char *e, size_t *n, const char *s)
{
    size_t len = strlen(s);

    ef_u64(e, n, len, 4);
    memcpy(e + *n, s, len);
    *n += len;
}

/* Inside the first transaction: one subject's rows, tombstone, queue row
 * and audit event (chained on *prev, *seq). Returns the rows erased. */
static int64_t
floor_erase_body(erase_floor *f, const unsigned char hash[32], int64_t tomb, int64_t *seq,
                 unsigned char prev[32], int64_t *serial_out)
{
    sqlite3 *db = f->db, *kdb = f->kdb;
    unsigned char mac[32], e[512];
    int64_t erased = 0;
    char ref[96];
    size_t n = 0;
    sqlite3_stmt *s;

    ef_run(db,
           "SELECT id FROM main.tombstone WHERE subject=?1 AND kind=1 AND complete=0"
           " ORDER BY id DESC LIMIT 1",
           hash);
    s = ef_stmt(db, "SELECT EXISTS(SELECT 1 FROM main.erasure_hold WHERE released_at = 0 AND"
                    " until > ?2 AND ((scope IN (1, 3) AND (subject = ?1 OR (scope = 3 AND"
                    " subject IS NULL))) OR (scope = 2 AND record IN (SELECT id FROM main.vault"
                    " WHERE subject_id = (SELECT id FROM main.subject WHERE hash=?1)))))");
    sqlite3_bind_blob(s, 1, hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, now);
    check_sql(db, sqlite3_step(s), "holds");
    if (sqlite3_column_int(s, 0) != 0) {
        fprintf(stderr, "floor: the bench sets no hold\n");
        exit(1);
    }
    ef_done(s);
    /* The distinct (purpose, category) pairs, counted in C as the library
     * does (a DISTINCT sorter costs more than the rows). */
    s = ef_stmt(db, "SELECT purpose, category FROM main.vault"
                    " WHERE subject_id=(SELECT id FROM main.subject WHERE hash=?1)");
    sqlite3_bind_blob(s, 1, hash, 32, SQLITE_STATIC);
    {
        char pairs[8][2][32];
        int npairs = 0, rc;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            const char *p = (const char *)sqlite3_column_text(s, 0);
            const char *c = (const char *)sqlite3_column_text(s, 1);
            int k;
            for (k = 0; k < npairs && (strcmp(pairs[k][0], p) != 0 || strcmp(pairs[k][1], c) != 0);
                 k++)
                ;
            if (k == npairs && npairs < 8) {
                snprintf(pairs[npairs][0], sizeof pairs[0][0], "%s", p);
                snprintf(pairs[npairs][1], sizeof pairs[0][1], "%s", c);
                npairs++;
            }
        }
        check_sql(db, rc, "pairs");
    }
    ef_done(s);
    s = ef_stmt(db, "INSERT INTO main.tombstone(kind, subject, at, ground, actor, role, erased,"
                    " retained, complete, wiped, imported, replayed, id)"
                    " VALUES(1, ?1, ?2, 'Art. 17(1)(a) bench', 'bench', 'dpo', 0, 0, 0, 0, 0, 0,"
                    " ?3)");
    sqlite3_bind_blob(s, 1, hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, now);
    sqlite3_bind_int64(s, 3, tomb);
    check_sql(db, sqlite3_step(s), "tombstone");
    ef_done(s);
    /* The recipients to tell: the library walks the subject's disclosure
     * and transfer rows, by its id (schema step 27). */
    ef_run(db,
           "SELECT id, at, recipient, purpose, ground, actor, recipient_sealed, consent_event,"
           " subject FROM main.disclosure WHERE subject_id=(SELECT id FROM main.subject"
           " WHERE hash=?1) ORDER BY id",
           hash);
    ef_run(db,
           "SELECT id, at, recipient, country, mechanism, reference, allowed, reason, subject"
           " FROM main.transfer WHERE subject_id=(SELECT id FROM main.subject WHERE hash=?1)"
           " ORDER BY id",
           hash);
    ef_run(db,
           "DELETE FROM main.retention_state WHERE record IN (SELECT id FROM main.vault"
           " WHERE subject_id = (SELECT id FROM main.subject WHERE hash=?1)) RETURNING review",
           hash);
    ef_run(db,
           "DELETE FROM main.vault WHERE subject_id=(SELECT id FROM main.subject WHERE hash=?1)",
           hash);
    erased = sqlite3_changes(db);
    ef_run(db,
           "DELETE FROM main.identity WHERE subject_id=(SELECT id FROM main.subject WHERE hash=?1)",
           hash);
    erased += sqlite3_changes(db);
    {
        static const char *const rest[] = {
            "DELETE FROM main.consent WHERE subject_id=(SELECT id FROM main.subject WHERE hash=?1)",
            "DELETE FROM main.consent_state WHERE subject_id=(SELECT id FROM main.subject"
            " WHERE hash=?1)",
            "DELETE FROM main.disclosure WHERE subject_id=(SELECT id FROM main.subject"
            " WHERE hash=?1)",
            "DELETE FROM main.consent_signal WHERE subject_id=(SELECT id FROM main.subject"
            " WHERE hash=?1)",
            "DELETE FROM main.consent_conflict WHERE subject_id=(SELECT id FROM main.subject"
            " WHERE hash=?1)",
            "DELETE FROM main.transfer WHERE subject_id=(SELECT id FROM main.subject WHERE "
            "hash=?1)",
            "DELETE FROM main.access_log WHERE subject_id=(SELECT id FROM main.subject"
            " WHERE hash=?1)",
            "UPDATE main.request_event SET note = NULL WHERE note IS NOT NULL AND request IN"
            " (SELECT id FROM main.request WHERE subject_id=(SELECT id FROM main.subject"
            " WHERE hash=?1))",
            "UPDATE main.request SET ident_value = NULL, ident_hash = NULL WHERE subject_id="
            "(SELECT id FROM main.subject WHERE hash=?1) AND (ident_value IS NOT NULL OR"
            " ident_hash IS NOT NULL)",
            /* subject_delete (lib/store/sqlite/erasure.c): rows naming
             * the subject by id are unlinked or go before its row. */
            "UPDATE main.audit SET subject_id = NULL WHERE subject_id = (SELECT id FROM"
            " main.subject WHERE hash=?1)",
            "DELETE FROM main.retention_anchor WHERE subject_id = (SELECT id FROM main.subject"
            " WHERE hash=?1)",
            "UPDATE main.request SET subject_id = NULL WHERE subject_id=(SELECT id FROM"
            " main.subject WHERE hash=?1)",
            "DELETE FROM main.access_log WHERE subject_id=(SELECT id FROM main.subject"
            " WHERE hash=?1)",
            "DELETE FROM main.consent_signal WHERE subject_id=(SELECT id FROM main.subject"
            " WHERE hash=?1)",
            "DELETE FROM main.consent_conflict WHERE subject_id=(SELECT id FROM main.subject"
            " WHERE hash=?1)",
            "DELETE FROM main.subject WHERE hash=?1",
            "UPDATE main.retention_review SET justification = NULL WHERE subject = ?1 AND"
            " justification IS NOT NULL",
        };
        for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++)
            ef_run(db, rest[i], hash);
    }
    *serial_out = ef_run(kdb, "SELECT serial FROM main.subject_key WHERE hash=?1", hash);
    s = ef_stmt(db,
                "INSERT INTO main.erasure_shred_queue(hash, tombstone, queued, key_serial)"
                " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(hash) DO UPDATE SET"
                " tombstone = excluded.tombstone, queued = excluded.queued,"
                " key_serial = excluded.key_serial WHERE key_serial IS NOT excluded.key_serial");
    sqlite3_bind_blob(s, 1, hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, tomb);
    sqlite3_bind_int64(s, 3, now);
    sqlite3_bind_int64(s, 4, *serial_out);
    check_sql(db, sqlite3_step(s), "queue");
    ef_done(s);
    s = ef_stmt(db, "UPDATE main.tombstone SET erased = ?2, complete = 1 WHERE id=?1");
    sqlite3_bind_int64(s, 1, tomb);
    sqlite3_bind_int64(s, 2, erased);
    check_sql(db, sqlite3_step(s), "tombstone counts");
    ef_done(s);
    /* The audit event, chained (lib/core/audit.c's encoding). */
    snprintf(ref, sizeof ref, "tombstone %lld: %lld erased, 0 kept", (long long)tomb,
             (long long)erased);
    memcpy(e, "libgdpr audit 1", 16);
    n = 16;
    ef_u64(e, &n, (uint64_t)*seq + 1, 8);
    ef_u64(e, &n, (uint64_t)now, 8);
    ef_text(e, &n, dpo.id);
    ef_text(e, &n, dpo.role);
    ef_text(e, &n, "erase.subject");
    e[n++] = 1;
    memcpy(e + n, hash, 32);
    n += 32;
    ef_u64(e, &n, 0, 4);
    ef_text(e, &n, ref);
    memcpy(e + n, prev, 32);
    n += 32;
    floor_hmac(&f->fc, e, n, NULL, 0, mac);
    /* The library's statement; it knows no id (the subject row is gone),
     * so the id is looked up and not found. */
    s = ef_stmt(db, "INSERT INTO main.audit(seq, at, actor, role, action, subject, outcome, ref,"
                    " mac, subject_id) VALUES(?1, ?2, 'bench', 'dpo', 'erase.subject', ?3, 0, ?4,"
                    " ?5, coalesce(NULL, (SELECT id FROM main.subject WHERE hash=?3)))");
    sqlite3_bind_int64(s, 1, ++*seq);
    sqlite3_bind_int64(s, 2, now);
    sqlite3_bind_blob(s, 3, hash, 32, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, ref, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 5, mac, 32, SQLITE_STATIC);
    check_sql(db, sqlite3_step(s), "audit");
    ef_done(s);
    memcpy(prev, mac, 32);
    return erased;
}

/* The erasure of n subjects in one call (n = 1: gdpr_erase_subject).
 * Returns the rows erased. */
static __attribute__((noinline)) int64_t
floor_erase(erase_floor *f, long n, const char *const *names, const unsigned char (*hashes)[32])
{
    sqlite3 *db = f->db, *kdb = f->kdb;
    int64_t *serial = malloc((size_t)n * sizeof *serial);
    int64_t tomb, seq = 0, erased = 0;
    unsigned char prev[32] = {0}, mac[32];
    sqlite3_stmt *s;

    /* 1. Blind index and subject row of each, before the write lock. */
    for (long i = 0; i < n; i++) {
        floor_hmac(&f->fc, "subject", 7, names[i], strlen(names[i]), mac);
        if (ef_run(db, "SELECT id FROM main.subject WHERE hash=?1", hashes[i]) == 0) {
            fprintf(stderr, "floor: subject not in the copy\n");
            exit(1);
        }
    }
    /* 2. The erasure, durable before any key goes. */
    ef_run(kdb, "BEGIN IMMEDIATE", NULL);
    ef_run(db, "BEGIN IMMEDIATE", NULL);
    s = ef_stmt(kdb, "SELECT hash FROM main.subject_key WHERE gen > ?1 ORDER BY gen LIMIT 256");
    sqlite3_bind_int64(s, 1,
                       ef_run(db, "SELECT value FROM main.counter WHERE name='generation'", NULL));
    check_sql(kdb, sqlite3_step(s), "orphans");
    ef_done(s);
    tomb = ef_run(db, "SELECT value FROM main.counter WHERE name='tombstone'", NULL);
    s = ef_stmt(db, "SELECT seq, mac FROM main.audit ORDER BY seq DESC LIMIT 1");
    if (sqlite3_step(s) == SQLITE_ROW) {
        seq = sqlite3_column_int64(s, 0);
        if (sqlite3_column_bytes(s, 1) == 32)
            memcpy(prev, sqlite3_column_blob(s, 1), 32);
    }
    ef_done(s);
    for (long i = 0; i < n; i++)
        erased += floor_erase_body(f, hashes[i], ++tomb, &seq, prev, &serial[i]);
    s = ef_stmt(db, "UPDATE main.counter SET value = ?1 WHERE name = 'tombstone'");
    sqlite3_bind_int64(s, 1, tomb);
    check_sql(db, sqlite3_step(s), "tombstone id");
    ef_done(s);
    ef_run(db,
           "UPDATE main.counter SET value = value + 1 WHERE name = 'generation'"
           " RETURNING value",
           NULL);
    ef_run(kdb, "COMMIT", NULL);
    ef_run(db, "COMMIT", NULL);
    /* 3. The keys destroyed; the queue rows' removal unsynced. */
    ef_run(db, "PRAGMA synchronous=NORMAL", NULL);
    ef_run(kdb, "BEGIN IMMEDIATE", NULL);
    ef_run(db, "BEGIN IMMEDIATE", NULL);
    for (long i = 0; i < n; i++) {
        s = ef_stmt(kdb, "DELETE FROM main.subject_key WHERE hash = ?1 AND serial IS ?2");
        sqlite3_bind_blob(s, 1, hashes[i], 32, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, serial[i]);
        check_sql(kdb, sqlite3_step(s), "key");
        ef_done(s);
        ef_run(kdb,
               "UPDATE main.counter SET value = value + 1 WHERE name = 'key_epoch'"
               " RETURNING value",
               NULL);
        ef_run(db, "DELETE FROM main.erasure_shred_queue WHERE hash=?1", hashes[i]);
    }
    ef_run(db,
           "UPDATE main.counter SET value = value + 1 WHERE name = 'generation'"
           " RETURNING value",
           NULL);
    ef_run(kdb, "COMMIT", NULL);
    ef_run(db, "COMMIT", NULL);
    ef_run(db, "PRAGMA synchronous=FULL", NULL);
    /* 4. The scrub. */
    check_sql(db, sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL),
              "checkpoint");
    check_sql(kdb, sqlite3_wal_checkpoint_v2(kdb, "main", SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL),
              "key checkpoint");
    /* 5. The wiped marks, unsynced. */
    ef_run(db, "PRAGMA synchronous=NORMAL", NULL);
    ef_run(db, "BEGIN IMMEDIATE", NULL);
    ef_run(db, "UPDATE main.tombstone SET wiped=1 WHERE wiped=0", NULL);
    ef_run(db, "COMMIT", NULL);
    ef_run(db, "PRAGMA synchronous=FULL", NULL);
    free(serial);
    return erased;
}

/* The floor's store: a copy of the library's two files taken once the
 * population is built, kept open (its statements and page cache warm, as
 * the library's connections are). */
static void
erase_floor_open(erase_floor *f, const char *path)
{
    char to[600], keys_from[600], keys_to[700];

    snprintf(to, sizeof to, "%s/floor.db", bench_tmpdir());
    snprintf(keys_from, sizeof keys_from, "%s-keys", path);
    snprintf(keys_to, sizeof keys_to, "%s-keys", to);
    f->db = bench_copy_store(path, to);
    f->kdb = bench_copy_store(keys_from, keys_to);
    sqlite3_busy_timeout(f->db, 5000);
    sqlite3_busy_timeout(f->kdb, 5000);
    floor_crypto_init(&f->fc);
}

static void
erase_floor_close(erase_floor *f)
{
    ef_forget(f->db);
    ef_forget(f->kdb);
    sqlite3_close(f->db);
    sqlite3_close(f->kdb);
    floor_crypto_free(&f->fc);
}

/* The subject the library has just stored, copied row for row into the
 * floor's store (subject, records, the puts' audit rows renumbered after
 * the floor's own chain, the wrapped key), then both files checkpointed
 * so the floor too starts from a clean WAL. */
static void
erase_floor_import(erase_floor *f, const char *path, unsigned char hash[32])
{
    char sql[700];
    sqlite3_stmt *s = NULL;
    int64_t top;

    snprintf(sql, sizeof sql, "ATTACH '%s' AS lib", path);
    check_sql(f->db, sqlite3_exec(f->db, sql, NULL, NULL, NULL), "attach");
    snprintf(sql, sizeof sql, "ATTACH '%s-keys' AS lib", path);
    check_sql(f->kdb, sqlite3_exec(f->kdb, sql, NULL, NULL, NULL), "attach keys");
    check_sql(f->db,
              sqlite3_prepare_v2(f->db, "SELECT hash FROM lib.subject ORDER BY id DESC LIMIT 1", -1,
                                 &s, NULL),
              "newest subject");
    if (sqlite3_step(s) != SQLITE_ROW || sqlite3_column_bytes(s, 0) != 32) {
        fprintf(stderr, "floor: no subject in the library's store\n");
        exit(1);
    }
    memcpy(hash, sqlite3_column_blob(s, 0), 32);
    sqlite3_finalize(s);
    top = ef_run(f->db, "SELECT max(seq) FROM main.audit", NULL);
    check_sql(f->db, sqlite3_exec(f->db, "BEGIN", NULL, NULL, NULL), "begin");
    snprintf(sql, sizeof sql,
             "INSERT INTO main.subject SELECT * FROM lib.subject WHERE hash = ?1;"
             " INSERT INTO main.vault SELECT * FROM lib.vault WHERE subject_id ="
             " (SELECT id FROM lib.subject WHERE hash = ?1);"
             " INSERT INTO main.audit(seq, at, actor, role, action, subject, outcome, ref, mac,"
             " subject_id) SELECT %lld + row_number() OVER (ORDER BY seq), at, actor, role, action,"
             " subject, outcome, ref, mac, subject_id FROM lib.audit WHERE subject_id ="
             " (SELECT id FROM lib.subject WHERE hash = ?1)",
             (long long)top);
    {
        const char *tail = sql;
        while (tail != NULL && *tail != '\0') {
            check_sql(f->db, sqlite3_prepare_v2(f->db, tail, -1, &s, &tail), "import");
            if (s == NULL)
                break;
            sqlite3_bind_blob(s, 1, hash, 32, SQLITE_STATIC);
            check_sql(f->db, sqlite3_step(s), "import");
            sqlite3_finalize(s);
        }
    }
    check_sql(f->db, sqlite3_exec(f->db, "COMMIT; DETACH lib", NULL, NULL, NULL), "commit");
    check_sql(f->kdb,
              sqlite3_prepare_v2(f->kdb,
                                 "INSERT INTO main.subject_key SELECT * FROM lib.subject_key"
                                 " WHERE hash = ?1",
                                 -1, &s, NULL),
              "import key");
    sqlite3_bind_blob(s, 1, hash, 32, SQLITE_STATIC);
    check_sql(f->kdb, sqlite3_step(s), "import key");
    sqlite3_finalize(s);
    check_sql(f->kdb, sqlite3_exec(f->kdb, "DETACH lib", NULL, NULL, NULL), "detach");
    check_sql(f->db,
              sqlite3_wal_checkpoint_v2(f->db, "main", SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL),
              "checkpoint");
    check_sql(f->kdb,
              sqlite3_wal_checkpoint_v2(f->kdb, "main", SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL),
              "checkpoint keys");
}

static void
bench_one_subject(long population, int records)
{
    char path[512], raw_data[512], raw_keys[512];
    double ours[SAMPLES], raw[SAMPLES], fl[SAMPLES];
    erase_floor fl_store;
    gdpr_engine *eng;
    sqlite3 *data, *keys;
    double t0;

    snprintf(path, sizeof path, "%s/population.db", bench_tmpdir());
    eng = open_store(path, 1);
    t0 = bench_now();
    put_many(eng, "customer", population, 1, 0);
    printf("  (store of %ld subjects built in %.1f s)\n", population, bench_now() - t0);
    check(gdpr_vault_checkpoint(eng), "checkpoint");
    erase_floor_open(&fl_store, path);

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
        {
            unsigned char fhash[32];
            const char *names[1] = {big};
            erase_floor_import(&fl_store, path, fhash);
            t0 = bench_now();
            if (floor_erase(&fl_store, 1, names, (const unsigned char(*)[32])fhash) != records) {
                fprintf(stderr, "floor: erased other than %d records\n", records);
                exit(1);
            }
            fl[s] = bench_now() - t0;
        }
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
                             "floor: same rows, crypto, commits, scrub", bench_median(fl, SAMPLES));
        bench_report_latency(name, bench_median(ours, SAMPLES),
                             "naive: own schema, 3 commits, 2 checkpoints",
                             bench_median(raw, SAMPLES));
    }
    gdpr_close(eng);
    erase_floor_close(&fl_store);
    sqlite3_close(data);
    sqlite3_close(keys);
}

/* --- 2. 10,000 subjects in one call ------------------------------------------ */

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

static void
bench_many(long n)
{
    char path[512], keys_path[600], copy[512], copy_keys[600];
    const char **ids = malloc((size_t)n * sizeof *ids);
    char *names = malloc((size_t)n * 32);
    gdpr_erase_report r;
    gdpr_engine *eng;
    erase_floor f;
    hash_list l;
    double t0, ours, fl;
    int64_t erased;

    snprintf(path, sizeof path, "%s/many.db", bench_tmpdir());
    snprintf(keys_path, sizeof keys_path, "%s-keys", path);
    snprintf(copy, sizeof copy, "%s/many-floor.db", bench_tmpdir());
    snprintf(copy_keys, sizeof copy_keys, "%s-keys", copy);
    eng = open_store(path, 1);
    put_many(eng, "member", n, 3, 1);
    gdpr_close(eng); /* checkpoints: the files alone hold the store */
    f.db = bench_copy_store(path, copy);
    f.kdb = bench_copy_store(keys_path, copy_keys);
    sqlite3_busy_timeout(f.db, 5000);
    sqlite3_busy_timeout(f.kdb, 5000);
    floor_crypto_init(&f.fc);

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

    read_hashes(f.db, &l, n);
    t0 = bench_now();
    erased = floor_erase(&f, l.n, ids, (const unsigned char(*)[32])l.hashes);
    fl = bench_now() - t0;
    if (l.n != n || erased != 4 * n) {
        fprintf(stderr, "floor erased %lld rows of %ld subjects, expected %ld\n", (long long)erased,
                l.n, 4 * n);
        exit(1);
    }
    {
        char name[96];
        snprintf(name, sizeof name, "erase %ld subjects in one call (subjects)", n);
        bench_report_rate(name, (double)n, ours, "floor: same rows, crypto, commits", (double)l.n,
                          fl);
    }
    free(l.hashes);
    erase_floor_close(&f);
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
