/*
 * libFuzzer target: ISO 8601 dates and instants
 * (gdpr_calendar__parse_date, gdpr_calendar__parse_instant). What parses
 * formats back to text that parses to the same value.
 *   tests/fuzz/run-fuzz.sh build-clang/tests/fuzz/fuzz-time
 *       build-clang/tests/fuzz/time tests/fuzz/corpus/time
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1), buf[32];
    int64_t v, again;

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (gdpr_calendar__parse_date(text, &v) == 0) {
        if (gdpr_calendar__format_date(v, buf) != 0 ||
            gdpr_calendar__parse_date(buf, &again) != 0 || again != v)
            abort();
    }
    if (gdpr_calendar__parse_instant(text, &v) == 0) {
        if (gdpr_calendar__format_instant(v, buf) != 0 ||
            gdpr_calendar__parse_instant(buf, &again) != 0 || again != v)
            abort();
    }
    free(text);
    return 0;
}
