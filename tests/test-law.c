/*
 * The law as it stands on the day (issue 19): table-driven cases, one per
 * legal rule, each named by its article and the date it is asked on, each
 * row citing its source (docs/gdpr-article-map.md, docs/transfers-sources.md).
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "engine.h"
#include "helpers.h"

static th_store ts;

/* What the Art. 17(3) migration (holds with a ground and narrowing,
 * kept records with a ground) and the access-log migration (Art. 15(4))
 * add, dropped to stand for an older store. */
#define DROP_ART17_3                                                                               \
    " ALTER TABLE erasure_hold DROP COLUMN ground; ALTER TABLE erasure_hold DROP COLUMN purpose;"  \
    " ALTER TABLE erasure_hold DROP COLUMN collected_from;"                                        \
    " ALTER TABLE erasure_hold DROP COLUMN collected_to;"                                          \
    " ALTER TABLE tombstone_kept DROP COLUMN exemption; DROP TABLE access_log;"

/* 00:00 UTC on a civil date. */
static int64_t
day(int y, unsigned m, unsigned d)
{
    return gdpr_calendar__days_from_civil(y, m, d) * 86400;
}

/* The example policy with `from` replaced by `to` (first occurrence). */
static char *
example_with(const char *from, const char *to)
{
    char *doc = th_read_file(th_example_policy_path(), NULL);
    const char *at;
    char *out;
    size_t head;

    ck_assert_ptr_nonnull(doc);
    at = strstr(doc, from);
    ck_assert_msg(at != NULL, "example policy lacks '%s'", from);
    head = (size_t)(at - doc);
    out = malloc(strlen(doc) - strlen(from) + strlen(to) + 1);
    ck_assert_ptr_nonnull(out);
    memcpy(out, doc, head);
    strcpy(out + head, to);
    strcat(out, at + strlen(from));
    free(doc);
    return out;
}

/* The example policy plus a direct-marketing purpose on legitimate
 * interests (Recital 47) and one on consent (the example's "marketing"). */
static void
setup(void)
{
    char *doc;

    th_setup(&ts);
    doc = example_with("\"purposes\": [",
                       "\"purposes\": [\n    { \"id\": \"newsletter\", \"description\": "
                       "\"Postal newsletter to customers\", \"basis\": \"legitimate_interests\", "
                       "\"categories\": [\"contact\"], \"direct_marketing\": true },");
    th_ok(gdpr_policy_load_string(ts.eng, &th_dpo, doc));
    free(doc);
}

static void
plain_setup(void)
{
    th_setup(&ts);
}

static void
teardown(void)
{
    th_teardown(&ts);
}

/* --- Art. 21(1)-(3): objection, and direct marketing -------------------- */

typedef enum { OBJ_NONE, OBJ_GENERAL, OBJ_ALL_DM, OBJ_PURPOSE } obj_kind;
typedef enum { LIFT_NONE, LIFT_SUBJECT, LIFT_CONTROLLER, LIFT_GENERAL } lift_kind;

typedef struct {
    const char *name; /* article and date */
    int y;
    unsigned m, d;
    obj_kind objection;
    const char *object_purpose; /* OBJ_PURPOSE: which */
    int object_rc;              /* what recording the objection returns */
    lift_kind lift;
    int lift_rc;
    const char *ask; /* purpose asked of gdpr_may_process */
    int allowed;     /* expected answer */
    int why;         /* expected code */
    const char *source;
} art21_case;

/* Sources: GDPR Art. 21(1) (objection to (e)/(f), compelling grounds),
 * 21(2) (direct marketing "at any time"), 21(3) ("shall no longer be
 * processed"), Recital 70; Art. 7(3) (consent is withdrawn, not objected
 * to). The subject gave consent to "marketing" before each case. */
static const art21_case art21_cases[] = {
    {"art21_2_consent_marketing_no_objection_2026_01_05", 2026, 1, 5, OBJ_NONE, NULL, GDPR_OK,
     LIFT_NONE, GDPR_OK, "marketing", 1, GDPR_WHY_CONSENT, "Art. 6(1)(a)"},
    {"art21_3_general_objection_stops_consent_marketing_2026_01_05", 2026, 1, 5, OBJ_GENERAL, NULL,
     GDPR_OK, LIFT_NONE, GDPR_OK, "marketing", 0, GDPR_WHY_OBJECTED, "Art. 21(2)-(3)"},
    {"art21_3_all_dm_objection_stops_consent_marketing_2026_02_01", 2026, 2, 1, OBJ_ALL_DM, NULL,
     GDPR_OK, LIFT_NONE, GDPR_OK, "marketing", 0, GDPR_WHY_OBJECTED, "Art. 21(3)"},
    {"art21_3_all_dm_objection_stops_li_marketing_2026_02_01", 2026, 2, 1, OBJ_ALL_DM, NULL,
     GDPR_OK, LIFT_NONE, GDPR_OK, "newsletter", 0, GDPR_WHY_OBJECTED, "Art. 21(3), Recital 70"},
    {"art21_2_purpose_objection_leaves_other_dm_2026_02_01", 2026, 2, 1, OBJ_PURPOSE, "newsletter",
     GDPR_OK, LIFT_NONE, GDPR_OK, "marketing", 1, GDPR_WHY_CONSENT, "Art. 21(2) (per purpose)"},
    {"art21_3_purpose_objection_stops_that_dm_2026_02_01", 2026, 2, 1, OBJ_PURPOSE, "newsletter",
     GDPR_OK, LIFT_NONE, GDPR_OK, "newsletter", 0, GDPR_WHY_OBJECTED, "Art. 21(3)"},
    {"art21_3_consent_dm_purpose_objection_2026_02_01", 2026, 2, 1, OBJ_PURPOSE, "marketing",
     GDPR_OK, LIFT_NONE, GDPR_OK, "marketing", 0, GDPR_WHY_OBJECTED, "Art. 21(3)"},
    {"art21_2_all_dm_objection_leaves_non_dm_li_2026_03_01", 2026, 3, 1, OBJ_ALL_DM, NULL, GDPR_OK,
     LIFT_NONE, GDPR_OK, "recruitment", 1, GDPR_WHY_BASIS, "Art. 21(2) reaches DM only"},
    {"art21_1_purpose_objection_li_2026_03_01", 2026, 3, 1, OBJ_PURPOSE, "recruitment", GDPR_OK,
     LIFT_NONE, GDPR_OK, "recruitment", 0, GDPR_WHY_OBJECTED, "Art. 21(1)"},
    {"art21_1_purpose_objection_leaves_contract_2026_03_01", 2026, 3, 1, OBJ_PURPOSE, "recruitment",
     GDPR_OK, LIFT_NONE, GDPR_OK, "service", 1, GDPR_WHY_BASIS, "Art. 21(1) reaches (e)/(f) only"},
    {"art21_1_controller_lifts_li_objection_2026_03_01", 2026, 3, 1, OBJ_PURPOSE, "recruitment",
     GDPR_OK, LIFT_CONTROLLER, GDPR_OK, "recruitment", 1, GDPR_WHY_BASIS,
     "Art. 21(1) compelling legitimate grounds"},
    {"art21_3_controller_cannot_lift_all_dm_2026_03_02", 2026, 3, 2, OBJ_ALL_DM, NULL, GDPR_OK,
     LIFT_CONTROLLER, GDPR_EINVAL, "marketing", 0, GDPR_WHY_OBJECTED, "Art. 21(3)"},
    {"art21_3_controller_cannot_lift_dm_purpose_2026_03_02", 2026, 3, 2, OBJ_PURPOSE, "newsletter",
     GDPR_OK, LIFT_CONTROLLER, GDPR_EINVAL, "newsletter", 0, GDPR_WHY_OBJECTED, "Art. 21(3)"},
    {"art21_3_subject_takes_back_all_dm_2026_04_01", 2026, 4, 1, OBJ_ALL_DM, NULL, GDPR_OK,
     LIFT_SUBJECT, GDPR_OK, "marketing", 1, GDPR_WHY_CONSENT, "Art. 21(3): the subject's choice"},
    {"art21_3_subject_takes_back_dm_purpose_2026_04_01", 2026, 4, 1, OBJ_PURPOSE, "newsletter",
     GDPR_OK, LIFT_SUBJECT, GDPR_OK, "newsletter", 1, GDPR_WHY_BASIS,
     "Art. 21(3): the subject's choice"},
    {"art21_3_general_lift_keeps_dm_objection_2026_04_02", 2026, 4, 2, OBJ_GENERAL, NULL, GDPR_OK,
     LIFT_GENERAL, GDPR_OK, "marketing", 0, GDPR_WHY_OBJECTED,
     "Art. 21(3): lifting on the controller's grounds cannot reach DM"},
    {"art21_1_general_lift_restores_li_2026_04_02", 2026, 4, 2, OBJ_GENERAL, NULL, GDPR_OK,
     LIFT_GENERAL, GDPR_OK, "recruitment", 1, GDPR_WHY_BASIS, "Art. 21(1)"},
    {"art21_1_objection_to_contract_refused_2026_05_01", 2026, 5, 1, OBJ_PURPOSE, "service",
     GDPR_EINVAL, LIFT_NONE, GDPR_OK, "service", 1, GDPR_WHY_BASIS,
     "Art. 21(1) reaches (e)/(f) only"},
    {"art7_3_objection_to_consent_non_dm_refused_2026_05_01", 2026, 5, 1, OBJ_PURPOSE, "billing",
     GDPR_EINVAL, LIFT_NONE, GDPR_OK, "billing", 1, GDPR_WHY_BASIS,
     "Art. 21(1); legal obligation is not reached"},
};

START_TEST(art21_table)
{
    const art21_case *c = &art21_cases[_i];
    gdpr_consent g = GDPR_CONSENT_INIT;
    const char *purpose = c->object_purpose;
    gdpr_why why;
    int allowed = -1, rc = GDPR_OK;

    ts.now = day(c->y, c->m, c->d) - 86400;
    g.subject = "cust-21";
    g.purpose = "marketing";
    g.notice = "marketing-v2";
    g.channel = "web";
    th_ok(gdpr_consent_record(ts.eng, &th_agent, &g, NULL));
    ts.now = day(c->y, c->m, c->d);
    if (c->objection == OBJ_GENERAL)
        rc = gdpr_subject_object(ts.eng, &th_dpo, "cust-21");
    else if (c->objection == OBJ_ALL_DM)
        rc = gdpr_subject_object_purpose(ts.eng, &th_dpo, "cust-21",
                                         purpose = GDPR_OBJECT_ALL_MARKETING);
    else if (c->objection == OBJ_PURPOSE)
        rc = gdpr_subject_object_purpose(ts.eng, &th_dpo, "cust-21", purpose);
    ck_assert_msg(rc == c->object_rc, "%s: object: %s (%s)", c->name, gdpr_strerror(rc),
                  gdpr_errmsg());
    if (c->lift == LIFT_GENERAL)
        rc = gdpr_subject_unobject(ts.eng, &th_dpo, "cust-21");
    else if (c->lift != LIFT_NONE)
        rc = gdpr_subject_unobject_purpose(ts.eng, &th_dpo, "cust-21", purpose,
                                           c->lift == LIFT_SUBJECT ? GDPR_LIFT_BY_SUBJECT
                                                                   : GDPR_LIFT_COMPELLING_GROUNDS);
    ck_assert_msg(rc == (c->lift == LIFT_NONE ? c->object_rc : c->lift_rc), "%s: lift: %s (%s)",
                  c->name, gdpr_strerror(rc), gdpr_errmsg());
    if (c->lift == LIFT_CONTROLLER && c->lift_rc == GDPR_EINVAL)
        ck_assert_ptr_nonnull(strstr(gdpr_errmsg(), "Art. 21(3)"));
    th_ok(gdpr_may_process(ts.eng, "cust-21", c->ask, ts.now, &allowed, &why));
    ck_assert_msg(allowed == c->allowed && why.code == c->why, "%s (%s): allowed %d why %s (%s)",
                  c->name, c->source, allowed, gdpr_why_name(why.code), why.text);
    th_ok(gdpr_audit_verify(ts.eng, NULL));
}
END_TEST

/* Art. 21(3) and 17(1)(c): the objection to direct marketing outlives
 * erasure as a suppression entry holding the keyed hash only; the person
 * imported again under the same id is not marketed to. */
START_TEST(art21_3_suppression_survives_erasure_2026_06_01)
{
    TH_SQLITE_ONLY("greps the SQLite files");
    gdpr_consent g = GDPR_CONSENT_INIT;
    gdpr_erase_report rep;
    unsigned int limits = 0;
    gdpr_why why;
    int allowed = -1;

    ts.now = day(2026, 6, 1);
    g.subject = "Quillon Marchbank";
    g.purpose = "marketing";
    g.notice = "marketing-v2";
    g.channel = "web";
    th_ok(gdpr_consent_record(ts.eng, &th_agent, &g, NULL));
    th_ok(gdpr_subject_object_purpose(ts.eng, &th_dpo, "Quillon Marchbank",
                                      GDPR_OBJECT_ALL_MARKETING));
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "Quillon Marchbank", "Art. 17(1)(c)", &rep));
    th_ok(gdpr_subject_limits(ts.eng, "Quillon Marchbank", &limits));
    ck_assert_uint_eq(limits, GDPR_SUBJECT_MARKETING_OBJECTED);
    ck_assert(!th_store_files_contain(&ts, "Quillon", 7));

    /* Re-imported a month later, with a fresh consent from a bought list. */
    ts.now = day(2026, 7, 1);
    th_ok(gdpr_consent_record(ts.eng, &th_agent, &g, NULL));
    th_ok(gdpr_may_process(ts.eng, "Quillon Marchbank", "marketing", ts.now, &allowed, &why));
    ck_assert_int_eq(allowed, 0);
    ck_assert_int_eq(why.code, GDPR_WHY_OBJECTED);
    th_ok(gdpr_may_process(ts.eng, "Quillon Marchbank", "newsletter", ts.now, &allowed, &why));
    ck_assert_int_eq(allowed, 0);
    /* Disclosing for direct marketing is processing for it too. */
    th_ok(gdpr_disclosure_check(ts.eng, "Quillon Marchbank", "mailer-eu", "marketing", ts.now,
                                &allowed, &why));
    ck_assert_int_eq(allowed, 0);
    ck_assert_int_eq(why.code, GDPR_WHY_OBJECTED);
    /* Only the subject takes it back. */
    th_ok(gdpr_subject_unobject_purpose(ts.eng, &th_dpo, "Quillon Marchbank",
                                        GDPR_OBJECT_ALL_MARKETING, GDPR_LIFT_BY_SUBJECT));
    th_ok(gdpr_may_process(ts.eng, "Quillon Marchbank", "marketing", ts.now, &allowed, &why));
    ck_assert_int_eq(allowed, 1);
}
END_TEST

START_TEST(art21_bad_input_changes_nothing)
{
    char before[65], after[65], longp[300];

    memset(longp, 'p', 290);
    longp[290] = '\0';
    th_fingerprint(&ts, before);
    th_assert_err(gdpr_subject_object_purpose(NULL, &th_dpo, "s", "newsletter"), GDPR_EINVAL,
                  "eng");
    th_assert_err(gdpr_subject_object_purpose(ts.eng, NULL, "s", "newsletter"), GDPR_EINVAL, "who");
    th_assert_err(gdpr_subject_object_purpose(ts.eng, &th_dpo, NULL, "newsletter"), GDPR_EINVAL,
                  "subject");
    th_assert_err(gdpr_subject_object_purpose(ts.eng, &th_dpo, "s", NULL), GDPR_EINVAL, "purpose");
    th_assert_err(gdpr_subject_object_purpose(ts.eng, &th_dpo, "s", ""), GDPR_EINVAL, "purpose");
    th_assert_err(gdpr_subject_object_purpose(ts.eng, &th_dpo, "s", longp), GDPR_EINVAL, "purpose");
    th_assert_err(gdpr_subject_object_purpose(ts.eng, &th_dpo, "s", "news\xff"), GDPR_EINVAL,
                  "purpose");
    th_assert_err(gdpr_subject_object_purpose(ts.eng, &th_dpo, "s", "nope"), GDPR_EINVAL,
                  "purpose: 'nope' is not a purpose");
    th_assert_err(gdpr_subject_object_purpose(ts.eng, &th_dpo, "s", "service"), GDPR_EINVAL,
                  "rests on contract");
    th_assert_err(gdpr_subject_unobject_purpose(ts.eng, &th_dpo, "s", "newsletter", 0), GDPR_EINVAL,
                  "reason");
    th_assert_err(gdpr_subject_unobject_purpose(ts.eng, &th_dpo, "s", "newsletter", 3), GDPR_EINVAL,
                  "reason");
    th_assert_err(
        gdpr_subject_unobject_purpose(ts.eng, &th_dpo, "s", "newsletter", GDPR_LIFT_BY_SUBJECT),
        GDPR_ENOTFOUND, "no objection");
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    /* The agent role lacks subject.object: refused and audited. */
    th_assert_err(gdpr_subject_object_purpose(ts.eng, &th_agent, "s", "newsletter"), GDPR_EDENIED,
                  "subject.object");
    th_ok(gdpr_audit_verify(ts.eng, NULL));
}
END_TEST

/* --- Art. 9(1)-(2): a condition per special-category purpose ------------ */

static const char art9_purposes[] =
    "{ \"id\": \"accessibility\", \"description\": \"Adapting service to a disability\", "
    "\"basis\": \"consent\", \"categories\": [\"health\"], \"art9_condition\": \"a\" },\n"
    "    { \"id\": \"health-contract\", \"description\": \"Health data for an insurance "
    "contract\", "
    "\"basis\": \"contract\", \"categories\": [\"health\"], \"art9_condition\": \"a\" },\n"
    "    { \"id\": \"occupational\", \"description\": \"Sick-leave records (employment law)\", "
    "\"basis\": \"legal_obligation\", \"categories\": [\"health\"], \"art9_condition\": \"b\" },\n"
    "    { \"id\": \"emergency\", \"description\": \"Telling paramedics of an allergy\", "
    "\"basis\": \"vital_interests\", \"categories\": [\"health\"], \"art9_condition\": \"c\" },\n"
    "    { \"id\": \"care-li\", \"description\": \"Care planning by a health professional\", "
    "\"basis\": \"legitimate_interests\", \"categories\": [\"health\"], \"art9_condition\": \"h\" "
    "},\n"
    "    { \"id\": \"health-li-a\", \"description\": \"Wellness offers to consenting members\", "
    "\"basis\": \"legitimate_interests\", \"categories\": [\"health\"], \"art9_condition\": \"a\" "
    "},";

static void
setup_art9(void)
{
    char *doc;

    th_setup(&ts);
    doc = example_with("{ \"id\": \"accessibility\", \"description\": \"Adapting service to a "
                       "disability\", \"basis\": \"consent\",\n      \"categories\": [\"health\"], "
                       "\"art9_condition\": \"a\" },",
                       art9_purposes);
    th_ok(gdpr_policy_load_string(ts.eng, &th_dpo, doc));
    free(doc);
}

typedef enum { C_NONE, C_EXPLICIT, C_WITHDRAWN } consent_step;

typedef struct {
    const char *name;
    int y;
    unsigned m, d;
    const char *purpose;
    consent_step consent;
    int object; /* general objection first */
    int allowed;
    int why;
    const char *source;
} art9_case;

static const art9_case art9_cases[] = {
    {"art9_2_a_consent_explicit_2026_01_10", 2026, 1, 10, "accessibility", C_EXPLICIT, 0, 1,
     GDPR_WHY_CONSENT, "Art. 9(2)(a), 6(1)(a)"},
    {"art9_2_a_consent_none_2026_01_10", 2026, 1, 10, "accessibility", C_NONE, 0, 0,
     GDPR_WHY_NO_CONSENT, "Art. 9(2)(a)"},
    {"art9_2_a_on_contract_needs_explicit_consent_2026_01_10", 2026, 1, 10, "health-contract",
     C_NONE, 0, 0, GDPR_WHY_NO_CONSENT, "Art. 9(1), 9(2)(a): contract alone does not lift 9(1)"},
    {"art9_2_a_on_contract_with_explicit_consent_2026_01_11", 2026, 1, 11, "health-contract",
     C_EXPLICIT, 0, 1, GDPR_WHY_CONSENT, "Art. 6(1)(b) + 9(2)(a)"},
    {"art9_2_a_on_contract_withdrawn_2026_01_12", 2026, 1, 12, "health-contract", C_WITHDRAWN, 0, 0,
     GDPR_WHY_WITHDRAWN, "Art. 7(3), 9(2)(a)"},
    {"art9_2_b_employment_law_no_consent_2026_02_01", 2026, 2, 1, "occupational", C_NONE, 0, 1,
     GDPR_WHY_BASIS, "Art. 6(1)(c) + 9(2)(b)"},
    {"art9_2_c_vital_interests_2026_02_01", 2026, 2, 1, "emergency", C_NONE, 0, 1, GDPR_WHY_BASIS,
     "Art. 6(1)(d) + 9(2)(c)"},
    {"art9_2_h_legitimate_interests_2026_02_02", 2026, 2, 2, "care-li", C_NONE, 0, 1,
     GDPR_WHY_BASIS, "Art. 6(1)(f) + 9(2)(h)"},
    {"art9_2_h_objected_2026_02_02", 2026, 2, 2, "care-li", C_NONE, 1, 0, GDPR_WHY_OBJECTED,
     "Art. 21(1)"},
    {"art9_2_a_on_li_without_consent_2026_02_03", 2026, 2, 3, "health-li-a", C_NONE, 0, 0,
     GDPR_WHY_NO_CONSENT, "Art. 9(2)(a)"},
    {"art9_2_a_on_li_consent_but_objected_2026_02_03", 2026, 2, 3, "health-li-a", C_EXPLICIT, 1, 0,
     GDPR_WHY_OBJECTED, "Art. 21(1) reaches the 6(1)(f) basis"},
    {"art9_2_a_on_li_with_consent_2026_02_03", 2026, 2, 3, "health-li-a", C_EXPLICIT, 0, 1,
     GDPR_WHY_CONSENT, "Art. 6(1)(f) + 9(2)(a)"},
};

START_TEST(art9_table)
{
    const art9_case *c = &art9_cases[_i];
    gdpr_consent g = GDPR_CONSENT_INIT;
    gdpr_why why;
    int allowed = -1;

    ts.now = day(c->y, c->m, c->d) - 3600;
    g.subject = "cust-9";
    g.purpose = c->purpose;
    g.notice = "privacy-v3";
    g.channel = "paper";
    g.flags = GDPR_CONSENT_EXPLICIT;
    if (c->consent != C_NONE)
        th_ok(gdpr_consent_record(ts.eng, &th_agent, &g, NULL));
    if (c->consent == C_WITHDRAWN)
        th_ok(gdpr_consent_withdraw(ts.eng, &th_agent, "cust-9", c->purpose, NULL, "phone", NULL));
    if (c->object)
        th_ok(gdpr_subject_object(ts.eng, &th_dpo, "cust-9"));
    ts.now = day(c->y, c->m, c->d);
    th_ok(gdpr_may_process(ts.eng, "cust-9", c->purpose, ts.now, &allowed, &why));
    ck_assert_msg(allowed == c->allowed && why.code == c->why, "%s (%s): allowed %d why %s (%s)",
                  c->name, c->source, allowed, gdpr_why_name(why.code), why.text);
}
END_TEST

/* Art. 9(2)(a) consent must be explicit whatever the Art. 6 basis. */
START_TEST(art9_2_a_consent_must_be_explicit_2026_01_10)
{
    gdpr_consent g = GDPR_CONSENT_INIT;
    char before[65], after[65];

    ts.now = day(2026, 1, 10);
    g.subject = "cust-9";
    g.purpose = "health-contract";
    g.notice = "privacy-v3";
    g.channel = "paper";
    th_fingerprint(&ts, before);
    th_assert_err(gdpr_consent_record(ts.eng, &th_agent, &g, NULL), GDPR_EINVAL,
                  "consent must be explicit (Art. 9(2)(a))");
    /* A consent for a 9(2)(b) purpose is not what lifts its prohibition. */
    g.purpose = "occupational";
    g.flags = GDPR_CONSENT_EXPLICIT;
    th_assert_err(gdpr_consent_record(ts.eng, &th_agent, &g, NULL), GDPR_EINVAL,
                  "is based on legal_obligation");
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
}
END_TEST

/* A policy stored before the rule (no condition named) still opens, but
 * its special-category purpose is refused (Art. 9(1)). */
START_TEST(art9_1_stored_policy_without_condition_2026_03_01)
{
    char *doc = example_with("\"categories\": [\"health\"], \"art9_condition\": \"a\" }",
                             "\"categories\": [\"health\"] }");
    uint8_t sha[32] = {0};
    gdpr_consent g = GDPR_CONSENT_INIT;
    int64_t version = 0;
    gdpr_why why;
    int allowed = -1;

    ts.now = day(2026, 3, 1);
    g.subject = "cust-9";
    g.purpose = "accessibility";
    g.notice = "privacy-v3";
    g.channel = "paper";
    g.flags = GDPR_CONSENT_EXPLICIT;
    th_ok(gdpr_consent_record(ts.eng, &th_agent, &g, NULL));
    th_ok(gdpr_begin(ts.eng));
    th_ok(gdpr_store__policy_insert(ts.eng->st, ts.now, "legacy", sha, doc, &version));
    th_ok(gdpr_commit(ts.eng));
    free(doc);
    th_reopen(&ts);
    th_ok(gdpr_may_process(ts.eng, "cust-9", "accessibility", ts.now, &allowed, &why));
    ck_assert_int_eq(allowed, 0);
    ck_assert_int_eq(why.code, GDPR_WHY_NO_ART9_CONDITION);
    ck_assert_str_eq(gdpr_why_name(why.code), "no_art9_condition");
}
END_TEST

/* --- Art. 49(1)(a): transfer consent, its own kind ---------------------- */

static void
setup_transfer(void)
{
    char *doc;

    th_setup(&ts);
    doc = example_with("\"recipients\": [",
                       "\"recipients\": [\n    { \"id\": \"cn-partner\", \"name\": \"Partner Co\", "
                       "\"country\": \"CN\", \"kind\": \"controller\", \"occasional_limit\": { "
                       "\"max_transfers\": 3, \"per\": \"P1M\" } },");
    th_ok(gdpr_policy_load_string(ts.eng, &th_dpo, doc));
    free(doc);
}

typedef enum { TC_TRANSFER, TC_EXPLICIT_ONLY, TC_TRANSFER_EXPIRING } tc_kind;

typedef struct {
    const char *name;
    tc_kind kind;
    const char *consent_recipient, *consent_country;
    int withdraw_on; /* day of 2026-03 it is withdrawn, 0: never */
    int y;
    unsigned m, d; /* the transfer */
    const char *recipient;
    unsigned int flags;
    const char *category;
    int allowed;
    int mechanism;
    const char *fragment;
    const char *source;
} art49a_case;

/* The consent is given on 2026-02-01 00:00 UTC in every case. */
static const art49a_case art49a_cases[] = {
    {"art49_1_a_transfer_consent_occasional_2026_02_02", TC_TRANSFER, "acme-analytics", "US", 0,
     2026, 2, 2, "acme-analytics", 0, NULL, 1, GDPR_TRANSFER_DEROGATION_CONSENT,
     "explicit consent to transfers to 'acme-analytics'", "Art. 49(1)(a)"},
    {"art49_1_a_before_the_consent_2026_01_31", TC_TRANSFER, "acme-analytics", "US", 0, 2026, 1, 31,
     "acme-analytics", 0, NULL, 0, GDPR_TRANSFER_REFUSED, "transfer consent", "Art. 49(1)(a)"},
    {"art49_1_a_repeated_transfer_refused_2026_02_02", TC_TRANSFER, "acme-analytics", "US", 0, 2026,
     2, 2, "acme-analytics", GDPR_TRANSFER_REPEATED, NULL, 0, GDPR_TRANSFER_REFUSED,
     "covers occasional transfers only", "Recital 111; EDPB Guidelines 2/2018"},
    {"art49_1_a_explicit_purpose_consent_is_not_transfer_consent_2026_02_02", TC_EXPLICIT_ONLY,
     "acme-analytics", NULL, 0, 2026, 2, 2, "acme-analytics", 0, NULL, 0, GDPR_TRANSFER_REFUSED,
     "transfer consent (recipient, country, risks notice)", "Art. 49(1)(a): specific, informed"},
    {"art49_1_a_names_one_recipient_only_2026_02_02", TC_TRANSFER, "acme-analytics", "US", 0, 2026,
     2, 2, "cn-partner", 0, NULL, 0, GDPR_TRANSFER_REFUSED, "transfer consent",
     "Art. 49(1)(a): the proposed transfer"},
    {"art49_1_a_cn_consent_2026_02_02", TC_TRANSFER, "cn-partner", "CN", 0, 2026, 2, 2,
     "cn-partner", 0, NULL, 1, GDPR_TRANSFER_DEROGATION_CONSENT, "cn-partner", "Art. 49(1)(a)"},
    {"art49_1_a_before_withdrawal_2026_02_15", TC_TRANSFER, "acme-analytics", "US", 1, 2026, 2, 15,
     "acme-analytics", 0, NULL, 1, GDPR_TRANSFER_DEROGATION_CONSENT, "acme-analytics",
     "Art. 7(3): withdrawal does not affect the past"},
    {"art49_1_a_after_withdrawal_2026_03_02", TC_TRANSFER, "acme-analytics", "US", 1, 2026, 3, 2,
     "acme-analytics", 0, NULL, 0, GDPR_TRANSFER_REFUSED, "transfer consent", "Art. 7(3)"},
    {"art49_1_a_special_category_not_on_consent_2026_02_02", TC_TRANSFER, "acme-analytics", "US", 0,
     2026, 2, 2, "acme-analytics", 0, "health", 0, GDPR_TRANSFER_REFUSED, "special-category",
     "stricter reading (docs/transfers.md)"},
    {"art49_1_a_consent_expired_2026_06_01", TC_TRANSFER_EXPIRING, "acme-analytics", "US", 0, 2026,
     6, 1, "acme-analytics", 0, NULL, 0, GDPR_TRANSFER_REFUSED, "transfer consent",
     "Art. 7; expiry recorded with the consent"},
    {"art49_1_a_consent_before_expiry_2026_04_30", TC_TRANSFER_EXPIRING, "acme-analytics", "US", 0,
     2026, 4, 30, "acme-analytics", 0, NULL, 1, GDPR_TRANSFER_DEROGATION_CONSENT, "acme-analytics",
     "Art. 49(1)(a)"},
};

START_TEST(art49_1_a_table)
{
    const art49a_case *c = &art49a_cases[_i];
    gdpr_transfer_request req = GDPR_TRANSFER_REQUEST_INIT;
    gdpr_transfer_result res = GDPR_TRANSFER_RESULT_INIT;
    gdpr_consent g = GDPR_CONSENT_INIT;
    const char *cats[1];
    char key[300];

    ts.now = day(2026, 2, 1);
    g.subject = "cust-49";
    g.purpose = "service";
    g.channel = "web";
    g.recipient = c->consent_recipient;
    if (c->kind == TC_EXPLICIT_ONLY) {
        g.notice = "privacy-v3";
        g.flags = GDPR_CONSENT_EXPLICIT;
    } else {
        g.notice = "transfer-risks-v1";
        g.country = c->consent_country;
        g.flags = GDPR_CONSENT_EXPLICIT | GDPR_CONSENT_TRANSFER;
        if (c->kind == TC_TRANSFER_EXPIRING)
            g.expires = day(2026, 5, 1);
    }
    th_ok(gdpr_consent_record(ts.eng, &th_agent, &g, NULL));
    if (c->withdraw_on) {
        ts.now = day(2026, 3, (unsigned)c->withdraw_on);
        snprintf(key, sizeof key, "transfer:%s@%s", c->consent_recipient, c->consent_country);
        th_ok(gdpr_consent_withdraw(ts.eng, &th_agent, "cust-49", "service", key, "phone", NULL));
    }
    req.subject = "cust-49";
    req.recipient = c->recipient;
    req.at = day(c->y, c->m, c->d) + 43200;
    req.flags = c->flags;
    if (c->category) {
        cats[0] = c->category;
        req.categories = cats;
        req.n_categories = 1;
    }
    th_ok(gdpr_transfer_check_v2(ts.eng, &th_dpo, &req, &res));
    ck_assert_msg(res.allowed == c->allowed && res.mechanism == c->mechanism, "%s (%s): got %s: %s",
                  c->name, c->source, gdpr_transfer_mechanism_name(res.mechanism), res.reason);
    ck_assert_msg(strstr(res.reason, c->fragment) != NULL, "%s: reason '%s' lacks '%s'", c->name,
                  res.reason, c->fragment);
}
END_TEST

typedef struct {
    const char *name;
    const char *recipient, *country, *notice;
    unsigned int flags;
    const char *message;
} art49a_bad;

static const art49a_bad art49a_bad_cases[] = {
    {"art49_1_a_country_must_match", "acme-analytics", "CA", "transfer-risks-v1",
     GDPR_CONSENT_EXPLICIT | GDPR_CONSENT_TRANSFER,
     "country: 'CA' is not the country of recipient 'acme-analytics' (policy: 'US')"},
    {"art49_1_a_informed_of_risks", "acme-analytics", "US", "privacy-v3",
     GDPR_CONSENT_EXPLICIT | GDPR_CONSENT_TRANSFER,
     "notice: 'privacy-v3' does not inform of the risks of the transfer"},
    {"art49_1_a_explicit", "acme-analytics", "US", "transfer-risks-v1", GDPR_CONSENT_TRANSFER,
     "flags: a transfer consent must be explicit (Art. 49(1)(a))"},
    {"art49_1_a_names_recipient", NULL, "US", "transfer-risks-v1",
     GDPR_CONSENT_EXPLICIT | GDPR_CONSENT_TRANSFER, "recipient: a transfer consent"},
    {"art49_1_a_policy_recipient", "Jane Roe", "US", "transfer-risks-v1",
     GDPR_CONSENT_EXPLICIT | GDPR_CONSENT_TRANSFER,
     "recipient: 'Jane Roe' is not a recipient of the policy"},
    {"art49_1_a_names_country", "acme-analytics", NULL, "transfer-risks-v1",
     GDPR_CONSENT_EXPLICIT | GDPR_CONSENT_TRANSFER, "country: a transfer consent"},
    {"art49_1_a_country_bad_utf8", "acme-analytics", "U\xff", "transfer-risks-v1",
     GDPR_CONSENT_EXPLICIT | GDPR_CONSENT_TRANSFER, "country"},
    {"art49_1_a_country_only_for_transfer", "acme-analytics", "US", "privacy-v3",
     GDPR_CONSENT_EXPLICIT, "country: only for a transfer consent"},
    {"art49_1_a_prefix_reserved", "transfer:acme-analytics@US", NULL, "privacy-v3",
     GDPR_CONSENT_EXPLICIT, "recipient: the prefix 'transfer:' is reserved"},
    {"art49_1_a_unknown_flag", "acme-analytics", "US", "transfer-risks-v1", 0x4u,
     "flags: 0x4 has unknown bits"},
};

START_TEST(art49_1_a_record_refused)
{
    const art49a_bad *c = &art49a_bad_cases[_i];
    gdpr_consent g = GDPR_CONSENT_INIT;
    char before[65], after[65];

    g.subject = "cust-49";
    g.purpose = "service";
    g.channel = "web";
    g.recipient = c->recipient;
    g.country = c->country;
    g.notice = c->notice;
    g.flags = c->flags;
    th_fingerprint(&ts, before);
    ck_assert_msg(gdpr_consent_record(ts.eng, &th_agent, &g, NULL) == GDPR_EINVAL, "%s", c->name);
    ck_assert_msg(strstr(gdpr_errmsg(), c->message) != NULL, "%s: '%s' lacks '%s'", c->name,
                  gdpr_errmsg(), c->message);
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
}
END_TEST

/* A request of struct version 1 (before `flags`) is read as occasional;
 * unknown request flags are refused. */
START_TEST(art49_1_a_request_flags_2026_02_02)
{
    gdpr_transfer_request req = GDPR_TRANSFER_REQUEST_INIT;
    gdpr_transfer_result res = GDPR_TRANSFER_RESULT_INIT;

    req.subject = "cust-49";
    req.recipient = "acme-analytics";
    req.at = day(2026, 2, 2);
    req.flags = 0x2u;
    th_assert_err(gdpr_transfer_check_v2(ts.eng, &th_dpo, &req, &res), GDPR_EINVAL,
                  "req.flags: 0x2 has unknown bits");
    req.version = 1;
    th_ok(gdpr_transfer_check_v2(ts.eng, &th_dpo, &req, &res));
}
END_TEST

/* --- Art. 12(3)-(4): a refusal is due in one month, extension or not ----- */

typedef enum { END_DENY, END_DENY_V2, END_FULFIL } end_kind;

typedef struct {
    const char *name;
    int y;
    unsigned m, d;  /* received at 10:00 UTC */
    int extend;     /* months, 0: none */
    int base_due;   /* 1: offset from `due`, 0: from `first_due` */
    int64_t offset; /* seconds from that date to the decision */
    end_kind end;
    int late; /* expected in the KPIs */
    const char *source;
} art12_case;

#define H 3600
#define D 86400

static const art12_case art12_cases[] = {
    {"art12_4_refusal_day_before_one_month_2026_01_15", 2026, 1, 15, 0, 0, -D, END_DENY_V2, 0,
     "Art. 12(4)"},
    {"art12_4_refusal_at_one_month_late_2026_01_15", 2026, 1, 15, 0, 0, 0, END_DENY_V2, 1,
     "Art. 12(4)"},
    {"art12_4_refusal_after_extension_is_late_2026_01_15", 2026, 1, 15, 2, 0, 10 * D, END_DENY_V2,
     1, "Art. 12(4): 'without delay and at the latest within one month'"},
    {"art12_4_refusal_extended_within_month_2026_01_15", 2026, 1, 15, 2, 0, -H, END_DENY_V2, 0,
     "Art. 12(4)"},
    {"art12_3_fulfil_within_extension_on_time_2026_01_15", 2026, 1, 15, 2, 0, 10 * D, END_FULFIL, 0,
     "Art. 12(3) second sentence"},
    {"art12_3_fulfil_at_extended_due_late_2026_01_15", 2026, 1, 15, 2, 1, 0, END_FULFIL, 1,
     "Art. 12(3)"},
    {"art12_4_refusal_month_end_on_time_2026_01_31", 2026, 1, 31, 0, 0, -1, END_DENY_V2, 0,
     "Art. 12(4); Reg. 1182/71 Art. 3(2)(c)"},
    {"art12_4_refusal_month_end_late_2026_01_31", 2026, 1, 31, 0, 0, 0, END_DENY_V2, 1,
     "Art. 12(4); Reg. 1182/71 Art. 3(2)(c)"},
    {"art12_4_extended_month_end_refusal_late_2026_01_31", 2026, 1, 31, 1, 0, D, END_DENY_V2, 1,
     "Art. 12(4)"},
    {"art12_4_refusal_leap_year_on_time_2028_01_30", 2028, 1, 30, 0, 0, -H, END_DENY_V2, 0,
     "Art. 12(4); Reg. 1182/71 Art. 3(2)(c)"},
    {"art12_4_refusal_leap_year_late_2028_01_30", 2028, 1, 30, 1, 0, H, END_DENY_V2, 1,
     "Art. 12(4)"},
    {"art12_4_old_deny_call_late_too_2026_03_02", 2026, 3, 2, 2, 0, 5 * D, END_DENY, 1,
     "Art. 12(4)"},
    {"art12_4_old_deny_call_on_time_2026_03_02", 2026, 3, 2, 0, 0, -D, END_DENY, 0, "Art. 12(4)"},
    {"art12_4_refusal_christmas_receipt_late_2026_12_24", 2026, 12, 24, 2, 0, 2 * D, END_DENY_V2, 1,
     "Art. 12(4); controller holidays (policy)"},
    {"art12_3_fulfil_christmas_extended_on_time_2026_12_24", 2026, 12, 24, 2, 0, 2 * D, END_FULFIL,
     0, "Art. 12(3)"},
};

typedef struct {
    int deny_seen;
    char detail[256];
} hist_ctx;

static int
hist_fn(const gdpr_request_event *ev, void *ctx)
{
    hist_ctx *h = ctx;

    if (strcmp(ev->action, "deny") == 0 && ev->detail) {
        h->deny_seen = 1;
        snprintf(h->detail, sizeof h->detail, "%s", ev->detail);
    }
    return 0;
}

START_TEST(art12_table)
{
    const art12_case *c = &art12_cases[_i];
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    gdpr_request_info info;
    gdpr_request_kpi_report k;
    hist_ctx h = {0, ""};
    int64_t id = 0, received = day(c->y, c->m, c->d) + 10 * H;

    ts.now = received;
    in.type = GDPR_REQUEST_ACCESS;
    in.subject = "cust-12";
    in.channel = "email";
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &id));
    th_ok(gdpr_request_verify(ts.eng, &th_dpo, id, GDPR_VERIFY_VERIFIED, GDPR_METHOD_ACCOUNT_LOGIN,
                              NULL));
    if (c->extend) {
        ts.now = received + D;
        th_ok(gdpr_request_extend(ts.eng, &th_dpo, id, c->extend, "many records", ts.now));
    }
    th_ok(gdpr_request_info_init(&info, GDPR_REQUEST_INFO_VERSION));
    th_ok(gdpr_request_get(ts.eng, id, &info));
    ts.now = (c->base_due ? info.due : info.first_due) + c->offset;
    if (c->end == END_FULFIL)
        th_ok(gdpr_request_fulfil(ts.eng, &th_dpo, id, NULL));
    else if (c->end == END_DENY)
        th_ok(gdpr_request_deny(ts.eng, &th_dpo, id, GDPR_DENIAL_EXEMPT, NULL));
    else
        th_ok(
            gdpr_request_deny_v2(ts.eng, &th_dpo, id, GDPR_DENIAL_EXEMPT, NULL, GDPR_TOLD_ALL, 0));
    th_ok(gdpr_request_kpi_report_init(&k, GDPR_REQUEST_KPI_REPORT_VERSION));
    th_ok(gdpr_request_kpis(ts.eng, day(c->y, c->m, c->d), day(c->y, c->m, c->d) + D, &k));
    ck_assert_msg(k.decided == 1 && k.late == c->late && k.on_time == 1 - c->late,
                  "%s (%s): decided %lld late %lld on_time %lld", c->name, c->source,
                  (long long)k.decided, (long long)k.late, (long long)k.on_time);
    if (c->end == END_FULFIL)
        return;
    th_ok(gdpr_request_history(ts.eng, &th_dpo, id, hist_fn, &h));
    ck_assert(h.deny_seen);
    ck_assert_msg((strstr(h.detail, "late (Art. 12(4)") != NULL) == c->late, "%s: '%s'", c->name,
                  h.detail);
    ck_assert_msg(strstr(h.detail, c->end == END_DENY_V2
                                       ? "told of Art. 77 complaint and Art. 79 judicial remedy"
                                       : "Art. 77/79 information not recorded") != NULL,
                  "%s: '%s'", c->name, h.detail);
}
END_TEST

static void
raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    char *msg = NULL;

    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s: %s", sql, msg);
    sqlite3_close(db);
}

/* Schema 13 counts refusals of stores written before the rule again. */
START_TEST(art12_4_migration_recounts_late_refusals_2026_01_15)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    gdpr_request_info info;
    gdpr_request_kpi_report k;
    int64_t id = 0;

    ts.now = day(2026, 1, 15);
    in.type = GDPR_REQUEST_ACCESS;
    in.subject = "cust-12";
    in.channel = "email";
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &id));
    th_ok(gdpr_request_extend(ts.eng, &th_dpo, id, 2, "many records", ts.now));
    th_ok(gdpr_request_info_init(&info, GDPR_REQUEST_INFO_VERSION));
    th_ok(gdpr_request_get(ts.eng, id, &info));
    ts.now = info.first_due + D;
    th_ok(gdpr_request_deny_v2(ts.eng, &th_dpo, id, GDPR_DENIAL_EXEMPT, NULL, GDPR_TOLD_ALL, 0));
    gdpr_close(ts.eng);
    ts.eng = NULL;
    /* What schema 14 had counted: on time, against the extended date. */
    raw_exec(
        ts.db, TH_SQLITE_UNDO_REGISTER_SUBJECT_IDS TH_SQLITE_UNDO_RECORD_SUBJECT_IDS
                   TH_SQLITE_UNDO_SUBJECT_IDS
        "UPDATE request_kpi SET late = 0; ALTER TABLE consent DROP COLUMN guardian;"
        " ALTER TABLE request_kpi DROP COLUMN denied6;"
        " ALTER TABLE request_kpi DROP COLUMN denied7;"
        " ALTER TABLE request DROP COLUMN info_asked_at; PRAGMA user_version = 14;"
        "DROP TABLE breach_subject; DROP TABLE breach; DELETE FROM counter WHERE name = 'breach';"
        " DROP INDEX request_duplicate; ALTER TABLE request DROP COLUMN "
        "duplicate_of;" DROP_ART17_3);
    raw_exec(ts.keys, "PRAGMA user_version = 14;");
    th_ok(th_open(&ts, &ts.eng));
    th_ok(gdpr_request_kpi_report_init(&k, GDPR_REQUEST_KPI_REPORT_VERSION));
    th_ok(gdpr_request_kpis(ts.eng, day(2026, 1, 15), day(2026, 1, 16), &k));
    ck_assert_int_eq(k.late, 1);
    ck_assert_int_eq(k.on_time, 0);
}
END_TEST

/* --- Data Rights Protocol denial reasons (issue 19 point 14) ---------- */

typedef struct {
    const char *name;
    gdpr_request_denial reason;
    const char *word;
    const char *source;
} drp_case;

static const drp_case drp_cases[] = {
    {"art12_6_drp_suspected_fraud_2026_03_01", GDPR_DENIAL_SUSPECTED_FRAUD, "suspected_fraud",
     "DRP 0.9 denial reasons; Art. 12(2), 12(6), Recital 64"},
    {"art3_drp_outside_jurisdiction_2026_03_01", GDPR_DENIAL_OUTSIDE_JURISDICTION,
     "outside_jurisdiction", "DRP 0.9 denial reasons; Art. 3 territorial scope"},
    {"art17_3_drp_exempt_still_counted_2026_03_01", GDPR_DENIAL_EXEMPT, "exempt", "Art. 17(3), 23"},
    {"art12_drp_other_still_counted_2026_03_01", GDPR_DENIAL_OTHER, "other", "DRP 0.9"},
};

START_TEST(art12_drp_denial_table_2026_03_01)
{
    const drp_case *c = &drp_cases[_i];
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    gdpr_request_info info;
    gdpr_request_kpi_report k;
    gdpr_request_kpi_report *v1;
    size_t v1_size = offsetof(gdpr_request_kpi_report, denied_by_reason_all);
    unsigned char *buf;
    hist_ctx h = {0, ""};
    int64_t id = 0, from = day(2026, 3, 1);
    int value = 0;
    char *json = NULL, want[96];

    ts.now = from + 10 * H;
    in.type = GDPR_REQUEST_ACCESS;
    in.subject = "cust-14";
    in.channel = "web";
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &id));
    ts.now += D;
    th_ok(gdpr_request_deny_v2(ts.eng, &th_dpo, id, c->reason, NULL, GDPR_TOLD_ALL, 0));
    th_ok(gdpr_request_info_init(&info, GDPR_REQUEST_INFO_VERSION));
    th_ok(gdpr_request_get(ts.eng, id, &info));
    ck_assert_msg(info.status == GDPR_REQUEST_DENIED && info.denial == c->reason, "%s (%s)",
                  c->name, c->source);
    ck_assert_str_eq(gdpr_request_denial_name(c->reason), c->word);
    th_ok(gdpr_request_parse("denial", c->word, &value));
    ck_assert_int_eq(value, (int)c->reason);
    th_ok(gdpr_request_history(ts.eng, &th_dpo, id, hist_fn, &h));
    ck_assert_msg(strncmp(h.detail, c->word, strlen(c->word)) == 0, "%s: '%s'", c->name, h.detail);

    /* version 2: every reason */
    th_ok(gdpr_request_kpi_report_init(&k, GDPR_REQUEST_KPI_REPORT_VERSION));
    ck_assert_uint_eq(k.version, GDPR_REQUEST_KPI_REPORT_VERSION);
    th_ok(gdpr_request_kpis(ts.eng, from, from + D, &k));
    for (int d = 1; d <= GDPR_DENIAL_REASON_MAX; d++) {
        ck_assert_msg(k.denied_by_reason_all[d] == (d == (int)c->reason), "%s: reason %d: %lld",
                      c->name, d, (long long)k.denied_by_reason_all[d]);
        if (d <= GDPR_DENIAL_MAX)
            ck_assert_int_eq(k.denied_by_reason[d], d == (int)c->reason);
    }
    ck_assert_int_eq(k.by_status[GDPR_REQUEST_DENIED], 1);
    ck_assert_int_eq(k.on_time, 1);
    /* the same from the rows of a partial day */
    th_ok(gdpr_request_kpis(ts.eng, from + H, from + 20 * H, &k));
    ck_assert_int_eq(k.denied_by_reason_all[c->reason], 1);

    /* version 1 (an application built against 0.1): its shorter struct is
     * filled to its end and not a byte beyond */
    buf = malloc(sizeof(gdpr_request_kpi_report) + 64); /* the checks stop at v1_size + 64 */
    ck_assert_ptr_nonnull(buf);
    memset(buf, 0xA5, sizeof(gdpr_request_kpi_report) + 64);
    v1 = (gdpr_request_kpi_report *)(void *)buf;
    v1->version = 1;
    th_ok(gdpr_request_kpis(ts.eng, from, from + D, v1));
    ck_assert_int_eq(v1->total, 1);
    ck_assert_int_eq(v1->by_status[GDPR_REQUEST_DENIED], 1);
    for (int d = 1; d <= GDPR_DENIAL_MAX; d++)
        ck_assert_int_eq(v1->denied_by_reason[d], d == (int)c->reason);
    for (size_t i = v1_size; i < v1_size + 64; i++)
        ck_assert_msg(buf[i] == 0xA5, "%s: byte %zu past a version-1 report written", c->name, i);
    memset(buf, 0xA5, v1_size + 64);
    th_ok(gdpr_request_kpi_report_init(v1, 1));
    for (size_t i = v1_size; i < v1_size + 64; i++)
        ck_assert_msg(buf[i] == 0xA5, "init wrote byte %zu past a version-1 report", i);
    free(buf);

    th_ok(gdpr_request_kpis_json(ts.eng, from, from + D, &json));
    snprintf(want, sizeof want, "\"%s\":1", c->word);
    ck_assert_msg(strstr(json, want) != NULL, "%s: %s", c->name, json);
    ck_assert_ptr_nonnull(strstr(json, "\"suspected_fraud\":"));
    ck_assert_ptr_nonnull(strstr(json, "\"outside_jurisdiction\":"));
    gdpr_free(json);
}
END_TEST

START_TEST(art12_drp_denial_bad_input_2026_03_01)
{
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    gdpr_request_info info;
    int64_t id = 0;
    int value = 0;

    ts.now = day(2026, 3, 1) + 10 * H;
    in.type = GDPR_REQUEST_ERASURE;
    in.subject = "cust-14";
    in.channel = "web";
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &id));
    th_assert_err(
        gdpr_request_deny_v2(ts.eng, &th_dpo, id, (gdpr_request_denial)8, NULL, GDPR_TOLD_ALL, 0),
        GDPR_EINVAL, "7 outside_jurisdiction");
    th_assert_err(gdpr_request_deny(ts.eng, &th_dpo, id, (gdpr_request_denial)(-1), NULL),
                  GDPR_EINVAL, "reason: -1");
    th_ok(gdpr_request_info_init(&info, GDPR_REQUEST_INFO_VERSION));
    th_ok(gdpr_request_get(ts.eng, id, &info));
    ck_assert_int_eq(info.status, GDPR_REQUEST_OPEN);
    ck_assert_int_eq(info.denial, GDPR_DENIAL_NONE);
    ck_assert_str_eq(gdpr_request_denial_name(8), "unknown");
    th_assert_err(gdpr_request_parse("denial", "fraud", &value), GDPR_EINVAL, "suspected_fraud");
    /* the old call takes the new reasons too */
    th_ok(gdpr_request_deny(ts.eng, &th_dpo, id, GDPR_DENIAL_OUTSIDE_JURISDICTION, NULL));
    th_ok(gdpr_request_get(ts.eng, id, &info));
    ck_assert_int_eq(info.denial, GDPR_DENIAL_OUTSIDE_JURISDICTION);
}
END_TEST

/* Schema 17 adds the two counters to a store written before them. */
START_TEST(art12_drp_migration_adds_counters_2026_03_01)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    gdpr_request_kpi_report k;
    int64_t id = 0;

    ts.now = day(2026, 3, 1) + 10 * H;
    in.type = GDPR_REQUEST_ACCESS;
    in.subject = "cust-14";
    in.channel = "web";
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &id));
    th_ok(gdpr_request_deny_v2(ts.eng, &th_dpo, id, GDPR_DENIAL_NO_MATCH, NULL, GDPR_TOLD_ALL, 0));
    gdpr_close(ts.eng);
    ts.eng = NULL;
    raw_exec(
        ts.db, TH_SQLITE_UNDO_REGISTER_SUBJECT_IDS TH_SQLITE_UNDO_RECORD_SUBJECT_IDS
                   TH_SQLITE_UNDO_SUBJECT_IDS
        "ALTER TABLE request_kpi DROP COLUMN denied6;"
        " ALTER TABLE request_kpi DROP COLUMN denied7;"
        " ALTER TABLE request DROP COLUMN info_asked_at; PRAGMA user_version = 16;"
        "DROP TABLE breach_subject; DROP TABLE breach; DELETE FROM counter WHERE name = 'breach';"
        " DROP INDEX request_duplicate; ALTER TABLE request DROP COLUMN "
        "duplicate_of;" DROP_ART17_3);
    raw_exec(ts.keys, "PRAGMA user_version = 16;");
    th_ok(th_open(&ts, &ts.eng));
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &id));
    th_ok(gdpr_request_deny_v2(ts.eng, &th_dpo, id, GDPR_DENIAL_SUSPECTED_FRAUD, NULL,
                               GDPR_TOLD_ALL, 0));
    th_ok(gdpr_request_kpi_report_init(&k, GDPR_REQUEST_KPI_REPORT_VERSION));
    th_ok(gdpr_request_kpis(ts.eng, day(2026, 3, 1), day(2026, 3, 2), &k));
    ck_assert_int_eq(k.denied_by_reason_all[GDPR_DENIAL_NO_MATCH], 1);
    ck_assert_int_eq(k.denied_by_reason_all[GDPR_DENIAL_SUSPECTED_FRAUD], 1);
    ck_assert_int_eq(k.by_status[GDPR_REQUEST_DENIED], 2);
}
END_TEST

/* --- Art. 19 recipient notice (issue 19 point 12) ---------------------- */

typedef enum { A19_ERASURE, A19_RECTIFICATION, A19_RESTRICTION } a19_work;

typedef struct {
    const char *name;
    a19_work work;
    int cloud_transfers;   /* allowed transfers to cloudco-us (EU-US DPF) */
    int refused_transfers; /* refused transfers to acme-analytics (US, no safeguard) */
    int revenue;           /* disclosures to the revenue (legal obligation) */
    const char *want;      /* "recipient:count," in id order */
    const char *detail;    /* in the request's history ("" for erasure) */
    const char *source;
} a19_case;

static const a19_case a19_cases[] = {
    {"art19_erasure_transfer_recipients_2026_03_01", A19_ERASURE, 2, 1, 1,
     "cloudco-us:2,revenue:1,", "", "Art. 19, Art. 4(9); Art. 45 (EU-US DPF, 2023/1795)"},
    {"art19_erasure_transfers_only_2026_03_01", A19_ERASURE, 1, 0, 0, "cloudco-us:1,", "",
     "Art. 19"},
    {"art19_erasure_refused_transfer_not_a_recipient_2026_03_01", A19_ERASURE, 0, 2, 1,
     "revenue:1,", "", "Art. 19: nothing was sent under a refused transfer"},
    {"art19_rectification_notice_2026_03_01", A19_RECTIFICATION, 2, 1, 1, "cloudco-us:2,revenue:1,",
     "; Art. 19: notify 2 recipients", "Art. 16, 19"},
    {"art19_rectification_no_recipients_2026_03_01", A19_RECTIFICATION, 0, 1, 0, "",
     "; Art. 19: no recipients to notify", "Art. 16, 19"},
    {"art19_restriction_notice_2026_03_01", A19_RESTRICTION, 1, 0, 1, "cloudco-us:1,revenue:1,",
     "; Art. 19: notify 2 recipients", "Art. 18, 19"},
    {"art19_restriction_one_recipient_2026_03_01", A19_RESTRICTION, 0, 0, 3, "revenue:3,",
     "; Art. 19: notify 1 recipient", "Art. 18, 19"},
};

static int
a19_collect(const gdpr_erase_recipient *r, void *ctx)
{
    char *buf = ctx;
    size_t used = strlen(buf);

    snprintf(buf + used, 256 - used, "%s:%lld,", r->recipient, (long long)r->disclosures);
    if (strcmp(r->recipient, "cloudco-us") == 0)
        ck_assert_str_eq(r->name, "CloudCo LLC");
    return 0;
}

typedef struct {
    char details[512];
} a19_hist;

static int
a19_hist_fn(const gdpr_request_event *ev, void *ctx)
{
    a19_hist *h = ctx;
    size_t used = strlen(h->details);

    if (ev->detail)
        snprintf(h->details + used, sizeof h->details - used, "%s|", ev->detail);
    return 0;
}

START_TEST(art19_table_2026_03_01)
{
    const a19_case *c = &a19_cases[_i];
    gdpr_transfer_request tr = GDPR_TRANSFER_REQUEST_INIT;
    gdpr_transfer_result res = GDPR_TRANSFER_RESULT_INIT;
    char got[256] = "";
    a19_hist h;
    int64_t record = 0, id = 0;

    memset(&h, 0, sizeof h);
    ts.now = day(2026, 3, 1) + 10 * H;
    th_ok(
        gdpr_vault_put(ts.eng, &th_agent, "cust-19", "financial", "billing", "INV-19", 6, &record));
    for (int i = 0; i < c->revenue; i++)
        th_ok(gdpr_disclosure_record(ts.eng, &th_agent, "cust-19", "revenue", "billing", NULL));
    tr.subject = "cust-19";
    tr.at = day(2026, 3, 1);
    tr.recipient = "cloudco-us";
    for (int i = 0; i < c->cloud_transfers; i++) {
        th_ok(gdpr_transfer_record(ts.eng, &th_agent, &tr, &res));
        ck_assert_int_eq(res.allowed, 1);
    }
    tr.recipient = "acme-analytics";
    for (int i = 0; i < c->refused_transfers; i++) {
        th_ok(gdpr_transfer_record(ts.eng, &th_agent, &tr, &res));
        ck_assert_int_eq(res.allowed, 0);
    }
    if (c->work == A19_ERASURE) {
        gdpr_tombstone t;
        memset(&t, 0, sizeof t);
        t.version = GDPR_TOMBSTONE_VERSION;
        th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "cust-19", "art. 17(1)(a)", NULL));
        th_ok(gdpr_tombstone_lookup(ts.eng, "cust-19", &t));
        th_ok(gdpr_erase_recipients_foreach(ts.eng, t.id, a19_collect, got));
    } else {
        gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
        in.type =
            c->work == A19_RECTIFICATION ? GDPR_REQUEST_RECTIFICATION : GDPR_REQUEST_RESTRICTION;
        in.subject = "cust-19";
        in.channel = "email";
        th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &id));
        th_ok(gdpr_request_verify(ts.eng, &th_dpo, id, GDPR_VERIFY_VERIFIED,
                                  GDPR_METHOD_ACCOUNT_LOGIN, NULL));
        if (c->work == A19_RECTIFICATION)
            th_ok(gdpr_request_rectify(ts.eng, &th_dpo, id, record, "INV-19b", 7));
        else
            th_ok(gdpr_request_fulfil_limit(ts.eng, &th_dpo, id));
        th_ok(gdpr_request_recipients_foreach(ts.eng, &th_dpo, id, a19_collect, got));
        th_ok(gdpr_request_history(ts.eng, &th_dpo, id, a19_hist_fn, &h));
        ck_assert_msg(strstr(h.details, c->detail) != NULL, "%s (%s): history '%s'", c->name,
                      c->source, h.details);
    }
    ck_assert_msg(strcmp(got, c->want) == 0, "%s (%s): recipients '%s', want '%s'", c->name,
                  c->source, got, c->want);
}
END_TEST

static int
a19_stop(const gdpr_erase_recipient *r, void *ctx)
{
    (void)r;
    (void)ctx;
    return 1;
}

START_TEST(art19_recipients_bad_input_2026_03_01)
{
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    char got[256] = "";
    int64_t id = 0, access = 0;

    ts.now = day(2026, 3, 1) + 10 * H;
    th_ok(gdpr_disclosure_record(ts.eng, &th_agent, "cust-19", "revenue", "billing", NULL));
    in.type = GDPR_REQUEST_RESTRICTION;
    in.subject = "cust-19";
    in.channel = "email";
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &id));
    in.type = GDPR_REQUEST_ACCESS;
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &access));
    th_assert_err(gdpr_request_recipients_foreach(NULL, &th_dpo, id, a19_collect, got), GDPR_EINVAL,
                  "eng");
    th_assert_err(gdpr_request_recipients_foreach(ts.eng, NULL, id, a19_collect, got), GDPR_EINVAL,
                  "who");
    th_assert_err(gdpr_request_recipients_foreach(ts.eng, &th_dpo, id, NULL, NULL), GDPR_EINVAL,
                  "fn");
    th_assert_err(gdpr_request_recipients_foreach(ts.eng, &th_dpo, 0, a19_collect, got),
                  GDPR_EINVAL, "request");
    th_assert_err(gdpr_request_recipients_foreach(ts.eng, &th_dpo, id + 99, a19_collect, got),
                  GDPR_ENOTFOUND, "request");
    th_assert_err(gdpr_request_recipients_foreach(ts.eng, &th_dpo, access, a19_collect, got),
                  GDPR_ESTATE, "gdpr_erase_recipients_foreach");
    th_assert_err(gdpr_request_recipients_foreach(ts.eng, &th_dpo, id, a19_stop, NULL),
                  GDPR_ECALLBACK, "revenue");
    ck_assert_str_eq(got, "");
    /* an unmatched request has no subject to list for */
    in.type = GDPR_REQUEST_RECTIFICATION;
    in.subject = NULL;
    in.id_kind = "email";
    in.id_value = "nobody@example.com";
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &id));
    th_assert_err(gdpr_request_recipients_foreach(ts.eng, &th_dpo, id, a19_collect, got),
                  GDPR_ESTATE, "");
}
END_TEST

/* --- Art. 12(2), 11(2), 12(6): lapse only after an ask (point 9) ------- */

typedef struct {
    const char *name;
    int y;
    unsigned m, d;   /* received, 10:00 UTC */
    int ask;         /* 0: never asked; 1: asked */
    int64_t ask_off; /* the ask, relative to the due date */
    int late;        /* late in the KPIs once expired */
    const char *source;
} lapse_case;

static const lapse_case lapse_cases[] = {
    {"art12_6_never_asked_cannot_lapse_2026_03_02", 2026, 3, 2, 0, 0, 0,
     "Art. 12(2), 12(6), 11(2); EDPB Guidelines 01/2022 (identification)"},
    {"art12_6_asked_early_lapses_on_time_2026_03_02", 2026, 3, 2, 1, -20 * D, 0, "Art. 12(6)"},
    {"art12_6_asked_last_second_on_time_2026_01_31", 2026, 1, 31, 1, -1, 0,
     "Art. 12(6); Reg. 1182/71 Art. 3(2)(c)"},
    {"art12_6_asked_at_due_late_2026_01_31", 2026, 1, 31, 1, 0, 1,
     "Art. 12(3), 12(6): the ask came when the month was over"},
    {"art12_6_asked_after_due_late_2026_12_24", 2026, 12, 24, 1, 3 * D, 1, "Art. 12(3), 12(6)"},
    {"art11_2_asked_leap_day_on_time_2028_02_29", 2028, 2, 29, 1, -H, 0, "Art. 11(2), 12(6)"},
};

START_TEST(art12_6_lapse_table_2026_03_02)
{
    const lapse_case *c = &lapse_cases[_i];
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    gdpr_request_info info;
    gdpr_request_kpi_report k;
    int64_t id = 0, received = day(c->y, c->m, c->d) + 10 * H;

    ts.now = received;
    in.type = GDPR_REQUEST_ACCESS;
    in.subject = "cust-9";
    in.channel = "post";
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &id));
    th_ok(gdpr_request_info_init(&info, GDPR_REQUEST_INFO_VERSION));
    th_ok(gdpr_request_get(ts.eng, id, &info));
    if (c->ask) {
        ts.now = info.due + c->ask_off;
        th_ok(gdpr_request_verify(ts.eng, &th_agent, id, GDPR_VERIFY_PENDING, GDPR_METHOD_NONE,
                                  "please send the account number"));
    }
    ts.now = info.due + 5 * D;
    if (!c->ask) {
        th_assert_err(gdpr_request_expire(ts.eng, &th_dpo, id), GDPR_ESTATE,
                      "never asked for information");
        th_assert_err(gdpr_request_set_status(ts.eng, &th_dpo, id, GDPR_REQUEST_EXPIRED, NULL),
                      GDPR_ESTATE, "Art. 12(2), 12(6), 11(2)");
        th_ok(gdpr_request_get(ts.eng, id, &info));
        ck_assert_int_eq(info.status, GDPR_REQUEST_OPEN);
        ck_assert_int_eq(info.closed, 0);
        return;
    }
    th_ok(gdpr_request_expire(ts.eng, &th_dpo, id));
    th_ok(gdpr_request_get(ts.eng, id, &info));
    ck_assert_int_eq(info.status, GDPR_REQUEST_EXPIRED);
    th_ok(gdpr_request_kpi_report_init(&k, GDPR_REQUEST_KPI_REPORT_VERSION));
    /* whole days (the counters) and a partial window (the rows) agree */
    th_ok(gdpr_request_kpis(ts.eng, day(c->y, c->m, c->d), day(c->y, c->m, c->d) + D, &k));
    ck_assert_msg(k.by_status[GDPR_REQUEST_EXPIRED] == 1 && k.late == c->late && k.decided == 0,
                  "%s (%s): late %lld", c->name, c->source, (long long)k.late);
    ck_assert(c->late ? k.on_time_rate == 0.0 : k.on_time_rate < 0);
    th_ok(gdpr_request_kpis(ts.eng, received - H, received + H, &k));
    ck_assert_msg(k.late == c->late, "%s: rows: late %lld", c->name, (long long)k.late);
}
END_TEST

/* Schema 18 finds the ask in the history of a store written before it,
 * and recounts what schema 17 had counted for expired requests. */
START_TEST(art12_6_migration_finds_the_ask_2026_03_02)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    gdpr_request_info info;
    gdpr_request_kpi_report k;
    int64_t id = 0;

    ts.now = day(2026, 3, 2) + 10 * H;
    in.type = GDPR_REQUEST_ACCESS;
    in.subject = "cust-9";
    in.channel = "post";
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &id));
    ts.now += 2 * D;
    th_ok(gdpr_request_verify(ts.eng, &th_agent, id, GDPR_VERIFY_PENDING, GDPR_METHOD_NONE, NULL));
    th_ok(gdpr_request_info_init(&info, GDPR_REQUEST_INFO_VERSION));
    th_ok(gdpr_request_get(ts.eng, id, &info));
    ts.now = info.due + D;
    th_ok(gdpr_request_expire(ts.eng, &th_dpo, id));
    gdpr_close(ts.eng);
    ts.eng = NULL;
    /* schema 17 kept no ask and counted every expired request late */
    raw_exec(
        ts.db, TH_SQLITE_UNDO_REGISTER_SUBJECT_IDS TH_SQLITE_UNDO_RECORD_SUBJECT_IDS
                   TH_SQLITE_UNDO_SUBJECT_IDS
        "ALTER TABLE request DROP COLUMN info_asked_at;"
        " UPDATE request_kpi SET late = n WHERE status = 6; PRAGMA user_version = "
        "17;"
        "DROP TABLE breach_subject; DROP TABLE breach; DELETE FROM counter WHERE name = 'breach';"
        " DROP INDEX request_duplicate; ALTER TABLE request DROP COLUMN "
        "duplicate_of;" DROP_ART17_3);
    raw_exec(ts.keys, "PRAGMA user_version = 17;");
    th_ok(th_open(&ts, &ts.eng));
    th_ok(gdpr_request_kpi_report_init(&k, GDPR_REQUEST_KPI_REPORT_VERSION));
    th_ok(gdpr_request_kpis(ts.eng, day(2026, 3, 2), day(2026, 3, 3), &k));
    ck_assert_int_eq(k.by_status[GDPR_REQUEST_EXPIRED], 1);
    ck_assert_int_eq(k.late, 0);
}
END_TEST

START_TEST(art12_4_deny_v2_bad_input_2026_01_15)
{
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    char before[65], after[65];
    int64_t id = 0;

    ts.now = day(2026, 1, 15);
    in.type = GDPR_REQUEST_ACCESS;
    in.subject = "cust-12";
    in.channel = "email";
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &id));
    ts.now += D;
    th_fingerprint(&ts, before);
    th_assert_err(gdpr_request_deny_v2(NULL, &th_dpo, id, GDPR_DENIAL_EXEMPT, NULL, 3, 0),
                  GDPR_EINVAL, "eng");
    th_assert_err(gdpr_request_deny_v2(ts.eng, NULL, id, GDPR_DENIAL_EXEMPT, NULL, 3, 0),
                  GDPR_EINVAL, "who");
    th_assert_err(gdpr_request_deny_v2(ts.eng, &th_dpo, id, GDPR_DENIAL_EXEMPT, NULL, 0, 0),
                  GDPR_EINVAL, "told: 0x0; Art. 12(4) requires");
    th_assert_err(
        gdpr_request_deny_v2(ts.eng, &th_dpo, id, GDPR_DENIAL_EXEMPT, NULL, GDPR_TOLD_COMPLAINT, 0),
        GDPR_EINVAL, "Art. 79");
    th_assert_err(gdpr_request_deny_v2(ts.eng, &th_dpo, id, GDPR_DENIAL_EXEMPT, NULL, 0x7u, 0),
                  GDPR_EINVAL, "told");
    th_assert_err(gdpr_request_deny_v2(ts.eng, &th_dpo, id, GDPR_DENIAL_EXEMPT, NULL, GDPR_TOLD_ALL,
                                       ts.now + 1),
                  GDPR_EINVAL, "told_at");
    th_assert_err(
        gdpr_request_deny_v2(ts.eng, &th_dpo, id, GDPR_DENIAL_EXEMPT, NULL, GDPR_TOLD_ALL, -5),
        GDPR_EINVAL, "told_at");
    th_assert_err(gdpr_request_deny_v2(ts.eng, &th_dpo, id, GDPR_DENIAL_EXEMPT, NULL, GDPR_TOLD_ALL,
                                       ts.now - 2 * D),
                  GDPR_EINVAL, "told_at: ");
    th_assert_err(
        gdpr_request_deny_v2(ts.eng, &th_dpo, id, (gdpr_request_denial)0, NULL, GDPR_TOLD_ALL, 0),
        GDPR_EINVAL, "reason");
    th_assert_err(
        gdpr_request_deny_v2(ts.eng, &th_dpo, id + 99, GDPR_DENIAL_EXEMPT, NULL, GDPR_TOLD_ALL, 0),
        GDPR_ENOTFOUND, "");
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    /* Told an hour after receipt: recorded with that time. */
    th_ok(gdpr_request_deny_v2(ts.eng, &th_dpo, id, GDPR_DENIAL_EXEMPT, NULL, GDPR_TOLD_ALL,
                               day(2026, 1, 15) + H));
}
END_TEST

typedef struct {
    const char *from, *to, *message;
} policy_case;

/* Art. 9(1): the policy names the condition; refused whole otherwise. */
static const policy_case art9_policy_cases[] = {
    {"\"categories\": [\"health\"], \"art9_condition\": \"a\" }", "\"categories\": [\"health\"] }",
     "purposes[3].art9_condition: required field is missing: purpose 'accessibility' processes a "
     "special category (Art. 9(1))"},
    {"\"art9_condition\": \"a\"", "\"art9_condition\": \"k\"",
     "purposes[3].art9_condition: must be one of \"a\" to \"j\" (Art. 9(2)(a)-(j))"},
    {"\"art9_condition\": \"a\"", "\"art9_condition\": \"(a)\"",
     "purposes[3].art9_condition: must be one of"},
    {"\"art9_condition\": \"a\"", "\"art9_condition\": true",
     "purposes[3].art9_condition: must be one of"},
    {"\"categories\": [\"contact\", \"usage\"] }",
     "\"categories\": [\"contact\", \"usage\"], \"art9_condition\": \"b\" }",
     "purposes[0].art9_condition: purpose 'service' has no special category (Art. 9(1))"},
};

START_TEST(art9_policy_refused_whole)
{
    const policy_case *c = &art9_policy_cases[_i];
    char *doc = example_with(c->from, c->to);
    char before[65], after[65];
    int64_t version = 0;

    th_fingerprint(&ts, before);
    th_assert_err(gdpr_policy_load_string(ts.eng, &th_dpo, doc), GDPR_EINVAL, c->message);
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    th_ok(gdpr_policy_version(ts.eng, &version));
    ck_assert_int_eq(version, 1);
    free(doc);
}
END_TEST

/* --- Art. 8(1): a child's consent to an information society service ----- */

static void
setup_child(void)
{
    char *doc;

    th_setup(&ts);
    doc = example_with("\"purposes\": [",
                       "\"purposes\": [\n    { \"id\": \"game-account\", \"description\": "
                       "\"Online game account\", \"basis\": \"consent\", \"categories\": "
                       "[\"contact\", \"usage\"], \"information_society_service\": true },");
    th_ok(gdpr_policy_load_string(ts.eng, &th_dpo, doc));
    free(doc);
}

typedef struct {
    const char *name;
    const char *purpose, *member_state;
    int age;
    const char *holder;
    int rc;
    const char *message; /* on refusal */
    const char *source;
} art8_case;

/* Ages: the example policy's digital_consent_age, each with its statute in
 * docs/policy.md. Every case is recorded on 2026-01-10. */
static const art8_case art8_cases[] = {
    {"art8_1_ie_15_without_holder_refused_2026_01_10", "game-account", "IE", 15, NULL, GDPR_EINVAL,
     "the subject is 15, below the age of digital consent in IE (16, Art. 8(1))",
     "Data Protection Act 2018 (IE) s. 31"},
    {"art8_1_ie_15_with_holder_2026_01_10", "game-account", "IE", 15, "Orla Byrne (mother)",
     GDPR_OK, NULL, "Art. 8(1) second sentence"},
    {"art8_1_ie_16_alone_2026_01_10", "game-account", "IE", 16, NULL, GDPR_OK, NULL,
     "Data Protection Act 2018 (IE) s. 31"},
    {"art8_1_fr_14_without_holder_refused_2026_01_10", "game-account", "FR", 14, NULL, GDPR_EINVAL,
     "below the age of digital consent in FR (15", "Loi 78-17 art. 45"},
    {"art8_1_fr_15_alone_2026_01_10", "game-account", "FR", 15, NULL, GDPR_OK, NULL,
     "Loi 78-17 art. 45"},
    {"art8_1_es_14_alone_2026_01_10", "game-account", "ES", 14, NULL, GDPR_OK, NULL,
     "Ley Orgánica 3/2018 art. 7"},
    {"art8_1_es_13_without_holder_refused_2026_01_10", "game-account", "ES", 13, NULL, GDPR_EINVAL,
     "below the age of digital consent in ES (14", "Ley Orgánica 3/2018 art. 7"},
    {"art8_1_be_13_alone_2026_01_10", "game-account", "BE", 13, NULL, GDPR_OK, NULL,
     "Law of 30 July 2018 (BE) art. 7"},
    {"art8_1_de_15_with_holder_2026_01_10", "game-account", "DE", 15, "Jonas Weber (father)",
     GDPR_OK, NULL, "Art. 8(1): 16, no German derogation"},
    {"art8_1_adult_holder_not_kept_2026_01_10", "game-account", "IE", 17, "Orla Byrne", GDPR_EINVAL,
     "not below the age of digital consent in IE (16); not kept", "Art. 5(1)(c)"},
    {"art8_1_state_without_age_in_policy_2026_01_10", "game-account", "PL", 15, NULL, GDPR_EINVAL,
     "member_state: 'PL' has no age of digital consent in the policy", "Art. 8(1)"},
    {"art8_1_age_required_2026_01_10", "game-account", "IE", 0, NULL, GDPR_EINVAL,
     "a grant needs the subject's age", "Art. 8(1)-(2)"},
    {"art8_1_controller_country_by_default_2026_01_10", "game-account", NULL, 15, NULL, GDPR_EINVAL,
     "below the age of digital consent in IE (16", "controller.country IE"},
    {"art8_1_fields_only_for_iss_2026_01_10", "marketing", "IE", 15, NULL, GDPR_EINVAL,
     "only for a purpose marked information_society_service", "Art. 8(1) scope"},
    {"art8_1_age_out_of_range_2026_01_10", "game-account", "IE", 151, NULL, GDPR_EINVAL, "age: 151",
     "input check"},
    {"art8_1_member_state_too_long_2026_01_10", "game-account", "IRL", 15, NULL, GDPR_EINVAL,
     "member_state", "input check"},
};

typedef struct {
    char holder[128];
    int n;
} holder_ctx;

static int
holder_fn(const gdpr_consent_event *ev, void *ctx)
{
    holder_ctx *h = ctx;

    h->n++;
    snprintf(h->holder, sizeof h->holder, "%s", ev->parental_holder ? ev->parental_holder : "");
    return 0;
}

START_TEST(art8_table)
{
    TH_SQLITE_ONLY("greps the SQLite files");
    const art8_case *c = &art8_cases[_i];
    gdpr_consent g = GDPR_CONSENT_INIT;
    char before[65], after[65];
    int rc;

    ts.now = day(2026, 1, 10);
    g.subject = "child-8";
    g.purpose = c->purpose;
    g.notice = "privacy-v3";
    g.channel = "web";
    g.member_state = c->member_state;
    g.age = c->age;
    g.parental_holder = c->holder;
    th_fingerprint(&ts, before);
    rc = gdpr_consent_record(ts.eng, &th_agent, &g, NULL);
    ck_assert_msg(rc == c->rc, "%s (%s): %s (%s)", c->name, c->source, gdpr_strerror(rc),
                  gdpr_errmsg());
    if (rc != GDPR_OK) {
        ck_assert_msg(strstr(gdpr_errmsg(), c->message) != NULL, "%s: '%s' lacks '%s'", c->name,
                      gdpr_errmsg(), c->message);
        th_fingerprint(&ts, after);
        ck_assert_str_eq(before, after);
        return;
    }
    {
        holder_ctx h = {"", 0};
        int allowed = -1;
        th_ok(gdpr_consent_history(ts.eng, &th_dpo, "child-8", holder_fn, &h));
        ck_assert_int_eq(h.n, 1);
        ck_assert_str_eq(h.holder, c->holder ? c->holder : "");
        th_ok(gdpr_may_process(ts.eng, "child-8", c->purpose, ts.now, &allowed, NULL));
        ck_assert_int_eq(allowed, 1);
        /* The holder's name is sealed: never in the files in clear. */
        if (c->holder)
            ck_assert(!th_store_files_contain(&ts, c->holder, strlen(c->holder)));
    }
}
END_TEST

/* Art. 8(1): 13 to 16, member states only; Art. 8 is a rule of consent. */
static const policy_case art8_policy_cases[] = {
    {"\"IE\": 16, \"DE\": 16", "\"IE\": 12, \"DE\": 16",
     "digital_consent_age.IE: must be an age from 13 to 16 (Art. 8(1))"},
    {"\"IE\": 16, \"DE\": 16", "\"IE\": 17, \"DE\": 16", "must be an age from 13 to 16"},
    {"\"IE\": 16, \"DE\": 16", "\"IE\": \"16\", \"DE\": 16", "must be an age from 13 to 16"},
    {"\"IE\": 16, \"DE\": 16", "\"UK\": 13, \"DE\": 16",
     "digital_consent_age.UK: 'UK' is not an EU or EEA member state"},
    {"\"IE\": 16, \"DE\": 16", "\"EL\": 15, \"DE\": 16", "'EL' is not an EU or EEA member state"},
    {"\"categories\": [\"contact\", \"usage\"] }",
     "\"categories\": [\"contact\", \"usage\"], \"information_society_service\": true }",
     "purposes[0].information_society_service: Art. 8 governs consent (Art. 6(1)(a)); purpose "
     "'service' rests on contract"},
};

START_TEST(art8_policy_refused_whole)
{
    const policy_case *c = &art8_policy_cases[_i];
    char *doc = example_with(c->from, c->to);
    char before[65], after[65];

    th_fingerprint(&ts, before);
    th_assert_err(gdpr_policy_load_string(ts.eng, &th_dpo, doc), GDPR_EINVAL, c->message);
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    free(doc);
}
END_TEST

START_TEST(art8_1_iss_needs_the_age_table)
{
    char *doc = example_with("\"purposes\": [",
                             "\"purposes\": [\n    { \"id\": \"kids\", \"description\": \"x\", "
                             "\"basis\": \"consent\", \"categories\": [\"contact\"], "
                             "\"information_society_service\": true },");
    char *bare = NULL;
    const char *at = strstr(doc, "\"digital_consent_age\"");
    const char *end;

    ck_assert_ptr_nonnull(at);
    end = strstr(at, "},\n") + 3;
    bare = malloc(strlen(doc) + 1);
    ck_assert_ptr_nonnull(bare);
    memcpy(bare, doc, (size_t)(at - doc));
    strcpy(bare + (at - doc), end);
    th_assert_err(gdpr_policy_load_string(ts.eng, &th_dpo, bare), GDPR_EINVAL,
                  "purposes[0].information_society_service: the policy names no "
                  "digital_consent_age");
    free(bare);
    free(doc);
}
END_TEST

/* --- Art. 45, 355 TFEU: EU territory and dated EEA membership ------------ */

typedef struct {
    const char *name;
    const char *code;
    int y;
    unsigned m, d;
    int want;             /* GDPR_TRANSFER_EEA, GDPR_TRANSFER_ADEQUACY, or 0: none (ENOTFOUND) */
    const char *fragment; /* in the entry's id or reference */
    const char *source;
} eea_case;

/* Sources: docs/transfers-sources.md ("EEA membership and territories"). */
static const eea_case eea_cases[] = {
    {"gb_eu_member_2019_06_01", "GB", 2019, 6, 1, GDPR_TRANSFER_EEA, "EU", "TEU Art. 50"},
    {"gb_eu_member_last_day_2020_01_31", "GB", 2020, 1, 31, GDPR_TRANSFER_EEA, "EU",
     "Withdrawal Agreement Art. 185"},
    {"gb_transition_2020_02_01", "GB", 2020, 2, 1, GDPR_TRANSFER_EEA, "transition period",
     "Withdrawal Agreement Art. 126-127"},
    {"gb_transition_last_day_2020_12_31", "GB", 2020, 12, 31, GDPR_TRANSFER_EEA,
     "transition period", "Withdrawal Agreement Art. 126"},
    {"gb_tca_bridge_2021_01_01", "GB", 2021, 1, 1, GDPR_TRANSFER_EEA, "TCA bridge",
     "TCA Art. FINPROV.10A"},
    {"gb_tca_bridge_last_day_2021_06_27", "GB", 2021, 6, 27, GDPR_TRANSFER_EEA, "TCA bridge",
     "TCA Art. FINPROV.10A"},
    {"gb_adequacy_2021_06_28", "GB", 2021, 6, 28, GDPR_TRANSFER_ADEQUACY, "GB-2021-1772",
     "Decision (EU) 2021/1772"},
    {"gb_adequacy_2024_01_01", "GB", 2024, 1, 1, GDPR_TRANSFER_ADEQUACY, "GB-2021-1772",
     "Decision (EU) 2021/1772"},
    {"gb_before_accession_1972_12_31", "GB", 1972, 12, 31, 0, NULL, "Act of Accession 1972"},
    {"gb_accession_1973_01_01", "GB", 1973, 1, 1, GDPR_TRANSFER_EEA, "EU", "Act of Accession 1972"},
    {"hr_before_accession_2013_06_30", "HR", 2013, 6, 30, 0, NULL, "Treaty of Accession 2012"},
    {"hr_accession_2013_07_01", "HR", 2013, 7, 1, GDPR_TRANSFER_EEA, "EU",
     "Treaty of Accession 2012"},
    {"bg_before_accession_2006_12_31", "BG", 2006, 12, 31, 0, NULL, "Treaty of Accession 2005"},
    {"bg_accession_2007_01_01", "BG", 2007, 1, 1, GDPR_TRANSFER_EEA, "EU",
     "Treaty of Accession 2005"},
    {"ro_before_accession_2006_12_31", "RO", 2006, 12, 31, 0, NULL, "Treaty of Accession 2005"},
    {"ro_accession_2007_01_01", "RO", 2007, 1, 1, GDPR_TRANSFER_EEA, "EU",
     "Treaty of Accession 2005"},
    {"pl_before_accession_2004_04_30", "PL", 2004, 4, 30, 0, NULL, "Treaty of Accession 2003"},
    {"pl_accession_2004_05_01", "PL", 2004, 5, 1, GDPR_TRANSFER_EEA, "EU",
     "Treaty of Accession 2003"},
    {"at_before_accession_1994_12_31", "AT", 1994, 12, 31, 0, NULL, "Act of Accession 1994"},
    {"at_accession_1995_01_01", "AT", 1995, 1, 1, GDPR_TRANSFER_EEA, "EU", "Act of Accession 1994"},
    {"li_eea_1995_05_01", "LI", 1995, 5, 1, GDPR_TRANSFER_EEA, "EEA Agreement",
     "EEA Council Decision 1/95"},
    {"no_eea_2018_07_20", "NO", 2018, 7, 20, GDPR_TRANSFER_EEA, "EEA Agreement",
     "EEA Joint Committee Decision 154/2018"},
    {"de_founder_1970_01_01", "DE", 1970, 1, 1, GDPR_TRANSFER_EEA, "EU", "Treaty of Rome 1957"},
    {"re_outermost_region_2026_03_01", "RE", 2026, 3, 1, GDPR_TRANSFER_EEA, "outermost region",
     "TFEU Art. 349, 355(1)"},
    {"gp_outermost_region_2026_03_01", "GP", 2026, 3, 1, GDPR_TRANSFER_EEA, "outermost region",
     "TFEU Art. 349, 355(1)"},
    {"mq_outermost_region_2026_03_01", "MQ", 2026, 3, 1, GDPR_TRANSFER_EEA, "outermost region",
     "TFEU Art. 349, 355(1)"},
    {"gf_outermost_region_2026_03_01", "GF", 2026, 3, 1, GDPR_TRANSFER_EEA, "outermost region",
     "TFEU Art. 349, 355(1)"},
    {"mf_outermost_region_2026_03_01", "MF", 2026, 3, 1, GDPR_TRANSFER_EEA, "outermost region",
     "TFEU Art. 349, 355(1)"},
    {"yt_before_outermost_2013_12_31", "YT", 2013, 12, 31, 0, NULL, "Decision 2012/419/EU"},
    {"yt_outermost_region_2014_01_01", "YT", 2014, 1, 1, GDPR_TRANSFER_EEA, "outermost region",
     "Decision 2012/419/EU"},
    {"ax_aland_2026_03_01", "AX", 2026, 3, 1, GDPR_TRANSFER_EEA, "Art. 355(4) TFEU",
     "TFEU Art. 355(4), Protocol No 2 (1994)"},
    {"gl_greenland_oct_2026_03_01", "GL", 2026, 3, 1, 0, NULL, "TFEU Art. 355(2), Annex II"},
    {"pf_french_polynesia_oct_2026_03_01", "PF", 2026, 3, 1, 0, NULL, "TFEU Art. 355(2), Annex II"},
    {"nc_new_caledonia_oct_2026_03_01", "NC", 2026, 3, 1, 0, NULL, "TFEU Art. 355(2), Annex II"},
    {"us_safe_harbour_last_day_2015_10_05", "US", 2015, 10, 5, GDPR_TRANSFER_ADEQUACY,
     "US-2000-520", "Decision 2000/520/EC; CJEU C-362/14 of 6 Oct 2015"},
    {"us_after_schrems_i_2015_10_06", "US", 2015, 10, 6, 0, NULL, "CJEU C-362/14"},
    {"us_privacy_shield_2016_08_01", "US", 2016, 8, 1, GDPR_TRANSFER_ADEQUACY, "US-2016-1250",
     "Decision (EU) 2016/1250"},
    {"us_after_schrems_ii_2020_07_16", "US", 2020, 7, 16, 0, NULL,
     "CJEU C-311/18 of 16 Jul 2020 (stricter: not in force on the day)"},
    {"us_dpf_2023_07_10", "US", 2023, 7, 10, GDPR_TRANSFER_ADEQUACY, "US-2023-1795",
     "Decision (EU) 2023/1795"},
    {"us_gap_2022_01_01", "US", 2022, 1, 1, 0, NULL, "no decision between Schrems II and DPF"},
};

START_TEST(eea_table)
{
    const eea_case *c = &eea_cases[_i];
    gdpr_adequacy_entry e;
    int rc;

    rc = gdpr_adequacy_find(ts.eng, c->code, day(c->y, c->m, c->d) + 43200, &e);
    if (c->want == 0) {
        ck_assert_msg(rc == GDPR_ENOTFOUND, "%s (%s): %s, %s", c->name, c->source,
                      gdpr_strerror(rc), rc == GDPR_OK ? e.reference : gdpr_errmsg());
        return;
    }
    ck_assert_msg(rc == GDPR_OK, "%s (%s): %s (%s)", c->name, c->source, gdpr_strerror(rc),
                  gdpr_errmsg());
    ck_assert_msg(e.mechanism == c->want, "%s: mechanism %d", c->name, e.mechanism);
    ck_assert_msg(strstr(e.id, c->fragment) || strstr(e.reference, c->fragment),
                  "%s: '%s' / '%s' lacks '%s'", c->name, e.id, e.reference, c->fragment);
}
END_TEST

/* A territory is inside through its state: a recipient there is not a
 * transfer (Art. 44 does not apply). */
START_TEST(eea_territory_recipient_2026_03_01)
{
    char *doc =
        example_with("\"recipients\": [",
                     "\"recipients\": [\n    { \"id\": \"re-call\", \"name\": \"Call Centre "
                     "Reunion\", \"country\": \"RE\", \"kind\": \"processor\" },\n"
                     "    { \"id\": \"gl-fish\", \"name\": \"Nuuk Fish\", \"country\": "
                     "\"GL\", \"kind\": \"controller\" },");
    gdpr_transfer_decision d;

    th_ok(gdpr_policy_load_string(ts.eng, &th_dpo, doc));
    free(doc);
    th_ok(gdpr_transfer_check(ts.eng, &th_dpo, "cust-5", "re-call", day(2026, 3, 1), &d));
    ck_assert_int_eq(d.allowed, 1);
    ck_assert_int_eq(d.mechanism, GDPR_TRANSFER_EEA);
    th_ok(gdpr_transfer_check(ts.eng, &th_dpo, "cust-5", "gl-fish", day(2026, 3, 1), &d));
    ck_assert_int_eq(d.allowed, 0);
}
END_TEST

/* --- Art. 45(1)-(3): adequacy scope limits enforced (issue 19 point 7) --- */

static void
setup_scope(void)
{
    char *doc;

    th_setup(&ts);
    doc = example_with(
        "\"recipients\": [",
        "\"recipients\": [\n"
        "{ \"id\": \"uk-immig\", \"name\": \"UK Visa Co\", \"country\": \"GB\", \"kind\": "
        "\"processor\", \"activities\": [\"immigration_control\"] },"
        "{ \"id\": \"uk-plain\", \"name\": \"UK Host\", \"country\": \"GB\", \"kind\": "
        "\"processor\", \"activities\": [] },"
        "{ \"id\": \"uk-undeclared\", \"name\": \"UK Other\", \"country\": \"GB\", \"kind\": "
        "\"processor\" },"
        "{ \"id\": \"kr-church\", \"name\": \"KR Church\", \"country\": \"KR\", \"kind\": "
        "\"controller\", \"activities\": [\"religious\"] },"
        "{ \"id\": \"kr-party\", \"name\": \"KR Party\", \"country\": \"KR\", \"kind\": "
        "\"controller\", \"activities\": [\"political\"] },"
        "{ \"id\": \"kr-bank\", \"name\": \"KR Bank\", \"country\": \"KR\", \"kind\": "
        "\"controller\", \"activities\": [\"fsc_credit_information\"] },"
        "{ \"id\": \"kr-plain\", \"name\": \"KR Shop\", \"country\": \"KR\", \"kind\": "
        "\"processor\", \"activities\": [] },"
        "{ \"id\": \"kr-undeclared\", \"name\": \"KR Other\", \"country\": \"KR\", \"kind\": "
        "\"processor\" },"
        "{ \"id\": \"kr-church-scc\", \"name\": \"KR Church SCC\", \"country\": \"KR\", "
        "\"kind\": \"controller\", \"activities\": [\"religious\"], \"safeguards\": [ { "
        "\"type\": \"scc\", \"module\": 1, \"reference\": \"SCC 2021/914 module 1\", "
        "\"valid_from\": \"2025-01-01\" } ] },"
        "{ \"id\": \"jp-appi\", \"name\": \"JP KK\", \"country\": \"JP\", \"kind\": "
        "\"processor\", \"appi\": true, \"activities\": [] },"
        "{ \"id\": \"jp-noappi\", \"name\": \"JP Other\", \"country\": \"JP\", \"kind\": "
        "\"processor\", \"appi\": false, \"activities\": [] },"
        "{ \"id\": \"jp-undeclared\", \"name\": \"JP Unsaid\", \"country\": \"JP\", \"kind\": "
        "\"processor\" },"
        "{ \"id\": \"jp-press\", \"name\": \"JP Shimbun\", \"country\": \"JP\", \"kind\": "
        "\"controller\", \"appi\": true, \"activities\": [\"journalism\"] },"
        "{ \"id\": \"il-auto\", \"name\": \"IL Ltd\", \"country\": \"IL\", \"kind\": "
        "\"processor\", \"processing\": \"automated\" },"
        "{ \"id\": \"il-later\", \"name\": \"IL Paper\", \"country\": \"IL\", \"kind\": "
        "\"processor\", \"processing\": \"manual_then_automated\" },"
        "{ \"id\": \"il-manual\", \"name\": \"IL Files\", \"country\": \"IL\", \"kind\": "
        "\"processor\", \"processing\": \"manual\" },"
        "{ \"id\": \"il-undeclared\", \"name\": \"IL Other\", \"country\": \"IL\", \"kind\": "
        "\"processor\" },"
        "{ \"id\": \"uy-auto\", \"name\": \"UY SA\", \"country\": \"UY\", \"kind\": "
        "\"processor\", \"processing\": \"automated\" },"
        "{ \"id\": \"uy-later\", \"name\": \"UY Paper\", \"country\": \"UY\", \"kind\": "
        "\"processor\", \"processing\": \"manual_then_automated\" },");
    th_ok(gdpr_policy_load_string(ts.eng, &th_dpo, doc));
    free(doc);
}

typedef struct {
    const char *name; /* article and date */
    const char *recipient;
    int y;
    unsigned m, d;
    int allowed;
    int mechanism;
    const char *fragment; /* in the reason */
    const char *cites;    /* in the reason too (the provision), or NULL */
    const char *source;
} scope_case;

/* Sources: docs/transfers-sources.md, "Scope limits" (each decision's
 * article as cited in the row). */
static const scope_case scope_cases[] = {
    {"art45_gb_immigration_excluded_2024_01_01", "uk-immig", 2024, 1, 1, 0, GDPR_TRANSFER_REFUSED,
     "outside adequacy decision GB-2021-1772 (limit GB-immigration-control",
     "Decision (EU) 2021/1772, Art. 1(2)", "Decision (EU) 2021/1772, Art. 1(2)"},
    {"art45_gb_immigration_excluded_in_extension_2025_12_18", "uk-immig", 2025, 12, 18, 0,
     GDPR_TRANSFER_REFUSED, "GB-2025-1226 (limit GB-immigration-control", "Art. 1(2)",
     "Decision (EU) 2025/1226 (extension, exclusion kept)"},
    {"art45_gb_immigration_covered_after_renewal_2025_12_19", "uk-immig", 2025, 12, 19, 1,
     GDPR_TRANSFER_ADEQUACY, "GB-2025-2574", NULL,
     "Decision (EU) 2025/2574 (renewal removed the exclusion)"},
    {"art45_gb_immigration_in_tca_bridge_2021_03_01", "uk-immig", 2021, 3, 1, 1, GDPR_TRANSFER_EEA,
     "TCA bridge", NULL, "TCA Art. FINPROV.10A: no third-country transfer"},
    {"art45_gb_declared_none_2024_01_01", "uk-plain", 2024, 1, 1, 1, GDPR_TRANSFER_ADEQUACY,
     "GB-2021-1772", NULL, "Decision (EU) 2021/1772"},
    {"art45_gb_undeclared_stricter_2024_01_01", "uk-undeclared", 2024, 1, 1, 0,
     GDPR_TRANSFER_REFUSED, "the policy does not declare its activities", "Art. 1(2)",
     "stricter reading (docs/transfers.md)"},
    {"art45_gb_undeclared_after_renewal_2026_03_01", "uk-undeclared", 2026, 3, 1, 1,
     GDPR_TRANSFER_ADEQUACY, "GB-2025-2574", NULL, "Decision (EU) 2025/2574"},
    {"art45_kr_religious_excluded_2026_03_01", "kr-church", 2026, 3, 1, 0, GDPR_TRANSFER_REFUSED,
     "(limit KR-religious", "Decision (EU) 2022/254, Art. 1(2)", "Decision (EU) 2022/254"},
    {"art45_kr_political_excluded_2026_03_01", "kr-party", 2026, 3, 1, 0, GDPR_TRANSFER_REFUSED,
     "(limit KR-political", "Decision (EU) 2022/254, Art. 1(2)", "Decision (EU) 2022/254"},
    {"art45_kr_fsc_credit_excluded_2026_03_01", "kr-bank", 2026, 3, 1, 0, GDPR_TRANSFER_REFUSED,
     "(limit KR-fsc-credit", "it declares 'fsc_credit_information'", "Decision (EU) 2022/254"},
    {"art45_kr_declared_none_2026_03_01", "kr-plain", 2026, 3, 1, 1, GDPR_TRANSFER_ADEQUACY,
     "KR-2022-254", NULL, "Decision (EU) 2022/254"},
    {"art45_kr_undeclared_stricter_2026_03_01", "kr-undeclared", 2026, 3, 1, 0,
     GDPR_TRANSFER_REFUSED, "KR-2022-254 (limit KR-religious",
     "the policy does not declare its activities", "stricter reading"},
    {"art46_kr_excluded_but_scc_2026_03_01", "kr-church-scc", 2026, 3, 1, 1, GDPR_TRANSFER_SCC,
     "module 1", NULL, "Art. 46(2)(c): an exclusion from adequacy leaves safeguards"},
    {"art45_jp_appi_2026_03_01", "jp-appi", 2026, 3, 1, 1, GDPR_TRANSFER_ADEQUACY, "JP-2019-419",
     NULL, "Decision (EU) 2019/419, Art. 1(1)"},
    {"art45_jp_not_appi_2026_03_01", "jp-noappi", 2026, 3, 1, 0, GDPR_TRANSFER_REFUSED,
     "(limit JP-appi", "it is not bound by the APPI", "Decision (EU) 2019/419, Art. 1(1)"},
    {"art45_jp_appi_unsaid_2026_03_01", "jp-undeclared", 2026, 3, 1, 0, GDPR_TRANSFER_REFUSED,
     "(limit JP-appi", "does not say it is bound by the APPI", "stricter reading"},
    {"art45_jp_press_excluded_2026_03_01", "jp-press", 2026, 3, 1, 0, GDPR_TRANSFER_REFUSED,
     "(limit JP-journalism", "APPI Art. 76(1)", "Decision (EU) 2019/419, Art. 1(2)"},
    {"art45_il_automated_2026_03_01", "il-auto", 2026, 3, 1, 1, GDPR_TRANSFER_ADEQUACY,
     "IL-2011-61", NULL, "Decision 2011/61/EU, Art. 1(1)"},
    {"art45_il_manual_then_automated_2026_03_01", "il-later", 2026, 3, 1, 1, GDPR_TRANSFER_ADEQUACY,
     "IL-2011-61", NULL, "Decision 2011/61/EU, Art. 1(1)"},
    {"art45_il_manual_outside_2026_03_01", "il-manual", 2026, 3, 1, 0, GDPR_TRANSFER_REFUSED,
     "(limit IL-automated", "its processing is 'manual'", "Decision 2011/61/EU, Art. 1(1)"},
    {"art45_il_unsaid_stricter_2026_03_01", "il-undeclared", 2026, 3, 1, 0, GDPR_TRANSFER_REFUSED,
     "(limit IL-automated", "its processing is 'unknown'", "stricter reading"},
    {"art45_uy_automated_2026_03_01", "uy-auto", 2026, 3, 1, 1, GDPR_TRANSFER_ADEQUACY,
     "UY-2012-484", NULL, "Decision 2012/484/EU"},
    {"art45_uy_manual_then_automated_stricter_2026_03_01", "uy-later", 2026, 3, 1, 0,
     GDPR_TRANSFER_REFUSED, "(limit UY-automated", "Decision 2012/484/EU, title",
     "Decision 2012/484/EU, title (stricter reading)"},
    {"art45_kr_before_the_decision_2021_12_16", "kr-plain", 2021, 12, 16, 0, GDPR_TRANSFER_REFUSED,
     "applies only from 2021-12-17", NULL, "Decision (EU) 2022/254"},
};

START_TEST(art45_scope_table)
{
    const scope_case *c = &scope_cases[_i];
    gdpr_transfer_request req = GDPR_TRANSFER_REQUEST_INIT;
    gdpr_transfer_result res = GDPR_TRANSFER_RESULT_INIT;

    req.subject = "cust-45";
    req.recipient = c->recipient;
    req.at = day(c->y, c->m, c->d) + 43200;
    th_ok(gdpr_transfer_check_v2(ts.eng, &th_dpo, &req, &res));
    ck_assert_msg(res.allowed == c->allowed && res.mechanism == c->mechanism, "%s (%s): got %s: %s",
                  c->name, c->source, gdpr_transfer_mechanism_name(res.mechanism), res.reason);
    ck_assert_msg(strstr(res.reason, c->fragment) != NULL, "%s: reason '%s' lacks '%s'", c->name,
                  res.reason, c->fragment);
    if (c->cites)
        ck_assert_msg(strstr(res.reason, c->cites) != NULL, "%s: reason '%s' lacks '%s'", c->name,
                      res.reason, c->cites);
}
END_TEST

/* The attributes are validated whole, with the path. */
static const policy_case scope_policy_cases[] = {
    {"\"kind\": \"processor\" },", "\"kind\": \"processor\", \"activities\": [\"missionary\"] },",
     "recipients[0].activities[0]: must be one of immigration_control, fsc_credit_information"},
    {"\"kind\": \"processor\" },",
     "\"kind\": \"processor\", \"activities\": [\"religious\", \"religious\"] },",
     "recipients[0].activities[1]: 'religious' is listed twice"},
    {"\"kind\": \"processor\" },", "\"kind\": \"processor\", \"activities\": \"religious\" },",
     "recipients[0].activities: must be"},
    {"\"kind\": \"processor\" },", "\"kind\": \"processor\", \"processing\": \"robotic\" },",
     "recipients[0].processing: 'robotic' is not one of automated, manual_then_automated, manual"},
    {"\"kind\": \"processor\" },", "\"kind\": \"processor\", \"appi\": \"yes\" },",
     "recipients[0].appi: must be true or false"},
};

START_TEST(art45_scope_policy_refused_whole)
{
    const policy_case *c = &scope_policy_cases[_i];
    char *doc = example_with(c->from, c->to);
    char before[65], after[65];

    th_fingerprint(&ts, before);
    th_assert_err(gdpr_policy_load_string(ts.eng, &th_dpo, doc), GDPR_EINVAL, c->message);
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    free(doc);
}
END_TEST

/* --- Art. 45: certification under the EU-US frameworks, dated (point 6) -- */

static void
setup_certified(void)
{
    char *doc;

    th_setup(&ts);
    doc = example_with(
        "\"recipients\": [",
        "\"recipients\": [\n"
        "{ \"id\": \"us-all\", \"name\": \"US Veteran Inc\", \"country\": \"US\", \"kind\": "
        "\"processor\", \"certifications\": [ { \"framework\": \"safe_harbour\", \"from\": "
        "\"2001-01-01\" }, { \"framework\": \"privacy_shield\", \"from\": \"2016-09-01\" }, { "
        "\"framework\": \"dpf\", \"from\": \"2023-07-17\" } ] },"
        "{ \"id\": \"us-sh\", \"name\": \"US Lapsed Inc\", \"country\": \"US\", \"kind\": "
        "\"processor\", \"certifications\": [ { \"framework\": \"safe_harbour\", \"from\": "
        "\"2001-03-01\", \"until\": \"2012-12-31\" } ] },"
        "{ \"id\": \"us-ps\", \"name\": \"US Shield Inc\", \"country\": \"US\", \"kind\": "
        "\"processor\", \"certifications\": [ { \"framework\": \"privacy_shield\", \"from\": "
        "\"2016-08-01\" } ] },"
        "{ \"id\": \"us-none\", \"name\": \"US Plain Inc\", \"country\": \"US\", \"kind\": "
        "\"processor\" },"
        "{ \"id\": \"us-dpf-old\", \"name\": \"US DPF Inc\", \"country\": \"US\", \"kind\": "
        "\"processor\", \"dpf_certified\": { \"from\": \"2023-08-01\" } },");
    th_ok(gdpr_policy_load_string(ts.eng, &th_dpo, doc));
    free(doc);
}

/* Sources: docs/transfers-sources.md (US-2000-520 and C-362/14; US-2016-1250
 * and C-311/18; US-2023-1795). Same shape as the scope cases. */
static const scope_case cert_cases[] = {
    {"art45_safe_harbour_certified_2005_06_01", "us-all", 2005, 6, 1, 1, GDPR_TRANSFER_ADEQUACY,
     "certified under the Safe Harbour Privacy Principles since 2001-01-01", "US-2000-520",
     "Decision 2000/520/EC"},
    {"art45_safe_harbour_last_day_2015_10_05", "us-all", 2015, 10, 5, 1, GDPR_TRANSFER_ADEQUACY,
     "US-2000-520", NULL, "CJEU C-362/14 of 6 Oct 2015"},
    {"art45_safe_harbour_invalid_after_schrems_i_2015_10_06", "us-all", 2015, 10, 6, 0,
     GDPR_TRANSFER_REFUSED, "US-2000-520 ended on 2015-10-05", NULL, "CJEU C-362/14"},
    {"art45_safe_harbour_not_certified_2005_06_01", "us-none", 2005, 6, 1, 0, GDPR_TRANSFER_REFUSED,
     "is not certified under the Safe Harbour Privacy Principles on "
     "2005-06-01",
     NULL, "Decision 2000/520/EC: certified organisations only"},
    {"art45_safe_harbour_before_certification_2000_12_01", "us-all", 2000, 12, 1, 0,
     GDPR_TRANSFER_REFUSED, "not certified under the Safe Harbour", NULL, "Decision 2000/520/EC"},
    {"art45_safe_harbour_lapsed_2013_01_01", "us-sh", 2013, 1, 1, 0, GDPR_TRANSFER_REFUSED,
     "not certified under the Safe Harbour Privacy Principles on 2013-01-01", NULL,
     "Decision 2000/520/EC"},
    {"art45_safe_harbour_certified_last_day_2012_12_31", "us-sh", 2012, 12, 31, 1,
     GDPR_TRANSFER_ADEQUACY, "since 2001-03-01", NULL, "Decision 2000/520/EC"},
    {"art45_no_decision_between_frameworks_2016_01_01", "us-all", 2016, 1, 1, 0,
     GDPR_TRANSFER_REFUSED, "ended on 2015-10-05", NULL, "C-362/14 to Decision (EU) 2016/1250"},
    {"art45_privacy_shield_before_certification_2016_08_15", "us-all", 2016, 8, 15, 0,
     GDPR_TRANSFER_REFUSED, "not certified under the EU-US Privacy Shield on 2016-08-15", NULL,
     "Decision (EU) 2016/1250"},
    {"art45_privacy_shield_certified_2018_05_25", "us-all", 2018, 5, 25, 1, GDPR_TRANSFER_ADEQUACY,
     "certified under the EU-US Privacy Shield since 2016-09-01", "US-2016-1250",
     "Decision (EU) 2016/1250"},
    {"art45_privacy_shield_last_day_2020_07_15", "us-ps", 2020, 7, 15, 1, GDPR_TRANSFER_ADEQUACY,
     "US-2016-1250", NULL, "CJEU C-311/18 of 16 Jul 2020"},
    {"art45_privacy_shield_invalid_after_schrems_ii_2020_07_16", "us-ps", 2020, 7, 16, 0,
     GDPR_TRANSFER_REFUSED, "US-2016-1250 ended on 2020-07-15", NULL, "CJEU C-311/18"},
    {"art45_privacy_shield_is_not_dpf_2023_08_01", "us-ps", 2023, 8, 1, 0, GDPR_TRANSFER_REFUSED,
     "is not DPF-certified on 2023-08-01", NULL, "Decision (EU) 2023/1795: DPF List only"},
    {"art45_dpf_certified_2023_08_01", "us-all", 2023, 8, 1, 1, GDPR_TRANSFER_ADEQUACY,
     "DPF-certified since 2023-07-17", "US-2023-1795", "Decision (EU) 2023/1795"},
    {"art45_dpf_before_certification_2023_07_16", "us-all", 2023, 7, 16, 0, GDPR_TRANSFER_REFUSED,
     "is not DPF-certified on 2023-07-16", NULL, "Decision (EU) 2023/1795"},
    {"art45_dpf_certified_field_2024_01_01", "us-dpf-old", 2024, 1, 1, 1, GDPR_TRANSFER_ADEQUACY,
     "DPF-certified since 2023-08-01", NULL, "Decision (EU) 2023/1795"},
    {"art45_safe_harbour_is_not_dpf_2024_01_01", "us-sh", 2024, 1, 1, 0, GDPR_TRANSFER_REFUSED,
     "is not DPF-certified on 2024-01-01", NULL, "Decision (EU) 2023/1795"},
};

static const policy_case cert_policy_cases[] = {
    {"\"country\": \"IN\", \"kind\": \"processor\",",
     "\"country\": \"IN\", \"kind\": \"processor\", \"certifications\": [ { \"framework\": "
     "\"dpf\", \"from\": \"2024-01-01\" } ],",
     "recipients[3].certifications: the EU-US frameworks certify US organisations only; the "
     "recipient's country is 'IN'"},
    {"\"country\": \"US\", \"kind\": \"processor\",",
     "\"country\": \"US\", \"kind\": \"processor\", \"certifications\": [ { \"framework\": "
     "\"apec_cbpr\", \"from\": "
     "\"2024-01-01\" } ],",
     "recipients[1].certifications[0].framework: 'apec_cbpr' is not one of safe_harbour, "
     "privacy_shield, dpf"},
    {"\"country\": \"US\", \"kind\": \"processor\",",
     "\"country\": \"US\", \"kind\": \"processor\", \"certifications\": [ { \"framework\": \"dpf\" "
     "} ],",
     "recipients[1].certifications[0].from: required field is missing"},
    {"\"country\": \"US\", \"kind\": \"processor\",",
     "\"country\": \"US\", \"kind\": \"processor\", \"certifications\": [ { \"framework\": "
     "\"dpf\", \"from\": "
     "\"2024-01-01\", \"until\": \"2023-01-01\" } ],",
     "recipients[1].certifications[0].until: ends before from"},
    {"\"country\": \"US\", \"kind\": \"processor\",",
     "\"country\": \"US\", \"kind\": \"processor\", \"certifications\": [ { \"framework\": "
     "\"privacy_shield\", "
     "\"from\": \"2016-08-01\" }, { \"framework\": \"privacy_shield\", \"from\": \"2017-01-01\" "
     "} ],",
     "recipients[1].certifications[1]: overlaps another 'privacy_shield' certification"},
    {"\"dpf_certified\": { \"from\": \"2023-10-01\" } },",
     "\"dpf_certified\": { \"from\": \"2023-10-01\" }, \"certifications\": [ { \"framework\": "
     "\"dpf\", \"from\": \"2024-01-01\" } ] },",
     "recipients[2].certifications[0]: overlaps another 'dpf' certification of the recipient "
     "(dpf_certified)"},
    {"\"country\": \"US\", \"kind\": \"processor\",",
     "\"country\": \"US\", \"kind\": \"processor\", \"certifications\": [ { \"framework\": "
     "\"dpf\", \"from\": "
     "\"2024-01-01\", \"scope\": \"hr\" } ],",
     "recipients[1].certifications[0].scope: unknown field"},
};

START_TEST(art45_certified_table)
{
    const scope_case *c = &cert_cases[_i];
    gdpr_transfer_request req = GDPR_TRANSFER_REQUEST_INIT;
    gdpr_transfer_result res = GDPR_TRANSFER_RESULT_INIT;

    req.subject = "cust-45";
    req.recipient = c->recipient;
    req.at = day(c->y, c->m, c->d) + 43200;
    th_ok(gdpr_transfer_check_v2(ts.eng, &th_dpo, &req, &res));
    ck_assert_msg(res.allowed == c->allowed && res.mechanism == c->mechanism, "%s (%s): got %s: %s",
                  c->name, c->source, gdpr_transfer_mechanism_name(res.mechanism), res.reason);
    ck_assert_msg(strstr(res.reason, c->fragment) != NULL, "%s: reason '%s' lacks '%s'", c->name,
                  res.reason, c->fragment);
    if (c->cites)
        ck_assert_msg(strstr(res.reason, c->cites) != NULL, "%s: reason '%s' lacks '%s'", c->name,
                      res.reason, c->cites);
}
END_TEST

START_TEST(art45_certified_policy_refused_whole)
{
    const policy_case *c = &cert_policy_cases[_i];
    char *doc = example_with(c->from, c->to);
    char before[65], after[65];

    th_fingerprint(&ts, before);
    th_assert_err(gdpr_policy_load_string(ts.eng, &th_dpo, doc), GDPR_EINVAL, c->message);
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    free(doc);
}
END_TEST

/* --- Art. 49(1)-(3), (6): occasional, compelling interests, public
 * authorities, special categories (issue 19 point 4) -------------------- */

static const char art49_recipients[] =
    "\"recipients\": [\n"
    "{ \"id\": \"cn-partner\", \"name\": \"Partner Co\", \"country\": \"CN\", \"kind\": "
    "\"controller\", \"occasional_limit\": { \"max_transfers\": 1, \"per\": \"P1M\" } },"
    "{ \"id\": \"in-none\", \"name\": \"IN Plain\", \"country\": \"IN\", \"kind\": "
    "\"processor\" },"
    "{ \"id\": \"in-vital\", \"name\": \"IN Hospital\", \"country\": \"IN\", \"kind\": "
    "\"controller\", \"occasional\": true, \"derogation\": \"49(1)(f)\", \"occasional_limit\": "
    "{ \"max_transfers\": 5, \"per\": \"P1Y\" } },"
    "{ \"id\": \"in-claims\", \"name\": \"IN Counsel\", \"country\": \"IN\", \"kind\": "
    "\"controller\", \"occasional\": true, \"derogation\": \"49(1)(e)\", \"occasional_limit\": "
    "{ \"max_subjects\": 2, \"per\": \"P30D\" } },";

static const char art49_private_recipients[] =
    "{ \"id\": \"in-contract\", \"name\": \"IN Hotel\", \"country\": \"IN\", \"kind\": "
    "\"controller\", \"occasional\": true, \"derogation\": \"49(1)(b)\", \"occasional_limit\": "
    "{ \"max_transfers\": 2, \"per\": \"P1M\" } },"
    "{ \"id\": \"in-compelling\", \"name\": \"IN Auditor\", \"country\": \"IN\", \"kind\": "
    "\"controller\", \"occasional\": true, \"derogation\": \"49(1) second subparagraph\", "
    "\"occasional_limit\": { \"max_transfers\": 3, \"max_subjects\": 1, \"per\": \"P1Y\" }, "
    "\"compelling_interests\": { \"assessment\": \"LIA-2026-01 (DPO file 17)\", "
    "\"assessed_on\": \"2026-01-10\", \"safeguards\": \"pseudonymised, encrypted in transit\", "
    "\"authority_informed\": \"2026-02-01\", \"subject_notice\": \"privacy-v3\" } },";

/* The example policy with `from` replaced by `to` in `doc` (freed). */
static char *
replace_in(char *doc, const char *from, const char *to)
{
    const char *at = strstr(doc, from);
    char *out;

    ck_assert_msg(at != NULL, "policy lacks '%s'", from);
    out = malloc(strlen(doc) - strlen(from) + strlen(to) + 1);
    ck_assert_ptr_nonnull(out);
    memcpy(out, doc, (size_t)(at - doc));
    strcpy(out + (at - doc), to);
    strcat(out, at + strlen(from));
    free(doc);
    return out;
}

static void
load_art49_policy(int public_authority)
{
    char *rec = malloc(sizeof art49_recipients + sizeof art49_private_recipients);
    char *doc;

    ck_assert_ptr_nonnull(rec);
    strcpy(rec, art49_recipients);
    if (!public_authority)
        strcat(rec, art49_private_recipients);
    doc = example_with("\"recipients\": [", rec);
    free(rec);
    if (public_authority)
        doc = replace_in(doc, "\"controller\": {", "\"controller\": { \"public_authority\": true,");
    th_ok(gdpr_policy_load_string(ts.eng, &th_dpo, doc));
    free(doc);
}

typedef struct {
    const char *name; /* article and date */
    int public_authority;
    const char *recipient;
    int n_prior;        /* transfers recorded before, at 12:00 on 2026-03-`prior_day` */
    unsigned prior_day; /* of March 2026 */
    int same_subject;   /* the subject checked is the first prior one */
    int y;
    unsigned m, d;
    unsigned int flags;
    const char *category;
    int allowed;
    int mechanism;
    const char *fragment;
    const char *source;
} art49_case;

/* Every subject has a transfer consent to cn-partner from 2026-01-01.
 * Sources: GDPR Art. 49(1), (3), (6), Recitals 111-113; EDPB Guidelines
 * 2/2018 (docs/transfers-sources.md, "Art. 49 derogations"). */
static const art49_case art49_cases[] = {
    {"art49_1_b_first_in_month_2026_03_10", 0, "in-contract", 0, 0, 0, 2026, 3, 10, 0, NULL, 1,
     GDPR_TRANSFER_DEROGATION_OTHER, "occasional under Art. 49(1)(b)", "Art. 49(1)(b)"},
    {"art49_1_b_within_bound_2026_03_10", 0, "in-contract", 1, 5, 0, 2026, 3, 10, 0, NULL, 1,
     GDPR_TRANSFER_DEROGATION_OTHER, "49(1)(b)", "Art. 49(1)(b); occasional_limit 2 per P1M"},
    {"art49_1_b_bound_reached_2026_03_10", 0, "in-contract", 2, 5, 0, 2026, 3, 10, 0, NULL, 0,
     GDPR_TRANSFER_REFUSED,
     "2 Art. 49 transfers to 'in-contract' are logged in the P1M up to 2026-03-10",
     "Recital 111: occasional"},
    {"art49_1_b_window_passed_2026_04_06", 0, "in-contract", 2, 5, 0, 2026, 4, 6, 0, NULL, 1,
     GDPR_TRANSFER_DEROGATION_OTHER, "49(1)(b)", "Recital 111: counted per window"},
    {"art49_1_b_dated_check_ignores_later_log_2026_03_01", 0, "in-contract", 2, 5, 0, 2026, 3, 1, 0,
     NULL, 1, GDPR_TRANSFER_DEROGATION_OTHER, "49(1)(b)", "the law as it stood on the day"},
    {"art49_1_b_repeated_refused_2026_03_10", 0, "in-contract", 0, 0, 0, 2026, 3, 10,
     GDPR_TRANSFER_REPEATED, NULL, 0, GDPR_TRANSFER_REFUSED,
     "Art. 49(1)(b) covers occasional transfers only", "Recital 111"},
    {"art49_1_e_subjects_bound_2026_03_10", 0, "in-claims", 2, 5, 0, 2026, 3, 10, 0, NULL, 0,
     GDPR_TRANSFER_REFUSED, "concern 2 subjects and occasional_limit.max_subjects is 2",
     "Recital 111; 113"},
    {"art49_1_e_same_subject_again_2026_03_10", 0, "in-claims", 2, 5, 1, 2026, 3, 10, 0, NULL, 1,
     GDPR_TRANSFER_DEROGATION_OTHER, "49(1)(e)", "Art. 49(1)(e): the same subject is no new one"},
    {"art49_1_f_special_category_vital_2026_03_10", 0, "in-vital", 0, 0, 0, 2026, 3, 10, 0,
     "health", 1, GDPR_TRANSFER_DEROGATION_OTHER, "occasional under Art. 49(1)(f)",
     "Art. 49(1)(f); EDPB Guidelines 2/2018, 2.6"},
    {"art49_1_b_special_category_refused_2026_03_10", 0, "in-contract", 0, 0, 0, 2026, 3, 10, 0,
     "health", 0, GDPR_TRANSFER_REFUSED, "goes on a derogation only under Art. 49(1)(f)",
     "stricter reading (docs/transfers.md)"},
    {"art49_1_a_special_category_refused_2026_03_10", 0, "cn-partner", 0, 0, 0, 2026, 3, 10, 0,
     "health", 0, GDPR_TRANSFER_REFUSED, "goes on a derogation only under Art. 49(1)(f)",
     "stricter reading (docs/transfers.md)"},
    {"art49_1_f_special_category_bound_2026_03_10", 0, "in-vital", 5, 5, 0, 2026, 3, 10, 0,
     "health", 0, GDPR_TRANSFER_REFUSED, "5 Art. 49 transfers to 'in-vital'",
     "Art. 49(1)(f) only where the other conditions hold"},
    {"art49_1_second_subpara_2026_03_10", 0, "in-compelling", 0, 0, 0, 2026, 3, 10, 0, NULL, 1,
     GDPR_TRANSFER_DEROGATION_OTHER, "second subparagraph", "Art. 49(1) second subparagraph"},
    {"art49_1_second_subpara_before_authority_informed_2026_01_20", 0, "in-compelling", 0, 0, 0,
     2026, 1, 20, 0, NULL, 0, GDPR_TRANSFER_REFUSED,
     "the supervisory authority was not yet informed", "Art. 49(1) second subparagraph"},
    {"art49_6_second_subpara_before_assessment_2026_01_05", 0, "in-compelling", 0, 0, 0, 2026, 1, 5,
     0, NULL, 0, GDPR_TRANSFER_REFUSED, "compelling_interests.assessed_on", "Art. 49(6)"},
    {"art49_1_second_subpara_one_subject_only_2026_03_10", 0, "in-compelling", 1, 5, 0, 2026, 3, 10,
     0, NULL, 0, GDPR_TRANSFER_REFUSED, "concern 1 subjects",
     "Art. 49(1) second subparagraph: a limited number of data subjects"},
    {"art49_1_a_consent_within_bound_2026_03_10", 0, "cn-partner", 0, 0, 0, 2026, 3, 10, 0, NULL, 1,
     GDPR_TRANSFER_DEROGATION_CONSENT, "explicit consent to transfers to 'cn-partner'",
     "Art. 49(1)(a)"},
    {"art49_1_a_consent_bound_reached_2026_03_10", 0, "cn-partner", 1, 5, 0, 2026, 3, 10, 0, NULL,
     0, GDPR_TRANSFER_REFUSED, "1 Art. 49 transfers to 'cn-partner' are logged in the P1M",
     "Art. 49(1)(a) occasional (EDPB Guidelines 2/2018)"},
    {"art49_3_public_authority_consent_closed_2026_03_10", 1, "cn-partner", 0, 0, 0, 2026, 3, 10, 0,
     NULL, 0, GDPR_TRANSFER_REFUSED, "Art. 49(3) closes Art. 49(1)(a)", "Art. 49(3)"},
    {"art49_3_public_authority_may_use_f_2026_03_10", 1, "in-vital", 0, 0, 0, 2026, 3, 10, 0, NULL,
     1, GDPR_TRANSFER_DEROGATION_OTHER, "49(1)(f)", "Art. 49(3) names (a)-(c) only"},
    {"art49_3_public_authority_may_use_e_2026_03_10", 1, "in-claims", 0, 0, 0, 2026, 3, 10, 0, NULL,
     1, GDPR_TRANSFER_DEROGATION_OTHER, "49(1)(e)", "Art. 49(3) names (a)-(c) only"},
    {"art49_3_public_authority_no_ground_2026_03_10", 1, "in-none", 0, 0, 0, 2026, 3, 10, 0, NULL,
     0, GDPR_TRANSFER_REFUSED, "Art. 49(3): a public authority", "Art. 49(3)"},
};

START_TEST(art49_table)
{
    const art49_case *c = &art49_cases[_i];
    gdpr_transfer_request req = GDPR_TRANSFER_REQUEST_INIT;
    gdpr_transfer_result res = GDPR_TRANSFER_RESULT_INIT;
    gdpr_consent g = GDPR_CONSENT_INIT;
    const char *cats[1];
    char subject[32];
    char before[65], after[65];

    load_art49_policy(c->public_authority);
    ts.now = day(2026, 1, 1);
    for (int k = 0; k <= c->n_prior; k++) {
        snprintf(subject, sizeof subject, "p-%d", k);
        g.subject = subject;
        g.purpose = "service";
        g.channel = "web";
        g.recipient = "cn-partner";
        g.country = "CN";
        g.notice = "transfer-risks-v1";
        g.flags = GDPR_CONSENT_EXPLICIT | GDPR_CONSENT_TRANSFER;
        th_ok(gdpr_consent_record(ts.eng, &th_agent, &g, NULL));
    }
    ts.now = day(2026, 6, 1);
    for (int k = 1; k <= c->n_prior; k++) {
        snprintf(subject, sizeof subject, "p-%d", k);
        req.subject = subject;
        req.recipient = c->recipient;
        req.at = day(2026, 3, c->prior_day) + 43200;
        if (c->category) {
            cats[0] = c->category;
            req.categories = cats;
            req.n_categories = 1;
        }
        th_ok(gdpr_transfer_record(ts.eng, &th_dpo, &req, &res));
        ck_assert_msg(res.allowed, "%s: prior transfer %d refused: %s", c->name, k, res.reason);
    }
    req.subject = c->same_subject ? "p-1" : "p-0";
    req.recipient = c->recipient;
    req.at = day(c->y, c->m, c->d) + 43200;
    req.flags = c->flags;
    req.categories = NULL;
    req.n_categories = 0;
    if (c->category) {
        cats[0] = c->category;
        req.categories = cats;
        req.n_categories = 1;
    }
    th_fingerprint(&ts, before);
    th_ok(gdpr_transfer_check_v2(ts.eng, &th_dpo, &req, &res));
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    ck_assert_msg(res.allowed == c->allowed && res.mechanism == c->mechanism, "%s (%s): got %s: %s",
                  c->name, c->source, gdpr_transfer_mechanism_name(res.mechanism), res.reason);
    ck_assert_msg(strstr(res.reason, c->fragment) != NULL, "%s: reason '%s' lacks '%s'", c->name,
                  res.reason, c->fragment);
    /* Recording decides the same, inside its transaction. */
    th_ok(gdpr_transfer_record(ts.eng, &th_dpo, &req, &res));
    ck_assert_msg(res.allowed == c->allowed, "%s: record answered %s", c->name, res.reason);
}
END_TEST

/* A policy stored before issue 19 point 4 (a derogation without a bound)
 * still opens; its derogation transfers are refused, saying why. */
START_TEST(art49_stored_policy_without_bound_2026_03_10)
{
    char *doc = example_with(
        "\"recipients\": [",
        "\"recipients\": [\n{ \"id\": \"in-old\", \"name\": \"IN Old\", \"country\": \"IN\", "
        "\"kind\": \"controller\", \"occasional\": true, \"derogation\": \"49(1)(b)\" },");
    gdpr_transfer_request req = GDPR_TRANSFER_REQUEST_INIT;
    gdpr_transfer_result res = GDPR_TRANSFER_RESULT_INIT;
    uint8_t sha[32] = {0};
    int64_t version = 0;

    th_assert_err(gdpr_policy_load_string(ts.eng, &th_dpo, doc), GDPR_EINVAL,
                  "recipients[0].occasional_limit: required field is missing");
    ts.now = day(2026, 3, 10);
    th_ok(gdpr_begin(ts.eng));
    th_ok(gdpr_store__policy_insert(ts.eng->st, ts.now, "legacy", sha, doc, &version));
    th_ok(gdpr_commit(ts.eng));
    free(doc);
    th_reopen(&ts);
    req.subject = "cust-49";
    req.recipient = "in-old";
    req.at = day(2026, 3, 10) + 43200;
    th_ok(gdpr_transfer_check_v2(ts.eng, &th_dpo, &req, &res));
    ck_assert_int_eq(res.allowed, 0);
    ck_assert_msg(strstr(res.reason, "the policy sets no occasional_limit for 'in-old'") != NULL,
                  "%s", res.reason);
}
END_TEST

/* gdpr_transfer_count: what the check counts, on the date asked. */
START_TEST(art49_count_2026_03_10)
{
    gdpr_transfer_request req = GDPR_TRANSFER_REQUEST_INIT;
    gdpr_transfer_result res = GDPR_TRANSFER_RESULT_INIT;
    gdpr_transfer_count_info n = GDPR_TRANSFER_COUNT_INIT;
    const char *subjects[] = {"p-1", "p-2", "p-1"};

    load_art49_policy(0);
    ts.now = day(2026, 6, 1);
    req.recipient = "in-claims";
    for (int k = 0; k < 3; k++) {
        req.subject = subjects[k];
        req.at = day(2026, 3, 5) + 43200;
        th_ok(gdpr_transfer_record(ts.eng, &th_dpo, &req, &res));
        ck_assert_msg(res.allowed, "%s", res.reason);
    }
    /* A refused one does not count. */
    req.subject = "p-3";
    th_ok(gdpr_transfer_record(ts.eng, &th_dpo, &req, &res));
    ck_assert_int_eq(res.allowed, 0);
    th_ok(gdpr_transfer_count(ts.eng, "in-claims", day(2026, 3, 10) + 43200, &n));
    ck_assert_int_eq(n.bounded, 1);
    ck_assert_int_eq(n.max_subjects, 2);
    ck_assert_int_eq(n.max_transfers, 0);
    ck_assert_str_eq(n.per, "P30D");
    ck_assert_int_eq(n.transfers, 3);
    ck_assert_int_eq(n.subjects, 2);
    ck_assert_int_eq(n.window_after, day(2026, 2, 8) + 43200);
    ck_assert_int_eq(n.window_until, day(2026, 3, 10) + 43200);
    /* As the log stood: before the transfers, and after the window. */
    th_ok(gdpr_transfer_count(ts.eng, "in-claims", day(2026, 3, 1), &n));
    ck_assert_int_eq(n.transfers, 0);
    th_ok(gdpr_transfer_count(ts.eng, "in-claims", day(2026, 4, 5), &n));
    ck_assert_int_eq(n.transfers, 0);
    th_ok(gdpr_transfer_count(ts.eng, "in-none", GDPR_NOW, &n));
    ck_assert_int_eq(n.bounded, 0);
    ck_assert_str_eq(n.per, "");
    ck_assert_int_eq(n.window_until, ts.now);
}
END_TEST

START_TEST(art49_count_bad_input_2026_03_10)
{
    gdpr_transfer_count_info n = GDPR_TRANSFER_COUNT_INIT;
    char longid[GDPR_NAME_MAX + 2];
    char before[65], after[65];
    th_store bare;

    load_art49_policy(0);
    memset(longid, 'r', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    th_fingerprint(&ts, before);
    th_assert_err(gdpr_transfer_count(NULL, "in-claims", GDPR_NOW, &n), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_transfer_count(ts.eng, "in-claims", GDPR_NOW, NULL), GDPR_EINVAL, "out");
    th_assert_err(gdpr_transfer_count(ts.eng, NULL, GDPR_NOW, &n), GDPR_EINVAL, "recipient");
    th_assert_err(gdpr_transfer_count(ts.eng, "", GDPR_NOW, &n), GDPR_EINVAL, "recipient");
    th_assert_err(gdpr_transfer_count(ts.eng, longid, GDPR_NOW, &n), GDPR_EINVAL, "recipient");
    th_assert_err(gdpr_transfer_count(ts.eng, "in-\xc3", GDPR_NOW, &n), GDPR_EINVAL, "recipient");
    th_assert_err(gdpr_transfer_count(ts.eng, "nobody", GDPR_NOW, &n), GDPR_EINVAL,
                  "recipient: 'nobody' is not a recipient of the policy");
    th_assert_err(gdpr_transfer_count(ts.eng, "in-claims", 0, &n), GDPR_EINVAL, "at");
    th_assert_err(gdpr_transfer_count(ts.eng, "in-claims", INT64_MAX, &n), GDPR_EINVAL, "at");
    n.version = 0;
    th_assert_err(gdpr_transfer_count(ts.eng, "in-claims", GDPR_NOW, &n), GDPR_EVERSION,
                  "out.version: 0");
    n.version = 99;
    th_assert_err(gdpr_transfer_count(ts.eng, "in-claims", GDPR_NOW, &n), GDPR_EVERSION,
                  "out.version: 99");
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    n.version = GDPR_TRANSFER_COUNT_VERSION;
    th_setup_bare(&bare);
    th_assert_err(gdpr_transfer_count(bare.eng, "in-claims", GDPR_NOW, &n), GDPR_ESTATE, "policy");
    th_teardown(&bare);
}
END_TEST

/* The policy's Art. 49 settings, validated whole with the path. */
static const policy_case art49_policy_cases[] = {
    {"\"derogation\": \"49(1)(b)\", \"occasional_limit\": { \"max_transfers\": 2, \"per\": "
     "\"P1M\" } },",
     "\"derogation\": \"49(1)(b)\" },",
     "recipients[4].occasional_limit: required field is missing: an Art. 49 derogation is for "
     "occasional transfers only"},
    {"\"max_transfers\": 2, \"per\": \"P1M\"", "\"per\": \"P1M\"",
     "recipients[4].occasional_limit: names no bound"},
    {"\"max_transfers\": 2, \"per\": \"P1M\"", "\"max_transfers\": 0, \"per\": \"P1M\"",
     "recipients[4].occasional_limit.max_transfers: must be an integer from 1 to 1000000"},
    {"\"max_transfers\": 2, \"per\": \"P1M\"", "\"max_transfers\": 2, \"per\": \"monthly\"",
     "recipients[4].occasional_limit.per: 'monthly' is not an ISO 8601 duration"},
    {"\"max_transfers\": 2, \"per\": \"P1M\"", "\"max_transfers\": 2",
     "recipients[4].occasional_limit.per: required field is missing"},
    {"\"max_transfers\": 3, \"max_subjects\": 1, \"per\": \"P1Y\"",
     "\"max_transfers\": 3, \"per\": \"P1Y\"",
     "recipients[5].occasional_limit.max_subjects: required field is missing: the second "
     "subparagraph of Art. 49(1) allows only a limited number of data subjects"},
    {"\"subject_notice\": \"privacy-v3\"", "\"subject_notice\": \"privacy-v9\"",
     "recipients[5].compelling_interests.subject_notice: 'privacy-v9' is not a notice of the "
     "policy"},
    {"\"authority_informed\": \"2026-02-01\", ", "",
     "recipients[5].compelling_interests.authority_informed: required field is missing"},
    {"\"assessment\": \"LIA-2026-01 (DPO file 17)\", ", "",
     "recipients[5].compelling_interests.assessment: required field is missing"},
    {"\"derogation\": \"49(1) second subparagraph\", ", "\"derogation\": \"49(1)(d)\", ",
     "recipients[5].compelling_interests: only for the derogation \"49(1) second subparagraph\""},
    {"\"controller\": {", "\"controller\": { \"public_authority\": true,",
     "recipients[4].derogation: '49(1)(b)' is not open to a public authority in the exercise of "
     "its public powers (Art. 49(3)"},
    {"\"controller\": {", "\"controller\": { \"public_authority\": 1,",
     "controller.public_authority: must be true or false"},
};

START_TEST(art49_policy_refused_whole)
{
    const policy_case *c = &art49_policy_cases[_i];
    char *doc = example_with("\"recipients\": [", art49_recipients);
    char *full = malloc(strlen(doc) + sizeof art49_private_recipients);
    char before[65], after[65];
    const char *at;

    ck_assert_ptr_nonnull(full);
    at = strstr(doc, "\"in-claims\"");
    ck_assert_ptr_nonnull(at);
    at = strstr(at, "} },") + 4;
    memcpy(full, doc, (size_t)(at - doc));
    strcpy(full + (at - doc), art49_private_recipients);
    strcat(full, at);
    free(doc);
    full = replace_in(full, c->from, c->to);
    th_fingerprint(&ts, before);
    th_assert_err(gdpr_policy_load_string(ts.eng, &th_dpo, full), GDPR_EINVAL, c->message);
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    free(full);
}
END_TEST

static Suite *
law_suite(void)
{
    Suite *s = suite_create("law");
    TCase *art21 = tcase_create("art21");

    tcase_add_checked_fixture(art21, setup, teardown);
    tcase_add_loop_test(art21, art21_table, 0, (int)(sizeof art21_cases / sizeof art21_cases[0]));
    tcase_add_test(art21, art21_3_suppression_survives_erasure_2026_06_01);
    tcase_add_test(art21, art21_bad_input_changes_nothing);
    suite_add_tcase(s, art21);

    TCase *art9 = tcase_create("art9");
    tcase_add_checked_fixture(art9, setup_art9, teardown);
    tcase_add_loop_test(art9, art9_table, 0, (int)(sizeof art9_cases / sizeof art9_cases[0]));
    tcase_add_test(art9, art9_2_a_consent_must_be_explicit_2026_01_10);
    suite_add_tcase(s, art9);

    TCase *a49 = tcase_create("art49");
    tcase_add_checked_fixture(a49, setup_transfer, teardown);
    tcase_add_loop_test(a49, art49_1_a_table, 0,
                        (int)(sizeof art49a_cases / sizeof art49a_cases[0]));
    tcase_add_loop_test(a49, art49_1_a_record_refused, 0,
                        (int)(sizeof art49a_bad_cases / sizeof art49a_bad_cases[0]));
    tcase_add_test(a49, art49_1_a_request_flags_2026_02_02);
    suite_add_tcase(s, a49);

    TCase *a12 = tcase_create("art12");
    tcase_add_checked_fixture(a12, plain_setup, teardown);
    tcase_add_loop_test(a12, art12_table, 0, (int)(sizeof art12_cases / sizeof art12_cases[0]));
    tcase_add_test(a12, art12_4_deny_v2_bad_input_2026_01_15);
    tcase_add_test(a12, art12_4_migration_recounts_late_refusals_2026_01_15);
    suite_add_tcase(s, a12);

    TCase *a126 = tcase_create("art12_6");
    tcase_add_checked_fixture(a126, plain_setup, teardown);
    tcase_add_loop_test(a126, art12_6_lapse_table_2026_03_02, 0,
                        (int)(sizeof lapse_cases / sizeof lapse_cases[0]));
    tcase_add_test(a126, art12_6_migration_finds_the_ask_2026_03_02);
    suite_add_tcase(s, a126);

    TCase *a19 = tcase_create("art19");
    tcase_add_checked_fixture(a19, plain_setup, teardown);
    tcase_add_loop_test(a19, art19_table_2026_03_01, 0,
                        (int)(sizeof a19_cases / sizeof a19_cases[0]));
    tcase_add_test(a19, art19_recipients_bad_input_2026_03_01);
    suite_add_tcase(s, a19);

    TCase *drp = tcase_create("drp");
    tcase_add_checked_fixture(drp, plain_setup, teardown);
    tcase_add_loop_test(drp, art12_drp_denial_table_2026_03_01, 0,
                        (int)(sizeof drp_cases / sizeof drp_cases[0]));
    tcase_add_test(drp, art12_drp_denial_bad_input_2026_03_01);
    tcase_add_test(drp, art12_drp_migration_adds_counters_2026_03_01);
    suite_add_tcase(s, drp);

    TCase *a8 = tcase_create("art8");
    tcase_add_checked_fixture(a8, setup_child, teardown);
    tcase_add_loop_test(a8, art8_table, 0, (int)(sizeof art8_cases / sizeof art8_cases[0]));
    suite_add_tcase(s, a8);

    TCase *eea = tcase_create("eea");
    tcase_add_checked_fixture(eea, plain_setup, teardown);
    tcase_add_loop_test(eea, eea_table, 0, (int)(sizeof eea_cases / sizeof eea_cases[0]));
    tcase_add_test(eea, eea_territory_recipient_2026_03_01);
    suite_add_tcase(s, eea);

    TCase *a45 = tcase_create("art45_scope");
    tcase_add_checked_fixture(a45, setup_scope, teardown);
    tcase_add_loop_test(a45, art45_scope_table, 0,
                        (int)(sizeof scope_cases / sizeof scope_cases[0]));
    tcase_add_loop_test(a45, art45_scope_policy_refused_whole, 0,
                        (int)(sizeof scope_policy_cases / sizeof scope_policy_cases[0]));
    suite_add_tcase(s, a45);

    TCase *cert = tcase_create("art45_certified");
    tcase_add_checked_fixture(cert, setup_certified, teardown);
    tcase_add_loop_test(cert, art45_certified_table, 0,
                        (int)(sizeof cert_cases / sizeof cert_cases[0]));
    tcase_add_loop_test(cert, art45_certified_policy_refused_whole, 0,
                        (int)(sizeof cert_policy_cases / sizeof cert_policy_cases[0]));
    suite_add_tcase(s, cert);

    TCase *a49o = tcase_create("art49_occasional");
    tcase_add_checked_fixture(a49o, plain_setup, teardown);
    tcase_add_loop_test(a49o, art49_table, 0, (int)(sizeof art49_cases / sizeof art49_cases[0]));
    tcase_add_test(a49o, art49_count_2026_03_10);
    tcase_add_test(a49o, art49_stored_policy_without_bound_2026_03_10);
    tcase_add_test(a49o, art49_count_bad_input_2026_03_10);
    tcase_add_loop_test(a49o, art49_policy_refused_whole, 0,
                        (int)(sizeof art49_policy_cases / sizeof art49_policy_cases[0]));
    suite_add_tcase(s, a49o);

    TCase *pol = tcase_create("policy");
    tcase_add_checked_fixture(pol, plain_setup, teardown);
    tcase_add_test(pol, art9_1_stored_policy_without_condition_2026_03_01);
    tcase_add_loop_test(pol, art9_policy_refused_whole, 0,
                        (int)(sizeof art9_policy_cases / sizeof art9_policy_cases[0]));
    tcase_add_loop_test(pol, art8_policy_refused_whole, 0,
                        (int)(sizeof art8_policy_cases / sizeof art8_policy_cases[0]));
    tcase_add_test(pol, art8_1_iss_needs_the_age_table);
    suite_add_tcase(s, pol);
    return s;
}

int
main(void)
{
    return th_run(law_suite());
}
