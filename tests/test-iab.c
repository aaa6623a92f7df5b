/*
 * The IAB string decoders (lib/util/iab.c) against published examples
 * with their decoded values (sources in docs/signals.md), and bad strings
 * refused at the bit that is wrong.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "iab.h"

/* TCF v2 spec ("Consent string and vendor list formats v2", TC String
 * Format): the service-specific example; decoded values as published with
 * the GDPR::IAB::TCFv2 parser's documentation. */
static const char tcf_service[] =
    "CLcVDxRMWfGmWAVAHCENAXCkAKDAADnAABRgA5mdfCKZuYJez-NQm0TBMYA4oCAAGQ"
    "YIAAAAAAEAIAEgAA.argAC0gAAAAAAAAAAAA";
/* TCF v2 spec: the globally-scoped example with all four segments. */
static const char tcf_global[] = "COw4XqLOw4XqLAAAAAENAXCAAAAAAAAAAAAAAAAAAAAA."
                                 "IFukWSQgAIQwgI0QEByFAAAAeIAACAIgSAAQAIAgEQACEABAAAg"
                                 "AQFAEAIAAAGBAAgAAAAQAIFAAMCQAAgAAQiRAEQAAAAANAAIAAggAIYQFAAARmggB"
                                 "C3ZCYzU2yIA.QFukWSQgAIQwgI0QEBy"
                                 "FAAAAeIAACAIgSAAQAIAgEQACEABAAAgAQFAEAIAAAGBAAgAAAAQAIFAAMCQAAgAA"
                                 "QiRAEQAAAAANAAIAAggAIYQFAAARmggB"
                                 "C3ZCYzU2yIA.YAAAAAAAAAAAAAAAAAA";
/* The IAB Tech Lab's @iabtcf/cli README (InteractiveAdvertisingBureau/
 * iabtcf-es, modules/cli/README.md): the decoded example. */
static const char tcf_cli[] = "COrVd1pOrVd1pACABCENAHCAAAAAAAAAAAiQAAAAAAAA";

START_TEST(tcf_service_specific_example)
{
    iab_tcf t;
    iab_error e;
    static const int consented[] = {1, 3, 9, 10};

    ck_assert_int_eq(gdpr_iab__tcf_decode(tcf_service, &t, &e), 0);
    ck_assert_int_eq(t.version, 2);
    ck_assert_int_eq(t.created / 10, 1228644257);
    ck_assert_int_eq(t.last_updated / 10, 1326215413);
    ck_assert_int_eq(t.cmp_id, 21);
    ck_assert_int_eq(t.cmp_version, 7);
    ck_assert_int_eq(t.consent_screen, 2);
    ck_assert_str_eq(t.consent_language, "EN");
    ck_assert_int_eq(t.vendor_list_version, 23);
    for (size_t i = 0; i < sizeof consented / sizeof consented[0]; i++)
        ck_assert_uint_ne(t.purposes_consent & (1u << (consented[i] - 1)), 0);
    /* The published example asks "vendor_consent(284)?" conditionally;
     * this string's vendor section ends at MaxVendorId 115 (bitfield). */
    ck_assert_int_eq(t.vendor_consents.max, 115);
    ck_assert_int_eq(t.vendor_consents.range_encoded, 0);
    ck_assert(!gdpr_iab__idset_has(&t.vendor_consents, 284));
    ck_assert_uint_eq(t.purposes_consent, (1u << 0) | (1u << 2) | (1u << 8) | (1u << 9));
    ck_assert_int_eq(t.segments, 1);
    gdpr_iab__tcf_free(&t);
}
END_TEST

START_TEST(tcf_cli_example)
{
    iab_tcf t;

    ck_assert_int_eq(gdpr_iab__tcf_decode(tcf_cli, &t, NULL), 0);
    ck_assert_int_eq(t.version, 2);
    ck_assert_int_eq(t.cmp_id, 2);
    ck_assert_int_eq(t.cmp_version, 1);
    ck_assert_int_eq(t.consent_screen, 2);
    ck_assert_str_eq(t.consent_language, "EN");
    /* Mon Dec 09 2019 18:01:46 GMT-0800 = 2019-12-10T02:01:46Z */
    ck_assert_int_eq(t.created / 10, 1575943306);
    ck_assert_int_eq(t.last_updated / 10, 1575943306);
    ck_assert_int_eq(t.policy_version, 2);
    ck_assert_int_eq(t.service_specific, 0);
    ck_assert_int_eq(t.non_standard_stacks, 0);
    ck_assert_int_eq(t.purpose_one_treatment, 0);
    ck_assert_str_eq(t.publisher_cc, "ES");
    ck_assert_int_eq(t.vendor_list_version, 7);
    ck_assert_uint_eq(t.purposes_consent, 0);
    ck_assert_uint_eq(t.purposes_li, 0);
    ck_assert_uint_eq(t.special_features, 0);
    ck_assert_int_eq(gdpr_iab__idset_count(&t.vendor_consents), 0);
    ck_assert_int_eq(t.segments, 0);
    gdpr_iab__tcf_free(&t);
}
END_TEST

START_TEST(tcf_global_example_four_segments)
{
    iab_tcf t;

    ck_assert_int_eq(gdpr_iab__tcf_decode(tcf_global, &t, NULL), 0);
    ck_assert_int_eq(t.version, 2);
    ck_assert_int_eq(t.segments, 3);
    ck_assert_str_eq(t.consent_language, "EN");
    gdpr_iab__tcf_free(&t);
}
END_TEST

/* Encode fields into a bit string, then base64url: the tests build the
 * strings whose bad field they then expect to be named. */
typedef struct {
    char bits[200000];
    size_t n;
} bitbuf;

static void
put(bitbuf *b, uint64_t v, unsigned width)
{
    for (unsigned i = 0; i < width; i++)
        b->bits[b->n++] = (char)('0' + ((v >> (width - 1 - i)) & 1));
}

static char *
encode(const bitbuf *b)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t chars = (b->n + 5) / 6;
    char *out = calloc(chars + 1, 1);

    ck_assert_ptr_nonnull(out);
    for (size_t c = 0; c < chars; c++) {
        unsigned v = 0;
        for (size_t i = 0; i < 6; i++) {
            size_t k = c * 6 + i;
            v = (v << 1) | (k < b->n && b->bits[k] == '1');
        }
        out[c] = al[v];
    }
    return out;
}

/* A core segment up to PublisherCC: 213 bits. */
static void
core_head(bitbuf *b, unsigned language0)
{
    put(b, 2, 6);
    put(b, 16000000000ull, 36);
    put(b, 16000000100ull, 36);
    put(b, 300, 12);
    put(b, 5, 12);
    put(b, 1, 6);
    put(b, language0, 6); /* D=3 for "DE" */
    put(b, 4, 6);
    put(b, 150, 12);
    put(b, 4, 6); /* TCF v2.2 */
    put(b, 1, 1);
    put(b, 0, 1);
    put(b, 0x800, 12);    /* special feature 1 */
    put(b, 0xC00001, 24); /* purposes 1, 2, 24 */
    put(b, 0x200000, 24); /* LI purpose 3 */
    put(b, 0, 1);
    put(b, 3, 6);
    put(b, 4, 6); /* DE */
}

START_TEST(tcf_built_range_and_bitfield)
{
    bitbuf b = {.n = 0};
    iab_tcf t;
    char *s;

    core_head(&b, 3);
    ck_assert_uint_eq(b.n, 213);
    put(&b, 700, 16); /* MaxVendorId */
    put(&b, 1, 1);    /* range */
    put(&b, 2, 12);
    put(&b, 0, 1);
    put(&b, 7, 16);
    put(&b, 1, 1);
    put(&b, 600, 16);
    put(&b, 700, 16);
    put(&b, 3, 16); /* LI: bitfield of 3 */
    put(&b, 0, 1);
    put(&b, 5, 3); /* vendors 1 and 3 */
    put(&b, 0, 12);
    s = encode(&b);
    ck_assert_int_eq(gdpr_iab__tcf_decode(s, &t, NULL), 0);
    ck_assert_str_eq(t.consent_language, "DE");
    ck_assert_str_eq(t.publisher_cc, "DE");
    ck_assert_int_eq(t.cmp_id, 300);
    ck_assert_int_eq(t.policy_version, 4);
    ck_assert_int_eq(t.service_specific, 1);
    ck_assert_uint_eq(t.special_features, 1u);
    ck_assert_uint_eq(t.purposes_consent, 1u | 2u | (1u << 23));
    ck_assert_uint_eq(t.purposes_li, 1u << 2);
    ck_assert_int_eq(t.vendor_consents.range_encoded, 1);
    ck_assert_int_eq(gdpr_iab__idset_count(&t.vendor_consents), 102);
    ck_assert(gdpr_iab__idset_has(&t.vendor_consents, 7));
    ck_assert(!gdpr_iab__idset_has(&t.vendor_consents, 8));
    ck_assert(gdpr_iab__idset_has(&t.vendor_consents, 650));
    ck_assert(gdpr_iab__idset_has(&t.vendor_li, 3));
    ck_assert(!gdpr_iab__idset_has(&t.vendor_li, 2));
    gdpr_iab__tcf_free(&t);
    free(s);
}
END_TEST

/* Ranges fill whole bytes at once: boundaries right, and the worst a
 * string can ask (4095 ranges of every id) stays cheap. */
START_TEST(tcf_ranges_at_byte_boundaries_and_worst_case)
{
    static bitbuf b;
    iab_tcf t;
    char *s;

    b.n = 0;
    core_head(&b, 3);
    put(&b, 40, 16);
    put(&b, 1, 1);
    put(&b, 3, 12);
    put(&b, 1, 1);
    put(&b, 3, 16);
    put(&b, 17, 16);
    put(&b, 1, 1);
    put(&b, 24, 16);
    put(&b, 33, 16);
    put(&b, 0, 1);
    put(&b, 40, 16);
    put(&b, 0, 16 + 1 + 12);
    s = encode(&b);
    ck_assert_int_eq(gdpr_iab__tcf_decode(s, &t, NULL), 0);
    for (int id = 1; id <= 40; id++)
        ck_assert_int_eq(gdpr_iab__idset_has(&t.vendor_consents, id),
                         (id >= 3 && id <= 17) || (id >= 24 && id <= 33) || id == 40);
    ck_assert_int_eq(gdpr_iab__idset_count(&t.vendor_consents), 15 + 10 + 1);
    gdpr_iab__tcf_free(&t);
    free(s);

    b.n = 0;
    core_head(&b, 3);
    put(&b, 65535, 16);
    put(&b, 1, 1);
    put(&b, 4095, 12);
    for (int e = 0; e < 4095; e++) {
        put(&b, 1, 1);
        put(&b, 1, 16);
        put(&b, 65535, 16);
    }
    put(&b, 0, 16 + 1 + 12);
    s = encode(&b);
    ck_assert_int_eq(gdpr_iab__tcf_decode(s, &t, NULL), 0);
    ck_assert_int_eq(gdpr_iab__idset_count(&t.vendor_consents), 65535);
    gdpr_iab__tcf_free(&t);
    free(s);
}
END_TEST

static void
expect_tcf_error(const bitbuf *b, size_t bit, const char *field)
{
    char *s = encode(b);
    iab_tcf t;
    iab_error e;

    memset(&e, 0, sizeof e);
    ck_assert_int_eq(gdpr_iab__tcf_decode(s, &t, &e), -1);
    ck_assert_msg(e.bit == bit && strcmp(e.field, field) == 0, "got bit %zu field %s (%s)", e.bit,
                  e.field, e.rule);
    ck_assert_ptr_null(t.vendor_consents.bits);
    free(s);
}

START_TEST(tcf_bad_fields_named_by_bit)
{
    bitbuf b = {.n = 0};

    put(&b, 1, 6);
    put(&b, 0, 30);
    expect_tcf_error(&b, 0, "Version");
    b.n = 0;
    core_head(&b, 30); /* not a letter */
    put(&b, 0, 16 + 1 + 16 + 1 + 12);
    expect_tcf_error(&b, 108, "ConsentLanguage");
    b.n = 0;
    core_head(&b, 3);
    put(&b, 10, 16);
    put(&b, 1, 1);
    put(&b, 1, 12);
    put(&b, 0, 1);
    put(&b, 11, 16); /* above MaxVendorId */
    put(&b, 0, 16 + 1 + 12);
    expect_tcf_error(&b, 213 + 16 + 1 + 12 + 1, "StartOrOnlyVendorId");
    b.n = 0;
    core_head(&b, 3);
    put(&b, 40, 16);
    put(&b, 0, 1);
    put(&b, 0, 10); /* bitfield cut short */
    expect_tcf_error(&b, 213 + 16 + 1 + 10, "VendorConsent");
    {
        iab_tcf t;
        iab_error e;
        ck_assert_int_eq(gdpr_iab__tcf_decode("CO!rVd1p", &t, &e), -1);
        ck_assert_uint_eq(e.bit, 12);
        ck_assert_str_eq(e.field, "base64url");
        ck_assert_int_eq(gdpr_iab__tcf_decode("", &t, &e), -1);
        ck_assert_int_eq(gdpr_iab__tcf_decode(NULL, &t, &e), -1);
        ck_assert_int_eq(
            gdpr_iab__tcf_decode("COrVd1pOrVd1pACABCENAHCAAAAAAAAAAAiQAAAAAAAA.", &t, &e), -1);
        ck_assert_int_eq(e.segment, 1);
        ck_assert_int_eq(
            gdpr_iab__tcf_decode("COrVd1pOrVd1pACABCENAHCAAAAAAAAAAAiQAAAAAAAB", &t, &e), -1);
        ck_assert_str_eq(e.field, "core segment");
    }
}
END_TEST

/* GPP "Consent String Specification", Header Examples 1-3. */
START_TEST(gpp_header_examples)
{
    iab_gpp g;
    iab_error e;
    char s[64];

    ck_assert_int_eq(
        gdpr_iab__gpp_decode("DBABM~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA", &g, &e), 0);
    ck_assert_int_eq(g.type, 3);
    ck_assert_int_eq(g.version, 1);
    ck_assert_int_eq(g.count, 1);
    ck_assert_int_eq(g.ids[0], IAB_GPP_TCFEUV2);
    ck_assert_uint_eq(g.section_len[0], 44);
    snprintf(s, sizeof s, "%s", "DBACNY~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA~1YNN");
    ck_assert_int_eq(gdpr_iab__gpp_decode(s, &g, &e), 0);
    ck_assert_int_eq(g.count, 2);
    ck_assert_int_eq(g.ids[0], 2);
    ck_assert_int_eq(g.ids[1], 6);
    ck_assert_uint_eq(g.section_len[1], 4);
    ck_assert_int_eq(memcmp(g.section[1], "1YNN", 4), 0);
    ck_assert_int_eq(gdpr_iab__gpp_decode("DBABjw~CAAAAAAAAAA.QA~1---", &g, &e), 0);
    ck_assert_int_eq(g.count, 2);
    ck_assert_int_eq(g.ids[0], 5);
    ck_assert_int_eq(g.ids[1], 6);
    /* The older padding seen in CMPs' output: a further zero character. */
    ck_assert_int_eq(gdpr_iab__gpp_decode("DBACNYA~CAAAAAAAAAA~1---", &g, &e), 0);
    ck_assert_int_eq(g.ids[1], 6);
}
END_TEST

START_TEST(gpp_bad_strings)
{
    iab_gpp g;
    iab_error e;

    ck_assert_int_eq(gdpr_iab__gpp_decode("DBABM", &g, &e), -1);
    ck_assert_int_eq(e.segment, 1);
    ck_assert_str_eq(e.field, "section");
    ck_assert_int_eq(gdpr_iab__gpp_decode("DBABM~AA~BB", &g, &e), -1);
    ck_assert_int_eq(e.segment, 2);
    ck_assert_int_eq(gdpr_iab__gpp_decode("CBABM~AA", &g, &e), -1);
    ck_assert_uint_eq(e.bit, 0);
    ck_assert_str_eq(e.field, "Type");
    ck_assert_int_eq(gdpr_iab__gpp_decode("DCABM~AA", &g, &e), -1);
    ck_assert_uint_eq(e.bit, 6);
    ck_assert_str_eq(e.field, "Version");
    ck_assert_int_eq(gdpr_iab__gpp_decode("DBAAA~AA", &g, &e), -1);
    ck_assert_uint_eq(e.bit, 12);
    ck_assert_str_eq(e.field, "Sections");
    ck_assert_int_eq(gdpr_iab__gpp_decode("DBAB~AA", &g, &e), -1);
    ck_assert_str_eq(e.field, "Sections");
    ck_assert_int_eq(gdpr_iab__gpp_decode("DBABM~A A", &g, &e), -1);
    ck_assert_uint_eq(e.bit, 6);
    ck_assert_int_eq(gdpr_iab__gpp_decode("DBABM~", &g, &e), -1);
    ck_assert_int_eq(gdpr_iab__gpp_decode("DBABN~AA", &g, &e), -1);
    ck_assert_str_eq(e.field, "header");
    ck_assert_int_eq(gdpr_iab__gpp_decode("D$ABM~AA", &g, &e), -1);
    ck_assert_uint_eq(e.bit, 6);
    ck_assert_int_eq(gdpr_iab__gpp_decode(NULL, &g, &e), -1);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("iab");
    TCase *tc = tcase_create("tcf");
    TCase *gp = tcase_create("gpp");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, tcf_service_specific_example);
    tcase_add_test(tc, tcf_cli_example);
    tcase_add_test(tc, tcf_global_example_four_segments);
    tcase_add_test(tc, tcf_built_range_and_bitfield);
    tcase_add_test(tc, tcf_ranges_at_byte_boundaries_and_worst_case);
    tcase_add_test(tc, tcf_bad_fields_named_by_bit);
    suite_add_tcase(s, tc);
    tcase_add_test(gp, gpp_header_examples);
    tcase_add_test(gp, gpp_bad_strings);
    suite_add_tcase(s, gp);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
