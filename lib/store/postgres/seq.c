/*
 * Ids and the store's generation. Ids come from one PostgreSQL sequence
 * per kind (gdpr.seq_<kind>): monotonic across every engine, never handed
 * out twice, also after a rollback (a rolled-back id is skipped, not
 * reused: a gap, never a duplicate). The generation is a row of
 * gdpr.counter raised by every committed transaction that wrote.
 * SPDX-License-Identifier: MIT
 */
#include "pg_internal.h"

#include "error.h"

#define D PG_DATA_SCHEMA "."

/* One statement per sequence: the names are constants, never values. */
static const char *const next_sql[STORE_SEQ_COUNT] = {
    [STORE_SEQ_SUBJECT] = "SELECT pg_catalog.nextval('" D "seq_subject')",
    [STORE_SEQ_IDENTITY] = "SELECT pg_catalog.nextval('" D "seq_identity')",
    [STORE_SEQ_VAULT] = "SELECT pg_catalog.nextval('" D "seq_vault')",
    [STORE_SEQ_CONSENT] = "SELECT pg_catalog.nextval('" D "seq_consent')",
    [STORE_SEQ_DISCLOSURE] = "SELECT pg_catalog.nextval('" D "seq_disclosure')",
    [STORE_SEQ_TRANSFER] = "SELECT pg_catalog.nextval('" D "seq_transfer')",
    [STORE_SEQ_SAFEGUARD] = "SELECT pg_catalog.nextval('" D "seq_safeguard')",
    [STORE_SEQ_REQUEST] = "SELECT pg_catalog.nextval('" D "seq_request')",
    [STORE_SEQ_REQUEST_EVENT] = "SELECT pg_catalog.nextval('" D "seq_request_event')",
    [STORE_SEQ_HOLD] = "SELECT pg_catalog.nextval('" D "seq_hold')",
    [STORE_SEQ_TOMBSTONE] = "SELECT pg_catalog.nextval('" D "seq_tombstone')",
    [STORE_SEQ_PENDING] = "SELECT pg_catalog.nextval('" D "seq_pending')",
    [STORE_SEQ_REVIEW] = "SELECT pg_catalog.nextval('" D "seq_review')",
    [STORE_SEQ_RETENTION_RUN] = "SELECT pg_catalog.nextval('" D "seq_retention_run')",
    [STORE_SEQ_SIGNAL] = "SELECT pg_catalog.nextval('" D "seq_signal')",
    [STORE_SEQ_BREACH] = "SELECT pg_catalog.nextval('" D "seq_breach')",
};

int
gdpr_pg__next_id(store *base, store_seq which, int64_t *id_out)
{
    pg_store *st = (pg_store *)base;

    if ((unsigned)which >= STORE_SEQ_COUNT)
        return gdpr__err_set(GDPR_EINVAL, "store: no id sequence %d", (int)which);
    if (st->depth == 0)
        return gdpr__err_set(GDPR_ESTATE, "store: ids are allocated inside a transaction");
    return gdpr_pg__one_int64(st, next_sql[which], NULL, "allocating an id", id_out);
}

static const char generation_sql[] = "SELECT value FROM " D "counter WHERE name = 'generation'";

/* Called right after the outermost BEGIN and the write lock: no other
 * writer can move the value until we commit. */
int
gdpr_pg__generation_begin(pg_store *st)
{
    int64_t value = 0;
    int rc;

    if (!st->has_schema)
        return GDPR_OK;
    rc = gdpr_pg__one_int64(st, generation_sql, NULL, "reading the store generation", &value);
    if (rc == GDPR_OK)
        st->generation = (uint64_t)value;
    return rc;
}

/* Before the outermost COMMIT: raise the generation when this transaction
 * wrote anything. PostgreSQL assigns a transaction id at the first write
 * (in either schema), so one statement both asks and raises. */
int
gdpr_pg__generation_bump(pg_store *st)
{
    PGresult *res = NULL;
    int rc;

    if (!st->has_schema || st->read_only)
        return GDPR_OK;
    rc = gdpr_pg__run(st,
                      "UPDATE " D "counter SET value = value + 1 WHERE name = 'generation'"
                      " AND pg_catalog.pg_current_xact_id_if_assigned() IS NOT NULL"
                      " RETURNING value",
                      NULL, "raising the store generation", &res);
    if (rc != GDPR_OK)
        return rc;
    if (PQntuples(res) == 1) {
        pg_row r = {res, 0};
        st->generation = (uint64_t)gdpr_pg__col_int(&r, 0);
    }
    PQclear(res);
    return GDPR_OK;
}

int
gdpr_pg__generation(store *base, uint64_t *generation_out)
{
    pg_store *st = (pg_store *)base;
    int64_t value = 0;
    int rc;

    if (st->depth > 0 || st->reading || !st->has_schema) {
        *generation_out = st->generation;
        return GDPR_OK;
    }
    rc = gdpr_pg__one_int64(st, generation_sql, NULL, "reading the store generation", &value);
    if (rc == GDPR_OK)
        *generation_out = (uint64_t)value;
    return rc;
}
