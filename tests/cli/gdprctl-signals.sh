#!/bin/sh
# gdprctl receipt verify|keys and consent signal|conflicts end to end
# (human and --json): a signed receipt verifies, a changed one does not,
# one signed before a rekey still does; GPC, TCF and GPP signals.
# Usage: gdprctl-signals.sh GDPRCTL SOURCE_ROOT
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
    marketing marketing-v2 phone
expect_exit 0 "$ctl" --db "$db" consent receipt 1
cp "$tmp/out" "$tmp/r1.json"
grep -q '"language":"en"' "$tmp/r1.json" || fail "receipt language: $(cat "$tmp/r1.json")"
grep -q '"proof":{"type":"Ed25519Signature","keyId":"rk' "$tmp/r1.json" ||
    fail "receipt proof: $(cat "$tmp/r1.json")"

# receipt verify: valid (exit 0), human and --json.
expect_exit 0 "$ctl" --db "$db" receipt verify "$tmp/r1.json"
grep -q "signature valid" "$tmp/out" || fail "verify: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --json --db "$db" receipt verify - <"$tmp/r1.json"
grep -q '^{"valid":true,"reason":null}$' "$tmp/out" || fail "verify --json: $(cat "$tmp/out")"
# Tampered: exit 1, the reason given.
sed 's/"consentStatus":"given"/"consentStatus":"refused"/' "$tmp/r1.json" >"$tmp/bad.json"
expect_exit 1 "$ctl" --db "$db" receipt verify "$tmp/bad.json"
grep -q "NOT valid: receipt: the signature does not match" "$tmp/out" ||
    fail "tampered: $(cat "$tmp/out")"
expect_exit 1 "$ctl" --json --db "$db" receipt verify "$tmp/bad.json"
grep -q '^{"valid":false,"reason":"receipt: the signature does not match' "$tmp/out" ||
    fail "tampered --json: $(cat "$tmp/out")"
# Not JSON: a usage-class error naming the argument.
printf 'not json' >"$tmp/junk"
expect_exit 2 "$ctl" --db "$db" receipt verify "$tmp/junk"
grep -q "receipt_json" "$tmp/err" || fail "junk: $(cat "$tmp/err")"
expect_exit 2 "$ctl" --db "$db" receipt verify
expect_exit 2 "$ctl" --db "$db" receipt verify "$tmp/missing.json"

# Anyone can check a receipt without libgdpr: the canonical form (sorted
# keys, no whitespace, proof removed) and the published PEM key, with
# Python and the OpenSSL command line (docs/consent.md), when installed.
if command -v python3 >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1; then
    expect_exit 0 "$ctl" --db "$db" receipt keys
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["keys"][-1]["pem"], end="")' \
        "$tmp/out" >"$tmp/pub.pem"
    python3 -c 'import json,base64,sys
d = json.load(open(sys.argv[1])); p = d.pop("proof")
open(sys.argv[2], "w").write(json.dumps(d, sort_keys=True, separators=(",", ":"), ensure_ascii=False))
open(sys.argv[3], "wb").write(base64.b64decode(p["signature"]))' "$tmp/r1.json" "$tmp/canon" "$tmp/sig"
    openssl pkeyutl -verify -pubin -inkey "$tmp/pub.pem" -rawin -in "$tmp/canon" \
        -sigfile "$tmp/sig" >"$tmp/ossl" 2>&1 || fail "openssl verify: $(cat "$tmp/ossl")"
    grep -q "Signature Verified Successfully" "$tmp/ossl" || fail "openssl: $(cat "$tmp/ossl")"
fi

# Keys: one now, two after a rekey; the old receipt still verifies.
expect_exit 0 "$ctl" --db "$db" receipt keys
grep -q '"alg":"Ed25519"' "$tmp/out" || fail "keys: $(cat "$tmp/out")"
[ "$(grep -o '"keyId"' "$tmp/out" | wc -l)" -eq 1 ] || fail "one key: $(cat "$tmp/out")"
(umask 077; printf "%s" 1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100 >"$tmp/newkey")
expect_exit 0 "$ctl" --db "$db" --yes rekey --new-key-file "$tmp/newkey"
export GDPR_KEY=1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100
expect_exit 0 "$ctl" --db "$db" receipt keys
[ "$(grep -o '"keyId"' "$tmp/out" | wc -l)" -eq 2 ] || fail "two keys: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --db "$db" receipt verify "$tmp/r1.json"
expect_exit 0 "$ctl" --db "$db" consent receipt 1
cp "$tmp/out" "$tmp/r1b.json"
cmp -s "$tmp/r1.json" "$tmp/r1b.json" && fail "a receipt after rekey is signed by the new key"
expect_exit 0 "$ctl" --db "$db" receipt verify "$tmp/r1b.json"

# Signals. A TC string with purposes 3 and 4 (built for the test; the IAB
# examples carry neither) and the IAB's decoded example.
tcf34=CQdWToAQdWToAEsACBENCWEgADAAAAAAABAgAAAAAAAA
expect_exit 0 "$ctl" signal decode --tcf COrVd1pOrVd1pACABCENAHCAAAAAAAAAAAiQAAAAAAAA
grep -q '"cmpId":2,"cmpVersion":1,"consentScreen":2,"consentLanguage":"EN"' "$tmp/out" ||
    fail "decode: $(cat "$tmp/out")"
expect_exit 2 "$ctl" signal decode --tcf COrVd1pOrVd1pACABC-NAHCAAAAAAAAAAAiQAAAAAAAA
grep -q "bit 108 (ConsentLanguage)" "$tmp/err" || fail "decode bad: $(cat "$tmp/err")"
expect_exit 0 "$ctl" signal decode --gpp "DBACNY~$tcf34~1YNN"
grep -q '"sectionIds":\[2,6\]' "$tmp/out" || fail "decode gpp: $(cat "$tmp/out")"
expect_exit 2 "$ctl" signal decode --gpc

# shellcheck disable=SC2086
expect_exit 0 "$ctl" --db "$db" $agent --now 2026-03-03T09:00:00Z consent grant CUST-2 \
    personalised-ads privacy-v3 phone
# shellcheck disable=SC2086
expect_exit 0 "$ctl" --db "$db" $agent --now 2026-03-04T09:00:00Z consent signal CUST-2 --gpc
grep -q "gpc signal recorded for CUST-2: 1 consent event$" "$tmp/out" || fail "gpc: $(cat "$tmp/out")"
expect_exit 1 "$ctl" --json --db "$db" --now 2026-03-05 consent check CUST-2 personalised-ads
grep -q '"may_process":false,"why":"withdrawn"' "$tmp/out" || fail "after gpc: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --db "$db" consent conflicts
grep -q "gpc_over_grant   personalised-ads" "$tmp/out" || fail "conflicts: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --json --db "$db" consent conflicts CUST-2 --since 2026-03-01
grep -q '"kind":"gpc_over_grant","consent_event":' "$tmp/out" || fail "conflicts --json: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --json --db "$db" consent conflicts --since 2026-03-05
[ "$(cat "$tmp/out")" = "[]" ] || fail "conflicts since: $(cat "$tmp/out")"
# An agent may record signals but not read the conflicts.
# shellcheck disable=SC2086
expect_exit 4 "$ctl" --db "$db" $agent consent conflicts
# TCF and GPP, human and --json.
# shellcheck disable=SC2086
expect_exit 0 "$ctl" --json --db "$db" $agent --now 2026-03-06 consent signal CUST-3 --tcf "$tcf34"
grep -q '^{"signal":"tcf","consent_events":1}$' "$tmp/out" || fail "tcf: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --db "$db" --now 2026-03-07 consent check CUST-3 personalised-ads
# shellcheck disable=SC2086
expect_exit 0 "$ctl" --db "$db" $agent --now 2026-03-06 consent signal CUST-4 --gpp "DBABjw~CAAAAAAAAAA.QA~1---"
grep -q "gpp signal recorded for CUST-4: 0 consent events" "$tmp/out" || fail "gpp: $(cat "$tmp/out")"
# shellcheck disable=SC2086
expect_exit 2 "$ctl" --db "$db" $agent consent signal CUST-4 --tcf BOrVd1p
grep -q "tc_string: bit 0 (Version)" "$tmp/err" || fail "tcf bad: $(cat "$tmp/err")"
# shellcheck disable=SC2086
expect_exit 2 "$ctl" --db "$db" $agent consent signal CUST-4
# shellcheck disable=SC2086
expect_exit 2 "$ctl" --db "$db" $agent consent signal CUST-4 --gpc --tcf "$tcf34"
echo "ok"
