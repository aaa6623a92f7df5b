/*
 * Internal to lib/store/postgres: one function per member of store_ops
 * (lib/store/store.h gives their meaning), gathered into
 * gdpr_store__postgres_ops by ops.c. Written from the members of
 * struct store_ops; keep in that order.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_PG_OPS_H
#define GDPR_PG_OPS_H

#include "store.h"

int gdpr_pg__meta_get(store *st, store_file f, const char *name, void *buf, size_t cap,
                      size_t *len_out);
int gdpr_pg__meta_put(store *st, store_file f, const char *name, const void *value, size_t len);
int gdpr_pg__subject_find(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int64_t *id_out);
int gdpr_pg__subject_insert(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], const uint8_t *ident,
                            size_t ident_len, int64_t created, int64_t *id_out);
int gdpr_pg__key_put(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                     const uint8_t wrapped[CRYPTO_WRAPPED_BYTES]);
int gdpr_pg__key_get(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                     uint8_t wrapped[CRYPTO_WRAPPED_BYTES]);
int gdpr_pg__key_rewrap_all(store *st, store_rewrap_fn fn, void *ctx, int64_t *count_out);
int gdpr_pg__audit_tail(store *st, int64_t *seq_out, uint8_t mac_out[CRYPTO_HASH_BYTES]);
int gdpr_pg__audit_insert(store *st, const store_audit_row *row);
int gdpr_pg__audit_foreach(store *st, int64_t from_seq, store_audit_fn fn, void *ctx);
int gdpr_pg__policy_insert(store *st, int64_t at, const char *actor,
                           const uint8_t sha256[CRYPTO_HASH_BYTES], const char *document,
                           int64_t *version_out);
int gdpr_pg__policy_latest(store *st, int64_t *version_out, uint8_t sha256_out[CRYPTO_HASH_BYTES],
                           char **document_out);
int gdpr_pg__policy_get(store *st, int64_t version, char **document_out);
int gdpr_pg__identity_find(store *st, const uint8_t ident_hash[CRYPTO_HASH_BYTES],
                           uint8_t subject_hash_out[CRYPTO_HASH_BYTES]);
int gdpr_pg__identity_insert(store *st, int64_t id, const uint8_t ident_hash[CRYPTO_HASH_BYTES],
                             const uint8_t subject_hash[CRYPTO_HASH_BYTES], const char *kind,
                             const uint8_t *sealed, size_t sealed_len, int64_t created);
int gdpr_pg__identity_foreach(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                              int (*fn)(const store_identity_row *row, void *ctx), void *ctx);
int gdpr_pg__identity_delete_subject(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                     int64_t *count_out);
int gdpr_pg__subject_ident(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], uint8_t *buf,
                           size_t cap, size_t *len_out);
int gdpr_pg__vault_insert(store *st, const store_vault_row *row);
int gdpr_pg__vault_get(store *st, int64_t id, store_vault_fn fn, void *ctx);
int gdpr_pg__vault_foreach(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                           store_vault_fn fn, void *ctx);
int gdpr_pg__vault_update_value(store *st, int64_t id, const uint8_t *sealed, size_t sealed_len,
                                int64_t updated);
int gdpr_pg__vault_delete(store *st, int64_t id);
int gdpr_pg__vault_groups(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                          store_vault_group_fn fn, void *ctx);
int gdpr_pg__vault_delete_subject(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                  int64_t *count_out);
int gdpr_pg__consent_explicit_recipient(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                        const char *recipient, int64_t at, int *found_out);
int gdpr_pg__consent_foreach(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                             int (*fn)(const store_consent_row *row, void *ctx), void *ctx);
int gdpr_pg__consent_append(store *st, const store_consent_row *row, int64_t *id_out);
int gdpr_pg__consent_get(store *st, int64_t id, int (*fn)(const store_consent_row *row, void *ctx),
                         void *ctx);
int gdpr_pg__consent_state_at(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                              const char *purpose, const char *recipient, int64_t at,
                              store_consent_state *out);
int gdpr_pg__consent_delete_subject(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                    int64_t *count_out);
int gdpr_pg__disclosure_foreach(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                int (*fn)(const store_disclosure_row *row, void *ctx), void *ctx);
int gdpr_pg__disclosure_append(store *st, const store_disclosure_row *row);
int gdpr_pg__subject_flags_get(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                               unsigned int *flags_out);
int gdpr_pg__subject_flags_update(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                                  unsigned int set, unsigned int clear);
int gdpr_pg__transfer_foreach(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                              int (*fn)(const store_transfer_row *row, void *ctx), void *ctx);
int gdpr_pg__transfer_foreach_all(store *st, int64_t after_id,
                                  int (*fn)(const store_transfer_row *row,
                                            const uint8_t *subject_hash, void *ctx),
                                  void *ctx);
int gdpr_pg__transfer_insert(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                             const store_transfer_row *row, int64_t logged_at, const char *actor,
                             int64_t *id_out);
int gdpr_pg__transfer_delete_subject(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                     int64_t *count_out);
int gdpr_pg__safeguard_insert(store *st, const store_safeguard_row *row, int64_t *id_out);
int gdpr_pg__safeguard_revoke(store *st, int64_t id, int64_t at, const char *actor,
                              char **recipient_out);
int gdpr_pg__safeguard_foreach(store *st, const char *recipient,
                               int (*fn)(const store_safeguard_row *row, void *ctx), void *ctx);
int gdpr_pg__adequacy_insert(store *st, int64_t at, const char *actor,
                             const uint8_t sha256[CRYPTO_HASH_BYTES], const char *document,
                             int64_t *version_out);
int gdpr_pg__adequacy_latest(store *st, int64_t *version_out, char **document_out);
int gdpr_pg__request_insert(store *st, const store_request_row *row);
int gdpr_pg__request_update(store *st, const store_request_row *row);
int gdpr_pg__request_get(store *st, int64_t id, store_request_row *out);
int gdpr_pg__request_foreach(store *st, const uint8_t *subject_hash, int status,
                             store_request_fn fn, void *ctx);
int gdpr_pg__request_foreach_due(store *st, int64_t after, int64_t until, store_request_fn fn,
                                 void *ctx);
int gdpr_pg__request_event_insert(store *st, const store_request_event_row *row);
int gdpr_pg__request_event_foreach(store *st, int64_t request,
                                   int (*fn)(const store_request_event_row *row, void *ctx),
                                   void *ctx);
int gdpr_pg__request_kpi_days(store *st, int64_t from_day, int64_t to_day,
                              int (*fn)(const store_request_kpi_row *row, void *ctx), void *ctx);
int gdpr_pg__request_kpi_close_days(store *st, int64_t from_day, int64_t to_day,
                                    int (*fn)(int close_days, int64_t n, void *ctx), void *ctx);
int gdpr_pg__request_kpi_rows(store *st, int64_t from, int64_t to,
                              int (*fn)(const store_request_kpi_row *row, void *ctx), void *ctx);
int gdpr_pg__request_overdue_count(store *st, int64_t due_from, int64_t due_to, int64_t from,
                                   int64_t to, int64_t *count_out);
int gdpr_pg__retention_anchor_foreach(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                      int (*fn)(int kind, const char *purpose, int64_t at,
                                                void *ctx),
                                      void *ctx);
int gdpr_pg__retention_anchor_get(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                  int kind, const char *purpose, int64_t *at_out);
int gdpr_pg__retention_anchor_put(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                  int kind, const char *purpose, int64_t at);
int gdpr_pg__retention_anchor_delete(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                     int kind, const char *purpose, int *deleted_out);
int gdpr_pg__retention_get(store *st, int64_t record, store_retention_fn fn, void *ctx);
int gdpr_pg__retention_subject_foreach(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                       store_retention_fn fn, void *ctx);
int gdpr_pg__retention_scan(store *st, int64_t after_id, int limit, store_retention_fn fn,
                            void *ctx);
int gdpr_pg__retention_due_foreach(store *st, int64_t as_of, int has_cursor, int64_t after_due,
                                   int64_t after_id, int limit, store_retention_fn fn, void *ctx);
int gdpr_pg__retention_due_count(store *st, int64_t as_of, int has_cursor, int64_t after_due,
                                 int64_t after_id, int64_t *count_out);
int gdpr_pg__retention_set_schedule(store *st, int64_t record, int has_anchor, int64_t anchor,
                                    int has_due, int64_t due);
int gdpr_pg__retention_state_put(store *st, int64_t record, int has_keep, int64_t keep_until,
                                 int64_t review);
int gdpr_pg__retention_run_open(store *st, store_retention_run_row *out);
int gdpr_pg__retention_run_insert(store *st, store_retention_run_row *row, const char *actor);
int gdpr_pg__retention_run_update(store *st, const store_retention_run_row *row);
int gdpr_pg__review_insert(store *st, const store_review_row *row, int64_t *id_out);
int gdpr_pg__review_get(store *st, int64_t id, store_review_fn fn, void *ctx);
int gdpr_pg__review_foreach(store *st, int status, store_review_fn fn, void *ctx);
int gdpr_pg__review_overdue_foreach(store *st, int64_t as_of, store_review_fn fn, void *ctx);
int gdpr_pg__review_decide(store *st, int64_t id, int status, int64_t decided, const char *actor,
                           const char *role, int64_t keep_until, const uint8_t *sealed,
                           size_t sealed_len);
int gdpr_pg__retention_aggregate_add(store *st, const char *rule, const char *category,
                                     const char *purpose, const char *field, const char *value,
                                     int month);
int gdpr_pg__retention_aggregate_foreach(store *st, store_aggregate_fn fn, void *ctx);
int gdpr_pg__hold_insert(store *st, const store_hold_row *row, int64_t *id_out);
int gdpr_pg__hold_get(store *st, int64_t id, int (*fn)(const store_hold_row *row, void *ctx),
                      void *ctx);
int gdpr_pg__hold_release(store *st, int64_t id, int64_t at, const char *actor, const char *reason);
int gdpr_pg__hold_foreach(store *st, int64_t active_at,
                          int (*fn)(const store_hold_row *row, void *ctx), void *ctx);
int gdpr_pg__hold_covering(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                           const store_hold_target *t, int64_t at, int64_t *hold_out,
                           int64_t *until_out, int *ground_out);
int gdpr_pg__hold_any_for_subject(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                  int64_t at, int *any_out);
int gdpr_pg__tombstone_insert(store *st, const store_tombstone_row *row, int64_t *id_out);
int gdpr_pg__tombstone_add(store *st, int64_t id, int64_t erased, int64_t retained, int complete,
                           int64_t replayed);
int gdpr_pg__tombstone_find(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES], int kind,
                            const char *ground, int64_t from, int64_t to, int64_t *id_out);
int gdpr_pg__tombstone_open_partial(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                    int64_t *id_out);
int gdpr_pg__tombstone_set_complete(store *st, int64_t id);
int gdpr_pg__tombstone_get(store *st, int64_t id,
                           int (*fn)(const store_tombstone_row *row, void *ctx), void *ctx);
int gdpr_pg__tombstone_latest(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                              int (*fn)(const store_tombstone_row *row, void *ctx), void *ctx);
int gdpr_pg__tombstone_foreach(store *st, const uint8_t *subject_hash, int64_t after_id,
                               int (*fn)(const store_tombstone_row *row, void *ctx), void *ctx);
int gdpr_pg__tombstone_set_wiped(store *st);
int gdpr_pg__tombstone_kept_insert(store *st, const store_kept_row *row);
int gdpr_pg__tombstone_kept_foreach(store *st, int64_t tombstone,
                                    int (*fn)(const store_kept_row *row, void *ctx), void *ctx);
int gdpr_pg__tombstone_kept_erased(store *st, int64_t record, int64_t at);
int gdpr_pg__tombstone_kept_find(store *st, int64_t record, int64_t *until_out, char *rule,
                                 size_t rule_cap);
int gdpr_pg__tombstone_record_add(store *st, int64_t tombstone, int64_t record);
int gdpr_pg__tombstone_record_foreach(store *st, int64_t tombstone,
                                      int (*fn)(int64_t record, void *ctx), void *ctx);
int gdpr_pg__tombstone_recipient_add(store *st, int64_t tombstone, const char *recipient,
                                     int64_t disclosures, int64_t last_at);
int gdpr_pg__tombstone_recipient_foreach(store *st, int64_t tombstone,
                                         int (*fn)(const char *recipient, int64_t disclosures,
                                                   int64_t last_at, void *ctx),
                                         void *ctx);
int gdpr_pg__pending_insert(store *st, const store_pending_row *row, int64_t *id_out);
int gdpr_pg__pending_foreach(store *st, int64_t after_id,
                             int (*fn)(const store_pending_row *row, void *ctx), void *ctx);
int gdpr_pg__pending_update(store *st, int64_t id, int64_t at, const char *error);
int gdpr_pg__pending_delete(store *st, int64_t id);
int gdpr_pg__pending_count_key(store *st, const uint8_t key_id[CRYPTO_HASH_BYTES],
                               int64_t *count_out);
int gdpr_pg__key_queue_add(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int64_t tombstone,
                           int64_t at);
int gdpr_pg__key_queue_first(store *st, uint8_t hash_out[CRYPTO_HASH_BYTES]);
int gdpr_pg__key_queue_foreach(store *st,
                               int (*fn)(const uint8_t *hash, int64_t tombstone, int64_t queued,
                                         void *ctx),
                               void *ctx);
int gdpr_pg__erasure_unfinished(store *st, int *keys_out, int *unwiped_out);
int gdpr_pg__key_delete(store *st, const uint8_t hash[CRYPTO_HASH_BYTES]);
int gdpr_pg__key_exists(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int *exists_out);
int gdpr_pg__subject_delete(store *st, const uint8_t hash[CRYPTO_HASH_BYTES]);
int gdpr_pg__subject_created(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                             int64_t *created_out);
int gdpr_pg__subject_has_data(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int *has_out);
int gdpr_pg__erasure_scrub_requests(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                                    int64_t *count_out);
int gdpr_pg__json_parse(store *st, const char *text, json_node **out);
int gdpr_pg__key_state(store *st, store_key_state *out);
int gdpr_pg__rotation_put(store *st, store_file f, uint64_t kek_generation, int64_t rekey_seq);
int gdpr_pg__key_queue_destroy(store *st, const uint8_t hash[CRYPTO_HASH_BYTES]);
int gdpr_pg__policy_version(store *st, int64_t *version_out);
int gdpr_pg__objection_put(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], const char *purpose,
                           int64_t at);
int gdpr_pg__objection_get(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], const char *purpose,
                           int64_t *at_out);
int gdpr_pg__objection_delete(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                              const char *purpose);
int gdpr_pg__key_serial(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                        uint8_t wrapped[CRYPTO_WRAPPED_BYTES], int64_t *serial_out);
int gdpr_pg__transfer_count(store *st, const char *recipient, int64_t after, int64_t until,
                            const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                            store_transfer_count *out);
int gdpr_pg__access_insert(store *st, const store_access_row *row);
int gdpr_pg__access_foreach(store *st, const uint8_t *subject_hash,
                            int (*fn)(const store_access_row *row, void *ctx), void *ctx);
int gdpr_pg__access_delete_subject(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                   int64_t *count_out);
void gdpr_pg__discard(store *st);
int gdpr_pg__signal_append(store *st, const store_signal_row *row);
int gdpr_pg__signal_latest(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int kind, int64_t at,
                           int64_t *id_out, int64_t *at_out);
int gdpr_pg__signal_foreach(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                            int (*fn)(const store_signal_row *row, void *ctx), void *ctx);
int gdpr_pg__conflict_append(store *st, const store_conflict_row *row, int64_t *id_out);
int gdpr_pg__conflict_foreach(store *st, const uint8_t *hash, int64_t since, int64_t after_id,
                              int (*fn)(const store_conflict_row *row, void *ctx), void *ctx);
int gdpr_pg__consent_report_foreach(store *st, const store_consent_report_filter *f,
                                    int (*fn)(const store_consent_report_row *row, void *ctx),
                                    void *ctx);
int gdpr_pg__breach_insert(store *st, const store_breach_row *row);
int gdpr_pg__breach_update(store *st, const store_breach_row *row);
int gdpr_pg__breach_get(store *st, int64_t id, int (*fn)(const store_breach_row *row, void *ctx),
                        void *ctx);
int gdpr_pg__breach_foreach(store *st, int pending, int64_t due_by,
                            int (*fn)(const store_breach_row *row, void *ctx), void *ctx);
int gdpr_pg__breach_subject_add(store *st, int64_t breach, const uint8_t subject[CRYPTO_HASH_BYTES],
                                int64_t at, int *added_out);
int gdpr_pg__breach_subject_count(store *st, int64_t breach, int64_t *count_out);
int gdpr_pg__request_find_open(store *st, const uint8_t subject[CRYPTO_HASH_BYTES], int type,
                               int64_t *id_out);
int gdpr_pg__read_begin(store *st, int both_files);
void gdpr_pg__read_end(store *st);
int gdpr_pg__begin_unguarded(store *st);

#endif
