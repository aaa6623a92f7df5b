/*
 * Internal to lib/store/postgres: the connection, parameters, results,
 * errors, transactions. Every other file of this backend builds its
 * operations from these helpers; only this folder includes <libpq-fe.h>.
 *
 * Values never go into SQL text: every statement is a string constant with
 * $1..$n, prepared once per connection (keyed by the constant's address,
 * like the SQLite backend's statement cache) and run with parameters from a
 * pg_params. Results come back in binary format and are read with the
 * gdpr_pg__col_* accessors, which accept the widths PostgreSQL sends for
 * integers (2, 4 or 8 bytes, network order).
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_PG_INTERNAL_H
#define GDPR_PG_INTERNAL_H

#include <libpq-fe.h>

#include "pg_ops.h"
#include "store.h"

#define PG_STMT_SLOTS 512
#define PG_MAX_PARAMS 32
/* libpq's pipeline mode (libpq 14+): writes whose results nothing waits
 * for are sent without waiting (gdpr_pg__exec_later) and their results
 * read at the next statement that needs an answer, at a savepoint, or at
 * the commit. Older libpq: every statement waits, as before. */
#ifdef LIBPQ_HAS_PIPELINING
#define PG_PIPELINE 1
#else
#define PG_PIPELINE 0
#endif
/* Writes in flight at most: their results (some 30 bytes each) stay far
 * below what the socket holds, so neither side blocks on the other. */
#define PG_PIPELINE_MAX 256
/* Subjects whose row id (and whether they have retention anchors) the
 * store remembers between statements (pg_subject_cache). */
#define PG_SUBJECT_SETS 2048u
#define PG_SUBJECT_WAYS 4u
#define PG_BEGIN_ROW 5
/* The oldest server we run on: PostgreSQL 13 (pg_current_xact_id_if_assigned,
 * used by the generation, appeared there). */
#define PG_MIN_SERVER_VERSION 130000
/* The schemas: rows in one, wrapped subject keys in the other, so that a
 * logical dump of the data schema carries no key. */
#define PG_DATA_SCHEMA "gdpr"
/* Tables naming their subject by integer id (docs/decisions/0016, 0017):
 * the id of the hash bound as $n, and the hash of the id in column `col`
 * (which row MACs cover). */
#define PG_SUBJECT_ID(n) "(SELECT id FROM " PG_DATA_SCHEMA ".subject WHERE hash = $" n ")"
#define PG_SUBJECT_ID_1 PG_SUBJECT_ID("1")
#define PG_SUBJECT_HASH_OF(col) "(SELECT hash FROM " PG_DATA_SCHEMA ".subject WHERE id = " col ")"
#define PG_KEYS_SCHEMA "gdpr_keys"

typedef struct {
    const char *sql; /* a string constant: its address names it */
    unsigned int number;
} pg_cached_stmt;

/* A subject the store has seen: its row id, and whether it is known to
 * have no retention anchor row. Valid only under the rule of
 * pg_store.cache_generation (seq.c). */
typedef struct {
    uint8_t hash[CRYPTO_HASH_BYTES];
    int64_t id;       /* 0: the slot is free */
    int no_anchors;   /* no gdpr.retention_anchor row of this subject */
    uint64_t used_at; /* least recently used goes first */
} pg_subject_entry;

/* Ids handed out from memory under the write lock (seq.c): `next` is the
 * next id to give, `top` the value the sequence stands at (nextval gave
 * it, or setval will set it at the commit). */
typedef struct {
    int64_t next, top;
    int loaded; /* read in this transaction */
} pg_seq_state;

typedef struct pg_store {
    store base; /* base.ops = &gdpr_store__postgres_ops */
    PGconn *conn;
    char *conninfo;      /* the URI, for a reconnect between calls */
    int read_only;       /* opened on a standby or for reading only */
    int busy_timeout_ms; /* the session's lock_timeout */
    int depth;           /* transaction nesting: 1 = BEGIN, deeper = SAVEPOINT */
    /* The connection failed inside the open transaction: every statement
     * is refused until the caller rolls back to depth 0, then the next
     * outermost begin reconnects. */
    int broken;
    unsigned int n_prepared;
    pg_cached_stmt cache[PG_STMT_SLOTS];
    int has_schema;      /* the store's schemas exist (after the first migration) */
    int schema_in_tx;    /* ... created by the open transaction: a rollback undoes it */
    uint64_t generation; /* read at the outermost begin */
    /* Key rows deleted by the open transaction: VACUUM the keys table on
     * this connection once it has committed (docs/decisions/0010). */
    int keys_deleted;
    /* A committed transaction deleted or replaced key rows and the
     * VACUUM that follows has not succeeded yet. */
    int keys_vacuum_due;
    /* A read transaction is open (gdpr_store__read_begin): 1 one-file,
     * 2 both-files (on PostgreSQL one snapshot covers both schemas; the
     * value only keeps the front's rules on what may begin meanwhile). */
    int reading;
    /* This handle's migration from nothing committed the schemas: a
     * discard drops them at close (docs/decisions/0010). */
    int created_schemas;
    int discard;
    int audit_tail_valid;
    int64_t audit_tail_seq;
    uint8_t audit_tail_mac[CRYPTO_HASH_BYTES];
    /* Writes sent in pipeline mode whose results are not read yet, and
     * what each was (for the message of a late failure). */
    int pending;
    const char *pending_what[PG_PIPELINE_MAX];
    int *pending_flag[PG_PIPELINE_MAX]; /* set to 1 when the write changed rows */
    /* A write sent earlier in this transaction failed (found late): the
     * transaction is lost; every statement is refused until the rollback,
     * and every rollback ends the whole transaction. */
    int doomed;
    char doomed_msg[600];
    /* Writes sent in this transaction (an unguarded level compares). */
    int64_t writes;
    /* Levels without a savepoint (gdpr_pg__begin_unguarded): bit d-1 for
     * level d, and the writes counted when it began. */
    uint32_t unguarded;
    int64_t unguarded_mark[32];
    /* Ids from memory under the write lock (seq.c). */
    pg_seq_state seq[STORE_SEQ_COUNT];
    pg_seq_state key_serial;
    /* The key row this transaction stored last (gdpr_pg__key_put), for
     * the serial read that follows it; valid until another key write. */
    int key_memo_valid;
    uint8_t key_memo_hash[CRYPTO_HASH_BYTES];
    uint8_t key_memo_wrapped[CRYPTO_WRAPPED_BYTES];
    int64_t key_memo_serial;
    /* What this handle knows of the store between statements (subject
     * ids, the audit tail after the commit) holds while the store's
     * generation is this one: no other engine wrote since (seq.c). 0:
     * nothing known. */
    uint64_t cache_generation;
    int cache_tail_valid;
    /* The key state and the policy version as of cache_generation (seq.c):
     * the key state read with the last writable BEGIN, under the write
     * lock, or after a generation read that found cache_generation; the
     * policy version read at cache_generation. A write to either forgets
     * it; so does everything that forgets the cache. */
    int known_keys_valid;
    store_key_state known_keys;
    int known_policy_valid;
    int64_t known_policy;
    /* The generation read outside a transaction (gdpr_pg__generation),
     * and whether no statement went since. */
    uint64_t generation_read;
    int generation_fresh;
    uint64_t subject_uses;
    pg_subject_entry *subjects; /* PG_SUBJECT_SETS * PG_SUBJECT_WAYS, or NULL */
    /* Read with the writable BEGIN (tx.c): the generation, then the key
     * state (key_epoch, kek_generation, rekey_seq, the data part's
     * kek_generation); fresh until the next statement. */
    int64_t begin_row[PG_BEGIN_ROW];
    int begin_row_fresh;
} pg_store;

/* --- parameters ------------------------------------------------------- */

/* Parameters of one statement: integers as decimal text, texts as text,
 * blobs as binary bytea; NULL pointers become SQL NULL. Types are given to
 * the server with the first PQprepare of a statement. */
typedef struct {
    int n;
    int overflow; /* more parameters than PG_MAX_PARAMS were added */
    const char *values[PG_MAX_PARAMS];
    int lengths[PG_MAX_PARAMS];
    int formats[PG_MAX_PARAMS];
    Oid types[PG_MAX_PARAMS];
    char ints[PG_MAX_PARAMS][24];
} pg_params;

void gdpr_pg__p_init(pg_params *p);
void gdpr_pg__p_int(pg_params *p, int64_t v);
/* An integer that is SQL NULL unless `has`. */
void gdpr_pg__p_int_or_null(pg_params *p, int has, int64_t v);
void gdpr_pg__p_text(pg_params *p, const char *s);
void gdpr_pg__p_blob(pg_params *p, const void *b, size_t len);
void gdpr_pg__p_hash(pg_params *p, const uint8_t *hash); /* CRYPTO_HASH_BYTES or NULL */

/* --- results ---------------------------------------------------------- */

typedef struct {
    const PGresult *res;
    int row;
} pg_row;

int gdpr_pg__col_null(const pg_row *r, int col);
int64_t gdpr_pg__col_int(const pg_row *r, int col); /* 0 when NULL */
/* NULL when SQL NULL; valid while the row is. */
const char *gdpr_pg__col_text(const pg_row *r, int col);
const char *gdpr_pg__col_text_or_empty(const pg_row *r, int col);
/* NULL when SQL NULL; *len_out the byte count. */
const uint8_t *gdpr_pg__col_blob(const pg_row *r, int col, size_t *len_out);
/* A hash column: GDPR_ECORRUPT naming `what` unless it has
 * CRYPTO_HASH_BYTES (or is NULL and `nullable`); *out NULL for NULL. */
int gdpr_pg__col_hash(const pg_row *r, int col, int nullable, const char *what,
                      const uint8_t **out);

/* A row reader: GDPR_OK to go on, a GDPR code to stop with. */
typedef int (*pg_row_fn)(const pg_row *r, void *ctx);
/* Column 0 into *(int64_t *)ctx. */
int gdpr_pg__read_int64(const pg_row *r, void *ctx);

/* --- running statements ----------------------------------------------- */

/* Run a prepared statement, its result in *out (the caller PQclears it)
 * when it succeeded (rows or a command); a failure is reported as `what`
 * with PostgreSQL's message and SQLSTATE. */
int gdpr_pg__run(pg_store *st, const char *sql, const pg_params *p, const char *what,
                 PGresult **out);
/* A write whose result nothing waits for: in pipeline mode it is sent
 * and its result read later (a failure then rolls the whole transaction
 * back and is reported by the call that finds it, or by the commit).
 * Inside a write transaction only; elsewhere (or without pipeline mode)
 * it is gdpr_pg__exec. */
int gdpr_pg__exec_later(pg_store *st, const char *sql, const pg_params *p, const char *what);
/* The same; *changed (inside st) is set to 1 once the write is known to
 * have changed rows. */
int gdpr_pg__exec_later_flag(pg_store *st, const char *sql, const pg_params *p, const char *what,
                             int *changed);
/* Read the results of the writes in flight: GDPR_OK, or the first
 * failure (the transaction is then lost: st->doomed). */
int gdpr_pg__drain(pg_store *st);
/* A statement without rows; *changed_out (may be NULL) the rows changed. */
int gdpr_pg__exec(pg_store *st, const char *sql, const pg_params *p, const char *what,
                  int64_t *changed_out);
/* Hand every row to `fn` in order; the first answer other than GDPR_OK
 * stops the walk and is returned. The whole result is read before the
 * first call, so fn may call the store. */
int gdpr_pg__rows(pg_store *st, const char *sql, const pg_params *p, const char *what, pg_row_fn fn,
                  void *ctx);
/* As gdpr_pg__rows, one page at a time, so memory stays flat: `sql`
 * orders its rows by column 0, a unique bigint, and takes after p's
 * parameters two more, "column 0 greater than" and the page size
 * ("... AND id > $2 ORDER BY id LIMIT $3"). For walks whose callback does
 * not add rows to the same walk. */
int gdpr_pg__rows_paged(pg_store *st, const char *sql, const pg_params *p, const char *what,
                        pg_row_fn fn, void *ctx);
/* What gdpr_pg__row answers for "no row" when the caller wants to say so
 * itself: positive, so neither a GDPR code nor a reader's answer. */
#define PG_NO_ROW 1
/* At most one row: fn's answer, or `none` (GDPR_ENOTFOUND, GDPR_OK or
 * PG_NO_ROW) when there is none. */
int gdpr_pg__row(pg_store *st, const char *sql, const pg_params *p, const char *what, int none,
                 pg_row_fn fn, void *ctx);
/* One integer answer (a count, an id) into *out; GDPR_ENOTFOUND without a row. */
int gdpr_pg__one_int64(pg_store *st, const char *sql, const pg_params *p, const char *what,
                       int64_t *out);
/* 1 when the session is known lost (a failure in it), or the server ended
 * it since the last statement (it said so on the idle socket): outside a
 * transaction it is made again before anything is sent. */
int gdpr_pg__session_gone(pg_store *st);
/* Make the connection again (between calls only) and set the session up
 * as at open; a failure is reported as `what`. */
int gdpr_pg__reconnect(pg_store *st, const char *what);
/* Plain SQL without parameters (schema, SET, VACUUM), not prepared. */
int gdpr_pg__exec_plain(pg_store *st, const char *sql, const char *what);

/* Map a failed result (or a connection failure when res is NULL) to a GDPR
 * code, copying PostgreSQL's message now. */
int gdpr_pg__fail(pg_store *st, const PGresult *res, const char *what);

/* An iterator callback's answer: 0 is GDPR_OK, a negative GDPR code passes
 * through, anything else becomes GDPR_ECALLBACK naming where it stopped. */
int gdpr_pg__stopped(int stop, const char *what, int64_t id);

/* Append a versioned document (policy, adequacy list) with `sql` taking
 * (version, loaded_at, actor, sha256, document) as $1..$5. */
int gdpr_pg__document_insert(pg_store *st, const char *sql, const char *seq_sql, int64_t at,
                             const char *actor, const uint8_t sha256[CRYPTO_HASH_BYTES],
                             const char *document, const char *what, int64_t *version_out);

/* ids and the generation (seq.c) */
/* The serial of a new key row, from memory like ids. */
int gdpr_pg__key_serial_next(pg_store *st, int64_t *serial_out);
int gdpr_pg__generation_begin(pg_store *st);
/* Before the outermost COMMIT: the sequences set to the ids handed out. */
int gdpr_pg__seq_flush(pg_store *st);
/* The transaction ended (committed: `committed`): ids from memory are
 * forgotten; on a rollback so is what the handle knew of the store. */
void gdpr_pg__seq_end(pg_store *st, int committed);
/* What the handle knows of subjects (seq.c): usable inside a write
 * transaction only. */
pg_subject_entry *gdpr_pg__subject_cached(pg_store *st, const uint8_t hash[CRYPTO_HASH_BYTES]);
void gdpr_pg__subject_remember(pg_store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int64_t id,
                               int no_anchors);
void gdpr_pg__cache_forget(pg_store *st);
int gdpr_pg__generation_bump(pg_store *st);
/* 1 when the generation read just now, outside a transaction, is the one
 * the handle knows the store at (its own commit the last one): the key
 * state and policy version it knows may answer (seq.c). */
int gdpr_pg__known_now(const pg_store *st);
int gdpr_pg__key_epoch_bump(pg_store *st);

/* Outside a transaction only: VACUUM the keys table on this connection
 * (after an erasure committed), so no dead tuple of a wrapped key stays. */
int gdpr_pg__vacuum_keys(pg_store *st);
/* At close: end an open transaction or read, drop the schemas of a
 * discarded new store, or run a VACUUM still due (tx.c). */
void gdpr_pg__close_pending(pg_store *st);

/* MACs of lookup rows (rowmac.c), the same as the SQLite backend's. */
/* A consent event (history row), bound to its id and every column. */
/* Schema step 25: the MACs of the consent events already there. */
int gdpr_pg__consent_event_mac_migrate(pg_store *st);
/* GDPR_ECORRUPT naming `what` unless `stored` is the MAC `want`. */
int gdpr_pg__row_mac_check(const uint8_t want[CRYPTO_HASH_BYTES], const uint8_t *stored,
                           size_t stored_len, const char *what);

/* --- the operations (one per member of store_ops) --------------------- */

int gdpr_pg__open(store **out, const store_config *cfg, int *is_new);
int gdpr_pg__schema_latest(void);
void gdpr_pg__close(store *st);
int gdpr_pg__migrate(store *st, int target);
int gdpr_pg__schema_version(store *st, int *version_out);
int gdpr_pg__begin(store *st);
int gdpr_pg__commit(store *st);
void gdpr_pg__rollback(store *st);
int gdpr_pg__depth(const store *st);
int gdpr_pg__next_id(store *st, store_seq which, int64_t *id_out);
int gdpr_pg__generation(store *st, uint64_t *generation_out);
int gdpr_pg__scrub(store *st);
int gdpr_pg__relax_durability(store *st, int relaxed);

#endif
