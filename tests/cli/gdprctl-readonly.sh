#!/bin/sh
# gdprctl --read-only and --audit-db on SQLite (the PostgreSQL standby is in
# gdprctl-postgres.sh): reads answer, writes are refused and change nothing,
# audited reads need --audit-db and then append to it, and the wrong
# combinations are refused before the store is touched.
# Usage: gdprctl-readonly.sh GDPRCTL SOURCE_ROOT
set -eu
ctl=$1 root=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db="$tmp/t.db"
export GDPR_KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
export GDPR_ACTOR=dpo1 GDPR_ROLE=dpo
unset GDPR_PASSPHRASE GDPR_DB || true

fail() { echo "FAIL: $*"; exit 1; }
expect_exit() { want=$1; shift; set +e; "$@" >"$tmp/out" 2>"$tmp/err" </dev/null; got=$?; set -e
    [ "$got" -eq "$want" ] || { cat "$tmp/out" "$tmp/err"; fail "exit $got, want $want: $*"; }; }
has() { grep -q -- "$1" "$2" || fail "'$1' not in $2: $(cat "$2")"; }
head_of() { "$ctl" --db "$1" audit head; }

# --- documented in --help and the man page ----------------------------------
expect_exit 0 "$ctl" --help
has "--read-only" "$tmp/out"
has "--audit-db PATH|URI" "$tmp/out"
expect_exit 0 "$ctl" help --man
has '^\.B \\-\\-read\\-only' "$tmp/out"
has '^\.B \\-\\-audit\\-db' "$tmp/out"

# --- the wrong combinations: refused, nothing created ---------------------------
expect_exit 2 "$ctl" --db "$db" --audit-db "$db" audit verify
has "gdprctl: --audit-db needs --read-only" "$tmp/err"
expect_exit 2 "$ctl" --db "$db" --json --audit-db "$db" audit verify
python3 -m json.tool "$tmp/err" >/dev/null || fail "not JSON: $(cat "$tmp/err")"
has '"exit":2' "$tmp/err"
expect_exit 2 "$ctl" --db "$db" --read-only init "$root/examples/policy.json"
has "gdprctl: init creates a store; --read-only opens an existing one" "$tmp/err"
expect_exit 2 "$ctl" --db "$db" --read-only consent check C-1 marketing
has "no store at $db" "$tmp/err"
[ -e "$db" ] && fail "a read-only command created a store"

# --- a store to read ------------------------------------------------------------
expect_exit 0 "$ctl" --db "$db" init "$root/examples/policy.json"
expect_exit 0 "$ctl" --db "$db" consent grant C-1 marketing marketing-v2 web --proof "form 1"
expect_exit 0 "$ctl" --db "$db" vault put C-1 contact service "Ada Example"
before=$(head_of "$db")

# Reads answer (flags anywhere on the line).
expect_exit 0 "$ctl" --db "$db" consent check C-1 marketing --read-only
expect_exit 1 "$ctl" --read-only --db "$db" consent check C-2 marketing
expect_exit 0 "$ctl" --read-only --db "$db" audit verify
[ "$(head_of "$db")" = "$before" ] || fail "reads changed the audit trail"

# Writes are refused (exit 1), naming the flag, and change nothing.
expect_exit 1 "$ctl" --read-only --db "$db" consent grant C-2 marketing marketing-v2 web --proof x
has "GDPR_ESTATE" "$tmp/err"
has "read-only (--read-only): writes are refused" "$tmp/err"
expect_exit 1 "$ctl" --read-only --audit-db "$db" --db "$db" vault put C-2 contact service "Bo"
has "writes are refused" "$tmp/err"
[ "$(head_of "$db")" = "$before" ] || fail "a refused write changed the audit trail"
expect_exit 1 "$ctl" --db "$db" consent check C-2 marketing

# An audited read without --audit-db: refused before anything is given out.
expect_exit 1 "$ctl" --read-only --db "$db" export C-1 -o "$tmp/c1.json"
has "with nowhere to append it: set --audit-db" "$tmp/err"
[ -s "$tmp/c1.json" ] && fail "an export without its audit event wrote data"
[ "$(head_of "$db")" = "$before" ] || fail "a refused export changed the audit trail"

# With --audit-db (here the same file: SQLite's second, writable connection)
# the export answers and its event is appended there.
expect_exit 0 "$ctl" --read-only --audit-db "$db" --db "$db" export C-1 -o "$tmp/c1.json"
grep -q "Ada Example" "$tmp/c1.json" || fail "export lacks the value"
after=$(head_of "$db")
[ "${after%%:*}" -eq $((${before%%:*} + 1)) ] || fail "export event: $before -> $after"
expect_exit 0 "$ctl" --db "$db" audit log --json
has '"action":"export' "$tmp/out"
expect_exit 0 "$ctl" --db "$db" audit verify

# A refusal's event goes to --audit-db too; without it the refused call is
# refused as a state error (its refusal could not be audited).
expect_exit 1 env GDPR_ROLE=agent "$ctl" --read-only --db "$db" export C-1 -o "$tmp/x.json"
has "set --audit-db" "$tmp/err"
expect_exit 4 env GDPR_ROLE=agent "$ctl" --read-only --audit-db "$db" --db "$db" export C-1 -o "$tmp/x.json"
[ "$(head_of "$db" | cut -d: -f1)" -eq $((${after%%:*} + 1)) ] || fail "refusal not audited"

# --audit-db must be the same store, and exist.
expect_exit 2 "$ctl" --read-only --audit-db "$tmp/none.db" --db "$db" export C-1 -o "$tmp/x.json"
has "gdprctl: --audit-db: no store at $tmp/none.db" "$tmp/err"
[ -e "$tmp/none.db" ] && fail "--audit-db created a store"
expect_exit 0 "$ctl" --db "$tmp/other.db" init "$root/examples/policy.json"
expect_exit 5 "$ctl" --read-only --audit-db "$tmp/other.db" --db "$db" export C-1 -o "$tmp/x.json"
has "GDPR_ECORRUPT" "$tmp/err"
has "\-\-audit-db: holds another store" "$tmp/err"
echo "gdprctl --read-only / --audit-db: all checks passed"
