/*
 * Ids and the store's generation, both kept in main.counter of the data
 * file: one row per id sequence (the last id handed out) and one row
 * "generation". Ids are handed out from memory under the write lock and
 * written back before the commit, in the caller's transaction, so a
 * rollback takes an allocation back together with the rows that used it.
 * SPDX-License-Identifier: MIT
 */
#include "sqlite_internal.h"

#include <stdint.h>
#include <string.h>

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

static const char seq_read_sql[] = "SELECT value FROM main.counter WHERE name = ?1";
static const char seq_write_sql[] = "UPDATE main.counter SET value = ?2 WHERE name = ?1";

/* Ids come from memory while the write lock is held: no other connection,
 * in this process or another, can allocate until this transaction ends,
 * so the value read from main.counter on a sequence's first use in the
 * transaction stays the last one handed out. It is written back once,
 * before the outermost commit (gdpr_sqlite__sq_seq_flush); a rollback
 * forgets it, so the next transaction reads the file again. */
int
gdpr_sqlite__sq_next_id(sqlite_store *st, store_seq which, int64_t *id_out)
{
    uint32_t bit;
    int rc;

    if ((unsigned)which >= STORE_SEQ_COUNT)
        return gdpr__err_set(GDPR_EINVAL, "store: no id sequence %d", (int)which);
    if (st->depth == 0)
        return gdpr__err_set(GDPR_ESTATE, "store: ids are allocated inside a transaction");
    bit = 1u << which;
    if (!(st->seq_loaded & bit)) {
        sqlite3_stmt *s;
        rc = gdpr_sqlite__sq_stmt(st, seq_read_sql, &s);
        if (rc != GDPR_OK)
            return rc;
        sqlite3_bind_text(s, 1, seq_names[which], -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW)
            st->seq_value[which] = sqlite3_column_int64(s, 0);
        gdpr_sqlite__sq_reset(s);
        if (rc == SQLITE_DONE)
            return gdpr__err_set(GDPR_ECORRUPT, "store: id sequence '%s' is missing",
                                 seq_names[which]);
        if (rc != SQLITE_ROW)
            return gdpr_sqlite__sq_fail(st, rc, "allocating an id");
        st->seq_loaded |= bit;
    }
    if (st->seq_value[which] == INT64_MAX)
        return gdpr__err_set(GDPR_ECORRUPT, "store: id sequence '%s' is exhausted",
                             seq_names[which]);
    *id_out = ++st->seq_value[which];
    st->seq_dirty |= bit;
    return GDPR_OK;
}

void
gdpr_sqlite__sq_seq_reset(sqlite_store *st)
{
    st->seq_loaded = 0;
    st->seq_dirty = 0;
}

int
gdpr_sqlite__sq_seq_flush(sqlite_store *st)
{
    sqlite3_stmt *s;
    int rc;

    for (int which = 0; which < STORE_SEQ_COUNT; which++) {
        if (!(st->seq_dirty & (1u << which)))
            continue;
        rc = gdpr_sqlite__sq_stmt(st, seq_write_sql, &s);
        if (rc != GDPR_OK)
            return rc;
        sqlite3_bind_text(s, 1, seq_names[which], -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, st->seq_value[which]);
        rc = gdpr_sqlite__sq_step_done(st, s, "writing back an id sequence");
        if (rc != GDPR_OK)
            return rc;
        st->seq_dirty &= ~(1u << which);
    }
    return GDPR_OK;
}

/* Savepoints deeper than the remembered levels write the sequences back
 * when they begin: SQLite's own rollback of that savepoint then restores
 * them, and the rollback below makes the next use read them again. */
int
gdpr_sqlite__sq_seq_savepoint(sqlite_store *st, int level)
{
    if (level >= STORE_TX_LEVELS)
        return gdpr_sqlite__sq_seq_flush(st);
    memcpy(st->seq_saved[level].value, st->seq_value, sizeof st->seq_value);
    st->seq_saved[level].loaded = st->seq_loaded;
    st->seq_saved[level].dirty = st->seq_dirty;
    return GDPR_OK;
}

void
gdpr_sqlite__sq_seq_rolled_back(sqlite_store *st, int level)
{
    if (level <= 0 || level >= STORE_TX_LEVELS) {
        gdpr_sqlite__sq_seq_reset(st);
        return;
    }
    memcpy(st->seq_value, st->seq_saved[level].value, sizeof st->seq_value);
    st->seq_loaded = st->seq_saved[level].loaded;
    st->seq_dirty = st->seq_saved[level].dirty;
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
    sqlite3_stmt *s;
    int64_t value = 0;
    int rc;

    st->changes_at_begin = changes_now(st);
    if (!st->has_counters)
        return GDPR_OK;
    rc = read_generation(st, &value);
    if (rc != GDPR_OK)
        return rc;
    st->generation = (uint64_t)value;
    /* The id sequences' statements are prepared here, where a failure
     * fails the begin, not at the commit of a transaction that wrote. */
    rc = gdpr_sqlite__sq_stmt(st, seq_read_sql, &s);
    if (rc == GDPR_OK)
        rc = gdpr_sqlite__sq_stmt(st, seq_write_sql, &s);
    if (rc != GDPR_OK)
        return rc;
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

    if (st->depth > 0 || st->reading || !st->has_counters) {
        *generation_out = st->generation;
        return GDPR_OK;
    }
    rc = read_generation(st, &value);
    if (rc == GDPR_OK)
        *generation_out = (uint64_t)value;
    return rc;
}
