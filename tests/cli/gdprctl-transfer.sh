#!/bin/sh
# gdprctl transfer check|record|log, adequacy list|load|reset,
# safeguard add|list|revoke, end to end, human and --json, with exit codes:
# 0 allowed, 3 refused, 1 bad file, 4 denied.
# Usage: gdprctl-transfer.sh GDPRCTL SOURCE_ROOT
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
c() { "$ctl" --db "$db" --now 2026-03-01 "$@"; }

expect_exit 0 c init "$root/examples/policy.json"
# US without DPF: refused (3), the reason says what would help.
expect_exit 1 c transfer check CUST-1 acme-analytics
grep -q "REFUSED" "$tmp/out" || fail "check: $(cat "$tmp/out")"
grep -q "not DPF-certified on 2026-03-01" "$tmp/out" || fail "reason: $(cat "$tmp/out")"
grep -q "Art. 49(1)(a)" "$tmp/out" || fail "hint: $(cat "$tmp/out")"
# US with DPF: adequacy; India: SCCs; both logged.
expect_exit 0 c --json transfer record CUST-1 cloudco-us --purpose service
grep -q '"allowed":true,"mechanism":"adequacy"' "$tmp/out" || fail "record: $(cat "$tmp/out")"
grep -q '"event":1' "$tmp/out" || fail "event: $(cat "$tmp/out")"
expect_exit 0 c transfer record CUST-1 support-in
grep -q "ground: Art. 46(2)(c)" "$tmp/out" || fail "scc: $(cat "$tmp/out")"
# Health data to the US processor: refused and logged.
expect_exit 1 c transfer record CUST-1 acme-analytics --purpose accessibility
grep -q "special-category" "$tmp/out" || fail "special: $(cat "$tmp/out")"
expect_exit 0 c --json transfer log CUST-1
[ "$(grep -o '"id":' "$tmp/out" | wc -l)" -eq 3 ] || fail "log: $(cat "$tmp/out")"
grep -q '"mechanism":"refused","allowed":false' "$tmp/out" || fail "log refused: $(cat "$tmp/out")"
expect_exit 0 c transfer log
grep -q "3 logged decisions" "$tmp/out" || fail "log all: $(cat "$tmp/out")"
# Unknown recipient: exit 1 with a clear message.
expect_exit 2 c transfer check CUST-1 nobody
grep -q "'nobody' is not a recipient of the policy" "$tmp/err" || fail "unknown: $(cat "$tmp/err")"
# Usage errors.
expect_exit 2 c transfer check CUST-1
expect_exit 2 c transfer check CUST-1 acme-analytics --at yesterday
# The list as it stood in 2010, and today.
expect_exit 0 c adequacy list --as-of 2010-01-01
grep -q "Safe Harbour" "$tmp/out" || fail "list 2010: $(cat "$tmp/out")"
grep -q "Japan" "$tmp/out" && fail "Japan listed in 2010"
expect_exit 0 c --json adequacy list
grep -q '"id":"BR-2026-179"' "$tmp/out" || fail "list --json: $(cat "$tmp/out")"
# A run-time safeguard opens the US transfer; revoked, it closes again.
expect_exit 4 c --actor a1 --role agent safeguard add acme-analytics scc "SCC m2" --from 2026-02-01 --module 2
expect_exit 0 c safeguard add acme-analytics scc "SCC 2021/914 module 2, signed 2026-02-01" \
    --from 2026-02-01 --module 2
grep -q "safeguard 1: scc for acme-analytics" "$tmp/out" || fail "add: $(cat "$tmp/out")"
expect_exit 0 c transfer check CUST-1 acme-analytics
expect_exit 0 c --json safeguard list acme-analytics
grep -q '"id":1' "$tmp/out" || fail "safeguard list: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --db "$db" --now 2026-03-10 safeguard revoke 1
expect_exit 1 "$ctl" --db "$db" --now 2026-03-10 transfer check CUST-1 acme-analytics
grep -q "revoked on 2026-03-10" "$tmp/out" || fail "revoked: $(cat "$tmp/out")"
# A replacement list: refused whole when wrong, in force when right.
printf '{"format":"libgdpr-adequacy/1","updated":"2026-01-01","source":"x","eea":[{"code":"at","name":"A","basis":"EU"}],"decisions":[]}' >"$tmp/bad.json"
expect_exit 2 c adequacy load "$tmp/bad.json"
grep -q "eea\[0\].code: 'at' must be written in capitals" "$tmp/err" || fail "bad list: $(cat "$tmp/err")"
sed 's/"in_force_from": "2023-07-10",/"in_force_from": "2027-07-10",/' \
    "$root/lib/data/adequacy.json" >"$tmp/late.json"
expect_exit 0 c adequacy load "$tmp/late.json"
grep -q "adequacy list v1 in force" "$tmp/out" || fail "load: $(cat "$tmp/out")"
expect_exit 1 c transfer check CUST-1 cloudco-us
expect_exit 0 c adequacy reset
expect_exit 0 c transfer check CUST-1 cloudco-us
expect_exit 0 c audit verify
echo "gdprctl transfer: all checks passed"
