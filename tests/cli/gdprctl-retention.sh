#!/bin/sh
# gdprctl retention and review end to end: due list, dry run, sweep with a
# simulated clock, a review opened and kept, JSON output, exit codes.
# Usage: gdprctl-retention.sh GDPRCTL SOURCE_ROOT
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

t0="--now 2026-01-01"
expect_exit 0 "$ctl" $t0 --db "$db" init "$root/examples/policy.json"
# A marketing contact (R-2: erase two years after the last activity) and a
# CV (R-3: review six months after the position closed).
expect_exit 0 "$ctl" $t0 --db "$db" --json vault put LEAD-1 contact marketing lead1@example.net \
    --field email --collected 2024-01-01
grep -q '"record":1' "$tmp/out" || fail "vault put: $(cat "$tmp/out")"
expect_exit 0 "$ctl" $t0 --db "$db" vault put APPL-1 cv recruitment "CV text" --field cv
expect_exit 0 "$ctl" $t0 --db "$db" retention contract-end APPL-1 2025-06-30 --purpose recruitment
expect_exit 0 "$ctl" $t0 --db "$db" retention show 2
grep -q "rule R-3, review from contract_end" "$tmp/out" || fail "show: $(cat "$tmp/out")"
# A date alone is the start of that day in the policy's zone (Europe/Dublin, UTC+1 in June).
grep -q "due:          2025-12-29T23:00:00Z" "$tmp/out" || fail "show due: $(cat "$tmp/out")"
expect_exit 0 "$ctl" $t0 --db "$db" --json retention show 1
grep -q '"rule":"R-2","anchor":"last_activity","action":"erase"' "$tmp/out" ||
    fail "show --json: $(cat "$tmp/out")"
grep -q '"due":"2026-01-01T00:00:00Z"' "$tmp/out" || fail "show --json due: $(cat "$tmp/out")"

# What is due, human and JSON.
expect_exit 0 "$ctl" $t0 --db "$db" retention due
grep -q "2 records due as of 2026-01-01T00:00:00Z" "$tmp/out" || fail "due: $(cat "$tmp/out")"
expect_exit 0 "$ctl" $t0 --db "$db" --json retention due --as-of 2025-12-31
grep -q '^\[{"record":2,"due":"2025-12-29T23:00:00Z","rule":"R-3","action":"review"' "$tmp/out" ||
    fail "due --json: $(cat "$tmp/out")"
grep -q '"record":1' "$tmp/out" && fail "record 1 is not due on 2025-12-31"
# --limit shows the first N and says how many more; --count only counts.
expect_exit 0 "$ctl" $t0 --db "$db" retention due --limit 1
[ "$(grep -c '^record ' "$tmp/out")" -eq 1 ] || fail "due --limit 1: $(cat "$tmp/out")"
grep -q "^\.\.\. 1 more (raise --limit, or --count)" "$tmp/out" || fail "due more: $(cat "$tmp/out")"
grep -q "2 records due as of" "$tmp/out" || fail "due --limit total: $(cat "$tmp/out")"
expect_exit 0 "$ctl" $t0 --db "$db" retention due --count
[ "$(cat "$tmp/out")" = "2 records due" ] || fail "due --count: $(cat "$tmp/out")"
expect_exit 0 "$ctl" $t0 --db "$db" --json retention due --count
[ "$(cat "$tmp/out")" = '{"count":2}' ] || fail "due --count --json: $(cat "$tmp/out")"
expect_exit 0 "$ctl" $t0 --db "$db" --json retention due --limit 1
python3 -m json.tool "$tmp/out" >/dev/null || fail "due --limit --json: $(cat "$tmp/out")"
expect_exit 2 "$ctl" $t0 --db "$db" retention due --limit 0
grep -q -- "--limit" "$tmp/err" || fail "due --limit 0: $(cat "$tmp/err")"

# A dry run changes nothing; a run in the future is refused.
expect_exit 0 "$ctl" $t0 --db "$db" --actor nightly --role system retention run --dry-run
grep -q "dry run (nothing changed) as of 2026-01-01T00:00:00Z: examined 2, would erase 1" "$tmp/out" ||
    fail "dry run: $(cat "$tmp/out")"
expect_exit 0 "$ctl" $t0 --db "$db" vault get 1
expect_exit 2 "$ctl" $t0 --db "$db" --actor nightly --role system retention run --as-of 2027-01-01
grep -q -- "--as-of: 2027-01-01T23:59:59Z is later than now (2026-01-01T00:00:00Z)" "$tmp/err" ||
    fail "future run: $(cat "$tmp/err")"
# The agent may not run a sweep: exit 4.
expect_exit 4 "$ctl" $t0 --db "$db" --actor a1 --role agent retention run
grep -q "retention.run" "$tmp/err" || fail "denied: $(cat "$tmp/err")"

# The sweep: the contact erased, a review opened for the CV.
expect_exit 0 "$ctl" $t0 --db "$db" --actor nightly --role system --json retention run
grep -q '"examined":2,"erased":1,"anonymised":0,"reviews_opened":1,"held":0' "$tmp/out" ||
    fail "run --json: $(cat "$tmp/out")"
expect_exit 1 "$ctl" $t0 --db "$db" vault get 1
grep -q "GDPR_ENOTFOUND" "$tmp/err" || fail "record 1 should be gone: $(cat "$tmp/err")"
expect_exit 0 "$ctl" $t0 --db "$db" review list
grep -q "^review 1 .* record 2 .* open .* R-3" "$tmp/out" || fail "review list: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --now 2026-02-02 --db "$db" review list --overdue
grep -q "OVERDUE" "$tmp/out" || fail "overdue: $(cat "$tmp/out")"

# Keep the CV three months, with a reason; only the DPO may.
expect_exit 4 "$ctl" $t0 --db "$db" --actor a1 --role agent review decide 1 keep 2026-04-01 --why x
expect_exit 2 "$ctl" $t0 --db "$db" review decide 1 maybe
expect_exit 2 "$ctl" $t0 --db "$db" review decide 1 keep 2027-01-01 --why "too long"
grep -q "review cadence" "$tmp/err" || fail "cadence: $(cat "$tmp/err")"
expect_exit 0 "$ctl" $t0 --db "$db" review decide 1 keep 2026-04-01 --why "shortlisted for spring"
grep -q "review 1: kept until 2026-04-01" "$tmp/out" || fail "decide: $(cat "$tmp/out")"
expect_exit 0 "$ctl" $t0 --db "$db" review why 1
grep -q "shortlisted for spring" "$tmp/out" || fail "why: $(cat "$tmp/out")"
expect_exit 0 "$ctl" $t0 --db "$db" --json review list --status kept
grep -q '"status":"kept"' "$tmp/out" || fail "kept list: $(cat "$tmp/out")"
grep -q '"keep_until":"2026-04-01T23:59:59+01:00"' "$tmp/out" || fail "kept list: $(cat "$tmp/out")"
expect_exit 0 "$ctl" $t0 --db "$db" retention show 2
grep -q "kept until:   2026-04-01T23:59:59+01:00" "$tmp/out" || fail "show kept: $(cat "$tmp/out")"

# Usage errors: exit 2.
expect_exit 2 "$ctl" --db "$db" retention due --as-of yesterday
expect_exit 2 "$ctl" --db "$db" retention run --frobnicate
expect_exit 2 "$ctl" --db "$db" review list --status maybe
expect_exit 0 "$ctl" $t0 --db "$db" audit verify
# retention touch: activity restarts a marketing contact's clock (R-2 runs
# from the last activity); bad input changes nothing.
expect_exit 0 "$ctl" $t0 --db "$db" --json vault put LEAD-9 contact marketing lead9@example.net \
    --field email --collected 2024-01-01
rec=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["record"])' <"$tmp/out")
expect_exit 0 "$ctl" $t0 --db "$db" retention show "$rec"
grep -q "due:" "$tmp/out" || fail "show before touch: $(cat "$tmp/out")"
before=$(grep "due:" "$tmp/out")
expect_exit 2 "$ctl" $t0 --db "$db" retention touch
expect_exit 2 "$ctl" $t0 --db "$db" retention touch LEAD-9 --at 2026-02-30
grep -q -- "--at" "$tmp/err" || fail "touch bad date: $(cat "$tmp/err")"
expect_exit 0 "$ctl" $t0 --db "$db" retention show "$rec"
[ "$(grep "due:" "$tmp/out")" = "$before" ] || fail "a refused touch moved the clock"
expect_exit 0 "$ctl" $t0 --db "$db" --json retention touch LEAD-9 --at 2026-01-01
python3 -m json.tool "$tmp/out" >/dev/null || fail "touch --json: $(cat "$tmp/out")"
expect_exit 0 "$ctl" $t0 --db "$db" retention show "$rec"
[ "$(grep "due:" "$tmp/out")" != "$before" ] || fail "touch did not move the clock: $(cat "$tmp/out")"
grep -q "due:          2028-01-01" "$tmp/out" || fail "touch due: $(cat "$tmp/out")"
echo "gdprctl retention: all checks passed"

