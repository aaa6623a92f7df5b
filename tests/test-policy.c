/*
 * Policy: loading, whole-document validation, versions, roles.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static th_store ts;
static char *example;

static void
setup(void)
{
    th_setup_bare(&ts);
    example = th_read_file(th_example_policy_path(), NULL);
    ck_assert_ptr_nonnull(example);
}

static void
teardown(void)
{
    free(example);
    th_teardown(&ts);
}

/* The example policy with one substring replaced. */
static char *
mutate(const char *from, const char *to)
{
    const char *at = strstr(example, from);
    size_t head, len;
    char *out;

    ck_assert_msg(at != NULL, "example policy lacks '%s'", from);
    head = (size_t)(at - example);
    len = strlen(example) - strlen(from) + strlen(to);
    out = malloc(len + 1);
    ck_assert_ptr_nonnull(out);
    memcpy(out, example, head);
    memcpy(out + head, to, strlen(to));
    strcpy(out + head + strlen(to), at + strlen(from));
    return out;
}

START_TEST(load_and_version)
{
    int64_t version = 0;
    char *doc = NULL;

    th_assert_err(gdpr_policy_version(ts.eng, &version), GDPR_ESTATE, "none loaded");
    th_ok(gdpr_policy_load(ts.eng, &th_dpo, th_example_policy_path()));
    th_ok(gdpr_policy_version(ts.eng, &version));
    ck_assert_int_eq(version, 1);
    th_ok(gdpr_policy_get(ts.eng, &doc));
    ck_assert_str_eq(doc, example);
    gdpr_free(doc);

    /* The same document again: no new version. */
    th_ok(gdpr_policy_load_string(ts.eng, &th_dpo, example));
    th_ok(gdpr_policy_version(ts.eng, &version));
    ck_assert_int_eq(version, 1);

    /* A change is a new version, kept across reopen. */
    {
        char *changed = mutate("\"Example CRM Ltd\"", "\"Example CRM Limited\"");
        th_ok(gdpr_policy_load_string(ts.eng, &th_dpo, changed));
        free(changed);
    }
    th_reopen(&ts);
    th_ok(gdpr_policy_version(ts.eng, &version));
    ck_assert_int_eq(version, 2);
    th_ok(gdpr_policy_get(ts.eng, &doc));
    ck_assert_ptr_nonnull(strstr(doc, "Example CRM Limited"));
    gdpr_free(doc);
}
END_TEST

typedef struct {
    const char *from, *to, *message;
} bad_case;

static const bad_case bad_cases[] = {
    {"\"basis\": \"consent\"", "\"basis\": \"consnet\"",
     "purposes[2].basis: 'consnet' is not one of consent, contract, legal_obligation"},
    {"\"categories\": [\"contact\", \"usage\"]", "\"categories\": [\"contact\", \"usgae\"]",
     "purposes[0].categories[1]: 'usgae' is not a category"},
    {"\"period\": \"P6Y\"", "\"period\": \"P6X\"",
     "retention[0].period: 'P6X' is not an ISO 8601 duration (position 2"},
    {"\"period\": \"P2Y\"", "\"period\": \"2Y\"", "retention[1].period: '2Y'"},
    {"\"anchor\": \"contract_end\"", "\"anchor\": \"contract_start\"",
     "retention[0].anchor: 'contract_start' is not one of"},
    {"\"action\": \"erase\", \"legal_duty\"", "\"action\": \"shred\", \"legal_duty\"",
     "retention[0].action: 'shred'"},
    {"\"country\": \"IE\",\n    \"timezone\"", "\"country\": \"Ireland\",\n    \"timezone\"",
     "controller.country: longer than 2 bytes"},
    {"\"country\": \"IE\",\n    \"timezone\"", "\"country\": \"ie\",\n    \"timezone\"",
     "controller.country: 'ie' is not an ISO 3166-1 alpha-2"},
    {"\"timezone\": \"Europe/Dublin\"", "\"timezone\": \"Europe/Atlantis\"",
     "controller.timezone: 'Europe/Atlantis' is not a time zone"},
    {"\"holidays\": [\"2026-12-25\"", "\"holidays\": [\"2026-13-25\"",
     "controller.holidays[0]: must be a date"},
    {"\"request.open\",\n", "\"request.opne\",\n",
     "roles[0].permissions[2]: 'request.opne' is not a permission"},
    {"\"sha256\": \"6cde", "\"sha256\": \"zzde", "notices[0].sha256: must be 64 hex digits"},
    {"{ \"id\": \"cv\",", "{ \"id\": \"usage\",", "categories[4].id: id 'usage' is used twice"},
    {"\"special\": true", "\"special\": \"yes\"", "categories[2].special: must be true or false"},
    {"\"transfer_risks\": true", "\"transfer_risks\": \"yes\"",
     "notices[2].transfer_risks: must be true or false"},
    {"\"direct_marketing\": true", "\"direct_marketing\": 1",
     "purposes[2].direct_marketing: must be true or false"},
    {"\"categories\": [\"contact\", \"usage\"] }",
     "\"categories\": [\"contact\", \"usage\"], \"direct_marketing\": true }",
     "purposes[0].direct_marketing: direct marketing rests on consent or legitimate_interests "
     "(Recital 47), not on contract"},
    {"\"module\": 2", "\"module\": 5",
     "recipients[3].safeguards[0].module: SCC module must be 1, 2, 3 or 4"},
    {"\"country\": \"US\", \"kind\": \"processor\",",
     "\"country\": \"us\", \"kind\": \"processor\",",
     "recipients[1].country: 'us' is not an ISO 3166-1 alpha-2"},
    {"\"kind\": \"public_body\"", "\"kind\": \"government\"", "recipients[4].kind: 'government'"},
    {"\"disclosure_ground\": \"legal_obligation\"", "\"disclosure_ground\": \"consent\"",
     "recipients[4].disclosure_ground: consent is not a standing ground"},
    {"\"description\": \"Invoicing and bookkeeping\"",
     "\"descripton\": \"Invoicing and bookkeeping\"", "purposes[1].descripton: unknown field"},
    {"\"controller\": {", "\"controler\": {", "policy: controler: unknown field"},
    {"\"roles\": [", "\"roles\": {\"x\": [", "line"},
    {"\"name\": \"Example CRM Ltd\",", "\"name\": \"Example CRM Ltd\"",
     "line 4, column 5: expected ',' or '}'"},
    {"\"name\": \"Example CRM Ltd\"", "\"name\": \"Example \xff CRM\"", "not valid UTF-8"},
    {"\"name\": \"Example CRM Ltd\"", "\"name\": 42", "controller.name: must be a string"},
    {"\"purpose\": \"billing\", \"category\": \"financial\"",
     "\"purpose\": \"biling\", \"category\": \"financial\"",
     "retention[0].purpose: 'biling' is not a purpose"},
    {"\"purpose\": \"marketing\", \"category\": \"contact\", \"period\": \"P2Y\"",
     "\"purpose\": \"billing\", \"category\": \"financial\", \"period\": \"P2Y\"",
     "retention[1]: a second rule for the same purpose and category (R-1)"},
    {"\"keep\": [\"country\", \"product\"]", "\"keep\": [\"country\"], \"min_group\": 1",
     "retention[3].min_group: 1 is outside 2..1000000"},
    {"\"keep\": [\"country\", \"product\"]", "\"keep\": [\"country\"], \"min_group\": \"5\"",
     "retention[3].min_group: must be a whole number of records"},
    {"\"keep\": [\"country\", \"product\"]", "\"keep\": [\"country\"], \"min_group\": 2.5",
     "retention[3].min_group: must be a whole number"},
    {"\"action\": \"erase\", \"legal_duty\"",
     "\"action\": \"erase\", \"min_group\": 5, \"legal_duty\"",
     "retention[0].min_group: only a rule with action \"anonymise\" has a min_group"},
};

START_TEST(bad_document_refused_whole)
{
    const bad_case *c = &bad_cases[_i];
    char *doc = mutate(c->from, c->to);
    char before[65], after[65];
    int64_t version = 0;

    th_ok(gdpr_policy_load(ts.eng, &th_dpo, th_example_policy_path()));
    th_fingerprint(&ts, before);
    th_assert_err(gdpr_policy_load_string(ts.eng, &th_dpo, doc), GDPR_EINVAL, c->message);
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    th_ok(gdpr_policy_version(ts.eng, &version));
    ck_assert_int_eq(version, 1);
    free(doc);
}
END_TEST

START_TEST(bad_file_names_file_and_line)
{
    char path[400];
    FILE *f;

    snprintf(path, sizeof path, "%s/broken.json", ts.dir);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("{\n  \"controller\": {\n    \"name\": \"x\",,\n  }\n}\n", f);
    fclose(f);
    th_assert_err(gdpr_policy_load(ts.eng, &th_dpo, path), GDPR_EINVAL,
                  "broken.json: line 3, column 17");
    th_assert_err(gdpr_policy_load(ts.eng, &th_dpo, "/nonexistent/p.json"), GDPR_ENOTFOUND,
                  "cannot open '/nonexistent/p.json'");
}
END_TEST

START_TEST(bad_arguments)
{
    char big[300];
    gdpr_actor nobody = {NULL, "dpo"};
    gdpr_actor bad_role = {"x", ""};
    int allowed = 0;
    int64_t v;
    char *doc;

    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    th_assert_err(gdpr_policy_load(NULL, &th_dpo, "x"), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_policy_load(ts.eng, NULL, "x"), GDPR_EINVAL, "who");
    th_assert_err(gdpr_policy_load(ts.eng, &nobody, "x"), GDPR_EINVAL, "who.id: must not be NULL");
    th_assert_err(gdpr_policy_load(ts.eng, &bad_role, "x"), GDPR_EINVAL,
                  "who.role: must not be empty");
    th_assert_err(gdpr_policy_load(ts.eng, &th_dpo, NULL), GDPR_EINVAL, "path");
    th_assert_err(gdpr_policy_load(ts.eng, &th_dpo, ""), GDPR_EINVAL, "path: must not be empty");
    th_assert_err(gdpr_policy_load_string(ts.eng, &th_dpo, NULL), GDPR_EINVAL, "json");
    th_assert_err(gdpr_policy_load_string(ts.eng, &th_dpo, ""), GDPR_EINVAL, "empty document");
    th_assert_err(gdpr_policy_load_string(ts.eng, &th_dpo, "[]"), GDPR_EINVAL,
                  "must be a JSON object");
    th_assert_err(gdpr_policy_load_string(ts.eng, &th_dpo, "{}"), GDPR_EINVAL,
                  "controller: required");
    th_assert_err(gdpr_policy_version(NULL, &v), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_policy_version(ts.eng, NULL), GDPR_EINVAL, "version_out");
    th_assert_err(gdpr_policy_get(ts.eng, NULL), GDPR_EINVAL, "json_out");
    th_assert_err(gdpr_policy_get(ts.eng, &doc), GDPR_ESTATE, "none loaded");
    th_assert_err(gdpr_policy_allows(ts.eng, "dpo", "rekey", &allowed), GDPR_ESTATE, "none loaded");
    th_ok(gdpr_policy_load(ts.eng, &th_dpo, th_example_policy_path()));
    th_assert_err(gdpr_policy_allows(ts.eng, big, "rekey", &allowed), GDPR_EINVAL, "role: longer");
    th_assert_err(gdpr_policy_allows(ts.eng, "dpo", "rekye", &allowed), GDPR_EINVAL,
                  "'rekye' is not a permission");
    th_assert_err(gdpr_policy_allows(ts.eng, "dpo", "rekey", NULL), GDPR_EINVAL, "allowed_out");
}
END_TEST

typedef struct {
    int denied;
    char action[64];
} denial_seen;

static int
find_denial(const gdpr_audit_event *ev, void *ctx)
{
    denial_seen *d = ctx;
    if (ev->outcome == GDPR_EDENIED) {
        d->denied++;
        snprintf(d->action, sizeof d->action, "%s", ev->action);
    }
    return 0;
}

START_TEST(roles_and_refusal_audited)
{
    int allowed = -1;
    denial_seen seen = {0, ""};
    gdpr_actor stranger = {"who-knows", "intern"};

    th_ok(gdpr_policy_load(ts.eng, &th_dpo, th_example_policy_path()));
    th_ok(gdpr_policy_allows(ts.eng, "dpo", "hold.manage", &allowed));
    ck_assert_int_eq(allowed, 1);
    th_ok(gdpr_policy_allows(ts.eng, "agent", "hold.manage", &allowed));
    ck_assert_int_eq(allowed, 0);
    th_ok(gdpr_policy_allows(ts.eng, "intern", "consent.record", &allowed));
    ck_assert_int_eq(allowed, 0);

    /* An agent may not change the policy; the refusal is audited. */
    th_assert_err(gdpr_policy_load(ts.eng, &th_agent, th_example_policy_path()), GDPR_EDENIED,
                  "'agent' lacks permission 'policy.load'; roles with it: dpo");
    th_assert_err(gdpr_subject_ensure(ts.eng, &stranger, "s-1", NULL), GDPR_EDENIED,
                  "'intern' is not a role of the policy");
    th_ok(gdpr_audit_foreach(ts.eng, 1, find_denial, &seen));
    ck_assert_int_eq(seen.denied, 2);
    ck_assert_str_eq(seen.action, "subject.create");
    th_ok(gdpr_audit_verify(ts.eng, NULL));
}
END_TEST

START_TEST(first_policy_needed)
{
    th_assert_err(gdpr_subject_ensure(ts.eng, &th_agent, "s-1", NULL), GDPR_ESTATE,
                  "policy: none loaded");
}
END_TEST

static Suite *
policy_suite(void)
{
    Suite *s = suite_create("policy");
    TCase *tc = tcase_create("policy");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, load_and_version);
    tcase_add_loop_test(tc, bad_document_refused_whole, 0,
                        (int)(sizeof bad_cases / sizeof bad_cases[0]));
    tcase_add_test(tc, bad_file_names_file_and_line);
    tcase_add_test(tc, bad_arguments);
    tcase_add_test(tc, roles_and_refusal_audited);
    tcase_add_test(tc, first_policy_needed);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return th_run(policy_suite());
}
