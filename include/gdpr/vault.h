/*
 * libgdpr: the personal-data vault and subject identifiers.
 *
 * A vault record is one value of one subject, filed under a category and a
 * purpose of the policy, with where it came from and when. The value is
 * sealed (AES-256-GCM) under the subject's own data key, bound to the
 * record id, the subject and the category, so a value copied to another
 * row, subject or category does not open. Identifiers (e-mail, phone,
 * account number ...) find a subject through a keyed blind index of their
 * normalised form; the store never holds them in plaintext.
 * See docs/vault.md.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_VAULT_H
#define GDPR_VAULT_H

#include "gdpr/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest vault value accepted, in bytes (16 MiB). */
#define GDPR_VAULT_VALUE_MAX (16u * 1024u * 1024u)

#define GDPR_VAULT_ITEM_VERSION 1u

/**
 * A value to put into the vault, with its provenance. Transparent and
 * versioned: set `version` to GDPR_VAULT_ITEM_VERSION (GDPR_VAULT_ITEM_INIT
 * or gdpr_vault_item_init() do it). Later fields are appended.
 * All pointers are borrowed for the call only.
 */
typedef struct {
    unsigned int version; /**< GDPR_VAULT_ITEM_VERSION */
    const char *subject;  /**< the host's subject id (created on first use) */
    const char *category; /**< a category of the policy */
    const char *purpose;  /**< a purpose of the policy that lists `category` */
    const void *value;    /**< the value: any bytes; NULL only with len 0 */
    size_t len;           /**< its length, at most GDPR_VAULT_VALUE_MAX */
    const char *field;    /**< optional label ("email", "iban"); not personal data */
    const char *source;   /**< optional: where the value came from when not from
                               the subject (Art. 15(1)(g)), e.g. "partner:acme";
                               NULL: collected from the subject. Not personal data. */
    int64_t collected;    /**< collection time (UTC seconds) or GDPR_NOW (the
                               default); 0 is refused (see common.h, Times) */
} gdpr_vault_item;

#define GDPR_VAULT_ITEM_INIT                                                                       \
    {                                                                                              \
        GDPR_VAULT_ITEM_VERSION, NULL, NULL, NULL, NULL, 0, NULL, NULL, GDPR_NOW                   \
    }

/**
 * Fill `item` with the defaults of item version `version`.
 * @return GDPR_OK; GDPR_EINVAL (item NULL); GDPR_EVERSION (unknown version).
 * @since 0.1
 */
GDPR_API int gdpr_vault_item_init(gdpr_vault_item *item, unsigned int version);

/**
 * Store one value of `subject` (created on first use) under `category` and
 * `purpose`, collected now from the subject. Same as gdpr_vault_put_item()
 * with only these fields set. Needs permission "vault.put"; audited.
 * @param eng  the engine.
 * @param who  the acting user: its role's permissions are checked and the audit trail names it.
 * @param subject  the host's subject id (1..GDPR_NAME_MAX bytes of UTF-8), borrowed.
 * @param category  a category of the policy.
 * @param purpose  the purpose it is kept for (a purpose of the policy).
 * @param value  the bytes to seal, borrowed; NULL only with len 0.
 * @param len  their length, at most GDPR_VAULT_VALUE_MAX.
 * @param[out] record_out  the new record's id; may be NULL.
 * @return GDPR_OK; GDPR_EINVAL (a NULL, empty, over-long or non-UTF-8 text;
 *         a category or purpose the policy lacks, or a purpose that does
 *         not list the category; value NULL with len > 0; len over
 *         GDPR_VAULT_VALUE_MAX); GDPR_EDENIED; GDPR_ESTATE (no policy);
 *         GDPR_ESTORAGE; GDPR_EBUSY; GDPR_ECRYPTO.
 * Thread notes: serialised on the engine like every call.
 * @since 0.1
 */
GDPR_API int gdpr_vault_put(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                            const char *category, const char *purpose, const void *value,
                            size_t len, int64_t *record_out) GDPR_WARN_UNUSED;

/**
 * Store one value with its label, source and collection time.
 * Needs permission "vault.put"; audited (the event names the record id,
 * never the value).
 * @param eng  the engine.
 * @param who  the acting user: its role's permissions are checked and the audit trail names it.
 * @param item  the record (versioned, gdpr_vault_item_init(); borrowed).
 * @param[out] record_out  the new record's id; may be NULL.
 * @return as gdpr_vault_put(); also GDPR_EVERSION (item version unknown),
 *         GDPR_EINVAL (collected 0, negative or after 9999-12-31).
 * @since 0.1
 */
GDPR_API int gdpr_vault_put_item(gdpr_engine *eng, const gdpr_actor *who,
                                 const gdpr_vault_item *item, int64_t *record_out) GDPR_WARN_UNUSED;

/**
 * Read a record's value. Needs permission "vault.get" (refusals are
 * audited; reads are not, and write nothing, so a reader never waits for
 * another engine's write: docs/decisions/0008). A host that shows the
 * value to a person logs that consultation with gdpr_access_record().
 * @param eng  the engine.
 * @param who  the acting user: its role's permissions are checked and the audit trail names it.
 * @param record  the vault record's id (gdpr_vault_put()).
 * @param[out] value_out  a copy, owned by the caller: gdpr_free(); never NULL
 *                        on success (an empty value is a 1-byte buffer).
 *                        Wipe it when done if it is sensitive.
 * @param[out] len_out    its length.
 * @return GDPR_OK; GDPR_EINVAL (NULL out-parameter, record <= 0);
 *         GDPR_ENOTFOUND (no such record); GDPR_EDENIED; GDPR_ESTATE (an
 *         erasure kept the record for storage only, Art. 17(3)/18(2): the
 *         message names the rule and until when); GDPR_ECORRUPT (the sealed
 *         value fails to authenticate); GDPR_ENOMEM.
 * @since 0.1
 */
GDPR_API int gdpr_vault_get(gdpr_engine *eng, const gdpr_actor *who, int64_t record,
                            void **value_out, size_t *len_out) GDPR_WARN_UNUSED;

/**
 * Rectify a record (Art. 16): its value is replaced in place under a fresh
 * nonce; secure_delete zeroes the old ciphertext's page space, and
 * gdpr_vault_checkpoint() pushes that into the file and empties the WAL.
 * Category, purpose and source stay; the update time is now.
 * Needs permission "vault.rectify"; audited.
 * @return GDPR_OK; GDPR_EINVAL (record <= 0, value NULL with len > 0, len
 *         over GDPR_VAULT_VALUE_MAX); GDPR_ENOTFOUND; GDPR_EDENIED;
 *         GDPR_ESTORAGE; GDPR_ECRYPTO.
 * @since 0.1
 */
GDPR_API int gdpr_vault_rectify(gdpr_engine *eng, const gdpr_actor *who, int64_t record,
                                const void *value, size_t len) GDPR_WARN_UNUSED;

/**
 * Delete one record (its bytes are zeroed by secure_delete). Whole-subject
 * erasure with exemptions and source hooks is gdpr_erase_subject().
 * Needs permission "vault.delete"; audited.
 * @return GDPR_OK; GDPR_EINVAL (record <= 0); GDPR_ENOTFOUND; GDPR_EDENIED;
 *         GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_vault_delete(gdpr_engine *eng, const gdpr_actor *who,
                               int64_t record) GDPR_WARN_UNUSED;

/**
 * Checkpoint the write-ahead logs of both files and truncate them, so the
 * pages secure_delete zeroed (after gdpr_vault_rectify(), _delete() or an
 * erasure) reach the files and no older page image stays in a WAL.
 * Not inside a batch. Needs no permission: it changes no data.
 * @return GDPR_OK; GDPR_ESTATE (inside a batch); GDPR_EBUSY (another
 *         connection's reader kept the checkpoint from completing: retry);
 *         GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_vault_checkpoint(gdpr_engine *eng) GDPR_WARN_UNUSED;

/** One record as gdpr_vault_foreach() hands it out; borrowed for the callback. */
typedef struct {
    int64_t id;           /**< record id */
    const char *category; /**< policy category */
    const char *purpose;  /**< policy purpose */
    const char *field;    /**< label, or NULL */
    const char *source;   /**< where it came from, or NULL: the subject */
    int special;          /**< 1 for an Art. 9 special category */
    int64_t collected;    /**< collection time */
    int64_t updated;      /**< last rectification (= collected if never) */
    int has_due;          /**< 1 when retention has set a due time */
    int64_t due;          /**< retention due time when has_due */
    const void *value;    /**< the decrypted value (not NUL-terminated) */
    size_t len;           /**< its length */
} gdpr_vault_record;

/** Iterator callback: return 0 to go on, non-zero to stop (GDPR_ECALLBACK). */
typedef int (*gdpr_vault_fn)(const gdpr_vault_record *rec, void *ctx);

/**
 * Hand every record of `subject` to `fn`, in record order, decrypted one
 * at a time (memory does not grow with the number of records). The value
 * buffer is wiped after each callback. Needs permission "vault.get".
 * @return GDPR_OK (also for a subject with no records or unknown);
 *         GDPR_EINVAL (NULL fn, bad subject); GDPR_EDENIED;
 *         GDPR_ECALLBACK (fn returned non-zero); GDPR_ECORRUPT.
 * @since 0.1
 */
GDPR_API int gdpr_vault_foreach(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                                gdpr_vault_fn fn, void *ctx);

/**
 * Link an identifier of kind `kind` to `subject` (created on first use).
 * Kinds are lowercase words ("email", "phone", "account", ...: a-z, 0-9,
 * '_', '-', '.', at most 64 bytes). The value is normalised first:
 * "email" is trimmed of white space and lowercased (ASCII letters) and must
 * have exactly one '@' between non-empty parts; "phone" keeps a leading
 * '+' and the digits (3 to 20) and drops spaces, '-', '.', '(' and ')';
 * other kinds are taken exactly as given. Linking an identifier the
 * subject holds already changes nothing and returns GDPR_OK.
 * Needs permission "subject.link"; audited.
 * @return GDPR_OK; GDPR_EINVAL (bad kind, value NULL, empty, over
 *         GDPR_NAME_MAX bytes, invalid UTF-8, control characters, or not an
 *         e-mail address / phone number); GDPR_EEXISTS (another subject
 *         holds this identifier: one identifier names one person);
 *         GDPR_EDENIED; GDPR_ESTATE; GDPR_ESTORAGE.
 * @since 0.1
 */
GDPR_API int gdpr_subject_link(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                               const char *kind, const char *value) GDPR_WARN_UNUSED;

/**
 * Find the subject an identifier belongs to. `kind` is the identifier
 * kind ("email", "phone", ...) and `value` a C string, as in
 * gdpr_subject_link(), normalised the same way, so " Ann@Example.COM"
 * finds what "ann@example.com" linked. Read-only; thread-safe like every
 * engine call.
 * @param eng           the engine.
 * @param kind          the identifier kind (a-z 0-9 _ - ., 1..64 bytes).
 * @param value         the identifier, a NUL-terminated string, borrowed.
 * @param[out] subject_out  the host's subject id, owned by the caller:
 *                          gdpr_free(); NULL on failure.
 * @return GDPR_OK; GDPR_EINVAL (NULL eng or subject_out; kind or value as
 *         in gdpr_subject_link()); GDPR_ENOTFOUND (no subject holds it);
 *         GDPR_ECORRUPT; GDPR_ENOMEM.
 * @since 0.2
 */
GDPR_API int gdpr_subject_find_id(gdpr_engine *eng, const char *kind, const char *value,
                                  char **subject_out) GDPR_WARN_UNUSED;

/**
 * Find the subject an identifier belongs to, the value given as pointer
 * and length. Deprecated: use gdpr_subject_find_id(), which names the
 * identifier `kind` and takes a C string like gdpr_subject_link().
 * @param eng           the engine.
 * @param category      the identifier kind, as `kind` of gdpr_subject_find_id().
 * @param value         the identifier's bytes, borrowed.
 * @param len           their length.
 * @param[out] subject_out  the host's subject id, owned by the caller:
 *                          gdpr_free(); NULL on failure.
 * @return as gdpr_subject_find_id().
 * @deprecated use gdpr_subject_find_id()
 * @since 0.1
 */
GDPR_API int gdpr_subject_find(gdpr_engine *eng, const char *category, const void *value,
                               size_t len, char **subject_out) GDPR_WARN_UNUSED
    GDPR_DEPRECATED("use gdpr_subject_find_id");

/* --- the access log (Art. 15(1), 15(4); CJEU C-579/21) --------------------- */

/** Longest reason accepted by gdpr_access_record(), in bytes. */
#define GDPR_ACCESS_REASON_MAX 512u

/**
 * Log that `who` consulted the data of `subject` for `purpose` outside
 * the vault (a CRM screen, a call): the subject's export lists it with
 * its time, purpose, reason and the actor's role (CJEU C-579/21 *Pankki
 * S*, 22 Jun 2023: the subject may learn when and why their data was
 * consulted; the identity of the staff member is that employee's personal
 * data, so the export gives the role and a keyed reference, and the
 * identity only where the policy records the controller's decision that
 * it is needed: `controller.staff_identity`). Call it where a person
 * views the subject's data (a CRM screen, a call), with the purpose the
 * view served; gdpr_vault_get() itself logs nothing (it writes nothing).
 * Needs "vault.get". The entry is erased with the subject.
 * @param eng  the engine.
 * @param who  the acting user: its id and role are logged.
 * @param subject  a subject the store holds (1..GDPR_NAME_MAX bytes of UTF-8), borrowed.
 * @param purpose  a purpose of the policy (why the data was consulted).
 * @param reason   optional (NULL), 1..GDPR_ACCESS_REASON_MAX bytes of UTF-8,
 *                 no personal data (e.g. "call about invoice 2026-17").
 * @return GDPR_OK; GDPR_EINVAL (bad text, purpose not in the policy);
 *         GDPR_ENOTFOUND (no such subject); GDPR_EDENIED; GDPR_ESTATE (no
 *         policy); GDPR_ESTORAGE.
 * Thread notes: safe from any thread; serialised with other calls on the
 * engine.
 * @since 0.2
 */
GDPR_API int gdpr_access_record(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                                const char *purpose, const char *reason) GDPR_WARN_UNUSED;

/**
 * Resolve a staff reference from an export ("staff-" and 32 hex digits)
 * to the id of the staff member it stands for, among those in the access
 * log (the controller answers a subject or a court that needs the
 * identity, CJEU C-579/21). Needs "staff.resolve"; audited (the event
 * names the reference).
 * @param eng  the engine.
 * @param who  the acting user: its role's permissions are checked and the audit trail names it.
 * @param ref  the reference, as the export gives it.
 * @param[out] actor_out  the staff member's id; freed with gdpr_free().
 * @return GDPR_OK; GDPR_EINVAL (NULL, not a reference); GDPR_ENOTFOUND
 *         (no logged consultation has that reference); GDPR_EDENIED;
 *         GDPR_ESTATE (no policy); GDPR_ESTORAGE.
 * @since 0.2
 */
GDPR_API int gdpr_access_resolve(gdpr_engine *eng, const gdpr_actor *who, const char *ref,
                                 char **actor_out) GDPR_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif
