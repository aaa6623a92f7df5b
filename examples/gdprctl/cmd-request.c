/*
 * gdprctl request open|verify|extend|escalate|fulfil|deny|list|overdue|kpis:
 * the data-subject request register for compliance staff.
 * SPDX-License-Identifier: MIT
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gdprctl.h"

static int
parse_id(const char *s, int64_t *out)
{
    char *end = NULL;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v <= 0) {
        fprintf(stderr, "gdprctl: a request id is a positive number, not '%s'\n", s);
        return -1;
    }
    *out = (int64_t)v;
    return 0;
}

/* An enum word ("access", "verified" ...) through the library's parser. */
static int
parse_word(const char *what, const char *word, int *out)
{
    int rc = gdpr_request_parse(what, word, out);

    if (rc != GDPR_OK) {
        fprintf(stderr, "gdprctl: %s\n", gdpr_errmsg());
        return -1;
    }
    return 0;
}

static int
parse_when(const char *opt, const char *s, int64_t *out)
{
    if (ctl_parse_time(opt, s, out) != 0) {
        return -1;
    }
    return 0;
}

static int64_t
now_of(const ctl *c)
{
    return c->now ? c->now : (int64_t)time(NULL);
}

static void
print_flags(FILE *f, unsigned int flags)
{
    static const char *const words[] = {"special-category", "complaint", "media", "authority"};
    int first = 1;

    for (unsigned int i = 0; i < 4; i++) {
        if (!(flags & (1u << i)))
            continue;
        fprintf(f, "%s%s", first ? "" : ",", words[i]);
        first = 0;
    }
    if (first)
        fprintf(f, "-");
}

static int
flag_of(const char *word, unsigned int *flags)
{
    static const char *const words[] = {"special-category", "complaint", "media", "authority"};

    for (unsigned int i = 0; i < 4; i++) {
        if (strcmp(word, words[i]) == 0) {
            *flags |= 1u << i;
            return 0;
        }
    }
    fprintf(stderr,
            "gdprctl: --flag: '%s' is not special-category, complaint, media or "
            "authority\n",
            word);
    return -1;
}

/* `late` >= 0: a "days_overdue" member first (request overdue). */
static void
print_info_json(const gdpr_request_info *r, int64_t late)
{
    char received[32], due[32], closed[32];

    ctl_format_time(r->received, received);
    ctl_format_time(r->due, due);
    if (late >= 0)
        printf("{\"days_overdue\":%lld,", (long long)late);
    else
        printf("{");
    printf("\"id\":%lld,\"type\":\"%s\",\"status\":\"%s\",\"subject_hash\":", (long long)r->id,
           gdpr_request_type_name(r->type), gdpr_request_status_name(r->status));
    if (r->subject_hash[0])
        ctl_json_string(stdout, r->subject_hash);
    else
        printf("null");
    printf(",\"channel\":");
    ctl_json_string(stdout, r->channel);
    printf(",\"received\":\"%s\",\"due\":\"%s\",\"extended_months\":%d,\"verification\":\"%s\","
           "\"flags\":%u,\"escalated_to\":",
           received, due, r->extended_months, gdpr_request_verification_name(r->verification),
           r->flags);
    if (r->escalated_to[0])
        ctl_json_string(stdout, r->escalated_to);
    else
        printf("null");
    printf(",\"denial\":");
    if (r->denial)
        printf("\"%s\"", gdpr_request_denial_name(r->denial));
    else
        printf("null");
    printf(",\"closed\":");
    if (r->closed) {
        ctl_format_time(r->closed, closed);
        printf("\"%s\"", closed);
    } else {
        printf("null");
    }
    if (r->duplicate_of)
        printf(",\"duplicate_of\":%lld", (long long)r->duplicate_of);
    else
        printf(",\"duplicate_of\":null");
    printf("}");
}

/* Fetch request `id` into *info; in JSON mode also print it whole (the
 * caller has nothing more to say then). */
static int
get_info(ctl *c, int64_t id, gdpr_request_info *info)
{
    int rc = gdpr_request_info_init(info, GDPR_REQUEST_INFO_VERSION);

    if (rc == GDPR_OK)
        rc = gdpr_request_get(c->eng, id, info);
    if (rc != GDPR_OK)
        return ctl_fail("request get", rc);
    if (c->json) {
        print_info_json(info, -1);
        printf("\n");
    }
    return CTL_OK;
}

typedef struct {
    int json;
    int n;
    ctl_limit lim;
    int64_t as_of; /* request overdue: the days late are counted to it; 0: not shown */
} list_state;

/* Whole days from `due` to `as_of`, a started day counted. */
static int64_t
days_late(int64_t due, int64_t as_of)
{
    return as_of > due ? (as_of - due + 86399) / 86400 : 0;
}

static int
print_row(const gdpr_request_info *r, void *ctx)
{
    list_state *ls = ctx;
    char received[32], due[32];

    if (!ctl_limit_row(&ls->lim))
        return 0;
    if (ls->json) {
        printf("%s", ls->n ? ",\n" : "");
        print_info_json(r, ls->as_of != 0 ? days_late(r->due, ls->as_of) : -1);
        ls->n++;
        return 0;
    }
    if (ls->n == 0) {
        if (ls->as_of != 0)
            printf("%9s ", "DAYS LATE");
        printf("%6s %-13s %-11s %-20s %-20s %-16s %-9s %-10s %s\n", "ID", "TYPE", "STATUS",
               "RECEIVED", "DUE", "SUBJECT", "IDENTITY", "ESCALATED", "FLAGS");
    }
    ctl_format_time(r->received, received);
    ctl_format_time(r->due, due);
    if (ls->as_of != 0)
        printf("%9lld ", (long long)days_late(r->due, ls->as_of));
    printf("%6lld %-13s %-11s %-20s %-20s %-16.16s %-9s %-10s ", (long long)r->id,
           gdpr_request_type_name(r->type), gdpr_request_status_name(r->status), received, due,
           r->subject_hash[0] ? r->subject_hash : "(unmatched)",
           gdpr_request_verification_name(r->verification),
           r->escalated_to[0] ? r->escalated_to : "-");
    print_flags(stdout, r->flags);
    if (r->duplicate_of)
        printf(" (duplicate of %lld)", (long long)r->duplicate_of);
    printf("\n");
    ls->n++;
    return 0;
}

/* --- open ------------------------------------------------------------- */

int
ctl_cmd_request_open(ctl *c, int argc, char **argv)
{
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    gdpr_request_info info;
    char due[32];
    int64_t id = 0;
    int type = 0;
    int rc;

    if (argc < 1 || parse_word("type", argv[0], &type) != 0)
        goto usage;
    in.type = (gdpr_request_type)type;
    in.channel = "phone";
    for (int i = 1; i < argc; i++) {
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (next == NULL)
            goto usage;
        if (strcmp(argv[i], "--subject") == 0) {
            in.subject = argv[++i];
        } else if (strcmp(argv[i], "--email") == 0 || strcmp(argv[i], "--phone") == 0 ||
                   strcmp(argv[i], "--account") == 0) {
            in.id_kind = argv[i] + 2;
            in.id_value = argv[++i];
        } else if (strcmp(argv[i], "--channel") == 0) {
            in.channel = argv[++i];
        } else if (strcmp(argv[i], "--note") == 0) {
            in.note = argv[++i];
        } else if (strcmp(argv[i], "--received") == 0) {
            if (parse_when("--received", argv[++i], &in.received_at) != 0)
                return CTL_USAGE;
        } else if (strcmp(argv[i], "--flag") == 0) {
            if (flag_of(argv[++i], &in.flags) != 0)
                return CTL_USAGE;
        } else if (strcmp(argv[i], "--grace") == 0) {
            int64_t days;
            ++i;
            if (strcmp(argv[i], "none") == 0)
                in.grace_seconds = GDPR_REQUEST_GRACE_NONE;
            else if (ctl_parse_int("--grace", argv[i], 0, 3650, &days) == 0)
                in.grace_seconds = days * 86400;
            else
                return CTL_USAGE;
        } else {
            goto usage;
        }
    }
    rc = gdpr_request_open(c->eng, &c->who, &in, &id);
    if (rc != GDPR_OK)
        return ctl_fail("request open", rc);
    rc = get_info(c, id, &info);
    if (rc != CTL_OK || c->json)
        return rc;
    ctl_format_time(info.due, due);
    printf("request %lld opened: %s by %s, due %s%s\n", (long long)id,
           gdpr_request_type_name(info.type), info.channel, due,
           info.subject_hash[0] ? "" : " (identifier matches no subject yet)");
    return CTL_OK;
usage:
    fprintf(stderr,
            "usage: gdprctl request open TYPE (--subject ID | --email V | --phone V |"
            " --account V)\n       [--channel CH] [--received DATE] [--note TEXT]"
            " [--flag complaint|media|authority|special-category]\n       [--grace DAYS|none]"
            "\nTYPE: access portability erasure rectification restriction objection\n");
    return CTL_USAGE;
}

/* --- verify, extend, escalate, deny ------------------------------------ */

/* "--note TEXT" at argv[i]; returns the index after it or -1. */
static int
take_note(int argc, char **argv, int i, const char **note)
{
    if (i >= argc)
        return i;
    if (i + 1 < argc && strcmp(argv[i], "--note") == 0) {
        *note = argv[i + 1];
        return i + 2;
    }
    return -1;
}

static int
done(ctl *c, int64_t id, const char *what)
{
    gdpr_request_info info;
    char due[32];
    int rc = get_info(c, id, &info);

    if (rc != CTL_OK || c->json)
        return rc;
    ctl_format_time(info.due, due);
    printf("request %lld %s: now %s, due %s\n", (long long)id, what,
           gdpr_request_status_name(info.status), due);
    return CTL_OK;
}

/* A mutating call's outcome: its failure, or "request N <what>". */
static int
finish(ctl *c, int rc, int64_t id, const char *call, const char *what)
{
    if (rc != GDPR_OK)
        return ctl_fail(call, rc);
    return done(c, id, what);
}

int
ctl_cmd_request_verify(ctl *c, int argc, char **argv)
{
    const char *note = NULL;
    int64_t id;
    int state = 0, method = 0;
    int i = 2, rc;

    if (argc < 2 || parse_id(argv[0], &id) != 0 || parse_word("verification", argv[1], &state))
        goto usage;
    if (argc > 2 && strncmp(argv[2], "--", 2) != 0) {
        if (parse_word("method", argv[2], &method) != 0)
            goto usage;
        i = 3;
    }
    if (take_note(argc, argv, i, &note) != argc)
        goto usage;
    rc = gdpr_request_verify(c->eng, &c->who, id, (gdpr_request_verification)state,
                             (gdpr_request_method)method, note);
    return finish(c, rc, id, "request verify", "identity recorded");
usage:
    fprintf(stderr, "usage: gdprctl request verify ID pending|verified|failed [METHOD] "
                    "[--note TEXT]\nMETHOD: account_login known_contact knowledge document "
                    "in_person other\n");
    return CTL_USAGE;
}

int
ctl_cmd_request_extend(ctl *c, int argc, char **argv)
{
    int64_t id, told = 0, months;
    int rc;

    if (argc != 5 || parse_id(argv[0], &id) != 0 || strcmp(argv[3], "--told") != 0 ||
        parse_when("--told", argv[4], &told) != 0) {
        fprintf(stderr, "usage: gdprctl request extend ID MONTHS REASON --told DATE\n");
        return CTL_USAGE;
    }
    if (ctl_parse_int("MONTHS", argv[1], 1, 2, &months) != 0)
        return CTL_USAGE;
    rc = gdpr_request_extend(c->eng, &c->who, id, (int)months, argv[2], told);
    return finish(c, rc, id, "request extend", "extended");
}

int
ctl_cmd_request_escalate(ctl *c, int argc, char **argv)
{
    const char *note = NULL;
    int64_t id;
    int rc;

    if (argc < 2 || parse_id(argv[0], &id) != 0 || take_note(argc, argv, 2, &note) != argc) {
        fprintf(stderr, "usage: gdprctl request escalate ID ROLE [--note TEXT]\n");
        return CTL_USAGE;
    }
    rc = gdpr_request_escalate(c->eng, &c->who, id, argv[1], note);
    return finish(c, rc, id, "request escalate", "escalated");
}

int
ctl_cmd_request_deny(ctl *c, int argc, char **argv)
{
    const char *note = NULL;
    int64_t id, told_at = 0;
    int reason = 0, told = 0, used;
    int rc;

    if (argc < 2 || parse_id(argv[0], &id) != 0 || parse_word("denial", argv[1], &reason) != 0)
        goto usage;
    for (used = 2; used < argc;) {
        if (strcmp(argv[used], "--told-rights") == 0) {
            told = 1;
            used++;
        } else if (strcmp(argv[used], "--told-at") == 0 && used + 1 < argc) {
            if (ctl_parse_time("--told-at", argv[used + 1], &told_at) != 0)
                return CTL_USAGE;
            used += 2;
        } else if (strcmp(argv[used], "--note") == 0 && used + 1 < argc) {
            note = argv[used + 1];
            used += 2;
        } else {
            goto usage;
        }
    }
    if (told_at != 0 && !told)
        goto usage;
    rc = told ? gdpr_request_deny_v2(c->eng, &c->who, id, (gdpr_request_denial)reason, note,
                                     GDPR_TOLD_ALL, told_at)
              : gdpr_request_deny(c->eng, &c->who, id, (gdpr_request_denial)reason, note);
    if (rc == GDPR_OK && !told && !c->json)
        fprintf(stderr, "gdprctl: note: Art. 12(4) requires telling the subject of the complaint "
                        "(Art. 77) and judicial remedy (Art. 79); record it with --told-rights\n");
    return finish(c, rc, id, "request deny", "denied");
usage:
    fprintf(stderr, "usage: gdprctl request deny ID REASON [--note TEXT] [--told-rights "
                    "[--told-at DATE]]\nREASON: identity_not_verified no_match "
                    "manifestly_unfounded_or_excessive exempt other suspected_fraud "
                    "outside_jurisdiction\n");
    return CTL_USAGE;
}

int
ctl_cmd_request_expire(ctl *c, int argc, char **argv)
{
    int64_t id;
    int rc;

    if (argc != 1 || parse_id(argv[0], &id) != 0) {
        fprintf(stderr, "usage: gdprctl request expire ID\n  only past its due date, identity "
                        "unverified, after 'request verify ID pending' asked for information "
                        "(Art. 11(2), 12(2), 12(6))\n");
        return CTL_USAGE;
    }
    rc = gdpr_request_expire(c->eng, &c->who, id);
    return finish(c, rc, id, "request expire", "expired");
}

/* --- fulfil ------------------------------------------------------------ */

static int
write_file(const void *buf, size_t len, void *ctx)
{
    return fwrite(buf, 1, len, (FILE *)ctx) == len ? 0 : 1;
}

static int
fulfil_export(ctl *c, int64_t id, const char *out, int format)
{
    FILE *f;
    int rc;

    if (out == NULL) {
        fprintf(stderr, "gdprctl: an access or portability request needs --out FILE\n");
        return CTL_USAGE;
    }
    f = ctl_create(out);
    if (f == NULL) {
        fprintf(stderr, "gdprctl: %s: %s\n", out, strerror(errno));
        return CTL_FAILED;
    }
    rc = gdpr_request_fulfil_export(c->eng, &c->who, id, format, write_file, f);
    if (fclose(f) != 0 && rc == GDPR_OK) {
        fprintf(stderr, "gdprctl: %s: %s (the request is closed; write the export again)\n", out,
                strerror(errno));
        return CTL_FAILED;
    }
    if (rc != GDPR_OK) {
        remove(out);
        return ctl_fail("request fulfil", rc);
    }
    return CTL_OK;
}

int
ctl_cmd_request_fulfil(ctl *c, int argc, char **argv)
{
    gdpr_request_info info;
    const char *out = NULL, *ground = NULL, *note = NULL;
    int format = GDPR_EXPORT_JSON;
    int64_t id, erased = 0, retained = 0;
    int rc;

    if (argc < 1 || parse_id(argv[0], &id) != 0)
        goto usage;
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 >= argc)
            goto usage;
        if (strcmp(argv[i], "--out") == 0)
            out = argv[i + 1];
        else if (strcmp(argv[i], "--ground") == 0)
            ground = argv[i + 1];
        else if (strcmp(argv[i], "--note") == 0)
            note = argv[i + 1];
        else if (strcmp(argv[i], "--format") == 0 && strcmp(argv[i + 1], "json") == 0)
            format = GDPR_EXPORT_JSON;
        else if (strcmp(argv[i], "--format") == 0 && strcmp(argv[i + 1], "csv") == 0)
            format = GDPR_EXPORT_CSV;
        else
            goto usage;
    }
    rc = gdpr_request_info_init(&info, GDPR_REQUEST_INFO_VERSION);
    if (rc == GDPR_OK)
        rc = gdpr_request_get(c->eng, id, &info);
    if (rc != GDPR_OK)
        return ctl_fail("request get", rc);
    switch (info.type) {
    case GDPR_REQUEST_ACCESS:
    case GDPR_REQUEST_PORTABILITY:
        rc = fulfil_export(c, id, out, format);
        if (rc != CTL_OK)
            return rc;
        break;
    case GDPR_REQUEST_RESTRICTION:
    case GDPR_REQUEST_OBJECTION:
        rc = gdpr_request_fulfil_limit(c->eng, &c->who, id);
        if (rc != GDPR_OK)
            return ctl_fail("request fulfil", rc);
        break;
    case GDPR_REQUEST_ERASURE:
        rc = gdpr_request_fulfil_erasure(c->eng, &c->who, id, ground ? ground : "art17", &erased,
                                         &retained);
        if (rc != GDPR_OK)
            return ctl_fail("request fulfil", rc);
        break;
    case GDPR_REQUEST_RECTIFICATION:
    case GDPR_REQUEST_HUMAN_INTERVENTION:
        /* The corrections were made with `gdprctl vault rectify`, or a
         * person reviewed the automated decision (Art. 22(3): --note says
         * the outcome); this closes it. */
        rc = gdpr_request_fulfil(c->eng, &c->who, id, note);
        if (rc != GDPR_OK)
            return ctl_fail("request fulfil", rc);
        break;
    }
    return done(c, id, "fulfilled");
usage:
    fprintf(stderr,
            "usage: gdprctl request fulfil ID [--out FILE] [--format json|csv] "
            "[--ground GROUND] [--note TEXT]\n  access, portability: the export goes to"
            " --out; restriction, objection: the subject's flag is set;\n  erasure: the "
            "subject is erased on --ground; rectification: closes it after 'vault "
            "rectify';\n  human_intervention: closes it with the outcome of the human review in "
            "--note (Art. 22(3))\n");
    return CTL_USAGE;
}

/* --- lists ------------------------------------------------------------- */

static int
finish_list(ctl *c, list_state *ls, int rc, const char *what)
{
    if (c->json && !ls->lim.count_only)
        printf("]\n");
    else if (rc == GDPR_OK && ls->lim.matched == 0 && !ls->lim.count_only)
        printf("no requests\n");
    if (rc != GDPR_OK)
        return ctl_fail(what, rc);
    ctl_limit_end(c, &ls->lim, "request", "requests");
    return CTL_OK;
}

/* A listing's state, and its --limit/--count flags taken out of argv:
 * the arguments left, or -1 on a usage error. */
static int
list_begin(ctl *c, list_state *ls, int argc, char **argv)
{
    memset(ls, 0, sizeof *ls);
    ls->json = c->json;
    return ctl_limit_take(&ls->lim, argc, argv);
}

int
ctl_cmd_request_list(ctl *c, int argc, char **argv)
{
    list_state ls;
    const char *subject = NULL;
    int status = 0;
    int rc;

    argc = list_begin(c, &ls, argc, argv);
    if (argc < 0)
        return CTL_USAGE;
    for (int i = 0; i < argc; i += 2) {
        if (i + 1 < argc && strcmp(argv[i], "--subject") == 0) {
            subject = argv[i + 1];
        } else if (i + 1 < argc && strcmp(argv[i], "--status") == 0) {
            if (parse_word("status", argv[i + 1], &status) != 0)
                return CTL_USAGE;
        } else {
            fprintf(stderr, "usage: gdprctl request list [--subject ID] [--status STATUS] "
                            "[--limit N] [--count]\n");
            return CTL_USAGE;
        }
    }
    if (c->json && !ls.lim.count_only)
        printf("[");
    rc = gdpr_request_list(c->eng, subject, (gdpr_request_status)status, print_row, &ls);
    return finish_list(c, &ls, rc, "request list");
}

int
ctl_cmd_request_overdue(ctl *c, int argc, char **argv)
{
    list_state ls;
    int64_t as_of = GDPR_NOW, soon = 0;
    int rc;

    argc = list_begin(c, &ls, argc, argv);
    if (argc < 0)
        return CTL_USAGE;
    for (int i = 0; i < argc; i += 2) {
        if (i + 1 < argc && strcmp(argv[i], "--as-of") == 0) {
            if (parse_when("--as-of", argv[i + 1], &as_of) != 0)
                return CTL_USAGE;
        } else if (i + 1 < argc && strcmp(argv[i], "--soon") == 0) {
            if (ctl_parse_int("--soon", argv[i + 1], 1, 3650, &soon) != 0)
                return CTL_USAGE;
        } else {
            fprintf(stderr, "usage: gdprctl request overdue [--as-of DATE] [--soon DAYS] "
                            "[--limit N] [--count]\n"
                            "  --soon: the open requests falling due within DAYS instead\n");
            return CTL_USAGE;
        }
    }
    rc = as_of == GDPR_NOW ? gdpr_now(c->eng, &as_of) : GDPR_OK;
    if (rc != GDPR_OK)
        return ctl_fail("request overdue", rc);
    if (!soon)
        ls.as_of = as_of;
    if (c->json && !ls.lim.count_only)
        printf("[");
    rc = soon ? gdpr_request_due_soon(c->eng, as_of, soon * 86400, print_row, &ls)
              : gdpr_request_overdue(c->eng, as_of, print_row, &ls);
    return finish_list(c, &ls, rc, soon ? "request due soon" : "request overdue");
}

/* --- KPIs -------------------------------------------------------------- */

static void
print_rate(const char *label, double v, const char *unit)
{
    if (v < 0)
        printf("  %-28s -\n", label);
    else if (strcmp(unit, "%") == 0)
        printf("  %-28s %.1f %%\n", label, v * 100);
    else
        printf("  %-28s %.1f %s\n", label, v, unit);
}

static void
print_kpis(const gdpr_request_kpi_report *k)
{
    char from[32], to[32];

    ctl_format_time(k->from, from);
    ctl_format_time(k->to, to);
    printf("requests received %s .. %s: %lld\n\n", from, to, (long long)k->total);
    printf("%-18s", "TYPE");
    for (int s = 1; s <= GDPR_REQUEST_STATUS_MAX; s++)
        printf(" %11s", gdpr_request_status_name(s));
    printf(" %11s\n", "total");
    for (int t = 1; t <= GDPR_REQUEST_TYPE_ALL_MAX; t++) {
        printf("%-18s", gdpr_request_type_name(t));
        for (int s = 1; s <= GDPR_REQUEST_STATUS_MAX; s++)
            printf(" %11lld", (long long)k->by_type_status_all[t][s]);
        printf(" %11lld\n", (long long)k->by_type_all[t]);
    }
    printf("%-18s", "total");
    for (int s = 1; s <= GDPR_REQUEST_STATUS_MAX; s++)
        printf(" %11lld", (long long)k->by_status[s]);
    printf(" %11lld\n\n", (long long)k->total);
    printf("  %-28s %lld (on time %lld, late %lld incl. %lld open and overdue)\n", "decided",
           (long long)k->decided, (long long)k->on_time, (long long)k->late, (long long)k->overdue);
    print_rate("on-time rate", k->on_time_rate, "%");
    print_rate("median days to close", k->median_days, "days");
    print_rate("90th percentile days", k->p90_days, "days");
    printf("  %-28s %lld\n", "extensions used", (long long)k->extended);
    printf("  %-28s %lld requests, %lld escalations\n", "escalated", (long long)k->escalated,
           (long long)k->escalations);
    printf("  %-28s %lld\n", "high-risk", (long long)k->high_risk);
    printf("  %-28s %lld (linked to an open request; not in the counts above)\n", "duplicates",
           (long long)k->duplicates);
    for (int d = 1; d <= GDPR_DENIAL_MAX; d++)
        if (k->denied_by_reason[d])
            printf("  denied: %-20s %lld\n", gdpr_request_denial_name(d),
                   (long long)k->denied_by_reason[d]);
}

int
ctl_cmd_request_kpis(ctl *c, int argc, char **argv)
{
    gdpr_request_kpi_report k;
    int64_t from = 1527206400, to = now_of(c) + 1; /* 2018-05-25: all requests */
    char *json = NULL;
    int rc;

    for (int i = 0; i < argc; i += 2) {
        if (i + 1 < argc && strcmp(argv[i], "--from") == 0) {
            if (parse_when("--from", argv[i + 1], &from) != 0)
                return CTL_USAGE;
        } else if (i + 1 < argc && strcmp(argv[i], "--to") == 0) {
            if (parse_when("--to", argv[i + 1], &to) != 0)
                return CTL_USAGE;
        } else {
            fprintf(stderr, "usage: gdprctl request kpis [--from DATE] [--to DATE]\n"
                            "  requests received in [from, to); --json for the JSON form\n");
            return CTL_USAGE;
        }
    }
    if (c->json) {
        rc = gdpr_request_kpis_json(c->eng, from, to, &json);
        if (rc != GDPR_OK)
            return ctl_fail("request kpis", rc);
        printf("%s\n", json);
        gdpr_free(json);
        return CTL_OK;
    }
    rc = gdpr_request_kpi_report_init(&k, GDPR_REQUEST_KPI_REPORT_VERSION);
    if (rc == GDPR_OK)
        rc = gdpr_request_kpis(c->eng, from, to, &k);
    if (rc != GDPR_OK)
        return ctl_fail("request kpis", rc);
    print_kpis(&k);
    return CTL_OK;
}
