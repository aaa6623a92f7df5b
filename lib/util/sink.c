/*
 * Streamed output for reports (sink.h).
 * SPDX-License-Identifier: MIT
 */
#include "sink.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "error.h"
#include "gdpr/common.h"

void
gdpr_sink__init(sink *s, sink_write_fn write, void *ctx)
{
    s->write = write;
    s->ctx = ctx;
    s->rc = GDPR_OK;
    s->len = 0;
    s->comma = 0;
    s->field = 0;
}

static void
drain(sink *s)
{
    if (s->rc == GDPR_OK && s->len > 0 && s->write(s->buf, s->len, s->ctx) != 0)
        s->rc = gdpr__err_set(GDPR_ECALLBACK, "report: the write callback stopped the output");
    s->len = 0;
}

void
gdpr_sink__raw(sink *s, const char *text, size_t len)
{
    while (s->rc == GDPR_OK && len > 0) {
        size_t room = sizeof s->buf - s->len;
        size_t n = len < room ? len : room;

        memcpy(s->buf + s->len, text, n);
        s->len += n;
        text += n;
        len -= n;
        if (s->len == sizeof s->buf)
            drain(s);
    }
}

void
gdpr_sink__text(sink *s, const char *text)
{
    gdpr_sink__raw(s, text, strlen(text));
}

static void
put_char(sink *s, char c)
{
    gdpr_sink__raw(s, &c, 1);
}

static void
value_start(sink *s)
{
    if (s->comma)
        put_char(s, ',');
    s->comma = 1;
}

void
gdpr_sink__key(sink *s, const char *key)
{
    value_start(s);
    put_char(s, '"');
    gdpr_sink__text(s, key);
    gdpr_sink__raw(s, "\":", 2);
    s->comma = 0; /* the value follows without a comma */
}

static void
json_escaped(sink *s, const char *v)
{
    static const char hex[] = "0123456789abcdef";
    const char *run = v;

    put_char(s, '"');
    for (; *v; v++) {
        unsigned char c = (unsigned char)*v;
        char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        gdpr_sink__raw(s, run, (size_t)(v - run));
        run = v + 1;
        if (c == '"' || c == '\\') {
            esc[1] = (char)c;
            gdpr_sink__raw(s, esc, 2);
        } else if (c == '\n') {
            gdpr_sink__raw(s, "\\n", 2);
        } else if (c == '\t') {
            gdpr_sink__raw(s, "\\t", 2);
        } else {
            gdpr_sink__raw(s, esc, sizeof esc);
        }
    }
    gdpr_sink__raw(s, run, (size_t)(v - run));
    put_char(s, '"');
}

void
gdpr_sink__string(sink *s, const char *v)
{
    value_start(s);
    if (v == NULL)
        gdpr_sink__raw(s, "null", 4);
    else
        json_escaped(s, v);
}

void
gdpr_sink__int64(sink *s, int64_t v)
{
    char num[24];
    int n = snprintf(num, sizeof num, "%" PRId64, v);

    value_start(s);
    gdpr_sink__raw(s, num, (size_t)n);
}

void
gdpr_sink__bool(sink *s, int v)
{
    value_start(s);
    gdpr_sink__text(s, v ? "true" : "false");
}

void
gdpr_sink__time(sink *s, int64_t t)
{
    char buf[21];

    if (t == 0 || gdpr_calendar__format_instant(t, buf) != GDPR_OK) {
        gdpr_sink__string(s, NULL);
        return;
    }
    gdpr_sink__string(s, buf);
}

void
gdpr_sink__open(sink *s, char bracket)
{
    value_start(s);
    put_char(s, bracket);
    s->comma = 0;
}

void
gdpr_sink__close(sink *s, char bracket)
{
    put_char(s, bracket);
    s->comma = 1;
}

void
gdpr_sink__csv_field(sink *s, const char *v)
{
    if (s->field)
        put_char(s, ',');
    s->field = 1;
    if (v == NULL)
        return;
    if (strpbrk(v, ",\"\r\n") == NULL) {
        gdpr_sink__text(s, v);
        return;
    }
    put_char(s, '"');
    for (const char *q; (q = strchr(v, '"')) != NULL; v = q + 1) {
        gdpr_sink__raw(s, v, (size_t)(q - v) + 1);
        put_char(s, '"');
    }
    gdpr_sink__text(s, v);
    put_char(s, '"');
}

void
gdpr_sink__csv_int64(sink *s, int64_t v)
{
    char num[24];

    snprintf(num, sizeof num, "%" PRId64, v);
    gdpr_sink__csv_field(s, num);
}

void
gdpr_sink__csv_time(sink *s, int64_t t)
{
    char buf[21];

    gdpr_sink__csv_field(s,
                         t != 0 && gdpr_calendar__format_instant(t, buf) == GDPR_OK ? buf : NULL);
}

void
gdpr_sink__csv_end(sink *s)
{
    gdpr_sink__raw(s, "\r\n", 2);
    s->field = 0;
}

int
gdpr_sink__flush(sink *s)
{
    drain(s);
    return s->rc;
}
