/*
 * Integrity of what a host or an attacker with the files can do around
 * the engine (issue 13, items 6-13): forked children draw their own
 * random bytes, the shared cipher context seals under the key it is
 * given (issue 18), every store file is 0600 whatever the umask, edited
 * lookup rows are refused, refusals survive a host's rollback,
 * anonymised aggregates hold no plaintext, checkpoint busy is retried.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "crypto.h"
#include "error.h"
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

/* ---- fork: the random pool is not shared with a child ---- */

typedef struct {
    uint8_t nonce[CRYPTO_NONCE_BYTES];
    uint8_t dek[CRYPTO_KEY_BYTES];
} draws;

static void
draw(crypto_ctx *c, draws *d)
{
    static const uint8_t key[CRYPTO_KEY_BYTES] = {1};
    uint8_t sealed[4 + CRYPTO_SEAL_OVERHEAD];

    ck_assert_int_eq(gdpr_crypto__seal(c, key, "a", 1, "four", 4, sealed), GDPR_OK);
    memcpy(d->nonce, sealed + 1, sizeof d->nonce);
    ck_assert_int_eq(gdpr_crypto__dek_new(c, d->dek), GDPR_OK);
}

START_TEST(fork_child_draws_its_own_bytes)
{
    uint8_t kek[CRYPTO_KEY_BYTES] = {7}, root[CRYPTO_KEY_BYTES] = {9};
    crypto_ctx *c = NULL;
    draws parent, child, warm;
    int fds[2], status = 0;
    pid_t pid;

    ck_assert_int_eq(gdpr_crypto__ctx_new(&c, kek, root), GDPR_OK);
    draw(c, &warm); /* the pool now holds bytes drawn before the fork */
    ck_assert_int_eq(pipe(fds), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        draws d;
        draw(c, &d);
        _exit(write(fds[1], &d, sizeof d) == (ssize_t)sizeof d ? 0 : 1);
    }
    draw(c, &parent);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_int_eq(read(fds[0], &child, sizeof child), (ssize_t)sizeof child);
    close(fds[0]);
    close(fds[1]);
    ck_assert_msg(memcmp(parent.nonce, child.nonce, sizeof parent.nonce) != 0,
                  "parent and child sealed with the same GCM nonce");
    ck_assert_msg(memcmp(parent.dek, child.dek, sizeof parent.dek) != 0,
                  "parent and child made the same data key");
    ck_assert(memcmp(parent.nonce, warm.nonce, sizeof warm.nonce) != 0);
    gdpr_crypto__ctx_free(c);
}
END_TEST

/* ---- the shared cipher context takes each key in place ---- */

/* The engine's shared AES-256-GCM context names its cipher only at its
 * first init; every later seal or open sets its key up in place. A value
 * sealed there under one key after another must open under its own key
 * in a context of its own, and under no other, in both directions. */
START_TEST(shared_context_takes_each_key)
{
    uint8_t kek[CRYPTO_KEY_BYTES] = {7}, root[CRYPTO_KEY_BYTES] = {9};
    uint8_t keys[3][CRYPTO_KEY_BYTES] = {{1}, {2}, {3}};
    uint8_t sealed[3][5 + CRYPTO_SEAL_OVERHEAD], plain[5];
    crypto_keyed *own[3] = {NULL, NULL, NULL};
    crypto_ctx *c = NULL;

    ck_assert_int_eq(gdpr_crypto__ctx_new(&c, kek, root), GDPR_OK);
    for (int k = 0; k < 3; k++) {
        ck_assert_int_eq(gdpr_crypto__seal(c, keys[k], "aad", 3, "value", 5, sealed[k]), GDPR_OK);
        /* An open between seals turns the shared context around. */
        ck_assert_int_eq(
            gdpr_crypto__open(c, keys[k], "aad", 3, sealed[k], sizeof sealed[k], plain), GDPR_OK);
        ck_assert_int_eq(gdpr_crypto__keyed_new(c, keys[k], &own[k]), GDPR_OK);
    }
    for (int k = 0; k < 3; k++) {
        for (int other = 0; other < 3; other++) {
            int want = other == k ? GDPR_OK : GDPR_ECORRUPT;
            ck_assert_int_eq(
                gdpr_crypto__keyed_open(own[other], "aad", 3, sealed[k], sizeof sealed[k], plain),
                want);
            ck_assert_int_eq(
                gdpr_crypto__open(c, keys[other], "aad", 3, sealed[k], sizeof sealed[k], plain),
                want);
            gdpr__err_clear();
        }
        ck_assert_int_eq(
            gdpr_crypto__keyed_open(own[k], "aad", 3, sealed[k], sizeof sealed[k], plain), GDPR_OK);
        ck_assert_mem_eq(plain, "value", 5);
    }
    for (int k = 0; k < 3; k++)
        gdpr_crypto__keyed_free(own[k]);
    gdpr_crypto__ctx_free(c);
}
END_TEST

/* ---- files 0600 whatever the umask ---- */

static void
assert_private(const char *path, int must_exist)
{
    struct stat sb;

    if (stat(path, &sb) != 0) {
        ck_assert_msg(!must_exist, "%s does not exist", path);
        return;
    }
    ck_assert_msg((sb.st_mode & 0777) == 0600, "%s has mode %03o, want 600", path,
                  (unsigned)(sb.st_mode & 0777));
}

static void
assert_store_private(const th_store *s)
{
    const char *files[] = {s->db, s->keys};
    static const char *const sides[] = {"-wal", "-shm", "-journal"};
    char side[400];

    for (size_t i = 0; i < 2; i++) {
        assert_private(files[i], 1);
        for (size_t j = 0; j < 3; j++) {
            snprintf(side, sizeof side, "%s%s", files[i], sides[j]);
            /* -wal and -shm exist while the engine is open */
            assert_private(side, j < 2);
        }
    }
}

START_TEST(files_are_private_under_umask_022)
{
    TH_SQLITE_ONLY("reads the keystore file");
    mode_t old = umask(022);
    th_store s;

    th_setup(&s);
    th_ok(gdpr_vault_put(s.eng, &th_agent, "CUST-1", "contact", "service", "a@example.com", 13,
                         NULL));
    assert_store_private(&s);
    /* an older store left 0644: narrowed at the next open */
    gdpr_close(s.eng);
    s.eng = NULL;
    ck_assert_int_eq(chmod(s.db, 0644), 0);
    ck_assert_int_eq(chmod(s.keys, 0644), 0);
    th_ok(th_open(&s, &s.eng));
    assert_store_private(&s);
    th_teardown(&s);
    umask(old);
}
END_TEST

/* ---- passphrases: minimum length, OWASP scrypt cost, older stores ---- */

static void
meta_blob(const char *keys, const char *name, void *buf, size_t len)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;

    ck_assert_int_eq(sqlite3_open(keys, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE name = ?", -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_int_eq(sqlite3_column_bytes(st, 0), (int)len);
    memcpy(buf, sqlite3_column_blob(st, 0), len);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void
meta_put(const char *keys, const char *name, const void *buf, size_t len)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;

    ck_assert_int_eq(sqlite3_open(keys, &db), SQLITE_OK);
    ck_assert_int_eq(
        sqlite3_prepare_v2(db, "UPDATE meta SET value = ? WHERE name = ?", -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_blob(st, 1, buf, (int)len, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
    ck_assert_int_eq(sqlite3_changes(db), 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

START_TEST(passphrase_length_and_cost)
{
    TH_SQLITE_ONLY("opens a store file of its own");
    static const char pass[] = "twelve bytes";
    gdpr_options opts = GDPR_OPTIONS_INIT;
    gdpr_engine *eng = NULL;
    uint64_t params[3];
    uint8_t salt[CRYPTO_SALT_BYTES], wrapped[CRYPTO_WRAPPED_BYTES];
    uint8_t kek[CRYPTO_KEY_BYTES], root[CRYPTO_KEY_BYTES];
    crypto_scrypt_params old = {1u << 15, 8, 1};
    char path[400], keys[420];
    int64_t record = 0;
    void *value = NULL;
    size_t len = 0;

    snprintf(path, sizeof path, "%s/pass.db", ts.dir);
    snprintf(keys, sizeof keys, "%s-keys", path);
    opts.path = path;
    opts.passphrase = "eleven byte";
    th_assert_err(gdpr_open(&eng, &opts), GDPR_EINVAL,
                  "opts.passphrase: 11 bytes; a new passphrase has at least 12 bytes");
    ck_assert_ptr_null(eng);
    opts.passphrase = pass;
    th_ok(gdpr_open(&eng, &opts));
    th_assert_err(gdpr_rekey(eng, &th_dpo, NULL, 0, "x"), GDPR_EINVAL,
                  "new_passphrase: 1 bytes; a new passphrase has at least 12 bytes");
    gdpr_close(eng);
    eng = NULL;
    meta_blob(keys, "scrypt", params, sizeof params);
    ck_assert_uint_eq(params[0], 1u << 17);
    ck_assert_uint_eq(params[1], 8);
    ck_assert_uint_eq(params[2], 1);

    /* Turn it into a store of the previous release: N = 2^15. */
    meta_blob(keys, "salt", salt, sizeof salt);
    meta_blob(keys, "root", wrapped, sizeof wrapped);
    {
        crypto_scrypt_params now = {params[0], (uint32_t)params[1], (uint32_t)params[2]};
        ck_assert_int_eq(gdpr_crypto__kek_from_passphrase(pass, salt, &now, kek), GDPR_OK);
    }
    ck_assert_int_eq(gdpr_crypto__root_unwrap(kek, wrapped, root), GDPR_OK);
    ck_assert_int_eq(gdpr_crypto__kek_from_passphrase(pass, salt, &old, kek), GDPR_OK);
    ck_assert_int_eq(gdpr_crypto__root_wrap(kek, root, wrapped), GDPR_OK);
    params[0] = 1u << 15;
    meta_put(keys, "scrypt", params, sizeof params);
    meta_put(keys, "root", wrapped, sizeof wrapped);

    /* It still opens; the next rekey (same passphrase) raises the cost. */
    th_ok(gdpr_open(&eng, &opts));
    th_ok(gdpr_policy_load(eng, &th_dpo, th_example_policy_path()));
    th_ok(gdpr_vault_put(eng, &th_agent, "CUST-1", "contact", "service", "v", 1, &record));
    th_ok(gdpr_rekey(eng, &th_dpo, NULL, 0, pass));
    gdpr_close(eng);
    eng = NULL;
    meta_blob(keys, "scrypt", params, sizeof params);
    ck_assert_uint_eq(params[0], 1u << 17);
    th_ok(gdpr_open(&eng, &opts));
    th_ok(gdpr_vault_get(eng, &th_agent, record, &value, &len));
    ck_assert_uint_eq(len, 1);
    ck_assert_mem_eq(value, "v", 1);
    free(value);
    gdpr_close(eng);
}
END_TEST

/* ---- refusals survive the host's rollback ---- */

typedef struct {
    int64_t seq;
    char action[64];
    int outcome;
    int64_t at;
} last_event;

static int
keep_last(const gdpr_audit_event *ev, void *ctx)
{
    last_event *l = ctx;
    l->seq = ev->seq;
    snprintf(l->action, sizeof l->action, "%s", ev->action);
    l->outcome = ev->outcome;
    l->at = ev->at;
    return 0;
}

static int64_t
events(void)
{
    int64_t n = 0;
    th_ok(gdpr_audit_verify(ts.eng, &n));
    return n;
}

START_TEST(refusal_survives_rollback)
{
    int64_t record = 0, before;
    last_event last;
    int64_t refused_at;

    /* 5 events before the batch */
    while (events() < 5)
        th_ok(gdpr_vault_put(ts.eng, &th_agent, "CUST-1", "contact", "service", "v", 1, &record));
    before = events();
    ck_assert_int_eq(before, 5);

    th_ok(gdpr_begin(ts.eng));
    th_ok(gdpr_vault_put(ts.eng, &th_agent, "CUST-2", "contact", "service", "w", 1, NULL));
    ts.now += 60;
    refused_at = ts.now;
    th_assert_err(gdpr_vault_rectify(ts.eng, &th_agent, record, "x", 1), GDPR_EDENIED,
                  "lacks permission 'vault.rectify'");
    ts.now += 60;
    th_ok(gdpr_rollback(ts.eng));

    /* the put is gone, the refusal stays: 5 before, 6 after, chain good */
    ck_assert_int_eq(events(), before + 1);
    th_ok(gdpr_audit_foreach(ts.eng, 1, keep_last, &last));
    ck_assert_int_eq(last.seq, before + 1);
    ck_assert_str_eq(last.action, "vault.rectify");
    ck_assert_int_eq(last.outcome, GDPR_EDENIED);
    ck_assert_int_eq(last.at, refused_at);

    /* committed batch: its own events, then the refusal after them */
    th_ok(gdpr_begin(ts.eng));
    th_ok(gdpr_vault_put(ts.eng, &th_agent, "CUST-3", "contact", "service", "y", 1, NULL));
    th_assert_err(gdpr_vault_rectify(ts.eng, &th_agent, record, "x", 1), GDPR_EDENIED,
                  "vault.rectify");
    th_ok(gdpr_vault_put(ts.eng, &th_agent, "CUST-4", "contact", "service", "z", 1, NULL));
    th_ok(gdpr_commit(ts.eng));
    ck_assert_int_eq(events(), before + 4);
    th_ok(gdpr_audit_foreach(ts.eng, 1, keep_last, &last));
    ck_assert_str_eq(last.action, "vault.rectify");

    /* a batch left open at close is rolled back; its refusal is kept */
    th_ok(gdpr_begin(ts.eng));
    th_assert_err(gdpr_vault_rectify(ts.eng, &th_agent, record, "x", 1), GDPR_EDENIED,
                  "vault.rectify");
    th_reopen(&ts);
    ck_assert_int_eq(events(), before + 5);
    th_ok(gdpr_audit_foreach(ts.eng, 1, keep_last, &last));
    ck_assert_str_eq(last.action, "vault.rectify");
}
END_TEST

/* ---- anonymised aggregates: sealed, small groups withheld ---- */

typedef struct {
    int n;
    char value[8][80];
    int64_t count[8];
} aggs;

static int
collect(const gdpr_retention_aggregate *a, void *ctx)
{
    aggs *l = ctx;

    if (l->n < 8 && a->value[0] != '\0') {
        snprintf(l->value[l->n], sizeof l->value[0], "%s=%s", a->field, a->value);
        l->count[l->n++] = a->count;
    }
    return 0;
}

static void
put_usage(const char *subject, const char *field, const char *value)
{
    gdpr_vault_item it = GDPR_VAULT_ITEM_INIT;

    it.subject = subject;
    it.category = "usage";
    it.purpose = "service";
    it.field = field;
    it.value = value;
    it.len = strlen(value);
    th_ok(gdpr_vault_put_item(ts.eng, &th_agent, &it, NULL));
}

START_TEST(anonymised_values_sealed_and_small_groups_withheld)
{
    TH_SQLITE_ONLY("greps the SQLite files");
    static const char big[] = "Ruritania-7f3a91", small[] = "Elbonia-c2d84e";
    gdpr_retention_report rep;
    aggs l;
    char subject[32];

    for (int i = 0; i < 5; i++) {
        snprintf(subject, sizeof subject, "CUST-%d", i);
        put_usage(subject, "country", big);
    }
    put_usage("CUST-8", "country", small);
    put_usage("CUST-9", "country", small);
    ts.now += 600LL * 86400;
    th_ok(gdpr_retention_run(ts.eng, &th_system, ts.now, &rep));
    ck_assert_int_eq(rep.anonymised, 7);
    memset(&l, 0, sizeof l);
    th_ok(gdpr_retention_aggregates(ts.eng, collect, &l));
    /* R-4 has no min_group: 5 by default; Elbonia's group of 2 is withheld */
    ck_assert_int_eq(l.n, 1);
    ck_assert_str_eq(l.value[0], "country=Ruritania-7f3a91");
    ck_assert_int_eq(l.count[0], 5);
    /* forensic: neither value in any file of the store, also after reopen */
    ck_assert(!th_store_files_contain(&ts, big, strlen(big)));
    ck_assert(!th_store_files_contain(&ts, small, strlen(small)));
    th_reopen(&ts);
    ck_assert(!th_store_files_contain(&ts, big, strlen(big)));
    memset(&l, 0, sizeof l);
    th_ok(gdpr_retention_aggregates(ts.eng, collect, &l));
    ck_assert_int_eq(l.n, 1);
}
END_TEST

/* ---- lookup rows are bound to what they point at ---- */

static void
raw_exec(const char *file, const char *sql)
{
    ck_assert_msg(th_raw_exec(file, sql) >= 1 || strncmp(sql, "PRAGMA", 6) == 0 ||
                      strncmp(sql, "ALTER", 5) == 0,
                  "%s changed nothing", sql);
}

/* Edit the store by hand as a tester would: SQLite through its file,
 * PostgreSQL through a connection of its own. */
static void
edit_store(const char *sqlite_sql, const char *pg_sql)
{
    if (ts.on_pg)
        ck_assert_msg(th_pg_exec(ts.db, pg_sql) >= 1, "%s changed nothing", pg_sql);
    else
        raw_exec(ts.db, sqlite_sql);
}

static void
link_people(void)
{
    th_ok(gdpr_vault_put(ts.eng, &th_agent, "ALICE", "contact", "service", "a", 1, NULL));
    th_ok(gdpr_subject_link(ts.eng, &th_agent, "ALICE", "email", "alice@example.com"));
    th_ok(gdpr_subject_link(ts.eng, &th_agent, "MALLORY", "email", "mallory@example.com"));
}

static void
assert_mallory_refused(void)
{
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    char *who = NULL;
    int64_t request = 0;

    th_assert_err(gdpr_subject_find_id(ts.eng, "email", "mallory@example.com", &who), GDPR_ECORRUPT,
                  "identity row 2: MAC does not match");
    ck_assert_ptr_null(who);
    in.type = GDPR_REQUEST_ACCESS;
    in.id_kind = "email";
    in.id_value = "mallory@example.com";
    in.channel = "email";
    th_assert_err(gdpr_request_open(ts.eng, &th_agent, &in, &request), GDPR_ECORRUPT,
                  "identity row 2");
    ck_assert_int_eq(request, 0);
    /* Alice's own row is untouched and still found */
    th_ok(gdpr_subject_find_id(ts.eng, "email", "alice@example.com", &who));
    ck_assert_str_eq(who, "ALICE");
    free(who);
}

START_TEST(repointed_identity_is_refused)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    link_people();
    gdpr_close(ts.eng);
    ts.eng = NULL;
    /* MALLORY's e-mail row now names ALICE */
    raw_exec(ts.db,
             "UPDATE identity SET subject_id = (SELECT subject_id FROM identity WHERE id = 1)"
             " WHERE id = 2");
    th_ok(th_open(&ts, &ts.eng));
    assert_mallory_refused();
}
END_TEST

START_TEST(moved_blind_index_is_refused)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    char *who = NULL;

    link_people();
    gdpr_close(ts.eng);
    ts.eng = NULL;
    /* Alice's row (sealed value, subject, MAC intact) takes MALLORY's blind index */
    raw_exec(ts.db, "CREATE TEMP TABLE moved AS SELECT hash FROM identity WHERE id = 2;"
                    "DELETE FROM identity WHERE id = 2;"
                    "UPDATE identity SET hash = (SELECT hash FROM moved) WHERE id = 1");
    th_ok(th_open(&ts, &ts.eng));
    th_assert_err(gdpr_subject_find_id(ts.eng, "email", "mallory@example.com", &who), GDPR_ECORRUPT,
                  "identity row 1: MAC does not match");
    ck_assert_ptr_null(who);
}
END_TEST

START_TEST(edited_consent_state_is_refused)
{
    gdpr_consent c = GDPR_CONSENT_INIT;
    int allowed = -1;
    gdpr_why why;

    c.subject = "ALICE";
    c.purpose = "marketing";
    c.notice = "marketing-v2";
    c.channel = "web";
    c.state = GDPR_CONSENT_GRANTED;
    th_ok(gdpr_consent_record(ts.eng, &th_agent, &c, NULL));
    ts.now += 60;
    c.state = GDPR_CONSENT_WITHDRAWN;
    th_ok(gdpr_consent_record(ts.eng, &th_agent, &c, NULL));
    th_ok(gdpr_may_process(ts.eng, "ALICE", "marketing", ts.now, &allowed, &why));
    ck_assert_int_eq(allowed, 0);
    gdpr_close(ts.eng);
    ts.eng = NULL;
    /* the withdrawal turned back into a grant in the current-state table */
    edit_store("UPDATE consent_state SET state = 1 WHERE state = 2",
               "UPDATE gdpr.consent_state SET state = 1 WHERE state = 2");
    th_ok(th_open(&ts, &ts.eng));
    th_assert_err(gdpr_may_process(ts.eng, "ALICE", "marketing", ts.now, &allowed, &why),
                  GDPR_ECORRUPT, "consent state row (purpose 'marketing', event 2)");
    ck_assert_int_ne(allowed, 1);
    /* The check compares before it names the row (decision 0019): the
     * refusal still names it, in and outside a snapshot, and a missing
     * MAC is refused as well. */
    allowed = -1;
    th_assert_err(gdpr_consent_check(ts.eng, "ALICE", "marketing", ts.now, &allowed), GDPR_ECORRUPT,
                  "consent state row (purpose 'marketing', event 2)");
    ck_assert_int_eq(allowed, 0);
    th_ok(gdpr_read_begin(ts.eng));
    th_assert_err(gdpr_consent_check(ts.eng, "ALICE", "marketing", ts.now, &allowed), GDPR_ECORRUPT,
                  "MAC does not match");
    th_ok(gdpr_read_end(ts.eng));
    gdpr_close(ts.eng);
    ts.eng = NULL;
    edit_store("UPDATE consent_state SET mac = NULL", "UPDATE gdpr.consent_state SET mac = NULL");
    th_ok(th_open(&ts, &ts.eng));
    th_assert_err(gdpr_consent_check(ts.eng, "ALICE", "marketing", ts.now, &allowed), GDPR_ECORRUPT,
                  "consent state row (purpose 'marketing', event 2): MAC missing");
}
END_TEST

static int
count_event(const gdpr_consent_event *ev, void *ctx)
{
    (void)ev;
    (*(int *)ctx)++;
    return 0;
}

/* Refused at t0, granted at t0 + 60: the history row of the refusal is
 * turned into a grant. Asked about t0, the library reads that row (the
 * current state is later) and must refuse it, as must the history walk,
 * the receipt and the export. */
START_TEST(edited_consent_history_is_refused)
{
    gdpr_consent c = GDPR_CONSENT_INIT;
    int64_t t0 = ts.now, refusal = 0;
    int granted = -1, n = 0;
    char *json = NULL;

    c.subject = "ALICE";
    c.purpose = "marketing";
    c.notice = "marketing-v2";
    c.channel = "web";
    c.proof = "form 7";
    c.state = GDPR_CONSENT_REFUSED;
    th_ok(gdpr_consent_record(ts.eng, &th_agent, &c, &refusal));
    ts.now += 60;
    c.state = GDPR_CONSENT_GRANTED;
    th_ok(gdpr_consent_record(ts.eng, &th_agent, &c, NULL));
    th_ok(gdpr_consent_check(ts.eng, "ALICE", "marketing", t0, &granted));
    ck_assert_int_eq(granted, 0);
    th_ok(gdpr_consent_history(ts.eng, &th_dpo, "ALICE", count_event, &n));
    ck_assert_int_eq(n, 2);
    gdpr_close(ts.eng);
    ts.eng = NULL;
    edit_store("DROP TRIGGER consent_append_only;"
               "UPDATE consent SET state = 1 WHERE state = 3",
               "ALTER TABLE gdpr.consent DISABLE TRIGGER consent_append_only;"
               "UPDATE gdpr.consent SET state = 1 WHERE state = 3");
    th_ok(th_open(&ts, &ts.eng));
    granted = -1;
    th_assert_err(gdpr_consent_check(ts.eng, "ALICE", "marketing", t0, &granted), GDPR_ECORRUPT,
                  "consent event row 1 (purpose 'marketing'): MAC does not match");
    ck_assert_int_ne(granted, 1);
    n = 0;
    th_assert_err(gdpr_consent_history(ts.eng, &th_dpo, "ALICE", count_event, &n), GDPR_ECORRUPT,
                  "consent event row 1");
    ck_assert_int_eq(n, 0);
    th_assert_err(gdpr_consent_receipt(ts.eng, refusal, &json), GDPR_ECORRUPT,
                  "consent event row 1");
    ck_assert_ptr_null(json);
    /* the current state (event 2) is intact and still answers */
    th_ok(gdpr_consent_check(ts.eng, "ALICE", "marketing", ts.now, &granted));
    ck_assert_int_eq(granted, 1);
}
END_TEST

/* A removed proof is an edit too: the MAC binds the sealed fields'
 * presence, and a MAC set to NULL is no way around it. */
START_TEST(stripped_consent_proof_is_refused)
{
    gdpr_consent c = GDPR_CONSENT_INIT;
    int n = 0;

    c.subject = "ALICE";
    c.purpose = "marketing";
    c.notice = "marketing-v2";
    c.channel = "web";
    c.proof = "form 7";
    th_ok(gdpr_consent_record(ts.eng, &th_agent, &c, NULL));
    gdpr_close(ts.eng);
    ts.eng = NULL;
    edit_store("DROP TRIGGER consent_append_only; UPDATE consent SET proof = NULL",
               "ALTER TABLE gdpr.consent DISABLE TRIGGER consent_append_only;"
               "UPDATE gdpr.consent SET proof = NULL");
    th_ok(th_open(&ts, &ts.eng));
    th_assert_err(gdpr_consent_history(ts.eng, &th_dpo, "ALICE", count_event, &n), GDPR_ECORRUPT,
                  "consent event row 1 (purpose 'marketing'): MAC does not match");
    gdpr_close(ts.eng);
    ts.eng = NULL;
    edit_store("UPDATE consent SET mac = NULL", "UPDATE gdpr.consent SET mac = NULL");
    th_ok(th_open(&ts, &ts.eng));
    th_assert_err(gdpr_consent_history(ts.eng, &th_dpo, "ALICE", count_event, &n), GDPR_ECORRUPT,
                  "consent event row 1 (purpose 'marketing'): MAC missing");
    ck_assert_int_eq(n, 0);
}
END_TEST

/* A store from before consent events had MACs: the step MACs the events
 * there in the open's transaction and makes the table append-only again.
 * (The downgrade undoes this step and the two subject-id steps after it;
 * a step appended later must be undone here too.) */
START_TEST(consent_event_macs_added_to_existing_rows)
{
    gdpr_consent c = GDPR_CONSENT_INIT;
    char sql[256];
    int64_t version;
    int n = 0;

    c.subject = "ALICE";
    c.purpose = "marketing";
    c.notice = "marketing-v2";
    c.channel = "web";
    c.proof = "form 7";
    th_ok(gdpr_consent_record(ts.eng, &th_agent, &c, NULL));
    th_ok(gdpr_consent_withdraw(ts.eng, &th_agent, "ALICE", "marketing", NULL, "phone", NULL));
    gdpr_close(ts.eng);
    ts.eng = NULL;
    if (ts.on_pg) {
        /* PostgreSQL: the version is a row of each schema. */
        version = th_pg_int(ts.db, "SELECT version FROM gdpr.schema_version");
        th_pg_exec(ts.db, TH_PG_UNDO_REGISTER_SUBJECT_IDS);
        th_pg_exec(ts.db, TH_PG_UNDO_RECORD_SUBJECT_IDS);
        th_pg_exec(ts.db, TH_PG_UNDO_SUBJECT_IDS);
        snprintf(sql, sizeof sql,
                 "ALTER TABLE gdpr.consent DROP COLUMN mac;"
                 "UPDATE gdpr.schema_version SET version = %lld;"
                 "UPDATE gdpr_keys.schema_version SET version = %lld",
                 (long long)version - 4, (long long)version - 4);
        th_pg_exec(ts.db, sql);
    } else {
        version = th_raw_int(ts.db, "PRAGMA user_version");
        raw_exec(ts.db, TH_SQLITE_UNDO_REGISTER_SUBJECT_IDS);
        raw_exec(ts.db, TH_SQLITE_UNDO_RECORD_SUBJECT_IDS TH_SQLITE_UNDO_SUBJECT_IDS);
        raw_exec(ts.db, "ALTER TABLE consent DROP COLUMN mac");
        snprintf(sql, sizeof sql, "PRAGMA user_version = %lld", (long long)version - 4);
        raw_exec(ts.db, sql);
        raw_exec(ts.keys, sql);
    }
    th_ok(th_open(&ts, &ts.eng)); /* migrates */
    th_ok(gdpr_consent_history(ts.eng, &th_dpo, "ALICE", count_event, &n));
    ck_assert_int_eq(n, 2);
    gdpr_close(ts.eng);
    ts.eng = NULL;
    if (ts.on_pg) {
        ck_assert_int_eq(th_pg_int(ts.db, "SELECT version FROM gdpr.schema_version"), version);
        ck_assert_int_eq(
            th_pg_int(ts.db, "SELECT count(*) FROM gdpr.consent WHERE length(mac) = 32"), 2);
        /* append-only again: the trigger is enabled ('O') */
        ck_assert_int_eq(th_pg_int(ts.db, "SELECT count(*) FROM pg_catalog.pg_trigger"
                                          " WHERE tgname = 'consent_append_only'"
                                          " AND tgenabled = 'O'"),
                         1);
    } else {
        ck_assert_int_eq(th_raw_int(ts.db, "PRAGMA user_version"), version);
        ck_assert_int_eq(th_raw_int(ts.db, "SELECT count(*) FROM consent WHERE length(mac) = 32"),
                         2);
        ck_assert_int_eq(th_raw_int(ts.db, "SELECT count(*) FROM sqlite_schema"
                                           " WHERE name = 'consent_append_only'"),
                         1);
    }
    edit_store("DROP TRIGGER consent_append_only;"
               "UPDATE consent SET at = at - 1 WHERE id = 2",
               "ALTER TABLE gdpr.consent DISABLE TRIGGER consent_append_only;"
               "UPDATE gdpr.consent SET at = at - 1 WHERE id = 2");
    th_ok(th_open(&ts, &ts.eng));
    n = 0;
    th_assert_err(gdpr_consent_history(ts.eng, &th_dpo, "ALICE", count_event, &n), GDPR_ECORRUPT,
                  "consent event row 2 (purpose 'marketing'): MAC does not match");
}
END_TEST

/* A store from before subjects were named by integer id in audit,
 * consent and consent_state: the step converts every row in the open's
 * transaction; events and states keep their MACs (they cover the hash,
 * read through the id), the audit chain still verifies, an erased
 * subject's audit events keep their hash but name no id, a new subject
 * takes an id above the erased one's, and a state row moved to another
 * subject's id is refused. */
static int64_t
store_int(const char *sqlite_sql, const char *pg_sql)
{
    return ts.on_pg ? th_pg_int(ts.db, pg_sql) : th_raw_int(ts.db, sqlite_sql);
}

START_TEST(subject_ids_replace_hashes_in_existing_rows)
{
    gdpr_consent c = GDPR_CONSENT_INIT;
    gdpr_erase_report r = {0, 0, 0};
    char sql[256];
    int64_t version, carol_id, events_before, audit_before;
    int n = 0, granted = -1;

    c.purpose = "marketing";
    c.notice = "marketing-v2";
    c.channel = "web";
    c.proof = "form 7";
    c.subject = "ALICE";
    th_ok(gdpr_consent_record(ts.eng, &th_agent, &c, NULL));
    th_ok(gdpr_consent_withdraw(ts.eng, &th_agent, "ALICE", "marketing", NULL, "phone", NULL));
    c.subject = "BOB";
    th_ok(gdpr_consent_record(ts.eng, &th_agent, &c, NULL));
    c.subject = "CAROL";
    th_ok(gdpr_consent_record(ts.eng, &th_agent, &c, NULL));
    carol_id = store_int("SELECT max(id) FROM subject", "SELECT max(id) FROM gdpr.subject");
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "CAROL", "Art. 17(1)(a)", &r));
    gdpr_close(ts.eng);
    ts.eng = NULL;
    events_before = store_int("SELECT count(*) FROM consent", "SELECT count(*) FROM gdpr.consent");
    audit_before = store_int("SELECT count(*) FROM audit WHERE subject IS NOT NULL",
                             "SELECT count(*) FROM gdpr.audit WHERE subject IS NOT NULL");
    ck_assert_int_eq(events_before, 3);
    if (ts.on_pg) {
        version = th_pg_int(ts.db, "SELECT version FROM gdpr.schema_version");
        th_pg_exec(ts.db, TH_PG_UNDO_REGISTER_SUBJECT_IDS);
        th_pg_exec(ts.db, TH_PG_UNDO_RECORD_SUBJECT_IDS);
        th_pg_exec(ts.db, TH_PG_UNDO_SUBJECT_IDS);
        snprintf(sql, sizeof sql,
                 "UPDATE gdpr.schema_version SET version = %lld;"
                 "UPDATE gdpr_keys.schema_version SET version = %lld",
                 (long long)version - 3, (long long)version - 3);
        th_pg_exec(ts.db, sql);
        ck_assert_int_eq(th_pg_int(ts.db, "SELECT count(*) FROM gdpr.consent"
                                          " WHERE length(subject) = 32"),
                         3);
    } else {
        version = th_raw_int(ts.db, "PRAGMA user_version");
        raw_exec(ts.db, TH_SQLITE_UNDO_REGISTER_SUBJECT_IDS);
        raw_exec(ts.db, TH_SQLITE_UNDO_RECORD_SUBJECT_IDS TH_SQLITE_UNDO_SUBJECT_IDS);
        snprintf(sql, sizeof sql, "PRAGMA user_version = %lld", (long long)version - 3);
        raw_exec(ts.db, sql);
        raw_exec(ts.keys, sql);
        ck_assert_int_eq(
            th_raw_int(ts.db, "SELECT count(*) FROM consent WHERE length(subject) = 32"), 3);
    }
    th_ok(th_open(&ts, &ts.eng)); /* migrates */
    ck_assert_int_eq(store_int("PRAGMA user_version", "SELECT version FROM gdpr.schema_version"),
                     version);
    /* every row there, by id, none left naming a hash */
    ck_assert_int_eq(
        store_int("SELECT count(*) FROM consent c JOIN subject s ON s.id = c.subject_id",
                  "SELECT count(*) FROM gdpr.consent c"
                  " JOIN gdpr.subject s ON s.id = c.subject_id"),
        events_before);
    ck_assert_int_eq(store_int("SELECT count(*) FROM consent_state c"
                               " JOIN subject s ON s.id = c.subject_id",
                               "SELECT count(*) FROM gdpr.consent_state c"
                               " JOIN gdpr.subject s ON s.id = c.subject_id"),
                     2);
    ck_assert_int_eq(store_int("SELECT count(*) FROM pragma_table_info('consent')"
                               " WHERE name = 'subject'",
                               "SELECT count(*) FROM information_schema.columns"
                               " WHERE table_schema = 'gdpr' AND table_name = 'consent'"
                               " AND column_name = 'subject'"),
                     0);
    /* the audit keeps its hashes; the erased subject's name no id */
    ck_assert_int_eq(store_int("SELECT count(*) FROM audit WHERE subject IS NOT NULL",
                               "SELECT count(*) FROM gdpr.audit WHERE subject IS NOT NULL"),
                     audit_before);
    ck_assert_int_gt(store_int("SELECT count(*) FROM audit WHERE subject IS NOT NULL"
                               " AND subject_id IS NULL",
                               "SELECT count(*) FROM gdpr.audit WHERE subject IS NOT NULL"
                               " AND subject_id IS NULL"),
                     0);
    ck_assert_int_eq(store_int("SELECT count(*) FROM audit a JOIN subject s ON s.hash = a.subject"
                               " WHERE a.subject_id IS NOT s.id",
                               "SELECT count(*) FROM gdpr.audit a"
                               " JOIN gdpr.subject s ON s.hash = a.subject"
                               " WHERE a.subject_id IS DISTINCT FROM s.id"),
                     0);
    th_ok(gdpr_audit_verify(ts.eng, NULL));
    /* the MACs read through the id */
    th_ok(gdpr_consent_history(ts.eng, &th_dpo, "ALICE", count_event, &n));
    ck_assert_int_eq(n, 2);
    th_ok(gdpr_consent_check(ts.eng, "ALICE", "marketing", ts.now, &granted));
    ck_assert_int_eq(granted, 0);
    th_ok(gdpr_consent_check(ts.eng, "BOB", "marketing", ts.now, &granted));
    ck_assert_int_eq(granted, 1);
    /* a subject id is never reused after erasure */
    th_ok(gdpr_subject_ensure(ts.eng, &th_agent, "ERIN", NULL));
    ck_assert_int_gt(store_int("SELECT max(id) FROM subject", "SELECT max(id) FROM gdpr.subject"),
                     carol_id);
    gdpr_close(ts.eng);
    ts.eng = NULL;
    /* BOB's grant moved onto ALICE's id (her own state row gone) */
    edit_store("DELETE FROM consent_state WHERE state = 2;"
               "UPDATE consent_state SET subject_id = (SELECT subject_id FROM consent"
               " WHERE state = 2)",
               "DELETE FROM gdpr.consent_state WHERE state = 2;"
               "UPDATE gdpr.consent_state SET subject_id = (SELECT subject_id FROM gdpr.consent"
               " WHERE state = 2)");
    th_ok(th_open(&ts, &ts.eng));
    th_assert_err(gdpr_consent_check(ts.eng, "ALICE", "marketing", ts.now, &granted), GDPR_ECORRUPT,
                  "MAC does not match");
}
END_TEST

/* A store from before the request register, the access log and the
 * consent signals and conflicts named their subject by integer id
 * (docs/decisions/0018): the step converts every row whose subject row is
 * there; a request keeps its hash, with no id while unmatched or once its
 * subject is erased; an access-log row of a subject whose row is already
 * gone goes with it. Lookups by subject work through the id afterwards,
 * and an erasure unlinks the subject's requests. */
static int
count_request(const gdpr_request_info *r, void *ctx)
{
    (void)r;
    (*(int *)ctx)++;
    return 0;
}

static int
count_signal(const gdpr_consent_signal *s, void *ctx)
{
    (void)s;
    (*(int *)ctx)++;
    return 0;
}

static int
count_conflict(const gdpr_consent_conflict *c, void *ctx)
{
    (void)c;
    (*(int *)ctx)++;
    return 0;
}

static void
open_request(const char *subject, gdpr_request_type type, int64_t *id_out)
{
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;

    in.type = type;
    in.channel = "web";
    if (subject != NULL) {
        in.subject = subject;
    } else {
        in.id_kind = "email";
        in.id_value = "nobody@example.com";
    }
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, id_out));
}

START_TEST(register_subject_ids_replace_hashes_in_existing_rows)
{
    gdpr_consent c = GDPR_CONSENT_INIT;
    gdpr_erase_report r = {0, 0, 0};
    gdpr_request_info info;
    char sql[256];
    int64_t version, id = 0, requests, accesses, signals, conflicts;
    int n = 0, events = 0;

    c.subject = "ALICE";
    c.purpose = "personalised-ads";
    c.notice = "privacy-v3";
    c.channel = "web";
    th_ok(gdpr_consent_record(ts.eng, &th_agent, &c, NULL));
    ts.now += 60;
    th_ok(gdpr_consent_signal_gpc(ts.eng, &th_agent, "ALICE", &events));
    ck_assert_int_eq(events, 1);
    th_ok(gdpr_access_record(ts.eng, &th_agent, "ALICE", "service", NULL));
    open_request("ALICE", GDPR_REQUEST_ACCESS, NULL);
    open_request("BOB", GDPR_REQUEST_ACCESS, NULL);
    th_ok(gdpr_access_record(ts.eng, &th_agent, "BOB", "service", NULL));
    open_request("CAROL", GDPR_REQUEST_PORTABILITY, NULL);
    open_request(NULL, GDPR_REQUEST_ACCESS, NULL);
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "CAROL", "Art. 17(1)(a)", &r));
    gdpr_close(ts.eng);
    ts.eng = NULL;
    requests = store_int("SELECT count(*) FROM request", "SELECT count(*) FROM gdpr.request");
    accesses = store_int("SELECT count(*) FROM access_log", "SELECT count(*) FROM gdpr.access_log");
    signals = store_int("SELECT count(*) FROM consent_signal",
                        "SELECT count(*) FROM gdpr.consent_signal");
    conflicts = store_int("SELECT count(*) FROM consent_conflict",
                          "SELECT count(*) FROM gdpr.consent_conflict");
    ck_assert_int_eq(requests, 4);
    ck_assert_int_eq(accesses, 2);
    ck_assert_int_eq(signals, 1);
    ck_assert_int_eq(conflicts, 1);
    /* back one step, with an access-log row of a subject erased before */
    if (ts.on_pg) {
        version = th_pg_int(ts.db, "SELECT version FROM gdpr.schema_version");
        th_pg_exec(ts.db, TH_PG_UNDO_REGISTER_SUBJECT_IDS);
        snprintf(sql, sizeof sql,
                 "UPDATE gdpr.schema_version SET version = %lld;"
                 "UPDATE gdpr_keys.schema_version SET version = %lld",
                 (long long)version - 1, (long long)version - 1);
        th_pg_exec(ts.db, sql);
        ck_assert_int_eq(th_pg_int(ts.db, "SELECT count(*) FROM gdpr.access_log"
                                          " WHERE length(subject) = 32"),
                         2);
    } else {
        version = th_raw_int(ts.db, "PRAGMA user_version");
        raw_exec(ts.db, TH_SQLITE_UNDO_REGISTER_SUBJECT_IDS);
        snprintf(sql, sizeof sql, "PRAGMA user_version = %lld", (long long)version - 1);
        raw_exec(ts.db, sql);
        raw_exec(ts.keys, sql);
        ck_assert_int_eq(
            th_raw_int(ts.db, "SELECT count(*) FROM access_log WHERE length(subject) = 32"), 2);
    }
    edit_store("INSERT INTO access_log(subject, at, actor, role, action, purpose)"
               " VALUES(zeroblob(32), 1, 'x', 'agent', 'vault.get', 'service')",
               "INSERT INTO gdpr.access_log(subject, at, actor, role, action, purpose)"
               " VALUES(decode(repeat('00', 32), 'hex'), 1, 'x', 'agent', 'vault.get', 'service')");
    th_ok(th_open(&ts, &ts.eng)); /* migrates */
    ck_assert_int_eq(store_int("PRAGMA user_version", "SELECT version FROM gdpr.schema_version"),
                     version);
    /* every request kept with its hash; an id for ALICE's and BOB's only */
    ck_assert_int_eq(store_int("SELECT count(*) FROM request", "SELECT count(*) FROM gdpr.request"),
                     requests);
    ck_assert_int_eq(store_int("SELECT count(*) FROM request WHERE length(subject) = 32",
                               "SELECT count(*) FROM gdpr.request WHERE length(subject) = 32"),
                     3);
    ck_assert_int_eq(store_int("SELECT count(*) FROM request r JOIN subject s"
                               " ON s.id = r.subject_id AND s.hash = r.subject",
                               "SELECT count(*) FROM gdpr.request r JOIN gdpr.subject s"
                               " ON s.id = r.subject_id AND s.hash = r.subject"),
                     2);
    ck_assert_int_eq(store_int("SELECT count(*) FROM request WHERE subject_id IS NOT NULL",
                               "SELECT count(*) FROM gdpr.request WHERE subject_id IS NOT NULL"),
                     2);
    /* the logs by id, every row of a subject there kept, the orphan gone */
    ck_assert_int_eq(store_int("SELECT count(*) FROM access_log a JOIN subject s"
                               " ON s.id = a.subject_id",
                               "SELECT count(*) FROM gdpr.access_log a JOIN gdpr.subject s"
                               " ON s.id = a.subject_id"),
                     accesses);
    ck_assert_int_eq(
        store_int("SELECT count(*) FROM access_log", "SELECT count(*) FROM gdpr.access_log"),
        accesses);
    ck_assert_int_eq(store_int("SELECT count(*) FROM consent_signal c JOIN subject s"
                               " ON s.id = c.subject_id",
                               "SELECT count(*) FROM gdpr.consent_signal c JOIN gdpr.subject s"
                               " ON s.id = c.subject_id"),
                     signals);
    ck_assert_int_eq(store_int("SELECT count(*) FROM consent_conflict c JOIN subject s"
                               " ON s.id = c.subject_id",
                               "SELECT count(*) FROM gdpr.consent_conflict c JOIN gdpr.subject s"
                               " ON s.id = c.subject_id"),
                     conflicts);
    ck_assert_int_eq(store_int("SELECT count(*) FROM pragma_table_info('access_log')"
                               " WHERE name = 'subject'",
                               "SELECT count(*) FROM information_schema.columns"
                               " WHERE table_schema = 'gdpr' AND table_name = 'access_log'"
                               " AND column_name = 'subject'"),
                     0);
    /* lookups by subject go through the id */
    th_ok(gdpr_request_list(ts.eng, "ALICE", 0, count_request, &n));
    ck_assert_int_eq(n, 1);
    n = 0;
    th_ok(gdpr_consent_signals(ts.eng, &th_dpo, "ALICE", count_signal, &n));
    ck_assert_int_eq(n, 1);
    n = 0;
    th_ok(gdpr_consent_conflicts(ts.eng, &th_dpo, NULL, 0, count_conflict, &n));
    ck_assert_int_eq(n, 1);
    /* BOB's second access request finds his open one */
    open_request("BOB", GDPR_REQUEST_ACCESS, &id);
    memset(&info, 0, sizeof info);
    info.version = GDPR_REQUEST_INFO_VERSION;
    th_ok(gdpr_request_get(ts.eng, id, &info));
    ck_assert_int_eq(info.status, GDPR_REQUEST_DUPLICATE);
    /* erasure: ALICE's request stays under its hash, with no id */
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "ALICE", "Art. 17(1)(a)", &r));
    ck_assert_int_eq(store_int("SELECT count(*) FROM request WHERE subject IS NOT NULL"
                               " AND subject_id IS NULL",
                               "SELECT count(*) FROM gdpr.request WHERE subject IS NOT NULL"
                               " AND subject_id IS NULL"),
                     2);
    ck_assert_int_eq(store_int("SELECT count(*) FROM access_log a WHERE NOT EXISTS"
                               " (SELECT 1 FROM subject s WHERE s.id = a.subject_id)",
                               "SELECT count(*) FROM gdpr.access_log a WHERE NOT EXISTS"
                               " (SELECT 1 FROM gdpr.subject s WHERE s.id = a.subject_id)"),
                     0);
    n = 0;
    th_ok(gdpr_request_list(ts.eng, NULL, 0, count_request, &n));
    ck_assert_int_eq(n, (int)requests + 1);
    /* the register outlives erasure: an erased subject's requests are
     * still listed by its host id, erased after the step (ALICE) or
     * before it (CAROL) */
    n = 0;
    th_ok(gdpr_request_list(ts.eng, "ALICE", 0, count_request, &n));
    ck_assert_int_eq(n, 1);
    n = 0;
    th_ok(gdpr_request_list(ts.eng, "CAROL", 0, count_request, &n));
    ck_assert_int_eq(n, 1);
    n = 0;
    th_ok(gdpr_request_list(ts.eng, "CAROL", GDPR_REQUEST_DUPLICATE, count_request, &n));
    ck_assert_int_eq(n, 0);
}
END_TEST

/* A store from before the vault, identities, retention anchors,
 * disclosures and the transfer log named subjects by integer id: the step
 * converts every row in the open's transaction. Records open under their
 * subject's key, identity MACs verify through the id, each subject's rows
 * are found by its id, and a transfer logged for a subject whose row is
 * gone keeps its hash (the log still shows it) and takes no id. */
static int
count_transfer(const gdpr_transfer_entry *e, void *ctx)
{
    (void)e;
    (*(int *)ctx)++;
    return 0;
}

START_TEST(record_subject_ids_replace_hashes_in_existing_rows)
{
    static const char *const tables[] = {"vault", "identity", "retention_anchor", "disclosure",
                                         "transfer"};
    gdpr_transfer_request tr = GDPR_TRANSFER_REQUEST_INIT;
    gdpr_transfer_result res = GDPR_TRANSFER_RESULT_INIT;
    int64_t version, rec = 0, disc = 0, before[5];
    char sql[640], sql_pg[640], hex[65];
    char *who = NULL;
    void *v = NULL;
    size_t len = 0;
    int n = 0;

    th_ok(gdpr_vault_put(ts.eng, &th_agent, "ALICE", "contact", "service", "alice", 5, &rec));
    th_ok(gdpr_vault_put(ts.eng, &th_agent, "BOB", "contact", "service", "bob", 3, NULL));
    th_ok(gdpr_subject_link(ts.eng, &th_agent, "ALICE", "email", "alice@example.com"));
    th_ok(gdpr_retention_anchor_set(ts.eng, &th_agent, "ALICE", GDPR_ANCHOR_CONTRACT_END, NULL,
                                    ts.now));
    th_ok(gdpr_disclosure_record(ts.eng, &th_agent, "ALICE", "revenue", "billing", &disc));
    tr.subject = "ALICE";
    tr.recipient = "support-in";
    tr.at = ts.now;
    th_ok(gdpr_transfer_record(ts.eng, &th_dpo, &tr, &res));
    gdpr_close(ts.eng);
    ts.eng = NULL;
    if (ts.on_pg) {
        version = th_pg_int(ts.db, "SELECT version FROM gdpr.schema_version");
        th_pg_exec(ts.db, TH_PG_UNDO_REGISTER_SUBJECT_IDS);
        th_pg_exec(ts.db, TH_PG_UNDO_RECORD_SUBJECT_IDS);
        snprintf(sql, sizeof sql,
                 "UPDATE gdpr.schema_version SET version = %lld;"
                 "UPDATE gdpr_keys.schema_version SET version = %lld",
                 (long long)version - 2, (long long)version - 2);
        th_pg_exec(ts.db, sql);
    } else {
        version = th_raw_int(ts.db, "PRAGMA user_version");
        raw_exec(ts.db, TH_SQLITE_UNDO_REGISTER_SUBJECT_IDS);
        raw_exec(ts.db, TH_SQLITE_UNDO_RECORD_SUBJECT_IDS);
        snprintf(sql, sizeof sql, "PRAGMA user_version = %lld", (long long)version - 2);
        raw_exec(ts.db, sql);
        raw_exec(ts.keys, sql);
    }
    /* a transfer logged for a subject whose row is gone: its hash only */
    for (int i = 0; i < 64; i++)
        hex[i] = "ab"[i % 2];
    hex[64] = '\0';
    snprintf(sql, sizeof sql,
             "INSERT INTO transfer(id, subject, at, logged_at, actor, recipient, country,"
             " mechanism, reference, allowed, reason) SELECT id + 100, x'%s', at, logged_at,"
             " actor, recipient, country, mechanism, reference, allowed, reason FROM transfer",
             hex);
    snprintf(sql_pg, sizeof sql_pg,
             "INSERT INTO gdpr.transfer(id, subject, at, logged_at, actor, recipient, country,"
             " mechanism, reference, allowed, reason) SELECT id + 100, '\\x%s'::bytea, at,"
             " logged_at, actor, recipient, country, mechanism, reference, allowed, reason"
             " FROM gdpr.transfer",
             hex);
    edit_store(sql, sql_pg);
    for (size_t i = 0; i < 5; i++) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", tables[i]);
        snprintf(sql_pg, sizeof sql_pg, "SELECT count(*) FROM gdpr.%s", tables[i]);
        before[i] = store_int(sql, sql_pg);
        ck_assert_int_gt(before[i], 0);
    }
    th_ok(th_open(&ts, &ts.eng)); /* migrates */
    ck_assert_int_eq(store_int("PRAGMA user_version", "SELECT version FROM gdpr.schema_version"),
                     version);
    /* every row there; each one whose subject row exists names it by id */
    for (size_t i = 0; i < 5; i++) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", tables[i]);
        snprintf(sql_pg, sizeof sql_pg, "SELECT count(*) FROM gdpr.%s", tables[i]);
        ck_assert_int_eq(store_int(sql, sql_pg), before[i]);
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s t JOIN subject s ON s.id = t.subject_id",
                 tables[i]);
        snprintf(sql_pg, sizeof sql_pg,
                 "SELECT count(*) FROM gdpr.%s t JOIN gdpr.subject s ON s.id = t.subject_id",
                 tables[i]);
        ck_assert_int_eq(store_int(sql, sql_pg), before[i] - (i == 4 ? 1 : 0));
        /* the hash column goes where the row cannot outlive its subject */
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM pragma_table_info('%s') WHERE name = 'subject'", tables[i]);
        snprintf(sql_pg, sizeof sql_pg,
                 "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'gdpr'"
                 " AND table_name = '%s' AND column_name = 'subject'",
                 tables[i]);
        ck_assert_int_eq(store_int(sql, sql_pg), i < 3 ? 0 : 1);
    }
    ck_assert_int_eq(store_int("SELECT count(*) FROM transfer WHERE subject_id IS NULL",
                               "SELECT count(*) FROM gdpr.transfer WHERE subject_id IS NULL"),
                     1);
    /* records open, identities verify through the id */
    th_ok(gdpr_vault_get(ts.eng, &th_agent, rec, &v, &len));
    ck_assert_uint_eq(len, 5);
    ck_assert_int_eq(memcmp(v, "alice", 5), 0);
    gdpr_free(v);
    th_ok(gdpr_subject_find_id(ts.eng, "email", "alice@example.com", &who));
    ck_assert_str_eq(who, "ALICE");
    free(who);
    th_ok(gdpr_transfer_log(ts.eng, "ALICE", count_transfer, &n));
    ck_assert_int_eq(n, 1);
    n = 0;
    th_ok(gdpr_transfer_log(ts.eng, NULL, count_transfer, &n));
    ck_assert_int_eq(n, 2);
    /* erasure finds ALICE's rows by id; BOB's and the orphan stay */
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "ALICE", "Art. 17(1)(a)", NULL));
    ck_assert_int_eq(store_int("SELECT count(*) FROM vault", "SELECT count(*) FROM gdpr.vault"), 1);
    ck_assert_int_eq(
        store_int("SELECT count(*) FROM identity", "SELECT count(*) FROM gdpr.identity"), 0);
    ck_assert_int_eq(store_int("SELECT count(*) FROM retention_anchor",
                               "SELECT count(*) FROM gdpr.retention_anchor"),
                     0);
    ck_assert_int_eq(
        store_int("SELECT count(*) FROM disclosure", "SELECT count(*) FROM gdpr.disclosure"), 0);
    ck_assert_int_eq(
        store_int("SELECT count(*) FROM transfer", "SELECT count(*) FROM gdpr.transfer"), 1);
}
END_TEST

START_TEST(schema_13_macs_existing_rows)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    char *who = NULL;
    int allowed = -1;
    gdpr_why why;
    gdpr_consent c = GDPR_CONSENT_INIT;

    link_people();
    c.subject = "MALLORY";
    c.purpose = "marketing";
    c.notice = "marketing-v2";
    c.channel = "web";
    c.state = GDPR_CONSENT_GRANTED;
    th_ok(gdpr_consent_record(ts.eng, &th_agent, &c, NULL));
    gdpr_close(ts.eng);
    ts.eng = NULL;
    /* back to a schema-12 store: no MAC columns */
    raw_exec(ts.db, TH_SQLITE_UNDO_REGISTER_SUBJECT_IDS);
    raw_exec(ts.db, TH_SQLITE_UNDO_RECORD_SUBJECT_IDS TH_SQLITE_UNDO_SUBJECT_IDS);
    raw_exec(ts.db, "ALTER TABLE identity DROP COLUMN mac; ALTER TABLE consent_state DROP "
                    "COLUMN mac; ALTER TABLE retention_aggregate DROP COLUMN value_sealed;"
                    " DROP TABLE objection; ALTER TABLE consent DROP COLUMN guardian;"
                    " ALTER TABLE request_kpi DROP COLUMN denied6;"
                    " ALTER TABLE request_kpi DROP COLUMN denied7;"
                    " ALTER TABLE request DROP COLUMN info_asked_at;"
                    " ALTER TABLE erasure_hold DROP COLUMN ground;"
                    " ALTER TABLE erasure_hold DROP COLUMN purpose;"
                    " ALTER TABLE erasure_hold DROP COLUMN collected_from;"
                    " ALTER TABLE erasure_hold DROP COLUMN collected_to;"
                    " ALTER TABLE tombstone_kept DROP COLUMN exemption; DROP TABLE access_log;"
                    " ALTER TABLE consent DROP COLUMN mac;"
                    " DROP TABLE breach_subject; DROP TABLE breach;"
                    " DELETE FROM counter WHERE name = 'breach'; DROP INDEX request_duplicate;"
                    " ALTER TABLE request DROP COLUMN duplicate_of; PRAGMA user_version = 12");
    /* an aggregate value kept in plaintext by the earlier release, 6 times */
    raw_exec(ts.db, "INSERT INTO retention_aggregate VALUES('R-4', 'usage', 'service', 'country',"
                    " 'Plaintextland-55aa', 202601, 6)");
    raw_exec(ts.keys, "PRAGMA user_version = 12");
    th_ok(th_open(&ts, &ts.eng)); /* migrates, MACs the rows in the open's transaction */
    th_ok(gdpr_subject_find_id(ts.eng, "email", "mallory@example.com", &who));
    ck_assert_str_eq(who, "MALLORY");
    free(who);
    th_ok(gdpr_may_process(ts.eng, "MALLORY", "marketing", ts.now, &allowed, &why));
    ck_assert_int_eq(allowed, 1);
    {
        aggs l;
        memset(&l, 0, sizeof l);
        th_ok(gdpr_retention_aggregates(ts.eng, collect, &l));
        ck_assert_int_eq(l.n, 1);
        ck_assert_str_eq(l.value[0], "country=Plaintextland-55aa");
        ck_assert_int_eq(l.count[0], 6);
    }
    /* and they are protected from now on */
    gdpr_close(ts.eng);
    ts.eng = NULL;
    ck_assert(!th_store_files_contain(&ts, "Plaintextland-55aa", 18));
    raw_exec(ts.db,
             "UPDATE identity SET subject_id = (SELECT subject_id FROM identity WHERE id = 1)"
             " WHERE id = 2");
    th_ok(th_open(&ts, &ts.eng));
    assert_mallory_refused();
    /* a MAC set to NULL is no way around it */
    gdpr_close(ts.eng);
    ts.eng = NULL;
    raw_exec(ts.db, "UPDATE identity SET mac = NULL WHERE id = 2");
    th_ok(th_open(&ts, &ts.eng));
    th_assert_err(gdpr_subject_find_id(ts.eng, "email", "mallory@example.com", &who), GDPR_ECORRUPT,
                  "identity row 2: MAC missing");
}
END_TEST

/* ---- checkpoint: retried within its budget, busy told truly ---- */

typedef struct {
    sqlite3 *reader;
    int after_ms;
} release_args;

static void *
release_later(void *arg)
{
    release_args *a = arg;
    struct timespec t = {0, (long)a->after_ms * 1000000L};

    nanosleep(&t, NULL);
    sqlite3_exec(a->reader, "COMMIT", NULL, NULL, NULL);
    return NULL;
}

static void
reopen_short_busy(void)
{
    gdpr_options opts = GDPR_OPTIONS_INIT;

    gdpr_close(ts.eng);
    opts.path = ts.db;
    opts.key = th_key;
    opts.key_len = 32;
    opts.clock = th_clock;
    opts.clock_ctx = &ts;
    opts.busy_timeout_ms = 50;
    th_ok(gdpr_open(&ts.eng, &opts));
}

static sqlite3 *
reader_with_snapshot(void)
{
    sqlite3 *reader = NULL;

    ck_assert_int_eq(sqlite3_open_v2(ts.db, &reader, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM vault;", NULL, NULL, NULL),
                     SQLITE_OK);
    return reader;
}

START_TEST(checkpoint_busy_is_true_and_retried)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    gdpr_erase_report r = {0, 0, 0};
    release_args a;
    pthread_t th;
    sqlite3 *reader;

    th_ok(gdpr_vault_put(ts.eng, &th_agent, "CUST-1", "contact", "service", "one", 3, NULL));
    th_ok(gdpr_vault_put(ts.eng, &th_agent, "CUST-2", "contact", "service", "two", 3, NULL));
    reopen_short_busy();

    /* A reader that stays: busy after the budget, with a true message. */
    reader = reader_with_snapshot();
    th_assert_err(gdpr_erase_subject(ts.eng, &th_dpo, "CUST-1", "Art. 17(1)(a)", &r), GDPR_EBUSY,
                  "checkpoint of the data file");
    ck_assert_msg(strstr(gdpr_errmsg(), "-1") == NULL, "untrue message: %s", gdpr_errmsg());
    ck_assert_msg(strstr(gdpr_errmsg(), "reader") != NULL, "%s", gdpr_errmsg());
    ck_assert_msg(strstr(gdpr_errmsg(), "(budget 2000 ms)") != NULL, "%s", gdpr_errmsg());
    ck_assert_int_eq(sqlite3_exec(reader, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    th_ok(gdpr_erase_retry_pending(ts.eng, &th_dpo, NULL));

    /* A reader that lets go within the budget: the retry succeeds. */
    sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM vault;", NULL, NULL, NULL);
    a.reader = reader;
    a.after_ms = 300;
    ck_assert_int_eq(pthread_create(&th, NULL, release_later, &a), 0);
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "CUST-2", "Art. 17(1)(a)", &r));
    ck_assert_int_eq(pthread_join(th, NULL), 0);
    sqlite3_close(reader);
}
END_TEST

static Suite *
integrity_suite(void)
{
    Suite *s = suite_create("integrity");
    TCase *tc;

    tc = tcase_create("fork");
    tcase_add_test(tc, fork_child_draws_its_own_bytes);
    tcase_add_test(tc, shared_context_takes_each_key);
    suite_add_tcase(s, tc);

    tc = tcase_create("files");
    tcase_add_test(tc, files_are_private_under_umask_022);
    suite_add_tcase(s, tc);

    tc = tcase_create("lookups");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, repointed_identity_is_refused);
    tcase_add_test(tc, moved_blind_index_is_refused);
    tcase_add_test(tc, edited_consent_state_is_refused);
    tcase_add_test(tc, edited_consent_history_is_refused);
    tcase_add_test(tc, stripped_consent_proof_is_refused);
    tcase_add_test(tc, consent_event_macs_added_to_existing_rows);
    tcase_add_test(tc, subject_ids_replace_hashes_in_existing_rows);
    tcase_add_test(tc, register_subject_ids_replace_hashes_in_existing_rows);
    tcase_add_test(tc, record_subject_ids_replace_hashes_in_existing_rows);
    tcase_add_test(tc, schema_13_macs_existing_rows);
    suite_add_tcase(s, tc);

    tc = tcase_create("checkpoint");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, checkpoint_busy_is_true_and_retried);
    suite_add_tcase(s, tc);

    tc = tcase_create("aggregates");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, anonymised_values_sealed_and_small_groups_withheld);
    suite_add_tcase(s, tc);

    tc = tcase_create("refusals");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, refusal_survives_rollback);
    suite_add_tcase(s, tc);

    tc = tcase_create("passphrase");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, passphrase_length_and_cost);
    suite_add_tcase(s, tc);

    return s;
}

int
main(void)
{
    return th_run(integrity_suite());
}
