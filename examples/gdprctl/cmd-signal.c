/*
 * gdprctl receipt verify|keys, consent signal, consent conflicts.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdprctl.h"

/* Receipts are small; a bigger file is not one. */
#define RECEIPT_FILE_MAX (1u << 20)

int
ctl_cmd_receipt_verify(ctl *c, int argc, char **argv)
{
    unsigned char *raw;
    char *text;
    size_t len = 0;
    int valid = 0, rc;

    if (argc != 1) {
        fprintf(stderr, "usage: gdprctl receipt verify FILE   (- reads stdin)\n");
        return CTL_USAGE;
    }
    raw = ctl_read_input("FILE", argv[0], RECEIPT_FILE_MAX, &len);
    if (raw == NULL)
        return CTL_USAGE;
    if (memchr(raw, '\0', len) != NULL) {
        fprintf(stderr, "gdprctl: receipt verify: %s holds a NUL byte; not a receipt\n", argv[0]);
        free(raw);
        return CTL_FAILED;
    }
    text = malloc(len + 1);
    if (text == NULL) {
        free(raw);
        fprintf(stderr, "gdprctl: receipt verify: out of memory\n");
        return CTL_FAILED;
    }
    memcpy(text, raw, len);
    text[len] = '\0';
    free(raw);
    rc = gdpr_receipt_verify(c->eng, text, &valid);
    free(text);
    if (rc != GDPR_OK)
        return ctl_fail("receipt verify", rc);
    if (c->json) {
        printf("{\"valid\":%s,\"reason\":", valid ? "true" : "false");
        if (valid)
            printf("null");
        else
            ctl_json_string(stdout, gdpr_errmsg());
        printf("}\n");
    } else if (valid) {
        printf("receipt %s: signature valid\n", argv[0]);
    } else {
        printf("receipt %s: NOT valid: %s\n", argv[0], gdpr_errmsg());
    }
    return valid ? CTL_OK : CTL_FAILED;
}

int
ctl_cmd_receipt_keys(ctl *c, int argc, char **argv)
{
    char *json = NULL;
    int rc;

    (void)argv;
    if (argc != 0) {
        fprintf(stderr, "usage: gdprctl receipt keys\n");
        return CTL_USAGE;
    }
    rc = gdpr_receipt_public_key(c->eng, &json);
    if (rc != GDPR_OK)
        return ctl_fail("receipt keys", rc);
    printf("%s\n", json);
    gdpr_free(json);
    return CTL_OK;
}

/* --gpc | --tcf STRING | --gpp STRING: the kind and the string (NULL for GPC);
 * 0, or -1 after a usage message. */
static int
signal_args(int argc, char **argv, int first, int *kind, const char **text)
{
    *kind = 0;
    *text = NULL;
    for (int i = first; i < argc; i++) {
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (*kind != 0)
            return -1;
        if (strcmp(argv[i], "--gpc") == 0) {
            *kind = GDPR_SIGNAL_GPC;
        } else if (strcmp(argv[i], "--tcf") == 0 && next) {
            *kind = GDPR_SIGNAL_TCF;
            *text = argv[++i];
        } else if (strcmp(argv[i], "--gpp") == 0 && next) {
            *kind = GDPR_SIGNAL_GPP;
            *text = argv[++i];
        } else {
            return -1;
        }
    }
    return *kind != 0 ? 0 : -1;
}

int
ctl_cmd_consent_signal(ctl *c, int argc, char **argv)
{
    static const char *const names[] = {"?", "gpc", "tcf", "gpp"};
    const char *text = NULL;
    int kind = 0, events = 0, rc;

    if (argc < 2 || signal_args(argc, argv, 1, &kind, &text) != 0) {
        fprintf(stderr, "usage: gdprctl consent signal SUBJECT --gpc | --tcf TC_STRING | "
                        "--gpp GPP_STRING\n");
        return CTL_USAGE;
    }
    if (kind == GDPR_SIGNAL_GPC)
        rc = gdpr_consent_signal_gpc(c->eng, &c->who, argv[0], &events);
    else if (kind == GDPR_SIGNAL_TCF)
        rc = gdpr_consent_signal_tcf(c->eng, &c->who, argv[0], text, &events);
    else
        rc = gdpr_consent_signal_gpp(c->eng, &c->who, argv[0], text, &events);
    if (rc != GDPR_OK)
        return ctl_fail("consent signal", rc);
    if (c->json)
        printf("{\"signal\":\"%s\",\"consent_events\":%d}\n", names[kind], events);
    else
        printf("%s signal recorded for %s: %d consent event%s\n", names[kind], argv[0], events,
               events == 1 ? "" : "s");
    return CTL_OK;
}

int
ctl_cmd_signal_decode(ctl *c, int argc, char **argv)
{
    const char *text = NULL;
    char *json = NULL;
    int kind = 0, rc;

    (void)c;
    if (signal_args(argc, argv, 0, &kind, &text) != 0 || kind == GDPR_SIGNAL_GPC) {
        fprintf(stderr, "usage: gdprctl signal decode --tcf TC_STRING | --gpp GPP_STRING\n");
        return CTL_USAGE;
    }
    rc = gdpr_signal_decode(kind, text, &json);
    if (rc != GDPR_OK)
        return ctl_fail("signal decode", rc);
    printf("%s\n", json);
    gdpr_free(json);
    return CTL_OK;
}

typedef struct {
    int json;
    int n;
    ctl_limit lim;
} conflicts_out;

static int
print_conflict(const gdpr_consent_conflict *k, void *ctx)
{
    conflicts_out *o = ctx;
    char at[32];

    if (!ctl_limit_row(&o->lim))
        return 0;
    ctl_format_time(k->at, at);
    if (o->json) {
        printf("%s{\"id\":%lld,\"at\":\"%s\",\"subject\":\"%s\",\"purpose\":", o->n ? "," : "",
               (long long)k->id, at, k->subject);
        ctl_json_string(stdout, k->purpose);
        printf(",\"kind\":\"%s\",\"consent_event\":%lld,\"signal\":%lld,\"result_event\":%lld}",
               k->kind, (long long)k->consent_event, (long long)k->signal,
               (long long)k->result_event);
    } else {
        printf("%6lld  %s  %-16s %-20s subject %.16s…  grant event %lld, GPC signal %lld%s",
               (long long)k->id, at, k->kind, k->purpose, k->subject, (long long)k->consent_event,
               (long long)k->signal, k->result_event ? ", withdrawn by event " : "");
        if (k->result_event)
            printf("%lld", (long long)k->result_event);
        printf("\n");
    }
    o->n++;
    return 0;
}

int
ctl_cmd_consent_conflicts(ctl *c, int argc, char **argv)
{
    conflicts_out o = {c->json, 0, {0, 0, 0, 0}};
    const char *subject = NULL;
    int64_t since = 0;
    int rc;

    argc = ctl_limit_take(&o.lim, argc, argv);
    if (argc < 0)
        return CTL_USAGE;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--since") == 0 && i + 1 < argc) {
            if (ctl_parse_time("--since", argv[++i], &since) != 0)
                return CTL_USAGE;
        } else if (subject == NULL && argv[i][0] != '-') {
            subject = argv[i];
        } else {
            fprintf(stderr, "usage: gdprctl consent conflicts [SUBJECT] [--since DATE] "
                            "[--limit N] [--count]\n");
            return CTL_USAGE;
        }
    }
    if (c->json && !o.lim.count_only)
        printf("[");
    rc = gdpr_consent_conflicts(c->eng, &c->who, subject, since, print_conflict, &o);
    if (c->json && !o.lim.count_only)
        printf("]\n");
    else if (rc == GDPR_OK && o.lim.matched == 0 && !o.lim.count_only)
        printf("no conflicts between a choice and a GPC signal\n");
    if (rc != GDPR_OK)
        return ctl_fail("consent conflicts", rc);
    ctl_limit_end(c, &o.lim, "conflict", "conflicts");
    return CTL_OK;
}
