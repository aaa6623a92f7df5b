/*
 * Ids and the store's generation, both kept in main.counter of the data
 * file: one row per id sequence (the last id handed out) and one row
 * "generation". Rows are written in the caller's transaction, so a
 * rollback takes an allocation back together with the rows that used it.
 * SPDX-License-Identifier: MIT
 */
#include "sqlite_internal.h"

#include "error.h"

/* The row names, indexed by store_seq; also used by the migration that
 * creates them (schema.c). */
static const char *const seq_names[STORE_SEQ_COUNT] = {
    [STORE_SEQ_SUBJECT] = "subject",
    [STORE_SEQ_IDENTITY] = "identity",
    [STORE_SEQ_VAULT] = "vault",
    [STORE_SEQ_CONSENT] = "consent",
    [STORE_SEQ_DISCLOSURE] = "disclosure",
    [STORE_SEQ_TRANSFER] = "transfer",
    [STORE_SEQ_SAFEGUARD] = "safeguard",
    [STORE_SEQ_REQUEST] = "request",
    [STORE_SEQ_REQUEST_EVENT] = "request_event",
    [STORE_SEQ_HOLD] = "hold",
    [STORE_SEQ_TOMBSTONE] = "tombstone",
    [STORE_SEQ_PENDING] = "pending",
    [STORE_SEQ_REVIEW] = "review",
    [STORE_SEQ_RETENTION_RUN] = "retention_run",
    [STORE_SEQ_SIGNAL] = "signal",
    [STORE_SEQ_BREACH] = "breach",
};

int
gdpr_sqlite__sq_next_id(sqlite_store *st, store_seq which, int64_t *id_out)
{
    sqlite3_stmt *s;
    int rc;

    if ((unsigned)which >= STORE_SEQ_COUNT)
        return gdpr__err_set(GDPR_EINVAL, "store: no id sequence %d", (int)which);
    if (st->depth == 0)
        return gdpr__err_set(GDPR_ESTATE, "store: ids are allocated inside a transaction");
    rc = gdpr_sqlite__sq_stmt(st,
                              "UPDATE main.counter SET value = value + 1 WHERE name = ?1"
                              " RETURNING value",
                              &s);
    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_text(s, 1, seq_names[which], -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *id_out = sqlite3_column_int64(s, 0);
        rc = sqlite3_step(s);
        if (rc == SQLITE_DONE) {
            gdpr_sqlite__sq_reset(s);
            return GDPR_OK;
        }
    }
    gdpr_sqlite__sq_reset(s);
    if (rc == SQLITE_DONE)
        return gdpr__err_set(GDPR_ECORRUPT, "store: id sequence '%s' is missing", seq_names[which]);
    return gdpr_sqlite__sq_fail(st, rc, "allocating an id");
}

int
gdpr_sqlite__next_id(store *base, store_seq which, int64_t *id_out)
{
    return gdpr_sqlite__sq_next_id((sqlite_store *)base, which, id_out);
}

static int64_t
changes_now(sqlite_store *st)
{
    return sqlite3_total_changes64(st->db) + sqlite3_total_changes64(st->kdb);
}

static int
read_generation(sqlite_store *st, int64_t *value_out)
{
    sqlite3_stmt *s;
    int rc =
        gdpr_sqlite__sq_stmt(st, "SELECT value FROM main.counter WHERE name = 'generation'", &s);

    if (rc != GDPR_OK)
        return rc;
    return gdpr_sqlite__sq_one_int64(st, s, "reading the store generation", value_out);
}

/* Called right after the outermost BEGIN IMMEDIATE: the write lock is
 * held, so the value cannot move under us until we commit. */
int
gdpr_sqlite__sq_generation_begin(sqlite_store *st)
{
    int64_t value = 0;
    int rc;

    st->changes_at_begin = changes_now(st);
    if (!st->has_counters)
        return GDPR_OK;
    rc = read_generation(st, &value);
    if (rc != GDPR_OK)
        return rc;
    st->generation = (uint64_t)value;
    /* Keys whose transaction never reached the data file (keys.c). Taking
     * them back changes nothing anyone caches: it does not count as a
     * write, so the store is as it was before that transaction. */
    rc = gdpr_sqlite__sq_keys_repair(st);
    st->changes_at_begin = changes_now(st);
    return rc;
}

/* Called before the outermost commit: raise the generation when this
 * transaction wrote anything (in either file). Migrations that create the
 * counter table count too: the first commit after one raises it. */
int
gdpr_sqlite__sq_generation_bump(sqlite_store *st)
{
    sqlite3_stmt *s;
    int64_t value = 0;
    int rc;

    if (!st->has_counters || changes_now(st) == st->changes_at_begin)
        return GDPR_OK;
    rc = gdpr_sqlite__sq_stmt(st,
                              "UPDATE main.counter SET value = value + 1 WHERE name = 'generation'"
                              " RETURNING value",
                              &s);
    if (rc == GDPR_OK)
        rc = gdpr_sqlite__sq_one_int64(st, s, "raising the store generation", &value);
    if (rc != GDPR_OK)
        return rc;
    st->generation = (uint64_t)value;
    return GDPR_OK;
}

int
gdpr_sqlite__generation(store *base, uint64_t *generation_out)
{
    sqlite_store *st = (sqlite_store *)base;
    int64_t value = 0;
    int rc;

    if (st->depth > 0 || !st->has_counters) {
        *generation_out = st->generation;
        return GDPR_OK;
    }
    rc = read_generation(st, &value);
    if (rc == GDPR_OK)
        *generation_out = (uint64_t)value;
    return rc;
}
