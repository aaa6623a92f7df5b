/*
 * Internal to lib/store/sqlite: MACs of lookup rows (rowmac.c).
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_SQLITE_ROWMAC_H
#define GDPR_SQLITE_ROWMAC_H

#include "sqlite_internal.h"

/* The schema version that added identity.mac and consent_state.mac. */
#define SQ_ROW_MAC_VERSION 13

/* A consent event (history row), every column that gives it meaning;
 * `id` is the event's id (row->id is ignored). */
/* GDPR_ECORRUPT naming `what` unless `stored` is the MAC `want`. */
int gdpr_sqlite__row_mac_check(sqlite_store *st, const uint8_t want[CRYPTO_HASH_BYTES],
                               const void *stored, int stored_len, const char *what);
/* Schema 12's step: MAC every identity and consent-state row, seal the
 * kept aggregate values (needs base.row_mac unless there are none). */
int gdpr_sqlite__row_mac_migrate(sqlite_store *st);
/* The step that adds consent.mac (if missing): MAC every consent event
 * there, then make the table append-only again (needs base.row_mac unless
 * there are none). */
int gdpr_sqlite__consent_event_mac_migrate(sqlite_store *st);
/* Every consent event of the store, unchecked, in id order (consent.c). */
int gdpr_sqlite__consent_event_foreach_raw(sqlite_store *st,
                                           int (*fn)(const store_consent_row *row, void *ctx),
                                           void *ctx);
/* The consent table's append-only trigger. */
#define SQ_CONSENT_APPEND_ONLY_SQL                                                                 \
    "CREATE TRIGGER main.consent_append_only BEFORE UPDATE ON consent"                             \
    " BEGIN SELECT RAISE(ABORT, 'consent events are append-only'); END;"
/* Seal plaintext aggregate values of an older store (sqlite/aggregate.c). */
int gdpr_sqlite__aggregate_seal_existing(sqlite_store *st);

#endif
