/*
 * test-time.c - gdpr_time_parse / gdpr_time_format: strict ISO 8601 in the
 * policy's time zone (the example policy: Europe/Dublin, GMT in winter and
 * UTC+1 in summer). Expected instants are written out by hand.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "helpers.h"

static th_store ts;

static void
setup(void)
{
    th_setup(&ts);
}

static void
teardown(void)
{
    th_teardown(&ts);
}

/* The UTC text of t (the formatter with no engine writes UTC). */
static const char *
utc(int64_t t)
{
    static char buf[GDPR_TIME_TEXT_MAX];
    th_ok(gdpr_time_format(NULL, t, buf, sizeof buf));
    return buf;
}

static int64_t
parse(gdpr_engine *eng, const char *text, unsigned flags)
{
    int64_t t = 0;
    th_ok(gdpr_time_parse(eng, text, flags, &t));
    return t;
}

START_TEST(test_utc_without_engine)
{
    ck_assert_str_eq(utc(parse(NULL, "2026-03-01", GDPR_TIME_START)), "2026-03-01T00:00:00Z");
    ck_assert_str_eq(utc(parse(NULL, "2026-03-01", GDPR_TIME_END)), "2026-03-01T23:59:59Z");
    ck_assert_int_eq(parse(NULL, "1970-01-01T00:00:00Z", GDPR_TIME_START), 0);
    ck_assert_int_eq(parse(NULL, "2026-01-01T10:00:00Z", GDPR_TIME_START), 1767261600);
    ck_assert_str_eq(utc(parse(NULL, "2026-01-01T10:00:00+02:00", GDPR_TIME_END)),
                     "2026-01-01T08:00:00Z");
    ck_assert_str_eq(utc(parse(NULL, "2026-01-01T10:00:00-05:30", GDPR_TIME_END)),
                     "2026-01-01T15:30:00Z");
    /* a leap day that exists, and the ends of the range */
    ck_assert_str_eq(utc(parse(NULL, "2028-02-29", GDPR_TIME_START)), "2028-02-29T00:00:00Z");
    ck_assert_str_eq(utc(parse(NULL, "0001-01-01", GDPR_TIME_START)), "0001-01-01T00:00:00Z");
    ck_assert_str_eq(utc(parse(NULL, "9999-12-31", GDPR_TIME_END)), "9999-12-31T23:59:59Z");
}
END_TEST

START_TEST(test_policy_zone)
{
    /* summer: Dublin is UTC+1, so the day 2027-06-30 runs 29 Jun 23:00Z .. 30 Jun 22:59:59Z */
    ck_assert_str_eq(utc(parse(ts.eng, "2027-06-30", GDPR_TIME_START)), "2027-06-29T23:00:00Z");
    ck_assert_str_eq(utc(parse(ts.eng, "2027-06-30", GDPR_TIME_END)), "2027-06-30T22:59:59Z");
    ck_assert_str_eq(utc(parse(ts.eng, "2027-06-30T12:00:00", GDPR_TIME_START)),
                     "2027-06-30T11:00:00Z");
    /* winter: GMT */
    ck_assert_str_eq(utc(parse(ts.eng, "2027-01-15", GDPR_TIME_END)), "2027-01-15T23:59:59Z");
    /* an explicit Z or offset wins over the zone */
    ck_assert_str_eq(utc(parse(ts.eng, "2027-06-30T12:00:00Z", GDPR_TIME_START)),
                     "2027-06-30T12:00:00Z");
    /* 2027-03-28 01:30 does not exist in Dublin (01:00 GMT -> 02:00 IST): the
     * offset before the change is used */
    ck_assert_str_eq(utc(parse(ts.eng, "2027-03-28T01:30:00", GDPR_TIME_START)),
                     "2027-03-28T01:30:00Z");
    /* 2027-10-31 01:30 happens twice: the first one (IST) */
    ck_assert_str_eq(utc(parse(ts.eng, "2027-10-31T01:30:00", GDPR_TIME_START)),
                     "2027-10-31T00:30:00Z");
}
END_TEST

START_TEST(test_format_in_zone)
{
    char buf[GDPR_TIME_TEXT_MAX];

    th_ok(gdpr_time_format(ts.eng, parse(NULL, "2027-06-30T22:59:59Z", 0), buf, sizeof buf));
    ck_assert_str_eq(buf, "2027-06-30T23:59:59+01:00");
    th_ok(gdpr_time_format(ts.eng, parse(NULL, "2027-01-15T08:00:00Z", 0), buf, sizeof buf));
    ck_assert_str_eq(buf, "2027-01-15T08:00:00Z");
    /* what format writes, parse reads back to the same instant */
    ck_assert_int_eq(parse(ts.eng, "2027-06-30T23:59:59+01:00", 0),
                     parse(NULL, "2027-06-30T22:59:59Z", 0));
    /* Dublin mean time, -00:25:21 until 1916: rounded to -00:25, the
     * wall clock moved with it, the instant kept (fuzz-timeparse found
     * 0001-01-01 written as 00:00:00-00:25, 21 s off) */
    th_ok(gdpr_time_format(ts.eng, parse(ts.eng, "0001-01-01", GDPR_TIME_START), buf, sizeof buf));
    ck_assert_str_eq(buf, "0001-01-01T00:00:21-00:25");
    ck_assert_int_eq(parse(ts.eng, buf, 0), parse(ts.eng, "0001-01-01", GDPR_TIME_START));
    th_ok(gdpr_time_format(ts.eng, parse(NULL, "1900-06-01T12:00:00Z", 0), buf, sizeof buf));
    ck_assert_str_eq(buf, "1900-06-01T11:35:00-00:25");
}
END_TEST

/* Every text here must be refused with EINVAL, naming the rule, and leave
 * the output alone. */
static const struct {
    const char *text;
    const char *fragment;
} bad_texts[] = {
    {"2026-02-30", "no such day"},
    {"2027-06-31", "no such day"},
    {"2026-02-29", "no such day"},
    {"2027-02-31", "no such day"},
    {"2026-04-31", "no such day"},
    {"2026-13-01", "month 01..12"},
    {"2026-00-10", "month 01..12"},
    {"2026-01-00", "day 01..31"},
    {"2026-01-32", "day 01..31"},
    {"0000-06-01", "year must be 0001..9999"},
    {"2026-1-01", "expected YYYY-MM-DD"},
    {" 2026-01-01", "expected YYYY-MM-DD"},
    {"", "expected YYYY-MM-DD"},
    {"abc", "expected YYYY-MM-DD"},
    {"2026-01-01 ", "expected YYYY-MM-DDTHH:MM:SS"},
    {"2026-01-01t10:00:00Z", "upper-case T"},
    {"2026-01-01T10:00", "expected YYYY-MM-DDTHH:MM:SS"},
    {"2026-01-01T24:00:00Z", "hour must be 00..23"},
    {"2026-01-01T10:60:00Z", "minute and second"},
    {"2026-01-01T10:00:60Z", "minute and second"},
    {"2026-01-01T10:00:00.5Z", "only Z or an offset"},
    {"2026-01-01T10:00:00z", "only Z or an offset"},
    {"2026-01-01T10:00:00 CET", "only Z or an offset"},
    {"2026-01-01T10:00:00+0100", "only Z or an offset"},
    {"2026-01-01T10:00:00+19:00", "between -18:00 and +18:00"},
    {"2026-01-01T10:00:00+01:60", "between -18:00 and +18:00"},
    {"0001-01-01T00:00:00+01:00", "out of range"},
    {"9999-12-31T23:59:59-01:00", "out of range"},
};

START_TEST(test_refused)
{
    for (size_t i = 0; i < sizeof bad_texts / sizeof bad_texts[0]; i++) {
        int64_t t = 42;
        th_assert_err(gdpr_time_parse(ts.eng, bad_texts[i].text, GDPR_TIME_END, &t), GDPR_EINVAL,
                      bad_texts[i].fragment);
        ck_assert_int_eq(t, 42);
        t = 42;
        th_assert_err(gdpr_time_parse(NULL, bad_texts[i].text, GDPR_TIME_START, &t), GDPR_EINVAL,
                      bad_texts[i].fragment);
        ck_assert_int_eq(t, 42);
    }
}
END_TEST

START_TEST(test_bad_arguments)
{
    int64_t t = 42;
    char buf[GDPR_TIME_TEXT_MAX] = "x";
    char small[GDPR_TIME_TEXT_MAX - 1] = "x";

    th_assert_err(gdpr_time_parse(ts.eng, NULL, GDPR_TIME_START, &t), GDPR_EINVAL, "text");
    th_assert_err(gdpr_time_parse(ts.eng, "2026-01-01", GDPR_TIME_START, NULL), GDPR_EINVAL, "out");
    th_assert_err(gdpr_time_parse(ts.eng, "2026-01-01", 7, &t), GDPR_EINVAL, "flags");
    ck_assert_int_eq(t, 42);
    th_assert_err(gdpr_time_format(ts.eng, 0, NULL, 32), GDPR_EINVAL, "buf");
    th_assert_err(gdpr_time_format(ts.eng, 0, small, sizeof small), GDPR_EINVAL,
                  "GDPR_TIME_TEXT_MAX");
    ck_assert_str_eq(small, "");
    /* out of range: the year would be 10000 or 0 */
    th_assert_err(gdpr_time_format(NULL, INT64_C(253402300800), buf, sizeof buf), GDPR_EINVAL,
                  "between years 0001 and 9999");
    ck_assert_str_eq(buf, "");
    th_assert_err(gdpr_time_format(ts.eng, INT64_C(-62135596801), buf, sizeof buf), GDPR_EINVAL,
                  "between years 0001 and 9999");
    th_assert_err(gdpr_time_format(ts.eng, INT64_MIN, buf, sizeof buf), GDPR_EINVAL, "t:");
    /* 9999-12-31T23:30:00Z is already 10000 in Dublin? No: Dublin is GMT in
     * December, so it still formats. */
    th_ok(gdpr_time_format(ts.eng, INT64_C(253402299000), buf, sizeof buf));
    ck_assert_str_eq(buf, "9999-12-31T23:30:00Z");
}
END_TEST

START_TEST(test_no_policy_means_utc)
{
    th_store bare;
    char buf[GDPR_TIME_TEXT_MAX];

    th_setup_bare(&bare);
    ck_assert_str_eq(utc(parse(bare.eng, "2027-06-30", GDPR_TIME_END)), "2027-06-30T23:59:59Z");
    th_ok(gdpr_time_format(bare.eng, parse(NULL, "2027-06-30T12:00:00Z", 0), buf, sizeof buf));
    ck_assert_str_eq(buf, "2027-06-30T12:00:00Z");
    th_teardown(&bare);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("time");
    TCase *tc = tcase_create("time");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_utc_without_engine);
    tcase_add_test(tc, test_policy_zone);
    tcase_add_test(tc, test_format_in_zone);
    tcase_add_test(tc, test_refused);
    tcase_add_test(tc, test_bad_arguments);
    tcase_add_test(tc, test_no_policy_means_utc);
    suite_add_tcase(s, tc);
    return th_run(s);
}
