#!/bin/sh
# gdprctl end to end: init, policy, audit head/verify (human and --json),
# exit codes for bad usage, wrong key and a broken trail.
# Usage: gdprctl-core.sh GDPRCTL SOURCE_ROOT
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

expect_exit 0 "$ctl" --db "$db" init "$root/examples/policy.json"
grep -q "policy version 1" "$tmp/out" || fail "init output: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --db "$db" --json policy load "$root/examples/policy.json"
grep -q '"policy_version":1' "$tmp/out" || fail "policy load --json: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --db "$db" audit head
head=$(cat "$tmp/out")
case "$head" in 2:????????????????????????????????????????????????????????????????) ;; *) fail "head '$head'";; esac
expect_exit 0 "$ctl" --db "$db" audit verify --head "$head"
grep -q "2 events verified, kept head matches" "$tmp/out" || fail "verify: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --db "$db" --json audit verify
grep -q '"ok":true,"events_verified":2' "$tmp/out" || fail "verify --json: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --db "$db" --json audit log
grep -q '"action":"policy.load"' "$tmp/out" || fail "audit log: $(cat "$tmp/out")"

# An agent may not load a policy: exit 4, message names the permission.
expect_exit 4 "$ctl" --db "$db" --actor a1 --role agent policy load "$root/examples/policy.json"
grep -q "policy.load" "$tmp/err" || fail "denied message: $(cat "$tmp/err")"
# Usage errors: exit 2.
expect_exit 2 "$ctl" --db "$db" policy
expect_exit 2 "$ctl" --db "$db" audit verify --head nonsense
expect_exit 2 "$ctl" --now 2026-13-01 --db "$db" audit verify
# Wrong key: exit 5 with GDPR_EKEY.
expect_exit 5 env GDPR_KEY=ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f \
    "$ctl" --db "$db" audit verify
grep -q "GDPR_EKEY" "$tmp/err" || fail "wrong key: $(cat "$tmp/err")"
# A kept head that no longer matches (trail cut): exit 3.
expect_exit 3 "$ctl" --db "$db" audit verify --head "9:$(printf '%064d' 0)"
echo "gdprctl core: all checks passed"
