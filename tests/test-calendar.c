/*
 * test-calendar.c - durations, civil dates, time zones and deadlines.
 *
 * Expected values are written out as literal dates worked out by hand (and
 * checked against a calendar), never recomputed with the code under test.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* setenv, mkdtemp for the TZDIR tests */
#endif

#include "calendar.h"

#include <check.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

/* An instant from "YYYY-MM-DDTHH:MM:SSZ"; the parser has its own tests. */
static int64_t
at(const char *iso)
{
    int64_t t = 0;
    ck_assert_msg(gdpr_calendar__parse_instant(iso, &t) == 0, "bad instant literal %s", iso);
    return t;
}

static int64_t
day_of(const char *iso)
{
    int64_t d = 0;
    ck_assert_msg(gdpr_calendar__parse_date(iso, &d) == 0, "bad date literal %s", iso);
    return d;
}

static void
assert_instant(int64_t t, const char *expected)
{
    char buf[21];
    ck_assert_int_eq(gdpr_calendar__format_instant(t, buf), 0);
    ck_assert_str_eq(buf, expected);
}

static void
assert_date(int64_t days, const char *expected)
{
    char buf[11];
    ck_assert_int_eq(gdpr_calendar__format_date(days, buf), 0);
    ck_assert_str_eq(buf, expected);
}

static cal_zone *
load_zone(const char *name)
{
    cal_zone *z = NULL;
    ck_assert_msg(gdpr_calendar__zone_load(name, &z) == 0, "cannot load zone %s", name);
    ck_assert_ptr_nonnull(z);
    return z;
}

static void
assert_offset(const cal_zone *z, const char *iso, int32_t expected)
{
    int32_t got = gdpr_calendar__zone_offset(z, at(iso));
    ck_assert_msg(got == expected, "offset at %s: got %d, expected %d", iso, (int)got,
                  (int)expected);
}

/* ------------------------------------------------------------------------
 * Durations
 * ------------------------------------------------------------------------ */

static cal_duration
parse_ok(const char *text)
{
    cal_duration d;
    size_t pos = 99;
    const char *why = NULL;
    int rc = gdpr_calendar__duration_parse(text, &d, &pos, &why);
    ck_assert_msg(rc == 0, "'%s' refused at %zu: %s", text, pos, why ? why : "?");
    return d;
}

static void
assert_duration(const cal_duration *d, int64_t y, int64_t mo, int64_t w, int64_t dd, int64_t h,
                int64_t mi, int64_t s)
{
    ck_assert_int_eq(d->years, y);
    ck_assert_int_eq(d->months, mo);
    ck_assert_int_eq(d->weeks, w);
    ck_assert_int_eq(d->days, dd);
    ck_assert_int_eq(d->hours, h);
    ck_assert_int_eq(d->minutes, mi);
    ck_assert_int_eq(d->seconds, s);
}

START_TEST(duration_good_forms)
{
    cal_duration d;
    d = parse_ok("P6Y");
    assert_duration(&d, 6, 0, 0, 0, 0, 0, 0);
    d = parse_ok("P18M");
    assert_duration(&d, 0, 18, 0, 0, 0, 0, 0);
    d = parse_ok("P30D");
    assert_duration(&d, 0, 0, 0, 30, 0, 0, 0);
    d = parse_ok("P2W");
    assert_duration(&d, 0, 0, 2, 0, 0, 0, 0);
    d = parse_ok("PT12H");
    assert_duration(&d, 0, 0, 0, 0, 12, 0, 0);
    d = parse_ok("P1Y2M10DT2H30M");
    assert_duration(&d, 1, 2, 0, 10, 2, 30, 0);
    d = parse_ok("PT45S");
    assert_duration(&d, 0, 0, 0, 0, 0, 0, 45);
    d = parse_ok("PT1M");
    assert_duration(&d, 0, 0, 0, 0, 0, 1, 0);
    d = parse_ok("P1M");
    assert_duration(&d, 0, 1, 0, 0, 0, 0, 0);
    d = parse_ok("P1MT1M");
    assert_duration(&d, 0, 1, 0, 0, 0, 1, 0);
    d = parse_ok("P1DT1S");
    assert_duration(&d, 0, 0, 0, 1, 0, 0, 1);
    d = parse_ok("P100000Y");
    assert_duration(&d, 100000, 0, 0, 0, 0, 0, 0);
    d = parse_ok("P0000000000000007D");
    assert_duration(&d, 0, 0, 0, 7, 0, 0, 0);
    d = parse_ok("P0D");
    assert_duration(&d, 0, 0, 0, 0, 0, 0, 0);
    d = parse_ok("P1Y2M3DT4H5M6S");
    assert_duration(&d, 1, 2, 0, 3, 4, 5, 6);
    ck_assert_int_eq(gdpr_calendar__duration_parse("P6Y", NULL, NULL, NULL), 0);
}
END_TEST

struct bad_duration {
    const char *text;
    size_t pos;
    const char *why;
};

static const struct bad_duration bad_durations[] = {
    {"", 0, "expected 'P' at the start"},
    {"p1Y", 0, "expected 'P' at the start"},
    {" P1Y", 0, "expected 'P' at the start"},
    {"-P1Y", 0, "expected 'P' at the start"},
    {"P", 1, "expected at least one component"},
    {"PT", 2, "expected a component after 'T'"},
    {"P1DT", 4, "expected a component after 'T'"},
    {"P1", 2, "expected a designator after the number"},
    {"PT1H2", 5, "expected a designator after the number"},
    {"P1Y2M10DT2H30M5", 15, "expected a designator after the number"},
    {"PY", 1, "expected a digit"},
    {"PTH", 2, "expected a digit"},
    {"P1Y ", 3, "expected a digit"},
    {"P1X", 2, "unknown designator (expected Y, M, W, D or T)"},
    {"P1y", 2, "unknown designator (expected Y, M, W, D or T)"},
    {"P2024-01-01", 5, "unknown designator (expected Y, M, W, D or T)"},
    {"PT1X", 3, "unknown designator (expected H, M or S)"},
    {"P1M1Y", 4, "designator 'Y' out of order"},
    {"P1D1M", 4, "designator 'M' (months) out of order"},
    {"PT1S1M", 5, "designator 'M' (minutes) out of order"},
    {"PT1M1H", 5, "designator 'H' out of order"},
    {"P1Y1Y", 4, "designator 'Y' repeated"},
    {"P1M2M", 4, "designator 'M' (months) repeated"},
    {"PT1H2H", 5, "designator 'H' repeated"},
    {"P1H", 2, "hours, minutes and seconds need 'T' before them"},
    {"P1S", 2, "hours, minutes and seconds need 'T' before them"},
    {"PT1D", 3, "years, weeks and days must come before 'T'"},
    {"PT1Y", 3, "years, weeks and days must come before 'T'"},
    {"P1YT1HT1M", 6, "'T' repeated"},
    {"PTT1H", 2, "'T' repeated"},
    {"P1.5Y", 2, "fractions are not allowed"},
    {"P1,5Y", 2, "fractions are not allowed"},
    {"PT0.5S", 3, "fractions are not allowed"},
    {"P-1Y", 1, "signs are not allowed"},
    {"P+1Y", 1, "signs are not allowed"},
    {"PT-1H", 2, "signs are not allowed"},
    {"P100001Y", 1, "value larger than 100000"},
    {"P1Y999999999999999999999M", 3, "value larger than 100000"},
    {"P1Y2W", 4, "weeks cannot be combined with other components (use PnW alone)"},
    {"P2W1D", 3, "weeks cannot be combined with other components (use PnW alone)"},
    {"P2WT1H", 3, "weeks cannot be combined with other components (use PnW alone)"},
    {"P2W2W", 3, "weeks cannot be combined with other components (use PnW alone)"},
};

START_TEST(duration_bad_forms)
{
    const struct bad_duration *c = &bad_durations[_i];
    cal_duration d = {1, 2, 3, 4, 5, 6, 7};
    size_t pos = 999;
    const char *why = NULL;
    ck_assert_int_eq(gdpr_calendar__duration_parse(c->text, &d, &pos, &why), -1);
    ck_assert_msg(pos == c->pos, "'%s': position %zu, expected %zu", c->text, pos, c->pos);
    ck_assert_ptr_nonnull(why);
    ck_assert_str_eq(why, c->why);
    assert_duration(&d, 1, 2, 3, 4, 5, 6, 7); /* untouched */
    /* Optional outputs may be NULL. */
    ck_assert_int_eq(gdpr_calendar__duration_parse(c->text, NULL, NULL, NULL), -1);
}
END_TEST

START_TEST(duration_null_text)
{
    size_t pos = 999;
    const char *why = NULL;
    ck_assert_int_eq(gdpr_calendar__duration_parse(NULL, NULL, &pos, &why), -1);
    ck_assert_uint_eq(pos, 0);
    ck_assert_str_eq(why, "duration is NULL");
}
END_TEST

static void
assert_format(const cal_duration *d, const char *expected)
{
    char buf[160];
    int n = gdpr_calendar__duration_format(d, buf, sizeof(buf));
    ck_assert_int_eq(n, (int)strlen(expected));
    ck_assert_str_eq(buf, expected);
}

START_TEST(duration_format)
{
    static const char *const canonical[] = {
        "P6Y", "P18M", "P30D", "P2W", "PT12H", "P1Y2M10DT2H30M", "PT45S", "P1MT1M", "P0D"};
    for (size_t i = 0; i < sizeof(canonical) / sizeof(canonical[0]); i++) {
        cal_duration d = parse_ok(canonical[i]);
        assert_format(&d, canonical[i]);
    }
    cal_duration leading_zeros = parse_ok("P007DT00H");
    assert_format(&leading_zeros, "P7D");
    cal_duration zero_time = parse_ok("PT0S");
    assert_format(&zero_time, "P0D");

    cal_duration weeks_and_days = {0, 0, 2, 1, 0, 0, 0};
    assert_format(&weeks_and_days, "P15D");
    cal_duration weeks_and_hours = {0, 0, 1, 0, 3, 0, 0};
    assert_format(&weeks_and_hours, "P7DT3H");
    cal_duration largest = {INT64_MAX, INT64_MAX, 0, INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX};
    assert_format(&largest, "P9223372036854775807Y9223372036854775807M9223372036854775807D"
                            "T9223372036854775807H9223372036854775807M9223372036854775807S");

    char buf[8];
    cal_duration long_one = parse_ok("P1Y2M10DT2H30M");
    ck_assert_int_eq(gdpr_calendar__duration_format(&long_one, buf, sizeof(buf)), -1);
    ck_assert_str_eq(buf, "");
    cal_duration six_years = parse_ok("P6Y");
    ck_assert_int_eq(gdpr_calendar__duration_format(&six_years, buf, 4), 3);
    ck_assert_str_eq(buf, "P6Y");
    ck_assert_int_eq(gdpr_calendar__duration_format(&six_years, buf, 3), -1);
    ck_assert_int_eq(gdpr_calendar__duration_format(&six_years, buf, 0), -1);
    ck_assert_int_eq(gdpr_calendar__duration_format(&six_years, NULL, 10), -1);
    ck_assert_int_eq(gdpr_calendar__duration_format(NULL, buf, sizeof(buf)), -1);
    cal_duration negative = {0, -1, 0, 0, 0, 0, 0};
    ck_assert_int_eq(gdpr_calendar__duration_format(&negative, buf, sizeof(buf)), -1);
    cal_duration week_overflow = {0, 0, INT64_MAX / 7 + 1, 1, 0, 0, 0};
    ck_assert_int_eq(gdpr_calendar__duration_format(&week_overflow, buf, sizeof(buf)), -1);
}
END_TEST

/* ------------------------------------------------------------------------
 * Adding durations
 * ------------------------------------------------------------------------ */

static void
assert_add(const char *from, const char *duration, const char *expected)
{
    cal_duration d = parse_ok(duration);
    int64_t result = 0;
    ck_assert_msg(gdpr_calendar__add(at(from), &d, &result) == 0, "%s + %s failed", from, duration);
    char buf[21];
    ck_assert_int_eq(gdpr_calendar__format_instant(result, buf), 0);
    ck_assert_msg(strcmp(buf, expected) == 0, "%s + %s = %s, expected %s", from, duration, buf,
                  expected);
}

START_TEST(add_month_end_rule)
{
    assert_add("2023-01-31T00:00:00Z", "P1M", "2023-02-28T00:00:00Z");
    assert_add("2024-01-31T10:15:00Z", "P1M", "2024-02-29T10:15:00Z");
    assert_add("2024-03-31T00:00:00Z", "P1M", "2024-04-30T00:00:00Z");
    assert_add("2024-02-29T00:00:00Z", "P1Y", "2025-02-28T00:00:00Z");
    assert_add("2024-02-29T00:00:00Z", "P4Y", "2028-02-29T00:00:00Z");
    assert_add("2024-11-30T00:00:00Z", "P3M", "2025-02-28T00:00:00Z");
    assert_add("2024-01-30T00:00:00Z", "P1M", "2024-02-29T00:00:00Z");
}
END_TEST

START_TEST(add_retention_periods)
{
    assert_add("2019-03-15T08:00:00Z", "P6Y", "2025-03-15T08:00:00Z");
    assert_add("2024-08-31T00:00:00Z", "P18M", "2026-02-28T00:00:00Z");
    assert_add("2024-08-31T00:00:00Z", "P1Y6M", "2026-02-28T00:00:00Z");
    assert_add("2024-02-20T00:00:00Z", "P2W", "2024-03-05T00:00:00Z");
    assert_add("2024-02-20T00:00:00Z", "P30D", "2024-03-21T00:00:00Z");
    assert_add("2023-12-31T22:00:00Z", "P1Y2M10DT2H30M", "2025-03-11T00:30:00Z");
    assert_add("2025-06-01T00:00:00Z", "P0D", "2025-06-01T00:00:00Z");
}
END_TEST

START_TEST(add_year_end)
{
    assert_add("2024-12-31T23:00:00Z", "PT12H", "2025-01-01T11:00:00Z");
    assert_add("2024-12-31T00:00:00Z", "P1D", "2025-01-01T00:00:00Z");
    assert_add("2024-12-15T00:00:00Z", "P1M", "2025-01-15T00:00:00Z");
    assert_add("2024-12-31T23:59:59Z", "PT1S", "2025-01-01T00:00:00Z");
    assert_add("1969-12-31T23:59:59Z", "PT45S", "1970-01-01T00:00:44Z");
    assert_add("9998-12-31T00:00:00Z", "P1Y", "9999-12-31T00:00:00Z");
    assert_add("0001-01-01T00:00:00Z", "PT0S", "0001-01-01T00:00:00Z");
}
END_TEST

START_TEST(add_out_of_range)
{
    int64_t out = 42;
    cal_duration one_day = parse_ok("P1D");
    cal_duration one_year = parse_ok("P1Y");
    cal_duration far = parse_ok("P100000Y");
    ck_assert_int_eq(gdpr_calendar__add(at("9999-12-31T00:00:00Z"), &one_day, &out), -1);
    ck_assert_int_eq(gdpr_calendar__add(at("9999-06-30T00:00:00Z"), &one_year, &out), -1);
    ck_assert_int_eq(gdpr_calendar__add(0, &far, &out), -1);
    ck_assert_int_eq(gdpr_calendar__add(CAL_MAX_TIME + 1, &one_day, &out), -1);
    ck_assert_int_eq(gdpr_calendar__add(CAL_MIN_TIME - 1, &one_day, &out), -1);
    ck_assert_int_eq(gdpr_calendar__add(0, NULL, &out), -1);
    ck_assert_int_eq(gdpr_calendar__add(0, &one_day, NULL), -1);

    /* Hand-made structs with extreme values must fail without overflow. */
    cal_duration huge[] = {
        {INT64_MAX, 0, 0, 0, 0, 0, 0}, {INT64_MIN, 0, 0, 0, 0, 0, 0}, {0, INT64_MAX, 0, 0, 0, 0, 0},
        {1, INT64_MAX, 0, 0, 0, 0, 0}, {0, 0, INT64_MAX, 0, 0, 0, 0}, {0, 0, 1, INT64_MAX, 0, 0, 0},
        {0, 0, 0, INT64_MIN, 0, 0, 0}, {0, 0, 0, 0, INT64_MAX, 0, 0}, {0, 0, 0, 0, 0, INT64_MIN, 0},
        {0, 0, 0, 0, 0, 0, INT64_MAX}, {0, 0, 0, 0, 1, 1, INT64_MAX},
    };
    for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
        ck_assert_int_eq(gdpr_calendar__add(at("2025-01-01T00:00:00Z"), &huge[i], &out), -1);
    }
    ck_assert_int_eq(out, 42);

    /* Negative components subtract, with the same month-end rule. */
    cal_duration back_one_month = {0, -1, 0, 0, 0, 0, 0};
    ck_assert_int_eq(gdpr_calendar__add(at("2024-03-31T12:00:00Z"), &back_one_month, &out), 0);
    assert_instant(out, "2024-02-29T12:00:00Z");
}
END_TEST

/* ------------------------------------------------------------------------
 * Civil dates
 * ------------------------------------------------------------------------ */

START_TEST(civil_known_dates)
{
    ck_assert_int_eq(gdpr_calendar__days_from_civil(1970, 1, 1), 0);
    ck_assert_int_eq(gdpr_calendar__days_from_civil(1969, 12, 31), -1);
    ck_assert_int_eq(gdpr_calendar__days_from_civil(2000, 1, 1), 10957);
    ck_assert_int_eq(gdpr_calendar__days_from_civil(2000, 3, 1), 11017);
    ck_assert_int_eq(gdpr_calendar__days_from_civil(2024, 1, 1), 19723);
    ck_assert_int_eq(gdpr_calendar__days_from_civil(2024, 2, 29), 19782);
    ck_assert_int_eq(gdpr_calendar__days_from_civil(2040, 1, 1), 25567);
    ck_assert_int_eq(gdpr_calendar__days_from_civil(1, 1, 1), -719162);
    ck_assert_int_eq(gdpr_calendar__days_from_civil(9999, 12, 31), 2932896);
    ck_assert_int_eq(gdpr_calendar__days_from_civil(1, 1, 1), CAL_MIN_DAYS);
    ck_assert_int_eq(gdpr_calendar__days_from_civil(9999, 12, 31), CAL_MAX_DAYS);
    /* 1 BC (year 0) is a leap year; 1 Jan of year 0 is 366 days before 1 AD. */
    ck_assert_int_eq(gdpr_calendar__days_from_civil(0, 2, 29), -719162 - 366 + 59);
    ck_assert_int_eq(gdpr_calendar__days_from_civil(0, 1, 1), -719162 - 366);

    int64_t y;
    unsigned m, d;
    gdpr_calendar__civil_from_days(19782, &y, &m, &d);
    ck_assert_int_eq(y, 2024);
    ck_assert_uint_eq(m, 2);
    ck_assert_uint_eq(d, 29);
    gdpr_calendar__civil_from_days(-1, &y, &m, &d);
    ck_assert_int_eq(y, 1969);
    ck_assert_uint_eq(m, 12);
    ck_assert_uint_eq(d, 31);
    gdpr_calendar__civil_from_days(-719162, &y, &m, &d);
    ck_assert_int_eq(y, 1);
    ck_assert_uint_eq(m, 1);
    ck_assert_uint_eq(d, 1);
}
END_TEST

START_TEST(civil_invalid_dates)
{
    ck_assert_int_eq(gdpr_calendar__days_from_civil(2023, 2, 29), CAL_DAYS_INVALID);
    ck_assert_int_eq(gdpr_calendar__days_from_civil(1900, 2, 29), CAL_DAYS_INVALID);
    ck_assert_int_eq(gdpr_calendar__days_from_civil(2024, 4, 31), CAL_DAYS_INVALID);
    ck_assert_int_eq(gdpr_calendar__days_from_civil(2024, 13, 1), CAL_DAYS_INVALID);
    ck_assert_int_eq(gdpr_calendar__days_from_civil(2024, 0, 1), CAL_DAYS_INVALID);
    ck_assert_int_eq(gdpr_calendar__days_from_civil(2024, 1, 0), CAL_DAYS_INVALID);
    ck_assert_int_eq(gdpr_calendar__days_from_civil(INT64_C(1000000000000001), 1, 1),
                     CAL_DAYS_INVALID);
    ck_assert_int_eq(gdpr_calendar__days_from_civil(INT64_MIN, 1, 1), CAL_DAYS_INVALID);
    ck_assert_int_eq(gdpr_calendar__days_from_civil(INT64_MAX, 12, 31), CAL_DAYS_INVALID);
    ck_assert_int_ne(gdpr_calendar__days_from_civil(2000, 2, 29), CAL_DAYS_INVALID);
}
END_TEST

/* Every day from 2200 years before 0001 to 1100 years after 9999 maps to a
 * date, consecutive days to consecutive dates, and back to the same day. */
START_TEST(civil_round_trip_wide_range)
{
    const int64_t first = CAL_MIN_DAYS - 800000;
    const int64_t last = CAL_MAX_DAYS + 400000;
    int64_t prev_y;
    unsigned prev_m, prev_d;
    gdpr_calendar__civil_from_days(first - 1, &prev_y, &prev_m, &prev_d);
    for (int64_t days = first; days <= last; days++) {
        int64_t y;
        unsigned m, d;
        gdpr_calendar__civil_from_days(days, &y, &m, &d);
        bool next_in_month = y == prev_y && m == prev_m && d == prev_d + 1;
        bool first_of_next_month =
            d == 1 && ((y == prev_y && m == prev_m + 1) ||
                       (y == prev_y + 1 && m == 1 && prev_m == 12 && prev_d == 31));
        /* Plain checks: a ck_assert per day would cost a message each. */
        if (!next_in_month && !first_of_next_month) {
            ck_abort_msg("day %" PRId64 " is not the day after the previous one", days);
        }
        if (gdpr_calendar__days_from_civil(y, m, d) != days) {
            ck_abort_msg("day %" PRId64 " does not round-trip", days);
        }
        prev_y = y;
        prev_m = m;
        prev_d = d;
    }
}
END_TEST

START_TEST(civil_extreme_years)
{
    static const int64_t years[] = {
        INT64_C(-1000000000000000), INT64_C(-123456789012),   -1, 0, 1, 1600, 1900, 2100, 9999,
        INT64_C(987654321098),      INT64_C(1000000000000000)};
    for (size_t i = 0; i < sizeof(years) / sizeof(years[0]); i++) {
        for (unsigned m = 1; m <= 12; m++) {
            int64_t days = gdpr_calendar__days_from_civil(years[i], m, 28);
            ck_assert_int_ne(days, CAL_DAYS_INVALID);
            int64_t y;
            unsigned mm, dd;
            gdpr_calendar__civil_from_days(days, &y, &mm, &dd);
            ck_assert_int_eq(y, years[i]);
            ck_assert_uint_eq(mm, m);
            ck_assert_uint_eq(dd, 28);
        }
    }
    /* Defined for every int64_t (the sanitizers watch for overflow). */
    int64_t y;
    unsigned m, d;
    gdpr_calendar__civil_from_days(INT64_MAX, &y, &m, &d);
    ck_assert(m >= 1 && m <= 12 && d >= 1 && d <= 31);
    gdpr_calendar__civil_from_days(INT64_MIN, &y, &m, &d);
    ck_assert(m >= 1 && m <= 12 && d >= 1 && d <= 31);
    gdpr_calendar__civil_from_days(0, NULL, NULL, NULL);
}
END_TEST

START_TEST(weekday_known_dates)
{
    ck_assert_int_eq(gdpr_calendar__weekday(0), 3);       /* 1970-01-01 Thursday */
    ck_assert_int_eq(gdpr_calendar__weekday(-4), 6);      /* 1969-12-28 Sunday */
    ck_assert_int_eq(gdpr_calendar__weekday(10957), 5);   /* 2000-01-01 Saturday */
    ck_assert_int_eq(gdpr_calendar__weekday(19723), 0);   /* 2024-01-01 Monday */
    ck_assert_int_eq(gdpr_calendar__weekday(19782), 3);   /* 2024-02-29 Thursday */
    ck_assert_int_eq(gdpr_calendar__weekday(25567), 6);   /* 2040-01-01 Sunday */
    ck_assert_int_eq(gdpr_calendar__weekday(-719162), 0); /* 0001-01-01 Monday */
    ck_assert_int_eq(gdpr_calendar__weekday(2932896), 4); /* 9999-12-31 Friday */
    ck_assert_int_eq(gdpr_calendar__weekday(day_of("2025-03-01")), 5);
    ck_assert_int_eq(gdpr_calendar__weekday(day_of("2026-01-31")), 5);
    ck_assert_int_eq(gdpr_calendar__weekday(day_of("2025-11-11")), 1);
    for (int64_t days = -30; days < 30; days++) {
        ck_assert_int_eq(gdpr_calendar__weekday(days + 7), gdpr_calendar__weekday(days));
        ck_assert_int_eq(gdpr_calendar__weekday(days + 1), (gdpr_calendar__weekday(days) + 1) % 7);
    }
    ck_assert(gdpr_calendar__weekday(INT64_MAX) >= 0 && gdpr_calendar__weekday(INT64_MAX) <= 6);
    ck_assert(gdpr_calendar__weekday(INT64_MIN) >= 0 && gdpr_calendar__weekday(INT64_MIN) <= 6);
}
END_TEST

/* ------------------------------------------------------------------------
 * Date and instant text
 * ------------------------------------------------------------------------ */

START_TEST(date_parse_and_format)
{
    int64_t d = 7;
    ck_assert_int_eq(gdpr_calendar__parse_date("2024-02-29", &d), 0);
    ck_assert_int_eq(d, 19782);
    ck_assert_int_eq(gdpr_calendar__parse_date("1970-01-01", &d), 0);
    ck_assert_int_eq(d, 0);
    ck_assert_int_eq(gdpr_calendar__parse_date("0001-01-01", &d), 0);
    ck_assert_int_eq(d, CAL_MIN_DAYS);
    ck_assert_int_eq(gdpr_calendar__parse_date("9999-12-31", &d), 0);
    ck_assert_int_eq(d, CAL_MAX_DAYS);

    static const char *const bad[] = {
        "",           "2023-02-29", "2024-2-29",   "2024-02-29 ", " 2024-02-29", "0000-01-01",
        "2024-13-01", "2024-00-10", "2024-01-00",  "2024-01-32",  "2024-02-29T", "2024/02/29",
        "20240229",   "2024-02-2",  "+2024-02-29", "12024-02-29", "2024-0a-01",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        d = 7;
        ck_assert_msg(gdpr_calendar__parse_date(bad[i], &d) == -1, "accepted '%s'", bad[i]);
        ck_assert_int_eq(d, 7);
    }
    ck_assert_int_eq(gdpr_calendar__parse_date(NULL, &d), -1);
    ck_assert_int_eq(gdpr_calendar__parse_date("2024-02-29", NULL), -1);

    assert_date(0, "1970-01-01");
    assert_date(-1, "1969-12-31");
    assert_date(19782, "2024-02-29");
    assert_date(CAL_MIN_DAYS, "0001-01-01");
    assert_date(CAL_MAX_DAYS, "9999-12-31");
    char buf[11] = "xxxxxxxxxx";
    ck_assert_int_eq(gdpr_calendar__format_date(CAL_MAX_DAYS + 1, buf), -1);
    ck_assert_str_eq(buf, "");
    ck_assert_int_eq(gdpr_calendar__format_date(CAL_MIN_DAYS - 1, buf), -1);
    ck_assert_int_eq(gdpr_calendar__format_date(0, NULL), -1);
}
END_TEST

START_TEST(instant_parse_and_format)
{
    int64_t t = 7;
    ck_assert_int_eq(gdpr_calendar__parse_instant("2024-02-29T12:34:56Z", &t), 0);
    ck_assert_int_eq(t, INT64_C(1709210096));
    ck_assert_int_eq(gdpr_calendar__parse_instant("2024-02-29", &t), 0);
    ck_assert_int_eq(t, INT64_C(1709164800));
    ck_assert_int_eq(gdpr_calendar__parse_instant("1970-01-01T00:00:00Z", &t), 0);
    ck_assert_int_eq(t, 0);
    ck_assert_int_eq(gdpr_calendar__parse_instant("1969-12-31T23:59:59Z", &t), 0);
    ck_assert_int_eq(t, -1);
    ck_assert_int_eq(gdpr_calendar__parse_instant("0001-01-01T00:00:00Z", &t), 0);
    ck_assert_int_eq(t, CAL_MIN_TIME);
    ck_assert_int_eq(gdpr_calendar__parse_instant("9999-12-31T23:59:59Z", &t), 0);
    ck_assert_int_eq(t, CAL_MAX_TIME);

    static const char *const bad[] = {
        "",
        "2024-02-29T24:00:00Z",
        "2024-02-29T23:60:00Z",
        "2024-02-29T23:59:60Z",
        "2024-02-29t12:34:56Z",
        "2024-02-29T12:34:56z",
        "2024-02-29T12:34:56",
        "2024-02-29T12:34:56+00:00",
        "2024-02-29T12:34:56.5Z",
        "2024-02-29 12:34:56Z",
        "2024-02-29T12:34:56Z ",
        "2024-02-29T12:34Z",
        "2024-02-29T1:34:56Z",
        "2023-02-29T12:34:56Z",
        "2024-02-29T",
        "0000-12-31T23:59:59Z",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        t = 7;
        ck_assert_msg(gdpr_calendar__parse_instant(bad[i], &t) == -1, "accepted '%s'", bad[i]);
        ck_assert_int_eq(t, 7);
    }
    ck_assert_int_eq(gdpr_calendar__parse_instant(NULL, &t), -1);
    ck_assert_int_eq(gdpr_calendar__parse_instant("2024-02-29", NULL), -1);

    assert_instant(0, "1970-01-01T00:00:00Z");
    assert_instant(-1, "1969-12-31T23:59:59Z");
    assert_instant(INT64_C(1709210096), "2024-02-29T12:34:56Z");
    assert_instant(CAL_MIN_TIME, "0001-01-01T00:00:00Z");
    assert_instant(CAL_MAX_TIME, "9999-12-31T23:59:59Z");
    char buf[21] = "xxxxxxxxxxxxxxxxxxxx";
    ck_assert_int_eq(gdpr_calendar__format_instant(CAL_MAX_TIME + 1, buf), -1);
    ck_assert_str_eq(buf, "");
    ck_assert_int_eq(gdpr_calendar__format_instant(CAL_MIN_TIME - 1, buf), -1);
    ck_assert_int_eq(gdpr_calendar__format_instant(INT64_MIN, buf), -1);
    ck_assert_int_eq(gdpr_calendar__format_instant(0, NULL), -1);
}
END_TEST

/* ------------------------------------------------------------------------
 * Time zones from the system tzdata
 * ------------------------------------------------------------------------ */

START_TEST(zone_warsaw)
{
    cal_zone *z = load_zone("Europe/Warsaw");
    assert_offset(z, "2025-01-15T12:00:00Z", 3600);
    assert_offset(z, "2025-07-15T12:00:00Z", 7200);
    /* Spring forward: last Sunday of March 2025 at 01:00 UTC. */
    assert_offset(z, "2025-03-30T00:59:59Z", 3600);
    assert_offset(z, "2025-03-30T01:00:00Z", 7200);
    /* Fall back: last Sunday of October 2025 at 01:00 UTC. */
    assert_offset(z, "2025-10-26T00:59:59Z", 7200);
    assert_offset(z, "2025-10-26T01:00:00Z", 3600);
    /* 2040 lies after the last transition in the file: the footer rule. */
    assert_offset(z, "2040-01-15T00:00:00Z", 3600);
    assert_offset(z, "2040-03-25T00:59:59Z", 3600);
    assert_offset(z, "2040-03-25T01:00:00Z", 7200);
    assert_offset(z, "2040-07-01T00:00:00Z", 7200);
    assert_offset(z, "2040-10-28T00:59:59Z", 7200);
    assert_offset(z, "2040-10-28T01:00:00Z", 3600);
    assert_offset(z, "2999-07-01T00:00:00Z", 7200);
    /* No DST in Poland in 1970; local mean time (+1:24) before 1880. */
    assert_offset(z, "1970-07-01T00:00:00Z", 3600);
    assert_offset(z, "1800-01-01T00:00:00Z", 5040);

    ck_assert_int_eq(gdpr_calendar__zone_local_midnight(z, day_of("2025-03-30")),
                     at("2025-03-29T23:00:00Z"));
    ck_assert_int_eq(gdpr_calendar__zone_local_midnight(z, day_of("2025-03-31")),
                     at("2025-03-30T22:00:00Z"));
    ck_assert_int_eq(gdpr_calendar__zone_local_day(z, at("2025-01-31T22:59:59Z")),
                     day_of("2025-01-31"));
    ck_assert_int_eq(gdpr_calendar__zone_local_day(z, at("2025-01-31T23:00:00Z")),
                     day_of("2025-02-01"));
    ck_assert_int_eq(gdpr_calendar__zone_local_day(z, at("2025-06-30T22:00:00Z")),
                     day_of("2025-07-01"));

    /* Far instants are answered without overflow. */
    (void)gdpr_calendar__zone_offset(z, INT64_MAX);
    (void)gdpr_calendar__zone_offset(z, INT64_MIN);
    (void)gdpr_calendar__zone_local_day(z, INT64_MAX);
    (void)gdpr_calendar__zone_local_day(z, INT64_MIN);
    ck_assert_int_eq(gdpr_calendar__zone_local_midnight(z, INT64_MAX), INT64_MAX);
    ck_assert_int_eq(gdpr_calendar__zone_local_midnight(z, INT64_MIN), INT64_MIN);
    gdpr_calendar__zone_free(z);
}
END_TEST

START_TEST(zone_dublin)
{
    /* tzdata models Irish Standard Time as standard time and GMT as a
     * negative DST in winter; the footer is "IST-1GMT0,M10.5.0,M3.5.0/1". */
    cal_zone *z = load_zone("Europe/Dublin");
    assert_offset(z, "2025-01-15T12:00:00Z", 0);
    assert_offset(z, "2025-07-15T12:00:00Z", 3600);
    assert_offset(z, "2025-03-30T00:59:59Z", 0);
    assert_offset(z, "2025-03-30T01:00:00Z", 3600);
    assert_offset(z, "2025-10-26T00:59:59Z", 3600);
    assert_offset(z, "2025-10-26T01:00:00Z", 0);
    assert_offset(z, "2040-01-15T00:00:00Z", 0);
    assert_offset(z, "2040-03-25T00:59:59Z", 0);
    assert_offset(z, "2040-03-25T01:00:00Z", 3600);
    assert_offset(z, "2040-07-01T00:00:00Z", 3600);
    assert_offset(z, "2040-10-28T00:59:59Z", 3600);
    assert_offset(z, "2040-10-28T01:00:00Z", 0);
    assert_offset(z, "2040-12-31T23:59:59Z", 0);
    /* Irish Standard Time all year from 1968 to 1971; Dublin mean time before. */
    assert_offset(z, "1970-01-01T00:00:00Z", 3600);
    assert_offset(z, "1800-01-01T00:00:00Z", -1521);

    ck_assert_int_eq(gdpr_calendar__zone_local_midnight(z, day_of("2025-03-30")),
                     at("2025-03-30T00:00:00Z"));
    ck_assert_int_eq(gdpr_calendar__zone_local_midnight(z, day_of("2025-10-26")),
                     at("2025-10-25T23:00:00Z"));
    ck_assert_int_eq(gdpr_calendar__zone_local_midnight(z, day_of("2025-10-27")),
                     at("2025-10-27T00:00:00Z"));
    ck_assert_int_eq(gdpr_calendar__zone_local_midnight(z, day_of("2040-07-01")),
                     at("2040-06-30T23:00:00Z"));
    ck_assert_int_eq(gdpr_calendar__zone_local_day(z, at("2025-06-30T23:30:00Z")),
                     day_of("2025-07-01"));
    ck_assert_int_eq(gdpr_calendar__zone_local_day(z, at("2025-12-31T23:30:00Z")),
                     day_of("2025-12-31"));
    gdpr_calendar__zone_free(z);
}
END_TEST

START_TEST(zone_utc_and_null)
{
    cal_zone *z = load_zone("UTC");
    assert_offset(z, "2025-07-01T00:00:00Z", 0);
    ck_assert_int_eq(gdpr_calendar__zone_local_midnight(z, day_of("2025-07-01")),
                     at("2025-07-01T00:00:00Z"));
    ck_assert_int_eq(gdpr_calendar__zone_local_day(z, -1), -1);
    gdpr_calendar__zone_free(z);
    z = load_zone("Etc/UTC");
    assert_offset(z, "1900-01-01T00:00:00Z", 0);
    gdpr_calendar__zone_free(z);

    ck_assert_int_eq(gdpr_calendar__zone_offset(NULL, 12345), 0);
    ck_assert_int_eq(gdpr_calendar__zone_local_day(NULL, 86399), 0);
    ck_assert_int_eq(gdpr_calendar__zone_local_day(NULL, 86400), 1);
    ck_assert_int_eq(gdpr_calendar__zone_local_midnight(NULL, 1), 86400);
    gdpr_calendar__zone_free(NULL);
}
END_TEST

START_TEST(zone_bad_names)
{
    static const char *const bad[] = {
        "",
        "/etc/passwd",
        "../etc/passwd",
        "Europe/../../etc/passwd",
        "Europe/..",
        "..",
        "Europe/Nowhere",
        "Europe",
        "Europe/Warsaw ",
        "Europe\\Warsaw",
        "Europe/War saw",
        "Europe/Warsaw\n",
    };
    cal_zone *sentinel = (cal_zone *)&sentinel;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cal_zone *z = sentinel;
        ck_assert_msg(gdpr_calendar__zone_load(bad[i], &z) == -1, "loaded '%s'", bad[i]);
        ck_assert_ptr_eq(z, sentinel);
    }
    char long_name[300];
    memset(long_name, 'A', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    cal_zone *z = sentinel;
    ck_assert_int_eq(gdpr_calendar__zone_load(long_name, &z), -1);
    ck_assert_int_eq(gdpr_calendar__zone_load(NULL, &z), -1);
    ck_assert_ptr_eq(z, sentinel);
    ck_assert_int_eq(gdpr_calendar__zone_load("UTC", NULL), -1);
}
END_TEST

/* ------------------------------------------------------------------------
 * Time zones from TZif bytes made here
 * ------------------------------------------------------------------------ */

struct tzif_spec {
    char version; /* '\0' for version 1, else '2', '3', '4' */
    size_t n_transitions;
    const int64_t *times;
    const unsigned char *type_of;
    size_t n_types;
    const int32_t *offsets;
    const char *footer; /* without the newlines; NULL writes none */
    uint32_t leap_count;
};

static void
put_be(unsigned char **p, uint64_t value, size_t width)
{
    for (size_t i = 0; i < width; i++) {
        (*p)[i] = (unsigned char)(value >> (8 * (width - 1 - i)));
    }
    *p += width;
}

static void
put_header(unsigned char **p, const struct tzif_spec *s)
{
    memcpy(*p, "TZif", 4);
    (*p)[4] = (unsigned char)s->version;
    memset(*p + 5, 0, 15);
    *p += 20;
    put_be(p, 0, 4); /* isutcnt */
    put_be(p, 0, 4); /* isstdcnt */
    put_be(p, s->leap_count, 4);
    put_be(p, s->n_transitions, 4);
    put_be(p, s->n_types, 4);
    put_be(p, 1, 4); /* charcnt: one empty abbreviation */
}

static void
put_block(unsigned char **p, const struct tzif_spec *s, size_t time_size)
{
    for (size_t i = 0; i < s->n_transitions; i++) {
        put_be(p, (uint64_t)s->times[i], time_size);
    }
    for (size_t i = 0; i < s->n_transitions; i++) {
        *(*p)++ = s->type_of[i];
    }
    for (size_t i = 0; i < s->n_types; i++) {
        put_be(p, (uint32_t)s->offsets[i], 4);
        *(*p)++ = 0; /* isdst */
        *(*p)++ = 0; /* abbreviation index */
    }
    *(*p)++ = 0; /* the abbreviation "" */
    size_t leap_bytes = s->leap_count * (time_size + 4);
    memset(*p, 0, leap_bytes);
    *p += leap_bytes;
}

/* Write a TZif file into buf (at least 4096 bytes); returns its length. */
static size_t
build_tzif(unsigned char *buf, const struct tzif_spec *s)
{
    unsigned char *p = buf;
    put_header(&p, s);
    put_block(&p, s, 4);
    if (s->version != '\0') {
        put_header(&p, s);
        put_block(&p, s, 8);
        if (s->footer != NULL) {
            size_t n = strlen(s->footer);
            *p++ = '\n';
            memcpy(p, s->footer, n);
            p += n;
            *p++ = '\n';
        }
    }
    return (size_t)(p - buf);
}

static cal_zone *
zone_from_footer(const char *footer)
{
    static const int32_t offsets[] = {0};
    struct tzif_spec s = {'2', 0, NULL, NULL, 1, offsets, footer, 0};
    unsigned char buf[4096];
    size_t len = build_tzif(buf, &s);
    cal_zone *z = NULL;
    ck_assert_msg(gdpr_calendar__zone_parse(buf, len, &z) == 0, "footer '%s' refused", footer);
    return z;
}

static int
parse_footer(const char *footer)
{
    static const int32_t offsets[] = {0};
    struct tzif_spec s = {'3', 0, NULL, NULL, 1, offsets, footer, 0};
    unsigned char buf[4096];
    size_t len = build_tzif(buf, &s);
    cal_zone *z = NULL;
    int rc = gdpr_calendar__zone_parse(buf, len, &z);
    gdpr_calendar__zone_free(z);
    return rc;
}

START_TEST(footer_only_zone)
{
    cal_zone *z = zone_from_footer("CET-1CEST,M3.5.0,M10.5.0/3");
    assert_offset(z, "2025-01-01T00:00:00Z", 3600);
    assert_offset(z, "2025-03-30T01:00:00Z", 7200);
    assert_offset(z, "2025-10-26T00:59:59Z", 7200);
    assert_offset(z, "2025-10-26T01:00:00Z", 3600);
    gdpr_calendar__zone_free(z);

    z = zone_from_footer("<+03>-3");
    assert_offset(z, "2025-07-01T00:00:00Z", 10800);
    gdpr_calendar__zone_free(z);
    z = zone_from_footer("");
    assert_offset(z, "2025-07-01T00:00:00Z", 0);
    gdpr_calendar__zone_free(z);
}
END_TEST

START_TEST(footer_southern_hemisphere)
{
    /* Sydney: DST from the first Sunday of October to the first Sunday of
     * April, so it spans New Year. 2025: ends 6 April 03:00 AEDT, starts
     * 5 October 02:00 AEST. */
    cal_zone *z = zone_from_footer("AEST-10AEDT,M10.1.0,M4.1.0/3");
    assert_offset(z, "2025-01-15T00:00:00Z", 39600);
    assert_offset(z, "2025-04-05T15:59:59Z", 39600);
    assert_offset(z, "2025-04-05T16:00:00Z", 36000);
    assert_offset(z, "2025-10-04T15:59:59Z", 36000);
    assert_offset(z, "2025-10-04T16:00:00Z", 39600);
    assert_offset(z, "2025-12-31T23:00:00Z", 39600);
    ck_assert_int_eq(gdpr_calendar__zone_local_midnight(z, day_of("2025-04-06")),
                     at("2025-04-05T13:00:00Z"));
    ck_assert_int_eq(gdpr_calendar__zone_local_midnight(z, day_of("2025-04-07")),
                     at("2025-04-06T14:00:00Z"));
    gdpr_calendar__zone_free(z);
}
END_TEST

START_TEST(footer_negative_rule_times)
{
    /* Nuuk: changes at -2:00 and -1:00 local, i.e. 01:00 UTC on the last
     * Sundays of March and October, the evening before in local time. */
    cal_zone *z = zone_from_footer("<-03>3<-02>,M3.5.0/-2,M10.5.0/-1");
    assert_offset(z, "2025-03-30T00:59:59Z", -10800);
    assert_offset(z, "2025-03-30T01:00:00Z", -7200);
    assert_offset(z, "2025-10-26T00:59:59Z", -7200);
    assert_offset(z, "2025-10-26T01:00:00Z", -10800);
    gdpr_calendar__zone_free(z);
}
END_TEST

START_TEST(footer_julian_rules)
{
    /* J60 is 1 March in every year; J300 is 27 October. */
    cal_zone *z = zone_from_footer("EST5EDT,J60/2,J300/2");
    assert_offset(z, "2024-03-01T06:59:59Z", -18000);
    assert_offset(z, "2024-03-01T07:00:00Z", -14400);
    assert_offset(z, "2024-10-27T05:59:59Z", -14400);
    assert_offset(z, "2024-10-27T06:00:00Z", -18000);
    gdpr_calendar__zone_free(z);

    /* Zero-based 59 is 29 Feb in a leap year, 1 March otherwise; 300 is
     * 27 October 2024. */
    z = zone_from_footer("AAA0BBB,59/0,300/0");
    assert_offset(z, "2024-02-28T23:59:59Z", 0);
    assert_offset(z, "2024-02-29T00:00:00Z", 3600);
    assert_offset(z, "2024-10-26T22:59:59Z", 3600);
    assert_offset(z, "2024-10-26T23:00:00Z", 0);
    assert_offset(z, "2025-02-28T23:59:59Z", 0);
    assert_offset(z, "2025-03-01T00:00:00Z", 3600);
    gdpr_calendar__zone_free(z);

    /* DST all year: each year's end meets the next year's start. */
    z = zone_from_footer("EST5EDT4,0/0,J365/25");
    assert_offset(z, "2025-01-01T04:59:59Z", -14400);
    assert_offset(z, "2025-01-01T05:00:00Z", -14400);
    assert_offset(z, "2025-06-01T00:00:00Z", -14400);
    gdpr_calendar__zone_free(z);
}
END_TEST

START_TEST(footer_syntax)
{
    ck_assert_int_eq(parse_footer("AAA0BBB,M3.5.0/167,M10.5.0/-167"), 0);
    ck_assert_int_eq(parse_footer("AAA-1:30BBB-2:30:15,M3.5.0/1:30:45,M10.5.0"), 0);
    ck_assert_int_eq(parse_footer("<-0330>3:30"), 0);
    static const char *const bad[] = {
        "CET-1CEST",        /* DST without a rule */
        "CET",              /* no offset */
        "CE-1",             /* abbreviation too short */
        "CET-25",           /* offset too large */
        "CET-1CEST,M3.5.0", /* one rule date only */
        "CET-1CEST,M13.5.0,M10.5.0",
        "CET-1CEST,M3.6.0,M10.5.0",
        "CET-1CEST,M3.5.7,M10.5.0",
        "CET-1CEST,J0,J365",
        "CET-1CEST,366,0",
        "AAA0BBB,M3.5.0/168,M10.5.0",
        "CET-1CEST,M3.5.0,M10.5.0/3 ",
        "CET-1:60",
        "<+3>-3",
        "<+03-3",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(parse_footer(bad[i]) == -1, "accepted footer '%s'", bad[i]);
    }
}
END_TEST

START_TEST(tzif_transitions_and_versions)
{
    /* Two transitions in 2025, offsets 0 -> +3600 -> 0. */
    static const int64_t times[] = {INT64_C(1743296400), INT64_C(1761440400)};
    static const unsigned char type_of[] = {1, 0};
    static const int32_t offsets[] = {0, 3600};
    unsigned char buf[4096];
    cal_zone *z = NULL;

    struct tzif_spec v1 = {'\0', 2, times, type_of, 2, offsets, NULL, 0};
    size_t len = build_tzif(buf, &v1);
    ck_assert_int_eq(gdpr_calendar__zone_parse(buf, len, &z), 0);
    assert_offset(z, "2025-01-01T00:00:00Z", 0);
    assert_offset(z, "2025-03-30T01:00:00Z", 3600); /* 1743296400 */
    assert_offset(z, "2025-10-26T00:59:59Z", 3600);
    assert_offset(z, "2025-10-26T01:00:00Z", 0); /* 1761440400 */
    assert_offset(z, "2040-07-01T00:00:00Z", 0); /* no footer: last type */
    gdpr_calendar__zone_free(z);

    /* Version 2 without the footer's newlines is malformed. */
    struct tzif_spec v2_no_footer = {'2', 2, times, type_of, 2, offsets, NULL, 0};
    len = build_tzif(buf, &v2_no_footer);
    ck_assert_int_eq(gdpr_calendar__zone_parse(buf, len, &z), -1);

    /* Version 4 with a footer that continues the rule after 2025. */
    struct tzif_spec v4 = {'4', 2, times, type_of, 2, offsets, "GMT0BST,M3.5.0/1,M10.5.0", 0};
    len = build_tzif(buf, &v4);
    ck_assert_int_eq(gdpr_calendar__zone_parse(buf, len, &z), 0);
    assert_offset(z, "2025-07-01T00:00:00Z", 3600);
    assert_offset(z, "2040-07-01T00:00:00Z", 3600);
    assert_offset(z, "2040-12-01T00:00:00Z", 0);
    gdpr_calendar__zone_free(z);

    /* A gap over local midnight: clocks go from 00:00 to 01:00 on 30 March
     * 2025, so that day begins at 01:00 local, 00:00 UTC. A repeated
     * midnight: at 00:30 on 26 October clocks go back to 23:30 on the 25th,
     * and the 26th begins the first time midnight is reached. */
    static const int64_t midnight_times[] = {INT64_C(1743292800), INT64_C(1761435000)};
    struct tzif_spec around_midnight = {'2', 2, midnight_times, type_of, 2, offsets, "", 0};
    len = build_tzif(buf, &around_midnight);
    ck_assert_int_eq(gdpr_calendar__zone_parse(buf, len, &z), 0);
    assert_offset(z, "2025-03-30T00:00:00Z", 3600);
    assert_offset(z, "2025-10-25T23:29:59Z", 3600);
    assert_offset(z, "2025-10-25T23:30:00Z", 0);
    ck_assert_int_eq(gdpr_calendar__zone_local_day(z, at("2025-10-25T23:15:00Z")),
                     day_of("2025-10-26"));
    ck_assert_int_eq(gdpr_calendar__zone_local_day(z, at("2025-10-25T23:45:00Z")),
                     day_of("2025-10-25"));
    ck_assert_int_eq(gdpr_calendar__zone_local_midnight(z, day_of("2025-03-30")),
                     at("2025-03-30T00:00:00Z"));
    ck_assert_int_eq(gdpr_calendar__zone_local_midnight(z, day_of("2025-03-31")),
                     at("2025-03-30T23:00:00Z"));
    ck_assert_int_eq(gdpr_calendar__zone_local_midnight(z, day_of("2025-10-26")),
                     at("2025-10-25T23:00:00Z"));
    ck_assert_int_eq(gdpr_calendar__zone_local_midnight(z, day_of("2025-10-27")),
                     at("2025-10-27T00:00:00Z"));
    gdpr_calendar__zone_free(z);
}
END_TEST

START_TEST(tzif_malformed)
{
    static const int64_t times[] = {INT64_C(1743296400), INT64_C(1761440400)};
    static const int64_t unordered[] = {INT64_C(1761440400), INT64_C(1743296400)};
    static const unsigned char type_of[] = {1, 0};
    static const unsigned char bad_type[] = {1, 2};
    static const int32_t offsets[] = {0, 3600};
    static const int32_t huge_offsets[] = {0, 26 * 3600};
    unsigned char buf[4096];
    cal_zone *sentinel = (cal_zone *)&sentinel;
    cal_zone *z = sentinel;

    struct tzif_spec good = {'2', 2, times, type_of, 2, offsets, "", 0};
    size_t len = build_tzif(buf, &good);
    /* Every truncation of a good file is refused. */
    for (size_t cut = 0; cut < len; cut++) {
        ck_assert_msg(gdpr_calendar__zone_parse(buf, cut, &z) == -1, "accepted %zu of %zu bytes",
                      cut, len);
    }
    buf[4] = '1';
    ck_assert_int_eq(gdpr_calendar__zone_parse(buf, len, &z), -1);
    buf[4] = '2';
    buf[0] = 'X';
    ck_assert_int_eq(gdpr_calendar__zone_parse(buf, len, &z), -1);

    const struct tzif_spec bad[] = {
        {'2', 2, unordered, type_of, 2, offsets, "", 0},
        {'2', 2, times, bad_type, 2, offsets, "", 0},
        {'2', 2, times, type_of, 2, huge_offsets, "", 0},
        {'2', 2, times, type_of, 2, offsets, "", 1},        /* leap seconds */
        {'2', 2, times, type_of, 0, offsets, "", 0},        /* no types */
        {'2', 2, times, type_of, 2, offsets, "GMT0BST", 0}, /* footer without rule */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        len = build_tzif(buf, &bad[i]);
        ck_assert_msg(gdpr_calendar__zone_parse(buf, len, &z) == -1, "accepted bad file %zu", i);
    }
    /* A footer line without its closing newline. */
    len = build_tzif(buf, &good);
    buf[len - 1] = 'X';
    ck_assert_int_eq(gdpr_calendar__zone_parse(buf, len, &z), -1);
    ck_assert_int_eq(gdpr_calendar__zone_parse(NULL, 100, &z), -1);
    ck_assert_ptr_eq(z, sentinel);
}
END_TEST

static void
write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

START_TEST(zone_load_from_tzdir)
{
    char dir[] = "/tmp/test-calendar-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[256], garbage_path[256];
    snprintf(path, sizeof(path), "%s/Test_Zone", dir);
    snprintf(garbage_path, sizeof(garbage_path), "%s/Garbage", dir);

    static const int32_t offsets[] = {0};
    struct tzif_spec s = {'2', 0, NULL, NULL, 1, offsets, "CET-1CEST,M3.5.0,M10.5.0/3", 0};
    unsigned char buf[4096];
    write_file(path, buf, build_tzif(buf, &s));
    write_file(garbage_path, "not a zone file", 15);

    const char *old = getenv("TZDIR");
    char *saved = old != NULL ? strdup(old) : NULL;
    ck_assert_int_eq(setenv("TZDIR", dir, 1), 0);

    cal_zone *z = load_zone("Test_Zone");
    assert_offset(z, "2025-07-01T00:00:00Z", 7200);
    gdpr_calendar__zone_free(z);
    z = NULL;
    ck_assert_int_eq(gdpr_calendar__zone_load("Garbage", &z), -1);
    ck_assert_ptr_null(z);
    /* The system zones are not there, but UTC is built in. */
    ck_assert_int_eq(gdpr_calendar__zone_load("Europe/Warsaw", &z), -1);
    z = load_zone("UTC");
    gdpr_calendar__zone_free(z);

    if (saved != NULL) {
        setenv("TZDIR", saved, 1);
        free(saved);
    } else {
        unsetenv("TZDIR");
    }
    unlink(path);
    unlink(garbage_path);
    rmdir(dir);
}
END_TEST

/* ------------------------------------------------------------------------
 * Deadlines (Regulation 1182/71 Art. 3)
 * ------------------------------------------------------------------------ */

static void
assert_deadline_in(const cal_zone *z, const char *received, int months, const int64_t *holidays,
                   size_t n, const char *last_day, const char *end)
{
    int64_t last = 0;
    int64_t due = gdpr_calendar__deadline_months(at(received), months, z, holidays, n, &last);
    ck_assert_msg(due != CAL_TIME_INVALID, "deadline refused for %s", received);
    char last_text[11], due_text[21];
    ck_assert_int_eq(gdpr_calendar__format_date(last, last_text), 0);
    ck_assert_int_eq(gdpr_calendar__format_instant(due, due_text), 0);
    ck_assert_msg(strcmp(last_text, last_day) == 0 && strcmp(due_text, end) == 0,
                  "received %s + %d months: last day %s ends %s, expected %s ends %s", received,
                  months, last_text, due_text, last_day, end);
}

START_TEST(deadline_month_end)
{
    cal_zone *warsaw = load_zone("Europe/Warsaw");
    /* 31 Jan: 31 Feb does not exist, so the last day of February. */
    assert_deadline_in(warsaw, "2025-01-31T09:00:00Z", 1, NULL, 0, "2025-02-28",
                       "2025-02-28T23:00:00Z");
    assert_deadline_in(warsaw, "2024-01-31T12:00:00Z", 1, NULL, 0, "2024-02-29",
                       "2024-02-29T23:00:00Z");
    /* 28 Feb 2025 -> Friday 28 March. */
    assert_deadline_in(warsaw, "2025-02-28T10:00:00Z", 1, NULL, 0, "2025-03-28",
                       "2025-03-28T23:00:00Z");
    /* 29 Feb 2024 -> Friday 29 March; a year later 29 Feb does not exist. */
    assert_deadline_in(warsaw, "2024-02-29T10:00:00Z", 1, NULL, 0, "2024-03-29",
                       "2024-03-29T23:00:00Z");
    assert_deadline_in(warsaw, "2024-02-29T10:00:00Z", 12, NULL, 0, "2025-02-28",
                       "2025-02-28T23:00:00Z");
    /* 30 April -> 30 May (the same date, not the end of May), in CEST. */
    assert_deadline_in(warsaw, "2025-04-30T10:00:00Z", 1, NULL, 0, "2025-05-30",
                       "2025-05-30T22:00:00Z");
    /* Extended by two further months: three in all. */
    assert_deadline_in(warsaw, "2025-01-31T09:00:00Z", 3, NULL, 0, "2025-04-30",
                       "2025-04-30T22:00:00Z");
    /* Zero months: the day itself, if it is a working day. */
    assert_deadline_in(warsaw, "2025-03-01T10:00:00Z", 0, NULL, 0, "2025-03-03",
                       "2025-03-03T23:00:00Z");
    gdpr_calendar__zone_free(warsaw);
}
END_TEST

START_TEST(deadline_year_end)
{
    cal_zone *warsaw = load_zone("Europe/Warsaw");
    cal_zone *dublin = load_zone("Europe/Dublin");
    assert_deadline_in(warsaw, "2024-12-31T10:00:00Z", 1, NULL, 0, "2025-01-31",
                       "2025-01-31T23:00:00Z");
    assert_deadline_in(dublin, "2024-12-31T10:00:00Z", 1, NULL, 0, "2025-01-31",
                       "2025-02-01T00:00:00Z");
    /* 31 Jan 2026 is a Saturday. */
    assert_deadline_in(warsaw, "2025-12-31T10:00:00Z", 1, NULL, 0, "2026-02-02",
                       "2026-02-02T23:00:00Z");
    gdpr_calendar__zone_free(warsaw);
    gdpr_calendar__zone_free(dublin);
}
END_TEST

START_TEST(deadline_weekend)
{
    cal_zone *warsaw = load_zone("Europe/Warsaw");
    /* 1 March 2025 is a Saturday, 2 March a Sunday: Monday 3 March. */
    assert_deadline_in(warsaw, "2025-02-01T10:00:00Z", 1, NULL, 0, "2025-03-03",
                       "2025-03-03T23:00:00Z");
    assert_deadline_in(warsaw, "2025-02-02T10:00:00Z", 1, NULL, 0, "2025-03-03",
                       "2025-03-03T23:00:00Z");
    gdpr_calendar__zone_free(warsaw);
}
END_TEST

START_TEST(deadline_holidays)
{
    cal_zone *warsaw = load_zone("Europe/Warsaw");
    cal_zone *dublin = load_zone("Europe/Dublin");
    /* Poland: 11 November 2025 (Tuesday) is Independence Day. */
    const int64_t polish[] = {day_of("2025-11-01"), day_of("2025-11-11")};
    assert_deadline_in(warsaw, "2025-10-11T10:00:00Z", 1, polish, 2, "2025-11-12",
                       "2025-11-12T23:00:00Z");
    assert_deadline_in(warsaw, "2025-10-11T10:00:00Z", 1, NULL, 0, "2025-11-11",
                       "2025-11-11T23:00:00Z");
    /* Ireland: Christmas (Thu) and St Stephen's Day (Fri), then a weekend. */
    const int64_t irish[] = {day_of("2025-01-01"), day_of("2025-12-25"), day_of("2025-12-26"),
                             day_of("2025-12-26")};
    assert_deadline_in(dublin, "2025-11-25T10:00:00Z", 1, irish, 4, "2025-12-29",
                       "2025-12-30T00:00:00Z");
    gdpr_calendar__zone_free(warsaw);
    gdpr_calendar__zone_free(dublin);
}
END_TEST

START_TEST(deadline_local_date_differs_from_utc)
{
    cal_zone *warsaw = load_zone("Europe/Warsaw");
    cal_zone *dublin = load_zone("Europe/Dublin");
    cal_zone *new_york = load_zone("America/New_York");
    /* 23:30 local on 31 Jan in Warsaw is 22:30 UTC: still 31 Jan. */
    assert_deadline_in(warsaw, "2025-01-31T22:30:00Z", 1, NULL, 0, "2025-02-28",
                       "2025-02-28T23:00:00Z");
    /* 23:30 UTC on 31 Jan is 00:30 on 1 Feb in Warsaw: 1 March, a Saturday. */
    assert_deadline_in(warsaw, "2025-01-31T23:30:00Z", 1, NULL, 0, "2025-03-03",
                       "2025-03-03T23:00:00Z");
    /* 23:30 in New York on 31 Jan is already 1 Feb 04:30 UTC; the local
     * date counts, and the day ends at 05:00 UTC. */
    assert_deadline_in(new_york, "2025-02-01T04:30:00Z", 1, NULL, 0, "2025-02-28",
                       "2025-03-01T05:00:00Z");
    /* 23:30 UTC on 30 June is 00:30 IST on 1 July in Dublin. */
    assert_deadline_in(dublin, "2025-06-30T23:30:00Z", 1, NULL, 0, "2025-08-01",
                       "2025-08-01T23:00:00Z");
    gdpr_calendar__zone_free(warsaw);
    gdpr_calendar__zone_free(dublin);
    gdpr_calendar__zone_free(new_york);
}
END_TEST

START_TEST(deadline_across_dst_and_footer)
{
    cal_zone *warsaw = load_zone("Europe/Warsaw");
    cal_zone *dublin = load_zone("Europe/Dublin");
    assert_deadline_in(dublin, "2025-02-28T10:00:00Z", 1, NULL, 0, "2025-03-28",
                       "2025-03-29T00:00:00Z");
    assert_deadline_in(dublin, "2025-03-01T10:00:00Z", 1, NULL, 0, "2025-04-01",
                       "2025-04-01T23:00:00Z");
    assert_deadline_in(warsaw, "2025-03-01T10:00:00Z", 1, NULL, 0, "2025-04-01",
                       "2025-04-01T22:00:00Z");
    /* 15 July 2040 is a Sunday; 2040 is past the file's transitions. */
    assert_deadline_in(dublin, "2040-06-15T10:00:00Z", 1, NULL, 0, "2040-07-16",
                       "2040-07-16T23:00:00Z");
    /* No zone: UTC. */
    assert_deadline_in(NULL, "2025-01-31T10:00:00Z", 1, NULL, 0, "2025-02-28",
                       "2025-03-01T00:00:00Z");
    gdpr_calendar__zone_free(warsaw);
    gdpr_calendar__zone_free(dublin);
}
END_TEST

START_TEST(deadline_bad_input)
{
    int64_t last = 42;
    const int64_t unsorted[] = {day_of("2025-12-26"), day_of("2025-12-25")};
    int64_t t = at("2025-01-31T10:00:00Z");
    ck_assert_int_eq(gdpr_calendar__deadline_months(t, -1, NULL, NULL, 0, &last), CAL_TIME_INVALID);
    ck_assert_int_eq(
        gdpr_calendar__deadline_months(t, CAL_DEADLINE_MAX_MONTHS + 1, NULL, NULL, 0, &last),
        CAL_TIME_INVALID);
    ck_assert_int_eq(gdpr_calendar__deadline_months(t, 1, NULL, NULL, 1, &last), CAL_TIME_INVALID);
    ck_assert_int_eq(gdpr_calendar__deadline_months(t, 1, NULL, unsorted, 2, &last),
                     CAL_TIME_INVALID);
    ck_assert_int_eq(gdpr_calendar__deadline_months(CAL_MAX_TIME + 1, 1, NULL, NULL, 0, &last),
                     CAL_TIME_INVALID);
    ck_assert_int_eq(gdpr_calendar__deadline_months(INT64_MIN, 1, NULL, NULL, 0, &last),
                     CAL_TIME_INVALID);
    ck_assert_int_eq(
        gdpr_calendar__deadline_months(at("9999-12-01T00:00:00Z"), 1, NULL, NULL, 0, &last),
        CAL_TIME_INVALID);
    ck_assert_int_eq(last, 42);
    ck_assert_int_ne(
        gdpr_calendar__deadline_months(t, CAL_DEADLINE_MAX_MONTHS, NULL, NULL, 0, NULL),
        CAL_TIME_INVALID);
}
END_TEST

/* ------------------------------------------------------------------------
 * Suite
 * ------------------------------------------------------------------------ */

static Suite *
calendar_suite(void)
{
    Suite *s = suite_create("calendar");

    TCase *durations = tcase_create("durations");
    tcase_add_test(durations, duration_good_forms);
    tcase_add_loop_test(durations, duration_bad_forms, 0,
                        (int)(sizeof(bad_durations) / sizeof(bad_durations[0])));
    tcase_add_test(durations, duration_null_text);
    tcase_add_test(durations, duration_format);
    tcase_add_test(durations, add_month_end_rule);
    tcase_add_test(durations, add_retention_periods);
    tcase_add_test(durations, add_year_end);
    tcase_add_test(durations, add_out_of_range);
    suite_add_tcase(s, durations);

    TCase *civil = tcase_create("civil");
    tcase_set_timeout(civil, 60);
    tcase_add_test(civil, civil_known_dates);
    tcase_add_test(civil, civil_invalid_dates);
    tcase_add_test(civil, civil_round_trip_wide_range);
    tcase_add_test(civil, civil_extreme_years);
    tcase_add_test(civil, weekday_known_dates);
    tcase_add_test(civil, date_parse_and_format);
    tcase_add_test(civil, instant_parse_and_format);
    suite_add_tcase(s, civil);

    TCase *zones = tcase_create("zones");
    tcase_add_test(zones, zone_warsaw);
    tcase_add_test(zones, zone_dublin);
    tcase_add_test(zones, zone_utc_and_null);
    tcase_add_test(zones, zone_bad_names);
    tcase_add_test(zones, footer_only_zone);
    tcase_add_test(zones, footer_southern_hemisphere);
    tcase_add_test(zones, footer_negative_rule_times);
    tcase_add_test(zones, footer_julian_rules);
    tcase_add_test(zones, footer_syntax);
    tcase_add_test(zones, tzif_transitions_and_versions);
    tcase_add_test(zones, tzif_malformed);
    tcase_add_test(zones, zone_load_from_tzdir);
    suite_add_tcase(s, zones);

    TCase *deadlines = tcase_create("deadlines");
    tcase_add_test(deadlines, deadline_month_end);
    tcase_add_test(deadlines, deadline_year_end);
    tcase_add_test(deadlines, deadline_weekend);
    tcase_add_test(deadlines, deadline_holidays);
    tcase_add_test(deadlines, deadline_local_date_differs_from_utc);
    tcase_add_test(deadlines, deadline_across_dst_and_footer);
    tcase_add_test(deadlines, deadline_bad_input);
    suite_add_tcase(s, deadlines);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(calendar_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed != 0 ? 1 : 0;
}
