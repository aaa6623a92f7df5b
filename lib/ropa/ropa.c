/*
 * The record of processing activities (include/gdpr/ropa.h, docs/ropa.md):
 * Art. 30(1)(a)-(g) from the policy in force, the adequacy list and the
 * safeguards register, one entry per purpose, as JSON or as CSV with the
 * columns of the UK ICO's documentation template for controllers.
 * This capability may use transfer (tests/layers/layers.py): it asks the
 * adequacy list and the safeguards through their public calls.
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "error.h"
#include "gdpr/ropa.h"
#include "gdpr/transfer.h"
#include "sink.h"

/* The columns of the ICO's "Documentation template for controllers"
 * (sheet Template, row 9, columns A to AD, in order; docs/ropa.md cites
 * the template), then Art. 30(1)(a)'s contact block, which the template
 * keeps in rows 1-6 above the table. */
static const char *const ico_columns[] = {
    "Business function",
    "Purpose of processing",
    "Name and contact details of joint controller (if applicable)",
    "Categories of individuals",
    "Categories of personal data",
    "Categories of recipients",
    "Link to contract with processor",
    "Names of third countries or international organisations that personal data are "
    "transferred to (if applicable)",
    "Safeguards for exceptional transfers of personal data to third countries or international "
    "organisations (if applicable)",
    "Retention schedule (if possible)",
    "General description of technical and organisational security measures (if possible)",
    "Article 6 lawful basis for processing personal data",
    "Article 9 condition for processing special category data",
    "Legitimate interests for the processing (if applicable)",
    "Link to record of legitimate interests assessment (if applicable)",
    "Rights available to individuals",
    "Existence of automated decision-making, including profiling (if applicable)",
    "The source of the personal data (if applicable)",
    "Link to record of consent",
    "Location of personal data",
    "Data Protection Impact Assessment required?",
    "Data Protection Impact Assessment progress",
    "Link to Data Protection Impact Assessment",
    "Has a personal data breach occurred?",
    "Link to record of personal data breach",
    "Data Protection Act 2018 Schedule 1 Condition for processing",
    "GDPR Article 6 lawful basis for processing",
    "Link to retention and erasure policy document",
    "Is personal data retained and erased in accordance with the policy document?",
    "Reasons for not adhering to policy document (if applicable)",
    "Controller name and contact details",
    "Data protection officer",
    "Representative (Art. 27)",
};
#define ICO_COLUMNS 30

/* A growing text for one CSV cell; "; " between items. */
typedef struct {
    char *s;
    size_t len, cap;
    int failed;
} cell;

static void cell_vput(cell *c, const char *fmt, va_list ap) GDPR_PRINTF(2, 0);
static void cell_put(cell *c, const char *fmt, ...) GDPR_PRINTF(2, 3);

static void
cell_sep(cell *c)
{
    cell_put(c, "%s", "; ");
}

/* Append formatted text as is. */
static void
cell_vput(cell *c, const char *fmt, va_list ap)
{
    va_list again;
    int n;

    if (c->failed)
        return;
    va_copy(again, ap);
    n = vsnprintf(c->s ? c->s + c->len : NULL, c->s ? c->cap - c->len : 0, fmt, ap);
    if (n >= 0 && c->len + (size_t)n >= c->cap) {
        size_t cap = (c->len + (size_t)n + 64) * 2;
        char *s = realloc(c->s, cap);
        if (s == NULL) {
            c->failed = 1;
        } else {
            c->s = s;
            c->cap = cap;
            n = vsnprintf(c->s + c->len, c->cap - c->len, fmt, again);
        }
    }
    va_end(again);
    if (n < 0)
        c->failed = 1;
    else if (!c->failed)
        c->len += (size_t)n;
}

static void
cell_put(cell *c, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cell_vput(c, fmt, ap);
    va_end(ap);
}

/* Add one item: "; " before it unless it is the first. */
static void cell_add(cell *c, const char *fmt, ...) GDPR_PRINTF(2, 3);

static void
cell_add(cell *c, const char *fmt, ...)
{
    va_list ap;

    if (c->len > 0)
        cell_sep(c);
    va_start(ap, fmt);
    cell_vput(c, fmt, ap);
    va_end(ap);
}

static const char *
cell_text(const cell *c)
{
    return c->len ? c->s : "";
}

static void
cell_reset(cell *c)
{
    c->len = 0;
    if (c->s)
        c->s[0] = '\0';
}

/* --- transfers ---------------------------------------------------------- */

typedef struct {
    int64_t at;
    cell *refs;
    int found;
} safeguard_walk;

static int
safeguard_row(const gdpr_safeguard_info *sg, void *ctx)
{
    safeguard_walk *w = ctx;

    if (sg->valid_from > w->at || (sg->valid_until != 0 && w->at > sg->valid_until) ||
        (sg->revoked_at != 0 && sg->revoked_at <= w->at))
        return 0;
    w->found = 1;
    if (sg->module > 0)
        cell_add(w->refs, "%s module %d: %s", gdpr_transfer_mechanism_name(sg->type), sg->module,
                 sg->reference);
    else
        cell_add(w->refs, "%s: %s", gdpr_transfer_mechanism_name(sg->type), sg->reference);
    return 0;
}

static int
in_scope(const gdpr_adequacy_entry *e, const policy_recipient *r, int64_t at)
{
    if (strcmp(e->scope, "certified") == 0)
        return r->dpf_certified && r->dpf_from <= at && (r->dpf_until == 0 || at <= r->dpf_until);
    if (strcmp(e->scope, "commercial") == 0)
        return r->commercial;
    if (strcmp(e->scope, "private_sector") == 0)
        return strcmp(r->kind, "public_body") != 0;
    return 1;
}

/* The ground of a transfer to `r` at `at`: *mechanism_out "eea" (no
 * transfer), "adequacy", "safeguards", "derogation" or "none", with the
 * references in `refs`. */
static int
transfer_ground(gdpr_engine *eng, const policy_recipient *r, int64_t at, const char **mechanism_out,
                cell *refs)
{
    gdpr_adequacy_entry e;
    safeguard_walk w = {at, refs, 0};
    int rc = gdpr_adequacy_find(eng, r->country, at, &e);

    cell_reset(refs);
    if (rc == GDPR_OK && e.mechanism == GDPR_TRANSFER_EEA) {
        *mechanism_out = "eea";
        return GDPR_OK;
    }
    if (rc == GDPR_OK && in_scope(&e, r, at)) {
        *mechanism_out = "adequacy";
        cell_add(refs, "%s", e.reference);
        return GDPR_OK;
    }
    if (rc != GDPR_OK && rc != GDPR_ENOTFOUND)
        return rc;
    rc = gdpr_safeguard_foreach(eng, r->id, safeguard_row, &w);
    if (rc != GDPR_OK)
        return rc;
    if (w.found) {
        *mechanism_out = "safeguards";
        return GDPR_OK;
    }
    if (r->derogation != NULL) {
        *mechanism_out = "derogation";
        cell_add(refs, "Art. %s%s", r->derogation, r->occasional ? " (occasional)" : "");
        return GDPR_OK;
    }
    *mechanism_out = "none";
    return GDPR_OK;
}

/* --- breaches (columns 24, 25) ---------------------------------------------- */

/* Breaches of the register whose categories of data include one of the
 * purpose's categories: the record's "has a personal data breach
 * occurred?" answered from the breach register (docs/breach.md). */
typedef struct {
    const policy_purpose *pu;
    cell *ids;  /* CSV: "1; 3" */
    sink *json; /* JSON: array elements */
    int64_t n;
} breach_walk;

static int
category_listed(const char *list, const char *id)
{
    size_t n = strlen(id);

    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, id, n) == 0)
            return 1;
        p += len + (end != NULL);
    }
    return 0;
}

static int
breach_row(const store_breach_row *b, void *ctx)
{
    breach_walk *w = ctx;

    for (size_t i = 0; i < w->pu->n_categories; i++)
        if (category_listed(b->categories, w->pu->categories[i])) {
            if (w->json != NULL)
                gdpr_sink__int64(w->json, b->id);
            else
                cell_add(w->ids, "%lld", (long long)b->id);
            w->n++;
            break;
        }
    return 0;
}

static int
breaches_of(gdpr_engine *eng, const policy_purpose *pu, cell *ids, sink *json, int64_t *n_out)
{
    breach_walk w = {pu, ids, json, 0};
    int rc;

    if (ids != NULL)
        cell_reset(ids);
    rc = gdpr_store__breach_foreach(eng->st, 0, 0, breach_row, &w);
    *n_out = w.n;
    return rc;
}

/* --- rights (column 16) --------------------------------------------------- */

/* The rights a subject has under the purpose's basis: access, rectification
 * and restriction always (Art. 15, 16, 18); erasure unless the processing
 * is needed for a legal obligation or a public task (Art. 17(3)(b));
 * portability under consent or contract (Art. 20(1)(a)); objection under
 * public task or legitimate interests (Art. 21(1)) and for direct
 * marketing (Art. 21(2)); withdrawal under consent (Art. 7(3)); Art. 22
 * where a decision is automated. */
static void
rights_of(const policy_purpose *pu, void (*add)(void *ctx, const char *right), void *ctx)
{
    policy_basis b = pu->basis;

    add(ctx, "access (Art. 15)");
    add(ctx, "rectification (Art. 16)");
    if (b != BASIS_LEGAL_OBLIGATION && b != BASIS_PUBLIC_TASK)
        add(ctx, "erasure (Art. 17)");
    add(ctx, "restriction (Art. 18)");
    if (b == BASIS_CONSENT || b == BASIS_CONTRACT)
        add(ctx, "portability (Art. 20)");
    if (b == BASIS_PUBLIC_TASK || b == BASIS_LEGITIMATE_INTERESTS || pu->direct_marketing)
        add(ctx, "objection (Art. 21)");
    if (b == BASIS_CONSENT)
        add(ctx, "withdrawal of consent (Art. 7(3))");
    if (pu->automated_decision != NULL)
        add(ctx, "not to be subject to a solely automated decision (Art. 22)");
}

static void
right_to_sink(void *ctx, const char *right)
{
    gdpr_sink__string(ctx, right);
}

static void
right_to_cell(void *ctx, const char *right)
{
    cell_add(ctx, "%s", right);
}

/* --- one entry ------------------------------------------------------------ */

typedef struct {
    gdpr_engine *eng;
    const policy_model *p;
    sink out;
    int64_t at;
    cell c, refs;
} ropa;

static void
retention_text(const policy_retention *rr, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s: %s %s from %s, then %s%s", rr->id, rr->category, rr->period_text,
             gdpr_policy__anchor_name(rr->anchor), gdpr_policy__action_name(rr->action),
             rr->legal_duty ? " (kept under a legal duty, Art. 17(3)(b))" : "");
}

static int
json_activity(ropa *r, const policy_purpose *pu, const policy_ropa_activity *a)
{
    const policy_model *p = r->p;
    sink *o = &r->out;
    int rc = GDPR_OK;

    gdpr_sink__open(o, '{');
    gdpr_sink__key(o, "purpose");
    gdpr_sink__string(o, pu->id);
    gdpr_sink__key(o, "description");
    gdpr_sink__string(o, pu->description);
    gdpr_sink__key(o, "business_function");
    gdpr_sink__string(o, a->business_function);
    gdpr_sink__key(o, "legal_basis");
    gdpr_sink__string(o, gdpr_policy__basis_name(pu->basis));
    gdpr_sink__key(o, "art9_condition");
    {
        char cond[2] = {pu->art9, '\0'};
        gdpr_sink__string(o, pu->art9 ? cond : NULL);
    }
    gdpr_sink__key(o, "joint_controllers");
    gdpr_sink__open(o, '[');
    for (size_t j = 0; j < p->ropa.n_joint; j++)
        for (size_t k = 0; k < p->ropa.joint[j].n_purposes; k++)
            if (strcmp(p->ropa.joint[j].purposes[k], pu->id) == 0)
                gdpr_sink__string(o, p->ropa.joint[j].name);
    gdpr_sink__close(o, ']');
    gdpr_sink__key(o, "data_subjects");
    gdpr_sink__open(o, '[');
    for (size_t i = 0; i < a->n_data_subjects; i++)
        for (size_t d = 0; d < p->ropa.n_data_subjects; d++)
            if (strcmp(p->ropa.data_subjects[d].id, a->data_subjects[i]) == 0) {
                gdpr_sink__open(o, '{');
                gdpr_sink__key(o, "id");
                gdpr_sink__string(o, p->ropa.data_subjects[d].id);
                gdpr_sink__key(o, "description");
                gdpr_sink__string(o, p->ropa.data_subjects[d].description);
                gdpr_sink__close(o, '}');
            }
    gdpr_sink__close(o, ']');
    gdpr_sink__key(o, "data_categories");
    gdpr_sink__open(o, '[');
    for (size_t i = 0; i < pu->n_categories; i++) {
        const policy_category *cat = gdpr_policy__find_category(p, pu->categories[i]);
        gdpr_sink__open(o, '{');
        gdpr_sink__key(o, "id");
        gdpr_sink__string(o, pu->categories[i]);
        gdpr_sink__key(o, "description");
        gdpr_sink__string(o, cat ? cat->description : NULL);
        gdpr_sink__key(o, "special");
        gdpr_sink__bool(o, cat && cat->special);
        gdpr_sink__close(o, '}');
    }
    gdpr_sink__close(o, ']');
    gdpr_sink__key(o, "recipients");
    gdpr_sink__open(o, '[');
    for (size_t i = 0; i < a->n_recipients; i++) {
        const policy_recipient *rc_ = gdpr_policy__find_recipient(p, a->recipients[i]);
        gdpr_sink__open(o, '{');
        gdpr_sink__key(o, "id");
        gdpr_sink__string(o, rc_->id);
        gdpr_sink__key(o, "name");
        gdpr_sink__string(o, rc_->name);
        gdpr_sink__key(o, "kind");
        gdpr_sink__string(o, rc_->kind);
        gdpr_sink__key(o, "country");
        gdpr_sink__string(o, rc_->country);
        gdpr_sink__close(o, '}');
    }
    gdpr_sink__close(o, ']');
    gdpr_sink__key(o, "transfers");
    gdpr_sink__open(o, '[');
    for (size_t i = 0; rc == GDPR_OK && i < a->n_recipients; i++) {
        const policy_recipient *rec = gdpr_policy__find_recipient(p, a->recipients[i]);
        const char *mech;
        rc = transfer_ground(r->eng, rec, r->at, &mech, &r->refs);
        if (rc != GDPR_OK || strcmp(mech, "eea") == 0)
            continue;
        gdpr_sink__open(o, '{');
        gdpr_sink__key(o, "recipient");
        gdpr_sink__string(o, rec->id);
        gdpr_sink__key(o, "country");
        gdpr_sink__string(o, rec->country);
        gdpr_sink__key(o, "mechanism");
        gdpr_sink__string(o, mech);
        gdpr_sink__key(o, "reference");
        gdpr_sink__string(o, r->refs.len ? cell_text(&r->refs) : NULL);
        gdpr_sink__close(o, '}');
    }
    gdpr_sink__close(o, ']');
    gdpr_sink__key(o, "retention");
    gdpr_sink__open(o, '[');
    for (size_t i = 0; i < p->n_retention; i++)
        if (strcmp(p->retention[i].purpose, pu->id) == 0) {
            const policy_retention *rr = &p->retention[i];
            gdpr_sink__open(o, '{');
            gdpr_sink__key(o, "rule");
            gdpr_sink__string(o, rr->id);
            gdpr_sink__key(o, "category");
            gdpr_sink__string(o, rr->category);
            gdpr_sink__key(o, "period");
            gdpr_sink__string(o, rr->period_text);
            gdpr_sink__key(o, "anchor");
            gdpr_sink__string(o, gdpr_policy__anchor_name(rr->anchor));
            gdpr_sink__key(o, "action");
            gdpr_sink__string(o, gdpr_policy__action_name(rr->action));
            gdpr_sink__key(o, "legal_duty");
            gdpr_sink__bool(o, rr->legal_duty);
            gdpr_sink__close(o, '}');
        }
    gdpr_sink__close(o, ']');
    gdpr_sink__key(o, "security_measures");
    gdpr_sink__string(o, p->ropa.security.summary);
    gdpr_sink__key(o, "rights");
    gdpr_sink__open(o, '[');
    rights_of(pu, right_to_sink, o);
    gdpr_sink__close(o, ']');
    gdpr_sink__key(o, "automated_decision");
    gdpr_sink__string(o, pu->automated_decision);
    gdpr_sink__key(o, "source");
    gdpr_sink__string(o, a->source);
    gdpr_sink__key(o, "location");
    gdpr_sink__string(o, a->location);
    if (rc == GDPR_OK) {
        int64_t n = 0;
        gdpr_sink__key(o, "breaches");
        gdpr_sink__open(o, '[');
        rc = breaches_of(r->eng, pu, NULL, o, &n);
        gdpr_sink__close(o, ']');
    }
    gdpr_sink__close(o, '}');
    return rc;
}

static void
contact_cell(cell *c, const char *name, const char *contact)
{
    cell_reset(c);
    if (name != NULL)
        cell_add(c, "%s (%s)", name, contact ? contact : "");
}

static int
csv_activity(ropa *r, const policy_purpose *pu, const policy_ropa_activity *a)
{
    const policy_model *p = r->p;
    sink *o = &r->out;
    cell *c = &r->c;
    cell countries = {0};
    int rc = GDPR_OK;

    gdpr_sink__csv_field(o, a->business_function);
    cell_reset(c);
    cell_add(c, "%s: %s", pu->id, pu->description);
    gdpr_sink__csv_field(o, cell_text(c));
    cell_reset(c);
    for (size_t j = 0; j < p->ropa.n_joint; j++)
        for (size_t k = 0; k < p->ropa.joint[j].n_purposes; k++)
            if (strcmp(p->ropa.joint[j].purposes[k], pu->id) == 0)
                cell_add(c, "%s (%s)", p->ropa.joint[j].name, p->ropa.joint[j].contact);
    gdpr_sink__csv_field(o, cell_text(c));
    cell_reset(c);
    for (size_t i = 0; i < a->n_data_subjects; i++)
        for (size_t d = 0; d < p->ropa.n_data_subjects; d++)
            if (strcmp(p->ropa.data_subjects[d].id, a->data_subjects[i]) == 0)
                cell_add(c, "%s", p->ropa.data_subjects[d].description);
    gdpr_sink__csv_field(o, cell_text(c));
    cell_reset(c);
    for (size_t i = 0; i < pu->n_categories; i++) {
        const policy_category *cat = gdpr_policy__find_category(p, pu->categories[i]);
        cell_add(c, "%s%s", cat && cat->description ? cat->description : pu->categories[i],
                 cat && cat->special ? " (special category)" : "");
    }
    gdpr_sink__csv_field(o, cell_text(c));
    cell_reset(c);
    for (size_t i = 0; i < a->n_recipients; i++) {
        const policy_recipient *rec = gdpr_policy__find_recipient(p, a->recipients[i]);
        cell_add(c, "%s (%s, %s)", rec->name, rec->kind, rec->country);
    }
    gdpr_sink__csv_field(o, cell_text(c));
    gdpr_sink__csv_field(o, NULL); /* 7: contracts are not in the policy */
    cell_reset(c);
    for (size_t i = 0; rc == GDPR_OK && i < a->n_recipients; i++) {
        const policy_recipient *rec = gdpr_policy__find_recipient(p, a->recipients[i]);
        const char *mech;
        rc = transfer_ground(r->eng, rec, r->at, &mech, &r->refs);
        if (rc != GDPR_OK || strcmp(mech, "eea") == 0)
            continue;
        cell_add(&countries, "%s (%s)", rec->country, rec->name);
        cell_add(c, "%s: %s%s%s", rec->id, mech, r->refs.len ? ", " : "", cell_text(&r->refs));
    }
    gdpr_sink__csv_field(o, cell_text(&countries));
    gdpr_sink__csv_field(o, cell_text(c));
    cell_reset(c);
    for (size_t i = 0; i < p->n_retention; i++)
        if (strcmp(p->retention[i].purpose, pu->id) == 0) {
            char text[512];
            retention_text(&p->retention[i], text, sizeof text);
            cell_add(c, "%s", text);
        }
    gdpr_sink__csv_field(o, cell_text(c));
    gdpr_sink__csv_field(o, p->ropa.security.summary);
    gdpr_sink__csv_field(o, gdpr_policy__basis_name(pu->basis));
    {
        char cond[24] = "";
        if (pu->art9)
            snprintf(cond, sizeof cond, "Art. 9(2)(%c)", pu->art9);
        gdpr_sink__csv_field(o, cond);
    }
    gdpr_sink__csv_field(o, pu->basis == BASIS_LEGITIMATE_INTERESTS ? pu->description : NULL);
    gdpr_sink__csv_field(o, NULL); /* 15: no LIA link in the policy */
    cell_reset(c);
    rights_of(pu, right_to_cell, c);
    gdpr_sink__csv_field(o, cell_text(c));
    gdpr_sink__csv_field(o, pu->automated_decision ? pu->automated_decision : "no");
    gdpr_sink__csv_field(o, a->source);
    cell_reset(c);
    if (pu->basis == BASIS_CONSENT)
        cell_add(c, "gdpr_consent_report / gdprctl consent report --purpose %s", pu->id);
    gdpr_sink__csv_field(o, cell_text(c));
    gdpr_sink__csv_field(o, a->location);
    for (int col = 21; col <= 23; col++)
        gdpr_sink__csv_field(o, NULL); /* DPIA columns: not in the policy */
    if (rc == GDPR_OK) {
        int64_t n = 0;
        rc = breaches_of(r->eng, pu, &r->refs, NULL, &n);
        cell_reset(c);
        if (n > 0)
            cell_add(c, "yes: breach %s", cell_text(&r->refs));
        else
            cell_add(c, "no breach recorded");
        gdpr_sink__csv_field(o, cell_text(c));
        gdpr_sink__csv_field(o, n > 0 ? "gdpr_breach_list / gdprctl breach list" : NULL);
    }
    gdpr_sink__csv_field(o, NULL); /* 26: UK DPA 2018 Schedule 1: not in the policy */
    gdpr_sink__csv_field(o, gdpr_policy__basis_name(pu->basis));
    for (int col = 28; col <= ICO_COLUMNS; col++)
        gdpr_sink__csv_field(o, NULL);
    contact_cell(c, p->controller.name, p->controller.contact);
    gdpr_sink__csv_field(o, cell_text(c));
    gdpr_sink__csv_field(o, p->controller.dpo);
    cell_reset(c);
    if (p->ropa.has_representative)
        cell_add(c, "%s (%s, %s)", p->ropa.representative.name, p->ropa.representative.contact,
                 p->ropa.representative.country);
    gdpr_sink__csv_field(o, cell_text(c));
    gdpr_sink__csv_end(o);
    if (c->failed || countries.failed || r->refs.failed)
        rc = gdpr__err_set(GDPR_ENOMEM, "out of memory writing the record of processing");
    free(countries.s);
    return rc;
}

static void
json_head(ropa *r, int64_t now)
{
    const policy_model *p = r->p;
    sink *o = &r->out;
    char updated[11] = "";
    int64_t adequacy_version = 0;

    (void)gdpr_adequacy_version(r->eng, updated, &adequacy_version);
    gdpr_sink__open(o, '{');
    gdpr_sink__key(o, "record");
    gdpr_sink__string(o, "GDPR Art. 30(1)");
    gdpr_sink__key(o, "generated");
    gdpr_sink__time(o, now);
    gdpr_sink__key(o, "as_of");
    gdpr_sink__time(o, r->at);
    gdpr_sink__key(o, "policy_version");
    gdpr_sink__int64(o, p->version);
    gdpr_sink__key(o, "adequacy_list");
    gdpr_sink__open(o, '{');
    gdpr_sink__key(o, "updated");
    gdpr_sink__string(o, updated[0] ? updated : NULL);
    gdpr_sink__key(o, "version");
    gdpr_sink__int64(o, adequacy_version);
    gdpr_sink__close(o, '}');
    gdpr_sink__key(o, "controller");
    gdpr_sink__open(o, '{');
    gdpr_sink__key(o, "name");
    gdpr_sink__string(o, p->controller.name);
    gdpr_sink__key(o, "contact");
    gdpr_sink__string(o, p->controller.contact);
    gdpr_sink__key(o, "country");
    gdpr_sink__string(o, p->controller.country);
    gdpr_sink__close(o, '}');
    gdpr_sink__key(o, "dpo");
    gdpr_sink__string(o, p->controller.dpo);
    gdpr_sink__key(o, "representative");
    if (!p->ropa.has_representative) {
        gdpr_sink__string(o, NULL);
    } else {
        gdpr_sink__open(o, '{');
        gdpr_sink__key(o, "name");
        gdpr_sink__string(o, p->ropa.representative.name);
        gdpr_sink__key(o, "contact");
        gdpr_sink__string(o, p->ropa.representative.contact);
        gdpr_sink__key(o, "country");
        gdpr_sink__string(o, p->ropa.representative.country);
        gdpr_sink__close(o, '}');
    }
    gdpr_sink__key(o, "joint_controllers");
    gdpr_sink__open(o, '[');
    for (size_t j = 0; j < p->ropa.n_joint; j++) {
        const policy_joint_controller *jc = &p->ropa.joint[j];
        gdpr_sink__open(o, '{');
        gdpr_sink__key(o, "name");
        gdpr_sink__string(o, jc->name);
        gdpr_sink__key(o, "contact");
        gdpr_sink__string(o, jc->contact);
        gdpr_sink__key(o, "purposes");
        gdpr_sink__open(o, '[');
        for (size_t k = 0; k < jc->n_purposes; k++)
            gdpr_sink__string(o, jc->purposes[k]);
        gdpr_sink__close(o, ']');
        gdpr_sink__key(o, "arrangement");
        gdpr_sink__string(o, jc->arrangement);
        gdpr_sink__close(o, '}');
    }
    gdpr_sink__close(o, ']');
    gdpr_sink__key(o, "security_measures");
    gdpr_sink__open(o, '{');
    gdpr_sink__key(o, "summary");
    gdpr_sink__string(o, p->ropa.security.summary);
    gdpr_sink__key(o, "measures");
    gdpr_sink__open(o, '[');
    for (size_t i = 0; i < p->ropa.security.n_measures; i++)
        gdpr_sink__string(o, p->ropa.security.measures[i]);
    gdpr_sink__close(o, ']');
    gdpr_sink__close(o, '}');
    gdpr_sink__key(o, "activities");
    gdpr_sink__open(o, '[');
}

/* GDPR_ESTATE naming the first section the record needs and lacks. */
static int
require_sections(const policy_model *p)
{
    if (p->ropa.n_data_subjects == 0)
        return gdpr__err_set(GDPR_ESTATE,
                             "policy: no 'data_subjects' section: the record needs the "
                             "categories of data subjects (Art. 30(1)(c)); see docs/ropa.md");
    if (p->ropa.n_activities == 0)
        return gdpr__err_set(GDPR_ESTATE,
                             "policy: no 'processing_record' section: each purpose needs its "
                             "categories of data subjects and recipients (Art. 30(1)(c), (d))");
    if (!p->ropa.has_security)
        return gdpr__err_set(GDPR_ESTATE,
                             "policy: no 'security_measures' section: the record describes "
                             "the Art. 32(1) measures (Art. 30(1)(g))");
    return GDPR_OK;
}

GDPR_API int
gdpr_ropa_export(gdpr_engine *eng, const gdpr_actor *who, int format, int64_t as_of,
                 gdpr_write_fn write, void *ctx)
{
    ropa *r;
    int64_t now;
    int rc;

    gdpr__err_clear();
    rc = gdpr_engine__enter(eng, who);
    if (rc != GDPR_OK)
        return rc;
    if (format != GDPR_EXPORT_JSON && format != GDPR_EXPORT_CSV)
        return gdpr__err_set(GDPR_EINVAL,
                             "format: %d is neither GDPR_EXPORT_JSON (1) nor GDPR_EXPORT_CSV (2)",
                             format);
    if (as_of != GDPR_NOW && (as_of <= 0 || as_of > INT64_C(253402300799)))
        return gdpr__err_set(GDPR_EINVAL,
                             "as_of: give UTC seconds between 1970 and 9999, or GDPR_NOW");
    if (write == NULL)
        return gdpr__err_set(GDPR_EINVAL, "write: must not be NULL");
    r = calloc(1, sizeof *r);
    if (r == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory for the record of processing");
    gdpr_engine__lock(eng);
    now = gdpr_engine__now(eng);
    r->eng = eng;
    r->at = as_of == GDPR_NOW ? now : as_of;
    gdpr_sink__init(&r->out, write, ctx);
    rc = gdpr_engine__require_policy(eng);
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_ROPA_EXPORT, NULL);
    if (rc == GDPR_OK) {
        r->p = eng->policy;
        rc = require_sections(r->p);
    }
    if (rc == GDPR_OK)
        rc = gdpr_engine__begin(eng);
    if (rc == GDPR_OK)
        rc = gdpr_engine__end(eng,
                              gdpr_audit__append(eng, who, gdpr_permission__name(PERM_ROPA_EXPORT),
                                                 NULL, GDPR_OK, "record of processing"));
    if (rc == GDPR_OK && format == GDPR_EXPORT_JSON) {
        json_head(r, now);
    } else if (rc == GDPR_OK) {
        for (size_t i = 0; i < sizeof ico_columns / sizeof ico_columns[0]; i++)
            gdpr_sink__csv_field(&r->out, ico_columns[i]);
        gdpr_sink__csv_end(&r->out);
    }
    for (size_t i = 0; rc == GDPR_OK && i < r->p->n_purposes; i++) {
        const policy_purpose *pu = &r->p->purposes[i];
        const policy_ropa_activity *a = gdpr_policy__find_activity(r->p, pu->id);
        rc = format == GDPR_EXPORT_JSON ? json_activity(r, pu, a) : csv_activity(r, pu, a);
        if (rc == GDPR_OK)
            rc = r->out.rc;
    }
    if (rc == GDPR_OK && format == GDPR_EXPORT_JSON) {
        gdpr_sink__close(&r->out, ']');
        gdpr_sink__close(&r->out, '}');
        gdpr_sink__raw(&r->out, "\n", 1);
    }
    if (rc == GDPR_OK)
        rc = gdpr_sink__flush(&r->out);
    free(r->c.s);
    free(r->refs.s);
    free(r);
    return gdpr_engine__unlock(eng, rc);
}
