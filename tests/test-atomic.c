/*
 * All-or-nothing, for every call that changes the store: one table of
 * operations, two loops over it.
 *  - I/O errors: the VFS shim (fault-vfs.c) fails the N-th write, sync or
 *    truncate, N = 1, 2, ... until the call gets through. A call that then
 *    fails returns a storage-class code with a message and leaves both
 *    files exactly as before (digest of every row of every table), with
 *    PRAGMA integrity_check clean and the audit chain verifying.
 *  - Crashes: a forked child runs the call and the shim kills it (_exit)
 *    at the N-th write or sync. The parent reopens the store and finds it
 *    either exactly in the before-state or in the after-state (the same
 *    rows as a run that got through, BLOBs compared by length since
 *    ciphertexts carry fresh nonces), never in between.
 * Every operation starts from the same template store, restored for every
 * N. The figures (N tried per operation) are in docs/testing.md; set
 * GDPR_ATOMIC_VERBOSE=1 to print them, GDPR_ATOMIC_ONLY=<text> to run only
 * the operations whose name contains the text.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fault-vfs.h"
#include "helpers.h"

#define DAY 86400

static th_store ts;
static th_template template;
static char *changed_policy;

/* What the template holds, by id. */
static struct {
    int64_t alice_contact, alice_usage, bob_record, erin_cv;
    int64_t req_unverified, req_verified, hold, review;
} fx;

/* --- the template ----------------------------------------------------- */

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

    /* Contract end half a year and more ago: due for review. */
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
    /* erin's review is open; carol's record falls due at the next run. */
    fx.erin_cv = cv_due("erin");
    th_ok(gdpr_retention_run(ts.eng, &th_system, ts.now, &rep));
    ck_assert_int_eq(rep.reviews_opened, 1);
    memset(&info, 0, sizeof info);
    info.version = GDPR_RETENTION_INFO_VERSION;
    th_ok(gdpr_retention_record(ts.eng, fx.erin_cv, &info));
    fx.review = info.review;
    ck_assert_int_gt(fx.review, 0);
    (void)cv_due("carol");
    /* another type: a second open access request of alice would be linked to
     * the first as a duplicate (issue 16) */
    fx.req_unverified = open_request("alice", GDPR_REQUEST_PORTABILITY);
    fx.req_verified = open_request("alice", GDPR_REQUEST_ACCESS);
    th_ok(gdpr_request_verify(ts.eng, &th_agent, fx.req_verified, GDPR_VERIFY_VERIFIED,
                              GDPR_METHOD_KNOWN_CONTACT, NULL));
    ts.now += 3600;

    changed_policy = th_changed_policy();

    /* Closing checkpoints: the template is the two files alone. */
    gdpr_close(ts.eng);
    ts.eng = NULL;
    th_template_take(&ts, &template);
}

static void
teardown(void)
{
    fault_vfs_arm(FAULT_IOERR, 0);
    th_template_free(&template);
    free(changed_policy);
    if (ts.eng == NULL)
        th_ok(th_open(&ts, &ts.eng));
    th_teardown(&ts);
}

/* --- the operations ---------------------------------------------------- */

static int
discard(const void *buf, size_t len, void *ctx)
{
    (void)buf;
    (void)len;
    (void)ctx;
    return 0;
}

static int
crm_items(const char *subject, gdpr_source_writer *w, void *ctx)
{
    (void)ctx;
    if (strcmp(subject, "alice") != 0)
        return 0;
    return gdpr_source_write(w, "contact", "crm.address", "1 Main St", 9) == GDPR_OK ? 0 : 1;
}

/* Run before the fault is armed (sources live in the engine). */
static int
prep_source(gdpr_engine *eng)
{
    gdpr_source src = GDPR_SOURCE_INIT;

    src.name = "crm";
    src.description = "orders and addresses";
    src.export_items = crm_items;
    return gdpr_source_register(eng, &th_dpo, &src);
}

static int
crm_erase(const char *subject, void *ctx)
{
    (void)subject;
    (void)ctx;
    return 0;
}

/* A source with an erase hook: erasing a subject then queues the hook
 * under a key of its own, created between the two commits. */
static int
prep_erasing_source(gdpr_engine *eng)
{
    gdpr_source src = GDPR_SOURCE_INIT;

    src.name = "crm";
    src.description = "orders and addresses";
    src.export_items = crm_items;
    src.erase = crm_erase;
    return gdpr_source_register(eng, &th_dpo, &src);
}

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

/* Creates the subject and its key: the key commits first (keystore), the
 * subject with its record second (data file). */
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
op_vault_rectify(gdpr_engine *eng)
{
    return gdpr_vault_rectify(eng, &th_dpo, fx.alice_contact, "alice@example.org", 17);
}

static int
op_vault_delete(gdpr_engine *eng)
{
    return gdpr_vault_delete(eng, &th_dpo, fx.alice_usage);
}

static int
op_export(gdpr_engine *eng)
{
    return gdpr_export_subject(eng, &th_dpo, "alice", GDPR_EXPORT_JSON, discard, NULL);
}

static int
op_erase_subject(gdpr_engine *eng)
{
    gdpr_erase_report r;
    return gdpr_erase_subject(eng, &th_dpo, "bob", "Art. 17(1)(a) request 9", &r);
}

static int
op_erase_record(gdpr_engine *eng)
{
    gdpr_erase_report r;
    return gdpr_erase_record(eng, &th_dpo, fx.bob_record, "Art. 17(1)(a) request 10", &r);
}

static int
op_retention_run(gdpr_engine *eng)
{
    gdpr_retention_report rep;
    return gdpr_retention_run(eng, &th_system, ts.now, &rep);
}

static int
op_review_erase(gdpr_engine *eng)
{
    gdpr_review_decision d = GDPR_REVIEW_DECISION_INIT;

    d.verdict = GDPR_REVIEW_ERASE;
    d.justification = "Position filled; no further need";
    return gdpr_review_decide(eng, &th_dpo, fx.review, &d);
}

static int
op_review_keep(gdpr_engine *eng)
{
    gdpr_review_decision d = GDPR_REVIEW_DECISION_INIT;

    d.verdict = GDPR_REVIEW_KEEP;
    d.keep_until = ts.now + 60 * (int64_t)DAY;
    d.justification = "Shortlisted for the next opening";
    return gdpr_review_decide(eng, &th_dpo, fx.review, &d);
}

static int
op_policy_load(gdpr_engine *eng)
{
    return gdpr_policy_load_string(eng, &th_dpo, changed_policy);
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
op_request_verify(gdpr_engine *eng)
{
    return gdpr_request_verify(eng, &th_agent, fx.req_unverified, GDPR_VERIFY_VERIFIED,
                               GDPR_METHOD_KNOWN_CONTACT, "called back");
}

static int
op_request_extend(gdpr_engine *eng)
{
    return gdpr_request_extend(eng, &th_dpo, fx.req_verified, 2, "records in three systems",
                               ts.now);
}

static int
op_request_fulfil(gdpr_engine *eng)
{
    return gdpr_request_fulfil(eng, &th_dpo, fx.req_verified, "paper copy posted");
}

static int
op_request_fulfil_export(gdpr_engine *eng)
{
    return gdpr_request_fulfil_export(eng, &th_dpo, fx.req_verified, GDPR_EXPORT_JSON, discard,
                                      NULL);
}

static int
op_request_deny(gdpr_engine *eng)
{
    return gdpr_request_deny(eng, &th_dpo, fx.req_unverified, GDPR_DENIAL_NO_MATCH, "no match");
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

static int
op_safeguard_add(gdpr_engine *eng)
{
    gdpr_safeguard sg = GDPR_SAFEGUARD_INIT;
    int64_t id;

    sg.recipient = "acme-analytics";
    sg.type = GDPR_TRANSFER_SCC;
    sg.module = 2;
    sg.reference = "SCC 2021/914 module 2, signed 2026-01-01";
    sg.valid_from = ts.now - DAY;
    return gdpr_safeguard_add(eng, &th_dpo, &sg, &id);
}

static int
op_hold_place(gdpr_engine *eng)
{
    gdpr_hold h = GDPR_HOLD_INIT;
    int64_t id;

    h.scope = GDPR_HOLD_RECORD;
    h.record = fx.alice_contact;
    h.reason = "matter 2026-07 (complaint)";
    h.until = ts.now + 30 * (int64_t)DAY;
    return gdpr_hold_place(eng, &th_dpo, &h, &id);
}

static int
op_hold_release(gdpr_engine *eng)
{
    return gdpr_hold_release(eng, &th_dpo, fx.hold, "audit closed");
}

static int
op_batch(gdpr_engine *eng)
{
    int rc = gdpr_begin(eng);

    if (rc == GDPR_OK)
        rc = op_consent_withdraw(eng);
    if (rc == GDPR_OK)
        rc = op_vault_put(eng);
    if (rc == GDPR_OK)
        rc = op_hold_release(eng);
    if (rc == GDPR_OK)
        return gdpr_commit(eng);
    (void)gdpr_rollback(eng);
    return rc;
}

typedef struct {
    const char *name;
    int (*prep)(gdpr_engine *eng);
    int (*run)(gdpr_engine *eng);
    /* Commits before it is finished (an erasure: data, then keys, then a
     * checkpoint); a failure after that first commit reports "committed"
     * and the next open finishes the rest. */
    int commits_early; /* FINISHES or RESUMES */
} operation;
enum { FINISHES = 1, RESUMES = 2 };

static const operation ops[] = {
    {"consent record", NULL, op_consent_record, 0},
    {"consent withdraw", NULL, op_consent_withdraw, 0},
    {"vault put", NULL, op_vault_put, 0},
    {"vault put, new subject", NULL, op_vault_put_new_subject, 0},
    {"subject create", NULL, op_subject_ensure, 0},
    {"vault rectify", NULL, op_vault_rectify, 0},
    {"vault delete", NULL, op_vault_delete, 0},
    {"export with a source", prep_source, op_export, 0},
    {"erase subject", NULL, op_erase_subject, FINISHES},
    {"erase subject, erase hook", prep_erasing_source, op_erase_subject, FINISHES},
    {"erase record", NULL, op_erase_record, FINISHES},
    {"retention run", NULL, op_retention_run, RESUMES},
    {"review erase", NULL, op_review_erase, FINISHES},
    {"review keep", NULL, op_review_keep, 0},
    {"policy load", NULL, op_policy_load, 0},
    {"request open", NULL, op_request_open, 0},
    {"request verify", NULL, op_request_verify, 0},
    {"request extend", NULL, op_request_extend, 0},
    {"request fulfil", NULL, op_request_fulfil, 0},
    {"request fulfil export", prep_source, op_request_fulfil_export, 0},
    {"request deny", NULL, op_request_deny, 0},
    {"transfer record", NULL, op_transfer_record, 0},
    {"safeguard add", NULL, op_safeguard_add, 0},
    {"hold place", NULL, op_hold_place, 0},
    {"hold release", NULL, op_hold_release, 0},
    {"batch of three", NULL, op_batch, 0},
};
#define N_OPS (sizeof ops / sizeof ops[0])

static int
verbose(void)
{
    const char *v = getenv("GDPR_ATOMIC_VERBOSE");
    return v != NULL && v[0] == '1';
}

/* GDPR_ATOMIC_ONLY: skip the operations whose name lacks the text. */
static int
skipped(const operation *op)
{
    const char *only = getenv("GDPR_ATOMIC_ONLY");
    return only != NULL && only[0] != '\0' && strstr(op->name, only) == NULL;
}

static void
check_store(const char *name, long n)
{
    th_assert_integrity(&ts);
    ck_assert_msg(gdpr_audit_verify(ts.eng, NULL) == GDPR_OK, "%s, n=%ld: audit chain: %s", name, n,
                  gdpr_errmsg());
}

/* What a call that commits early left pending (a checkpoint, a key, a
 * run to resume) is finished by the next call or gdpr_erase_retry_pending:
 * compare the states after that. */
static void
finish_pending(const operation *op, long n)
{
    const char *name = op->name;
    int remaining = -1;

    /* Sources live in the process: a host registers them again after a
     * restart, and the hooks its erasure left pending then run. */
    if (op->prep)
        th_ok(op->prep(ts.eng));
    ck_assert_msg(gdpr_erase_retry_pending(ts.eng, &th_dpo, &remaining) == GDPR_OK,
                  "%s, n=%ld: retry pending: %s", name, n, gdpr_errmsg());
    /* The export-only source has no erase hook: its hook stays pending. */
    ck_assert_int_le(remaining, 1);
}

/* --- I/O errors -------------------------------------------------------- */

static long
io_loop(const operation *op)
{
    /* Shapes of the states a fired fault left as "done", checked against
     * the run that got through. */
    static char done_shapes[3000][65];
    long n_done = 0;

    for (long n = 1; n < 3000; n++) {
        char before[65], after[65], msg[600];
        int rc, fired;

        th_template_restore(&ts, &template);
        th_ok(th_open(&ts, &ts.eng));
        if (op->prep)
            th_ok(op->prep(ts.eng));
        th_fingerprint(&ts, before);
        fault_vfs_arm(FAULT_IOERR, n);
        rc = op->run(ts.eng);
        fired = fault_vfs_fired();
        fault_vfs_arm(FAULT_IOERR, 0);
        snprintf(msg, sizeof msg, "%s: %s", gdpr_strerror(rc), gdpr_errmsg());
        if (!fired) {
            char shape[65];

            ck_assert_msg(rc == GDPR_OK, "%s: %s", op->name, msg);
            th_reopen(&ts);
            check_store(op->name, n);
            if (op->commits_early)
                finish_pending(op, n);
            gdpr_close(ts.eng);
            ts.eng = NULL;
            th_digest(&ts, TH_DIGEST_SHAPE, shape);
            for (long i = 0; i < n_done; i++)
                ck_assert_msg(strcmp(done_shapes[i], shape) == 0,
                              "%s: a fault left a state that is neither before nor after the call",
                              op->name);
            return n;
        }
        if (rc != GDPR_OK) {
            ck_assert_msg(rc == GDPR_ESTORAGE || rc == GDPR_EBUSY || rc == GDPR_ENOMEM,
                          "%s, n=%ld: unexpected %s", op->name, n, msg);
            ck_assert_msg(gdpr_errmsg()[0] != '\0', "%s, n=%ld: no message", op->name, n);
        }
        th_reopen(&ts);
        check_store(op->name, n);
        th_fingerprint(&ts, after);
        if (rc == GDPR_OK || strcmp(before, after) != 0) {
            /* Done: the call said so, or it failed after its point of no
             * return (an erasure's data commit) and said that. */
            ck_assert_msg(rc == GDPR_OK || (op->commits_early && strstr(msg, "committed")),
                          "%s, n=%ld: store changed by a failed call (%s)", op->name, n, msg);
            if (op->commits_early == RESUMES && rc != GDPR_OK) {
                /* Batches committed so far stay; the next call resumes. */
                ck_assert_msg(strstr(msg, "resumes") != NULL, "%s, n=%ld: %s", op->name, n, msg);
                ck_assert_msg(op->run(ts.eng) == GDPR_OK, "%s, n=%ld: resuming: %s", op->name, n,
                              gdpr_errmsg());
                check_store(op->name, n);
                gdpr_close(ts.eng);
                ts.eng = NULL;
                continue;
            }
            if (op->commits_early)
                finish_pending(op, n);
            gdpr_close(ts.eng);
            ts.eng = NULL;
            th_digest(&ts, TH_DIGEST_SHAPE, done_shapes[n_done++]);
            continue;
        }
        gdpr_close(ts.eng);
        ts.eng = NULL;
    }
    ck_abort_msg("%s never got through", op->name);
    return 0;
}

/* --- crashes ----------------------------------------------------------- */

static int64_t
generation(void)
{
    return th_raw_int(ts.db, "SELECT value FROM counter WHERE name = 'generation'");
}

/* Keys whose transaction committed in the keystore only: their
 * generation is above the data file's (lib/store/sqlite/keys.c). */
static int64_t
orphaned_keys(int64_t data_generation)
{
    char sql[128];

    snprintf(sql, sizeof sql, "SELECT count(*) FROM subject_key WHERE gen > %lld",
             (long long)data_generation);
    return th_raw_int(ts.keys, sql);
}

/* Run the child from the template; then open in the parent (which
 * finishes whatever the child left pending) and take both digests.
 * Killed between the keystore commit and the data commit, the child
 * leaves keys whose data never arrived: the open's first transaction
 * takes them back (docs/decisions/0008-many-engines.md) and so restores
 * the state before; *orphans_out counts the runs where it did. */
static int
crash_run(const operation *op, long n, int run, char exact[65], char shape[65], long *orphans_out)
{
    th_crash_op c = {op->name, op->prep, run ? op->run : NULL, 1};
    int64_t gen, orphans;
    int status;

    th_template_restore(&ts, &template);
    status = th_crash_fork(&ts, n, &c);
    gen = generation();
    orphans = orphaned_keys(gen);
    th_ok(th_open(&ts, &ts.eng));
    ck_assert_msg(orphaned_keys(gen) == 0, "%s, n=%ld: the open left orphaned keys", op->name, n);
    if (orphans > 0 && orphans_out != NULL)
        (*orphans_out)++;
    check_store(op->name, n);
    if (op->commits_early == FINISHES && op->prep)
        finish_pending(op, n);
    gdpr_close(ts.eng);
    ts.eng = NULL;
    th_digest(&ts, TH_DIGEST_EXACT, exact);
    th_digest(&ts, TH_DIGEST_SHAPE, shape);
    return status;
}

static long
crash_loop(const operation *op, long *before_count, long *after_count, long *orphans)
{
    char before[65], before_shape[65], done[65], done_shape[65];
    int64_t gen_before;

    ck_assert_int_eq(crash_run(op, 0, 0, before, before_shape, NULL), 1);
    gen_before = generation();
    ck_assert_int_eq(crash_run(op, 0, 1, done, done_shape, NULL), 0);
    ck_assert_msg(strcmp(before_shape, done_shape) != 0, "%s changes nothing", op->name);
    for (long n = 1; n < 3000; n++) {
        char exact[65], shape[65];
        int status = crash_run(op, n, 1, exact, shape, orphans);

        ck_assert_msg(status == 0 || status == 99, "%s, n=%ld: child exited %d", op->name, n,
                      status);
        if (strcmp(exact, before) == 0)
            (*before_count)++;
        else if (strcmp(shape, done_shape) == 0) {
            /* Other engines must see the change. */
            ck_assert_msg(generation() > gen_before, "%s, n=%ld: generation did not move", op->name,
                          n);
            (*after_count)++;
        } else if (op->commits_early == RESUMES) {
            /* Killed between batches: the next call resumes and ends. */
            th_ok(th_open(&ts, &ts.eng));
            ck_assert_msg(op->run(ts.eng) == GDPR_OK, "%s, n=%ld: resuming: %s", op->name, n,
                          gdpr_errmsg());
            check_store(op->name, n);
            gdpr_close(ts.eng);
            ts.eng = NULL;
        } else
            ck_abort_msg("%s, n=%ld: the store is neither before nor after the call", op->name, n);
        if (status == 0)
            return n;
    }
    ck_abort_msg("%s never got through", op->name);
    return 0;
}

START_TEST(io_error_at_every_write_of_every_call)
{
    TH_SQLITE_ONLY("copies the SQLite files");
    const operation *op = &ops[_i];
    long n;

    if (skipped(op))
        return;
    n = io_loop(op);

    if (verbose())
        fprintf(stderr, "io: %-26s %ld points\n", op->name, n - 1);
    ck_assert_int_gt(n, 1);
}
END_TEST

START_TEST(crash_at_every_write_of_every_call)
{
    TH_SQLITE_ONLY("copies the SQLite files");
    const operation *op = &ops[_i];
    long before = 0, after = 0, orphans = 0;
    long n;

    if (skipped(op))
        return;
    n = crash_loop(op, &before, &after, &orphans);

    if (verbose())
        fprintf(stderr,
                "crash: %-26s %ld points (%ld before, %ld after; keys taken back after %ld)\n",
                op->name, n - 1, before, after, orphans);
    ck_assert_int_gt(n, 1);
    ck_assert_int_gt(before, 0);
}
END_TEST

static Suite *
atomic_suite(void)
{
    Suite *s = suite_create("atomic");
    TCase *io = tcase_create("io");
    TCase *crash = tcase_create("crash");

    tcase_add_checked_fixture(io, setup, teardown);
    tcase_set_timeout(io, 600);
    tcase_add_loop_test(io, io_error_at_every_write_of_every_call, 0, (int)N_OPS);
    suite_add_tcase(s, io);
    tcase_add_checked_fixture(crash, setup, teardown);
    tcase_set_timeout(crash, 600);
    tcase_add_loop_test(crash, crash_at_every_write_of_every_call, 0, (int)N_OPS);
    suite_add_tcase(s, crash);
    return s;
}

int
main(void)
{
    fault_vfs_install();
    if (th_sqlite_only_suite("every test restores SQLite file templates under a fault-injecting "
                             "VFS; no PostgreSQL counterpart"))
        return 77;
    return th_run(atomic_suite());
}
