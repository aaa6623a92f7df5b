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
