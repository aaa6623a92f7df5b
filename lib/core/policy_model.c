/*
 * Policy validation: walk the JSON tree, check every rule, build the
 * model. Nothing here touches the store: a refused document costs nothing.
 * SPDX-License-Identifier: MIT
 */
#include "policy_model.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gdpr/common.h"
#include "json.h"
#include "text.h"

static const char *const permission_names[PERM_COUNT] = {
    "policy.load",       "subject.create",   "rekey",
    "consent.record",    "subject.object",   "subject.restrict",
    "disclosure.record", "vault.put",        "vault.get",
    "vault.rectify",     "vault.delete",     "subject.link",
    "export.subject",    "erase.subject",    "hold.manage",
    "retention.run",     "review.decide",    "transfer.record",
    "transfer.approve",  "safeguard.manage", "request.open",
    "request.manage",    "request.close",    "request.deny",
    "source.register",   "consent.read",     "adequacy.load",
    "retention.anchor",  "staff.resolve",    "consent.report",
    "ropa.export",       "breach.manage",
};

static const char *const basis_names[BASIS_COUNT] = {
    "consent",         "contract",    "legal_obligation",
    "vital_interests", "public_task", "legitimate_interests",
};

static const char *const anchor_names[ANCHOR_COUNT] = {
    "collection", "last_activity", "contract_end", "consent_withdrawal", "request_closed",
};

static const char *const action_names[ACTION_COUNT] = {"erase", "anonymise", "review"};

static const char *const processing_names[PROCESSING_COUNT] = {"unknown", "automated",
                                                               "manual_then_automated", "manual"};

static const char *const activity_names[ACTIVITY_COUNT] = {
    "immigration_control", "fsc_credit_information", "religious", "political",
    "journalism",          "professional_writing",   "academic",
};

const char *
gdpr_policy__processing_name(policy_processing p)
{
    return processing_names[p];
}

const char *
gdpr_policy__activity_name(policy_activity a)
{
    return activity_names[a];
}

static const char *const cert_names[CERT_COUNT] = {"safe_harbour", "privacy_shield", "dpf"};
static const char *const cert_frameworks[CERT_COUNT] = {
    "Safe Harbour Privacy Principles", "EU-US Privacy Shield", "EU-US Data Privacy Framework"};

const char *
gdpr_policy__cert_name(policy_cert_framework f)
{
    return cert_names[f];
}

const char *
gdpr_policy__cert_framework(policy_cert_framework f)
{
    return cert_frameworks[f];
}

static const char *const safeguard_names[SAFEGUARD_COUNT] = {
    "scc", "authority_scc", "bcr", "public_instrument", "code_of_conduct", "certification", "adhoc",
};

const char *
gdpr_permission__name(permission p)
{
    return permission_names[p];
}
const char *
gdpr_policy__basis_name(policy_basis b)
{
    return basis_names[b];
}
const char *
gdpr_policy__anchor_name(policy_anchor a)
{
    return anchor_names[a];
}
const char *
gdpr_policy__action_name(policy_action a)
{
    return action_names[a];
}
const char *
gdpr_policy__safeguard_name(policy_safeguard_type t)
{
    return safeguard_names[t];
}

static int
index_of(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return (int)i;
    return -1;
}

int
gdpr_permission__from_name(const char *name)
{
    return index_of(permission_names, PERM_COUNT, name);
}

int
gdpr_policy__activity_from_name(const char *name)
{
    return index_of(activity_names, ACTIVITY_COUNT, name);
}

/* --- reading helpers: each failure names the JSON path ---------------- */

static int
expect_type(const json_node *n, json_type t)
{
    if (n->type != t)
        return gdpr_json__fail_at(n, "must be %s", gdpr_json__type_name(t));
    return GDPR_OK;
}

/* Refuse members not in `allowed` (NULL-terminated): a typo in a key must
 * not silently drop a rule. */
static int
check_members(const json_node *obj, const char *const *allowed)
{
    for (const json_node *c = obj->first; c; c = c->next) {
        size_t i = 0;
        while (allowed[i] && strcmp(allowed[i], c->key) != 0)
            i++;
        if (allowed[i] == NULL)
            return gdpr_json__fail_at(c, "unknown field");
    }
    return GDPR_OK;
}

static int
missing(const json_node *obj, const char *key)
{
    char path[256];
    gdpr_json__path(obj, path, sizeof path);
    return gdpr__err_set(GDPR_EINVAL, "%s%s%s: required field is missing", path,
                         strcmp(path, "$") == 0 ? "" : ".", key);
}

/* A text member; *out is a copy or NULL when absent and not required. */
static int
read_text(const json_node *obj, const char *key, int required, size_t max, char **out)
{
    const json_node *n = gdpr_json__member(obj, key);
    char path[256];
    int rc;

    *out = NULL;
    if (n == NULL || n->type == JSON_NULL)
        return required ? missing(obj, key) : GDPR_OK;
    rc = expect_type(n, JSON_TEXT);
    if (rc != GDPR_OK)
        return rc;
    gdpr_json__path(n, path, sizeof path);
    rc = gdpr_text__check(path, n->text, max);
    if (rc != GDPR_OK)
        return rc;
    *out = gdpr_text__dup(n->text);
    return *out ? GDPR_OK : GDPR_ENOMEM;
}

static int
read_bool(const json_node *obj, const char *key, int *out)
{
    const json_node *n = gdpr_json__member(obj, key);

    *out = 0;
    if (n == NULL)
        return GDPR_OK;
    if (n->type != JSON_TRUE && n->type != JSON_FALSE)
        return gdpr_json__fail_at(n, "must be true or false");
    *out = n->type == JSON_TRUE;
    return GDPR_OK;
}

static int
read_enum(const json_node *obj, const char *key, const char *const *names, size_t n_names, int *out)
{
    const json_node *n = gdpr_json__member(obj, key);
    char list[512] = "";
    char path[256];
    int found;
    int rc;

    if (n == NULL)
        return missing(obj, key);
    rc = expect_type(n, JSON_TEXT);
    if (rc != GDPR_OK)
        return rc;
    found = index_of(names, n_names, n->text);
    if (found >= 0) {
        *out = found;
        return GDPR_OK;
    }
    for (size_t i = 0; i < n_names; i++) {
        strncat(list, names[i], sizeof list - strlen(list) - 1);
        if (i + 1 < n_names)
            strncat(list, ", ", sizeof list - strlen(list) - 1);
    }
    gdpr_json__path(n, path, sizeof path);
    return gdpr__err_set(GDPR_EINVAL, "%s: '%.64s' is not one of %s", path, n->text, list);
}

/* A date "YYYY-MM-DD" as UTC seconds at 00:00; absent or null gives 0. */
static int
read_date(const json_node *obj, const char *key, int required, int64_t *out)
{
    const json_node *n = gdpr_json__member(obj, key);
    int64_t days;

    *out = 0;
    if (n == NULL || n->type == JSON_NULL)
        return required ? missing(obj, key) : GDPR_OK;
    if (n->type != JSON_TEXT || gdpr_calendar__parse_date(n->text, &days) != 0)
        return gdpr_json__fail_at(n, "must be a date YYYY-MM-DD");
    *out = days * SECONDS_PER_DAY;
    return GDPR_OK;
}

static int
read_duration(const json_node *obj, const char *key, int required, char **text_out,
              cal_duration *out, int *present)
{
    const json_node *n = gdpr_json__member(obj, key);
    size_t bad = 0;
    const char *why = "";
    char path[256];
    int rc;

    *present = 0;
    if (text_out)
        *text_out = NULL;
    if (n == NULL || n->type == JSON_NULL)
        return required ? missing(obj, key) : GDPR_OK;
    rc = expect_type(n, JSON_TEXT);
    if (rc != GDPR_OK)
        return rc;
    if (gdpr_calendar__duration_parse(n->text, out, &bad, &why) != 0) {
        gdpr_json__path(n, path, sizeof path);
        return gdpr__err_set(GDPR_EINVAL,
                             "%s: '%.64s' is not an ISO 8601 duration "
                             "(position %zu: %s)",
                             path, n->text, bad, why);
    }
    *present = 1;
    if (text_out) {
        *text_out = gdpr_text__dup(n->text);
        if (*text_out == NULL)
            return GDPR_ENOMEM;
    }
    return GDPR_OK;
}

/* An array member (absent counts as empty unless required). */
static int
read_array(const json_node *obj, const char *key, int required, const json_node **out)
{
    const json_node *n = gdpr_json__member(obj, key);

    *out = NULL;
    if (n == NULL)
        return required ? missing(obj, key) : GDPR_OK;
    if (n->type != JSON_ARRAY)
        return gdpr_json__fail_at(n, "must be an array");
    *out = n;
    return GDPR_OK;
}

static int
alloc_array(void **out, size_t count, size_t size)
{
    *out = NULL;
    if (count == 0)
        return GDPR_OK;
    *out = calloc(count, size);
    return *out ? GDPR_OK : gdpr__err_set(GDPR_ENOMEM, "out of memory building the policy");
}

/* --- sections --------------------------------------------------------- */

/* "staff_identity": { "decision": text, "decided_on": "YYYY-MM-DD" }: the
 * controller's decision that subjects are told which staff member
 * consulted their data (CJEU C-579/21, para. 83: only where that is
 * indispensable for the subject to exercise their rights, weighing the
 * employee's rights). */
static int
read_staff_identity(const json_node *obj, policy_controller *c)
{
    static const char *const fields[] = {"decision", "decided_on", NULL};
    const json_node *n = gdpr_json__member(obj, "staff_identity");
    int rc;

    if (n == NULL || n->type == JSON_NULL)
        return GDPR_OK;
    if (n->type != JSON_OBJECT)
        return gdpr_json__fail_at(n, "must be an object with decision and decided_on (the "
                                     "controller's decision, CJEU C-579/21)");
    if ((rc = check_members(n, fields)) != GDPR_OK ||
        (rc = read_text(n, "decision", 1, 4096, &c->staff_identity_decision)) != GDPR_OK ||
        (rc = read_date(n, "decided_on", 1, &c->staff_identity_decided)) != GDPR_OK)
        return rc;
    return GDPR_OK;
}

static int
build_controller(const json_node *root, policy_controller *c)
{
    static const char *const fields[] = {"name",       "contact",          "dpo",
                                         "country",    "timezone",         "holidays",
                                         "rights_url", "public_authority", "staff_identity",
                                         NULL};
    const json_node *obj = gdpr_json__member(root, "controller");
    const json_node *holidays;
    int rc;

    if (obj == NULL)
        return missing(root, "controller");
    if ((rc = expect_type(obj, JSON_OBJECT)) != GDPR_OK ||
        (rc = check_members(obj, fields)) != GDPR_OK ||
        (rc = read_text(obj, "name", 1, GDPR_NAME_MAX, &c->name)) != GDPR_OK ||
        (rc = read_text(obj, "contact", 1, 1024, &c->contact)) != GDPR_OK ||
        (rc = read_text(obj, "dpo", 0, 1024, &c->dpo)) != GDPR_OK ||
        (rc = read_text(obj, "country", 1, 2, &c->country)) != GDPR_OK ||
        (rc = read_text(obj, "timezone", 0, 64, &c->timezone)) != GDPR_OK ||
        (rc = read_text(obj, "rights_url", 0, 1024, &c->rights_url)) != GDPR_OK ||
        (rc = read_bool(obj, "public_authority", &c->public_authority)) != GDPR_OK ||
        (rc = read_array(obj, "holidays", 0, &holidays)) != GDPR_OK ||
        (rc = read_staff_identity(obj, c)) != GDPR_OK)
        return rc;
    if (strlen(c->country) != 2 || c->country[0] < 'A' || c->country[0] > 'Z' ||
        c->country[1] < 'A' || c->country[1] > 'Z')
        return gdpr_json__fail_at(gdpr_json__member(obj, "country"),
                                  "'%s' is not an ISO 3166-1 alpha-2 code in capitals", c->country);
    if (c->timezone != NULL) {
        cal_zone *z = NULL;
        errno = 0;
        if (gdpr_calendar__zone_load(c->timezone, &z) != 0 && errno == ENOMEM)
            return gdpr__err_set(GDPR_ENOMEM, "out of memory loading time zone '%s'", c->timezone);
        if (z == NULL)
            return gdpr_json__fail_at(gdpr_json__member(obj, "timezone"),
                                      "'%s' is not a time zone known to this system (IANA name)",
                                      c->timezone);
        c->zone = z; /* kept: deadlines need it on every request (issue 9) */
    }
    if (holidays == NULL)
        return GDPR_OK;
    if ((rc = alloc_array((void **)&c->holidays, holidays->count, sizeof *c->holidays)) != GDPR_OK)
        return rc;
    for (const json_node *h = holidays->first; h; h = h->next) {
        int64_t day;
        if (h->type != JSON_TEXT || gdpr_calendar__parse_date(h->text, &day) != 0)
            return gdpr_json__fail_at(h, "must be a date YYYY-MM-DD");
        if (c->n_holidays > 0 && day <= c->holidays[c->n_holidays - 1])
            return gdpr_json__fail_at(h, "holidays must be listed in ascending order");
        c->holidays[c->n_holidays++] = day;
    }
    return GDPR_OK;
}

static int
build_categories(const json_node *root, policy_model *p)
{
    static const char *const fields[] = {"id", "description", "special", NULL};
    const json_node *arr;
    int rc = read_array(root, "categories", 1, &arr);

    if (rc == GDPR_OK)
        rc = alloc_array((void **)&p->categories, arr->count, sizeof *p->categories);
    for (const json_node *item = arr ? arr->first : NULL; rc == GDPR_OK && item;
         item = item->next) {
        policy_category *c = &p->categories[p->n_categories];
        if ((rc = expect_type(item, JSON_OBJECT)) != GDPR_OK ||
            (rc = check_members(item, fields)) != GDPR_OK ||
            (rc = read_text(item, "id", 1, GDPR_NAME_MAX, &c->id)) != GDPR_OK)
            break;
        p->n_categories++;
        if ((rc = read_text(item, "description", 0, 4096, &c->description)) != GDPR_OK ||
            (rc = read_bool(item, "special", &c->special)) != GDPR_OK)
            break;
        for (size_t i = 0; i + 1 < p->n_categories && rc == GDPR_OK; i++)
            if (strcmp(p->categories[i].id, c->id) == 0)
                rc = gdpr_json__fail_at(gdpr_json__member(item, "id"), "id '%s' is used twice",
                                        c->id);
    }
    return rc;
}

/* Art. 9(2)(a)-(j): the condition that lifts the Art. 9(1) prohibition,
 * only for a purpose with a special category. */
static int
read_art9(const json_node *item, policy_purpose *pu)
{
    const json_node *n = gdpr_json__member(item, "art9_condition");

    pu->art9 = 0;
    if (n == NULL)
        return GDPR_OK;
    if (n->type != JSON_TEXT || strlen(n->text) != 1 || n->text[0] < 'a' || n->text[0] > 'j')
        return gdpr_json__fail_at(n, "must be one of \"a\" to \"j\" (Art. 9(2)(a)-(j))");
    if (!pu->special)
        return gdpr_json__fail_at(n,
                                  "purpose '%.64s' has no special category (Art. 9(1)); "
                                  "an Art. 9(2) condition is for one that has",
                                  pu->id);
    pu->art9 = n->text[0];
    return GDPR_OK;
}

/* Art. 22(2) exceptions as the policy names them. */
static const char *const art22_names[] = {"contract", "law", "explicit_consent"};

/* "automated_decision": an object describing an Art. 22 decision (the
 * logic involved, its significance and envisaged consequences, Art.
 * 15(1)(h); CJEU C-203/22 asks for the procedure and principles actually
 * applied), the Art. 22(2) exception, the Art. 22(3) safeguards and, for
 * special categories, the Art. 22(4) measures. The text form of older
 * policies gives the logic only (refused for new policies:
 * gdpr_policy__model_check_new). */
static int
read_automated(const json_node *item, policy_purpose *pu)
{
    static const char *const fields[] = {"logic",   "significance", "consequences",
                                         "art22_2", "safeguards",   "special_category_measures",
                                         NULL};
    const json_node *n = gdpr_json__member(item, "automated_decision");
    int exception = 0;
    int rc;

    if (n == NULL || n->type == JSON_NULL)
        return GDPR_OK;
    if (n->type == JSON_TEXT)
        return read_text(item, "automated_decision", 0, 4096, &pu->automated_decision);
    if (n->type != JSON_OBJECT)
        return gdpr_json__fail_at(n, "must be an object with logic, significance, consequences "
                                     "and art22_2 (Art. 15(1)(h), 22)");
    if ((rc = check_members(n, fields)) != GDPR_OK ||
        (rc = read_text(n, "logic", 1, 4096, &pu->automated_decision)) != GDPR_OK ||
        (rc = read_text(n, "significance", 1, 4096, &pu->ad_significance)) != GDPR_OK ||
        (rc = read_text(n, "consequences", 1, 4096, &pu->ad_consequences)) != GDPR_OK ||
        (rc = read_enum(n, "art22_2", art22_names, 3, &exception)) != GDPR_OK ||
        (rc = read_text(n, "safeguards", 0, 4096, &pu->ad_safeguards)) != GDPR_OK ||
        (rc = read_text(n, "special_category_measures", 0, 4096, &pu->ad_special_measures)) !=
            GDPR_OK)
        return rc;
    pu->ad_exception = 'a' + exception;
    /* Art. 22(3): under (a) contract and (c) explicit consent the
     * controller implements at least the right to obtain human
     * intervention, to express one's view and to contest the decision. */
    if (pu->ad_exception != 'b' && pu->ad_safeguards == NULL)
        return gdpr_json__fail_at(n,
                                  "safeguards: required field is missing: under Art. 22(2)(%c) "
                                  "the controller must offer human intervention, the subject's "
                                  "view and contest (Art. 22(3))",
                                  pu->ad_exception);
    return GDPR_OK;
}

static int
build_purposes(const json_node *root, policy_model *p)
{
    static const char *const fields[] = {"id",
                                         "description",
                                         "basis",
                                         "categories",
                                         "automated_decision",
                                         "direct_marketing",
                                         "art9_condition",
                                         "information_society_service",
                                         NULL};
    const json_node *arr;
    int rc = read_array(root, "purposes", 1, &arr);

    if (rc == GDPR_OK)
        rc = alloc_array((void **)&p->purposes, arr->count, sizeof *p->purposes);
    for (const json_node *item = arr ? arr->first : NULL; rc == GDPR_OK && item;
         item = item->next) {
        policy_purpose *pu = &p->purposes[p->n_purposes];
        const json_node *cats;
        int basis = 0;

        if ((rc = expect_type(item, JSON_OBJECT)) != GDPR_OK ||
            (rc = check_members(item, fields)) != GDPR_OK ||
            (rc = read_text(item, "id", 1, GDPR_NAME_MAX, &pu->id)) != GDPR_OK)
            break;
        p->n_purposes++;
        if ((rc = read_text(item, "description", 1, 4096, &pu->description)) != GDPR_OK ||
            (rc = read_enum(item, "basis", basis_names, BASIS_COUNT, &basis)) != GDPR_OK ||
            (rc = read_automated(item, pu)) != GDPR_OK ||
            (rc = read_bool(item, "direct_marketing", &pu->direct_marketing)) != GDPR_OK ||
            (rc = read_bool(item, "information_society_service", &pu->iss)) != GDPR_OK ||
            (rc = read_array(item, "categories", 1, &cats)) != GDPR_OK ||
            (rc = alloc_array((void **)&pu->categories, cats->count, sizeof(char *))) != GDPR_OK)
            break;
        pu->basis = (policy_basis)basis;
        /* Direct marketing rests on consent or on legitimate interests
         * (Recital 47); no other basis of Art. 6(1) can carry it. */
        if (pu->direct_marketing && pu->basis != BASIS_CONSENT &&
            pu->basis != BASIS_LEGITIMATE_INTERESTS)
            rc = gdpr_json__fail_at(gdpr_json__member(item, "direct_marketing"),
                                    "direct marketing rests on consent or legitimate_interests "
                                    "(Recital 47), not on %s",
                                    basis_names[basis]);
        /* Art. 8(1) is a condition of consent under Art. 6(1)(a). */
        if (rc == GDPR_OK && pu->iss && pu->basis != BASIS_CONSENT)
            rc = gdpr_json__fail_at(gdpr_json__member(item, "information_society_service"),
                                    "Art. 8 governs consent (Art. 6(1)(a)); purpose '%s' rests "
                                    "on %s",
                                    pu->id, basis_names[basis]);
        for (size_t i = 0; i + 1 < p->n_purposes && rc == GDPR_OK; i++)
            if (strcmp(p->purposes[i].id, pu->id) == 0)
                rc = gdpr_json__fail_at(gdpr_json__member(item, "id"), "id '%s' is used twice",
                                        pu->id);
        for (const json_node *c = cats->first; rc == GDPR_OK && c; c = c->next) {
            const policy_category *cat;
            if (c->type != JSON_TEXT) {
                rc = gdpr_json__fail_at(c, "must be a category id");
                break;
            }
            cat = gdpr_policy__find_category(p, c->text);
            if (cat == NULL) {
                rc = gdpr_json__fail_at(c, "'%s' is not a category of this policy", c->text);
                break;
            }
            pu->categories[pu->n_categories] = gdpr_text__dup(c->text);
            if (pu->categories[pu->n_categories] == NULL)
                rc = GDPR_ENOMEM;
            else
                pu->n_categories++;
            pu->special |= cat->special;
        }
        if (rc == GDPR_OK && cats->count == 0)
            rc = gdpr_json__fail_at(cats, "a purpose needs at least one category");
        if (rc == GDPR_OK)
            rc = read_art9(item, pu);
    }
    return rc;
}

/* What a newly loaded policy's recipients need for an Art. 49 derogation
 * (issue 19 point 4). */
static int
check_new_recipients(const policy_model *p)
{
    for (size_t i = 0; i < p->n_recipients; i++) {
        const policy_recipient *r = &p->recipients[i];
        int second =
            r->derogation != NULL && strcmp(r->derogation, "49(1) second subparagraph") == 0;

        if (r->derogation == NULL)
            continue;
        if (p->controller.public_authority && (second || strcmp(r->derogation, "49(1)(b)") == 0 ||
                                               strcmp(r->derogation, "49(1)(c)") == 0))
            return gdpr__err_set(GDPR_EINVAL,
                                 "recipients[%zu].derogation: '%s' is not open to a public "
                                 "authority in the exercise of its public powers (Art. 49(3); "
                                 "controller.public_authority is true)",
                                 i, r->derogation);
        if (!r->has_occasional_limit)
            return gdpr__err_set(GDPR_EINVAL,
                                 "recipients[%zu].occasional_limit: required field is missing: "
                                 "an Art. 49 derogation is for occasional transfers only; bound "
                                 "them (max_transfers and/or max_subjects per period)",
                                 i);
        if (second && r->max_subjects == 0)
            return gdpr__err_set(GDPR_EINVAL,
                                 "recipients[%zu].occasional_limit.max_subjects: required field "
                                 "is missing: the second subparagraph of Art. 49(1) allows only "
                                 "a limited number of data subjects",
                                 i);
        if (second && r->ci_assessment == NULL)
            return gdpr__err_set(GDPR_EINVAL,
                                 "recipients[%zu].compelling_interests: required field is "
                                 "missing: Art. 49(6) records the assessment and the suitable "
                                 "safeguards; Art. 49(1) second subparagraph needs the "
                                 "supervisory authority and the subject informed",
                                 i);
    }
    return GDPR_OK;
}

int
gdpr_policy__automated_special_ok(const policy_purpose *pu)
{
    if (pu->automated_decision == NULL || !pu->special)
        return 1;
    return (pu->art9 == 'a' || pu->art9 == 'g') && pu->ad_special_measures != NULL;
}

int
gdpr_policy__model_check_new(const policy_model *p)
{
    int rc = check_new_recipients(p);

    if (rc != GDPR_OK)
        return rc;
    for (size_t i = 0; i < p->n_purposes; i++) {
        const policy_purpose *pu = &p->purposes[i];
        if (pu->automated_decision != NULL && pu->ad_significance == NULL)
            return gdpr__err_set(GDPR_EINVAL,
                                 "purposes[%zu].automated_decision: give an object with logic, "
                                 "significance, consequences and art22_2, not text alone: the "
                                 "subject is owed meaningful information about the logic, the "
                                 "significance and the envisaged consequences (Art. 15(1)(h); "
                                 "CJEU C-203/22)",
                                 i);
        if (!gdpr_policy__automated_special_ok(pu))
            return gdpr__err_set(GDPR_EINVAL,
                                 "purposes[%zu].automated_decision: purpose '%.64s' decides on "
                                 "a special category: Art. 22(4) allows it only under Art. "
                                 "9(2)(a) or (g) (art9_condition is \"%c\") with "
                                 "special_category_measures",
                                 i, pu->id, pu->art9 ? pu->art9 : '-');
        if (pu->special && pu->art9 == 0)
            return gdpr__err_set(GDPR_EINVAL,
                                 "purposes[%zu].art9_condition: required field is missing: "
                                 "purpose '%.64s' processes a special category (Art. 9(1)); "
                                 "name its Art. 9(2) condition, \"a\" to \"j\"",
                                 i, pu->id);
    }
    return GDPR_OK;
}

static int
build_notices(const json_node *root, policy_model *p)
{
    static const char *const fields[] = {"id",       "version", "sha256", "url", "transfer_risks",
                                         "language", NULL};
    const json_node *arr;
    int rc = read_array(root, "notices", 0, &arr);

    if (rc == GDPR_OK && arr)
        rc = alloc_array((void **)&p->notices, arr->count, sizeof *p->notices);
    for (const json_node *item = arr ? arr->first : NULL; rc == GDPR_OK && item;
         item = item->next) {
        policy_notice *n = &p->notices[p->n_notices];
        char *hex = NULL;

        if ((rc = expect_type(item, JSON_OBJECT)) != GDPR_OK ||
            (rc = check_members(item, fields)) != GDPR_OK ||
            (rc = read_text(item, "id", 1, GDPR_NAME_MAX, &n->id)) != GDPR_OK)
            break;
        p->n_notices++;
        if ((rc = read_text(item, "version", 1, 64, &n->version)) != GDPR_OK ||
            (rc = read_text(item, "url", 0, 1024, &n->url)) != GDPR_OK ||
            (rc = read_bool(item, "transfer_risks", &n->transfer_risks)) != GDPR_OK ||
            (rc = gdpr_policy__check_language(item)) != GDPR_OK ||
            (rc = read_text(item, "sha256", 1, 64, &hex)) != GDPR_OK)
            break;
        if (strlen(hex) != 64 || gdpr__hex_decode(hex, n->sha256, CRYPTO_HASH_BYTES) != 0)
            rc = gdpr_json__fail_at(gdpr_json__member(item, "sha256"),
                                    "must be 64 hex digits (SHA-256 of the notice text)");
        free(hex);
        for (size_t i = 0; i + 1 < p->n_notices && rc == GDPR_OK; i++)
            if (strcmp(p->notices[i].id, n->id) == 0)
                rc = gdpr_json__fail_at(gdpr_json__member(item, "id"), "id '%s' is used twice",
                                        n->id);
    }
    return rc;
}

static int
read_text_list(const json_node *arr, char ***out, size_t *n_out)
{
    int rc = alloc_array((void **)out, arr->count, sizeof(char *));

    for (const json_node *c = arr->first; rc == GDPR_OK && c; c = c->next) {
        if (c->type != JSON_TEXT)
            return gdpr_json__fail_at(c, "must be a string");
        (*out)[*n_out] = gdpr_text__dup(c->text);
        if ((*out)[*n_out] == NULL)
            return GDPR_ENOMEM;
        (*n_out)++;
    }
    return rc;
}

/* "min_group": for "anonymise" only, an integer 2..POLICY_MIN_GROUP_MAX;
 * aggregate groups of fewer records are not listed (docs/retention.md). */
static int
read_min_group(const json_node *item, policy_retention *r)
{
    const json_node *n = gdpr_json__member(item, "min_group");

    r->min_group = POLICY_MIN_GROUP_DEFAULT;
    if (n == NULL)
        return GDPR_OK;
    if (r->action != ACTION_ANONYMISE)
        return gdpr_json__fail_at(n, "only a rule with action \"anonymise\" has a min_group");
    if (n->type != JSON_INTEGER)
        return gdpr_json__fail_at(n, "must be a whole number of records (2..%d)",
                                  POLICY_MIN_GROUP_MAX);
    if (n->integer < 2 || n->integer > POLICY_MIN_GROUP_MAX)
        return gdpr_json__fail_at(n, "%lld is outside 2..%d (a group of one is a person)",
                                  (long long)n->integer, POLICY_MIN_GROUP_MAX);
    r->min_group = n->integer;
    return GDPR_OK;
}

static const char *const exemption_names[EXEMPTION_MAX + 1] = {
    "none",      "freedom_of_expression", "legal_obligation", "public_task", "public_health",
    "archiving", "legal_claims"};
static const char *const exemption_articles[EXEMPTION_MAX + 1] = {"",
                                                                  "Art. 17(3)(a)",
                                                                  "Art. 17(3)(b)",
                                                                  "Art. 17(3)(b)",
                                                                  "Art. 17(3)(c)",
                                                                  "Art. 17(3)(d)",
                                                                  "Art. 17(3)(e)"};

const char *
gdpr_policy__exemption_name(int ground)
{
    return ground >= 0 && ground <= EXEMPTION_MAX ? exemption_names[ground] : NULL;
}

const char *
gdpr_policy__exemption_article(int ground)
{
    return ground >= 0 && ground <= EXEMPTION_MAX ? exemption_articles[ground] : NULL;
}

int
gdpr_policy__exemption_parse(const char *name)
{
    for (int i = 1; name != NULL && i <= EXEMPTION_MAX; i++)
        if (strcmp(exemption_names[i], name) == 0)
            return i;
    return -1;
}

/* A rule's Art. 17(3) ground: "exemption" names it; "legal_duty": true
 * alone is 17(3)(b) legal obligation; both must agree (legal_duty is a
 * 17(3)(b) ground). */
static int
read_exemption(const json_node *item, policy_retention *r)
{
    const json_node *n = gdpr_json__member(item, "exemption");
    int ground;

    if (n == NULL) {
        r->exemption = r->legal_duty ? EXEMPTION_LEGAL_OBLIGATION : 0;
        return GDPR_OK;
    }
    if (n->type != JSON_TEXT)
        return gdpr_json__fail_at(n, "must be text: one of freedom_of_expression, "
                                     "legal_obligation, public_task, public_health, "
                                     "archiving, legal_claims (Art. 17(3)(a)-(e))");
    ground = gdpr_policy__exemption_parse(n->text);
    if (ground < 0)
        return gdpr_json__fail_at(n,
                                  "'%.64s' is not an Art. 17(3) ground (freedom_of_expression, "
                                  "legal_obligation, public_task, public_health, archiving, "
                                  "legal_claims)",
                                  n->text);
    if (r->legal_duty && ground != EXEMPTION_LEGAL_OBLIGATION && ground != EXEMPTION_PUBLIC_TASK)
        return gdpr_json__fail_at(n,
                                  "'%s' (%s) contradicts \"legal_duty\": true, which is "
                                  "Art. 17(3)(b); give one ground",
                                  n->text, exemption_articles[ground]);
    r->exemption = ground;
    r->legal_duty = 1;
    return GDPR_OK;
}

static int
build_retention(const json_node *root, policy_model *p)
{
    static const char *const fields[] = {"id",     "purpose",   "category",     "period",
                                         "anchor", "action",    "review_every", "legal_duty",
                                         "keep",   "min_group", "exemption",    NULL};
    const json_node *arr;
    int rc = read_array(root, "retention", 0, &arr);

    if (rc == GDPR_OK && arr)
        rc = alloc_array((void **)&p->retention, arr->count, sizeof *p->retention);
    for (const json_node *item = arr ? arr->first : NULL; rc == GDPR_OK && item;
         item = item->next) {
        policy_retention *r = &p->retention[p->n_retention];
        const policy_purpose *pu;
        const json_node *keep;
        int anchor = 0, action = 0, present = 0;

        if ((rc = expect_type(item, JSON_OBJECT)) != GDPR_OK ||
            (rc = check_members(item, fields)) != GDPR_OK ||
            (rc = read_text(item, "id", 1, GDPR_NAME_MAX, &r->id)) != GDPR_OK)
            break;
        p->n_retention++;
        if ((rc = read_text(item, "purpose", 1, GDPR_NAME_MAX, &r->purpose)) != GDPR_OK ||
            (rc = read_text(item, "category", 1, GDPR_NAME_MAX, &r->category)) != GDPR_OK ||
            (rc = read_duration(item, "period", 1, &r->period_text, &r->period, &present)) !=
                GDPR_OK ||
            (rc = read_enum(item, "anchor", anchor_names, ANCHOR_COUNT, &anchor)) != GDPR_OK ||
            (rc = read_enum(item, "action", action_names, ACTION_COUNT, &action)) != GDPR_OK ||
            (rc = read_duration(item, "review_every", 0, NULL, &r->review_every, &r->has_review)) !=
                GDPR_OK ||
            (rc = read_bool(item, "legal_duty", &r->legal_duty)) != GDPR_OK ||
            (rc = read_array(item, "keep", 0, &keep)) != GDPR_OK)
            break;
        r->anchor = (policy_anchor)anchor;
        r->action = (policy_action)action;
        if (keep && (rc = read_text_list(keep, &r->keep_fields, &r->n_keep_fields)) != GDPR_OK)
            break;
        if ((rc = read_min_group(item, r)) != GDPR_OK || (rc = read_exemption(item, r)) != GDPR_OK)
            break;
        pu = gdpr_policy__find_purpose(p, r->purpose);
        if (pu == NULL) {
            rc = gdpr_json__fail_at(gdpr_json__member(item, "purpose"),
                                    "'%s' is not a purpose of this policy", r->purpose);
            break;
        }
        if (gdpr_policy__find_category(p, r->category) == NULL) {
            rc = gdpr_json__fail_at(gdpr_json__member(item, "category"),
                                    "'%s' is not a category of this policy", r->category);
            break;
        }
        for (size_t i = 0; i + 1 < p->n_retention && rc == GDPR_OK; i++) {
            if (strcmp(p->retention[i].id, r->id) == 0)
                rc = gdpr_json__fail_at(gdpr_json__member(item, "id"), "id '%s' is used twice",
                                        r->id);
            else if (strcmp(p->retention[i].purpose, r->purpose) == 0 &&
                     strcmp(p->retention[i].category, r->category) == 0)
                rc =
                    gdpr_json__fail_at(item, "a second rule for the same purpose and category (%s)",
                                       p->retention[i].id);
        }
    }
    return rc;
}

static int
build_roles(const json_node *root, policy_model *p)
{
    static const char *const fields[] = {"id", "permissions", NULL};
    const json_node *arr;
    int rc = read_array(root, "roles", 1, &arr);

    if (rc == GDPR_OK)
        rc = alloc_array((void **)&p->roles, arr->count, sizeof *p->roles);
    if (rc == GDPR_OK && arr->count == 0)
        return gdpr_json__fail_at(arr, "at least one role is needed");
    for (const json_node *item = arr ? arr->first : NULL; rc == GDPR_OK && item;
         item = item->next) {
        policy_role *r = &p->roles[p->n_roles];
        const json_node *perms;

        if ((rc = expect_type(item, JSON_OBJECT)) != GDPR_OK ||
            (rc = check_members(item, fields)) != GDPR_OK ||
            (rc = read_text(item, "id", 1, GDPR_NAME_MAX, &r->id)) != GDPR_OK)
            break;
        p->n_roles++;
        if ((rc = read_array(item, "permissions", 1, &perms)) != GDPR_OK)
            break;
        for (size_t i = 0; i + 1 < p->n_roles && rc == GDPR_OK; i++)
            if (strcmp(p->roles[i].id, r->id) == 0)
                rc = gdpr_json__fail_at(gdpr_json__member(item, "id"), "id '%s' is used twice",
                                        r->id);
        for (const json_node *c = perms->first; rc == GDPR_OK && c; c = c->next) {
            int perm;
            if (c->type != JSON_TEXT) {
                rc = gdpr_json__fail_at(c, "must be a permission name");
                break;
            }
            if (strcmp(c->text, "*") == 0) {
                r->all = 1;
                continue;
            }
            perm = gdpr_permission__from_name(c->text);
            if (perm < 0) {
                rc =
                    gdpr_json__fail_at(c, "'%s' is not a permission (see docs/policy.md)", c->text);
                break;
            }
            r->granted[perm] = 1;
        }
    }
    return rc;
}

static int
build_safeguards(const json_node *item, policy_recipient *r)
{
    static const char *const fields[] = {"type",       "module",      "reference",
                                         "valid_from", "valid_until", NULL};
    const json_node *arr;
    int rc = read_array(item, "safeguards", 0, &arr);

    if (rc == GDPR_OK && arr)
        rc = alloc_array((void **)&r->safeguards, arr->count, sizeof *r->safeguards);
    for (const json_node *s = arr ? arr->first : NULL; rc == GDPR_OK && s; s = s->next) {
        policy_safeguard *sg = &r->safeguards[r->n_safeguards];
        const json_node *module;
        int type = 0;

        if ((rc = expect_type(s, JSON_OBJECT)) != GDPR_OK ||
            (rc = check_members(s, fields)) != GDPR_OK ||
            (rc = read_enum(s, "type", safeguard_names, SAFEGUARD_COUNT, &type)) != GDPR_OK)
            break;
        r->n_safeguards++;
        sg->type = (policy_safeguard_type)type;
        if ((rc = read_text(s, "reference", 1, 1024, &sg->reference)) != GDPR_OK ||
            (rc = read_date(s, "valid_from", 1, &sg->valid_from)) != GDPR_OK ||
            (rc = read_date(s, "valid_until", 0, &sg->valid_until)) != GDPR_OK)
            break;
        if (sg->valid_until != 0) {
            sg->valid_until += SECONDS_PER_DAY - 1; /* in force through that whole day */
            if (sg->valid_until < sg->valid_from) {
                rc = gdpr_json__fail_at(gdpr_json__member(s, "valid_until"),
                                        "ends before valid_from");
                break;
            }
        }
        module = gdpr_json__member(s, "module");
        if (sg->type == SAFEGUARD_SCC) {
            if (module == NULL || module->type != JSON_INTEGER || module->integer < 1 ||
                module->integer > 4) {
                rc = module ? gdpr_json__fail_at(module, "SCC module must be 1, 2, 3 or 4 "
                                                         "(Decision (EU) 2021/914)")
                            : missing(s, "module");
                break;
            }
            sg->module = (int)module->integer;
        } else if (module != NULL) {
            rc = gdpr_json__fail_at(module, "only SCCs (type 'scc') have a module");
        }
    }
    return rc;
}

/* Art. 49 grounds a policy may name for occasional transfers (issue 8);
 * (a), explicit consent, is the subject's and lives in the consent ledger. */
static int
valid_derogation(const char *d)
{
    static const char *const grounds[] = {"49(1)(b)",
                                          "49(1)(c)",
                                          "49(1)(d)",
                                          "49(1)(e)",
                                          "49(1)(f)",
                                          "49(1)(g)",
                                          "49(1) second subparagraph"};
    return index_of(grounds, sizeof grounds / sizeof grounds[0], d) >= 0;
}

static int
valid_country(const char *c)
{
    if (strncmp(c, "org:", 4) == 0)
        return strlen(c) > 4;
    return strlen(c) == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z';
}

/* "processing", "activities", "appi": what adequacy decisions limit their
 * scope by (issue 19 point 7). */
static int
read_scope_attributes(const json_node *item, policy_recipient *r)
{
    const json_node *acts = gdpr_json__member(item, "activities");
    const json_node *appi = gdpr_json__member(item, "appi");
    int processing = 0;
    int rc = GDPR_OK;

    r->processing = PROCESSING_UNKNOWN;
    if (gdpr_json__member(item, "processing") != NULL) {
        rc = read_enum(item, "processing", processing_names + 1, PROCESSING_COUNT - 1, &processing);
        if (rc != GDPR_OK)
            return rc;
        r->processing = (policy_processing)(processing + 1);
    }
    r->appi = -1;
    if (appi != NULL) {
        rc = read_bool(item, "appi", &r->appi);
        if (rc != GDPR_OK)
            return rc;
    }
    if (acts == NULL)
        return GDPR_OK;
    rc = expect_type(acts, JSON_ARRAY);
    if (rc != GDPR_OK)
        return rc;
    r->activities_declared = 1;
    for (const json_node *a = acts->first; a; a = a->next) {
        int k = a->type == JSON_TEXT ? gdpr_policy__activity_from_name(a->text) : -1;
        if (k < 0)
            return gdpr_json__fail_at(a, "must be one of immigration_control, "
                                         "fsc_credit_information, religious, political, "
                                         "journalism, professional_writing, academic");
        if (r->activities & (1u << k))
            return gdpr_json__fail_at(a, "'%s' is listed twice", a->text);
        r->activities |= 1u << k;
    }
    return GDPR_OK;
}

/* "certifications": [ { "framework", "from", "until" } ] and the older
 * "dpf_certified" (read before), as dated entries (issue 19 point 6). */
static int
build_certifications(const json_node *item, policy_recipient *r)
{
    static const char *const fields[] = {"framework", "from", "until", NULL};
    const json_node *arr;
    int rc = read_array(item, "certifications", 0, &arr);
    size_t n = (arr ? arr->count : 0) + (r->dpf_certified ? 1 : 0);

    if (rc != GDPR_OK || n == 0)
        return rc;
    if (strcmp(r->country, "US") != 0)
        return gdpr_json__fail_at(arr ? arr : gdpr_json__member(item, "dpf_certified"),
                                  "the EU-US frameworks certify US organisations only; the "
                                  "recipient's country is '%s'",
                                  r->country);
    rc = alloc_array((void **)&r->certs, n, sizeof *r->certs);
    if (rc != GDPR_OK)
        return rc;
    if (r->dpf_certified) {
        r->certs[0].framework = CERT_DPF;
        r->certs[0].from = r->dpf_from;
        r->certs[0].until = r->dpf_until;
        r->n_certs = 1;
    }
    for (const json_node *c = arr ? arr->first : NULL; c; c = c->next) {
        policy_certification *pc = &r->certs[r->n_certs];
        int f = 0;

        if ((rc = expect_type(c, JSON_OBJECT)) != GDPR_OK ||
            (rc = check_members(c, fields)) != GDPR_OK ||
            (rc = read_enum(c, "framework", cert_names, CERT_COUNT, &f)) != GDPR_OK ||
            (rc = read_date(c, "from", 1, &pc->from)) != GDPR_OK ||
            (rc = read_date(c, "until", 0, &pc->until)) != GDPR_OK)
            return rc;
        pc->framework = (policy_cert_framework)f;
        r->n_certs++;
        if (pc->until != 0) {
            pc->until += SECONDS_PER_DAY - 1; /* certified through that whole day */
            if (pc->until < pc->from)
                return gdpr_json__fail_at(gdpr_json__member(c, "until"), "ends before from");
        }
        for (size_t k = 0; k + 1 < r->n_certs; k++) {
            const policy_certification *o = &r->certs[k];
            if (o->framework == pc->framework && (o->until == 0 || pc->from <= o->until) &&
                (pc->until == 0 || o->from <= pc->until))
                return gdpr_json__fail_at(
                    c,
                    "overlaps another '%s' certification of the "
                    "recipient%s",
                    cert_names[f],
                    r->dpf_certified && k == 0 && f == CERT_DPF ? " (dpf_certified)" : "");
        }
    }
    return GDPR_OK;
}

/* Largest bound of "occasional_limit" (a bound above it is no bound). */
#define OCCASIONAL_MAX 1000000

/* "occasional_limit" and "compelling_interests" (issue 19 point 4): their
 * shape; what a derogation needs of them is gdpr_policy__model_check_new's. */
static int
build_occasional(const json_node *item, const policy_model *p, policy_recipient *r)
{
    static const char *const limit_fields[] = {"max_transfers", "max_subjects", "per", NULL};
    static const char *const ci_fields[] = {"assessment",         "assessed_on",    "safeguards",
                                            "authority_informed", "subject_notice", NULL};
    const json_node *lim = gdpr_json__member(item, "occasional_limit");
    const json_node *ci = gdpr_json__member(item, "compelling_interests");
    int present = 0;
    int rc = GDPR_OK;

    if (lim != NULL) {
        const char *const keys[] = {"max_transfers", "max_subjects"};
        int64_t *vals[] = {&r->max_transfers, &r->max_subjects};

        if ((rc = expect_type(lim, JSON_OBJECT)) != GDPR_OK ||
            (rc = check_members(lim, limit_fields)) != GDPR_OK ||
            (rc = read_duration(lim, "per", 1, &r->occasional_per_text, &r->occasional_per,
                                &present)) != GDPR_OK)
            return rc;
        for (int k = 0; k < 2; k++) {
            const json_node *n = gdpr_json__member(lim, keys[k]);
            if (n == NULL)
                continue;
            if (n->type != JSON_INTEGER || n->integer < 1 || n->integer > OCCASIONAL_MAX)
                return gdpr_json__fail_at(n, "must be an integer from 1 to %d", OCCASIONAL_MAX);
            *vals[k] = n->integer;
        }
        if (r->max_transfers == 0 && r->max_subjects == 0)
            return gdpr_json__fail_at(lim, "names no bound: give max_transfers, max_subjects "
                                           "or both (Recital 111: occasional transfers)");
        r->has_occasional_limit = 1;
    }
    if (ci == NULL)
        return GDPR_OK;
    if ((rc = expect_type(ci, JSON_OBJECT)) != GDPR_OK ||
        (rc = check_members(ci, ci_fields)) != GDPR_OK ||
        (rc = read_text(ci, "assessment", 1, 1024, &r->ci_assessment)) != GDPR_OK ||
        (rc = read_date(ci, "assessed_on", 1, &r->ci_assessed_on)) != GDPR_OK ||
        (rc = read_text(ci, "safeguards", 1, 1024, &r->ci_safeguards)) != GDPR_OK ||
        (rc = read_date(ci, "authority_informed", 1, &r->ci_authority_informed)) != GDPR_OK ||
        (rc = read_text(ci, "subject_notice", 1, GDPR_NAME_MAX, &r->ci_subject_notice)) != GDPR_OK)
        return rc;
    if (gdpr_policy__find_notice(p, r->ci_subject_notice) == NULL)
        return gdpr_json__fail_at(gdpr_json__member(ci, "subject_notice"),
                                  "'%s' is not a notice of the policy", r->ci_subject_notice);
    if (r->derogation == NULL || strcmp(r->derogation, "49(1) second subparagraph") != 0)
        return gdpr_json__fail_at(ci, "only for the derogation \"49(1) second subparagraph\"");
    return GDPR_OK;
}

static int
build_recipients(const json_node *root, policy_model *p)
{
    static const char *const fields[] = {"id",
                                         "name",
                                         "country",
                                         "kind",
                                         "dpf_certified",
                                         "commercial",
                                         "safeguards",
                                         "occasional",
                                         "derogation",
                                         "disclosure_ground",
                                         "processing",
                                         "activities",
                                         "appi",
                                         "certifications",
                                         "occasional_limit",
                                         "compelling_interests",
                                         NULL};
    static const char *const dpf_fields[] = {"from", "until", NULL};
    static const char *const kinds[] = {"processor", "controller", "public_body"};
    const json_node *arr;
    int rc = read_array(root, "recipients", 0, &arr);

    if (rc == GDPR_OK && arr)
        rc = alloc_array((void **)&p->recipients, arr->count, sizeof *p->recipients);
    for (const json_node *item = arr ? arr->first : NULL; rc == GDPR_OK && item;
         item = item->next) {
        policy_recipient *r = &p->recipients[p->n_recipients];
        const json_node *dpf;
        int kind = 0, ground = 0;

        if ((rc = expect_type(item, JSON_OBJECT)) != GDPR_OK ||
            (rc = check_members(item, fields)) != GDPR_OK ||
            (rc = read_text(item, "id", 1, GDPR_NAME_MAX, &r->id)) != GDPR_OK)
            break;
        p->n_recipients++;
        if ((rc = read_text(item, "name", 1, GDPR_NAME_MAX, &r->name)) != GDPR_OK ||
            (rc = read_text(item, "country", 1, 64, &r->country)) != GDPR_OK ||
            (rc = read_enum(item, "kind", kinds, 3, &kind)) != GDPR_OK ||
            (rc = read_bool(item, "commercial", &r->commercial)) != GDPR_OK ||
            (rc = read_bool(item, "occasional", &r->occasional)) != GDPR_OK ||
            (rc = read_text(item, "derogation", 0, 32, &r->derogation)) != GDPR_OK ||
            (rc = build_safeguards(item, r)) != GDPR_OK)
            break;
        r->kind = gdpr_text__dup(kinds[kind]);
        if (r->kind == NULL) {
            rc = GDPR_ENOMEM;
            break;
        }
        if (!valid_country(r->country)) {
            rc = gdpr_json__fail_at(gdpr_json__member(item, "country"),
                                    "'%s' is not an ISO 3166-1 alpha-2 "
                                    "code in capitals nor an organisation id 'org:NAME'",
                                    r->country);
            break;
        }
        if (gdpr_json__member(item, "disclosure_ground") != NULL) {
            if ((rc = read_enum(item, "disclosure_ground", basis_names, BASIS_COUNT, &ground)) !=
                GDPR_OK)
                break;
            if (ground == BASIS_CONSENT) {
                rc = gdpr_json__fail_at(gdpr_json__member(item, "disclosure_ground"),
                                        "consent is not a "
                                        "standing ground; record the subject's consent instead");
                break;
            }
            r->disclosure_ground = gdpr_text__dup(basis_names[ground]);
            if (r->disclosure_ground == NULL) {
                rc = GDPR_ENOMEM;
                break;
            }
        }
        if (r->derogation != NULL && !r->occasional) {
            rc = gdpr_json__fail_at(gdpr_json__member(item, "derogation"),
                                    "an Art. 49 derogation other than "
                                    "consent needs \"occasional\": true");
            break;
        }
        if (r->derogation != NULL && !valid_derogation(r->derogation)) {
            rc = gdpr_json__fail_at(
                gdpr_json__member(item, "derogation"),
                "'%s' is not an Art. 49 ground a "
                "policy may name: 49(1)(b) .. 49(1)(g) or \"49(1) second "
                "subparagraph\" (49(1)(a), explicit consent, comes from the consent "
                "ledger)",
                r->derogation);
            break;
        }
        dpf = gdpr_json__member(item, "dpf_certified");
        if (dpf != NULL && dpf->type != JSON_NULL) {
            if ((rc = expect_type(dpf, JSON_OBJECT)) != GDPR_OK ||
                (rc = check_members(dpf, dpf_fields)) != GDPR_OK ||
                (rc = read_date(dpf, "from", 1, &r->dpf_from)) != GDPR_OK ||
                (rc = read_date(dpf, "until", 0, &r->dpf_until)) != GDPR_OK)
                break;
            if (r->dpf_until != 0)
                r->dpf_until += SECONDS_PER_DAY - 1;
            r->dpf_certified = 1;
        }
        if ((rc = read_scope_attributes(item, r)) != GDPR_OK ||
            (rc = build_certifications(item, r)) != GDPR_OK ||
            (rc = build_occasional(item, p, r)) != GDPR_OK)
            break;
        for (size_t i = 0; i + 1 < p->n_recipients && rc == GDPR_OK; i++)
            if (strcmp(p->recipients[i].id, r->id) == 0)
                rc = gdpr_json__fail_at(gdpr_json__member(item, "id"), "id '%s' is used twice",
                                        r->id);
    }
    return rc;
}

/* --- data-subject requests (issue 9) ---------------------------------- */

static const char *const request_type_names[POLICY_REQUEST_TYPES] = {
    "access",    "portability",        "erasure", "rectification", "restriction",
    "objection", "human_intervention",
};

/* A grace period is a short undo window inside the one-month deadline:
 * weeks, days or hours only, three weeks at most. */
#define REQUEST_GRACE_MAX_SECONDS (21 * SECONDS_PER_DAY)

static int
check_grace(const json_node *n, const cal_duration *d)
{
    int64_t secs;

    if (d->years != 0 || d->months != 0)
        return gdpr_json__fail_at(
            n, "give the grace period in weeks, days or hours, not months or years");
    secs = ((d->weeks * 7 + d->days) * 24 + d->hours) * 3600 + d->minutes * 60 + d->seconds;
    if (secs <= 0 || secs > REQUEST_GRACE_MAX_SECONDS)
        return gdpr_json__fail_at(n,
                                  "must be more than zero and at most P21D, so that erasure still "
                                  "happens within the one-month deadline (Art. 12(3))");
    return GDPR_OK;
}

static int
build_close_roles(const json_node *close, policy_model *p)
{
    policy_requests *r = &p->requests;
    int rc = expect_type(close, JSON_OBJECT);

    for (const json_node *t = close->first; rc == GDPR_OK && t; t = t->next) {
        int type = index_of(request_type_names, POLICY_REQUEST_TYPES, t->key) + 1;

        if (type == 0)
            return gdpr_json__fail_at(t,
                                      "'%s' is not a request type (access, portability, erasure, "
                                      "rectification, restriction, objection)",
                                      t->key);
        if (r->close_roles[type] != NULL)
            return gdpr_json__fail_at(t, "request type '%s' is listed twice", t->key);
        if (t->type != JSON_ARRAY || t->count == 0)
            return gdpr_json__fail_at(t, "must be a non-empty array of role ids");
        rc = read_text_list(t, &r->close_roles[type], &r->n_close_roles[type]);
        for (const json_node *c = t->first; rc == GDPR_OK && c; c = c->next) {
            const policy_role *role = gdpr_policy__find_role(p, c->text);
            if (role == NULL)
                return gdpr_json__fail_at(c, "'%s' is not a role of this policy", c->text);
            if (!gdpr_policy__role_allows(role, PERM_REQUEST_CLOSE) &&
                !gdpr_policy__role_allows(role, PERM_REQUEST_DENY))
                return gdpr_json__fail_at(
                    c, "role '%s' has neither 'request.close' nor 'request.deny'", c->text);
        }
    }
    return rc;
}

/* "requests": { "erasure_grace": "P7D", "high_risk_role": "dpo",
 *               "close_roles": { "erasure": ["dpo"] } }, all optional. */
static int
build_requests(const json_node *root, policy_model *p)
{
    static const char *const fields[] = {"erasure_grace", "high_risk_role", "close_roles", NULL};
    const json_node *obj = gdpr_json__member(root, "requests");
    policy_requests *r = &p->requests;
    const json_node *close;
    int rc;

    if (obj == NULL)
        return GDPR_OK;
    if ((rc = expect_type(obj, JSON_OBJECT)) != GDPR_OK ||
        (rc = check_members(obj, fields)) != GDPR_OK ||
        (rc = read_duration(obj, "erasure_grace", 0, &r->erasure_grace_text, &r->erasure_grace,
                            &r->has_erasure_grace)) != GDPR_OK ||
        (rc = read_text(obj, "high_risk_role", 0, GDPR_NAME_MAX, &r->high_risk_role)) != GDPR_OK)
        return rc;
    if (r->has_erasure_grace &&
        (rc = check_grace(gdpr_json__member(obj, "erasure_grace"), &r->erasure_grace)) != GDPR_OK)
        return rc;
    if (r->high_risk_role != NULL) {
        const policy_role *role = gdpr_policy__find_role(p, r->high_risk_role);
        if (role == NULL)
            return gdpr_json__fail_at(gdpr_json__member(obj, "high_risk_role"),
                                      "'%s' is not a role of this policy", r->high_risk_role);
        if (!gdpr_policy__role_allows(role, PERM_REQUEST_CLOSE) &&
            !gdpr_policy__role_allows(role, PERM_REQUEST_DENY))
            return gdpr_json__fail_at(gdpr_json__member(obj, "high_risk_role"),
                                      "role '%s' has neither "
                                      "'request.close' nor 'request.deny'",
                                      r->high_risk_role);
    }
    close = gdpr_json__member(obj, "close_roles");
    return close == NULL ? GDPR_OK : build_close_roles(close, p);
}

/* The member states whose law sets an age of digital consent: the EU's
 * 27 and the EEA EFTA states (the GDPR applies there through the EEA
 * Agreement, Decision of the EEA Joint Committee No 154/2018). */
static const char *const member_states[] = {
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "IS", "LI", "NO",
};

/* "digital_consent_age": { "IE": 16, ... }: Art. 8(1), 13 to 16. */
static int
build_consent_ages(const json_node *root, policy_model *p)
{
    const json_node *obj = gdpr_json__member(root, "digital_consent_age");
    int rc = GDPR_OK;

    if (obj != NULL) {
        rc = expect_type(obj, JSON_OBJECT);
        if (rc == GDPR_OK)
            rc = alloc_array((void **)&p->consent_ages, obj->count, sizeof *p->consent_ages);
        for (const json_node *c = obj->first; rc == GDPR_OK && c; c = c->next) {
            policy_consent_age *a = &p->consent_ages[p->n_consent_ages];
            if (index_of(member_states, sizeof member_states / sizeof member_states[0], c->key) < 0)
                return gdpr_json__fail_at(c,
                                          "'%s' is not an EU or EEA member state (ISO 3166-1 "
                                          "alpha-2; \"GR\" for Greece)",
                                          c->key);
            if (c->type != JSON_INTEGER || c->integer < 13 || c->integer > 16)
                return gdpr_json__fail_at(c, "must be an age from 13 to 16 (Art. 8(1))");
            memcpy(a->state, c->key, 3);
            a->age = (int)c->integer;
            p->n_consent_ages++;
        }
    }
    for (size_t i = 0; rc == GDPR_OK && i < p->n_purposes; i++)
        if (p->purposes[i].iss && p->n_consent_ages == 0)
            return gdpr__err_set(GDPR_EINVAL,
                                 "purposes[%zu].information_society_service: the policy names "
                                 "no digital_consent_age (Art. 8(1))",
                                 i);
    return rc;
}

int
gdpr_policy__consent_age(const policy_model *p, const char *state)
{
    for (size_t i = 0; state != NULL && i < p->n_consent_ages; i++)
        if (strcmp(p->consent_ages[i].state, state) == 0)
            return p->consent_ages[i].age;
    return 0;
}

int
gdpr_policy__model_build(const json_node *root, policy_model **out)
{
    static const char *const sections[] = {
        "controller", "categories", "purposes", "notices", "retention", "roles", "recipients",
        "requests", "$schema", "digital_consent_age", "signals", "receipts",
        /* Art. 30 (lib/core/policy_ropa.c) */
        "data_subjects", "security_measures", "joint_controllers", "representative",
        "processing_record", NULL};
    policy_model *p;
    int rc;

    if (root->type != JSON_OBJECT)
        return gdpr__err_set(GDPR_EINVAL, "$: the policy must be a JSON object");
    rc = check_members(root, sections);
    if (rc != GDPR_OK)
        return rc;
    p = calloc(1, sizeof *p);
    if (p == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory building the policy");
    rc = build_controller(root, &p->controller);
    if (rc == GDPR_OK)
        rc = build_categories(root, p);
    if (rc == GDPR_OK)
        rc = build_purposes(root, p);
    if (rc == GDPR_OK)
        rc = build_notices(root, p);
    if (rc == GDPR_OK)
        rc = build_retention(root, p);
    if (rc == GDPR_OK)
        rc = build_roles(root, p);
    if (rc == GDPR_OK)
        rc = build_recipients(root, p);
    if (rc == GDPR_OK)
        rc = build_requests(root, p);
    if (rc == GDPR_OK)
        rc = build_consent_ages(root, p);
    if (rc == GDPR_OK)
        rc = gdpr_policy__build_signals(root, p);
    if (rc == GDPR_OK)
        rc = gdpr_policy__check_receipts(root);
    if (rc == GDPR_OK)
        rc = gdpr_policy__build_ropa(root, p);
    if (rc != GDPR_OK) {
        gdpr_policy__model_free(p);
        return rc;
    }
    *out = p;
    return GDPR_OK;
}

static void
free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

void
gdpr_policy__model_free(policy_model *p)
{
    if (p == NULL)
        return;
    free(p->document);
    free(p->controller.name);
    free(p->controller.staff_identity_decision);
    free(p->controller.contact);
    free(p->controller.dpo);
    free(p->controller.country);
    free(p->controller.timezone);
    free(p->controller.rights_url);
    free(p->controller.holidays);
    gdpr_calendar__zone_free(p->controller.zone);
    free(p->requests.erasure_grace_text);
    free(p->requests.high_risk_role);
    free(p->consent_ages);
    gdpr_policy__signals_free(&p->signals);
    for (int t = 1; t <= POLICY_REQUEST_TYPES; t++)
        free_list(p->requests.close_roles[t], p->requests.n_close_roles[t]);
    for (size_t i = 0; i < p->n_categories; i++) {
        free(p->categories[i].id);
        free(p->categories[i].description);
    }
    free(p->categories);
    for (size_t i = 0; i < p->n_purposes; i++) {
        free(p->purposes[i].id);
        free(p->purposes[i].description);
        free(p->purposes[i].automated_decision);
        free(p->purposes[i].ad_significance);
        free(p->purposes[i].ad_consequences);
        free(p->purposes[i].ad_safeguards);
        free(p->purposes[i].ad_special_measures);
        free_list(p->purposes[i].categories, p->purposes[i].n_categories);
    }
    free(p->purposes);
    for (size_t i = 0; i < p->n_notices; i++) {
        free(p->notices[i].id);
        free(p->notices[i].version);
        free(p->notices[i].url);
    }
    free(p->notices);
    for (size_t i = 0; i < p->n_retention; i++) {
        free(p->retention[i].id);
        free(p->retention[i].purpose);
        free(p->retention[i].category);
        free(p->retention[i].period_text);
        free_list(p->retention[i].keep_fields, p->retention[i].n_keep_fields);
    }
    free(p->retention);
    for (size_t i = 0; i < p->n_roles; i++)
        free(p->roles[i].id);
    free(p->roles);
    for (size_t i = 0; i < p->n_recipients; i++) {
        policy_recipient *r = &p->recipients[i];
        free(r->id);
        free(r->name);
        free(r->country);
        free(r->kind);
        free(r->derogation);
        free(r->disclosure_ground);
        free(r->certs);
        free(r->occasional_per_text);
        free(r->ci_assessment);
        free(r->ci_safeguards);
        free(r->ci_subject_notice);
        for (size_t k = 0; k < r->n_safeguards; k++)
            free(r->safeguards[k].reference);
        free(r->safeguards);
    }
    free(p->recipients);
    gdpr_policy__free_ropa(&p->ropa);
    free(p);
}

#define FIND_BY_ID(array, count, id)                                                               \
    do {                                                                                           \
        for (size_t i_ = 0; i_ < (count); i_++)                                                    \
            if (strcmp((array)[i_].id, (id)) == 0)                                                 \
                return &(array)[i_];                                                               \
        return NULL;                                                                               \
    } while (0)

const policy_category *
gdpr_policy__find_category(const policy_model *p, const char *id)
{
    FIND_BY_ID(p->categories, p->n_categories, id);
}

const policy_purpose *
gdpr_policy__find_purpose(const policy_model *p, const char *id)
{
    FIND_BY_ID(p->purposes, p->n_purposes, id);
}

const policy_notice *
gdpr_policy__find_notice(const policy_model *p, const char *id)
{
    FIND_BY_ID(p->notices, p->n_notices, id);
}

const policy_role *
gdpr_policy__find_role(const policy_model *p, const char *id)
{
    FIND_BY_ID(p->roles, p->n_roles, id);
}

const policy_recipient *
gdpr_policy__find_recipient(const policy_model *p, const char *id)
{
    FIND_BY_ID(p->recipients, p->n_recipients, id);
}

const policy_retention *
gdpr_policy__find_retention(const policy_model *p, const char *purpose, const char *category)
{
    for (size_t i = 0; i < p->n_retention; i++)
        if (strcmp(p->retention[i].purpose, purpose) == 0 &&
            strcmp(p->retention[i].category, category) == 0)
            return &p->retention[i];
    return NULL;
}

int
gdpr_policy__role_allows(const policy_role *r, permission perm)
{
    return r->all || r->granted[perm];
}
