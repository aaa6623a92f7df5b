/*
 * Internal (core): vault records as every capability sees them: sealing
 * and opening a value (lib/core/record.c) and the one restriction check
 * (lib/core/restrict.c) that every path reading, exporting, changing or
 * deleting a record passes.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_RECORD_H
#define GDPR_RECORD_H

#include "engine.h"

/* Seal `len` bytes of a record's value under the subject's key, as
 * gdpr_engine__seal_field with table "vault" and field "value:<category>".
 * `out` holds len + CRYPTO_SEAL_OVERHEAD bytes. */
int gdpr_record__seal(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES], int64_t record,
                      const char *category, const void *plain, size_t len, uint8_t *out);
/* Open a stored row's value into `out` (value_len - CRYPTO_SEAL_OVERHEAD
 * bytes); gdpr_record__open_with uses an opener set up for the row's subject. */
int gdpr_record__open(gdpr_engine *eng, const store_vault_row *row, uint8_t *out);
int gdpr_record__open_with(engine_field_opener *fo, const store_vault_row *row, uint8_t *out);

/*
 * The one restriction check. What a path wants to do with a record:
 *   READ    hand the value out for processing (vault get, foreach);
 *   EXPORT  give it to the subject (Art. 15, 20): never restricted;
 *   CHANGE  rectify it;
 *   DELETE  delete it in the host's routine (vault delete, retention);
 *   ERASE   erase it under Art. 17 (erasure calls, request fulfilment).
 * What may stand in the way, checked in this order:
 *   HELD    a legal hold on the record, its category or the subject,
 *           narrowed or not to a purpose or collection range, on the
 *           Art. 17(3) ground it names (18(2)): refuses CHANGE, DELETE
 *           and ERASE;
 *   DUTY    a retention rule with an Art. 17(3) exemption ("legal_duty"
 *           is 17(3)(b)) still running: refuses DELETE and ERASE;
 *   KEPT    an erasure of the subject kept the record for storage only
 *           (Art. 17(3), 18(2)): refuses READ and CHANGE;
 *   ART18   the subject restricted processing (Art. 18(1)): refuses READ,
 *           and DELETE unless an erasure of the subject is under way (its
 *           own restriction); CHANGE stays open (rectification is what
 *           ends a restriction under Art. 18(1)(a)) and so does ERASE (the
 *           subject's own erasure request supersedes the restriction).
 * docs/vault.md has the same table for users.
 */
typedef enum {
    RECORD_READ = 1,
    RECORD_EXPORT,
    RECORD_CHANGE,
    RECORD_DELETE,
    RECORD_ERASE
} record_use;

typedef enum {
    RECORD_FREE = 0,
    RECORD_HELD,
    RECORD_DUTY,
    RECORD_KEPT,
    RECORD_ART18
} record_limit_kind;

typedef struct {
    record_limit_kind kind;
    int64_t hold;                  /* RECORD_HELD: the hold's id */
    int64_t until;                 /* when the limit ends (CAL_MAX_TIME: open) */
    char rule[GDPR_NAME_MAX + 32]; /* RECORD_DUTY, RECORD_KEPT: the rule */
    int exemption;                 /* RECORD_HELD, RECORD_DUTY: the Art. 17(3) ground
                                      (gdpr_exemption value) */
} record_limit;

/* Skip the per-record hold lookup: the caller knows no hold touches the
 * subject (gdpr_store__hold_any_for_subject), e.g. an erasure planning many
 * records. */
#define RECORD_NO_HOLDS 0x1u

/* What a caller already read of a record's subject under the write lock
 * it still holds, for the next records of the same subject (an erasure
 * batch): the subject's Art. 18 limits (gdpr_engine__subject_limits) and
 * its open partial erasure (gdpr_store__tombstone_open_partial, 0 when
 * none). Only the caller's own writes can change them meanwhile, and it
 * must forget them when one does (lib/core/shred.h shred_memo). */
typedef struct {
    unsigned int limits;
    int64_t partial;
} record_known;

/* What limits `use` of `row` at `now` (out->kind RECORD_FREE when none).
 * Read-only; GDPR_OK or a storage error. */
int gdpr_record__limit_of(gdpr_engine *eng, const store_vault_row *row, record_use use, int64_t now,
                          unsigned int flags, record_limit *out);

/* 1 when no retention rule keeps records of (purpose, category) under a
 * legal duty, so that without holds (RECORD_NO_HOLDS) every record of the
 * pair is RECORD_FREE for RECORD_DELETE and RECORD_ERASE as far as the duty
 * check goes, whatever its due time or anchor; 0 when each record must be
 * checked (gdpr_record__limit_of). An erasure asks once per pair. */
int gdpr_record__duty_free(const gdpr_engine *eng, const char *purpose, const char *category);

/* GDPR_OK when `use` of `row` is allowed now; else GDPR_ESTATE with a
 * message naming the record, the hold or rule, its end and the article.
 * *kind_out (may be NULL) gets the limit. */
int gdpr_record__check(gdpr_engine *eng, const store_vault_row *row, record_use use, int *kind_out);

/* gdpr_record__check with gdpr_record__limit_of's flags (RECORD_NO_HOLDS). */
int gdpr_record__check_flags(gdpr_engine *eng, const store_vault_row *row, record_use use,
                             unsigned int flags, int *kind_out);

/* gdpr_record__check_flags answering the Art. 18 part from `known` (what
 * the caller read of the subject under the same write lock) instead of
 * the store; `known` NULL reads it as gdpr_record__check_flags does. */
int gdpr_record__check_known(gdpr_engine *eng, const store_vault_row *row, record_use use,
                             unsigned int flags, const record_known *known, int *kind_out);

/* Whether a legal hold in force at `at` covers target `t` (a record: id,
 * category, purpose, collection time) of `subject_hash` (t NULL: the
 * subject as a whole, which only a subject hold not narrowed to a purpose
 * or collection range covers). *hold_out gets the hold id, 0 when none.
 * Read-only. */
int gdpr_record__held(gdpr_engine *eng, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                      const store_hold_target *t, int64_t at, int64_t *hold_out);

/* "YYYY-MM-DD" of `t` in the controller's zone ("?" when out of range). */
void gdpr_engine__format_date(const gdpr_engine *eng, int64_t t, char buf[11]);

#endif
