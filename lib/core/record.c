/*
 * Vault records in core: how a record's value is sealed under its
 * subject's key (the AAD binds table "vault", the record id, the subject
 * and the category, so a value moved to another row or category fails to
 * open). The vault, export and retention capabilities all open values
 * through here.
 * SPDX-License-Identifier: MIT
 */
#include "record.h"

#include <string.h>

#include "error.h"

static const char vault_table[] = "vault";

/* "value:<category>": the category is part of the AAD. */
static int
value_field(const char *category, char *buf, size_t size)
{
    size_t n = strlen(category);

    if (sizeof "value:" + n > size)
        return gdpr__err_set(GDPR_EINVAL, "category: too long for the record binding");
    memcpy(buf, "value:", sizeof "value:" - 1);
    memcpy(buf + sizeof "value:" - 1, category, n + 1);
    return GDPR_OK;
}

int
gdpr_record__seal(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES], int64_t record,
                  const char *category, const void *plain, size_t len, uint8_t *out)
{
    char field[sizeof "value:" + GDPR_NAME_MAX];
    int rc = value_field(category, field, sizeof field);

    if (rc == GDPR_OK)
        rc = gdpr_engine__seal_field(eng, hash, vault_table, record, field, plain, len, out);
    return rc;
}

static int
vault_open(gdpr_engine *eng, engine_field_opener *fo, const store_vault_row *row, uint8_t *out)
{
    char field[sizeof "value:" + GDPR_NAME_MAX];
    int rc;

    if (row->value_len < CRYPTO_SEAL_OVERHEAD)
        return gdpr__err_set(GDPR_ECORRUPT, "vault record %lld: sealed value too short",
                             (long long)row->id);
    rc = value_field(row->category, field, sizeof field);
    if (rc == GDPR_OK && fo != NULL)
        return gdpr_engine__field_opener_open(fo, vault_table, row->id, field, row->value,
                                              row->value_len, out);
    if (rc == GDPR_OK)
        rc = gdpr_engine__open_field(eng, row->subject, vault_table, row->id, field, row->value,
                                     row->value_len, out);
    return rc;
}

int
gdpr_record__open(gdpr_engine *eng, const store_vault_row *row, uint8_t *out)
{
    return vault_open(eng, NULL, row, out);
}

int
gdpr_record__open_with(engine_field_opener *fo, const store_vault_row *row, uint8_t *out)
{
    return vault_open(NULL, fo, row, out);
}
