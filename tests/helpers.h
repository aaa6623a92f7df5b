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
 * bytes (for states reached twice with fresh random nonces and keys). */
enum { TH_DIGEST_EXACT = 0, TH_DIGEST_SHAPE = 1 };
void th_digest(const th_store *ts, int mode, char out[65]);
/* The same digest leaving out the tables of a NULL-terminated list. */
void th_digest_without(const th_store *ts, int mode, const char *const *tables, char out[65]);

/* PRAGMA integrity_check on both files through a separate connection. */
void th_assert_integrity(const th_store *ts);

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
