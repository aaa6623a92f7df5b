/*
 * Vault benchmarks, each beside a baseline measured in the same run:
 *   1. gdpr_vault_put batched (10,000 per gdpr_begin/gdpr_commit) on
 *      existing subjects, 48-byte values, vs raw SQLite inserting the same
 *      row (ids allocated the same way) with the value sealed by bare
 *      OpenSSL AES-256-GCM (EVP, one reused context);
 *   2. gdpr_vault_get median latency vs a raw SELECT + EVP decrypt;
 *   3. gdpr_subject_find_id median latency vs its same-work floor: raw
 *      SQLite + OpenSSL with the store's own keys on the library's own file
 *      (one read transaction, generation, normalise, blind-index HMAC,
 *      identity row + row MAC, sealed id opened under the cached data key),
 *      and vs a naive raw SELECT on a 32-byte key.
 *
 *   build/tests/bench/bench-vault        (GDPR_BENCH_SCALE=0.01 for a quick run)
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
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

/* --- 3. find by identifier: the same-work floor ---------------------------- */

/* HKDF-SHA-256 as lib/crypto/keys.c derives every key: salt
 * "libgdpr hkdf v1", the label as info. */
static void
floor_hkdf(const unsigned char ikm[32], const char *label, unsigned char out[32])
{
    static const char salt[] = "libgdpr hkdf v1";
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM p[5];

    p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
    p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, 32);
    p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, sizeof salt - 1);
    p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)label, strlen(label));
    p[4] = OSSL_PARAM_construct_end();
    if (kctx == NULL || EVP_KDF_derive(kctx, out, 32, p) != 1) {
        fprintf(stderr, "floor: HKDF failed\n");
        exit(1);
    }
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
}

/* Open version(1) | nonce(12) | body(len) | tag(16) under a context whose
 * key is set up; 1 if the tag holds. */
static int
floor_open(EVP_CIPHER_CTX *ctx, const void *aad, size_t aadlen, const unsigned char *sealed,
           size_t len, unsigned char *out)
{
    int n = 0;

    if (sealed[0] != 1 || EVP_DecryptInit_ex2(ctx, NULL, NULL, sealed + 1, NULL) != 1 ||
        EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aadlen) != 1 ||
        (len > 0 && EVP_DecryptUpdate(ctx, out, &n, sealed + 13, (int)len) != 1) ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, (void *)(sealed + 13 + len)) != 1)
        return 0;
    return EVP_DecryptFinal_ex(ctx, out + len, &n) == 1;
}

static EVP_MAC_CTX *
floor_hmac_key(const unsigned char key32[32])
{
    EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = m ? EVP_MAC_CTX_new(m) : NULL;
    OSSL_PARAM p[2];

    p[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
    p[1] = OSSL_PARAM_construct_end();
    EVP_MAC_free(m);
    if (ctx == NULL || EVP_MAC_init(ctx, key32, 32, p) != 1) {
        fprintf(stderr, "floor: HMAC setup failed\n");
        exit(1);
    }
    return ctx;
}

static void
floor_mac2(EVP_MAC_CTX *m, const void *a, size_t alen, const void *b, size_t blen,
           unsigned char out[32])
{
    size_t outl = 0;

    EVP_MAC_init(m, NULL, 0, NULL);
    EVP_MAC_update(m, a, alen);
    if (blen > 0)
        EVP_MAC_update(m, b, blen);
    EVP_MAC_final(m, out, &outl, 32);
}

/* One subject's data key, its GCM schedule set up once, as the library's
 * key cache keeps it (set by the hash's first bytes, ways compared). */
#define FIND_SLOTS 32768u
typedef struct {
    unsigned char hash[32];
    EVP_CIPHER_CTX *aead;
} floor_key;

/* The same-work floor of gdpr_subject_find_id, by hand on the library's
 * own store file with the store's own keys, derived from the bench's
 * master key as lib/crypto/keys.c and lib/core/engine.c do (the root
 * secret unwrapped from the keystore's "root", the blind-index and
 * row-MAC keys by HKDF from it, each subject's data key unwrapped under
 * HKDF(master, "wrap")). Per call: one read transaction with the store
 * generation (what another engine changed, decision 0008); the e-mail
 * checked and normalised (trimmed, lowercased, one '@'); the blind index
 * HMAC("ident:email\0" | value); the identity row joined to its subject's
 * hash, its row MAC computed and compared; the subject's sealed id read
 * and opened (AAD "subject.ident\0" | hash) under the subject's data key
 * from the cache (a key found and its epoch unchanged: no read); the
 * answer malloc'd. */
typedef struct {
    sqlite3 *db;
    sqlite3_stmt *begin, *commit, *gen, *ident, *sealed;
    EVP_MAC_CTX *index_mac, *row_mac;
    floor_key *keys;
} find_floor;

static floor_key *
find_floor_slot(find_floor *f, const unsigned char hash[32])
{
    size_t i = ((size_t)hash[0] | (size_t)hash[1] << 8 | (size_t)hash[2] << 16) % FIND_SLOTS;

    while (f->keys[i].aead != NULL && memcmp(f->keys[i].hash, hash, 32) != 0)
        i = (i + 1) % FIND_SLOTS;
    return &f->keys[i];
}

static void
find_floor_open(find_floor *f, const char *path, long linked)
{
    static const char root_aad[] = "libgdpr root secret v1";
    unsigned char rootkey[32], root[32], k[32], wrap[32], wrapped[61];
    char kpath[600];
    sqlite3 *ks = NULL;
    sqlite3_stmt *s = NULL;
    EVP_CIPHER *gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    EVP_CIPHER_CTX *tmp = EVP_CIPHER_CTX_new();
    int ok = 0;

    memset(f, 0, sizeof *f);
    sql_ok(sqlite3_open_v2(path, &f->db, SQLITE_OPEN_READONLY, NULL), f->db, "open raw");
    sql_ok(sqlite3_exec(f->db, "PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456", NULL, NULL,
                        NULL),
           f->db, "pragmas");
    f->begin = floor_prepare(f->db, "BEGIN DEFERRED");
    f->commit = floor_prepare(f->db, "COMMIT");
    f->gen = floor_prepare(f->db, "SELECT value FROM main.counter WHERE name = 'generation'");
    f->ident = floor_prepare(f->db, "SELECT s.hash, i.id, i.kind, i.mac FROM main.identity i"
                                    " LEFT JOIN main.subject s ON s.id = i.subject_id"
                                    " WHERE i.hash=?1");
    f->sealed = floor_prepare(f->db, "SELECT ident FROM main.subject WHERE hash=?1");
    /* The keys: the master key is the KEK ("raw" KDF). */
    snprintf(kpath, sizeof kpath, "%s-keys", path);
    sql_ok(sqlite3_open_v2(kpath, &ks, SQLITE_OPEN_READONLY, NULL), ks, "open keystore");
    s = floor_prepare(ks, "SELECT value FROM main.meta WHERE name='root'");
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_bytes(s, 0) == (int)sizeof wrapped) {
        floor_hkdf(key, "root-wrap", rootkey);
        EVP_DecryptInit_ex2(tmp, gcm, rootkey, NULL, NULL);
        ok = floor_open(tmp, root_aad, sizeof root_aad - 1, sqlite3_column_blob(s, 0), 32, root);
    }
    sqlite3_finalize(s);
    if (!ok) {
        fprintf(stderr, "floor: the root secret does not unwrap\n");
        exit(1);
    }
    floor_hkdf(root, "blind-index", k);
    f->index_mac = floor_hmac_key(k);
    floor_hkdf(root, "row-mac", k);
    f->row_mac = floor_hmac_key(k);
    floor_hkdf(key, "wrap", wrap);
    /* Every linked subject's data key, unwrapped (AAD: its hash) and set
     * up, as the library's cache holds them in this bench. */
    f->keys = calloc(FIND_SLOTS, sizeof *f->keys);
    if (f->keys == NULL)
        exit(1);
    EVP_DecryptInit_ex2(tmp, gcm, wrap, NULL, NULL);
    s = floor_prepare(ks, "SELECT wrapped FROM main.subject_key WHERE hash=?1");
    for (long j = 0; j < linked; j++) {
        floor_key *slot = find_floor_slot(f, put_hashes[j]);
        unsigned char dek[32];
        sqlite3_bind_blob(s, 1, put_hashes[j], 32, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_ROW || sqlite3_column_bytes(s, 0) != (int)sizeof wrapped ||
            !floor_open(tmp, put_hashes[j], 32, sqlite3_column_blob(s, 0), 32, dek)) {
            fprintf(stderr, "floor: subject %ld's data key does not unwrap\n", j);
            exit(1);
        }
        sqlite3_reset(s);
        memcpy(slot->hash, put_hashes[j], 32);
        slot->aead = EVP_CIPHER_CTX_new();
        EVP_DecryptInit_ex2(slot->aead, gcm, dek, NULL, NULL);
        OPENSSL_cleanse(dek, sizeof dek);
    }
    sqlite3_finalize(s);
    sqlite3_close(ks);
    EVP_CIPHER_CTX_free(tmp);
    EVP_CIPHER_free(gcm);
    OPENSSL_cleanse(root, sizeof root);
    OPENSSL_cleanse(k, sizeof k);
    OPENSSL_cleanse(wrap, sizeof wrap);
}

static void
find_floor_close(find_floor *f)
{
    sqlite3_stmt *all[] = {f->begin, f->commit, f->gen, f->ident, f->sealed};

    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        sqlite3_finalize(all[i]);
    sqlite3_close(f->db);
    EVP_MAC_CTX_free(f->index_mac);
    EVP_MAC_CTX_free(f->row_mac);
    for (size_t i = 0; i < FIND_SLOTS; i++)
        EVP_CIPHER_CTX_free(f->keys[i].aead);
    free(f->keys);
}

static int
floor_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* The e-mail normalised into out[256] as lib/core/identity.c does:
 * no control byte, trimmed, lowercased (ASCII), exactly one '@' with text
 * either side; its length, or 0. (The bench's addresses are ASCII: a byte
 * past 0x7F is refused rather than checked as UTF-8.) */
static size_t
floor_email(const char *v, char out[256])
{
    size_t len = strnlen(v, 257), start = 0, end, n = 0, at = 0, ats = 0;

    if (len == 0 || len > 256)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c >= 0x7F || (c < 0x20 && !floor_space(c)))
            return 0;
    }
    end = len;
    while (start < end && floor_space((unsigned char)v[start]))
        start++;
    while (end > start && floor_space((unsigned char)v[end - 1]))
        end--;
    for (size_t i = start; i < end; i++) {
        unsigned char c = (unsigned char)v[i];
        if (floor_space(c))
            return 0;
        if (c == '@') {
            ats++;
            at = n;
        }
        out[n++] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    return ats == 1 && at != 0 && at + 1 != n ? n : 0;
}

static void
put_be64(unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--)
        *p++ = (unsigned char)(v >> (8 * i));
}

/* Out of line so callgrind can collect it alone. The subject id,
 * malloc'd, or NULL. */
static __attribute__((noinline)) char *
find_floor_once(find_floor *f, const char *email)
{
    static const char domain[] = "ident:email";
    static const char tag[] = "libgdpr identity row 1";
    static const char aad_tag[] = "subject.ident";
    unsigned char ident[32], subject[32], mac[32];
    unsigned char msg[sizeof tag + 8 + 32 + 32 + 8 + 64];
    unsigned char aad[sizeof aad_tag + 32];
    char norm[256];
    char *out = NULL;
    size_t n = floor_email(email, norm), m = 0;
    int ok = 0;

    if (n == 0)
        return NULL;
    floor_mac2(f->index_mac, domain, sizeof domain, norm, n, ident);
    OPENSSL_cleanse(norm, sizeof norm);
    step_reset(f->begin);
    step_reset(f->gen);
    sqlite3_bind_blob(f->ident, 1, ident, sizeof ident, SQLITE_STATIC);
    if (sqlite3_step(f->ident) == SQLITE_ROW && sqlite3_column_bytes(f->ident, 0) == 32 &&
        sqlite3_column_bytes(f->ident, 3) == 32) {
        const char *kind = (const char *)sqlite3_column_text(f->ident, 2);
        size_t klen = kind ? strnlen(kind, 64) : 0;
        memcpy(subject, sqlite3_column_blob(f->ident, 0), 32);
        memcpy(msg, tag, sizeof tag);
        m = sizeof tag;
        put_be64(msg + m, (uint64_t)sqlite3_column_int64(f->ident, 1));
        memcpy(msg + m + 8, ident, 32);
        memcpy(msg + m + 40, subject, 32);
        put_be64(msg + m + 72, klen);
        memcpy(msg + m + 80, kind, klen);
        floor_mac2(f->row_mac, msg, m + 80 + klen, NULL, 0, mac);
        ok = CRYPTO_memcmp(mac, sqlite3_column_blob(f->ident, 3), 32) == 0;
    }
    sqlite3_reset(f->ident);
    if (ok) {
        sqlite3_bind_blob(f->sealed, 1, subject, sizeof subject, SQLITE_STATIC);
        ok = 0;
        if (sqlite3_step(f->sealed) == SQLITE_ROW) {
            int len = sqlite3_column_bytes(f->sealed, 0);
            floor_key *key_of = find_floor_slot(f, subject);
            if (len >= 29 && key_of->aead != NULL && (out = malloc((size_t)len - 29 + 1)) != NULL) {
                memcpy(aad, aad_tag, sizeof aad_tag);
                memcpy(aad + sizeof aad_tag, subject, 32);
                ok = floor_open(key_of->aead, aad, sizeof aad, sqlite3_column_blob(f->sealed, 0),
                                (size_t)len - 29, (unsigned char *)out);
                out[len - 29] = '\0';
            }
        }
        sqlite3_reset(f->sealed);
    }
    step_reset(f->commit);
    if (!ok) {
        free(out);
        return NULL;
    }
    return out;
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
    uint64_t unwraps = 0;

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
        unwraps = eng->dek_unwraps;
        for (long i = 0; i < samples; i++) {
            char *found = NULL;
            double t0;
            snprintf(email, sizeof email, " person.%ld@example.COM", (i * 31) % linked);
            t0 = bench_now();
            check(gdpr_subject_find_id(eng, "email", email, &found), "find");
            ours[i] = bench_now() - t0;
            gdpr_free(found);
        }
        unwraps = eng->dek_unwraps - unwraps;
        /* Floor: the same work by hand on the library's own file with the
         * store's own keys, in the same run; each answer checked. */
        {
            find_floor f;

            snprintf(path, sizeof path, "%s/vault.db", bench_tmpdir());
            find_floor_open(&f, path, linked);
            for (long i = 0; i < samples; i++) {
                long k = (i * 31) % linked;
                char *found;
                double t0;
                snprintf(email, sizeof email, " person.%ld@example.COM", k);
                subject_id(k, subject, sizeof subject);
                t0 = bench_now();
                found = find_floor_once(&f, email);
                raw[i] = bench_now() - t0;
                if (found == NULL || strcmp(found, subject) != 0) {
                    fprintf(stderr, "floor: %s found %s, not %s\n", email,
                            found ? found : "nothing", subject);
                    exit(1);
                }
                free(found);
            }
            find_floor_close(&f);
        }
        bench_report_latency("gdpr_subject_find_id median (e-mail, normalised)",
                             bench_median(ours, (size_t)samples),
                             "floor: same tx+reads, normalise, HMAC, row MAC, GCM open",
                             bench_median(raw, (size_t)samples));
        printf("  (data keys unwrapped by the %ld finds: %llu)\n", samples,
               (unsigned long long)unwraps);
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
        bench_report_latency("  (the same)", bench_median(ours, (size_t)samples),
                             "naive: raw SELECT on a 32-byte key, WAL file",
                             bench_median(raw, (size_t)samples));
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
