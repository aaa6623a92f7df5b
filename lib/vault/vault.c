/*
 * The personal-data vault: records by subject, category and purpose,
 * sealed under the subject's key; rectification in place; deletion;
 * iteration by subject.
 * SPDX-License-Identifier: MIT
 */
#include "clock.h"
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "shred.h"
#include "schedule.h"
#include "gdpr/vault.h"
#include "text.h"

/* Values up to this size are sealed on the stack. */
#define SMALL_VALUE 4096u

/* --- argument checks --------------------------------------------------- */

static int
check_value(const void *value, size_t len)
{
    if (value == NULL && len > 0)
        return gdpr__err_set(GDPR_EINVAL,
                             "value: NULL with len %zu (NULL is allowed only with len 0)", len);
    if (len > GDPR_VAULT_VALUE_MAX)
        return gdpr__err_set(GDPR_EINVAL, "len: %zu bytes, a vault value holds at most %u", len,
                             GDPR_VAULT_VALUE_MAX);
    return GDPR_OK;
}

static int
check_item(const gdpr_vault_item *item)
{
    int rc;

    if (item == NULL)
        return gdpr__err_set(GDPR_EINVAL, "item: must not be NULL");
    if (item->version == 0 || item->version > GDPR_VAULT_ITEM_VERSION)
        return gdpr__err_set(GDPR_EVERSION, "item.version: %u is not a known item version (1..%u)",
                             item->version, GDPR_VAULT_ITEM_VERSION);
    rc = gdpr_text__check("subject", item->subject, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = gdpr_text__check("category", item->category, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = gdpr_text__check("purpose", item->purpose, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = gdpr_text__check_optional("field", item->field, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = gdpr_text__check_optional("source", item->source, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = check_value(item->value, item->len);
    if (rc == GDPR_OK && (item->collected < 0 || item->collected > CAL_MAX_TIME))
        rc = gdpr__err_set(GDPR_EINVAL,
                           "collected: %lld is not a time between 1970 and 9999 "
                           "(0: now)",
                           (long long)item->collected);
    return rc;
}

/* The purpose must exist and list the category (purpose limitation). */
static int
check_against_policy(const policy_model *p, const char *category, const char *purpose,
                     const policy_category **cat_out)
{
    const policy_category *cat = gdpr_policy__find_category(p, category);
    const policy_purpose *pur = gdpr_policy__find_purpose(p, purpose);

    if (cat == NULL)
        return gdpr__err_set(GDPR_EINVAL, "category: '%.64s' is not a category of the policy",
                             category);
    if (pur == NULL)
        return gdpr__err_set(GDPR_EINVAL, "purpose: '%.64s' is not a purpose of the policy",
                             purpose);
    for (size_t i = 0; i < pur->n_categories; i++) {
        if (strcmp(pur->categories[i], category) == 0) {
            *cat_out = cat;
            return GDPR_OK;
        }
    }
    return gdpr__err_set(GDPR_EINVAL,
                         "category: '%.64s' is not a category of purpose '%.64s' "
                         "(the policy does not list it for that purpose)",
                         category, purpose);
}

GDPR_API int
gdpr_vault_item_init(gdpr_vault_item *item, unsigned int version)
{
    gdpr__err_clear();
    if (item == NULL)
        return gdpr__err_set(GDPR_EINVAL, "item: must not be NULL");
    if (version == 0 || version > GDPR_VAULT_ITEM_VERSION)
        return gdpr__err_set(GDPR_EVERSION, "version: %u is not a known item version (1..%u)",
                             version, GDPR_VAULT_ITEM_VERSION);
    memset(item, 0, sizeof *item);
    item->version = version;
    item->collected = GDPR_NOW;
    return GDPR_OK;
}

/* --- put ------------------------------------------------------------- */

static int
put_sealed(gdpr_engine *eng, const gdpr_vault_item *item, const policy_category *cat,
           const uint8_t hash[CRYPTO_HASH_BYTES], int64_t *id_out)
{
    uint8_t small[SMALL_VALUE + CRYPTO_SEAL_OVERHEAD];
    uint8_t *sealed = small;
    store_vault_row row;
    int64_t now = gdpr_engine__now(eng);
    int rc;

    memset(&row, 0, sizeof row);
    rc = store_vault_next_id(eng->st, &row.id);
    if (rc != GDPR_OK)
        return rc;
    if (item->len > SMALL_VALUE) {
        sealed = malloc(item->len + CRYPTO_SEAL_OVERHEAD);
        if (sealed == NULL)
            return gdpr__err_set(GDPR_ENOMEM, "out of memory sealing %zu bytes", item->len);
    }
    rc = gdpr_record__seal(eng, hash, row.id, item->category, item->value, item->len, sealed);
    row.subject = hash;
    row.category = item->category;
    row.purpose = item->purpose;
    row.field = item->field;
    row.source = item->source;
    row.collected = item->collected != 0 ? item->collected : now;
    row.updated = row.collected;
    row.anchor = row.collected;
    row.special = cat->special;
    row.value = sealed;
    row.value_len = item->len + CRYPTO_SEAL_OVERHEAD;
    if (rc == GDPR_OK)
        rc = gdpr_schedule__record(eng, &row); /* due time (lib/retention.c) */
    if (rc == GDPR_OK)
        rc = gdpr_store__vault_insert(eng->st, &row);
    if (sealed != small)
        free(sealed);
    if (rc == GDPR_OK)
        *id_out = row.id;
    return rc;
}

static int
put_locked(gdpr_engine *eng, const gdpr_actor *who, const gdpr_vault_item *item, int64_t *id_out)
{
    const policy_category *cat = NULL;
    uint8_t hash[CRYPTO_HASH_BYTES];
    int64_t subject_id = 0;
    char ref[48];
    int rc = gdpr_engine__require_policy(eng);

    if (rc == GDPR_OK)
        rc = check_against_policy(eng->policy, item->category, item->purpose, &cat);
    if (rc == GDPR_OK)
        rc = gdpr_engine__subject_hash(eng, item->subject, hash);
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_VAULT_PUT, hash);
    /* The item and its place in the policy are checked: after the first
     * write only a lack of memory or storage can fail the call, so inside
     * a batch it needs no savepoint. */
    if (rc == GDPR_OK)
        rc = gdpr_engine__begin_checked(eng);
    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_engine__subject_ensure_hashed(eng, item->subject, hash, &subject_id, NULL);
    if (rc == GDPR_OK)
        rc = put_sealed(eng, item, cat, hash, id_out);
    snprintf(ref, sizeof ref, "record %lld", (long long)*id_out);
    if (rc == GDPR_OK)
        rc =
            gdpr_audit__append(eng, who, gdpr_permission__name(PERM_VAULT_PUT), hash, GDPR_OK, ref);
    return gdpr_engine__end(eng, rc);
}

GDPR_API int
gdpr_vault_put_item(gdpr_engine *eng, const gdpr_actor *who, const gdpr_vault_item *item,
                    int64_t *record_out)
{
    gdpr_vault_item copy;
    int64_t id = 0;
    int rc;

    if (record_out)
        *record_out = 0;
    rc = gdpr_engine__enter(eng, who);
    if (rc == GDPR_OK && item != NULL && item->version == GDPR_VAULT_ITEM_VERSION) {
        copy = *item;
        item = &copy;
        rc = gdpr_clock__arg(eng, "item.collected", &copy.collected);
    }
    if (rc == GDPR_OK)
        rc = check_item(item);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = put_locked(eng, who, item, &id);
    if (rc == GDPR_OK && record_out)
        *record_out = id;
    return gdpr_engine__unlock(eng, rc);
}

GDPR_API int
gdpr_vault_put(gdpr_engine *eng, const gdpr_actor *who, const char *subject, const char *category,
               const char *purpose, const void *value, size_t len, int64_t *record_out)
{
    gdpr_vault_item item = GDPR_VAULT_ITEM_INIT;

    item.subject = subject;
    item.category = category;
    item.purpose = purpose;
    item.value = value;
    item.len = len;
    item.collected = GDPR_NOW;
    return gdpr_vault_put_item(eng, who, &item, record_out);
}

/* --- get, rectify, delete ------------------------------------------------ */

/* One read of the record: its owner and category, and a copy of the sealed
 * value, opened only once the actor is authorised. */
typedef struct {
    shred_record owner;
    int64_t id;
    uint8_t *sealed;
    size_t sealed_len;
} sealed_copy;

static int
copy_sealed(const store_vault_row *row, void *ctx)
{
    sealed_copy *c = ctx;

    gdpr_shred__record_copy(row, &c->owner);
    c->id = row->id;
    c->sealed = malloc(row->value_len > 0 ? row->value_len : 1);
    if (c->sealed == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory reading a %zu-byte record",
                             row->value_len);
    memcpy(c->sealed, row->value, row->value_len);
    c->sealed_len = row->value_len;
    return 0;
}

static int
open_copy(gdpr_engine *eng, const sealed_copy *c, void **value_out, size_t *len_out)
{
    store_vault_row row;
    size_t len = c->sealed_len >= CRYPTO_SEAL_OVERHEAD ? c->sealed_len - CRYPTO_SEAL_OVERHEAD : 0;
    uint8_t *plain = malloc(len > 0 ? len : 1);
    int rc;

    if (plain == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory for a %zu-byte value", len);
    memset(&row, 0, sizeof row);
    row.id = c->id;
    row.subject = c->owner.hash;
    row.category = c->owner.category;
    row.value = c->sealed;
    row.value_len = c->sealed_len;
    rc = gdpr_record__open(eng, &row, plain);
    if (rc != GDPR_OK) {
        free(plain);
        return rc;
    }
    *value_out = plain;
    *len_out = len;
    return GDPR_OK;
}

GDPR_API int
gdpr_vault_get(gdpr_engine *eng, const gdpr_actor *who, int64_t record, void **value_out,
               size_t *len_out)
{
    sealed_copy copy;
    int rc;

    if (value_out)
        *value_out = NULL;
    if (len_out)
        *len_out = 0;
    rc = gdpr_engine__enter(eng, who);
    if (rc == GDPR_OK && value_out == NULL)
        rc = gdpr__err_set(GDPR_EINVAL, "value_out: must not be NULL");
    if (rc == GDPR_OK && len_out == NULL)
        rc = gdpr__err_set(GDPR_EINVAL, "len_out: must not be NULL");
    if (rc == GDPR_OK)
        rc = gdpr_text__check_id("record", "a record id", record);
    if (rc != GDPR_OK)
        return rc;
    memset(&copy, 0, sizeof copy);
    gdpr_engine__lock_read(eng);
    rc = gdpr_engine__require_policy(eng);
    if (rc == GDPR_OK)
        rc = gdpr_store__vault_get(eng->st, record, copy_sealed, &copy);
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_VAULT_GET, copy.owner.hash);
    if (rc == GDPR_OK)
        rc = gdpr_record__check(eng, &copy.owner.row, RECORD_READ, NULL);
    if (rc == GDPR_OK)
        rc = open_copy(eng, &copy, value_out, len_out);
    free(copy.sealed);
    return gdpr_engine__unlock_read(eng, rc);
}

static int
rectify_locked(gdpr_engine *eng, const gdpr_actor *who, int64_t record, const void *value,
               size_t len)
{
    shred_record owner;
    uint8_t *sealed;
    char ref[48];
    int rc = gdpr_engine__require_policy(eng);

    if (rc == GDPR_OK)
        rc = gdpr_store__vault_get(eng->st, record, gdpr_shred__record_copy, &owner);
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_VAULT_RECTIFY, owner.hash);
    if (rc == GDPR_OK)
        rc = gdpr_record__check(eng, &owner.row, RECORD_CHANGE, NULL);
    if (rc != GDPR_OK)
        return rc;
    sealed = malloc(len + CRYPTO_SEAL_OVERHEAD);
    if (sealed == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory sealing %zu bytes", len);
    rc = gdpr_engine__begin(eng);
    if (rc == GDPR_OK) {
        rc = gdpr_record__seal(eng, owner.hash, record, owner.category, value, len, sealed);
        if (rc == GDPR_OK)
            rc = gdpr_store__vault_update_value(eng->st, record, sealed, len + CRYPTO_SEAL_OVERHEAD,
                                                gdpr_engine__now(eng));
        snprintf(ref, sizeof ref, "record %lld", (long long)record);
        if (rc == GDPR_OK)
            rc = gdpr_audit__append(eng, who, gdpr_permission__name(PERM_VAULT_RECTIFY), owner.hash,
                                    GDPR_OK, ref);
        rc = gdpr_engine__end(eng, rc);
    }
    free(sealed);
    return rc;
}

GDPR_API int
gdpr_vault_rectify(gdpr_engine *eng, const gdpr_actor *who, int64_t record, const void *value,
                   size_t len)
{
    int rc;

    rc = gdpr_engine__enter(eng, who);
    if (rc == GDPR_OK)
        rc = gdpr_text__check_id("record", "a record id", record);
    if (rc == GDPR_OK)
        rc = check_value(value, len);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = rectify_locked(eng, who, record, value, len);
    return gdpr_engine__unlock(eng, rc);
}

static int
delete_locked(gdpr_engine *eng, const gdpr_actor *who, int64_t record)
{
    shred_record owner;
    char ref[48];
    int rc = gdpr_engine__require_policy(eng);

    if (rc == GDPR_OK)
        rc = gdpr_store__vault_get(eng->st, record, gdpr_shred__record_copy, &owner);
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_VAULT_DELETE, owner.hash);
    if (rc == GDPR_OK)
        rc = gdpr_record__check(eng, &owner.row, RECORD_DELETE, NULL);
    if (rc == GDPR_OK)
        rc = gdpr_engine__begin(eng);
    if (rc != GDPR_OK)
        return rc;
    /* Through core, so the last record of a partly erased subject takes
     * the subject and its key with it. */
    rc = gdpr_shred__record_delete(eng, &owner.row, gdpr_engine__now(eng));
    snprintf(ref, sizeof ref, "record %lld", (long long)record);
    if (rc == GDPR_OK)
        rc = gdpr_audit__append(eng, who, gdpr_permission__name(PERM_VAULT_DELETE), owner.hash,
                                GDPR_OK, ref);
    rc = gdpr_engine__end(eng, rc);
    /* Destroy a key that delete queued; inside a host batch gdpr_commit()
     * does it. A busy scrub is retried by the next erasure call. */
    if (rc == GDPR_OK && !eng->batch && gdpr_shred__finish(eng) == GDPR_EBUSY)
        gdpr__err_clear();
    return rc;
}

GDPR_API int
gdpr_vault_delete(gdpr_engine *eng, const gdpr_actor *who, int64_t record)
{
    int rc;

    rc = gdpr_engine__enter(eng, who);
    if (rc == GDPR_OK)
        rc = gdpr_text__check_id("record", "a record id", record);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = delete_locked(eng, who, record);
    return gdpr_engine__unlock(eng, rc);
}

GDPR_API int
gdpr_vault_checkpoint(gdpr_engine *eng)
{
    int rc;

    if (gdpr_engine__check_eng(eng) != GDPR_OK)
        return GDPR_EINVAL;
    gdpr_engine__lock(eng);
    if (eng->batch)
        return gdpr_engine__unlock(eng, gdpr__err_set(GDPR_ESTATE,
                                                      "checkpoint: not inside a batch; commit "
                                                      "or roll back first"));
    rc = gdpr_store__scrub(eng->st);
    return gdpr_engine__unlock(eng, rc);
}

/* --- iteration --------------------------------------------------------- */

typedef struct {
    gdpr_engine *eng;
    int64_t now;
    gdpr_vault_fn fn;
    void *ctx;
    uint8_t *buf;
    size_t cap;
} foreach_ctx;

static int
foreach_one(const store_vault_row *row, void *ctx)
{
    foreach_ctx *f = ctx;
    gdpr_vault_record rec;
    size_t len;
    int rc, stop;

    record_limit lim;

    /* Values gdpr_vault_get() refuses are not handed out here either. */
    rc = gdpr_record__limit_of(f->eng, row, RECORD_READ, f->now, 0, &lim);
    if (rc != GDPR_OK)
        return rc;
    if (lim.kind != RECORD_FREE)
        return 0;
    if (row->value_len < CRYPTO_SEAL_OVERHEAD)
        return gdpr__err_set(GDPR_ECORRUPT, "vault record %lld: sealed value too short",
                             (long long)row->id);
    len = row->value_len - CRYPTO_SEAL_OVERHEAD;
    if (len + 1 > f->cap) {
        uint8_t *grown = malloc(len + 1);
        if (grown == NULL)
            return gdpr__err_set(GDPR_ENOMEM, "out of memory for a %zu-byte value", len);
        if (f->buf) {
            gdpr_crypto__wipe(f->buf, f->cap);
            free(f->buf);
        }
        f->buf = grown;
        f->cap = len + 1;
    }
    rc = gdpr_record__open(f->eng, row, f->buf);
    if (rc != GDPR_OK)
        return rc;
    rec.id = row->id;
    rec.category = row->category;
    rec.purpose = row->purpose;
    rec.field = row->field;
    rec.source = row->source;
    rec.special = row->special;
    rec.collected = row->collected;
    rec.updated = row->updated;
    rec.has_due = row->has_due;
    rec.due = row->due;
    rec.value = f->buf;
    rec.len = len;
    stop = f->fn(&rec, f->ctx);
    gdpr_crypto__wipe(f->buf, len);
    if (stop != 0)
        return gdpr__err_set(GDPR_ECALLBACK, "fn: stopped at record %lld (returned %d)",
                             (long long)row->id, stop);
    return 0;
}

GDPR_API int
gdpr_vault_foreach(gdpr_engine *eng, const gdpr_actor *who, const char *subject, gdpr_vault_fn fn,
                   void *ctx)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    foreach_ctx f = {eng, 0, fn, ctx, NULL, 0};
    int rc;

    rc = gdpr_engine__enter_subject(eng, who, subject);
    if (rc == GDPR_OK && fn == NULL)
        rc = gdpr__err_set(GDPR_EINVAL, "fn: must not be NULL");
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    f.now = gdpr_engine__now(eng);
    rc = gdpr_engine__require_policy(eng);
    if (rc == GDPR_OK)
        rc = gdpr_engine__subject_hash(eng, subject, hash);
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_VAULT_GET, hash);
    if (rc == GDPR_OK)
        rc = gdpr_store__vault_foreach(eng->st, hash, foreach_one, &f);
    if (f.buf) {
        gdpr_crypto__wipe(f.buf, f.cap);
        free(f.buf);
    }
    return gdpr_engine__unlock(eng, rc);
}
