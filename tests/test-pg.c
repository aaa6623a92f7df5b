/*
 * PostgreSQL only (issue 14): the counterparts of the suites that read
 * SQLite files, against a real server started by tests/pg/with-postgres
 * (a primary and a streaming hot standby):
 *  - forensic: after an erasure, pg_dirtyread reads every tuple of the
 *    heap, dead ones included, on the primary and (after replay) on the
 *    standby: no wrapped key of the erased subject, no plaintext of it;
 *  - a logical dump without schema gdpr_keys carries no key;
 *  - 8 engines in 8 processes on one register, mixed work: 0 errors,
 *    0 lost writes, the audit chain intact;
 *  - the standby: an engine opened read-only answers consent checks,
 *    may-process and exports, refuses writes, and sees an erasure made on
 *    the primary once replayed;
 *  - bad input at open: a malformed URI, an unreachable server, a wrong
 *    password, a missing database, a database of another application, a
 *    server older than PostgreSQL 13 (a minimal server in this file that
 *    speaks the protocol's start-up and reports version 12): a clear error,
 *    nothing created.
 * The library's layer rule (no SQL outside lib/store/<backend>) is for
 * lib/; this test reads the server through libpq directly.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "helpers.h"

static th_store ts;

/* The read-only flag comes with options version 3 (the backend's branch);
 * without it the standby test says so and skips. */
#define TH_SKIP_NO_READ_ONLY()                                                                     \
    do {                                                                                           \
        if (th_skip_sqlite_only(__func__, "gdpr_options has no read_only flag (version < 3)"))     \
            return;                                                                                \
    } while (0)

/* ---- libpq ------------------------------------------------------------ */

static PGconn *
pconn(const char *uri)
{
    PGconn *c = PQconnectdb(uri);
    ck_assert_ptr_nonnull(c);
    ck_assert_msg(PQstatus(c) == CONNECTION_OK, "connect: %s", PQerrorMessage(c));
    return c;
}

static void
pexec(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK,
                  "%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
}

static int64_t
pint(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    int64_t v;

    ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1, "%s: %s", sql,
                  PQerrorMessage(c));
    v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return v;
}

/* The same database on the standby. */
static void
standby_uri(const th_store *s, char *out, size_t cap)
{
    const char *sb = getenv("GDPR_TEST_PG_STANDBY_URI");
    char name[128];

    ck_assert_msg(sb != NULL && *sb != '\0', "no standby (GDPR_TEST_PG_STANDBY_URI)");
    th_pg_db_name(s->db, name, sizeof name);
    th_pg_uri_with_db(sb, name, out, cap);
}

/* Wait until the standby has replayed everything the primary wrote so far. */
static void
wait_replay(const th_store *s)
{
    const char *sb = getenv("GDPR_TEST_PG_STANDBY_URI");
    PGconn *p = pconn(s->db), *q;
    PGresult *r = PQexec(p, "SELECT pg_current_wal_lsn()::text");
    char sql[160];
    int done = 0;

    ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
    snprintf(sql, sizeof sql, "SELECT (pg_last_wal_replay_lsn() >= '%s'::pg_lsn)::int",
             PQgetvalue(r, 0, 0));
    PQclear(r);
    PQfinish(p);
    q = pconn(sb);
    for (int i = 0; i < 2400 && !done; i++) {
        done = pint(q, sql) == 1;
        if (!done)
            usleep(50000);
    }
    PQfinish(q);
    ck_assert_msg(done, "the standby did not replay within 120 s");
}

/* Hex of `len` bytes as PostgreSQL prints a bytea ("\x..."), lower case. */
static void
to_hex(const void *data, size_t len, char *out)
{
    const unsigned char *b = data;

    for (size_t i = 0; i < len; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
    out[2 * len] = '\0';
}

/* A list of strings. */
typedef struct {
    char **v;
    size_t n, cap;
} strlist;

static void
strlist_add(strlist *l, const char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 32;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        ck_assert_ptr_nonnull(l->v);
    }
    l->v[l->n] = strdup(s);
    ck_assert_ptr_nonnull(l->v[l->n]);
    l->n++;
}

static int
strlist_has(const strlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return 1;
    return 0;
}

static void
strlist_free(strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* The tables of the database's own schemas ("schema.table", quoted). */
static void
user_tables(PGconn *c, const char *only_schema, strlist *out)
{
    char sql[600];
    PGresult *r;

    snprintf(sql, sizeof sql,
             "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c"
             " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r'"
             " AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
             " AND n.nspname NOT LIKE 'pg_toast%%' AND n.nspname NOT LIKE 'pg_temp%%'"
             " AND (%s IS NULL OR n.nspname = %s) ORDER BY 1",
             only_schema ? "$1::text" : "NULL::text", only_schema ? "$1::text" : "NULL::text");
    r = PQexecParams(c, sql, only_schema ? 1 : 0, NULL, only_schema ? &only_schema : NULL, NULL,
                     NULL, 0);
    ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "tables: %s", PQerrorMessage(c));
    for (int i = 0; i < PQntuples(r); i++)
        strlist_add(out, PQgetvalue(r, i, 0));
    PQclear(r);
}

/* Every column value (text form, bytea as \x hex) of every tuple of the
 * table: live ones only, or through pg_dirtyread live and dead ones. */
static void
table_values(PGconn *c, const char *table, int dirty, strlist *out)
{
    char sql[2000];
    PGresult *r;

    if (dirty) {
        /* pg_dirtyread needs the row type spelled out. */
        char cols[1500];
        const char *param = table;
        r = PQexecParams(c,
                         "SELECT string_agg(quote_ident(attname) || ' ' ||"
                         " format_type(atttypid, atttypmod), ', ' ORDER BY attnum)"
                         " FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0"
                         " AND NOT attisdropped",
                         1, NULL, &param, NULL, NULL, 0);
        ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "columns: %s", PQerrorMessage(c));
        ck_assert_uint_lt(strlen(PQgetvalue(r, 0, 0)), sizeof cols);
        snprintf(cols, sizeof cols, "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
        snprintf(sql, sizeof sql, "SELECT * FROM pg_dirtyread('%s') AS t(%s)", table, cols);
    } else {
        snprintf(sql, sizeof sql, "SELECT * FROM %s", table);
    }
    r = PQexec(c, sql);
    ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(c));
    for (int i = 0; i < PQntuples(r); i++)
        for (int col = 0; col < PQnfields(r); col++)
            if (!PQgetisnull(r, i, col))
                strlist_add(out, PQgetvalue(r, i, col));
    PQclear(r);
}

static void
schema_values(PGconn *c, const char *schema, int dirty, strlist *out)
{
    strlist tables = {0};

    user_tables(c, schema, &tables);
    for (size_t i = 0; i < tables.n; i++)
        table_values(c, tables.v[i], dirty, out);
    strlist_free(&tables);
}

/* ---- forensic with pg_dirtyread --------------------------------------- */

/* A bytea of 48 bytes or more: wrapped key material (a wrapped 32-byte key
 * is 60 bytes: nonce, ciphertext, tag). Shorter values of schema gdpr_keys
 * are keyed hashes and ids that the data schema carries as well. */
static int
is_key_material(const char *v)
{
    return strncmp(v, "\\x", 2) == 0 && strlen(v) >= 2 + 2 * 48;
}

static const char *const canaries[] = {
    "Frieda Quandt-Canary",  "frieda.quandt@canary.example.org",
    "+49 30 5550 1234 987",  "proof: signed form 7781-canary",
    "forensic-subject-0042",
};

static void
seed_subject(gdpr_engine *eng, const char *subject)
{
    gdpr_consent c = GDPR_CONSENT_INIT;
    int64_t id = 0;

    th_ok(gdpr_vault_put(eng, &th_agent, subject, "contact", "service", canaries[0],
                         strlen(canaries[0]), &id));
    th_ok(gdpr_vault_put(eng, &th_agent, subject, "contact", "service", canaries[1],
                         strlen(canaries[1]), &id));
    th_ok(gdpr_vault_put(eng, &th_agent, subject, "contact", "marketing", canaries[2],
                         strlen(canaries[2]), &id));
    c.subject = subject;
    c.purpose = "marketing";
    c.notice = "marketing-v2";
    c.channel = "web";
    c.proof = canaries[3];
    th_ok(gdpr_consent_record(eng, &th_agent, &c, NULL));
}

/* No value (as text, and as the hex of a bytea) holds a canary; none of
 * `gone` (erased key material) is among them. Returns values read. */
static size_t
assert_clean(PGconn *c, const strlist *gone, const char *where)
{
    strlist all = {0}, keys = {0};
    size_t n;

    schema_values(c, NULL, 1, &all);
    schema_values(c, "gdpr_keys", 1, &keys);
    ck_assert_msg(keys.n > 0, "%s: schema gdpr_keys holds no tuple at all", where);
    for (size_t i = 0; i < all.n; i++) {
        for (size_t k = 0; k < sizeof canaries / sizeof canaries[0]; k++) {
            char hex[200];
            to_hex(canaries[k], strlen(canaries[k]), hex);
            ck_assert_msg(strstr(all.v[i], canaries[k]) == NULL, "%s: plaintext '%s' in a tuple",
                          where, canaries[k]);
            ck_assert_msg(strstr(all.v[i], hex) == NULL, "%s: plaintext '%s' (hex) in a tuple",
                          where, canaries[k]);
        }
    }
    for (size_t i = 0; i < gone->n; i++)
        ck_assert_msg(!strlist_has(&keys, gone->v[i]),
                      "%s: pg_dirtyread still reads an erased key value %.40s...", where,
                      gone->v[i]);
    n = all.n;
    strlist_free(&all);
    strlist_free(&keys);
    return n;
}

START_TEST(dirtyread_finds_no_key_and_no_plaintext_after_erasure)
{
    const char *subject = canaries[4];
    strlist before = {0}, after = {0}, gone = {0};
    gdpr_erase_report rep;
    char sb[400];
    PGconn *c, *s;
    size_t read_p, read_s;

    th_setup(&ts);
    c = pconn(ts.db);
    pexec(c, "CREATE EXTENSION IF NOT EXISTS pg_dirtyread");
    /* The tool sees dead tuples: a deleted row, not vacuumed, is read back. */
    pexec(c, "CREATE TABLE public.th_probe(v bytea)");
    pexec(c, "INSERT INTO public.th_probe VALUES ('\\x0123456789abcdef')");
    pexec(c, "DELETE FROM public.th_probe");
    ck_assert_int_eq(pint(c, "SELECT count(*) FROM public.th_probe"), 0);
    ck_assert_int_eq(pint(c, "SELECT count(*) FROM pg_dirtyread('public.th_probe')"
                             " AS t(v bytea) WHERE v = '\\x0123456789abcdef'"),
                     1);
    pexec(c, "DROP TABLE public.th_probe");

    /* A second subject stays: the keys table is not simply empty after. */
    seed_subject(ts.eng, "forensic-bystander-0001");
    seed_subject(ts.eng, subject);
    schema_values(c, "gdpr_keys", 0, &before);
    ck_assert_uint_gt(before.n, 0);

    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, subject, "Art. 17(1)(a)", &rep));
    schema_values(c, "gdpr_keys", 0, &after);
    for (size_t i = 0; i < before.n; i++)
        if (!strlist_has(&after, before.v[i]) && is_key_material(before.v[i]))
            strlist_add(&gone, before.v[i]);
    /* The erased subject's wrapped key left the live rows ... */
    ck_assert_msg(gone.n > 0, "no wrapped key left schema gdpr_keys with the erasure");
    /* ... and no dead tuple of it remains on the primary. */
    read_p = assert_clean(c, &gone, "primary");

    /* The standby, once it replayed the erasure (and the vacuum after it). */
    wait_replay(&ts);
    standby_uri(&ts, sb, sizeof sb);
    s = pconn(sb);
    ck_assert_int_eq(pint(s, "SELECT pg_is_in_recovery()::int"), 1);
    read_s = assert_clean(s, &gone, "standby");
    fprintf(stderr,
            "forensic: %zu erased key values absent from %zu tuples (dead included) on the "
            "primary and %zu on the standby\n",
            gone.n, read_p, read_s);
    PQfinish(s);
    PQfinish(c);
    strlist_free(&before);
    strlist_free(&after);
    strlist_free(&gone);
    th_teardown(&ts);
}
END_TEST

/* pg_dump --exclude-schema=gdpr_keys: the data without a single key
 * (docs/scale.md "Backups"); the full dump has the keys schema. */
static char *
run_dump(const char *uri, const char *extra)
{
    const char *bindir = getenv("GDPR_TEST_PG_BINDIR");
    char cmd[1200];
    FILE *p;
    char *buf = NULL;
    size_t len = 0, cap = 0, n;

    snprintf(cmd, sizeof cmd, "'%s/pg_dump' %s --no-owner '%s'", bindir ? bindir : "/usr/bin",
             extra, uri);
    p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    for (;;) {
        if (len + 4097 > cap) {
            cap = cap ? 2 * cap : 65536;
            buf = realloc(buf, cap);
            ck_assert_ptr_nonnull(buf);
        }
        n = fread(buf + len, 1, 4096, p);
        len += n;
        if (n == 0)
            break;
    }
    buf[len] = '\0';
    ck_assert_int_eq(pclose(p), 0);
    return buf;
}

START_TEST(logical_dump_without_keys_schema)
{
    strlist keys = {0};
    PGconn *c;
    char *full, *data;
    size_t hits_full = 0;

    th_setup(&ts);
    seed_subject(ts.eng, "dump-subject-1");
    c = pconn(ts.db);
    schema_values(c, "gdpr_keys", 0, &keys);
    PQfinish(c);
    full = run_dump(ts.db, "");
    data = run_dump(ts.db, "--exclude-schema=gdpr_keys");
    ck_assert_ptr_nonnull(strstr(full, "gdpr_keys."));
    ck_assert_ptr_null(strstr(data, "gdpr_keys."));
    for (size_t i = 0; i < keys.n; i++) {
        /* COPY prints a bytea as \\x...; compare the hex digits. */
        const char *hex = keys.v[i];
        if (!is_key_material(hex))
            continue;
        hits_full += strstr(full, hex + 2) != NULL;
        ck_assert_msg(strstr(data, hex + 2) == NULL, "key value %.40s in the data dump", hex);
    }
    ck_assert_uint_gt(hits_full, 0); /* the control: the full dump has them */
    for (size_t k = 0; k < sizeof canaries / sizeof canaries[0] - 1; k++)
        ck_assert_ptr_null(strstr(data, canaries[k]));
    free(full);
    free(data);
    strlist_free(&keys);
    th_teardown(&ts);
}
END_TEST

/* ---- 8 engines in 8 processes ----------------------------------------- */

#define PROCS 8
#define OPS 96
#define KEEP 6

static int
worker(int p, const char *ids_path)
{
    gdpr_engine *eng = NULL;
    FILE *ids = fopen(ids_path, "w");
    int errors = 0, rc = GDPR_OK;

    if (ids == NULL || th_open_with(&ts, th_key, NULL, 20000, &eng) != GDPR_OK)
        return 100;
    for (int i = 0; i < OPS; i++) {
        char keep[64], churn[64], value[64];
        int64_t id = 0;
        snprintf(keep, sizeof keep, "n%d-keep-%d", p, i % KEEP);
        snprintf(churn, sizeof churn, "n%d-churn-%d", p, i % 5);
        snprintf(value, sizeof value, "node %d value %d", p, i);
        switch (i % 6) {
        case 0: /* a record kept to the end, in the ids file */
            rc = gdpr_vault_put(eng, &th_agent, keep, "contact", "service", value, strlen(value),
                                &id);
            if (rc == GDPR_OK)
                fprintf(ids, "V %lld %s\n", (long long)id, value);
            break;
        case 1: { /* consent on a kept subject: checked at the end */
            gdpr_consent c = GDPR_CONSENT_INIT;
            int granted = 0;
            c.subject = keep;
            c.purpose = "marketing";
            c.notice = "marketing-v2";
            c.channel = "web";
            c.proof = "node";
            rc = gdpr_consent_record(eng, &th_agent, &c, NULL);
            if (rc == GDPR_OK)
                rc = gdpr_consent_check(eng, keep, "marketing", GDPR_NOW, &granted);
            if (rc == GDPR_OK && !granted)
                rc = GDPR_ECORRUPT;
            if (rc == GDPR_OK)
                fprintf(ids, "C 0 %s\n", keep);
            break;
        }
        case 2: { /* churn: written, read back, erased on the next round */
            void *v = NULL;
            size_t len = 0;
            rc = gdpr_vault_put(eng, &th_agent, churn, "contact", "service", value, strlen(value),
                                &id);
            if (rc == GDPR_OK)
                rc = gdpr_vault_get(eng, &th_agent, id, &v, &len);
            if (rc == GDPR_OK && (len != strlen(value) || memcmp(v, value, len) != 0))
                rc = GDPR_ECORRUPT;
            gdpr_free(v);
            break;
        }
        case 3: {
            gdpr_erase_report r;
            rc = gdpr_erase_subject(eng, &th_dpo, churn, "Art. 17(1)(a)", &r);
            if (rc == GDPR_ENOTFOUND)
                rc = GDPR_OK;
            break;
        }
        case 4: { /* an access request: open, verify, fulfil */
            gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
            in.type = GDPR_REQUEST_ACCESS;
            in.subject = keep;
            in.channel = "phone";
            rc = gdpr_request_open(eng, &th_agent, &in, &id);
            if (rc == GDPR_OK)
                rc = gdpr_request_verify(eng, &th_agent, id, GDPR_VERIFY_VERIFIED,
                                         GDPR_METHOD_KNOWN_CONTACT, NULL);
            if (rc == GDPR_OK)
                rc = gdpr_request_fulfil(eng, &th_dpo, id, "paper copy posted");
            if (rc == GDPR_OK)
                fprintf(ids, "R %lld %s\n", (long long)id, keep);
            break;
        }
        default: {
            gdpr_retention_report rep;
            rc = gdpr_retention_run(eng, &th_system, ts.now, &rep);
            break;
        }
        }
        if (rc != GDPR_OK) {
            fprintf(stderr, "engine %d op %d: %s (%s)\n", p, i, gdpr_strerror(rc), gdpr_errmsg());
            errors++;
        }
    }
    fclose(ids);
    gdpr_close(eng);
    return errors > 99 ? 99 : errors;
}

START_TEST(eight_engines_in_eight_processes)
{
    pid_t pids[PROCS];
    char paths[PROCS][400];
    int values = 0, consents = 0, requests = 0;
    int64_t events = 0;
    double t0, t1;
    struct timespec tv;

    th_setup(&ts);
    gdpr_close(ts.eng);
    ts.eng = NULL;
    fflush(NULL);
    clock_gettime(CLOCK_MONOTONIC, &tv);
    t0 = (double)tv.tv_sec + (double)tv.tv_nsec / 1e9;
    for (int p = 0; p < PROCS; p++) {
        snprintf(paths[p], sizeof paths[p], "%s/ids-%d", ts.dir, p);
        pids[p] = fork();
        ck_assert_int_ge(pids[p], 0);
        if (pids[p] == 0)
            _exit(worker(p, paths[p]));
    }
    for (int p = 0; p < PROCS; p++) {
        int status = 0;
        ck_assert_int_eq(waitpid(pids[p], &status, 0), pids[p]);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                      "engine %d: exit %d (errors, see the log)", p, WEXITSTATUS(status));
    }
    clock_gettime(CLOCK_MONOTONIC, &tv);
    t1 = (double)tv.tv_sec + (double)tv.tv_nsec / 1e9;
    /* Nothing lost: every kept value reads back, every consent is live,
     * every request is closed, from a ninth engine. */
    th_ok(th_open(&ts, &ts.eng));
    for (int p = 0; p < PROCS; p++) {
        FILE *f = fopen(paths[p], "r");
        char kind, text[64], line[160];
        long long id;
        ck_assert_ptr_nonnull(f);
        while (fgets(line, sizeof line, f) != NULL) {
            ck_assert_int_eq(sscanf(line, "%c %lld %63[^\n]", &kind, &id, text), 3);
            if (kind == 'V') {
                void *v = NULL;
                size_t len = 0;
                th_ok(gdpr_vault_get(ts.eng, &th_agent, id, &v, &len));
                ck_assert_msg(len == strlen(text) && memcmp(v, text, len) == 0, "record %lld", id);
                gdpr_free(v);
                values++;
            } else if (kind == 'C') {
                int granted = 0;
                th_ok(gdpr_consent_check(ts.eng, text, "marketing", GDPR_NOW, &granted));
                ck_assert_msg(granted, "consent of %s lost", text);
                consents++;
            } else {
                gdpr_request_info info;
                th_ok(gdpr_request_info_init(&info, GDPR_REQUEST_INFO_VERSION));
                th_ok(gdpr_request_get(ts.eng, id, &info));
                ck_assert_int_eq(info.status, GDPR_REQUEST_FULFILLED);
                requests++;
            }
        }
        fclose(f);
    }
    ck_assert_int_eq(values, PROCS * (OPS / 6));
    ck_assert_int_eq(consents, PROCS * (OPS / 6));
    ck_assert_int_eq(requests, PROCS * (OPS / 6));
    th_ok(gdpr_audit_verify(ts.eng, &events));
    /* Every successful mutating call left its event (more: erasures and
     * retention runs log several). */
    ck_assert_int_ge(events, (int64_t)PROCS * (OPS / 6) * 5);
    fprintf(stderr,
            "8 engines: %d ops in %.2f s, %d values, %d consents, %d requests checked; "
            "%lld audit events, chain intact\n",
            PROCS * OPS, t1 - t0, values, consents, requests, (long long)events);
    th_teardown(&ts);
}
END_TEST

/* ---- the standby ------------------------------------------------------- */

#if GDPR_OPTIONS_VERSION >= 3
typedef struct {
    char buf[65536];
    size_t len;
} sink;

static int
sink_write(const void *data, size_t len, void *ctx)
{
    sink *s = ctx;
    if (s->len + len >= sizeof s->buf)
        return 1;
    memcpy(s->buf + s->len, data, len);
    s->len += len;
    s->buf[s->len] = '\0';
    return 0;
}

#if GDPR_OPTIONS_VERSION >= 4
typedef struct {
    int64_t seq;
    char action[64];
    int outcome;
} last_event;

static int
keep_last(const gdpr_audit_event *ev, void *ctx)
{
    last_event *l = ctx;
    l->seq = ev->seq;
    snprintf(l->action, sizeof l->action, "%s", ev->action);
    l->outcome = ev->outcome;
    return 0;
}
#endif
#endif

START_TEST(read_only_engine_on_the_standby)
{
#if GDPR_OPTIONS_VERSION >= 3
    gdpr_options opts = GDPR_OPTIONS_INIT;
    gdpr_engine *ro = NULL;
    gdpr_consent c = GDPR_CONSENT_INIT;
    gdpr_erase_report rep;
    gdpr_why why;
    static sink out;
    char sb[400], before[65], after[65];
    int granted = 0, allowed = 0, rc;
    int64_t id = 0, refused_id = 0;
    void *v = NULL;
    size_t len = 0;
#if GDPR_OPTIONS_VERSION >= 4
    int64_t events0 = 0, events = 0;
    last_event last;
#endif

    th_setup(&ts);
    seed_subject(ts.eng, "standby-cust-1");
    th_ok(gdpr_vault_put(ts.eng, &th_agent, "standby-cust-1", "contact", "service",
                         "on the primary", 14, &id));
    wait_replay(&ts);
    standby_uri(&ts, sb, sizeof sb);
    opts.path = sb;
    opts.key = th_key;
    opts.key_len = sizeof th_key;
    opts.clock = th_clock;
    opts.clock_ctx = &ts;
    opts.read_only = 1;
#if GDPR_OPTIONS_VERSION >= 4
    /* Without the primary's location an audited read is refused before
     * anything goes out: no export without its audit event. */
    th_ok(gdpr_open(&ro, &opts));
    out.len = 0;
    th_assert_err(
        gdpr_export_subject(ro, &th_dpo, "standby-cust-1", GDPR_EXPORT_JSON, sink_write, &out),
        GDPR_ESTATE, "opts.audit_path");
    ck_assert_uint_eq(out.len, 0);
    gdpr_close(ro);
    ro = NULL;
    /* With it, the standby's engine appends its audit events on the
     * primary (docs/decisions/0010-postgres-backend.md). */
    opts.audit_path = ts.db;
    th_ok(gdpr_audit_verify(ts.eng, &events0));
#endif
    th_ok(gdpr_open(&ro, &opts));

    /* Reads answer from the standby. */
    th_ok(gdpr_consent_check(ro, "standby-cust-1", "marketing", GDPR_NOW, &granted));
    ck_assert_int_eq(granted, 1);
    th_ok(gdpr_may_process(ro, "standby-cust-1", "marketing", GDPR_NOW, &allowed, &why));
    ck_assert_int_eq(allowed, 1);
    th_ok(gdpr_vault_get(ro, &th_agent, id, &v, &len));
    ck_assert_uint_eq(len, 14);
    ck_assert_int_eq(memcmp(v, "on the primary", 14), 0);
    gdpr_free(v);
    out.len = 0;
    th_ok(gdpr_export_subject(ro, &th_dpo, "standby-cust-1", GDPR_EXPORT_JSON, sink_write, &out));
    ck_assert_ptr_nonnull(strstr(out.buf, canaries[0]));
    ck_assert_ptr_nonnull(strstr(out.buf, "on the primary"));
#if GDPR_OPTIONS_VERSION >= 4
    /* The export's event is on the primary's chain, next in order, and
     * reaches the standby with the replay. */
    th_ok(gdpr_audit_verify(ts.eng, &events));
    ck_assert_int_eq(events, events0 + 1);
    memset(&last, 0, sizeof last);
    th_ok(gdpr_audit_foreach(ts.eng, events, keep_last, &last));
    ck_assert_int_eq(last.seq, events);
    ck_assert_str_eq(last.action, "export.subject");
    ck_assert_int_eq(last.outcome, GDPR_OK);
    /* A refusal on the standby is audited on the primary too. */
    th_assert_err(
        gdpr_export_subject(ro, &th_agent, "standby-cust-1", GDPR_EXPORT_JSON, sink_write, &out),
        GDPR_EDENIED, "export.subject");
    th_ok(gdpr_audit_verify(ts.eng, &events));
    ck_assert_int_eq(events, events0 + 2);
    th_ok(gdpr_audit_foreach(ts.eng, events, keep_last, &last));
    ck_assert_int_eq(last.outcome, GDPR_EDENIED);
    wait_replay(&ts);
    th_ok(gdpr_audit_verify(ro, &events));
    ck_assert_int_eq(events, events0 + 2);
#endif

    /* Writes are refused with a clear code; nothing changes. */
    th_fingerprint(&ts, before);
    c.subject = "standby-cust-2";
    c.purpose = "marketing";
    c.notice = "marketing-v2";
    c.channel = "web";
    c.proof = "x";
    rc = gdpr_consent_record(ro, &th_agent, &c, NULL);
    th_assert_err(rc, GDPR_ESTATE, "read-only");
    /* (its own id: a refused put zeroes it, and `id` is looked up below) */
    rc = gdpr_vault_put(ro, &th_agent, "standby-cust-1", "contact", "service", "x", 1, &refused_id);
    th_assert_err(rc, GDPR_ESTATE, "read-only");
    rc = gdpr_erase_subject(ro, &th_dpo, "standby-cust-1", "Art. 17(1)(a)", &rep);
    th_assert_err(rc, GDPR_ESTATE, "read-only");
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);

    /* An erasure on the primary reaches the standby's engine once replayed. */
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "standby-cust-1", "Art. 17(1)(a)", &rep));
    wait_replay(&ts);
    th_ok(gdpr_consent_check(ro, "standby-cust-1", "marketing", GDPR_NOW, &granted));
    ck_assert_int_eq(granted, 0);
    ck_assert_int_eq(gdpr_vault_get(ro, &th_agent, id, &v, &len), GDPR_ENOTFOUND);
    out.len = 0;
    ck_assert_int_eq(
        gdpr_export_subject(ro, &th_dpo, "standby-cust-1", GDPR_EXPORT_JSON, sink_write, &out),
        GDPR_ENOTFOUND);
    gdpr_close(ro);
    th_teardown(&ts);
#else
    TH_SKIP_NO_READ_ONLY();
#endif
}
END_TEST

/* ---- bad input at open ------------------------------------------------- */

static int
open_path(const char *path)
{
    gdpr_options opts = GDPR_OPTIONS_INIT;
    gdpr_engine *eng = NULL;
    int rc;

    opts.path = path;
    opts.key = th_key;
    opts.key_len = sizeof th_key;
    rc = gdpr_open(&eng, &opts);
    if (rc == GDPR_OK)
        gdpr_close(eng);
    ck_assert_ptr_null(rc == GDPR_OK ? NULL : eng);
    return rc;
}

/* Whether a database of that name exists. (Not a count of all of them:
 * the suites run in parallel on one server, each making and dropping its
 * own databases meanwhile.) */
static int64_t
database_named(PGconn *c, const char *name)
{
    char sql[200];

    snprintf(sql, sizeof sql, "SELECT count(*) FROM pg_database WHERE datname = '%s'", name);
    return pint(c, sql);
}

START_TEST(bad_input_at_open)
{
    const char *admin = getenv("GDPR_TEST_PG_URI");
    const char *password = getenv("GDPR_TEST_PG_PASSWORD");
    char uri[400], wrong[400], *at;
    PGconn *c, *d;
    int rc;

    ck_assert_ptr_nonnull(admin);
    ck_assert_ptr_nonnull(password);
    c = pconn(admin);
    ck_assert_int_eq(database_named(c, "gdpr_no_such_database"), 0);

    /* A malformed URI: libpq's parser refuses it. */
    th_assert_err(open_path("postgresql://[::1/nodb"), GDPR_EINVAL, "path");
    rc = open_path("postgresql://127.0.0.1:notaport/nodb");
    ck_assert_msg(rc == GDPR_EINVAL || rc == GDPR_ESTORAGE, "bad port: %s (%s)", gdpr_strerror(rc),
                  gdpr_errmsg());
    ck_assert_ptr_nonnull(strstr(gdpr_errmsg(), "port"));

    /* Nobody listens on port 1. */
    th_assert_err(open_path("postgresql://127.0.0.1:1/nodb?connect_timeout=3"), GDPR_ESTORAGE,
                  "127.0.0.1");

    /* The right server, a wrong password: libpq's message. */
    snprintf(wrong, sizeof wrong, "%s", admin);
    at = strstr(wrong, password);
    ck_assert_ptr_nonnull(at);
    memset(at, 'x', strlen(password));
    th_pg_uri_with_db(wrong, "postgres", uri, sizeof uri);
    th_assert_err(open_path(uri), GDPR_ESTORAGE, "password authentication failed");
    /* The message never repeats the URI: it may hold a password. */
    ck_assert_ptr_null(strstr(gdpr_errmsg(), at));

    /* A database that does not exist is not created. */
    th_pg_uri_with_db(admin, "gdpr_no_such_database", uri, sizeof uri);
    th_assert_err(open_path(uri), GDPR_ESTORAGE, "gdpr_no_such_database");
    ck_assert_int_eq(database_named(c, "gdpr_no_such_database"), 0);

    /* A database of another application: refused, nothing added to it. */
    th_setup_bare(&ts);
    gdpr_close(ts.eng);
    ts.eng = NULL;
    th_pg_drop_db(ts.db);
    {
        char name[128], sql[300];
        th_pg_db_name(ts.db, name, sizeof name);
        snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
        pexec(c, sql);
    }
    d = pconn(ts.db);
    pexec(d, "CREATE TABLE public.customers(id serial PRIMARY KEY, name text)");
    pexec(d, "INSERT INTO public.customers(name) VALUES ('someone else''s data')");
    th_assert_err(open_path(ts.db), GDPR_EINVAL, "database of its own");
    ck_assert_int_eq(pint(d, "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON"
                             " n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog',"
                             " 'information_schema', 'pg_toast') AND c.relkind IN ('r', 'S')"),
                     2); /* customers and its sequence */
    ck_assert_int_eq(pint(d, "SELECT count(*) FROM pg_namespace WHERE nspname = 'gdpr_keys'"), 0);
    ck_assert_int_eq(pint(d, "SELECT count(*) FROM public.customers"), 1);
    PQfinish(d);
    th_teardown(&ts);
    PQfinish(c);
}
END_TEST

/* A server that reports PostgreSQL 12: the start-up of the frontend/backend
 * protocol version 3 (SSL and GSS requests declined, authentication OK,
 * server_version 12.22 in a ParameterStatus, ready for query); a simple
 * query for the version is answered, anything else is an error. It counts
 * the statements it saw that would create or change something. This is
 * what libpq sees of a real PostgreSQL 12 until the first statement. */
typedef struct {
    int listen_fd;
    int port;
    int writes_seen;
    int queries_seen;
} fake_pg;

static void
put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static uint32_t
get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int
read_full(int fd, void *buf, size_t len)
{
    unsigned char *b = buf;
    while (len > 0) {
        struct pollfd pfd = {fd, POLLIN, 0};
        ssize_t n;
        if (poll(&pfd, 1, 10000) != 1)
            return -1;
        n = read(fd, b, len);
        if (n <= 0)
            return -1;
        b += n;
        len -= (size_t)n;
    }
    return 0;
}

static void
send_msg(int fd, char type, const void *body, size_t len)
{
    unsigned char head[5];
    head[0] = (unsigned char)type;
    put32(head + 1, (uint32_t)(len + 4));
    if (write(fd, head, 5) != 5 || (len > 0 && write(fd, body, len) != (ssize_t)len))
        return;
}

static void
send_param(int fd, const char *name, const char *value)
{
    char body[128];
    size_t n = strlen(name) + 1, m = strlen(value) + 1;
    memcpy(body, name, n);
    memcpy(body + n, value, m);
    send_msg(fd, 'S', body, n + m);
}

static void
send_error(int fd, const char *text)
{
    char body[256];
    int n = snprintf(body, sizeof body, "SERROR%cC0A000%cM%s%c", 0, 0, text, 0);
    body[n] = '\0';
    send_msg(fd, 'E', body, (size_t)n + 1);
}

static void
send_one_value(int fd, const char *value)
{
    unsigned char body[128];
    size_t off = 0, vlen = strlen(value);
    /* RowDescription: 1 field "v", text. */
    body[off++] = 0;
    body[off++] = 1;
    memcpy(body + off, "v", 2);
    off += 2;
    memset(body + off, 0, 6);
    off += 6;
    put32(body + off, 25); /* text */
    off += 4;
    body[off++] = 0xff;
    body[off++] = 0xff;
    put32(body + off, 0xffffffffu);
    off += 4;
    body[off++] = 0;
    body[off++] = 0;
    send_msg(fd, 'T', body, off);
    off = 0;
    body[off++] = 0;
    body[off++] = 1;
    put32(body + off, (uint32_t)vlen);
    off += 4;
    memcpy(body + off, value, vlen);
    off += vlen;
    send_msg(fd, 'D', body, off);
    send_msg(fd, 'C', "SELECT 1", 9);
}

static void
serve_one(fake_pg *f, int fd)
{
    unsigned char head[8], *body = NULL;
    uint32_t len, code;

    for (;;) { /* SSLRequest / GSSENCRequest, then the start-up packet */
        if (read_full(fd, head, 8) != 0)
            return;
        len = get32(head);
        code = get32(head + 4);
        if (len < 8 || len > 10000)
            return;
        body = malloc(len);
        if (body == NULL || (len > 8 && read_full(fd, body, len - 8) != 0)) {
            free(body);
            return;
        }
        free(body);
        body = NULL;
        if (code == 80877103u || code == 80877104u) {
            if (write(fd, "N", 1) != 1)
                return;
            continue;
        }
        break;
    }
    {
        unsigned char ok[4] = {0, 0, 0, 0}, key[8] = {0, 0, 0x30, 0x39, 1, 2, 3, 4};
        send_msg(fd, 'R', ok, 4);
        send_param(fd, "server_version", "12.22");
        send_param(fd, "server_encoding", "UTF8");
        send_param(fd, "client_encoding", "UTF8");
        send_param(fd, "standard_conforming_strings", "on");
        send_param(fd, "integer_datetimes", "on");
        send_param(fd, "DateStyle", "ISO, MDY");
        send_msg(fd, 'K', key, 8);
        send_msg(fd, 'Z', "I", 1);
    }
    for (;;) {
        unsigned char t[5];
        if (read_full(fd, t, 5) != 0)
            return;
        len = get32(t + 1);
        if (len < 4 || len > 1000000)
            return;
        body = malloc(len - 4 + 1);
        if (body == NULL || (len > 4 && read_full(fd, body, len - 4) != 0)) {
            free(body);
            return;
        }
        body[len - 4] = '\0';
        if (t[0] == 'X') {
            free(body);
            return;
        }
        if (t[0] == 'Q' || t[0] == 'P') {
            const char *sql = (const char *)body;
            if (t[0] == 'P')
                sql += strlen(sql) + 1; /* statement name, then the query */
            f->queries_seen++;
            if (strcasestr(sql, "CREATE") || strcasestr(sql, "INSERT") ||
                strcasestr(sql, "UPDATE") || strcasestr(sql, "ALTER"))
                f->writes_seen++;
        }
        if (t[0] == 'Q') {
            const char *sql = (const char *)body;
            if (strcasestr(sql, "server_version_num"))
                send_one_value(fd, "120022");
            else if (strcasestr(sql, "version()"))
                send_one_value(fd, "PostgreSQL 12.22 on x86_64-pc-linux-gnu");
            else
                send_error(fd, "this test server answers only version queries");
            send_msg(fd, 'Z', "I", 1);
        } else if (t[0] == 'S') {
            send_error(fd, "this test server speaks no extended protocol");
            send_msg(fd, 'Z', "I", 1);
        }
        free(body);
    }
}

static void *
fake_pg_main(void *arg)
{
    fake_pg *f = arg;
    struct pollfd pfd = {f->listen_fd, POLLIN, 0};

    /* libpq may connect more than once (e.g. a retry without SSL). */
    while (poll(&pfd, 1, 5000) == 1) {
        int fd = accept(f->listen_fd, NULL, NULL);
        if (fd < 0)
            break;
        serve_one(f, fd);
        close(fd);
    }
    return NULL;
}

START_TEST(server_older_than_13_refused)
{
    fake_pg f = {-1, 0, 0, 0};
    struct sockaddr_in sa;
    socklen_t slen = sizeof sa;
    pthread_t thread;
    char uri[200];
    int rc;

    f.listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(f.listen_fd, 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(f.listen_fd, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(listen(f.listen_fd, 4), 0);
    ck_assert_int_eq(getsockname(f.listen_fd, (struct sockaddr *)&sa, &slen), 0);
    f.port = ntohs(sa.sin_port);
    ck_assert_int_eq(pthread_create(&thread, NULL, fake_pg_main, &f), 0);

    snprintf(uri, sizeof uri, "postgresql://old:pw@127.0.0.1:%d/crm?sslmode=disable", f.port);
    rc = open_path(uri);
    shutdown(f.listen_fd, SHUT_RDWR);
    pthread_join(thread, NULL);
    close(f.listen_fd);
    th_assert_err(rc, GDPR_EVERSION, "13");
    ck_assert_msg(strstr(gdpr_errmsg(), "12") != NULL, "message names the version found: %s",
                  gdpr_errmsg());
    ck_assert_int_eq(f.writes_seen, 0);
}
END_TEST

/* A VACUUM that cannot get its turn (a session holds the backend's VACUUM
 * lock, docs/decisions/0010 "VACUUMs one at a time") does not undo or hide
 * the erasure: the key is gone and the tombstone written; the scrub is
 * reported as not done (GDPR_EBUSY naming the VACUUM, tombstone not
 * wiped) and gdpr_erase_retry_pending() finishes it once the turn comes. */
START_TEST(vacuum_held_off_stays_due_and_is_reported)
{
    gdpr_erase_report r;
    gdpr_tombstone t;
    PGconn *c;
    int exists = 1;

    th_setup(&ts);
    gdpr_close(ts.eng);
    ts.eng = NULL;
    th_ok(th_open_with(&ts, th_key, NULL, 300, &ts.eng));
    th_ok(gdpr_vault_put(ts.eng, &th_agent, "vac-1", "contact", "service", "v@example.com", 13,
                         NULL));
    c = pconn(ts.db);
    pexec(c, "SELECT pg_catalog.pg_advisory_lock(1734632563)");
    th_assert_err(gdpr_erase_subject(ts.eng, &th_dpo, "vac-1", "Art. 17(1)(a)", &r), GDPR_EBUSY,
                  "VACUUM stays due");
    ck_assert_int_eq(r.erased, 1);
    th_ok(gdpr_subject_exists(ts.eng, "vac-1", &exists));
    ck_assert_int_eq(exists, 0);
    ck_assert_int_eq(pint(c, "SELECT count(*) FROM gdpr_keys.subject_key"), 0);
    memset(&t, 0, sizeof t);
    t.version = GDPR_TOMBSTONE_VERSION;
    th_ok(gdpr_tombstone_lookup(ts.eng, "vac-1", &t));
    ck_assert_int_eq(t.complete, 1);
    ck_assert_int_eq(t.wiped, 0);
    pexec(c, "SELECT pg_catalog.pg_advisory_unlock(1734632563)");
    th_ok(gdpr_erase_retry_pending(ts.eng, &th_dpo, NULL));
    memset(&t, 0, sizeof t);
    t.version = GDPR_TOMBSTONE_VERSION;
    th_ok(gdpr_tombstone_lookup(ts.eng, "vac-1", &t));
    ck_assert_int_eq(t.wiped, 1);
    PQfinish(c);
    th_teardown(&ts);
}
END_TEST

/* Writes inside a batch are sent without waiting (pipeline mode, libpq
 * 14+): a write the server refuses is found late, by a later call of the
 * batch or by the commit. Either way the whole batch is rolled back and
 * the caller is told so; nothing of it is committed, the chain is intact
 * and the engine goes on. A real constraint violation makes the write
 * fail: a CHECK added to gdpr.vault refuses the field 'poison'. */
static gdpr_vault_item
poison_item(const char *subject, const char *field)
{
    gdpr_vault_item it;

    th_ok(gdpr_vault_item_init(&it, GDPR_VAULT_ITEM_VERSION));
    it.subject = subject;
    it.category = "contact";
    it.purpose = "service";
    it.field = field;
    it.value = "late@example.com";
    it.len = 16;
    return it;
}

START_TEST(late_write_error_rolls_the_whole_batch_back)
{
    gdpr_vault_item it;
    int64_t events = 0, before_vault, before_audit, before_subjects, id = 0;
    int exists = 1;
    PGconn *c;
    int rc;

    th_setup(&ts);
    th_ok(gdpr_vault_put(ts.eng, &th_agent, "late-0", "contact", "service", "a@example.com", 13,
                         NULL));
    c = pconn(ts.db);
    pexec(c,
          "ALTER TABLE gdpr.vault ADD CONSTRAINT poison CHECK (field IS DISTINCT FROM 'poison')");
    before_vault = pint(c, "SELECT count(*) FROM gdpr.vault");
    before_audit = pint(c, "SELECT count(*) FROM gdpr.audit");
    before_subjects = pint(c, "SELECT count(*) FROM gdpr.subject");

    /* 1. Found by the commit: the calls answered, the commit says no. */
    th_ok(gdpr_begin(ts.eng));
    th_ok(gdpr_vault_put(ts.eng, &th_agent, "late-0", "contact", "service", "b@example.com", 13,
                         NULL));
    it = poison_item("late-0", "poison");
    rc = gdpr_vault_put_item(ts.eng, &th_agent, &it, &id);
#ifdef LIBPQ_HAS_PIPELINING
    /* Sent, not yet answered. */
    th_ok(rc);
    th_ok(gdpr_vault_put(ts.eng, &th_agent, "late-0", "contact", "service", "c@example.com", 13,
                         NULL));
    rc = gdpr_commit(ts.eng);
    ck_assert_int_ne(rc, GDPR_OK);
    ck_assert_msg(strstr(gdpr_errmsg(), "poison") != NULL, "%s", gdpr_errmsg());
    ck_assert_msg(strstr(gdpr_errmsg(), "rolled back") != NULL, "%s", gdpr_errmsg());
    ck_assert_msg(strstr(gdpr_errmsg(), "storing a vault record") != NULL, "%s", gdpr_errmsg());
#else
    ck_assert_int_ne(rc, GDPR_OK);
    gdpr_rollback(ts.eng);
#endif
    ck_assert_int_eq(pint(c, "SELECT count(*) FROM gdpr.vault"), before_vault);
    ck_assert_int_eq(pint(c, "SELECT count(*) FROM gdpr.audit"), before_audit);

    /* 2. Found by a later call of the batch that waits for an answer (a
     * new subject is looked up): that call fails, says the batch was
     * rolled back, and the batch is gone (gdpr_commit: no batch). */
    th_ok(gdpr_begin(ts.eng));
    th_ok(gdpr_vault_put(ts.eng, &th_agent, "late-1", "contact", "service", "d@example.com", 13,
                         NULL));
    it = poison_item("late-0", "poison");
    rc = gdpr_vault_put_item(ts.eng, &th_agent, &it, &id);
#ifdef LIBPQ_HAS_PIPELINING
    th_ok(rc);
    rc = gdpr_vault_put(ts.eng, &th_agent, "late-2", "contact", "service", "e@example.com", 13,
                        NULL);
    ck_assert_int_ne(rc, GDPR_OK);
    ck_assert_msg(strstr(gdpr_errmsg(), "poison") != NULL, "%s", gdpr_errmsg());
    ck_assert_msg(strstr(gdpr_errmsg(), "batch was rolled back") != NULL, "%s", gdpr_errmsg());
    th_assert_err(gdpr_commit(ts.eng), GDPR_ESTATE, "");
#else
    ck_assert_int_ne(rc, GDPR_OK);
    gdpr_rollback(ts.eng);
#endif
    ck_assert_int_eq(pint(c, "SELECT count(*) FROM gdpr.vault"), before_vault);
    ck_assert_int_eq(pint(c, "SELECT count(*) FROM gdpr.audit"), before_audit);
    ck_assert_int_eq(pint(c, "SELECT count(*) FROM gdpr.subject"), before_subjects);
    th_ok(gdpr_subject_exists(ts.eng, "late-1", &exists));
    ck_assert_int_eq(exists, 0);

    /* The engine goes on: a batch commits, the chain verifies, and the
     * ids it hands out are new (the rolled-back ones were never stored). */
    th_ok(gdpr_begin(ts.eng));
    th_ok(gdpr_vault_put(ts.eng, &th_agent, "late-1", "contact", "service", "f@example.com", 13,
                         &id));
    th_ok(gdpr_vault_put(ts.eng, &th_agent, "late-0", "contact", "service", "g@example.com", 13,
                         NULL));
    th_ok(gdpr_commit(ts.eng));
    ck_assert_int_eq(pint(c, "SELECT count(*) FROM gdpr.vault"), before_vault + 2);
    ck_assert_int_eq(pint(c, "SELECT count(*) FROM gdpr.audit"), before_audit + 2);
    th_ok(gdpr_subject_exists(ts.eng, "late-1", &exists));
    ck_assert_int_eq(exists, 1);
    th_ok(gdpr_audit_verify(ts.eng, &events));
    ck_assert_int_eq(events, before_audit + 2);
    /* Another engine's write is seen: what this one remembered is
     * dropped when the generation moved (a subject erased elsewhere). */
    {
        gdpr_engine *other = NULL;
        gdpr_erase_report r;
        th_ok(th_open(&ts, &other));
        th_ok(gdpr_erase_subject(other, &th_dpo, "late-1", "Art. 17(1)(a)", &r));
        gdpr_close(other);
    }
    th_ok(gdpr_begin(ts.eng));
    th_ok(gdpr_vault_put(ts.eng, &th_agent, "late-1", "contact", "service", "h@example.com", 13,
                         NULL));
    th_ok(gdpr_commit(ts.eng));
    th_ok(gdpr_subject_exists(ts.eng, "late-1", &exists));
    ck_assert_int_eq(exists, 1);
    th_ok(gdpr_audit_verify(ts.eng, NULL));
    PQfinish(c);
    th_teardown(&ts);
}
END_TEST

/* ---- suite --------------------------------------------------------------- */

static Suite *
pg_suite(void)
{
    Suite *s = suite_create("postgres");
    TCase *tc = tcase_create("postgres");

    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, dirtyread_finds_no_key_and_no_plaintext_after_erasure);
    tcase_add_test(tc, logical_dump_without_keys_schema);
    tcase_add_test(tc, eight_engines_in_eight_processes);
    tcase_add_test(tc, vacuum_held_off_stays_due_and_is_reported);
    tcase_add_test(tc, read_only_engine_on_the_standby);
    tcase_add_test(tc, bad_input_at_open);
    tcase_add_test(tc, server_older_than_13_refused);
    tcase_add_test(tc, late_write_error_rolls_the_whole_batch_back);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    /* Only under tests/pg/with-postgres (meson test --setup=postgres). */
    if (!th_on_postgres() || getenv("GDPR_TEST_PG_URI") == NULL) {
        printf("SKIP: the PostgreSQL suite needs a server: meson test --setup=postgres "
               "(tests/pg/with-postgres)\n");
        return 77;
    }
    return th_run(pg_suite());
}
