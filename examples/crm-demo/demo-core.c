/*
 * crm-demo steps of the foundation: customers, audit.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>

#include "demo.h"

int
demo_step_customers(demo *d)
{
    static const char *const customers[] = {"CUST-1001", "CUST-1002", "CUST-1003"};
    char *hash = NULL;
    int created = 0;

    for (size_t i = 0; i < sizeof customers / sizeof customers[0]; i++) {
        DEMO_CHECK("gdpr_subject_ensure",
                   gdpr_subject_ensure(d->eng, &d->agent, customers[i], &created));
        demo_say("%s: %s (the store keeps only a keyed hash and ciphertext of the id)",
                 customers[i], created ? "new subject" : "known subject");
    }
    DEMO_CHECK("gdpr_subject_hash", gdpr_subject_hash(d->eng, customers[0], &hash));
    demo_say("audit trail names %s as %.16s...", customers[0], hash);
    gdpr_free(hash);
    return 0;
}

int
demo_step_audit(demo *d)
{
    unsigned char head[GDPR_AUDIT_HEAD_BYTES];
    int64_t events = 0, count = 0;

    DEMO_CHECK("gdpr_audit_verify", gdpr_audit_verify(d->eng, &events));
    DEMO_CHECK("gdpr_audit_head", gdpr_audit_head(d->eng, &count, head));
    demo_say("%lld audit events, chain intact", (long long)events);
    demo_say("head to keep elsewhere: %lld:%02x%02x%02x%02x...", (long long)count, head[0], head[1],
             head[2], head[3]);
    return 0;
}
