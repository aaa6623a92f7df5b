/*
 * Transfer check benchmarks, each beside a baseline measured in the same
 * run:
 *   0. every check figure beside its same-work floor (floor_check: what
 *      the call must do, by hand; see "the same-work floor of a check"),
 *      the naive figures below kept and labelled "naive";
 *   1. gdpr_transfer_check for cached recipients (the pure decision: EEA,
 *      adequacy, SCC in turn; no SQL) vs the same lookup in a plain C
 *      array (country, dates, scope) with no library around it; once on
 *      one day (the answer kept for that day is copied) and once with a
 *      new day on every call (the tree walked and the reason formatted);
 *   2. gdpr_transfer_check of a refused transfer, which asks the consent
 *      ledger (HMAC blind index + one SQLite query) vs bare OpenSSL
 *      HMAC-SHA-256 plus the same point query through plain SQLite;
 *   3. gdpr_transfer_record, the logged path (decision, log row, audit
 *      event), one transaction per call and batched (gdpr_begin/commit,
 *      1,000 a batch), vs plain SQLite inserting the same two rows with
 *      the same pragmas.
 *
 *   build/tests/bench/bench-transfer      (GDPR_BENCH_SCALE=0.01 for a quick run)
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include "bench.h"
#include "engine.h"
#include "gdpr.h"

static const unsigned char key[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                      12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                      23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const gdpr_actor agent = {"bench", "agent"};
static const gdpr_actor dpo = {"bench", "dpo"};

static void
check(int rc, const char *what)
{
    if (rc != GDPR_OK) {
        fprintf(stderr, "%s: %s (%s)\n", what, gdpr_strerror(rc), gdpr_errmsg());
        exit(1);
    }
}

static void
sql_ok(int rc, sqlite3 *db, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

/* --- baseline 1: the same lookup in a plain C array ----------------------- */

enum { B_WHOLE, B_CERTIFIED };

typedef struct {
    char code[3];
    int eea;
    int scope;
    int64_t from, until; /* until 0: open */
} plain_entry;

/* EEA members and the decisions the three recipients need, as a host would
 * hard-code them, plus the rest of the list's length to scan past. */
static plain_entry plain[64];
static size_t n_plain;

static void
plain_add(const char *code, int eea, int scope, int64_t from, int64_t until)
{
    plain_entry *e = &plain[n_plain++];
    memcpy(e->code, code, 3);
    e->eea = eea;
    e->scope = scope;
    e->from = from;
    e->until = until;
}

static void
plain_fill(void)
{
    static const char *const eea[] = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR",
                                      "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL",
                                      "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO"};
    static const char *const others[] = {"CH", "CA", "AR", "GG", "IM", "JE", "FO", "AD",
                                         "IL", "UY", "NZ", "JP", "GB", "KR", "BR"};
    for (size_t i = 0; i < sizeof eea / sizeof eea[0]; i++)
        plain_add(eea[i], 1, B_WHOLE, 0, 0);
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        plain_add(others[i], 0, B_WHOLE, 946684800, 0);
    plain_add("US", 0, B_CERTIFIED, 973036800, 1444089599);
    plain_add("US", 0, B_CERTIFIED, 1468281600, 1594857599);
    plain_add("US", 0, B_CERTIFIED, 1688947200, 0);
}

typedef struct {
    char code[3];
    int certified;
    int64_t cert_from;
    int has_scc;
    int64_t scc_from;
} plain_recipient;

static int
plain_decide(const plain_recipient *r, int64_t at)
{
    int found = -1;

    for (size_t i = 0; i < n_plain; i++) {
        const plain_entry *e = &plain[i];
        if (e->code[0] != r->code[0] || e->code[1] != r->code[1])
            continue;
        if (e->eea)
            return 1;
        if (e->from <= at && (e->until == 0 || at <= e->until))
            found = (int)i;
    }
    if (found >= 0 && (plain[found].scope == B_WHOLE || (r->certified && r->cert_from <= at)))
        return 2;
    if (r->has_scc && r->scc_from <= at)
        return 3;
    return 0;
}

/* --- the same-work floor of a check ------------------------------------------
 *
 * What gdpr_transfer_check must do, written by hand in C (and, refused,
 * OpenSSL + SQLite): the subject and recipient checked (length, UTF-8, no
 * control character), the actor's role looked up and its permission
 * tested, the recipient found by id (binary search), then the answer kept
 * for the recipient's day copied out, or, on another day, the law as of
 * that day: the day's date formatted, EEA membership, the adequacy
 * decisions of the country (indexed by code, as the library's list is) in
 * force on the day and their scope (a certification on the day), the
 * recipient's safeguards valid on the day, and the reason text built; a
 * refusal also explains why no adequacy and no safeguard, computes the
 * blind index (HMAC-SHA-256) and asks the store for an explicit transfer
 * consent naming the recipient (the library's statement, on a copy of its
 * store), then formats the refusal. */

enum { F_NAME_MAX = 256, F_WHOLE = 0, F_CERTIFIED = 1 };

typedef struct {
    int allowed, mechanism;
    char reason[256];
    char reference[256];
    char article[32];
    char country[68];
} floor_answer;

typedef struct {
    char code[3];
    const char *id, *name, *basis, *reference;
    int eea, scope;
    int64_t from, until;
} floor_law;

typedef struct {
    const char *id;
    char country[3];
    int64_t cert_from; /* DPF certification; 0: none */
    int has_sg, sg_module;
    const char *sg_ref;
    int64_t sg_from, sg_until;
    int64_t memo_day;
    floor_answer memo;
} floor_rcpt;

typedef struct {
    const char *name;
    unsigned int perms;
} floor_role;

static floor_law law[64];
static size_t n_law;
static int16_t law_first[26 * 26], law_count[26 * 26];
static floor_rcpt rcpts[5];
static const floor_role roles[] = {{"dpo", 0xFFu}, {"agent", 0x3Fu}, {"auditor", 0x01u}};

static int
law_slot(const char *code)
{
    if (code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z' || code[2] != '\0')
        return -1;
    return (code[0] - 'A') * 26 + (code[1] - 'A');
}

static int
cmp_rcpt(const void *a, const void *b)
{
    return strcmp(((const floor_rcpt *)a)->id, ((const floor_rcpt *)b)->id);
}

static void
floor_fill(void)
{
    memset(law_first, -1, sizeof law_first);
    for (size_t i = 0; i < n_plain; i++) {
        floor_law *l = &law[n_law++];
        memcpy(l->code, plain[i].code, 3);
        l->eea = plain[i].eea;
        l->scope = plain[i].scope == B_CERTIFIED ? F_CERTIFIED : F_WHOLE;
        l->from = plain[i].from;
        l->until = plain[i].until;
        l->id = l->eea ? "" : "US-2023-1795";
        l->name = "Federal Republic";
        l->basis = "EU member state";
        l->reference = "Commission Implementing Decision (EU) 2023/1795 of 10 July 2023";
    }
    /* plain[] is sorted by code run already (each code's entries together,
     * in order of `from`). */
    for (size_t i = 0; i < n_law; i++) {
        int slot = law_slot(law[i].code);
        if (law_first[slot] < 0)
            law_first[slot] = (int16_t)i;
        law_count[slot]++;
    }
    rcpts[0] = (floor_rcpt){"mailer-eu", "DE", 0, 0, 0, NULL, 0, 0, -1, {0}};
    rcpts[1] = (floor_rcpt){"acme-analytics", "US", 0, 0, 0, NULL, 0, 0, -1, {0}};
    rcpts[2] = (floor_rcpt){"cloudco-us", "US", 1696118400, 0, 0, NULL, 0, 0, -1, {0}};
    rcpts[3] =
        (floor_rcpt){"support-in", "IN", 0,  1,  2, "SCC 2021/914 module 2, signed 2024-03-01",
                     1709251200,   0,    -1, {0}};
    rcpts[4] = (floor_rcpt){"revenue", "IE", 0, 0, 0, NULL, 0, 0, -1, {0}};
    qsort(rcpts, 5, sizeof rcpts[0], cmp_rcpt);
}

static int
floor_text_ok(const char *s)
{
    size_t len = strnlen(s, F_NAME_MAX + 1);

    if (len == 0 || len > F_NAME_MAX)
        return 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        size_t need;
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7F)
                return 0;
            i++;
            continue;
        }
        need = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
        if (c < 0xC2 || c > 0xF4 || len - i <= need)
            return 0;
        for (size_t k = 1; k <= need; k++)
            if (((unsigned char)s[i + k] & 0xC0) != 0x80)
                return 0;
        i += need + 1;
    }
    return 1;
}

static void
floor_day(int64_t t, char day[11])
{
    int64_t z = t / 86400 + 719468, era = z / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2);

    day[0] = (char)('0' + y / 1000);
    day[1] = (char)('0' + y / 100 % 10);
    day[2] = (char)('0' + y / 10 % 10);
    day[3] = (char)('0' + y % 10);
    day[4] = day[7] = '-';
    day[5] = (char)('0' + m / 10);
    day[6] = (char)('0' + m % 10);
    day[8] = (char)('0' + d / 10);
    day[9] = (char)('0' + d % 10);
    day[10] = '\0';
}

typedef struct {
    char *p;
    size_t n, cap;
} fbuf;

static void
fb_put(fbuf *b, const char *s)
{
    size_t len = strlen(s);

    if (len > b->cap - 1 - b->n)
        len = b->cap - 1 - b->n;
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
}

/* The refused path's store read and the statement it uses. */
typedef struct {
    floor_crypto fc;
    sqlite3 *db;
    sqlite3_stmt *explicit_q, *generation;
    int64_t seen_generation;
    pthread_mutex_t lock;
} floor_store;

static int floor_check_locked(floor_store *fs, const char *actor_role, const char *subject,
                              const char *recipient, int64_t at, gdpr_transfer_decision *out);

static int
floor_decide(floor_store *fs, floor_rcpt *r, const char *subject, int64_t at, floor_answer *res)
{
    const floor_law *eea = NULL, *adq = NULL;
    int slot = law_slot(r->country);
    char day[11], why[200], why_sg[64], ckey[F_NAME_MAX + 16];
    unsigned char h[32];
    fbuf b;

    if (r->memo_day == at / 86400) {
        memcpy(res, &r->memo, sizeof *res);
        return 0;
    }
    res->allowed = 0;
    res->mechanism = GDPR_TRANSFER_REFUSED;
    res->reason[0] = res->reference[0] = res->article[0] = '\0';
    memcpy(res->country, r->country, 3);
    floor_day(at, day);
    for (int i = slot >= 0 ? law_first[slot] : -1, k = 0; i >= 0 && k < law_count[slot]; i++, k++) {
        const floor_law *l = &law[i];
        if (l->from <= at && (l->until == 0 || at <= l->until)) {
            if (l->eea)
                eea = l;
            else
                adq = l;
        }
    }
    if (eea != NULL) {
        res->allowed = 1;
        res->mechanism = GDPR_TRANSFER_EEA;
        b = (fbuf){res->reference, 0, sizeof res->reference};
        fb_put(&b, "EEA: ");
        fb_put(&b, eea->name);
        fb_put(&b, " (");
        fb_put(&b, eea->basis);
        fb_put(&b, ")");
        b = (fbuf){res->reason, 0, sizeof res->reason};
        fb_put(&b, "'");
        fb_put(&b, r->id);
        fb_put(&b, "' is in ");
        fb_put(&b, r->country);
        fb_put(&b, " (");
        fb_put(&b, eea->name);
        fb_put(&b, ", ");
        fb_put(&b, eea->basis);
        fb_put(&b, "), inside the EEA: no transfer out of the EEA");
    } else if (adq != NULL &&
               (adq->scope == F_WHOLE || (r->cert_from != 0 && r->cert_from <= at))) {
        res->allowed = 1;
        res->mechanism = GDPR_TRANSFER_ADEQUACY;
        b = (fbuf){res->reference, 0, sizeof res->reference};
        fb_put(&b, adq->reference);
        b = (fbuf){res->reason, 0, sizeof res->reason};
        fb_put(&b, "adequacy decision ");
        fb_put(&b, adq->id);
        fb_put(&b, " in force on ");
        fb_put(&b, day);
        fb_put(&b, " covers '");
        fb_put(&b, r->id);
        fb_put(&b, "'");
        if (adq->scope == F_CERTIFIED) {
            char since[11];
            floor_day(r->cert_from, since);
            fb_put(&b, ": DPF-certified since ");
            fb_put(&b, since);
        }
        fb_put(&b, " (");
        fb_put(&b, adq->reference);
        fb_put(&b, ")");
    } else if (r->has_sg && r->sg_from <= at && (r->sg_until == 0 || at <= r->sg_until)) {
        char module[] = ", module 0";
        res->allowed = 1;
        res->mechanism = GDPR_TRANSFER_SCC;
        b = (fbuf){res->reference, 0, sizeof res->reference};
        fb_put(&b, r->sg_ref);
        module[sizeof module - 2] = (char)('0' + r->sg_module % 10);
        b = (fbuf){res->reason, 0, sizeof res->reason};
        fb_put(&b, "standard contractual clauses (Art. 46(2)(c)");
        fb_put(&b, module);
        fb_put(&b, ") valid on ");
        fb_put(&b, day);
        fb_put(&b, " for '");
        fb_put(&b, r->id);
        fb_put(&b, "': ");
        fb_put(&b, r->sg_ref);
    } else {
        int found = 0;

        if (adq != NULL)
            snprintf(why, sizeof why, "%s recipient '%.*s' is not DPF-certified on %s", r->country,
                     64, r->id, day);
        else
            snprintf(why, sizeof why, "%s recipient '%.*s' has no adequacy decision", r->country,
                     64, r->id);
        snprintf(why_sg, sizeof why_sg, " and has no SCCs or other Art. 46 safeguard on record");
        floor_hmac(&fs->fc, "subject", 8, subject, strlen(subject), h); /* blind index */
        snprintf(ckey, sizeof ckey, "transfer:%s@%s", r->id, r->country);
        sqlite3_bind_blob(fs->explicit_q, 1, h, 32, SQLITE_STATIC);
        sqlite3_bind_text(fs->explicit_q, 2, ckey, -1, SQLITE_STATIC);
        sqlite3_bind_text(fs->explicit_q, 3, "", -1, SQLITE_STATIC);
        sqlite3_bind_int(fs->explicit_q, 4, 64);
        while (sqlite3_step(fs->explicit_q) == SQLITE_ROW)
            found = 1; /* none here: the subjects have no transfer consent */
        sqlite3_reset(fs->explicit_q);
        if (found) {
            fprintf(stderr, "floor: unexpected transfer consent\n");
            exit(1);
        }
        b = (fbuf){res->reason, 0, sizeof res->reason};
        fb_put(&b, why);
        fb_put(&b, why_sg);
        fb_put(&b, "; an Art. 49(1)(a) transfer consent (recipient, country, risks notice) would "
                   "allow an occasional transfer");
        return 0;
    }
    r->memo_day = at / 86400;
    memcpy(&r->memo, res, sizeof *res);
    return 0;
}

static int
floor_check_locked(floor_store *fs, const char *actor_role, const char *subject,
                   const char *recipient, int64_t at, gdpr_transfer_decision *out)
{
    const floor_role *role = NULL;
    floor_rcpt *r, probe;
    floor_answer res;

    for (size_t i = 0; i < sizeof roles / sizeof roles[0] && role == NULL; i++)
        if (strcmp(roles[i].name, actor_role) == 0)
            role = &roles[i];
    if (role == NULL || !(role->perms & 0x2u))
        return -1;
    probe.id = recipient;
    r = bsearch(&probe, rcpts, sizeof rcpts / sizeof rcpts[0], sizeof rcpts[0], cmp_rcpt);
    if (r == NULL)
        return -1;
    floor_decide(fs, r, subject, at, &res);
    out->allowed = res.allowed;
    out->mechanism = res.mechanism;
    memcpy(out->reason, res.reason, sizeof out->reason);
    return 0;
}

/* One check: the arguments; under a lock, the store's generation read
 * (one autocommit statement: a call on an engine that shares its store
 * with other engines or processes must see their policy, safeguard and
 * list changes, docs/decisions/0008-many-engines.md); the role, the
 * recipient, the decision, the public answer copied out. */
static __attribute__((noinline, noclone)) int
floor_check(floor_store *fs, const char *actor_role, const char *subject, const char *recipient,
            int64_t at, gdpr_transfer_decision *out)
{
    int rc;

    if (!floor_text_ok(subject) || !floor_text_ok(recipient) || at < 0)
        return -1;
    pthread_mutex_lock(&fs->lock);
    sql_ok(sqlite3_step(fs->generation), fs->db, "generation");
    if (sqlite3_column_int64(fs->generation, 0) != fs->seen_generation) {
        fprintf(stderr, "floor: the store moved\n");
        exit(1);
    }
    sqlite3_reset(fs->generation);
    rc = floor_check_locked(fs, actor_role, subject, recipient, at, out);
    pthread_mutex_unlock(&fs->lock);
    return rc;
}

static void
floor_store_open(floor_store *fs, const char *dir)
{
    char from[512], to[512];

    floor_crypto_init(&fs->fc);
    snprintf(from, sizeof from, "%s/transfer.db", dir);
    snprintf(to, sizeof to, "%s/check-floor.db", dir);
    fs->db = bench_copy_store(from, to);
    sql_ok(sqlite3_prepare_v2(fs->db,
                              "SELECT purpose, event, at, state, expires, flags, mac"
                              " FROM main.consent_state WHERE subject_id="
                              "(SELECT id FROM main.subject WHERE hash=?1)"
                              " AND recipient=?2 AND purpose>?3 ORDER BY purpose LIMIT ?4",
                              -1, &fs->explicit_q, NULL),
           fs->db, "prepare explicit");
    sql_ok(sqlite3_prepare_v2(fs->db, "SELECT value FROM main.counter WHERE name='generation'", -1,
                              &fs->generation, NULL),
           fs->db, "prepare generation");
    sql_ok(sqlite3_step(fs->generation), fs->db, "generation");
    fs->seen_generation = sqlite3_column_int64(fs->generation, 0);
    sqlite3_reset(fs->generation);
    pthread_mutex_init(&fs->lock, NULL);
}

static void
floor_store_close(floor_store *fs)
{
    sqlite3_finalize(fs->explicit_q);
    sqlite3_finalize(fs->generation);
    sqlite3_close(fs->db);
    pthread_mutex_destroy(&fs->lock);
    floor_crypto_free(&fs->fc);
}

static __attribute__((noinline, noclone)) double
floor_checks(floor_store *fs, const char *const *recipients, size_t n_r, long n, int64_t at,
             int new_day, int subjects)
{
    gdpr_transfer_decision d;
    char subject[32] = "CUST-1";
    long ok = 0;
    double t0 = bench_now();

    for (long i = 0; i < n; i++) {
        int64_t when = new_day ? at + (int64_t)(i % 3650) * 86400 : at;
        if (subjects)
            snprintf(subject, sizeof subject, "CUST-%ld", i % 1000);
        ok += floor_check(fs, "agent", subject, recipients[i % n_r], when, &d) == 0;
    }
    t0 = bench_now() - t0;
    if (ok != n) {
        fprintf(stderr, "floor: a check failed\n");
        exit(1);
    }
    return t0;
}

/* --- the library -------------------------------------------------------- */

static gdpr_engine *
open_store(const char *dir)
{
    gdpr_options opts = GDPR_OPTIONS_INIT;
    gdpr_engine *eng = NULL;
    char path[512];

    snprintf(path, sizeof path, "%s/transfer.db", dir);
    opts.path = path;
    opts.key = key;
    opts.key_len = sizeof key;
    check(gdpr_open(&eng, &opts), "gdpr_open");
    check(gdpr_policy_load(eng, &dpo, TEST_SOURCE_ROOT "/examples/policy.json"), "policy");
    return eng;
}

/* Our side of a figure, the loop floor_checks runs (kept out of line so
 * that callgrind can tell the figures apart: --dump-after=lib_checks). */
static __attribute__((noinline, noclone)) double
lib_checks(gdpr_engine *eng, const char *const *recipients, size_t n_r, long n, int64_t at,
           int new_day, int subjects, long *allowed_out)
{
    gdpr_transfer_decision d;
    char subject[32] = "CUST-1";
    long allowed = 0;
    double t0 = bench_now();

    for (long i = 0; i < n; i++) {
        int64_t when = new_day ? at + (int64_t)(i % 3650) * 86400 : at;
        if (subjects)
            snprintf(subject, sizeof subject, "CUST-%ld", i % 1000);
        check(gdpr_transfer_check(eng, &agent, subject, recipients[i % n_r], when, &d), "check");
        allowed += d.allowed;
    }
    t0 = bench_now() - t0;
    *allowed_out = allowed;
    return t0;
}

static void
bench_cached_checks(gdpr_engine *eng, floor_store *fs, long n)
{
    static const char *const recipients[3] = {"mailer-eu", "cloudco-us", "support-in"};
    static const plain_recipient plain_r[3] = {
        {"DE", 0, 0, 0, 0},
        {"US", 1, 1696118400, 0, 0},
        {"IN", 0, 0, 1, 1709251200},
    };
    const int64_t at = 1772323200; /* 2026-03-01 */
    gdpr_transfer_decision d;
    volatile long sink = 0;
    double t0, t_lib, t_plain, t_floor;
    long allowed = 0;

    /* Warm the cache (the first check parses the list and the policy's
     * recipients). */
    for (int i = 0; i < 3; i++)
        check(gdpr_transfer_check(eng, &agent, "CUST-1", recipients[i], at, &d), "warm");
    t_lib = lib_checks(eng, recipients, 3, n, at, 0, 0, &allowed);
    if (allowed != n) {
        fprintf(stderr, "expected every cached check allowed, got %ld of %ld\n", allowed, n);
        exit(1);
    }
    t0 = bench_now();
    for (long i = 0; i < n; i++)
        sink += plain_decide(&plain_r[i % 3], at + (i & 1));
    t_plain = bench_now() - t0;
    floor_checks(fs, recipients, 3, 3, at, 0, 0); /* warm, as ours */
    t_floor = floor_checks(fs, recipients, 3, n, at, 0, 0);
    bench_report_rate("gdpr_transfer_check (cached: EEA/adequacy/SCC)", (double)n, t_lib,
                      "floor: args, role, recipient, the day's answer copied", (double)n, t_floor);
    bench_report_rate("  (the same)", (double)n, t_lib, "naive: plain C array lookup", (double)n,
                      t_plain);
    /* The same with a new day on every call: the answer kept for the day
     * never applies, so each check walks the tree and formats its reason. */
    t_lib = lib_checks(eng, recipients, 3, n, at, 1, 0, &allowed);
    t0 = bench_now();
    for (long i = 0; i < n; i++)
        sink += plain_decide(&plain_r[i % 3], at + (int64_t)(i % 3650) * 86400);
    t_plain = bench_now() - t0;
    t_floor = floor_checks(fs, recipients, 3, n, at, 1, 0);
    bench_report_rate("gdpr_transfer_check (new day each call)", (double)n, t_lib,
                      "floor: args, role, recipient, law on the day, reason", (double)n, t_floor);
    bench_report_rate("  (the same)", (double)n, t_lib, "naive: plain C array lookup", (double)n,
                      t_plain);
    (void)sink;
}

/* --- 2: a refused check asks the consent ledger ----------------------------- */

static void
hmac_once(EVP_MAC_CTX *proto, const char *msg, unsigned char out[32])
{
    EVP_MAC_CTX *c = EVP_MAC_CTX_dup(proto);
    size_t len = 0;

    if (c == NULL || !EVP_MAC_init(c, NULL, 0, NULL) ||
        !EVP_MAC_update(c, (const unsigned char *)msg, strlen(msg)) ||
        !EVP_MAC_final(c, out, &len, 32)) {
        fprintf(stderr, "HMAC failed\n");
        exit(1);
    }
    EVP_MAC_CTX_free(c);
}

static void
bench_refused_checks(gdpr_engine *eng, floor_store *fs, const char *dir, long n)
{
    static const char *const refused_r[1] = {"acme-analytics"};
    const int64_t at = 1772323200;
    gdpr_transfer_decision d;
    char path[512], subject[32];
    unsigned char mac[32];
    sqlite3 *db = NULL;
    sqlite3_stmt *ins = NULL, *sel = NULL;
    EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *proto = m ? EVP_MAC_CTX_new(m) : NULL;
    OSSL_PARAM params[2];
    double t0, t_lib, t_raw, t_floor;
    long refused = 0;

    for (long i = 0; i < n; i++) {
        snprintf(subject, sizeof subject, "CUST-%ld", i % 1000);
        if (i == 0)
            check(gdpr_transfer_check(eng, &agent, subject, "acme-analytics", at, &d), "warm");
    }
    t_lib = lib_checks(eng, refused_r, 1, n, at, 0, 1, &refused);
    refused = n - refused;
    if (refused != n) {
        fprintf(stderr, "expected refusals\n");
        exit(1);
    }
    /* Baseline: HMAC-SHA-256 of the id, then one indexed point query. */
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    if (proto == NULL || !EVP_MAC_init(proto, key, sizeof key, params)) {
        fprintf(stderr, "HMAC setup failed\n");
        exit(1);
    }
    snprintf(path, sizeof path, "%s/raw-consent.db", dir);
    sql_ok(sqlite3_open(path, &db), db, "open");
    sql_ok(sqlite3_exec(db,
                        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                        "CREATE TABLE cs(subject BLOB, purpose TEXT, recipient TEXT, at INT,"
                        " state INT, expires INT, flags INT,"
                        " PRIMARY KEY(subject, purpose, recipient)) WITHOUT ROWID;"
                        "BEGIN",
                        NULL, NULL, NULL),
           db, "schema");
    sql_ok(sqlite3_prepare_v2(db, "INSERT INTO cs VALUES(?1, 'service', 'other', 0, 1, 0, 1)", -1,
                              &ins, NULL),
           db, "prepare");
    for (long i = 0; i < 1000; i++) {
        snprintf(subject, sizeof subject, "CUST-%ld", i);
        hmac_once(proto, subject, mac);
        sqlite3_bind_blob(ins, 1, mac, 32, SQLITE_TRANSIENT);
        sql_ok(sqlite3_step(ins), db, "insert");
        sqlite3_reset(ins);
    }
    sql_ok(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), db, "commit");
    sql_ok(sqlite3_prepare_v2(db,
                              "SELECT purpose, at, state, expires, flags FROM cs"
                              " WHERE subject=?1 AND recipient=?2 AND state=1",
                              -1, &sel, NULL),
           db, "prepare");
    t0 = bench_now();
    for (long i = 0; i < n; i++) {
        snprintf(subject, sizeof subject, "CUST-%ld", i % 1000);
        hmac_once(proto, subject, mac);
        sqlite3_bind_blob(sel, 1, mac, 32, SQLITE_STATIC);
        sqlite3_bind_text(sel, 2, "acme-analytics", -1, SQLITE_STATIC);
        while (sqlite3_step(sel) == SQLITE_ROW)
            ;
        sqlite3_reset(sel);
    }
    t_raw = bench_now() - t0;
    t_floor = floor_checks(fs, refused_r, 1, n, at, 0, 1);
    bench_report_rate("gdpr_transfer_check (refused: asks consent)", (double)n, t_lib,
                      "floor: law on the day, reasons, HMAC, the store's query", (double)n,
                      t_floor);
    bench_report_rate("  (the same)", (double)n, t_lib, "naive: OpenSSL HMAC + SQLite point query",
                      (double)n, t_raw);
    sqlite3_finalize(ins);
    sqlite3_finalize(sel);
    sqlite3_close(db);
    EVP_MAC_CTX_free(proto);
    EVP_MAC_free(m);
}

/* --- 3: the logged path ---------------------------------------------------- */

static double
record_many(gdpr_engine *eng, long n, long batch)
{
    gdpr_transfer_request req = GDPR_TRANSFER_REQUEST_INIT;
    gdpr_transfer_result res = GDPR_TRANSFER_RESULT_INIT;
    static const char *const recipients[3] = {"mailer-eu", "cloudco-us", "support-in"};
    char subject[32];
    double t0;

    /* Subjects exist already: the figure is the decision and its log. */
    for (long i = 0; i < 100; i++) {
        snprintf(subject, sizeof subject, "REC-%ld", i);
        check(gdpr_subject_ensure(eng, &agent, subject, NULL), "subject");
    }
    req.at = 1772323200;
    t0 = bench_now();
    for (long i = 0; i < n; i++) {
        if (batch > 1 && i % batch == 0)
            check(gdpr_begin(eng), "begin");
        snprintf(subject, sizeof subject, "REC-%ld", i % 100);
        req.subject = subject;
        req.recipient = recipients[i % 3];
        check(gdpr_transfer_record(eng, &agent, &req, &res), "record");
        if (batch > 1 && (i % batch == batch - 1 || i == n - 1))
            check(gdpr_commit(eng), "commit");
    }
    return bench_now() - t0;
}

/* The same-work floor of gdpr_transfer_record, written by hand on a copy
 * of the library's store (same schema, indexes and size): per call the
 * blind index (HMAC-SHA-256 of the subject id), the subject's row looked
 * up, the decision's log row, and the audit row with its chained
 * HMAC-SHA-256; per transaction the audit tail read and the two counter
 * rows the library writes (the transfer id sequence and the store
 * generation), committed durably (WAL, synchronous=FULL). */
static uint8_t subject_hashes[100][CRYPTO_HASH_BYTES];

static double
floor_record_many(const char *dir, const char *name, long n, long batch)
{
    char from[512], path[512];
    unsigned char mac[32], chain[32];
    sqlite3 *db;
    sqlite3_stmt *sub = NULL, *t = NULL, *a = NULL, *tail = NULL;
    floor_crypto fc;
    int64_t seq = 0;
    double t0;

    snprintf(from, sizeof from, "%s/transfer.db", dir);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    db = bench_copy_store(from, path);
    floor_crypto_init(&fc);
    sql_ok(sqlite3_prepare_v2(db, "SELECT id FROM main.subject WHERE hash=?1", -1, &sub, NULL), db,
           "prepare");
    sql_ok(sqlite3_prepare_v2(db,
                              "INSERT INTO main.transfer(subject, at, logged_at, actor,"
                              " recipient, country, mechanism, reference, allowed, reason, id,"
                              " subject_id)"
                              " VALUES(?1, 1772323200, 1772323200, 'bench', 'cloudco-us', 'US',"
                              " 'adequacy', 'Commission Implementing Decision (EU) 2023/1795"
                              " of 10 July 2023', 1, 'adequacy decision US-2023-1795 in force"
                              " on 2026-03-01 covers cloudco-us: DPF-certified since"
                              " 2023-10-01', (SELECT value + 1 + ?2 FROM main.counter"
                              " WHERE name='transfer'), ?3)",
                              -1, &t, NULL),
           db, "prepare");
    sql_ok(sqlite3_prepare_v2(db,
                              "INSERT INTO main.audit(seq, at, actor, role, action, subject,"
                              " outcome, ref, mac, subject_id) VALUES(?1, 1772323200, 'bench',"
                              " 'agent', 'transfer.record', ?2, 0, 'transfer 1: adequacy', ?3,"
                              " ?4)",
                              -1, &a, NULL),
           db, "prepare");
    sql_ok(sqlite3_prepare_v2(db, "SELECT coalesce(max(seq), 0) FROM main.audit", -1, &tail, NULL),
           db, "prepare");
    memset(chain, 0x17, sizeof chain);
    t0 = bench_now();
    for (long i = 0, in_tx = 0; i < n; i++) {
        char subject[32];
        const uint8_t *h = subject_hashes[i % 100];
        int64_t sid;
        if (i % batch == 0) {
            sql_ok(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), db, "begin");
            sql_ok(sqlite3_step(tail), db, "tail");
            seq = sqlite3_column_int64(tail, 0);
            sqlite3_reset(tail);
            in_tx = 0;
        }
        snprintf(subject, sizeof subject, "REC-%ld", i % 100);
        floor_hmac(&fc, "subject", 7, subject, strlen(subject), mac);
        sqlite3_bind_blob(sub, 1, h, 32, SQLITE_STATIC);
        if (sqlite3_step(sub) != SQLITE_ROW) {
            fprintf(stderr, "floor: subject not found\n");
            exit(1);
        }
        sid = sqlite3_column_int64(sub, 0); /* the log and audit rows name it by id too */
        sqlite3_reset(sub);
        sqlite3_bind_blob(t, 1, h, 32, SQLITE_STATIC);
        sqlite3_bind_int64(t, 2, in_tx++);
        sqlite3_bind_int64(t, 3, sid);
        sql_ok(sqlite3_step(t), db, "insert");
        sqlite3_reset(t);
        floor_hmac(&fc, chain, 32, "transfer 1: adequacy", 20, chain);
        sqlite3_bind_int64(a, 1, ++seq);
        sqlite3_bind_blob(a, 2, h, 32, SQLITE_STATIC);
        sqlite3_bind_blob(a, 3, chain, 32, SQLITE_STATIC);
        sqlite3_bind_int64(a, 4, sid);
        sql_ok(sqlite3_step(a), db, "audit");
        sqlite3_reset(a);
        if (i % batch == batch - 1 || i == n - 1) {
            char sql[160];
            snprintf(sql, sizeof sql,
                     "UPDATE main.counter SET value = value + %ld WHERE name='transfer';"
                     " UPDATE main.counter SET value = value + 1 WHERE name='generation'; COMMIT",
                     in_tx);
            sql_ok(sqlite3_exec(db, sql, NULL, NULL, NULL), db, "commit");
        }
    }
    t0 = bench_now() - t0;
    sqlite3_finalize(sub);
    sqlite3_finalize(t);
    sqlite3_finalize(a);
    sqlite3_finalize(tail);
    sqlite3_close(db);
    floor_crypto_free(&fc);
    return t0;
}

int
main(void)
{
    const char *dir = bench_tmpdir();
    double scale = bench_scale();
    long n_checks = (long)(3000000 * scale);
    long n_refused = (long)(100000 * scale);
    long n_single = (long)(2000 * scale);
    long n_batched = (long)(100000 * scale);
    gdpr_engine *eng;
    floor_store fs;
    double t_lib, t_raw;

    if (n_checks < 3000)
        n_checks = 3000;
    if (n_refused < 1000)
        n_refused = 1000;
    if (n_single < 100)
        n_single = 100;
    if (n_batched < 1000)
        n_batched = 1000;
    plain_fill();
    floor_fill();
    printf("libgdpr %s transfer benchmarks (scale %.3g), store in %s\n", gdpr_version(), scale,
           dir);
    eng = open_store(dir);
    floor_store_open(&fs, dir);
    bench_cached_checks(eng, &fs, n_checks);
    bench_refused_checks(eng, &fs, dir, n_refused);
    floor_store_close(&fs);
    for (long i = 0; i < 100; i++) {
        char subject[32];
        snprintf(subject, sizeof subject, "REC-%ld", i);
        check(gdpr_subject_ensure(eng, &agent, subject, NULL), "subject");
        check(gdpr_engine__subject_hash(eng, subject, subject_hashes[i]), "hash");
    }
    t_lib = record_many(eng, n_single, 1);
    t_raw = floor_record_many(dir, "floor-single.db", n_single, 1);
    bench_report_rate("gdpr_transfer_record (1 commit per call)", (double)n_single, t_lib,
                      "floor: same rows+HMACs, same store, 1/commit", (double)n_single, t_raw);
    t_lib = record_many(eng, n_batched, 1000);
    t_raw = floor_record_many(dir, "floor-batch.db", n_batched, 1000);
    bench_report_rate("gdpr_transfer_record (batches of 1,000)", (double)n_batched, t_lib,
                      "floor: same rows+HMACs, same store, 1,000/commit", (double)n_batched, t_raw);
    gdpr_close(eng);
    bench_cleanup();
    return 0;
}
