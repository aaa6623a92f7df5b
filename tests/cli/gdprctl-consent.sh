#!/bin/sh
# gdprctl consent grant|withdraw|check|history|receipt end to end (human and
# --json), the explicit-consent rule, the consent.read permission, usage.
# Usage: gdprctl-consent.sh GDPRCTL SOURCE_ROOT
set -eu
ctl=$1 root=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db="$tmp/t.db"
export GDPR_KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
export GDPR_ACTOR=dpo1 GDPR_ROLE=dpo
unset GDPR_PASSPHRASE || true

fail() { echo "FAIL: $*"; exit 1; }
expect_exit() { want=$1; shift; set +e; "$@" >"$tmp/out" 2>"$tmp/err"; got=$?; set -e
    [ "$got" -eq "$want" ] || { cat "$tmp/out" "$tmp/err"; fail "exit $got, want $want: $*"; }; }
agent="--actor agent-anna --role agent"

expect_exit 0 "$ctl" --db "$db" init "$root/examples/policy.json"
# shellcheck disable=SC2086
expect_exit 0 "$ctl" --db "$db" $agent --now 2026-03-02T10:15:00Z consent grant CUST-1 \
    marketing marketing-v2 phone --proof "recording REC-1" --expires 2027-03-02
grep -q "consent event 1: CUST-1 granted for 'marketing'" "$tmp/out" || fail "grant: $(cat "$tmp/out")"
# Library field names become the command's arguments and flags; times are
# ISO 8601, not seconds.
# shellcheck disable=SC2086
expect_exit 2 "$ctl" --db "$db" $agent --now 2026-03-02T10:15:00Z consent grant CUST-1 \
    marketing marketing-v2 web --expires 2026-03-01
grep -q "^  --expires: 2026-03-01T23:59:59Z is not after now (2026-03-02T10:15:00Z)$" "$tmp/err" ||
    fail "--expires in the past: $(cat "$tmp/err")"
# shellcheck disable=SC2086
expect_exit 2 "$ctl" --db "$db" $agent consent grant CUST-1 marketing marketing-v2 ""
grep -q "^  CHANNEL: must not be empty" "$tmp/err" || fail "channel mapped: $(cat "$tmp/err")"
# shellcheck disable=SC2086
expect_exit 2 "$ctl" --db "$db" $agent consent grant "" marketing marketing-v2 web
grep -q "^  SUBJECT: must not be empty" "$tmp/err" || fail "subject mapped: $(cat "$tmp/err")"
# shellcheck disable=SC2086
expect_exit 2 "$ctl" --db "$db" $agent consent grant CUST-1 service privacy-v3 web
grep -q "^  PURPOSE: 'service' is based on contract" "$tmp/err" || fail "purpose mapped: $(cat "$tmp/err")"
grep -q "c\.[a-z]" "$tmp/err" && fail "struct field named: $(cat "$tmp/err")"
# Special category without --explicit: refused, exit 1, the rule named.
# shellcheck disable=SC2086
expect_exit 2 "$ctl" --db "$db" $agent consent grant CUST-1 accessibility privacy-v3 phone
grep -q "Art. 9(2)(a)" "$tmp/err" || fail "explicit rule: $(cat "$tmp/err")"
# shellcheck disable=SC2086
expect_exit 0 "$ctl" --json --db "$db" $agent consent grant CUST-1 accessibility privacy-v3 \
    phone --explicit
grep -q '"event":2,"state":"granted"' "$tmp/out" || fail "grant --json: $(cat "$tmp/out")"

expect_exit 0 "$ctl" --db "$db" --now 2026-04-01 consent check CUST-1 marketing
grep -q "consent granted; may process: yes" "$tmp/out" || fail "check: $(cat "$tmp/out")"
# shellcheck disable=SC2086
expect_exit 0 "$ctl" --db "$db" $agent --now 2026-04-02 consent withdraw CUST-1 marketing web
grep -q "consent event 3: CUST-1 withdrew 'marketing'" "$tmp/out" || fail "withdraw: $(cat "$tmp/out")"
expect_exit 1 "$ctl" --json --db "$db" --now 2026-04-03 consent check CUST-1 marketing
grep -q '"granted":false,"may_process":false,"why":"withdrawn","event":3' "$tmp/out" ||
    fail "check after withdrawal: $(cat "$tmp/out")"
# The past is answered from the history.
expect_exit 0 "$ctl" --json --db "$db" --now 2026-04-03 consent check CUST-1 marketing \
    --at 2026-03-15
grep -q '"granted":true' "$tmp/out" || fail "check --at: $(cat "$tmp/out")"
# Expiry at the exact second: --expires DATE is the end of that day in the
# policy's zone (Europe/Dublin, UTC+1 in May): 2026-05-01T22:59:59Z.
# shellcheck disable=SC2086
expect_exit 0 "$ctl" --db "$db" $agent --now 2026-04-03 consent grant CUST-2 marketing \
    marketing-v2 web --expires 2026-05-01
expect_exit 0 "$ctl" --json --db "$db" consent check CUST-2 marketing --at 2026-05-01T23:59:58+01:00
grep -q '"granted":true' "$tmp/out" || fail "before expiry: $(cat "$tmp/out")"
expect_exit 1 "$ctl" --json --db "$db" consent check CUST-2 marketing --at 2026-05-02
grep -q '"granted":false,"may_process":false,"why":"expired"' "$tmp/out" ||
    fail "at expiry: $(cat "$tmp/out")"
# An unknown subject is just "no" (exit 1).
expect_exit 1 "$ctl" --json --db "$db" consent check NOBODY marketing
grep -q '"granted":false,"may_process":false,"why":"no_consent"' "$tmp/out" ||
    fail "unknown subject: $(cat "$tmp/out")"

expect_exit 0 "$ctl" --db "$db" consent history CUST-1
grep -q "proof: recording REC-1" "$tmp/out" || fail "history: $(cat "$tmp/out")"
[ "$(grep -c '^ *[0-9][0-9]*  20' "$tmp/out")" -eq 3 ] || fail "history count: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --json --db "$db" consent history CUST-1
grep -q '"event":3,"at":"2026-04-02T00:00:00+01:00","purpose":"marketing","state":"withdrawn"' \
    "$tmp/out" || fail "history --json: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --db "$db" consent history CUST-1 --limit 2
[ "$(grep -c '^ *[0-9][0-9]*  20' "$tmp/out")" -eq 2 ] || fail "history --limit: $(cat "$tmp/out")"
grep -q "^\.\.\. 1 more" "$tmp/out" || fail "history more: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --db "$db" consent history CUST-1 --count
[ "$(cat "$tmp/out")" = "3 consent events" ] || fail "history --count: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --json --db "$db" consent history CUST-1 --limit 1
python3 -m json.tool "$tmp/out" >/dev/null || fail "history --limit --json: $(cat "$tmp/out")"
grep -q '"event":2' "$tmp/out" && fail "history --limit 1 --json: $(cat "$tmp/out")"
expect_exit 2 "$ctl" --db "$db" consent history CUST-1 --limit x
# An agent may record but not read proofs: exit 4, the permission named.
# shellcheck disable=SC2086
expect_exit 4 "$ctl" --db "$db" $agent consent history CUST-1
grep -q "consent.read" "$tmp/err" || fail "denied: $(cat "$tmp/err")"

expect_exit 0 "$ctl" --db "$db" consent receipt 1
grep -q '"version":"KI-CR-v1.1.0"' "$tmp/out" || fail "receipt: $(cat "$tmp/out")"
grep -q '"sha256":"80bdf2d646ee7193aa50fb4b4c1bfbd19c9c6c59893709bcf77b2d50f992d15a"' "$tmp/out" ||
    fail "receipt notice hash: $(cat "$tmp/out")"
if grep -q "REC-1" "$tmp/out"; then fail "the proof leaked into a receipt"; fi
expect_exit 1 "$ctl" --db "$db" consent receipt 99
grep -q "GDPR_ENOTFOUND" "$tmp/err" || fail "receipt 99: $(cat "$tmp/err")"

# Usage errors: exit 2.
expect_exit 2 "$ctl" --db "$db" consent grant CUST-1 marketing
expect_exit 2 "$ctl" --db "$db" consent receipt zero
expect_exit 2 "$ctl" --db "$db" consent check CUST-1 marketing --at yesterday
expect_exit 2 "$ctl" --db "$db" consent withdraw CUST-1
echo "gdprctl consent: all checks passed"
