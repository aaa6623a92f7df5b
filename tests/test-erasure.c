/*
 * Erasure: what goes and what stays (legal holds, legal-duty retention),
 * tombstones and the call-centre answer, source hooks and their retries,
 * Art. 19 recipients, record erasure and the internal path retention
 * uses, tombstone export and import, grace periods, gdpr_wipe_file, and
 * bad input on every call leaving the store unchanged.
 * The raw-file proofs are in test-forensic.c, crashes in test-crash.c.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "shred.h"
#include "helpers.h"

#define DAY INT64_C(86400)
#define GROUND "Art. 17(1)(a) request 1"

static th_store ts;
static char over_long[300];
static char over_long_reason[600];

static void
setup(void)
{
    memset(over_long, 'x', sizeof over_long - 1);
    over_long[sizeof over_long - 1] = '\0';
    memset(over_long_reason, 'r', sizeof over_long_reason - 1);
    over_long_reason[sizeof over_long_reason - 1] = '\0';
    th_setup(&ts);
}

static void
teardown(void)
{
    th_teardown(&ts);
}

/* --- helpers ------------------------------------------------------------- */

static int64_t
put(const char *subject, const char *category, const char *purpose, const char *value)
{
    int64_t id = 0;

    th_ok(gdpr_vault_put(ts.eng, &th_agent, subject, category, purpose, value, strlen(value), &id));
    ck_assert_int_gt(id, 0);
    return id;
}

static void
assert_value(int64_t id, const char *want)
{
    void *got = NULL;
    size_t len = 0;

    th_ok(gdpr_vault_get(ts.eng, &th_agent, id, &got, &len));
    ck_assert_uint_eq(len, strlen(want));
    ck_assert_int_eq(memcmp(got, want, len), 0);
    gdpr_free(got);
}

static void
consent_with_proof(const char *subject, const char *recipient, const char *proof)
{
    gdpr_consent c = GDPR_CONSENT_INIT;

    c.subject = subject;
    c.purpose = "marketing";
    c.notice = "marketing-v2";
    c.channel = "phone";
    c.recipient = recipient;
    c.proof = proof;
    th_ok(gdpr_consent_record(ts.eng, &th_agent, &c, NULL));
}

static void
subject_hex(const char *subject, char out[65])
{
    char *hex = NULL;

    th_ok(gdpr_subject_hash(ts.eng, subject, &hex));
    snprintf(out, 65, "%s", hex);
    gdpr_free(hex);
}

static int64_t
raw_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    int64_t v;

    ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK, "%s: %s", sql,
                  sqlite3_errmsg(db));
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

/* Wrapped keys of one subject in the keystore (0 or 1). */
static int64_t
key_rows(const char *hex)
{
    char sql[200];

    snprintf(sql, sizeof sql, "SELECT count(*) FROM subject_key WHERE hash = x'%s'", hex);
    return raw_int(ts.keys, sql);
}

static int64_t
all_key_rows(void)
{
    return raw_int(ts.keys, "SELECT count(*) FROM subject_key");
}

static int64_t
rows_of(const char *table, const char *hex)
{
    char sql[400];

    /* Consent, vault and identity rows name the subject by its integer id:
     * its rows while the subject row is there, and after erasure any row
     * left without one. */
    if (strncmp(table, "consent", 7) == 0 || strcmp(table, "vault") == 0 ||
        strcmp(table, "identity") == 0)
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM %s WHERE subject_id IS NULL"
                 " OR subject_id NOT IN (SELECT id FROM subject)"
                 " OR subject_id = (SELECT id FROM subject WHERE hash = x'%s')",
                 table, hex);
    else
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE subject = x'%s'", table, hex);
    return raw_int(ts.db, sql);
}

static void
lookup(const char *subject, gdpr_tombstone *t)
{
    memset(t, 0, sizeof *t);
    t->version = GDPR_TOMBSTONE_VERSION;
    th_ok(gdpr_tombstone_lookup(ts.eng, subject, t));
}

static int
count_cb(const void *item, void *ctx)
{
    (void)item;
    (*(int *)ctx)++;
    return 0;
}

static int
count_tombstones(const gdpr_tombstone *t, void *ctx)
{
    return count_cb(t, ctx);
}

static int
count_holds(const gdpr_hold_info *h, void *ctx)
{
    return count_cb(h, ctx);
}

/* --- erasing a subject --------------------------------------------------------- */

START_TEST(erase_removes_everything)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    gdpr_erase_report r = {-1, -1, -1};
    gdpr_tombstone t;
    char alice[65], bob[65];
    char *found = NULL;
    int exists = 1, granted = 1, n = 0;
    int64_t a1 = put("alice", "contact", "service", "alice@example.com");
    int64_t a2 = put("alice", "usage", "service", "called about the invoice");
    int64_t a3 = put("alice", "contact", "marketing", "+353 1 234 5678");
    int64_t b1 = put("bob", "contact", "service", "bob@example.com");

    th_ok(gdpr_subject_link(ts.eng, &th_agent, "alice", "email", "alice@example.com"));
    consent_with_proof("alice", NULL, "call recording 2026-001");
    subject_hex("alice", alice);
    subject_hex("bob", bob);
    ck_assert_int_eq(key_rows(alice), 1);

    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "alice", GROUND, &r));
    /* 3 records, 1 identifier, 1 consent event and its current state */
    ck_assert_int_eq(r.erased, 6);
    ck_assert_int_eq(r.retained, 0);
    ck_assert_int_eq(r.sources_failed, 0);

    th_ok(gdpr_subject_exists(ts.eng, "alice", &exists));
    ck_assert_int_eq(exists, 0);
    th_assert_err(gdpr_vault_get(ts.eng, &th_agent, a1, &(void *){NULL}, &(size_t){0}),
                  GDPR_ENOTFOUND, "");
    ck_assert_int_ne(gdpr_vault_get(ts.eng, &th_agent, a2, &(void *){NULL}, &(size_t){0}), GDPR_OK);
    ck_assert_int_ne(gdpr_vault_get(ts.eng, &th_agent, a3, &(void *){NULL}, &(size_t){0}), GDPR_OK);
    ck_assert_int_eq(gdpr_subject_find_id(ts.eng, "email", "alice@example.com", &found),
                     GDPR_ENOTFOUND);
    th_ok(gdpr_consent_check(ts.eng, "alice", "marketing", ts.now, &granted));
    ck_assert_int_eq(granted, 0);
    ck_assert_int_eq(key_rows(alice), 0);
    ck_assert_int_eq(rows_of("vault", alice), 0);
    ck_assert_int_eq(rows_of("identity", alice), 0);
    ck_assert_int_eq(rows_of("consent", alice), 0);
    ck_assert_int_eq(rows_of("consent_state", alice), 0);
    ck_assert_int_eq(raw_int(ts.db, "SELECT count(*) FROM erasure_shred_queue"), 0);

    lookup("alice", &t);
    ck_assert_int_eq(t.kind, GDPR_TOMBSTONE_SUBJECT);
    ck_assert_str_eq(t.subject_hash, alice);
    ck_assert_int_eq(t.at, ts.now);
    ck_assert_str_eq(t.ground, GROUND);
    ck_assert_str_eq(t.actor, th_dpo.id);
    ck_assert_int_eq(t.erased, 6);
    ck_assert_int_eq(t.retained, 0);
    ck_assert_int_eq(t.complete, 1);
    ck_assert_int_eq(t.wiped, 1);
    ck_assert_str_eq(t.answer, "erased on 2026-01-01 under '" GROUND "'");
    /* No personal data in the tombstone: only the keyed hash. */
    ck_assert_ptr_null(strstr(t.answer, "alice"));

    /* The others are untouched. */
    assert_value(b1, "bob@example.com");
    ck_assert_int_eq(key_rows(bob), 1);
    th_ok(gdpr_tombstone_foreach(ts.eng, NULL, count_tombstones, &n));
    ck_assert_int_eq(n, 1);
    th_ok(gdpr_audit_verify(ts.eng, NULL));
    th_reopen(&ts);
    assert_value(b1, "bob@example.com");
}
END_TEST

static int
find_erase_event(const gdpr_audit_event *ev, void *ctx)
{
    if (strcmp(ev->action, "erase.subject") == 0 && ev->outcome == GDPR_OK && ev->ref &&
        strstr(ev->ref, "tombstone 1: 1 erased, 0 kept"))
        (*(int *)ctx)++;
    return 0;
}

START_TEST(erase_is_audited_and_repeatable)
{
    gdpr_erase_report r = {0, 0, 0};
    int events = 0, n = 0;

    put("alice", "contact", "service", "alice@example.com");
    th_ok(gdpr_erase_subject(ts.eng, &th_system, "alice", GROUND, &r));
    ck_assert_int_eq(r.erased, 1);
    th_ok(gdpr_audit_foreach(ts.eng, 1, find_erase_event, &events));
    ck_assert_int_eq(events, 1);
    /* Again: nothing left, nothing new, still OK. */
    r.erased = 99;
    th_ok(gdpr_erase_subject(ts.eng, &th_system, "alice", "again", &r));
    ck_assert_int_eq(r.erased, 0);
    ck_assert_int_eq(r.retained, 0);
    th_ok(gdpr_tombstone_foreach(ts.eng, "alice", count_tombstones, &n));
    ck_assert_int_eq(n, 1);
    /* A NULL report is allowed. */
    put("carol", "contact", "service", "c");
    th_ok(gdpr_erase_subject(ts.eng, &th_system, "carol", GROUND, NULL));
}
END_TEST

START_TEST(erase_bad_input_changes_nothing)
{
    const gdpr_actor bad_role = {"x", "\xff"};
    const char *list[] = {"alice", NULL};
    const char *list_unknown[] = {"alice", "nobody"};
    gdpr_erase_report r;
    char before[65], after[65];
    int exists = 0;

    put("alice", "contact", "service", "alice@example.com");
    th_fingerprint(&ts, before);
    th_assert_err(gdpr_erase_subject(NULL, &th_dpo, "alice", GROUND, &r), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_erase_subject(ts.eng, NULL, "alice", GROUND, &r), GDPR_EINVAL, "who");
    th_assert_err(gdpr_erase_subject(ts.eng, &bad_role, "alice", GROUND, &r), GDPR_EINVAL,
                  "who.role");
    th_assert_err(gdpr_erase_subject(ts.eng, &th_dpo, NULL, GROUND, &r), GDPR_EINVAL, "subject");
    th_assert_err(gdpr_erase_subject(ts.eng, &th_dpo, "", GROUND, &r), GDPR_EINVAL, "subject");
    th_assert_err(gdpr_erase_subject(ts.eng, &th_dpo, over_long, GROUND, &r), GDPR_EINVAL,
                  "subject");
    th_assert_err(gdpr_erase_subject(ts.eng, &th_dpo, "\xff", GROUND, &r), GDPR_EINVAL, "subject");
    th_assert_err(gdpr_erase_subject(ts.eng, &th_dpo, "alice", NULL, &r), GDPR_EINVAL, "ground");
    th_assert_err(gdpr_erase_subject(ts.eng, &th_dpo, "alice", "", &r), GDPR_EINVAL, "ground");
    th_assert_err(gdpr_erase_subject(ts.eng, &th_dpo, "alice", over_long, &r), GDPR_EINVAL,
                  "ground");
    th_assert_err(gdpr_erase_subject(ts.eng, &th_dpo, "alice", "\xff", &r), GDPR_EINVAL, "ground");
    th_assert_err(gdpr_erase_subject(ts.eng, &th_dpo, "nobody", GROUND, &r), GDPR_ENOTFOUND,
                  "subject");

    th_assert_err(gdpr_erase_record(NULL, &th_dpo, 1, GROUND, &r), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_erase_record(ts.eng, &th_dpo, 0, GROUND, &r), GDPR_EINVAL, "record");
    th_assert_err(gdpr_erase_record(ts.eng, &th_dpo, -5, GROUND, &r), GDPR_EINVAL, "record");
    th_assert_err(gdpr_erase_record(ts.eng, &th_dpo, 1, "\xff", &r), GDPR_EINVAL, "ground");
    th_assert_err(gdpr_erase_record(ts.eng, &th_dpo, 999, GROUND, &r), GDPR_ENOTFOUND, "record");

    th_assert_err(gdpr_erase_subjects(ts.eng, &th_dpo, NULL, 1, GROUND, &r), GDPR_EINVAL,
                  "subjects");
    th_assert_err(gdpr_erase_subjects(ts.eng, &th_dpo, list, 0, GROUND, &r), GDPR_EINVAL, "n:");
    th_assert_err(gdpr_erase_subjects(ts.eng, &th_dpo, list, 200000, GROUND, &r), GDPR_EINVAL,
                  "n:");
    th_assert_err(gdpr_erase_subjects(ts.eng, &th_dpo, list, 2, GROUND, &r), GDPR_EINVAL,
                  "subjects[1]");
    th_assert_err(gdpr_erase_subjects(ts.eng, &th_dpo, list_unknown, 2, GROUND, &r), GDPR_ENOTFOUND,
                  "subjects[1]");

    th_assert_err(gdpr_erase_retry_pending(NULL, &th_dpo, NULL), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_erase_retry_pending(ts.eng, NULL, NULL), GDPR_EINVAL, "who");
    th_assert_err(gdpr_erase_replay(NULL, &th_dpo, NULL, NULL), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_erase_replay(ts.eng, &bad_role, NULL, NULL), GDPR_EINVAL, "who.role");
    th_assert_err(gdpr_erase_pending_foreach(ts.eng, NULL, NULL), GDPR_EINVAL, "fn");
    th_assert_err(gdpr_erase_pending_foreach(NULL, NULL, NULL), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_erase_run_due(ts.eng, &th_dpo, "", NULL, NULL), GDPR_EINVAL, "ground");
    th_assert_err(gdpr_erase_run_due(ts.eng, &th_dpo, over_long, NULL, NULL), GDPR_EINVAL,
                  "ground");
    th_assert_err(gdpr_erase_run_due(ts.eng, NULL, GROUND, NULL, NULL), GDPR_EINVAL, "who");
    th_assert_err(gdpr_erase_run_due(NULL, &th_dpo, GROUND, NULL, NULL), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_tombstones_import_file(ts.eng, &th_dpo, NULL, NULL), GDPR_EINVAL, "path");
    th_assert_err(gdpr_tombstones_import_file(ts.eng, &th_dpo, over_long_reason, NULL), GDPR_EINVAL,
                  "path");

    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    th_ok(gdpr_subject_exists(ts.eng, "alice", &exists));
    ck_assert_int_eq(exists, 1);
}
END_TEST

static int
find_refusal(const gdpr_audit_event *ev, void *ctx)
{
    if (strcmp(ev->action, "erase.subject") == 0 && ev->outcome == GDPR_EDENIED)
        (*(int *)ctx)++;
    return 0;
}

START_TEST(erase_denied_is_audited)
{
    int refusals = 0, exists = 0;
    int64_t id = put("alice", "contact", "service", "alice@example.com");

    th_assert_err(gdpr_erase_subject(ts.eng, &th_agent, "alice", GROUND, NULL), GDPR_EDENIED,
                  "erase.subject");
    th_assert_err(gdpr_erase_record(ts.eng, &th_agent, id, GROUND, NULL), GDPR_EDENIED,
                  "erase.subject");
    th_ok(gdpr_audit_foreach(ts.eng, 1, find_refusal, &refusals));
    ck_assert_int_eq(refusals, 2);
    th_ok(gdpr_subject_exists(ts.eng, "alice", &exists));
    ck_assert_int_eq(exists, 1);
    assert_value(id, "alice@example.com");
}
END_TEST

/* --- dry run ------------------------------------------------------------- */

typedef struct {
    int n, erase, hold, duty, stop_after;
    int64_t hold_record, hold_id, hold_until, duty_record, duty_until;
    char duty_rule[32];
} plan_seen;

static int
see_plan(const gdpr_erase_plan_item *it, void *ctx)
{
    plan_seen *p = ctx;

    ck_assert_uint_eq(it->version, GDPR_ERASE_PLAN_ITEM_VERSION);
    ck_assert_ptr_nonnull(it->category);
    ck_assert_ptr_nonnull(it->purpose);
    ck_assert_ptr_nonnull(it->rule);
    p->n++;
    if (it->action == GDPR_ERASE_PLAN_ERASE) {
        ck_assert_int_eq(it->reason, GDPR_ERASE_KEEP_NONE);
        ck_assert_int_eq(it->until, 0);
        p->erase++;
    } else if (it->reason == GDPR_ERASE_KEEP_HOLD) {
        ck_assert_int_eq(it->action, GDPR_ERASE_PLAN_KEEP);
        p->hold++;
        p->hold_record = it->record;
        p->hold_id = it->hold;
        p->hold_until = it->until;
    } else {
        ck_assert_int_eq(it->action, GDPR_ERASE_PLAN_KEEP);
        ck_assert_int_eq(it->reason, GDPR_ERASE_KEEP_LEGAL_DUTY);
        ck_assert_int_eq(it->hold, 0);
        p->duty++;
        p->duty_record = it->record;
        p->duty_until = it->until;
        snprintf(p->duty_rule, sizeof p->duty_rule, "%s", it->rule);
    }
    return p->stop_after != 0 && p->n >= p->stop_after;
}

START_TEST(plan_says_what_stays)
{
    gdpr_hold h = GDPR_HOLD_INIT;
    gdpr_erase_report r = {0, 0, 0};
    plan_seen p;
    char before[65], after[65];
    int64_t inv = put("alice", "financial", "billing", "INV-2026-001");
    int64_t held = put("alice", "contact", "service", "alice@example.com");
    int64_t hold = 0;

    put("alice", "contact", "marketing", "+353 1 234 5678");
    put("bob", "contact", "service", "bob@example.com");
    h.scope = GDPR_HOLD_RECORD;
    h.record = held;
    h.reason = "Complaint C-9";
    h.until = ts.now + 30 * DAY;
    th_ok(gdpr_hold_place(ts.eng, &th_dpo, &h, &hold));

    th_fingerprint(&ts, before);
    memset(&p, 0, sizeof p);
    th_ok(gdpr_erase_plan(ts.eng, &th_dpo, "alice", see_plan, &p));
    ck_assert_int_eq(p.n, 3);
    ck_assert_int_eq(p.erase, 1);
    ck_assert_int_eq(p.hold, 1);
    ck_assert_int_eq(p.hold_record, held);
    ck_assert_int_eq(p.hold_id, hold);
    ck_assert_int_eq(p.hold_until, ts.now + 30 * DAY);
    ck_assert_int_eq(p.duty, 1);
    ck_assert_int_eq(p.duty_record, inv);
    ck_assert_str_eq(p.duty_rule, "R-1");
    ck_assert_int_gt(p.duty_until, ts.now + 5 * 365 * DAY);
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);

    /* A callback asking to stop. */
    memset(&p, 0, sizeof p);
    p.stop_after = 1;
    th_assert_err(gdpr_erase_plan(ts.eng, &th_dpo, "alice", see_plan, &p), GDPR_ECALLBACK, "");
    ck_assert_int_eq(p.n, 1);

    /* The erasure does what the plan said. */
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "alice", GROUND, &r));
    ck_assert_int_eq(r.retained, 2);

    /* A whole-subject hold keeps everything under that hold. */
    h.scope = GDPR_HOLD_SUBJECT;
    h.subject = "bob";
    h.record = 0;
    th_ok(gdpr_hold_place(ts.eng, &th_dpo, &h, &hold));
    memset(&p, 0, sizeof p);
    th_ok(gdpr_erase_plan(ts.eng, &th_dpo, "bob", see_plan, &p));
    ck_assert_int_eq(p.n, 1);
    ck_assert_int_eq(p.hold, 1);
    ck_assert_int_eq(p.hold_id, hold);
}
END_TEST

START_TEST(plan_bad_input_changes_nothing)
{
    const gdpr_actor bad_role = {"x", "\xff"};
    plan_seen p;
    char before[65], after[65];
    int refusals = 0;
    int64_t id = put("alice", "contact", "service", "alice@example.com");

    memset(&p, 0, sizeof p);
    th_fingerprint(&ts, before);
    th_assert_err(gdpr_erase_plan(NULL, &th_dpo, "alice", see_plan, &p), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_erase_plan(ts.eng, NULL, "alice", see_plan, &p), GDPR_EINVAL, "who");
    th_assert_err(gdpr_erase_plan(ts.eng, &bad_role, "alice", see_plan, &p), GDPR_EINVAL,
                  "who.role");
    th_assert_err(gdpr_erase_plan(ts.eng, &th_dpo, NULL, see_plan, &p), GDPR_EINVAL, "subject");
    th_assert_err(gdpr_erase_plan(ts.eng, &th_dpo, "", see_plan, &p), GDPR_EINVAL, "subject");
    th_assert_err(gdpr_erase_plan(ts.eng, &th_dpo, over_long, see_plan, &p), GDPR_EINVAL,
                  "subject");
    th_assert_err(gdpr_erase_plan(ts.eng, &th_dpo, "\xff", see_plan, &p), GDPR_EINVAL, "subject");
    th_assert_err(gdpr_erase_plan(ts.eng, &th_dpo, "alice", NULL, &p), GDPR_EINVAL, "fn");
    th_assert_err(gdpr_erase_plan(ts.eng, &th_dpo, "nobody", see_plan, &p), GDPR_ENOTFOUND,
                  "subject");
    ck_assert_int_eq(p.n, 0);
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);

    /* A role without "erase.subject": refused and audited, data untouched. */
    th_assert_err(gdpr_erase_plan(ts.eng, &th_agent, "alice", see_plan, &p), GDPR_EDENIED,
                  "erase.subject");
    ck_assert_int_eq(p.n, 0);
    th_ok(gdpr_audit_foreach(ts.eng, 1, find_refusal, &refusals));
    ck_assert_int_eq(refusals, 1);
    assert_value(id, "alice@example.com");
}
END_TEST

START_TEST(erase_refused_inside_batch)
{
    int exists = 0;
    int64_t id = put("alice", "contact", "service", "alice@example.com");

    th_ok(gdpr_begin(ts.eng));
    th_assert_err(gdpr_erase_subject(ts.eng, &th_dpo, "alice", GROUND, NULL), GDPR_ESTATE, "batch");
    th_assert_err(gdpr_erase_record(ts.eng, &th_dpo, id, GROUND, NULL), GDPR_ESTATE, "batch");
    th_assert_err(gdpr_erase_retry_pending(ts.eng, &th_dpo, NULL), GDPR_ESTATE, "batch");
    th_ok(gdpr_rollback(ts.eng));
    th_ok(gdpr_subject_exists(ts.eng, "alice", &exists));
    ck_assert_int_eq(exists, 1);
}
END_TEST

START_TEST(erase_needs_a_policy)
{
    th_store bare;

    th_setup_bare(&bare);
    th_assert_err(gdpr_erase_subject(bare.eng, &th_dpo, "alice", GROUND, NULL), GDPR_ESTATE,
                  "policy");
    th_teardown(&bare);
}
END_TEST

START_TEST(erase_many_at_once)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    const char *list[] = {"s1", "s2", "s1", "s3"};
    gdpr_erase_report r = {0, 0, 0};
    int64_t keep = put("s4", "contact", "service", "four");
    int exists = 1;

    put("s1", "contact", "service", "one");
    put("s2", "contact", "service", "two");
    put("s2", "usage", "service", "two again");
    put("s3", "contact", "service", "three");
    th_ok(gdpr_erase_subjects(ts.eng, &th_dpo, list, 4, "batch of requests", &r));
    ck_assert_int_eq(r.erased, 4);
    for (int i = 1; i <= 3; i++) {
        char id[8];
        gdpr_tombstone t;
        snprintf(id, sizeof id, "s%d", i);
        th_ok(gdpr_subject_exists(ts.eng, id, &exists));
        ck_assert_int_eq(exists, 0);
        lookup(id, &t);
        ck_assert_int_eq(t.complete, 1);
    }
    assert_value(keep, "four");
    ck_assert_int_eq(all_key_rows(), 1);
}
END_TEST

/* --- exemptions -------------------------------------------------------------------- */

static int
first_kept(const gdpr_tombstone_kept *k, void *ctx)
{
    *(gdpr_tombstone_kept *)ctx = *k;
    ((gdpr_tombstone_kept *)ctx)->rule = strcmp(k->rule, "R-1") == 0 ? "R-1" : "other";
    ((gdpr_tombstone_kept *)ctx)->reason =
        strcmp(k->reason, "legal_duty") == 0 ? "legal_duty" : "hold";
    return 0;
}

START_TEST(legal_duty_keeps_and_restricts)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    gdpr_erase_report r = {0, 0, 0};
    gdpr_tombstone t;
    gdpr_tombstone_kept k;
    unsigned int limits = 0;
    int exists = 0, allowed = 1;
    int64_t inv = put("alice", "financial", "billing", "INV-2026-001 IE29AIBK93115212345678");
    int64_t mkt = put("alice", "contact", "marketing", "alice@example.com");
    int64_t svc = put("alice", "contact", "service", "+353 1 234 5678");
    char alice[65];
    void *v = NULL;
    size_t len = 0;

    subject_hex("alice", alice);
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "alice", GROUND, &r));
    ck_assert_int_eq(r.erased, 2);
    ck_assert_int_eq(r.retained, 1);

    /* Kept: restricted to storage. */
    th_assert_err(gdpr_vault_get(ts.eng, &th_dpo, inv, &v, &len), GDPR_ESTATE, "restricted");
    th_assert_err(gdpr_vault_get(ts.eng, &th_dpo, mkt, &v, &len), GDPR_ENOTFOUND, "");
    th_assert_err(gdpr_vault_get(ts.eng, &th_dpo, svc, &v, &len), GDPR_ENOTFOUND, "");
    th_ok(gdpr_subject_exists(ts.eng, "alice", &exists));
    ck_assert_int_eq(exists, 1);
    ck_assert_int_eq(key_rows(alice), 1);
    th_ok(gdpr_subject_limits(ts.eng, "alice", &limits));
    ck_assert_uint_eq(limits & GDPR_SUBJECT_RESTRICTED, GDPR_SUBJECT_RESTRICTED);
    th_ok(gdpr_may_process(ts.eng, "alice", "billing", ts.now, &allowed, NULL));
    ck_assert_int_eq(allowed, 0);

    lookup("alice", &t);
    ck_assert_int_eq(t.complete, 0);
    ck_assert_int_eq(t.retained, 1);
    ck_assert_int_eq(t.kept_now, 1);
    ck_assert_int_gt(t.kept_until, ts.now + 5 * 365 * DAY);
    ck_assert_msg(strstr(t.answer, "1 record kept under legal duty until 20") != NULL, "%s",
                  t.answer);
    memset(&k, 0, sizeof k);
    th_ok(gdpr_tombstone_kept_foreach(ts.eng, t.id, first_kept, &k));
    ck_assert_int_eq(k.record, inv);
    ck_assert_str_eq(k.reason, "legal_duty");
    ck_assert_str_eq(k.rule, "R-1");
    ck_assert_int_eq(k.until, t.kept_until);
    ck_assert_int_eq(k.erased_at, 0);

    /* Erasing the kept record is refused while the duty runs. */
    th_assert_err(gdpr_erase_record(ts.eng, &th_dpo, inv, GROUND, &r), GDPR_ESTATE, "R-1");
    ck_assert_int_eq(r.retained, 1);
    ck_assert_int_eq(r.erased, 0);

    /* Once it has run out, the record goes and takes the subject and key. */
    ts.now = t.kept_until + 1;
    th_ok(gdpr_erase_record(ts.eng, &th_system, inv, "retention rule R-1", &r));
    ck_assert_int_eq(r.erased, 1);
    th_ok(gdpr_subject_exists(ts.eng, "alice", &exists));
    ck_assert_int_eq(exists, 0);
    ck_assert_int_eq(key_rows(alice), 0);
    lookup("alice", &t);
    ck_assert_int_eq(t.kind, GDPR_TOMBSTONE_SUBJECT);
    ck_assert_int_eq(t.complete, 1);
    ck_assert_int_eq(t.kept_now, 0);
    ck_assert_str_eq(t.answer, "erased on 2026-01-01 under '" GROUND "'");
    th_ok(gdpr_audit_verify(ts.eng, NULL));
}
END_TEST

/* A second erasure of a subject that kept records: the tombstone answer
 * keeps the first ground and lists the later one. */
START_TEST(second_erasure_keeps_first_ground)
{
    gdpr_erase_report r = {0, 0, 0};
    gdpr_tombstone t;

    put("alice", "financial", "billing", "INV-2026-001");
    put("alice", "contact", "service", "alice@example.com");
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "alice", GROUND, &r));
    ck_assert_int_eq(r.retained, 1);
    lookup("alice", &t);
    ck_assert_str_eq(t.ground, GROUND);
    ck_assert_msg(strncmp(t.answer, "erased on 2026-01-01 under '" GROUND "'; 1 record kept", 60) ==
                      0,
                  "%s", t.answer);

    ts.now += 3 * DAY;
    put("alice", "contact", "service", "alice@new.example");
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "alice", "Art. 17(1)(d) complaint 7", &r));
    ck_assert_int_eq(r.erased, 1);
    lookup("alice", &t);
    ck_assert_str_eq(t.ground, GROUND);
    ck_assert_msg(strstr(t.answer,
                         "erased on 2026-01-01 under '" GROUND "'; asked again on 2026-01-04 under "
                         "'Art. 17(1)(d) complaint 7'; 1 record kept under legal duty") == t.answer,
                  "%s", t.answer);

    /* A third one is listed too; the first ground stays. */
    ts.now += DAY;
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "alice", "Art. 21 objection", &r));
    lookup("alice", &t);
    ck_assert_str_eq(t.ground, GROUND);
    ck_assert_msg(strstr(t.answer, "'Art. 17(1)(d) complaint 7'; asked again on 2026-01-05 under "
                                   "'Art. 21 objection'") != NULL,
                  "%s", t.answer);
}
END_TEST

typedef struct {
    int64_t released_at;
    char reason[64], by[64];
} release_seen;

static int
see_release(const gdpr_hold_info *h, void *ctx)
{
    release_seen *s = ctx;

    s->released_at = h->released_at;
    snprintf(s->reason, sizeof s->reason, "%s", h->release_reason);
    snprintf(s->by, sizeof s->by, "%s", h->released_by);
    return 0;
}

START_TEST(subject_hold_blocks_everything)
{
    gdpr_hold h = GDPR_HOLD_INIT;
    int64_t hold = 0, id = put("alice", "contact", "service", "alice@example.com");
    gdpr_erase_report r = {0, 0, 0};
    int n = 0, exists = 0;

    h.scope = GDPR_HOLD_SUBJECT;
    h.subject = "alice";
    h.reason = "Case 2026-17: claim under the service contract";
    h.until = ts.now + 90 * DAY;
    th_ok(gdpr_hold_place(ts.eng, &th_dpo, &h, &hold));
    ck_assert_int_eq(hold, 1);
    th_assert_err(gdpr_erase_subject(ts.eng, &th_dpo, "alice", GROUND, &r), GDPR_ESTATE, "hold 1");
    th_assert_err(gdpr_erase_record(ts.eng, &th_dpo, id, GROUND, &r), GDPR_ESTATE, "hold 1");
    assert_value(id, "alice@example.com");
    th_ok(gdpr_hold_foreach(ts.eng, 0, count_holds, &n));
    ck_assert_int_eq(n, 1);

    th_ok(gdpr_hold_release(ts.eng, &th_dpo, hold, "claim settled"));
    n = 0;
    th_ok(gdpr_hold_foreach(ts.eng, 0, count_holds, &n));
    ck_assert_int_eq(n, 0);
    n = 0;
    th_ok(gdpr_hold_foreach(ts.eng, GDPR_HOLD_LIST_ALL, count_holds, &n));
    ck_assert_int_eq(n, 1);
    {
        release_seen s;
        memset(&s, 0, sizeof s);
        th_ok(gdpr_hold_foreach(ts.eng, GDPR_HOLD_LIST_ALL, see_release, &s));
        ck_assert_int_eq(s.released_at, ts.now);
        ck_assert_str_eq(s.reason, "claim settled");
        ck_assert_str_eq(s.by, th_dpo.id);
    }
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "alice", GROUND, &r));
    ck_assert_int_eq(r.erased, 1);
    th_ok(gdpr_subject_exists(ts.eng, "alice", &exists));
    ck_assert_int_eq(exists, 0);
}
END_TEST

typedef struct {
    int holds, legal;
    int64_t records[8];
    int n;
} kept_list;

static int
list_kept(const gdpr_tombstone_kept *k, void *ctx)
{
    kept_list *l = ctx;

    if (strcmp(k->reason, "hold") == 0)
        l->holds++;
    else
        l->legal++;
    ck_assert_msg(strncmp(k->rule, "hold ", 5) == 0 || strcmp(k->rule, "R-1") == 0, "%s", k->rule);
    if (l->n < 8)
        l->records[l->n++] = k->record;
    return 0;
}

START_TEST(record_and_category_holds_keep_what_they_cover)
{
    gdpr_hold h = GDPR_HOLD_INIT;
    gdpr_erase_report r = {0, 0, 0};
    gdpr_tombstone t;
    kept_list l;
    int64_t s = put("alice", "contact", "service", "alice@example.com");
    int64_t u = put("alice", "usage", "service", "call note");
    int64_t m = put("alice", "contact", "marketing", "+353 1");
    int64_t bu = put("bob", "usage", "service", "bob's call note");
    int64_t bs = put("bob", "contact", "service", "bob@example.com");
    int exists = 1;

    h.scope = GDPR_HOLD_RECORD;
    h.record = s;
    h.reason = "Complaint C-9 about this address";
    h.until = ts.now + 30 * DAY;
    th_ok(gdpr_hold_place(ts.eng, &th_dpo, &h, NULL));
    h.scope = GDPR_HOLD_CATEGORY;
    h.record = 0;
    h.category = "usage";
    h.reason = "Regulator's audit of call handling";
    h.until = ts.now + 60 * DAY;
    th_ok(gdpr_hold_place(ts.eng, &th_dpo, &h, NULL));

    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "alice", GROUND, &r));
    ck_assert_int_eq(r.retained, 2);
    ck_assert_int_eq(r.erased, 1);
    /* Kept for a legal claim: storage only, like a legal duty. */
    th_assert_err(gdpr_vault_get(ts.eng, &th_dpo, s, &(void *){NULL}, &(size_t){0}), GDPR_ESTATE,
                  "hold 1");
    memset(&l, 0, sizeof l);
    lookup("alice", &t);
    th_ok(gdpr_tombstone_kept_foreach(ts.eng, t.id, list_kept, &l));
    ck_assert_int_eq(l.holds, 2);
    ck_assert_int_eq(l.legal, 0);
    ck_assert_msg(strstr(t.answer, "2 records kept under legal hold until 2026-03-02") != NULL,
                  "%s", t.answer);
    th_assert_err(gdpr_vault_get(ts.eng, &th_dpo, m, &(void *){NULL}, &(size_t){0}), GDPR_ENOTFOUND,
                  "");
    (void)u;

    /* The category hold covers every subject. */
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "bob", GROUND, &r));
    ck_assert_int_eq(r.retained, 1);
    ck_assert_int_eq(r.erased, 1);
    th_assert_err(gdpr_vault_get(ts.eng, &th_dpo, bs, &(void *){NULL}, &(size_t){0}),
                  GDPR_ENOTFOUND, "");
    (void)bu;

    /* Holds end by themselves: erase again after them. */
    ts.now += 61 * DAY;
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "alice", "holds ended", &r));
    ck_assert_int_eq(r.erased, 2);
    ck_assert_int_eq(r.retained, 0);
    th_ok(gdpr_subject_exists(ts.eng, "alice", &exists));
    ck_assert_int_eq(exists, 0);
    lookup("alice", &t);
    ck_assert_int_eq(t.complete, 1);
}
END_TEST

START_TEST(hold_bad_input_changes_nothing)
{
    gdpr_hold h = GDPR_HOLD_INIT;
    char before[65], after[65];
    int64_t id = put("alice", "contact", "service", "a");

    th_fingerprint(&ts, before);
    h.scope = GDPR_HOLD_SUBJECT;
    h.subject = "alice";
    h.reason = "Case 1";
    h.until = ts.now + DAY;
    th_assert_err(gdpr_hold_place(NULL, &th_dpo, &h, NULL), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_hold_place(ts.eng, NULL, &h, NULL), GDPR_EINVAL, "who");
    th_assert_err(gdpr_hold_place(ts.eng, &th_dpo, NULL, NULL), GDPR_EINVAL, "hold");
    h.version = 0;
    th_assert_err(gdpr_hold_place(ts.eng, &th_dpo, &h, NULL), GDPR_EVERSION, "hold.version");
    h.version = 99;
    th_assert_err(gdpr_hold_place(ts.eng, &th_dpo, &h, NULL), GDPR_EVERSION, "hold.version");
    h.version = GDPR_HOLD_VERSION;
    h.scope = (gdpr_hold_scope)0;
    th_assert_err(gdpr_hold_place(ts.eng, &th_dpo, &h, NULL), GDPR_EINVAL, "hold.scope");
    h.scope = GDPR_HOLD_SUBJECT;
    h.subject = NULL;
    th_assert_err(gdpr_hold_place(ts.eng, &th_dpo, &h, NULL), GDPR_EINVAL, "hold.subject");
    h.subject = over_long;
    th_assert_err(gdpr_hold_place(ts.eng, &th_dpo, &h, NULL), GDPR_EINVAL, "hold.subject");
    h.subject = "\xff";
    th_assert_err(gdpr_hold_place(ts.eng, &th_dpo, &h, NULL), GDPR_EINVAL, "hold.subject");
    h.subject = "alice";
    h.record = id;
    th_assert_err(gdpr_hold_place(ts.eng, &th_dpo, &h, NULL), GDPR_EINVAL, "hold.record");
    h.record = 0;
    h.category = "contact";
    th_assert_err(gdpr_hold_place(ts.eng, &th_dpo, &h, NULL), GDPR_EINVAL, "hold.category");
    h.category = NULL;
    h.reason = NULL;
    th_assert_err(gdpr_hold_place(ts.eng, &th_dpo, &h, NULL), GDPR_EINVAL, "hold.reason");
    h.reason = "";
    th_assert_err(gdpr_hold_place(ts.eng, &th_dpo, &h, NULL), GDPR_EINVAL, "hold.reason");
    h.reason = over_long_reason;
    th_assert_err(gdpr_hold_place(ts.eng, &th_dpo, &h, NULL), GDPR_EINVAL, "hold.reason");
    h.reason = "bad \xff";
    th_assert_err(gdpr_hold_place(ts.eng, &th_dpo, &h, NULL), GDPR_EINVAL, "hold.reason");
    h.reason = "Case 1";
    h.until = ts.now;
    th_assert_err(gdpr_hold_place(ts.eng, &th_dpo, &h, NULL), GDPR_EINVAL, "hold.until");
    h.until = -1;
    th_assert_err(gdpr_hold_place(ts.eng, &th_dpo, &h, NULL), GDPR_EINVAL, "hold.until");
    h.until = INT64_C(300000000000);
    th_assert_err(gdpr_hold_place(ts.eng, &th_dpo, &h, NULL), GDPR_EINVAL, "hold.until");
    h.until = ts.now + DAY;
    h.subject = "nobody";
    th_assert_err(gdpr_hold_place(ts.eng, &th_dpo, &h, NULL), GDPR_ENOTFOUND, "hold.subject");
    h.scope = GDPR_HOLD_RECORD;
    h.subject = NULL;
    h.record = 0;
    th_assert_err(gdpr_hold_place(ts.eng, &th_dpo, &h, NULL), GDPR_EINVAL, "hold.record");
    h.record = 999;
    th_assert_err(gdpr_hold_place(ts.eng, &th_dpo, &h, NULL), GDPR_ENOTFOUND, "hold.record");
    h.subject = "alice";
    h.record = id;
    th_assert_err(gdpr_hold_place(ts.eng, &th_dpo, &h, NULL), GDPR_EINVAL, "hold.subject");
    h.scope = GDPR_HOLD_CATEGORY;
    h.subject = NULL;
    h.record = 0;
    h.category = "nonsense";
    th_assert_err(gdpr_hold_place(ts.eng, &th_dpo, &h, NULL), GDPR_EINVAL,
                  "not a category of the policy");
    h.category = NULL;
    th_assert_err(gdpr_hold_place(ts.eng, &th_dpo, &h, NULL), GDPR_EINVAL, "hold.category");
    th_assert_err(gdpr_hold_release(ts.eng, &th_dpo, 0, NULL), GDPR_EINVAL, "hold");
    th_assert_err(gdpr_hold_release(ts.eng, &th_dpo, 1, over_long_reason), GDPR_EINVAL, "reason");
    th_assert_err(gdpr_hold_release(ts.eng, &th_dpo, 42, NULL), GDPR_ENOTFOUND, "hold");
    th_assert_err(gdpr_hold_foreach(ts.eng, 0, NULL, NULL), GDPR_EINVAL, "fn");
    th_assert_err(gdpr_hold_foreach(ts.eng, 0x80, count_holds, NULL), GDPR_EINVAL, "flags");
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
}
END_TEST

START_TEST(hold_needs_the_dpo)
{
    gdpr_hold h = GDPR_HOLD_INIT;
    int64_t hold = 0;

    put("alice", "contact", "service", "a");
    h.scope = GDPR_HOLD_SUBJECT;
    h.subject = "alice";
    h.reason = "Case 1";
    h.until = ts.now + DAY;
    th_assert_err(gdpr_hold_place(ts.eng, &th_agent, &h, NULL), GDPR_EDENIED, "hold.manage");
    th_ok(gdpr_hold_place(ts.eng, &th_dpo, &h, &hold));
    th_assert_err(gdpr_hold_release(ts.eng, &th_agent, hold, NULL), GDPR_EDENIED, "hold.manage");
    th_ok(gdpr_hold_release(ts.eng, &th_dpo, hold, NULL));
    th_assert_err(gdpr_hold_release(ts.eng, &th_dpo, hold, NULL), GDPR_ESTATE, "released already");
}
END_TEST

/* --- sources ------------------------------------------------------------------------ */

typedef struct {
    int calls;
    int fail_first;
    char last[64];
} hook_state;

static int
no_export(const char *subject, gdpr_source_writer *w, void *ctx)
{
    (void)subject;
    (void)w;
    (void)ctx;
    return 0;
}

static int
erase_hook(const char *subject, void *ctx)
{
    hook_state *h = ctx;

    h->calls++;
    snprintf(h->last, sizeof h->last, "%s", subject);
    if (h->fail_first > 0) {
        h->fail_first--;
        return 7;
    }
    return 0;
}

static void
register_source(const char *name, gdpr_source_erase_fn erase, hook_state *h)
{
    gdpr_source src = GDPR_SOURCE_INIT;

    src.name = name;
    src.export_items = no_export;
    src.erase = erase;
    src.ctx = h;
    th_ok(gdpr_source_register(ts.eng, &th_dpo, &src));
}

typedef struct {
    int sources, keys, checkpoints;
    char source[64], error[96];
    int attempts;
} pending_seen;

static int
see_pending(const gdpr_erase_pending *p, void *ctx)
{
    pending_seen *s = ctx;

    if (p->kind == GDPR_PENDING_SOURCE) {
        s->sources++;
        snprintf(s->source, sizeof s->source, "%s", p->source);
        snprintf(s->error, sizeof s->error, "%s", p->last_error);
        s->attempts = p->attempts;
        ck_assert_int_eq(strlen(p->subject_hash), 64);
    } else if (p->kind == GDPR_PENDING_KEY) {
        s->keys++;
    } else {
        s->checkpoints++;
    }
    return 0;
}

START_TEST(source_hooks_called_and_retried)
{
    TH_SQLITE_ONLY("reads the keystore file");
    hook_state tickets = {0, 1, ""}, orders = {0, 0, ""};
    gdpr_erase_report r = {0, 0, 0};
    pending_seen seen;
    gdpr_tombstone t;
    int remaining = -1;
    int64_t keys_before;

    put("bob", "contact", "service", "bob");
    put("alice", "contact", "service", "alice@example.com");
    register_source("tickets", erase_hook, &tickets);
    register_source("orders", erase_hook, &orders);
    keys_before = all_key_rows();

    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "alice", GROUND, &r));
    ck_assert_int_eq(r.sources_failed, 1);
    ck_assert_int_eq(tickets.calls, 1);
    ck_assert_int_eq(orders.calls, 1);
    ck_assert_str_eq(orders.last, "alice");
    memset(&seen, 0, sizeof seen);
    th_ok(gdpr_erase_pending_foreach(ts.eng, see_pending, &seen));
    ck_assert_int_eq(seen.sources, 1);
    ck_assert_str_eq(seen.source, "tickets");
    ck_assert_str_eq(seen.error, "hook returned 7");
    ck_assert_int_eq(seen.attempts, 1);
    lookup("alice", &t);
    ck_assert_int_eq(t.sources_failed, 1);
    ck_assert_msg(strstr(t.answer, "erasure in 1 host system still pending") != NULL, "%s",
                  t.answer);
    /* The subject's key is gone; one key of its own keeps the id for the retry. */
    ck_assert_int_eq(all_key_rows(), keys_before);

    th_ok(gdpr_erase_retry_pending(ts.eng, &th_dpo, &remaining));
    ck_assert_int_eq(remaining, 0);
    ck_assert_int_eq(tickets.calls, 2);
    ck_assert_str_eq(tickets.last, "alice");
    memset(&seen, 0, sizeof seen);
    th_ok(gdpr_erase_pending_foreach(ts.eng, see_pending, &seen));
    ck_assert_int_eq(seen.sources + seen.keys + seen.checkpoints, 0);
    ck_assert_int_eq(all_key_rows(), keys_before - 1);
    lookup("alice", &t);
    ck_assert_int_eq(t.sources_failed, 0);
    ck_assert_str_eq(t.answer, "erased on 2026-01-01 under '" GROUND "'");
}
END_TEST

START_TEST(source_without_hook_stays_pending)
{
    hook_state later = {0, 0, ""};
    gdpr_erase_report r = {0, 0, 0};
    pending_seen seen;
    int remaining = 0;

    put("alice", "contact", "service", "a");
    register_source("archive", NULL, NULL);
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "alice", GROUND, &r));
    ck_assert_int_eq(r.sources_failed, 1);
    memset(&seen, 0, sizeof seen);
    th_ok(gdpr_erase_pending_foreach(ts.eng, see_pending, &seen));
    ck_assert_str_eq(seen.error, "source has no erase hook");

    th_ok(gdpr_source_unregister(ts.eng, &th_dpo, "archive"));
    th_ok(gdpr_erase_retry_pending(ts.eng, &th_dpo, &remaining));
    ck_assert_int_eq(remaining, 1);
    memset(&seen, 0, sizeof seen);
    th_ok(gdpr_erase_pending_foreach(ts.eng, see_pending, &seen));
    ck_assert_str_eq(seen.error, "source not registered now");
    ck_assert_int_eq(seen.attempts, 2);

    /* Survives a restart: registrations are per engine, pending items are not. */
    th_reopen(&ts);
    register_source("archive", erase_hook, &later);
    th_ok(gdpr_erase_retry_pending(ts.eng, &th_dpo, &remaining));
    ck_assert_int_eq(remaining, 0);
    ck_assert_int_eq(later.calls, 1);
    ck_assert_str_eq(later.last, "alice");
}
END_TEST

typedef struct {
    int n;
    int mailer, revenue;
} recipients_seen;

static int
see_recipient(const gdpr_erase_recipient *r, void *ctx)
{
    recipients_seen *s = ctx;

    s->n++;
    if (strcmp(r->recipient, "mailer-eu") == 0) {
        ck_assert_str_eq(r->name, "Mailer GmbH");
        s->mailer = (int)r->disclosures;
    }
    if (strcmp(r->recipient, "revenue") == 0)
        s->revenue = (int)r->disclosures;
    return 0;
}

START_TEST(art19_recipients_listed)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    recipients_seen seen = {0, 0, 0};
    gdpr_tombstone t;

    put("alice", "financial", "billing", "INV-1");
    consent_with_proof("alice", "mailer-eu", NULL);
    th_ok(gdpr_disclosure_record(ts.eng, &th_agent, "alice", "mailer-eu", "marketing", NULL));
    th_ok(gdpr_disclosure_record(ts.eng, &th_agent, "alice", "mailer-eu", "marketing", NULL));
    th_ok(gdpr_disclosure_record(ts.eng, &th_agent, "alice", "revenue", "billing", NULL));
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "alice", GROUND, NULL));
    lookup("alice", &t);
    ck_assert_int_eq(t.recipients, 2);
    th_ok(gdpr_erase_recipients_foreach(ts.eng, t.id, see_recipient, &seen));
    ck_assert_int_eq(seen.n, 2);
    ck_assert_int_eq(seen.mailer, 2);
    ck_assert_int_eq(seen.revenue, 1);
    /* The disclosure log itself is gone. */
    ck_assert_int_eq(raw_int(ts.db, "SELECT count(*) FROM disclosure"), 0);
    th_assert_err(gdpr_erase_recipients_foreach(ts.eng, 0, see_recipient, &seen), GDPR_EINVAL,
                  "tombstone");
    th_assert_err(gdpr_erase_recipients_foreach(ts.eng, 99, see_recipient, &seen), GDPR_ENOTFOUND,
                  "tombstone");
    th_assert_err(gdpr_erase_recipients_foreach(ts.eng, t.id, NULL, NULL), GDPR_EINVAL, "fn");
}
END_TEST

/* --- records ---------------------------------------------------------------------------- */

START_TEST(erase_record_writes_record_tombstone)
{
    gdpr_erase_report r = {0, 0, 0};
    gdpr_tombstone t;
    int64_t m1 = put("alice", "contact", "marketing", "one");
    int64_t m2 = put("alice", "contact", "marketing", "two");
    int64_t s = put("alice", "contact", "service", "three");
    int n = 0;

    th_ok(gdpr_erase_record(ts.eng, &th_system, m1, "retention rule R-2", &r));
    ck_assert_int_eq(r.erased, 1);
    th_ok(gdpr_erase_record(ts.eng, &th_system, m2, "retention rule R-2", &r));
    lookup("alice", &t);
    ck_assert_int_eq(t.kind, GDPR_TOMBSTONE_RECORD);
    ck_assert_int_eq(t.erased, 2);
    ck_assert_str_eq(t.answer, "2 records erased on 2026-01-01 under 'retention rule R-2'");
    ck_assert_int_eq(t.wiped, 1);
    assert_value(s, "three");
    /* Another day, another tombstone. */
    ts.now += DAY;
    th_ok(gdpr_erase_record(ts.eng, &th_system, s, "retention rule R-2", &r));
    th_ok(gdpr_tombstone_foreach(ts.eng, "alice", count_tombstones, &n));
    ck_assert_int_eq(n, 2);
    /* The subject itself stays: only whole-subject erasure removes it. */
    th_ok(gdpr_subject_exists(ts.eng, "alice", &n));
    ck_assert_int_eq(n, 1);
}
END_TEST

START_TEST(internal_record_path_for_retention)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    gdpr_hold h = GDPR_HOLD_INIT;
    int64_t due = put("alice", "contact", "marketing", "due");
    int64_t held = put("alice", "contact", "service", "held");
    int64_t duty = put("alice", "financial", "billing", "duty");
    int outcome = 0, rc;

    h.scope = GDPR_HOLD_RECORD;
    h.record = held;
    h.reason = "Case 3";
    h.until = ts.now + DAY;
    th_ok(gdpr_hold_place(ts.eng, &th_dpo, &h, NULL));

    gdpr_engine__lock(ts.eng);
    th_ok(gdpr_engine__begin(ts.eng));
    th_ok(gdpr_shred__record_locked(ts.eng, &th_system, due, "retention rule R-2", SHRED_QUIET,
                                    &outcome));
    ck_assert_int_eq(outcome, SHRED_ERASED);
    th_assert_err(gdpr_shred__record_locked(ts.eng, &th_system, held, "retention rule R-2",
                                            SHRED_QUIET, &outcome),
                  GDPR_ESTATE, "hold");
    ck_assert_int_eq(outcome, SHRED_HELD);
    th_assert_err(gdpr_shred__record_locked(ts.eng, &th_system, duty, "retention rule R-2",
                                            SHRED_QUIET, &outcome),
                  GDPR_ESTATE, "R-1");
    ck_assert_int_eq(outcome, SHRED_KEPT);
    th_assert_err(gdpr_shred__record_locked(ts.eng, &th_system, 999, "x", 0, &outcome),
                  GDPR_ENOTFOUND, "record");
    rc = gdpr_engine__end(ts.eng, GDPR_OK);
    th_ok(rc);
    th_assert_err(gdpr_shred__finish(ts.eng), GDPR_OK, "");
    gdpr_engine__unlock(ts.eng, GDPR_OK);

    th_assert_err(gdpr_vault_get(ts.eng, &th_dpo, due, &(void *){NULL}, &(size_t){0}),
                  GDPR_ENOTFOUND, "");
    assert_value(held, "held");
    assert_value(duty, "duty");
    ck_assert_int_eq(raw_int(ts.db, "SELECT count(*) FROM tombstone WHERE wiped = 0"), 0);
}
END_TEST

/* --- tombstones --------------------------------------------------------------------------- */

typedef struct {
    char *buf;
    size_t len, cap;
    int fail_after;
} sink;

static int
to_sink(const void *buf, size_t len, void *ctx)
{
    sink *s = ctx;

    if (s->fail_after == 0)
        return 1;
    if (s->fail_after > 0)
        s->fail_after--;
    if (s->len + len + 1 > s->cap) {
        s->cap = (s->len + len + 1) * 2;
        s->buf = realloc(s->buf, s->cap);
        ck_assert_ptr_nonnull(s->buf);
    }
    memcpy(s->buf + s->len, buf, len);
    s->len += len;
    s->buf[s->len] = '\0';
    return 0;
}

START_TEST(export_and_import)
{
    sink out = {NULL, 0, 0, -1}, stop = {NULL, 0, 0, 1};
    int64_t imported = -1;
    char path[400];
    FILE *f;

    put("alice", "financial", "billing", "INV-1");
    put("alice", "contact", "marketing", "alice@example.com");
    consent_with_proof("alice", "mailer-eu", NULL);
    th_ok(gdpr_disclosure_record(ts.eng, &th_agent, "alice", "mailer-eu", "marketing", NULL));
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "alice", GROUND, NULL));
    th_ok(gdpr_erase_record(ts.eng, &th_dpo, put("bob", "contact", "marketing", "b"),
                            "retention rule R-2", NULL));
    th_ok(gdpr_tombstones_export(ts.eng, to_sink, &out));
    ck_assert_ptr_nonnull(strstr(out.buf, "\"format\":\"libgdpr-tombstones\""));
    ck_assert_ptr_nonnull(strstr(out.buf, "\"kind\":\"subject\""));
    ck_assert_ptr_nonnull(strstr(out.buf, "\"kind\":\"records\""));
    ck_assert_ptr_nonnull(strstr(out.buf, "\"reason\":\"legal_duty\""));
    ck_assert_ptr_nonnull(strstr(out.buf, "\"recipient\":\"mailer-eu\""));
    ck_assert_ptr_null(strstr(out.buf, "alice"));
    /* Already here: nothing to add. */
    th_ok(gdpr_tombstones_import(ts.eng, &th_dpo, out.buf, &imported));
    ck_assert_int_eq(imported, 0);
    snprintf(path, sizeof path, "%s/tombstones.json", ts.dir);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(out.buf, f);
    fclose(f);
    th_ok(gdpr_tombstones_import_file(ts.eng, &th_dpo, path, &imported));
    ck_assert_int_eq(imported, 0);
    th_assert_err(gdpr_tombstones_export(ts.eng, to_sink, &stop), GDPR_ECALLBACK, "write");
    th_assert_err(gdpr_tombstones_export(ts.eng, NULL, NULL), GDPR_EINVAL, "write");
    th_assert_err(gdpr_tombstones_export(NULL, to_sink, &out), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_tombstones_import(ts.eng, &th_agent, out.buf, NULL), GDPR_EDENIED,
                  "erase.subject");
    free(out.buf);
    free(stop.buf);
}
END_TEST

/* A valid one-tombstone document of this store with `body` as its entry. */
static char *
document(const char *body)
{
    sink out = {NULL, 0, 0, -1};
    char *doc, *list;
    size_t need;

    th_ok(gdpr_tombstones_export(ts.eng, to_sink, &out));
    list = strstr(out.buf, "\"tombstones\":[");
    ck_assert_ptr_nonnull(list);
    list += strlen("\"tombstones\":[");
    need = (size_t)(list - out.buf) + strlen(body) + 8;
    doc = malloc(need);
    ck_assert_ptr_nonnull(doc);
    memcpy(doc, out.buf, (size_t)(list - out.buf));
    snprintf(doc + (list - out.buf), need - (size_t)(list - out.buf), "%s]}", body);
    free(out.buf);
    return doc;
}

START_TEST(import_refuses_bad_documents)
{
    static const struct {
        const char *body, *fragment;
    } cases[] = {
        {"{\"kind\":\"person\"}", "kind"},
        {"{\"kind\":\"subject\",\"subject\":\"abc\"}", "subject"},
        {"{\"kind\":\"subject\",\"subject\":\""
         "0000000000000000000000000000000000000000000000000000000000000000"
         "\",\"at\":-4}",
         "at"},
        {"{\"kind\":\"subject\",\"subject\":\""
         "0000000000000000000000000000000000000000000000000000000000000000"
         "\",\"at\":1,\"ground\":\"\"}",
         "ground"},
        {"{\"kind\":\"subject\",\"subject\":\""
         "0000000000000000000000000000000000000000000000000000000000000000"
         "\",\"at\":1,\"ground\":\"g\",\"actor\":\"a\",\"role\":\"dpo\",\"erased\":1,"
         "\"retained\":0,\"kept\":[{\"record\":0}],\"records\":[],\"recipients\":[]}",
         "record"},
        {"{\"kind\":\"subject\",\"subject\":\""
         "0000000000000000000000000000000000000000000000000000000000000000"
         "\",\"at\":1,\"ground\":\"g\",\"actor\":\"a\",\"role\":\"dpo\",\"erased\":1,"
         "\"retained\":0,\"kept\":[],\"records\":[\"x\"],\"recipients\":[]}",
         "records[0]"},
        {"{\"kind\":\"subject\",\"subject\":\""
         "0000000000000000000000000000000000000000000000000000000000000000"
         "\",\"at\":1,\"ground\":\"g\",\"actor\":\"a\",\"role\":\"dpo\",\"erased\":1,"
         "\"retained\":0,\"kept\":[],\"records\":[]}",
         "recipients"},
        {"7", "must be object"},
    };
    char before[65], after[65];
    int64_t imported = 0;

    put("alice", "contact", "service", "a");
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "alice", GROUND, NULL));
    th_fingerprint(&ts, before);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *doc = document(cases[i].body);
        th_assert_err(gdpr_tombstones_import(ts.eng, &th_dpo, doc, &imported), GDPR_EINVAL,
                      cases[i].fragment);
        free(doc);
    }
    th_assert_err(gdpr_tombstones_import(ts.eng, &th_dpo, "{\"format\":", &imported), GDPR_EINVAL,
                  "line 1");
    th_assert_err(gdpr_tombstones_import(ts.eng, &th_dpo, "{\"format\":\"other\"}", &imported),
                  GDPR_EINVAL, "format");
    th_assert_err(gdpr_tombstones_import(ts.eng, &th_dpo,
                                         "{\"format\":\"libgdpr-tombstones\",\"version\":1,"
                                         "\"store\":\"00000000000000000000000000000000\","
                                         "\"tombstones\":[]}",
                                         &imported),
                  GDPR_EINVAL, "another store");
    th_assert_err(gdpr_tombstones_import(ts.eng, &th_dpo, NULL, &imported), GDPR_EINVAL, "json");
    th_assert_err(gdpr_tombstones_import(ts.eng, &th_dpo, "", &imported), GDPR_EINVAL, "json");
    th_assert_err(gdpr_tombstones_import(ts.eng, NULL, "{}", &imported), GDPR_EINVAL, "who");
    th_assert_err(gdpr_tombstones_import_file(ts.eng, &th_dpo, "/nonexistent/t.json", &imported),
                  GDPR_ENOTFOUND, "path");
    th_assert_err(gdpr_tombstones_import_file(ts.eng, &th_dpo, "\xff", &imported), GDPR_EINVAL,
                  "path");
    ck_assert_int_eq(imported, 0);
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
}
END_TEST

START_TEST(lookup_bad_input)
{
    gdpr_tombstone t;

    memset(&t, 0, sizeof t);
    th_assert_err(gdpr_tombstone_lookup(ts.eng, "alice", NULL), GDPR_EINVAL, "out");
    th_assert_err(gdpr_tombstone_lookup(ts.eng, "alice", &t), GDPR_EVERSION, "out.version");
    t.version = GDPR_TOMBSTONE_VERSION;
    th_assert_err(gdpr_tombstone_lookup(NULL, "alice", &t), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_tombstone_lookup(ts.eng, NULL, &t), GDPR_EINVAL, "subject");
    th_assert_err(gdpr_tombstone_lookup(ts.eng, over_long, &t), GDPR_EINVAL, "subject");
    th_assert_err(gdpr_tombstone_lookup(ts.eng, "\xff", &t), GDPR_EINVAL, "subject");
    th_assert_err(gdpr_tombstone_lookup(ts.eng, "nobody", &t), GDPR_ENOTFOUND, "no tombstone");
    th_assert_err(gdpr_tombstone_foreach(ts.eng, NULL, NULL, NULL), GDPR_EINVAL, "fn");
    th_assert_err(gdpr_tombstone_foreach(ts.eng, "", count_tombstones, NULL), GDPR_EINVAL,
                  "subject");
    th_assert_err(gdpr_tombstone_kept_foreach(ts.eng, -1, NULL, NULL), GDPR_EINVAL, "tombstone");
    th_assert_err(gdpr_tombstone_kept_foreach(ts.eng, 5, (gdpr_tombstone_kept_fn)first_kept, NULL),
                  GDPR_ENOTFOUND, "tombstone");
}
END_TEST

START_TEST(replay_leaves_a_new_subject_alone)
{
    int64_t found = -1, id;
    gdpr_erase_report r = {0, 0, 0};

    put("alice", "contact", "service", "old");
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "alice", GROUND, NULL));
    ts.now += DAY;
    id = put("alice", "contact", "service", "new customer, same id");
    th_ok(gdpr_erase_replay(ts.eng, &th_dpo, &found, &r));
    ck_assert_int_eq(found, 0);
    ck_assert_int_eq(r.erased, 0);
    assert_value(id, "new customer, same id");
    th_assert_err(gdpr_erase_replay(ts.eng, &th_agent, &found, &r), GDPR_EDENIED, "erase.subject");
}
END_TEST

/* --- grace period -------------------------------------------------------------------- */

START_TEST(grace_period_then_run_due)
{
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    gdpr_request_info info;
    gdpr_tombstone t;
    int64_t req = 0, req2 = 0, done = -1, failed = -1;
    int exists = 0;

    put("alice", "contact", "service", "alice@example.com");
    put("bob", "contact", "service", "bob@example.com");
    in.type = GDPR_REQUEST_ERASURE;
    in.subject = "alice";
    in.channel = "phone";
    in.grace_seconds = 7 * DAY;
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &req));
    th_ok(gdpr_request_verify(ts.eng, &th_agent, req, GDPR_VERIFY_VERIFIED,
                              GDPR_METHOD_KNOWN_CONTACT, NULL));
    in.subject = "bob";
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &req2));
    th_ok(gdpr_request_verify(ts.eng, &th_agent, req2, GDPR_VERIFY_VERIFIED,
                              GDPR_METHOD_KNOWN_CONTACT, NULL));

    th_ok(gdpr_erase_run_due(ts.eng, &th_dpo, "Art. 17(1)(a) erasure request", &done, &failed));
    ck_assert_int_eq(done, 0);
    ck_assert_int_eq(failed, 0);
    th_ok(gdpr_subject_exists(ts.eng, "alice", &exists));
    ck_assert_int_eq(exists, 1);
    /* Bob changes his mind within the grace period. */
    ts.now += 3 * DAY;
    th_ok(gdpr_request_revoke(ts.eng, &th_agent, req2, NULL));

    ts.now += 5 * DAY;
    th_ok(gdpr_erase_run_due(ts.eng, &th_dpo, "Art. 17(1)(a) erasure request", &done, &failed));
    ck_assert_int_eq(done, 1);
    ck_assert_int_eq(failed, 0);
    th_ok(gdpr_subject_exists(ts.eng, "alice", &exists));
    ck_assert_int_eq(exists, 0);
    th_ok(gdpr_subject_exists(ts.eng, "bob", &exists));
    ck_assert_int_eq(exists, 1);
    lookup("alice", &t);
    ck_assert_msg(strstr(t.ground, "(request 1)") != NULL, "%s", t.ground);
    th_ok(gdpr_request_info_init(&info, GDPR_REQUEST_INFO_VERSION));
    th_ok(gdpr_request_get(ts.eng, req, &info));
    ck_assert_int_eq(info.status, GDPR_REQUEST_FULFILLED);
    th_assert_err(gdpr_erase_run_due(ts.eng, &th_agent, "x", &done, &failed), GDPR_EDENIED,
                  "erase.subject");
    th_ok(gdpr_audit_verify(ts.eng, NULL));
}
END_TEST

/* --- files ------------------------------------------------------------------------------ */

START_TEST(wipe_file_overwrites_and_removes)
{
    TH_SQLITE_ONLY("greps the SQLite files");
    char path[400], link_path[400];
    struct stat sb;
    FILE *f;

    snprintf(path, sizeof path, "%s/export.json", ts.dir);
    snprintf(link_path, sizeof link_path, "%s/export-link.json", ts.dir);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i < 5000; i++)
        fputs("{\"email\":\"alice@example.com\"}\n", f);
    fclose(f);
    /* A second name for the same file shows what happened to its bytes. */
    ck_assert_int_eq(link(path, link_path), 0);
    th_ok(gdpr_wipe_file(path));
    ck_assert_int_ne(stat(path, &sb), 0);
    ck_assert_int_eq(stat(link_path, &sb), 0);
    ck_assert_int_eq(sb.st_size, 0);
    ck_assert_int_eq(th_file_contains(link_path, "alice@example.com", 17), 0);
    th_ok(gdpr_wipe_file(link_path));
}
END_TEST

START_TEST(wipe_file_refuses)
{
    TH_SQLITE_ONLY("greps the SQLite files");
    char path[400], target[400];
    FILE *f;

    th_assert_err(gdpr_wipe_file(NULL), GDPR_EINVAL, "path");
    th_assert_err(gdpr_wipe_file(""), GDPR_EINVAL, "path");
    th_assert_err(gdpr_wipe_file("\xff"), GDPR_EINVAL, "path");
    th_assert_err(gdpr_wipe_file(over_long_reason), GDPR_EINVAL, "path");
    snprintf(path, sizeof path, "%s/missing", ts.dir);
    th_assert_err(gdpr_wipe_file(path), GDPR_ENOTFOUND, "missing");
    th_assert_err(gdpr_wipe_file(ts.dir), GDPR_EINVAL, "not a regular file");
    snprintf(target, sizeof target, "%s/target", ts.dir);
    snprintf(path, sizeof path, "%s/symlink", ts.dir);
    f = fopen(target, "w");
    ck_assert_ptr_nonnull(f);
    fputs("keep me", f);
    fclose(f);
    ck_assert_int_eq(symlink(target, path), 0);
    th_assert_err(gdpr_wipe_file(path), GDPR_EINVAL, "symbolic link");
    ck_assert_int_eq(th_file_contains(target, "keep me", 7), 1);
}
END_TEST

static Suite *
erasure_suite(void)
{
    Suite *s = suite_create("erasure");
    TCase *subject = tcase_create("subject");
    TCase *exemptions = tcase_create("exemptions");
    TCase *sources = tcase_create("sources");
    TCase *records = tcase_create("records");
    TCase *tombstones = tcase_create("tombstones");
    TCase *grace = tcase_create("grace");
    TCase *files = tcase_create("files");

    tcase_add_checked_fixture(subject, setup, teardown);
    tcase_add_test(subject, erase_removes_everything);
    tcase_add_test(subject, erase_is_audited_and_repeatable);
    tcase_add_test(subject, erase_bad_input_changes_nothing);
    tcase_add_test(subject, erase_denied_is_audited);
    tcase_add_test(subject, erase_refused_inside_batch);
    tcase_add_test(subject, erase_needs_a_policy);
    tcase_add_test(subject, erase_many_at_once);
    suite_add_tcase(s, subject);

    tcase_add_checked_fixture(exemptions, setup, teardown);
    tcase_add_test(exemptions, legal_duty_keeps_and_restricts);
    tcase_add_test(exemptions, second_erasure_keeps_first_ground);
    tcase_add_test(exemptions, subject_hold_blocks_everything);
    tcase_add_test(exemptions, record_and_category_holds_keep_what_they_cover);
    tcase_add_test(exemptions, hold_bad_input_changes_nothing);
    tcase_add_test(exemptions, hold_needs_the_dpo);
    tcase_add_test(exemptions, plan_says_what_stays);
    tcase_add_test(exemptions, plan_bad_input_changes_nothing);
    suite_add_tcase(s, exemptions);

    tcase_add_checked_fixture(sources, setup, teardown);
    tcase_add_test(sources, source_hooks_called_and_retried);
    tcase_add_test(sources, source_without_hook_stays_pending);
    tcase_add_test(sources, art19_recipients_listed);
    suite_add_tcase(s, sources);

    tcase_add_checked_fixture(records, setup, teardown);
    tcase_add_test(records, erase_record_writes_record_tombstone);
    tcase_add_test(records, internal_record_path_for_retention);
    suite_add_tcase(s, records);

    tcase_add_checked_fixture(tombstones, setup, teardown);
    tcase_add_test(tombstones, export_and_import);
    tcase_add_test(tombstones, import_refuses_bad_documents);
    tcase_add_test(tombstones, lookup_bad_input);
    tcase_add_test(tombstones, replay_leaves_a_new_subject_alone);
    suite_add_tcase(s, tombstones);

    tcase_add_checked_fixture(grace, setup, teardown);
    tcase_add_test(grace, grace_period_then_run_due);
    suite_add_tcase(s, grace);

    tcase_add_checked_fixture(files, setup, teardown);
    tcase_add_test(files, wipe_file_overwrites_and_removes);
    tcase_add_test(files, wipe_file_refuses);
    suite_add_tcase(s, files);
    return s;
}

int
main(void)
{
    return th_run(erasure_suite());
}
