#!/bin/sh
# gdprctl request end to end: open by e-mail and phone (same subject),
# verify, extend, escalation refusal and escalation, fulfil by export,
# deny, lists, KPIs as a table and as JSON, usage errors.
# Usage: gdprctl-request.sh GDPRCTL SOURCE_ROOT
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
at() { "$ctl" --db "$db" --now "$@"; }

expect_exit 0 at 2027-01-31T10:00:00Z init "$root/examples/policy.json"
expect_exit 0 at 2027-01-31T10:00:00Z --role agent subject link CUST-1 email anna@example.com
expect_exit 0 at 2027-01-31T10:00:00Z --role agent subject link CUST-1 phone "+353 1 234 5678"

# 31 Jan 2027 + one month: 28 Feb is a Sunday -> Monday 1 March, ends 2 March 00:00.
expect_exit 0 at 2027-01-31T10:00:00Z --role agent request open access --email Anna@Example.com \
    --channel email --note "wants everything"
grep -q "request 1 opened: access by email, due 2027-03-02T00:00:00Z" "$tmp/out" ||
    fail "open: $(cat "$tmp/out")"
expect_exit 0 at 2027-01-31T11:00:00Z --role agent --json request open objection \
    --phone "+353-1-2345678" --flag complaint
hash1=$(sed 's/.*"subject_hash":"\([0-9a-f]*\)".*/\1/' "$tmp/out")
expect_exit 0 at 2027-01-31T11:00:00Z --json request list --status open
[ "$(grep -o "\"subject_hash\":\"$hash1\"" "$tmp/out" | wc -l)" -eq 2 ] ||
    fail "e-mail and phone requests name one subject: $(cat "$tmp/out")"
expect_exit 0 at 2027-01-31T12:00:00Z --role agent request open erasure --email nobody@example.org
grep -q "matches no subject yet" "$tmp/out" || fail "unmatched: $(cat "$tmp/out")"

expect_exit 0 at 2027-02-01T10:00:00Z --role agent request verify 1 verified known_contact
expect_exit 0 at 2027-02-01T10:00:00Z --role agent request verify 2 verified account_login
# Extension: once, <= 2 months, reason and when the subject was told.
expect_exit 4 at 2027-02-02T10:00:00Z --role agent request extend 1 2 "archive" --told 2027-02-02
expect_exit 2 at 2027-02-02T10:00:00Z --role supervisor request extend 1 3 "archive" --told 2027-02-02
grep -q "MONTHS: '3' is not a whole number from 1 to 2" "$tmp/err" || fail "extend 3: $(cat "$tmp/err")"
expect_exit 0 at 2027-02-02T10:00:00Z --role supervisor request extend 1 2 "archive" --told 2027-02-02
grep -q "due 2027-05-01T00:00:00+01:00" "$tmp/out" || fail "extend: $(cat "$tmp/out")"
expect_exit 1 at 2027-02-02T10:00:00Z --role supervisor request extend 1 1 "again" --told 2027-02-02
grep -q "already extended once" "$tmp/err" || fail "extend twice: $(cat "$tmp/err")"

# A complaint: the supervisor may not close it (exit 4, names the role).
expect_exit 4 at 2027-02-03T10:00:00Z --role supervisor request fulfil 2
grep -q "high-risk (complaint): closing it needs role dpo" "$tmp/err" || fail "$(cat "$tmp/err")"
expect_exit 0 at 2027-02-03T10:00:00Z --role agent request escalate 2 dpo --note "press"
expect_exit 0 at 2027-02-03T11:00:00Z --role dpo request fulfil 2
grep -q "request 2 fulfilled" "$tmp/out" || fail "fulfil objection: $(cat "$tmp/out")"

# Access: the export goes to a file and the request closes.
expect_exit 2 at 2027-02-04T10:00:00Z --role supervisor request fulfil 1
expect_exit 0 at 2027-02-04T10:00:00Z --role supervisor request fulfil 1 --out "$tmp/answer.json"
head -c 1 "$tmp/answer.json" | grep -q "{" || fail "export file"
expect_exit 1 at 2027-02-04T10:00:00Z --role dpo request deny 1 other
grep -q "cannot go from fulfilled to denied" "$tmp/err" || fail "deny fulfilled: $(cat "$tmp/err")"
expect_exit 0 at 2027-02-05T10:00:00Z --role dpo request deny 3 no_match
expect_exit 2 at 2027-02-05T10:00:00Z --role dpo request deny 3 because

# Lists and KPIs.
expect_exit 0 at 2027-03-05T10:00:00Z --role agent request open access --subject CUST-9
expect_exit 0 at 2027-04-10T10:00:00Z request overdue
grep -q "CUST" "$tmp/out" && fail "the overdue list shows no subject ids"
[ "$(grep -c "^ *[0-9]* *4 access" "$tmp/out")" -eq 1 ] || fail "overdue: $(cat "$tmp/out")"
grep -q "^DAYS LATE" "$tmp/out" || fail "overdue days column: $(cat "$tmp/out")"
expect_exit 0 at 2027-04-10T10:00:00Z --json request overdue
python3 -m json.tool "$tmp/out" >/dev/null || fail "overdue --json: $(cat "$tmp/out")"
grep -q '"days_overdue":[1-9]' "$tmp/out" || fail "overdue days_overdue: $(cat "$tmp/out")"
expect_exit 0 at 2027-04-10T10:00:00Z request overdue --count
grep -q "^[1-9][0-9]* requests*$" "$tmp/out" || fail "overdue --count: $(cat "$tmp/out")"
expect_exit 0 at 2027-04-10T10:00:00Z request list --limit 1
[ "$(grep -c "^ *[0-9][0-9]* [a-z]" "$tmp/out")" -eq 1 ] || fail "list --limit 1: $(cat "$tmp/out")"
grep -q "more (raise --limit" "$tmp/out" || fail "list --limit note: $(cat "$tmp/out")"
expect_exit 2 at 2027-04-10T10:00:00Z request list --limit x
expect_exit 0 at 2027-03-05T10:00:00Z request overdue --soon 40
grep -q "^ *4 access" "$tmp/out" || fail "due soon: $(cat "$tmp/out")"
expect_exit 0 at 2027-04-10T10:00:00Z request kpis --from 2027-01-01 --to 2027-02-01
grep -q "requests received 2027-01-01T00:00:00Z .. 2027-02-01T23:59:59Z: 3" "$tmp/out" ||
    fail "kpis: $(cat "$tmp/out")"
grep -q "on-time rate *100.0 %" "$tmp/out" || fail "kpis rate: $(cat "$tmp/out")"
expect_exit 0 at 2027-04-10T10:00:00Z --json request kpis --from 2027-01-01 --to 2027-02-01
grep -q '"total":3,' "$tmp/out" || fail "kpis json: $(cat "$tmp/out")"
grep -q '"denied_by_reason":{"identity_not_verified":0,"no_match":1,' "$tmp/out" ||
    fail "kpis json denials: $(cat "$tmp/out")"
grep -q '"extended":1,"escalated":1,"escalations":1,"high_risk":1,"duplicates":0}' "$tmp/out" ||
    fail "kpis json tail: $(cat "$tmp/out")"
expect_exit 2 at 2027-04-10T10:00:00Z request kpis --from yesterday
expect_exit 0 "$ctl" --db "$db" audit verify
echo "gdprctl request: all checks passed"
