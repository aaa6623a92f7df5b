#!/bin/sh
# gdprctl rekey: rotate the master key from a key file, a passphrase file or
# stdin; the old key is refused afterwards (exit 5), the new one opens;
# a key file readable by others is refused; usage errors exit 2.
# Usage: gdprctl-rekey.sh GDPRCTL SOURCE_ROOT
set -eu
ctl=$1 root=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db="$tmp/t.db"
old=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
new=a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf
export GDPR_ACTOR=dpo1 GDPR_ROLE=dpo
unset GDPR_KEY GDPR_PASSPHRASE || true

fail() { echo "FAIL: $*"; exit 1; }
expect_exit() { want=$1; shift; set +e; "$@" >"$tmp/out" 2>"$tmp/err" </dev/null; got=$?; set -e
    [ "$got" -eq "$want" ] || { cat "$tmp/out" "$tmp/err"; fail "exit $got, want $want: $*"; }; }

(umask 077; printf '%s\n' "$old" >"$tmp/old.key"; printf '%s\n' "$new" >"$tmp/new.key"
 printf 'a long new passphrase\n' >"$tmp/new.pass")
expect_exit 0 "$ctl" --db "$db" --key-file "$tmp/old.key" init "$root/examples/policy.json"
expect_exit 0 "$ctl" --db "$db" --key-file "$tmp/old.key" vault put c-1 contact service 'Ana'

# Usage errors: exit 2, nothing changed (the old key still opens).
expect_exit 2 "$ctl" --db "$db" --key-file "$tmp/old.key" rekey
grep -q "new-key-file" "$tmp/err" || fail "no-flag message: $(cat "$tmp/err")"
expect_exit 2 "$ctl" --db "$db" --key-file "$tmp/old.key" rekey --new-key-file
expect_exit 2 "$ctl" --db "$db" --key-file "$tmp/old.key" rekey --new-key-file "$tmp/new.key" \
    --new-passphrase-file "$tmp/new.pass"
expect_exit 2 "$ctl" --db "$db" --key-file "$tmp/old.key" rekey --new-kee-file "$tmp/new.key"
grep -q "did you mean --new-key-file" "$tmp/err" || fail "did-you-mean: $(cat "$tmp/err")"
expect_exit 2 "$ctl" --db "$db" --key-file "$tmp/old.key" rekey extra
expect_exit 2 "$ctl" --db "$tmp/none.db" --key-file "$tmp/old.key" rekey --new-key-file "$tmp/new.key"
[ ! -e "$tmp/none.db" ] || fail "rekey created a store"
# Help without a store.
expect_exit 0 "$ctl" rekey --help
grep -q "new-passphrase-file" "$tmp/out" || fail "help: $(cat "$tmp/out")"

# A new key file readable by others is refused (exit 5), like ssh.
cp "$tmp/new.key" "$tmp/open.key"; chmod 644 "$tmp/open.key"
expect_exit 5 "$ctl" --db "$db" --key-file "$tmp/old.key" rekey --new-key-file "$tmp/open.key"
grep -q "too open" "$tmp/err" || fail "0644 message: $(cat "$tmp/err")"
# A malformed key: exit 5, trailing junk refused.
(umask 077; printf '%s\nmore\n' "$new" >"$tmp/junk.key"; printf 'abc\n' >"$tmp/short.key")
expect_exit 5 "$ctl" --db "$db" --key-file "$tmp/old.key" rekey --new-key-file "$tmp/junk.key"
expect_exit 5 "$ctl" --db "$db" --key-file "$tmp/old.key" rekey --new-key-file "$tmp/short.key"
expect_exit 0 "$ctl" --db "$db" --key-file "$tmp/old.key" audit verify
# A role without "rekey": exit 4.
expect_exit 4 "$ctl" --db "$db" --key-file "$tmp/old.key" --actor a1 --role agent rekey \
    --new-key-file "$tmp/new.key"

# Rekey with a key file (the progress line on stderr with --progress).
expect_exit 0 "$ctl" --db "$db" --key-file "$tmp/old.key" --progress rekey --new-key-file "$tmp/new.key"
grep -q "rekeyed" "$tmp/out" || fail "rekey output: $(cat "$tmp/out")"
grep -q "rekey" "$tmp/err" || fail "no progress line: $(cat "$tmp/err")"
# The old key is refused (exit 5); the new one opens and reads the record.
expect_exit 5 "$ctl" --db "$db" --key-file "$tmp/old.key" audit verify
grep -q "GDPR_EKEY" "$tmp/err" || fail "old key: $(cat "$tmp/err")"
expect_exit 0 "$ctl" --db "$db" --key-file "$tmp/new.key" vault get 1
grep -q "Ana" "$tmp/out" || fail "new key read: $(cat "$tmp/out")"
expect_exit 0 "$ctl" --db "$db" --key-file "$tmp/new.key" audit log --action rekey
grep -q "rekey" "$tmp/out" || fail "no audit event: $(cat "$tmp/out")"

# Then to a passphrase read from stdin, --json: one document.
set +e
"$ctl" --db "$db" --key-file "$tmp/new.key" --json rekey --new-passphrase-file - \
    <"$tmp/new.pass" >"$tmp/out" 2>"$tmp/err"
got=$?
set -e
[ "$got" -eq 0 ] || fail "rekey to passphrase: exit $got: $(cat "$tmp/err")"
python3 -m json.tool "$tmp/out" >/dev/null || fail "json: $(cat "$tmp/out")"
grep -q '"new":"passphrase"' "$tmp/out" || fail "json: $(cat "$tmp/out")"
expect_exit 5 "$ctl" --db "$db" --key-file "$tmp/new.key" audit verify
expect_exit 0 "$ctl" --db "$db" --passphrase-file "$tmp/new.pass" audit verify
# A too-short new passphrase is refused by the library (exit 2), nothing changed.
(umask 077; printf 'short\n' >"$tmp/short.pass")
expect_exit 2 "$ctl" --db "$db" --passphrase-file "$tmp/new.pass" --json rekey \
    --new-passphrase-file "$tmp/short.pass"
python3 -m json.tool "$tmp/err" >/dev/null || fail "json error: $(cat "$tmp/err")"
expect_exit 0 "$ctl" --db "$db" --passphrase-file "$tmp/new.pass" audit verify
echo "gdprctl rekey: all checks passed"
