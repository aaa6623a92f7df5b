/*
 * Operations of store_ops not yet ported to PostgreSQL: each refuses with
 * GDPR_ESTATE naming itself, so a store that reaches one fails loudly and
 * changes nothing. Remove an entry when its group is ported
 * (/work notes list them; docs/decisions/0010-postgres-backend.md).
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_PG_MISSING_H
#define GDPR_PG_MISSING_H

#include "error.h"
#include "store.h"

static int
pg_missing(const char *op)
{
    return gdpr__err_set(GDPR_ESTATE,
                         "store: operation %s is not yet implemented by the "
                         "PostgreSQL backend",
                         op);
}

static int
gdpr_pg__missing_consent_report_foreach(store *st, const store_consent_report_filter *f,
                                        int (*fn)(const store_consent_report_row *row, void *ctx),
                                        void *ctx)
{
    (void)st;
    (void)f;
    (void)fn;
    (void)ctx;
    return pg_missing("consent_report_foreach");
}

static int
gdpr_pg__missing_breach_insert(store *st, const store_breach_row *row)
{
    (void)st;
    (void)row;
    return pg_missing("breach_insert");
}

static int
gdpr_pg__missing_breach_update(store *st, const store_breach_row *row)
{
    (void)st;
    (void)row;
    return pg_missing("breach_update");
}

static int
gdpr_pg__missing_breach_get(store *st, int64_t id,
                            int (*fn)(const store_breach_row *row, void *ctx), void *ctx)
{
    (void)st;
    (void)id;
    (void)fn;
    (void)ctx;
    return pg_missing("breach_get");
}

static int
gdpr_pg__missing_breach_foreach(store *st, int pending, int64_t due_by,
                                int (*fn)(const store_breach_row *row, void *ctx), void *ctx)
{
    (void)st;
    (void)pending;
    (void)due_by;
    (void)fn;
    (void)ctx;
    return pg_missing("breach_foreach");
}

static int
gdpr_pg__missing_breach_subject_add(store *st, int64_t breach,
                                    const uint8_t subject[CRYPTO_HASH_BYTES], int64_t at,
                                    int *added_out)
{
    (void)st;
    (void)breach;
    (void)subject;
    (void)at;
    (void)added_out;
    return pg_missing("breach_subject_add");
}

static int
gdpr_pg__missing_breach_subject_count(store *st, int64_t breach, int64_t *count_out)
{
    (void)st;
    (void)breach;
    (void)count_out;
    return pg_missing("breach_subject_count");
}

static int
gdpr_pg__missing_request_find_open(store *st, const uint8_t subject[CRYPTO_HASH_BYTES], int type,
                                   int64_t *id_out)
{
    (void)st;
    (void)subject;
    (void)type;
    (void)id_out;
    return pg_missing("request_find_open");
}

#endif
