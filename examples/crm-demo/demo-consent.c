/*
 * crm-demo step of the consent ledger: an agent records consent given on
 * the phone, the web shop records one from a form, a customer withdraws,
 * and the check the CRM makes before a mailing flips.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>

#include "demo.h"

static int
show_check(demo *d, const char *customer, const char *purpose)
{
    gdpr_why why;
    int allowed = 0;

    DEMO_CHECK("gdpr_may_process",
               gdpr_may_process(d->eng, customer, purpose, d->now, &allowed, &why));
    demo_say("may we use %s's data for %s? %s (%s: %s)", customer, purpose, allowed ? "yes" : "NO",
             gdpr_why_name(why.code), why.text);
    return 0;
}

int
demo_step_consent(demo *d)
{
    gdpr_consent phone = GDPR_CONSENT_INIT;
    gdpr_consent web = GDPR_CONSENT_INIT;
    gdpr_consent health = GDPR_CONSENT_INIT;
    int64_t ev_phone = 0, ev_web = 0, ev_withdraw = 0;
    char *receipt = NULL;
    int rc;

    /* On the phone: the agent read the marketing notice and the caller
     * said yes; the call recording is the proof (sealed, never plain). */
    phone.subject = "CUST-1001";
    phone.purpose = "marketing";
    phone.notice = "marketing-v2";
    phone.channel = "phone";
    phone.proof = "call 2026-01-01 09:14, recording REC-88231";
    DEMO_CHECK("gdpr_consent_record", gdpr_consent_record(d->eng, &d->agent, &phone, &ev_phone));
    demo_say("phone: CUST-1001 agreed to marketing (event %lld, proof sealed)",
             (long long)ev_phone);

    /* On the web: the sign-up form's tick box, valid for a year. */
    d->now += 600;
    web.subject = "CUST-1002";
    web.purpose = "marketing";
    web.notice = "marketing-v2";
    web.channel = "web";
    web.expires = d->now + 365 * 86400;
    web.proof = "form submission F-20260101-0017 from the sign-up page";
    DEMO_CHECK("gdpr_consent_record", gdpr_consent_record(d->eng, &d->agent, &web, &ev_web));
    demo_say("web: CUST-1002 ticked the marketing box (event %lld, expires in a year)",
             (long long)ev_web);

    /* Health data needs explicit consent: a plain yes is refused. */
    health.subject = "CUST-1003";
    health.purpose = "accessibility";
    health.notice = "privacy-v3";
    health.channel = "phone";
    rc = gdpr_consent_record(d->eng, &d->agent, &health, NULL);
    demo_say("accessibility without explicit consent: %s", gdpr_strerror(rc));
    if (rc != GDPR_EINVAL)
        return demo_fail("explicit-consent rule", rc);
    health.flags = GDPR_CONSENT_EXPLICIT;
    DEMO_CHECK("gdpr_consent_record", gdpr_consent_record(d->eng, &d->agent, &health, NULL));
    demo_say("with explicit consent it is recorded");

    if (show_check(d, "CUST-1001", "marketing") || show_check(d, "CUST-1002", "marketing"))
        return 1;

    /* A week later CUST-1002 clicks "unsubscribe": one call. */
    d->now += 7 * 86400;
    DEMO_CHECK("gdpr_consent_withdraw",
               gdpr_consent_withdraw(d->eng, &d->agent, "CUST-1002", "marketing", NULL, "web",
                                     &ev_withdraw));
    demo_say("CUST-1002 withdrew on the web (event %lld)", (long long)ev_withdraw);
    if (show_check(d, "CUST-1002", "marketing") || show_check(d, "CUST-1002", "billing"))
        return 1;

    DEMO_CHECK("gdpr_consent_receipt", gdpr_consent_receipt(d->eng, ev_phone, &receipt));
    demo_say("receipt for CUST-1001 (event %lld), %zu bytes of JSON:", (long long)ev_phone,
             strlen(receipt));
    printf("    %.180s...\n", receipt);
    gdpr_free(receipt);
    return 0;
}
