/*
 * Reading a whole document file (policy, adequacy list, tombstone import).
 * SPDX-License-Identifier: MIT
 */
#include "file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gdpr/common.h"

/* Grow the buffer by doubling from this size, so a large limit costs
 * nothing for a small file. */
#define READ_FIRST_BYTES ((size_t)65536)

int
gdpr_text__read_file(const char *path, size_t max, char **out)
{
    FILE *f;
    char *buf, *grown;
    size_t cap, n = 0;

    *out = NULL;
    f = fopen(path, "rb");
    if (f == NULL)
        return gdpr__err_set(errno == ENOENT         ? GDPR_ENOTFOUND
                             : errno == ENAMETOOLONG ? GDPR_EINVAL
                                                     : GDPR_ESTORAGE,
                             "path: cannot open '%.256s': %s", path, strerror(errno));
    cap = max < READ_FIRST_BYTES ? max + 1 : READ_FIRST_BYTES;
    buf = malloc(cap + 1);
    for (;;) {
        if (buf == NULL) {
            fclose(f);
            return gdpr__err_set(GDPR_ENOMEM, "out of memory reading '%.256s'", path);
        }
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap || cap > max || ferror(f))
            break;
        /* Full: one byte past `max` is enough to know it is too large. */
        cap = cap > max / 2 ? max + 1 : cap * 2;
        grown = realloc(buf, cap + 1);
        if (grown == NULL)
            free(buf);
        buf = grown;
    }
    if (ferror(f)) {
        fclose(f);
        free(buf);
        return gdpr__err_set(GDPR_ESTORAGE, "path: cannot read '%.256s'", path);
    }
    fclose(f);
    buf[n] = '\0';
    if (n > max) {
        free(buf);
        return gdpr__err_set(GDPR_EINVAL, "%.256s: larger than %zu bytes", path, max);
    }
    if (strlen(buf) != n) {
        free(buf);
        return gdpr__err_set(GDPR_EINVAL, "%.256s: holds a NUL byte", path);
    }
    *out = buf;
    return GDPR_OK;
}
