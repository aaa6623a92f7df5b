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
    int on_pg; /* db is a PostgreSQL URI of a database made for this store */
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

/* Run a suite; returns the process exit code: 77 (meson's "skipped")
 * when every test of it was skipped on PostgreSQL, or when the suites run
 * on PostgreSQL and this build cannot (no libpq, no backend). */
int th_run(Suite *s);

/*
 * The backend. `meson test --setup=postgres` sets GDPR_TEST_BACKEND=postgres
 * and runs every suite under tests/pg/with-postgres, which exports
 * GDPR_TEST_PG_URI (and GDPR_TEST_PG_STANDBY_URI ...). th_setup then makes
 * a fresh database per store (CREATE DATABASE through libpq) and passes its
 * URI as the store path; th_teardown drops it. th_fingerprint and
 * th_digest read every table through libpq. The raw SQLite helpers
 * (th_raw_*, th_file_contains, th_store_files_contain, th_template_*,
 * th_crash_fork) refuse a PostgreSQL store: a test that needs them starts
 * with TH_SQLITE_ONLY("why"), which skips it on PostgreSQL, visibly (a
 * "SKIP" line per test and a count at the end of the suite).
 */
int th_on_postgres(void);
/* 1 when a whole suite reads SQLite files and the suites run on
 * PostgreSQL: prints the skip; main() then returns 77 before any test
 * makes a database for nothing. */
int th_sqlite_only_suite(const char *why);
/* 1 when the test should return now (PostgreSQL); prints the skip. */
int th_skip_sqlite_only(const char *test, const char *why);
#define TH_SQLITE_ONLY(why)                                                                        \
    do {                                                                                           \
        if (th_skip_sqlite_only(__func__, (why)))                                                  \
            return;                                                                                \
    } while (0)

/* PostgreSQL (GDPR_TEST_PG_URI set): a fresh, empty database on the test
 * cluster; its URI (same role and password) into uri[cap]. */
void th_pg_create_db(char *uri, size_t cap);
/* Drop the database of `uri` (WITH (FORCE): engines left open by a
 * forked child do not keep it). */
void th_pg_drop_db(const char *uri);
/* `uri` with its database replaced by `dbname` (same role, host, port and
 * query), into out[cap]. */
void th_pg_uri_with_db(const char *uri, const char *dbname, char *out, size_t cap);
/* The database name of `uri` (between its last '/' and any '?') into
 * out[cap]; ck_asserts it fits. */
void th_pg_db_name(const char *uri, char *out, size_t cap);
/* ck_assert the database of `uri` accepts a connection and a query. */
void th_pg_assert_alive(const char *uri);
/* Undo the schema step that names subjects by integer id in audit,
 * consent and consent_state (back to the 32-byte hash columns), for tests
 * that wind a store back to an earlier version: SQLite and PostgreSQL. */
#define TH_SQLITE_UNDO_SUBJECT_IDS                                                                 \
    "DROP INDEX audit_subject_id; ALTER TABLE audit DROP COLUMN subject_id;"                       \
    " CREATE INDEX audit_subject ON audit(subject) WHERE subject IS NOT NULL;"                     \
    " DROP TRIGGER consent_append_only; ALTER TABLE consent ADD COLUMN subject BLOB;"              \
    " UPDATE consent SET subject = (SELECT hash FROM subject WHERE id = consent.subject_id);"      \
    " DROP INDEX consent_subject_id; ALTER TABLE consent DROP COLUMN subject_id;"                  \
    " CREATE INDEX consent_subject ON consent(subject, id);"                                       \
    " CREATE TRIGGER consent_append_only BEFORE UPDATE ON consent"                                 \
    " BEGIN SELECT RAISE(ABORT, 'consent events are append-only'); END;"                           \
    " CREATE TABLE consent_state_old(subject BLOB NOT NULL, purpose TEXT NOT NULL,"                \
    " recipient TEXT NOT NULL, event INTEGER NOT NULL, at INTEGER NOT NULL,"                       \
    " state INTEGER NOT NULL, expires INTEGER NOT NULL, flags INTEGER NOT NULL, mac BLOB,"         \
    " PRIMARY KEY(subject, purpose, recipient)) WITHOUT ROWID;"                                    \
    " INSERT INTO consent_state_old SELECT (SELECT hash FROM subject WHERE id = c.subject_id),"    \
    " purpose, recipient, event, at, state, expires, flags, mac FROM consent_state c;"             \
    " DROP TABLE consent_state; ALTER TABLE consent_state_old RENAME TO consent_state;"
#define TH_PG_UNDO_SUBJECT_IDS                                                                     \
    "DROP INDEX gdpr.audit_subject_id; ALTER TABLE gdpr.audit DROP COLUMN subject_id;"             \
    " CREATE INDEX audit_subject ON gdpr.audit(subject) WHERE subject IS NOT NULL;"                \
    " ALTER TABLE gdpr.consent ADD COLUMN subject bytea;"                                          \
    " ALTER TABLE gdpr.consent DISABLE TRIGGER consent_append_only;"                               \
    " UPDATE gdpr.consent c SET subject = s.hash FROM gdpr.subject s WHERE s.id = c.subject_id;"   \
    " ALTER TABLE gdpr.consent ENABLE TRIGGER consent_append_only;"                                \
    " ALTER TABLE gdpr.consent DROP COLUMN subject_id;"                                            \
    " ALTER TABLE gdpr.consent ALTER COLUMN subject SET NOT NULL;"                                 \
    " CREATE INDEX consent_subject ON gdpr.consent(subject, id);"                                  \
    " ALTER TABLE gdpr.consent_state ADD COLUMN subject bytea;"                                    \
    " UPDATE gdpr.consent_state c SET subject = s.hash FROM gdpr.subject s"                        \
    " WHERE s.id = c.subject_id;"                                                                  \
    " ALTER TABLE gdpr.consent_state DROP COLUMN subject_id;"                                      \
    " ALTER TABLE gdpr.consent_state ALTER COLUMN subject SET NOT NULL;"                           \
    " ALTER TABLE gdpr.consent_state ADD PRIMARY KEY(subject, purpose, recipient);"
/* Undo the later schema step that names subjects by integer id in the
 * request register, the access log and the consent signals and conflicts
 * (back to the 32-byte hash columns; docs/decisions/0018): run before
 * TH_*_UNDO_SUBJECT_IDS when winding a store back past both. */
#define TH_SQLITE_UNDO_REGISTER_SUBJECT_IDS                                                        \
    "ALTER TABLE access_log ADD COLUMN subject BLOB;"                                              \
    " DROP INDEX request_subject_id; DROP INDEX request_unlinked;"                                 \
    " ALTER TABLE request DROP COLUMN subject_id;"                                                 \
    " CREATE INDEX request_subject ON request(subject, id) WHERE subject IS NOT NULL;"             \
    " UPDATE access_log SET subject = (SELECT hash FROM subject WHERE id = "                       \
    "access_log.subject_id);"                                                                      \
    " DROP INDEX access_log_subject_id; ALTER TABLE access_log DROP COLUMN subject_id;"            \
    " CREATE INDEX access_log_subject ON access_log(subject, id);"                                 \
    " DROP TRIGGER consent_signal_append_only; ALTER TABLE consent_signal ADD COLUMN subject "     \
    "BLOB;"                                                                                        \
    " UPDATE consent_signal SET subject ="                                                         \
    " (SELECT hash FROM subject WHERE id = consent_signal.subject_id);"                            \
    " DROP INDEX consent_signal_subject_id; ALTER TABLE consent_signal DROP COLUMN subject_id;"    \
    " CREATE INDEX consent_signal_subject ON consent_signal(subject, kind, at);"                   \
    " CREATE TRIGGER consent_signal_append_only BEFORE UPDATE ON consent_signal"                   \
    " BEGIN SELECT RAISE(ABORT, 'consent signals are append-only'); END;"                          \
    " DROP TRIGGER consent_conflict_append_only;"                                                  \
    " ALTER TABLE consent_conflict ADD COLUMN subject BLOB;"                                       \
    " UPDATE consent_conflict SET subject ="                                                       \
    " (SELECT hash FROM subject WHERE id = consent_conflict.subject_id);"                          \
    " DROP INDEX consent_conflict_subject_id; ALTER TABLE consent_conflict DROP COLUMN "           \
    "subject_id;"                                                                                  \
    " CREATE INDEX consent_conflict_subject ON consent_conflict(subject, id);"                     \
    " CREATE TRIGGER consent_conflict_append_only BEFORE UPDATE ON consent_conflict"               \
    " BEGIN SELECT RAISE(ABORT, 'consent conflicts are append-only'); END;"
#define TH_PG_UNDO_REGISTER_SUBJECT_IDS                                                            \
    "DROP INDEX gdpr.request_subject_id; DROP INDEX gdpr.request_unlinked;"                        \
    " ALTER TABLE gdpr.request DROP COLUMN subject_id;"                                            \
    " CREATE INDEX request_subject ON gdpr.request(subject, id) WHERE subject IS NOT NULL;"        \
    " ALTER TABLE gdpr.access_log ADD COLUMN subject bytea;"                                       \
    " UPDATE gdpr.access_log a SET subject = s.hash FROM gdpr.subject s WHERE s.id = "             \
    "a.subject_id;"                                                                                \
    " ALTER TABLE gdpr.access_log DROP COLUMN subject_id;"                                         \
    " ALTER TABLE gdpr.access_log ALTER COLUMN subject SET NOT NULL;"                              \
    " CREATE INDEX access_log_subject ON gdpr.access_log(subject, id);"                            \
    " ALTER TABLE gdpr.consent_signal ADD COLUMN subject bytea;"                                   \
    " ALTER TABLE gdpr.consent_signal DISABLE TRIGGER consent_signal_append_only;"                 \
    " UPDATE gdpr.consent_signal c SET subject = s.hash FROM gdpr.subject s"                       \
    " WHERE s.id = c.subject_id;"                                                                  \
    " ALTER TABLE gdpr.consent_signal ENABLE TRIGGER consent_signal_append_only;"                  \
    " ALTER TABLE gdpr.consent_signal DROP COLUMN subject_id;"                                     \
    " ALTER TABLE gdpr.consent_signal ALTER COLUMN subject SET NOT NULL;"                          \
    " CREATE INDEX consent_signal_subject ON gdpr.consent_signal(subject, kind, at);"              \
    " ALTER TABLE gdpr.consent_conflict ADD COLUMN subject bytea;"                                 \
    " ALTER TABLE gdpr.consent_conflict DISABLE TRIGGER consent_conflict_append_only;"             \
    " UPDATE gdpr.consent_conflict c SET subject = s.hash FROM gdpr.subject s"                     \
    " WHERE s.id = c.subject_id;"                                                                  \
    " ALTER TABLE gdpr.consent_conflict ENABLE TRIGGER consent_conflict_append_only;"              \
    " ALTER TABLE gdpr.consent_conflict DROP COLUMN subject_id;"                                   \
    " ALTER TABLE gdpr.consent_conflict ALTER COLUMN subject SET NOT NULL;"                        \
    " CREATE INDEX consent_conflict_subject ON gdpr.consent_conflict(subject, id);"
/* Undo the schema step that names subjects by integer id in the vault,
 * identities, retention anchors, disclosures and the transfer log (back
 * to the hash columns and indexes), for tests that wind a store back to
 * an earlier version; before TH_*_UNDO_SUBJECT_IDS when both are undone. */
#define TH_SQLITE_UNDO_RECORD_SUBJECT_IDS                                                          \
    "CREATE TABLE vault_old(id INTEGER PRIMARY KEY, subject BLOB NOT NULL,"                        \
    " category TEXT NOT NULL, purpose TEXT NOT NULL, field TEXT, source TEXT,"                     \
    " collected INTEGER NOT NULL, updated INTEGER NOT NULL, anchor INTEGER, due INTEGER,"          \
    " special INTEGER NOT NULL DEFAULT 0, value BLOB NOT NULL);"                                   \
    " INSERT INTO vault_old SELECT id, (SELECT hash FROM subject WHERE id = v.subject_id),"        \
    " category, purpose, field, source, collected, updated, anchor, due, special, value"           \
    " FROM vault v; DROP TABLE vault; ALTER TABLE vault_old RENAME TO vault;"                      \
    " CREATE INDEX vault_subject ON vault(subject, id);"                                           \
    " CREATE INDEX vault_due ON vault(due) WHERE due IS NOT NULL;"                                 \
    " CREATE TABLE identity_old(id INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE,"                \
    " subject BLOB NOT NULL, kind TEXT NOT NULL, created INTEGER NOT NULL,"                        \
    " value BLOB NOT NULL, mac BLOB);"                                                             \
    " INSERT INTO identity_old SELECT id, hash, (SELECT hash FROM subject s"                       \
    " WHERE s.id = i.subject_id), kind, created, value, mac FROM identity i;"                      \
    " DROP TABLE identity; ALTER TABLE identity_old RENAME TO identity;"                           \
    " CREATE INDEX identity_subject ON identity(subject, id);"                                     \
    " CREATE TABLE retention_anchor_old(subject BLOB NOT NULL, kind INTEGER NOT NULL,"             \
    " purpose TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY(subject, kind, purpose))"            \
    " WITHOUT ROWID; INSERT INTO retention_anchor_old SELECT (SELECT hash FROM subject"            \
    " WHERE id = a.subject_id), kind, purpose, at FROM retention_anchor a;"                        \
    " DROP TABLE retention_anchor;"                                                                \
    " ALTER TABLE retention_anchor_old RENAME TO retention_anchor;"                                \
    " DROP INDEX disclosure_subject_id; ALTER TABLE disclosure DROP COLUMN subject_id;"            \
    " CREATE INDEX disclosure_subject ON disclosure(subject, id);"                                 \
    " DROP INDEX transfer_subject_id; ALTER TABLE transfer DROP COLUMN subject_id;"                \
    " CREATE INDEX transfer_subject ON transfer(subject, id);"
#define TH_PG_UNDO_RECORD_SUBJECT_IDS                                                              \
    "ALTER TABLE gdpr.vault ADD COLUMN subject bytea;"                                             \
    " UPDATE gdpr.vault v SET subject = s.hash FROM gdpr.subject s WHERE s.id = v.subject_id;"     \
    " ALTER TABLE gdpr.vault DROP COLUMN subject_id;"                                              \
    " ALTER TABLE gdpr.vault ALTER COLUMN subject SET NOT NULL;"                                   \
    " CREATE INDEX vault_subject ON gdpr.vault(subject, id);"                                      \
    " ALTER TABLE gdpr.identity ADD COLUMN subject bytea;"                                         \
    " UPDATE gdpr.identity i SET subject = s.hash FROM gdpr.subject s WHERE s.id = i.subject_id;"  \
    " ALTER TABLE gdpr.identity DROP COLUMN subject_id;"                                           \
    " ALTER TABLE gdpr.identity ALTER COLUMN subject SET NOT NULL;"                                \
    " CREATE INDEX identity_subject ON gdpr.identity(subject, id);"                                \
    " ALTER TABLE gdpr.retention_anchor ADD COLUMN subject bytea;"                                 \
    " UPDATE gdpr.retention_anchor a SET subject = s.hash FROM gdpr.subject s"                     \
    " WHERE s.id = a.subject_id;"                                                                  \
    " ALTER TABLE gdpr.retention_anchor DROP COLUMN subject_id;"                                   \
    " ALTER TABLE gdpr.retention_anchor ALTER COLUMN subject SET NOT NULL;"                        \
    " ALTER TABLE gdpr.retention_anchor ADD PRIMARY KEY(subject, kind, purpose);"                  \
    " ALTER TABLE gdpr.disclosure DROP COLUMN subject_id;"                                         \
    " CREATE INDEX disclosure_subject ON gdpr.disclosure(subject, id);"                            \
    " ALTER TABLE gdpr.transfer DROP COLUMN subject_id;"                                           \
    " CREATE INDEX transfer_subject ON gdpr.transfer(subject, id);"
/* Run `sql` (one or more statements, as a tester editing the database by
 * hand) on the database of `uri`: the rows the last one changed. */
int64_t th_pg_exec(const char *uri, const char *sql);
/* Like th_pg_exec, but a failure is an answer: 0 when `sql` ran, else -1
 * with PostgreSQL's message in err[cap]. */
int th_pg_try(const char *uri, const char *sql, char *err, size_t cap);
/* The first column of the one row `sql` answers, as an integer. */
int64_t th_pg_int(const char *uri, const char *sql);

#endif
