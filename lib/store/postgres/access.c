/*
 * Rows of the access log (Art. 15(1), 15(4); CJEU C-579/21): when a
 * subject's data was consulted, by which role, for which purpose and why.
 * The subject is its keyed hash. Mirrors lib/store/sqlite/access.c.
 * SPDX-License-Identifier: MIT
 */
#include "pg_internal.h"

#include <string.h>

#include "error.h"

#define D PG_DATA_SCHEMA "."

int
gdpr_pg__access_insert(store *base, const store_access_row *row)
{
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, row->subject);
    gdpr_pg__p_int(&p, row->at);
    gdpr_pg__p_text(&p, row->actor);
    gdpr_pg__p_text(&p, row->role);
    gdpr_pg__p_text(&p, row->action);
    gdpr_pg__p_text(&p, row->purpose);
    gdpr_pg__p_int(&p, row->record);
    gdpr_pg__p_text(&p, row->reason);
    return gdpr_pg__exec((pg_store *)base,
                         "INSERT INTO " D "access_log(subject_id, at, actor, role, action,"
                         " purpose, record, reason) VALUES((SELECT id FROM " D "subject"
                         " WHERE hash = $1), $2, $3, $4, $5, $6, $7, $8)",
                         &p, "logging a consultation", NULL);
}

typedef struct {
    int (*fn)(const store_access_row *row, void *ctx);
    void *ctx;
} access_cb;

static int
access_row(const pg_row *r, void *c)
{
    const access_cb *cb = c;
    store_access_row row;
    size_t len = 0;

    memset(&row, 0, sizeof row);
    row.id = gdpr_pg__col_int(r, 0);
    row.subject = gdpr_pg__col_blob(r, 1, &len);
    row.at = gdpr_pg__col_int(r, 2);
    row.actor = gdpr_pg__col_text_or_empty(r, 3);
    row.role = gdpr_pg__col_text_or_empty(r, 4);
    row.action = gdpr_pg__col_text_or_empty(r, 5);
    row.purpose = gdpr_pg__col_text_or_empty(r, 6);
    row.record = gdpr_pg__col_int(r, 7);
    row.reason = gdpr_pg__col_text_or_empty(r, 8);
    if (row.subject == NULL || len != CRYPTO_HASH_BYTES)
        return gdpr__err_set(GDPR_ECORRUPT, "access log %lld: damaged row", (long long)row.id);
    return gdpr_pg__stopped(cb->fn(&row, cb->ctx), "access log entry", row.id);
}

int
gdpr_pg__access_foreach(store *base, const uint8_t *subject_hash,
                        int (*fn)(const store_access_row *row, void *ctx), void *ctx)
{
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, subject_hash);
    return gdpr_pg__rows_paged((pg_store *)base,
                               /* the subject by id (decision 0018); its hash is the
                                * one asked for, or read through the id */
                               "SELECT a.id, coalesce($1::bytea, (SELECT s.hash FROM " D "subject s"
                               " WHERE s.id = a.subject_id)), a.at, a.actor, a.role, a.action,"
                               " a.purpose, a.record, a.reason FROM " D "access_log a"
                               " WHERE ($1 IS NULL OR a.subject_id = (SELECT id FROM " D "subject"
                               " WHERE hash = $1)) AND a.id > $2 ORDER BY a.id LIMIT $3",
                               &p, "reading the access log", access_row, &(access_cb){fn, ctx});
}

int
gdpr_pg__access_delete_subject(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                               int64_t *count_out)
{
    int64_t n = 0;
    pg_params p;
    int rc;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, subject_hash);
    rc = gdpr_pg__exec((pg_store *)base,
                       "DELETE FROM " D "access_log"
                       " WHERE subject_id = (SELECT id FROM " D "subject WHERE hash = $1)",
                       &p, "erasing the access log of a subject", &n);
    if (rc == GDPR_OK && count_out)
        *count_out = n;
    return rc;
}
