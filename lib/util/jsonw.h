/*
 * Internal: the one JSON writer. Business output (consent receipts, KPI
 * reports, tombstone exports) is built here in C from rows the store
 * returns, never by the store's query language.
 *
 * A growable buffer; calls append in document order and place commas
 * themselves. Out of memory is remembered and reported once, by
 * jsonw_finish, so a builder can write without checking every call.
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
    int failed; /* an allocation failed: jsonw_finish reports it */
} jsonw;

void jsonw_init(jsonw *w);
void jsonw_object_begin(jsonw *w);
void jsonw_object_end(jsonw *w);
void jsonw_array_begin(jsonw *w);
void jsonw_array_end(jsonw *w);
/* A member name; the next call writes its value. */
void jsonw_key(jsonw *w, const char *key);
/* A string; NULL writes null. */
void jsonw_string(jsonw *w, const char *s);
void jsonw_int64(jsonw *w, int64_t v);
/* A number as SQLite prints one ("8.0", "0.75"); not finite: null. */
void jsonw_double(jsonw *w, double v);
void jsonw_bool(jsonw *w, int b);
void jsonw_null(jsonw *w);
/* A parsed value (and everything under it) as JSON; NULL writes null. */
void jsonw_node(jsonw *w, const json_node *n);

/* Hand over the text (NUL-terminated, malloc'd; *len_out may be NULL) and
 * reset the writer: GDPR_OK, or GDPR_ENOMEM if any append failed (nothing
 * handed over). */
int jsonw_finish(jsonw *w, char **out, size_t *len_out);
/* Drop the text (after an error elsewhere). */
void jsonw_free(jsonw *w);

#endif
