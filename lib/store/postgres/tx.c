/*
 * Transactions on PostgreSQL: one transaction per outer call (data and
 * keys schemas commit together), savepoints for nested host batches, the
 * store's write lock, the reconnect rule, and the VACUUM that follows an
 * erasure (docs/decisions/0010-postgres-backend.md).
 * SPDX-License-Identifier: MIT
 */
#include "pg_internal.h"

#include <stdio.h>
#include <stdlib.h>
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
/* The same, and in the same round trip what every writable begin reads
 * next under the lock: the store generation (gdpr_pg__generation_begin)
 * and the key state (gdpr_pg__key_state, asked by the engine right
 * after the begin), in the order of st->begin_row. */
static const char begin_write_generation[] =
    "BEGIN ISOLATION LEVEL READ COMMITTED;"
    " SELECT pg_catalog.pg_advisory_xact_lock(" PG_WRITE_LOCK ");"
    " SELECT (SELECT value FROM " PG_DATA_SCHEMA ".counter WHERE name = 'generation'),"
    " (SELECT value FROM " PG_KEYS_SCHEMA ".counter WHERE name = 'key_epoch'),"
    " (SELECT value FROM " PG_KEYS_SCHEMA ".counter WHERE name = 'kek_generation'),"
    " (SELECT value FROM " PG_KEYS_SCHEMA ".counter WHERE name = 'rekey_seq'),"
    " (SELECT value FROM " PG_DATA_SCHEMA ".counter WHERE name = 'kek_generation')";
static const char begin_read[] = "BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY";
/* gdpr_store__read_begin: one snapshot for every read until read_end. */
static const char begin_snapshot[] = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

/* VACUUMs run one at a time across the store's engines (a session-level
 * advisory lock, "gdps" in ASCII): two VACUUMs of one table conflict
 * (ShareUpdateExclusiveLock conflicts with itself), so engines erasing
 * at once queued behind each other's VACUUM until lock_timeout and their
 * erasures answered GDPR_EBUSY. Waiting for this lock instead costs a
 * peer's VACUUM of small tables; a VACUUM run after our commit removes
 * what our transaction left dead, so none is skipped. */
#define PG_VACUUM_LOCK "1734632563"

static int
is_connection_failure(const pg_store *st, const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

    if (PQstatus(st->conn) != CONNECTION_OK)
        return 1;
    return state != NULL && (strncmp(state, "08", 2) == 0 || strncmp(state, "57P0", 4) == 0);
}

/* Send a transaction-control statement (simple protocol: no parameters),
 * after the results of the writes in flight. */
static int
control(pg_store *st, const char *sql, const char *what)
{
    PGresult *res;
    int rc = gdpr_pg__drain(st);

    if (rc != GDPR_OK)
        return rc;
    res = PQexec(st->conn, sql);

    if (res == NULL ||
        (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK))
        rc = gdpr_pg__fail(st, res, what);
    PQclear(res);
    return rc;
}

/* The outermost BEGIN. The retry rule: only here, where nothing of the
 * call has run yet, is a lost connection made again and the BEGIN sent
 * once more (a server restarted since the last call, when the socket did
 * not show it yet). Statements inside a transaction are never replayed: a
 * failure there rolls the whole call back and is reported. */
static int
begin_outermost(pg_store *st, const char *sql, int64_t *last_out)
{
    PGresult *res;
    int rc;

    if (gdpr_pg__session_gone(st)) {
        rc = gdpr_pg__reconnect(st, "begin transaction");
        if (rc != GDPR_OK)
            return rc;
    }
    for (int attempt = 0;; attempt++) {
        res = PQexec(st->conn, sql);
        if (res != NULL &&
            (PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK)) {
            /* The last statement's answer (text: PQexec): the columns of
             * begin_row, as many as it has. */
            if (last_out != NULL) {
                if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
                    PQgetisnull(res, 0, 0)) {
                    PQclear(res);
                    res = PQexec(st->conn, "ROLLBACK");
                    PQclear(res);
                    return gdpr__err_set(GDPR_ECORRUPT,
                                         "begin transaction: the store has no generation row");
                }
                for (int i = 0; i < PQnfields(res) && i < PG_BEGIN_ROW; i++)
                    last_out[i] = strtoll(PQgetvalue(res, 0, i), NULL, 10);
            }
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

/* A VACUUM run for the caller's sake after its call succeeded must not
 * replace the message the call left (a refusal's, say): keep it. */
typedef struct {
    char text[1024];
} saved_message;

static void
message_save(saved_message *m)
{
    snprintf(m->text, sizeof m->text, "%s", gdpr_errmsg());
}

static void
message_restore(const saved_message *m)
{
    if (m->text[0] != '\0')
        gdpr__err_set(GDPR_OK, "%s", m->text);
    else
        gdpr__err_clear();
}

/* Run `sql` (a VACUUM) holding PG_VACUUM_LOCK. With `try_only` the lock is
 * not waited for: *ran_out says whether the VACUUM ran. Otherwise the wait
 * is bounded by lock_timeout (GDPR_EBUSY, the VACUUM stays due). */
static int
vacuum_serialized(pg_store *st, const char *sql, const char *what, int try_only, int *ran_out)
{
    int64_t got = 0;
    int rc;

    if (ran_out)
        *ran_out = 0;
    if (try_only) {
        rc = gdpr_pg__one_int64(st,
                                "SELECT pg_catalog.pg_try_advisory_lock(" PG_VACUUM_LOCK ")::int",
                                NULL, what, &got);
        if (rc != GDPR_OK || got == 0)
            return rc;
    } else {
        rc =
            gdpr_pg__exec_plain(st, "SELECT pg_catalog.pg_advisory_lock(" PG_VACUUM_LOCK ")", what);
        if (rc == GDPR_EBUSY)
            return gdpr__err_wrap(rc,
                                  "%s: another engine's VACUUM of this store held its turn "
                                  "longer than the lock timeout; the VACUUM stays due",
                                  what);
        if (rc != GDPR_OK)
            return rc;
    }
    rc = gdpr_pg__exec_plain(st, sql, what);
    if (rc == GDPR_OK && ran_out)
        *ran_out = 1;
    /* A lost connection released the lock with the session. */
    if (PQstatus(st->conn) == CONNECTION_OK) {
        PGresult *res =
            PQexec(st->conn, "SELECT pg_catalog.pg_advisory_unlock(" PG_VACUUM_LOCK ")");
        PQclear(res);
    }
    return rc;
}

int
gdpr_pg__begin(store *base)
{
    pg_store *st = (pg_store *)base;
    char sql[48];
    int rc;

    if (st->reading == 2)
        return gdpr__err_set(GDPR_ESTATE, "store: a read snapshot is open; end it first");
    if (st->reading)
        gdpr_pg__read_end(base);
    if (st->depth == 0) {
        int with_generation = st->has_schema && !st->read_only;
        rc = begin_outermost(st,
                             st->read_only     ? begin_read
                             : with_generation ? begin_write_generation
                                               : begin_write,
                             with_generation ? st->begin_row : NULL);
        if (rc != GDPR_OK)
            return rc;
        st->depth = 1;
        st->keys_deleted = 0;
        st->doomed = 0;
        st->writes = 0;
        st->unguarded = 0;
        if (with_generation) {
            st->generation = (uint64_t)st->begin_row[0];
            st->begin_row_fresh = 1;
            rc = gdpr_pg__generation_begin(st);
        } else {
            rc = gdpr_pg__generation_begin(st);
        }
        if (rc != GDPR_OK)
            gdpr_pg__rollback(&st->base);
        return rc;
    }
    if (st->broken)
        return gdpr__err_set(GDPR_ESTORAGE, "begin: the PostgreSQL connection was lost in "
                                            "this transaction; roll it back first");
    if (st->doomed)
        return gdpr__err_set(GDPR_ESTORAGE,
                             "begin: an earlier write of this transaction failed (%s); roll it "
                             "back first",
                             st->doomed_msg);
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
    st->begin_row_fresh = 0;
    st->doomed = 0;
    st->writes = 0;
    st->unguarded = 0;
    st->pending = 0;
    gdpr_pg__seq_end(st, 0);
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
    if (st->depth > 1 && (st->unguarded & (1u << (st->depth - 2)))) {
        /* An unguarded level: nothing to release; its writes stay in
         * flight with the transaction's. */
        st->unguarded &= ~(1u << (st->depth - 2));
        st->depth--;
        return GDPR_OK;
    }
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
    rc = st->broken   ? gdpr__err_set(GDPR_ESTORAGE, "commit: the PostgreSQL connection was lost "
                                                       "in this transaction; nothing was committed")
         : st->doomed ? gdpr__err_set(GDPR_ESTORAGE,
                                      "commit: an earlier write of this transaction failed (%s); "
                                      "the whole transaction was rolled back, nothing of it was "
                                      "committed",
                                      st->doomed_msg)
                      : gdpr_pg__seq_flush(st);
    /* The generation's statement waits for its answer: every write in
     * flight is read first, and a failure among them ends it here. */
    if (rc == GDPR_OK)
        rc = gdpr_pg__generation_bump(st);
    /* (No generation to raise before the schemas exist: read them here.) */
    if (rc == GDPR_OK)
        rc = gdpr_pg__drain(st);
    if (rc != GDPR_OK) {
        if (st->doomed)
            rc = gdpr__err_wrap(rc, "commit");
        gdpr_pg__rollback(&st->base);
        return rc;
    }
    res = PQexec(st->conn, "COMMIT");
    st->depth = 0;
    st->begin_row_fresh = 0;
    st->cache_tail_valid = st->audit_tail_valid;
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
        gdpr_pg__cache_forget(st);
        return rc;
    }
    /* A transaction that failed inside answers COMMIT with ROLLBACK. */
    if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
        PQclear(res);
        ended_whole(st);
        gdpr_pg__cache_forget(st);
        return gdpr__err_set(GDPR_ESTORAGE,
                             "commit: PostgreSQL rolled the transaction back (a statement in it "
                             "had failed)");
    }
    PQclear(res);
    gdpr_pg__seq_end(st, 1);
    if (st->schema_in_tx)
        st->created_schemas = 1;
    st->schema_in_tx = 0;
    if (st->keys_deleted)
        st->keys_vacuum_due = 1;
    st->keys_deleted = 0;
    if (st->keys_vacuum_due) {
        /* The transaction is committed whatever happens here, and the
         * commit answers for it alone: the VACUUM runs only if no peer's
         * VACUUM holds the lock now (never a wait), and one that did not
         * run or failed stays due: tried again after the next commit, at
         * close and by gdpr_store__scrub, which waits for its turn and
         * reports the outcome. Its message is not left behind. */
        saved_message m;
        int ran = 0;
        message_save(&m);
        if (vacuum_serialized(st, "VACUUM " PG_KEYS_SCHEMA ".subject_key",
                              "vacuuming the key table after an erasure", 1, &ran) == GDPR_OK &&
            ran)
            st->keys_vacuum_due = 0;
        message_restore(&m);
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
    if (st->depth > 1 && (st->unguarded & (1u << (st->depth - 2)))) {
        int level = st->depth - 2;
        st->unguarded &= ~(1u << level);
        if (!st->doomed && !st->broken && st->writes == st->unguarded_mark[level] &&
            PQstatus(st->conn) == CONNECTION_OK &&
            PQtransactionStatus(st->conn) != PQTRANS_INERROR) {
            /* Nothing written, nothing failed on the server: nothing to
             * undo. What the handle knew stays true. */
            st->depth--;
            return;
        }
        /* Written without a savepoint, or the server's transaction
         * failed: only the whole transaction can be undone (the engine
         * reports the batch as rolled back). */
        st->depth = 1;
    }
    /* What the handle learned in the transaction may be undone now. */
    gdpr_pg__cache_forget(st);
    if (st->doomed)
        st->depth = 1; /* a lost write: the whole transaction goes */
    if (st->pending > 0 && !st->broken && PQstatus(st->conn) == CONNECTION_OK) {
        /* Read the writes in flight (their failure is not this
         * rollback's message). */
        saved_message m;
        message_save(&m);
        if (gdpr_pg__drain(st) != GDPR_OK)
            st->depth = 1;
        message_restore(&m);
    }
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
    if (st->depth > 0 || st->reading)
        return gdpr__err_set(GDPR_ESTATE, "vacuum: not inside a transaction");
    return vacuum_serialized(st, "VACUUM " PG_KEYS_SCHEMA ".subject_key",
                             "vacuuming the key table after an erasure", 0, NULL);
}

/* The tables whose freed tuples may hold ciphertext or keyed hashes of an
 * erased subject; VACUUM removes their dead tuples (docs/decisions/0010). */
static const char scrub_sql[] =
    "VACUUM " PG_KEYS_SCHEMA ".subject_key, " PG_KEYS_SCHEMA ".meta, " PG_DATA_SCHEMA
    ".subject, " PG_DATA_SCHEMA ".identity, " PG_DATA_SCHEMA ".vault, " PG_DATA_SCHEMA
    ".consent, " PG_DATA_SCHEMA ".consent_state, " PG_DATA_SCHEMA ".disclosure, " PG_DATA_SCHEMA
    ".request, " PG_DATA_SCHEMA ".request_event, " PG_DATA_SCHEMA
    ".retention_review, " PG_DATA_SCHEMA ".erasure_pending, " PG_DATA_SCHEMA
    ".erasure_shred_queue, " PG_DATA_SCHEMA ".access_log, " PG_DATA_SCHEMA
    ".consent_signal, " PG_DATA_SCHEMA ".consent_conflict";

int
gdpr_pg__scrub(store *base)
{
    pg_store *st = (pg_store *)base;
    int rc;

    if (st->depth > 0 || st->reading)
        return gdpr__err_set(GDPR_ESTATE, "scrub: not inside a transaction");
    if (st->read_only)
        return GDPR_OK;
    rc = vacuum_serialized(st, scrub_sql, "scrub (VACUUM)", 0, NULL);
    if (rc == GDPR_OK)
        st->keys_vacuum_due = 0;
    return rc;
}

int
gdpr_pg__relax_durability(store *base, int relaxed)
{
    pg_store *st = (pg_store *)base;

    if (st->depth > 0 || st->reading)
        return gdpr__err_set(GDPR_ESTATE, "durability: not inside a transaction");
    return gdpr_pg__exec_plain(
        st, relaxed ? "SET synchronous_commit = off" : "SET synchronous_commit = on",
        "setting durability");
}

/* --- read transactions (docs/decisions/0011-snapshot-reads.md) -------- */

/* One REPEATABLE READ READ ONLY transaction: its snapshot, taken by the
 * first statement (the generation), covers both schemas, so both_files
 * asks nothing more here; it is kept only for the rule on what may begin
 * while the read is open. */
int
gdpr_pg__read_begin(store *base, int both_files)
{
    pg_store *st = (pg_store *)base;
    int64_t value = 0;
    int rc;

    if (st->depth > 0 || st->reading)
        return gdpr__err_set(GDPR_ESTATE, "store: a transaction is already open");
    /* The per-call read scope (one file: lib/core's read calls) is for
     * SQLite, where it takes the WAL read lock once per call instead of
     * once per statement. Here every statement is a snapshot of its own
     * (READ COMMITTED) and a scope would add two round trips, BEGIN and
     * COMMIT, to a consent check of two: a call outside gdpr_read_begin
     * reads statement by statement (docs/decisions/0011). */
    if (!both_files)
        return gdpr__err_set(GDPR_ESTATE, "store: no per-call read scope on PostgreSQL");
    rc = begin_outermost(st, begin_snapshot, NULL);
    if (rc != GDPR_OK)
        return rc;
    st->reading = both_files ? 2 : 1;
    if (!st->has_schema)
        return GDPR_OK;
    rc = gdpr_pg__one_int64(st,
                            "SELECT value FROM " PG_DATA_SCHEMA ".counter"
                            " WHERE name = 'generation'",
                            NULL, "beginning a read", &value);
    if (rc == GDPR_OK)
        st->generation = (uint64_t)value;
    else
        gdpr_pg__read_end(base);
    return rc;
}

void
gdpr_pg__read_end(store *base)
{
    pg_store *st = (pg_store *)base;
    PGresult *res;

    if (!st->reading)
        return;
    st->reading = 0;
    /* Ending a read cannot lose anything: a failure is not reported, and
     * a lost connection ended the transaction already. */
    if (st->broken || PQstatus(st->conn) != CONNECTION_OK)
        return;
    res = PQexec(st->conn, "COMMIT");
    PQclear(res);
    if (PQtransactionStatus(st->conn) != PQTRANS_IDLE) {
        res = PQexec(st->conn, "ROLLBACK");
        PQclear(res);
    }
}

/* An unguarded level (store.h) is no SAVEPOINT: nothing is sent. It
 * remembers how many writes the transaction had sent; its rollback undoes
 * nothing when it sent none and the server's transaction has not failed,
 * and ends the whole transaction otherwise (PostgreSQL cannot undo part
 * of a transaction without a savepoint, and a failed statement fails the
 * transaction). Its writes may be in flight (pipeline mode) when it
 * commits: a late failure rolls the whole transaction back too. */
int
gdpr_pg__begin_unguarded(store *base)
{
    pg_store *st = (pg_store *)base;

    if (st->depth == 0 || st->depth > 32 || st->read_only)
        return gdpr_pg__begin(base);
    if (st->reading == 2)
        return gdpr__err_set(GDPR_ESTATE, "store: a read snapshot is open; end it first");
    if (st->broken)
        return gdpr__err_set(GDPR_ESTORAGE, "begin: the PostgreSQL connection was lost in "
                                            "this transaction; roll it back first");
    if (st->doomed)
        return gdpr__err_set(GDPR_ESTORAGE,
                             "begin: an earlier write of this transaction failed (%s); roll it "
                             "back first",
                             st->doomed_msg);
    st->unguarded_mark[st->depth - 1] = st->writes;
    st->unguarded |= 1u << (st->depth - 1);
    st->depth++;
    return GDPR_OK;
}

/* --- a failed first open; close ------------------------------------- */

void
gdpr_pg__discard(store *base)
{
    ((pg_store *)base)->discard = 1;
}

void
gdpr_pg__close_pending(pg_store *st)
{
    PGresult *res;

    if (st->conn == NULL || st->broken || PQstatus(st->conn) != CONNECTION_OK)
        return;
    if (st->pending > 0) {
        /* Writes in flight: read them (their outcome no longer matters:
         * the transaction is rolled back). */
        saved_message m;
        message_save(&m);
        (void)gdpr_pg__drain(st);
        message_restore(&m);
        if (st->broken || PQstatus(st->conn) != CONNECTION_OK)
            return;
    }
    if (st->depth > 0 || st->reading) {
        res = PQexec(st->conn, "ROLLBACK");
        PQclear(res);
        if (st->depth > 0)
            ended_whole(st);
        st->depth = 0;
        st->reading = 0;
    }
    /* A new store whose open failed after this handle committed its
     * schemas: drop them (only those: never a store this open found).
     * Under the write lock, in one transaction: all or nothing. */
    if (st->discard && st->created_schemas && !st->read_only) {
        res = PQexec(st->conn, "BEGIN; SELECT pg_catalog.pg_advisory_xact_lock(" PG_WRITE_LOCK ");"
                               " DROP SCHEMA IF EXISTS " PG_DATA_SCHEMA " CASCADE;"
                               " DROP SCHEMA IF EXISTS " PG_KEYS_SCHEMA " CASCADE; COMMIT");
        PQclear(res);
        if (PQtransactionStatus(st->conn) != PQTRANS_IDLE) {
            res = PQexec(st->conn, "ROLLBACK");
            PQclear(res);
        }
        return;
    }
    /* A VACUUM still due after an erasure gets its turn now. */
    if (st->keys_vacuum_due && !st->read_only) {
        saved_message m;
        message_save(&m);
        if (gdpr_pg__vacuum_keys(st) == GDPR_OK)
            st->keys_vacuum_due = 0;
        message_restore(&m);
    }
}
