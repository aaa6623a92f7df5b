/*
 * Export benchmark: the subject access export of one subject with 1,000
 * vault records (48-byte values, three categories), in a store of
 * 1,000,000 subjects and in one of 10,000 (cost must not grow with the
 * store), median of repeated runs, each beside its same-work floor in the
 * same run (floor_export below: raw SQLite + OpenSSL doing the library's
 * rows, crypto, document and durable audit commit on a copy of the
 * library's own store files). The older "naive" baseline (the 1,000 rows
 * from a bare table, values opened without AAD, a short snprintf object
 * each, no audit) is printed too, so old figures stay comparable.
 *
 *   build/tests/bench/bench-export       (GDPR_BENCH_SCALE=0.01 for a quick run)
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include "bench.h"
#include "gdpr.h"

#define BATCH 10000L
#define RECORDS 1000
#define VALUE_LEN 48
#define RUNS 101

static const unsigned char key[32] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3,
                                      2, 3, 8, 4, 6, 2, 6, 4, 3, 3, 8, 3, 2, 7, 9, 5};
static const gdpr_actor agent = {"bench", "agent"};
static const gdpr_actor dpo = {"bench", "dpo"};
static const char *const cats[3][2] = {
    {"contact", "service"}, {"usage", "service"}, {"financial", "billing"}};

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

typedef struct {
    size_t bytes;
} discard;

static int
discard_write(const void *buf, size_t len, void *ctx)
{
    (void)buf;
    ((discard *)ctx)->bytes += len;
    return 0;
}

typedef struct {
    char *text;
    size_t len, cap;
} capture;

static int
capture_write(const void *buf, size_t len, void *ctx)
{
    capture *c = ctx;

    if (c->len + len > c->cap) {
        c->cap = (c->len + len) * 2;
        c->text = realloc(c->text, c->cap);
        if (c->text == NULL)
            return 1;
    }
    memcpy(c->text + c->len, buf, len);
    c->len += len;
    return 0;
}

static void
value_for(long i, char out[VALUE_LEN])
{
    char text[VALUE_LEN + 1];
    int n = snprintf(text, sizeof text, "value %010ld of a customer record", i);

    /* Text, no NUL: padded with dots to the full length. */
    memset(out, '.', VALUE_LEN);
    memcpy(out, text, n > VALUE_LEN ? VALUE_LEN : (size_t)n);
}

/* A store of `subjects` subjects with one record each, plus "target" with
 * RECORDS records. */
static gdpr_engine *
build_store(const char *name, long subjects)
{
    gdpr_options opts = GDPR_OPTIONS_INIT;
    gdpr_engine *eng = NULL;
    char path[512], subject[32], value[VALUE_LEN];
    double t0 = bench_now();

    snprintf(path, sizeof path, "%s/%s.db", bench_tmpdir(), name);
    opts.path = path;
    opts.key = key;
    opts.key_len = sizeof key;
    opts.clock = fixed_clock;
    check(gdpr_open(&eng, &opts), "gdpr_open");
    check(gdpr_policy_load(eng, &dpo, TEST_SOURCE_ROOT "/examples/policy.json"), "policy");
    for (long i = 0; i < subjects; i += BATCH) {
        check(gdpr_begin(eng), "begin");
        for (long k = i; k < i + BATCH && k < subjects; k++) {
            snprintf(subject, sizeof subject, "customer-%08ld", k);
            value_for(k, value);
            check(
                gdpr_vault_put(eng, &agent, subject, "contact", "service", value, VALUE_LEN, NULL),
                "put");
        }
        check(gdpr_commit(eng), "commit");
    }
    check(gdpr_begin(eng), "begin");
    for (long r = 0; r < RECORDS; r++) {
        value_for(r, value);
        check(gdpr_vault_put(eng, &agent, "target", cats[r % 3][0], cats[r % 3][1], value,
                             VALUE_LEN, NULL),
              "put");
    }
    check(gdpr_subject_link(eng, &agent, "target", "email", "target@example.com"), "link");
    check(gdpr_commit(eng), "commit");
    check(gdpr_vault_checkpoint(eng), "checkpoint");
    printf("  store %-10s %8ld subjects built in %.1f s\n", name, subjects, bench_now() - t0);
    return eng;
}

static double
one_export(gdpr_engine *eng, size_t *bytes_out)
{
    discard d = {0};
    double t0 = bench_now();

    check(gdpr_export_subject(eng, &dpo, "target", GDPR_EXPORT_JSON, discard_write, &d),
          "gdpr_export_subject");
    t0 = bench_now() - t0;
    *bytes_out = d.bytes;
    return t0;
}

/* The same rows, the same index, the same cipher; JSON printed plainly. */
static double
raw_export(const char *name, long subjects)
{
    char path[512];
    sqlite3 *db = NULL;
    sqlite3_stmt *ins = NULL, *sel = NULL;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    EVP_CIPHER *gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    unsigned char dek[32], nonce[12] = {0}, sealed[VALUE_LEN + 16], subject[32];
    unsigned char target[32];
    char value[VALUE_LEN], *json = malloc(1 << 20);
    double samples[RUNS];
    int outl = 0;

    snprintf(path, sizeof path, "%s/%s.db", bench_tmpdir(), name);
    sql_ok(sqlite3_open(path, &db), db, "open raw");
    sql_ok(sqlite3_exec(db,
                        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                        "CREATE TABLE vault(id INTEGER PRIMARY KEY, subject BLOB NOT NULL,"
                        " category TEXT NOT NULL, purpose TEXT NOT NULL, value BLOB NOT NULL);"
                        "CREATE INDEX vault_subject ON vault(subject, id);",
                        NULL, NULL, NULL),
           db, "schema");
    sql_ok(sqlite3_prepare_v2(db,
                              "INSERT INTO vault(subject, category, purpose, value)"
                              " VALUES(?1, ?2, ?3, ?4)",
                              -1, &ins, NULL),
           db, "prepare");
    RAND_bytes(dek, sizeof dek);
    RAND_bytes(target, sizeof target);
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    for (long k = 0; k < subjects + RECORDS; k++) {
        int is_target = k >= subjects;
        memset(subject, 0, sizeof subject);
        memcpy(subject, &k, sizeof k);
        value_for(k, value);
        EVP_EncryptInit_ex2(ctx, gcm, dek, nonce, NULL);
        EVP_EncryptUpdate(ctx, sealed, &outl, (unsigned char *)value, VALUE_LEN);
        EVP_EncryptFinal_ex(ctx, sealed + outl, &outl);
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, sealed + VALUE_LEN);
        sqlite3_bind_blob(ins, 1, is_target ? target : subject, 32, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, cats[k % 3][0], -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, cats[k % 3][1], -1, SQLITE_STATIC);
        sqlite3_bind_blob(ins, 4, sealed, sizeof sealed, SQLITE_STATIC);
        sql_ok(sqlite3_step(ins), db, "insert");
        sqlite3_reset(ins);
        if (k % BATCH == BATCH - 1) {
            sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
            sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
        }
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sql_ok(sqlite3_prepare_v2(db,
                              "SELECT id, category, purpose, value FROM vault"
                              " WHERE subject=?1 ORDER BY id",
                              -1, &sel, NULL),
           db, "prepare");
    for (int i = 0; i < RUNS; i++) {
        double t0 = bench_now();
        size_t used = 0;
        int rows = 0;
        sqlite3_bind_blob(sel, 1, target, 32, SQLITE_STATIC);
        while (sqlite3_step(sel) == SQLITE_ROW) {
            unsigned char plain[VALUE_LEN + 1];
            const unsigned char *blob = sqlite3_column_blob(sel, 3);
            int len = sqlite3_column_bytes(sel, 3);
            EVP_DecryptInit_ex2(ctx, gcm, dek, nonce, NULL);
            EVP_DecryptUpdate(ctx, plain, &outl, blob, len - 16);
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, (void *)(blob + len - 16));
            EVP_DecryptFinal_ex(ctx, plain + outl, &outl);
            plain[VALUE_LEN] = '\0';
            used += (size_t)snprintf(json + used, (1 << 20) - used,
                                     "{\"id\":%lld,\"category\":\"%s\",\"purpose\":\"%s\","
                                     "\"value\":\"%.*s\"},\n",
                                     (long long)sqlite3_column_int64(sel, 0),
                                     sqlite3_column_text(sel, 1), sqlite3_column_text(sel, 2),
                                     VALUE_LEN, (char *)plain);
            rows++;
        }
        sqlite3_reset(sel);
        samples[i] = bench_now() - t0;
        if (rows != RECORDS) {
            fprintf(stderr, "raw export found %d rows\n", rows);
            exit(1);
        }
    }
    sqlite3_finalize(ins);
    sqlite3_finalize(sel);
    sqlite3_close(db);
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(gcm);
    free(json);
    return bench_median(samples, RUNS);
}

/* What one durable commit costs on this disk right now: the export is an
 * audited event, so it ends with one (synchronous=FULL, as the store). */
static sqlite3 *
commit_db(sqlite3_stmt **ins)
{
    char path[512];
    sqlite3 *db = NULL;

    snprintf(path, sizeof path, "%s/raw-commit.db", bench_tmpdir());
    sql_ok(sqlite3_open(path, &db), db, "open raw");
    sql_ok(sqlite3_exec(db,
                        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                        "CREATE TABLE audit(seq INTEGER PRIMARY KEY, at INTEGER, ref TEXT,"
                        " mac BLOB)",
                        NULL, NULL, NULL),
           db, "schema");
    sql_ok(sqlite3_prepare_v2(db,
                              "INSERT INTO audit(at, ref, mac) VALUES(1, 'export json',"
                              " zeroblob(32))",
                              -1, ins, NULL),
           db, "prepare");
    return db;
}

static double
one_commit(sqlite3 *db, sqlite3_stmt *ins)
{
    double t0 = bench_now();

    sql_ok(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), db, "begin");
    sql_ok(sqlite3_step(ins), db, "insert");
    sqlite3_reset(ins);
    sql_ok(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), db, "commit");
    return bench_now() - t0;
}

/* --- the same-work floor ---------------------------------------------------
 *
 * floor_export: what gdpr_export_subject(JSON) must do, written by hand with
 * raw SQLite and OpenSSL on byte copies of the library's two store files
 * (bench_copy_store: same schema, indexes and rows), statement for
 * statement as the library runs them (traced with sqlite3_step):
 *  - the blind index of the subject id (HMAC-SHA-256) and the subject's
 *    row, read before the transaction;
 *  - BEGIN IMMEDIATE on the keystore and the data file, the store
 *    generation and the keystore's orphan check (decision 0003);
 *  - the subject's identifiers and its 1,000 vault rows (all columns),
 *    each value opened with AES-256-GCM, AAD (table, field, row, subject)
 *    and tag check, under the subject's data key kept set up (as the
 *    library's key cache and opener keep it);
 *  - one look whether any hold touches the subject, and for each record
 *    under a legal-duty rule without due time or anchor the kept-record
 *    look (tombstone_kept) and the duty's end;
 *  - the consent, signal, disclosure, transfer and consultation histories
 *    and each policy recipient's recorded safeguards (empty here, but read);
 *  - the JSON document: every record and identifier rendered as the
 *    library renders it (the floor's document is compared byte for byte
 *    with the library's once); the policy sections, which carry no
 *    personal data, are copied from the library's document as
 *    pre-rendered bytes (less work than rendering them);
 *  - the audit event: tail read, HMAC-SHA-256 over the encoded event and
 *    the previous MAC, insert, generation raised, then COMMIT of both
 *    files (the data file synced: synchronous=FULL).
 * Not in the floor: the library's re-reads of its own counters and policy
 * version at the start of the call (engine bookkeeping). The values are
 * sealed again in the copy under a key the floor holds (the library's keys
 * are not at hand), same lengths, same AAD. */

#define FLOOR_OUT_BYTES 65536u
#define FLOOR_NOW 1767225600

typedef struct {
    char *buf;
    size_t used;
    size_t bytes;
    char *keep; /* the first run keeps the whole document to compare */
    size_t kept;
} floor_out;

static void
fo_flush(floor_out *o)
{
    if (o->keep != NULL) {
        memcpy(o->keep + o->kept, o->buf, o->used);
        o->kept += o->used;
    }
    o->bytes += o->used;
    o->used = 0;
}

static void
fo_put(floor_out *o, const void *p, size_t n)
{
    const char *c = p;

    while (n > FLOOR_OUT_BYTES - o->used) {
        size_t part = FLOOR_OUT_BYTES - o->used;
        memcpy(o->buf + o->used, c, part);
        o->used += part;
        c += part;
        n -= part;
        fo_flush(o);
    }
    memcpy(o->buf + o->used, c, n);
    o->used += n;
}

#define FO_LIT(o, s) fo_put((o), (s), sizeof(s) - 1)

/* A JSON string: quote, backslash and C0 controls escaped (RFC 8259). */
static void
fo_quoted(floor_out *o, const char *s, size_t n)
{
    size_t start = 0;

    FO_LIT(o, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        fo_put(o, s + start, i - start);
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            fo_put(o, esc, 2);
        } else {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            fo_put(o, esc, 6);
        }
        start = i + 1;
    }
    fo_put(o, s + start, n - start);
    FO_LIT(o, "\"");
}

static void
fo_text_or_null(floor_out *o, sqlite3_stmt *s, int col)
{
    const char *t = (const char *)sqlite3_column_text(s, col);

    if (t == NULL)
        FO_LIT(o, "null");
    else
        fo_quoted(o, t, (size_t)sqlite3_column_bytes(s, col));
}

static void
fo_int(floor_out *o, int64_t v)
{
    char d[24];
    int n = 0;
    uint64_t u = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;

    do {
        d[sizeof d - 1 - n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        d[sizeof d - 1 - n++] = '-';
    fo_put(o, d + sizeof d - n, (size_t)n);
}

/* Days since 1970-01-01 to a civil date and back (proleptic Gregorian). */
static void
floor_civil(int64_t days, int64_t *y, int *m, int *d)
{
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;

    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int64_t
floor_days(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* "YYYY-MM-DDTHH:MM:SSZ", quoted. */
static void
fo_time(floor_out *o, int64_t t)
{
    int64_t days = (t >= 0 ? t : t - 86399) / 86400, y;
    int64_t secs = t - days * 86400;
    int m, d;
    char b[22];

    floor_civil(days, &y, &m, &d);
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
    b[16] = (char)('0' + secs % 600 / 60);
    b[17] = ':';
    b[18] = (char)('0' + secs % 60 / 10);
    b[19] = (char)('0' + secs % 10);
    b[20] = 'Z';
    b[21] = '"';
    fo_put(o, b, sizeof b);
}

/* The policy's retention of the bench's (category, purpose) pairs
 * (examples/policy.json), rendered once per export as the library does. */
typedef struct {
    const char *category, *purpose, *rule, *period, *anchor, *action, *criteria, *exemption,
        *article;
    int years; /* legal duty: the rule's period in years, else 0 */
} floor_rule;

static const floor_rule floor_rules[] = {
    {"contact", "service", NULL, NULL, NULL, NULL,
     "No fixed period in the policy: kept while needed for purpose 'service' (legal basis "
     "contract), then erased",
     NULL, NULL, 0},
    {"usage", "service", "R-4", "P18M", "last_activity", "anonymise",
     "P18M after last_activity, then anonymise (rule R-4)", NULL, NULL, 0},
    {"financial", "billing", "R-1", "P6Y", "contract_end", "erase",
     "P6Y after contract_end, then erase (rule R-1; kept from erasure until then under Art. "
     "17(3)(b) (legal_obligation))",
     "legal_obligation", "Art. 17(3)(b)", 6},
};
#define FLOOR_RULES (sizeof floor_rules / sizeof floor_rules[0])

typedef struct {
    sqlite3 *db, *kdb;
    sqlite3_stmt *find, *begin_k, *begin_d, *gen, *orphans, *ident, *rows, *hold, *kept, *consent,
        *signal, *disclosure, *transfer, *access, *safeguard, *tail, *audit, *bump, *commit_k,
        *commit_d;
    floor_crypto fc;
    EVP_CIPHER_CTX *open;
    unsigned char hash[32];
    const char *doc; /* the library's document: the policy sections are copied from it */
    size_t a_len, b_off, b_len, c_off, c_len;
    floor_out out;
} export_floor;

static sqlite3_stmt *
floor_prepare(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s = NULL;

    sql_ok(sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL), db, sql);
    return s;
}

static void
floor_step_all(sqlite3 *db, sqlite3_stmt *s)
{
    int rc;

    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        ;
    sql_ok(rc, db, sqlite3_sql(s));
    sqlite3_reset(s);
}

static size_t
floor_aad(unsigned char *aad, const char *table, const char *field, int64_t row,
          const unsigned char hash[32])
{
    size_t t = strlen(table) + 1, f = strlen(field) + 1, n = 0;

    memcpy(aad, table, t);
    n += t;
    memcpy(aad + n, field, f);
    n += f;
    for (int i = 7; i >= 0; i--)
        aad[n++] = (unsigned char)((uint64_t)row >> (8 * i));
    memcpy(aad + n, hash, 32);
    return n + 32;
}

/* The copy's sealed values replaced by the same plaintexts sealed under the
 * floor's key: version byte, nonce, ciphertext, tag (the library's layout). */
static void
floor_reseal(export_floor *f, const char *sql_rows, const char *sql_set, const char *table,
             int vault)
{
    sqlite3_stmt *rows = floor_prepare(f->db, sql_rows), *set = floor_prepare(f->db, sql_set);
    long r = 0;

    sql_ok(sqlite3_exec(f->db, "BEGIN", NULL, NULL, NULL), f->db, "begin");
    sqlite3_bind_blob(rows, 1, f->hash, 32, SQLITE_STATIC);
    while (sqlite3_step(rows) == SQLITE_ROW) {
        unsigned char aad[128], sealed[1 + 64 + VALUE_LEN];
        char field[64], plain[VALUE_LEN];
        const char *text = "target@example.com";
        size_t len = strlen(text), aad_len;
        int64_t id = sqlite3_column_int64(rows, 0);

        if (vault) {
            snprintf(field, sizeof field, "value:%s", (const char *)sqlite3_column_text(rows, 1));
            value_for(r++, plain);
            text = plain;
            len = VALUE_LEN;
        } else {
            snprintf(field, sizeof field, "value");
        }
        aad_len = floor_aad(aad, table, field, id, f->hash);
        sealed[0] = 1;
        floor_seal(&f->fc, aad, aad_len, text, len, sealed + 1);
        sqlite3_bind_blob(set, 1, sealed, (int)(1 + 12 + len + 16), SQLITE_TRANSIENT);
        sqlite3_bind_int64(set, 2, id);
        sql_ok(sqlite3_step(set), f->db, "reseal");
        sqlite3_reset(set);
    }
    sqlite3_finalize(rows);
    sqlite3_finalize(set);
    sql_ok(sqlite3_exec(f->db, "COMMIT", NULL, NULL, NULL), f->db, "commit");
}

static size_t
doc_find(const char *doc, size_t len, const char *what)
{
    size_t n = strlen(what);

    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(doc + i, what, n) == 0)
            return i;
    fprintf(stderr, "floor: '%s' not in the library's document\n", what);
    exit(1);
}

static void
floor_open(export_floor *f, const char *name, const char *doc, size_t doc_len)
{
    char from[512], to[600];

    memset(f, 0, sizeof *f);
    snprintf(from, sizeof from, "%s/%s.db", bench_tmpdir(), name);
    snprintf(to, sizeof to, "%s/floor-%s.db", bench_tmpdir(), name);
    f->db = bench_copy_store(from, to);
    snprintf(from, sizeof from, "%s/%s.db-keys", bench_tmpdir(), name);
    snprintf(to, sizeof to, "%s/floor-%s.db-keys", bench_tmpdir(), name);
    f->kdb = bench_copy_store(from, to);
    sqlite3_busy_timeout(f->db, 5000);
    sqlite3_busy_timeout(f->kdb, 5000);
    floor_crypto_init(&f->fc);
    f->open = EVP_CIPHER_CTX_new();
    /* The key set up once; each open sets the nonce only. */
    if (f->open == NULL || EVP_DecryptInit_ex2(f->open, f->fc.gcm, f->fc.dek, NULL, NULL) != 1) {
        fprintf(stderr, "floor: cipher setup failed\n");
        exit(1);
    }
    {
        sqlite3_stmt *s = floor_prepare(f->db, "SELECT s.hash FROM main.identity i"
                                               " JOIN main.subject s ON s.id = i.subject_id"
                                               " LIMIT 1");
        if (sqlite3_step(s) != SQLITE_ROW || sqlite3_column_bytes(s, 0) != 32) {
            fprintf(stderr, "floor: the target subject is not in the copy\n");
            exit(1);
        }
        memcpy(f->hash, sqlite3_column_blob(s, 0), 32);
        sqlite3_finalize(s);
    }
    floor_reseal(f,
                 "SELECT id, category FROM main.vault"
                 " WHERE subject_id=(SELECT id FROM main.subject WHERE hash=?1) ORDER BY id",
                 "UPDATE main.vault SET value=?1 WHERE id=?2", "vault", 1);
    floor_reseal(f,
                 "SELECT id FROM main.identity"
                 " WHERE subject_id=(SELECT id FROM main.subject WHERE hash=?1) ORDER BY id",
                 "UPDATE main.identity SET value=?1 WHERE id=?2", "identity", 0);
    sql_ok(sqlite3_wal_checkpoint_v2(f->db, "main", SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL), f->db,
           "checkpoint");

    f->find = floor_prepare(f->db, "SELECT id FROM main.subject WHERE hash=?1");
    f->begin_k = floor_prepare(f->kdb, "BEGIN IMMEDIATE");
    f->begin_d = floor_prepare(f->db, "BEGIN IMMEDIATE");
    f->gen = floor_prepare(f->db, "SELECT value FROM main.counter WHERE name = 'generation'");
    f->orphans = floor_prepare(f->kdb, "SELECT hash FROM main.subject_key WHERE gen > ?1"
                                       " ORDER BY gen LIMIT ?2");
    /* The subject named by its integer id (schema steps 27, 28): each
     * read finds the id of the bound hash in the statement, as the
     * library's do (lib/store/sqlite/vault.c, erasure.c, signal.c,
     * consent.c, transfer.c, access.c). */
    f->ident = floor_prepare(f->db, "SELECT id, kind, created, value FROM main.identity"
                                    " WHERE subject_id=(SELECT id FROM main.subject WHERE hash=?1)"
                                    " ORDER BY id");
    f->rows = floor_prepare(f->db, "SELECT id, ?1, category, purpose, field, source,"
                                   " collected, updated, anchor, due, special, value"
                                   " FROM main.vault WHERE subject_id=(SELECT id FROM main.subject"
                                   " WHERE hash=?1) ORDER BY id");
    f->hold = floor_prepare(
        f->db, "SELECT EXISTS(SELECT 1 FROM main.erasure_hold WHERE released_at = 0 AND until > ?2"
               " AND ((scope IN (1, 3) AND (subject = ?1 OR (scope = 3 AND subject IS NULL)))"
               " OR (scope = 2 AND record IN (SELECT id FROM main.vault WHERE subject_id ="
               " (SELECT id FROM main.subject WHERE hash=?1)))))");
    f->kept = floor_prepare(f->db, "SELECT max(until), rule FROM main.tombstone_kept"
                                   " WHERE record=?1 AND erased_at=0 HAVING count(*) > 0");
    f->consent = floor_prepare(
        f->db, "SELECT c.id, c.at, c.purpose, c.state, c.notice, c.channel, c.actor, c.expires,"
               " c.recipient, c.proof, c.flags, c.recipient_sealed, c.notice_version,"
               " c.notice_sha256, c.policy_version,"
               " (SELECT value FROM main.meta WHERE name='store_id'),"
               " (SELECT hash FROM main.subject WHERE id=c.subject_id), c.guardian, c.mac"
               " FROM main.consent c WHERE c.subject_id=(SELECT id FROM main.subject"
               " WHERE hash=?1) ORDER BY c.id");
    f->signal = floor_prepare(f->db, "SELECT id, ?1, at, kind, value, channel, actor"
                                     " FROM main.consent_signal WHERE subject_id=(SELECT id"
                                     " FROM main.subject WHERE hash=?1) ORDER BY id");
    f->disclosure = floor_prepare(
        f->db, "SELECT id, at, recipient, purpose, ground, actor, recipient_sealed, consent_event,"
               " subject FROM main.disclosure WHERE subject_id=(SELECT id FROM main.subject"
               " WHERE hash=?1) ORDER BY id");
    f->transfer = floor_prepare(f->db, "SELECT id, at, recipient, country, mechanism, reference,"
                                       " allowed, reason, subject FROM main.transfer"
                                       " WHERE subject_id=(SELECT id FROM main.subject"
                                       " WHERE hash=?1) ORDER BY id");
    f->access = floor_prepare(f->db, "SELECT id, ?1, at, actor, role, action, purpose,"
                                     " record, reason FROM main.access_log WHERE subject_id=(SELECT"
                                     " id FROM main.subject WHERE hash=?1) ORDER BY id");
    f->safeguard = floor_prepare(f->db, "SELECT id, recipient, type, module, reference, valid_from,"
                                        " valid_until, added_at, added_by, revoked_at FROM"
                                        " main.transfer_safeguard WHERE ?1 IS NULL OR recipient=?1"
                                        " ORDER BY id");
    f->tail = floor_prepare(f->db, "SELECT seq, mac FROM main.audit ORDER BY seq DESC LIMIT 1");
    f->audit = floor_prepare(f->db, "INSERT INTO main.audit(seq, at, actor, role, action, subject,"
                                    " outcome, ref, mac, subject_id) VALUES(?1, ?2, ?3, ?4, ?5,"
                                    " ?6, ?7, ?8, ?9, coalesce(?10, (SELECT id FROM main.subject"
                                    " WHERE hash=?6)))");
    f->bump = floor_prepare(f->db, "UPDATE main.counter SET value = value + 1"
                                   " WHERE name = 'generation' RETURNING value");
    f->commit_k = floor_prepare(f->kdb, "COMMIT");
    f->commit_d = floor_prepare(f->db, "COMMIT");
    f->out.buf = malloc(FLOOR_OUT_BYTES);
    /* The policy sections: everything but the identifiers and records. */
    f->doc = doc;
    f->a_len = doc_find(doc, doc_len, "\"identifiers\": [") + strlen("\"identifiers\": [");
    f->b_off = doc_find(doc, doc_len, "\n    ]\n  },\n  \"controller\"");
    f->b_len = doc_find(doc, doc_len, "\"records\": [") + strlen("\"records\": [") - f->b_off;
    f->c_off = doc_find(doc, doc_len, "\n  ],\n  \"sources\"");
    f->c_len = doc_len - f->c_off;
}

static void
floor_close(export_floor *f)
{
    sqlite3_stmt *all[] = {f->find,   f->begin_k,    f->begin_d,  f->gen,      f->orphans,
                           f->ident,  f->rows,       f->hold,     f->kept,     f->consent,
                           f->signal, f->disclosure, f->transfer, f->access,   f->safeguard,
                           f->tail,   f->audit,      f->bump,     f->commit_k, f->commit_d};

    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        sqlite3_finalize(all[i]);
    sqlite3_close(f->db);
    sqlite3_close(f->kdb);
    EVP_CIPHER_CTX_free(f->open);
    floor_crypto_free(&f->fc);
    free(f->out.buf);
}

/* One sealed value opened into plain; exits on a failed tag. */
static void
floor_open_value(export_floor *f, const char *table, const char *field, int64_t row,
                 const unsigned char *sealed, int sealed_len, unsigned char *plain)
{
    unsigned char aad[128], tag[16];
    size_t aad_len = floor_aad(aad, table, field, row, f->hash);
    int len = sealed_len - 29, n = 0;

    memcpy(tag, sealed + 13 + len, 16);
    if (sealed_len < 29 || sealed[0] != 1 ||
        EVP_DecryptInit_ex2(f->open, NULL, NULL, sealed + 1, NULL) != 1 ||
        EVP_DecryptUpdate(f->open, NULL, &n, aad, (int)aad_len) != 1 ||
        EVP_DecryptUpdate(f->open, plain, &n, sealed + 13, len) != 1 ||
        EVP_CIPHER_CTX_ctrl(f->open, EVP_CTRL_AEAD_SET_TAG, 16, tag) != 1 ||
        EVP_DecryptFinal_ex(f->open, plain + len, &n) != 1) {
        fprintf(stderr, "floor: %s %lld does not open\n", table, (long long)row);
        exit(1);
    }
}

static void
floor_event_text(unsigned char *e, size_t *n, const char *s)
{
    uint32_t len = (uint32_t)strlen(s);

    for (int i = 3; i >= 0; i--)
        e[(*n)++] = (unsigned char)(len >> (8 * i));
    memcpy(e + *n, s, len);
    *n += len;
}

static void
floor_u64(unsigned char *e, size_t *n, uint64_t v)
{
    for (int i = 7; i >= 0; i--)
        e[(*n)++] = (unsigned char)(v >> (8 * i));
}

/* The audit event with its chained MAC (lib/core/audit.c's encoding). */
static void
floor_audit(export_floor *f, const char *ref)
{
    unsigned char e[512], mac[32], prev[32] = {0};
    int64_t seq = 0;
    size_t n = 0;

    if (sqlite3_step(f->tail) == SQLITE_ROW) {
        seq = sqlite3_column_int64(f->tail, 0);
        if (sqlite3_column_bytes(f->tail, 1) == 32)
            memcpy(prev, sqlite3_column_blob(f->tail, 1), 32);
    }
    sqlite3_reset(f->tail);
    memcpy(e, "libgdpr audit 1", 16);
    n = 16;
    floor_u64(e, &n, (uint64_t)(seq + 1));
    floor_u64(e, &n, FLOOR_NOW);
    floor_event_text(e, &n, dpo.id);
    floor_event_text(e, &n, dpo.role);
    floor_event_text(e, &n, "export.subject");
    e[n++] = 1;
    memcpy(e + n, f->hash, 32);
    n += 32;
    memset(e + n, 0, 4); /* outcome GDPR_OK, 32 bits */
    n += 4;
    floor_event_text(e, &n, ref);
    memcpy(e + n, prev, 32);
    n += 32;
    floor_hmac(&f->fc, e, n, NULL, 0, mac);
    sqlite3_bind_int64(f->audit, 1, seq + 1);
    sqlite3_bind_int64(f->audit, 2, FLOOR_NOW);
    sqlite3_bind_text(f->audit, 3, dpo.id, -1, SQLITE_STATIC);
    sqlite3_bind_text(f->audit, 4, dpo.role, -1, SQLITE_STATIC);
    sqlite3_bind_text(f->audit, 5, "export.subject", -1, SQLITE_STATIC);
    sqlite3_bind_blob(f->audit, 6, f->hash, 32, SQLITE_STATIC);
    sqlite3_bind_int(f->audit, 7, 0);
    sqlite3_bind_text(f->audit, 8, ref, -1, SQLITE_STATIC);
    sqlite3_bind_blob(f->audit, 9, mac, 32, SQLITE_STATIC);
    /* ?10 stays NULL: the library found the subject before its
     * transaction, so it remembers no id and the statement finds it. */
    sqlite3_bind_null(f->audit, 10);
    sql_ok(sqlite3_step(f->audit), f->db, "floor audit");
    sqlite3_reset(f->audit);
}

static void
floor_records(export_floor *f, int64_t now)
{
    floor_out *o = &f->out;
    char rendered[FLOOR_RULES][512];
    size_t rendered_len[FLOOR_RULES] = {0};
    int holds = -1, first = 1;
    unsigned char plain[4096];

    sqlite3_bind_blob(f->rows, 1, f->hash, 32, SQLITE_STATIC);
    while (sqlite3_step(f->rows) == SQLITE_ROW) {
        sqlite3_stmt *s = f->rows;
        int64_t id = sqlite3_column_int64(s, 0);
        const char *category = (const char *)sqlite3_column_text(s, 2);
        const char *purpose = (const char *)sqlite3_column_text(s, 3);
        const unsigned char *sealed = sqlite3_column_blob(s, 11);
        int sealed_len = sqlite3_column_bytes(s, 11), len = sealed_len - 29;
        const floor_rule *r = NULL;
        size_t ri = 0;
        char field[64];

        for (ri = 0; ri < FLOOR_RULES; ri++)
            if (strcmp(floor_rules[ri].category, category) == 0 &&
                strcmp(floor_rules[ri].purpose, purpose) == 0)
                break;
        if (ri == FLOOR_RULES || len < 0 || len > (int)sizeof plain) {
            fprintf(stderr, "floor: record %lld not as the bench wrote it\n", (long long)id);
            exit(1);
        }
        r = &floor_rules[ri];
        snprintf(field, sizeof field, "value:%s", category);
        floor_open_value(f, "vault", field, id, sealed, sealed_len, plain);
        if (rendered_len[ri] == 0) {
            rendered_len[ri] = (size_t)snprintf(
                rendered[ri], sizeof rendered[ri],
                r->rule ? "\n        \"rule\": \"%s\",\n        \"period\": \"%s\",\n        "
                          "\"anchor\": \"%s\",\n        \"action\": \"%s\",\n        "
                          "\"criteria\": \"%s\","
                        : "\n        \"rule\": null,\n        \"period\": null,\n        "
                          "\"anchor\": null,\n        \"action\": null,\n        "
                          "\"criteria\": \"%s\",",
                r->rule ? r->rule : r->criteria, r->period, r->anchor, r->action, r->criteria);
        }
        if (first)
            FO_LIT(o, "\n    {\n      \"id\": ");
        else
            FO_LIT(o, ",\n    {\n      \"id\": ");
        first = 0;
        fo_int(o, id);
        FO_LIT(o, ",\n      \"category\": ");
        fo_text_or_null(o, s, 2);
        if (sqlite3_column_int(s, 10))
            FO_LIT(o, ",\n      \"special\": true,\n      \"purpose\": ");
        else
            FO_LIT(o, ",\n      \"special\": false,\n      \"purpose\": ");
        fo_text_or_null(o, s, 3);
        FO_LIT(o, ",\n      \"field\": ");
        fo_text_or_null(o, s, 4);
        FO_LIT(o, ",\n      \"collected_from\": ");
        fo_text_or_null(o, s, 5);
        FO_LIT(o, ",\n      \"collected\": ");
        fo_time(o, sqlite3_column_int64(s, 6));
        FO_LIT(o, ",\n      \"updated\": ");
        fo_time(o, sqlite3_column_int64(s, 7));
        FO_LIT(o, ",\n      \"retention\": {");
        fo_put(o, rendered[ri], rendered_len[ri]);
        FO_LIT(o, "\n        \"due\": ");
        if (sqlite3_column_type(s, 9) == SQLITE_NULL)
            FO_LIT(o, "null");
        else
            fo_time(o, sqlite3_column_int64(s, 9));
        FO_LIT(o, "\n      },\n      \"erasure_exemption\": ");
        if (holds < 0) {
            sqlite3_bind_blob(f->hold, 1, f->hash, 32, SQLITE_STATIC);
            sqlite3_bind_int64(f->hold, 2, now);
            sql_ok(sqlite3_step(f->hold), f->db, "floor hold");
            holds = sqlite3_column_int(f->hold, 0);
            sqlite3_reset(f->hold);
            if (holds) {
                fprintf(stderr, "floor: the bench sets no hold\n");
                exit(1);
            }
        }
        if (r->years > 0) {
            int64_t y, end = 0;
            int m, d;
            if (sqlite3_column_type(s, 9) != SQLITE_NULL) {
                end = sqlite3_column_int64(s, 9);
            } else {
                int64_t anchor = sqlite3_column_int64(s, 8), from = anchor > 0 ? anchor : now;
                if (anchor <= 0) {
                    sqlite3_bind_int64(f->kept, 1, id);
                    floor_step_all(f->db, f->kept);
                }
                floor_civil(from / 86400, &y, &m, &d);
                y += r->years;
                if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
                    d = 28;
                end = floor_days(y, m, d) * 86400 + from % 86400;
            }
            FO_LIT(o, "{\n        \"ground\": ");
            fo_quoted(o, r->exemption, strlen(r->exemption));
            FO_LIT(o, ",\n        \"article\": ");
            fo_quoted(o, r->article, strlen(r->article));
            FO_LIT(o, ",\n        \"by\": \"retention_rule\",\n        \"rule\": ");
            fo_quoted(o, r->rule, strlen(r->rule));
            FO_LIT(o, ",\n        \"until\": ");
            fo_time(o, end);
            FO_LIT(o, "\n      }");
        } else {
            FO_LIT(o, "null");
        }
        /* Text goes out escaped; the bench's values are ASCII text. */
        FO_LIT(o, ",\n      \"encoding\": \"utf-8\",\n      \"value\": ");
        fo_quoted(o, (const char *)plain, (size_t)len);
        OPENSSL_cleanse(plain, (size_t)len);
        FO_LIT(o, "\n    }");
    }
    sql_ok(sqlite3_errcode(f->db), f->db, "floor rows");
    sqlite3_reset(f->rows);
}

static void
floor_export_once(export_floor *f)
{
    static const char *const recipients[] = {"mailer-eu", "acme-analytics", "cloudco-us",
                                             "support-in", "revenue"};
    floor_out *o = &f->out;
    unsigned char mac[32], plain[256];
    int64_t generation = 0;
    int first = 1;

    floor_hmac(&f->fc, "subject", 7, "target", 6, mac);
    sqlite3_bind_blob(f->find, 1, f->hash, 32, SQLITE_STATIC);
    if (sqlite3_step(f->find) != SQLITE_ROW) {
        fprintf(stderr, "floor: subject not found\n");
        exit(1);
    }
    sqlite3_reset(f->find);
    sql_ok(sqlite3_step(f->begin_k), f->kdb, "begin keys");
    sqlite3_reset(f->begin_k);
    sql_ok(sqlite3_step(f->begin_d), f->db, "begin data");
    sqlite3_reset(f->begin_d);
    if (sqlite3_step(f->gen) == SQLITE_ROW)
        generation = sqlite3_column_int64(f->gen, 0);
    sqlite3_reset(f->gen);
    sqlite3_bind_int64(f->orphans, 1, generation);
    sqlite3_bind_int(f->orphans, 2, 256);
    floor_step_all(f->kdb, f->orphans);

    fo_put(o, f->doc, f->a_len);
    sqlite3_bind_blob(f->ident, 1, f->hash, 32, SQLITE_STATIC);
    while (sqlite3_step(f->ident) == SQLITE_ROW) {
        int len = sqlite3_column_bytes(f->ident, 3) - 29;
        if (len < 0 || len > (int)sizeof plain) {
            fprintf(stderr, "floor: identifier not as the bench wrote it\n");
            exit(1);
        }
        floor_open_value(f, "identity", "value", sqlite3_column_int64(f->ident, 0),
                         sqlite3_column_blob(f->ident, 3), len + 29, plain);
        if (first)
            FO_LIT(o, "\n      {\n        \"kind\": ");
        else
            FO_LIT(o, ",\n      {\n        \"kind\": ");
        first = 0;
        fo_text_or_null(o, f->ident, 1);
        FO_LIT(o, ",\n        \"encoding\": \"utf-8\",\n        \"value\": ");
        fo_quoted(o, (const char *)plain, (size_t)len);
        OPENSSL_cleanse(plain, (size_t)len);
        FO_LIT(o, ",\n        \"linked_at\": ");
        fo_time(o, sqlite3_column_int64(f->ident, 2));
        FO_LIT(o, "\n      }");
    }
    sqlite3_reset(f->ident);
    fo_put(o, f->doc + f->b_off, f->b_len);
    floor_records(f, FLOOR_NOW);
    {
        sqlite3_stmt *hist[] = {f->consent, f->signal, f->disclosure, f->transfer, f->access};
        for (size_t i = 0; i < sizeof hist / sizeof hist[0]; i++) {
            sqlite3_bind_blob(hist[i], 1, f->hash, 32, SQLITE_STATIC);
            floor_step_all(f->db, hist[i]);
        }
    }
    for (size_t i = 0; i < sizeof recipients / sizeof recipients[0]; i++) {
        sqlite3_bind_text(f->safeguard, 1, recipients[i], -1, SQLITE_STATIC);
        floor_step_all(f->db, f->safeguard);
    }
    fo_put(o, f->doc + f->c_off, f->c_len);
    fo_flush(o);
    floor_audit(f, "export json: 1000 records, 0 source items");
    floor_step_all(f->db, f->bump);
    sql_ok(sqlite3_step(f->commit_k), f->kdb, "commit keys");
    sqlite3_reset(f->commit_k);
    sql_ok(sqlite3_step(f->commit_d), f->db, "commit data");
    sqlite3_reset(f->commit_d);
}

/* The floor's first document must be the library's, byte for byte. */
static void
floor_check(export_floor *f, size_t doc_len)
{
    f->out.keep = malloc(doc_len + FLOOR_OUT_BYTES);
    f->out.kept = 0;
    floor_export_once(f);
    if (f->out.kept != doc_len || memcmp(f->out.keep, f->doc, doc_len) != 0) {
        size_t i = 0;
        while (i < doc_len && i < f->out.kept && f->out.keep[i] == f->doc[i])
            i++;
        fprintf(stderr, "floor: document differs from the library's at byte %zu (%zu vs %zu)\n", i,
                f->out.kept, doc_len);
        exit(1);
    }
    free(f->out.keep);
    f->out.keep = NULL;
}

static double
floor_export(export_floor *f)
{
    double t0 = bench_now();

    floor_export_once(f);
    return bench_now() - t0;
}

/* Heap in use at the peak of one export, above what was in use before:
 * glibc's counters read from the write callback. */
typedef struct {
    size_t base, peak;
} heap_probe;

static int
heap_write(const void *buf, size_t len, void *ctx)
{
    heap_probe *h = ctx;
    struct mallinfo2 m = mallinfo2();

    (void)buf;
    (void)len;
    if (m.uordblks > h->peak)
        h->peak = m.uordblks;
    return 0;
}

static size_t
heap_growth(gdpr_engine *eng)
{
    heap_probe h;
    struct mallinfo2 m = mallinfo2();

    h.base = h.peak = m.uordblks;
    check(gdpr_export_subject(eng, &dpo, "target", GDPR_EXPORT_JSON, heap_write, &h), "export");
    return h.peak - h.base;
}

int
main(void)
{
    long big = (long)(1000000 * bench_scale());
    long small = (long)(10000 * bench_scale());
    double t_small[RUNS], t_big[RUNS], t_commit[RUNS], f_small[RUNS], f_big[RUNS];
    double ours_small, ours_big, raw_small, raw_big, commit, floor_small, floor_big;
    size_t bytes = 0, heap_small, heap_big;
    gdpr_engine *eng_small, *eng_big;
    export_floor fl_small, fl_big;
    capture doc = {NULL, 0, 0}, doc_big = {NULL, 0, 0};
    sqlite3_stmt *ins = NULL;
    sqlite3 *cdb;
    char label[96];

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (small < 100)
        small = 100;
    if (big < small)
        big = small;
    printf("export: one subject with %d records; stores of %ld and %ld subjects; median of %d,"
           " runs interleaved\n",
           RECORDS, small, big, RUNS);
    eng_small = build_store("small", small);
    eng_big = build_store("big", big);
    check(gdpr_export_subject(eng_small, &dpo, "target", GDPR_EXPORT_JSON, capture_write, &doc),
          "export");
    check(gdpr_export_subject(eng_big, &dpo, "target", GDPR_EXPORT_JSON, capture_write, &doc_big),
          "export");
    floor_open(&fl_small, "small", doc.text, doc.len);
    floor_open(&fl_big, "big", doc_big.text, doc_big.len);
    floor_check(&fl_small, doc.len);
    floor_check(&fl_big, doc_big.len);
    cdb = commit_db(&ins);
    /* Interleaved, so both stores, their floors and the bare commit meet
     * the same machine: a busy neighbour or a slow fsync hits all alike. */
    for (int i = 0; i < RUNS; i++) {
        t_small[i] = one_export(eng_small, &bytes);
        f_small[i] = floor_export(&fl_small);
        t_big[i] = one_export(eng_big, &bytes);
        f_big[i] = floor_export(&fl_big);
        t_commit[i] = one_commit(cdb, ins);
    }
    heap_small = heap_growth(eng_small);
    heap_big = heap_growth(eng_big);
    ours_small = bench_median(t_small, RUNS);
    ours_big = bench_median(t_big, RUNS);
    floor_small = bench_median(f_small, RUNS);
    floor_big = bench_median(f_big, RUNS);
    commit = bench_median(t_commit, RUNS);
    floor_close(&fl_small);
    floor_close(&fl_big);
    free(doc.text);
    free(doc_big.text);
    sqlite3_finalize(ins);
    sqlite3_close(cdb);
    gdpr_close(eng_small);
    gdpr_close(eng_big);
    raw_small = raw_export("raw-small", small);
    raw_big = raw_export("raw-big", big);
    snprintf(label, sizeof label, "gdpr_export_subject JSON, %ld subjects", small);
    bench_report_latency(label, ours_small, "floor: same rows, crypto, JSON, commit", floor_small);
    snprintf(label, sizeof label, "gdpr_export_subject JSON, %ld subjects", big);
    bench_report_latency(label, ours_big, "floor: same rows, crypto, JSON, commit", floor_big);
    bench_report_latency("one durable SQLite commit (the audit event)", commit,
                         "floor at the larger store", floor_big);
    /* The naive baseline of earlier runs, for comparison with them. */
    snprintf(label, sizeof label, "gdpr_export_subject JSON, %ld subjects", small);
    bench_report_latency(label, ours_small, "naive: raw export + one commit", raw_small + commit);
    snprintf(label, sizeof label, "gdpr_export_subject JSON, %ld subjects", big);
    bench_report_latency(label, ours_big, "naive: raw export + one commit", raw_big + commit);
    printf("  document: %zu bytes; median at %ld subjects: %.3f ms (target <= 2 ms), %.2fx the "
           "floor (target <= 1.25x); at %ld vs %ld subjects: %.2fx (target: flat)\n",
           bytes, big, ours_big * 1e3, ours_big / floor_big, big, small, ours_big / ours_small);
    printf("  heap growth during one export: %zu KiB (%ld subjects), %zu KiB (%ld subjects)\n",
           heap_small / 1024, small, heap_big / 1024, big);
    bench_cleanup();
    return 0;
}
