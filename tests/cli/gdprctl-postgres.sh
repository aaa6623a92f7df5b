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

# --- the hot standby: --read-only there, --audit-db at the primary ----------------
if [ -n "${GDPR_TEST_PG_STANDBY_URI:-}" ]; then
    sdb=$(printf '%s' "$GDPR_TEST_PG_STANDBY_URI" | sed "s|/postgres\$|/$name|")
    wait_replay() {
        lsn=$("$psql" -X -At -d "$db" -c "SELECT pg_current_wal_lsn()")
        for _ in $(seq 1 300); do
            [ "$("$psql" -X -At -d "$sdb" -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn" \
                2>/dev/null)" = t ] && return 0
            sleep 0.1
        done
        fail "the standby did not replay up to $lsn"
    }
    events() { "$psql" -X -At -d "$db" -c "SELECT count(*) FROM gdpr.audit"; }
    wait_replay
    n0=$(events)
    expect_exit 0 "$ctl" --db "$sdb" --read-only consent check c-1001 marketing
    no_password "standby check"
    # Opened writable, the standby refuses at open, saying what to give.
    expect_exit 1 "$ctl" --db "$sdb" consent check c-1001 marketing
    grep -q "next: on a hot standby, add --read-only" "$tmp/err" || fail "writable: $(cat "$tmp/err")"
    # A write: refused (exit 1) naming the flag; nothing changes anywhere.
    expect_exit 1 "$ctl" --db "$sdb" --read-only consent grant c-2 marketing marketing-v2 web --proof x
    grep -q "read-only (--read-only.*writes are refused" "$tmp/err" || fail "write: $(cat "$tmp/err")"
    # An audited read without --audit-db: refused before anything is given out.
    expect_exit 1 "$ctl" --db "$sdb" --read-only export c-1001 -o "$tmp/sb.json"
    grep -q "set --audit-db" "$tmp/err" || fail "export without --audit-db: $(cat "$tmp/err")"
    [ -s "$tmp/sb.json" ] && fail "an export without its audit event wrote data"
    [ "$(events)" = "$n0" ] || fail "refused calls appended to the primary's trail"
    # With --audit-db the primary: read on the standby, the event on the primary.
    expect_exit 0 "$ctl" --db "$sdb" --read-only --audit-db "$db" export c-1001 -o "$tmp/sb.json"
    grep -q "Ada Example" "$tmp/sb.json" || fail "standby export lacks the value"
    no_password "standby export"
    [ "$(events)" = $((n0 + 1)) ] || fail "the export's event is not on the primary"
    expect_exit 0 "$ctl" --db "$db" audit log --json
    grep -q '"action":"export' "$tmp/out" || fail "no export event: $(cat "$tmp/out")"
    # --audit-db must be writable and the same store; its password stays masked.
    expect_exit 5 "$ctl" --db "$sdb" --read-only --audit-db "$wrong" export c-1001 -o "$tmp/x.json"
    grep -q "^  --audit-db: " "$tmp/err" || fail "--audit-db error: $(cat "$tmp/err")"
    ! grep -q "not-the-password-4711" "$tmp/out" "$tmp/err" || fail "--audit-db password shown"
    expect_exit 2 "$ctl" --db "$db" --audit-db "$db" consent check c-1001 marketing
    grep -q "gdprctl: --audit-db needs --read-only" "$tmp/err" || fail "$(cat "$tmp/err")"
    no_password "--audit-db without --read-only"
    # An erasure on the primary reaches the standby with the replay.
    expect_exit 0 "$ctl" --db "$db" --yes erase c-1001 "Art. 17(1)(a) request 4"
    wait_replay
    expect_exit 1 "$ctl" --db "$sdb" --read-only consent check c-1001 marketing
    # A database on the standby without a store: no store, nothing created.
    expect_exit 2 "$ctl" --db "$(printf '%s' "$GDPR_TEST_PG_STANDBY_URI")" --read-only audit verify
    grep -q "no store at postgresql://gdpr_admin:\*\*\*@" "$tmp/err" || fail "no store: $(cat "$tmp/err")"
fi
echo "gdprctl on PostgreSQL: all checks passed"
