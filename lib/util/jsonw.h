/*
 * Internal: the one JSON writer. Business output (consent receipts, KPI
 * reports, tombstone exports) is built here in C from rows the store
 * returns, never by the store's query language.
 *
 * A growable buffer; calls append in document order and place commas
 * themselves. Out of memory is remembered and reported once, by
 * gdpr_jsonw__finish, so a builder can write without checking every call.
 * Strings are escaped as RFC 8259 requires ('"', '\\', control characters
 * as \n, \t ... or \u00XX); other bytes, UTF-8 included, are copied as
 * they are.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_UTIL_JSONW_H
#define GDPR_UTIL_JSONW_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"

typedef struct {
    char *buf;
    size_t len, cap;
    int comma;  /* a value was written at this level: the next one needs ',' */
    int failed; /* an allocation failed: gdpr_jsonw__finish reports it */
} jsonw;

void gdpr_jsonw__init(jsonw *w);
void gdpr_jsonw__object_begin(jsonw *w);
void gdpr_jsonw__object_end(jsonw *w);
void gdpr_jsonw__array_begin(jsonw *w);
void gdpr_jsonw__array_end(jsonw *w);
/* A member name; the next call writes its value. */
void gdpr_jsonw__key(jsonw *w, const char *key);
/* A string; NULL writes null. */
void gdpr_jsonw__string(jsonw *w, const char *s);
void gdpr_jsonw__int64(jsonw *w, int64_t v);
/* A number as SQLite prints one ("8.0", "0.75"); not finite: null. */
void gdpr_jsonw__double(jsonw *w, double v);
void gdpr_jsonw__bool(jsonw *w, int b);
void gdpr_jsonw__null(jsonw *w);
/* A parsed value (and everything under it) as JSON; NULL writes null. */
void gdpr_jsonw__node(jsonw *w, const json_node *n);
/* A parsed value in canonical form (what receipts are signed over,
 * docs/decisions/0012): object members in ascending byte order of their
 * names at every depth, arrays in their order, no whitespace, strings
 * and numbers as the writer always writes them. Members of the top
 * object named `skip` (may be NULL) are left out. Returns 0, or -1 when
 * an object names a member twice (a canonical form would be ambiguous;
 * nothing sensible was written) or memory ran out (the writer then
 * also reports it at finish). */
int gdpr_jsonw__canonical(jsonw *w, const json_node *n, const char *skip);

/* Hand over the text (NUL-terminated, malloc'd; *len_out may be NULL) and
 * reset the writer: GDPR_OK, or GDPR_ENOMEM if any append failed (nothing
 * handed over). */
int gdpr_jsonw__finish(jsonw *w, char **out, size_t *len_out);
/* Drop the text (after an error elsewhere). */
void gdpr_jsonw__free(jsonw *w);

#endif
