/*
 * libgdpr: the subject access export (Art. 15) and its portable form
 * (Art. 20). One document, streamed through a callback the host supplies:
 * memory does not grow with the number of records. The JSON form holds
 * every item Art. 15(1)(a)-(h) and 15(2) ask for; its layout is
 * docs/export.md and docs/export.schema.json. The CSV form holds the data
 * itself, one table per category.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_EXPORT_H
#define GDPR_EXPORT_H

#include "gdpr/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Export formats. */
#define GDPR_EXPORT_JSON 1 /**< one JSON document (docs/export.schema.json) */
#define GDPR_EXPORT_CSV 2  /**< one RFC 4180 table of every item, with a category column */

/**
 * Output callback: take `len` bytes (not NUL-terminated). Return 0 on
 * success; anything else stops the export with GDPR_ECALLBACK.
 */
typedef int (*gdpr_write_fn)(const void *buf, size_t len, void *ctx);

/**
 * Export everything the store and every registered source hold on
 * `subject`, streamed through `write` in pieces of at most 64 KiB.
 * Reads run in one transaction, so the document is a consistent snapshot.
 * The export is audited (success and failure; the event names the format
 * and the counts, never data). Needs permission "export.subject".
 * Values that are not UTF-8 text go out base64 with "encoding": "base64".
 * @param eng  the engine.
 * @param who  the acting user: its role's permissions are checked and the audit trail names it.
 * @param subject  the host's subject id (1..GDPR_NAME_MAX bytes of UTF-8), borrowed.
 * @param format  GDPR_EXPORT_JSON or GDPR_EXPORT_CSV.
 * @param write  called with each chunk of the export in order.
 * @param ctx  handed back to `write`.
 * @return GDPR_OK; GDPR_EINVAL (NULL write, bad subject, unknown format);
 *         GDPR_ENOTFOUND (the store has no such subject: create it with
 *         gdpr_subject_ensure() to export only source data);
 *         GDPR_EDENIED; GDPR_ESTATE (no policy); GDPR_ECALLBACK (`write`
 *         or a source failed: the message names which; what was written
 *         so far is incomplete and must be discarded); GDPR_ECORRUPT.
 * Thread notes: holds the engine for the whole export; callbacks may call
 * the library (the lock is recursive) but not from other threads.
 * @since 0.1
 */
GDPR_API int gdpr_export_subject(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                                 int format, gdpr_write_fn write, void *ctx) GDPR_WARN_UNUSED;

#define GDPR_CSV_WRITER_VERSION 1u

/**
 * Where gdpr_export_subject_csv() puts its tables: one per category of
 * the policy (named by the category id), opened up front in policy order
 * and written interleaved as data arrives.
 */
typedef struct {
    unsigned int version; /**< GDPR_CSV_WRITER_VERSION */
    /** Open table `table`: set *write_out (and *table_ctx_out, handed to
     *  it). Return 0, or non-zero to fail the export (GDPR_ECALLBACK). */
    int (*open_table)(const char *table, gdpr_write_fn *write_out, void **table_ctx_out, void *ctx);
    /** Optional: every opened table is closed once, at the end; `status`
     *  is the export's result (GDPR_OK or the failure: discard the table).
     *  A non-zero return fails an otherwise good export. */
    int (*close_table)(const char *table, void *table_ctx, int status, void *ctx);
    void *ctx; /**< handed to open_table and close_table */
} gdpr_csv_writer;

/**
 * The portable form (Art. 20): one RFC 4180 CSV table per category of the
 * policy, header row first, CRLF line ends. Columns: origin ("vault" or
 * the source's name), record, field, purpose, collected_from, collected,
 * updated, encoding ("utf-8" or "base64"), value. Audited like
 * gdpr_export_subject(); needs permission "export.subject".
 * @return as gdpr_export_subject(); GDPR_EINVAL also for a NULL or
 *         incomplete `w`, GDPR_EVERSION for an unknown w->version.
 * @since 0.1
 */
GDPR_API int gdpr_export_subject_csv(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                                     const gdpr_csv_writer *w) GDPR_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
