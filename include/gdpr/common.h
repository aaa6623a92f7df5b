/*
 * libgdpr: engine, options, errors and memory shared by every module.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_COMMON_H
#define GDPR_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "gdpr/version.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define GDPR_API __attribute__((visibility("default")))
#define GDPR_WARN_UNUSED __attribute__((warn_unused_result))
#define GDPR_DEPRECATED(msg) __attribute__((deprecated(msg)))
#else
#define GDPR_API
#define GDPR_WARN_UNUSED
#define GDPR_DEPRECATED(msg)
#endif

/**
 * @defgroup gdpr_time Times
 * One rule for every call that takes a time (a parameter or a field of an
 * input struct: `at`, `as_of`, `from`, `to`, `received_at`,
 * `subject_told_at`, `collected`, `until`, `valid_from` ...):
 *
 * - a time is UTC seconds since 1970-01-01T00:00:00Z;
 * - #GDPR_NOW means "the engine's clock" (gdpr_options.clock, or the wall
 *   clock), read once when the call starts;
 * - 0 is refused with GDPR_EINVAL and a message naming the field and
 *   saying "use GDPR_NOW for the engine's clock": passing 0 would
 *   otherwise silently mean 1970;
 * - each call's own range rules (not negative, not in the future, not
 *   after 9999-12-31 ...) then apply to the resolved time.
 *
 * Exceptions, documented on their fields: a field where 0 means "none"
 * rather than a moment (gdpr_consent.expires "no expiry",
 * gdpr_source_item.collected "unknown", gdpr_safeguard.valid_until
 * "open-ended", gdpr_review_decision.keep_until with an erase verdict)
 * keeps that meaning. A deadline that must lie after now
 * (gdpr_hold.until, gdpr_review_decision.keep_until with a keep verdict)
 * refuses both 0 and #GDPR_NOW by its own rule. gdpr_now() reads the clock.
 * @{
 */

/** A time argument meaning "now by the engine's clock" (see above). */
#define GDPR_NOW ((int64_t)-1)

/** @} */

/**
 * Return codes. Every call returns GDPR_OK (0) or one of these negative
 * values; gdpr_errmsg() then says which field, value and rule failed.
 * The numbers never change once released.
 */
typedef enum {
    GDPR_OK = 0,
    GDPR_EINVAL = -1,     /**< an argument breaks a documented rule */
    GDPR_ENOTFOUND = -2,  /**< the named subject, record, event ... does not exist */
    GDPR_EEXISTS = -3,    /**< it exists already and may not be created twice */
    GDPR_EDENIED = -4,    /**< the actor's role lacks the permission (audited) */
    GDPR_EKEY = -5,       /**< wrong master key or passphrase; nothing was touched */
    GDPR_ECORRUPT = -6,   /**< stored data failed authentication or a consistency check */
    GDPR_EBUSY = -7,      /**< another connection holds the lock past the busy timeout */
    GDPR_ESTORAGE = -8,   /**< SQLite or the file system failed (I/O, disk full ...) */
    GDPR_ENOMEM = -9,     /**< out of memory */
    GDPR_EVERSION = -10,  /**< a struct version or file schema this library does not know */
    GDPR_ECALLBACK = -11, /**< a host callback failed or asked to stop */
    GDPR_ECRYPTO = -12,   /**< OpenSSL failed (not a key mismatch) */
    GDPR_ESTATE = -13     /**< the call does not fit the current state (no policy, no batch ...) */
} gdpr_error;

/** The engine: one store (data file + keystore file), its keys and policy. */
typedef struct gdpr_engine gdpr_engine;

/**
 * Who performs a mutating call. Both strings are borrowed for the call only.
 * `id` names the person or system (staff id, never a data subject's data);
 * `role` must be a role of the loaded policy.
 */
typedef struct {
    const char *id;
    const char *role;
} gdpr_actor;

/** Length of a master key in bytes. */
#define GDPR_KEY_BYTES 32u
/** Longest subject id, purpose, role ... accepted, in bytes. */
#define GDPR_NAME_MAX 256u

/** 2 (0.3): key_cb and key_cb_ctx appended; 3: read_only appended;
 * 4: audit_path appended; older callers keep working. */
#define GDPR_OPTIONS_VERSION 4u

/**
 * Options of gdpr_open(). Transparent and versioned: set `version` to
 * GDPR_OPTIONS_VERSION (GDPR_OPTIONS_INIT or gdpr_options_init() do it).
 * Later fields are appended, never reordered.
 */
typedef struct {
    unsigned int version; /**< GDPR_OPTIONS_VERSION */
    /**
     * SQLite data file (":memory:" allowed), or a PostgreSQL connection URI
     * ("postgresql://user@host:port/dbname?..." or "postgres://..."), which
     * selects the PostgreSQL backend when the library was built with it
     * (docs/decisions/0010-postgres-backend.md). The database holds one
     * store in schemas "gdpr" (data) and "gdpr_keys" (wrapped keys); a
     * database with tables of another application is refused.
     */
    const char *path;
    const unsigned char *key;          /**< 32-byte master key (KEK) ... */
    size_t key_len;                    /**< ... its length, GDPR_KEY_BYTES */
    const char *passphrase;            /**< ... or a passphrase (scrypt); not both */
    const char *keystore_path;         /**< NULL: path + "-keys"; ignored for PostgreSQL */
    int64_t (*clock)(void *clock_ctx); /**< NULL: the wall clock (UTC seconds) */
    void *clock_ctx;                   /**< passed to clock */
    int busy_timeout_ms;               /**< 0: 5000 ms; how long to wait for another writer */
    /**
     * Version 2. NULL, or called (under the engine's lock) when another
     * engine rotated the master key with gdpr_rekey(): fill `key` with the
     * new 32-byte master key and return 0, or return non-zero to refuse.
     * A key that does not open the store is treated as a refusal. Without
     * the new key the engine refuses every call with GDPR_EKEY naming the
     * rotation's audit event, and never writes with the retired key. For
     * stores opened with a passphrase, reopen instead (the callback gives
     * a raw key). @since 0.3
     */
    int (*key_cb)(unsigned char key[GDPR_KEY_BYTES], void *ctx);
    void *key_cb_ctx; /**< passed to key_cb */
    /**
     * Version 3. Non-zero: open an existing store for reading only, e.g. on
     * a PostgreSQL hot standby. Reads (consent checks, may-process, vault
     * reads) work; every write is refused with GDPR_ESTATE and a message
     * naming read_only, and nothing changes. A store that does not exist yet
     * or needs a schema migration is refused at open (GDPR_ESTATE). On
     * SQLite the files are opened with writes refused the same way
     * (PRAGMA query_only).
     *
     * Calls that leave an audit event although they change nothing (an
     * export, a consent history or report, a ROPA export, a staff-reference
     * resolution) and the audit events of refused calls (GDPR_EDENIED) need
     * a place to append it: `audit_path` below. Without it such a call is
     * refused with GDPR_ESTATE naming audit_path, and nothing is given out:
     * no answer without its audit event.
     * @since 0.3
     */
    int read_only;
    /**
     * Version 4. Only with read_only (else GDPR_EINVAL): NULL, or the
     * location of the same store on a writable server, where this engine
     * appends its audit events: the primary's PostgreSQL URI for an engine
     * on a standby, or the same SQLite data file (its keystore is
     * keystore_path when path and audit_path are the same string, else
     * audit_path + "-keys"). gdpr_open opens a second connection there
     * used for the audit trail only (nothing else is read or written
     * through it). It must hold the same store (same identity) at the
     * latest schema, else gdpr_open fails (GDPR_ESTATE: no store there or
     * an older schema; GDPR_ECORRUPT: another store). Events are appended
     * to the primary's chain in its order, each in its own transaction on
     * the primary, committed before the call returns; the engine's
     * gdpr_audit_* reads still read its own (standby) store, which shows
     * the events once replayed. Borrowed: the string is copied. Thread
     * notes: the second connection belongs to the engine and is used under
     * its lock, like the first. @since 0.3
     */
    const char *audit_path;
} gdpr_options;

#define GDPR_OPTIONS_INIT                                                                          \
    {                                                                                              \
        GDPR_OPTIONS_VERSION, NULL, NULL, 0, NULL, NULL, NULL, NULL, 0, NULL, NULL, 0, NULL        \
    }

/**
 * Fill `opts` with the defaults of options version `version`.
 * @return GDPR_OK, GDPR_EINVAL (opts NULL), GDPR_EVERSION (unknown version).
 * @since 0.1
 */
GDPR_API int gdpr_options_init(gdpr_options *opts, unsigned int version);

/**
 * Open (or create) a store. The master key comes from `opts->key` (32
 * bytes) or `opts->passphrase`, never both. A new store is created when the
 * data file is new; an existing one is opened only with the right key.
 * A new store's passphrase has at least 12 bytes (scrypt N=2^17, r=8,
 * p=1); an existing store opens with the cost it recorded. The data file,
 * the keystore and their -wal/-shm/-journal are made mode 0600 whatever
 * the umask (docs/threat-model.md). When the open of a new store fails,
 * the files this open created are removed again (a file that was there
 * before it, even empty, is left as it was).
 *
 * @param[out] out  the engine, owned by the caller (gdpr_close()); set only
 *                  on success, NULL otherwise.
 * @param opts  the options (versioned, GDPR_OPTIONS_INIT; borrowed: strings are copied).
 * @return GDPR_OK; GDPR_EINVAL (bad options), GDPR_EVERSION (options or
 *         file from a newer library), GDPR_EKEY (wrong key: nothing was
 *         touched), GDPR_ECORRUPT (keystore missing or of another store),
 *         GDPR_ESTORAGE, GDPR_EBUSY, GDPR_ENOMEM.
 * Thread notes: the engine may be shared by threads; calls on one engine
 * are serialised by an internal mutex. Several processes may open one file.
 * @since 0.1
 */
GDPR_API int gdpr_open(gdpr_engine **out, const gdpr_options *opts) GDPR_WARN_UNUSED;

/**
 * Close the engine: roll back an open batch, wipe keys from memory, free
 * everything. NULL is a no-op. No call on `eng` may be running.
 * @since 0.1
 */
GDPR_API void gdpr_close(gdpr_engine *eng);

/**
 * The message of the last failed call on this thread: one line naming the
 * field, the value and the rule. Never NULL; borrowed until the next call
 * on this thread.
 * @since 0.1
 */
GDPR_API const char *gdpr_errmsg(void);

/**
 * The name of a return code ("GDPR_EINVAL: invalid argument"). Never NULL;
 * static storage.
 * @since 0.1
 */
GDPR_API const char *gdpr_strerror(int code);

/** Free memory the library returned (strings, buffers). NULL is a no-op. @since 0.1 */
GDPR_API void gdpr_free(void *p);

/** The library's version string, e.g. "0.1.0" (static storage). @since 0.1 */
GDPR_API const char *gdpr_version(void);

/** GDPR_VERSION_NUMBER of the library actually linked. @since 0.1 */
GDPR_API unsigned int gdpr_version_number(void);

/** GDPR_KEY_BYTES, for bindings. @since 0.1 */
GDPR_API size_t gdpr_key_bytes(void);

/**
 * Batch many calls in one transaction: one commit (and one fsync) instead
 * of one per call. A call refused inside a batch (bad input, permission,
 * a rule of law or policy) changes nothing and the batch goes on. A
 * failure after a call began writing (out of memory, I/O, a lost
 * connection; on PostgreSQL also a write the server refuses, which may
 * be reported by a later call or by gdpr_commit: docs/scale.md) may roll the
 * whole batch back: the message then says "the open batch was rolled
 * back" and gdpr_commit and gdpr_rollback answer GDPR_ESTATE
 * (docs/decisions/0011-snapshot-reads.md). A batch is the engine's, not
 * the thread's: use it from one thread at a time.
 * @return GDPR_OK; GDPR_ESTATE (a batch is already open), GDPR_EBUSY,
 *         GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_begin(gdpr_engine *eng);

/**
 * Commit the open batch. @return GDPR_OK; GDPR_ESTATE (no batch open),
 * GDPR_EBUSY, GDPR_ESTORAGE (the batch was rolled back).
 * @since 0.1
 */
GDPR_API int gdpr_commit(gdpr_engine *eng) GDPR_WARN_UNUSED;

/** Roll back the open batch. @return GDPR_OK; GDPR_ESTATE (no batch). @since 0.1 */
GDPR_API int gdpr_rollback(gdpr_engine *eng);

/**
 * Open a read snapshot: until gdpr_read_end(), every read of this engine
 * (gdpr_consent_check(), gdpr_vault_get(), gdpr_transfer_check(), lists,
 * exports ...) answers from one state of the store, taken now, and SQLite
 * takes its read lock once for all of them instead of once per call. For a
 * request handler that asks many may-process questions: all its answers
 * agree with each other, and each costs the lookup alone.
 *
 * Consistency: the snapshot is a committed state; writes committed later,
 * by this process or another, are not seen inside it, and are seen by the
 * first call after gdpr_read_end(). What the engine caches (policy,
 * transfer decisions, subject keys) is checked against the snapshot's
 * generation (docs/decisions/0008-many-engines.md), so cached answers agree
 * with the snapshot too. Outside a snapshot, each read call is one read
 * transaction of its own (docs/decisions/0011-snapshot-reads.md).
 *
 * Inside a snapshot, calls that change the store fail with GDPR_ESTATE and
 * change nothing (so do gdpr_begin() and a second gdpr_read_begin()); a
 * refused read (missing permission) is still audited: its event is
 * appended when the snapshot ends. A long snapshot keeps SQLite from
 * checkpointing the write-ahead log past it: keep it as short as a
 * request.
 *
 * Thread notes: the snapshot belongs to the engine, not to the thread:
 * every thread using this engine reads from it until it ends; use it from
 * one thread at a time, like a batch. Other engines are not affected.
 * @param eng  the engine.
 * @return GDPR_OK; GDPR_EINVAL (eng NULL); GDPR_ESTATE (a snapshot or a
 *         batch is already open: a batch's calls already see one state);
 *         GDPR_ESTORAGE.
 * @since 0.3
 */
GDPR_API int gdpr_read_begin(gdpr_engine *eng);

/**
 * End the snapshot opened by gdpr_read_begin(): later calls see the store
 * as it is now, and the audit events of refusals made inside the snapshot
 * are appended.
 * @param eng  the engine.
 * @return GDPR_OK; GDPR_EINVAL (eng NULL); GDPR_ESTATE (no snapshot open);
 *         GDPR_ESTORAGE (appending the queued refusals failed: they stay
 *         queued and are appended by the next call that can).
 * @since 0.3
 */
GDPR_API int gdpr_read_end(gdpr_engine *eng);

/**
 * Master-key rotation: rewrap every subject's data key (and the store's
 * root secret) under a new master key in one transaction; records are not
 * touched. Exactly one of `new_key` (32 bytes) or `new_passphrase` (at
 * least 12 bytes; derived at the current scrypt cost, which is how a store
 * made with an older, lower cost takes the new one).
 * After it, the old key no longer opens the store, and wrapped keys left in
 * freed blocks or old backups need the retired key: see docs/threat-model.md.
 * Needs permission "rekey".
 * @return GDPR_OK; GDPR_EINVAL, GDPR_EDENIED, GDPR_ESTATE (inside a batch),
 *         GDPR_ESTORAGE, GDPR_ECRYPTO.
 * @since 0.1
 */
GDPR_API int gdpr_rekey(gdpr_engine *eng, const gdpr_actor *who, const unsigned char *new_key,
                        size_t new_key_len, const char *new_passphrase) GDPR_WARN_UNUSED;

/**
 * The engine's clock: gdpr_options.clock if the engine was opened with one,
 * else the wall clock, in UTC seconds. It is the time #GDPR_NOW stands for.
 * @param eng  the engine.
 * @param[out] out  set on success.
 * @return GDPR_OK; GDPR_EINVAL (eng or out NULL).
 * @since 0.2
 */
GDPR_API int gdpr_now(gdpr_engine *eng, int64_t *out);

#ifdef __cplusplus
}
#endif

#endif
