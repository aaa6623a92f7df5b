/*
 * Rows of the transfer checks: the decision log, safeguards added at run
 * time, and the adequacy lists loaded from files. Nothing here is
 * personal data except the subject's keyed hash. A log row keeps that
 * hash (it may outlive the subject row) and is found by the subject's
 * integer id (schema step 27, docs/decisions/0017).
 * SPDX-License-Identifier: MIT
 */
#include "sqlite_internal.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"

/* --- the decision log -------------------------------------------------- */

#define TRANSFER_COLUMNS                                                                           \
    "id, at, recipient, country, mechanism, reference, allowed, reason, subject"

static void
read_transfer_row(sqlite3_stmt *s, store_transfer_row *row)
{
    row->id = sqlite3_column_int64(s, 0);
    row->at = sqlite3_column_int64(s, 1);
    row->recipient = gdpr_sqlite__sq_text_or_empty(s, 2);
    row->country = gdpr_sqlite__sq_text_or_empty(s, 3);
    row->mechanism = gdpr_sqlite__sq_text_or_empty(s, 4);
    row->reference = (const char *)sqlite3_column_text(s, 5);
    row->allowed = sqlite3_column_int(s, 6);
    row->reason = gdpr_sqlite__sq_text_or_empty(s, 7);
}

/* One callback type or the other: `fn_all` also gets the subject hash. */
typedef struct {
    int (*fn)(const store_transfer_row *row, void *ctx);
    int (*fn_all)(const store_transfer_row *row, const uint8_t *subject_hash, void *ctx);
    void *ctx;
} transfer_cb;

static int
transfer_row(sqlite3_stmt *s, void *c)
{
    const transfer_cb *cb = c;
    store_transfer_row row;
    int stop;

    read_transfer_row(s, &row);
    if (cb->fn_all == NULL) {
        stop = cb->fn(&row, cb->ctx);
    } else {
        if (sqlite3_column_bytes(s, 8) != (int)CRYPTO_HASH_BYTES)
            return gdpr__err_set(GDPR_ECORRUPT, "transfer %lld: subject hash has the wrong length",
                                 (long long)row.id);
        stop = cb->fn_all(&row, sqlite3_column_blob(s, 8), cb->ctx);
    }
    return gdpr_sqlite__sq_stopped(stop, "transfer log", row.id);
}

int
gdpr_sqlite__transfer_insert(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                             const store_transfer_row *row, int64_t logged_at, const char *actor,
                             int64_t *id_out)
{
    sqlite_store *st = (sqlite_store *)base;
    int64_t id = 0;
    int rc = gdpr_sqlite__sq_next_id(st, STORE_SEQ_TRANSFER, &id);
    sqlite3_stmt *s;

    if (rc == GDPR_OK)
        rc = gdpr_sqlite__sq_stmt(
            st,
            "INSERT INTO main.transfer(subject, at, logged_at, actor, recipient,"
            " country, mechanism, reference, allowed, reason, id, subject_id)"
            " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, " SQ_SUBJECT_ID_CACHED("12",
                                                                                          "1") ")",
            &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, subject_hash);
    sqlite3_bind_int64(s, 2, row->at);
    sqlite3_bind_int64(s, 3, logged_at);
    sqlite3_bind_text(s, 4, actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, row->recipient, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, row->country, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, row->mechanism, -1, SQLITE_STATIC);
    gdpr_sqlite__sq_bind_text_or_null(s, 8, row->reference);
    sqlite3_bind_int(s, 9, row->allowed ? 1 : 0);
    sqlite3_bind_text(s, 10, row->reason, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 11, id);
    gdpr_sqlite__sq_bind_subject_cached(st, s, 12, subject_hash);
    rc = gdpr_sqlite__sq_step_done(st, s, "logging a transfer");
    if (rc == GDPR_OK && id_out)
        *id_out = id;
    return rc;
}

int
gdpr_sqlite__transfer_foreach(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                              int (*fn)(const store_transfer_row *row, void *ctx), void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int own = SQ_CACHED;
    /* A cursor: the callback may call back into the store. */
    int rc = gdpr_sqlite__sq_cursor(st,
                                    subject_hash != NULL
                                        ? "SELECT " TRANSFER_COLUMNS " FROM main.transfer"
                                          " WHERE subject_id=" SQ_SUBJECT_ID_1 " ORDER BY id"
                                        : "SELECT " TRANSFER_COLUMNS " FROM main.transfer"
                                          " ORDER BY id",
                                    &s, &own);

    if (rc != GDPR_OK)
        return rc;
    if (subject_hash != NULL)
        gdpr_sqlite__sq_bind_hash(s, 1, subject_hash);
    return gdpr_sqlite__sq_rows(st, s, own, "reading the transfer log", transfer_row,
                                &(transfer_cb){fn, NULL, ctx});
}

int
gdpr_sqlite__transfer_foreach_all(store *base, int64_t after_id,
                                  int (*fn)(const store_transfer_row *row,
                                            const uint8_t *subject_hash, void *ctx),
                                  void *ctx)
{
    return gdpr_sqlite__sq_each((sqlite_store *)base,
                                "SELECT " TRANSFER_COLUMNS " FROM main.transfer"
                                " WHERE id > ?1 ORDER BY id",
                                after_id, "reading the transfer log", transfer_row,
                                &(transfer_cb){NULL, fn, ctx});
}

int
gdpr_sqlite__transfer_delete_subject(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                     int64_t *count_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc =
        gdpr_sqlite__sq_stmt(st, "DELETE FROM main.transfer WHERE subject_id=" SQ_SUBJECT_ID_1, &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, subject_hash);
    rc = gdpr_sqlite__sq_step_done(st, s, "deleting a subject's transfer log");
    if (rc == GDPR_OK && count_out)
        *count_out = sqlite3_changes64(st->db);
    return rc;
}

static int
read_count(sqlite3_stmt *s, void *ctx)
{
    store_transfer_count *c = ctx;

    c->transfers = sqlite3_column_int64(s, 0);
    c->subjects = sqlite3_column_int64(s, 1);
    c->subject_seen = sqlite3_column_int64(s, 2) > 0;
    return GDPR_OK;
}

int
gdpr_sqlite__transfer_count(store *base, const char *recipient, int64_t after, int64_t until,
                            const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                            store_transfer_count *out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(
        st,
        "SELECT count(*), count(DISTINCT subject), coalesce(sum(subject = ?4), 0)"
        " FROM main.transfer WHERE recipient = ?1 AND at > ?2 AND at <= ?3 AND allowed = 1"
        " AND mechanism IN ('derogation_consent', 'derogation_other')",
        &s);

    if (rc != GDPR_OK)
        return rc;
    memset(out, 0, sizeof *out);
    sqlite3_bind_text(s, 1, recipient, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, after);
    sqlite3_bind_int64(s, 3, until);
    gdpr_sqlite__sq_bind_hash(s, 4, subject_hash);
    return gdpr_sqlite__sq_row(st, s, "counting Art. 49 transfers", GDPR_OK, read_count, out);
}

/* --- safeguards added at run time ---------------------------------------- */

int
gdpr_sqlite__safeguard_insert(store *base, const store_safeguard_row *row, int64_t *id_out)
{
    sqlite_store *st = (sqlite_store *)base;
    int64_t id = 0;
    int rc = gdpr_sqlite__sq_next_id(st, STORE_SEQ_SAFEGUARD, &id);
    sqlite3_stmt *s;

    if (rc == GDPR_OK)
        rc = gdpr_sqlite__sq_stmt(st,
                                  "INSERT INTO main.transfer_safeguard(recipient, type, module,"
                                  " reference, valid_from, valid_until, added_at, added_by, id)"
                                  " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                                  &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_text(s, 1, row->recipient, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, row->type, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, row->module);
    sqlite3_bind_text(s, 4, row->reference, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, row->valid_from);
    sqlite3_bind_int64(s, 6, row->valid_until);
    sqlite3_bind_int64(s, 7, row->added_at);
    sqlite3_bind_text(s, 8, row->added_by, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 9, id);
    rc = gdpr_sqlite__sq_step_done(st, s, "adding a safeguard");
    if (rc == GDPR_OK && id_out)
        *id_out = id;
    return rc;
}

typedef struct {
    int64_t revoked;
    char *recipient;
} safeguard_state;

static int
read_safeguard_state(sqlite3_stmt *s, void *ctx)
{
    safeguard_state *g = ctx;

    g->revoked = sqlite3_column_int64(s, 1);
    g->recipient = strdup(gdpr_sqlite__sq_text_or_empty(s, 0));
    if (g->recipient == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory revoking a safeguard");
    return GDPR_OK;
}

int
gdpr_sqlite__safeguard_revoke(store *base, int64_t id, int64_t at, const char *actor,
                              char **recipient_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    safeguard_state g = {0, NULL};
    int rc = gdpr_sqlite__sq_stmt(st,
                                  "SELECT recipient, revoked_at FROM main.transfer_safeguard"
                                  " WHERE id=?1",
                                  &s);

    if (recipient_out)
        *recipient_out = NULL;
    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    rc = gdpr_sqlite__sq_row(st, s, "reading a safeguard", SQ_NO_ROW, read_safeguard_state, &g);
    if (rc == SQ_NO_ROW)
        return gdpr__err_set(GDPR_ENOTFOUND,
                             "safeguard: %lld is not a safeguard added with "
                             "gdpr_safeguard_add (those of the policy change with the policy)",
                             (long long)id);
    if (rc != GDPR_OK)
        return rc;
    if (g.revoked != 0) {
        free(g.recipient);
        return gdpr__err_set(GDPR_ESTATE, "safeguard: %lld is revoked already", (long long)id);
    }
    rc = gdpr_sqlite__sq_stmt(st,
                              "UPDATE main.transfer_safeguard SET revoked_at=?2, revoked_by=?3"
                              " WHERE id=?1",
                              &s);
    if (rc == GDPR_OK) {
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_int64(s, 2, at);
        sqlite3_bind_text(s, 3, actor, -1, SQLITE_STATIC);
        rc = gdpr_sqlite__sq_step_done(st, s, "revoking a safeguard");
    }
    if (rc == GDPR_OK && recipient_out)
        *recipient_out = g.recipient;
    else
        free(g.recipient);
    return rc;
}

typedef struct {
    int (*fn)(const store_safeguard_row *row, void *ctx);
    void *ctx;
} safeguard_cb;

static int
safeguard_row(sqlite3_stmt *s, void *c)
{
    const safeguard_cb *cb = c;
    store_safeguard_row row;

    row.id = sqlite3_column_int64(s, 0);
    row.recipient = gdpr_sqlite__sq_text_or_empty(s, 1);
    row.type = gdpr_sqlite__sq_text_or_empty(s, 2);
    row.module = sqlite3_column_int(s, 3);
    row.reference = gdpr_sqlite__sq_text_or_empty(s, 4);
    row.valid_from = sqlite3_column_int64(s, 5);
    row.valid_until = sqlite3_column_int64(s, 6);
    row.added_at = sqlite3_column_int64(s, 7);
    row.added_by = gdpr_sqlite__sq_text_or_empty(s, 8);
    row.revoked_at = sqlite3_column_int64(s, 9);
    return gdpr_sqlite__sq_stopped(cb->fn(&row, cb->ctx), "safeguard", row.id);
}

int
gdpr_sqlite__safeguard_foreach(store *base, const char *recipient,
                               int (*fn)(const store_safeguard_row *row, void *ctx), void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int own = SQ_CACHED;
    int rc = gdpr_sqlite__sq_cursor(st,
                                    "SELECT id, recipient, type, module, reference,"
                                    " valid_from, valid_until, added_at, added_by, revoked_at"
                                    " FROM main.transfer_safeguard"
                                    " WHERE ?1 IS NULL OR recipient=?1 ORDER BY id",
                                    &s, &own);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_text_or_null(s, 1, recipient);
    return gdpr_sqlite__sq_rows(st, s, own, "reading safeguards", safeguard_row,
                                &(safeguard_cb){fn, ctx});
}

/* --- adequacy lists ----------------------------------------------------- */

int
gdpr_sqlite__adequacy_insert(store *base, int64_t at, const char *actor,
                             const uint8_t sha256[CRYPTO_HASH_BYTES], const char *document,
                             int64_t *version_out)
{
    return gdpr_sqlite__sq_document_insert(
        (sqlite_store *)base,
        "INSERT INTO main.adequacy_list(loaded_at, actor, sha256, document) VALUES(?1, ?2, ?3, ?4)",
        at, actor, sha256, document, "storing the adequacy list", version_out);
}

typedef struct {
    int64_t *version_out;
    char **document_out;
} adequacy_out;

static int
read_adequacy(sqlite3_stmt *s, void *ctx)
{
    const adequacy_out *a = ctx;

    *a->version_out = sqlite3_column_int64(s, 0);
    *a->document_out = strdup(gdpr_sqlite__sq_text_or_empty(s, 1));
    if (*a->document_out == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory reading the adequacy list");
    return GDPR_OK;
}

int
gdpr_sqlite__adequacy_latest(store *base, int64_t *version_out, char **document_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st,
                                  "SELECT version, document FROM main.adequacy_list"
                                  " ORDER BY version DESC LIMIT 1",
                                  &s);

    *document_out = NULL;
    if (rc != GDPR_OK)
        return rc;
    return gdpr_sqlite__sq_row(st, s, "reading the adequacy list", GDPR_ENOTFOUND, read_adequacy,
                               &(adequacy_out){version_out, document_out});
}
