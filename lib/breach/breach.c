/*
 * The personal-data breach register (include/gdpr/breach.h,
 * docs/breach.md, decision 0013): Art. 33 notification with its 72-hour
 * deadline, Art. 34 communication to the subjects, affected subjects by
 * keyed hash, KPIs. Free texts are sealed under the store key
 * (AES-256-GCM, associated data "breach/<id>/<field>"), so a text moved
 * to another breach or field does not open.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "error.h"
#include "gdpr/breach.h"
#include "text.h"

/* 2018-05-25T00:00:00Z: the GDPR applies from this day (Art. 99(2)). */
#define BREACH_EPOCH INT64_C(1527206400)
#define BREACH_REFERENCE_MAX 256u

static const char *const decision_names[] = {"undecided", "inform",    "not_high_risk",
                                             "art34_3_a", "art34_3_b", "art34_3_c"};

GDPR_API const char *
gdpr_breach_decision_name(int decision)
{
    if (decision < 0 || decision > GDPR_BREACH_DECISION_MAX)
        return "unknown";
    return decision_names[decision];
}

GDPR_API int
gdpr_breach_init(gdpr_breach *b, unsigned int version)
{
    static const gdpr_breach defaults = GDPR_BREACH_INIT;

    gdpr__err_clear();
    if (b == NULL)
        return gdpr__err_set(GDPR_EINVAL, "b: must not be NULL");
    if (version == 0 || version > GDPR_BREACH_VERSION)
        return gdpr__err_set(GDPR_EVERSION, "b.version: %u is not a version this library knows",
                             version);
    *b = defaults;
    b->version = version;
    return GDPR_OK;
}

GDPR_API int
gdpr_breach_info_init(gdpr_breach_info *info, unsigned int version)
{
    gdpr__err_clear();
    if (info == NULL)
        return gdpr__err_set(GDPR_EINVAL, "info: must not be NULL");
    if (version == 0 || version > GDPR_BREACH_INFO_VERSION)
        return gdpr__err_set(GDPR_EVERSION, "info.version: %u is not a version this library knows",
                             version);
    memset(info, 0, sizeof *info);
    info->version = version;
    return GDPR_OK;
}

GDPR_API int
gdpr_breach_kpi_init(gdpr_breach_kpi_report *kpis, unsigned int version)
{
    gdpr__err_clear();
    if (kpis == NULL)
        return gdpr__err_set(GDPR_EINVAL, "kpis: must not be NULL");
    if (version == 0 || version > GDPR_BREACH_KPI_VERSION)
        return gdpr__err_set(GDPR_EVERSION, "kpis.version: %u is not a version this library knows",
                             version);
    memset(kpis, 0, sizeof *kpis);
    kpis->version = version;
    return GDPR_OK;
}

/* --- checks --------------------------------------------------------------- */

static int
check_instant(const char *field, int64_t t, int64_t now)
{
    char buf[21];

    if (t < BREACH_EPOCH)
        return gdpr__err_set(GDPR_EINVAL,
                             "%s: %lld is before 2018-05-25, when the GDPR began to apply", field,
                             (long long)t);
    if (t > now) {
        gdpr_calendar__format_time(now, buf);
        return gdpr__err_set(GDPR_EINVAL, "%s: must not be in the future (now is %s)", field, buf);
    }
    return GDPR_OK;
}

static int
check_text(const char *field, const char *text, int required)
{
    if (text == NULL && !required)
        return GDPR_OK;
    return gdpr_text__check(field, text, GDPR_BREACH_TEXT_MAX);
}

/* --- sealing --------------------------------------------------------------- */

static size_t
aad_of(int64_t id, const char *field, char aad[96])
{
    int n = snprintf(aad, 96, "breach/%lld/%s", (long long)id, field);
    return (size_t)n;
}

/* Seal `text` (NULL: *out NULL) into a malloc'd buffer. */
static int
seal_text(gdpr_engine *eng, int64_t id, const char *field, const char *text, uint8_t **out,
          size_t *len_out)
{
    char aad[96];
    size_t len;
    int rc;

    *out = NULL;
    *len_out = 0;
    if (text == NULL)
        return GDPR_OK;
    len = strlen(text);
    *out = malloc(len + CRYPTO_SEAL_OVERHEAD);
    if (*out == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory sealing a breach text");
    rc = gdpr_crypto__store_seal(eng->crypto, aad, aad_of(id, field, aad), text, len, *out);
    if (rc != GDPR_OK) {
        free(*out);
        *out = NULL;
        return rc;
    }
    *len_out = len + CRYPTO_SEAL_OVERHEAD;
    return GDPR_OK;
}

static int
open_text(gdpr_engine *eng, int64_t id, const char *field, const uint8_t *sealed, size_t len,
          char **out)
{
    char aad[96];
    int rc;

    *out = NULL;
    if (sealed == NULL)
        return GDPR_OK;
    if (len < CRYPTO_SEAL_OVERHEAD)
        return gdpr__err_set(GDPR_ECORRUPT, "breach %lld: sealed %s too short", (long long)id,
                             field);
    *out = malloc(len - CRYPTO_SEAL_OVERHEAD + 1);
    if (*out == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory opening a breach text");
    rc = gdpr_crypto__store_open(eng->crypto, aad, aad_of(id, field, aad), sealed, len,
                                 (uint8_t *)*out);
    if (rc != GDPR_OK) {
        free(*out);
        *out = NULL;
        return gdpr__err_wrap(rc, "breach %lld: %s", (long long)id, field);
    }
    (*out)[len - CRYPTO_SEAL_OVERHEAD] = '\0';
    return GDPR_OK;
}

/* --- one breach, copied out of the store ------------------------------------ */

typedef struct {
    store_breach_row row;
    char categories[1024];
    char reference[BREACH_REFERENCE_MAX + 1];
    uint8_t *late_reason, *decision_note;           /* copies, or NULL */
    uint8_t *description, *consequences, *measures; /* copies when `texts` */
    int texts;
} breach_rec;

static uint8_t *
copy_blob(const uint8_t *b, size_t len, int *failed)
{
    uint8_t *c;

    if (b == NULL)
        return NULL;
    c = malloc(len ? len : 1);
    if (c == NULL)
        *failed = 1;
    else
        memcpy(c, b, len);
    return c;
}

static int
read_rec(const store_breach_row *r, void *ctx)
{
    breach_rec *b = ctx;
    int failed = 0;

    b->row = *r;
    snprintf(b->categories, sizeof b->categories, "%s", r->categories);
    b->row.categories = b->categories;
    b->row.reference = NULL;
    if (r->reference != NULL) {
        snprintf(b->reference, sizeof b->reference, "%s", r->reference);
        b->row.reference = b->reference;
    }
    b->late_reason = copy_blob(r->late_reason, r->late_reason_len, &failed);
    b->row.late_reason = b->late_reason;
    b->decision_note = copy_blob(r->decision_note, r->decision_note_len, &failed);
    b->row.decision_note = b->decision_note;
    b->row.actor = NULL;
    if (b->texts) {
        b->description = copy_blob(r->description, r->description_len, &failed);
        b->consequences = copy_blob(r->consequences, r->consequences_len, &failed);
        b->measures = copy_blob(r->measures, r->measures_len, &failed);
    }
    b->row.description = b->description;
    b->row.consequences = b->consequences;
    b->row.measures = b->measures;
    return failed ? gdpr__err_set(GDPR_ENOMEM, "out of memory reading a breach") : GDPR_OK;
}

static void
rec_free(breach_rec *b)
{
    free(b->late_reason);
    free(b->decision_note);
    free(b->description);
    free(b->consequences);
    free(b->measures);
    memset(b, 0, sizeof *b);
}

static int
load(gdpr_engine *eng, int64_t id, breach_rec *b)
{
    return gdpr_store__breach_get(eng->st, id, read_rec, b);
}

static void
info_fill(const store_breach_row *r, int64_t as_of, gdpr_breach_info *out)
{
    unsigned int version = out->version;

    memset(out, 0, sizeof *out);
    out->version = version;
    out->id = r->id;
    out->aware_at = r->aware_at;
    out->occurred_at = r->occurred_at;
    out->opened_at = r->opened_at;
    out->deadline = r->deadline;
    out->nature = r->nature;
    snprintf(out->categories, sizeof out->categories, "%s", r->categories);
    out->subjects_approx = r->subjects_approx;
    out->records_approx = r->records_approx;
    out->notified_at = r->notified_at;
    snprintf(out->reference, sizeof out->reference, "%s", r->reference ? r->reference : "");
    out->late = r->notified_at != 0 && r->notified_at > r->deadline;
    out->not_notifiable = r->not_required;
    out->overdue = r->notified_at == 0 && !r->not_required && as_of > r->deadline;
    out->decision = (gdpr_breach_decision)r->decision;
    out->decided_at = r->decided_at;
    out->informed_at = r->informed_at;
}

/* --- open --------------------------------------------------------------------- */

static int
check_breach(const gdpr_engine *eng, const gdpr_breach *b, int64_t now, int64_t *aware)
{
    int rc;

    if (b == NULL)
        return gdpr__err_set(GDPR_EINVAL, "b: must not be NULL");
    if (b->version == 0 || b->version > GDPR_BREACH_VERSION)
        return gdpr__err_set(GDPR_EVERSION, "b.version: %u is not a version this library knows",
                             b->version);
    *aware = b->aware_at == GDPR_NOW ? now : b->aware_at;
    rc = check_instant("b.aware_at", *aware, now);
    if (rc == GDPR_OK && b->occurred_at != 0) {
        rc = check_instant("b.occurred_at", b->occurred_at, now);
        if (rc == GDPR_OK && b->occurred_at > *aware)
            rc = gdpr__err_set(GDPR_EINVAL,
                               "b.occurred_at: after b.aware_at (a breach is known only after "
                               "it happened)");
    }
    if (rc != GDPR_OK)
        return rc;
    if (b->nature == 0 || (b->nature & ~GDPR_BREACH_NATURE_ALL) != 0)
        return gdpr__err_set(GDPR_EINVAL,
                             "b.nature: 0x%x must be one or more of GDPR_BREACH_CONFIDENTIALITY, "
                             "_INTEGRITY, _AVAILABILITY",
                             b->nature);
    if (b->categories == NULL || b->n_categories == 0 ||
        b->n_categories > GDPR_BREACH_CATEGORIES_MAX)
        return gdpr__err_set(GDPR_EINVAL,
                             "b.categories: name 1..%u categories of personal data concerned "
                             "(Art. 33(3)(a))",
                             GDPR_BREACH_CATEGORIES_MAX);
    for (size_t i = 0; i < b->n_categories; i++) {
        rc = gdpr_text__check("b.categories[]", b->categories[i], GDPR_NAME_MAX);
        if (rc != GDPR_OK)
            return rc;
        if (eng->policy != NULL &&
            gdpr_policy__find_category(eng->policy, b->categories[i]) == NULL)
            return gdpr__err_set(GDPR_EINVAL,
                                 "b.categories[%zu]: '%.64s' is not a category of "
                                 "the policy",
                                 i, b->categories[i]);
    }
    if (b->subjects_approx < 0 || b->records_approx < 0)
        return gdpr__err_set(GDPR_EINVAL,
                             "b.subjects_approx/records_approx: approximate numbers, >= 0");
    if ((rc = check_text("b.description", b->description, 1)) != GDPR_OK ||
        (rc = check_text("b.consequences", b->consequences, 1)) != GDPR_OK ||
        (rc = check_text("b.measures", b->measures, 1)) != GDPR_OK)
        return rc;
    return GDPR_OK;
}

static int
join_categories(const gdpr_breach *b, char out[1024])
{
    size_t len = 0;

    out[0] = '\0';
    for (size_t i = 0; i < b->n_categories; i++) {
        size_t n = strlen(b->categories[i]);
        if (len + n + 2 > 1024)
            return gdpr__err_set(GDPR_EINVAL, "b.categories: longer than 1023 bytes together");
        if (i > 0)
            out[len++] = ',';
        memcpy(out + len, b->categories[i], n + 1);
        len += n;
    }
    return GDPR_OK;
}

GDPR_API int
gdpr_breach_open(gdpr_engine *eng, const gdpr_actor *who, const gdpr_breach *b, int64_t *breach_out)
{
    store_breach_row row;
    char categories[1024], ref[64];
    uint8_t *d = NULL, *c = NULL, *m = NULL;
    int64_t now, aware = 0;
    int rc;

    gdpr__err_clear();
    if (breach_out != NULL)
        *breach_out = 0;
    rc = gdpr_engine__enter(eng, who);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    now = gdpr_engine__now(eng);
    rc = gdpr_engine__require_policy(eng);
    if (rc == GDPR_OK)
        rc = check_breach(eng, b, now, &aware);
    if (rc == GDPR_OK)
        rc = join_categories(b, categories);
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_BREACH_MANAGE, NULL);
    if (rc != GDPR_OK)
        return gdpr_engine__unlock(eng, rc);
    memset(&row, 0, sizeof row);
    rc = gdpr_engine__begin(eng);
    if (rc == GDPR_OK)
        rc = store_breach_next_id(eng->st, &row.id);
    if (rc == GDPR_OK)
        rc = seal_text(eng, row.id, "description", b->description, &d, &row.description_len);
    if (rc == GDPR_OK)
        rc = seal_text(eng, row.id, "consequences", b->consequences, &c, &row.consequences_len);
    if (rc == GDPR_OK)
        rc = seal_text(eng, row.id, "measures", b->measures, &m, &row.measures_len);
    if (rc == GDPR_OK) {
        row.aware_at = aware;
        row.occurred_at = b->occurred_at;
        row.opened_at = now;
        row.deadline = aware + GDPR_BREACH_NOTIFY_SECONDS;
        row.nature = b->nature;
        row.categories = categories;
        row.subjects_approx = b->subjects_approx;
        row.records_approx = b->records_approx;
        row.description = d;
        row.consequences = c;
        row.measures = m;
        row.actor = who->id;
        row.updated = now;
        rc = gdpr_store__breach_insert(eng->st, &row);
    }
    if (rc == GDPR_OK) {
        snprintf(ref, sizeof ref, "breach %lld open", (long long)row.id);
        rc = gdpr_audit__append(eng, who, gdpr_permission__name(PERM_BREACH_MANAGE), NULL, GDPR_OK,
                                ref);
    }
    rc = gdpr_engine__end(eng, rc);
    free(d);
    free(c);
    free(m);
    if (rc == GDPR_OK && breach_out != NULL)
        *breach_out = row.id;
    return gdpr_engine__unlock(eng, rc);
}

/* --- changes after opening ----------------------------------------------------- */

/* The arguments every change takes, before the lock. */
static int
change_args(gdpr_engine *eng, const gdpr_actor *who, int64_t breach)
{
    int rc = gdpr_engine__enter(eng, who);

    if (rc == GDPR_OK)
        rc = gdpr_text__check_id("breach", "a breach id", breach);
    return rc;
}

/* Under the lock: policy, permission, the row. */
static int
change_load(gdpr_engine *eng, const gdpr_actor *who, int64_t breach, breach_rec *b)
{
    int rc = gdpr_engine__require_policy(eng);

    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_BREACH_MANAGE, NULL);
    if (rc == GDPR_OK)
        rc = load(eng, breach, b);
    return rc;
}

/* Write the row and its audit event in one transaction. */
static int
change_commit(gdpr_engine *eng, const gdpr_actor *who, breach_rec *b, const char *what,
              const uint8_t *subject_hash)
{
    char ref[160];
    int rc = gdpr_engine__begin(eng);

    b->row.updated = gdpr_engine__now(eng);
    if (rc == GDPR_OK)
        rc = gdpr_store__breach_update(eng->st, &b->row);
    if (rc == GDPR_OK) {
        snprintf(ref, sizeof ref, "breach %lld %s", (long long)b->row.id, what);
        rc = gdpr_audit__append(eng, who, gdpr_permission__name(PERM_BREACH_MANAGE), subject_hash,
                                GDPR_OK, ref);
    }
    return gdpr_engine__end(eng, rc);
}

static int
require_pending(const breach_rec *b)
{
    if (b->row.notified_at != 0)
        return gdpr__err_set(GDPR_ESTATE, "breach %lld: the authority was notified already",
                             (long long)b->row.id);
    if (b->row.not_required)
        return gdpr__err_set(GDPR_ESTATE,
                             "breach %lld: judged unlikely to result in a risk already",
                             (long long)b->row.id);
    return GDPR_OK;
}

GDPR_API int
gdpr_breach_notify(gdpr_engine *eng, const gdpr_actor *who, int64_t breach, int64_t notified_at,
                   const char *reference, const char *late_reason)
{
    breach_rec b = {0};
    uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    char what[80], deadline[21];
    int64_t now, at;
    int rc = change_args(eng, who, breach);

    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    now = gdpr_engine__now(eng);
    at = notified_at == GDPR_NOW ? now : notified_at;
    rc = change_load(eng, who, breach, &b);
    if (rc == GDPR_OK)
        rc = require_pending(&b);
    if (rc == GDPR_OK)
        rc = check_instant("notified_at", at, now);
    if (rc == GDPR_OK && at < b.row.aware_at)
        rc = gdpr__err_set(GDPR_EINVAL, "notified_at: before the controller became aware of "
                                        "the breach");
    if (rc == GDPR_OK)
        rc = gdpr_text__check("reference", reference, BREACH_REFERENCE_MAX);
    if (rc == GDPR_OK)
        rc = check_text("late_reason", late_reason, 0);
    if (rc == GDPR_OK && at > b.row.deadline && late_reason == NULL) {
        gdpr_calendar__format_time(b.row.deadline, deadline);
        rc = gdpr__err_set(GDPR_EINVAL,
                           "late_reason: the notification is after the 72-hour deadline (%s); "
                           "Art. 33(1) requires the reasons for the delay",
                           deadline);
    }
    if (rc == GDPR_OK)
        rc = seal_text(eng, b.row.id, "late_reason", late_reason, &sealed, &sealed_len);
    if (rc == GDPR_OK) {
        b.row.notified_at = at;
        snprintf(b.reference, sizeof b.reference, "%s", reference);
        b.row.reference = b.reference;
        b.row.late_reason = sealed;
        b.row.late_reason_len = sealed_len;
        snprintf(what, sizeof what, "notify%s", at > b.row.deadline ? " late" : "");
        rc = change_commit(eng, who, &b, what, NULL);
    }
    free(sealed);
    rec_free(&b);
    return gdpr_engine__unlock(eng, rc);
}

GDPR_API int
gdpr_breach_not_notifiable(gdpr_engine *eng, const gdpr_actor *who, int64_t breach,
                           const char *reason)
{
    breach_rec b = {0};
    uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    int rc = change_args(eng, who, breach);

    if (rc == GDPR_OK)
        rc = check_text("reason", reason, 1);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = change_load(eng, who, breach, &b);
    if (rc == GDPR_OK)
        rc = require_pending(&b);
    /* The reason is kept where a late notification keeps its reasons:
     * both answer "why was the authority not told in time". */
    if (rc == GDPR_OK)
        rc = seal_text(eng, b.row.id, "late_reason", reason, &sealed, &sealed_len);
    if (rc == GDPR_OK) {
        b.row.not_required = 1;
        b.row.late_reason = sealed;
        b.row.late_reason_len = sealed_len;
        rc = change_commit(eng, who, &b, "not notifiable (Art. 33(1))", NULL);
    }
    free(sealed);
    rec_free(&b);
    return gdpr_engine__unlock(eng, rc);
}

GDPR_API int
gdpr_breach_decide(gdpr_engine *eng, const gdpr_actor *who, int64_t breach,
                   gdpr_breach_decision decision, int64_t informed_at, const char *note)
{
    breach_rec b = {0};
    uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    char what[64];
    int64_t now, at = 0;
    int tells = decision == GDPR_BREACH_INFORM || decision == GDPR_BREACH_PUBLIC_NOTICE;
    int rc = change_args(eng, who, breach);

    if (rc == GDPR_OK && (decision < GDPR_BREACH_INFORM || decision > GDPR_BREACH_DECISION_MAX))
        rc = gdpr__err_set(GDPR_EINVAL,
                           "decision: %d is not GDPR_BREACH_INFORM, _NOT_HIGH_RISK, "
                           "_EXEMPT_PROTECTED, _EXEMPT_MITIGATED or _PUBLIC_NOTICE",
                           (int)decision);
    if (rc == GDPR_OK)
        rc = check_text("note", note, 0);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    now = gdpr_engine__now(eng);
    rc = change_load(eng, who, breach, &b);
    if (rc == GDPR_OK && b.row.decision != GDPR_BREACH_UNDECIDED)
        rc = gdpr__err_set(GDPR_ESTATE, "breach %lld: decided already (%s)", (long long)breach,
                           gdpr_breach_decision_name(b.row.decision));
    if (rc == GDPR_OK && tells) {
        at = informed_at == GDPR_NOW ? now : informed_at;
        if (informed_at == 0)
            rc = gdpr__err_set(GDPR_EINVAL,
                               "informed_at: give when the subjects were told (Art. 34(1)) or "
                               "the public communication made (Art. 34(3)(c)), or GDPR_NOW");
        if (rc == GDPR_OK)
            rc = check_instant("informed_at", at, now);
        if (rc == GDPR_OK && at < b.row.aware_at)
            rc = gdpr__err_set(GDPR_EINVAL,
                               "informed_at: before the controller became aware of the breach");
    } else if (rc == GDPR_OK && informed_at != 0) {
        rc =
            gdpr__err_set(GDPR_EINVAL, "informed_at: must be 0 when the subjects are not told (%s)",
                          gdpr_breach_decision_name(decision));
    }
    if (rc == GDPR_OK)
        rc = seal_text(eng, b.row.id, "decision_note", note, &sealed, &sealed_len);
    if (rc == GDPR_OK) {
        b.row.decision = decision;
        b.row.decided_at = now;
        b.row.informed_at = at;
        b.row.decision_note = sealed;
        b.row.decision_note_len = sealed_len;
        snprintf(what, sizeof what, "decide %s", gdpr_breach_decision_name(decision));
        rc = change_commit(eng, who, &b, what, NULL);
    }
    free(sealed);
    rec_free(&b);
    return gdpr_engine__unlock(eng, rc);
}

GDPR_API int
gdpr_breach_link(gdpr_engine *eng, const gdpr_actor *who, int64_t breach, const char *subject)
{
    breach_rec b = {0};
    uint8_t hash[CRYPTO_HASH_BYTES];
    char ref[80];
    int added = 0;
    int rc = change_args(eng, who, breach);

    if (rc == GDPR_OK)
        rc = gdpr_text__check("subject", subject, GDPR_NAME_MAX);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = change_load(eng, who, breach, &b);
    if (rc == GDPR_OK)
        rc = gdpr_engine__subject_hash(eng, subject, hash);
    if (rc == GDPR_OK)
        rc = gdpr_engine__begin(eng);
    if (rc == GDPR_OK) {
        rc = gdpr_store__breach_subject_add(eng->st, breach, hash, gdpr_engine__now(eng), &added);
        snprintf(ref, sizeof ref, "breach %lld link%s", (long long)breach,
                 added ? "" : " (linked already)");
        if (rc == GDPR_OK)
            rc = gdpr_audit__append(eng, who, gdpr_permission__name(PERM_BREACH_MANAGE), hash,
                                    GDPR_OK, ref);
        rc = gdpr_engine__end(eng, rc);
    }
    rec_free(&b);
    return gdpr_engine__unlock(eng, rc);
}

/* --- reading ---------------------------------------------------------------- */

static int
check_info(const gdpr_breach_info *out)
{
    if (out == NULL)
        return gdpr__err_set(GDPR_EINVAL, "out: must not be NULL");
    if (out->version == 0 || out->version > GDPR_BREACH_INFO_VERSION)
        return gdpr__err_set(GDPR_EVERSION,
                             "out.version: %u is not a version this library knows (set it with "
                             "gdpr_breach_info_init)",
                             out->version);
    return GDPR_OK;
}

GDPR_API int
gdpr_breach_get(gdpr_engine *eng, int64_t breach, gdpr_breach_info *out)
{
    breach_rec b = {0};
    int rc = gdpr_engine__check_eng(eng);

    if (rc == GDPR_OK)
        rc = check_info(out);
    if (rc == GDPR_OK)
        rc = gdpr_text__check_id("breach", "a breach id", breach);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = load(eng, breach, &b);
    if (rc == GDPR_OK)
        rc = gdpr_store__breach_subject_count(eng->st, breach, &out->subjects_linked);
    if (rc == GDPR_OK) {
        int64_t linked = out->subjects_linked;
        info_fill(&b.row, gdpr_engine__now(eng), out);
        out->subjects_linked = linked;
    }
    rec_free(&b);
    return gdpr_engine__unlock(eng, rc);
}

typedef struct {
    int64_t as_of;
    int overdue_only;
    gdpr_breach_fn fn;
    void *ctx;
    store *st;
    /* rows are copied out first: the callback may call the store */
    gdpr_breach_info *rows;
    size_t n, cap;
} list_walk;

static int
list_row(const store_breach_row *r, void *ctx)
{
    list_walk *w = ctx;

    if (w->overdue_only && !(r->notified_at == 0 && !r->not_required && w->as_of > r->deadline))
        return 0;
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        gdpr_breach_info *rows = realloc(w->rows, cap * sizeof *rows);
        if (rows == NULL)
            return gdpr__err_set(GDPR_ENOMEM, "out of memory listing breaches");
        w->rows = rows;
        w->cap = cap;
    }
    w->rows[w->n].version = GDPR_BREACH_INFO_VERSION;
    info_fill(r, w->as_of, &w->rows[w->n]);
    w->n++;
    return 0;
}

GDPR_API int
gdpr_breach_list(gdpr_engine *eng, int64_t as_of, unsigned int flags, gdpr_breach_fn fn, void *ctx)
{
    list_walk w = {0};
    int rc = gdpr_engine__check_given(eng, fn != NULL, "fn");

    if (rc != GDPR_OK)
        return rc;
    if ((flags & ~(GDPR_BREACH_LIST_OVERDUE | GDPR_BREACH_LIST_PENDING)) != 0)
        return gdpr__err_set(GDPR_EINVAL, "flags: 0x%x has unknown bits", flags);
    if (as_of != GDPR_NOW && (as_of <= 0 || as_of > INT64_C(253402300799)))
        return gdpr__err_set(GDPR_EINVAL, "as_of: give UTC seconds (1970..9999) or GDPR_NOW");
    gdpr_engine__lock(eng);
    w.as_of = as_of == GDPR_NOW ? gdpr_engine__now(eng) : as_of;
    w.overdue_only = (flags & GDPR_BREACH_LIST_OVERDUE) != 0;
    w.fn = fn;
    w.ctx = ctx;
    /* Pending ones by deadline through the index; overdue ones are the
     * pending ones due before as_of. */
    if (flags != 0)
        rc = gdpr_store__breach_foreach(
            eng->st, 1, w.overdue_only ? w.as_of - 1 : INT64_C(253402300799), list_row, &w);
    else
        rc = gdpr_store__breach_foreach(eng->st, 0, 0, list_row, &w);
    for (size_t i = 0; rc == GDPR_OK && i < w.n; i++) {
        rc = gdpr_store__breach_subject_count(eng->st, w.rows[i].id, &w.rows[i].subjects_linked);
        if (rc == GDPR_OK && fn(&w.rows[i], ctx) != 0)
            rc = gdpr__err_set(GDPR_ECALLBACK, "breach list: the callback stopped at breach %lld",
                               (long long)w.rows[i].id);
    }
    free(w.rows);
    return gdpr_engine__unlock(eng, rc);
}

GDPR_API int
gdpr_breach_texts(gdpr_engine *eng, const gdpr_actor *who, int64_t breach, char **description_out,
                  char **consequences_out, char **measures_out, char **late_reason_out)
{
    breach_rec b = {0};
    char *texts[4] = {NULL, NULL, NULL, NULL};
    char **outs[4] = {description_out, consequences_out, measures_out, late_reason_out};
    char ref[64];
    int rc;

    for (int i = 0; i < 4; i++)
        if (outs[i] != NULL)
            *outs[i] = NULL;
    rc = change_args(eng, who, breach);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    b.texts = 1;
    rc = change_load(eng, who, breach, &b);
    if (rc == GDPR_OK)
        rc = open_text(eng, breach, "description", b.row.description, b.row.description_len,
                       &texts[0]);
    if (rc == GDPR_OK)
        rc = open_text(eng, breach, "consequences", b.row.consequences, b.row.consequences_len,
                       &texts[1]);
    if (rc == GDPR_OK)
        rc = open_text(eng, breach, "measures", b.row.measures, b.row.measures_len, &texts[2]);
    if (rc == GDPR_OK)
        rc = open_text(eng, breach, "late_reason", b.row.late_reason, b.row.late_reason_len,
                       &texts[3]);
    /* Reading texts that may hold personal data is a fact the trail keeps. */
    if (rc == GDPR_OK) {
        snprintf(ref, sizeof ref, "breach %lld texts read", (long long)breach);
        rc = gdpr_engine__begin(eng);
        if (rc == GDPR_OK)
            rc = gdpr_engine__end(eng, gdpr_audit__append(eng, who,
                                                          gdpr_permission__name(PERM_BREACH_MANAGE),
                                                          NULL, GDPR_OK, ref));
    }
    for (int i = 0; i < 4; i++) {
        if (rc == GDPR_OK && outs[i] != NULL) {
            *outs[i] = texts[i];
        } else if (texts[i] != NULL) {
            gdpr_crypto__wipe(texts[i], strlen(texts[i]));
            free(texts[i]);
        }
    }
    rec_free(&b);
    return gdpr_engine__unlock(eng, rc);
}

/* --- KPIs ------------------------------------------------------------------------ */

typedef struct {
    gdpr_breach_kpi_report *k;
    double *hours;
    size_t n, cap;
    int failed;
} kpi_walk;

static int
kpi_row(const store_breach_row *r, void *ctx)
{
    kpi_walk *w = ctx;
    gdpr_breach_kpi_report *k = w->k;

    if (r->aware_at < k->from || r->aware_at >= k->to)
        return 0;
    k->total++;
    if (r->notified_at != 0) {
        double h = (double)(r->notified_at - r->aware_at) / 3600.0;
        k->notified++;
        if (r->notified_at > r->deadline)
            k->late++;
        else
            k->on_time++;
        if (w->n == w->cap) {
            size_t cap = w->cap ? w->cap * 2 : 16;
            double *hours = realloc(w->hours, cap * sizeof *hours);
            if (hours == NULL)
                return gdpr__err_set(GDPR_ENOMEM, "out of memory for breach KPIs");
            w->hours = hours;
            w->cap = cap;
        }
        w->hours[w->n++] = h;
    } else if (r->not_required) {
        k->not_notifiable++;
    } else {
        k->pending++;
        if (k->as_of > r->deadline)
            k->overdue++;
    }
    if (r->decision == GDPR_BREACH_INFORM || r->decision == GDPR_BREACH_PUBLIC_NOTICE)
        k->subjects_informed++;
    else if (r->decision == GDPR_BREACH_UNDECIDED)
        k->undecided++;
    else
        k->subjects_not_informed++;
    return 0;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

GDPR_API int
gdpr_breach_kpis(gdpr_engine *eng, int64_t from, int64_t to, gdpr_breach_kpi_report *out)
{
    kpi_walk w = {0};
    unsigned int version;
    int64_t now;
    int rc = gdpr_engine__check_given(eng, out != NULL, "out");

    if (rc != GDPR_OK)
        return rc;
    if (out->version == 0 || out->version > GDPR_BREACH_KPI_VERSION)
        return gdpr__err_set(GDPR_EVERSION,
                             "out.version: %u is not a version this library knows (set it with "
                             "gdpr_breach_kpi_init)",
                             out->version);
    gdpr_engine__lock(eng);
    now = gdpr_engine__now(eng);
    from = from == GDPR_NOW ? now : from;
    to = to == GDPR_NOW ? now : to;
    if (from <= 0 || to <= 0 || to <= from || to > INT64_C(253402300799)) {
        rc = gdpr__err_set(GDPR_EINVAL,
                           "from/to: give UTC seconds (or GDPR_NOW) with from < to; 0 is refused");
        return gdpr_engine__unlock(eng, rc);
    }
    version = out->version;
    memset(out, 0, sizeof *out);
    out->version = version;
    out->from = from;
    out->to = to;
    out->as_of = now;
    w.k = out;
    rc = gdpr_store__breach_foreach(eng->st, 0, 0, kpi_row, &w);
    out->median_hours_to_notify = -1;
    out->max_hours_to_notify = -1;
    if (rc == GDPR_OK && w.n > 0) {
        qsort(w.hours, w.n, sizeof *w.hours, cmp_double);
        out->median_hours_to_notify =
            w.n % 2 ? w.hours[w.n / 2] : (w.hours[w.n / 2 - 1] + w.hours[w.n / 2]) / 2;
        out->max_hours_to_notify = w.hours[w.n - 1];
    }
    free(w.hours);
    return gdpr_engine__unlock(eng, rc);
}
