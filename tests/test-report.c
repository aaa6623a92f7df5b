/*
 * The consent report (include/gdpr/consent_report.h): what each row says,
 * the filters, keyed hashes vs host ids by permission, JSON and CSV
 * shapes, a stopping writer, and bad options refused with nothing changed.
 * SPDX-License-Identifier: MIT
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "fault-vfs.h"
#include "helpers.h"

static th_store ts;

typedef struct {
    char *buf;
    size_t len, cap;
    int calls;
    int stop_after; /* 0: never */
} capture;

static int
capture_write(const void *p, size_t n, void *ctx)
{
    capture *c = ctx;

    c->calls++;
    if (c->stop_after && c->calls > c->stop_after)
        return 1;
    if (c->len + n + 1 > c->cap) {
        c->cap = (c->len + n + 1) * 2;
        c->buf = realloc(c->buf, c->cap);
        ck_assert_ptr_nonnull(c->buf);
    }
    memcpy(c->buf + c->len, p, n);
    c->len += n;
    c->buf[c->len] = '\0';
    return 0;
}

static int
count_of(const char *hay, const char *needle)
{
    int n = 0;

    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* SQLite's JSON parser agrees the document is JSON. */
static int
json_ok(const char *doc)
{
    sqlite3 *db;
    sqlite3_stmt *s;
    int ok;

    ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT json_valid(?1)", -1, &s, NULL), SQLITE_OK);
    sqlite3_bind_text(s, 1, doc, -1, SQLITE_STATIC);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    ok = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return ok;
}

static void
consent(const char *subject, const char *purpose, gdpr_consent_state state, int64_t expires)
{
    gdpr_consent c = GDPR_CONSENT_INIT;

    c.subject = subject;
    c.purpose = purpose;
    c.notice = "marketing-v2";
    c.channel = "web";
    c.state = state;
    c.expires = expires;
    if (strcmp(purpose, "accessibility") == 0)
        c.flags = GDPR_CONSENT_EXPLICIT;
    th_ok(gdpr_consent_record(ts.eng, &th_agent, &c, NULL));
}

/* The example policy, with "consent.report" granted to agents (who lack
 * "consent.read"). */
static void
setup(void)
{
    size_t len;
    char *doc, *at, *out;
    static const char agent_tail[] = "\"transfer.record\"] },";

    th_setup(&ts);
    doc = th_read_file(th_example_policy_path(), &len);
    at = strstr(doc, agent_tail);
    ck_assert_ptr_nonnull(at);
    out = malloc(len + 64);
    ck_assert_ptr_nonnull(out);
    memcpy(out, doc, (size_t)(at - doc));
    strcpy(out + (at - doc), "\"transfer.record\", \"consent.report\"] },");
    strcat(out, at + strlen(agent_tail));
    th_ok(gdpr_policy_load_string(ts.eng, &th_dpo, out));
    free(out);
    free(doc);
    ts.now -= 1000;
    consent("alice", "marketing", GDPR_CONSENT_GRANTED, 0);
    consent("alice", "accessibility", GDPR_CONSENT_GRANTED, ts.now + 500);
    ts.now += 100;
    consent("bob", "marketing", GDPR_CONSENT_GRANTED, 0);
    consent("bob", "marketing", GDPR_CONSENT_WITHDRAWN, 0);
    ts.now += 100;
    consent("carol", "marketing", GDPR_CONSENT_REFUSED, 0);
    ts.now += 800;
}

static void
teardown(void)
{
    th_teardown(&ts);
}

static int64_t
run(const gdpr_actor *who, gdpr_consent_report_options *o, capture *c)
{
    int64_t rows = -1;

    memset(c, 0, sizeof *c);
    th_ok(gdpr_consent_report(ts.eng, who, o, capture_write, c, &rows));
    return rows;
}

START_TEST(every_state_in_json_by_keyed_hash)
{
    gdpr_consent_report_options o = GDPR_CONSENT_REPORT_OPTIONS_INIT;
    capture c;

    ck_assert_int_eq(run(&th_agent, &o, &c), 4);
    ck_assert(json_ok(c.buf));
    ck_assert_ptr_nonnull(strstr(c.buf, "\"subject_id\":\"keyed_hash\""));
    ck_assert_int_eq(count_of(c.buf, "\"state\":\"granted\""), 1);
    ck_assert_int_eq(count_of(c.buf, "\"state\":\"expired\""), 1); /* alice's accessibility */
    ck_assert_int_eq(count_of(c.buf, "\"state\":\"withdrawn\""), 1);
    ck_assert_int_eq(count_of(c.buf, "\"state\":\"refused\""), 1);
    ck_assert_ptr_nonnull(strstr(c.buf, "\"count\":4}"));
    /* no host id appears anywhere */
    ck_assert_ptr_null(strstr(c.buf, "alice"));
    ck_assert_ptr_null(strstr(c.buf, "bob"));
    free(c.buf);
}
END_TEST

START_TEST(host_ids_only_for_a_role_that_may_read)
{
    gdpr_consent_report_options o = GDPR_CONSENT_REPORT_OPTIONS_INIT;
    capture c = {0};
    int64_t rows = 7;

    o.flags = GDPR_REPORT_HOST_IDS;
    th_assert_err(gdpr_consent_report(ts.eng, &th_agent, &o, capture_write, &c, &rows),
                  GDPR_EDENIED, "consent.read");
    ck_assert_int_eq(rows, 0);
    ck_assert_int_eq(c.len, 0); /* nothing written before the check */
    th_assert_err(gdpr_consent_report(ts.eng, &th_system, &o, capture_write, &c, NULL),
                  GDPR_EDENIED, "consent.report");
    ck_assert_int_eq(run(&th_dpo, &o, &c), 4);
    ck_assert(json_ok(c.buf));
    ck_assert_ptr_nonnull(strstr(c.buf, "\"subject_id\":\"host_id\""));
    ck_assert_int_eq(count_of(c.buf, "\"subject\":\"alice\""), 2);
    ck_assert_int_eq(count_of(c.buf, "\"subject\":\"bob\""), 1);
    ck_assert_int_eq(count_of(c.buf, "\"subject\":\"carol\""), 1);
    free(c.buf);
}
END_TEST

/* Issue 18 (floors2): a host-id report opens each subject's id with its
 * key set up in the engine's shared cipher context, not in a context kept
 * per subject in the key cache: a report over every subject leaves none
 * behind (it kept one per subject, up to the cache's 8,192). */
START_TEST(host_id_report_keeps_no_cipher_context_per_subject)
{
    gdpr_consent_report_options o = GDPR_CONSENT_REPORT_OPTIONS_INIT;
    gdpr_engine *fresh = NULL;
    capture c = {0};
    int64_t rows = 0;

    ck_assert_int_eq(th_open(&ts, &fresh), GDPR_OK);
    ck_assert_uint_eq(gdpr_engine__dek_contexts(fresh), 0);
    o.flags = GDPR_REPORT_HOST_IDS;
    th_ok(gdpr_consent_report(fresh, &th_dpo, &o, capture_write, &c, &rows));
    ck_assert_int_eq(rows, 4);
    ck_assert_int_eq(count_of(c.buf, "\"subject\":\"alice\""), 2);
    ck_assert_int_eq(count_of(c.buf, "\"subject\":\"carol\""), 1);
    ck_assert_uint_eq(gdpr_engine__dek_contexts(fresh), 0);
    free(c.buf);
    gdpr_close(fresh);
}
END_TEST

/* A host-id report reads one snapshot of both files: opening each
 * subject's id (its key read from the keystore) takes no read lock of its
 * own, so the locks taken do not grow with the subjects. */
START_TEST(host_id_report_reads_one_snapshot)
{
    gdpr_consent_report_options o = GDPR_CONSENT_REPORT_OPTIONS_INIT;
    gdpr_engine *fresh = NULL;
    char name[32];
    capture c = {0};
    int64_t rows = 0;
    long before;

    TH_SQLITE_ONLY("counts SQLite WAL read locks");
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof name, "snap-%02d", i);
        consent(name, "marketing", GDPR_CONSENT_GRANTED, 0);
    }
    fault_vfs_install(); /* for connections opened from now on */
    ck_assert_int_eq(th_open(&ts, &fresh), GDPR_OK);
    o.flags = GDPR_REPORT_HOST_IDS;
    before = fault_vfs_read_locks();
    th_ok(gdpr_consent_report(fresh, &th_dpo, &o, capture_write, &c, &rows));
    ck_assert_int_eq(rows, 4 + 40);
    ck_assert_int_eq(count_of(c.buf, "\"subject\":\"snap-39\""), 1);
    /* The audit event's commit and the snapshot, on each file: a few,
     * not one per subject (44 keys were read from the keystore). */
    ck_assert_int_le(fault_vfs_read_locks() - before, 8);
    free(c.buf);
    gdpr_close(fresh);
}
END_TEST

START_TEST(filters_by_purpose_state_and_date)
{
    gdpr_consent_report_options o = GDPR_CONSENT_REPORT_OPTIONS_INIT;
    const char *marketing[] = {"marketing"};
    capture c;

    o.purposes = marketing;
    o.n_purposes = 1;
    ck_assert_int_eq(run(&th_dpo, &o, &c), 3);
    ck_assert_int_eq(count_of(c.buf, "\"purpose\":\"accessibility\""), 0);
    free(c.buf);
    o.states = GDPR_REPORT_WITHDRAWN | GDPR_REPORT_REFUSED;
    ck_assert_int_eq(run(&th_dpo, &o, &c), 2);
    ck_assert_int_eq(count_of(c.buf, "\"state\":\"granted\""), 0);
    free(c.buf);
    /* recorded in the last 850 seconds: bob's withdrawal was 900 ago */
    o.states = 0;
    o.from = ts.now - 850;
    ck_assert_int_eq(run(&th_dpo, &o, &c), 1);
    ck_assert_ptr_nonnull(strstr(c.buf, "\"state\":\"refused\""));
    free(c.buf);
    o.from = 0;
    o.until = ts.now - 850;
    ck_assert_int_eq(run(&th_dpo, &o, &c), 2);
    free(c.buf);
    /* judged before the expiry, alice's accessibility grant is live */
    o.until = 0;
    o.purposes = NULL;
    o.n_purposes = 0;
    o.as_of = ts.now - 600;
    o.states = GDPR_REPORT_GRANTED;
    ck_assert_int_eq(run(&th_dpo, &o, &c), 2);
    free(c.buf);
}
END_TEST

START_TEST(csv_has_a_header_and_one_line_per_row)
{
    gdpr_consent_report_options o = GDPR_CONSENT_REPORT_OPTIONS_INIT;
    capture c;

    o.format = GDPR_EXPORT_CSV;
    o.flags = GDPR_REPORT_HOST_IDS;
    ck_assert_int_eq(run(&th_dpo, &o, &c), 4);
    ck_assert(strncmp(c.buf, "subject,purpose,recipient,state,since,event,expires,explicit\r\n",
                      62) == 0);
    ck_assert_int_eq(count_of(c.buf, "\r\n"), 5);
    ck_assert_ptr_nonnull(strstr(c.buf, "\r\nbob,marketing,,withdrawn,"));
    free(c.buf);
}
END_TEST

/* Audit events of `action`, through the public walk (any backend). */
typedef struct {
    const char *action;
    int64_t n;
} action_tally;

static int
count_action(const gdpr_audit_event *ev, void *ctx)
{
    action_tally *t = ctx;

    if (strcmp(ev->action, t->action) == 0)
        t->n++;
    return 0;
}

static int64_t
audit_count(const char *action)
{
    action_tally t = {action, 0};

    th_ok(gdpr_audit_foreach(ts.eng, 1, count_action, &t));
    return t.n;
}

START_TEST(the_report_is_audited)
{
    gdpr_consent_report_options o = GDPR_CONSENT_REPORT_OPTIONS_INIT;
    capture c;
    int64_t before = audit_count("consent.report");

    run(&th_agent, &o, &c);
    free(c.buf);
    ck_assert_int_eq(audit_count("consent.report"), before + 1);
}
END_TEST

/* More states than a page of a backend's walk (PostgreSQL reads 256 at a
 * time): one subject with 300 recipients for one purpose, so a page ends
 * inside a subject and a purpose, and 60 more subjects. Every state comes
 * once, in the order of subject id, purpose, recipient. */
START_TEST(more_states_than_a_page_come_once_in_order)
{
    gdpr_consent_report_options o = GDPR_CONSENT_REPORT_OPTIONS_INIT;
    gdpr_consent g = GDPR_CONSENT_INIT;
    char name[32], prev[256] = "";
    char subjects[64][80];
    int n_subjects = 0;
    capture c;
    int lines = 0;

    g.subject = "dave";
    g.purpose = "marketing";
    g.notice = "marketing-v2";
    g.channel = "web";
    g.state = GDPR_CONSENT_GRANTED;
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "Recipient %03d", i);
        g.recipient = name;
        th_ok(gdpr_consent_record(ts.eng, &th_agent, &g, NULL));
    }
    for (int i = 0; i < 60; i++) {
        snprintf(name, sizeof name, "subject-%02d", i);
        consent(name, "marketing", GDPR_CONSENT_GRANTED, 0);
    }
    o.format = GDPR_EXPORT_CSV;
    ck_assert_int_eq(run(&th_dpo, &o, &c), 4 + 300 + 60);
    /* After the header, rows come in the order of the state table's key:
     * each subject's lines together (subjects in id order, so the keyed
     * hashes are not sorted), and within a subject each line's purpose and
     * recipient sort after the line before's. */
    for (char *line = strstr(c.buf, "\r\n") + 2; *line != '\0'; lines++) {
        char *end = strstr(line, "\r\n");
        char key[256];
        const char *f = line, *rest;
        size_t klen;

        ck_assert_ptr_nonnull(end);
        for (int commas = 0; commas < 3; f++)
            commas += *f == ',';
        klen = (size_t)(f - line);
        ck_assert_uint_lt(klen, sizeof key);
        memcpy(key, line, klen);
        key[klen] = '\0';
        rest = strchr(key, ',');
        ck_assert_ptr_nonnull(rest);
        if (strncmp(prev, key, (size_t)(rest - key) + 1) == 0) {
            ck_assert_msg(strcmp(prev, key) < 0, "line %d: '%s' after '%s'", lines + 1, key, prev);
        } else {
            /* a new subject: never seen before */
            for (int i = 0; i < n_subjects; i++)
                ck_assert_msg(strncmp(subjects[i], key, (size_t)(rest - key)) != 0 ||
                                  subjects[i][rest - key] != '\0',
                              "line %d: subject of '%s' comes twice", lines + 1, key);
            ck_assert_int_lt(n_subjects, 64);
            snprintf(subjects[n_subjects++], sizeof subjects[0], "%.*s", (int)(rest - key), key);
        }
        memcpy(prev, key, klen + 1);
        line = end + 2;
    }
    ck_assert_int_eq(lines, 4 + 300 + 60);
    ck_assert_int_ge(n_subjects, 1 + 60);
    free(c.buf);
}
END_TEST

START_TEST(a_writer_that_stops_gets_ecallback)
{
    gdpr_consent_report_options o = GDPR_CONSENT_REPORT_OPTIONS_INIT;
    capture c = {0};

    c.stop_after = 0;
    c.stop_after = -1; /* stop at the first write */
    c.calls = 0;
    th_assert_err(gdpr_consent_report(ts.eng, &th_dpo, &o, capture_write, &c, NULL), GDPR_ECALLBACK,
                  "write callback");
    free(c.buf);
}
END_TEST

START_TEST(bad_options_are_refused_and_change_nothing)
{
    gdpr_consent_report_options o;
    const char *unknown[] = {"astrology"};
    const char *bad_utf8[] = {"mark\xff"};
    capture c = {0};
    char before[65], after[65];

    th_fingerprint(&ts, before);
    th_assert_err(gdpr_consent_report_options_init(NULL, 1), GDPR_EINVAL, "opts");
    th_assert_err(gdpr_consent_report_options_init(&o, 0), GDPR_EVERSION, "opts.version");
    th_ok(gdpr_consent_report_options_init(&o, GDPR_CONSENT_REPORT_OPTIONS_VERSION));
    th_assert_err(gdpr_consent_report(NULL, &th_dpo, &o, capture_write, &c, NULL), GDPR_EINVAL,
                  "eng");
    th_assert_err(gdpr_consent_report(ts.eng, NULL, &o, capture_write, &c, NULL), GDPR_EINVAL,
                  "who");
    th_assert_err(gdpr_consent_report(ts.eng, &th_dpo, NULL, capture_write, &c, NULL), GDPR_EINVAL,
                  "opts");
    th_assert_err(gdpr_consent_report(ts.eng, &th_dpo, &o, NULL, &c, NULL), GDPR_EINVAL, "write");
    o.version = 99;
    th_assert_err(gdpr_consent_report(ts.eng, &th_dpo, &o, capture_write, &c, NULL), GDPR_EVERSION,
                  "opts.version");
    o.version = GDPR_CONSENT_REPORT_OPTIONS_VERSION;
    o.format = 3;
    th_assert_err(gdpr_consent_report(ts.eng, &th_dpo, &o, capture_write, &c, NULL), GDPR_EINVAL,
                  "opts.format");
    o.format = GDPR_EXPORT_JSON;
    o.purposes = unknown;
    o.n_purposes = 1;
    th_assert_err(gdpr_consent_report(ts.eng, &th_dpo, &o, capture_write, &c, NULL), GDPR_EINVAL,
                  "'astrology' is not a purpose");
    o.purposes = bad_utf8;
    th_assert_err(gdpr_consent_report(ts.eng, &th_dpo, &o, capture_write, &c, NULL), GDPR_EINVAL,
                  "UTF-8");
    o.n_purposes = 0;
    th_assert_err(gdpr_consent_report(ts.eng, &th_dpo, &o, capture_write, &c, NULL), GDPR_EINVAL,
                  "opts.purposes");
    o.purposes = NULL;
    o.states = 0x10;
    th_assert_err(gdpr_consent_report(ts.eng, &th_dpo, &o, capture_write, &c, NULL), GDPR_EINVAL,
                  "opts.states");
    o.states = 0;
    o.from = 100;
    o.until = 50;
    th_assert_err(gdpr_consent_report(ts.eng, &th_dpo, &o, capture_write, &c, NULL), GDPR_EINVAL,
                  "opts.until");
    o.from = -5;
    o.until = 0;
    th_assert_err(gdpr_consent_report(ts.eng, &th_dpo, &o, capture_write, &c, NULL), GDPR_EINVAL,
                  "opts.from");
    o.from = 0;
    o.as_of = 0;
    th_assert_err(gdpr_consent_report(ts.eng, &th_dpo, &o, capture_write, &c, NULL), GDPR_EINVAL,
                  "opts.as_of");
    o.as_of = GDPR_NOW;
    o.flags = 0x80;
    th_assert_err(gdpr_consent_report(ts.eng, &th_dpo, &o, capture_write, &c, NULL), GDPR_EINVAL,
                  "opts.flags");
    ck_assert_int_eq(c.len, 0);
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
}
END_TEST

START_TEST(an_edited_state_row_is_refused)
{
    gdpr_consent_report_options o = GDPR_CONSENT_REPORT_OPTIONS_INIT;
    capture c = {0};

    /* Edited by hand as a tester would: the SQLite file, or the
     * PostgreSQL database through a connection of its own. */
    if (th_on_postgres())
        ck_assert_int_eq(
            th_pg_exec(ts.db, "UPDATE gdpr.consent_state SET state = 1 WHERE state = 2"), 1);
    else
        ck_assert_int_eq(th_raw_exec(ts.db, "UPDATE consent_state SET state = 1 WHERE state = 2"),
                         1);
    th_reopen(&ts);
    th_assert_err(gdpr_consent_report(ts.eng, &th_dpo, &o, capture_write, &c, NULL), GDPR_ECORRUPT,
                  "consent state row");
    free(c.buf);
}
END_TEST

static Suite *
report_suite(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("consent report");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, every_state_in_json_by_keyed_hash);
    tcase_add_test(tc, host_ids_only_for_a_role_that_may_read);
    tcase_add_test(tc, host_id_report_keeps_no_cipher_context_per_subject);
    tcase_add_test(tc, host_id_report_reads_one_snapshot);
    tcase_add_test(tc, filters_by_purpose_state_and_date);
    tcase_add_test(tc, csv_has_a_header_and_one_line_per_row);
    tcase_add_test(tc, the_report_is_audited);
    tcase_add_test(tc, more_states_than_a_page_come_once_in_order);
    tcase_add_test(tc, a_writer_that_stops_gets_ecallback);
    tcase_add_test(tc, bad_options_are_refused_and_change_nothing);
    tcase_add_test(tc, an_edited_state_row_is_refused);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return th_run(report_suite());
}
