/*
 * gdprctl retention due|run|show|touch|contract-end, review list|decide|why.
 * SPDX-License-Identifier: MIT
 */
#define _DEFAULT_SOURCE
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gdprctl.h"

static int64_t
now_of(const ctl *c)
{
    return c->now != 0 ? c->now : (int64_t)time(NULL);
}

static int
parse_date_arg(const char *opt, const char *value, int64_t *out)
{
    if (ctl_parse_time(opt, value, out) != 0) {
        return CTL_USAGE;
    }
    return CTL_OK;
}

/* --- retention due ------------------------------------------------------ */

typedef struct {
    const ctl *c;
    int64_t n, held;
    ctl_limit lim;
} due_print;

static int
print_due(const gdpr_retention_item *item, void *ctx)
{
    due_print *p = ctx;
    char when[32];

    p->held += item->held != 0;
    if (!ctl_limit_row(&p->lim))
        return 0;
    ctl_format_time(item->due, when);
    if (p->c->json) {
        printf("%s{\"record\":%lld,\"due\":\"%s\",\"rule\":", p->n ? "," : "",
               (long long)item->record, when);
        ctl_json_string(stdout, item->rule);
        printf(",\"action\":\"%s\",\"category\":", gdpr_retention_action_name(item->action));
        ctl_json_string(stdout, item->category);
        printf(",\"purpose\":");
        ctl_json_string(stdout, item->purpose);
        printf(",\"subject_hash\":\"%s\",\"held\":%s}", item->subject_hash,
               item->held ? "true" : "false");
    } else {
        printf("record %-8lld due %s  %-8s %-9s %s/%s  subject %.12s...%s\n",
               (long long)item->record, when, item->rule, gdpr_retention_action_name(item->action),
               item->category, item->purpose, item->subject_hash,
               item->held ? "  [legal hold]" : "");
    }
    p->n++;
    return 0;
}

int
ctl_cmd_retention_due(ctl *c, int argc, char **argv)
{
    due_print p = {c, 0, 0, {0, 0, 0, 0}};
    int64_t as_of = now_of(c);
    char when[32];
    int rc;

    argc = ctl_limit_take(&p.lim, argc, argv);
    if (argc < 0)
        return CTL_USAGE;
    if (argc == 2 && strcmp(argv[0], "--as-of") == 0) {
        rc = parse_date_arg("--as-of", argv[1], &as_of);
        if (rc != CTL_OK)
            return rc;
    } else if (argc != 0) {
        fprintf(stderr, "usage: gdprctl retention due [--as-of DATE] [--limit N] [--count]\n");
        return CTL_USAGE;
    }
    if (c->json && !p.lim.count_only)
        printf("[");
    rc = gdpr_retention_due(c->eng, as_of, print_due, &p);
    if (c->json && !p.lim.count_only)
        printf("]\n");
    if (rc != GDPR_OK)
        return ctl_fail("retention due", rc);
    ctl_limit_end(c, &p.lim, "record due", "records due");
    ctl_format_time(as_of, when);
    if (!c->json && !p.lim.count_only)
        printf("%lld record%s due as of %s (%lld under legal hold)\n", (long long)p.lim.matched,
               p.lim.matched == 1 ? "" : "s", when, (long long)p.held);
    return CTL_OK;
}

/* --- retention run ------------------------------------------------------ */

/* Progress on stderr after each batch: percentage, rate and estimate. A
 * Ctrl-C stops the run after the batch in hand (each batch is committed), so
 * the next run resumes. */
static volatile sig_atomic_t interrupted;

static void
on_interrupt(int sig)
{
    (void)sig;
    interrupted = 1;
}

typedef struct {
    struct timespec start;
    int draw;
} progress_state;

static int
draw_progress(const gdpr_retention_report *so_far, int64_t total, void *ctx)
{
    progress_state *ps = ctx;
    struct timespec now;
    double secs, rate;
    int64_t done = so_far->examined;

    if (ps->draw) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        secs = (double)(now.tv_sec - ps->start.tv_sec) +
               (double)(now.tv_nsec - ps->start.tv_nsec) / 1e9;
        rate = secs > 0 ? (double)done / secs : 0;
        fprintf(stderr, "\r\033[Kretention: %lld/%lld records (%3d%%), %.0f/s", (long long)done,
                (long long)total, total > 0 ? (int)(done * 100 / total) : 100, rate);
        if (rate > 0 && total > done)
            fprintf(stderr, ", about %.0f s left", (double)(total - done) / rate);
        fflush(stderr);
    }
    return interrupted ? 1 : 0;
}

int
ctl_cmd_retention_run(ctl *c, int argc, char **argv)
{
    gdpr_retention_options opts = GDPR_RETENTION_OPTIONS_INIT;
    gdpr_retention_report rep;
    gdpr_retention_run_info open_run;
    progress_state ps;
    void (*old_int)(int);
    int64_t as_of = now_of(c);
    char when[32];
    int rc;

    for (int i = 0; i < argc; i++) {
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--as-of") == 0 && next) {
            rc = parse_date_arg("--as-of", argv[++i], &as_of);
            if (rc != CTL_OK)
                return rc;
        } else if (strcmp(argv[i], "--dry-run") == 0) {
            opts.dry_run = 1;
        } else if (strcmp(argv[i], "--batch") == 0 && next) {
            int64_t batch;
            if (ctl_parse_int("--batch", argv[++i], 1, 1000000, &batch) != 0)
                return CTL_USAGE;
            opts.batch = (unsigned int)batch;
        } else {
            fprintf(stderr, "usage: gdprctl retention run [--as-of DATE] [--dry-run] "
                            "[--batch N]\n");
            return CTL_USAGE;
        }
    }
    if (!opts.dry_run && !ctl_confirm(c, "Erase, anonymise or open reviews for every record due?"))
        return CTL_FAILED;
    memset(&open_run, 0, sizeof open_run);
    open_run.version = GDPR_RETENTION_RUN_INFO_VERSION;
    rc = gdpr_retention_run_status(c->eng, &open_run);
    if (rc != GDPR_OK)
        return ctl_fail("retention run", rc);
    if (open_run.open) {
        char started[32];
        ctl_format_time(open_run.started, started);
        fprintf(stderr, "%s run %lld (started %s, %lld records examined before)\n",
                opts.dry_run ? "a real run would resume" : "resumed", (long long)open_run.run,
                started, (long long)open_run.examined);
    }
    ps.draw = c->progress == 1 || (c->progress == -1 && !c->json && isatty(STDERR_FILENO));
    clock_gettime(CLOCK_MONOTONIC, &ps.start);
    opts.progress = draw_progress;
    opts.progress_ctx = &ps;
    interrupted = 0;
    old_int = signal(SIGINT, on_interrupt);
    rc = gdpr_retention_run_ex(c->eng, &c->who, as_of, &opts, &rep);
    signal(SIGINT, old_int);
    if (ps.draw)
        fprintf(stderr, "\r\033[K");
    if (rc == GDPR_ECALLBACK && interrupted) {
        fprintf(stderr,
                "gdprctl: retention run interrupted after %lld records; every finished "
                "batch is kept. resumable: run again to continue\n",
                (long long)rep.examined);
        return CTL_FAILED;
    }
    if (rc != GDPR_OK && rc != GDPR_EBUSY)
        return ctl_fail("retention run", rc);
    ctl_format_time(as_of, when);
    if (c->json)
        printf("{\"as_of\":\"%s\",\"dry_run\":%s,\"examined\":%lld,\"erased\":%lld,"
               "\"anonymised\":%lld,\"reviews_opened\":%lld,\"held\":%lld}\n",
               when, opts.dry_run ? "true" : "false", (long long)rep.examined,
               (long long)rep.erased, (long long)rep.anonymised, (long long)rep.reviews_opened,
               (long long)rep.held);
    else
        printf(opts.dry_run ? "%s as of %s: examined %lld, would erase %lld, would anonymise %lld, "
                              "would open %lld reviews, held %lld\n"
                            : "%s as of %s: examined %lld, erased %lld, anonymised %lld, reviews "
                              "opened %lld, held %lld\n",
               opts.dry_run ? "dry run (nothing changed)" : "retention run", when,
               (long long)rep.examined, (long long)rep.erased, (long long)rep.anonymised,
               (long long)rep.reviews_opened, (long long)rep.held);
    if (rc == GDPR_EBUSY)
        return ctl_fail("retention run (checkpoint)", rc);
    return CTL_OK;
}

/* --- retention show / touch / contract-end ------------------------------- */

int
ctl_cmd_retention_show(ctl *c, int argc, char **argv)
{
    gdpr_retention_info in;
    char due[32], anchor[32], keep[32];
    int64_t record;
    int rc;

    if (argc != 1) {
        fprintf(stderr, "usage: gdprctl retention show RECORD\n");
        return CTL_USAGE;
    }
    memset(&in, 0, sizeof in);
    in.version = GDPR_RETENTION_INFO_VERSION;
    if (ctl_parse_int("RECORD", argv[0], 1, INT64_MAX, &record) != 0)
        return CTL_USAGE;
    rc = gdpr_retention_record(c->eng, record, &in);
    if (rc != GDPR_OK)
        return ctl_fail("retention show", rc);
    ctl_format_time(in.due, due);
    ctl_format_time(in.anchor_at, anchor);
    ctl_format_time(in.keep_until, keep);
    if (c->json) {
        printf("{\"record\":%lld,\"rule\":", (long long)in.record);
        ctl_json_string(stdout, in.rule);
        printf(",\"anchor\":%s%s%s,\"action\":%s%s%s", in.anchor ? "\"" : "",
               in.anchor ? gdpr_retention_anchor_name(in.anchor) : "null", in.anchor ? "\"" : "",
               in.action ? "\"" : "", in.action ? gdpr_retention_action_name(in.action) : "null",
               in.action ? "\"" : "");
        printf(",\"anchor_at\":%s%s%s,\"due\":%s%s%s,\"keep_until\":%s%s%s,\"review\":%lld}\n",
               in.has_anchor ? "\"" : "", in.has_anchor ? anchor : "null",
               in.has_anchor ? "\"" : "", in.has_due ? "\"" : "", in.has_due ? due : "null",
               in.has_due ? "\"" : "", in.has_keep ? "\"" : "", in.has_keep ? keep : "null",
               in.has_keep ? "\"" : "", (long long)in.review);
        return CTL_OK;
    }
    if (in.rule[0] == '\0') {
        printf("record %lld: no retention rule covers it; it has no due time\n",
               (long long)in.record);
        return CTL_OK;
    }
    printf("record %lld: rule %s, %s from %s\n", (long long)in.record, in.rule,
           gdpr_retention_action_name(in.action), gdpr_retention_anchor_name(in.anchor));
    printf("  anchor event: %s\n", in.has_anchor ? anchor : "not yet happened");
    printf("  due:          %s\n", in.has_due ? due : (in.review ? "under review" : "none"));
    if (in.has_keep)
        printf("  kept until:   %s (review decision)\n", keep);
    if (in.review)
        printf("  open review:  %lld\n", (long long)in.review);
    return CTL_OK;
}

int
ctl_cmd_retention_touch(ctl *c, int argc, char **argv)
{
    int64_t at = GDPR_NOW;
    int rc;

    if (argc == 3 && strcmp(argv[1], "--at") == 0) {
        rc = parse_date_arg("--at", argv[2], &at);
        if (rc != CTL_OK)
            return rc;
    } else if (argc != 1) {
        fprintf(stderr, "usage: gdprctl retention touch SUBJECT [--at DATE]\n");
        return CTL_USAGE;
    }
    rc = gdpr_subject_touch(c->eng, &c->who, argv[0], at);
    if (rc != GDPR_OK)
        return ctl_fail("retention touch", rc);
    if (c->json)
        printf("{\"touched\":true}\n");
    else
        printf("last activity of %s recorded\n", argv[0]);
    return CTL_OK;
}

int
ctl_cmd_retention_contract_end(ctl *c, int argc, char **argv)
{
    const char *purpose = NULL;
    int64_t at = 0;
    int rc;

    if (argc == 4 && strcmp(argv[2], "--purpose") == 0) {
        purpose = argv[3];
    } else if (argc != 2) {
        fprintf(stderr, "usage: gdprctl retention contract-end SUBJECT DATE [--purpose P]\n");
        return CTL_USAGE;
    }
    rc = parse_date_arg("DATE", argv[1], &at);
    if (rc != CTL_OK)
        return rc;
    rc = gdpr_retention_anchor_set(c->eng, &c->who, argv[0], GDPR_ANCHOR_CONTRACT_END, purpose, at);
    if (rc != GDPR_OK)
        return ctl_fail("retention contract-end", rc);
    if (c->json)
        printf("{\"contract_end\":\"%s\"}\n", argv[1]);
    else
        printf("contract end of %s%s%s set to %s\n", argv[0], purpose ? " for " : "",
               purpose ? purpose : "", argv[1]);
    return CTL_OK;
}

/* --- reviews ------------------------------------------------------------- */

typedef struct {
    const ctl *c;
    int64_t n;
    int64_t as_of;
} review_print;

static int
print_review(const gdpr_review *r, void *ctx)
{
    review_print *p = ctx;
    char due[32], deadline[32], keep[32];
    int overdue = r->status == GDPR_REVIEW_OPEN && r->deadline <= p->as_of;

    ctl_format_time(r->record_due, due);
    ctl_format_time(r->deadline, deadline);
    ctl_format_time(r->keep_until, keep);
    if (p->c->json) {
        printf("%s{\"task\":%lld,\"record\":%lld,\"rule\":", p->n ? "," : "", (long long)r->id,
               (long long)r->record);
        ctl_json_string(stdout, r->rule);
        printf(",\"category\":");
        ctl_json_string(stdout, r->category);
        printf(",\"purpose\":");
        ctl_json_string(stdout, r->purpose);
        printf(",\"status\":\"%s\",\"record_due\":\"%s\",\"deadline\":\"%s\",\"overdue\":%s",
               gdpr_review_status_name(r->status), due, deadline, overdue ? "true" : "false");
        if (r->status == GDPR_REVIEW_KEPT)
            printf(",\"keep_until\":\"%s\"", keep);
        if (r->decided_by) {
            printf(",\"decided_by\":");
            ctl_json_string(stdout, r->decided_by);
            printf(",\"role\":");
            ctl_json_string(stdout, r->role ? r->role : "");
        }
        printf("}");
    } else {
        printf("review %-6lld record %-8lld %-6s %-6s %s/%s  due %s  decide by %s%s",
               (long long)r->id, (long long)r->record, gdpr_review_status_name(r->status), r->rule,
               r->category, r->purpose, due, deadline, overdue ? "  OVERDUE" : "");
        if (r->status == GDPR_REVIEW_KEPT)
            printf("  kept until %s by %s (%s)", keep, r->decided_by ? r->decided_by : "?",
                   r->role ? r->role : "?");
        else if (r->decided_by)
            printf("  by %s (%s)", r->decided_by, r->role ? r->role : "?");
        printf("\n");
    }
    p->n++;
    return 0;
}

int
ctl_cmd_review_list(ctl *c, int argc, char **argv)
{
    review_print p = {c, 0, now_of(c)};
    gdpr_review_status status = GDPR_REVIEW_OPEN;
    int overdue = 0;
    int rc;

    for (int i = 0; i < argc; i++) {
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--overdue") == 0) {
            overdue = 1;
        } else if (strcmp(argv[i], "--as-of") == 0 && next) {
            rc = parse_date_arg("--as-of", argv[++i], &p.as_of);
            if (rc != CTL_OK)
                return rc;
        } else if (strcmp(argv[i], "--status") == 0 && next) {
            const char *s = argv[++i];
            int found = strcmp(s, "all") == 0;
            status = (gdpr_review_status)0;
            for (int k = GDPR_REVIEW_OPEN; !found && k <= GDPR_REVIEW_GONE; k++) {
                if (strcmp(s, gdpr_review_status_name(k)) == 0) {
                    status = (gdpr_review_status)k;
                    found = 1;
                }
            }
            if (!found) {
                fprintf(stderr,
                        "gdprctl: --status: '%s' is not open, kept, erased, gone or "
                        "all\n",
                        s);
                return CTL_USAGE;
            }
        } else {
            fprintf(stderr, "usage: gdprctl review list [--status open|kept|erased|gone|all] "
                            "[--overdue] [--as-of DATE]\n");
            return CTL_USAGE;
        }
    }
    if (c->json)
        printf("[");
    rc = overdue ? gdpr_review_overdue(c->eng, p.as_of, print_review, &p)
                 : gdpr_review_list(c->eng, status, print_review, &p);
    if (c->json)
        printf("]\n");
    if (rc != GDPR_OK)
        return ctl_fail("review list", rc);
    if (!c->json)
        printf("%lld review task%s\n", (long long)p.n, p.n == 1 ? "" : "s");
    return CTL_OK;
}

static int
usage_decide(void)
{
    fprintf(stderr, "usage: gdprctl review decide TASK keep UNTIL --why TEXT\n"
                    "       gdprctl review decide TASK erase [--why TEXT]\n");
    return CTL_USAGE;
}

int
ctl_cmd_review_decide(ctl *c, int argc, char **argv)
{
    gdpr_review_decision d = GDPR_REVIEW_DECISION_INIT;
    int64_t task;
    int i, rc;

    if (argc < 2)
        return usage_decide();
    if (ctl_parse_int("TASK", argv[0], 1, INT64_MAX, &task) != 0)
        return CTL_USAGE;
    if (strcmp(argv[1], "keep") == 0 && argc >= 3) {
        d.verdict = GDPR_REVIEW_KEEP;
        rc = parse_date_arg("UNTIL", argv[2], &d.keep_until);
        if (rc != CTL_OK)
            return rc;
        i = 3;
    } else if (strcmp(argv[1], "erase") == 0) {
        d.verdict = GDPR_REVIEW_ERASE;
        i = 2;
    } else {
        return usage_decide();
    }
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--why") == 0 && i + 1 < argc)
            d.justification = argv[++i];
        else
            return usage_decide();
    }
    rc = gdpr_review_decide(c->eng, &c->who, task, &d);
    if (rc != GDPR_OK)
        return ctl_fail("review decide", rc);
    if (c->json)
        printf("{\"task\":%lld,\"verdict\":\"%s\"}\n", (long long)task, argv[1]);
    else if (d.verdict == GDPR_REVIEW_KEEP)
        printf("review %lld: kept until %s\n", (long long)task, argv[2]);
    else
        printf("review %lld: record erased\n", (long long)task);
    return CTL_OK;
}

int
ctl_cmd_review_why(ctl *c, int argc, char **argv)
{
    char *text = NULL;
    int64_t task;
    int rc;

    if (argc != 1) {
        fprintf(stderr, "usage: gdprctl review why TASK\n");
        return CTL_USAGE;
    }
    if (ctl_parse_int("TASK", argv[0], 1, INT64_MAX, &task) != 0)
        return CTL_USAGE;
    rc = gdpr_review_justification(c->eng, &c->who, task, &text);
    if (rc != GDPR_OK)
        return ctl_fail("review why", rc);
    if (c->json) {
        printf("{\"justification\":");
        ctl_json_string(stdout, text);
        printf("}\n");
    } else {
        printf("%s\n", text);
    }
    gdpr_free(text);
    return CTL_OK;
}
