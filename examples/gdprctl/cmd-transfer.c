/*
 * gdprctl transfer check|record|log|count, adequacy list|load|reset,
 * safeguard add|revoke|list.
 * A refused transfer exits with CTL_FAILED (1, "no"), so a script can stop
 * the export it was about to run.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gdprctl.h"

#define MAX_CATEGORIES 32

static int64_t
now_of(const ctl *c)
{
    return c->now != 0 ? c->now : (int64_t)time(NULL);
}

/* A date-only "until" means the whole of that day. */
static int
parse_until(const char *s, int64_t *out)
{
    return ctl_parse_time("--until", s, out);
}

static void
print_day(int64_t t)
{
    char buf[32];

    ctl_format_time(t, buf);
    buf[10] = '\0';
    fputs(buf, stdout);
}

/* --- transfer check | record ------------------------------------------------ */

static int
usage_transfer(const char *verb)
{
    fprintf(stderr,
            "usage: gdprctl transfer %s SUBJECT RECIPIENT [--at DATE] [--purpose ID]\n"
            "       [--category ID]... [--repeated]\n"
            "  exit 0: allowed; 3: refused (the reason says what would allow it)\n",
            verb);
    return CTL_USAGE;
}

static int
parse_request(ctl *c, int argc, char **argv, const char *verb, gdpr_transfer_request *req,
              const char **cats)
{
    if (argc < 2)
        return usage_transfer(verb);
    req->subject = argv[0];
    req->recipient = argv[1];
    req->at = now_of(c);
    req->categories = cats;
    for (int i = 2; i < argc; i++) {
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--at") == 0 && next) {
            if (ctl_parse_time("--at", next, &req->at) != 0) {
                return CTL_USAGE;
            }
            i++;
        } else if (strcmp(argv[i], "--purpose") == 0 && next) {
            req->purpose = argv[++i];
        } else if (strcmp(argv[i], "--repeated") == 0) {
            req->flags |= GDPR_TRANSFER_REPEATED; /* a feed or sync: no Art. 49 derogation */
        } else if (strcmp(argv[i], "--category") == 0 && next &&
                   req->n_categories < MAX_CATEGORIES) {
            cats[req->n_categories++] = argv[++i];
        } else {
            return usage_transfer(verb);
        }
    }
    return CTL_OK;
}

static void
print_result(const ctl *c, const gdpr_transfer_request *req, const gdpr_transfer_result *res)
{
    if (c->json) {
        printf("{\"allowed\":%s,\"mechanism\":\"%s\",\"country\":", res->allowed ? "true" : "false",
               gdpr_transfer_mechanism_name(res->mechanism));
        ctl_json_string(stdout, res->country);
        printf(",\"article\":");
        ctl_json_string(stdout, res->article);
        printf(",\"reference\":");
        ctl_json_string(stdout, res->reference);
        printf(",\"reason\":");
        ctl_json_string(stdout, res->reason);
        printf(",\"special\":%s", res->special ? "true" : "false");
        if (res->event)
            printf(",\"event\":%lld", (long long)res->event);
        printf("}\n");
        return;
    }
    printf("%s: %s to %s (%s) on ", res->allowed ? "ALLOWED" : "REFUSED", req->recipient,
           res->country, gdpr_transfer_mechanism_name(res->mechanism));
    print_day(req->at);
    printf("\n  %s\n", res->reason);
    if (res->article[0] || res->reference[0])
        printf("  ground: %s%s%s\n", res->article, res->article[0] ? " " : "", res->reference);
    if (res->event)
        printf("  logged as transfer %lld\n", (long long)res->event);
}

static int
transfer_run(ctl *c, int argc, char **argv, int record)
{
    gdpr_transfer_request req = GDPR_TRANSFER_REQUEST_INIT;
    gdpr_transfer_result res = GDPR_TRANSFER_RESULT_INIT;
    const char *cats[MAX_CATEGORIES];
    int rc = parse_request(c, argc, argv, record ? "record" : "check", &req, cats);

    if (rc != CTL_OK)
        return rc;
    rc = record ? gdpr_transfer_record(c->eng, &c->who, &req, &res)
                : gdpr_transfer_check_v2(c->eng, &c->who, &req, &res);
    if (rc != GDPR_OK)
        return ctl_fail(record ? "transfer record" : "transfer check", rc);
    print_result(c, &req, &res);
    return res.allowed ? CTL_OK : CTL_FAILED;
}

int
ctl_cmd_transfer_check(ctl *c, int argc, char **argv)
{
    return transfer_run(c, argc, argv, 0);
}

int
ctl_cmd_transfer_record(ctl *c, int argc, char **argv)
{
    return transfer_run(c, argc, argv, 1);
}

/* --- transfer log ----------------------------------------------------------- */

typedef struct {
    const ctl *c;
    long n;
} walk;

static int
print_entry(const gdpr_transfer_entry *e, void *ctx)
{
    walk *w = ctx;

    if (w->c->json) {
        printf("%s{\"id\":%lld,\"at\":%lld,\"subject_hash\":\"%s\",\"recipient\":", w->n ? "," : "",
               (long long)e->id, (long long)e->at, e->subject_hash);
        ctl_json_string(stdout, e->recipient);
        printf(",\"country\":");
        ctl_json_string(stdout, e->country);
        printf(",\"mechanism\":\"%s\",\"allowed\":%s,\"reference\":",
               gdpr_transfer_mechanism_name(e->mechanism), e->allowed ? "true" : "false");
        ctl_json_string(stdout, e->reference);
        printf(",\"reason\":");
        ctl_json_string(stdout, e->reason);
        printf("}");
    } else {
        printf("%6lld  ", (long long)e->id);
        print_day(e->at);
        printf("  %.12s  %-8s %-20s %-7s %s\n        %s\n", e->subject_hash,
               e->allowed ? "allowed" : "REFUSED", e->recipient, e->country,
               gdpr_transfer_mechanism_name(e->mechanism), e->reason);
    }
    w->n++;
    return 0;
}

int
ctl_cmd_transfer_log(ctl *c, int argc, char **argv)
{
    walk w = {c, 0};
    int rc;

    if (argc > 1) {
        fprintf(stderr, "usage: gdprctl transfer log [SUBJECT]\n");
        return CTL_USAGE;
    }
    if (c->json)
        printf("[");
    rc = gdpr_transfer_log(c->eng, argc == 1 ? argv[0] : NULL, print_entry, &w);
    if (c->json)
        printf("]\n");
    if (rc != GDPR_OK)
        return ctl_fail("transfer log", rc);
    if (!c->json)
        printf("%ld logged decision%s\n", w.n, w.n == 1 ? "" : "s");
    return CTL_OK;
}

/* --- transfer count ---------------------------------------------------------- */

/* How much of a recipient's Art. 49 bound (occasional_limit) the log uses
 * in the period up to --at. */
int
ctl_cmd_transfer_count(ctl *c, int argc, char **argv)
{
    gdpr_transfer_count_info n = GDPR_TRANSFER_COUNT_INIT;
    int64_t at = now_of(c);
    int rc;

    if (argc == 3 && strcmp(argv[1], "--at") == 0) {
        if (ctl_parse_time("--at", argv[2], &at) != 0)
            return CTL_USAGE;
    } else if (argc != 1) {
        fprintf(stderr, "usage: gdprctl transfer count RECIPIENT [--at DATE]\n");
        return CTL_USAGE;
    }
    rc = gdpr_transfer_count(c->eng, argv[0], at, &n);
    if (rc != GDPR_OK)
        return ctl_fail("transfer count", rc);
    if (c->json) {
        printf("{\"recipient\":");
        ctl_json_string(stdout, argv[0]);
        printf(",\"bounded\":%s,\"max_transfers\":%lld,\"max_subjects\":%lld,\"per\":",
               n.bounded ? "true" : "false", (long long)n.max_transfers, (long long)n.max_subjects);
        ctl_json_string(stdout, n.per);
        printf(",\"window_after\":%lld,\"window_until\":%lld,\"transfers\":%lld,"
               "\"subjects\":%lld}\n",
               (long long)n.window_after, (long long)n.window_until, (long long)n.transfers,
               (long long)n.subjects);
        return CTL_OK;
    }
    if (!n.bounded) {
        printf("%s: no occasional_limit in the policy: no Art. 49 derogation is allowed\n",
               argv[0]);
        return CTL_OK;
    }
    printf("%s: %lld Art. 49 transfer%s to %lld subject%s in the %s up to ", argv[0],
           (long long)n.transfers, n.transfers == 1 ? "" : "s", (long long)n.subjects,
           n.subjects == 1 ? "" : "s", n.per);
    print_day(at);
    printf("\n  bound: ");
    if (n.max_transfers)
        printf("%lld transfers", (long long)n.max_transfers);
    if (n.max_transfers && n.max_subjects)
        printf(", ");
    if (n.max_subjects)
        printf("%lld subjects", (long long)n.max_subjects);
    printf(" per %s\n", n.per);
    return CTL_OK;
}

/* --- adequacy list | load | reset ------------------------------------------- */

static int
print_adequacy(const gdpr_adequacy_entry *e, void *ctx)
{
    walk *w = ctx;

    if (w->c->json) {
        printf("%s{\"id\":", w->n ? "," : "");
        ctl_json_string(stdout, e->id);
        printf(",\"code\":");
        ctl_json_string(stdout, e->code);
        printf(",\"name\":");
        ctl_json_string(stdout, e->name);
        printf(",\"mechanism\":\"%s\",\"scope\":\"%s\",\"reference\":",
               gdpr_transfer_mechanism_name(e->mechanism), e->scope);
        ctl_json_string(stdout, e->reference);
        if (e->framework) {
            printf(",\"framework\":");
            ctl_json_string(stdout, e->framework);
        }
        if (e->mechanism == GDPR_TRANSFER_ADEQUACY) {
            printf(",\"in_force_from\":\"");
            print_day(e->in_force_from);
            printf("\"");
            if (e->in_force_until) {
                printf(",\"in_force_until\":\"");
                print_day(e->in_force_until);
                printf("\"");
            }
        }
        if (e->source) {
            printf(",\"source\":");
            ctl_json_string(stdout, e->source);
        }
        printf("}");
    } else if (e->mechanism == GDPR_TRANSFER_EEA) {
        printf("  %-8s %-28s EEA (%s)\n", e->code, e->name, e->reference);
    } else {
        printf("  %-8s %-28s %-18s ", e->code, e->name, e->id);
        print_day(e->in_force_from);
        printf(" .. ");
        if (e->in_force_until)
            print_day(e->in_force_until);
        else
            printf("          ");
        printf("  %s%s%s\n           %s\n", e->scope, e->framework ? ": " : "",
               e->framework ? e->framework : "", e->reference);
    }
    w->n++;
    return 0;
}

int
ctl_cmd_adequacy_list(ctl *c, int argc, char **argv)
{
    int64_t as_of = GDPR_ADEQUACY_ALL;
    int64_t version = 0;
    char updated[11];
    walk w = {c, 0};
    int rc;

    if (argc == 2 && strcmp(argv[0], "--as-of") == 0) {
        if (ctl_parse_time("--as-of", argv[1], &as_of) != 0) {
            return CTL_USAGE;
        }
    } else if (argc != 0) {
        fprintf(stderr, "usage: gdprctl adequacy list [--as-of DATE]\n");
        return CTL_USAGE;
    }
    rc = gdpr_adequacy_version(c->eng, updated, &version);
    if (rc != GDPR_OK)
        return ctl_fail("adequacy list", rc);
    if (c->json)
        printf("{\"updated\":\"%s\",\"version\":%lld,\"entries\":[", updated, (long long)version);
    else if (version == 0)
        printf("adequacy list shipped with libgdpr, updated %s\n", updated);
    else
        printf("adequacy list v%lld (loaded from a file), updated %s\n", (long long)version,
               updated);
    if (!c->json && as_of != GDPR_ADEQUACY_ALL) {
        printf("in force on ");
        print_day(as_of);
        printf(":\n");
    }
    rc = gdpr_adequacy_foreach(c->eng, as_of, print_adequacy, &w);
    if (c->json)
        printf("]}\n");
    if (rc != GDPR_OK)
        return ctl_fail("adequacy list", rc);
    return CTL_OK;
}

int
ctl_cmd_adequacy_load(ctl *c, int argc, char **argv)
{
    int64_t version = 0;
    char updated[11];
    int rc;

    if (argc != 1) {
        fprintf(stderr, "usage: gdprctl adequacy load FILE\n");
        return CTL_USAGE;
    }
    rc = gdpr_adequacy_load(c->eng, &c->who, argv[0]);
    if (rc == GDPR_OK)
        rc = gdpr_adequacy_version(c->eng, updated, &version);
    if (rc != GDPR_OK)
        return ctl_fail(argv[0], rc);
    if (c->json)
        printf("{\"version\":%lld,\"updated\":\"%s\"}\n", (long long)version, updated);
    else
        printf("adequacy list v%lld in force (updated %s)\n", (long long)version, updated);
    return CTL_OK;
}

int
ctl_cmd_adequacy_reset(ctl *c, int argc, char **argv)
{
    int rc;

    (void)argv;
    if (argc != 0) {
        fprintf(stderr, "usage: gdprctl adequacy reset\n");
        return CTL_USAGE;
    }
    rc = gdpr_adequacy_reset(c->eng, &c->who);
    if (rc != GDPR_OK)
        return ctl_fail("adequacy reset", rc);
    if (c->json)
        printf("{\"version\":0}\n");
    else
        printf("the adequacy list shipped with libgdpr is in force again\n");
    return CTL_OK;
}

/* --- safeguard add | revoke | list ----------------------------------------- */

static int
usage_safeguard_add(void)
{
    fprintf(stderr, "usage: gdprctl safeguard add RECIPIENT TYPE REFERENCE --from DATE\n"
                    "       [--until DATE] [--module N]\n"
                    "  TYPE: scc, authority_scc, bcr, public_instrument, code_of_conduct,\n"
                    "        certification, adhoc\n");
    return CTL_USAGE;
}

int
ctl_cmd_safeguard_add(ctl *c, int argc, char **argv)
{
    gdpr_safeguard sg = GDPR_SAFEGUARD_INIT;
    int64_t id = 0;
    int have_from = 0;
    int rc;

    if (argc < 3)
        return usage_safeguard_add();
    sg.recipient = argv[0];
    sg.type = gdpr_transfer_mechanism_from_name(argv[1]);
    sg.reference = argv[2];
    if (sg.type < 0) {
        fprintf(stderr, "gdprctl: '%s' is not a safeguard type\n", argv[1]);
        return usage_safeguard_add();
    }
    for (int i = 3; i < argc; i++) {
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--from") == 0 && next) {
            if (ctl_parse_time("--from", next, &sg.valid_from) != 0)
                return usage_safeguard_add();
            have_from = 1;
            i++;
        } else if (strcmp(argv[i], "--until") == 0 && next) {
            if (parse_until(next, &sg.valid_until) != 0)
                return usage_safeguard_add();
            i++;
        } else if (strcmp(argv[i], "--module") == 0 && next) {
            int64_t module;
            if (ctl_parse_int("--module", next, 1, 4, &module) != 0)
                return CTL_USAGE;
            sg.module = (int)module;
            i++;
        } else {
            return usage_safeguard_add();
        }
    }
    if (!have_from)
        return usage_safeguard_add();
    rc = gdpr_safeguard_add(c->eng, &c->who, &sg, &id);
    if (rc != GDPR_OK)
        return ctl_fail("safeguard add", rc);
    if (c->json)
        printf("{\"id\":%lld}\n", (long long)id);
    else
        printf("safeguard %lld: %s for %s\n", (long long)id, argv[1], sg.recipient);
    return CTL_OK;
}

int
ctl_cmd_safeguard_revoke(ctl *c, int argc, char **argv)
{
    char *end = NULL;
    long long id;
    int rc;

    if (argc != 1 || (id = strtoll(argv[0], &end, 10)) <= 0 || *end != '\0') {
        fprintf(stderr, "usage: gdprctl safeguard revoke ID\n");
        return CTL_USAGE;
    }
    rc = gdpr_safeguard_revoke(c->eng, &c->who, (int64_t)id);
    if (rc != GDPR_OK)
        return ctl_fail("safeguard revoke", rc);
    if (c->json)
        printf("{\"id\":%lld,\"revoked\":true}\n", id);
    else
        printf("safeguard %lld revoked from now on\n", id);
    return CTL_OK;
}

static int
print_safeguard(const gdpr_safeguard_info *sg, void *ctx)
{
    walk *w = ctx;

    if (w->c->json) {
        printf("%s{\"id\":%lld,\"recipient\":", w->n ? "," : "", (long long)sg->id);
        ctl_json_string(stdout, sg->recipient);
        printf(",\"type\":\"%s\",\"module\":%d,\"reference\":",
               gdpr_transfer_mechanism_name(sg->type), sg->module);
        ctl_json_string(stdout, sg->reference);
        printf(",\"valid_from\":%lld,\"valid_until\":%lld,\"revoked_at\":%lld}",
               (long long)sg->valid_from, (long long)sg->valid_until, (long long)sg->revoked_at);
    } else {
        char id[24] = "policy";
        if (sg->id)
            snprintf(id, sizeof id, "%lld", (long long)sg->id);
        printf("  %-8s %-20s %-16s ", id, sg->recipient, gdpr_transfer_mechanism_name(sg->type));
        print_day(sg->valid_from);
        printf(" .. ");
        if (sg->valid_until)
            print_day(sg->valid_until);
        else
            printf("          ");
        if (sg->revoked_at) {
            printf("  revoked ");
            print_day(sg->revoked_at);
        }
        printf("\n           %s\n", sg->reference);
    }
    w->n++;
    return 0;
}

int
ctl_cmd_safeguard_list(ctl *c, int argc, char **argv)
{
    walk w = {c, 0};
    int rc;

    if (argc > 1) {
        fprintf(stderr, "usage: gdprctl safeguard list [RECIPIENT]\n");
        return CTL_USAGE;
    }
    if (c->json)
        printf("[");
    rc = gdpr_safeguard_foreach(c->eng, argc == 1 ? argv[0] : NULL, print_safeguard, &w);
    if (c->json)
        printf("]\n");
    if (rc != GDPR_OK)
        return ctl_fail("safeguard list", rc);
    return CTL_OK;
}
