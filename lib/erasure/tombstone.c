/*
 * Tombstones: why a subject's data is gone, in words a call centre can
 * read out; the Art. 19 recipients; the export and import of the list
 * that lets a restored backup be erased again (gdpr_erase_replay).
 * SPDX-License-Identifier: MIT
 */
#include "erasure_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "file.h"
#include "gdpr/erasure.h"
#include "calendar.h"
#include "json.h"
#include "jsonw.h"
#include "text.h"

#define STORE_ID_BYTES 16u
#define IMPORT_MAX_BYTES (256u * 1024u * 1024u)
#define PATH_MAX_BYTES 4096u
static const char export_format[] = "libgdpr-tombstones";

/* --- the answer ------------------------------------------------------------ */

typedef struct {
    int64_t duty, hold;
    int64_t duty_until, hold_until;
} kept_summary;

static int
sum_kept(const store_kept_row *k, void *ctx)
{
    kept_summary *s = ctx;

    if (k->erased_at != 0)
        return 0;
    if (strcmp(k->reason, "hold") == 0) {
        s->hold++;
        if (k->until > s->hold_until)
            s->hold_until = k->until;
    } else {
        s->duty++;
        if (k->until > s->duty_until)
            s->duty_until = k->until;
    }
    return 0;
}

static void append(char *buf, size_t cap, const char *fmt, ...) GDPR_PRINTF(3, 4);

static void
append(char *buf, size_t cap, const char *fmt, ...)
{
    size_t used = strlen(buf);
    va_list ap;

    if (used >= cap)
        return;
    va_start(ap, fmt);
    vsnprintf(buf + used, cap - used, fmt, ap);
    va_end(ap);
}

/* A subject erased more than once: the first erasure's ground and date,
 * and the later grounds, for the answer of gdpr_tombstone_lookup(). */
typedef struct {
    gdpr_engine *eng;
    int64_t first_id;
    char first_ground[GDPR_NAME_MAX + 1];
    char text[GDPR_TOMBSTONE_ANSWER_MAX]; /* "erased on D under 'G'; again on ..." */
    int cut;                              /* the list was cut short */
} ground_history;

static int
add_ground(const store_tombstone_row *t, void *ctx)
{
    ground_history *h = ctx;
    char date[11];

    if (t->kind != STORE_TOMBSTONE_SUBJECT)
        return 0;
    gdpr_engine__format_date(h->eng, t->at, date);
    if (h->first_id == 0) {
        h->first_id = t->id;
        snprintf(h->first_ground, sizeof h->first_ground, "%s", t->ground);
        snprintf(h->text, sizeof h->text, "erased on %s under '%s'", date, t->ground);
        return 0;
    }
    /* Half the answer stays for what was kept; past it, "and later". */
    if (h->cut)
        return 0;
    if (strlen(h->text) + strlen(t->ground) + 40 < sizeof h->text / 2) {
        append(h->text, sizeof h->text, "; asked again on %s under '%s'", date, t->ground);
    } else {
        append(h->text, sizeof h->text, "; asked again on %s and later", date);
        h->cut = 1;
    }
    return 0;
}

static int
fill_tombstone(gdpr_engine *eng, const store_tombstone_row *t, const ground_history *hist,
               gdpr_tombstone *out)
{
    kept_summary k;
    char date[11];
    int rc;

    memset(&k, 0, sizeof k);
    out->version = GDPR_TOMBSTONE_VERSION;
    out->id = t->id;
    out->kind = (gdpr_tombstone_kind)t->kind;
    gdpr__hex_encode(t->subject, CRYPTO_HASH_BYTES, out->subject_hash);
    out->at = t->at;
    snprintf(out->ground, sizeof out->ground, "%s", t->ground);
    snprintf(out->actor, sizeof out->actor, "%s", t->actor);
    out->erased = t->erased;
    out->retained = t->retained;
    out->kept_now = t->kept_now;
    out->kept_until = t->kept_until;
    out->complete = t->complete;
    out->wiped = t->wiped;
    out->sources_failed = t->sources_failed;
    out->recipients = t->recipients;
    out->imported = t->imported;
    out->replayed = t->replayed;
    gdpr_engine__format_date(eng, t->at, date);
    out->answer[0] = '\0';
    if (t->kind == STORE_TOMBSTONE_RECORD) {
        append(out->answer, sizeof out->answer, "%lld record%s erased on %s under '%s'",
               (long long)t->erased, t->erased == 1 ? "" : "s", date, t->ground);
        return GDPR_OK;
    }
    if (hist != NULL && hist->first_id != 0 && hist->first_id != t->id) {
        /* The first ground stays what the answer gives; later ones follow. */
        snprintf(out->ground, sizeof out->ground, "%s", hist->first_ground);
        append(out->answer, sizeof out->answer, "%s", hist->text);
    } else {
        append(out->answer, sizeof out->answer, "erased on %s under '%s'", date, t->ground);
    }
    rc = t->kept_now > 0 ? gdpr_store__tombstone_kept_foreach(eng->st, t->id, sum_kept, &k)
                         : GDPR_OK;
    if (rc != GDPR_OK)
        return rc;
    if (k.duty > 0) {
        gdpr_engine__format_date(eng, k.duty_until, date);
        append(out->answer, sizeof out->answer, "; %lld record%s kept under legal duty until %s",
               (long long)k.duty, k.duty == 1 ? "" : "s", date);
    }
    if (k.hold > 0) {
        gdpr_engine__format_date(eng, k.hold_until, date);
        append(out->answer, sizeof out->answer, "; %lld record%s kept under legal hold until %s",
               (long long)k.hold, k.hold == 1 ? "" : "s", date);
    }
    if (t->sources_failed > 0)
        append(out->answer, sizeof out->answer, "; erasure in %d host system%s still pending",
               t->sources_failed, t->sources_failed == 1 ? "" : "s");
    return GDPR_OK;
}

typedef struct {
    gdpr_engine *eng;
    gdpr_tombstone *out;
    gdpr_tombstone_fn fn;
    void *ctx;
    const ground_history *hist;
} tomb_ctx;

static int
fill_one(const store_tombstone_row *t, void *ctx)
{
    tomb_ctx *c = ctx;
    return fill_tombstone(c->eng, t, c->hist, c->out);
}

GDPR_API int
gdpr_tombstone_lookup(gdpr_engine *eng, const char *subject, gdpr_tombstone *out)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    ground_history *hist;
    tomb_ctx c;
    int rc;

    if (gdpr_engine__check_given(eng, out != NULL, "out") != GDPR_OK)
        return GDPR_EINVAL;
    if (out->version == 0 || out->version > GDPR_TOMBSTONE_VERSION)
        return gdpr__err_set(GDPR_EVERSION,
                             "out.version: %u is not a known tombstone version (1..%u)",
                             out->version, GDPR_TOMBSTONE_VERSION);
    rc = gdpr_text__check("subject", subject, GDPR_NAME_MAX);
    if (rc != GDPR_OK)
        return rc;
    hist = calloc(1, sizeof *hist);
    if (hist == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory looking up a tombstone");
    gdpr_engine__lock(eng);
    hist->eng = eng;
    c.eng = eng;
    c.out = out;
    c.hist = hist;
    rc = gdpr_engine__subject_hash(eng, subject, hash);
    if (rc == GDPR_OK)
        rc = gdpr_store__tombstone_foreach(eng->st, hash, 0, add_ground, hist);
    if (rc == GDPR_OK)
        rc = gdpr_store__tombstone_latest(eng->st, hash, fill_one, &c);
    free(hist);
    if (rc == GDPR_ENOTFOUND)
        rc = gdpr__err_set(GDPR_ENOTFOUND, "subject: no tombstone (the store never erased this "
                                           "subject or its records)");
    return gdpr_engine__unlock(eng, rc);
}

static int
walk_one(const store_tombstone_row *t, void *ctx)
{
    tomb_ctx *c = ctx;
    int rc = fill_tombstone(c->eng, t, NULL, c->out);

    if (rc != GDPR_OK)
        return rc;
    return c->fn(c->out, c->ctx) != 0 ? 1 : 0;
}

GDPR_API int
gdpr_tombstone_foreach(gdpr_engine *eng, const char *subject, gdpr_tombstone_fn fn, void *ctx)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    gdpr_tombstone *t;
    tomb_ctx c;
    int rc;

    if (gdpr_engine__check_given(eng, fn != NULL, "fn") != GDPR_OK)
        return GDPR_EINVAL;
    rc = gdpr_text__check_optional("subject", subject, GDPR_NAME_MAX);
    if (rc != GDPR_OK)
        return rc;
    t = calloc(1, sizeof *t);
    if (t == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory listing tombstones");
    c.eng = eng;
    c.out = t;
    c.fn = fn;
    c.ctx = ctx;
    c.hist = NULL;
    gdpr_engine__lock(eng);
    if (subject != NULL)
        rc = gdpr_engine__subject_hash(eng, subject, hash);
    if (rc == GDPR_OK)
        rc = gdpr_store__tombstone_foreach(eng->st, subject ? hash : NULL, 0, walk_one, &c);
    free(t);
    return gdpr_engine__unlock(eng, rc);
}

static int
exists_one(const store_tombstone_row *t, void *ctx)
{
    (void)t;
    (void)ctx;
    return 0;
}

typedef struct {
    gdpr_tombstone_kept_fn fn;
    void *ctx;
} kept_walk;

static int
walk_kept(const store_kept_row *k, void *ctx)
{
    kept_walk *w = ctx;
    gdpr_tombstone_kept out;

    out.record = k->record;
    out.category = k->category;
    out.purpose = k->purpose;
    out.reason = k->reason;
    out.rule = k->rule;
    out.until = k->until;
    out.erased_at = k->erased_at;
    out.exemption = (gdpr_exemption)k->exemption;
    return w->fn(&out, w->ctx) != 0 ? 1 : 0;
}

/* The start of a walk over one tombstone: arguments checked, the lock taken
 * and the tombstone found. The lock is held only when it returns GDPR_OK. */
static int
walk_begin(gdpr_engine *eng, int64_t tombstone, int has_fn)
{
    int rc;

    if (gdpr_engine__check_eng(eng) != GDPR_OK)
        return GDPR_EINVAL;
    if (gdpr_text__check_id("tombstone", "a tombstone id", tombstone) != GDPR_OK)
        return GDPR_EINVAL;
    if (!has_fn)
        return gdpr__err_set(GDPR_EINVAL, "fn: must not be NULL");
    gdpr_engine__lock(eng);
    rc = gdpr_store__tombstone_get(eng->st, tombstone, exists_one, NULL);
    if (rc != GDPR_OK)
        return gdpr_engine__unlock(eng, rc);
    return GDPR_OK;
}

GDPR_API int
gdpr_tombstone_kept_foreach(gdpr_engine *eng, int64_t tombstone, gdpr_tombstone_kept_fn fn,
                            void *ctx)
{
    kept_walk w = {fn, ctx};
    int rc = walk_begin(eng, tombstone, fn != NULL);

    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_store__tombstone_kept_foreach(eng->st, tombstone, walk_kept, &w);
    return gdpr_engine__unlock(eng, rc);
}

typedef struct {
    gdpr_engine *eng;
    gdpr_erase_recipient_fn fn;
    void *ctx;
} recipient_walk;

static int
walk_recipient(const char *recipient, int64_t disclosures, int64_t last_at, void *ctx)
{
    recipient_walk *w = ctx;
    const policy_recipient *pr =
        w->eng->policy ? gdpr_policy__find_recipient(w->eng->policy, recipient) : NULL;
    gdpr_erase_recipient r;

    r.recipient = recipient;
    r.name = pr && pr->name ? pr->name : "";
    r.disclosures = disclosures;
    r.last_at = last_at;
    return w->fn(&r, w->ctx) != 0 ? 1 : 0;
}

GDPR_API int
gdpr_erase_recipients_foreach(gdpr_engine *eng, int64_t tombstone, gdpr_erase_recipient_fn fn,
                              void *ctx)
{
    recipient_walk w = {eng, fn, ctx};
    int rc = walk_begin(eng, tombstone, fn != NULL);

    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_store__tombstone_recipient_foreach(eng->st, tombstone, walk_recipient, &w);
    return gdpr_engine__unlock(eng, rc);
}

/* --- export ------------------------------------------------------------------ */

typedef struct {
    int (*write)(const void *buf, size_t len, void *ctx);
    void *ctx;
    int first;
    store *st;
    jsonw w;
} export_out;

static int
put(export_out *o, const char *buf, size_t len)
{
    if (o->write(buf, len, o->ctx) != 0)
        return gdpr__err_set(GDPR_ECALLBACK, "write: returned non-zero; the export stopped");
    return GDPR_OK;
}

static int
put_tombstone(const char *json, size_t len, void *ctx)
{
    export_out *o = ctx;
    int rc = GDPR_OK;

    if (!o->first)
        rc = put(o, ",\n", 2);
    o->first = 0;
    if (rc == GDPR_OK)
        rc = put(o, json, len);
    return rc;
}

static int
json_kept(const store_kept_row *k, void *ctx)
{
    jsonw *w = ctx;

    gdpr_jsonw__object_begin(w);
    gdpr_jsonw__key(w, "record");
    gdpr_jsonw__int64(w, k->record);
    gdpr_jsonw__key(w, "category");
    gdpr_jsonw__string(w, k->category);
    gdpr_jsonw__key(w, "purpose");
    gdpr_jsonw__string(w, k->purpose);
    gdpr_jsonw__key(w, "reason");
    gdpr_jsonw__string(w, k->reason);
    gdpr_jsonw__key(w, "rule");
    gdpr_jsonw__string(w, k->rule);
    gdpr_jsonw__key(w, "until");
    gdpr_jsonw__int64(w, k->until);
    gdpr_jsonw__key(w, "erased_at");
    gdpr_jsonw__int64(w, k->erased_at);
    gdpr_jsonw__key(w, "exemption");
    gdpr_jsonw__string(w, gdpr_policy__exemption_name(k->exemption));
    gdpr_jsonw__key(w, "article");
    gdpr_jsonw__string(w, gdpr_policy__exemption_article(k->exemption));
    gdpr_jsonw__object_end(w);
    return 0;
}

static int
json_record(int64_t record, void *ctx)
{
    gdpr_jsonw__int64(ctx, record);
    return 0;
}

static int
json_recipient(const char *recipient, int64_t disclosures, int64_t last_at, void *ctx)
{
    jsonw *w = ctx;

    gdpr_jsonw__object_begin(w);
    gdpr_jsonw__key(w, "recipient");
    gdpr_jsonw__string(w, recipient);
    gdpr_jsonw__key(w, "disclosures");
    gdpr_jsonw__int64(w, disclosures);
    gdpr_jsonw__key(w, "last_at");
    gdpr_jsonw__int64(w, last_at);
    gdpr_jsonw__object_end(w);
    return 0;
}

/* One tombstone as a JSON object with its kept records, erased record
 * ids and recipients (the store hands rows; the document is built here). */
static int
export_tombstone(const store_tombstone_row *t, void *ctx)
{
    export_out *o = ctx;
    jsonw *w = &o->w;
    char subject[2 * CRYPTO_HASH_BYTES + 1], *json = NULL;
    size_t len = 0;
    int rc;

    gdpr__hex_encode(t->subject, CRYPTO_HASH_BYTES, subject);
    gdpr_jsonw__object_begin(w);
    gdpr_jsonw__key(w, "id");
    gdpr_jsonw__int64(w, t->id);
    gdpr_jsonw__key(w, "kind");
    gdpr_jsonw__string(w, t->kind == STORE_TOMBSTONE_SUBJECT ? "subject" : "records");
    gdpr_jsonw__key(w, "subject");
    gdpr_jsonw__string(w, subject);
    gdpr_jsonw__key(w, "at");
    gdpr_jsonw__int64(w, t->at);
    gdpr_jsonw__key(w, "ground");
    gdpr_jsonw__string(w, t->ground);
    gdpr_jsonw__key(w, "actor");
    gdpr_jsonw__string(w, t->actor);
    gdpr_jsonw__key(w, "role");
    gdpr_jsonw__string(w, t->role);
    gdpr_jsonw__key(w, "erased");
    gdpr_jsonw__int64(w, t->erased);
    gdpr_jsonw__key(w, "retained");
    gdpr_jsonw__int64(w, t->retained);
    gdpr_jsonw__key(w, "complete");
    gdpr_jsonw__int64(w, t->complete);
    gdpr_jsonw__key(w, "kept");
    gdpr_jsonw__array_begin(w);
    rc = gdpr_store__tombstone_kept_foreach(o->st, t->id, json_kept, w);
    gdpr_jsonw__array_end(w);
    gdpr_jsonw__key(w, "records");
    gdpr_jsonw__array_begin(w);
    if (rc == GDPR_OK)
        rc = gdpr_store__tombstone_record_foreach(o->st, t->id, json_record, w);
    gdpr_jsonw__array_end(w);
    gdpr_jsonw__key(w, "recipients");
    gdpr_jsonw__array_begin(w);
    if (rc == GDPR_OK)
        rc = gdpr_store__tombstone_recipient_foreach(o->st, t->id, json_recipient, w);
    gdpr_jsonw__array_end(w);
    gdpr_jsonw__object_end(w);
    if (rc != GDPR_OK) {
        gdpr_jsonw__free(w);
        return rc;
    }
    rc = gdpr_jsonw__finish(w, &json, &len);
    if (rc == GDPR_OK)
        rc = put_tombstone(json, len, o);
    free(json);
    return rc;
}

static int
store_id_hex(gdpr_engine *eng, char hex[2 * STORE_ID_BYTES + 1])
{
    uint8_t id[STORE_ID_BYTES];
    size_t len = 0;
    int rc = gdpr_store__meta_get(eng->st, STORE_DATA, "store_id", id, sizeof id, &len);

    if (rc == GDPR_OK && len != STORE_ID_BYTES)
        rc = gdpr__err_set(GDPR_ECORRUPT, "store: identity record damaged");
    if (rc == GDPR_OK)
        gdpr__hex_encode(id, STORE_ID_BYTES, hex);
    return rc;
}

GDPR_API int
gdpr_tombstones_export(gdpr_engine *eng, int (*write)(const void *buf, size_t len, void *ctx),
                       void *ctx)
{
    char head[160], store_hex[2 * STORE_ID_BYTES + 1];
    export_out o = {write, ctx, 1, NULL, {NULL, 0, 0, 0, 0}};
    int rc;

    if (gdpr_engine__check_given(eng, write != NULL, "write") != GDPR_OK)
        return GDPR_EINVAL;
    gdpr_engine__lock(eng);
    o.st = eng->st;
    rc = store_id_hex(eng, store_hex);
    if (rc == GDPR_OK) {
        int n = snprintf(head, sizeof head,
                         "{\"format\":\"%s\",\"version\":1,\"store\":\"%s\","
                         "\"exported_at\":%lld,\"tombstones\":[\n",
                         export_format, store_hex, (long long)gdpr_engine__now(eng));
        rc = put(&o, head, (size_t)n);
    }
    if (rc == GDPR_OK)
        rc = gdpr_store__tombstone_foreach(eng->st, NULL, 0, export_tombstone, &o);
    if (rc == GDPR_OK)
        rc = put(&o, "\n]}\n", 4);
    return gdpr_engine__unlock(eng, rc);
}

/* --- import -------------------------------------------------------------------- */

static int
member(const json_node *obj, const char *key, json_type type, const json_node **out)
{
    const json_node *n = gdpr_json__member(obj, key);
    char path[256];

    if (n == NULL) {
        gdpr_json__path(obj, path, sizeof path);
        return gdpr__err_set(GDPR_EINVAL, "%s.%s: required field is missing", path, key);
    }
    if (n->type != type)
        return gdpr_json__fail_at(n, "must be %s", gdpr_json__type_name(type));
    *out = n;
    return GDPR_OK;
}

static int
get_int(const json_node *obj, const char *key, int64_t min, int64_t max, int64_t *out)
{
    const json_node *n = NULL;
    int rc = member(obj, key, JSON_INTEGER, &n);

    if (rc != GDPR_OK)
        return rc;
    if (n->integer < min || n->integer > max)
        return gdpr_json__fail_at(n, "%lld is outside %lld..%lld", (long long)n->integer,
                                  (long long)min, (long long)max);
    *out = n->integer;
    return GDPR_OK;
}

static int
get_text(const json_node *obj, const char *key, const char **out)
{
    const json_node *n = NULL;
    char path[256];
    int rc = member(obj, key, JSON_TEXT, &n);

    if (rc != GDPR_OK)
        return rc;
    gdpr_json__path(n, path, sizeof path);
    rc = gdpr_text__check(path, n->text, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        *out = n->text;
    return rc;
}

typedef struct {
    int kind;
    uint8_t hash[CRYPTO_HASH_BYTES];
    int64_t at, erased, retained;
    const char *ground, *actor, *role;
    const json_node *kept, *records, *recipients;
} import_item;

/* Check one tombstone object; with `st` non-NULL also write it. */
static int
read_item(const json_node *t, import_item *it)
{
    const json_node *kind = NULL, *subject = NULL;
    int rc;

    if (t->type != JSON_OBJECT)
        return gdpr_json__fail_at(t, "must be object");
    rc = member(t, "kind", JSON_TEXT, &kind);
    if (rc == GDPR_OK) {
        if (strcmp(kind->text, "subject") == 0)
            it->kind = STORE_TOMBSTONE_SUBJECT;
        else if (strcmp(kind->text, "records") == 0)
            it->kind = STORE_TOMBSTONE_RECORD;
        else
            rc = gdpr_json__fail_at(kind, "'%.32s' is not a kind (subject, records)", kind->text);
    }
    if (rc == GDPR_OK)
        rc = member(t, "subject", JSON_TEXT, &subject);
    if (rc == GDPR_OK && (strlen(subject->text) != 2 * CRYPTO_HASH_BYTES ||
                          gdpr__hex_decode(subject->text, it->hash, CRYPTO_HASH_BYTES) != 0))
        rc = gdpr_json__fail_at(subject, "must be %u hex digits (a keyed subject hash)",
                                2 * CRYPTO_HASH_BYTES);
    if (rc == GDPR_OK)
        rc = get_int(t, "at", 0, CAL_MAX_TIME, &it->at);
    if (rc == GDPR_OK)
        rc = get_text(t, "ground", &it->ground);
    if (rc == GDPR_OK)
        rc = get_text(t, "actor", &it->actor);
    if (rc == GDPR_OK)
        rc = get_text(t, "role", &it->role);
    if (rc == GDPR_OK)
        rc = get_int(t, "erased", 0, INT64_MAX, &it->erased);
    if (rc == GDPR_OK)
        rc = get_int(t, "retained", 0, INT64_MAX, &it->retained);
    if (rc == GDPR_OK)
        rc = member(t, "kept", JSON_ARRAY, &it->kept);
    if (rc == GDPR_OK)
        rc = member(t, "records", JSON_ARRAY, &it->records);
    if (rc == GDPR_OK)
        rc = member(t, "recipients", JSON_ARRAY, &it->recipients);
    return rc;
}

/* "exemption" of a kept record: optional (documents exported before it
 * existed), then the ground the reason implies (hold: legal claims;
 * legal_duty: legal obligation). */
static int
read_kept_exemption(const json_node *k, store_kept_row *row)
{
    const json_node *n = gdpr_json__member(k, "exemption");

    if (n == NULL) {
        row->exemption =
            strcmp(row->reason, "hold") == 0 ? EXEMPTION_LEGAL_CLAIMS : EXEMPTION_LEGAL_OBLIGATION;
        return GDPR_OK;
    }
    row->exemption = n->type == JSON_TEXT ? gdpr_policy__exemption_parse(n->text) : -1;
    if (row->exemption < 0)
        return gdpr_json__fail_at(n, "must be an Art. 17(3) ground (freedom_of_expression, "
                                     "legal_obligation, public_task, public_health, archiving, "
                                     "legal_claims)");
    return GDPR_OK;
}

static int
read_kept(const json_node *k, store_kept_row *row)
{
    int rc;

    if (k->type != JSON_OBJECT)
        return gdpr_json__fail_at(k, "must be object");
    rc = get_int(k, "record", 1, INT64_MAX, &row->record);
    if (rc == GDPR_OK)
        rc = get_text(k, "category", &row->category);
    if (rc == GDPR_OK)
        rc = get_text(k, "purpose", &row->purpose);
    if (rc == GDPR_OK)
        rc = get_text(k, "reason", &row->reason);
    if (rc == GDPR_OK && strcmp(row->reason, "hold") != 0 && strcmp(row->reason, "legal_duty") != 0)
        rc = gdpr_json__fail_at(gdpr_json__member(k, "reason"),
                                "'%.32s' is not a reason (hold, legal_duty)", row->reason);
    if (rc == GDPR_OK)
        rc = get_text(k, "rule", &row->rule);
    if (rc == GDPR_OK)
        rc = get_int(k, "until", 0, CAL_MAX_TIME, &row->until);
    if (rc == GDPR_OK)
        rc = get_int(k, "erased_at", 0, CAL_MAX_TIME, &row->erased_at);
    if (rc == GDPR_OK)
        rc = read_kept_exemption(k, row);
    return rc;
}

static int
read_recipient(const json_node *r, const char **name, int64_t *n, int64_t *last)
{
    int rc;

    if (r->type != JSON_OBJECT)
        return gdpr_json__fail_at(r, "must be object");
    rc = get_text(r, "recipient", name);
    if (rc == GDPR_OK)
        rc = get_int(r, "disclosures", 0, INT64_MAX, n);
    if (rc == GDPR_OK)
        rc = get_int(r, "last_at", 0, CAL_MAX_TIME, last);
    return rc;
}

/* Check (st NULL) or write (st set) every part of one tombstone. */
static int
item_parts(store *st, const import_item *it, int64_t id)
{
    int rc = GDPR_OK;

    for (const json_node *k = it->kept->first; rc == GDPR_OK && k; k = k->next) {
        store_kept_row row;
        memset(&row, 0, sizeof row);
        rc = read_kept(k, &row);
        row.tombstone = id;
        if (rc == GDPR_OK && st)
            rc = gdpr_store__tombstone_kept_insert(st, &row);
    }
    for (const json_node *r = it->records->first; rc == GDPR_OK && r; r = r->next) {
        if (r->type != JSON_INTEGER || r->integer <= 0)
            rc = gdpr_json__fail_at(r, "must be a record id (an integer from 1)");
        else if (st)
            rc = gdpr_store__tombstone_record_add(st, id, r->integer);
    }
    for (const json_node *r = it->recipients->first; rc == GDPR_OK && r; r = r->next) {
        const char *name = NULL;
        int64_t n = 0, last = 0;
        rc = read_recipient(r, &name, &n, &last);
        if (rc == GDPR_OK && st)
            rc = gdpr_store__tombstone_recipient_add(st, id, name, n, last);
    }
    return rc;
}

static int
check_document(gdpr_engine *eng, const json_node *root, const json_node **list)
{
    char store_hex[2 * STORE_ID_BYTES + 1];
    const json_node *format = NULL, *store_node = NULL;
    int64_t version = 0;
    int rc;

    if (root->type != JSON_OBJECT)
        return gdpr_json__fail_at(root, "must be object");
    rc = member(root, "format", JSON_TEXT, &format);
    if (rc == GDPR_OK && strcmp(format->text, export_format) != 0)
        rc = gdpr_json__fail_at(format, "'%.64s' is not '%s'", format->text, export_format);
    if (rc == GDPR_OK)
        rc = get_int(root, "version", 1, 1, &version);
    if (rc == GDPR_OK)
        rc = member(root, "store", JSON_TEXT, &store_node);
    if (rc == GDPR_OK)
        rc = store_id_hex(eng, store_hex);
    if (rc == GDPR_OK && strcmp(store_node->text, store_hex) != 0)
        rc = gdpr_json__fail_at(store_node,
                                "the tombstones are of another store (%.40s, this one is %s): "
                                "their subject hashes mean nothing here",
                                store_node->text, store_hex);
    if (rc == GDPR_OK)
        rc = member(root, "tombstones", JSON_ARRAY, list);
    for (const json_node *t = rc == GDPR_OK ? (*list)->first : NULL; rc == GDPR_OK && t;
         t = t->next) {
        import_item it;
        rc = read_item(t, &it);
        if (rc == GDPR_OK)
            rc = item_parts(NULL, &it, 0);
    }
    return rc;
}

static int
import_one(gdpr_engine *eng, const import_item *it, int64_t *added)
{
    store_tombstone_row row;
    int64_t id = 0;
    int rc = gdpr_store__tombstone_find(eng->st, it->hash, it->kind, it->ground, it->at, it->at + 1,
                                        &id);

    if (rc == GDPR_OK)
        return GDPR_OK; /* there already */
    if (rc != GDPR_ENOTFOUND)
        return rc;
    memset(&row, 0, sizeof row);
    row.kind = it->kind;
    row.subject = it->hash;
    row.at = it->at;
    row.ground = it->ground;
    row.actor = it->actor;
    row.role = it->role;
    row.erased = it->erased;
    row.retained = it->retained;
    row.wiped = 1;
    row.imported = 1;
    rc = gdpr_store__tombstone_insert(eng->st, &row, &id);
    if (rc == GDPR_OK)
        rc = item_parts(eng->st, it, id);
    if (rc == GDPR_OK)
        (*added)++;
    return rc;
}

static int
import_locked(gdpr_engine *eng, const gdpr_actor *who, const char *json, int64_t *added)
{
    json_node *root = NULL;
    const json_node *list = NULL;
    char ref[64];
    int rc = gdpr_engine__require_policy(eng);

    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_ERASE_SUBJECT, NULL);
    if (rc == GDPR_OK)
        rc = gdpr_store__json_parse(eng->st, json, &root);
    if (rc == GDPR_OK)
        rc = check_document(eng, root, &list);
    if (rc == GDPR_OK)
        rc = gdpr_engine__begin(eng);
    if (rc != GDPR_OK) {
        gdpr_json__free(root);
        return rc == GDPR_EINVAL ? gdpr__err_wrap(rc, "json") : rc;
    }
    for (const json_node *t = list->first; rc == GDPR_OK && t; t = t->next) {
        import_item it;
        rc = read_item(t, &it);
        if (rc == GDPR_OK)
            rc = import_one(eng, &it, added);
    }
    snprintf(ref, sizeof ref, "tombstones imported: %lld", (long long)*added);
    if (rc == GDPR_OK)
        rc = gdpr_audit__append(eng, who, gdpr_permission__name(PERM_ERASE_SUBJECT), NULL, GDPR_OK,
                                ref);
    gdpr_json__free(root);
    rc = gdpr_engine__end(eng, rc);
    if (rc != GDPR_OK)
        *added = 0;
    return rc;
}

GDPR_API int
gdpr_tombstones_import(gdpr_engine *eng, const gdpr_actor *who, const char *json,
                       int64_t *imported_out)
{
    int64_t added = 0;
    int rc;

    if (imported_out)
        *imported_out = 0;
    rc = gdpr_engine__enter(eng, who);
    if (rc == GDPR_OK && json == NULL)
        rc = gdpr__err_set(GDPR_EINVAL, "json: must not be NULL");
    if (rc == GDPR_OK && json[0] == '\0')
        rc = gdpr__err_set(GDPR_EINVAL, "json: must not be empty");
    if (rc == GDPR_OK && strnlen(json, IMPORT_MAX_BYTES + 1) > IMPORT_MAX_BYTES)
        rc = gdpr__err_set(GDPR_EINVAL, "json: longer than %u bytes", IMPORT_MAX_BYTES);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = import_locked(eng, who, json, &added);
    if (rc == GDPR_OK && imported_out)
        *imported_out = added;
    return gdpr_engine__unlock(eng, rc);
}

GDPR_API int
gdpr_tombstones_import_file(gdpr_engine *eng, const gdpr_actor *who, const char *path,
                            int64_t *imported_out)
{
    char *json = NULL;
    int rc;

    if (imported_out)
        *imported_out = 0;
    rc = gdpr_engine__enter(eng, who);
    if (rc == GDPR_OK)
        rc = gdpr_text__check("path", path, PATH_MAX_BYTES);
    if (rc == GDPR_OK)
        rc = gdpr_text__read_file(path, IMPORT_MAX_BYTES, &json);
    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_tombstones_import(eng, who, json, imported_out);
    if (rc == GDPR_EINVAL)
        rc = gdpr__err_wrap(rc, "%s", path);
    free(json);
    return rc;
}
