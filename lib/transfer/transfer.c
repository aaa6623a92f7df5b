/*
 * Cross-border transfer checks (GDPR Art. 44-49): the decision tree, the
 * decision log, and Art. 46 safeguards added at run time. The decision
 * reads only memory (the adequacy list, the policy's recipients and a
 * cache of run-time safeguards) until a derogation is the last resort;
 * then it asks the consent ledger. See docs/transfers.md.
 * SPDX-License-Identifier: MIT
 */
#include "clock.h"
#include "adequacy.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "error.h"
#include "gdpr/transfer.h"
#include "calendar.h"
#include "text.h"

#define MAX_REQUEST_CATEGORIES 256u
#define REFERENCE_MAX 1024u

/* --- mechanisms ---------------------------------------------------------- */

typedef struct {
    const char *name;
    const char *article;
    const char *label; /* for reasons */
    const char *brief; /* "SCCs", "BCRs", ... */
} mechanism_info;

static const mechanism_info mechanisms[] = {
    [GDPR_TRANSFER_REFUSED] = {"refused", "", "refused", ""},
    [GDPR_TRANSFER_EEA] = {"eea", "", "inside the EEA", ""},
    [GDPR_TRANSFER_ADEQUACY] = {"adequacy", "Art. 45", "adequacy decision", ""},
    [GDPR_TRANSFER_SCC] = {"scc", "Art. 46(2)(c)", "standard contractual clauses", "SCCs"},
    [GDPR_TRANSFER_AUTHORITY_SCC] = {"authority_scc", "Art. 46(2)(d)", "authority standard clauses",
                                     "authority SCCs"},
    [GDPR_TRANSFER_BCR] = {"bcr", "Art. 46(2)(b)", "binding corporate rules", "BCRs"},
    [GDPR_TRANSFER_PUBLIC_INSTRUMENT] = {"public_instrument", "Art. 46(2)(a)",
                                         "instrument between public bodies",
                                         "public-body instrument"},
    [GDPR_TRANSFER_CODE_OF_CONDUCT] = {"code_of_conduct", "Art. 46(2)(e)", "code of conduct",
                                       "code of conduct"},
    [GDPR_TRANSFER_CERTIFICATION] = {"certification", "Art. 46(2)(f)", "certification",
                                     "certification"},
    [GDPR_TRANSFER_ADHOC] = {"adhoc", "Art. 46(3)(a)", "authorised ad hoc clauses",
                             "ad hoc clauses"},
    [GDPR_TRANSFER_DEROGATION_CONSENT] = {"derogation_consent", "Art. 49(1)(a)", "explicit consent",
                                          ""},
    [GDPR_TRANSFER_DEROGATION_OTHER] = {"derogation_other", "Art. 49(1)", "derogation", ""},
};

#define N_MECHANISMS ((int)(sizeof mechanisms / sizeof mechanisms[0]))

GDPR_API const char *
gdpr_transfer_mechanism_name(int mechanism)
{
    if (mechanism < 0 || mechanism >= N_MECHANISMS)
        return "unknown";
    return mechanisms[mechanism].name;
}

GDPR_API int
gdpr_transfer_mechanism_from_name(const char *name)
{
    if (name == NULL)
        return gdpr__err_set(GDPR_EINVAL, "name: must not be NULL");
    for (int i = 0; i < N_MECHANISMS; i++)
        if (strcmp(mechanisms[i].name, name) == 0)
            return i;
    return gdpr__err_set(GDPR_EINVAL, "name: '%.64s' is not a transfer mechanism name", name);
}

static int
is_safeguard_mechanism(int m)
{
    return m >= GDPR_TRANSFER_SCC && m <= GDPR_TRANSFER_ADHOC;
}

static int
is_derogation(int m)
{
    return m == GDPR_TRANSFER_DEROGATION_CONSENT || m == GDPR_TRANSFER_DEROGATION_OTHER;
}

/* policy_safeguard_type <-> mechanism. */
static const int safeguard_mechanism[SAFEGUARD_COUNT] = {
    [SAFEGUARD_SCC] = GDPR_TRANSFER_SCC,
    [SAFEGUARD_AUTHORITY_SCC] = GDPR_TRANSFER_AUTHORITY_SCC,
    [SAFEGUARD_BCR] = GDPR_TRANSFER_BCR,
    [SAFEGUARD_PUBLIC_INSTRUMENT] = GDPR_TRANSFER_PUBLIC_INSTRUMENT,
    [SAFEGUARD_CODE_OF_CONDUCT] = GDPR_TRANSFER_CODE_OF_CONDUCT,
    [SAFEGUARD_CERTIFICATION] = GDPR_TRANSFER_CERTIFICATION,
    [SAFEGUARD_ADHOC] = GDPR_TRANSFER_ADHOC,
};

static int
safeguard_type_of_mechanism(int m)
{
    for (int t = 0; t < SAFEGUARD_COUNT; t++)
        if (safeguard_mechanism[t] == m)
            return t;
    return -1;
}

/* --- texts cut at a character boundary ------------------------------------ */

/* After a cut, drop a trailing partial UTF-8 sequence. */
static void
utf8_trim_tail(char *s)
{
    size_t len = strlen(s), lead = len, need;

    while (lead > 0 && len - lead < 4 && ((unsigned char)s[lead - 1] & 0xC0) == 0x80)
        lead--;
    if (lead == 0)
        return;
    lead--;
    if (((unsigned char)s[lead] & 0x80) == 0)
        return;
    if (((unsigned char)s[lead] & 0xE0) == 0xC0)
        need = 2;
    else if (((unsigned char)s[lead] & 0xF0) == 0xE0)
        need = 3;
    else
        need = 4;
    if (lead + need > len)
        s[lead] = '\0';
}

static void fmt_text(char *dst, size_t cap, const char *fmt, ...) GDPR_PRINTF(3, 4);

static void
fmt_text(char *dst, size_t cap, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(dst, cap, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n >= cap)
        utf8_trim_tail(dst);
}

/* The longest prefix of `s` of at most `max` bytes that ends on a
 * character boundary, for "%.*s" (a plain "%.64s" could split a character). */
static int
clip_len(const char *s, size_t max)
{
    size_t n = strnlen(s, max + 1);

    if (n <= max)
        return (int)n;
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return (int)n;
}

#define CLIP(s, max) clip_len((s), (max)), (s)

/* A reason built by appending: the answers on the hot path are made
 * without printf. Cut at a character boundary when full. */
typedef struct {
    char *buf;
    size_t cap, len;
    int cut;
} text_buf;

static void
tb_init(text_buf *b, char *buf, size_t cap)
{
    b->buf = buf;
    b->cap = cap;
    b->len = 0;
    b->cut = 0;
    buf[0] = '\0';
}

static void
tb_putn(text_buf *b, const char *s, size_t n)
{
    if (b->len + n >= b->cap) {
        n = b->cap - 1 - b->len;
        b->cut = 1;
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

static void
tb_put(text_buf *b, const char *s)
{
    tb_putn(b, s, strlen(s));
}

/* An id, at most 64 bytes of it. */
static void
tb_id(text_buf *b, const char *s)
{
    tb_putn(b, s, (size_t)clip_len(s, 64));
}

static void
tb_end(text_buf *b)
{
    if (b->cut)
        utf8_trim_tail(b->buf);
}

static void
copy_text(char *dst, size_t cap, const char *src)
{
    text_buf b;

    tb_init(&b, dst, cap);
    tb_put(&b, src ? src : "");
    tb_end(&b);
}

/* "YYYY-MM-DD" of an instant (t in 0 .. CAL_MAX_TIME), without printf:
 * the check formats a date on every answer. */
static void
format_day(int64_t t, char day[11])
{
    int64_t y;
    unsigned m, d;

    if (t < 0 || t > CAL_MAX_TIME) {
        memcpy(day, "?", 2);
        return;
    }
    gdpr_calendar__civil_from_days(t / SECONDS_PER_DAY, &y, &m, &d);
    day[0] = (char)('0' + y / 1000);
    day[1] = (char)('0' + y / 100 % 10);
    day[2] = (char)('0' + y / 10 % 10);
    day[3] = (char)('0' + y % 10);
    day[4] = '-';
    day[5] = (char)('0' + m / 10);
    day[6] = (char)('0' + m % 10);
    day[7] = '-';
    day[8] = (char)('0' + d / 10);
    day[9] = (char)('0' + d % 10);
    day[10] = '\0';
}

/* --- the recipient cache ------------------------------------------------- */

typedef struct {
    int64_t id;    /* 0: from the policy */
    int mechanism; /* GDPR_TRANSFER_SCC .. ADHOC */
    int module;
    char *reference; /* owned (run-time) or borrowed (policy) */
    int owned;
    int64_t from, until; /* until 0: open-ended */
    int64_t revoked_at;  /* 0: not revoked */
} cached_safeguard;

struct transfer_recipient {
    const policy_recipient *r;
    int code_ok;             /* country is a code the library accepts */
    const adequacy_eea *eea; /* the first period of EEA membership, or NULL */
    cached_safeguard *sg;    /* the policy's, then run-time ones by id */
    size_t n_sg, cap_sg;
    /* The last answer that rested on the EEA, an adequacy decision or a
     * safeguard, for one UTC day. Adequacy dates, DPF dates and the
     * policy's safeguard dates all fall on day boundaries, so such an
     * answer holds for the whole day; run-time safeguards may end at any
     * second, and while a recipient has one that does, safeguard answers
     * are not kept (day_aligned 0). Answers that may rest on the
     * subject's consent are never kept. */
    int day_aligned;
    int64_t memo_day; /* -1: none */
    gdpr_transfer_result memo;
};

void
gdpr_transfer__recipients_free(transfer_state *t)
{
    for (size_t i = 0; i < t->n_recipients; i++) {
        transfer_recipient *tr = &t->recipients[i];
        for (size_t k = 0; k < tr->n_sg; k++)
            if (tr->sg[k].owned)
                free(tr->sg[k].reference);
        free(tr->sg);
    }
    free(t->recipients);
    free(t->sorted);
    t->recipients = NULL;
    t->sorted = NULL;
    t->n_recipients = 0;
    t->policy = NULL;
    t->policy_version = 0;
}

static int
code_acceptable(const char *code)
{
    if (strncmp(code, "org:", 4) == 0)
        return code[4] != '\0' && strchr(code, ' ') == NULL;
    return gdpr_transfer__iso3166_assigned(code);
}

static int
cmp_recipient(const void *a, const void *b)
{
    const transfer_recipient *x = *(transfer_recipient *const *)a;
    const transfer_recipient *y = *(transfer_recipient *const *)b;
    return strcmp(x->r->id, y->r->id);
}

static transfer_recipient *
find_cached(const transfer_state *t, const char *id)
{
    size_t lo = 0, hi = t->n_recipients;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        transfer_recipient *tr = t->sorted[mid];
        int c = strcmp(id, tr->r->id);
        if (c == 0)
            return tr;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static int
push_safeguard(transfer_recipient *tr, const cached_safeguard *sg)
{
    if (tr->n_sg == tr->cap_sg) {
        size_t cap = tr->cap_sg ? tr->cap_sg * 2 : 4;
        cached_safeguard *grown = realloc(tr->sg, cap * sizeof *grown);
        if (grown == NULL)
            return gdpr__err_set(GDPR_ENOMEM, "out of memory caching safeguards");
        tr->sg = grown;
        tr->cap_sg = cap;
    }
    tr->sg[tr->n_sg++] = *sg;
    return GDPR_OK;
}

static int
add_runtime_safeguard(const store_safeguard_row *row, void *ctx)
{
    transfer_state *t = ctx;
    transfer_recipient *tr = find_cached(t, row->recipient);
    cached_safeguard sg;
    int rc;

    if (tr == NULL)
        return 0; /* a recipient the policy in force no longer lists */
    memset(&sg, 0, sizeof sg);
    sg.id = row->id;
    sg.mechanism = GDPR_TRANSFER_REFUSED;
    for (int k = 0; k < SAFEGUARD_COUNT; k++)
        if (strcmp(gdpr_policy__safeguard_name((policy_safeguard_type)k), row->type) == 0)
            sg.mechanism = safeguard_mechanism[k];
    if (sg.mechanism == GDPR_TRANSFER_REFUSED)
        return gdpr__err_set(GDPR_ECORRUPT, "safeguard %lld: unknown type '%.32s'",
                             (long long)row->id, row->type);
    sg.module = row->module;
    sg.from = row->valid_from;
    sg.until = row->valid_until;
    sg.revoked_at = row->revoked_at;
    sg.reference = gdpr_text__dup(row->reference);
    sg.owned = 1;
    if (sg.reference == NULL)
        return GDPR_ENOMEM;
    rc = push_safeguard(tr, &sg);
    if (rc != GDPR_OK)
        free(sg.reference);
    if (sg.from % SECONDS_PER_DAY != 0 ||
        (sg.until != 0 && (sg.until + 1) % SECONDS_PER_DAY != 0) ||
        sg.revoked_at % SECONDS_PER_DAY != 0)
        tr->day_aligned = 0;
    return rc;
}

static int
build_recipients(gdpr_engine *eng, transfer_state *t)
{
    const policy_model *p = eng->policy;
    size_t n = p->n_recipients;
    int rc = GDPR_OK;

    gdpr_transfer__recipients_free(t);
    t->recipients = calloc(n ? n : 1, sizeof *t->recipients);
    t->sorted = calloc(n ? n : 1, sizeof *t->sorted);
    if (t->recipients == NULL || t->sorted == NULL) {
        gdpr_transfer__recipients_free(t);
        return gdpr__err_set(GDPR_ENOMEM, "out of memory caching recipients");
    }
    t->n_recipients = n;
    for (size_t i = 0; i < n && rc == GDPR_OK; i++) {
        transfer_recipient *tr = &t->recipients[i];
        const policy_recipient *r = &p->recipients[i];

        tr->r = r;
        tr->day_aligned = 1;
        tr->memo_day = -1;
        t->sorted[i] = tr;
        tr->code_ok = code_acceptable(r->country);
        tr->eea = tr->code_ok ? gdpr_adequacy__eea_of(t->list, r->country) : NULL;
        for (size_t k = 0; k < r->n_safeguards && rc == GDPR_OK; k++) {
            cached_safeguard sg;
            memset(&sg, 0, sizeof sg);
            sg.mechanism = safeguard_mechanism[r->safeguards[k].type];
            sg.module = r->safeguards[k].module;
            sg.reference = r->safeguards[k].reference;
            sg.from = r->safeguards[k].valid_from;
            sg.until = r->safeguards[k].valid_until;
            rc = push_safeguard(tr, &sg);
        }
    }
    if (rc == GDPR_OK) {
        qsort(t->sorted, n, sizeof *t->sorted, cmp_recipient);
        rc = gdpr_store__safeguard_foreach(eng->st, NULL, add_runtime_safeguard, t);
    }
    if (rc != GDPR_OK) {
        gdpr_transfer__recipients_free(t);
        return rc;
    }
    t->policy = p;
    t->policy_version = p->version;
    return GDPR_OK;
}

/* The state with a recipient cache for the policy in force. */
static int
ready(gdpr_engine *eng, transfer_state **out)
{
    transfer_state *t = NULL;
    int rc = gdpr_transfer__state_ready(eng, &t);

    if (rc != GDPR_OK)
        return rc;
    if (t->recipients == NULL || t->policy != eng->policy ||
        t->policy_version != eng->policy->version) {
        rc = build_recipients(eng, t);
        if (rc != GDPR_OK)
            return rc;
    }
    *out = t;
    return GDPR_OK;
}

static int
recipient_of(const transfer_state *t, const char *field, const char *id, transfer_recipient **out)
{
    transfer_recipient *tr = find_cached(t, id);

    if (tr == NULL)
        return gdpr__err_set(GDPR_EINVAL, "%s: '%.64s' is not a recipient of the policy", field,
                             id);
    if (!tr->code_ok) {
        char what[320];
        snprintf(what, sizeof what, "recipient '%.64s': country", id);
        return gdpr_adequacy__check_code(what, tr->r->country);
    }
    *out = tr;
    return GDPR_OK;
}

/* --- the decision ---------------------------------------------------------- */

typedef struct {
    const char *subject;
    const uint8_t *hash; /* the subject's hash, or NULL: computed when needed */
    int64_t at;
    int special;
    const char *special_category; /* one of them, for the reason */
    unsigned int flags;           /* GDPR_TRANSFER_REPEATED */
} decide_in;

static int
safeguard_valid(const cached_safeguard *sg, int64_t at)
{
    return sg->from <= at && (sg->until == 0 || at <= sg->until) &&
           (sg->revoked_at == 0 || at < sg->revoked_at);
}

/* The recipient's certification under `framework` (the adequacy list's
 * name) that holds on `at`, or NULL (issue 19 point 6). */
static const policy_certification *
certified_on(const policy_recipient *r, const char *framework, int64_t at)
{
    for (size_t k = 0; k < r->n_certs; k++) {
        const policy_certification *c = &r->certs[k];
        if (strcmp(gdpr_policy__cert_framework(c->framework), framework) == 0 && c->from <= at &&
            (c->until == 0 || at <= c->until))
            return c;
    }
    return NULL;
}

/* Is the recipient within the decision's scope on `at`? */
static int
in_scope(const adequacy_decision *d, const policy_recipient *r, int64_t at)
{
    switch (d->scope) {
    case SCOPE_WHOLE:
        return 1;
    case SCOPE_COMMERCIAL:
        return r->commercial && strcmp(r->kind, "public_body") != 0;
    case SCOPE_CERTIFIED:
        /* Certification under the framework the decision names, on that
         * date: the DPF, and the historic Safe Harbour and Privacy Shield. */
        return certified_on(r, d->framework, at) != NULL;
    case SCOPE_PRIVATE_SECTOR:
        return strcmp(r->kind, "public_body") != 0;
    default:
        return 0;
    }
}

/* The first limit of `d` (issue 19 point 7) that leaves the recipient
 * outside the decision, or NULL. *undeclared is set when the policy does
 * not say what the limit asks about (stricter reading: outside). */
static const adequacy_limit *
limit_outside(const adequacy_decision *d, const policy_recipient *r, int *undeclared)
{
    for (size_t k = 0; k < d->n_limits; k++) {
        const adequacy_limit *lim = &d->limits[k];

        *undeclared = 0;
        if (lim->kind == LIMIT_EXCLUDES) {
            if (!r->activities_declared) {
                *undeclared = 1;
                return lim;
            }
            if (r->activities & (1u << lim->what))
                return lim;
            continue;
        }
        switch (lim->what) {
        case REQUIRE_AUTOMATED:
            if (r->processing == PROCESSING_AUTOMATED)
                continue;
            *undeclared = r->processing == PROCESSING_UNKNOWN;
            return lim;
        case REQUIRE_AUTOMATED_OR_LATER:
            if (r->processing == PROCESSING_AUTOMATED ||
                r->processing == PROCESSING_MANUAL_THEN_AUTOMATED)
                continue;
            *undeclared = r->processing == PROCESSING_UNKNOWN;
            return lim;
        default: /* REQUIRE_APPI */
            if (r->appi == 1)
                continue;
            *undeclared = r->appi < 0;
            return lim;
        }
    }
    return NULL;
}

/* Why the recipient is outside `d` by limit `lim`: the limit named with
 * its provision, then what the policy says (or does not say). */
static void
why_limit(const adequacy_decision *d, const adequacy_limit *lim, int undeclared,
          const policy_recipient *r, char *buf, size_t cap)
{
    char said[96];

    if (lim->kind == LIMIT_EXCLUDES) {
        if (undeclared)
            fmt_text(said, sizeof said, "the policy does not declare its activities");
        else
            fmt_text(said, sizeof said, "it declares '%s'",
                     gdpr_policy__activity_name((policy_activity)lim->what));
    } else if (lim->what == REQUIRE_APPI) {
        fmt_text(said, sizeof said, "%s",
                 undeclared ? "the policy does not say it is bound by the APPI (appi)"
                            : "it is not bound by the APPI (appi: false)");
    } else {
        fmt_text(said, sizeof said, "its processing is '%s'",
                 gdpr_policy__processing_name(r->processing));
    }
    fmt_text(buf, cap, "%s recipient '%.*s' is outside adequacy decision %s (limit %s: %s; %s): %s",
             r->country, CLIP(r->id, 64), d->id, lim->id, lim->text, lim->cites, said);
}

static void
allow(gdpr_transfer_result *res, int mechanism, const char *reference)
{
    res->allowed = 1;
    res->mechanism = mechanism;
    copy_text(res->reference, sizeof res->reference, reference);
    copy_text(res->article, sizeof res->article, mechanisms[mechanism].article);
}

static void
scope_note(const adequacy_decision *d, const policy_recipient *r, int64_t at, text_buf *b)
{
    const policy_certification *c;
    char day[11];

    switch (d->scope) {
    case SCOPE_CERTIFIED:
        c = certified_on(r, d->framework, at);
        format_day(c != NULL ? c->from : 0, day);
        if (c != NULL && c->framework == CERT_DPF) {
            tb_put(b, ": DPF-certified since ");
        } else {
            tb_put(b, ": certified under the ");
            tb_put(b, d->framework);
            tb_put(b, " since ");
        }
        tb_put(b, day);
        break;
    case SCOPE_COMMERCIAL:
        tb_put(b, ": a commercial organisation");
        break;
    case SCOPE_PRIVATE_SECTOR:
        tb_put(b, ": not a public body");
        break;
    default:
        break;
    }
}

/* Why no adequacy decision covers the recipient on `at`. */
static void
why_no_adequacy(const adequacy_list *l, const policy_recipient *r, int64_t at, const char *day,
                char *buf, size_t cap)
{
    const adequacy_decision *d = gdpr_adequacy__in_force(l, r->country, at);
    char other[11];

    if (d != NULL && in_scope(d, r, at)) {
        int undeclared = 0;
        const adequacy_limit *lim = limit_outside(d, r, &undeclared);
        if (lim != NULL) {
            why_limit(d, lim, undeclared, r, buf, cap);
            return;
        }
    }
    if (d != NULL) {
        switch (d->scope) {
        case SCOPE_CERTIFIED:
            if (strcmp(d->framework, ADEQUACY_DPF_FRAMEWORK) != 0)
                fmt_text(buf, cap,
                         "%s recipient '%.*s' is not certified under the %s on %s "
                         "(recipients[].certifications)",
                         r->country, CLIP(r->id, 64), d->framework, day);
            else
                fmt_text(buf, cap, "%s recipient '%.*s' is not DPF-certified on %s", r->country,
                         CLIP(r->id, 64), day);
            return;
        case SCOPE_COMMERCIAL:
            fmt_text(buf, cap,
                     "%s recipient '%.*s' is not a commercial organisation, outside "
                     "adequacy decision %s",
                     r->country, CLIP(r->id, 64), d->id);
            return;
        case SCOPE_PRIVATE_SECTOR:
            fmt_text(buf, cap,
                     "%s recipient '%.*s' is a public body, outside adequacy "
                     "decision %s (private sector only)",
                     r->country, CLIP(r->id, 64), d->id);
            return;
        default:
            break;
        }
    }
    d = gdpr_adequacy__nearest(l, r->country, at);
    if (d == NULL) {
        fmt_text(buf, cap, "%s recipient '%.*s' has no adequacy decision", r->country,
                 CLIP(r->id, 64));
    } else if (d->from > at) {
        format_day(d->from, other);
        fmt_text(buf, cap, "%s recipient '%.*s': adequacy decision %s applies only from %s",
                 r->country, CLIP(r->id, 64), d->id, other);
    } else {
        format_day(d->until, other);
        fmt_text(buf, cap, "%s recipient '%.*s': adequacy decision %s ended on %s", r->country,
                 CLIP(r->id, 64), d->id, other);
    }
}

/* " and ..." about the recipient's safeguards, none valid on `at`. */
static void
why_no_safeguard(const transfer_recipient *tr, int64_t at, char *buf, size_t cap)
{
    const cached_safeguard *sg;
    char day[11];

    if (tr->n_sg == 0) {
        fmt_text(buf, cap, " and has no SCCs or other Art. 46 safeguard on record");
        return;
    }
    sg = &tr->sg[tr->n_sg - 1];
    if (sg->revoked_at != 0 && sg->revoked_at <= at) {
        format_day(sg->revoked_at, day);
        fmt_text(buf, cap, " and has no valid safeguard (%s '%.*s' revoked on %s)",
                 mechanisms[sg->mechanism].brief, CLIP(sg->reference, 32), day);
    } else if (sg->from > at) {
        format_day(sg->from, day);
        fmt_text(buf, cap, " and has no valid safeguard (%s '%.*s' valid from %s)",
                 mechanisms[sg->mechanism].brief, CLIP(sg->reference, 32), day);
    } else {
        format_day(sg->until, day);
        fmt_text(buf, cap, " and has no valid safeguard (%s '%.*s' ended on %s)",
                 mechanisms[sg->mechanism].brief, CLIP(sg->reference, 32), day);
    }
}

static void
copy_answer(gdpr_transfer_result *dst, const gdpr_transfer_result *src)
{
    dst->allowed = src->allowed;
    dst->mechanism = src->mechanism;
    memcpy(dst->reason, src->reason, sizeof dst->reason);
    memcpy(dst->reference, src->reference, sizeof dst->reference);
    memcpy(dst->article, src->article, sizeof dst->article);
    memcpy(dst->country, src->country, sizeof dst->country);
}

static int
remember(transfer_recipient *tr, int64_t at, const gdpr_transfer_result *res)
{
    if (res->mechanism == GDPR_TRANSFER_EEA || res->mechanism == GDPR_TRANSFER_ADEQUACY ||
        tr->day_aligned) {
        tr->memo_day = at / SECONDS_PER_DAY;
        copy_answer(&tr->memo, res);
    }
    return GDPR_OK;
}

/* --- Art. 49: the derogations, last resort (issue 19 points 3 and 4) ------ */

static int
ground_is(const char *ground, const char *name)
{
    return ground != NULL && strcmp(ground, name) == 0;
}

/* Art. 49(3): grounds a public authority in the exercise of its public
 * powers may not use: (a), (b), (c) and the second subparagraph. */
static int
closed_to_public_authority(const char *ground)
{
    return ground_is(ground, "49(1)(a)") || ground_is(ground, "49(1)(b)") ||
           ground_is(ground, "49(1)(c)") || ground_is(ground, "49(1) second subparagraph");
}

/* The start (exclusive) of the occasional_limit window that ends at `at`:
 * `at` less the policy's period; -1 when that reaches before 1970 (every
 * entry counts). */
static int64_t
occasional_window(const policy_recipient *r, int64_t at)
{
    cal_duration back = r->occasional_per;
    int64_t after = 0;

    back.years = -back.years;
    back.months = -back.months;
    back.weeks = -back.weeks;
    back.days = -back.days;
    back.hours = -back.hours;
    back.minutes = -back.minutes;
    back.seconds = -back.seconds;
    if (gdpr_calendar__add(at, &back, &after) != 0 || after < 0)
        return -1;
    return after;
}

/* Is one more Art. 49 transfer of this subject to `r` on `at` still
 * occasional? Counted from the transfer log in the window of the policy's
 * occasional_limit before `at` (issue 19 point 4). *ok 0 with `why` when
 * not. */
static int
occasional_ok(gdpr_engine *eng, const policy_recipient *r, const uint8_t *hash, int64_t at,
              const char *day, char *why, size_t cap, int *ok)
{
    store_transfer_count c;
    int64_t after;
    int rc;

    *ok = 0;
    if (!r->has_occasional_limit) {
        fmt_text(why, cap,
                 "the policy sets no occasional_limit for '%.*s': an Art. 49 transfer must "
                 "be occasional and the library cannot tell without a bound (Recital 111; EDPB "
                 "Guidelines 2/2018)",
                 CLIP(r->id, 64));
        return GDPR_OK;
    }
    after = occasional_window(r, at);
    rc = gdpr_store__transfer_count(eng->st, r->id, after, at, hash, &c);
    if (rc != GDPR_OK)
        return rc;
    if (r->max_transfers > 0 && c.transfers + 1 > r->max_transfers) {
        fmt_text(why, cap,
                 "%lld Art. 49 transfers to '%.*s' are logged in the %s up to %s and "
                 "occasional_limit.max_transfers is %lld: not occasional (Recital 111; EDPB "
                 "Guidelines 2/2018)",
                 (long long)c.transfers, CLIP(r->id, 64), r->occasional_per_text, day,
                 (long long)r->max_transfers);
        return GDPR_OK;
    }
    if (r->max_subjects > 0 && c.subjects + (c.subject_seen ? 0 : 1) > r->max_subjects) {
        fmt_text(why, cap,
                 "Art. 49 transfers to '%.*s' in the %s up to %s concern %lld subjects and "
                 "occasional_limit.max_subjects is %lld: not a limited number (Art. 49(1) "
                 "second subparagraph; Recital 113)",
                 CLIP(r->id, 64), r->occasional_per_text, day, (long long)c.subjects,
                 (long long)r->max_subjects);
        return GDPR_OK;
    }
    *ok = 1;
    return GDPR_OK;
}

/* Art. 49(1) second subparagraph: the records of Art. 49(6) and the
 * supervisory authority informed, on `at`. NULL when they hold, else what
 * is missing. */
static const char *
compelling_missing(const policy_recipient *r, int64_t at)
{
    if (r->ci_assessment == NULL || r->ci_safeguards == NULL || r->ci_subject_notice == NULL)
        return "the policy records no compelling_interests (Art. 49(6): the assessment and the "
               "suitable safeguards; the supervisory authority and the subject informed)";
    if (r->ci_assessed_on > at)
        return "the assessment (compelling_interests.assessed_on) is dated after the transfer "
               "(Art. 49(6))";
    if (r->ci_authority_informed > at)
        return "the supervisory authority was not yet informed "
               "(compelling_interests.authority_informed; Art. 49(1) second subparagraph)";
    return NULL;
}

static void
refuse(gdpr_transfer_result *res, const char *why, const char *why_sg, const char *tail)
{
    fmt_text(res->reason, sizeof res->reason, "%s%s; %s", why, why_sg, tail);
}

/* No adequacy and no safeguard: a derogation of Art. 49, or refused. */
static int
decide_derogation(gdpr_engine *eng, const policy_recipient *r, const decide_in *in, const char *day,
                  const char *why, const char *why_sg, gdpr_transfer_result *res)
{
    const char *ground = r->occasional ? r->derogation : NULL;
    int public_authority = eng->policy->controller.public_authority;
    int repeated = (in->flags & GDPR_TRANSFER_REPEATED) != 0;
    uint8_t hash[CRYPTO_HASH_BYTES];
    char key[GDPR_NAME_MAX + 1];
    char tail[256];
    int found = 0, ok = 0;
    int n;
    int rc;

    /* Special categories (Art. 9) go on a derogation only under Art.
     * 49(1)(f), vital interests: the stricter reading of EDPB Guidelines
     * 2/2018, 2.6 (docs/transfers.md). */
    if (in->special && !ground_is(ground, "49(1)(f)")) {
        fmt_text(tail, sizeof tail,
                 "special-category data ('%.*s') goes on a derogation only under Art. 49(1)(f), "
                 "vital interests (EDPB Guidelines 2/2018, 2.6)",
                 CLIP(in->special_category, 32));
        refuse(res, why, why_sg, tail);
        return GDPR_OK;
    }
    if (in->hash == NULL) {
        rc = gdpr_engine__subject_hash(eng, in->subject, hash);
        if (rc != GDPR_OK)
            return rc;
    } else {
        memcpy(hash, in->hash, sizeof hash);
    }
    /* Art. 49(1)(a): only a transfer consent naming this recipient and its
     * country counts (an explicit consent for a purpose does not), and
     * only for an occasional transfer; never for a public authority in
     * the exercise of its powers (Art. 49(3)). */
    rc = GDPR_OK;
    n = snprintf(key, sizeof key, STORE_CONSENT_TRANSFER_PREFIX "%s@%s", r->id, r->country);
    if (!in->special && n > 0 && (size_t)n < sizeof key)
        rc = gdpr_store__consent_explicit_recipient(eng->st, hash, key, in->at, &found);
    if (rc != GDPR_OK)
        return rc;
    if (found && public_authority) {
        refuse(res, why, why_sg,
               "the subject's transfer consent does not count: Art. 49(3) closes Art. 49(1)(a) "
               "to a public authority in the exercise of its public powers "
               "(controller.public_authority)");
        return GDPR_OK;
    }
    if (found && repeated) {
        refuse(res, why, why_sg,
               "the subject's transfer consent (Art. 49(1)(a)) covers occasional transfers "
               "only, not a repeated one (Recital 111)");
        return GDPR_OK;
    }
    if (found) {
        rc = occasional_ok(eng, r, hash, in->at, day, tail, sizeof tail, &ok);
        if (rc != GDPR_OK)
            return rc;
        if (!ok) {
            refuse(res, why, why_sg, tail);
            return GDPR_OK;
        }
        allow(res, GDPR_TRANSFER_DEROGATION_CONSENT, "");
        fmt_text(res->reference, sizeof res->reference,
                 "Art. 49(1)(a): explicit consent of the "
                 "subject naming '%.*s'",
                 CLIP(r->id, 64));
        fmt_text(res->reason, sizeof res->reason,
                 "no adequacy or safeguard, but the subject's "
                 "explicit consent to transfers to '%.*s' is on record on %s (Art. 49(1)(a)); "
                 "for occasional transfers only",
                 CLIP(r->id, 64), day);
        return GDPR_OK;
    }
    if (ground != NULL) {
        const char *missing = NULL;

        if (repeated) {
            fmt_text(tail, sizeof tail,
                     "Art. %s covers occasional transfers only, not a repeated one (Recital "
                     "111; EDPB Guidelines 2/2018)",
                     ground);
            refuse(res, why, why_sg, tail);
            return GDPR_OK;
        }
        if (public_authority && closed_to_public_authority(ground)) {
            fmt_text(tail, sizeof tail,
                     "Art. 49(3) closes Art. %s to a public authority in the exercise of its "
                     "public powers (controller.public_authority)",
                     ground);
            refuse(res, why, why_sg, tail);
            return GDPR_OK;
        }
        if (ground_is(ground, "49(1) second subparagraph"))
            missing = compelling_missing(r, in->at);
        if (missing != NULL) {
            refuse(res, why, why_sg, missing);
            return GDPR_OK;
        }
        rc = occasional_ok(eng, r, hash, in->at, day, tail, sizeof tail, &ok);
        if (rc != GDPR_OK)
            return rc;
        if (!ok) {
            refuse(res, why, why_sg, tail);
            return GDPR_OK;
        }
        allow(res, GDPR_TRANSFER_DEROGATION_OTHER, "");
        fmt_text(res->reference, sizeof res->reference, "Art. %s", ground);
        fmt_text(res->article, sizeof res->article, "Art. %s", ground);
        fmt_text(res->reason, sizeof res->reason,
                 "no adequacy, safeguard or consent, but the "
                 "policy marks transfers to '%.*s' as occasional under Art. %s",
                 CLIP(r->id, 64), ground);
        return GDPR_OK;
    }
    refuse(res, why, why_sg,
           public_authority
               ? "Art. 49(3): a public authority in the exercise of its public powers cannot "
                 "rely on Art. 49(1)(a)-(c) or the second subparagraph"
               : "an Art. 49(1)(a) transfer consent (recipient, country, risks notice) would "
                 "allow an occasional transfer");
    return GDPR_OK;
}

static int
decide(gdpr_engine *eng, const transfer_state *t, transfer_recipient *tr, const decide_in *in,
       gdpr_transfer_result *res)
{
    const policy_recipient *r = tr->r;
    const adequacy_decision *d;
    const adequacy_eea *eea;
    char day[11], why[256], why_sg[160];
    int outside = 0;

    res->special = in->special;
    if (tr->memo_day == in->at / SECONDS_PER_DAY) {
        copy_answer(res, &tr->memo);
        return GDPR_OK;
    }
    res->allowed = 0;
    res->mechanism = GDPR_TRANSFER_REFUSED;
    res->reason[0] = res->reference[0] = res->article[0] = '\0';
    copy_text(res->country, sizeof res->country, r->country);
    format_day(in->at, day);

    eea = tr->eea != NULL ? gdpr_adequacy__eea_on(t->list, r->country, in->at) : NULL;
    if (eea != NULL) {
        text_buf b;

        allow(res, GDPR_TRANSFER_EEA, "");
        tb_init(&b, res->reference, sizeof res->reference);
        tb_put(&b, "EEA: ");
        tb_put(&b, eea->name);
        tb_put(&b, " (");
        tb_put(&b, eea->basis);
        tb_put(&b, ")");
        tb_end(&b);
        tb_init(&b, res->reason, sizeof res->reason);
        tb_put(&b, "'");
        tb_id(&b, r->id);
        tb_put(&b, "' is in ");
        tb_put(&b, r->country);
        tb_put(&b, " (");
        tb_put(&b, eea->name);
        tb_put(&b, ", ");
        tb_put(&b, eea->basis);
        tb_put(&b, "), inside the EEA: no transfer out of the EEA");
        tb_end(&b);
        return remember(tr, in->at, res);
    }
    d = gdpr_adequacy__in_force(t->list, r->country, in->at);
    if (d != NULL && in_scope(d, r, in->at) && limit_outside(d, r, &outside) == NULL) {
        text_buf b;

        allow(res, GDPR_TRANSFER_ADEQUACY, d->reference);
        tb_init(&b, res->reason, sizeof res->reason);
        tb_put(&b, "adequacy decision ");
        tb_put(&b, d->id);
        tb_put(&b, " in force on ");
        tb_put(&b, day);
        tb_put(&b, " covers '");
        tb_id(&b, r->id);
        tb_put(&b, "'");
        scope_note(d, r, in->at, &b);
        tb_put(&b, " (");
        tb_put(&b, d->reference);
        tb_put(&b, ")");
        tb_end(&b);
        return remember(tr, in->at, res);
    }
    for (size_t i = 0; i < tr->n_sg; i++) {
        const cached_safeguard *sg = &tr->sg[i];
        char module[] = ", module 0";
        text_buf b;

        if (!safeguard_valid(sg, in->at))
            continue;
        allow(res, sg->mechanism, sg->reference);
        tb_init(&b, res->reason, sizeof res->reason);
        tb_put(&b, mechanisms[sg->mechanism].label);
        tb_put(&b, " (");
        tb_put(&b, mechanisms[sg->mechanism].article);
        if (sg->mechanism == GDPR_TRANSFER_SCC) {
            module[sizeof module - 2] = (char)('0' + sg->module % 10);
            tb_put(&b, module);
        }
        tb_put(&b, ") valid on ");
        tb_put(&b, day);
        tb_put(&b, " for '");
        tb_id(&b, r->id);
        tb_put(&b, "': ");
        tb_put(&b, sg->reference);
        tb_end(&b);
        return remember(tr, in->at, res);
    }
    why_no_adequacy(t->list, r, in->at, day, why, sizeof why);
    why_no_safeguard(tr, in->at, why_sg, sizeof why_sg);
    return decide_derogation(eng, r, in, day, why, why_sg, res);
}

/* --- arguments ------------------------------------------------------------- */

static int
check_request(const gdpr_transfer_request *req)
{
    int rc;

    if (req == NULL)
        return gdpr__err_set(GDPR_EINVAL, "req: must not be NULL");
    if (req->version == 0 || req->version > GDPR_TRANSFER_REQUEST_VERSION)
        return gdpr__err_set(GDPR_EVERSION,
                             "req.version: %u is not a known request version (1..%u)", req->version,
                             GDPR_TRANSFER_REQUEST_VERSION);
    if (req->version >= 2 && (req->flags & ~GDPR_TRANSFER_REPEATED))
        return gdpr__err_set(GDPR_EINVAL,
                             "req.flags: 0x%x has unknown bits (only GDPR_TRANSFER_REPEATED 0x1)",
                             req->flags);
    rc = gdpr_text__check("req.subject", req->subject, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = gdpr_text__check("req.recipient", req->recipient, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = gdpr_transfer__check_instant("req.at", req->at);
    if (rc == GDPR_OK)
        rc = gdpr_text__check_optional("req.purpose", req->purpose, GDPR_NAME_MAX);
    if (rc != GDPR_OK)
        return rc;
    if (req->n_categories > 0 && req->categories == NULL)
        return gdpr__err_set(GDPR_EINVAL, "req.categories: NULL with n_categories %zu",
                             req->n_categories);
    if (req->n_categories > MAX_REQUEST_CATEGORIES)
        return gdpr__err_set(GDPR_EINVAL, "req.n_categories: %zu, at most %u", req->n_categories,
                             MAX_REQUEST_CATEGORIES);
    for (size_t i = 0; i < req->n_categories; i++) {
        char field[48];
        snprintf(field, sizeof field, "req.categories[%zu]", i);
        rc = gdpr_text__check(field, req->categories[i], GDPR_NAME_MAX);
        if (rc != GDPR_OK)
            return rc;
    }
    return GDPR_OK;
}

static int
check_result(const gdpr_transfer_result *out)
{
    if (out == NULL)
        return gdpr__err_set(GDPR_EINVAL, "out: must not be NULL");
    if (out->version == 0 || out->version > GDPR_TRANSFER_RESULT_VERSION)
        return gdpr__err_set(GDPR_EVERSION, "out.version: %u is not a known result version (1..%u)",
                             out->version, GDPR_TRANSFER_RESULT_VERSION);
    return GDPR_OK;
}

/* The categories named by the request, against the policy: is any special? */
static int
resolve_categories(const policy_model *p, const gdpr_transfer_request *req, decide_in *in)
{
    in->special = 0;
    in->special_category = NULL;
    if (req->purpose != NULL) {
        const policy_purpose *pu = gdpr_policy__find_purpose(p, req->purpose);
        if (pu == NULL)
            return gdpr__err_set(GDPR_EINVAL, "req.purpose: '%.64s' is not a purpose of the policy",
                                 req->purpose);
        for (size_t i = 0; i < pu->n_categories && !in->special; i++) {
            const policy_category *c = gdpr_policy__find_category(p, pu->categories[i]);
            if (c != NULL && c->special) {
                in->special = 1;
                in->special_category = c->id;
            }
        }
    }
    for (size_t i = 0; i < req->n_categories; i++) {
        const policy_category *c = gdpr_policy__find_category(p, req->categories[i]);
        if (c == NULL)
            return gdpr__err_set(GDPR_EINVAL,
                                 "req.categories[%zu]: '%.64s' is not a category of the "
                                 "policy",
                                 i, req->categories[i]);
        if (c->special && !in->special) {
            in->special = 1;
            in->special_category = c->id;
        }
    }
    return GDPR_OK;
}

/* "transfer.record" is needed to ask; the refusal is audited with the
 * subject's hash (computed only then: the hot path does without it). */
static int
authorize_check(gdpr_engine *eng, const gdpr_actor *who, const char *subject)
{
    const policy_role *role = gdpr_policy__find_role(eng->policy, who->role);
    uint8_t hash[CRYPTO_HASH_BYTES];
    int rc;

    if (role != NULL && gdpr_policy__role_allows(role, PERM_TRANSFER_RECORD))
        return GDPR_OK;
    rc = gdpr_engine__subject_hash(eng, subject, hash);
    if (rc != GDPR_OK)
        return rc;
    return gdpr_engine__authorize(eng, who, PERM_TRANSFER_RECORD, hash);
}

static int
check_locked(gdpr_engine *eng, const gdpr_actor *who, const gdpr_transfer_request *req,
             const char *recipient_field, gdpr_transfer_result *out)
{
    transfer_state *t = NULL;
    transfer_recipient *tr = NULL;
    decide_in in;
    int rc = gdpr_engine__require_policy(eng);

    if (rc == GDPR_OK)
        rc = authorize_check(eng, who, req->subject);
    if (rc == GDPR_OK)
        rc = ready(eng, &t);
    if (rc == GDPR_OK)
        rc = recipient_of(t, recipient_field, req->recipient, &tr);
    if (rc == GDPR_OK)
        rc = resolve_categories(eng->policy, req, &in);
    if (rc != GDPR_OK)
        return rc;
    in.subject = req->subject;
    in.hash = NULL;
    in.at = req->at;
    in.flags = req->version >= 2 ? req->flags : 0;
    rc = decide(eng, t, tr, &in, out);
    out->event = 0;
    return rc;
}

GDPR_API int
gdpr_transfer_request_init(gdpr_transfer_request *req, unsigned int version)
{
    gdpr__err_clear();
    if (req == NULL)
        return gdpr__err_set(GDPR_EINVAL, "req: must not be NULL");
    if (version == 0 || version > GDPR_TRANSFER_REQUEST_VERSION)
        return gdpr__err_set(GDPR_EVERSION, "version: %u is not a known request version (1..%u)",
                             version, GDPR_TRANSFER_REQUEST_VERSION);
    memset(req, 0, sizeof *req);
    req->version = version;
    req->at = GDPR_NOW;
    return GDPR_OK;
}

/* The arguments of a transfer check or record, in the order users see their
 * refusals: req.at resolved (GDPR_NOW) into `copy`, which *req then points
 * at, when the request is one we can read; engine and actor, then the
 * request, then the result struct. */
static int
check_call(const gdpr_engine *eng, const gdpr_actor *who, const gdpr_transfer_request **req,
           gdpr_transfer_request *copy, const gdpr_transfer_result *out)
{
    int rc = GDPR_OK;

    if (eng != NULL && *req != NULL && (*req)->version == GDPR_TRANSFER_REQUEST_VERSION) {
        *copy = **req;
        *req = copy;
        rc = gdpr_clock__arg(eng, "req.at", &copy->at);
    }
    if (rc == GDPR_OK)
        rc = gdpr_engine__enter(eng, who);
    if (rc == GDPR_OK)
        rc = check_request(*req);
    if (rc == GDPR_OK)
        rc = check_result(out);
    return rc;
}

GDPR_API int
gdpr_transfer_check_v2(gdpr_engine *eng, const gdpr_actor *who, const gdpr_transfer_request *req,
                       gdpr_transfer_result *out)
{
    gdpr_transfer_request copy;
    int rc = check_call(eng, who, &req, &copy, out);

    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = check_locked(eng, who, req, "req.recipient", out);
    return gdpr_engine__unlock(eng, rc);
}

GDPR_API int
gdpr_transfer_check(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                    const char *recipient, int64_t at, gdpr_transfer_decision *out)
{
    gdpr_transfer_request req = GDPR_TRANSFER_REQUEST_INIT;
    gdpr_transfer_result res = GDPR_TRANSFER_RESULT_INIT;
    int rc;

    if (gdpr_engine__check_given(eng, out != NULL, "out") != GDPR_OK)
        return GDPR_EINVAL;
    rc = gdpr_engine__check_actor(who);
    if (rc == GDPR_OK)
        rc = gdpr_text__check("subject", subject, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = gdpr_text__check("recipient", recipient, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = gdpr_transfer__arg_instant(eng, "at", &at);
    if (rc != GDPR_OK)
        return rc;
    req.subject = subject;
    req.recipient = recipient;
    req.at = at;
    gdpr_engine__lock(eng);
    rc = gdpr_engine__unlock(eng, check_locked(eng, who, &req, "recipient", &res));
    if (rc != GDPR_OK)
        return rc;
    out->allowed = res.allowed;
    out->mechanism = res.mechanism;
    memcpy(out->reason, res.reason, sizeof out->reason);
    return GDPR_OK;
}

/* --- how occasional (Art. 49) ---------------------------------------------- */

static int
count_locked(gdpr_engine *eng, const char *recipient, int64_t at, gdpr_transfer_count_info *out)
{
    static const uint8_t nobody[CRYPTO_HASH_BYTES];
    const policy_recipient *r;
    store_transfer_count c;
    int rc = gdpr_engine__require_policy(eng);

    if (rc != GDPR_OK)
        return rc;
    r = gdpr_policy__find_recipient(eng->policy, recipient);
    if (r == NULL)
        return gdpr__err_set(GDPR_EINVAL, "recipient: '%.64s' is not a recipient of the policy",
                             recipient);
    out->bounded = r->has_occasional_limit;
    out->max_transfers = r->max_transfers;
    out->max_subjects = r->max_subjects;
    out->per[0] = '\0';
    out->window_after = 0;
    out->window_until = at;
    out->transfers = out->subjects = 0;
    if (!r->has_occasional_limit)
        return GDPR_OK;
    copy_text(out->per, sizeof out->per, r->occasional_per_text);
    out->window_after = occasional_window(r, at);
    rc = gdpr_store__transfer_count(eng->st, r->id, out->window_after, at, nobody, &c);
    if (rc != GDPR_OK)
        return rc;
    if (out->window_after < 0)
        out->window_after = 0;
    out->transfers = c.transfers;
    out->subjects = c.subjects;
    return GDPR_OK;
}

GDPR_API int
gdpr_transfer_count(gdpr_engine *eng, const char *recipient, int64_t at,
                    gdpr_transfer_count_info *out)
{
    int rc;

    if (gdpr_engine__check_given(eng, out != NULL, "out") != GDPR_OK)
        return GDPR_EINVAL;
    if (out->version == 0 || out->version > GDPR_TRANSFER_COUNT_VERSION)
        return gdpr__err_set(GDPR_EVERSION, "out.version: %u is not a known version (1..%u)",
                             out->version, GDPR_TRANSFER_COUNT_VERSION);
    rc = gdpr_text__check("recipient", recipient, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = gdpr_transfer__arg_instant(eng, "at", &at);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = count_locked(eng, recipient, at, out);
    return gdpr_engine__unlock(eng, rc);
}

/* --- record ----------------------------------------------------------------- */

static int
role_allows(const gdpr_engine *eng, const gdpr_actor *who, permission perm)
{
    const policy_role *role = gdpr_policy__find_role(eng->policy, who->role);
    return role != NULL && gdpr_policy__role_allows(role, perm);
}

static int
record_locked(gdpr_engine *eng, const gdpr_actor *who, const gdpr_transfer_request *req,
              gdpr_transfer_result *out)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    transfer_state *t = NULL;
    transfer_recipient *tr = NULL;
    store_transfer_row row;
    decide_in in;
    char ref[96];
    int rc = gdpr_engine__require_policy(eng);

    if (rc == GDPR_OK)
        rc = gdpr_engine__subject_hash(eng, req->subject, hash);
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_TRANSFER_RECORD, hash);
    if (rc == GDPR_OK)
        rc = resolve_categories(eng->policy, req, &in);
    /* The decision only reads, and every refusal comes before the first
     * write (the subject, the log row, the audit event): inside a batch
     * the call needs no savepoint (docs/decisions/0011-snapshot-reads.md). */
    if (rc == GDPR_OK)
        rc = gdpr_engine__begin_checked(eng);
    if (rc != GDPR_OK)
        return rc;
    /* Inside the write transaction: no other engine can change the list
     * or the safeguards between the decision and its log entry. */
    rc = gdpr_transfer__state_ready(eng, &t);
    if (rc == GDPR_OK)
        rc = gdpr_transfer__state_sync(eng, t);
    if (rc == GDPR_OK)
        rc = ready(eng, &t);
    if (rc == GDPR_OK)
        rc = recipient_of(t, "req.recipient", req->recipient, &tr);
    in.subject = req->subject;
    in.hash = hash;
    in.at = req->at;
    in.flags = req->version >= 2 ? req->flags : 0;
    if (rc == GDPR_OK)
        rc = decide(eng, t, tr, &in, out);
    if (rc == GDPR_OK && is_derogation(out->mechanism) &&
        !role_allows(eng, who, PERM_TRANSFER_APPROVE)) {
        /* Undo first: the refusal is audited in a transaction of its own. */
        gdpr_engine__end(eng, GDPR_EDENIED);
        rc = gdpr_engine__authorize(eng, who, PERM_TRANSFER_APPROVE, hash);
        return rc != GDPR_OK ? gdpr__err_wrap(rc, "an Art. 49 transfer (%s) needs approval",
                                              mechanisms[out->mechanism].article)
                             : gdpr__err_set(GDPR_EDENIED, "an Art. 49 transfer needs approval");
    }
    if (rc == GDPR_OK)
        rc = gdpr_engine__subject_ensure_hashed(eng, req->subject, hash, NULL, NULL);
    if (rc == GDPR_OK) {
        memset(&row, 0, sizeof row);
        row.at = req->at;
        row.recipient = tr->r->id;
        row.country = tr->r->country;
        row.mechanism = mechanisms[out->mechanism].name;
        row.reference = out->reference[0] ? out->reference : NULL;
        row.allowed = out->allowed;
        row.reason = out->reason;
        rc = gdpr_store__transfer_insert(eng->st, hash, &row, gdpr_engine__now(eng), who->id,
                                         &out->event);
    }
    if (rc == GDPR_OK) {
        snprintf(ref, sizeof ref, "transfer %lld: %s", (long long)out->event,
                 mechanisms[out->mechanism].name);
        rc = gdpr_audit__append(eng, who, gdpr_permission__name(PERM_TRANSFER_RECORD), hash,
                                GDPR_OK, ref);
    }
    return gdpr_engine__end(eng, rc);
}

GDPR_API int
gdpr_transfer_record(gdpr_engine *eng, const gdpr_actor *who, const gdpr_transfer_request *req,
                     gdpr_transfer_result *out)
{
    gdpr_transfer_request copy;
    int rc = check_call(eng, who, &req, &copy, out);

    if (rc != GDPR_OK)
        return rc;
    out->event = 0;
    gdpr_engine__lock(eng);
    rc = record_locked(eng, who, req, out);
    if (rc != GDPR_OK)
        out->event = 0;
    return gdpr_engine__unlock(eng, rc);
}

/* --- the log ------------------------------------------------------------- */

typedef struct {
    gdpr_transfer_fn fn;
    void *ctx;
    const uint8_t *hash; /* per-subject walk */
} log_walk;

static int
log_entry(const store_transfer_row *row, const uint8_t *subject_hash, void *ctx)
{
    log_walk *w = ctx;
    char hex[2 * CRYPTO_HASH_BYTES + 1];
    gdpr_transfer_entry e;
    int m;

    gdpr__hex_encode(subject_hash, CRYPTO_HASH_BYTES, hex);
    memset(&e, 0, sizeof e);
    e.id = row->id;
    e.at = row->at;
    e.subject_hash = hex;
    e.recipient = row->recipient;
    e.country = row->country;
    e.mechanism = GDPR_TRANSFER_REFUSED;
    for (m = 0; m < N_MECHANISMS; m++)
        if (strcmp(mechanisms[m].name, row->mechanism) == 0)
            e.mechanism = m;
    e.reference = row->reference ? row->reference : "";
    e.allowed = row->allowed;
    e.reason = row->reason;
    return w->fn(&e, w->ctx) != 0 ? 1 : 0;
}

static int
log_entry_subject(const store_transfer_row *row, void *ctx)
{
    return log_entry(row, ((log_walk *)ctx)->hash, ctx);
}

GDPR_API int
gdpr_transfer_log(gdpr_engine *eng, const char *subject, gdpr_transfer_fn fn, void *ctx)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    log_walk w;
    int rc = GDPR_OK;

    if (gdpr_engine__check_given(eng, fn != NULL, "fn") != GDPR_OK)
        return GDPR_EINVAL;
    if (subject != NULL)
        rc = gdpr_text__check("subject", subject, GDPR_NAME_MAX);
    if (rc != GDPR_OK)
        return rc;
    w.fn = fn;
    w.ctx = ctx;
    w.hash = NULL;
    gdpr_engine__lock(eng);
    if (subject == NULL) {
        rc = gdpr_store__transfer_foreach_all(eng->st, 0, log_entry, &w);
    } else {
        rc = gdpr_engine__subject_hash(eng, subject, hash);
        w.hash = hash;
        if (rc == GDPR_OK)
            rc = gdpr_store__transfer_foreach(eng->st, hash, log_entry_subject, &w);
    }
    return gdpr_engine__unlock(eng, rc);
}

/* --- safeguards at run time ---------------------------------------------- */

static int
check_safeguard(const gdpr_safeguard *sg)
{
    int rc;

    if (sg == NULL)
        return gdpr__err_set(GDPR_EINVAL, "sg: must not be NULL");
    if (sg->version == 0 || sg->version > GDPR_SAFEGUARD_VERSION)
        return gdpr__err_set(GDPR_EVERSION,
                             "sg.version: %u is not a known safeguard version (1..%u)", sg->version,
                             GDPR_SAFEGUARD_VERSION);
    rc = gdpr_text__check("sg.recipient", sg->recipient, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = gdpr_text__check("sg.reference", sg->reference, REFERENCE_MAX);
    if (rc == GDPR_OK)
        rc = gdpr_transfer__check_instant("sg.valid_from", sg->valid_from);
    if (rc != GDPR_OK)
        return rc;
    if (!is_safeguard_mechanism(sg->type))
        return gdpr__err_set(GDPR_EINVAL,
                             "sg.type: %d is not an Art. 46 safeguard "
                             "(GDPR_TRANSFER_SCC .. GDPR_TRANSFER_ADHOC)",
                             sg->type);
    if (sg->type == GDPR_TRANSFER_SCC && (sg->module < 1 || sg->module > 4))
        return gdpr__err_set(GDPR_EINVAL,
                             "sg.module: %d; SCC module must be 1, 2, 3 or 4 "
                             "(Decision (EU) 2021/914)",
                             sg->module);
    if (sg->type != GDPR_TRANSFER_SCC && sg->module != 0)
        return gdpr__err_set(GDPR_EINVAL, "sg.module: %d; only SCCs have a module (give 0)",
                             sg->module);
    if (sg->valid_until != 0) {
        rc = gdpr_transfer__check_instant("sg.valid_until", sg->valid_until);
        if (rc != GDPR_OK)
            return rc;
        if (sg->valid_until < sg->valid_from)
            return gdpr__err_set(GDPR_EINVAL, "sg.valid_until: ends before sg.valid_from");
    }
    return GDPR_OK;
}

/* Takes the lock and opens the batch of a safeguard change: policy loaded, the
 * recipient (when given) in it, the actor allowed. Unlocks again on failure. */
static int
safeguard_begin(gdpr_engine *eng, const gdpr_actor *who, const char *recipient)
{
    int rc;

    gdpr_engine__lock(eng);
    rc = gdpr_engine__require_policy(eng);
    if (rc == GDPR_OK && recipient != NULL &&
        gdpr_policy__find_recipient(eng->policy, recipient) == NULL)
        rc = gdpr__err_set(GDPR_EINVAL, "sg.recipient: '%.64s' is not a recipient of the policy",
                           recipient);
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_SAFEGUARD_MANAGE, NULL);
    if (rc == GDPR_OK)
        rc = gdpr_engine__begin(eng);
    if (rc != GDPR_OK)
        return gdpr_engine__unlock(eng, rc);
    return GDPR_OK;
}

/* Ends the batch safeguard_begin opened, drops the cached verdicts once it
 * committed, and unlocks. */
static int
safeguard_end(gdpr_engine *eng, int rc)
{
    rc = gdpr_engine__end(eng, rc);
    if (rc == GDPR_OK)
        gdpr_transfer__state_invalidate(gdpr_engine__module_state(eng, &gdpr_transfer__module));
    return gdpr_engine__unlock(eng, rc);
}

GDPR_API int
gdpr_safeguard_add(gdpr_engine *eng, const gdpr_actor *who, const gdpr_safeguard *sg,
                   int64_t *id_out)
{
    store_safeguard_row row;
    int64_t id = 0;
    char ref[320];
    int rc;

    if (id_out)
        *id_out = 0;
    gdpr_safeguard copy;

    rc = gdpr_engine__enter(eng, who);
    if (rc == GDPR_OK && sg != NULL && sg->version == GDPR_SAFEGUARD_VERSION) {
        copy = *sg;
        sg = &copy;
        rc = gdpr_clock__arg(eng, "sg.valid_from", &copy.valid_from);
    }
    if (rc == GDPR_OK)
        rc = check_safeguard(sg);
    if (rc != GDPR_OK)
        return rc;
    rc = safeguard_begin(eng, who, sg->recipient);
    if (rc != GDPR_OK)
        return rc;
    memset(&row, 0, sizeof row);
    row.recipient = sg->recipient;
    row.type =
        gdpr_policy__safeguard_name((policy_safeguard_type)safeguard_type_of_mechanism(sg->type));
    row.module = sg->module;
    row.reference = sg->reference;
    row.valid_from = sg->valid_from;
    row.valid_until = sg->valid_until;
    row.added_at = gdpr_engine__now(eng);
    row.added_by = who->id;
    rc = gdpr_store__safeguard_insert(eng->st, &row, &id);
    if (rc == GDPR_OK)
        rc = gdpr_transfer__generation_bump(eng);
    snprintf(ref, sizeof ref, "safeguard %lld: %s for %.*s", (long long)id, row.type,
             CLIP(sg->recipient, 64));
    if (rc == GDPR_OK)
        rc = gdpr_audit__append(eng, who, gdpr_permission__name(PERM_SAFEGUARD_MANAGE), NULL,
                                GDPR_OK, ref);
    rc = safeguard_end(eng, rc);
    if (rc == GDPR_OK && id_out)
        *id_out = id;
    return rc;
}

GDPR_API int
gdpr_safeguard_revoke(gdpr_engine *eng, const gdpr_actor *who, int64_t id)
{
    char *recipient = NULL;
    char ref[320];
    int rc;

    rc = gdpr_engine__enter(eng, who);
    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_text__check_id("id", "a safeguard id", id);
    if (rc != GDPR_OK)
        return rc;
    rc = safeguard_begin(eng, who, NULL);
    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_store__safeguard_revoke(eng->st, id, gdpr_engine__now(eng), who->id, &recipient);
    if (rc == GDPR_OK)
        rc = gdpr_transfer__generation_bump(eng);
    if (rc == GDPR_OK) {
        snprintf(ref, sizeof ref, "safeguard %lld revoked (%.*s)", (long long)id,
                 CLIP(recipient, 64));
        rc = gdpr_audit__append(eng, who, gdpr_permission__name(PERM_SAFEGUARD_MANAGE), NULL,
                                GDPR_OK, ref);
    }
    free(recipient);
    return safeguard_end(eng, rc);
}

static int
emit_safeguards(const transfer_recipient *tr, gdpr_safeguard_fn fn, void *ctx)
{
    for (size_t k = 0; k < tr->n_sg; k++) {
        const cached_safeguard *sg = &tr->sg[k];
        gdpr_safeguard_info info;
        int stop;

        memset(&info, 0, sizeof info);
        info.id = sg->id;
        info.recipient = tr->r->id;
        info.type = sg->mechanism;
        info.module = sg->module;
        info.reference = sg->reference;
        info.valid_from = sg->from;
        info.valid_until = sg->until;
        info.revoked_at = sg->revoked_at;
        stop = fn(&info, ctx);
        if (stop != 0)
            return gdpr__err_set(GDPR_ECALLBACK,
                                 "safeguard iterator stopped at a safeguard of '%.64s'", tr->r->id);
    }
    return GDPR_OK;
}

GDPR_API int
gdpr_safeguard_foreach(gdpr_engine *eng, const char *recipient, gdpr_safeguard_fn fn, void *ctx)
{
    transfer_state *t = NULL;
    int rc = GDPR_OK;

    if (gdpr_engine__check_given(eng, fn != NULL, "fn") != GDPR_OK)
        return GDPR_EINVAL;
    if (recipient != NULL)
        rc = gdpr_text__check("recipient", recipient, GDPR_NAME_MAX);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = gdpr_engine__require_policy(eng);
    if (rc == GDPR_OK)
        rc = gdpr_transfer__state_ready(eng, &t);
    if (rc == GDPR_OK)
        rc = gdpr_transfer__state_sync(eng, t);
    if (rc == GDPR_OK)
        rc = ready(eng, &t);
    if (rc == GDPR_OK && recipient != NULL) {
        const transfer_recipient *tr = find_cached(t, recipient);
        rc = tr ? emit_safeguards(tr, fn, ctx)
                : gdpr__err_set(GDPR_EINVAL, "recipient: '%.64s' is not a recipient of the policy",
                                recipient);
    } else if (rc == GDPR_OK) {
        for (size_t i = 0; rc == GDPR_OK && i < t->n_recipients; i++)
            rc = emit_safeguards(&t->recipients[i], fn, ctx);
    }
    return gdpr_engine__unlock(eng, rc);
}
