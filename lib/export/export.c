/*
 * The subject access export (Art. 15) as one streamed JSON document, and
 * the portable CSV form (Art. 20). Rows are stepped from SQLite one at a
 * time, decrypted into one reused buffer and written straight into the
 * output stream: memory depends on the largest value, never on how many
 * there are. The layout is docs/export.md; docs/export.schema.json is its
 * JSON Schema.
 * SPDX-License-Identifier: MIT
 */
#include "export_internal.h"
#include "source_writer.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "error.h"
#include "record.h"
#include "gdpr/vault.h"
#include "text.h"

#define EXPORT_FORMAT_VERSION 1
/* Per-table buffer of the CSV form: tables are open at once. */
#define CSV_TABLE_BUF 16384u

typedef struct {
    gdpr_write_fn write;
    void *table_ctx;
    int opened;
    out_stream o;
} csv_table;

typedef struct {
    gdpr_engine *eng;
    const policy_model *p;
    const char *subject;
    uint8_t hash[CRYPTO_HASH_BYTES];
    out_stream *o; /* JSON or single-table CSV */
    json_out j;
    int json;                /* else CSV */
    csv_table *tables;       /* per-category CSV: one per policy category */
    engine_field_opener *fo; /* the subject's key, set up once */
    uint8_t *buf;            /* decrypted values, reused */
    size_t cap;
    /* Per policy category / purpose: vault records and source items seen
     * (the policy sections follow the data and carry these counts). */
    int64_t *cat_records, *cat_items, *pur_records, *pur_items;
    /* Retention of an item by (purpose or none, category): computed once
     * per pair, (n_purposes + 1) * n_categories entries. */
    struct retention_entry *retention;
    int64_t records, items, identifiers, consents, disclosures, transfers, consultations;
    /* gdpr_record__limit_of flags for the exemptions: RECORD_NO_HOLDS once
     * one look found no hold touching the subject (holds_known). */
    unsigned int limit_flags;
    int holds_known;
} export_ctx;

/* The members of a retention object other than "due", rendered once per
 * depth they are written at (records and source items nest differently). */
typedef struct {
    int depth; /* 0: not rendered */
    char *text;
    size_t len;
} rendered;

typedef struct retention_entry {
    int ready;
    const policy_retention *rule;
    char *criteria;
    rendered at[2];
} retention_entry;

static uint8_t *
value_buf(export_ctx *x, size_t len)
{
    if (len + 1 > x->cap) {
        uint8_t *grown = malloc(len + 1);
        if (grown == NULL) {
            gdpr__err_set(GDPR_ENOMEM, "out of memory for a %zu-byte value", len);
            return NULL;
        }
        if (x->buf) {
            gdpr_crypto__wipe(x->buf, x->cap);
            free(x->buf);
        }
        x->buf = grown;
        x->cap = len + 1;
    }
    return x->buf;
}

/* Open a sealed field of the subject into the reused buffer. */
static int
open_sealed(export_ctx *x, const char *table, int64_t row, const char *field, const uint8_t *sealed,
            size_t sealed_len, size_t *len_out)
{
    uint8_t *out;

    if (sealed_len < CRYPTO_SEAL_OVERHEAD)
        return gdpr__err_set(GDPR_ECORRUPT, "%s %lld: sealed %s too short", table, (long long)row,
                             field);
    out = value_buf(x, sealed_len - CRYPTO_SEAL_OVERHEAD);
    if (out == NULL)
        return GDPR_ENOMEM;
    *len_out = sealed_len - CRYPTO_SEAL_OVERHEAD;
    return gdpr_engine__field_opener_open(x->fo, table, row, field, sealed, sealed_len, out);
}

static void
wipe_value(export_ctx *x, size_t len)
{
    if (x->buf)
        gdpr_crypto__wipe(x->buf, len);
}

/* --- policy-derived sections ------------------------------------------ */

static const char *const basis_articles[BASIS_COUNT] = {
    "6(1)(a)", "6(1)(b)", "6(1)(c)", "6(1)(d)", "6(1)(e)", "6(1)(f)",
};

static const struct {
    const char *article, *right, *description;
} rights[] = {
    {"15", "access",
     "Obtain confirmation whether your personal data are processed, a copy "
     "of them and the information in this document."},
    {"16", "rectification",
     "Have inaccurate personal data corrected and incomplete data "
     "completed."},
    {"17", "erasure",
     "Have your personal data erased where a ground of Art. 17(1) applies "
     "and no exemption of Art. 17(3) does."},
    {"18", "restriction",
     "Have processing restricted while the accuracy or lawfulness is "
     "contested, or while you need the data kept for a legal claim."},
    {"20", "portability",
     "Receive the personal data you provided in a structured, commonly "
     "used, machine-readable format (the CSV form of this export) and have it transmitted "
     "to another controller."},
    {"21", "objection",
     "Object to processing based on legitimate interests or a public "
     "task, and at any time to direct marketing."},
    {"22", "automated decision-making",
     "Not be subject to a decision based solely on "
     "automated processing with legal or similarly significant effects; obtain human "
     "intervention, express your point of view and contest the decision."},
    {"7(3)", "withdraw consent",
     "Withdraw consent at any time, as easily as it was given; "
     "processing before the withdrawal stays lawful."},
    {"77", "complaint",
     "Lodge a complaint with a supervisory authority, in particular in "
     "the Member State of your habitual residence, place of work or of the alleged "
     "infringement."},
};

static int
write_controller(export_ctx *x)
{
    const policy_controller *c = &x->p->controller;
    json_out *j = &x->j;

    gdpr_export__jo_open(j, "controller", '{');
    gdpr_export__jo_str(j, "name", c->name);
    gdpr_export__jo_str(j, "contact", c->contact);
    gdpr_export__jo_str(j, "dpo", c->dpo);
    gdpr_export__jo_str(j, "country", c->country);
    gdpr_export__jo_str(j, "rights_url", c->rights_url);
    return gdpr_export__jo_close(j, '}');
}

static int
write_purposes(export_ctx *x)
{
    json_out *j = &x->j;

    gdpr_export__jo_open(j, "purposes", '[');
    for (size_t i = 0; i < x->p->n_purposes; i++) {
        const policy_purpose *pu = &x->p->purposes[i];
        gdpr_export__jo_open(j, NULL, '{');
        gdpr_export__jo_str(j, "id", pu->id);
        gdpr_export__jo_str(j, "description", pu->description);
        gdpr_export__jo_str(j, "legal_basis", gdpr_policy__basis_name(pu->basis));
        gdpr_export__jo_str(j, "legal_basis_article", basis_articles[pu->basis]);
        gdpr_export__jo_bool(j, "special_categories", pu->special);
        gdpr_export__jo_open(j, "categories", '[');
        for (size_t k = 0; k < pu->n_categories; k++)
            gdpr_export__jo_str(j, NULL, pu->categories[k]);
        gdpr_export__jo_close(j, ']');
        gdpr_export__jo_str(j, "automated_decision", pu->automated_decision);
        gdpr_export__jo_int(j, "vault_records", x->pur_records[i]);
        gdpr_export__jo_int(j, "source_items", x->pur_items[i]);
        gdpr_export__jo_close(j, '}');
    }
    return gdpr_export__jo_close(j, ']');
}

static int
write_categories(export_ctx *x)
{
    json_out *j = &x->j;

    gdpr_export__jo_open(j, "categories", '[');
    for (size_t i = 0; i < x->p->n_categories; i++) {
        const policy_category *c = &x->p->categories[i];
        gdpr_export__jo_open(j, NULL, '{');
        gdpr_export__jo_str(j, "id", c->id);
        gdpr_export__jo_str(j, "description", c->description);
        gdpr_export__jo_bool(j, "special", c->special);
        gdpr_export__jo_int(j, "vault_records", x->cat_records[i]);
        gdpr_export__jo_int(j, "source_items", x->cat_items[i]);
        gdpr_export__jo_close(j, '}');
    }
    return gdpr_export__jo_close(j, ']');
}

static int
safeguard_row(const store_safeguard_row *row, void *ctx)
{
    export_ctx *x = ctx;
    json_out *j = &x->j;

    gdpr_export__jo_open(j, NULL, '{');
    gdpr_export__jo_str(j, "type", row->type);
    if (row->module > 0)
        gdpr_export__jo_int(j, "module", row->module);
    else
        gdpr_export__jo_null(j, "module");
    gdpr_export__jo_str(j, "reference", row->reference);
    gdpr_export__jo_time(j, "valid_from", row->valid_from != 0, row->valid_from);
    gdpr_export__jo_time(j, "valid_until", row->valid_until != 0, row->valid_until);
    gdpr_export__jo_time(j, "revoked_at", row->revoked_at != 0, row->revoked_at);
    gdpr_export__jo_str(j, "origin", "recorded");
    gdpr_export__jo_close(j, '}');
    return j->o->rc;
}

static int
write_recipients(export_ctx *x)
{
    json_out *j = &x->j;
    int rc = GDPR_OK;

    gdpr_export__jo_open(j, "recipients", '[');
    for (size_t i = 0; i < x->p->n_recipients && rc == GDPR_OK; i++) {
        const policy_recipient *r = &x->p->recipients[i];
        gdpr_export__jo_open(j, NULL, '{');
        gdpr_export__jo_str(j, "id", r->id);
        gdpr_export__jo_str(j, "name", r->name);
        gdpr_export__jo_str(j, "country", r->country);
        gdpr_export__jo_str(j, "kind", r->kind);
        gdpr_export__jo_bool(j, "dpf_certified", r->dpf_certified);
        gdpr_export__jo_str(j, "disclosure_ground", r->disclosure_ground);
        gdpr_export__jo_open(j, "safeguards", '[');
        for (size_t k = 0; k < r->n_safeguards; k++) {
            const policy_safeguard *s = &r->safeguards[k];
            gdpr_export__jo_open(j, NULL, '{');
            gdpr_export__jo_str(j, "type", gdpr_policy__safeguard_name(s->type));
            if (s->module > 0)
                gdpr_export__jo_int(j, "module", s->module);
            else
                gdpr_export__jo_null(j, "module");
            gdpr_export__jo_str(j, "reference", s->reference);
            gdpr_export__jo_time(j, "valid_from", s->valid_from != 0, s->valid_from);
            gdpr_export__jo_time(j, "valid_until", s->valid_until != 0, s->valid_until);
            gdpr_export__jo_null(j, "revoked_at");
            gdpr_export__jo_str(j, "origin", "policy");
            gdpr_export__jo_close(j, '}');
        }
        rc = gdpr_store__safeguard_foreach(x->eng->st, r->id, safeguard_row, x);
        gdpr_export__jo_close(j, ']');
        gdpr_export__jo_close(j, '}');
    }
    gdpr_export__jo_close(j, ']');
    return rc != GDPR_OK ? rc : j->o->rc;
}

static int
write_rule(json_out *j, const policy_retention *r)
{
    char every[64];

    gdpr_export__jo_open(j, NULL, '{');
    gdpr_export__jo_str(j, "id", r->id);
    gdpr_export__jo_str(j, "purpose", r->purpose);
    gdpr_export__jo_str(j, "category", r->category);
    gdpr_export__jo_str(j, "period", r->period_text);
    gdpr_export__jo_str(j, "anchor", gdpr_policy__anchor_name(r->anchor));
    gdpr_export__jo_str(j, "action", gdpr_policy__action_name(r->action));
    if (r->has_review && gdpr_calendar__duration_format(&r->review_every, every, sizeof every) >= 0)
        gdpr_export__jo_str(j, "review_every", every);
    else
        gdpr_export__jo_null(j, "review_every");
    gdpr_export__jo_bool(j, "legal_duty", r->legal_duty);
    if (r->exemption != 0)
        gdpr_export__jo_str(j, "exemption", gdpr_policy__exemption_name(r->exemption));
    else
        gdpr_export__jo_null(j, "exemption");
    return gdpr_export__jo_close(j, '}');
}

static int
write_retention_rules(export_ctx *x)
{
    json_out *j = &x->j;

    gdpr_export__jo_open(j, "retention", '[');
    for (size_t i = 0; i < x->p->n_retention; i++)
        write_rule(j, &x->p->retention[i]);
    return gdpr_export__jo_close(j, ']');
}

static int
write_rights(export_ctx *x)
{
    const policy_controller *c = &x->p->controller;
    json_out *j = &x->j;

    gdpr_export__jo_open(j, "rights", '{');
    gdpr_export__jo_str(j, "how_to_exercise", c->rights_url);
    gdpr_export__jo_str(j, "contact", c->contact);
    gdpr_export__jo_str(j, "dpo", c->dpo);
    gdpr_export__jo_open(j, "rights", '[');
    for (size_t i = 0; i < sizeof rights / sizeof rights[0]; i++) {
        gdpr_export__jo_open(j, NULL, '{');
        gdpr_export__jo_str(j, "article", rights[i].article);
        gdpr_export__jo_str(j, "right", rights[i].right);
        gdpr_export__jo_str(j, "description", rights[i].description);
        gdpr_export__jo_close(j, '}');
    }
    gdpr_export__jo_close(j, ']');
    return gdpr_export__jo_close(j, '}');
}

static int
write_automated(export_ctx *x)
{
    json_out *j = &x->j;

    gdpr_export__jo_open(j, "automated_decisions", '[');
    for (size_t i = 0; i < x->p->n_purposes; i++) {
        const policy_purpose *pu = &x->p->purposes[i];
        if (pu->automated_decision == NULL)
            continue;
        gdpr_export__jo_open(j, NULL, '{');
        gdpr_export__jo_str(j, "purpose", pu->id);
        gdpr_export__jo_str(j, "article", "22");
        gdpr_export__jo_str(j, "logic", pu->automated_decision);
        gdpr_export__jo_str(j, "significance", pu->ad_significance);
        gdpr_export__jo_str(j, "consequences", pu->ad_consequences);
        gdpr_export__jo_str(j, "exception",
                            pu->ad_exception == 'a'   ? "contract"
                            : pu->ad_exception == 'b' ? "law"
                            : pu->ad_exception == 'c' ? "explicit_consent"
                                                      : NULL);
        gdpr_export__jo_str(j, "safeguards", pu->ad_safeguards);
        gdpr_export__jo_str(j, "special_category_measures", pu->ad_special_measures);
        gdpr_export__jo_open(j, "categories", '[');
        for (size_t k = 0; k < pu->n_categories; k++)
            gdpr_export__jo_str(j, NULL, pu->categories[k]);
        gdpr_export__jo_close(j, ']');
        gdpr_export__jo_bool(j, "special_categories", pu->special);
        gdpr_export__jo_str(j, "contest",
                            "ask for a request of type human_intervention (Art. 22(3)): a "
                            "person reviews the decision, hears your view and may change it");
        gdpr_export__jo_close(j, '}');
    }
    return gdpr_export__jo_close(j, ']');
}

/* --- retention of one item --------------------------------------------- */

/* The rule for an item: by (purpose, category), or the only rule of the
 * category when the item names no purpose. */
static const policy_retention *
item_rule(const policy_model *p, const char *purpose, const char *category, size_t *n_rules)
{
    const policy_retention *only = NULL;

    *n_rules = 0;
    if (purpose != NULL) {
        const policy_retention *r = gdpr_policy__find_retention(p, purpose, category);
        *n_rules = r != NULL;
        return r;
    }
    for (size_t i = 0; i < p->n_retention; i++) {
        if (strcmp(p->retention[i].category, category) == 0) {
            only = &p->retention[i];
            (*n_rules)++;
        }
    }
    return *n_rules == 1 ? only : NULL;
}

static void
rule_criteria(const policy_retention *r, char *buf, size_t size)
{
    char kept[96] = "";

    if (r->exemption != 0)
        snprintf(kept, sizeof kept, "; kept from erasure until then under %s (%s)",
                 gdpr_policy__exemption_article(r->exemption),
                 gdpr_policy__exemption_name(r->exemption));
    snprintf(buf, size, "%s after %s, then %s (rule %s%s)", r->period_text,
             gdpr_policy__anchor_name(r->anchor), gdpr_policy__action_name(r->action), r->id, kept);
}

static void
no_rule_criteria(const policy_model *p, const char *purpose, const char *category, size_t n_rules,
                 char *buf, size_t size)
{
    const policy_purpose *pu = purpose ? gdpr_policy__find_purpose(p, purpose) : NULL;
    size_t used;

    if (pu != NULL) {
        snprintf(buf, size,
                 "No fixed period in the policy: kept while needed for purpose "
                 "'%s' (legal basis %s), then erased",
                 pu->id, gdpr_policy__basis_name(pu->basis));
        return;
    }
    if (n_rules == 0) {
        snprintf(buf, size,
                 "No fixed period in the policy: kept while a purpose that uses "
                 "category '%s' needs it, then erased",
                 category);
        return;
    }
    used = (size_t)snprintf(buf, size, "Depends on the purpose:");
    for (size_t i = 0; i < p->n_retention && used < size; i++) {
        const policy_retention *r = &p->retention[i];
        if (strcmp(r->category, category) != 0)
            continue;
        used += (size_t)snprintf(buf + used, size - used, " %s for %s (rule %s);", r->period_text,
                                 r->purpose, r->id);
    }
}

/* Positions of the item's category and purpose in the policy (purpose:
 * n_purposes when none). GDPR_ECORRUPT for a stored category or purpose
 * the policy in force no longer has. */
static int
item_place(export_ctx *x, const char *category, const char *purpose, size_t *ci, size_t *pi)
{
    const policy_category *c = gdpr_policy__find_category(x->p, category);
    const policy_purpose *pu = purpose ? gdpr_policy__find_purpose(x->p, purpose) : NULL;

    if (c == NULL || (purpose != NULL && pu == NULL))
        return gdpr__err_set(GDPR_ECORRUPT,
                             "%s '%.64s' of a stored item is not in the policy in "
                             "force; load a policy that keeps it",
                             c == NULL ? "category" : "purpose", c == NULL ? category : purpose);
    *ci = (size_t)(c - x->p->categories);
    *pi = pu ? (size_t)(pu - x->p->purposes) : x->p->n_purposes;
    return GDPR_OK;
}

static const retention_entry *
item_retention(export_ctx *x, size_t ci, size_t pi)
{
    retention_entry *e = &x->retention[pi * x->p->n_categories + ci];
    const char *category = x->p->categories[ci].id;
    const char *purpose = pi < x->p->n_purposes ? x->p->purposes[pi].id : NULL;
    char criteria[768];
    size_t n_rules = 0;

    if (e->ready)
        return e;
    e->rule = item_rule(x->p, purpose, category, &n_rules);
    if (e->rule != NULL)
        rule_criteria(e->rule, criteria, sizeof criteria);
    else
        no_rule_criteria(x->p, purpose, category, n_rules, criteria, sizeof criteria);
    e->criteria = gdpr_text__dup(criteria);
    if (e->criteria == NULL)
        return NULL;
    e->ready = 1;
    return e;
}

/* An out_stream into memory, for rendering once what repeats. */
typedef struct {
    char *text;
    size_t len, cap;
} mem_sink;

static int
mem_write(const void *buf, size_t len, void *ctx)
{
    mem_sink *m = ctx;

    if (m->len + len + 1 > m->cap) {
        size_t cap = (m->len + len + 1) * 2;
        char *grown = realloc(m->text, cap);
        if (grown == NULL)
            return 1;
        m->text = grown;
        m->cap = cap;
    }
    memcpy(m->text + m->len, buf, len);
    m->len += len;
    m->text[m->len] = '\0';
    return 0;
}

/* rule, period, anchor, action, criteria as members at `depth`. */
static int
render_retention(const retention_entry *e, int depth, rendered *out)
{
    const policy_retention *r = e->rule;
    mem_sink m = {NULL, 0, 0};
    out_stream o;
    json_out j;
    int rc = gdpr_export__out_init(&o, mem_write, &m, "retention", 1024);

    if (rc != GDPR_OK)
        return rc;
    gdpr_export__jo_init(&j, &o);
    j.depth = depth;
    j.has_items[depth - 1] = 0;
    o.bytes = 1; /* not the document's start: items begin on a new line */
    gdpr_export__jo_str(&j, "rule", r ? r->id : NULL);
    gdpr_export__jo_str(&j, "period", r ? r->period_text : NULL);
    gdpr_export__jo_str(&j, "anchor", r ? gdpr_policy__anchor_name(r->anchor) : NULL);
    gdpr_export__jo_str(&j, "action", r ? gdpr_policy__action_name(r->action) : NULL);
    gdpr_export__jo_str(&j, "criteria", e->criteria);
    rc = gdpr_export__out_flush(&o);
    gdpr_export__out_free(&o);
    if (rc != GDPR_OK) {
        free(m.text);
        return gdpr__err_set(GDPR_ENOMEM, "out of memory rendering a retention rule");
    }
    out->depth = depth;
    out->text = m.text;
    out->len = m.len;
    return GDPR_OK;
}

static int
write_item_retention(export_ctx *x, size_t ci, size_t pi, int has_due, int64_t due)
{
    json_out *j = &x->j;
    retention_entry *e = (retention_entry *)item_retention(x, ci, pi);
    rendered *r;
    int members = j->depth + 1;

    if (e == NULL)
        return j->o->rc = GDPR_ENOMEM;
    r = &e->at[members == e->at[0].depth || e->at[0].depth == 0 ? 0 : 1];
    if (r->depth != members) {
        free(r->text);
        r->text = NULL;
        r->depth = 0;
        if (render_retention(e, members, r) != GDPR_OK)
            return j->o->rc = GDPR_ENOMEM;
    }
    gdpr_export__jo_open(j, "retention", '{');
    out_put(j->o, r->text, r->len);
    j->has_items[j->depth - 1] = 1;
    gdpr_export__jo_time(j, "due", has_due, due);
    return gdpr_export__jo_close(j, '}');
}

/* --- subject and identifiers ------------------------------------------- */

static int
identity_row(const store_identity_row *row, void *ctx)
{
    export_ctx *x = ctx;
    json_out *j = &x->j;
    size_t len = 0;
    int rc = open_sealed(x, "identity", row->id, "value", row->value, row->value_len, &len);

    if (rc != GDPR_OK)
        return rc;
    gdpr_export__jo_open(j, NULL, '{');
    gdpr_export__jo_str(j, "kind", row->kind);
    gdpr_export__jo_value(j, x->buf, len);
    gdpr_export__jo_time(j, "linked_at", 1, row->created);
    gdpr_export__jo_close(j, '}');
    wipe_value(x, len);
    x->identifiers++;
    return j->o->rc;
}

static int
write_subject(export_ctx *x)
{
    json_out *j = &x->j;
    int rc;

    gdpr_export__jo_open(j, "subject", '{');
    gdpr_export__jo_str(j, "id", x->subject);
    gdpr_export__jo_open(j, "identifiers", '[');
    rc = gdpr_store__identity_foreach(x->eng->st, x->hash, identity_row, x);
    gdpr_export__jo_close(j, ']');
    gdpr_export__jo_close(j, '}');
    return rc != GDPR_OK ? rc : j->o->rc;
}

/* --- ledger sections -------------------------------------------------- */

static const char *
consent_state_name(int state)
{
    switch (state) {
    case STORE_CONSENT_GRANTED:
        return "granted";
    case STORE_CONSENT_WITHDRAWN:
        return "withdrawn";
    case STORE_CONSENT_REFUSED:
        return "refused";
    default:
        return "unknown";
    }
}

/* A recipient: none, a policy recipient id, or a named person whose name
 * is sealed in the row ("person:<blind index>"). */
static int
write_recipient(export_ctx *x, const char *table, int64_t id, const char *recipient,
                const uint8_t *sealed, size_t sealed_len)
{
    json_out *j = &x->j;
    size_t len = 0;
    int rc;

    if (recipient == NULL || recipient[0] == '\0') {
        gdpr_export__jo_null(j, "recipient");
        return gdpr_export__jo_null(j, "recipient_type");
    }
    if (strncmp(recipient, "person:", 7) != 0 || sealed == NULL) {
        gdpr_export__jo_str(j, "recipient", recipient);
        return gdpr_export__jo_str(j, "recipient_type", "recipient");
    }
    rc = open_sealed(x, table, id, "recipient", sealed, sealed_len, &len);
    if (rc != GDPR_OK)
        return rc;
    /* A name is text (checked when recorded); anything else is damage. */
    if (!gdpr_export__value_is_text(x->buf, len)) {
        wipe_value(x, len);
        return gdpr__err_set(GDPR_ECORRUPT, "%s %lld: recipient name is not text", table,
                             (long long)id);
    }
    x->buf[len] = '\0';
    gdpr_export__jo_str(j, "recipient", (const char *)x->buf);
    wipe_value(x, len);
    return gdpr_export__jo_str(j, "recipient_type", "person");
}

/* Opens one event object with the id and time fields every history row has. */
static void
open_event(json_out *j, int64_t id, int64_t at)
{
    gdpr_export__jo_open(j, NULL, '{');
    gdpr_export__jo_int(j, "id", id);
    gdpr_export__jo_time(j, "at", 1, at);
}

/* Closes a history array and returns the walk's code, else the stream's. */
static int
close_history(export_ctx *x, int rc)
{
    gdpr_export__jo_close(&x->j, ']');
    return rc != GDPR_OK ? rc : x->o->rc;
}

static int
consent_row(const store_consent_row *row, void *ctx)
{
    export_ctx *x = ctx;
    json_out *j = &x->j;
    int rc;

    open_event(j, row->id, row->at);
    gdpr_export__jo_str(j, "purpose", row->purpose);
    gdpr_export__jo_str(j, "state", consent_state_name(row->state));
    gdpr_export__jo_str(j, "notice", row->notice);
    gdpr_export__jo_str(j, "notice_version", row->notice_version);
    gdpr_export__jo_hex(j, "notice_sha256", row->notice_sha256, CRYPTO_HASH_BYTES);
    gdpr_export__jo_str(j, "channel", row->channel);
    gdpr_export__jo_str(j, "recorded_by", row->actor);
    gdpr_export__jo_time(j, "expires", row->expires != 0, row->expires);
    gdpr_export__jo_bool(j, "explicit", (row->flags & STORE_CONSENT_EXPLICIT) != 0);
    rc = write_recipient(x, "consent", row->id, row->recipient, row->recipient_sealed,
                         row->recipient_sealed_len);
    if (rc != GDPR_OK)
        return rc;
    if (row->proof != NULL && row->proof_len > 0) {
        size_t len = 0;
        rc = open_sealed(x, "consent", row->id, "proof", row->proof, row->proof_len, &len);
        if (rc != GDPR_OK)
            return rc;
        gdpr_export__jo_open(j, "proof", '{');
        gdpr_export__jo_value(j, x->buf, len);
        gdpr_export__jo_close(j, '}');
        wipe_value(x, len);
    } else {
        gdpr_export__jo_null(j, "proof");
    }
    gdpr_export__jo_bool(j, "transfer", (row->flags & STORE_CONSENT_TRANSFER) != 0);
    /* Art. 8(1): who gave or authorised a child's consent (the subject is
     * told what is recorded about the consent given on their behalf). */
    if (row->guardian != NULL && row->guardian_len > 0) {
        size_t len = 0;
        rc = open_sealed(x, "consent", row->id, "guardian", row->guardian, row->guardian_len, &len);
        if (rc != GDPR_OK)
            return rc;
        gdpr_export__jo_open(j, "parental_holder", '{');
        gdpr_export__jo_value(j, x->buf, len);
        gdpr_export__jo_close(j, '}');
        wipe_value(x, len);
    } else {
        gdpr_export__jo_null(j, "parental_holder");
    }
    gdpr_export__jo_str(j, "receipt_id", row->receipt_id);
    gdpr_export__jo_int(j, "policy_version", row->policy_version);
    gdpr_export__jo_close(j, '}');
    x->consents++;
    return j->o->rc;
}

static int
disclosure_row(const store_disclosure_row *row, void *ctx)
{
    export_ctx *x = ctx;
    json_out *j = &x->j;
    int rc;

    open_event(j, row->id, row->at);
    rc = write_recipient(x, "disclosure", row->id, row->recipient, row->recipient_sealed,
                         row->recipient_sealed_len);
    if (rc != GDPR_OK)
        return rc;
    gdpr_export__jo_str(j, "purpose", row->purpose);
    gdpr_export__jo_str(j, "ground", row->ground);
    if (row->consent_event > 0)
        gdpr_export__jo_int(j, "consent_event", row->consent_event);
    else
        gdpr_export__jo_null(j, "consent_event");
    gdpr_export__jo_str(j, "recorded_by", row->actor);
    gdpr_export__jo_close(j, '}');
    x->disclosures++;
    return j->o->rc;
}

static int
transfer_row(const store_transfer_row *row, void *ctx)
{
    export_ctx *x = ctx;
    json_out *j = &x->j;

    open_event(j, row->id, row->at);
    gdpr_export__jo_str(j, "recipient", row->recipient);
    gdpr_export__jo_str(j, "country", row->country);
    gdpr_export__jo_bool(j, "allowed", row->allowed);
    gdpr_export__jo_str(j, "mechanism", row->mechanism);
    gdpr_export__jo_str(j, "safeguard_reference", row->reference);
    gdpr_export__jo_str(j, "reason", row->reason);
    gdpr_export__jo_close(j, '}');
    x->transfers++;
    return j->o->rc;
}

static int
write_disclosures(export_ctx *x)
{
    gdpr_export__jo_open(&x->j, "disclosures", '[');
    return close_history(x, gdpr_store__disclosure_foreach(x->eng->st, x->hash, disclosure_row, x));
}

static int
write_transfers(export_ctx *x)
{
    gdpr_export__jo_open(&x->j, "transfers", '[');
    return close_history(x, gdpr_store__transfer_foreach(x->eng->st, x->hash, transfer_row, x));
}

/* Consent signals (GPC, TCF, GPP) as received: the TC and GPP strings are
 * the subject's choices as their CMP encoded them (Art. 15(1)). */
static int
signal_row(const store_signal_row *row, void *ctx)
{
    static const char *const kinds[] = {"?", "gpc", "tcf", "gpp"};
    export_ctx *x = ctx;
    json_out *j = &x->j;
    int rc;

    open_event(j, row->id, row->at);
    gdpr_export__jo_str(j, "kind", row->kind >= 1 && row->kind <= 3 ? kinds[row->kind] : "unknown");
    if (row->value != NULL) {
        size_t len = 0;
        rc = open_sealed(x, "signal", row->id, "value", row->value, row->value_len, &len);
        if (rc != GDPR_OK)
            return rc;
        if (!gdpr_export__value_is_text(x->buf, len)) {
            wipe_value(x, len);
            return gdpr__err_set(GDPR_ECORRUPT, "signal %lld: value is not text",
                                 (long long)row->id);
        }
        x->buf[len] = '\0';
        gdpr_export__jo_str(j, "value", (const char *)x->buf);
        wipe_value(x, len);
    } else {
        gdpr_export__jo_null(j, "value");
    }
    gdpr_export__jo_str(j, "recorded_by", row->actor);
    gdpr_export__jo_close(j, '}');
    return j->o->rc;
}

static int
write_signals(export_ctx *x)
{
    gdpr_export__jo_open(&x->j, "consent_signals", '[');
    return close_history(x, gdpr_store__signal_foreach(x->eng->st, x->hash, signal_row, x));
}

static int
write_consents(export_ctx *x)
{
    gdpr_export__jo_open(&x->j, "consent_history", '[');
    return close_history(x, gdpr_store__consent_foreach(x->eng->st, x->hash, consent_row, x));
}

/* --- data: vault records and source items ------------------------------ */

static csv_table *
table_of(export_ctx *x, const char *category)
{
    const policy_category *c = gdpr_policy__find_category(x->p, category);

    return c ? &x->tables[c - x->p->categories] : NULL;
}

/* One CSV row; the category column only in the single-table form. */
static int
csv_row(export_ctx *x, const char *category, const char *origin, const char *record,
        const char *field, const char *purpose, const char *collected_from, int has_collected,
        int64_t collected, int has_updated, int64_t updated, const void *value, size_t len)
{
    out_stream *o = x->o;

    if (x->tables != NULL) {
        csv_table *t = table_of(x, category);
        if (t == NULL)
            return gdpr__err_set(GDPR_ECORRUPT, "category '%.64s' is no longer in the policy",
                                 category);
        o = &t->o;
    } else {
        gdpr_export__csv_text(o, category, 0);
    }
    gdpr_export__csv_text(o, origin, 0);
    gdpr_export__csv_text(o, record, 0);
    gdpr_export__csv_text(o, field, 0);
    gdpr_export__csv_text(o, purpose, 0);
    gdpr_export__csv_text(o, collected_from, 0);
    gdpr_export__csv_time(o, has_collected, collected, 0);
    gdpr_export__csv_time(o, has_updated, updated, 0);
    return gdpr_export__csv_value(o, value, len, 1);
}

/* Art. 17(3) and 15(1)(d): when a hold or a retention rule keeps the
 * record from erasure, on which ground and until when (null: none). */
static int
write_exemption(export_ctx *x, const store_vault_row *row)
{
    json_out *j = &x->j;
    record_limit lim;
    int64_t now = gdpr_engine__now(x->eng);
    int rc = GDPR_OK;

    /* Whether any hold touches the subject, asked once per export rather
     * than a hold lookup per record (as the erasure plans). */
    if (!x->holds_known) {
        int any = 0;
        rc = gdpr_store__hold_any_for_subject(x->eng->st, x->hash, now, &any);
        x->limit_flags = any ? 0u : RECORD_NO_HOLDS;
        x->holds_known = rc == GDPR_OK;
    }
    if (rc == GDPR_OK)
        rc = gdpr_record__limit_of(x->eng, row, RECORD_ERASE, now, x->limit_flags, &lim);
    if (rc != GDPR_OK)
        return rc;
    if (lim.kind != RECORD_HELD && lim.kind != RECORD_DUTY) {
        gdpr_export__jo_null(j, "erasure_exemption");
        return GDPR_OK;
    }
    gdpr_export__jo_open(j, "erasure_exemption", '{');
    gdpr_export__jo_str(j, "ground", gdpr_policy__exemption_name(lim.exemption));
    gdpr_export__jo_str(j, "article", gdpr_policy__exemption_article(lim.exemption));
    gdpr_export__jo_str(j, "by", lim.kind == RECORD_HELD ? "hold" : "retention_rule");
    if (lim.kind == RECORD_HELD)
        gdpr_export__jo_int(j, "hold", lim.hold);
    else
        gdpr_export__jo_str(j, "rule", lim.rule);
    gdpr_export__jo_time(j, "until", 1, lim.until);
    return gdpr_export__jo_close(j, '}');
}

static int
vault_row(const store_vault_row *row, void *ctx)
{
    export_ctx *x = ctx;
    json_out *j = &x->j;
    size_t len, ci = 0, pi = 0;
    int rc;

    if (row->value_len < CRYPTO_SEAL_OVERHEAD)
        return gdpr__err_set(GDPR_ECORRUPT, "vault record %lld: sealed value too short",
                             (long long)row->id);
    len = row->value_len - CRYPTO_SEAL_OVERHEAD;
    rc = item_place(x, row->category, row->purpose, &ci, &pi);
    if (rc != GDPR_OK)
        return rc;
    if (value_buf(x, len) == NULL)
        return GDPR_ENOMEM;
    rc = gdpr_record__open_with(x->fo, row, x->buf);
    if (rc != GDPR_OK)
        return rc;
    x->records++;
    x->cat_records[ci]++;
    x->pur_records[pi]++;
    if (!x->json) {
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)row->id);
        rc = csv_row(x, row->category, "vault", id, row->field, row->purpose, row->source, 1,
                     row->collected, 1, row->updated, x->buf, len);
        wipe_value(x, len);
        return rc;
    }
    gdpr_export__jo_open(j, NULL, '{');
    gdpr_export__jo_int(j, "id", row->id);
    gdpr_export__jo_str(j, "category", row->category);
    gdpr_export__jo_bool(j, "special", row->special);
    gdpr_export__jo_str(j, "purpose", row->purpose);
    gdpr_export__jo_str(j, "field", row->field);
    gdpr_export__jo_str(j, "collected_from", row->source);
    gdpr_export__jo_time(j, "collected", 1, row->collected);
    gdpr_export__jo_time(j, "updated", 1, row->updated);
    write_item_retention(x, ci, pi, row->has_due, row->due);
    rc = write_exemption(x, row);
    if (rc != GDPR_OK) {
        wipe_value(x, len);
        return rc;
    }
    gdpr_export__jo_value(j, x->buf, len);
    gdpr_export__jo_close(j, '}');
    wipe_value(x, len);
    return j->o->rc;
}

static int
source_sink(void *sink, const engine_source *src, const gdpr_source_item *item)
{
    export_ctx *x = sink;
    json_out *j = &x->j;
    size_t ci = 0, pi = 0;
    int rc = item_place(x, item->category, item->purpose, &ci, &pi);

    if (rc != GDPR_OK)
        return rc;
    x->items++;
    x->cat_items[ci]++;
    x->pur_items[pi]++;
    if (!x->json) {
        return csv_row(x, item->category, src->name, item->record, item->field, item->purpose,
                       item->collected_from, item->collected != 0, item->collected, 0, 0,
                       item->value, item->len);
    }
    gdpr_export__jo_open(j, NULL, '{');
    gdpr_export__jo_str(j, "category", item->category);
    gdpr_export__jo_bool(j, "special", x->p->categories[ci].special);
    gdpr_export__jo_str(j, "field", item->field);
    gdpr_export__jo_str(j, "record", item->record);
    gdpr_export__jo_str(j, "purpose", item->purpose);
    gdpr_export__jo_str(j, "collected_from", item->collected_from);
    gdpr_export__jo_time(j, "collected", item->collected != 0, item->collected);
    write_item_retention(x, ci, pi, 0, 0);
    gdpr_export__jo_value(j, item->value, item->len);
    gdpr_export__jo_close(j, '}');
    return j->o->rc;
}

static int
run_sources(export_ctx *x)
{
    json_out *j = &x->j;
    int rc = GDPR_OK;

    if (x->json)
        gdpr_export__jo_open(j, "sources", '[');
    for (const engine_source *s = x->eng->sources; s != NULL && rc == GDPR_OK; s = s->next) {
        int64_t n = 0;
        if (x->json) {
            gdpr_export__jo_open(j, NULL, '{');
            gdpr_export__jo_str(j, "name", s->name);
            gdpr_export__jo_str(j, "description", s->description);
            gdpr_export__jo_open(j, "items", '[');
        }
        rc = gdpr_source__export_run(x->eng, s, x->subject, source_sink, x, &n);
        if (x->json) {
            gdpr_export__jo_close(j, ']');
            gdpr_export__jo_close(j, '}');
        }
    }
    if (x->json)
        gdpr_export__jo_close(j, ']');
    return rc != GDPR_OK ? rc : x->o ? x->o->rc : GDPR_OK;
}

static int
write_records(export_ctx *x)
{
    int rc;

    gdpr_export__jo_open(&x->j, "records", '[');
    rc = gdpr_store__vault_foreach(x->eng->st, x->hash, vault_row, x);
    gdpr_export__jo_close(&x->j, ']');
    return rc != GDPR_OK ? rc : x->o->rc;
}

/* --- consultations (Art. 15(1), 15(4); CJEU C-579/21) ---------------------- */

static int
access_row(const store_access_row *row, void *ctx)
{
    export_ctx *x = ctx;
    json_out *j = &x->j;
    char ref[GDPR_ACCESS_REF_LEN + 1];
    int rc = gdpr_access__staff_ref(x->eng, row->actor, ref);

    if (rc != GDPR_OK)
        return rc;
    x->consultations++;
    gdpr_export__jo_open(j, NULL, '{');
    gdpr_export__jo_time(j, "at", 1, row->at);
    gdpr_export__jo_str(j, "purpose", row->purpose);
    gdpr_export__jo_str(j, "action", row->action);
    if (row->record > 0)
        gdpr_export__jo_int(j, "record", row->record);
    else
        gdpr_export__jo_null(j, "record");
    gdpr_export__jo_str(j, "reason", row->reason[0] ? row->reason : NULL);
    gdpr_export__jo_str(j, "role", row->role);
    gdpr_export__jo_str(j, "staff_ref", ref);
    /* The staff member's identity is their personal data: only on the
     * controller's recorded decision that the subject needs it. */
    gdpr_export__jo_str(j, "staff_id",
                        x->p->controller.staff_identity_decision ? row->actor : NULL);
    gdpr_export__jo_close(j, '}');
    return j->o->rc;
}

static int
write_consultations(export_ctx *x)
{
    json_out *j = &x->j;
    const policy_controller *c = &x->p->controller;
    int rc;

    gdpr_export__jo_open(j, "consultations", '{');
    gdpr_export__jo_bool(j, "staff_identity_disclosed", c->staff_identity_decision != NULL);
    gdpr_export__jo_str(j, "staff_identity_decision", c->staff_identity_decision);
    gdpr_export__jo_str(j, "staff_note",
                        c->staff_identity_decision
                            ? "staff_id names who consulted your data, as the controller decided"
                            : "staff are named by role and a reference; the controller can "
                              "resolve a reference when you need the identity to exercise "
                              "your rights (CJEU C-579/21)");
    gdpr_export__jo_open(j, "events", '[');
    rc = gdpr_store__access_foreach(x->eng->st, x->hash, access_row, x);
    gdpr_export__jo_close(j, ']');
    gdpr_export__jo_close(j, '}');
    return rc != GDPR_OK ? rc : x->o->rc;
}

/* --- the JSON document --------------------------------------------------- */

/* The data first, then the policy sections that carry counts of it. */
static int
write_json(export_ctx *x)
{
    json_out *j = &x->j;
    int rc;

    gdpr_export__jo_init(j, x->o);
    gdpr_export__jo_open(j, NULL, '{');
    gdpr_export__jo_str(j, "format", "libgdpr.export");
    gdpr_export__jo_int(j, "format_version", EXPORT_FORMAT_VERSION);
    gdpr_export__jo_time(j, "generated_at", 1, gdpr_engine__now(x->eng));
    gdpr_export__jo_str(j, "library_version", GDPR_VERSION_STRING);
    gdpr_export__jo_int(j, "policy_version", x->p->version);
    rc = write_subject(x);
    if (rc == GDPR_OK)
        rc = write_controller(x);
    if (rc == GDPR_OK)
        rc = write_records(x);
    if (rc == GDPR_OK)
        rc = run_sources(x);
    if (rc == GDPR_OK)
        rc = write_consents(x);
    if (rc == GDPR_OK)
        rc = write_signals(x);
    if (rc == GDPR_OK)
        rc = write_disclosures(x);
    if (rc == GDPR_OK)
        rc = write_transfers(x);
    if (rc == GDPR_OK)
        rc = write_consultations(x);
    if (rc == GDPR_OK) {
        write_purposes(x);
        write_categories(x);
        rc = write_recipients(x);
    }
    if (rc == GDPR_OK) {
        write_retention_rules(x);
        write_rights(x);
        rc = write_automated(x);
    }
    if (rc != GDPR_OK)
        return rc;
    gdpr_export__jo_open(j, "summary", '{');
    gdpr_export__jo_int(j, "identifiers", x->identifiers);
    gdpr_export__jo_int(j, "vault_records", x->records);
    gdpr_export__jo_int(j, "source_items", x->items);
    gdpr_export__jo_int(j, "consent_events", x->consents);
    gdpr_export__jo_int(j, "disclosures", x->disclosures);
    gdpr_export__jo_int(j, "transfers", x->transfers);
    gdpr_export__jo_int(j, "consultations", x->consultations);
    gdpr_export__jo_close(j, '}');
    gdpr_export__jo_close(j, '}');
    out_put(x->o, "\n", 1);
    return gdpr_export__out_flush(x->o);
}

/* --- the CSV form ------------------------------------------------------ */

#define CSV_COLUMNS                                                                                \
    "origin,record,field,purpose,collected_from,collected,updated,encoding,value\r\n"

static int
write_csv(export_ctx *x)
{
    size_t n = x->p->n_categories;
    int rc;

    if (x->tables == NULL)
        gdpr_export__out_puts(x->o, "category," CSV_COLUMNS);
    else
        for (size_t i = 0; i < n; i++)
            gdpr_export__out_puts(&x->tables[i].o, CSV_COLUMNS);
    rc = gdpr_store__vault_foreach(x->eng->st, x->hash, vault_row, x);
    if (rc == GDPR_OK)
        rc = run_sources(x);
    if (x->tables == NULL)
        return rc != GDPR_OK ? rc : gdpr_export__out_flush(x->o);
    for (size_t i = 0; i < n && rc == GDPR_OK; i++)
        rc = gdpr_export__out_flush(&x->tables[i].o);
    return rc;
}

/* --- running an export ------------------------------------------------- */

static int
export_prepare(gdpr_engine *eng, const gdpr_actor *who, const char *subject, export_ctx *x)
{
    int64_t id = 0;
    int rc = gdpr_engine__require_policy(eng);

    memset(x, 0, sizeof *x);
    x->eng = eng;
    x->p = eng->policy;
    x->subject = subject;
    if (rc == GDPR_OK)
        rc = gdpr_engine__subject_hash(eng, subject, x->hash);
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_EXPORT_SUBJECT, x->hash);
    if (rc == GDPR_OK)
        rc = gdpr_store__subject_find(eng->st, x->hash, &id);
    if (rc == GDPR_ENOTFOUND)
        return gdpr__err_set(GDPR_ENOTFOUND,
                             "subject: unknown to the store (nothing recorded, or "
                             "erased); gdpr_subject_ensure() first to export source data alone");
    if (rc == GDPR_OK)
        rc = gdpr_engine__field_opener_new(eng, x->hash, &x->fo);
    if (rc != GDPR_OK)
        return rc;
    x->cat_records = calloc(x->p->n_categories + 1, sizeof *x->cat_records);
    x->cat_items = calloc(x->p->n_categories + 1, sizeof *x->cat_items);
    x->pur_records = calloc(x->p->n_purposes + 1, sizeof *x->pur_records);
    x->pur_items = calloc(x->p->n_purposes + 1, sizeof *x->pur_items);
    x->retention = calloc((x->p->n_purposes + 1) * x->p->n_categories + 1, sizeof *x->retention);
    if (x->cat_records == NULL || x->cat_items == NULL || x->pur_records == NULL ||
        x->pur_items == NULL || x->retention == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory preparing an export");
    return GDPR_OK;
}

static void
export_release(export_ctx *x)
{
    if (x->buf) {
        gdpr_crypto__wipe(x->buf, x->cap);
        free(x->buf);
    }
    gdpr_engine__field_opener_free(x->fo);
    free(x->cat_records);
    free(x->cat_items);
    free(x->pur_records);
    free(x->pur_items);
    if (x->retention)
        for (size_t i = 0; i < (x->p->n_purposes + 1) * x->p->n_categories; i++) {
            free(x->retention[i].criteria);
            free(x->retention[i].at[0].text);
            free(x->retention[i].at[1].text);
        }
    free(x->retention);
}

/* The export in one transaction (a consistent snapshot), audited either
 * way: a failed export is a fact the trail shows too. */
static int
run_audited(export_ctx *x, const gdpr_actor *who, const char *form, int (*body)(export_ctx *x))
{
    char ref[160];
    char why[512];
    int rc = gdpr_engine__begin(x->eng);

    if (rc != GDPR_OK)
        return rc;
    rc = body(x);
    snprintf(ref, sizeof ref, "export %s: %" PRId64 " records, %" PRId64 " source items%s", form,
             x->records, x->items, rc == GDPR_OK ? "" : " (failed)");
    if (rc == GDPR_OK) {
        rc = gdpr_audit__append(x->eng, who, gdpr_permission__name(PERM_EXPORT_SUBJECT), x->hash,
                                GDPR_OK, ref);
        return gdpr_engine__end(x->eng, rc);
    }
    snprintf(why, sizeof why, "%s", gdpr_errmsg());
    gdpr_engine__end(x->eng, rc);
    if (gdpr_engine__begin(x->eng) == GDPR_OK)
        gdpr_engine__end(x->eng,
                         gdpr_audit__append(x->eng, who, gdpr_permission__name(PERM_EXPORT_SUBJECT),
                                            x->hash, rc, ref));
    return gdpr__err_set(rc, "%s", why);
}

static int
check_common(gdpr_engine *eng, const gdpr_actor *who, const char *subject)
{
    int rc;

    rc = gdpr_engine__enter_subject(eng, who, subject);
    return rc;
}

GDPR_API int
gdpr_export_subject(gdpr_engine *eng, const gdpr_actor *who, const char *subject, int format,
                    gdpr_write_fn write, void *ctx)
{
    export_ctx x;
    out_stream o;
    int rc = check_common(eng, who, subject);

    if (rc == GDPR_OK && format != GDPR_EXPORT_JSON && format != GDPR_EXPORT_CSV)
        rc = gdpr__err_set(GDPR_EINVAL,
                           "format: %d is neither GDPR_EXPORT_JSON (%d) nor "
                           "GDPR_EXPORT_CSV (%d)",
                           format, GDPR_EXPORT_JSON, GDPR_EXPORT_CSV);
    if (rc == GDPR_OK && write == NULL)
        rc = gdpr__err_set(GDPR_EINVAL, "write: must not be NULL");
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = export_prepare(eng, who, subject, &x);
    if (rc == GDPR_OK)
        rc = gdpr_export__out_init(&o, write, ctx, "write", OUT_BUF_BYTES);
    if (rc == GDPR_OK) {
        x.o = &o;
        x.json = format == GDPR_EXPORT_JSON;
        rc = run_audited(&x, who, x.json ? "json" : "csv", x.json ? write_json : write_csv);
        gdpr_export__out_free(&o);
    }
    export_release(&x);
    return gdpr_engine__unlock(eng, rc);
}

static int
open_tables(export_ctx *x, const gdpr_csv_writer *w)
{
    size_t n = x->p->n_categories;

    x->tables = calloc(n + 1, sizeof *x->tables);
    if (x->tables == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory for %zu CSV tables", n);
    for (size_t i = 0; i < n; i++) {
        csv_table *t = &x->tables[i];
        const char *name = x->p->categories[i].id;
        char label[96];
        int ret = w->open_table(name, &t->write, &t->table_ctx, w->ctx);

        if (ret != 0)
            return gdpr__err_set(GDPR_ECALLBACK, "table '%.64s': open_table failed (returned %d)",
                                 name, ret);
        t->opened = 1;
        if (t->write == NULL)
            return gdpr__err_set(GDPR_ECALLBACK, "table '%.64s': open_table set no write function",
                                 name);
        snprintf(label, sizeof label, "table '%.64s'", name);
        if (gdpr_export__out_init(&t->o, t->write, t->table_ctx, label, CSV_TABLE_BUF) != GDPR_OK)
            return GDPR_ENOMEM;
    }
    return GDPR_OK;
}

static int
close_tables(export_ctx *x, const gdpr_csv_writer *w, int rc)
{
    char why[512];

    snprintf(why, sizeof why, "%s", gdpr_errmsg());
    for (size_t i = 0; x->tables != NULL && i < x->p->n_categories; i++) {
        csv_table *t = &x->tables[i];
        if (!t->opened)
            continue;
        gdpr_export__out_free(&t->o);
        if (w->close_table != NULL) {
            int ret = w->close_table(x->p->categories[i].id, t->table_ctx, rc, w->ctx);
            if (ret != 0 && rc == GDPR_OK) {
                rc = GDPR_ECALLBACK;
                snprintf(why, sizeof why, "table '%.64s': close_table failed (returned %d)",
                         x->p->categories[i].id, ret);
            }
        }
    }
    free(x->tables);
    x->tables = NULL;
    return rc == GDPR_OK ? GDPR_OK : gdpr__err_set(rc, "%s", why);
}

GDPR_API int
gdpr_export_subject_csv(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                        const gdpr_csv_writer *w)
{
    export_ctx x;
    int rc = check_common(eng, who, subject);

    if (rc == GDPR_OK && w == NULL)
        rc = gdpr__err_set(GDPR_EINVAL, "w: must not be NULL");
    if (rc == GDPR_OK && (w->version == 0 || w->version > GDPR_CSV_WRITER_VERSION))
        rc =
            gdpr__err_set(GDPR_EVERSION, "w->version: %u is not a known CSV writer version (1..%u)",
                          w->version, GDPR_CSV_WRITER_VERSION);
    if (rc == GDPR_OK && w->open_table == NULL)
        rc = gdpr__err_set(GDPR_EINVAL, "w->open_table: must not be NULL");
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = export_prepare(eng, who, subject, &x);
    if (rc == GDPR_OK) {
        rc = open_tables(&x, w);
        if (rc == GDPR_OK)
            rc = run_audited(&x, who, "csv tables", write_csv);
        rc = close_tables(&x, w, rc);
    }
    export_release(&x);
    return gdpr_engine__unlock(eng, rc);
}
