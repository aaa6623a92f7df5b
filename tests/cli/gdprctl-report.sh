#!/bin/sh
# gdprctl consent report, ropa export, breach open|notify|decide|link|list|kpis,
# duplicate requests: human and --json output, permissions, filters, usage errors.
# Usage: gdprctl-report.sh GDPRCTL SOURCE_ROOT
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
json_ok() { python3 -m json.tool "$tmp/out" >/dev/null || fail "not JSON: $*: $(cat "$tmp/out")"; }

expect_exit 0 "$ctl" --db "$db" --now 2026-03-01 init "$root/examples/policy.json"
expect_exit 0 "$ctl" --db "$db" --now 2026-03-02 consent grant CUST-1 marketing marketing-v2 web
expect_exit 0 "$ctl" --db "$db" --now 2026-03-02 consent grant CUST-2 marketing marketing-v2 web
expect_exit 0 "$ctl" --db "$db" --now 2026-03-05 consent withdraw CUST-2 marketing phone

# --- consent report ---------------------------------------------------------
expect_exit 0 "$ctl" --db "$db" --now 2026-04-01 consent report --format csv --host-ids
head -1 "$tmp/out" | grep -q "^subject,purpose,recipient,state,since,event,expires,explicit" ||
    fail "csv header: $(cat "$tmp/out")"
grep -q "^CUST-2,marketing,,withdrawn,2026-03-05T00:00:00Z," "$tmp/out" || fail "csv row: $(cat "$tmp/out")"
[ "$(wc -l <"$tmp/out")" -eq 3 ] || fail "csv rows: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --json --db "$db" --now 2026-04-01 consent report --state withdrawn
json_ok report
grep -q '"subject_id":"keyed_hash"' "$tmp/out" || fail "keyed hash: $(cat "$tmp/out")"
grep -q '"count":1}' "$tmp/out" || fail "state filter: $(cat "$tmp/out")"
grep -q "CUST" "$tmp/out" && fail "host id without --host-ids: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --json --db "$db" --now 2026-04-01 consent report --from 2026-03-04 \
    --format csv -o "$tmp/r.csv"
grep -q '"rows":1' "$tmp/out" || fail "report -o --json: $(cat "$tmp/out")"
[ "$(stat -c %a "$tmp/r.csv")" = 600 ] || fail "report file mode"
expect_exit 4 "$ctl" --db "$db" --actor anna --role agent consent report
grep -q "lacks permission 'consent.report'" "$tmp/err" || fail "agent: $(cat "$tmp/err")"
expect_exit 4 "$ctl" --db "$db" --actor sam --role supervisor consent report --host-ids
grep -q "consent.report" "$tmp/err" || fail "supervisor: $(cat "$tmp/err")"
expect_exit 2 "$ctl" --db "$db" consent report --state maybe
grep -q "'maybe' is not granted" "$tmp/err" || fail "bad state: $(cat "$tmp/err")"
expect_exit 2 "$ctl" --db "$db" consent report --purpose astrology
grep -q "'astrology' is not a purpose" "$tmp/err" || fail "bad purpose: $(cat "$tmp/err")"
expect_exit 2 "$ctl" --json --db "$db" consent report --format csv

# --- ropa export ----------------------------------------------------------------

set +e; "$ctl" --db "$db" ropa export >"$tmp/out" 2>"$tmp/err"; got=$?; set -e
[ "$got" -eq 1 ] || [ "$got" -eq 2 ] || fail "ropa export without the sections: exit $got"
grep -q "no 'data_subjects' section" "$tmp/err" || fail "missing section: $(cat "$tmp/err")"
expect_exit 0 "$ctl" --db "$db" policy load "$root/examples/policy-ropa.json"
expect_exit 0 "$ctl" --json --db "$db" --now 2026-04-01 ropa export
json_ok ropa
python3 - "$tmp/out" <<'PY' || fail "ropa json: $(cat "$tmp/out")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["controller"]["name"] == "Example CRM Ltd"
assert r["representative"]["country"] == "DE"
assert [a["purpose"] for a in r["activities"]] == ["service", "billing", "marketing",
    "accessibility", "recruitment", "credit-check", "personalised-ads"]
t = {x["recipient"]: x["mechanism"] for x in r["activities"][0]["transfers"]}
assert t == {"cloudco-us": "adequacy", "support-in": "safeguards"}, t
PY
expect_exit 0 "$ctl" --db "$db" ropa export --format csv -o "$tmp/ropa.csv"
python3 - "$tmp/ropa.csv" <<'PY' || fail "ropa csv"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert len(rows) == 8 and all(len(r) == 33 for r in rows), [len(r) for r in rows]
assert rows[0][0] == "Business function" and rows[0][29].startswith("Reasons for not adhering")
assert rows[3][2].startswith("Example Events Ltd")
PY
expect_exit 4 "$ctl" --db "$db" --actor anna --role agent ropa export
grep -q "lacks permission 'ropa.export'" "$tmp/err" || fail "ropa agent: $(cat "$tmp/err")"
expect_exit 2 "$ctl" --db "$db" ropa export --format xml

# --- breach register ---------------------------------------------------------------
expect_exit 0 "$ctl" --db "$db" --now 2026-03-05T10:00:00Z breach open --nature confidentiality \
    --categories contact,financial --subjects 120 --records 300 --aware 2026-03-01T09:00:00Z \
    --description "laptop of agent stolen" --consequences "phishing risk" --measures "wiped"
grep -q "breach 1 opened; notify the supervisory authority by 2026-03-04T09:00:00Z" "$tmp/out" ||
    fail "breach open: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --json --db "$db" --now 2026-03-05T10:00:00Z breach open --nature availability \
    --categories contact --subjects 1 --records 1 --description d --consequences c --measures m
json_ok breach open
grep -q '"breach":2,"deadline":"2026-03-08T10:00:00Z"' "$tmp/out" || fail "open --json: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --json --db "$db" --now 2026-03-05T11:00:00Z breach list --overdue
json_ok breach list
grep -q '"count":1}' "$tmp/out" && grep -q '"id":1,' "$tmp/out" || fail "overdue: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --db "$db" --now 2026-03-05T11:00:00Z breach list
grep -q "^1 .*OVERDUE" "$tmp/out" && grep -q "^2 .*pending" "$tmp/out" || fail "list: $(cat "$tmp/out")"
expect_exit 2 "$ctl" --db "$db" --now 2026-03-05T11:00:00Z breach notify 1 --reference DPC-1
grep -q "^  --late-reason: the notification is after the 72-hour deadline" "$tmp/err" ||
    fail "late without reasons: $(cat "$tmp/err")"
expect_exit 0 "$ctl" --db "$db" --now 2026-03-05T11:00:00Z breach notify 1 --reference DPC-1 \
    --late-reason "forensic review"
expect_exit 0 "$ctl" --json --db "$db" --now 2026-03-05T11:00:00Z breach notify 2 --not-required \
    "one record, restored from backup in an hour"
json_ok notify
expect_exit 0 "$ctl" --json --db "$db" --now 2026-03-05T12:00:00Z breach decide 1 inform \
    --informed 2026-03-05T12:00:00Z
json_ok decide
expect_exit 2 "$ctl" --db "$db" --now 2026-03-05T12:00:00Z breach decide 2 inform
expect_exit 0 "$ctl" --json --db "$db" --now 2026-03-05T12:00:00Z breach link 1 CUST-1 CUST-2
json_ok link
expect_exit 0 "$ctl" --json --db "$db" --now 2026-03-05T12:00:00Z breach kpis
json_ok kpis
grep -q '"total":2,"notified":1,"on_time":0,"late":1,"not_notifiable":1,"pending":0' "$tmp/out" ||
    fail "kpis: $(cat "$tmp/out")"
grep -q '"median_hours_to_notify":98.0' "$tmp/out" || fail "time to notify: $(cat "$tmp/out")"
# the list holds no personal data (texts stay sealed): any role reads it
expect_exit 0 "$ctl" --db "$db" --actor anna --role agent breach list --overdue
expect_exit 4 "$ctl" --db "$db" --actor anna --role agent breach link 1 CUST-3
grep -q "lacks permission 'breach.manage'" "$tmp/err" || fail "agent link: $(cat "$tmp/err")"

# --- duplicate requests ------------------------------------------------------------
expect_exit 0 "$ctl" --db "$db" --now 2026-03-06 request open access --subject CUST-9 --channel web
expect_exit 0 "$ctl" --json --db "$db" --now 2026-03-08 request open access --subject CUST-9 \
    --channel phone
json_ok request open
expect_exit 0 "$ctl" --json --db "$db" --now 2026-03-08 request list --status duplicate
json_ok request list
grep -q '"status":"duplicate"' "$tmp/out" && grep -q '"duplicate_of":1' "$tmp/out" ||
    fail "duplicate listed: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --db "$db" --now 2026-03-08 request list --subject CUST-9
grep -q "duplicate of 1" "$tmp/out" || fail "duplicate in the table: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --json --db "$db" --now 2026-03-08 request kpis --from 2026-03-01
grep -q '"duplicates":1' "$tmp/out" && grep -q '"total":1,' "$tmp/out" ||
    fail "duplicate KPIs: $(cat "$tmp/out")"
