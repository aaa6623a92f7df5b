/*
 * Rows of the erasure capability: legal holds, tombstones with what they
 * kept, erased and told, source hooks still to retry, keys queued for
 * destruction; and the deletions erasure needs beyond the other modules'
 * (the subject row, the sealed fields of its requests). Mirrors
 * lib/store/sqlite/erasure.c; key deletion itself is in keys.c.
 * SPDX-License-Identifier: MIT
 */
#include "pg_internal.h"

#include <stdio.h>
#include <string.h>

#include "error.h"

#define D PG_DATA_SCHEMA "."
#define K PG_KEYS_SCHEMA "."

/* A statement that must change one row: GDPR_ENOTFOUND naming it when it
 * changed none. */
static int
exec_one(pg_store *st, const char *sql, const pg_params *p, const char *what, const char *noun,
         int64_t id)
{
    int64_t changed = 0;
    int rc = gdpr_pg__exec(st, sql, p, what, &changed);

    if (rc == GDPR_OK && changed == 0)
        return gdpr__err_set(GDPR_ENOTFOUND, "%s %lld: no such row", noun, (long long)id);
    return rc;
}

static const uint8_t *
hash_or_null(const pg_row *r, int col)
{
    size_t len = 0;
    const uint8_t *h = gdpr_pg__col_blob(r, col, &len);

    return h != NULL && len == CRYPTO_HASH_BYTES ? h : NULL;
}

/* Columns 0 and 1 as two integers: ctx is int64_t[2]. */
static int
read_pair(const pg_row *r, void *ctx)
{
    int64_t *pair = ctx;

    pair[0] = gdpr_pg__col_int(r, 0);
    pair[1] = gdpr_pg__col_int(r, 1);
    return GDPR_OK;
}

static void
p_id(pg_params *p, int64_t id)
{
    gdpr_pg__p_init(p);
    gdpr_pg__p_int(p, id);
}

/* --- holds ------------------------------------------------------------ */

#define HOLD_COLUMNS                                                                               \
    "id, scope, subject, record, category, reason, placed_at, placed_by, until,"                   \
    " released_at, released_by, release_reason, ground, purpose, collected_from, collected_to"

typedef struct {
    int (*fn)(const store_hold_row *row, void *ctx);
    void *ctx;
} hold_cb;

static int
hold_row(const pg_row *r, void *c)
{
    const hold_cb *cb = c;
    store_hold_row h;

    h.id = gdpr_pg__col_int(r, 0);
    h.scope = (int)gdpr_pg__col_int(r, 1);
    h.subject = hash_or_null(r, 2);
    h.record = gdpr_pg__col_int(r, 3);
    h.category = gdpr_pg__col_text_or_empty(r, 4);
    h.reason = gdpr_pg__col_text_or_empty(r, 5);
    h.placed_at = gdpr_pg__col_int(r, 6);
    h.placed_by = gdpr_pg__col_text_or_empty(r, 7);
    h.until = gdpr_pg__col_int(r, 8);
    h.released_at = gdpr_pg__col_int(r, 9);
    h.released_by = gdpr_pg__col_text_or_empty(r, 10);
    h.release_reason = gdpr_pg__col_text_or_empty(r, 11);
    h.ground = (int)gdpr_pg__col_int(r, 12);
    h.purpose = gdpr_pg__col_text_or_empty(r, 13);
    h.collected_from = gdpr_pg__col_int(r, 14);
    h.collected_to = gdpr_pg__col_int(r, 15);
    return gdpr_pg__stopped(cb->fn(&h, cb->ctx), "hold", h.id);
}

int
gdpr_pg__hold_insert(store *base, const store_hold_row *row, int64_t *id_out)
{
    pg_store *st = (pg_store *)base;
    int64_t id = 0;
    pg_params p;
    int rc = gdpr_pg__next_id(base, STORE_SEQ_HOLD, &id);

    if (rc != GDPR_OK)
        return rc;
    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, row->scope);
    gdpr_pg__p_hash(&p, row->subject);
    gdpr_pg__p_int(&p, row->record);
    gdpr_pg__p_text(&p, row->category);
    gdpr_pg__p_text(&p, row->reason);
    gdpr_pg__p_int(&p, row->placed_at);
    gdpr_pg__p_text(&p, row->placed_by);
    gdpr_pg__p_int(&p, row->until);
    gdpr_pg__p_int(&p, id);
    gdpr_pg__p_int(&p, row->ground);
    gdpr_pg__p_text(&p, row->purpose);
    gdpr_pg__p_int(&p, row->collected_from);
    gdpr_pg__p_int(&p, row->collected_to);
    rc = gdpr_pg__exec(st,
                       "INSERT INTO " D "erasure_hold(scope, subject, record, category, reason,"
                       " placed_at, placed_by, until, id, ground, purpose, collected_from,"
                       " collected_to) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
                       " $13)",
                       &p, "placing a hold", NULL);
    if (rc == GDPR_OK && id_out)
        *id_out = id;
    return rc;
}

int
gdpr_pg__hold_get(store *base, int64_t id, int (*fn)(const store_hold_row *row, void *ctx),
                  void *ctx)
{
    pg_params p;
    int rc;

    p_id(&p, id);
    rc = gdpr_pg__row((pg_store *)base,
                      "SELECT " HOLD_COLUMNS " FROM " D "erasure_hold WHERE id = $1", &p,
                      "reading a hold", PG_NO_ROW, hold_row, &(hold_cb){fn, ctx});
    if (rc == PG_NO_ROW)
        return gdpr__err_set(GDPR_ENOTFOUND, "hold: %lld is not a hold", (long long)id);
    return rc;
}

int
gdpr_pg__hold_release(store *base, int64_t id, int64_t at, const char *actor, const char *reason)
{
    pg_params p;

    p_id(&p, id);
    gdpr_pg__p_int(&p, at);
    gdpr_pg__p_text(&p, actor);
    gdpr_pg__p_text(&p, reason);
    return exec_one((pg_store *)base,
                    "UPDATE " D "erasure_hold SET released_at = $2, released_by = $3,"
                    " release_reason = $4 WHERE id = $1 AND released_at = 0",
                    &p, "releasing a hold", "hold", id);
}

int
gdpr_pg__hold_foreach(store *base, int64_t active_at,
                      int (*fn)(const store_hold_row *row, void *ctx), void *ctx)
{
    pg_params p;

    p_id(&p, active_at);
    return gdpr_pg__rows((pg_store *)base,
                         "SELECT " HOLD_COLUMNS " FROM " D "erasure_hold"
                         " WHERE $1 = 0 OR (released_at = 0 AND until > $1) ORDER BY id",
                         &p, "listing holds", hold_row, &(hold_cb){fn, ctx});
}

/* Columns 0..2 as three integers: ctx is int64_t[3]. */
static int
read_triple(const pg_row *r, void *ctx)
{
    int64_t *v = ctx;

    v[0] = gdpr_pg__col_int(r, 0);
    v[1] = gdpr_pg__col_int(r, 1);
    v[2] = gdpr_pg__col_int(r, 2);
    return GDPR_OK;
}

int
gdpr_pg__hold_covering(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                       const store_hold_target *t, int64_t at, int64_t *hold_out,
                       int64_t *until_out, int *ground_out)
{
    int64_t found[3] = {0, 0, 0};
    pg_params p;
    int rc;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, subject_hash);
    gdpr_pg__p_int(&p, t->record);
    gdpr_pg__p_text(&p, t->category);
    gdpr_pg__p_int(&p, at);
    gdpr_pg__p_text(&p, t->purpose);
    gdpr_pg__p_int(&p, t->collected);
    /* The hold that lasts longest decides when the data may go. A narrowed
     * hold (purpose, collection range) covers only the records that match
     * it, never the subject as a whole (Art. 17(3): to the extent
     * necessary). */
    rc = gdpr_pg__row((pg_store *)base,
                      "SELECT id, until, ground FROM " D "erasure_hold"
                      " WHERE released_at = 0 AND until > $4 AND ("
                      "  (scope = 1 AND subject = $1) OR"
                      "  (scope = 2 AND $2 > 0 AND record = $2) OR"
                      "  (scope = 3 AND $3 IS NOT NULL AND category = $3"
                      "   AND (subject IS NULL OR subject = $1)))"
                      " AND (purpose IS NULL OR purpose = $5)"
                      " AND (collected_from = 0 OR ($6 > 0 AND $6 >= collected_from))"
                      " AND (collected_to = 0 OR ($6 > 0 AND $6 < collected_to))"
                      " ORDER BY until DESC, id LIMIT 1",
                      &p, "checking holds", GDPR_OK, read_triple, found);
    *hold_out = found[0];
    *until_out = found[1];
    if (ground_out)
        *ground_out = (int)found[2];
    return rc;
}

int
gdpr_pg__hold_any_for_subject(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                              int64_t at, int *any_out)
{
    int64_t any = 0;
    pg_params p;
    int rc;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, subject_hash);
    gdpr_pg__p_int(&p, at);
    rc = gdpr_pg__one_int64(
        (pg_store *)base,
        "SELECT count(*) FROM (SELECT 1 FROM " D "erasure_hold"
        " WHERE released_at = 0 AND until > $2 AND ("
        "  (scope IN (1, 3) AND (subject = $1 OR (scope = 3 AND subject IS NULL)))"
        "  OR (scope = 2 AND record IN"
        "      (SELECT id FROM " D "vault WHERE subject_id = " PG_SUBJECT_ID_1 ")))"
        " LIMIT 1) h",
        &p, "checking holds", &any);
    *any_out = any != 0;
    return rc;
}

/* --- tombstones ------------------------------------------------------- */

#define TOMBSTONE_COLUMNS                                                                          \
    "t.id, t.kind, t.subject, t.at, t.ground, t.actor, t.role, t.erased, t.retained,"              \
    " t.complete, t.wiped, t.imported, t.replayed,"                                                \
    " (SELECT count(*) FROM " D "tombstone_kept k WHERE k.tombstone = t.id"                        \
    "   AND k.erased_at = 0),"                                                                     \
    " (SELECT coalesce(max(until), 0) FROM " D "tombstone_kept k WHERE k.tombstone = t.id"         \
    "   AND k.erased_at = 0),"                                                                     \
    " (SELECT count(*) FROM " D "tombstone_recipient r WHERE r.tombstone = t.id),"                 \
    " (SELECT count(*) FROM " D "erasure_pending p WHERE p.tombstone = t.id)"

typedef struct {
    int (*fn)(const store_tombstone_row *row, void *ctx);
    void *ctx;
} tombstone_cb;

static int
tombstone_row(const pg_row *r, void *c)
{
    const tombstone_cb *cb = c;
    store_tombstone_row t;

    memset(&t, 0, sizeof t);
    t.id = gdpr_pg__col_int(r, 0);
    t.kind = (int)gdpr_pg__col_int(r, 1);
    t.subject = hash_or_null(r, 2);
    t.at = gdpr_pg__col_int(r, 3);
    t.ground = gdpr_pg__col_text_or_empty(r, 4);
    t.actor = gdpr_pg__col_text_or_empty(r, 5);
    t.role = gdpr_pg__col_text_or_empty(r, 6);
    t.erased = gdpr_pg__col_int(r, 7);
    t.retained = gdpr_pg__col_int(r, 8);
    t.complete = (int)gdpr_pg__col_int(r, 9);
    t.wiped = (int)gdpr_pg__col_int(r, 10);
    t.imported = (int)gdpr_pg__col_int(r, 11);
    t.replayed = gdpr_pg__col_int(r, 12);
    t.kept_now = gdpr_pg__col_int(r, 13);
    t.kept_until = gdpr_pg__col_int(r, 14);
    t.recipients = (int)gdpr_pg__col_int(r, 15);
    t.sources_failed = (int)gdpr_pg__col_int(r, 16);
    if (t.subject == NULL)
        return gdpr__err_set(GDPR_ECORRUPT, "tombstone %lld: damaged subject hash",
                             (long long)t.id);
    return gdpr_pg__stopped(cb->fn(&t, cb->ctx), "tombstone", t.id);
}

int
gdpr_pg__tombstone_insert(store *base, const store_tombstone_row *row, int64_t *id_out)
{
    pg_store *st = (pg_store *)base;
    int64_t id = 0;
    pg_params p;
    int rc = gdpr_pg__next_id(base, STORE_SEQ_TOMBSTONE, &id);

    if (rc != GDPR_OK)
        return rc;
    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, row->kind);
    gdpr_pg__p_hash(&p, row->subject);
    gdpr_pg__p_int(&p, row->at);
    gdpr_pg__p_text(&p, row->ground);
    gdpr_pg__p_text(&p, row->actor);
    gdpr_pg__p_text(&p, row->role);
    gdpr_pg__p_int(&p, row->erased);
    gdpr_pg__p_int(&p, row->retained);
    gdpr_pg__p_int(&p, row->complete);
    gdpr_pg__p_int(&p, row->wiped);
    gdpr_pg__p_int(&p, row->imported);
    gdpr_pg__p_int(&p, row->replayed);
    gdpr_pg__p_int(&p, id);
    rc = gdpr_pg__exec(st,
                       "INSERT INTO " D "tombstone(kind, subject, at, ground, actor, role,"
                       " erased, retained, complete, wiped, imported, replayed, id)"
                       " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                       &p, "writing a tombstone", NULL);
    if (rc == GDPR_OK && id_out)
        *id_out = id;
    return rc;
}

int
gdpr_pg__tombstone_add(store *base, int64_t id, int64_t erased, int64_t retained, int complete,
                       int64_t replayed)
{
    pg_params p;

    p_id(&p, id);
    gdpr_pg__p_int(&p, erased);
    gdpr_pg__p_int(&p, retained);
    gdpr_pg__p_int(&p, complete);
    gdpr_pg__p_int(&p, replayed);
    return exec_one((pg_store *)base,
                    "UPDATE " D "tombstone SET erased = erased + $2, retained = retained + $3,"
                    " complete = GREATEST(complete, $4), wiped = 0,"
                    " replayed = CASE WHEN $5 > 0 THEN $5 ELSE replayed END WHERE id = $1",
                    &p, "updating a tombstone", "tombstone", id);
}

int
gdpr_pg__tombstone_find(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES], int kind,
                        const char *ground, int64_t from, int64_t to, int64_t *id_out)
{
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, subject_hash);
    gdpr_pg__p_int(&p, kind);
    gdpr_pg__p_text(&p, ground);
    gdpr_pg__p_int(&p, from);
    gdpr_pg__p_int(&p, to);
    return gdpr_pg__one_int64((pg_store *)base,
                              "SELECT id FROM " D "tombstone WHERE subject = $1 AND kind = $2"
                              " AND ($3 IS NULL OR ground = $3) AND at >= $4 AND at < $5"
                              " ORDER BY id DESC LIMIT 1",
                              &p, "finding a tombstone", id_out);
}

int
gdpr_pg__tombstone_open_partial(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                int64_t *id_out)
{
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, subject_hash);
    return gdpr_pg__one_int64((pg_store *)base,
                              "SELECT id FROM " D "tombstone WHERE subject = $1 AND kind = 1"
                              " AND complete = 0 ORDER BY id DESC LIMIT 1",
                              &p, "finding a tombstone", id_out);
}

int
gdpr_pg__tombstone_set_complete(store *base, int64_t id)
{
    pg_params p;

    p_id(&p, id);
    return exec_one((pg_store *)base,
                    "UPDATE " D "tombstone SET complete = 1, wiped = 0 WHERE id = $1", &p,
                    "completing a tombstone", "tombstone", id);
}

int
gdpr_pg__tombstone_get(store *base, int64_t id,
                       int (*fn)(const store_tombstone_row *row, void *ctx), void *ctx)
{
    pg_params p;
    int rc;

    p_id(&p, id);
    rc = gdpr_pg__row((pg_store *)base,
                      "SELECT " TOMBSTONE_COLUMNS " FROM " D "tombstone t WHERE t.id = $1", &p,
                      "reading a tombstone", PG_NO_ROW, tombstone_row, &(tombstone_cb){fn, ctx});
    if (rc == PG_NO_ROW)
        return gdpr__err_set(GDPR_ENOTFOUND, "tombstone: %lld is not a tombstone", (long long)id);
    return rc;
}

int
gdpr_pg__tombstone_foreach(store *base, const uint8_t *subject_hash, int64_t after_id,
                           int (*fn)(const store_tombstone_row *row, void *ctx), void *ctx)
{
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, subject_hash);
    gdpr_pg__p_int(&p, after_id);
    return gdpr_pg__rows((pg_store *)base,
                         "SELECT " TOMBSTONE_COLUMNS " FROM " D "tombstone t"
                         " WHERE ($1 IS NULL OR t.subject = $1) AND t.id > $2 ORDER BY t.id",
                         &p, "listing tombstones", tombstone_row, &(tombstone_cb){fn, ctx});
}

int
gdpr_pg__tombstone_latest(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                          int (*fn)(const store_tombstone_row *row, void *ctx), void *ctx)
{
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, subject_hash);
    /* Subject tombstones first (kind 1), newest first. */
    return gdpr_pg__row((pg_store *)base,
                        "SELECT " TOMBSTONE_COLUMNS " FROM " D "tombstone t"
                        " WHERE t.subject = $1 ORDER BY t.kind, t.id DESC LIMIT 1",
                        &p, "reading a tombstone", GDPR_ENOTFOUND, tombstone_row,
                        &(tombstone_cb){fn, ctx});
}

int
gdpr_pg__tombstone_set_wiped(store *base)
{
    return gdpr_pg__exec((pg_store *)base, "UPDATE " D "tombstone SET wiped = 1 WHERE wiped = 0",
                         NULL, "marking tombstones wiped", NULL);
}

int
gdpr_pg__tombstone_kept_insert(store *base, const store_kept_row *row)
{
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, row->tombstone);
    gdpr_pg__p_int(&p, row->record);
    gdpr_pg__p_text(&p, row->category);
    gdpr_pg__p_text(&p, row->purpose);
    gdpr_pg__p_text(&p, row->reason);
    gdpr_pg__p_text(&p, row->rule);
    gdpr_pg__p_int(&p, row->until);
    gdpr_pg__p_int(&p, row->erased_at);
    gdpr_pg__p_int(&p, row->exemption);
    return gdpr_pg__exec((pg_store *)base,
                         "INSERT INTO " D "tombstone_kept(tombstone, record, category, purpose,"
                         " reason, rule, until, erased_at, exemption)"
                         " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                         " ON CONFLICT DO NOTHING",
                         &p, "recording a kept record", NULL);
}

typedef struct {
    int (*fn)(const store_kept_row *row, void *ctx);
    void *ctx;
} kept_cb;

static int
kept_row(const pg_row *r, void *c)
{
    const kept_cb *cb = c;
    store_kept_row k;

    k.tombstone = gdpr_pg__col_int(r, 0);
    k.record = gdpr_pg__col_int(r, 1);
    k.category = gdpr_pg__col_text_or_empty(r, 2);
    k.purpose = gdpr_pg__col_text_or_empty(r, 3);
    k.reason = gdpr_pg__col_text_or_empty(r, 4);
    k.rule = gdpr_pg__col_text_or_empty(r, 5);
    k.until = gdpr_pg__col_int(r, 6);
    k.erased_at = gdpr_pg__col_int(r, 7);
    k.exemption = (int)gdpr_pg__col_int(r, 8);
    return gdpr_pg__stopped(cb->fn(&k, cb->ctx), "kept record", k.record);
}

int
gdpr_pg__tombstone_kept_foreach(store *base, int64_t tombstone,
                                int (*fn)(const store_kept_row *row, void *ctx), void *ctx)
{
    pg_params p;

    p_id(&p, tombstone);
    return gdpr_pg__rows((pg_store *)base,
                         "SELECT tombstone, record, category, purpose, reason, rule, until,"
                         " erased_at, exemption FROM " D "tombstone_kept WHERE tombstone = $1"
                         " ORDER BY record",
                         &p, "listing kept records", kept_row, &(kept_cb){fn, ctx});
}

int
gdpr_pg__tombstone_kept_erased(store *base, int64_t record, int64_t at)
{
    pg_params p;

    p_id(&p, record);
    gdpr_pg__p_int(&p, at);
    return gdpr_pg__exec((pg_store *)base,
                         "UPDATE " D "tombstone_kept SET erased_at = $2"
                         " WHERE record = $1 AND erased_at = 0",
                         &p, "updating a kept record", NULL);
}

typedef struct {
    int64_t *until_out;
    char *rule;
    size_t rule_cap;
} kept_find;

static int
read_kept_find(const pg_row *r, void *c)
{
    const kept_find *k = c;

    *k->until_out = gdpr_pg__col_int(r, 0);
    snprintf(k->rule, k->rule_cap, "%s", gdpr_pg__col_text_or_empty(r, 1));
    return GDPR_OK;
}

int
gdpr_pg__tombstone_kept_find(store *base, int64_t record, int64_t *until_out, char *rule,
                             size_t rule_cap)
{
    pg_params p;

    p_id(&p, record);
    return gdpr_pg__row((pg_store *)base,
                        "SELECT until, rule FROM " D "tombstone_kept"
                        " WHERE record = $1 AND erased_at = 0 ORDER BY until DESC LIMIT 1",
                        &p, "checking kept records", GDPR_ENOTFOUND, read_kept_find,
                        &(kept_find){until_out, rule, rule_cap});
}

int
gdpr_pg__tombstone_record_add(store *base, int64_t tombstone, int64_t record)
{
    pg_params p;

    p_id(&p, tombstone);
    gdpr_pg__p_int(&p, record);
    return gdpr_pg__exec((pg_store *)base,
                         "INSERT INTO " D "tombstone_record(tombstone, record) VALUES($1, $2)"
                         " ON CONFLICT DO NOTHING",
                         &p, "recording an erased record", NULL);
}

typedef struct {
    int (*fn)(int64_t record, void *ctx);
    void *ctx;
} record_cb;

static int
record_row(const pg_row *r, void *c)
{
    const record_cb *cb = c;
    int64_t record = gdpr_pg__col_int(r, 0);

    return gdpr_pg__stopped(cb->fn(record, cb->ctx), "erased record", record);
}

int
gdpr_pg__tombstone_record_foreach(store *base, int64_t tombstone,
                                  int (*fn)(int64_t record, void *ctx), void *ctx)
{
    pg_params p;

    p_id(&p, tombstone);
    return gdpr_pg__rows((pg_store *)base,
                         "SELECT record FROM " D "tombstone_record WHERE tombstone = $1"
                         " ORDER BY record",
                         &p, "listing erased records", record_row, &(record_cb){fn, ctx});
}

int
gdpr_pg__tombstone_recipient_add(store *base, int64_t tombstone, const char *recipient,
                                 int64_t disclosures, int64_t last_at)
{
    pg_params p;

    p_id(&p, tombstone);
    gdpr_pg__p_text(&p, recipient);
    gdpr_pg__p_int(&p, disclosures);
    gdpr_pg__p_int(&p, last_at);
    return gdpr_pg__exec((pg_store *)base,
                         "INSERT INTO " D
                         "tombstone_recipient AS r(tombstone, recipient, disclosures, last_at)"
                         " VALUES($1, $2, $3, $4) ON CONFLICT(tombstone, recipient) DO UPDATE SET"
                         " disclosures = r.disclosures + excluded.disclosures,"
                         " last_at = GREATEST(r.last_at, excluded.last_at)",
                         &p, "recording a recipient", NULL);
}

typedef struct {
    int (*fn)(const char *recipient, int64_t disclosures, int64_t last_at, void *ctx);
    void *ctx;
    int64_t tombstone;
} recipient_cb;

static int
recipient_row(const pg_row *r, void *c)
{
    const recipient_cb *cb = c;

    return gdpr_pg__stopped(cb->fn(gdpr_pg__col_text_or_empty(r, 0), gdpr_pg__col_int(r, 1),
                                   gdpr_pg__col_int(r, 2), cb->ctx),
                            "recipient", cb->tombstone);
}

int
gdpr_pg__tombstone_recipient_foreach(store *base, int64_t tombstone,
                                     int (*fn)(const char *recipient, int64_t disclosures,
                                               int64_t last_at, void *ctx),
                                     void *ctx)
{
    pg_params p;

    p_id(&p, tombstone);
    return gdpr_pg__rows((pg_store *)base,
                         "SELECT recipient, disclosures, last_at FROM " D "tombstone_recipient"
                         " WHERE tombstone = $1 ORDER BY recipient COLLATE \"C\"",
                         &p, "listing recipients", recipient_row,
                         &(recipient_cb){fn, ctx, tombstone});
}

/* --- source hooks still to retry ---------------------------------------- */

#define PENDING_COLUMNS                                                                            \
    "id, tombstone, subject, source, key_id, sealed, since, attempts, last_at, last_error"

int
gdpr_pg__pending_insert(store *base, const store_pending_row *row, int64_t *id_out)
{
    pg_store *st = (pg_store *)base;
    int64_t id = 0;
    pg_params p;
    int rc = gdpr_pg__next_id(base, STORE_SEQ_PENDING, &id);

    if (rc != GDPR_OK)
        return rc;
    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, row->tombstone);
    gdpr_pg__p_hash(&p, row->subject);
    gdpr_pg__p_text(&p, row->source);
    gdpr_pg__p_hash(&p, row->key_id);
    gdpr_pg__p_blob(&p, row->sealed, row->sealed_len);
    gdpr_pg__p_int(&p, row->since);
    gdpr_pg__p_int(&p, row->attempts);
    gdpr_pg__p_int(&p, row->last_at);
    gdpr_pg__p_text(&p, row->last_error ? row->last_error : "");
    gdpr_pg__p_int(&p, id);
    rc = gdpr_pg__exec(st,
                       "INSERT INTO " D "erasure_pending(tombstone, subject, source, key_id,"
                       " sealed, since, attempts, last_at, last_error, id)"
                       " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                       &p, "recording a pending hook", NULL);
    if (rc == GDPR_OK && id_out)
        *id_out = id;
    return rc;
}

typedef struct {
    int (*fn)(const store_pending_row *row, void *ctx);
    void *ctx;
} pending_cb;

static int
pending_row(const pg_row *r, void *c)
{
    const pending_cb *cb = c;
    store_pending_row p;

    p.id = gdpr_pg__col_int(r, 0);
    p.tombstone = gdpr_pg__col_int(r, 1);
    p.subject = hash_or_null(r, 2);
    p.source = gdpr_pg__col_text_or_empty(r, 3);
    p.key_id = hash_or_null(r, 4);
    p.sealed = gdpr_pg__col_blob(r, 5, &p.sealed_len);
    p.since = gdpr_pg__col_int(r, 6);
    p.attempts = (int)gdpr_pg__col_int(r, 7);
    p.last_at = gdpr_pg__col_int(r, 8);
    p.last_error = gdpr_pg__col_text_or_empty(r, 9);
    if (p.subject == NULL || p.key_id == NULL || p.sealed == NULL)
        return gdpr__err_set(GDPR_ECORRUPT, "pending hook %lld: damaged row", (long long)p.id);
    return gdpr_pg__stopped(cb->fn(&p, cb->ctx), "pending hook", p.id);
}

int
gdpr_pg__pending_foreach(store *base, int64_t after_id,
                         int (*fn)(const store_pending_row *row, void *ctx), void *ctx)
{
    pg_params p;

    p_id(&p, after_id);
    return gdpr_pg__rows((pg_store *)base,
                         "SELECT " PENDING_COLUMNS " FROM " D "erasure_pending WHERE id > $1"
                         " ORDER BY id",
                         &p, "listing pending hooks", pending_row, &(pending_cb){fn, ctx});
}

int
gdpr_pg__pending_update(store *base, int64_t id, int64_t at, const char *error)
{
    pg_params p;

    p_id(&p, id);
    gdpr_pg__p_int(&p, at);
    gdpr_pg__p_text(&p, error);
    return exec_one((pg_store *)base,
                    "UPDATE " D "erasure_pending SET attempts = attempts + 1, last_at = $2,"
                    " last_error = $3 WHERE id = $1",
                    &p, "updating a pending hook", "pending hook", id);
}

int
gdpr_pg__pending_delete(store *base, int64_t id)
{
    pg_params p;

    p_id(&p, id);
    return exec_one((pg_store *)base, "DELETE FROM " D "erasure_pending WHERE id = $1", &p,
                    "deleting a pending hook", "pending hook", id);
}

int
gdpr_pg__pending_count_key(store *base, const uint8_t key_id[CRYPTO_HASH_BYTES], int64_t *count_out)
{
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, key_id);
    return gdpr_pg__one_int64((pg_store *)base,
                              "SELECT count(*) FROM " D "erasure_pending WHERE key_id = $1", &p,
                              "counting pending hooks", count_out);
}

/* --- keys queued for destruction ----------------------------------------- */

typedef struct {
    int64_t serial;
    int has;
} key_serial_of;

static int
read_key_serial(const pg_row *r, void *ctx)
{
    key_serial_of *k = ctx;

    k->has = 1;
    k->serial = gdpr_pg__col_int(r, 0);
    return GDPR_OK;
}

/* Bound to the key row there now (its serial); queued again for a newer
 * key, the entry is rebound. */
int
gdpr_pg__key_queue_add(store *base, const uint8_t hash[CRYPTO_HASH_BYTES], int64_t tombstone,
                       int64_t at)
{
    pg_store *st = (pg_store *)base;
    key_serial_of key = {0, 0};
    pg_params p;
    int rc;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, hash);
    rc = gdpr_pg__row(st, "SELECT serial FROM " K "subject_key WHERE hash = $1", &p,
                      "reading a key to queue", PG_NO_ROW, read_key_serial, &key);
    if (rc == PG_NO_ROW)
        return GDPR_OK; /* no key: nothing to destroy */
    if (rc != GDPR_OK)
        return rc;
    gdpr_pg__p_int(&p, tombstone);
    gdpr_pg__p_int(&p, at);
    gdpr_pg__p_int(&p, key.serial);
    return gdpr_pg__exec(st,
                         "INSERT INTO " D "erasure_shred_queue AS q(hash, tombstone, queued,"
                         " key_serial) VALUES($1, $2, $3, $4) ON CONFLICT(hash) DO UPDATE SET"
                         " tombstone = excluded.tombstone, queued = excluded.queued,"
                         " key_serial = excluded.key_serial"
                         " WHERE q.key_serial IS DISTINCT FROM excluded.key_serial",
                         &p, "queueing a key", NULL);
}

static int
read_queued_hash(const pg_row *r, void *ctx)
{
    const uint8_t *h = hash_or_null(r, 0);

    if (h == NULL)
        return gdpr__err_set(GDPR_ECORRUPT, "key queue: damaged row");
    memcpy(ctx, h, CRYPTO_HASH_BYTES);
    return GDPR_OK;
}

int
gdpr_pg__key_queue_first(store *base, uint8_t hash_out[CRYPTO_HASH_BYTES])
{
    return gdpr_pg__row((pg_store *)base, "SELECT hash FROM " D "erasure_shred_queue LIMIT 1", NULL,
                        "reading the key queue", GDPR_ENOTFOUND, read_queued_hash, hash_out);
}

typedef struct {
    int (*fn)(const uint8_t *hash, int64_t tombstone, int64_t queued, void *ctx);
    void *ctx;
} queue_cb;

static int
queue_row(const pg_row *r, void *c)
{
    const queue_cb *cb = c;
    const uint8_t *hash = hash_or_null(r, 0);
    int64_t tombstone = gdpr_pg__col_int(r, 1);

    if (hash == NULL)
        return gdpr__err_set(GDPR_ECORRUPT, "key queue: damaged row");
    return gdpr_pg__stopped(cb->fn(hash, tombstone, gdpr_pg__col_int(r, 2), cb->ctx), "key queue",
                            tombstone);
}

int
gdpr_pg__key_queue_foreach(store *base,
                           int (*fn)(const uint8_t *hash, int64_t tombstone, int64_t queued,
                                     void *ctx),
                           void *ctx)
{
    return gdpr_pg__rows((pg_store *)base,
                         "SELECT hash, tombstone, queued FROM " D "erasure_shred_queue"
                         " ORDER BY queued, hash",
                         NULL, "listing the key queue", queue_row, &(queue_cb){fn, ctx});
}

int
gdpr_pg__erasure_unfinished(store *base, int *keys_out, int *unwiped_out)
{
    int64_t found[2] = {0, 0};
    int rc = gdpr_pg__row((pg_store *)base,
                          "SELECT (SELECT count(*) FROM (SELECT 1 FROM " D "erasure_shred_queue"
                          "          LIMIT 1) q),"
                          "       (SELECT count(*) FROM (SELECT 1 FROM " D "tombstone"
                          "          WHERE wiped = 0 LIMIT 1) t)",
                          NULL, "checking unfinished erasures", GDPR_ECORRUPT, read_pair, found);

    if (rc == GDPR_OK) {
        *keys_out = (int)found[0];
        *unwiped_out = (int)found[1];
    }
    return rc;
}

/* --- the subject's own rows ---------------------------------------------- */

/* Before its subject row goes (docs/decisions/0018): its requests stay in
 * the register under their hash but name no subject row by id; access-log,
 * signal and conflict rows still there (written after an erasure that kept
 * records) go, so that no row names a deleted subject's id. */
static int
subject_unlink_rows(pg_store *st, const pg_params *p)
{
    static const char *const sql[] = {
        "UPDATE " D "request SET subject_id = NULL"
        " WHERE subject_id = (SELECT id FROM " D "subject WHERE hash = $1)",
        "DELETE FROM " D "access_log"
        " WHERE subject_id = (SELECT id FROM " D "subject WHERE hash = $1)",
        "DELETE FROM " D "consent_signal"
        " WHERE subject_id = (SELECT id FROM " D "subject WHERE hash = $1)",
        "DELETE FROM " D "consent_conflict"
        " WHERE subject_id = (SELECT id FROM " D "subject WHERE hash = $1)",
    };
    int rc = GDPR_OK;

    for (size_t i = 0; rc == GDPR_OK && i < sizeof sql / sizeof sql[0]; i++)
        rc = gdpr_pg__exec_later(st, sql[i], p, "unlinking a subject's rows");
    return rc;
}

int
gdpr_pg__subject_delete(store *base, const uint8_t hash[CRYPTO_HASH_BYTES])
{
    pg_store *st = (pg_store *)base;
    int64_t changed = 0;
    pg_params p;
    int rc;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, hash);
    /* What the handle knew of subjects goes (their ids, their anchors). */
    gdpr_pg__cache_forget(st);
    /* Its audit events keep their hash (the chain's MAC covers it) but no
     * longer name a subject row by id (docs/decisions/0016); its retention
     * anchors go, found by its id before its row goes. */
    rc = gdpr_pg__exec_later(st,
                             "UPDATE " D "audit SET subject_id = NULL"
                             " WHERE subject_id = (SELECT id FROM " D "subject WHERE hash = $1)",
                             &p, "unlinking a subject's audit events");
    if (rc == GDPR_OK)
        rc = gdpr_pg__exec_later(st,
                                 "DELETE FROM " D "retention_anchor"
                                 " WHERE subject_id = " PG_SUBJECT_ID_1,
                                 &p, "deleting a subject's retention anchors");
    if (rc == GDPR_OK)
        rc = subject_unlink_rows(st, &p);
    if (rc == GDPR_OK)
        rc = gdpr_pg__exec(st, "DELETE FROM " D "subject WHERE hash = $1", &p, "deleting a subject",
                           &changed);
    if (rc == GDPR_OK && changed == 0)
        return gdpr__err_set(GDPR_ENOTFOUND, "subject: no such subject");
    /* Review justifications sealed under its key are cleared (the reviews
     * keep its hash, docs/decisions/0017). */
    if (rc == GDPR_OK)
        rc = gdpr_pg__exec(st,
                           "UPDATE " D "retention_review SET justification = NULL"
                           " WHERE subject = $1 AND justification IS NOT NULL",
                           &p, "clearing a subject's review justifications", NULL);
    return rc;
}

int
gdpr_pg__subject_created(store *base, const uint8_t hash[CRYPTO_HASH_BYTES], int64_t *created_out)
{
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, hash);
    return gdpr_pg__one_int64((pg_store *)base, "SELECT created FROM " D "subject WHERE hash = $1",
                              &p, "reading a subject", created_out);
}

int
gdpr_pg__subject_has_data(store *base, const uint8_t hash[CRYPTO_HASH_BYTES], int *has_out)
{
    int64_t n = 0;
    pg_params p;
    int rc;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, hash);
    rc = gdpr_pg__one_int64((pg_store *)base,
                            /* 0 when the subject row is gone */
                            "SELECT coalesce((SELECT ("
                            " EXISTS(SELECT 1 FROM " D "vault WHERE subject_id = s.id)"
                            " OR EXISTS(SELECT 1 FROM " D "identity WHERE subject_id = s.id)"
                            " OR EXISTS(SELECT 1 FROM " D "consent WHERE subject_id = s.id))::int"
                            " FROM " D "subject s WHERE s.hash = $1), 0)",
                            &p, "looking for a subject's data", &n);
    *has_out = n != 0;
    return rc;
}

int
gdpr_pg__erasure_scrub_requests(store *base, const uint8_t hash[CRYPTO_HASH_BYTES],
                                int64_t *count_out)
{
    pg_store *st = (pg_store *)base;
    int64_t a = 0, b = 0;
    pg_params p;
    int rc;

    /* The register stays (accountability, KPIs); what was sealed under the
     * subject's key and the identifier's blind index go. */
    gdpr_pg__p_init(&p);
    gdpr_pg__p_hash(&p, hash);
    rc = gdpr_pg__exec(st,
                       "UPDATE " D "request_event SET note = NULL WHERE note IS NOT NULL AND"
                       " request IN (SELECT id FROM " D "request"
                       " WHERE subject_id = (SELECT id FROM " D "subject WHERE hash = $1))",
                       &p, "clearing a subject's requests", &a);
    if (rc == GDPR_OK)
        rc = gdpr_pg__exec(st,
                           "UPDATE " D "request SET ident_value = NULL, ident_hash = NULL"
                           " WHERE subject_id = (SELECT id FROM " D "subject WHERE hash = $1)"
                           " AND (ident_value IS NOT NULL OR ident_hash IS NOT NULL)",
                           &p, "clearing a subject's requests", &b);
    if (rc == GDPR_OK && count_out != NULL)
        *count_out = a + b;
    return rc;
}
