/*
 * The record of processing activities (include/gdpr/ropa.h): every item
 * of Art. 30(1)(a)-(g) in the JSON record, the ICO template's columns in
 * the CSV, transfers judged from the adequacy list and the safeguards
 * register, the policy's Art. 30 sections validated whole, and bad input.
 * SPDX-License-Identifier: MIT
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static th_store ts;

typedef struct {
    char *buf;
    size_t len, cap;
} capture;

static int
capture_write(const void *p, size_t n, void *ctx)
{
    capture *c = ctx;

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

static char *
ropa_policy(void)
{
    return th_read_file(TEST_SOURCE_ROOT "/examples/policy-ropa.json", NULL);
}

static void
setup(void)
{
    char *doc;

    th_setup(&ts);
    doc = ropa_policy();
    th_ok(gdpr_policy_load_string(ts.eng, &th_dpo, doc));
    free(doc);
}

static void
teardown(void)
{
    th_teardown(&ts);
}

static char *
record_json(void)
{
    capture c = {0};

    th_ok(gdpr_ropa_export(ts.eng, &th_dpo, GDPR_EXPORT_JSON, GDPR_NOW, capture_write, &c));
    return c.buf;
}

/* The text (or number as text) at a JSON path of doc, "" for null; asserts
 * the path exists. */
static char *
at_path(const char *doc, const char *path)
{
    static char out[4096];
    sqlite3 *db;
    sqlite3_stmt *s;

    ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db,
                                        "SELECT json_valid(?1), json_type(?1, ?2),"
                                        " json_extract(?1, ?2)",
                                        -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(s, 1, doc, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, path, -1, SQLITE_STATIC);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    ck_assert_msg(sqlite3_column_int(s, 0) == 1, "the record is not JSON");
    ck_assert_msg(sqlite3_column_type(s, 1) != SQLITE_NULL, "no %s in the record", path);
    snprintf(out, sizeof out, "%s",
             sqlite3_column_text(s, 2) ? (const char *)sqlite3_column_text(s, 2) : "");
    sqlite3_finalize(s);
    sqlite3_close(db);
    return out;
}

static void
assert_filled(const char *doc, const char *path)
{
    const char *v = at_path(doc, path);
    ck_assert_msg(v[0] != '\0' && strcmp(v, "[]") != 0, "%s is empty", path);
}

/* Art. 30(1)(a)-(g), item by item, for every purpose. */
START_TEST(every_item_of_art_30_1_is_there)
{
    char *doc = record_json();
    static const char *const purposes[] = {"service",       "billing",     "marketing",
                                           "accessibility", "recruitment", "credit-check"};
    char path[128];

    /* (a) name and contact details of the controller, joint controller,
     * representative and DPO */
    ck_assert_str_eq(at_path(doc, "$.controller.name"), "Example CRM Ltd");
    assert_filled(doc, "$.controller.contact");
    ck_assert_str_eq(at_path(doc, "$.dpo"), "dpo@example.com");
    ck_assert_str_eq(at_path(doc, "$.representative.name"), "EU Rep Services GmbH");
    assert_filled(doc, "$.representative.contact");
    ck_assert_str_eq(at_path(doc, "$.joint_controllers[0].name"), "Example Events Ltd");
    assert_filled(doc, "$.joint_controllers[0].contact");
    /* (g) a general description of the security measures (Art. 32(1)) */
    assert_filled(doc, "$.security_measures.summary");
    assert_filled(doc, "$.security_measures.measures[0]");
    for (size_t i = 0; i < sizeof purposes / sizeof purposes[0]; i++) {
#define P(suffix) (snprintf(path, sizeof path, "$.activities[%zu]" suffix, i), path)
        /* (b) the purposes */
        ck_assert_str_eq(at_path(doc, P(".purpose")), purposes[i]);
        assert_filled(doc, P(".description"));
        assert_filled(doc, P(".legal_basis"));
        /* (c) categories of data subjects and of personal data */
        assert_filled(doc, P(".data_subjects[0].description"));
        assert_filled(doc, P(".data_categories[0].description"));
        /* (d), (e), (f) are present for every purpose, possibly empty */
        at_path(doc, P(".recipients"));
        at_path(doc, P(".transfers"));
        at_path(doc, P(".retention"));
        assert_filled(doc, P(".security_measures"));
        assert_filled(doc, P(".rights[0]"));
#undef P
    }
    /* (a) the joint controller is named on its purpose */
    ck_assert_str_eq(at_path(doc, "$.activities[2].joint_controllers[0]"), "Example Events Ltd");
    /* (d) recipients, with kind and country */
    ck_assert_str_eq(at_path(doc, "$.activities[0].recipients[1].id"), "cloudco-us");
    ck_assert_str_eq(at_path(doc, "$.activities[1].recipients[0].kind"), "public_body");
    /* (e) transfers: the EEA recipient is none; DPF adequacy, SCCs, none */
    ck_assert_str_eq(at_path(doc, "$.activities[0].transfers[0].recipient"), "cloudco-us");
    ck_assert_str_eq(at_path(doc, "$.activities[0].transfers[0].mechanism"), "adequacy");
    ck_assert_ptr_nonnull(
        strstr(at_path(doc, "$.activities[0].transfers[0].reference"), "2023/1795"));
    ck_assert_str_eq(at_path(doc, "$.activities[0].transfers[1].mechanism"), "safeguards");
    ck_assert_str_eq(at_path(doc, "$.activities[0].transfers[1].country"), "IN");
    ck_assert_str_eq(at_path(doc, "$.activities[2].transfers[0].recipient"), "acme-analytics");
    ck_assert_str_eq(at_path(doc, "$.activities[2].transfers[0].mechanism"), "none");
    ck_assert_ptr_null(strstr(at_path(doc, "$.activities[0].transfers"), "mailer-eu"));
    /* (f) time limits for erasure */
    ck_assert_str_eq(at_path(doc, "$.activities[1].retention[0].period"), "P6Y");
    ck_assert_str_eq(at_path(doc, "$.activities[2].retention[0].rule"), "R-2");
    /* rights follow the basis: no erasure or portability under a legal obligation */
    ck_assert_ptr_null(strstr(at_path(doc, "$.activities[1].rights"), "erasure"));
    ck_assert_ptr_nonnull(strstr(at_path(doc, "$.activities[2].rights"), "Art. 7(3)"));
    ck_assert_ptr_nonnull(strstr(at_path(doc, "$.activities[5].rights"), "Art. 22"));
    free(doc);
}
END_TEST

START_TEST(a_safeguard_added_at_run_time_counts)
{
    gdpr_safeguard sg = GDPR_SAFEGUARD_INIT;
    char *doc;

    sg.recipient = "acme-analytics";
    sg.type = GDPR_TRANSFER_SCC;
    sg.module = 2;
    sg.reference = "SCC 2021/914 module 2, signed 2026-02-01";
    sg.valid_from = ts.now - 86400;
    th_ok(gdpr_safeguard_add(ts.eng, &th_dpo, &sg, NULL));
    doc = record_json();
    ck_assert_str_eq(at_path(doc, "$.activities[2].transfers[0].mechanism"), "safeguards");
    ck_assert_ptr_nonnull(
        strstr(at_path(doc, "$.activities[2].transfers[0].reference"), "signed 2026-02-01"));
    free(doc);
}
END_TEST

START_TEST(breaches_are_listed_on_the_purposes_whose_data_they_touched)
{
    static const char *const financial[] = {"financial"};
    gdpr_breach b = GDPR_BREACH_INIT;
    capture c = {0};
    int64_t id = 0;
    char *doc;

    doc = record_json();
    ck_assert_str_eq(at_path(doc, "$.activities[1].breaches"), "[]");
    free(doc);
    b.nature = GDPR_BREACH_CONFIDENTIALITY;
    b.categories = financial;
    b.n_categories = 1;
    b.description = "invoice batch mailed to the wrong customer";
    b.consequences = "amounts owed disclosed";
    b.measures = "recipient asked to delete";
    th_ok(gdpr_breach_open(ts.eng, &th_dpo, &b, &id));
    doc = record_json();
    /* billing and credit-check process financial data; service does not */
    ck_assert_str_eq(at_path(doc, "$.activities[1].breaches[0]"), "1");
    ck_assert_str_eq(at_path(doc, "$.activities[5].breaches[0]"), "1");
    ck_assert_str_eq(at_path(doc, "$.activities[0].breaches"), "[]");
    free(doc);
    th_ok(gdpr_ropa_export(ts.eng, &th_dpo, GDPR_EXPORT_CSV, GDPR_NOW, capture_write, &c));
    ck_assert_ptr_nonnull(strstr(c.buf, "yes: breach 1,gdpr_breach_list / gdprctl breach list"));
    ck_assert_ptr_nonnull(strstr(c.buf, "no breach recorded"));
    free(c.buf);
}
END_TEST

START_TEST(csv_has_the_ico_columns_one_line_per_purpose)
{
    capture c = {0};
    int lines = 0;

    th_ok(gdpr_ropa_export(ts.eng, &th_dpo, GDPR_EXPORT_CSV, GDPR_NOW, capture_write, &c));
    ck_assert(strncmp(c.buf,
                      "Business function,Purpose of processing,Name and contact details of joint "
                      "controller (if applicable),Categories of individuals,Categories of personal "
                      "data,Categories of recipients,Link to contract with processor,",
                      177) == 0);
    ck_assert_ptr_nonnull(strstr(c.buf, ",Reasons for not adhering to policy document (if "
                                        "applicable),Controller name and contact details,Data "
                                        "protection officer,Representative (Art. 27)\r\n"));
    for (const char *p = c.buf; (p = strstr(p, "\r\n")) != NULL; p += 2)
        lines++;
    ck_assert_int_eq(lines, 8); /* the header and one line per purpose */
    ck_assert_ptr_nonnull(strstr(c.buf, "\r\nFinance,billing: Invoicing and bookkeeping,"));
    ck_assert_ptr_nonnull(strstr(c.buf, "gdprctl consent report --purpose marketing"));
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

START_TEST(export_is_audited_and_needs_the_permission)
{
    capture c = {0};
    int64_t before = audit_count("ropa.export");

    th_assert_err(
        gdpr_ropa_export(ts.eng, &th_agent, GDPR_EXPORT_JSON, GDPR_NOW, capture_write, &c),
        GDPR_EDENIED, "ropa.export");
    ck_assert_int_eq(c.len, 0);
    free(record_json());
    ck_assert_int_eq(audit_count("ropa.export"), before + 2); /* the refusal and the export */
}
END_TEST

START_TEST(bad_arguments_are_refused)
{
    capture c = {0};

    th_assert_err(gdpr_ropa_export(NULL, &th_dpo, GDPR_EXPORT_JSON, GDPR_NOW, capture_write, &c),
                  GDPR_EINVAL, "eng");
    th_assert_err(gdpr_ropa_export(ts.eng, NULL, GDPR_EXPORT_JSON, GDPR_NOW, capture_write, &c),
                  GDPR_EINVAL, "who");
    th_assert_err(gdpr_ropa_export(ts.eng, &th_dpo, 7, GDPR_NOW, capture_write, &c), GDPR_EINVAL,
                  "format");
    th_assert_err(gdpr_ropa_export(ts.eng, &th_dpo, GDPR_EXPORT_JSON, 0, capture_write, &c),
                  GDPR_EINVAL, "as_of");
    th_assert_err(gdpr_ropa_export(ts.eng, &th_dpo, GDPR_EXPORT_JSON, INT64_MAX, capture_write, &c),
                  GDPR_EINVAL, "as_of");
    th_assert_err(gdpr_ropa_export(ts.eng, &th_dpo, GDPR_EXPORT_JSON, GDPR_NOW, NULL, &c),
                  GDPR_EINVAL, "write");
    ck_assert_int_eq(c.len, 0);
}
END_TEST

START_TEST(a_policy_without_the_sections_cannot_export)
{
    capture c = {0};

    th_ok(gdpr_policy_load(ts.eng, &th_dpo, th_example_policy_path()));
    th_assert_err(gdpr_ropa_export(ts.eng, &th_dpo, GDPR_EXPORT_JSON, GDPR_NOW, capture_write, &c),
                  GDPR_ESTATE, "'data_subjects'");
    ck_assert_int_eq(c.len, 0);
}
END_TEST

/* Replace the first `from` in the ROPA policy by `to` and expect the load
 * refused naming `fragment`, the policy in force unchanged. */
static void
refused(const char *from, const char *to, const char *fragment)
{
    char *doc = ropa_policy(), *at = strstr(doc, from), *out;
    char before[65], after[65];

    ck_assert_msg(at != NULL, "'%s' not in the policy", from);
    out = malloc(strlen(doc) + strlen(to) + 1);
    ck_assert_ptr_nonnull(out);
    memcpy(out, doc, (size_t)(at - doc));
    strcpy(out + (at - doc), to);
    strcat(out, at + strlen(from));
    th_fingerprint(&ts, before);
    ck_assert_msg(gdpr_policy_load_string(ts.eng, &th_dpo, out) == GDPR_EINVAL &&
                      strstr(gdpr_errmsg(), fragment) != NULL,
                  "replacing %.40s: want EINVAL with '%s', got '%s'", from, fragment,
                  gdpr_errmsg());
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    free(out);
    free(doc);
}

START_TEST(the_sections_are_validated_whole)
{
    refused("\"data_subjects\": [\"applicants\"]", "\"data_subjects\": [\"aliens\"]",
            "'aliens' is not a category of data subjects");
    refused("\"data_subjects\": [\"applicants\"]", "\"data_subjects\": []",
            "must name at least one");
    refused("{ \"purpose\": \"accessibility\", \"business_function\": \"Customer service\", "
            "\"data_subjects\": [\"customers\"] },",
            "", "purpose 'accessibility' has no entry");
    refused("{ \"purpose\": \"billing\", \"business_function\"",
            "{ \"purpose\": \"astrology\", \"business_function\"",
            "processing_record[1].purpose: "
            "'astrology' is not a purpose");
    refused("{ \"purpose\": \"billing\", \"business_function\"",
            "{ \"purpose\": \"service\", \"business_function\"", "has an entry already");
    refused("\"recipients\": [\"revenue\"]", "\"recipients\": [\"nsa\"]",
            "'nsa' is not a recipient");
    refused("\"country\": \"DE\" },\n  \"processing_record\"",
            "\"country\": \"Germany\" },\n  \"processing_record\"", "representative.country");
    refused("\"purposes\": [\"marketing\"], \"arrangement\"",
            "\"purposes\": [\"gossip\"], \"arrangement\"", "'gossip' is not a purpose");
    refused("\"summary\": \"Personal", "\"summry\": \"Personal", "unknown field");
    refused("{ \"id\": \"prospects\",", "{ \"id\": \"customers\",", "used twice");
    refused(
        "{ \"id\": \"customers\",  \"description\": \"Customers and their contact persons\" },\n"
        "    { \"id\": \"prospects\",  \"description\": \"Prospective customers who asked for "
        "offers\" },\n"
        "    { \"id\": \"applicants\", \"description\": \"Job applicants\" }",
        "", "at least one category of data subjects");
}
END_TEST

static Suite *
ropa_suite(void)
{
    Suite *s = suite_create("ropa");
    TCase *tc = tcase_create("record of processing activities");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, every_item_of_art_30_1_is_there);
    tcase_add_test(tc, a_safeguard_added_at_run_time_counts);
    tcase_add_test(tc, csv_has_the_ico_columns_one_line_per_purpose);
    tcase_add_test(tc, breaches_are_listed_on_the_purposes_whose_data_they_touched);
    tcase_add_test(tc, export_is_audited_and_needs_the_permission);
    tcase_add_test(tc, bad_arguments_are_refused);
    tcase_add_test(tc, a_policy_without_the_sections_cannot_export);
    tcase_add_test(tc, the_sections_are_validated_whole);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return th_run(ropa_suite());
}
