/*
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include "helpers.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include "fault-vfs.h"

#ifdef GDPR_TEST_LIBPQ
#include <libpq-fe.h>
#endif

#ifndef TEST_SOURCE_ROOT
#error "TEST_SOURCE_ROOT must be defined by the build"
#endif

const unsigned char th_key[32] = {
    0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
    0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87, 0x78, 0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0f,
};
const gdpr_actor th_dpo = {"dpo-1", "dpo"};
const gdpr_actor th_agent = {"agent-7", "agent"};
const gdpr_actor th_system = {"nightly", "system"};

int64_t
th_clock(void *ctx)
{
    return ((th_store *)ctx)->now;
}

const char *
th_example_policy_path(void)
{
    return TEST_SOURCE_ROOT "/examples/policy.json";
}

int
th_open(th_store *ts, gdpr_engine **out)
{
    gdpr_options opts = GDPR_OPTIONS_INIT;

    opts.path = ts->db;
    opts.key = th_key;
    opts.key_len = sizeof th_key;
    opts.clock = th_clock;
    opts.clock_ctx = ts;
    return gdpr_open(out, &opts);
}

static int
is_pg_uri(const char *path)
{
    return path != NULL &&
           (strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0);
}

/* A raw SQLite helper called on a PostgreSQL store: the test forgot its
 * TH_SQLITE_ONLY. Fail loudly rather than pass on a file that is not there. */
static void
refuse_pg(const char *helper, const char *path)
{
    if (is_pg_uri(path))
        ck_abort_msg("%s reads SQLite files; on PostgreSQL the test must start with "
                     "TH_SQLITE_ONLY(\"why\")",
                     helper);
}

int
th_on_postgres(void)
{
    const char *b = getenv("GDPR_TEST_BACKEND");
    return b != NULL && strcmp(b, "postgres") == 0;
}

int
th_sqlite_only_suite(const char *why)
{
    if (!th_on_postgres())
        return 0;
    printf("SKIP on PostgreSQL: the whole suite (%s)\n", why);
    return 1;
}

int
th_skip_sqlite_only(const char *test, const char *why)
{
    const char *log = getenv("GDPR_TH_SKIPLOG");
    char line[400];
    int n, fd;

    if (!th_on_postgres())
        return 0;
    n = snprintf(line, sizeof line, "SKIP on PostgreSQL: %s (%s)\n", test, why);
    if (n < 0 || n >= (int)sizeof line) {
        n = (int)sizeof line - 1;
        line[n - 1] = '\n';
    }
    fputs(line, stdout);
    fflush(stdout);
    /* Forked test processes append to the suite's log; th_run counts. */
    if (log != NULL && (fd = open(log, O_WRONLY | O_APPEND)) >= 0) {
        ck_assert_int_eq(write(fd, line, (size_t)n), n);
        close(fd);
    }
    return 1;
}

void
th_pg_db_name(const char *uri, char *out, size_t cap)
{
    const char *slash = strrchr(uri, '/');
    size_t n;

    ck_assert_ptr_nonnull(slash);
    n = strcspn(slash + 1, "?");
    ck_assert_uint_lt(n, cap);
    memcpy(out, slash + 1, n);
    out[n] = '\0';
}

void
th_pg_uri_with_db(const char *uri, const char *dbname, char *out, size_t cap)
{
    const char *auth = strstr(uri, "://"), *slash, *query;
    int n;

    ck_assert_ptr_nonnull(auth);
    slash = strchr(auth + 3, '/');
    query = strchr(auth + 3, '?');
    if (slash == NULL || (query != NULL && query < slash))
        slash = query != NULL ? query : uri + strlen(uri);
    n = snprintf(out, cap, "%.*s/%s%s", (int)(slash - uri), uri, dbname,
                 query != NULL ? query : "");
    ck_assert_msg(n > 0 && (size_t)n < cap, "URI too long for %s", dbname);
}

#ifdef GDPR_TEST_LIBPQ
static const char *
admin_uri(void)
{
    const char *uri = getenv("GDPR_TEST_PG_URI");
    ck_assert_msg(uri != NULL && *uri != '\0',
                  "GDPR_TEST_PG_URI is not set: run under tests/pg/with-postgres");
    return uri;
}

static PGconn *
pg_connect(const char *uri)
{
    PGconn *c = PQconnectdb(uri);
    ck_assert_ptr_nonnull(c);
    ck_assert_msg(PQstatus(c) == CONNECTION_OK, "connect: %s", PQerrorMessage(c));
    return c;
}

static void
pg_exec(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK,
                  "%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
}

/* The database name of a URI made by th_pg_create_db. */
static void
uri_dbname(const char *uri, char *out, size_t cap)
{
    const char *auth = strstr(uri, "://"), *slash;
    size_t n;

    ck_assert_ptr_nonnull(auth);
    slash = strchr(auth + 3, '/');
    ck_assert_ptr_nonnull(slash);
    n = strcspn(slash + 1, "?");
    ck_assert_uint_lt(n, cap);
    memcpy(out, slash + 1, n);
    out[n] = '\0';
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(out[i] == '_' || (out[i] >= 'a' && out[i] <= 'z') ||
                          (out[i] >= '0' && out[i] <= '9'),
                      "not a test database: %s", out);
}

void
th_pg_create_db(char *uri, size_t cap)
{
    static unsigned counter;
    char name[64], sql[128];
    unsigned char rnd[4];
    PGconn *c = pg_connect(admin_uri());

    ck_assert_int_eq(RAND_bytes(rnd, sizeof rnd), 1);
    snprintf(name, sizeof name, "gdpr_t_%ld_%u_%02x%02x%02x%02x", (long)getpid(), ++counter, rnd[0],
             rnd[1], rnd[2], rnd[3]);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    pg_exec(c, sql);
    PQfinish(c);
    th_pg_uri_with_db(admin_uri(), name, uri, cap);
}

void
th_pg_assert_alive(const char *uri)
{
    PGconn *c = pg_connect(uri);
    pg_exec(c, "SELECT 1");
    PQfinish(c);
}

int64_t
th_pg_exec(const char *uri, const char *sql)
{
    PGconn *c = pg_connect(uri);
    PGresult *r = PQexec(c, sql);
    int64_t n;

    ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK,
                  "%s: %s", sql, PQerrorMessage(c));
    n = strtoll(PQcmdTuples(r)[0] != '\0' ? PQcmdTuples(r) : "0", NULL, 10);
    PQclear(r);
    PQfinish(c);
    return n;
}

int
th_pg_try(const char *uri, const char *sql, char *err, size_t cap)
{
    PGconn *c = pg_connect(uri);
    PGresult *r = PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;

    snprintf(err, cap, "%s", ok ? "" : PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return ok ? 0 : -1;
}

int64_t
th_pg_int(const char *uri, const char *sql)
{
    PGconn *c = pg_connect(uri);
    PGresult *r = PQexec(c, sql);
    int64_t v;

    ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1, "%s: %s", sql,
                  PQerrorMessage(c));
    v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    PQfinish(c);
    return v;
}

void
th_pg_drop_db(const char *uri)
{
    char name[64], sql[160];
    PGconn *c = pg_connect(admin_uri());

    uri_dbname(uri, name, sizeof name);
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    pg_exec(c, sql);
    PQfinish(c);
}
#else
void
th_pg_create_db(char *uri, size_t cap)
{
    (void)uri;
    (void)cap;
    ck_abort_msg("the tests were built without libpq: no PostgreSQL");
}

void
th_pg_drop_db(const char *uri)
{
    (void)uri;
    ck_abort_msg("the tests were built without libpq: no PostgreSQL");
}

void
th_pg_assert_alive(const char *uri)
{
    (void)uri;
    ck_abort_msg("the tests were built without libpq: no PostgreSQL");
}

int64_t
th_pg_exec(const char *uri, const char *sql)
{
    (void)uri;
    (void)sql;
    ck_abort_msg("the tests were built without libpq: no PostgreSQL");
    return 0;
}

int
th_pg_try(const char *uri, const char *sql, char *err, size_t cap)
{
    (void)uri;
    (void)sql;
    (void)err;
    (void)cap;
    ck_abort_msg("the tests were built without libpq: no PostgreSQL");
    return -1;
}

int64_t
th_pg_int(const char *uri, const char *sql)
{
    (void)uri;
    (void)sql;
    ck_abort_msg("the tests were built without libpq: no PostgreSQL");
    return 0;
}
#endif

void
th_setup_bare(th_store *ts)
{
    memset(ts, 0, sizeof *ts);
    snprintf(ts->dir, sizeof ts->dir, "/tmp/gdpr-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(ts->dir));
    if (th_on_postgres()) {
        /* One database per store; no keystore file (schema gdpr_keys). */
        ts->on_pg = 1;
        th_pg_create_db(ts->db, sizeof ts->db);
        ts->keys[0] = '\0';
    } else {
        snprintf(ts->db, sizeof ts->db, "%s/store.db", ts->dir);
        snprintf(ts->keys, sizeof ts->keys, "%s-keys", ts->db);
    }
    ts->now = 1767225600; /* 2026-01-01T00:00:00Z */
    th_ok(th_open(ts, &ts->eng));
}

void
th_setup(th_store *ts)
{
    th_setup_bare(ts);
    th_ok(gdpr_policy_load(ts->eng, &th_dpo, th_example_policy_path()));
}

void
th_reopen(th_store *ts)
{
    gdpr_close(ts->eng);
    ts->eng = NULL;
    th_ok(th_open(ts, &ts->eng));
}

static void
remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[600];

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (unlink(path) != 0)
            remove_tree(path);
    }
    closedir(d);
    rmdir(dir);
}

void
th_teardown(th_store *ts)
{
    if (ts->eng != NULL)
        th_assert_integrity(ts);
    gdpr_close(ts->eng);
    ts->eng = NULL;
    if (ts->on_pg)
        th_pg_drop_db(ts->db);
    remove_tree(ts->dir);
}

char *
th_read_file(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, len = 0;

    if (f == NULL)
        return NULL;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            buf = realloc(buf, cap);
            ck_assert_ptr_nonnull(buf);
        }
        size_t n = fread(buf + len, 1, 4096, f);
        len += n;
        if (n < 4096)
            break;
    }
    fclose(f);
    buf[len] = '\0';
    if (len_out)
        *len_out = len;
    return buf;
}

int
th_file_contains(const char *path, const void *needle, size_t len)
{
    size_t size = 0;
    char *buf;
    int found;

    refuse_pg("th_file_contains", path);
    buf = th_read_file(path, &size);
    if (buf == NULL)
        return 0;
    found = memmem(buf, size, needle, len) != NULL;
    free(buf);
    return found;
}

int
th_store_files_contain(const th_store *ts, const void *needle, size_t len)
{
    static const char *const suffixes[] = {"", "-wal", "-journal", "-shm"};
    char path[400];

    refuse_pg("th_store_files_contain", ts->db);
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(path, sizeof path, "%s%s", ts->db, suffixes[i]);
        if (th_file_contains(path, needle, len))
            return 1;
        snprintf(path, sizeof path, "%s%s", ts->keys, suffixes[i]);
        if (th_file_contains(path, needle, len))
            return 1;
    }
    return 0;
}

/* Every row of every table, tables by name, rows ordered by all their
 * columns (a stable order whatever the file's layout). TH_DIGEST_SHAPE
 * digests a BLOB by its length only: ciphertexts under fresh nonces and
 * fresh keys then compare equal; and a key row's serial by its type only
 * (a random 63-bit number, lib/store/sqlite/keys.c), and leaves out the
 * store generation (it counts committed transactions: a state reached
 * through a crash and a recovery took more of them than one reached in
 * one go; callers check that it moved); every other value still exactly. */
static int
random_column(const char *name)
{
    return name != NULL && (strcmp(name, "serial") == 0 || strcmp(name, "key_serial") == 0);
}

static void
hash_database(sqlite3 *db, EVP_MD_CTX *md, int mode, const char *const *skip)
{
    sqlite3_stmt *tables = NULL;

    ck_assert_int_eq(sqlite3_prepare_v2(db,
                                        "SELECT name FROM sqlite_schema WHERE type='table'"
                                        " ORDER BY name",
                                        -1, &tables, NULL),
                     SQLITE_OK);
    while (sqlite3_step(tables) == SQLITE_ROW) {
        char sql[600];
        sqlite3_stmt *rows = NULL;
        const char *name = (const char *)sqlite3_column_text(tables, 0);
        int ncol, len, skipped = 0;

        for (size_t i = 0; skip != NULL && skip[i] != NULL; i++)
            skipped |= strcmp(name, skip[i]) == 0;
        if (skipped)
            continue;
        EVP_DigestUpdate(md, name, strlen(name) + 1);
        snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"", name);
        ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &rows, NULL), SQLITE_OK);
        ncol = sqlite3_column_count(rows);
        sqlite3_finalize(rows);
        len = snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"%s ORDER BY 1", name,
                       mode == TH_DIGEST_SHAPE && strcmp(name, "counter") == 0
                           ? " WHERE name <> 'generation'"
                           : "");
        for (int c = 2; c <= ncol && len < (int)sizeof sql - 8; c++)
            len += snprintf(sql + len, sizeof sql - (size_t)len, ",%d", c);
        ck_assert_int_lt(len, (int)sizeof sql - 8);
        ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &rows, NULL), SQLITE_OK);
        while (sqlite3_step(rows) == SQLITE_ROW) {
            for (int c = 0; c < ncol; c++) {
                const void *v = sqlite3_column_blob(rows, c);
                int n = sqlite3_column_bytes(rows, c);
                int type = sqlite3_column_type(rows, c);
                int shape_only =
                    mode == TH_DIGEST_SHAPE &&
                    (type == SQLITE_BLOB || random_column(sqlite3_column_name(rows, c)));
                EVP_DigestUpdate(md, &type, sizeof type);
                if (shape_only && type != SQLITE_BLOB)
                    continue;
                EVP_DigestUpdate(md, &n, sizeof n);
                if (n > 0 && !shape_only)
                    EVP_DigestUpdate(md, v, (size_t)n);
            }
        }
        sqlite3_finalize(rows);
    }
    sqlite3_finalize(tables);
}

sqlite3 *
th_raw_open(const char *path)
{
    sqlite3 *db = NULL;
    refuse_pg("th_raw_open", path);
    ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    return db;
}

int64_t
th_raw_int(const char *path, const char *sql)
{
    sqlite3 *db = th_raw_open(path);
    sqlite3_stmt *s = NULL;
    int64_t v;

    ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK, "%s: %s", sql,
                  sqlite3_errmsg(db));
    ck_assert_msg(sqlite3_step(s) == SQLITE_ROW, "%s: no row", sql);
    v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

int
th_raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    char *err = NULL;
    int rc, changes;

    refuse_pg("th_raw_exec", path);
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    rc = sqlite3_exec(db, sql, NULL, NULL, &err);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, err ? err : "?");
    changes = sqlite3_changes(db);
    sqlite3_close(db);
    return changes;
}

#ifdef GDPR_TEST_LIBPQ
static int
cmp_digest(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}

/* Every table of every schema of the database (data and gdpr_keys), tables
 * by schema and name; each row digested over its columns in their text
 * form (NULL apart), the row digests sorted, so the order rows come in
 * does not matter. TH_DIGEST_SHAPE takes a bytea's length only. */
static void
hash_pg_database(const char *uri, EVP_MD_CTX *md, int mode, const char *const *skip)
{
    PGconn *c = pg_connect(uri);
    PGresult *tables =
        PQexec(c, "SELECT n.nspname, c.relname FROM pg_class c"
                  " JOIN pg_namespace n ON n.oid = c.relnamespace"
                  " WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog',"
                  " 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'"
                  " AND n.nspname NOT LIKE 'pg_temp%' ORDER BY 1, 2");

    ck_assert_msg(PQresultStatus(tables) == PGRES_TUPLES_OK, "tables: %s", PQerrorMessage(c));
    for (int t = 0; t < PQntuples(tables); t++) {
        const char *ns = PQgetvalue(tables, t, 0), *name = PQgetvalue(tables, t, 1);
        char *qns = PQescapeIdentifier(c, ns, strlen(ns));
        char *qname = PQescapeIdentifier(c, name, strlen(name));
        char sql[600];
        unsigned char *rows;
        PGresult *r;
        int skipped = 0, n, ncol;

        for (size_t i = 0; skip != NULL && skip[i] != NULL; i++)
            skipped |= strcmp(name, skip[i]) == 0;
        ck_assert_ptr_nonnull(qns);
        ck_assert_ptr_nonnull(qname);
        snprintf(sql, sizeof sql, "SELECT * FROM %s.%s", qns, qname);
        PQfreemem(qns);
        PQfreemem(qname);
        if (skipped)
            continue;
        EVP_DigestUpdate(md, ns, strlen(ns) + 1);
        EVP_DigestUpdate(md, name, strlen(name) + 1);
        r = PQexec(c, sql);
        ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(c));
        n = PQntuples(r);
        ncol = PQnfields(r);
        rows = malloc((size_t)n * 32 + 1);
        ck_assert_ptr_nonnull(rows);
        for (int i = 0; i < n; i++) {
            EVP_MD_CTX *row = EVP_MD_CTX_new();
            unsigned int dlen = 0;

            ck_assert_ptr_nonnull(row);
            ck_assert_int_eq(EVP_DigestInit_ex(row, EVP_sha256(), NULL), 1);
            for (int col = 0; col < ncol; col++) {
                int null = PQgetisnull(r, i, col), len = PQgetlength(r, i, col);
                EVP_DigestUpdate(row, &null, sizeof null);
                EVP_DigestUpdate(row, &len, sizeof len);
                if (!null && !(mode == TH_DIGEST_SHAPE && PQftype(r, col) == 17 /* bytea */))
                    EVP_DigestUpdate(row, PQgetvalue(r, i, col), (size_t)len);
            }
            ck_assert_int_eq(EVP_DigestFinal_ex(row, rows + (size_t)i * 32, &dlen), 1);
            EVP_MD_CTX_free(row);
        }
        qsort(rows, (size_t)n, 32, cmp_digest);
        EVP_DigestUpdate(md, &n, sizeof n);
        EVP_DigestUpdate(md, rows, (size_t)n * 32);
        free(rows);
        PQclear(r);
    }
    PQclear(tables);
    PQfinish(c);
}
#else
static void
hash_pg_database(const char *uri, EVP_MD_CTX *md, int mode, const char *const *skip)
{
    (void)uri;
    (void)md;
    (void)mode;
    (void)skip;
    ck_abort_msg("the tests were built without libpq: no PostgreSQL");
}
#endif

void
th_fingerprint(const th_store *ts, char out[65])
{
    th_digest(ts, TH_DIGEST_EXACT, out);
}

void
th_digest(const th_store *ts, int mode, char out[65])
{
    th_digest_without(ts, mode, NULL, out);
}

void
th_digest_without(const th_store *ts, int mode, const char *const *tables, char out[65])
{
    const char *paths[2] = {ts->db, ts->keys};
    unsigned char digest[32];
    unsigned int dlen = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();

    ck_assert_ptr_nonnull(md);
    ck_assert_int_eq(EVP_DigestInit_ex(md, EVP_sha256(), NULL), 1);
    if (ts->on_pg) {
        hash_pg_database(ts->db, md, mode, tables);
    } else {
        for (int i = 0; i < 2; i++) {
            sqlite3 *db = th_raw_open(paths[i]);
            hash_database(db, md, mode, tables);
            sqlite3_close(db);
        }
    }
    ck_assert_int_eq(EVP_DigestFinal_ex(md, digest, &dlen), 1);
    EVP_MD_CTX_free(md);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

void
th_assert_integrity(const th_store *ts)
{
    const char *paths[2] = {ts->db, ts->keys};

    if (ts->on_pg) {
        /* No file of ours to check: the server keeps its pages; the
         * database must still be there and answer. */
        th_pg_assert_alive(ts->db);
        return;
    }
    for (int i = 0; i < 2; i++) {
        sqlite3 *db = th_raw_open(paths[i]);
        sqlite3_stmt *s = NULL;
        ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
        ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
        ck_assert_str_eq((const char *)sqlite3_column_text(s, 0), "ok");
        sqlite3_finalize(s);
        sqlite3_close(db);
    }
}

void
th_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

void
th_template_take(const th_store *ts, th_template *t)
{
    refuse_pg("th_template_take", ts->db);
    t->db = th_read_file(ts->db, &t->db_len);
    t->keys = th_read_file(ts->keys, &t->keys_len);
    ck_assert_ptr_nonnull(t->db);
    ck_assert_ptr_nonnull(t->keys);
}

static void
remove_side_files(const char *base)
{
    static const char *const suffixes[] = {"-wal", "-shm", "-journal"};
    char path[420];

    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(path, sizeof path, "%s%s", base, suffixes[i]);
        unlink(path);
    }
}

void
th_template_restore(const th_store *ts, const th_template *t)
{
    remove_side_files(ts->db);
    remove_side_files(ts->keys);
    th_write_file(ts->db, t->db, t->db_len);
    th_write_file(ts->keys, t->keys, t->keys_len);
}

void
th_template_free(th_template *t)
{
    free(t->db);
    free(t->keys);
    memset(t, 0, sizeof *t);
}

char *
th_changed_policy(void)
{
    char *doc = th_read_file(th_example_policy_path(), NULL), *out;
    const char *at;

    ck_assert_ptr_nonnull(doc);
    at = strstr(doc, "Example CRM Ltd");
    ck_assert_ptr_nonnull(at);
    out = malloc(strlen(doc) + 16);
    ck_assert_ptr_nonnull(out);
    memcpy(out, doc, (size_t)(at - doc));
    strcpy(out + (at - doc), "Example CRM Group");
    strcat(out, at + strlen("Example CRM Ltd"));
    free(doc);
    return out;
}

int
th_count_rekeys(const gdpr_audit_event *ev, void *ctx)
{
    if (strcmp(ev->action, "rekey") == 0)
        (*(int *)ctx)++;
    return 0;
}

int
th_open_with(th_store *ts, const unsigned char *key, int (*key_cb)(unsigned char[32], void *),
             int busy_timeout_ms, gdpr_engine **out)
{
    gdpr_options opts = GDPR_OPTIONS_INIT;

    opts.path = ts->db;
    opts.key = key;
    opts.key_len = 32;
    opts.clock = th_clock;
    opts.clock_ctx = ts;
    if (busy_timeout_ms > 0)
        opts.busy_timeout_ms = busy_timeout_ms;
    opts.key_cb = key_cb;
    return gdpr_open(out, &opts);
}

static void
crash_child(th_store *ts, long n, const th_crash_op *op)
{
    int rc;

    fault_vfs_install();
    if (th_open(ts, &ts->eng) != GDPR_OK)
        _exit(2);
    if (op->prep && op->prep(ts->eng) != GDPR_OK)
        _exit(4);
    if (op->run == NULL) {
        gdpr_close(ts->eng);
        _exit(1);
    }
    fault_vfs_arm(FAULT_CRASH, n);
    rc = op->run(ts->eng);
    fault_vfs_arm(FAULT_CRASH, 0);
    if (op->close)
        gdpr_close(ts->eng);
    _exit(rc == GDPR_OK ? 0 : 3);
}

int
th_crash_fork(th_store *ts, long n, const th_crash_op *op)
{
    int status = 0;
    pid_t pid;

    refuse_pg("th_crash_fork", ts->db);
    fflush(NULL);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        crash_child(ts, n, op);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status), "%s, n=%ld: child died by a signal", op->name, n);
    return WEXITSTATUS(status);
}

/* Can this build run the suites on PostgreSQL? NULL if so, else why not.
 * The probe opens a URI on a port nobody listens on: a build without the
 * backend refuses the scheme itself (GDPR_EINVAL, "no PostgreSQL
 * backend"), a build with it fails to connect. */
static const char *
pg_unavailable(void)
{
    gdpr_options opts = GDPR_OPTIONS_INIT;
    gdpr_engine *eng = NULL;
    int rc;

#ifndef GDPR_TEST_LIBPQ
    return "the tests were built without libpq";
#endif
    if (getenv("GDPR_TEST_PG_URI") == NULL || *getenv("GDPR_TEST_PG_URI") == '\0')
        return "GDPR_TEST_PG_URI is not set (run under tests/pg/with-postgres)";
    opts.path = "postgresql://127.0.0.1:1/gdpr_probe?connect_timeout=2";
    opts.key = th_key;
    opts.key_len = sizeof th_key;
    rc = gdpr_open(&eng, &opts);
    if (rc == GDPR_OK) {
        gdpr_close(eng);
        return "a probe on port 1 opened a store";
    }
    if (rc == GDPR_EINVAL && (strstr(gdpr_errmsg(), "no PostgreSQL backend") != NULL ||
                              strstr(gdpr_errmsg(), "without the PostgreSQL backend") != NULL))
        return "this libgdpr has no PostgreSQL backend (meson option postgres, libpq)";
    return NULL;
}

int
th_run(Suite *s)
{
    SRunner *sr;
    int failed, ran, skipped = 0;
    char log[64] = "";

    if (th_on_postgres()) {
        const char *why = pg_unavailable();
        int fd;

        if (why != NULL) {
            printf("SKIP on PostgreSQL: the whole suite: %s\n", why);
            srunner_free(srunner_create(s)); /* frees the suite */
            return 77;
        }
        /* No ck_assert out here: Check reports only inside a test. */
        snprintf(log, sizeof log, "/tmp/gdpr-th-skips-XXXXXX");
        fd = mkstemp(log);
        if (fd < 0) {
            perror("mkstemp");
            return EXIT_FAILURE;
        }
        close(fd);
        setenv("GDPR_TH_SKIPLOG", log, 1);
    }
    sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    ran = srunner_ntests_run(sr);
    srunner_free(sr);
    if (log[0] != '\0') {
        FILE *f = fopen(log, "r");
        int ch;

        while (f != NULL && (ch = fgetc(f)) != EOF)
            skipped += ch == '\n';
        if (f != NULL)
            fclose(f);
        unlink(log);
        unsetenv("GDPR_TH_SKIPLOG");
    }
    /* One line .ci/run sums per backend. */
    printf("th-count: backend=%s checks=%d skipped=%d failed=%d\n",
           th_on_postgres() ? "postgres" : "sqlite", ran, skipped, failed);
    if (failed == 0 && ran > 0 && skipped == ran)
        return 77;
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
