/*
 * Per-call cost of the hot paths, in one process on one store, for
 * before/after comparisons: gdpr_consent_record (existing and new
 * subjects, batched), gdpr_consent_check (outside, in a read snapshot and
 * inside a batch),
 * gdpr_vault_put (batched), gdpr_vault_get and gdpr_request_open (batched,
 * existing subjects). Each phase prints its wall
 * time per call; under callgrind each phase is collected alone and dumped
 * under its name, so the instruction count per call is the dump's total
 * divided by the calls:
 *
 *   valgrind --tool=callgrind --collect-atstart=no \
 *       --callgrind-out-file=/tmp/cg.%p build-bench/tests/bench/bench-calls
 *   tools/callgrind-per-call /tmp/cg.<pid>*      (or read "totals:" / calls)
 *
 * Store: GDPR_BENCH_SCALE x 20,000 subjects, each with one consent event
 * and one vault record (default scale under valgrind: 0.1, 2,000 subjects).
 * GDPR_BENCH_MEMSTATUS=0 turns SQLite's memory statistics off first
 * (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0)), as a host may.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <valgrind/callgrind.h>

#include "bench.h"
#include "gdpr.h"

#define VALUE_LEN 48

static const unsigned char key[32] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3,
                                      2, 3, 8, 4, 6, 2, 6, 4, 3, 3, 8, 3, 2, 7, 9, 5};
static const gdpr_actor agent = {"bench", "agent"};
static const gdpr_actor dpo = {"bench", "dpo"};

static void
check(int rc, const char *what)
{
    if (rc != GDPR_OK) {
        fprintf(stderr, "%s: %s (%s)\n", what, gdpr_strerror(rc), gdpr_errmsg());
        exit(1);
    }
}

static int64_t
fixed_clock(void *ctx)
{
    (void)ctx;
    return 1767225600;
}

static void
subject_id(long k, char *buf, size_t cap)
{
    snprintf(buf, cap, "customer-%08ld", k);
}

static gdpr_consent
event_for(const char *subject, int state)
{
    gdpr_consent c = GDPR_CONSENT_INIT;

    c.subject = subject;
    c.purpose = "marketing";
    c.notice = "marketing-v2";
    c.channel = "web";
    c.state = (gdpr_consent_state)state;
    return c;
}

static double t_phase;

static void
phase_begin(void)
{
    t_phase = bench_now();
    CALLGRIND_ZERO_STATS;
    CALLGRIND_TOGGLE_COLLECT;
}

static void
phase_end(const char *name, long calls)
{
    double t;

    CALLGRIND_TOGGLE_COLLECT;
    CALLGRIND_DUMP_STATS_AT(name);
    t = bench_now() - t_phase;
    printf("%-44s %8ld calls  %9.3f us/call (wall, incl. begin/commit if batched)\n", name, calls,
           t / (double)calls * 1e6);
}

int
main(void)
{
    double scale = getenv("GDPR_BENCH_SCALE") ? bench_scale() : 0.1;
    long subjects = (long)(20000 * scale), n = subjects;
    gdpr_options opts = GDPR_OPTIONS_INIT;
    gdpr_engine *eng = NULL;
    int64_t *records;
    char path[512], id[32], value[VALUE_LEN];
    int granted;

    if (subjects < 100)
        subjects = n = 100;
    /* What SQLite's memory statistics cost (process-wide, the host's
     * choice, never the library's: docs/performance.md). */
    if (getenv("GDPR_BENCH_MEMSTATUS") != NULL && getenv("GDPR_BENCH_MEMSTATUS")[0] == '0' &&
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK) {
        fprintf(stderr, "SQLITE_CONFIG_MEMSTATUS refused\n");
        return 1;
    }
    records = calloc((size_t)n, sizeof *records);
    if (records == NULL)
        return 1;
    memset(value, 'v', sizeof value);
    snprintf(path, sizeof path, "%s/calls.db", bench_tmpdir());
    opts.path = path;
    opts.key = key;
    opts.key_len = sizeof key;
    opts.clock = fixed_clock;
    check(gdpr_open(&eng, &opts), "gdpr_open");
    check(gdpr_policy_load(eng, &dpo, TEST_SOURCE_ROOT "/examples/policy.json"), "policy");
    printf("bench-calls: %ld subjects, one consent event and one vault record each\n", subjects);
    /* The store: every subject with one event and one record. */
    check(gdpr_begin(eng), "begin");
    for (long k = 0; k < subjects; k++) {
        gdpr_consent c;
        subject_id(k, id, sizeof id);
        c = event_for(id, GDPR_CONSENT_GRANTED);
        check(gdpr_consent_record(eng, &agent, &c, NULL), "load record");
        check(gdpr_vault_put(eng, &agent, id, "contact", "service", value, VALUE_LEN, NULL),
              "load put");
    }
    check(gdpr_commit(eng), "commit");

    phase_begin();
    check(gdpr_begin(eng), "begin");
    for (long k = 0; k < n; k++) {
        gdpr_consent c;
        subject_id((k * 7919) % subjects, id, sizeof id);
        c = event_for(id, GDPR_CONSENT_GRANTED);
        check(gdpr_consent_record(eng, &agent, &c, NULL), "record");
    }
    check(gdpr_commit(eng), "commit");
    phase_end("consent_record_existing_batched", n);

    phase_begin();
    check(gdpr_begin(eng), "begin");
    for (long k = 0; k < n; k++) {
        gdpr_consent c;
        subject_id(subjects + k, id, sizeof id);
        c = event_for(id, GDPR_CONSENT_GRANTED);
        check(gdpr_consent_record(eng, &agent, &c, NULL), "record new");
    }
    check(gdpr_commit(eng), "commit");
    phase_end("consent_record_new_batched", n);

    phase_begin();
    for (long k = 0; k < n; k++) {
        subject_id((k * 104729) % subjects, id, sizeof id);
        check(gdpr_consent_check(eng, id, "marketing", 1767225610, &granted), "check");
        if (!granted)
            return 1;
    }
    phase_end("consent_check_outside_batch", n);

    phase_begin();
    check(gdpr_read_begin(eng), "read begin");
    for (long k = 0; k < n; k++) {
        subject_id((k * 104729) % subjects, id, sizeof id);
        check(gdpr_consent_check(eng, id, "marketing", 1767225610, &granted), "check");
        if (!granted)
            return 1;
    }
    check(gdpr_read_end(eng), "read end");
    phase_end("consent_check_in_snapshot", n);

    phase_begin();
    check(gdpr_begin(eng), "begin");
    for (long k = 0; k < n; k++) {
        subject_id((k * 104729) % subjects, id, sizeof id);
        check(gdpr_consent_check(eng, id, "marketing", 1767225610, &granted), "check");
        if (!granted)
            return 1;
    }
    check(gdpr_commit(eng), "commit");
    phase_end("consent_check_inside_batch", n);

    phase_begin();
    check(gdpr_begin(eng), "begin");
    for (long k = 0; k < n; k++) {
        subject_id((k * 7919) % subjects, id, sizeof id);
        check(gdpr_vault_put(eng, &agent, id, "usage", "service", value, VALUE_LEN, &records[k]),
              "put");
    }
    check(gdpr_commit(eng), "commit");
    phase_end("vault_put_batched", n);

    phase_begin();
    for (long k = 0; k < n; k++) {
        void *out = NULL;
        size_t len = 0;
        check(gdpr_vault_get(eng, &agent, records[(k * 104729) % n], &out, &len), "get");
        gdpr_free(out);
    }
    phase_end("vault_get", n);

    /* Requests of existing subjects in random order, six types: a
     * subject's second request of a type is linked as a duplicate, so the
     * lookup of its open requests is measured too. */
    phase_begin();
    check(gdpr_begin(eng), "begin");
    for (long k = 0; k < n; k++) {
        gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
        subject_id((k * 7919) % subjects, id, sizeof id);
        in.subject = id;
        in.type = (gdpr_request_type)(1 + k % 6);
        in.channel = "web";
        check(gdpr_request_open(eng, &agent, &in, NULL), "request open");
    }
    check(gdpr_commit(eng), "commit");
    phase_end("request_open_batched", n);

    gdpr_close(eng);
    free(records);
    bench_cleanup();
    return 0;
}
