/*
 * Rows of the access log (Art. 15(1), 15(4); CJEU C-579/21): when a
 * subject's data was consulted, by which role, for which purpose and why.
 * The subject is its integer id (erased with the subject; decision 0018);
 * the staff member's id is kept as the audit trail keeps actors, and is
 * shown to the subject only as the policy decides (lib/export).
 * SPDX-License-Identifier: MIT
 */
#include "sqlite_internal.h"

#include <string.h>

#include "error.h"

int
gdpr_sqlite__access_insert(store *base, const store_access_row *row)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st,
                                  "INSERT INTO main.access_log(subject_id, at, actor, role, action,"
                                  " purpose, record, reason) VALUES(" SQ_SUBJECT_ID_CACHED(
                                      "9", "1") ", ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                                  &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, row->subject);
    sqlite3_bind_int64(s, 2, row->at);
    sqlite3_bind_text(s, 3, row->actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, row->role, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, row->action, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, row->purpose, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 7, row->record);
    if (row->reason)
        sqlite3_bind_text(s, 8, row->reason, -1, SQLITE_STATIC);
    gdpr_sqlite__sq_bind_subject_cached(st, s, 9, row->subject);
    return gdpr_sqlite__sq_step_done(st, s, "logging a consultation");
}

typedef struct {
    int (*fn)(const store_access_row *row, void *ctx);
    void *ctx;
} access_cb;

static int
access_row(sqlite3_stmt *s, void *c)
{
    const access_cb *cb = c;
    store_access_row row;

    memset(&row, 0, sizeof row);
    row.id = sqlite3_column_int64(s, 0);
    row.subject = sqlite3_column_blob(s, 1);
    row.at = sqlite3_column_int64(s, 2);
    row.actor = gdpr_sqlite__sq_text_or_empty(s, 3);
    row.role = gdpr_sqlite__sq_text_or_empty(s, 4);
    row.action = gdpr_sqlite__sq_text_or_empty(s, 5);
    row.purpose = gdpr_sqlite__sq_text_or_empty(s, 6);
    row.record = sqlite3_column_int64(s, 7);
    row.reason = gdpr_sqlite__sq_text_or_empty(s, 8);
    if (row.subject == NULL || sqlite3_column_bytes(s, 1) != CRYPTO_HASH_BYTES)
        return gdpr__err_set(GDPR_ECORRUPT, "access log %lld: damaged row", (long long)row.id);
    return gdpr_sqlite__sq_stopped(cb->fn(&row, cb->ctx), "access log entry", row.id);
}

int
gdpr_sqlite__access_foreach(store *base, const uint8_t *subject_hash,
                            int (*fn)(const store_access_row *row, void *ctx), void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    /* One subject's rows answer with the hash asked for; a walk of all
     * rows reads each one's hash through its id. */
    static const char one[] =
        "SELECT id, ?1, at, actor, role, action, purpose, record, reason"
        " FROM main.access_log WHERE subject_id=" SQ_SUBJECT_ID_1 " ORDER BY id";
    static const char all[] = "SELECT id, " SQ_SUBJECT_HASH_OF(
        "a.subject_id") ", at, actor, role, action, purpose, record, reason"
                        " FROM main.access_log a ORDER BY id";
    sqlite3_stmt *s = NULL;
    int own = SQ_CACHED;
    int rc = gdpr_sqlite__sq_cursor(st, subject_hash ? one : all, &s, &own);

    if (rc != GDPR_OK)
        return rc;
    if (subject_hash)
        gdpr_sqlite__sq_bind_hash(s, 1, subject_hash);
    return gdpr_sqlite__sq_rows(st, s, own, "reading the access log", access_row,
                                &(access_cb){fn, ctx});
}

int
gdpr_sqlite__access_delete_subject(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                   int64_t *count_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(
        st, "DELETE FROM main.access_log WHERE subject_id=" SQ_SUBJECT_ID_1, &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, subject_hash);
    rc = gdpr_sqlite__sq_step_done(st, s, "erasing the access log of a subject");
    if (rc == GDPR_OK && count_out)
        *count_out = sqlite3_changes64(st->db);
    return rc;
}
