/*
 * Anonymisation aggregates: one count per (rule, category, purpose, field
 * label, kept value, collection month), as lib/store/sqlite/aggregate.c
 * keeps them: the `value` column holds a keyed index of the kept value
 * (HMAC(index key, "aggregate-value" | field | value) in hex) and
 * `value_sealed` the value sealed under the store key with the group as
 * associated data, so no kept value lies in the database in plaintext and
 * the rows are the same bytes on either backend.
 * SPDX-License-Identifier: MIT
 */
#include "store_shared.h"
#include "pg_internal.h"

#include <stdio.h>
#include <string.h>

#include "error.h"

#define D PG_DATA_SCHEMA "."

int
gdpr_pg__retention_aggregate_add(store *base, const char *rule, const char *category,
                                 const char *purpose, const char *field, const char *value,
                                 int month)
{
    pg_store *st = (pg_store *)base;
    char index[AGG_INDEX_LEN + 1] = "";
    char aad[AGG_AAD_MAX];
    uint8_t sealed[AGG_VALUE_MAX + CRYPTO_SEAL_OVERHEAD];
    size_t vlen = strlen(value), sealed_len = 0;
    pg_params p;
    int rc = GDPR_OK;

    if (vlen > AGG_VALUE_MAX)
        return gdpr__err_set(GDPR_EINVAL, "retention aggregate: a kept value has at most %u bytes",
                             AGG_VALUE_MAX);
    if (vlen > 0) {
        rc = gdpr_store__aggregate_need_key(&st->base);
        if (rc == GDPR_OK)
            rc = gdpr_store__aggregate_index(&st->base, field, value, index);
        if (rc == GDPR_OK)
            rc = gdpr_crypto__store_seal(
                st->base.row_mac, aad,
                gdpr_store__aggregate_aad(aad, rule, category, purpose, field, month, index), value,
                vlen, sealed);
        sealed_len = vlen + CRYPTO_SEAL_OVERHEAD;
    }
    if (rc != GDPR_OK)
        return rc;
    gdpr_pg__p_init(&p);
    gdpr_pg__p_text(&p, rule);
    gdpr_pg__p_text(&p, category);
    gdpr_pg__p_text(&p, purpose);
    gdpr_pg__p_text(&p, field);
    gdpr_pg__p_text(&p, index);
    gdpr_pg__p_int(&p, month);
    gdpr_pg__p_blob(&p, sealed_len ? sealed : NULL, sealed_len);
    return gdpr_pg__exec(st,
                         "INSERT INTO " D "retention_aggregate AS a(rule, category, purpose,"
                         " field, value, month, n, value_sealed)"
                         " VALUES($1, $2, $3, $4, $5, $6, 1, $7)"
                         " ON CONFLICT(rule, category, purpose, field, value, month)"
                         " DO UPDATE SET n = a.n + 1",
                         &p, "counting an anonymised record", NULL);
}

/* The kept value of a row into out (AGG_VALUE_MAX + 1): "" when none. */
static int
open_value(pg_store *st, const pg_row *r, const char *const *text, int month, char *out)
{
    char aad[AGG_AAD_MAX];
    size_t len = 0;
    const uint8_t *sealed = gdpr_pg__col_blob(r, 7, &len);
    int rc;

    out[0] = '\0';
    if (text[4][0] == '\0' && sealed == NULL)
        return GDPR_OK;
    if (sealed == NULL || len < CRYPTO_SEAL_OVERHEAD || len - CRYPTO_SEAL_OVERHEAD > AGG_VALUE_MAX)
        return gdpr__err_set(GDPR_ECORRUPT,
                             "retention aggregate of rule %.64s: kept value missing or damaged",
                             text[0]);
    rc = gdpr_store__aggregate_need_key(&st->base);
    if (rc == GDPR_OK)
        rc = gdpr_crypto__store_open(
            st->base.row_mac, aad,
            gdpr_store__aggregate_aad(aad, text[0], text[1], text[2], text[3], month, text[4]),
            sealed, len, (uint8_t *)out);
    if (rc != GDPR_OK)
        return gdpr__err_wrap(rc, "retention aggregate of rule %.64s", text[0]);
    out[len - CRYPTO_SEAL_OVERHEAD] = '\0';
    return GDPR_OK;
}

typedef struct {
    pg_store *st;
    store_aggregate_fn fn;
    void *ctx;
} aggregate_cb;

static int
aggregate_row(const pg_row *r, void *c)
{
    const aggregate_cb *cb = c;
    char value[AGG_VALUE_MAX + 1];
    const char *text[5];
    int month = (int)gdpr_pg__col_int(r, 5);
    int rc, stop;

    for (int i = 0; i < 5; i++)
        text[i] = gdpr_pg__col_text(r, i);
    if (!text[0] || !text[1] || !text[2] || !text[3] || !text[4])
        return gdpr__err_set(GDPR_ECORRUPT, "retention aggregate: damaged row");
    rc = open_value(cb->st, r, text, month, value);
    if (rc != GDPR_OK)
        return rc;
    stop =
        cb->fn(text[0], text[1], text[2], text[3], value, month, gdpr_pg__col_int(r, 6), cb->ctx);
    gdpr_crypto__wipe(value, sizeof value);
    return gdpr_pg__stopped(stop, "aggregate", 0);
}

int
gdpr_pg__retention_aggregate_foreach(store *base, store_aggregate_fn fn, void *ctx)
{
    pg_store *st = (pg_store *)base;

    /* Byte order, as SQLite sorts text. */
    return gdpr_pg__rows(st,
                         "SELECT rule, category, purpose, field, value, month, n, value_sealed"
                         " FROM " D "retention_aggregate ORDER BY rule COLLATE \"C\","
                         " category COLLATE \"C\", purpose COLLATE \"C\", field COLLATE \"C\","
                         " value COLLATE \"C\", month",
                         NULL, "listing aggregates", aggregate_row, &(aggregate_cb){st, fn, ctx});
}
