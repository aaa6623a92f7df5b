/*
 * Internal to the export: a buffered output stream over the host's write
 * callback, and JSON and CSV writers on top of it. Errors are sticky: once
 * a write failed, every later call is a no-op returning the same code, so
 * document code can write many members and check once.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_EXPORT_INTERNAL_H
#define GDPR_EXPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gdpr/export.h"

/* Bytes buffered before the host's callback sees them. */
#define OUT_BUF_BYTES 65536u
#define JSON_DEPTH_MAX 16

typedef struct {
    gdpr_write_fn write;
    void *ctx;
    char name[96]; /* for messages: "write" or "table 'contact'" */
    char *buf;
    size_t used, cap;
    int64_t bytes; /* handed to the callback so far */
    int rc;        /* sticky: first failure */
} out_stream;

int gdpr_export__out_init(out_stream *o, gdpr_write_fn write, void *ctx, const char *name,
                          size_t cap);
void gdpr_export__out_free(out_stream *o);
int gdpr_export__out_puts(out_stream *o, const char *s);
int gdpr_export__out_flush(out_stream *o);
/* The slow path of out_put: fill, flush, repeat. */
int gdpr_export__out_put_slow(out_stream *o, const void *data, size_t len);

/* Append bytes; the common case (room in the buffer) is a memcpy. */
static inline int
out_put(out_stream *o, const void *data, size_t len)
{
    if (len == 0)
        return o->rc;
    if (o->rc == 0 && len <= o->cap - o->used) {
        memcpy(o->buf + o->used, data, len);
        o->used += len;
        return 0;
    }
    return gdpr_export__out_put_slow(o, data, len);
}

/* 1 if the value goes out as text: valid UTF-8 without NUL bytes. */
int gdpr_export__value_is_text(const void *value, size_t len);
/* Base64 of a value streamed in chunks. */
int gdpr_export__out_base64(out_stream *o, const void *value, size_t len);

/* --- JSON ------------------------------------------------------------ */

typedef struct {
    out_stream *o;
    int depth;
    unsigned char has_items[JSON_DEPTH_MAX];
    /* The last time written, formatted and quoted: records repeat their
     * times (collected, updated, due), and formatting one costs more than
     * the rest of the member. */
    int64_t time_t_last;
    int time_ready;
    char time_text[22];
} json_out;

void gdpr_export__jo_init(json_out *j, out_stream *o);
/* Open an object '{' or array '['; `key` names it inside an object, NULL
 * inside an array or at the root. */
int gdpr_export__jo_open(json_out *j, const char *key, char bracket);
int gdpr_export__jo_close(json_out *j, char bracket);
/* Members (key NULL inside an array). Keys are the library's own
 * constants and are written without escaping. A NULL text is null. */
int gdpr_export__jo_str(json_out *j, const char *key, const char *text);
int gdpr_export__jo_int(json_out *j, const char *key, int64_t v);
int gdpr_export__jo_bool(json_out *j, const char *key, int v);
int gdpr_export__jo_null(json_out *j, const char *key);
/* An instant as "YYYY-MM-DDTHH:MM:SSZ", or null when !has. */
int gdpr_export__jo_time(json_out *j, const char *key, int has, int64_t t);
/* Lowercase hex of bytes. */
int gdpr_export__jo_hex(json_out *j, const char *key, const uint8_t *bytes, size_t len);
/* Two members: "encoding" ("utf-8" or "base64") and "value". */
int gdpr_export__jo_value(json_out *j, const void *value, size_t len);

/* --- CSV (RFC 4180) ---------------------------------------------------- */

/* One field; `last` ends the row with CRLF, else a comma follows. Quoted
 * when it holds a comma, quote, CR or LF (quotes doubled). NULL: empty. */
int gdpr_export__csv_field(out_stream *o, const char *text, size_t len, int last);
int gdpr_export__csv_text(out_stream *o, const char *text, int last);
int gdpr_export__csv_time(out_stream *o, int has, int64_t t, int last);
/* Two fields: encoding, then the value (text or base64). */
int gdpr_export__csv_value(out_stream *o, const void *value, size_t len, int last);

#endif
