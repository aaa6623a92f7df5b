/*
 * Vault benchmarks, each beside a baseline measured in the same run:
 *   1. gdpr_vault_put batched (10,000 per gdpr_begin/gdpr_commit) on
 *      existing subjects, 48-byte values, vs raw SQLite inserting the same
 *      row (ids allocated the same way) with the value sealed by bare
 *      OpenSSL AES-256-GCM (EVP, one reused context);
 *   2. gdpr_vault_get median latency vs a raw SELECT + EVP decrypt;
 *   3. gdpr_subject_find_id median latency vs a raw SELECT on the blind index.
 *
 *   build/tests/bench/bench-vault        (GDPR_BENCH_SCALE=0.01 for a quick run)
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include "bench.h"
#include "engine.h"
#include "gdpr.h"

#define BATCH 10000L
#define VALUE_LEN 48

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

static int64_t
fixed_clock(void *ctx)
{
    (void)ctx;
    return 1767225600;
}

static gdpr_engine *
open_store(const char *name)
{
    gdpr_options opts = GDPR_OPTIONS_INIT;
    gdpr_engine *eng = NULL;
    char path[512];

    snprintf(path, sizeof path, "%s/%s.db", bench_tmpdir(), name);
    opts.path = path;
    opts.key = key;
    opts.key_len = sizeof key;
    opts.clock = fixed_clock;
    check(gdpr_open(&eng, &opts), "gdpr_open");
    check(gdpr_policy_load(eng, &dpo, TEST_SOURCE_ROOT "/examples/policy.json"), "policy");
    return eng;
}

static void
subject_id(long k, char *buf, size_t cap)
{
    snprintf(buf, cap, "customer-%08ld", k);
}

static void
value_for(long i, char out[VALUE_LEN])
{
    char text[VALUE_LEN + 1];
    int n = snprintf(text, sizeof text, "note %010ld: called about the invoice", i);

    /* Text, no NUL: padded with dots to the full length. */
    memset(out, '.', VALUE_LEN);
    memcpy(out, text, n > VALUE_LEN ? VALUE_LEN : (size_t)n);
}

/* --- 1. put -------------------------------------------------------------- */

static uint8_t (*put_hashes)[CRYPTO_HASH_BYTES];

static void
make_subjects(gdpr_engine *eng, long subjects)
{
    char subject[32];
    int created = 0;

    put_hashes = malloc((size_t)subjects * CRYPTO_HASH_BYTES);
    if (put_hashes == NULL)
        exit(1);
    check(gdpr_begin(eng), "begin");
    for (long k = 0; k < subjects; k++) {
        subject_id(k, subject, sizeof subject);
        check(gdpr_subject_ensure(eng, &agent, subject, &created), "ensure");
        check(gdpr_engine__subject_hash(eng, subject, put_hashes[k]), "hash");
    }
    check(gdpr_commit(eng), "commit");
}

/* Out of line, as floor_puts, so callgrind can collect each alone. */
static __attribute__((noinline)) double
our_puts(gdpr_engine *eng, long n, long subjects)
{
    char subject[32], value[VALUE_LEN];
    double t0;
    int created = 0;

    (void)created;
    t0 = bench_now();
    for (long i = 0; i < n; i += BATCH) {
        check(gdpr_begin(eng), "begin");
        for (long j = i; j < i + BATCH && j < n; j++) {
            subject_id(j % subjects, subject, sizeof subject);
            value_for(j, value);
            check(gdpr_vault_put(eng, &agent, subject, "usage", "service", value, VALUE_LEN, NULL),
                  "gdpr_vault_put");
        }
        check(gdpr_commit(eng), "commit");
    }
    return bench_now() - t0;
}

static const char raw_schema[] =
    "CREATE TABLE vault(id INTEGER PRIMARY KEY, subject BLOB NOT NULL, category TEXT NOT NULL,"
    " purpose TEXT NOT NULL, collected INTEGER NOT NULL, value BLOB NOT NULL);"
    "CREATE INDEX vault_subject ON vault(subject, id);";

static double
raw_puts(long n, long subjects)
{
    char path[512];
    sqlite3 *db = NULL;
    sqlite3_stmt *ins = NULL, *next = NULL;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    EVP_CIPHER *gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    unsigned char dek[32], nonce[12], sealed[VALUE_LEN + 16], subject[32];
    char value[VALUE_LEN];
    double t0;
    int outl = 0;

    snprintf(path, sizeof path, "%s/raw-vault.db", bench_tmpdir());
    sql_ok(sqlite3_open(path, &db), db, "open raw");
    sql_ok(sqlite3_exec(db,
                        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                        "PRAGMA secure_delete=ON",
                        NULL, NULL, NULL),
           db, "pragmas");
    sql_ok(sqlite3_exec(db, raw_schema, NULL, NULL, NULL), db, "schema");
    sql_ok(sqlite3_prepare_v2(db, "INSERT INTO vault VALUES(?1, ?2, 'usage', 'service', ?3, ?4)",
                              -1, &ins, NULL),
           db, "prepare");
    sql_ok(sqlite3_prepare_v2(db, "SELECT coalesce(max(id), 0) + 1 FROM vault", -1, &next, NULL),
           db, "prepare");
    RAND_bytes(dek, sizeof dek);
    t0 = bench_now();
    for (long i = 0; i < n; i += BATCH) {
        sql_ok(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), db, "begin");
        for (long j = i; j < i + BATCH && j < n; j++) {
            int64_t id;
            memset(subject, 0, sizeof subject);
            memcpy(subject, &(long){j % subjects}, sizeof(long));
            value_for(j, value);
            sqlite3_step(next);
            id = sqlite3_column_int64(next, 0);
            sqlite3_reset(next);
            RAND_bytes(nonce, sizeof nonce);
            EVP_EncryptInit_ex2(ctx, gcm, dek, nonce, NULL);
            EVP_EncryptUpdate(ctx, NULL, &outl, (unsigned char *)&id, sizeof id);
            EVP_EncryptUpdate(ctx, sealed, &outl, (unsigned char *)value, VALUE_LEN);
            EVP_EncryptFinal_ex(ctx, sealed + outl, &outl);
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, sealed + VALUE_LEN);
            sqlite3_bind_int64(ins, 1, id);
            sqlite3_bind_blob(ins, 2, subject, sizeof subject, SQLITE_STATIC);
            sqlite3_bind_int64(ins, 3, 1767225600);
            sqlite3_bind_blob(ins, 4, sealed, sizeof sealed, SQLITE_STATIC);
            sql_ok(sqlite3_step(ins), db, "insert");
            sqlite3_reset(ins);
        }
        sql_ok(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), db, "commit");
    }
    t0 = bench_now() - t0;
    sqlite3_finalize(ins);
    sqlite3_finalize(next);
    sqlite3_close(db);
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(gcm);
    return t0;
}

/* The same-work floor of gdpr_vault_put, written by hand on a copy of the
 * library's store taken after the subjects were made (same schema,
 * indexes, triggers): per put the blind index (HMAC-SHA-256 of the subject
 * id), the subject's row looked up, its retention anchors read by its
 * integer id (the due time), the value sealed with AES-256-GCM under a
 * data key kept in memory, the vault row with the library's columns (the
 * subject by id, schema step 27), and the audit row with its chained
 * HMAC-SHA-256 (hash and id, step 26); per transaction the audit tail and the id
 * counter read and written back, the generation raised; 10,000 per
 * durable commit. */
static __attribute__((noinline)) double
floor_puts(const char *copy_of, long n, long subjects)
{
    char to[512];
    sqlite3 *db;
    sqlite3_stmt *sub = NULL, *anc = NULL, *ins = NULL, *au = NULL, *ids = NULL;
    unsigned char mac[32], chain[32], sealed[12 + VALUE_LEN + 16];
    char value[VALUE_LEN];
    floor_crypto fc;
    int64_t seq = 0, next = 0;
    double t0;

    snprintf(to, sizeof to, "%s/floor-vault.db", bench_tmpdir());
    db = bench_copy_store(copy_of, to);
    floor_crypto_init(&fc);
    sql_ok(sqlite3_prepare_v2(db, "SELECT id FROM main.subject WHERE hash=?1", -1, &sub, NULL), db,
           "prepare");
    sql_ok(sqlite3_prepare_v2(db,
                              "SELECT kind, purpose, at FROM main.retention_anchor"
                              " WHERE subject_id=?1",
                              -1, &anc, NULL),
           db, "prepare anchors");
    sql_ok(sqlite3_prepare_v2(db,
                              "INSERT INTO main.vault(id, subject_id, category, purpose, field,"
                              " source, collected, updated, anchor, due, special, value)"
                              " VALUES(?1, ?2, 'usage', 'service', NULL, NULL, 1767225600,"
                              " 1767225600, NULL, ?3, 0, ?4)",
                              -1, &ins, NULL),
           db, "prepare insert");
    sql_ok(sqlite3_prepare_v2(db,
                              "INSERT INTO main.audit(seq, at, actor, role, action, subject,"
                              " outcome, ref, mac, subject_id) VALUES(?1, 1767225600, 'bench',"
                              " 'agent', 'vault.put', ?2, 0, ?3, ?4, ?5)",
                              -1, &au, NULL),
           db, "prepare audit");
    sql_ok(sqlite3_prepare_v2(db,
                              "SELECT (SELECT coalesce(max(seq), 0) FROM main.audit),"
                              " (SELECT value FROM main.counter WHERE name='vault')",
                              -1, &ids, NULL),
           db, "prepare ids");
    memset(chain, 0x17, sizeof chain);
    t0 = bench_now();
    for (long i = 0; i < n; i += BATCH) {
        char sql[200];
        sql_ok(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), db, "begin");
        sql_ok(sqlite3_step(ids), db, "ids");
        seq = sqlite3_column_int64(ids, 0);
        next = sqlite3_column_int64(ids, 1);
        sqlite3_reset(ids);
        for (long j = i; j < i + BATCH && j < n; j++) {
            char subject[32], ref[48];
            const uint8_t *h = put_hashes[j % subjects];
            int64_t id = ++next, sid;
            unsigned char aad[64];
            subject_id(j % subjects, subject, sizeof subject);
            value_for(j, value);
            floor_hmac(&fc, "subject", 7, subject, strlen(subject), mac);
            sqlite3_bind_blob(sub, 1, h, 32, SQLITE_STATIC);
            if (sqlite3_step(sub) != SQLITE_ROW) {
                fprintf(stderr, "floor: subject not found\n");
                exit(1);
            }
            sid = sqlite3_column_int64(sub, 0);
            sqlite3_reset(sub);
            sqlite3_bind_int64(anc, 1, sid);
            while (sqlite3_step(anc) == SQLITE_ROW)
                ;
            sqlite3_reset(anc);
            memcpy(aad, h, 32);
            memcpy(aad + 32, &id, sizeof id);
            memcpy(aad + 40, "vault/usage", 11);
            floor_seal(&fc, aad, 51, value, VALUE_LEN, sealed);
            sqlite3_bind_int64(ins, 1, id);
            sqlite3_bind_int64(ins, 2, sid);
            sqlite3_bind_int64(ins, 3, 1767225600 + 400 * 86400);
            sqlite3_bind_blob(ins, 4, sealed, sizeof sealed, SQLITE_STATIC);
            sql_ok(sqlite3_step(ins), db, "insert");
            sqlite3_reset(ins);
            snprintf(ref, sizeof ref, "record %lld", (long long)id);
            floor_hmac(&fc, chain, 32, ref, strlen(ref), chain);
            sqlite3_bind_int64(au, 1, ++seq);
            sqlite3_bind_blob(au, 2, h, 32, SQLITE_STATIC);
            sqlite3_bind_text(au, 3, ref, -1, SQLITE_TRANSIENT);
            sqlite3_bind_blob(au, 4, chain, 32, SQLITE_STATIC);
            sqlite3_bind_int64(au, 5, sid);
            sql_ok(sqlite3_step(au), db, "audit");
            sqlite3_reset(au);
        }
        snprintf(sql, sizeof sql,
                 "UPDATE main.counter SET value=%lld WHERE name='vault';"
                 " UPDATE main.counter SET value=value+1 WHERE name='generation'; COMMIT",
                 (long long)next);
        sql_ok(sqlite3_exec(db, sql, NULL, NULL, NULL), db, "commit");
    }
    t0 = bench_now() - t0;
    sqlite3_finalize(sub);
    sqlite3_finalize(anc);
    sqlite3_finalize(ins);
    sqlite3_finalize(au);
    sqlite3_finalize(ids);
    sqlite3_close(db);
    floor_crypto_free(&fc);
    return t0;
}

/* --- 2. get and 3. find ------------------------------------------------- */

static double
raw_get_once(sqlite3_stmt *sel, EVP_CIPHER_CTX *ctx, EVP_CIPHER *gcm, const unsigned char *dek,
             int64_t id)
{
    unsigned char plain[VALUE_LEN + 16], nonce[12] = {0};
    double t0 = bench_now();
    int outl = 0;

    sqlite3_bind_int64(sel, 1, id);
    if (sqlite3_step(sel) == SQLITE_ROW) {
        const unsigned char *blob = sqlite3_column_blob(sel, 0);
        int len = sqlite3_column_bytes(sel, 0);
        EVP_DecryptInit_ex2(ctx, gcm, dek, nonce, NULL);
        EVP_DecryptUpdate(ctx, plain, &outl, blob, len > 16 ? len - 16 : 0);
    }
    sqlite3_reset(sel);
    return bench_now() - t0;
}

/* The same-work floor of gdpr_vault_get, by hand on the library's own
 * file: the rows the library must read for one get, in one read
 * transaction (one WAL read lock, as gdpr_engine__lock_read takes): the
 * store generation (what another engine changed, decision 0008), the
 * record's columns, its subject's restriction flags (Art. 18) and its
 * kept-for-storage entry (Art. 17(3)); then one AES-256-GCM open with
 * its AAD and tag check under a key set up once (as the data-key cache
 * keeps it). The sealed value opened is one of the same length sealed
 * by the floor under its own key: the library's keys are not at hand. */
typedef struct {
    sqlite3 *db;
    sqlite3_stmt *begin, *commit, *gen, *row, *flags, *kept;
    EVP_CIPHER_CTX *ctx;
    unsigned char sealed[1 + 12 + VALUE_LEN + 16];
    unsigned char aad[64];
} get_floor;

static sqlite3_stmt *
floor_prepare(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s = NULL;

    sql_ok(sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL), db, sql);
    return s;
}

static void
get_floor_open(get_floor *f, const char *path, EVP_CIPHER *gcm)
{
    unsigned char dek[32], value[VALUE_LEN];
    int n = 0;

    memset(f, 0, sizeof *f);
    sql_ok(sqlite3_open_v2(path, &f->db, SQLITE_OPEN_READONLY, NULL), f->db, "open raw");
    sql_ok(sqlite3_exec(f->db, "PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456", NULL, NULL,
                        NULL),
           f->db, "pragmas");
    f->begin = floor_prepare(f->db, "BEGIN DEFERRED");
    f->commit = floor_prepare(f->db, "COMMIT");
    f->gen = floor_prepare(f->db, "SELECT value FROM main.counter WHERE name = 'generation'");
    /* the subject's hash through its id, as the library reads it */
    f->row = floor_prepare(f->db, "SELECT id, (SELECT hash FROM main.subject WHERE id ="
                                  " vault.subject_id), category, purpose, field, source, "
                                  "collected, updated, anchor, due, special, value "
                                  "FROM main.vault WHERE id=?1");
    f->flags = floor_prepare(f->db, "SELECT flags FROM main.subject WHERE hash=?1");
    f->kept = floor_prepare(f->db, "SELECT max(until), rule FROM main.tombstone_kept"
                                   " WHERE record=?1 AND erased_at=0 HAVING count(*) > 0");
    RAND_bytes(dek, sizeof dek);
    RAND_bytes(value, sizeof value);
    RAND_bytes(f->aad, sizeof f->aad);
    f->sealed[0] = 1;
    RAND_bytes(f->sealed + 1, 12);
    f->ctx = EVP_CIPHER_CTX_new();
    EVP_EncryptInit_ex2(f->ctx, gcm, dek, f->sealed + 1, NULL);
    EVP_EncryptUpdate(f->ctx, NULL, &n, f->aad, sizeof f->aad);
    EVP_EncryptUpdate(f->ctx, f->sealed + 13, &n, value, VALUE_LEN);
    EVP_EncryptFinal_ex(f->ctx, f->sealed + 13 + VALUE_LEN, &n);
    EVP_CIPHER_CTX_ctrl(f->ctx, EVP_CTRL_AEAD_GET_TAG, 16, f->sealed + 13 + VALUE_LEN);
    /* The key stays set up: each open sets only the nonce. */
    EVP_DecryptInit_ex2(f->ctx, gcm, dek, NULL, NULL);
}

static void
get_floor_close(get_floor *f)
{
    sqlite3_stmt *all[] = {f->begin, f->commit, f->gen, f->row, f->flags, f->kept};

    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        sqlite3_finalize(all[i]);
    sqlite3_close(f->db);
    EVP_CIPHER_CTX_free(f->ctx);
}

static void
step_reset(sqlite3_stmt *s)
{
    (void)sqlite3_step(s);
    sqlite3_reset(s);
}

static double
get_floor_once(get_floor *f, int64_t id)
{
    unsigned char plain[VALUE_LEN], subject[32];
    double t0 = bench_now();
    int n = 0, ok = 0;

    step_reset(f->begin);
    step_reset(f->gen);
    sqlite3_bind_int64(f->row, 1, id);
    if (sqlite3_step(f->row) == SQLITE_ROW &&
        sqlite3_column_bytes(f->row, 1) == (int)sizeof subject) {
        memcpy(subject, sqlite3_column_blob(f->row, 1), sizeof subject);
        ok = sqlite3_column_blob(f->row, 11) != NULL;
    }
    sqlite3_reset(f->row);
    if (ok) {
        sqlite3_bind_blob(f->flags, 1, subject, sizeof subject, SQLITE_STATIC);
        step_reset(f->flags);
        sqlite3_bind_int64(f->kept, 1, id);
        step_reset(f->kept);
        EVP_DecryptInit_ex2(f->ctx, NULL, NULL, f->sealed + 1, NULL);
        EVP_DecryptUpdate(f->ctx, NULL, &n, f->aad, sizeof f->aad);
        EVP_DecryptUpdate(f->ctx, plain, &n, f->sealed + 13, VALUE_LEN);
        EVP_CIPHER_CTX_ctrl(f->ctx, EVP_CTRL_AEAD_SET_TAG, 16, f->sealed + 13 + VALUE_LEN);
        ok = EVP_DecryptFinal_ex(f->ctx, plain, &n) == 1;
    }
    step_reset(f->commit);
    if (!ok) {
        fprintf(stderr, "floor: record %lld not read or not opened\n", (long long)id);
        exit(1);
    }
    return bench_now() - t0;
}

static void
latencies(gdpr_engine *eng, long n, long subjects)
{
    long samples = 2001;
    double *ours = malloc((size_t)samples * sizeof *ours);
    double *raw = malloc((size_t)samples * sizeof *raw);
    char path[512];
    sqlite3 *db = NULL;
    sqlite3_stmt *sel = NULL;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    EVP_CIPHER *gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    unsigned char dek[32];
    char subject[32], email[64];

    RAND_bytes(dek, sizeof dek);
    for (long i = 0; i < samples; i++) {
        int64_t id = 1 + (int64_t)((i * 7919) % n);
        void *v = NULL;
        size_t len = 0;
        double t0 = bench_now();
        check(gdpr_vault_get(eng, &agent, id, &v, &len), "gdpr_vault_get");
        ours[i] = bench_now() - t0;
        gdpr_free(v);
    }
    /* Floor: the same work by hand on the library's own file (same size,
     * WAL, same settings), in the same run. */
    {
        get_floor f;

        snprintf(path, sizeof path, "%s/vault.db", bench_tmpdir());
        get_floor_open(&f, path, gcm);
        for (long i = 0; i < samples; i++)
            raw[i] = get_floor_once(&f, 1 + (int64_t)((i * 7919) % n));
        get_floor_close(&f);
    }
    bench_report_latency(
        "gdpr_vault_get median (48-byte value)", bench_median(ours, (size_t)samples),
        "floor: same reads, one read tx, GCM open+AAD+tag", bench_median(raw, (size_t)samples));
    snprintf(path, sizeof path, "%s/raw-vault.db", bench_tmpdir());
    sql_ok(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), db, "open raw");
    sql_ok(sqlite3_prepare_v2(db, "SELECT value FROM vault WHERE id=?1", -1, &sel, NULL), db,
           "prepare");
    for (long i = 0; i < samples; i++)
        raw[i] = raw_get_once(sel, ctx, gcm, dek, 1 + (int64_t)((i * 7919) % n));
    bench_report_latency("  (the same)", bench_median(ours, (size_t)samples),
                         "naive: SELECT by id, one-table db + decrypt",
                         bench_median(raw, (size_t)samples));
    sqlite3_finalize(sel);

    /* Identifiers: link one e-mail per subject (up to 10,000), then find. */
    {
        long linked = subjects < 10000 ? subjects : 10000;
        check(gdpr_begin(eng), "begin");
        for (long k = 0; k < linked; k++) {
            subject_id(k, subject, sizeof subject);
            snprintf(email, sizeof email, "Person.%ld@Example.com", k);
            check(gdpr_subject_link(eng, &agent, subject, "email", email), "link");
        }
        check(gdpr_commit(eng), "commit");
        for (long i = 0; i < samples; i++) {
            char *found = NULL;
            double t0;
            snprintf(email, sizeof email, " person.%ld@example.COM", (i * 31) % linked);
            t0 = bench_now();
            check(gdpr_subject_find_id(eng, "email", email, &found), "find");
            ours[i] = bench_now() - t0;
            gdpr_free(found);
        }
        sqlite3_close(db);
        snprintf(path, sizeof path, "%s/raw-ident.db", bench_tmpdir());
        sql_ok(sqlite3_open(path, &db), db, "open");
        sql_ok(sqlite3_exec(db,
                            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                            "CREATE TABLE ident(hash BLOB PRIMARY KEY, subject BLOB)"
                            " WITHOUT ROWID",
                            NULL, NULL, NULL),
               db, "schema");
        {
            sqlite3_stmt *ins = NULL, *q = NULL;
            unsigned char h[32];
            sql_ok(sqlite3_prepare_v2(db, "INSERT INTO ident VALUES(?1, ?1)", -1, &ins, NULL), db,
                   "prepare");
            sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
            for (long k = 0; k < linked; k++) {
                memset(h, 0, sizeof h);
                memcpy(h, &k, sizeof k);
                sqlite3_bind_blob(ins, 1, h, sizeof h, SQLITE_STATIC);
                sqlite3_step(ins);
                sqlite3_reset(ins);
            }
            sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
            sql_ok(sqlite3_prepare_v2(db, "SELECT subject FROM ident WHERE hash=?1", -1, &q, NULL),
                   db, "prepare");
            for (long i = 0; i < samples; i++) {
                long k = (i * 31) % linked;
                double t0;
                memset(h, 0, sizeof h);
                memcpy(h, &k, sizeof k);
                t0 = bench_now();
                sqlite3_bind_blob(q, 1, h, sizeof h, SQLITE_STATIC);
                sqlite3_step(q);
                sqlite3_reset(q);
                raw[i] = bench_now() - t0;
            }
            sqlite3_finalize(ins);
            sqlite3_finalize(q);
        }
        bench_report_latency(
            "gdpr_subject_find_id median (e-mail, normalised)", bench_median(ours, (size_t)samples),
            "raw SELECT on a 32-byte key, WAL file", bench_median(raw, (size_t)samples));
    }
    sqlite3_close(db);
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(gcm);
    free(ours);
    free(raw);
}

int
main(void)
{
    long n = (long)(400000 * bench_scale());
    long subjects = (long)(20000 * bench_scale());
    gdpr_engine *eng;
    double ours, raw, same;
    char path[512], store_path[512];

    snprintf(store_path, sizeof store_path, "%s/vault.db", bench_tmpdir());
    if (n < BATCH)
        n = BATCH;
    if (subjects < 100)
        subjects = 100;
    printf("vault: %ld puts over %ld subjects, %d-byte values\n", n, subjects, VALUE_LEN);
    eng = open_store("vault");
    make_subjects(eng, subjects);
    snprintf(path, sizeof path, "%s/vault-subjects.db", bench_tmpdir());
    sqlite3_close(bench_copy_store(store_path, path));
    ours = our_puts(eng, n, subjects);
    same = floor_puts(path, n, subjects);
    raw = raw_puts(n, subjects);
    bench_report_rate("gdpr_vault_put (batched 10k)", (double)n, ours,
                      "floor: same rows+HMACs+seal, same store", (double)n, same);
    bench_report_rate("  (the same)", (double)n, ours, "naive: insert + GCM seal, empty db",
                      (double)n, raw);
    latencies(eng, n, subjects);
    gdpr_close(eng);
    bench_cleanup();
    return 0;
}
