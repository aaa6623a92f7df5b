/*
 * libFuzzer target: tombstone import (gdpr_tombstones_import JSON). Any
 * input is imported or refused with GDPR_EINVAL (or a storage/state
 * code), never a crash or leak. "@STORE@" in the input is replaced by the
 * engine's store id, so mutations reach past the store check.
 *   tests/fuzz/run-fuzz.sh build-clang/tests/fuzz/fuzz-tombstones
 *       build-clang/tests/fuzz/tombstones tests/fuzz/corpus/tombstones
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdpr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static gdpr_engine *eng;
static char store_hex[80];

static int
collect(const void *buf, size_t len, void *ctx)
{
    char **doc = ctx;
    size_t have = *doc ? strlen(*doc) : 0;
    char *grown = realloc(*doc, have + len + 1);

    if (grown == NULL)
        return 1;
    memcpy(grown + have, buf, len);
    grown[have + len] = '\0';
    *doc = grown;
    return 0;
}

static void
init(void)
{
    static const unsigned char key[32] = {7};
    static const gdpr_actor dpo = {"fuzz", "dpo"};
    static const char policy[] =
        "{\"controller\":{\"name\":\"F\",\"contact\":\"f@example.com\",\"country\":\"IE\"},"
        "\"categories\":[{\"id\":\"contact\",\"description\":\"c\"}],"
        "\"purposes\":[{\"id\":\"service\",\"description\":\"s\",\"basis\":\"contract\","
        "\"categories\":[\"contact\"]}],"
        "\"roles\":[{\"id\":\"dpo\",\"permissions\":[\"*\"]}]}";
    gdpr_options opts = GDPR_OPTIONS_INIT;
    gdpr_erase_report r;
    char *doc = NULL, *at;
    int64_t id;

    opts.path = ":memory:";
    opts.key = key;
    opts.key_len = sizeof key;
    if (gdpr_open(&eng, &opts) != GDPR_OK ||
        gdpr_policy_load_string(eng, &dpo, policy) != GDPR_OK ||
        gdpr_vault_put(eng, &dpo, "s1", "contact", "service", "x", 1, &id) != GDPR_OK ||
        gdpr_erase_subject(eng, &dpo, "s1", "Art. 17", &r) != GDPR_OK ||
        gdpr_tombstones_export(eng, collect, &doc) != GDPR_OK)
        abort();
    at = strstr(doc, "\"store\":\"");
    if (at == NULL || sscanf(at, "\"store\":\"%79[0-9a-f]", store_hex) != 1)
        abort();
    free(doc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const gdpr_actor who = {"fuzz", "dpo"};
    char *text = malloc(size * 12 + 1), *o;
    int64_t n = 0;
    int rc;

    if (eng == NULL)
        init();
    if (text == NULL)
        return 0;
    o = text;
    for (size_t i = 0; i < size; i++) {
        if (size - i >= 7 && memcmp(data + i, "@STORE@", 7) == 0) {
            o += strlen(strcpy(o, store_hex));
            i += 6;
        } else {
            *o++ = (char)data[i];
        }
    }
    *o = '\0';
    rc = gdpr_tombstones_import(eng, &who, text, &n);
    if (rc != GDPR_OK && rc != GDPR_EINVAL && rc != GDPR_ESTATE && rc != GDPR_ESTORAGE &&
        rc != GDPR_EEXISTS)
        abort();
    free(text);
    return 0;
}
