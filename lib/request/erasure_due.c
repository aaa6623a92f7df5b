/*
 * Grace periods: an erasure request may wait a policy-set time in which
 * the subject can revoke it (the request capability keeps grace_until and
 * refuses fulfilment before it). gdpr_erase_run_due() is the job that then
 * carries out every erasure request whose wait is over, through the
 * request capability's own fulfilment (gdpr_request_fulfil_erasure), so
 * the request is closed and its history tells what happened.
 * SPDX-License-Identifier: MIT
 */
#include "request_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gdpr/erasure.h"
#include "gdpr/request.h"
#include "text.h"

typedef struct {
    int64_t now;
    int64_t *ids;
    size_t n, cap;
} due_list;

static int
collect_due(const store_request_row *row, void *ctx)
{
    due_list *d = ctx;

    if (row->type != GDPR_REQUEST_ERASURE || !row->has_subject ||
        row->verification != GDPR_VERIFY_VERIFIED || row->grace_until > d->now)
        return 0;
    if (d->n == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 16;
        void *grown = realloc(d->ids, cap * sizeof *d->ids);
        if (grown == NULL)
            return gdpr__err_set(GDPR_ENOMEM, "out of memory listing due erasure requests");
        d->ids = grown;
        d->cap = cap;
    }
    d->ids[d->n++] = row->id;
    return 0;
}

static int
run_due_locked(gdpr_engine *eng, const gdpr_actor *who, const char *ground, int64_t *done,
               int64_t *failed)
{
    due_list d;
    int rc = gdpr_engine__require_policy(eng);

    if (rc == GDPR_OK && eng->batch)
        rc = gdpr__err_set(GDPR_ESTATE, "erasure: not inside a gdpr_begin() batch (see "
                                        "gdpr_erase_subject)");
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_ERASE_SUBJECT, NULL);
    if (rc != GDPR_OK)
        return rc;
    memset(&d, 0, sizeof d);
    d.now = gdpr_engine__now(eng);
    /* Ids first: fulfilment changes the rows the open-request index walks. */
    rc = gdpr_store__request_foreach_due(eng->st, INT64_MIN, INT64_MAX, collect_due, &d);
    for (size_t i = 0; rc == GDPR_OK && i < d.n; i++) {
        char request_ground[GDPR_NAME_MAX + 1];
        int r;
        int n = snprintf(request_ground, sizeof request_ground, "%s (request %lld)", ground,
                         (long long)d.ids[i]);
        if (n < 0 || (size_t)n >= sizeof request_ground)
            snprintf(request_ground, sizeof request_ground, "%s", ground);
        r = gdpr_request_fulfil_erasure(eng, who, d.ids[i], request_ground, NULL, NULL);
        if (r == GDPR_OK)
            (*done)++;
        else
            (*failed)++;
    }
    free(d.ids);
    if (rc == GDPR_OK)
        gdpr__err_clear();
    return rc;
}

GDPR_API int
gdpr_erase_run_due(gdpr_engine *eng, const gdpr_actor *who, const char *ground,
                   int64_t *fulfilled_out, int64_t *failed_out)
{
    int64_t done = 0, failed = 0;
    int rc;

    if (fulfilled_out)
        *fulfilled_out = 0;
    if (failed_out)
        *failed_out = 0;
    rc = gdpr_engine__enter(eng, who);
    if (rc == GDPR_OK)
        rc = gdpr_text__check("ground", ground, GDPR_NAME_MAX);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = run_due_locked(eng, who, ground, &done, &failed);
    if (fulfilled_out)
        *fulfilled_out = done;
    if (failed_out)
        *failed_out = failed;
    return gdpr_engine__unlock(eng, rc);
}
