/*
 * The adequacy list: EEA members and the Commission's adequacy decisions,
 * each dated (GDPR Art. 45). Parsed by SQLite's JSON functions
 * (gdpr_store__json_parse), checked whole, indexed by country code; loaded from
 * the copy compiled into the library or from a file (gdpr_adequacy_load),
 * stored so that it survives a restart. Sources: docs/transfers-sources.md.
 * SPDX-License-Identifier: MIT
 */
#include "clock.h"
#include "adequacy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "error.h"
#include "file.h"
#include "gdpr/transfer.h"
#include "calendar.h"
#include "text.h"

#define ORIGIN_BUILTIN "the shipped adequacy list"
#define GENERATION_KEY "transfer.generation"
#define PATH_MAX_BYTES 4096u
#define MAX_EEA 64u
#define MAX_DECISIONS 4096u

static const char *const scope_names[SCOPE_COUNT] = {
    "whole",
    "commercial",
    "certified",
    "private_sector",
};

static const char *const kind_names[] = {"country", "territory", "organisation"};
#define KIND_ORGANISATION 2

/* --- country codes ------------------------------------------------------ */

/* ISO 3166-1 alpha-2, officially assigned codes (249), as published by the
 * ISO 3166 Maintenance Agency and shipped by Debian's iso-codes. */
static const char iso3166_codes[] =
    "ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZ"
    "CACCCDCFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDMDODZECEEEGEHERESETFIFJFKFMFO"
    "FRGAGBGDGEGFGGGHGIGLGMGNGPGQGRGSGTGUGWGYHKHMHNHRHTHUIDIEILIMINIOIQIRISITJE"
    "JMJOJPKEKGKHKIKMKNKPKRKWKYKZLALBLCLILKLRLSLTLULVLYMAMCMDMEMFMGMHMKMLMMMNMO"
    "MPMQMRMSMTMUMVMWMXMYMZNANCNENFNGNINLNONPNRNUNZOMPAPEPFPGPHPKPLPMPNPRPSPTPW"
    "PYQARERORSRURWSASBSCSDSESGSHSISJSKSLSMSNSOSRSSSTSVSXSYSZTCTDTFTGTHTJTKTLTM"
    "TNTOTRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVIVNVUWFWSYEYTZAZMZW";

int
gdpr_adequacy__slot(const char *code)
{
    if (code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z' || code[2] != '\0')
        return -1;
    return (code[0] - 'A') * 26 + (code[1] - 'A');
}

int
gdpr_transfer__iso3166_assigned(const char *code)
{
    if (gdpr_adequacy__slot(code) < 0)
        return 0;
    for (size_t i = 0; i + 1 < sizeof iso3166_codes; i += 2)
        if (iso3166_codes[i] == code[0] && iso3166_codes[i + 1] == code[1])
            return 1;
    return 0;
}

static int
has_space(const char *s)
{
    for (; *s; s++)
        if (*s == ' ')
            return 1;
    return 0;
}

int
gdpr_adequacy__check_code(const char *field, const char *code)
{
    int rc = gdpr_text__check(field, code, ADEQUACY_CODE_MAX);
    size_t len;

    if (rc != GDPR_OK)
        return rc;
    len = strlen(code);
    if (has_space(code))
        return gdpr__err_set(GDPR_EINVAL,
                             "%s: '%s' holds white space; codes are taken as written, "
                             "never trimmed",
                             field, code);
    if (strncmp(code, "org:", 4) == 0) {
        if (len == 4)
            return gdpr__err_set(GDPR_EINVAL, "%s: 'org:' needs an organisation name after it",
                                 field);
        return GDPR_OK;
    }
    if (len == 2 && ((code[0] >= 'a' && code[0] <= 'z') || (code[1] >= 'a' && code[1] <= 'z')))
        return gdpr__err_set(GDPR_EINVAL,
                             "%s: '%s' must be written in capitals ('%c%c'); codes are "
                             "not normalised",
                             field, code,
                             code[0] >= 'a' && code[0] <= 'z' ? code[0] - 'a' + 'A' : code[0],
                             code[1] >= 'a' && code[1] <= 'z' ? code[1] - 'a' + 'A' : code[1]);
    if (strcmp(code, "UK") == 0)
        return gdpr__err_set(GDPR_EINVAL,
                             "%s: 'UK' is not an ISO 3166-1 code; the United Kingdom "
                             "is 'GB'",
                             field);
    if (strcmp(code, "EL") == 0)
        return gdpr__err_set(GDPR_EINVAL,
                             "%s: 'EL' is the EU's abbreviation, not an ISO 3166-1 "
                             "code; Greece is 'GR'",
                             field);
    if (!gdpr_transfer__iso3166_assigned(code))
        return gdpr__err_set(GDPR_EINVAL,
                             "%s: '%.64s' is not an assigned ISO 3166-1 alpha-2 code "
                             "nor an organisation id 'org:NAME'",
                             field, code);
    return GDPR_OK;
}

/* --- lookups --------------------------------------------------------------- */

const adequacy_eea *
gdpr_adequacy__eea_of(const adequacy_list *l, const char *code)
{
    int slot = gdpr_adequacy__slot(code);

    if (slot < 0 || l->eea_of[slot] < 0)
        return NULL;
    return &l->eea[l->eea_of[slot]];
}

const adequacy_eea *
gdpr_adequacy__eea_on(const adequacy_list *l, const char *code, int64_t at)
{
    for (const adequacy_eea *e = gdpr_adequacy__eea_of(l, code); e != NULL;
         e = e->next >= 0 ? &l->eea[e->next] : NULL)
        if (e->from <= at && (e->until == 0 || at <= e->until))
            return e;
    return NULL;
}

static int
in_force(const adequacy_decision *d, int64_t at)
{
    return d->from <= at && (d->until == 0 || at <= d->until);
}

/* The run of decision indices (in order of `from`) for a code. */
static const uint32_t *
decisions_of(const adequacy_list *l, const char *code, size_t *n, uint32_t *scratch,
             size_t scratch_cap)
{
    int slot = gdpr_adequacy__slot(code);

    if (slot >= 0) {
        *n = l->count[slot];
        return l->by_code + l->first[slot];
    }
    *n = 0;
    for (size_t i = 0; i < l->n_orgs && *n < scratch_cap; i++)
        if (strcmp(l->decisions[l->orgs[i]].code, code) == 0)
            scratch[(*n)++] = l->orgs[i];
    return scratch;
}

#define ORG_SCRATCH 64

const adequacy_decision *
gdpr_adequacy__in_force(const adequacy_list *l, const char *code, int64_t at)
{
    uint32_t scratch[ORG_SCRATCH];
    size_t n = 0;
    const uint32_t *idx = decisions_of(l, code, &n, scratch, ORG_SCRATCH);
    const adequacy_decision *found = NULL;

    for (size_t i = 0; i < n; i++)
        if (in_force(&l->decisions[idx[i]], at))
            found = &l->decisions[idx[i]];
    return found;
}

const adequacy_decision *
gdpr_adequacy__nearest(const adequacy_list *l, const char *code, int64_t at)
{
    uint32_t scratch[ORG_SCRATCH];
    size_t n = 0;
    const uint32_t *idx = decisions_of(l, code, &n, scratch, ORG_SCRATCH);
    const adequacy_decision *found = NULL;

    for (size_t i = 0; i < n; i++)
        if (l->decisions[idx[i]].from <= at)
            found = &l->decisions[idx[i]];
    if (found == NULL && n > 0)
        found = &l->decisions[idx[0]];
    return found;
}

/* --- parsing ---------------------------------------------------------------- */

void
gdpr_adequacy__free(adequacy_list *l)
{
    while (l != NULL) {
        adequacy_list *next = l->retired;
        for (size_t i = 0; i < l->n_eea; i++) {
            free(l->eea[i].code);
            free(l->eea[i].name);
            free(l->eea[i].basis);
            free(l->eea[i].part_of);
        }
        for (size_t i = 0; i < l->n_decisions; i++) {
            adequacy_decision *d = &l->decisions[i];
            free(d->id);
            free(d->code);
            free(d->name);
            free(d->kind);
            free(d->framework);
            free(d->reference);
            free(d->source);
            free(d->notes);
            for (size_t k = 0; k < d->n_limits; k++) {
                free(d->limits[k].id);
                free(d->limits[k].text);
                free(d->limits[k].cites);
                free(d->limits[k].source);
            }
            free(d->limits);
        }
        free(l->eea);
        free(l->decisions);
        free(l->by_code);
        free(l->orgs);
        free(l->format);
        free(l->updated);
        free(l->source);
        free(l);
        l = next;
    }
}

typedef struct {
    const char *origin;
} parse_ctx;

static int fail_at(const parse_ctx *pc, const json_node *n, const char *fmt, ...) GDPR_PRINTF(3, 4);

static int
fail_at(const parse_ctx *pc, const json_node *n, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = gdpr_json__fail_v(n, pc->origin, fmt, ap);
    va_end(ap);
    return rc;
}

static int
missing(const parse_ctx *pc, const json_node *obj, const char *key)
{
    char path[256];

    gdpr_json__path(obj, path, sizeof path);
    if (strcmp(path, "$") == 0)
        return gdpr__err_set(GDPR_EINVAL, "%s: %s: required field is missing", pc->origin, key);
    return gdpr__err_set(GDPR_EINVAL, "%s: %s.%s: required field is missing", pc->origin, path,
                         key);
}

static int
check_members(const parse_ctx *pc, const json_node *obj, const char *const *allowed)
{
    for (const json_node *c = obj->first; c; c = c->next) {
        size_t i = 0;
        while (allowed[i] && strcmp(allowed[i], c->key) != 0)
            i++;
        if (allowed[i] == NULL)
            return fail_at(pc, c, "unknown field (a typo would drop a fact silently)");
        for (const json_node *d = obj->first; d != c; d = d->next)
            if (strcmp(d->key, c->key) == 0)
                return fail_at(pc, c, "field given twice");
    }
    return GDPR_OK;
}

/* A text member; NULL when absent or null and not required. */
static int
read_text(const parse_ctx *pc, const json_node *obj, const char *key, int required, size_t max,
          char **out)
{
    const json_node *n = gdpr_json__member(obj, key);
    char path[256];
    int rc;

    *out = NULL;
    if (n == NULL || n->type == JSON_NULL)
        return required ? missing(pc, obj, key) : GDPR_OK;
    if (n->type != JSON_TEXT)
        return fail_at(pc, n, "must be text");
    gdpr_json__path(n, path, sizeof path);
    rc = gdpr_text__check(path, n->text, max);
    if (rc != GDPR_OK)
        return gdpr__err_wrap(rc, "%s", pc->origin);
    *out = gdpr_text__dup(n->text);
    return *out ? GDPR_OK : GDPR_ENOMEM;
}

/* A date member "YYYY-MM-DD": *first_out its first second, *last_out its
 * last; absent or null gives 0 (allowed when not required). */
static int
read_date(const parse_ctx *pc, const json_node *obj, const char *key, int required,
          int64_t *first_out, int64_t *last_out)
{
    const json_node *n = gdpr_json__member(obj, key);
    int64_t days;

    *first_out = 0;
    if (last_out)
        *last_out = 0;
    if (n == NULL || n->type == JSON_NULL)
        return required ? missing(pc, obj, key) : GDPR_OK;
    if (n->type != JSON_TEXT || gdpr_calendar__parse_date(n->text, &days) != 0)
        return fail_at(pc, n, "must be a date YYYY-MM-DD");
    if (days < 0)
        return fail_at(pc, n, "'%s' lies before 1970-01-01", n->text);
    *first_out = days * SECONDS_PER_DAY;
    if (last_out)
        *last_out = days * SECONDS_PER_DAY + SECONDS_PER_DAY - 1;
    return GDPR_OK;
}

static int
read_enum(const parse_ctx *pc, const json_node *obj, const char *key, const char *const *names,
          size_t n_names, int *out)
{
    const json_node *n = gdpr_json__member(obj, key);
    char list[256] = "";

    if (n == NULL)
        return missing(pc, obj, key);
    if (n->type == JSON_TEXT) {
        for (size_t i = 0; i < n_names; i++) {
            if (strcmp(names[i], n->text) == 0) {
                *out = (int)i;
                return GDPR_OK;
            }
        }
    }
    for (size_t i = 0; i < n_names; i++) {
        strncat(list, names[i], sizeof list - strlen(list) - 1);
        if (i + 1 < n_names)
            strncat(list, ", ", sizeof list - strlen(list) - 1);
    }
    if (n->type != JSON_TEXT)
        return fail_at(pc, n, "must be one of %s", list);
    return fail_at(pc, n, "'%.64s' is not one of %s", n->text, list);
}

static int
read_array(const parse_ctx *pc, const json_node *obj, const char *key, size_t max,
           const json_node **out)
{
    const json_node *n = gdpr_json__member(obj, key);

    *out = NULL;
    if (n == NULL)
        return missing(pc, obj, key);
    if (n->type != JSON_ARRAY)
        return fail_at(pc, n, "must be an array");
    if (n->count == 0)
        return fail_at(pc, n, "must not be empty");
    if (n->count > max)
        return fail_at(pc, n, "holds %zu entries, more than %zu", n->count, max);
    *out = n;
    return GDPR_OK;
}

static int
check_code_at(const parse_ctx *pc, const json_node *obj, const char *code)
{
    char path[256];
    int rc;

    gdpr_json__path(gdpr_json__member(obj, "code"), path, sizeof path);
    rc = gdpr_adequacy__check_code(path, code);
    return rc == GDPR_OK ? rc : gdpr__err_wrap(rc, "%s", pc->origin);
}

static int
build_header(const parse_ctx *pc, const json_node *root, adequacy_list *l)
{
    static const char *const fields[] = {"format", "updated", "source", "eea", "decisions", NULL};
    const json_node *format;
    int64_t day;
    int rc;

    if (root->type != JSON_OBJECT)
        return gdpr__err_set(GDPR_EINVAL, "%s: $: the adequacy list must be a JSON object",
                             pc->origin);
    rc = check_members(pc, root, fields);
    if (rc != GDPR_OK)
        return rc;
    format = gdpr_json__member(root, "format");
    if (format == NULL)
        return missing(pc, root, "format");
    if (format->type != JSON_TEXT)
        return fail_at(pc, format, "must be \"" ADEQUACY_FORMAT "\"");
    if (strcmp(format->text, ADEQUACY_FORMAT) != 0) {
        if (strncmp(format->text, "libgdpr-adequacy/", 17) == 0)
            return gdpr__err_set(GDPR_EVERSION,
                                 "%s: format: '%.64s' is not known to this library, "
                                 "which reads \"" ADEQUACY_FORMAT "\"",
                                 pc->origin, format->text);
        return fail_at(pc, format, "'%.64s' is not \"" ADEQUACY_FORMAT "\"", format->text);
    }
    if ((rc = read_text(pc, root, "format", 1, 64, &l->format)) != GDPR_OK ||
        (rc = read_text(pc, root, "updated", 1, 10, &l->updated)) != GDPR_OK ||
        (rc = read_text(pc, root, "source", 1, 4096, &l->source)) != GDPR_OK)
        return rc;
    if (gdpr_calendar__parse_date(l->updated, &day) != 0)
        return fail_at(pc, gdpr_json__member(root, "updated"), "must be a date YYYY-MM-DD");
    return GDPR_OK;
}

static int
build_eea(const parse_ctx *pc, const json_node *root, adequacy_list *l)
{
    static const char *const fields[] = {"code", "name", "basis", "part_of", "from", "until", NULL};
    const json_node *arr;
    int rc = read_array(pc, root, "eea", MAX_EEA, &arr);

    if (rc != GDPR_OK)
        return rc;
    l->eea = calloc(arr->count, sizeof *l->eea);
    if (l->eea == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory reading the adequacy list");
    for (const json_node *item = arr->first; item; item = item->next) {
        adequacy_eea *e = &l->eea[l->n_eea];
        int64_t first;
        int slot;

        if (item->type != JSON_OBJECT)
            return fail_at(pc, item, "must be an object {code, name, basis}");
        if ((rc = check_members(pc, item, fields)) != GDPR_OK ||
            (rc = read_text(pc, item, "code", 1, ADEQUACY_CODE_MAX, &e->code)) != GDPR_OK)
            return rc;
        l->n_eea++;
        e->next = -1;
        if ((rc = read_text(pc, item, "name", 1, GDPR_NAME_MAX, &e->name)) != GDPR_OK ||
            (rc = read_text(pc, item, "basis", 1, GDPR_NAME_MAX, &e->basis)) != GDPR_OK ||
            (rc = read_text(pc, item, "part_of", 0, ADEQUACY_CODE_MAX, &e->part_of)) != GDPR_OK ||
            (rc = read_date(pc, item, "from", 0, &e->from, NULL)) != GDPR_OK ||
            (rc = read_date(pc, item, "until", 0, &first, &e->until)) != GDPR_OK ||
            (rc = check_code_at(pc, item, e->code)) != GDPR_OK)
            return rc;
        if (e->until != 0 && e->until < e->from)
            return fail_at(pc, gdpr_json__member(item, "until"), "ends before from");
        slot = gdpr_adequacy__slot(e->code);
        if (slot < 0)
            return fail_at(pc, gdpr_json__member(item, "code"),
                           "an EEA member is a state: its "
                           "code is ISO 3166-1 alpha-2, not '%s'",
                           e->code);
        if (l->eea_of[slot] >= 0) {
            /* Another period of the same code: after the last one. */
            adequacy_eea *last = &l->eea[l->eea_of[slot]];
            while (last->next >= 0)
                last = &l->eea[last->next];
            if (last->until == 0 || e->from <= last->until)
                return fail_at(pc, gdpr_json__member(item, "code"),
                               "'%s' is listed twice for overlapping periods: a later period "
                               "must start after the earlier one ends",
                               e->code);
            last->next = (int16_t)(l->n_eea - 1);
        } else {
            l->eea_of[slot] = (int16_t)(l->n_eea - 1);
        }
    }
    return GDPR_OK;
}

static const char *const requirement_names[REQUIRE_COUNT] = {"automated",
                                                             "automated_or_then_automated", "appi"};

const char *
gdpr_adequacy__requirement_name(adequacy_requirement r)
{
    return requirement_names[r];
}

/* Most limits one decision may carry. */
#define ADEQUACY_MAX_LIMITS 16u

/* "limits": [ { "id", "excludes": ACTIVITY | "requires": REQUIREMENT,
 * "text", "cites", "source" } ], optional (issue 19 point 7). */
static int
build_limits(const parse_ctx *pc, const json_node *item, adequacy_decision *d)
{
    static const char *const fields[] = {"id",    "excludes", "requires", "text",
                                         "cites", "source",   NULL};
    const json_node *arr = gdpr_json__member(item, "limits");
    int rc = GDPR_OK;

    if (arr == NULL || arr->type == JSON_NULL)
        return GDPR_OK;
    if (arr->type != JSON_ARRAY)
        return fail_at(pc, arr, "must be an array");
    if (arr->count > ADEQUACY_MAX_LIMITS)
        return fail_at(pc, arr, "holds %zu entries, more than %u", arr->count, ADEQUACY_MAX_LIMITS);
    d->limits = calloc(arr->count ? arr->count : 1, sizeof *d->limits);
    if (d->limits == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory reading the adequacy list");
    for (const json_node *n = arr->first; n && rc == GDPR_OK; n = n->next) {
        adequacy_limit *lim = &d->limits[d->n_limits];
        const json_node *ex, *req;
        int what = 0;

        if (n->type != JSON_OBJECT)
            return fail_at(pc, n, "must be an object");
        d->n_limits++;
        if ((rc = check_members(pc, n, fields)) != GDPR_OK ||
            (rc = read_text(pc, n, "id", 1, GDPR_NAME_MAX, &lim->id)) != GDPR_OK ||
            (rc = read_text(pc, n, "text", 1, 512, &lim->text)) != GDPR_OK ||
            (rc = read_text(pc, n, "cites", 1, 256, &lim->cites)) != GDPR_OK ||
            (rc = read_text(pc, n, "source", 1, 2048, &lim->source)) != GDPR_OK)
            return rc;
        ex = gdpr_json__member(n, "excludes");
        req = gdpr_json__member(n, "requires");
        if ((ex == NULL) == (req == NULL))
            return fail_at(pc, n,
                           "a limit has exactly one of \"excludes\" (an activity) or "
                           "\"requires\" (a requirement)");
        if (ex != NULL) {
            what = ex->type == JSON_TEXT ? gdpr_policy__activity_from_name(ex->text) : -1;
            if (what < 0)
                return fail_at(pc, ex,
                               "must be an activity of the policy format: immigration_control, "
                               "fsc_credit_information, religious, political, journalism, "
                               "professional_writing, academic");
            lim->kind = LIMIT_EXCLUDES;
        } else {
            rc = read_enum(pc, n, "requires", requirement_names, REQUIRE_COUNT, &what);
            if (rc != GDPR_OK)
                return rc;
            lim->kind = LIMIT_REQUIRES;
        }
        lim->what = what;
        if (strncmp(lim->source, "https://", 8) != 0)
            return fail_at(pc, gdpr_json__member(n, "source"),
                           "must be the https:// address of the legal text");
        for (size_t k = 0; k + 1 < d->n_limits; k++)
            if (strcmp(d->limits[k].id, lim->id) == 0)
                return fail_at(pc, gdpr_json__member(n, "id"), "'%s' is used twice", lim->id);
    }
    return rc;
}

static int
build_decision(const parse_ctx *pc, const json_node *item, adequacy_list *l, adequacy_decision *d)
{
    static const char *const fields[] = {
        "id",        "code",          "name",           "kind",   "scope", "framework",
        "reference", "in_force_from", "in_force_until", "source", "notes", "limits",
        NULL};
    int kind = 0, scope = 0;
    int64_t until_first = 0;
    int rc;

    if ((rc = read_text(pc, item, "code", 1, ADEQUACY_CODE_MAX, &d->code)) != GDPR_OK ||
        (rc = read_text(pc, item, "name", 1, GDPR_NAME_MAX, &d->name)) != GDPR_OK ||
        (rc = read_enum(pc, item, "kind", kind_names, 3, &kind)) != GDPR_OK ||
        (rc = read_enum(pc, item, "scope", scope_names, SCOPE_COUNT, &scope)) != GDPR_OK ||
        (rc = read_text(pc, item, "framework", 0, GDPR_NAME_MAX, &d->framework)) != GDPR_OK ||
        (rc = read_text(pc, item, "reference", 1, 1024, &d->reference)) != GDPR_OK ||
        (rc = read_date(pc, item, "in_force_from", 1, &d->from, NULL)) != GDPR_OK ||
        (rc = read_date(pc, item, "in_force_until", 0, &until_first, &d->until)) != GDPR_OK ||
        (rc = read_text(pc, item, "source", 1, 2048, &d->source)) != GDPR_OK ||
        (rc = read_text(pc, item, "notes", 0, 8192, &d->notes)) != GDPR_OK ||
        (rc = check_members(pc, item, fields)) != GDPR_OK ||
        (rc = check_code_at(pc, item, d->code)) != GDPR_OK ||
        (rc = build_limits(pc, item, d)) != GDPR_OK)
        return rc;
    d->kind = gdpr_text__dup(kind_names[kind]);
    if (d->kind == NULL)
        return GDPR_ENOMEM;
    d->scope = (adequacy_scope)scope;
    if ((kind == KIND_ORGANISATION) != (strncmp(d->code, "org:", 4) == 0))
        return fail_at(pc, gdpr_json__member(item, "kind"),
                       "an organisation has a code 'org:NAME', "
                       "a country or territory an ISO 3166-1 code (code is '%s')",
                       d->code);
    for (const adequacy_eea *e = gdpr_adequacy__eea_of(l, d->code); e != NULL;
         e = e->next >= 0 ? &l->eea[e->next] : NULL)
        if ((e->until == 0 || d->from <= e->until) && (d->until == 0 || d->until >= e->from))
            return fail_at(pc, gdpr_json__member(item, "code"),
                           "'%s' is in the EEA for part of the decision's period: no adequacy "
                           "decision applies to it then",
                           d->code);
    if (d->scope == SCOPE_CERTIFIED && gdpr_json__member(item, "framework") == NULL)
        return gdpr__err_set(GDPR_EINVAL,
                             "%s: decision '%s': scope \"certified\" names its framework: "
                             "required field \"framework\" is missing",
                             pc->origin, d->code);
    if ((d->scope == SCOPE_CERTIFIED) != (d->framework != NULL))
        return fail_at(pc, gdpr_json__member(item, "framework"),
                       "scope \"certified\" names its "
                       "framework; other scopes have \"framework\": null");
    if (d->until != 0 && d->until < d->from)
        return fail_at(pc, gdpr_json__member(item, "in_force_until"), "ends before in_force_from");
    if (strncmp(d->source, "https://", 8) != 0)
        return fail_at(pc, gdpr_json__member(item, "source"),
                       "must be the https:// address of the "
                       "legal text");
    return GDPR_OK;
}

static int
overlap(const adequacy_decision *a, const adequacy_decision *b)
{
    int64_t a_end = a->until ? a->until : INT64_MAX;
    int64_t b_end = b->until ? b->until : INT64_MAX;

    return a->from <= b_end && b->from <= a_end;
}

static int
same_scope(const adequacy_decision *a, const adequacy_decision *b)
{
    if (a->scope != b->scope)
        return 0;
    if (a->framework == NULL || b->framework == NULL)
        return a->framework == b->framework;
    return strcmp(a->framework, b->framework) == 0;
}

static int
build_decisions(const parse_ctx *pc, const json_node *root, adequacy_list *l)
{
    const json_node *arr;
    int rc = read_array(pc, root, "decisions", MAX_DECISIONS, &arr);

    if (rc != GDPR_OK)
        return rc;
    l->decisions = calloc(arr->count, sizeof *l->decisions);
    if (l->decisions == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory reading the adequacy list");
    for (const json_node *item = arr->first; item; item = item->next) {
        adequacy_decision *d = &l->decisions[l->n_decisions];

        if (item->type != JSON_OBJECT)
            return fail_at(pc, item, "must be an object (one adequacy decision)");
        if ((rc = read_text(pc, item, "id", 1, 64, &d->id)) != GDPR_OK)
            return rc;
        l->n_decisions++;
        if ((rc = build_decision(pc, item, l, d)) != GDPR_OK)
            return rc;
        for (size_t i = 0; i + 1 < l->n_decisions; i++) {
            const adequacy_decision *o = &l->decisions[i];
            if (strcmp(o->id, d->id) == 0)
                return fail_at(pc, gdpr_json__member(item, "id"), "id '%s' is used twice", d->id);
            /* Overlaps are allowed (each entry starts when its own
             * instrument took effect) only where they answer alike. */
            if (strcmp(o->code, d->code) == 0 && overlap(o, d) && !same_scope(o, d))
                return fail_at(pc, item,
                               "overlaps %s in time with another scope or framework: "
                               "a check on the common days would have two answers",
                               o->id);
        }
    }
    return GDPR_OK;
}

static int
by_from(const adequacy_list *l, uint32_t a, uint32_t b)
{
    const adequacy_decision *x = &l->decisions[a], *y = &l->decisions[b];
    int c = strcmp(x->code, y->code);

    if (c != 0)
        return c;
    if (x->from != y->from)
        return x->from < y->from ? -1 : 1;
    return a < b ? -1 : (a > b);
}

/* Insertion sort: the list has tens of entries, and the order is stable. */
static void
sort_indices(const adequacy_list *l, uint32_t *idx, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint32_t v = idx[i];
        size_t j = i;
        while (j > 0 && by_from(l, idx[j - 1], v) > 0) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = v;
    }
}

static int
build_index(adequacy_list *l)
{
    size_t n_alpha = 0;

    l->by_code = calloc(l->n_decisions ? l->n_decisions : 1, sizeof *l->by_code);
    l->orgs = calloc(l->n_decisions ? l->n_decisions : 1, sizeof *l->orgs);
    if (l->by_code == NULL || l->orgs == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory indexing the adequacy list");
    for (uint32_t i = 0; i < l->n_decisions; i++) {
        if (gdpr_adequacy__slot(l->decisions[i].code) >= 0)
            l->by_code[n_alpha++] = i;
        else
            l->orgs[l->n_orgs++] = i;
    }
    sort_indices(l, l->by_code, n_alpha);
    sort_indices(l, l->orgs, l->n_orgs);
    for (uint32_t k = 0; k < n_alpha; k++) {
        int slot = gdpr_adequacy__slot(l->decisions[l->by_code[k]].code);
        if (l->count[slot] == 0)
            l->first[slot] = k;
        l->count[slot]++;
    }
    return GDPR_OK;
}

int
gdpr_adequacy__parse(store *st, const char *text, const char *origin, adequacy_list **out)
{
    parse_ctx pc = {origin};
    json_node *root = NULL;
    adequacy_list *l;
    int rc;

    *out = NULL;
    rc = gdpr_store__json_parse(st, text, &root);
    if (rc != GDPR_OK)
        return gdpr__err_wrap(rc, "%s", origin);
    l = calloc(1, sizeof *l);
    if (l == NULL) {
        gdpr_json__free(root);
        return gdpr__err_set(GDPR_ENOMEM, "out of memory reading the adequacy list");
    }
    for (size_t i = 0; i < ADEQUACY_ALPHA_SLOTS; i++)
        l->eea_of[i] = -1;
    rc = build_header(&pc, root, l);
    if (rc == GDPR_OK)
        rc = build_eea(&pc, root, l);
    if (rc == GDPR_OK)
        rc = build_decisions(&pc, root, l);
    if (rc == GDPR_OK)
        rc = build_index(l);
    if (rc == GDPR_OK)
        rc = gdpr_crypto__sha256(text, strlen(text), l->sha256);
    gdpr_json__free(root);
    if (rc != GDPR_OK) {
        gdpr_adequacy__free(l);
        return rc;
    }
    *out = l;
    return GDPR_OK;
}

/* --- the engine's state ----------------------------------------------------- */

void
gdpr_transfer__state_free(transfer_state *t)
{
    if (t == NULL)
        return;
    gdpr_transfer__recipients_free(t);
    gdpr_adequacy__free(t->list);
    free(t);
}

static void
transfer_close(gdpr_engine *eng)
{
    gdpr_transfer__state_free(gdpr_engine__module_state(eng, &gdpr_transfer__module));
}

const engine_module gdpr_transfer__module = {
    .version = ENGINE_MODULE_VERSION,
    .name = "transfer",
    .close = transfer_close,
};

void
gdpr_transfer__state_invalidate(transfer_state *t)
{
    if (t == NULL)
        return;
    t->synced = 0;
    gdpr_transfer__recipients_free(t);
}

static int
read_generation(gdpr_engine *eng, uint64_t *out)
{
    uint8_t buf[8];
    size_t len = 0;
    int rc = gdpr_store__meta_get(eng->st, STORE_DATA, GENERATION_KEY, buf, sizeof buf, &len);

    *out = 0;
    if (rc == GDPR_ENOTFOUND)
        return GDPR_OK;
    if (rc != GDPR_OK)
        return rc;
    if (len != sizeof buf)
        return gdpr__err_set(GDPR_ECORRUPT, "meta '" GENERATION_KEY "': %zu bytes, expected 8",
                             len);
    for (size_t i = 0; i < sizeof buf; i++)
        *out = *out << 8 | buf[i];
    return GDPR_OK;
}

int
gdpr_transfer__generation_bump(gdpr_engine *eng)
{
    uint8_t buf[8];
    uint64_t gen = 0;
    int rc = read_generation(eng, &gen);

    if (rc != GDPR_OK)
        return rc;
    gen++;
    for (int i = 7; i >= 0; i--) {
        buf[i] = (uint8_t)gen;
        gen >>= 8;
    }
    return gdpr_store__meta_put(eng->st, STORE_DATA, GENERATION_KEY, buf, sizeof buf);
}

/* The list a stored document stands for: "" is the shipped list. */
static int
list_from_document(gdpr_engine *eng, const char *doc, int64_t version, adequacy_list **out)
{
    char origin[64];
    int rc;

    if (doc == NULL || doc[0] == '\0') {
        rc = gdpr_adequacy__parse(eng->st, gdpr_adequacy__builtin_json, ORIGIN_BUILTIN, out);
        if (rc == GDPR_EINVAL || rc == GDPR_EVERSION)
            rc = gdpr__err_wrap(GDPR_ECORRUPT, "the library's own data");
        return rc;
    }
    snprintf(origin, sizeof origin, "stored adequacy list v%lld", (long long)version);
    rc = gdpr_adequacy__parse(eng->st, doc, origin, out);
    if (rc == GDPR_EINVAL || rc == GDPR_EVERSION)
        rc = gdpr__err_wrap(GDPR_ECORRUPT, "reload it with gdpr_adequacy_load()");
    if (rc == GDPR_OK)
        (*out)->version = version;
    return rc;
}

/* Put `l` in force; the old list stays alive (retired) until close, so
 * entries handed out earlier stay valid. */
static void
install_list(transfer_state *t, adequacy_list *l, int64_t stored_version)
{
    l->retired = t->list;
    t->list = l;
    t->stored_version = stored_version;
    gdpr_transfer__recipients_free(t);
}

int
gdpr_transfer__state_sync(gdpr_engine *eng, transfer_state *t)
{
    uint64_t gen = 0;
    int64_t version = 0;
    char *doc = NULL;
    adequacy_list *l = NULL;
    int rc = read_generation(eng, &gen);

    if (rc != GDPR_OK)
        return rc;
    if (t->synced && t->list != NULL && gen == t->generation)
        return GDPR_OK;
    rc = gdpr_store__adequacy_latest(eng->st, &version, &doc);
    if (rc == GDPR_ENOTFOUND) {
        rc = GDPR_OK;
        version = 0;
    }
    if (rc == GDPR_OK && (t->list == NULL || version != t->stored_version)) {
        rc = list_from_document(eng, doc, version, &l);
        if (rc == GDPR_OK)
            install_list(t, l, version);
    }
    free(doc);
    if (rc != GDPR_OK)
        return rc;
    gdpr_transfer__recipients_free(t);
    t->generation = gen;
    t->synced = 1;
    return GDPR_OK;
}

int
gdpr_transfer__state_ready(gdpr_engine *eng, transfer_state **out)
{
    transfer_state *t = gdpr_engine__module_state(eng, &gdpr_transfer__module);
    int rc;

    if (t == NULL) {
        t = calloc(1, sizeof *t);
        if (t == NULL)
            return gdpr__err_set(GDPR_ENOMEM, "out of memory for the transfer state");
        rc = gdpr_engine__module_set_state(eng, &gdpr_transfer__module, t);
        if (rc != GDPR_OK) {
            free(t);
            return rc;
        }
    }
    if (!t->synced || t->list == NULL) {
        rc = gdpr_transfer__state_sync(eng, t);
        if (rc != GDPR_OK)
            return rc;
    }
    *out = t;
    return GDPR_OK;
}

/* --- public calls --------------------------------------------------------- */

int
gdpr_transfer__check_instant(const char *field, int64_t at)
{
    char when[21];

    if (at < 0 || at > CAL_MAX_TIME) {
        gdpr_calendar__format_time(at, when);
        return gdpr__err_set(GDPR_EINVAL, "%s: %s is outside 1970-01-01 .. 9999-12-31", field,
                             when);
    }
    return GDPR_OK;
}

int
gdpr_transfer__arg_instant(const gdpr_engine *eng, const char *field, int64_t *at)
{
    int rc = gdpr_clock__arg(eng, field, at);

    return rc == GDPR_OK ? gdpr_transfer__check_instant(field, *at) : rc;
}

static void
entry_of_eea(const adequacy_eea *e, gdpr_adequacy_entry *out)
{
    memset(out, 0, sizeof *out);
    out->mechanism = GDPR_TRANSFER_EEA;
    out->id = e->code;
    out->code = e->code;
    out->name = e->name;
    out->kind = "eea";
    out->scope = "whole";
    out->reference = e->basis;
    out->in_force_from = e->from;
    out->in_force_until = e->until;
}

static void
entry_of_decision(const adequacy_decision *d, gdpr_adequacy_entry *out)
{
    memset(out, 0, sizeof *out);
    out->mechanism = GDPR_TRANSFER_ADEQUACY;
    out->id = d->id;
    out->code = d->code;
    out->name = d->name;
    out->kind = d->kind;
    out->scope = scope_names[d->scope];
    out->framework = d->framework;
    out->reference = d->reference;
    out->in_force_from = d->from;
    out->in_force_until = d->until;
    out->source = d->source;
    out->notes = d->notes;
}

static int
callback_stop(int stop, const char *id)
{
    return gdpr__err_set(GDPR_ECALLBACK, "adequacy iterator stopped at %s (callback returned %d)",
                         id, stop);
}

GDPR_API int
gdpr_adequacy_foreach(gdpr_engine *eng, int64_t as_of, gdpr_adequacy_fn fn, void *ctx)
{
    transfer_state *t = NULL;
    gdpr_adequacy_entry e;
    int rc;

    if (gdpr_engine__check_given(eng, fn != NULL, "fn") != GDPR_OK)
        return GDPR_EINVAL;
    if (as_of != GDPR_ADEQUACY_ALL &&
        (rc = gdpr_transfer__arg_instant(eng, "as_of", &as_of)) != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = gdpr_transfer__state_ready(eng, &t);
    for (size_t i = 0; rc == GDPR_OK && i < t->list->n_eea; i++) {
        int stop;
        entry_of_eea(&t->list->eea[i], &e);
        stop = fn(&e, ctx);
        if (stop != 0)
            rc = callback_stop(stop, e.id);
    }
    for (size_t i = 0; rc == GDPR_OK && i < t->list->n_decisions; i++) {
        const adequacy_decision *d = &t->list->decisions[i];
        int stop;
        if (as_of != GDPR_ADEQUACY_ALL && !in_force(d, as_of))
            continue;
        entry_of_decision(d, &e);
        stop = fn(&e, ctx);
        if (stop != 0)
            rc = callback_stop(stop, e.id);
    }
    return gdpr_engine__unlock(eng, rc);
}

GDPR_API int
gdpr_adequacy_find(gdpr_engine *eng, const char *country, int64_t at, gdpr_adequacy_entry *out)
{
    transfer_state *t = NULL;
    const adequacy_eea *eea;
    const adequacy_decision *d;
    char day[11];
    int rc;

    if (gdpr_engine__check_given(eng, out != NULL, "out") != GDPR_OK)
        return GDPR_EINVAL;
    rc = gdpr_adequacy__check_code("country", country);
    if (rc == GDPR_OK)
        rc = gdpr_transfer__arg_instant(eng, "at", &at);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = gdpr_transfer__state_ready(eng, &t);
    if (rc != GDPR_OK)
        return gdpr_engine__unlock(eng, rc);
    eea = gdpr_adequacy__eea_on(t->list, country, at);
    if (eea != NULL) {
        entry_of_eea(eea, out);
        return gdpr_engine__unlock(eng, GDPR_OK);
    }
    d = gdpr_adequacy__in_force(t->list, country, at);
    if (d != NULL) {
        entry_of_decision(d, out);
        return gdpr_engine__unlock(eng, GDPR_OK);
    }
    gdpr_calendar__format_date(at / SECONDS_PER_DAY, day);
    return gdpr_engine__unlock(eng, gdpr__err_set(GDPR_ENOTFOUND,
                                                  "country: '%s' is not in the EEA and has "
                                                  "no adequacy decision in force on %s",
                                                  country, day));
}

GDPR_API int
gdpr_adequacy_version(gdpr_engine *eng, char updated_out[11], int64_t *version_out)
{
    transfer_state *t = NULL;
    int rc;

    if (gdpr_engine__check_eng(eng) != GDPR_OK)
        return GDPR_EINVAL;
    gdpr_engine__lock(eng);
    rc = gdpr_transfer__state_ready(eng, &t);
    if (rc == GDPR_OK) {
        if (updated_out) {
            memcpy(updated_out, t->list->updated, 10);
            updated_out[10] = '\0';
        }
        if (version_out)
            *version_out = t->list->version;
    }
    return gdpr_engine__unlock(eng, rc);
}

/* Store `doc` ("" for the shipped list) as the list in force. `l` is the
 * parsed list; it is installed (or freed) here. */
static int
load_locked(gdpr_engine *eng, const gdpr_actor *who, const char *doc, adequacy_list *l)
{
    transfer_state *t = NULL;
    int64_t version = 0;
    char ref[96];
    int rc = gdpr_engine__authorize(eng, who, PERM_ADEQUACY_LOAD, NULL);

    if (rc == GDPR_OK)
        rc = gdpr_transfer__state_ready(eng, &t);
    if (rc == GDPR_OK)
        rc = gdpr_engine__begin(eng);
    if (rc != GDPR_OK) {
        gdpr_adequacy__free(l);
        return rc;
    }
    rc = gdpr_transfer__state_sync(eng, t);
    if (rc == GDPR_OK && gdpr_crypto__equal(t->list->sha256, l->sha256, sizeof l->sha256) &&
        (doc[0] == '\0') == (t->list->version == 0)) {
        snprintf(ref, sizeof ref, "adequacy list v%lld unchanged", (long long)t->list->version);
        gdpr_adequacy__free(l);
        rc = gdpr_audit__append(eng, who, gdpr_permission__name(PERM_ADEQUACY_LOAD), NULL, GDPR_OK,
                                ref);
        return gdpr_engine__end(eng, rc);
    }
    if (rc == GDPR_OK)
        rc = gdpr_store__adequacy_insert(eng->st, gdpr_engine__now(eng), who->id, l->sha256, doc,
                                         &version);
    if (rc == GDPR_OK)
        rc = gdpr_transfer__generation_bump(eng);
    if (doc[0] == '\0')
        snprintf(ref, sizeof ref, "adequacy list v%lld: the shipped list, updated %s",
                 (long long)version, l->updated);
    else
        snprintf(ref, sizeof ref, "adequacy list v%lld, updated %s, %zu decisions",
                 (long long)version, l->updated, l->n_decisions);
    if (rc == GDPR_OK)
        rc = gdpr_audit__append(eng, who, gdpr_permission__name(PERM_ADEQUACY_LOAD), NULL, GDPR_OK,
                                ref);
    rc = gdpr_engine__end(eng, rc);
    if (rc != GDPR_OK) {
        gdpr_adequacy__free(l);
        return rc;
    }
    l->version = doc[0] == '\0' ? 0 : version;
    install_list(t, l, version);
    gdpr_transfer__state_invalidate(t); /* rereads the generation on next use */
    return GDPR_OK;
}

static int
read_document(const char *path, char **out)
{
    size_t bad;
    int rc = gdpr_text__read_file(path, ADEQUACY_MAX_BYTES, out);

    if (rc == GDPR_OK && (*out)[0] == '\0')
        rc = gdpr__err_set(GDPR_EINVAL, "%.256s: empty", path);
    else if (rc == GDPR_OK && gdpr__utf8_check(*out, strlen(*out), &bad) != 0)
        rc = gdpr__err_set(GDPR_EINVAL, "%.256s: not valid UTF-8 (byte %zu)", path, bad);
    if (rc != GDPR_OK) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

GDPR_API int
gdpr_adequacy_load(gdpr_engine *eng, const gdpr_actor *who, const char *path)
{
    adequacy_list *l = NULL;
    char *doc = NULL;
    int rc;

    rc = gdpr_engine__enter(eng, who);
    if (rc == GDPR_OK)
        rc = gdpr_text__check("path", path, PATH_MAX_BYTES);
    if (rc == GDPR_OK)
        rc = read_document(path, &doc);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = gdpr_engine__require_policy(eng);
    /* Checked whole before anything that could write (a refused
     * permission is audited). */
    if (rc == GDPR_OK)
        rc = gdpr_adequacy__parse(eng->st, doc, path, &l);
    if (rc == GDPR_OK)
        rc = load_locked(eng, who, doc, l);
    free(doc);
    return gdpr_engine__unlock(eng, rc);
}

GDPR_API int
gdpr_adequacy_reset(gdpr_engine *eng, const gdpr_actor *who)
{
    adequacy_list *l = NULL;
    int rc;

    rc = gdpr_engine__enter(eng, who);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = gdpr_engine__require_policy(eng);
    if (rc == GDPR_OK)
        rc = list_from_document(eng, "", 0, &l);
    if (rc == GDPR_OK)
        rc = load_locked(eng, who, "", l);
    return gdpr_engine__unlock(eng, rc);
}
