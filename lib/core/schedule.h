/*
 * Internal (core): retention schedules of vault records, kept right by
 * every path that stores or touches a record, in the caller's transaction
 * (lib/core/schedule.c). The retention capability sweeps over them.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_SCHEDULE_H
#define GDPR_SCHEDULE_H

#include "engine.h"

/* The anchor events of one subject, loaded once for all its records. */
typedef struct {
    int kind;                        /* policy_anchor */
    char purpose[GDPR_NAME_MAX + 1]; /* "": every purpose */
    int64_t at;
} schedule_anchor_row;

typedef struct {
    schedule_anchor_row *rows;
    size_t n, cap;
} schedule_anchors;

int gdpr_schedule__anchors_load(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
                                schedule_anchors *a);
void gdpr_schedule__anchors_free(schedule_anchors *a);

/* A record's schedule under a policy: its rule (NULL: none), the anchor
 * time the period runs from, and the due time (a keep decision is a floor). */
typedef struct {
    const policy_retention *rule;
    int has_anchor;
    int64_t anchor;
    int has_due;
    int64_t due;
} schedule_plan;

void gdpr_schedule__compute(const policy_model *p, const schedule_anchors *a, const char *purpose,
                            const char *category, int64_t collected, int has_keep,
                            int64_t keep_until, schedule_plan *out);

/* Recompute a stored record's schedule under `p` and write it when it
 * changed. A record with an open review keeps no due time until the review
 * is decided. *changed_out (may be NULL) says whether it was written. */
int gdpr_schedule__reschedule(gdpr_engine *eng, const policy_model *p,
                              const store_retention_row *row, const schedule_anchors *a,
                              int *changed_out);

/* Rows copied out of a statement, so the caller may change the vault
 * afterwards. The row's pointers are set by gdpr_schedule__row_fix() once collection is
 * over (the array may move while it grows). */
typedef struct {
    store_retention_row row;
    uint8_t subject[CRYPTO_HASH_BYTES];
    char category[GDPR_NAME_MAX + 1];
    char purpose[GDPR_NAME_MAX + 1];
    char field[GDPR_NAME_MAX + 1];
    int has_field;
} schedule_row_copy;

typedef struct {
    schedule_row_copy *v;
    size_t n, cap;
} schedule_row_vec;

/* Collect rows (a gdpr_store__retention_scan callback); gdpr_schedule__row_fix() sets a copy's
 * pointers once collection is over. */
int gdpr_schedule__row_push(const store_retention_row *row, void *ctx);
const store_retention_row *gdpr_schedule__row_fix(schedule_row_copy *c);

/* Reschedule, in the caller's transaction or in one per batch of records,
 * every record (all = 1) or those whose rule differs between `old` and `p`. */
int gdpr_schedule__reschedule_all(gdpr_engine *eng, const policy_model *old, const policy_model *p,
                                  int all, int own_transactions, int64_t *changed_out);

/* Fill row->anchor, has_due and due of a record about to be stored, from
 * the rule for (row->purpose, row->category) and the subject's anchors. */
int gdpr_schedule__record(gdpr_engine *eng, store_vault_row *row);
/* Set (at > 0) or clear (at == 0) an anchor event of a subject for one
 * purpose (NULL: every purpose) and recompute the due times it moves.
 * Last activity and request closed only move forward. */
int gdpr_schedule__anchor(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
                          policy_anchor anchor, const char *purpose, int64_t at);
/* A consent event without a recipient: a withdrawal or refusal sets the
 * purpose's consent-withdrawal anchor, a grant clears it. */
int gdpr_schedule__consent(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
                           const char *purpose, int state, int64_t at);
/* A new policy replaces `old` (NULL: none): recompute the due times of the
 * records whose rule was added, removed or changed its period or anchor
 * (inside the load's transaction). */
int gdpr_schedule__policy_changed(gdpr_engine *eng, const policy_model *old,
                                  const policy_model *next);

#endif
