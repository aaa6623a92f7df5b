/*
 * The JSON writer (jsonw.h).
 * SPDX-License-Identifier: MIT
 */
#include "jsonw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

void
gdpr_jsonw__init(jsonw *w)
{
    memset(w, 0, sizeof *w);
}

static void
put(jsonw *w, const char *s, size_t n)
{
    if (w->failed)
        return;
    if (w->len + n + 1 > w->cap) {
        size_t cap = w->cap ? w->cap : 256;
        char *grown;
        while (cap < w->len + n + 1) {
            if (cap > SIZE_MAX / 2) {
                w->failed = 1;
                return;
            }
            cap *= 2;
        }
        grown = realloc(w->buf, cap);
        if (grown == NULL) {
            w->failed = 1;
            return;
        }
        w->buf = grown;
        w->cap = cap;
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

static void
put_str(jsonw *w, const char *s)
{
    put(w, s, strlen(s));
}

/* Before any value or key: the comma that separates it from the last. */
static void
separate(jsonw *w)
{
    if (w->comma)
        put(w, ",", 1);
    w->comma = 1;
}

static void
put_quoted(jsonw *w, const char *s)
{
    const char *run = s;

    put(w, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char esc[8];
        const char *e = NULL;

        switch (c) {
        case '"':
            e = "\\\"";
            break;
        case '\\':
            e = "\\\\";
            break;
        case '\b':
            e = "\\b";
            break;
        case '\f':
            e = "\\f";
            break;
        case '\n':
            e = "\\n";
            break;
        case '\r':
            e = "\\r";
            break;
        case '\t':
            e = "\\t";
            break;
        default:
            if (c < 0x20) {
                snprintf(esc, sizeof esc, "\\u%04x", c);
                e = esc;
            }
            break;
        }
        if (e != NULL) {
            put(w, run, (size_t)(s - run));
            put_str(w, e);
            run = s + 1;
        }
    }
    put(w, run, (size_t)(s - run));
    put(w, "\"", 1);
}

void
gdpr_jsonw__object_begin(jsonw *w)
{
    separate(w);
    put(w, "{", 1);
    w->comma = 0;
}

void
gdpr_jsonw__object_end(jsonw *w)
{
    put(w, "}", 1);
    w->comma = 1;
}

void
gdpr_jsonw__array_begin(jsonw *w)
{
    separate(w);
    put(w, "[", 1);
    w->comma = 0;
}

void
gdpr_jsonw__array_end(jsonw *w)
{
    put(w, "]", 1);
    w->comma = 1;
}

void
gdpr_jsonw__key(jsonw *w, const char *key)
{
    separate(w);
    put_quoted(w, key);
    put(w, ":", 1);
    w->comma = 0;
}

void
gdpr_jsonw__string(jsonw *w, const char *s)
{
    if (s == NULL) {
        gdpr_jsonw__null(w);
        return;
    }
    separate(w);
    put_quoted(w, s);
}

void
gdpr_jsonw__int64(jsonw *w, int64_t v)
{
    char buf[24];

    separate(w);
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    put_str(w, buf);
}

void
gdpr_jsonw__double(jsonw *w, double v)
{
    char buf[40];

    if (!isfinite(v)) {
        gdpr_jsonw__null(w);
        return;
    }
    separate(w);
    snprintf(buf, sizeof buf, "%.15g", v);
    /* Keep it a real to readers that tell them apart (8 -> 8.0). */
    if (strpbrk(buf, ".eE") == NULL)
        strcat(buf, ".0");
    put_str(w, buf);
}

void
gdpr_jsonw__bool(jsonw *w, int b)
{
    separate(w);
    put_str(w, b ? "true" : "false");
}

void
gdpr_jsonw__null(jsonw *w)
{
    separate(w);
    put_str(w, "null");
}

void
gdpr_jsonw__node(jsonw *w, const json_node *n)
{
    if (n == NULL) {
        gdpr_jsonw__null(w);
        return;
    }
    switch (n->type) {
    case JSON_NULL:
        gdpr_jsonw__null(w);
        break;
    case JSON_TRUE:
        gdpr_jsonw__bool(w, 1);
        break;
    case JSON_FALSE:
        gdpr_jsonw__bool(w, 0);
        break;
    case JSON_INTEGER:
        gdpr_jsonw__int64(w, n->integer);
        break;
    case JSON_REAL:
        gdpr_jsonw__double(w, n->real);
        break;
    case JSON_TEXT:
        gdpr_jsonw__string(w, n->text);
        break;
    case JSON_ARRAY:
        gdpr_jsonw__array_begin(w);
        for (const json_node *c = n->first; c != NULL; c = c->next)
            gdpr_jsonw__node(w, c);
        gdpr_jsonw__array_end(w);
        break;
    case JSON_OBJECT:
        gdpr_jsonw__object_begin(w);
        for (const json_node *c = n->first; c != NULL; c = c->next) {
            gdpr_jsonw__key(w, c->key ? c->key : "");
            gdpr_jsonw__node(w, c);
        }
        gdpr_jsonw__object_end(w);
        break;
    }
}

static int
by_key(const void *a, const void *b)
{
    const json_node *x = *(const json_node *const *)a, *y = *(const json_node *const *)b;

    return strcmp(x->key ? x->key : "", y->key ? y->key : "");
}

int
gdpr_jsonw__canonical(jsonw *w, const json_node *n, const char *skip)
{
    const json_node **members;
    size_t count = 0;
    int rc = 0;

    if (n == NULL || (n->type != JSON_OBJECT && n->type != JSON_ARRAY)) {
        gdpr_jsonw__node(w, n);
        return 0;
    }
    if (n->type == JSON_ARRAY) {
        gdpr_jsonw__array_begin(w);
        for (const json_node *c = n->first; c != NULL && rc == 0; c = c->next)
            rc = gdpr_jsonw__canonical(w, c, NULL);
        gdpr_jsonw__array_end(w);
        return rc;
    }
    for (const json_node *c = n->first; c != NULL; c = c->next)
        count++;
    members = calloc(count ? count : 1, sizeof *members);
    if (members == NULL) {
        w->failed = 1;
        return -1;
    }
    count = 0;
    for (const json_node *c = n->first; c != NULL; c = c->next)
        if (skip == NULL || c->key == NULL || strcmp(c->key, skip) != 0)
            members[count++] = c;
    qsort(members, count, sizeof *members, by_key);
    gdpr_jsonw__object_begin(w);
    for (size_t i = 0; i < count && rc == 0; i++) {
        if (i > 0 && by_key(&members[i - 1], &members[i]) == 0) {
            rc = -1;
            break;
        }
        gdpr_jsonw__key(w, members[i]->key ? members[i]->key : "");
        rc = gdpr_jsonw__canonical(w, members[i], NULL);
    }
    gdpr_jsonw__object_end(w);
    free(members);
    return rc != 0 || w->failed ? -1 : 0;
}

int
gdpr_jsonw__finish(jsonw *w, char **out, size_t *len_out)
{
    *out = NULL;
    if (w->failed) {
        gdpr_jsonw__free(w);
        return gdpr__err_set(GDPR_ENOMEM, "out of memory writing JSON");
    }
    if (w->buf == NULL)
        put(w, "", 0);
    if (w->failed) {
        gdpr_jsonw__free(w);
        return gdpr__err_set(GDPR_ENOMEM, "out of memory writing JSON");
    }
    *out = w->buf;
    if (len_out)
        *len_out = w->len;
    gdpr_jsonw__init(w);
    return GDPR_OK;
}

void
gdpr_jsonw__free(jsonw *w)
{
    free(w->buf);
    gdpr_jsonw__init(w);
}
