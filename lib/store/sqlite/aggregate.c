/*
 * Anonymisation aggregates: one count per (rule, category, purpose, field
 * label, kept value, collection month). The kept value ("IE", "CRM Pro")
 * came out of a subject's sealed record and must not lie on disk in
 * plaintext (README: no plaintext personal data in any file we write). So
 * the `value` column holds a keyed index of it, HMAC(index key,
 * "aggregate-value" | field | value) in hex, which groups equal values
 * without showing them, and `value_sealed` holds the value sealed under the
 * store key (HKDF(root, "store-seal")) with the group as associated data.
 * Schema 13 converts the rows of an older store (gdpr_sqlite__row_mac_migrate).
 * SPDX-License-Identifier: MIT
 */
#include "store_shared.h"
#include "rowmac.h"

#include <stdio.h>
#include <string.h>

#include "error.h"

int
gdpr_sqlite__retention_aggregate_add(store *base, const char *rule, const char *category,
                                     const char *purpose, const char *field, const char *value,
                                     int month)
{
    sqlite_store *st = (sqlite_store *)base;
    char index[AGG_INDEX_LEN + 1] = "";
    char aad[AGG_AAD_MAX];
    uint8_t sealed[AGG_VALUE_MAX + CRYPTO_SEAL_OVERHEAD];
    size_t vlen = strlen(value), sealed_len = 0;
    sqlite3_stmt *s;
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
    if (rc == GDPR_OK)
        rc = gdpr_sqlite__sq_stmt(st,
                                  "INSERT INTO main.retention_aggregate(rule, category, purpose,"
                                  " field, value, month, n, value_sealed)"
                                  " VALUES(?1, ?2, ?3, ?4, ?5, ?6, 1, ?7)"
                                  " ON CONFLICT(rule, category, purpose, field, value, month)"
                                  " DO UPDATE SET n = n + 1",
                                  &s);
    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_text(s, 1, rule, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, category, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, purpose, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, field, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, index, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 6, month);
    gdpr_sqlite__sq_bind_blob_or_null(s, 7, sealed_len ? sealed : NULL, sealed_len);
    return gdpr_sqlite__sq_step_done(st, s, "counting an anonymised record");
}

/* The kept value of a row into out (AGG_VALUE_MAX + 1): "" when none. */
static int
open_value(sqlite_store *st, sqlite3_stmt *s, const char *const *text, int month, char *out)
{
    char aad[AGG_AAD_MAX];
    const uint8_t *sealed = sqlite3_column_blob(s, 7);
    int len = sqlite3_column_bytes(s, 7);
    int rc;

    out[0] = '\0';
    if (text[4][0] == '\0' && sealed == NULL)
        return GDPR_OK;
    if (sealed == NULL || len < (int)CRYPTO_SEAL_OVERHEAD ||
        len - (int)CRYPTO_SEAL_OVERHEAD > (int)AGG_VALUE_MAX)
        return gdpr__err_set(GDPR_ECORRUPT,
                             "retention aggregate of rule %.64s: kept value "
                             "missing or damaged",
                             text[0]);
    rc = gdpr_store__aggregate_need_key(&st->base);
    if (rc == GDPR_OK)
        rc = gdpr_crypto__store_open(
            st->base.row_mac, aad,
            gdpr_store__aggregate_aad(aad, text[0], text[1], text[2], text[3], month, text[4]),
            sealed, (size_t)len, (uint8_t *)out);
    if (rc != GDPR_OK)
        return gdpr__err_wrap(rc, "retention aggregate of rule %.64s", text[0]);
    out[len - CRYPTO_SEAL_OVERHEAD] = '\0';
    return GDPR_OK;
}

int
gdpr_sqlite__retention_aggregate_foreach(store *base, store_aggregate_fn fn, void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db,
                                "SELECT rule, category, purpose, field, value, month, n,"
                                " value_sealed FROM main.retention_aggregate"
                                " ORDER BY rule, category, purpose, field, value, month",
                                -1, &s, NULL);
    int result = GDPR_OK;

    if (rc != SQLITE_OK)
        return gdpr_sqlite__sq_fail(st, rc, "listing aggregates");
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        char value[AGG_VALUE_MAX + 1];
        const char *text[5];
        int stop;

        for (int i = 0; i < 5; i++)
            text[i] = (const char *)sqlite3_column_text(s, i);
        if (!text[0] || !text[1] || !text[2] || !text[3] || !text[4]) {
            result = gdpr__err_set(GDPR_ECORRUPT, "retention aggregate: damaged row");
            break;
        }
        result = open_value(st, s, text, sqlite3_column_int(s, 5), value);
        if (result != GDPR_OK)
            break;
        stop = fn(text[0], text[1], text[2], text[3], value, sqlite3_column_int(s, 5),
                  sqlite3_column_int64(s, 6), ctx);
        gdpr_crypto__wipe(value, sizeof value);
        if (stop != 0) {
            result = gdpr_sqlite__sq_stopped(stop, "aggregate", 0);
            break;
        }
    }
    if (result == GDPR_OK && rc != SQLITE_DONE)
        result = gdpr_sqlite__sq_fail(st, rc, "listing aggregates");
    sqlite3_finalize(s);
    return result;
}

/* Schema 12: seal the plaintext values an older release kept. Rows are
 * re-inserted under their index and the plaintext rows deleted
 * (secure_delete zeroes them; the next checkpoint clears the WAL). */
int
gdpr_sqlite__aggregate_seal_existing(sqlite_store *st)
{
    sqlite3_stmt *sel = NULL;
    int rc = sqlite3_prepare_v2(st->db,
                                "SELECT rule, category, purpose, field, value, month, n"
                                " FROM main.retention_aggregate WHERE value <> ''"
                                " AND value_sealed IS NULL",
                                -1, &sel, NULL);
    int result = GDPR_OK;

    if (rc != SQLITE_OK)
        return gdpr_sqlite__sq_fail(st, rc, "schema 12: reading aggregates");
    while (result == GDPR_OK && (rc = sqlite3_step(sel)) == SQLITE_ROW) {
        const char *t[5];
        for (int i = 0; i < 5; i++)
            t[i] = gdpr_sqlite__sq_text_or_empty(sel, i);
        result = gdpr_store__aggregate_need_key(&st->base);
        for (int64_t k = 0; result == GDPR_OK && k < sqlite3_column_int64(sel, 6); k++)
            result = gdpr_sqlite__retention_aggregate_add(&st->base, t[0], t[1], t[2], t[3], t[4],
                                                          sqlite3_column_int(sel, 5));
    }
    if (result == GDPR_OK && rc != SQLITE_DONE)
        result = gdpr_sqlite__sq_fail(st, rc, "schema 12: reading aggregates");
    sqlite3_finalize(sel);
    if (result == GDPR_OK)
        result = gdpr_sqlite__sq_exec(st, "DELETE FROM main.retention_aggregate WHERE value <> ''"
                                          " AND value_sealed IS NULL");
    return result;
}
