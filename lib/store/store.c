/*
 * The store's front: picks a backend at open from the configuration and
 * dispatches every store_* call through the handle's table of operations
 * (store.h). No storage logic lives here.
 * SPDX-License-Identifier: MIT
 */
#include "store.h"

#include <string.h>

#include "error.h"

static int
has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A connection URI names a server backend; anything else is a file path
 * (or ":memory:") for the embedded one. */
static const store_ops *
backend_for(const store_config *cfg)
{
    if (has_prefix(cfg->path, "postgresql://") || has_prefix(cfg->path, "postgres://")) {
#ifdef GDPR_HAVE_POSTGRES
        return &gdpr_store__postgres_ops;
#else
        return NULL;
#endif
    }
    return &gdpr_store__sqlite_ops;
}

int
gdpr_store__open(store **out, const store_config *cfg, int *is_new)
{
    const store_ops *ops;

    *out = NULL;
    if (cfg == NULL || cfg->path == NULL || cfg->keystore_path == NULL)
        return gdpr__err_set(GDPR_EINVAL, "store: no path");
    ops = backend_for(cfg);
    if (ops == NULL)
        return gdpr__err_set(GDPR_EINVAL,
                             "path: a PostgreSQL URI, but this libgdpr was built without the "
                             "PostgreSQL backend (meson option postgres)");
    if (ops->version < STORE_OPS_VERSION)
        return gdpr__err_set(GDPR_ESTATE,
                             "store: backend '%s' implements operations version %u, "
                             "%u is needed",
                             ops->name, ops->version, STORE_OPS_VERSION);
    return ops->open(out, cfg, is_new);
}

/* Schema versions number the logical schema, the same in every backend. */
int
gdpr_store__schema_latest(void)
{
    return gdpr_store__sqlite_ops.schema_latest();
}

void
gdpr_store__close(store *st)
{
    if (st != NULL)
        st->ops->close(st);
}

void
gdpr_store__discard(store *st)
{
    if (st != NULL)
        st->ops->discard(st);
}

int
gdpr_store__migrate(store *st, int target)
{
    return st->ops->migrate(st, target);
}

int
gdpr_store__schema_version(store *st, int *version_out)
{
    return st->ops->schema_version(st, version_out);
}

int
gdpr_store__begin(store *st)
{
    return st->ops->begin(st);
}

int
gdpr_store__commit(store *st)
{
    return st->ops->commit(st);
}

void
gdpr_store__rollback(store *st)
{
    st->ops->rollback(st);
}

int
gdpr_store__depth(const store *st)
{
    return st->ops->depth(st);
}

int
gdpr_store__read_begin(store *st, int both_files)
{
    return st->ops->read_begin(st, both_files);
}

void
gdpr_store__read_end(store *st)
{
    st->ops->read_end(st);
}

int
gdpr_store__begin_unguarded(store *st)
{
    return st->ops->begin_unguarded(st);
}

int
gdpr_store__next_id(store *st, store_seq which, int64_t *id_out)
{
    return st->ops->next_id(st, which, id_out);
}

int
gdpr_store__generation(store *st, uint64_t *generation_out)
{
    return st->ops->generation(st, generation_out);
}

int
gdpr_store__meta_get(store *st, store_file f, const char *name, void *buf, size_t cap,
                     size_t *len_out)
{
    return st->ops->meta_get(st, f, name, buf, cap, len_out);
}

int
gdpr_store__meta_put(store *st, store_file f, const char *name, const void *value, size_t len)
{
    return st->ops->meta_put(st, f, name, value, len);
}

int
gdpr_store__subject_find(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int64_t *id_out)
{
    return st->ops->subject_find(st, hash, id_out);
}

int
gdpr_store__subject_insert(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], const uint8_t *ident,
                           size_t ident_len, int64_t created, int64_t *id_out)
{
    return st->ops->subject_insert(st, hash, ident, ident_len, created, id_out);
}

int
gdpr_store__key_put(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                    const uint8_t wrapped[CRYPTO_WRAPPED_BYTES])
{
    return st->ops->key_put(st, hash, wrapped);
}

int
gdpr_store__key_get(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                    uint8_t wrapped[CRYPTO_WRAPPED_BYTES])
{
    return st->ops->key_get(st, hash, wrapped);
}

int
gdpr_store__key_serial(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                       uint8_t wrapped[CRYPTO_WRAPPED_BYTES], int64_t *serial_out)
{
    return st->ops->key_serial(st, hash, wrapped, serial_out);
}

int
gdpr_store__key_rewrap_all(store *st, store_rewrap_fn fn, void *ctx, int64_t *count_out)
{
    return st->ops->key_rewrap_all(st, fn, ctx, count_out);
}

int
gdpr_store__audit_tail(store *st, int64_t *seq_out, uint8_t mac_out[CRYPTO_HASH_BYTES])
{
    return st->ops->audit_tail(st, seq_out, mac_out);
}

int
gdpr_store__audit_insert(store *st, const store_audit_row *row)
{
    return st->ops->audit_insert(st, row);
}

int
gdpr_store__audit_foreach(store *st, int64_t from_seq, store_audit_fn fn, void *ctx)
{
    return st->ops->audit_foreach(st, from_seq, fn, ctx);
}

int
gdpr_store__policy_insert(store *st, int64_t at, const char *actor,
                          const uint8_t sha256[CRYPTO_HASH_BYTES], const char *document,
                          int64_t *version_out)
{
    return st->ops->policy_insert(st, at, actor, sha256, document, version_out);
}

int
gdpr_store__policy_latest(store *st, int64_t *version_out, uint8_t sha256_out[CRYPTO_HASH_BYTES],
                          char **document_out)
{
    return st->ops->policy_latest(st, version_out, sha256_out, document_out);
}

int
gdpr_store__policy_get(store *st, int64_t version, char **document_out)
{
    return st->ops->policy_get(st, version, document_out);
}

int
gdpr_store__identity_find(store *st, const uint8_t ident_hash[CRYPTO_HASH_BYTES],
                          uint8_t subject_hash_out[CRYPTO_HASH_BYTES])
{
    return st->ops->identity_find(st, ident_hash, subject_hash_out);
}

int
gdpr_store__identity_insert(store *st, int64_t id, const uint8_t ident_hash[CRYPTO_HASH_BYTES],
                            const uint8_t subject_hash[CRYPTO_HASH_BYTES], const char *kind,
                            const uint8_t *sealed, size_t sealed_len, int64_t created)
{
    return st->ops->identity_insert(st, id, ident_hash, subject_hash, kind, sealed, sealed_len,
                                    created);
}

int
gdpr_store__identity_foreach(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                             int (*fn)(const store_identity_row *row, void *ctx), void *ctx)
{
    return st->ops->identity_foreach(st, subject_hash, fn, ctx);
}

int
gdpr_store__identity_delete_subject(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                    int64_t *count_out)
{
    return st->ops->identity_delete_subject(st, subject_hash, count_out);
}

int
gdpr_store__subject_ident(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], uint8_t *buf,
                          size_t cap, size_t *len_out)
{
    return st->ops->subject_ident(st, hash, buf, cap, len_out);
}

int
gdpr_store__vault_insert(store *st, const store_vault_row *row)
{
    return st->ops->vault_insert(st, row);
}

int
gdpr_store__vault_get(store *st, int64_t id, store_vault_fn fn, void *ctx)
{
    return st->ops->vault_get(st, id, fn, ctx);
}

int
gdpr_store__vault_foreach(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                          store_vault_fn fn, void *ctx)
{
    return st->ops->vault_foreach(st, subject_hash, fn, ctx);
}

int
gdpr_store__vault_update_value(store *st, int64_t id, const uint8_t *sealed, size_t sealed_len,
                               int64_t updated)
{
    return st->ops->vault_update_value(st, id, sealed, sealed_len, updated);
}

int
gdpr_store__vault_delete(store *st, int64_t id)
{
    return st->ops->vault_delete(st, id);
}

int
gdpr_store__vault_delete_subject(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                 int64_t *count_out)
{
    return st->ops->vault_delete_subject(st, subject_hash, count_out);
}

int
gdpr_store__vault_groups(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                         store_vault_group_fn fn, void *ctx)
{
    return st->ops->vault_groups(st, subject_hash, fn, ctx);
}

int
gdpr_store__scrub(store *st)
{
    return st->ops->scrub(st);
}

int
gdpr_store__consent_explicit_recipient(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                       const char *recipient, int64_t at, int *found_out)
{
    return st->ops->consent_explicit_recipient(st, subject_hash, recipient, at, found_out);
}

int
gdpr_store__consent_foreach(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                            int (*fn)(const store_consent_row *row, void *ctx), void *ctx)
{
    return st->ops->consent_foreach(st, subject_hash, fn, ctx);
}

int
gdpr_store__consent_append(store *st, const store_consent_row *row, int64_t *id_out)
{
    return st->ops->consent_append(st, row, id_out);
}

int
gdpr_store__consent_get(store *st, int64_t id, int (*fn)(const store_consent_row *row, void *ctx),
                        void *ctx)
{
    return st->ops->consent_get(st, id, fn, ctx);
}

int
gdpr_store__consent_state_at(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                             const char *purpose, const char *recipient, int64_t at,
                             store_consent_state *out)
{
    return st->ops->consent_state_at(st, subject_hash, purpose, recipient, at, out);
}

int
gdpr_store__consent_delete_subject(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                   int64_t *count_out)
{
    return st->ops->consent_delete_subject(st, subject_hash, count_out);
}

int
gdpr_store__disclosure_foreach(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                               int (*fn)(const store_disclosure_row *row, void *ctx), void *ctx)
{
    return st->ops->disclosure_foreach(st, subject_hash, fn, ctx);
}

int
gdpr_store__disclosure_append(store *st, const store_disclosure_row *row)
{
    return st->ops->disclosure_append(st, row);
}

int
gdpr_store__subject_flags_get(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                              unsigned int *flags_out)
{
    return st->ops->subject_flags_get(st, hash, flags_out);
}

int
gdpr_store__subject_flags_update(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], unsigned int set,
                                 unsigned int clear)
{
    return st->ops->subject_flags_update(st, hash, set, clear);
}

int
gdpr_store__objection_put(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], const char *purpose,
                          int64_t at)
{
    return st->ops->objection_put(st, hash, purpose, at);
}

int
gdpr_store__objection_get(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], const char *purpose,
                          int64_t *at_out)
{
    return st->ops->objection_get(st, hash, purpose, at_out);
}

int
gdpr_store__objection_delete(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], const char *purpose)
{
    return st->ops->objection_delete(st, hash, purpose);
}

int
gdpr_store__transfer_foreach(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                             int (*fn)(const store_transfer_row *row, void *ctx), void *ctx)
{
    return st->ops->transfer_foreach(st, subject_hash, fn, ctx);
}

int
gdpr_store__transfer_foreach_all(store *st, int64_t after_id,
                                 int (*fn)(const store_transfer_row *row,
                                           const uint8_t *subject_hash, void *ctx),
                                 void *ctx)
{
    return st->ops->transfer_foreach_all(st, after_id, fn, ctx);
}

int
gdpr_store__transfer_insert(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                            const store_transfer_row *row, int64_t logged_at, const char *actor,
                            int64_t *id_out)
{
    return st->ops->transfer_insert(st, subject_hash, row, logged_at, actor, id_out);
}

int
gdpr_store__transfer_delete_subject(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                    int64_t *count_out)
{
    return st->ops->transfer_delete_subject(st, subject_hash, count_out);
}

int
gdpr_store__transfer_count(store *st, const char *recipient, int64_t after, int64_t until,
                           const uint8_t subject_hash[CRYPTO_HASH_BYTES], store_transfer_count *out)
{
    return st->ops->transfer_count(st, recipient, after, until, subject_hash, out);
}

int
gdpr_store__safeguard_insert(store *st, const store_safeguard_row *row, int64_t *id_out)
{
    return st->ops->safeguard_insert(st, row, id_out);
}

int
gdpr_store__safeguard_revoke(store *st, int64_t id, int64_t at, const char *actor,
                             char **recipient_out)
{
    return st->ops->safeguard_revoke(st, id, at, actor, recipient_out);
}

int
gdpr_store__safeguard_foreach(store *st, const char *recipient,
                              int (*fn)(const store_safeguard_row *row, void *ctx), void *ctx)
{
    return st->ops->safeguard_foreach(st, recipient, fn, ctx);
}

int
gdpr_store__adequacy_insert(store *st, int64_t at, const char *actor,
                            const uint8_t sha256[CRYPTO_HASH_BYTES], const char *document,
                            int64_t *version_out)
{
    return st->ops->adequacy_insert(st, at, actor, sha256, document, version_out);
}

int
gdpr_store__adequacy_latest(store *st, int64_t *version_out, char **document_out)
{
    return st->ops->adequacy_latest(st, version_out, document_out);
}

int
gdpr_store__request_insert(store *st, const store_request_row *row)
{
    return st->ops->request_insert(st, row);
}

int
gdpr_store__request_update(store *st, const store_request_row *row)
{
    return st->ops->request_update(st, row);
}

int
gdpr_store__request_get(store *st, int64_t id, store_request_row *out)
{
    return st->ops->request_get(st, id, out);
}

int
gdpr_store__request_foreach(store *st, const uint8_t *subject_hash, int status, store_request_fn fn,
                            void *ctx)
{
    return st->ops->request_foreach(st, subject_hash, status, fn, ctx);
}

int
gdpr_store__request_foreach_due(store *st, int64_t after, int64_t until, store_request_fn fn,
                                void *ctx)
{
    return st->ops->request_foreach_due(st, after, until, fn, ctx);
}

int
gdpr_store__request_event_insert(store *st, const store_request_event_row *row)
{
    return st->ops->request_event_insert(st, row);
}

int
gdpr_store__request_event_foreach(store *st, int64_t request,
                                  int (*fn)(const store_request_event_row *row, void *ctx),
                                  void *ctx)
{
    return st->ops->request_event_foreach(st, request, fn, ctx);
}

int
gdpr_store__request_kpi_days(store *st, int64_t from_day, int64_t to_day,
                             int (*fn)(const store_request_kpi_row *row, void *ctx), void *ctx)
{
    return st->ops->request_kpi_days(st, from_day, to_day, fn, ctx);
}

int
gdpr_store__request_kpi_close_days(store *st, int64_t from_day, int64_t to_day,
                                   int (*fn)(int close_days, int64_t n, void *ctx), void *ctx)
{
    return st->ops->request_kpi_close_days(st, from_day, to_day, fn, ctx);
}

int
gdpr_store__request_kpi_rows(store *st, int64_t from, int64_t to,
                             int (*fn)(const store_request_kpi_row *row, void *ctx), void *ctx)
{
    return st->ops->request_kpi_rows(st, from, to, fn, ctx);
}

int
gdpr_store__request_overdue_count(store *st, int64_t due_from, int64_t due_to, int64_t from,
                                  int64_t to, int64_t *count_out)
{
    return st->ops->request_overdue_count(st, due_from, due_to, from, to, count_out);
}

int
gdpr_store__retention_anchor_foreach(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                     int (*fn)(int kind, const char *purpose, int64_t at,
                                               void *ctx),
                                     void *ctx)
{
    return st->ops->retention_anchor_foreach(st, subject_hash, fn, ctx);
}

int
gdpr_store__retention_anchor_get(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES], int kind,
                                 const char *purpose, int64_t *at_out)
{
    return st->ops->retention_anchor_get(st, subject_hash, kind, purpose, at_out);
}

int
gdpr_store__retention_anchor_put(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES], int kind,
                                 const char *purpose, int64_t at)
{
    return st->ops->retention_anchor_put(st, subject_hash, kind, purpose, at);
}

int
gdpr_store__retention_anchor_delete(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                    int kind, const char *purpose, int *deleted_out)
{
    return st->ops->retention_anchor_delete(st, subject_hash, kind, purpose, deleted_out);
}

int
gdpr_store__retention_get(store *st, int64_t record, store_retention_fn fn, void *ctx)
{
    return st->ops->retention_get(st, record, fn, ctx);
}

int
gdpr_store__retention_subject_foreach(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                      store_retention_fn fn, void *ctx)
{
    return st->ops->retention_subject_foreach(st, subject_hash, fn, ctx);
}

int
gdpr_store__retention_scan(store *st, int64_t after_id, int limit, store_retention_fn fn, void *ctx)
{
    return st->ops->retention_scan(st, after_id, limit, fn, ctx);
}

int
gdpr_store__retention_due_foreach(store *st, int64_t as_of, int has_cursor, int64_t after_due,
                                  int64_t after_id, int limit, store_retention_fn fn, void *ctx)
{
    return st->ops->retention_due_foreach(st, as_of, has_cursor, after_due, after_id, limit, fn,
                                          ctx);
}

int
gdpr_store__retention_due_count(store *st, int64_t as_of, int has_cursor, int64_t after_due,
                                int64_t after_id, int64_t *count_out)
{
    return st->ops->retention_due_count(st, as_of, has_cursor, after_due, after_id, count_out);
}

int
gdpr_store__retention_set_schedule(store *st, int64_t record, int has_anchor, int64_t anchor,
                                   int has_due, int64_t due)
{
    return st->ops->retention_set_schedule(st, record, has_anchor, anchor, has_due, due);
}

int
gdpr_store__retention_state_put(store *st, int64_t record, int has_keep, int64_t keep_until,
                                int64_t review)
{
    return st->ops->retention_state_put(st, record, has_keep, keep_until, review);
}

int
gdpr_store__retention_run_open(store *st, store_retention_run_row *out)
{
    return st->ops->retention_run_open(st, out);
}

int
gdpr_store__retention_run_insert(store *st, store_retention_run_row *row, const char *actor)
{
    return st->ops->retention_run_insert(st, row, actor);
}

int
gdpr_store__retention_run_update(store *st, const store_retention_run_row *row)
{
    return st->ops->retention_run_update(st, row);
}

int
gdpr_store__review_insert(store *st, const store_review_row *row, int64_t *id_out)
{
    return st->ops->review_insert(st, row, id_out);
}

int
gdpr_store__review_get(store *st, int64_t id, store_review_fn fn, void *ctx)
{
    return st->ops->review_get(st, id, fn, ctx);
}

int
gdpr_store__review_foreach(store *st, int status, store_review_fn fn, void *ctx)
{
    return st->ops->review_foreach(st, status, fn, ctx);
}

int
gdpr_store__review_overdue_foreach(store *st, int64_t as_of, store_review_fn fn, void *ctx)
{
    return st->ops->review_overdue_foreach(st, as_of, fn, ctx);
}

int
gdpr_store__review_decide(store *st, int64_t id, int status, int64_t decided, const char *actor,
                          const char *role, int64_t keep_until, const uint8_t *sealed,
                          size_t sealed_len)
{
    return st->ops->review_decide(st, id, status, decided, actor, role, keep_until, sealed,
                                  sealed_len);
}

int
gdpr_store__retention_aggregate_add(store *st, const char *rule, const char *category,
                                    const char *purpose, const char *field, const char *value,
                                    int month)
{
    return st->ops->retention_aggregate_add(st, rule, category, purpose, field, value, month);
}

int
gdpr_store__retention_aggregate_foreach(store *st, store_aggregate_fn fn, void *ctx)
{
    return st->ops->retention_aggregate_foreach(st, fn, ctx);
}

int
gdpr_store__hold_insert(store *st, const store_hold_row *row, int64_t *id_out)
{
    return st->ops->hold_insert(st, row, id_out);
}

int
gdpr_store__hold_get(store *st, int64_t id, int (*fn)(const store_hold_row *row, void *ctx),
                     void *ctx)
{
    return st->ops->hold_get(st, id, fn, ctx);
}

int
gdpr_store__hold_release(store *st, int64_t id, int64_t at, const char *actor, const char *reason)
{
    return st->ops->hold_release(st, id, at, actor, reason);
}

int
gdpr_store__hold_foreach(store *st, int64_t active_at,
                         int (*fn)(const store_hold_row *row, void *ctx), void *ctx)
{
    return st->ops->hold_foreach(st, active_at, fn, ctx);
}

int
gdpr_store__hold_covering(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                          const store_hold_target *t, int64_t at, int64_t *hold_out,
                          int64_t *until_out, int *ground_out)
{
    return st->ops->hold_covering(st, subject_hash, t, at, hold_out, until_out, ground_out);
}

int
gdpr_store__hold_any_for_subject(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                 int64_t at, int *any_out)
{
    return st->ops->hold_any_for_subject(st, subject_hash, at, any_out);
}

int
gdpr_store__tombstone_insert(store *st, const store_tombstone_row *row, int64_t *id_out)
{
    return st->ops->tombstone_insert(st, row, id_out);
}

int
gdpr_store__tombstone_add(store *st, int64_t id, int64_t erased, int64_t retained, int complete,
                          int64_t replayed)
{
    return st->ops->tombstone_add(st, id, erased, retained, complete, replayed);
}

int
gdpr_store__tombstone_find(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES], int kind,
                           const char *ground, int64_t from, int64_t to, int64_t *id_out)
{
    return st->ops->tombstone_find(st, subject_hash, kind, ground, from, to, id_out);
}

int
gdpr_store__tombstone_open_partial(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                   int64_t *id_out)
{
    return st->ops->tombstone_open_partial(st, subject_hash, id_out);
}

int
gdpr_store__tombstone_set_complete(store *st, int64_t id)
{
    return st->ops->tombstone_set_complete(st, id);
}

int
gdpr_store__tombstone_get(store *st, int64_t id,
                          int (*fn)(const store_tombstone_row *row, void *ctx), void *ctx)
{
    return st->ops->tombstone_get(st, id, fn, ctx);
}

int
gdpr_store__tombstone_latest(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                             int (*fn)(const store_tombstone_row *row, void *ctx), void *ctx)
{
    return st->ops->tombstone_latest(st, subject_hash, fn, ctx);
}

int
gdpr_store__tombstone_foreach(store *st, const uint8_t *subject_hash, int64_t after_id,
                              int (*fn)(const store_tombstone_row *row, void *ctx), void *ctx)
{
    return st->ops->tombstone_foreach(st, subject_hash, after_id, fn, ctx);
}

int
gdpr_store__tombstone_set_wiped(store *st)
{
    return st->ops->tombstone_set_wiped(st);
}

int
gdpr_store__tombstone_kept_insert(store *st, const store_kept_row *row)
{
    return st->ops->tombstone_kept_insert(st, row);
}

int
gdpr_store__tombstone_kept_foreach(store *st, int64_t tombstone,
                                   int (*fn)(const store_kept_row *row, void *ctx), void *ctx)
{
    return st->ops->tombstone_kept_foreach(st, tombstone, fn, ctx);
}

int
gdpr_store__tombstone_kept_erased(store *st, int64_t record, int64_t at)
{
    return st->ops->tombstone_kept_erased(st, record, at);
}

int
gdpr_store__tombstone_kept_find(store *st, int64_t record, int64_t *until_out, char *rule,
                                size_t rule_cap)
{
    return st->ops->tombstone_kept_find(st, record, until_out, rule, rule_cap);
}

int
gdpr_store__tombstone_record_add(store *st, int64_t tombstone, int64_t record)
{
    return st->ops->tombstone_record_add(st, tombstone, record);
}

int
gdpr_store__tombstone_record_foreach(store *st, int64_t tombstone,
                                     int (*fn)(int64_t record, void *ctx), void *ctx)
{
    return st->ops->tombstone_record_foreach(st, tombstone, fn, ctx);
}

int
gdpr_store__tombstone_recipient_add(store *st, int64_t tombstone, const char *recipient,
                                    int64_t disclosures, int64_t last_at)
{
    return st->ops->tombstone_recipient_add(st, tombstone, recipient, disclosures, last_at);
}

int
gdpr_store__tombstone_recipient_foreach(store *st, int64_t tombstone,
                                        int (*fn)(const char *recipient, int64_t disclosures,
                                                  int64_t last_at, void *ctx),
                                        void *ctx)
{
    return st->ops->tombstone_recipient_foreach(st, tombstone, fn, ctx);
}

int
gdpr_store__pending_insert(store *st, const store_pending_row *row, int64_t *id_out)
{
    return st->ops->pending_insert(st, row, id_out);
}

int
gdpr_store__pending_foreach(store *st, int64_t after_id,
                            int (*fn)(const store_pending_row *row, void *ctx), void *ctx)
{
    return st->ops->pending_foreach(st, after_id, fn, ctx);
}

int
gdpr_store__pending_update(store *st, int64_t id, int64_t at, const char *error)
{
    return st->ops->pending_update(st, id, at, error);
}

int
gdpr_store__pending_delete(store *st, int64_t id)
{
    return st->ops->pending_delete(st, id);
}

int
gdpr_store__pending_count_key(store *st, const uint8_t key_id[CRYPTO_HASH_BYTES],
                              int64_t *count_out)
{
    return st->ops->pending_count_key(st, key_id, count_out);
}

int
gdpr_store__key_queue_add(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int64_t tombstone,
                          int64_t at)
{
    return st->ops->key_queue_add(st, hash, tombstone, at);
}

int
gdpr_store__key_queue_first(store *st, uint8_t hash_out[CRYPTO_HASH_BYTES])
{
    return st->ops->key_queue_first(st, hash_out);
}

int
gdpr_store__key_queue_foreach(store *st,
                              int (*fn)(const uint8_t *hash, int64_t tombstone, int64_t queued,
                                        void *ctx),
                              void *ctx)
{
    return st->ops->key_queue_foreach(st, fn, ctx);
}

int
gdpr_store__erasure_unfinished(store *st, int *keys_out, int *unwiped_out)
{
    return st->ops->erasure_unfinished(st, keys_out, unwiped_out);
}

int
gdpr_store__key_delete(store *st, const uint8_t hash[CRYPTO_HASH_BYTES])
{
    return st->ops->key_delete(st, hash);
}

int
gdpr_store__key_exists(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int *exists_out)
{
    return st->ops->key_exists(st, hash, exists_out);
}

int
gdpr_store__subject_delete(store *st, const uint8_t hash[CRYPTO_HASH_BYTES])
{
    return st->ops->subject_delete(st, hash);
}

int
gdpr_store__subject_created(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int64_t *created_out)
{
    return st->ops->subject_created(st, hash, created_out);
}

int
gdpr_store__subject_has_data(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int *has_out)
{
    return st->ops->subject_has_data(st, hash, has_out);
}

int
gdpr_store__erasure_scrub_requests(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                                   int64_t *count_out)
{
    return st->ops->erasure_scrub_requests(st, hash, count_out);
}

int
gdpr_store__relax_durability(store *st, int relaxed)
{
    return st->ops->relax_durability(st, relaxed);
}

int
gdpr_store__json_parse(store *st, const char *text, json_node **out)
{
    return st->ops->json_parse(st, text, out);
}

int
gdpr_store__key_state(store *st, store_key_state *out)
{
    return st->ops->key_state(st, out);
}

int
gdpr_store__rotation_put(store *st, store_file f, uint64_t kek_generation, int64_t rekey_seq)
{
    return st->ops->rotation_put(st, f, kek_generation, rekey_seq);
}

int
gdpr_store__key_queue_destroy(store *st, const uint8_t hash[CRYPTO_HASH_BYTES])
{
    return st->ops->key_queue_destroy(st, hash);
}

int
gdpr_store__policy_version(store *st, int64_t *version_out)
{
    return st->ops->policy_version(st, version_out);
}

int
gdpr_store__access_insert(store *st, const store_access_row *row)
{
    return st->ops->access_insert(st, row);
}

int
gdpr_store__access_foreach(store *st, const uint8_t *subject_hash,
                           int (*fn)(const store_access_row *row, void *ctx), void *ctx)
{
    return st->ops->access_foreach(st, subject_hash, fn, ctx);
}

int
gdpr_store__access_delete_subject(store *st, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                  int64_t *count_out)
{
    return st->ops->access_delete_subject(st, subject_hash, count_out);
}

int
gdpr_store__signal_append(store *st, const store_signal_row *row)
{
    return st->ops->signal_append(st, row);
}

int
gdpr_store__signal_latest(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int kind, int64_t at,
                          int64_t *id_out, int64_t *at_out)
{
    return st->ops->signal_latest(st, hash, kind, at, id_out, at_out);
}

int
gdpr_store__signal_foreach(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                           int (*fn)(const store_signal_row *row, void *ctx), void *ctx)
{
    return st->ops->signal_foreach(st, hash, fn, ctx);
}

int
gdpr_store__conflict_append(store *st, const store_conflict_row *row, int64_t *id_out)
{
    return st->ops->conflict_append(st, row, id_out);
}

int
gdpr_store__conflict_foreach(store *st, const uint8_t *hash, int64_t since, int64_t after_id,
                             int (*fn)(const store_conflict_row *row, void *ctx), void *ctx)
{
    return st->ops->conflict_foreach(st, hash, since, after_id, fn, ctx);
}

int
gdpr_store__consent_report_foreach(store *st, const store_consent_report_filter *f,
                                   int (*fn)(const store_consent_report_row *row, void *ctx),
                                   void *ctx)
{
    return st->ops->consent_report_foreach(st, f, fn, ctx);
}

int
gdpr_store__breach_insert(store *st, const store_breach_row *row)
{
    return st->ops->breach_insert(st, row);
}

int
gdpr_store__breach_update(store *st, const store_breach_row *row)
{
    return st->ops->breach_update(st, row);
}

int
gdpr_store__breach_get(store *st, int64_t id, int (*fn)(const store_breach_row *row, void *ctx),
                       void *ctx)
{
    return st->ops->breach_get(st, id, fn, ctx);
}

int
gdpr_store__breach_foreach(store *st, int pending, int64_t due_by,
                           int (*fn)(const store_breach_row *row, void *ctx), void *ctx)
{
    return st->ops->breach_foreach(st, pending, due_by, fn, ctx);
}

int
gdpr_store__breach_subject_add(store *st, int64_t breach, const uint8_t subject[CRYPTO_HASH_BYTES],
                               int64_t at, int *added_out)
{
    return st->ops->breach_subject_add(st, breach, subject, at, added_out);
}

int
gdpr_store__breach_subject_count(store *st, int64_t breach, int64_t *count_out)
{
    return st->ops->breach_subject_count(st, breach, count_out);
}

int
gdpr_store__request_find_open(store *st, const uint8_t subject[CRYPTO_HASH_BYTES], int type,
                              int64_t *id_out)
{
    return st->ops->request_find_open(st, subject, type, id_out);
}
