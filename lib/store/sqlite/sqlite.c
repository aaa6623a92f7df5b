/*
 * The SQLite connection: open, pragmas, transactions, statement cache.
 * SPDX-License-Identifier: MIT
 */
#include "sqlite_internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "testhook.h"
#include "text.h"

static int
fail_on(sqlite3 *db, int sqlite_rc, const char *what)
{
    const char *detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(sqlite_rc);
    int code;

    switch (sqlite_rc & 0xFF) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        code = GDPR_EBUSY;
        break;
    case SQLITE_NOMEM:
        code = GDPR_ENOMEM;
        break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        code = GDPR_ECORRUPT;
        break;
    case SQLITE_CONSTRAINT:
        code = GDPR_EEXISTS;
        break;
    case SQLITE_READONLY:
        return gdpr__err_set(GDPR_ESTATE,
                             "%s: the store is open read-only (opts.read_only): writes are "
                             "refused",
                             what);
    default:
        code = GDPR_ESTORAGE;
        break;
    }
    return gdpr__err_set(code, "%s: SQLite error %d: %s", what, sqlite_rc, detail);
}

int
gdpr_sqlite__sq_fail(sqlite_store *st, int sqlite_rc, const char *what)
{
    return fail_on(st ? st->db : NULL, sqlite_rc, what);
}

int
gdpr_sqlite__sq_fail_keys(sqlite_store *st, int sqlite_rc, const char *what)
{
    return fail_on(st ? st->kdb : NULL, sqlite_rc, what);
}

static int
exec_on(sqlite3 *db, const char *sql)
{
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

    if (rc != SQLITE_OK)
        return fail_on(db, rc, "store");
    return GDPR_OK;
}

int
gdpr_sqlite__sq_exec(sqlite_store *st, const char *sql)
{
    return exec_on(st->db, sql);
}

int
gdpr_sqlite__sq_exec_keys(sqlite_store *st, const char *sql)
{
    return exec_on(st->kdb, sql);
}

static int
stmt_on(sqlite_store *st, sqlite3 *db, const char *sql, sqlite3_stmt **out)
{
    size_t slot = (((uintptr_t)sql >> 3) ^ ((uintptr_t)db >> 4)) % STORE_STMT_SLOTS;
    sqlite3_stmt *s = NULL;
    int rc;

    for (size_t probe = 0; probe < STORE_STMT_SLOTS; probe++) {
        store_cached_stmt *c = &st->cache[(slot + probe) % STORE_STMT_SLOTS];
        if (c->sql == sql && c->db == db) {
            *out = c->stmt;
            return GDPR_OK;
        }
        if (c->sql == NULL) {
            rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);
            if (rc != SQLITE_OK)
                return fail_on(db, rc, "prepare");
            c->sql = sql;
            c->db = db;
            c->stmt = s;
            *out = s;
            return GDPR_OK;
        }
    }
    return gdpr__err_set(GDPR_ESTORAGE, "statement cache full (%d)", STORE_STMT_SLOTS);
}

int
gdpr_sqlite__sq_stmt(sqlite_store *st, const char *sql, sqlite3_stmt **out)
{
    return stmt_on(st, st->db, sql, out);
}

int
gdpr_sqlite__sq_stmt_keys(sqlite_store *st, const char *sql, sqlite3_stmt **out)
{
    return stmt_on(st, st->kdb, sql, out);
}

int
gdpr_sqlite__sq_step_done(sqlite_store *st, sqlite3_stmt *s, const char *what)
{
    int rc = sqlite3_step(s);
    int result = GDPR_OK;

    (void)st;
    if (rc != SQLITE_DONE)
        result = fail_on(sqlite3_db_handle(s), rc, what);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return result;
}

static int
file_has_content(const char *path)
{
    struct stat sb;

    return stat(path, &sb) == 0 && sb.st_size > 0;
}

/* journal_mode answers with the mode it got: WAL may be refused (e.g. on a
 * file system without shared memory), which we report instead of running
 * in a mode whose journal keeps deleted pages. */
static int
set_wal(sqlite3 *db, int in_memory, const char *file)
{
    sqlite3_stmt *s = NULL;
    int rc, result = GDPR_OK;

    rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &s, NULL);
    if (rc != SQLITE_OK)
        return fail_on(db, rc, file);
    rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        result = fail_on(db, rc, file);
    } else {
        const char *mode = (const char *)sqlite3_column_text(s, 0);
        if (mode == NULL || (strcmp(mode, "wal") != 0 && !in_memory))
            result = gdpr__err_set(GDPR_ESTORAGE, "%s: journal_mode is '%s', WAL is required", file,
                                   mode ? mode : "?");
    }
    sqlite3_finalize(s);
    return result;
}

static int
open_connection(const char *path, const char *what, int busy_ms, int in_memory, sqlite3 **out)
{
    int flags =
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, flags, NULL);

    if (rc != SQLITE_OK) {
        rc = fail_on(db, rc, what);
        sqlite3_close_v2(db);
        return rc;
    }
    *out = db;
    rc = sqlite3_busy_timeout(db, busy_ms > 0 ? busy_ms : 5000);
    if (rc != SQLITE_OK)
        return fail_on(db, rc, what);
    sqlite3_extended_result_codes(db, 1);
    /* secure_delete is per connection: set it every time, never trusting a
     * build default. synchronous=FULL: a commit is on disk when it returns. */
    rc = exec_on(db, "PRAGMA trusted_schema=OFF; PRAGMA foreign_keys=ON;"
                     " PRAGMA temp_store=MEMORY; PRAGMA secure_delete=ON");
    if (rc == GDPR_OK)
        rc = set_wal(db, in_memory, what);
    if (rc == GDPR_OK)
        rc = exec_on(db, "PRAGMA synchronous=FULL");
    /* A 64 MiB page cache and reads through a memory map of the whole
     * file (sqlite_internal.h): with the 2 MiB default, hot pages of a large
     * store were read again and again through pread(), one system call
     * each (docs/performance.md). Writes still go through write() and the
     * WAL, so durability is unchanged. */
    if (rc == GDPR_OK) {
        char tune[96];
        snprintf(tune, sizeof tune, "PRAGMA cache_size=-%d; PRAGMA mmap_size=%lld",
                 STORE_SQLITE_CACHE_KIB, (long long)STORE_SQLITE_MMAP_BYTES);
        rc = exec_on(db, tune);
    }
    if (rc != GDPR_OK)
        return gdpr__err_wrap(rc, "opening %s '%s'", what, path);
    return GDPR_OK;
}

static int
read_user_version(sqlite3 *db, int *out)
{
    sqlite3_stmt *s = NULL;
    int rc, result = GDPR_OK;

    rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL);
    if (rc != SQLITE_OK)
        return fail_on(db, rc, "user_version");
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int(s, 0);
    else
        result = fail_on(db, rc, "user_version");
    sqlite3_finalize(s);
    return result;
}

int
gdpr_sqlite__schema_version(store *base, int *version_out)
{
    sqlite_store *st = (sqlite_store *)base;
    return read_user_version(st->db, version_out);
}

static int
check_versions(sqlite_store *st, int *is_new)
{
    int data_version = 0, keys_version = 0;
    int rc = read_user_version(st->db, &data_version);

    if (rc == GDPR_OK)
        rc = read_user_version(st->kdb, &keys_version);
    if (rc != GDPR_OK)
        return rc;
    if (data_version > gdpr_sqlite__schema_latest() || keys_version > gdpr_sqlite__schema_latest())
        return gdpr__err_set(GDPR_EVERSION,
                             "store: schema version %d was written by a newer "
                             "libgdpr (this one knows up to %d)",
                             data_version > keys_version ? data_version : keys_version,
                             gdpr_sqlite__schema_latest());
    *is_new = data_version == 0;
    st->has_counters = data_version >= SQ_COUNTERS_VERSION;
    st->has_key_counters = keys_version >= SQ_KEY_COUNTERS_VERSION;
    if (*is_new && keys_version != 0)
        return gdpr__err_set(GDPR_ECORRUPT, "keystore: holds keys of another store; "
                                            "give a new data file its own keystore");
    if (!*is_new && keys_version == 0)
        return gdpr__err_set(GDPR_ECORRUPT, "keystore: missing or empty for an existing store");
    return GDPR_OK;
}

int
gdpr_sqlite__open(store **out, const store_config *cfg, int *is_new)
{
    sqlite_store *st = calloc(1, sizeof *st);
    int rc;

    if (st == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory opening the store");
    st->base.ops = &gdpr_store__sqlite_ops;
    st->in_memory = strcmp(cfg->path, ":memory:") == 0;
    if (cfg->read_only && (st->in_memory || !file_has_content(cfg->path))) {
        free(st);
        return gdpr__err_set(GDPR_ESTATE,
                             "opts.read_only: '%s' holds no store yet; create it with a "
                             "writable open first",
                             cfg->path);
    }
    /* SQLite would create an empty keystore and hide the loss of the real
     * one: refuse before touching anything. */
    if (!st->in_memory && file_has_content(cfg->path) &&
        strcmp(cfg->keystore_path, ":memory:") != 0 && !file_has_content(cfg->keystore_path)) {
        free(st);
        return gdpr__err_set(GDPR_ECORRUPT,
                             "keystore_path: '%s' is missing or empty for the "
                             "existing store '%s'",
                             cfg->keystore_path, cfg->path);
    }
    st->path = gdpr_text__dup(cfg->path);
    st->keystore_path = gdpr_text__dup(cfg->keystore_path);
    if (st->path == NULL || st->keystore_path == NULL)
        rc = gdpr__err_set(GDPR_ENOMEM, "out of memory opening the store");
    else
        rc = gdpr_sqlite__private_file(cfg->keystore_path, "keystore", &st->created_keys);
    if (rc == GDPR_OK)
        rc = gdpr_sqlite__private_file(cfg->path, "data file", &st->created_data);
    if (rc == GDPR_OK)
        rc = open_connection(cfg->keystore_path, "keystore", cfg->busy_timeout_ms, st->in_memory,
                             &st->kdb);
    if (rc == GDPR_OK)
        rc = open_connection(cfg->path, "data file", cfg->busy_timeout_ms, st->in_memory, &st->db);
    if (rc == GDPR_OK)
        rc = check_versions(st, is_new);
    /* Read-only: every statement that would write fails with
     * SQLITE_READONLY, reported as GDPR_ESTATE (fail_on). */
    st->read_only = cfg->read_only;
    if (rc == GDPR_OK && cfg->read_only)
        rc = exec_on(st->kdb, "PRAGMA query_only=ON");
    if (rc == GDPR_OK && cfg->read_only)
        rc = exec_on(st->db, "PRAGMA query_only=ON");
    if (rc != GDPR_OK) {
        st->discard = 1;
        gdpr_sqlite__close(&st->base);
        return rc;
    }
    *out = &st->base;
    return GDPR_OK;
}

void
gdpr_sqlite__close(store *base)
{
    sqlite_store *st = (sqlite_store *)base;
    if (st == NULL)
        return;
    for (int i = 0; i < STORE_STMT_SLOTS; i++)
        sqlite3_finalize(st->cache[i].stmt);
    for (int k = 0; k < 2; k++)
        for (int t = 0; t < 4; t++)
            for (int l = 0; l < STORE_TX_LEVELS; l++)
                sqlite3_finalize(st->tx_stmt[k][t][l]);
    if (st->depth > 0 || st->reading) {
        if (st->db)
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        if (st->kdb)
            sqlite3_exec(st->kdb, "ROLLBACK", NULL, NULL, NULL);
    }
    sqlite3_close_v2(st->db);
    sqlite3_close_v2(st->kdb);
    if (st->discard) {
        gdpr_sqlite__remove_created(st->path, &st->created_data);
        gdpr_sqlite__remove_created(st->keystore_path, &st->created_keys);
    }
    free(st->path);
    free(st->keystore_path);
    free(st);
}

/* The open of a new store failed: its close removes the files this open
 * created, never one that was there before. */
void
gdpr_sqlite__discard(store *base)
{
    ((sqlite_store *)base)->discard = 1;
}

/* A ROLLBACK that could not even be prepared (out of memory) leaves a
 * transaction open that no caller owns: outside every transaction of ours,
 * end it before the next statement that needs autocommit. */
void
gdpr_sqlite__end_stale(sqlite_store *st)
{
    if (st->depth != 0 || st->reading)
        return;
    if (!sqlite3_get_autocommit(st->kdb))
        sqlite3_exec(st->kdb, "ROLLBACK", NULL, NULL, NULL);
    if (!sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

enum tx_kind { TX_BEGIN, TX_COMMIT, TX_SAVEPOINT, TX_RELEASE };

/* Run BEGIN IMMEDIATE / COMMIT / SAVEPOINT sN / RELEASE sN on one
 * connection through a cached prepared statement. */
static int
tx_run(sqlite_store *st, int keys, enum tx_kind kind, int level)
{
    sqlite3 *db = keys ? st->kdb : st->db;
    sqlite3_stmt **slot = NULL;
    sqlite3_stmt *s = NULL;
    char sql[48];
    int rc;

    switch (kind) {
    case TX_BEGIN:
        /* A reader never takes the write lock (query_only refuses it). */
        snprintf(sql, sizeof sql, st->read_only ? "BEGIN" : "BEGIN IMMEDIATE");
        break;
    case TX_COMMIT:
        snprintf(sql, sizeof sql, "COMMIT");
        break;
    case TX_SAVEPOINT:
        snprintf(sql, sizeof sql, "SAVEPOINT s%d", level);
        break;
    case TX_RELEASE:
        snprintf(sql, sizeof sql, "RELEASE s%d", level);
        break;
    }
    if (level >= 0 && level < STORE_TX_LEVELS)
        slot = &st->tx_stmt[keys][kind][level];
    if (slot == NULL)
        return sqlite3_exec(db, sql, NULL, NULL, NULL);
    if (*slot == NULL) {
        rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL);
        if (rc != SQLITE_OK)
            return rc;
    }
    s = *slot;
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Transactions span both connections. Locks are always taken keystore
 * first, then data file, by every process, so two writers cannot each hold
 * one file and wait for the other. */
int
gdpr_sqlite__begin(store *base)
{
    sqlite_store *st = (sqlite_store *)base;
    enum tx_kind kind = st->depth == 0 ? TX_BEGIN : TX_SAVEPOINT;
    char sql[64];
    int rc;

    if (st->reading == 2)
        return gdpr__err_set(GDPR_ESTATE, "store: a read snapshot is open; end it first");
    if (st->reading)
        gdpr_sqlite__read_end(&st->base);
    gdpr_sqlite__end_stale(st);
    /* Before the savepoint opens: a deep level writes the id sequences
     * back, and that write must not be undone with the savepoint. */
    if (st->depth > 0) {
        rc = gdpr_sqlite__sq_seq_savepoint(st, st->depth);
        if (rc != GDPR_OK)
            return rc;
    }
    rc = tx_run(st, 1, kind, st->depth);
    if (rc != SQLITE_OK)
        return fail_on(st->kdb, rc, "begin transaction (keystore)");
    rc = tx_run(st, 0, kind, st->depth);
    if (rc != SQLITE_OK) {
        rc = fail_on(st->db, rc, "begin transaction");
        if (st->depth == 0) {
            sqlite3_exec(st->kdb, "ROLLBACK", NULL, NULL, NULL);
        } else {
            snprintf(sql, sizeof sql, "ROLLBACK TO s%d; RELEASE s%d", st->depth, st->depth);
            sqlite3_exec(st->kdb, sql, NULL, NULL, NULL);
        }
        return rc;
    }
    st->depth++;
    if (st->depth == 1) {
        st->unguarded = 0;
        st->subject_cache_id = 0; /* remembered for this transaction only */
        st->key_memo_valid = 0;
        gdpr_sqlite__sq_seq_reset(st);
        rc = gdpr_sqlite__sq_generation_begin(st);
        if (rc != GDPR_OK) {
            gdpr_sqlite__rollback(&st->base);
            return rc;
        }
    }
    return GDPR_OK;
}

static int64_t
changes_now(const sqlite_store *st)
{
    return sqlite3_total_changes64(st->db) + sqlite3_total_changes64(st->kdb);
}

int
gdpr_sqlite__begin_unguarded(store *base)
{
    sqlite_store *st = (sqlite_store *)base;
    int rc;

    /* Outermost, or too deep to remember: an ordinary level. */
    if (st->depth == 0 || st->depth >= STORE_TX_LEVELS)
        return gdpr_sqlite__begin(base);
    rc = gdpr_sqlite__sq_seq_savepoint(st, st->depth);
    if (rc != GDPR_OK)
        return rc;
    st->unguarded_mark[st->depth] = changes_now(st);
    st->unguarded |= 1u << st->depth;
    st->depth++;
    return GDPR_OK;
}

/* The keystore commits first: a crash between the two commits leaves at
 * worst a wrapped key whose subject row never arrived, a harmless orphan;
 * never data whose key is missing. */
int
gdpr_sqlite__commit(store *base)
{
    sqlite_store *st = (sqlite_store *)base;
    enum tx_kind kind = st->depth == 1 ? TX_COMMIT : TX_RELEASE;
    int rc;

    if (st->depth > 1 && (st->unguarded & (1u << (st->depth - 1)))) {
        st->unguarded &= ~(1u << (st->depth - 1));
        st->depth--;
        return GDPR_OK;
    }

    if (st->depth == 1) {
        rc = gdpr_sqlite__sq_seq_flush(st);
        if (rc == GDPR_OK)
            rc = gdpr_sqlite__sq_generation_bump(st);
        if (rc != GDPR_OK) {
            gdpr_sqlite__rollback(&st->base);
            return rc;
        }
    }
    rc = tx_run(st, 1, kind, st->depth - 1);
    if (rc != SQLITE_OK) {
        rc = fail_on(st->kdb, rc, "commit (keystore)");
        gdpr_sqlite__rollback(&st->base);
        return rc;
    }
    /* Tests run another engine's read in this window (testhook.h). */
    if (st->depth == 1)
        gdpr__test_between_commits();
    rc = tx_run(st, 0, kind, st->depth - 1);
    if (rc != SQLITE_OK) {
        rc = fail_on(st->db, rc, "commit");
        if (st->depth == 1) {
            /* The keystore part is committed; roll back the data part. */
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
            st->depth = 0;
            st->audit_tail_valid = 0;
            st->subject_cache_id = 0;
            st->key_memo_valid = 0;
            /* Keys this transaction created are orphans now: the next
             * outermost begin of any handle takes them back (keys.c). */
        } else {
            gdpr_sqlite__rollback(&st->base);
        }
        return rc;
    }
    st->depth--;
    if (st->depth == 0) {
        st->audit_tail_valid = 0;
        st->subject_cache_id = 0;
        st->key_memo_valid = 0;
    }
    return GDPR_OK;
}

static void
rollback_on(sqlite3 *db, int depth)
{
    char sql[64];

    if (depth == 1)
        snprintf(sql, sizeof sql, "ROLLBACK");
    else
        snprintf(sql, sizeof sql, "ROLLBACK TO s%d; RELEASE s%d", depth - 1, depth - 1);
    /* A failed ROLLBACK leaves SQLite in autocommit (it rolled back by
     * itself), except one that could not be prepared for want of memory:
     * the next outermost begin ends that one. The caller's original error
     * is the one to report. */
    sqlite3_exec(db, sql, NULL, NULL, NULL);
}

void
gdpr_sqlite__rollback(store *base)
{
    sqlite_store *st = (sqlite_store *)base;
    st->audit_tail_valid = 0;
    st->subject_cache_id = 0;
    st->key_memo_valid = 0;
    if (st->depth == 0)
        return;
    if (st->depth > 1 && (st->unguarded & (1u << (st->depth - 1)))) {
        int level = st->depth - 1;
        st->unguarded &= ~(1u << level);
        if (changes_now(st) == st->unguarded_mark[level] && !sqlite3_get_autocommit(st->db) &&
            !sqlite3_get_autocommit(st->kdb)) {
            /* Nothing written: nothing to undo but the ids handed out. */
            st->depth--;
            gdpr_sqlite__sq_seq_rolled_back(st, st->depth);
            return;
        }
        /* Written without a savepoint: only the whole transaction can
         * be undone (the caller reports the batch as rolled back). */
        st->depth = 1;
    }
    rollback_on(st->db, st->depth);
    rollback_on(st->kdb, st->depth);
    st->depth--;
    gdpr_sqlite__sq_seq_rolled_back(st, st->depth);
    /* After some errors (SQLITE_FULL, IOERR, NOMEM) SQLite has already
     * rolled back a whole transaction: then no level is open any more. */
    if (sqlite3_get_autocommit(st->db) || sqlite3_get_autocommit(st->kdb)) {
        if (!sqlite3_get_autocommit(st->db))
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        if (!sqlite3_get_autocommit(st->kdb))
            sqlite3_exec(st->kdb, "ROLLBACK", NULL, NULL, NULL);
        st->depth = 0;
    }
}

static int
checkpoint_file(sqlite3 *db, const char *file)
{
    int log = 0, done = 0;
    int rc = sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_TRUNCATE, &log, &done);

    /* SQLite sets log and done to -1 when the checkpoint could not run at
     * all: say which of the three situations it was, never "-1 frames". */
    if (rc == SQLITE_BUSY && log < 0)
        return gdpr__err_set(GDPR_EBUSY,
                             "checkpoint of the %s could not start: another connection was "
                             "checkpointing or writing; retry when it has finished",
                             file);
    if ((rc == SQLITE_BUSY || rc == SQLITE_OK) && log > 0 && done >= 0 && done < log)
        return gdpr__err_set(GDPR_EBUSY,
                             "checkpoint of the %s: a reader's open snapshot kept %d of %d WAL "
                             "frames from being copied into the file; retry when it has finished",
                             file, log - done, log);
    if (rc == SQLITE_BUSY)
        return gdpr__err_set(GDPR_EBUSY,
                             "checkpoint of the %s: all %d WAL frames are in the file, but a "
                             "reader still has the WAL open, so it could not be emptied; retry "
                             "when it has finished",
                             file, log);
    if (rc != SQLITE_OK)
        return fail_on(db, rc, file);
    return GDPR_OK;
}

int
gdpr_sqlite__scrub(store *base)
{
    sqlite_store *st = (sqlite_store *)base;
    int rc, keys_rc;

    if (st->depth > 0)
        return gdpr__err_set(GDPR_ESTATE, "checkpoint: not inside a transaction");
    if (st->in_memory)
        return GDPR_OK;
    /* Try both even when the first is busy: each file's WAL is its own. */
    rc = checkpoint_file(st->db, "data file");
    keys_rc = checkpoint_file(st->kdb, "keystore");
    return rc != GDPR_OK ? rc : keys_rc;
}

/* One read transaction across many statements: in WAL mode SQLite takes
 * its read lock (a shared lock on a read mark of the -shm file, plus the
 * checks around it: about three system calls) once per transaction, so a
 * call that reads several times, or a caller that asks many questions,
 * pays it once. BEGIN is deferred: the snapshot is taken by the first
 * read, which here is the generation, data file first. */
int
gdpr_sqlite__read_begin(store *base, int both_files)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int64_t value = 0;
    int rc;

    if (st->depth > 0 || st->reading)
        return gdpr__err_set(GDPR_ESTATE, "store: a transaction is already open");
    gdpr_sqlite__end_stale(st);
    rc = gdpr_sqlite__sq_stmt(st, "BEGIN DEFERRED", &s);
    if (rc == GDPR_OK)
        rc = gdpr_sqlite__sq_step_done(st, s, "beginning a read");
    if (rc != GDPR_OK)
        return rc;
    st->reading = 1;
    rc = gdpr_sqlite__sq_stmt(st,
                              st->has_counters
                                  ? "SELECT value FROM main.counter WHERE name = 'generation'"
                                  : "PRAGMA main.schema_version",
                              &s);
    if (rc == GDPR_OK)
        rc = gdpr_sqlite__sq_one_int64(st, s, "beginning a read", &value);
    if (rc == GDPR_OK && st->has_counters)
        st->generation = (uint64_t)value;
    if (rc == GDPR_OK && both_files) {
        rc = gdpr_sqlite__sq_stmt_keys(st, "BEGIN DEFERRED", &s);
        if (rc == GDPR_OK)
            rc = gdpr_sqlite__sq_step_done(st, s, "beginning a read (keystore)");
        if (rc == GDPR_OK) {
            st->reading = 2;
            rc = gdpr_sqlite__sq_stmt_keys(st, "PRAGMA main.schema_version", &s);
        }
        if (rc == GDPR_OK)
            rc = gdpr_sqlite__sq_one_int64(st, s, "beginning a read (keystore)", &value);
    }
    if (rc != GDPR_OK)
        gdpr_sqlite__read_end(base);
    return rc;
}

void
gdpr_sqlite__read_end(store *base)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;

    if (!st->reading)
        return;
    /* Ending a read cannot lose anything; a failure leaves SQLite in a
     * transaction that end_stale closes before the next one. */
    if (gdpr_sqlite__sq_stmt(st, "COMMIT", &s) == GDPR_OK &&
        gdpr_sqlite__sq_step_done(st, s, "ending a read") != GDPR_OK)
        gdpr__err_clear();
    if (st->reading == 2 && gdpr_sqlite__sq_stmt_keys(st, "COMMIT", &s) == GDPR_OK &&
        gdpr_sqlite__sq_step_done(st, s, "ending a read (keystore)") != GDPR_OK)
        gdpr__err_clear();
    if (!sqlite3_get_autocommit(st->kdb))
        sqlite3_exec(st->kdb, "ROLLBACK", NULL, NULL, NULL);
    if (!sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    st->reading = 0;
}

int
gdpr_sqlite__depth(const store *base)
{
    const sqlite_store *st = (const sqlite_store *)base;
    return st->depth;
}
