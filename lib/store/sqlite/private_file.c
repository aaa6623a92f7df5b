/*
 * Store files readable by their owner only (0600), whatever the umask.
 * SQLite creates a database's -wal, -shm and -journal with the mode of the
 * database file itself (and fchmods them to it past the umask), so making
 * the data file and the keystore 0600 before SQLite opens them makes every
 * file of the store 0600. Files of an older store that are wider are
 * narrowed at open.
 * SPDX-License-Identifier: MIT
 */
#include "sqlite_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"

#define PRIVATE_MODE 0600

static int
narrow(const char *path, const char *what)
{
    struct stat sb;

    if (stat(path, &sb) != 0) {
        if (errno == ENOENT)
            return GDPR_OK;
        return gdpr__err_set(GDPR_ESTORAGE, "%s '%s': stat: %s", what, path, strerror(errno));
    }
    if ((sb.st_mode & 0777) != PRIVATE_MODE && chmod(path, PRIVATE_MODE) != 0)
        return gdpr__err_set(GDPR_ESTORAGE, "%s '%s': cannot make it private (chmod 0600): %s",
                             what, path, strerror(errno));
    return GDPR_OK;
}

int
gdpr_sqlite__private_file(const char *path, const char *what)
{
    static const char *const companions[] = {"-wal", "-shm", "-journal"};
    char side[4096];
    int fd, rc;

    if (strcmp(path, ":memory:") == 0 || path[0] == '\0')
        return GDPR_OK;
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, PRIVATE_MODE);
    if (fd < 0)
        return gdpr__err_set(GDPR_ESTORAGE, "%s '%s': cannot open: %s", what, path,
                             strerror(errno));
    if (close(fd) != 0)
        return gdpr__err_set(GDPR_ESTORAGE, "%s '%s': close: %s", what, path, strerror(errno));
    rc = narrow(path, what);
    for (size_t i = 0; rc == GDPR_OK && i < sizeof companions / sizeof companions[0]; i++) {
        if (snprintf(side, sizeof side, "%s%s", path, companions[i]) >= (int)sizeof side)
            return gdpr__err_set(GDPR_EINVAL, "%s: path is longer than %zu bytes", what,
                                 sizeof side - 16);
        rc = narrow(side, what);
    }
    return rc;
}
