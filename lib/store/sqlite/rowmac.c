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
#include "store_shared.h"

#include <string.h>

#include "error.h"

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
        result = gdpr_store__identity_mac(&st->base, id, sqlite3_column_blob(sel, 1),
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
        result = gdpr_store__consent_state_mac(&st->base, sqlite3_column_blob(sel, 0), purpose,
                                               recipient, &cs, mac);
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
    int rc = gdpr_store__consent_event_mac(&f->st->base, row->id, row, mac);

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
