#!/bin/sh
# gdprctl subject link|find, vault put|get|list|rectify|delete|checkpoint and
# export (JSON file, CSV directory, CSV on stdout) end to end, human and
# --json; refusals, unknown ids, usage errors.
# Usage: gdprctl-vault.sh GDPRCTL SOURCE_ROOT
set -eu
ctl=$1 root=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db="$tmp/t.db"
export GDPR_KEY=1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100
export GDPR_ACTOR=dpo1 GDPR_ROLE=dpo
unset GDPR_PASSPHRASE || true

fail() { echo "FAIL: $*"; exit 1; }
expect_exit() { want=$1; shift; set +e; "$@" >"$tmp/out" 2>"$tmp/err"; got=$?; set -e
    [ "$got" -eq "$want" ] || { cat "$tmp/out" "$tmp/err"; fail "exit $got, want $want: $*"; }; }
agent="--actor agent-anna --role agent"

expect_exit 0 "$ctl" --db "$db" init "$root/examples/policy.json"
# shellcheck disable=SC2086
expect_exit 0 "$ctl" --db "$db" $agent vault put CUST-1 contact service "Zelda Quartermain" \
    --field name
grep -q "record 1 stored (17 bytes, sealed)" "$tmp/out" || fail "put: $(cat "$tmp/out")"
printf 'bin\000ary' >"$tmp/blob"
# shellcheck disable=SC2086
expect_exit 0 "$ctl" --json --db "$db" $agent vault put CUST-1 financial billing \
    --file "$tmp/blob" --source import:ledger
grep -q '"record":2' "$tmp/out" || fail "put --file --json: $(cat "$tmp/out")"
# Purpose limitation: health is not a category of marketing.
# shellcheck disable=SC2086
expect_exit 2 "$ctl" --db "$db" $agent vault put CUST-1 health marketing "x"
grep -q "'health' is not a category of purpose 'marketing'" "$tmp/err" || fail "purpose: $(cat "$tmp/err")"

# shellcheck disable=SC2086
expect_exit 0 "$ctl" --db "$db" $agent subject link CUST-1 email " Zelda.Q@Example.ORG "
# shellcheck disable=SC2086
expect_exit 0 "$ctl" --db "$db" $agent subject link CUST-1 phone "+49 (30) 1234-567"
expect_exit 0 "$ctl" --db "$db" subject find email zelda.q@example.org
[ "$(cat "$tmp/out")" = "CUST-1" ] || fail "find email: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --json --db "$db" subject find phone +49301234567
grep -q '"found":true,"subject":"CUST-1"' "$tmp/out" || fail "find phone: $(cat "$tmp/out")"
expect_exit 1 "$ctl" --db "$db" subject find email nobody@example.org
# One identifier, one person.
# shellcheck disable=SC2086
expect_exit 1 "$ctl" --db "$db" $agent subject link CUST-2 email zelda.q@example.org
grep -q "GDPR_EEXISTS" "$tmp/err" || fail "claim twice: $(cat "$tmp/err")"

expect_exit 0 "$ctl" --db "$db" vault get 1
[ "$(cat "$tmp/out")" = "Zelda Quartermain" ] || fail "get: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --json --db "$db" vault get 2
grep -q '"length":7,"encoding":"hex","value":"62696e00617279"' "$tmp/out" || fail "get hex: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --db "$db" vault get 2 -o "$tmp/back"
cmp -s "$tmp/blob" "$tmp/back" || fail "binary round trip"
expect_exit 0 "$ctl" --db "$db" vault list CUST-1
grep -q "2 record(s)" "$tmp/out" || fail "list: $(cat "$tmp/out")"
grep -q "import:ledger" "$tmp/out" || fail "list source: $(cat "$tmp/out")"

# Rectify: the agent may not; the DPO may, and the old value is gone.
# shellcheck disable=SC2086
expect_exit 4 "$ctl" --db "$db" $agent vault rectify 1 "Zelda Q. Smith"
grep -q "vault.rectify" "$tmp/err" || fail "denied rectify: $(cat "$tmp/err")"
expect_exit 0 "$ctl" --db "$db" vault rectify 1 "Zelda Q. Smith"
expect_exit 0 "$ctl" --db "$db" vault get 1
[ "$(cat "$tmp/out")" = "Zelda Q. Smith" ] || fail "after rectify: $(cat "$tmp/out")"
for f in "$db" "$db-wal" "$db-keys" "$db-keys-wal"; do
    [ -f "$f" ] || continue
    if grep -a -q -e "Quartermain" -e "Zelda" -e "zelda.q@example.org" "$f"; then
        fail "plaintext in $f"
    fi
done

# Export: JSON into a file, CSV tables into a directory, CSV on stdout.
expect_exit 0 "$ctl" --db "$db" export CUST-1 -o "$tmp/cust-1.json"
for key in '"format": "libgdpr.export"' '"records": \[' '"consent_history": \[' \
           '"transfers": \[' '"rights": {' '"value": "Zelda Q. Smith"' '"value": "zelda.q@example.org"' \
           '"encoding": "base64"' '"value": "YmluAGFyeQ=="'; do
    grep -q "$key" "$tmp/cust-1.json" || fail "export lacks $key"
done
expect_exit 0 "$ctl" --db "$db" export CUST-1 --format csv -o "$tmp/csv"
[ -f "$tmp/csv/contact.csv" ] && [ -f "$tmp/csv/financial.csv" ] && [ -f "$tmp/csv/health.csv" ] ||
    fail "csv tables: $(ls "$tmp/csv")"
grep -q "^vault,1,name,service,,.*,utf-8,Zelda Q. Smith" "$tmp/csv/contact.csv" ||
    fail "contact.csv: $(cat "$tmp/csv/contact.csv")"
[ "$(wc -l <"$tmp/csv/health.csv")" -eq 1 ] || fail "health.csv should be a header only"
expect_exit 0 "$ctl" --db "$db" export CUST-1 --format csv
head -1 "$tmp/out" | grep -q "^category,origin,record,field," || fail "csv stdout: $(head -2 "$tmp/out")"
# Unknown subject: exit 1 and no file left behind.
expect_exit 1 "$ctl" --db "$db" export NOBODY -o "$tmp/none.json"
[ ! -e "$tmp/none.json" ] || fail "a failed export left a file"
# An agent may not export.
# shellcheck disable=SC2086
expect_exit 4 "$ctl" --db "$db" $agent export CUST-1
grep -q "export.subject" "$tmp/err" || fail "denied export: $(cat "$tmp/err")"

# Record 2 (financial, billing) is kept under the legal duty of rule R-1:
# a delete is refused and changes nothing.
expect_exit 1 "$ctl" --db "$db" vault delete 2
grep -q "legal duty (retention rule R-1)" "$tmp/err" || fail "delete kept: $(cat "$tmp/err")"
expect_exit 0 "$ctl" --db "$db" vault get 2
expect_exit 0 "$ctl" --db "$db" vault delete 1
expect_exit 1 "$ctl" --db "$db" vault get 1
grep -q "GDPR_ENOTFOUND" "$tmp/err" || fail "get deleted: $(cat "$tmp/err")"
expect_exit 0 "$ctl" --db "$db" vault checkpoint
expect_exit 0 "$ctl" --db "$db" audit verify

# Usage errors: exit 2.
expect_exit 2 "$ctl" --db "$db" vault get zero
expect_exit 2 "$ctl" --db "$db" vault put CUST-1 contact
expect_exit 2 "$ctl" --db "$db" subject link CUST-1 email
expect_exit 2 "$ctl" --db "$db" export CUST-1 --format xml
expect_exit 2 "$ctl" --db "$db" export
echo "gdprctl vault: ok"
