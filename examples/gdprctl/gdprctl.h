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

/* Exit codes: the table in main.c (help, gdprctl(1), examples/README.md). */
enum {
    CTL_OK = 0,     /* yes / done */
    CTL_FAILED = 1, /* the answer is no or refused; not found */
    CTL_USAGE = 2,  /* bad command line, date, number; no store */
    CTL_VERIFY = 3, /* the audit trail is broken */
    CTL_DENIED = 4, /* the actor's role lacks the permission */
    CTL_STORE = 5   /* store or key error */
};

typedef struct {
    gdpr_engine *eng;
    gdpr_actor who;
    int json;     /* --json: machine output */
    int yes;      /* --yes: do not ask */
    int progress; /* --progress 1, --no-progress 0, -1: when stderr is a terminal */
    int now_set;  /* --now given */
    int64_t now;  /* --now: simulated time */
    const char *db;
    unsigned char key[32]; /* the master key read, wiped at exit */
    char secret[1024];     /* a key or passphrase read from a file or the terminal */
} ctl;

typedef int (*ctl_fn)(ctl *c, int argc, char **argv);

typedef struct {
    const char *group; /* "policy", "audit", ... */
    const char *verb;  /* "load", "verify", ...; NULL: the group is the command */
    ctl_fn fn;
    int needs_engine;      /* open the store before calling */
    const char *usage;     /* arguments, for --help */
    const char *summary;   /* one line, for the overview and the man page */
    const char *example;   /* one example command line */
    const char *dates_end; /* flags where a date alone means the end of the day */
} ctl_command;

/* Print the library's error for a failed call and map it to an exit code:
 * EDENIED 4, EINVAL 2, ENOTFOUND/EEXISTS/ESTATE 1, anything else 5. */
int ctl_fail(const char *what, int rc);

/* Parse the date or time given to `flag` (gdpr_time_parse in the policy's
 * zone). A date alone is the end of that day for the deadline and "until"
 * flags (--until, --expires, --to, --as-of, UNTIL), the start for all others.
 * Prints an error naming the flag and returns -1 when it is not a real date. */
int ctl_parse_time(const char *flag, const char *s, int64_t *out);
/* Format UTC seconds as ISO 8601 in the policy's zone. */
void ctl_format_time(int64_t t, char buf[32]);
/* Parse a whole decimal number in min..max; prints an error naming `flag`. */
int ctl_parse_int(const char *flag, const char *s, int64_t min, int64_t max, int64_t *out);
/* Create (or truncate) an output file with mode 0600; NULL after a message. */
FILE *ctl_create(const char *path);
/* Read a whole file, or stdin for "-", at most max bytes; refuses directories.
 * malloc'd; NULL after a message naming flag and path. */
unsigned char *ctl_read_input(const char *flag, const char *path, size_t max, size_t *len_out);
/* Ask before a destructive step when stdin is a terminal: 1 go ahead (--yes,
 * no terminal, or "y"), 0 not confirmed (after a message). */
int ctl_confirm(ctl *c, const char *question);

/* --limit N and --count on long lists. ctl_limit_take() removes both flags
 * from argv (returns the new argc, or -1 after a message naming the flag);
 * ctl_limit_row() counts a matching row and says whether to print it;
 * ctl_limit_end() prints the count (--count) or "... N more". */
typedef struct {
    int64_t limit; /* 0: all */
    int64_t shown, matched;
    int count_only;
} ctl_limit;
int ctl_limit_take(ctl_limit *l, int argc, char **argv);
int ctl_limit_row(ctl_limit *l);
void ctl_limit_end(const ctl *c, const ctl_limit *l, const char *one, const char *many);

/* An indeterminate progress line on stderr around a long library call
 * (progress.c): elapsed time, and with `unit` a count (ctl_progress_add) and
 * its rate. Drawn when --progress is given, or stderr is a terminal (and not
 * --json), never with --no-progress. Ctrl-C in between clears the line and
 * says "<what> interrupted" (with "resumable: run again to continue" when
 * `resumable`), removes `cleanup` (a partial output file; may be NULL) and
 * ends the process as the signal would. */
void ctl_progress_start(const ctl *c, const char *what, const char *unit, int resumable,
                        const char *cleanup);
void ctl_progress_add(int64_t n);
void ctl_progress_stop(void);

/* Print a JSON string literal (quoted, escaped) to f. */
void ctl_json_string(FILE *f, const char *s);

/* Command groups (cmd-*.c). */
int ctl_cmd_receipt_verify(ctl *c, int argc, char **argv);
int ctl_cmd_receipt_keys(ctl *c, int argc, char **argv);
int ctl_cmd_consent_signal(ctl *c, int argc, char **argv);
int ctl_cmd_consent_conflicts(ctl *c, int argc, char **argv);
int ctl_cmd_signal_decode(ctl *c, int argc, char **argv);
int ctl_cmd_init(ctl *c, int argc, char **argv);
int ctl_cmd_subject_object(ctl *c, int argc, char **argv);
int ctl_cmd_subject_unobject(ctl *c, int argc, char **argv);
int ctl_cmd_subject_restrict(ctl *c, int argc, char **argv);
int ctl_cmd_access_log(ctl *c, int argc, char **argv);
int ctl_cmd_access_resolve(ctl *c, int argc, char **argv);
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
int ctl_cmd_subject_hash(ctl *c, int argc, char **argv);
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
int ctl_cmd_request_expire(ctl *c, int argc, char **argv);
int ctl_cmd_request_list(ctl *c, int argc, char **argv);
int ctl_cmd_request_overdue(ctl *c, int argc, char **argv);
int ctl_cmd_request_kpis(ctl *c, int argc, char **argv);

int ctl_cmd_transfer_check(ctl *c, int argc, char **argv);
int ctl_cmd_transfer_record(ctl *c, int argc, char **argv);
int ctl_cmd_transfer_count(ctl *c, int argc, char **argv);
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
int ctl_cmd_erase_list(ctl *c, int argc, char **argv);
int ctl_cmd_erase_export(ctl *c, int argc, char **argv);
int ctl_cmd_erase_replay(ctl *c, int argc, char **argv);
int ctl_cmd_erase_pending(ctl *c, int argc, char **argv);
int ctl_cmd_erase_due(ctl *c, int argc, char **argv);
int ctl_cmd_hold_place(ctl *c, int argc, char **argv);
int ctl_cmd_hold_release(ctl *c, int argc, char **argv);
int ctl_cmd_hold_list(ctl *c, int argc, char **argv);
int ctl_cmd_wipe(ctl *c, int argc, char **argv);
int ctl_cmd_rekey(ctl *c, int argc, char **argv);

/* Reports (cmd-report.c). */
int ctl_cmd_consent_report(ctl *c, int argc, char **argv);
int ctl_cmd_ropa_export(ctl *c, int argc, char **argv);
int ctl_cmd_breach_open(ctl *c, int argc, char **argv);
int ctl_cmd_breach_notify(ctl *c, int argc, char **argv);
int ctl_cmd_breach_decide(ctl *c, int argc, char **argv);
int ctl_cmd_breach_link(ctl *c, int argc, char **argv);
int ctl_cmd_breach_list(ctl *c, int argc, char **argv);
int ctl_cmd_breach_kpis(ctl *c, int argc, char **argv);

#endif
