/*
 * Rows of the retention capability: anchor events, the due times of vault
 * records (through the partial index vault_due), keep decisions, review
 * tasks, the resumable run log and anonymisation aggregates.
 * SPDX-License-Identifier: MIT
 */
#include "sqlite_internal.h"

#include <stdio.h>
#include <string.h>

#include "error.h"

static int
changed_one(sqlite_store *st, int rc, const char *what, int64_t id)
{
    if (rc == GDPR_OK && sqlite3_changes64(st->db) == 0)
        return gdpr__err_set(GDPR_ENOTFOUND, "%s: %lld does not exist", what, (long long)id);
    return rc;
}

/* --- anchors ------------------------------------------------------------ */

typedef struct {
    int (*fn)(int kind, const char *purpose, int64_t at, void *ctx);
    void *ctx;
} anchor_cb;

static int
anchor_row(sqlite3_stmt *s, void *c)
{
    const anchor_cb *cb = c;
    const char *purpose = (const char *)sqlite3_column_text(s, 1);

    if (purpose == NULL)
        return gdpr__err_set(GDPR_ECORRUPT, "retention anchor: damaged row");
    return gdpr_sqlite__sq_stopped(
        cb->fn(sqlite3_column_int(s, 0), purpose, sqlite3_column_int64(s, 2), cb->ctx),
        "retention anchor", 0);
}

int
gdpr_sqlite__retention_anchor_foreach(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                      int (*fn)(int kind, const char *purpose, int64_t at,
                                                void *ctx),
                                      void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st,
                                  "SELECT kind, purpose, at FROM main.retention_anchor"
                                  " WHERE subject_id=" SQ_SUBJECT_ID_CACHED("2", "1"),
                                  &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, subject_hash);
    gdpr_sqlite__sq_bind_subject_cached(st, s, 2, subject_hash);
    return gdpr_sqlite__sq_rows(st, s, SQ_CACHED, "reading retention anchors", anchor_row,
                                &(anchor_cb){fn, ctx});
}

/* The cached statement `sql` with an anchor's key bound: ?1 subject hash,
 * ?2 kind, ?3 purpose, ?5 the subject's id when this write transaction
 * remembers it (else NULL: the statement finds it by hash). */
static int
anchor_stmt(sqlite_store *st, const char *sql, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
            int kind, const char *purpose, sqlite3_stmt **out)
{
    int rc = gdpr_sqlite__sq_stmt(st, sql, out);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(*out, 1, subject_hash);
    sqlite3_bind_int(*out, 2, kind);
    sqlite3_bind_text(*out, 3, purpose, -1, SQLITE_STATIC);
    gdpr_sqlite__sq_bind_subject_cached(st, *out, 5, subject_hash);
    return GDPR_OK;
}

int
gdpr_sqlite__retention_anchor_get(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                  int kind, const char *purpose, int64_t *at_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = anchor_stmt(
        st,
        "SELECT at FROM main.retention_anchor"
        " WHERE subject_id=" SQ_SUBJECT_ID_CACHED("5", "1") " AND kind=?2 AND purpose=?3",
        subject_hash, kind, purpose, &s);

    if (rc != GDPR_OK)
        return rc;
    return gdpr_sqlite__sq_row(st, s, "reading a retention anchor", GDPR_ENOTFOUND,
                               gdpr_sqlite__sq_read_int64, at_out);
}

int
gdpr_sqlite__retention_anchor_put(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                  int kind, const char *purpose, int64_t at)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = anchor_stmt(st,
                         "INSERT OR REPLACE INTO main.retention_anchor(subject_id, kind, purpose,"
                         " at) VALUES(" SQ_SUBJECT_ID_CACHED("5", "1") ", ?2, ?3, ?4)",
                         subject_hash, kind, purpose, &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 4, at);
    return gdpr_sqlite__sq_step_done(st, s, "storing a retention anchor");
}

int
gdpr_sqlite__retention_anchor_delete(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                     int kind, const char *purpose, int *deleted_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = anchor_stmt(
        st,
        "DELETE FROM main.retention_anchor"
        " WHERE subject_id=" SQ_SUBJECT_ID_CACHED("5", "1") " AND kind=?2 AND purpose=?3",
        subject_hash, kind, purpose, &s);

    if (rc == GDPR_OK)
        rc = gdpr_sqlite__sq_step_done(st, s, "removing a retention anchor");
    if (rc == GDPR_OK && deleted_out)
        *deleted_out = sqlite3_changes64(st->db) > 0;
    return rc;
}

/* --- schedules ------------------------------------------------------------ */

/* The subject's hash through its id (schema step 27), by a LEFT JOIN on
 * its rowid: a row whose subject row is missing reads as damaged. */
#define SCHEDULE_FROM                                                                              \
    "SELECT v.id, sj.hash, v.category, v.purpose, v.field, v.collected, v.anchor, v.due,"          \
    " s.keep_until, s.review FROM main.vault v"                                                    \
    " LEFT JOIN main.retention_state s ON s.record = v.id"                                         \
    " LEFT JOIN main.subject sj ON sj.id = v.subject_id"

static int
read_schedule(sqlite3_stmt *s, store_retention_row *row)
{
    row->id = sqlite3_column_int64(s, 0);
    row->subject = sqlite3_column_blob(s, 1);
    row->category = (const char *)sqlite3_column_text(s, 2);
    row->purpose = (const char *)sqlite3_column_text(s, 3);
    row->field = (const char *)sqlite3_column_text(s, 4);
    row->collected = sqlite3_column_int64(s, 5);
    row->has_anchor = sqlite3_column_type(s, 6) != SQLITE_NULL;
    row->anchor = sqlite3_column_int64(s, 6);
    row->has_due = sqlite3_column_type(s, 7) != SQLITE_NULL;
    row->due = sqlite3_column_int64(s, 7);
    row->has_keep = sqlite3_column_type(s, 8) != SQLITE_NULL;
    row->keep_until = sqlite3_column_int64(s, 8);
    row->review = sqlite3_column_int64(s, 9);
    if (row->subject == NULL || sqlite3_column_bytes(s, 1) != (int)CRYPTO_HASH_BYTES ||
        row->category == NULL || row->purpose == NULL)
        return gdpr__err_set(GDPR_ECORRUPT, "vault record %lld: damaged row", (long long)row->id);
    return GDPR_OK;
}

/* Step a per-call statement, handing each row to fn. */
/* `what` names the walk in a stop message. */
typedef struct {
    store_retention_fn fn;
    void *ctx;
    const char *what;
} schedule_cb;

static int
schedule_row(sqlite3_stmt *s, void *c)
{
    const schedule_cb *cb = c;
    store_retention_row row;
    int rc = read_schedule(s, &row);

    if (rc != GDPR_OK)
        return rc;
    return gdpr_sqlite__sq_stopped(cb->fn(&row, cb->ctx), cb->what, row.id);
}

/* Step a per-call statement, handing each row to fn. */
static int
walk_schedules(sqlite_store *st, sqlite3_stmt *s, store_retention_fn fn, void *ctx,
               const char *what)
{
    return gdpr_sqlite__sq_rows(st, s, SQ_OWN, what, schedule_row, &(schedule_cb){fn, ctx, what});
}

int
gdpr_sqlite__retention_get(store *base, int64_t record, store_retention_fn fn, void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st, SCHEDULE_FROM " WHERE v.id=?1", &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, record);
    rc = gdpr_sqlite__sq_row(st, s, "reading a record's schedule", SQ_NO_ROW, schedule_row,
                             &(schedule_cb){fn, ctx, "vault"});
    if (rc == SQ_NO_ROW)
        return gdpr__err_set(GDPR_ENOTFOUND, "record: %lld is not a vault record",
                             (long long)record);
    return rc;
}

int
gdpr_sqlite__retention_subject_foreach(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                       store_retention_fn fn, void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    /* Prepared per call: fn may use cached statements. */
    int rc = gdpr_sqlite__sq_prepare(
        st, SCHEDULE_FROM " WHERE v.subject_id=" SQ_SUBJECT_ID_1 " ORDER BY v.id",
        "listing a subject's schedules", &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, subject_hash);
    return walk_schedules(st, s, fn, ctx, "listing a subject's schedules");
}

int
gdpr_sqlite__retention_scan(store *base, int64_t after_id, int limit, store_retention_fn fn,
                            void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_prepare(st, SCHEDULE_FROM " WHERE v.id > ?1 ORDER BY v.id LIMIT ?2",
                                     "scanning schedules", &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, after_id);
    sqlite3_bind_int(s, 2, limit);
    return walk_schedules(st, s, fn, ctx, "scanning schedules");
}

int
gdpr_sqlite__retention_due_foreach(store *base, int64_t as_of, int has_cursor, int64_t after_due,
                                   int64_t after_id, int limit, store_retention_fn fn, void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    /* A range of the partial index vault_due (due, rowid): `due <= ?` implies
     * `due IS NOT NULL`, so SQLite uses it, and its order is (due, id), so
     * there is no sort. The cursor is (after_due, after_id). */
    int rc = gdpr_sqlite__sq_prepare(st,
                                     SCHEDULE_FROM " WHERE v.due <= ?1 AND v.due >= ?2"
                                                   " AND NOT (v.due = ?2 AND v.id <= ?3)"
                                                   " ORDER BY v.due, v.id LIMIT ?4",
                                     "listing due records", &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, as_of);
    sqlite3_bind_int64(s, 2, has_cursor ? after_due : INT64_MIN);
    sqlite3_bind_int64(s, 3, has_cursor ? after_id : INT64_MIN);
    sqlite3_bind_int(s, 4, limit > 0 ? limit : -1);
    return walk_schedules(st, s, fn, ctx, "listing due records");
}

int
gdpr_sqlite__retention_due_count(store *base, int64_t as_of, int has_cursor, int64_t after_due,
                                 int64_t after_id, int64_t *count_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st,
                                  "SELECT count(*) FROM main.vault WHERE due <= ?1 AND due >= ?2"
                                  " AND NOT (due = ?2 AND id <= ?3)",
                                  &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, as_of);
    sqlite3_bind_int64(s, 2, has_cursor ? after_due : INT64_MIN);
    sqlite3_bind_int64(s, 3, has_cursor ? after_id : INT64_MIN);
    return gdpr_sqlite__sq_one_int64(st, s, "counting due records", count_out);
}

int
gdpr_sqlite__retention_set_schedule(store *base, int64_t record, int has_anchor, int64_t anchor,
                                    int has_due, int64_t due)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st, "UPDATE main.vault SET anchor=?2, due=?3 WHERE id=?1", &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, record);
    if (has_anchor)
        sqlite3_bind_int64(s, 2, anchor);
    if (has_due)
        sqlite3_bind_int64(s, 3, due);
    return changed_one(st, gdpr_sqlite__sq_step_done(st, s, "setting a due time"), "record",
                       record);
}

int
gdpr_sqlite__retention_state_put(store *base, int64_t record, int has_keep, int64_t keep_until,
                                 int64_t review)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc;

    if (!has_keep && review == 0)
        rc = gdpr_sqlite__sq_stmt(st, "DELETE FROM main.retention_state WHERE record=?1", &s);
    else
        rc = gdpr_sqlite__sq_stmt(
            st,
            "INSERT OR REPLACE INTO main.retention_state(record, keep_until, review)"
            " VALUES(?1, ?2, ?3)",
            &s);
    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, record);
    if (has_keep || review != 0) {
        if (has_keep)
            sqlite3_bind_int64(s, 2, keep_until);
        if (review != 0)
            sqlite3_bind_int64(s, 3, review);
    }
    return gdpr_sqlite__sq_step_done(st, s, "storing a record's retention state");
}

/* --- runs ----------------------------------------------------------------- */

static int
read_run(sqlite3_stmt *s, void *ctx)
{
    store_retention_run_row *out = ctx;

    memset(out, 0, sizeof *out);
    out->id = sqlite3_column_int64(s, 0);
    out->as_of = sqlite3_column_int64(s, 1);
    out->started = sqlite3_column_int64(s, 2);
    out->has_cursor = sqlite3_column_type(s, 3) != SQLITE_NULL;
    out->cursor_due = sqlite3_column_int64(s, 3);
    out->cursor_id = sqlite3_column_int64(s, 4);
    out->examined = sqlite3_column_int64(s, 5);
    out->erased = sqlite3_column_int64(s, 6);
    out->anonymised = sqlite3_column_int64(s, 7);
    out->reviews_opened = sqlite3_column_int64(s, 8);
    out->held = sqlite3_column_int64(s, 9);
    return GDPR_OK;
}

int
gdpr_sqlite__retention_run_open(store *base, store_retention_run_row *out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc =
        gdpr_sqlite__sq_stmt(st,
                             "SELECT id, as_of, started, cursor_due, cursor_id, examined, erased,"
                             " anonymised, reviews_opened, held FROM main.retention_run"
                             " WHERE finished = 0 ORDER BY id DESC LIMIT 1",
                             &s);

    if (rc != GDPR_OK)
        return rc;
    return gdpr_sqlite__sq_row(st, s, "reading the open retention run", GDPR_ENOTFOUND, read_run,
                               out);
}

int
gdpr_sqlite__retention_run_insert(store *base, store_retention_run_row *row, const char *actor)
{
    sqlite_store *st = (sqlite_store *)base;
    int64_t id = 0;
    int rc = gdpr_sqlite__sq_next_id(st, STORE_SEQ_RETENTION_RUN, &id);
    sqlite3_stmt *s;

    if (rc == GDPR_OK)
        rc = gdpr_sqlite__sq_stmt(st,
                                  "INSERT INTO main.retention_run(as_of, started, actor, id)"
                                  " VALUES(?1, ?2, ?3, ?4)",
                                  &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, row->as_of);
    sqlite3_bind_int64(s, 2, row->started);
    sqlite3_bind_text(s, 3, actor, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, id);
    rc = gdpr_sqlite__sq_step_done(st, s, "starting a retention run");
    if (rc == GDPR_OK)
        row->id = id;
    return rc;
}

int
gdpr_sqlite__retention_run_update(store *base, const store_retention_run_row *row)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc =
        gdpr_sqlite__sq_stmt(st,
                             "UPDATE main.retention_run SET as_of=?2, cursor_due=?3, cursor_id=?4,"
                             " examined=?5, erased=?6, anonymised=?7, reviews_opened=?8, held=?9,"
                             " finished=?10 WHERE id=?1",
                             &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, row->id);
    sqlite3_bind_int64(s, 2, row->as_of);
    if (row->has_cursor) {
        sqlite3_bind_int64(s, 3, row->cursor_due);
        sqlite3_bind_int64(s, 4, row->cursor_id);
    }
    sqlite3_bind_int64(s, 5, row->examined);
    sqlite3_bind_int64(s, 6, row->erased);
    sqlite3_bind_int64(s, 7, row->anonymised);
    sqlite3_bind_int64(s, 8, row->reviews_opened);
    sqlite3_bind_int64(s, 9, row->held);
    sqlite3_bind_int(s, 10, row->finished);
    return changed_one(st, gdpr_sqlite__sq_step_done(st, s, "recording retention progress"),
                       "retention run", row->id);
}

/* --- reviews -------------------------------------------------------------- */

#define REVIEW_COLUMNS                                                                             \
    "id, record, subject, rule, category, purpose, record_due, opened, deadline, status,"          \
    " decided, decided_by, role, keep_until, justification"

static int
read_review(sqlite3_stmt *s, store_review_row *row)
{
    row->id = sqlite3_column_int64(s, 0);
    row->record = sqlite3_column_int64(s, 1);
    row->subject = sqlite3_column_blob(s, 2);
    row->rule = (const char *)sqlite3_column_text(s, 3);
    row->category = (const char *)sqlite3_column_text(s, 4);
    row->purpose = (const char *)sqlite3_column_text(s, 5);
    row->record_due = sqlite3_column_int64(s, 6);
    row->opened = sqlite3_column_int64(s, 7);
    row->deadline = sqlite3_column_int64(s, 8);
    row->status = sqlite3_column_int(s, 9);
    row->decided = sqlite3_column_int64(s, 10);
    row->decided_by = (const char *)sqlite3_column_text(s, 11);
    row->role = (const char *)sqlite3_column_text(s, 12);
    row->keep_until = sqlite3_column_int64(s, 13);
    row->justification = sqlite3_column_blob(s, 14);
    row->justification_len = (size_t)sqlite3_column_bytes(s, 14);
    if (row->subject == NULL || sqlite3_column_bytes(s, 2) != (int)CRYPTO_HASH_BYTES ||
        row->rule == NULL || row->category == NULL || row->purpose == NULL)
        return gdpr__err_set(GDPR_ECORRUPT, "review %lld: damaged row", (long long)row->id);
    return GDPR_OK;
}

typedef struct {
    store_review_fn fn;
    void *ctx;
} review_cb;

static int
review_row(sqlite3_stmt *s, void *c)
{
    const review_cb *cb = c;
    store_review_row row;
    int rc = read_review(s, &row);

    if (rc != GDPR_OK)
        return rc;
    return gdpr_sqlite__sq_stopped(cb->fn(&row, cb->ctx), "review", row.id);
}

int
gdpr_sqlite__review_insert(store *base, const store_review_row *row, int64_t *id_out)
{
    sqlite_store *st = (sqlite_store *)base;
    int64_t id = 0;
    int rc = gdpr_sqlite__sq_next_id(st, STORE_SEQ_REVIEW, &id);
    sqlite3_stmt *s;

    if (rc == GDPR_OK)
        rc = gdpr_sqlite__sq_stmt(
            st,
            "INSERT INTO main.retention_review(record, subject, rule, category,"
            " purpose, record_due, opened, deadline, status, id)"
            " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9)",
            &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, row->record);
    gdpr_sqlite__sq_bind_hash(s, 2, row->subject);
    sqlite3_bind_text(s, 3, row->rule, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, row->category, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, row->purpose, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 6, row->record_due);
    sqlite3_bind_int64(s, 7, row->opened);
    sqlite3_bind_int64(s, 8, row->deadline);
    sqlite3_bind_int64(s, 9, id);
    rc = gdpr_sqlite__sq_step_done(st, s, "opening a review task");
    if (rc == GDPR_OK)
        *id_out = id;
    return rc;
}

int
gdpr_sqlite__review_get(store *base, int64_t id, store_review_fn fn, void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(
        st, "SELECT " REVIEW_COLUMNS " FROM main.retention_review WHERE id=?1", &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    rc = gdpr_sqlite__sq_row(st, s, "reading a review task", SQ_NO_ROW, review_row,
                             &(review_cb){fn, ctx});
    if (rc == SQ_NO_ROW)
        return gdpr__err_set(GDPR_ENOTFOUND, "task: %lld is not a review task", (long long)id);
    return rc;
}

int
gdpr_sqlite__review_foreach(store *base, int status, store_review_fn fn, void *ctx)
{
    return gdpr_sqlite__sq_each((sqlite_store *)base,
                                "SELECT " REVIEW_COLUMNS " FROM main.retention_review"
                                " WHERE ?1 = 0 OR status = ?1 ORDER BY id",
                                status, "listing review tasks", review_row, &(review_cb){fn, ctx});
}

int
gdpr_sqlite__review_overdue_foreach(store *base, int64_t as_of, store_review_fn fn, void *ctx)
{
    return gdpr_sqlite__sq_each((sqlite_store *)base,
                                "SELECT " REVIEW_COLUMNS " FROM main.retention_review"
                                " WHERE status = 1 AND deadline <= ?1 ORDER BY deadline, id",
                                as_of, "listing overdue review tasks", review_row,
                                &(review_cb){fn, ctx});
}

int
gdpr_sqlite__review_decide(store *base, int64_t id, int status, int64_t decided, const char *actor,
                           const char *role, int64_t keep_until, const uint8_t *sealed,
                           size_t sealed_len)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st,
                                  "UPDATE main.retention_review SET status=?2, decided=?3,"
                                  " decided_by=?4, role=?5, keep_until=?6, justification=?7"
                                  " WHERE id=?1 AND status = 1",
                                  &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int(s, 2, status);
    sqlite3_bind_int64(s, 3, decided);
    sqlite3_bind_text(s, 4, actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, role, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 6, keep_until);
    if (sealed != NULL)
        sqlite3_bind_blob(s, 7, sealed, (int)sealed_len, SQLITE_STATIC);
    return changed_one(st, gdpr_sqlite__sq_step_done(st, s, "deciding a review task"),
                       "open review task", id);
}

/* Aggregates: lib/store/sqlite/aggregate.c (values sealed under the store key). */
