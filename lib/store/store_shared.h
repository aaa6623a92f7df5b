/*
 * Internal to the store backends: what every backend computes the same
 * way, written once (lib/store/shared.c): the MACs of lookup rows
 * (identity, consent state, consent event) under the row key st->row_mac,
 * so a row's MAC does not depend on where it is stored
 * (lib/store/sqlite/rowmac.c says what each MAC binds and why); the
 * anonymisation aggregates' value index; and what one request adds to the
 * KPI counters (the Art. 12 lateness rules).
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_STORE_SHARED_H
#define GDPR_STORE_SHARED_H

#include "store.h"

int gdpr_store__identity_mac(store *st, int64_t id, const uint8_t ident[CRYPTO_HASH_BYTES],
                             const uint8_t subject[CRYPTO_HASH_BYTES], const char *kind,
                             uint8_t out[CRYPTO_HASH_BYTES]);
int gdpr_store__consent_state_mac(store *st, const uint8_t subject[CRYPTO_HASH_BYTES],
                                  const char *purpose, const char *recipient,
                                  const store_consent_state *cs, uint8_t out[CRYPTO_HASH_BYTES]);
int gdpr_store__consent_event_mac(store *st, int64_t id, const store_consent_row *row,
                                  uint8_t out[CRYPTO_HASH_BYTES]);

/* Anonymisation aggregates: the keyed index of a kept value ("v1:" and
 * HMAC(index key, "aggregate-value" | field | value) in hex), the
 * associated data that binds a sealed value to its group, and the check
 * that the store has its key (lib/store/sqlite/aggregate.c says why). */
#define AGG_VALUE_MAX 64u
#define AGG_INDEX_PREFIX "v1:"
#define AGG_INDEX_LEN (sizeof AGG_INDEX_PREFIX - 1 + 2 * CRYPTO_HASH_BYTES)
#define AGG_AAD_MAX (5 * (GDPR_NAME_MAX + 1) + 32 + AGG_INDEX_LEN)

int gdpr_store__aggregate_index(store *st, const char *field, const char *value,
                                char out[AGG_INDEX_LEN + 1]);
size_t gdpr_store__aggregate_aad(char *buf, const char *rule, const char *category,
                                 const char *purpose, const char *field, int month,
                                 const char *index);
int gdpr_store__aggregate_need_key(store *st);

/* What one request adds to the counters of its UTC receipt day, type and
 * status (request_kpi), and, once fulfilled or denied, to the days-to-close
 * histogram (request_kpi_close). Kept here, in the same transaction as the
 * row, so that KPIs cost the days asked for, not the requests stored. */
typedef struct {
    int64_t day;
    int type, status;
    int64_t late, extended, escalated, escalations, high_risk;
    int denial, close_days;
} store_kpi_part;
void gdpr_store__kpi_of(int type, int64_t received, const store_request_row *r, store_kpi_part *k);
int gdpr_store__kpi_same(const store_kpi_part *a, const store_kpi_part *b);
int gdpr_store__kpi_decided(int status);

#endif
