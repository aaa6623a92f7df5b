/*
 * Rows of the data-subject request register: requests, their history,
 * and the KPI counters, moved here with every insert and update.
 * SPDX-License-Identifier: MIT
 */
#include "store_shared.h"
#include "sqlite_internal.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"

#define REQUEST_COLUMNS                                                                            \
    "id, type, status, subject, ident_kind, ident_hash, ident_value, channel,"                     \
    " received, first_due, due, extended_months, told_at, verification, verify_method,"            \
    " verified_at, flags, escalated_to, escalations, denial, grace_until, closed, close_days,"     \
    " updated, policy_version, info_asked_at, duplicate_of"

static void
bind_text_or_null(sqlite3_stmt *s, int col, const char *text)
{
    if (text != NULL && text[0] != '\0')
        sqlite3_bind_text(s, col, text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, col);
}

static void
bind_blob_or_null(sqlite3_stmt *s, int col, const uint8_t *blob, size_t len)
{
    if (blob != NULL && len > 0)
        sqlite3_bind_blob(s, col, blob, (int)len, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, col);
}

static int
copy_text(sqlite3_stmt *s, int col, char *buf, size_t cap, int64_t id, const char *what)
{
    const char *t = (const char *)sqlite3_column_text(s, col);
    size_t len = (size_t)sqlite3_column_bytes(s, col);

    buf[0] = '\0';
    if (t == NULL)
        return GDPR_OK;
    if (len >= cap)
        return gdpr__err_set(GDPR_ECORRUPT, "request %lld: %s is %zu bytes, at most %zu expected",
                             (long long)id, what, len, cap - 1);
    memcpy(buf, t, len);
    buf[len] = '\0';
    return GDPR_OK;
}

static int
copy_blob(sqlite3_stmt *s, int col, uint8_t *buf, size_t cap, size_t *len_out, int64_t id,
          const char *what)
{
    size_t len = (size_t)sqlite3_column_bytes(s, col);

    *len_out = 0;
    if (sqlite3_column_type(s, col) == SQLITE_NULL)
        return GDPR_OK;
    if (len > cap)
        return gdpr__err_set(GDPR_ECORRUPT, "request %lld: %s is %zu bytes, at most %zu expected",
                             (long long)id, what, len, cap);
    memcpy(buf, sqlite3_column_blob(s, col), len);
    *len_out = len;
    return GDPR_OK;
}

static int
copy_hash(sqlite3_stmt *s, int col, uint8_t out[CRYPTO_HASH_BYTES], int *has_out, int64_t id,
          const char *what)
{
    *has_out = 0;
    if (sqlite3_column_type(s, col) == SQLITE_NULL)
        return GDPR_OK;
    if (sqlite3_column_bytes(s, col) != (int)CRYPTO_HASH_BYTES)
        return gdpr__err_set(GDPR_ECORRUPT, "request %lld: %s has the wrong length", (long long)id,
                             what);
    memcpy(out, sqlite3_column_blob(s, col), CRYPTO_HASH_BYTES);
    *has_out = 1;
    return GDPR_OK;
}

/* Read the REQUEST_COLUMNS of the current row. */
static int
read_row(sqlite3_stmt *s, store_request_row *r)
{
    int rc;

    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(s, 0);
    r->type = sqlite3_column_int(s, 1);
    r->status = sqlite3_column_int(s, 2);
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
    r->received = sqlite3_column_int64(s, 8);
    r->first_due = sqlite3_column_int64(s, 9);
    r->due = sqlite3_column_int64(s, 10);
    r->extended_months = sqlite3_column_int(s, 11);
    r->told_at = sqlite3_column_int64(s, 12);
    r->verification = sqlite3_column_int(s, 13);
    r->verify_method = sqlite3_column_int(s, 14);
    r->verified_at = sqlite3_column_int64(s, 15);
    r->flags = (unsigned int)sqlite3_column_int64(s, 16);
    r->escalations = sqlite3_column_int(s, 18);
    r->denial = sqlite3_column_int(s, 19);
    r->grace_until = sqlite3_column_int64(s, 20);
    r->closed = sqlite3_column_int64(s, 21);
    r->close_days = sqlite3_column_int(s, 22);
    r->updated = sqlite3_column_int64(s, 23);
    r->policy_version = sqlite3_column_int64(s, 24);
    r->info_asked_at = sqlite3_column_int64(s, 25);
    r->duplicate_of = sqlite3_column_int64(s, 26);
    return rc;
}

/* Columns 2.. of an insert or update, in REQUEST_COLUMNS order from
 * status on; `first` is the parameter number of status. */
static void
bind_mutable(sqlite3_stmt *s, int first, const store_request_row *r)
{
    int c = first;

    sqlite3_bind_int(s, c++, r->status);
    if (r->has_subject)
        sqlite3_bind_blob(s, c++, r->subject, CRYPTO_HASH_BYTES, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, c++);
    bind_text_or_null(s, c++, r->ident_kind);
    if (r->has_ident_hash)
        sqlite3_bind_blob(s, c++, r->ident_hash, CRYPTO_HASH_BYTES, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, c++);
    bind_blob_or_null(s, c++, r->ident_value, r->ident_value_len);
    sqlite3_bind_text(s, c++, r->channel, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, c++, r->first_due);
    sqlite3_bind_int64(s, c++, r->due);
    sqlite3_bind_int(s, c++, r->extended_months);
    sqlite3_bind_int64(s, c++, r->told_at);
    sqlite3_bind_int(s, c++, r->verification);
    sqlite3_bind_int(s, c++, r->verify_method);
    sqlite3_bind_int64(s, c++, r->verified_at);
    sqlite3_bind_int64(s, c++, (int64_t)r->flags);
    bind_text_or_null(s, c++, r->escalated_to);
    sqlite3_bind_int(s, c++, r->escalations);
    sqlite3_bind_int(s, c++, r->denial);
    sqlite3_bind_int64(s, c++, r->grace_until);
    sqlite3_bind_int64(s, c++, r->closed);
    sqlite3_bind_int(s, c++, r->close_days);
    sqlite3_bind_int64(s, c++, r->updated);
    sqlite3_bind_int64(s, c++, r->policy_version);
    sqlite3_bind_int64(s, c, r->info_asked_at);
}

/* --- KPI counters ------------------------------------------------------ */

/* Add (sign 1) or take back (sign -1) one request's part. */
static int
kpi_apply(sqlite_store *st, const store_kpi_part *k, int sign)
{
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(
        st,
        "INSERT INTO main.request_kpi VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
        " ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
        " ON CONFLICT(day, type, status) DO UPDATE SET n = n + excluded.n,"
        " late = late + excluded.late, extended = extended + excluded.extended,"
        " escalated = escalated + excluded.escalated,"
        " escalations = escalations + excluded.escalations,"
        " high_risk = high_risk + excluded.high_risk,"
        " denied1 = denied1 + excluded.denied1,"
        " denied2 = denied2 + excluded.denied2,"
        " denied3 = denied3 + excluded.denied3,"
        " denied4 = denied4 + excluded.denied4,"
        " denied5 = denied5 + excluded.denied5,"
        " denied6 = denied6 + excluded.denied6,"
        " denied7 = denied7 + excluded.denied7",
        &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, k->day);
    sqlite3_bind_int(s, 2, k->type);
    sqlite3_bind_int(s, 3, k->status);
    sqlite3_bind_int(s, 4, sign);
    sqlite3_bind_int64(s, 5, sign * k->late);
    sqlite3_bind_int64(s, 6, sign * k->extended);
    sqlite3_bind_int64(s, 7, sign * k->escalated);
    sqlite3_bind_int64(s, 8, sign * k->escalations);
    sqlite3_bind_int64(s, 9, sign * k->high_risk);
    for (int d = 1; d <= 7; d++)
        sqlite3_bind_int(s, 9 + d, k->denial == d ? sign : 0);
    rc = gdpr_sqlite__sq_step_done(st, s, "counting a request");
    if (rc != GDPR_OK || !gdpr_store__kpi_decided(k->status))
        return rc;
    rc = gdpr_sqlite__sq_stmt(st,
                              "INSERT INTO main.request_kpi_close VALUES(?1, ?2, ?3)"
                              " ON CONFLICT(day, close_days) DO UPDATE SET n = n + excluded.n",
                              &s);
    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, k->day);
    sqlite3_bind_int(s, 2, k->close_days);
    sqlite3_bind_int(s, 3, sign);
    return gdpr_sqlite__sq_step_done(st, s, "counting a closed request");
}

/* The part a stored request adds now; GDPR_ENOTFOUND when there is none. */
static int
kpi_stored(sqlite_store *st, int64_t id, store_kpi_part *k)
{
    store_request_row *r;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(
        st,
        "SELECT type, received, status, closed, due, extended_months,"
        " escalations, flags, denial, close_days, first_due, info_asked_at FROM main.request"
        " WHERE id=?1",
        &s);

    if (rc != GDPR_OK)
        return rc;
    r = calloc(1, sizeof *r);
    if (r == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory updating a request");
    sqlite3_bind_int64(s, 1, id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        r->status = sqlite3_column_int(s, 2);
        r->closed = sqlite3_column_int64(s, 3);
        r->due = sqlite3_column_int64(s, 4);
        r->extended_months = sqlite3_column_int(s, 5);
        r->escalations = sqlite3_column_int(s, 6);
        r->flags = (unsigned int)sqlite3_column_int64(s, 7);
        r->denial = sqlite3_column_int(s, 8);
        r->close_days = sqlite3_column_int(s, 9);
        r->first_due = sqlite3_column_int64(s, 10);
        r->info_asked_at = sqlite3_column_int64(s, 11);
        gdpr_store__kpi_of(sqlite3_column_int(s, 0), sqlite3_column_int64(s, 1), r, k);
        rc = GDPR_OK;
    } else if (rc == SQLITE_DONE) {
        rc = gdpr__err_set(GDPR_ENOTFOUND, "request %lld does not exist", (long long)id);
    } else {
        rc = gdpr_sqlite__sq_fail(st, rc, "reading a request");
    }
    gdpr_sqlite__sq_reset(s);
    free(r);
    return rc;
}

int
gdpr_sqlite__request_insert(store *base, const store_request_row *row)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc =
        gdpr_sqlite__sq_stmt(st,
                             "INSERT INTO main.request(id, type, received, status, subject,"
                             " ident_kind, ident_hash, ident_value, channel, first_due, due,"
                             " extended_months, told_at, verification, verify_method, verified_at,"
                             " flags, escalated_to, escalations, denial, grace_until, closed,"
                             " close_days, updated, policy_version, info_asked_at, duplicate_of,"
                             " subject_id)"
                             " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
                             " ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27,"
                             " " SQ_SUBJECT_ID_CACHED("28", "5") ")",
                             &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, row->id);
    sqlite3_bind_int(s, 2, row->type);
    sqlite3_bind_int64(s, 3, row->received);
    bind_mutable(s, 4, row);
    sqlite3_bind_int64(s, 27, row->duplicate_of);
    gdpr_sqlite__sq_bind_subject_cached(st, s, 28, row->has_subject ? row->subject : NULL);
    rc = gdpr_sqlite__sq_step_done(st, s, "storing a request");
    if (rc == GDPR_OK) {
        store_kpi_part k;
        gdpr_store__kpi_of(row->type, row->received, row, &k);
        rc = kpi_apply(st, &k, 1);
    }
    return rc;
}

int
gdpr_sqlite__request_update(store *base, const store_request_row *row)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    store_kpi_part before, after;
    /* type and received are not written: the counters keep their slot */
    int rc = kpi_stored(st, row->id, &before);

    if (rc == GDPR_OK)
        rc =
            gdpr_sqlite__sq_stmt(st,
                                 "UPDATE main.request SET status=?2, subject=?3, ident_kind=?4,"
                                 " ident_hash=?5, ident_value=?6, channel=?7, first_due=?8, due=?9,"
                                 " extended_months=?10, told_at=?11, verification=?12,"
                                 " verify_method=?13, verified_at=?14, flags=?15, escalated_to=?16,"
                                 " escalations=?17, denial=?18, grace_until=?19, closed=?20,"
                                 " close_days=?21, updated=?22, policy_version=?23,"
                                 " info_asked_at=?24, duplicate_of=?25,"
                                 /* the id follows a change of subject only: a
                                  * request of an erased subject keeps none */
                                 " subject_id=CASE WHEN subject IS ?3 THEN subject_id"
                                 " ELSE " SQ_SUBJECT_ID("3") " END WHERE id=?1",
                                 &s);
    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, row->id);
    bind_mutable(s, 2, row);
    sqlite3_bind_int64(s, 25, row->duplicate_of);
    rc = gdpr_sqlite__sq_step_done(st, s, "updating a request");
    gdpr_store__kpi_of(before.type, before.day * 86400, row, &after);
    after.day = before.day;
    if (rc == GDPR_OK && !gdpr_store__kpi_same(&before, &after)) {
        rc = kpi_apply(st, &before, -1);
        if (rc == GDPR_OK)
            rc = kpi_apply(st, &after, 1);
    }
    return rc;
}

int
gdpr_sqlite__request_get(store *base, int64_t id, store_request_row *out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc =
        gdpr_sqlite__sq_stmt(st, "SELECT " REQUEST_COLUMNS " FROM main.request WHERE id=?1", &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        int result = read_row(s, out);
        gdpr_sqlite__sq_reset(s);
        return result;
    }
    gdpr_sqlite__sq_reset(s);
    if (rc == SQLITE_DONE)
        return gdpr__err_set(GDPR_ENOTFOUND, "request %lld does not exist", (long long)id);
    return gdpr_sqlite__sq_fail(st, rc, "reading a request");
}

/* End a cursor of gdpr_sqlite__sq_cursor as `own` says. */
static void
end_cursor(sqlite3_stmt *s, int own)
{
    if (own == SQ_OWN)
        sqlite3_finalize(s);
    else
        gdpr_sqlite__sq_reset(s);
}

/* Step a cursor (gdpr_sqlite__sq_cursor) on a SELECT of REQUEST_COLUMNS
 * through fn, then end it as `own` says. */
static int
walk_requests(sqlite_store *st, sqlite3_stmt *s, int own, store_request_fn fn, void *ctx,
              const char *what)
{
    store_request_row *row = malloc(sizeof *row);
    int result = GDPR_OK;
    int rc;

    if (row == NULL) {
        end_cursor(s, own);
        return gdpr__err_set(GDPR_ENOMEM, "out of memory %s", what);
    }
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int stop;
        result = read_row(s, row);
        if (result != GDPR_OK)
            break;
        stop = fn(row, ctx);
        if (stop != 0) {
            result = gdpr_sqlite__sq_stopped(stop, "request list", row->id);
            break;
        }
    }
    if (result == GDPR_OK && rc != SQLITE_DONE)
        result = gdpr_sqlite__sq_fail(st, rc, what);
    end_cursor(s, own);
    free(row);
    return result;
}

int
gdpr_sqlite__request_foreach(store *base, const uint8_t *subject_hash, int status,
                             store_request_fn fn, void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s = NULL;
    const char *sql = subject_hash
                          /* The subject's requests by its id, and those of an erased
                           * subject of that hash, which keep the hash but lost the id
                           * (docs/decisions/0018): the register outlives erasure. */
                          ? "SELECT " REQUEST_COLUMNS " FROM main.request"
                            " WHERE subject_id=" SQ_SUBJECT_ID_1 " AND (?2 = 0 OR status = ?2)"
                            " UNION ALL SELECT " REQUEST_COLUMNS " FROM main.request"
                            " WHERE subject_id IS NULL AND subject IS NOT NULL AND subject=?1"
                            " AND (?2 = 0 OR status = ?2) ORDER BY id"
                          : "SELECT " REQUEST_COLUMNS " FROM main.request"
                            " WHERE ?2 = 0 OR status = ?2 ORDER BY id";
    int own = SQ_CACHED;
    int rc = gdpr_sqlite__sq_cursor(st, sql, &s, &own);

    if (rc != GDPR_OK)
        return rc;
    if (subject_hash)
        sqlite3_bind_blob(s, 1, subject_hash, CRYPTO_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, status);
    return walk_requests(st, s, own, fn, ctx, "listing requests");
}

int
gdpr_sqlite__request_foreach_due(store *base, int64_t after, int64_t until, store_request_fn fn,
                                 void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s = NULL;
    int own = SQ_CACHED;
    /* The status term repeats the index's WHERE word for word: that is how
     * SQLite knows the partial index request_open_due applies. Prepared
     * once (a cursor): preparing these 27 columns cost more than listing
     * a few dozen rows. */
    int rc = gdpr_sqlite__sq_cursor(st,
                                    "SELECT " REQUEST_COLUMNS " FROM main.request"
                                    " INDEXED BY request_open_due"
                                    " WHERE status IN (1, 2) AND due > ?1 AND due <= ?2"
                                    " ORDER BY due, id",
                                    &s, &own);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, after);
    sqlite3_bind_int64(s, 2, until);
    return walk_requests(st, s, own, fn, ctx, "listing due requests");
}

/* --- history --------------------------------------------------------- */

int
gdpr_sqlite__request_event_insert(store *base, const store_request_event_row *row)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc =
        gdpr_sqlite__sq_stmt(st,
                             "INSERT INTO main.request_event(id, request, at, actor, role,"
                             " action, status, detail, note) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
                             " ?9)",
                             &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, row->id);
    sqlite3_bind_int64(s, 2, row->request);
    sqlite3_bind_int64(s, 3, row->at);
    sqlite3_bind_text(s, 4, row->actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, row->role, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, row->action, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 7, row->status);
    bind_text_or_null(s, 8, row->detail);
    bind_blob_or_null(s, 9, row->note, row->note_len);
    return gdpr_sqlite__sq_step_done(st, s, "storing a request event");
}

static const char *
text_or_null(sqlite3_stmt *s, int col)
{
    return (const char *)sqlite3_column_text(s, col);
}

int
gdpr_sqlite__request_event_foreach(store *base, int64_t request,
                                   int (*fn)(const store_request_event_row *row, void *ctx),
                                   void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db,
                                "SELECT id, request, at, actor, role, action, status, detail,"
                                " note FROM main.request_event WHERE request=?1 ORDER BY id",
                                -1, &s, NULL);
    int result = GDPR_OK;

    if (rc != SQLITE_OK)
        return gdpr_sqlite__sq_fail(st, rc, "reading a request's history");
    sqlite3_bind_int64(s, 1, request);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        store_request_event_row row;
        int stop;

        row.id = sqlite3_column_int64(s, 0);
        row.request = sqlite3_column_int64(s, 1);
        row.at = sqlite3_column_int64(s, 2);
        row.actor = text_or_null(s, 3);
        row.role = text_or_null(s, 4);
        row.action = text_or_null(s, 5);
        row.status = sqlite3_column_int(s, 6);
        row.detail = text_or_null(s, 7);
        row.note = sqlite3_column_type(s, 8) == SQLITE_NULL
                       ? NULL
                       : (const uint8_t *)sqlite3_column_blob(s, 8);
        row.note_len = row.note ? (size_t)sqlite3_column_bytes(s, 8) : 0;
        if (row.actor == NULL || row.role == NULL || row.action == NULL) {
            result =
                gdpr__err_set(GDPR_ECORRUPT, "request event %lld: damaged row", (long long)row.id);
            break;
        }
        stop = fn(&row, ctx);
        if (stop != 0) {
            result = gdpr_sqlite__sq_stopped(stop, "request history", row.id);
            break;
        }
    }
    if (result == GDPR_OK && rc != SQLITE_DONE)
        result = gdpr_sqlite__sq_fail(st, rc, "reading a request's history");
    sqlite3_finalize(s);
    return result;
}

/* --- KPIs ------------------------------------------------------------ */

static int
walk_kpi(sqlite_store *st, sqlite3_stmt *s, int (*fn)(const store_request_kpi_row *row, void *ctx),
         void *ctx, const char *what)
{
    int result = GDPR_OK;
    int rc;

    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        store_request_kpi_row row;
        int stop;

        row.type = sqlite3_column_int(s, 0);
        row.status = sqlite3_column_int(s, 1);
        row.n = sqlite3_column_int64(s, 2);
        row.late = sqlite3_column_int64(s, 3);
        row.extended = sqlite3_column_int64(s, 4);
        row.escalated = sqlite3_column_int64(s, 5);
        row.escalations = sqlite3_column_int64(s, 6);
        row.high_risk = sqlite3_column_int64(s, 7);
        row.denied[0] = 0;
        for (int d = 1; d <= 7; d++)
            row.denied[d] = sqlite3_column_int64(s, 7 + d);
        row.close_days = sqlite3_column_int(s, 15);
        stop = fn(&row, ctx);
        if (stop != 0) {
            result = gdpr_sqlite__sq_stopped(stop, "request KPI", row.type);
            break;
        }
    }
    if (result == GDPR_OK && rc != SQLITE_DONE)
        result = gdpr_sqlite__sq_fail(st, rc, what);
    gdpr_sqlite__sq_reset(s);
    return result;
}

int
gdpr_sqlite__request_kpi_days(store *base, int64_t from_day, int64_t to_day,
                              int (*fn)(const store_request_kpi_row *row, void *ctx), void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    /* A range of the primary key, streamed: no sort, no temporary table. */
    int rc =
        gdpr_sqlite__sq_stmt(st,
                             "SELECT type, status, n, late, extended, escalated, escalations,"
                             " high_risk, denied1, denied2, denied3, denied4, denied5, denied6,"
                             " denied7, -1"
                             " FROM main.request_kpi WHERE day >= ?1 AND day < ?2 AND n > 0",
                             &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, from_day);
    sqlite3_bind_int64(s, 2, to_day);
    return walk_kpi(st, s, fn, ctx, "reading request KPIs");
}

int
gdpr_sqlite__request_kpi_close_days(store *base, int64_t from_day, int64_t to_day,
                                    int (*fn)(int close_days, int64_t n, void *ctx), void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int result = GDPR_OK;
    int rc = gdpr_sqlite__sq_stmt(st,
                                  "SELECT close_days, n FROM main.request_kpi_close"
                                  " WHERE day >= ?1 AND day < ?2 AND n > 0",
                                  &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, from_day);
    sqlite3_bind_int64(s, 2, to_day);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int stop = fn(sqlite3_column_int(s, 0), sqlite3_column_int64(s, 1), ctx);
        if (stop != 0) {
            result = gdpr_sqlite__sq_stopped(stop, "request KPI", sqlite3_column_int64(s, 0));
            break;
        }
    }
    if (result == GDPR_OK && rc != SQLITE_DONE)
        result = gdpr_sqlite__sq_fail(st, rc, "reading request KPIs");
    gdpr_sqlite__sq_reset(s);
    return result;
}

int
gdpr_sqlite__request_kpi_rows(store *base, int64_t from, int64_t to,
                              int (*fn)(const store_request_kpi_row *row, void *ctx), void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    /* The same expressions as gdpr_store__kpi_of() (lib/store/shared.c). */
    int rc = gdpr_sqlite__sq_stmt(
        st,
        "SELECT type, status, 1,"
        " CASE WHEN status = 6 THEN info_asked_at = 0 OR info_asked_at >= due"
        " ELSE closed > 0 AND closed >= CASE WHEN status = 4 THEN first_due ELSE due END END,"
        " extended_months > 0, escalations > 0, escalations, flags <> 0,"
        " denial = 1, denial = 2, denial = 3, denial = 4, denial = 5, denial = 6,"
        " denial = 7, close_days"
        " FROM main.request WHERE received >= ?1 AND received < ?2",
        &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, from);
    sqlite3_bind_int64(s, 2, to);
    return walk_kpi(st, s, fn, ctx, "reading requests for KPIs");
}

int
gdpr_sqlite__request_overdue_count(store *base, int64_t due_from, int64_t due_to, int64_t from,
                                   int64_t to, int64_t *count_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    /* The index covers (due, id, received): no table row is read. */
    int rc =
        gdpr_sqlite__sq_stmt(st,
                             "SELECT count(*) FROM main.request INDEXED BY request_open_due"
                             " WHERE status IN (1, 2) AND due > ?1 AND due <= ?2 AND received >= ?3"
                             " AND received < ?4",
                             &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, due_from);
    sqlite3_bind_int64(s, 2, due_to);
    sqlite3_bind_int64(s, 3, from);
    sqlite3_bind_int64(s, 4, to);
    rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        gdpr_sqlite__sq_reset(s);
        return gdpr_sqlite__sq_fail(st, rc, "counting overdue requests");
    }
    *count_out = sqlite3_column_int64(s, 0);
    gdpr_sqlite__sq_reset(s);
    return GDPR_OK;
}

int
gdpr_sqlite__request_find_open(store *base, const uint8_t subject[CRYPTO_HASH_BYTES], int type,
                               int64_t *id_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    /* The subject's requests through request_subject_id; a subject has few. */
    int rc = gdpr_sqlite__sq_stmt(st,
                                  "SELECT id FROM main.request"
                                  " WHERE subject_id = " SQ_SUBJECT_ID_CACHED(
                                      "3", "1") " AND type = ?2"
                                                " AND status IN (1, 2) ORDER BY id LIMIT 1",
                                  &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, subject);
    sqlite3_bind_int(s, 2, type);
    gdpr_sqlite__sq_bind_subject_cached(st, s, 3, subject);
    rc = gdpr_sqlite__sq_row(st, s, "looking for an open request", SQ_NO_ROW,
                             gdpr_sqlite__sq_read_int64, id_out);
    return rc == SQ_NO_ROW ? GDPR_ENOTFOUND : rc;
}
