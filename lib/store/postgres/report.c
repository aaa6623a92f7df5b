/*
 * Reports: walks over current state that a report streams out (the
 * consent report, docs/consent.md "Consent report"). Mirrors
 * lib/store/sqlite/report.c.
 *
 * libpq reads a whole result into memory, so the walk goes a page at a
 * time to keep memory flat in the number of rows. Current consent states
 * have no id: the page key is the row's own order, (subject id, purpose,
 * recipient), texts in byte order (COLLATE "C", as SQLite compares), the
 * next page starting after the last row handed out. The subject term
 * comes first so the primary key's index gives the rows in subject order
 * (PostgreSQL sorts each subject's few rows by the texts). Each page is
 * read whole before the first callback, so fn may call the store.
 * SPDX-License-Identifier: MIT
 */
#include "store_shared.h"
#include "pg_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

#define D PG_DATA_SCHEMA "."

/* Rows per page: memory stays flat however many states there are. */
#define REPORT_PAGE_ROWS 256

typedef struct {
    pg_store *st;
    int (*fn)(const store_consent_report_row *row, void *ctx);
    void *ctx;
    int n; /* rows of the current page */
    /* The key of the last row handed out: the next page starts after it. */
    int64_t subject_id;
    int has_last;
    char *purpose, *recipient;
} report_walk;

static int
keep_text(char **slot, const char *text)
{
    size_t len = strlen(text);
    char *copy = realloc(*slot, len + 1);

    if (copy == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory reading consent states for the report");
    memcpy(copy, text, len + 1);
    *slot = copy;
    return GDPR_OK;
}

static int
report_row(const pg_row *r, void *c)
{
    report_walk *w = c;
    store_consent_report_row row = {0};
    const uint8_t *subject = NULL;
    int rc = gdpr_pg__col_hash(r, 0, 0, "consent state row: the subject hash", &subject);

    if (rc != GDPR_OK)
        return rc;
    w->n++;
    row.subject = subject;
    row.purpose = gdpr_pg__col_text_or_empty(r, 1);
    row.recipient = gdpr_pg__col_text_or_empty(r, 2);
    row.state.event = gdpr_pg__col_int(r, 3);
    row.state.at = gdpr_pg__col_int(r, 4);
    row.state.state = (int)gdpr_pg__col_int(r, 5);
    row.state.expires = gdpr_pg__col_int(r, 6);
    row.state.flags = (unsigned int)gdpr_pg__col_int(r, 7);
    if (w->st->base.row_mac != NULL) {
        uint8_t mac[CRYPTO_HASH_BYTES];
        char what[GDPR_NAME_MAX + 96];
        size_t len = 0;
        const uint8_t *stored = gdpr_pg__col_blob(r, 8, &len);

        rc = gdpr_store__consent_state_mac(&w->st->base, row.subject, row.purpose, row.recipient,
                                           &row.state, mac);
        if (rc != GDPR_OK)
            return rc;
        snprintf(what, sizeof what, "consent state row (purpose '%.64s', event %lld)", row.purpose,
                 (long long)row.state.event);
        rc = gdpr_pg__row_mac_check(mac, stored, len, what);
        if (rc != GDPR_OK)
            return rc;
    }
    w->subject_id = gdpr_pg__col_int(r, 9);
    w->has_last = 1;
    rc = keep_text(&w->purpose, row.purpose);
    if (rc == GDPR_OK)
        rc = keep_text(&w->recipient, row.recipient);
    if (rc != GDPR_OK)
        return rc;
    return gdpr_pg__stopped(w->fn(&row, w->ctx), "consent report at event", row.state.event);
}

int
gdpr_pg__consent_report_foreach(store *base, const store_consent_report_filter *f,
                                int (*fn)(const store_consent_report_row *row, void *ctx),
                                void *ctx)
{
    report_walk w;
    int rc = GDPR_OK;

    memset(&w, 0, sizeof w);
    w.st = (pg_store *)base;
    w.fn = fn;
    w.ctx = ctx;
    w.n = REPORT_PAGE_ROWS;
    while (rc == GDPR_OK && w.n == REPORT_PAGE_ROWS) {
        pg_params p;

        gdpr_pg__p_init(&p);
        gdpr_pg__p_text(&p, f->purpose);
        gdpr_pg__p_int(&p, f->from);
        gdpr_pg__p_int(&p, f->until);
        /* Before the first row: subject ids start at 1. */
        gdpr_pg__p_int(&p, w.has_last ? w.subject_id : 0);
        gdpr_pg__p_text(&p, w.has_last ? w.purpose : "");
        gdpr_pg__p_text(&p, w.has_last ? w.recipient : "");
        gdpr_pg__p_int(&p, REPORT_PAGE_ROWS);
        w.n = 0;
        rc = gdpr_pg__rows(
            w.st,
            "SELECT (SELECT hash FROM " D "subject WHERE id = subject_id), purpose, recipient,"
            " event, at, state, expires, flags, mac, subject_id"
            " FROM " D "consent_state WHERE ($1 IS NULL OR purpose = $1)"
            " AND at >= $2 AND ($3 = 0 OR at < $3) AND subject_id >= $4"
            " AND (subject_id > $4 OR purpose COLLATE \"C\" > $5"
            " OR (purpose = $5 AND recipient COLLATE \"C\" > $6))"
            " ORDER BY subject_id, purpose COLLATE \"C\", recipient COLLATE \"C\" LIMIT $7",
            &p, "reading consent states for the report", report_row, &w);
    }
    free(w.purpose);
    free(w.recipient);
    return rc;
}
