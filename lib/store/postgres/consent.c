/*
 * Rows of the consent ledger: append-only events, the current state per
 * (subject, purpose, recipient) with its row MAC, disclosures, the subject
 * flags of objection and restriction, and objections per purpose.
 * Mirrors lib/store/sqlite/consent.c.
 * SPDX-License-Identifier: MIT
 */
#include "store_shared.h"
#include "pg_internal.h"

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "text.h"

#define D PG_DATA_SCHEMA "."

static void
p_hash1(pg_params *p, const uint8_t *hash)
{
    gdpr_pg__p_init(p);
    gdpr_pg__p_hash(p, hash);
}

/* --- events ---------------------------------------------------------- */

/* Events name their subject by its integer id (schema step "subject ids");
 * the row is read with the subject's hash, which the event's MAC covers. */
#define CONSENT_COLUMNS_WITH(subject)                                                              \
    "c.id, c.at, c.purpose, c.state, c.notice, c.channel, c.actor, c.expires,"                     \
    " c.recipient, c.proof, c.flags, c.recipient_sealed, c.notice_version,"                        \
    " c.notice_sha256, c.policy_version,"                                                          \
    " (SELECT value FROM " D "meta WHERE name = 'store_id'), " subject ", c.guardian, c.mac"
#define CONSENT_COLUMNS                                                                            \
    CONSENT_COLUMNS_WITH("(SELECT hash FROM " D "subject WHERE id = c.subject_id)")
#define CONSENT_MAC_COLUMN 18

#define RECEIPT_ID_BYTES 37

/* The receipt id: UUID version 8 from the first 60 bits of the store id
 * and the 60-bit event id, formatted exactly as the SQLite backend does. */
static void
format_receipt_id(const uint8_t *b, size_t n, int64_t id, char out[RECEIPT_ID_BYTES])
{
    char h[2 * 8 + 1] = "";
    size_t len;

    if (b != NULL && n > 0)
        gdpr__hex_encode(b, n < 8 ? n : 8, h);
    len = strlen(h);
    snprintf(out, RECEIPT_ID_BYTES, "%.8s-%.4s-8%.3s-8%03x-%012llx", h, h + (len < 8 ? len : 8),
             h + (len < 12 ? len : 12), (unsigned)(((uint64_t)id >> 48) & 4095),
             (unsigned long long)((uint64_t)id & UINT64_C(0xFFFFFFFFFFFF)));
}

/* One row of CONSENT_COLUMNS; `receipt` holds its receipt id. */
static int
read_consent_row(const pg_row *r, store_consent_row *out, char receipt[RECEIPT_ID_BYTES])
{
    store_consent_row row;
    size_t store_id_len = 0, sha_len = 0, subject_len = 0;
    const uint8_t *store_id;

    memset(&row, 0, sizeof row);
    row.id = gdpr_pg__col_int(r, 0);
    row.at = gdpr_pg__col_int(r, 1);
    row.purpose = gdpr_pg__col_text_or_empty(r, 2);
    row.state = (int)gdpr_pg__col_int(r, 3);
    row.notice = gdpr_pg__col_text_or_empty(r, 4);
    row.channel = gdpr_pg__col_text_or_empty(r, 5);
    row.actor = gdpr_pg__col_text_or_empty(r, 6);
    row.expires = gdpr_pg__col_int(r, 7);
    row.recipient = gdpr_pg__col_text_or_empty(r, 8);
    row.proof = gdpr_pg__col_blob(r, 9, &row.proof_len);
    row.flags = (unsigned int)gdpr_pg__col_int(r, 10);
    row.recipient_sealed = gdpr_pg__col_blob(r, 11, &row.recipient_sealed_len);
    row.notice_version = gdpr_pg__col_text_or_empty(r, 12);
    row.notice_sha256 = gdpr_pg__col_blob(r, 13, &sha_len);
    row.policy_version = gdpr_pg__col_int(r, 14);
    store_id = gdpr_pg__col_blob(r, 15, &store_id_len);
    row.subject = gdpr_pg__col_blob(r, 16, &subject_len);
    row.guardian = gdpr_pg__col_blob(r, 17, &row.guardian_len);
    format_receipt_id(store_id, store_id_len, row.id, receipt);
    row.receipt_id = receipt;
    if (row.notice_sha256 == NULL || sha_len != CRYPTO_HASH_BYTES || row.subject == NULL ||
        subject_len != CRYPTO_HASH_BYTES)
        return gdpr__err_set(GDPR_ECORRUPT, "consent event %lld: a hash has the wrong length",
                             (long long)row.id);
    *out = row;
    return GDPR_OK;
}

/* The event's MAC (rowmac.c) against what its row says: an edited event is
 * refused, never followed. */
static int
check_event(pg_store *st, const pg_row *r, const store_consent_row *row)
{
    uint8_t mac[CRYPTO_HASH_BYTES];
    char what[GDPR_NAME_MAX + 96];
    size_t len = 0;
    const uint8_t *stored = gdpr_pg__col_blob(r, CONSENT_MAC_COLUMN, &len);
    int rc;

    if (st->base.row_mac == NULL)
        return GDPR_OK;
    rc = gdpr_store__consent_event_mac(&st->base, row->id, row, mac);
    if (rc != GDPR_OK)
        return rc;
    snprintf(what, sizeof what, "consent event row %lld (purpose '%.64s')", (long long)row->id,
             row->purpose);
    return gdpr_pg__row_mac_check(mac, stored, len, what);
}

/* Rows to fn, each checked against its MAC unless `raw` (the migration
 * that writes the MACs). */
typedef struct {
    int (*fn)(const store_consent_row *row, void *ctx);
    void *ctx;
    pg_store *st;
    int raw;
} consent_cb;

static int
consent_row(const pg_row *r, void *c)
{
    const consent_cb *cb = c;
    store_consent_row row;
    char receipt[RECEIPT_ID_BYTES];
    int rc = read_consent_row(r, &row, receipt);

    if (rc == GDPR_OK && !cb->raw)
        rc = check_event(cb->st, r, &row);
    if (rc != GDPR_OK)
        return rc;
    return gdpr_pg__stopped(cb->fn(&row, cb->ctx), "consent", row.id);
}

int
gdpr_pg__consent_foreach(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                         int (*fn)(const store_consent_row *row, void *ctx), void *ctx)
{
    pg_params p;

    p_hash1(&p, subject_hash);
    return gdpr_pg__rows_paged(
        (pg_store *)base,
        "SELECT " CONSENT_COLUMNS " FROM " D "consent c"
        " WHERE c.subject_id = " PG_SUBJECT_ID_1 " AND c.id > $2 ORDER BY c.id LIMIT $3",
        &p, "reading consent events", consent_row, &(consent_cb){fn, ctx, (pg_store *)base, 0});
}

int
gdpr_pg__consent_get(store *base, int64_t id, int (*fn)(const store_consent_row *row, void *ctx),
                     void *ctx)
{
    pg_params p;
    int rc;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, id);
    rc = gdpr_pg__row((pg_store *)base,
                      "SELECT " CONSENT_COLUMNS " FROM " D "consent c WHERE c.id = $1", &p,
                      "reading a consent event", PG_NO_ROW, consent_row,
                      &(consent_cb){fn, ctx, (pg_store *)base, 0});
    if (rc == PG_NO_ROW)
        return gdpr__err_set(GDPR_ENOTFOUND, "event: %lld is not a consent event of this store",
                             (long long)id);
    return rc;
}

/* --- schema step 25: MAC the events already there -------------------- */

static int
fill_event(const store_consent_row *row, void *ctx)
{
    pg_store *st = ctx;
    uint8_t mac[CRYPTO_HASH_BYTES];
    pg_params p;
    int rc = gdpr_store__consent_event_mac(&st->base, row->id, row, mac);

    if (rc != GDPR_OK)
        return rc;
    gdpr_pg__p_init(&p);
    gdpr_pg__p_blob(&p, mac, sizeof mac);
    gdpr_pg__p_int(&p, row->id);
    return gdpr_pg__exec(st, "UPDATE " D "consent SET mac = $1 WHERE id = $2", &p,
                         "MAC of consent events", NULL);
}

int
gdpr_pg__consent_event_mac_migrate(pg_store *st)
{
    int64_t any = 0;
    pg_params p;
    int rc = gdpr_pg__one_int64(st, "SELECT count(*) FROM (SELECT 1 FROM " D "consent LIMIT 1) x",
                                NULL, "reading consent events", &any);

    if (rc != GDPR_OK || any == 0)
        return rc;
    if (st->base.row_mac == NULL)
        return gdpr__err_set(GDPR_EKEY, "MACs of existing consent events need the key");
    gdpr_pg__p_init(&p);
    return gdpr_pg__rows_paged(
        st,
        "SELECT " CONSENT_COLUMNS_WITH("c.subject") " FROM " D "consent c"
                                                    " WHERE c.id > $1 ORDER BY c.id LIMIT $2",
        &p, "reading consent events", consent_row, &(consent_cb){fill_event, st, st, 1});
}

int
gdpr_pg__consent_append(store *base, const store_consent_row *row, int64_t *id_out)
{
    pg_store *st = (pg_store *)base;
    uint8_t mac[CRYPTO_HASH_BYTES], event_mac[CRYPTO_HASH_BYTES];
    int64_t id = row->id;
    pg_params p;
    int rc = id > 0 ? GDPR_OK : gdpr_pg__next_id(base, STORE_SEQ_CONSENT, &id);
    /* A subject the handle knows is bound by id; otherwise each statement
     * finds it by hash (the same row either way). */
    const pg_subject_entry *known = gdpr_pg__subject_cached(st, row->subject);

    if (rc == GDPR_OK && st->base.row_mac != NULL)
        rc = gdpr_store__consent_event_mac(&st->base, id, row, event_mac);
    if (rc != GDPR_OK)
        return rc;
    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, id);
    if (known != NULL)
        gdpr_pg__p_int(&p, known->id);
    else
        gdpr_pg__p_hash(&p, row->subject);
    gdpr_pg__p_int(&p, row->at);
    gdpr_pg__p_text(&p, row->purpose);
    gdpr_pg__p_int(&p, row->state);
    gdpr_pg__p_text(&p, row->notice);
    gdpr_pg__p_text(&p, row->notice_version);
    gdpr_pg__p_hash(&p, row->notice_sha256);
    gdpr_pg__p_int(&p, row->policy_version);
    gdpr_pg__p_text(&p, row->channel);
    gdpr_pg__p_text(&p, row->actor);
    gdpr_pg__p_int(&p, row->expires);
    gdpr_pg__p_text(&p, row->recipient);
    gdpr_pg__p_blob(&p, row->recipient_sealed, row->recipient_sealed_len);
    gdpr_pg__p_blob(&p, row->proof, row->proof_len);
    gdpr_pg__p_int(&p, (int64_t)row->flags);
    gdpr_pg__p_blob(&p, row->guardian, row->guardian_len);
    gdpr_pg__p_blob(&p, st->base.row_mac != NULL ? event_mac : NULL, sizeof event_mac);
    rc = gdpr_pg__exec_later(
        st,
        known != NULL
            ? "INSERT INTO " D "consent(id, subject_id, at, purpose, state, notice,"
              " notice_version, notice_sha256, policy_version, channel, actor, expires,"
              " recipient, recipient_sealed, proof, flags, guardian, mac) VALUES($1, $2,"
              " $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
            : "INSERT INTO " D "consent(id, subject_id, at, purpose, state, notice,"
              " notice_version, notice_sha256, policy_version, channel, actor, expires,"
              " recipient, recipient_sealed, proof, flags, guardian, mac) "
              "VALUES($1, " PG_SUBJECT_ID(
                  "2") ", $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
        &p, "appending a consent event");
    if (rc != GDPR_OK)
        return rc;
    if (id_out)
        *id_out = id;
    if (st->base.row_mac != NULL) {
        store_consent_state cs;
        cs.event = id;
        cs.at = row->at;
        cs.state = row->state;
        cs.expires = row->expires;
        cs.flags = row->flags;
        rc = gdpr_store__consent_state_mac(&st->base, row->subject, row->purpose, row->recipient,
                                           &cs, mac);
        if (rc != GDPR_OK)
            return rc;
    }
    gdpr_pg__p_init(&p);
    if (known != NULL)
        gdpr_pg__p_int(&p, known->id);
    else
        gdpr_pg__p_hash(&p, row->subject);
    gdpr_pg__p_text(&p, row->purpose);
    gdpr_pg__p_text(&p, row->recipient);
    gdpr_pg__p_int(&p, id);
    gdpr_pg__p_int(&p, row->at);
    gdpr_pg__p_int(&p, row->state);
    gdpr_pg__p_int(&p, row->expires);
    gdpr_pg__p_int(&p, (int64_t)row->flags);
    gdpr_pg__p_blob(&p, st->base.row_mac != NULL ? mac : NULL, sizeof mac);
    return gdpr_pg__exec_later(
        st,
        known != NULL ? "INSERT INTO " D "consent_state(subject_id, purpose,"
                        " recipient, event, at, state, expires, flags, mac)"
                        " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                        " ON CONFLICT(subject_id, purpose, recipient) DO UPDATE SET"
                        " event = excluded.event, at = excluded.at,"
                        " state = excluded.state, expires = excluded.expires,"
                        " flags = excluded.flags, mac = excluded.mac"
                      : "INSERT INTO " D "consent_state(subject_id, purpose,"
                        " recipient, event, at, state, expires, flags, mac)"
                        " VALUES(" PG_SUBJECT_ID_1 ", $2, $3, $4, $5, $6, $7, $8, $9)"
                        " ON CONFLICT(subject_id, purpose, recipient) DO UPDATE SET"
                        " event = excluded.event, at = excluded.at, state = excluded.state,"
                        " expires = excluded.expires, flags = excluded.flags,"
                        " mac = excluded.mac",
        &p, "updating the consent state");
}

/* --- state ----------------------------------------------------------- */

static void
read_state(const pg_row *r, int first, store_consent_state *out)
{
    out->event = gdpr_pg__col_int(r, first);
    out->at = gdpr_pg__col_int(r, first + 1);
    out->state = (int)gdpr_pg__col_int(r, first + 2);
    out->expires = gdpr_pg__col_int(r, first + 3);
    out->flags = (unsigned int)gdpr_pg__col_int(r, first + 4);
}

/* The row's MAC (column `col`) against what it says (rowmac.c). */
static int
check_state(pg_store *st, const pg_row *r, int col, const uint8_t hash[CRYPTO_HASH_BYTES],
            const char *purpose, const char *recipient, const store_consent_state *cs)
{
    uint8_t mac[CRYPTO_HASH_BYTES];
    char what[GDPR_NAME_MAX + 96];
    size_t len = 0;
    const uint8_t *stored = gdpr_pg__col_blob(r, col, &len);
    int rc;

    if (st->base.row_mac == NULL)
        return GDPR_OK;
    rc = gdpr_store__consent_state_mac(&st->base, hash, purpose, recipient, cs, mac);
    if (rc != GDPR_OK)
        return rc;
    snprintf(what, sizeof what, "consent state row (purpose '%.64s', event %lld)", purpose,
             (long long)cs->event);
    return gdpr_pg__row_mac_check(mac, stored, len, what);
}

typedef struct {
    pg_store *st;
    const uint8_t *hash;
    const char *purpose, *recipient;
    store_consent_state *out;
} current_state;

static int
read_current_state(const pg_row *r, void *ctx)
{
    current_state *c = ctx;

    read_state(r, 0, c->out);
    return check_state(c->st, r, 5, c->hash, c->purpose, c->recipient, c->out);
}

/* An event as the state it set, checked against its MAC. */
typedef struct {
    pg_store *st;
    store_consent_state *out;
} history_state;

static int
read_history_state(const pg_row *r, void *ctx)
{
    history_state *h = ctx;
    store_consent_row row;
    char receipt[RECEIPT_ID_BYTES];
    int rc = read_consent_row(r, &row, receipt);

    if (rc == GDPR_OK)
        rc = check_event(h->st, r, &row);
    if (rc != GDPR_OK)
        return rc;
    h->out->event = row.id;
    h->out->at = row.at;
    h->out->state = row.state;
    h->out->expires = row.expires;
    h->out->flags = row.flags;
    return GDPR_OK;
}

/* The newest event at or before `at` (ties: the later id). */
static int
state_from_history(pg_store *st, const uint8_t hash[CRYPTO_HASH_BYTES], const char *purpose,
                   const char *recipient, int64_t at, store_consent_state *out)
{
    history_state h = {st, out};
    pg_params p;

    p_hash1(&p, hash);
    gdpr_pg__p_text(&p, purpose);
    gdpr_pg__p_text(&p, recipient);
    gdpr_pg__p_int(&p, at);
    return gdpr_pg__row(st,
                        "SELECT " CONSENT_COLUMNS " FROM " D "consent c"
                        " WHERE c.subject_id = " PG_SUBJECT_ID_1
                        " AND c.purpose = $2 AND c.recipient = $3"
                        " AND c.at <= $4 ORDER BY c.at DESC, c.id DESC LIMIT 1",
                        &p, "reading consent history", GDPR_ENOTFOUND, read_history_state, &h);
}

int
gdpr_pg__consent_state_at(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                          const char *purpose, const char *recipient, int64_t at,
                          store_consent_state *out)
{
    pg_store *st = (pg_store *)base;
    current_state cur = {st, subject_hash, purpose, recipient, out};
    pg_params p;
    int rc;

    p_hash1(&p, subject_hash);
    gdpr_pg__p_text(&p, purpose);
    gdpr_pg__p_text(&p, recipient);
    rc = gdpr_pg__row(st,
                      "SELECT event, at, state, expires, flags, mac FROM " D "consent_state"
                      " WHERE subject_id = " PG_SUBJECT_ID_1 " AND purpose = $2 AND recipient = $3",
                      &p, "reading the consent state", GDPR_ENOTFOUND, read_current_state, &cur);
    if (rc != GDPR_OK || out->at <= at)
        return rc;
    /* Asked about a time before the current state: the history knows. */
    return state_from_history(st, subject_hash, purpose, recipient, at, out);
}

/* Found a live explicit consent: a positive answer that stops the walk. */
#define EXPLICIT_FOUND 2

typedef struct {
    pg_store *st;
    const uint8_t *hash;
    const char *recipient;
    int64_t at;
} explicit_walk;

static int
explicit_row(const pg_row *r, void *ctx)
{
    const explicit_walk *w = ctx;
    const char *purpose = gdpr_pg__col_text_or_empty(r, 0);
    store_consent_state cs;
    int rc;

    read_state(r, 1, &cs);
    rc = check_state(w->st, r, 6, w->hash, purpose, w->recipient, &cs);
    if (rc == GDPR_OK && cs.at > w->at) {
        /* The result is read whole: a nested query is safe here. */
        rc = state_from_history(w->st, w->hash, purpose, w->recipient, w->at, &cs);
        if (rc == GDPR_ENOTFOUND)
            return GDPR_OK;
    }
    if (rc != GDPR_OK)
        return rc;
    if (cs.state == STORE_CONSENT_GRANTED && (cs.expires == 0 || w->at < cs.expires) &&
        (cs.flags & STORE_CONSENT_EXPLICIT))
        return EXPLICIT_FOUND;
    return GDPR_OK;
}

int
gdpr_pg__consent_explicit_recipient(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                    const char *recipient, int64_t at, int *found_out)
{
    pg_store *st = (pg_store *)base;
    explicit_walk w = {st, subject_hash, recipient, at};
    pg_params p;
    int rc;

    *found_out = 0;
    p_hash1(&p, subject_hash);
    gdpr_pg__p_text(&p, recipient);
    rc = gdpr_pg__rows(st,
                       "SELECT purpose, event, at, state, expires, flags, mac"
                       " FROM " D "consent_state WHERE subject_id = " PG_SUBJECT_ID_1
                       " AND recipient = $2"
                       " ORDER BY purpose COLLATE \"C\"",
                       &p, "reading consent states", explicit_row, &w);
    if (rc == EXPLICIT_FOUND) {
        *found_out = 1;
        return GDPR_OK;
    }
    return rc;
}

/* --- erasure --------------------------------------------------------- */

int
gdpr_pg__consent_delete_subject(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                int64_t *count_out)
{
    static const char *const sql[] = {
        "DELETE FROM " D "consent WHERE subject_id = " PG_SUBJECT_ID_1,
        "DELETE FROM " D "consent_state WHERE subject_id = " PG_SUBJECT_ID_1,
        "DELETE FROM " D "disclosure WHERE subject_id = " PG_SUBJECT_ID_1,
        "DELETE FROM " D "consent_signal WHERE subject_id = " PG_SUBJECT_ID_1,
        "DELETE FROM " D "consent_conflict WHERE subject_id = " PG_SUBJECT_ID_1,
    };
    pg_store *st = (pg_store *)base;
    int64_t total = 0;
    pg_params p;
    int rc = GDPR_OK;

    p_hash1(&p, subject_hash);
    for (size_t i = 0; i < sizeof sql / sizeof sql[0] && rc == GDPR_OK; i++) {
        int64_t n = 0;
        rc = gdpr_pg__exec(st, sql[i], &p, "erasing consent events", &n);
        total += n;
    }
    if (rc == GDPR_OK && count_out)
        *count_out = total;
    return rc;
}

/* --- disclosures ----------------------------------------------------- */

typedef struct {
    int (*fn)(const store_disclosure_row *row, void *ctx);
    void *ctx;
} disclosure_cb;

static int
disclosure_row(const pg_row *r, void *c)
{
    const disclosure_cb *cb = c;
    store_disclosure_row row;
    size_t len = 0;

    memset(&row, 0, sizeof row);
    row.id = gdpr_pg__col_int(r, 0);
    row.at = gdpr_pg__col_int(r, 1);
    row.recipient = gdpr_pg__col_text_or_empty(r, 2);
    row.purpose = gdpr_pg__col_text_or_empty(r, 3);
    row.ground = gdpr_pg__col_text_or_empty(r, 4);
    row.actor = gdpr_pg__col_text_or_empty(r, 5);
    row.recipient_sealed = gdpr_pg__col_blob(r, 6, &row.recipient_sealed_len);
    row.consent_event = gdpr_pg__col_int(r, 7);
    row.subject = gdpr_pg__col_blob(r, 8, &len);
    if (row.subject == NULL || len != CRYPTO_HASH_BYTES)
        return gdpr__err_set(GDPR_ECORRUPT, "disclosure %lld: subject hash has the wrong length",
                             (long long)row.id);
    return gdpr_pg__stopped(cb->fn(&row, cb->ctx), "disclosure", row.id);
}

int
gdpr_pg__disclosure_foreach(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                            int (*fn)(const store_disclosure_row *row, void *ctx), void *ctx)
{
    pg_params p;

    p_hash1(&p, subject_hash);
    return gdpr_pg__rows_paged((pg_store *)base,
                               "SELECT id, at, recipient, purpose, ground, actor, recipient_sealed,"
                               " consent_event, subject FROM " D "disclosure"
                               " WHERE subject_id = " PG_SUBJECT_ID_1 " AND id > $2 ORDER BY id"
                               " LIMIT $3",
                               &p, "reading disclosures", disclosure_row,
                               &(disclosure_cb){fn, ctx});
}

int
gdpr_pg__disclosure_append(store *base, const store_disclosure_row *row)
{
    pg_params p;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, row->id);
    gdpr_pg__p_hash(&p, row->subject);
    gdpr_pg__p_int(&p, row->at);
    gdpr_pg__p_text(&p, row->recipient);
    gdpr_pg__p_blob(&p, row->recipient_sealed, row->recipient_sealed_len);
    gdpr_pg__p_text(&p, row->purpose);
    gdpr_pg__p_text(&p, row->ground);
    gdpr_pg__p_text(&p, row->actor);
    gdpr_pg__p_int_or_null(&p, row->consent_event > 0, row->consent_event);
    return gdpr_pg__exec((pg_store *)base,
                         "INSERT INTO " D "disclosure(id, subject, at, recipient,"
                         " recipient_sealed, purpose, ground, actor, consent_event, subject_id)"
                         " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, " PG_SUBJECT_ID("2") ")",
                         &p, "logging a disclosure", NULL);
}

/* --- subject flags --------------------------------------------------- */

int
gdpr_pg__subject_flags_get(store *base, const uint8_t hash[CRYPTO_HASH_BYTES],
                           unsigned int *flags_out)
{
    int64_t flags = 0;
    pg_params p;
    int rc;

    p_hash1(&p, hash);
    rc = gdpr_pg__one_int64((pg_store *)base, "SELECT flags FROM " D "subject WHERE hash = $1", &p,
                            "reading subject flags", &flags);
    if (rc == GDPR_OK)
        *flags_out = (unsigned int)flags;
    return rc;
}

int
gdpr_pg__subject_flags_update(store *base, const uint8_t hash[CRYPTO_HASH_BYTES], unsigned int set,
                              unsigned int clear)
{
    int64_t changed = 0;
    pg_params p;
    int rc;

    p_hash1(&p, hash);
    gdpr_pg__p_int(&p, (int64_t)set);
    gdpr_pg__p_int(&p, (int64_t)clear);
    rc = gdpr_pg__exec((pg_store *)base,
                       "UPDATE " D "subject SET flags = (flags | $2) & ~$3 WHERE hash = $1", &p,
                       "updating subject flags", &changed);
    if (rc == GDPR_OK && changed == 0)
        return gdpr__err_set(GDPR_ENOTFOUND, "subject: does not exist");
    return rc;
}

/* --- objections per purpose (Art. 21) -------------------------------- */

int
gdpr_pg__objection_put(store *base, const uint8_t hash[CRYPTO_HASH_BYTES], const char *purpose,
                       int64_t at)
{
    pg_params p;

    p_hash1(&p, hash);
    gdpr_pg__p_text(&p, purpose);
    gdpr_pg__p_int(&p, at);
    return gdpr_pg__exec((pg_store *)base,
                         "INSERT INTO " D "objection(subject, purpose, at) VALUES($1, $2, $3)"
                         " ON CONFLICT DO NOTHING",
                         &p, "recording an objection", NULL);
}

int
gdpr_pg__objection_get(store *base, const uint8_t hash[CRYPTO_HASH_BYTES], const char *purpose,
                       int64_t *at_out)
{
    pg_params p;

    p_hash1(&p, hash);
    gdpr_pg__p_text(&p, purpose);
    /* No row: GDPR_ENOTFOUND without a message, as on SQLite. */
    return gdpr_pg__row((pg_store *)base,
                        "SELECT at FROM " D "objection WHERE subject = $1 AND purpose = $2", &p,
                        "reading an objection", GDPR_ENOTFOUND, gdpr_pg__read_int64, at_out);
}

int
gdpr_pg__objection_delete(store *base, const uint8_t hash[CRYPTO_HASH_BYTES], const char *purpose)
{
    int64_t changed = 0;
    pg_params p;
    int rc;

    p_hash1(&p, hash);
    gdpr_pg__p_text(&p, purpose);
    rc = gdpr_pg__exec((pg_store *)base,
                       "DELETE FROM " D "objection WHERE subject = $1 AND purpose = $2", &p,
                       "lifting an objection", &changed);
    if (rc == GDPR_OK && changed == 0)
        return gdpr__err_set(GDPR_ENOTFOUND, "purpose: no objection on record for it");
    return rc;
}
