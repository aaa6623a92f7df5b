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
