/*
 * gdprctl init, policy, audit.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdprctl.h"

int
ctl_cmd_init(ctl *c, int argc, char **argv)
{
    int64_t version = 0;
    int rc;

    if (argc > 1) {
        fprintf(stderr, "usage: gdprctl init [POLICY.json]\n");
        return CTL_USAGE;
    }
    if (argc == 1) {
        rc = gdpr_policy_load(c->eng, &c->who, argv[0]);
        if (rc != GDPR_OK)
            return ctl_fail(argv[0], rc);
    }
    rc = gdpr_policy_version(c->eng, &version);
    if (c->json)
        printf("{\"store\":");
    if (c->json) {
        ctl_json_string(stdout, c->db);
        printf(",\"policy_version\":%lld}\n", rc == GDPR_OK ? (long long)version : 0LL);
    } else if (rc == GDPR_OK) {
        printf("store %s ready, policy version %lld\n", c->db, (long long)version);
    } else {
        printf("store %s ready, no policy loaded yet (gdprctl policy load FILE)\n", c->db);
    }
    return CTL_OK;
}

int
ctl_cmd_policy_load(ctl *c, int argc, char **argv)
{
    int64_t version = 0;
    int rc;

    if (argc != 1) {
        fprintf(stderr, "usage: gdprctl policy load FILE\n");
        return CTL_USAGE;
    }
    rc = gdpr_policy_load(c->eng, &c->who, argv[0]);
    if (rc != GDPR_OK)
        return ctl_fail(argv[0], rc);
    rc = gdpr_policy_version(c->eng, &version);
    if (rc != GDPR_OK)
        return ctl_fail("policy version", rc);
    if (c->json)
        printf("{\"policy_version\":%lld}\n", (long long)version);
    else
        printf("policy version %lld in force\n", (long long)version);
    return CTL_OK;
}

int
ctl_cmd_policy_show(ctl *c, int argc, char **argv)
{
    char *json = NULL;
    int rc;

    (void)argv;
    if (argc != 0) {
        fprintf(stderr, "usage: gdprctl policy show\n");
        return CTL_USAGE;
    }
    rc = gdpr_policy_get(c->eng, &json);
    if (rc != GDPR_OK)
        return ctl_fail("policy show", rc);
    fputs(json, stdout);
    gdpr_free(json);
    return CTL_OK;
}

static void
print_hex(const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        printf("%02x", b[i]);
}

static int
parse_head(const char *s, int64_t *count, unsigned char head[GDPR_AUDIT_HEAD_BYTES])
{
    const char *colon = strchr(s, ':');
    char *end = NULL;

    if (colon == NULL || strlen(colon + 1) != 2 * GDPR_AUDIT_HEAD_BYTES)
        return -1;
    *count = strtoll(s, &end, 10);
    if (end != colon || *count < 0)
        return -1;
    for (size_t i = 0; i < GDPR_AUDIT_HEAD_BYTES; i++) {
        unsigned int byte;
        if (sscanf(colon + 1 + 2 * i, "%2x", &byte) != 1)
            return -1;
        head[i] = (unsigned char)byte;
    }
    return 0;
}

int
ctl_cmd_audit_verify(ctl *c, int argc, char **argv)
{
    unsigned char head[GDPR_AUDIT_HEAD_BYTES];
    int64_t count = 0, events = 0;
    int with_head = 0;
    int rc;

    if (argc == 2 && strcmp(argv[0], "--head") == 0) {
        if (parse_head(argv[1], &count, head) != 0) {
            fprintf(stderr, "gdprctl: --head takes COUNT:HEX as printed by 'audit head'\n");
            return CTL_USAGE;
        }
        with_head = 1;
    } else if (argc != 0) {
        fprintf(stderr, "usage: gdprctl audit verify [--head COUNT:HEX]\n");
        return CTL_USAGE;
    }
    ctl_progress_start(c, "audit verify", NULL, 0, NULL);
    rc = with_head ? gdpr_audit_verify_head(c->eng, count, head, &events)
                   : gdpr_audit_verify(c->eng, &events);
    ctl_progress_stop();
    if (c->json) {
        printf("{\"ok\":%s,\"events_verified\":%lld", rc == GDPR_OK ? "true" : "false",
               (long long)events);
        if (rc != GDPR_OK) {
            printf(",\"error\":");
            ctl_json_string(stdout, gdpr_errmsg());
        }
        printf("}\n");
    } else if (rc == GDPR_OK) {
        printf("audit trail intact: %lld events verified%s\n", (long long)events,
               with_head ? ", kept head matches" : "");
    } else {
        printf("AUDIT TRAIL BROKEN after %lld good events: %s\n", (long long)events, gdpr_errmsg());
    }
    if (rc == GDPR_ECORRUPT)
        return CTL_VERIFY;
    return rc == GDPR_OK ? CTL_OK : ctl_fail("audit verify", rc);
}

int
ctl_cmd_audit_head(ctl *c, int argc, char **argv)
{
    unsigned char head[GDPR_AUDIT_HEAD_BYTES];
    int64_t count = 0;
    int rc;

    (void)argv;
    if (argc != 0) {
        fprintf(stderr, "usage: gdprctl audit head\n");
        return CTL_USAGE;
    }
    rc = gdpr_audit_head(c->eng, &count, head);
    if (rc != GDPR_OK)
        return ctl_fail("audit head", rc);
    if (c->json) {
        printf("{\"count\":%lld,\"head\":\"", (long long)count);
        print_hex(head, sizeof head);
        printf("\"}\n");
    } else {
        printf("%lld:", (long long)count);
        print_hex(head, sizeof head);
        printf("\n");
    }
    return CTL_OK;
}

typedef struct {
    int json;
    int first;
    const char *by, *action, *subject_hash;
    int64_t since, until, limit, shown, matched;
    int count_only;
} log_state;

static int
print_event(const gdpr_audit_event *ev, void *ctx)
{
    log_state *st = ctx;
    char when[32];

    if ((st->by && strcmp(ev->actor, st->by) != 0) ||
        (st->action && strcmp(ev->action, st->action) != 0) ||
        (st->subject_hash &&
         (ev->subject_hash == NULL || strncmp(ev->subject_hash, st->subject_hash, 16) != 0)) ||
        ev->at < st->since || ev->at > st->until)
        return 0;
    st->matched++;
    if (st->count_only || (st->limit > 0 && st->shown >= st->limit))
        return 0;
    st->shown++;
    ctl_format_time(ev->at, when);
    if (!st->json) {
        printf("%6lld %s %-12s %-10s %-20s %-10s %.16s %s\n", (long long)ev->seq, when, ev->actor,
               ev->role, ev->action, ev->outcome == 0 ? "ok" : gdpr_strerror(ev->outcome),
               ev->subject_hash ? ev->subject_hash : "-", ev->ref ? ev->ref : "");
        return 0;
    }
    printf("%s{\"seq\":%lld,\"at\":\"%s\",\"actor\":", st->first ? "" : ",\n", (long long)ev->seq,
           when);
    ctl_json_string(stdout, ev->actor);
    printf(",\"role\":");
    ctl_json_string(stdout, ev->role);
    printf(",\"action\":");
    ctl_json_string(stdout, ev->action);
    printf(",\"outcome\":%d,\"subject_hash\":", ev->outcome);
    if (ev->subject_hash)
        ctl_json_string(stdout, ev->subject_hash);
    else
        printf("null");
    printf(",\"ref\":");
    if (ev->ref)
        ctl_json_string(stdout, ev->ref);
    else
        printf("null");
    printf("}");
    st->first = 0;
    return 0;
}

int
ctl_cmd_audit_log(ctl *c, int argc, char **argv)
{
    log_state st;
    char *hash = NULL;
    int64_t from = 1;
    int rc;

    memset(&st, 0, sizeof st);
    st.json = c->json;
    st.first = 1;
    st.since = INT64_MIN;
    st.until = INT64_MAX;
    for (int i = 0; i < argc; i++) {
        const char *flag = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(flag, "--count") == 0) {
            st.count_only = 1;
            continue;
        }
        if (v == NULL) {
            fprintf(stderr, "usage: gdprctl audit log [--from SEQ] [--by ACTOR] [--action NAME] "
                            "[--subject ID] [--since DATE] [--until DATE] [--limit N] [--count]\n");
            return CTL_USAGE;
        }
        i++;
        if (strcmp(flag, "--from") == 0)
            rc = ctl_parse_int("--from", v, 1, INT64_MAX, &from);
        else if (strcmp(flag, "--limit") == 0)
            rc = ctl_parse_int("--limit", v, 1, INT64_MAX, &st.limit);
        else if (strcmp(flag, "--since") == 0)
            rc = ctl_parse_time("--since", v, &st.since);
        else if (strcmp(flag, "--until") == 0)
            rc = ctl_parse_time("--until", v, &st.until);
        else if (strcmp(flag, "--by") == 0)
            st.by = v, rc = 0;
        else if (strcmp(flag, "--action") == 0)
            st.action = v, rc = 0;
        else if (strcmp(flag, "--subject") == 0) {
            rc = gdpr_subject_hash(c->eng, v, &hash);
            if (rc != GDPR_OK)
                return ctl_fail("audit log --subject", rc);
            st.subject_hash = hash;
        } else {
            fprintf(stderr, "gdprctl: audit log: unknown flag %s\n", flag);
            rc = -1;
        }
        if (rc != 0) {
            gdpr_free(hash);
            return CTL_USAGE;
        }
    }
    if (c->json && !st.count_only)
        printf("[");
    rc = gdpr_audit_foreach(c->eng, from, print_event, &st);
    gdpr_free(hash);
    if (c->json && !st.count_only)
        printf("]\n");
    if (rc != GDPR_OK)
        return ctl_fail("audit log", rc);
    if (st.count_only)
        printf(c->json ? "{\"count\":%lld}\n" : "%lld events\n", (long long)st.matched);
    else if (!c->json && st.shown < st.matched)
        printf("... %lld more (raise --limit)\n", (long long)(st.matched - st.shown));
    return CTL_OK;
}
