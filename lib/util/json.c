/*
 * The JSON tree and its paths. Parsing is SQLite's; only error location is
 * done here, because SQLite 3.40 says that a text is malformed, not where.
 * SPDX-License-Identifier: MIT
 */
#include "json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *
dup_or_null(const char *s, int *failed)
{
    char *copy;
    size_t len;

    if (s == NULL)
        return NULL;
    len = strlen(s) + 1;
    copy = malloc(len);
    if (copy == NULL) {
        *failed = 1;
        return NULL;
    }
    memcpy(copy, s, len);
    return copy;
}

json_node *
gdpr_json__node_add(json_node *parent, json_type type, const char *key, const char *text,
                    int64_t integer, double real)
{
    json_node *n = calloc(1, sizeof *n);
    int failed = 0;

    if (n == NULL)
        return NULL;
    n->type = type;
    n->key = dup_or_null(key, &failed);
    n->text = dup_or_null(text, &failed);
    if (failed) {
        free(n->key);
        free(n->text);
        free(n);
        return NULL;
    }
    n->integer = integer;
    n->real = real;
    n->parent = parent;
    if (parent != NULL) {
        n->index = parent->count++;
        if (parent->last)
            parent->last->next = n;
        else
            parent->first = n;
        parent->last = n;
    }
    return n;
}

void
gdpr_json__free(json_node *root)
{
    json_node *child, *next;

    if (root == NULL)
        return;
    for (child = root->first; child; child = next) {
        next = child->next;
        gdpr_json__free(child);
    }
    free(root->key);
    free(root->text);
    free(root);
}

const json_node *
gdpr_json__member(const json_node *obj, const char *key)
{
    if (obj == NULL || obj->type != JSON_OBJECT)
        return NULL;
    for (const json_node *c = obj->first; c; c = c->next)
        if (strcmp(c->key, key) == 0)
            return c;
    return NULL;
}

static size_t
path_into(const json_node *n, char *buf, size_t size)
{
    size_t used;
    int w;

    if (n->parent == NULL)
        return (size_t)snprintf(buf, size, "$");
    used = n->parent->parent == NULL ? 0 : path_into(n->parent, buf, size);
    if (used >= size)
        return used;
    if (n->parent->type == JSON_ARRAY)
        w = snprintf(buf + used, size - used, "[%zu]", n->index);
    else
        w = snprintf(buf + used, size - used, "%s%s", used ? "." : "", n->key);
    return used + (w > 0 ? (size_t)w : 0);
}

void
gdpr_json__path(const json_node *n, char *buf, size_t size)
{
    if (size == 0)
        return;
    buf[0] = '\0';
    path_into(n, buf, size);
}

const char *
gdpr_json__type_name(json_type t)
{
    static const char *const names[] = {
        "null", "true", "false", "an integer", "a real number", "a string", "an array", "an object",
    };
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "?";
}

/* A small recursive-descent scanner used only after SQLite refused the
 * text, to tell the user where. Depth is bounded so hostile input cannot
 * exhaust the stack. */
typedef struct {
    const char *s;
    size_t pos;
    const char *why;
    int depth;
} scanner;

static void
skip_space(scanner *sc)
{
    while (sc->s[sc->pos] == ' ' || sc->s[sc->pos] == '\t' || sc->s[sc->pos] == '\n' ||
           sc->s[sc->pos] == '\r')
        sc->pos++;
}

static int scan_value(scanner *sc);

static int
fail(scanner *sc, const char *why)
{
    sc->why = why;
    return -1;
}

static int
scan_string(scanner *sc)
{
    sc->pos++;
    for (;;) {
        unsigned char c = (unsigned char)sc->s[sc->pos];
        if (c == '\0')
            return fail(sc, "unterminated string");
        if (c < 0x20)
            return fail(sc, "control character in string");
        if (c == '"') {
            sc->pos++;
            return 0;
        }
        if (c == '\\') {
            char e = sc->s[sc->pos + 1];
            if (e == 'u') {
                for (int k = 2; k < 6; k++) {
                    char h = sc->s[sc->pos + (size_t)k];
                    if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') ||
                          (h >= 'A' && h <= 'F'))) {
                        sc->pos += (size_t)k;
                        return fail(sc, "bad \\u escape");
                    }
                }
                sc->pos += 6;
                continue;
            }
            if (e == '\0' || strchr("\"\\/bfnrt", e) == NULL) {
                sc->pos++;
                return fail(sc, "bad escape");
            }
            sc->pos += 2;
            continue;
        }
        sc->pos++;
    }
}

static int
scan_digits(scanner *sc)
{
    size_t start = sc->pos;
    while (sc->s[sc->pos] >= '0' && sc->s[sc->pos] <= '9')
        sc->pos++;
    return sc->pos > start ? 0 : fail(sc, "expected a digit");
}

static int
scan_number(scanner *sc)
{
    if (sc->s[sc->pos] == '-')
        sc->pos++;
    if (sc->s[sc->pos] == '0')
        sc->pos++;
    else if (scan_digits(sc) != 0)
        return -1;
    if (sc->s[sc->pos] == '.') {
        sc->pos++;
        if (scan_digits(sc) != 0)
            return -1;
    }
    if (sc->s[sc->pos] == 'e' || sc->s[sc->pos] == 'E') {
        sc->pos++;
        if (sc->s[sc->pos] == '+' || sc->s[sc->pos] == '-')
            sc->pos++;
        if (scan_digits(sc) != 0)
            return -1;
    }
    return 0;
}

static int
scan_word(scanner *sc, const char *word)
{
    size_t n = strlen(word);
    if (strncmp(sc->s + sc->pos, word, n) != 0)
        return fail(sc, "unexpected character");
    sc->pos += n;
    return 0;
}

static int
scan_container(scanner *sc, char close, int is_object)
{
    if (++sc->depth > 512)
        return fail(sc, "nested too deeply");
    sc->pos++;
    skip_space(sc);
    if (sc->s[sc->pos] == close) {
        sc->pos++;
        sc->depth--;
        return 0;
    }
    for (;;) {
        skip_space(sc);
        if (is_object) {
            if (sc->s[sc->pos] != '"')
                return fail(sc, "expected a member name in quotes");
            if (scan_string(sc) != 0)
                return -1;
            skip_space(sc);
            if (sc->s[sc->pos] != ':')
                return fail(sc, "expected ':'");
            sc->pos++;
        }
        if (scan_value(sc) != 0)
            return -1;
        skip_space(sc);
        if (sc->s[sc->pos] == ',') {
            sc->pos++;
            continue;
        }
        if (sc->s[sc->pos] == close) {
            sc->pos++;
            sc->depth--;
            return 0;
        }
        return fail(sc, is_object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int
scan_value(scanner *sc)
{
    skip_space(sc);
    switch (sc->s[sc->pos]) {
    case '{':
        return scan_container(sc, '}', 1);
    case '[':
        return scan_container(sc, ']', 0);
    case '"':
        return scan_string(sc);
    case 't':
        return scan_word(sc, "true");
    case 'f':
        return scan_word(sc, "false");
    case 'n':
        return scan_word(sc, "null");
    case '\0':
        return fail(sc, "unexpected end of text");
    default:
        if (sc->s[sc->pos] == '-' || (sc->s[sc->pos] >= '0' && sc->s[sc->pos] <= '9'))
            return scan_number(sc);
        return fail(sc, "unexpected character");
    }
}

int
gdpr_json__locate_error(const char *text, size_t *line, size_t *column, const char **why)
{
    scanner sc = {text, 0, NULL, 0};
    int bad = scan_value(&sc);

    if (bad == 0) {
        skip_space(&sc);
        if (sc.s[sc.pos] == '\0')
            return -1;
        sc.why = "text after the document";
    }
    *line = 1;
    *column = 1;
    for (size_t i = 0; i < sc.pos; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *column = 1;
        } else {
            (*column)++;
        }
    }
    *why = sc.why;
    return 0;
}

int
gdpr_json__fail_v(const json_node *n, const char *origin, const char *fmt, va_list ap)
{
    char path[256];
    char detail[384];

    vsnprintf(detail, sizeof detail, fmt, ap);
    gdpr_json__path(n, path, sizeof path);
    if (origin != NULL)
        return gdpr__err_set(GDPR_EINVAL, "%s: %s: %s", origin, path, detail);
    return gdpr__err_set(GDPR_EINVAL, "%s: %s", path, detail);
}

int
gdpr_json__fail_at(const json_node *n, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = gdpr_json__fail_v(n, NULL, fmt, ap);
    va_end(ap);
    return rc;
}
