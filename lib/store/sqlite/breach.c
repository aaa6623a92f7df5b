/*
 * The personal-data breach register (Art. 33, 34): rows of main.breach and
 * the subjects linked to them by keyed hash (store.h, "the breach
 * register"; docs/breach.md). Sealing is the caller's: this file stores
 * and returns the sealed bytes as they are.
 * SPDX-License-Identifier: MIT
 */
#include "error.h"
#include "sqlite_internal.h"

#define BREACH_COLUMNS                                                                             \
    "id, aware_at, occurred_at, opened_at, deadline, nature, categories, subjects_approx,"         \
    " records_approx, description, consequences, measures, notified_at, reference, late_reason,"   \
    " not_required, decision, decided_at, informed_at, decision_note, actor, updated"

typedef struct {
    int (*fn)(const store_breach_row *row, void *ctx);
    void *ctx;
} breach_walk;

static const uint8_t *
blob(sqlite3_stmt *s, int col, size_t *len_out)
{
    *len_out = (size_t)sqlite3_column_bytes(s, col);
    return sqlite3_column_type(s, col) == SQLITE_NULL ? NULL : sqlite3_column_blob(s, col);
}

static int
breach_row(sqlite3_stmt *s, void *c)
{
    breach_walk *w = c;
    store_breach_row r;

    r.id = sqlite3_column_int64(s, 0);
    r.aware_at = sqlite3_column_int64(s, 1);
    r.occurred_at = sqlite3_column_int64(s, 2);
    r.opened_at = sqlite3_column_int64(s, 3);
    r.deadline = sqlite3_column_int64(s, 4);
    r.nature = (unsigned int)sqlite3_column_int64(s, 5);
    r.categories = gdpr_sqlite__sq_text_or_empty(s, 6);
    r.subjects_approx = sqlite3_column_int64(s, 7);
    r.records_approx = sqlite3_column_int64(s, 8);
    r.description = blob(s, 9, &r.description_len);
    r.consequences = blob(s, 10, &r.consequences_len);
    r.measures = blob(s, 11, &r.measures_len);
    r.notified_at = sqlite3_column_int64(s, 12);
    r.reference =
        sqlite3_column_type(s, 13) == SQLITE_NULL ? NULL : (const char *)sqlite3_column_text(s, 13);
    r.late_reason = blob(s, 14, &r.late_reason_len);
    r.not_required = sqlite3_column_int(s, 15);
    r.decision = sqlite3_column_int(s, 16);
    r.decided_at = sqlite3_column_int64(s, 17);
    r.informed_at = sqlite3_column_int64(s, 18);
    r.decision_note = blob(s, 19, &r.decision_note_len);
    r.actor = gdpr_sqlite__sq_text_or_empty(s, 20);
    r.updated = sqlite3_column_int64(s, 21);
    return gdpr_sqlite__sq_stopped(w->fn(&r, w->ctx), "breach", r.id);
}

static void
bind_mutable(sqlite3_stmt *s, const store_breach_row *row)
{
    sqlite3_bind_int64(s, 1, row->id);
    sqlite3_bind_int64(s, 2, row->notified_at);
    gdpr_sqlite__sq_bind_text_or_null(s, 3, row->reference);
    gdpr_sqlite__sq_bind_blob_or_null(s, 4, row->late_reason, row->late_reason_len);
    sqlite3_bind_int(s, 5, row->not_required);
    sqlite3_bind_int(s, 6, row->decision);
    sqlite3_bind_int64(s, 7, row->decided_at);
    sqlite3_bind_int64(s, 8, row->informed_at);
    gdpr_sqlite__sq_bind_blob_or_null(s, 9, row->decision_note, row->decision_note_len);
    sqlite3_bind_int64(s, 10, row->updated);
}

int
gdpr_sqlite__breach_insert(store *base, const store_breach_row *row)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(
        st,
        "INSERT INTO main.breach(id, notified_at, reference, late_reason, not_required,"
        " decision, decided_at, informed_at, decision_note, updated, aware_at, occurred_at,"
        " opened_at, deadline, nature, categories, subjects_approx, records_approx,"
        " description, consequences, measures, actor)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
        " ?18, ?19, ?20, ?21, ?22)",
        &s);

    if (rc != GDPR_OK)
        return rc;
    bind_mutable(s, row);
    sqlite3_bind_int64(s, 11, row->aware_at);
    sqlite3_bind_int64(s, 12, row->occurred_at);
    sqlite3_bind_int64(s, 13, row->opened_at);
    sqlite3_bind_int64(s, 14, row->deadline);
    sqlite3_bind_int64(s, 15, row->nature);
    sqlite3_bind_text(s, 16, row->categories, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 17, row->subjects_approx);
    sqlite3_bind_int64(s, 18, row->records_approx);
    sqlite3_bind_blob(s, 19, row->description, (int)row->description_len, SQLITE_STATIC);
    sqlite3_bind_blob(s, 20, row->consequences, (int)row->consequences_len, SQLITE_STATIC);
    sqlite3_bind_blob(s, 21, row->measures, (int)row->measures_len, SQLITE_STATIC);
    sqlite3_bind_text(s, 22, row->actor, -1, SQLITE_STATIC);
    return gdpr_sqlite__sq_step_done(st, s, "recording a breach");
}

int
gdpr_sqlite__breach_update(store *base, const store_breach_row *row)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st,
                                  "UPDATE main.breach SET notified_at = ?2, reference = ?3,"
                                  " late_reason = ?4, not_required = ?5, decision = ?6,"
                                  " decided_at = ?7, informed_at = ?8, decision_note = ?9,"
                                  " updated = ?10 WHERE id = ?1",
                                  &s);

    if (rc != GDPR_OK)
        return rc;
    bind_mutable(s, row);
    rc = gdpr_sqlite__sq_step_done(st, s, "updating a breach");
    if (rc == GDPR_OK && sqlite3_changes(st->db) == 0)
        rc = gdpr__err_set(GDPR_ENOTFOUND, "breach %lld: no such breach", (long long)row->id);
    return rc;
}

int
gdpr_sqlite__breach_get(store *base, int64_t id, int (*fn)(const store_breach_row *row, void *ctx),
                        void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    breach_walk w = {fn, ctx};
    sqlite3_stmt *s;
    int rc =
        gdpr_sqlite__sq_stmt(st, "SELECT " BREACH_COLUMNS " FROM main.breach WHERE id = ?1", &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    rc = gdpr_sqlite__sq_row(st, s, "reading a breach", SQ_NO_ROW, breach_row, &w);
    if (rc == SQ_NO_ROW)
        rc = gdpr__err_set(GDPR_ENOTFOUND, "breach %lld: no such breach", (long long)id);
    return rc;
}

int
gdpr_sqlite__breach_foreach(store *base, int pending, int64_t due_by,
                            int (*fn)(const store_breach_row *row, void *ctx), void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    breach_walk w = {fn, ctx};
    sqlite3_stmt *s = NULL;
    /* The pending terms repeat the index's WHERE word for word, so the
     * partial index applies. */
    int rc = gdpr_sqlite__sq_prepare(
        st,
        pending ? "SELECT " BREACH_COLUMNS " FROM main.breach INDEXED BY breach_pending"
                  " WHERE notified_at = 0 AND not_required = 0 AND deadline <= ?1"
                  " ORDER BY deadline, id"
                : "SELECT " BREACH_COLUMNS " FROM main.breach ORDER BY id",
        "listing breaches", &s);

    if (rc != GDPR_OK)
        return rc;
    if (pending)
        sqlite3_bind_int64(s, 1, due_by);
    return gdpr_sqlite__sq_rows(st, s, SQ_OWN, "listing breaches", breach_row, &w);
}

int
gdpr_sqlite__breach_subject_add(store *base, int64_t breach,
                                const uint8_t subject[CRYPTO_HASH_BYTES], int64_t at,
                                int *added_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st,
                                  "INSERT OR IGNORE INTO main.breach_subject(breach, subject, at)"
                                  " VALUES(?1, ?2, ?3)",
                                  &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, breach);
    gdpr_sqlite__sq_bind_hash(s, 2, subject);
    sqlite3_bind_int64(s, 3, at);
    rc = gdpr_sqlite__sq_step_done(st, s, "linking a subject to a breach");
    if (rc == GDPR_OK && added_out != NULL)
        *added_out = sqlite3_changes(st->db) > 0;
    return rc;
}

int
gdpr_sqlite__breach_subject_count(store *base, int64_t breach, int64_t *count_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc =
        gdpr_sqlite__sq_stmt(st, "SELECT count(*) FROM main.breach_subject WHERE breach = ?1", &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, breach);
    return gdpr_sqlite__sq_one_int64(st, s, "counting a breach's subjects", count_out);
}
