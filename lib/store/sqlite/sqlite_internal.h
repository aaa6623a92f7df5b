/*
 * Internal to lib/store: the connection, the statement cache, errors.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_STORE_INTERNAL_H
#define GDPR_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store.h"

/* Prepared statements are cached by the address of their SQL text: each
 * statement is a string constant at one place in lib/store/, so the
 * address names it without a central list of ids. */
#define STORE_STMT_SLOTS 256
#define STORE_TX_LEVELS 8

typedef struct {
    const char *sql;
    sqlite3 *db;       /* identical literals may be merged: key on both */
    sqlite3_stmt *stmt;
} store_cached_stmt;

/* Two connections, one per file, so that the store decides the order in
 * which the files commit: the keystore first, then the data file
 * (docs/decisions/0003-two-files.md). An ATTACHed keystore would commit
 * after the main file, the wrong way round. */
struct store {
    sqlite3 *db;                 /* data file: tables in "main" */
    sqlite3 *kdb;                /* keystore file */
    int depth;                   /* transaction nesting */
    /* Keys written in the open transaction, to take back if the keystore
     * commit succeeds and the data file's then fails. */
    uint8_t (*new_keys)[CRYPTO_HASH_BYTES];
    size_t n_new_keys, cap_new_keys;
    /* Keys of a transaction whose data commit failed, not yet taken back
     * (retried at the next transaction and at close). */
    uint8_t (*orphan_keys)[CRYPTO_HASH_BYTES];
    size_t n_orphan_keys;
    int in_memory;
    store_cached_stmt cache[STORE_STMT_SLOTS];
    /* Prepared BEGIN/COMMIT/SAVEPOINT/RELEASE per connection and level:
     * parsing them on every call cost more than the call's own work. */
    sqlite3_stmt *tx_stmt[2][4][STORE_TX_LEVELS];
    /* The audit chain's tail, valid while this connection holds the write
     * lock (no one else can append): saves a query per audited call. */
    int audit_tail_valid;
    int64_t audit_tail_seq;
    uint8_t audit_tail_mac[CRYPTO_HASH_BYTES];
};

/* The cached statement for `sql` (a string constant), ready to bind.
 * Callers reset it when done (store_step_done does). */
int store_stmt(store *st, const char *sql, sqlite3_stmt **out);
/* The same on the keystore connection. */
int store_stmt_keys(store *st, const char *sql, sqlite3_stmt **out);

/* Run SQL without results (schema, pragmas), on the data file or the
 * keystore. */
int store_exec(store *st, const char *sql);
int store_exec_keys(store *st, const char *sql);
int store_schema_version_keys(store *st, int *version_out);

/* Map a SQLite result code to a GDPR code, copying SQLite's message now
 * (it is overwritten by the next call). */
int store_fail(store *st, int sqlite_rc, const char *what);
/* The same for a failure on the keystore connection. */
int store_fail_keys(store *st, int sqlite_rc, const char *what);

/* Row helpers (lib/store/rows.c). */
void store_reset(sqlite3_stmt *s);                     /* reset and unbind */
void store_bind_hash(sqlite3_stmt *s, int col, const uint8_t hash[CRYPTO_HASH_BYTES]);
void store_bind_text_or_null(sqlite3_stmt *s, int col, const char *text);
void store_bind_blob_or_null(sqlite3_stmt *s, int col, const uint8_t *blob, size_t len);
const char *store_text_or_empty(sqlite3_stmt *s, int col);
/* An iterator callback's non-zero: a negative GDPR code passes through,
 * anything else becomes GDPR_ECALLBACK naming where it stopped. */
int store_stopped(int stop, const char *what, int64_t id);
/* Step a statement answering one integer (next id, count) and reset it. */
int store_one_int64(store *st, sqlite3_stmt *s, const char *what, int64_t *out);

/* Step a statement that returns no row; resets it. Works for statements of
 * either connection. */
int store_step_done(store *st, sqlite3_stmt *s, const char *what);

#endif
