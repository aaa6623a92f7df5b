/*
 * Public dates and times: strict ISO 8601 in the policy's time zone
 * (include/gdpr/time.h). The calendar arithmetic is lib/util/calendar's.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "engine.h"
#include "error.h"
#include "gdpr/time.h"

/* Longest text worth quoting in a message. */
#define QUOTE_MAX 40

/* Read exactly n decimal digits at s into *v. */
static int
digits(const char *s, int n, int *v)
{
    int x = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return 0;
}

static int
refuse(const char *text, const char *rule)
{
    return gdpr__err_set(GDPR_EINVAL, "time '%.*s%s': %s", QUOTE_MAX, text,
                         strlen(text) > QUOTE_MAX ? "..." : "", rule);
}

/* The zone in force: the policy's, or NULL (UTC). Caller holds the lock. */
static const cal_zone *
zone_of(const gdpr_engine *eng)
{
    if (eng == NULL || eng->policy == NULL)
        return NULL;
    return eng->policy->controller.zone;
}

/* The UTC instant of local wall-clock seconds `local` in zone z. The offsets
 * in force a day before and a day after give the candidates (zones change
 * offset at most once a day); one that maps back to `local` wins, the
 * earlier if both do (a repeated hour); in a skipped hour neither does and
 * the offset in force before the change is used. */
static int64_t
local_to_utc(const cal_zone *z, int64_t local)
{
    int64_t early = local - gdpr_calendar__zone_offset(z, local - SECONDS_PER_DAY);
    int64_t late = local - gdpr_calendar__zone_offset(z, local + SECONDS_PER_DAY);
    int early_ok = early + gdpr_calendar__zone_offset(z, early) == local;
    int late_ok = late + gdpr_calendar__zone_offset(z, late) == local;

    if (early_ok && late_ok)
        return early < late ? early : late;
    if (late_ok)
        return late;
    return early;
}

static int
parse_locked(const gdpr_engine *eng, const char *text, unsigned int flags, int64_t *out)
{
    const cal_zone *z = zone_of(eng);
    size_t len = strlen(text);
    int y, mo, d, h, mi, se, oh, om;
    int64_t days, t;

    if (len < 10 || digits(text, 4, &y) != 0 || text[4] != '-' || digits(text + 5, 2, &mo) != 0 ||
        text[7] != '-' || digits(text + 8, 2, &d) != 0)
        return refuse(text, "expected YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS, optionally followed by Z "
                            "or +HH:MM");
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > 31)
        return refuse(text, "year must be 0001..9999, month 01..12, day 01..31");
    days = gdpr_calendar__days_from_civil(y, (unsigned)mo, (unsigned)d);
    if (days == CAL_DAYS_INVALID)
        return refuse(text, "no such day in that month");
    if (len == 10) {
        int64_t start = gdpr_calendar__zone_local_midnight(z, days);
        int64_t next = gdpr_calendar__zone_local_midnight(z, days + 1);
        t = flags == GDPR_TIME_END ? next - 1 : start;
        if (t < CAL_MIN_TIME || t > CAL_MAX_TIME)
            return refuse(text, "out of range (years 0001..9999)");
        *out = t;
        return GDPR_OK;
    }
    if (len < 19 || text[10] != 'T' || digits(text + 11, 2, &h) != 0 || text[13] != ':' ||
        digits(text + 14, 2, &mi) != 0 || text[16] != ':' || digits(text + 17, 2, &se) != 0)
        return refuse(text, "expected YYYY-MM-DDTHH:MM:SS after the date (upper-case T)");
    if (h > 23 || mi > 59 || se > 59)
        return refuse(text, "hour must be 00..23, minute and second 00..59");
    t = days * SECONDS_PER_DAY + h * 3600 + mi * 60 + se;
    if (len == 19) {
        t = local_to_utc(z, t);
    } else if (len == 20 && text[19] == 'Z') {
        /* UTC as written */
    } else if (len == 25 && (text[19] == '+' || text[19] == '-') &&
               digits(text + 20, 2, &oh) == 0 && text[22] == ':' &&
               digits(text + 23, 2, &om) == 0) {
        if (oh > 18 || om > 59 || (oh == 18 && om != 0))
            return refuse(text, "the offset must lie between -18:00 and +18:00");
        t -= (text[19] == '+' ? 1 : -1) * (int64_t)(oh * 3600 + om * 60);
    } else {
        return refuse(text, "after the time only Z or an offset +HH:MM / -HH:MM may follow");
    }
    if (t < CAL_MIN_TIME || t > CAL_MAX_TIME)
        return refuse(text, "out of range (years 0001..9999)");
    *out = t;
    return GDPR_OK;
}

GDPR_API int
gdpr_time_parse(gdpr_engine *eng, const char *text, unsigned int flags, int64_t *out)
{
    int rc;

    if (text == NULL)
        return gdpr__err_set(GDPR_EINVAL, "text: required (a date YYYY-MM-DD or a time)");
    if (out == NULL)
        return gdpr__err_set(GDPR_EINVAL, "out: required");
    if (flags != GDPR_TIME_START && flags != GDPR_TIME_END)
        return gdpr__err_set(GDPR_EINVAL, "flags: %u is neither GDPR_TIME_START nor GDPR_TIME_END",
                             flags);
    if (eng == NULL) {
        gdpr__err_clear();
        return parse_locked(NULL, text, flags, out);
    }
    gdpr_engine__lock(eng);
    rc = parse_locked(eng, text, flags, out);
    return gdpr_engine__unlock(eng, rc);
}

static int
format_locked(const gdpr_engine *eng, int64_t t, char *buf)
{
    const cal_zone *z = zone_of(eng);
    int32_t off;
    int64_t local, days, secs, y;
    unsigned m, d;
    char tmp[80];
    int a;

    if (t < CAL_MIN_TIME || t > CAL_MAX_TIME)
        return gdpr__err_set(GDPR_EINVAL, "t: %lld is not a time between years 0001 and 9999",
                             (long long)t);
    off = gdpr_calendar__zone_offset(z, t);
    /* An offset with seconds (local mean time, e.g. Dublin's -00:25:21
     * before 1916) has no ISO 8601 / RFC 3339 form: write it rounded to
     * the minute and the wall clock of that rounded offset, so the text
     * still names the instant t (found by tests/fuzz/fuzz-timeparse). */
    if (off % 60 != 0)
        off = (int32_t)((off < 0 ? off - 30 : off + 30) / 60 * 60);
    local = t + off;
    if (local < CAL_MIN_TIME || local > CAL_MAX_TIME)
        return gdpr__err_set(GDPR_EINVAL, "t: %lld is not a time between years 0001 and 9999",
                             (long long)t);
    days = local / SECONDS_PER_DAY - (local % SECONDS_PER_DAY < 0);
    secs = local - days * SECONDS_PER_DAY;
    gdpr_calendar__civil_from_days(days, &y, &m, &d);
    a = off < 0 ? -off : off;
    if (off == 0)
        snprintf(tmp, sizeof tmp, "%04lld-%02u-%02uT%02d:%02d:%02dZ", (long long)y, m, d,
                 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
    else
        snprintf(tmp, sizeof tmp, "%04lld-%02u-%02uT%02d:%02d:%02d%c%02d:%02d", (long long)y, m, d,
                 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60), off < 0 ? '-' : '+',
                 a / 3600, a / 60 % 60);
    memcpy(buf, tmp, strlen(tmp) + 1); /* at most 25 characters: the range is checked */
    return GDPR_OK;
}

GDPR_API int
gdpr_time_format(gdpr_engine *eng, int64_t t, char *buf, size_t size)
{
    int rc;

    if (buf == NULL)
        return gdpr__err_set(GDPR_EINVAL, "buf: required");
    buf[0] = size > 0 ? '\0' : buf[0];
    if (size < GDPR_TIME_TEXT_MAX)
        return gdpr__err_set(GDPR_EINVAL, "size: %zu is below GDPR_TIME_TEXT_MAX (%u)", size,
                             GDPR_TIME_TEXT_MAX);
    if (eng == NULL) {
        gdpr__err_clear();
        return format_locked(NULL, t, buf);
    }
    gdpr_engine__lock(eng);
    rc = format_locked(eng, t, buf);
    if (rc != GDPR_OK)
        buf[0] = '\0';
    return gdpr_engine__unlock(eng, rc);
}
