/*
 * calendar.h - civil dates, ISO 8601 durations, IANA time zones and
 * GDPR deadlines (internal; not part of the public API).
 *
 * Conventions, chosen so that every caller reasons the same way:
 * - An instant is int64_t seconds since 1970-01-01T00:00:00Z without leap
 *   seconds (POSIX time), as everywhere in libgdpr.
 * - A date is int64_t days since 1970-01-01 in the proleptic Gregorian
 *   calendar; whether that is a UTC date or a local date is said per call.
 * - Values a person can type or read (dates, instants, deadlines) are limited
 *   to the years 0001..9999 so that they always print as four-digit years.
 * - Nothing here keeps global mutable state or touches TZ, localtime() or
 *   mktime(): every function is safe to call from several threads at once.
 *   A cal_zone is immutable after gdpr_calendar__zone_load() and may be shared.
 */
#ifndef GDPR_UTIL_CALENDAR_H
#define GDPR_UTIL_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

/* First and last supported dates (0001-01-01, 9999-12-31) as days. */
#define CAL_MIN_DAYS INT64_C(-719162)
#define CAL_MAX_DAYS INT64_C(2932896)
/* First and last supported instants (0001-01-01T00:00:00Z, 9999-12-31T23:59:59Z). */
#define CAL_MIN_TIME INT64_C(-62135596800)
#define CAL_MAX_TIME INT64_C(253402300799)
/* Seconds in a UTC day (no leap seconds in POSIX time). */
#define SECONDS_PER_DAY INT64_C(86400)

/* Returned by gdpr_calendar__days_from_civil() for a date it cannot represent. */
#define CAL_DAYS_INVALID INT64_MIN
/* Returned by gdpr_calendar__deadline_months() for input it refuses. */
#define CAL_TIME_INVALID INT64_MIN

/* ------------------------------------------------------------------------
 * ISO 8601 durations
 * ------------------------------------------------------------------------ */

/* Largest value a single duration component may have when parsed: far above
 * any real retention period (100000 years) yet small enough that no sum of
 * components can overflow. */
#define CAL_DURATION_MAX_VALUE 100000

/* A calendar duration as written: P18M stays 18 months, it is not turned into
 * 1 year 6 months, so it prints back the way the policy author wrote it. */
typedef struct {
    int64_t years, months, weeks, days, hours, minutes, seconds;
} cal_duration;

/*
 * Parse a strict ISO 8601 duration in the designator form:
 *     P[nY][nM][nD][T[nH][nM][nS]]   or   PnW
 * e.g. P6Y, P18M, P30D, P2W, PT12H, P1Y2M10DT2H30M, PT45S.
 * Rules: upper-case 'P' first; at least one component; designators in the
 * order Y M D, then 'T', then H M S, each at most once; 'T' must be followed
 * by at least one component; values are unsigned integers (no fraction, no
 * sign; leading zeros are allowed) of at most CAL_DURATION_MAX_VALUE.
 * Weeks stand alone (PnW): ISO 8601-1 defines PnW as its own form and does
 * not combine it with other designators, and a retention rule that mixes
 * weeks with months would be hard to read anyway.
 * The alternative form (P0001-02-03T...) is not accepted.
 *
 * Returns 0 and fills *out (when out is not NULL: NULL just validates).
 * Returns -1 on failure, leaves *out untouched and sets (each if not NULL)
 * *bad_pos to the 0-based byte offset of the offending character (the length
 * of the text if it ended too early; the first digit of a number that is too
 * large) and *why to a static English sentence naming the rule broken, e.g.
 * "expected a digit", "designator 'M' (months) out of order". NULL text
 * fails with *bad_pos 0. On success *bad_pos and *why are not touched.
 */
int gdpr_calendar__duration_parse(const char *text, cal_duration *out, size_t *bad_pos,
                                  const char **why);

/*
 * Write the canonical form of *d into buf: components in order, zero
 * components left out, "P0D" for a zero duration. Weeks combined with any
 * other component are written as days (7 per week), so that the output always
 * parses again. Returns the number of characters written (not counting the
 * terminating NUL), or -1 if d or buf is NULL, a component is negative, or
 * the text does not fit in size bytes (buf then holds "" if size > 0).
 */
int gdpr_calendar__duration_format(const cal_duration *d, char *buf, size_t size);

/* ------------------------------------------------------------------------
 * Civil dates (proleptic Gregorian)
 * ------------------------------------------------------------------------ */

/* Days since 1970-01-01 of y-m-d. Valid for |y| <= 10^15 with m in 1..12 and
 * d in 1..(days in that month); anything else gives CAL_DAYS_INVALID rather
 * than silently rolling over into the next month. Year 0 is 1 BC. */
int64_t gdpr_calendar__days_from_civil(int64_t y, unsigned m, unsigned d);

/* The civil date of a day count; defined for every int64_t. */
void gdpr_calendar__civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* Day of the week: 0 = Monday .. 6 = Sunday (ISO 8601 numbering minus one). */
int gdpr_calendar__weekday(int64_t days);

/*
 * Add a calendar duration to the instant t, in UTC: years and months first,
 * as one number of months, keeping the day of the month but clamping it to
 * the last day of a shorter month (31 Jan + P1M = 28 or 29 Feb; 29 Feb 2024
 * + P1Y = 28 Feb 2025; P18M and P1Y6M give the same result); then weeks and
 * days; then hours, minutes and seconds as exact seconds. The time of day is
 * kept. Negative components (only possible in a hand-made struct) subtract.
 * Returns 0, or -1 (*out untouched) if d or out is NULL, if t or the result
 * lies outside CAL_MIN_TIME..CAL_MAX_TIME, or if the date after the
 * years/months step lies outside 0001-01-01..9999-12-31.
 */
int gdpr_calendar__add(int64_t t, const cal_duration *d, int64_t *out);

/*
 * Strict text forms: "YYYY-MM-DD" (a date) and "YYYY-MM-DDTHH:MM:SSZ" (an
 * instant in UTC). Exactly these characters: upper-case 'T' and 'Z', no
 * fractions, no other offsets, no surrounding space, year 0001..9999, a day
 * that exists in its month, second 00..59 (POSIX time has no leap seconds).
 * gdpr_calendar__parse_instant() also accepts a bare date as 00:00:00Z of that day.
 * Both return 0, or -1 with the output untouched.
 */
int gdpr_calendar__parse_date(const char *s, int64_t *days_out);
int gdpr_calendar__parse_instant(const char *s, int64_t *t_out);

/* Format a date as "YYYY-MM-DD" / an instant as "YYYY-MM-DDTHH:MM:SSZ".
 * Return 0, or -1 (buf set to "") outside years 0001..9999 or for NULL buf. */
int gdpr_calendar__format_date(int64_t days, char buf[11]);
int gdpr_calendar__format_instant(int64_t t, char buf[21]);
/* For messages: the instant as gdpr_calendar__format_instant writes it, or the number of
 * seconds in decimal when it is out of range. */
void gdpr_calendar__format_time(int64_t t, char buf[21]);
/* The UTC date (days since 1970-01-01) of an instant, rounding down. */
int64_t gdpr_calendar__day_of(int64_t t);

/* ------------------------------------------------------------------------
 * Time zones
 * ------------------------------------------------------------------------ */

typedef struct cal_zone cal_zone;

/*
 * Load the IANA zone iana_name (e.g. "Europe/Dublin") from the compiled TZif
 * file under $TZDIR, or under /usr/share/zoneinfo when TZDIR is unset or
 * empty. "UTC" and "Etc/UTC" are built in and need no tzdata.
 * The name must be 1..255 characters of [A-Za-z0-9/_+-.], must not start with
 * '/' and must not contain ".." (no escape from the zone directory).
 * TZif versions 1 to 4 are read; with version 2 or later the 64-bit block and
 * the footer TZ string are used. Files with leap-second records ("right/"
 * zones) are refused: their instants are not POSIX time.
 * Returns 0 with *out set, or -1 (not found, bad name, bad file, out of
 * memory) leaving *out untouched; errno is ENOMEM after a failed
 * allocation (clear it before the call). Free with gdpr_calendar__zone_free().
 */
int gdpr_calendar__zone_load(const char *iana_name, cal_zone **out);

/* The same from TZif bytes already in memory (tests, fuzzing, embedded data). */
int gdpr_calendar__zone_parse(const void *data, size_t len, cal_zone **out);

/* Free a zone; NULL is a no-op. */
void gdpr_calendar__zone_free(cal_zone *z);

/*
 * Seconds east of UTC in force at the instant utc. Before the first
 * transition in the file the first local time type applies; after the last
 * one the footer TZ rule ("STDoff[DST[off],start[/time],end[/time]]" with
 * Mm.w.d, Jn or n dates, times up to +-167 h) does, in any year. A NULL zone
 * means UTC.
 */
int32_t gdpr_calendar__zone_offset(const cal_zone *z, int64_t utc);

/*
 * The UTC instant at which the local date `days` begins: 00:00 local, or,
 * where a clock change skips midnight, the first instant of that date. Where
 * a clock change repeats midnight, the earlier beginning is returned (a
 * deadline then ends no later than the law could mean). Days so far out that
 * the instant does not fit in int64_t give INT64_MIN or INT64_MAX.
 */
int64_t gdpr_calendar__zone_local_midnight(const cal_zone *z, int64_t days);

/* The local date (days since 1970-01-01) of the instant utc. */
int64_t gdpr_calendar__zone_local_day(const cal_zone *z, int64_t utc);

/* ------------------------------------------------------------------------
 * Deadlines
 * ------------------------------------------------------------------------ */

/* Longest period gdpr_calendar__deadline_months() accepts: 100 years. */
#define CAL_DEADLINE_MAX_MONTHS 1200

/*
 * Deadline of a period of `months` months (Regulation (EEC, Euratom) No
 * 1182/71, Art. 3, as the EDPB applies it to Art. 12(3) GDPR). The day of
 * receipt does not count (Art. 3(1)); the period ends at the end of the day
 * with the same date `months` later (Art. 3(2)(c)), or of the last day of
 * that month when that date does not exist; if that day is a Saturday, Sunday
 * or one of the holidays, at the end of the next working day (Art. 3(4)).
 * All dates are local dates in zone z (NULL = UTC).
 *
 * holidays: local dates (days since 1970-01-01) sorted ascending (duplicates
 * allowed); may be NULL when n_holidays is 0.
 * Returns the exclusive end as a UTC instant: 00:00 local of the day after the
 * final day, so a request is overdue when as_of >= result. *last_day_out (if
 * not NULL) gets the final local day. Returns CAL_TIME_INVALID (and leaves
 * *last_day_out untouched) if months is outside 0..CAL_DEADLINE_MAX_MONTHS,
 * received outside CAL_MIN_TIME..CAL_MAX_TIME, holidays is NULL with
 * n_holidays > 0 or not sorted, or the end falls after 9999-12-30.
 */
int64_t gdpr_calendar__deadline_months(int64_t received, int months, const cal_zone *z,
                                       const int64_t *holidays, size_t n_holidays,
                                       int64_t *last_day_out);

#endif
