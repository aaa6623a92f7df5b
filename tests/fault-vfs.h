/*
 * Fault injection for tests, as SQLite's own test harness does it: a shim
 * VFS that fails (or kills the process at) the N-th write, sync or
 * truncate, and an allocator that fails the N-th allocation.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_TEST_FAULT_VFS_H
#define GDPR_TEST_FAULT_VFS_H

typedef enum { FAULT_IOERR = 1, FAULT_CRASH = 2 } fault_mode;

/* Register the shim as the default VFS (once per process). */
void fault_vfs_install(void);
/* Fail the n-th write/sync/truncate from now on (n >= 1); 0 disarms. */
void fault_vfs_arm(fault_mode mode, long n);
/* Whether the armed fault has fired since the last arm. */
int fault_vfs_fired(void);
/* WAL read transactions begun through the shim so far (a read mark taken
 * shared), on every file it opened. */
long fault_vfs_read_locks(void);

/* Replace SQLite's allocator (before any other SQLite use). */
void fault_malloc_install(void);
/* Fail the n-th allocation from now on, and every one after it until
 * disarmed (a persistent fault, like SQLite's malloc tests); 0 disarms. */
void fault_malloc_arm(long n);
int fault_malloc_fired(void);
/* The countdown left: armed with n, n minus the allocations since. */
long fault_malloc_left(void);

#endif
