/*
 * The policy's Art. 30 sections (policy_ropa.h), validated with the rest
 * of the policy: a document whose record is inconsistent (an activity for
 * an unknown purpose, a category of data subjects nobody defined, a
 * purpose left out of the record once the record is kept) is refused
 * whole, naming the JSON path and the rule, and nothing changes.
 *
 *   "data_subjects":     [{"id", "description"}]              Art. 30(1)(c)
 *   "security_measures": {"summary", "measures": [..]}        Art. 30(1)(g), 32(1)
 *   "joint_controllers": [{"name", "contact", "purposes", "arrangement"}]
 *                                                             Art. 26, 30(1)(a)
 *   "representative":    {"name", "contact", "country"}       Art. 27, 30(1)(a)
 *   "processing_record": [{"purpose", "business_function", "data_subjects",
 *                          "recipients", "source", "location"}]
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gdpr/common.h"
#include "json.h"
#include "policy_model.h"
#include "text.h"

static int
need_members(const json_node *obj, const char *const *allowed)
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

static int
text_of(const json_node *obj, const char *key, int required, size_t max, char **out)
{
    const json_node *n = gdpr_json__member(obj, key);
    char path[256];
    int rc;

    *out = NULL;
    if (n == NULL || n->type == JSON_NULL) {
        if (!required)
            return GDPR_OK;
        gdpr_json__path(obj, path, sizeof path);
        return gdpr__err_set(GDPR_EINVAL, "%s.%s: required field is missing", path, key);
    }
    if (n->type != JSON_TEXT)
        return gdpr_json__fail_at(n, "must be a string");
    gdpr_json__path(n, path, sizeof path);
    rc = gdpr_text__check(path, n->text, max);
    if (rc != GDPR_OK)
        return rc;
    *out = gdpr_text__dup(n->text);
    return *out ? GDPR_OK : gdpr__err_set(GDPR_ENOMEM, "out of memory building the policy");
}

/* A list of ids: an array of strings, each passing `known` (NULL: any),
 * none twice; `required` means present and not empty. */
static int
id_list(const json_node *obj, const char *key, int required, const policy_model *p,
        int (*known)(const policy_model *p, const char *id), const char *what, char ***out,
        size_t *n_out)
{
    const json_node *arr = gdpr_json__member(obj, key);
    char path[256];

    *out = NULL;
    *n_out = 0;
    if (arr == NULL || arr->type == JSON_NULL) {
        if (!required)
            return GDPR_OK;
        gdpr_json__path(obj, path, sizeof path);
        return gdpr__err_set(GDPR_EINVAL, "%s.%s: required field is missing", path, key);
    }
    if (arr->type != JSON_ARRAY)
        return gdpr_json__fail_at(arr, "must be an array");
    if (required && arr->count == 0)
        return gdpr_json__fail_at(arr, "must name at least one %s", what);
    if (arr->count == 0)
        return GDPR_OK;
    *out = calloc(arr->count, sizeof(char *));
    if (*out == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory building the policy");
    for (const json_node *c = arr->first; c; c = c->next) {
        if (c->type != JSON_TEXT)
            return gdpr_json__fail_at(c, "must be a string");
        if (known != NULL && !known(p, c->text))
            return gdpr_json__fail_at(c, "'%.64s' is not a %s of the policy", c->text, what);
        for (size_t i = 0; i < *n_out; i++)
            if (strcmp((*out)[i], c->text) == 0)
                return gdpr_json__fail_at(c, "'%.64s' is listed twice", c->text);
        (*out)[*n_out] = gdpr_text__dup(c->text);
        if ((*out)[*n_out] == NULL)
            return gdpr__err_set(GDPR_ENOMEM, "out of memory building the policy");
        (*n_out)++;
    }
    return GDPR_OK;
}

static int
is_purpose(const policy_model *p, const char *id)
{
    return gdpr_policy__find_purpose(p, id) != NULL;
}

static int
is_recipient(const policy_model *p, const char *id)
{
    return gdpr_policy__find_recipient(p, id) != NULL;
}

static int
is_data_subject(const policy_model *p, const char *id)
{
    for (size_t i = 0; i < p->ropa.n_data_subjects; i++)
        if (strcmp(p->ropa.data_subjects[i].id, id) == 0)
            return 1;
    return 0;
}

static int
array_section(const json_node *root, const char *key, const json_node **out)
{
    const json_node *n = gdpr_json__member(root, key);

    *out = NULL;
    if (n == NULL)
        return GDPR_OK;
    if (n->type != JSON_ARRAY)
        return gdpr_json__fail_at(n, "must be an array");
    *out = n;
    return GDPR_OK;
}

static int
build_data_subjects(const json_node *root, policy_ropa *r)
{
    static const char *const fields[] = {"id", "description", NULL};
    const json_node *arr;
    int rc = array_section(root, "data_subjects", &arr);

    if (rc != GDPR_OK || arr == NULL)
        return rc;
    if (arr->count == 0)
        return gdpr_json__fail_at(arr, "must list at least one category of data subjects "
                                       "(Art. 30(1)(c))");
    r->data_subjects = calloc(arr->count, sizeof *r->data_subjects);
    if (r->data_subjects == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory building the policy");
    for (const json_node *c = arr->first; c; c = c->next) {
        policy_data_subject *d = &r->data_subjects[r->n_data_subjects];
        if ((rc = need_members(c, fields)) != GDPR_OK ||
            (rc = text_of(c, "id", 1, GDPR_NAME_MAX, &d->id)) != GDPR_OK)
            return rc;
        r->n_data_subjects++;
        if ((rc = text_of(c, "description", 1, 4096, &d->description)) != GDPR_OK)
            return rc;
        for (size_t i = 0; i + 1 < r->n_data_subjects; i++)
            if (strcmp(r->data_subjects[i].id, d->id) == 0)
                return gdpr_json__fail_at(gdpr_json__member(c, "id"), "id '%s' is used twice",
                                          d->id);
    }
    return GDPR_OK;
}

static int
build_security(const json_node *root, policy_ropa *r)
{
    static const char *const fields[] = {"summary", "measures", NULL};
    const json_node *obj = gdpr_json__member(root, "security_measures");
    int rc;

    if (obj == NULL)
        return GDPR_OK;
    if ((rc = need_members(obj, fields)) != GDPR_OK ||
        (rc = text_of(obj, "summary", 1, 4096, &r->security.summary)) != GDPR_OK ||
        (rc = id_list(obj, "measures", 0, NULL, NULL, "measure", &r->security.measures,
                      &r->security.n_measures)) != GDPR_OK)
        return rc;
    for (size_t i = 0; i < r->security.n_measures; i++) {
        rc = gdpr_text__check("security_measures.measures[]", r->security.measures[i], 1024);
        if (rc != GDPR_OK)
            return rc;
    }
    r->has_security = 1;
    return GDPR_OK;
}

static int
build_joint(const json_node *root, const policy_model *p, policy_ropa *r)
{
    static const char *const fields[] = {"name", "contact", "purposes", "arrangement", NULL};
    const json_node *arr;
    int rc = array_section(root, "joint_controllers", &arr);

    if (rc != GDPR_OK || arr == NULL || arr->count == 0)
        return rc;
    r->joint = calloc(arr->count, sizeof *r->joint);
    if (r->joint == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory building the policy");
    for (const json_node *c = arr->first; c; c = c->next) {
        policy_joint_controller *j = &r->joint[r->n_joint++];
        if ((rc = need_members(c, fields)) != GDPR_OK ||
            (rc = text_of(c, "name", 1, GDPR_NAME_MAX, &j->name)) != GDPR_OK ||
            (rc = text_of(c, "contact", 1, 1024, &j->contact)) != GDPR_OK ||
            (rc = text_of(c, "arrangement", 0, 1024, &j->arrangement)) != GDPR_OK ||
            (rc = id_list(c, "purposes", 1, p, is_purpose, "purpose", &j->purposes,
                          &j->n_purposes)) != GDPR_OK)
            return rc;
    }
    return GDPR_OK;
}

static int
build_representative(const json_node *root, policy_ropa *r)
{
    static const char *const fields[] = {"name", "contact", "country", NULL};
    const json_node *obj = gdpr_json__member(root, "representative");
    policy_representative *rep = &r->representative;
    int rc;

    if (obj == NULL)
        return GDPR_OK;
    r->has_representative = 1;
    if ((rc = need_members(obj, fields)) != GDPR_OK ||
        (rc = text_of(obj, "name", 1, GDPR_NAME_MAX, &rep->name)) != GDPR_OK ||
        (rc = text_of(obj, "contact", 1, 1024, &rep->contact)) != GDPR_OK ||
        (rc = text_of(obj, "country", 1, 2, &rep->country)) != GDPR_OK)
        return rc;
    if (strlen(rep->country) != 2 || rep->country[0] < 'A' || rep->country[0] > 'Z' ||
        rep->country[1] < 'A' || rep->country[1] > 'Z')
        return gdpr_json__fail_at(gdpr_json__member(obj, "country"),
                                  "must be an ISO 3166-1 alpha-2 code in capitals (the member "
                                  "state the representative is established in, Art. 27(3))");
    return GDPR_OK;
}

static int
build_activities(const json_node *root, const policy_model *p, policy_ropa *r)
{
    static const char *const fields[] = {
        "purpose", "business_function", "data_subjects", "recipients", "source", "location", NULL};
    const json_node *arr;
    int rc = array_section(root, "processing_record", &arr);

    if (rc != GDPR_OK || arr == NULL || arr->count == 0)
        return rc;
    if (r->n_data_subjects == 0)
        return gdpr__err_set(GDPR_EINVAL,
                             "processing_record: needs the section 'data_subjects' that "
                             "defines the categories of data subjects it names (Art. 30(1)(c))");
    r->activities = calloc(arr->count, sizeof *r->activities);
    if (r->activities == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory building the policy");
    for (const json_node *c = arr->first; c; c = c->next) {
        policy_ropa_activity *a = &r->activities[r->n_activities];
        if ((rc = need_members(c, fields)) != GDPR_OK ||
            (rc = text_of(c, "purpose", 1, GDPR_NAME_MAX, &a->purpose)) != GDPR_OK)
            return rc;
        r->n_activities++;
        if (!is_purpose(p, a->purpose))
            return gdpr_json__fail_at(gdpr_json__member(c, "purpose"),
                                      "'%.64s' is not a purpose of the policy", a->purpose);
        for (size_t i = 0; i + 1 < r->n_activities; i++)
            if (strcmp(r->activities[i].purpose, a->purpose) == 0)
                return gdpr_json__fail_at(gdpr_json__member(c, "purpose"),
                                          "purpose '%.64s' has an entry already", a->purpose);
        if ((rc = text_of(c, "business_function", 0, GDPR_NAME_MAX, &a->business_function)) !=
                GDPR_OK ||
            (rc = text_of(c, "source", 0, 1024, &a->source)) != GDPR_OK ||
            (rc = text_of(c, "location", 0, 1024, &a->location)) != GDPR_OK ||
            (rc = id_list(c, "data_subjects", 1, p, is_data_subject, "category of data subjects",
                          &a->data_subjects, &a->n_data_subjects)) != GDPR_OK ||
            (rc = id_list(c, "recipients", 0, p, is_recipient, "recipient", &a->recipients,
                          &a->n_recipients)) != GDPR_OK)
            return rc;
    }
    return GDPR_OK;
}

int
gdpr_policy__build_ropa(const json_node *root, policy_model *p)
{
    policy_ropa *r = &p->ropa;
    int rc = build_data_subjects(root, r);

    if (rc == GDPR_OK)
        rc = build_security(root, r);
    if (rc == GDPR_OK)
        rc = build_joint(root, p, r);
    if (rc == GDPR_OK)
        rc = build_representative(root, r);
    if (rc == GDPR_OK)
        rc = build_activities(root, p, r);
    /* Once the record is kept, it covers every purpose (Art. 30(1): "all
     * processing activities under its responsibility"). */
    for (size_t i = 0; rc == GDPR_OK && r->n_data_subjects > 0 && i < p->n_purposes; i++)
        if (gdpr_policy__find_activity(p, p->purposes[i].id) == NULL)
            rc = gdpr__err_set(GDPR_EINVAL,
                               "processing_record: purpose '%.64s' has no entry; the record of "
                               "processing activities covers every purpose (Art. 30(1)), each "
                               "with its categories of data subjects (Art. 30(1)(c))",
                               p->purposes[i].id);
    return rc;
}

static void
free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

void
gdpr_policy__free_ropa(policy_ropa *r)
{
    for (size_t i = 0; i < r->n_data_subjects; i++) {
        free(r->data_subjects[i].id);
        free(r->data_subjects[i].description);
    }
    free(r->data_subjects);
    for (size_t i = 0; i < r->n_joint; i++) {
        free(r->joint[i].name);
        free(r->joint[i].contact);
        free(r->joint[i].arrangement);
        free_list(r->joint[i].purposes, r->joint[i].n_purposes);
    }
    free(r->joint);
    free(r->representative.name);
    free(r->representative.contact);
    free(r->representative.country);
    free(r->security.summary);
    free_list(r->security.measures, r->security.n_measures);
    for (size_t i = 0; i < r->n_activities; i++) {
        policy_ropa_activity *a = &r->activities[i];
        free(a->purpose);
        free(a->business_function);
        free(a->source);
        free(a->location);
        free_list(a->data_subjects, a->n_data_subjects);
        free_list(a->recipients, a->n_recipients);
    }
    free(r->activities);
    memset(r, 0, sizeof *r);
}

const policy_ropa_activity *
gdpr_policy__find_activity(const policy_model *p, const char *purpose)
{
    for (size_t i = 0; i < p->ropa.n_activities; i++)
        if (strcmp(p->ropa.activities[i].purpose, purpose) == 0)
            return &p->ropa.activities[i];
    return NULL;
}
