/*
 * Retention schedules of vault records (core: every capability that stores,
 * touches or restricts a record keeps its due time right in its own
 * transaction): the subject's anchor events, a record's due time under a
 * policy, and rescheduling when an anchor or the policy changes. The
 * retention capability (lib/retention) runs the sweep over these due
 * times. See docs/retention.md.
 * SPDX-License-Identifier: MIT
 */
#include "schedule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "error.h"
#include "text.h"

/* Records per transaction when rescheduling after a policy change or sync. */
#define SCAN_BATCH 1000
/* --- anchors and schedules ---------------------------------------------- */

static int
collect_anchor(int kind, const char *purpose, int64_t at, void *ctx)
{
    schedule_anchors *a = ctx;
    schedule_anchor_row *row;

    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 8;
        void *grown = realloc(a->rows, cap * sizeof *a->rows);
        if (grown == NULL)
            return gdpr__err_set(GDPR_ENOMEM, "out of memory reading retention anchors");
        a->rows = grown;
        a->cap = cap;
    }
    row = &a->rows[a->n++];
    row->kind = kind;
    snprintf(row->purpose, sizeof row->purpose, "%s", purpose);
    row->at = at;
    return 0;
}

int
gdpr_schedule__anchors_load(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
                            schedule_anchors *a)
{
    a->n = 0;
    return gdpr_store__retention_anchor_foreach(eng->st, hash, collect_anchor, a);
}

void
gdpr_schedule__anchors_free(schedule_anchors *a)
{
    free(a->rows);
    a->rows = NULL;
    a->n = a->cap = 0;
}

static const schedule_anchor_row *
find_anchor(const schedule_anchors *a, int kind, const char *purpose)
{
    for (size_t i = 0; a != NULL && i < a->n; i++)
        if (a->rows[i].kind == kind && strcmp(a->rows[i].purpose, purpose) == 0)
            return &a->rows[i];
    return NULL;
}

void
gdpr_schedule__compute(const policy_model *p, const schedule_anchors *a, const char *purpose,
                       const char *category, int64_t collected, int has_keep, int64_t keep_until,
                       schedule_plan *out)
{
    const schedule_anchor_row *own, *every;
    int64_t base = collected, due;

    memset(out, 0, sizeof *out);
    out->rule = p ? gdpr_policy__find_retention(p, purpose, category) : NULL;
    if (out->rule == NULL)
        return;
    own = find_anchor(a, (int)out->rule->anchor, purpose);
    every = find_anchor(a, (int)out->rule->anchor, "");
    switch (out->rule->anchor) {
    case ANCHOR_COLLECTION:
        break;
    case ANCHOR_LAST_ACTIVITY:
        /* Activity is activity: the latest of the record's collection and
         * any touch, for its purpose or for all. */
        if (own && own->at > base)
            base = own->at;
        if (every && every->at > base)
            base = every->at;
        break;
    default:
        /* An event of the record's own purpose wins over one for all. */
        if (own == NULL && every == NULL)
            return;
        base = own ? own->at : every->at;
        break;
    }
    out->has_anchor = 1;
    out->anchor = base;
    if (gdpr_calendar__add(base, &out->rule->period, &due) != 0)
        return; /* after 9999-12-31: never due */
    if (has_keep && keep_until > due)
        due = keep_until;
    out->has_due = 1;
    out->due = due;
}

int
gdpr_schedule__reschedule(gdpr_engine *eng, const policy_model *p, const store_retention_row *row,
                          const schedule_anchors *a, int *changed_out)
{
    schedule_plan s;
    int changed;

    gdpr_schedule__compute(p, a, row->purpose, row->category, row->collected, row->has_keep,
                           row->keep_until, &s);
    if (row->review != 0)
        s.has_due = 0; /* under review: due again only after the decision */
    changed = s.has_anchor != row->has_anchor || (s.has_anchor && s.anchor != row->anchor) ||
              s.has_due != row->has_due || (s.has_due && s.due != row->due);
    if (changed_out)
        *changed_out = changed;
    if (!changed)
        return GDPR_OK;
    return gdpr_store__retention_set_schedule(eng->st, row->id, s.has_anchor, s.anchor, s.has_due,
                                              s.due);
}

int
gdpr_schedule__row_push(const store_retention_row *row, void *ctx)
{
    schedule_row_vec *vec = ctx;
    schedule_row_copy *c;

    if (vec->n == vec->cap) {
        size_t cap = vec->cap ? vec->cap * 2 : 64;
        void *grown = realloc(vec->v, cap * sizeof *vec->v);
        if (grown == NULL)
            return gdpr__err_set(GDPR_ENOMEM, "out of memory reading record schedules");
        vec->v = grown;
        vec->cap = cap;
    }
    c = &vec->v[vec->n++];
    c->row = *row;
    memcpy(c->subject, row->subject, CRYPTO_HASH_BYTES);
    snprintf(c->category, sizeof c->category, "%s", row->category);
    snprintf(c->purpose, sizeof c->purpose, "%s", row->purpose);
    c->has_field = row->field != NULL;
    snprintf(c->field, sizeof c->field, "%s", row->field ? row->field : "");
    return 0;
}

const store_retention_row *
gdpr_schedule__row_fix(schedule_row_copy *c)
{
    c->row.subject = c->subject;
    c->row.category = c->category;
    c->row.purpose = c->purpose;
    c->row.field = c->has_field ? c->field : NULL;
    return &c->row;
}

/* Anchors of the subject last looked at: scans meet a subject's records
 * one after another, and often in a row. */
typedef struct {
    int loaded;
    uint8_t hash[CRYPTO_HASH_BYTES];
    schedule_anchors a;
} anchor_cache;

static int
anchors_for(gdpr_engine *eng, anchor_cache *c, const uint8_t hash[CRYPTO_HASH_BYTES])
{
    int rc;

    if (c->loaded && memcmp(c->hash, hash, CRYPTO_HASH_BYTES) == 0)
        return GDPR_OK;
    c->loaded = 0;
    rc = gdpr_schedule__anchors_load(eng, hash, &c->a);
    if (rc == GDPR_OK) {
        memcpy(c->hash, hash, CRYPTO_HASH_BYTES);
        c->loaded = 1;
    }
    return rc;
}

int
gdpr_schedule__record(gdpr_engine *eng, store_vault_row *row)
{
    schedule_anchors a = {NULL, 0, 0};
    const policy_retention *rule =
        gdpr_policy__find_retention(eng->policy, row->purpose, row->category);
    schedule_plan s;
    int rc = GDPR_OK;

    if (rule != NULL && rule->anchor != ANCHOR_COLLECTION)
        rc = gdpr_schedule__anchors_load(eng, row->subject, &a);
    if (rc == GDPR_OK) {
        gdpr_schedule__compute(eng->policy, &a, row->purpose, row->category, row->collected, 0, 0,
                               &s);
        row->anchor = s.has_anchor ? s.anchor : 0;
        row->has_due = s.has_due;
        row->due = s.due;
    }
    gdpr_schedule__anchors_free(&a);
    return rc;
}

static int
policy_uses_anchor(const policy_model *p, policy_anchor kind)
{
    for (size_t i = 0; p != NULL && i < p->n_retention; i++)
        if (p->retention[i].anchor == kind)
            return 1;
    return 0;
}

/* Recompute every record of one subject under `p`. */
static int
reschedule_subject(gdpr_engine *eng, const policy_model *p, const uint8_t hash[CRYPTO_HASH_BYTES])
{
    schedule_anchors a = {NULL, 0, 0};
    schedule_row_vec vec = {NULL, 0, 0};
    int rc = gdpr_store__retention_subject_foreach(eng->st, hash, gdpr_schedule__row_push, &vec);

    if (rc == GDPR_OK && vec.n > 0)
        rc = gdpr_schedule__anchors_load(eng, hash, &a);
    for (size_t i = 0; rc == GDPR_OK && i < vec.n; i++)
        rc = gdpr_schedule__reschedule(eng, p, gdpr_schedule__row_fix(&vec.v[i]), &a, NULL);
    gdpr_schedule__anchors_free(&a);
    free(vec.v);
    return rc;
}

int
gdpr_schedule__anchor(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES], policy_anchor anchor,
                      const char *purpose, int64_t at)
{
    const char *key = purpose ? purpose : "";
    int64_t old = 0;
    int rc;

    if (at == 0) {
        int deleted = 0;
        rc = gdpr_store__retention_anchor_delete(eng->st, hash, (int)anchor, key, &deleted);
        if (rc != GDPR_OK || !deleted)
            return rc;
    } else {
        int64_t id = 0;
        /* A subject erased in the same transaction (an erasure request
         * closed) keeps no anchor. */
        rc = gdpr_store__subject_find(eng->st, hash, &id);
        if (rc == GDPR_ENOTFOUND)
            return GDPR_OK;
        if (rc == GDPR_OK)
            rc = gdpr_store__retention_anchor_get(eng->st, hash, (int)anchor, key, &old);
        if (rc == GDPR_OK && (anchor == ANCHOR_LAST_ACTIVITY || anchor == ANCHOR_REQUEST_CLOSED) &&
            old >= at)
            return GDPR_OK; /* these only move forward */
        if (rc == GDPR_OK && old == at)
            return GDPR_OK;
        if (rc != GDPR_OK && rc != GDPR_ENOTFOUND)
            return rc;
        rc = gdpr_store__retention_anchor_put(eng->st, hash, (int)anchor, key, at);
        if (rc != GDPR_OK)
            return rc;
    }
    if (!policy_uses_anchor(eng->policy, anchor))
        return GDPR_OK; /* kept for a later policy; nothing is due by it now */
    return reschedule_subject(eng, eng->policy, hash);
}

int
gdpr_schedule__consent(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES], const char *purpose,
                       int state, int64_t at)
{
    if (state == STORE_CONSENT_GRANTED)
        return gdpr_schedule__anchor(eng, hash, ANCHOR_CONSENT_WITHDRAWAL, purpose, 0);
    if (at <= 0)
        return GDPR_OK;
    /* A refusal ends consent as a withdrawal does. */
    return gdpr_schedule__anchor(eng, hash, ANCHOR_CONSENT_WITHDRAWAL, purpose, at);
}

static int
rule_changed(const policy_model *old, const policy_model *next, const char *purpose,
             const char *category)
{
    const policy_retention *o = old ? gdpr_policy__find_retention(old, purpose, category) : NULL;
    const policy_retention *n = next ? gdpr_policy__find_retention(next, purpose, category) : NULL;

    if (o == NULL || n == NULL)
        return o != n;
    return o->anchor != n->anchor || memcmp(&o->period, &n->period, sizeof o->period) != 0;
}

static int
rules_changed(const policy_model *old, const policy_model *next)
{
    for (size_t i = 0; next != NULL && i < next->n_retention; i++)
        if (rule_changed(old, next, next->retention[i].purpose, next->retention[i].category))
            return 1;
    for (size_t i = 0; old != NULL && i < old->n_retention; i++)
        if (rule_changed(old, next, old->retention[i].purpose, old->retention[i].category))
            return 1;
    return 0;
}

/* Reschedule, in the caller's transaction or in one per SCAN_BATCH
 * records, every record (all = 1) or those whose rule differs between
 * `old` and `p`. */
int
gdpr_schedule__reschedule_all(gdpr_engine *eng, const policy_model *old, const policy_model *p,
                              int all, int own_transactions, int64_t *changed_out)
{
    anchor_cache cache;
    schedule_row_vec vec = {NULL, 0, 0};
    int64_t after = 0, changed = 0;
    int rc = GDPR_OK;

    memset(&cache, 0, sizeof cache);
    for (;;) {
        size_t n;
        vec.n = 0;
        if (own_transactions)
            rc = gdpr_engine__begin(eng);
        if (rc == GDPR_OK)
            rc = gdpr_store__retention_scan(eng->st, after, SCAN_BATCH, gdpr_schedule__row_push,
                                            &vec);
        for (size_t i = 0; rc == GDPR_OK && i < vec.n; i++) {
            const store_retention_row *row = gdpr_schedule__row_fix(&vec.v[i]);
            int one = 0;
            if (!all && !rule_changed(old, p, row->purpose, row->category))
                continue;
            rc = anchors_for(eng, &cache, row->subject);
            if (rc == GDPR_OK)
                rc = gdpr_schedule__reschedule(eng, p, row, &cache.a, &one);
            changed += one;
        }
        n = vec.n;
        if (n > 0)
            after = vec.v[n - 1].row.id;
        if (own_transactions && (rc != GDPR_OK || n == SCAN_BATCH))
            rc = gdpr_engine__end(eng, rc);
        if (rc != GDPR_OK || n < SCAN_BATCH)
            break;
    }
    /* With own transactions, the last one stays open for the caller's audit. */
    gdpr_schedule__anchors_free(&cache.a);
    free(vec.v);
    if (changed_out)
        *changed_out = changed;
    return rc;
}

int
gdpr_schedule__policy_changed(gdpr_engine *eng, const policy_model *old, const policy_model *next)
{
    if (!rules_changed(old, next))
        return GDPR_OK;
    return gdpr_schedule__reschedule_all(eng, old, next, 0, 0, NULL);
}
