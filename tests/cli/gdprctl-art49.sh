#!/bin/sh
# gdprctl and issue 19 points 4, 6 and 7: Art. 49 bounds counted from the
# log (transfer count, --repeated), adequacy scope limits and historic
# certifications, human and --json, with exit codes: 0 allowed, 1 refused,
# 2 bad input.
# Usage: gdprctl-art49.sh GDPRCTL SOURCE_ROOT
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
has() { grep -qF -- "$1" "$tmp/$2" || { cat "$tmp/out" "$tmp/err"; fail "no '$1' in $2"; }; }
c() { "$ctl" --db "$db" --now 2026-06-01 "$@"; }

recipients='"recipients": [
 { "id": "in-contract", "name": "IN Hotel", "country": "IN", "kind": "controller",
   "occasional": true, "derogation": "49(1)(b)",
   "occasional_limit": { "max_transfers": 2, "per": "P1M" } },
 { "id": "uk-immig", "name": "UK Visa Co", "country": "GB", "kind": "processor",
   "activities": ["immigration_control"] },
 { "id": "kr-church", "name": "KR Church", "country": "KR", "kind": "controller",
   "activities": ["religious"] },
 { "id": "jp-noappi", "name": "JP Other", "country": "JP", "kind": "processor",
   "appi": false, "activities": [] },
 { "id": "il-manual", "name": "IL Files", "country": "IL", "kind": "processor",
   "processing": "manual" },
 { "id": "us-ps", "name": "US Shield Inc", "country": "US", "kind": "processor",
   "certifications": [ { "framework": "privacy_shield", "from": "2016-08-01" } ] },'
awk -v r="$recipients" '{ if (!done && sub(/"recipients": \[/, r)) done = 1; print }' \
    "$root/examples/policy.json" >"$tmp/policy.json"
expect_exit 0 c init "$tmp/policy.json"

# Point 7: scope limits, named with their provision.
expect_exit 1 c transfer check C-1 uk-immig --at 2024-01-01T12:00:00Z
has "REFUSED" out
has "limit GB-immigration-control" out
has "Decision (EU) 2021/1772, Art. 1(2)" out
expect_exit 0 c --json transfer check C-1 uk-immig --at 2026-03-01T12:00:00Z
has '"allowed":true,"mechanism":"adequacy"' out
has 'GB-2025-2574' out
expect_exit 1 c --json transfer check C-1 kr-church --at 2026-03-01T12:00:00Z
has '"allowed":false' out
has 'limit KR-religious' out
expect_exit 1 c transfer check C-1 jp-noappi --at 2026-03-01T12:00:00Z
has "limit JP-appi" out
expect_exit 1 c transfer check C-1 il-manual --at 2026-03-01T12:00:00Z
has "its processing is 'manual'" out

# Point 6: a Privacy Shield certification, in force and after Schrems II.
expect_exit 0 c transfer check C-1 us-ps --at 2018-05-25T12:00:00Z
has "certified under the EU-US Privacy Shield since 2016-08-01" out
expect_exit 1 c transfer check C-1 us-ps --at 2020-07-16T12:00:00Z
has "US-2016-1250 ended on 2020-07-15" out

# Point 4: two Art. 49(1)(b) transfers a month; the third is refused.
expect_exit 0 c transfer record C-1 in-contract --at 2026-03-05T12:00:00Z
has "Art. 49(1)(b)" out
expect_exit 0 c --json transfer record C-2 in-contract --at 2026-03-06T12:00:00Z
has '"mechanism":"derogation_other"' out
expect_exit 1 c transfer check C-3 in-contract --at 2026-03-10T12:00:00Z
has "2 Art. 49 transfers to 'in-contract' are logged in the P1M up to 2026-03-10" out
expect_exit 0 c transfer count in-contract --at 2026-03-10T12:00:00Z
has "in-contract: 2 Art. 49 transfers to 2 subjects in the P1M up to 2026-03-10" out
has "bound: 2 transfers per P1M" out
expect_exit 0 c --json transfer count in-contract --at 2026-03-10T12:00:00Z
has '"bounded":true,"max_transfers":2,"max_subjects":0,"per":"P1M"' out
has '"transfers":2,"subjects":2' out
python3 -m json.tool "$tmp/out" >/dev/null || fail "count --json is not JSON"
# As the log stood: before the two, and after the month.
expect_exit 0 c --json transfer count in-contract --at 2026-03-01T12:00:00Z
has '"transfers":0' out
expect_exit 0 c transfer check C-3 in-contract --at 2026-04-10T12:00:00Z
# A feed is never occasional.
expect_exit 1 c transfer check C-3 in-contract --at 2026-04-10T12:00:00Z --repeated
has "covers occasional transfers only" out
expect_exit 0 c transfer count uk-immig
has "no occasional_limit in the policy" out
expect_exit 2 c transfer count nobody
has "'nobody' is not a recipient of the policy" err
expect_exit 2 c transfer count in-contract --at someday
expect_exit 2 c transfer count

# The policy is refused whole, naming the path.
sed 's/"occasional_limit": { "max_transfers": 2, "per": "P1M" } },/"processing": "automated" },/' "$tmp/policy.json" \
    >"$tmp/nolimit.json"
expect_exit 2 "$ctl" --db "$tmp/other.db" --now 2026-06-01 init "$tmp/nolimit.json"
has "recipients[0].occasional_limit: required field is missing" err
sed 's/"activities": \["religious"\]/"activities": ["missionary"]/' "$tmp/policy.json" \
    >"$tmp/badact.json"
expect_exit 2 c policy load "$tmp/badact.json"
has "recipients[2].activities[0]: must be one of" err
expect_exit 0 c audit verify
echo "gdprctl art49: all checks passed"
