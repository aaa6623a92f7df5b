/*
 * libFuzzer target: ISO 8601 durations (gdpr_calendar__duration_parse).
 * A parsed duration formats to a canonical text that parses again to the
 * same components; a refusal names a position inside the text and a rule.
 *   tests/fuzz/run-fuzz.sh build-clang/tests/fuzz/fuzz-duration
 *       build-clang/tests/fuzz/duration tests/fuzz/corpus/duration
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
    char *text = malloc(size + 1), buf[256];
    cal_duration d, again;
    size_t bad = 0;
    const char *why = NULL;
    int64_t t = 0;

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (gdpr_calendar__duration_parse(text, &d, &bad, &why) == 0) {
        int n = gdpr_calendar__duration_format(&d, buf, sizeof buf);
        if (n < 0 || gdpr_calendar__duration_parse(buf, &again, NULL, NULL) != 0)
            abort();
        if (gdpr_calendar__duration_format(&again, buf + 128, 128) != n ||
            memcmp(buf, buf + 128, (size_t)n) != 0)
            abort();
        (void)gdpr_calendar__add(1767225600, &d, &t);
    } else if (why == NULL || bad > strlen(text)) {
        abort();
    }
    free(text);
    return 0;
}
