/*
 * Internal to the store backends: the MACs of lookup rows (identity,
 * consent state, consent event) under the row key st->row_mac. One
 * encoding for every backend, so a row's MAC does not depend on where it
 * is stored (lib/store/sqlite/rowmac.c says what each MAC binds and why).
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_STORE_ROWMAC_H
#define GDPR_STORE_ROWMAC_H

#include "store.h"

int gdpr_store__identity_mac(store *st, int64_t id, const uint8_t ident[CRYPTO_HASH_BYTES],
                             const uint8_t subject[CRYPTO_HASH_BYTES], const char *kind,
                             uint8_t out[CRYPTO_HASH_BYTES]);
int gdpr_store__consent_state_mac(store *st, const uint8_t subject[CRYPTO_HASH_BYTES],
                                  const char *purpose, const char *recipient,
                                  const store_consent_state *cs, uint8_t out[CRYPTO_HASH_BYTES]);
int gdpr_store__consent_event_mac(store *st, int64_t id, const store_consent_row *row,
                                  uint8_t out[CRYPTO_HASH_BYTES]);

#endif
