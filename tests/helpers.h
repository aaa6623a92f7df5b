/*
 * Shared test fixtures: temporary stores, a movable clock, raw-file
 * forensics and a fingerprint of everything a store holds.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_TEST_HELPERS_H
#define GDPR_TEST_HELPERS_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "gdpr.h"

/* A test's own directory and store paths. */
typedef struct {
    char dir[256];
    char db[300];
    char keys[310];
    int64_t now; /* the clock tests move */
    gdpr_engine *eng;
} th_store;

extern const unsigned char th_key[32];
extern const gdpr_actor th_dpo;
extern const gdpr_actor th_agent;
extern const gdpr_actor th_system;

/* Make a directory and open a store in it with th_key and the example
 * policy loaded; ck_assert on any failure. */
void th_setup(th_store *ts);
/* Same without loading a policy. */
void th_setup_bare(th_store *ts);
/* Integrity check, close, remove the directory. */
void th_teardown(th_store *ts);
/* Close and reopen the engine (same key, same clock). */
void th_reopen(th_store *ts);
int th_open(th_store *ts, gdpr_engine **out);

int64_t th_clock(void *ctx);

/* The example policy document (examples/policy.json), malloc'd. */
char *th_read_file(const char *path, size_t *len_out);
const char *th_example_policy_path(void);

/* 1 if `needle` occurs in the file's raw bytes (missing file: 0). */
int th_file_contains(const char *path, const void *needle, size_t len);
/* 1 if needle occurs in the db, its -wal, -journal, keystore or its -wal. */
int th_store_files_contain(const th_store *ts, const void *needle, size_t len);

/* SHA-256 over every row of every table of both files, as hex: equal
 * fingerprints mean nothing changed. Read through a separate connection. */
void th_fingerprint(const th_store *ts, char out[65]);
/* The same digest; TH_DIGEST_SHAPE takes a BLOB's length instead of its
 * bytes and leaves out key serials and the store generation (for states
 * reached twice, with fresh random nonces and keys, or through a crash and
 * its recovery: check the generation moved separately). */
enum { TH_DIGEST_EXACT = 0, TH_DIGEST_SHAPE = 1 };
void th_digest(const th_store *ts, int mode, char out[65]);
/* The same digest leaving out the tables of a NULL-terminated list. */
void th_digest_without(const th_store *ts, int mode, const char *const *tables, char out[65]);

/* PRAGMA integrity_check on both files through a separate connection. */
void th_assert_integrity(const th_store *ts);

/* Raw SQLite access to a store file through a separate connection, for
 * checks below the API. th_raw_open: read-only, 5 s busy timeout. */
struct sqlite3;
struct sqlite3 *th_raw_open(const char *path);
/* The first column of the first row of `sql` (asserts there is a row). */
int64_t th_raw_int(const char *path, const char *sql);
/* Run `sql` read-write (5 s busy timeout), ck_assert it succeeded;
 * returns sqlite3_changes(). */
int th_raw_exec(const char *path, const char *sql);

/* Write `len` bytes to `path` (replacing it); ck_assert on failure. */
void th_write_file(const char *path, const void *data, size_t len);

/* Both files of a closed store, to start over from for every N. */
typedef struct {
    char *db, *keys;
    size_t db_len, keys_len;
} th_template;
/* Read both files (the engine must be closed: closing checkpoints). */
void th_template_take(const th_store *ts, th_template *t);
/* Remove the -wal/-shm/-journal files and write both files back. */
void th_template_restore(const th_store *ts, const th_template *t);
void th_template_free(th_template *t);

/* The example policy with the controller renamed (malloc'd): a policy
 * change every store accepts. */
char *th_changed_policy(void);

/* Audit callback: counts events whose action is "rekey" into (int *)ctx. */
int th_count_rekeys(const gdpr_audit_event *ev, void *ctx);

/* Open ts->db with another key, optionally a key callback and a busy
 * timeout (0: the default), on the test clock. */
int th_open_with(th_store *ts, const unsigned char *key, int (*key_cb)(unsigned char[32], void *),
                 int busy_timeout_ms, gdpr_engine **out);

/* A crash child (tests with fault-vfs.c): fork; the child installs the
 * VFS shim, opens the store, runs `prep` unarmed (failure: exit 4), exits
 * 1 when `run` is NULL, else arms a crash at the n-th write or sync, runs
 * it, disarms, closes the engine if `close` and exits 0 (GDPR_OK) or 3;
 * 2 when the open failed, 99 when the shim killed it. The parent asserts
 * the child exited (no signal) and returns its exit status. */
typedef struct {
    const char *name; /* for messages */
    int (*prep)(gdpr_engine *eng);
    int (*run)(gdpr_engine *eng);
    int close;
} th_crash_op;
int th_crash_fork(th_store *ts, long n, const th_crash_op *op);

/* Assert that rc equals want and that gdpr_errmsg() contains `fragment`. */
#define th_assert_err(rc, want, fragment)                                                          \
    do {                                                                                           \
        int rc_ = (rc);                                                                            \
        ck_assert_msg(rc_ == (want), "got %s, want %s (%s)", gdpr_strerror(rc_),                   \
                      gdpr_strerror(want), gdpr_errmsg());                                         \
        ck_assert_msg(strstr(gdpr_errmsg(), (fragment)) != NULL, "message '%s' lacks '%s'",        \
                      gdpr_errmsg(), (fragment));                                                  \
    } while (0)

#define th_ok(expr)                                                                                \
    do {                                                                                           \
        int rc_ = (expr);                                                                          \
        ck_assert_msg(rc_ == GDPR_OK, "%s: %s (%s)", #expr, gdpr_strerror(rc_), gdpr_errmsg());    \
    } while (0)

/* Run a suite; returns the process exit code. */
int th_run(Suite *s);

#endif
