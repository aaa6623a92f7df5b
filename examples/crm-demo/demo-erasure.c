/*
 * crm-demo step of erasure: a customer asks to be forgotten. The DPO
 * erases them; the invoice the law makes us keep stays (restricted); the
 * CRM's ticket system is told through its erase hook (it is down the first
 * time, so the hook stays pending and is retried); the recipients who got
 * the data are listed for the Art. 19 notice. A week later the customer
 * calls again: the agent finds nobody, and the tombstone says why.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>

#include "demo.h"

#define CUSTOMER "CUST-1004"
#define PHONE "+353 1 555 0104"

/* The CRM's own ticket table for this customer, outside libgdpr. */
typedef struct {
    int tickets; /* tickets the CRM still holds on the customer */
    int down;    /* the ticket system is unreachable this many times */
} ticket_system;

static int
tickets_export(const char *subject, gdpr_source_writer *w, void *ctx)
{
    ticket_system *t = ctx;

    if (strcmp(subject, CUSTOMER) != 0 || t->tickets == 0)
        return 0;
    return gdpr_source_write(w, "usage", "ticket.subject", "Router keeps dropping", 21) == GDPR_OK
               ? 0
               : 1;
}

static int
tickets_erase(const char *subject, void *ctx)
{
    ticket_system *t = ctx;

    if (t->down > 0) {
        t->down--;
        return 503; /* the host's own error code: kept with the pending item */
    }
    if (strcmp(subject, CUSTOMER) == 0)
        t->tickets = 0;
    return 0;
}

static int
show_recipient(const gdpr_erase_recipient *r, void *ctx)
{
    (void)ctx;
    demo_say("  tell %s (%s): it received the data %lld time(s) (Art. 19)", r->recipient, r->name,
             (long long)r->disclosures);
    return 0;
}

static int
show_pending(const gdpr_erase_pending *p, void *ctx)
{
    (void)ctx;
    if (p->kind == GDPR_PENDING_SOURCE)
        demo_say("  pending: source '%s', %d attempt(s), last error: %s", p->source, p->attempts,
                 p->last_error);
    return 0;
}

static int
new_customer(demo *d)
{
    gdpr_consent c = GDPR_CONSENT_INIT;

    DEMO_CHECK("vault put", gdpr_vault_put(d->eng, &d->agent, CUSTOMER, "contact", "service",
                                           "Dana Byrne, 4 Quay St, Galway", 29, NULL));
    DEMO_CHECK("vault put", gdpr_vault_put(d->eng, &d->agent, CUSTOMER, "financial", "billing",
                                           "invoice 2026-0412: 59.00 EUR", 28, NULL));
    DEMO_CHECK("gdpr_subject_link", gdpr_subject_link(d->eng, &d->agent, CUSTOMER, "phone", PHONE));
    c.subject = CUSTOMER;
    c.purpose = "marketing";
    c.notice = "marketing-v2";
    c.channel = "phone";
    c.recipient = "mailer-eu";
    c.proof = "call recording 2026-0412-17";
    DEMO_CHECK("gdpr_consent_record", gdpr_consent_record(d->eng, &d->agent, &c, NULL));
    DEMO_CHECK("gdpr_disclosure_record",
               gdpr_disclosure_record(d->eng, &d->agent, CUSTOMER, "mailer-eu", "marketing", NULL));
    demo_say("%s: address, an invoice, a phone number, marketing consent, one mailing "
             "through mailer-eu",
             CUSTOMER);
    return 0;
}

int
demo_step_erasure(demo *d)
{
    static ticket_system tickets = {1, 1};
    gdpr_source src = GDPR_SOURCE_INIT;
    gdpr_erase_report r;
    gdpr_tombstone t;
    char *found = NULL;
    int remaining = -1, rc;

    if (new_customer(d) != 0)
        return 1;
    src.name = "crm.tickets";
    src.description = "Support tickets in the CRM's own database";
    src.export_items = tickets_export;
    src.erase = tickets_erase;
    src.ctx = &tickets;
    DEMO_CHECK("gdpr_source_register", gdpr_source_register(d->eng, &d->dpo, &src));

    d->now += 3 * 86400;
    demo_say("%s calls: \"delete everything you have on me\"; the DPO erases", CUSTOMER);
    rc = gdpr_erase_subject(d->eng, &d->dpo, CUSTOMER, "Art. 17(1)(a) request by phone", &r);
    if (rc != GDPR_OK && rc != GDPR_EBUSY)
        return demo_fail("gdpr_erase_subject", rc);
    demo_say("erased %lld rows, kept %lld (the invoice: Irish tax law, retention rule R-1), "
             "%d host system(s) still to erase",
             (long long)r.erased, (long long)r.retained, r.sources_failed);
    memset(&t, 0, sizeof t);
    t.version = GDPR_TOMBSTONE_VERSION;
    DEMO_CHECK("gdpr_tombstone_lookup", gdpr_tombstone_lookup(d->eng, CUSTOMER, &t));
    DEMO_CHECK("gdpr_erase_recipients_foreach",
               gdpr_erase_recipients_foreach(d->eng, t.id, show_recipient, NULL));
    DEMO_CHECK("gdpr_erase_pending_foreach",
               gdpr_erase_pending_foreach(d->eng, show_pending, NULL));

    d->now += 86400;
    DEMO_CHECK("gdpr_erase_retry_pending",
               gdpr_erase_retry_pending(d->eng, &d->system, &remaining));
    demo_say("next night the ticket system is back: retried, %d hook(s) still failing, "
             "%d ticket(s) left in the CRM",
             remaining, tickets.tickets);

    d->now += 7 * 86400;
    rc = gdpr_subject_find_id(d->eng, "phone", PHONE, &found);
    demo_say("a week later the same caller: phone lookup says %s",
             rc == GDPR_ENOTFOUND ? "nobody" : gdpr_strerror(rc));
    gdpr_free(found);
    DEMO_CHECK("gdpr_tombstone_lookup", gdpr_tombstone_lookup(d->eng, CUSTOMER, &t));
    demo_say("the agent reads out: \"%s\"", t.answer);
    demo_say("(the tombstone holds a keyed hash of %s, no personal data)", CUSTOMER);
    return 0;
}
