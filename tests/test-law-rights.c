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
#include "engine.h"
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
enum {
    R_SERVICE_CONTACT,
    R_MARKETING_CONTACT,
    R_BILLING_FINANCIAL,
    R_SERVICE_USAGE,
    R_RECRUITMENT_CV,
    R_COUNT
};

static const struct {
    const char *category, *purpose;
    unsigned m, d; /* collected in 2026 */
} records[R_COUNT] = {
    {"contact", "service", 1, 10}, {"contact", "marketing", 2, 10}, {"financial", "billing", 1, 15},
    {"usage", "service", 3, 5},    {"cv", "recruitment", 2, 20},
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
    {"art17_3_b_no_hold_keeps_only_legal_duty_2026_04_01",
     H_NONE,
     NULL,
     NULL,
     0,
     0,
     0,
     0,
     0,
     N,
     GDPR_OK,
     {N, N, OBL, N, N},
     "Art. 17(3)(b), rule R-1"},
    {"art17_3_e_hold_narrowed_to_purpose_2026_04_01",
     H_SUBJECT,
     NULL,
     "service",
     0,
     0,
     0,
     0,
     0,
     GDPR_EXEMPT_LEGAL_CLAIMS,
     GDPR_OK,
     {GDPR_EXEMPT_LEGAL_CLAIMS, N, OBL, GDPR_EXEMPT_LEGAL_CLAIMS, N},
     "Art. 17(3)(e)"},
    {"art17_3_d_hold_narrowed_to_period_2026_04_01",
     H_SUBJECT,
     NULL,
     NULL,
     2,
     1,
     3,
     1,
     0,
     GDPR_EXEMPT_ARCHIVING,
     GDPR_OK,
     {N, GDPR_EXEMPT_ARCHIVING, OBL, N, GDPR_EXEMPT_ARCHIVING},
     "Art. 17(3)(d), 89(1)"},
    {"art17_3_e_hold_purpose_and_open_period_2026_04_01",
     H_SUBJECT,
     NULL,
     "service",
     3,
     1,
     0,
     0,
     0,
     GDPR_EXEMPT_NONE,
     GDPR_OK,
     {N, N, OBL, GDPR_EXEMPT_LEGAL_CLAIMS, N},
     "Art. 17(3)(e) (ground 0 is legal claims)"},
    {"art17_3_a_category_hold_for_one_purpose_2026_04_01",
     H_CATEGORY,
     "contact",
     "marketing",
     0,
     0,
     0,
     0,
     0,
     GDPR_EXEMPT_EXPRESSION,
     GDPR_OK,
     {N, GDPR_EXEMPT_EXPRESSION, OBL, N, N},
     "Art. 17(3)(a), 85"},
    {"art17_3_c_category_hold_2026_04_01",
     H_CATEGORY,
     "cv",
     NULL,
     0,
     0,
     0,
     0,
     0,
     GDPR_EXEMPT_PUBLIC_HEALTH,
     GDPR_OK,
     {N, N, OBL, N, GDPR_EXEMPT_PUBLIC_HEALTH},
     "Art. 17(3)(c), 9(2)(h)-(i)"},
    {"art17_3_b_public_task_hold_outranks_duty_2026_04_01",
     H_SUBJECT,
     NULL,
     "billing",
     0,
     0,
     0,
     0,
     0,
     GDPR_EXEMPT_PUBLIC_TASK,
     GDPR_OK,
     {N, N, GDPR_EXEMPT_PUBLIC_TASK, N, N},
     "Art. 17(3)(b) public task"},
    {"art17_3_a_record_hold_2026_04_01",
     H_RECORD,
     NULL,
     NULL,
     0,
     0,
     0,
     0,
     R_SERVICE_USAGE,
     GDPR_EXEMPT_EXPRESSION,
     GDPR_OK,
     {N, N, OBL, GDPR_EXEMPT_EXPRESSION, N},
     "Art. 17(3)(a)"},
    {"art17_3_e_v1_category_hold_is_legal_claims_2026_04_01",
     H_CATEGORY_V1,
     "contact",
     NULL,
     0,
     0,
     0,
     0,
     0,
     N,
     GDPR_OK,
     {GDPR_EXEMPT_LEGAL_CLAIMS, GDPR_EXEMPT_LEGAL_CLAIMS, OBL, N, N},
     "Art. 17(3)(e): holds placed before grounds existed"},
    {"art17_3_e_whole_subject_hold_refuses_2026_04_01",
     H_SUBJECT,
     NULL,
     NULL,
     0,
     0,
     0,
     0,
     0,
     GDPR_EXEMPT_LEGAL_CLAIMS,
     GDPR_ESTATE,
     {N, N, N, N, N},
     "Art. 17(3)(e): an unnarrowed hold is the DPO's decision that all is needed"},
    {"art17_3_e_whole_subject_v1_hold_refuses_2026_04_01",
     H_SUBJECT_V1,
     NULL,
     NULL,
     0,
     0,
     0,
     0,
     0,
     N,
     GDPR_ESTATE,
     {N, N, N, N, N},
     "Art. 17(3)(e)"},
    {"art17_3_period_before_all_records_keeps_none_2026_04_01",
     H_SUBJECT,
     NULL,
     NULL,
     0,
     0,
     1,
     1,
     0,
     GDPR_EXEMPT_ARCHIVING,
     GDPR_OK,
     {N, N, OBL, N, N},
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
        th_ok(gdpr_vault_put(ts.eng, &th_dpo, subject, records[i].category, records[i].purpose, "v",
                             1, &ids[i]));
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
        h.scope = c->hold == H_RECORD                                 ? GDPR_HOLD_RECORD
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
    static const char *const names[] = {"none",        "freedom_of_expression", "legal_obligation",
                                        "public_task", "public_health",         "archiving",
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

/* --- Art. 15(1)(h) and 22: automated decisions ------------------------- */

#define AD_OBJ(extra)                                                                              \
    "\"automated_decision\": { \"logic\": \"points from payment history\", \"significance\": "     \
    "\"invoice or prepayment\", \"consequences\": \"prepayment only\", " extra " }"

#define CREDIT_TEXT "\"automated_decision\": {\n        \"logic\": \"A points score"

/* The policy is refused whole, with the path of the field. Sources: Art.
 * 15(1)(h) (logic, significance, envisaged consequences), CJEU C-203/22
 * (Dun & Bradstreet Austria, 27 Feb 2025: the procedure and principles
 * actually applied), Art. 22(2)-(4). */
static const policy_case a22_policy_cases[] = {
    {"\"categories\": [\"financial\"],",
     "\"categories\": [\"financial\"], \"automated_decision\": \"a score\" }, { \"id\": "
     "\"x-new\", \"description\": \"d\", \"basis\": \"contract\", \"categories\": "
     "[\"financial\"],",
     "purposes[5].automated_decision: give an object with logic, significance, consequences and "
     "art22_2, not text alone"},
    {"\"significance\": \"Decides", "\"meaning\": \"Decides",
     "purposes[5].automated_decision.meaning: unknown field"},
    {"\"consequences\": \"Below", "\"consequence\": \"Below", "purposes[5].automated_decision"},
    {"\"art22_2\": \"contract\"", "\"art22_2\": \"legitimate_interests\"",
     "purposes[5].automated_decision.art22_2: 'legitimate_interests' is not one of contract, law, "
     "explicit_consent"},
    {"\"art22_2\": \"contract\",", "\"art22_2\": \"explicit_consent\", \"x\": 1,",
     "purposes[5].automated_decision.x: unknown field"},
    {"\"significance\": \"Decides whether you may pay by invoice or must pay in advance.\",",
     "\"significance\": \"\",", "purposes[5].automated_decision.significance"},
    {"\"categories\": [\"health\"], \"art9_condition\": \"a\" }",
     "\"categories\": [\"health\"], \"art9_condition\": \"h\", " AD_OBJ(
         "\"art22_2\": \"law\", \"special_category_measures\": \"reviewed\"") " }",
     "purposes[3].automated_decision: purpose 'accessibility' decides on a special category: "
     "Art. 22(4) allows it only under Art. 9(2)(a) or (g) (art9_condition is \"h\")"},
    {"\"categories\": [\"health\"], \"art9_condition\": \"a\" }",
     "\"categories\": [\"health\"], \"art9_condition\": \"a\", " AD_OBJ(
         "\"art22_2\": \"law\"") " }",
     "purposes[3].automated_decision: purpose 'accessibility' decides on a special category: "
     "Art. 22(4)"},
    {"\"categories\": [\"health\"], \"art9_condition\": \"a\" }",
     "\"categories\": [\"health\"], \"art9_condition\": \"a\", " AD_OBJ(
         "\"art22_2\": \"explicit_consent\"") " }",
     "purposes[3].automated_decision: safeguards: required field is missing: under Art. "
     "22(2)(c)"},
};

START_TEST(art22_policy_refused_whole_2026_05_01)
{
    const policy_case *c = &a22_policy_cases[_i];
    char *doc = example_with(c->from, c->to);
    char before[65], after[65];

    th_fingerprint(&ts, before);
    th_assert_err(gdpr_policy_load_string(ts.eng, &th_dpo, doc), GDPR_EINVAL, c->message);
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    free(doc);
}
END_TEST

/* Art. 22(4): special categories may found an automated decision only
 * under Art. 9(2)(a) or (g) with suitable measures. The policy is stored
 * as an older build would have (a new load refuses the bad ones), so
 * gdpr_may_process answers for it. */
typedef struct {
    const char *name;
    char art9;
    const char *measures; /* NULL: none */
    int allowed;
    int why;
    const char *source;
} a22_4_case;

static const a22_4_case a22_4_cases[] = {
    {"art22_4_9_2_a_with_measures_allowed_2026_05_01", 'a', "second reviewer", 1, GDPR_WHY_CONSENT,
     "Art. 22(4), 9(2)(a)"},
    {"art22_4_9_2_g_with_measures_allowed_2026_05_01", 'g', "second reviewer", 1, GDPR_WHY_CONSENT,
     "Art. 22(4), 9(2)(g)"},
    {"art22_4_9_2_a_without_measures_refused_2026_05_01", 'a', NULL, 0, GDPR_WHY_ART22_4,
     "Art. 22(4): suitable measures"},
    {"art22_4_9_2_h_refused_2026_05_01", 'h', "second reviewer", 0, GDPR_WHY_ART22_4,
     "Art. 22(4): only (a) or (g)"},
    {"art22_4_9_2_b_refused_2026_05_01", 'b', "second reviewer", 0, GDPR_WHY_ART22_4,
     "Art. 22(4): only (a) or (g)"},
};

START_TEST(art22_4_table)
{
    const a22_4_case *c = &a22_4_cases[_i];
    char to[512];
    char *doc;
    uint8_t sha[32] = {0};
    gdpr_consent g = GDPR_CONSENT_INIT;
    int64_t version = 0;
    gdpr_why why;
    int allowed = -1;

    snprintf(to, sizeof to,
             "\"categories\": [\"health\"], \"art9_condition\": \"%c\", " AD_OBJ(
                 "\"art22_2\": \"explicit_consent\", \"safeguards\": \"review\"%s%s%s") " }",
             c->art9, c->measures ? ", \"special_category_measures\": \"" : "",
             c->measures ? c->measures : "", c->measures ? "\"" : "");
    doc = example_with("\"categories\": [\"health\"], \"art9_condition\": \"a\" }", to);
    ts.now = day(2026, 5, 1);
    g.subject = "cust-22";
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
    th_ok(gdpr_may_process(ts.eng, "cust-22", "accessibility", ts.now, &allowed, &why));
    ck_assert_msg(allowed == c->allowed && why.code == c->why, "%s (%s): allowed %d why %d (%s)",
                  c->name, c->source, allowed, why.code, why.text);
    if (c->why == GDPR_WHY_ART22_4) {
        ck_assert_str_eq(gdpr_why_name(why.code), "automated_special_category");
        ck_assert_ptr_nonnull(strstr(why.text, "(Art. 22(4))"));
    }
}
END_TEST

/* Art. 15(1)(h): the export states the logic, the significance and the
 * envisaged consequences, the Art. 22(2) exception and how to contest. */
START_TEST(art15_1_h_export_states_the_decision_2026_05_01)
{
    char *doc = NULL;
    int64_t rec = 0;

    ts.now = day(2026, 5, 1);
    th_ok(gdpr_vault_put(ts.eng, &th_dpo, "cust-15", "financial", "credit-check", "720", 3, &rec));
    th_ok(gdpr_export_subject(ts.eng, &th_dpo, "cust-15", GDPR_EXPORT_JSON, collect, &doc));
    ck_assert_ptr_nonnull(strstr(doc, "\"logic\": \"A points score from your payment history"));
    ck_assert_ptr_nonnull(strstr(
        doc,
        "\"significance\": \"Decides whether you may pay by invoice or must pay in advance.\""));
    ck_assert_ptr_nonnull(strstr(doc, "\"consequences\": \"Below the threshold"));
    ck_assert_ptr_nonnull(strstr(doc, "\"exception\": \"contract\""));
    ck_assert_ptr_nonnull(strstr(doc, "\"safeguards\": \"A person in the credit team"));
    ck_assert_ptr_nonnull(strstr(doc, "\"special_category_measures\": null"));
    ck_assert_ptr_nonnull(strstr(doc, "ask for a request of type human_intervention"));
    free(doc);
}
END_TEST

/* Art. 22(3): a request for human intervention in, or to contest, an
 * automated decision; Art. 12(3) gives it the same month as any request. */
START_TEST(art22_3_human_intervention_request_2026_05_04)
{
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    gdpr_request_info info, access;
    gdpr_request_kpi_report k;
    gdpr_request_kpi_report *v2;
    size_t v2_size = offsetof(gdpr_request_kpi_report, by_type_all);
    unsigned char *buf;
    int64_t id = 0, other = 0, from = day(2026, 5, 4);
    char before[65], after[65];
    char *json = NULL;
    int value = 0;

    ck_assert_str_eq(gdpr_request_type_name(GDPR_REQUEST_HUMAN_INTERVENTION), "human_intervention");
    th_ok(gdpr_request_parse("type", "human_intervention", &value));
    ck_assert_int_eq(value, GDPR_REQUEST_HUMAN_INTERVENTION);
    ts.now = from + 9 * 3600;
    in.type = GDPR_REQUEST_HUMAN_INTERVENTION;
    in.subject = "cust-22";
    in.channel = "phone";
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &id));
    in.type = GDPR_REQUEST_ACCESS;
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &other));
    th_ok(gdpr_request_info_init(&info, GDPR_REQUEST_INFO_VERSION));
    th_ok(gdpr_request_get(ts.eng, id, &info));
    th_ok(gdpr_request_info_init(&access, GDPR_REQUEST_INFO_VERSION));
    th_ok(gdpr_request_get(ts.eng, other, &access));
    ck_assert_int_eq(info.type, GDPR_REQUEST_HUMAN_INTERVENTION);
    ck_assert_int_eq(info.first_due, access.first_due); /* Art. 12(3): one month */
    th_ok(gdpr_request_verify(ts.eng, &th_dpo, id, GDPR_VERIFY_VERIFIED, GDPR_METHOD_KNOWN_CONTACT,
                              NULL));
    ts.now += 86400;
    /* No outcome, no fulfilment: nothing changes. */
    th_fingerprint(&ts, before);
    th_assert_err(gdpr_request_fulfil(ts.eng, &th_dpo, id, NULL), GDPR_EINVAL,
                  "asks for human intervention in an automated decision (Art. 22(3))");
    th_assert_err(gdpr_request_fulfil(ts.eng, &th_dpo, id, ""), GDPR_EINVAL,
                  "note: must not be empty");
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    th_ok(gdpr_request_fulfil(ts.eng, &th_dpo, id,
                              "reviewed by the credit team: decision changed, invoice offered"));
    th_ok(gdpr_request_get(ts.eng, id, &info));
    ck_assert_int_eq(info.status, GDPR_REQUEST_FULFILLED);

    /* KPIs, version 3: the type has its slot. */
    th_ok(gdpr_request_kpi_report_init(&k, 3));
    ck_assert_uint_eq(k.version, 3);
    th_ok(gdpr_request_kpis(ts.eng, from, from + 86400, &k));
    ck_assert_int_eq(k.total, 2);
    ck_assert_int_eq(k.by_type_all[GDPR_REQUEST_HUMAN_INTERVENTION], 1);
    ck_assert_int_eq(k.by_type_all[GDPR_REQUEST_ACCESS], 1);
    ck_assert_int_eq(k.by_type[GDPR_REQUEST_ACCESS], 1);
    ck_assert_int_eq(k.by_type_status_all[GDPR_REQUEST_HUMAN_INTERVENTION][GDPR_REQUEST_FULFILLED],
                     1);
    ck_assert_int_eq(k.by_status[GDPR_REQUEST_FULFILLED], 1);
    ck_assert_int_eq(k.on_time, 1);
    /* Version 2 (an application built before): filled to its end, not a
     * byte beyond; the new type is in total and by_status only. */
    buf = malloc(sizeof(gdpr_request_kpi_report) + 64);
    ck_assert_ptr_nonnull(buf);
    memset(buf, 0xA5, sizeof(gdpr_request_kpi_report) + 64);
    v2 = (gdpr_request_kpi_report *)(void *)buf;
    v2->version = 2;
    th_ok(gdpr_request_kpis(ts.eng, from, from + 86400, v2));
    ck_assert_int_eq(v2->total, 2);
    ck_assert_int_eq(v2->by_type[GDPR_REQUEST_ACCESS], 1);
    ck_assert_int_eq(v2->by_status[GDPR_REQUEST_FULFILLED], 1);
    for (size_t i = v2_size; i < sizeof(gdpr_request_kpi_report) + 64; i++)
        ck_assert_msg(buf[i] == 0xA5, "byte %zu past a version-2 report written", i);
    memset(buf, 0xA5, sizeof(gdpr_request_kpi_report) + 64);
    th_ok(gdpr_request_kpi_report_init(v2, 2));
    for (size_t i = v2_size; i < sizeof(gdpr_request_kpi_report) + 64; i++)
        ck_assert_msg(buf[i] == 0xA5, "init wrote byte %zu past a version-2 report", i);
    free(buf);
    ck_assert_int_eq(gdpr_request_kpi_report_init(&k, GDPR_REQUEST_KPI_REPORT_VERSION + 1),
                     GDPR_EVERSION);
    th_ok(gdpr_request_kpis_json(ts.eng, from, from + 86400, &json));
    ck_assert_ptr_nonnull(strstr(json, "\"human_intervention\":1"));
    gdpr_free(json);
}
END_TEST

/* A type past the last is refused with its field; nothing changes. */
START_TEST(art22_3_bad_type_refused_2026_05_04)
{
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    char before[65], after[65];
    int64_t id = 0;
    int value = 0;

    ts.now = day(2026, 5, 4);
    in.type = (gdpr_request_type)(GDPR_REQUEST_TYPE_ALL_MAX + 1);
    in.subject = "cust-22";
    in.channel = "phone";
    th_fingerprint(&ts, before);
    th_assert_err(gdpr_request_open(ts.eng, &th_agent, &in, &id), GDPR_EINVAL, "in.type: 8");
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    ck_assert_str_eq(gdpr_request_type_name(GDPR_REQUEST_TYPE_ALL_MAX + 1), "unknown");
    ck_assert_int_eq(gdpr_request_parse("type", "contest", &value), GDPR_EINVAL);
}
END_TEST

/* --- Art. 15(1), 15(4): who consulted the data (CJEU C-579/21) ---------- */

#define STAFF_DECISION                                                                             \
    "\"rights_url\": \"https://example.com/privacy/rights\", \"staff_identity\": { "               \
    "\"decision\": \"Board decision 2026-07: subjects are told which employee consulted their "    \
    "file, as our staff act in public-facing roles\", \"decided_on\": \"2026-07-01\" },"

typedef struct {
    const char *name;
    int decided; /* the policy records the controller's decision */
    const char *source;
} a15_4_case;

/* Sources: Art. 15(1) and 15(4); CJEU C-579/21 Pankki S, 22 Jun 2023,
 * paras. 65-83: log data of consultations are information the subject
 * may have (when and why); the identity of employees is given only where
 * indispensable to exercise the subject's rights, weighing theirs. */
static const a15_4_case a15_4_cases[] = {
    {"art15_4_role_and_reference_only_2026_07_10", 0, "C-579/21 paras. 80-83"},
    {"art15_4_identity_on_recorded_decision_2026_07_10", 1, "C-579/21 para. 83"},
};

START_TEST(art15_4_table)
{
    const a15_4_case *c = &a15_4_cases[_i];
    const gdpr_actor clerk = {"clerk-42", "supervisor"};
    char *doc = NULL, *ref = NULL, *actor = NULL;
    const char *at;
    void *v = NULL;
    size_t len = 0;
    int64_t rec = 0;

    if (c->decided) {
        char *policy =
            example_with("\"rights_url\": \"https://example.com/privacy/rights\",", STAFF_DECISION);
        th_ok(gdpr_policy_load_string(ts.eng, &th_dpo, policy));
        free(policy);
    }
    ts.now = day(2026, 7, 10) + 9 * 3600;
    th_ok(gdpr_vault_put(ts.eng, &th_dpo, "cust-154", "contact", "service", "x@example.com", 13,
                         &rec));
    ts.now += 3600;
    th_ok(gdpr_access_record(ts.eng, &th_agent, "cust-154", "service", NULL));
    /* A read by itself logs nothing (it writes nothing). */
    th_ok(gdpr_vault_get(ts.eng, &th_agent, rec, &v, &len));
    gdpr_free(v);
    ts.now += 3600;
    th_ok(gdpr_access_record(ts.eng, &clerk, "cust-154", "billing", "call about invoice 2026-17"));
    th_ok(gdpr_export_subject(ts.eng, &th_dpo, "cust-154", GDPR_EXPORT_JSON, collect, &doc));
    /* when and why */
    at = strstr(doc, "\"at\": \"2026-07-10T10:00:00Z\",\n        \"purpose\": \"service\",\n");
    ck_assert_ptr_nonnull(at);
    ck_assert_ptr_nonnull(strstr(at, "\"action\": \"vault.get\""));
    ck_assert_ptr_nonnull(strstr(at, "\"record\": null"));
    ck_assert_ptr_nonnull(
        strstr(doc, "\"at\": \"2026-07-10T11:00:00Z\",\n        \"purpose\": \"billing\""));
    ck_assert_ptr_nonnull(strstr(doc, "\"reason\": \"call about invoice 2026-17\""));
    /* the role, stored with the event */
    ck_assert_ptr_nonnull(strstr(doc, "\"role\": \"agent\""));
    ck_assert_ptr_nonnull(strstr(doc, "\"role\": \"supervisor\""));
    ck_assert_ptr_nonnull(strstr(doc, "\"consultations\": 2"));
    at = strstr(doc, "\"staff_ref\": \"staff-");
    ck_assert_ptr_nonnull(at);
    ref = strndup(at + strlen("\"staff_ref\": \""), 38);
    ck_assert_ptr_nonnull(ref);
    if (c->decided) {
        ck_assert_msg(strstr(doc, "\"staff_id\": \"agent-7\"") != NULL, "%s (%s)", c->name,
                      c->source);
        ck_assert_ptr_nonnull(strstr(doc, "\"staff_identity_disclosed\": true"));
        ck_assert_ptr_nonnull(strstr(doc, "Board decision 2026-07"));
    } else {
        ck_assert_msg(strstr(doc, "agent-7") == NULL && strstr(doc, "clerk-42") == NULL,
                      "%s (%s): a staff id is in the export", c->name, c->source);
        ck_assert_ptr_nonnull(strstr(doc, "\"staff_id\": null"));
        ck_assert_ptr_nonnull(strstr(doc, "\"staff_identity_disclosed\": false"));
    }
    /* The controller resolves the reference; an agent may not. */
    th_assert_err(gdpr_access_resolve(ts.eng, &th_agent, ref, &actor), GDPR_EDENIED,
                  "staff.resolve");
    ck_assert_ptr_null(actor);
    th_ok(gdpr_access_resolve(ts.eng, &th_dpo, ref, &actor));
    ck_assert_str_eq(actor, "agent-7");
    gdpr_free(actor);
    free(ref);
    free(doc);
}
END_TEST

/* The log is erased with the subject. */
START_TEST(art17_access_log_erased_with_the_subject_2026_07_10)
{
    gdpr_erase_report rep;
    char *doc = NULL, *ref, *actor = NULL;
    const char *at;

    ts.now = day(2026, 7, 10);
    th_ok(gdpr_vault_put(ts.eng, &th_dpo, "cust-155", "contact", "service", "y", 1, NULL));
    th_ok(gdpr_access_record(ts.eng, &th_agent, "cust-155", "service", NULL));
    th_ok(gdpr_access_record(ts.eng, &th_agent, "cust-155", "service", "follow-up"));
    /* Through the API (any backend): the export shows both, and their
     * staff reference resolves while the log holds them. */
    th_ok(gdpr_export_subject(ts.eng, &th_dpo, "cust-155", GDPR_EXPORT_JSON, collect, &doc));
    ck_assert_ptr_nonnull(strstr(doc, "\"consultations\": 2"));
    at = strstr(doc, "\"staff_ref\": \"staff-");
    ck_assert_ptr_nonnull(at);
    ref = strndup(at + strlen("\"staff_ref\": \""), 38);
    ck_assert_ptr_nonnull(ref);
    free(doc);
    th_ok(gdpr_access_resolve(ts.eng, &th_dpo, ref, &actor));
    gdpr_free(actor);
    actor = NULL;
    /* the table itself, below the API */
    ck_assert_int_eq(th_on_postgres() ? th_pg_int(ts.db, "SELECT count(*) FROM gdpr.access_log")
                                      : th_raw_int(ts.db, "SELECT count(*) FROM access_log"),
                     2);
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "cust-155", "Art. 17(1)(a)", &rep));
    /* No consultation is left for the reference to name. */
    th_assert_err(gdpr_access_resolve(ts.eng, &th_dpo, ref, &actor), GDPR_ENOTFOUND,
                  "no logged consultation");
    ck_assert_ptr_null(actor);
    free(ref);
    /* the table itself, below the API */
    ck_assert_int_eq(th_on_postgres() ? th_pg_int(ts.db, "SELECT count(*) FROM gdpr.access_log")
                                      : th_raw_int(ts.db, "SELECT count(*) FROM access_log"),
                     0);
}
END_TEST

typedef struct {
    const char *name;
    int resolve; /* 0: gdpr_access_record, 1: gdpr_access_resolve */
    const char *subject, *purpose, *reason, *ref;
    int rc;
    const char *message;
} access_bad_case;

static const access_bad_case access_bad_cases[] = {
    {"art15_4_record_null_subject", 0, NULL, "service", NULL, NULL, GDPR_EINVAL, "subject"},
    {"art15_4_record_empty_purpose", 0, "cust-156", "", NULL, NULL, GDPR_EINVAL, "purpose"},
    {"art15_4_record_unknown_purpose", 0, "cust-156", "nope", NULL, NULL, GDPR_EINVAL,
     "purpose: 'nope' is not a purpose of the policy"},
    {"art15_4_record_bad_utf8_reason", 0, "cust-156", "service", "\xc3\x28", NULL, GDPR_EINVAL,
     "reason"},
    {"art15_4_record_empty_reason", 0, "cust-156", "service", "", NULL, GDPR_EINVAL, "reason"},
    {"art15_4_record_unknown_subject", 0, "nobody", "service", NULL, NULL, GDPR_ENOTFOUND,
     "subject: the store holds no such subject"},
    {"art15_4_resolve_null", 1, NULL, NULL, NULL, NULL, GDPR_EINVAL, "ref"},
    {"art15_4_resolve_not_a_ref", 1, NULL, NULL, NULL, "agent-7", GDPR_EINVAL,
     "ref: 'agent-7' is not a staff reference"},
    {"art15_4_resolve_upper_hex", 1, NULL, NULL, NULL, "staff-0123456789ABCDEF0123456789abcdef",
     GDPR_EINVAL, "is not a staff reference"},
    {"art15_4_resolve_too_long", 1, NULL, NULL, NULL, "staff-0123456789abcdef0123456789abcdef0",
     GDPR_EINVAL, "ref"},
    {"art15_4_resolve_unknown", 1, NULL, NULL, NULL, "staff-0123456789abcdef0123456789abcdef",
     GDPR_ENOTFOUND, "ref: no logged consultation"},
};

START_TEST(art15_4_bad_input_2026_07_10)
{
    const access_bad_case *c = &access_bad_cases[_i];
    char before[65], after[65];
    char *actor = NULL;
    char *over;

    ts.now = day(2026, 7, 10);
    th_ok(gdpr_vault_put(ts.eng, &th_dpo, "cust-156", "contact", "service", "z", 1, NULL));
    th_fingerprint(&ts, before);
    if (c->resolve)
        th_assert_err(gdpr_access_resolve(ts.eng, &th_dpo, c->ref, &actor), c->rc, c->message);
    else
        th_assert_err(gdpr_access_record(ts.eng, &th_agent, c->subject, c->purpose, c->reason),
                      c->rc, c->message);
    ck_assert_ptr_null(actor);
    th_fingerprint(&ts, after);
    ck_assert_msg(strcmp(before, after) == 0, "%s changed the store", c->name);
    /* over-long reason; NULL out-parameter */
    over = malloc(GDPR_ACCESS_REASON_MAX + 2);
    ck_assert_ptr_nonnull(over);
    memset(over, 'r', GDPR_ACCESS_REASON_MAX + 1);
    over[GDPR_ACCESS_REASON_MAX + 1] = '\0';
    th_assert_err(gdpr_access_record(ts.eng, &th_agent, "cust-156", "service", over), GDPR_EINVAL,
                  "reason");
    free(over);
    th_assert_err(
        gdpr_access_resolve(ts.eng, &th_dpo, "staff-0123456789abcdef0123456789abcdef", NULL),
        GDPR_EINVAL, "actor_out");
}
END_TEST

static const policy_case a15_4_policy_cases[] = {
    {"\"rights_url\": \"https://example.com/privacy/rights\",",
     "\"rights_url\": \"https://example.com/privacy/rights\", \"staff_identity\": true,",
     "controller.staff_identity: must be an object with decision and decided_on"},
    {"\"rights_url\": \"https://example.com/privacy/rights\",",
     "\"rights_url\": \"https://example.com/privacy/rights\", \"staff_identity\": { \"decision\": "
     "\"x\" },",
     "controller.staff_identity.decided_on: required field is missing"},
    {"\"rights_url\": \"https://example.com/privacy/rights\",",
     "\"rights_url\": \"https://example.com/privacy/rights\", \"staff_identity\": { \"decision\": "
     "\"x\", \"decided_on\": \"2026-13-01\" },",
     "controller.staff_identity.decided_on: must be a date YYYY-MM-DD"},
    {"\"rights_url\": \"https://example.com/privacy/rights\",",
     "\"rights_url\": \"https://example.com/privacy/rights\", \"staff_identity\": { \"decision\": "
     "\"\", \"decided_on\": \"2026-07-01\" },",
     "controller.staff_identity.decision"},
    {"\"rights_url\": \"https://example.com/privacy/rights\",",
     "\"rights_url\": \"https://example.com/privacy/rights\", \"staff_identity\": { \"decision\": "
     "\"x\", \"decided_on\": \"2026-07-01\", \"by\": \"ceo\" },",
     "controller.staff_identity.by: unknown field"},
};

START_TEST(art15_4_policy_refused_whole_2026_07_10)
{
    const policy_case *c = &a15_4_policy_cases[_i];
    char *doc = example_with(c->from, c->to);
    char before[65], after[65];

    th_fingerprint(&ts, before);
    th_assert_err(gdpr_policy_load_string(ts.eng, &th_dpo, doc), GDPR_EINVAL, c->message);
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
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

    TCase *a22 = tcase_create("art22");
    tcase_add_checked_fixture(a22, setup, teardown);
    tcase_add_loop_test(a22, art22_policy_refused_whole_2026_05_01, 0,
                        (int)(sizeof a22_policy_cases / sizeof a22_policy_cases[0]));
    tcase_add_loop_test(a22, art22_4_table, 0, (int)(sizeof a22_4_cases / sizeof a22_4_cases[0]));
    tcase_add_test(a22, art15_1_h_export_states_the_decision_2026_05_01);
    tcase_add_test(a22, art22_3_human_intervention_request_2026_05_04);
    tcase_add_test(a22, art22_3_bad_type_refused_2026_05_04);
    suite_add_tcase(s, a22);

    TCase *a154 = tcase_create("art15_4");
    tcase_add_checked_fixture(a154, setup, teardown);
    tcase_add_loop_test(a154, art15_4_table, 0, (int)(sizeof a15_4_cases / sizeof a15_4_cases[0]));
    tcase_add_test(a154, art17_access_log_erased_with_the_subject_2026_07_10);
    tcase_add_loop_test(a154, art15_4_bad_input_2026_07_10, 0,
                        (int)(sizeof access_bad_cases / sizeof access_bad_cases[0]));
    tcase_add_loop_test(a154, art15_4_policy_refused_whole_2026_07_10, 0,
                        (int)(sizeof a15_4_policy_cases / sizeof a15_4_policy_cases[0]));
    suite_add_tcase(s, a154);
    return s;
}

int
main(void)
{
    return th_run(law_rights_suite());
}
