/*
 * SPDX-License-Identifier: MIT
 */
#include "fault-vfs.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

static sqlite3_vfs shim;
static sqlite3_vfs *real;
static fault_mode armed_mode;
static long countdown;
static int fired;
static long read_locks;

typedef struct {
    sqlite3_file base;
    sqlite3_file *real; /* allocated right after this struct */
} shim_file;

static int
fault_now(void)
{
    if (countdown <= 0)
        return 0;
    if (--countdown > 0)
        return 0;
    fired = 1;
    if (armed_mode == FAULT_CRASH)
        _exit(99);
    return 1;
}

#define REAL(f) (((shim_file *)(f))->real)

static int
s_close(sqlite3_file *f)
{
    return REAL(f)->pMethods->xClose(REAL(f));
}
static int
s_read(sqlite3_file *f, void *b, int n, sqlite3_int64 o)
{
    return REAL(f)->pMethods->xRead(REAL(f), b, n, o);
}
static int
s_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 o)
{
    if (fault_now())
        return SQLITE_IOERR_WRITE;
    return REAL(f)->pMethods->xWrite(REAL(f), b, n, o);
}
static int
s_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    if (fault_now())
        return SQLITE_IOERR_TRUNCATE;
    return REAL(f)->pMethods->xTruncate(REAL(f), size);
}
static int
s_sync(sqlite3_file *f, int flags)
{
    if (fault_now())
        return SQLITE_IOERR_FSYNC;
    return REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int
s_size(sqlite3_file *f, sqlite3_int64 *p)
{
    return REAL(f)->pMethods->xFileSize(REAL(f), p);
}
static int
s_lock(sqlite3_file *f, int l)
{
    return REAL(f)->pMethods->xLock(REAL(f), l);
}
static int
s_unlock(sqlite3_file *f, int l)
{
    return REAL(f)->pMethods->xUnlock(REAL(f), l);
}
static int
s_check(sqlite3_file *f, int *p)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), p);
}
static int
s_fctl(sqlite3_file *f, int op, void *a)
{
    return REAL(f)->pMethods->xFileControl(REAL(f), op, a);
}
static int
s_sector(sqlite3_file *f)
{
    return REAL(f)->pMethods->xSectorSize(REAL(f));
}
static int
s_dev(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int
s_shmmap(sqlite3_file *f, int pg, int sz, int ext, void volatile **pp)
{
    return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, ext, pp);
}
static int
s_shmlock(sqlite3_file *f, int off, int n, int flags)
{
    /* A WAL read transaction takes one read mark (slots 3-7) shared. */
    if (flags == (SQLITE_SHM_LOCK | SQLITE_SHM_SHARED) && off >= 3 && off < 8)
        read_locks++;
    return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}
static void
s_shmbarrier(sqlite3_file *f)
{
    REAL(f)->pMethods->xShmBarrier(REAL(f));
}
static int
s_shmunmap(sqlite3_file *f, int del)
{
    return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}
static int
s_fetch(sqlite3_file *f, sqlite3_int64 o, int n, void **pp)
{
    return REAL(f)->pMethods->xFetch(REAL(f), o, n, pp);
}
static int
s_unfetch(sqlite3_file *f, sqlite3_int64 o, void *p)
{
    return REAL(f)->pMethods->xUnfetch(REAL(f), o, p);
}

static const sqlite3_io_methods shim_methods = {
    3,         s_close,      s_read,     s_write, s_truncate, s_sync, s_size,
    s_lock,    s_unlock,     s_check,    s_fctl,  s_sector,   s_dev,  s_shmmap,
    s_shmlock, s_shmbarrier, s_shmunmap, s_fetch, s_unfetch,
};

static int
s_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
    shim_file *sf = (shim_file *)f;
    int rc;

    (void)vfs;
    sf->real = (sqlite3_file *)(sf + 1);
    rc = real->xOpen(real, name, sf->real, flags, out_flags);
    sf->base.pMethods = sf->real->pMethods ? &shim_methods : NULL;
    return rc;
}

static int
s_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    (void)vfs;
    return real->xDelete(real, name, sync_dir);
}

void
fault_vfs_install(void)
{
    if (real != NULL)
        return;
    real = sqlite3_vfs_find(NULL);
    shim = *real;
    shim.zName = "fault";
    shim.szOsFile = (int)sizeof(shim_file) + real->szOsFile;
    shim.xOpen = s_open;
    shim.xDelete = s_delete;
    sqlite3_vfs_register(&shim, 1);
}

void
fault_vfs_arm(fault_mode mode, long n)
{
    armed_mode = mode;
    countdown = n;
    fired = 0;
}

long
fault_vfs_read_locks(void)
{
    return read_locks;
}

int
fault_vfs_fired(void)
{
    return fired;
}

/* --- allocator -------------------------------------------------------- */

static sqlite3_mem_methods real_mem;
static long malloc_countdown;
static int malloc_fired;

static int
malloc_fails(void)
{
    if (malloc_fired)
        return 1;
    if (malloc_countdown <= 0 || --malloc_countdown > 0)
        return 0;
    malloc_fired = 1;
    return 1;
}

static void *
f_malloc(int n)
{
    return malloc_fails() ? NULL : real_mem.xMalloc(n);
}

static void *
f_realloc(void *p, int n)
{
    return malloc_fails() ? NULL : real_mem.xRealloc(p, n);
}

void
fault_malloc_install(void)
{
    sqlite3_mem_methods m;

    sqlite3_shutdown();
    sqlite3_config(SQLITE_CONFIG_GETMALLOC, &real_mem);
    m = real_mem;
    m.xMalloc = f_malloc;
    m.xRealloc = f_realloc;
    sqlite3_config(SQLITE_CONFIG_MALLOC, &m);
    sqlite3_initialize();
}

void
fault_malloc_arm(long n)
{
    malloc_countdown = n;
    malloc_fired = 0;
}

int
fault_malloc_fired(void)
{
    return malloc_fired;
}

long
fault_malloc_left(void)
{
    return malloc_countdown;
}
