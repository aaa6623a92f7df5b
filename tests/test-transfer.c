/*
 * Cross-border transfer checks: the decision tree over a table of cases
 * (each EEA state, each adequacy decision in and out of its dates, scope
 * limits, safeguards, derogations, special categories), the decision log,
 * run-time safeguards, the adequacy list and its replacement, country
 * codes, and bad input on every public call.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

#include "adequacy.h"
#include "engine.h"
#include "store.h"
#include "calendar.h"
#include "text.h"

static th_store ts;

/* Recipients beyond the example policy's (acme-analytics: US without DPF,
 * cloudco-us: US with DPF from 2023-10-01, support-in: India with SCCs from
 * 2024-03-01, mailer-eu: DE, revenue: IE public body). */
static const char extra_recipients[] =
    "{ \"id\": \"adq-CH\", \"name\": \"CH AG\", \"country\": \"CH\", \"kind\": \"processor\" },"
    "{ \"id\": \"adq-CA\", \"name\": \"CA Inc\", \"country\": \"CA\", \"kind\": \"processor\","
    "  \"commercial\": true },"
    "{ \"id\": \"adq-AR\", \"name\": \"AR SA\", \"country\": \"AR\", \"kind\": \"processor\" },"
    "{ \"id\": \"adq-GG\", \"name\": \"GG Ltd\", \"country\": \"GG\", \"kind\": \"processor\" },"
    "{ \"id\": \"adq-IM\", \"name\": \"IM Ltd\", \"country\": \"IM\", \"kind\": \"processor\" },"
    "{ \"id\": \"adq-JE\", \"name\": \"JE Ltd\", \"country\": \"JE\", \"kind\": \"processor\" },"
    "{ \"id\": \"adq-FO\", \"name\": \"FO Sp/f\", \"country\": \"FO\", \"kind\": \"processor\" },"
    "{ \"id\": \"adq-AD\", \"name\": \"AD SL\", \"country\": \"AD\", \"kind\": \"processor\" },"
    "{ \"id\": \"adq-IL\", \"name\": \"IL Ltd\", \"country\": \"IL\", \"kind\": \"processor\","
    "  \"processing\": \"automated\" },"
    "{ \"id\": \"adq-UY\", \"name\": \"UY SA\", \"country\": \"UY\", \"kind\": \"processor\","
    "  \"processing\": \"automated\" },"
    "{ \"id\": \"adq-NZ\", \"name\": \"NZ Ltd\", \"country\": \"NZ\", \"kind\": \"processor\" },"
    "{ \"id\": \"adq-JP\", \"name\": \"JP KK\", \"country\": \"JP\", \"kind\": \"processor\","
    "  \"appi\": true, \"activities\": [] },"
    "{ \"id\": \"adq-GB\", \"name\": \"GB Ltd\", \"country\": \"GB\", \"kind\": \"processor\","
    "  \"activities\": [] },"
    "{ \"id\": \"adq-KR\", \"name\": \"KR Co\", \"country\": \"KR\", \"kind\": \"processor\","
    "  \"activities\": [] },"
    "{ \"id\": \"adq-BR\", \"name\": \"BR Ltda\", \"country\": \"BR\", \"kind\": \"processor\" },"
    "{ \"id\": \"adq-EPO\", \"name\": \"European Patent Office\", \"country\": \"org:EPO\","
    "  \"kind\": \"public_body\" },"
    "{ \"id\": \"adq-US\", \"name\": \"US DPF Inc\", \"country\": \"US\", \"kind\": \"processor\","
    "  \"dpf_certified\": { \"from\": \"2023-07-10\" } },"
    "{ \"id\": \"us-dpf-lapsed\", \"name\": \"Lapsed Inc\", \"country\": \"US\","
    "  \"kind\": \"processor\", \"dpf_certified\": { \"from\": \"2023-08-01\","
    "  \"until\": \"2025-06-30\" } },"
    "{ \"id\": \"ca-noncommercial\", \"name\": \"CA Charity\", \"country\": \"CA\","
    "  \"kind\": \"controller\" },"
    "{ \"id\": \"ca-public\", \"name\": \"CA Agency\", \"country\": \"CA\","
    "  \"kind\": \"public_body\" },"
    "{ \"id\": \"jp-public\", \"name\": \"JP Agency\", \"country\": \"JP\","
    "  \"kind\": \"public_body\" },"
    "{ \"id\": \"in-scc-expired\", \"name\": \"IN Old\", \"country\": \"IN\", \"kind\": "
    "\"processor\","
    "  \"safeguards\": [ { \"type\": \"scc\", \"module\": 3, \"reference\": \"SCC old\","
    "  \"valid_from\": \"2020-01-01\", \"valid_until\": \"2024-12-31\" } ] },"
    "{ \"id\": \"in-bcr\", \"name\": \"IN Group\", \"country\": \"IN\", \"kind\": \"controller\","
    "  \"safeguards\": [ { \"type\": \"bcr\", \"reference\": \"BCR approved by CNIL 2021\","
    "  \"valid_from\": \"2022-01-01\" } ] },"
    "{ \"id\": \"cn-adhoc\", \"name\": \"CN Ltd\", \"country\": \"CN\", \"kind\": \"processor\","
    "  \"safeguards\": [ { \"type\": \"adhoc\", \"reference\": \"Ad hoc clauses, DPC auth "
    "2025-07\","
    "  \"valid_from\": \"2025-07-01\" } ] },"
    "{ \"id\": \"in-none\", \"name\": \"IN Plain\", \"country\": \"IN\", \"kind\": \"processor\" },"
    "{ \"id\": \"in-occasional\", \"name\": \"IN Hotel\", \"country\": \"IN\","
    "  \"kind\": \"controller\", \"occasional\": true, \"derogation\": \"49(1)(b)\","
    "  \"occasional_limit\": { \"max_transfers\": 5, \"per\": \"P1M\" } },"
    "{ \"id\": \"org-unknown\", \"name\": \"Some Org\", \"country\": \"org:WHO\","
    "  \"kind\": \"public_body\" },"
    "{ \"id\": \"xx-bad\", \"name\": \"Nowhere\", \"country\": \"XX\", \"kind\": \"processor\" },"
    "{ \"id\": \"uk-bad\", \"name\": \"Old habit\", \"country\": \"UK\", \"kind\": \"processor\" "
    "},";

static const char *const eea_states[] = {
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
    "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
};
#define N_EEA (sizeof eea_states / sizeof eea_states[0])

/* The example policy with extra recipients spliced in (plus `more`). */
static char *
policy_with(const char *more)
{
    char *base = th_read_file(th_example_policy_path(), NULL);
    char *eea = calloc(1, 4096);
    const char *marker = "\"recipients\": [";
    char *at, *out;
    size_t cap;

    ck_assert_ptr_nonnull(base);
    ck_assert_ptr_nonnull(eea);
    for (size_t i = 0; i < N_EEA; i++) {
        char one[160];
        snprintf(one, sizeof one,
                 "{ \"id\": \"eea-%s\", \"name\": \"EEA %s\", \"country\": \"%s\","
                 " \"kind\": \"processor\" },",
                 eea_states[i], eea_states[i], eea_states[i]);
        strcat(eea, one);
    }
    at = strstr(base, marker);
    ck_assert_ptr_nonnull(at);
    at += strlen(marker);
    cap = strlen(base) + strlen(extra_recipients) + strlen(eea) + strlen(more) + 1;
    out = malloc(cap);
    ck_assert_ptr_nonnull(out);
    snprintf(out, cap, "%.*s%s%s%s%s", (int)(at - base), base, more, extra_recipients, eea, at);
    free(base);
    free(eea);
    return out;
}

static void
setup(void)
{
    char *policy;

    th_setup(&ts);
    policy = policy_with("");
    th_ok(gdpr_policy_load_string(ts.eng, &th_dpo, policy));
    free(policy);
}

static void
teardown(void)
{
    th_teardown(&ts);
}

static int64_t
day(const char *s)
{
    int64_t t = 0;
    ck_assert_msg(gdpr_calendar__parse_instant(s, &t) == 0, "bad date %s", s);
    return t;
}

/* --- the decision table ------------------------------------------------- */

typedef struct {
    const char *recipient;
    const char *date;
    const char *category; /* NULL: none named */
    int allowed;
    int mechanism;
    const char *fragment;  /* in the reason */
    const char *reference; /* in the reference, or NULL */
} transfer_case;

static const transfer_case cases[] = {
    /* Each adequacy decision on its first day and on the day before. */
    {"adq-CH", "2000-07-26", NULL, 1, GDPR_TRANSFER_ADEQUACY, "CH-2000-518", "2000/518/EC"},
    {"adq-CH", "2000-07-25", NULL, 0, GDPR_TRANSFER_REFUSED, "applies only from 2000-07-26", NULL},
    {"adq-US", "2000-11-01", NULL, 0, GDPR_TRANSFER_REFUSED, "Safe Harbour", NULL},
    {"adq-US", "2015-10-06", NULL, 0, GDPR_TRANSFER_REFUSED, "US-2000-520 ended on 2015-10-05",
     NULL},
    {"adq-CA", "2002-01-04", NULL, 1, GDPR_TRANSFER_ADEQUACY, "commercial organisation",
     "2002/2/EC"},
    {"adq-CA", "2002-01-03", NULL, 0, GDPR_TRANSFER_REFUSED, "applies only from 2002-01-04", NULL},
    {"adq-AR", "2003-06-30", NULL, 1, GDPR_TRANSFER_ADEQUACY, "AR-2003-490", "2003/490/EC"},
    {"adq-AR", "2003-06-29", NULL, 0, GDPR_TRANSFER_REFUSED, "applies only from", NULL},
    {"adq-GG", "2003-11-21", NULL, 1, GDPR_TRANSFER_ADEQUACY, "GG-2003-821", "2003/821/EC"},
    {"adq-GG", "2003-11-20", NULL, 0, GDPR_TRANSFER_REFUSED, "applies only from", NULL},
    {"adq-IM", "2004-04-28", NULL, 1, GDPR_TRANSFER_ADEQUACY, "IM-2004-411", "2004/411/EC"},
    {"adq-IM", "2004-04-27", NULL, 0, GDPR_TRANSFER_REFUSED, "applies only from", NULL},
    {"adq-JE", "2008-05-08", NULL, 1, GDPR_TRANSFER_ADEQUACY, "JE-2008-393", "2008/393/EC"},
    {"adq-JE", "2008-05-07", NULL, 0, GDPR_TRANSFER_REFUSED, "applies only from", NULL},
    {"adq-FO", "2010-03-05", NULL, 1, GDPR_TRANSFER_ADEQUACY, "FO-2010-146", "2010/146/EU"},
    {"adq-FO", "2010-03-04", NULL, 0, GDPR_TRANSFER_REFUSED, "applies only from", NULL},
    {"adq-AD", "2010-10-19", NULL, 1, GDPR_TRANSFER_ADEQUACY, "AD-2010-625", "2010/625/EU"},
    {"adq-AD", "2010-10-18", NULL, 0, GDPR_TRANSFER_REFUSED, "applies only from", NULL},
    {"adq-IL", "2011-01-31", NULL, 1, GDPR_TRANSFER_ADEQUACY, "IL-2011-61", "2011/61/EU"},
    {"adq-IL", "2011-01-30", NULL, 0, GDPR_TRANSFER_REFUSED, "applies only from", NULL},
    {"adq-UY", "2012-08-21", NULL, 1, GDPR_TRANSFER_ADEQUACY, "UY-2012-484", "2012/484/EU"},
    {"adq-UY", "2012-08-20", NULL, 0, GDPR_TRANSFER_REFUSED, "applies only from", NULL},
    {"adq-NZ", "2012-12-19", NULL, 1, GDPR_TRANSFER_ADEQUACY, "NZ-2013-65", "2013/65/EU"},
    {"adq-NZ", "2012-12-18", NULL, 0, GDPR_TRANSFER_REFUSED, "applies only from", NULL},
    {"adq-US", "2016-07-12", NULL, 0, GDPR_TRANSFER_REFUSED, "Privacy Shield", NULL},
    {"adq-US", "2020-07-16", NULL, 0, GDPR_TRANSFER_REFUSED, "US-2016-1250 ended on 2020-07-15",
     NULL},
    {"adq-JP", "2019-01-23", NULL, 1, GDPR_TRANSFER_ADEQUACY, "not a public body", "2019/419"},
    {"adq-JP", "2019-01-22", NULL, 0, GDPR_TRANSFER_REFUSED, "applies only from", NULL},
    {"adq-GB", "2021-06-28", NULL, 1, GDPR_TRANSFER_ADEQUACY, "GB-2021-1772", "2021/1772"},
    /* Until the adequacy decision the TCA bridge applied (issue 19). */
    {"adq-GB", "2021-06-27", NULL, 1, GDPR_TRANSFER_EEA, "TCA bridge", NULL},
    {"adq-GB", "2025-06-26", NULL, 1, GDPR_TRANSFER_ADEQUACY, "GB-2025-1226", "2025/1226"},
    {"adq-GB", "2025-12-20", NULL, 1, GDPR_TRANSFER_ADEQUACY, "GB-2025-2574", "2025/2574"},
    {"adq-GB", "2031-12-27", NULL, 1, GDPR_TRANSFER_ADEQUACY, "GB-2025-2574", "2025/2574"},
    {"adq-GB", "2031-12-28", NULL, 0, GDPR_TRANSFER_REFUSED, "ended on 2031-12-27", NULL},
    {"adq-KR", "2021-12-17", NULL, 1, GDPR_TRANSFER_ADEQUACY, "KR-2022-254", "2022/254"},
    {"adq-KR", "2021-12-16", NULL, 0, GDPR_TRANSFER_REFUSED, "applies only from", NULL},
    {"adq-US", "2023-07-10", NULL, 1, GDPR_TRANSFER_ADEQUACY, "DPF-certified since 2023-07-10",
     "2023/1795"},
    {"adq-US", "2023-07-09", NULL, 0, GDPR_TRANSFER_REFUSED, "US-2016-1250 ended on 2020-07-15",
     NULL},
    {"adq-EPO", "2025-07-18", NULL, 1, GDPR_TRANSFER_ADEQUACY, "org:EPO-2025-1382", "2025/1382"},
    {"adq-EPO", "2025-07-17", NULL, 0, GDPR_TRANSFER_REFUSED, "applies only from 2025-07-18", NULL},
    {"adq-BR", "2026-01-28", NULL, 1, GDPR_TRANSFER_ADEQUACY, "BR-2026-179", "2026/179"},
    {"adq-BR", "2026-01-27", NULL, 0, GDPR_TRANSFER_REFUSED, "applies only from 2026-01-28", NULL},
    /* Scope limits. */
    {"acme-analytics", "2026-03-01", NULL, 0, GDPR_TRANSFER_REFUSED,
     "US recipient 'acme-analytics' is not DPF-certified on 2026-03-01 and has no SCCs or other "
     "Art. 46 safeguard on record; an Art. 49(1)(a) transfer consent (recipient, country, risks "
     "notice) would allow an occasional transfer",
     NULL},
    {"cloudco-us", "2026-03-01", NULL, 1, GDPR_TRANSFER_ADEQUACY, "DPF-certified since 2023-10-01",
     "2023/1795"},
    {"cloudco-us", "2023-09-30", NULL, 0, GDPR_TRANSFER_REFUSED, "not DPF-certified on 2023-09-30",
     NULL},
    {"us-dpf-lapsed", "2025-06-30", NULL, 1, GDPR_TRANSFER_ADEQUACY, "DPF-certified", NULL},
    {"us-dpf-lapsed", "2025-07-01", NULL, 0, GDPR_TRANSFER_REFUSED, "not DPF-certified", NULL},
    {"ca-noncommercial", "2026-03-01", NULL, 0, GDPR_TRANSFER_REFUSED,
     "is not a commercial organisation, outside adequacy decision CA-2002-2", NULL},
    {"ca-public", "2026-03-01", NULL, 0, GDPR_TRANSFER_REFUSED, "not a commercial organisation",
     NULL},
    {"jp-public", "2026-03-01", NULL, 0, GDPR_TRANSFER_REFUSED, "is a public body, outside", NULL},
    {"adq-JP", "2026-03-01", NULL, 1, GDPR_TRANSFER_ADEQUACY, "JP-2019-419", NULL},
    /* Safeguards: valid, not yet valid, expired. */
    {"support-in", "2026-03-01", NULL, 1, GDPR_TRANSFER_SCC, "module 2",
     "SCC 2021/914 module 2, signed 2024-03-01"},
    {"support-in", "2024-02-29", NULL, 0, GDPR_TRANSFER_REFUSED, "valid from 2024-03-01", NULL},
    {"in-scc-expired", "2024-12-31", NULL, 1, GDPR_TRANSFER_SCC, "module 3", "SCC old"},
    {"in-scc-expired", "2025-01-01", NULL, 0, GDPR_TRANSFER_REFUSED, "ended on 2024-12-31", NULL},
    {"in-bcr", "2026-03-01", NULL, 1, GDPR_TRANSFER_BCR, "binding corporate rules",
     "BCR approved by CNIL 2021"},
    {"cn-adhoc", "2026-03-01", NULL, 1, GDPR_TRANSFER_ADHOC, "Art. 46(3)(a)", "DPC auth"},
    {"cn-adhoc", "2025-06-30", NULL, 0, GDPR_TRANSFER_REFUSED,
     "CN recipient 'cn-adhoc' has no "
     "adequacy decision",
     NULL},
    /* Derogations the policy names; nothing at all. */
    {"in-occasional", "2026-03-01", NULL, 1, GDPR_TRANSFER_DEROGATION_OTHER,
     "occasional under "
     "Art. 49(1)(b)",
     "Art. 49(1)(b)"},
    {"in-none", "2026-03-01", NULL, 0, GDPR_TRANSFER_REFUSED, "has no SCCs", NULL},
    {"org-unknown", "2026-03-01", NULL, 0, GDPR_TRANSFER_REFUSED,
     "org:WHO recipient "
     "'org-unknown' has no adequacy decision",
     NULL},
    /* Special categories: refused without adequacy or safeguard only. */
    {"acme-analytics", "2026-03-01", "health", 0, GDPR_TRANSFER_REFUSED,
     "special-category data ('health')", NULL},
    {"in-occasional", "2026-03-01", "health", 0, GDPR_TRANSFER_REFUSED, "special-category", NULL},
    {"support-in", "2026-03-01", "health", 1, GDPR_TRANSFER_SCC, "module 2", NULL},
    {"cloudco-us", "2026-03-01", "health", 1, GDPR_TRANSFER_ADEQUACY, "2023/1795", NULL},
    {"mailer-eu", "2026-03-01", "health", 1, GDPR_TRANSFER_EEA, "inside the EEA", NULL},
    {"in-occasional", "2026-03-01", "contact", 1, GDPR_TRANSFER_DEROGATION_OTHER, "49(1)(b)", NULL},
};

static void
run_case(const transfer_case *c, int64_t at)
{
    gdpr_transfer_request req = GDPR_TRANSFER_REQUEST_INIT;
    gdpr_transfer_result res = GDPR_TRANSFER_RESULT_INIT;
    gdpr_transfer_decision d;
    const char *cats[1];

    req.subject = "cust-table";
    req.recipient = c->recipient;
    req.at = at;
    if (c->category) {
        cats[0] = c->category;
        req.categories = cats;
        req.n_categories = 1;
    }
    th_ok(gdpr_transfer_check_v2(ts.eng, &th_agent, &req, &res));
    ck_assert_msg(res.allowed == c->allowed && res.mechanism == c->mechanism,
                  "%s on %s: got %s (%d), want %s: %s", c->recipient, c->date,
                  gdpr_transfer_mechanism_name(res.mechanism), res.allowed,
                  gdpr_transfer_mechanism_name(c->mechanism), res.reason);
    ck_assert_msg(strstr(res.reason, c->fragment) != NULL, "%s on %s: reason '%s' lacks '%s'",
                  c->recipient, c->date, res.reason, c->fragment);
    if (c->reference)
        ck_assert_msg(strstr(res.reference, c->reference) != NULL, "%s: reference '%s' lacks '%s'",
                      c->recipient, res.reference, c->reference);
    if (!c->allowed) {
        ck_assert_str_eq(res.reference, "");
        ck_assert_str_eq(res.article, "");
    } else if (c->mechanism != GDPR_TRANSFER_EEA) {
        ck_assert_msg(strncmp(res.article, "Art. 4", 6) == 0, "article '%s'", res.article);
    }
    ck_assert_int_eq(res.special, c->category != NULL && strcmp(c->category, "health") == 0);
    ck_assert_int_eq(res.event, 0);
    /* The fixed-signature call gives the same answer for non-special data. */
    if (c->category == NULL) {
        th_ok(gdpr_transfer_check(ts.eng, &th_agent, "cust-table", c->recipient, at, &d));
        ck_assert_int_eq(d.allowed, res.allowed);
        ck_assert_int_eq(d.mechanism, res.mechanism);
        ck_assert_str_eq(d.reason, res.reason);
    }
}

START_TEST(decision_table)
{
    char before[65], after[65];
    size_t n = 0;

    th_fingerprint(&ts, before);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++, n++)
        run_case(&cases[i], day(cases[i].date));
    /* Each EEA state, on the day the GDPR began to apply and today (membership is dated:
     * tests/test-law.c has the accession and withdrawal dates). */
    for (size_t i = 0; i < N_EEA; i++) {
        transfer_case c = {NULL, "2018-05-25", NULL, 1, GDPR_TRANSFER_EEA, NULL, NULL};
        char id[16], frag[64];
        snprintf(id, sizeof id, "eea-%s", eea_states[i]);
        snprintf(frag, sizeof frag, "'%s' is in %s (", id, eea_states[i]);
        c.recipient = id;
        c.fragment = frag;
        run_case(&c, day("2018-05-25"));
        c.date = "2026-03-01";
        run_case(&c, day("2026-03-01"));
        n += 2;
    }
    ck_assert_uint_ge(n, 40);
    /* Checks write nothing. */
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
}
END_TEST

START_TEST(purpose_names_the_categories)
{
    gdpr_transfer_request req = GDPR_TRANSFER_REQUEST_INIT;
    gdpr_transfer_result res = GDPR_TRANSFER_RESULT_INIT;
    const char *cats[] = {"contact", "nope"};

    req.subject = "cust-1";
    req.recipient = "acme-analytics";
    req.at = day("2026-03-01");
    req.purpose = "accessibility"; /* health: special */
    th_ok(gdpr_transfer_check_v2(ts.eng, &th_agent, &req, &res));
    ck_assert_int_eq(res.special, 1);
    ck_assert_ptr_nonnull(strstr(res.reason, "special-category data ('health')"));
    req.purpose = "marketing";
    th_ok(gdpr_transfer_check_v2(ts.eng, &th_agent, &req, &res));
    ck_assert_int_eq(res.special, 0);
    ck_assert_ptr_nonnull(
        strstr(res.reason, "transfer consent (recipient, country, risks notice) would allow"));
    req.purpose = "no-such-purpose";
    th_assert_err(gdpr_transfer_check_v2(ts.eng, &th_agent, &req, &res), GDPR_EINVAL,
                  "req.purpose: 'no-such-purpose' is not a purpose of the policy");
    req.purpose = NULL;
    req.categories = cats;
    req.n_categories = 2;
    th_assert_err(gdpr_transfer_check_v2(ts.eng, &th_agent, &req, &res), GDPR_EINVAL,
                  "req.categories[1]: 'nope' is not a category");
}
END_TEST

/* Reasons cut long ids at a character boundary: always valid UTF-8. */
START_TEST(reasons_are_valid_utf8)
{
    static const char id[] = "a\xc3\xbc\xc3\xb1\xc3\xaf\xc3\xa7\xc3\xb6z\xc3\xa9-"
                             "\xc3\xbc\xc3\xb1\xc3\xaf\xc3\xa7\xc3\xb6z\xc3\xa9-"
                             "\xc3\xbc\xc3\xb1\xc3\xaf\xc3\xa7\xc3\xb6z\xc3\xa9-"
                             "\xc3\xbc\xc3\xb1\xc3\xaf\xc3\xa7\xc3\xb6z\xc3\xa9-"
                             "\xc3\xbc\xc3\xb1\xc3\xaf\xc3\xa7\xc3\xb6z\xc3\xa9-"
                             "\xc3\xbc\xc3\xb1\xc3\xaf\xc3\xa7\xc3\xb6z\xc3\xa9";
    static const char *const recipients[] = {id, "long-eea", "long-us"};
    char entry[2048];
    gdpr_transfer_decision d;
    char *policy;
    size_t bad;

    snprintf(
        entry, sizeof entry,
        "{ \"id\": \"%s\", \"name\": \"U\", \"country\": \"IN\", \"kind\": \"processor\","
        "  \"safeguards\": [ { \"type\": \"bcr\", \"reference\": \"%s%s%s\","
        "  \"valid_from\": \"2030-01-01\" } ] },"
        "{ \"id\": \"long-eea\", \"name\": \"E\", \"country\": \"DE\", \"kind\": \"processor\" },"
        "{ \"id\": \"long-us\", \"name\": \"U\", \"country\": \"US\", \"kind\": \"processor\","
        "  \"safeguards\": [ { \"type\": \"scc\", \"module\": 1, \"reference\": \"%s%s%s%s\","
        "  \"valid_from\": \"2020-01-01\" } ] },",
        id, id, id, id, id, id, id, id);
    policy = policy_with(entry);
    th_ok(gdpr_policy_load_string(ts.eng, &th_dpo, policy));
    free(policy);
    for (size_t i = 0; i < 3; i++) {
        th_ok(gdpr_transfer_check(ts.eng, &th_agent, "c", recipients[i], day("2026-03-01"), &d));
        ck_assert_msg(gdpr__utf8_check(d.reason, strlen(d.reason), &bad) == 0, "byte %zu of '%s'",
                      bad, d.reason);
        ck_assert_uint_lt(strlen(d.reason), sizeof d.reason);
    }
    ck_assert_int_eq(d.mechanism, GDPR_TRANSFER_SCC);
}
END_TEST

/* --- consent derogation ------------------------------------------------- */

static void
give_transfer_consent(const char *subject, const char *recipient)
{
    gdpr_consent c = GDPR_CONSENT_INIT;

    c.subject = subject;
    c.purpose = "service";
    c.notice = "transfer-risks-v1";
    c.channel = "phone";
    c.recipient = recipient;
    c.country = "US";
    c.flags = GDPR_CONSENT_EXPLICIT | GDPR_CONSENT_TRANSFER;
    th_ok(gdpr_consent_record(ts.eng, &th_agent, &c, NULL));
}

START_TEST(explicit_consent_present_and_withdrawn)
{
    gdpr_transfer_decision d;
    uint8_t hash[CRYPTO_HASH_BYTES];
    int found = -1;

    ts.now = day("2026-02-01");
    give_transfer_consent("cust-consent", "acme-analytics");
    /* Present: allowed from the moment it was given, not before. */
    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "cust-consent", "acme-analytics",
                              day("2026-02-02"), &d));
    ck_assert_int_eq(d.allowed, 1);
    ck_assert_int_eq(d.mechanism, GDPR_TRANSFER_DEROGATION_CONSENT);
    ck_assert_ptr_nonnull(strstr(d.reason, "explicit consent to transfers to 'acme-analytics'"));
    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "cust-consent", "acme-analytics",
                              day("2026-01-31"), &d));
    ck_assert_int_eq(d.allowed, 0);
    /* It names that recipient only, and that subject only. */
    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "cust-consent", "in-none", day("2026-02-02"), &d));
    ck_assert_int_eq(d.allowed, 0);
    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "cust-other", "acme-analytics", day("2026-02-02"),
                              &d));
    ck_assert_int_eq(d.allowed, 0);
    /* A consent that is not explicit does not count. */
    {
        gdpr_consent c = GDPR_CONSENT_INIT;
        c.subject = "cust-plain";
        c.purpose = "service";
        c.notice = "privacy-v3";
        c.channel = "web";
        c.recipient = "acme-analytics";
        th_ok(gdpr_consent_record(ts.eng, &th_agent, &c, NULL));
        th_ok(gdpr_transfer_check(ts.eng, &th_agent, "cust-plain", "acme-analytics",
                                  day("2026-02-02"), &d));
        ck_assert_int_eq(d.allowed, 0);
    }
    /* Withdrawn: refused from then on; the past stays as it was. */
    ts.now = day("2026-03-01");
    th_ok(gdpr_consent_withdraw(ts.eng, &th_agent, "cust-consent", "service",
                                "transfer:acme-analytics@US", "phone", NULL));
    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "cust-consent", "acme-analytics",
                              day("2026-03-02"), &d));
    ck_assert_int_eq(d.allowed, 0);
    ck_assert_ptr_nonnull(
        strstr(d.reason, "transfer consent (recipient, country, risks notice) would allow"));
    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "cust-consent", "acme-analytics",
                              day("2026-02-15"), &d));
    ck_assert_int_eq(d.mechanism, GDPR_TRANSFER_DEROGATION_CONSENT);
    /* The store function the check relies on, directly. */
    th_ok(gdpr_engine__subject_hash(ts.eng, "cust-consent", hash));
    th_ok(gdpr_store__consent_explicit_recipient(ts.eng->st, hash, "transfer:acme-analytics@US",
                                                 day("2026-02-15"), &found));
    ck_assert_int_eq(found, 1);
    th_ok(gdpr_store__consent_explicit_recipient(ts.eng->st, hash, "transfer:acme-analytics@US",
                                                 day("2026-03-02"), &found));
    ck_assert_int_eq(found, 0);
    /* Special-category data never rides on consent here. */
    {
        gdpr_transfer_request req = GDPR_TRANSFER_REQUEST_INIT;
        gdpr_transfer_result res = GDPR_TRANSFER_RESULT_INIT;
        const char *cats[] = {"health"};
        req.subject = "cust-consent";
        req.recipient = "acme-analytics";
        req.at = day("2026-02-15");
        req.categories = cats;
        req.n_categories = 1;
        th_ok(gdpr_transfer_check_v2(ts.eng, &th_agent, &req, &res));
        ck_assert_int_eq(res.allowed, 0);
    }
}
END_TEST

/* --- record and log ------------------------------------------------------- */

typedef struct {
    int n;
    int refused;
    int64_t last_id;
    char mechanisms[8][32];
    char subject_hash[65];
} log_seen;

static int
collect_log(const gdpr_transfer_entry *e, void *ctx)
{
    log_seen *s = ctx;
    if (s->n < 8)
        snprintf(s->mechanisms[s->n], sizeof s->mechanisms[0], "%s",
                 gdpr_transfer_mechanism_name(e->mechanism));
    s->refused += !e->allowed;
    s->last_id = e->id;
    snprintf(s->subject_hash, sizeof s->subject_hash, "%s", e->subject_hash);
    ck_assert_ptr_nonnull(e->reason);
    ck_assert_ptr_nonnull(e->reference);
    s->n++;
    return 0;
}

static int
count_rows(const store_transfer_row *row, void *ctx)
{
    ck_assert_ptr_nonnull(row->recipient);
    ck_assert_ptr_nonnull(row->mechanism);
    (*(int *)ctx)++;
    return 0;
}

static int
stop_at_first(const gdpr_transfer_entry *e, void *ctx)
{
    (void)e;
    (void)ctx;
    return 1;
}

START_TEST(record_logs_every_decision)
{
    TH_SQLITE_ONLY("greps the SQLite files");
    gdpr_transfer_request req = GDPR_TRANSFER_REQUEST_INIT;
    gdpr_transfer_result res = GDPR_TRANSFER_RESULT_INIT;
    const char *subject = "CUST-SECRET-4711";
    uint8_t hash[CRYPTO_HASH_BYTES];
    char *hex = NULL;
    log_seen seen;
    int rows = 0;
    int64_t events = 0;

    req.subject = subject;
    req.at = day("2026-03-01");
    req.recipient = "cloudco-us";
    th_ok(gdpr_transfer_record(ts.eng, &th_agent, &req, &res));
    ck_assert_int_eq(res.allowed, 1);
    ck_assert_int_gt(res.event, 0);
    req.recipient = "acme-analytics";
    th_ok(gdpr_transfer_record(ts.eng, &th_agent, &req, &res));
    ck_assert_int_eq(res.allowed, 0); /* refused, and logged all the same */
    ck_assert_int_gt(res.event, 0);
    req.recipient = "support-in";
    th_ok(gdpr_transfer_record(ts.eng, &th_agent, &req, &res));
    ck_assert_int_eq(res.mechanism, GDPR_TRANSFER_SCC);
    /* An Art. 49 transfer needs "transfer.approve": the agent is refused,
     * audited, nothing logged; the DPO may. */
    req.recipient = "in-occasional";
    th_assert_err(gdpr_transfer_record(ts.eng, &th_agent, &req, &res), GDPR_EDENIED,
                  "transfer.approve");
    ck_assert_int_eq(res.event, 0);
    th_ok(gdpr_transfer_record(ts.eng, &th_dpo, &req, &res));
    ck_assert_int_eq(res.mechanism, GDPR_TRANSFER_DEROGATION_OTHER);

    memset(&seen, 0, sizeof seen);
    th_ok(gdpr_transfer_log(ts.eng, subject, collect_log, &seen));
    ck_assert_int_eq(seen.n, 4);
    ck_assert_int_eq(seen.refused, 1);
    ck_assert_str_eq(seen.mechanisms[0], "adequacy");
    ck_assert_str_eq(seen.mechanisms[1], "refused");
    ck_assert_str_eq(seen.mechanisms[2], "scc");
    ck_assert_str_eq(seen.mechanisms[3], "derogation_other");
    ck_assert_int_eq(seen.last_id, res.event);
    th_ok(gdpr_subject_hash(ts.eng, subject, &hex));
    ck_assert_str_eq(seen.subject_hash, hex);
    gdpr_free(hex);
    /* Another subject's log is apart; the whole log has both. */
    req.subject = "cust-2";
    req.recipient = "mailer-eu";
    th_ok(gdpr_transfer_record(ts.eng, &th_agent, &req, &res));
    memset(&seen, 0, sizeof seen);
    th_ok(gdpr_transfer_log(ts.eng, "cust-2", collect_log, &seen));
    ck_assert_int_eq(seen.n, 1);
    ck_assert_str_eq(seen.mechanisms[0], "eea");
    memset(&seen, 0, sizeof seen);
    th_ok(gdpr_transfer_log(ts.eng, NULL, collect_log, &seen));
    ck_assert_int_eq(seen.n, 5);
    memset(&seen, 0, sizeof seen);
    th_ok(gdpr_transfer_log(ts.eng, "nobody", collect_log, &seen));
    ck_assert_int_eq(seen.n, 0);
    th_assert_err(gdpr_transfer_log(ts.eng, NULL, stop_at_first, NULL), GDPR_ECALLBACK, "stopped");
    /* The store seam the export uses. */
    th_ok(gdpr_engine__subject_hash(ts.eng, subject, hash));
    th_ok(gdpr_store__transfer_foreach(ts.eng->st, hash, count_rows, &rows));
    ck_assert_int_eq(rows, 4);
    /* Audited, chain intact; the subject id is nowhere in plaintext. */
    th_ok(gdpr_audit_verify(ts.eng, &events));
    ck_assert_int_gt(events, 5);
    ck_assert(!th_store_files_contain(&ts, subject, strlen(subject)));
    /* Created on first use. */
    {
        int exists = 0;
        th_ok(gdpr_subject_exists(ts.eng, "cust-2", &exists));
        ck_assert_int_eq(exists, 1);
    }
}
END_TEST

START_TEST(record_inside_a_batch_rolls_back)
{
    gdpr_transfer_request req = GDPR_TRANSFER_REQUEST_INIT;
    gdpr_transfer_result res = GDPR_TRANSFER_RESULT_INIT;
    char before[65], after[65];

    th_fingerprint(&ts, before);
    req.subject = "cust-batch";
    req.recipient = "cloudco-us";
    req.at = day("2026-03-01");
    th_ok(gdpr_begin(ts.eng));
    th_ok(gdpr_transfer_record(ts.eng, &th_agent, &req, &res));
    th_ok(gdpr_rollback(ts.eng));
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
}
END_TEST

/* --- safeguards at run time ------------------------------------------------ */

typedef struct {
    int n, revoked, from_policy;
} sg_seen;

static int
collect_sg(const gdpr_safeguard_info *sg, void *ctx)
{
    sg_seen *s = ctx;
    s->n++;
    s->revoked += sg->revoked_at != 0;
    s->from_policy += sg->id == 0;
    ck_assert_ptr_nonnull(sg->reference);
    return 0;
}

START_TEST(safeguards_added_and_revoked)
{
    gdpr_safeguard sg = GDPR_SAFEGUARD_INIT;
    gdpr_transfer_decision d;
    int64_t id = 0;
    sg_seen seen;

    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "c", "acme-analytics", day("2026-03-01"), &d));
    ck_assert_int_eq(d.allowed, 0);
    sg.recipient = "acme-analytics";
    sg.type = GDPR_TRANSFER_SCC;
    sg.module = 2;
    sg.reference = "SCC 2021/914 module 2, signed 2026-01-15";
    sg.valid_from = day("2026-01-15");
    th_assert_err(gdpr_safeguard_add(ts.eng, &th_agent, &sg, &id), GDPR_EDENIED,
                  "safeguard.manage");
    th_ok(gdpr_safeguard_add(ts.eng, &th_dpo, &sg, &id));
    ck_assert_int_gt(id, 0);
    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "c", "acme-analytics", day("2026-03-01"), &d));
    ck_assert_int_eq(d.mechanism, GDPR_TRANSFER_SCC);
    ck_assert_ptr_nonnull(strstr(d.reason, "signed 2026-01-15"));
    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "c", "acme-analytics", day("2026-01-14"), &d));
    ck_assert_int_eq(d.allowed, 0);
    /* Persisted: a reopened engine sees it. */
    th_reopen(&ts);
    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "c", "acme-analytics", day("2026-03-01"), &d));
    ck_assert_int_eq(d.mechanism, GDPR_TRANSFER_SCC);
    /* Revoked now: later dates are refused, earlier ones keep the answer. */
    ts.now = day("2026-04-01");
    th_ok(gdpr_safeguard_revoke(ts.eng, &th_dpo, id));
    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "c", "acme-analytics", day("2026-04-02"), &d));
    ck_assert_int_eq(d.allowed, 0);
    ck_assert_ptr_nonnull(strstr(d.reason, "revoked on 2026-04-01"));
    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "c", "acme-analytics", day("2026-03-01"), &d));
    ck_assert_int_eq(d.allowed, 1);
    th_assert_err(gdpr_safeguard_revoke(ts.eng, &th_dpo, id), GDPR_ESTATE, "revoked already");
    th_assert_err(gdpr_safeguard_revoke(ts.eng, &th_dpo, 999), GDPR_ENOTFOUND, "999");
    th_assert_err(gdpr_safeguard_revoke(ts.eng, &th_agent, id), GDPR_EDENIED, "safeguard.manage");
    /* An expired one (valid_until) and listing. */
    sg.type = GDPR_TRANSFER_CODE_OF_CONDUCT;
    sg.module = 0;
    sg.reference = "Code of conduct X";
    sg.valid_from = day("2026-01-01");
    sg.valid_until = day("2026-01-31T23:59:59Z");
    th_ok(gdpr_safeguard_add(ts.eng, &th_dpo, &sg, NULL));
    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "c", "acme-analytics", day("2026-01-10"), &d));
    ck_assert_int_eq(d.mechanism, GDPR_TRANSFER_CODE_OF_CONDUCT);
    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "c", "acme-analytics", day("2026-04-02"), &d));
    ck_assert_int_eq(d.allowed, 0);
    ck_assert_ptr_nonnull(strstr(d.reason, "ended on 2026-01-31"));
    memset(&seen, 0, sizeof seen);
    th_ok(gdpr_safeguard_foreach(ts.eng, "acme-analytics", collect_sg, &seen));
    ck_assert_int_eq(seen.n, 2);
    ck_assert_int_eq(seen.revoked, 1);
    memset(&seen, 0, sizeof seen);
    th_ok(gdpr_safeguard_foreach(ts.eng, NULL, collect_sg, &seen));
    ck_assert_int_eq(seen.n, 6); /* 4 in the policy, 2 added */
    ck_assert_int_eq(seen.from_policy, 4);
    th_ok(gdpr_audit_verify(ts.eng, NULL));
}
END_TEST

START_TEST(safeguard_bad_input)
{
    gdpr_safeguard sg = GDPR_SAFEGUARD_INIT;
    char before[65], after[65];
    char longref[1100];

    memset(longref, 'r', sizeof longref - 1);
    longref[sizeof longref - 1] = '\0';
    th_fingerprint(&ts, before);
    sg.recipient = "acme-analytics";
    sg.type = GDPR_TRANSFER_SCC;
    sg.module = 1;
    sg.reference = "SCC";
    sg.valid_from = day("2026-01-01");
    th_assert_err(gdpr_safeguard_add(NULL, &th_dpo, &sg, NULL), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_safeguard_add(ts.eng, NULL, &sg, NULL), GDPR_EINVAL, "who");
    th_assert_err(gdpr_safeguard_add(ts.eng, &th_dpo, NULL, NULL), GDPR_EINVAL, "sg");
    sg.version = 0;
    th_assert_err(gdpr_safeguard_add(ts.eng, &th_dpo, &sg, NULL), GDPR_EVERSION, "sg.version");
    sg.version = GDPR_SAFEGUARD_VERSION;
    sg.recipient = "nobody";
    th_assert_err(gdpr_safeguard_add(ts.eng, &th_dpo, &sg, NULL), GDPR_EINVAL,
                  "sg.recipient: 'nobody' is not a recipient");
    sg.recipient = "";
    th_assert_err(gdpr_safeguard_add(ts.eng, &th_dpo, &sg, NULL), GDPR_EINVAL, "sg.recipient");
    sg.recipient = "\xff";
    th_assert_err(gdpr_safeguard_add(ts.eng, &th_dpo, &sg, NULL), GDPR_EINVAL, "UTF-8");
    sg.recipient = "acme-analytics";
    sg.type = GDPR_TRANSFER_ADEQUACY;
    th_assert_err(gdpr_safeguard_add(ts.eng, &th_dpo, &sg, NULL), GDPR_EINVAL, "sg.type");
    sg.type = GDPR_TRANSFER_SCC;
    sg.module = 5;
    th_assert_err(gdpr_safeguard_add(ts.eng, &th_dpo, &sg, NULL), GDPR_EINVAL, "sg.module");
    sg.type = GDPR_TRANSFER_BCR;
    sg.module = 2;
    th_assert_err(gdpr_safeguard_add(ts.eng, &th_dpo, &sg, NULL), GDPR_EINVAL, "only SCCs");
    sg.module = 0;
    sg.reference = NULL;
    th_assert_err(gdpr_safeguard_add(ts.eng, &th_dpo, &sg, NULL), GDPR_EINVAL, "sg.reference");
    sg.reference = longref;
    th_assert_err(gdpr_safeguard_add(ts.eng, &th_dpo, &sg, NULL), GDPR_EINVAL, "longer than");
    sg.reference = "BCR";
    sg.valid_from = -2;
    th_assert_err(gdpr_safeguard_add(ts.eng, &th_dpo, &sg, NULL), GDPR_EINVAL, "sg.valid_from");
    sg.valid_from = day("2026-01-01");
    sg.valid_until = day("2025-01-01");
    th_assert_err(gdpr_safeguard_add(ts.eng, &th_dpo, &sg, NULL), GDPR_EINVAL, "ends before");
    sg.valid_until = CAL_MAX_TIME + 1;
    th_assert_err(gdpr_safeguard_add(ts.eng, &th_dpo, &sg, NULL), GDPR_EINVAL, "sg.valid_until");
    th_assert_err(gdpr_safeguard_revoke(ts.eng, &th_dpo, 0), GDPR_EINVAL, "id: 0");
    th_assert_err(gdpr_safeguard_revoke(NULL, &th_dpo, 1), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_safeguard_revoke(ts.eng, NULL, 1), GDPR_EINVAL, "who");
    th_assert_err(gdpr_safeguard_foreach(ts.eng, NULL, NULL, NULL), GDPR_EINVAL, "fn");
    th_assert_err(gdpr_safeguard_foreach(NULL, NULL, collect_sg, NULL), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_safeguard_foreach(ts.eng, "nobody", collect_sg, NULL), GDPR_EINVAL,
                  "'nobody' is not a recipient");
    th_assert_err(gdpr_safeguard_foreach(ts.eng, "\xff", collect_sg, NULL), GDPR_EINVAL, "UTF-8");
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
}
END_TEST

/* Answers kept per day never outlive a safeguard that ends inside it. */
START_TEST(answers_kept_per_day_stay_right)
{
    gdpr_safeguard sg = GDPR_SAFEGUARD_INIT;
    gdpr_transfer_decision d;
    int64_t id = 0;

    sg.recipient = "in-none";
    sg.type = GDPR_TRANSFER_SCC;
    sg.module = 2;
    sg.reference = "SCC ending at noon";
    sg.valid_from = day("2026-03-01");
    sg.valid_until = day("2026-03-10T11:59:59Z");
    th_ok(gdpr_safeguard_add(ts.eng, &th_dpo, &sg, NULL));
    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "c", "in-none", day("2026-03-10T10:00:00Z"), &d));
    ck_assert_int_eq(d.mechanism, GDPR_TRANSFER_SCC);
    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "c", "in-none", day("2026-03-10T12:00:00Z"), &d));
    ck_assert_int_eq(d.allowed, 0);
    ck_assert_ptr_nonnull(strstr(d.reason, "ended on 2026-03-10"));
    /* Revoked at 12:00: before noon still covered, from noon not, the same day. */
    sg.recipient = "acme-analytics";
    sg.reference = "SCC open-ended";
    sg.valid_from = day("2026-01-01");
    sg.valid_until = 0;
    th_ok(gdpr_safeguard_add(ts.eng, &th_dpo, &sg, &id));
    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "c", "acme-analytics", day("2026-05-01T11:00:00Z"),
                              &d));
    ck_assert_int_eq(d.mechanism, GDPR_TRANSFER_SCC);
    ts.now = day("2026-05-01T12:00:00Z");
    th_ok(gdpr_safeguard_revoke(ts.eng, &th_dpo, id));
    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "c", "acme-analytics", day("2026-05-01T12:00:00Z"),
                              &d));
    ck_assert_int_eq(d.allowed, 0);
    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "c", "acme-analytics", day("2026-05-01T11:59:59Z"),
                              &d));
    ck_assert_int_eq(d.mechanism, GDPR_TRANSFER_SCC);
    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "c", "acme-analytics", day("2026-05-01T12:00:01Z"),
                              &d));
    ck_assert_int_eq(d.allowed, 0);
    /* EEA and adequacy answers hold for any second of the day. */
    th_ok(
        gdpr_transfer_check(ts.eng, &th_agent, "c", "cloudco-us", day("2026-05-01T00:00:00Z"), &d));
    ck_assert_int_eq(d.mechanism, GDPR_TRANSFER_ADEQUACY);
    th_ok(
        gdpr_transfer_check(ts.eng, &th_agent, "c", "cloudco-us", day("2026-05-01T23:59:59Z"), &d));
    ck_assert_int_eq(d.mechanism, GDPR_TRANSFER_ADEQUACY);
    th_ok(
        gdpr_transfer_check(ts.eng, &th_agent, "c", "cloudco-us", day("2023-09-30T23:59:59Z"), &d));
    ck_assert_int_eq(d.allowed, 0);
    th_ok(
        gdpr_transfer_check(ts.eng, &th_agent, "c", "cloudco-us", day("2023-10-01T00:00:00Z"), &d));
    ck_assert_int_eq(d.allowed, 1);
}
END_TEST

/* --- bad input on the checks --------------------------------------------- */

START_TEST(check_bad_input)
{
    gdpr_transfer_request req = GDPR_TRANSFER_REQUEST_INIT;
    gdpr_transfer_result res = GDPR_TRANSFER_RESULT_INIT;
    gdpr_transfer_decision d;
    const gdpr_actor nobody = {"x", "intern"};
    const gdpr_actor system = {"nightly", "system"};
    char before[65], after[65];
    char longtext[300];
    const char *cats[] = {NULL};

    memset(longtext, 'a', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = '\0';
    th_fingerprint(&ts, before);
    th_assert_err(gdpr_transfer_check(NULL, &th_agent, "s", "mailer-eu", GDPR_NOW, &d), GDPR_EINVAL,
                  "eng");
    th_assert_err(gdpr_transfer_check(ts.eng, NULL, "s", "mailer-eu", GDPR_NOW, &d), GDPR_EINVAL,
                  "who");
    th_assert_err(gdpr_transfer_check(ts.eng, &th_agent, NULL, "mailer-eu", GDPR_NOW, &d),
                  GDPR_EINVAL, "subject: must not be NULL");
    th_assert_err(gdpr_transfer_check(ts.eng, &th_agent, "", "mailer-eu", GDPR_NOW, &d),
                  GDPR_EINVAL, "subject: must not be empty");
    th_assert_err(gdpr_transfer_check(ts.eng, &th_agent, longtext, "mailer-eu", GDPR_NOW, &d),
                  GDPR_EINVAL, "subject: longer than 256");
    th_assert_err(gdpr_transfer_check(ts.eng, &th_agent, "\xff", "mailer-eu", GDPR_NOW, &d),
                  GDPR_EINVAL, "subject: not valid UTF-8");
    th_assert_err(gdpr_transfer_check(ts.eng, &th_agent, "s", NULL, GDPR_NOW, &d), GDPR_EINVAL,
                  "recipient");
    th_assert_err(gdpr_transfer_check(ts.eng, &th_agent, "s", "", GDPR_NOW, &d), GDPR_EINVAL,
                  "recipient: must not be empty");
    th_assert_err(gdpr_transfer_check(ts.eng, &th_agent, "s", longtext, GDPR_NOW, &d), GDPR_EINVAL,
                  "recipient: longer than");
    th_assert_err(gdpr_transfer_check(ts.eng, &th_agent, "s", "\xff", GDPR_NOW, &d), GDPR_EINVAL,
                  "recipient: not valid UTF-8");
    th_assert_err(gdpr_transfer_check(ts.eng, &th_agent, "s", "nobody", GDPR_NOW, &d), GDPR_EINVAL,
                  "recipient: 'nobody' is not a recipient of the policy");
    th_assert_err(gdpr_transfer_check(ts.eng, &th_agent, "s", "mailer-eu", -2, &d), GDPR_EINVAL,
                  "at: 1969-12-31T23:59:58Z is outside");
    th_assert_err(gdpr_transfer_check(ts.eng, &th_agent, "s", "mailer-eu", CAL_MAX_TIME + 1, &d),
                  GDPR_EINVAL, "at:");
    th_assert_err(gdpr_transfer_check(ts.eng, &th_agent, "s", "mailer-eu", GDPR_NOW, NULL),
                  GDPR_EINVAL, "out");
    /* Unknown and near-miss country codes in the policy: a clear error. */
    th_assert_err(gdpr_transfer_check(ts.eng, &th_agent, "s", "xx-bad", GDPR_NOW, &d), GDPR_EINVAL,
                  "recipient 'xx-bad': country: 'XX' is not an assigned ISO 3166-1 alpha-2 code");
    th_assert_err(gdpr_transfer_check(ts.eng, &th_agent, "s", "uk-bad", GDPR_NOW, &d), GDPR_EINVAL,
                  "the United Kingdom is 'GB'");
    th_assert_err(gdpr_transfer_check_v2(NULL, &th_agent, &req, &res), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_transfer_check_v2(ts.eng, &th_agent, NULL, &res), GDPR_EINVAL, "req");
    req.version = 0;
    th_assert_err(gdpr_transfer_check_v2(ts.eng, &th_agent, &req, &res), GDPR_EVERSION,
                  "req.version");
    req.version = GDPR_TRANSFER_REQUEST_VERSION;
    req.subject = "s";
    req.recipient = "mailer-eu";
    th_assert_err(gdpr_transfer_check_v2(ts.eng, &th_agent, &req, NULL), GDPR_EINVAL, "out");
    res.version = 99;
    th_assert_err(gdpr_transfer_check_v2(ts.eng, &th_agent, &req, &res), GDPR_EVERSION,
                  "out.version");
    res.version = GDPR_TRANSFER_RESULT_VERSION;
    req.recipient = "nobody";
    th_assert_err(gdpr_transfer_check_v2(ts.eng, &th_agent, &req, &res), GDPR_EINVAL,
                  "req.recipient: 'nobody'");
    req.recipient = "mailer-eu";
    req.n_categories = 1;
    th_assert_err(gdpr_transfer_check_v2(ts.eng, &th_agent, &req, &res), GDPR_EINVAL,
                  "req.categories");
    req.categories = cats;
    th_assert_err(gdpr_transfer_check_v2(ts.eng, &th_agent, &req, &res), GDPR_EINVAL,
                  "req.categories[0]");
    req.n_categories = 0;
    req.purpose = "\xff";
    th_assert_err(gdpr_transfer_check_v2(ts.eng, &th_agent, &req, &res), GDPR_EINVAL,
                  "req.purpose");
    req.purpose = NULL;
    th_assert_err(gdpr_transfer_record(ts.eng, &th_agent, NULL, &res), GDPR_EINVAL, "req");
    th_assert_err(gdpr_transfer_record(NULL, &th_agent, &req, &res), GDPR_EINVAL, "eng");
    req.recipient = "xx-bad";
    th_assert_err(gdpr_transfer_record(ts.eng, &th_agent, &req, &res), GDPR_EINVAL, "'XX'");
    req.recipient = "mailer-eu";
    th_assert_err(gdpr_transfer_request_init(NULL, 1), GDPR_EINVAL, "req");
    th_assert_err(gdpr_transfer_request_init(&req, GDPR_TRANSFER_REQUEST_VERSION + 1),
                  GDPR_EVERSION, "version");
    th_assert_err(gdpr_transfer_log(ts.eng, "\xff", collect_log, NULL), GDPR_EINVAL, "subject");
    th_assert_err(gdpr_transfer_log(ts.eng, NULL, NULL, NULL), GDPR_EINVAL, "fn");
    th_assert_err(gdpr_transfer_log(NULL, NULL, collect_log, NULL), GDPR_EINVAL, "eng");
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    /* A role without "transfer.record" is refused, and that is audited. */
    th_assert_err(gdpr_transfer_check(ts.eng, &nobody, "s", "mailer-eu", GDPR_NOW, &d),
                  GDPR_EDENIED, "'intern' is not a role");
    th_assert_err(gdpr_transfer_check(ts.eng, &system, "s", "mailer-eu", GDPR_NOW, &d),
                  GDPR_EDENIED, "transfer.record");
    th_assert_err(gdpr_transfer_record(ts.eng, &system, &req, &res), GDPR_EDENIED,
                  "transfer.record");
    th_fingerprint(&ts, after);
    ck_assert_str_ne(before, after);
    th_ok(gdpr_audit_verify(ts.eng, NULL));
}
END_TEST

START_TEST(no_policy_no_check)
{
    th_store bare;
    gdpr_transfer_decision d;
    gdpr_adequacy_entry e;

    th_setup_bare(&bare);
    th_assert_err(gdpr_transfer_check(bare.eng, &th_dpo, "s", "mailer-eu", GDPR_NOW, &d),
                  GDPR_ESTATE, "policy");
    /* The adequacy list needs no policy. */
    th_ok(gdpr_adequacy_find(bare.eng, "DE", GDPR_NOW, &e));
    ck_assert_int_eq(e.mechanism, GDPR_TRANSFER_EEA);
    th_teardown(&bare);
}
END_TEST

START_TEST(mechanism_names)
{
    for (int m = GDPR_TRANSFER_REFUSED; m <= GDPR_TRANSFER_DEROGATION_OTHER; m++)
        ck_assert_int_eq(gdpr_transfer_mechanism_from_name(gdpr_transfer_mechanism_name(m)), m);
    ck_assert_str_eq(gdpr_transfer_mechanism_name(GDPR_TRANSFER_SCC), "scc");
    ck_assert_str_eq(gdpr_transfer_mechanism_name(GDPR_TRANSFER_DEROGATION_CONSENT),
                     "derogation_consent");
    ck_assert_str_eq(gdpr_transfer_mechanism_name(99), "unknown");
    ck_assert_str_eq(gdpr_transfer_mechanism_name(-1), "unknown");
    th_assert_err(gdpr_transfer_mechanism_from_name("SCC"), GDPR_EINVAL, "'SCC'");
    th_assert_err(gdpr_transfer_mechanism_from_name(NULL), GDPR_EINVAL, "name");
}
END_TEST

/* --- country codes ----------------------------------------------------- */

START_TEST(country_codes_are_not_normalised)
{
    gdpr_adequacy_entry e;
    static const struct {
        const char *code;
        const char *fragment;
    } bad[] = {
        {"us", "must be written in capitals ('US')"},
        {"Us", "must be written in capitals ('US')"},
        {" US", "white space"},
        {"US ", "white space"},
        {"U S", "white space"},
        {"US\n", "control character"},
        {"UK", "the United Kingdom is 'GB'"},
        {"EL", "Greece is 'GR'"},
        {"XX", "'XX' is not an assigned ISO 3166-1"},
        {"USA", "not an assigned ISO 3166-1"},
        {"U", "not an assigned"},
        {"org:", "needs an organisation name"},
        {"", "must not be empty"},
        {"\xff\xfe", "not valid UTF-8"},
    };

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        th_assert_err(gdpr_adequacy_find(ts.eng, bad[i].code, day("2026-03-01"), &e), GDPR_EINVAL,
                      bad[i].fragment);
    th_assert_err(gdpr_adequacy_find(ts.eng, NULL, GDPR_NOW, &e), GDPR_EINVAL, "country");
    th_assert_err(gdpr_adequacy_find(ts.eng, "US", -5, &e), GDPR_EINVAL, "at");
    th_assert_err(gdpr_adequacy_find(ts.eng, "US", GDPR_NOW, NULL), GDPR_EINVAL, "out");
    th_assert_err(gdpr_adequacy_find(NULL, "US", GDPR_NOW, &e), GDPR_EINVAL, "eng");
    /* The right ones. */
    th_ok(gdpr_adequacy_find(ts.eng, "US", day("2026-03-01"), &e));
    ck_assert_str_eq(e.id, "US-2023-1795");
    ck_assert_str_eq(e.scope, "certified");
    ck_assert_str_eq(e.framework, "EU-US Data Privacy Framework");
    th_ok(gdpr_adequacy_find(ts.eng, "GR", day("2026-03-01"), &e));
    ck_assert_int_eq(e.mechanism, GDPR_TRANSFER_EEA);
    ck_assert_str_eq(e.reference, "EU");
    th_ok(gdpr_adequacy_find(ts.eng, "NO", day("2026-03-01"), &e));
    ck_assert_str_eq(e.reference, "EEA Agreement");
    th_ok(gdpr_adequacy_find(ts.eng, "org:EPO", day("2026-03-01"), &e));
    ck_assert_str_eq(e.kind, "organisation");
    th_ok(gdpr_adequacy_find(ts.eng, "GB", day("2031-12-27T23:59:59Z"), &e));
    ck_assert_str_eq(e.id, "GB-2025-2574");
    th_assert_err(gdpr_adequacy_find(ts.eng, "GB", day("2031-12-28"), &e), GDPR_ENOTFOUND,
                  "no adequacy decision in force on 2031-12-28");
    th_assert_err(gdpr_adequacy_find(ts.eng, "IN", day("2026-03-01"), &e), GDPR_ENOTFOUND, "'IN'");
    /* The policy refuses lowercase and padded codes the same way. */
    {
        char *policy = policy_with("{ \"id\": \"low\", \"name\": \"L\", \"country\": \"us\","
                                   " \"kind\": \"processor\" },");
        th_assert_err(gdpr_policy_load_string(ts.eng, &th_dpo, policy), GDPR_EINVAL, "capitals");
        free(policy);
        policy = policy_with("{ \"id\": \"pad\", \"name\": \"P\", \"country\": \"US \","
                             " \"kind\": \"processor\" },");
        th_assert_err(gdpr_policy_load_string(ts.eng, &th_dpo, policy), GDPR_EINVAL, "country");
        free(policy);
        policy = policy_with("{ \"id\": \"g\", \"name\": \"G\", \"country\": \"IN\","
                             " \"kind\": \"processor\", \"occasional\": true,"
                             " \"derogation\": \"49(1)(a)\" },");
        th_assert_err(gdpr_policy_load_string(ts.eng, &th_dpo, policy), GDPR_EINVAL,
                      "not an Art. 49 ground");
        free(policy);
    }
}
END_TEST

/* --- the adequacy list --------------------------------------------------- */

typedef struct {
    int eea, decisions, us;
} list_seen;

static int
collect_list(const gdpr_adequacy_entry *e, void *ctx)
{
    list_seen *s = ctx;
    if (e->mechanism == GDPR_TRANSFER_EEA)
        s->eea++;
    else
        s->decisions++;
    if (strcmp(e->code, "US") == 0)
        s->us++;
    ck_assert_ptr_nonnull(e->reference);
    return 0;
}

static int
stop_list(const gdpr_adequacy_entry *e, void *ctx)
{
    (void)e;
    (void)ctx;
    return 7;
}

START_TEST(shipped_list)
{
    list_seen seen;
    char updated[11];
    int64_t version = -1;

    memset(&seen, 0, sizeof seen);
    th_ok(gdpr_adequacy_foreach(ts.eng, GDPR_ADEQUACY_ALL, collect_list, &seen));
    ck_assert_int_eq(seen.eea, 40); /* 30 states, 3 UK periods, 7 territories */
    ck_assert_int_eq(seen.decisions, 21);
    ck_assert_int_eq(seen.us, 3);
    memset(&seen, 0, sizeof seen);
    th_ok(gdpr_adequacy_foreach(ts.eng, day("2026-03-01"), collect_list, &seen));
    ck_assert_int_eq(seen.eea, 40);       /* 30 states, 3 UK periods, 7 territories */
    ck_assert_int_eq(seen.decisions, 17); /* 21 less Safe Harbour, Privacy Shield, GB 2021, 2025 */
    ck_assert_int_eq(seen.us, 1);
    memset(&seen, 0, sizeof seen);
    th_ok(gdpr_adequacy_foreach(ts.eng, day("2010-01-01"), collect_list, &seen));
    ck_assert_int_eq(seen.decisions, 7); /* CH, US SH, CA, AR, GG, IM, JE */
    th_assert_err(gdpr_adequacy_foreach(ts.eng, GDPR_NOW, stop_list, NULL), GDPR_ECALLBACK,
                  "stopped");
    th_assert_err(gdpr_adequacy_foreach(ts.eng, -2, collect_list, &seen), GDPR_EINVAL, "as_of");
    th_assert_err(gdpr_adequacy_foreach(ts.eng, GDPR_NOW, NULL, NULL), GDPR_EINVAL, "fn");
    th_assert_err(gdpr_adequacy_foreach(NULL, GDPR_NOW, collect_list, NULL), GDPR_EINVAL, "eng");
    th_ok(gdpr_adequacy_version(ts.eng, updated, &version));
    ck_assert_str_eq(updated, "2026-11-23");
    ck_assert_int_eq(version, 0);
    th_assert_err(gdpr_adequacy_version(NULL, updated, &version), GDPR_EINVAL, "eng");
}
END_TEST

/* The shipped text itself, parsed, equals lib/data/adequacy.json. */
START_TEST(builtin_matches_the_data_file)
{
    char *file = th_read_file(TEST_SOURCE_ROOT "/lib/data/adequacy.json", NULL);
    adequacy_list *l = NULL;

    ck_assert_ptr_nonnull(file);
    ck_assert_uint_eq(strlen(file), gdpr_adequacy__builtin_len);
    ck_assert_int_eq(memcmp(file, gdpr_adequacy__builtin_json, gdpr_adequacy__builtin_len), 0);
    th_ok(gdpr_adequacy__parse(ts.eng->st, file, "test", &l));
    ck_assert_uint_eq(l->n_eea, 40);
    ck_assert_uint_eq(l->n_decisions, 21);
    ck_assert_ptr_nonnull(gdpr_adequacy__in_force(l, "BR", day("2026-01-28")));
    ck_assert_ptr_null(gdpr_adequacy__in_force(l, "BR", day("2026-01-27T23:59:59Z")));
    gdpr_adequacy__free(l);
    free(file);
    /* ISO 3166-1: 249 assigned codes. */
    {
        int n = 0;
        char code[3] = "AA";
        for (code[0] = 'A'; code[0] <= 'Z'; code[0]++)
            for (code[1] = 'A'; code[1] <= 'Z'; code[1]++)
                n += gdpr_transfer__iso3166_assigned(code);
        ck_assert_int_eq(n, 249);
        ck_assert(!gdpr_transfer__iso3166_assigned("UK"));
        ck_assert(gdpr_transfer__iso3166_assigned("GB"));
        ck_assert(!gdpr_transfer__iso3166_assigned("gb"));
    }
}
END_TEST

static char *
write_temp(const char *name, const char *text)
{
    char *path = malloc(400);
    FILE *f;

    ck_assert_ptr_nonnull(path);
    snprintf(path, 400, "%s/%s", ts.dir, name);
    f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, strlen(text), f), strlen(text));
    fclose(f);
    return path;
}

/* The shipped file with `from` replaced by `to` (first occurrence). */
static char *
shipped_with(const char *from, const char *to)
{
    char *file = th_read_file(TEST_SOURCE_ROOT "/lib/data/adequacy.json", NULL);
    char *at, *out;
    size_t cap;

    ck_assert_ptr_nonnull(file);
    at = strstr(file, from);
    ck_assert_msg(at != NULL, "'%s' not in the shipped file", from);
    cap = strlen(file) + strlen(to) + 1;
    out = malloc(cap);
    ck_assert_ptr_nonnull(out);
    snprintf(out, cap, "%.*s%s%s", (int)(at - file), file, to, at + strlen(from));
    free(file);
    return out;
}

START_TEST(load_replaces_the_list)
{
    gdpr_transfer_decision d;
    gdpr_adequacy_entry kept;
    char updated[11];
    int64_t version = 0;
    char *doc, *path;

    /* An entry borrowed before the load stays valid after it. */
    th_ok(gdpr_adequacy_find(ts.eng, "US", day("2026-03-01"), &kept));
    /* End the DPF on 2026-06-30 (say a court annulled it). */
    doc = shipped_with(
        "\"in_force_from\": \"2023-07-10\",\n      \"in_force_until\": null",
        "\"in_force_from\": \"2023-07-10\",\n      \"in_force_until\": \"2026-06-30\"");
    path = write_temp("ended.json", doc);
    th_assert_err(gdpr_adequacy_load(ts.eng, &th_agent, path), GDPR_EDENIED, "adequacy.load");
    th_ok(gdpr_adequacy_load(ts.eng, &th_dpo, path));
    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "c", "cloudco-us", day("2026-07-01"), &d));
    ck_assert_int_eq(d.allowed, 0);
    ck_assert_ptr_nonnull(strstr(d.reason, "US-2023-1795 ended on 2026-06-30"));
    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "c", "cloudco-us", day("2026-06-30"), &d));
    ck_assert_int_eq(d.allowed, 1);
    ck_assert_str_eq(kept.id, "US-2023-1795");
    ck_assert_int_eq(kept.in_force_until, 0);
    th_ok(gdpr_adequacy_version(ts.eng, updated, &version));
    ck_assert_int_eq(version, 1);
    /* Loading the same file again changes nothing but the audit trail. */
    th_ok(gdpr_adequacy_load(ts.eng, &th_dpo, path));
    th_ok(gdpr_adequacy_version(ts.eng, NULL, &version));
    ck_assert_int_eq(version, 1);
    /* It survives a restart. */
    th_reopen(&ts);
    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "c", "cloudco-us", day("2026-07-01"), &d));
    ck_assert_int_eq(d.allowed, 0);
    /* Back to the shipped list. */
    th_assert_err(gdpr_adequacy_reset(ts.eng, &th_agent), GDPR_EDENIED, "adequacy.load");
    th_ok(gdpr_adequacy_reset(ts.eng, &th_dpo));
    th_ok(gdpr_adequacy_version(ts.eng, NULL, &version));
    ck_assert_int_eq(version, 0);
    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "c", "cloudco-us", day("2026-07-01"), &d));
    ck_assert_int_eq(d.allowed, 1);
    th_reopen(&ts);
    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "c", "cloudco-us", day("2026-07-01"), &d));
    ck_assert_int_eq(d.allowed, 1);
    th_ok(gdpr_audit_verify(ts.eng, NULL));
    free(path);
    free(doc);
    /* Extend: a new decision for India. */
    doc = shipped_with("\"decisions\": [",
                       "\"decisions\": [ { \"id\": \"IN-2027-1\", \"code\": \"IN\", \"name\": "
                       "\"India\", \"kind\": \"country\", \"scope\": \"whole\", \"framework\": "
                       "null, \"reference\": \"Test decision\", \"in_force_from\": \"2027-01-01\","
                       " \"in_force_until\": null, \"source\": \"https://example.org/in\" },");
    path = write_temp("extended.json", doc);
    th_ok(gdpr_adequacy_load(ts.eng, &th_dpo, path));
    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "c", "in-none", day("2027-01-01"), &d));
    ck_assert_int_eq(d.mechanism, GDPR_TRANSFER_ADEQUACY);
    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "c", "in-none", day("2026-12-31"), &d));
    ck_assert_int_eq(d.allowed, 0);
    free(path);
    free(doc);
}
END_TEST

START_TEST(load_refuses_a_wrong_shape_whole)
{
    static const struct {
        const char *from, *to;
        int code;
        const char *fragment;
    } bad[] = {
        {"\"format\": \"libgdpr-adequacy/1\"", "\"format\": \"libgdpr-adequacy/2\"", GDPR_EVERSION,
         "format: 'libgdpr-adequacy/2' is not known"},
        {"\"format\": \"libgdpr-adequacy/1\"", "\"format\": \"csv\"", GDPR_EINVAL, "format: 'csv'"},
        /* Scope limits (issue 19 point 7): checked whole, with the path. */
        {"\"excludes\": \"immigration_control\"", "\"excludes\": \"visa\"", GDPR_EINVAL,
         "limits[0].excludes: must be an activity of the policy format"},
        {"\"requires\": \"automated_or_then_automated\"", "\"requires\": \"paper\"", GDPR_EINVAL,
         "limits[0].requires: 'paper' is not one of automated, automated_or_then_automated, appi"},
        {"{\"id\": \"UY-automated\", ", "{\"id\": \"UY-automated\", \"excludes\": \"religious\", ",
         GDPR_EINVAL, "a limit has exactly one of \"excludes\" (an activity) or \"requires\""},
        {"\"cites\": \"Decision 2011/61/EU, Art. 1(1)\", ", "", GDPR_EINVAL,
         "limits[0].cites: required field is missing"},
        {"\"source\": \"https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32022D0254\"}",
         "\"source\": \"see EUR-Lex\"}", GDPR_EINVAL,
         "limits[0].source: must be the https:// address"},
        {"\"updated\": \"2026-11-23\"", "\"updated\": \"23.11.2026\"", GDPR_EINVAL,
         "updated: must be a date"},
        {"\"updated\": \"2026-11-23\",", "\"updated\": \"2026-11-23\", \"extra\": 1,", GDPR_EINVAL,
         "extra: unknown field"},
        {"{\"code\": \"AT\"", "{\"code\": \"at\"", GDPR_EINVAL,
         "eea[0].code: 'at' must be written "
         "in capitals"},
        {"{\"code\": \"AT\"", "{\"code\": \" AT\"", GDPR_EINVAL,
         "eea[0].code: ' AT' holds white "
         "space"},
        {"{\"code\": \"AT\"", "{\"code\": \"BE\"", GDPR_EINVAL,
         "eea[1].code: 'BE' is listed twice"},
        {"{\"code\": \"AT\"", "{\"code\": \"XA\"", GDPR_EINVAL, "'XA' is not an assigned"},
        {"\"code\": \"CH\"", "\"code\": \"UK\"", GDPR_EINVAL, "decisions[0].code: 'UK'"},
        {"\"code\": \"CH\"", "\"code\": \"DE\"", GDPR_EINVAL, "'DE' is in the EEA"},
        {"\"id\": \"CA-2002-2\"", "\"id\": \"CH-2000-518\"", GDPR_EINVAL,
         "decisions[2].id: id 'CH-2000-518' is used twice"},
        {"\"in_force_from\": \"2000-07-26\"", "\"in_force_from\": \"2000-02-30\"", GDPR_EINVAL,
         "decisions[0].in_force_from: must be a date YYYY-MM-DD"},
        {"\"in_force_until\": \"2015-10-05\"", "\"in_force_until\": \"1999-10-05\"", GDPR_EINVAL,
         "decisions[1].in_force_until: ends before in_force_from"},
        {"\"scope\": \"whole\"", "\"scope\": \"partial\"", GDPR_EINVAL,
         "decisions[0].scope: 'partial' is not one of whole, commercial, certified"},
        {"\"framework\": \"Safe Harbour Privacy Principles\"", "\"framework\": null", GDPR_EINVAL,
         "decisions[1].framework: scope \"certified\" names its framework"},
        /* no "framework" member at all: refused, never a NULL node (it crashed) */
        {"\"framework\": \"Safe Harbour Privacy Principles\",", "", GDPR_EINVAL,
         "scope \"certified\" names its framework: required field \"framework\" is missing"},
        {"\"kind\": \"organisation\"", "\"kind\": \"country\"", GDPR_EINVAL,
         "an organisation has a code 'org:NAME'"},
        {"\"source\": \"https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32000D0518\"",
         "\"source\": \"eur-lex\"", GDPR_EINVAL, "decisions[0].source: must be the https://"},
        {"\"reference\": \"Commission Decision 2000/518/EC of 26 July 2000\",", "", GDPR_EINVAL,
         "decisions[0].reference: required field is missing"},
        {"\"in_force_until\": \"2025-12-27\"", "\"in_force_until\": \"2025-12-27\", \"scope2\": 1",
         GDPR_EINVAL, "unknown field"},
        /* GB 2025-1226 overlapping GB 2021-1772 with another scope */
        {"\"scope\": \"whole\",\n      \"framework\": null,\n      \"reference\": "
         "\"Commission Implementing Decision (EU) 2025/1226",
         "\"scope\": \"commercial\",\n      \"framework\": null,\n      \"reference\": "
         "\"Commission Implementing Decision (EU) 2025/1226",
         GDPR_EINVAL, "decisions[17]: overlaps GB-2021-1772 in time with another scope"},
        {"\"name\": \"Austria\",", "\"name\": \"Austria\", \"name\": \"Österreich\",", GDPR_EINVAL,
         "eea[0].name: field given twice"},
        {"\"eea\": [", "\"eea\": 5, \"x\": [", GDPR_EINVAL, ""},
        {"\"decisions\": [", "\"decisions\": [ 5,", GDPR_EINVAL, "decisions[0]: must be an object"},
        {"\"updated\": \"2026-11-23\",", "\"updated\": \"2026-11-23\" ", GDPR_EINVAL,
         "line 4, column 3: expected"},
    };
    gdpr_transfer_decision d;
    char before[65], after[65];

    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "c", "cloudco-us", day("2026-03-01"), &d));
    th_fingerprint(&ts, before);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *doc = shipped_with(bad[i].from, bad[i].to);
        char name[32];
        char *path;
        snprintf(name, sizeof name, "bad-%zu.json", i);
        path = write_temp(name, doc);
        th_assert_err(gdpr_adequacy_load(ts.eng, &th_dpo, path), bad[i].code, bad[i].fragment);
        ck_assert_msg(strstr(gdpr_errmsg(), path) != NULL, "message '%s' lacks the path",
                      gdpr_errmsg());
        free(path);
        free(doc);
    }
    {
        const char *text[] = {"", "[]", "{}", "null", "\xff"};
        for (size_t i = 0; i < sizeof text / sizeof text[0]; i++) {
            char *path = write_temp("odd.json", text[i]);
            ck_assert_int_eq(gdpr_adequacy_load(ts.eng, &th_dpo, path), GDPR_EINVAL);
            ck_assert_ptr_nonnull(strstr(gdpr_errmsg(), "odd.json"));
            free(path);
        }
    }
    th_assert_err(gdpr_adequacy_load(ts.eng, &th_dpo, "/nonexistent/adequacy.json"), GDPR_ENOTFOUND,
                  "cannot open");
    th_assert_err(gdpr_adequacy_load(ts.eng, &th_dpo, NULL), GDPR_EINVAL, "path");
    th_assert_err(gdpr_adequacy_load(ts.eng, &th_dpo, ""), GDPR_EINVAL, "path");
    th_assert_err(gdpr_adequacy_load(ts.eng, NULL, "x"), GDPR_EINVAL, "who");
    th_assert_err(gdpr_adequacy_load(NULL, &th_dpo, "x"), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_adequacy_reset(NULL, &th_dpo), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_adequacy_reset(ts.eng, NULL), GDPR_EINVAL, "who");
    /* Nothing changed: the old list still answers. */
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "c", "cloudco-us", day("2026-03-01"), &d));
    ck_assert_int_eq(d.mechanism, GDPR_TRANSFER_ADEQUACY);
}
END_TEST

/* Another engine (another process) changes safeguards: this engine's
 * check answers from its cache, its record rereads the store first. */
START_TEST(record_sees_changes_of_another_engine)
{
    gdpr_engine *other = NULL;
    gdpr_safeguard sg = GDPR_SAFEGUARD_INIT;
    gdpr_transfer_request req = GDPR_TRANSFER_REQUEST_INIT;
    gdpr_transfer_result res = GDPR_TRANSFER_RESULT_INIT;
    gdpr_transfer_decision d;

    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "c", "in-none", day("2026-03-01"), &d));
    ck_assert_int_eq(d.allowed, 0);
    th_ok(th_open(&ts, &other));
    sg.recipient = "in-none";
    sg.type = GDPR_TRANSFER_BCR;
    sg.reference = "BCR of the group";
    sg.valid_from = day("2026-01-01");
    th_ok(gdpr_safeguard_add(other, &th_dpo, &sg, NULL));
    gdpr_close(other);
    req.subject = "c";
    req.recipient = "in-none";
    req.at = day("2026-03-01");
    th_ok(gdpr_transfer_record(ts.eng, &th_agent, &req, &res));
    ck_assert_int_eq(res.mechanism, GDPR_TRANSFER_BCR);
    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "c", "in-none", day("2026-03-01"), &d));
    ck_assert_int_eq(d.mechanism, GDPR_TRANSFER_BCR);
}
END_TEST

/* A reloaded policy (new recipients, dropped safeguards) is seen at once. */
START_TEST(policy_reload_rebuilds_the_cache)
{
    gdpr_transfer_decision d;
    char *policy;

    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "c", "support-in", day("2026-03-01"), &d));
    ck_assert_int_eq(d.mechanism, GDPR_TRANSFER_SCC);
    th_assert_err(gdpr_transfer_check(ts.eng, &th_agent, "c", "new-one", day("2026-03-01"), &d),
                  GDPR_EINVAL, "'new-one' is not a recipient");
    policy = policy_with("{ \"id\": \"new-one\", \"name\": \"N\", \"country\": \"NZ\","
                         " \"kind\": \"processor\" },");
    th_ok(gdpr_policy_load_string(ts.eng, &th_dpo, policy));
    free(policy);
    th_ok(gdpr_transfer_check(ts.eng, &th_agent, "c", "new-one", day("2026-03-01"), &d));
    ck_assert_int_eq(d.mechanism, GDPR_TRANSFER_ADEQUACY);
}
END_TEST

/* Every *_name function: "unknown" (never NULL) for a value out of range. */
START_TEST(mechanism_name_unknown)
{
    ck_assert_str_eq(gdpr_transfer_mechanism_name(-1), "unknown");
    ck_assert_str_eq(gdpr_transfer_mechanism_name(GDPR_TRANSFER_DEROGATION_OTHER + 1), "unknown");
    ck_assert_str_eq(gdpr_transfer_mechanism_name(INT_MAX), "unknown");
}
END_TEST

static Suite *
transfer_suite(void)
{
    Suite *s = suite_create("transfer");
    TCase *tc = tcase_create("decisions");
    TCase *tl = tcase_create("log");
    TCase *tg = tcase_create("safeguards");
    TCase *ta = tcase_create("adequacy");
    TCase *te = tcase_create("errors");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, decision_table);
    tcase_add_test(tc, purpose_names_the_categories);
    tcase_add_test(tc, explicit_consent_present_and_withdrawn);
    tcase_add_test(tc, policy_reload_rebuilds_the_cache);
    tcase_add_test(tc, reasons_are_valid_utf8);
    suite_add_tcase(s, tc);
    tcase_add_checked_fixture(tl, setup, teardown);
    tcase_add_test(tl, record_logs_every_decision);
    tcase_add_test(tl, record_inside_a_batch_rolls_back);
    tcase_add_test(tl, record_sees_changes_of_another_engine);
    suite_add_tcase(s, tl);
    tcase_add_checked_fixture(tg, setup, teardown);
    tcase_add_test(tg, safeguards_added_and_revoked);
    tcase_add_test(tg, safeguard_bad_input);
    tcase_add_test(tg, answers_kept_per_day_stay_right);
    suite_add_tcase(s, tg);
    tcase_add_checked_fixture(ta, setup, teardown);
    tcase_add_test(ta, shipped_list);
    tcase_add_test(ta, builtin_matches_the_data_file);
    tcase_add_test(ta, load_replaces_the_list);
    tcase_add_test(ta, load_refuses_a_wrong_shape_whole);
    tcase_add_test(ta, country_codes_are_not_normalised);
    suite_add_tcase(s, ta);
    tcase_add_checked_fixture(te, setup, teardown);
    tcase_add_test(te, check_bad_input);
    tcase_add_test(te, no_policy_no_check);
    tcase_add_test(te, mechanism_names);
    suite_add_tcase(s, te);
    {
        TCase *names = tcase_create("names");

        tcase_add_test(names, mechanism_name_unknown);
        suite_add_tcase(s, names);
    }
    return s;
}

int
main(void)
{
    return th_run(transfer_suite());
}
