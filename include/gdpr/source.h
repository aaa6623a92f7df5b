/*
 * libgdpr: host sources. A CRM keeps much personal data in its own tables
 * (orders, tickets, call notes). Registering them as sources makes every
 * subject access export include them (the export callback writes
 * category/field/value items through a writer handle) and lets erasure
 * reach them (the erase callback). Registrations live in the engine, not
 * in the store: register them after every gdpr_open().
 * See docs/vault.md ("Sources") and docs/export.md.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_SOURCE_H
#define GDPR_SOURCE_H

#include "gdpr/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most sources one engine holds. */
#define GDPR_SOURCE_MAX 64u

/**
 * Where a source's export callback writes its items. Valid only during
 * the callback that received it; never store it.
 */
typedef struct gdpr_source_writer gdpr_source_writer;

#define GDPR_SOURCE_ITEM_VERSION 1u

/**
 * One item of a source, with its optional details. Transparent and
 * versioned (GDPR_SOURCE_ITEM_INIT). Pointers are borrowed for the call.
 */
typedef struct {
    unsigned int version;       /**< GDPR_SOURCE_ITEM_VERSION */
    const char *category;       /**< a category of the policy */
    const char *field;          /**< the host's field name ("order.total") */
    const void *value;          /**< any bytes; NULL only with len 0 */
    size_t len;                 /**< at most GDPR_VAULT_VALUE_MAX */
    const char *record;         /**< optional host reference ("order 1042") */
    const char *purpose;        /**< optional purpose of the policy; gives the
                                     item its retention rule */
    const char *collected_from; /**< optional: where the host got it when not
                                     from the subject (Art. 15(1)(g)) */
    int64_t collected;          /**< optional collection time; 0: unknown */
} gdpr_source_item;

#define GDPR_SOURCE_ITEM_INIT                                                                      \
    {                                                                                              \
        GDPR_SOURCE_ITEM_VERSION, NULL, NULL, NULL, 0, NULL, NULL, NULL, 0                         \
    }

/**
 * Write one item: `category` must be a category of the policy, `field` a
 * name (1..GDPR_NAME_MAX bytes of UTF-8). A value that is not UTF-8 text
 * is exported base64 with an encoding marker.
 * @return GDPR_OK; GDPR_EINVAL (bad argument: the export then fails with
 *         GDPR_ECALLBACK naming the source even if the callback goes on);
 *         GDPR_ECALLBACK (the export's output failed: return non-zero).
 * @since 0.1
 */
GDPR_API int gdpr_source_write(gdpr_source_writer *w, const char *category, const char *field,
                               const void *value, size_t len);

/**
 * Write one item with its details (see gdpr_source_item).
 * @return as gdpr_source_write(); also GDPR_EVERSION.
 * @since 0.1
 */
GDPR_API int gdpr_source_write_item(gdpr_source_writer *w, const gdpr_source_item *item);

/**
 * Export callback: write every item the host holds on `subject` (the
 * host's id) through `w`. Return 0 on success; anything else fails the
 * export with GDPR_ECALLBACK and a message naming the source. It runs
 * inside the export's transaction on the exporting thread: it may call the
 * library (reads; changes it makes are undone if the export fails).
 */
typedef int (*gdpr_source_export_fn)(const char *subject, gdpr_source_writer *w, void *ctx);

/**
 * Erase callback: delete everything the host holds on `subject`. Return 0
 * on success; the erasure records any other value as a failed hook.
 */
typedef int (*gdpr_source_erase_fn)(const char *subject, void *ctx);

/**
 * Erase callback with the erasure's context (GDPR_SOURCE_VERSION 2):
 * delete everything the host holds on `subject`. `ground` is the ground
 * the erasure recorded (its tombstone's, e.g. "art17(1)(a)"); `request` is
 * the id of the request whose gdpr_request_fulfil() runs the erasure, 0
 * for a direct gdpr_erase_subject() and for a later retry of a failed
 * hook (gdpr_erase_retry_pending()). Both are borrowed for the call. Return 0
 * on success; the erasure records any other value as a failed hook.
 * @since 0.2
 */
typedef int (*gdpr_source_erase_ex_fn)(const char *subject, const char *ground, int64_t request,
                                       void *ctx);

/**
 * The source struct's version: 1 is the original struct (up to `ctx`);
 * 2 appends `erase_ex`. A version-1 registration keeps working and gets
 * the `erase` call.
 */
#define GDPR_SOURCE_VERSION 2u

/** A source to register. Strings are copied; `ctx` is handed back. */
typedef struct {
    unsigned int version;               /**< GDPR_SOURCE_VERSION */
    const char *name;                   /**< unique: a-z, 0-9, '_', '-', '.', ':' (1..64) */
    const char *description;            /**< optional: what it holds, for the export */
    gdpr_source_export_fn export_items; /**< required */
    gdpr_source_erase_fn erase;         /**< may be NULL: erasure then reports the
                                             source as not erasable by the library */
    void *ctx;                          /**< passed to the callbacks */
    /* version 2: */
    gdpr_source_erase_ex_fn erase_ex; /**< optional: called instead of `erase`
                                           when set, with the ground and the
                                           request; read only when version >= 2 */
} gdpr_source;

#define GDPR_SOURCE_INIT                                                                           \
    {                                                                                              \
        GDPR_SOURCE_VERSION, NULL, NULL, NULL, NULL, NULL, NULL                                    \
    }

/**
 * Register a source with the engine for its lifetime. Sources are
 * exported in registration order. Needs permission "source.register";
 * audited.
 * @return GDPR_OK; GDPR_EINVAL (NULL src or export_items, bad name or
 *         description); GDPR_EVERSION; GDPR_EEXISTS (the name is taken);
 *         GDPR_EDENIED; GDPR_ESTATE (no policy, or GDPR_SOURCE_MAX reached);
 *         GDPR_ENOMEM.
 * @since 0.1
 */
GDPR_API int gdpr_source_register(gdpr_engine *eng, const gdpr_actor *who,
                                  const gdpr_source *src) GDPR_WARN_UNUSED;

/**
 * Remove a registered source. Needs permission "source.register"; audited.
 * @return GDPR_OK; GDPR_EINVAL; GDPR_ENOTFOUND; GDPR_EDENIED.
 * @since 0.1
 */
GDPR_API int gdpr_source_unregister(gdpr_engine *eng, const gdpr_actor *who,
                                    const char *name) GDPR_WARN_UNUSED;

/**
 * How many sources are registered. Read-only.
 * @param eng  the engine.
 * @param[out] count_out
 * @return GDPR_OK; GDPR_EINVAL.
 * @since 0.1
 */
GDPR_API int gdpr_source_count(gdpr_engine *eng, size_t *count_out);

#ifdef __cplusplus
}
#endif

#endif
