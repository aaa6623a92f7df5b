/*
 * Reports: walks over current state that a report streams out (the
 * consent report, docs/consent.md "Consent report"). Each walk steps a
 * statement of its own, so memory stays flat in the number of rows and the
 * caller's callback may use the store meanwhile.
 * SPDX-License-Identifier: MIT
 */
#include "store_shared.h"
#include <stdio.h>

#include "error.h"
#include "rowmac.h"
#include "sqlite_internal.h"

typedef struct {
    sqlite_store *st;
    int (*fn)(const store_consent_report_row *row, void *ctx);
    void *ctx;
} report_walk;

static int
report_row(sqlite3_stmt *s, void *c)
{
    report_walk *w = c;
    store_consent_report_row row;
    int rc;

    if (sqlite3_column_bytes(s, 0) != CRYPTO_HASH_BYTES)
        return gdpr__err_set(GDPR_ECORRUPT, "consent state row: the subject hash has %d bytes",
                             sqlite3_column_bytes(s, 0));
    row.subject = sqlite3_column_blob(s, 0);
    row.purpose = gdpr_sqlite__sq_text_or_empty(s, 1);
    row.recipient = gdpr_sqlite__sq_text_or_empty(s, 2);
    row.state.event = sqlite3_column_int64(s, 3);
    row.state.at = sqlite3_column_int64(s, 4);
    row.state.state = sqlite3_column_int(s, 5);
    row.state.expires = sqlite3_column_int64(s, 6);
    row.state.flags = (unsigned int)sqlite3_column_int64(s, 7);
    row.ident = sqlite3_column_blob(s, 9);
    row.ident_len = row.ident != NULL ? (size_t)sqlite3_column_bytes(s, 9) : 0;
    if (w->st->base.row_mac != NULL) {
        uint8_t mac[CRYPTO_HASH_BYTES];
        char what[GDPR_NAME_MAX + 96];

        rc = gdpr_store__consent_state_mac(&w->st->base, row.subject, row.purpose, row.recipient,
                                           &row.state, mac);
        if (rc != GDPR_OK)
            return rc;
        snprintf(what, sizeof what, "consent state row (purpose '%.64s', event %lld)", row.purpose,
                 (long long)row.state.event);
        rc = gdpr_sqlite__row_mac_check(w->st, mac, sqlite3_column_blob(s, 8),
                                        sqlite3_column_bytes(s, 8), what);
        if (rc != GDPR_OK)
            return rc;
    }
    return gdpr_sqlite__sq_stopped(w->fn(&row, w->ctx), "consent report at event", row.state.event);
}

int
gdpr_sqlite__consent_report_foreach(store *base, const store_consent_report_filter *f,
                                    int (*fn)(const store_consent_report_row *row, void *ctx),
                                    void *ctx)
{
    sqlite_store *st = (sqlite_store *)base;
    report_walk w = {st, fn, ctx};
    sqlite3_stmt *s = NULL;
    int rc = gdpr_sqlite__sq_prepare(
        st,
        /* The subject row found once per state row gives both its hash
         * and its sealed id (a host-id report opens it). */
        "SELECT s.hash, c.purpose, c.recipient, c.event, c.at, c.state, c.expires, c.flags,"
        " c.mac, s.ident FROM main.consent_state c LEFT JOIN main.subject s"
        " ON s.id = c.subject_id WHERE (?1 IS NULL OR c.purpose = ?1)"
        " AND c.at >= ?2 AND (?3 = 0 OR c.at < ?3) ORDER BY c.subject_id, c.purpose, c.recipient",
        "reading consent states for the report", &s);

    if (rc != GDPR_OK)
        return rc;
    gdpr_sqlite__sq_bind_text_or_null(s, 1, f->purpose);
    sqlite3_bind_int64(s, 2, f->from);
    sqlite3_bind_int64(s, 3, f->until);
    return gdpr_sqlite__sq_rows(st, s, SQ_OWN, "reading consent states for the report", report_row,
                                &w);
}
