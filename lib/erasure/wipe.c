/*
 * gdpr_wipe_file: overwrite a file the host wrote (an export, a temporary
 * file) with random bytes, then zeros, each pass synced, then truncate and
 * unlink it and sync its directory. What this cannot reach (SSD remapping,
 * copy-on-write file systems, snapshots) is said in docs/erasure.md.
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "error.h"
#include "gdpr/erasure.h"
#include "text.h"

#define WIPE_PATH_MAX 4096u
#define WIPE_CHUNK 65536u

static int
io_fail(const char *what, const char *path, int err)
{
    return gdpr__err_set(GDPR_ESTORAGE, "path: %s '%s': %s", what, path, strerror(err));
}

/* One pass over [0, size): random bytes or zeros, then fsync. */
static int
overwrite(int fd, const char *path, off_t size, int random, unsigned char *buf)
{
    off_t done = 0;

    if (!random)
        memset(buf, 0, WIPE_CHUNK);
    while (done < size) {
        size_t n = (size_t)(size - done) < WIPE_CHUNK ? (size_t)(size - done) : WIPE_CHUNK;
        ssize_t w;
        if (random) {
            int rc = gdpr_crypto__random(buf, n);
            if (rc != GDPR_OK)
                return rc;
        }
        w = pwrite(fd, buf, n, done);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return io_fail("cannot overwrite", path, errno);
        }
        done += w;
    }
    if (fsync(fd) != 0)
        return io_fail("cannot sync", path, errno);
    return GDPR_OK;
}

/* Make the unlink durable: sync the directory that held the name. */
static int
sync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    int fd, rc = GDPR_OK;

    if (slash == NULL) {
        dir = malloc(2);
        if (dir != NULL)
            memcpy(dir, ".", 2);
    } else {
        size_t len = slash == path ? 1 : (size_t)(slash - path);
        dir = malloc(len + 1);
        if (dir != NULL) {
            memcpy(dir, path, len);
            dir[len] = '\0';
        }
    }
    if (dir == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory wiping '%s'", path);
    fd = open(dir, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = io_fail("cannot open the directory of", path, errno);
    } else {
        /* Some file systems refuse fsync on a directory (EINVAL): the
         * unlink is done, only its durability is up to them. */
        if (fsync(fd) != 0 && errno != EINVAL)
            rc = io_fail("cannot sync the directory of", path, errno);
        close(fd);
    }
    free(dir);
    return rc;
}

GDPR_API int
gdpr_wipe_file(const char *path)
{
    struct stat before, now;
    unsigned char *buf;
    int fd, rc;

    gdpr__err_clear();
    rc = gdpr_text__check("path", path, WIPE_PATH_MAX);
    if (rc != GDPR_OK)
        return rc;
    if (lstat(path, &before) != 0)
        return gdpr__err_set(errno == ENOENT         ? GDPR_ENOTFOUND
                             : errno == ENAMETOOLONG ? GDPR_EINVAL
                                                     : GDPR_ESTORAGE,
                             "path: '%.256s': %s", path, strerror(errno));
    if (S_ISLNK(before.st_mode))
        return gdpr__err_set(GDPR_EINVAL, "path: '%s' is a symbolic link; wipe the file it names",
                             path);
    if (!S_ISREG(before.st_mode))
        return gdpr__err_set(GDPR_EINVAL, "path: '%s' is not a regular file", path);
    fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return io_fail("cannot open", path, errno);
    /* The name must still be the file we looked at. */
    if (fstat(fd, &now) != 0 || now.st_ino != before.st_ino || now.st_dev != before.st_dev ||
        !S_ISREG(now.st_mode)) {
        close(fd);
        return gdpr__err_set(GDPR_EINVAL, "path: '%s' changed while it was being wiped", path);
    }
    buf = malloc(WIPE_CHUNK);
    if (buf == NULL) {
        close(fd);
        return gdpr__err_set(GDPR_ENOMEM, "out of memory wiping '%s'", path);
    }
    rc = overwrite(fd, path, now.st_size, 1, buf);
    if (rc == GDPR_OK)
        rc = overwrite(fd, path, now.st_size, 0, buf);
    free(buf);
    if (rc == GDPR_OK && ftruncate(fd, 0) != 0)
        rc = io_fail("cannot truncate", path, errno);
    if (rc == GDPR_OK && fsync(fd) != 0)
        rc = io_fail("cannot sync", path, errno);
    if (close(fd) != 0 && rc == GDPR_OK)
        rc = io_fail("cannot close", path, errno);
    if (rc == GDPR_OK && unlink(path) != 0)
        rc = io_fail("cannot unlink", path, errno);
    if (rc == GDPR_OK)
        rc = sync_parent(path);
    return rc;
}
