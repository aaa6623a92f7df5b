/*
 * The personal-data breach register (Art. 33, 34): rows of the breach
 * table and the subjects linked to them by keyed hash (store.h, "the
 * breach register"; docs/breach.md). Sealing is the caller's: this file
 * stores and returns the sealed bytes as they are. Mirrors
 * lib/store/sqlite/breach.c.
 * SPDX-License-Identifier: MIT
 */
#include "pg_internal.h"

#include "error.h"

#define D PG_DATA_SCHEMA "."

#define BREACH_COLUMNS                                                                             \
    "id, aware_at, occurred_at, opened_at, deadline, nature, categories, subjects_approx,"         \
    " records_approx, description, consequences, measures, notified_at, reference, late_reason,"   \
    " not_required, decision, decided_at, informed_at, decision_note, actor, updated"

typedef struct {
    int (*fn)(const store_breach_row *row, void *ctx);
    void *ctx;
} breach_walk;

static int
breach_row(const pg_row *s, void *c)
{
    breach_walk *w = c;
    store_breach_row r;

    r.id = gdpr_pg__col_int(s, 0);
    r.aware_at = gdpr_pg__col_int(s, 1);
    r.occurred_at = gdpr_pg__col_int(s, 2);
    r.opened_at = gdpr_pg__col_int(s, 3);
    r.deadline = gdpr_pg__col_int(s, 4);
    r.nature = (unsigned int)gdpr_pg__col_int(s, 5);
    r.categories = gdpr_pg__col_text_or_empty(s, 6);
    r.subjects_approx = gdpr_pg__col_int(s, 7);
    r.records_approx = gdpr_pg__col_int(s, 8);
    r.description = gdpr_pg__col_blob(s, 9, &r.description_len);
    r.consequences = gdpr_pg__col_blob(s, 10, &r.consequences_len);
    r.measures = gdpr_pg__col_blob(s, 11, &r.measures_len);
    r.notified_at = gdpr_pg__col_int(s, 12);
    r.reference = gdpr_pg__col_text(s, 13);
    r.late_reason = gdpr_pg__col_blob(s, 14, &r.late_reason_len);
    r.not_required = (int)gdpr_pg__col_int(s, 15);
    r.decision = (int)gdpr_pg__col_int(s, 16);
    r.decided_at = gdpr_pg__col_int(s, 17);
    r.informed_at = gdpr_pg__col_int(s, 18);
    r.decision_note = gdpr_pg__col_blob(s, 19, &r.decision_note_len);
    r.actor = gdpr_pg__col_text_or_empty(s, 20);
    r.updated = gdpr_pg__col_int(s, 21);
    if (r.description == NULL || r.consequences == NULL || r.measures == NULL)
        return gdpr__err_set(GDPR_ECORRUPT, "breach %lld: a sealed text is missing",
                             (long long)r.id);
    return gdpr_pg__stopped(w->fn(&r, w->ctx), "breach", r.id);
}

/* The fields that change after opening, $1..$10 in the order of the
 * SQLite backend's bind_mutable. */
static void
p_mutable(pg_params *p, const store_breach_row *row)
{
    gdpr_pg__p_init(p);
    gdpr_pg__p_int(p, row->id);
    gdpr_pg__p_int(p, row->notified_at);
    gdpr_pg__p_text(p, row->reference);
    gdpr_pg__p_blob(p, row->late_reason, row->late_reason_len);
    gdpr_pg__p_int(p, row->not_required);
    gdpr_pg__p_int(p, row->decision);
    gdpr_pg__p_int(p, row->decided_at);
    gdpr_pg__p_int(p, row->informed_at);
    gdpr_pg__p_blob(p, row->decision_note, row->decision_note_len);
    gdpr_pg__p_int(p, row->updated);
}

int
gdpr_pg__breach_insert(store *base, const store_breach_row *row)
{
    pg_params p;

    p_mutable(&p, row);
    gdpr_pg__p_int(&p, row->aware_at);
    gdpr_pg__p_int(&p, row->occurred_at);
    gdpr_pg__p_int(&p, row->opened_at);
    gdpr_pg__p_int(&p, row->deadline);
    gdpr_pg__p_int(&p, row->nature);
    gdpr_pg__p_text(&p, row->categories);
    gdpr_pg__p_int(&p, row->subjects_approx);
    gdpr_pg__p_int(&p, row->records_approx);
    gdpr_pg__p_blob(&p, row->description, row->description_len);
    gdpr_pg__p_blob(&p, row->consequences, row->consequences_len);
    gdpr_pg__p_blob(&p, row->measures, row->measures_len);
    gdpr_pg__p_text(&p, row->actor);
    return gdpr_pg__exec((pg_store *)base,
                         "INSERT INTO " D "breach(id, notified_at, reference, late_reason,"
                         " not_required, decision, decided_at, informed_at, decision_note,"
                         " updated, aware_at, occurred_at, opened_at, deadline, nature,"
                         " categories, subjects_approx, records_approx, description,"
                         " consequences, measures, actor) VALUES($1, $2, $3, $4, $5, $6, $7, $8,"
                         " $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)",
                         &p, "recording a breach", NULL);
}

int
gdpr_pg__breach_update(store *base, const store_breach_row *row)
{
    pg_params p;
    int64_t changed = 0;
    int rc;

    p_mutable(&p, row);
    rc = gdpr_pg__exec((pg_store *)base,
                       "UPDATE " D "breach SET notified_at = $2, reference = $3,"
                       " late_reason = $4, not_required = $5, decision = $6, decided_at = $7,"
                       " informed_at = $8, decision_note = $9, updated = $10 WHERE id = $1",
                       &p, "updating a breach", &changed);
    if (rc == GDPR_OK && changed == 0)
        rc = gdpr__err_set(GDPR_ENOTFOUND, "breach %lld: no such breach", (long long)row->id);
    return rc;
}

int
gdpr_pg__breach_get(store *base, int64_t id, int (*fn)(const store_breach_row *row, void *ctx),
                    void *ctx)
{
    pg_params p;
    int rc;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, id);
    rc = gdpr_pg__row((pg_store *)base, "SELECT " BREACH_COLUMNS " FROM " D "breach WHERE id = $1",
                      &p, "reading a breach", PG_NO_ROW, breach_row, &(breach_walk){fn, ctx});
    if (rc == PG_NO_ROW)
        rc = gdpr__err_set(GDPR_ENOTFOUND, "breach %lld: no such breach", (long long)id);
    return rc;
}

int
gdpr_pg__breach_foreach(store *base, int pending, int64_t due_by,
                        int (*fn)(const store_breach_row *row, void *ctx), void *ctx)
{
    breach_walk w = {fn, ctx};
    pg_params p;

    gdpr_pg__p_init(&p);
    if (!pending)
        /* Every breach, a page at a time: memory stays flat. */
        return gdpr_pg__rows_paged((pg_store *)base,
                                   "SELECT " BREACH_COLUMNS " FROM " D "breach"
                                   " WHERE id > $1 ORDER BY id LIMIT $2",
                                   &p, "listing breaches", breach_row, &w);
    /* The pending terms repeat the partial index's WHERE word for word, so
     * it applies; what is listed is what is awaiting a decision, few rows. */
    gdpr_pg__p_int(&p, due_by);
    return gdpr_pg__rows((pg_store *)base,
                         "SELECT " BREACH_COLUMNS " FROM " D "breach"
                         " WHERE notified_at = 0 AND not_required = 0 AND deadline <= $1"
                         " ORDER BY deadline, id",
                         &p, "listing breaches", breach_row, &w);
}

int
gdpr_pg__breach_subject_add(store *base, int64_t breach, const uint8_t subject[CRYPTO_HASH_BYTES],
                            int64_t at, int *added_out)
{
    pg_params p;
    int64_t changed = 0;
    int rc;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, breach);
    gdpr_pg__p_hash(&p, subject);
    gdpr_pg__p_int(&p, at);
    rc = gdpr_pg__exec((pg_store *)base,
                       "INSERT INTO " D "breach_subject(breach, subject, at) VALUES($1, $2, $3)"
                       " ON CONFLICT(breach, subject) DO NOTHING",
                       &p, "linking a subject to a breach", &changed);
    if (rc == GDPR_OK && added_out != NULL)
        *added_out = changed > 0;
    return rc;
}

int
gdpr_pg__breach_subject_count(store *base, int64_t breach, int64_t *count_out)
{
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, breach);
    return gdpr_pg__one_int64((pg_store *)base,
                              "SELECT count(*) FROM " D "breach_subject WHERE breach = $1", &p,
                              "counting a breach's subjects", count_out);
}
