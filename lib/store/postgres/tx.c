/*
 * Transactions on PostgreSQL: one transaction per outer call (data and
 * keys schemas commit together), savepoints for nested host batches, the
 * store's write lock, the reconnect rule, and the VACUUM that follows an
 * erasure (docs/decisions/0010-postgres-backend.md).
 * SPDX-License-Identifier: MIT
 */
#include "pg_internal.h"

#include <stdio.h>
#include <string.h>

#include "error.h"

/* The store's write lock: a transaction-level advisory lock, scoped by
 * PostgreSQL to the current database (one store per database). Every
 * writable outermost transaction takes it right after BEGIN, so writers
 * run one at a time as on SQLite (BEGIN IMMEDIATE): the audit chain's tail
 * is read and extended by one engine at a time, and a check-then-write
 * never races another engine. The key spells "gdpr" in ASCII. */
#define PG_WRITE_LOCK "1734632562"

static const char begin_write[] = "BEGIN ISOLATION LEVEL READ COMMITTED;"
                                  " SELECT pg_catalog.pg_advisory_xact_lock(" PG_WRITE_LOCK ")";
static const char begin_read[] = "BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY";

static int
is_connection_failure(const pg_store *st, const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

    if (PQstatus(st->conn) != CONNECTION_OK)
        return 1;
    return state != NULL && (strncmp(state, "08", 2) == 0 || strncmp(state, "57P0", 4) == 0);
}

/* Send a transaction-control statement (simple protocol: no parameters). */
static int
control(pg_store *st, const char *sql, const char *what)
{
    PGresult *res = PQexec(st->conn, sql);
    int rc = GDPR_OK;

    if (res == NULL ||
        (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK))
        rc = gdpr_pg__fail(st, res, what);
    PQclear(res);
    return rc;
}

/* The outermost BEGIN. The retry rule: only here, where nothing of the
 * call has run yet, is a lost connection made again and the BEGIN sent
 * once more (a server restarted since the last call). Statements inside a
 * transaction are never replayed: a failure there rolls the whole call
 * back and is reported. */
static int
begin_outermost(pg_store *st)
{
    const char *sql = st->read_only ? begin_read : begin_write;
    PGresult *res;
    int rc;

    if (st->broken || PQstatus(st->conn) != CONNECTION_OK) {
        rc = gdpr_pg__reconnect(st, "begin transaction");
        if (rc != GDPR_OK)
            return rc;
    }
    for (int attempt = 0;; attempt++) {
        res = PQexec(st->conn, sql);
        if (res != NULL &&
            (PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK)) {
            PQclear(res);
            return GDPR_OK;
        }
        if (attempt == 0 && is_connection_failure(st, res)) {
            PQclear(res);
            rc = gdpr_pg__reconnect(st, "begin transaction");
            if (rc != GDPR_OK)
                return rc;
            continue;
        }
        rc = gdpr_pg__fail(st, res, "begin transaction");
        PQclear(res);
        /* A BEGIN that ran before the lock timed out leaves a transaction. */
        if (PQstatus(st->conn) == CONNECTION_OK && PQtransactionStatus(st->conn) != PQTRANS_IDLE) {
            res = PQexec(st->conn, "ROLLBACK");
            PQclear(res);
        }
        return rc;
    }
}

int
gdpr_pg__begin(store *base)
{
    pg_store *st = (pg_store *)base;
    char sql[48];
    int rc;

    if (st->depth == 0) {
        rc = begin_outermost(st);
        if (rc != GDPR_OK)
            return rc;
        st->depth = 1;
        st->keys_deleted = 0;
        rc = gdpr_pg__generation_begin(st);
        if (rc != GDPR_OK)
            gdpr_pg__rollback(&st->base);
        return rc;
    }
    if (st->broken)
        return gdpr__err_set(GDPR_ESTORAGE, "begin: the PostgreSQL connection was lost in "
                                            "this transaction; roll it back first");
    snprintf(sql, sizeof sql, "SAVEPOINT s%d", st->depth);
    rc = control(st, sql, "begin a nested transaction");
    if (rc == GDPR_OK)
        st->depth++;
    return rc;
}

/* The whole transaction was rolled back: what it did is undone, so is
 * what we noted about it. */
static void
ended_whole(pg_store *st)
{
    st->keys_deleted = 0;
    if (st->schema_in_tx) {
        st->has_schema = 0;
        st->schema_in_tx = 0;
    }
}

int
gdpr_pg__commit(store *base)
{
    pg_store *st = (pg_store *)base;
    PGresult *res;
    char sql[48];
    int rc;

    if (st->depth == 0)
        return gdpr__err_set(GDPR_ESTATE, "commit: no transaction is open");
    if (st->depth > 1) {
        snprintf(sql, sizeof sql, "RELEASE SAVEPOINT s%d", st->depth - 1);
        rc = control(st, sql, "commit a nested transaction");
        if (rc != GDPR_OK) {
            gdpr_pg__rollback(&st->base);
            return rc;
        }
        st->depth--;
        return GDPR_OK;
    }
    rc = st->broken ? gdpr__err_set(GDPR_ESTORAGE, "commit: the PostgreSQL connection was lost "
                                                   "in this transaction; nothing was committed")
                    : gdpr_pg__generation_bump(st);
    if (rc != GDPR_OK) {
        gdpr_pg__rollback(&st->base);
        return rc;
    }
    res = PQexec(st->conn, "COMMIT");
    st->depth = 0;
    st->audit_tail_valid = 0;
    if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
        /* The COMMIT may or may not have reached the server: say so rather
         * than guess, and never send it again. */
        int unknown = is_connection_failure(st, res);
        rc = gdpr_pg__fail(st, res,
                           unknown ? "commit: whether the call took effect is unknown" : "commit");
        st->broken = PQstatus(st->conn) != CONNECTION_OK;
        PQclear(res);
        /* Keys it may have deleted are vacuumed on the next occasion:
         * harmless if the commit did not happen. */
        if (unknown && st->keys_deleted)
            st->keys_vacuum_due = 1;
        ended_whole(st);
        return rc;
    }
    /* A transaction that failed inside answers COMMIT with ROLLBACK. */
    if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
        PQclear(res);
        ended_whole(st);
        return gdpr__err_set(GDPR_ESTORAGE,
                             "commit: PostgreSQL rolled the transaction back (a statement in it "
                             "had failed)");
    }
    PQclear(res);
    st->schema_in_tx = 0;
    if (st->keys_deleted)
        st->keys_vacuum_due = 1;
    st->keys_deleted = 0;
    if (st->keys_vacuum_due) {
        /* The erasure is committed whatever happens here; a failed VACUUM
         * stays due and is tried again after the next commit and by
         * gdpr_store__scrub, which reports it. */
        if (gdpr_pg__vacuum_keys(st) == GDPR_OK)
            st->keys_vacuum_due = 0;
    }
    return GDPR_OK;
}

void
gdpr_pg__rollback(store *base)
{
    pg_store *st = (pg_store *)base;
    char sql[96];
    PGresult *res;

    st->audit_tail_valid = 0;
    if (st->depth == 0)
        return;
    if (st->broken || PQstatus(st->conn) != CONNECTION_OK) {
        /* The server ended the transaction with the session; the next
         * outermost begin reconnects. */
        st->depth--;
        if (st->depth == 0)
            ended_whole(st);
        return;
    }
    if (st->depth == 1) {
        res = PQexec(st->conn, "ROLLBACK");
        PQclear(res);
        st->depth = 0;
        ended_whole(st);
        return;
    }
    snprintf(sql, sizeof sql, "ROLLBACK TO SAVEPOINT s%d; RELEASE SAVEPOINT s%d", st->depth - 1,
             st->depth - 1);
    res = PQexec(st->conn, sql);
    /* A failed ROLLBACK TO leaves the transaction aborted: end it whole,
     * as SQLite does after some errors, and let depth say so. */
    if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
        PQclear(res);
        res = PQexec(st->conn, "ROLLBACK");
        st->depth = 0;
        ended_whole(st);
    } else {
        st->depth--;
    }
    PQclear(res);
}

int
gdpr_pg__depth(const store *base)
{
    const pg_store *st = (const pg_store *)base;
    return st->depth;
}

int
gdpr_pg__vacuum_keys(pg_store *st)
{
    if (st->depth > 0)
        return gdpr__err_set(GDPR_ESTATE, "vacuum: not inside a transaction");
    return gdpr_pg__exec_plain(st, "VACUUM " PG_KEYS_SCHEMA ".subject_key",
                               "vacuuming the key table after an erasure");
}

/* The tables whose freed tuples may hold ciphertext or keyed hashes of an
 * erased subject; VACUUM removes their dead tuples (docs/decisions/0010). */
static const char scrub_sql[] =
    "VACUUM " PG_KEYS_SCHEMA ".subject_key, " PG_KEYS_SCHEMA ".meta, " PG_DATA_SCHEMA
    ".subject, " PG_DATA_SCHEMA ".identity, " PG_DATA_SCHEMA ".vault, " PG_DATA_SCHEMA
    ".consent, " PG_DATA_SCHEMA ".consent_state, " PG_DATA_SCHEMA ".disclosure, " PG_DATA_SCHEMA
    ".request, " PG_DATA_SCHEMA ".request_event, " PG_DATA_SCHEMA
    ".retention_review, " PG_DATA_SCHEMA ".erasure_pending, " PG_DATA_SCHEMA
    ".erasure_shred_queue, " PG_DATA_SCHEMA ".access_log";

int
gdpr_pg__scrub(store *base)
{
    pg_store *st = (pg_store *)base;
    int rc;

    if (st->depth > 0)
        return gdpr__err_set(GDPR_ESTATE, "scrub: not inside a transaction");
    if (st->read_only)
        return GDPR_OK;
    rc = gdpr_pg__exec_plain(st, scrub_sql, "scrub (VACUUM)");
    if (rc == GDPR_OK)
        st->keys_vacuum_due = 0;
    return rc;
}

int
gdpr_pg__relax_durability(store *base, int relaxed)
{
    pg_store *st = (pg_store *)base;

    if (st->depth > 0)
        return gdpr__err_set(GDPR_ESTATE, "durability: not inside a transaction");
    return gdpr_pg__exec_plain(
        st, relaxed ? "SET synchronous_commit = off" : "SET synchronous_commit = on",
        "setting durability");
}
