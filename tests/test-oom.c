/*
 * Allocation failures in all three allocators a call goes through:
 *  - libgdpr's own (malloc, calloc, realloc, strdup, strndup): this
 *    executable is linked with -Wl,--wrap=... (tests/meson.build), so
 *    every such call from the libgdpr.a objects reaches __wrap_* below;
 *  - OpenSSL's, through CRYPTO_set_mem_functions (set first in main);
 *  - SQLite's, through sqlite3_config (tests/fault-vfs.c).
 * For each call of a table and each allocator, N = 1, 2, ... fails the
 * N-th allocation of that allocator and every one after it (a persistent
 * fault, as SQLite's own malloc tests do), N up to the count of the
 * call's allocations (taken first), then past it, where it must succeed;
 * GDPR_OOM_STEP samples the points (tests/meson.build, docs/testing.md).
 * A call that fails returns GDPR_ENOMEM (or a code the table allows for
 * it) with a message, leaves both files exactly as before (th_digest),
 * the audit chain verifying, and the engine usable; nothing leaks (run
 * under ASan and valgrind). Every N starts from the same template store.
 * GDPR_OOM_VERBOSE=1 prints the points tried (docs/testing.md).
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "fault-vfs.h"
#include "helpers.h"

#define DAY 86400

/* --- the allocators ----------------------------------------------------- */

enum { KIND_LIBC, KIND_OPENSSL, KIND_SQLITE, N_KINDS };
static const char *const kind_names[N_KINDS] = {"libgdpr", "OpenSSL", "SQLite"};

static long countdown[2];
static int fired[2];

/* Whether this allocation fails; a failing one sets errno as malloc does. */
static int
fails(int kind)
{
    if (!fired[kind] && (countdown[kind] <= 0 || --countdown[kind] > 0))
        return 0;
    fired[kind] = 1;
    errno = ENOMEM;
    return 1;
}

static void
arm(int kind, long n)
{
    if (kind == KIND_SQLITE) {
        fault_malloc_arm(n);
        return;
    }
    countdown[kind] = n;
    fired[kind] = 0;
}

static void
disarm(void)
{
    for (int k = 0; k < 2; k++) {
        countdown[k] = 0;
        fired[k] = 0;
    }
    fault_malloc_arm(0);
}

static int
has_fired(int kind)
{
    return kind == KIND_SQLITE ? fault_malloc_fired() : fired[kind];
}

/* Allocations made since arm(kind, n) while none failed. */
static long
made_since(int kind, long n)
{
    return n - (kind == KIND_SQLITE ? fault_malloc_left() : countdown[kind]);
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

void *
__wrap_malloc(size_t n)
{
    return fails(KIND_LIBC) ? NULL : __real_malloc(n);
}

void *
__wrap_calloc(size_t k, size_t n)
{
    return fails(KIND_LIBC) ? NULL : __real_calloc(k, n);
}

void *
__wrap_realloc(void *p, size_t n)
{
    return fails(KIND_LIBC) ? NULL : __real_realloc(p, n);
}

char *
__wrap_strdup(const char *s)
{
    return fails(KIND_LIBC) ? NULL : __real_strdup(s);
}

char *
__wrap_strndup(const char *s, size_t n)
{
    return fails(KIND_LIBC) ? NULL : __real_strndup(s, n);
}

static void *
ossl_malloc(size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    return fails(KIND_OPENSSL) ? NULL : __real_malloc(n);
}

static void *
ossl_realloc(void *p, size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    return fails(KIND_OPENSSL) ? NULL : __real_realloc(p, n);
}

static void
ossl_free(void *p, const char *file, int line)
{
    (void)file;
    (void)line;
    free(p);
}

/* --- the template ------------------------------------------------------- */

static th_store ts;
static char *template_db, *template_keys;
static size_t template_db_len, template_keys_len;
static char *changed_policy;
static char new_db[400], new_keys[420];
static struct {
    int64_t alice_contact, alice_usage, req_verified;
} fx;
/* What an operation saw that the loop checks after disarming (Check's
 * assertions allocate, so none run while a fault is armed). */
static int mismatch;

static int64_t
put(const char *subject, const char *category, const char *purpose, const char *value)
{
    int64_t id = 0;

    th_ok(gdpr_vault_put(ts.eng, &th_agent, subject, category, purpose, value, strlen(value), &id));
    return id;
}

static void
write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

static void
remove_store(const char *base)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char path[440];

    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(path, sizeof path, "%s%s", base, suffixes[i]);
        unlink(path);
    }
}

static void
restore_template(void)
{
    remove_store(ts.db);
    remove_store(ts.keys);
    write_file(ts.db, template_db, template_db_len);
    write_file(ts.keys, template_keys, template_keys_len);
}

static void
setup(void)
{
    gdpr_consent c = GDPR_CONSENT_INIT;
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    char *doc;
    const char *at;

    disarm();
    th_setup(&ts);
    snprintf(new_db, sizeof new_db, "%s/new.db", ts.dir);
    snprintf(new_keys, sizeof new_keys, "%s-keys", new_db);
    fx.alice_contact = put("alice", "contact", "service", "alice@example.com");
    fx.alice_usage = put("alice", "usage", "service", "logged in 12 times");
    th_ok(gdpr_subject_link(ts.eng, &th_agent, "alice", "email", "alice@example.com"));
    c.subject = "alice";
    c.purpose = "marketing";
    c.notice = "marketing-v2";
    c.channel = "web";
    c.proof = "form 12";
    th_ok(gdpr_consent_record(ts.eng, &th_agent, &c, NULL));
    (void)put("bob", "contact", "service", "bob@example.com");
    (void)put("bob", "usage", "service", "called twice");
    /* carol's CV falls due at the next retention run. */
    (void)put("carol", "cv", "recruitment", "CV of a candidate");
    th_ok(gdpr_retention_anchor_set(ts.eng, &th_agent, "carol", GDPR_ANCHOR_CONTRACT_END,
                                    "recruitment", ts.now - 200 * (int64_t)DAY));
    in.type = GDPR_REQUEST_ACCESS;
    in.subject = "alice";
    in.channel = "phone";
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &fx.req_verified));
    th_ok(gdpr_request_verify(ts.eng, &th_agent, fx.req_verified, GDPR_VERIFY_VERIFIED,
                              GDPR_METHOD_KNOWN_CONTACT, NULL));
    ts.now += 3600;

    doc = th_read_file(th_example_policy_path(), NULL);
    ck_assert_ptr_nonnull(doc);
    at = strstr(doc, "Example CRM Ltd");
    ck_assert_ptr_nonnull(at);
    changed_policy = malloc(strlen(doc) + 16);
    ck_assert_ptr_nonnull(changed_policy);
    memcpy(changed_policy, doc, (size_t)(at - doc));
    strcpy(changed_policy + (at - doc), "Example CRM Group");
    strcat(changed_policy, at + strlen("Example CRM Ltd"));
    free(doc);

    gdpr_close(ts.eng);
    ts.eng = NULL;
    template_db = th_read_file(ts.db, &template_db_len);
    template_keys = th_read_file(ts.keys, &template_keys_len);
    ck_assert_ptr_nonnull(template_db);
    ck_assert_ptr_nonnull(template_keys);
}

static void
teardown(void)
{
    disarm();
    free(changed_policy);
    if (ts.eng == NULL) {
        restore_template(); /* a rekey that got through changed the key */
        th_ok(th_open(&ts, &ts.eng));
    }
    free(template_db);
    free(template_keys);
    th_teardown(&ts);
}

/* --- the calls ---------------------------------------------------------- */

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
prep_new_store(gdpr_engine *eng)
{
    (void)eng;
    remove_store(new_db);
    remove_store(new_keys);
    return GDPR_OK;
}

static int
open_at(const char *path)
{
    gdpr_options opts = GDPR_OPTIONS_INIT;
    gdpr_engine *e = NULL;
    int rc;

    opts.path = path;
    opts.key = th_key;
    opts.key_len = sizeof th_key;
    opts.clock = th_clock;
    opts.clock_ctx = &ts;
    rc = gdpr_open(&e, &opts);
    if ((rc == GDPR_OK) != (e != NULL))
        mismatch = 1; /* checked once disarmed: Check allocates in asserts */
    gdpr_close(e);
    return rc;
}

static int
op_open_new(gdpr_engine *eng)
{
    (void)eng;
    return open_at(new_db);
}

static int
op_open_existing(gdpr_engine *eng)
{
    (void)eng;
    return open_at(ts.db);
}

static int
op_policy_load(gdpr_engine *eng)
{
    return gdpr_policy_load_string(eng, &th_dpo, changed_policy);
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

/* A TC string (purposes 3 and 4: the example policy maps them to
 * personalised-ads): decoded, sealed, a grant recorded. */
static int
op_consent_signal_tcf(gdpr_engine *eng)
{
    int events = 0;

    return gdpr_consent_signal_tcf(eng, &th_agent, "bob",
                                   "CQdWToAQdWToAEsACBENCWEgADAAAAAAABAgAAAAAAAA", &events);
}

/* A signed receipt (read-only): parse, canonical form, Ed25519. */
static int
op_consent_receipt(gdpr_engine *eng)
{
    char *json = NULL;
    int valid = 0;
    int rc = gdpr_consent_receipt(eng, 1, &json);

    if (rc == GDPR_OK)
        rc = gdpr_receipt_verify(eng, json, &valid);
    if (rc == GDPR_OK && !valid)
        mismatch = 1;
    gdpr_free(json);
    return rc;
}

static int
op_consent_check(gdpr_engine *eng)
{
    int granted = -1;
    int rc = gdpr_consent_check(eng, "alice", "marketing", GDPR_NOW, &granted);

    if (rc == GDPR_OK && granted != 1)
        mismatch = 1;
    return rc;
}

static int
op_vault_put(gdpr_engine *eng)
{
    int64_t id;
    return gdpr_vault_put(eng, &th_agent, "alice", "usage", "service", "opened ticket 7", 15, &id);
}

static int
op_vault_get(gdpr_engine *eng)
{
    void *value = NULL;
    size_t len = 0;
    int rc = gdpr_vault_get(eng, &th_agent, fx.alice_contact, &value, &len);

    if (rc == GDPR_OK ? len != 17 || memcmp(value, "alice@example.com", 17) != 0 : value != NULL)
        mismatch = 1;
    gdpr_free(value);
    return rc;
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
op_export_json(gdpr_engine *eng)
{
    return gdpr_export_subject(eng, &th_dpo, "alice", GDPR_EXPORT_JSON, discard, NULL);
}

static int
op_export_csv(gdpr_engine *eng)
{
    return gdpr_export_subject(eng, &th_dpo, "alice", GDPR_EXPORT_CSV, discard, NULL);
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
    return gdpr_request_fulfil_export(eng, &th_dpo, fx.req_verified, GDPR_EXPORT_JSON, discard,
                                      NULL);
}

static int
op_transfer_check(gdpr_engine *eng)
{
    gdpr_transfer_decision d;
    return gdpr_transfer_check(eng, &th_agent, "alice", "support-in", ts.now, &d);
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
op_audit_verify(gdpr_engine *eng)
{
    int64_t events = 0;
    return gdpr_audit_verify(eng, &events);
}

static int
op_rekey(gdpr_engine *eng)
{
    static const unsigned char new_key[32] = {7,  7,  7,  7,  1,  2,  3,  4,  5,  6,  7,
                                              8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18,
                                              19, 20, 21, 22, 23, 24, 25, 26, 27, 28};
    return gdpr_rekey(eng, &th_dpo, new_key, sizeof new_key, NULL);
}

typedef struct {
    const char *name;
    int (*prep)(gdpr_engine *eng);
    int (*run)(gdpr_engine *eng);
    /* FINISHES: an erasure, may fail after its data commit, saying so;
     * RESUMES: a retention run, commits batch by batch; AUDITED: a failed
     * export is audited (one event more, nothing else changed). */
    int commits_early;
} operation;
enum { FINISHES = 1, RESUMES = 2, AUDITED = 3 };

static const operation ops[] = {
    {"open (new store)", prep_new_store, op_open_new, 0},
    {"open (existing store)", NULL, op_open_existing, 0},
    {"policy load", NULL, op_policy_load, 0},
    {"consent record", NULL, op_consent_record, 0},
    {"consent check", NULL, op_consent_check, 0},
    {"consent signal (TCF)", NULL, op_consent_signal_tcf, 0},
    {"consent receipt (signed)", NULL, op_consent_receipt, 0},
    {"vault put", NULL, op_vault_put, 0},
    {"vault get", NULL, op_vault_get, 0},
    {"vault rectify", NULL, op_vault_rectify, 0},
    {"vault delete", NULL, op_vault_delete, 0},
    {"export JSON with a source", prep_source, op_export_json, AUDITED},
    {"export CSV with a source", prep_source, op_export_csv, AUDITED},
    {"erase subject", NULL, op_erase_subject, FINISHES},
    {"retention run", NULL, op_retention_run, RESUMES},
    {"request open", NULL, op_request_open, 0},
    {"request fulfil (export)", prep_source, op_request_fulfil, AUDITED},
    {"transfer check", NULL, op_transfer_check, 0},
    {"transfer record", NULL, op_transfer_record, 0},
    {"audit verify", NULL, op_audit_verify, 0},
    {"rekey", NULL, op_rekey, 0},
};
#define N_OPS (sizeof ops / sizeof ops[0])

static int
verbose(void)
{
    const char *v = getenv("GDPR_OOM_VERBOSE");
    return v != NULL && v[0] == '1';
}

/* The codes a failed allocation may surface as, per allocator: always
 * GDPR_ENOMEM. OpenSSL: an allocation failure it reports (its error queue,
 * a constructor returning NULL) is GDPR_ENOMEM too (lib/crypto/aead.c);
 * only a failure it does not describe at all (HKDF derive or HMAC init
 * failing with an empty error queue) stays GDPR_ECRYPTO "...: no detail",
 * since nothing tells it from a cryptographic one. SQLite's json_valid()
 * answers 0 on an allocation failure, reported as GDPR_ESTORAGE naming
 * "out of memory". */
static int
allowed(int kind, int rc, const char *msg)
{
    if (rc == GDPR_ENOMEM)
        return 1;
    if (kind == KIND_OPENSSL)
        return rc == GDPR_ECRYPTO && strstr(msg, "failed: no detail") != NULL;
    if (kind == KIND_SQLITE)
        return rc == GDPR_ESTORAGE && strstr(msg, "out of memory") != NULL;
    return 0;
}

typedef struct {
    long total;     /* allocations the call makes when none fails */
    long tried;     /* allocation points tried */
    long points;    /* last point tried that the call saw fail */
    long absorbed;  /* of them, failures the call survived (GDPR_OK) */
    long committed; /* failures after an erasure's commit or a retention batch */
    long other;     /* failures reported with a code other than GDPR_ENOMEM */
    long left;      /* failed creations that left a file (must stay 0) */
} figures;

/* Points 1 .. OOM_FIRST are always tried. */
#define OOM_FIRST 20

/* The store, engine and prepared state each point starts from. */
static void
start_point(const operation *op, const char *const *skip, int64_t *events, char digest[65])
{
    restore_template();
    th_ok(th_open(&ts, &ts.eng));
    if (op->prep)
        th_ok(op->prep(ts.eng));
    th_ok(gdpr_audit_verify(ts.eng, events));
    th_digest_without(&ts, TH_DIGEST_EXACT, skip, digest);
    mismatch = 0;
}

/* How many allocations of `kind` the call makes when none fails (the call
 * must succeed so). The count bounds the points tried. */
static long
count_allocations(const operation *op, int kind)
{
    char digest[65];
    long total;
    int rc;

    start_point(op, NULL, NULL, digest);
    arm(kind, LONG_MAX);
    rc = op->run(ts.eng);
    total = made_since(kind, LONG_MAX);
    disarm();
    ck_assert_msg(rc == GDPR_OK && !mismatch, "%s, no failure: %s (%s)", op->name,
                  gdpr_strerror(rc), gdpr_errmsg());
    th_ok(gdpr_audit_verify(ts.eng, NULL));
    gdpr_close(ts.eng);
    ts.eng = NULL;
    return total;
}

/* The next point: every one up to OOM_FIRST, then every step-th, always
 * the call's last allocation (total), then one by one past it, where the
 * call must get through (one more if the count varies between runs). */
static long
next_point(long n, long step, long total)
{
    if (n < OOM_FIRST || n >= total)
        return n + 1;
    return n + step < total ? n + step : total;
}

/* Each point tried from the same start; the loop ends at the first point
 * the call does not reach, where it must succeed: so a sampled run (step
 * > 1) ends, like a full one, with the call getting through unarmed. */
static void
oom_loop(const operation *op, int kind, long step, figures *f)
{
    f->total = count_allocations(op, kind);
    for (long n = 1; n <= f->total + 100; n = next_point(n, step, f->total)) {
        char before[65], after[65], msg[600];
        /* An audit event moves the chain head (meta) and the generation. */
        static const char *const audit_tables[] = {"audit", "meta", "counter", NULL};
        const char *const *skip = op->commits_early == AUDITED ? audit_tables : NULL;
        int64_t events_before = 0, events_after = 0;
        int rc, hit;

        start_point(op, skip, &events_before, before);
        arm(kind, n);
        rc = op->run(ts.eng);
        hit = has_fired(kind);
        disarm();
        f->tried++;
        snprintf(msg, sizeof msg, "%s (%s)", gdpr_strerror(rc), gdpr_errmsg());
        ck_assert_msg(!mismatch, "%s, %s allocation %ld: wrong output for %s", op->name,
                      kind_names[kind], n, msg);
        if (!hit) {
            ck_assert_msg(rc == GDPR_OK, "%s: %s", op->name, msg);
            th_ok(gdpr_audit_verify(ts.eng, NULL));
            gdpr_close(ts.eng);
            ts.eng = NULL;
            return;
        }
        f->points = n;
        if (rc == GDPR_OK) {
            f->absorbed++;
        } else {
            ck_assert_msg(allowed(kind, rc, msg), "%s, %s allocation %ld: unexpected %s", op->name,
                          kind_names[kind], n, msg);
            if (rc != GDPR_ENOMEM)
                f->other++;
            ck_assert_msg(gdpr_errmsg()[0] != '\0', "%s, n=%ld: no message", op->name, n);
        }
        th_digest_without(&ts, TH_DIGEST_EXACT, skip, after);
        /* The engine is still usable and the chain intact. */
        ck_assert_msg(gdpr_audit_verify(ts.eng, &events_after) == GDPR_OK,
                      "%s, %s allocation %ld: audit after the failure: %s", op->name,
                      kind_names[kind], n, gdpr_errmsg());
        if (rc != GDPR_OK && op->commits_early == AUDITED)
            ck_assert_msg(events_after <= events_before + 1,
                          "%s, %s allocation %ld: %lld events for one failed call", op->name,
                          kind_names[kind], n, (long long)(events_after - events_before));
        if (rc != GDPR_OK && strcmp(before, after) != 0) {
            ck_assert_msg((op->commits_early == FINISHES && strstr(msg, "committed") != NULL) ||
                              (op->commits_early == RESUMES && strstr(msg, "resumes") != NULL),
                          "%s, %s allocation %ld: store changed by a failed call: %s", op->name,
                          kind_names[kind], n, msg);
            f->committed++;
            if (op->commits_early == FINISHES) {
                int remaining = -1;
                ck_assert_msg(gdpr_erase_retry_pending(ts.eng, &th_dpo, &remaining) == GDPR_OK,
                              "%s, %s allocation %ld: retry pending: %s", op->name,
                              kind_names[kind], n, gdpr_errmsg());
                ck_assert_int_eq(remaining, 0);
            } else
                ck_assert_msg(op->run(ts.eng) == GDPR_OK, "%s, %s allocation %ld: resuming: %s",
                              op->name, kind_names[kind], n, gdpr_errmsg());
        }
        /* A failed creation removes the files it made (gdpr_open). */
        if (op->run == op_open_new && rc != GDPR_OK &&
            (access(new_db, F_OK) == 0 || access(new_keys, F_OK) == 0)) {
            f->left++;
            ck_abort_msg("%s, %s allocation %ld: a failed open left a file (%s)", op->name,
                         kind_names[kind], n, msg);
        }
        gdpr_close(ts.eng);
        ts.eng = NULL;
        th_assert_integrity(&ts);
    }
    ck_abort_msg("%s never got through", op->name);
}

static long
env_long(const char *name, long dflt)
{
    const char *v = getenv(name);
    return v != NULL && atol(v) > 0 ? atol(v) : dflt;
}

START_TEST(every_allocation_of_every_call)
{
    TH_SQLITE_ONLY("reads the keystore file");
    const operation *op = &ops[_i / N_KINDS];
    int kind = _i % N_KINDS;
    const char *only = getenv("GDPR_OOM_ONLY");
    /* GDPR_OOM_KIND=libgdpr|OpenSSL|SQLite: that allocator only. */
    /* GDPR_OOM_STEP=k: points 1..20, then every k-th, then the last (meson:
     * tests/meson.build; docs/testing.md has the full run, k = 1). */
    long step = env_long("GDPR_OOM_STEP", 1);
    figures f = {0, 0, 0, 0, 0, 0, 0};

    const char *only_kind = getenv("GDPR_OOM_KIND");

    if (only != NULL && only[0] != '\0' && strstr(op->name, only) == NULL)
        return;
    if (only_kind != NULL && only_kind[0] != '\0' && strcmp(only_kind, kind_names[kind]) != 0)
        return;
    oom_loop(op, kind, step, &f);
    if (verbose())
        fprintf(stderr,
                "oom: %-26s %-7s %5ld allocations, %5ld points tried (%ld survived, %ld after "
                "commit, %ld not ENOMEM, %ld left a file)\n",
                op->name, kind_names[kind], f.total, f.tried, f.absorbed, f.committed, f.other,
                f.left);
    /* Every call allocates from SQLite. */
    if (kind == KIND_SQLITE)
        ck_assert_int_gt(f.total, 0);
}
END_TEST

/* Inside a batch, gdpr_consent_record and gdpr_vault_put run without a
 * savepoint: they check everything before their first write
 * (docs/decisions/0011-snapshot-reads.md). Under an allocation failure at
 * each point of each allocator, after an earlier call in the same batch
 * (a put for carol), a failed call either undid only itself (the batch
 * goes on: committed, the store has the shape of a batch of the earlier
 * call alone, ids included) or, failing after its first write, rolled back
 * the whole batch and said so (the store is as before the batch; no batch
 * is open any more). A new subject (dave) too: its key row is written
 * first. And gdpr_transfer_record, and gdpr_request_open (for alice, and
 * for dave, whom it creates). */
static int
op_vault_put_carol(gdpr_engine *eng)
{
    int64_t id;
    return gdpr_vault_put(eng, &th_agent, "carol", "contact", "service", "carol@example.com", 17,
                          &id);
}

static int
op_consent_record_new(gdpr_engine *eng)
{
    gdpr_consent c = GDPR_CONSENT_INIT;

    c.subject = "dave";
    c.purpose = "marketing";
    c.notice = "marketing-v2";
    c.channel = "web";
    c.proof = "form 14";
    return gdpr_consent_record(eng, &th_agent, &c, NULL);
}

/* gdpr_request_open for a subject the store does not hold yet: it
 * creates the subject (key row first) in the same call. */
static int
op_request_open_new(gdpr_engine *eng)
{
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    int64_t id;

    in.type = GDPR_REQUEST_ACCESS;
    in.subject = "dave";
    in.channel = "web";
    in.note = "a copy of my data";
    return gdpr_request_open(eng, &th_agent, &in, &id);
}

/* gdpr_subject_ensure of a new subject: key row, subject row, audit. */
static int
op_subject_ensure_new(gdpr_engine *eng)
{
    return gdpr_subject_ensure(eng, &th_agent, "dave", NULL);
}

static int (*const unguarded_ops[])(gdpr_engine *) = {
    op_consent_record, op_vault_put,        op_consent_record_new, op_transfer_record,
    op_request_open,   op_request_open_new, op_subject_ensure_new};
#define N_UNGUARDED (sizeof unguarded_ops / sizeof unguarded_ops[0])

START_TEST(unguarded_calls_in_a_batch)
{
    int (*run)(gdpr_engine *) = unguarded_ops[_i / N_KINDS];
    int kind = _i % N_KINDS;
    long step = env_long("GDPR_OOM_STEP", 1), total, undone = 0, batch_lost = 0, hits = 0;
    char before[65], earlier[65], after[65], msg[600];
    int rc;

    /* The two states a failure may leave. */
    restore_template();
    th_ok(th_open(&ts, &ts.eng));
    th_digest(&ts, TH_DIGEST_SHAPE, before);
    th_ok(gdpr_begin(ts.eng));
    th_ok(op_vault_put_carol(ts.eng));
    th_ok(gdpr_commit(ts.eng));
    th_digest(&ts, TH_DIGEST_SHAPE, earlier);
    gdpr_close(ts.eng);
    ts.eng = NULL;
    /* How many allocations the call makes. */
    restore_template();
    th_ok(th_open(&ts, &ts.eng));
    th_ok(gdpr_begin(ts.eng));
    th_ok(op_vault_put_carol(ts.eng));
    arm(kind, LONG_MAX);
    rc = run(ts.eng); /* not th_ok: a check macro allocates */
    total = made_since(kind, LONG_MAX);
    disarm();
    th_ok(rc);
    th_ok(gdpr_commit(ts.eng));
    gdpr_close(ts.eng);
    ts.eng = NULL;
    for (long n = 1; n <= total + 100; n = next_point(n, step, total)) {
        int hit;
        restore_template();
        th_ok(th_open(&ts, &ts.eng));
        th_ok(gdpr_begin(ts.eng));
        th_ok(op_vault_put_carol(ts.eng));
        arm(kind, n);
        rc = run(ts.eng);
        hit = has_fired(kind);
        disarm();
        snprintf(msg, sizeof msg, "%s (%s)", gdpr_strerror(rc), gdpr_errmsg());
        if (!hit) {
            ck_assert_msg(rc == GDPR_OK, "%s", msg);
            th_ok(gdpr_commit(ts.eng));
            gdpr_close(ts.eng);
            ts.eng = NULL;
            /* Every allocation point was reached and failed once. */
            ck_assert_int_eq(hits > 0, total > 0);
            return;
        }
        hits++;
        if (rc == GDPR_OK) {
            th_ok(gdpr_rollback(ts.eng));
        } else {
            ck_assert_msg(allowed(kind, rc, msg), "%s allocation %ld: unexpected %s",
                          kind_names[kind], n, msg);
            rc = gdpr_commit(ts.eng);
            if (rc == GDPR_OK) {
                /* The call undid itself alone; the earlier one stays. */
                th_digest(&ts, TH_DIGEST_SHAPE, after);
                ck_assert_msg(strcmp(after, earlier) == 0,
                              "%s allocation %ld: the failed call left rows: %s", kind_names[kind],
                              n, msg);
                undone++;
            } else {
                ck_assert_msg(rc == GDPR_ESTATE && strstr(msg, "batch was rolled back") != NULL,
                              "%s allocation %ld: batch neither kept nor reported lost: %s",
                              kind_names[kind], n, msg);
                th_digest(&ts, TH_DIGEST_SHAPE, after);
                ck_assert_msg(strcmp(after, before) == 0,
                              "%s allocation %ld: batch reported rolled back, store changed",
                              kind_names[kind], n);
                batch_lost++;
            }
        }
        th_ok(gdpr_audit_verify(ts.eng, NULL));
        gdpr_close(ts.eng);
        ts.eng = NULL;
        th_assert_integrity(&ts);
    }
    ck_abort_msg("the call never got through");
}
END_TEST

static Suite *
oom_suite(void)
{
    Suite *s = suite_create("oom");
    TCase *tc = tcase_create("oom");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 1200);
    tcase_add_loop_test(tc, every_allocation_of_every_call, 0, (int)(N_OPS * N_KINDS));
    tcase_add_loop_test(tc, unguarded_calls_in_a_batch, 0, (int)(N_UNGUARDED * N_KINDS));
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    /* Before anything touches OpenSSL or SQLite. */
    if (!CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc, ossl_free)) {
        fprintf(stderr, "CRYPTO_set_mem_functions refused (OpenSSL already allocated)\n");
        return EXIT_FAILURE;
    }
    fault_malloc_install();
    if (th_sqlite_only_suite(
            "restores SQLite file templates for every allocation point; no PostgreSQL counterpart"))
        return 77;
    return th_run(oom_suite());
}
