/*
 * Store interface: ids are never handed out twice (also after the highest
 * row is deleted, and across the migration that introduced the
 * sequences), the generation moves with committed writes only, and the
 * backend is chosen from the path.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "helpers.h"
#include "store.h"
#include "testhook.h"

#define DAY 86400

static th_store ts;

/* The first column of the first row of `sql`, as text. */
static void
raw_text(const char *path, const char *sql, char *out, size_t cap)
{
    sqlite3 *db = th_raw_open(path);
    sqlite3_stmt *s = NULL;

    ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    snprintf(out, cap, "%s",
             sqlite3_column_text(s, 0) ? (const char *)sqlite3_column_text(s, 0) : "");
    sqlite3_finalize(s);
    sqlite3_close(db);
}

static void
create_version(int version)
{
    gdpr__test_hooks h;

    gdpr__test_hooks_get(&h);
    h.schema_create_version = version;
    gdpr__test_hooks_set(&h);
}

static void
setup(void)
{
    th_setup(&ts);
}
static void
teardown(void)
{
    gdpr__test_hooks_set(NULL);
    th_teardown(&ts);
}

static int64_t
put(const char *subject)
{
    int64_t id = 0;

    th_ok(gdpr_vault_put(ts.eng, &th_agent, subject, "contact", "service", "v", 1, &id));
    return id;
}

static int64_t
open_request(const char *subject)
{
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    int64_t id = 0;

    in.type = GDPR_REQUEST_ACCESS;
    in.subject = subject;
    in.channel = "phone";
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &id));
    return id;
}

static int64_t
place_hold(const char *subject)
{
    gdpr_hold h = GDPR_HOLD_INIT;
    int64_t id = 0;

    h.scope = GDPR_HOLD_SUBJECT;
    h.subject = subject;
    h.reason = "Case 2026-17";
    h.until = ts.now + 30 * DAY;
    th_ok(gdpr_hold_place(ts.eng, &th_dpo, &h, &id));
    return id;
}

/* Records 1..3, delete 3: the next one is 4, also after a reopen. */
START_TEST(deleted_highest_record_id_not_reused)
{
    ck_assert_int_eq(put("alice"), 1);
    ck_assert_int_eq(put("alice"), 2);
    ck_assert_int_eq(put("alice"), 3);
    th_ok(gdpr_vault_delete(ts.eng, &th_dpo, 3));
    ck_assert_int_eq(put("alice"), 4);
    th_ok(gdpr_vault_delete(ts.eng, &th_dpo, 4));
    th_reopen(&ts);
    ck_assert_int_eq(put("alice"), 5);
}
END_TEST

/* Requests and holds have no delete in the API; delete the highest row
 * behind the library's back (as a restore or a later purge might). */
START_TEST(deleted_highest_request_and_hold_ids_not_reused)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    ck_assert_int_eq(open_request("alice"), 1);
    ck_assert_int_eq(open_request("alice"), 2);
    ck_assert_int_eq(open_request("alice"), 3);
    ck_assert_int_eq(place_hold("alice"), 1);
    ck_assert_int_eq(place_hold("alice"), 2);
    ck_assert_int_eq(place_hold("alice"), 3);
    gdpr_close(ts.eng);
    ts.eng = NULL;
    th_raw_exec(ts.db,
                "DELETE FROM request_event WHERE request = 3; DELETE FROM request WHERE id = 3;"
                " DELETE FROM erasure_hold WHERE id = 3");
    th_ok(th_open(&ts, &ts.eng));
    ck_assert_int_eq(open_request("alice"), 4);
    ck_assert_int_eq(place_hold("alice"), 4);
}
END_TEST

/* A store written at the schema before the sequences, whose highest rows
 * were deleted but left traces elsewhere: the migration seeds every
 * sequence above every id ever issued. */
START_TEST(migration_seeds_sequences_above_every_trace)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    th_store old;
    int64_t id = 0;
    gdpr_hold h = GDPR_HOLD_INIT;
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;

    create_version(8);
    th_setup_bare(&old);
    gdpr_close(old.eng);
    old.eng = NULL;
    create_version(0);
    ck_assert_int_eq(th_raw_int(old.db, "PRAGMA user_version"), 8);
    th_raw_exec(
        old.db,
        "INSERT INTO vault(id, subject, category, purpose, collected, updated, value)"
        " VALUES(1, x'01', 'contact', 'service', 0, 0, x'00'),"
        " (2, x'01', 'contact', 'service', 0, 0, x'00'),"
        " (3, x'01', 'contact', 'service', 0, 0, x'00');"
        "DELETE FROM vault;"
        /* record 6 was kept by an erasure, record 9 erased by one */
        "INSERT INTO tombstone(kind, subject, at, ground, actor, role, erased,"
        " retained, complete, wiped) VALUES(1, x'02', 0, 'art17', 'a', 'r', 1, 1, 0, 1);"
        "INSERT INTO tombstone_kept VALUES(1, 6, 'contact', 'service', 'hold', 'R-1', 0, 0);"
        "INSERT INTO tombstone_record VALUES(1, 9);"
        /* a review of record 11 */
        "INSERT INTO retention_review(record, subject, rule, category, purpose,"
        " record_due, opened, deadline, status) VALUES(11, x'02', 'R-2', 'contact',"
        " 'marketing', 0, 0, 0, 1);"
        /* tombstones 2..4 existed once: AUTOINCREMENT remembers 4 */
        "INSERT INTO tombstone(id, kind, subject, at, ground, actor, role, erased,"
        " retained, complete, wiped) VALUES(4, 1, x'02', 0, 'art17', 'a', 'r', 1, 1, 0, 1);"
        "DELETE FROM tombstone WHERE id = 4;"
        /* requests 1..3, the highest deleted, its history still there */
        "INSERT INTO request(id, type, status, channel, received, first_due, due,"
        " updated, policy_version) VALUES(1, 1, 1, 'phone', 0, 1, 1, 0, 1),"
        " (2, 1, 1, 'phone', 0, 1, 1, 0, 1), (3, 1, 1, 'phone', 0, 1, 1, 0, 1);"
        "INSERT INTO request_event(id, request, at, actor, role, action, status)"
        " VALUES(7, 3, 0, 'a', 'r', 'opened', 1);"
        "DELETE FROM request WHERE id = 3;"
        /* holds 1..5, the last three deleted */
        "INSERT INTO erasure_hold(scope, subject, reason, placed_at, placed_by, until)"
        " VALUES(1, x'02', 'r', 0, 'a', 1), (1, x'02', 'r', 0, 'a', 1),"
        " (1, x'02', 'r', 0, 'a', 1), (1, x'02', 'r', 0, 'a', 1), (1, x'02', 'r', 0, 'a', 1);"
        "DELETE FROM erasure_hold WHERE id >= 3;");

    th_ok(th_open(&old, &old.eng));
    ck_assert_int_eq(th_raw_int(old.db, "PRAGMA user_version"), gdpr_store__schema_latest());
    ck_assert_int_eq(th_raw_int(old.db, "SELECT value FROM counter WHERE name='vault'"), 11);
    ck_assert_int_eq(th_raw_int(old.db, "SELECT value FROM counter WHERE name='tombstone'"), 4);
    ck_assert_int_eq(th_raw_int(old.db, "SELECT value FROM counter WHERE name='request'"), 3);
    ck_assert_int_eq(th_raw_int(old.db, "SELECT value FROM counter WHERE name='request_event'"), 7);
    ck_assert_int_eq(th_raw_int(old.db, "SELECT value FROM counter WHERE name='hold'"), 5);

    th_ok(gdpr_policy_load(old.eng, &th_dpo, th_example_policy_path()));
    th_ok(gdpr_vault_put(old.eng, &th_agent, "carol", "contact", "service", "v", 1, &id));
    ck_assert_int_eq(id, 12);
    in.type = GDPR_REQUEST_ACCESS;
    in.subject = "carol";
    in.channel = "phone";
    th_ok(gdpr_request_open(old.eng, &th_agent, &in, &id));
    ck_assert_int_eq(id, 4);
    ck_assert_int_eq(th_raw_int(old.db, "SELECT max(id) FROM request_event"), 8);
    h.scope = GDPR_HOLD_SUBJECT;
    h.subject = "carol";
    h.reason = "Case 1";
    h.until = old.now + DAY;
    th_ok(gdpr_hold_place(old.eng, &th_dpo, &h, &id));
    ck_assert_int_eq(id, 6);
    th_teardown(&old);
}
END_TEST

/* Store level: two handles on the same files. A committed write raises
 * the generation the other handle reads; reads and rollbacks do not. */
START_TEST(generation_moves_with_committed_writes)
{
    TH_SQLITE_ONLY("opens a store file of its own");
    char db[400], keys[410];
    store_config cfg = {db, keys, 5000, 0};
    store *a = NULL, *b = NULL;
    int is_new = 0;
    uint64_t g0 = 0, g1 = 0, g2 = 0;
    uint8_t buf[8];
    size_t len = 0;

    snprintf(db, sizeof db, "%s/gen.db", ts.dir);
    snprintf(keys, sizeof keys, "%s-keys", db);
    th_ok(gdpr_store__open(&a, &cfg, &is_new));
    ck_assert_int_eq(is_new, 1);
    th_ok(gdpr_store__begin(a));
    th_ok(gdpr_store__migrate(a, gdpr_store__schema_latest()));
    th_ok(gdpr_store__commit(a));
    th_ok(gdpr_store__open(&b, &cfg, &is_new));
    ck_assert_int_eq(is_new, 0);

    th_ok(gdpr_store__generation(b, &g0));
    th_ok(gdpr_store__begin(a));
    th_ok(gdpr_store__meta_put(a, STORE_DATA, "x", "1", 1));
    th_ok(gdpr_store__commit(a));
    th_ok(gdpr_store__generation(b, &g1));
    ck_assert_uint_eq(g1, g0 + 1);

    /* a read-only transaction and a rolled-back write leave it */
    th_ok(gdpr_store__begin(b));
    th_ok(gdpr_store__meta_get(b, STORE_DATA, "x", buf, sizeof buf, &len));
    th_ok(gdpr_store__generation(b, &g2));
    ck_assert_uint_eq(g2, g1);
    th_ok(gdpr_store__commit(b));
    th_ok(gdpr_store__begin(a));
    th_ok(gdpr_store__meta_put(a, STORE_KEYS, "y", "2", 1));
    gdpr_store__rollback(a);
    th_ok(gdpr_store__generation(b, &g2));
    ck_assert_uint_eq(g2, g1);

    /* a write to the keys part alone counts too */
    th_ok(gdpr_store__begin(a));
    th_ok(gdpr_store__meta_put(a, STORE_KEYS, "y", "2", 1));
    th_ok(gdpr_store__commit(a));
    th_ok(gdpr_store__generation(b, &g2));
    ck_assert_uint_eq(g2, g1 + 1);
    gdpr_store__close(b);
    gdpr_store__close(a);
}
END_TEST

START_TEST(next_id_needs_a_transaction)
{
    TH_SQLITE_ONLY("opens a store file of its own");
    char db[400], keys[410];
    store_config cfg = {db, keys, 5000, 0};
    store *a = NULL;
    int is_new = 0;
    int64_t id = 0;

    snprintf(db, sizeof db, "%s/seq.db", ts.dir);
    snprintf(keys, sizeof keys, "%s-keys", db);
    th_ok(gdpr_store__open(&a, &cfg, &is_new));
    th_ok(gdpr_store__begin(a));
    th_ok(gdpr_store__migrate(a, gdpr_store__schema_latest()));
    th_ok(gdpr_store__next_id(a, STORE_SEQ_VAULT, &id));
    ck_assert_int_eq(id, 1);
    th_ok(gdpr_store__commit(a));
    th_assert_err(gdpr_store__next_id(a, STORE_SEQ_VAULT, &id), GDPR_ESTATE,
                  "inside a transaction");
    /* a rolled-back allocation is taken back */
    th_ok(gdpr_store__begin(a));
    th_ok(gdpr_store__next_id(a, STORE_SEQ_VAULT, &id));
    ck_assert_int_eq(id, 2);
    gdpr_store__rollback(a);
    th_ok(gdpr_store__begin(a));
    th_ok(gdpr_store__next_id(a, STORE_SEQ_VAULT, &id));
    ck_assert_int_eq(id, 2);
    th_ok(gdpr_store__commit(a));
    gdpr_store__close(a);
}
END_TEST

/* Ids come from memory under the write lock: two handles on one file
 * (as two processes) take turns and never hand out the same id; a
 * rolled-back savepoint takes its ids back, at every nesting depth
 * (deeper than the levels remembered in memory too), while the ids of
 * the levels around it stay. */
START_TEST(ids_from_memory_follow_handles_and_savepoints)
{
    char db[400], keys[410];
    store_config cfg = {db, keys, 5000, 0};
    store *a = NULL, *b = NULL;
    int is_new = 0;
    int64_t id = 0, expect = 0;

    snprintf(db, sizeof db, "%s/seq2.db", ts.dir);
    snprintf(keys, sizeof keys, "%s-keys", db);
    th_ok(gdpr_store__open(&a, &cfg, &is_new));
    th_ok(gdpr_store__begin(a));
    th_ok(gdpr_store__migrate(a, gdpr_store__schema_latest()));
    th_ok(gdpr_store__commit(a));
    th_ok(gdpr_store__open(&b, &cfg, &is_new));
    for (int round = 0; round < 4; round++) {
        store *h = round % 2 ? b : a;
        th_ok(gdpr_store__begin(h));
        for (int k = 0; k < 3; k++) {
            th_ok(gdpr_store__next_id(h, STORE_SEQ_CONSENT, &id));
            ck_assert_int_eq(id, ++expect);
        }
        th_ok(gdpr_store__commit(h));
    }
    /* Savepoints 1..11 deep, each allocating; roll back every other. */
    th_ok(gdpr_store__begin(a));
    th_ok(gdpr_store__next_id(a, STORE_SEQ_CONSENT, &id));
    ck_assert_int_eq(id, ++expect);
    for (int depth = 1; depth <= 11; depth++) {
        th_ok(gdpr_store__begin(a));
        th_ok(gdpr_store__next_id(a, STORE_SEQ_CONSENT, &id));
        ck_assert_int_eq(id, expect + 1);
        if (depth % 2) {
            gdpr_store__rollback(a); /* taken back */
            th_ok(gdpr_store__begin(a));
            th_ok(gdpr_store__next_id(a, STORE_SEQ_CONSENT, &id));
            ck_assert_int_eq(id, expect + 1);
        }
        expect++;
    }
    /* Unwind: the innermost level rolled back takes back only its id. */
    gdpr_store__rollback(a);
    expect--;
    for (int depth = 10; depth >= 1; depth--)
        th_ok(gdpr_store__commit(a));
    th_ok(gdpr_store__commit(a));
    th_ok(gdpr_store__begin(b));
    th_ok(gdpr_store__next_id(b, STORE_SEQ_CONSENT, &id));
    ck_assert_int_eq(id, expect + 1);
    gdpr_store__rollback(b);
    gdpr_store__close(b);
    gdpr_store__close(a);
}
END_TEST

/* The KPI counters the store keeps in C equal a recount of the rows, and
 * no trigger is left to keep them. */
START_TEST(kpi_counters_match_rows_without_triggers)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    static const gdpr_actor supervisor = {"sup-1", "supervisor"};
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    char counted[4096], recount[4096];
    int64_t a, b, c = 0;

    ck_assert_int_eq(th_raw_int(ts.db, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'"
                                       " AND name LIKE 'request_kpi%'"),
                     0);
    a = open_request("alice");
    b = open_request("bob");
    th_ok(gdpr_request_extend(ts.eng, &supervisor, a, 2, "complex", ts.now));
    th_ok(gdpr_request_flag(ts.eng, &th_dpo, b, 1u, NULL));
    in.type = GDPR_REQUEST_ERASURE;
    in.channel = "web";
    in.id_kind = "email";
    in.id_value = "nobody@example.org";
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &c));
    th_ok(gdpr_request_deny(ts.eng, &th_dpo, c, GDPR_DENIAL_NO_MATCH, NULL));
    ts.now += 40 * DAY;
    (void)open_request("carol");

    raw_text(ts.db,
             "SELECT group_concat(x, ';') FROM (SELECT day || ',' || type || ',' ||"
             " status || ',' || n || ',' || late || ',' || extended || ',' || escalated || ','"
             " || escalations || ',' || high_risk || ',' || denied1 || ',' || denied2 || ','"
             " || denied3 || ',' || denied4 || ',' || denied5 AS x FROM request_kpi"
             " WHERE n <> 0 ORDER BY day, type, status)",
             counted, sizeof counted);
    raw_text(ts.db,
             "SELECT group_concat(x, ';') FROM (SELECT (received / 86400) || ',' || type"
             " || ',' || status || ',' || count(*) || ',' || sum(closed > 0 AND closed >= due)"
             " || ',' || sum(extended_months > 0) || ',' || sum(escalations > 0) || ',' ||"
             " sum(escalations) || ',' || sum(flags <> 0) || ',' || sum(denial = 1) || ',' ||"
             " sum(denial = 2) || ',' || sum(denial = 3) || ',' || sum(denial = 4) || ',' ||"
             " sum(denial = 5) AS x FROM request GROUP BY received / 86400, type, status"
             " ORDER BY received / 86400, type, status)",
             recount, sizeof recount);
    ck_assert_str_eq(counted, recount);
    ck_assert_ptr_nonnull(strstr(counted, ",4,1,"));
    raw_text(ts.db,
             "SELECT group_concat(day || ',' || close_days || ',' || n, ';')"
             " FROM request_kpi_close WHERE n <> 0",
             counted, sizeof counted);
    raw_text(ts.db,
             "SELECT group_concat(d || ',' || close_days || ',' || n, ';') FROM"
             " (SELECT received / 86400 AS d, close_days, count(*) AS n FROM request"
             " WHERE status IN (3, 4) GROUP BY 1, 2)",
             recount, sizeof recount);
    ck_assert_str_eq(counted, recount);
    ck_assert_str_ne(counted, "");
}
END_TEST

static int
review_status(const store_review_row *r, void *ctx)
{
    *(int *)ctx = r->status * 10 + (r->justification != NULL);
    return 0;
}

static int
count_anchor(int kind, const char *purpose, int64_t at, void *ctx)
{
    (void)kind;
    (void)purpose;
    (void)at;
    ++*(int *)ctx;
    return 0;
}

/* What triggers did before schema 11 the delete operations do now: a
 * deleted record's open review is closed as gone and its retention state
 * removed; a deleted subject's anchors go and its sealed justifications
 * are cleared. */
START_TEST(deletes_follow_retention_state)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    char db[400], keys[410];
    store_config cfg = {db, keys, 5000, 0};
    store *a = NULL;
    int is_new = 0, status = 0, anchors = 0;
    uint8_t subject[CRYPTO_HASH_BYTES], other[CRYPTO_HASH_BYTES], value[4] = {1, 2, 3, 4};
    store_vault_row v;
    store_review_row r;
    int64_t rec1, rec2, task1, task2, task3, sid;

    memset(subject, 0x11, sizeof subject);
    memset(other, 0x22, sizeof other);
    snprintf(db, sizeof db, "%s/follow.db", ts.dir);
    snprintf(keys, sizeof keys, "%s-keys", db);
    th_ok(gdpr_store__open(&a, &cfg, &is_new));
    th_ok(gdpr_store__begin(a));
    th_ok(gdpr_store__migrate(a, gdpr_store__schema_latest()));
    th_ok(gdpr_store__subject_insert(a, subject, value, sizeof value, 1, &sid));
    /* anchors name an existing subject by id (schema step 27) */
    th_ok(gdpr_store__subject_insert(a, other, value, sizeof value, 1, &sid));
    memset(&v, 0, sizeof v);
    v.subject = subject;
    v.category = "contact";
    v.purpose = "service";
    v.value = value;
    v.value_len = sizeof value;
    th_ok(store_vault_next_id(a, &rec1));
    v.id = rec1;
    th_ok(gdpr_store__vault_insert(a, &v));
    th_ok(store_vault_next_id(a, &rec2));
    v.id = rec2;
    th_ok(gdpr_store__vault_insert(a, &v));
    memset(&r, 0, sizeof r);
    r.subject = subject;
    r.rule = "R-4";
    r.category = "contact";
    r.purpose = "service";
    r.record = rec1;
    th_ok(gdpr_store__review_insert(a, &r, &task1));
    th_ok(gdpr_store__retention_state_put(a, rec1, 0, 0, task1));
    r.record = rec2;
    th_ok(gdpr_store__review_insert(a, &r, &task2));
    th_ok(gdpr_store__retention_state_put(a, rec2, 0, 0, task2));
    th_ok(gdpr_store__review_insert(a, &r, &task3));
    th_ok(gdpr_store__review_decide(a, task3, 2, 5, "dpo-1", "dpo", 99, value, sizeof value));
    th_ok(gdpr_store__retention_anchor_put(a, subject, 1, "", 7));
    th_ok(gdpr_store__retention_anchor_put(a, other, 1, "", 7));

    th_ok(gdpr_store__vault_delete(a, rec1));
    th_ok(gdpr_store__review_get(a, task1, review_status, &status));
    ck_assert_int_eq(status, 40);
    th_ok(gdpr_store__review_get(a, task2, review_status, &status));
    ck_assert_int_eq(status, 10);
    th_ok(gdpr_store__vault_delete_subject(a, subject, NULL));
    th_ok(gdpr_store__review_get(a, task2, review_status, &status));
    ck_assert_int_eq(status, 40);
    th_ok(gdpr_store__review_get(a, task3, review_status, &status));
    ck_assert_int_eq(status, 21);
    th_ok(gdpr_store__subject_delete(a, subject));
    th_ok(gdpr_store__review_get(a, task3, review_status, &status));
    ck_assert_int_eq(status, 20);
    th_ok(gdpr_store__retention_anchor_foreach(a, subject, count_anchor, &anchors));
    ck_assert_int_eq(anchors, 0);
    th_ok(gdpr_store__retention_anchor_foreach(a, other, count_anchor, &anchors));
    ck_assert_int_eq(anchors, 1);
    th_ok(gdpr_store__commit(a));
    ck_assert_int_eq(th_raw_int(db, "SELECT count(*) FROM retention_state"), 0);
    ck_assert_int_eq(th_raw_int(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'"
                                    " AND name LIKE 'retention_%'"),
                     0);
    gdpr_store__close(a);
}
END_TEST

START_TEST(postgres_uri_refused)
{
    /* A URI selects the PostgreSQL backend: without it in the build the
     * open names the meson option; with it, an unreachable server (port 1
     * on the loopback refuses at once) or a malformed URI is refused at
     * open with libpq's reason, and nothing is created. */
    static const char *const uris[] = {"postgresql://gdpr@127.0.0.1:1/crm?connect_timeout=2",
                                       "postgres://gdpr@127.0.0.1:1/crm?connect_timeout=2"};
    gdpr_options opts = GDPR_OPTIONS_INIT;
    gdpr_engine *eng = NULL;
    int rc;

    opts.key = th_key;
    opts.key_len = 32;
    for (size_t i = 0; i < sizeof uris / sizeof uris[0]; i++) {
        opts.path = uris[i];
        rc = gdpr_open(&eng, &opts);
        ck_assert_ptr_null(eng);
        if (rc == GDPR_EINVAL) {
            ck_assert_ptr_nonnull(strstr(gdpr_errmsg(), "without the PostgreSQL backend"));
            continue;
        }
        ck_assert_int_eq(rc, GDPR_ESTORAGE);
        ck_assert_ptr_nonnull(strstr(gdpr_errmsg(), "cannot connect to PostgreSQL"));
        ck_assert_ptr_nonnull(strstr(gdpr_errmsg(), "127.0.0.1:1"));
    }
    opts.path = "postgresql://a@b@:c:d/%zz";
    rc = gdpr_open(&eng, &opts);
    ck_assert_ptr_null(eng);
    ck_assert_int_eq(rc, GDPR_EINVAL);
    ck_assert_ptr_nonnull(strstr(gdpr_errmsg(), "PostgreSQL"));
}
END_TEST

static Suite *
ids_suite(void)
{
    Suite *s = suite_create("ids");
    TCase *tc = tcase_create("ids");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, deleted_highest_record_id_not_reused);
    tcase_add_test(tc, deleted_highest_request_and_hold_ids_not_reused);
    tcase_add_test(tc, migration_seeds_sequences_above_every_trace);
    tcase_add_test(tc, generation_moves_with_committed_writes);
    tcase_add_test(tc, next_id_needs_a_transaction);
    tcase_add_test(tc, ids_from_memory_follow_handles_and_savepoints);
    tcase_add_test(tc, kpi_counters_match_rows_without_triggers);
    tcase_add_test(tc, deletes_follow_retention_state);
    tcase_add_test(tc, postgres_uri_refused);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return th_run(ids_suite());
}
