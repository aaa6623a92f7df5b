/*
 * The policy's issue-16 sections, validated whole like the rest:
 *   "signals":  { "notice": "<notice id>",
 *                 "gpc": [ { "purpose": "<id>", "kind": "sale" | "sharing" |
 *                            "targeted_advertising" } ],
 *                 "tcf_purposes": [ { "tcf": 1..24, "purpose": "<id>" } ] }
 *   "receipts": { "controller_address": "<text>",
 *                 "storage_locations": [ "<text>", ... ] }
 * and notices[].language, a BCP 47 language tag (RFC 5646) by its shape.
 * docs/signals.md and docs/policy.md describe them.
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "json.h"
#include "policy_model.h"
#include "text.h"

static const char *const gpc_kinds[GPC_KINDS] = {"sale", "sharing", "targeted_advertising"};

const char *
gdpr_policy__gpc_kind_name(int kind)
{
    return kind >= 0 && kind < GPC_KINDS ? gpc_kinds[kind] : "unknown";
}

static int
only_members(const json_node *obj, const char *const *allowed)
{
    if (obj->type != JSON_OBJECT)
        return gdpr_json__fail_at(obj, "must be an object");
    for (const json_node *c = obj->first; c; c = c->next) {
        size_t i = 0;
        while (allowed[i] && strcmp(allowed[i], c->key) != 0)
            i++;
        if (allowed[i] == NULL)
            return gdpr_json__fail_at(c, "unknown field");
    }
    return GDPR_OK;
}

/* A required text member of at most `max` bytes (borrowed). */
static int
text_member(const json_node *obj, const char *key, size_t max, const char **out)
{
    const json_node *n = gdpr_json__member(obj, key);
    char path[256];

    *out = NULL;
    if (n == NULL) {
        gdpr_json__path(obj, path, sizeof path);
        return gdpr__err_set(GDPR_EINVAL, "%s.%s: required field is missing", path, key);
    }
    if (n->type != JSON_TEXT)
        return gdpr_json__fail_at(n, "must be text");
    gdpr_json__path(n, path, sizeof path);
    if (gdpr_text__check(path, n->text, max) != GDPR_OK)
        return GDPR_EINVAL;
    *out = n->text;
    return GDPR_OK;
}

static int
alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
alnum(char c)
{
    return alpha(c) || (c >= '0' && c <= '9');
}

/* RFC 5646 by its shape: a primary language subtag of 2-8 letters, then
 * subtags of 1-8 letters or digits joined by '-'; at most 35 characters
 * (the length RFC 5646 section 4.4.1 asks every implementation to keep). */
int
gdpr_policy__check_language(const json_node *notice)
{
    const json_node *n = gdpr_json__member(notice, "language");
    const char *t;
    size_t i = 0, run = 0;

    if (n == NULL)
        return GDPR_OK;
    if (n->type != JSON_TEXT)
        return gdpr_json__fail_at(n, "must be text (a BCP 47 language tag such as \"en\" or "
                                     "\"de-AT\")");
    t = n->text;
    if (strlen(t) > 35)
        return gdpr_json__fail_at(n,
                                  "'%.40s' is longer than 35 characters (BCP 47, RFC 5646 "
                                  "4.4.1)",
                                  t);
    while (alpha(t[i]))
        i++;
    if (i < 2 || i > 8 || (t[i] != '\0' && t[i] != '-'))
        return gdpr_json__fail_at(n,
                                  "'%.40s' is not a BCP 47 language tag: it must start with "
                                  "a language subtag of 2-8 letters (\"en\", \"de-AT\")",
                                  t);
    for (; t[i] != '\0'; i++) {
        if (t[i] == '-') {
            if (run == 0 && i > 0 && t[i - 1] == '-')
                break;
            if (t[i + 1] == '\0')
                break;
            run = 0;
            continue;
        }
        if (!alnum(t[i]) || ++run > 8)
            break;
    }
    if (t[i] != '\0')
        return gdpr_json__fail_at(n,
                                  "'%.40s' is not a BCP 47 language tag: character %zu "
                                  "breaks the subtags (1-8 letters or digits joined by '-')",
                                  t, i + 1);
    return GDPR_OK;
}

int
gdpr_policy__check_receipts(const json_node *root)
{
    static const char *const fields[] = {"controller_address", "storage_locations", NULL};
    const json_node *obj = gdpr_json__member(root, "receipts");
    const json_node *list;
    const char *text;
    int rc;

    if (obj == NULL)
        return GDPR_OK;
    rc = only_members(obj, fields);
    if (rc == GDPR_OK && gdpr_json__member(obj, "controller_address") != NULL)
        rc = text_member(obj, "controller_address", 1024, &text);
    if (rc != GDPR_OK)
        return rc;
    list = gdpr_json__member(obj, "storage_locations");
    if (list == NULL)
        return GDPR_OK;
    if (list->type != JSON_ARRAY || list->count == 0)
        return gdpr_json__fail_at(list, "must be a non-empty array of texts (where consent "
                                        "records are kept: a country code or a description)");
    for (const json_node *c = list->first; c; c = c->next) {
        char path[256];
        if (c->type != JSON_TEXT)
            return gdpr_json__fail_at(c, "must be text");
        gdpr_json__path(c, path, sizeof path);
        if (gdpr_text__check(path, c->text, 256) != GDPR_OK)
            return GDPR_EINVAL;
    }
    return GDPR_OK;
}

static int
dup_into(char **dst, const char *src)
{
    *dst = gdpr_text__dup(src);
    return *dst ? GDPR_OK : GDPR_ENOMEM;
}

static int
build_gpc(const json_node *arr, policy_model *p)
{
    static const char *const fields[] = {"purpose", "kind", NULL};
    int rc = GDPR_OK;

    if (arr->type != JSON_ARRAY)
        return gdpr_json__fail_at(arr, "must be an array");
    if (arr->count > 0) {
        p->signals.gpc = calloc(arr->count, sizeof *p->signals.gpc);
        if (p->signals.gpc == NULL)
            return gdpr__err_set(GDPR_ENOMEM, "out of memory building the policy");
    }
    for (const json_node *it = arr->first; rc == GDPR_OK && it; it = it->next) {
        policy_gpc_purpose *g = &p->signals.gpc[p->signals.n_gpc];
        const char *purpose, *kind;
        int k;
        if ((rc = only_members(it, fields)) != GDPR_OK ||
            (rc = text_member(it, "purpose", GDPR_NAME_MAX, &purpose)) != GDPR_OK ||
            (rc = text_member(it, "kind", 32, &kind)) != GDPR_OK)
            break;
        if (gdpr_policy__find_purpose(p, purpose) == NULL)
            return gdpr_json__fail_at(gdpr_json__member(it, "purpose"),
                                      "'%s' is not a purpose of the policy", purpose);
        for (k = 0; k < GPC_KINDS && strcmp(gpc_kinds[k], kind) != 0; k++)
            ;
        if (k == GPC_KINDS)
            return gdpr_json__fail_at(gdpr_json__member(it, "kind"),
                                      "'%s' is not sale, sharing or targeted_advertising", kind);
        if (gdpr_policy__gpc_purpose(p, purpose) != NULL)
            return gdpr_json__fail_at(gdpr_json__member(it, "purpose"), "'%s' is listed twice",
                                      purpose);
        rc = dup_into(&g->purpose, purpose);
        g->kind = k;
        if (rc == GDPR_OK)
            p->signals.n_gpc++;
    }
    return rc;
}

static int
build_tcf(const json_node *arr, policy_model *p)
{
    static const char *const fields[] = {"tcf", "purpose", NULL};
    int rc = GDPR_OK;

    if (arr->type != JSON_ARRAY)
        return gdpr_json__fail_at(arr, "must be an array");
    if (arr->count > 0) {
        p->signals.tcf = calloc(arr->count, sizeof *p->signals.tcf);
        if (p->signals.tcf == NULL)
            return gdpr__err_set(GDPR_ENOMEM, "out of memory building the policy");
    }
    for (const json_node *it = arr->first; rc == GDPR_OK && it; it = it->next) {
        policy_tcf_purpose *t = &p->signals.tcf[p->signals.n_tcf];
        const json_node *num;
        const policy_purpose *pu;
        const char *purpose;
        if ((rc = only_members(it, fields)) != GDPR_OK ||
            (rc = text_member(it, "purpose", GDPR_NAME_MAX, &purpose)) != GDPR_OK)
            break;
        num = gdpr_json__member(it, "tcf");
        if (num == NULL)
            return gdpr_json__fail_at(it, "tcf: required field is missing (a TCF purpose "
                                          "number, 1..24)");
        if (num->type != JSON_INTEGER || num->integer < 1 || num->integer > 24)
            return gdpr_json__fail_at(num, "must be a TCF purpose number, 1..24 (the "
                                           "PurposesConsent bit field)");
        pu = gdpr_policy__find_purpose(p, purpose);
        if (pu == NULL)
            return gdpr_json__fail_at(gdpr_json__member(it, "purpose"),
                                      "'%s' is not a purpose of the policy", purpose);
        if (pu->basis != BASIS_CONSENT)
            return gdpr_json__fail_at(gdpr_json__member(it, "purpose"),
                                      "'%s' is based on %s, not consent: a TCF consent bit can "
                                      "only record consent",
                                      purpose, gdpr_policy__basis_name(pu->basis));
        for (size_t i = 0; i < p->signals.n_tcf; i++)
            if (p->signals.tcf[i].tcf == (int)num->integer &&
                strcmp(p->signals.tcf[i].purpose, purpose) == 0)
                return gdpr_json__fail_at(it, "TCF purpose %lld to '%s' is listed twice",
                                          (long long)num->integer, purpose);
        t->tcf = (int)num->integer;
        rc = dup_into(&t->purpose, purpose);
        if (rc == GDPR_OK)
            p->signals.n_tcf++;
    }
    return rc;
}

int
gdpr_policy__build_signals(const json_node *root, policy_model *p)
{
    static const char *const fields[] = {"notice", "gpc", "tcf_purposes", NULL};
    const json_node *obj = gdpr_json__member(root, "signals");
    const json_node *gpc, *tcf;
    const char *notice;
    int rc;

    if (obj == NULL)
        return GDPR_OK;
    rc = only_members(obj, fields);
    if (rc != GDPR_OK)
        return rc;
    gpc = gdpr_json__member(obj, "gpc");
    tcf = gdpr_json__member(obj, "tcf_purposes");
    if (gpc != NULL && (rc = build_gpc(gpc, p)) != GDPR_OK)
        return rc;
    if (tcf != NULL && (rc = build_tcf(tcf, p)) != GDPR_OK)
        return rc;
    if (gdpr_json__member(obj, "notice") == NULL && p->signals.n_gpc + p->signals.n_tcf == 0)
        return GDPR_OK;
    rc = text_member(obj, "notice", GDPR_NAME_MAX, &notice);
    if (rc != GDPR_OK)
        return rc;
    if (gdpr_policy__find_notice(p, notice) == NULL)
        return gdpr_json__fail_at(gdpr_json__member(obj, "notice"),
                                  "'%s' is not a notice of the policy (the notice that tells "
                                  "subjects how signals are honoured)",
                                  notice);
    return dup_into(&p->signals.notice, notice);
}

void
gdpr_policy__signals_free(policy_signals *s)
{
    for (size_t i = 0; i < s->n_gpc; i++)
        free(s->gpc[i].purpose);
    for (size_t i = 0; i < s->n_tcf; i++)
        free(s->tcf[i].purpose);
    free(s->gpc);
    free(s->tcf);
    free(s->notice);
    memset(s, 0, sizeof *s);
}

const policy_gpc_purpose *
gdpr_policy__gpc_purpose(const policy_model *p, const char *purpose)
{
    for (size_t i = 0; p != NULL && i < p->signals.n_gpc; i++)
        if (strcmp(p->signals.gpc[i].purpose, purpose) == 0)
            return &p->signals.gpc[i];
    return NULL;
}
