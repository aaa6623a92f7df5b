/*
 * MACs of lookup rows. An identity row says "this blind index belongs to
 * that subject"; a consent-state row says "this subject's consent for this
 * purpose and recipient is in this state since that event". Neither holds
 * ciphertext, so AEAD did not protect them: someone who can write the data
 * file could re-point MALLORY's e-mail row at ALICE, or turn a withdrawal
 * into a grant; a consent event (history row) is what a question about
 * a past time, the history walk, receipts and exports follow. Each row now
 * carries HMAC-SHA-256 under the row key
 * (HKDF(root, "row-mac"), lib/crypto) over a length-fixed encoding of every
 * column that gives it meaning; a row whose MAC does not match is refused
 * with GDPR_ECORRUPT naming it, never followed. Schema 12 adds the columns
 * and MACs the rows already there, in the open's transaction after the key
 * check (the engine sets base.row_mac before migrating).
 * SPDX-License-Identifier: MIT
 */
#include "rowmac.h"

#include <string.h>

#include "error.h"

typedef struct {
    uint8_t buf[64 + 2 * CRYPTO_HASH_BYTES + 3 * (4 + GDPR_NAME_MAX + 8) + 5 * 8];
    size_t len;
} enc;

/* A consent event: a tag, 6 numbers, 2 hashes, 9 length+digest pairs. */
_Static_assert(sizeof(((enc *)0)->buf) >=
                   64 + 6 * 8 + 2 * CRYPTO_HASH_BYTES + 9 * (8 + CRYPTO_HASH_BYTES),
               "row MAC encoding buffer too small for a consent event");

static void
put_u64(enc *e, uint64_t v)
{
    for (int i = 7; i >= 0; i--)
        e->buf[e->len++] = (uint8_t)(v >> (8 * i));
}

static void
put_bytes(enc *e, const void *p, size_t n)
{
    memcpy(e->buf + e->len, p, n);
    e->len += n;
}

static void
put_text(enc *e, const char *s)
{
    size_t n = strnlen(s, GDPR_NAME_MAX + 8);

    put_u64(e, n);
    put_bytes(e, s, n);
}

static void
put_tag(enc *e, const char *tag)
{
    e->len = 0;
    put_bytes(e, tag, strlen(tag) + 1);
}

int
gdpr_sqlite__identity_mac(sqlite_store *st, int64_t id, const uint8_t ident[CRYPTO_HASH_BYTES],
                          const uint8_t subject[CRYPTO_HASH_BYTES], const char *kind,
                          uint8_t out[CRYPTO_HASH_BYTES])
{
    enc e;

    put_tag(&e, "libgdpr identity row 1");
    put_u64(&e, (uint64_t)id);
    put_bytes(&e, ident, CRYPTO_HASH_BYTES);
    put_bytes(&e, subject, CRYPTO_HASH_BYTES);
    put_text(&e, kind);
    return gdpr_crypto__row_mac(st->base.row_mac, e.buf, e.len, out);
}

int
gdpr_sqlite__consent_state_mac(sqlite_store *st, const uint8_t subject[CRYPTO_HASH_BYTES],
                               const char *purpose, const char *recipient,
                               const store_consent_state *cs, uint8_t out[CRYPTO_HASH_BYTES])
{
    enc e;

    put_tag(&e, "libgdpr consent state row 1");
    put_bytes(&e, subject, CRYPTO_HASH_BYTES);
    put_text(&e, purpose);
    put_text(&e, recipient);
    put_u64(&e, (uint64_t)cs->event);
    put_u64(&e, (uint64_t)cs->at);
    put_u64(&e, (uint64_t)(int64_t)cs->state);
    put_u64(&e, (uint64_t)cs->expires);
    put_u64(&e, (uint64_t)cs->flags);
    return gdpr_crypto__row_mac(st->base.row_mac, e.buf, e.len, out);
}

/* Texts and sealed values of any length enter as their length and
 * SHA-256, so the encoding stays bounded. */
static int
put_digest(enc *e, const void *p, size_t n, int present)
{
    uint8_t d[CRYPTO_HASH_BYTES] = {0};
    int rc = present ? gdpr_crypto__sha256(p != NULL ? p : "", n, d) : GDPR_OK;

    put_u64(e, present ? (uint64_t)n + 1 : 0);
    put_bytes(e, d, sizeof d);
    return rc;
}

int
gdpr_sqlite__consent_event_mac(sqlite_store *st, int64_t id, const store_consent_row *row,
                               uint8_t out[CRYPTO_HASH_BYTES])
{
    const char *texts[6];
    enc e;
    int rc = GDPR_OK;

    texts[0] = row->purpose;
    texts[1] = row->notice;
    texts[2] = row->notice_version;
    texts[3] = row->channel;
    texts[4] = row->actor;
    texts[5] = row->recipient;
    put_tag(&e, "libgdpr consent event row 1");
    put_u64(&e, (uint64_t)id);
    put_bytes(&e, row->subject, CRYPTO_HASH_BYTES);
    put_u64(&e, (uint64_t)row->at);
    put_u64(&e, (uint64_t)(int64_t)row->state);
    put_u64(&e, (uint64_t)row->policy_version);
    put_u64(&e, (uint64_t)row->expires);
    put_u64(&e, (uint64_t)row->flags);
    put_bytes(&e, row->notice_sha256, CRYPTO_HASH_BYTES);
    for (size_t i = 0; rc == GDPR_OK && i < sizeof texts / sizeof texts[0]; i++) {
        const char *t = texts[i] != NULL ? texts[i] : "";
        rc = put_digest(&e, t, strlen(t), 1);
    }
    /* The sealed values carry their own AEAD tag bound to the event id;
     * this binds their presence too (a proof set to NULL is an edit). */
    if (rc == GDPR_OK)
        rc = put_digest(&e, row->recipient_sealed, row->recipient_sealed_len,
                        row->recipient_sealed != NULL);
    if (rc == GDPR_OK)
        rc = put_digest(&e, row->proof, row->proof_len, row->proof != NULL);
    if (rc == GDPR_OK)
        rc = put_digest(&e, row->guardian, row->guardian_len, row->guardian != NULL);
    if (rc == GDPR_OK)
        rc = gdpr_crypto__row_mac(st->base.row_mac, e.buf, e.len, out);
    return rc;
}

int
gdpr_sqlite__row_mac_check(sqlite_store *st, const uint8_t want[CRYPTO_HASH_BYTES],
                           const void *stored, int stored_len, const char *what)
{
    if (stored == NULL || stored_len != (int)CRYPTO_HASH_BYTES)
        return gdpr__err_set(GDPR_ECORRUPT, "%s: MAC missing (the data file was edited)", what);
    if (!gdpr_crypto__equal(want, stored, CRYPTO_HASH_BYTES))
        return gdpr__err_set(GDPR_ECORRUPT,
                             "%s: MAC does not match (the data file was edited); refused, "
                             "not followed",
                             what);
    (void)st;
    return GDPR_OK;
}

/* --- schema 12: MAC the rows already there -------------------------- */

static int
fill_identities(sqlite_store *st)
{
    sqlite3_stmt *sel = NULL, *upd = NULL;
    int rc = sqlite3_prepare_v2(st->db, "SELECT id, hash, subject, kind FROM main.identity", -1,
                                &sel, NULL);
    int result = GDPR_OK;

    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(st->db, "UPDATE main.identity SET mac=?1 WHERE id=?2", -1, &upd,
                                NULL);
    if (rc != SQLITE_OK) {
        result = gdpr_sqlite__sq_fail(st, rc, "schema 12: MAC of identity rows");
        goto out;
    }
    while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
        uint8_t mac[CRYPTO_HASH_BYTES];
        int64_t id = sqlite3_column_int64(sel, 0);
        if (sqlite3_column_bytes(sel, 1) != (int)CRYPTO_HASH_BYTES ||
            sqlite3_column_bytes(sel, 2) != (int)CRYPTO_HASH_BYTES) {
            result = gdpr__err_set(GDPR_ECORRUPT, "identity row %lld: hash of the wrong length",
                                   (long long)id);
            goto out;
        }
        result = gdpr_sqlite__identity_mac(st, id, sqlite3_column_blob(sel, 1),
                                           sqlite3_column_blob(sel, 2),
                                           gdpr_sqlite__sq_text_or_empty(sel, 3), mac);
        if (result != GDPR_OK)
            goto out;
        sqlite3_bind_blob(upd, 1, mac, sizeof mac, SQLITE_TRANSIENT);
        sqlite3_bind_int64(upd, 2, id);
        rc = sqlite3_step(upd);
        sqlite3_reset(upd);
        if (rc != SQLITE_DONE) {
            result = gdpr_sqlite__sq_fail(st, rc, "schema 12: MAC of identity rows");
            goto out;
        }
    }
    if (rc != SQLITE_DONE)
        result = gdpr_sqlite__sq_fail(st, rc, "schema 12: reading identity rows");
out:
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    return result;
}

static int
fill_consent_states(sqlite_store *st)
{
    sqlite3_stmt *sel = NULL, *upd = NULL;
    int rc = sqlite3_prepare_v2(st->db,
                                "SELECT subject, purpose, recipient, event, at, state, expires,"
                                " flags FROM main.consent_state",
                                -1, &sel, NULL);
    int result = GDPR_OK;

    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(st->db,
                                "UPDATE main.consent_state SET mac=?1"
                                " WHERE subject=?2 AND purpose=?3 AND recipient=?4",
                                -1, &upd, NULL);
    if (rc != SQLITE_OK) {
        result = gdpr_sqlite__sq_fail(st, rc, "schema 12: MAC of consent states");
        goto out;
    }
    while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
        uint8_t mac[CRYPTO_HASH_BYTES];
        store_consent_state cs;
        const char *purpose = gdpr_sqlite__sq_text_or_empty(sel, 1);
        const char *recipient = gdpr_sqlite__sq_text_or_empty(sel, 2);
        if (sqlite3_column_bytes(sel, 0) != (int)CRYPTO_HASH_BYTES) {
            result = gdpr__err_set(GDPR_ECORRUPT, "consent state: subject hash of the wrong "
                                                  "length");
            goto out;
        }
        cs.event = sqlite3_column_int64(sel, 3);
        cs.at = sqlite3_column_int64(sel, 4);
        cs.state = sqlite3_column_int(sel, 5);
        cs.expires = sqlite3_column_int64(sel, 6);
        cs.flags = (unsigned int)sqlite3_column_int64(sel, 7);
        result = gdpr_sqlite__consent_state_mac(st, sqlite3_column_blob(sel, 0), purpose, recipient,
                                                &cs, mac);
        if (result != GDPR_OK)
            goto out;
        sqlite3_bind_blob(upd, 1, mac, sizeof mac, SQLITE_TRANSIENT);
        sqlite3_bind_blob(upd, 2, sqlite3_column_blob(sel, 0), CRYPTO_HASH_BYTES, SQLITE_TRANSIENT);
        sqlite3_bind_text(upd, 3, purpose, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(upd, 4, recipient, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(upd);
        sqlite3_reset(upd);
        if (rc != SQLITE_DONE) {
            result = gdpr_sqlite__sq_fail(st, rc, "schema 12: MAC of consent states");
            goto out;
        }
    }
    if (rc != SQLITE_DONE)
        result = gdpr_sqlite__sq_fail(st, rc, "schema 12: reading consent states");
out:
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    return result;
}

static int
table_empty(sqlite_store *st, const char *sql, int *empty)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);

    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    *empty = rc != SQLITE_ROW;
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return gdpr_sqlite__sq_fail(st, rc, "schema 12");
    return GDPR_OK;
}

int
gdpr_sqlite__row_mac_migrate(sqlite_store *st)
{
    int no_ids = 1, no_states = 1, no_values = 1;
    int rc = table_empty(st, "SELECT 1 FROM main.identity LIMIT 1", &no_ids);

    if (rc == GDPR_OK)
        rc = table_empty(st, "SELECT 1 FROM main.consent_state LIMIT 1", &no_states);
    if (rc == GDPR_OK)
        rc = table_empty(st, "SELECT 1 FROM main.retention_aggregate WHERE value <> '' LIMIT 1",
                         &no_values);
    if (rc != GDPR_OK || (no_ids && no_states && no_values))
        return rc;
    if (st->base.row_mac == NULL)
        return gdpr__err_set(GDPR_EKEY, "schema 12: MACs of existing lookup rows need the key");
    rc = fill_identities(st);
    if (rc == GDPR_OK)
        rc = fill_consent_states(st);
    if (rc == GDPR_OK)
        rc = gdpr_sqlite__aggregate_seal_existing(st);
    return rc;
}

/* --- consent events: MAC the rows already there --------------------- */

typedef struct {
    sqlite_store *st;
    sqlite3_stmt *upd;
} event_fill;

static int
fill_event(const store_consent_row *row, void *ctx)
{
    event_fill *f = ctx;
    uint8_t mac[CRYPTO_HASH_BYTES];
    int rc = gdpr_sqlite__consent_event_mac(f->st, row->id, row, mac);

    if (rc != GDPR_OK)
        return rc;
    sqlite3_bind_blob(f->upd, 1, mac, sizeof mac, SQLITE_TRANSIENT);
    sqlite3_bind_int64(f->upd, 2, row->id);
    rc = sqlite3_step(f->upd);
    sqlite3_reset(f->upd);
    return rc == SQLITE_DONE ? GDPR_OK : gdpr_sqlite__sq_fail(f->st, rc, "MAC of consent events");
}

int
gdpr_sqlite__consent_event_mac_migrate(sqlite_store *st)
{
    event_fill f = {st, NULL};
    int empty = 1, no_column = 1;
    int rc = table_empty(st, "SELECT 1 FROM pragma_table_info('consent') WHERE name = 'mac'",
                         &no_column);

    /* Idempotent: a store brought back to an older version number by hand
     * (tests do) may have the column already. */
    if (rc == GDPR_OK && no_column)
        rc = gdpr_sqlite__sq_exec(st, "ALTER TABLE main.consent ADD COLUMN mac BLOB");
    if (rc == GDPR_OK)
        rc = table_empty(st, "SELECT 1 FROM main.consent LIMIT 1", &empty);

    if (rc == GDPR_OK && !empty && st->base.row_mac == NULL)
        rc = gdpr__err_set(GDPR_EKEY, "MACs of existing consent events need the key");
    if (rc == GDPR_OK && !empty) {
        int src = sqlite3_prepare_v2(st->db, "UPDATE main.consent SET mac=?1 WHERE id=?2", -1,
                                     &f.upd, NULL);
        rc = src == SQLITE_OK ? gdpr_sqlite__consent_event_foreach_raw(st, fill_event, &f)
                              : gdpr_sqlite__sq_fail(st, src, "MAC of consent events");
        sqlite3_finalize(f.upd);
    }
    /* Append-only again (the step dropped the trigger to fill the column). */
    if (rc == GDPR_OK)
        rc = gdpr_sqlite__sq_exec(st, SQ_CONSENT_APPEND_ONLY_SQL);
    return rc;
}
