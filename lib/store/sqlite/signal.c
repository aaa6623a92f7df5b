/*
 * Consent signals and conflicts (issue 16): main.consent_signal holds
 * GPC, TCF and GPP signals (the strings sealed by the caller),
 * main.consent_conflict the conflicts between an explicit grant and a GPC
 * signal. Both append-only; erased with the subject's consent events
 * (consent.c). Both name the subject by its integer id (decision 0018).
 * SPDX-License-Identifier: MIT
 */
#include "sqlite_internal.h"

#include <string.h>

#include "error.h"

int
gdpr_sqlite__signal_append(store *base, const store_signal_row *row)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(
        st,
        "INSERT INTO main.consent_signal(id, subject_id, at, kind, value,"
        " channel, actor) VALUES(?1, " SQ_SUBJECT_ID_CACHED("8", "2") ", ?3, ?4, ?5, ?6, ?7)",
        &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, row->id);
    gdpr_sqlite__sq_bind_hash(s, 2, row->subject);
    sqlite3_bind_int64(s, 3, row->at);
    sqlite3_bind_int(s, 4, row->kind);
    if (row->value != NULL)
        sqlite3_bind_blob(s, 5, row->value, (int)row->value_len, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 5);
    sqlite3_bind_text(s, 6, row->channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, row->actor, -1, SQLITE_STATIC);
    gdpr_sqlite__sq_bind_subject_cached(st, s, 8, row->subject);
    return gdpr_sqlite__sq_step_done(st, s, "recording a consent signal");
}

int
gdpr_sqlite__signal_latest(store *base, const uint8_t hash[CRYPTO_HASH_BYTES], int kind, int64_t at,
                           int64_t *id_out, int64_t *at_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(
        st,
        "SELECT id, at FROM main.consent_signal"
        " WHERE subject_id=" SQ_SUBJECT_ID_CACHED("4", "1") " AND kind=?2"
                                                            " AND at<=?3"
                                                            " ORDER BY at DESC, id DESC LIMIT 1",
        &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, hash);
    sqlite3_bind_int(s, 2, kind);
    sqlite3_bind_int64(s, 3, at);
    gdpr_sqlite__sq_bind_subject_cached(st, s, 4, hash);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *id_out = sqlite3_column_int64(s, 0);
        *at_out = sqlite3_column_int64(s, 1);
        gdpr_sqlite__sq_reset(s);
        return GDPR_OK;
    }
    gdpr_sqlite__sq_reset(s);
    if (rc == SQLITE_DONE)
        return GDPR_ENOTFOUND;
    return gdpr_sqlite__sq_fail(st, rc, "reading consent signals");
}

typedef struct {
    int (*signal_fn)(const store_signal_row *row, void *ctx);
    int (*conflict_fn)(const store_conflict_row *row, void *ctx);
    void *ctx;
} signal_cb;

static int
signal_row(sqlite3_stmt *s, void *c)
{
    const signal_cb *cb = c;
    store_signal_row row;

    memset(&row, 0, sizeof row);
    row.id = sqlite3_column_int64(s, 0);
    row.subject = sqlite3_column_blob(s, 1);
    row.at = sqlite3_column_int64(s, 2);
    row.kind = sqlite3_column_int(s, 3);
    if (sqlite3_column_type(s, 4) != SQLITE_NULL) {
        row.value_len = (size_t)sqlite3_column_bytes(s, 4);
        row.value = sqlite3_column_blob(s, 4);
    }
    row.channel = gdpr_sqlite__sq_text_or_empty(s, 5);
    row.actor = gdpr_sqlite__sq_text_or_empty(s, 6);
    if (row.subject == NULL || sqlite3_column_bytes(s, 1) != (int)CRYPTO_HASH_BYTES)
        return gdpr__err_set(GDPR_ECORRUPT, "consent signal %lld: bad subject hash",
                             (long long)row.id);
    return gdpr_sqlite__sq_stopped(cb->signal_fn(&row, cb->ctx), "consent signal", row.id);
}

int
gdpr_sqlite__signal_foreach(store *base, const uint8_t hash[CRYPTO_HASH_BYTES],
                            int (*fn)(const store_signal_row *row, void *ctx), void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    signal_cb cb = {fn, NULL, ctx};
    sqlite3_stmt *s;
    int own = SQ_CACHED;
    int rc = gdpr_sqlite__sq_cursor(st,
                                    "SELECT id, ?1, at, kind, value, channel, actor"
                                    " FROM main.consent_signal WHERE subject_id=" SQ_SUBJECT_ID_1
                                    " ORDER BY id",
                                    &s, &own);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, hash);
    return gdpr_sqlite__sq_rows(st, s, own, "reading consent signals", signal_row, &cb);
}

int
gdpr_sqlite__conflict_append(store *base, const store_conflict_row *row, int64_t *id_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st,
                                  "INSERT INTO main.consent_conflict(subject_id, at, purpose, kind,"
                                  " consent_event, signal, result_event)"
                                  " VALUES(" SQ_SUBJECT_ID_CACHED("8", "1") ", ?2, ?3, ?4, ?5, ?6,"
                                                                            " ?7)",
                                  &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, row->subject);
    sqlite3_bind_int64(s, 2, row->at);
    sqlite3_bind_text(s, 3, row->purpose, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 4, row->kind);
    sqlite3_bind_int64(s, 5, row->consent_event);
    sqlite3_bind_int64(s, 6, row->signal);
    sqlite3_bind_int64(s, 7, row->result_event);
    gdpr_sqlite__sq_bind_subject_cached(st, s, 8, row->subject);
    rc = gdpr_sqlite__sq_step_done(st, s, "recording a consent conflict");
    if (rc == GDPR_OK && id_out != NULL)
        *id_out = sqlite3_last_insert_rowid(st->db);
    return rc;
}

static int
conflict_row(sqlite3_stmt *s, void *c)
{
    const signal_cb *cb = c;
    store_conflict_row row;

    memset(&row, 0, sizeof row);
    row.id = sqlite3_column_int64(s, 0);
    row.subject = sqlite3_column_blob(s, 1);
    row.at = sqlite3_column_int64(s, 2);
    row.purpose = gdpr_sqlite__sq_text_or_empty(s, 3);
    row.kind = sqlite3_column_int(s, 4);
    row.consent_event = sqlite3_column_int64(s, 5);
    row.signal = sqlite3_column_int64(s, 6);
    row.result_event = sqlite3_column_int64(s, 7);
    if (row.subject == NULL || sqlite3_column_bytes(s, 1) != (int)CRYPTO_HASH_BYTES)
        return gdpr__err_set(GDPR_ECORRUPT, "consent conflict %lld: bad subject hash",
                             (long long)row.id);
    return gdpr_sqlite__sq_stopped(cb->conflict_fn(&row, cb->ctx), "consent conflict", row.id);
}

int
gdpr_sqlite__conflict_foreach(store *base, const uint8_t *hash, int64_t since, int64_t after_id,
                              int (*fn)(const store_conflict_row *row, void *ctx), void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    signal_cb cb = {NULL, fn, ctx};
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_prepare(
        st,
        hash != NULL ? "SELECT id, ?3, at, purpose, kind, consent_event,"
                       " signal, result_event FROM main.consent_conflict"
                       " WHERE subject_id=" SQ_SUBJECT_ID("3") " AND at>=?1 AND id>?2 ORDER BY id"
                     : "SELECT id, " SQ_SUBJECT_HASH_OF(
                           "c.subject_id") ", at, purpose, kind,"
                                           " consent_event, signal,"
                                           " result_event"
                                           " FROM main.consent_conflict c"
                                           " WHERE at>=?1 AND id>?2 ORDER BY id",
        "reading consent conflicts", &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, since);
    sqlite3_bind_int64(s, 2, after_id);
    if (hash != NULL)
        gdpr_sqlite__sq_bind_hash(s, 3, hash);
    return gdpr_sqlite__sq_rows(st, s, SQ_OWN, "reading consent conflicts", conflict_row, &cb);
}
