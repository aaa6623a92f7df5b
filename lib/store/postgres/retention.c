/*
 * Rows of the retention capability: anchor events, the due times of vault
 * records (through the partial index vault_due), keep decisions, review
 * tasks and the resumable run log. Mirrors lib/store/sqlite/retention.c;
 * aggregates are in aggregate.c.
 * SPDX-License-Identifier: MIT
 */
#include "pg_internal.h"

#include <string.h>

#include "error.h"

#define D PG_DATA_SCHEMA "."

static int
exec_one(pg_store *st, const char *sql, const pg_params *p, const char *what, const char *noun,
         int64_t id)
{
    int64_t changed = 0;
    int rc = gdpr_pg__exec(st, sql, p, what, &changed);

    if (rc == GDPR_OK && changed == 0)
        return gdpr__err_set(GDPR_ENOTFOUND, "%s: %lld does not exist", noun, (long long)id);
    return rc;
}

/* --- anchors ------------------------------------------------------------ */

typedef struct {
    int (*fn)(int kind, const char *purpose, int64_t at, void *ctx);
    void *ctx;
} anchor_cb;

static int
anchor_row(const pg_row *r, void *c)
{
    const anchor_cb *cb = c;
    const char *purpose = gdpr_pg__col_text(r, 1);

    if (purpose == NULL)
        return gdpr__err_set(GDPR_ECORRUPT, "retention anchor: damaged row");
    return gdpr_pg__stopped(
        cb->fn((int)gdpr_pg__col_int(r, 0), purpose, gdpr_pg__col_int(r, 2), cb->ctx),
        "retention anchor", 0);
}

int
gdpr_pg__retention_anchor_foreach(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                  int (*fn)(int kind, const char *purpose, int64_t at, void *ctx),
                                  void *ctx)
{
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, subject_hash);
    return gdpr_pg__rows((pg_store *)base,
                         "SELECT kind, purpose, at FROM " D "retention_anchor"
                         " WHERE subject_id = " PG_SUBJECT_ID_1,
                         &p, "reading retention anchors", anchor_row, &(anchor_cb){fn, ctx});
}

/* An anchor's key as $1 subject, $2 kind, $3 purpose. */
static void
anchor_key(pg_params *p, const uint8_t subject_hash[CRYPTO_HASH_BYTES], int kind,
           const char *purpose)
{
    gdpr_pg__p_init(p);
    gdpr_pg__p_hash(p, subject_hash);
    gdpr_pg__p_int(p, kind);
    gdpr_pg__p_text(p, purpose);
}

int
gdpr_pg__retention_anchor_get(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES], int kind,
                              const char *purpose, int64_t *at_out)
{
    pg_params p;

    anchor_key(&p, subject_hash, kind, purpose);
    return gdpr_pg__one_int64((pg_store *)base,
                              "SELECT at FROM " D "retention_anchor"
                              " WHERE subject_id = " PG_SUBJECT_ID_1 " AND kind = $2"
                              " AND purpose = $3",
                              &p, "reading a retention anchor", at_out);
}

static int
read_two_counts(const pg_row *r, void *ctx)
{
    int64_t *c = ctx;

    c[0] = gdpr_pg__col_int(r, 0);
    c[1] = gdpr_pg__col_int(r, 1);
    return GDPR_OK;
}

int
gdpr_pg__retention_anchor_put(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES], int kind,
                              const char *purpose, int64_t at)
{
    pg_subject_entry *e = gdpr_pg__subject_cached((pg_store *)base, subject_hash);
    pg_params p;

    if (e != NULL)
        e->no_anchors = 0;
    anchor_key(&p, subject_hash, kind, purpose);
    gdpr_pg__p_int(&p, at);
    return gdpr_pg__exec((pg_store *)base,
                         "INSERT INTO " D "retention_anchor(subject_id, kind, purpose, at)"
                         " VALUES(" PG_SUBJECT_ID_1 ", $2, $3, $4)"
                         " ON CONFLICT(subject_id, kind, purpose)"
                         " DO UPDATE SET at = excluded.at",
                         &p, "storing a retention anchor", NULL);
}

int
gdpr_pg__retention_anchor_delete(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                 int kind, const char *purpose, int *deleted_out)
{
    pg_store *st = (pg_store *)base;
    pg_subject_entry *e = gdpr_pg__subject_cached(st, subject_hash);
    int64_t counts[2] = {0, 0};
    pg_params p;
    int rc;

    /* A subject known to have no anchor: nothing to delete, no statement. */
    if (e != NULL && e->no_anchors) {
        if (deleted_out)
            *deleted_out = 0;
        return GDPR_OK;
    }
    anchor_key(&p, subject_hash, kind, purpose);
    /* The rows deleted, and the subject's anchors before the delete (the
     * outer SELECT sees the snapshot the DELETE started from): none left
     * means none to delete next time. */
    rc = gdpr_pg__row(st,
                      "WITH d AS (DELETE FROM " D "retention_anchor"
                      " WHERE subject_id = " PG_SUBJECT_ID_1 " AND kind = $2"
                      " AND purpose = $3 RETURNING 1)"
                      " SELECT (SELECT count(*) FROM d),"
                      " (SELECT count(*) FROM " D "retention_anchor"
                      "  WHERE subject_id = " PG_SUBJECT_ID_1 ")",
                      &p, "removing a retention anchor", GDPR_ECORRUPT, read_two_counts, counts);
    if (rc == GDPR_OK && e != NULL && counts[1] - counts[0] <= 0)
        e->no_anchors = 1;
    if (rc == GDPR_OK && deleted_out)
        *deleted_out = counts[0] > 0;
    return rc;
}

/* --- schedules ------------------------------------------------------------ */

#define SCHEDULE_FROM                                                                              \
    "SELECT v.id, " PG_SUBJECT_HASH_OF(                                                            \
        "v.subject_id") ", v.category, v.purpose, v.field, v.collected, v.anchor, v.due,"          \
                        " s.keep_until, s.review FROM " D "vault v"                                \
                        " LEFT JOIN " D "retention_state s ON s.record = v.id"

typedef struct {
    store_retention_fn fn;
    void *ctx;
    const char *what;
} schedule_cb;

static int
schedule_row(const pg_row *r, void *c)
{
    const schedule_cb *cb = c;
    store_retention_row row;
    size_t len = 0;

    row.id = gdpr_pg__col_int(r, 0);
    row.subject = gdpr_pg__col_blob(r, 1, &len);
    row.category = gdpr_pg__col_text(r, 2);
    row.purpose = gdpr_pg__col_text(r, 3);
    row.field = gdpr_pg__col_text(r, 4);
    row.collected = gdpr_pg__col_int(r, 5);
    row.has_anchor = !gdpr_pg__col_null(r, 6);
    row.anchor = gdpr_pg__col_int(r, 6);
    row.has_due = !gdpr_pg__col_null(r, 7);
    row.due = gdpr_pg__col_int(r, 7);
    row.has_keep = !gdpr_pg__col_null(r, 8);
    row.keep_until = gdpr_pg__col_int(r, 8);
    row.review = gdpr_pg__col_int(r, 9);
    if (row.subject == NULL || len != CRYPTO_HASH_BYTES || row.category == NULL ||
        row.purpose == NULL)
        return gdpr__err_set(GDPR_ECORRUPT, "vault record %lld: damaged row", (long long)row.id);
    return gdpr_pg__stopped(cb->fn(&row, cb->ctx), cb->what, row.id);
}

int
gdpr_pg__retention_get(store *base, int64_t record, store_retention_fn fn, void *ctx)
{
    pg_params p;
    int rc;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, record);
    rc = gdpr_pg__row((pg_store *)base, SCHEDULE_FROM " WHERE v.id = $1", &p,
                      "reading a record's schedule", PG_NO_ROW, schedule_row,
                      &(schedule_cb){fn, ctx, "vault"});
    if (rc == PG_NO_ROW)
        return gdpr__err_set(GDPR_ENOTFOUND, "record: %lld is not a vault record",
                             (long long)record);
    return rc;
}

int
gdpr_pg__retention_subject_foreach(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                   store_retention_fn fn, void *ctx)
{
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, subject_hash);
    return gdpr_pg__rows((pg_store *)base,
                         SCHEDULE_FROM " WHERE v.subject_id = " PG_SUBJECT_ID_1 " ORDER BY v.id",
                         &p, "listing a subject's schedules", schedule_row,
                         &(schedule_cb){fn, ctx, "listing a subject's schedules"});
}

int
gdpr_pg__retention_scan(store *base, int64_t after_id, int limit, store_retention_fn fn, void *ctx)
{
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, after_id);
    gdpr_pg__p_int(&p, limit);
    return gdpr_pg__rows((pg_store *)base, SCHEDULE_FROM " WHERE v.id > $1 ORDER BY v.id LIMIT $2",
                         &p, "scanning schedules", schedule_row,
                         &(schedule_cb){fn, ctx, "scanning schedules"});
}

/* The cursor (after_due, after_id) as $2, $3: the smallest values when
 * there is none. */
static void
due_params(pg_params *p, int64_t as_of, int has_cursor, int64_t after_due, int64_t after_id)
{
    gdpr_pg__p_init(p);
    gdpr_pg__p_int(p, as_of);
    gdpr_pg__p_int(p, has_cursor ? after_due : INT64_MIN);
    gdpr_pg__p_int(p, has_cursor ? after_id : INT64_MIN);
}

int
gdpr_pg__retention_due_foreach(store *base, int64_t as_of, int has_cursor, int64_t after_due,
                               int64_t after_id, int limit, store_retention_fn fn, void *ctx)
{
    pg_params p;

    due_params(&p, as_of, has_cursor, after_due, after_id);
    /* LIMIT NULL is no limit. */
    gdpr_pg__p_int_or_null(&p, limit > 0, limit);
    /* A range of the partial index vault_due (due, id), in its order. */
    return gdpr_pg__rows((pg_store *)base,
                         SCHEDULE_FROM " WHERE v.due <= $1 AND (v.due, v.id) > ($2, $3)"
                                       " ORDER BY v.due, v.id LIMIT $4",
                         &p, "listing due records", schedule_row,
                         &(schedule_cb){fn, ctx, "listing due records"});
}

int
gdpr_pg__retention_due_count(store *base, int64_t as_of, int has_cursor, int64_t after_due,
                             int64_t after_id, int64_t *count_out)
{
    pg_params p;

    due_params(&p, as_of, has_cursor, after_due, after_id);
    return gdpr_pg__one_int64((pg_store *)base,
                              "SELECT count(*) FROM " D "vault"
                              " WHERE due <= $1 AND (due, id) > ($2, $3)",
                              &p, "counting due records", count_out);
}

int
gdpr_pg__retention_set_schedule(store *base, int64_t record, int has_anchor, int64_t anchor,
                                int has_due, int64_t due)
{
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, record);
    gdpr_pg__p_int_or_null(&p, has_anchor, anchor);
    gdpr_pg__p_int_or_null(&p, has_due, due);
    return exec_one((pg_store *)base, "UPDATE " D "vault SET anchor = $2, due = $3 WHERE id = $1",
                    &p, "setting a due time", "record", record);
}

int
gdpr_pg__retention_state_put(store *base, int64_t record, int has_keep, int64_t keep_until,
                             int64_t review)
{
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, record);
    if (!has_keep && review == 0)
        return gdpr_pg__exec((pg_store *)base, "DELETE FROM " D "retention_state WHERE record = $1",
                             &p, "storing a record's retention state", NULL);
    gdpr_pg__p_int_or_null(&p, has_keep, keep_until);
    gdpr_pg__p_int_or_null(&p, review != 0, review);
    return gdpr_pg__exec((pg_store *)base,
                         "INSERT INTO " D "retention_state(record, keep_until, review)"
                         " VALUES($1, $2, $3) ON CONFLICT(record) DO UPDATE SET"
                         " keep_until = excluded.keep_until, review = excluded.review",
                         &p, "storing a record's retention state", NULL);
}

/* --- runs ----------------------------------------------------------------- */

static int
read_run(const pg_row *r, void *ctx)
{
    store_retention_run_row *out = ctx;

    memset(out, 0, sizeof *out);
    out->id = gdpr_pg__col_int(r, 0);
    out->as_of = gdpr_pg__col_int(r, 1);
    out->started = gdpr_pg__col_int(r, 2);
    out->has_cursor = !gdpr_pg__col_null(r, 3);
    out->cursor_due = gdpr_pg__col_int(r, 3);
    out->cursor_id = gdpr_pg__col_int(r, 4);
    out->examined = gdpr_pg__col_int(r, 5);
    out->erased = gdpr_pg__col_int(r, 6);
    out->anonymised = gdpr_pg__col_int(r, 7);
    out->reviews_opened = gdpr_pg__col_int(r, 8);
    out->held = gdpr_pg__col_int(r, 9);
    return GDPR_OK;
}

int
gdpr_pg__retention_run_open(store *base, store_retention_run_row *out)
{
    return gdpr_pg__row((pg_store *)base,
                        "SELECT id, as_of, started, cursor_due, cursor_id, examined, erased,"
                        " anonymised, reviews_opened, held FROM " D "retention_run"
                        " WHERE finished = 0 ORDER BY id DESC LIMIT 1",
                        NULL, "reading the open retention run", GDPR_ENOTFOUND, read_run, out);
}

int
gdpr_pg__retention_run_insert(store *base, store_retention_run_row *row, const char *actor)
{
    int64_t id = 0;
    pg_params p;
    int rc = gdpr_pg__next_id(base, STORE_SEQ_RETENTION_RUN, &id);

    if (rc != GDPR_OK)
        return rc;
    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, row->as_of);
    gdpr_pg__p_int(&p, row->started);
    gdpr_pg__p_text(&p, actor);
    gdpr_pg__p_int(&p, id);
    rc = gdpr_pg__exec((pg_store *)base,
                       "INSERT INTO " D "retention_run(as_of, started, actor, id)"
                       " VALUES($1, $2, $3, $4)",
                       &p, "starting a retention run", NULL);
    if (rc == GDPR_OK)
        row->id = id;
    return rc;
}

int
gdpr_pg__retention_run_update(store *base, const store_retention_run_row *row)
{
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, row->id);
    gdpr_pg__p_int(&p, row->as_of);
    gdpr_pg__p_int_or_null(&p, row->has_cursor, row->cursor_due);
    gdpr_pg__p_int_or_null(&p, row->has_cursor, row->cursor_id);
    gdpr_pg__p_int(&p, row->examined);
    gdpr_pg__p_int(&p, row->erased);
    gdpr_pg__p_int(&p, row->anonymised);
    gdpr_pg__p_int(&p, row->reviews_opened);
    gdpr_pg__p_int(&p, row->held);
    gdpr_pg__p_int(&p, row->finished);
    return exec_one((pg_store *)base,
                    "UPDATE " D "retention_run SET as_of = $2, cursor_due = $3, cursor_id = $4,"
                    " examined = $5, erased = $6, anonymised = $7, reviews_opened = $8,"
                    " held = $9, finished = $10 WHERE id = $1",
                    &p, "recording retention progress", "retention run", row->id);
}

/* --- reviews -------------------------------------------------------------- */

#define REVIEW_COLUMNS                                                                             \
    "id, record, subject, rule, category, purpose, record_due, opened, deadline, status,"          \
    " decided, decided_by, role, keep_until, justification"

typedef struct {
    store_review_fn fn;
    void *ctx;
} review_cb;

static int
review_row(const pg_row *r, void *c)
{
    const review_cb *cb = c;
    store_review_row row;
    size_t len = 0;

    row.id = gdpr_pg__col_int(r, 0);
    row.record = gdpr_pg__col_int(r, 1);
    row.subject = gdpr_pg__col_blob(r, 2, &len);
    row.rule = gdpr_pg__col_text(r, 3);
    row.category = gdpr_pg__col_text(r, 4);
    row.purpose = gdpr_pg__col_text(r, 5);
    row.record_due = gdpr_pg__col_int(r, 6);
    row.opened = gdpr_pg__col_int(r, 7);
    row.deadline = gdpr_pg__col_int(r, 8);
    row.status = (int)gdpr_pg__col_int(r, 9);
    row.decided = gdpr_pg__col_int(r, 10);
    row.decided_by = gdpr_pg__col_text(r, 11);
    row.role = gdpr_pg__col_text(r, 12);
    row.keep_until = gdpr_pg__col_int(r, 13);
    row.justification = gdpr_pg__col_blob(r, 14, &row.justification_len);
    if (row.subject == NULL || len != CRYPTO_HASH_BYTES || row.rule == NULL ||
        row.category == NULL || row.purpose == NULL)
        return gdpr__err_set(GDPR_ECORRUPT, "review %lld: damaged row", (long long)row.id);
    return gdpr_pg__stopped(cb->fn(&row, cb->ctx), "review", row.id);
}

int
gdpr_pg__review_insert(store *base, const store_review_row *row, int64_t *id_out)
{
    int64_t id = 0;
    pg_params p;
    int rc = gdpr_pg__next_id(base, STORE_SEQ_REVIEW, &id);

    if (rc != GDPR_OK)
        return rc;
    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, row->record);
    gdpr_pg__p_hash(&p, row->subject);
    gdpr_pg__p_text(&p, row->rule);
    gdpr_pg__p_text(&p, row->category);
    gdpr_pg__p_text(&p, row->purpose);
    gdpr_pg__p_int(&p, row->record_due);
    gdpr_pg__p_int(&p, row->opened);
    gdpr_pg__p_int(&p, row->deadline);
    gdpr_pg__p_int(&p, id);
    rc = gdpr_pg__exec((pg_store *)base,
                       "INSERT INTO " D "retention_review(record, subject, rule, category,"
                       " purpose, record_due, opened, deadline, status, id)"
                       " VALUES($1, $2, $3, $4, $5, $6, $7, $8, 1, $9)",
                       &p, "opening a review task", NULL);
    if (rc == GDPR_OK)
        *id_out = id;
    return rc;
}

int
gdpr_pg__review_get(store *base, int64_t id, store_review_fn fn, void *ctx)
{
    pg_params p;
    int rc;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, id);
    rc = gdpr_pg__row((pg_store *)base,
                      "SELECT " REVIEW_COLUMNS " FROM " D "retention_review WHERE id = $1", &p,
                      "reading a review task", PG_NO_ROW, review_row, &(review_cb){fn, ctx});
    if (rc == PG_NO_ROW)
        return gdpr__err_set(GDPR_ENOTFOUND, "task: %lld is not a review task", (long long)id);
    return rc;
}

int
gdpr_pg__review_foreach(store *base, int status, store_review_fn fn, void *ctx)
{
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, status);
    return gdpr_pg__rows((pg_store *)base,
                         "SELECT " REVIEW_COLUMNS " FROM " D "retention_review"
                         " WHERE $1 = 0 OR status = $1 ORDER BY id",
                         &p, "listing review tasks", review_row, &(review_cb){fn, ctx});
}

int
gdpr_pg__review_overdue_foreach(store *base, int64_t as_of, store_review_fn fn, void *ctx)
{
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, as_of);
    return gdpr_pg__rows((pg_store *)base,
                         "SELECT " REVIEW_COLUMNS " FROM " D "retention_review"
                         " WHERE status = 1 AND deadline <= $1 ORDER BY deadline, id",
                         &p, "listing overdue review tasks", review_row, &(review_cb){fn, ctx});
}

int
gdpr_pg__review_decide(store *base, int64_t id, int status, int64_t decided, const char *actor,
                       const char *role, int64_t keep_until, const uint8_t *sealed,
                       size_t sealed_len)
{
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, id);
    gdpr_pg__p_int(&p, status);
    gdpr_pg__p_int(&p, decided);
    gdpr_pg__p_text(&p, actor);
    gdpr_pg__p_text(&p, role);
    gdpr_pg__p_int(&p, keep_until);
    gdpr_pg__p_blob(&p, sealed, sealed_len);
    return exec_one((pg_store *)base,
                    "UPDATE " D "retention_review SET status = $2, decided = $3, decided_by = $4,"
                    " role = $5, keep_until = $6, justification = $7 WHERE id = $1 AND status = 1",
                    &p, "deciding a review task", "open review task", id);
}
