/*
 * Rows of the transfer checks: the decision log, safeguards added at run
 * time, and the adequacy lists loaded from files. Nothing here is
 * personal data except the subject's keyed hash. Mirrors
 * lib/store/sqlite/transfer.c.
 * SPDX-License-Identifier: MIT
 */
#include "pg_internal.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"

#define D PG_DATA_SCHEMA "."

/* --- the decision log -------------------------------------------------- */

#define TRANSFER_COLUMNS                                                                           \
    "id, at, recipient, country, mechanism, reference, allowed, reason, subject"

/* One callback type or the other: `fn_all` also gets the subject hash. */
typedef struct {
    int (*fn)(const store_transfer_row *row, void *ctx);
    int (*fn_all)(const store_transfer_row *row, const uint8_t *subject_hash, void *ctx);
    void *ctx;
} transfer_cb;

static int
transfer_row(const pg_row *r, void *c)
{
    const transfer_cb *cb = c;
    store_transfer_row row;
    const uint8_t *subject = NULL;
    int rc, stop;

    row.id = gdpr_pg__col_int(r, 0);
    row.at = gdpr_pg__col_int(r, 1);
    row.recipient = gdpr_pg__col_text_or_empty(r, 2);
    row.country = gdpr_pg__col_text_or_empty(r, 3);
    row.mechanism = gdpr_pg__col_text_or_empty(r, 4);
    row.reference = gdpr_pg__col_text(r, 5);
    row.allowed = (int)gdpr_pg__col_int(r, 6);
    row.reason = gdpr_pg__col_text_or_empty(r, 7);
    if (cb->fn_all == NULL) {
        stop = cb->fn(&row, cb->ctx);
    } else {
        rc = gdpr_pg__col_hash(r, 8, 0, "transfer log", &subject);
        if (rc != GDPR_OK)
            return rc;
        stop = cb->fn_all(&row, subject, cb->ctx);
    }
    return gdpr_pg__stopped(stop, "transfer log", row.id);
}

int
gdpr_pg__transfer_insert(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                         const store_transfer_row *row, int64_t logged_at, const char *actor,
                         int64_t *id_out)
{
    int64_t id = 0;
    pg_params p;
    int rc = gdpr_pg__next_id(base, STORE_SEQ_TRANSFER, &id);

    if (rc != GDPR_OK)
        return rc;
    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, subject_hash);
    gdpr_pg__p_int(&p, row->at);
    gdpr_pg__p_int(&p, logged_at);
    gdpr_pg__p_text(&p, actor);
    gdpr_pg__p_text(&p, row->recipient);
    gdpr_pg__p_text(&p, row->country);
    gdpr_pg__p_text(&p, row->mechanism);
    gdpr_pg__p_text(&p, row->reference);
    gdpr_pg__p_int(&p, row->allowed ? 1 : 0);
    gdpr_pg__p_text(&p, row->reason);
    gdpr_pg__p_int(&p, id);
    rc = gdpr_pg__exec((pg_store *)base,
                       "INSERT INTO " D "transfer(subject, at, logged_at, actor, recipient,"
                       " country, mechanism, reference, allowed, reason, id, subject_id)"
                       " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, " PG_SUBJECT_ID_1 ")",
                       &p, "logging a transfer", NULL);
    if (rc == GDPR_OK && id_out)
        *id_out = id;
    return rc;
}

int
gdpr_pg__transfer_foreach(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                          int (*fn)(const store_transfer_row *row, void *ctx), void *ctx)
{
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, subject_hash);
    return gdpr_pg__rows_paged((pg_store *)base,
                               "SELECT " TRANSFER_COLUMNS " FROM " D "transfer"
                               " WHERE ($1 IS NULL OR subject_id = " PG_SUBJECT_ID_1 ") AND id > $2"
                               " ORDER BY id LIMIT $3",
                               &p, "reading the transfer log", transfer_row,
                               &(transfer_cb){fn, NULL, ctx});
}

int
gdpr_pg__transfer_foreach_all(store *base, int64_t after_id,
                              int (*fn)(const store_transfer_row *row, const uint8_t *subject_hash,
                                        void *ctx),
                              void *ctx)
{
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, after_id);
    return gdpr_pg__rows((pg_store *)base,
                         "SELECT " TRANSFER_COLUMNS " FROM " D "transfer WHERE id > $1 ORDER BY id",
                         &p, "reading the transfer log", transfer_row,
                         &(transfer_cb){NULL, fn, ctx});
}

int
gdpr_pg__transfer_delete_subject(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                 int64_t *count_out)
{
    int64_t n = 0;
    pg_params p;
    int rc;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, subject_hash);
    rc = gdpr_pg__exec((pg_store *)base,
                       "DELETE FROM " D "transfer WHERE subject_id = " PG_SUBJECT_ID_1, &p,
                       "deleting a subject's transfer log", &n);
    if (rc == GDPR_OK && count_out)
        *count_out = n;
    return rc;
}

static int
read_count(const pg_row *r, void *ctx)
{
    store_transfer_count *c = ctx;

    c->transfers = gdpr_pg__col_int(r, 0);
    c->subjects = gdpr_pg__col_int(r, 1);
    c->subject_seen = gdpr_pg__col_int(r, 2) > 0;
    return GDPR_OK;
}

int
gdpr_pg__transfer_count(store *base, const char *recipient, int64_t after, int64_t until,
                        const uint8_t subject_hash[CRYPTO_HASH_BYTES], store_transfer_count *out)
{
    pg_params p;

    memset(out, 0, sizeof *out);
    gdpr_pg__p_init(&p);
    gdpr_pg__p_text(&p, recipient);
    gdpr_pg__p_int(&p, after);
    gdpr_pg__p_int(&p, until);
    gdpr_pg__p_hash(&p, subject_hash);
    return gdpr_pg__row((pg_store *)base,
                        "SELECT count(*), count(DISTINCT subject),"
                        " count(*) FILTER (WHERE subject = $4)"
                        " FROM " D "transfer WHERE recipient = $1 AND at > $2 AND at <= $3"
                        " AND allowed = 1"
                        " AND mechanism IN ('derogation_consent', 'derogation_other')",
                        &p, "counting Art. 49 transfers", GDPR_OK, read_count, out);
}

/* --- safeguards added at run time ---------------------------------------- */

int
gdpr_pg__safeguard_insert(store *base, const store_safeguard_row *row, int64_t *id_out)
{
    int64_t id = 0;
    pg_params p;
    int rc = gdpr_pg__next_id(base, STORE_SEQ_SAFEGUARD, &id);

    if (rc != GDPR_OK)
        return rc;
    gdpr_pg__p_init(&p);
    gdpr_pg__p_text(&p, row->recipient);
    gdpr_pg__p_text(&p, row->type);
    gdpr_pg__p_int(&p, row->module);
    gdpr_pg__p_text(&p, row->reference);
    gdpr_pg__p_int(&p, row->valid_from);
    gdpr_pg__p_int(&p, row->valid_until);
    gdpr_pg__p_int(&p, row->added_at);
    gdpr_pg__p_text(&p, row->added_by);
    gdpr_pg__p_int(&p, id);
    rc = gdpr_pg__exec((pg_store *)base,
                       "INSERT INTO " D "transfer_safeguard(recipient, type, module, reference,"
                       " valid_from, valid_until, added_at, added_by, id)"
                       " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                       &p, "adding a safeguard", NULL);
    if (rc == GDPR_OK && id_out)
        *id_out = id;
    return rc;
}

typedef struct {
    int64_t revoked;
    char *recipient;
} safeguard_state;

static int
read_safeguard_state(const pg_row *r, void *ctx)
{
    safeguard_state *g = ctx;

    g->revoked = gdpr_pg__col_int(r, 1);
    g->recipient = strdup(gdpr_pg__col_text_or_empty(r, 0));
    if (g->recipient == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory revoking a safeguard");
    return GDPR_OK;
}

int
gdpr_pg__safeguard_revoke(store *base, int64_t id, int64_t at, const char *actor,
                          char **recipient_out)
{
    pg_store *st = (pg_store *)base;
    safeguard_state g = {0, NULL};
    pg_params p;
    int rc;

    if (recipient_out)
        *recipient_out = NULL;
    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, id);
    rc = gdpr_pg__row(st, "SELECT recipient, revoked_at FROM " D "transfer_safeguard WHERE id = $1",
                      &p, "reading a safeguard", PG_NO_ROW, read_safeguard_state, &g);
    if (rc == PG_NO_ROW)
        return gdpr__err_set(GDPR_ENOTFOUND,
                             "safeguard: %lld is not a safeguard added with "
                             "gdpr_safeguard_add (those of the policy change with the policy)",
                             (long long)id);
    if (rc != GDPR_OK) {
        free(g.recipient);
        return rc;
    }
    if (g.revoked != 0) {
        free(g.recipient);
        return gdpr__err_set(GDPR_ESTATE, "safeguard: %lld is revoked already", (long long)id);
    }
    gdpr_pg__p_int(&p, at);
    gdpr_pg__p_text(&p, actor);
    rc = gdpr_pg__exec(st,
                       "UPDATE " D "transfer_safeguard SET revoked_at = $2, revoked_by = $3"
                       " WHERE id = $1",
                       &p, "revoking a safeguard", NULL);
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
safeguard_row(const pg_row *r, void *c)
{
    const safeguard_cb *cb = c;
    store_safeguard_row row;

    row.id = gdpr_pg__col_int(r, 0);
    row.recipient = gdpr_pg__col_text_or_empty(r, 1);
    row.type = gdpr_pg__col_text_or_empty(r, 2);
    row.module = (int)gdpr_pg__col_int(r, 3);
    row.reference = gdpr_pg__col_text_or_empty(r, 4);
    row.valid_from = gdpr_pg__col_int(r, 5);
    row.valid_until = gdpr_pg__col_int(r, 6);
    row.added_at = gdpr_pg__col_int(r, 7);
    row.added_by = gdpr_pg__col_text_or_empty(r, 8);
    row.revoked_at = gdpr_pg__col_int(r, 9);
    return gdpr_pg__stopped(cb->fn(&row, cb->ctx), "safeguard", row.id);
}

int
gdpr_pg__safeguard_foreach(store *base, const char *recipient,
                           int (*fn)(const store_safeguard_row *row, void *ctx), void *ctx)
{
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_text(&p, recipient);
    return gdpr_pg__rows((pg_store *)base,
                         "SELECT id, recipient, type, module, reference, valid_from, valid_until,"
                         " added_at, added_by, revoked_at FROM " D "transfer_safeguard"
                         " WHERE $1 IS NULL OR recipient = $1 ORDER BY id",
                         &p, "reading safeguards", safeguard_row, &(safeguard_cb){fn, ctx});
}

/* --- adequacy lists ----------------------------------------------------- */

int
gdpr_pg__adequacy_insert(store *base, int64_t at, const char *actor,
                         const uint8_t sha256[CRYPTO_HASH_BYTES], const char *document,
                         int64_t *version_out)
{
    return gdpr_pg__document_insert(
        (pg_store *)base,
        "INSERT INTO " D "adequacy_list(version, loaded_at, actor, sha256, document)"
        " VALUES($1, $2, $3, $4, $5)",
        "SELECT coalesce(max(version), 0) + 1 FROM " D "adequacy_list", at, actor, sha256, document,
        "storing the adequacy list", version_out);
}

typedef struct {
    int64_t *version_out;
    char **document_out;
} adequacy_out;

static int
read_adequacy(const pg_row *r, void *ctx)
{
    const adequacy_out *a = ctx;

    *a->version_out = gdpr_pg__col_int(r, 0);
    *a->document_out = strdup(gdpr_pg__col_text_or_empty(r, 1));
    if (*a->document_out == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory reading the adequacy list");
    return GDPR_OK;
}

int
gdpr_pg__adequacy_latest(store *base, int64_t *version_out, char **document_out)
{
    *document_out = NULL;
    return gdpr_pg__row((pg_store *)base,
                        "SELECT version, document FROM " D "adequacy_list"
                        " ORDER BY version DESC LIMIT 1",
                        NULL, "reading the adequacy list", GDPR_ENOTFOUND, read_adequacy,
                        &(adequacy_out){version_out, document_out});
}
