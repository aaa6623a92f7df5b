/*
 * Forensic proof of erasure: plant random canaries as a subject's id,
 * identifiers, vault values, consent proofs and a named recipient, among
 * other subjects' data; note the exact ciphertexts and the wrapped data
 * key the store wrote for them; erase; then read the raw bytes of the data
 * file, the keystore and their WAL and journal files: none of them may be
 * left, while everyone else still decrypts. Three ways: the data already
 * checkpointed into the file (secure_delete must zero it there), the data
 * still in uncheckpointed WAL frames (the TRUNCATE checkpoint must clear
 * them), and a reader holding the checkpoint back (busy: reported, then
 * retried). And the backup case: a copy made with the sqlite3 backup API
 * before the erasure cannot be read with the live keystore, and replaying
 * the tombstones on it erases the subject again.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>
#include <sqlite3.h>

#include "helpers.h"

#define OTHERS 3
#define GROUND "Art. 17(1)(a) request 7"
#define MAX_NEEDLES 64

typedef struct {
    unsigned char bytes[32];
    char hex[65];
} canary;

typedef struct {
    unsigned char *data;
    size_t len;
    char what[48];
} needle;

static th_store ts;
static canary c_subject, c_email, c_phone, c_value_bin, c_value_text, c_proof, c_person;
static char victim[65], email[100], phone[32], person[80];
static needle needles[MAX_NEEDLES];
static size_t n_needles;
static int64_t victim_records[2];
static int64_t other_records[OTHERS][2];
static char other_values[OTHERS][2][48];

static void
canary_new(canary *c)
{
    static const char digits[] = "0123456789abcdef";

    ck_assert_int_eq(RAND_bytes(c->bytes, sizeof c->bytes), 1);
    for (size_t i = 0; i < sizeof c->bytes; i++) {
        c->hex[2 * i] = digits[c->bytes[i] >> 4];
        c->hex[2 * i + 1] = digits[c->bytes[i] & 15];
    }
    c->hex[64] = '\0';
}

static void
consent(const char *subject, const char *recipient, const char *proof)
{
    gdpr_consent c = GDPR_CONSENT_INIT;

    c.subject = subject;
    c.purpose = "marketing";
    c.notice = "marketing-v2";
    c.channel = "web";
    c.recipient = recipient;
    c.proof = proof;
    th_ok(gdpr_consent_record(ts.eng, &th_agent, &c, NULL));
}

static int64_t
put(const char *subject, const char *category, const char *purpose, const void *v, size_t len)
{
    int64_t id = 0;

    th_ok(gdpr_vault_put(ts.eng, &th_agent, subject, category, purpose, v, len, &id));
    return id;
}

/* The victim among others, with canaries everywhere personal data goes. */
static void
plant(void)
{
    canary_new(&c_subject);
    canary_new(&c_email);
    canary_new(&c_phone);
    canary_new(&c_value_bin);
    canary_new(&c_value_text);
    canary_new(&c_proof);
    canary_new(&c_person);
    snprintf(victim, sizeof victim, "%s", c_subject.hex);
    snprintf(email, sizeof email, "%s@example.com", c_email.hex);
    /* A phone number of 20 canary digits, kept as digits by normalisation. */
    snprintf(phone, sizeof phone, "+");
    for (int i = 0; i < 20; i++)
        phone[1 + i] = (char)('0' + c_phone.bytes[i] % 10);
    phone[21] = '\0';
    snprintf(person, sizeof person, "Jane %s", c_person.hex);

    for (int i = 0; i < OTHERS; i++) {
        char id[32], mail[64];
        snprintf(id, sizeof id, "other-%d", i);
        snprintf(other_values[i][0], sizeof other_values[i][0], "other %d e-mail value", i);
        snprintf(other_values[i][1], sizeof other_values[i][1], "other %d call note", i);
        other_records[i][0] =
            put(id, "contact", "service", other_values[i][0], strlen(other_values[i][0]));
        snprintf(mail, sizeof mail, "other%d@example.com", i);
        th_ok(gdpr_subject_link(ts.eng, &th_agent, id, "email", mail));
        consent(id, NULL, "other proof");
        if (i == 1) {
            /* The victim's data lands between the others' rows and pages. */
            victim_records[0] =
                put(victim, "contact", "service", c_value_bin.bytes, sizeof c_value_bin.bytes);
            victim_records[1] = put(victim, "usage", "service", c_value_text.hex, 64);
            th_ok(gdpr_subject_link(ts.eng, &th_agent, victim, "email", email));
            th_ok(gdpr_subject_link(ts.eng, &th_agent, victim, "phone", phone));
            consent(victim, NULL, c_proof.hex);
            consent(victim, person, c_proof.hex);
        }
        other_records[i][1] =
            put(id, "usage", "service", other_values[i][1], strlen(other_values[i][1]));
    }
}

static void
add_needle(const void *data, size_t len, const char *what)
{
    ck_assert_uint_lt(n_needles, MAX_NEEDLES);
    ck_assert_uint_gt(len, 8);
    needles[n_needles].data = malloc(len);
    ck_assert_ptr_nonnull(needles[n_needles].data);
    memcpy(needles[n_needles].data, data, len);
    needles[n_needles].len = len;
    snprintf(needles[n_needles].what, sizeof needles[n_needles].what, "%s", what);
    n_needles++;
}

static void
collect_from(const char *path, const char *sql, const char *hash_hex, const char *what)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    char q[300];
    int rows = 0;

    /* a query through the subject's integer id closes its sub-select */
    snprintf(q, sizeof q, "%s x'%s'%s", sql, hash_hex, strstr(sql, "(SELECT") ? ")" : "");
    ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    ck_assert_msg(sqlite3_prepare_v2(db, q, -1, &s, NULL) == SQLITE_OK, "%s: %s", q,
                  sqlite3_errmsg(db));
    while (sqlite3_step(s) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(s); c++) {
            if (sqlite3_column_type(s, c) == SQLITE_NULL)
                continue;
            add_needle(sqlite3_column_blob(s, c), (size_t)sqlite3_column_bytes(s, c), what);
        }
        rows++;
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    ck_assert_msg(rows > 0, "no rows for %s", what);
}

/* Everything the store wrote for the victim: ciphertexts, blind indexes of
 * its identifiers, its wrapped key. */
static void
collect_needles(void)
{
    char *hash = NULL;

    n_needles = 0;
    th_ok(gdpr_subject_hash(ts.eng, victim, &hash));
    add_needle(c_subject.hex, 64, "subject id canary");
    add_needle(c_email.hex, 64, "e-mail canary");
    add_needle(phone + 1, 20, "phone canary");
    add_needle(c_value_bin.bytes, 32, "binary value canary");
    add_needle(c_value_text.hex, 64, "text value canary");
    add_needle(c_proof.hex, 64, "proof canary");
    add_needle(c_person.hex, 64, "named recipient canary");
    collect_from(ts.db,
                 "SELECT value FROM vault WHERE subject_id = (SELECT id FROM subject WHERE hash =",
                 hash, "vault ciphertext");
    collect_from(ts.db,
                 "SELECT value, hash FROM identity"
                 " WHERE subject_id = (SELECT id FROM subject WHERE hash =",
                 hash, "identifier ciphertext and blind index");
    collect_from(ts.db,
                 "SELECT proof, recipient_sealed FROM consent"
                 " WHERE subject_id = (SELECT id FROM subject WHERE hash =",
                 hash, "consent proof and recipient ciphertext");
    collect_from(ts.db, "SELECT ident FROM subject WHERE hash =", hash, "sealed subject id");
    collect_from(ts.keys, "SELECT wrapped FROM subject_key WHERE hash =", hash, "wrapped data key");
    gdpr_free(hash);
}

static void
free_needles(void)
{
    for (size_t i = 0; i < n_needles; i++)
        free(needles[i].data);
    n_needles = 0;
}

/* The first 7 needles are the plaintext canaries, which the store never
 * writes; the rest are what it did write, and must be found before. */
#define PLAIN_CANARIES 7

static void
assert_all_written(void)
{
    for (size_t i = PLAIN_CANARIES; i < n_needles; i++)
        ck_assert_msg(th_store_files_contain(&ts, needles[i].data, needles[i].len),
                      "sanity: %s not found in the raw files before erasure", needles[i].what);
    for (size_t i = 0; i < PLAIN_CANARIES; i++)
        ck_assert_msg(!th_store_files_contain(&ts, needles[i].data, needles[i].len),
                      "%s stored in plaintext", needles[i].what);
}

static void
assert_none_left(const th_store *t, const char *when)
{
    for (size_t i = 0; i < n_needles; i++)
        ck_assert_msg(!th_store_files_contain(t, needles[i].data, needles[i].len),
                      "%s: %s still in the raw files", when, needles[i].what);
}

static void
assert_others_whole(gdpr_engine *eng)
{
    for (int i = 0; i < OTHERS; i++) {
        char id[32], mail[64];
        char *found = NULL;
        int granted = 0;
        for (int k = 0; k < 2; k++) {
            void *v = NULL;
            size_t len = 0;
            th_ok(gdpr_vault_get(eng, &th_agent, other_records[i][k], &v, &len));
            ck_assert_uint_eq(len, strlen(other_values[i][k]));
            ck_assert_int_eq(memcmp(v, other_values[i][k], len), 0);
            gdpr_free(v);
        }
        snprintf(id, sizeof id, "other-%d", i);
        snprintf(mail, sizeof mail, "other%d@example.com", i);
        th_ok(gdpr_subject_find_id(eng, "email", mail, &found));
        ck_assert_str_eq(found, id);
        gdpr_free(found);
        th_ok(gdpr_consent_check(eng, id, "marketing", ts.now, &granted));
        ck_assert_int_eq(granted, 1);
    }
}

static void
assert_victim_gone(gdpr_engine *eng)
{
    int exists = 1;
    char *found = NULL;

    th_ok(gdpr_subject_exists(eng, victim, &exists));
    ck_assert_int_eq(exists, 0);
    ck_assert_int_eq(gdpr_subject_find_id(eng, "email", email, &found), GDPR_ENOTFOUND);
    for (int k = 0; k < 2; k++) {
        void *v = NULL;
        size_t len = 0;
        ck_assert_int_eq(gdpr_vault_get(eng, &th_agent, victim_records[k], &v, &len),
                         GDPR_ENOTFOUND);
    }
}

static void
setup(void)
{
    th_setup(&ts);
    plant();
}

static void
teardown(void)
{
    free_needles();
    th_teardown(&ts);
}

/* secure_delete: the victim's pages were checkpointed into the file before
 * the erasure; the freed cells must be zeroed there. */
START_TEST(erased_from_checkpointed_file)
{
    TH_SQLITE_ONLY("greps the SQLite files");
    gdpr_erase_report r = {0, 0, 0};
    char wal[400];

    th_ok(gdpr_vault_checkpoint(ts.eng));
    collect_needles();
    assert_all_written();
    snprintf(wal, sizeof wal, "%s-wal", ts.db);
    ck_assert_int_eq(
        th_file_contains(wal, needles[PLAIN_CANARIES].data, needles[PLAIN_CANARIES].len), 0);
    ck_assert_int_eq(
        th_file_contains(ts.db, needles[PLAIN_CANARIES].data, needles[PLAIN_CANARIES].len), 1);
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, victim, GROUND, &r));
    ck_assert_int_ge(r.erased, 7);
    assert_none_left(&ts, "after erasure");
    assert_victim_gone(ts.eng);
    gdpr_close(ts.eng);
    ts.eng = NULL;
    assert_none_left(&ts, "after close");
    th_ok(th_open(&ts, &ts.eng));
    assert_others_whole(ts.eng);
    th_ok(gdpr_audit_verify(ts.eng, NULL));
}
END_TEST

/* The victim's rows are still only in WAL frames when the erasure comes:
 * the TRUNCATE checkpoint must leave none of those frames behind. */
START_TEST(erased_from_uncheckpointed_wal)
{
    TH_SQLITE_ONLY("greps the SQLite files");
    gdpr_erase_report r = {0, 0, 0};
    char wal[400];
    int in_wal = 0;

    collect_needles();
    assert_all_written();
    snprintf(wal, sizeof wal, "%s-wal", ts.db);
    for (size_t i = PLAIN_CANARIES; i < n_needles; i++)
        in_wal += th_file_contains(wal, needles[i].data, needles[i].len);
    ck_assert_msg(in_wal > 0, "the WAL held none of the victim's frames");
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, victim, GROUND, &r));
    assert_none_left(&ts, "after erasure");
    gdpr_close(ts.eng);
    ts.eng = NULL;
    assert_none_left(&ts, "after close");
    th_ok(th_open(&ts, &ts.eng));
    assert_victim_gone(ts.eng);
    assert_others_whole(ts.eng);
}
END_TEST

static int
see_checkpoint(const gdpr_erase_pending *p, void *ctx)
{
    if (p->kind == GDPR_PENDING_CHECKPOINT)
        (*(int *)ctx)++;
    return 0;
}

/* A reader holds an old snapshot: the checkpoint cannot complete. That
 * must be reported, not ignored, and finished by a retry. */
START_TEST(reader_holds_checkpoint_back)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    gdpr_options opts = GDPR_OPTIONS_INIT;
    gdpr_erase_report r = {0, 0, 0};
    gdpr_tombstone t;
    sqlite3 *reader = NULL;
    int pending = 0, still = 0;

    collect_needles();
    assert_all_written();
    gdpr_close(ts.eng);
    opts.path = ts.db;
    opts.key = th_key;
    opts.key_len = sizeof th_key;
    opts.clock = th_clock;
    opts.clock_ctx = &ts;
    opts.busy_timeout_ms = 50;
    th_ok(gdpr_open(&ts.eng, &opts));

    ck_assert_int_eq(sqlite3_open_v2(ts.db, &reader, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM vault;", NULL, NULL, NULL),
                     SQLITE_OK);
    th_assert_err(gdpr_erase_subject(ts.eng, &th_dpo, victim, GROUND, &r), GDPR_EBUSY, "reader");
    ck_assert_msg(strstr(gdpr_errmsg(), "gdpr_erase_retry_pending") != NULL, "%s", gdpr_errmsg());
    /* Committed all the same: the report says what was erased. */
    ck_assert_int_ge(r.erased, 7);
    assert_victim_gone(ts.eng);
    th_ok(gdpr_erase_pending_foreach(ts.eng, see_checkpoint, &pending));
    ck_assert_int_eq(pending, 1);
    memset(&t, 0, sizeof t);
    t.version = GDPR_TOMBSTONE_VERSION;
    th_ok(gdpr_tombstone_lookup(ts.eng, victim, &t));
    ck_assert_int_eq(t.wiped, 0);
    /* Why it matters: the old frames are still in the WAL. */
    for (size_t i = PLAIN_CANARIES; i < n_needles; i++)
        still += th_store_files_contain(&ts, needles[i].data, needles[i].len);
    ck_assert_int_gt(still, 0);
    /* Still busy while the reader stays. */
    th_assert_err(gdpr_erase_retry_pending(ts.eng, &th_dpo, NULL), GDPR_EBUSY, "reader");

    ck_assert_int_eq(sqlite3_exec(reader, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(reader);
    th_ok(gdpr_erase_retry_pending(ts.eng, &th_dpo, NULL));
    assert_none_left(&ts, "after the retry");
    pending = 0;
    th_ok(gdpr_erase_pending_foreach(ts.eng, see_checkpoint, &pending));
    ck_assert_int_eq(pending, 0);
    th_ok(gdpr_tombstone_lookup(ts.eng, victim, &t));
    ck_assert_int_eq(t.wiped, 1);
    gdpr_close(ts.eng);
    ts.eng = NULL;
    assert_none_left(&ts, "after close");
    th_ok(th_open(&ts, &ts.eng));
    assert_others_whole(ts.eng);
}
END_TEST

/* --- backups -------------------------------------------------------------------- */

static void
backup_file(const char *from, const char *to)
{
    sqlite3 *src = NULL, *dst = NULL;
    sqlite3_backup *b;

    ck_assert_int_eq(sqlite3_open_v2(from, &src, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_open(to, &dst), SQLITE_OK);
    b = sqlite3_backup_init(dst, "main", src, "main");
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(sqlite3_backup_step(b, -1), SQLITE_DONE);
    ck_assert_int_eq(sqlite3_backup_finish(b), SQLITE_OK);
    sqlite3_close(dst);
    sqlite3_close(src);
}

typedef struct {
    char *buf;
    size_t len;
} text_sink;

static int
to_text(const void *buf, size_t len, void *ctx)
{
    text_sink *s = ctx;
    char *grown = realloc(s->buf, s->len + len + 1);

    ck_assert_ptr_nonnull(grown);
    s->buf = grown;
    memcpy(s->buf + s->len, buf, len);
    s->len += len;
    s->buf[s->len] = '\0';
    return 0;
}

static int
open_restored(th_store *r, const char *db, const char *keys, gdpr_engine **out)
{
    gdpr_options opts = GDPR_OPTIONS_INIT;

    opts.path = db;
    opts.keystore_path = keys;
    opts.key = th_key;
    opts.key_len = sizeof th_key;
    opts.clock = th_clock;
    opts.clock_ctx = r;
    return gdpr_open(out, &opts);
}

START_TEST(backup_unreadable_and_replayed)
{
    TH_SQLITE_ONLY("greps the SQLite files");
    text_sink tomb = {NULL, 0};
    th_store a, b;
    gdpr_engine *eng = NULL;
    gdpr_erase_report r = {0, 0, 0};
    int64_t imported = 0, found = 0;
    void *v = NULL;
    size_t len = 0;

    collect_needles();
    /* Copies taken before the erasure: data file alone (a), data and
     * keystore together (b). */
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    snprintf(a.db, sizeof a.db, "%s/backup-a.db", ts.dir);
    snprintf(a.keys, sizeof a.keys, "%s", ts.keys);
    snprintf(b.db, sizeof b.db, "%s/backup-b.db", ts.dir);
    snprintf(b.keys, sizeof b.keys, "%s/backup-b.db-keys", ts.dir);
    a.now = b.now = ts.now;
    backup_file(ts.db, a.db);
    backup_file(ts.db, b.db);
    backup_file(ts.keys, b.keys);

    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, victim, GROUND, &r));
    th_ok(gdpr_tombstones_export(ts.eng, to_text, &tomb));
    assert_none_left(&ts, "live store");
    gdpr_close(ts.eng);
    ts.eng = NULL;

    /* (a) the old data file with the live keystore: the victim's records are
     * there, but their key is not. */
    th_ok(open_restored(&a, a.db, a.keys, &eng));
    th_assert_err(gdpr_vault_get(eng, &th_agent, victim_records[0], &v, &len), GDPR_ENOTFOUND,
                  "data key");
    th_assert_err(gdpr_vault_get(eng, &th_agent, victim_records[1], &v, &len), GDPR_ENOTFOUND,
                  "data key");
    assert_others_whole(eng);
    th_ok(gdpr_tombstones_import(eng, &th_dpo, tomb.buf, &imported));
    ck_assert_int_eq(imported, 1);
    th_ok(gdpr_erase_replay(eng, &th_dpo, &found, &r));
    ck_assert_int_eq(found, 1);
    ck_assert_int_ge(r.erased, 7);
    assert_victim_gone(eng);
    assert_others_whole(eng);
    /* Replaying twice finds nothing more. */
    th_ok(gdpr_erase_replay(eng, &th_dpo, &found, &r));
    ck_assert_int_eq(found, 0);
    gdpr_close(eng);
    eng = NULL;
    /* Only the data file of (a) is the backup's; its keystore is the live one. */
    for (size_t i = 0; i < n_needles; i++) {
        char wal[420];
        snprintf(wal, sizeof wal, "%s-wal", a.db);
        ck_assert_msg(!th_file_contains(a.db, needles[i].data, needles[i].len) &&
                          !th_file_contains(wal, needles[i].data, needles[i].len),
                      "restored copy (a): %s left", needles[i].what);
    }

    /* (b) data and keystore restored together: the old keystore still has
     * the key (keep keystore backups short, rotate the KEK); replay
     * destroys it again. */
    th_ok(open_restored(&b, b.db, b.keys, &eng));
    th_ok(gdpr_vault_get(eng, &th_agent, victim_records[0], &v, &len));
    ck_assert_uint_eq(len, 32);
    ck_assert_int_eq(memcmp(v, c_value_bin.bytes, 32), 0);
    gdpr_free(v);
    th_ok(gdpr_tombstones_import(eng, &th_dpo, tomb.buf, &imported));
    th_ok(gdpr_erase_replay(eng, &th_dpo, &found, &r));
    ck_assert_int_eq(found, 1);
    assert_victim_gone(eng);
    assert_others_whole(eng);
    th_ok(gdpr_audit_verify(eng, NULL));
    gdpr_close(eng);
    assert_none_left(&b, "restored copy (b)");
    free(tomb.buf);
    th_ok(th_open(&ts, &ts.eng));
}
END_TEST

static Suite *
forensic_suite(void)
{
    Suite *s = suite_create("forensic");
    TCase *tc = tcase_create("raw files");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, erased_from_checkpointed_file);
    tcase_add_test(tc, erased_from_uncheckpointed_wal);
    tcase_add_test(tc, reader_holds_checkpoint_back);
    tcase_add_test(tc, backup_unreadable_and_replayed);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    if (th_sqlite_only_suite(
            "greps the SQLite files and their WAL; the PostgreSQL counterpart is tests/test-pg.c"))
        return 77;
    return th_run(forensic_suite());
}
