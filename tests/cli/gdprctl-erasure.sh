#!/bin/sh
# gdprctl erase, hold and wipe end to end: a hold refuses, a legal duty
# keeps the invoice, the tombstone answers, export/replay, pending work,
# JSON output, exit codes.
# Usage: gdprctl-erasure.sh GDPRCTL SOURCE_ROOT
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
expect_exit 0 "$ctl" $t0 --db "$db" vault put CUST-1 contact service a@example.com
expect_exit 0 "$ctl" $t0 --db "$db" vault put CUST-1 financial billing "INV-2026-1"
expect_exit 0 "$ctl" $t0 --db "$db" vault put CUST-2 contact service b@example.com

# A legal hold refuses the erasure of CUST-2 (exit 1, the hold named).
expect_exit 0 "$ctl" $t0 --db "$db" hold place --subject CUST-2 --until 2026-06-30 \
    --reason "Claim C-17"
grep -q "hold 1 placed" "$tmp/out" || fail "hold place: $(cat "$tmp/out")"
expect_exit 0 "$ctl" $t0 --db "$db" --json hold list
grep -q '"id":1,"scope":"subject"' "$tmp/out" || fail "hold list: $(cat "$tmp/out")"
grep -q '"active":true' "$tmp/out" || fail "hold list active: $(cat "$tmp/out")"
expect_exit 1 "$ctl" $t0 --db "$db" erase CUST-2 "Art. 17 request 2"
grep -q "under legal hold 1 until 2026-06-30" "$tmp/err" || fail "held: $(cat "$tmp/err")"
grep -q "next: gdprctl hold list, then gdprctl hold release 1 REASON" "$tmp/err" ||
    fail "held, next step: $(cat "$tmp/err")"
grep -q "gdpr_hold_release" "$tmp/err" && fail "library function named: $(cat "$tmp/err")"
# Library field names become flags; times are ISO 8601, not seconds.
expect_exit 2 "$ctl" $t0 --db "$db" hold place --subject CUST-2 --until 2025-12-01 --reason x
grep -q "^  --until: 2025-12-01T23:59:59Z is not after now (2026-01-01T00:00:00Z)" "$tmp/err" ||
    fail "hold --until in the past: $(cat "$tmp/err")"
expect_exit 2 "$ctl" $t0 --db "$db" consent grant CUST-2 marketing "" web
grep -q "^  NOTICE: must not be empty" "$tmp/err" || fail "c.notice mapped: $(cat "$tmp/err")"
# Only the DPO manages holds; the agent may not erase (exit 4).
expect_exit 4 "$ctl" $t0 --db "$db" --actor a1 --role agent hold release 1
expect_exit 4 "$ctl" $t0 --db "$db" --actor a1 --role agent erase CUST-2 x
grep -q "erase.subject" "$tmp/err" || fail "denied: $(cat "$tmp/err")"
# Bad command lines: exit 2.
expect_exit 2 "$ctl" $t0 --db "$db" erase CUST-2
expect_exit 2 "$ctl" $t0 --db "$db" hold release abc

# The dry run names what a hold or a legal duty would keep; nothing changes.
expect_exit 0 "$ctl" $t0 --db "$db" erase CUST-1 "Art. 17(1)(a) request 1" --dry-run
grep -q "^dry run (nothing changed): erase CUST-1 under Art. 17(1)(a) request 1 would erase 1 record; would keep record 2 (legal duty, rule R-1, until 2032-01-01, Art. 17(3)(b) legal_obligation)$" \
    "$tmp/out" || fail "dry run, duty: $(cat "$tmp/out")"
expect_exit 0 "$ctl" $t0 --db "$db" erase CUST-2 "Art. 17 request 2" --dry-run
grep -q "would erase 0 records; would keep record 3 (legal hold 1 until 2026-06-30, Art. 17(3)(e) legal_claims)$" "$tmp/out" ||
    fail "dry run, hold: $(cat "$tmp/out")"
expect_exit 0 "$ctl" $t0 --db "$db" --json erase CUST-1 x --dry-run
grep -q '"records":\[{"record":1,"category":"contact","purpose":"service","action":"erase"},{"record":2,"category":"financial","purpose":"billing","action":"keep","reason":"legal_duty","rule":"R-1","until":"2032-01-01T00:00:00Z","exemption":"legal_obligation","article":"Art. 17(3)(b)"}\],"would_erase":1,"would_keep":1}' \
    "$tmp/out" || fail "dry run --json: $(cat "$tmp/out")"
expect_exit 0 "$ctl" $t0 --db "$db" --json erase CUST-2 x --dry-run
grep -q '"action":"keep","reason":"hold","hold":1,"until":"2026-06-30T' "$tmp/out" ||
    fail "dry run --json, hold: $(cat "$tmp/out")"
expect_exit 1 "$ctl" $t0 --db "$db" erase NOBODY x --dry-run
grep -q "no subject 'NOBODY'" "$tmp/err" || fail "dry run, unknown: $(cat "$tmp/err")"
expect_exit 1 "$ctl" $t0 --db "$db" --json erase NOBODY x --dry-run
[ -s "$tmp/out" ] && fail "dry run --json, unknown: stdout $(cat "$tmp/out")"
grep -q '"code":"GDPR_ENOTFOUND"' "$tmp/err" || fail "dry run --json, unknown: $(cat "$tmp/err")"
expect_exit 4 "$ctl" $t0 --db "$db" --actor a1 --role agent erase CUST-1 x --dry-run
expect_exit 0 "$ctl" $t0 --db "$db" vault get 1
grep -q "a@example.com" "$tmp/out" || fail "dry run changed the store: $(cat "$tmp/out")"

# CUST-1: the invoice stays under the legal duty (R-1), the rest goes.
expect_exit 0 "$ctl" $t0 --db "$db" erase CUST-1 "Art. 17(1)(a) request 1"
grep -q "CUST-1: 1 erased, 1 kept" "$tmp/out" || fail "erase: $(cat "$tmp/out")"
expect_exit 0 "$ctl" $t0 --db "$db" erase lookup CUST-1
grep -q "erased on 2026-01-01 under 'Art. 17(1)(a) request 1'; 1 record kept under legal duty until 2032-01-01" \
    "$tmp/out" || fail "lookup: $(cat "$tmp/out")"
expect_exit 0 "$ctl" $t0 --db "$db" --json erase lookup CUST-1
grep -q '"kept_until":"2032-01-01T00:00:00Z","complete":false' "$tmp/out" ||
    fail "lookup --json: $(cat "$tmp/out")"
# Art. 17(3): which record was kept under which ground.
grep -q '"kept":\[{"record":2,"category":"financial","purpose":"billing","reason":"legal_duty","rule":"R-1","exemption":"legal_obligation","article":"Art. 17(3)(b)","until":"2032-01-01T00:00:00Z","still_kept":true}\]' \
    "$tmp/out" || fail "lookup --json kept: $(cat "$tmp/out")"
expect_exit 0 "$ctl" $t0 --db "$db" erase lookup CUST-1
grep -q "^  kept record 2 (financial, billing) under Art. 17(3)(b) legal_obligation (R-1) until 2032-01-01$" \
    "$tmp/out" || fail "lookup kept: $(cat "$tmp/out")"
grep -q "CUST-1" "$tmp/out" && fail "the tombstone names the subject"
expect_exit 1 "$ctl" $t0 --db "$db" vault get 1
grep -q "GDPR_ENOTFOUND" "$tmp/err" || fail "record 1: $(cat "$tmp/err")"
expect_exit 1 "$ctl" $t0 --db "$db" vault get 2
grep -q "restricted" "$tmp/err" || fail "record 2 restricted: $(cat "$tmp/err")"
expect_exit 1 "$ctl" $t0 --db "$db" erase lookup CUST-9
grep -q "CUST-9: never erased" "$tmp/out" || fail "never erased: $(cat "$tmp/out")"

# Release the hold; now CUST-2 goes completely.
expect_exit 0 "$ctl" $t0 --db "$db" hold release 1 "claim settled"
expect_exit 0 "$ctl" $t0 --db "$db" --json erase CUST-2 "Art. 17 request 2"
grep -q '"erased":1,"retained":0,"sources_failed":0,"checkpoint":"done"' "$tmp/out" ||
    fail "erase --json: $(cat "$tmp/out")"
expect_exit 0 "$ctl" $t0 --db "$db" hold list
[ -s "$tmp/out" ] && fail "no hold should be in force: $(cat "$tmp/out")"
expect_exit 0 "$ctl" $t0 --db "$db" hold list --all
grep -q "^ *1  subject .* released " "$tmp/out" || fail "hold list --all: $(cat "$tmp/out")"
grep -q "released 2026-01-01T00:00:00Z by dpo1: claim settled" "$tmp/out" ||
    fail "hold list --all release: $(cat "$tmp/out")"
expect_exit 0 "$ctl" $t0 --db "$db" --json hold list --all
python3 -m json.tool "$tmp/out" >/dev/null || fail "hold list --all --json: $(cat "$tmp/out")"
grep -q '"released_by":"dpo1","release_reason":"claim settled"' "$tmp/out" ||
    fail "hold list --json release: $(cat "$tmp/out")"
expect_exit 0 "$ctl" $t0 --db "$db" hold list --all --count
[ "$(cat "$tmp/out")" = "1 hold" ] || fail "hold list --count: $(cat "$tmp/out")"
expect_exit 0 "$ctl" $t0 --db "$db" --json hold list --count
[ "$(cat "$tmp/out")" = '{"count":0}' ] || fail "hold list --json --count: $(cat "$tmp/out")"
expect_exit 2 "$ctl" $t0 --db "$db" hold list --limit 0
grep -q -- "--limit" "$tmp/err" || fail "hold list --limit 0: $(cat "$tmp/err")"

# Erasing CUST-1 again (new data since): the first ground stays, the later
# one is listed.
expect_exit 0 "$ctl" --now 2026-01-04 --db "$db" vault put CUST-1 contact service new@example.com
expect_exit 0 "$ctl" --now 2026-01-05 --db "$db" --yes erase CUST-1 "Art. 21 objection"
expect_exit 0 "$ctl" --now 2026-01-05 --db "$db" erase lookup CUST-1
grep -q "erased on 2026-01-01 under 'Art. 17(1)(a) request 1'; asked again on 2026-01-05 under 'Art. 21 objection'; 1 record kept" \
    "$tmp/out" || fail "lookup after a second erasure: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --now 2026-01-05 --db "$db" --json erase lookup CUST-1
grep -q '"ground":"Art. 17(1)(a) request 1"' "$tmp/out" || fail "first ground: $(cat "$tmp/out")"
# Tombstones listed: each with its own ground; --limit and --count.
expect_exit 0 "$ctl" --now 2026-01-05 --db "$db" erase list CUST-1
[ "$(grep -c '^tombstone ' "$tmp/out")" -eq 2 ] || fail "erase list: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --now 2026-01-05 --db "$db" erase list --limit 1
[ "$(grep -c '^tombstone ' "$tmp/out")" -eq 1 ] || fail "erase list --limit: $(cat "$tmp/out")"
grep -q "^\.\.\. [0-9]* more" "$tmp/out" || fail "erase list more: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --now 2026-01-05 --db "$db" erase list CUST-1 --count
[ "$(cat "$tmp/out")" = "2 tombstones" ] || fail "erase list --count: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --now 2026-01-05 --db "$db" --json erase list CUST-1
python3 -m json.tool "$tmp/out" >/dev/null || fail "erase list --json: $(cat "$tmp/out")"
grep -q '"ground":"Art. 21 objection"' "$tmp/out" || fail "erase list later ground: $(cat "$tmp/out")"
expect_exit 2 "$ctl" --now 2026-01-05 --db "$db" erase list --limit

# Nothing pending; the tombstone list exports and replays.
expect_exit 0 "$ctl" $t0 --db "$db" erase pending --retry
grep -q "retried: 0 source hooks still failing" "$tmp/out" || fail "pending: $(cat "$tmp/out")"
"$ctl" $t0 --db "$db" erase export >"$tmp/tombstones.json" || fail "export"
grep -q '"format":"libgdpr-tombstones"' "$tmp/tombstones.json" || fail "export format"
expect_exit 0 "$ctl" $t0 --db "$db" erase replay "$tmp/tombstones.json"
grep -q "0 tombstones imported" "$tmp/out" || fail "replay: $(cat "$tmp/out")"
echo "{" >"$tmp/bad.json"
expect_exit 2 "$ctl" $t0 --db "$db" erase replay "$tmp/bad.json"
grep -q "line" "$tmp/err" || fail "bad replay: $(cat "$tmp/err")"

# Six years on, the invoice may go: the subject and its key with it.
expect_exit 0 "$ctl" --now 2032-01-02 --db "$db" erase record 2 "retention rule R-1"
expect_exit 0 "$ctl" --now 2032-01-02 --db "$db" --json erase lookup CUST-1
grep -q '"complete":true' "$tmp/out" || fail "complete: $(cat "$tmp/out")"

# A file the host wrote is wiped.
echo "alice@example.com" >"$tmp/export.json"
expect_exit 0 "$ctl" wipe "$tmp/export.json"
[ -e "$tmp/export.json" ] && fail "wipe left the file"
expect_exit 1 "$ctl" wipe "$tmp/export.json"
grep -q "GDPR_ENOTFOUND" "$tmp/err" || fail "wipe missing: $(cat "$tmp/err")"
expect_exit 0 "$ctl" $t0 --db "$db" audit verify

# Art. 17(3) "to the extent necessary": a hold narrowed to a purpose and a
# collection period keeps only what it covers, on the ground it names.
db3="$tmp/n.db"
expect_exit 0 "$ctl" --now 2026-01-10 --db "$db3" init "$root/examples/policy.json"
expect_exit 0 "$ctl" --now 2026-01-10 --db "$db3" vault put N-1 contact service n@example.com
expect_exit 0 "$ctl" --now 2026-02-10 --db "$db3" vault put N-1 contact marketing n@example.com
expect_exit 0 "$ctl" --now 2026-03-10 --db "$db3" vault put N-1 usage service "login"
expect_exit 0 "$ctl" --now 2026-03-20 --db "$db3" --json hold place --subject N-1 \
    --until 2027-01-01 --reason "Archive A-3" --ground archiving --purpose service \
    --collected-from 2026-03-01
expect_exit 0 "$ctl" --now 2026-03-20 --db "$db3" --json hold list
grep -q '"ground":"archiving","article":"Art. 17(3)(d)","purpose":"service","collected_from":"2026-03-01T00:00:00Z","collected_to":null' \
    "$tmp/out" || fail "narrowed hold list: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --now 2026-04-01 --db "$db3" erase N-1 "Art. 17(1)(a)" --dry-run
grep -q "would erase 2 records; would keep record 3 (legal hold 1 until 2027-01-01, Art. 17(3)(d) archiving)$" \
    "$tmp/out" || fail "narrowed dry run: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --now 2026-04-01 --db "$db3" --yes erase N-1 "Art. 17(1)(a)"
grep -q "2 erased, 1 kept" "$tmp/out" || grep -q "erased" "$tmp/out" || fail "narrowed erase: $(cat "$tmp/out")"
expect_exit 1 "$ctl" --now 2026-04-01 --db "$db3" vault get 1
expect_exit 2 "$ctl" --now 2026-04-01 --db "$db3" hold place --subject N-1 --until 2027-01-01 \
    --reason x --ground research
grep -q "is not an Art. 17(3) ground" "$tmp/err" || fail "bad ground: $(cat "$tmp/err")"
expect_exit 2 "$ctl" --now 2026-04-01 --db "$db3" hold place --subject N-1 --until 2027-01-01 \
    --reason x --purpose nope
grep -q "purpose" "$tmp/err" || fail "bad purpose: $(cat "$tmp/err")"
echo "ok"
