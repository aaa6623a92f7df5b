/*
 * Subject access export: the JSON document parsed and validated against
 * docs/export.schema.json by a checker that walks the schema; every Art. 15
 * section present, also when empty; values (text, binary, large) intact;
 * sources in every export, a failing one failing it with its name; the
 * CSV forms (RFC 4180); auditing; bad input changing nothing.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <regex.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "engine.h"
#include "helpers.h"

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

/* --- capture ------------------------------------------------------------- */

typedef struct {
    char *data;
    size_t len, cap;
    size_t pieces, largest;
    int fail_after; /* fail the n-th call (1-based); 0: never */
} sink;

static int
sink_write(const void *buf, size_t len, void *ctx)
{
    sink *s = ctx;

    s->pieces++;
    if (s->fail_after > 0 && (int)s->pieces >= s->fail_after)
        return 7;
    if (len > s->largest)
        s->largest = len;
    if (s->len + len + 1 > s->cap) {
        size_t cap = (s->len + len + 1) * 2;
        char *grown = realloc(s->data, cap);
        ck_assert_ptr_nonnull(grown);
        s->data = grown;
        s->cap = cap;
    }
    memcpy(s->data + s->len, buf, len);
    s->len += len;
    s->data[s->len] = '\0';
    return 0;
}

static void
sink_free(sink *s)
{
    free(s->data);
    memset(s, 0, sizeof *s);
}

/* --- a schema checker that walks the schema ------------------------------ */

typedef struct {
    const json_node *schema_root;
    char why[512];
} checker;

static int check(checker *c, const json_node *v, const json_node *schema, const char *path);

static int
schema_fail(checker *c, const char *path, const char *what)
{
    snprintf(c->why, sizeof c->why, "%.255s: %.250s", path, what);
    return -1;
}

static int
type_matches(const json_node *v, const char *type)
{
    switch (v->type) {
    case JSON_NULL:
        return strcmp(type, "null") == 0;
    case JSON_TRUE:
    case JSON_FALSE:
        return strcmp(type, "boolean") == 0;
    case JSON_INTEGER:
        return strcmp(type, "integer") == 0 || strcmp(type, "number") == 0;
    case JSON_REAL:
        return strcmp(type, "number") == 0;
    case JSON_TEXT:
        return strcmp(type, "string") == 0;
    case JSON_ARRAY:
        return strcmp(type, "array") == 0;
    case JSON_OBJECT:
        return strcmp(type, "object") == 0;
    }
    return 0;
}

static int
same_value(const json_node *a, const json_node *b)
{
    if (a->type != b->type)
        return 0;
    if (a->type == JSON_TEXT)
        return strcmp(a->text, b->text) == 0;
    if (a->type == JSON_INTEGER)
        return a->integer == b->integer;
    return a->type == JSON_NULL || a->type == JSON_TRUE || a->type == JSON_FALSE;
}

static const json_node *
resolve(checker *c, const char *ref)
{
    const char *prefix = "#/$defs/";

    if (strncmp(ref, prefix, strlen(prefix)) != 0)
        return NULL;
    return gdpr_json__member(gdpr_json__member(c->schema_root, "$defs"), ref + strlen(prefix));
}

static int
check_object(checker *c, const json_node *v, const json_node *schema, const char *path)
{
    const json_node *props = gdpr_json__member(schema, "properties");
    const json_node *additional = gdpr_json__member(schema, "additionalProperties");
    const json_node *required = gdpr_json__member(schema, "required");
    char sub[512];

    if (required)
        for (const json_node *r = required->first; r; r = r->next)
            if (gdpr_json__member(v, r->text) == NULL) {
                snprintf(sub, sizeof sub, "required property '%s' missing", r->text);
                return schema_fail(c, path, sub);
            }
    for (const json_node *m = v->first; m; m = m->next) {
        const json_node *ps = props ? gdpr_json__member(props, m->key) : NULL;
        snprintf(sub, sizeof sub, "%s.%s", path, m->key);
        if (ps == NULL) {
            if (additional && additional->type == JSON_FALSE)
                return schema_fail(c, sub, "property not allowed by the schema");
            continue;
        }
        if (check(c, m, ps, sub) != 0)
            return -1;
    }
    return 0;
}

static int
check(checker *c, const json_node *v, const json_node *schema, const char *path)
{
    static const char *const known[] = {
        "$schema", "$id",     "$ref",    "$defs",    "title",      "description",
        "type",    "const",   "enum",    "required", "properties", "additionalProperties",
        "items",   "minimum", "pattern", NULL};
    const json_node *k;

    for (const json_node *m = schema->first; m; m = m->next) {
        size_t i = 0;
        while (known[i] && strcmp(known[i], m->key) != 0)
            i++;
        if (known[i] == NULL)
            return schema_fail(c, path, "the checker does not know a schema keyword used here");
    }
    if ((k = gdpr_json__member(schema, "$ref")) != NULL) {
        const json_node *target = resolve(c, k->text);
        if (target == NULL)
            return schema_fail(c, path, "unresolvable $ref");
        if (check(c, v, target, path) != 0)
            return -1;
    }
    if ((k = gdpr_json__member(schema, "type")) != NULL) {
        int ok = 0;
        if (k->type == JSON_TEXT)
            ok = type_matches(v, k->text);
        else
            for (const json_node *t = k->first; t && !ok; t = t->next)
                ok = type_matches(v, t->text);
        if (!ok)
            return schema_fail(c, path, "wrong type");
    }
    if ((k = gdpr_json__member(schema, "const")) != NULL && !same_value(v, k))
        return schema_fail(c, path, "not the constant the schema requires");
    if ((k = gdpr_json__member(schema, "enum")) != NULL) {
        int ok = 0;
        for (const json_node *e = k->first; e && !ok; e = e->next)
            ok = same_value(v, e);
        if (!ok)
            return schema_fail(c, path, "not one of the enumerated values");
    }
    if ((k = gdpr_json__member(schema, "minimum")) != NULL && v->type == JSON_INTEGER &&
        v->integer < k->integer)
        return schema_fail(c, path, "below the minimum");
    if ((k = gdpr_json__member(schema, "pattern")) != NULL && v->type == JSON_TEXT) {
        regex_t re;
        int match;
        ck_assert_int_eq(regcomp(&re, k->text, REG_EXTENDED | REG_NOSUB), 0);
        match = regexec(&re, v->text, 0, NULL, 0) == 0;
        regfree(&re);
        if (!match)
            return schema_fail(c, path, "does not match the pattern");
    }
    if (v->type == JSON_OBJECT && check_object(c, v, schema, path) != 0)
        return -1;
    if (v->type == JSON_ARRAY && (k = gdpr_json__member(schema, "items")) != NULL) {
        char sub[512];
        for (const json_node *e = v->first; e; e = e->next) {
            snprintf(sub, sizeof sub, "%s[%zu]", path, e->index);
            if (check(c, e, k, sub) != 0)
                return -1;
        }
    }
    return 0;
}

static json_node *
parse(const char *text)
{
    json_node *root = NULL;

    th_ok(gdpr_store__json_parse(ts.eng->st, text, &root));
    ck_assert_ptr_nonnull(root);
    return root;
}

static json_node *schema_doc;

static int
validate_text(const char *text, char *why, size_t size)
{
    checker c;
    json_node *doc = parse(text);
    int rc;

    if (schema_doc == NULL) {
        char *schema_text = th_read_file(TEST_SOURCE_ROOT "/docs/export.schema.json", NULL);
        ck_assert_ptr_nonnull(schema_text);
        schema_doc = parse(schema_text);
        free(schema_text);
    }
    memset(&c, 0, sizeof c);
    c.schema_root = schema_doc;
    rc = check(&c, doc, schema_doc, "$");
    snprintf(why, size, "%s", c.why);
    gdpr_json__free(doc);
    return rc;
}

static void
assert_valid(const char *text)
{
    char why[512];

    ck_assert_msg(validate_text(text, why, sizeof why) == 0, "export invalid: %s", why);
}

static void
free_schema(void)
{
    gdpr_json__free(schema_doc);
    schema_doc = NULL;
}

/* --- data ----------------------------------------------------------------- */

static const char tricky_text[] = "Line \"one\"\n\ttab \\ back, \x01 ctl, caf\xc3\xa9 \xe2\x82\xac";

typedef struct {
    int fail_with;
    int bad_category;
    int calls;
    char subject[64];
} source_state;

static int
orders_export(const char *subject, gdpr_source_writer *w, void *ctx)
{
    source_state *st = ctx;
    gdpr_source_item item = GDPR_SOURCE_ITEM_INIT;
    static const unsigned char blob[] = {0x00, 0xff, 0x10, 0x00, 0x7f};

    st->calls++;
    snprintf(st->subject, sizeof st->subject, "%s", subject);
    if (gdpr_source_write(w, "financial", "order.total", "149.90 EUR", 10) != GDPR_OK)
        return 1;
    item.category = "financial";
    item.field = "order.receipt";
    item.value = blob;
    item.len = sizeof blob;
    item.record = "order 1042";
    item.purpose = "billing";
    item.collected = 1760000000;
    item.collected_from = "webshop";
    if (gdpr_source_write_item(w, &item) != GDPR_OK)
        return 1;
    if (st->bad_category)
        gdpr_source_write(w, "shoes", "size", "44", 2); /* refused; export must fail */
    return st->fail_with;
}

static int
notes_export(const char *subject, gdpr_source_writer *w, void *ctx)
{
    (void)subject;
    (void)ctx;
    return gdpr_source_write(w, "health", "call.note", "needs large print", 17) == GDPR_OK ? 0 : 1;
}

static void
register_source(const char *name, gdpr_source_export_fn fn, void *ctx)
{
    gdpr_source src = GDPR_SOURCE_INIT;

    src.name = name;
    src.description = "test source";
    src.export_items = fn;
    src.ctx = ctx;
    th_ok(gdpr_source_register(ts.eng, &th_dpo, &src));
}

typedef struct {
    int64_t text, binary, big, billing;
    unsigned char bin[300];
    unsigned char *bigv;
    size_t big_len;
} planted;

static void
plant(planted *p, const char *subject)
{
    gdpr_consent c = GDPR_CONSENT_INIT;
    gdpr_transfer_request tr = GDPR_TRANSFER_REQUEST_INIT;
    gdpr_transfer_result res = GDPR_TRANSFER_RESULT_INIT;
    int64_t ev = 0, disc = 0;

    for (size_t i = 0; i < sizeof p->bin; i++)
        p->bin[i] = (unsigned char)(255 - i);
    p->big_len = 200000;
    p->bigv = malloc(p->big_len);
    for (size_t i = 0; i < p->big_len; i++)
        p->bigv[i] = (unsigned char)('a' + i % 26);
    th_ok(gdpr_vault_put(ts.eng, &th_agent, subject, "contact", "service", tricky_text,
                         strlen(tricky_text), &p->text));
    th_ok(gdpr_vault_put(ts.eng, &th_agent, subject, "usage", "service", p->bin, sizeof p->bin,
                         &p->binary));
    th_ok(gdpr_vault_put(ts.eng, &th_agent, subject, "usage", "service", p->bigv, p->big_len,
                         &p->big));
    th_ok(gdpr_vault_put(ts.eng, &th_agent, subject, "financial", "billing", "INV-2026-001", 12,
                         &p->billing));
    th_ok(gdpr_subject_link(ts.eng, &th_agent, subject, "email", "Dana@Example.com"));
    th_ok(gdpr_subject_link(ts.eng, &th_agent, subject, "phone", "+44 20 7946 0000"));
    c.subject = subject;
    c.purpose = "marketing";
    c.notice = "marketing-v2";
    c.channel = "web";
    c.proof = "form-submission-8841";
    th_ok(gdpr_consent_record(ts.eng, &th_agent, &c, &ev));
    ts.now += 60;
    th_ok(gdpr_consent_withdraw(ts.eng, &th_agent, subject, "marketing", NULL, "phone", &ev));
    th_ok(gdpr_disclosure_record(ts.eng, &th_agent, subject, "revenue", "billing", &disc));
    tr.subject = subject;
    tr.recipient = "support-in";
    tr.at = ts.now;
    th_ok(gdpr_transfer_record(ts.eng, &th_dpo, &tr, &res));
}

static const json_node *
find_by_id(const json_node *array, int64_t id)
{
    for (const json_node *e = array->first; e; e = e->next) {
        const json_node *m = gdpr_json__member(e, "id");
        if (m && m->type == JSON_INTEGER && m->integer == id)
            return e;
    }
    return NULL;
}

static unsigned char *
value_bytes(const json_node *item, size_t *len_out)
{
    const char *enc = gdpr_json__member(item, "encoding")->text;
    const char *text = gdpr_json__member(item, "value")->text;
    size_t n = strlen(text);
    unsigned char *out = malloc(n + 1);

    if (strcmp(enc, "utf-8") == 0) {
        memcpy(out, text, n);
        *len_out = n;
        return out;
    }
    ck_assert_str_eq(enc, "base64");
    {
        int got = EVP_DecodeBlock(out, (const unsigned char *)text, (int)n);
        ck_assert_int_ge(got, 0);
        *len_out = (size_t)got - (n > 0 && text[n - 1] == '=') - (n > 1 && text[n - 2] == '=');
    }
    return out;
}

static void
assert_item_value(const json_node *item, const void *want, size_t want_len)
{
    size_t len = 0;
    unsigned char *got = value_bytes(item, &len);

    ck_assert_uint_eq(len, want_len);
    ck_assert_int_eq(memcmp(got, want, len), 0);
    free(got);
}

static size_t
count(const json_node *array)
{
    ck_assert_int_eq(array->type, JSON_ARRAY);
    return array->count;
}

typedef struct {
    char action[64];
    char ref[128];
    int outcome;
} last_audit;

static int
audit_last(const gdpr_audit_event *ev, void *ctx)
{
    last_audit *l = ctx;

    snprintf(l->action, sizeof l->action, "%s", ev->action);
    snprintf(l->ref, sizeof l->ref, "%s", ev->ref ? ev->ref : "");
    l->outcome = ev->outcome;
    return 0;
}

static last_audit
latest_audit(void)
{
    last_audit l;

    memset(&l, 0, sizeof l);
    th_ok(gdpr_audit_foreach(ts.eng, 1, audit_last, &l));
    return l;
}

/* --- JSON ----------------------------------------------------------------- */

START_TEST(full_export_is_valid_and_complete)
{
    TH_SQLITE_ONLY("greps the SQLite files");
    planted p;
    sink out;
    source_state orders;
    json_node *doc;
    const json_node *records, *rec, *sources, *items, *consents, *m;
    last_audit l;

    memset(&out, 0, sizeof out);
    memset(&orders, 0, sizeof orders);
    plant(&p, "cust-100");
    register_source("crm.orders", orders_export, &orders);
    register_source("crm.notes", notes_export, NULL);
    th_ok(gdpr_export_subject(ts.eng, &th_dpo, "cust-100", GDPR_EXPORT_JSON, sink_write, &out));
    ck_assert_int_eq(orders.calls, 1);
    ck_assert_str_eq(orders.subject, "cust-100");
    ck_assert_uint_le(out.largest, 65536);
    ck_assert_uint_ge(out.pieces, 4); /* streamed, not handed over whole */
    assert_valid(out.data);
    doc = parse(out.data);
    ck_assert_str_eq(gdpr_json__member(gdpr_json__member(doc, "subject"), "id")->text, "cust-100");
    ck_assert_uint_eq(count(gdpr_json__member(gdpr_json__member(doc, "subject"), "identifiers")),
                      2);
    m = gdpr_json__member(gdpr_json__member(doc, "subject"), "identifiers")->first;
    ck_assert_str_eq(gdpr_json__member(m, "kind")->text, "email");
    ck_assert_str_eq(gdpr_json__member(m, "value")->text, "dana@example.com");
    ck_assert_str_eq(gdpr_json__member(gdpr_json__member(doc, "controller"), "name")->text,
                     "Example CRM Ltd");
    ck_assert_str_eq(gdpr_json__member(gdpr_json__member(doc, "rights"), "how_to_exercise")->text,
                     "https://example.com/privacy/rights");
    ck_assert_uint_ge(count(gdpr_json__member(gdpr_json__member(doc, "rights"), "rights")), 8);
    ck_assert_uint_eq(count(gdpr_json__member(doc, "purposes")), 7); /* examples/policy.json */
    ck_assert_uint_eq(count(gdpr_json__member(doc, "categories")), 5);
    ck_assert_uint_eq(count(gdpr_json__member(doc, "recipients")), 5);
    ck_assert_uint_eq(count(gdpr_json__member(doc, "retention")), 4);
    ck_assert_uint_eq(count(gdpr_json__member(doc, "automated_decisions")), 1);
    ck_assert_str_eq(
        gdpr_json__member(gdpr_json__member(doc, "automated_decisions")->first, "purpose")->text,
        "credit-check");
    /* Records, decrypted. */
    records = gdpr_json__member(doc, "records");
    ck_assert_uint_eq(count(records), 4);
    rec = find_by_id(records, p.text);
    ck_assert_str_eq(gdpr_json__member(rec, "encoding")->text, "utf-8");
    assert_item_value(rec, tricky_text, strlen(tricky_text));
    ck_assert_ptr_null(gdpr_json__member(rec, "collected_from")->text);
    rec = find_by_id(records, p.binary);
    ck_assert_str_eq(gdpr_json__member(rec, "encoding")->text, "base64");
    assert_item_value(rec, p.bin, sizeof p.bin);
    rec = find_by_id(records, p.big);
    assert_item_value(rec, p.bigv, p.big_len);
    /* Retention per record: the rule, or the criteria. */
    rec = find_by_id(records, p.billing);
    ck_assert_str_eq(gdpr_json__member(gdpr_json__member(rec, "retention"), "rule")->text, "R-1");
    ck_assert_str_eq(gdpr_json__member(gdpr_json__member(rec, "retention"), "period")->text, "P6Y");
    rec = find_by_id(records, p.text);
    ck_assert_int_eq(gdpr_json__member(gdpr_json__member(rec, "retention"), "rule")->type,
                     JSON_NULL);
    ck_assert_ptr_nonnull(
        strstr(gdpr_json__member(gdpr_json__member(rec, "retention"), "criteria")->text,
               "purpose 'service'"));
    /* Ledger sections. */
    consents = gdpr_json__member(doc, "consent_history");
    ck_assert_uint_eq(count(consents), 2);
    ck_assert_str_eq(gdpr_json__member(consents->first, "state")->text, "granted");
    assert_item_value(gdpr_json__member(consents->first, "proof"), "form-submission-8841", 20);
    ck_assert_str_eq(gdpr_json__member(consents->last, "state")->text, "withdrawn");
    ck_assert_uint_eq(count(gdpr_json__member(doc, "disclosures")), 1);
    ck_assert_str_eq(
        gdpr_json__member(gdpr_json__member(doc, "disclosures")->first, "recipient")->text,
        "revenue");
    ck_assert_uint_eq(count(gdpr_json__member(doc, "transfers")), 1);
    m = gdpr_json__member(doc, "transfers")->first;
    ck_assert_str_eq(gdpr_json__member(m, "recipient")->text, "support-in");
    ck_assert_str_eq(gdpr_json__member(m, "country")->text, "IN");
    ck_assert_int_eq(gdpr_json__member(m, "allowed")->type, JSON_TRUE);
    ck_assert_str_eq(gdpr_json__member(m, "mechanism")->text, "scc");
    /* Sources, in registration order, with their items. */
    sources = gdpr_json__member(doc, "sources");
    ck_assert_uint_eq(count(sources), 2);
    ck_assert_str_eq(gdpr_json__member(sources->first, "name")->text, "crm.orders");
    items = gdpr_json__member(sources->first, "items");
    ck_assert_uint_eq(count(items), 2);
    assert_item_value(items->first, "149.90 EUR", 10);
    assert_item_value(items->last, "\x00\xff\x10\x00\x7f", 5);
    ck_assert_str_eq(gdpr_json__member(items->last, "record")->text, "order 1042");
    ck_assert_str_eq(gdpr_json__member(gdpr_json__member(items->last, "retention"), "rule")->text,
                     "R-1");
    items = gdpr_json__member(sources->last, "items");
    ck_assert_int_eq(gdpr_json__member(items->first, "special")->type, JSON_TRUE);
    m = gdpr_json__member(doc, "summary");
    ck_assert_int_eq(gdpr_json__member(m, "vault_records")->integer, 4);
    ck_assert_int_eq(gdpr_json__member(m, "source_items")->integer, 3);
    gdpr_json__free(doc);
    /* Audited, with counts and no data. */
    l = latest_audit();
    ck_assert_str_eq(l.action, "export.subject");
    ck_assert_int_eq(l.outcome, GDPR_OK);
    ck_assert_str_eq(l.ref, "export json: 4 records, 3 source items");
    th_ok(gdpr_audit_verify(ts.eng, NULL));
    /* The export wrote nothing personal into the store. */
    ck_assert_int_eq(th_store_files_contain(&ts, "dana@example.com", 16), 0);
    ck_assert_int_eq(th_store_files_contain(&ts, "INV-2026-001", 12), 0);
    ck_assert_int_eq(th_store_files_contain(&ts, "form-submission-8841", 20), 0);
    ck_assert_int_eq(th_store_files_contain(&ts, "caf\xc3\xa9", 5), 0);
    free(p.bigv);
    sink_free(&out);
    free_schema();
}
END_TEST

START_TEST(every_section_present_when_empty)
{
    static const char *const arrays[] = {"purposes",   "categories",
                                         "recipients", "disclosures",
                                         "retention",  "automated_decisions",
                                         "transfers",  "consent_history",
                                         "records",    "sources",
                                         NULL};
    static const char *const empty[] = {"disclosures", "transfers", "consent_history",
                                        "records",     "sources",   NULL};
    sink out;
    json_node *doc;
    int created = 0;

    memset(&out, 0, sizeof out);
    th_ok(gdpr_subject_ensure(ts.eng, &th_dpo, "lonely", &created));
    th_ok(gdpr_export_subject(ts.eng, &th_dpo, "lonely", GDPR_EXPORT_JSON, sink_write, &out));
    assert_valid(out.data);
    doc = parse(out.data);
    for (size_t i = 0; arrays[i]; i++)
        ck_assert_msg(gdpr_json__member(doc, arrays[i]) != NULL &&
                          gdpr_json__member(doc, arrays[i])->type == JSON_ARRAY,
                      "section %s missing", arrays[i]);
    for (size_t i = 0; empty[i]; i++)
        ck_assert_msg(count(gdpr_json__member(doc, empty[i])) == 0, "%s not empty", empty[i]);
    ck_assert_uint_eq(count(gdpr_json__member(gdpr_json__member(doc, "subject"), "identifiers")),
                      0);
    ck_assert_ptr_nonnull(gdpr_json__member(doc, "controller"));
    ck_assert_ptr_nonnull(gdpr_json__member(doc, "rights"));
    gdpr_json__free(doc);
    sink_free(&out);
    free_schema();
}
END_TEST

/* The checker is real: it rejects documents that break the schema. */
START_TEST(schema_checker_rejects_bad_documents)
{
    sink out;
    char why[512];
    char *doc;
    char *at;
    int created = 0;

    memset(&out, 0, sizeof out);
    th_ok(gdpr_subject_ensure(ts.eng, &th_dpo, "lonely", &created));
    th_ok(gdpr_export_subject(ts.eng, &th_dpo, "lonely", GDPR_EXPORT_JSON, sink_write, &out));
    ck_assert_int_eq(validate_text(out.data, why, sizeof why), 0);
    /* A section renamed: required missing and an unknown property. */
    doc = strdup(out.data);
    at = strstr(doc, "\"records\"");
    ck_assert_ptr_nonnull(at);
    memcpy(at, "\"recordz\"", 9);
    ck_assert_int_eq(validate_text(doc, why, sizeof why), -1);
    ck_assert_ptr_nonnull(strstr(why, "records"));
    free(doc);
    /* A wrong type. */
    doc = strdup(out.data);
    at = strstr(doc, "\"format_version\": 1");
    ck_assert_ptr_nonnull(at);
    at[strlen("\"format_version\": ")] = '2';
    ck_assert_int_eq(validate_text(doc, why, sizeof why), -1);
    ck_assert_ptr_nonnull(strstr(why, "format_version"));
    free(doc);
    /* A time that is not RFC 3339. */
    doc = strdup(out.data);
    at = strstr(doc, "\"generated_at\": \"");
    ck_assert_ptr_nonnull(at);
    at[strlen("\"generated_at\": \"") + 4] = '/';
    ck_assert_int_eq(validate_text(doc, why, sizeof why), -1);
    ck_assert_ptr_nonnull(strstr(why, "pattern"));
    free(doc);
    ck_assert_int_eq(validate_text("{\"format\": \"libgdpr.export\"}", why, sizeof why), -1);
    ck_assert_ptr_nonnull(strstr(why, "required property"));
    sink_free(&out);
    free_schema();
}
END_TEST

START_TEST(failing_source_fails_the_export)
{
    source_state orders;
    sink out;
    last_audit l;

    memset(&out, 0, sizeof out);
    memset(&orders, 0, sizeof orders);
    th_ok(gdpr_vault_put(ts.eng, &th_agent, "cust-101", "contact", "service", "x", 1, NULL));
    register_source("crm.orders", orders_export, &orders);
    orders.fail_with = 3;
    th_assert_err(
        gdpr_export_subject(ts.eng, &th_dpo, "cust-101", GDPR_EXPORT_JSON, sink_write, &out),
        GDPR_ECALLBACK, "source 'crm.orders': export callback failed (returned 3)");
    l = latest_audit();
    ck_assert_str_eq(l.action, "export.subject");
    ck_assert_int_eq(l.outcome, GDPR_ECALLBACK);
    /* An item the policy does not know fails it too, even if the callback
     * carries on and returns 0. */
    orders.fail_with = 0;
    orders.bad_category = 1;
    sink_free(&out);
    th_assert_err(
        gdpr_export_subject(ts.eng, &th_dpo, "cust-101", GDPR_EXPORT_JSON, sink_write, &out),
        GDPR_ECALLBACK,
        "source 'crm.orders': an item was refused: item.category: "
        "'shoes'");
    orders.bad_category = 0;
    sink_free(&out);
    th_ok(gdpr_export_subject(ts.eng, &th_dpo, "cust-101", GDPR_EXPORT_JSON, sink_write, &out));
    sink_free(&out);
    th_ok(gdpr_audit_verify(ts.eng, NULL));
}
END_TEST

/* Every bad item is refused with a message naming the field; the first
 * refusal fails the export even though the callback returns 0. */
static int
bad_writes(const char *subject, gdpr_source_writer *w, void *ctx)
{
    gdpr_source_item item = GDPR_SOURCE_ITEM_INIT;
    char over_long[300];
    int *checked = ctx;

    (void)subject;
    memset(over_long, 'r', sizeof over_long - 1);
    over_long[sizeof over_long - 1] = '\0';
    th_assert_err(gdpr_source_write(NULL, "contact", "f", "v", 1), GDPR_EINVAL, "w: must not");
    th_assert_err(gdpr_source_write(w, NULL, "f", "v", 1), GDPR_EINVAL,
                  "item.category: must not be NULL");
    th_assert_err(gdpr_source_write(w, "contact", "\xff", "v", 1), GDPR_EINVAL,
                  "item.field: not valid UTF-8");
    th_assert_err(gdpr_source_write(w, "contact", "", "v", 1), GDPR_EINVAL,
                  "item.field: must not be empty");
    th_assert_err(gdpr_source_write(w, "contact", "f", NULL, 3), GDPR_EINVAL,
                  "item.value: NULL with len 3");
    th_assert_err(gdpr_source_write_item(w, NULL), GDPR_EINVAL, "item: must not be NULL");
    item.version = 0;
    th_assert_err(gdpr_source_write_item(w, &item), GDPR_EVERSION, "item.version: 0");
    item.version = GDPR_SOURCE_ITEM_VERSION;
    item.category = "contact";
    item.field = "f";
    item.purpose = "xyz";
    th_assert_err(gdpr_source_write_item(w, &item), GDPR_EINVAL,
                  "item.purpose: 'xyz' is not a purpose of the policy");
    item.purpose = NULL;
    item.record = over_long;
    th_assert_err(gdpr_source_write_item(w, &item), GDPR_EINVAL, "item.record: longer than");
    item.record = NULL;
    item.collected = -1;
    th_assert_err(gdpr_source_write_item(w, &item), GDPR_EINVAL, "item.collected: -1");
    item.collected = 0;
    th_ok(gdpr_source_write_item(w, &item)); /* a good one still goes through */
    *checked = 1;
    return 0;
}

START_TEST(source_writer_refuses_bad_items)
{
    sink out;
    int checked = 0;

    memset(&out, 0, sizeof out);
    th_ok(gdpr_vault_put(ts.eng, &th_agent, "cust-106", "contact", "service", "x", 1, NULL));
    register_source("crm.bad", bad_writes, &checked);
    th_assert_err(
        gdpr_export_subject(ts.eng, &th_dpo, "cust-106", GDPR_EXPORT_JSON, sink_write, &out),
        GDPR_ECALLBACK,
        "source 'crm.bad': an item was refused: item.category: must "
        "not be NULL");
    ck_assert_int_eq(checked, 1);
    ck_assert_int_eq(latest_audit().outcome, GDPR_ECALLBACK);
    sink_free(&out);
}
END_TEST

START_TEST(failing_write_fails_the_export)
{
    sink out;
    planted p;

    memset(&out, 0, sizeof out);
    plant(&p, "cust-102");
    out.fail_after = 2;
    th_assert_err(
        gdpr_export_subject(ts.eng, &th_dpo, "cust-102", GDPR_EXPORT_JSON, sink_write, &out),
        GDPR_ECALLBACK, "write: callback failed (returned 7)");
    ck_assert_int_eq(latest_audit().outcome, GDPR_ECALLBACK);
    free(p.bigv);
    sink_free(&out);
}
END_TEST

START_TEST(export_refuses_bad_input_and_changes_nothing)
{
    char before[65], after[65];
    char over_long[300];
    gdpr_csv_writer w = {0, NULL, NULL, NULL};
    sink out;

    memset(&out, 0, sizeof out);
    memset(over_long, 's', sizeof over_long - 1);
    over_long[sizeof over_long - 1] = '\0';
    th_ok(gdpr_vault_put(ts.eng, &th_agent, "cust-103", "contact", "service", "x", 1, NULL));
    th_fingerprint(&ts, before);
    th_assert_err(
        gdpr_export_subject(NULL, &th_dpo, "cust-103", GDPR_EXPORT_JSON, sink_write, &out),
        GDPR_EINVAL, "eng");
    th_assert_err(gdpr_export_subject(ts.eng, NULL, "cust-103", GDPR_EXPORT_JSON, sink_write, &out),
                  GDPR_EINVAL, "who");
    th_assert_err(gdpr_export_subject(ts.eng, &th_dpo, NULL, GDPR_EXPORT_JSON, sink_write, &out),
                  GDPR_EINVAL, "subject: must not be NULL");
    th_assert_err(gdpr_export_subject(ts.eng, &th_dpo, "", GDPR_EXPORT_JSON, sink_write, &out),
                  GDPR_EINVAL, "subject: must not be empty");
    th_assert_err(
        gdpr_export_subject(ts.eng, &th_dpo, over_long, GDPR_EXPORT_JSON, sink_write, &out),
        GDPR_EINVAL, "subject: longer than");
    th_assert_err(gdpr_export_subject(ts.eng, &th_dpo, "\xff", GDPR_EXPORT_JSON, sink_write, &out),
                  GDPR_EINVAL, "subject: not valid UTF-8");
    th_assert_err(gdpr_export_subject(ts.eng, &th_dpo, "cust-103", 0, sink_write, &out),
                  GDPR_EINVAL, "format: 0");
    th_assert_err(gdpr_export_subject(ts.eng, &th_dpo, "cust-103", 3, sink_write, &out),
                  GDPR_EINVAL, "format: 3");
    th_assert_err(gdpr_export_subject(ts.eng, &th_dpo, "cust-103", GDPR_EXPORT_JSON, NULL, &out),
                  GDPR_EINVAL, "write");
    th_assert_err(
        gdpr_export_subject(ts.eng, &th_dpo, "nobody", GDPR_EXPORT_JSON, sink_write, &out),
        GDPR_ENOTFOUND, "subject: unknown");
    th_assert_err(gdpr_export_subject_csv(ts.eng, &th_dpo, "cust-103", NULL), GDPR_EINVAL, "w");
    th_assert_err(gdpr_export_subject_csv(ts.eng, &th_dpo, "cust-103", &w), GDPR_EVERSION,
                  "w->version: 0");
    w.version = GDPR_CSV_WRITER_VERSION;
    th_assert_err(gdpr_export_subject_csv(ts.eng, &th_dpo, "cust-103", &w), GDPR_EINVAL,
                  "w->open_table");
    th_assert_err(gdpr_export_subject_csv(ts.eng, &th_dpo, "\xff", &w), GDPR_EINVAL,
                  "subject: not valid UTF-8");
    ck_assert_uint_eq(out.len, 0);
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    /* The agent may not export: refused and audited, nothing written. */
    th_assert_err(
        gdpr_export_subject(ts.eng, &th_agent, "cust-103", GDPR_EXPORT_JSON, sink_write, &out),
        GDPR_EDENIED, "export.subject");
    ck_assert_uint_eq(out.len, 0);
    ck_assert_int_eq(latest_audit().outcome, GDPR_EDENIED);
    {
        th_store bare;
        th_setup_bare(&bare);
        th_assert_err(
            gdpr_export_subject(bare.eng, &th_dpo, "x", GDPR_EXPORT_JSON, sink_write, &out),
            GDPR_ESTATE, "policy");
        th_teardown(&bare);
    }
}
END_TEST

/* Many records: the output is handed over in bounded pieces as it goes. */
START_TEST(large_export_streams)
{
    sink out;
    json_node *doc;
    char value[64];

    memset(&out, 0, sizeof out);
    th_ok(gdpr_begin(ts.eng));
    for (int i = 0; i < 3000; i++) {
        snprintf(value, sizeof value, "call note number %d for the customer", i);
        th_ok(gdpr_vault_put(ts.eng, &th_agent, "cust-104", "usage", "service", value,
                             strlen(value), NULL));
    }
    th_ok(gdpr_commit(ts.eng));
    th_ok(gdpr_export_subject(ts.eng, &th_dpo, "cust-104", GDPR_EXPORT_JSON, sink_write, &out));
    ck_assert_uint_le(out.largest, 65536);
    ck_assert_uint_ge(out.pieces, out.len / 65536);
    assert_valid(out.data);
    doc = parse(out.data);
    ck_assert_uint_eq(count(gdpr_json__member(doc, "records")), 3000);
    gdpr_json__free(doc);
    sink_free(&out);
    free_schema();
}
END_TEST

#if defined(__GLIBC__)
/* Heap in use at the peak of an export, seen from the write callback
 * (glibc's mallinfo2; SQLite allocates through malloc too). */
typedef struct {
    size_t base, peak;
} heap_probe;

static int
heap_write(const void *buf, size_t len, void *ctx)
{
    heap_probe *h = ctx;
    struct mallinfo2 m = mallinfo2();

    (void)buf;
    (void)len;
    if (m.uordblks > h->peak)
        h->peak = m.uordblks;
    return 0;
}

static size_t
export_heap_growth(const char *subject)
{
    heap_probe h;
    struct mallinfo2 m;
    size_t most = 0;

    /* The first run warms SQLite's caches; take the largest of the rest. */
    for (int run = 0; run < 3; run++) {
        m = mallinfo2();
        h.base = h.peak = m.uordblks;
        th_ok(gdpr_export_subject(ts.eng, &th_dpo, subject, GDPR_EXPORT_JSON, heap_write, &h));
        if (run > 0 && h.peak - h.base > most)
            most = h.peak - h.base;
    }
    return most;
}

/* Memory does not grow with the number of records: exporting 10,000
 * records needs no more heap than exporting 500 (the 64 KiB output buffer
 * and one value's buffer, whatever the count). */
START_TEST(memory_flat_in_the_number_of_records)
{
    char value[64];
    size_t small, big;

    th_ok(gdpr_begin(ts.eng));
    for (int i = 0; i < 10000; i++) {
        snprintf(value, sizeof value, "note %05d: the customer called about an order", i);
        th_ok(gdpr_vault_put(ts.eng, &th_agent, i < 500 ? "few" : "many", "usage", "service", value,
                             strlen(value), NULL));
        if (i >= 500)
            continue;
        th_ok(gdpr_vault_put(ts.eng, &th_agent, "many", "usage", "service", value, strlen(value),
                             NULL));
    }
    th_ok(gdpr_commit(ts.eng));
    if (mallinfo2().uordblks == 0)
        return; /* a sanitizer or valgrind replaced malloc: nothing to measure */
    small = export_heap_growth("few");
    big = export_heap_growth("many");
    ck_assert_msg(big <= small + 32 * 1024,
                  "heap growth %zu bytes for 10,000 records vs %zu "
                  "for 500",
                  big, small);
    ck_assert_msg(big < 512 * 1024, "heap growth %zu bytes", big);
}
END_TEST
#endif

/* Escaping is done eight bytes at a time where nothing needs it: put a
 * character that must be escaped at every offset of strings of every
 * length around the word size, and check each comes back exactly. */
static void
offset_value(char specials_k, int len, int at, char out[25])
{
    for (int i = 0; i < len; i++)
        out[i] = (char)('a' + (i + len) % 26);
    out[at] = specials_k;
}

START_TEST(escaping_at_every_offset)
{
    static const char specials[] = {'"', '\\', '\n', '\x01', '\x1f', '\t'};
    static int64_t ids[6][25][25];
    char value[25];
    sink out;
    json_node *doc;
    const json_node *records;

    memset(&out, 0, sizeof out);
    th_ok(gdpr_begin(ts.eng));
    for (int k = 0; k < 6; k++)
        for (int len = 1; len <= 24; len++)
            for (int at = 0; at < len; at++) {
                offset_value(specials[k], len, at, value);
                th_ok(gdpr_vault_put(ts.eng, &th_agent, "cust-105", "usage", "service", value,
                                     (size_t)len, &ids[k][len][at]));
            }
    th_ok(gdpr_commit(ts.eng));
    th_ok(gdpr_export_subject(ts.eng, &th_dpo, "cust-105", GDPR_EXPORT_JSON, sink_write, &out));
    doc = parse(out.data);
    records = gdpr_json__member(doc, "records");
    for (int k = 0; k < 6; k++)
        for (int len = 1; len <= 24; len++)
            for (int at = 0; at < len; at++) {
                const json_node *rec = find_by_id(records, ids[k][len][at]);
                offset_value(specials[k], len, at, value);
                ck_assert_ptr_nonnull(rec);
                ck_assert_str_eq(gdpr_json__member(rec, "encoding")->text, "utf-8");
                assert_item_value(rec, value, (size_t)len);
            }
    gdpr_json__free(doc);
    sink_free(&out);
}
END_TEST

/* --- CSV ------------------------------------------------------------------ */

/* A small RFC 4180 reader: rows of fields, quotes undone. */
typedef struct {
    char *fields[16];
    size_t lens[16];
    int n;
} csv_row;

static const char *
read_row(const char *p, csv_row *row)
{
    row->n = 0;
    while (*p) {
        char *f = malloc(strlen(p) + 1);
        size_t n = 0;
        if (*p == '"') {
            p++;
            for (;;) {
                ck_assert_msg(*p != '\0', "unterminated quoted field");
                if (p[0] == '"' && p[1] == '"') {
                    f[n++] = '"';
                    p += 2;
                } else if (p[0] == '"') {
                    p++;
                    break;
                } else {
                    f[n++] = *p++;
                }
            }
        } else {
            while (*p && *p != ',' && *p != '\r') {
                ck_assert_msg(*p != '"' && *p != '\n', "bare quote or LF in a field");
                f[n++] = *p++;
            }
        }
        f[n] = '\0';
        ck_assert_int_lt(row->n, 16);
        row->fields[row->n] = f;
        row->lens[row->n++] = n;
        if (*p == ',') {
            p++;
            continue;
        }
        ck_assert_msg(p[0] == '\r' && p[1] == '\n', "row does not end with CRLF");
        return p + 2;
    }
    return p;
}

static void
free_row(csv_row *row)
{
    for (int i = 0; i < row->n; i++)
        free(row->fields[i]);
    row->n = 0;
}

START_TEST(csv_single_table)
{
    planted p;
    sink out;
    csv_row row;
    const char *at;
    int rows = 0, saw_text = 0, saw_bin = 0, saw_source = 0;

    memset(&out, 0, sizeof out);
    plant(&p, "cust-110");
    register_source("crm.notes", notes_export, NULL);
    th_ok(gdpr_export_subject(ts.eng, &th_dpo, "cust-110", GDPR_EXPORT_CSV, sink_write, &out));
    at = read_row(out.data, &row);
    ck_assert_int_eq(row.n, 10);
    ck_assert_str_eq(row.fields[0], "category");
    ck_assert_str_eq(row.fields[9], "value");
    free_row(&row);
    while (*at) {
        at = read_row(at, &row);
        ck_assert_int_eq(row.n, 10);
        rows++;
        if (strcmp(row.fields[1], "vault") == 0 && atoll(row.fields[2]) == p.text) {
            ck_assert_str_eq(row.fields[8], "utf-8");
            ck_assert_uint_eq(row.lens[9], strlen(tricky_text));
            ck_assert_int_eq(memcmp(row.fields[9], tricky_text, row.lens[9]), 0);
            saw_text = 1;
        }
        if (atoll(row.fields[2]) == p.binary && strcmp(row.fields[1], "vault") == 0) {
            int got;
            unsigned char dec[512];
            ck_assert_str_eq(row.fields[0], "usage");
            ck_assert_str_eq(row.fields[8], "base64");
            got = EVP_DecodeBlock(dec, (unsigned char *)row.fields[9], (int)row.lens[9]);
            ck_assert_int_ge(got, (int)sizeof p.bin);
            ck_assert_int_eq(memcmp(dec, p.bin, sizeof p.bin), 0);
            saw_bin = 1;
        }
        if (strcmp(row.fields[1], "crm.notes") == 0) {
            ck_assert_str_eq(row.fields[0], "health");
            ck_assert_str_eq(row.fields[3], "call.note");
            saw_source = 1;
        }
        free_row(&row);
    }
    ck_assert_int_eq(rows, 5);
    ck_assert(saw_text && saw_bin && saw_source);
    ck_assert_str_eq(latest_audit().ref, "export csv: 4 records, 1 source items");
    free(p.bigv);
    sink_free(&out);
}
END_TEST

typedef struct {
    char name[32];
    sink data;
    int closed;
    int status;
} table_buf;

typedef struct {
    table_buf tables[8];
    int n;
    int fail_open_of; /* 1-based table index to refuse; 0 none */
    int fail_close;
} table_set;

static int
table_write(const void *buf, size_t len, void *ctx)
{
    return sink_write(buf, len, &((table_buf *)ctx)->data);
}

static int
open_table(const char *table, gdpr_write_fn *write_out, void **table_ctx_out, void *ctx)
{
    table_set *set = ctx;
    table_buf *t;

    if (set->fail_open_of == set->n + 1)
        return 9;
    ck_assert_int_lt(set->n, 8);
    t = &set->tables[set->n++];
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", table);
    *write_out = table_write;
    *table_ctx_out = t;
    return 0;
}

static int
close_table(const char *table, void *table_ctx, int status, void *ctx)
{
    table_buf *t = table_ctx;

    (void)ctx;
    ck_assert_str_eq(t->name, table);
    t->closed++;
    t->status = status;
    return ((table_set *)ctx)->fail_close;
}

static table_buf *
table_named(table_set *set, const char *name)
{
    for (int i = 0; i < set->n; i++)
        if (strcmp(set->tables[i].name, name) == 0)
            return &set->tables[i];
    return NULL;
}

static int
rows_in(const char *data)
{
    csv_row row;
    int n = 0;

    while (data && *data) {
        data = read_row(data, &row);
        ck_assert_int_eq(row.n, 9);
        free_row(&row);
        n++;
    }
    return n - 1; /* header */
}

START_TEST(csv_one_table_per_category)
{
    table_set set;
    gdpr_csv_writer w = {GDPR_CSV_WRITER_VERSION, open_table, close_table, &set};
    source_state orders;
    planted p;

    memset(&set, 0, sizeof set);
    memset(&orders, 0, sizeof orders);
    plant(&p, "cust-111");
    register_source("crm.orders", orders_export, &orders);
    th_ok(gdpr_export_subject_csv(ts.eng, &th_dpo, "cust-111", &w));
    ck_assert_int_eq(set.n, 5); /* every category of the policy */
    for (int i = 0; i < set.n; i++) {
        ck_assert_int_eq(set.tables[i].closed, 1);
        ck_assert_int_eq(set.tables[i].status, GDPR_OK);
        ck_assert_msg(strncmp(set.tables[i].data.data, "origin,record,field,", 20) == 0,
                      "table %s lacks its header", set.tables[i].name);
    }
    ck_assert_int_eq(rows_in(table_named(&set, "contact")->data.data), 1);
    ck_assert_int_eq(rows_in(table_named(&set, "usage")->data.data), 2);
    ck_assert_int_eq(rows_in(table_named(&set, "financial")->data.data), 3); /* 1 vault + 2 */
    ck_assert_int_eq(rows_in(table_named(&set, "health")->data.data), 0);
    ck_assert_int_eq(rows_in(table_named(&set, "cv")->data.data), 0);
    ck_assert_ptr_nonnull(strstr(table_named(&set, "financial")->data.data,
                                 "crm.orders,order 1042,order.receipt,billing,webshop,"));
    for (int i = 0; i < set.n; i++)
        sink_free(&set.tables[i].data);
    /* A failing source: every table closed with the failure. */
    memset(&set, 0, sizeof set);
    orders.fail_with = 2;
    th_assert_err(gdpr_export_subject_csv(ts.eng, &th_dpo, "cust-111", &w), GDPR_ECALLBACK,
                  "source 'crm.orders'");
    for (int i = 0; i < set.n; i++) {
        ck_assert_int_eq(set.tables[i].closed, 1);
        ck_assert_int_eq(set.tables[i].status, GDPR_ECALLBACK);
        sink_free(&set.tables[i].data);
    }
    /* A table that cannot be opened: named, the opened ones closed. */
    memset(&set, 0, sizeof set);
    orders.fail_with = 0;
    set.fail_open_of = 3;
    th_assert_err(gdpr_export_subject_csv(ts.eng, &th_dpo, "cust-111", &w), GDPR_ECALLBACK,
                  "table 'health': open_table failed (returned 9)");
    ck_assert_int_eq(set.n, 2);
    ck_assert_int_eq(set.tables[0].closed, 1);
    ck_assert_int_eq(set.tables[1].closed, 1);
    for (int i = 0; i < set.n; i++)
        sink_free(&set.tables[i].data);
    /* A close that fails fails the export. */
    memset(&set, 0, sizeof set);
    set.fail_close = 4;
    th_assert_err(gdpr_export_subject_csv(ts.eng, &th_dpo, "cust-111", &w), GDPR_ECALLBACK,
                  "close_table failed (returned 4)");
    for (int i = 0; i < set.n; i++)
        sink_free(&set.tables[i].data);
    free(p.bigv);
}
END_TEST

static Suite *
export_suite(void)
{
    Suite *s = suite_create("export");
    TCase *tc = tcase_create("json");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, full_export_is_valid_and_complete);
    tcase_add_test(tc, every_section_present_when_empty);
    tcase_add_test(tc, schema_checker_rejects_bad_documents);
    tcase_add_test(tc, failing_source_fails_the_export);
    tcase_add_test(tc, failing_write_fails_the_export);
    tcase_add_test(tc, source_writer_refuses_bad_items);
    tcase_add_test(tc, export_refuses_bad_input_and_changes_nothing);
    tcase_add_test(tc, large_export_streams);
    tcase_add_test(tc, escaping_at_every_offset);
#if defined(__GLIBC__)
    tcase_add_test(tc, memory_flat_in_the_number_of_records);
#endif
    suite_add_tcase(s, tc);

    tc = tcase_create("csv");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, csv_single_table);
    tcase_add_test(tc, csv_one_table_per_category);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return th_run(export_suite());
}
