#!/bin/sh
# Every gdprctl command under --json prints exactly one JSON document
# (python3 -m json.tool accepts it), mutating commands included, through a
# compliance officer's day on one store.
# Usage: gdprctl-json.sh GDPRCTL SOURCE_ROOT
set -eu
ctl=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") root=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GDPR_KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
export GDPR_ACTOR=dpo1 GDPR_ROLE=dpo GDPR_DB="$tmp/t.db"
unset GDPR_PASSPHRASE || true
cd "$tmp"

fail() { echo "FAIL: $*"; exit 1; }
n=0
# j EXIT ARGS...: run with --json, want EXIT, and one JSON document on stdout
j() { want=$1; shift; set +e; "$ctl" --json "$@" >"$tmp/out" 2>"$tmp/err" </dev/null; got=$?; set -e
    [ "$got" -eq "$want" ] || { cat "$tmp/out" "$tmp/err"; fail "exit $got, want $want: $*"; }
    python3 -m json.tool "$tmp/out" >/dev/null || fail "not one JSON document: $*: $(cat "$tmp/out")"
    n=$((n + 1)); }
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$tmp/out" "$1"; }

j 0 --now 2026-01-05 init "$root/examples/policy.json"
j 0 policy load "$root/examples/policy.json"
j 0 policy show
j 0 consent grant C-1 marketing marketing-v2 web --proof "form 7"
j 0 consent receipt 1
j 0 consent check C-1 marketing
j 0 consent withdraw C-1 marketing phone
j 1 consent check C-1 marketing
j 0 consent history C-1
j 0 consent report
j 0 policy load "$root/examples/policy-ropa.json"
j 0 ropa export
j 0 breach open --nature confidentiality --categories contact --subjects 3 --records 3 \
    --description "mail sent to the wrong list" --consequences "spam" --measures "recalled"
j 0 breach notify 1 --reference DPC-9
j 0 breach decide 1 not-high-risk
j 0 breach link 1 C-1
j 0 breach list
j 0 breach kpis
j 0 subject link C-1 email c1@example.org
j 0 subject find email c1@example.org
j 0 subject hash C-1
j 0 vault put C-1 contact service "Ana Silva" --field name
rec=$(field record)
j 0 vault put C-1 financial billing "INV-7" --field invoice
j 0 vault get "$rec"
j 0 vault rectify "$rec" "Ana M. Silva"
j 0 vault list C-1
j 0 vault checkpoint
j 0 retention show "$rec"
j 0 retention touch C-1
j 0 retention contract-end C-1 2026-01-01 --purpose billing
j 0 retention due
j 0 retention run --dry-run
j 0 review list
j 0 transfer check C-1 mailer-eu --purpose service
j 0 transfer record C-1 mailer-eu --purpose service
j 1 transfer check C-1 acme-analytics --purpose service
j 0 transfer log
j 0 transfer count acme-analytics
j 0 adequacy list
j 0 safeguard add acme-analytics scc "SCC 2021/914 module 2" --from 2025-01-01 --module 2
sg=$(field id)
j 0 safeguard list
j 0 safeguard revoke "$sg"
j 0 request open access --subject C-1 --channel email
req=$(field id)
j 0 request verify "$req" verified account_login
j 0 request extend "$req" 1 "complex request" --told "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
j 0 --role agent --actor a1 request escalate "$req" supervisor --note "needs a second look"
j 0 request fulfil "$req" --out "$tmp/answer.json"
j 0 request open erasure --subject C-9 --channel phone
j 0 request deny "$(field id)" identity_not_verified
j 0 request list
j 0 request overdue
j 0 request kpis
j 0 hold place --subject C-1 --until 2027-01-01 --reason "litigation 12"
hold=$(field hold)
j 0 hold list
j 0 hold release "$hold" "settled"
j 0 hold list --all
j 0 erase C-1 art17-1a --dry-run
j 0 erase record "$rec" art17-1a --yes
j 0 erase C-1 art17-1a --yes
j 0 erase lookup C-1
j 0 erase list
j 0 erase pending
j 0 erase due art17-1a --yes
j 0 erase export
"$ctl" --json erase export >"$tmp/tombstones.json"
j 0 erase replay "$tmp/tombstones.json"
j 0 audit head
j 0 audit log --limit 5
j 0 audit verify
j 0 vault put C-2 contact service "Bo Berg" --field name
j 0 export C-2
# issue 19: objections, restriction, the access log, refusal with the
# Art. 77/79 information, lapse after an ask, human intervention.
j 0 subject object C-2 --all-marketing
j 0 subject unobject C-2 --all-marketing --by subject
j 0 subject restrict C-2
j 0 subject restrict C-2 --lift
j 0 access log C-2 service "screen view"
j 0 export C-2 -o "$tmp/c2.json"
j 0 access resolve "$(grep -o 'staff-[0-9a-f]\{32\}' "$tmp/c2.json" | head -1)"
j 0 request open access --subject C-2 --channel email
j 0 request deny "$(field id)" suspected_fraud --told-rights
j 0 --now 2026-01-05 request open human_intervention --subject C-2 --channel phone
j 0 --now 2026-01-06 request verify "$(field id)" pending
j 0 --now 2026-03-01 request expire "$(field id)"
printf 'x' >"$tmp/old.json"
j 0 wipe "$tmp/old.json"
echo "gdprctl --json: $n commands, each one JSON document"
