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

static void
gdpr_pg__missing_discard(store *st)
{
    (void)st;
    (void)pg_missing("discard");
}

static int
gdpr_pg__missing_signal_append(store *st, const store_signal_row *row)
{
    (void)st;
    (void)row;
    return pg_missing("signal_append");
}

static int
gdpr_pg__missing_signal_latest(store *st, const uint8_t hash[CRYPTO_HASH_BYTES], int kind,
                               int64_t at, int64_t *id_out, int64_t *at_out)
{
    (void)st;
    (void)hash;
    (void)kind;
    (void)at;
    (void)id_out;
    (void)at_out;
    return pg_missing("signal_latest");
}

static int
gdpr_pg__missing_signal_foreach(store *st, const uint8_t hash[CRYPTO_HASH_BYTES],
                                int (*fn)(const store_signal_row *row, void *ctx), void *ctx)
{
    (void)st;
    (void)hash;
    (void)fn;
    (void)ctx;
    return pg_missing("signal_foreach");
}

static int
gdpr_pg__missing_conflict_append(store *st, const store_conflict_row *row, int64_t *id_out)
{
    (void)st;
    (void)row;
    (void)id_out;
    return pg_missing("conflict_append");
}

static int
gdpr_pg__missing_conflict_foreach(store *st, const uint8_t *hash, int64_t since, int64_t after_id,
                                  int (*fn)(const store_conflict_row *row, void *ctx), void *ctx)
{
    (void)st;
    (void)hash;
    (void)since;
    (void)after_id;
    (void)fn;
    (void)ctx;
    return pg_missing("conflict_foreach");
}

static int
gdpr_pg__missing_read_begin(store *st, int both_files)
{
    (void)st;
    (void)both_files;
    return pg_missing("read_begin");
}

static void
gdpr_pg__missing_read_end(store *st)
{
    (void)st;
    (void)pg_missing("read_end");
}

static int
gdpr_pg__missing_begin_unguarded(store *st)
{
    (void)st;
    return pg_missing("begin_unguarded");
}

#endif
