/*
 * crm-demo: opens a store in a local file with the example policy and
 * walks what a CRM does with libgdpr, printing each step.
 *
 *   crm-demo [DIR]     DIR holds the store (default: ./crm-demo-data)
 * SPDX-License-Identifier: MIT
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "demo.h"

#ifndef DEMO_SOURCE_ROOT
#define DEMO_SOURCE_ROOT "."
#endif

typedef struct {
    const char *title;
    int (*run)(demo *d);
} demo_step;

static const demo_step steps[] = {
    {"Customers arrive", demo_step_customers},
    {"Consent on the phone and the web", demo_step_consent},
    {"The vault, a phone lookup and an access request", demo_step_vault},
    {"A request by phone, escalation and KPIs", demo_step_requests},
    {"Data leaves the EEA: transfer checks", demo_step_transfers},
    {"Two years on: the nightly retention sweep and a review", demo_step_retention},
    {"A customer asks to be forgotten, then calls again", demo_step_erasure},
    {"The audit trail proves it", demo_step_audit},
};

int
demo_fail(const char *what, int rc)
{
    fprintf(stderr, "crm-demo: %s failed: %s\n  %s\n", what, gdpr_strerror(rc), gdpr_errmsg());
    return 1;
}

void
demo_say(const char *fmt, ...)
{
    va_list ap;

    printf("  ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

static int64_t
demo_clock(void *ctx)
{
    return ((demo *)ctx)->now;
}

/* The demo keeps its master key in a file beside the store. A real CRM
 * gets it from its key-management service and never writes it to disk
 * next to the data. */
static int
load_or_make_key(const char *path, unsigned char key[32])
{
    FILE *f = fopen(path, "rb");

    if (f != NULL) {
        size_t n = fread(key, 1, 32, f);
        fclose(f);
        return n == 32 ? 0 : -1;
    }
    f = fopen("/dev/urandom", "rb");
    if (f == NULL || fread(key, 1, 32, f) != 32) {
        if (f)
            fclose(f);
        return -1;
    }
    fclose(f);
    f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    chmod(path, 0600);
    if (fwrite(key, 1, 32, f) != 32) {
        fclose(f);
        return -1;
    }
    return fclose(f) == 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "crm-demo-data";
    char db[512], keyfile[512], policy[512];
    unsigned char key[32];
    gdpr_options opts = GDPR_OPTIONS_INIT;
    demo d;
    int rc;

    memset(&d, 0, sizeof d);
    d.now = 1767225600; /* 2026-01-01T00:00:00Z: the demo's own calendar */
    d.data_dir = DEMO_SOURCE_ROOT;
    d.agent = (gdpr_actor){"agent-anna", "agent"};
    d.supervisor = (gdpr_actor){"sup-bruno", "supervisor"};
    d.dpo = (gdpr_actor){"dpo-chiara", "dpo"};
    d.system = (gdpr_actor){"nightly-job", "system"};
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "crm-demo: cannot create %s: %s\n", dir, strerror(errno));
        return 1;
    }
    snprintf(db, sizeof db, "%s/crm.db", dir);
    snprintf(keyfile, sizeof keyfile, "%s/master.key", dir);
    snprintf(policy, sizeof policy, "%s/examples/policy.json", DEMO_SOURCE_ROOT);
    /* Each run starts from a fresh store so the story reads the same. */
    unlink(db);
    {
        char side[600];
        static const char *const suffixes[] = {"-wal", "-shm", "-keys", "-keys-wal", "-keys-shm"};
        for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
            snprintf(side, sizeof side, "%s%s", db, suffixes[i]);
            unlink(side);
        }
    }
    if (load_or_make_key(keyfile, key) != 0) {
        fprintf(stderr, "crm-demo: cannot read or create the key file %s\n", keyfile);
        return 1;
    }
    printf("libgdpr %s crm-demo: store %s (keys in %s-keys)\n\n", gdpr_version(), db, db);
    opts.path = db;
    opts.key = key;
    opts.key_len = sizeof key;
    opts.clock = demo_clock;
    opts.clock_ctx = &d;
    rc = gdpr_open(&d.eng, &opts);
    if (rc != GDPR_OK)
        return demo_fail("gdpr_open", rc);
    printf("== The DPO loads the policy\n");
    rc = gdpr_policy_load(d.eng, &d.dpo, policy);
    if (rc != GDPR_OK) {
        gdpr_close(d.eng);
        return demo_fail("gdpr_policy_load", rc);
    }
    demo_say("loaded %s", policy);
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        printf("\n== %s\n", steps[i].title);
        if (steps[i].run(&d) != 0) {
            gdpr_close(d.eng);
            return 1;
        }
    }
    gdpr_close(d.eng);
    printf("\ndone.\n");
    return 0;
}
