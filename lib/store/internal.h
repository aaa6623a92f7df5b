/*
 * Internal to lib/store: the connection, the statement cache, errors.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_STORE_INTERNAL_H
#define GDPR_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store/store.h"

/* Prepared statements are cached by the address of their SQL text: each
 * statement is a string constant at one place in lib/store/, so the
 * address names it without a central list of ids. */
#define STORE_STMT_SLOTS 256

typedef struct {
    const char *sql;
    sqlite3_stmt *stmt;
} store_cached_stmt;

struct store {
    sqlite3 *db;
    int depth;                   /* transaction nesting */
    int in_memory;
    store_cached_stmt cache[STORE_STMT_SLOTS];
};

/* The cached statement for `sql` (a string constant), ready to bind.
 * Callers reset it when done (store_step_done does). */
int store_stmt(store *st, const char *sql, sqlite3_stmt **out);

/* Run SQL without results (schema, pragmas). */
int store_exec(store *st, const char *sql);

/* Map a SQLite result code to a GDPR code, copying SQLite's message now
 * (it is overwritten by the next call). */
int store_fail(store *st, int sqlite_rc, const char *what);

/* Step a statement that returns no row; resets it. */
int store_step_done(store *st, sqlite3_stmt *s, const char *what);

#endif
