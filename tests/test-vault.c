/*
 * Vault: put/get round trips, rectification without trace, deletion,
 * iteration, the AAD binding, identifiers and their normalisation, and
 * host source registration.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "engine.h"
#include "helpers.h"

static th_store ts;

static void
setup(void)
{
    th_setup(&ts);
}
static void
teardown(void)
{
    th_teardown(&ts);
}

static char over_long[300];

static void
fill_over_long(void)
{
    memset(over_long, 'x', sizeof over_long - 1);
    over_long[sizeof over_long - 1] = '\0';
}

static int64_t
put(const char *subject, const char *category, const char *purpose, const void *v, size_t len)
{
    int64_t id = 0;

    th_ok(gdpr_vault_put(ts.eng, &th_agent, subject, category, purpose, v, len, &id));
    ck_assert_int_gt(id, 0);
    return id;
}

static void
assert_value(int64_t id, const void *want, size_t want_len)
{
    void *got = NULL;
    size_t len = 12345;

    th_ok(gdpr_vault_get(ts.eng, &th_agent, id, &got, &len));
    ck_assert_ptr_nonnull(got);
    ck_assert_uint_eq(len, want_len);
    if (want_len > 0)
        ck_assert_int_eq(memcmp(got, want, want_len), 0);
    gdpr_free(got);
}

/* Raw bytes of one column of one row, read through a separate connection. */
static void *
raw_blob(const char *sql, int64_t id, size_t *len_out)
{
    sqlite3 *db = th_raw_open(ts.db);
    sqlite3_stmt *s = NULL;
    void *copy = NULL;

    ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    sqlite3_bind_int64(s, 1, id);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    *len_out = (size_t)sqlite3_column_bytes(s, 0);
    copy = malloc(*len_out);
    memcpy(copy, sqlite3_column_blob(s, 0), *len_out);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return copy;
}

/* --- put / get ------------------------------------------------------- */

START_TEST(round_trip_every_kind_of_value)
{
    static const char text[] = "Ann Lee, 1 Harbour Road";
    unsigned char binary[256];
    size_t big_len = 1024u * 1024u;
    unsigned char *big = malloc(big_len);
    int64_t empty_null, empty_str, bin, mib, txt;

    for (size_t i = 0; i < sizeof binary; i++)
        binary[i] = (unsigned char)i; /* NULs and every byte */
    for (size_t i = 0; i < big_len; i++)
        big[i] = (unsigned char)(i * 2654435761u >> 13);
    empty_null = put("cust-1", "contact", "service", NULL, 0);
    empty_str = put("cust-1", "contact", "service", "", 0);
    bin = put("cust-1", "financial", "billing", binary, sizeof binary);
    mib = put("cust-1", "usage", "service", big, big_len);
    txt = put("cust-1", "contact", "marketing", text, strlen(text));
    ck_assert_int_lt(empty_null, empty_str);
    assert_value(empty_null, "", 0);
    assert_value(empty_str, "", 0);
    assert_value(bin, binary, sizeof binary);
    assert_value(mib, big, big_len);
    assert_value(txt, text, strlen(text));
    /* Still there, still readable after a reopen (keys from the keystore). */
    th_reopen(&ts);
    assert_value(mib, big, big_len);
    assert_value(bin, binary, sizeof binary);
    free(big);
}
END_TEST

START_TEST(put_item_keeps_source_field_and_time)
{
    gdpr_vault_item item = GDPR_VAULT_ITEM_INIT;
    int64_t id = 0;

    th_ok(gdpr_vault_item_init(&item, GDPR_VAULT_ITEM_VERSION));
    item.subject = "cust-2";
    item.category = "contact";
    item.purpose = "billing";
    item.value = "ann@example.com";
    item.len = 15;
    item.field = "email";
    item.source = "partner:acme-leads";
    item.collected = ts.now - 86400;
    th_ok(gdpr_vault_put_item(ts.eng, &th_agent, &item, &id));
    assert_value(id, "ann@example.com", 15);
    th_assert_err(gdpr_vault_item_init(NULL, 1), GDPR_EINVAL, "item");
    th_assert_err(gdpr_vault_item_init(&item, 0), GDPR_EVERSION, "version: 0");
    th_assert_err(gdpr_vault_item_init(&item, 2), GDPR_EVERSION, "version: 2");
}
END_TEST

typedef struct {
    int calls;
    int stop_after;
    int64_t ids[8];
    char categories[8][32];
    int special[8];
    char sources[8][64];
    int64_t collected[8];
} seen;

static int
collect(const gdpr_vault_record *rec, void *ctx)
{
    seen *s = ctx;

    if (s->calls < 8) {
        s->ids[s->calls] = rec->id;
        snprintf(s->categories[s->calls], 32, "%s", rec->category);
        s->special[s->calls] = rec->special;
        snprintf(s->sources[s->calls], 64, "%s", rec->source ? rec->source : "(subject)");
        s->collected[s->calls] = rec->collected;
    }
    s->calls++;
    return s->stop_after > 0 && s->calls >= s->stop_after;
}

START_TEST(foreach_walks_one_subject_in_order)
{
    gdpr_vault_item item = GDPR_VAULT_ITEM_INIT;
    seen s;
    int64_t a, b, c;

    a = put("cust-3", "contact", "service", "a", 1);
    put("other", "contact", "service", "x", 1);
    b = put("cust-3", "health", "accessibility", "wheelchair user", 15);
    item.subject = "cust-3";
    item.category = "financial";
    item.purpose = "billing";
    item.value = "IE29AIBK93115212345678";
    item.len = 22;
    item.source = "import:ledger-2025";
    item.collected = 1700000000;
    th_ok(gdpr_vault_put_item(ts.eng, &th_agent, &item, &c));
    memset(&s, 0, sizeof s);
    th_ok(gdpr_vault_foreach(ts.eng, &th_agent, "cust-3", collect, &s));
    ck_assert_int_eq(s.calls, 3);
    ck_assert_int_eq(s.ids[0], a);
    ck_assert_int_eq(s.ids[1], b);
    ck_assert_int_eq(s.ids[2], c);
    ck_assert_str_eq(s.categories[1], "health");
    ck_assert_int_eq(s.special[0], 0);
    ck_assert_int_eq(s.special[1], 1); /* Art. 9 flagged */
    ck_assert_str_eq(s.sources[0], "(subject)");
    ck_assert_str_eq(s.sources[2], "import:ledger-2025");
    ck_assert_int_eq(s.collected[0], ts.now);
    ck_assert_int_eq(s.collected[2], 1700000000);
    /* Stop early. */
    memset(&s, 0, sizeof s);
    s.stop_after = 2;
    th_assert_err(gdpr_vault_foreach(ts.eng, &th_agent, "cust-3", collect, &s), GDPR_ECALLBACK,
                  "stopped at record");
    ck_assert_int_eq(s.calls, 2);
    /* Unknown subject: nothing, no error. */
    memset(&s, 0, sizeof s);
    th_ok(gdpr_vault_foreach(ts.eng, &th_agent, "nobody", collect, &s));
    ck_assert_int_eq(s.calls, 0);
    /* Bad input. */
    th_assert_err(gdpr_vault_foreach(NULL, &th_agent, "cust-3", collect, &s), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_vault_foreach(ts.eng, NULL, "cust-3", collect, &s), GDPR_EINVAL, "who");
    th_assert_err(gdpr_vault_foreach(ts.eng, &th_agent, NULL, collect, &s), GDPR_EINVAL,
                  "subject: must not be NULL");
    th_assert_err(gdpr_vault_foreach(ts.eng, &th_agent, "cust-3", NULL, &s), GDPR_EINVAL, "fn");
    th_assert_err(gdpr_vault_foreach(ts.eng, &th_system, "cust-3", collect, &s), GDPR_EDENIED,
                  "vault.get");
}
END_TEST

/* A callback may call the library again (the lock is recursive): the
 * outer iteration must go on undisturbed. */
typedef struct {
    int outer, inner;
} nest;

static int
count_inner(const gdpr_vault_record *rec, void *ctx)
{
    (void)rec;
    ((nest *)ctx)->inner++;
    return 0;
}

static int
nested_walk(const gdpr_vault_record *rec, void *ctx)
{
    nest *n = ctx;
    void *v = NULL;
    size_t len = 0;

    n->outer++;
    ck_assert_int_eq(gdpr_vault_foreach(ts.eng, &th_agent, "cust-3b", count_inner, n), GDPR_OK);
    ck_assert_int_eq(gdpr_vault_get(ts.eng, &th_agent, rec->id, &v, &len), GDPR_OK);
    ck_assert_uint_eq(len, rec->len);
    ck_assert_int_eq(memcmp(v, rec->value, len), 0);
    gdpr_free(v);
    return 0;
}

START_TEST(foreach_callback_may_call_the_library)
{
    nest n = {0, 0};

    for (int i = 0; i < 5; i++)
        put("cust-3b", "usage", "service", "note", 4 + (size_t)(i % 2));
    th_ok(gdpr_vault_foreach(ts.eng, &th_agent, "cust-3b", nested_walk, &n));
    ck_assert_int_eq(n.outer, 5);
    ck_assert_int_eq(n.inner, 25);
}
END_TEST

START_TEST(put_refuses_bad_input_and_changes_nothing)
{
    gdpr_vault_item item = GDPR_VAULT_ITEM_INIT;
    char before[65], after[65];
    int64_t id = 77;

    fill_over_long();
    put("cust-4", "contact", "service", "seed", 4);
    th_fingerprint(&ts, before);
    th_assert_err(gdpr_vault_put(NULL, &th_agent, "s", "contact", "service", "v", 1, &id),
                  GDPR_EINVAL, "eng");
    ck_assert_int_eq(id, 0);
    th_assert_err(gdpr_vault_put(ts.eng, NULL, "s", "contact", "service", "v", 1, &id), GDPR_EINVAL,
                  "who");
    th_assert_err(gdpr_vault_put(ts.eng, &th_agent, NULL, "contact", "service", "v", 1, &id),
                  GDPR_EINVAL, "subject: must not be NULL");
    th_assert_err(gdpr_vault_put(ts.eng, &th_agent, "", "contact", "service", "v", 1, &id),
                  GDPR_EINVAL, "subject: must not be empty");
    th_assert_err(gdpr_vault_put(ts.eng, &th_agent, over_long, "contact", "service", "v", 1, &id),
                  GDPR_EINVAL, "subject: longer than");
    th_assert_err(gdpr_vault_put(ts.eng, &th_agent, "\xff", "contact", "service", "v", 1, &id),
                  GDPR_EINVAL, "subject: not valid UTF-8");
    th_assert_err(gdpr_vault_put(ts.eng, &th_agent, "s", NULL, "service", "v", 1, &id), GDPR_EINVAL,
                  "category: must not be NULL");
    th_assert_err(gdpr_vault_put(ts.eng, &th_agent, "s", "shoe-size", "service", "v", 1, &id),
                  GDPR_EINVAL, "category: 'shoe-size' is not a category of the policy");
    th_assert_err(gdpr_vault_put(ts.eng, &th_agent, "s", "contact", "xyz", "v", 1, &id),
                  GDPR_EINVAL, "purpose: 'xyz' is not a purpose of the policy");
    th_assert_err(gdpr_vault_put(ts.eng, &th_agent, "s", "contact", "\xff", "v", 1, &id),
                  GDPR_EINVAL, "purpose: not valid UTF-8");
    th_assert_err(gdpr_vault_put(ts.eng, &th_agent, "s", "health", "marketing", "v", 1, &id),
                  GDPR_EINVAL, "category: 'health' is not a category of purpose 'marketing'");
    th_assert_err(gdpr_vault_put(ts.eng, &th_agent, "s", "contact", "service", NULL, 3, &id),
                  GDPR_EINVAL, "value: NULL with len 3");
    th_assert_err(gdpr_vault_put(ts.eng, &th_agent, "s", "contact", "service", "v",
                                 (size_t)GDPR_VAULT_VALUE_MAX + 1, &id),
                  GDPR_EINVAL, "len:");
    item.subject = "s";
    item.category = "contact";
    item.purpose = "service";
    item.version = 0;
    th_assert_err(gdpr_vault_put_item(ts.eng, &th_agent, &item, &id), GDPR_EVERSION,
                  "item.version: 0");
    th_assert_err(gdpr_vault_put_item(ts.eng, &th_agent, NULL, &id), GDPR_EINVAL, "item");
    item.version = GDPR_VAULT_ITEM_VERSION;
    item.field = "\xff";
    th_assert_err(gdpr_vault_put_item(ts.eng, &th_agent, &item, &id), GDPR_EINVAL,
                  "field: not valid UTF-8");
    item.field = NULL;
    item.source = over_long;
    th_assert_err(gdpr_vault_put_item(ts.eng, &th_agent, &item, &id), GDPR_EINVAL,
                  "source: longer than");
    item.source = NULL;
    item.collected = -5;
    th_assert_err(gdpr_vault_put_item(ts.eng, &th_agent, &item, &id), GDPR_EINVAL, "collected: -5");
    item.collected = INT64_C(253402300800);
    th_assert_err(gdpr_vault_put_item(ts.eng, &th_agent, &item, &id), GDPR_EINVAL, "collected:");
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    /* A role without vault.put: refused, and the refusal is audited. */
    th_assert_err(gdpr_vault_put(ts.eng, &th_system, "s", "contact", "service", "v", 1, &id),
                  GDPR_EDENIED, "vault.put");
}
END_TEST

START_TEST(get_refuses_bad_input)
{
    char before[65], after[65];
    void *v = (void *)&ts;
    size_t len = 9;
    int64_t id = put("cust-5", "contact", "service", "abc", 3);

    th_fingerprint(&ts, before);
    th_assert_err(gdpr_vault_get(NULL, &th_agent, id, &v, &len), GDPR_EINVAL, "eng");
    ck_assert_ptr_null(v);
    ck_assert_uint_eq(len, 0);
    th_assert_err(gdpr_vault_get(ts.eng, NULL, id, &v, &len), GDPR_EINVAL, "who");
    th_assert_err(gdpr_vault_get(ts.eng, &th_agent, id, NULL, &len), GDPR_EINVAL, "value_out");
    th_assert_err(gdpr_vault_get(ts.eng, &th_agent, id, &v, NULL), GDPR_EINVAL, "len_out");
    th_assert_err(gdpr_vault_get(ts.eng, &th_agent, 0, &v, &len), GDPR_EINVAL, "record: 0");
    th_assert_err(gdpr_vault_get(ts.eng, &th_agent, -3, &v, &len), GDPR_EINVAL, "record: -3");
    th_assert_err(gdpr_vault_get(ts.eng, &th_agent, id + 100, &v, &len), GDPR_ENOTFOUND,
                  "is not a vault record");
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    th_assert_err(gdpr_vault_get(ts.eng, &th_system, id, &v, &len), GDPR_EDENIED, "vault.get");
    ck_assert_ptr_null(v);
}
END_TEST

/* The AAD binds record id, subject and category: a value moved to another
 * row, or a row relabelled to another category, does not open. */
START_TEST(sealed_value_is_bound_to_its_place)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    int64_t a = put("cust-6", "contact", "service", "first", 5);
    int64_t b = put("cust-6", "contact", "service", "second", 6);
    int64_t c = put("cust-7", "contact", "service", "third", 5);
    void *v = NULL;
    size_t len = 0;
    char sql[160];

    snprintf(sql, sizeof sql,
             "UPDATE vault SET value=(SELECT value FROM vault WHERE id=%lld)"
             " WHERE id=%lld",
             (long long)a, (long long)b);
    th_raw_exec(ts.db, sql);
    th_assert_err(gdpr_vault_get(ts.eng, &th_agent, b, &v, &len), GDPR_ECORRUPT, "vault row");
    snprintf(sql, sizeof sql,
             "UPDATE vault SET subject_id=(SELECT subject_id FROM vault WHERE id=%lld)"
             " WHERE id=%lld",
             (long long)a, (long long)c);
    th_raw_exec(ts.db, sql);
    th_assert_err(gdpr_vault_get(ts.eng, &th_agent, c, &v, &len), GDPR_ECORRUPT, "vault row");
    snprintf(sql, sizeof sql, "UPDATE vault SET category='usage' WHERE id=%lld", (long long)a);
    th_raw_exec(ts.db, sql);
    th_assert_err(gdpr_vault_get(ts.eng, &th_agent, a, &v, &len), GDPR_ECORRUPT, "value:usage");
    ck_assert_ptr_null(v);
}
END_TEST

/* --- rectify / delete ---------------------------------------------------- */

static void
rectify_without_trace(size_t old_len)
{
    char *old_value = malloc(old_len + 1);
    static const char new_value[] = "Ann Murphy (married name)";
    void *sealed_old;
    size_t sealed_len = 0;
    int64_t id;

    for (size_t i = 0; i < old_len; i++)
        old_value[i] = (char)('A' + (i * 7) % 26);
    memcpy(old_value, "OLDNAME-", 8);
    old_value[old_len] = '\0';
    id = put("cust-8", "contact", "service", old_value, old_len);
    put("cust-8", "contact", "service", "neighbour row", 13);
    th_ok(gdpr_vault_checkpoint(ts.eng));
    sealed_old = raw_blob("SELECT value FROM vault WHERE id=?1", id, &sealed_len);
    /* The ciphertext is in the file now, the plaintext never is. */
    ck_assert_int_eq(th_store_files_contain(&ts, sealed_old, 64), 1);
    ck_assert_int_eq(th_store_files_contain(&ts, old_value, old_len), 0);
    ts.now += 3600;
    th_ok(gdpr_vault_rectify(ts.eng, &th_dpo, id, new_value, strlen(new_value)));
    assert_value(id, new_value, strlen(new_value));
    th_ok(gdpr_vault_checkpoint(ts.eng));
    /* Neither the old ciphertext (any 32-byte piece of it) nor the old or
     * new plaintext is anywhere in the raw files. */
    for (size_t at = 0; at + 32 <= sealed_len; at += 32)
        ck_assert_msg(th_store_files_contain(&ts, (char *)sealed_old + at, 32) == 0,
                      "old ciphertext bytes %zu.. still in the files", at);
    ck_assert_int_eq(th_store_files_contain(&ts, old_value, old_len), 0);
    ck_assert_int_eq(th_store_files_contain(&ts, "OLDNAME-", 8), 0);
    ck_assert_int_eq(th_store_files_contain(&ts, new_value, strlen(new_value)), 0);
    free(sealed_old);
    free(old_value);
}

START_TEST(rectify_leaves_no_trace_small)
{
    TH_SQLITE_ONLY("greps the SQLite files");
    rectify_without_trace(40);
}
END_TEST

START_TEST(rectify_leaves_no_trace_overflow)
{
    TH_SQLITE_ONLY("greps the SQLite files");
    rectify_without_trace(20000); /* spills into overflow pages */
}
END_TEST

typedef struct {
    const char *action;
    char last_action[64];
    char last_ref[64];
    int outcome;
    int64_t count;
} audit_probe;

static int
last_event(const gdpr_audit_event *ev, void *ctx)
{
    audit_probe *p = ctx;

    snprintf(p->last_action, sizeof p->last_action, "%s", ev->action);
    snprintf(p->last_ref, sizeof p->last_ref, "%s", ev->ref ? ev->ref : "");
    p->outcome = ev->outcome;
    p->count++;
    return 0;
}

static void
assert_last_audit(const char *action, int outcome, const char *ref)
{
    audit_probe p;

    memset(&p, 0, sizeof p);
    th_ok(gdpr_audit_foreach(ts.eng, 1, last_event, &p));
    ck_assert_str_eq(p.last_action, action);
    ck_assert_int_eq(p.outcome, outcome);
    if (ref)
        ck_assert_str_eq(p.last_ref, ref);
}

START_TEST(rectify_and_delete_are_audited_and_checked)
{
    char before[65], after[65], ref[32];
    int64_t id = put("cust-9", "contact", "service", "old", 3);
    void *v = NULL;
    size_t len = 0;

    snprintf(ref, sizeof ref, "record %lld", (long long)id);
    assert_last_audit("vault.put", GDPR_OK, ref);
    th_ok(gdpr_vault_rectify(ts.eng, &th_dpo, id, "new", 3));
    assert_last_audit("vault.rectify", GDPR_OK, ref);
    th_ok(gdpr_vault_rectify(ts.eng, &th_dpo, id, NULL, 0)); /* to empty */
    assert_value(id, "", 0);
    th_fingerprint(&ts, before);
    th_assert_err(gdpr_vault_rectify(NULL, &th_dpo, id, "x", 1), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_vault_rectify(ts.eng, NULL, id, "x", 1), GDPR_EINVAL, "who");
    th_assert_err(gdpr_vault_rectify(ts.eng, &th_dpo, 0, "x", 1), GDPR_EINVAL, "record: 0");
    th_assert_err(gdpr_vault_rectify(ts.eng, &th_dpo, id, NULL, 1), GDPR_EINVAL, "value: NULL");
    th_assert_err(gdpr_vault_rectify(ts.eng, &th_dpo, id, "x", (size_t)GDPR_VAULT_VALUE_MAX + 1),
                  GDPR_EINVAL, "len:");
    th_assert_err(gdpr_vault_rectify(ts.eng, &th_dpo, id + 50, "x", 1), GDPR_ENOTFOUND,
                  "is not a vault record");
    th_assert_err(gdpr_vault_delete(NULL, &th_dpo, id), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_vault_delete(ts.eng, NULL, id), GDPR_EINVAL, "who");
    th_assert_err(gdpr_vault_delete(ts.eng, &th_dpo, -1), GDPR_EINVAL, "record: -1");
    th_assert_err(gdpr_vault_delete(ts.eng, &th_dpo, id + 50), GDPR_ENOTFOUND,
                  "is not a vault record");
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    /* The agent may put but not rectify or delete: refused and audited. */
    th_assert_err(gdpr_vault_rectify(ts.eng, &th_agent, id, "x", 1), GDPR_EDENIED, "vault.rectify");
    assert_last_audit("vault.rectify", GDPR_EDENIED, NULL);
    th_assert_err(gdpr_vault_delete(ts.eng, &th_agent, id), GDPR_EDENIED, "vault.delete");
    th_ok(gdpr_vault_delete(ts.eng, &th_dpo, id));
    assert_last_audit("vault.delete", GDPR_OK, ref);
    th_assert_err(gdpr_vault_get(ts.eng, &th_agent, id, &v, &len), GDPR_ENOTFOUND,
                  "is not a vault record");
    th_assert_err(gdpr_vault_delete(ts.eng, &th_dpo, id), GDPR_ENOTFOUND, "is not a vault record");
    th_ok(gdpr_audit_verify(ts.eng, NULL));
}
END_TEST

START_TEST(checkpoint_states)
{
    th_assert_err(gdpr_vault_checkpoint(NULL), GDPR_EINVAL, "eng");
    th_ok(gdpr_begin(ts.eng));
    th_assert_err(gdpr_vault_checkpoint(ts.eng), GDPR_ESTATE, "batch");
    th_ok(gdpr_rollback(ts.eng));
    th_ok(gdpr_vault_checkpoint(ts.eng));
}
END_TEST

/* A reader of another connection holding a snapshot keeps the checkpoint
 * from truncating: reported as GDPR_EBUSY, never ignored. */
START_TEST(checkpoint_reports_a_blocking_reader)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;

    put("cust-10", "contact", "service", "x", 1);
    ck_assert_int_eq(sqlite3_open(ts.db, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT count(*) FROM vault", -1, &s, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW); /* snapshot held */
    put("cust-10", "contact", "service", "y", 1);  /* frames after the snapshot */
    th_assert_err(gdpr_vault_checkpoint(ts.eng), GDPR_EBUSY, "checkpoint of the data file");
    sqlite3_finalize(s);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(db);
    th_ok(gdpr_vault_checkpoint(ts.eng));
}
END_TEST

/* --- identities ---------------------------------------------------------- */

static void
assert_found(const char *kind, const char *value, const char *want)
{
    char *subject = NULL;

    th_ok(gdpr_subject_find_id(ts.eng, kind, value, &subject));
    ck_assert_str_eq(subject, want);
    gdpr_free(subject);
}

START_TEST(find_by_normalised_email_and_phone)
{
    TH_SQLITE_ONLY("greps the SQLite files");
    th_ok(gdpr_subject_link(ts.eng, &th_agent, "cust-20", "email", "  Ann.Lee@Example.COM \t"));
    th_ok(gdpr_subject_link(ts.eng, &th_agent, "cust-20", "phone", "+353 (1) 234-5678"));
    th_ok(gdpr_subject_link(ts.eng, &th_agent, "cust-21", "account", "ACC-0042"));
    assert_found("email", "ann.lee@example.com", "cust-20");
    assert_found("email", "ANN.LEE@EXAMPLE.COM", "cust-20");
    assert_found("email", " ann.lee@example.com", "cust-20");
    assert_found("phone", "+35312345678", "cust-20");
    assert_found("phone", "+353.1.234.5678", "cust-20");
    assert_found("phone", "+353 1 234 5678", "cust-20");
    assert_found("account", "ACC-0042", "cust-21");
    /* The subject came into being with the link, and survives a reopen. */
    th_reopen(&ts);
    assert_found("email", "Ann.Lee@example.com", "cust-20");
    {
        char *subject = (char *)"junk";
        /* Accounts are taken as given: case matters. */
        th_assert_err(gdpr_subject_find_id(ts.eng, "account", "acc-0042", &subject), GDPR_ENOTFOUND,
                      "no subject has this account identifier");
        ck_assert_ptr_null(subject);
        /* Kinds are separate domains of the blind index. */
        th_assert_err(gdpr_subject_find_id(ts.eng, "account", "ann.lee@example.com", &subject),
                      GDPR_ENOTFOUND, "account");
        th_assert_err(gdpr_subject_find_id(ts.eng, "phone", "+35312345679", &subject),
                      GDPR_ENOTFOUND, "phone");
    }
    /* gdpr_engine__identity_hash is what the requests capability uses. */
    {
        uint8_t h1[CRYPTO_HASH_BYTES], h2[CRYPTO_HASH_BYTES], h3[CRYPTO_HASH_BYTES];
        uint8_t owner[CRYPTO_HASH_BYTES], subj[CRYPTO_HASH_BYTES];
        th_ok(gdpr_engine__identity_hash(ts.eng, "email", " A@B.example ", 13, h1));
        th_ok(gdpr_engine__identity_hash(ts.eng, "email", "a@b.example", 11, h2));
        th_ok(gdpr_engine__identity_hash(ts.eng, "account", "a@b.example", 11, h3));
        ck_assert_int_eq(memcmp(h1, h2, sizeof h1), 0);
        ck_assert_int_ne(memcmp(h2, h3, sizeof h2), 0);
        th_ok(gdpr_engine__identity_hash(ts.eng, "phone", "+353 1 2345678", 14, h1));
        th_ok(gdpr_store__identity_find(ts.eng->st, h1, owner));
        th_ok(gdpr_engine__subject_hash(ts.eng, "cust-20", subj));
        ck_assert_int_eq(memcmp(owner, subj, sizeof owner), 0);
        th_ok(gdpr_engine__identity_hash(ts.eng, "phone", "+353 1 0000000", 14, h1));
        ck_assert_int_eq(gdpr_store__identity_find(ts.eng->st, h1, owner), GDPR_ENOTFOUND);
    }
    /* No identifier in plaintext anywhere, normalised or not. */
    ck_assert_int_eq(th_store_files_contain(&ts, "ann.lee@example.com", 19), 0);
    ck_assert_int_eq(th_store_files_contain(&ts, "Ann.Lee@Example.COM", 19), 0);
    ck_assert_int_eq(th_store_files_contain(&ts, "+35312345678", 12), 0);
    ck_assert_int_eq(th_store_files_contain(&ts, "234-5678", 8), 0);
    ck_assert_int_eq(th_store_files_contain(&ts, "ACC-0042", 8), 0);
}
END_TEST

START_TEST(one_identifier_names_one_person)
{
    char before[65], after[65];

    th_ok(gdpr_subject_link(ts.eng, &th_agent, "cust-22", "email", "bo@example.org"));
    th_fingerprint(&ts, before);
    /* The same subject again: nothing changes. */
    th_ok(gdpr_subject_link(ts.eng, &th_agent, "cust-22", "email", "BO@example.org"));
    /* Another subject claiming it: refused, nothing changes. */
    th_assert_err(gdpr_subject_link(ts.eng, &th_agent, "cust-23", "email", " bo@EXAMPLE.org"),
                  GDPR_EEXISTS, "linked to another subject");
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    assert_found("email", "bo@example.org", "cust-22");
}
END_TEST

START_TEST(link_and_find_refuse_bad_input)
{
    char before[65], after[65];
    char *subject = (char *)"junk";

    fill_over_long();
    th_ok(gdpr_subject_link(ts.eng, &th_agent, "cust-24", "email", "cy@example.net"));
    th_fingerprint(&ts, before);
    th_assert_err(gdpr_subject_link(NULL, &th_agent, "s", "email", "a@b.c"), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_subject_link(ts.eng, NULL, "s", "email", "a@b.c"), GDPR_EINVAL, "who");
    th_assert_err(gdpr_subject_link(ts.eng, &th_agent, NULL, "email", "a@b.c"), GDPR_EINVAL,
                  "subject: must not be NULL");
    th_assert_err(gdpr_subject_link(ts.eng, &th_agent, "\xff", "email", "a@b.c"), GDPR_EINVAL,
                  "subject: not valid UTF-8");
    th_assert_err(gdpr_subject_link(ts.eng, &th_agent, "s", NULL, "a@b.c"), GDPR_EINVAL,
                  "kind: must not be NULL");
    th_assert_err(gdpr_subject_link(ts.eng, &th_agent, "s", "", "a@b.c"), GDPR_EINVAL,
                  "kind: must not be empty");
    th_assert_err(gdpr_subject_link(ts.eng, &th_agent, "s", "Email", "a@b.c"), GDPR_EINVAL,
                  "kind: 'Email' may hold only");
    th_assert_err(gdpr_subject_link(ts.eng, &th_agent, "s", over_long, "a@b.c"), GDPR_EINVAL,
                  "kind: longer than");
    th_assert_err(gdpr_subject_link(ts.eng, &th_agent, "s", "email", NULL), GDPR_EINVAL,
                  "value: must not be NULL");
    th_assert_err(gdpr_subject_link(ts.eng, &th_agent, "s", "email", ""), GDPR_EINVAL,
                  "value: must not be empty");
    th_assert_err(gdpr_subject_link(ts.eng, &th_agent, "s", "account", over_long), GDPR_EINVAL,
                  "value: longer than");
    th_assert_err(gdpr_subject_link(ts.eng, &th_agent, "s", "account", "\xff"), GDPR_EINVAL,
                  "value: not valid UTF-8");
    th_assert_err(gdpr_subject_link(ts.eng, &th_agent, "s", "account", "a\x01"), GDPR_EINVAL,
                  "value: control character");
    th_assert_err(gdpr_subject_link(ts.eng, &th_agent, "s", "account", "a\tb"), GDPR_EINVAL,
                  "value: control character");
    th_assert_err(gdpr_subject_link(ts.eng, &th_agent, "s", "email", "no-at.example"), GDPR_EINVAL,
                  "exactly one '@'");
    th_assert_err(gdpr_subject_link(ts.eng, &th_agent, "s", "email", "a@@b"), GDPR_EINVAL,
                  "exactly one '@'");
    th_assert_err(gdpr_subject_link(ts.eng, &th_agent, "s", "email", "@b.c"), GDPR_EINVAL,
                  "exactly one '@'");
    th_assert_err(gdpr_subject_link(ts.eng, &th_agent, "s", "email", "a b@c.d"), GDPR_EINVAL,
                  "no white space");
    th_assert_err(gdpr_subject_link(ts.eng, &th_agent, "s", "phone", "12ab34"), GDPR_EINVAL,
                  "phone number holds");
    th_assert_err(gdpr_subject_link(ts.eng, &th_agent, "s", "phone", "1+2345"), GDPR_EINVAL,
                  "phone number holds");
    th_assert_err(gdpr_subject_link(ts.eng, &th_agent, "s", "phone", "+1 2"), GDPR_EINVAL,
                  "3 to 20 digits");
    th_assert_err(gdpr_subject_link(ts.eng, &th_agent, "s", "phone", "123456789012345678901"),
                  GDPR_EINVAL, "3 to 20 digits");
    th_assert_err(gdpr_subject_find_id(NULL, "email", "a@b.c", &subject), GDPR_EINVAL, "eng");
    ck_assert_ptr_null(subject);
    th_assert_err(gdpr_subject_find_id(ts.eng, "email", "a@b.c", NULL), GDPR_EINVAL, "subject_out");
    th_assert_err(gdpr_subject_find_id(ts.eng, NULL, "a@b.c", &subject), GDPR_EINVAL,
                  "kind: must not be NULL");
    th_assert_err(gdpr_subject_find_id(ts.eng, "Email", "a@b.c", &subject), GDPR_EINVAL,
                  "kind: 'Email' may hold only");
    th_assert_err(gdpr_subject_find_id(ts.eng, "email", NULL, &subject), GDPR_EINVAL,
                  "value: must not be NULL");
    th_assert_err(gdpr_subject_find_id(ts.eng, "email", "", &subject), GDPR_EINVAL,
                  "value: must not be empty");
    th_assert_err(gdpr_subject_find_id(ts.eng, "email", over_long, &subject), GDPR_EINVAL,
                  "value: longer than");
    th_assert_err(gdpr_subject_find_id(ts.eng, "email", "\xff@b", &subject), GDPR_EINVAL,
                  "value: not valid UTF-8");
    th_assert_err(gdpr_subject_find_id(ts.eng, "account", "a\x01", &subject), GDPR_EINVAL,
                  "value: control character");
    th_assert_err(gdpr_subject_find_id(ts.eng, "phone", "1+2345", &subject), GDPR_EINVAL,
                  "phone number holds");
    th_assert_err(gdpr_subject_find_id(ts.eng, "email", "zz@example.net", &subject), GDPR_ENOTFOUND,
                  "no subject has this email identifier");
    ck_assert_ptr_null(subject);
    /* The deprecated pointer-and-length form keeps its checks. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    th_assert_err(gdpr_subject_find(NULL, "email", "a@b.c", 5, &subject), GDPR_EINVAL, "eng");
    ck_assert_ptr_null(subject);
    th_assert_err(gdpr_subject_find(ts.eng, "email", "a@b.c", 5, NULL), GDPR_EINVAL, "subject_out");
    th_assert_err(gdpr_subject_find(ts.eng, NULL, "a@b.c", 5, &subject), GDPR_EINVAL,
                  "kind: must not be NULL");
    th_assert_err(gdpr_subject_find(ts.eng, "email", NULL, 5, &subject), GDPR_EINVAL,
                  "value: must not be NULL");
    th_assert_err(gdpr_subject_find(ts.eng, "email", "", 0, &subject), GDPR_EINVAL,
                  "value: must not be empty");
    th_assert_err(gdpr_subject_find(ts.eng, "email", over_long, strlen(over_long), &subject),
                  GDPR_EINVAL, "value: longer than");
    th_assert_err(gdpr_subject_find(ts.eng, "email", "\xff@b", 3, &subject), GDPR_EINVAL,
                  "value: not valid UTF-8");
    th_assert_err(gdpr_subject_find(ts.eng, "email", "a\0@b.c", 6, &subject), GDPR_EINVAL,
                  "value: control character");
    th_assert_err(gdpr_subject_find(ts.eng, "email", "zz@example.net", 14, &subject),
                  GDPR_ENOTFOUND, "no subject has this email identifier");
    th_ok(gdpr_subject_find(ts.eng, "email", "CY@example.net", 14, &subject));
    ck_assert_str_eq(subject, "cust-24");
    gdpr_free(subject);
#pragma GCC diagnostic pop
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    /* A role without subject.link: refused and audited. */
    th_assert_err(gdpr_subject_link(ts.eng, &th_system, "s", "email", "a@b.c"), GDPR_EDENIED,
                  "subject.link");
    assert_last_audit("subject.link", GDPR_EDENIED, NULL);
}
END_TEST

START_TEST(no_policy_no_vault)
{
    th_store bare;
    int64_t id = 5;
    char *subject = NULL;

    th_setup_bare(&bare);
    th_assert_err(gdpr_vault_put(bare.eng, &th_agent, "s", "contact", "service", "v", 1, &id),
                  GDPR_ESTATE, "policy");
    th_assert_err(gdpr_subject_link(bare.eng, &th_agent, "s", "email", "a@b.c"), GDPR_ESTATE,
                  "policy");
    th_assert_err(gdpr_subject_find_id(bare.eng, "email", "a@b.c", &subject), GDPR_ENOTFOUND,
                  "no subject");
    th_teardown(&bare);
}
END_TEST

/* --- sources ------------------------------------------------------------- */

static int
no_items(const char *subject, gdpr_source_writer *w, void *ctx)
{
    (void)subject;
    (void)w;
    (void)ctx;
    return 0;
}

START_TEST(source_registration)
{
    gdpr_source src = GDPR_SOURCE_INIT;
    char before[65], after[65];
    size_t n = 9;

    fill_over_long();
    src.name = "crm.orders";
    src.description = "Orders and invoices of the CRM";
    src.export_items = no_items;
    th_ok(gdpr_source_register(ts.eng, &th_dpo, &src));
    assert_last_audit("source.register", GDPR_OK, "source crm.orders");
    th_ok(gdpr_source_count(ts.eng, &n));
    ck_assert_uint_eq(n, 1);
    th_fingerprint(&ts, before);
    th_assert_err(gdpr_source_register(ts.eng, &th_dpo, &src), GDPR_EEXISTS,
                  "a source 'crm.orders' is registered already");
    th_assert_err(gdpr_source_register(NULL, &th_dpo, &src), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_source_register(ts.eng, NULL, &src), GDPR_EINVAL, "who");
    th_assert_err(gdpr_source_register(ts.eng, &th_dpo, NULL), GDPR_EINVAL, "src");
    src.version = 0;
    th_assert_err(gdpr_source_register(ts.eng, &th_dpo, &src), GDPR_EVERSION, "src.version: 0");
    src.version = GDPR_SOURCE_VERSION;
    src.name = NULL;
    th_assert_err(gdpr_source_register(ts.eng, &th_dpo, &src), GDPR_EINVAL,
                  "src.name: must not be NULL");
    src.name = "";
    th_assert_err(gdpr_source_register(ts.eng, &th_dpo, &src), GDPR_EINVAL,
                  "src.name: must not be empty");
    src.name = "Orders";
    th_assert_err(gdpr_source_register(ts.eng, &th_dpo, &src), GDPR_EINVAL, "may hold only");
    src.name = over_long;
    th_assert_err(gdpr_source_register(ts.eng, &th_dpo, &src), GDPR_EINVAL, "longer than");
    src.name = "tickets";
    src.description = "\xff";
    th_assert_err(gdpr_source_register(ts.eng, &th_dpo, &src), GDPR_EINVAL,
                  "src.description: not valid UTF-8");
    src.description = NULL;
    src.export_items = NULL;
    th_assert_err(gdpr_source_register(ts.eng, &th_dpo, &src), GDPR_EINVAL, "src.export_items");
    th_assert_err(gdpr_source_unregister(ts.eng, &th_dpo, "tickets"), GDPR_ENOTFOUND,
                  "no source 'tickets'");
    th_assert_err(gdpr_source_unregister(ts.eng, &th_dpo, NULL), GDPR_EINVAL, "name");
    th_assert_err(gdpr_source_count(ts.eng, NULL), GDPR_EINVAL, "count_out");
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    src.export_items = no_items;
    th_assert_err(gdpr_source_register(ts.eng, &th_agent, &src), GDPR_EDENIED, "source.register");
    th_ok(gdpr_source_count(ts.eng, &n));
    ck_assert_uint_eq(n, 1);
    th_assert_err(gdpr_source_unregister(ts.eng, &th_agent, "crm.orders"), GDPR_EDENIED,
                  "source.register");
    th_ok(gdpr_source_unregister(ts.eng, &th_dpo, "crm.orders"));
    th_ok(gdpr_source_count(ts.eng, &n));
    ck_assert_uint_eq(n, 0);
    /* Registrations belong to the engine, not the store. */
    th_ok(gdpr_source_register(ts.eng, &th_dpo, &src));
    th_reopen(&ts);
    th_ok(gdpr_source_count(ts.eng, &n));
    ck_assert_uint_eq(n, 0);
}
END_TEST

/* --- forensics ----------------------------------------------------------- */

START_TEST(no_planted_plaintext_in_raw_files)
{
    TH_SQLITE_ONLY("greps the SQLite files");
    static const char *planted[] = {"PLANT-name-Zebulon Quist", "PLANT-iban-DE89370400440532",
                                    "PLANT-note-allergic-to-penicillin"};
    int64_t id;

    th_ok(gdpr_begin(ts.eng));
    for (size_t i = 0; i < 3; i++)
        put("cust-30", i == 2 ? "health" : "contact", i == 2 ? "accessibility" : "service",
            planted[i], strlen(planted[i]));
    th_ok(gdpr_commit(ts.eng));
    th_ok(gdpr_subject_link(ts.eng, &th_agent, "cust-30", "email", "zebulon.quist@example.com"));
    for (size_t i = 0; i < 3; i++)
        ck_assert_msg(!th_store_files_contain(&ts, planted[i], strlen(planted[i])),
                      "'%s' in the raw files (WAL)", planted[i]);
    ck_assert_int_eq(th_store_files_contain(&ts, "zebulon.quist", 13), 0);
    ck_assert_int_eq(th_store_files_contain(&ts, "cust-30", 7), 0);
    id = put("cust-30", "contact", "service", "PLANT-late", 10);
    th_ok(gdpr_vault_rectify(ts.eng, &th_dpo, id, "PLANT-later", 11));
    th_ok(gdpr_vault_checkpoint(ts.eng));
    for (size_t i = 0; i < 3; i++)
        ck_assert_msg(!th_store_files_contain(&ts, planted[i], strlen(planted[i])),
                      "'%s' in the raw files (db)", planted[i]);
    ck_assert_int_eq(th_store_files_contain(&ts, "PLANT-late", 10), 0);
    ck_assert_int_eq(th_store_files_contain(&ts, "zebulon.quist", 13), 0);
}
END_TEST

static Suite *
vault_suite(void)
{
    Suite *s = suite_create("vault");
    TCase *tc = tcase_create("records");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, round_trip_every_kind_of_value);
    tcase_add_test(tc, put_item_keeps_source_field_and_time);
    tcase_add_test(tc, foreach_walks_one_subject_in_order);
    tcase_add_test(tc, foreach_callback_may_call_the_library);
    tcase_add_test(tc, put_refuses_bad_input_and_changes_nothing);
    tcase_add_test(tc, get_refuses_bad_input);
    tcase_add_test(tc, sealed_value_is_bound_to_its_place);
    tcase_add_test(tc, rectify_leaves_no_trace_small);
    tcase_add_test(tc, rectify_leaves_no_trace_overflow);
    tcase_add_test(tc, rectify_and_delete_are_audited_and_checked);
    tcase_add_test(tc, checkpoint_states);
    tcase_add_test(tc, checkpoint_reports_a_blocking_reader);
    tcase_add_test(tc, no_policy_no_vault);
    suite_add_tcase(s, tc);

    tc = tcase_create("identities");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, find_by_normalised_email_and_phone);
    tcase_add_test(tc, one_identifier_names_one_person);
    tcase_add_test(tc, link_and_find_refuse_bad_input);
    suite_add_tcase(s, tc);

    tc = tcase_create("sources");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, source_registration);
    suite_add_tcase(s, tc);

    tc = tcase_create("forensic");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, no_planted_plaintext_in_raw_files);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return th_run(vault_suite());
}
