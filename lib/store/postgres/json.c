/*
 * JSON parsing for the PostgreSQL backend, in C: PostgreSQL's jsonb
 * reorders object members and drops duplicates, and its json type has no
 * tree walk, while callers need the document's own order (error paths
 * such as "purposes[2].basis" name members as written). The text is first
 * checked by gdpr_json__locate_error (lib/util), which reports the line
 * and column of the first syntax error; a text it accepts is then built
 * into json_node trees by the recursive descent below, which can assume
 * well-formed input and only guards depth and memory.
 * SPDX-License-Identifier: MIT
 */
#include "pg_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* As SQLite's json_tree: deeper documents are refused. */
#define JSON_DEPTH_MAX 1000

typedef struct {
    const char *p;
    char *buf; /* scratch for decoded strings */
    size_t cap;
} parser;

static void
skip_ws(parser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
        ps->p++;
}

static unsigned int
hex4(const char *s)
{
    unsigned int v = 0;

    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
    }
    return v;
}

static size_t
put_utf8(char *dst, unsigned long cp)
{
    if (cp < 0x80) {
        dst[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        dst[0] = (char)(0xC0 | (cp >> 6));
        dst[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        dst[0] = (char)(0xE0 | (cp >> 12));
        dst[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        dst[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    dst[0] = (char)(0xF0 | (cp >> 18));
    dst[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    dst[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    dst[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decode the string at ps->p (on its opening quote) into ps->buf; a
 * decoded string is never longer than its source. */
static int
read_string(parser *ps)
{
    const char *s = ps->p + 1;
    size_t n = 0;

    while (*s != '"') {
        if (*s != '\\') {
            ps->buf[n++] = *s++;
            continue;
        }
        s++;
        switch (*s) {
        case 'b':
            ps->buf[n++] = '\b';
            break;
        case 'f':
            ps->buf[n++] = '\f';
            break;
        case 'n':
            ps->buf[n++] = '\n';
            break;
        case 'r':
            ps->buf[n++] = '\r';
            break;
        case 't':
            ps->buf[n++] = '\t';
            break;
        case 'u': {
            unsigned long cp = hex4(s + 1);
            s += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF && s[1] == '\\' && s[2] == 'u') {
                unsigned long lo = hex4(s + 3);
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    s += 6;
                }
            }
            n += put_utf8(ps->buf + n, cp);
            break;
        }
        default: /* '"', '\\', '/' */
            ps->buf[n++] = *s;
            break;
        }
        s++;
    }
    ps->buf[n] = '\0';
    ps->p = s + 1;
    return GDPR_OK;
}

static int parse_value(parser *ps, json_node *parent, const char *key, int depth, json_node **out);

static json_node *
add(json_node *parent, json_type type, const char *key, const char *text, int64_t i, double r)
{
    if (parent != NULL && parent->type == JSON_OBJECT && key == NULL)
        key = "";
    return gdpr_json__node_add(parent, type, key, text, i, r);
}

static int
parse_number(parser *ps, json_node *parent, const char *key, json_node **out)
{
    const char *start = ps->p;
    int real = 0;
    char *end = NULL;

    if (*ps->p == '-')
        ps->p++;
    while ((*ps->p >= '0' && *ps->p <= '9') || *ps->p == '.' || *ps->p == 'e' || *ps->p == 'E' ||
           *ps->p == '+' || *ps->p == '-') {
        if (*ps->p == '.' || *ps->p == 'e' || *ps->p == 'E')
            real = 1;
        ps->p++;
    }
    if (!real) {
        long long v = strtoll(start, &end, 10);
        /* Beyond 64 bits an integer is kept as a real, as SQLite does. */
        if (end == ps->p && v != LLONG_MAX && v != LLONG_MIN) {
            *out = add(parent, JSON_INTEGER, key, NULL, (int64_t)v, (double)v);
            return *out ? GDPR_OK : gdpr__err_set(GDPR_ENOMEM, "out of memory parsing JSON");
        }
    }
    *out = add(parent, JSON_REAL, key, NULL, 0, strtod(start, NULL));
    return *out ? GDPR_OK : gdpr__err_set(GDPR_ENOMEM, "out of memory parsing JSON");
}

static int
parse_container(parser *ps, json_node *n, int depth)
{
    int object = n->type == JSON_OBJECT;
    char close = object ? '}' : ']';
    int rc = GDPR_OK;

    ps->p++;
    skip_ws(ps);
    if (*ps->p == close) {
        ps->p++;
        return GDPR_OK;
    }
    while (rc == GDPR_OK) {
        char *key = NULL;
        json_node *child = NULL;
        skip_ws(ps);
        if (object) {
            read_string(ps);
            key = strdup(ps->buf);
            if (key == NULL)
                return gdpr__err_set(GDPR_ENOMEM, "out of memory parsing JSON");
            skip_ws(ps);
            ps->p++; /* ':' */
            skip_ws(ps);
        }
        rc = parse_value(ps, n, key, depth + 1, &child);
        free(key);
        skip_ws(ps);
        if (*ps->p == ',') {
            ps->p++;
            continue;
        }
        ps->p++; /* the closing bracket */
        break;
    }
    return rc;
}

static int
parse_value(parser *ps, json_node *parent, const char *key, int depth, json_node **out)
{
    *out = NULL;
    if (depth > JSON_DEPTH_MAX)
        return gdpr__err_set(GDPR_EINVAL, "JSON nested deeper than %d levels", JSON_DEPTH_MAX);
    skip_ws(ps);
    switch (*ps->p) {
    case '{':
    case '[':
        *out = add(parent, *ps->p == '{' ? JSON_OBJECT : JSON_ARRAY, key, NULL, 0, 0);
        if (*out == NULL)
            return gdpr__err_set(GDPR_ENOMEM, "out of memory parsing JSON");
        return parse_container(ps, *out, depth);
    case '"':
        read_string(ps);
        *out = add(parent, JSON_TEXT, key, ps->buf, 0, 0);
        break;
    case 't':
        ps->p += 4;
        *out = add(parent, JSON_TRUE, key, NULL, 1, 1);
        break;
    case 'f':
        ps->p += 5;
        *out = add(parent, JSON_FALSE, key, NULL, 0, 0);
        break;
    case 'n':
        ps->p += 4;
        *out = add(parent, JSON_NULL, key, NULL, 0, 0);
        break;
    default:
        return parse_number(ps, parent, key, out);
    }
    return *out ? GDPR_OK : gdpr__err_set(GDPR_ENOMEM, "out of memory parsing JSON");
}

int
gdpr_pg__json_parse(store *base, const char *text, json_node **out)
{
    size_t line, column;
    const char *why;
    json_node *root = NULL;
    parser ps;
    int rc;

    (void)base;
    if (gdpr_json__locate_error(text, &line, &column, &why) == 0)
        return gdpr__err_set(GDPR_EINVAL, "line %zu, column %zu: %s", line, column, why);
    ps.p = text;
    ps.cap = strlen(text) + 1;
    ps.buf = malloc(ps.cap);
    if (ps.buf == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory parsing JSON");
    skip_ws(&ps);
    if (*ps.p == '\0')
        rc = gdpr__err_set(GDPR_EINVAL, "empty JSON document");
    else
        rc = parse_value(&ps, NULL, NULL, 0, &root);
    free(ps.buf);
    if (rc != GDPR_OK) {
        /* A child that failed was linked to root already: one free does all. */
        gdpr_json__free(root);
        return rc;
    }
    *out = root;
    return GDPR_OK;
}
