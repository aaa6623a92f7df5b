/*
 * The engine's clock as the public API sees it: gdpr_now() and the one
 * rule for time arguments (clock.h).
 * SPDX-License-Identifier: MIT
 */
#include "clock.h"

#include "engine.h"
#include "error.h"

int
gdpr_clock__arg(const gdpr_engine *eng, const char *field, int64_t *t)
{
    if (*t == 0)
        return gdpr__err_set(GDPR_EINVAL,
                             "%s: 0 is not accepted as a time (it would mean 1970-01-01); "
                             "use GDPR_NOW for the engine's clock",
                             field);
    if (*t == GDPR_NOW && eng != NULL)
        *t = gdpr_engine__now(eng);
    return GDPR_OK;
}

int
gdpr_now(gdpr_engine *eng, int64_t *out)
{
    int rc = gdpr_engine__check_given(eng, out != NULL, "out");

    if (rc != GDPR_OK)
        return rc;
    *out = gdpr_engine__now(eng);
    return GDPR_OK;
}
