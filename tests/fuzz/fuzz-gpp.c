/*
 * libFuzzer target: GPP strings (gdpr_iab__gpp_decode). A decoded string
 * lists strictly ascending section ids, one non-empty section each, all
 * inside the input; a refusal names a field and a rule.
 *   tests/fuzz/run-fuzz.sh build-clang/tests/fuzz/fuzz-gpp
 *       build-clang/tests/fuzz/gpp tests/fuzz/corpus/gpp
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    iab_gpp g;
    iab_error e;

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    memset(&e, 0, sizeof e);
    if (gdpr_iab__gpp_decode(text, &g, &e) == 0) {
        size_t len = strlen(text);
        if (g.type != 3 || g.version != 1 || g.count < 1 || g.count > IAB_GPP_SECTIONS_MAX)
            abort();
        for (int i = 0; i < g.count; i++) {
            if ((i > 0 && g.ids[i] <= g.ids[i - 1]) || g.section_len[i] == 0 ||
                g.section[i] < text || g.section[i] + g.section_len[i] > text + len)
                abort();
        }
    } else if (e.field == NULL || e.rule == NULL) {
        abort();
    }
    free(text);
    return 0;
}
