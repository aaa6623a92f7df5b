/*
 * gdprctl: shared state of the command-line tool. Each command group lives
 * in its own cmd-<group>.c and registers in the table in main.c.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPRCTL_H
#define GDPRCTL_H

#include <stdint.h>
#include <stdio.h>

#include <gdpr.h>

/* Exit codes (documented in examples/README.md). */
enum {
    CTL_OK = 0,     /* done */
    CTL_FAILED = 1, /* the library refused or failed: message on stderr */
    CTL_USAGE = 2,  /* bad command line */
    CTL_VERIFY = 3, /* a verification found a problem (audit chain broken ...) */
    CTL_DENIED = 4  /* the actor's role lacks the permission */
};

typedef struct {
    gdpr_engine *eng;
    gdpr_actor who;
    int json;    /* --json: machine output */
    int64_t now; /* --now: simulated time, 0 = wall clock */
    const char *db;
} ctl;

typedef int (*ctl_fn)(ctl *c, int argc, char **argv);

typedef struct {
    const char *group; /* "policy", "audit", ... */
    const char *verb;  /* "load", "verify", ...; NULL: the group is the command */
    ctl_fn fn;
    int needs_engine;  /* open the store before calling */
    const char *usage; /* arguments, for --help */
} ctl_command;

/* Print the library's error for a failed call and map it to an exit code. */
int ctl_fail(const char *what, int rc);

/* Parse "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" into UTC seconds; -1 on error. */
int ctl_parse_time(const char *s, int64_t *out);
/* Format UTC seconds as "YYYY-MM-DDTHH:MM:SSZ". */
void ctl_format_time(int64_t t, char buf[32]);

/* Print a JSON string literal (quoted, escaped) to f. */
void ctl_json_string(FILE *f, const char *s);

/* Command groups (cmd-*.c). */
int ctl_cmd_init(ctl *c, int argc, char **argv);
int ctl_cmd_policy_load(ctl *c, int argc, char **argv);
int ctl_cmd_policy_show(ctl *c, int argc, char **argv);
int ctl_cmd_audit_verify(ctl *c, int argc, char **argv);
int ctl_cmd_audit_head(ctl *c, int argc, char **argv);
int ctl_cmd_audit_log(ctl *c, int argc, char **argv);
int ctl_cmd_consent_grant(ctl *c, int argc, char **argv);
int ctl_cmd_consent_withdraw(ctl *c, int argc, char **argv);
int ctl_cmd_consent_check(ctl *c, int argc, char **argv);
int ctl_cmd_consent_history(ctl *c, int argc, char **argv);
int ctl_cmd_consent_receipt(ctl *c, int argc, char **argv);
int ctl_cmd_subject_link(ctl *c, int argc, char **argv);
int ctl_cmd_subject_find(ctl *c, int argc, char **argv);
int ctl_cmd_vault_put(ctl *c, int argc, char **argv);
int ctl_cmd_vault_get(ctl *c, int argc, char **argv);
int ctl_cmd_vault_rectify(ctl *c, int argc, char **argv);
int ctl_cmd_vault_delete(ctl *c, int argc, char **argv);
int ctl_cmd_vault_list(ctl *c, int argc, char **argv);
int ctl_cmd_vault_checkpoint(ctl *c, int argc, char **argv);
int ctl_cmd_export(ctl *c, int argc, char **argv);
int ctl_cmd_request_open(ctl *c, int argc, char **argv);
int ctl_cmd_request_verify(ctl *c, int argc, char **argv);
int ctl_cmd_request_extend(ctl *c, int argc, char **argv);
int ctl_cmd_request_escalate(ctl *c, int argc, char **argv);
int ctl_cmd_request_fulfil(ctl *c, int argc, char **argv);
int ctl_cmd_request_deny(ctl *c, int argc, char **argv);
int ctl_cmd_request_list(ctl *c, int argc, char **argv);
int ctl_cmd_request_overdue(ctl *c, int argc, char **argv);
int ctl_cmd_request_kpis(ctl *c, int argc, char **argv);

int ctl_cmd_transfer_check(ctl *c, int argc, char **argv);
int ctl_cmd_transfer_record(ctl *c, int argc, char **argv);
int ctl_cmd_transfer_log(ctl *c, int argc, char **argv);
int ctl_cmd_adequacy_list(ctl *c, int argc, char **argv);
int ctl_cmd_adequacy_load(ctl *c, int argc, char **argv);
int ctl_cmd_adequacy_reset(ctl *c, int argc, char **argv);
int ctl_cmd_safeguard_add(ctl *c, int argc, char **argv);
int ctl_cmd_safeguard_revoke(ctl *c, int argc, char **argv);
int ctl_cmd_safeguard_list(ctl *c, int argc, char **argv);

int ctl_cmd_retention_due(ctl *c, int argc, char **argv);
int ctl_cmd_retention_run(ctl *c, int argc, char **argv);
int ctl_cmd_retention_show(ctl *c, int argc, char **argv);
int ctl_cmd_retention_touch(ctl *c, int argc, char **argv);
int ctl_cmd_retention_contract_end(ctl *c, int argc, char **argv);
int ctl_cmd_review_list(ctl *c, int argc, char **argv);
int ctl_cmd_review_decide(ctl *c, int argc, char **argv);
int ctl_cmd_review_why(ctl *c, int argc, char **argv);

int ctl_cmd_erase(ctl *c, int argc, char **argv);
int ctl_cmd_erase_record(ctl *c, int argc, char **argv);
int ctl_cmd_erase_lookup(ctl *c, int argc, char **argv);
int ctl_cmd_erase_export(ctl *c, int argc, char **argv);
int ctl_cmd_erase_replay(ctl *c, int argc, char **argv);
int ctl_cmd_erase_pending(ctl *c, int argc, char **argv);
int ctl_cmd_erase_due(ctl *c, int argc, char **argv);
int ctl_cmd_hold_place(ctl *c, int argc, char **argv);
int ctl_cmd_hold_release(ctl *c, int argc, char **argv);
int ctl_cmd_hold_list(ctl *c, int argc, char **argv);
int ctl_cmd_wipe(ctl *c, int argc, char **argv);

#endif
