/*
 * Rows of the data-subject request register: requests, their history,
 * and the KPI counters, moved here with every insert and update in the
 * request's own transaction. Mirrors lib/store/sqlite/request.c.
 * SPDX-License-Identifier: MIT
 */
#include "store_shared.h"
#include "pg_internal.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"

#define D PG_DATA_SCHEMA "."

#define REQUEST_COLUMNS                                                                            \
    "id, type, status, subject, ident_kind, ident_hash, ident_value, channel,"                     \
    " received, first_due, due, extended_months, told_at, verification, verify_method,"            \
    " verified_at, flags, escalated_to, escalations, denial, grace_until, closed, close_days,"     \
    " updated, policy_version, info_asked_at, duplicate_of"

static void
p_text_or_null(pg_params *p, const char *text)
{
    gdpr_pg__p_text(p, text != NULL && text[0] != '\0' ? text : NULL);
}

static int
copy_text(const pg_row *r, int col, char *buf, size_t cap, int64_t id, const char *what)
{
    const char *t = gdpr_pg__col_text(r, col);
    size_t len;

    buf[0] = '\0';
    if (t == NULL)
        return GDPR_OK;
    len = strlen(t);
    if (len >= cap)
        return gdpr__err_set(GDPR_ECORRUPT, "request %lld: %s is %zu bytes, at most %zu expected",
                             (long long)id, what, len, cap - 1);
    memcpy(buf, t, len + 1);
    return GDPR_OK;
}

static int
copy_blob(const pg_row *r, int col, uint8_t *buf, size_t cap, size_t *len_out, int64_t id,
          const char *what)
{
    size_t len = 0;
    const uint8_t *b = gdpr_pg__col_blob(r, col, &len);

    *len_out = 0;
    if (b == NULL)
        return GDPR_OK;
    if (len > cap)
        return gdpr__err_set(GDPR_ECORRUPT, "request %lld: %s is %zu bytes, at most %zu expected",
                             (long long)id, what, len, cap);
    memcpy(buf, b, len);
    *len_out = len;
    return GDPR_OK;
}

static int
copy_hash(const pg_row *r, int col, uint8_t out[CRYPTO_HASH_BYTES], int *has_out, int64_t id,
          const char *what)
{
    size_t len = 0;
    const uint8_t *h = gdpr_pg__col_blob(r, col, &len);

    *has_out = 0;
    if (h == NULL)
        return GDPR_OK;
    if (len != CRYPTO_HASH_BYTES)
        return gdpr__err_set(GDPR_ECORRUPT, "request %lld: %s has the wrong length", (long long)id,
                             what);
    memcpy(out, h, CRYPTO_HASH_BYTES);
    *has_out = 1;
    return GDPR_OK;
}

/* Read the REQUEST_COLUMNS of a row. */
static int
read_row(const pg_row *s, store_request_row *r)
{
    int rc;

    memset(r, 0, sizeof *r);
    r->id = gdpr_pg__col_int(s, 0);
    r->type = (int)gdpr_pg__col_int(s, 1);
    r->status = (int)gdpr_pg__col_int(s, 2);
    rc = copy_hash(s, 3, r->subject, &r->has_subject, r->id, "subject");
    if (rc == GDPR_OK)
        rc = copy_text(s, 4, r->ident_kind, sizeof r->ident_kind, r->id, "ident_kind");
    if (rc == GDPR_OK)
        rc = copy_hash(s, 5, r->ident_hash, &r->has_ident_hash, r->id, "ident_hash");
    if (rc == GDPR_OK)
        rc = copy_blob(s, 6, r->ident_value, sizeof r->ident_value, &r->ident_value_len, r->id,
                       "ident_value");
    if (rc == GDPR_OK)
        rc = copy_text(s, 7, r->channel, sizeof r->channel, r->id, "channel");
    if (rc == GDPR_OK)
        rc = copy_text(s, 17, r->escalated_to, sizeof r->escalated_to, r->id, "escalated_to");
    r->received = gdpr_pg__col_int(s, 8);
    r->first_due = gdpr_pg__col_int(s, 9);
    r->due = gdpr_pg__col_int(s, 10);
    r->extended_months = (int)gdpr_pg__col_int(s, 11);
    r->told_at = gdpr_pg__col_int(s, 12);
    r->verification = (int)gdpr_pg__col_int(s, 13);
    r->verify_method = (int)gdpr_pg__col_int(s, 14);
    r->verified_at = gdpr_pg__col_int(s, 15);
    r->flags = (unsigned int)gdpr_pg__col_int(s, 16);
    r->escalations = (int)gdpr_pg__col_int(s, 18);
    r->denial = (int)gdpr_pg__col_int(s, 19);
    r->grace_until = gdpr_pg__col_int(s, 20);
    r->closed = gdpr_pg__col_int(s, 21);
    r->close_days = (int)gdpr_pg__col_int(s, 22);
    r->updated = gdpr_pg__col_int(s, 23);
    r->policy_version = gdpr_pg__col_int(s, 24);
    r->info_asked_at = gdpr_pg__col_int(s, 25);
    r->duplicate_of = gdpr_pg__col_int(s, 26);
    return rc;
}

/* The columns of an insert or update from status on, in REQUEST_COLUMNS
 * order (23 parameters). */
static void
p_mutable(pg_params *p, const store_request_row *r)
{
    gdpr_pg__p_int(p, r->status);
    gdpr_pg__p_hash(p, r->has_subject ? r->subject : NULL);
    p_text_or_null(p, r->ident_kind);
    gdpr_pg__p_hash(p, r->has_ident_hash ? r->ident_hash : NULL);
    gdpr_pg__p_blob(p, r->ident_value_len > 0 ? r->ident_value : NULL, r->ident_value_len);
    gdpr_pg__p_text(p, r->channel);
    gdpr_pg__p_int(p, r->first_due);
    gdpr_pg__p_int(p, r->due);
    gdpr_pg__p_int(p, r->extended_months);
    gdpr_pg__p_int(p, r->told_at);
    gdpr_pg__p_int(p, r->verification);
    gdpr_pg__p_int(p, r->verify_method);
    gdpr_pg__p_int(p, r->verified_at);
    gdpr_pg__p_int(p, (int64_t)r->flags);
    p_text_or_null(p, r->escalated_to);
    gdpr_pg__p_int(p, r->escalations);
    gdpr_pg__p_int(p, r->denial);
    gdpr_pg__p_int(p, r->grace_until);
    gdpr_pg__p_int(p, r->closed);
    gdpr_pg__p_int(p, r->close_days);
    gdpr_pg__p_int(p, r->updated);
    gdpr_pg__p_int(p, r->policy_version);
    gdpr_pg__p_int(p, r->info_asked_at);
}

/* --- KPI counters ------------------------------------------------------ */

/* Add (sign 1) or take back (sign -1) one request's part. */
static int
kpi_apply(pg_store *st, const store_kpi_part *k, int sign)
{
    pg_params p;
    int rc;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, k->day);
    gdpr_pg__p_int(&p, k->type);
    gdpr_pg__p_int(&p, k->status);
    gdpr_pg__p_int(&p, sign);
    gdpr_pg__p_int(&p, sign * k->late);
    gdpr_pg__p_int(&p, sign * k->extended);
    gdpr_pg__p_int(&p, sign * k->escalated);
    gdpr_pg__p_int(&p, sign * k->escalations);
    gdpr_pg__p_int(&p, sign * k->high_risk);
    for (int d = 1; d <= 7; d++)
        gdpr_pg__p_int(&p, k->denial == d ? sign : 0);
    rc = gdpr_pg__exec(st,
                       "INSERT INTO " D "request_kpi AS k(day, type, status, n, late, extended,"
                       " escalated, escalations, high_risk, denied1, denied2, denied3, denied4,"
                       " denied5, denied6, denied7) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9,"
                       " $10, $11, $12, $13, $14, $15, $16)"
                       " ON CONFLICT(day, type, status) DO UPDATE SET n = k.n + excluded.n,"
                       " late = k.late + excluded.late, extended = k.extended + excluded.extended,"
                       " escalated = k.escalated + excluded.escalated,"
                       " escalations = k.escalations + excluded.escalations,"
                       " high_risk = k.high_risk + excluded.high_risk,"
                       " denied1 = k.denied1 + excluded.denied1,"
                       " denied2 = k.denied2 + excluded.denied2,"
                       " denied3 = k.denied3 + excluded.denied3,"
                       " denied4 = k.denied4 + excluded.denied4,"
                       " denied5 = k.denied5 + excluded.denied5,"
                       " denied6 = k.denied6 + excluded.denied6,"
                       " denied7 = k.denied7 + excluded.denied7",
                       &p, "counting a request", NULL);
    if (rc != GDPR_OK || !gdpr_store__kpi_decided(k->status))
        return rc;
    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, k->day);
    gdpr_pg__p_int(&p, k->close_days);
    gdpr_pg__p_int(&p, sign);
    return gdpr_pg__exec(st,
                         "INSERT INTO " D "request_kpi_close AS c(day, close_days, n)"
                         " VALUES($1, $2, $3)"
                         " ON CONFLICT(day, close_days) DO UPDATE SET n = c.n + excluded.n",
                         &p, "counting a closed request", NULL);
}

static int
read_kpi_stored(const pg_row *s, void *ctx)
{
    store_kpi_part *k = ctx;
    store_request_row *r = calloc(1, sizeof *r);

    if (r == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory updating a request");
    r->status = (int)gdpr_pg__col_int(s, 2);
    r->closed = gdpr_pg__col_int(s, 3);
    r->due = gdpr_pg__col_int(s, 4);
    r->extended_months = (int)gdpr_pg__col_int(s, 5);
    r->escalations = (int)gdpr_pg__col_int(s, 6);
    r->flags = (unsigned int)gdpr_pg__col_int(s, 7);
    r->denial = (int)gdpr_pg__col_int(s, 8);
    r->close_days = (int)gdpr_pg__col_int(s, 9);
    r->first_due = gdpr_pg__col_int(s, 10);
    r->info_asked_at = gdpr_pg__col_int(s, 11);
    gdpr_store__kpi_of((int)gdpr_pg__col_int(s, 0), gdpr_pg__col_int(s, 1), r, k);
    free(r);
    return GDPR_OK;
}

/* The part a stored request adds now; GDPR_ENOTFOUND when there is none. */
static int
kpi_stored(pg_store *st, int64_t id, store_kpi_part *k)
{
    pg_params p;
    int rc;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, id);
    rc = gdpr_pg__row(st,
                      "SELECT type, received, status, closed, due, extended_months,"
                      " escalations, flags, denial, close_days, first_due, info_asked_at"
                      " FROM " D "request WHERE id = $1",
                      &p, "reading a request", PG_NO_ROW, read_kpi_stored, k);
    if (rc == PG_NO_ROW)
        return gdpr__err_set(GDPR_ENOTFOUND, "request %lld does not exist", (long long)id);
    return rc;
}

int
gdpr_pg__request_insert(store *base, const store_request_row *row)
{
    pg_store *st = (pg_store *)base;
    pg_params p;
    store_kpi_part k;
    int rc;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, row->id);
    gdpr_pg__p_int(&p, row->type);
    gdpr_pg__p_int(&p, row->received);
    p_mutable(&p, row);
    gdpr_pg__p_int(&p, row->duplicate_of);
    rc = gdpr_pg__exec(st,
                       "INSERT INTO " D "request(id, type, received, status, subject,"
                       " ident_kind, ident_hash, ident_value, channel, first_due, due,"
                       " extended_months, told_at, verification, verify_method, verified_at,"
                       " flags, escalated_to, escalations, denial, grace_until, closed,"
                       " close_days, updated, policy_version, info_asked_at, duplicate_of,"
                       " subject_id)"
                       " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,"
                       " $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27,"
                       " (SELECT id FROM " D "subject WHERE hash = $5))",
                       &p, "storing a request", NULL);
    if (rc != GDPR_OK)
        return rc;
    gdpr_store__kpi_of(row->type, row->received, row, &k);
    return kpi_apply(st, &k, 1);
}

int
gdpr_pg__request_update(store *base, const store_request_row *row)
{
    pg_store *st = (pg_store *)base;
    store_kpi_part before, after;
    pg_params p;
    /* type and received are not written: the counters keep their slot */
    int rc = kpi_stored(st, row->id, &before);

    if (rc != GDPR_OK)
        return rc;
    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, row->id);
    p_mutable(&p, row);
    gdpr_pg__p_int(&p, row->duplicate_of);
    rc = gdpr_pg__exec(st,
                       "UPDATE " D "request SET status = $2, subject = $3, ident_kind = $4,"
                       " ident_hash = $5, ident_value = $6, channel = $7, first_due = $8,"
                       " due = $9, extended_months = $10, told_at = $11, verification = $12,"
                       " verify_method = $13, verified_at = $14, flags = $15,"
                       " escalated_to = $16, escalations = $17, denial = $18,"
                       " grace_until = $19, closed = $20, close_days = $21, updated = $22,"
                       " policy_version = $23, info_asked_at = $24, duplicate_of = $25,"
                       /* the id follows a change of subject only: a request
                        * of an erased subject keeps none (decision 0018) */
                       " subject_id = CASE WHEN subject IS NOT DISTINCT FROM $3 THEN subject_id"
                       " ELSE (SELECT id FROM " D "subject WHERE hash = $3) END"
                       " WHERE id = $1",
                       &p, "updating a request", NULL);
    gdpr_store__kpi_of(before.type, before.day * 86400, row, &after);
    after.day = before.day;
    if (rc == GDPR_OK && !gdpr_store__kpi_same(&before, &after)) {
        rc = kpi_apply(st, &before, -1);
        if (rc == GDPR_OK)
            rc = kpi_apply(st, &after, 1);
    }
    return rc;
}

static int
read_request(const pg_row *r, void *ctx)
{
    return read_row(r, ctx);
}

int
gdpr_pg__request_get(store *base, int64_t id, store_request_row *out)
{
    pg_params p;
    int rc;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, id);
    rc =
        gdpr_pg__row((pg_store *)base, "SELECT " REQUEST_COLUMNS " FROM " D "request WHERE id = $1",
                     &p, "reading a request", PG_NO_ROW, read_request, out);
    if (rc == PG_NO_ROW)
        return gdpr__err_set(GDPR_ENOTFOUND, "request %lld does not exist", (long long)id);
    return rc;
}

/* A row buffer on the heap (store_request_row is large) and the callback. */
typedef struct {
    store_request_row *row;
    store_request_fn fn;
    void *ctx;
} request_walk;

static int
request_row(const pg_row *r, void *c)
{
    request_walk *w = c;
    int rc = read_row(r, w->row);

    if (rc != GDPR_OK)
        return rc;
    return gdpr_pg__stopped(w->fn(w->row, w->ctx), "request list", w->row->id);
}

static int
walk_requests(pg_store *st, const char *sql, const pg_params *p, store_request_fn fn, void *ctx,
              const char *what)
{
    request_walk w = {malloc(sizeof(store_request_row)), fn, ctx};
    int rc;

    if (w.row == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory %s", what);
    rc = gdpr_pg__rows(st, sql, p, what, request_row, &w);
    free(w.row);
    return rc;
}

int
gdpr_pg__request_foreach(store *base, const uint8_t *subject_hash, int status, store_request_fn fn,
                         void *ctx)
{
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, subject_hash);
    gdpr_pg__p_int(&p, status);
    return walk_requests((pg_store *)base,
                         "SELECT " REQUEST_COLUMNS " FROM " D "request"
                         " WHERE ($1 IS NULL OR subject_id = (SELECT id FROM " D "subject"
                         " WHERE hash = $1)"
                         /* an erased subject's requests keep the hash only
                          * (docs/decisions/0018) */
                         " OR (subject_id IS NULL AND subject IS NOT NULL AND subject = $1))"
                         " AND ($2 = 0 OR status = $2)"
                         " ORDER BY id",
                         &p, fn, ctx, "listing requests");
}

int
gdpr_pg__request_foreach_due(store *base, int64_t after, int64_t until, store_request_fn fn,
                             void *ctx)
{
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, after);
    gdpr_pg__p_int(&p, until);
    /* The status term is the partial index request_open_due's own. */
    return walk_requests((pg_store *)base,
                         "SELECT " REQUEST_COLUMNS " FROM " D "request"
                         " WHERE status IN (1, 2) AND due > $1 AND due <= $2 ORDER BY due, id",
                         &p, fn, ctx, "listing due requests");
}

/* --- history --------------------------------------------------------- */

int
gdpr_pg__request_event_insert(store *base, const store_request_event_row *row)
{
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, row->id);
    gdpr_pg__p_int(&p, row->request);
    gdpr_pg__p_int(&p, row->at);
    gdpr_pg__p_text(&p, row->actor);
    gdpr_pg__p_text(&p, row->role);
    gdpr_pg__p_text(&p, row->action);
    gdpr_pg__p_int(&p, row->status);
    p_text_or_null(&p, row->detail);
    gdpr_pg__p_blob(&p, row->note_len > 0 ? row->note : NULL, row->note_len);
    return gdpr_pg__exec((pg_store *)base,
                         "INSERT INTO " D "request_event(id, request, at, actor, role, action,"
                         " status, detail, note) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                         &p, "storing a request event", NULL);
}

typedef struct {
    int (*fn)(const store_request_event_row *row, void *ctx);
    void *ctx;
} event_cb;

static int
event_row(const pg_row *r, void *c)
{
    const event_cb *cb = c;
    store_request_event_row row;

    row.id = gdpr_pg__col_int(r, 0);
    row.request = gdpr_pg__col_int(r, 1);
    row.at = gdpr_pg__col_int(r, 2);
    row.actor = gdpr_pg__col_text(r, 3);
    row.role = gdpr_pg__col_text(r, 4);
    row.action = gdpr_pg__col_text(r, 5);
    row.status = (int)gdpr_pg__col_int(r, 6);
    row.detail = gdpr_pg__col_text(r, 7);
    row.note = gdpr_pg__col_blob(r, 8, &row.note_len);
    if (row.actor == NULL || row.role == NULL || row.action == NULL)
        return gdpr__err_set(GDPR_ECORRUPT, "request event %lld: damaged row", (long long)row.id);
    return gdpr_pg__stopped(cb->fn(&row, cb->ctx), "request history", row.id);
}

int
gdpr_pg__request_event_foreach(store *base, int64_t request,
                               int (*fn)(const store_request_event_row *row, void *ctx), void *ctx)
{
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, request);
    return gdpr_pg__rows((pg_store *)base,
                         "SELECT id, request, at, actor, role, action, status, detail, note"
                         " FROM " D "request_event WHERE request = $1 ORDER BY id",
                         &p, "reading a request's history", event_row, &(event_cb){fn, ctx});
}

/* --- KPIs ------------------------------------------------------------ */

typedef struct {
    int (*fn)(const store_request_kpi_row *row, void *ctx);
    void *ctx;
} kpi_cb;

static int
kpi_row(const pg_row *r, void *c)
{
    const kpi_cb *cb = c;
    store_request_kpi_row row;

    row.type = (int)gdpr_pg__col_int(r, 0);
    row.status = (int)gdpr_pg__col_int(r, 1);
    row.n = gdpr_pg__col_int(r, 2);
    row.late = gdpr_pg__col_int(r, 3);
    row.extended = gdpr_pg__col_int(r, 4);
    row.escalated = gdpr_pg__col_int(r, 5);
    row.escalations = gdpr_pg__col_int(r, 6);
    row.high_risk = gdpr_pg__col_int(r, 7);
    row.denied[0] = 0;
    for (int d = 1; d <= 7; d++)
        row.denied[d] = gdpr_pg__col_int(r, 7 + d);
    row.close_days = (int)gdpr_pg__col_int(r, 15);
    return gdpr_pg__stopped(cb->fn(&row, cb->ctx), "request KPI", row.type);
}

static void
p_range(pg_params *p, int64_t from, int64_t to)
{
    gdpr_pg__p_init(p);
    gdpr_pg__p_int(p, from);
    gdpr_pg__p_int(p, to);
}

int
gdpr_pg__request_kpi_days(store *base, int64_t from_day, int64_t to_day,
                          int (*fn)(const store_request_kpi_row *row, void *ctx), void *ctx)
{
    pg_params p;

    p_range(&p, from_day, to_day);
    /* A range of the primary key, in its order. */
    return gdpr_pg__rows((pg_store *)base,
                         "SELECT type, status, n, late, extended, escalated, escalations,"
                         " high_risk, denied1, denied2, denied3, denied4, denied5, denied6,"
                         " denied7, -1 FROM " D "request_kpi"
                         " WHERE day >= $1 AND day < $2 AND n > 0 ORDER BY day, type, status",
                         &p, "reading request KPIs", kpi_row, &(kpi_cb){fn, ctx});
}

typedef struct {
    int (*fn)(int close_days, int64_t n, void *ctx);
    void *ctx;
} close_cb;

static int
close_row(const pg_row *r, void *c)
{
    const close_cb *cb = c;
    int64_t days = gdpr_pg__col_int(r, 0);

    return gdpr_pg__stopped(cb->fn((int)days, gdpr_pg__col_int(r, 1), cb->ctx), "request KPI",
                            days);
}

int
gdpr_pg__request_kpi_close_days(store *base, int64_t from_day, int64_t to_day,
                                int (*fn)(int close_days, int64_t n, void *ctx), void *ctx)
{
    pg_params p;

    p_range(&p, from_day, to_day);
    return gdpr_pg__rows((pg_store *)base,
                         "SELECT close_days, n FROM " D "request_kpi_close"
                         " WHERE day >= $1 AND day < $2 AND n > 0 ORDER BY day, close_days",
                         &p, "reading request KPIs", close_row, &(close_cb){fn, ctx});
}

int
gdpr_pg__request_kpi_rows(store *base, int64_t from, int64_t to,
                          int (*fn)(const store_request_kpi_row *row, void *ctx), void *ctx)
{
    pg_params p;

    p_range(&p, from, to);
    /* The same expressions as gdpr_store__kpi_of() (lib/store/shared.c). */
    return gdpr_pg__rows(
        (pg_store *)base,
        "SELECT type, status, 1,"
        " (CASE WHEN status = 6 THEN info_asked_at = 0 OR info_asked_at >= due"
        " ELSE closed > 0 AND closed >= CASE WHEN status = 4 THEN first_due ELSE due END"
        " END)::int, (extended_months > 0)::int, (escalations > 0)::int, escalations,"
        " (flags <> 0)::int, (denial = 1)::int, (denial = 2)::int, (denial = 3)::int,"
        " (denial = 4)::int, (denial = 5)::int, (denial = 6)::int, (denial = 7)::int,"
        " close_days FROM " D "request WHERE received >= $1 AND received < $2 ORDER BY id",
        &p, "reading requests for KPIs", kpi_row, &(kpi_cb){fn, ctx});
}

int
gdpr_pg__request_overdue_count(store *base, int64_t due_from, int64_t due_to, int64_t from,
                               int64_t to, int64_t *count_out)
{
    pg_params p;

    p_range(&p, due_from, due_to);
    gdpr_pg__p_int(&p, from);
    gdpr_pg__p_int(&p, to);
    /* The partial index request_open_due covers (due, id, received). */
    return gdpr_pg__one_int64((pg_store *)base,
                              "SELECT count(*) FROM " D "request WHERE status IN (1, 2)"
                              " AND due > $1 AND due <= $2 AND received >= $3 AND received < $4",
                              &p, "counting overdue requests", count_out);
}

int
gdpr_pg__request_find_open(store *base, const uint8_t subject[CRYPTO_HASH_BYTES], int type,
                           int64_t *id_out)
{
    pg_params p;
    int rc;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, subject);
    gdpr_pg__p_int(&p, type);
    /* The subject's requests through request_subject_id; a subject has few. */
    rc = gdpr_pg__row((pg_store *)base,
                      "SELECT id FROM " D "request"
                      " WHERE subject_id = (SELECT id FROM " D "subject WHERE hash = $1)"
                      " AND type = $2"
                      " AND status IN (1, 2) ORDER BY id LIMIT 1",
                      &p, "looking for an open request", PG_NO_ROW, gdpr_pg__read_int64, id_out);
    return rc == PG_NO_ROW ? GDPR_ENOTFOUND : rc;
}
