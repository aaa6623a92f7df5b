#!/bin/sh
# gdprctl for the law of issue 19 (points 8-15): transfer consent, a
# child's consent with the holder of parental responsibility (Art. 8(1)),
# objections per purpose (Art. 21), refusals with the Art. 77/79
# information and the DRP reasons of 0.2 (Art. 12(4)), the "asked for
# information" step and lapse (Art. 11(2), 12(6)), human intervention
# (Art. 22(3)), the access log and staff references (Art. 15(4), CJEU
# C-579/21); human output and --json for each.
# Usage: gdprctl-law.sh GDPRCTL SOURCE_ROOT
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

# The example policy plus an information society service offered to
# children (Art. 8(1)) and a direct-marketing purpose (Art. 21(2)).
sed 's/"purposes": \[/"purposes": [\
    { "id": "game-account", "description": "Online game account", "basis": "consent", "categories": ["contact", "usage"], "information_society_service": true },\
    { "id": "newsletter", "description": "Postal newsletter", "basis": "legitimate_interests", "categories": ["contact"], "direct_marketing": true },/' \
    "$root/examples/policy.json" >"$tmp/policy.json"
expect_exit 0 at 2026-03-01T09:00:00Z init "$tmp/policy.json"

# --- Art. 8(1): age and the holder of parental responsibility -----------
expect_exit 2 at 2026-03-01T09:00:00Z consent grant KID-1 game-account privacy-v3 web --age x
grep -q "age in years" "$tmp/err" || fail "--age x: $(cat "$tmp/err")"
expect_exit 2 at 2026-03-01T09:00:00Z consent grant KID-1 game-account privacy-v3 web --age 12
grep -q "parental" "$tmp/err" || fail "child without holder: $(cat "$tmp/err")"
expect_exit 0 at 2026-03-01T09:00:00Z --json consent grant KID-1 game-account privacy-v3 web \
    --age 12 --member-state IE --parental-holder "Pat Parent"
grep -q '"event":1,"state":"granted"' "$tmp/out" || fail "child grant: $(cat "$tmp/out")"
expect_exit 0 at 2026-03-01T09:00:00Z consent history KID-1
grep -q "holder of parental responsibility: Pat Parent (Art. 8(1))" "$tmp/out" ||
    fail "history: $(cat "$tmp/out")"
expect_exit 0 at 2026-03-01T09:00:00Z --json consent history KID-1
grep -q '"parental_holder":"Pat Parent"' "$tmp/out" || fail "history --json: $(cat "$tmp/out")"
expect_exit 0 at 2026-03-01T09:00:00Z export KID-1 -o "$tmp/kid.json"
grep -q '"parental_holder": {' "$tmp/kid.json" || fail "export lacks the holder"
grep -q '"value": "Pat Parent"' "$tmp/kid.json" || fail "export lacks the holder's name"

# --- Art. 49(1)(a): transfer consent --------------------------------------
expect_exit 0 at 2026-03-01T09:00:00Z --json consent grant CUST-1 service transfer-risks-v1 web \
    --explicit --transfer --recipient acme-analytics --country US
grep -q '"state":"granted"' "$tmp/out" || fail "transfer consent: $(cat "$tmp/out")"
expect_exit 0 at 2026-03-01T09:00:00Z --json consent history CUST-1
grep -q '"transfer":true' "$tmp/out" || fail "history transfer: $(cat "$tmp/out")"
expect_exit 2 at 2026-03-01T09:00:00Z consent grant CUST-1 service transfer-risks-v1 web \
    --explicit --transfer --recipient acme-analytics
grep -q "country" "$tmp/err" || fail "transfer without country: $(cat "$tmp/err")"

# --- Art. 21: objections per purpose --------------------------------------
expect_exit 0 at 2026-03-02T09:00:00Z --json subject object CUST-1 --purpose newsletter
grep -q '"purpose":"newsletter","objected":true' "$tmp/out" || fail "object: $(cat "$tmp/out")"
expect_exit 1 at 2026-03-02T09:00:00Z consent check CUST-1 newsletter
grep -q "objected" "$tmp/out" || fail "check after objection: $(cat "$tmp/out")"
expect_exit 2 at 2026-03-02T09:00:00Z subject object CUST-1 --purpose service
grep -q "Art. 21(1)" "$tmp/err" || fail "objection to contract: $(cat "$tmp/err")"
expect_exit 2 at 2026-03-02T09:00:00Z subject unobject CUST-1 --purpose newsletter \
    --by compelling-grounds
grep -q "21(3)" "$tmp/err" || fail "controller lifts DM: $(cat "$tmp/err")"
expect_exit 2 at 2026-03-02T09:00:00Z subject unobject CUST-1 --purpose newsletter
expect_exit 0 at 2026-03-02T09:00:00Z subject unobject CUST-1 --purpose newsletter --by subject
grep -q "CUST-1: lifted: objected to newsletter" "$tmp/out" || fail "unobject: $(cat "$tmp/out")"
expect_exit 0 at 2026-03-02T09:00:00Z subject object CUST-1 --all-marketing
expect_exit 0 at 2026-03-02T09:00:00Z --json subject restrict CUST-1
grep -q '"restricted":true' "$tmp/out" || fail "restrict: $(cat "$tmp/out")"
expect_exit 0 at 2026-03-02T09:00:00Z subject restrict CUST-1 --lift

# --- Art. 12(4): refusal with the Art. 77/79 information, DRP reasons -----
expect_exit 0 at 2026-03-02T10:00:00Z --role agent request open access --subject CUST-1
expect_exit 0 at 2026-03-03T10:00:00Z --json request deny 1 suspected_fraud --told-rights \
    --note "two requests from abroad"
grep -q '"status":"denied"' "$tmp/out" || fail "deny v2: $(cat "$tmp/out")"
expect_exit 0 at 2026-03-02T10:00:00Z --role agent request open access --subject CUST-1
expect_exit 0 at 2026-03-03T10:00:00Z request deny 2 outside_jurisdiction
grep -q "record it with --told-rights" "$tmp/err" || fail "deny v1 warns: $(cat "$tmp/err")"
expect_exit 2 at 2026-03-03T10:00:00Z request deny 2 no-such-reason
grep -q "suspected_fraud outside_jurisdiction" "$tmp/err" || fail "usage: $(cat "$tmp/err")"
expect_exit 2 at 2026-03-03T10:00:00Z request deny 2 exempt --told-at 2026-03-03

# --- Art. 11(2), 12(6): ask for information, then lapse --------------------
expect_exit 0 at 2026-03-02T10:00:00Z --role agent request open access --subject CUST-1
expect_exit 1 at 2026-04-10T10:00:00Z request expire 3
grep -q "asked" "$tmp/err" || fail "expire without an ask: $(cat "$tmp/err")"
expect_exit 0 at 2026-03-05T10:00:00Z --role agent request verify 3 pending
expect_exit 0 at 2026-04-10T10:00:00Z --json request expire 3
grep -q '"status":"expired"' "$tmp/out" || fail "expire: $(cat "$tmp/out")"

# --- Art. 22(3): human intervention in an automated decision ---------------
expect_exit 0 at 2026-03-02T10:00:00Z --role agent --json request open human_intervention \
    --subject CUST-1 --channel phone
grep -q '"type":"human_intervention"' "$tmp/out" || fail "open hi: $(cat "$tmp/out")"
expect_exit 0 at 2026-03-02T11:00:00Z --role agent request verify 4 verified known_contact
expect_exit 2 at 2026-03-03T10:00:00Z request fulfil 4
grep -q "Art. 22(3)" "$tmp/err" || fail "fulfil without outcome: $(cat "$tmp/err")"
expect_exit 0 at 2026-03-03T10:00:00Z --json request fulfil 4 --note "reviewed: invoice offered"
grep -q '"status":"fulfilled"' "$tmp/out" || fail "fulfil hi: $(cat "$tmp/out")"
expect_exit 0 at 2026-03-31T10:00:00Z --json request kpis --from 2026-03-01 --to 2026-04-01
grep -q '"human_intervention":1' "$tmp/out" || fail "kpis: $(cat "$tmp/out")"
expect_exit 0 at 2026-03-31T10:00:00Z request kpis --from 2026-03-01 --to 2026-04-01
grep -q "^human_intervention " "$tmp/out" || fail "kpis table: $(cat "$tmp/out")"

# --- Art. 15(4), CJEU C-579/21: who consulted the data ----------------------
expect_exit 0 at 2026-03-04T10:00:00Z --actor anna-7 --role agent --json access log CUST-1 \
    billing "call about invoice 17"
grep -q '"role":"agent","logged":true' "$tmp/out" || fail "access log: $(cat "$tmp/out")"
expect_exit 2 at 2026-03-04T10:00:00Z --role agent access log CUST-1 nope
expect_exit 0 at 2026-03-04T11:00:00Z export CUST-1 -o "$tmp/c1.json"
grep -q '"role": "agent"' "$tmp/c1.json" || fail "export role"
grep -q "anna-7" "$tmp/c1.json" && fail "export names the staff member"
ref=$(grep -o 'staff-[0-9a-f]\{32\}' "$tmp/c1.json" | head -1)
[ -n "$ref" ] || fail "no staff_ref in the export"
expect_exit 4 at 2026-03-04T11:00:00Z --role agent access resolve "$ref"
expect_exit 0 at 2026-03-04T11:00:00Z --json access resolve "$ref"
grep -q "\"staff_id\":\"anna-7\"" "$tmp/out" || fail "resolve: $(cat "$tmp/out")"
expect_exit 0 at 2026-03-04T11:00:00Z access resolve "$ref"
grep -q "^$ref is anna-7$" "$tmp/out" || fail "resolve text: $(cat "$tmp/out")"
expect_exit 2 at 2026-03-04T11:00:00Z access resolve anna-7
grep -q "not a staff reference" "$tmp/err" || fail "bad ref: $(cat "$tmp/err")"
expect_exit 0 at 2026-03-04T11:00:00Z audit verify
echo "ok"
