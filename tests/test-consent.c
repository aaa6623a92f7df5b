/*
 * Consent ledger: record, withdraw, check, expiry, history, receipts,
 * explicit consent, lawful processing (objection, restriction),
 * disclosures, and that proofs never reach the files in plaintext.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <sqlite3.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static char long_text[300];

static void
make_long_text(void)
{
    memset(long_text, 'a', 257);
    long_text[257] = '\0';
}

static gdpr_consent
grant(const char *subject, const char *purpose)
{
    gdpr_consent c = GDPR_CONSENT_INIT;

    c.subject = subject;
    c.purpose = purpose;
    c.notice = "marketing-v2";
    c.channel = "phone";
    c.state = GDPR_CONSENT_GRANTED;
    return c;
}

static int64_t
record(const gdpr_consent *c)
{
    int64_t ev = 0;

    th_ok(gdpr_consent_record(ts.eng, &th_agent, c, &ev));
    ck_assert_int_gt(ev, 0);
    return ev;
}

static int
check(const char *subject, const char *purpose, int64_t at)
{
    int granted = -1;

    th_ok(gdpr_consent_check(ts.eng, subject, purpose, at, &granted));
    ck_assert(granted == 0 || granted == 1);
    return granted;
}

/* Count of consent events of a subject, through the store seam. */
static int
count_row(const store_consent_row *row, void *ctx)
{
    (void)row;
    (*(int *)ctx)++;
    return 0;
}

static int
events_of(const char *subject)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    int n = 0;

    th_ok(gdpr_engine__subject_hash(ts.eng, subject, hash));
    th_ok(gdpr_store__consent_foreach(ts.eng->st, hash, count_row, &n));
    return n;
}

/* --- grant, withdraw, refuse, expiry ------------------------------------ */

START_TEST(grant_then_check_true)
{
    gdpr_consent c = grant("cust-1", "marketing");
    gdpr_why why;
    int allowed = -1;

    ck_assert_int_eq(check("cust-1", "marketing", ts.now), 0);
    record(&c);
    ck_assert_int_eq(check("cust-1", "marketing", ts.now), 1);
    ck_assert_int_eq(check("cust-1", "marketing", ts.now + 86400 * 365), 1);
    /* Before the grant it did not hold. */
    ck_assert_int_eq(check("cust-1", "marketing", ts.now - 1), 0);
    th_ok(gdpr_may_process(ts.eng, "cust-1", "marketing", ts.now, &allowed, &why));
    ck_assert_int_eq(allowed, 1);
    ck_assert_int_eq(why.code, GDPR_WHY_CONSENT);
    ck_assert_str_eq(gdpr_why_name(why.code), "consent");
    ck_assert_int_gt(why.event, 0);
    /* Another purpose is untouched. */
    ck_assert_int_eq(check("cust-1", "accessibility", ts.now), 0);
    th_ok(gdpr_audit_verify(ts.eng, NULL));
}
END_TEST

START_TEST(withdraw_flips_check)
{
    gdpr_consent c = grant("cust-2", "marketing");
    int64_t granted_at = ts.now, ev_grant = record(&c), ev_withdraw = 0;
    gdpr_why why;
    int allowed = -1;

    ts.now += 3600;
    th_ok(
        gdpr_consent_withdraw(ts.eng, &th_agent, "cust-2", "marketing", NULL, "web", &ev_withdraw));
    ck_assert_int_gt(ev_withdraw, ev_grant);
    ck_assert_int_eq(check("cust-2", "marketing", ts.now), 0);
    th_ok(gdpr_may_process(ts.eng, "cust-2", "marketing", ts.now, &allowed, &why));
    ck_assert_int_eq(allowed, 0);
    ck_assert_int_eq(why.code, GDPR_WHY_WITHDRAWN);
    ck_assert_int_eq(why.event, ev_withdraw);
    ck_assert_str_eq(gdpr_why_name(why.code), "withdrawn");
    /* History still answers for the hour it held. */
    ck_assert_int_eq(check("cust-2", "marketing", granted_at + 10), 1);
    /* Granting again after withdrawal works; the ledger keeps all three. */
    ts.now += 60;
    record(&c);
    ck_assert_int_eq(check("cust-2", "marketing", ts.now), 1);
    ck_assert_int_eq(check("cust-2", "marketing", ts.now - 30), 0);
    ck_assert_int_eq(events_of("cust-2"), 3);
}
END_TEST

START_TEST(withdraw_of_nothing_changes_nothing)
{
    char before[65], after[65];
    int exists = 1;

    th_fingerprint(&ts, before);
    th_assert_err(
        gdpr_consent_withdraw(ts.eng, &th_agent, "nobody", "marketing", NULL, "web", NULL),
        GDPR_ENOTFOUND, "nothing to withdraw");
    th_ok(gdpr_subject_exists(ts.eng, "nobody", &exists));
    ck_assert_int_eq(exists, 0);
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
}
END_TEST

START_TEST(expiry_at_the_exact_second)
{
    gdpr_consent c = grant("cust-3", "marketing");
    int64_t expires = ts.now + 1000;
    gdpr_why why;
    int allowed = -1;

    c.expires = expires;
    record(&c);
    ck_assert_int_eq(check("cust-3", "marketing", expires - 1), 1);
    ck_assert_int_eq(check("cust-3", "marketing", expires), 0);
    ck_assert_int_eq(check("cust-3", "marketing", expires + 1), 0);
    th_ok(gdpr_may_process(ts.eng, "cust-3", "marketing", expires, &allowed, &why));
    ck_assert_int_eq(allowed, 0);
    ck_assert_int_eq(why.code, GDPR_WHY_EXPIRED);
    ck_assert_ptr_nonnull(strstr(why.text, "expired at"));
}
END_TEST

START_TEST(refused_is_not_granted)
{
    gdpr_consent c = grant("cust-4", "marketing");
    gdpr_why why;
    int allowed = -1;

    c.state = GDPR_CONSENT_REFUSED;
    record(&c);
    ck_assert_int_eq(check("cust-4", "marketing", ts.now), 0);
    th_ok(gdpr_may_process(ts.eng, "cust-4", "marketing", ts.now, &allowed, &why));
    ck_assert_int_eq(allowed, 0);
    ck_assert_int_eq(why.code, GDPR_WHY_REFUSED);
    ck_assert_int_eq(events_of("cust-4"), 1);
}
END_TEST

START_TEST(unknown_subject_is_not_granted_and_not_created)
{
    char before[65], after[65];
    gdpr_why why;
    int allowed = -1, exists = 1;
    unsigned int limits = 9;

    th_fingerprint(&ts, before);
    ck_assert_int_eq(check("stranger", "marketing", ts.now), 0);
    th_ok(gdpr_may_process(ts.eng, "stranger", "marketing", ts.now, &allowed, &why));
    ck_assert_int_eq(allowed, 0);
    ck_assert_int_eq(why.code, GDPR_WHY_NO_CONSENT);
    th_ok(gdpr_may_process(ts.eng, "stranger", "billing", ts.now, &allowed, &why));
    ck_assert_int_eq(allowed, 1);
    ck_assert_int_eq(why.code, GDPR_WHY_BASIS);
    th_ok(gdpr_subject_limits(ts.eng, "stranger", &limits));
    ck_assert_uint_eq(limits, 0);
    th_ok(gdpr_disclosure_check(ts.eng, "stranger", "mailer-eu", "marketing", ts.now, &allowed,
                                NULL));
    ck_assert_int_eq(allowed, 0);
    th_ok(gdpr_subject_exists(ts.eng, "stranger", &exists));
    ck_assert_int_eq(exists, 0);
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
}
END_TEST

/* --- rules ---------------------------------------------------------------- */

START_TEST(special_category_needs_explicit_consent)
{
    gdpr_consent c = grant("cust-5", "accessibility");
    char before[65], after[65];
    gdpr_why why;
    int allowed = -1;

    c.notice = "privacy-v3";
    th_fingerprint(&ts, before);
    th_assert_err(gdpr_consent_record(ts.eng, &th_agent, &c, NULL), GDPR_EINVAL,
                  "must be explicit (Art. 9(2)(a))");
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    c.flags = GDPR_CONSENT_EXPLICIT;
    record(&c);
    ck_assert_int_eq(check("cust-5", "accessibility", ts.now), 1);
    th_ok(gdpr_may_process(ts.eng, "cust-5", "accessibility", ts.now, &allowed, &why));
    ck_assert_int_eq(allowed, 1);
    /* A refusal need not be explicit. */
    c.flags = 0;
    c.state = GDPR_CONSENT_REFUSED;
    c.subject = "cust-5b";
    record(&c);
    ck_assert_int_eq(check("cust-5b", "accessibility", ts.now), 0);
}
END_TEST

START_TEST(consent_only_for_consent_based_purposes)
{
    gdpr_consent c = grant("cust-6", "service");
    char before[65], after[65];

    th_fingerprint(&ts, before);
    th_assert_err(gdpr_consent_record(ts.eng, &th_agent, &c, NULL), GDPR_EINVAL,
                  "'service' is based on contract (Art. 6(1)(b)), not consent");
    c.purpose = "recruitment";
    th_assert_err(gdpr_consent_record(ts.eng, &th_agent, &c, NULL), GDPR_EINVAL,
                  "based on legitimate_interests");
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    /* Consent to a disclosure may name any purpose. */
    c.purpose = "service";
    c.recipient = "My brother Tom";
    record(&c);
}
END_TEST

START_TEST(denied_role_is_audited_and_records_nothing)
{
    gdpr_consent c = grant("cust-7", "marketing");
    int64_t count_before = 0, count_after = 0;
    unsigned char head[GDPR_AUDIT_HEAD_BYTES];

    th_ok(gdpr_audit_head(ts.eng, &count_before, head));
    th_assert_err(gdpr_consent_record(ts.eng, &th_system, &c, NULL), GDPR_EDENIED,
                  "lacks permission 'consent.record'");
    th_ok(gdpr_audit_head(ts.eng, &count_after, head));
    ck_assert_int_eq(count_after, count_before + 1);
    ck_assert_int_eq(events_of("cust-7"), 0);
    ck_assert_int_eq(check("cust-7", "marketing", ts.now), 0);
}
END_TEST

/* --- history --------------------------------------------------------------- */

typedef struct {
    int n;
    int64_t ids[8];
    int states[8];
    char proofs[8][64];
    char recipients[8][64];
    int stop_after;
} history_seen;

static int
collect(const gdpr_consent_event *ev, void *ctx)
{
    history_seen *h = ctx;

    ck_assert_int_lt(h->n, 8);
    h->ids[h->n] = ev->id;
    h->states[h->n] = (int)ev->state;
    snprintf(h->proofs[h->n], sizeof h->proofs[0], "%s", ev->proof ? ev->proof : "-");
    snprintf(h->recipients[h->n], sizeof h->recipients[0], "%s",
             ev->recipient ? ev->recipient : "-");
    if (ev->proof)
        ck_assert_uint_eq(ev->proof_len, strlen(ev->proof));
    ck_assert_int_eq((int)strlen(ev->receipt_id), 36);
    h->n++;
    return h->stop_after != 0 && h->n >= h->stop_after;
}

START_TEST(history_in_order_with_proofs)
{
    gdpr_consent c = grant("cust-8", "marketing");
    history_seen h;
    int64_t e1, e2, e3, e4;

    memset(&h, 0, sizeof h);
    c.proof = "call 2026-01-01 10:02, recording R-1";
    e1 = record(&c);
    ts.now += 10;
    th_ok(gdpr_consent_withdraw(ts.eng, &th_agent, "cust-8", "marketing", NULL, "web", &e2));
    ts.now += 10;
    c.proof = "web form W-9";
    c.recipient = "mailer-eu";
    e3 = record(&c);
    /* Same second as e3: order is the order of recording. */
    c.recipient = "Anna Neighbour";
    c.proof = NULL;
    e4 = record(&c);
    th_ok(gdpr_consent_history(ts.eng, &th_dpo, "cust-8", collect, &h));
    ck_assert_int_eq(h.n, 4);
    ck_assert_int_eq(h.ids[0], e1);
    ck_assert_int_eq(h.ids[1], e2);
    ck_assert_int_eq(h.ids[2], e3);
    ck_assert_int_eq(h.ids[3], e4);
    ck_assert_int_eq(h.states[0], GDPR_CONSENT_GRANTED);
    ck_assert_int_eq(h.states[1], GDPR_CONSENT_WITHDRAWN);
    ck_assert_str_eq(h.proofs[0], "call 2026-01-01 10:02, recording R-1");
    ck_assert_str_eq(h.proofs[1], "-");
    ck_assert_str_eq(h.proofs[2], "web form W-9");
    ck_assert_str_eq(h.recipients[0], "-");
    ck_assert_str_eq(h.recipients[2], "mailer-eu");
    ck_assert_str_eq(h.recipients[3], "Anna Neighbour");

    /* The callback stops the walk. */
    memset(&h, 0, sizeof h);
    h.stop_after = 2;
    th_assert_err(gdpr_consent_history(ts.eng, &th_dpo, "cust-8", collect, &h), GDPR_ECALLBACK,
                  "stopped");
    ck_assert_int_eq(h.n, 2);

    /* An agent records consent but may not read proofs. */
    memset(&h, 0, sizeof h);
    th_assert_err(gdpr_consent_history(ts.eng, &th_agent, "cust-8", collect, &h), GDPR_EDENIED,
                  "consent.read");
    ck_assert_int_eq(h.n, 0);

    /* Unknown subject: nothing, and not created. */
    memset(&h, 0, sizeof h);
    th_ok(gdpr_consent_history(ts.eng, &th_dpo, "nobody-here", collect, &h));
    ck_assert_int_eq(h.n, 0);
}
END_TEST

/* --- receipt -------------------------------------------------------------- */

static sqlite3 *
json_db(void)
{
    sqlite3 *db = NULL;

    ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
    return db;
}

/* json_extract(json, path) as text ("" when NULL). */
static void
jget(sqlite3 *db, const char *json, const char *path, char *out, size_t cap)
{
    sqlite3_stmt *s = NULL;
    const unsigned char *t;

    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT json_extract(?1, ?2)", -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(s, 1, json, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, path, -1, SQLITE_STATIC);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    t = sqlite3_column_text(s, 0);
    snprintf(out, cap, "%s", t ? (const char *)t : "");
    sqlite3_finalize(s);
}

static int
jvalid(sqlite3 *db, const char *json)
{
    sqlite3_stmt *s = NULL;
    int v;

    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT json_valid(?1)", -1, &s, NULL), SQLITE_OK);
    sqlite3_bind_text(s, 1, json, -1, SQLITE_STATIC);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    v = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return v;
}

#define ck_json(db, json, path, want)                                                              \
    do {                                                                                           \
        char got_[512];                                                                            \
        jget(db, json, path, got_, sizeof got_);                                                   \
        ck_assert_msg(strcmp(got_, want) == 0, "%s: got '%s', want '%s'", path, got_, want);       \
    } while (0)

START_TEST(receipt_is_valid_json_with_the_fields)
{
    TH_SQLITE_ONLY("reads the SQLite file directly");
    gdpr_consent c = grant("cust-9", "marketing");
    sqlite3 *db = json_db();
    char *json = NULL, *hash = NULL;
    char buf[512];
    int64_t ev;

    c.proof = "SECRET-PROOF-receipt";
    c.expires = ts.now + 86400;
    ev = record(&c);
    th_ok(gdpr_consent_receipt(ts.eng, ev, &json));
    ck_assert_ptr_nonnull(json);
    ck_assert_int_eq(jvalid(db, json), 1);
    ck_json(db, json, "$.version", "KI-CR-v1.1.0");
    jget(db, json, "$.schemaVersion", buf, sizeof buf);
    ck_assert_ptr_nonnull(strstr(buf, "27560"));
    jget(db, json, "$.consentReceiptID", buf, sizeof buf);
    ck_assert_int_eq((int)strlen(buf), 36);
    ck_assert_int_eq(buf[14], '8'); /* UUID version 8 */
    ck_assert_int_eq(buf[19], '8'); /* RFC 9562 variant */
    snprintf(buf + 100, 40, "%012llx", (unsigned long long)ev);
    ck_assert_str_eq(buf + 24, buf + 100); /* the event id is its tail */
    ck_json(db, json, "$.jurisdiction", "IE");
    snprintf(buf, sizeof buf, "%lld", (long long)ts.now);
    ck_json(db, json, "$.consentTimestamp", buf);
    ck_json(db, json, "$.consentTime", "2026-01-01T00:00:00Z");
    ck_json(db, json, "$.collectionMethod", "phone");
    ck_json(db, json, "$.collector", "agent-7");
    th_ok(gdpr_subject_hash(ts.eng, "cust-9", &hash));
    ck_json(db, json, "$.piiPrincipalId", hash);
    gdpr_free(hash);
    ck_json(db, json, "$.piiControllers[0].piiController", "Example CRM Ltd");
    ck_json(db, json, "$.piiControllers[0].piiControllerUrl", "https://example.com/privacy/rights");
    ck_json(db, json, "$.notice.id", "marketing-v2");
    ck_json(db, json, "$.notice.version", "2");
    ck_json(db, json, "$.notice.sha256",
            "80bdf2d646ee7193aa50fb4b4c1bfbd19c9c6c59893709bcf77b2d50f992d15a");
    ck_json(db, json, "$.policyUrl", "https://example.com/privacy/marketing-v2");
    ck_json(db, json, "$.consentStatus", "given");
    ck_json(db, json, "$.services[0].purposes[0].purposeId", "marketing");
    ck_json(db, json, "$.services[0].purposes[0].purpose", "Offers by e-mail and phone");
    ck_json(db, json, "$.services[0].purposes[0].legalBasis", "consent");
    ck_json(db, json, "$.services[0].purposes[0].consentType", "EXPRESSED");
    ck_json(db, json, "$.services[0].purposes[0].piiCategory", "[\"contact\"]");
    ck_json(db, json, "$.services[0].purposes[0].termination", "2026-01-02T00:00:00Z");
    ck_json(db, json, "$.services[0].purposes[0].thirdPartyDisclosure", "0");
    ck_json(db, json, "$.sensitive", "0");
    ck_json(db, json, "$.spiCat", "[]");
    jget(db, json, "$.withdrawal", buf, sizeof buf);
    ck_assert_ptr_nonnull(strstr(buf, "Art. 7(3)"));
    ck_assert_ptr_nonnull(strstr(buf, "https://example.com/privacy/rights"));
    /* The proof and the host id never appear in a receipt. */
    ck_assert_ptr_null(strstr(json, "SECRET-PROOF"));
    ck_assert_ptr_null(strstr(json, "cust-9"));
    gdpr_free(json);

    /* Special category, explicit, with a policy recipient. */
    c = grant("cust-9", "accessibility");
    c.notice = "privacy-v3";
    c.flags = GDPR_CONSENT_EXPLICIT;
    c.recipient = "support-in";
    ev = record(&c);
    th_ok(gdpr_consent_receipt(ts.eng, ev, &json));
    ck_assert_int_eq(jvalid(db, json), 1);
    ck_json(db, json, "$.sensitive", "1");
    ck_json(db, json, "$.spiCat", "[\"health\"]");
    ck_json(db, json, "$.services[0].purposes[0].consentType", "EXPLICIT");
    ck_json(db, json, "$.services[0].purposes[0].thirdPartyDisclosure", "1");
    ck_json(db, json, "$.services[0].purposes[0].thirdPartyName", "Support Services Pvt Ltd");
    ck_json(db, json, "$.services[0].purposes[0].thirdPartyId", "support-in");
    ck_json(db, json, "$.services[0].purposes[0].termination", "on withdrawal");
    gdpr_free(json);

    /* A named person appears by name in the subject's receipt. */
    c = grant("cust-9", "service");
    c.notice = "privacy-v3";
    c.recipient = "Carla Daughter";
    ev = record(&c);
    th_ok(gdpr_consent_receipt(ts.eng, ev, &json));
    ck_json(db, json, "$.services[0].purposes[0].thirdPartyName", "Carla Daughter");
    ck_json(db, json, "$.services[0].purposes[0].legalBasis", "consent");
    gdpr_free(json);

    /* A withdrawal has a receipt too. */
    th_ok(gdpr_consent_withdraw(ts.eng, &th_agent, "cust-9", "marketing", NULL, "web", &ev));
    th_ok(gdpr_consent_receipt(ts.eng, ev, &json));
    ck_json(db, json, "$.consentStatus", "withdrawn");
    ck_json(db, json, "$.notice.id", "marketing-v2");
    ck_json(db, json, "$.collectionMethod", "web");
    gdpr_free(json);
    sqlite3_close(db);
}
END_TEST

/* --- bad input: a clear code and message, nothing changed -------------- */

START_TEST(record_bad_input_changes_nothing)
{
    char before[65], after[65];
    gdpr_consent c = grant("cust-10", "marketing");
    gdpr_actor bad_actor = {NULL, "agent"};
    static char long_proof[GDPR_PROOF_MAX + 2];
    int64_t ev = 77;

    make_long_text();
    memset(long_proof, 'p', GDPR_PROOF_MAX + 1);
    th_fingerprint(&ts, before);
    th_assert_err(gdpr_consent_record(NULL, &th_agent, &c, NULL), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_consent_record(ts.eng, NULL, &c, &ev), GDPR_EINVAL, "who");
    ck_assert_int_eq(ev, 0);
    th_assert_err(gdpr_consent_record(ts.eng, &bad_actor, &c, NULL), GDPR_EINVAL, "who.id");
    th_assert_err(gdpr_consent_record(ts.eng, &th_agent, NULL, NULL), GDPR_EINVAL, "c:");
    c.version = 0;
    th_assert_err(gdpr_consent_record(ts.eng, &th_agent, &c, NULL), GDPR_EVERSION, "version");
    c.version = GDPR_CONSENT_VERSION + 1;
    th_assert_err(gdpr_consent_record(ts.eng, &th_agent, &c, NULL), GDPR_EVERSION, "version");
#define FIELD_CASES(field, name)                                                                   \
    do {                                                                                           \
        c = grant("cust-10", "marketing");                                                         \
        c.field = NULL;                                                                            \
        th_assert_err(gdpr_consent_record(ts.eng, &th_agent, &c, NULL), GDPR_EINVAL, name);        \
        c.field = "";                                                                              \
        th_assert_err(gdpr_consent_record(ts.eng, &th_agent, &c, NULL), GDPR_EINVAL, name);        \
        c.field = long_text;                                                                       \
        th_assert_err(gdpr_consent_record(ts.eng, &th_agent, &c, NULL), GDPR_EINVAL,               \
                      name ": longer than");                                                       \
        ck_assert_msg(strncmp(gdpr_errmsg(), name ":", strlen(name ":")) == 0,                     \
                      "'%s' does not start with the field's name", gdpr_errmsg());                 \
        c.field = "bad\xff";                                                                       \
        th_assert_err(gdpr_consent_record(ts.eng, &th_agent, &c, NULL), GDPR_EINVAL,               \
                      name ": not valid UTF-8");                                                   \
    } while (0)
    FIELD_CASES(subject, "subject");
    FIELD_CASES(purpose, "purpose");
    FIELD_CASES(notice, "notice");
    FIELD_CASES(channel, "channel");
    c = grant("cust-10", "marketing");
    c.recipient = "";
    th_assert_err(gdpr_consent_record(ts.eng, &th_agent, &c, NULL), GDPR_EINVAL, "recipient");
    c.recipient = long_text;
    th_assert_err(gdpr_consent_record(ts.eng, &th_agent, &c, NULL), GDPR_EINVAL, "recipient");
    c.recipient = "\xff";
    th_assert_err(gdpr_consent_record(ts.eng, &th_agent, &c, NULL), GDPR_EINVAL, "recipient");
    c = grant("cust-10", "marketing");
    c.proof = "";
    th_assert_err(gdpr_consent_record(ts.eng, &th_agent, &c, NULL), GDPR_EINVAL, "proof");
    c.proof = long_proof;
    th_assert_err(gdpr_consent_record(ts.eng, &th_agent, &c, NULL), GDPR_EINVAL,
                  "proof: longer than");
    c.proof = "ok then \xc3";
    th_assert_err(gdpr_consent_record(ts.eng, &th_agent, &c, NULL), GDPR_EINVAL,
                  "proof: not valid UTF-8");
    c = grant("cust-10", "no-such-purpose");
    th_assert_err(gdpr_consent_record(ts.eng, &th_agent, &c, NULL), GDPR_EINVAL,
                  "'no-such-purpose' is not a purpose of the policy");
    c = grant("cust-10", "marketing");
    c.notice = "privacy-v9";
    th_assert_err(gdpr_consent_record(ts.eng, &th_agent, &c, NULL), GDPR_EINVAL,
                  "notice: 'privacy-v9' is not a notice of the policy");
    c = grant("cust-10", "marketing");
    c.state = (gdpr_consent_state)0;
    th_assert_err(gdpr_consent_record(ts.eng, &th_agent, &c, NULL), GDPR_EINVAL, "state: 0");
    c.state = (gdpr_consent_state)4;
    th_assert_err(gdpr_consent_record(ts.eng, &th_agent, &c, NULL), GDPR_EINVAL, "state: 4");
    c = grant("cust-10", "marketing");
    c.flags = 0x6;
    th_assert_err(gdpr_consent_record(ts.eng, &th_agent, &c, NULL), GDPR_EINVAL, "flags");
    c = grant("cust-10", "marketing");
    c.expires = -5;
    th_assert_err(gdpr_consent_record(ts.eng, &th_agent, &c, NULL), GDPR_EINVAL,
                  "expires: -5 seconds is before 1970-01-01T00:00:00Z");
    c.expires = INT64_MAX;
    th_assert_err(gdpr_consent_record(ts.eng, &th_agent, &c, NULL), GDPR_EINVAL,
                  "expires: 9223372036854775807 seconds is after 9999-12-31T23:59:59Z");
    c.expires = INT64_C(253402300800);
    th_assert_err(gdpr_consent_record(ts.eng, &th_agent, &c, NULL), GDPR_EINVAL,
                  "is after 9999-12-31T23:59:59Z");
    c.expires = ts.now;
    th_assert_err(gdpr_consent_record(ts.eng, &th_agent, &c, NULL), GDPR_EINVAL,
                  "expires: 2026-01-01T00:00:00Z is not after now (2026-01-01T00:00:00Z)");
    c.expires = ts.now + 10;
    c.state = GDPR_CONSENT_WITHDRAWN;
    th_assert_err(gdpr_consent_record(ts.eng, &th_agent, &c, NULL), GDPR_EINVAL,
                  "only a grant can expire");
    th_assert_err(gdpr_consent_init(NULL, 1), GDPR_EINVAL, "c:");
    th_assert_err(gdpr_consent_init(&c, 0), GDPR_EVERSION, "version: 0");
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    th_ok(gdpr_consent_init(&c, GDPR_CONSENT_VERSION));
    ck_assert_int_eq(c.state, GDPR_CONSENT_GRANTED);
    ck_assert_ptr_null(c.subject);
}
END_TEST

static int
never(const gdpr_consent_event *ev, void *ctx)
{
    (void)ev;
    (void)ctx;
    ck_abort_msg("callback must not run");
    return 1;
}

START_TEST(other_calls_bad_input_change_nothing)
{
    gdpr_consent c = grant("cust-11", "marketing");
    char before[65], after[65];
    char *json = (char *)"x";
    int granted = 5, allowed = 5;
    unsigned int limits = 5;
    gdpr_why why;

    make_long_text();
    record(&c);
    th_fingerprint(&ts, before);
    /* check */
    th_assert_err(gdpr_consent_check(NULL, "cust-11", "marketing", GDPR_NOW, &granted), GDPR_EINVAL,
                  "eng");
    th_assert_err(gdpr_consent_check(ts.eng, "cust-11", "marketing", GDPR_NOW, NULL), GDPR_EINVAL,
                  "granted_out");
    th_assert_err(gdpr_consent_check(ts.eng, NULL, "marketing", GDPR_NOW, &granted), GDPR_EINVAL,
                  "subject");
    th_assert_err(gdpr_consent_check(ts.eng, "", "marketing", GDPR_NOW, &granted), GDPR_EINVAL,
                  "subject");
    th_assert_err(gdpr_consent_check(ts.eng, long_text, "marketing", GDPR_NOW, &granted),
                  GDPR_EINVAL, "subject: longer than");
    th_assert_err(gdpr_consent_check(ts.eng, "\xff", "marketing", GDPR_NOW, &granted), GDPR_EINVAL,
                  "subject: not valid UTF-8");
    th_assert_err(gdpr_consent_check(ts.eng, "cust-11", "nope", GDPR_NOW, &granted), GDPR_EINVAL,
                  "purpose: 'nope' is not a purpose");
    th_assert_err(gdpr_consent_check(ts.eng, "cust-11", "marketing", -2, &granted), GDPR_EINVAL,
                  "at: -2");
    ck_assert_int_eq(granted, 0);
    /* withdraw */
    th_assert_err(gdpr_consent_withdraw(NULL, &th_agent, "cust-11", "marketing", NULL, "web", NULL),
                  GDPR_EINVAL, "eng");
    th_assert_err(gdpr_consent_withdraw(ts.eng, NULL, "cust-11", "marketing", NULL, "web", NULL),
                  GDPR_EINVAL, "who");
    th_assert_err(
        gdpr_consent_withdraw(ts.eng, &th_agent, long_text, "marketing", NULL, "web", NULL),
        GDPR_EINVAL, "subject");
    th_assert_err(gdpr_consent_withdraw(ts.eng, &th_agent, "cust-11", "\xff", NULL, "web", NULL),
                  GDPR_EINVAL, "purpose");
    th_assert_err(gdpr_consent_withdraw(ts.eng, &th_agent, "cust-11", "nope", NULL, "web", NULL),
                  GDPR_EINVAL, "'nope' is not a purpose");
    th_assert_err(gdpr_consent_withdraw(ts.eng, &th_agent, "cust-11", "marketing", "", "web", NULL),
                  GDPR_EINVAL, "recipient");
    th_assert_err(
        gdpr_consent_withdraw(ts.eng, &th_agent, "cust-11", "marketing", NULL, NULL, NULL),
        GDPR_EINVAL, "channel");
    th_assert_err(
        gdpr_consent_withdraw(ts.eng, &th_agent, "cust-11", "marketing", "mailer-eu", "web", NULL),
        GDPR_ENOTFOUND, "nothing to withdraw");
    /* history */
    th_assert_err(gdpr_consent_history(NULL, &th_dpo, "cust-11", never, NULL), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_consent_history(ts.eng, &th_dpo, "cust-11", NULL, NULL), GDPR_EINVAL, "fn");
    th_assert_err(gdpr_consent_history(ts.eng, NULL, "cust-11", never, NULL), GDPR_EINVAL, "who");
    th_assert_err(gdpr_consent_history(ts.eng, &th_dpo, "", never, NULL), GDPR_EINVAL, "subject");
    th_assert_err(gdpr_consent_history(ts.eng, &th_dpo, long_text, never, NULL), GDPR_EINVAL,
                  "subject");
    /* receipt */
    th_assert_err(gdpr_consent_receipt(NULL, 1, &json), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_consent_receipt(ts.eng, 1, NULL), GDPR_EINVAL, "json_out");
    th_assert_err(gdpr_consent_receipt(ts.eng, 0, &json), GDPR_EINVAL, "event: 0");
    ck_assert_ptr_null(json);
    th_assert_err(gdpr_consent_receipt(ts.eng, -3, &json), GDPR_EINVAL, "event: -3");
    th_assert_err(gdpr_consent_receipt(ts.eng, 999999, &json), GDPR_ENOTFOUND, "999999");
    ck_assert_ptr_null(json);
    /* may_process */
    th_assert_err(gdpr_may_process(NULL, "cust-11", "billing", GDPR_NOW, &allowed, &why),
                  GDPR_EINVAL, "eng");
    th_assert_err(gdpr_may_process(ts.eng, "cust-11", "billing", GDPR_NOW, NULL, &why), GDPR_EINVAL,
                  "allowed_out");
    th_assert_err(gdpr_may_process(ts.eng, "\xff", "billing", GDPR_NOW, &allowed, &why),
                  GDPR_EINVAL, "subject");
    th_assert_err(gdpr_may_process(ts.eng, "cust-11", long_text, GDPR_NOW, &allowed, &why),
                  GDPR_EINVAL, "purpose: longer than");
    th_assert_err(gdpr_may_process(ts.eng, "cust-11", "nope", GDPR_NOW, &allowed, &why),
                  GDPR_EINVAL, "'nope' is not a purpose");
    th_assert_err(gdpr_may_process(ts.eng, "cust-11", "billing", INT64_MIN, &allowed, &why),
                  GDPR_EINVAL, "at:");
    ck_assert_int_eq(allowed, 0);
    /* limits */
    th_assert_err(gdpr_subject_object(NULL, &th_dpo, "cust-11"), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_subject_object(ts.eng, NULL, "cust-11"), GDPR_EINVAL, "who");
    th_assert_err(gdpr_subject_object(ts.eng, &th_dpo, NULL), GDPR_EINVAL, "subject");
    th_assert_err(gdpr_subject_restrict(ts.eng, &th_dpo, long_text), GDPR_EINVAL, "subject");
    th_assert_err(gdpr_subject_unrestrict(ts.eng, &th_dpo, "\xff"), GDPR_EINVAL, "subject");
    th_assert_err(gdpr_subject_unobject(ts.eng, &th_dpo, ""), GDPR_EINVAL, "subject");
    th_assert_err(gdpr_subject_unobject(ts.eng, &th_dpo, "never-seen"), GDPR_ENOTFOUND,
                  "nothing to lift");
    th_assert_err(gdpr_subject_unrestrict(ts.eng, &th_dpo, "never-seen"), GDPR_ENOTFOUND,
                  "nothing to lift");
    th_assert_err(gdpr_subject_limits(NULL, "cust-11", &limits), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_subject_limits(ts.eng, "cust-11", NULL), GDPR_EINVAL, "limits_out");
    th_assert_err(gdpr_subject_limits(ts.eng, "", &limits), GDPR_EINVAL, "subject");
    /* disclosure */
    th_assert_err(
        gdpr_disclosure_check(NULL, "cust-11", "revenue", "billing", GDPR_NOW, &allowed, NULL),
        GDPR_EINVAL, "eng");
    th_assert_err(
        gdpr_disclosure_check(ts.eng, "cust-11", "revenue", "billing", GDPR_NOW, NULL, NULL),
        GDPR_EINVAL, "allowed_out");
    th_assert_err(
        gdpr_disclosure_check(ts.eng, "cust-11", NULL, "billing", GDPR_NOW, &allowed, NULL),
        GDPR_EINVAL, "recipient");
    th_assert_err(
        gdpr_disclosure_check(ts.eng, "cust-11", long_text, "billing", GDPR_NOW, &allowed, NULL),
        GDPR_EINVAL, "recipient: longer than");
    th_assert_err(
        gdpr_disclosure_check(ts.eng, "cust-11", "revenue", "\xff", GDPR_NOW, &allowed, NULL),
        GDPR_EINVAL, "purpose");
    th_assert_err(
        gdpr_disclosure_check(ts.eng, "cust-11", "revenue", "nope", GDPR_NOW, &allowed, NULL),
        GDPR_EINVAL, "'nope' is not a purpose");
    th_assert_err(
        gdpr_disclosure_check(ts.eng, "cust-11", "revenue", "billing", -7, &allowed, NULL),
        GDPR_EINVAL, "at: -7");
    th_assert_err(gdpr_disclosure_record(NULL, &th_agent, "cust-11", "revenue", "billing", NULL),
                  GDPR_EINVAL, "eng");
    th_assert_err(gdpr_disclosure_record(ts.eng, NULL, "cust-11", "revenue", "billing", NULL),
                  GDPR_EINVAL, "who");
    th_assert_err(gdpr_disclosure_record(ts.eng, &th_agent, "", "revenue", "billing", NULL),
                  GDPR_EINVAL, "subject");
    th_assert_err(gdpr_disclosure_record(ts.eng, &th_agent, "cust-11", "", "billing", NULL),
                  GDPR_EINVAL, "recipient");
    th_assert_err(gdpr_disclosure_record(ts.eng, &th_agent, "cust-11", "revenue", "nope", NULL),
                  GDPR_EINVAL, "'nope' is not a purpose");
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    ck_assert_str_eq(gdpr_why_name(0), "unknown");
    ck_assert_str_eq(gdpr_why_name(99), "unknown");
    ck_assert_str_eq(gdpr_why_name(GDPR_WHY_RESTRICTED), "restricted");
}
END_TEST

START_TEST(no_policy_is_a_state_error)
{
    th_store bare;
    gdpr_consent c = grant("cust-12", "marketing");
    int granted = 3;

    th_setup_bare(&bare);
    th_assert_err(gdpr_consent_record(bare.eng, &th_agent, &c, NULL), GDPR_ESTATE, "policy");
    th_assert_err(gdpr_consent_check(bare.eng, "cust-12", "marketing", GDPR_NOW, &granted),
                  GDPR_ESTATE, "policy");
    th_teardown(&bare);
}
END_TEST

/* --- forensics ---------------------------------------------------------- */

START_TEST(proof_never_in_raw_files)
{
    TH_SQLITE_ONLY("greps the SQLite files");
    static const char proof[] = "PROOF-voice-recording-Q7731-said-yes-to-offers";
    static const char person[] = "Zelda Quarrington-Sibling";
    static const char subject[] = "customer-ZQX-4711";
    gdpr_consent c = grant(subject, "marketing");
    history_seen h;

    c.proof = proof;
    record(&c);
    c.recipient = person;
    c.purpose = "service";
    c.notice = "privacy-v3";
    record(&c);
    th_ok(gdpr_disclosure_record(ts.eng, &th_agent, subject, person, "service", NULL));
    th_ok(gdpr_consent_withdraw(ts.eng, &th_agent, subject, "service", person, "phone", NULL));
    /* Reopen: every page has been written to the db or its WAL. */
    th_reopen(&ts);
    ck_assert(!th_store_files_contain(&ts, proof, strlen(proof)));
    ck_assert(!th_store_files_contain(&ts, "Q7731", 5));
    ck_assert(!th_store_files_contain(&ts, person, strlen(person)));
    ck_assert(!th_store_files_contain(&ts, "Quarrington", 11));
    ck_assert(!th_store_files_contain(&ts, subject, strlen(subject)));
    /* Yet they are all there for the one with the key. */
    memset(&h, 0, sizeof h);
    th_ok(gdpr_consent_history(ts.eng, &th_dpo, subject, collect, &h));
    ck_assert_int_eq(h.n, 3);
    ck_assert_str_eq(h.proofs[0], proof);
    ck_assert_str_eq(h.recipients[1], person);
    ck_assert_str_eq(h.recipients[2], person);
    /* And the check still works for a control: a known string is found. */
    ck_assert(th_store_files_contain(&ts, "marketing-v2", 12));
}
END_TEST

START_TEST(events_are_append_only)
{
    sqlite3 *db = NULL;
    gdpr_consent c = grant("cust-13", "marketing");
    char *err = NULL, pgerr[512];
    int rc;

    record(&c);
    th_ok(gdpr_disclosure_record(ts.eng, &th_agent, "cust-13", "revenue", "billing", NULL));
    gdpr_close(ts.eng);
    ts.eng = NULL;
    if (ts.on_pg) {
        /* PostgreSQL: the append_only() trigger, through a session of its own. */
        ck_assert_int_ne(th_pg_try(ts.db, "UPDATE gdpr.consent SET state = 1", pgerr, sizeof pgerr),
                         0);
        ck_assert_msg(strstr(pgerr, "append-only") != NULL, "%s", pgerr);
        ck_assert_int_ne(
            th_pg_try(ts.db, "UPDATE gdpr.disclosure SET ground = 'x'", pgerr, sizeof pgerr), 0);
        ck_assert_msg(strstr(pgerr, "append-only") != NULL, "%s", pgerr);
        th_ok(th_open(&ts, &ts.eng));
        return;
    }
    ck_assert_int_eq(sqlite3_open(ts.db, &db), SQLITE_OK);
    rc = sqlite3_exec(db, "UPDATE consent SET state=1", NULL, NULL, &err);
    ck_assert_int_ne(rc, SQLITE_OK);
    ck_assert_ptr_nonnull(strstr(err, "append-only"));
    sqlite3_free(err);
    rc = sqlite3_exec(db, "UPDATE disclosure SET ground='x'", NULL, NULL, &err);
    ck_assert_int_ne(rc, SQLITE_OK);
    ck_assert_ptr_nonnull(strstr(err, "append-only"));
    sqlite3_free(err);
    sqlite3_close(db);
    th_ok(th_open(&ts, &ts.eng));
}
END_TEST

/* --- lawful processing ---------------------------------------------------- */

START_TEST(objection_and_restriction)
{
    gdpr_consent c = grant("cust-14", "marketing");
    gdpr_why why;
    int allowed = -1;
    unsigned int limits = 7;

    record(&c);
    th_ok(gdpr_may_process(ts.eng, "cust-14", "recruitment", ts.now, &allowed, &why));
    ck_assert_int_eq(allowed, 1);
    ck_assert_int_eq(why.code, GDPR_WHY_BASIS);
    ck_assert_ptr_nonnull(strstr(why.text, "legitimate_interests"));

    th_ok(gdpr_subject_object(ts.eng, &th_dpo, "cust-14"));
    th_ok(gdpr_subject_limits(ts.eng, "cust-14", &limits));
    ck_assert_uint_eq(limits, GDPR_SUBJECT_OBJECTED | GDPR_SUBJECT_MARKETING_OBJECTED);
    th_ok(gdpr_may_process(ts.eng, "cust-14", "recruitment", ts.now, &allowed, &why));
    ck_assert_int_eq(allowed, 0);
    ck_assert_int_eq(why.code, GDPR_WHY_OBJECTED);
    /* An objection does not reach contract or legal obligation ... */
    th_ok(gdpr_may_process(ts.eng, "cust-14", "billing", ts.now, &allowed, &why));
    ck_assert_int_eq(allowed, 1);
    th_ok(gdpr_may_process(ts.eng, "cust-14", "service", ts.now, &allowed, &why));
    ck_assert_int_eq(allowed, 1);
    /* ... but it stops direct marketing even with consent (Art. 21(2)-(3)). */
    th_ok(gdpr_may_process(ts.eng, "cust-14", "marketing", ts.now, &allowed, &why));
    ck_assert_int_eq(allowed, 0);
    ck_assert_int_eq(why.code, GDPR_WHY_OBJECTED);

    th_ok(gdpr_subject_restrict(ts.eng, &th_dpo, "cust-14"));
    th_ok(gdpr_subject_limits(ts.eng, "cust-14", &limits));
    ck_assert_uint_eq(limits, GDPR_SUBJECT_OBJECTED | GDPR_SUBJECT_RESTRICTED |
                                  GDPR_SUBJECT_MARKETING_OBJECTED);
    th_ok(gdpr_may_process(ts.eng, "cust-14", "billing", ts.now, &allowed, &why));
    ck_assert_int_eq(allowed, 0);
    ck_assert_int_eq(why.code, GDPR_WHY_RESTRICTED);
    ck_assert_str_eq(gdpr_why_name(why.code), "restricted");
    /* Art. 18(2): with consent it may still be processed (a purpose the
     * objection does not reach). */
    th_ok(gdpr_consent_record(ts.eng, &th_dpo,
                              &(gdpr_consent){.version = GDPR_CONSENT_VERSION,
                                              .subject = "cust-14",
                                              .purpose = "accessibility",
                                              .notice = "privacy-v3",
                                              .channel = "web",
                                              .state = GDPR_CONSENT_GRANTED,
                                              .flags = GDPR_CONSENT_EXPLICIT},
                              NULL));
    th_ok(gdpr_may_process(ts.eng, "cust-14", "accessibility", ts.now, &allowed, &why));
    ck_assert_int_eq(allowed, 1);

    th_ok(gdpr_subject_unrestrict(ts.eng, &th_dpo, "cust-14"));
    th_ok(gdpr_subject_unobject(ts.eng, &th_dpo, "cust-14"));
    th_ok(gdpr_subject_limits(ts.eng, "cust-14", &limits));
    /* Lifting the general objection leaves the one to direct marketing. */
    ck_assert_uint_eq(limits, GDPR_SUBJECT_MARKETING_OBJECTED);
    th_ok(gdpr_may_process(ts.eng, "cust-14", "recruitment", ts.now, &allowed, &why));
    ck_assert_int_eq(allowed, 1);

    /* Objection of a subject not yet known creates it; agents may not. */
    th_ok(gdpr_subject_object(ts.eng, &th_dpo, "cust-15"));
    th_ok(gdpr_may_process(ts.eng, "cust-15", "recruitment", ts.now, &allowed, &why));
    ck_assert_int_eq(allowed, 0);
    th_assert_err(gdpr_subject_restrict(ts.eng, &th_agent, "cust-15"), GDPR_EDENIED,
                  "subject.restrict");
    th_ok(gdpr_subject_limits(ts.eng, "cust-15", &limits));
    ck_assert_uint_eq(limits, GDPR_SUBJECT_OBJECTED | GDPR_SUBJECT_MARKETING_OBJECTED);
    th_ok(gdpr_audit_verify(ts.eng, NULL));
}
END_TEST

/* --- disclosures --------------------------------------------------------- */

typedef struct {
    int n;
    char ground[4][32];
    char recipient[4][80];
    int64_t consent_event[4];
    char opened[4][80];
} disclosures_seen;

static int
collect_disclosure(const store_disclosure_row *row, void *ctx)
{
    disclosures_seen *d = ctx;
    int i = d->n++;

    ck_assert_int_lt(i, 4);
    snprintf(d->ground[i], sizeof d->ground[0], "%s", row->ground);
    snprintf(d->recipient[i], sizeof d->recipient[0], "%s", row->recipient);
    d->consent_event[i] = row->consent_event;
    d->opened[i][0] = '\0';
    if (row->recipient_sealed) {
        uint8_t out[80];
        size_t len = row->recipient_sealed_len - CRYPTO_SEAL_OVERHEAD;
        ck_assert_uint_lt(len, sizeof out);
        th_ok(gdpr_engine__open_field(ts.eng, row->subject, "disclosure", row->id, "recipient",
                                      row->recipient_sealed, row->recipient_sealed_len, out));
        memcpy(d->opened[i], out, len);
        d->opened[i][len] = '\0';
    }
    return 0;
}

START_TEST(disclosures_need_consent_or_legal_ground)
{
    gdpr_consent c = grant("cust-16", "marketing");
    uint8_t hash[CRYPTO_HASH_BYTES];
    disclosures_seen d;
    gdpr_why why;
    int allowed = -1;
    int64_t id = 0, ev;
    int64_t audit_before = 0, audit_after = 0;
    unsigned char head[GDPR_AUDIT_HEAD_BYTES];

    /* A legal ground in the policy: the tax authority. */
    th_ok(gdpr_disclosure_check(ts.eng, "cust-16", "revenue", "billing", ts.now, &allowed, &why));
    ck_assert_int_eq(allowed, 1);
    ck_assert_int_eq(why.code, GDPR_WHY_LEGAL_GROUND);
    ck_assert_ptr_nonnull(strstr(why.text, "legal_obligation"));
    /* No consent naming the mailer: refused, audited, nothing logged. */
    record(&c);
    th_ok(
        gdpr_disclosure_check(ts.eng, "cust-16", "mailer-eu", "marketing", ts.now, &allowed, &why));
    ck_assert_int_eq(allowed, 0);
    ck_assert_int_eq(why.code, GDPR_WHY_NO_CONSENT);
    th_ok(gdpr_audit_head(ts.eng, &audit_before, head));
    th_assert_err(
        gdpr_disclosure_record(ts.eng, &th_agent, "cust-16", "mailer-eu", "marketing", &id),
        GDPR_EDENIED, "no ground to disclose");
    ck_assert_int_eq(id, 0);
    th_ok(gdpr_audit_head(ts.eng, &audit_after, head));
    ck_assert_int_eq(audit_after, audit_before + 1);
    /* The role check comes too: system lacks disclosure.record. */
    th_assert_err(gdpr_disclosure_record(ts.eng, &th_system, "cust-16", "revenue", "billing", &id),
                  GDPR_EDENIED, "disclosure.record");

    /* Consent naming the mailer makes it allowed. */
    c.recipient = "mailer-eu";
    ev = record(&c);
    th_ok(
        gdpr_disclosure_check(ts.eng, "cust-16", "mailer-eu", "marketing", ts.now, &allowed, &why));
    ck_assert_int_eq(allowed, 1);
    ck_assert_int_eq(why.code, GDPR_WHY_CONSENT);
    ck_assert_int_eq(why.event, ev);
    th_ok(gdpr_disclosure_record(ts.eng, &th_agent, "cust-16", "mailer-eu", "marketing", &id));
    ck_assert_int_gt(id, 0);
    th_ok(gdpr_disclosure_record(ts.eng, &th_agent, "cust-16", "revenue", "billing", &id));
    /* A relative, named in a consent, for the contract purpose. */
    c.purpose = "service";
    c.notice = "privacy-v3";
    c.recipient = "Bert Brother";
    record(&c);
    th_ok(gdpr_disclosure_check(ts.eng, "cust-16", "Bert Brother", "service", ts.now, &allowed,
                                &why));
    ck_assert_int_eq(allowed, 1);
    th_ok(gdpr_disclosure_check(ts.eng, "cust-16", "bert brother", "service", ts.now, &allowed,
                                &why));
    ck_assert_int_eq(allowed, 0);
    th_ok(gdpr_disclosure_record(ts.eng, &th_agent, "cust-16", "Bert Brother", "service", &id));
    /* After withdrawal the relative is refused again. */
    th_ok(gdpr_consent_withdraw(ts.eng, &th_agent, "cust-16", "service", "Bert Brother", "phone",
                                NULL));
    th_ok(gdpr_disclosure_check(ts.eng, "cust-16", "Bert Brother", "service", ts.now, &allowed,
                                &why));
    ck_assert_int_eq(allowed, 0);
    ck_assert_int_eq(why.code, GDPR_WHY_WITHDRAWN);

    /* The log, as the export reads it. */
    memset(&d, 0, sizeof d);
    th_ok(gdpr_engine__subject_hash(ts.eng, "cust-16", hash));
    th_ok(gdpr_store__disclosure_foreach(ts.eng->st, hash, collect_disclosure, &d));
    ck_assert_int_eq(d.n, 3);
    ck_assert_str_eq(d.recipient[0], "mailer-eu");
    ck_assert_str_eq(d.ground[0], "consent");
    ck_assert_int_eq(d.consent_event[0], ev);
    ck_assert_str_eq(d.recipient[1], "revenue");
    ck_assert_str_eq(d.ground[1], "legal_obligation");
    ck_assert_int_eq(d.consent_event[1], 0);
    ck_assert_int_eq(strncmp(d.recipient[2], "person:", 7), 0);
    ck_assert_str_eq(d.opened[2], "Bert Brother");
}
END_TEST

/* --- the seam other capabilities use -------------------------------------- */

typedef struct {
    int n;
    int64_t ids[4];
    char proof[4][64];
} rows_seen;

static int
collect_rows(const store_consent_row *row, void *ctx)
{
    rows_seen *r = ctx;
    int i = r->n++;

    ck_assert_int_lt(i, 4);
    r->ids[i] = row->id;
    r->proof[i][0] = '\0';
    if (row->proof) {
        uint8_t out[64];
        size_t len = row->proof_len - CRYPTO_SEAL_OVERHEAD;
        ck_assert_uint_lt(len, sizeof out);
        th_ok(gdpr_engine__open_field(ts.eng, row->subject, "consent", row->id, "proof", row->proof,
                                      row->proof_len, out));
        memcpy(r->proof[i], out, len);
        r->proof[i][len] = '\0';
    }
    return 0;
}

START_TEST(store_seam_for_export_and_transfers)
{
    gdpr_consent c = grant("cust-17", "marketing");
    uint8_t hash[CRYPTO_HASH_BYTES];
    rows_seen r;
    int found = -1;
    int64_t e1, e2;

    c.proof = "signed form F-1";
    e1 = record(&c);
    c.recipient = "support-in";
    c.proof = NULL;
    e2 = record(&c);
    th_ok(gdpr_engine__subject_hash(ts.eng, "cust-17", hash));
    memset(&r, 0, sizeof r);
    th_ok(gdpr_store__consent_foreach(ts.eng->st, hash, collect_rows, &r));
    ck_assert_int_eq(r.n, 2);
    ck_assert_int_eq(r.ids[0], e1);
    ck_assert_int_eq(r.ids[1], e2);
    ck_assert_str_eq(r.proof[0], "signed form F-1");
    ck_assert_str_eq(r.proof[1], "");

    /* Art. 49(1)(a): only explicit consent naming the recipient counts. */
    th_ok(gdpr_store__consent_explicit_recipient(ts.eng->st, hash, "support-in", ts.now, &found));
    ck_assert_int_eq(found, 0);
    c.flags = GDPR_CONSENT_EXPLICIT;
    c.expires = ts.now + 100;
    record(&c);
    th_ok(gdpr_store__consent_explicit_recipient(ts.eng->st, hash, "support-in", ts.now, &found));
    ck_assert_int_eq(found, 1);
    th_ok(gdpr_store__consent_explicit_recipient(ts.eng->st, hash, "cloudco-us", ts.now, &found));
    ck_assert_int_eq(found, 0);
    th_ok(gdpr_store__consent_explicit_recipient(ts.eng->st, hash, "support-in", ts.now + 100,
                                                 &found));
    ck_assert_int_eq(found, 0);
    th_ok(
        gdpr_store__consent_explicit_recipient(ts.eng->st, hash, "support-in", ts.now - 1, &found));
    ck_assert_int_eq(found, 0);
    ts.now += 5;
    th_ok(gdpr_consent_withdraw(ts.eng, &th_agent, "cust-17", "marketing", "support-in", "web",
                                NULL));
    th_ok(gdpr_store__consent_explicit_recipient(ts.eng->st, hash, "support-in", ts.now, &found));
    ck_assert_int_eq(found, 0);
    /* Before the withdrawal it held: the history answers. */
    th_ok(
        gdpr_store__consent_explicit_recipient(ts.eng->st, hash, "support-in", ts.now - 3, &found));
    ck_assert_int_eq(found, 1);
}
END_TEST

START_TEST(batch_failure_undoes_only_itself)
{
    gdpr_consent c = grant("cust-18", "marketing");
    gdpr_consent bad = grant("cust-18", "service");
    int rc;

    th_ok(gdpr_begin(ts.eng));
    record(&c);
    th_assert_err(gdpr_consent_record(ts.eng, &th_agent, &bad, NULL), GDPR_EINVAL, "contract");
    c.subject = "cust-19";
    record(&c);
    rc = gdpr_commit(ts.eng);
    ck_assert_int_eq(rc, GDPR_OK);
    ck_assert_int_eq(check("cust-18", "marketing", ts.now), 1);
    ck_assert_int_eq(check("cust-19", "marketing", ts.now), 1);
    th_ok(gdpr_begin(ts.eng));
    c.subject = "cust-20";
    record(&c);
    th_ok(gdpr_rollback(ts.eng));
    ck_assert_int_eq(check("cust-20", "marketing", ts.now), 0);
    th_ok(gdpr_audit_verify(ts.eng, NULL));
}
END_TEST

START_TEST(receipt_ids_never_reused_after_erasure)
{
    gdpr_consent c = grant("cust-21", "marketing");
    uint8_t hash[CRYPTO_HASH_BYTES];
    int64_t e1, e2, deleted = 0;

    e1 = record(&c);
    th_ok(gdpr_engine__subject_hash(ts.eng, "cust-21", hash));
    th_ok(gdpr_store__begin(ts.eng->st));
    th_ok(gdpr_store__consent_delete_subject(ts.eng->st, hash, &deleted));
    th_ok(gdpr_store__commit(ts.eng->st));
    ck_assert_int_eq(deleted, 2); /* event and state */
    ck_assert_int_eq(check("cust-21", "marketing", ts.now), 0);
    e2 = record(&c);
    ck_assert_int_gt(e2, e1);
}
END_TEST

/* Every *_name function: "unknown" (never NULL) for a value out of range. */
START_TEST(why_name_unknown)
{
    ck_assert_str_eq(gdpr_why_name(-1), "unknown");
    ck_assert_str_eq(gdpr_why_name(0), "unknown");
    ck_assert_str_eq(gdpr_why_name(GDPR_WHY_NO_ART9_CONDITION), "no_art9_condition");
    ck_assert_str_eq(gdpr_why_name(GDPR_WHY_ART22_4), "automated_special_category");
    ck_assert_str_eq(gdpr_why_name(GDPR_WHY_GPC), "gpc");
    ck_assert_str_eq(gdpr_why_name(GDPR_WHY_GPC + 1), "unknown");
    ck_assert_str_eq(gdpr_why_name(INT_MAX), "unknown");
}
END_TEST

static Suite *
consent_suite(void)
{
    Suite *s = suite_create("consent");
    TCase *tc = tcase_create("ledger");
    TCase *rules = tcase_create("rules");
    TCase *bad = tcase_create("bad-input");
    TCase *proc = tcase_create("processing");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_checked_fixture(rules, setup, teardown);
    tcase_add_checked_fixture(bad, setup, teardown);
    tcase_add_checked_fixture(proc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, grant_then_check_true);
    tcase_add_test(tc, withdraw_flips_check);
    tcase_add_test(tc, withdraw_of_nothing_changes_nothing);
    tcase_add_test(tc, expiry_at_the_exact_second);
    tcase_add_test(tc, refused_is_not_granted);
    tcase_add_test(tc, unknown_subject_is_not_granted_and_not_created);
    tcase_add_test(tc, history_in_order_with_proofs);
    tcase_add_test(tc, receipt_is_valid_json_with_the_fields);
    tcase_add_test(tc, proof_never_in_raw_files);
    tcase_add_test(tc, events_are_append_only);
    tcase_add_test(tc, batch_failure_undoes_only_itself);
    tcase_add_test(tc, receipt_ids_never_reused_after_erasure);
    tcase_add_test(tc, store_seam_for_export_and_transfers);
    tcase_add_test(rules, special_category_needs_explicit_consent);
    tcase_add_test(rules, consent_only_for_consent_based_purposes);
    tcase_add_test(rules, denied_role_is_audited_and_records_nothing);
    tcase_add_test(bad, record_bad_input_changes_nothing);
    tcase_add_test(bad, other_calls_bad_input_change_nothing);
    tcase_add_test(bad, no_policy_is_a_state_error);
    tcase_add_test(proc, objection_and_restriction);
    tcase_add_test(proc, disclosures_need_consent_or_legal_ground);
    suite_add_tcase(s, tc);
    suite_add_tcase(s, rules);
    suite_add_tcase(s, bad);
    suite_add_tcase(s, proc);
    {
        TCase *names = tcase_create("names");

        tcase_add_test(names, why_name_unknown);
        suite_add_tcase(s, names);
    }
    return s;
}

int
main(void)
{
    return th_run(consent_suite());
}
