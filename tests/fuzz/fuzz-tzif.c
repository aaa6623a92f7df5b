/*
 * libFuzzer target: the TZif reader of lib/util/calendar.c
 * (gdpr_calendar__zone_parse). Any bytes are parsed or refused, never a
 * crash or read out of bounds; a parsed zone answers offsets and local
 * midnights for times across the range.
 *   tests/fuzz/run-fuzz.sh build-clang/tests/fuzz/fuzz-tzif
 *       build-clang/tests/fuzz/tzif tests/fuzz/corpus/tzif
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>

#include "calendar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int64_t probes[] = {INT64_MIN / 4, -2208988800,  0, 1767225600, 1774746000,
                                     253402300799,  INT64_MAX / 4};
    cal_zone *z = NULL;

    if (gdpr_calendar__zone_parse(data, size, &z) != 0 || z == NULL)
        return 0;
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        int32_t off = gdpr_calendar__zone_offset(z, probes[i]);
        if (off < -26 * 3600 || off > 26 * 3600)
            abort();
        (void)gdpr_calendar__zone_local_day(z, probes[i]);
        (void)gdpr_calendar__zone_local_midnight(z, probes[i] / 86400);
    }
    gdpr_calendar__zone_free(z);
    return 0;
}
