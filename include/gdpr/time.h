/*
 * libgdpr: dates and times as people type and read them (ISO 8601), in the
 * time zone of the controller named by the loaded policy.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_TIME_H
#define GDPR_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "gdpr/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** gdpr_time_parse() flag: a date alone means the first second of that day
 *  (for "from" values: --from, --at, --received ...). */
#define GDPR_TIME_START 0u
/** gdpr_time_parse() flag: a date alone means the last second of that day
 *  (for deadlines and "until" values: --until, --expires, --to ...). */
#define GDPR_TIME_END 1u

/** Room gdpr_time_format() needs: "YYYY-MM-DDTHH:MM:SS+HH:MM" and a NUL. */
#define GDPR_TIME_TEXT_MAX 26u

/**
 * Parse a strict ISO 8601 date or date-time into UTC seconds.
 *
 * Accepted forms (nothing else: no spaces, no fractions, no week dates,
 * upper-case 'T' and 'Z'):
 *   - "YYYY-MM-DD": a calendar date in the policy's time zone; with
 *     GDPR_TIME_START its first second (local midnight, or the first
 *     instant of the day when a clock change skips midnight), with
 *     GDPR_TIME_END its last second (one second before the next day begins);
 *   - "YYYY-MM-DDTHH:MM:SS": a wall-clock time in the policy's zone (a time
 *     skipped by a clock change is read with the offset in force before it;
 *     a repeated time means its first occurrence);
 *   - "YYYY-MM-DDTHH:MM:SSZ": UTC;
 *   - "YYYY-MM-DDTHH:MM:SS+HH:MM" or "-HH:MM": that offset (at most 18:00,
 *     minutes below 60).
 * The date must exist (2026-02-30, 2027-06-31 and 2026-02-29 are refused,
 * 2028-02-29 is accepted), years 0001..9999, hours 00..23, minutes and
 * seconds 00..59.
 *
 * @param eng    the engine whose policy gives the zone; UTC when no policy is
 *               loaded or the policy names no zone. May be NULL: UTC.
 * @param text   the text, borrowed.
 * @param flags  GDPR_TIME_START or GDPR_TIME_END (any other value: EINVAL).
 * @param[out] out  the instant; written only on success.
 * @return GDPR_OK; GDPR_EINVAL (text or out NULL, bad flags, text not one of
 *         the forms above, a date that does not exist, a value out of range:
 *         gdpr_errmsg() names the rule and quotes the text).
 * Thread notes: safe on a shared engine (takes its lock).
 * @since 0.2
 */
GDPR_API int gdpr_time_parse(gdpr_engine *eng, const char *text, unsigned int flags, int64_t *out);

/**
 * Write the instant t as "YYYY-MM-DDTHH:MM:SS+HH:MM" in the policy's time
 * zone ("...Z" when the zone's offset at t is zero, as in UTC). An offset
 * with seconds (local mean time of centuries past) is written rounded to
 * the minute, with the wall-clock time of that offset: the text always
 * names the instant t, and gdpr_time_parse() reads it back to t.
 *
 * @param eng   as for gdpr_time_parse(); NULL: UTC.
 * @param t     UTC seconds, 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z in
 *              the zone's local time.
 * @param[out] buf  at least GDPR_TIME_TEXT_MAX bytes; "" on failure.
 * @param size  the size of buf.
 * @return GDPR_OK; GDPR_EINVAL (buf NULL, size below GDPR_TIME_TEXT_MAX, t
 *         out of range).
 * Thread notes: safe on a shared engine (takes its lock).
 * @since 0.2
 */
GDPR_API int gdpr_time_format(gdpr_engine *eng, int64_t t, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
