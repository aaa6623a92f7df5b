/*
 * gdprctl consent grant|withdraw|check|history|receipt.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gdprctl.h"

static const char *const state_names[] = {"?", "granted", "withdrawn", "refused"};

static int
usage_grant(void)
{
    fprintf(stderr, "usage: gdprctl consent grant SUBJECT PURPOSE NOTICE CHANNEL [--explicit]\n"
                    "       [--refused] [--expires DATE] [--recipient NAME] [--proof TEXT]\n"
                    "       [--transfer --recipient ID --country CC] (Art. 49(1)(a))\n"
                    "       [--age N] [--member-state CC] [--parental-holder NAME] (Art. 8(1))\n");
    return CTL_USAGE;
}

int
ctl_cmd_consent_grant(ctl *c, int argc, char **argv)
{
    gdpr_consent k = GDPR_CONSENT_INIT;
    int64_t event = 0;
    int rc;

    if (argc < 4)
        return usage_grant();
    k.subject = argv[0];
    k.purpose = argv[1];
    k.notice = argv[2];
    k.channel = argv[3];
    for (int i = 4; i < argc; i++) {
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--explicit") == 0) {
            k.flags |= GDPR_CONSENT_EXPLICIT;
        } else if (strcmp(argv[i], "--refused") == 0) {
            k.state = GDPR_CONSENT_REFUSED;
        } else if (strcmp(argv[i], "--expires") == 0 && next) {
            if (ctl_parse_time("--expires", next, &k.expires) != 0) {
                return CTL_USAGE;
            }
            i++;
        } else if (strcmp(argv[i], "--recipient") == 0 && next) {
            k.recipient = argv[++i];
        } else if (strcmp(argv[i], "--proof") == 0 && next) {
            k.proof = argv[++i];
        } else if (strcmp(argv[i], "--transfer") == 0) {
            k.flags |= GDPR_CONSENT_TRANSFER;
        } else if (strcmp(argv[i], "--country") == 0 && next) {
            k.country = argv[++i];
        } else if (strcmp(argv[i], "--member-state") == 0 && next) {
            k.member_state = argv[++i];
        } else if (strcmp(argv[i], "--parental-holder") == 0 && next) {
            k.parental_holder = argv[++i];
        } else if (strcmp(argv[i], "--age") == 0 && next) {
            char *end = NULL;
            long age = strtol(next, &end, 10);
            if (end == next || *end != '\0' || age < 1 || age > 150) {
                fprintf(stderr, "gdprctl: --age: '%s' is not an age in years (1..150)\n", next);
                return CTL_USAGE;
            }
            k.age = (int)age;
            i++;
        } else {
            return usage_grant();
        }
    }
    rc = gdpr_consent_record(c->eng, &c->who, &k, &event);
    if (rc != GDPR_OK)
        return ctl_fail("consent grant", rc);
    if (c->json)
        printf("{\"event\":%lld,\"state\":\"%s\"}\n", (long long)event, state_names[k.state]);
    else
        printf("consent event %lld: %s %s for '%s'\n", (long long)event, k.subject,
               state_names[k.state], k.purpose);
    return CTL_OK;
}

int
ctl_cmd_consent_withdraw(ctl *c, int argc, char **argv)
{
    const char *recipient = NULL;
    int64_t event = 0;
    int rc;

    if (argc == 5 && strcmp(argv[3], "--recipient") == 0) {
        recipient = argv[4];
    } else if (argc != 3) {
        fprintf(stderr, "usage: gdprctl consent withdraw SUBJECT PURPOSE CHANNEL "
                        "[--recipient NAME]\n");
        return CTL_USAGE;
    }
    rc = gdpr_consent_withdraw(c->eng, &c->who, argv[0], argv[1], recipient, argv[2], &event);
    if (rc != GDPR_OK)
        return ctl_fail("consent withdraw", rc);
    if (c->json)
        printf("{\"event\":%lld,\"state\":\"withdrawn\"}\n", (long long)event);
    else
        printf("consent event %lld: %s withdrew '%s'\n", (long long)event, argv[0], argv[1]);
    return CTL_OK;
}

static int64_t
now_of(const ctl *c)
{
    return c->now != 0 ? c->now : (int64_t)time(NULL);
}

int
ctl_cmd_consent_check(ctl *c, int argc, char **argv)
{
    int64_t at = now_of(c);
    int granted = 0, allowed = 0;
    gdpr_why why;
    char when[32];
    int rc;

    if (argc == 4 && strcmp(argv[2], "--at") == 0) {
        if (ctl_parse_time("--at", argv[3], &at) != 0) {
            return CTL_USAGE;
        }
    } else if (argc != 2) {
        fprintf(stderr, "usage: gdprctl consent check SUBJECT PURPOSE [--at DATE]\n");
        return CTL_USAGE;
    }
    rc = gdpr_consent_check(c->eng, argv[0], argv[1], at, &granted);
    if (rc == GDPR_OK)
        rc = gdpr_may_process(c->eng, argv[0], argv[1], at, &allowed, &why);
    if (rc != GDPR_OK)
        return ctl_fail("consent check", rc);
    ctl_format_time(at, when);
    if (c->json) {
        printf("{\"at\":\"%s\",\"granted\":%s,\"may_process\":%s,\"why\":\"%s\",\"event\":%lld,"
               "\"text\":",
               when, granted ? "true" : "false", allowed ? "true" : "false",
               gdpr_why_name(why.code), (long long)why.event);
        ctl_json_string(stdout, why.text);
        printf("}\n");
    } else {
        printf("%s / %s at %s: consent %s; may process: %s (%s: %s)\n", argv[0], argv[1], when,
               granted ? "granted" : "not granted", allowed ? "yes" : "no", gdpr_why_name(why.code),
               why.text);
    }
    return allowed ? CTL_OK : CTL_FAILED; /* "no" is exit 1, like a refused transfer */
}

typedef struct {
    int json;
    int n;
    ctl_limit lim;
} history_out;

static int
print_event(const gdpr_consent_event *ev, void *ctx)
{
    history_out *h = ctx;
    char at[32], exp[32] = "-";

    if (!ctl_limit_row(&h->lim))
        return 0;
    ctl_format_time(ev->at, at);
    if (ev->expires)
        ctl_format_time(ev->expires, exp);
    if (h->json) {
        printf("%s{\"event\":%lld,\"at\":\"%s\",\"purpose\":", h->n ? "," : "", (long long)ev->id,
               at);
        ctl_json_string(stdout, ev->purpose);
        printf(",\"state\":\"%s\",\"notice\":", state_names[ev->state]);
        ctl_json_string(stdout, ev->notice);
        printf(",\"channel\":");
        ctl_json_string(stdout, ev->channel);
        printf(",\"actor\":");
        ctl_json_string(stdout, ev->actor);
        printf(",\"expires\":%s%s%s,\"recipient\":", ev->expires ? "\"" : "",
               ev->expires ? exp : "null", ev->expires ? "\"" : "");
        if (ev->recipient)
            ctl_json_string(stdout, ev->recipient);
        else
            printf("null");
        printf(",\"proof\":");
        if (ev->proof)
            ctl_json_string(stdout, ev->proof);
        else
            printf("null");
        printf(",\"explicit\":%s,\"transfer\":%s,\"parental_holder\":",
               (ev->flags & GDPR_CONSENT_EXPLICIT) ? "true" : "false",
               (ev->flags & GDPR_CONSENT_TRANSFER) ? "true" : "false");
        if (ev->parental_holder)
            ctl_json_string(stdout, ev->parental_holder);
        else
            printf("null");
        printf(",\"receipt\":\"%s\"}", ev->receipt_id);
    } else {
        printf("%6lld  %s  %-10s %-14s notice %-14s via %-6s by %-10s expires %s%s%s%s\n",
               (long long)ev->id, at, state_names[ev->state], ev->purpose, ev->notice, ev->channel,
               ev->actor, exp, (ev->flags & GDPR_CONSENT_EXPLICIT) ? " explicit" : "",
               ev->recipient ? " to: " : "", ev->recipient ? ev->recipient : "");
        if (ev->proof)
            printf("        proof: %s\n", ev->proof);
        if (ev->flags & GDPR_CONSENT_TRANSFER)
            printf("        transfer consent (Art. 49(1)(a))\n");
        if (ev->parental_holder)
            printf("        given or authorised by the holder of parental responsibility: %s "
                   "(Art. 8(1))\n",
                   ev->parental_holder);
    }
    h->n++;
    return 0;
}

int
ctl_cmd_consent_history(ctl *c, int argc, char **argv)
{
    history_out h = {c->json, 0, {0, 0, 0, 0}};
    int rc;

    argc = ctl_limit_take(&h.lim, argc, argv);
    if (argc < 0)
        return CTL_USAGE;
    if (argc != 1) {
        fprintf(stderr, "usage: gdprctl consent history SUBJECT [--limit N] [--count]\n");
        return CTL_USAGE;
    }
    if (c->json && !h.lim.count_only)
        printf("[");
    rc = gdpr_consent_history(c->eng, &c->who, argv[0], print_event, &h);
    if (c->json && !h.lim.count_only)
        printf("]\n");
    else if (rc == GDPR_OK && h.lim.matched == 0 && !h.lim.count_only)
        printf("no consent events for %s\n", argv[0]);
    if (rc != GDPR_OK)
        return ctl_fail("consent history", rc);
    ctl_limit_end(c, &h.lim, "consent event", "consent events");
    return CTL_OK;
}

int
ctl_cmd_consent_receipt(ctl *c, int argc, char **argv)
{
    char *json = NULL, *end = NULL;
    long long event;
    int rc;

    if (argc != 1 || (event = strtoll(argv[0], &end, 10)) <= 0 || *end != '\0') {
        fprintf(stderr, "usage: gdprctl consent receipt EVENT\n");
        return CTL_USAGE;
    }
    rc = gdpr_consent_receipt(c->eng, (int64_t)event, &json);
    if (rc != GDPR_OK)
        return ctl_fail("consent receipt", rc);
    printf("%s\n", json);
    gdpr_free(json);
    return CTL_OK;
}

/* --- objections (Art. 21) and restriction (Art. 18) -------------------- */

static int
objection_done(ctl *c, const char *what, const char *subject, const char *purpose, int on)
{
    if (c->json) {
        printf("{\"subject\":");
        ctl_json_string(stdout, subject);
        printf(",\"purpose\":");
        if (purpose)
            ctl_json_string(stdout, purpose);
        else
            printf("null");
        printf(",\"%s\":%s}\n", what, on ? "true" : "false");
    } else {
        printf("%s: %s %s%s%s\n", subject, on ? what : "lifted:", on ? "" : what,
               purpose ? " to " : "", purpose ? purpose : "");
    }
    return CTL_OK;
}

int
ctl_cmd_subject_object(ctl *c, int argc, char **argv)
{
    const char *purpose = NULL;
    int rc;

    if (argc == 2 && strcmp(argv[1], "--all-marketing") == 0)
        purpose = GDPR_OBJECT_ALL_MARKETING;
    else if (argc == 3 && strcmp(argv[1], "--purpose") == 0)
        purpose = argv[2];
    else if (argc != 1) {
        fprintf(stderr, "usage: gdprctl subject object SUBJECT [--purpose PURPOSE | "
                        "--all-marketing]\n  without either: a general objection (Art. 21(1), "
                        "and to all direct marketing, 21(2))\n");
        return CTL_USAGE;
    }
    rc = purpose ? gdpr_subject_object_purpose(c->eng, &c->who, argv[0], purpose)
                 : gdpr_subject_object(c->eng, &c->who, argv[0]);
    if (rc != GDPR_OK)
        return ctl_fail("subject object", rc);
    return objection_done(c, "objected", argv[0], purpose, 1);
}

int
ctl_cmd_subject_unobject(ctl *c, int argc, char **argv)
{
    const char *purpose = NULL;
    int reason = 0;
    int rc;

    for (int i = 1; i + 1 < argc || (i < argc && strcmp(argv[i], "--all-marketing") == 0); i++) {
        if (strcmp(argv[i], "--all-marketing") == 0) {
            purpose = GDPR_OBJECT_ALL_MARKETING;
        } else if (strcmp(argv[i], "--purpose") == 0) {
            purpose = argv[++i];
        } else if (strcmp(argv[i], "--by") == 0) {
            i++;
            if (strcmp(argv[i], "subject") == 0)
                reason = GDPR_LIFT_BY_SUBJECT;
            else if (strcmp(argv[i], "compelling-grounds") == 0)
                reason = GDPR_LIFT_COMPELLING_GROUNDS;
            else
                reason = -1;
        } else {
            reason = -1;
        }
    }
    if (argc < 1 || reason < 0 || (purpose != NULL && reason == 0)) {
        fprintf(stderr, "usage: gdprctl subject unobject SUBJECT [(--purpose PURPOSE | "
                        "--all-marketing) --by subject|compelling-grounds]\n  an objection to "
                        "direct marketing is lifted only --by subject (Art. 21(3))\n");
        return CTL_USAGE;
    }
    rc = purpose ? gdpr_subject_unobject_purpose(c->eng, &c->who, argv[0], purpose, reason)
                 : gdpr_subject_unobject(c->eng, &c->who, argv[0]);
    if (rc != GDPR_OK)
        return ctl_fail("subject unobject", rc);
    return objection_done(c, "objected", argv[0], purpose, 0);
}

int
ctl_cmd_subject_restrict(ctl *c, int argc, char **argv)
{
    int lift = argc == 2 && strcmp(argv[1], "--lift") == 0;
    int rc;

    if (argc != 1 && !lift) {
        fprintf(stderr, "usage: gdprctl subject restrict SUBJECT [--lift]\n");
        return CTL_USAGE;
    }
    rc = lift ? gdpr_subject_unrestrict(c->eng, &c->who, argv[0])
              : gdpr_subject_restrict(c->eng, &c->who, argv[0]);
    if (rc != GDPR_OK)
        return ctl_fail("subject restrict", rc);
    return objection_done(c, "restricted", argv[0], NULL, !lift);
}
