/*
 * Internal: a streamed output writer for reports (the consent report, the
 * Art. 30 record, the breach register): a fixed buffer handed to the
 * host's write callback whenever it fills, so memory does not grow with
 * the number of rows (the subject access export's rule, decision 0005).
 * JSON strings are escaped as RFC 8259 section 7 requires; CSV fields are
 * quoted as RFC 4180 section 2 says when they hold a comma, a quote, CR or
 * LF. The first failure (the callback's non-zero) is kept and every later
 * write is a no-op, so a writer of rows checks once, at the end.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_UTIL_SINK_H
#define GDPR_UTIL_SINK_H

#include <stddef.h>
#include <stdint.h>

#define SINK_BUFFER_BYTES 65536u

typedef int (*sink_write_fn)(const void *buf, size_t len, void *ctx);

typedef struct {
    sink_write_fn write;
    void *ctx;
    int rc; /* GDPR_OK, or the first failure (GDPR_ECALLBACK) */
    size_t len;
    int comma; /* JSON: a value was written at this level */
    int field; /* CSV: a field was written on this line */
    char buf[SINK_BUFFER_BYTES];
} sink;

void gdpr_sink__init(sink *s, sink_write_fn write, void *ctx);
/* Bytes as they are. */
void gdpr_sink__raw(sink *s, const char *text, size_t len);
void gdpr_sink__text(sink *s, const char *text);
/* JSON: a member name (with the comma before it when needed) ... */
void gdpr_sink__key(sink *s, const char *key);
/* ... and values; a NULL string writes null. A value written after
 * gdpr_sink__key belongs to it; otherwise it is an array element. */
void gdpr_sink__string(sink *s, const char *v);
void gdpr_sink__int64(sink *s, int64_t v);
void gdpr_sink__bool(sink *s, int v);
/* An instant as "YYYY-MM-DDTHH:MM:SSZ"; 0 writes null. */
void gdpr_sink__time(sink *s, int64_t t);
void gdpr_sink__open(sink *s, char bracket);  /* '{' or '[' */
void gdpr_sink__close(sink *s, char bracket); /* '}' or ']' */
/* CSV: one field (quoted when it must be; NULL is empty), and the end of
 * a record (CRLF). */
void gdpr_sink__csv_field(sink *s, const char *v);
void gdpr_sink__csv_int64(sink *s, int64_t v);
void gdpr_sink__csv_time(sink *s, int64_t t);
void gdpr_sink__csv_end(sink *s);
/* Hand what is buffered to the callback; the writer's result. */
int gdpr_sink__flush(sink *s);

#endif
