/*
 * libFuzzer target: policy documents. Any input must be accepted or
 * refused with GDPR_EINVAL (or a storage error), never crash, leak or
 * change the store when refused.
 *   built with clang (tests/fuzz/meson.build); run (seeds in
 *   tests/fuzz/corpus/policy, findings kept in the build directory):
 *   tests/fuzz/run-fuzz.sh build-clang/tests/fuzz/fuzz-policy
 *       build-clang/tests/fuzz/policy tests/fuzz/corpus/policy
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gdpr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static gdpr_engine *
engine(void)
{
    static gdpr_engine *eng;
    static const unsigned char key[32] = {7};

    if (eng == NULL) {
        gdpr_options opts = GDPR_OPTIONS_INIT;
        opts.path = ":memory:";
        opts.key = key;
        opts.key_len = sizeof key;
        if (gdpr_open(&eng, &opts) != GDPR_OK)
            abort();
    }
    return eng;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const gdpr_actor who = {"fuzz", "dpo"};
    char *text = malloc(size + 1);
    int rc;

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    rc = gdpr_policy_load_string(engine(), &who, text);
    if (rc != GDPR_OK && rc != GDPR_EINVAL && rc != GDPR_EDENIED && rc != GDPR_ESTORAGE)
        abort();
    free(text);
    return 0;
}
