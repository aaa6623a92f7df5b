/*
 * crm-demo step of the transfer checks: the CRM wants to send customer
 * data to a US analytics processor without DPF certification and to one
 * with it, and support tickets to a processor in India under SCCs; health
 * data is held back; an explicit consent opens an occasional transfer,
 * which only the DPO may approve; the log shows every decision.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>

#include "demo.h"

static int
show(const char *verb, const char *customer, const gdpr_transfer_result *res,
     const gdpr_transfer_request *req)
{
    demo_say("%s %s -> %s (%s): %s, %s", verb, customer, req->recipient, res->country,
             res->allowed ? "ALLOWED" : "REFUSED", gdpr_transfer_mechanism_name(res->mechanism));
    demo_say("    %s", res->reason);
    if (res->event)
        demo_say("    logged as transfer %lld", (long long)res->event);
    return 0;
}

static gdpr_transfer_request
request_of(const demo *d, const char *customer, const char *recipient, const char *purpose)
{
    gdpr_transfer_request req = GDPR_TRANSFER_REQUEST_INIT;

    req.subject = customer;
    req.recipient = recipient;
    req.purpose = purpose;
    req.at = d->now;
    return req;
}

static int
check(demo *d, const char *customer, const char *recipient, const char *purpose)
{
    gdpr_transfer_request req = request_of(d, customer, recipient, purpose);
    gdpr_transfer_result res = GDPR_TRANSFER_RESULT_INIT;

    DEMO_CHECK("gdpr_transfer_check_v2", gdpr_transfer_check_v2(d->eng, &d->agent, &req, &res));
    return show("check ", customer, &res, &req);
}

static int
record(demo *d, const gdpr_actor *who, const char *customer, const char *recipient,
       const char *purpose)
{
    gdpr_transfer_request req = request_of(d, customer, recipient, purpose);
    gdpr_transfer_result res = GDPR_TRANSFER_RESULT_INIT;

    DEMO_CHECK("gdpr_transfer_record", gdpr_transfer_record(d->eng, who, &req, &res));
    return show("record", customer, &res, &req);
}

static int
log_line(const gdpr_transfer_entry *e, void *ctx)
{
    (void)ctx;
    demo_say("  #%lld %-15s %-8s %s", (long long)e->id, e->recipient,
             e->allowed ? "allowed" : "REFUSED", gdpr_transfer_mechanism_name(e->mechanism));
    return 0;
}

int
demo_step_transfers(demo *d)
{
    gdpr_consent c = GDPR_CONSENT_INIT;
    gdpr_transfer_request req = GDPR_TRANSFER_REQUEST_INIT;
    gdpr_transfer_result res = GDPR_TRANSFER_RESULT_INIT;
    int rc;

    d->now += 3600;
    /* Usage analytics to two US processors: only the DPF-certified one
     * is covered by the adequacy decision. */
    if (check(d, "CUST-1001", "acme-analytics", "service") != 0 ||
        check(d, "CUST-1001", "cloudco-us", "service") != 0 ||
        record(d, &d->agent, "CUST-1001", "cloudco-us", "service") != 0)
        return 1;
    /* Support tickets to India: no adequacy decision, SCCs signed. */
    if (record(d, &d->agent, "CUST-1001", "support-in", "service") != 0)
        return 1;
    /* Health data for accessibility support: SCCs cover it; the US
     * processor without DPF or SCCs may never get it, consent or not. */
    if (check(d, "CUST-1003", "support-in", "accessibility") != 0 ||
        check(d, "CUST-1003", "acme-analytics", "accessibility") != 0)
        return 1;
    /* CUST-1002 agrees on the phone, after hearing the risks, to have
     * their data sent to acme-analytics once (Art. 49(1)(a)). */
    c.subject = "CUST-1002";
    c.purpose = "service";
    c.notice = "transfer-risks-v1"; /* the notice of the risks (policy: transfer_risks) */
    c.channel = "phone";
    c.recipient = "acme-analytics";
    c.country = "US"; /* the consent is to this transfer: recipient and country */
    c.flags = GDPR_CONSENT_EXPLICIT | GDPR_CONSENT_TRANSFER;
    DEMO_CHECK("gdpr_consent_record", gdpr_consent_record(d->eng, &d->agent, &c, NULL));
    demo_say("CUST-1002 gave explicit consent to a transfer to acme-analytics");
    d->now += 60;
    req.subject = "CUST-1002";
    req.recipient = "acme-analytics";
    req.purpose = "service";
    req.at = d->now;
    rc = gdpr_transfer_record(d->eng, &d->agent, &req, &res);
    if (rc != GDPR_EDENIED)
        return demo_fail("an agent recording an Art. 49 transfer should be refused", rc);
    demo_say("the agent may not approve it: %s", gdpr_errmsg());
    if (record(d, &d->dpo, "CUST-1002", "acme-analytics", "service") != 0)
        return 1;
    /* What the customer's access request will show (Art. 15(2)). */
    demo_say("transfer log of CUST-1001:");
    DEMO_CHECK("gdpr_transfer_log", gdpr_transfer_log(d->eng, "CUST-1001", log_line, NULL));
    return 0;
}
