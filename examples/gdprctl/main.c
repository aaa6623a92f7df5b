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
    { "init", NULL, ctl_cmd_init, 1, "[POLICY.json]" },
    { "policy", "load", ctl_cmd_policy_load, 1, "FILE" },
    { "policy", "show", ctl_cmd_policy_show, 1, "" },
    { "audit", "verify", ctl_cmd_audit_verify, 1, "[--head COUNT:HEX]" },
    { "audit", "head", ctl_cmd_audit_head, 1, "" },
    { "audit", "log", ctl_cmd_audit_log, 1, "[--from SEQ]" },
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
