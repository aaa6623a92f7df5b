/*
 * Internal: the storage seam. Capability code talks to storage only
 * through these calls; SQL lives in lib/store/ alone. Every call returns a
 * GDPR_* code and sets the thread's message on failure.
 *
 * One SQLite connection: the data file as "main" and the keystore file
 * attached as "ks". Not thread-safe; the engine serialises calls.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_STORE_H
#define GDPR_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "util/json.h"

typedef struct store store;

typedef struct {
    const char *path;          /* data file, or ":memory:" */
    const char *keystore_path; /* keystore file, or ":memory:" */
    int busy_timeout_ms;
} store_config;

/* --- life cycle ------------------------------------------------------ */

/* Open both files read-only in effect: pragmas and version checks only, no
 * schema change. *is_new says the data file held no store yet. Refuses a
 * schema newer than this library (GDPR_EVERSION), a missing keystore for an
 * existing store and a stale keystore for a new one (GDPR_ECORRUPT). */
int store_open(store **out, const store_config *cfg, int *is_new);
void store_close(store *st);

/* Bring the schema to `target` (store_schema_latest() for all). Called
 * only after the key check, inside a transaction the caller holds. */
int store_migrate(store *st, int target);
int store_schema_latest(void);
/* The version a new store is created at: 0 means the latest. Tests set it
 * to build an older store and prove the forward migrations. */
extern int store_schema_create_version;
int store_checkpoint(store *st);
int store_schema_version(store *st, int *version_out);

/* Full PRAGMA integrity_check of both files: GDPR_OK or GDPR_ECORRUPT. */
int store_integrity_check(store *st);

/* --- transactions ---------------------------------------------------- */

/* Nesting: the outermost level is BEGIN IMMEDIATE, inner levels are
 * savepoints, so one failing call inside a host batch undoes only itself. */
int store_begin(store *st);
int store_commit(store *st);
/* Roll back the innermost level; keeps the caller's error message. */
void store_rollback(store *st);
int store_depth(const store *st);

/* --- meta (small named blobs) ---------------------------------------- */

typedef enum { STORE_DATA = 0, STORE_KEYS = 1 } store_file;

int store_meta_get(store *st, store_file f, const char *name, void *buf, size_t cap,
                   size_t *len_out);
int store_meta_put(store *st, store_file f, const char *name, const void *value, size_t len);

/* --- subjects and their keys ----------------------------------------- */

int store_subject_find(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int64_t *id_out);
int store_subject_insert(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], const uint8_t *ident,
                         size_t ident_len, int64_t created, int64_t *id_out);
int store_subject_count(store *st, int64_t *count_out);

int store_key_put(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                  const uint8_t wrapped[CRYPTO_WRAPPED_BYTES]);
int store_key_get(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                  uint8_t wrapped[CRYPTO_WRAPPED_BYTES]);

/* Replace every wrapped key by fn's output, in key order, in the caller's
 * transaction. fn returns a GDPR code; non-OK stops and is returned. */
typedef int (*store_rewrap_fn)(const uint8_t hash[CRYPTO_HASH_BYTES],
                               const uint8_t wrapped[CRYPTO_WRAPPED_BYTES],
                               uint8_t out[CRYPTO_WRAPPED_BYTES], void *ctx);
int store_key_rewrap_all(store *st, store_rewrap_fn fn, void *ctx, int64_t *count_out);

/* --- audit ----------------------------------------------------------- */

typedef struct {
    int64_t seq;
    int64_t at;
    const char *actor;
    const char *role;
    const char *action;
    const uint8_t *subject;  /* CRYPTO_HASH_BYTES or NULL */
    int outcome;
    const char *ref;         /* or NULL */
    uint8_t mac[CRYPTO_HASH_BYTES];
} store_audit_row;

/* Last event's seq and MAC (0 and zeros when empty). */
int store_audit_tail(store *st, int64_t *seq_out, uint8_t mac_out[CRYPTO_HASH_BYTES]);
int store_audit_insert(store *st, const store_audit_row *row);
/* Walk events from `from_seq` in seq order; fn's non-zero stops with
 * GDPR_ECALLBACK unless fn returned a GDPR code (negative), returned as is. */
typedef int (*store_audit_fn)(const store_audit_row *row, void *ctx);
int store_audit_foreach(store *st, int64_t from_seq, store_audit_fn fn, void *ctx);

/* --- policy versions ------------------------------------------------- */

int store_policy_insert(store *st, int64_t at, const char *actor,
                        const uint8_t sha256[CRYPTO_HASH_BYTES], const char *document,
                        int64_t *version_out);
/* The newest version; GDPR_ENOTFOUND when none. *document_out is malloc'd. */
int store_policy_latest(store *st, int64_t *version_out, uint8_t sha256_out[CRYPTO_HASH_BYTES],
                        char **document_out);

/* --- JSON through SQLite --------------------------------------------- */

/* Parse with json_valid()/json_tree(). A malformed text is GDPR_EINVAL
 * with "line L, column C: why" in the message. */
int store_json_parse(store *st, const char *text, json_node **out);

#endif
