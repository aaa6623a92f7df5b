/*
 * Stress: three processes, 300 mixed operations each, on one store
 * (docs/decisions/0008-many-engines.md): consent, vault put/get, erasure
 * and re-creation, retention runs, requests (open, verify, fulfil),
 * transfers (record, check), one key rotation half-way through. No error
 * is tolerated, GDPR_EBUSY included: with a 20 s busy timeout nothing
 * should hold a lock that long, and a busy scrub after an erasure is
 * retried within the busy timeout (docs/erasure.md "Checkpoint budget").
 * Afterwards every kept record reads back with its value (no lost writes,
 * nothing unreadable) and the chain verifies.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

#define PROCS 3
#define OPS 300

static th_store ts;

static const unsigned char next_key[32] = {
    0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x00, 0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88,
    0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x0f, 0xed, 0xcb, 0xa9, 0x87, 0x65, 0x43, 0x21,
};

static int
give_next_key(unsigned char key[32], void *ctx)
{
    (void)ctx;
    memcpy(key, next_key, 32);
    return 0;
}

static int
open_engine(const unsigned char *key, gdpr_engine **out)
{
    return th_open_with(&ts, key, give_next_key, 20000, out);
}

/* Any error, GDPR_EBUSY included, is counted by the caller; busy calls
 * are counted apart too, so the log says how often a lock was held past
 * the busy timeout. */
#define RUN(expr)                                                                                  \
    do {                                                                                           \
        rc = (expr);                                                                               \
        if (rc == GDPR_EBUSY)                                                                      \
            busy++;                                                                                \
    } while (0)

static int busy;

/* Records kept to the end: cases 0 and 1 of every eight operations. */
#define KEPT_PER_PROC (OPS / 8 * 2 + (OPS % 8 > 0) + (OPS % 8 > 1))

static int
worker(int p, const char *ids_path)
{
    gdpr_engine *eng = NULL;
    FILE *ids = fopen(ids_path, "w");
    int errors = 0, rekeyed = 0, rc;

    if (ids == NULL || open_engine(th_key, &eng) != GDPR_OK)
        return 100;
    for (int i = 0; i < OPS; i++) {
        char subject[64], value[64];
        int64_t id = 0;
        snprintf(subject, sizeof subject, "p%d-cust-%d", p, i % 10);
        snprintf(value, sizeof value, "p%d value %d", p, i);
        switch (i % 8) {
        case 0:
        case 1: { /* a record kept to the end: in the ids file */
            char keep[64];
            snprintf(keep, sizeof keep, "p%d-keep-%d", p, i % 7);
            RUN(gdpr_vault_put(eng, &th_agent, keep, "contact", "service", value, strlen(value),
                               &id));
            if (rc == GDPR_OK)
                fprintf(ids, "%lld %s\n", (long long)id, value);
            break;
        }
        case 2: {
            gdpr_consent c = GDPR_CONSENT_INIT;
            c.subject = subject;
            c.purpose = "marketing";
            c.notice = "marketing-v2";
            c.channel = "web";
            c.proof = "stress";
            RUN(gdpr_consent_record(eng, &th_agent, &c, NULL));
            break;
        }
        case 3: { /* write and read back at once, another engine may erase later */
            void *v = NULL;
            size_t len = 0;
            RUN(gdpr_vault_put(eng, &th_agent, subject, "contact", "service", value, strlen(value),
                               &id));
            if (rc == GDPR_OK)
                RUN(gdpr_vault_get(eng, &th_agent, id, &v, &len));
            if (rc == GDPR_OK && (len != strlen(value) || memcmp(v, value, len) != 0))
                rc = GDPR_ECORRUPT;
            gdpr_free(v);
            break;
        }
        case 4: {
            gdpr_erase_report r;
            RUN(gdpr_erase_subject(eng, &th_dpo, subject, "Art. 17(1)(a)", &r));
            if (rc == GDPR_ENOTFOUND)
                rc = GDPR_OK;
            break;
        }
        case 6: { /* an access request on a kept subject: open, verify, fulfil */
            gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
            char keep[64];
            snprintf(keep, sizeof keep, "p%d-keep-%d", p, i % 7);
            in.type = GDPR_REQUEST_ACCESS;
            in.subject = keep;
            in.channel = "phone";
            RUN(gdpr_request_open(eng, &th_agent, &in, &id));
            if (rc == GDPR_OK)
                RUN(gdpr_request_verify(eng, &th_agent, id, GDPR_VERIFY_VERIFIED,
                                        GDPR_METHOD_KNOWN_CONTACT, NULL));
            if (rc == GDPR_OK)
                RUN(gdpr_request_fulfil(eng, &th_dpo, id, "paper copy posted"));
            break;
        }
        case 7: { /* a transfer logged, then checked again */
            gdpr_transfer_request req = GDPR_TRANSFER_REQUEST_INIT;
            gdpr_transfer_result res = GDPR_TRANSFER_RESULT_INIT;
            gdpr_transfer_decision d;
            char keep[64];
            snprintf(keep, sizeof keep, "p%d-keep-%d", p, i % 7);
            req.subject = keep;
            req.recipient = "support-in";
            req.at = ts.now;
            req.purpose = "service";
            RUN(gdpr_transfer_record(eng, &th_agent, &req, &res));
            if (rc == GDPR_OK && (!res.allowed || res.event <= 0))
                rc = GDPR_ECORRUPT;
            if (rc == GDPR_OK)
                RUN(gdpr_transfer_check(eng, &th_agent, keep, "support-in", ts.now, &d));
            if (rc == GDPR_OK && !d.allowed)
                rc = GDPR_ECORRUPT;
            break;
        }
        default:
            if (p == 0 && i >= OPS / 2 && !rekeyed) {
                RUN(gdpr_rekey(eng, &th_dpo, next_key, 32, NULL));
                rekeyed = rc == GDPR_OK;
            } else {
                gdpr_retention_report rep;
                RUN(gdpr_retention_run(eng, &th_system, ts.now, &rep));
            }
            break;
        }
        if (rc != GDPR_OK) {
            fprintf(stderr, "process %d op %d: %s (%s)\n", p, i, gdpr_strerror(rc), gdpr_errmsg());
            errors++;
        }
    }
    fclose(ids);
    gdpr_close(eng);
    fprintf(stderr, "process %d: %d ops, %d errors (%d GDPR_EBUSY)\n", p, OPS, errors, busy);
    return errors > 99 ? 99 : errors;
}

START_TEST(three_processes_mixed_operations)
{
    pid_t pids[PROCS];
    char paths[PROCS][400];
    int checked = 0;

    th_setup(&ts);
    gdpr_close(ts.eng);
    ts.eng = NULL;
    fflush(NULL);
    for (int p = 0; p < PROCS; p++) {
        snprintf(paths[p], sizeof paths[p], "%s/ids-%d", ts.dir, p);
        pids[p] = fork();
        ck_assert_int_ge(pids[p], 0);
        if (pids[p] == 0)
            _exit(worker(p, paths[p]));
    }
    for (int p = 0; p < PROCS; p++) {
        int status = 0;
        ck_assert_int_eq(waitpid(pids[p], &status, 0), pids[p]);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                      "process %d: exit %d (errors, see the log)", p, WEXITSTATUS(status));
    }
    th_ok(open_engine(next_key, &ts.eng));
    for (int p = 0; p < PROCS; p++) {
        FILE *f = fopen(paths[p], "r");
        long long id;
        char value[64], line[128];
        ck_assert_ptr_nonnull(f);
        while (fgets(line, sizeof line, f) != NULL) {
            void *v = NULL;
            size_t len = 0;
            ck_assert_int_eq(sscanf(line, "%lld %63[^\n]", &id, value), 2);
            th_ok(gdpr_vault_get(ts.eng, &th_agent, id, &v, &len));
            ck_assert_msg(len == strlen(value) && memcmp(v, value, len) == 0, "record %lld", id);
            gdpr_free(v);
            checked++;
        }
        fclose(f);
    }
    ck_assert_int_eq(checked, PROCS * KEPT_PER_PROC);
    th_ok(gdpr_audit_verify(ts.eng, NULL));
    fprintf(stderr, "stress: %d processes x %d ops, %d kept records read back\n", PROCS, OPS,
            checked);
    th_teardown(&ts);
}
END_TEST

static Suite *
stress_suite(void)
{
    Suite *s = suite_create("stress");
    TCase *tc = tcase_create("processes");

    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, three_processes_mixed_operations);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return th_run(stress_suite());
}
