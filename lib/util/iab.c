/*
 * Decoders of the IAB TCF v2 TC string (core segment) and the GPP string
 * header. The bits are read straight from the base64url characters (6
 * bits each, most significant first), so an error names the bit offset
 * the spec's tables count from. Field widths: docs/signals.md.
 * SPDX-License-Identifier: MIT
 */
#include "iab.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *s; /* the segment's first character */
    size_t bits;   /* 6 * its length */
    size_t pos;    /* next bit */
    int segment;
    iab_error *err;
} bitreader;

static int
b64url_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

static int
fail(iab_error *err, size_t bit, int segment, const char *field, const char *rule)
{
    if (err != NULL) {
        err->bit = bit;
        err->segment = segment;
        err->field = field;
        err->rule = rule;
    }
    return -1;
}

/* Every character of s[0..len) base64url; else -1 naming the first bad one. */
static int
check_chars(const char *s, size_t len, int segment, iab_error *err)
{
    if (len == 0)
        return fail(err, 0, segment, "segment", "is empty");
    for (size_t i = 0; i < len; i++)
        if (b64url_value((unsigned char)s[i]) < 0)
            return fail(err, i * 6, segment, "base64url",
                        "character is not base64url (A-Z a-z 0-9 - _, no padding)");
    return 0;
}

/* Read n (<= 36) bits as an unsigned number; -1 when the segment ends. */
static int
read_bits(bitreader *r, unsigned n, const char *field, uint64_t *out)
{
    uint64_t v = 0;

    if (r->bits - r->pos < n)
        return fail(r->err, r->pos, r->segment, field, "the string ends inside this field");
    for (unsigned i = 0; i < n; i++, r->pos++) {
        int c = b64url_value((unsigned char)r->s[r->pos / 6]);
        v = (v << 1) | (uint64_t)((c >> (5 - r->pos % 6)) & 1);
    }
    *out = v;
    return 0;
}

static int
read_int(bitreader *r, unsigned n, const char *field, int *out)
{
    uint64_t v;

    if (read_bits(r, n, field, &v) != 0)
        return -1;
    *out = (int)v;
    return 0;
}

/* What follows the last field is padding: every bit 0. Else -1 naming the
 * first bit set. */
static int
rest_zero(bitreader *r, const char *field, const char *rule)
{
    while (r->pos < r->bits) {
        int c = b64url_value((unsigned char)r->s[r->pos / 6]);
        if ((c >> (5 - r->pos % 6)) & 1)
            return fail(r->err, r->pos, r->segment, field, rule);
        r->pos++;
    }
    return 0;
}

/* Two letters of 6 bits each, a=0 .. z=25. */
static int
read_letters(bitreader *r, const char *field, char out[3])
{
    size_t at = r->pos;
    uint64_t v;

    if (read_bits(r, 12, field, &v) != 0)
        return -1;
    for (int i = 0; i < 2; i++) {
        unsigned c = (unsigned)(v >> (6 * (1 - i))) & 63u;
        if (c > 25)
            return fail(r->err, at + 6u * (unsigned)i, r->segment, field,
                        "is not a letter (6 bits, a=0 .. z=25)");
        out[i] = (char)('A' + c);
    }
    out[2] = '\0';
    return 0;
}

static void
idset_free(iab_idset *s)
{
    free(s->bits);
    s->bits = NULL;
    s->max = 0;
}

static void
idset_set(iab_idset *s, int id)
{
    s->bits[(id - 1) / 8] |= (unsigned char)(1u << ((id - 1) % 8));
}

/* Ids start..end: whole bytes at once, so a string of 4095 ranges of
 * 65535 ids each costs memsets of 8 KiB, not 268 million bit steps. */
static void
idset_set_range(iab_idset *s, int start, int end)
{
    int id = start;

    while (id <= end && (id - 1) % 8 != 0)
        idset_set(s, id++);
    if (end - id + 1 >= 8) {
        int bytes = (end - id + 1) / 8;
        memset(s->bits + (id - 1) / 8, 0xff, (size_t)bytes);
        id += bytes * 8;
    }
    while (id <= end)
        idset_set(s, id++);
}

int
gdpr_iab__idset_has(const iab_idset *s, int id)
{
    if (s == NULL || s->bits == NULL || id < 1 || id > s->max)
        return 0;
    return (s->bits[(id - 1) / 8] >> ((id - 1) % 8)) & 1;
}

int
gdpr_iab__idset_count(const iab_idset *s)
{
    int n = 0;

    for (int id = 1; s != NULL && id <= s->max; id++)
        n += gdpr_iab__idset_has(s, id);
    return n;
}

/* A vendor section: MaxVendorId(16), IsRangeEncoding(1), then a bitfield
 * of MaxVendorId bits or NumEntries(12) entries of IsARange(1),
 * StartOrOnlyVendorId(16) [, EndVendorId(16)], every id within 1..Max. */
static int
read_vendors(bitreader *r, iab_idset *s, const char *max_field, const char *entry_field)
{
    int max, range, entries;

    memset(s, 0, sizeof *s);
    if (read_int(r, 16, max_field, &max) != 0 || read_int(r, 1, "IsRangeEncoding", &range) != 0)
        return -1;
    s->max = max;
    s->range_encoded = range;
    if (max > 0) {
        s->bits = calloc(((size_t)max + 7) / 8, 1);
        if (s->bits == NULL)
            return fail(r->err, r->pos, r->segment, max_field, "out of memory for the vendor set");
    }
    if (!range) {
        for (int id = 1; id <= max; id++) {
            int bit;
            if (read_int(r, 1, entry_field, &bit) != 0)
                goto bad;
            if (bit)
                idset_set(s, id);
        }
        return 0;
    }
    if (read_int(r, 12, "NumEntries", &entries) != 0)
        goto bad;
    for (int e = 0; e < entries; e++) {
        int is_range, start, end;
        size_t at;
        if (read_int(r, 1, "IsARange", &is_range) != 0)
            goto bad;
        at = r->pos;
        if (read_int(r, 16, "StartOrOnlyVendorId", &start) != 0)
            goto bad;
        end = start;
        if (is_range && read_int(r, 16, "EndVendorId", &end) != 0)
            goto bad;
        if (start < 1 || start > max) {
            fail(r->err, at, r->segment, "StartOrOnlyVendorId", "is 0 or above MaxVendorId");
            goto bad;
        }
        if (end < start || end > max) {
            fail(r->err, at + 16, r->segment, "EndVendorId",
                 "is below StartOrOnlyVendorId or above MaxVendorId");
            goto bad;
        }
        idset_set_range(s, start, end);
    }
    return 0;
bad:
    idset_free(s);
    return -1;
}

/* NumPubRestrictions(12), each PurposeId(6), RestrictionType(2) and a
 * range section NumEntries(12) of IsARange(1) Start(16) [End(16)]. */
static int
read_restrictions(bitreader *r, int *count)
{
    if (read_int(r, 12, "NumPubRestrictions", count) != 0)
        return -1;
    for (int i = 0; i < *count; i++) {
        int purpose, type, entries;
        size_t at = r->pos;
        if (read_int(r, 6, "PurposeId", &purpose) != 0)
            return -1;
        if (purpose < 1)
            return fail(r->err, at, r->segment, "PurposeId", "is 0 (purposes start at 1)");
        at = r->pos;
        if (read_int(r, 2, "RestrictionType", &type) != 0)
            return -1;
        if (type == 3)
            return fail(r->err, at, r->segment, "RestrictionType", "is 3 (undefined)");
        if (read_int(r, 12, "NumEntries", &entries) != 0)
            return -1;
        for (int e = 0; e < entries; e++) {
            int is_range, start, end;
            if (read_int(r, 1, "IsARange", &is_range) != 0)
                return -1;
            at = r->pos;
            if (read_int(r, 16, "StartOrOnlyVendorId", &start) != 0)
                return -1;
            end = start;
            if (is_range && read_int(r, 16, "EndVendorId", &end) != 0)
                return -1;
            if (start < 1)
                return fail(r->err, at, r->segment, "StartOrOnlyVendorId",
                            "is 0 (vendor ids start at 1)");
            if (end < start)
                return fail(r->err, at + 16, r->segment, "EndVendorId",
                            "is below StartOrOnlyVendorId");
        }
    }
    return 0;
}

static int
read_core(bitreader *r, iab_tcf *t)
{
    uint64_t v;
    size_t at = r->pos;

    if (read_int(r, 6, "Version", &t->version) != 0)
        return -1;
    if (t->version != 2)
        return fail(r->err, at, r->segment, "Version", "is not 2 (only TCF v2 strings are read)");
    if (read_bits(r, 36, "Created", &v) != 0)
        return -1;
    t->created = (int64_t)v;
    if (read_bits(r, 36, "LastUpdated", &v) != 0)
        return -1;
    t->last_updated = (int64_t)v;
    if (read_int(r, 12, "CmpId", &t->cmp_id) != 0 ||
        read_int(r, 12, "CmpVersion", &t->cmp_version) != 0 ||
        read_int(r, 6, "ConsentScreen", &t->consent_screen) != 0 ||
        read_letters(r, "ConsentLanguage", t->consent_language) != 0 ||
        read_int(r, 12, "VendorListVersion", &t->vendor_list_version) != 0 ||
        read_int(r, 6, "TcfPolicyVersion", &t->policy_version) != 0 ||
        read_int(r, 1, "IsServiceSpecific", &t->service_specific) != 0 ||
        read_int(r, 1, "UseNonStandardTexts", &t->non_standard_stacks) != 0)
        return -1;
    if (read_bits(r, 12, "SpecialFeatureOptIns", &v) != 0)
        return -1;
    /* Left to right: the first bit is feature 1; kept as bit 0. */
    for (int i = 0; i < 12; i++)
        t->special_features |= (uint32_t)((v >> (11 - i)) & 1u) << i;
    if (read_bits(r, 24, "PurposesConsent", &v) != 0)
        return -1;
    for (int i = 0; i < 24; i++)
        t->purposes_consent |= (uint32_t)((v >> (23 - i)) & 1u) << i;
    if (read_bits(r, 24, "PurposesLITransparency", &v) != 0)
        return -1;
    for (int i = 0; i < 24; i++)
        t->purposes_li |= (uint32_t)((v >> (23 - i)) & 1u) << i;
    if (read_int(r, 1, "PurposeOneTreatment", &t->purpose_one_treatment) != 0 ||
        read_letters(r, "PublisherCC", t->publisher_cc) != 0)
        return -1;
    if (t->last_updated < t->created)
        return fail(r->err, 42, r->segment, "LastUpdated", "is before Created");
    if (read_vendors(r, &t->vendor_consents, "MaxVendorId", "VendorConsent") != 0)
        return -1;
    if (read_vendors(r, &t->vendor_li, "MaxVendorId (legitimate interest)", "VendorLI") != 0 ||
        read_restrictions(r, &t->pub_restrictions) != 0) {
        idset_free(&t->vendor_consents);
        idset_free(&t->vendor_li);
        return -1;
    }
    /* What is left is padding (some CMPs pad more than to a whole
     * character): zeros only. */
    if (rest_zero(r, "core segment",
                  "has data after NumPubRestrictions (a bit set in the padding)") != 0) {
        idset_free(&t->vendor_consents);
        idset_free(&t->vendor_li);
        return -1;
    }
    return 0;
}

int
gdpr_iab__tcf_decode(const char *text, iab_tcf *out, iab_error *err)
{
    const char *seg, *dot;
    size_t len, total;
    bitreader r;
    unsigned seen;
    int segment = 0;

    memset(out, 0, sizeof *out);
    if (text == NULL)
        return fail(err, 0, 0, "TC string", "is missing");
    total = strnlen(text, IAB_TEXT_MAX + 1);
    if (total > IAB_TEXT_MAX)
        return fail(err, 0, 0, "TC string", "is longer than 65536 characters");
    dot = memchr(text, '.', total);
    len = dot ? (size_t)(dot - text) : total;
    if (check_chars(text, len, 0, err) != 0)
        return -1;
    memset(&r, 0, sizeof r);
    r.s = text;
    r.bits = len * 6;
    r.err = err;
    if (read_core(&r, out) != 0) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    /* Optional segments: each begins with SegmentType(3): 1 disclosed
     * vendors, 2 allowed vendors, 3 publisher TC; none twice. */
    seg = dot;
    seen = 0;
    while (seg != NULL) {
        const char *start = seg + 1;
        const char *next = memchr(start, '.', total - (size_t)(start - text));
        size_t n = next ? (size_t)(next - start) : total - (size_t)(start - text);
        int type;
        segment++;
        if (check_chars(start, n, segment, err) != 0)
            goto bad;
        r.s = start;
        r.bits = n * 6;
        r.pos = 0;
        r.segment = segment;
        if (read_int(&r, 3, "SegmentType", &type) != 0)
            goto bad;
        if (type < 1 || type > 3) {
            fail(err, 0, segment, "SegmentType", "is not 1, 2 or 3");
            goto bad;
        }
        if (seen & (1u << type)) {
            fail(err, 0, segment, "SegmentType", "appears twice");
            goto bad;
        }
        seen |= 1u << type;
        out->segments = segment;
        seg = next;
    }
    return 0;
bad:
    gdpr_iab__tcf_free(out);
    return -1;
}

void
gdpr_iab__tcf_free(iab_tcf *t)
{
    if (t == NULL)
        return;
    idset_free(&t->vendor_consents);
    idset_free(&t->vendor_li);
    memset(t, 0, sizeof *t);
}

/* --- GPP ---------------------------------------------------------------- */

/* A Fibonacci code word: bits weigh 1, 2, 3, 5, 8 ... until two 1s in a
 * row end it. Values above 2^20 are refused (no section id is near). */
static int
read_fib(bitreader *r, const char *field, int *out)
{
    int64_t a = 1, b = 2, sum = 0;
    int prev = 0;
    size_t at = r->pos;

    for (;;) {
        int bit;
        if (read_int(r, 1, field, &bit) != 0)
            return -1;
        if (bit && prev) {
            *out = (int)sum;
            return 0;
        }
        if (bit)
            sum += a;
        prev = bit;
        b = a + b;
        a = b - a;
        if (sum > (1 << 20) || a > ((int64_t)1 << 40))
            return fail(r->err, at, r->segment, field,
                        "Fibonacci code word too long (value above 2^20)");
    }
}

static int
read_gpp_header(bitreader *r, iab_gpp *g)
{
    int entries, last = 0;
    size_t at = r->pos;

    if (read_int(r, 6, "Type", &g->type) != 0)
        return -1;
    if (g->type != 3)
        return fail(r->err, at, 0, "Type", "is not 3 (the GPP header)");
    at = r->pos;
    if (read_int(r, 6, "Version", &g->version) != 0)
        return -1;
    if (g->version != 1)
        return fail(r->err, at, 0, "Version", "is not 1 (the GPP version read here)");
    at = r->pos;
    if (read_int(r, 12, "Sections", &entries) != 0)
        return -1;
    if (entries == 0)
        return fail(r->err, at, 0, "Sections", "lists no section");
    for (int e = 0; e < entries; e++) {
        int group, offset, length = 0;
        if (read_int(r, 1, "Sections", &group) != 0)
            return -1;
        at = r->pos;
        if (read_fib(r, "Sections", &offset) != 0)
            return -1;
        if (group && read_fib(r, "Sections", &length) != 0)
            return -1;
        if (offset < 1)
            return fail(r->err, at, 0, "Sections", "offset 0: section ids must ascend");
        for (int id = last + offset; id <= last + offset + length; id++) {
            if (g->count == IAB_GPP_SECTIONS_MAX)
                return fail(r->err, at, 0, "Sections", "lists more than 64 sections");
            g->ids[g->count++] = id;
        }
        last += offset + length;
    }
    return rest_zero(r, "header", "has data after the section ids (a bit set in the padding)");
}

/* URL-safe characters a section may hold (not '~'). */
static int
section_char(unsigned char c)
{
    return b64url_value(c) >= 0 || c == '.';
}

int
gdpr_iab__gpp_decode(const char *text, iab_gpp *out, iab_error *err)
{
    const char *p, *tilde;
    size_t len, total;
    bitreader r;

    memset(out, 0, sizeof *out);
    if (text == NULL)
        return fail(err, 0, 0, "GPP string", "is missing");
    total = strnlen(text, IAB_TEXT_MAX + 1);
    if (total > IAB_TEXT_MAX)
        return fail(err, 0, 0, "GPP string", "is longer than 65536 characters");
    tilde = memchr(text, '~', total);
    len = tilde ? (size_t)(tilde - text) : total;
    if (check_chars(text, len, 0, err) != 0)
        return -1;
    memset(&r, 0, sizeof r);
    r.s = text;
    r.bits = len * 6;
    r.err = err;
    if (read_gpp_header(&r, out) != 0)
        goto bad;
    p = tilde;
    for (int i = 0; i < out->count; i++) {
        const char *start, *next;
        size_t n;
        if (p == NULL) {
            fail(err, 0, i + 1, "section", "is missing: the header lists more sections");
            goto bad;
        }
        start = p + 1;
        next = memchr(start, '~', total - (size_t)(start - text));
        n = next ? (size_t)(next - start) : total - (size_t)(start - text);
        if (n == 0) {
            fail(err, 0, i + 1, "section", "is empty");
            goto bad;
        }
        for (size_t k = 0; k < n; k++)
            if (!section_char((unsigned char)start[k])) {
                fail(err, k * 6, i + 1, "section", "character is not URL-safe");
                goto bad;
            }
        out->section[i] = start;
        out->section_len[i] = n;
        p = next;
    }
    if (p != NULL) {
        fail(err, 0, out->count + 1, "section", "is not listed in the header");
        goto bad;
    }
    return 0;
bad:
    memset(out, 0, sizeof *out);
    return -1;
}
