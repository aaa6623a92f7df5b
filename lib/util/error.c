/*
 * Thread-local error messages and code names.
 * SPDX-License-Identifier: MIT
 */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ERRMSG_MAX 512

static _Thread_local char errmsg[ERRMSG_MAX];

int
gdpr__err_set(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errmsg, sizeof errmsg, fmt, ap);
    va_end(ap);
    return code;
}

int
gdpr__err_wrap(int code, const char *fmt, ...)
{
    char old[ERRMSG_MAX];
    size_t used;
    va_list ap;
    int n;

    memcpy(old, errmsg, sizeof old);
    va_start(ap, fmt);
    n = vsnprintf(errmsg, sizeof errmsg, fmt, ap);
    va_end(ap);
    used = n < 0 ? 0 : (size_t)n;
    if (used + 2 < sizeof errmsg && old[0] != '\0') {
        memcpy(errmsg + used, ": ", 2);
        used += 2;
        /* Truncation of a long message is acceptable: it stays one line. */
        memcpy(errmsg + used, old, strnlen(old, sizeof errmsg - used - 1));
        errmsg[used + strnlen(old, sizeof errmsg - used - 1)] = '\0';
    }
    return code;
}

void
gdpr__err_clear(void)
{
    errmsg[0] = '\0';
}

GDPR_API const char *
gdpr_errmsg(void)
{
    return errmsg;
}

GDPR_API const char *
gdpr_strerror(int code)
{
    switch (code) {
    case GDPR_OK:
        return "GDPR_OK: success";
    case GDPR_EINVAL:
        return "GDPR_EINVAL: invalid argument";
    case GDPR_ENOTFOUND:
        return "GDPR_ENOTFOUND: not found";
    case GDPR_EEXISTS:
        return "GDPR_EEXISTS: already exists";
    case GDPR_EDENIED:
        return "GDPR_EDENIED: permission denied by policy";
    case GDPR_EKEY:
        return "GDPR_EKEY: wrong master key or passphrase";
    case GDPR_ECORRUPT:
        return "GDPR_ECORRUPT: stored data failed a check";
    case GDPR_EBUSY:
        return "GDPR_EBUSY: store is locked by another connection";
    case GDPR_ESTORAGE:
        return "GDPR_ESTORAGE: storage failure";
    case GDPR_ENOMEM:
        return "GDPR_ENOMEM: out of memory";
    case GDPR_EVERSION:
        return "GDPR_EVERSION: unknown version";
    case GDPR_ECALLBACK:
        return "GDPR_ECALLBACK: a callback failed";
    case GDPR_ECRYPTO:
        return "GDPR_ECRYPTO: cryptographic failure";
    case GDPR_ESTATE:
        return "GDPR_ESTATE: not allowed in the current state";
    default:
        return "GDPR_E?: unknown code";
    }
}
