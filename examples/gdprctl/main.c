/*
 * gdprctl: the command-line tool for compliance staff. Every command is a
 * thin wrapper over one libgdpr call; see examples/README.md.
 *
 *   gdprctl [--db PATH] [--actor ID --role ROLE] [--json] [--now DATE]
 *           GROUP VERB [ARGS...]
 *
 * The master key comes from the environment: GDPR_KEY (64 hex digits) or
 * GDPR_PASSPHRASE, or from --key-file FILE (64 hex digits).
 * SPDX-License-Identifier: MIT
 */
#define _DEFAULT_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gdprctl.h"

static const ctl_command commands[] = {
    {"init", NULL, ctl_cmd_init, 1, "[POLICY.json]"},
    {"policy", "load", ctl_cmd_policy_load, 1, "FILE"},
    {"policy", "show", ctl_cmd_policy_show, 1, ""},
    {"audit", "verify", ctl_cmd_audit_verify, 1, "[--head COUNT:HEX]"},
    {"audit", "head", ctl_cmd_audit_head, 1, ""},
    {"audit", "log", ctl_cmd_audit_log, 1, "[--from SEQ]"},
    {"consent", "grant", ctl_cmd_consent_grant, 1,
     "SUBJECT PURPOSE NOTICE CHANNEL [--explicit] [--refused] [--expires DATE] "
     "[--recipient NAME] [--proof TEXT]"},
    {"consent", "withdraw", ctl_cmd_consent_withdraw, 1,
     "SUBJECT PURPOSE CHANNEL [--recipient NAME]"},
    {"consent", "check", ctl_cmd_consent_check, 1, "SUBJECT PURPOSE [--at DATE]"},
    {"consent", "history", ctl_cmd_consent_history, 1, "SUBJECT"},
    {"consent", "receipt", ctl_cmd_consent_receipt, 1, "EVENT"},
    {"subject", "link", ctl_cmd_subject_link, 1, "SUBJECT KIND VALUE"},
    {"subject", "find", ctl_cmd_subject_find, 1, "KIND VALUE"},
    {"vault", "put", ctl_cmd_vault_put, 1,
     "SUBJECT CATEGORY PURPOSE (VALUE | --file PATH) [--field NAME] [--source LABEL] "
     "[--collected DATE]"},
    {"vault", "get", ctl_cmd_vault_get, 1, "RECORD [-o FILE]"},
    {"vault", "rectify", ctl_cmd_vault_rectify, 1, "RECORD (VALUE | --file PATH)"},
    {"vault", "delete", ctl_cmd_vault_delete, 1, "RECORD"},
    {"vault", "list", ctl_cmd_vault_list, 1, "SUBJECT"},
    {"vault", "checkpoint", ctl_cmd_vault_checkpoint, 1, ""},
    {"export", NULL, ctl_cmd_export, 1, "SUBJECT [--format json|csv] [-o FILE|DIR]"},
    {"request", "open", ctl_cmd_request_open, 1,
     "TYPE (--subject ID | --email V | --phone V | --account V) [--channel CH] "
     "[--received DATE] [--note TEXT] [--flag FLAG] [--grace DAYS|none]"},
    {"request", "verify", ctl_cmd_request_verify, 1,
     "ID pending|verified|failed [METHOD] [--note TEXT]"},
    {"request", "extend", ctl_cmd_request_extend, 1, "ID MONTHS REASON --told DATE"},
    {"request", "escalate", ctl_cmd_request_escalate, 1, "ID ROLE [--note TEXT]"},
    {"request", "fulfil", ctl_cmd_request_fulfil, 1,
     "ID [--out FILE] [--format json|csv] [--ground GROUND] [--note TEXT]"},
    {"request", "deny", ctl_cmd_request_deny, 1, "ID REASON [--note TEXT]"},
    {"request", "list", ctl_cmd_request_list, 1, "[--subject ID] [--status STATUS]"},
    {"request", "overdue", ctl_cmd_request_overdue, 1, "[--as-of DATE] [--soon DAYS]"},
    {"request", "kpis", ctl_cmd_request_kpis, 1, "[--from DATE] [--to DATE]"},
    {"transfer", "check", ctl_cmd_transfer_check, 1,
     "SUBJECT RECIPIENT [--at DATE] [--purpose ID] [--category ID]..."},
    {"transfer", "record", ctl_cmd_transfer_record, 1,
     "SUBJECT RECIPIENT [--at DATE] [--purpose ID] [--category ID]..."},
    {"transfer", "log", ctl_cmd_transfer_log, 1, "[SUBJECT]"},
    {"adequacy", "list", ctl_cmd_adequacy_list, 1, "[--as-of DATE]"},
    {"adequacy", "load", ctl_cmd_adequacy_load, 1, "FILE"},
    {"adequacy", "reset", ctl_cmd_adequacy_reset, 1, ""},
    {"safeguard", "add", ctl_cmd_safeguard_add, 1,
     "RECIPIENT TYPE REFERENCE --from DATE [--until DATE] [--module N]"},
    {"safeguard", "revoke", ctl_cmd_safeguard_revoke, 1, "ID"},
    {"safeguard", "list", ctl_cmd_safeguard_list, 1, "[RECIPIENT]"},
    {"retention", "due", ctl_cmd_retention_due, 1, "[--as-of DATE]"},
    {"retention", "run", ctl_cmd_retention_run, 1, "[--as-of DATE] [--dry-run] [--batch N]"},
    {"retention", "show", ctl_cmd_retention_show, 1, "RECORD"},
    {"retention", "touch", ctl_cmd_retention_touch, 1, "SUBJECT [--at DATE]"},
    {"retention", "contract-end", ctl_cmd_retention_contract_end, 1,
     "SUBJECT DATE [--purpose PURPOSE]"},
    {"review", "list", ctl_cmd_review_list, 1,
     "[--status open|kept|erased|gone|all] [--overdue] [--as-of DATE]"},
    {"review", "decide", ctl_cmd_review_decide, 1,
     "TASK (keep UNTIL --why TEXT | erase [--why TEXT])"},
    {"review", "why", ctl_cmd_review_why, 1, "TASK"},
    /* erasure: the verbs first, "erase SUBJECT GROUND" last */
    {"erase", "record", ctl_cmd_erase_record, 1, "RECORD GROUND"},
    {"erase", "lookup", ctl_cmd_erase_lookup, 1, "SUBJECT"},
    {"erase", "export", ctl_cmd_erase_export, 1, "> TOMBSTONES.json"},
    {"erase", "replay", ctl_cmd_erase_replay, 1, "[TOMBSTONES.json]"},
    {"erase", "pending", ctl_cmd_erase_pending, 1, "[--retry]"},
    {"erase", "due", ctl_cmd_erase_due, 1, "GROUND"},
    {"erase", NULL, ctl_cmd_erase, 1, "SUBJECT GROUND"},
    {"hold", "place", ctl_cmd_hold_place, 1,
     "(--subject ID | --record N | --category CAT [--subject ID]) --until DATE --reason TEXT"},
    {"hold", "release", ctl_cmd_hold_release, 1, "HOLD [REASON]"},
    {"hold", "list", ctl_cmd_hold_list, 1, "[--all]"},
    {"wipe", NULL, ctl_cmd_wipe, 0, "FILE"},
};

static void
usage(FILE *f)
{
    fprintf(f, "usage: gdprctl [--db PATH] [--key-file FILE] [--actor ID] [--role ROLE]\n"
               "               [--json] [--now YYYY-MM-DD] COMMAND [ARGS]\n\n"
               "key: GDPR_KEY=<64 hex digits> or GDPR_PASSPHRASE=... or --key-file FILE\n"
               "db:  --db PATH or GDPR_DB (default: gdpr.db)\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %s %s %s\n", commands[i].group, commands[i].verb ? commands[i].verb : "",
                commands[i].usage);
}

int
ctl_fail(const char *what, int rc)
{
    fprintf(stderr, "gdprctl: %s: %s\n  %s\n", what, gdpr_strerror(rc), gdpr_errmsg());
    return rc == GDPR_EDENIED ? CTL_DENIED : CTL_FAILED;
}

int
ctl_parse_time(const char *s, int64_t *out)
{
    int y, mo, d, h = 0, mi = 0, se = 0;
    char tail = 0;
    struct tm tm;

    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%c", &y, &mo, &d, &h, &mi, &se, &tail) != 6 &&
        (sscanf(s, "%4d-%2d-%2d%c", &y, &mo, &d, &tail) != 3 || strlen(s) != 10))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59)
        return -1;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    *out = (int64_t)timegm(&tm);
    return 0;
}

void
ctl_format_time(int64_t t, char buf[32])
{
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
ctl_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static int64_t
fixed_clock(void *ctx)
{
    return ((ctl *)ctx)->now;
}

static int
read_key(const char *key_file, unsigned char key[32], int *have_key, const char **passphrase)
{
    char hex[80] = "";
    const char *env = getenv("GDPR_KEY");

    *have_key = 0;
    *passphrase = NULL;
    if (key_file != NULL) {
        FILE *f = fopen(key_file, "r");
        if (f == NULL || fgets(hex, sizeof hex, f) == NULL) {
            fprintf(stderr, "gdprctl: --key-file %s: cannot read\n", key_file);
            if (f)
                fclose(f);
            return CTL_USAGE;
        }
        fclose(f);
        env = hex;
    }
    if (env != NULL) {
        for (int i = 0; i < 32; i++) {
            unsigned int byte;
            if (!isxdigit((unsigned char)env[2 * i]) || !isxdigit((unsigned char)env[2 * i + 1]) ||
                sscanf(env + 2 * i, "%2x", &byte) != 1) {
                fprintf(stderr, "gdprctl: the key must be 64 hex digits\n");
                return CTL_USAGE;
            }
            key[i] = (unsigned char)byte;
        }
        *have_key = 1;
        return CTL_OK;
    }
    *passphrase = getenv("GDPR_PASSPHRASE");
    if (*passphrase == NULL) {
        fprintf(stderr, "gdprctl: no master key: set GDPR_KEY, GDPR_PASSPHRASE or --key-file\n");
        return CTL_USAGE;
    }
    return CTL_OK;
}

int
main(int argc, char **argv)
{
    ctl c;
    const char *key_file = NULL;
    unsigned char key[32];
    gdpr_options opts = GDPR_OPTIONS_INIT;
    int have_key = 0;
    int i = 1;
    int rc;

    memset(&c, 0, sizeof c);
    c.db = getenv("GDPR_DB") ? getenv("GDPR_DB") : "gdpr.db";
    c.who.id = getenv("USER") ? getenv("USER") : "gdprctl";
    c.who.role = "dpo";
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--json") == 0) {
            c.json = 1;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return CTL_OK;
        } else if (next == NULL) {
            fprintf(stderr, "gdprctl: %s needs a value\n", argv[i]);
            return CTL_USAGE;
        } else if (strcmp(argv[i], "--db") == 0) {
            c.db = argv[++i];
        } else if (strcmp(argv[i], "--key-file") == 0) {
            key_file = argv[++i];
        } else if (strcmp(argv[i], "--actor") == 0) {
            c.who.id = argv[++i];
        } else if (strcmp(argv[i], "--role") == 0) {
            c.who.role = argv[++i];
        } else if (strcmp(argv[i], "--now") == 0) {
            if (ctl_parse_time(argv[++i], &c.now) != 0) {
                fprintf(stderr, "gdprctl: --now: '%s' is not YYYY-MM-DD[THH:MM:SSZ]\n", argv[i]);
                return CTL_USAGE;
            }
        } else {
            fprintf(stderr, "gdprctl: unknown option %s\n", argv[i]);
            usage(stderr);
            return CTL_USAGE;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return CTL_USAGE;
    }
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++) {
        const ctl_command *cmd = &commands[k];
        int words = cmd->verb ? 2 : 1;

        if (strcmp(argv[i], cmd->group) != 0)
            continue;
        if (cmd->verb && (i + 1 >= argc || strcmp(argv[i + 1], cmd->verb) != 0))
            continue;
        if (cmd->needs_engine) {
            rc = read_key(key_file, key, &have_key, &opts.passphrase);
            if (rc != CTL_OK)
                return rc;
            opts.path = c.db;
            if (have_key) {
                opts.key = key;
                opts.key_len = sizeof key;
            }
            if (c.now != 0) {
                opts.clock = fixed_clock;
                opts.clock_ctx = &c;
            }
            rc = gdpr_open(&c.eng, &opts);
            if (rc != GDPR_OK)
                return ctl_fail(c.db, rc);
        }
        rc = cmd->fn(&c, argc - i - words, argv + i + words);
        gdpr_close(c.eng);
        return rc;
    }
    fprintf(stderr, "gdprctl: unknown command '%s%s%s'\n", argv[i], i + 1 < argc ? " " : "",
            i + 1 < argc ? argv[i + 1] : "");
    usage(stderr);
    return CTL_USAGE;
}
