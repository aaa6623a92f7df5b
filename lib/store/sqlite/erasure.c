/*
 * Rows of the erasure capability: legal holds, tombstones with what they
 * kept, erased and told, source hooks still to retry, keys queued for
 * destruction; and the deletions erasure needs beyond the other modules'
 * (the subject row, its key, the sealed fields of its requests).
 * SPDX-License-Identifier: MIT
 */
#include "sqlite_internal.h"

#include <stdio.h>
#include <string.h>

#include "error.h"

static const uint8_t *
hash_or_null(sqlite3_stmt *s, int col)
{
    if (sqlite3_column_type(s, col) == SQLITE_NULL ||
        sqlite3_column_bytes(s, col) != (int)CRYPTO_HASH_BYTES)
        return NULL;
    return sqlite3_column_blob(s, col);
}

static int
changed_one(sqlite_store *st, int rc, const char *what, int64_t id)
{
    if (rc == GDPR_OK && sqlite3_changes(st->db) == 0)
        return gdpr__err_set(GDPR_ENOTFOUND, "%s %lld: no such row", what, (long long)id);
    return rc;
}

/* --- holds ------------------------------------------------------------ */

#define HOLD_COLUMNS                                                                               \
    "id, scope, subject, record, category, reason, placed_at, placed_by, until,"                   \
    " released_at, released_by, release_reason, ground, purpose, collected_from, collected_to"

static void
read_hold(sqlite3_stmt *s, store_hold_row *h)
{
    h->id = sqlite3_column_int64(s, 0);
    h->scope = sqlite3_column_int(s, 1);
    h->subject = hash_or_null(s, 2);
    h->record = sqlite3_column_int64(s, 3);
    h->category = gdpr_sqlite__sq_text_or_empty(s, 4);
    h->reason = gdpr_sqlite__sq_text_or_empty(s, 5);
    h->placed_at = sqlite3_column_int64(s, 6);
    h->placed_by = gdpr_sqlite__sq_text_or_empty(s, 7);
    h->until = sqlite3_column_int64(s, 8);
    h->released_at = sqlite3_column_int64(s, 9);
    h->released_by = gdpr_sqlite__sq_text_or_empty(s, 10);
    h->release_reason = gdpr_sqlite__sq_text_or_empty(s, 11);
    h->ground = sqlite3_column_int(s, 12);
    h->purpose = gdpr_sqlite__sq_text_or_empty(s, 13);
    h->collected_from = sqlite3_column_int64(s, 14);
    h->collected_to = sqlite3_column_int64(s, 15);
}

typedef struct {
    int (*fn)(const store_hold_row *row, void *ctx);
    void *ctx;
} hold_cb;

static int
hold_row(sqlite3_stmt *s, void *c)
{
    const hold_cb *cb = c;
    store_hold_row h;

    read_hold(s, &h);
    return gdpr_sqlite__sq_stopped(cb->fn(&h, cb->ctx), "hold", h.id);
}

/* Columns 0 and 1 as two integers: ctx is int64_t[2]. */
static int
read_pair(sqlite3_stmt *s, void *ctx)
{
    int64_t *pair = ctx;

    pair[0] = sqlite3_column_int64(s, 0);
    pair[1] = sqlite3_column_int64(s, 1);
    return GDPR_OK;
}

int
gdpr_sqlite__hold_insert(store *base, const store_hold_row *row, int64_t *id_out)
{
    sqlite_store *st = (sqlite_store *)base;
    int64_t id = 0;
    int rc = gdpr_sqlite__sq_next_id(st, STORE_SEQ_HOLD, &id);
    sqlite3_stmt *s;

    if (rc == GDPR_OK)
        rc = gdpr_sqlite__sq_stmt(
            st,
            "INSERT INTO main.erasure_hold(scope, subject, record, category,"
            " reason, placed_at, placed_by, until, id, ground, purpose, collected_from,"
            " collected_to) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int(s, 1, row->scope);
    if (row->subject)
        gdpr_sqlite__sq_bind_hash(s, 2, row->subject);
    sqlite3_bind_int64(s, 3, row->record);
    if (row->category)
        sqlite3_bind_text(s, 4, row->category, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, row->reason, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 6, row->placed_at);
    sqlite3_bind_text(s, 7, row->placed_by, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 8, row->until);
    sqlite3_bind_int64(s, 9, id);
    sqlite3_bind_int(s, 10, row->ground);
    if (row->purpose)
        sqlite3_bind_text(s, 11, row->purpose, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 12, row->collected_from);
    sqlite3_bind_int64(s, 13, row->collected_to);
    rc = gdpr_sqlite__sq_step_done(st, s, "placing a hold");
    if (rc == GDPR_OK && id_out)
        *id_out = id;
    return rc;
}

int
gdpr_sqlite__hold_get(store *base, int64_t id, int (*fn)(const store_hold_row *row, void *ctx),
                      void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc =
        gdpr_sqlite__sq_stmt(st, "SELECT " HOLD_COLUMNS " FROM main.erasure_hold WHERE id=?1", &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    rc = gdpr_sqlite__sq_row(st, s, "reading a hold", SQ_NO_ROW, hold_row, &(hold_cb){fn, ctx});
    if (rc == SQ_NO_ROW)
        return gdpr__err_set(GDPR_ENOTFOUND, "hold: %lld is not a hold", (long long)id);
    return rc;
}

int
gdpr_sqlite__hold_release(store *base, int64_t id, int64_t at, const char *actor,
                          const char *reason)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st,
                                  "UPDATE main.erasure_hold SET released_at=?2, released_by=?3,"
                                  " release_reason=?4 WHERE id=?1 AND released_at=0",
                                  &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, at);
    sqlite3_bind_text(s, 3, actor, -1, SQLITE_STATIC);
    if (reason)
        sqlite3_bind_text(s, 4, reason, -1, SQLITE_STATIC);
    return changed_one(st, gdpr_sqlite__sq_step_done(st, s, "releasing a hold"), "hold", id);
}

int
gdpr_sqlite__hold_foreach(store *base, int64_t active_at,
                          int (*fn)(const store_hold_row *row, void *ctx), void *ctx)
{
    return gdpr_sqlite__sq_each((sqlite_store *)base,
                                "SELECT " HOLD_COLUMNS " FROM main.erasure_hold"
                                " WHERE ?1 = 0 OR (released_at = 0 AND until > ?1) ORDER BY id",
                                active_at, "listing holds", hold_row, &(hold_cb){fn, ctx});
}

/* Columns 0..2 as three integers: ctx is int64_t[3]. */
static int
read_triple(sqlite3_stmt *s, void *ctx)
{
    int64_t *v = ctx;

    v[0] = sqlite3_column_int64(s, 0);
    v[1] = sqlite3_column_int64(s, 1);
    v[2] = sqlite3_column_int64(s, 2);
    return GDPR_OK;
}

int
gdpr_sqlite__hold_covering(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                           const store_hold_target *t, int64_t at, int64_t *hold_out,
                           int64_t *until_out, int *ground_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int64_t found[3] = {0, 0, 0};
    /* The hold that lasts longest decides when the data may go. A narrowed
     * hold (purpose, collection range) covers only the records that match
     * it, never the subject as a whole (Art. 17(3): to the extent
     * necessary). */
    int rc = gdpr_sqlite__sq_stmt(st,
                                  "SELECT id, until, ground FROM main.erasure_hold"
                                  " WHERE released_at = 0 AND until > ?4 AND ("
                                  "  (scope = 1 AND subject = ?1) OR"
                                  "  (scope = 2 AND ?2 > 0 AND record = ?2) OR"
                                  "  (scope = 3 AND ?3 IS NOT NULL AND category = ?3"
                                  "   AND (subject IS NULL OR subject = ?1)))"
                                  " AND (purpose IS NULL OR purpose = ?5)"
                                  " AND (collected_from = 0 OR (?6 > 0 AND ?6 >= collected_from))"
                                  " AND (collected_to = 0 OR (?6 > 0 AND ?6 < collected_to))"
                                  " ORDER BY until DESC, id LIMIT 1",
                                  &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, subject_hash);
    sqlite3_bind_int64(s, 2, t->record);
    if (t->category)
        sqlite3_bind_text(s, 3, t->category, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, at);
    if (t->purpose)
        sqlite3_bind_text(s, 5, t->purpose, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 6, t->collected);
    rc = gdpr_sqlite__sq_row(st, s, "checking holds", GDPR_OK, read_triple, found);
    *hold_out = found[0];
    *until_out = found[1];
    if (ground_out)
        *ground_out = (int)found[2];
    return rc;
}

int
gdpr_sqlite__hold_any_for_subject(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                  int64_t at, int *any_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int64_t any = 0;
    int rc = gdpr_sqlite__sq_stmt(
        st,
        "SELECT EXISTS(SELECT 1 FROM main.erasure_hold"
        " WHERE released_at = 0 AND until > ?2 AND ("
        "  (scope IN (1, 3) AND (subject = ?1 OR (scope = 3 AND subject IS NULL)))"
        "  OR (scope = 2 AND record IN"
        "      (SELECT id FROM main.vault WHERE subject_id = " SQ_SUBJECT_ID_1 "))))",
        &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, subject_hash);
    sqlite3_bind_int64(s, 2, at);
    rc = gdpr_sqlite__sq_one_int64(st, s, "checking holds", &any);
    *any_out = any != 0;
    return rc;
}

/* --- tombstones ------------------------------------------------------- */

/* Derived columns: records still kept and the latest end among them, the
 * recipients listed and the hooks still pending. */
#define TOMBSTONE_COLUMNS                                                                          \
    "t.id, t.kind, t.subject, t.at, t.ground, t.actor, t.role, t.erased, t.retained,"              \
    " t.complete, t.wiped, t.imported, t.replayed,"                                                \
    " (SELECT count(*) FROM main.tombstone_kept k WHERE k.tombstone = t.id"                        \
    "   AND k.erased_at = 0),"                                                                     \
    " (SELECT coalesce(max(until), 0) FROM main.tombstone_kept k WHERE k.tombstone = t.id"         \
    "   AND k.erased_at = 0),"                                                                     \
    " (SELECT count(*) FROM main.tombstone_recipient r WHERE r.tombstone = t.id),"                 \
    " (SELECT count(*) FROM main.erasure_pending p WHERE p.tombstone = t.id)"

static int
read_tombstone(sqlite3_stmt *s, store_tombstone_row *t)
{
    memset(t, 0, sizeof *t);
    t->id = sqlite3_column_int64(s, 0);
    t->kind = sqlite3_column_int(s, 1);
    t->subject = hash_or_null(s, 2);
    t->at = sqlite3_column_int64(s, 3);
    t->ground = gdpr_sqlite__sq_text_or_empty(s, 4);
    t->actor = gdpr_sqlite__sq_text_or_empty(s, 5);
    t->role = gdpr_sqlite__sq_text_or_empty(s, 6);
    t->erased = sqlite3_column_int64(s, 7);
    t->retained = sqlite3_column_int64(s, 8);
    t->complete = sqlite3_column_int(s, 9);
    t->wiped = sqlite3_column_int(s, 10);
    t->imported = sqlite3_column_int(s, 11);
    t->replayed = sqlite3_column_int64(s, 12);
    t->kept_now = sqlite3_column_int64(s, 13);
    t->kept_until = sqlite3_column_int64(s, 14);
    t->recipients = sqlite3_column_int(s, 15);
    t->sources_failed = sqlite3_column_int(s, 16);
    if (t->subject == NULL)
        return gdpr__err_set(GDPR_ECORRUPT, "tombstone %lld: damaged subject hash",
                             (long long)t->id);
    return GDPR_OK;
}

typedef struct {
    int (*fn)(const store_tombstone_row *row, void *ctx);
    void *ctx;
} tombstone_cb;

static int
tombstone_row(sqlite3_stmt *s, void *c)
{
    const tombstone_cb *cb = c;
    store_tombstone_row t;
    int rc = read_tombstone(s, &t);

    if (rc != GDPR_OK)
        return rc;
    return gdpr_sqlite__sq_stopped(cb->fn(&t, cb->ctx), "tombstone", t.id);
}

int
gdpr_sqlite__tombstone_insert(store *base, const store_tombstone_row *row, int64_t *id_out)
{
    sqlite_store *st = (sqlite_store *)base;
    int64_t id = 0;
    int rc = gdpr_sqlite__sq_next_id(st, STORE_SEQ_TOMBSTONE, &id);
    sqlite3_stmt *s;

    if (rc == GDPR_OK)
        rc = gdpr_sqlite__sq_stmt(
            st,
            "INSERT INTO main.tombstone(kind, subject, at, ground, actor, role,"
            " erased, retained, complete, wiped, imported, replayed, id)"
            " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int(s, 1, row->kind);
    gdpr_sqlite__sq_bind_hash(s, 2, row->subject);
    sqlite3_bind_int64(s, 3, row->at);
    sqlite3_bind_text(s, 4, row->ground, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, row->actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, row->role, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 7, row->erased);
    sqlite3_bind_int64(s, 8, row->retained);
    sqlite3_bind_int(s, 9, row->complete);
    sqlite3_bind_int(s, 10, row->wiped);
    sqlite3_bind_int(s, 11, row->imported);
    sqlite3_bind_int64(s, 12, row->replayed);
    sqlite3_bind_int64(s, 13, id);
    rc = gdpr_sqlite__sq_step_done(st, s, "writing a tombstone");
    if (rc == GDPR_OK && id_out)
        *id_out = id;
    return rc;
}

int
gdpr_sqlite__tombstone_add(store *base, int64_t id, int64_t erased, int64_t retained, int complete,
                           int64_t replayed)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc =
        gdpr_sqlite__sq_stmt(st,
                             "UPDATE main.tombstone SET erased = erased + ?2,"
                             " retained = retained + ?3, complete = max(complete, ?4), wiped = 0,"
                             " replayed = CASE WHEN ?5 > 0 THEN ?5 ELSE replayed END WHERE id=?1",
                             &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, erased);
    sqlite3_bind_int64(s, 3, retained);
    sqlite3_bind_int(s, 4, complete);
    sqlite3_bind_int64(s, 5, replayed);
    return changed_one(st, gdpr_sqlite__sq_step_done(st, s, "updating a tombstone"), "tombstone",
                       id);
}

int
gdpr_sqlite__tombstone_find(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES], int kind,
                            const char *ground, int64_t from, int64_t to, int64_t *id_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st,
                                  "SELECT id FROM main.tombstone WHERE subject=?1 AND kind=?2"
                                  " AND (?3 IS NULL OR ground=?3) AND at >= ?4 AND at < ?5"
                                  " ORDER BY id DESC LIMIT 1",
                                  &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, subject_hash);
    sqlite3_bind_int(s, 2, kind);
    if (ground)
        sqlite3_bind_text(s, 3, ground, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, from);
    sqlite3_bind_int64(s, 5, to);
    return gdpr_sqlite__sq_row(st, s, "finding a tombstone", GDPR_ENOTFOUND,
                               gdpr_sqlite__sq_read_int64, id_out);
}

int
gdpr_sqlite__tombstone_open_partial(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                    int64_t *id_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st,
                                  "SELECT id FROM main.tombstone WHERE subject=?1 AND kind=1"
                                  " AND complete=0 ORDER BY id DESC LIMIT 1",
                                  &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, subject_hash);
    return gdpr_sqlite__sq_row(st, s, "finding a tombstone", GDPR_ENOTFOUND,
                               gdpr_sqlite__sq_read_int64, id_out);
}

int
gdpr_sqlite__tombstone_set_complete(store *base, int64_t id)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc =
        gdpr_sqlite__sq_stmt(st, "UPDATE main.tombstone SET complete=1, wiped=0 WHERE id=?1", &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    return changed_one(st, gdpr_sqlite__sq_step_done(st, s, "completing a tombstone"), "tombstone",
                       id);
}

int
gdpr_sqlite__tombstone_get(store *base, int64_t id,
                           int (*fn)(const store_tombstone_row *row, void *ctx), void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(
        st, "SELECT " TOMBSTONE_COLUMNS " FROM main.tombstone t WHERE t.id=?1", &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    rc = gdpr_sqlite__sq_row(st, s, "reading a tombstone", SQ_NO_ROW, tombstone_row,
                             &(tombstone_cb){fn, ctx});
    if (rc == SQ_NO_ROW)
        return gdpr__err_set(GDPR_ENOTFOUND, "tombstone: %lld is not a tombstone", (long long)id);
    return rc;
}

int
gdpr_sqlite__tombstone_foreach(store *base, const uint8_t *subject_hash, int64_t after_id,
                               int (*fn)(const store_tombstone_row *row, void *ctx), void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    /* Own statement: fn may use the store (replay erases from inside). */
    int rc = gdpr_sqlite__sq_prepare(st,
                                     "SELECT " TOMBSTONE_COLUMNS " FROM main.tombstone t"
                                     " WHERE (?1 IS NULL OR t.subject = ?1) AND t.id > ?2"
                                     " ORDER BY t.id",
                                     "listing tombstones", &s);

    if (rc != GDPR_OK)
        return rc;
    if (subject_hash)
        gdpr_sqlite__sq_bind_hash(s, 1, subject_hash);
    sqlite3_bind_int64(s, 2, after_id);
    return gdpr_sqlite__sq_rows(st, s, SQ_OWN, "listing tombstones", tombstone_row,
                                &(tombstone_cb){fn, ctx});
}

int
gdpr_sqlite__tombstone_latest(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                              int (*fn)(const store_tombstone_row *row, void *ctx), void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    /* Subject tombstones first (kind 1), newest first. */
    int rc = gdpr_sqlite__sq_stmt(st,
                                  "SELECT " TOMBSTONE_COLUMNS " FROM main.tombstone t"
                                  " WHERE t.subject=?1 ORDER BY t.kind, t.id DESC LIMIT 1",
                                  &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, subject_hash);
    return gdpr_sqlite__sq_row(st, s, "reading a tombstone", GDPR_ENOTFOUND, tombstone_row,
                               &(tombstone_cb){fn, ctx});
}

int
gdpr_sqlite__tombstone_set_wiped(store *base)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st, "UPDATE main.tombstone SET wiped=1 WHERE wiped=0", &s);

    if (rc != GDPR_OK)
        return rc;
    return gdpr_sqlite__sq_step_done(st, s, "marking tombstones wiped");
}

int
gdpr_sqlite__tombstone_kept_insert(store *base, const store_kept_row *row)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(
        st,
        "INSERT OR IGNORE INTO main.tombstone_kept(tombstone, record, category,"
        " purpose, reason, rule, until, erased_at, exemption)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, row->tombstone);
    sqlite3_bind_int64(s, 2, row->record);
    sqlite3_bind_text(s, 3, row->category, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, row->purpose, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, row->reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, row->rule, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 7, row->until);
    sqlite3_bind_int64(s, 8, row->erased_at);
    sqlite3_bind_int(s, 9, row->exemption);
    return gdpr_sqlite__sq_step_done(st, s, "recording a kept record");
}

typedef struct {
    int (*fn)(const store_kept_row *row, void *ctx);
    void *ctx;
} kept_cb;

static int
kept_row(sqlite3_stmt *s, void *c)
{
    const kept_cb *cb = c;
    store_kept_row k;

    k.tombstone = sqlite3_column_int64(s, 0);
    k.record = sqlite3_column_int64(s, 1);
    k.category = gdpr_sqlite__sq_text_or_empty(s, 2);
    k.purpose = gdpr_sqlite__sq_text_or_empty(s, 3);
    k.reason = gdpr_sqlite__sq_text_or_empty(s, 4);
    k.rule = gdpr_sqlite__sq_text_or_empty(s, 5);
    k.until = sqlite3_column_int64(s, 6);
    k.erased_at = sqlite3_column_int64(s, 7);
    k.exemption = sqlite3_column_int(s, 8);
    return gdpr_sqlite__sq_stopped(cb->fn(&k, cb->ctx), "kept record", k.record);
}

int
gdpr_sqlite__tombstone_kept_foreach(store *base, int64_t tombstone,
                                    int (*fn)(const store_kept_row *row, void *ctx), void *ctx)
{
    return gdpr_sqlite__sq_each((sqlite_store *)base,
                                "SELECT tombstone, record, category, purpose, reason,"
                                " rule, until, erased_at, exemption FROM main.tombstone_kept"
                                " WHERE tombstone=?1 ORDER BY record",
                                tombstone, "listing kept records", kept_row, &(kept_cb){fn, ctx});
}

/* The UPDATE changes the column its partial index is filtered on, so
 * SQLite collects the rows in a temporary table first; a probe of that
 * index is far cheaper, and most deleted records were never kept. */
int
gdpr_sqlite__tombstone_kept_erased(store *base, int64_t record, int64_t at)
{
    static const char what[] = "updating a kept record";
    sqlite_store *st = (sqlite_store *)base;
    int64_t one = 0;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st,
                                  "SELECT 1 FROM main.tombstone_kept"
                                  " WHERE record=?1 AND erased_at=0 LIMIT 1",
                                  &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, record);
    rc = gdpr_sqlite__sq_row(st, s, what, SQ_NO_ROW, gdpr_sqlite__sq_read_int64, &one);
    if (rc == SQ_NO_ROW)
        return GDPR_OK;
    if (rc == GDPR_OK)
        rc = gdpr_sqlite__sq_stmt(st,
                                  "UPDATE main.tombstone_kept SET erased_at=?2"
                                  " WHERE record=?1 AND erased_at=0",
                                  &s);
    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, record);
    sqlite3_bind_int64(s, 2, at);
    return gdpr_sqlite__sq_step_done(st, s, what);
}

typedef struct {
    int64_t *until_out;
    char *rule;
    size_t rule_cap;
} kept_find;

static int
read_kept_find(sqlite3_stmt *s, void *c)
{
    const kept_find *k = c;

    *k->until_out = sqlite3_column_int64(s, 0);
    snprintf(k->rule, k->rule_cap, "%s", gdpr_sqlite__sq_text_or_empty(s, 1));
    return GDPR_OK;
}

int
gdpr_sqlite__tombstone_kept_find(store *base, int64_t record, int64_t *until_out, char *rule,
                                 size_t rule_cap)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st,
                                  /* max() with a bare column takes the
                                   * row of the maximum (SQLite): no
                                   * sorter, unlike ORDER BY until. */
                                  "SELECT max(until), rule FROM main.tombstone_kept"
                                  " WHERE record=?1 AND erased_at=0 HAVING count(*) > 0",
                                  &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, record);
    return gdpr_sqlite__sq_row(st, s, "checking kept records", GDPR_ENOTFOUND, read_kept_find,
                               &(kept_find){until_out, rule, rule_cap});
}

int
gdpr_sqlite__tombstone_record_add(store *base, int64_t tombstone, int64_t record)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st,
                                  "INSERT OR IGNORE INTO main.tombstone_record(tombstone, record)"
                                  " VALUES(?1, ?2)",
                                  &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, tombstone);
    sqlite3_bind_int64(s, 2, record);
    return gdpr_sqlite__sq_step_done(st, s, "recording an erased record");
}

typedef struct {
    int (*fn)(int64_t record, void *ctx);
    void *ctx;
} record_cb;

static int
record_row(sqlite3_stmt *s, void *c)
{
    const record_cb *cb = c;
    int64_t record = sqlite3_column_int64(s, 0);

    return gdpr_sqlite__sq_stopped(cb->fn(record, cb->ctx), "erased record", record);
}

int
gdpr_sqlite__tombstone_record_foreach(store *base, int64_t tombstone,
                                      int (*fn)(int64_t record, void *ctx), void *ctx)
{
    return gdpr_sqlite__sq_each((sqlite_store *)base,
                                "SELECT record FROM main.tombstone_record"
                                " WHERE tombstone=?1 ORDER BY record",
                                tombstone, "listing erased records", record_row,
                                &(record_cb){fn, ctx});
}

int
gdpr_sqlite__tombstone_recipient_add(store *base, int64_t tombstone, const char *recipient,
                                     int64_t disclosures, int64_t last_at)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st,
                                  "INSERT INTO main.tombstone_recipient(tombstone, recipient,"
                                  " disclosures, last_at) VALUES(?1, ?2, ?3, ?4)"
                                  " ON CONFLICT(tombstone, recipient) DO UPDATE SET"
                                  " disclosures = disclosures + excluded.disclosures,"
                                  " last_at = max(last_at, excluded.last_at)",
                                  &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, tombstone);
    sqlite3_bind_text(s, 2, recipient, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, disclosures);
    sqlite3_bind_int64(s, 4, last_at);
    return gdpr_sqlite__sq_step_done(st, s, "recording a recipient");
}

typedef struct {
    int (*fn)(const char *recipient, int64_t disclosures, int64_t last_at, void *ctx);
    void *ctx;
    int64_t tombstone;
} recipient_cb;

static int
recipient_row(sqlite3_stmt *s, void *c)
{
    const recipient_cb *cb = c;

    return gdpr_sqlite__sq_stopped(cb->fn(gdpr_sqlite__sq_text_or_empty(s, 0),
                                          sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 2),
                                          cb->ctx),
                                   "recipient", cb->tombstone);
}

int
gdpr_sqlite__tombstone_recipient_foreach(store *base, int64_t tombstone,
                                         int (*fn)(const char *recipient, int64_t disclosures,
                                                   int64_t last_at, void *ctx),
                                         void *ctx)
{
    return gdpr_sqlite__sq_each((sqlite_store *)base,
                                "SELECT recipient, disclosures, last_at FROM"
                                " main.tombstone_recipient WHERE tombstone=?1 ORDER BY recipient",
                                tombstone, "listing recipients", recipient_row,
                                &(recipient_cb){fn, ctx, tombstone});
}

/* --- source hooks still to retry --------------------------------------- */

#define PENDING_COLUMNS                                                                            \
    "id, tombstone, subject, source, key_id, sealed, since, attempts, last_at, last_error"

int
gdpr_sqlite__pending_insert(store *base, const store_pending_row *row, int64_t *id_out)
{
    sqlite_store *st = (sqlite_store *)base;
    int64_t id = 0;
    int rc = gdpr_sqlite__sq_next_id(st, STORE_SEQ_PENDING, &id);
    sqlite3_stmt *s;

    if (rc == GDPR_OK)
        rc = gdpr_sqlite__sq_stmt(
            st,
            "INSERT INTO main.erasure_pending(tombstone, subject, source, key_id,"
            " sealed, since, attempts, last_at, last_error, id)"
            " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, row->tombstone);
    gdpr_sqlite__sq_bind_hash(s, 2, row->subject);
    sqlite3_bind_text(s, 3, row->source, -1, SQLITE_STATIC);
    gdpr_sqlite__sq_bind_hash(s, 4, row->key_id);
    sqlite3_bind_blob(s, 5, row->sealed, (int)row->sealed_len, SQLITE_STATIC);
    sqlite3_bind_int64(s, 6, row->since);
    sqlite3_bind_int(s, 7, row->attempts);
    sqlite3_bind_int64(s, 8, row->last_at);
    sqlite3_bind_text(s, 9, row->last_error ? row->last_error : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 10, id);
    rc = gdpr_sqlite__sq_step_done(st, s, "recording a pending hook");
    if (rc == GDPR_OK && id_out)
        *id_out = id;
    return rc;
}

typedef struct {
    int (*fn)(const store_pending_row *row, void *ctx);
    void *ctx;
} pending_cb;

static int
pending_row(sqlite3_stmt *s, void *c)
{
    const pending_cb *cb = c;
    store_pending_row p;

    p.id = sqlite3_column_int64(s, 0);
    p.tombstone = sqlite3_column_int64(s, 1);
    p.subject = hash_or_null(s, 2);
    p.source = gdpr_sqlite__sq_text_or_empty(s, 3);
    p.key_id = hash_or_null(s, 4);
    p.sealed = sqlite3_column_blob(s, 5);
    p.sealed_len = (size_t)sqlite3_column_bytes(s, 5);
    p.since = sqlite3_column_int64(s, 6);
    p.attempts = sqlite3_column_int(s, 7);
    p.last_at = sqlite3_column_int64(s, 8);
    p.last_error = gdpr_sqlite__sq_text_or_empty(s, 9);
    if (p.subject == NULL || p.key_id == NULL)
        return gdpr__err_set(GDPR_ECORRUPT, "pending hook %lld: damaged row", (long long)p.id);
    return gdpr_sqlite__sq_stopped(cb->fn(&p, cb->ctx), "pending hook", p.id);
}

int
gdpr_sqlite__pending_foreach(store *base, int64_t after_id,
                             int (*fn)(const store_pending_row *row, void *ctx), void *ctx)
{
    return gdpr_sqlite__sq_each((sqlite_store *)base,
                                "SELECT " PENDING_COLUMNS " FROM main.erasure_pending"
                                " WHERE id > ?1 ORDER BY id",
                                after_id, "listing pending hooks", pending_row,
                                &(pending_cb){fn, ctx});
}

int
gdpr_sqlite__pending_update(store *base, int64_t id, int64_t at, const char *error)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st,
                                  "UPDATE main.erasure_pending SET attempts = attempts + 1,"
                                  " last_at=?2, last_error=?3 WHERE id=?1",
                                  &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, at);
    sqlite3_bind_text(s, 3, error, -1, SQLITE_STATIC);
    return changed_one(st, gdpr_sqlite__sq_step_done(st, s, "updating a pending hook"),
                       "pending hook", id);
}

int
gdpr_sqlite__pending_delete(store *base, int64_t id)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st, "DELETE FROM main.erasure_pending WHERE id=?1", &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    return changed_one(st, gdpr_sqlite__sq_step_done(st, s, "deleting a pending hook"),
                       "pending hook", id);
}

int
gdpr_sqlite__pending_count_key(store *base, const uint8_t key_id[CRYPTO_HASH_BYTES],
                               int64_t *count_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc =
        gdpr_sqlite__sq_stmt(st, "SELECT count(*) FROM main.erasure_pending WHERE key_id=?1", &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, key_id);
    return gdpr_sqlite__sq_one_int64(st, s, "counting pending hooks", count_out);
}

/* --- keys queued for destruction ----------------------------------------- */

int
gdpr_sqlite__key_queue_add(store *base, const uint8_t hash[CRYPTO_HASH_BYTES], int64_t tombstone,
                           int64_t at)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    sq_serial key = {0, 0};
    const char *sql = "INSERT OR IGNORE INTO main.erasure_shred_queue(hash, tombstone, queued)"
                      " VALUES(?1, ?2, ?3)";
    int rc;

    if (st->has_key_counters) {
        /* Bind the entry to the key row there now (its serial). */
        rc = gdpr_sqlite__sq_stmt_keys(st, "SELECT serial FROM main.subject_key WHERE hash=?1", &s);
        if (rc != GDPR_OK)
            return rc;
        gdpr_sqlite__sq_bind_hash(s, 1, hash);
        rc = gdpr_sqlite__sq_row(st, s, "reading a key to queue", SQ_NO_ROW,
                                 gdpr_sqlite__sq_read_serial, &key);
        if (rc == SQ_NO_ROW)
            return GDPR_OK; /* no key: nothing to destroy */
        if (rc != GDPR_OK)
            return rc;
        sql = "INSERT INTO main.erasure_shred_queue(hash, tombstone, queued, key_serial)"
              " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(hash) DO UPDATE SET"
              " tombstone = excluded.tombstone, queued = excluded.queued,"
              " key_serial = excluded.key_serial WHERE key_serial IS NOT excluded.key_serial";
    }
    /* A string constant either way: the statement cache keys on it. */
    rc = gdpr_sqlite__sq_stmt(st, sql, &s);
    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, hash);
    sqlite3_bind_int64(s, 2, tombstone);
    sqlite3_bind_int64(s, 3, at);
    if (key.has)
        sqlite3_bind_int64(s, 4, key.serial);
    return gdpr_sqlite__sq_step_done(st, s, "queueing a key for destruction");
}

/* A hash in column 0 into ctx (uint8_t[CRYPTO_HASH_BYTES]). */
static int
read_queued_hash(sqlite3_stmt *s, void *ctx)
{
    if (sqlite3_column_bytes(s, 0) != (int)CRYPTO_HASH_BYTES)
        return gdpr__err_set(GDPR_ECORRUPT, "key queue: damaged row");
    memcpy(ctx, sqlite3_column_blob(s, 0), CRYPTO_HASH_BYTES);
    return GDPR_OK;
}

int
gdpr_sqlite__key_queue_first(store *base, uint8_t hash_out[CRYPTO_HASH_BYTES])
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st, "SELECT hash FROM main.erasure_shred_queue LIMIT 1", &s);

    if (rc != GDPR_OK)
        return rc;
    return gdpr_sqlite__sq_row(st, s, "reading the key queue", GDPR_ENOTFOUND, read_queued_hash,
                               hash_out);
}

int
gdpr_sqlite__key_queue_remove(store *base, const uint8_t hash[CRYPTO_HASH_BYTES])
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st, "DELETE FROM main.erasure_shred_queue WHERE hash=?1", &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, hash);
    return gdpr_sqlite__sq_step_done(st, s, "dequeueing a key");
}

typedef struct {
    int (*fn)(const uint8_t *hash, int64_t tombstone, int64_t queued, void *ctx);
    void *ctx;
} queue_cb;

static int
queue_row(sqlite3_stmt *s, void *c)
{
    const queue_cb *cb = c;
    const uint8_t *hash = hash_or_null(s, 0);
    int64_t tombstone = sqlite3_column_int64(s, 1);

    if (hash == NULL)
        return gdpr__err_set(GDPR_ECORRUPT, "key queue: damaged row");
    return gdpr_sqlite__sq_stopped(cb->fn(hash, tombstone, sqlite3_column_int64(s, 2), cb->ctx),
                                   "key queue", tombstone);
}

int
gdpr_sqlite__key_queue_foreach(store *base,
                               int (*fn)(const uint8_t *hash, int64_t tombstone, int64_t queued,
                                         void *ctx),
                               void *ctx)
{
    return gdpr_sqlite__sq_each((sqlite_store *)base,
                                "SELECT hash, tombstone, queued FROM"
                                " main.erasure_shred_queue ORDER BY queued, hash",
                                0, "listing the key queue", queue_row, &(queue_cb){fn, ctx});
}

int
gdpr_sqlite__erasure_unfinished(store *base, int *keys_out, int *unwiped_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int64_t found[2] = {0, 0};
    int rc = gdpr_sqlite__sq_stmt(st,
                                  "SELECT EXISTS(SELECT 1 FROM main.erasure_shred_queue),"
                                  " EXISTS(SELECT 1 FROM main.tombstone WHERE wiped = 0)",
                                  &s);

    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_sqlite__sq_row(st, s, "checking unfinished erasures", SQ_NO_ROW, read_pair, found);
    if (rc == SQ_NO_ROW)
        return gdpr_sqlite__sq_fail(st, SQLITE_DONE, "checking unfinished erasures");
    if (rc == GDPR_OK) {
        *keys_out = (int)found[0];
        *unwiped_out = (int)found[1];
    }
    return rc;
}

int
gdpr_sqlite__key_delete(store *base, const uint8_t hash[CRYPTO_HASH_BYTES])
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt_keys(st, "DELETE FROM main.subject_key WHERE hash=?1", &s);

    st->key_memo_valid = 0;
    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, hash);
    rc = gdpr_sqlite__sq_step_done(st, s, "destroying a key");
    if (rc == GDPR_OK && sqlite3_changes(st->kdb) > 0)
        rc = gdpr_sqlite__sq_key_epoch_bump(st);
    return rc;
}

int
gdpr_sqlite__key_exists(store *base, const uint8_t hash[CRYPTO_HASH_BYTES], int *exists_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int64_t n = 0;
    int rc = gdpr_sqlite__sq_stmt_keys(
        st, "SELECT EXISTS(SELECT 1 FROM main.subject_key WHERE hash=?1)", &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, hash);
    rc = gdpr_sqlite__sq_one_int64(st, s, "looking for a key", &n);
    if (rc == GDPR_OK)
        *exists_out = n != 0;
    return rc;
}

/* --- the subject's own rows ---------------------------------------------- */

/* Before its subject row goes (docs/decisions/0018): its requests stay in
 * the register under their hash but name no subject row by id; access-log,
 * signal and conflict rows still there (an erasure that kept records
 * deleted the earlier ones; these came after it) go, as they would have
 * with the subject's data, so that no row names a deleted subject's id. */
static int
subject_unlink_rows(sqlite_store *st, const uint8_t hash[CRYPTO_HASH_BYTES])
{
    static const char *const sql[] = {
        "UPDATE main.request SET subject_id = NULL WHERE subject_id=" SQ_SUBJECT_ID_1,
        "DELETE FROM main.access_log WHERE subject_id=" SQ_SUBJECT_ID_1,
        "DELETE FROM main.consent_signal WHERE subject_id=" SQ_SUBJECT_ID_1,
        "DELETE FROM main.consent_conflict WHERE subject_id=" SQ_SUBJECT_ID_1,
    };

    return gdpr_sqlite__sq_run_hash(st, sql, sizeof sql / sizeof sql[0], hash,
                                    "unlinking a subject's rows", NULL);
}

int
gdpr_sqlite__subject_delete(store *base, const uint8_t hash[CRYPTO_HASH_BYTES])
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    /* Its audit events keep their hash (the chain's MAC covers it) but no
     * longer name a subject row by id (docs/decisions/0016). Its retention
     * anchors go, found by its id before its row goes (schema 11 dropped
     * the trigger that did this after); review justifications sealed under
     * its key are cleared after (the reviews keep its hash, 0017). */
    static const char *const before[] = {
        "UPDATE main.audit SET subject_id = NULL WHERE subject_id = " SQ_SUBJECT_ID_1,
        "DELETE FROM main.retention_anchor WHERE subject_id = " SQ_SUBJECT_ID_1,
    };
    int rc = gdpr_sqlite__sq_run_hash(st, before, sizeof before / sizeof before[0], hash,
                                      "unlinking a subject's rows", NULL);

    if (rc == GDPR_OK)
        rc = subject_unlink_rows(st, hash);
    st->subject_cache_id = 0;
    if (rc == GDPR_OK)
        rc = gdpr_sqlite__sq_stmt(st, "DELETE FROM main.subject WHERE hash=?1", &s);
    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, hash);
    rc = gdpr_sqlite__sq_step_done(st, s, "deleting a subject");
    if (rc == GDPR_OK && sqlite3_changes(st->db) == 0)
        return gdpr__err_set(GDPR_ENOTFOUND, "subject: no such subject");
    if (rc == GDPR_OK)
        rc = gdpr_sqlite__sq_stmt(st,
                                  "UPDATE main.retention_review SET justification = NULL"
                                  " WHERE subject = ?1 AND justification IS NOT NULL",
                                  &s);
    if (rc == GDPR_OK) {
        gdpr_sqlite__sq_bind_hash(s, 1, hash);
        rc = gdpr_sqlite__sq_step_done(st, s, "clearing a subject's review justifications");
    }
    return rc;
}

int
gdpr_sqlite__subject_created(store *base, const uint8_t hash[CRYPTO_HASH_BYTES],
                             int64_t *created_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st, "SELECT created FROM main.subject WHERE hash=?1", &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, hash);
    return gdpr_sqlite__sq_row(st, s, "reading a subject", GDPR_ENOTFOUND,
                               gdpr_sqlite__sq_read_int64, created_out);
}

int
gdpr_sqlite__subject_has_data(store *base, const uint8_t hash[CRYPTO_HASH_BYTES], int *has_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int64_t n = 0;
    /* 0 when the subject row is gone: nothing can name its id then. */
    int rc = gdpr_sqlite__sq_stmt(st,
                                  "SELECT coalesce((SELECT"
                                  " EXISTS(SELECT 1 FROM main.vault WHERE subject_id = s.id)"
                                  " OR EXISTS(SELECT 1 FROM main.identity WHERE subject_id = s.id)"
                                  " OR EXISTS(SELECT 1 FROM main.consent WHERE subject_id = s.id)"
                                  " FROM main.subject s WHERE s.hash = ?1), 0)",
                                  &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, hash);
    rc = gdpr_sqlite__sq_one_int64(st, s, "looking for a subject's data", &n);
    *has_out = n != 0;
    return rc;
}

int
gdpr_sqlite__erasure_scrub_requests(store *base, const uint8_t hash[CRYPTO_HASH_BYTES],
                                    int64_t *count_out)
{
    /* The register stays (accountability, KPIs); what was sealed under the
     * subject's key (the identifier it came with, case notes) and the
     * identifier's blind index go. The columns are the request
     * capability's (lib/store/schema.c, issue 9). */
    static const char *const sql[] = {
        "UPDATE main.request_event SET note = NULL WHERE note IS NOT NULL AND request IN"
        " (SELECT id FROM main.request WHERE subject_id=" SQ_SUBJECT_ID_1 ")",
        "UPDATE main.request SET ident_value = NULL, ident_hash = NULL"
        " WHERE subject_id=" SQ_SUBJECT_ID_1 " AND (ident_value IS NOT NULL OR ident_hash IS NOT "
        "NULL)",
    };

    return gdpr_sqlite__sq_run_hash((sqlite_store *)base, sql, sizeof sql / sizeof sql[0], hash,
                                    "clearing a subject's requests", count_out);
}

/* --- commits whose loss a crash makes harmless ---------------------------- */

int
gdpr_sqlite__relax_durability(store *base, int relaxed)
{
    sqlite_store *st = (sqlite_store *)base;
    /* WAL with synchronous=NORMAL: the commit is not synced on its own; the
     * next checkpoint syncs it. Only for data-file commits that a crash may
     * undo without harm because they are redone (see lib/erasure.c). */
    if (st->in_memory)
        return GDPR_OK;
    gdpr_sqlite__end_stale(st);
    return gdpr_sqlite__sq_exec(st,
                                relaxed ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL");
}
