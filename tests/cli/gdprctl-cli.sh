#!/bin/sh
# gdprctl as a compliance officer meets it: help without a store, did-you-mean,
# global flags anywhere, only init creates a store, strict dates and numbers,
# secrets from stdin and refused key files, 0600 outputs, dry runs, JSON
# validity of every listing and of errors, the exit-code table, man page and
# completion generated from the command table.
# Usage: gdprctl-cli.sh GDPRCTL SOURCE_ROOT
set -eu
ctl=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") root=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db="$tmp/t.db"
key=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
export GDPR_KEY=$key
export GDPR_ACTOR=dpo1 GDPR_ROLE=dpo
unset GDPR_PASSPHRASE GDPR_DB || true
cd "$tmp"

fail() { echo "FAIL: $*"; exit 1; }
expect_exit() { want=$1; shift; set +e; "$@" >"$tmp/out" 2>"$tmp/err" </dev/null; got=$?; set -e
    [ "$got" -eq "$want" ] || { cat "$tmp/out" "$tmp/err"; fail "exit $got, want $want: $*"; }; }
json_ok() { python3 -m json.tool "$1" >/dev/null || fail "not JSON ($2): $(cat "$1")"; }
has() { grep -q -- "$1" "$2" || fail "'$1' not in $2: $(cat "$2")"; }

# --- help, version, did-you-mean: no store needed, none created -------------
expect_exit 0 "$ctl" --help
has "consent grant          Record a consent" "$tmp/out"
has "exit codes:" "$tmp/out"
expect_exit 0 "$ctl" help
has "erase due" "$tmp/out"
expect_exit 0 "$ctl" help erase
has "usage: gdprctl erase SUBJECT GROUND \[--dry-run\] \[--yes\]" "$tmp/out"
has "example:" "$tmp/out"
expect_exit 0 "$ctl" --db "$tmp/none.db" consent grant --help
has "a date alone is the end of that day for --expires" "$tmp/out"
expect_exit 2 "$ctl" hold
has "'hold' needs a command: place release list" "$tmp/err"
[ -e "$tmp/none.db" ] && fail "--help created a store"
expect_exit 0 "$ctl" --version
has "^gdprctl [0-9]" "$tmp/out"
expect_exit 2 "$ctl" consnet check A b
has "did you mean 'consent'" "$tmp/err"
expect_exit 2 "$ctl" consent chekc A b
has "did you mean 'gdprctl consent check'" "$tmp/err"
expect_exit 2 "$ctl" retention run --dryrun
has "retention run does not take the flag --dryrun; did you mean --dry-run?" "$tmp/err"
expect_exit 2 "$ctl" frobnicate
has "'frobnicate' is not a gdprctl command" "$tmp/err"

# --- only init creates a store ------------------------------------------------
expect_exit 2 "$ctl" --db "$db" audit verify
has "no store at $db; create one with gdprctl init" "$tmp/err"
[ -e "$db" ] && fail "audit verify created a store"
expect_exit 2 "$ctl" --db "$db" --json audit verify
json_ok "$tmp/err" "missing store error"
has '"exit":2' "$tmp/err"
[ -e "$db" ] && fail "audit verify --json created a store"
# Actor and role are required; no default role.
expect_exit 2 env -u GDPR_ROLE "$ctl" --db "$db" init "$root/examples/policy.json"
has "there is no default role" "$tmp/err"
[ -e "$db" ] && fail "init without a role created a store"
# Global flags after the command.
expect_exit 0 "$ctl" init "$root/examples/policy.json" --db "$db" --now 2026-01-05
has "policy version 1" "$tmp/out"
export GDPR_DB="$db"
expect_exit 0 "$ctl" audit verify --json
json_ok "$tmp/out" "audit verify"

# --- strict dates and numbers -------------------------------------------------
for d in 2026-02-30 2027-06-31 2026-02-29 2027-02-31 2026-13-01 2026-1-1 yesterday; do
    expect_exit 2 "$ctl" hold place --subject C-1 --until "$d" --reason r
    has "--until: '$d' is not a real date" "$tmp/err"
done
expect_exit 2 "$ctl" consent grant C-1 marketing marketing-v2 web --expires 2026-02-29
has "--expires: '2026-02-29' is not a real date" "$tmp/err"
expect_exit 2 "$ctl" request open access --email a@example.org --received 2026-02-30
expect_exit 2 "$ctl" retention run --batch abc
has "--batch: 'abc' is not a whole number" "$tmp/err"
expect_exit 2 "$ctl" retention run --batch 0
expect_exit 2 "$ctl" audit log --from abc
has "--from: 'abc' is not a whole number" "$tmp/err"
expect_exit 2 "$ctl" safeguard add acme-analytics scc REF --from 2026-01-01 --module abc
has "--module: 'abc'" "$tmp/err"
expect_exit 2 "$ctl" request extend 1 x why --told 2026-01-10
has "MONTHS: 'x' is not a whole number" "$tmp/err"
expect_exit 2 "$ctl" --now 2026-02-30 audit head
has "--now: '2026-02-30'" "$tmp/err"
expect_exit 0 "$ctl" subject link C-1 email c1@example.org
# An until that is the end of the day that is the end of the day in Dublin (UTC+1 in June).
expect_exit 0 "$ctl" --now 2026-01-05 --json hold place --subject C-1 --until 2027-06-30 --reason "case 17"
json_ok "$tmp/out" "hold place"
expect_exit 0 "$ctl" --json hold list
json_ok "$tmp/out" "hold list"
has '"until":"2027-06-30T23:59:59+01:00"' "$tmp/out"
expect_exit 0 "$ctl" --now 2026-01-06 hold release 1 "case closed"
expect_exit 0 "$ctl" hold list --all
has "released 2026-01-06T00:00:00Z by dpo1" "$tmp/out"
expect_exit 0 "$ctl" --json hold list
[ "$(cat "$tmp/out")" = "[]" ] || fail "empty hold list: $(cat "$tmp/out")"

# --- secrets ---------------------------------------------------------------------
printf '%s\n' "$key" >"$tmp/key"
chmod 600 "$tmp/key"
expect_exit 0 env -u GDPR_KEY "$ctl" --key-file "$tmp/key" audit head
chmod 644 "$tmp/key"
expect_exit 5 env -u GDPR_KEY "$ctl" --key-file "$tmp/key" audit head
has "permissions 0644 are too open" "$tmp/err"
chmod 600 "$tmp/key"
printf '%sjunk\n' "$key" >"$tmp/key"
expect_exit 5 env -u GDPR_KEY "$ctl" --key-file "$tmp/key" audit head
has "exactly 64 hex digits" "$tmp/err"
set +e
printf '%s\n' "$key" | env -u GDPR_KEY "$ctl" --key-file - audit head >"$tmp/out" 2>"$tmp/err"
got=$?
set -e
[ "$got" -eq 0 ] || fail "--key-file -: exit $got $(cat "$tmp/err")"
expect_exit 5 env -u GDPR_KEY "$ctl" audit head
has "no master key" "$tmp/err"
expect_exit 5 env GDPR_KEY=ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f "$ctl" audit head
# A passphrase store, the passphrase from stdin.
set +e
printf 'correct horse\n' | env -u GDPR_KEY "$ctl" --db "$tmp/p.db" --passphrase-file - init >"$tmp/out" 2>"$tmp/err"
got=$?
printf 'correct horse\n' | env -u GDPR_KEY "$ctl" --db "$tmp/p.db" --passphrase-file - audit verify >"$tmp/out" 2>"$tmp/err"
got2=$?
set -e
[ "$got" -eq 0 ] && [ "$got2" -eq 0 ] || fail "--passphrase-file -: $got $got2 $(cat "$tmp/err")"

# --- values from stdin, 0600 outputs -----------------------------------------------
set +e
printf 'Ana Silva' | "$ctl" --json vault put C-1 contact service --field name --file - >"$tmp/out" 2>"$tmp/err"
got=$?
set -e
[ "$got" -eq 0 ] || fail "vault put --file -: $(cat "$tmp/err")"
json_ok "$tmp/out" "vault put"
mkdir "$tmp/dir"
expect_exit 1 "$ctl" vault put C-1 contact service --file "$tmp/dir"
has "is a directory" "$tmp/err"
expect_exit 0 "$ctl" vault get 1 -o "$tmp/value"
[ "$(cat "$tmp/value")" = "Ana Silva" ] || fail "vault get -o"
[ "$(stat -c %a "$tmp/value")" = 600 ] || fail "vault get -o mode $(stat -c %a "$tmp/value")"
expect_exit 0 "$ctl" export C-1 -o "$tmp/c1.json"
[ "$(stat -c %a "$tmp/c1.json")" = 600 ] || fail "export mode $(stat -c %a "$tmp/c1.json")"
json_ok "$tmp/c1.json" "export"

# --- subject hash, audit filters ----------------------------------------------------
expect_exit 0 "$ctl" --json subject hash C-1
json_ok "$tmp/out" "subject hash"
short=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["short"])' "$tmp/out")
expect_exit 0 "$ctl" audit log --subject C-1
has "$short" "$tmp/out"
expect_exit 0 "$ctl" --json audit log --action hold.manage --since 2026-01-01 --until 2026-01-05
json_ok "$tmp/out" "audit log filtered"
has '"action":"hold.manage"' "$tmp/out"
grep -q '"action":"policy.load"' "$tmp/out" && fail "audit log --action did not filter"
expect_exit 0 "$ctl" --json audit log --count
json_ok "$tmp/out" "audit log --count"
expect_exit 0 "$ctl" audit log --limit 1
has "more (raise --limit)" "$tmp/out"

# --- answers and exit codes ---------------------------------------------------------
expect_exit 1 "$ctl" --json consent check C-1 marketing
json_ok "$tmp/out" "consent check no"
has '"may_process":false' "$tmp/out"
expect_exit 1 "$ctl" erase lookup NOBODY
expect_exit 4 "$ctl" --role agent --actor a1 policy load "$root/examples/policy.json"
expect_exit 4 "$ctl" --json --role agent --actor a1 policy load "$root/examples/policy.json"
json_ok "$tmp/err" "denied error"
has '"exit":4,"code":"GDPR_EDENIED",' "$tmp/err"

# --- progress on stderr: --progress forces it off a terminal, --no-progress never ---
# Off a terminal: plain lines (no carriage returns), one a second and a last one.
expect_exit 0 "$ctl" --progress audit verify
head -n 1 "$tmp/err" | grep -q "^audit verify: 0.0 s elapsed$" || fail "progress start: $(cat "$tmp/err")"
tail -n 1 "$tmp/err" | grep -q "^audit verify: done in [0-9]*\.[0-9] s$" ||
    fail "progress end: $(cat "$tmp/err")"
grep -q "$(printf '\r')" "$tmp/err" && fail "carriage return off a terminal: $(cat "$tmp/err")"
has "^audit trail intact" "$tmp/out"
expect_exit 0 "$ctl" --progress export C-1 -o "$tmp/p1.json"
has "^export: 0.0 s elapsed, 0 bytes (0 bytes/s)$" "$tmp/err"
has "^export: done in [0-9]*\.[0-9] s, [1-9][0-9]* bytes ([0-9]* bytes/s)$" "$tmp/err"
json_ok "$tmp/p1.json" "export with progress"
expect_exit 0 "$ctl" --progress --json export C-1
json_ok "$tmp/out" "export --progress to stdout"
has "^export: done in" "$tmp/err"
expect_exit 0 "$ctl" erase due art17-1a --yes --progress
has "^erase due: done in [0-9]*\.[0-9] s$" "$tmp/err"
for args in "audit verify" "export C-1 -o $tmp/p2.json" "erase due art17-1a --yes"; do
    # shellcheck disable=SC2086
    expect_exit 0 "$ctl" --no-progress $args
    [ -s "$tmp/err" ] && [ "$args" != "export C-1 -o $tmp/p2.json" ] && fail "--no-progress $args: $(cat "$tmp/err")"
    grep -q "elapsed\|done in" "$tmp/err" && fail "--no-progress $args: $(cat "$tmp/err")"
    # shellcheck disable=SC2086
    expect_exit 0 "$ctl" $args # not a terminal, no flag: no progress either
    grep -q "elapsed\|done in" "$tmp/err" && fail "no terminal, $args: $(cat "$tmp/err")"
done

# --- destructive commands: dry run says "would" ------------------------------------
expect_exit 0 "$ctl" erase C-1 art17-1a --dry-run
has "dry run (nothing changed): erase C-1 under art17-1a would erase 1 record$" "$tmp/out"
has "its consents, identities and key would go too" "$tmp/out"
expect_exit 0 "$ctl" --json erase C-1 art17-1a --dry-run
json_ok "$tmp/out" "erase --dry-run"
expect_exit 0 "$ctl" vault get 1
has "Ana Silva" "$tmp/out"
expect_exit 0 "$ctl" --now 2026-01-07 retention run --dry-run
has "dry run (nothing changed) as of 2026-01-07T00:00:00Z: examined [0-9]*, would erase" "$tmp/out"
expect_exit 0 "$ctl" --json erase C-1 art17-1a --yes
json_ok "$tmp/out" "erase"
expect_exit 0 "$ctl" --json erase pending
[ "$(cat "$tmp/out")" = "[]" ] || fail "empty erase pending: $(cat "$tmp/out")"

# --- every listing is one JSON document -----------------------------------------------
for cmd in "policy show" "audit head" "audit log" "consent history C-1" "vault list C-2" \
    "request list" "request overdue" "request kpis" "transfer log" "adequacy list" \
    "safeguard list" "retention due" "review list" "erase lookup C-1" "erase list" "erase export" \
    "hold list --all" "erase pending"; do
    # shellcheck disable=SC2086
    expect_exit 0 "$ctl" --json $cmd
    json_ok "$tmp/out" "$cmd"
done

# --- man page and completion come from the same table ------------------------------------
expect_exit 0 "$ctl" help --man
has '^\.TH GDPRCTL 1' "$tmp/out"
has '^\.SH EXIT STATUS' "$tmp/out"
has 'subject hash' "$tmp/out"
expect_exit 0 "$ctl" help --completion
bash -n "$tmp/out" || fail "completion is not valid bash"
has "complete -F _gdprctl gdprctl" "$tmp/out"
echo "ok"
