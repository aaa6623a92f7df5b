/*
 * The one entry point for test hooks (STYLE.md "Test hooks through one
 * entry point", as SQLite's sqlite3_test_control): tests set a whole
 * gdpr__test_hooks with gdpr__test_hooks_set() and the library reads it
 * through the functions below. Production code has no writable test
 * globals of its own, and with nothing set every hook is inert. Not
 * thread-safe: tests set hooks while no other thread runs libgdpr.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_UTIL_TESTHOOK_H
#define GDPR_UTIL_TESTHOOK_H

/* Places where a test can make the library fail on purpose. */
typedef enum {
    /* lib/retention: a sweep batch fails just before its commit
     * (GDPR_ESTORAGE "test hook: ..."); counts batches. */
    GDPR__TEST_FAIL_RETENTION_BATCH = 0,
    GDPR__TEST_FAIL_POINTS
} gdpr__test_fail_point;

typedef struct {
    /* The schema version a new store is created at (lib/core/engine.c);
     * 0: the latest. Tests build older stores to prove the migrations. */
    int schema_create_version;
    /* Fail the n-th time a point is reached from now on, counting down to
     * 0 (0: never). gdpr__test_hooks_get() shows what is left. */
    long fail_at[GDPR__TEST_FAIL_POINTS];
    /* lib/store/sqlite: called between the keystore commit and the data
     * commit of an outermost transaction, to run another engine's read in
     * that window; NULL: none. */
    void (*between_commits)(void *ctx);
    void *between_commits_ctx;
    /* lib/store/postgres: called before each statement of the statement
     * wrapper (gdpr_pg__run), before it is prepared or sent, so a test can
     * kill the session or restart the server there; an answer other than 0
     * makes the statement fail as if libpq had returned no result
     * (PQexecPrepared NULL). NULL: none. */
    int (*before_statement)(void *ctx);
    void *before_statement_ctx;
} gdpr__test_hooks;

/* Replace every hook at once; NULL clears them all. */
void gdpr__test_hooks_set(const gdpr__test_hooks *hooks);
/* A copy of the hooks in force (a countdown as far as it got). */
void gdpr__test_hooks_get(gdpr__test_hooks *out);

/* For the library: */
int gdpr__test_schema_create_version(void);
/* 1 when this passage of `point` is the one to fail (counts it down). */
int gdpr__test_fail_now(gdpr__test_fail_point point);
/* Runs the between-commits hook, if any. */
void gdpr__test_between_commits(void);
/* Runs the before-statement hook, if any: 1 when the statement is to fail. */
int gdpr__test_before_statement(void);

#endif
