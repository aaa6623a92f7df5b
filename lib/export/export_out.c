/*
 * Streaming output for the export: a fixed buffer in front of the host's
 * write callback, JSON with escaping done here as the bytes pass (no value
 * is ever copied whole into an escaped form), and RFC 4180 CSV fields.
 *
 * Why our own JSON escaping rather than SQLite's json_quote() per value:
 * json_quote() builds the whole escaped value in memory, so a 16 MiB value
 * would cost a second 16+ MiB buffer, and it cannot represent bytes that are
 * not UTF-8 (those go out base64 here anyway). Escaping while streaming
 * keeps memory flat; the rules are few (RFC 8259 section 7: quote,
 * backslash and C0 controls must be escaped) and the test suite parses every
 * document with SQLite's JSON parser to hold us to them.
 * SPDX-License-Identifier: MIT
 */
#include "export_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "error.h"
#include "calendar.h"
#include "text.h"

/* Input bytes per base64 chunk: a multiple of 3, so only the last one pads. */
#define B64_CHUNK 3072u

int
gdpr_export__out_init(out_stream *o, gdpr_write_fn write, void *ctx, const char *name, size_t cap)
{
    memset(o, 0, sizeof *o);
    o->write = write;
    o->ctx = ctx;
    snprintf(o->name, sizeof o->name, "%s", name);
    o->buf = malloc(cap);
    if (o->buf == NULL)
        return o->rc = gdpr__err_set(GDPR_ENOMEM, "out of memory for the export buffer");
    o->cap = cap;
    return GDPR_OK;
}

void
gdpr_export__out_free(out_stream *o)
{
    if (o->buf) {
        /* The buffer held decrypted personal data. */
        gdpr_crypto__wipe(o->buf, o->cap);
        free(o->buf);
    }
    o->buf = NULL;
}

static int
hand_over(out_stream *o, const void *data, size_t len)
{
    int ret = o->write(data, len, o->ctx);

    if (ret != 0)
        return o->rc = gdpr__err_set(GDPR_ECALLBACK,
                                     "%s: callback failed (returned %d) after %" PRId64 " bytes",
                                     o->name, ret, o->bytes);
    o->bytes += (int64_t)len;
    return GDPR_OK;
}

int
gdpr_export__out_flush(out_stream *o)
{
    int rc;

    if (o->rc != GDPR_OK || o->used == 0)
        return o->rc;
    rc = hand_over(o, o->buf, o->used);
    o->used = 0;
    return rc;
}

int
gdpr_export__out_put_slow(out_stream *o, const void *data, size_t len)
{
    const char *p = data;

    if (o->rc != GDPR_OK)
        return o->rc;
    while (len > 0) {
        size_t room = o->cap - o->used;
        size_t n = len < room ? len : room;

        memcpy(o->buf + o->used, p, n);
        o->used += n;
        p += n;
        len -= n;
        if (o->used == o->cap && gdpr_export__out_flush(o) != GDPR_OK)
            return o->rc;
    }
    return GDPR_OK;
}

int
gdpr_export__out_puts(out_stream *o, const char *s)
{
    return out_put(o, s, strlen(s));
}

int
gdpr_export__value_is_text(const void *value, size_t len)
{
    size_t bad;

    if (len == 0)
        return 1;
    return memchr(value, '\0', len) == NULL && gdpr__utf8_check(value, len, &bad) == 0;
}

int
gdpr_export__out_base64(out_stream *o, const void *value, size_t len)
{
    char chunk[CRYPTO_BASE64_LEN(B64_CHUNK) + 1];
    const unsigned char *p = value;

    size_t most = 0;

    while (len > 0 && o->rc == GDPR_OK) {
        size_t n = len < B64_CHUNK ? len : B64_CHUNK;
        size_t w = gdpr_crypto__base64_encode(p, n, chunk);
        out_put(o, chunk, w);
        if (w + 1 > most)
            most = w + 1;
        p += n;
        len -= n;
    }
    gdpr_crypto__wipe(chunk, most);
    return o->rc;
}

/* --- JSON -------------------------------------------------------------- */

void
gdpr_export__jo_init(json_out *j, out_stream *o)
{
    memset(j, 0, sizeof *j);
    j->o = o;
}

/* 1 for the bytes a JSON string must escape: C0 controls, quote,
 * backslash (RFC 8259 section 7). */
static const unsigned char must_escape[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
};

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* Whether any of 8 bytes is below 0x20, a quote or a backslash (the
 * classic "has a byte less than n" / "has a zero byte" word tricks). */
static int
word_needs_escape(const unsigned char *p)
{
    uint64_t w, quote, slash;

    memcpy(&w, p, sizeof w);
    quote = w ^ (ONES * '"');
    slash = w ^ (ONES * '\\');
    return ((((w - ONES * 0x20) & ~w) | ((quote - ONES) & ~quote) | ((slash - ONES) & ~slash)) &
            HIGHS) != 0;
}

/* The escaped text of a string (without quotes), streamed: runs of bytes
 * that need no escape go out as they are. */
static int
escape(out_stream *o, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    size_t run = 0;

    for (size_t i = 0; i < len; i++) {
        unsigned char c;
        char esc[7];
        size_t elen = 2;

        /* Eight bytes at a time while none of them needs an escape. */
        while (i + 8 <= len && !word_needs_escape(u + i))
            i += 8;
        if (i >= len)
            break;
        c = u[i];
        if (!must_escape[c])
            continue;
        out_put(o, s + run, i - run);
        run = i + 1;
        esc[0] = '\\';
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 0x0F];
            elen = 6;
            break;
        }
        out_put(o, esc, elen);
    }
    return out_put(o, s + run, len - run);
}

static int
quoted(out_stream *o, const char *s, size_t len)
{
    out_put(o, "\"", 1);
    escape(o, s, len);
    return out_put(o, "\"", 1);
}

/* Spaces for any indent: two per depth. */
static const char json_spaces[2 * JSON_DEPTH_MAX] = "                                ";

/* Comma, new line and indent before an item, and the key if any, as one
 * piece written straight into the buffer (the export writes some 15,000
 * of these per 1,000 records). Keys are constants of this library: no
 * escaping needed. */
static int
item(json_out *j, const char *key)
{
    out_stream *o = j->o;
    size_t klen = key != NULL ? strlen(key) : 0;
    size_t indent = 2u * (size_t)j->depth;
    char lead[2 + 2 * JSON_DEPTH_MAX + 68], *start, *p;

    if (klen > 64)
        klen = 64;
    /* Room for the longest lead: in place, else through `lead`. */
    start = o->rc == 0 && o->cap - o->used >= sizeof lead ? o->buf + o->used : lead;
    p = start;
    if (j->depth > 0) {
        if (j->has_items[j->depth - 1])
            *p++ = ',';
        j->has_items[j->depth - 1] = 1;
    }
    if (j->depth > 0 || o->bytes + (int64_t)o->used > 0)
        *p++ = '\n';
    memcpy(p, json_spaces, sizeof json_spaces); /* whole: a fixed-size copy */
    p += indent;
    if (key != NULL) {
        *p++ = '"';
        memcpy(p, key, klen);
        p += klen;
        memcpy(p, "\": ", 3);
        p += 3;
    }
    if (start == lead)
        return out_put(o, lead, (size_t)(p - lead));
    o->used += (size_t)(p - start);
    return 0;
}

int
gdpr_export__jo_open(json_out *j, const char *key, char bracket)
{
    if (j->depth >= JSON_DEPTH_MAX)
        return j->o->rc = gdpr__err_set(GDPR_EINVAL, "internal: export nested too deep");
    item(j, key);
    out_put(j->o, &bracket, 1);
    j->has_items[j->depth++] = 0;
    return j->o->rc;
}

int
gdpr_export__jo_close(json_out *j, char bracket)
{
    char tail[2 + 2 * JSON_DEPTH_MAX];
    int had = j->has_items[--j->depth];
    size_t n = 0;

    if (had) {
        tail[n++] = '\n';
        memcpy(tail + n, json_spaces, 2u * (size_t)j->depth);
        n += 2u * (size_t)j->depth;
    }
    tail[n++] = bracket;
    return out_put(j->o, tail, n);
}

int
gdpr_export__jo_str(json_out *j, const char *key, const char *text)
{
    item(j, key);
    if (text == NULL)
        return out_put(j->o, "null", 4);
    return quoted(j->o, text, strlen(text));
}

/* Decimal digits of v into the end of buf; returns where they start. */
static char *
decimal(int64_t v, char buf[24])
{
    char *p = buf + 24;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        *--p = '-';
    return p;
}

int
gdpr_export__jo_int(json_out *j, const char *key, int64_t v)
{
    char num[24];
    char *start = decimal(v, num);

    item(j, key);
    return out_put(j->o, start, (size_t)(num + sizeof num - start));
}

int
gdpr_export__jo_bool(json_out *j, const char *key, int v)
{
    item(j, key);
    return v ? out_put(j->o, "true", 4) : out_put(j->o, "false", 5);
}

int
gdpr_export__jo_null(json_out *j, const char *key)
{
    item(j, key);
    return out_put(j->o, "null", 4);
}

int
gdpr_export__jo_time(json_out *j, const char *key, int has, int64_t t)
{
    char buf[23];

    if (!has)
        return gdpr_export__jo_null(j, key);
    if (!j->time_ready || j->time_t_last != t) {
        if (gdpr_calendar__format_instant(t, buf + 1) != 0)
            return gdpr_export__jo_null(j, key);
        /* Digits, '-', ':', 'T' and 'Z' only: nothing to escape. */
        buf[0] = '"';
        buf[21] = '"';
        memcpy(j->time_text, buf, sizeof j->time_text);
        j->time_t_last = t;
        j->time_ready = 1;
    }
    item(j, key);
    return out_put(j->o, j->time_text, sizeof j->time_text);
}

int
gdpr_export__jo_hex(json_out *j, const char *key, const uint8_t *bytes, size_t len)
{
    char hex[2 * 64 + 1];

    if (bytes == NULL || len > 64)
        return gdpr_export__jo_null(j, key);
    gdpr__hex_encode(bytes, len, hex);
    return gdpr_export__jo_str(j, key, hex);
}

int
gdpr_export__jo_value(json_out *j, const void *value, size_t len)
{
    int text;

    if (value == NULL)
        value = ""; /* an empty value may come as NULL */
    text = gdpr_export__value_is_text(value, len);

    gdpr_export__jo_str(j, "encoding", text ? "utf-8" : "base64");
    item(j, "value");
    out_put(j->o, "\"", 1);
    if (text)
        escape(j->o, value, len);
    else
        gdpr_export__out_base64(j->o, value, len);
    return out_put(j->o, "\"", 1);
}

/* --- CSV --------------------------------------------------------------- */

int
gdpr_export__csv_field(out_stream *o, const char *text, size_t len, int last)
{
    if (text != NULL && len > 0 &&
        (memchr(text, ',', len) || memchr(text, '"', len) || memchr(text, '\r', len) ||
         memchr(text, '\n', len))) {
        size_t run = 0;
        out_put(o, "\"", 1);
        for (size_t i = 0; i < len; i++) {
            if (text[i] != '"')
                continue;
            out_put(o, text + run, i + 1 - run); /* through the quote ... */
            run = i;                             /* ... which goes out again */
        }
        out_put(o, text + run, len - run);
        out_put(o, "\"", 1);
    } else if (text != NULL) {
        out_put(o, text, len);
    }
    return last ? out_put(o, "\r\n", 2) : out_put(o, ",", 1);
}

int
gdpr_export__csv_text(out_stream *o, const char *text, int last)
{
    return gdpr_export__csv_field(o, text, text ? strlen(text) : 0, last);
}

int
gdpr_export__csv_time(out_stream *o, int has, int64_t t, int last)
{
    char buf[21];

    if (!has || gdpr_calendar__format_instant(t, buf) != 0)
        return gdpr_export__csv_field(o, NULL, 0, last);
    return gdpr_export__csv_field(o, buf, strlen(buf), last);
}

int
gdpr_export__csv_value(out_stream *o, const void *value, size_t len, int last)
{
    if (value == NULL)
        value = ""; /* an empty value may come as NULL */
    if (gdpr_export__value_is_text(value, len)) {
        gdpr_export__csv_text(o, "utf-8", 0);
        return gdpr_export__csv_field(o, value, len, last);
    }
    gdpr_export__csv_text(o, "base64", 0);
    gdpr_export__out_base64(o, value, len);
    return last ? out_put(o, "\r\n", 2) : out_put(o, ",", 1);
}
