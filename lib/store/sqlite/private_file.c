/*
 * Store files readable by their owner only (0600), whatever the umask.
 * SQLite creates a database's -wal, -shm and -journal with the mode of the
 * database file itself (and fchmods them to it past the umask), so making
 * the data file and the keystore 0600 before SQLite opens them makes every
 * file of the store 0600. Files of an older store that are wider are
 * narrowed at open. A file this open created is removed again when the
 * open of a new store fails (gdpr_sqlite__remove_created).
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

static const char *const companions[] = {"-wal", "-shm", "-journal"};
#define N_COMPANIONS (sizeof companions / sizeof companions[0])

static int
exists(const char *path)
{
    struct stat sb;

    return stat(path, &sb) == 0;
}

int
gdpr_sqlite__private_file(const char *path, const char *what, sq_created *created)
{
    char side[4096];
    int fd, rc;

    memset(created, 0, sizeof *created);
    if (strcmp(path, ":memory:") == 0 || path[0] == '\0')
        return GDPR_OK;
    /* O_EXCL tells whether this open made the file: only such a file may
     * be removed again if the open fails (gdpr_sqlite__remove_created). */
    fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, PRIVATE_MODE);
    if (fd >= 0) {
        created->file = 1;
        for (size_t i = 0; i < N_COMPANIONS; i++) {
            snprintf(side, sizeof side, "%s%s", path, companions[i]);
            created->companion_existed[i] = exists(side);
        }
    } else if (errno == EEXIST) {
        fd = open(path, O_RDWR | O_CLOEXEC);
    }
    if (fd < 0)
        return gdpr__err_set(GDPR_ESTORAGE, "%s '%s': cannot open: %s", what, path,
                             strerror(errno));
    if (close(fd) != 0)
        return gdpr__err_set(GDPR_ESTORAGE, "%s '%s': close: %s", what, path, strerror(errno));
    rc = narrow(path, what);
    for (size_t i = 0; rc == GDPR_OK && i < N_COMPANIONS; i++) {
        if (snprintf(side, sizeof side, "%s%s", path, companions[i]) >= (int)sizeof side)
            return gdpr__err_set(GDPR_EINVAL, "%s: path is longer than %zu bytes", what,
                                 sizeof side - 16);
        rc = narrow(side, what);
    }
    return rc;
}

void
gdpr_sqlite__remove_created(const char *path, const sq_created *created)
{
    char side[4096];

    if (!created->file)
        return;
    /* Companions first: SQLite made them for this file (unless they were
     * there before it, which a careful host never has). */
    for (size_t i = 0; i < N_COMPANIONS; i++) {
        if (created->companion_existed[i])
            continue;
        if (snprintf(side, sizeof side, "%s%s", path, companions[i]) < (int)sizeof side)
            (void)unlink(side);
    }
    (void)unlink(path);
}
