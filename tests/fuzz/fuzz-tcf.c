/*
 * libFuzzer target: TCF v2 TC strings (gdpr_iab__tcf_decode). A decoded
 * string's vendor sets answer within their bounds; a refusal names a bit
 * inside the string, a field and a rule, and leaves nothing to free.
 *   tests/fuzz/run-fuzz.sh build-clang/tests/fuzz/fuzz-tcf
 *       build-clang/tests/fuzz/tcf tests/fuzz/corpus/tcf
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
    iab_tcf t;
    iab_error e;

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    memset(&e, 0, sizeof e);
    if (gdpr_iab__tcf_decode(text, &t, &e) == 0) {
        if (t.version != 2 || gdpr_iab__idset_count(&t.vendor_consents) > t.vendor_consents.max ||
            gdpr_iab__idset_has(&t.vendor_consents, t.vendor_consents.max + 1) ||
            t.consent_language[2] != '\0' || t.publisher_cc[2] != '\0')
            abort();
        gdpr_iab__tcf_free(&t);
    } else if (e.field == NULL || e.rule == NULL || e.bit > 6 * strlen(text) ||
               t.vendor_consents.bits != NULL || t.vendor_li.bits != NULL) {
        abort();
    }
    free(text);
    return 0;
}
