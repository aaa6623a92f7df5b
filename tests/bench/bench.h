/*
 * Benchmark helpers: a monotonic clock, a median of repeated samples and
 * one line per figure, always printed beside its baseline.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_BENCH_H
#define GDPR_BENCH_H

#include <stddef.h>
#include <stdint.h>

/* Seconds from a monotonic clock. */
double bench_now(void);

/* Median of n samples (sorts in place). */
double bench_median(double *samples, size_t n);

/* Print "name: N ops/s (baseline: M ops/s, ratio R)" in a fixed format that
 * docs/performance.md quotes. */
void bench_report_rate(const char *name, double ops, double seconds, const char *baseline_name,
                       double baseline_ops, double baseline_seconds);

/* Print a latency figure with its baseline. */
void bench_report_latency(const char *name, double seconds, const char *baseline_name,
                          double baseline_seconds);

/* A fresh temporary directory for a benchmark's files (removed by
 * bench_cleanup). */
const char *bench_tmpdir(void);
void bench_cleanup(void);

/* Scale from the environment (GDPR_BENCH_SCALE, default 1.0) so CI can run
 * a quick pass and a developer the full figures. */
double bench_scale(void);

/* The floor's connection: a copy of the store file `from` (the library's
 * data file, same schema, indexes, triggers and rows) at `to`, opened with
 * the library's settings (WAL, synchronous=FULL, secure_delete, foreign
 * keys, 64 MiB cache, 256 MiB map), so a baseline writes the same rows
 * into a store of the same size. Exits on failure. */
struct sqlite3;
struct sqlite3 *bench_copy_store(const char *from, const char *to);

#endif
