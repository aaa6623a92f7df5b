/*
 * Engine: options, open/close, keys, batches, rotation, errors.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

static th_store ts;

static void
setup(void)
{
    th_setup(&ts);
}
static void
teardown(void)
{
    th_teardown(&ts);
}

START_TEST(options_init_and_versions)
{
    gdpr_options opts;
    gdpr_engine *eng = (gdpr_engine *)&opts; /* must be reset to NULL on failure */

    th_ok(gdpr_options_init(&opts, GDPR_OPTIONS_VERSION));
    ck_assert_uint_eq(opts.version, GDPR_OPTIONS_VERSION);
    ck_assert_ptr_null(opts.path);
    th_assert_err(gdpr_options_init(&opts, 0), GDPR_EVERSION, "version: 0");
    th_assert_err(gdpr_options_init(&opts, GDPR_OPTIONS_VERSION + 1), GDPR_EVERSION,
                  "not a known options version");
    th_assert_err(gdpr_options_init(NULL, 1), GDPR_EINVAL, "opts");

    opts.path = ts.db;
    opts.key = th_key;
    opts.key_len = 32;
    opts.version = 0;
    th_assert_err(gdpr_open(&eng, &opts), GDPR_EVERSION, "opts.version: 0");
    ck_assert_ptr_null(eng);
    opts.version = GDPR_OPTIONS_VERSION + 1;
    th_assert_err(gdpr_open(&eng, &opts), GDPR_EVERSION, "opts.version");
    ck_assert_ptr_null(eng);
}
END_TEST

START_TEST(open_bad_arguments)
{
    TH_SQLITE_ONLY("opens a store file of its own");
    gdpr_options opts = GDPR_OPTIONS_INIT;
    gdpr_engine *eng = NULL;
    char longpath[5000];
    char before[65], after[65];

    th_fingerprint(&ts, before);
    th_assert_err(gdpr_open(NULL, &opts), GDPR_EINVAL, "out");
    th_assert_err(gdpr_open(&eng, NULL), GDPR_EINVAL, "opts");
    th_assert_err(gdpr_open(&eng, &opts), GDPR_EINVAL, "opts.path: must not be NULL");
    opts.path = "";
    th_assert_err(gdpr_open(&eng, &opts), GDPR_EINVAL, "opts.path: must not be empty");
    memset(longpath, 'a', sizeof longpath - 1);
    longpath[sizeof longpath - 1] = '\0';
    opts.path = longpath;
    th_assert_err(gdpr_open(&eng, &opts), GDPR_EINVAL, "opts.path: longer than");
    opts.path = "/tmp/\xff\xfe.db";
    th_assert_err(gdpr_open(&eng, &opts), GDPR_EINVAL, "opts.path: not valid UTF-8");
    opts.path = ts.db;
    th_assert_err(gdpr_open(&eng, &opts), GDPR_EINVAL, "exactly one");
    opts.key = th_key;
    opts.key_len = 16;
    th_assert_err(gdpr_open(&eng, &opts), GDPR_EINVAL, "opts.key_len: 16");
    opts.key_len = 32;
    opts.passphrase = "both";
    th_assert_err(gdpr_open(&eng, &opts), GDPR_EINVAL, "exactly one");
    opts.key = NULL;
    opts.passphrase = "";
    th_assert_err(gdpr_open(&eng, &opts), GDPR_EINVAL, "opts.passphrase: must not be empty");
    opts.passphrase = "ok";
    opts.busy_timeout_ms = -1;
    th_assert_err(gdpr_open(&eng, &opts), GDPR_EINVAL, "busy_timeout_ms");
    ck_assert_ptr_null(eng);
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
}
END_TEST

START_TEST(wrong_key_touches_nothing)
{
    gdpr_options opts = GDPR_OPTIONS_INIT;
    unsigned char wrong[32];
    gdpr_engine *eng = NULL;
    char before[65], after[65];

    th_fingerprint(&ts, before);
    memcpy(wrong, th_key, 32);
    wrong[31] ^= 1;
    opts.path = ts.db;
    opts.key = wrong;
    opts.key_len = 32;
    th_assert_err(gdpr_open(&eng, &opts), GDPR_EKEY, "wrong key");
    ck_assert_ptr_null(eng);
    opts.key = NULL;
    opts.passphrase = "guess";
    th_assert_err(gdpr_open(&eng, &opts), GDPR_EKEY, "32-byte key");
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
}
END_TEST

START_TEST(passphrase_store)
{
    TH_SQLITE_ONLY("opens a store file of its own");
    gdpr_options opts = GDPR_OPTIONS_INIT;
    gdpr_engine *eng = NULL;
    char path[400];
    int created = 0;

    snprintf(path, sizeof path, "%s/pass.db", ts.dir);
    opts.path = path;
    opts.passphrase = "correct horse battery staple";
    th_ok(gdpr_open(&eng, &opts));
    th_ok(gdpr_policy_load(eng, &th_dpo, th_example_policy_path()));
    th_ok(gdpr_subject_ensure(eng, &th_agent, "cust-1", &created));
    ck_assert_int_eq(created, 1);
    gdpr_close(eng);
    eng = NULL;
    opts.passphrase = "correct horse battery stapler";
    th_assert_err(gdpr_open(&eng, &opts), GDPR_EKEY, "wrong key or passphrase");
    opts.passphrase = "correct horse battery staple";
    th_ok(gdpr_open(&eng, &opts));
    th_ok(gdpr_subject_ensure(eng, &th_agent, "cust-1", &created));
    ck_assert_int_eq(created, 0);
    gdpr_close(eng);
}
END_TEST

START_TEST(keystore_missing_or_foreign)
{
    TH_SQLITE_ONLY("reads the keystore file");
    gdpr_options opts = GDPR_OPTIONS_INIT;
    gdpr_engine *eng = NULL;
    char other[400], moved[400];

    gdpr_close(ts.eng);
    ts.eng = NULL;
    snprintf(moved, sizeof moved, "%s.away", ts.keys);
    ck_assert_int_eq(rename(ts.keys, moved), 0);
    opts.path = ts.db;
    opts.key = th_key;
    opts.key_len = 32;
    th_assert_err(gdpr_open(&eng, &opts), GDPR_ECORRUPT, "missing or empty");
    ck_assert_int_eq(rename(moved, ts.keys), 0);

    /* Another store's keystore (same master key) is refused too. */
    snprintf(other, sizeof other, "%s/other.db", ts.dir);
    opts.path = other;
    th_ok(gdpr_open(&eng, &opts));
    gdpr_close(eng);
    eng = NULL;
    opts.path = ts.db;
    snprintf(other, sizeof other, "%s/other.db-keys", ts.dir);
    opts.keystore_path = other;
    th_assert_err(gdpr_open(&eng, &opts), GDPR_ECORRUPT, "another store");
    th_ok(th_open(&ts, &ts.eng));
}
END_TEST

static int
file_exists(const char *path, const char *suffix)
{
    char p[512];

    snprintf(p, sizeof p, "%s%s", path, suffix);
    return access(p, F_OK) == 0;
}

/* No file of `path` or its keystore is there: neither the file nor its
 * -wal, -shm or -journal. */
static void
assert_no_files(const char *path)
{
    static const char *const suffixes[] = {"",      "-wal",      "-shm",      "-journal",
                                           "-keys", "-keys-wal", "-keys-shm", "-keys-journal"};

    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++)
        ck_assert_msg(!file_exists(path, suffixes[i]), "%s%s left behind", path, suffixes[i]);
}

START_TEST(failed_new_open_leaves_no_files)
{
    gdpr_options opts = GDPR_OPTIONS_INIT;
    gdpr_engine *eng = NULL;
    char path[400], keys[420];
    int fd;

    /* PostgreSQL's counterpart is test-store discard_removes_only_what_the_open_created. */
    TH_SQLITE_ONLY("creates and removes store files next to a data file of its own");
    /* A new store refused (passphrase too short): nothing stays. */
    snprintf(path, sizeof path, "%s/new.db", ts.dir);
    opts.path = path;
    opts.passphrase = "short";
    th_assert_err(gdpr_open(&eng, &opts), GDPR_EINVAL, "opts.passphrase");
    ck_assert_ptr_null(eng);
    assert_no_files(path);

    /* A data file the host made (empty) stays; the keystore this open
     * made goes. */
    fd = open(path, O_CREAT | O_WRONLY, 0600);
    ck_assert_int_ge(fd, 0);
    close(fd);
    th_assert_err(gdpr_open(&eng, &opts), GDPR_EINVAL, "opts.passphrase");
    ck_assert(file_exists(path, ""));
    ck_assert(!file_exists(path, "-keys"));
    ck_assert_int_eq(unlink(path), 0);

    /* A new data file with the keystore of another store: refused; the
     * data file goes, the other store's keystore stays and opens. */
    gdpr_close(ts.eng);
    ts.eng = NULL;
    opts.passphrase = NULL;
    opts.key = th_key;
    opts.key_len = 32;
    opts.keystore_path = ts.keys;
    th_assert_err(gdpr_open(&eng, &opts), GDPR_ECORRUPT, "holds keys of another store");
    assert_no_files(path);
    th_ok(th_open(&ts, &ts.eng));

    /* And the same path then makes a store. */
    opts.keystore_path = NULL;
    th_ok(gdpr_open(&eng, &opts));
    gdpr_close(eng);
    snprintf(keys, sizeof keys, "%s-keys", path);
    ck_assert(file_exists(path, ""));
    ck_assert(file_exists(keys, ""));
}
END_TEST

START_TEST(strerror_and_version)
{
    ck_assert_str_eq(gdpr_version(), GDPR_VERSION_STRING);
    ck_assert_uint_eq(gdpr_version_number(), GDPR_VERSION_NUMBER);
    ck_assert_uint_eq(gdpr_key_bytes(), GDPR_KEY_BYTES);
    ck_assert_ptr_nonnull(strstr(gdpr_strerror(GDPR_EKEY), "GDPR_EKEY"));
    ck_assert_ptr_nonnull(strstr(gdpr_strerror(GDPR_ESTATE), "GDPR_ESTATE"));
    ck_assert_ptr_nonnull(strstr(gdpr_strerror(12345), "GDPR_E?"));
    for (int code = GDPR_OK; code >= GDPR_ESTATE; code--)
        ck_assert_ptr_null(strstr(gdpr_strerror(code), "GDPR_E?"));
    gdpr_free(NULL);
    gdpr_close(NULL);
}
END_TEST

START_TEST(batch_commit_and_rollback)
{
    int exists = 0;
    char before[65], after[65];

    th_assert_err(gdpr_commit(ts.eng), GDPR_ESTATE, "none is open");
    th_assert_err(gdpr_rollback(ts.eng), GDPR_ESTATE, "none is open");
    th_assert_err(gdpr_begin(NULL), GDPR_EINVAL, "eng");
    th_ok(gdpr_begin(ts.eng));
    th_assert_err(gdpr_begin(ts.eng), GDPR_ESTATE, "already open");
    for (int i = 0; i < 50; i++) {
        char id[32];
        snprintf(id, sizeof id, "batch-%d", i);
        th_ok(gdpr_subject_ensure(ts.eng, &th_agent, id, NULL));
    }
    /* A failing call inside the batch undoes only itself. */
    th_assert_err(gdpr_subject_ensure(ts.eng, &th_agent, "", NULL), GDPR_EINVAL, "subject");
    th_ok(gdpr_commit(ts.eng));
    th_ok(gdpr_subject_exists(ts.eng, "batch-49", &exists));
    ck_assert_int_eq(exists, 1);

    th_fingerprint(&ts, before);
    th_ok(gdpr_begin(ts.eng));
    th_ok(gdpr_subject_ensure(ts.eng, &th_agent, "rolled-back", NULL));
    th_ok(gdpr_rollback(ts.eng));
    th_ok(gdpr_subject_exists(ts.eng, "rolled-back", &exists));
    ck_assert_int_eq(exists, 0);
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
}
END_TEST

START_TEST(rekey_rewraps_and_retires_old_key)
{
    unsigned char new_key[32];
    gdpr_options opts = GDPR_OPTIONS_INIT;
    gdpr_engine *eng = NULL;
    int created = 0;
    int64_t events = 0;

    memset(new_key, 0x5a, sizeof new_key);
    for (int i = 0; i < 300; i++) {
        char id[32];
        snprintf(id, sizeof id, "rk-%d", i);
        th_ok(gdpr_subject_ensure(ts.eng, &th_agent, id, NULL));
    }
    th_assert_err(gdpr_rekey(ts.eng, &th_agent, new_key, 32, NULL), GDPR_EDENIED, "rekey");
    th_assert_err(gdpr_rekey(ts.eng, &th_dpo, new_key, 31, NULL), GDPR_EINVAL, "key_len");
    th_assert_err(gdpr_rekey(ts.eng, &th_dpo, NULL, 0, NULL), GDPR_EINVAL, "exactly one");
    th_assert_err(gdpr_rekey(ts.eng, NULL, new_key, 32, NULL), GDPR_EINVAL, "who");
    th_ok(gdpr_rekey(ts.eng, &th_dpo, new_key, 32, NULL));
    gdpr_close(ts.eng);
    ts.eng = NULL;
    th_assert_err(th_open(&ts, &eng), GDPR_EKEY, "wrong key");
    opts.path = ts.db;
    opts.key = new_key;
    opts.key_len = 32;
    opts.clock = th_clock;
    opts.clock_ctx = &ts;
    th_ok(gdpr_open(&ts.eng, &opts));
    /* Blind indexes survive rotation: the subject is found, not re-created. */
    th_ok(gdpr_subject_ensure(ts.eng, &th_agent, "rk-299", &created));
    ck_assert_int_eq(created, 0);
    th_ok(gdpr_audit_verify(ts.eng, &events));
    ck_assert_int_gt(events, 300);
    /* and to a passphrase */
    th_ok(gdpr_rekey(ts.eng, &th_dpo, NULL, 0, "a new passphrase"));
    gdpr_close(ts.eng);
    opts.key = NULL;
    opts.key_len = 0;
    opts.passphrase = "a new passphrase";
    th_ok(gdpr_open(&ts.eng, &opts));
}
END_TEST

START_TEST(two_processes_share_a_store)
{
    pid_t pid;
    int status = 0;
    int exists = 0;

    fflush(NULL);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        gdpr_engine *child = NULL;
        int rc = th_open(&ts, &child);
        for (int i = 0; rc == GDPR_OK && i < 100; i++) {
            char id[32];
            snprintf(id, sizeof id, "child-%d", i);
            rc = gdpr_subject_ensure(child, &th_agent, id, NULL);
        }
        if (rc != GDPR_OK)
            fprintf(stderr, "child: %s (%s)\n", gdpr_strerror(rc), gdpr_errmsg());
        gdpr_close(child);
        _exit(rc == GDPR_OK ? 0 : 1);
    }
    for (int i = 0; i < 100; i++) {
        char id[32];
        snprintf(id, sizeof id, "parent-%d", i);
        th_ok(gdpr_subject_ensure(ts.eng, &th_agent, id, NULL));
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    th_ok(gdpr_subject_exists(ts.eng, "child-99", &exists));
    ck_assert_int_eq(exists, 1);
    th_ok(gdpr_audit_verify(ts.eng, NULL));
}
END_TEST

typedef struct {
    int index;
    int rc;
} worker;

static void *
create_many(void *arg)
{
    worker *w = arg;

    w->rc = GDPR_OK;
    for (int i = 0; w->rc == GDPR_OK && i < 200; i++) {
        char id[48];
        snprintf(id, sizeof id, "thread-%d-%d", w->index, i);
        w->rc = gdpr_subject_ensure(ts.eng, &th_agent, id, NULL);
    }
    return NULL;
}

/* One engine shared by threads: calls are serialised by the engine. */
START_TEST(threads_share_an_engine)
{
    pthread_t threads[4];
    worker workers[4];
    int64_t events = 0;
    int exists = 0;

    for (int i = 0; i < 4; i++) {
        workers[i].index = i;
        ck_assert_int_eq(pthread_create(&threads[i], NULL, create_many, &workers[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(pthread_join(threads[i], NULL), 0);
        ck_assert_int_eq(workers[i].rc, GDPR_OK);
    }
    th_ok(gdpr_subject_exists(ts.eng, "thread-3-199", &exists));
    ck_assert_int_eq(exists, 1);
    th_ok(gdpr_audit_verify(ts.eng, &events));
    ck_assert_int_eq(events, 1 + 4 * 200);
}
END_TEST

/* opts.read_only (options version 3): reads answer, every write is refused
 * with GDPR_ESTATE naming the option and changes nothing; a store that
 * does not exist yet is refused at open and no file is created. */
START_TEST(read_only_reads_and_refuses_writes)
{
    gdpr_options opts = GDPR_OPTIONS_INIT;
    gdpr_consent c = GDPR_CONSENT_INIT;
    gdpr_engine *ro = NULL;
    char before[65], after[65], missing[400];
    int64_t record = 0;
    int granted = 0;

    c.subject = "alice";
    c.purpose = "marketing";
    c.notice = "marketing-v2";
    c.channel = "web";
    c.state = GDPR_CONSENT_GRANTED;
    th_ok(gdpr_consent_record(ts.eng, &th_agent, &c, NULL));
    gdpr_close(ts.eng);
    ts.eng = NULL;
    th_fingerprint(&ts, before);

    opts.path = ts.db;
    opts.key = th_key;
    opts.key_len = sizeof th_key;
    opts.clock = th_clock;
    opts.clock_ctx = &ts;
    opts.read_only = 1;
    th_ok(gdpr_open(&ro, &opts));
    th_ok(gdpr_consent_check(ro, "alice", "marketing", GDPR_NOW, &granted));
    ck_assert_int_eq(granted, 1);
    th_assert_err(
        gdpr_vault_put(ro, &th_agent, "alice", "contact", "service", "a@example.com", 13, &record),
        GDPR_ESTATE, "read_only");
    th_assert_err(gdpr_consent_record(ro, &th_agent, &c, NULL), GDPR_ESTATE, "read_only");
    gdpr_close(ro);
    ro = NULL;
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);

    snprintf(missing, sizeof missing, "%s/missing.db", ts.dir);
    opts.path = missing;
    th_assert_err(gdpr_open(&ro, &opts), GDPR_ESTATE, "opts.read_only");
    ck_assert_ptr_null(ro);
    ck_assert_int_ne(access(missing, F_OK), 0);
    th_ok(th_open(&ts, &ts.eng));
}
END_TEST

/* opts.audit_path (options version 4): a read-only engine (PRAGMA
 * query_only on SQLite, a hot standby on PostgreSQL) appends the audit
 * events of its audited reads and of its refusals through a second,
 * writable connection to the same store; without it an audited read is
 * refused before anything is given out. */
typedef struct {
    char buf[65536];
    size_t len;
} ro_sink;

static int
ro_sink_write(const void *data, size_t len, void *ctx)
{
    ro_sink *s = ctx;
    if (s->len + len >= sizeof s->buf)
        return 1;
    memcpy(s->buf + s->len, data, len);
    s->len += len;
    s->buf[s->len] = '\0';
    return 0;
}

typedef struct {
    int64_t seq;
    char action[64];
    int outcome;
} ro_last_event;

static int
ro_keep_last(const gdpr_audit_event *ev, void *ctx)
{
    ro_last_event *l = ctx;
    l->seq = ev->seq;
    snprintf(l->action, sizeof l->action, "%s", ev->action);
    l->outcome = ev->outcome;
    return 0;
}

static int
ro_count_consent(const gdpr_consent_event *ev, void *ctx)
{
    (void)ev;
    (*(int *)ctx)++;
    return 0;
}

static int
ro_open(gdpr_engine **out, const char *audit_path, int read_only)
{
    gdpr_options opts = GDPR_OPTIONS_INIT;

    opts.path = ts.db;
    opts.key = th_key;
    opts.key_len = sizeof th_key;
    opts.clock = th_clock;
    opts.clock_ctx = &ts;
    opts.read_only = read_only;
    opts.audit_path = audit_path;
    return gdpr_open(out, &opts);
}

START_TEST(read_only_audited_reads_need_audit_path)
{
    static const char *const no_audit[] = {"audit", NULL};
    static ro_sink out;
    gdpr_consent c = GDPR_CONSENT_INIT;
    gdpr_erase_report rep;
    gdpr_engine *ro = NULL;
    ro_last_event last;
    char before[65], after[65], path[400];
    int64_t record = 0, n0 = 0, n1 = 0;
    int granted = 0, seen = 0;

    c.subject = "alice";
    c.purpose = "marketing";
    c.notice = "marketing-v2";
    c.channel = "web";
    c.state = GDPR_CONSENT_GRANTED;
    th_ok(gdpr_consent_record(ts.eng, &th_agent, &c, NULL));
    th_ok(gdpr_vault_put(ts.eng, &th_agent, "alice", "contact", "service", "a@example.com", 13,
                         &record));

    /* Without audit_path: reads answer, an export is refused before a
     * byte goes out, and so is a refusal that could not be audited. */
    th_fingerprint(&ts, before);
    th_ok(ro_open(&ro, NULL, 1));
    th_ok(gdpr_consent_check(ro, "alice", "marketing", GDPR_NOW, &granted));
    ck_assert_int_eq(granted, 1);
    out.len = 0;
    th_assert_err(gdpr_export_subject(ro, &th_dpo, "alice", GDPR_EXPORT_JSON, ro_sink_write, &out),
                  GDPR_ESTATE, "opts.audit_path");
    ck_assert_uint_eq(out.len, 0);
    th_assert_err(
        gdpr_export_subject(ro, &th_agent, "alice", GDPR_EXPORT_JSON, ro_sink_write, &out),
        GDPR_ESTATE, "opts.audit_path");
    ck_assert_uint_eq(out.len, 0);
    th_assert_err(gdpr_consent_history(ro, &th_dpo, "alice", ro_count_consent, &seen), GDPR_ESTATE,
                  "opts.audit_path");
    ck_assert_int_eq(seen, 0);
    gdpr_close(ro);
    ro = NULL;
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);

    /* Bad audit_path: each refused at open, nothing created or changed. */
    th_assert_err(ro_open(&ro, ts.db, 0), GDPR_EINVAL, "opts.audit_path");
    th_assert_err(ro_open(&ro, "", 1), GDPR_EINVAL, "opts.audit_path");
    th_assert_err(ro_open(&ro, "bad\xff.db", 1), GDPR_EINVAL, "opts.audit_path");
    th_assert_err(ro_open(&ro, ":memory:", 1), GDPR_EINVAL, "opts.audit_path");
    snprintf(path, sizeof path, "%s/missing.db", ts.dir);
    th_assert_err(ro_open(&ro, path, 1), GDPR_ESTATE, "opts.audit_path");
    ck_assert_int_ne(access(path, F_OK), 0);
    {
        gdpr_options other = GDPR_OPTIONS_INIT;
        gdpr_engine *o = NULL;
        snprintf(path, sizeof path, "%s/other.db", ts.dir);
        other.path = path;
        other.key = th_key;
        other.key_len = sizeof th_key;
        th_ok(gdpr_open(&o, &other));
        gdpr_close(o);
        th_assert_err(ro_open(&ro, path, 1), GDPR_ECORRUPT, "another store");
    }
    ck_assert_ptr_null(ro);
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);

    /* With audit_path: the export goes out and its event is on the
     * writable store's chain, after the events already there. */
    th_ok(gdpr_audit_verify(ts.eng, &n0));
    th_ok(ro_open(&ro, ts.db, 1));
    out.len = 0;
    th_ok(gdpr_export_subject(ro, &th_dpo, "alice", GDPR_EXPORT_JSON, ro_sink_write, &out));
    ck_assert_ptr_nonnull(strstr(out.buf, "a@example.com"));
    th_ok(gdpr_audit_verify(ts.eng, &n1));
    ck_assert_int_eq(n1, n0 + 1);
    memset(&last, 0, sizeof last);
    th_ok(gdpr_audit_foreach(ts.eng, n1, ro_keep_last, &last));
    ck_assert_int_eq(last.seq, n1);
    ck_assert_str_eq(last.action, "export.subject");
    ck_assert_int_eq(last.outcome, GDPR_OK);

    /* A refusal is audited there too. */
    out.len = 0;
    th_assert_err(
        gdpr_export_subject(ro, &th_agent, "alice", GDPR_EXPORT_JSON, ro_sink_write, &out),
        GDPR_EDENIED, "export.subject");
    ck_assert_uint_eq(out.len, 0);
    th_ok(gdpr_audit_verify(ts.eng, &n1));
    ck_assert_int_eq(n1, n0 + 2);
    th_ok(gdpr_audit_foreach(ts.eng, n1, ro_keep_last, &last));
    ck_assert_str_eq(last.action, "export.subject");
    ck_assert_int_eq(last.outcome, GDPR_EDENIED);

    /* Inside a host batch the refusal's event is appended at once: the
     * host's rollback cannot take it with it. A consent history is an
     * audited read like an export. */
    th_ok(gdpr_begin(ro));
    th_assert_err(
        gdpr_export_subject(ro, &th_agent, "alice", GDPR_EXPORT_JSON, ro_sink_write, &out),
        GDPR_EDENIED, "export.subject");
    th_ok(gdpr_rollback(ro));
    th_ok(gdpr_consent_history(ro, &th_dpo, "alice", ro_count_consent, &seen));
    ck_assert_int_eq(seen, 1);
    th_ok(gdpr_audit_verify(ts.eng, &n1));
    ck_assert_int_eq(n1, n0 + 4);
    th_ok(gdpr_audit_foreach(ts.eng, n1, ro_keep_last, &last));
    ck_assert_str_eq(last.action, "consent.read");
    ck_assert_int_eq(last.outcome, GDPR_OK);
    n0 += 2;

    /* Writes are still refused, and leave no event anywhere. */
    th_digest_without(&ts, TH_DIGEST_EXACT, no_audit, before);
    th_assert_err(
        gdpr_vault_put(ro, &th_agent, "alice", "contact", "service", "b@example.com", 13, &record),
        GDPR_ESTATE, "read_only");
    th_assert_err(gdpr_consent_record(ro, &th_agent, &c, NULL), GDPR_ESTATE, "read_only");
    th_assert_err(gdpr_erase_subject(ro, &th_dpo, "alice", "Art. 17(1)(a)", &rep), GDPR_ESTATE,
                  "read_only");
    th_digest_without(&ts, TH_DIGEST_EXACT, no_audit, after);
    ck_assert_str_eq(before, after);
    th_ok(gdpr_audit_verify(ts.eng, &n1));
    ck_assert_int_eq(n1, n0 + 2);

    /* An erasure through the writable engine is what the reader sees. */
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "alice", "Art. 17(1)(a)", &rep));
    th_ok(gdpr_consent_check(ro, "alice", "marketing", GDPR_NOW, &granted));
    ck_assert_int_eq(granted, 0);
    th_assert_err(gdpr_export_subject(ro, &th_dpo, "alice", GDPR_EXPORT_JSON, ro_sink_write, &out),
                  GDPR_ENOTFOUND, "subject");
    gdpr_close(ro);
    th_ok(gdpr_audit_verify(ts.eng, &n1));
}
END_TEST

START_TEST(batch_calls_reject_null)
{
    th_assert_err(gdpr_commit(NULL), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_rollback(NULL), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_rekey(NULL, &th_dpo, th_key, 32, NULL), GDPR_EINVAL, "eng");
}
END_TEST

static Suite *
engine_suite(void)
{
    Suite *s = suite_create("engine");
    TCase *tc = tcase_create("engine");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, options_init_and_versions);
    tcase_add_test(tc, open_bad_arguments);
    tcase_add_test(tc, wrong_key_touches_nothing);
    tcase_add_test(tc, passphrase_store);
    tcase_add_test(tc, keystore_missing_or_foreign);
    tcase_add_test(tc, failed_new_open_leaves_no_files);
    tcase_add_test(tc, strerror_and_version);
    tcase_add_test(tc, batch_commit_and_rollback);
    tcase_add_test(tc, rekey_rewraps_and_retires_old_key);
    tcase_add_test(tc, two_processes_share_a_store);
    tcase_add_test(tc, threads_share_an_engine);
    tcase_add_test(tc, batch_calls_reject_null);
    tcase_add_test(tc, read_only_reads_and_refuses_writes);
    tcase_add_test(tc, read_only_audited_reads_need_audit_path);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return th_run(engine_suite());
}
