/*
 * Data-subject requests: the overdue and due-soon lists (through the
 * index on the due time of open requests) and the KPIs (from per-day
 * counters the store keeps with each request, plus the rows of the partial days
 * at the window's edges).
 * SPDX-License-Identifier: MIT
 */
#include "clock.h"
#include "request_internal.h"

#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "calendar.h"
#include "jsonw.h"

#define DAY SECONDS_PER_DAY
#define DUE_SOON_MAX (366 * DAY)
/* Longest receipt-to-closure span counted: beyond it a row is damaged. */
#define CLOSE_DAYS_MAX 3660000

/* --- lists ----------------------------------------------------------- */

typedef struct {
    int64_t after, until;
} due_window;

static int
walk_due(gdpr_engine *eng, store_request_fn fn, void *ctx, const void *arg)
{
    const due_window *w = arg;
    return gdpr_store__request_foreach_due(eng->st, w->after, w->until, fn, ctx);
}

static int
list_due(gdpr_engine *eng, int64_t after, int64_t until, gdpr_request_fn fn, void *ctx)
{
    due_window w = {after, until};
    return gdpr_request__list_rows(eng, walk_due, &w, fn, ctx);
}

/* The arguments gdpr_request_overdue and gdpr_request_due_soon share. */
static int
check_due_args(gdpr_engine *eng, int fn_given, int64_t *as_of)
{
    int rc;

    if (gdpr_engine__check_given(eng, fn_given, "fn") != GDPR_OK)
        return GDPR_EINVAL;
    rc = gdpr_clock__arg(eng, "as_of", as_of);
    return rc == GDPR_OK ? gdpr_request__check_time("as_of", *as_of) : rc;
}

GDPR_API int
gdpr_request_overdue(gdpr_engine *eng, int64_t as_of, gdpr_request_fn fn, void *ctx)
{
    int rc = check_due_args(eng, fn != NULL, &as_of);

    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = list_due(eng, INT64_MIN, as_of ? as_of : gdpr_engine__now(eng), fn, ctx);
    return gdpr_engine__unlock(eng, rc);
}

GDPR_API int
gdpr_request_due_soon(gdpr_engine *eng, int64_t as_of, int64_t within_seconds, gdpr_request_fn fn,
                      void *ctx)
{
    int rc = check_due_args(eng, fn != NULL, &as_of);

    if (rc != GDPR_OK)
        return rc;
    if (within_seconds < 1 || within_seconds > DUE_SOON_MAX)
        return gdpr__err_set(GDPR_EINVAL,
                             "within_seconds: %lld is outside 1..%lld (one second to "
                             "366 days)",
                             (long long)within_seconds, (long long)DUE_SOON_MAX);
    gdpr_engine__lock(eng);
    if (as_of == 0)
        as_of = gdpr_engine__now(eng);
    rc = list_due(eng, as_of, as_of + within_seconds, fn, ctx);
    return gdpr_engine__unlock(eng, rc);
}

/* --- KPIs ------------------------------------------------------------ */

typedef struct {
    gdpr_request_kpi_report *k;
    int64_t *days; /* decided requests per close_days */
    size_t n_days;
} kpi_acc;

static int
grow_days(kpi_acc *a, size_t need)
{
    size_t cap = a->n_days ? a->n_days : 64;
    int64_t *grown;

    while (cap < need)
        cap *= 2;
    grown = realloc(a->days, cap * sizeof *grown);
    if (grown == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory computing request KPIs");
    memset(grown + a->n_days, 0, (cap - a->n_days) * sizeof *grown);
    a->days = grown;
    a->n_days = cap;
    return GDPR_OK;
}

static int
hist_add(int close_days, int64_t n, void *ctx)
{
    kpi_acc *a = ctx;
    size_t d = close_days < 0 ? 0 : (size_t)close_days;

    if (close_days > CLOSE_DAYS_MAX || n < 0)
        return gdpr__err_set(GDPR_ECORRUPT,
                             "request KPI counters: %lld requests closed after %d "
                             "days: damaged",
                             (long long)n, close_days);
    if (d >= a->n_days) {
        int rc = grow_days(a, d + 1);
        if (rc != GDPR_OK)
            return rc;
    }
    a->days[d] += n;
    return 0;
}

static int
kpi_add(const store_request_kpi_row *row, void *ctx)
{
    kpi_acc *a = ctx;
    gdpr_request_kpi_report *k = a->k;
    int64_t n = row->n;

    if (n == 0)
        return 0;
    /* Linked to an open request: counted apart, so that each request is
     * measured once (its deadline is the one it was linked to). */
    if (row->status == GDPR_REQUEST_DUPLICATE && row->type >= 1 &&
        row->type <= GDPR_REQUEST_TYPE_ALL_MAX && n > 0) {
        k->duplicates += n;
        return 0;
    }
    if (row->type < 1 || row->type > GDPR_REQUEST_TYPE_ALL_MAX || row->status < 1 ||
        row->status > GDPR_REQUEST_STATUS_MAX || n < 0 || row->late < 0 || row->late > n)
        return gdpr__err_set(GDPR_ECORRUPT,
                             "request KPI counters: a row (type %d, status %d, "
                             "%lld requests) is damaged",
                             row->type, row->status, (long long)n);
    k->total += n;
    if (row->type <= GDPR_REQUEST_TYPE_MAX) {
        k->by_type[row->type] += n;
        k->by_type_status[row->type][row->status] += n;
    }
    k->by_type_all[row->type] += n;
    k->by_type_status_all[row->type][row->status] += n;
    k->by_status[row->status] += n;
    if (row->status == GDPR_REQUEST_DENIED)
        for (int d = 1; d <= GDPR_DENIAL_REASON_MAX; d++) {
            k->denied_by_reason_all[d] += row->denied[d];
            if (d <= GDPR_DENIAL_MAX)
                k->denied_by_reason[d] += row->denied[d];
        }
    if (row->status == GDPR_REQUEST_FULFILLED || row->status == GDPR_REQUEST_DENIED) {
        k->decided += n;
        k->late += row->late;
        k->on_time += n - row->late;
        /* A request read from the rows carries its days; counter rows come
         * with their own histogram (gdpr_store__request_kpi_close_days). */
        if (row->close_days >= 0) {
            int rc = hist_add(row->close_days, n, a);
            if (rc != GDPR_OK)
                return rc;
        }
    }
    /* Art. 12(2), 12(6): a request that lapsed without the controller
     * asking for identity first was never answered: late. */
    if (row->status == GDPR_REQUEST_EXPIRED)
        k->late += row->late;
    k->extended += row->extended;
    k->escalated += row->escalated;
    k->escalations += row->escalations;
    k->high_risk += row->high_risk;
    return 0;
}

/* The value at 1-based rank `rank` of the day histogram. */
static double
day_at_rank(const kpi_acc *a, int64_t rank)
{
    int64_t seen = 0;

    for (size_t d = 0; d < a->n_days; d++) {
        seen += a->days[d];
        if (seen >= rank)
            return (double)d;
    }
    return -1;
}

static void
kpi_measures(const kpi_acc *a, gdpr_request_kpi_report *k)
{
    int64_t n = k->decided;

    k->on_time_rate =
        k->on_time + k->late > 0 ? (double)k->on_time / (double)(k->on_time + k->late) : -1;
    if (n == 0) {
        k->median_days = -1;
        k->p90_days = -1;
        return;
    }
    if (n % 2 == 1)
        k->median_days = day_at_rank(a, (n + 1) / 2);
    else
        k->median_days = (day_at_rank(a, n / 2) + day_at_rank(a, n / 2 + 1)) / 2;
    /* Nearest rank: the smallest value with at least 90% at or below it. */
    k->p90_days = day_at_rank(a, (9 * n + 9) / 10);
}

/* Open requests received in [from, to) and overdue at as_of. A request's
 * due time lies after its receipt and at most three months (one, plus an
 * extension of two) after it, moved past weekends and holidays: bounding
 * the due range by that keeps the count to the window's requests even when
 * many old ones are open. The month of slack covers holidays a later
 * policy version added or dropped. */
static int
overdue_in_window(gdpr_engine *eng, int64_t as_of, int64_t from, int64_t to, int64_t *out)
{
    int64_t bound = as_of;

    if (eng->policy != NULL) {
        int64_t last = to - 1 < REQUEST_EPOCH ? REQUEST_EPOCH : to - 1;
        int64_t due = 0;
        if (gdpr_request__deadline(eng, last, 3, &due) == GDPR_OK &&
            due < CAL_MAX_TIME - 31 * DAY && due + 31 * DAY < bound)
            bound = due + 31 * DAY;
        gdpr__err_clear();
    }
    return gdpr_store__request_overdue_count(eng->st, from, bound, from, to, out);
}

static int
kpis_locked(gdpr_engine *eng, int64_t from, int64_t to, gdpr_request_kpi_report *k)
{
    unsigned int version = k->version;
    int64_t d0 = (from + DAY - 1) / DAY, d1 = to / DAY;
    kpi_acc a = {k, NULL, 0};
    int rc;

    memset(k, 0, sizeof *k);
    k->version = version;
    k->from = from;
    k->to = to;
    k->as_of = gdpr_engine__now(eng);
    if (d0 < d1) {
        rc = gdpr_store__request_kpi_days(eng->st, d0, d1, kpi_add, &a);
        if (rc == GDPR_OK)
            rc = gdpr_store__request_kpi_close_days(eng->st, d0, d1, hist_add, &a);
        if (rc == GDPR_OK && from < d0 * DAY)
            rc = gdpr_store__request_kpi_rows(eng->st, from, d0 * DAY, kpi_add, &a);
        if (rc == GDPR_OK && d1 * DAY < to)
            rc = gdpr_store__request_kpi_rows(eng->st, d1 * DAY, to, kpi_add, &a);
    } else {
        rc = gdpr_store__request_kpi_rows(eng->st, from, to, kpi_add, &a);
    }
    if (rc == GDPR_OK)
        rc = overdue_in_window(eng, k->as_of, from, to, &k->overdue);
    if (rc == GDPR_OK) {
        k->late += k->overdue;
        kpi_measures(&a, k);
    }
    free(a.days);
    return rc;
}

/* The report window: from and to resolved (GDPR_NOW), then checked. */
static int
check_window(const gdpr_engine *eng, int64_t *from_io, int64_t *to_io)
{
    int rc = gdpr_clock__arg(eng, "from", from_io);
    int64_t from, to;

    if (rc == GDPR_OK)
        rc = gdpr_clock__arg(eng, "to", to_io);
    if (rc != GDPR_OK)
        return rc;
    from = *from_io;
    to = *to_io;
    if (from < 0 || from > CAL_MAX_TIME)
        return gdpr__err_set(GDPR_EINVAL, "from: %lld is outside 0..9999-12-31", (long long)from);
    if (to <= from || to > CAL_MAX_TIME + 1)
        return gdpr__err_set(GDPR_EINVAL,
                             "to: %lld must be after from (%lld) and at most "
                             "9999-12-31",
                             (long long)to, (long long)from);
    return GDPR_OK;
}

/* The bytes of a report of `version` the caller's struct has: version 1
 * ends before denied_by_reason_all, version 2 before by_type_all, version
 * 3 before duplicates (an
 * application built against them passes the shorter struct). */
static size_t
kpi_size(unsigned int version)
{
    if (version >= 4)
        return sizeof(gdpr_request_kpi_report);
    if (version == 3)
        return offsetof(gdpr_request_kpi_report, duplicates);
    return version == 2 ? offsetof(gdpr_request_kpi_report, by_type_all)
                        : offsetof(gdpr_request_kpi_report, denied_by_reason_all);
}

GDPR_API int
gdpr_request_kpi_report_init(gdpr_request_kpi_report *kpis, unsigned int version)
{
    gdpr__err_clear();
    if (kpis == NULL)
        return gdpr__err_set(GDPR_EINVAL, "kpis: must not be NULL");
    if (version == 0 || version > GDPR_REQUEST_KPI_REPORT_VERSION)
        return gdpr__err_set(GDPR_EVERSION, "version: %u is not a known KPI version (1..%u)",
                             version, GDPR_REQUEST_KPI_REPORT_VERSION);
    memset(kpis, 0, kpi_size(version));
    kpis->version = version;
    return GDPR_OK;
}

/* Check the window (GDPR_NOW resolved in place) and allocate a zeroed
 * report of `version` (*out malloc'd; the caller frees it). */
static int
kpis_new(gdpr_engine *eng, int64_t *from, int64_t *to, unsigned int version,
         gdpr_request_kpi_report **out)
{
    int rc = check_window(eng, from, to);

    *out = NULL;
    if (rc != GDPR_OK)
        return rc;
    *out = calloc(1, sizeof **out);
    if (*out == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory computing request KPIs");
    (*out)->version = version;
    return GDPR_OK;
}

GDPR_API int
gdpr_request_kpis(gdpr_engine *eng, int64_t from, int64_t to, gdpr_request_kpi_report *out)
{
    gdpr_request_kpi_report *k;
    int rc;

    if (gdpr_engine__check_given(eng, out != NULL, "out") != GDPR_OK)
        return GDPR_EINVAL;
    if (out->version == 0 || out->version > GDPR_REQUEST_KPI_REPORT_VERSION)
        return gdpr__err_set(GDPR_EVERSION,
                             "out.version: %u is not a known KPI version (1..%u); use "
                             "gdpr_request_kpi_report_init()",
                             out->version, GDPR_REQUEST_KPI_REPORT_VERSION);
    /* Computed whole, handed out to the size of the caller's version. */
    rc = kpis_new(eng, &from, &to, out->version, &k);
    if (rc != GDPR_OK)
        return rc;
    /* One read transaction: the counters, the edge rows and the overdue
     * count all from one snapshot, so they add up even while another
     * process writes. */
    gdpr_engine__lock_read(eng);
    rc = kpis_locked(eng, from, to, k);
    if (rc == GDPR_OK)
        memcpy(out, k, kpi_size(k->version));
    free(k);
    return gdpr_engine__unlock_read(eng, rc);
}

static void
put_instant(jsonw *w, const char *key, int64_t t)
{
    char buf[21];

    gdpr_jsonw__key(w, key);
    if (gdpr_calendar__format_instant(t, buf) == 0)
        gdpr_jsonw__string(w, buf);
    else
        gdpr_jsonw__null(w);
}

/* A rate or a number of days; -1 (nothing to measure) is null. */
static void
put_measure(jsonw *w, const char *key, double v)
{
    gdpr_jsonw__key(w, key);
    if (v < 0)
        gdpr_jsonw__null(w);
    else
        gdpr_jsonw__double(w, v);
}

static void
put_count(jsonw *w, const char *key, int64_t n)
{
    gdpr_jsonw__key(w, key);
    gdpr_jsonw__int64(w, n);
}

static int
kpis_to_json(const gdpr_request_kpi_report *k, char **json_out)
{
    jsonw w;

    gdpr_jsonw__init(&w);
    gdpr_jsonw__object_begin(&w);
    /* The JSON stays version 1: new denial reasons are added keys. */
    put_count(&w, "version", 1);
    put_instant(&w, "from", k->from);
    put_instant(&w, "to", k->to);
    put_instant(&w, "as_of", k->as_of);
    put_count(&w, "total", k->total);
    gdpr_jsonw__key(&w, "by_type");
    gdpr_jsonw__object_begin(&w);
    for (int t = 1; t <= GDPR_REQUEST_TYPE_ALL_MAX; t++)
        put_count(&w, gdpr_request_type_name(t), k->by_type_all[t]);
    gdpr_jsonw__object_end(&w);
    gdpr_jsonw__key(&w, "by_status");
    gdpr_jsonw__object_begin(&w);
    for (int x = 1; x <= GDPR_REQUEST_STATUS_MAX; x++)
        put_count(&w, gdpr_request_status_name(x), k->by_status[x]);
    gdpr_jsonw__object_end(&w);
    gdpr_jsonw__key(&w, "by_type_status");
    gdpr_jsonw__object_begin(&w);
    for (int t = 1; t <= GDPR_REQUEST_TYPE_ALL_MAX; t++) {
        gdpr_jsonw__key(&w, gdpr_request_type_name(t));
        gdpr_jsonw__object_begin(&w);
        for (int x = 1; x <= GDPR_REQUEST_STATUS_MAX; x++)
            put_count(&w, gdpr_request_status_name(x), k->by_type_status_all[t][x]);
        gdpr_jsonw__object_end(&w);
    }
    gdpr_jsonw__object_end(&w);
    gdpr_jsonw__key(&w, "denied_by_reason");
    gdpr_jsonw__object_begin(&w);
    for (int d = 1; d <= GDPR_DENIAL_REASON_MAX; d++)
        put_count(&w, gdpr_request_denial_name(d), k->denied_by_reason_all[d]);
    gdpr_jsonw__object_end(&w);
    put_count(&w, "decided", k->decided);
    put_count(&w, "on_time", k->on_time);
    put_count(&w, "late", k->late);
    put_count(&w, "overdue", k->overdue);
    put_measure(&w, "on_time_rate", k->on_time_rate);
    put_measure(&w, "median_days", k->median_days);
    put_measure(&w, "p90_days", k->p90_days);
    put_count(&w, "extended", k->extended);
    put_count(&w, "escalated", k->escalated);
    put_count(&w, "escalations", k->escalations);
    put_count(&w, "high_risk", k->high_risk);
    put_count(&w, "duplicates", k->duplicates);
    gdpr_jsonw__object_end(&w);
    return gdpr_jsonw__finish(&w, json_out, NULL);
}

GDPR_API int
gdpr_request_kpis_json(gdpr_engine *eng, int64_t from, int64_t to, char **json_out)
{
    gdpr_request_kpi_report *k;
    int rc;

    if (gdpr_engine__check_given(eng, json_out != NULL, "json_out") != GDPR_OK)
        return GDPR_EINVAL;
    *json_out = NULL;
    rc = kpis_new(eng, &from, &to, GDPR_REQUEST_KPI_REPORT_VERSION, &k);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock_read(eng); /* one snapshot, as gdpr_request_kpis */
    rc = kpis_locked(eng, from, to, k);
    if (rc == GDPR_OK)
        rc = kpis_to_json(k, json_out);
    gdpr_engine__unlock_read(eng, rc);
    free(k);
    return rc;
}
