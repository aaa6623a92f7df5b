/*
 * Consent report benchmark (docs/performance.md, "Consent report"):
 *   1. load (in a child process) S subjects (default 200,000) with one marketing consent each,
 *      one second apart, in batches of 10,000;
 *   2. in a fresh child process each: the report as JSON by keyed hash
 *      over a tenth of the subjects (date filter) and over all of them,
 *      CSV over all, and JSON with host ids over all; each prints its
 *      rows, time, bytes and peak RSS (getrusage) before and after, so
 *      the growth with 10x the rows is seen directly;
 *   3. the same-work floors (floor_report_child), on a copy of the store:
 *      the report's audit event and durable commit, then plain SQLite
 *      reading the same rows in one snapshot, OpenSSL recomputing each
 *      state row's HMAC-SHA-256 over its real encoding, hex and JSON into
 *      a 64 KiB buffer handed to the same discarding writer; the host-id
 *      floor also unwraps each subject's key (read from the keystore
 *      file) and opens its sealed id; each figure printed beside its
 *      floor with the ratio (the keyed-hash floor kept as the host-id
 *      figure's naive baseline).
 *
 *   build/tests/bench/bench-report      (GDPR_BENCH_SCALE=0.05 for a quick run)
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include "bench.h"
#include "gdpr.h"

#define BATCH 10000L
#define GDPR_NAME_MAX_FLOOR 257
#define T0 INT64_C(1767225600) /* 2026-01-01T00:00:00Z */

static const unsigned char key[32] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3,
                                      2, 3, 8, 4, 6, 2, 6, 4, 3, 3, 8, 3, 2, 7, 9, 5};
static const gdpr_actor agent = {"bench", "agent"};
static const gdpr_actor dpo = {"bench", "dpo"};
static char db_path[512];
static int64_t clock_now = T0;

/* Each child's figure, for the parent to print beside its floor. */
enum { FIG_TENTH, FIG_JSON, FIG_CSV, FIG_HOST, FIG_FLOOR, FIG_FLOOR_HOST, FIG_N };
typedef struct {
    double seconds;
    long rows;
} figure;
static figure *figs;

static void
check(int rc, const char *what)
{
    if (rc != GDPR_OK) {
        fprintf(stderr, "%s: %s (%s)\n", what, gdpr_strerror(rc), gdpr_errmsg());
        exit(1);
    }
}

static int64_t
bench_clock(void *ctx)
{
    (void)ctx;
    return clock_now;
}

static long
peak_rss_kib(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Resident anonymous (heap, stacks) and file-backed (the database file
 * SQLite maps, mmap_size) memory now, from /proc/self/status, in KiB. */
static void
rss_split(long *anon_out, long *file_out)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];

    *anon_out = *file_out = -1;
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        sscanf(line, "RssAnon: %ld", anon_out);
        sscanf(line, "RssFile: %ld", file_out);
    }
    if (f != NULL)
        fclose(f);
}

static gdpr_engine *
open_store(void)
{
    gdpr_options opts = GDPR_OPTIONS_INIT;
    gdpr_engine *eng = NULL;

    opts.path = db_path;
    opts.key = key;
    opts.key_len = sizeof key;
    opts.clock = bench_clock;
    check(gdpr_open(&eng, &opts), "gdpr_open");
    return eng;
}

static void
load(long subjects)
{
    gdpr_engine *eng = open_store();
    double t0 = bench_now(), t;

    check(gdpr_policy_load(eng, &dpo, TEST_SOURCE_ROOT "/examples/policy.json"), "policy");
    for (long i = 0; i < subjects; i += BATCH) {
        check(gdpr_begin(eng), "begin");
        for (long k = i; k < i + BATCH && k < subjects; k++) {
            gdpr_consent c = GDPR_CONSENT_INIT;
            char id[32];

            snprintf(id, sizeof id, "customer-%08ld", k);
            c.subject = id;
            c.purpose = "marketing";
            c.notice = "marketing-v2";
            c.channel = "web";
            c.state = k % 5 == 4 ? GDPR_CONSENT_WITHDRAWN : GDPR_CONSENT_GRANTED;
            check(gdpr_consent_record(eng, &agent, &c, NULL), "record");
            clock_now++;
        }
        check(gdpr_commit(eng), "commit");
    }
    t = bench_now() - t0;
    printf("load: %ld subjects, one consent each, in %.1f s (%.0f/s)\n", subjects, t,
           (double)subjects / t);
    gdpr_close(eng);
}

static int
discard(const void *buf, size_t len, void *ctx)
{
    (void)buf;
    *(size_t *)ctx += len;
    return 0;
}

/* One report in a child process: its peak RSS is its own. */
static void
report_child(const char *name, int format, unsigned int flags, int64_t until, int fig)
{
    pid_t pid;
    int status;

    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        gdpr_engine *eng = open_store();
        gdpr_consent_report_options o = GDPR_CONSENT_REPORT_OPTIONS_INIT;
        size_t bytes = 0;
        int64_t rows = 0;
        long before, anon, file;
        double t0, t;

        o.format = format;
        o.flags = flags;
        o.until = until;
        before = peak_rss_kib();
        t0 = bench_now();
        check(gdpr_consent_report(eng, &dpo, &o, discard, &bytes, &rows), name);
        t = bench_now() - t0;
        rss_split(&anon, &file);
        printf("%s: %lld rows, %.1f MB in %.2f s (%.0f rows/s); peak RSS %ld KiB before, "
               "%ld KiB after (now: %ld KiB anonymous, %ld KiB mapped file)\n",
               name, (long long)rows, (double)bytes / 1e6, t, (double)rows / t, before,
               peak_rss_kib(), anon, file);
        figs[fig].seconds = t;
        figs[fig].rows = (long)rows;
        gdpr_close(eng);
        fflush(stdout);
        _exit(0);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        fprintf(stderr, "%s: child failed\n", name);
        exit(1);
    }
}

/* The floor's copy of the store for the host-id report: both files copied
 * (same schema, rows and size), then each subject's id sealed again and
 * its data key wrapped again under keys the floor holds (floor_subject_new,
 * as the library makes them), so that the timed floor opens real
 * ciphertexts. Untimed. */
static char floor_path[600];
static floor_subject_keys host_keys;

static void
floor_host_setup(void)
{
    char from[600], to[640];
    sqlite3 *db, *kdb;
    sqlite3_stmt *s = NULL, *up_id = NULL, *up_key = NULL;

    snprintf(floor_path, sizeof floor_path, "%s/report-floor.db", bench_tmpdir());
    db = bench_copy_store(db_path, floor_path);
    snprintf(from, sizeof from, "%s-keys", db_path);
    snprintf(to, sizeof to, "%s-keys", floor_path);
    kdb = bench_copy_store(from, to);
    floor_subject_keys_init(&host_keys);
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(kdb, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT id, hash FROM main.subject", -1, &s, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "UPDATE main.subject SET ident=?2 WHERE id=?1", -1, &up_id, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(kdb, "UPDATE main.subject_key SET wrapped=?2 WHERE hash=?1", -1, &up_key,
                           NULL) != SQLITE_OK) {
        fprintf(stderr, "floor set-up: %s / %s\n", sqlite3_errmsg(db), sqlite3_errmsg(kdb));
        exit(1);
    }
    while (sqlite3_step(s) == SQLITE_ROW) {
        unsigned char h[32], wrapped[FLOOR_WRAPPED_BYTES], ident[FLOOR_SEAL_OVERHEAD + 32];
        int64_t id = sqlite3_column_int64(s, 0), serial = 0;
        char name[32];
        size_t len;

        memcpy(h, sqlite3_column_blob(s, 1), 32);
        snprintf(name, sizeof name, "customer-%08lld", (long long)(id - 1));
        len = strlen(name);
        floor_subject_new(&host_keys, h, name, len, wrapped, ident, &serial);
        sqlite3_bind_int64(up_id, 1, id);
        sqlite3_bind_blob(up_id, 2, ident, (int)(len + FLOOR_SEAL_OVERHEAD), SQLITE_TRANSIENT);
        sqlite3_bind_blob(up_key, 1, h, 32, SQLITE_TRANSIENT);
        sqlite3_bind_blob(up_key, 2, wrapped, sizeof wrapped, SQLITE_TRANSIENT);
        if (sqlite3_step(up_id) != SQLITE_DONE || sqlite3_step(up_key) != SQLITE_DONE ||
            sqlite3_changes(kdb) != 1) {
            fprintf(stderr, "floor set-up: update failed\n");
            exit(1);
        }
        sqlite3_reset(up_id);
        sqlite3_reset(up_key);
    }
    sqlite3_finalize(s);
    sqlite3_finalize(up_id);
    sqlite3_finalize(up_key);
    if (sqlite3_exec(kdb, "COMMIT", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "floor set-up: commit failed\n");
        exit(1);
    }
    sqlite3_close(db);
    sqlite3_close(kdb);
}

/* The consent state row's MAC as lib/store/shared.c encodes it (its
 * real length: as many SHA-256 blocks as ours). */
static void
floor_state_mac(floor_crypto *fc, const unsigned char *h, const char *purpose,
                const char *recipient, int64_t event, int64_t at, int state, int64_t expires,
                int flags, unsigned char out[32])
{
    static const char tag[] = "libgdpr consent state row 1";
    floor_enc e = {{0}, 0};
    size_t pn = strlen(purpose), rn = strlen(recipient);

    fe_bytes(&e, tag, sizeof tag);
    fe_bytes(&e, h, 32);
    fe_u64(&e, pn);
    fe_bytes(&e, purpose, pn);
    fe_u64(&e, rn);
    fe_bytes(&e, recipient, rn);
    fe_u64(&e, (uint64_t)event);
    fe_u64(&e, (uint64_t)at);
    fe_u64(&e, (uint64_t)(int64_t)state);
    fe_u64(&e, (uint64_t)expires);
    fe_u64(&e, (uint64_t)flags);
    floor_hmac(fc, e.b, e.n, NULL, 0, out);
}

/* The report's audit event, as the library leaves it before the rows: the
 * chain's tail read under the write lock, the event's chained HMAC, its
 * row, the generation moved, a durable commit (WAL, synchronous=FULL). */
static void
floor_report_audit(sqlite3 *db, floor_crypto *fc, int host)
{
    sqlite3_stmt *tail = NULL, *ins = NULL;
    unsigned char chain[32] = {0};
    int64_t seq = 0, at = clock_now;
    const char *ref = host ? "consent report (host ids)" : "consent report (keyed hashes)";

    if (sqlite3_exec(db, "PRAGMA synchronous=FULL; BEGIN IMMEDIATE", NULL, NULL, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT seq, mac FROM main.audit ORDER BY seq DESC LIMIT 1", -1,
                           &tail, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO main.audit(seq, at, actor, role, action, subject,"
                           " outcome, ref, mac, subject_id) VALUES(?1, ?2, 'bench', 'dpo',"
                           " 'consent.report', NULL, 0, ?3, ?4, NULL)",
                           -1, &ins, NULL) != SQLITE_OK) {
        fprintf(stderr, "floor: audit: %s\n", sqlite3_errmsg(db));
        _exit(1);
    }
    if (sqlite3_step(tail) == SQLITE_ROW) {
        seq = sqlite3_column_int64(tail, 0);
        if (sqlite3_column_bytes(tail, 1) == 32)
            memcpy(chain, sqlite3_column_blob(tail, 1), 32);
    }
    floor_audit_chain(fc, ++seq, at, "bench", "dpo", "consent.report", NULL, 0, ref, chain);
    sqlite3_bind_int64(ins, 1, seq);
    sqlite3_bind_int64(ins, 2, at);
    sqlite3_bind_text(ins, 3, ref, -1, SQLITE_STATIC);
    sqlite3_bind_blob(ins, 4, chain, 32, SQLITE_STATIC);
    if (sqlite3_step(ins) != SQLITE_DONE) {
        fprintf(stderr, "floor: audit insert: %s\n", sqlite3_errmsg(db));
        _exit(1);
    }
    sqlite3_finalize(tail);
    sqlite3_finalize(ins);
    if (sqlite3_exec(db, "UPDATE main.counter SET value=value+1 WHERE name='generation'; COMMIT",
                     NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "floor: audit commit: %s\n", sqlite3_errmsg(db));
        _exit(1);
    }
}

/* JSON string body of s (the library's sink escapes the same set). */
static size_t
json_escape(char *out, const char *s, size_t len)
{
    static const char hexd[] = "0123456789abcdef";
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            out[n++] = '\\';
            out[n++] = (char)c;
        } else if (c < 0x20) {
            memcpy(out + n, "\\u00", 4);
            out[n + 4] = hexd[c >> 4];
            out[n + 5] = hexd[c & 15];
            n += 6;
        } else {
            out[n++] = (char)c;
        }
    }
    return n;
}

/* The same-work floors of the JSON report, in a child process each, on
 * the floor's copy of the store: the report's audit event
 * (floor_report_audit), then the library's statement (lib/store/sqlite/report.c) in one read
 * snapshot, per row the state row's MAC recomputed over its real
 * encoding with a keyed HMAC context set up once and compared in
 * constant time (another key: the comparison is paid, its answer not
 * used), the hash in hex, one JSON object per row into a 64 KiB buffer
 * handed to the same discarding writer. With `host`, per subject also
 * what opening its id takes: the sealed id read with the row (the
 * statement joins it: one read fewer than the library's), the wrapped
 * key read from the keystore file (a point query), unwrapped
 * (AES-256-GCM, AAD the blind index), the id opened under the data key
 * (its key schedule set up per subject, AAD "subject.ident" || blind
 * index), wiped after use and escaped into the JSON. */
static __attribute__((noinline)) void
floor_report_child(int host)
{
    pid_t pid;
    int status;

    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        char kpath[640];
        sqlite3 *db = NULL, *kdb = NULL;
        sqlite3_stmt *s = NULL, *kq = NULL;
        EVP_CIPHER_CTX *unwrap = EVP_CIPHER_CTX_new(), *opener = EVP_CIPHER_CTX_new();
        floor_crypto fc;
        static char buf[65536];
        size_t used = 0, bytes = 0;
        long rows = 0, before = peak_rss_kib(), anon, file;
        double t0 = bench_now(), t;

        floor_crypto_init(&fc);
        snprintf(kpath, sizeof kpath, "%s-keys", floor_path);
        if (unwrap == NULL || opener == NULL ||
            EVP_DecryptInit_ex2(unwrap, host_keys.gcm, host_keys.wrap_key, NULL, NULL) != 1 ||
            sqlite3_open_v2(floor_path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
            sqlite3_prepare_v2(db,
                               host ? "SELECT s.hash, s.ident, cs.purpose, cs.recipient,"
                                      " cs.event, cs.at, cs.state, cs.expires, cs.flags, cs.mac"
                                      " FROM main.consent_state cs JOIN main.subject s"
                                      " ON s.id = cs.subject_id"
                                      " WHERE (?1 IS NULL OR cs.purpose = ?1)"
                                      " AND cs.at >= ?2 AND (?3 = 0 OR cs.at < ?3)"
                                      " ORDER BY cs.subject_id, cs.purpose, cs.recipient"
                                    : "SELECT (SELECT hash FROM main.subject WHERE id ="
                                      " subject_id), NULL, purpose, recipient, event, at, state,"
                                      " expires, flags, mac FROM main.consent_state"
                                      " WHERE (?1 IS NULL OR purpose = ?1)"
                                      " AND at >= ?2 AND (?3 = 0 OR at < ?3)"
                                      " ORDER BY subject_id, purpose, recipient",
                               -1, &s, NULL) != SQLITE_OK ||
            sqlite3_bind_null(s, 1) != SQLITE_OK || sqlite3_bind_int64(s, 2, 0) != SQLITE_OK ||
            sqlite3_bind_int64(s, 3, 0) != SQLITE_OK) {
            fprintf(stderr, "floor: set-up failed: %s\n", db ? sqlite3_errmsg(db) : "no db");
            _exit(1);
        }
        if (host && (sqlite3_open_v2(kpath, &kdb, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
                     sqlite3_prepare_v2(kdb, "SELECT wrapped FROM main.subject_key WHERE hash=?1",
                                        -1, &kq, NULL) != SQLITE_OK)) {
            fprintf(stderr, "floor: keystore: %s\n", kdb ? sqlite3_errmsg(kdb) : "no db");
            _exit(1);
        }
        floor_report_audit(db, &fc, host);
        /* Each file read in one snapshot, as the library's report. */
        sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
        if (host)
            sqlite3_exec(kdb, "BEGIN", NULL, NULL, NULL);
        while (sqlite3_step(s) == SQLITE_ROW) {
            unsigned char mac[32], dek[32], aad[14 + 32], name[GDPR_NAME_MAX_FLOOR];
            const unsigned char *subj = sqlite3_column_blob(s, 0);
            const char *purpose = (const char *)sqlite3_column_text(s, 2);
            const char *recipient = (const char *)sqlite3_column_text(s, 3);
            char esc[6 * GDPR_NAME_MAX_FLOOR], line[1024];
            const void *stored = sqlite3_column_blob(s, 9);
            int n;

            floor_state_mac(&fc, subj, purpose, recipient, sqlite3_column_int64(s, 4),
                            sqlite3_column_int64(s, 5), sqlite3_column_int(s, 6),
                            sqlite3_column_int64(s, 7), sqlite3_column_int(s, 8), mac);
            if (stored == NULL || sqlite3_column_bytes(s, 9) != 32) {
                fprintf(stderr, "floor: state row without its MAC\n");
                _exit(1);
            }
            (void)CRYPTO_memcmp(mac, stored, 32);
            if (host) {
                const unsigned char *ident = sqlite3_column_blob(s, 1), *w;
                size_t ilen = (size_t)sqlite3_column_bytes(s, 1), nlen;
                int outl = 0;

                /* The subject's key from the keystore, unwrapped. */
                sqlite3_bind_blob(kq, 1, subj, 32, SQLITE_STATIC);
                if (sqlite3_step(kq) != SQLITE_ROW ||
                    sqlite3_column_bytes(kq, 0) != FLOOR_WRAPPED_BYTES) {
                    fprintf(stderr, "floor: no wrapped key\n");
                    _exit(1);
                }
                w = sqlite3_column_blob(kq, 0);
                if (EVP_DecryptInit_ex2(unwrap, NULL, NULL, w + 1, NULL) != 1 ||
                    EVP_DecryptUpdate(unwrap, NULL, &outl, subj, 32) != 1 ||
                    EVP_DecryptUpdate(unwrap, dek, &outl, w + 13, 32) != 1 ||
                    EVP_CIPHER_CTX_ctrl(unwrap, EVP_CTRL_GCM_SET_TAG, 16, (void *)(w + 45)) != 1 ||
                    EVP_DecryptFinal_ex(unwrap, dek + outl, &outl) != 1) {
                    fprintf(stderr, "floor: unwrap failed\n");
                    _exit(1);
                }
                sqlite3_reset(kq);
                /* The id opened under it. */
                nlen = ilen - FLOOR_SEAL_OVERHEAD;
                memcpy(aad, "subject.ident", 14);
                memcpy(aad + 14, subj, 32);
                if (ilen < FLOOR_SEAL_OVERHEAD || nlen >= sizeof name ||
                    EVP_DecryptInit_ex2(opener, host_keys.gcm, dek, ident + 1, NULL) != 1 ||
                    EVP_DecryptUpdate(opener, NULL, &outl, aad, sizeof aad) != 1 ||
                    EVP_DecryptUpdate(opener, name, &outl, ident + 13, (int)nlen) != 1 ||
                    EVP_CIPHER_CTX_ctrl(opener, EVP_CTRL_GCM_SET_TAG, 16,
                                        (void *)(ident + 13 + nlen)) != 1 ||
                    EVP_DecryptFinal_ex(opener, name + outl, &outl) != 1) {
                    fprintf(stderr, "floor: id does not open\n");
                    _exit(1);
                }
                OPENSSL_cleanse(dek, sizeof dek);
                esc[json_escape(esc, (const char *)name, nlen)] = '\0';
                OPENSSL_cleanse(name, nlen);
            } else {
                static const char hexd[] = "0123456789abcdef";
                for (int i = 0; i < 32; i++) {
                    esc[2 * i] = hexd[subj[i] >> 4];
                    esc[2 * i + 1] = hexd[subj[i] & 15];
                }
                esc[64] = '\0';
            }
            n = snprintf(line, sizeof line,
                         "{\"subject\":\"%s\",\"purpose\":\"%s\",\"recipient\":null,"
                         "\"state\":\"%d\",\"since\":%lld,\"event\":%lld,\"expires\":null,"
                         "\"explicit\":false},",
                         esc, purpose, sqlite3_column_int(s, 6),
                         (long long)sqlite3_column_int64(s, 5),
                         (long long)sqlite3_column_int64(s, 4));
            if (used + (size_t)n > sizeof buf) {
                discard(buf, used, &bytes);
                used = 0;
            }
            memcpy(buf + used, line, (size_t)n);
            used += (size_t)n;
            rows++;
        }
        discard(buf, used, &bytes);
        t = bench_now() - t0;
        rss_split(&anon, &file);
        printf("%s: %ld rows, %.1f MB in %.2f s (%.0f rows/s); peak RSS %ld KiB before, %ld KiB "
               "after (now: %ld KiB anonymous, %ld KiB mapped file)\n",
               host ? "floor, host ids (same rows and row MAC, key unwrapped and id opened per "
                      "subject)"
                    : "floor (raw SQLite + OpenSSL, same rows and row MAC)",
               rows, (double)bytes / 1e6, t, (double)rows / t, before, peak_rss_kib(), anon, file);
        figs[host ? FIG_FLOOR_HOST : FIG_FLOOR].seconds = t;
        figs[host ? FIG_FLOOR_HOST : FIG_FLOOR].rows = rows;
        fflush(stdout);
        _exit(0);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        fprintf(stderr, "floor: child failed\n");
        exit(1);
    }
}

int
main(void)
{
    long subjects = (long)(200000 * bench_scale());

    figs =
        mmap(NULL, FIG_N * sizeof *figs, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (figs == MAP_FAILED) {
        perror("mmap");
        return 1;
    }

    if (subjects < 1000)
        subjects = 1000;
    snprintf(db_path, sizeof db_path, "%s/report.db", bench_tmpdir());
    /* The load runs in a child too, so the reports' children start from
     * a small parent and their RSS is their own. */
    fflush(stdout);
    {
        pid_t pid = fork();
        int status;

        if (pid == 0) {
            load(subjects);
            fflush(stdout);
            _exit(0);
        }
        if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0) {
            fprintf(stderr, "load: child failed\n");
            return 1;
        }
    }
    floor_host_setup();
    report_child("report JSON, keyed hash, a tenth (date filter)", GDPR_EXPORT_JSON, 0,
                 T0 + subjects / 10, FIG_TENTH);
    report_child("report JSON, keyed hash, all", GDPR_EXPORT_JSON, 0, 0, FIG_JSON);
    report_child("report CSV, keyed hash, all", GDPR_EXPORT_CSV, 0, 0, FIG_CSV);
    report_child("report JSON, host ids, all", GDPR_EXPORT_JSON, GDPR_REPORT_HOST_IDS, 0, FIG_HOST);
    floor_report_child(0);
    floor_report_child(1);
    bench_report_rate("report JSON, keyed hash, all", (double)figs[FIG_JSON].rows,
                      figs[FIG_JSON].seconds, "floor: same rows+row MAC+JSON",
                      (double)figs[FIG_FLOOR].rows, figs[FIG_FLOOR].seconds);
    bench_report_rate("report CSV, keyed hash, all", (double)figs[FIG_CSV].rows,
                      figs[FIG_CSV].seconds, "floor: same rows+row MAC+JSON",
                      (double)figs[FIG_FLOOR].rows, figs[FIG_FLOOR].seconds);
    bench_report_rate("report JSON, host ids, all", (double)figs[FIG_HOST].rows,
                      figs[FIG_HOST].seconds, "floor: same + key unwrapped, id opened/subject",
                      (double)figs[FIG_FLOOR_HOST].rows, figs[FIG_FLOOR_HOST].seconds);
    bench_report_rate("  (the same)", (double)figs[FIG_HOST].rows, figs[FIG_HOST].seconds,
                      "naive: keyed-hash floor, no id opened", (double)figs[FIG_FLOOR].rows,
                      figs[FIG_FLOOR].seconds);
    floor_subject_keys_free(&host_keys);
    bench_cleanup();
    return 0;
}
