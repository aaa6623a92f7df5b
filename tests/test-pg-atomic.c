/*
 * All-or-nothing on PostgreSQL (issue 14, item 2): the counterpart of
 * test-atomic.c's loops, against a real server. For every operation of the
 * table below and every statement N = 1 .. (statements the call makes),
 * the library's statement wrapper stops before statement N (a test hook,
 * lib/util/testhook.h) and the test
 *  - kills the engine's server backend (pg_terminate_backend over a second
 *    connection, waiting until the backend is gone), then, on a new copy,
 *  - makes the statement fail in the client (libpq answering no result);
 * and once per operation it
 *  - restarts the server between two calls (the next call must succeed),
 *  - restarts it in the call, before its first, middle or last statement
 *    (by operation), with pg_ctl restart -m fast or -m immediate.
 * A call that fails must say GDPR_ESTORAGE with libpq's message (for a lost
 * connection); a call may succeed when what was lost came before its first
 * statement or after its COMMIT. The same engine's next call reconnects; a
 * fresh engine then finds the chain verifying and no key row without its
 * subject, and the store exactly as before the call (every row of every
 * table) or as a run that got through left it (BLOBs by length: fresh
 * nonces), never in between; a call of several transactions (an erasure,
 * a retention run) that failed after its first commit says so and is
 * finished by the next call. Another test loses the session between two
 * calls while another engine loads a policy: the first call after it must
 * see the new one.
 * Every point starts from a copy of one template database (CREATE
 * DATABASE ... TEMPLATE); a copy the call left as it was is used again,
 * its sequences reset. The suite restarts servers, so it runs on a
 * cluster of its own: main() runs itself again under tests/pg/with-postgres
 * (primary only). Outside `meson test --setup=postgres` it skips.
 * GDPR_ATOMIC_ONLY=<text> runs only the operations whose name contains the
 * text; GDPR_ATOMIC_VERBOSE=1 prints the points per operation and the CPU
 * time, =2 every point's outcome.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "helpers.h"
#include "testhook.h"

#define DAY 86400

static th_store ts;
static char template_uri[300];
static char template_name[64];

/* What the template holds, by id. */
static struct {
    int64_t alice_contact, alice_usage, bob_record, erin_cv;
    int64_t req_unverified, req_verified, hold, review;
} fx;

/* GDPR_ATOMIC_VERBOSE=1: the points per operation; 2: every point. */
static int
verbose(void)
{
    const char *v = getenv("GDPR_ATOMIC_VERBOSE");
    return v != NULL ? atoi(v) : 0;
}

/* ---- the server ----------------------------------------------------------- */

static PGconn *admin; /* the cluster's postgres database, for kills and copies */

/* The test's connections print no server notices (a restart's WARNING). */
static void
quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static void
admin_connect(void)
{
    if (admin != NULL && PQstatus(admin) == CONNECTION_OK)
        return;
    PQfinish(admin);
    admin = PQconnectdb(getenv("GDPR_TEST_PG_URI"));
    ck_assert_ptr_nonnull(admin);
    ck_assert_msg(PQstatus(admin) == CONNECTION_OK, "admin connect: %s", PQerrorMessage(admin));
    PQsetNoticeProcessor(admin, quiet, NULL);
}

static PGresult *
admin_query(const char *sql, ExecStatusType want)
{
    PGresult *r;

    admin_connect();
    r = PQexec(admin, sql);
    if (PQresultStatus(r) != want && PQstatus(admin) != CONNECTION_OK) {
        /* The server was restarted since the last query. */
        PQclear(r);
        admin_connect();
        r = PQexec(admin, sql);
    }
    ck_assert_msg(PQresultStatus(r) == want, "%s: %s", sql, PQerrorMessage(admin));
    return r;
}

static void
admin_exec(const char *sql)
{
    PQclear(admin_query(sql, PGRES_COMMAND_OK));
}

static int64_t
admin_int(const char *sql)
{
    PGresult *r = admin_query(sql, PGRES_TUPLES_OK);
    int64_t v;

    ck_assert_int_eq(PQntuples(r), 1);
    v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return v;
}

/* The test's own connection to the copy in use (sequences, orphans,
 * digests): one per copy, made again after a restart. */
static PGconn *look;
static int have_copy;

static PGresult *
look_query(const char *sql)
{
    PGresult *r = NULL;

    for (int attempt = 0; attempt < 2; attempt++) {
        if (look == NULL || PQstatus(look) != CONNECTION_OK) {
            PQfinish(look);
            look = PQconnectdb(ts.db);
            ck_assert_msg(PQstatus(look) == CONNECTION_OK, "%s", PQerrorMessage(look));
            PQsetNoticeProcessor(look, quiet, NULL);
        }
        r = PQexec(look, sql);
        if (PQresultStatus(r) == PGRES_TUPLES_OK || PQresultStatus(r) == PGRES_COMMAND_OK)
            return r;
        if (PQstatus(look) == CONNECTION_OK)
            break;
        PQclear(r); /* the server was restarted: once more on a new connection */
    }
    ck_abort_msg("%s: %s", sql, PQerrorMessage(look));
    return r;
}

static char *
take_strings(const char *uri, const char *sql, const char *before, const char *sep,
             const char *after)
{
    PGconn *c = PQconnectdb(uri);
    PGresult *r;
    size_t cap, len = 0;
    char *out;

    ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
    r = PQexec(c, sql);
    ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s", PQerrorMessage(c));
    ck_assert_int_gt(PQntuples(r), 0);
    cap = strlen(before) + strlen(after) + 1;
    for (int i = 0; i < PQntuples(r); i++)
        cap += strlen(PQgetvalue(r, i, 0)) + strlen(sep);
    out = malloc(cap);
    ck_assert_ptr_nonnull(out);
    len += (size_t)snprintf(out, cap, "%s", before);
    for (int i = 0; i < PQntuples(r); i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? sep : "", PQgetvalue(r, i, 0));
    snprintf(out + len, cap - len, "%s", after);
    PQclear(r);
    PQfinish(c);
    return out;
}

/* The template's sequences as they were (setval statements): ids drawn
 * by a call that was rolled back are not given back by PostgreSQL, so a
 * copy used again after such a call gets them reset, and the ids of the
 * next run are the reference run's. */
static char *sequences_reset;

/* One query for the digest of every row of every table (as th_digest,
 * which connects and reads table by table, too slow for ~1,000 points):
 * each row's md5 over its text form, prefixed by its table, sorted, then
 * md5 of them all; exact, and the shape (a bytea by its length only: the
 * ciphertexts of a second run carry fresh nonces). */
static char *digest_sql;

static void
take_template_sql(void)
{
    free(sequences_reset);
    sequences_reset =
        take_strings(template_uri,
                     "SELECT format('SELECT pg_catalog.setval(%L, %s, %s)',"
                     " quote_ident(schemaname) || '.' || quote_ident(sequencename),"
                     " coalesce(last_value, start_value), (last_value IS NOT NULL)::text)"
                     " FROM pg_sequences ORDER BY 1",
                     "", "; ", "");
    free(digest_sql);
    digest_sql = take_strings(
        template_uri,
        "SELECT format('SELECT %L || md5(t::text), %L || md5(ROW(%s)::text) FROM %I.%I t',"
        "   n.nspname || '.' || c.relname || ':', n.nspname || '.' || c.relname || ':',"
        "   string_agg(CASE WHEN a.atttypid = 'bytea'::regtype"
        "                   THEN format('octet_length(t.%I)', a.attname)"
        "                   ELSE format('t.%I', a.attname) END, ', ' ORDER BY a.attnum),"
        "   n.nspname, c.relname)"
        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
        " WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
        "   AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'"
        " GROUP BY n.nspname, c.relname ORDER BY n.nspname, c.relname",
        "SELECT md5(string_agg(e, ',' ORDER BY e)), md5(string_agg(s, ',' ORDER BY s)) FROM (",
        " UNION ALL ", ") x(e, s)");
}

typedef struct {
    char exact[33], shape[33];
} digest;

static void
take_digest(digest *d)
{
    PGresult *r = look_query(digest_sql);

    ck_assert_int_eq(PQntuples(r), 1);
    snprintf(d->exact, sizeof d->exact, "%s", PQgetvalue(r, 0, 0));
    snprintf(d->shape, sizeof d->shape, "%s", PQgetvalue(r, 0, 1));
    PQclear(r);
}

/* ts.db: a database in the template's state. A copy whose last call left
 * it as it was is used again (its sequences reset); else a new copy of the
 * template (FILE_COPY: much faster than copying through the WAL). */
static void
use_copy(void)
{
    static unsigned counter;
    char name[64], sql[200];

    if (have_copy) {
        PQclear(look_query(sequences_reset));
        return;
    }
    admin_connect();
    snprintf(name, sizeof name, "gdpr_pa_%ld_%u", (long)getpid(), ++counter);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s TEMPLATE %s%s", name, template_name,
             PQserverVersion(admin) >= 150000 ? " STRATEGY FILE_COPY" : "");
    admin_exec(sql);
    th_pg_uri_with_db(template_uri, name, ts.db, sizeof ts.db);
    have_copy = 1;
}

static void
drop_copy(void)
{
    char name[64], sql[120];

    PQfinish(look);
    look = NULL;
    if (!have_copy)
        return;
    th_pg_db_name(ts.db, name, sizeof name);
    snprintf(sql, sizeof sql, "DROP DATABASE %s WITH (FORCE)", name);
    admin_exec(sql);
    have_copy = 0;
}

static void
sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* Terminate the backend of the one engine open on ts.db and wait until it
 * is gone. (A backend whose engine was just closed may still be exiting:
 * wait for it first.) */
static void
kill_engine_backend(void)
{
    char name[64], sql[300];
    int64_t pid = 0;

    th_pg_db_name(ts.db, name, sizeof name);
    snprintf(sql, sizeof sql,
             "SELECT count(*), min(pid) FROM pg_stat_activity WHERE datname = '%s'"
             " AND backend_type = 'client backend' AND pid <> %d",
             name, look != NULL && PQstatus(look) == CONNECTION_OK ? PQbackendPID(look) : 0);
    for (int i = 0;; i++) {
        PGresult *r = admin_query(sql, PGRES_TUPLES_OK);
        int64_t n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);

        pid = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
        PQclear(r);
        if (n == 1)
            break;
        ck_assert_msg(n > 1 && i < 10000, "%lld backends on %s, want the engine's one",
                      (long long)n, name);
        sleep_ms(1);
    }
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%lld)::int", (long long)pid);
    ck_assert_int_eq(admin_int(sql), 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM pg_stat_activity WHERE pid = %lld",
             (long long)pid);
    for (int i = 0; admin_int(sql) != 0; i++) {
        ck_assert_msg(i < 10000, "the killed backend of %s did not go", name);
        sleep_ms(1);
    }
}

/* GDPR_ATOMIC_VERBOSE: the CPU seconds the server and the tests spent,
 * the figure that does not depend on how loaded the machine is. The
 * server's is its postmaster's with its reaped backends, added up over
 * the restarts in a file beside the data directory. */
static double
server_cpu(void)
{
    char path[PATH_MAX], line[1024];
    const char *data = getenv("GDPR_TEST_PG_DATA");
    long pid = 0;
    unsigned long ut = 0, st = 0;
    long cut = 0, cst = 0;
    FILE *f;

    snprintf(path, sizeof path, "%s/postmaster.pid", data ? data : ".");
    f = fopen(path, "r");
    if (f != NULL && fscanf(f, "%ld", &pid) != 1)
        pid = 0;
    if (f != NULL)
        fclose(f);
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    f = fopen(path, "r");
    if (f != NULL && fgets(line, sizeof line, f) != NULL) {
        const char *p = strrchr(line, ')');
        if (p == NULL ||
            sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %ld %ld", &ut, &st,
                   &cut, &cst) != 4)
            ut = st = 0, cut = cst = 0;
    }
    if (f != NULL)
        fclose(f);
    return (double)(ut + st + (unsigned long)cut + (unsigned long)cst) /
           (double)sysconf(_SC_CLK_TCK);
}

static void
cpu_total(double add, double *total_out)
{
    char path[PATH_MAX];
    const char *data = getenv("GDPR_TEST_PG_DATA");
    double total = 0;
    FILE *f;

    snprintf(path, sizeof path, "%s/../server-cpu", data ? data : ".");
    f = fopen(path, "r");
    if (f != NULL && fscanf(f, "%lf", &total) != 1)
        total = 0;
    if (f != NULL)
        fclose(f);
    total += add;
    f = fopen(path, "w");
    if (f != NULL) {
        fprintf(f, "%f\n", total);
        fclose(f);
    }
    if (total_out)
        *total_out = total;
}

/* pg_ctl restart of the cluster's server (fast: backends terminated and a
 * checkpoint; immediate: killed, then crash recovery), as the server's
 * user. */
static void
restart_server(int immediate)
{
    const char *bindir = getenv("GDPR_TEST_PG_BINDIR"), *data = getenv("GDPR_TEST_PG_DATA");
    char pg_ctl[PATH_MAX], log[PATH_MAX + 16];
    int status = 0;
    pid_t pid;

    ck_assert_msg(bindir != NULL && data != NULL, "GDPR_TEST_PG_BINDIR/GDPR_TEST_PG_DATA unset");
    snprintf(pg_ctl, sizeof pg_ctl, "%s/pg_ctl", bindir);
    snprintf(log, sizeof log, "%s/../restart.log", data);
    if (verbose())
        cpu_total(server_cpu(), NULL);
    fflush(NULL);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        const char *mode = immediate ? "immediate" : "fast";
        int devnull = open("/dev/null", O_WRONLY);

        if (devnull >= 0) {
            dup2(devnull, 1);
            close(devnull);
        }
        if (getuid() == 0)
            execlp("runuser", "runuser", "-u", "postgres", "--", pg_ctl, "-D", data, "-m", mode,
                   "-w", "-t", "60", "-l", log, "restart", (char *)NULL);
        else
            execl(pg_ctl, pg_ctl, "-D", data, "-m", mode, "-w", "-t", "60", "-l", log, "restart",
                  (char *)NULL);
        _exit(127);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "pg_ctl restart failed (%d)",
                  status);
    PQfinish(admin);
    admin = NULL;
}

/* ---- the hook ------------------------------------------------------------- */

typedef enum { COUNT, KILL, INJECT, RESTART_FAST, RESTART_IMMEDIATE } mode;
static const char *const mode_name[] = {"count", "kill", "libpq", "restart -m fast",
                                        "restart -m immediate"};

static struct {
    mode mode;
    long n;     /* the statement to act before (1-based) */
    long count; /* statements seen so far */
    int fired;
} hook;

static int
before_statement(void *ctx)
{
    (void)ctx;
    if (++hook.count != hook.n || hook.mode == COUNT)
        return 0;
    hook.fired = 1;
    switch (hook.mode) {
    case KILL:
        kill_engine_backend();
        return 0;
    case INJECT:
        return 1;
    case RESTART_FAST:
    case RESTART_IMMEDIATE:
        restart_server(hook.mode == RESTART_IMMEDIATE);
        return 0;
    case COUNT:
        break;
    }
    return 0;
}

static void
arm(mode m, long n)
{
    gdpr__test_hooks h;

    memset(&h, 0, sizeof h);
    hook.mode = m;
    hook.n = n;
    hook.count = 0;
    hook.fired = 0;
    h.before_statement = before_statement;
    gdpr__test_hooks_set(&h);
}

static void
disarm(void)
{
    gdpr__test_hooks_set(NULL);
}

/* ---- the template --------------------------------------------------------- */

static int64_t
put(const char *subject, const char *category, const char *purpose, const char *value)
{
    gdpr_vault_item it = GDPR_VAULT_ITEM_INIT;
    int64_t id = 0;

    it.subject = subject;
    it.category = category;
    it.purpose = purpose;
    it.value = value;
    it.len = strlen(value);
    th_ok(gdpr_vault_put_item(ts.eng, &th_agent, &it, &id));
    return id;
}

static int64_t
cv_due(const char *subject)
{
    int64_t id = put(subject, "cv", "recruitment", "CV of a candidate");

    th_ok(gdpr_retention_anchor_set(ts.eng, &th_agent, subject, GDPR_ANCHOR_CONTRACT_END,
                                    "recruitment", ts.now - 200 * (int64_t)DAY));
    return id;
}

static int64_t
open_request(const char *subject, gdpr_request_type type)
{
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    int64_t id = 0;

    in.type = type;
    in.subject = subject;
    in.channel = "phone";
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &id));
    return id;
}

/* Once per test case, in the parent process: the template database, the
 * same store as test-atomic.c's template. */
static void
setup(void)
{
    gdpr_consent c = GDPR_CONSENT_INIT;
    gdpr_hold h = GDPR_HOLD_INIT;
    gdpr_retention_report rep;
    gdpr_retention_info info;

    th_setup(&ts);
    fx.alice_contact = put("alice", "contact", "service", "alice@example.com");
    fx.alice_usage = put("alice", "usage", "service", "logged in 12 times");
    th_ok(gdpr_subject_link(ts.eng, &th_agent, "alice", "email", "alice@example.com"));
    c.subject = "alice";
    c.purpose = "marketing";
    c.notice = "marketing-v2";
    c.channel = "web";
    c.proof = "form 12";
    th_ok(gdpr_consent_record(ts.eng, &th_agent, &c, NULL));
    fx.bob_record = put("bob", "contact", "service", "bob@example.com");
    (void)put("bob", "usage", "service", "called twice");
    (void)put("frank", "contact", "service", "frank@example.com");
    h.scope = GDPR_HOLD_SUBJECT;
    h.subject = "frank";
    h.reason = "matter 2026-04 (tax audit)";
    h.until = ts.now + 90 * (int64_t)DAY;
    th_ok(gdpr_hold_place(ts.eng, &th_dpo, &h, &fx.hold));
    fx.erin_cv = cv_due("erin");
    th_ok(gdpr_retention_run(ts.eng, &th_system, ts.now, &rep));
    ck_assert_int_eq(rep.reviews_opened, 1);
    memset(&info, 0, sizeof info);
    info.version = GDPR_RETENTION_INFO_VERSION;
    th_ok(gdpr_retention_record(ts.eng, fx.erin_cv, &info));
    fx.review = info.review;
    ck_assert_int_gt(fx.review, 0);
    (void)cv_due("carol");
    fx.req_unverified = open_request("alice", GDPR_REQUEST_PORTABILITY);
    fx.req_verified = open_request("alice", GDPR_REQUEST_ACCESS);
    th_ok(gdpr_request_verify(ts.eng, &th_agent, fx.req_verified, GDPR_VERIFY_VERIFIED,
                              GDPR_METHOD_KNOWN_CONTACT, NULL));
    ts.now += 3600;
    gdpr_close(ts.eng);
    ts.eng = NULL;
    snprintf(template_uri, sizeof template_uri, "%s", ts.db);
    th_pg_db_name(template_uri, template_name, sizeof template_name);
    take_template_sql();
    have_copy = 0;
}

static void
report_cpu(void)
{
    struct rusage ru;
    double total = 0;

    cpu_total(server_cpu(), &total);
    getrusage(RUSAGE_CHILDREN, &ru);
    fprintf(stderr, "cpu: server %.1f s, tests %.1f s\n", total,
            (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
}

static void
teardown(void)
{
    if (verbose())
        report_cpu();
    disarm();
    drop_copy();
    free(sequences_reset);
    sequences_reset = NULL;
    free(digest_sql);
    digest_sql = NULL;
    snprintf(ts.db, sizeof ts.db, "%s", template_uri);
    th_teardown(&ts);
    PQfinish(admin);
    admin = NULL;
}

/* ---- the operations ------------------------------------------------------- */

static int
op_subject_ensure(gdpr_engine *eng)
{
    int created = 0;
    int rc = gdpr_subject_ensure(eng, &th_agent, "gina", &created);

    return rc == GDPR_OK && !created ? GDPR_EEXISTS : rc;
}

static int
op_consent_record(gdpr_engine *eng)
{
    gdpr_consent c = GDPR_CONSENT_INIT;

    c.subject = "bob";
    c.purpose = "marketing";
    c.notice = "marketing-v2";
    c.channel = "web";
    c.proof = "form 13";
    return gdpr_consent_record(eng, &th_agent, &c, NULL);
}

static int
op_consent_withdraw(gdpr_engine *eng)
{
    return gdpr_consent_withdraw(eng, &th_agent, "alice", "marketing", NULL, "phone", NULL);
}

/* Creates the subject and its key row in the same transaction. */
static int
op_vault_put_new_subject(gdpr_engine *eng)
{
    int64_t id;
    return gdpr_vault_put(eng, &th_agent, "hank", "contact", "service", "hank@example.org", 16,
                          &id);
}

static int
op_vault_put(gdpr_engine *eng)
{
    int64_t id;
    return gdpr_vault_put(eng, &th_agent, "alice", "usage", "service", "opened ticket 7", 15, &id);
}

static int
op_erase_subject(gdpr_engine *eng)
{
    gdpr_erase_report r;
    return gdpr_erase_subject(eng, &th_dpo, "bob", "Art. 17(1)(a) request 9", &r);
}

static int
op_retention_run(gdpr_engine *eng)
{
    gdpr_retention_report rep;
    return gdpr_retention_run(eng, &th_system, ts.now, &rep);
}

static int
op_request_open(gdpr_engine *eng)
{
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    int64_t id;

    in.type = GDPR_REQUEST_ERASURE;
    in.subject = "alice";
    in.channel = "email";
    in.note = "please delete everything";
    return gdpr_request_open(eng, &th_agent, &in, &id);
}

static int
op_request_fulfil(gdpr_engine *eng)
{
    return gdpr_request_fulfil(eng, &th_dpo, fx.req_verified, "paper copy posted");
}

static int
op_transfer_record(gdpr_engine *eng)
{
    gdpr_transfer_request req = GDPR_TRANSFER_REQUEST_INIT;
    gdpr_transfer_result res = GDPR_TRANSFER_RESULT_INIT;

    req.subject = "alice";
    req.recipient = "support-in";
    req.at = ts.now;
    req.purpose = "service";
    return gdpr_transfer_record(eng, &th_agent, &req, &res);
}

/* A refused call appends its refusal to the audit chain and nothing else:
 * the audit append alone. */
static int
op_refusal_audited(gdpr_engine *eng)
{
    gdpr_erase_report r;
    int rc = gdpr_erase_subject(eng, &th_agent, "bob", "not allowed", &r);

    return rc == GDPR_EDENIED ? GDPR_OK : rc == GDPR_OK ? GDPR_EEXISTS : rc;
}

static int
op_hold_release(gdpr_engine *eng)
{
    return gdpr_hold_release(eng, &th_dpo, fx.hold, "audit closed");
}

/* The message of the call that failed, when the operation went on to
 * another call (a batch's rollback) that replaced it. */
static char op_message[700];

/* A host batch: one transaction, each call in it a savepoint. */
static int
op_batch(gdpr_engine *eng)
{
    int rc = gdpr_begin(eng);

    if (rc != GDPR_OK)
        return rc;
    rc = op_consent_withdraw(eng);
    if (rc == GDPR_OK)
        rc = op_vault_put(eng);
    if (rc == GDPR_OK)
        rc = op_hold_release(eng);
    if (rc == GDPR_OK)
        return gdpr_commit(eng);
    snprintf(op_message, sizeof op_message, "%s", gdpr_errmsg());
    /* A write found failed later (pipeline mode) or a lost session ends
     * the whole batch, and the call says so: there is nothing left to
     * roll back (docs/scale.md). Otherwise the host's rollback works. */
    if (strstr(op_message, "the open batch was rolled back") != NULL)
        ck_assert_msg(gdpr_rollback(eng) == GDPR_ESTATE, "batch gone after '%s', rollback: %s",
                      op_message, gdpr_errmsg());
    else
        ck_assert_msg(gdpr_rollback(eng) == GDPR_OK, "batch rollback after '%s': %s", op_message,
                      gdpr_errmsg());
    return rc;
}

typedef struct {
    const char *name;
    int (*run)(gdpr_engine *eng);
    /* Commits before it is finished (an erasure: the data, then the
     * key); a failure after the first commit says "committed" and
     * gdpr_erase_retry_pending() finishes it; a retention run commits
     * batch by batch, and a failure says the next run "resumes". */
    int commits_early; /* FINISHES or RESUMES */
} operation;
enum { FINISHES = 1, RESUMES = 2 };

static const operation ops[] = {
    {"consent record", op_consent_record, 0},
    {"subject create", op_subject_ensure, 0},
    {"vault put, new subject", op_vault_put_new_subject, 0},
    {"erase subject", op_erase_subject, FINISHES},
    {"retention run", op_retention_run, RESUMES},
    {"request open", op_request_open, 0},
    {"request fulfil", op_request_fulfil, 0},
    {"transfer record", op_transfer_record, 0},
    {"refusal (audit append)", op_refusal_audited, 0},
    {"batch of three", op_batch, 0},
};
#define N_OPS (sizeof ops / sizeof ops[0])

static int
skipped(const operation *op)
{
    const char *only = getenv("GDPR_ATOMIC_ONLY");
    return only != NULL && only[0] != '\0' && strstr(op->name, only) == NULL;
}

/* ---- the checks ----------------------------------------------------------- */

/* Key rows whose subject is not in the store and not queued for
 * destruction, or committed at a generation the store never reached. */
static int64_t
orphaned_keys(void)
{
    PGresult *r = look_query("SELECT count(*) FROM gdpr_keys.subject_key k"
                             " WHERE (NOT EXISTS (SELECT 1 FROM gdpr.subject s"
                             "                     WHERE s.hash = k.hash)"
                             "        AND NOT EXISTS (SELECT 1 FROM gdpr.erasure_shred_queue q"
                             "                         WHERE q.hash = k.hash))"
                             "    OR k.gen > (SELECT value FROM gdpr.counter"
                             "                 WHERE name = 'generation')");
    int64_t n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);

    PQclear(r);
    return n;
}

/* An engine on ts.db as every run gets one: just opened, its audit chain
 * verified. */
static gdpr_engine *
engine_opened(const operation *op, long n)
{
    gdpr_engine *eng = NULL;

    ck_assert_msg(th_open(&ts, &eng) == GDPR_OK, "%s, n=%ld: opening: %s", op->name, n,
                  gdpr_errmsg());
    ck_assert_msg(gdpr_audit_verify(eng, NULL) == GDPR_OK, "%s, n=%ld: audit chain: %s", op->name,
                  n, gdpr_errmsg());
    ck_assert_msg(orphaned_keys() == 0, "%s, n=%ld: orphaned key rows", op->name, n);
    return eng;
}

/* What an erasure left to finish (its second transaction) is finished by
 * gdpr_erase_retry_pending: compare the states after that. */
static void
finish_pending(gdpr_engine *eng, const operation *op, long n)
{
    int remaining = -1;

    ck_assert_msg(gdpr_erase_retry_pending(eng, &th_dpo, &remaining) == GDPR_OK,
                  "%s, n=%ld: retry pending: %s", op->name, n, gdpr_errmsg());
    ck_assert_int_eq(remaining, 0);
    ck_assert_msg(orphaned_keys() == 0, "%s, n=%ld: orphaned key rows", op->name, n);
}

/* The reference run on a copy: the state before, the state a run that got
 * through leaves, and the statements it makes. */
typedef struct {
    digest before, done;
    long statements;
} reference;

static void
take_reference(const operation *op, reference *ref)
{
    gdpr_engine *eng;
    int rc;

    use_copy();
    eng = engine_opened(op, 0);
    take_digest(&ref->before);
    arm(COUNT, 0);
    rc = op->run(eng);
    ref->statements = hook.count;
    disarm();
    ck_assert_msg(rc == GDPR_OK, "%s: %s (%s)", op->name, gdpr_strerror(rc), gdpr_errmsg());
    gdpr_close(eng);
    eng = engine_opened(op, 0);
    if (op->commits_early)
        finish_pending(eng, op, 0);
    gdpr_close(eng);
    take_digest(&ref->done);
    ck_assert_msg(strcmp(ref->before.shape, ref->done.shape) != 0, "%s changes nothing", op->name);
    drop_copy();
}

typedef struct {
    long points, failed, before, after, resumed;
} tally;

/* The engine for the next point: opened on the copy in use, which is in
 * the template's state; NULL: open one. */
static gdpr_engine *next_eng;

static void
end_points(void)
{
    gdpr_close(next_eng);
    next_eng = NULL;
    drop_copy();
}

/* One point: the call with the hook armed at statement n (0: not armed),
 * then the checks. */
static void
one_point(const operation *op, const reference *ref, mode m, long n, tally *t)
{
    gdpr_engine *eng = next_eng, *fresh;
    digest d;
    char msg[800]; /* gdpr_strerror and op_message (700) */
    int rc, fired;

    next_eng = NULL;
    use_copy();
    if (eng == NULL)
        eng = engine_opened(op, n);
    take_digest(&d);
    ck_assert_msg(strcmp(d.exact, ref->before.exact) == 0, "%s, n=%ld: not the template's state",
                  op->name, n);
    op_message[0] = '\0';
    arm(m, n);
    rc = op->run(eng);
    fired = hook.fired;
    disarm();
    snprintf(msg, sizeof msg, "%s: %s", gdpr_strerror(rc),
             op_message[0] != '\0' ? op_message : gdpr_errmsg());
    if (verbose() > 1)
        fprintf(stderr, "  %s %s n=%ld: %s\n", mode_name[m], op->name, n, msg);
    ck_assert_msg(n == 0 || fired, "%s, n=%ld: the hook never fired (%ld statements)", op->name, n,
                  hook.count);
    t->points++;
    if (rc != GDPR_OK) {
        t->failed++;
        ck_assert_msg(rc == GDPR_ESTORAGE, "%s, n=%ld: unexpected %s", op->name, n, msg);
        if (m != INJECT)
            /* A lost connection, in libpq's words. */
            ck_assert_msg(strstr(msg, "PostgreSQL connection lost (") != NULL &&
                              (strstr(msg, "terminating connection") != NULL ||
                               strstr(msg, "server closed the connection") != NULL ||
                               strstr(msg, "no connection to the server") != NULL ||
                               strstr(msg, "could not receive data") != NULL ||
                               strstr(msg, "could not send data") != NULL),
                          "%s, n=%ld: not libpq's message: %s", op->name, n, msg);
        else
            ck_assert_msg(strstr(msg, "libpq returned no result") != NULL,
                          "%s, n=%ld: not the failed statement's message: %s", op->name, n, msg);
    }
    /* The same engine goes on: its next call reconnects if it must. */
    ck_assert_msg(gdpr_audit_verify(eng, NULL) == GDPR_OK,
                  "%s, n=%ld: the engine's next call after '%s': %s", op->name, n, msg,
                  gdpr_errmsg());
    gdpr_close(eng);
    /* A fresh engine: the chain verifies, no orphaned key; the rows are
     * exactly as before the call, or as after it. */
    fresh = engine_opened(op, n);
    take_digest(&d);
    if (strcmp(d.exact, ref->before.exact) == 0) {
        ck_assert_msg(rc != GDPR_OK, "%s, n=%ld: the call succeeded but left nothing", op->name, n);
        t->before++;
        next_eng = fresh; /* same copy, same state: the next point's engine */
        return;
    }
    if (rc != GDPR_OK) {
        /* A call of several transactions failed after the first commit:
         * it must say so; the next call finishes (or resumes) it. */
        ck_assert_msg(op->commits_early &&
                          (strstr(msg, "committed") != NULL || strstr(msg, "resumes") != NULL),
                      "%s, n=%ld: the store changed under a failed call (%s)", op->name, n, msg);
        if (op->commits_early == RESUMES) {
            ck_assert_msg(op->run(fresh) == GDPR_OK, "%s, n=%ld: resuming: %s", op->name, n,
                          gdpr_errmsg());
            t->resumed++;
        }
    }
    if (op->commits_early)
        finish_pending(fresh, op, n);
    gdpr_close(fresh);
    take_digest(&d);
    if (op->commits_early != RESUMES || rc == GDPR_OK)
        ck_assert_msg(strcmp(d.shape, ref->done.shape) == 0,
                      "%s, n=%ld: the store is neither before nor after the call (%s)", op->name, n,
                      msg);
    t->after++;
    drop_copy();
}

/* ---- the tests ------------------------------------------------------------ */

static void
report(const char *what, const operation *op, const reference *ref, const tally *t)
{
    if (verbose())
        fprintf(stderr,
                "%-8s %-24s %3ld statements, %3ld points: %3ld failed, %3ld before, %ld after%s\n",
                what, op->name, ref->statements, t->points, t->failed, t->before, t->after,
                t->resumed ? " (resumed)" : "");
}

/* For one operation: before every statement of the call, the backend
 * killed, then a libpq failure; a server restart between two calls, which
 * must cost the next call nothing; a restart in the call at one statement
 * (the first, middle or last, by operation; fast and immediate
 * alternate). */
START_TEST(all_or_nothing)
{
    const operation *op = &ops[_i];
    reference ref;
    tally kill = {0, 0, 0, 0, 0}, fail = {0, 0, 0, 0, 0}, restart = {0, 0, 0, 0, 0};
    gdpr_engine *eng;
    digest d;
    long at;
    int rc;

    if (skipped(op))
        return;
    take_reference(op, &ref);
    ck_assert_int_gt(ref.statements, 0);
    for (long n = 1; n <= ref.statements; n++) {
        one_point(op, &ref, KILL, n, &kill);
        one_point(op, &ref, INJECT, n, &fail);
    }
    end_points();
    report("kill", op, &ref, &kill);
    report("libpq", op, &ref, &fail);
    /* The first statement is never after the COMMIT. */
    ck_assert_int_gt(kill.before, 0);
    ck_assert_int_gt(fail.before, 0);

    use_copy();
    eng = engine_opened(op, 0);
    restart_server(_i % 2);
    rc = op->run(eng);
    if (verbose() > 1)
        fprintf(stderr, "  restart between calls, %s: %s: %s\n", op->name, gdpr_strerror(rc),
                gdpr_errmsg());
    ck_assert_msg(rc == GDPR_OK, "%s: the first call after a restart: %s (%s)", op->name,
                  gdpr_strerror(rc), gdpr_errmsg());
    gdpr_close(eng);
    eng = engine_opened(op, 0);
    if (op->commits_early)
        finish_pending(eng, op, 0);
    gdpr_close(eng);
    take_digest(&d);
    ck_assert_str_eq(d.shape, ref.done.shape);
    drop_copy();

    at = _i % 3 == 0 ? 1 : _i % 3 == 1 ? (ref.statements + 1) / 2 : ref.statements;
    one_point(op, &ref, (_i / 3) % 2 ? RESTART_IMMEDIATE : RESTART_FAST, at, &restart);
    end_points();
    report("restart", op, &ref, &restart);
}
END_TEST

/* The session ends between two calls (its backend killed, the server
 * restarted fast or immediately) while another engine loads a new policy:
 * the first call after it reconnects before its first statement, so the
 * refresh at its start (the store generation) sees the new policy instead
 * of failing unseen and answering from the old one. */
START_TEST(first_call_after_a_lost_session_sees_other_engines)
{
    static const mode how[] = {KILL, RESTART_FAST, RESTART_IMMEDIATE};
    const operation op = {"policy version", NULL, 0};
    char *changed = th_changed_policy();

    for (size_t i = 0; i < sizeof how / sizeof how[0]; i++) {
        gdpr_engine *eng, *other;
        int64_t v0 = 0, v = 0;

        use_copy();
        eng = engine_opened(&op, (long)i);
        th_ok(gdpr_policy_version(eng, &v0));
        other = engine_opened(&op, (long)i);
        th_ok(gdpr_policy_load_string(other, &th_dpo, changed));
        gdpr_close(other);
        if (how[i] == KILL)
            kill_engine_backend();
        else
            restart_server(how[i] == RESTART_IMMEDIATE);
        ck_assert_msg(gdpr_policy_version(eng, &v) == GDPR_OK && v == v0 + 1,
                      "after %s: policy version %lld, want %lld (%s)", mode_name[how[i]],
                      (long long)v, (long long)v0 + 1, gdpr_errmsg());
        gdpr_close(eng);
        drop_copy();
    }
    free(changed);
}
END_TEST

static Suite *
pg_atomic_suite(void)
{
    Suite *s = suite_create("pg-atomic");
    TCase *tc = tcase_create("pg-atomic");

    /* The template is made once, in the parent; every test works on
     * copies of it. */
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, all_or_nothing, 0, (int)N_OPS);
    tcase_add_test(tc, first_call_after_a_lost_session_sees_other_engines);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    char self[PATH_MAX];
    ssize_t n;

    if (!th_on_postgres() || getenv("GDPR_TEST_PG_URI") == NULL ||
        *getenv("GDPR_TEST_PG_URI") == '\0') {
        printf("SKIP: needs a PostgreSQL server: meson test --setup=postgres "
               "(tests/pg/with-postgres)\n");
        return 77;
    }
    if (getenv("GDPR_PG_ATOMIC_CLUSTER") != NULL)
        return th_run(pg_atomic_suite());
    /* Restarts would cut every other suite's connections: run again on a
     * cluster of our own (the same server build, no standby). */
    n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        perror("readlink /proc/self/exe");
        return EXIT_FAILURE;
    }
    self[n] = '\0';
    if (getenv("GDPR_TEST_PG_BINDIR") != NULL)
        setenv("PG_BINDIR", getenv("GDPR_TEST_PG_BINDIR"), 1);
    setenv("PG_NO_STANDBY", "1", 1);
    setenv("GDPR_PG_ATOMIC_CLUSTER", "1", 1);
    unsetenv("GDPR_TEST_PG_URI");
    fflush(NULL);
    execl(TEST_SOURCE_ROOT "/tests/pg/with-postgres", "with-postgres", self, (char *)NULL);
    perror("tests/pg/with-postgres");
    return EXIT_FAILURE;
}
