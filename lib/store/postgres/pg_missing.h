/*
 * Operations of store_ops not yet ported to PostgreSQL: each refuses with
 * GDPR_ESTATE naming itself, so a store that reaches one fails loudly and
 * changes nothing. Remove an entry when its group is ported
 * (/work notes list them; docs/decisions/0010-postgres-backend.md).
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_PG_MISSING_H
#define GDPR_PG_MISSING_H

#include "error.h"
#include "store.h"

static int
pg_missing(const char *op)
{
    return gdpr__err_set(GDPR_ESTATE, "store: operation %s is not yet implemented by the "
                                      "PostgreSQL backend", op);
}

static int
gdpr_pg__missing_request_insert(store *st, const store_request_row *row)
{
    (void)st;
    (void)row;
    return pg_missing("request_insert");
}

static int
gdpr_pg__missing_request_update(store *st, const store_request_row *row)
{
    (void)st;
    (void)row;
    return pg_missing("request_update");
}

static int
gdpr_pg__missing_request_get(store *st, int64_t id, store_request_row *out)
{
    (void)st;
    (void)id;
    (void)out;
    return pg_missing("request_get");
}

static int
gdpr_pg__missing_request_foreach(store *st, const uint8_t *subject_hash, int status, store_request_fn fn, void *ctx)
{
    (void)st;
    (void)subject_hash;
    (void)status;
    (void)fn;
    (void)ctx;
    return pg_missing("request_foreach");
}

static int
gdpr_pg__missing_request_foreach_due(store *st, int64_t after, int64_t until, store_request_fn fn, void *ctx)
{
    (void)st;
    (void)after;
    (void)until;
    (void)fn;
    (void)ctx;
    return pg_missing("request_foreach_due");
}

static int
gdpr_pg__missing_request_event_insert(store *st, const store_request_event_row *row)
{
    (void)st;
    (void)row;
    return pg_missing("request_event_insert");
}

static int
gdpr_pg__missing_request_event_foreach(store *st, int64_t request, int (*fn)(const store_request_event_row *row, void *ctx), void *ctx)
{
    (void)st;
    (void)request;
    (void)fn;
    (void)ctx;
    return pg_missing("request_event_foreach");
}

static int
gdpr_pg__missing_request_kpi_days(store *st, int64_t from_day, int64_t to_day, int (*fn)(const store_request_kpi_row *row, void *ctx), void *ctx)
{
    (void)st;
    (void)from_day;
    (void)to_day;
    (void)fn;
    (void)ctx;
    return pg_missing("request_kpi_days");
}

static int
gdpr_pg__missing_request_kpi_close_days(store *st, int64_t from_day, int64_t to_day, int (*fn)(int close_days, int64_t n, void *ctx), void *ctx)
{
    (void)st;
    (void)from_day;
    (void)to_day;
    (void)fn;
    (void)ctx;
    return pg_missing("request_kpi_close_days");
}

static int
gdpr_pg__missing_request_kpi_rows(store *st, int64_t from, int64_t to, int (*fn)(const store_request_kpi_row *row, void *ctx), void *ctx)
{
    (void)st;
    (void)from;
    (void)to;
    (void)fn;
    (void)ctx;
    return pg_missing("request_kpi_rows");
}

static int
gdpr_pg__missing_request_overdue_count(store *st, int64_t due_from, int64_t due_to, int64_t from, int64_t to, int64_t *count_out)
{
    (void)st;
    (void)due_from;
    (void)due_to;
    (void)from;
    (void)to;
    (void)count_out;
    return pg_missing("request_overdue_count");
}

#endif
