/*
 * Host sources: registration, and the writer their export callbacks use.
 * Registrations are callbacks into the host process, so they live in the
 * engine (not the store) and are audited when made.
 * SPDX-License-Identifier: MIT
 */
#include "source_writer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gdpr/vault.h"
#include "text.h"

#define SOURCE_NAME_MAX 64u
#define SOURCE_DESCRIPTION_MAX 1024u

void
gdpr_engine__sources_free(gdpr_engine *eng)
{
    engine_source *s = eng->sources;

    while (s != NULL) {
        engine_source *next = s->next;
        free(s->name);
        free(s->description);
        free(s);
        s = next;
    }
    eng->sources = NULL;
}

static int
check_name(const char *name)
{
    int rc = gdpr_text__check("src.name", name, SOURCE_NAME_MAX);

    if (rc != GDPR_OK)
        return rc;
    for (const char *p = name; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '.' || c == ':'))
            return gdpr__err_set(GDPR_EINVAL,
                                 "src.name: '%s' may hold only a-z, 0-9, '_', '-', '.' "
                                 "and ':'",
                                 name);
    }
    return GDPR_OK;
}

static int
check_source(const gdpr_source *src)
{
    int rc;

    if (src == NULL)
        return gdpr__err_set(GDPR_EINVAL, "src: must not be NULL");
    if (src->version == 0 || src->version > GDPR_SOURCE_VERSION)
        return gdpr__err_set(GDPR_EVERSION, "src.version: %u is not a known source version (1..%u)",
                             src->version, GDPR_SOURCE_VERSION);
    rc = check_name(src->name);
    if (rc == GDPR_OK)
        rc = gdpr_text__check_optional("src.description", src->description, SOURCE_DESCRIPTION_MAX);
    if (rc == GDPR_OK && src->export_items == NULL)
        rc = gdpr__err_set(GDPR_EINVAL, "src.export_items: must not be NULL (every source is part "
                                        "of every export)");
    return rc;
}

static engine_source *
find_source(gdpr_engine *eng, const char *name, size_t *count_out)
{
    engine_source *found = NULL;
    size_t n = 0;

    for (engine_source *s = eng->sources; s != NULL; s = s->next, n++)
        if (found == NULL && strcmp(s->name, name) == 0)
            found = s;
    if (count_out)
        *count_out = n;
    return found;
}

static int
register_locked(gdpr_engine *eng, const gdpr_actor *who, const gdpr_source *src)
{
    engine_source *entry, **tail;
    size_t n = 0;
    char ref[96];
    int rc;

    if (find_source(eng, src->name, &n) != NULL)
        return gdpr__err_set(GDPR_EEXISTS, "src.name: a source '%s' is registered already",
                             src->name);
    if (n >= GDPR_SOURCE_MAX)
        return gdpr__err_set(GDPR_ESTATE,
                             "src: %u sources are registered, the most one engine holds",
                             GDPR_SOURCE_MAX);
    rc = gdpr_engine__authorize(eng, who, PERM_SOURCE_REGISTER, NULL);
    if (rc != GDPR_OK)
        return rc;
    entry = calloc(1, sizeof *entry);
    if (entry == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory registering a source");
    entry->name = gdpr_text__dup(src->name);
    entry->description = src->description ? gdpr_text__dup(src->description) : NULL;
    entry->export_items = src->export_items;
    entry->erase = src->erase;
    entry->erase_ex = src->version >= 2 ? src->erase_ex : NULL;
    entry->ctx = src->ctx;
    if (entry->name == NULL || (src->description && entry->description == NULL)) {
        free(entry->name);
        free(entry->description);
        free(entry);
        return GDPR_ENOMEM;
    }
    snprintf(ref, sizeof ref, "source %s", src->name);
    rc = gdpr_engine__begin(eng);
    if (rc == GDPR_OK)
        rc = gdpr_engine__end(eng, gdpr_audit__append(eng, who,
                                                      gdpr_permission__name(PERM_SOURCE_REGISTER),
                                                      NULL, GDPR_OK, ref));
    if (rc != GDPR_OK) {
        free(entry->name);
        free(entry->description);
        free(entry);
        return rc;
    }
    for (tail = &eng->sources; *tail != NULL; tail = &(*tail)->next)
        ;
    *tail = entry;
    return GDPR_OK;
}

GDPR_API int
gdpr_source_register(gdpr_engine *eng, const gdpr_actor *who, const gdpr_source *src)
{
    int rc;

    rc = gdpr_engine__enter(eng, who);
    if (rc == GDPR_OK)
        rc = check_source(src);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = gdpr_engine__require_policy(eng);
    if (rc == GDPR_OK)
        rc = register_locked(eng, who, src);
    return gdpr_engine__unlock(eng, rc);
}

static int
unregister_locked(gdpr_engine *eng, const gdpr_actor *who, const char *name)
{
    engine_source **link = &eng->sources;
    engine_source *gone;
    char ref[96];
    int rc;

    while (*link != NULL && strcmp((*link)->name, name) != 0)
        link = &(*link)->next;
    if (*link == NULL)
        return gdpr__err_set(GDPR_ENOTFOUND, "name: no source '%s' is registered", name);
    rc = gdpr_engine__authorize(eng, who, PERM_SOURCE_REGISTER, NULL);
    if (rc != GDPR_OK)
        return rc;
    snprintf(ref, sizeof ref, "source %s removed", name);
    rc = gdpr_engine__begin(eng);
    if (rc == GDPR_OK)
        rc = gdpr_engine__end(eng, gdpr_audit__append(eng, who,
                                                      gdpr_permission__name(PERM_SOURCE_REGISTER),
                                                      NULL, GDPR_OK, ref));
    if (rc != GDPR_OK)
        return rc;
    gone = *link;
    *link = gone->next;
    free(gone->name);
    free(gone->description);
    free(gone);
    return GDPR_OK;
}

GDPR_API int
gdpr_source_unregister(gdpr_engine *eng, const gdpr_actor *who, const char *name)
{
    int rc;

    rc = gdpr_engine__enter(eng, who);
    if (rc == GDPR_OK)
        rc = gdpr_text__check("name", name, SOURCE_NAME_MAX);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = gdpr_engine__require_policy(eng);
    if (rc == GDPR_OK)
        rc = unregister_locked(eng, who, name);
    return gdpr_engine__unlock(eng, rc);
}

GDPR_API int
gdpr_source_count(gdpr_engine *eng, size_t *count_out)
{
    size_t n = 0;

    if (gdpr_engine__check_given(eng, count_out != NULL, "count_out") != GDPR_OK)
        return GDPR_EINVAL;
    gdpr_engine__lock(eng);
    for (const engine_source *s = eng->sources; s != NULL; s = s->next)
        n++;
    *count_out = n;
    return gdpr_engine__unlock(eng, GDPR_OK);
}

/* --- the writer ------------------------------------------------------- */

static int refuse(gdpr_source_writer *w, int code, const char *fmt, ...) GDPR_PRINTF(3, 4);

/* An item the source got wrong: remembered, so the export fails even if
 * the callback ignores the return value. */
static int
refuse(gdpr_source_writer *w, int code, const char *fmt, ...)
{
    char why[sizeof w->why];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (w->failed == GDPR_OK) {
        w->failed = code;
        memcpy(w->why, why, sizeof why);
    }
    return gdpr__err_set(code, "%s", why);
}

static int
check_item(gdpr_source_writer *w, const gdpr_source_item *item)
{
    const policy_model *p = w->eng->policy;
    int rc;

    if (item->version == 0 || item->version > GDPR_SOURCE_ITEM_VERSION)
        return refuse(w, GDPR_EVERSION, "item.version: %u is not a known item version (1..%u)",
                      item->version, GDPR_SOURCE_ITEM_VERSION);
    rc = gdpr_text__check("item.category", item->category, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = gdpr_text__check("item.field", item->field, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = gdpr_text__check_optional("item.record", item->record, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = gdpr_text__check_optional("item.purpose", item->purpose, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = gdpr_text__check_optional("item.collected_from", item->collected_from, GDPR_NAME_MAX);
    if (rc != GDPR_OK)
        return refuse(w, rc, "%s", gdpr_errmsg());
    if (item->value == NULL && item->len > 0)
        return refuse(w, GDPR_EINVAL, "item.value: NULL with len %zu", item->len);
    if (item->len > GDPR_VAULT_VALUE_MAX)
        return refuse(w, GDPR_EINVAL, "item.len: %zu bytes, at most %u", item->len,
                      GDPR_VAULT_VALUE_MAX);
    if (item->collected < 0 || item->collected > CAL_MAX_TIME)
        return refuse(w, GDPR_EINVAL, "item.collected: %lld is not a time between 1970 and 9999",
                      (long long)item->collected);
    if (gdpr_policy__find_category(p, item->category) == NULL)
        return refuse(w, GDPR_EINVAL, "item.category: '%s' is not a category of the policy",
                      item->category);
    if (item->purpose && gdpr_policy__find_purpose(p, item->purpose) == NULL)
        return refuse(w, GDPR_EINVAL, "item.purpose: '%s' is not a purpose of the policy",
                      item->purpose);
    return GDPR_OK;
}

GDPR_API int
gdpr_source_write_item(gdpr_source_writer *w, const gdpr_source_item *item)
{
    int rc;

    if (w == NULL)
        return gdpr__err_set(GDPR_EINVAL, "w: must not be NULL");
    if (w->failed != GDPR_OK && w->sink_failed)
        return gdpr__err_set(GDPR_ECALLBACK, "the export's output failed already");
    if (item == NULL)
        return refuse(w, GDPR_EINVAL, "item: must not be NULL");
    rc = check_item(w, item);
    if (rc != GDPR_OK)
        return rc;
    rc = w->sink_fn(w->sink, w->src, item);
    if (rc != GDPR_OK) {
        /* Not the source's fault: the output failed. */
        if (w->failed == GDPR_OK) {
            w->failed = rc;
            w->sink_failed = 1;
            snprintf(w->why, sizeof w->why, "%s", gdpr_errmsg());
        }
        return gdpr__err_set(GDPR_ECALLBACK, "%s", w->why);
    }
    w->items++;
    return GDPR_OK;
}

GDPR_API int
gdpr_source_write(gdpr_source_writer *w, const char *category, const char *field, const void *value,
                  size_t len)
{
    gdpr_source_item item = GDPR_SOURCE_ITEM_INIT;

    item.category = category;
    item.field = field;
    item.value = value;
    item.len = len;
    return gdpr_source_write_item(w, &item);
}

int
gdpr_source__export_run(gdpr_engine *eng, const engine_source *src, const char *subject,
                        source_sink_fn sink_fn, void *sink, int64_t *items_out)
{
    gdpr_source_writer w;
    int ret;

    memset(&w, 0, sizeof w);
    w.eng = eng;
    w.src = src;
    w.sink_fn = sink_fn;
    w.sink = sink;
    ret = src->export_items(subject, &w, src->ctx);
    *items_out = w.items;
    if (w.sink_failed)
        return gdpr__err_set(w.failed, "%s", w.why);
    if (w.failed != GDPR_OK)
        return gdpr__err_set(GDPR_ECALLBACK, "source '%s': an item was refused: %s", src->name,
                             w.why);
    if (ret != 0)
        return gdpr__err_set(GDPR_ECALLBACK, "source '%s': export callback failed (returned %d)",
                             src->name, ret);
    return GDPR_OK;
}
