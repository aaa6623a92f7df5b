/*
 * Internal: a read-only JSON tree. SQLite's json_tree() parses the text
 * (lib/store/json.c); this module only holds the result and names paths,
 * so validation messages can say "purposes[2].basis".
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_UTIL_JSON_H
#define GDPR_UTIL_JSON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef enum {
    JSON_NULL,
    JSON_TRUE,
    JSON_FALSE,
    JSON_INTEGER,
    JSON_REAL,
    JSON_TEXT,
    JSON_ARRAY,
    JSON_OBJECT
} json_type;

typedef struct json_node json_node;
struct json_node {
    json_type type;
    char *key;       /* member name inside an object, else NULL */
    char *text;      /* JSON_TEXT value, else NULL */
    int64_t integer; /* JSON_INTEGER */
    double real;     /* JSON_REAL */
    size_t index;    /* position inside the parent */
    size_t count;    /* children of an array or object */
    json_node *parent, *first, *last, *next;
};

/* Append a child to `parent` (NULL: a root). Strings are copied. NULL on
 * allocation failure. */
json_node *gdpr_json__node_add(json_node *parent, json_type type, const char *key, const char *text,
                               int64_t integer, double real);

void gdpr_json__free(json_node *root);

/* Member `key` of an object, or NULL. */
const json_node *gdpr_json__member(const json_node *obj, const char *key);

/* "purposes[2].basis" for a node; the root is "$". */
void gdpr_json__path(const json_node *n, char *buf, size_t size);
/* GDPR_EINVAL with the message "[origin: ]path: detail", so that a reader of
 * a JSON document names where in it a value breaks a rule; `origin` (which
 * document) may be NULL. */
int gdpr_json__fail_v(const json_node *n, const char *origin, const char *fmt, va_list ap)
    GDPR_PRINTF(3, 0);
int gdpr_json__fail_at(const json_node *n, const char *fmt, ...) GDPR_PRINTF(2, 3);

const char *gdpr_json__type_name(json_type t);

/* Locate the first syntax error of a text SQLite refused: 1-based line and
 * column. Returns 0 if it found one, -1 if the text looks well formed. */
int gdpr_json__locate_error(const char *text, size_t *line, size_t *column, const char **why);

#endif
