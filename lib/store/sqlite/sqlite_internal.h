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

/* Each connection's page cache (KiB, as PRAGMA cache_size takes it
 * negated) and memory-map window (bytes): sqlite.c sets them, and the
 * benchmarks' floors open the same file with the same values. SQLite maps
 * no more than the file (and remaps as it grows), so the window is the
 * largest SQLite's Linux builds allow (SQLITE_MAX_MMAP_SIZE, 0x7fff0000;
 * a smaller build limit caps it silently): a store up to 2 GiB is read
 * without a pread() or a copy per page. With 256 MiB a check at 1,000,000
 * subjects (a 1.3 GB file) read most pages through pread() into the page
 * cache, which they then left again (decision 0019). */
#define STORE_SQLITE_CACHE_KIB 65536
#define STORE_SQLITE_MMAP_BYTES 2147418112LL

typedef struct {
    const char *sql;
    sqlite3 *db; /* identical literals may be merged: key on both */
    sqlite3_stmt *stmt;
} store_cached_stmt;

/* Two connections, one per file, so that the store decides the order in
 * which the files commit: the keystore first, then the data file
 * (docs/decisions/0003-two-files.md). An ATTACHed keystore would commit
 * after the main file, the wrong way round. `base` comes first: the front
 * (lib/store/store.c) sees only it, and every operation below turns its
 * `store *` back into this struct. */
/* What gdpr_sqlite__private_file made: the file itself (O_EXCL), and which
 * of its -wal, -shm, -journal were there before it. */
typedef struct {
    int file;
    int companion_existed[3];
} sq_created;

typedef struct sqlite_store {
    store base;   /* base.ops = &gdpr_store__sqlite_ops */
    sqlite3 *db;  /* data file: tables in "main" */
    sqlite3 *kdb; /* keystore file */
    int depth;    /* transaction nesting */
    int in_memory;
    int read_only; /* opts.read_only: deferred BEGIN, writes refused (query_only) */
    store_cached_stmt cache[STORE_STMT_SLOTS];
    /* Prepared BEGIN/COMMIT/SAVEPOINT/RELEASE per connection and level:
     * parsing them on every call cost more than the call's own work. */
    sqlite3_stmt *tx_stmt[2][4][STORE_TX_LEVELS];
    /* The audit chain's tail, valid while this connection holds the write
     * lock (no one else can append): saves a query per audited call. */
    int audit_tail_valid;
    int64_t audit_tail_seq;
    uint8_t audit_tail_mac[CRYPTO_HASH_BYTES];
    /* The subject last found or created by hash in this write transaction
     * (id 0: none): rows that name a subject by its id (schema 26) take it
     * without another descent of subject(hash). Forgotten with the audit
     * tail (any rollback, the end of the transaction) and when a subject
     * row is deleted. */
    int64_t subject_cache_id;
    uint8_t subject_cache_hash[CRYPTO_HASH_BYTES];
    /* The key row just written by key_put (its serial, drawn in memory):
     * the serial read that follows in a subject's creation is answered
     * from here. Cleared by every other write to subject_key, by any
     * rollback and at the end of the transaction. */
    int key_memo_valid;
    uint8_t key_memo_hash[CRYPTO_HASH_BYTES];
    int64_t key_memo_serial;
    /* main.counter exists (schema 9 on): ids and the generation. */
    int has_counters;
    /* Schema 12 on: keystore counters, key generations and serials. */
    int has_key_counters;
    uint64_t generation;      /* read at the outermost begin (seq.c) */
    int64_t changes_at_begin; /* rows written by both connections then */
    /* A failed first open removes the files it created (at close). */
    char *path, *keystore_path;
    sq_created created_data, created_keys;
    int discard;
    /* Levels without a savepoint (gdpr_sqlite__begin_unguarded): bit
     * d-1 set when level d is one; `unguarded_mark[d-1]` is the number of
     * rows both connections had changed when it began. */
    uint32_t unguarded;
    int64_t unguarded_mark[STORE_TX_LEVELS];
    /* A read transaction is open (gdpr_sqlite__read_begin): 1 on the data
     * file, 2 on both files. */
    int reading;
    /* Ids handed out from memory while this connection holds the write
     * lock (seq.c): each sequence is read from main.counter on its first
     * use in an outermost transaction and written back once before the
     * commit. `seq_saved[k]` is the state when savepoint s<k> began, put
     * back when it is rolled back. */
    int64_t seq_value[STORE_SEQ_COUNT];
    uint32_t seq_loaded, seq_dirty;
    struct {
        int64_t value[STORE_SEQ_COUNT];
        uint32_t loaded, dirty;
    } seq_saved[STORE_TX_LEVELS];
} sqlite_store;

/* The cached statement for `sql` (a string constant), ready to bind.
 * Callers reset it when done (gdpr_sqlite__sq_step_done does). */
int gdpr_sqlite__sq_stmt(sqlite_store *st, const char *sql, sqlite3_stmt **out);
/* The same on the keystore connection. */
int gdpr_sqlite__sq_stmt_keys(sqlite_store *st, const char *sql, sqlite3_stmt **out);

/* Run SQL without results (schema, pragmas), on the data file or the
 * keystore. */
int gdpr_sqlite__sq_exec(sqlite_store *st, const char *sql);
int gdpr_sqlite__sq_exec_keys(sqlite_store *st, const char *sql);

/* Map a SQLite result code to a GDPR code, copying SQLite's message now
 * (it is overwritten by the next call). */
int gdpr_sqlite__sq_fail(sqlite_store *st, int sqlite_rc, const char *what);
/* The same for a failure on the keystore connection. */
int gdpr_sqlite__sq_fail_keys(sqlite_store *st, int sqlite_rc, const char *what);

/* Row helpers (lib/store/rows.c). */
void gdpr_sqlite__sq_reset(sqlite3_stmt *s); /* reset and unbind */
void gdpr_sqlite__sq_bind_hash(sqlite3_stmt *s, int col, const uint8_t hash[CRYPTO_HASH_BYTES]);
void gdpr_sqlite__sq_bind_text_or_null(sqlite3_stmt *s, int col, const char *text);
void gdpr_sqlite__sq_bind_blob_or_null(sqlite3_stmt *s, int col, const uint8_t *blob, size_t len);
const char *gdpr_sqlite__sq_text_or_empty(sqlite3_stmt *s, int col);
/* An iterator callback's answer: 0 is GDPR_OK, a negative GDPR code passes
 * through, anything else becomes GDPR_ECALLBACK naming where it stopped. */
int gdpr_sqlite__sq_stopped(int stop, const char *what, int64_t id);
/* Step a statement answering one integer (next id, count) and reset it. */
int gdpr_sqlite__sq_one_int64(sqlite_store *st, sqlite3_stmt *s, const char *what, int64_t *out);

/* Reads the row a statement stands on and hands it on (to the caller's
 * callback, or into `ctx`): GDPR_OK to go on, a GDPR code to stop with. */
typedef int (*sq_row_fn)(sqlite3_stmt *s, void *ctx);
/* A row reader for the common single answer: column 0 into *(int64_t *)ctx. */
int gdpr_sqlite__sq_read_int64(sqlite3_stmt *s, void *ctx);
/* The id of the subject remembered in this write transaction if its hash
 * is `hash`, else 0; bound to column `col` (NULL when not remembered: the
 * statement then finds it with coalesce(?col, (SELECT id ... hash))). */
int64_t gdpr_sqlite__subject_cached(const sqlite_store *st, const uint8_t *hash);
void gdpr_sqlite__sq_bind_subject_cached(const sqlite_store *st, sqlite3_stmt *s, int col,
                                         const uint8_t *hash);
/* Tables naming their subject by integer id (docs/decisions/0016, 0017, 0018):
 * the id of the hash bound as ?n; that id or the one remembered in this
 * write transaction, bound as ?c (gdpr_sqlite__sq_bind_subject_cached);
 * the hash of the id in column `col`, which row MACs cover. */
#define SQ_SUBJECT_ID(n) "(SELECT id FROM main.subject WHERE hash=?" n ")"
/* The same for ?1, the usual place of the hash. */
#define SQ_SUBJECT_ID_1 SQ_SUBJECT_ID("1")
#define SQ_SUBJECT_ID_CACHED(c, n) "coalesce(?" c ", " SQ_SUBJECT_ID(n) ")"
#define SQ_SUBJECT_HASH_OF(col) "(SELECT hash FROM main.subject WHERE id=" col ")"
/* A key serial, which a row may not have (column NULL: has is 0). */
typedef struct {
    int64_t serial;
    int has;
} sq_serial;
/* A row reader for a key serial: column 0 into *(sq_serial *)ctx. */
int gdpr_sqlite__sq_read_serial(sqlite3_stmt *s, void *ctx);

/* A statement of its own for `sql` on the data file, not the cached one:
 * what iterates with it calls back into code that may use the store (and
 * its cached statements) meanwhile. A failure is reported as `what`. Ended
 * by gdpr_sqlite__sq_rows(..., SQ_OWN, ...). */
int gdpr_sqlite__sq_prepare(sqlite_store *st, const char *sql, const char *what,
                            sqlite3_stmt **out);

/* A statement to iterate `sql` with: the cached one, or, when that one is
 * mid-iteration already (a callback re-entered the store with the same
 * walk), one of its own as gdpr_sqlite__sq_prepare gives. *own says how
 * gdpr_sqlite__sq_rows must end it. Preparing costs more than a short walk
 * (about 80,000 instructions: an export or an erasure makes several). */
int gdpr_sqlite__sq_cursor(sqlite_store *st, const char *sql, sqlite3_stmt **out, int *own);

/* How gdpr_sqlite__sq_rows ends a statement: finalized (one of our own,
 * from gdpr_sqlite__sq_prepare) or reset and unbound (a cached one). */
#define SQ_CACHED 0
#define SQ_OWN 1

/* Step `s` to its end, handing each row to `row`; the first answer other
 * than GDPR_OK stops the walk and is returned. A step failure is reported
 * as `what` (on the statement's connection). `s` is ended as `own` says,
 * whatever happened. */
int gdpr_sqlite__sq_rows(sqlite_store *st, sqlite3_stmt *s, int own, const char *what,
                         sq_row_fn row, void *ctx);

/* The common walk: a statement of our own for `sql` (gdpr_sqlite__sq_prepare),
 * its ?1 (if it has one) bound to `arg` (an id, a cursor, a time), every
 * row to `row` (gdpr_sqlite__sq_rows); failures reported as `what`. */
int gdpr_sqlite__sq_each(sqlite_store *st, const char *sql, int64_t arg, const char *what,
                         sq_row_fn row, void *ctx);

/* Run the `n` cached statements `sql` in order, each with ?1 bound to
 * `hash`, up to the first failure (reported as `what`); *changed_out (if
 * not NULL) gets the rows they changed together, on success only. */
int gdpr_sqlite__sq_run_hash(sqlite_store *st, const char *const *sql, size_t n,
                             const uint8_t hash[CRYPTO_HASH_BYTES], const char *what,
                             int64_t *changed_out);

/* Append a versioned document (the policy, an adequacy list): `sql` inserts
 * (loaded_at, actor, sha256, document) as ?1..?4; *version_out (if not
 * NULL) gets the new version (the rowid). */
int gdpr_sqlite__sq_document_insert(sqlite_store *st, const char *sql, int64_t at,
                                    const char *actor, const uint8_t sha256[CRYPTO_HASH_BYTES],
                                    const char *document, const char *what, int64_t *version_out);

/* What gdpr_sqlite__sq_row answers for "no row" when the caller wants to
 * say so itself: positive, so neither a GDPR code nor a row reader's answer
 * can be taken for it. */
#define SQ_NO_ROW 1

/* Step a cached statement for at most one row: the answer of `row` when
 * there is one, `none` when there is none (GDPR_ENOTFOUND, GDPR_OK, or
 * SQ_NO_ROW), a step failure reported as `what` (on the statement's
 * connection). Resets and unbinds `s` in every case. */
int gdpr_sqlite__sq_row(sqlite_store *st, sqlite3_stmt *s, const char *what, int none,
                        sq_row_fn row, void *ctx);

/* Step a statement that returns no row; resets it. Works for statements of
 * either connection. */
int gdpr_sqlite__sq_step_done(sqlite_store *st, sqlite3_stmt *s, const char *what);

/* Ids and the generation (seq.c). gdpr_sqlite__sq_next_id allocates in the open
 * transaction; gdpr_sqlite__sq_generation_begin/gdpr_sqlite__sq_generation_bump are called by the
 * outermost begin and commit. */
int gdpr_sqlite__sq_next_id(sqlite_store *st, store_seq which, int64_t *id_out);
int gdpr_sqlite__sq_generation_begin(sqlite_store *st);
int gdpr_sqlite__sq_generation_bump(sqlite_store *st);
/* The in-memory id sequences follow the transaction levels: called after
 * an outermost begin (forget everything: another process may have written
 * since), after savepoint s<level> began (remember), before the outermost
 * commit (write back what was handed out) and after savepoint s<level>
 * or the whole transaction (level 0) was rolled back. */
void gdpr_sqlite__sq_seq_reset(sqlite_store *st);
int gdpr_sqlite__sq_seq_savepoint(sqlite_store *st, int level);
int gdpr_sqlite__sq_seq_flush(sqlite_store *st);
void gdpr_sqlite__sq_seq_rolled_back(sqlite_store *st, int level);
/* The schema version from which main.counter exists. */
#define SQ_COUNTERS_VERSION 9
/* The schema version from which the keystore has counters (key epoch,
 * serials, master-key generation) and key rows their generation. */
#define SQ_KEY_COUNTERS_VERSION 12

/* The operations, one per member of store_ops (lib/store/store.h gives
 * their meaning), gathered into gdpr_store__sqlite_ops by ops.c. Reached only
 * through that table. */
/* The key life cycle (keys.c): raise the key epoch (after a key
 * deletion), hand out a key serial, and take back orphaned keys (called by
 * the outermost begin, after the generation is read). */
int gdpr_sqlite__sq_key_epoch_bump(sqlite_store *st);
int gdpr_sqlite__sq_key_serial_next(sqlite_store *st, int64_t *serial_out);
int gdpr_sqlite__sq_keys_repair(sqlite_store *st);

/* Create `path` 0600 if missing, narrow it and its -wal/-shm/-journal to
 * 0600 if wider (lib/store/sqlite/private_file.c). ":memory:" is skipped.
 * *created says what this call made. */
int gdpr_sqlite__private_file(const char *path, const char *what, sq_created *created);
/* Remove what gdpr_sqlite__private_file made (nothing that was there). */
void gdpr_sqlite__remove_created(const char *path, const sq_created *created);
void gdpr_sqlite__discard(store *st);
int gdpr_sqlite__open(store **out, const store_config *cfg, int *is_new);
int gdpr_sqlite__schema_latest(void);
void gdpr_sqlite__close(store *st);
int gdpr_sqlite__migrate(store *st, int target);
int gdpr_sqlite__schema_version(store *st, int *version_out);
int gdpr_sqlite__begin(store *st);
int gdpr_sqlite__commit(store *st);
void gdpr_sqlite__rollback(store *st);
/* End a transaction a failed ROLLBACK left open (outside our own). */
void gdpr_sqlite__end_stale(sqlite_store *st);
int gdpr_sqlite__depth(const store *st);
int gdpr_sqlite__read_begin(store *st, int both_files);
int gdpr_sqlite__begin_unguarded(store *st);
void gdpr_sqlite__read_end(store *st);
int gdpr_sqlite__next_id(store *st, store_seq which, int64_t *id_out);
int gdpr_sqlite__generation(store *st, uint64_t *generation_out);
int gdpr_sqlite__meta_get(store *st, store_file f, const char *name, void *buf, size_t cap,
                          size_t *len_out);
int gdpr_sqlite__meta_put(store *st, store_file f, const char *name, const void *value, size_t len);
int gdpr_sqlite__subject_find(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int64_t *id_out);
int gdpr_sqlite__subject_insert(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                                const uint8_t *ident, size_t ident_len, int64_t created,
                                int64_t *id_out);
int gdpr_sqlite__key_put(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                         const uint8_t wrapped[CRYPTO_WRAPPED_BYTES]);
int gdpr_sqlite__key_serial(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                            uint8_t wrapped[CRYPTO_WRAPPED_BYTES], int64_t *serial_out);
int gdpr_sqlite__key_get(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                         uint8_t wrapped[CRYPTO_WRAPPED_BYTES]);
int gdpr_sqlite__key_rewrap_all(store *st, store_rewrap_fn fn, void *ctx, int64_t *count_out);
int gdpr_sqlite__audit_tail(store *st, int64_t *seq_out, uint8_t mac_out[CRYPTO_HASH_BYTES]);
int gdpr_sqlite__audit_insert(store *st, const store_audit_row *row);
int gdpr_sqlite__audit_foreach(store *st, int64_t from_seq, store_audit_fn fn, void *ctx);
int gdpr_sqlite__policy_insert(store *st, int64_t at, const char *actor,
                               const uint8_t sha256[CRYPTO_HASH_BYTES], const char *document,
                               int64_t *version_out);
int gdpr_sqlite__policy_latest(store *st, int64_t *version_out,
                               uint8_t sha256_out[CRYPTO_HASH_BYTES], char **document_out);
int gdpr_sqlite__policy_get(store *st, int64_t version, char **document_out);
int gdpr_sqlite__identity_find(store *st, const uint8_t ident_hash[CRYPTO_HASH_BYTES],
                               uint8_t subject_hash_out[CRYPTO_HASH_BYTES]);
int gdpr_sqlite__identity_insert(store *st, int64_t id, const uint8_t ident_hash[CRYPTO_HASH_BYTES],
                                 const uint8_t subject_hash[CRYPTO_HASH_BYTES], const char *kind,
                                 const uint8_t *sealed, size_t sealed_len, int64_t created);
int gdpr_sqlite__identity_foreach(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                  int (*fn)(const store_identity_row *row, void *ctx), void *ctx);
int gdpr_sqlite__identity_delete_subject(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                         int64_t *count_out);
int gdpr_sqlite__subject_ident(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], uint8_t *buf,
                               size_t cap, size_t *len_out);
int gdpr_sqlite__vault_insert(store *st, const store_vault_row *row);
int gdpr_sqlite__vault_get(store *st, int64_t id, store_vault_fn fn, void *ctx);
int gdpr_sqlite__vault_foreach(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                               store_vault_fn fn, void *ctx);
int gdpr_sqlite__vault_update_value(store *st, int64_t id, const uint8_t *sealed, size_t sealed_len,
                                    int64_t updated);
int gdpr_sqlite__vault_delete(store *st, int64_t id);
int gdpr_sqlite__vault_groups(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                              store_vault_group_fn fn, void *ctx);
int gdpr_sqlite__vault_delete_subject(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                      int64_t *count_out);
int gdpr_sqlite__scrub(store *st);
int gdpr_sqlite__consent_explicit_recipient(store *st,
                                            const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                            const char *recipient, int64_t at, int *found_out);
int gdpr_sqlite__consent_foreach(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                 int (*fn)(const store_consent_row *row, void *ctx), void *ctx);
int gdpr_sqlite__consent_append(store *st, const store_consent_row *row, int64_t *id_out);
int gdpr_sqlite__consent_get(store *st, int64_t id,
                             int (*fn)(const store_consent_row *row, void *ctx), void *ctx);
int gdpr_sqlite__consent_state_at(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                  const char *purpose, const char *recipient, int64_t at,
                                  store_consent_state *out);
int gdpr_sqlite__consent_delete_subject(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                        int64_t *count_out);
int gdpr_sqlite__disclosure_foreach(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                    int (*fn)(const store_disclosure_row *row, void *ctx),
                                    void *ctx);
int gdpr_sqlite__disclosure_append(store *st, const store_disclosure_row *row);
int gdpr_sqlite__subject_flags_get(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                                   unsigned int *flags_out);
int gdpr_sqlite__subject_flags_update(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                                      unsigned int set, unsigned int clear);
int gdpr_sqlite__objection_put(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                               const char *purpose, int64_t at);
int gdpr_sqlite__objection_get(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                               const char *purpose, int64_t *at_out);
int gdpr_sqlite__objection_delete(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                                  const char *purpose);
int gdpr_sqlite__transfer_foreach(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                  int (*fn)(const store_transfer_row *row, void *ctx), void *ctx);
int gdpr_sqlite__transfer_foreach_all(store *st, int64_t after_id,
                                      int (*fn)(const store_transfer_row *row,
                                                const uint8_t *subject_hash, void *ctx),
                                      void *ctx);
int gdpr_sqlite__transfer_insert(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                 const store_transfer_row *row, int64_t logged_at,
                                 const char *actor, int64_t *id_out);
int gdpr_sqlite__transfer_delete_subject(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                         int64_t *count_out);
int gdpr_sqlite__transfer_count(store *st, const char *recipient, int64_t after, int64_t until,
                                const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                store_transfer_count *out);
int gdpr_sqlite__safeguard_insert(store *st, const store_safeguard_row *row, int64_t *id_out);
int gdpr_sqlite__safeguard_revoke(store *st, int64_t id, int64_t at, const char *actor,
                                  char **recipient_out);
int gdpr_sqlite__safeguard_foreach(store *st, const char *recipient,
                                   int (*fn)(const store_safeguard_row *row, void *ctx), void *ctx);
int gdpr_sqlite__adequacy_insert(store *st, int64_t at, const char *actor,
                                 const uint8_t sha256[CRYPTO_HASH_BYTES], const char *document,
                                 int64_t *version_out);
int gdpr_sqlite__adequacy_latest(store *st, int64_t *version_out, char **document_out);
int gdpr_sqlite__request_insert(store *st, const store_request_row *row);
int gdpr_sqlite__request_update(store *st, const store_request_row *row);
int gdpr_sqlite__request_get(store *st, int64_t id, store_request_row *out);
int gdpr_sqlite__request_foreach(store *st, const uint8_t *subject_hash, int status,
                                 store_request_fn fn, void *ctx);
int gdpr_sqlite__request_foreach_due(store *st, int64_t after, int64_t until, store_request_fn fn,
                                     void *ctx);
int gdpr_sqlite__request_event_insert(store *st, const store_request_event_row *row);
int gdpr_sqlite__request_event_foreach(store *st, int64_t request,
                                       int (*fn)(const store_request_event_row *row, void *ctx),
                                       void *ctx);
int gdpr_sqlite__request_kpi_days(store *st, int64_t from_day, int64_t to_day,
                                  int (*fn)(const store_request_kpi_row *row, void *ctx),
                                  void *ctx);
int gdpr_sqlite__request_kpi_close_days(store *st, int64_t from_day, int64_t to_day,
                                        int (*fn)(int close_days, int64_t n, void *ctx), void *ctx);
int gdpr_sqlite__request_kpi_rows(store *st, int64_t from, int64_t to,
                                  int (*fn)(const store_request_kpi_row *row, void *ctx),
                                  void *ctx);
int gdpr_sqlite__request_overdue_count(store *st, int64_t due_from, int64_t due_to, int64_t from,
                                       int64_t to, int64_t *count_out);
int gdpr_sqlite__retention_anchor_foreach(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                          int (*fn)(int kind, const char *purpose, int64_t at,
                                                    void *ctx),
                                          void *ctx);
int gdpr_sqlite__retention_anchor_get(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                      int kind, const char *purpose, int64_t *at_out);
int gdpr_sqlite__retention_anchor_put(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                      int kind, const char *purpose, int64_t at);
int gdpr_sqlite__retention_anchor_delete(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                         int kind, const char *purpose, int *deleted_out);
int gdpr_sqlite__retention_get(store *st, int64_t record, store_retention_fn fn, void *ctx);
int gdpr_sqlite__retention_subject_foreach(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                           store_retention_fn fn, void *ctx);
int gdpr_sqlite__retention_scan(store *st, int64_t after_id, int limit, store_retention_fn fn,
                                void *ctx);
int gdpr_sqlite__retention_due_foreach(store *st, int64_t as_of, int has_cursor, int64_t after_due,
                                       int64_t after_id, int limit, store_retention_fn fn,
                                       void *ctx);
int gdpr_sqlite__retention_due_count(store *st, int64_t as_of, int has_cursor, int64_t after_due,
                                     int64_t after_id, int64_t *count_out);
int gdpr_sqlite__retention_set_schedule(store *st, int64_t record, int has_anchor, int64_t anchor,
                                        int has_due, int64_t due);
int gdpr_sqlite__retention_state_put(store *st, int64_t record, int has_keep, int64_t keep_until,
                                     int64_t review);
int gdpr_sqlite__retention_run_open(store *st, store_retention_run_row *out);
int gdpr_sqlite__retention_run_insert(store *st, store_retention_run_row *row, const char *actor);
int gdpr_sqlite__retention_run_update(store *st, const store_retention_run_row *row);
int gdpr_sqlite__review_insert(store *st, const store_review_row *row, int64_t *id_out);
int gdpr_sqlite__review_get(store *st, int64_t id, store_review_fn fn, void *ctx);
int gdpr_sqlite__review_foreach(store *st, int status, store_review_fn fn, void *ctx);
int gdpr_sqlite__review_overdue_foreach(store *st, int64_t as_of, store_review_fn fn, void *ctx);
int gdpr_sqlite__review_decide(store *st, int64_t id, int status, int64_t decided,
                               const char *actor, const char *role, int64_t keep_until,
                               const uint8_t *sealed, size_t sealed_len);
int gdpr_sqlite__retention_aggregate_add(store *st, const char *rule, const char *category,
                                         const char *purpose, const char *field, const char *value,
                                         int month);
int gdpr_sqlite__retention_aggregate_foreach(store *st, store_aggregate_fn fn, void *ctx);
int gdpr_sqlite__hold_insert(store *st, const store_hold_row *row, int64_t *id_out);
int gdpr_sqlite__hold_get(store *st, int64_t id, int (*fn)(const store_hold_row *row, void *ctx),
                          void *ctx);
int gdpr_sqlite__hold_release(store *st, int64_t id, int64_t at, const char *actor,
                              const char *reason);
int gdpr_sqlite__hold_foreach(store *st, int64_t active_at,
                              int (*fn)(const store_hold_row *row, void *ctx), void *ctx);
int gdpr_sqlite__hold_covering(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                               const store_hold_target *t, int64_t at, int64_t *hold_out,
                               int64_t *until_out, int *ground_out);
int gdpr_sqlite__hold_any_for_subject(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                      int64_t at, int *any_out);
int gdpr_sqlite__tombstone_insert(store *st, const store_tombstone_row *row, int64_t *id_out);
int gdpr_sqlite__tombstone_add(store *st, int64_t id, int64_t erased, int64_t retained,
                               int complete, int64_t replayed);
int gdpr_sqlite__tombstone_find(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES], int kind,
                                const char *ground, int64_t from, int64_t to, int64_t *id_out);
int gdpr_sqlite__tombstone_open_partial(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                        int64_t *id_out);
int gdpr_sqlite__tombstone_set_complete(store *st, int64_t id);
int gdpr_sqlite__tombstone_get(store *st, int64_t id,
                               int (*fn)(const store_tombstone_row *row, void *ctx), void *ctx);
int gdpr_sqlite__tombstone_latest(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                  int (*fn)(const store_tombstone_row *row, void *ctx), void *ctx);
int gdpr_sqlite__tombstone_foreach(store *st, const uint8_t *subject_hash, int64_t after_id,
                                   int (*fn)(const store_tombstone_row *row, void *ctx), void *ctx);
int gdpr_sqlite__tombstone_set_wiped(store *st);
int gdpr_sqlite__tombstone_kept_insert(store *st, const store_kept_row *row);
int gdpr_sqlite__tombstone_kept_foreach(store *st, int64_t tombstone,
                                        int (*fn)(const store_kept_row *row, void *ctx), void *ctx);
int gdpr_sqlite__tombstone_kept_erased(store *st, int64_t record, int64_t at);
int gdpr_sqlite__tombstone_kept_find(store *st, int64_t record, int64_t *until_out, char *rule,
                                     size_t rule_cap);
int gdpr_sqlite__tombstone_record_add(store *st, int64_t tombstone, int64_t record);
int gdpr_sqlite__tombstone_record_foreach(store *st, int64_t tombstone,
                                          int (*fn)(int64_t record, void *ctx), void *ctx);
int gdpr_sqlite__tombstone_recipient_add(store *st, int64_t tombstone, const char *recipient,
                                         int64_t disclosures, int64_t last_at);
int gdpr_sqlite__tombstone_recipient_foreach(store *st, int64_t tombstone,
                                             int (*fn)(const char *recipient, int64_t disclosures,
                                                       int64_t last_at, void *ctx),
                                             void *ctx);
int gdpr_sqlite__pending_insert(store *st, const store_pending_row *row, int64_t *id_out);
int gdpr_sqlite__pending_foreach(store *st, int64_t after_id,
                                 int (*fn)(const store_pending_row *row, void *ctx), void *ctx);
int gdpr_sqlite__pending_update(store *st, int64_t id, int64_t at, const char *error);
int gdpr_sqlite__pending_delete(store *st, int64_t id);
int gdpr_sqlite__pending_count_key(store *st, const uint8_t key_id[CRYPTO_HASH_BYTES],
                                   int64_t *count_out);
int gdpr_sqlite__key_queue_add(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int64_t tombstone,
                               int64_t at);
int gdpr_sqlite__key_queue_first(store *st, uint8_t hash_out[CRYPTO_HASH_BYTES]);
int gdpr_sqlite__key_queue_remove(store *st, const uint8_t hash[CRYPTO_HASH_BYTES]);
int gdpr_sqlite__key_queue_foreach(store *st,
                                   int (*fn)(const uint8_t *hash, int64_t tombstone, int64_t queued,
                                             void *ctx),
                                   void *ctx);
int gdpr_sqlite__erasure_unfinished(store *st, int *keys_out, int *unwiped_out);
int gdpr_sqlite__key_delete(store *st, const uint8_t hash[CRYPTO_HASH_BYTES]);
int gdpr_sqlite__key_exists(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int *exists_out);
int gdpr_sqlite__subject_delete(store *st, const uint8_t hash[CRYPTO_HASH_BYTES]);
int gdpr_sqlite__subject_created(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                                 int64_t *created_out);
int gdpr_sqlite__subject_has_data(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int *has_out);
int gdpr_sqlite__erasure_scrub_requests(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                                        int64_t *count_out);
int gdpr_sqlite__relax_durability(store *st, int relaxed);
int gdpr_sqlite__json_parse(store *st, const char *text, json_node **out);

int gdpr_sqlite__key_state(store *st, store_key_state *out);
int gdpr_sqlite__rotation_put(store *st, store_file f, uint64_t kek_generation, int64_t rekey_seq);
int gdpr_sqlite__key_queue_destroy(store *st, const uint8_t hash[CRYPTO_HASH_BYTES]);
int gdpr_sqlite__policy_version(store *st, int64_t *version_out);
/* Reports (sqlite/report.c). */
int gdpr_sqlite__consent_report_foreach(store *st, const store_consent_report_filter *f,
                                        int (*fn)(const store_consent_report_row *row, void *ctx),
                                        void *ctx);
/* The breach register (sqlite/breach.c). */
int gdpr_sqlite__breach_insert(store *st, const store_breach_row *row);
int gdpr_sqlite__breach_update(store *st, const store_breach_row *row);
int gdpr_sqlite__breach_get(store *st, int64_t id,
                            int (*fn)(const store_breach_row *row, void *ctx), void *ctx);
int gdpr_sqlite__breach_foreach(store *st, int pending, int64_t due_by,
                                int (*fn)(const store_breach_row *row, void *ctx), void *ctx);
int gdpr_sqlite__breach_subject_add(store *st, int64_t breach,
                                    const uint8_t subject[CRYPTO_HASH_BYTES], int64_t at,
                                    int *added_out);
int gdpr_sqlite__breach_subject_count(store *st, int64_t breach, int64_t *count_out);
int gdpr_sqlite__request_find_open(store *st, const uint8_t subject[CRYPTO_HASH_BYTES], int type,
                                   int64_t *id_out);

/* access.c */
int gdpr_sqlite__access_insert(store *st, const store_access_row *row);
int gdpr_sqlite__access_foreach(store *st, const uint8_t *subject_hash,
                                int (*fn)(const store_access_row *row, void *ctx), void *ctx);
int gdpr_sqlite__access_delete_subject(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                       int64_t *count_out);
/* consent signals (signal.c) */
int gdpr_sqlite__signal_append(store *st, const store_signal_row *row);
int gdpr_sqlite__signal_latest(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int kind,
                               int64_t at, int64_t *id_out, int64_t *at_out);
int gdpr_sqlite__signal_foreach(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                                int (*fn)(const store_signal_row *row, void *ctx), void *ctx);
int gdpr_sqlite__conflict_append(store *st, const store_conflict_row *row, int64_t *id_out);
int gdpr_sqlite__conflict_foreach(store *st, const uint8_t *hash, int64_t since, int64_t after_id,
                                  int (*fn)(const store_conflict_row *row, void *ctx), void *ctx);

#endif
