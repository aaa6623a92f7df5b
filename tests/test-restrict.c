/*
 * The one restriction check (lib/core/record.h, docs/vault.md "What
 * restricts a record"): every public call that touches a vault record,
 * against a record under a legal hold (HELD), under a running legal-duty
 * retention rule (DUTY), kept for storage only by a partial erasure (KEPT)
 * and of a subject that restricted processing (ART18). Each refusal names
 * the record, the hold or rule and the article, and changes nothing;
 * each allowance does what the table says. Then: gdpr_vault_foreach skips
 * what gdpr_vault_get refuses, and gdpr_vault_delete completes a partial
 * erasure.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "helpers.h"

#define DAY INT64_C(86400)
#define GROUND "Art. 17(1)(a) request 9"
#define T_2023 INT64_C(1672531200)       /* 2023-01-01T00:00:00Z */
#define T_2025_06_30 INT64_C(1751241600) /* 2025-06-30T00:00:00Z */

static th_store ts;

static void
setup(void)
{
    th_setup(&ts);
}
static void
teardown(void)
{
    th_teardown(&ts);
}

/* --- small helpers ------------------------------------------------------- */

static int64_t
put_at(const char *subject, const char *category, const char *purpose, const char *value,
       int64_t collected)
{
    gdpr_vault_item item = GDPR_VAULT_ITEM_INIT;
    int64_t id = 0;

    item.subject = subject;
    item.category = category;
    item.purpose = purpose;
    item.value = value;
    item.len = strlen(value);
    item.collected = collected;
    th_ok(gdpr_vault_put_item(ts.eng, &th_agent, &item, &id));
    ck_assert_int_gt(id, 0);
    return id;
}

static int64_t
put(const char *subject, const char *category, const char *purpose, const char *value)
{
    return put_at(subject, category, purpose, value, GDPR_NOW);
}

static int64_t
place_record_hold(int64_t record, const char *reason)
{
    gdpr_hold h = GDPR_HOLD_INIT;
    int64_t id = 0;

    h.scope = GDPR_HOLD_RECORD;
    h.record = record;
    h.reason = reason;
    h.until = ts.now + 90 * DAY; /* 2026-04-01 */
    th_ok(gdpr_hold_place(ts.eng, &th_dpo, &h, &id));
    ck_assert_int_gt(id, 0);
    return id;
}

static void
subject_hex(const char *subject, char out[65])
{
    char *hex = NULL;

    th_ok(gdpr_subject_hash(ts.eng, subject, &hex));
    snprintf(out, 65, "%s", hex);
    gdpr_free(hex);
}

static int64_t
record_rows(int64_t record)
{
    char sql[96];

    snprintf(sql, sizeof sql, "SELECT count(*) FROM vault WHERE id = %lld", (long long)record);
    return th_raw_int(ts.db, sql);
}

static int64_t
tombstones(void)
{
    return th_raw_int(ts.db, "SELECT count(*) FROM tombstone");
}

static int64_t
key_rows(const char *hex)
{
    char sql[200];

    snprintf(sql, sizeof sql, "SELECT count(*) FROM subject_key WHERE hash = x'%s'", hex);
    return th_raw_int(ts.keys, sql);
}

/* The raw sealed value of one record (malloc'd), or NULL when it is gone. */
static uint8_t *
raw_sealed(int64_t record, size_t *len_out)
{
    sqlite3 *db = th_raw_open(ts.db);
    sqlite3_stmt *s = NULL;
    uint8_t *out = NULL;

    *len_out = 0;
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT value FROM vault WHERE id = ?", -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(s, 1, record);
    if (sqlite3_step(s) == SQLITE_ROW) {
        *len_out = (size_t)sqlite3_column_bytes(s, 0);
        out = malloc(*len_out + 1);
        ck_assert_ptr_nonnull(out);
        memcpy(out, sqlite3_column_blob(s, 0), *len_out);
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    return out;
}

/*
 * A snapshot of everything a restriction protects: every vault row (ids,
 * subjects, categories, times, sealed values), the subjects, holds,
 * tombstones (with what they kept and erased), the key queue, review
 * tasks and the wrapped keys. The audit trail is left out: refusals are
 * audited on purpose.
 */
static void
snapshot(char out[65])
{
    static const char *const db_tables[] = {
        "vault",          "subject",          "erasure_hold",        "tombstone",
        "tombstone_kept", "tombstone_record", "erasure_shred_queue", "retention_review",
    };
    unsigned char digest[32];
    unsigned int dlen = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();

    ck_assert_ptr_nonnull(md);
    ck_assert_int_eq(EVP_DigestInit_ex(md, EVP_sha256(), NULL), 1);
    for (size_t t = 0; t <= sizeof db_tables / sizeof db_tables[0]; t++) {
        int keys = t == sizeof db_tables / sizeof db_tables[0];
        sqlite3 *db = th_raw_open(keys ? ts.keys : ts.db);
        sqlite3_stmt *s = NULL;
        char sql[128];

        snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY 1, 2",
                 keys ? "subject_key" : db_tables[t]);
        ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK, "%s: %s", sql,
                      sqlite3_errmsg(db));
        EVP_DigestUpdate(md, sql, strlen(sql));
        while (sqlite3_step(s) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(s); c++) {
                const void *v = sqlite3_column_blob(s, c);
                int n = sqlite3_column_bytes(s, c), type = sqlite3_column_type(s, c);
                EVP_DigestUpdate(md, &type, sizeof type);
                EVP_DigestUpdate(md, &n, sizeof n);
                if (n > 0)
                    EVP_DigestUpdate(md, v, (size_t)n);
            }
        }
        sqlite3_finalize(s);
        sqlite3_close(db);
    }
    ck_assert_int_eq(EVP_DigestFinal_ex(md, digest, &dlen), 1);
    EVP_MD_CTX_free(md);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

/* The subject access export into memory. */
typedef struct {
    char *buf;
    size_t len, cap;
} membuf;

static int
to_mem(const void *buf, size_t len, void *ctx)
{
    membuf *m = ctx;

    if (m->len + len + 1 > m->cap) {
        m->cap = (m->len + len + 1) * 2;
        m->buf = realloc(m->buf, m->cap);
        ck_assert_ptr_nonnull(m->buf);
    }
    memcpy(m->buf + m->len, buf, len);
    m->len += len;
    m->buf[m->len] = '\0';
    return 0;
}

static int
export_of(const char *subject, membuf *m)
{
    memset(m, 0, sizeof *m);
    return gdpr_export_subject(ts.eng, &th_dpo, subject, GDPR_EXPORT_JSON, to_mem, m);
}

/* Whether the export of `subject` (an allowed path for every record)
 * holds `value`. */
static int
exported(const char *subject, const char *value)
{
    membuf m;
    int found;

    th_ok(export_of(subject, &m));
    found = m.buf != NULL && strstr(m.buf, value) != NULL;
    free(m.buf);
    return found;
}

/* gdpr_vault_foreach: the ids handed out. */
typedef struct {
    int64_t ids[16];
    int n;
} id_list;

static int
collect_ids(const gdpr_vault_record *rec, void *ctx)
{
    id_list *l = ctx;

    ck_assert_int_lt(l->n, 16);
    l->ids[l->n++] = rec->id;
    return 0;
}

static int
has_id(const id_list *l, int64_t id)
{
    for (int i = 0; i < l->n; i++)
        if (l->ids[i] == id)
            return 1;
    return 0;
}

static id_list
foreach_ids(const char *subject)
{
    id_list l;

    memset(&l, 0, sizeof l);
    th_ok(gdpr_vault_foreach(ts.eng, &th_dpo, subject, collect_ids, &l));
    return l;
}

static int
can_get(int64_t id)
{
    void *v = NULL;
    size_t len = 0;
    int rc = gdpr_vault_get(ts.eng, &th_dpo, id, &v, &len);

    gdpr_free(v);
    return rc == GDPR_OK;
}

/* ======================================================================
 * a. The walk: every call against every limit
 * ====================================================================== */

typedef enum { L_HELD, L_DUTY, L_KEPT, L_ART18, L_COUNT } limit_kind;

typedef enum {
    C_GET,
    C_FOREACH,
    C_RECTIFY,
    C_DELETE,
    C_EXPORT,
    C_ERASE_RECORD,
    C_ERASE_SUBJECT,
    C_REQUEST_RECTIFY,
    C_RETENTION_RUN,
    C_REVIEW_ERASE,
} call_kind;

static const char *const call_names[] = {
    "gdpr_vault_get",      "gdpr_vault_foreach",
    "gdpr_vault_rectify",  "gdpr_vault_delete",
    "gdpr_export_subject", "gdpr_erase_record",
    "gdpr_erase_subject",  "gdpr_request_rectify",
    "gdpr_retention_run",  "gdpr_review_decide(erase)",
};
static const char *const limit_names[] = {"HELD", "DUTY", "KEPT", "ART18"};

typedef enum {
    O_REFUSED,   /* GDPR_ESTATE naming record, limit, article and verb; nothing changes */
    O_READ,      /* the value is handed out (get, foreach, export); nothing changes */
    O_SKIPPED,   /* foreach succeeds without handing the record out; nothing changes */
    O_UNTOUCHED, /* retention run succeeds and leaves the record (held or not due) */
    O_CHANGED,   /* rectified: the new value is stored */
    O_ERASED,    /* the record is gone */
    O_KEPT,      /* the subject erasure succeeds and keeps the record as it was */
} outcome;

typedef struct {
    limit_kind limit;
    call_kind call;
    outcome want;
    const char *verb; /* O_REFUSED: "not handed out", "not changed", ... */
} walk_row;

/* The table of lib/core/record.h, call by call. */
static const walk_row walk[] = {
    /* HELD: refuses CHANGE, DELETE, ERASE; READ and EXPORT stay open. */
    {L_HELD, C_GET, O_READ, NULL},
    {L_HELD, C_FOREACH, O_READ, NULL},
    {L_HELD, C_RECTIFY, O_REFUSED, "not changed"},
    {L_HELD, C_DELETE, O_REFUSED, "not deleted"},
    {L_HELD, C_EXPORT, O_READ, NULL},
    {L_HELD, C_ERASE_RECORD, O_REFUSED, "not erased"},
    {L_HELD, C_ERASE_SUBJECT, O_KEPT, NULL},
    {L_HELD, C_REQUEST_RECTIFY, O_REFUSED, "not changed"},
    {L_HELD, C_RETENTION_RUN, O_UNTOUCHED, NULL},
    {L_HELD, C_REVIEW_ERASE, O_REFUSED, NULL},
    /* DUTY: refuses DELETE and ERASE; READ, CHANGE, EXPORT stay open. */
    {L_DUTY, C_GET, O_READ, NULL},
    {L_DUTY, C_FOREACH, O_READ, NULL},
    {L_DUTY, C_RECTIFY, O_CHANGED, NULL},
    {L_DUTY, C_DELETE, O_REFUSED, "not deleted"},
    {L_DUTY, C_EXPORT, O_READ, NULL},
    {L_DUTY, C_ERASE_RECORD, O_REFUSED, "not erased"},
    {L_DUTY, C_ERASE_SUBJECT, O_KEPT, NULL},
    {L_DUTY, C_REQUEST_RECTIFY, O_CHANGED, NULL},
    {L_DUTY, C_RETENTION_RUN, O_UNTOUCHED, NULL},
    /* KEPT (by a legal duty): READ and CHANGE refused as kept, DELETE and
     * ERASE by the duty that kept it; EXPORT open. */
    {L_KEPT, C_GET, O_REFUSED, "not handed out"},
    {L_KEPT, C_FOREACH, O_SKIPPED, NULL},
    {L_KEPT, C_RECTIFY, O_REFUSED, "not changed"},
    {L_KEPT, C_DELETE, O_REFUSED, "not deleted"},
    {L_KEPT, C_EXPORT, O_READ, NULL},
    {L_KEPT, C_ERASE_RECORD, O_REFUSED, "not erased"},
    {L_KEPT, C_ERASE_SUBJECT, O_KEPT, NULL},
    {L_KEPT, C_REQUEST_RECTIFY, O_REFUSED, "not changed"},
    {L_KEPT, C_RETENTION_RUN, O_UNTOUCHED, NULL},
    /* ART18: refuses READ and routine DELETE; CHANGE, ERASE, EXPORT open. */
    {L_ART18, C_GET, O_REFUSED, "not handed out"},
    {L_ART18, C_FOREACH, O_SKIPPED, NULL},
    {L_ART18, C_RECTIFY, O_CHANGED, NULL},
    {L_ART18, C_DELETE, O_REFUSED, "not deleted"},
    {L_ART18, C_EXPORT, O_READ, NULL},
    {L_ART18, C_ERASE_RECORD, O_ERASED, NULL},
    {L_ART18, C_ERASE_SUBJECT, O_ERASED, NULL},
    {L_ART18, C_REQUEST_RECTIFY, O_CHANGED, NULL},
    {L_ART18, C_RETENTION_RUN, O_UNTOUCHED, NULL},
    {L_ART18, C_REVIEW_ERASE, O_REFUSED, NULL},
};

/* One limited record of the fixture. */
typedef struct {
    const char *subject;
    const char *value;
    int64_t record;   /* the record the walk aims at */
    int64_t hold;     /* HELD: its hold */
    int64_t review;   /* HELD, ART18: an open review of another record of the subject */
    int64_t reviewed; /* that record */
    int64_t review_hold;
} limited;

static limited fx[L_COUNT];

static int64_t
review_of(int64_t record)
{
    gdpr_retention_info in;

    memset(&in, 0, sizeof in);
    in.version = GDPR_RETENTION_INFO_VERSION;
    th_ok(gdpr_retention_record(ts.eng, record, &in));
    return in.review;
}

static void
assert_due_now(int64_t record)
{
    gdpr_retention_info in;

    memset(&in, 0, sizeof in);
    in.version = GDPR_RETENTION_INFO_VERSION;
    th_ok(gdpr_retention_record(ts.eng, record, &in));
    ck_assert_msg(in.has_due && in.due <= ts.now, "record %lld is not due (rule '%s')",
                  (long long)record, in.rule);
}

/*
 * Four subjects, each with one limited record (examples/policy.json):
 *   HELD   held-1: marketing contact collected 2023 (due under R-2) under
 *          a record hold; and a CV under review, also held;
 *   DUTY   duty-1: a billing invoice (R-1, legal duty, P6Y);
 *   KEPT   kept-1: a billing invoice kept by the erasure of kept-1;
 *   ART18  art18-1: marketing contact collected 2023 (due under R-2) and a
 *          CV under review, and a usage record due under R-4 (anonymise);
 *          the subject restricted processing.
 */
static void
walk_setup(void)
{
    gdpr_retention_report rep;
    gdpr_erase_report er;
    int64_t cv_held, cv_art18, art18_usage;

    th_setup(&ts);
    /* Reviews first: the CVs' positions closed 2025-06-30 (R-3, P6M). */
    cv_held = put("held-1", "cv", "recruitment", "CV of held-1");
    cv_art18 = put("art18-1", "cv", "recruitment", "CV of art18-1");
    th_ok(gdpr_retention_anchor_set(ts.eng, &th_agent, "held-1", GDPR_ANCHOR_CONTRACT_END,
                                    "recruitment", T_2025_06_30));
    th_ok(gdpr_retention_anchor_set(ts.eng, &th_agent, "art18-1", GDPR_ANCHOR_CONTRACT_END,
                                    "recruitment", T_2025_06_30));
    th_ok(gdpr_retention_run(ts.eng, &th_system, ts.now, &rep));
    ck_assert_int_eq(rep.reviews_opened, 2);
    ck_assert_int_eq(rep.erased, 0);

    fx[L_HELD] = (limited){"held-1", "held@example.com", 0, 0, 0, cv_held, 0};
    fx[L_HELD].record = put_at("held-1", "contact", "marketing", fx[L_HELD].value, T_2023);
    fx[L_HELD].hold = place_record_hold(fx[L_HELD].record, "Complaint C-9 about this address");
    fx[L_HELD].review = review_of(cv_held);
    fx[L_HELD].review_hold = place_record_hold(cv_held, "Claim about the hiring decision");

    fx[L_DUTY] = (limited){"duty-1", "INV-DUTY-0001", 0, 0, 0, 0, 0};
    fx[L_DUTY].record = put("duty-1", "financial", "billing", fx[L_DUTY].value);

    fx[L_KEPT] = (limited){"kept-1", "INV-KEPT-0002", 0, 0, 0, 0, 0};
    fx[L_KEPT].record = put("kept-1", "financial", "billing", fx[L_KEPT].value);
    put("kept-1", "contact", "service", "kept@example.com");
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "kept-1", GROUND, &er));
    ck_assert_int_eq(er.retained, 1);

    fx[L_ART18] = (limited){"art18-1", "art18@example.com", 0, 0, 0, cv_art18, 0};
    fx[L_ART18].record = put_at("art18-1", "contact", "marketing", fx[L_ART18].value, T_2023);
    fx[L_ART18].review = review_of(cv_art18);
    /* Due under R-4 (anonymise, P18M): a retention run deletes its value
     * too, so the restriction keeps it as well. */
    art18_usage = put_at("art18-1", "usage", "service", "art18 call note", T_2023);
    th_ok(gdpr_subject_restrict(ts.eng, &th_dpo, "art18-1"));

    ck_assert_int_gt(fx[L_HELD].review, 0);
    ck_assert_int_gt(fx[L_ART18].review, 0);
    assert_due_now(art18_usage);
    assert_due_now(fx[L_HELD].record);
    assert_due_now(fx[L_ART18].record);
}

/* What a refusal must say for `lim` (record id and limit, and the
 * article), plus the verb. */
static void
assert_refusal(int rc, const limited *f, limit_kind lim, const walk_row *w)
{
    char head[160];

    switch (lim) {
    case L_HELD:
        snprintf(head, sizeof head,
                 "record %lld: under legal hold %lld until 2026-04-01 "
                 "(Art. 17(3)(e))",
                 (long long)f->record, (long long)f->hold);
        break;
    case L_DUTY:
        snprintf(head, sizeof head,
                 "record %lld: kept under legal duty (retention rule R-1) "
                 "until 20",
                 (long long)f->record);
        break;
    case L_KEPT:
        /* Read and change meet the erasure's restriction first; delete
         * and erase the duty that made it keep the record. */
        if (w->call == C_DELETE || w->call == C_ERASE_RECORD)
            snprintf(head, sizeof head,
                     "record %lld: kept under legal duty (retention rule "
                     "R-1) until 20",
                     (long long)f->record);
        else
            snprintf(head, sizeof head,
                     "record %lld: restricted since its subject was erased: "
                     "kept only for storage under R-1 until 20",
                     (long long)f->record);
        break;
    default:
        snprintf(head, sizeof head,
                 "record %lld: the subject has restricted processing "
                 "(Art. 18(1))",
                 (long long)f->record);
        break;
    }
    th_assert_err(rc, GDPR_ESTATE, head);
    if (lim == L_DUTY || (lim == L_KEPT && (w->call == C_DELETE || w->call == C_ERASE_RECORD)))
        th_assert_err(rc, GDPR_ESTATE, "(Art. 17(3)(b))");
    if (lim == L_KEPT && w->call != C_DELETE && w->call != C_ERASE_RECORD)
        th_assert_err(rc, GDPR_ESTATE, "(Art. 17(3), 18(2))");
    if (w->verb != NULL)
        th_assert_err(rc, GDPR_ESTATE, w->verb);
}

static int64_t
rectification_request(const char *subject)
{
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    int64_t id = 0;

    in.type = GDPR_REQUEST_RECTIFICATION;
    in.subject = subject;
    in.channel = "phone";
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &id));
    th_ok(gdpr_request_verify(ts.eng, &th_agent, id, GDPR_VERIFY_VERIFIED,
                              GDPR_METHOD_KNOWN_CONTACT, NULL));
    return id;
}

#define NEW_VALUE "rectified-value-77"

START_TEST(restriction_walk)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    const walk_row *w = &walk[_i];
    const limited *f = &fx[w->limit];
    char before[65], after[65];
    int64_t tomb_before, request = 0;
    gdpr_erase_report er = {-1, -1, -1};
    gdpr_retention_report rep;
    gdpr_review_decision d = GDPR_REVIEW_DECISION_INIT;
    id_list l;
    membuf m;
    void *v = NULL;
    size_t len = 0, sealed_len = 0, sealed_len2 = 0;
    uint8_t *sealed, *sealed2;
    int rc = GDPR_OK;

    memset(&l, 0, sizeof l);
    memset(&m, 0, sizeof m);
    memset(&rep, 0, sizeof rep);
    /* A failure names the row by its loop index: walk[_i]. */
    (void)limit_names;
    (void)call_names;
    if (w->call == C_REQUEST_RECTIFY)
        request = rectification_request(f->subject);
    ck_assert(exported(f->subject, f->value));
    snapshot(before);
    tomb_before = tombstones();
    sealed = raw_sealed(f->record, &sealed_len);
    ck_assert_ptr_nonnull(sealed);

    switch (w->call) {
    case C_GET:
        rc = gdpr_vault_get(ts.eng, &th_dpo, f->record, &v, &len);
        break;
    case C_FOREACH:
        rc = gdpr_vault_foreach(ts.eng, &th_dpo, f->subject, collect_ids, &l);
        break;
    case C_RECTIFY:
        rc = gdpr_vault_rectify(ts.eng, &th_dpo, f->record, NEW_VALUE, strlen(NEW_VALUE));
        break;
    case C_DELETE:
        rc = gdpr_vault_delete(ts.eng, &th_dpo, f->record);
        break;
    case C_EXPORT:
        rc = export_of(f->subject, &m);
        break;
    case C_ERASE_RECORD:
        rc = gdpr_erase_record(ts.eng, &th_dpo, f->record, GROUND, &er);
        break;
    case C_ERASE_SUBJECT:
        rc = gdpr_erase_subject(ts.eng, &th_dpo, f->subject, GROUND, &er);
        break;
    case C_REQUEST_RECTIFY:
        rc =
            gdpr_request_rectify(ts.eng, &th_dpo, request, f->record, NEW_VALUE, strlen(NEW_VALUE));
        break;
    case C_RETENTION_RUN:
        rc = gdpr_retention_run(ts.eng, &th_system, ts.now, &rep);
        break;
    case C_REVIEW_ERASE:
        d.verdict = GDPR_REVIEW_ERASE;
        rc = gdpr_review_decide(ts.eng, &th_dpo, f->review, &d);
        break;
    }

    snapshot(after);
    sealed2 = raw_sealed(f->record, &sealed_len2);
    switch (w->want) {
    case O_REFUSED:
        if (w->call == C_REVIEW_ERASE) {
            /* The review names itself, then the record check's refusal. */
            char head[96];
            snprintf(head, sizeof head, "review %lld", (long long)f->review);
            th_assert_err(rc, GDPR_ESTATE, head);
            limited r = *f;
            r.record = f->reviewed;
            r.hold = f->review_hold;
            assert_refusal(rc, &r, w->limit, w);
        } else {
            assert_refusal(rc, f, w->limit, w);
        }
        ck_assert_str_eq(before, after);
        break;
    case O_READ:
        ck_assert_msg(rc == GDPR_OK, "%s: %s", gdpr_strerror(rc), gdpr_errmsg());
        if (w->call == C_GET) {
            ck_assert_uint_eq(len, strlen(f->value));
            ck_assert_int_eq(memcmp(v, f->value, len), 0);
        } else if (w->call == C_FOREACH) {
            ck_assert(has_id(&l, f->record));
        } else {
            ck_assert_ptr_nonnull(m.buf);
            ck_assert_ptr_nonnull(strstr(m.buf, f->value));
        }
        ck_assert_str_eq(before, after);
        break;
    case O_SKIPPED:
        th_ok(rc);
        ck_assert(!has_id(&l, f->record));
        ck_assert_int_eq(l.n, 0); /* every record of these subjects is refused */
        ck_assert_str_eq(before, after);
        break;
    case O_UNTOUCHED:
        th_ok(rc);
        ck_assert_int_eq(rep.erased, 0);
        ck_assert_int_eq(rep.anonymised, 0);
        /* Due records (HELD, ART18) are examined and skipped; the others
         * are not due while their duty runs. */
        if (w->limit == L_HELD || w->limit == L_ART18)
            ck_assert_int_ge(rep.held, 1);
        ck_assert_uint_eq(sealed_len2, sealed_len);
        ck_assert_int_eq(memcmp(sealed, sealed2, sealed_len), 0);
        ck_assert_str_eq(before, after);
        break;
    case O_CHANGED:
        th_ok(rc);
        ck_assert_ptr_nonnull(sealed2);
        ck_assert(exported(f->subject, NEW_VALUE));
        ck_assert(!exported(f->subject, f->value));
        break;
    case O_ERASED:
        th_ok(rc);
        ck_assert_ptr_null(sealed2);
        ck_assert_int_gt(tombstones(), tomb_before);
        if (w->call == C_ERASE_RECORD)
            ck_assert_int_eq(er.erased, 1);
        else
            ck_assert_int_eq(er.retained, 0);
        break;
    case O_KEPT:
        th_ok(rc);
        ck_assert_ptr_nonnull(sealed2);
        ck_assert_uint_eq(sealed_len2, sealed_len);
        ck_assert_int_eq(memcmp(sealed, sealed2, sealed_len), 0);
        ck_assert_int_ge(er.retained, w->limit == L_KEPT ? 0 : 1);
        ck_assert(exported(f->subject, f->value));
        /* Kept for storage only now. */
        ck_assert(!can_get(f->record));
        break;
    }
    /* Refused or skipped, the value is still there for the subject. */
    if (w->want != O_CHANGED && w->want != O_ERASED)
        ck_assert(exported(f->subject, f->value));
    gdpr_free(v);
    free(m.buf);
    free(sealed);
    free(sealed2);
}
END_TEST

/* ======================================================================
 * b. gdpr_vault_foreach hands out only what gdpr_vault_get gives
 * ====================================================================== */

static void
assert_foreach_matches_get(const char *subject, const int64_t *ids, int n)
{
    id_list l = foreach_ids(subject);
    int expected = 0;

    for (int i = 0; i < n; i++) {
        int got = can_get(ids[i]);
        ck_assert_msg(has_id(&l, ids[i]) == got, "record %lld: foreach %d, get %d",
                      (long long)ids[i], has_id(&l, ids[i]), got);
        expected += got;
    }
    ck_assert_int_eq(l.n, expected);
}

START_TEST(foreach_skips_kept_records)
{
    gdpr_erase_report er;
    int64_t ids[4];
    id_list l;

    ids[0] = put("alice", "financial", "billing", "INV-A-1"); /* kept */
    ids[1] = put("alice", "contact", "service", "alice@example.com");
    ids[2] = put("alice", "usage", "service", "call note");
    place_record_hold(ids[2], "Complaint C-11"); /* kept too */
    l = foreach_ids("alice");
    ck_assert_int_eq(l.n, 3); /* a hold does not stop reading */
    assert_foreach_matches_get("alice", ids, 3);

    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "alice", GROUND, &er));
    ck_assert_int_eq(er.retained, 2);
    ck_assert_int_eq(foreach_ids("alice").n, 0);
    assert_foreach_matches_get("alice", ids, 3);

    /* Lift the Art. 18(2) flag the erasure set and collect anew: the new
     * record is handed out, the kept ones still are not. */
    th_ok(gdpr_subject_unrestrict(ts.eng, &th_dpo, "alice"));
    ids[3] = put("alice", "contact", "service", "new@example.com");
    l = foreach_ids("alice");
    ck_assert_int_eq(l.n, 1);
    ck_assert_int_eq(l.ids[0], ids[3]);
    assert_foreach_matches_get("alice", ids, 4);
    th_assert_err(gdpr_vault_get(ts.eng, &th_dpo, ids[0], &(void *){NULL}, &(size_t){0}),
                  GDPR_ESTATE, "restricted since its subject was erased");
    th_assert_err(gdpr_vault_get(ts.eng, &th_dpo, ids[2], &(void *){NULL}, &(size_t){0}),
                  GDPR_ESTATE, "restricted since its subject was erased");
}
END_TEST

START_TEST(foreach_skips_art18_restricted_subject)
{
    int64_t ids[3], other;

    ids[0] = put("bob", "contact", "service", "bob@example.com");
    ids[1] = put("bob", "usage", "service", "call note");
    ids[2] = put("bob", "financial", "billing", "INV-B-1");
    other = put("carol", "contact", "service", "carol@example.com");
    ck_assert_int_eq(foreach_ids("bob").n, 3);
    assert_foreach_matches_get("bob", ids, 3);

    th_ok(gdpr_subject_restrict(ts.eng, &th_dpo, "bob"));
    ck_assert_int_eq(foreach_ids("bob").n, 0);
    assert_foreach_matches_get("bob", ids, 3);
    for (int i = 0; i < 3; i++)
        th_assert_err(gdpr_vault_get(ts.eng, &th_dpo, ids[i], &(void *){NULL}, &(size_t){0}),
                      GDPR_ESTATE, "(Art. 18(1))");
    /* Another subject is not touched. */
    ck_assert_int_eq(foreach_ids("carol").n, 1);
    ck_assert(can_get(other));

    th_ok(gdpr_subject_unrestrict(ts.eng, &th_dpo, "bob"));
    ck_assert_int_eq(foreach_ids("bob").n, 3);
    assert_foreach_matches_get("bob", ids, 3);
}
END_TEST

/* ======================================================================
 * c. gdpr_vault_delete completes a partial erasure
 * ====================================================================== */

static int
first_kept(const gdpr_tombstone_kept *k, void *ctx)
{
    *(gdpr_tombstone_kept *)ctx = *k;
    return 0;
}

START_TEST(delete_completes_partial_erasure)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    gdpr_erase_report er;
    gdpr_tombstone t;
    gdpr_tombstone_kept k;
    char hex[65], sql[200], before[65], after[65];
    int64_t held = put("dave", "contact", "service", "dave@example.com");
    int64_t free_rec = put("dave", "usage", "service", "dave's call note");
    int64_t hold = place_record_hold(held, "Claim 2026-4 about this address");
    uint8_t wrapped[256];
    size_t wrapped_len = 0;
    membuf m;
    int exists = 0;

    subject_hex("dave", hex);
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "dave", GROUND, &er));
    ck_assert_int_eq(er.retained, 1);
    ck_assert_int_eq(record_rows(free_rec), 0);
    ck_assert_int_eq(record_rows(held), 1);
    ck_assert_int_eq(key_rows(hex), 1);
    memset(&t, 0, sizeof t);
    t.version = GDPR_TOMBSTONE_VERSION;
    th_ok(gdpr_tombstone_lookup(ts.eng, "dave", &t));
    ck_assert_int_eq(t.complete, 0);
    ck_assert_int_eq(t.kept_now, 1);

    /* The wrapped key, to look for in the raw files afterwards. */
    {
        sqlite3 *db = th_raw_open(ts.keys);
        sqlite3_stmt *s = NULL;
        snprintf(sql, sizeof sql, "SELECT wrapped FROM subject_key WHERE hash = x'%s'", hex);
        ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
        ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
        wrapped_len = (size_t)sqlite3_column_bytes(s, 0);
        ck_assert_uint_le(wrapped_len, sizeof wrapped);
        ck_assert_uint_ge(wrapped_len, 16);
        memcpy(wrapped, sqlite3_column_blob(s, 0), wrapped_len);
        sqlite3_finalize(s);
        sqlite3_close(db);
    }

    /* Held: the delete is refused and changes nothing. */
    snapshot(before);
    th_assert_err(gdpr_vault_delete(ts.eng, &th_dpo, held), GDPR_ESTATE, "under legal hold");
    snapshot(after);
    ck_assert_str_eq(before, after);

    th_ok(gdpr_hold_release(ts.eng, &th_dpo, hold, "claim settled"));
    /* Still kept for storage only: not handed out, not changed. */
    th_assert_err(gdpr_vault_get(ts.eng, &th_dpo, held, &(void *){NULL}, &(size_t){0}), GDPR_ESTATE,
                  "restricted since its subject was erased");
    th_assert_err(gdpr_vault_rectify(ts.eng, &th_dpo, held, "x", 1), GDPR_ESTATE,
                  "restricted since its subject was erased");

    /* The delete of the last kept record completes the erasure. */
    th_ok(gdpr_vault_delete(ts.eng, &th_dpo, held));
    ck_assert_int_eq(record_rows(held), 0);
    ck_assert_int_eq(key_rows(hex), 0);
    ck_assert_int_eq(th_raw_int(ts.db, "SELECT count(*) FROM erasure_shred_queue"), 0);
    th_ok(gdpr_subject_exists(ts.eng, "dave", &exists));
    ck_assert_int_eq(exists, 0);
    memset(&t, 0, sizeof t);
    t.version = GDPR_TOMBSTONE_VERSION;
    th_ok(gdpr_tombstone_lookup(ts.eng, "dave", &t));
    ck_assert_int_eq(t.kind, GDPR_TOMBSTONE_SUBJECT);
    ck_assert_int_eq(t.complete, 1);
    ck_assert_int_eq(t.wiped, 1);
    ck_assert_int_eq(t.kept_now, 0);
    memset(&k, 0, sizeof k);
    th_ok(gdpr_tombstone_kept_foreach(ts.eng, t.id, first_kept, &k));
    ck_assert_int_eq(k.record, held);
    ck_assert_int_gt(k.erased_at, 0);
    th_assert_err(export_of("dave", &m), GDPR_ENOTFOUND, "");
    free(m.buf);
    ck_assert(!th_store_files_contain(&ts, wrapped, wrapped_len));
    th_ok(gdpr_audit_verify(ts.eng, NULL));
}
END_TEST

static Suite *
restrict_suite(void)
{
    Suite *s = suite_create("restrict");
    TCase *tc = tcase_create("walk");

    tcase_add_checked_fixture(tc, walk_setup, teardown);
    tcase_add_loop_test(tc, restriction_walk, 0, (int)(sizeof walk / sizeof walk[0]));
    suite_add_tcase(s, tc);
    tc = tcase_create("foreach");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, foreach_skips_kept_records);
    tcase_add_test(tc, foreach_skips_art18_restricted_subject);
    suite_add_tcase(s, tc);
    tc = tcase_create("delete");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, delete_completes_partial_erasure);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return th_run(restrict_suite());
}
