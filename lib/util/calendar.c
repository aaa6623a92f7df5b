/*
 * calendar.c - see calendar.h. Everything is integer arithmetic on int64_t;
 * every multiplication or addition that could leave int64_t is checked first.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* open, fstat, read: refuse non-regular files */
#endif

#include "calendar.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DAYS_PER_400_YEARS INT64_C(146097)
/* Day 0 of the era-based civil algorithm is 0000-03-01, 719468 days before
 * 1970-01-01; starting the year in March puts the leap day last. */
#define EPOCH_SHIFT_DAYS INT64_C(719468)
#define CIVIL_YEAR_LIMIT INT64_C(1000000000000000)

/* ------------------------------------------------------------------------
 * Checked integer helpers
 * ------------------------------------------------------------------------ */

static bool
add_i64(int64_t a, int64_t b, int64_t *sum)
{
    if ((b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b)) {
        return false;
    }
    *sum = a + b;
    return true;
}

/* Multiply by a positive constant factor. */
static bool
scale_i64(int64_t a, int64_t factor, int64_t *product)
{
    if (a > INT64_MAX / factor || a < INT64_MIN / factor) {
        return false;
    }
    *product = a * factor;
    return true;
}

/* Division and remainder rounding towards minus infinity (divisor > 0), so
 * that instants before 1970 fall on the right day. */
static int64_t
floor_div(int64_t a, int64_t divisor)
{
    int64_t q = a / divisor;
    if (a % divisor < 0) {
        q--;
    }
    return q;
}

static int64_t
floor_mod(int64_t a, int64_t divisor)
{
    int64_t r = a % divisor;
    if (r < 0) {
        r += divisor;
    }
    return r;
}

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* ------------------------------------------------------------------------
 * Civil dates
 * ------------------------------------------------------------------------ */

static bool
is_leap_year(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned
days_in_month(int64_t y, unsigned m)
{
    static const unsigned char lengths[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && is_leap_year(y)) {
        return 29;
    }
    return lengths[m - 1];
}

int64_t
gdpr_calendar__days_from_civil(int64_t y, unsigned m, unsigned d)
{
    if (y < -CIVIL_YEAR_LIMIT || y > CIVIL_YEAR_LIMIT || m < 1 || m > 12 || d < 1 ||
        d > days_in_month(y, m)) {
        return CAL_DAYS_INVALID;
    }
    /* Count years from March so that February's variable length is last. */
    int64_t march_year = m <= 2 ? y - 1 : y;
    int64_t era = floor_div(march_year, 400);
    int64_t year_of_era = march_year - era * 400; /* 0..399 */
    int64_t month_from_march = m > 2 ? (int64_t)m - 3 : (int64_t)m + 9;
    int64_t day_of_year = (153 * month_from_march + 2) / 5 + (int64_t)d - 1;
    int64_t day_of_era =
        year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year; /* 0..146096 */
    return era * DAYS_PER_400_YEARS + day_of_era - EPOCH_SHIFT_DAYS;
}

void
gdpr_calendar__civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
    /* Split with / and % (never a multiplication back) so that neither the
     * split nor the epoch shift can overflow, even for INT64_MIN. */
    int64_t era = days / DAYS_PER_400_YEARS;
    int64_t day_of_era = days % DAYS_PER_400_YEARS;
    if (day_of_era < 0) {
        day_of_era += DAYS_PER_400_YEARS;
        era--;
    }
    day_of_era += EPOCH_SHIFT_DAYS;
    era += day_of_era / DAYS_PER_400_YEARS;
    day_of_era %= DAYS_PER_400_YEARS;
    int64_t year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) /
        365; /* 0..399 */
    int64_t day_of_year =
        day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100); /* 0..365 */
    int64_t month_from_march = (5 * day_of_year + 2) / 153;                     /* 0..11 */
    unsigned day = (unsigned)(day_of_year - (153 * month_from_march + 2) / 5 + 1);
    unsigned month =
        (unsigned)(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
    int64_t year = era * 400 + year_of_era + (month <= 2 ? 1 : 0);
    if (y != NULL) {
        *y = year;
    }
    if (m != NULL) {
        *m = month;
    }
    if (d != NULL) {
        *d = day;
    }
}

int
gdpr_calendar__weekday(int64_t days)
{
    /* 1970-01-01 was a Thursday (3). */
    return (int)((floor_mod(days, 7) + 3) % 7);
}

/* Move a date by a number of months, keeping the day of the month but
 * clamping it to the end of a shorter month. */
static bool
add_months_clamped(int64_t days, int64_t months, int64_t *out)
{
    int64_t y;
    unsigned m, d;
    gdpr_calendar__civil_from_days(days, &y, &m, &d);
    int64_t month_index, target;
    if (!scale_i64(y, 12, &month_index) || !add_i64(month_index, (int64_t)m - 1, &month_index) ||
        !add_i64(month_index, months, &target)) {
        return false;
    }
    int64_t target_year = floor_div(target, 12);
    unsigned target_month = (unsigned)(floor_mod(target, 12) + 1);
    if (target_year < 1 || target_year > 9999) {
        return false;
    }
    unsigned last = days_in_month(target_year, target_month);
    *out = gdpr_calendar__days_from_civil(target_year, target_month, d < last ? d : last);
    return true;
}

/* ------------------------------------------------------------------------
 * Durations
 * ------------------------------------------------------------------------ */

enum duration_slot {
    SLOT_YEARS,
    SLOT_MONTHS,
    SLOT_WEEKS,
    SLOT_DAYS,
    SLOT_HOURS,
    SLOT_MINUTES,
    SLOT_SECONDS,
    SLOT_COUNT
};

static const char *const slot_out_of_order[SLOT_COUNT] = {
    "designator 'Y' out of order", "designator 'M' (months) out of order",
    "designator 'W' out of order", "designator 'D' out of order",
    "designator 'H' out of order", "designator 'M' (minutes) out of order",
    "designator 'S' out of order",
};

static const char *const slot_repeated[SLOT_COUNT] = {
    "designator 'Y' repeated", "designator 'M' (months) repeated",
    "designator 'W' repeated", "designator 'D' repeated",
    "designator 'H' repeated", "designator 'M' (minutes) repeated",
    "designator 'S' repeated",
};

static int64_t *
duration_slot_field(cal_duration *d, enum duration_slot slot)
{
    switch (slot) {
    case SLOT_YEARS:
        return &d->years;
    case SLOT_MONTHS:
        return &d->months;
    case SLOT_WEEKS:
        return &d->weeks;
    case SLOT_DAYS:
        return &d->days;
    case SLOT_HOURS:
        return &d->hours;
    case SLOT_MINUTES:
        return &d->minutes;
    case SLOT_SECONDS:
    case SLOT_COUNT:
        break;
    }
    return &d->seconds;
}

/* The slot of designator c, or -1 with *why set. */
static int
designator_slot(char c, bool in_time, const char **why)
{
    if (!in_time) {
        switch (c) {
        case 'Y':
            return SLOT_YEARS;
        case 'M':
            return SLOT_MONTHS;
        case 'W':
            return SLOT_WEEKS;
        case 'D':
            return SLOT_DAYS;
        case 'H':
        case 'S':
            *why = "hours, minutes and seconds need 'T' before them";
            return -1;
        default:
            *why = "unknown designator (expected Y, M, W, D or T)";
            return -1;
        }
    }
    switch (c) {
    case 'H':
        return SLOT_HOURS;
    case 'M':
        return SLOT_MINUTES;
    case 'S':
        return SLOT_SECONDS;
    case 'Y':
    case 'W':
    case 'D':
        *why = "years, weeks and days must come before 'T'";
        return -1;
    default:
        *why = "unknown designator (expected H, M or S)";
        return -1;
    }
}

static int
duration_fail(size_t pos, const char *reason, size_t *bad_pos, const char **why)
{
    if (bad_pos != NULL) {
        *bad_pos = pos;
    }
    if (why != NULL) {
        *why = reason;
    }
    return -1;
}

#define WEEKS_ALONE "weeks cannot be combined with other components (use PnW alone)"

int
gdpr_calendar__duration_parse(const char *text, cal_duration *out, size_t *bad_pos,
                              const char **why)
{
    if (text == NULL) {
        return duration_fail(0, "duration is NULL", bad_pos, why);
    }
    if (text[0] != 'P') {
        return duration_fail(0, "expected 'P' at the start", bad_pos, why);
    }
    cal_duration result = {0, 0, 0, 0, 0, 0, 0};
    bool in_time = false;
    bool has_weeks = false;
    int last_slot = -1;
    int components = 0;
    int time_components = 0;
    size_t pos = 1;
    for (;;) {
        char c = text[pos];
        if (c == '\0') {
            if (in_time && time_components == 0) {
                return duration_fail(pos, "expected a component after 'T'", bad_pos, why);
            }
            if (components == 0) {
                return duration_fail(pos, "expected at least one component", bad_pos, why);
            }
            break;
        }
        if (has_weeks) {
            return duration_fail(pos, WEEKS_ALONE, bad_pos, why);
        }
        if (c == 'T') {
            if (in_time) {
                return duration_fail(pos, "'T' repeated", bad_pos, why);
            }
            in_time = true;
            pos++;
            continue;
        }
        if (c == '-' || c == '+') {
            return duration_fail(pos, "signs are not allowed", bad_pos, why);
        }
        if (!is_digit(c)) {
            return duration_fail(pos, "expected a digit", bad_pos, why);
        }
        size_t number_start = pos;
        int64_t value = 0;
        while (is_digit(text[pos])) {
            value = value * 10 + (text[pos] - '0');
            if (value > CAL_DURATION_MAX_VALUE) {
                return duration_fail(number_start, "value larger than 100000", bad_pos, why);
            }
            pos++;
        }
        c = text[pos];
        if (c == '.' || c == ',') {
            return duration_fail(pos, "fractions are not allowed", bad_pos, why);
        }
        if (c == '\0') {
            return duration_fail(pos, "expected a designator after the number", bad_pos, why);
        }
        const char *slot_why = NULL;
        int slot = designator_slot(c, in_time, &slot_why);
        if (slot < 0) {
            return duration_fail(pos, slot_why, bad_pos, why);
        }
        if (slot == SLOT_WEEKS && components > 0) {
            return duration_fail(pos, WEEKS_ALONE, bad_pos, why);
        }
        if (slot == last_slot) {
            return duration_fail(pos, slot_repeated[slot], bad_pos, why);
        }
        if (slot < last_slot) {
            return duration_fail(pos, slot_out_of_order[slot], bad_pos, why);
        }
        *duration_slot_field(&result, (enum duration_slot)slot) = value;
        last_slot = slot;
        components++;
        time_components += in_time ? 1 : 0;
        has_weeks = slot == SLOT_WEEKS;
        pos++;
    }
    if (out != NULL) {
        *out = result;
    }
    return 0;
}

/* Append "<value><designator>" when value is not zero; false if it does not fit. */
static bool
append_component(char *buf, size_t size, size_t *len, int64_t value, char designator)
{
    if (value == 0) {
        return true;
    }
    int n = snprintf(buf + *len, size - *len, "%" PRId64 "%c", value, designator);
    if (n < 0 || (size_t)n >= size - *len) {
        return false;
    }
    *len += (size_t)n;
    return true;
}

static bool
append_text(char *buf, size_t size, size_t *len, const char *text)
{
    size_t n = strlen(text);
    if (n >= size - *len) {
        return false;
    }
    memcpy(buf + *len, text, n + 1);
    *len += n;
    return true;
}

static bool
duration_write(const cal_duration *d, char *buf, size_t size, size_t *len)
{
    bool only_weeks = d->weeks != 0 && d->years == 0 && d->months == 0 && d->days == 0 &&
                      d->hours == 0 && d->minutes == 0 && d->seconds == 0;
    if (only_weeks) {
        return append_text(buf, size, len, "P") && append_component(buf, size, len, d->weeks, 'W');
    }
    int64_t week_days, days;
    if (!scale_i64(d->weeks, 7, &week_days) || !add_i64(d->days, week_days, &days)) {
        return false;
    }
    bool has_date = d->years != 0 || d->months != 0 || days != 0;
    bool has_time = d->hours != 0 || d->minutes != 0 || d->seconds != 0;
    if (!has_date && !has_time) {
        return append_text(buf, size, len, "P0D");
    }
    bool ok = append_text(buf, size, len, "P") && append_component(buf, size, len, d->years, 'Y') &&
              append_component(buf, size, len, d->months, 'M') &&
              append_component(buf, size, len, days, 'D');
    if (ok && has_time) {
        ok = append_text(buf, size, len, "T") && append_component(buf, size, len, d->hours, 'H') &&
             append_component(buf, size, len, d->minutes, 'M') &&
             append_component(buf, size, len, d->seconds, 'S');
    }
    return ok;
}

int
gdpr_calendar__duration_format(const cal_duration *d, char *buf, size_t size)
{
    if (buf == NULL || size == 0) {
        return -1;
    }
    buf[0] = '\0';
    if (d == NULL || d->years < 0 || d->months < 0 || d->weeks < 0 || d->days < 0 || d->hours < 0 ||
        d->minutes < 0 || d->seconds < 0) {
        return -1;
    }
    size_t len = 0;
    if (!duration_write(d, buf, size, &len) || len > INT32_MAX) {
        buf[0] = '\0';
        return -1;
    }
    return (int)len;
}

static bool
instant_in_range(int64_t t)
{
    return t >= CAL_MIN_TIME && t <= CAL_MAX_TIME;
}

int
gdpr_calendar__add(int64_t t, const cal_duration *d, int64_t *out)
{
    if (d == NULL || out == NULL || !instant_in_range(t)) {
        return -1;
    }
    int64_t days = floor_div(t, SECONDS_PER_DAY);
    int64_t second_of_day = floor_mod(t, SECONDS_PER_DAY);
    int64_t months, day_count, week_days, seconds, hour_seconds, minute_seconds;
    if (!scale_i64(d->years, 12, &months) || !add_i64(months, d->months, &months) ||
        !add_months_clamped(days, months, &days)) {
        return -1;
    }
    if (!scale_i64(d->weeks, 7, &week_days) || !add_i64(week_days, d->days, &day_count) ||
        !add_i64(days, day_count, &days)) {
        return -1;
    }
    if (!scale_i64(days, SECONDS_PER_DAY, &seconds) || !add_i64(seconds, second_of_day, &seconds) ||
        !scale_i64(d->hours, 3600, &hour_seconds) || !add_i64(seconds, hour_seconds, &seconds) ||
        !scale_i64(d->minutes, 60, &minute_seconds) ||
        !add_i64(seconds, minute_seconds, &seconds) || !add_i64(seconds, d->seconds, &seconds) ||
        !instant_in_range(seconds)) {
        return -1;
    }
    *out = seconds;
    return 0;
}

/* ------------------------------------------------------------------------
 * Date and instant text
 * ------------------------------------------------------------------------ */

/* Read exactly n digits; stops at the first non-digit (including NUL), so it
 * never reads past the end of a short string. */
static bool
read_fixed_digits(const char *s, size_t n, unsigned *value)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i])) {
            return false;
        }
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *value = v;
    return true;
}

/* Parse "YYYY-MM-DD" at the start of s (what follows is the caller's). */
static bool
parse_date_prefix(const char *s, int64_t *days)
{
    unsigned y, m, d;
    if (!read_fixed_digits(s, 4, &y) || s[4] != '-' || !read_fixed_digits(s + 5, 2, &m) ||
        s[7] != '-' || !read_fixed_digits(s + 8, 2, &d) || y < 1) {
        return false;
    }
    int64_t result = gdpr_calendar__days_from_civil(y, m, d);
    if (result == CAL_DAYS_INVALID) {
        return false;
    }
    *days = result;
    return true;
}

int
gdpr_calendar__parse_date(const char *s, int64_t *days_out)
{
    int64_t days;
    if (s == NULL || days_out == NULL || !parse_date_prefix(s, &days) || s[10] != '\0') {
        return -1;
    }
    *days_out = days;
    return 0;
}

int
gdpr_calendar__parse_instant(const char *s, int64_t *t_out)
{
    int64_t days;
    if (s == NULL || t_out == NULL || !parse_date_prefix(s, &days)) {
        return -1;
    }
    if (s[10] == '\0') {
        *t_out = days * SECONDS_PER_DAY;
        return 0;
    }
    unsigned hh, mm, ss;
    if (s[10] != 'T' || !read_fixed_digits(s + 11, 2, &hh) || s[13] != ':' ||
        !read_fixed_digits(s + 14, 2, &mm) || s[16] != ':' || !read_fixed_digits(s + 17, 2, &ss) ||
        s[19] != 'Z' || s[20] != '\0' || hh > 23 || mm > 59 || ss > 59) {
        return -1;
    }
    *t_out = days * SECONDS_PER_DAY + (int64_t)hh * 3600 + (int64_t)mm * 60 + (int64_t)ss;
    return 0;
}

/* Write value as exactly `width` decimal digits, zero-padded. */
static char *
put_digits(char *p, unsigned value, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + value % 10);
        value /= 10;
    }
    return p + width;
}

/* "YYYY-MM-DD" without a NUL; days must be within the supported range. */
static char *
put_date(char *p, int64_t days)
{
    int64_t y;
    unsigned m, d;
    gdpr_calendar__civil_from_days(days, &y, &m, &d);
    p = put_digits(p, (unsigned)y, 4);
    *p++ = '-';
    p = put_digits(p, m, 2);
    *p++ = '-';
    return put_digits(p, d, 2);
}

int
gdpr_calendar__format_date(int64_t days, char buf[11])
{
    if (buf == NULL) {
        return -1;
    }
    buf[0] = '\0';
    if (days < CAL_MIN_DAYS || days > CAL_MAX_DAYS) {
        return -1;
    }
    *put_date(buf, days) = '\0';
    return 0;
}

int
gdpr_calendar__format_instant(int64_t t, char buf[21])
{
    if (buf == NULL) {
        return -1;
    }
    buf[0] = '\0';
    if (!instant_in_range(t)) {
        return -1;
    }
    unsigned second_of_day = (unsigned)floor_mod(t, SECONDS_PER_DAY);
    char *p = put_date(buf, floor_div(t, SECONDS_PER_DAY));
    *p++ = 'T';
    p = put_digits(p, second_of_day / 3600, 2);
    *p++ = ':';
    p = put_digits(p, second_of_day / 60 % 60, 2);
    *p++ = ':';
    p = put_digits(p, second_of_day % 60, 2);
    *p++ = 'Z';
    *p = '\0';
    return 0;
}

/* ------------------------------------------------------------------------
 * Time zones: data
 * ------------------------------------------------------------------------ */

/* Offsets beyond +-26 h do not exist; bounding them keeps every search
 * window small and every sum far from overflow. */
#define MAX_ABS_OFFSET (26 * 3600)
/* Footer rules are evaluated for years in this range only; outside it the
 * arithmetic would approach int64_t limits and no one needs the answer. */
#define RULE_YEAR_MIN INT64_C(-100000)
#define RULE_YEAR_MAX INT64_C(100000)
#define TZIF_MAX_FILE_SIZE (1024 * 1024)
#define TZIF_HEADER_SIZE 44
#define TZIF_MAX_TYPES 256
#define TZ_NAME_MAX 255
#define FOOTER_MAX 255

enum rule_date_kind {
    RULE_JULIAN_NO_LEAP, /* Jn: 1..365, February 29 never counted */
    RULE_ZERO_BASED,     /* n: 0..365, February 29 counted */
    RULE_MONTH_WEEK_DAY  /* Mm.w.d: weekday d of week w (5 = last) of month m */
};

struct rule_date {
    enum rule_date_kind kind;
    int day; /* Jn or n value, or weekday for Mm.w.d (0 = Sunday) */
    int week;
    int month;
    int32_t time; /* local seconds after midnight, may be < 0 or > 24 h */
};

struct posix_tz {
    int32_t std_offset; /* seconds east of UTC */
    bool has_dst;
    int32_t dst_offset;
    struct rule_date dst_start; /* given in standard time */
    struct rule_date dst_end;   /* given in daylight time */
};

struct transition {
    int64_t at;     /* first instant of the new offset */
    int32_t offset; /* seconds east of UTC from `at` on */
};

struct cal_zone {
    int32_t initial_offset; /* before the first transition: time type 0 */
    bool has_footer;
    struct posix_tz footer;
    size_t n_transitions;
    struct transition transitions[];
};

static cal_zone *
zone_alloc(size_t n_transitions)
{
    if (n_transitions > (SIZE_MAX - sizeof(cal_zone)) / sizeof(struct transition)) {
        return NULL;
    }
    cal_zone *z = malloc(sizeof(cal_zone) + n_transitions * sizeof(struct transition));
    if (z != NULL) {
        memset(z, 0, sizeof(*z));
        z->n_transitions = n_transitions;
    }
    return z;
}

void
gdpr_calendar__zone_free(cal_zone *z)
{
    free(z);
}

/* ------------------------------------------------------------------------
 * Time zones: POSIX TZ rule (the TZif footer)
 * ------------------------------------------------------------------------ */

/* Day (since 1970-01-01) on which the rule date falls in year y. */
static int64_t
rule_day(const struct rule_date *r, int64_t y)
{
    int64_t jan1 = gdpr_calendar__days_from_civil(y, 1, 1);
    switch (r->kind) {
    case RULE_JULIAN_NO_LEAP:
        return jan1 + r->day - 1 + (is_leap_year(y) && r->day >= 60 ? 1 : 0);
    case RULE_ZERO_BASED:
        return jan1 + r->day;
    case RULE_MONTH_WEEK_DAY:
        break;
    }
    int64_t first = gdpr_calendar__days_from_civil(y, (unsigned)r->month, 1);
    int first_weekday_from_sunday = (gdpr_calendar__weekday(first) + 1) % 7;
    int64_t day_of_month = 1 + (r->day - first_weekday_from_sunday + 7) % 7 + 7 * (r->week - 1);
    int64_t length = days_in_month(y, (unsigned)r->month);
    while (day_of_month > length) {
        day_of_month -= 7;
    }
    return first + day_of_month - 1;
}

static int64_t
rule_instant(const struct rule_date *r, int64_t y, int32_t offset_before)
{
    return rule_day(r, y) * SECONDS_PER_DAY + r->time - offset_before;
}

static int64_t
rule_year_of(int64_t utc)
{
    int64_t y;
    gdpr_calendar__civil_from_days(floor_div(utc, SECONDS_PER_DAY), &y, NULL, NULL);
    if (y < RULE_YEAR_MIN) {
        return RULE_YEAR_MIN;
    }
    return y > RULE_YEAR_MAX ? RULE_YEAR_MAX : y;
}

/* Offset from the footer rule: the latest DST start or end at or before utc
 * decides. Looking at the neighbouring years too covers rules whose dates
 * wrap around New Year (Europe/Dublin's negative DST) and rule times that
 * spill into the next or previous year. */
static int32_t
footer_offset(const struct posix_tz *tz, int64_t utc)
{
    if (!tz->has_dst) {
        return tz->std_offset;
    }
    int64_t year = rule_year_of(utc);
    bool found = false;
    bool in_dst = false;
    int64_t latest = INT64_MIN;
    for (int64_t y = year - 1; y <= year + 1; y++) {
        int64_t start = rule_instant(&tz->dst_start, y, tz->std_offset);
        int64_t end = rule_instant(&tz->dst_end, y, tz->dst_offset);
        /* On a tie DST wins: a rule that is DST all year ends one year's DST
         * exactly when it starts the next one's. */
        if (end <= utc && (!found || end > latest)) {
            latest = end;
            in_dst = false;
            found = true;
        }
        if (start <= utc && (!found || start >= latest)) {
            latest = start;
            in_dst = true;
            found = true;
        }
    }
    return in_dst ? tz->dst_offset : tz->std_offset;
}

/* The first DST start or end strictly after utc, INT64_MAX if none. */
static int64_t
footer_next_change(const struct posix_tz *tz, int64_t utc)
{
    if (!tz->has_dst) {
        return INT64_MAX;
    }
    int64_t year = rule_year_of(utc);
    int64_t next = INT64_MAX;
    for (int64_t y = year - 1; y <= year + 2; y++) {
        int64_t start = rule_instant(&tz->dst_start, y, tz->std_offset);
        int64_t end = rule_instant(&tz->dst_end, y, tz->dst_offset);
        if (start > utc && start < next) {
            next = start;
        }
        if (end > utc && end < next) {
            next = end;
        }
    }
    return next;
}

/* A bounded decimal number of 1..max_digits digits. */
static bool
parse_number(const char **s, int max_digits, int min, int max, int *out)
{
    const char *p = *s;
    int value = 0;
    int digits = 0;
    while (is_digit(*p) && digits < max_digits) {
        value = value * 10 + (*p - '0');
        p++;
        digits++;
    }
    if (digits == 0 || is_digit(*p) || value < min || value > max) {
        return false;
    }
    *s = p;
    *out = value;
    return true;
}

/* [+|-]hh[:mm[:ss]] with hh up to max_hours; returns signed seconds. */
static bool
parse_hms(const char **s, int max_hours, int32_t *out)
{
    const char *p = *s;
    int sign = 1;
    if (*p == '+' || *p == '-') {
        sign = *p == '-' ? -1 : 1;
        p++;
    }
    int hours, minutes = 0, seconds = 0;
    if (!parse_number(&p, 3, 0, max_hours, &hours)) {
        return false;
    }
    if (*p == ':') {
        p++;
        if (!parse_number(&p, 2, 0, 59, &minutes)) {
            return false;
        }
        if (*p == ':') {
            p++;
            if (!parse_number(&p, 2, 0, 59, &seconds)) {
                return false;
            }
        }
    }
    *s = p;
    *out = sign * (hours * 3600 + minutes * 60 + seconds);
    return true;
}

/* A zone abbreviation: three or more letters, or <...> of letters, digits, + and -. */
static bool
skip_tz_abbreviation(const char **s)
{
    const char *p = *s;
    size_t n = 0;
    if (*p == '<') {
        p++;
        while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || is_digit(*p) || *p == '+' ||
               *p == '-') {
            p++;
            n++;
        }
        if (*p != '>' || n < 3) {
            return false;
        }
        *s = p + 1;
        return true;
    }
    while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) {
        p++;
        n++;
    }
    if (n < 3) {
        return false;
    }
    *s = p;
    return true;
}

/* POSIX offsets count west of UTC; turn them into seconds east. */
static bool
parse_tz_offset(const char **s, int32_t *east)
{
    int32_t west;
    if (!parse_hms(s, 24, &west)) {
        return false;
    }
    *east = -west;
    return true;
}

static bool
parse_rule_date(const char **s, struct rule_date *r)
{
    const char *p = *s;
    if (*p == 'J') {
        p++;
        r->kind = RULE_JULIAN_NO_LEAP;
        if (!parse_number(&p, 3, 1, 365, &r->day)) {
            return false;
        }
    } else if (*p == 'M') {
        p++;
        r->kind = RULE_MONTH_WEEK_DAY;
        if (!parse_number(&p, 2, 1, 12, &r->month) || *p++ != '.' ||
            !parse_number(&p, 1, 1, 5, &r->week) || *p++ != '.' ||
            !parse_number(&p, 1, 0, 6, &r->day)) {
            return false;
        }
    } else {
        r->kind = RULE_ZERO_BASED;
        if (!parse_number(&p, 3, 0, 365, &r->day)) {
            return false;
        }
    }
    r->time = 2 * 3600;
    if (*p == '/') {
        p++;
        /* TZif version 3 allows -167..167 hours so rules can say "the
         * Saturday before the last Sunday, at 24:00". */
        if (!parse_hms(&p, 167, &r->time)) {
            return false;
        }
    }
    *s = p;
    return true;
}

/* Parse a whole POSIX TZ string (NUL-terminated). A DST part must carry its
 * rule: the POSIX default rule is implementation-defined, so guessing would
 * give wrong answers silently. */
static bool
parse_posix_tz(const char *s, struct posix_tz *tz)
{
    memset(tz, 0, sizeof(*tz));
    if (!skip_tz_abbreviation(&s) || !parse_tz_offset(&s, &tz->std_offset)) {
        return false;
    }
    if (*s == '\0') {
        return true;
    }
    if (!skip_tz_abbreviation(&s)) {
        return false;
    }
    tz->has_dst = true;
    tz->dst_offset = tz->std_offset + 3600;
    if (*s != ',' && !parse_tz_offset(&s, &tz->dst_offset)) {
        return false;
    }
    if (*s++ != ',' || !parse_rule_date(&s, &tz->dst_start) || *s++ != ',' ||
        !parse_rule_date(&s, &tz->dst_end)) {
        return false;
    }
    return *s == '\0';
}

/* ------------------------------------------------------------------------
 * Time zones: TZif files (RFC 8536, RFC 9636)
 * ------------------------------------------------------------------------ */

struct tzif_header {
    char version;
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static uint32_t
read_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Two's complement from big-endian bytes without implementation-defined
 * conversions of out-of-range unsigned values. */
static int64_t
read_be_signed(const unsigned char *p, size_t width)
{
    uint64_t u = 0;
    for (size_t i = 0; i < width; i++) {
        u = u << 8 | p[i];
    }
    uint64_t sign_bit = UINT64_C(1) << (width * 8 - 1);
    if (u & sign_bit) {
        return -(int64_t)(sign_bit * 2 - u - 1) - 1;
    }
    return (int64_t)u;
}

static bool
parse_tzif_header(const unsigned char *data, size_t len, struct tzif_header *h)
{
    if (len < TZIF_HEADER_SIZE || memcmp(data, "TZif", 4) != 0) {
        return false;
    }
    h->version = (char)data[4];
    if (h->version != '\0' && (h->version < '2' || h->version > '4')) {
        return false;
    }
    h->isutcnt = read_be32(data + 20);
    h->isstdcnt = read_be32(data + 24);
    h->leapcnt = read_be32(data + 28);
    h->timecnt = read_be32(data + 32);
    h->typecnt = read_be32(data + 36);
    h->charcnt = read_be32(data + 40);
    /* Every count is also bounded by the file size through the block size. */
    return h->typecnt >= 1 && h->typecnt <= TZIF_MAX_TYPES && h->charcnt >= 1 &&
           (h->isutcnt == 0 || h->isutcnt == h->typecnt) &&
           (h->isstdcnt == 0 || h->isstdcnt == h->typecnt) && h->timecnt <= TZIF_MAX_FILE_SIZE &&
           h->leapcnt <= TZIF_MAX_FILE_SIZE && h->charcnt <= TZIF_MAX_FILE_SIZE;
}

/* Size of the data block after a header; counts are bounded, so no overflow. */
static size_t
tzif_block_size(const struct tzif_header *h, size_t time_size)
{
    return (size_t)h->timecnt * time_size + h->timecnt + (size_t)h->typecnt * 6 + h->charcnt +
           (size_t)h->leapcnt * (time_size + 4) + h->isstdcnt + h->isutcnt;
}

/* Read the transitions and types of one data block into a new zone. */
static cal_zone *
parse_tzif_block(const unsigned char *block, const struct tzif_header *h, size_t time_size)
{
    if (h->leapcnt != 0) {
        return NULL;
    }
    const unsigned char *times = block;
    const unsigned char *indices = times + (size_t)h->timecnt * time_size;
    const unsigned char *types = indices + h->timecnt;
    const unsigned char *flags = types + (size_t)h->typecnt * 6 + h->charcnt;
    int32_t offsets[TZIF_MAX_TYPES];
    for (uint32_t i = 0; i < h->typecnt; i++) {
        int64_t utoff = read_be_signed(types + (size_t)i * 6, 4);
        if (utoff <= -MAX_ABS_OFFSET || utoff >= MAX_ABS_OFFSET || types[i * 6 + 4] > 1 ||
            types[i * 6 + 5] >= h->charcnt) {
            return NULL;
        }
        offsets[i] = (int32_t)utoff;
    }
    for (uint32_t i = 0; i < h->isstdcnt + h->isutcnt; i++) {
        if (flags[i] > 1) {
            return NULL;
        }
    }
    cal_zone *z = zone_alloc(h->timecnt);
    if (z == NULL) {
        return NULL;
    }
    z->initial_offset = offsets[0];
    for (uint32_t i = 0; i < h->timecnt; i++) {
        int64_t at = read_be_signed(times + (size_t)i * time_size, time_size);
        if (indices[i] >= h->typecnt || (i > 0 && at <= z->transitions[i - 1].at)) {
            gdpr_calendar__zone_free(z);
            return NULL;
        }
        z->transitions[i].at = at;
        z->transitions[i].offset = offsets[indices[i]];
    }
    return z;
}

/* The footer is "\n<POSIX TZ string>\n" right after the version 2+ block. */
static bool
parse_tzif_footer(const unsigned char *p, size_t len, cal_zone *z)
{
    if (len < 2 || p[0] != '\n') {
        return false;
    }
    const unsigned char *end = memchr(p + 1, '\n', len - 1);
    size_t n = end == NULL ? 0 : (size_t)(end - p - 1);
    if (end == NULL || n > FOOTER_MAX || memchr(p + 1, '\0', n) != NULL) {
        return false;
    }
    if (n == 0) {
        return true;
    }
    char text[FOOTER_MAX + 1];
    memcpy(text, p + 1, n);
    text[n] = '\0';
    z->has_footer = parse_posix_tz(text, &z->footer);
    return z->has_footer;
}

int
gdpr_calendar__zone_parse(const void *data, size_t len, cal_zone **out)
{
    const unsigned char *bytes = data;
    struct tzif_header h;
    if (bytes == NULL || out == NULL || !parse_tzif_header(bytes, len, &h)) {
        return -1;
    }
    size_t block = tzif_block_size(&h, 4);
    if (block > len - TZIF_HEADER_SIZE) {
        return -1;
    }
    if (h.version == '\0') {
        cal_zone *z = parse_tzif_block(bytes + TZIF_HEADER_SIZE, &h, 4);
        if (z == NULL) {
            return -1;
        }
        *out = z;
        return 0;
    }
    /* Version 2+: skip the 32-bit block, use the 64-bit one and the footer. */
    size_t second = TZIF_HEADER_SIZE + block;
    struct tzif_header h2;
    if (!parse_tzif_header(bytes + second, len - second, &h2) || h2.version != h.version) {
        return -1;
    }
    size_t block2 = tzif_block_size(&h2, 8);
    if (block2 > len - second - TZIF_HEADER_SIZE) {
        return -1;
    }
    const unsigned char *data2 = bytes + second + TZIF_HEADER_SIZE;
    cal_zone *z = parse_tzif_block(data2, &h2, 8);
    if (z == NULL) {
        return -1;
    }
    size_t footer = second + TZIF_HEADER_SIZE + block2;
    if (!parse_tzif_footer(bytes + footer, len - footer, z)) {
        gdpr_calendar__zone_free(z);
        return -1;
    }
    *out = z;
    return 0;
}

static bool
is_zone_name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '/' ||
           c == '_' || c == '-' || c == '+' || c == '.';
}

static bool
zone_name_is_safe(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > TZ_NAME_MAX || name[0] == '/' || strstr(name, "..") != NULL) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!is_zone_name_char(name[i])) {
            return false;
        }
    }
    return true;
}

/* Read a whole regular file of at most TZIF_MAX_FILE_SIZE bytes. A FIFO or a
 * device under the zone directory must not block or flood us. */
static unsigned char *
read_small_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        return NULL;
    }
    struct stat st;
    unsigned char *buf = NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        st.st_size <= TZIF_MAX_FILE_SIZE) {
        size_t size = (size_t)st.st_size;
        buf = malloc(size);
        size_t got = 0;
        while (buf != NULL && got < size) {
            ssize_t r = read(fd, buf + got, size - got);
            if (r < 0 && errno == EINTR) {
                continue;
            }
            if (r <= 0) {
                free(buf);
                buf = NULL;
                break;
            }
            got += (size_t)r;
        }
        *len = got;
    }
    close(fd);
    return buf;
}

static cal_zone *
utc_zone(void)
{
    return zone_alloc(0);
}

int
gdpr_calendar__zone_load(const char *iana_name, cal_zone **out)
{
    if (iana_name == NULL || out == NULL || !zone_name_is_safe(iana_name)) {
        return -1;
    }
    if (strcmp(iana_name, "UTC") == 0 || strcmp(iana_name, "Etc/UTC") == 0) {
        cal_zone *z = utc_zone();
        if (z == NULL) {
            return -1;
        }
        *out = z;
        return 0;
    }
    const char *dir = getenv("TZDIR");
    if (dir == NULL || dir[0] == '\0') {
        dir = "/usr/share/zoneinfo";
    }
    char path[4096];
    int n = snprintf(path, sizeof(path), "%s/%s", dir, iana_name);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        return -1;
    }
    size_t len = 0;
    unsigned char *data = read_small_file(path, &len);
    if (data == NULL) {
        return -1;
    }
    int rc = gdpr_calendar__zone_parse(data, len, out);
    free(data);
    return rc;
}

/* ------------------------------------------------------------------------
 * Time zones: queries
 * ------------------------------------------------------------------------ */

/* Index of the last transition at or before utc, or -1 if none. */
static ptrdiff_t
last_transition_at_or_before(const cal_zone *z, int64_t utc)
{
    size_t lo = 0, hi = z->n_transitions; /* answer + 1 lies in [lo, hi] */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->transitions[mid].at <= utc) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return (ptrdiff_t)lo - 1;
}

int32_t
gdpr_calendar__zone_offset(const cal_zone *z, int64_t utc)
{
    if (z == NULL) {
        return 0;
    }
    ptrdiff_t i = last_transition_at_or_before(z, utc);
    bool after_table = i == (ptrdiff_t)z->n_transitions - 1;
    if (after_table && z->has_footer) {
        return footer_offset(&z->footer, utc);
    }
    if (i < 0) {
        return z->initial_offset;
    }
    return z->transitions[i].offset;
}

/* The first instant after utc at which the offset may change (INT64_MAX if
 * never). It may report a change to the same offset; callers cope. */
static int64_t
zone_next_change(const cal_zone *z, int64_t utc)
{
    ptrdiff_t i = last_transition_at_or_before(z, utc);
    if (i + 1 < (ptrdiff_t)z->n_transitions) {
        return z->transitions[i + 1].at;
    }
    return z->has_footer ? footer_next_change(&z->footer, utc) : INT64_MAX;
}

int64_t
gdpr_calendar__zone_local_day(const cal_zone *z, int64_t utc)
{
    int64_t local_seconds = floor_mod(utc, SECONDS_PER_DAY) + gdpr_calendar__zone_offset(z, utc);
    return floor_div(utc, SECONDS_PER_DAY) + floor_div(local_seconds, SECONDS_PER_DAY);
}

/*
 * Walk the stretches of constant offset in a window wide enough to hold every
 * instant whose local time could be near local midnight. A stretch [a, b)
 * with offset o shows local times [a + o, b + o); the first stretch that
 * reaches midnight contains the answer: midnight itself, or the stretch's
 * start when a clock change jumped over midnight.
 */
int64_t
gdpr_calendar__zone_local_midnight(const cal_zone *z, int64_t days)
{
    const int64_t margin = MAX_ABS_OFFSET + 1;
    int64_t midnight;
    if (!scale_i64(days, SECONDS_PER_DAY, &midnight) || midnight < INT64_MIN + 2 * margin ||
        midnight > INT64_MAX - 2 * margin) {
        return days < 0 ? INT64_MIN : INT64_MAX;
    }
    if (z == NULL) {
        return midnight;
    }
    int64_t window_end = midnight + margin;
    for (int64_t a = midnight - margin; a < window_end;) {
        int32_t offset = gdpr_calendar__zone_offset(z, a);
        int64_t b = zone_next_change(z, a);
        if (b > midnight - offset) {
            return a > midnight - offset ? a : midnight - offset;
        }
        a = b;
    }
    return midnight - gdpr_calendar__zone_offset(z, midnight);
}

/* ------------------------------------------------------------------------
 * Deadlines
 * ------------------------------------------------------------------------ */

static bool
is_sorted(const int64_t *values, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        if (values[i] < values[i - 1]) {
            return false;
        }
    }
    return true;
}

static bool
contains_sorted(const int64_t *values, size_t n, int64_t key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (values[mid] == key) {
            return true;
        }
        if (values[mid] < key) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return false;
}

static bool
is_working_day(int64_t day, const int64_t *holidays, size_t n_holidays)
{
    return gdpr_calendar__weekday(day) < 5 && !contains_sorted(holidays, n_holidays, day);
}

int64_t
gdpr_calendar__deadline_months(int64_t received, int months, const cal_zone *z,
                               const int64_t *holidays, size_t n_holidays, int64_t *last_day_out)
{
    if (months < 0 || months > CAL_DEADLINE_MAX_MONTHS || !instant_in_range(received) ||
        (holidays == NULL && n_holidays > 0) || !is_sorted(holidays, n_holidays)) {
        return CAL_TIME_INVALID;
    }
    int64_t last_day;
    if (!add_months_clamped(gdpr_calendar__zone_local_day(z, received), months, &last_day)) {
        return CAL_TIME_INVALID;
    }
    /* Each step passes a weekend day or a holiday, so this ends within
     * n_holidays + 3 steps. */
    while (last_day < CAL_MAX_DAYS && !is_working_day(last_day, holidays, n_holidays)) {
        last_day++;
    }
    if (last_day >= CAL_MAX_DAYS) {
        return CAL_TIME_INVALID;
    }
    if (last_day_out != NULL) {
        *last_day_out = last_day;
    }
    return gdpr_calendar__zone_local_midnight(z, last_day + 1);
}

void
gdpr_calendar__format_time(int64_t t, char buf[21])
{
    if (gdpr_calendar__format_instant(t, buf) != 0)
        snprintf(buf, 21, "%lld", (long long)t);
}

int64_t
gdpr_calendar__day_of(int64_t t)
{
    return t >= 0 ? t / SECONDS_PER_DAY : -((-(t + 1)) / SECONDS_PER_DAY) - 1;
}
