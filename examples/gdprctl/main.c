/*
 * gdprctl: the command-line tool for compliance staff. Every command is a
 * thin wrapper over one libgdpr call; see examples/README.md and gdprctl(1)
 * (printed by "gdprctl help --man" from the table below, like --help).
 *
 *   gdprctl [GLOBAL FLAGS] COMMAND [ARGS...]   (global flags anywhere)
 *
 * SPDX-License-Identifier: MIT
 */
#define _DEFAULT_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "gdprctl.h"

/* The one command table: --help, "gdprctl help", the man page gdprctl(1) and
 * the bash completion are all printed from it. Dates: flags named in
 * `dates_end` take a date alone as the END of that day (deadlines, untils);
 * every other date flag takes it as the start. */
static const ctl_command commands[] = {
    {"init", NULL, ctl_cmd_init, 1, "[POLICY.json]",
     "Create a new store (the only command that does) and optionally load a policy",
     "gdprctl --db crm.db init examples/policy.json", NULL},
    {"policy", "load", ctl_cmd_policy_load, 1, "FILE", "Load a new policy version",
     "gdprctl policy load policy.json", NULL},
    {"policy", "show", ctl_cmd_policy_show, 1, "", "Print the policy in force (JSON)",
     "gdprctl policy show", NULL},
    {"audit", "verify", ctl_cmd_audit_verify, 1, "[--head COUNT:HEX]",
     "Verify the audit hash chain (exit 3 when broken; progress on a terminal)",
     "gdprctl audit verify --head 42:ab12...", NULL},
    {"audit", "head", ctl_cmd_audit_head, 1, "",
     "Print COUNT:HEX of the audit chain, to keep off the machine", "gdprctl audit head", NULL},
    {"audit", "log", ctl_cmd_audit_log, 1,
     "[--from SEQ] [--by ACTOR] [--action NAME] [--subject ID] [--since DATE] "
     "[--until DATE] [--limit N] [--count]",
     "List audit events, filtered", "gdprctl audit log --action erase.subject --since 2026-01-01",
     "--until"},
    {"consent", "grant", ctl_cmd_consent_grant, 1,
     "SUBJECT PURPOSE NOTICE CHANNEL [--explicit] [--refused] [--expires DATE] "
     "[--recipient NAME] [--proof TEXT] [--transfer --country CC] [--age N] "
     "[--member-state CC] [--parental-holder NAME]",
     "Record a consent (or a refusal) given under a notice",
     "gdprctl consent grant c-1001 marketing notice-v3 web --expires 2027-06-30", "--expires"},
    {"consent", "withdraw", ctl_cmd_consent_withdraw, 1,
     "SUBJECT PURPOSE CHANNEL [--recipient NAME]", "Record a withdrawal of consent",
     "gdprctl consent withdraw c-1001 marketing email", NULL},
    {"consent", "check", ctl_cmd_consent_check, 1, "SUBJECT PURPOSE [--at DATE]",
     "May we process? exit 0 yes, 1 no", "gdprctl consent check c-1001 marketing", NULL},
    {"consent", "history", ctl_cmd_consent_history, 1, "SUBJECT [--limit N] [--count]",
     "List a subject's consent events", "gdprctl consent history c-1001", NULL},
    {"consent", "receipt", ctl_cmd_consent_receipt, 1, "EVENT",
     "Print the receipt of one consent event", "gdprctl consent receipt 12", NULL},
    {"consent", "signal", ctl_cmd_consent_signal, 1,
     "SUBJECT --gpc | --tcf TC_STRING | --gpp GPP_STRING",
     "Record a GPC signal, a TCF TC string or a GPP string; consent follows the policy",
     "gdprctl consent signal c-1001 --gpc", NULL},
    {"consent", "conflicts", ctl_cmd_consent_conflicts, 1,
     "[SUBJECT] [--since DATE] [--limit N] [--count]",
     "List conflicts between an explicit choice and a GPC signal",
     "gdprctl consent conflicts --since 2026-01-01", NULL},
    {"signal", "decode", ctl_cmd_signal_decode, 0, "--tcf TC_STRING | --gpp GPP_STRING",
     "Decode a TC or GPP string (no store needed)",
     "gdprctl signal decode --gpp DBABM~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA", NULL},
    {"receipt", "verify", ctl_cmd_receipt_verify, 1, "FILE",
     "Verify a receipt's Ed25519 signature: exit 0 valid, 1 not",
     "gdprctl receipt verify receipt-12.json", NULL},
    {"receipt", "keys", ctl_cmd_receipt_keys, 1, "",
     "Print the public keys that verify this store's receipts", "gdprctl receipt keys", NULL},
    {"consent", "report", ctl_cmd_consent_report, 1,
     "[--purpose P]... [--state S]... [--from DATE] [--until DATE] [--as-of DATE] "
     "[--format json|csv] [--host-ids] [-o FILE]",
     "Every subject's current consent, streamed (keyed hashes unless --host-ids)",
     "gdprctl consent report --purpose marketing --format csv -o consent.csv", "--until"},
    {"subject", "link", ctl_cmd_subject_link, 1, "SUBJECT KIND VALUE",
     "Link an identifier (email, phone, account) to a subject",
     "gdprctl subject link c-1001 email ana@example.com", NULL},
    {"subject", "find", ctl_cmd_subject_find, 1, "KIND VALUE",
     "Find the subject an identifier belongs to", "gdprctl subject find email ana@example.com",
     NULL},
    {"subject", "object", ctl_cmd_subject_object, 1,
     "SUBJECT [--purpose PURPOSE | --all-marketing]",
     "Record an objection (Art. 21): general, to one purpose, or to all direct marketing",
     "gdprctl subject object c-1001 --all-marketing", NULL},
    {"subject", "unobject", ctl_cmd_subject_unobject, 1,
     "SUBJECT [(--purpose PURPOSE | --all-marketing) --by subject|compelling-grounds]",
     "Lift an objection (one to direct marketing only --by subject, Art. 21(3))",
     "gdprctl subject unobject c-1001 --purpose newsletter --by subject", NULL},
    {"subject", "restrict", ctl_cmd_subject_restrict, 1, "SUBJECT [--lift]",
     "Restrict processing (Art. 18), or lift the restriction", "gdprctl subject restrict c-1001",
     NULL},
    {"access", "log", ctl_cmd_access_log, 1, "SUBJECT PURPOSE [REASON]",
     "Log that you consulted a subject's data (shown in their export, Art. 15(1); CJEU C-579/21)",
     "gdprctl access log c-1001 billing 'call about invoice 17'", NULL},
    {"access", "resolve", ctl_cmd_access_resolve, 1, "STAFF-REF",
     "Name the staff member an export's staff_ref stands for (needs staff.resolve)",
     "gdprctl access resolve staff-90c5af47a544a3713cf36592bf778784", NULL},
    {"subject", "hash", ctl_cmd_subject_hash, 1, "SUBJECT",
     "Print the 16-hex subject hash shown in logs and tombstones for a customer id",
     "gdprctl subject hash c-1001", NULL},
    {"vault", "put", ctl_cmd_vault_put, 1,
     "SUBJECT CATEGORY PURPOSE (VALUE | --file PATH|-) [--field NAME] [--source LABEL] "
     "[--collected DATE]",
     "Store an encrypted value (--file - reads stdin, keeping it out of ps and history)",
     "printf '%s' 'Ana Silva' | gdprctl vault put c-1001 contact service --file -", NULL},
    {"vault", "get", ctl_cmd_vault_get, 1, "RECORD [-o FILE]",
     "Decrypt one record (to a 0600 file with -o)", "gdprctl vault get 7 -o value.bin", NULL},
    {"vault", "rectify", ctl_cmd_vault_rectify, 1, "RECORD (VALUE | --file PATH|-)",
     "Correct a record's value; the old one is wiped", "gdprctl vault rectify 7 --file -", NULL},
    {"vault", "delete", ctl_cmd_vault_delete, 1, "RECORD", "Delete one record",
     "gdprctl vault delete 7", NULL},
    {"vault", "list", ctl_cmd_vault_list, 1, "SUBJECT", "List a subject's records",
     "gdprctl vault list c-1001", NULL},
    {"vault", "checkpoint", ctl_cmd_vault_checkpoint, 1, "",
     "Checkpoint and truncate the write-ahead logs", "gdprctl vault checkpoint", NULL},
    {"export", NULL, ctl_cmd_export, 1, "SUBJECT [--format json|csv] [-o FILE|DIR]",
     "Export everything held on a subject (Art. 15/20); files are created 0600; progress on a "
     "terminal",
     "gdprctl export c-1001 -o c-1001.json", NULL},
    {"request", "open", ctl_cmd_request_open, 1,
     "TYPE (--subject ID | --email V | --phone V | --account V) [--channel CH] "
     "[--received DATE] [--note TEXT] [--flag FLAG] [--grace DAYS|none]",
     "Log a data-subject request (access, erasure, ...) and its deadline",
     "gdprctl request open access --email ana@example.com --received 2026-03-02", NULL},
    {"request", "verify", ctl_cmd_request_verify, 1,
     "ID pending|verified|failed [METHOD] [--note TEXT]",
     "Record the identity check of a request (pending: the controller asked the requester for "
     "information, Art. 12(6); dated, so the request may later expire for want of it)",
     "gdprctl request verify 3 verified id-document", NULL},
    {"request", "extend", ctl_cmd_request_extend, 1, "ID MONTHS REASON --told DATE",
     "Extend a deadline by 1 or 2 months (Art. 12(3))",
     "gdprctl request extend 3 2 complexity --told 2026-03-20", NULL},
    {"request", "escalate", ctl_cmd_request_escalate, 1, "ID ROLE [--note TEXT]",
     "Hand a request to another role", "gdprctl request escalate 3 dpo", NULL},
    {"request", "fulfil", ctl_cmd_request_fulfil, 1,
     "ID [--out FILE] [--format json|csv] [--ground GROUND] [--note TEXT]",
     "Answer a request (an access request writes its export to --out, 0600)",
     "gdprctl request fulfil 3 --out answer.json", NULL},
    {"request", "deny", ctl_cmd_request_deny, 1,
     "ID REASON [--note TEXT] [--told-rights [--told-at DATE]]",
     "Refuse a request with a reason (identity_not_verified, no_match, "
     "manifestly_unfounded_or_excessive, exempt, other, suspected_fraud, outside_jurisdiction); "
     "--told-rights records that the subject was told of the complaint (Art. 77) and judicial "
     "remedy (Art. 79), as Art. 12(4) requires",
     "gdprctl request deny 3 suspected_fraud --told-rights", NULL},
    {"request", "expire", ctl_cmd_request_expire, 1, "ID",
     "Let a request lapse for want of identity: only past its due date and after 'request "
     "verify ID pending' recorded the ask (Art. 11(2), 12(2), 12(6))",
     "gdprctl request expire 3", NULL},
    {"request", "list", ctl_cmd_request_list, 1,
     "[--subject ID] [--status STATUS] [--limit N] [--count]", "List requests",
     "gdprctl request list --status open", NULL},
    {"request", "overdue", ctl_cmd_request_overdue, 1,
     "[--as-of DATE] [--soon DAYS] [--limit N] [--count]",
     "List requests past (or within DAYS of) their deadline, with days late",
     "gdprctl request overdue --soon 7", "--as-of"},
    {"request", "kpis", ctl_cmd_request_kpis, 1, "[--from DATE] [--to DATE]",
     "Counts and response times over a period", "gdprctl request kpis --from 2026-01-01", "--to"},
    {"transfer", "check", ctl_cmd_transfer_check, 1,
     "SUBJECT RECIPIENT [--at DATE] [--purpose ID] [--category ID]... [--repeated]",
     "May we send data abroad? exit 0 yes, 1 refused", "gdprctl transfer check c-1001 acme-us",
     NULL},
    {"transfer", "record", ctl_cmd_transfer_record, 1,
     "SUBJECT RECIPIENT [--at DATE] [--purpose ID] [--category ID]... [--repeated]",
     "Check and record a transfer", "gdprctl transfer record c-1001 acme-us", NULL},
    {"transfer", "log", ctl_cmd_transfer_log, 1, "[SUBJECT]", "List recorded transfers",
     "gdprctl transfer log c-1001", NULL},
    {"transfer", "count", ctl_cmd_transfer_count, 1, "RECIPIENT [--at DATE]",
     "Art. 49 transfers logged against the recipient's occasional_limit",
     "gdprctl transfer count acme-us --at 2026-03-10", NULL},
    {"adequacy", "list", ctl_cmd_adequacy_list, 1, "[--as-of DATE]",
     "List adequacy decisions (Art. 45)", "gdprctl adequacy list", NULL},
    {"adequacy", "load", ctl_cmd_adequacy_load, 1, "FILE", "Load an edited adequacy list",
     "gdprctl adequacy load adequacy.json", NULL},
    {"adequacy", "reset", ctl_cmd_adequacy_reset, 1, "", "Go back to the shipped adequacy list",
     "gdprctl adequacy reset", NULL},
    {"safeguard", "add", ctl_cmd_safeguard_add, 1,
     "RECIPIENT TYPE REFERENCE --from DATE [--until DATE] [--module N]",
     "Record a transfer safeguard (SCCs, BCRs ...) for a recipient",
     "gdprctl safeguard add acme-us scc SCC-2026-01 --from 2026-01-01 --module 2", "--until"},
    {"safeguard", "revoke", ctl_cmd_safeguard_revoke, 1, "ID", "Revoke a safeguard",
     "gdprctl safeguard revoke 2", NULL},
    {"safeguard", "list", ctl_cmd_safeguard_list, 1, "[RECIPIENT]", "List safeguards",
     "gdprctl safeguard list acme-us", NULL},
    {"retention", "due", ctl_cmd_retention_due, 1, "[--as-of DATE] [--limit N] [--count]",
     "List records whose retention period has ended", "gdprctl retention due --as-of 2026-12-31",
     "--as-of"},
    {"retention", "run", ctl_cmd_retention_run, 1, "[--as-of DATE] [--dry-run] [--yes] [--batch N]",
     "Erase what is due (asks first on a terminal; --dry-run says what it would do)",
     "gdprctl retention run --dry-run", "--as-of"},
    {"retention", "show", ctl_cmd_retention_show, 1, "RECORD",
     "Show a record's retention clock and why", "gdprctl retention show 7", NULL},
    {"retention", "touch", ctl_cmd_retention_touch, 1, "SUBJECT [--at DATE]",
     "Record activity that restarts a subject's retention clock", "gdprctl retention touch c-1001",
     NULL},
    {"retention", "contract-end", ctl_cmd_retention_contract_end, 1,
     "SUBJECT DATE [--purpose PURPOSE]", "Record the end of a subject's contract",
     "gdprctl retention contract-end c-1001 2026-06-30", NULL},
    {"review", "list", ctl_cmd_review_list, 1,
     "[--status open|kept|erased|gone|all] [--overdue] [--as-of DATE]",
     "List retention review tasks", "gdprctl review list --overdue", "--as-of"},
    {"review", "decide", ctl_cmd_review_decide, 1,
     "TASK (keep UNTIL --why TEXT | erase [--why TEXT])", "Keep or erase after a review",
     "gdprctl review decide 4 keep 2027-12-31 --why 'open litigation'", NULL},
    {"review", "why", ctl_cmd_review_why, 1, "TASK", "Print the justification of a decision",
     "gdprctl review why 4", NULL},
    /* erasure: the verbs first, "erase SUBJECT GROUND" last */
    {"erase", "record", ctl_cmd_erase_record, 1, "RECORD GROUND [--dry-run] [--yes]",
     "Erase one record (crypto-shredding)", "gdprctl erase record 7 art17-1a", NULL},
    {"erase", "lookup", ctl_cmd_erase_lookup, 1, "SUBJECT",
     "Show the tombstone of an erased subject", "gdprctl erase lookup c-1001", NULL},
    {"erase", "list", ctl_cmd_erase_list, 1, "[SUBJECT] [--limit N] [--count]",
     "List tombstones (of one subject, or of everyone), oldest first",
     "gdprctl erase list --limit 20", NULL},
    {"erase", "export", ctl_cmd_erase_export, 1, "> TOMBSTONES.json",
     "Export tombstones (to replay on a restored backup)", "gdprctl erase export > tombstones.json",
     NULL},
    {"erase", "replay", ctl_cmd_erase_replay, 1, "[TOMBSTONES.json]",
     "Replay tombstones on a restored backup", "gdprctl erase replay tombstones.json", NULL},
    {"erase", "pending", ctl_cmd_erase_pending, 1, "[--retry]",
     "List (or retry) host sources still to erase", "gdprctl erase pending --retry", NULL},
    {"erase", "due", ctl_cmd_erase_due, 1, "GROUND [--yes]",
     "Fulfil erasure requests past their grace period (asks first on a terminal; Ctrl-C: "
     "resumable, run again to continue)",
     "gdprctl erase due art17-1a --yes", NULL},
    {"erase", NULL, ctl_cmd_erase, 1, "SUBJECT GROUND [--dry-run] [--yes]",
     "Erase a subject (asks first on a terminal; --dry-run says what it would erase and keep)",
     "gdprctl erase c-1001 art17-1a --dry-run", NULL},
    {"hold", "place", ctl_cmd_hold_place, 1,
     "(--subject ID | --record N | --category CAT [--subject ID]) --until DATE --reason TEXT "
     "[--ground G] [--purpose P] [--collected-from DATE] [--collected-to DATE]",
     "Place a legal hold that blocks erasure of what it covers (Art. 17(3); --ground: "
     "freedom_of_expression, legal_obligation, public_task, public_health, archiving, "
     "legal_claims (default); --purpose and --collected-from/-to narrow it)",
     "gdprctl hold place --subject c-1001 --until 2027-06-30 --reason 'case 2026-17'", "--until"},
    {"hold", "release", ctl_cmd_hold_release, 1, "HOLD [REASON]", "Release a legal hold",
     "gdprctl hold release 1 'case closed'", NULL},
    {"hold", "list", ctl_cmd_hold_list, 1, "[--all] [--limit N] [--count]",
     "List holds in force (--all: with released ones, when and why)", "gdprctl hold list --all",
     NULL},
    {"rekey", NULL, ctl_cmd_rekey, 1,
     "(--new-key-file FILE|- | --new-passphrase-file FILE|-) [--yes]",
     "Rotate the master key: the old key or passphrase no longer opens the store (asks first on "
     "a terminal; without a --new-* flag, asks for a new passphrase on a terminal)",
     "gdprctl --key-file old.key rekey --new-key-file new.key", NULL},
    {"ropa", "export", ctl_cmd_ropa_export, 1, "[--format json|csv] [--as-of DATE] [-o FILE]",
     "The record of processing activities (Art. 30(1)); csv: the ICO template's columns",
     "gdprctl ropa export --format csv -o ropa.csv", NULL},
    {"breach", "open", ctl_cmd_breach_open, 1,
     "--nature N[,N] --categories C[,C] --subjects N --records N --description TEXT "
     "--consequences TEXT --measures TEXT [--aware DATE] [--occurred DATE]",
     "Record a personal-data breach; prints the 72-hour notification deadline (Art. 33)",
     "gdprctl breach open --nature confidentiality --categories contact --subjects 120 "
     "--records 300 --description 'laptop stolen' --consequences 'phishing risk' "
     "--measures 'device wiped'",
     NULL},
    {"breach", "notify", ctl_cmd_breach_notify, 1,
     "ID (--reference REF [--at DATE] [--late-reason TEXT] | --not-required REASON)",
     "Record the notification to the supervisory authority (late: with reasons)",
     "gdprctl breach notify 1 --reference DPC-2026-0117", NULL},
    {"breach", "decide", ctl_cmd_breach_decide, 1,
     "ID inform|not-high-risk|34-3-a|34-3-b|34-3-c [--informed DATE] [--note TEXT]",
     "Record the decision on telling the data subjects (Art. 34)",
     "gdprctl breach decide 1 inform --informed 2026-03-04", "--informed"},
    {"breach", "link", ctl_cmd_breach_link, 1, "ID SUBJECT...",
     "Link affected subjects to a breach (kept by keyed hash)", "gdprctl breach link 1 c-1001",
     NULL},
    {"breach", "list", ctl_cmd_breach_list, 1, "[--pending|--overdue] [--as-of DATE]",
     "List breaches with their deadline; --overdue: unnotified past 72 hours",
     "gdprctl breach list --overdue", NULL},
    {"breach", "kpis", ctl_cmd_breach_kpis, 1, "[--from DATE] [--to DATE]",
     "Breach KPIs: notified on time, late, pending, time to notify",
     "gdprctl breach kpis --from 2026-01-01", "--to"},
    {"wipe", NULL, ctl_cmd_wipe, 0, "FILE", "Overwrite and delete a file (an old export)",
     "gdprctl wipe c-1001.json", NULL},
    {"help", NULL, NULL, 0, "[COMMAND]", "Show help for gdprctl or one command",
     "gdprctl help erase", NULL},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

/* Flags every command takes, anywhere on the line; `value` names the value. */
static const struct {
    const char *name, *value, *help;
} global_flags[] = {
    {"--db", "PATH",
     "the store: a SQLite file or a postgresql:// URI (default $GDPR_DB, else "
     "gdpr.db); only init creates one"},
    {"--read-only", NULL,
     "open the store for reading only (a PostgreSQL hot standby, a copy): checks, lists and "
     "exports answer, every write is refused (exit 1); nothing is created or migrated"},
    {"--audit-db", "PATH|URI",
     "with --read-only: the writable store (the primary) where the audit events of audited reads "
     "(export, consent history, report) and of refusals are appended; without it those are "
     "refused"},
    {"--key-file", "FILE|-",
     "master key: 64 hex digits, file mode 0600 or stricter; - reads stdin"},
    {"--passphrase-file", "FILE|-", "master passphrase: the first line of FILE; - reads stdin"},
    {"--actor", "ID", "who acts (default $GDPR_ACTOR; required)"},
    {"--role", "ROLE", "their role in the policy (default $GDPR_ROLE; required)"},
    {"--json", NULL, "one JSON document on stdout; errors as JSON on stderr"},
    {"--now", "DATE", "simulated time (tests, demos): a date means its start"},
    {"--yes", NULL, "do not ask before destructive commands"},
    {"--progress", NULL,
     "show progress on stderr even when it is not a terminal (retention run, erase due, audit "
     "verify, export, rekey)"},
    {"--no-progress", NULL, "never show progress"},
    {"--help", NULL, "help for gdprctl or the command given"},
    {"--version", NULL, "print the versions of gdprctl and libgdpr"},
};
#define N_GLOBALS (sizeof global_flags / sizeof global_flags[0])

/* Exit codes: the one table (help, man page, README). */
static const struct {
    int code;
    const char *meaning;
} exit_codes[] = {
    {CTL_OK, "yes / done"},
    {CTL_FAILED, "the answer is no or refused (may not process, transfer refused, not found, "
                 "already exists)"},
    {CTL_USAGE, "usage: bad command line, bad date or number, no store at --db"},
    {CTL_VERIFY, "the audit trail is broken"},
    {CTL_DENIED, "the actor's role lacks the permission (the refusal is audited)"},
    {CTL_STORE, "store or key error: no key, wrong key, key file too open, I/O, corrupt data"},
};

static ctl *self; /* the one invocation; for helpers that print errors */
static int saved_stderr = -1;
static FILE *captured;
static char last_code[32]; /* GDPR_E... of the last library failure */

/* The library names fields as its API user knows them; gdprctl users know
 * flags. Each field at the start of the message or after ": " or "; "
 * becomes its flag. */
static const struct {
    const char *field, *flag;
    const char *group; /* only for commands of this group; NULL: all */
} field_flags[] = {
    {"notice", "NOTICE", NULL},
    {"subject", "SUBJECT", "consent"},
    {"purpose", "PURPOSE", "consent"},
    {"channel", "CHANNEL", "consent"},
    {"expires", "--expires", "consent"},
    {"recipient", "--recipient", "consent"},
    {"proof", "--proof", "consent"},
    {"opts.batch", "--batch", NULL},
    {"hold.until", "--until", NULL},
    {"hold.reason", "--reason", NULL},
    {"hold.subject", "--subject", NULL},
    {"hold.record", "--record", NULL},
    {"hold.category", "--category", NULL},
    {"as_of", "--as-of", NULL},
    {"in.received", "--received", NULL},
    {"in.channel", "--channel", NULL},
    {"late_reason", "--late-reason", "breach"},
    {"reference", "--reference", "breach"},
    {"informed_at", "--informed", "breach"},
    {"b.aware_at", "--aware", "breach"},
    {"b.occurred_at", "--occurred", "breach"},
    {"b.nature", "--nature", "breach"},
    {"b.categories", "--categories", "breach"},
    {"b.description", "--description", "breach"},
    {"b.consequences", "--consequences", "breach"},
    {"b.measures", "--measures", "breach"},
    {"opts.purposes", "--purpose", "consent"},
    {"opts.until", "--until", "consent"},
    {"opts.from", "--from", "consent"},
};

static void
print_user_message(const char *msg, const char *what)
{
    const char *p = msg;
    long long hold = 0;
    const char *h;

    while (*p) {
        size_t k, n = sizeof field_flags / sizeof field_flags[0];
        int at_start = p == msg || (p - msg >= 2 && (p[-1] == ' ') &&
                                    (p[-2] == ':' || p[-2] == ';' || p[-2] == '('));
        for (k = 0; at_start && k < n; k++) {
            size_t len = strlen(field_flags[k].field);
            const char *group = field_flags[k].group;
            if (group != NULL && (strncmp(what, group, strlen(group)) != 0 ||
                                  (what[strlen(group)] != ' ' && what[strlen(group)] != '\0')))
                continue;
            if (strncmp(p, field_flags[k].field, len) == 0 &&
                (p[len] == ':' || p[len] == ' ' || p[len] == '\0'))
                break;
        }
        if (at_start && k < n) {
            fputs(field_flags[k].flag, stderr);
            p += strlen(field_flags[k].field);
        } else if ((p == msg || !(isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == '.')) &&
                   (strncmp(p, "opts.read_only", 14) == 0 ||
                    strncmp(p, "opts.audit_path", 15) == 0)) {
            /* The options of a read-only engine are gdprctl's global flags. */
            int ro = p[5] == 'r';
            fputs(ro ? "--read-only" : "--audit-db", stderr);
            p += ro ? 14 : 15;
            if (strncmp(p, " (options version ", 18) == 0 && strchr(p + 1, ')') != NULL)
                p = strchr(p + 1, ')') + 1;
        } else {
            fputc(*p++, stderr);
        }
    }
    fputc('\n', stderr);
    /* The gdprctl command to run next. */
    h = strstr(msg, "under legal hold ");
    if (h != NULL && sscanf(h, "under legal hold %lld", &hold) == 1 && hold > 0)
        fprintf(stderr, "  next: gdprctl hold list, then gdprctl hold release %lld REASON\n", hold);
}

int
ctl_fail(const char *what, int rc)
{
    snprintf(last_code, sizeof last_code, "%.*s", (int)strcspn(gdpr_strerror(rc), ":"),
             gdpr_strerror(rc));
    fprintf(stderr, "gdprctl: %s: %s\n  ", what, gdpr_strerror(rc));
    print_user_message(gdpr_errmsg(), what);
    switch (rc) {
    case GDPR_EDENIED:
        return CTL_DENIED;
    case GDPR_EINVAL:
        return CTL_USAGE;
    case GDPR_ENOTFOUND:
    case GDPR_EEXISTS:
    case GDPR_ESTATE:
    case GDPR_ECALLBACK:
        return CTL_FAILED;
    default:
        return CTL_STORE;
    }
}

int
ctl_parse_time(const char *flag, const char *s, int64_t *out)
{
    static const char *const ends[] = {"--until", "--expires", "--to", "--as-of", "UNTIL"};
    unsigned int edge = GDPR_TIME_START;

    for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++)
        if (strcmp(flag, ends[i]) == 0)
            edge = GDPR_TIME_END;
    if (s == NULL || gdpr_time_parse(self ? self->eng : NULL, s, edge, out) != GDPR_OK) {
        fprintf(stderr,
                "gdprctl: %s: '%s' is not a real date: use YYYY-MM-DD (a date alone means %s of "
                "that day in the policy's time zone) or YYYY-MM-DDTHH:MM:SS[Z|+HH:MM]\n",
                flag, s ? s : "", edge == GDPR_TIME_END ? "the end" : "the start");
        return -1;
    }
    return 0;
}

void
ctl_format_time(int64_t t, char buf[32])
{
    if (gdpr_time_format(self ? self->eng : NULL, t, buf, 32) != GDPR_OK)
        snprintf(buf, 32, "%lld", (long long)t);
}

int
ctl_limit_take(ctl_limit *l, int argc, char **argv)
{
    int n = 0;

    memset(l, 0, sizeof *l);
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--count") == 0) {
            l->count_only = 1;
        } else if (strcmp(argv[i], "--limit") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "gdprctl: --limit needs a number of rows (1 or more)\n");
                return -1;
            }
            if (ctl_parse_int("--limit", argv[++i], 1, INT64_MAX, &l->limit) != 0)
                return -1;
        } else {
            argv[n++] = argv[i];
        }
    }
    return n;
}

int
ctl_limit_row(ctl_limit *l)
{
    l->matched++;
    if (l->count_only || (l->limit > 0 && l->shown >= l->limit))
        return 0;
    l->shown++;
    return 1;
}

void
ctl_limit_end(const ctl *c, const ctl_limit *l, const char *one, const char *many)
{
    if (l->count_only)
        printf(c->json ? "{\"count\":%lld}\n" : "%lld %s\n", (long long)l->matched,
               l->matched == 1 ? one : many);
    else if (!c->json && l->shown < l->matched)
        printf("... %lld more (raise --limit, or --count)\n", (long long)(l->matched - l->shown));
}

int
ctl_parse_int(const char *flag, const char *s, int64_t min, int64_t max, int64_t *out)
{
    char *end = NULL;
    long long v;

    errno = 0;
    v = s ? strtoll(s, &end, 10) : 0;
    if (s == NULL || errno != 0 || end == s || *end != '\0' || !isdigit((unsigned char)s[0]) ||
        v < min || v > max) {
        fprintf(stderr, "gdprctl: %s: '%s' is not a whole number from %lld to %lld\n", flag,
                s ? s : "", (long long)min, (long long)max);
        return -1;
    }
    *out = (int64_t)v;
    return 0;
}

FILE *
ctl_create(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f;

    if (fd < 0) {
        fprintf(stderr, "gdprctl: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    if (fchmod(fd, 0600) != 0 || (f = fdopen(fd, "wb")) == NULL) {
        fprintf(stderr, "gdprctl: %s: %s\n", path, strerror(errno));
        close(fd);
        return NULL;
    }
    return f;
}

unsigned char *
ctl_read_input(const char *flag, const char *path, size_t max, size_t *len_out)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0;
    struct stat st;

    if (f == NULL) {
        fprintf(stderr, "gdprctl: %s %s: %s\n", flag, path, strerror(errno));
        return NULL;
    }
    if (fstat(fileno(f), &st) != 0 || S_ISDIR(st.st_mode)) {
        fprintf(stderr, "gdprctl: %s %s: is a directory, not a file\n", flag, path);
        if (f != stdin)
            fclose(f);
        return NULL;
    }
    for (;;) {
        size_t n;
        if (len == cap) {
            unsigned char *grown;
            cap = cap ? cap * 2 : 4096;
            grown = cap > max * 2 + 4096 ? NULL : realloc(buf, cap);
            if (grown == NULL)
                break;
            buf = grown;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0 || len > max)
            break;
    }
    if (ferror(f) || len > max || buf == NULL) {
        fprintf(stderr, "gdprctl: %s %s: %s\n", flag, path,
                ferror(f) ? strerror(errno) : "too large");
        free(buf);
        buf = NULL;
    }
    if (f != stdin)
        fclose(f);
    *len_out = len;
    return buf;
}

int
ctl_confirm(ctl *c, const char *question)
{
    char answer[16] = "";
    FILE *tty;

    /* scripts and cron jobs (no terminal) and --yes go ahead */
    if (c->yes || !isatty(STDIN_FILENO) || (tty = fopen("/dev/tty", "r+")) == NULL)
        return 1;
    fprintf(tty, "%s [y/N] ", question);
    fflush(tty);
    if (fgets(answer, sizeof answer, tty) == NULL)
        answer[0] = '\0';
    fclose(tty);
    if (answer[0] == 'y' || answer[0] == 'Y')
        return 1;
    fprintf(stderr, "gdprctl: not confirmed; nothing done (--dry-run shows what would happen)\n");
    return 0;
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

/* --- help, man page, completion ------------------------------------------- */

static void
command_name(const ctl_command *cmd, char *buf, size_t size)
{
    snprintf(buf, size, "%s%s%s", cmd->group, cmd->verb ? " " : "", cmd->verb ? cmd->verb : "");
}

static void
overview(FILE *f)
{
    char name[64];

    fprintf(f, "usage: gdprctl [GLOBAL FLAGS] COMMAND [ARGS]\n\n"
               "gdprctl: the GDPR duties of a CRM, for a data protection officer.\n\ncommands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++) {
        command_name(&commands[i], name, sizeof name);
        fprintf(f, "  %-22s %s\n", name, commands[i].summary);
    }
    fprintf(f, "\nglobal flags (anywhere on the line):\n");
    for (size_t i = 0; i < N_GLOBALS; i++) {
        snprintf(name, sizeof name, "%s%s%s", global_flags[i].name,
                 global_flags[i].value ? " " : "",
                 global_flags[i].value ? global_flags[i].value : "");
        fprintf(f, "  %-26s %s\n", name, global_flags[i].help);
    }
    fprintf(f, "\nexit codes:\n");
    for (size_t i = 0; i < sizeof exit_codes / sizeof exit_codes[0]; i++)
        fprintf(f, "  %d  %s\n", exit_codes[i].code, exit_codes[i].meaning);
    fprintf(f, "\nkey: --key-file, --passphrase-file, GDPR_KEY (64 hex digits), GDPR_PASSPHRASE,\n"
               "     or a prompt when on a terminal.\n"
               "Run 'gdprctl help COMMAND' for a command's flags and an example; 'man gdprctl'.\n");
}

static void
command_help(FILE *f, const ctl_command *cmd)
{
    char name[64];

    command_name(cmd, name, sizeof name);
    fprintf(f, "usage: gdprctl %s %s\n\n%s.\n", name, cmd->usage, cmd->summary);
    if (strstr(cmd->usage, "DATE") || strstr(cmd->usage, "UNTIL"))
        fprintf(f,
                "\ndates: YYYY-MM-DD in the policy's time zone, or YYYY-MM-DDTHH:MM:SS[Z|+HH:MM];\n"
                "  a date alone is the %s of that day%s%s%s.\n",
                cmd->dates_end ? "end" : "start", cmd->dates_end ? " for " : "",
                cmd->dates_end ? cmd->dates_end : "",
                cmd->dates_end ? ", the start elsewhere" : "");
    fprintf(f, "\nexample:\n  %s\n\nglobal flags: gdprctl help\n", cmd->example);
}

/* roff text: escape backslashes and leading dots/quotes. */
static void
roff(FILE *f, const char *s)
{
    if (*s == '.' || *s == '\'')
        fputs("\\&", f);
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", f);
        else if (*s == '-')
            fputs("\\-", f);
        else
            fputc(*s, f);
    }
}

static void
man_page(FILE *f)
{
    char name[64];

    fprintf(f, ".TH GDPRCTL 1 \"\" \"libgdpr %s\" \"User Commands\"\n", gdpr_version());
    fprintf(f, ".SH NAME\ngdprctl \\- the GDPR duties of a CRM, for a data protection officer\n");
    fprintf(f, ".SH SYNOPSIS\n.B gdprctl\n[\\fIGLOBAL FLAGS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]\n");
    fprintf(f, ".SH DESCRIPTION\nEvery command is a thin wrapper over one libgdpr call. Only\n"
               ".B init\ncreates a store; every other command on a missing store fails.\n"
               "Every command takes \\fB\\-\\-json\\fR and then prints one JSON document.\n");
    fprintf(f, ".SH GLOBAL FLAGS\n");
    for (size_t i = 0; i < N_GLOBALS; i++) {
        fprintf(f, ".TP\n.B ");
        roff(f, global_flags[i].name);
        if (global_flags[i].value) {
            fputs(" \\fI", f);
            roff(f, global_flags[i].value);
            fputs("\\fR", f);
        }
        fputc('\n', f);
        roff(f, global_flags[i].help);
        fputc('\n', f);
    }
    fprintf(f, ".SH COMMANDS\n");
    for (size_t i = 0; i < N_COMMANDS; i++) {
        command_name(&commands[i], name, sizeof name);
        fprintf(f, ".TP\n.B ");
        roff(f, name);
        fputc(' ', f);
        roff(f, commands[i].usage);
        fputc('\n', f);
        roff(f, commands[i].summary);
        fprintf(f, ".\n");
        if (commands[i].dates_end) {
            fprintf(f, "A date alone in ");
            roff(f, commands[i].dates_end);
            fprintf(f, " means the end of that day.\n");
        }
        fprintf(f, ".br\nExample: ");
        roff(f, commands[i].example);
        fputc('\n', f);
    }
    fprintf(f,
            ".SH DATES\nDates are ISO 8601: \\fIYYYY\\-MM\\-DD\\fR in the time zone of the "
            "policy, or\n\\fIYYYY\\-MM\\-DDTHH:MM:SS\\fR with an optional \\fBZ\\fR or "
            "\\fB+HH:MM\\fR. Only real calendar\ndates are accepted (2026\\-02\\-30 is refused). "
            "A date alone means the start of the\nday, except for deadlines and \"until\" flags "
            "named under each command, where it\nmeans the end of that day. Times are printed "
            "in the policy's zone.\n");
    fprintf(f,
            ".SH ENVIRONMENT\n.TP\n.B GDPR_DB\nthe store when \\-\\-db is not given.\n"
            ".TP\n.B GDPR_ACTOR\\fR, \\fBGDPR_ROLE\nwho acts and in which role, when "
            "\\-\\-actor / \\-\\-role are not given;\nrequired: there is no default role.\n"
            ".TP\n.B GDPR_KEY\nthe master key as 64 hex digits.\n.TP\n.B GDPR_PASSPHRASE\n"
            "a master passphrase. Without any of these gdprctl asks on the terminal (no echo).\n");
    fprintf(f, ".SH EXIT STATUS\n");
    for (size_t i = 0; i < sizeof exit_codes / sizeof exit_codes[0]; i++) {
        fprintf(f, ".TP\n.B %d\n", exit_codes[i].code);
        roff(f, exit_codes[i].meaning);
        fputc('\n', f);
    }
    fprintf(f, ".SH FILES\nFiles gdprctl writes (exports, answers, values) are created with mode "
               "0600.\nKey and passphrase files readable by group or others are refused.\n");
    fprintf(f, ".SH SEE ALSO\nexamples/README.md and docs/ in the libgdpr sources.\n");
}

/* Flags a command takes, read from its usage text. */
static size_t
command_flags(const ctl_command *cmd, char flags[][32], size_t max)
{
    size_t n = 0;
    const char *p = cmd->usage;

    while (n < max && (p = strchr(p, '-')) != NULL) {
        size_t len = strspn(p, "-abcdefghijklmnopqrstuvwxyz");
        if (len >= 2 &&
            (p == cmd->usage || p[-1] == '[' || p[-1] == '(' || p[-1] == ' ' || p[-1] == '|')) {
            if (len < 32) {
                memcpy(flags[n], p, len);
                flags[n][len] = '\0';
                n++;
            }
        }
        p += len ? len : 1;
    }
    return n;
}

static void
completion(FILE *f)
{
    char flags[24][32];

    fprintf(f, "# bash completion for gdprctl (generated by gdprctl help --completion)\n"
               "_gdprctl()\n{\n    local cur=${COMP_WORDS[COMP_CWORD]} words=() i w\n"
               "    for ((i = 1; i < COMP_CWORD; i++)); do\n        w=${COMP_WORDS[i]}\n"
               "        case $w in\n");
    fprintf(f, "        ");
    for (size_t i = 0; i < N_GLOBALS; i++)
        if (global_flags[i].value)
            fprintf(f, "%s%s", i ? "|" : "", global_flags[i].name);
    fprintf(f, ") ((i++)) ;;\n        -*) ;;\n        *) words+=(\"$w\") ;;\n        esac\n"
               "    done\n    local globals='");
    for (size_t i = 0; i < N_GLOBALS; i++)
        fprintf(f, "%s%s", i ? " " : "", global_flags[i].name);
    fprintf(f, "'\n    case ${COMP_WORDS[COMP_CWORD-1]} in\n"
               "    --db|--audit-db|--key-file|--passphrase-file|--file|-o|--out) "
               "COMPREPLY=($(compgen -f -- "
               "\"$cur\")); return ;;\n    esac\n");
    fprintf(f, "    if [ ${#words[@]} -eq 0 ]; then\n        COMPREPLY=($(compgen -W '");
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (i == 0 || strcmp(commands[i].group, commands[i - 1].group) != 0)
            fprintf(f, "%s%s", i ? " " : "", commands[i].group);
    fprintf(f, " '\"$globals\" -- \"$cur\"))\n        return\n    fi\n"
               "    case ${words[0]} in\n");
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (commands[i].verb == NULL ||
            (i > 0 && strcmp(commands[i].group, commands[i - 1].group) == 0))
            continue;
        fprintf(f, "    %s) if [ ${#words[@]} -eq 1 ]; then COMPREPLY=($(compgen -W '",
                commands[i].group);
        for (size_t k = i; k < N_COMMANDS && strcmp(commands[k].group, commands[i].group) == 0; k++)
            if (commands[k].verb)
                fprintf(f, "%s%s", k == i ? "" : " ", commands[k].verb);
        fprintf(f, "' -- \"$cur\")); return; fi ;;\n");
    }
    fprintf(f, "    esac\n    local flags=\n    case \"${words[0]} ${words[1]}\" in\n");
    for (size_t i = 0; i < N_COMMANDS; i++) {
        size_t n = command_flags(&commands[i], flags, 24);
        if (commands[i].verb)
            fprintf(f, "    \"%s %s\")", commands[i].group, commands[i].verb);
        else
            fprintf(f, "    \"%s \"*)", commands[i].group);
        fprintf(f, " flags='");
        for (size_t k = 0; k < n; k++)
            fprintf(f, "%s%s", k ? " " : "", flags[k]);
        fprintf(f, "' ;;\n");
    }
    fprintf(f, "    esac\n    if [[ $cur == -* ]]; then\n"
               "        COMPREPLY=($(compgen -W \"$flags $globals\" -- \"$cur\"))\n    else\n"
               "        COMPREPLY=($(compgen -f -- \"$cur\"))\n    fi\n}\n"
               "complete -F _gdprctl gdprctl\n");
}

/* Edit distance, for "did you mean". */
static size_t
distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[64];

    if (la >= 63 || lb >= 63)
        return 99;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* The closest of `n` candidates to `word`, or NULL when none is close. */
static const char *
closest(const char *word, const char *const *cands, size_t n)
{
    const char *best = NULL;
    size_t best_d = 99, limit = strlen(word) <= 4 ? 1 : strlen(word) <= 8 ? 2 : 3;

    for (size_t i = 0; i < n; i++) {
        size_t d = distance(word, cands[i]);
        if (d < best_d || (d == best_d && best == NULL)) {
            best_d = d;
            best = cands[i];
        }
    }
    return best_d <= limit ? best : NULL;
}

/* --- secrets --------------------------------------------------------------- */

/* A key or passphrase file must be the owner's alone, like ssh's keys. */
static int
private_file(const char *flag, const char *path, FILE *f)
{
    struct stat st;

    if (f == stdin)
        return 0;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "gdprctl: %s %s: not a regular file\n", flag, path);
        return -1;
    }
    if ((st.st_mode & 0077) != 0) {
        fprintf(stderr,
                "gdprctl: %s %s: permissions %04o are too open; the file must be readable by its "
                "owner only (chmod 600 %s)\n",
                flag, path, (unsigned)(st.st_mode & 07777), path);
        return -1;
    }
    return 0;
}

/* Read a secret file (or stdin for "-") into buf, without the final newline. */
static int
read_secret(const char *flag, const char *path, char *buf, size_t size)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    size_t len;

    if (f == NULL) {
        fprintf(stderr, "gdprctl: %s %s: %s\n", flag, path, strerror(errno));
        return -1;
    }
    if (private_file(flag, path, f) != 0) {
        fclose(f);
        return -1;
    }
    len = fread(buf, 1, size - 1, f);
    if (f != stdin)
        fclose(f);
    buf[len] = '\0';
    if (len == size - 1) {
        fprintf(stderr, "gdprctl: %s %s: too long\n", flag, path);
        return -1;
    }
    if (len > 0 && buf[len - 1] == '\n')
        buf[--len] = '\0';
    if (len > 0 && buf[len - 1] == '\r')
        buf[--len] = '\0';
    if (len == 0 || strlen(buf) != len || strchr(buf, '\n') != NULL) {
        fprintf(stderr, "gdprctl: %s %s: expected one line%s\n", flag, path,
                len == 0 ? ", found nothing" : ", found more (trailing data)");
        return -1;
    }
    return 0;
}

/* Ask on the terminal without echo; twice when creating a store. */
static int
prompt_secret(const char *label, int twice, char *buf, size_t size)
{
    FILE *tty = fopen("/dev/tty", "r+");
    struct termios old, quiet;
    char again[sizeof((ctl *)0)->secret];
    int ok = 0;

    if (tty == NULL)
        return -1;
    if (tcgetattr(fileno(tty), &old) != 0) {
        fclose(tty);
        return -1;
    }
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    for (int round = 0; round < (twice ? 2 : 1); round++) {
        char *dst = round == 0 ? buf : again;
        fprintf(tty, round == 0 ? "%s: " : "Again: ", label);
        fflush(tty);
        tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
        ok = fgets(dst, (int)size, tty) != NULL;
        tcsetattr(fileno(tty), TCSAFLUSH, &old);
        fputc('\n', tty);
        if (!ok)
            break;
        dst[strcspn(dst, "\r\n")] = '\0';
    }
    fclose(tty);
    if (ok && twice && strcmp(buf, again) != 0) {
        fprintf(stderr, "gdprctl: the passphrases differ\n");
        ok = 0;
    }
    memset(again, 0, sizeof again);
    return ok && buf[0] != '\0' ? 0 : -1;
}

static int
parse_hex_key(const char *from, const char *hex, unsigned char key[32])
{
    if (strlen(hex) != 64) {
        fprintf(stderr,
                "gdprctl: %s: the key must be exactly 64 hex digits (found %zu "
                "characters)\n",
                from, strlen(hex));
        return -1;
    }
    for (int i = 0; i < 32; i++) {
        unsigned int byte;
        if (!isxdigit((unsigned char)hex[2 * i]) || !isxdigit((unsigned char)hex[2 * i + 1]) ||
            sscanf(hex + 2 * i, "%2x", &byte) != 1) {
            fprintf(stderr, "gdprctl: %s: the key must be 64 hex digits\n", from);
            return -1;
        }
        key[i] = (unsigned char)byte;
    }
    return 0;
}

/* gdprctl rekey: the new key or passphrase comes from --new-key-file or
 * --new-passphrase-file (0600 or stricter, or - for stdin), or is asked for
 * twice on a terminal; the old one is the global --key-file and friends. */
int
ctl_cmd_rekey(ctl *c, int argc, char **argv)
{
    const char *key_file = NULL, *pass_file = NULL;
    static char fresh[sizeof((ctl *)0)->secret];
    unsigned char new_key[32];
    char question[600];
    int rc;

    for (int i = 0; i < argc; i++) {
        const char **dst = strcmp(argv[i], "--new-key-file") == 0          ? &key_file
                           : strcmp(argv[i], "--new-passphrase-file") == 0 ? &pass_file
                                                                           : NULL;
        if (dst == NULL) {
            fprintf(stderr,
                    "gdprctl: rekey: unexpected argument '%s'\nusage: gdprctl rekey "
                    "(--new-key-file FILE|- | --new-passphrase-file FILE|-) [--yes]\n",
                    argv[i]);
            return CTL_USAGE;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "gdprctl: rekey: %s needs a value (FILE|-)\n", argv[i]);
            return CTL_USAGE;
        }
        *dst = argv[++i];
    }
    if (key_file != NULL && pass_file != NULL) {
        fprintf(stderr, "gdprctl: rekey: give --new-key-file or --new-passphrase-file, not both\n");
        return CTL_USAGE;
    }
    if (key_file != NULL) {
        rc = read_secret("--new-key-file", key_file, fresh, sizeof fresh) == 0 &&
                     parse_hex_key("--new-key-file", fresh, new_key) == 0
                 ? CTL_OK
                 : CTL_STORE;
    } else if (pass_file != NULL) {
        rc = read_secret("--new-passphrase-file", pass_file, fresh, sizeof fresh) == 0 ? CTL_OK
                                                                                       : CTL_STORE;
    } else if (isatty(STDIN_FILENO) &&
               prompt_secret("New passphrase (12 bytes or more)", 1, fresh, sizeof fresh) == 0) {
        pass_file = "the terminal";
        rc = CTL_OK;
    } else {
        fprintf(stderr, "gdprctl: rekey: give --new-key-file FILE|- or --new-passphrase-file "
                        "FILE|-, or run on a terminal to be asked for a new passphrase\n");
        return CTL_USAGE;
    }
    if (rc == CTL_OK) {
        snprintf(question, sizeof question,
                 "Rotate the master key of %s? The old key will no longer open it.", c->db);
        if (!ctl_confirm(c, question))
            rc = CTL_FAILED;
    }
    if (rc == CTL_OK) {
        ctl_progress_start(c, "rekey", NULL, 0, NULL);
        rc = key_file != NULL ? gdpr_rekey(c->eng, &c->who, new_key, sizeof new_key, NULL)
                              : gdpr_rekey(c->eng, &c->who, NULL, 0, fresh);
        ctl_progress_stop();
        rc = rc == GDPR_OK ? CTL_OK : ctl_fail("rekey", rc);
    }
    if (rc == CTL_OK) {
        if (c->json) {
            fputs("{\"rekeyed\":true,\"db\":", stdout);
            ctl_json_string(stdout, c->db);
            printf(",\"new\":\"%s\"}\n", key_file != NULL ? "key" : "passphrase");
        } else {
            printf("rekeyed %s: the new %s opens it; the old one no longer does (keep it only to "
                   "read old backups)\n",
                   c->db, key_file != NULL ? "key" : "passphrase");
        }
    }
    memset(fresh, 0, sizeof fresh);
    memset(new_key, 0, sizeof new_key);
    return rc;
}

/* Fill opts with the master key or passphrase: flags, then environment, then
 * a prompt on a terminal. */
/* The store as messages show it: a PostgreSQL URI's password masked. */
static char db_shown[1024];

static int
is_pg_uri(const char *db)
{
    return strncmp(db, "postgresql://", 13) == 0 || strncmp(db, "postgres://", 11) == 0;
}

/* `db` as messages show it, into shown[cap]: a URI's password masked. */
static void
mask_password(const char *db, char *shown, size_t cap)
{
    const char *auth, *end, *at = NULL, *colon = NULL;
    char *q;

    snprintf(shown, cap, "%s", db);
    if (!is_pg_uri(db))
        return;
    auth = strstr(db, "://") + 3;
    end = auth + strcspn(auth, "/?");
    for (const char *p = auth; p < end; p++)
        if (*p == '@')
            at = p;
    for (const char *p = auth; at != NULL && p < at; p++)
        if (*p == ':') {
            colon = p;
            break;
        }
    if (colon != NULL)
        snprintf(shown, cap, "%.*s:***%s", (int)(colon - db), db, at);
    q = strstr(shown, "password=");
    if (q != NULL) {
        size_t len = strcspn(q + 9, "&");
        memmove(q + 12, q + 9 + len, strlen(q + 9 + len) + 1);
        memcpy(q + 9, "***", 3);
    }
}

static void
set_db_shown(const char *db)
{
    mask_password(db, db_shown, sizeof db_shown);
}

static int
read_key(ctl *c, const char *key_file, const char *pass_file, int creating, gdpr_options *opts)
{
    const char *env = getenv("GDPR_KEY");

    if (key_file != NULL && pass_file != NULL) {
        fprintf(stderr, "gdprctl: give --key-file or --passphrase-file, not both\n");
        return CTL_USAGE;
    }
    if (key_file != NULL) {
        if (read_secret("--key-file", key_file, c->secret, sizeof c->secret) != 0)
            return CTL_STORE;
        env = c->secret;
    } else if (pass_file != NULL) {
        if (read_secret("--passphrase-file", pass_file, c->secret, sizeof c->secret) != 0)
            return CTL_STORE;
        opts->passphrase = c->secret;
        return CTL_OK;
    }
    if (env != NULL) {
        if (parse_hex_key(key_file ? "--key-file" : "GDPR_KEY", env, c->key) != 0)
            return CTL_STORE;
        opts->key = c->key;
        opts->key_len = sizeof c->key;
        return CTL_OK;
    }
    opts->passphrase = getenv("GDPR_PASSPHRASE");
    if (opts->passphrase != NULL)
        return CTL_OK;
    char label[300];
    snprintf(label, sizeof label, "Passphrase for %s", c->db);
    if (isatty(STDIN_FILENO) && prompt_secret(label, creating, c->secret, sizeof c->secret) == 0) {
        opts->passphrase = c->secret;
        return CTL_OK;
    }
    fprintf(stderr, "gdprctl: no master key: give --key-file FILE|-, --passphrase-file FILE|-, "
                    "GDPR_KEY or GDPR_PASSPHRASE, or run on a terminal to be asked\n");
    return CTL_STORE;
}

/* --- main ------------------------------------------------------------------- */

static int64_t
fixed_clock(void *ctx)
{
    ctl *c = ctx;
    return c->now_set ? c->now : (int64_t)time(NULL);
}

/* Under --json everything written to stderr is collected and, on failure,
 * printed as one JSON document: {"error":{"exit":N,"code":...,"message":...}}. */
static void
capture_stderr(void)
{
    fflush(stderr);
    captured = tmpfile();
    if (captured == NULL)
        return;
    saved_stderr = dup(STDERR_FILENO);
    if (saved_stderr < 0 || dup2(fileno(captured), STDERR_FILENO) < 0) {
        fclose(captured);
        captured = NULL;
    }
}

static int
finish(int rc)
{
    char text[8192];
    size_t n;

    if (captured == NULL)
        return rc;
    fflush(stderr);
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    rewind(captured);
    n = fread(text, 1, sizeof text - 1, captured);
    fclose(captured);
    captured = NULL;
    text[n] = '\0';
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
        text[--n] = '\0';
    if (rc == CTL_OK) {
        if (n > 0)
            fprintf(stderr, "%s\n", text);
        return rc;
    }
    for (char *p = text; *p; p++)
        if (*p == '\n')
            *p = ' ';
    fprintf(stderr, "{\"error\":{\"exit\":%d,\"code\":", rc);
    if (last_code[0])
        ctl_json_string(stderr, last_code);
    else
        fputs("null", stderr);
    fputs(",\"message\":", stderr);
    ctl_json_string(stderr, strncmp(text, "gdprctl: ", 9) == 0 ? text + 9 : text);
    fputs("}}\n", stderr);
    return rc;
}

static const ctl_command *
find_command(int argc, char **argv, int *words)
{
    for (size_t k = 0; k < N_COMMANDS; k++) {
        const ctl_command *cmd = &commands[k];
        if (argc < 1 || strcmp(argv[0], cmd->group) != 0)
            continue;
        if (cmd->verb && (argc < 2 || strcmp(argv[1], cmd->verb) != 0))
            continue;
        *words = cmd->verb ? 2 : 1;
        return cmd;
    }
    return NULL;
}

static int
unknown_command(int argc, char **argv)
{
    const char *cands[N_COMMANDS * 2];
    char names[N_COMMANDS][64];
    char typed[128];
    const char *best;
    size_t n = 0;
    int group_known = 0;

    for (size_t i = 0; i < N_COMMANDS; i++) {
        command_name(&commands[i], names[i], sizeof names[i]);
        group_known |= strcmp(argv[0], commands[i].group) == 0;
    }
    if (group_known) {
        /* a known group with an unknown or missing verb */
        for (size_t i = 0; i < N_COMMANDS; i++)
            if (strcmp(argv[0], commands[i].group) == 0 && commands[i].verb)
                cands[n++] = commands[i].verb;
        if (argc < 2) {
            fprintf(stderr, "gdprctl: '%s' needs a command:", argv[0]);
            for (size_t i = 0; i < n; i++)
                fprintf(stderr, " %s", cands[i]);
            fprintf(stderr, "\n  (gdprctl help %s VERB)\n", argv[0]);
            return CTL_USAGE;
        }
        best = closest(argv[1], cands, n);
        fprintf(stderr, "gdprctl: '%s %s' is not a gdprctl command", argv[0], argv[1]);
        if (best)
            fprintf(stderr, "; did you mean 'gdprctl %s %s'?\n", argv[0], best);
        else
            fprintf(stderr, "; run 'gdprctl help' for the list\n");
        return CTL_USAGE;
    }
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (i == 0 || strcmp(commands[i].group, commands[i - 1].group) != 0)
            cands[n++] = commands[i].group;
    }
    snprintf(typed, sizeof typed, "%s", argv[0]);
    best = closest(typed, cands, n);
    if (best == NULL && argc > 1) {
        const char *full[N_COMMANDS];
        for (size_t i = 0; i < N_COMMANDS; i++)
            full[i] = names[i];
        snprintf(typed, sizeof typed, "%s %s", argv[0], argv[1]);
        best = closest(typed, full, N_COMMANDS);
    }
    fprintf(stderr, "gdprctl: '%s' is not a gdprctl command", argv[0]);
    if (best)
        fprintf(stderr, "; did you mean '%s'?\n", best);
    else
        fprintf(stderr, "; run 'gdprctl help' for the list\n");
    return CTL_USAGE;
}

/* Refuse a --flag the command does not take, naming it and the closest one. */
static int
check_flags(const ctl_command *cmd, int argc, char **argv)
{
    char flags[24][32];
    const char *cands[24];
    size_t n = command_flags(cmd, flags, 24);

    for (size_t k = 0; k < n; k++)
        cands[k] = flags[k];
    for (int i = 0; i < argc; i++) {
        const char *best;
        size_t k;
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strncmp(argv[i], "--", 2) != 0)
            continue;
        for (k = 0; k < n && strcmp(argv[i], flags[k]) != 0; k++)
            ;
        if (k < n)
            continue;
        best = closest(argv[i], cands, n);
        fprintf(stderr, "gdprctl: %s%s%s does not take the flag %s", cmd->group,
                cmd->verb ? " " : "", cmd->verb ? cmd->verb : "", argv[i]);
        if (best)
            fprintf(stderr, "; did you mean %s?\n", best);
        else
            fprintf(stderr, "\nusage: gdprctl %s%s%s %s\n", cmd->group, cmd->verb ? " " : "",
                    cmd->verb ? cmd->verb : "", cmd->usage);
        return CTL_USAGE;
    }
    return CTL_OK;
}

static int
help_command(int argc, char **argv)
{
    const ctl_command *cmd;
    int words = 0;

    if (argc == 0) {
        overview(stdout);
        return CTL_OK;
    }
    if (strcmp(argv[0], "--man") == 0) {
        man_page(stdout);
        return CTL_OK;
    }
    if (strcmp(argv[0], "--completion") == 0) {
        completion(stdout);
        return CTL_OK;
    }
    cmd = find_command(argc, argv, &words);
    if (cmd == NULL || (argc > words && strncmp(argv[words], "-", 1) != 0)) {
        /* a group alone: list its commands */
        int any = 0;
        for (size_t i = 0; i < N_COMMANDS; i++) {
            char name[64];
            if (strcmp(commands[i].group, argv[0]) != 0)
                continue;
            command_name(&commands[i], name, sizeof name);
            printf("%sgdprctl %s %s\n    %s\n", any ? "" : "", name, commands[i].usage,
                   commands[i].summary);
            any = 1;
        }
        return any ? CTL_OK : unknown_command(argc, argv);
    }
    command_help(stdout, cmd);
    return CTL_OK;
}

static int
run(int argc, char **argv)
{
    static ctl c;
    const char *key_file = NULL, *pass_file = NULL, *now_text = NULL, *audit_db = NULL;
    static char audit_shown[1024];
    int read_only = 0;
    gdpr_options opts = GDPR_OPTIONS_INIT;
    const ctl_command *cmd;
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    int nrest = 0, want_help = 0, words = 0, rc;

    memset(&c, 0, sizeof c);
    self = &c;
    if (rest == NULL)
        return CTL_STORE;
    c.db = getenv("GDPR_DB") && *getenv("GDPR_DB") ? getenv("GDPR_DB") : "gdpr.db";
    c.who.id = getenv("GDPR_ACTOR");
    c.who.role = getenv("GDPR_ROLE");
    c.progress = -1;
    /* global flags anywhere; everything else, in order, is the command */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        size_t g;
        if (strcmp(a, "--") == 0) {
            while (i < argc)
                rest[nrest++] = argv[i++];
            break;
        }
        for (g = 0; g < N_GLOBALS && strcmp(a, global_flags[g].name) != 0; g++)
            ;
        if (strcmp(a, "-h") == 0)
            g = 0; /* a global without a value: treated as --help below */
        if (g == N_GLOBALS) {
            rest[nrest++] = argv[i];
            continue;
        }
        if (strcmp(a, "-h") != 0 && global_flags[g].value != NULL && i + 1 >= argc) {
            fprintf(stderr, "gdprctl: %s needs a value (%s)\n", a, global_flags[g].value);
            free(rest);
            return CTL_USAGE;
        }
        if (strcmp(a, "--json") == 0)
            c.json = 1;
        else if (strcmp(a, "--yes") == 0)
            c.yes = 1;
        else if (strcmp(a, "--progress") == 0)
            c.progress = 1;
        else if (strcmp(a, "--no-progress") == 0)
            c.progress = 0;
        else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            want_help = 1;
        else if (strcmp(a, "--version") == 0) {
            printf("gdprctl %s (libgdpr %s)\n", GDPR_VERSION_STRING, gdpr_version());
            free(rest);
            return CTL_OK;
        } else if (strcmp(a, "--db") == 0)
            c.db = argv[++i];
        else if (strcmp(a, "--read-only") == 0)
            read_only = 1;
        else if (strcmp(a, "--audit-db") == 0)
            audit_db = argv[++i];
        else if (strcmp(a, "--key-file") == 0)
            key_file = argv[++i];
        else if (strcmp(a, "--passphrase-file") == 0)
            pass_file = argv[++i];
        else if (strcmp(a, "--actor") == 0)
            c.who.id = argv[++i];
        else if (strcmp(a, "--role") == 0)
            c.who.role = argv[++i];
        else if (strcmp(a, "--now") == 0)
            now_text = argv[++i];
    }
    if (c.json)
        capture_stderr();
    if (nrest == 0) {
        if (want_help) {
            overview(stdout);
            rc = CTL_OK;
        } else {
            overview(stderr);
            rc = CTL_USAGE;
        }
        free(rest);
        return finish(rc);
    }
    if (strcmp(rest[0], "help") == 0) {
        rc = help_command(nrest - 1, rest + 1);
        free(rest);
        return finish(rc);
    }
    cmd = find_command(nrest, rest, &words);
    if (cmd == NULL) {
        rc = want_help ? help_command(nrest, rest) : unknown_command(nrest, rest);
        free(rest);
        return finish(rc);
    }
    if (want_help) {
        command_help(stdout, cmd);
        free(rest);
        return finish(CTL_OK);
    }
    rc = check_flags(cmd, nrest - words, rest + words);
    if (rc == CTL_OK && audit_db != NULL && !read_only) {
        fprintf(stderr, "gdprctl: --audit-db needs --read-only: it names where a read-only "
                        "engine appends its audit events; a writable one appends to --db\n");
        rc = CTL_USAGE;
    }
    if (rc == CTL_OK && read_only && cmd->fn == ctl_cmd_init) {
        fprintf(stderr, "gdprctl: init creates a store; --read-only opens an existing one\n");
        rc = CTL_USAGE;
    }
    if (rc == CTL_OK && now_text != NULL) {
        /* checked before the store is touched; read again below in the policy's zone */
        int64_t probe;
        if (ctl_parse_time("--now", now_text, &probe) != 0)
            rc = CTL_USAGE;
    }
    if (rc == CTL_OK && cmd->needs_engine) {
        struct stat st;
        /* A PostgreSQL URI: the server says whether the store exists;
         * before any command but init, a read-only open (which never
         * creates) asks it, so only init creates a store. */
        int pg = is_pg_uri(c.db);
        int creating = cmd->fn == ctl_cmd_init && (pg || stat(c.db, &st) != 0);
        const char *db_real = c.db;
        /* Messages and output name the store without its password. */
        set_db_shown(c.db);
        c.db = db_shown;
        if (audit_db != NULL)
            mask_password(audit_db, audit_shown, sizeof audit_shown);
        if (cmd->fn != ctl_cmd_init && !pg && strcmp(c.db, ":memory:") != 0 &&
            stat(c.db, &st) != 0) {
            fprintf(stderr, "gdprctl: no store at %s; create one with gdprctl init\n", c.db);
            rc = CTL_USAGE;
        } else if (audit_db != NULL && !is_pg_uri(audit_db) && strcmp(audit_db, ":memory:") != 0 &&
                   stat(audit_db, &st) != 0) {
            fprintf(stderr,
                    "gdprctl: --audit-db: no store at %s; give the writable store that --db is "
                    "a copy or standby of\n",
                    audit_shown);
            rc = CTL_USAGE;
        } else if (c.who.id == NULL || c.who.role == NULL || !*c.who.id || !*c.who.role) {
            fprintf(stderr, "gdprctl: who is acting? give --actor ID and --role ROLE (or set "
                            "GDPR_ACTOR and GDPR_ROLE); there is no default role\n");
            rc = CTL_USAGE;
        }
        if (rc == CTL_OK)
            rc = read_key(&c, key_file, pass_file, creating, &opts);
        if (rc == CTL_OK) {
            opts.path = db_real;
            opts.clock = fixed_clock;
            opts.clock_ctx = &c;
#if GDPR_OPTIONS_VERSION >= 4
            opts.read_only = read_only;
            opts.audit_path = audit_db;
#else
            if (read_only || audit_db != NULL) {
                fprintf(stderr, "gdprctl: --read-only and --audit-db need libgdpr options "
                                "version 4\n");
                rc = CTL_USAGE;
                goto opened;
            }
#endif
#if GDPR_OPTIONS_VERSION >= 3
            if (pg && cmd->fn != ctl_cmd_init && !read_only) {
                gdpr_options probe = opts;
                probe.read_only = 1;
                rc = gdpr_open(&c.eng, &probe);
                gdpr_close(c.eng);
                c.eng = NULL;
                /* "... holds no store yet" (a store needing a migration is
                 * refused too: the open below migrates it) */
                if (rc == GDPR_ESTATE && strstr(gdpr_errmsg(), "no store") != NULL) {
                    fprintf(stderr, "gdprctl: no store at %s; create one with gdprctl init\n",
                            c.db);
                    rc = CTL_USAGE;
                    goto opened;
                }
            }
#endif
            rc = gdpr_open(&c.eng, &opts);
            if (rc == GDPR_ESTATE && read_only &&
                strncmp(gdpr_errmsg(), "opts.read_only:", 15) == 0 &&
                strstr(gdpr_errmsg(), "no store") != NULL) {
                /* read-only never creates: "... holds no store yet" */
                fprintf(stderr,
                        "gdprctl: no store at %s; create one with gdprctl init (without "
                        "--read-only, on the primary)\n",
                        c.db);
                rc = CTL_USAGE;
            } else if (rc != GDPR_OK) {
                int standby =
                    rc == GDPR_ESTATE && !read_only && strstr(gdpr_errmsg(), "hot standby") != NULL;
                rc = ctl_fail(db_shown, rc);
                if (standby)
                    fprintf(stderr, "  next: on a hot standby, add --read-only (and --audit-db "
                                    "PRIMARY for exports and other audited reads)\n");
            } else {
                rc = CTL_OK;
            }
        }
    opened:
        if (rc == CTL_OK && now_text != NULL) {
            rc = ctl_parse_time("--now", now_text, &c.now) == 0 ? CTL_OK : CTL_USAGE;
            c.now_set = rc == CTL_OK;
        }
    }
    if (rc == CTL_OK)
        rc = cmd->fn(&c, nrest - words, rest + words);
    gdpr_close(c.eng);
    c.eng = NULL;
    memset(c.secret, 0, sizeof c.secret);
    memset(c.key, 0, sizeof c.key);
    free(rest);
    return finish(rc);
}

int
main(int argc, char **argv)
{
    umask(077); /* everything gdprctl creates is the owner's alone */
    return run(argc, argv);
}
