/*
 * Rows of the consent ledger: append-only events, the current state per
 * (subject, purpose, recipient), disclosures, receipts built by SQLite's
 * JSON functions, and the subject flags of objection and restriction.
 * SPDX-License-Identifier: MIT
 */
#include "store_shared.h"
#include "sqlite_internal.h"

#include "rowmac.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "text.h"

/* A blob column, NULL when the column is NULL (a zero-length blob is
 * never stored). */
static const uint8_t *
blob_or_null(sqlite3_stmt *s, int col, size_t *len_out)
{
    *len_out = 0;
    if (sqlite3_column_type(s, col) == SQLITE_NULL)
        return NULL;
    *len_out = (size_t)sqlite3_column_bytes(s, col);
    return sqlite3_column_blob(s, col);
}

/* --- events ---------------------------------------------------------- */

/* Events name their subject by its integer id (schema step "subject ids");
 * the row is read with the subject's hash, which the event's MAC covers. */
#define CONSENT_COLUMNS_WITH(subject)                                                              \
    "c.id, c.at, c.purpose, c.state, c.notice, c.channel, c.actor, c.expires,"                     \
    " c.recipient, c.proof, c.flags, c.recipient_sealed, c.notice_version,"                        \
    " c.notice_sha256, c.policy_version,"                                                          \
    " (SELECT value FROM main.meta WHERE name='store_id'), " subject ", c.guardian, c.mac"
#define CONSENT_COLUMNS                                                                            \
    CONSENT_COLUMNS_WITH("(SELECT hash FROM main.subject WHERE id=c.subject_id)")
#define CONSENT_MAC_COLUMN 18

#define RECEIPT_ID_BYTES 37

/* The receipt id: UUID version 8 from the first 60 bits of the store id
 * (column `col`) and the 60-bit event id (RFC 9562 section 5.8 leaves the
 * layout to us). Formatted here, not in SQL, so every backend derives the
 * same text from the same two values. */
static void
format_receipt_id(sqlite3_stmt *s, int col, int64_t id, char out[RECEIPT_ID_BYTES])
{
    char h[2 * 8 + 1] = "";
    const unsigned char *b = sqlite3_column_blob(s, col);
    int n = sqlite3_column_bytes(s, col);
    size_t len;

    if (b != NULL && n > 0)
        gdpr__hex_encode(b, n < 8 ? (size_t)n : 8, h);
    len = strlen(h);
    snprintf(out, RECEIPT_ID_BYTES, "%.8s-%.4s-8%.3s-8%03x-%012llx", h, h + (len < 8 ? len : 8),
             h + (len < 12 ? len : 12), (unsigned)(((uint64_t)id >> 48) & 4095),
             (unsigned long long)((uint64_t)id & UINT64_C(0xFFFFFFFFFFFF)));
}

static int
read_consent_row(sqlite3_stmt *s, store_consent_row *row, char receipt[RECEIPT_ID_BYTES])
{
    memset(row, 0, sizeof *row);
    row->id = sqlite3_column_int64(s, 0);
    row->at = sqlite3_column_int64(s, 1);
    row->purpose = gdpr_sqlite__sq_text_or_empty(s, 2);
    row->state = sqlite3_column_int(s, 3);
    row->notice = gdpr_sqlite__sq_text_or_empty(s, 4);
    row->channel = gdpr_sqlite__sq_text_or_empty(s, 5);
    row->actor = gdpr_sqlite__sq_text_or_empty(s, 6);
    row->expires = sqlite3_column_int64(s, 7);
    row->recipient = gdpr_sqlite__sq_text_or_empty(s, 8);
    row->proof = blob_or_null(s, 9, &row->proof_len);
    row->guardian = blob_or_null(s, 17, &row->guardian_len);
    row->flags = (unsigned int)sqlite3_column_int64(s, 10);
    row->recipient_sealed = blob_or_null(s, 11, &row->recipient_sealed_len);
    row->notice_version = gdpr_sqlite__sq_text_or_empty(s, 12);
    row->policy_version = sqlite3_column_int64(s, 14);
    format_receipt_id(s, 15, row->id, receipt);
    row->receipt_id = receipt;
    if (sqlite3_column_bytes(s, 13) != (int)CRYPTO_HASH_BYTES ||
        sqlite3_column_bytes(s, 16) != (int)CRYPTO_HASH_BYTES)
        return gdpr__err_set(GDPR_ECORRUPT, "consent event %lld: a hash has the wrong length",
                             (long long)row->id);
    row->notice_sha256 = sqlite3_column_blob(s, 13);
    row->subject = sqlite3_column_blob(s, 16);
    return GDPR_OK;
}

/* The event's MAC (sqlite/rowmac.c) against what its row says: an edited
 * event is refused, never followed. */
static int
check_event(sqlite_store *st, sqlite3_stmt *s, const store_consent_row *row)
{
    uint8_t mac[CRYPTO_HASH_BYTES];
    char what[GDPR_NAME_MAX + 96];
    int rc;

    if (st->base.row_mac == NULL)
        return GDPR_OK;
    rc = gdpr_store__consent_event_mac(&st->base, row->id, row, mac);
    if (rc != GDPR_OK)
        return rc;
    snprintf(what, sizeof what, "consent event row %lld (purpose '%.64s')", (long long)row->id,
             row->purpose);
    return gdpr_sqlite__row_mac_check(st, mac, sqlite3_column_blob(s, CONSENT_MAC_COLUMN),
                                      sqlite3_column_bytes(s, CONSENT_MAC_COLUMN), what);
}

/* Rows of CONSENT_COLUMNS to fn, each checked against its MAC unless
 * `raw` (the migration that writes the MACs); `seen` says whether there
 * was one. The statements are our own prepared ones (not cached: an
 * iterator may run a nested call that uses the cached statements). */
typedef struct {
    int (*fn)(const store_consent_row *row, void *ctx);
    void *ctx;
    int seen;
    sqlite_store *st;
    int raw;
} consent_cb;

static int
consent_row(sqlite3_stmt *s, void *c)
{
    consent_cb *cb = c;
    store_consent_row row;
    char receipt[RECEIPT_ID_BYTES];
    int rc = read_consent_row(s, &row, receipt);

    if (rc == GDPR_OK && !cb->raw)
        rc = check_event(cb->st, s, &row);
    if (rc != GDPR_OK)
        return rc;
    cb->seen = 1;
    return gdpr_sqlite__sq_stopped(cb->fn(&row, cb->ctx), "consent", row.id);
}

int
gdpr_sqlite__consent_foreach(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                             int (*fn)(const store_consent_row *row, void *ctx), void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int own = SQ_CACHED;
    int rc = gdpr_sqlite__sq_cursor(st,
                                    "SELECT " CONSENT_COLUMNS " FROM main.consent c"
                                    " WHERE c.subject_id=" SQ_SUBJECT_ID_1 " ORDER BY c.id",
                                    &s, &own);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, subject_hash);
    return gdpr_sqlite__sq_rows(st, s, own, "reading consent events", consent_row,
                                &(consent_cb){fn, ctx, 0, st, 0});
}

int
gdpr_sqlite__consent_event_foreach_raw(sqlite_store *st,
                                       int (*fn)(const store_consent_row *row, void *ctx),
                                       void *ctx)
{
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_prepare(
        st, "SELECT " CONSENT_COLUMNS_WITH("c.subject") " FROM main.consent c ORDER BY c.id",
        "reading consent events", &s);

    if (rc != GDPR_OK)
        return rc;
    return gdpr_sqlite__sq_rows(st, s, SQ_OWN, "reading consent events", consent_row,
                                &(consent_cb){fn, ctx, 0, st, 1});
}

int
gdpr_sqlite__consent_get(store *base, int64_t id,
                         int (*fn)(const store_consent_row *row, void *ctx), void *ctx)
{
    consent_cb cb = {fn, ctx, 0, (sqlite_store *)base, 0};
    int rc = gdpr_sqlite__sq_each((sqlite_store *)base,
                                  "SELECT " CONSENT_COLUMNS " FROM main.consent c"
                                  " WHERE c.id=?1",
                                  id, "reading a consent event", consent_row, &cb);

    if (rc == GDPR_OK && !cb.seen)
        return gdpr__err_set(GDPR_ENOTFOUND, "event: %lld is not a consent event of this store",
                             (long long)id);
    return rc;
}

int
gdpr_sqlite__consent_append(store *base, const store_consent_row *row, int64_t *id_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int64_t id = row->id;
    int rc = id > 0 ? GDPR_OK : gdpr_sqlite__sq_next_id(st, STORE_SEQ_CONSENT, &id);

    if (rc == GDPR_OK)
        rc = gdpr_sqlite__sq_stmt(
            st,
            "INSERT INTO main.consent(id, subject_id, at, purpose, state, notice,"
            " notice_version, notice_sha256, policy_version, channel, actor, expires,"
            " recipient, recipient_sealed, proof, flags, guardian, mac)"
            " VALUES(?1, " SQ_SUBJECT_ID_CACHED(
                "19", "2") ", ?3,"
                           " ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
            &s);

    if (rc != GDPR_OK)
        return rc;
    if (st->base.row_mac != NULL) {
        uint8_t mac[CRYPTO_HASH_BYTES];
        rc = gdpr_store__consent_event_mac(&st->base, id, row, mac);
        if (rc != GDPR_OK) {
            gdpr_sqlite__sq_reset(s);
            return rc;
        }
        sqlite3_bind_blob(s, 18, mac, sizeof mac, SQLITE_TRANSIENT);
    }
    sqlite3_bind_int64(s, 1, id);
    gdpr_sqlite__sq_bind_hash(s, 2, row->subject);
    sqlite3_bind_int64(s, 3, row->at);
    sqlite3_bind_text(s, 4, row->purpose, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 5, row->state);
    sqlite3_bind_text(s, 6, row->notice, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, row->notice_version, -1, SQLITE_STATIC);
    gdpr_sqlite__sq_bind_hash(s, 8, row->notice_sha256);
    sqlite3_bind_int64(s, 9, row->policy_version);
    sqlite3_bind_text(s, 10, row->channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 11, row->actor, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 12, row->expires);
    sqlite3_bind_text(s, 13, row->recipient, -1, SQLITE_STATIC);
    gdpr_sqlite__sq_bind_blob_or_null(s, 14, row->recipient_sealed, row->recipient_sealed_len);
    gdpr_sqlite__sq_bind_blob_or_null(s, 15, row->proof, row->proof_len);
    sqlite3_bind_int64(s, 16, (sqlite3_int64)row->flags);
    gdpr_sqlite__sq_bind_blob_or_null(s, 17, row->guardian, row->guardian_len);
    gdpr_sqlite__sq_bind_subject_cached(st, s, 19, row->subject);
    rc = gdpr_sqlite__sq_step_done(st, s, "appending a consent event");
    if (rc != GDPR_OK)
        return rc;
    if (id_out)
        *id_out = id;
    rc = gdpr_sqlite__sq_stmt(
        st,
        "INSERT OR REPLACE INTO main.consent_state(subject_id, purpose, recipient,"
        " event, at, state, expires, flags, mac) VALUES(" SQ_SUBJECT_ID_CACHED(
            "10", "1") ", ?2, ?3, ?4, ?5, ?6, ?7,"
                       " ?8, ?9)",
        &s);
    if (rc != GDPR_OK)
        return rc;
    if (st->base.row_mac != NULL) {
        uint8_t mac[CRYPTO_HASH_BYTES];
        store_consent_state cs;
        cs.event = id;
        cs.at = row->at;
        cs.state = row->state;
        cs.expires = row->expires;
        cs.flags = row->flags;
        rc = gdpr_store__consent_state_mac(&st->base, row->subject, row->purpose, row->recipient,
                                           &cs, mac);
        if (rc != GDPR_OK) {
            gdpr_sqlite__sq_reset(s);
            return rc;
        }
        sqlite3_bind_blob(s, 9, mac, sizeof mac, SQLITE_TRANSIENT);
    }
    gdpr_sqlite__sq_bind_hash(s, 1, row->subject);
    sqlite3_bind_text(s, 2, row->purpose, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, row->recipient, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, id);
    sqlite3_bind_int64(s, 5, row->at);
    sqlite3_bind_int(s, 6, row->state);
    sqlite3_bind_int64(s, 7, row->expires);
    sqlite3_bind_int64(s, 8, (sqlite3_int64)row->flags);
    gdpr_sqlite__sq_bind_subject_cached(st, s, 10, row->subject);
    return gdpr_sqlite__sq_step_done(st, s, "updating the consent state");
}

/* --- state ----------------------------------------------------------- */

static void
read_state(sqlite3_stmt *s, int first, store_consent_state *out)
{
    out->event = sqlite3_column_int64(s, first);
    out->at = sqlite3_column_int64(s, first + 1);
    out->state = sqlite3_column_int(s, first + 2);
    out->expires = sqlite3_column_int64(s, first + 3);
    out->flags = (unsigned int)sqlite3_column_int64(s, first + 4);
}

/* The row's MAC (column `col`) against what it says (sqlite/rowmac.c). */
static int
check_state(sqlite_store *st, sqlite3_stmt *s, int col, const uint8_t hash[CRYPTO_HASH_BYTES],
            const char *purpose, const char *recipient, const store_consent_state *cs)
{
    uint8_t mac[CRYPTO_HASH_BYTES];
    char what[GDPR_NAME_MAX + 96];
    const void *stored;
    int stored_len, rc;

    if (st->base.row_mac == NULL)
        return GDPR_OK;
    rc = gdpr_store__consent_state_mac(&st->base, hash, purpose, recipient, cs, mac);
    if (rc != GDPR_OK)
        return rc;
    stored = sqlite3_column_blob(s, col);
    stored_len = sqlite3_column_bytes(s, col);
    /* The row's name is formatted only for the refusal's message: on
     * every check it cost about 1,000 instructions of 31,000. */
    if (stored != NULL && stored_len == (int)CRYPTO_HASH_BYTES &&
        gdpr_crypto__equal(mac, stored, CRYPTO_HASH_BYTES))
        return GDPR_OK;
    snprintf(what, sizeof what, "consent state row (purpose '%.64s', event %lld)", purpose,
             (long long)cs->event);
    return gdpr_sqlite__row_mac_check(st, mac, stored, stored_len, what);
}

/* The current state row: columns 0 to 4, its MAC in column 5. */
typedef struct {
    sqlite_store *st;
    const uint8_t *hash;
    const char *purpose, *recipient;
    store_consent_state *out;
} current_state;

static int
read_current_state(sqlite3_stmt *s, void *ctx)
{
    current_state *c = ctx;

    read_state(s, 0, c->out);
    return check_state(c->st, s, 5, c->hash, c->purpose, c->recipient, c->out);
}

/* An event as the state it set, checked against its MAC. */
typedef struct {
    sqlite_store *st;
    store_consent_state *out;
} history_state;

static int
read_history_state(sqlite3_stmt *s, void *ctx)
{
    history_state *h = ctx;
    store_consent_row row;
    char receipt[RECEIPT_ID_BYTES];
    int rc = read_consent_row(s, &row, receipt);

    if (rc == GDPR_OK)
        rc = check_event(h->st, s, &row);
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
state_from_history(sqlite_store *st, const uint8_t hash[CRYPTO_HASH_BYTES], const char *purpose,
                   const char *recipient, int64_t at, store_consent_state *out)
{
    history_state h = {st, out};
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st,
                                  "SELECT " CONSENT_COLUMNS " FROM main.consent c"
                                  " WHERE c.subject_id=" SQ_SUBJECT_ID_1
                                  " AND c.purpose=?2 AND c.recipient=?3"
                                  " AND c.at<=?4 ORDER BY c.at DESC, c.id DESC LIMIT 1",
                                  &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, hash);
    sqlite3_bind_text(s, 2, purpose, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, recipient, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, at);
    return gdpr_sqlite__sq_row(st, s, "reading consent history", GDPR_ENOTFOUND, read_history_state,
                               &h);
}

int
gdpr_sqlite__consent_state_at(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                              const char *purpose, const char *recipient, int64_t at,
                              store_consent_state *out)
{
    sqlite_store *st = (sqlite_store *)base;
    current_state cur = {st, subject_hash, purpose, recipient, out};
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(st,
                                  "SELECT event, at, state, expires, flags, mac"
                                  " FROM main.consent_state"
                                  " WHERE subject_id=" SQ_SUBJECT_ID_1
                                  " AND purpose=?2 AND recipient=?3",
                                  &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, subject_hash);
    sqlite3_bind_text(s, 2, purpose, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, recipient, -1, SQLITE_STATIC);
    rc = gdpr_sqlite__sq_row(st, s, "reading the consent state", GDPR_ENOTFOUND, read_current_state,
                             &cur);
    if (rc != GDPR_OK || out->at <= at)
        return rc;
    /* Asked about a time before the current state: the history knows. */
    return state_from_history(st, subject_hash, purpose, recipient, at, out);
}

static int
state_live(const store_consent_state *cs, int64_t at)
{
    return cs->state == STORE_CONSENT_GRANTED && (cs->expires == 0 || at < cs->expires);
}

#define EXPLICIT_BATCH 64

/* Copy one page of (purpose, state) rows for the recipient, purposes after
 * `after`: resolving a past state uses another cached statement, and this
 * one must not stay open meanwhile. */
typedef struct {
    char (*purposes)[GDPR_NAME_MAX + 1];
    store_consent_state *states;
    size_t n;
    sqlite_store *st; /* for the MAC check of each row (column 6) */
    const uint8_t *hash;
    const char *recipient;
} explicit_rows;

static int
read_explicit(sqlite3_stmt *s, void *ctx)
{
    explicit_rows *r = ctx;
    const char *p = gdpr_sqlite__sq_text_or_empty(s, 0);
    size_t len = strlen(p);

    if (len > GDPR_NAME_MAX)
        len = GDPR_NAME_MAX;
    memcpy(r->purposes[r->n], p, len);
    r->purposes[r->n][len] = '\0';
    read_state(s, 1, &r->states[r->n]);
    r->n++;
    return check_state(r->st, s, 6, r->hash, r->purposes[r->n - 1], r->recipient,
                       &r->states[r->n - 1]);
}

static int
explicit_page(sqlite_store *st, const uint8_t hash[CRYPTO_HASH_BYTES], const char *recipient,
              const char *after, char (*purposes)[GDPR_NAME_MAX + 1], store_consent_state *states,
              size_t *n_out)
{
    sqlite3_stmt *s;
    explicit_rows r = {purposes, states, 0, st, hash, recipient};
    int rc = gdpr_sqlite__sq_stmt(st,
                                  "SELECT purpose, event, at, state, expires, flags, mac"
                                  " FROM main.consent_state WHERE subject_id=" SQ_SUBJECT_ID_1
                                  " AND recipient=?2"
                                  " AND purpose>?3 ORDER BY purpose LIMIT ?4",
                                  &s);

    *n_out = 0;
    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, hash);
    sqlite3_bind_text(s, 2, recipient, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, after, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 4, EXPLICIT_BATCH);
    rc = gdpr_sqlite__sq_rows(st, s, SQ_CACHED, "reading consent states", read_explicit, &r);
    if (rc == GDPR_OK)
        *n_out = r.n;
    return rc;
}

int
gdpr_sqlite__consent_explicit_recipient(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                        const char *recipient, int64_t at, int *found_out)
{
    sqlite_store *st = (sqlite_store *)base;
    char purposes[EXPLICIT_BATCH][GDPR_NAME_MAX + 1];
    store_consent_state states[EXPLICIT_BATCH];
    char after[GDPR_NAME_MAX + 1] = "";
    size_t n;
    int rc;

    *found_out = 0;
    do {
        rc = explicit_page(st, subject_hash, recipient, after, purposes, states, &n);
        for (size_t i = 0; rc == GDPR_OK && i < n; i++) {
            store_consent_state cs = states[i];
            if (cs.at > at) {
                rc = state_from_history(st, subject_hash, purposes[i], recipient, at, &cs);
                if (rc == GDPR_ENOTFOUND) {
                    rc = GDPR_OK;
                    continue;
                }
                if (rc != GDPR_OK)
                    break;
            }
            if (state_live(&cs, at) && (cs.flags & STORE_CONSENT_EXPLICIT)) {
                *found_out = 1;
                return GDPR_OK;
            }
        }
        if (n > 0)
            memcpy(after, purposes[n - 1], sizeof after);
    } while (rc == GDPR_OK && n == EXPLICIT_BATCH);
    return rc;
}

/* --- erasure --------------------------------------------------------- */

int
gdpr_sqlite__consent_delete_subject(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                    int64_t *count_out)
{
    static const char *const sql[] = {
        "DELETE FROM main.consent WHERE subject_id=" SQ_SUBJECT_ID_1,
        "DELETE FROM main.consent_state WHERE subject_id=" SQ_SUBJECT_ID_1,
        "DELETE FROM main.disclosure WHERE subject_id=" SQ_SUBJECT_ID_1,
        "DELETE FROM main.consent_signal WHERE subject_id=" SQ_SUBJECT_ID_1,
        "DELETE FROM main.consent_conflict WHERE subject_id=" SQ_SUBJECT_ID_1,
    };

    return gdpr_sqlite__sq_run_hash((sqlite_store *)base, sql, sizeof sql / sizeof sql[0],
                                    subject_hash, "erasing consent events", count_out);
}

/* --- disclosures ----------------------------------------------------- */

typedef struct {
    int (*fn)(const store_disclosure_row *row, void *ctx);
    void *ctx;
} disclosure_cb;

static int
disclosure_row(sqlite3_stmt *s, void *c)
{
    const disclosure_cb *cb = c;
    store_disclosure_row row;

    memset(&row, 0, sizeof row);
    row.id = sqlite3_column_int64(s, 0);
    row.at = sqlite3_column_int64(s, 1);
    row.recipient = gdpr_sqlite__sq_text_or_empty(s, 2);
    row.purpose = gdpr_sqlite__sq_text_or_empty(s, 3);
    row.ground = gdpr_sqlite__sq_text_or_empty(s, 4);
    row.actor = gdpr_sqlite__sq_text_or_empty(s, 5);
    row.recipient_sealed = blob_or_null(s, 6, &row.recipient_sealed_len);
    row.consent_event = sqlite3_column_int64(s, 7);
    if (sqlite3_column_bytes(s, 8) != (int)CRYPTO_HASH_BYTES)
        return gdpr__err_set(GDPR_ECORRUPT, "disclosure %lld: subject hash has the wrong length",
                             (long long)row.id);
    row.subject = sqlite3_column_blob(s, 8);
    return gdpr_sqlite__sq_stopped(cb->fn(&row, cb->ctx), "disclosure", row.id);
}

int
gdpr_sqlite__disclosure_foreach(store *base, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                                int (*fn)(const store_disclosure_row *row, void *ctx), void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int own = SQ_CACHED;
    int rc = gdpr_sqlite__sq_cursor(st,
                                    "SELECT id, at, recipient, purpose, ground, actor,"
                                    " recipient_sealed, consent_event, subject FROM main.disclosure"
                                    " WHERE subject_id=" SQ_SUBJECT_ID_1 " ORDER BY id",
                                    &s, &own);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, subject_hash);
    return gdpr_sqlite__sq_rows(st, s, own, "reading disclosures", disclosure_row,
                                &(disclosure_cb){fn, ctx});
}

int
gdpr_sqlite__disclosure_append(store *base, const store_disclosure_row *row)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(
        st,
        "INSERT INTO main.disclosure(id, subject, at, recipient,"
        " recipient_sealed, purpose, ground, actor, consent_event,"
        " subject_id) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, " SQ_SUBJECT_ID_CACHED("10",
                                                                                        "2") ")",
        &s);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_int64(s, 1, row->id);
    gdpr_sqlite__sq_bind_hash(s, 2, row->subject);
    sqlite3_bind_int64(s, 3, row->at);
    sqlite3_bind_text(s, 4, row->recipient, -1, SQLITE_STATIC);
    gdpr_sqlite__sq_bind_blob_or_null(s, 5, row->recipient_sealed, row->recipient_sealed_len);
    sqlite3_bind_text(s, 6, row->purpose, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, row->ground, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 8, row->actor, -1, SQLITE_STATIC);
    if (row->consent_event > 0)
        sqlite3_bind_int64(s, 9, row->consent_event);
    gdpr_sqlite__sq_bind_subject_cached(st, s, 10, row->subject);
    return gdpr_sqlite__sq_step_done(st, s, "logging a disclosure");
}

/* --- subject flags --------------------------------------------------- */

int
gdpr_sqlite__subject_flags_get(store *base, const uint8_t hash[CRYPTO_HASH_BYTES],
                               unsigned int *flags_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int64_t flags = 0;
    int rc = gdpr_sqlite__sq_stmt(st, "SELECT flags FROM main.subject WHERE hash=?1", &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, hash);
    rc = gdpr_sqlite__sq_row(st, s, "reading subject flags", GDPR_ENOTFOUND,
                             gdpr_sqlite__sq_read_int64, &flags);
    if (rc == GDPR_OK)
        *flags_out = (unsigned int)flags;
    return rc;
}

int
gdpr_sqlite__subject_flags_update(store *base, const uint8_t hash[CRYPTO_HASH_BYTES],
                                  unsigned int set, unsigned int clear)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(
        st, "UPDATE main.subject SET flags=(flags | ?2) & ~?3 WHERE hash=?1", &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, hash);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)set);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)clear);
    rc = gdpr_sqlite__sq_step_done(st, s, "updating subject flags");
    if (rc == GDPR_OK && sqlite3_changes(st->db) == 0)
        return gdpr__err_set(GDPR_ENOTFOUND, "subject: does not exist");
    return rc;
}

/* --- objections per purpose (Art. 21) -------------------------------- */

int
gdpr_sqlite__objection_put(store *base, const uint8_t hash[CRYPTO_HASH_BYTES], const char *purpose,
                           int64_t at)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(
        st, "INSERT OR IGNORE INTO main.objection(subject, purpose, at) VALUES(?1, ?2, ?3)", &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, hash);
    sqlite3_bind_text(s, 2, purpose, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, at);
    return gdpr_sqlite__sq_step_done(st, s, "recording an objection");
}

int
gdpr_sqlite__objection_get(store *base, const uint8_t hash[CRYPTO_HASH_BYTES], const char *purpose,
                           int64_t *at_out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc = gdpr_sqlite__sq_stmt(
        st, "SELECT at FROM main.objection WHERE subject=?1 AND purpose=?2", &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, hash);
    sqlite3_bind_text(s, 2, purpose, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *at_out = sqlite3_column_int64(s, 0);
        gdpr_sqlite__sq_reset(s);
        return GDPR_OK;
    }
    gdpr_sqlite__sq_reset(s);
    if (rc == SQLITE_DONE)
        return GDPR_ENOTFOUND;
    return gdpr_sqlite__sq_fail(st, rc, "reading an objection");
}

int
gdpr_sqlite__objection_delete(store *base, const uint8_t hash[CRYPTO_HASH_BYTES],
                              const char *purpose)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s;
    int rc =
        gdpr_sqlite__sq_stmt(st, "DELETE FROM main.objection WHERE subject=?1 AND purpose=?2", &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_hash(s, 1, hash);
    sqlite3_bind_text(s, 2, purpose, -1, SQLITE_STATIC);
    rc = gdpr_sqlite__sq_step_done(st, s, "lifting an objection");
    if (rc == GDPR_OK && sqlite3_changes(st->db) == 0)
        return gdpr__err_set(GDPR_ENOTFOUND, "purpose: no objection on record for it");
    return rc;
}
