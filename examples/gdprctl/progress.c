/*
 * gdprctl: an indeterminate progress line on stderr for long library calls
 * that report no progress of their own (erase due, audit verify, export):
 * the time elapsed and, where gdprctl itself loops (the bytes an export
 * writes), a count and its rate. Redrawn in place on a terminal; on
 * anything else (--progress) one line a second and a closing line. A
 * Ctrl-C clears the line, says what was interrupted (and, for commands
 * that resume, "resumable: run again to continue"), removes a partial
 * output file and ends the process as the signal would.
 * SPDX-License-Identifier: MIT
 */
#define _DEFAULT_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gdprctl.h"

#define TICK_NS 200000000L /* redraw every 0.2 s */

static struct {
    int draw, tty, running;
    const char *what, *unit;
    struct timespec start;
    atomic_llong count;
    atomic_int stop;
    pthread_t ticker;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char interrupted_msg[512];
    char cleanup[4096]; /* a partial output file to remove on Ctrl-C */
    void (*old_int)(int);
} pg = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static double
elapsed(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - pg.start.tv_sec) + (double)(now.tv_nsec - pg.start.tv_nsec) / 1e9;
}

/* "<what>: [done in ]S.s s[ elapsed][, N unit (R unit/s)]" */
static void
line(int done, double secs)
{
    long long n = atomic_load(&pg.count);

    fprintf(stderr, "%s%s: %s%.1f s%s", pg.tty ? "\r\033[K" : "", pg.what, done ? "done in " : "",
            secs, done ? "" : " elapsed");
    if (pg.unit != NULL)
        fprintf(stderr, ", %lld %s (%.0f %s/s)", n, pg.unit, secs > 0 ? (double)n / secs : 0.0,
                pg.unit);
    if (!pg.tty)
        fputc('\n', stderr);
    fflush(stderr);
}

static void *
tick(void *arg)
{
    struct timespec until;
    int ticks = 0;

    (void)arg;
    pthread_mutex_lock(&pg.mu);
    while (!atomic_load(&pg.stop)) {
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += TICK_NS;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&pg.cv, &pg.mu, &until);
        if (atomic_load(&pg.stop))
            break;
        /* A terminal is redrawn in place; a log gets a line a second. */
        if (pg.tty || ++ticks % 5 == 0)
            line(0, elapsed());
    }
    pthread_mutex_unlock(&pg.mu);
    return NULL;
}

/* Async-signal-safe: clear the line, say so, remove a partial file, and
 * die of the signal (exit status 130 in a shell). */
static void
on_interrupt(int sig)
{
    if (pg.draw && pg.tty)
        (void)!write(STDERR_FILENO, "\r\033[K", 4);
    if (pg.cleanup[0] != '\0')
        unlink(pg.cleanup);
    (void)!write(STDERR_FILENO, pg.interrupted_msg, strlen(pg.interrupted_msg));
    signal(sig, SIG_DFL);
    raise(sig);
}

void
ctl_progress_start(const ctl *c, const char *what, const char *unit, int resumable,
                   const char *cleanup)
{
    pg.what = what;
    pg.unit = unit;
    pg.tty = isatty(STDERR_FILENO);
    pg.draw = c->progress == 1 || (c->progress == -1 && !c->json && pg.tty);
    atomic_store(&pg.count, 0);
    atomic_store(&pg.stop, 0);
    snprintf(pg.cleanup, sizeof pg.cleanup, "%s", cleanup ? cleanup : "");
    snprintf(pg.interrupted_msg, sizeof pg.interrupted_msg, "gdprctl: %s interrupted%s%s\n", what,
             cleanup ? "; the partial output was removed" : "",
             resumable ? "; resumable: run again to continue" : "");
    clock_gettime(CLOCK_MONOTONIC, &pg.start);
    pg.old_int = signal(SIGINT, on_interrupt);
    pg.running = 0;
    if (!pg.draw)
        return;
    line(0, 0.0);
    pg.running = pthread_create(&pg.ticker, NULL, tick, NULL) == 0;
}

void
ctl_progress_add(int64_t n)
{
    atomic_fetch_add(&pg.count, (long long)n);
}

void
ctl_progress_stop(void)
{
    if (pg.running) {
        pthread_mutex_lock(&pg.mu);
        atomic_store(&pg.stop, 1);
        pthread_cond_signal(&pg.cv);
        pthread_mutex_unlock(&pg.mu);
        pthread_join(pg.ticker, NULL);
        pg.running = 0;
    }
    signal(SIGINT, pg.old_int);
    if (!pg.draw)
        return;
    if (pg.tty)
        fputs("\r\033[K", stderr); /* the result line follows on stdout */
    else
        line(1, elapsed());
    pg.draw = 0;
}
