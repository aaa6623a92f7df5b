/*
 * The law as it stands on the day (issue 19), points 11, 13 and 15:
 * Art. 17(3) "to the extent necessary" (holds and retention rules that
 * keep only what they cover, on a named ground), Art. 15(1)(h) and 22
 * (automated decisions), Art. 15(4) and CJEU C-579/21 (who consulted the
 * data). Table-driven; each case is named by its article and the date it
 * is asked on, and cites its source (docs/gdpr-article-map.md).
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "helpers.h"

static th_store ts;

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

/* --- Art. 17(3): to the extent necessary --------------------------------- */

/* Five records of one subject (the example policy: R-1 keeps
 * billing/financial under a legal duty, Art. 17(3)(b)). */
enum { R_SERVICE_CONTACT, R_MARKETING_CONTACT, R_BILLING_FINANCIAL, R_SERVICE_USAGE,
       R_RECRUITMENT_CV, R_COUNT };

static const struct {
    const char *category, *purpose;
    unsigned m, d; /* collected in 2026 */
} records[R_COUNT] = {
    {"contact", "service", 1, 10},  {"contact", "marketing", 2, 10},
    {"financial", "billing", 1, 15}, {"usage", "service", 3, 5},
    {"cv", "recruitment", 2, 20},
};

typedef enum { H_NONE, H_SUBJECT, H_CATEGORY, H_RECORD, H_SUBJECT_V1, H_CATEGORY_V1 } hold_kind;

typedef struct {
    const char *name; /* article and date */
    hold_kind hold;
    const char *category; /* H_CATEGORY */
    const char *purpose;
    unsigned from_m, from_d, to_m, to_d; /* 0: open */
    int record;                          /* H_RECORD: index into records */
    gdpr_exemption ground;
    int erase_rc;
    /* per record: GDPR_EXEMPT_NONE when erased, else the ground kept under */
    gdpr_exemption kept[R_COUNT];
    const char *source;
} a17_case;

#define N GDPR_EXEMPT_NONE
#define OBL GDPR_EXEMPT_LEGAL_OBLIGATION

/* Sources: GDPR Art. 17(3) ("shall not apply to the extent that processing
 * is necessary"), (a)-(e); Art. 18(2) (what is kept is restricted). The
 * erasure is asked on 2026-04-01. */
static const a17_case a17_cases[] = {
    {"art17_3_b_no_hold_keeps_only_legal_duty_2026_04_01", H_NONE, NULL, NULL, 0, 0, 0, 0, 0, N,
     GDPR_OK, {N, N, OBL, N, N}, "Art. 17(3)(b), rule R-1"},
    {"art17_3_e_hold_narrowed_to_purpose_2026_04_01", H_SUBJECT, NULL, "service", 0, 0, 0, 0, 0,
     GDPR_EXEMPT_LEGAL_CLAIMS, GDPR_OK,
     {GDPR_EXEMPT_LEGAL_CLAIMS, N, OBL, GDPR_EXEMPT_LEGAL_CLAIMS, N}, "Art. 17(3)(e)"},
    {"art17_3_d_hold_narrowed_to_period_2026_04_01", H_SUBJECT, NULL, NULL, 2, 1, 3, 1, 0,
     GDPR_EXEMPT_ARCHIVING, GDPR_OK,
     {N, GDPR_EXEMPT_ARCHIVING, OBL, N, GDPR_EXEMPT_ARCHIVING}, "Art. 17(3)(d), 89(1)"},
    {"art17_3_e_hold_purpose_and_open_period_2026_04_01", H_SUBJECT, NULL, "service", 3, 1, 0, 0,
     0, GDPR_EXEMPT_NONE, GDPR_OK, {N, N, OBL, GDPR_EXEMPT_LEGAL_CLAIMS, N},
     "Art. 17(3)(e) (ground 0 is legal claims)"},
    {"art17_3_a_category_hold_for_one_purpose_2026_04_01", H_CATEGORY, "contact", "marketing", 0, 0,
     0, 0, 0, GDPR_EXEMPT_EXPRESSION, GDPR_OK, {N, GDPR_EXEMPT_EXPRESSION, OBL, N, N},
     "Art. 17(3)(a), 85"},
    {"art17_3_c_category_hold_2026_04_01", H_CATEGORY, "cv", NULL, 0, 0, 0, 0, 0,
     GDPR_EXEMPT_PUBLIC_HEALTH, GDPR_OK, {N, N, OBL, N, GDPR_EXEMPT_PUBLIC_HEALTH},
     "Art. 17(3)(c), 9(2)(h)-(i)"},
    {"art17_3_b_public_task_hold_outranks_duty_2026_04_01", H_SUBJECT, NULL, "billing", 0, 0, 0, 0,
     0, GDPR_EXEMPT_PUBLIC_TASK, GDPR_OK, {N, N, GDPR_EXEMPT_PUBLIC_TASK, N, N},
     "Art. 17(3)(b) public task"},
    {"art17_3_a_record_hold_2026_04_01", H_RECORD, NULL, NULL, 0, 0, 0, 0, R_SERVICE_USAGE,
     GDPR_EXEMPT_EXPRESSION, GDPR_OK, {N, N, OBL, GDPR_EXEMPT_EXPRESSION, N}, "Art. 17(3)(a)"},
    {"art17_3_e_v1_category_hold_is_legal_claims_2026_04_01", H_CATEGORY_V1, "contact", NULL, 0, 0,
     0, 0, 0, N, GDPR_OK,
     {GDPR_EXEMPT_LEGAL_CLAIMS, GDPR_EXEMPT_LEGAL_CLAIMS, OBL, N, N},
     "Art. 17(3)(e): holds placed before grounds existed"},
    {"art17_3_e_whole_subject_hold_refuses_2026_04_01", H_SUBJECT, NULL, NULL, 0, 0, 0, 0, 0,
     GDPR_EXEMPT_LEGAL_CLAIMS, GDPR_ESTATE, {N, N, N, N, N},
     "Art. 17(3)(e): an unnarrowed hold is the DPO's decision that all is needed"},
    {"art17_3_e_whole_subject_v1_hold_refuses_2026_04_01", H_SUBJECT_V1, NULL, NULL, 0, 0, 0, 0, 0,
     N, GDPR_ESTATE, {N, N, N, N, N}, "Art. 17(3)(e)"},
    {"art17_3_period_before_all_records_keeps_none_2026_04_01", H_SUBJECT, NULL, NULL, 0, 0, 1, 1,
     0, GDPR_EXEMPT_ARCHIVING, GDPR_OK, {N, N, OBL, N, N},
     "Art. 17(3): nothing collected in the held period"},
};

typedef struct {
    int64_t ids[R_COUNT];
    gdpr_exemption got[R_COUNT];
    int seen[R_COUNT];
} kept_seen;

static int
index_of(const kept_seen *k, int64_t record)
{
    for (int i = 0; i < R_COUNT; i++)
        if (k->ids[i] == record)
            return i;
    return -1;
}

static int
see_plan(const gdpr_erase_plan_item *item, void *ctx)
{
    kept_seen *k = ctx;
    int i = index_of(k, item->record);

    ck_assert_int_ge(item->version, 2);
    ck_assert_int_ge(i, 0);
    k->seen[i] = 1;
    k->got[i] = item->action == GDPR_ERASE_PLAN_KEEP ? item->exemption : GDPR_EXEMPT_NONE;
    if (item->action == GDPR_ERASE_PLAN_ERASE)
        ck_assert_int_eq(item->exemption, GDPR_EXEMPT_NONE);
    return 0;
}

static int
see_kept(const gdpr_tombstone_kept *t, void *ctx)
{
    kept_seen *k = ctx;
    int i = index_of(k, t->record);

    ck_assert_int_ge(i, 0);
    k->seen[i] = 1;
    k->got[i] = t->exemption;
    return 0;
}

static int
collect(const void *buf, size_t len, void *ctx)
{
    char **doc = ctx;
    size_t have = *doc ? strlen(*doc) : 0;
    char *grown = realloc(*doc, have + len + 1);

    ck_assert_ptr_nonnull(grown);
    memcpy(grown + have, buf, len);
    grown[have + len] = '\0';
    *doc = grown;
    return 0;
}

static void
put_records(const char *subject, int64_t ids[R_COUNT])
{
    for (int i = 0; i < R_COUNT; i++) {
        ts.now = day(2026, records[i].m, records[i].d) + 3600;
        th_ok(gdpr_vault_put(ts.eng, &th_dpo, subject, records[i].category, records[i].purpose,
                             "v", 1, &ids[i]));
    }
}

START_TEST(art17_3_table)
{
    const a17_case *c = &a17_cases[_i];
    gdpr_hold h = GDPR_HOLD_INIT;
    gdpr_erase_report rep;
    gdpr_tombstone t = {.version = GDPR_TOMBSTONE_VERSION};
    kept_seen plan, kept;
    int64_t hold = 0, n_kept = 0;
    char *doc = NULL;

    memset(&plan, 0, sizeof plan);
    put_records("s-17", plan.ids);
    memcpy(kept.ids, plan.ids, sizeof kept.ids);
    ts.now = day(2026, 3, 20);
    if (c->hold != H_NONE) {
        h.scope = c->hold == H_RECORD                                   ? GDPR_HOLD_RECORD
                  : c->hold == H_CATEGORY || c->hold == H_CATEGORY_V1 ? GDPR_HOLD_CATEGORY
                                                                      : GDPR_HOLD_SUBJECT;
        h.subject = h.scope == GDPR_HOLD_RECORD ? NULL : "s-17";
        h.record = h.scope == GDPR_HOLD_RECORD ? plan.ids[c->record] : 0;
        h.category = c->category;
        h.reason = "matter 2026-17";
        h.until = day(2027, 1, 1);
        h.ground = c->ground;
        h.purpose = c->purpose;
        h.collected_from = c->from_m ? day(2026, c->from_m, c->from_d) : 0;
        h.collected_to = c->to_m ? day(2026, c->to_m, c->to_d) : 0;
        if (c->hold == H_SUBJECT_V1 || c->hold == H_CATEGORY_V1)
            h.version = 1; /* the fields of version 2 are not read */
        th_ok(gdpr_hold_place(ts.eng, &th_dpo, &h, &hold));
    }
    ts.now = day(2026, 4, 1);
    /* The dry run, the export and the erasure agree on every record. */
    memset(plan.seen, 0, sizeof plan.seen);
    th_ok(gdpr_erase_plan(ts.eng, &th_dpo, "s-17", see_plan, &plan));
    th_ok(gdpr_export_subject(ts.eng, &th_dpo, "s-17", GDPR_EXPORT_JSON, collect, &doc));
    for (int i = 0; i < R_COUNT; i++) {
        gdpr_exemption want = c->erase_rc == GDPR_OK ? c->kept[i] : plan.got[i];
        ck_assert_msg(plan.seen[i], "%s: record %d not planned", c->name, i);
        if (c->erase_rc == GDPR_OK)
            ck_assert_msg(plan.got[i] == c->kept[i], "%s (%s): record %d planned %d, want %d",
                          c->name, c->source, i, plan.got[i], c->kept[i]);
        if (want != GDPR_EXEMPT_NONE) {
            char frag[96];
            snprintf(frag, sizeof frag, "\"ground\": \"%s\"", gdpr_exemption_name((int)want));
            ck_assert_msg(strstr(doc, frag) != NULL, "%s: export lacks %s", c->name, frag);
        }
    }
    free(doc);
    if (c->erase_rc != GDPR_OK) {
        th_assert_err(gdpr_erase_subject(ts.eng, &th_dpo, "s-17", "Art. 17(1)(a)", &rep),
                      c->erase_rc, "under legal hold");
        for (int i = 0; i < R_COUNT; i++) {
            void *v = NULL;
            size_t len = 0;
            th_ok(gdpr_vault_get(ts.eng, &th_dpo, plan.ids[i], &v, &len));
            gdpr_free(v);
        }
        return;
    }
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "s-17", "Art. 17(1)(a)", &rep));
    for (int i = 0; i < R_COUNT; i++)
        n_kept += c->kept[i] != GDPR_EXEMPT_NONE;
    ck_assert_int_eq(rep.retained, n_kept);
    ck_assert_int_eq(rep.erased >= R_COUNT - n_kept, 1);
    th_ok(gdpr_tombstone_lookup(ts.eng, "s-17", &t));
    memset(kept.seen, 0, sizeof kept.seen);
    memset(kept.got, 0, sizeof kept.got);
    th_ok(gdpr_tombstone_kept_foreach(ts.eng, t.id, see_kept, &kept));
    for (int i = 0; i < R_COUNT; i++) {
        ck_assert_msg(kept.got[i] == c->kept[i], "%s (%s): record %d kept under %d, want %d",
                      c->name, c->source, i, kept.got[i], c->kept[i]);
        ck_assert_int_eq(kept.seen[i], c->kept[i] != GDPR_EXEMPT_NONE);
        if (c->kept[i] == GDPR_EXEMPT_NONE) {
            void *v = NULL;
            size_t len = 0;
            ck_assert_int_eq(gdpr_vault_get(ts.eng, &th_dpo, plan.ids[i], &v, &len),
                             GDPR_ENOTFOUND);
        }
    }
}
END_TEST

/* A retention rule names its ground (docs/policy.md "exemption"). */
START_TEST(art17_3_d_rule_exemption_keeps_2026_04_01)
{
    char *doc = example_with("\"id\": \"R-3\",", "\"id\": \"R-3\", \"exemption\": \"archiving\",");
    gdpr_tombstone t = {.version = GDPR_TOMBSTONE_VERSION};
    gdpr_erase_report rep;
    kept_seen kept;
    char *out = NULL;

    th_ok(gdpr_policy_load_string(ts.eng, &th_dpo, doc));
    free(doc);
    memset(&kept, 0, sizeof kept);
    put_records("s-17d", kept.ids);
    ts.now = day(2026, 4, 1);
    th_ok(gdpr_export_subject(ts.eng, &th_dpo, "s-17d", GDPR_EXPORT_JSON, collect, &out));
    ck_assert_ptr_nonnull(strstr(out, "\"exemption\": \"archiving\""));
    ck_assert_ptr_nonnull(strstr(out, "under Art. 17(3)(d) (archiving)"));
    free(out);
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "s-17d", "Art. 17(1)(a)", &rep));
    ck_assert_int_eq(rep.retained, 2);
    th_ok(gdpr_tombstone_lookup(ts.eng, "s-17d", &t));
    th_ok(gdpr_tombstone_kept_foreach(ts.eng, t.id, see_kept, &kept));
    ck_assert_int_eq(kept.got[R_RECRUITMENT_CV], GDPR_EXEMPT_ARCHIVING);
    ck_assert_int_eq(kept.got[R_BILLING_FINANCIAL], GDPR_EXEMPT_LEGAL_OBLIGATION);
    ck_assert_int_eq(kept.got[R_SERVICE_CONTACT], GDPR_EXEMPT_NONE);
}
END_TEST

typedef struct {
    const char *from, *to, *message;
} policy_case;

/* The policy is refused whole, with the path of the field. */
static const policy_case a17_policy_cases[] = {
    {"\"id\": \"R-3\",", "\"id\": \"R-3\", \"exemption\": \"research\",",
     "retention[2].exemption: 'research' is not an Art. 17(3) ground"},
    {"\"id\": \"R-3\",", "\"id\": \"R-3\", \"exemption\": 4,",
     "retention[2].exemption: must be text: one of freedom_of_expression"},
    {"\"id\": \"R-1\",", "\"id\": \"R-1\", \"exemption\": \"archiving\",",
     "retention[0].exemption: 'archiving' (Art. 17(3)(d)) contradicts \"legal_duty\": true"},
    {"\"id\": \"R-3\",", "\"id\": \"R-3\", \"exemption\": \"none\",",
     "retention[2].exemption: 'none' is not an Art. 17(3) ground"},
};

START_TEST(art17_3_policy_refused_whole_2026_04_01)
{
    const policy_case *c = &a17_policy_cases[_i];
    char *doc = example_with(c->from, c->to);
    char before[65], after[65];

    th_fingerprint(&ts, before);
    th_assert_err(gdpr_policy_load_string(ts.eng, &th_dpo, doc), GDPR_EINVAL, c->message);
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    free(doc);
}
END_TEST

typedef struct {
    const char *name;
    gdpr_hold_scope scope;
    const char *category, *purpose;
    int ground;
    int64_t from, to;
    int rc;
    const char *message;
} hold_bad_case;

static const hold_bad_case hold_bad_cases[] = {
    {"art17_3_ground_out_of_range", GDPR_HOLD_SUBJECT, NULL, "service", 7, 0, 0, GDPR_EINVAL,
     "hold.ground: 7 is not an Art. 17(3) ground"},
    {"art17_3_ground_negative", GDPR_HOLD_SUBJECT, NULL, "service", -1, 0, 0, GDPR_EINVAL,
     "hold.ground: -1"},
    {"art17_3_unknown_purpose", GDPR_HOLD_SUBJECT, NULL, "nope", 6, 0, 0, GDPR_EINVAL,
     "hold.purpose: 'nope' is not a purpose of the policy"},
    {"art17_3_purpose_not_utf8", GDPR_HOLD_SUBJECT, NULL, "\xff\xfe", 6, 0, 0, GDPR_EINVAL,
     "hold.purpose"},
    {"art17_3_empty_purpose", GDPR_HOLD_SUBJECT, NULL, "", 6, 0, 0, GDPR_EINVAL, "hold.purpose"},
    {"art17_3_range_reversed", GDPR_HOLD_SUBJECT, NULL, NULL, 6, 200000, 100000, GDPR_EINVAL,
     "hold.collected_to: 100000 is not after hold.collected_from 200000"},
    {"art17_3_range_negative", GDPR_HOLD_CATEGORY, "contact", NULL, 6, -5, 0, GDPR_EINVAL,
     "hold.collected_from: -5 seconds"},
    {"art17_3_range_past_calendar", GDPR_HOLD_SUBJECT, NULL, NULL, 6, 0, INT64_MAX, GDPR_EINVAL,
     "hold.collected_to"},
    {"art17_3_record_hold_with_purpose", GDPR_HOLD_RECORD, NULL, "service", 6, 0, 0, GDPR_EINVAL,
     "hold.purpose: must be NULL for a record hold"},
    {"art17_3_record_hold_with_range", GDPR_HOLD_RECORD, NULL, NULL, 6, 1, 0, GDPR_EINVAL,
     "must be 0 for a record hold"},
};

START_TEST(art17_3_hold_bad_input_2026_04_01)
{
    const hold_bad_case *c = &hold_bad_cases[_i];
    gdpr_hold h = GDPR_HOLD_INIT;
    char before[65], after[65];
    int64_t rec = 0, id = 0;
    long long len;
    char *over;

    ts.now = day(2026, 4, 1);
    th_ok(gdpr_vault_put(ts.eng, &th_dpo, "s-bad", "contact", "service", "v", 1, &rec));
    h.scope = c->scope;
    h.subject = c->scope == GDPR_HOLD_RECORD ? NULL : "s-bad";
    h.record = c->scope == GDPR_HOLD_RECORD ? rec : 0;
    h.category = c->category;
    h.reason = "matter";
    h.until = day(2027, 1, 1);
    h.ground = (gdpr_exemption)c->ground;
    h.purpose = c->purpose;
    h.collected_from = c->from;
    h.collected_to = c->to;
    th_fingerprint(&ts, before);
    th_assert_err(gdpr_hold_place(ts.eng, &th_dpo, &h, &id), c->rc, c->message);
    ck_assert_int_eq(id, 0);
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    /* An over-long purpose is refused too. */
    len = GDPR_NAME_MAX + 1;
    over = malloc((size_t)len + 1);
    ck_assert_ptr_nonnull(over);
    memset(over, 'p', (size_t)len);
    over[len] = '\0';
    h.scope = GDPR_HOLD_SUBJECT;
    h.subject = "s-bad";
    h.record = 0;
    h.category = NULL;
    h.ground = GDPR_EXEMPT_LEGAL_CLAIMS;
    h.purpose = over;
    h.collected_from = h.collected_to = 0;
    th_assert_err(gdpr_hold_place(ts.eng, &th_dpo, &h, &id), GDPR_EINVAL, "hold.purpose");
    free(over);
}
END_TEST

/* gdpr_exemption_name / _article: every ground, and out-of-range values. */
START_TEST(art17_3_exemption_names)
{
    static const char *const names[] = {"none",          "freedom_of_expression",
                                        "legal_obligation", "public_task",
                                        "public_health", "archiving",
                                        "legal_claims"};
    static const char *const articles[] = {"",
                                           "Art. 17(3)(a)",
                                           "Art. 17(3)(b)",
                                           "Art. 17(3)(b)",
                                           "Art. 17(3)(c)",
                                           "Art. 17(3)(d)",
                                           "Art. 17(3)(e)"};

    for (int g = 0; g <= GDPR_EXEMPT_MAX; g++) {
        ck_assert_str_eq(gdpr_exemption_name(g), names[g]);
        ck_assert_str_eq(gdpr_exemption_article(g), articles[g]);
    }
    ck_assert_ptr_null(gdpr_exemption_name(GDPR_EXEMPT_MAX + 1));
    ck_assert_ptr_nonnull(strstr(gdpr_errmsg(), "ground: 7 is not an Art. 17(3) ground"));
    ck_assert_ptr_null(gdpr_exemption_article(-1));
    ck_assert_ptr_nonnull(strstr(gdpr_errmsg(), "ground: -1"));
}
END_TEST

/* The tombstone document carries the ground and reads it back. */
START_TEST(art17_3_tombstones_carry_the_ground_2026_04_01)
{
    gdpr_hold h = GDPR_HOLD_INIT;
    gdpr_erase_report rep;
    int64_t ids[R_COUNT], imported = -1;
    char *doc = NULL;

    put_records("s-ts", ids);
    ts.now = day(2026, 3, 20);
    h.scope = GDPR_HOLD_SUBJECT;
    h.subject = "s-ts";
    h.reason = "archive";
    h.until = day(2027, 1, 1);
    h.ground = GDPR_EXEMPT_ARCHIVING;
    h.purpose = "recruitment";
    th_ok(gdpr_hold_place(ts.eng, &th_dpo, &h, NULL));
    ts.now = day(2026, 4, 1);
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "s-ts", "Art. 17(1)(a)", &rep));
    th_ok(gdpr_tombstones_export(ts.eng, collect, &doc));
    ck_assert_ptr_nonnull(strstr(doc, "\"exemption\":\"archiving\",\"article\":\"Art. 17(3)(d)\""));
    ck_assert_ptr_nonnull(
        strstr(doc, "\"exemption\":\"legal_obligation\",\"article\":\"Art. 17(3)(b)\""));
    /* Re-importing the same document adds nothing; a bad ground is refused
     * with its path. */
    th_ok(gdpr_tombstones_import(ts.eng, &th_dpo, doc, &imported));
    ck_assert_int_eq(imported, 0);
    {
        char *bad = strstr(doc, "\"exemption\":\"archiving\"");
        memcpy(bad, "\"exemption\":\"archivinX\"", strlen("\"exemption\":\"archivinX\""));
        th_assert_err(gdpr_tombstones_import(ts.eng, &th_dpo, doc, &imported), GDPR_EINVAL,
                      ".exemption: must be an Art. 17(3) ground");
    }
    free(doc);
}
END_TEST

static Suite *
law_rights_suite(void)
{
    Suite *s = suite_create("law-rights");
    TCase *a17 = tcase_create("art17_3");

    tcase_add_checked_fixture(a17, setup, teardown);
    tcase_add_loop_test(a17, art17_3_table, 0, (int)(sizeof a17_cases / sizeof a17_cases[0]));
    tcase_add_test(a17, art17_3_d_rule_exemption_keeps_2026_04_01);
    tcase_add_loop_test(a17, art17_3_policy_refused_whole_2026_04_01, 0,
                        (int)(sizeof a17_policy_cases / sizeof a17_policy_cases[0]));
    tcase_add_loop_test(a17, art17_3_hold_bad_input_2026_04_01, 0,
                        (int)(sizeof hold_bad_cases / sizeof hold_bad_cases[0]));
    tcase_add_test(a17, art17_3_exemption_names);
    tcase_add_test(a17, art17_3_tombstones_carry_the_ground_2026_04_01);
    suite_add_tcase(s, a17);
    return s;
}

int
main(void)
{
    return th_run(law_rights_suite());
}
