/*
 * libFuzzer target: the public time parser, gdpr_time_parse (lib/core/
 * time.c), a parser of its own beside lib/util/calendar's: local dates and
 * times in the policy's zone (Europe/Dublin, from examples/policy.json),
 * UTC and offsets. Any input is accepted or refused with GDPR_EINVAL,
 * never crashes; an accepted one lies in years 0001..9999, a day's end is
 * not before its start, and the accepted instant formats back (with its
 * offset, gdpr_time_format) to text that parses to the same instant.
 *   tests/fuzz/run-fuzz.sh build-clang/tests/fuzz/fuzz-timeparse
 *       build-clang/tests/fuzz/timeparse tests/fuzz/corpus/timeparse
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gdpr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Years 0001-01-01 .. 9999-12-31T23:59:59 (lib/util/calendar.h). */
#define MIN_TIME (-62135596800LL)
#define MAX_TIME 253402300799LL

static gdpr_engine *
engine(void)
{
    static gdpr_engine *eng;
    static const unsigned char key[32] = {9};
    static const gdpr_actor who = {"fuzz", "dpo"};

    if (eng == NULL) {
        gdpr_options opts = GDPR_OPTIONS_INIT;
        opts.path = ":memory:";
        opts.key = key;
        opts.key_len = sizeof key;
        if (gdpr_open(&eng, &opts) != GDPR_OK ||
            gdpr_policy_load(eng, &who, FUZZ_SOURCE_ROOT "/examples/policy.json") != GDPR_OK)
            abort();
    }
    return eng;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1), back[GDPR_TIME_TEXT_MAX];
    int64_t start = 0, end = 0, again = 0;
    int rc;

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    rc = gdpr_time_parse(engine(), text, GDPR_TIME_START, &start);
    if (rc != GDPR_OK && rc != GDPR_EINVAL)
        abort();
    if (rc == GDPR_OK) {
        if (start < MIN_TIME || start > MAX_TIME)
            abort();
        if (gdpr_time_parse(engine(), text, GDPR_TIME_END, &end) != GDPR_OK || end < start)
            abort();
        /* Years 0001 and 9999 may fall outside the range in local time. */
        if (gdpr_time_format(engine(), start, back, sizeof back) == GDPR_OK &&
            (gdpr_time_parse(engine(), back, GDPR_TIME_START, &again) != GDPR_OK || again != start))
            abort();
    }
    free(text);
    return 0;
}
