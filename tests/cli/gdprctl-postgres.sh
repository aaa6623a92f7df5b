#!/bin/sh
# gdprctl on PostgreSQL (--db postgresql://...): only init creates a store,
# the same commands work, and no message or output shows the URI's
# password. Runs under `meson test --setup=postgres` (tests/pg/with-postgres
# exports GDPR_TEST_PG_URI); skips (77) elsewhere.
# Usage: gdprctl-postgres.sh GDPRCTL SOURCE_ROOT
set -eu
ctl=$1 root=$2
if [ "${GDPR_TEST_BACKEND:-}" != postgres ] || [ -z "${GDPR_TEST_PG_URI:-}" ]; then
    echo "SKIP: needs meson test --setup=postgres"
    exit 77
fi
psql="${GDPR_TEST_PG_BINDIR:-/usr/bin}/psql"
tmp=$(mktemp -d)
name="gdprctl_t_$$"
trap '"$psql" -X -q -d "$GDPR_TEST_PG_URI" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
export GDPR_KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
export GDPR_ACTOR=dpo1 GDPR_ROLE=dpo
unset GDPR_PASSPHRASE GDPR_DB || true

fail() { echo "FAIL: $*"; exit 1; }
expect_exit() { want=$1; shift; set +e; "$@" >"$tmp/out" 2>"$tmp/err"; got=$?; set -e
    [ "$got" -eq "$want" ] || { cat "$tmp/out" "$tmp/err"; fail "exit $got, want $want: $*"; }; }
no_password() { ! grep -q "$GDPR_TEST_PG_PASSWORD" "$tmp/out" "$tmp/err" || fail "password shown: $*"; }

# The library reports a build without the backend: nothing to test.
set +e
"$ctl" --db "postgresql://127.0.0.1:1/x?connect_timeout=2" audit verify >"$tmp/out" 2>"$tmp/err"
set -e
if grep -q "without the PostgreSQL backend\|no PostgreSQL backend" "$tmp/err"; then
    echo "SKIP: this libgdpr has no PostgreSQL backend"
    exit 77
fi

"$psql" -X -q -d "$GDPR_TEST_PG_URI" -c "CREATE DATABASE $name" >/dev/null
db=$(printf '%s' "$GDPR_TEST_PG_URI" | sed "s|/postgres\$|/$name|")

# Before init: no store, nothing created, the password masked.
expect_exit 2 "$ctl" --db "$db" audit verify
grep -q "no store at postgresql://gdpr_admin:\*\*\*@" "$tmp/err" || fail "no store: $(cat "$tmp/err")"
no_password "no store"
[ "$("$psql" -X -At -d "$db" -c "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'gdpr%'")" = 0 ] ||
    fail "a command other than init created schemas"

expect_exit 0 "$ctl" --db "$db" init "$root/examples/policy.json"
grep -q "policy version 1" "$tmp/out" || fail "init: $(cat "$tmp/out")"
no_password "init"
expect_exit 0 "$ctl" --db "$db" --json consent grant c-1001 marketing marketing-v2 web --proof "form 17"
expect_exit 0 "$ctl" --db "$db" consent check c-1001 marketing
expect_exit 0 "$ctl" --db "$db" vault put c-1001 contact service "Ada Example"
expect_exit 0 "$ctl" --db "$db" export c-1001 -o "$tmp/c-1001.json"
grep -q "Ada Example" "$tmp/c-1001.json" || fail "export lacks the value"
expect_exit 0 "$ctl" --db "$db" --json audit verify
grep -q '"ok":true' "$tmp/out" || fail "verify: $(cat "$tmp/out")"
no_password "audit verify"
# The keys are in their own schema; the data schema has none of them.
[ "$("$psql" -X -At -d "$db" -c "SELECT count(*) FROM pg_namespace WHERE nspname IN ('gdpr', 'gdpr_keys')")" = 2 ] ||
    fail "schemas gdpr and gdpr_keys"

# A wrong password and an unreachable server: exit 5, the password masked.
wrong=$(printf '%s' "$db" | sed "s|:$GDPR_TEST_PG_PASSWORD@|:not-the-password-4711@|")
expect_exit 5 "$ctl" --db "$wrong" audit verify
grep -q "password authentication failed" "$tmp/err" || fail "wrong password: $(cat "$tmp/err")"
! grep -q "not-the-password-4711" "$tmp/out" "$tmp/err" || fail "wrong password shown"
expect_exit 5 "$ctl" --db "postgresql://u:secret-4711@127.0.0.1:1/x?connect_timeout=2" audit verify
! grep -q "secret-4711" "$tmp/out" "$tmp/err" || fail "password shown: $(cat "$tmp/err")"
echo "gdprctl on PostgreSQL: all checks passed"
