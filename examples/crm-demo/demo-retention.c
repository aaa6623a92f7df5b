/*
 * crm-demo step of retention: records with rules from the policy, anchor
 * events (activity, contract end, a position closed), two years on the
 * nightly sweep erases, anonymises and opens a review, and the DPO decides.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "demo.h"

#define DAY INT64_C(86400)

static void
say_time(const char *what, int64_t t)
{
    char buf[32];
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    demo_say("%s %s", what, buf);
}

static int
put(demo *d, const char *subject, const char *category, const char *purpose, const char *field,
    const char *value, int64_t *id_out)
{
    gdpr_vault_item it = GDPR_VAULT_ITEM_INIT;

    it.subject = subject;
    it.category = category;
    it.purpose = purpose;
    it.field = field;
    it.value = value;
    it.len = strlen(value);
    return gdpr_vault_put_item(d->eng, &d->agent, &it, id_out);
}

static int
show_due(const gdpr_retention_item *item, void *ctx)
{
    (void)ctx;
    demo_say("  due: record %lld (%s/%s) under %s -> %s%s", (long long)item->record, item->category,
             item->purpose, item->rule, gdpr_retention_action_name(item->action),
             item->held ? " [legal hold]" : "");
    return 0;
}

static int
show_aggregate(const gdpr_retention_aggregate *a, void *ctx)
{
    (void)ctx;
    demo_say("  kept aggregate: %s %s/%s field '%s' value '%s' (%d): %lld record(s)", a->rule,
             a->category, a->purpose, a->field, a->value, a->month, (long long)a->count);
    return 0;
}

static int
first_open_review(const gdpr_review *r, void *ctx)
{
    int64_t *task = ctx;
    if (*task == 0)
        *task = r->id;
    return 0;
}

int
demo_step_retention(demo *d)
{
    gdpr_retention_options dry = GDPR_RETENTION_OPTIONS_INIT;
    gdpr_review_decision keep = GDPR_REVIEW_DECISION_INIT;
    gdpr_retention_report rep;
    gdpr_retention_info in;
    int64_t invoice = 0, cv = 0, task = 0;

    /* Marketing contacts: two years after the last activity. */
    DEMO_CHECK("vault put",
               put(d, "LEAD-2001", "contact", "marketing", "email", "lead.2001@example.net", NULL));
    DEMO_CHECK("vault put",
               put(d, "LEAD-2002", "contact", "marketing", "email", "lead.2002@example.net", NULL));
    /* Usage notes: anonymised after 18 months of inactivity, keeping the
     * country and product counts. */
    DEMO_CHECK("vault put", put(d, "CUST-1003", "usage", "service", "country", "IE", NULL));
    DEMO_CHECK("vault put", put(d, "CUST-1003", "usage", "service", "product", "CRM Pro", NULL));
    DEMO_CHECK("vault put",
               put(d, "CUST-1003", "usage", "service", "notes", "prefers calls after 6pm", NULL));
    /* Invoices: six years after the contract ends, a legal duty. */
    DEMO_CHECK("vault put", put(d, "CUST-1003", "financial", "billing", "invoice",
                                "INV-2026-0042 119.00 EUR", &invoice));
    DEMO_CHECK("gdpr_contract_end", gdpr_contract_end(d->eng, &d->agent, "CUST-1003", d->now));
    /* A CV: reviewed six months after the position closes. */
    DEMO_CHECK("vault put", put(d, "APPL-7", "cv", "recruitment", "cv",
                                "CV: 8 years of support engineering", &cv));
    DEMO_CHECK("position closed",
               gdpr_retention_anchor_set(d->eng, &d->agent, "APPL-7", GDPR_ANCHOR_CONTRACT_END,
                                         "recruitment", d->now));
    memset(&in, 0, sizeof in);
    in.version = GDPR_RETENTION_INFO_VERSION;
    DEMO_CHECK("gdpr_retention_record", gdpr_retention_record(d->eng, invoice, &in));
    say_time("invoice kept under R-1 (legal duty) until", in.due);
    DEMO_CHECK("gdpr_retention_record", gdpr_retention_record(d->eng, cv, &in));
    say_time("CV under R-3 comes up for review on", in.due);

    /* A year on, LEAD-2002 opens a newsletter: activity moves its due time. */
    d->now += 365 * DAY;
    DEMO_CHECK("gdpr_subject_touch", gdpr_subject_touch(d->eng, &d->agent, "LEAD-2002", GDPR_NOW));
    demo_say("a year later LEAD-2002 clicks a newsletter link: last activity recorded");

    /* Two years after the start: the nightly job. */
    d->now += 365 * DAY;
    say_time("the clock moves to", d->now);
    DEMO_CHECK("gdpr_retention_due", gdpr_retention_due(d->eng, d->now, show_due, NULL));
    dry.dry_run = 1;
    DEMO_CHECK("dry run", gdpr_retention_run_ex(d->eng, &d->system, d->now, &dry, &rep));
    demo_say("dry run (nothing changes): would erase %lld, anonymise %lld, open %lld review(s)",
             (long long)rep.erased, (long long)rep.anonymised, (long long)rep.reviews_opened);
    DEMO_CHECK("gdpr_retention_run", gdpr_retention_run(d->eng, &d->system, d->now, &rep));
    demo_say("nightly sweep: examined %lld, erased %lld, anonymised %lld, reviews opened %lld, "
             "held %lld",
             (long long)rep.examined, (long long)rep.erased, (long long)rep.anonymised,
             (long long)rep.reviews_opened, (long long)rep.held);
    DEMO_CHECK("gdpr_retention_aggregates",
               gdpr_retention_aggregates(d->eng, show_aggregate, NULL));

    /* The DPO reviews the CV and keeps it three more months. */
    DEMO_CHECK("gdpr_review_list",
               gdpr_review_list(d->eng, GDPR_REVIEW_OPEN, first_open_review, &task));
    if (task != 0) {
        keep.verdict = GDPR_REVIEW_KEEP;
        keep.keep_until = d->now + 90 * DAY;
        keep.justification = "shortlisted for the autumn opening; applicant asked to stay";
        DEMO_CHECK("gdpr_review_decide", gdpr_review_decide(d->eng, &d->dpo, task, &keep));
        DEMO_CHECK("gdpr_retention_record", gdpr_retention_record(d->eng, cv, &in));
        say_time("DPO keeps the CV (justification sealed); next review on", in.due);
    }
    return 0;
}
