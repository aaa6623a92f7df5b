/*
 * libFuzzer target: adequacy lists (the format of lib/data/adequacy.json,
 * as gdpr_adequacy_load() reads it). Any input must be accepted or refused
 * with GDPR_EINVAL / GDPR_EVERSION, never crash or leak; an accepted list
 * must answer lookups for each of its own entries.
 *   build: CC=clang meson setup build-clang; run (seeds in
 *   tests/fuzz/corpus/adequacy, findings kept in the build directory):
 *   tests/fuzz/run-fuzz.sh build-clang/tests/fuzz/fuzz-adequacy
 *       build-clang/tests/fuzz/adequacy tests/fuzz/corpus/adequacy -max_len=65536
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adequacy.h"
#include "engine.h"
#include "gdpr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static gdpr_engine *
engine(void)
{
    static gdpr_engine *eng;
    static const unsigned char key[32] = {8};

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

static void
exercise(const adequacy_list *l)
{
    for (size_t i = 0; i < l->n_eea; i++)
        if (gdpr_adequacy__eea_of(l, l->eea[i].code) != &l->eea[i])
            abort();
    for (size_t i = 0; i < l->n_decisions; i++) {
        const adequacy_decision *d = &l->decisions[i];
        const adequacy_decision *found = gdpr_adequacy__in_force(l, d->code, d->from);
        /* Something is in force on its first day: it, or an overlapping
         * entry of the same scope. */
        if (found == NULL || strcmp(found->code, d->code) != 0 || found->scope != d->scope)
            abort();
        if (gdpr_adequacy__nearest(l, d->code, d->from) == NULL)
            abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    adequacy_list *l = NULL;
    char *text;
    int rc;

    if (size > ADEQUACY_MAX_BYTES)
        return 0;
    text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    rc = gdpr_adequacy__parse(engine()->st, text, "fuzz", &l);
    if (rc == GDPR_OK)
        exercise(l);
    else if (rc != GDPR_EINVAL && rc != GDPR_EVERSION && rc != GDPR_ENOMEM)
        abort();
    gdpr_adequacy__free(l);
    free(text);
    return 0;
}
