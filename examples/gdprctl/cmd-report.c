/*
 * gdprctl consent report (the Art. 7(1) consent report), and the reports
 * of issue 16 that follow it.
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gdprctl.h"

static int
write_stream(const void *buf, size_t len, void *ctx)
{
    ctl_progress_add((int64_t)len);
    return fwrite(buf, 1, len, (FILE *)ctx) == len ? 0 : 1;
}

static int
usage_report(void)
{
    fprintf(stderr,
            "usage: gdprctl consent report [--purpose P]... [--state S]... [--from DATE]\n"
            "       [--until DATE] [--as-of DATE] [--format json|csv] [--host-ids] [-o FILE]\n"
            "  S: granted, withdrawn, refused, expired; subjects by keyed hash unless\n"
            "  --host-ids (needs consent.read)\n");
    return CTL_USAGE;
}

static int
state_bit(const char *word, unsigned int *bits)
{
    static const struct {
        const char *word;
        unsigned int bit;
    } states[] = {{"granted", GDPR_REPORT_GRANTED},
                  {"withdrawn", GDPR_REPORT_WITHDRAWN},
                  {"refused", GDPR_REPORT_REFUSED},
                  {"expired", GDPR_REPORT_EXPIRED}};

    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
        if (strcmp(word, states[i].word) == 0) {
            *bits |= states[i].bit;
            return 0;
        }
    fprintf(stderr, "gdprctl: --state: '%s' is not granted, withdrawn, refused or expired\n", word);
    return -1;
}

int
ctl_cmd_consent_report(ctl *c, int argc, char **argv)
{
    gdpr_consent_report_options o = GDPR_CONSENT_REPORT_OPTIONS_INIT;
    const char *purposes[GDPR_REPORT_PURPOSES_MAX];
    const char *out = NULL;
    FILE *f = stdout;
    int64_t rows = 0;
    int rc, closed = 0;

    for (int i = 0; i < argc; i++) {
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--purpose") == 0 && next) {
            if (o.n_purposes == GDPR_REPORT_PURPOSES_MAX) {
                fprintf(stderr, "gdprctl: --purpose: at most %u\n", GDPR_REPORT_PURPOSES_MAX);
                return CTL_USAGE;
            }
            purposes[o.n_purposes++] = argv[++i];
        } else if (strcmp(argv[i], "--state") == 0 && next) {
            if (state_bit(argv[++i], &o.states) != 0)
                return CTL_USAGE;
        } else if (strcmp(argv[i], "--from") == 0 && next) {
            if (ctl_parse_time("--from", argv[++i], &o.from) != 0)
                return CTL_USAGE;
        } else if (strcmp(argv[i], "--until") == 0 && next) {
            if (ctl_parse_time("--until", argv[++i], &o.until) != 0)
                return CTL_USAGE;
        } else if (strcmp(argv[i], "--as-of") == 0 && next) {
            if (ctl_parse_time("--as-of", argv[++i], &o.as_of) != 0)
                return CTL_USAGE;
        } else if (strcmp(argv[i], "--format") == 0 && next) {
            const char *fmt = argv[++i];
            if (strcmp(fmt, "json") == 0)
                o.format = GDPR_EXPORT_JSON;
            else if (strcmp(fmt, "csv") == 0)
                o.format = GDPR_EXPORT_CSV;
            else
                return usage_report();
        } else if (strcmp(argv[i], "--host-ids") == 0) {
            o.flags |= GDPR_REPORT_HOST_IDS;
        } else if (strcmp(argv[i], "-o") == 0 && next) {
            out = argv[++i];
        } else {
            return usage_report();
        }
    }
    if (o.n_purposes > 0)
        o.purposes = purposes;
    if (c->json && out == NULL && o.format != GDPR_EXPORT_JSON) {
        fprintf(stderr, "gdprctl: --json prints one JSON document: use --format json or -o FILE\n");
        return CTL_USAGE;
    }
    if (out != NULL && (f = ctl_create(out)) == NULL)
        return CTL_FAILED;
    ctl_progress_start(c, "consent report", "bytes", 0, out);
    rc = gdpr_consent_report(c->eng, &c->who, &o, write_stream, f, &rows);
    ctl_progress_stop();
    if (out != NULL)
        closed = fclose(f);
    if (rc != GDPR_OK || closed != 0) {
        if (out != NULL)
            unlink(out);
        return rc != GDPR_OK ? ctl_fail("consent report", rc) : CTL_FAILED;
    }
    if (out != NULL) {
        if (c->json) {
            printf("{\"file\":");
            ctl_json_string(stdout, out);
            printf(",\"rows\":%lld}\n", (long long)rows);
        } else {
            fprintf(stderr, "consent report: %lld rows written to %s\n", (long long)rows, out);
        }
    }
    return CTL_OK;
}

/* --- ropa export ---------------------------------------------------------------- */

int
ctl_cmd_ropa_export(ctl *c, int argc, char **argv)
{
    int format = GDPR_EXPORT_JSON;
    int64_t as_of = GDPR_NOW;
    const char *out = NULL;
    FILE *f = stdout;
    int rc, closed = 0;

    for (int i = 0; i < argc; i++) {
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--format") == 0 && next && strcmp(next, "json") == 0) {
            format = GDPR_EXPORT_JSON;
            i++;
        } else if (strcmp(argv[i], "--format") == 0 && next && strcmp(next, "csv") == 0) {
            format = GDPR_EXPORT_CSV;
            i++;
        } else if (strcmp(argv[i], "--as-of") == 0 && next) {
            if (ctl_parse_time("--as-of", argv[++i], &as_of) != 0)
                return CTL_USAGE;
        } else if (strcmp(argv[i], "-o") == 0 && next) {
            out = argv[++i];
        } else {
            fprintf(stderr, "usage: gdprctl ropa export [--format json|csv] [--as-of DATE] "
                            "[-o FILE]\n"
                            "  csv: the columns of the UK ICO's documentation template\n");
            return CTL_USAGE;
        }
    }
    if (c->json && out == NULL && format != GDPR_EXPORT_JSON) {
        fprintf(stderr, "gdprctl: --json prints one JSON document: use --format json or -o FILE\n");
        return CTL_USAGE;
    }
    if (out != NULL && (f = ctl_create(out)) == NULL)
        return CTL_FAILED;
    rc = gdpr_ropa_export(c->eng, &c->who, format, as_of, write_stream, f);
    if (out != NULL)
        closed = fclose(f);
    if (rc != GDPR_OK || closed != 0) {
        if (out != NULL)
            unlink(out);
        return rc != GDPR_OK ? ctl_fail("ropa export", rc) : CTL_FAILED;
    }
    if (out != NULL) {
        if (c->json) {
            printf("{\"file\":");
            ctl_json_string(stdout, out);
            printf("}\n");
        } else {
            fprintf(stderr, "record of processing activities written to %s\n", out);
        }
    }
    return CTL_OK;
}

/* --- breach register -------------------------------------------------------------- */

static const struct {
    const char *word;
    unsigned int bit;
} natures[] = {{"confidentiality", GDPR_BREACH_CONFIDENTIALITY},
               {"integrity", GDPR_BREACH_INTEGRITY},
               {"availability", GDPR_BREACH_AVAILABILITY}};

static int
parse_nature(const char *list, unsigned int *out)
{
    char buf[128];
    char *save = NULL;

    snprintf(buf, sizeof buf, "%s", list);
    for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        size_t i = 0;
        while (i < sizeof natures / sizeof natures[0] && strcmp(natures[i].word, w) != 0)
            i++;
        if (i == sizeof natures / sizeof natures[0]) {
            fprintf(stderr,
                    "gdprctl: --nature: '%s' is not confidentiality, integrity or "
                    "availability\n",
                    w);
            return -1;
        }
        *out |= natures[i].bit;
    }
    return 0;
}

static void
nature_text(unsigned int nature, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof natures / sizeof natures[0]; i++)
        if (nature & natures[i].bit) {
            if (buf[0])
                strncat(buf, ",", cap - strlen(buf) - 1);
            strncat(buf, natures[i].word, cap - strlen(buf) - 1);
        }
}

static int
usage_breach_open(void)
{
    fprintf(
        stderr,
        "usage: gdprctl breach open --nature N[,N] --categories C[,C] --subjects N --records N\n"
        "       --description TEXT --consequences TEXT --measures TEXT [--aware DATE]\n"
        "       [--occurred DATE]\n"
        "  N: confidentiality, integrity, availability\n");
    return CTL_USAGE;
}

int
ctl_cmd_breach_open(ctl *c, int argc, char **argv)
{
    gdpr_breach b = GDPR_BREACH_INIT;
    char cats[1024] = "";
    const char *list[GDPR_BREACH_CATEGORIES_MAX];
    char *save = NULL;
    int64_t id = 0, deadline_probe;
    gdpr_breach_info info;
    char when[32];
    int rc;

    for (int i = 0; i < argc; i++) {
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (next == NULL)
            return usage_breach_open();
        if (strcmp(argv[i], "--nature") == 0) {
            if (parse_nature(argv[++i], &b.nature) != 0)
                return CTL_USAGE;
        } else if (strcmp(argv[i], "--categories") == 0) {
            snprintf(cats, sizeof cats, "%s", argv[++i]);
        } else if (strcmp(argv[i], "--subjects") == 0) {
            if (ctl_parse_int("--subjects", argv[++i], 0, INT64_MAX, &b.subjects_approx) != 0)
                return CTL_USAGE;
        } else if (strcmp(argv[i], "--records") == 0) {
            if (ctl_parse_int("--records", argv[++i], 0, INT64_MAX, &b.records_approx) != 0)
                return CTL_USAGE;
        } else if (strcmp(argv[i], "--description") == 0) {
            b.description = argv[++i];
        } else if (strcmp(argv[i], "--consequences") == 0) {
            b.consequences = argv[++i];
        } else if (strcmp(argv[i], "--measures") == 0) {
            b.measures = argv[++i];
        } else if (strcmp(argv[i], "--aware") == 0) {
            if (ctl_parse_time("--aware", argv[++i], &b.aware_at) != 0)
                return CTL_USAGE;
        } else if (strcmp(argv[i], "--occurred") == 0) {
            if (ctl_parse_time("--occurred", argv[++i], &b.occurred_at) != 0)
                return CTL_USAGE;
        } else {
            return usage_breach_open();
        }
    }
    for (char *w = strtok_r(cats, ",", &save); w && b.n_categories < GDPR_BREACH_CATEGORIES_MAX;
         w = strtok_r(NULL, ",", &save))
        list[b.n_categories++] = w;
    b.categories = b.n_categories ? list : NULL;
    rc = gdpr_breach_open(c->eng, &c->who, &b, &id);
    if (rc != GDPR_OK)
        return ctl_fail("breach open", rc);
    deadline_probe = 0;
    if (gdpr_breach_info_init(&info, GDPR_BREACH_INFO_VERSION) == GDPR_OK &&
        gdpr_breach_get(c->eng, id, &info) == GDPR_OK)
        deadline_probe = info.deadline;
    ctl_format_time(deadline_probe, when);
    if (c->json)
        printf("{\"breach\":%lld,\"deadline\":\"%s\"}\n", (long long)id, when);
    else
        printf("breach %lld opened; notify the supervisory authority by %s (Art. 33(1): 72 "
               "hours from awareness)\n",
               (long long)id, when);
    return CTL_OK;
}

int
ctl_cmd_breach_notify(ctl *c, int argc, char **argv)
{
    int64_t id = 0, at = GDPR_NOW;
    const char *reference = NULL, *late = NULL, *not_required = NULL;
    int rc;

    if (argc < 1 || ctl_parse_int("ID", argv[0], 1, INT64_MAX, &id) != 0)
        goto usage;
    for (int i = 1; i < argc; i++) {
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (next == NULL)
            goto usage;
        if (strcmp(argv[i], "--reference") == 0) {
            reference = argv[++i];
        } else if (strcmp(argv[i], "--late-reason") == 0) {
            late = argv[++i];
        } else if (strcmp(argv[i], "--not-required") == 0) {
            not_required = argv[++i];
        } else if (strcmp(argv[i], "--at") == 0) {
            if (ctl_parse_time("--at", argv[++i], &at) != 0)
                return CTL_USAGE;
        } else {
            goto usage;
        }
    }
    if ((reference == NULL) == (not_required == NULL))
        goto usage;
    if (not_required != NULL)
        rc = gdpr_breach_not_notifiable(c->eng, &c->who, id, not_required);
    else
        rc = gdpr_breach_notify(c->eng, &c->who, id, at, reference, late);
    if (rc != GDPR_OK)
        return ctl_fail("breach notify", rc);
    if (c->json)
        printf("{\"breach\":%lld,\"notified\":%s}\n", (long long)id,
               not_required ? "false" : "true");
    else if (not_required)
        printf("breach %lld: not notified, unlikely to result in a risk (Art. 33(1))\n",
               (long long)id);
    else
        printf("breach %lld: authority notification recorded (%s)\n", (long long)id, reference);
    return CTL_OK;
usage:
    fprintf(stderr, "usage: gdprctl breach notify ID --reference REF [--at DATE] "
                    "[--late-reason TEXT]\n"
                    "       gdprctl breach notify ID --not-required REASON\n");
    return CTL_USAGE;
}

int
ctl_cmd_breach_decide(ctl *c, int argc, char **argv)
{
    static const struct {
        const char *word;
        gdpr_breach_decision d;
    } words[] = {{"inform", GDPR_BREACH_INFORM},
                 {"not-high-risk", GDPR_BREACH_NOT_HIGH_RISK},
                 {"34-3-a", GDPR_BREACH_EXEMPT_PROTECTED},
                 {"34-3-b", GDPR_BREACH_EXEMPT_MITIGATED},
                 {"34-3-c", GDPR_BREACH_PUBLIC_NOTICE}};
    int64_t id = 0, informed = 0;
    const char *note = NULL;
    size_t k = 0;
    int rc;

    if (argc < 2 || ctl_parse_int("ID", argv[0], 1, INT64_MAX, &id) != 0)
        goto usage;
    while (k < sizeof words / sizeof words[0] && strcmp(words[k].word, argv[1]) != 0)
        k++;
    if (k == sizeof words / sizeof words[0])
        goto usage;
    for (int i = 2; i < argc; i++) {
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (next != NULL && strcmp(argv[i], "--informed") == 0) {
            if (ctl_parse_time("--informed", argv[++i], &informed) != 0)
                return CTL_USAGE;
        } else if (next != NULL && strcmp(argv[i], "--note") == 0) {
            note = argv[++i];
        } else {
            goto usage;
        }
    }
    rc = gdpr_breach_decide(c->eng, &c->who, id, words[k].d, informed, note);
    if (rc != GDPR_OK)
        return ctl_fail("breach decide", rc);
    if (c->json)
        printf("{\"breach\":%lld,\"decision\":\"%s\"}\n", (long long)id,
               gdpr_breach_decision_name(words[k].d));
    else
        printf("breach %lld: subjects decision %s\n", (long long)id,
               gdpr_breach_decision_name(words[k].d));
    return CTL_OK;
usage:
    fprintf(stderr, "usage: gdprctl breach decide ID inform|34-3-c --informed DATE [--note TEXT]\n"
                    "       gdprctl breach decide ID not-high-risk|34-3-a|34-3-b [--note TEXT]\n");
    return CTL_USAGE;
}

int
ctl_cmd_breach_link(ctl *c, int argc, char **argv)
{
    int64_t id = 0;
    int rc;

    if (argc < 2 || ctl_parse_int("ID", argv[0], 1, INT64_MAX, &id) != 0) {
        fprintf(stderr, "usage: gdprctl breach link ID SUBJECT...\n");
        return CTL_USAGE;
    }
    for (int i = 1; i < argc; i++) {
        rc = gdpr_breach_link(c->eng, &c->who, id, argv[i]);
        if (rc != GDPR_OK)
            return ctl_fail("breach link", rc);
    }
    if (c->json)
        printf("{\"breach\":%lld,\"linked\":%d}\n", (long long)id, argc - 1);
    else
        printf("breach %lld: %d subject(s) linked\n", (long long)id, argc - 1);
    return CTL_OK;
}

typedef struct {
    const ctl *c;
    int n;
} breach_printer;

static int
print_breach(const gdpr_breach_info *b, void *ctx)
{
    breach_printer *p = ctx;
    char aware[32], deadline[32], notified[32], nature[64];

    ctl_format_time(b->aware_at, aware);
    ctl_format_time(b->deadline, deadline);
    ctl_format_time(b->notified_at, notified);
    nature_text(b->nature, nature, sizeof nature);
    if (p->c->json) {
        printf("%s{\"id\":%lld,\"aware_at\":\"%s\",\"deadline\":\"%s\",\"nature\":\"%s\","
               "\"categories\":",
               p->n ? "," : "", (long long)b->id, aware, deadline, nature);
        ctl_json_string(stdout, b->categories);
        printf(",\"subjects_approx\":%lld,\"records_approx\":%lld,\"subjects_linked\":%lld,"
               "\"notified_at\":",
               (long long)b->subjects_approx, (long long)b->records_approx,
               (long long)b->subjects_linked);
        if (b->notified_at)
            printf("\"%s\"", notified);
        else
            printf("null");
        printf(",\"reference\":");
        ctl_json_string(stdout, b->reference);
        printf(",\"late\":%s,\"not_notifiable\":%s,\"overdue\":%s,\"decision\":\"%s\"}",
               b->late ? "true" : "false", b->not_notifiable ? "true" : "false",
               b->overdue ? "true" : "false", gdpr_breach_decision_name(b->decision));
    } else {
        printf("%-4lld aware %s  deadline %s  %-9s %s  %s  subjects ~%lld  %s\n", (long long)b->id,
               aware, deadline,
               b->overdue          ? "OVERDUE"
               : b->notified_at    ? (b->late ? "late" : "notified")
               : b->not_notifiable ? "no-risk"
                                   : "pending",
               nature, b->categories, (long long)b->subjects_approx,
               gdpr_breach_decision_name(b->decision));
    }
    p->n++;
    return 0;
}

int
ctl_cmd_breach_list(ctl *c, int argc, char **argv)
{
    breach_printer p = {c, 0};
    unsigned int flags = 0;
    int64_t as_of = GDPR_NOW;
    int rc;

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--overdue") == 0) {
            flags |= GDPR_BREACH_LIST_OVERDUE;
        } else if (strcmp(argv[i], "--pending") == 0) {
            flags |= GDPR_BREACH_LIST_PENDING;
        } else if (strcmp(argv[i], "--as-of") == 0 && i + 1 < argc) {
            if (ctl_parse_time("--as-of", argv[++i], &as_of) != 0)
                return CTL_USAGE;
        } else {
            fprintf(stderr, "usage: gdprctl breach list [--pending|--overdue] [--as-of DATE]\n");
            return CTL_USAGE;
        }
    }
    if (c->json)
        printf("{\"breaches\":[");
    rc = gdpr_breach_list(c->eng, as_of, flags, print_breach, &p);
    if (c->json)
        printf("],\"count\":%d}\n", p.n);
    if (rc != GDPR_OK)
        return ctl_fail("breach list", rc);
    if (!c->json && p.n == 0)
        printf("no breaches\n");
    return CTL_OK;
}

int
ctl_cmd_breach_kpis(ctl *c, int argc, char **argv)
{
    gdpr_breach_kpi_report k;
    int64_t from = 0, to = GDPR_NOW;
    int rc;

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--from") == 0 && i + 1 < argc) {
            if (ctl_parse_time("--from", argv[++i], &from) != 0)
                return CTL_USAGE;
        } else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc) {
            if (ctl_parse_time("--to", argv[++i], &to) != 0)
                return CTL_USAGE;
        } else {
            fprintf(stderr, "usage: gdprctl breach kpis [--from DATE] [--to DATE]\n");
            return CTL_USAGE;
        }
    }
    if (from == 0)
        from = INT64_C(1527206400); /* 2018-05-25 */
    rc = gdpr_breach_kpi_init(&k, GDPR_BREACH_KPI_VERSION);
    if (rc == GDPR_OK)
        rc = gdpr_breach_kpis(c->eng, from, to, &k);
    if (rc != GDPR_OK)
        return ctl_fail("breach kpis", rc);
    if (c->json) {
        printf("{\"total\":%lld,\"notified\":%lld,\"on_time\":%lld,\"late\":%lld,"
               "\"not_notifiable\":%lld,\"pending\":%lld,\"overdue\":%lld,",
               (long long)k.total, (long long)k.notified, (long long)k.on_time, (long long)k.late,
               (long long)k.not_notifiable, (long long)k.pending, (long long)k.overdue);
        if (k.median_hours_to_notify < 0)
            printf("\"median_hours_to_notify\":null,\"max_hours_to_notify\":null,");
        else
            printf("\"median_hours_to_notify\":%.1f,\"max_hours_to_notify\":%.1f,",
                   k.median_hours_to_notify, k.max_hours_to_notify);
        printf("\"subjects_informed\":%lld,\"subjects_not_informed\":%lld,\"undecided\":%lld}\n",
               (long long)k.subjects_informed, (long long)k.subjects_not_informed,
               (long long)k.undecided);
    } else {
        printf("breaches %lld: notified %lld (on time %lld, late %lld), not notifiable %lld, "
               "pending %lld (overdue %lld)\n",
               (long long)k.total, (long long)k.notified, (long long)k.on_time, (long long)k.late,
               (long long)k.not_notifiable, (long long)k.pending, (long long)k.overdue);
        if (k.median_hours_to_notify >= 0)
            printf("time to notify: median %.1f h, max %.1f h\n", k.median_hours_to_notify,
                   k.max_hours_to_notify);
    }
    return CTL_OK;
}
