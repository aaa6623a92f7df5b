/*
 * crm-demo: a small CRM's integration with libgdpr, told as a sequence of
 * steps. Each capability adds its step in demo-<capability>.c and one line
 * to the table in main.c.
 * SPDX-License-Identifier: MIT
 */
#ifndef CRM_DEMO_H
#define CRM_DEMO_H

#include <stdint.h>

#include <gdpr.h>

typedef struct {
    gdpr_engine *eng;
    int64_t now;          /* the demo's clock: steps move it forward */
    const char *data_dir; /* where examples/policy.json etc. live */
    gdpr_actor agent;     /* call-centre agent */
    gdpr_actor supervisor;
    gdpr_actor dpo;
    gdpr_actor system; /* nightly jobs */
} demo;

/* Print the failure and return 1 (steps return 0 on success). */
int demo_fail(const char *what, int rc);
/* Check a call: on failure print and return from the step. */
#define DEMO_CHECK(what, call)                                                                     \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        if (rc_ != GDPR_OK)                                                                        \
            return demo_fail((what), rc_);                                                         \
    } while (0)

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 1, 2)))
#endif
void
demo_say(const char *fmt, ...);

int demo_step_customers(demo *d);
int demo_step_audit(demo *d);
int demo_step_consent(demo *d);
int demo_step_vault(demo *d);
int demo_step_requests(demo *d);
int demo_step_transfers(demo *d);
int demo_step_retention(demo *d);
int demo_step_erasure(demo *d);

#endif
