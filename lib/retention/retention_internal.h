/*
 * Internal to the retention capability (lib/retention.c, lib/review.c):
 * a subject's anchor events, the schedule of a record under a policy, and
 * the checks both files share.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_RETENTION_INTERNAL_H
#define GDPR_RETENTION_INTERNAL_H

#include "engine.h"
#include "gdpr/retention.h"

/* The anchor events of one subject, loaded once for all its records. */
typedef struct {
    int kind;                         /* policy_anchor */
    char purpose[GDPR_NAME_MAX + 1];  /* "": every purpose */
    int64_t at;
} retention_anchor_row;

typedef struct {
    retention_anchor_row *rows;
    size_t n, cap;
} retention_anchors;

int retention_anchors_load(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
                           retention_anchors *a);
void retention_anchors_free(retention_anchors *a);

/* A record's schedule under a policy: its rule (NULL: none), the anchor
 * time the period runs from, and the due time (a keep decision is a floor). */
typedef struct {
    const policy_retention *rule;
    int has_anchor;
    int64_t anchor;
    int has_due;
    int64_t due;
} retention_schedule;

void retention_compute(const policy_model *p, const retention_anchors *a, const char *purpose,
                       const char *category, int64_t collected, int has_keep, int64_t keep_until,
                       retention_schedule *out);

/* Recompute a stored record's schedule under `p` and write it when it
 * changed. A record with an open review keeps no due time until the review
 * is decided. *changed_out (may be NULL) says whether it was written. */
int retention_reschedule(gdpr_engine *eng, const policy_model *p, const store_retention_row *row,
                         const retention_anchors *a, int *changed_out);

/* Whether a legal hold in force at `at` covers the record. */
int retention_held(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES], int64_t record,
                   const char *category, int64_t at, int64_t *hold_out);

/* 0 <= t <= 9999-12-31T23:59:59Z, else GDPR_EINVAL naming `field`. */
int retention_check_time(const char *field, int64_t t);

/* "YYYY-MM-DDTHH:MM:SSZ" (or the number when out of range). */
void retention_format_time(int64_t t, char buf[32]);

/* Check a record id argument (> 0). */
int retention_check_record(const char *field, int64_t id);

/* Test hook: fail the N-th sweep batch from now just before its commit,
 * counting down to 0 (0: never). Set only by tests/test-retention.c. */
extern long retention_fail_batch_at;

#endif
