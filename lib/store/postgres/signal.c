/*
 * Consent signals and conflicts (issue 16): gdpr.consent_signal holds GPC,
 * TCF and GPP signals (the strings sealed by the caller),
 * gdpr.consent_conflict the conflicts between an explicit grant and a GPC
 * signal. Both append-only; erased with the subject's consent events
 * (consent.c). Mirrors lib/store/sqlite/signal.c.
 * SPDX-License-Identifier: MIT
 */
#include "pg_internal.h"

#include <string.h>

#include "error.h"

#define D PG_DATA_SCHEMA "."

int
gdpr_pg__signal_append(store *base, const store_signal_row *row)
{
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, row->id);
    gdpr_pg__p_hash(&p, row->subject);
    gdpr_pg__p_int(&p, row->at);
    gdpr_pg__p_int(&p, row->kind);
    gdpr_pg__p_blob(&p, row->value, row->value_len);
    gdpr_pg__p_text(&p, row->channel);
    gdpr_pg__p_text(&p, row->actor);
    return gdpr_pg__exec((pg_store *)base,
                         "INSERT INTO " D "consent_signal(id, subject_id, at, kind, value,"
                         " channel, actor) VALUES($1, (SELECT id FROM " D "subject"
                         " WHERE hash = $2), $3, $4, $5, $6, $7)",
                         &p, "recording a consent signal", NULL);
}

typedef struct {
    int64_t *id_out, *at_out;
} latest_out;

static int
latest_row(const pg_row *r, void *ctx)
{
    latest_out *o = ctx;

    *o->id_out = gdpr_pg__col_int(r, 0);
    *o->at_out = gdpr_pg__col_int(r, 1);
    return GDPR_OK;
}

int
gdpr_pg__signal_latest(store *base, const uint8_t hash[CRYPTO_HASH_BYTES], int kind, int64_t at,
                       int64_t *id_out, int64_t *at_out)
{
    latest_out o = {id_out, at_out};
    pg_params p;
    int rc;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, hash);
    gdpr_pg__p_int(&p, kind);
    gdpr_pg__p_int(&p, at);
    rc = gdpr_pg__row((pg_store *)base,
                      "SELECT id, at FROM " D "consent_signal"
                      " WHERE subject_id = (SELECT id FROM " D "subject WHERE hash = $1)"
                      " AND kind = $2 AND at <= $3"
                      " ORDER BY at DESC, id DESC LIMIT 1",
                      &p, "reading consent signals", PG_NO_ROW, latest_row, &o);
    /* As the SQLite backend: GDPR_ENOTFOUND without a message. */
    return rc == PG_NO_ROW ? GDPR_ENOTFOUND : rc;
}

typedef struct {
    int (*signal_fn)(const store_signal_row *row, void *ctx);
    int (*conflict_fn)(const store_conflict_row *row, void *ctx);
    void *ctx;
} signal_cb;

static int
signal_row(const pg_row *r, void *c)
{
    const signal_cb *cb = c;
    store_signal_row row;
    size_t subject_len = 0;

    memset(&row, 0, sizeof row);
    row.id = gdpr_pg__col_int(r, 0);
    row.subject = gdpr_pg__col_blob(r, 1, &subject_len);
    row.at = gdpr_pg__col_int(r, 2);
    row.kind = (int)gdpr_pg__col_int(r, 3);
    row.value = gdpr_pg__col_blob(r, 4, &row.value_len);
    row.channel = gdpr_pg__col_text_or_empty(r, 5);
    row.actor = gdpr_pg__col_text_or_empty(r, 6);
    if (row.subject == NULL || subject_len != CRYPTO_HASH_BYTES)
        return gdpr__err_set(GDPR_ECORRUPT, "consent signal %lld: bad subject hash",
                             (long long)row.id);
    return gdpr_pg__stopped(cb->signal_fn(&row, cb->ctx), "consent signal", row.id);
}

int
gdpr_pg__signal_foreach(store *base, const uint8_t hash[CRYPTO_HASH_BYTES],
                        int (*fn)(const store_signal_row *row, void *ctx), void *ctx)
{
    signal_cb cb = {fn, NULL, ctx};
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, hash);
    return gdpr_pg__rows_paged((pg_store *)base,
                               "SELECT id, $1::bytea, at, kind, value, channel, actor"
                               " FROM " D "consent_signal"
                               " WHERE subject_id = (SELECT id FROM " D "subject WHERE hash = $1)"
                               " AND id > $2 ORDER BY id LIMIT $3",
                               &p, "reading consent signals", signal_row, &cb);
}

static int
conflict_id(const pg_row *r, void *ctx)
{
    *(int64_t *)ctx = gdpr_pg__col_int(r, 0);
    return GDPR_OK;
}

int
gdpr_pg__conflict_append(store *base, const store_conflict_row *row, int64_t *id_out)
{
    int64_t id = 0;
    pg_params p;
    int rc;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, row->subject);
    gdpr_pg__p_int(&p, row->at);
    gdpr_pg__p_text(&p, row->purpose);
    gdpr_pg__p_int(&p, row->kind);
    gdpr_pg__p_int(&p, row->consent_event);
    gdpr_pg__p_int(&p, row->signal);
    gdpr_pg__p_int(&p, row->result_event);
    rc = gdpr_pg__row((pg_store *)base,
                      "INSERT INTO " D "consent_conflict(subject_id, at, purpose, kind,"
                      " consent_event, signal, result_event)"
                      " VALUES((SELECT id FROM " D "subject WHERE hash = $1), $2, $3, $4, $5,"
                      " $6, $7) RETURNING id",
                      &p, "recording a consent conflict", GDPR_ESTORAGE, conflict_id, &id);
    if (rc == GDPR_ESTORAGE)
        return gdpr__err_set(GDPR_ESTORAGE, "recording a consent conflict: no id returned");
    if (rc == GDPR_OK && id_out != NULL)
        *id_out = id;
    return rc;
}

static int
conflict_row(const pg_row *r, void *c)
{
    const signal_cb *cb = c;
    store_conflict_row row;
    size_t subject_len = 0;

    memset(&row, 0, sizeof row);
    row.id = gdpr_pg__col_int(r, 0);
    row.subject = gdpr_pg__col_blob(r, 1, &subject_len);
    row.at = gdpr_pg__col_int(r, 2);
    row.purpose = gdpr_pg__col_text_or_empty(r, 3);
    row.kind = (int)gdpr_pg__col_int(r, 4);
    row.consent_event = gdpr_pg__col_int(r, 5);
    row.signal = gdpr_pg__col_int(r, 6);
    row.result_event = gdpr_pg__col_int(r, 7);
    if (row.subject == NULL || subject_len != CRYPTO_HASH_BYTES)
        return gdpr__err_set(GDPR_ECORRUPT, "consent conflict %lld: bad subject hash",
                             (long long)row.id);
    return gdpr_pg__stopped(cb->conflict_fn(&row, cb->ctx), "consent conflict", row.id);
}

int
gdpr_pg__conflict_foreach(store *base, const uint8_t *hash, int64_t since, int64_t after_id,
                          int (*fn)(const store_conflict_row *row, void *ctx), void *ctx)
{
    signal_cb cb = {NULL, fn, ctx};
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, since);
    gdpr_pg__p_int(&p, after_id);
    gdpr_pg__p_hash(&p, hash); /* NULL: every subject */
    return gdpr_pg__rows_paged((pg_store *)base,
                               "SELECT c.id, coalesce($3::bytea, (SELECT s.hash FROM " D
                               "subject s WHERE s.id = c.subject_id)), c.at, c.purpose, c.kind,"
                               " c.consent_event, c.signal, c.result_event"
                               " FROM " D "consent_conflict c WHERE ($3 IS NULL OR"
                               " c.subject_id = (SELECT id FROM " D "subject WHERE hash = $3))"
                               " AND c.at >= $1 AND c.id > $2 AND c.id > $4 ORDER BY c.id LIMIT $5",
                               &p, "reading consent conflicts", conflict_row, &cb);
}
