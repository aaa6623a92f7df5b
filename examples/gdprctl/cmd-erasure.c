/*
 * gdprctl erase (a subject, a record, replay, pending, lookup, export,
 * due), hold place|release|list, wipe.
 * SPDX-License-Identifier: MIT
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdprctl.h"

static int
parse_id(const char *what, const char *s, int64_t *out)
{
    char *end = NULL;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v <= 0) {
        fprintf(stderr, "gdprctl: %s must be a positive number, not '%s'\n", what, s);
        return -1;
    }
    *out = (int64_t)v;
    return 0;
}

static void
print_report(const ctl *c, const char *what, const gdpr_erase_report *r, int rc)
{
    if (c->json) {
        printf("{\"erased\":%lld,\"retained\":%lld,\"sources_failed\":%d,\"checkpoint\":\"%s\"}\n",
               (long long)r->erased, (long long)r->retained, r->sources_failed,
               rc == GDPR_EBUSY ? "busy" : "done");
        return;
    }
    printf("%s: %lld erased, %lld kept", what, (long long)r->erased, (long long)r->retained);
    if (r->sources_failed > 0)
        printf(", %d host source%s still to erase (gdprctl erase pending)", r->sources_failed,
               r->sources_failed == 1 ? "" : "s");
    printf("\n");
    if (rc == GDPR_EBUSY)
        printf("warning: the WAL checkpoint was kept busy by a reader; run "
               "'gdprctl erase pending --retry' when it has finished\n  %s\n",
               gdpr_errmsg());
}

/* The records a subject tombstone kept, with the Art. 17(3) ground. */
typedef struct {
    const ctl *c;
    int n;
} kept_out;

static int
print_kept(const gdpr_tombstone_kept *k, void *ctx)
{
    kept_out *o = ctx;
    char until[32];

    ctl_format_time(k->until, until);
    if (o->c->json) {
        printf("%s{\"record\":%lld,\"category\":", o->n ? "," : "", (long long)k->record);
        ctl_json_string(stdout, k->category);
        printf(",\"purpose\":");
        ctl_json_string(stdout, k->purpose);
        printf(",\"reason\":");
        ctl_json_string(stdout, k->reason);
        printf(",\"rule\":");
        ctl_json_string(stdout, k->rule);
        printf(",\"exemption\":\"%s\",\"article\":\"%s\",\"until\":\"%s\",\"still_kept\":%s}",
               gdpr_exemption_name((int)k->exemption), gdpr_exemption_article((int)k->exemption),
               until, k->erased_at == 0 ? "true" : "false");
    } else {
        printf("  kept record %lld (%s, %s) under %s %s (%s) until %.10s%s\n", (long long)k->record,
               k->category, k->purpose, gdpr_exemption_article((int)k->exemption),
               gdpr_exemption_name((int)k->exemption), k->rule, until,
               k->erased_at == 0 ? "" : "; erased since");
    }
    o->n++;
    return 0;
}

static void
print_tombstone(const ctl *c, const gdpr_tombstone *t)
{
    kept_out ko = {c, 0};

    char at[32], until[32] = "";

    ctl_format_time(t->at, at);
    if (t->kept_until > 0)
        ctl_format_time(t->kept_until, until);
    if (c->json) {
        printf("{\"id\":%lld,\"kind\":\"%s\",\"subject_hash\":\"%s\",\"at\":\"%s\",\"ground\":",
               (long long)t->id, t->kind == GDPR_TOMBSTONE_SUBJECT ? "subject" : "records",
               t->subject_hash, at);
        ctl_json_string(stdout, t->ground);
        printf(",\"actor\":");
        ctl_json_string(stdout, t->actor);
        printf(",\"erased\":%lld,\"retained\":%lld,\"kept_now\":%lld,\"kept_until\":",
               (long long)t->erased, (long long)t->retained, (long long)t->kept_now);
        if (t->kept_until > 0)
            printf("\"%s\"", until);
        else
            printf("null");
        printf(",\"complete\":%s,\"wiped\":%s,\"sources_failed\":%d,\"recipients\":%d,"
               "\"answer\":",
               t->complete ? "true" : "false", t->wiped ? "true" : "false", t->sources_failed,
               t->recipients);
        ctl_json_string(stdout, t->answer);
        printf(",\"kept\":[");
        if (t->kind == GDPR_TOMBSTONE_SUBJECT)
            (void)gdpr_tombstone_kept_foreach(c->eng, t->id, print_kept, &ko);
        printf("]}\n");
        return;
    }
    printf("tombstone %lld: %s\n", (long long)t->id, t->answer);
    printf("  by %s at %s; %s%s\n", t->actor, at,
           t->complete ? "nothing of the subject is left" : "records are kept",
           t->wiped ? "" : "; checkpoint pending");
    if (t->kind == GDPR_TOMBSTONE_SUBJECT && t->retained > 0 &&
        gdpr_tombstone_kept_foreach(c->eng, t->id, print_kept, &ko) != GDPR_OK)
        fprintf(stderr, "gdprctl: kept records: %s\n", gdpr_errmsg());
}

static int
print_recipient(const gdpr_erase_recipient *r, void *ctx)
{
    const ctl *c = ctx;
    char last[32];

    ctl_format_time(r->last_at, last);
    if (c->json) {
        printf("{\"recipient\":");
        ctl_json_string(stdout, r->recipient);
        printf(",\"name\":");
        ctl_json_string(stdout, r->name);
        printf(",\"disclosures\":%lld,\"last_at\":\"%s\"}\n", (long long)r->disclosures, last);
    } else {
        printf("  notify (Art. 19): %s%s%s%s, %lld disclosure%s, last %s\n", r->recipient,
               r->name[0] ? " (" : "", r->name, r->name[0] ? ")" : "", (long long)r->disclosures,
               r->disclosures == 1 ? "" : "s", last);
    }
    return 0;
}

static void
show_outcome(ctl *c, const char *subject)
{
    gdpr_tombstone t;

    memset(&t, 0, sizeof t);
    t.version = GDPR_TOMBSTONE_VERSION;
    if (gdpr_tombstone_lookup(c->eng, subject, &t) != GDPR_OK)
        return;
    print_tombstone(c, &t);
    if (gdpr_erase_recipients_foreach(c->eng, t.id, print_recipient, c) != GDPR_OK)
        fprintf(stderr, "gdprctl: recipients: %s\n", gdpr_errmsg());
}

/* Take --dry-run and --yes out of argv (any position); returns the new argc. */
static int
erase_flags(ctl *c, int argc, char **argv, int *dry_run)
{
    int n = 0;

    *dry_run = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--dry-run") == 0)
            *dry_run = 1;
        else if (strcmp(argv[i], "--yes") == 0)
            c->yes = 1;
        else
            argv[n++] = argv[i];
    }
    return n;
}

/* The dry run: gdpr_erase_plan() says what each vault record would meet. */
typedef struct {
    ctl *c;
    const char *subject, *ground;
    int started; /* --json: the document's head is printed */
    int64_t erase, keep;
    char *keeps; /* "; would keep record R (...)" pieces, text output */
    size_t len, cap;
} plan_out;

static int
plan_append(plan_out *o, const char *piece)
{
    size_t n = strlen(piece);

    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? 2 * o->cap : 256;
        char *grown;
        while (cap < o->len + n + 1)
            cap *= 2;
        grown = realloc(o->keeps, cap);
        if (grown == NULL)
            return 1;
        o->keeps = grown;
        o->cap = cap;
    }
    memcpy(o->keeps + o->len, piece, n + 1);
    o->len += n;
    return 0;
}

static void
plan_json_head(plan_out *o)
{
    if (o->started)
        return;
    o->started = 1;
    printf("{\"dry_run\":true,\"subject\":");
    ctl_json_string(stdout, o->subject);
    printf(",\"ground\":");
    ctl_json_string(stdout, o->ground);
    printf(",\"records\":[");
}

static int
plan_item(const gdpr_erase_plan_item *it, void *ctx)
{
    plan_out *o = ctx;
    char until[32], piece[GDPR_NAME_MAX + 128];

    if (it->action == GDPR_ERASE_PLAN_ERASE)
        o->erase++;
    else
        o->keep++;
    ctl_format_time(it->until, until);
    if (o->c->json) {
        plan_json_head(o);
        printf("%s{\"record\":%lld,\"category\":", o->erase + o->keep > 1 ? "," : "",
               (long long)it->record);
        ctl_json_string(stdout, it->category);
        printf(",\"purpose\":");
        ctl_json_string(stdout, it->purpose);
        if (it->action == GDPR_ERASE_PLAN_ERASE) {
            printf(",\"action\":\"erase\"}");
        } else if (it->reason == GDPR_ERASE_KEEP_HOLD) {
            printf(",\"action\":\"keep\",\"reason\":\"hold\",\"hold\":%lld,\"until\":\"%s\","
                   "\"exemption\":\"%s\",\"article\":\"%s\"}",
                   (long long)it->hold, until, gdpr_exemption_name((int)it->exemption),
                   gdpr_exemption_article((int)it->exemption));
        } else {
            printf(",\"action\":\"keep\",\"reason\":\"legal_duty\",\"rule\":");
            ctl_json_string(stdout, it->rule);
            printf(",\"until\":\"%s\",\"exemption\":\"%s\",\"article\":\"%s\"}", until,
                   gdpr_exemption_name((int)it->exemption),
                   gdpr_exemption_article((int)it->exemption));
        }
        return 0;
    }
    if (it->action == GDPR_ERASE_PLAN_ERASE)
        return 0;
    until[10] = '\0'; /* the date in the policy's zone */
    if (it->reason == GDPR_ERASE_KEEP_HOLD)
        snprintf(piece, sizeof piece, "; would keep record %lld (legal hold %lld until %s, %s %s)",
                 (long long)it->record, (long long)it->hold, until,
                 gdpr_exemption_article((int)it->exemption),
                 gdpr_exemption_name((int)it->exemption));
    else
        snprintf(piece, sizeof piece,
                 "; would keep record %lld (legal duty, rule %s, until %s, %s %s)",
                 (long long)it->record, it->rule, until, gdpr_exemption_article((int)it->exemption),
                 gdpr_exemption_name((int)it->exemption));
    return plan_append(o, piece);
}

static int
erase_dry_run(ctl *c, const char *subject, const char *ground)
{
    plan_out o;
    int rc;

    memset(&o, 0, sizeof o);
    o.c = c;
    o.subject = subject;
    o.ground = ground;
    rc = gdpr_erase_plan(c->eng, &c->who, subject, plan_item, &o);
    if (rc != GDPR_OK) {
        if (o.started)
            printf("]}\n"); /* keep stdout a whole document */
        free(o.keeps);
        if (rc == GDPR_ENOTFOUND && !c->json) {
            fprintf(stderr,
                    "gdprctl: erase --dry-run: no subject '%s' (gdprctl erase lookup %s "
                    "says whether it was erased before)\n",
                    subject, subject);
            return CTL_FAILED;
        }
        if (rc == GDPR_ECALLBACK)
            fprintf(stderr, "gdprctl: erase --dry-run: out of memory\n");
        return ctl_fail("erase --dry-run", rc);
    }
    if (c->json) {
        plan_json_head(&o);
        printf("],\"would_erase\":%lld,\"would_keep\":%lld}\n", (long long)o.erase,
               (long long)o.keep);
    } else {
        printf("dry run (nothing changed): erase %s under %s would erase %lld record%s%s\n",
               subject, ground, (long long)o.erase, o.erase == 1 ? "" : "s",
               o.keeps ? o.keeps : "");
        if (o.keep == 0)
            printf("its consents, identities and key would go too\n");
        else
            printf("its consents and identities would go; the key stays with the kept records, "
                   "restricted to storage (gdprctl hold list)\n");
    }
    free(o.keeps);
    return CTL_OK;
}

int
ctl_cmd_erase(ctl *c, int argc, char **argv)
{
    gdpr_erase_report r;
    int dry_run;
    char question[512];
    int rc;

    argc = erase_flags(c, argc, argv, &dry_run);
    if (argc != 2) {
        fprintf(stderr, "usage: gdprctl erase SUBJECT GROUND [--dry-run] [--yes]\n");
        return CTL_USAGE;
    }
    if (dry_run)
        return erase_dry_run(c, argv[0], argv[1]);
    snprintf(question, sizeof question, "Erase subject %.200s under %.200s? This cannot be undone.",
             argv[0], argv[1]);
    if (!ctl_confirm(c, question))
        return CTL_FAILED;
    rc = gdpr_erase_subject(c->eng, &c->who, argv[0], argv[1], &r);
    if (rc != GDPR_OK && rc != GDPR_EBUSY)
        return ctl_fail("erase", rc);
    print_report(c, argv[0], &r, rc);
    if (!c->json)
        show_outcome(c, argv[0]);
    return CTL_OK;
}

int
ctl_cmd_erase_record(ctl *c, int argc, char **argv)
{
    gdpr_erase_report r;
    int64_t record = 0;
    int dry_run;
    char question[512];
    int rc;

    argc = erase_flags(c, argc, argv, &dry_run);
    if (argc != 2) {
        fprintf(stderr, "usage: gdprctl erase record RECORD GROUND [--dry-run] [--yes]\n");
        return CTL_USAGE;
    }
    if (parse_id("RECORD", argv[0], &record) != 0)
        return CTL_USAGE;
    if (dry_run) {
        if (c->json)
            printf("{\"dry_run\":true,\"record\":%lld}\n", (long long)record);
        else
            printf("dry run (nothing changed): would erase record %lld under %s unless a legal "
                   "hold or duty keeps it\n",
                   (long long)record, argv[1]);
        return CTL_OK;
    }
    snprintf(question, sizeof question, "Erase record %lld under %.200s? This cannot be undone.",
             (long long)record, argv[1]);
    if (!ctl_confirm(c, question))
        return CTL_FAILED;
    rc = gdpr_erase_record(c->eng, &c->who, record, argv[1], &r);
    if (rc != GDPR_OK && rc != GDPR_EBUSY)
        return ctl_fail("erase record", rc);
    print_report(c, argv[0], &r, rc);
    return CTL_OK;
}

int
ctl_cmd_erase_lookup(ctl *c, int argc, char **argv)
{
    gdpr_tombstone t;
    int rc;

    if (argc != 1) {
        fprintf(stderr, "usage: gdprctl erase lookup SUBJECT\n");
        return CTL_USAGE;
    }
    memset(&t, 0, sizeof t);
    t.version = GDPR_TOMBSTONE_VERSION;
    rc = gdpr_tombstone_lookup(c->eng, argv[0], &t);
    if (rc == GDPR_ENOTFOUND) {
        /* "no" is exit 1, as in the exit-code table */
        if (c->json) {
            printf("{\"subject\":");
            ctl_json_string(stdout, argv[0]);
            printf(",\"erased\":false}\n");
        } else {
            printf("%s: never erased\n", argv[0]);
        }
        return CTL_FAILED;
    }
    if (rc != GDPR_OK)
        return ctl_fail("erase lookup", rc);
    print_tombstone(c, &t);
    return CTL_OK;
}

static int
write_stdout(const void *buf, size_t len, void *ctx)
{
    (void)ctx;
    return fwrite(buf, 1, len, stdout) == len ? 0 : 1;
}

int
ctl_cmd_erase_export(ctl *c, int argc, char **argv)
{
    int rc;

    (void)argv;
    if (argc != 0) {
        fprintf(stderr, "usage: gdprctl erase export > tombstones.json\n");
        return CTL_USAGE;
    }
    rc = gdpr_tombstones_export(c->eng, write_stdout, NULL);
    if (rc != GDPR_OK)
        return ctl_fail("erase export", rc);
    return CTL_OK;
}

typedef struct {
    const ctl *c;
    ctl_limit lim;
} tomb_walk;

static int
list_tombstone(const gdpr_tombstone *t, void *ctx)
{
    tomb_walk *w = ctx;

    if (!ctl_limit_row(&w->lim))
        return 0;
    if (w->c->json && w->lim.shown > 1)
        printf(",");
    print_tombstone(w->c, t);
    return 0;
}

int
ctl_cmd_erase_list(ctl *c, int argc, char **argv)
{
    tomb_walk w;
    int rc;

    w.c = c;
    argc = ctl_limit_take(&w.lim, argc, argv);
    if (argc < 0)
        return CTL_USAGE;
    if (argc > 1 || (argc == 1 && argv[0][0] == '-')) {
        fprintf(stderr, "usage: gdprctl erase list [SUBJECT] [--limit N] [--count]\n");
        return CTL_USAGE;
    }
    if (c->json && !w.lim.count_only)
        printf("[");
    rc = gdpr_tombstone_foreach(c->eng, argc == 1 ? argv[0] : NULL, list_tombstone, &w);
    if (c->json && !w.lim.count_only)
        printf("]\n");
    if (rc != GDPR_OK)
        return ctl_fail("erase list", rc);
    ctl_limit_end(c, &w.lim, "tombstone", "tombstones");
    return CTL_OK;
}

int
ctl_cmd_erase_replay(ctl *c, int argc, char **argv)
{
    gdpr_erase_report r;
    int64_t imported = 0, found = 0;
    int rc;

    if (argc > 1) {
        fprintf(stderr, "usage: gdprctl erase replay [TOMBSTONES.json]\n");
        return CTL_USAGE;
    }
    if (argc == 1) {
        rc = gdpr_tombstones_import_file(c->eng, &c->who, argv[0], &imported);
        if (rc != GDPR_OK)
            return ctl_fail(argv[0], rc);
    }
    rc = gdpr_erase_replay(c->eng, &c->who, &found, &r);
    if (rc != GDPR_OK && rc != GDPR_EBUSY)
        return ctl_fail("erase replay", rc);
    if (c->json) {
        printf("{\"imported\":%lld,\"found_again\":%lld,\"erased\":%lld,\"retained\":%lld,"
               "\"sources_failed\":%d}\n",
               (long long)imported, (long long)found, (long long)r.erased, (long long)r.retained,
               r.sources_failed);
    } else {
        if (argc == 1)
            printf("%lld tombstone%s imported from %s\n", (long long)imported,
                   imported == 1 ? "" : "s", argv[0]);
        printf("replay: %lld erased subject%s or record%s found again; %lld rows erased, "
               "%lld kept\n",
               (long long)found, found == 1 ? "" : "s", found == 1 ? "" : "s", (long long)r.erased,
               (long long)r.retained);
        if (rc == GDPR_EBUSY)
            printf("warning: checkpoint busy; run 'gdprctl erase pending --retry'\n");
    }
    return CTL_OK;
}

/* Items printed so far in a --json list (one JSON array per command). */
static int listed;

static int
print_pending(const gdpr_erase_pending *p, void *ctx)
{
    static const char *const kinds[] = {"", "source", "key", "checkpoint"};
    const ctl *c = ctx;
    char since[32];

    ctl_format_time(p->since, since);
    if (c->json) {
        printf("%s{\"kind\":\"%s\",\"id\":%lld,\"tombstone\":%lld,\"subject_hash\":\"%s\","
               "\"source\":",
               listed++ ? "," : "", kinds[p->kind], (long long)p->id, (long long)p->tombstone,
               p->subject_hash);
        ctl_json_string(stdout, p->source);
        printf(",\"since\":\"%s\",\"attempts\":%d,\"last_error\":", since, p->attempts);
        ctl_json_string(stdout, p->last_error);
        printf("}\n");
    } else if (p->kind == GDPR_PENDING_SOURCE) {
        printf("source %-16s tombstone %lld since %s, %d attempt%s: %s\n", p->source,
               (long long)p->tombstone, since, p->attempts, p->attempts == 1 ? "" : "s",
               p->last_error);
    } else {
        printf("%-23s tombstone %lld since %s\n",
               p->kind == GDPR_PENDING_KEY ? "key to destroy" : "checkpoint to redo",
               (long long)p->tombstone, since);
    }
    return 0;
}

int
ctl_cmd_erase_pending(ctl *c, int argc, char **argv)
{
    int remaining = 0, rc;

    if (argc > 1 || (argc == 1 && strcmp(argv[0], "--retry") != 0)) {
        fprintf(stderr, "usage: gdprctl erase pending [--retry]\n");
        return CTL_USAGE;
    }
    if (argc == 1) {
        rc = gdpr_erase_retry_pending(c->eng, &c->who, &remaining);
        if (rc != GDPR_OK)
            return ctl_fail("erase pending --retry", rc);
        if (!c->json)
            printf("retried: %d source hook%s still failing\n", remaining,
                   remaining == 1 ? "" : "s");
    }
    listed = 0;
    if (c->json)
        printf("[");
    rc = gdpr_erase_pending_foreach(c->eng, print_pending, c);
    if (c->json)
        printf("]\n");
    if (rc != GDPR_OK)
        return ctl_fail("erase pending", rc);
    if (!c->json && listed == 0)
        printf("nothing pending\n");
    return CTL_OK;
}

int
ctl_cmd_erase_due(ctl *c, int argc, char **argv)
{
    int64_t done = 0, failed = 0;
    int rc;

    if (argc == 2 && strcmp(argv[1], "--yes") == 0) {
        c->yes = 1;
        argc = 1;
    }
    if (argc != 1) {
        fprintf(stderr, "usage: gdprctl erase due GROUND [--yes]\n");
        return CTL_USAGE;
    }
    if (!ctl_confirm(c, "Erase every subject whose erasure request is past its grace period?"))
        return CTL_FAILED;
    ctl_progress_start(c, "erase due", NULL, 1, NULL);
    rc = gdpr_erase_run_due(c->eng, &c->who, argv[0], &done, &failed);
    ctl_progress_stop();
    if (rc != GDPR_OK)
        return ctl_fail("erase due", rc);
    if (c->json)
        printf("{\"fulfilled\":%lld,\"failed\":%lld}\n", (long long)done, (long long)failed);
    else
        printf("%lld erasure request%s fulfilled after the grace period, %lld still open\n",
               (long long)done, done == 1 ? "" : "s", (long long)failed);
    return CTL_OK;
}

/* --- holds ------------------------------------------------------------------ */

/* --ground: the policy's name of an Art. 17(3) ground. */
static int
parse_ground(const char *v, gdpr_exemption *out)
{
    for (int g = 1; g <= GDPR_EXEMPT_MAX; g++) {
        if (strcmp(gdpr_exemption_name(g), v) == 0) {
            *out = (gdpr_exemption)g;
            return 0;
        }
    }
    fprintf(stderr,
            "gdprctl: --ground: '%s' is not an Art. 17(3) ground (freedom_of_expression, "
            "legal_obligation, public_task, public_health, archiving, legal_claims)\n",
            v);
    return -1;
}

int
ctl_cmd_hold_place(ctl *c, int argc, char **argv)
{
    gdpr_hold h = GDPR_HOLD_INIT;
    int64_t id = 0;
    int rc;

    for (int i = 0; i < argc; i += 2) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (v == NULL) {
            fprintf(stderr, "gdprctl: %s needs a value\n", argv[i]);
            return CTL_USAGE;
        }
        if (strcmp(argv[i], "--subject") == 0) {
            h.subject = v;
        } else if (strcmp(argv[i], "--record") == 0) {
            if (parse_id("--record", v, &h.record) != 0)
                return CTL_USAGE;
        } else if (strcmp(argv[i], "--category") == 0) {
            h.category = v;
        } else if (strcmp(argv[i], "--reason") == 0) {
            h.reason = v;
        } else if (strcmp(argv[i], "--until") == 0) {
            if (ctl_parse_time("--until", v, &h.until) != 0) {
                return CTL_USAGE;
            }
        } else if (strcmp(argv[i], "--ground") == 0) {
            if (parse_ground(v, &h.ground) != 0)
                return CTL_USAGE;
        } else if (strcmp(argv[i], "--purpose") == 0) {
            h.purpose = v;
        } else if (strcmp(argv[i], "--collected-from") == 0) {
            if (ctl_parse_time("--collected-from", v, &h.collected_from) != 0)
                return CTL_USAGE;
        } else if (strcmp(argv[i], "--collected-to") == 0) {
            if (ctl_parse_time("--collected-to", v, &h.collected_to) != 0)
                return CTL_USAGE;
        } else {
            fprintf(stderr, "gdprctl: hold place: unknown option %s\n", argv[i]);
            return CTL_USAGE;
        }
    }
    h.scope = h.category ? GDPR_HOLD_CATEGORY : h.record ? GDPR_HOLD_RECORD : GDPR_HOLD_SUBJECT;
    rc = gdpr_hold_place(c->eng, &c->who, &h, &id);
    if (rc != GDPR_OK)
        return ctl_fail("hold place", rc);
    if (c->json)
        printf("{\"hold\":%lld}\n", (long long)id);
    else
        printf("hold %lld placed\n", (long long)id);
    return CTL_OK;
}

int
ctl_cmd_hold_release(ctl *c, int argc, char **argv)
{
    int64_t id = 0;
    int rc;

    if (argc < 1 || argc > 2) {
        fprintf(stderr, "usage: gdprctl hold release HOLD [REASON]\n");
        return CTL_USAGE;
    }
    if (parse_id("HOLD", argv[0], &id) != 0)
        return CTL_USAGE;
    rc = gdpr_hold_release(c->eng, &c->who, id, argc == 2 ? argv[1] : NULL);
    if (rc != GDPR_OK)
        return ctl_fail("hold release", rc);
    if (c->json)
        printf("{\"hold\":%lld,\"released\":true}\n", (long long)id);
    else
        printf("hold %lld released\n", (long long)id);
    return CTL_OK;
}

typedef struct {
    const ctl *c;
    ctl_limit lim;
} hold_walk;

static void
print_time_or_null(int64_t t)
{
    char buf[32];

    if (t == 0) {
        printf("null");
        return;
    }
    ctl_format_time(t, buf);
    printf("\"%s\"", buf);
}

static int
print_hold(const gdpr_hold_info *h, void *ctx)
{
    static const char *const scopes[] = {"", "subject", "record", "category"};
    hold_walk *w = ctx;
    const ctl *c = w->c;
    char placed[32], until[32], released[32] = "", covers[96];

    if (!ctl_limit_row(&w->lim))
        return 0;
    listed++;
    ctl_format_time(h->placed_at, placed);
    ctl_format_time(h->until, until);
    if (h->released_at > 0)
        ctl_format_time(h->released_at, released);
    if (c->json) {
        printf("%s{\"id\":%lld,\"scope\":\"%s\",\"subject_hash\":\"%s\",\"record\":%lld,"
               "\"category\":",
               listed > 1 ? "," : "", (long long)h->id, scopes[h->scope], h->subject_hash,
               (long long)h->record);
        ctl_json_string(stdout, h->category);
        printf(",\"reason\":");
        ctl_json_string(stdout, h->reason);
        printf(",\"ground\":\"%s\",\"article\":\"%s\",\"purpose\":",
               gdpr_exemption_name((int)h->ground), gdpr_exemption_article((int)h->ground));
        if (h->purpose[0])
            ctl_json_string(stdout, h->purpose);
        else
            printf("null");
        printf(",\"collected_from\":");
        print_time_or_null(h->collected_from);
        printf(",\"collected_to\":");
        print_time_or_null(h->collected_to);
        printf(",\"placed_at\":\"%s\",\"placed_by\":", placed);
        ctl_json_string(stdout, h->placed_by);
        printf(",\"until\":\"%s\",\"active\":%s,\"released_at\":", until,
               h->active ? "true" : "false");
        if (h->released_at > 0) {
            printf("\"%s\",\"released_by\":", released);
            ctl_json_string(stdout, h->released_by);
            printf(",\"release_reason\":");
            ctl_json_string(stdout, h->release_reason);
        } else {
            printf("null,\"released_by\":null,\"release_reason\":null");
        }
        printf("}");
        return 0;
    }
    if (h->scope == GDPR_HOLD_RECORD)
        snprintf(covers, sizeof covers, "record %lld", (long long)h->record);
    else if (h->scope == GDPR_HOLD_CATEGORY && h->subject_hash[0])
        snprintf(covers, sizeof covers, "%.40s of %.16s", h->category, h->subject_hash);
    else if (h->scope == GDPR_HOLD_CATEGORY)
        snprintf(covers, sizeof covers, "%.40s (everyone)", h->category);
    else
        snprintf(covers, sizeof covers, "%.16s", h->subject_hash);
    if (listed == 1)
        printf("%5s  %-8s  %-24s  %-25s  %-8s  %-25s  %s\n", "HOLD", "SCOPE", "COVERS", "UNTIL",
               "STATE", "PLACED", "BY / REASON");
    printf("%5lld  %-8s  %-24s  %-25s  %-8s  %-25s  %s: %s\n", (long long)h->id, scopes[h->scope],
           covers, until,
           h->active        ? "in force"
           : h->released_at ? "released"
                            : "ended",
           placed, h->placed_by, h->reason);
    if (h->purpose[0] || h->collected_from || h->collected_to) {
        char from[32] = "-", to[32] = "-";
        if (h->collected_from)
            ctl_format_time(h->collected_from, from);
        if (h->collected_to)
            ctl_format_time(h->collected_to, to);
        printf("%5s  only records of purpose %s collected from %s to %s\n", "",
               h->purpose[0] ? h->purpose : "(any)", from, to);
    }
    printf("%5s  ground: %s (%s)\n", "", gdpr_exemption_article((int)h->ground),
           gdpr_exemption_name((int)h->ground));
    if (h->released_at > 0)
        printf("%5s  released %s by %s: %s\n", "", released, h->released_by,
               h->release_reason[0] ? h->release_reason : "(no reason given)");
    return 0;
}

int
ctl_cmd_hold_list(ctl *c, int argc, char **argv)
{
    unsigned int flags = 0;
    hold_walk w;
    int rc;

    w.c = c;
    argc = ctl_limit_take(&w.lim, argc, argv);
    if (argc < 0)
        return CTL_USAGE;
    if (argc > 1 || (argc == 1 && strcmp(argv[0], "--all") != 0)) {
        fprintf(stderr, "usage: gdprctl hold list [--all] [--limit N] [--count]\n");
        return CTL_USAGE;
    }
    if (argc == 1)
        flags = GDPR_HOLD_LIST_ALL;
    listed = 0;
    if (c->json && !w.lim.count_only)
        printf("[");
    rc = gdpr_hold_foreach(c->eng, flags, print_hold, &w);
    if (c->json && !w.lim.count_only)
        printf("]\n");
    if (rc != GDPR_OK)
        return ctl_fail("hold list", rc);
    ctl_limit_end(c, &w.lim, "hold", "holds");
    return CTL_OK;
}

/* --- files ------------------------------------------------------------------- */

int
ctl_cmd_wipe(ctl *c, int argc, char **argv)
{
    int rc;

    if (argc != 1) {
        fprintf(stderr, "usage: gdprctl wipe FILE\n");
        return CTL_USAGE;
    }
    rc = gdpr_wipe_file(argv[0]);
    if (rc != GDPR_OK)
        return ctl_fail(argv[0], rc);
    if (c->json)
        printf("{\"wiped\":true}\n");
    else
        printf("%s overwritten and removed (see docs/erasure.md for SSD and copy-on-write "
               "limits)\n",
               argv[0]);
    return CTL_OK;
}
