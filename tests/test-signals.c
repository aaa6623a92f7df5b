/*
 * Signed consent receipts (ISO/IEC TS 27560 fields, Ed25519 over the
 * canonical form, key rotation with gdpr_rekey) and the policy sections of
 * issue 16 (signals, receipts, notices[].language).
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "helpers.h"
#include "json.h"
#include "jsonw.h"

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

static gdpr_consent
grant(const char *subject, const char *purpose, const char *notice)
{
    gdpr_consent c = GDPR_CONSENT_INIT;

    c.subject = subject;
    c.purpose = purpose;
    c.notice = notice;
    c.channel = "web";
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

/* json_extract(json, path) as text, through SQLite. */
static void
jget(const char *json, const char *path, char *out, size_t cap)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    const unsigned char *t;

    ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT json_extract(?1, ?2)", -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(s, 1, json, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, path, -1, SQLITE_STATIC);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    t = sqlite3_column_text(s, 0);
    snprintf(out, cap, "%s", t ? (const char *)t : "(null)");
    sqlite3_finalize(s);
    sqlite3_close(db);
}

#define ck_json(json, path, want)                                                                  \
    do {                                                                                           \
        char got_[1024];                                                                           \
        jget(json, path, got_, sizeof got_);                                                       \
        ck_assert_msg(strcmp(got_, want) == 0, "%s: got '%s', want '%s'", path, got_, want);       \
    } while (0)

static int
verify(const char *json)
{
    int valid = -1;

    th_ok(gdpr_receipt_verify(ts.eng, json, &valid));
    ck_assert(valid == 0 || valid == 1);
    return valid;
}

/* Replace the first `from` in `json` by `to` (same length or not). */
static char *
replace(const char *json, const char *from, const char *to)
{
    const char *at = strstr(json, from);
    size_t n = strlen(json) - strlen(from) + strlen(to) + 1;
    char *out = malloc(n);

    ck_assert_ptr_nonnull(at);
    ck_assert_ptr_nonnull(out);
    snprintf(out, n, "%.*s%s%s", (int)(at - json), json, to, at + strlen(from));
    return out;
}

START_TEST(receipt_has_every_27560_field)
{
    gdpr_consent c = grant("sig-1", "marketing", "marketing-v2");
    char *json = NULL, buf[1024];
    int64_t ev;

    c.expires = ts.now + 86400;
    ev = record(&c);
    th_ok(gdpr_consent_receipt(ts.eng, ev, &json));
    jget(json, "$.schemaVersion", buf, sizeof buf);
    ck_assert_ptr_nonnull(strstr(buf, "27560:2023"));
    snprintf(buf, sizeof buf, "consent-event:%lld", (long long)ev);
    ck_json(json, "$.recordId", buf);
    jget(json, "$.receiptId", buf, sizeof buf);
    ck_assert_int_eq((int)strlen(buf), 36);
    ck_json(json, "$.language", "en");
    ck_json(json, "$.notice.language", "en");
    ck_json(json, "$.piiTypes", "[\"contact\"]");
    ck_json(json, "$.piiControllers[0].address", "1 Harbour Road, Dublin 2, D02 XY00, Ireland");
    ck_json(json, "$.piiControllers[0].contact",
            "privacy@example.com, 1 Harbour Road, Dublin 2, Ireland");
    ck_json(json, "$.storageLocations", "[\"IE\"]");
    ck_json(json, "$.retentionPeriod[0].ruleId", "R-2");
    ck_json(json, "$.retentionPeriod[0].period", "P2Y");
    ck_json(json, "$.retentionPeriod[0].anchor", "last_activity");
    ck_json(json, "$.jurisdiction", "IE");
    ck_json(json, "$.recipients[0].id", "mailer-eu");
    ck_json(json, "$.recipients[4].name", "Office of the Revenue Commissioners");
    ck_json(json, "$.withdrawalMethod.channel", "web");
    ck_json(json, "$.withdrawalMethod.contact", "https://example.com/privacy/rights");
    ck_json(json, "$.event.type", "ConsentGiven");
    ck_json(json, "$.event.time", "2026-01-01T00:00:00Z");
    ck_json(json, "$.event.state", "given");
    ck_json(json, "$.validity.from", "2026-01-01T00:00:00Z");
    ck_json(json, "$.validity.until", "2026-01-02T00:00:00Z");
    ck_json(json, "$.proof.type", "Ed25519Signature");
    jget(json, "$.proof.keyId", buf, sizeof buf);
    ck_assert_int_eq(strncmp(buf, "rk", 2), 0);
    jget(json, "$.proof.signature", buf, sizeof buf);
    ck_assert_int_eq((int)strlen(buf), 88);
    ck_assert_int_eq(verify(json), 1);
    gdpr_free(json);

    /* A withdrawal's receipt: its own event type, no validity period. */
    th_ok(gdpr_consent_withdraw(ts.eng, &th_agent, "sig-1", "marketing", NULL, "phone", &ev));
    th_ok(gdpr_consent_receipt(ts.eng, ev, &json));
    ck_json(json, "$.event.type", "ConsentWithdrawn");
    ck_json(json, "$.event.state", "withdrawn");
    ck_json(json, "$.validity.until", "(null)");
    ck_json(json, "$.withdrawalMethod.channel", "phone");
    ck_assert_int_eq(verify(json), 1);
    gdpr_free(json);

    /* The language comes from the notice. */
    c = grant("sig-1", "marketing", "transfer-risks-v1");
    ev = record(&c);
    th_ok(gdpr_consent_receipt(ts.eng, ev, &json));
    ck_json(json, "$.language", "en-IE");
    ck_json(json, "$.notice.language", "en-IE");
    gdpr_free(json);
}
END_TEST

START_TEST(tampered_receipt_fails_verification)
{
    gdpr_consent c = grant("sig-2", "marketing", "marketing-v2");
    char *json = NULL, *bad;
    int64_t ev = record(&c);

    th_ok(gdpr_consent_receipt(ts.eng, ev, &json));
    ck_assert_int_eq(verify(json), 1);
    /* One value changed: fails, and says why. */
    bad = replace(json, "\"consentStatus\":\"given\"", "\"consentStatus\":\"refused\"");
    ck_assert_int_eq(verify(bad), 0);
    ck_assert_ptr_nonnull(strstr(gdpr_errmsg(), "does not match"));
    free(bad);
    bad = replace(json, "\"jurisdiction\":\"IE\"", "\"jurisdiction\":\"IS\"");
    ck_assert_int_eq(verify(bad), 0);
    free(bad);
    /* A member added: fails. */
    bad = replace(json, "\"eventId\":", "\"extra\":1,\"eventId\":");
    ck_assert_int_eq(verify(bad), 0);
    free(bad);
    /* A member named twice: no canonical form, not valid. */
    bad = replace(json, "\"eventId\":", "\"eventId\":0,\"eventId\":");
    ck_assert_int_eq(verify(bad), 0);
    free(bad);
    /* The signature changed, the key id unknown, the proof gone. */
    bad = replace(json, "\"signature\":\"", "\"signature\":\"AAAA");
    ck_assert_int_eq(verify(bad), 0);
    free(bad);
    bad = replace(json, "\"keyId\":\"rk", "\"keyId\":\"rk9");
    ck_assert_int_eq(verify(bad), 0);
    ck_assert_ptr_nonnull(strstr(gdpr_errmsg(), "keyId"));
    free(bad);
    bad = replace(json, ",\"proof\":{", ",\"proof_\":{");
    ck_assert_int_eq(verify(bad), 0);
    ck_assert_ptr_nonnull(strstr(gdpr_errmsg(), "not signed"));
    free(bad);
    /* Whitespace and member order do not matter: the canonical form does. */
    bad = replace(json, "{\"version\":\"KI-CR-v1.1.0\",",
                  "{\n  \"collectionMethod\" : \"web\",\n  \"version\":\"KI-CR-v1.1.0\",");
    {
        char *dup = replace(bad, ",\"collectionMethod\":\"web\"", "");
        ck_assert_int_eq(verify(dup), 1);
        free(dup);
    }
    free(bad);
    gdpr_free(json);
}
END_TEST

/* The signature checks out with OpenSSL alone, from the published PEM
 * key and the documented canonical form. */
START_TEST(signature_verifies_with_the_published_key)
{
    gdpr_consent c = grant("sig-3", "marketing", "marketing-v2");
    char *json = NULL, *keys = NULL, *canon = NULL, pem[512], sig_b64[128];
    unsigned char sig[80];
    json_node *doc = NULL, *kd = NULL;
    size_t canon_len = 0;
    jsonw w;
    BIO *bio;
    EVP_PKEY *pk;
    EVP_MD_CTX *md;
    int64_t ev = record(&c);

    th_ok(gdpr_consent_receipt(ts.eng, ev, &json));
    th_ok(gdpr_receipt_public_key(ts.eng, &keys));
    th_ok(gdpr_store__json_parse(ts.eng->st, keys, &kd));
    ck_assert_str_eq(gdpr_json__member(kd, "alg")->text, "Ed25519");
    {
        const json_node *k = gdpr_json__member(kd, "keys")->first;
        ck_assert_ptr_nonnull(k);
        ck_assert_ptr_null(k->next);
        ck_assert(gdpr_json__member(k, "current")->type == JSON_TRUE);
        snprintf(pem, sizeof pem, "%s", gdpr_json__member(k, "pem")->text);
        jget(json, "$.proof.keyId", sig_b64, sizeof sig_b64);
        ck_assert_str_eq(gdpr_json__member(k, "keyId")->text, sig_b64);
    }
    th_ok(gdpr_store__json_parse(ts.eng->st, json, &doc));
    gdpr_jsonw__init(&w);
    ck_assert_int_eq(gdpr_jsonw__canonical(&w, doc, "proof"), 0);
    th_ok(gdpr_jsonw__finish(&w, &canon, &canon_len));
    ck_assert_ptr_null(strstr(canon, "proof"));
    ck_assert_ptr_null(strchr(canon, '\n'));
    ck_assert_int_eq(strncmp(canon, "{\"collectionMethod\":", 20), 0); /* sorted */
    jget(json, "$.proof.signature", sig_b64, sizeof sig_b64);
    ck_assert_int_eq(EVP_DecodeBlock(sig, (const unsigned char *)sig_b64, 88), 66);
    bio = BIO_new_mem_buf(pem, -1);
    pk = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    ck_assert_ptr_nonnull(pk);
    md = EVP_MD_CTX_new();
    ck_assert_int_eq(EVP_DigestVerifyInit(md, NULL, NULL, NULL, pk), 1);
    ck_assert_int_eq(EVP_DigestVerify(md, sig, 64, (const unsigned char *)canon, canon_len), 1);
    canon[canon_len - 2] ^= 1;
    ck_assert_int_eq(EVP_DigestVerifyInit(md, NULL, NULL, NULL, pk), 1);
    ck_assert_int_ne(EVP_DigestVerify(md, sig, 64, (const unsigned char *)canon, canon_len), 1);
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pk);
    BIO_free(bio);
    free(canon);
    gdpr_json__free(doc);
    gdpr_json__free(kd);
    gdpr_free(keys);
    gdpr_free(json);
}
END_TEST

START_TEST(receipt_signed_before_rekey_verifies_after)
{
    static const unsigned char new_key[32] = {9, 8, 7, 6, 5, 4, 3, 2, 1};
    gdpr_consent c = grant("sig-4", "marketing", "marketing-v2");
    char *before = NULL, *after = NULL, *again = NULL, *keys = NULL;
    char id_before[64], id_after[64];
    int64_t ev = record(&c);

    th_ok(gdpr_consent_receipt(ts.eng, ev, &before));
    /* Deterministic: the same receipt twice is the same text. */
    th_ok(gdpr_consent_receipt(ts.eng, ev, &again));
    ck_assert_str_eq(before, again);
    gdpr_free(again);
    th_ok(gdpr_rekey(ts.eng, &th_dpo, new_key, sizeof new_key, NULL));
    ck_assert_int_eq(verify(before), 1);
    th_ok(gdpr_consent_receipt(ts.eng, ev, &after));
    jget(before, "$.proof.keyId", id_before, sizeof id_before);
    jget(after, "$.proof.keyId", id_after, sizeof id_after);
    ck_assert_str_ne(id_before, id_after);
    ck_assert_int_eq(verify(after), 1);
    th_ok(gdpr_receipt_public_key(ts.eng, &keys));
    ck_assert_ptr_nonnull(strstr(keys, id_before));
    ck_assert_ptr_nonnull(strstr(keys, id_after));
    gdpr_free(keys);
    /* Another engine on the store, opened with the new key, agrees. */
    gdpr_close(ts.eng);
    ts.eng = NULL;
    {
        gdpr_options o = GDPR_OPTIONS_INIT;
        o.path = ts.db;
        o.keystore_path = th_on_postgres() ? NULL : ts.keys; /* PostgreSQL: one database */
        o.key = new_key;
        o.key_len = sizeof new_key;
        o.clock = th_clock;
        o.clock_ctx = &ts.now;
        th_ok(gdpr_open(&ts.eng, &o));
    }
    ck_assert_int_eq(verify(before), 1);
    ck_assert_int_eq(verify(after), 1);
    gdpr_free(before);
    gdpr_free(after);
}
END_TEST

/* Another store's receipt does not verify here. */
START_TEST(receipt_of_another_store_is_not_valid)
{
    gdpr_consent c = grant("sig-5", "marketing", "marketing-v2");
    th_store other;
    char *json = NULL;
    int valid = -1;
    int64_t ev;

    memset(&other, 0, sizeof other);
    th_setup(&other);
    th_ok(gdpr_consent_record(other.eng, &th_agent, &c, &ev));
    th_ok(gdpr_consent_receipt(other.eng, ev, &json));
    th_ok(gdpr_receipt_verify(other.eng, json, &valid));
    ck_assert_int_eq(valid, 1);
    th_teardown(&other);
    /* Both stores were opened with th_key, but their roots differ. */
    ck_assert_int_eq(verify(json), 0);
    gdpr_free(json);
}
END_TEST

START_TEST(receipt_calls_bad_input)
{
    char before[65], after[65], big[4096];
    char *out = (char *)1;
    int valid = 7;

    th_fingerprint(&ts, before);
    th_assert_err(gdpr_receipt_public_key(NULL, &out), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_receipt_public_key(ts.eng, NULL), GDPR_EINVAL, "json_out");
    th_assert_err(gdpr_receipt_verify(ts.eng, NULL, &valid), GDPR_EINVAL, "receipt_json");
    th_assert_err(gdpr_receipt_verify(ts.eng, "", &valid), GDPR_EINVAL, "empty");
    ck_assert_int_eq(valid, 0);
    th_assert_err(gdpr_receipt_verify(ts.eng, "{}", NULL), GDPR_EINVAL, "valid_out");
    th_assert_err(gdpr_receipt_verify(NULL, "{}", &valid), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_receipt_verify(ts.eng, "{\"a\":\"\xff\"}", &valid), GDPR_EINVAL, "UTF-8");
    th_assert_err(gdpr_receipt_verify(ts.eng, "[1,2]", &valid), GDPR_EINVAL, "object");
    th_assert_err(gdpr_receipt_verify(ts.eng, "{\"a\":", &valid), GDPR_EINVAL, "receipt_json");
    {
        size_t n = (1u << 20) + 2;
        char *huge = malloc(n);
        ck_assert_ptr_nonnull(huge);
        memset(huge, ' ', n - 1);
        huge[n - 1] = '\0';
        th_assert_err(gdpr_receipt_verify(ts.eng, huge, &valid), GDPR_EINVAL, "longer");
        free(huge);
    }
    /* Well-formed but unsigned: not valid, and not an error. */
    th_ok(gdpr_receipt_verify(ts.eng, "{\"version\":\"KI-CR-v1.1.0\"}", &valid));
    ck_assert_int_eq(valid, 0);
    snprintf(big, sizeof big,
             "{\"proof\":{\"type\":\"Ed25519Signature\",\"keyId\":\"rk0-x\","
             "\"signature\":\"not base64!\"}}");
    th_ok(gdpr_receipt_verify(ts.eng, big, &valid));
    ck_assert_int_eq(valid, 0);
    ck_assert_ptr_nonnull(strstr(gdpr_errmsg(), "signature"));
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
}
END_TEST

/* --- policy sections ---------------------------------------------------- */

/* The example policy with `from` replaced by `to`, loaded: the return code. */
static int
load_variant(const char *from, const char *to)
{
    size_t len;
    char *doc = th_read_file(th_example_policy_path(), &len);
    char *v;
    int rc;

    ck_assert_ptr_nonnull(strstr(doc, from));
    v = replace(doc, from, to);
    rc = gdpr_policy_load_string(ts.eng, &th_dpo, v);
    free(v);
    free(doc);
    return rc;
}

START_TEST(policy_sections_validated_whole)
{
    char before[65], after[65];

    th_fingerprint(&ts, before);
    th_assert_err(load_variant("\"language\": \"en\"", "\"language\": \"english!\""), GDPR_EINVAL,
                  "BCP 47");
    th_assert_err(load_variant("\"language\": \"en\"", "\"language\": \"e\""), GDPR_EINVAL,
                  "notices[0].language");
    th_assert_err(load_variant("\"language\": \"en\"", "\"language\": \"en--GB\""), GDPR_EINVAL,
                  "BCP 47");
    th_assert_err(load_variant("\"language\": \"en\"", "\"language\": 7"), GDPR_EINVAL, "language");
    th_assert_err(load_variant("\"kind\": \"targeted_advertising\"", "\"kind\": \"ads\""),
                  GDPR_EINVAL, "signals.gpc[0].kind");
    th_assert_err(load_variant("{ \"purpose\": \"personalised-ads\", \"kind\"",
                               "{ \"purpose\": \"nope\", \"kind\""),
                  GDPR_EINVAL, "not a purpose");
    th_assert_err(load_variant("{ \"tcf\": 3,", "{ \"tcf\": 25,"), GDPR_EINVAL, "1..24");
    th_assert_err(load_variant("{ \"tcf\": 3, \"purpose\": \"personalised-ads\" }",
                               "{ \"tcf\": 3, \"purpose\": \"billing\" }"),
                  GDPR_EINVAL, "not consent");
    th_assert_err(load_variant("{ \"tcf\": 3, \"purpose\": \"personalised-ads\" }",
                               "{ \"tcf\": 4, \"purpose\": \"personalised-ads\" }"),
                  GDPR_EINVAL, "twice");
    th_assert_err(load_variant("\"notice\": \"privacy-v3\",", "\"notice\": \"gone\","), GDPR_EINVAL,
                  "signals.notice");
    th_assert_err(load_variant("\"notice\": \"privacy-v3\",", "\"notize\": \"privacy-v3\","),
                  GDPR_EINVAL, "unknown field");
    th_assert_err(load_variant("\"storage_locations\": [\"IE\"]", "\"storage_locations\": []"),
                  GDPR_EINVAL, "storage_locations");
    th_assert_err(load_variant("\"controller_address\": \"1 Harbour Road, Dublin 2, D02 XY00, "
                               "Ireland\"",
                               "\"controller_address\": 5"),
                  GDPR_EINVAL, "receipts.controller_address");
    th_assert_err(load_variant("\"storage_locations\": [\"IE\"]",
                               "\"storage_locations\": [\"IE\"], \"x\": 1"),
                  GDPR_EINVAL, "receipts.x: unknown field");
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
    /* Good variants load. */
    th_ok(load_variant("\"language\": \"en\"", "\"language\": \"zh-Hant-HK\""));
    th_ok(load_variant("\"language\": \"en\"", "\"language\": \"de-CH-1996\""));
}
END_TEST

/* --- signals ------------------------------------------------------------- */

typedef struct {
    char bits[1024];
    size_t n;
} bitbuf;

static void
put(bitbuf *b, uint64_t v, unsigned width)
{
    for (unsigned i = 0; i < width; i++)
        b->bits[b->n++] = (char)('0' + ((v >> (width - 1 - i)) & 1));
}

/* A TC string (core segment only) with the given PurposesConsent bits
 * (bit i-1: purpose i) and no vendors. */
static char *
tc_string(uint32_t purposes)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    bitbuf b = {.n = 0};
    uint32_t msb = 0;
    char *out;

    for (int i = 0; i < 24; i++)
        if (purposes & (1u << i))
            msb |= 1u << (23 - i);
    put(&b, 2, 6);
    put(&b, 17672256000ull, 36); /* 2026-01-01 in deciseconds */
    put(&b, 17672256000ull, 36);
    put(&b, 300, 12);
    put(&b, 2, 12);
    put(&b, 1, 6);
    put(&b, 4, 6);  /* E */
    put(&b, 13, 6); /* N */
    put(&b, 150, 12);
    put(&b, 4, 6);
    put(&b, 1, 1);
    put(&b, 0, 1);
    put(&b, 0, 12);
    put(&b, msb, 24);
    put(&b, 0, 24);
    put(&b, 0, 1);
    put(&b, 8, 6); /* I */
    put(&b, 4, 6); /* E */
    put(&b, 0, 16 + 1 + 16 + 1 + 12);
    out = calloc((b.n + 5) / 6 + 1, 1);
    ck_assert_ptr_nonnull(out);
    for (size_t c = 0; c < (b.n + 5) / 6; c++) {
        unsigned v = 0;
        for (size_t i = 0; i < 6; i++)
            v = (v << 1) | (c * 6 + i < b.n && b.bits[c * 6 + i] == '1');
        out[c] = al[v];
    }
    return out;
}

static int
allowed(const char *subject, const char *purpose, int64_t at, gdpr_why *why)
{
    int ok = -1;

    th_ok(gdpr_may_process(ts.eng, subject, purpose, at, &ok, why));
    return ok;
}

typedef struct {
    int n;
    char kind[8][32];
    char purpose[8][64];
    int64_t consent_event[8], result_event[8], signal[8];
} conflicts_seen;

static int
on_conflict(const gdpr_consent_conflict *c, void *ctx)
{
    conflicts_seen *s = ctx;

    ck_assert_int_lt(s->n, 8);
    ck_assert_int_eq((int)strlen(c->subject), 64);
    snprintf(s->kind[s->n], sizeof s->kind[0], "%s", c->kind);
    snprintf(s->purpose[s->n], sizeof s->purpose[0], "%s", c->purpose);
    s->consent_event[s->n] = c->consent_event;
    s->result_event[s->n] = c->result_event;
    s->signal[s->n] = c->signal;
    s->n++;
    return 0;
}

START_TEST(gpc_withdraws_and_records_the_conflict)
{
    gdpr_consent c = grant("gpc-1", "personalised-ads", "privacy-v3");
    conflicts_seen seen;
    gdpr_why why;
    int64_t grant_ev, again;
    int events = -1;

    c.channel = "phone";
    grant_ev = record(&c);
    ts.now += 60;
    ck_assert_int_eq(allowed("gpc-1", "personalised-ads", GDPR_NOW, &why), 1);
    th_ok(gdpr_consent_signal_gpc(ts.eng, &th_agent, "gpc-1", &events));
    ck_assert_int_eq(events, 1);
    ck_assert_int_eq(allowed("gpc-1", "personalised-ads", GDPR_NOW, &why), 0);
    ck_assert_int_eq(why.code, GDPR_WHY_WITHDRAWN);
    /* Before the signal the grant held. */
    ck_assert_int_eq(allowed("gpc-1", "personalised-ads", ts.now - 30, &why), 1);
    memset(&seen, 0, sizeof seen);
    th_ok(gdpr_consent_conflicts(ts.eng, &th_dpo, "gpc-1", 0, on_conflict, &seen));
    ck_assert_int_eq(seen.n, 1);
    ck_assert_str_eq(seen.kind[0], "gpc_over_grant");
    ck_assert_str_eq(seen.purpose[0], "personalised-ads");
    ck_assert_int_eq(seen.consent_event[0], grant_ev);
    ck_assert_int_gt(seen.result_event[0], grant_ev);
    /* The same signal again changes nothing more. */
    ts.now += 60;
    th_ok(gdpr_consent_signal_gpc(ts.eng, &th_agent, "gpc-1", &events));
    ck_assert_int_eq(events, 0);
    /* An explicit grant after the signal stands, and is a conflict. */
    ts.now += 60;
    again = record(&c);
    ck_assert_int_eq(allowed("gpc-1", "personalised-ads", GDPR_NOW, &why), 1);
    memset(&seen, 0, sizeof seen);
    th_ok(gdpr_consent_conflicts(ts.eng, &th_dpo, NULL, 0, on_conflict, &seen));
    ck_assert_int_eq(seen.n, 2);
    ck_assert_str_eq(seen.kind[1], "grant_after_gpc");
    ck_assert_int_eq(seen.consent_event[1], again);
    ck_assert_int_eq(seen.result_event[1], 0);
    /* Filtered by time: only the second. */
    memset(&seen, 0, sizeof seen);
    th_ok(gdpr_consent_conflicts(ts.eng, &th_dpo, NULL, ts.now, on_conflict, &seen));
    ck_assert_int_eq(seen.n, 1);
    /* A grant of a purpose GPC does not cover is no conflict. */
    c = grant("gpc-1", "marketing", "marketing-v2");
    record(&c);
    memset(&seen, 0, sizeof seen);
    th_ok(gdpr_consent_conflicts(ts.eng, &th_dpo, NULL, 0, on_conflict, &seen));
    ck_assert_int_eq(seen.n, 2);
}
END_TEST

START_TEST(gpc_without_consent_records_a_refusal)
{
    gdpr_why why;
    int events = -1;
    char *json = NULL;
    int64_t ev;

    th_ok(gdpr_consent_signal_gpc(ts.eng, &th_agent, "gpc-2", &events));
    ck_assert_int_eq(events, 1);
    ck_assert_int_eq(allowed("gpc-2", "personalised-ads", GDPR_NOW, &why), 0);
    ck_assert_int_eq(why.code, GDPR_WHY_REFUSED);
    ev = why.event;
    th_ok(gdpr_consent_receipt(ts.eng, ev, &json));
    ck_json(json, "$.collectionMethod", "gpc");
    ck_json(json, "$.notice.id", "privacy-v3");
    ck_json(json, "$.event.type", "ConsentRefused");
    gdpr_free(json);
    /* Marketing is not marked for GPC: untouched. */
    ck_assert_int_eq(allowed("gpc-2", "marketing", GDPR_NOW, &why), 0);
    ck_assert_int_eq(why.code, GDPR_WHY_NO_CONSENT);
}
END_TEST

/* A purpose marked for GPC on another basis: gdpr_may_process refuses it
 * from the signal on (Art. 21(5)). */
START_TEST(gpc_on_legitimate_interests_applied_in_may_process)
{
    gdpr_why why;
    int events = -1;
    int64_t before;

    th_ok(load_variant(
        "\"gpc\": [ { \"purpose\": \"personalised-ads\", \"kind\": \"targeted_advertising\" } ]",
        "\"gpc\": [ { \"purpose\": \"personalised-ads\", \"kind\": \"targeted_advertising\" },"
        " { \"purpose\": \"recruitment\", \"kind\": \"sharing\" } ]"));
    ck_assert_int_eq(allowed("gpc-3", "recruitment", GDPR_NOW, &why), 1);
    before = ts.now;
    ts.now += 100;
    th_ok(gdpr_consent_signal_gpc(ts.eng, &th_agent, "gpc-3", &events));
    ck_assert_int_eq(events, 1); /* personalised-ads refused; recruitment has no event */
    ck_assert_int_eq(allowed("gpc-3", "recruitment", GDPR_NOW, &why), 0);
    ck_assert_int_eq(why.code, GDPR_WHY_GPC);
    ck_assert_str_eq(gdpr_why_name(why.code), "gpc");
    ck_assert_ptr_nonnull(strstr(why.text, "Art. 21(5)"));
    ck_assert_ptr_nonnull(strstr(why.text, "sharing"));
    ck_assert_int_eq(allowed("gpc-3", "recruitment", before, &why), 1);
    ck_assert_int_eq(allowed("gpc-other", "recruitment", GDPR_NOW, &why), 1);
}
END_TEST

typedef struct {
    int n;
    int kinds[8];
    char value[8][256];
} signals_seen;

static int
on_signal(const gdpr_consent_signal *s, void *ctx)
{
    signals_seen *w = ctx;

    ck_assert_int_lt(w->n, 8);
    w->kinds[w->n] = s->kind;
    snprintf(w->value[w->n], sizeof w->value[0], "%s", s->value ? s->value : "(none)");
    w->n++;
    return 0;
}

START_TEST(tcf_string_maps_to_policy_purposes)
{
    char *yes = tc_string((1u << 2) | (1u << 3)); /* purposes 3 and 4 */
    char *half = tc_string(1u << 2);              /* 3 only */
    signals_seen seen;
    gdpr_why why;
    int events = -1;

    th_ok(gdpr_consent_signal_tcf(ts.eng, &th_agent, "tcf-1", half, &events));
    ck_assert_int_eq(events, 1); /* refused: 4 is not set */
    ck_assert_int_eq(allowed("tcf-1", "personalised-ads", GDPR_NOW, &why), 0);
    ck_assert_int_eq(why.code, GDPR_WHY_REFUSED);
    ts.now += 10;
    th_ok(gdpr_consent_signal_tcf(ts.eng, &th_agent, "tcf-1", yes, &events));
    ck_assert_int_eq(events, 1);
    ck_assert_int_eq(allowed("tcf-1", "personalised-ads", GDPR_NOW, &why), 1);
    ts.now += 10;
    th_ok(gdpr_consent_signal_tcf(ts.eng, &th_agent, "tcf-1", yes, &events));
    ck_assert_int_eq(events, 0); /* nothing changes */
    ts.now += 10;
    th_ok(gdpr_consent_signal_tcf(ts.eng, &th_agent, "tcf-1", half, &events));
    ck_assert_int_eq(events, 1);
    ck_assert_int_eq(allowed("tcf-1", "personalised-ads", GDPR_NOW, &why), 0);
    ck_assert_int_eq(why.code, GDPR_WHY_WITHDRAWN);
    /* Kept as received, sealed: the raw files never hold the string. */
    memset(&seen, 0, sizeof seen);
    th_ok(gdpr_consent_signals(ts.eng, &th_dpo, "tcf-1", on_signal, &seen));
    ck_assert_int_eq(seen.n, 4);
    ck_assert_int_eq(seen.kinds[0], GDPR_SIGNAL_TCF);
    ck_assert_str_eq(seen.value[0], half);
    ck_assert_str_eq(seen.value[1], yes);
    /* The raw bytes are SQLite files only (PostgreSQL: test-pg's forensic
     * test reads the heap). */
    if (!th_on_postgres()) {
        ck_assert(!th_store_files_contain(&ts, yes, strlen(yes)));
        ck_assert(!th_store_files_contain(&ts, half, strlen(half)));
    }
    free(yes);
    free(half);
}
END_TEST

START_TEST(gpp_string_with_tcf_section)
{
    char *tcf = tc_string((1u << 2) | (1u << 3));
    char gpp[512], *json = NULL;
    signals_seen seen;
    gdpr_why why;
    int events = -1;

    snprintf(gpp, sizeof gpp, "DBACNY~%s~1YNN", tcf);
    th_ok(gdpr_consent_signal_gpp(ts.eng, &th_agent, "gpp-1", gpp, &events));
    ck_assert_int_eq(events, 1);
    ck_assert_int_eq(allowed("gpp-1", "personalised-ads", GDPR_NOW, &why), 1);
    th_ok(gdpr_consent_receipt(ts.eng, why.event, &json));
    ck_json(json, "$.collectionMethod", "gpp");
    gdpr_free(json);
    /* A GPP string without a TCF section is kept, and changes no consent. */
    th_ok(
        gdpr_consent_signal_gpp(ts.eng, &th_agent, "gpp-2", "DBABjw~CAAAAAAAAAA.QA~1---", &events));
    ck_assert_int_eq(events, 0);
    memset(&seen, 0, sizeof seen);
    th_ok(gdpr_consent_signals(ts.eng, &th_dpo, "gpp-2", on_signal, &seen));
    ck_assert_int_eq(seen.n, 1);
    ck_assert_int_eq(seen.kinds[0], GDPR_SIGNAL_GPP);
    ck_assert_str_eq(seen.value[0], "DBABjw~CAAAAAAAAAA.QA~1---");
    /* Decoding alone. */
    th_ok(gdpr_signal_decode(GDPR_SIGNAL_GPP, gpp, &json));
    ck_json(json, "$.sectionIds", "[2,6]");
    ck_json(json, "$.sections[1].name", "uspv1");
    ck_json(json, "$.sections[1].text", "1YNN");
    gdpr_free(json);
    free(tcf);
}
END_TEST

START_TEST(decode_published_tcf_example)
{
    char *json = NULL;

    th_ok(
        gdpr_signal_decode(GDPR_SIGNAL_TCF, "COrVd1pOrVd1pACABCENAHCAAAAAAAAAAAiQAAAAAAAA", &json));
    ck_json(json, "$.cmpId", "2");
    ck_json(json, "$.cmpVersion", "1");
    ck_json(json, "$.consentScreen", "2");
    ck_json(json, "$.consentLanguage", "EN");
    ck_json(json, "$.created", "2019-12-10T02:01:46Z");
    ck_json(json, "$.vendorListVersion", "7");
    ck_json(json, "$.tcfPolicyVersion", "2");
    ck_json(json, "$.publisherCC", "ES");
    ck_json(json, "$.purposesConsent", "[]");
    ck_json(json, "$.vendorConsents.maxVendorId", "0");
    gdpr_free(json);
    th_assert_err(
        gdpr_signal_decode(GDPR_SIGNAL_TCF, "COrVd1pOrVd1pACABCENAHCAAAAAAAAAAAiQAAAAAAAB", &json),
        GDPR_EINVAL, "(core segment)");
    th_assert_err(gdpr_signal_decode(GDPR_SIGNAL_GPC, "x", &json), GDPR_EINVAL, "kind");
    th_assert_err(gdpr_signal_decode(GDPR_SIGNAL_TCF, NULL, &json), GDPR_EINVAL, "text");
    th_assert_err(gdpr_signal_decode(GDPR_SIGNAL_TCF, "x", NULL), GDPR_EINVAL, "json_out");
}
END_TEST

START_TEST(signals_bad_input_change_nothing)
{
    char before[65], after[65], huge[70000];
    conflicts_seen seen;
    int events = 7;

    memset(huge, 'A', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    th_fingerprint(&ts, before);
    /* The bad field named by its bit offset: ConsentLanguage at bit 108. */
    th_assert_err(gdpr_consent_signal_tcf(ts.eng, &th_agent, "bad-1",
                                          "COrVd1pOrVd1pACABC-NAHCAAAAAAAAAAAiQAAAAAAAA", &events),
                  GDPR_EINVAL, "tc_string: bit 108 (ConsentLanguage)");
    ck_assert_int_eq(events, 0);
    th_assert_err(gdpr_consent_signal_tcf(ts.eng, &th_agent, "bad-1", "BOrVd1p", &events),
                  GDPR_EINVAL, "tc_string: bit 0 (Version)");
    th_assert_err(gdpr_consent_signal_tcf(ts.eng, &th_agent, "bad-1", "", &events), GDPR_EINVAL,
                  "tc_string: must not be empty");
    th_assert_err(gdpr_consent_signal_tcf(ts.eng, &th_agent, "bad-1", NULL, &events), GDPR_EINVAL,
                  "tc_string");
    th_assert_err(gdpr_consent_signal_tcf(ts.eng, &th_agent, "bad-1", huge, &events), GDPR_EINVAL,
                  "longer");
    th_assert_err(gdpr_consent_signal_tcf(ts.eng, &th_agent, "bad-1", "CO\xc3(", &events),
                  GDPR_EINVAL, "UTF-8");
    th_assert_err(gdpr_consent_signal_gpp(ts.eng, &th_agent, "bad-1", "DCABM~AA", &events),
                  GDPR_EINVAL, "gpp_string: bit 6 (Version)");
    th_assert_err(gdpr_consent_signal_gpp(ts.eng, &th_agent, "bad-1", "DBABM~CO!", &events),
                  GDPR_EINVAL, "gpp_string");
    th_assert_err(gdpr_consent_signal_gpp(ts.eng, &th_agent, "bad-1", "DBABM~COrVd1p", &events),
                  GDPR_EINVAL, "section 1 (tcfeuv2)");
    th_assert_err(gdpr_consent_signal_gpc(ts.eng, &th_agent, "", &events), GDPR_EINVAL, "subject");
    th_assert_err(gdpr_consent_signal_gpc(ts.eng, &th_agent, NULL, &events), GDPR_EINVAL,
                  "subject");
    th_assert_err(gdpr_consent_signal_gpc(ts.eng, &th_agent, "\xff", &events), GDPR_EINVAL,
                  "subject");
    th_assert_err(gdpr_consent_signal_gpc(ts.eng, NULL, "bad-1", &events), GDPR_EINVAL, "who");
    th_assert_err(gdpr_consent_signal_gpc(NULL, &th_agent, "bad-1", &events), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_consent_conflicts(ts.eng, &th_dpo, NULL, -1, on_conflict, &seen),
                  GDPR_EINVAL, "since");
    th_assert_err(gdpr_consent_conflicts(ts.eng, &th_dpo, NULL, 0, NULL, &seen), GDPR_EINVAL, "fn");
    th_assert_err(gdpr_consent_signals(ts.eng, &th_dpo, "bad-1", NULL, NULL), GDPR_EINVAL, "fn");
    {
        char long_id[300];
        signals_seen sig;
        memset(long_id, 'x', sizeof long_id - 1);
        long_id[sizeof long_id - 1] = '\0';
        th_assert_err(gdpr_consent_signal_gpc(ts.eng, &th_agent, long_id, &events), GDPR_EINVAL,
                      "subject");
        th_assert_err(gdpr_consent_signal_gpp(ts.eng, &th_agent, "bad-1", NULL, &events),
                      GDPR_EINVAL, "gpp_string");
        th_assert_err(gdpr_consent_signal_gpp(ts.eng, &th_agent, "bad-1", "", &events), GDPR_EINVAL,
                      "gpp_string: must not be empty");
        th_assert_err(gdpr_consent_signal_gpp(ts.eng, &th_agent, long_id, "DBABM~AA", &events),
                      GDPR_EINVAL, "subject");
        th_assert_err(gdpr_consent_signals(ts.eng, &th_dpo, NULL, on_signal, &sig), GDPR_EINVAL,
                      "subject");
        th_assert_err(gdpr_consent_signals(ts.eng, &th_dpo, long_id, on_signal, &sig), GDPR_EINVAL,
                      "subject");
        th_assert_err(gdpr_consent_conflicts(ts.eng, &th_dpo, long_id, 0, on_conflict, &seen),
                      GDPR_EINVAL, "subject");
        th_assert_err(
            gdpr_consent_conflicts(ts.eng, &th_dpo, NULL, 253402300800LL, on_conflict, &seen),
            GDPR_EINVAL, "since");
        th_assert_err(gdpr_consent_conflicts(ts.eng, NULL, NULL, 0, on_conflict, &seen),
                      GDPR_EINVAL, "who");
    }
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
}
END_TEST

typedef struct {
    char *buf;
    size_t len, cap;
} membuf;

static int
to_mem(const void *data, size_t len, void *ctx)
{
    membuf *m = ctx;

    if (m->len + len + 1 > m->cap) {
        size_t cap = (m->len + len + 1) * 2;
        char *grown = realloc(m->buf, cap);
        if (grown == NULL)
            return 1;
        m->buf = grown;
        m->cap = cap;
    }
    memcpy(m->buf + m->len, data, len);
    m->len += len;
    m->buf[m->len] = '\0';
    return 0;
}

/* Art. 15: the subject's export carries the signals as received. */
START_TEST(signals_in_the_subject_export)
{
    char *tcf = tc_string(1u << 3);
    membuf m = {NULL, 0, 0};
    char buf[256];
    int events = 0;

    th_ok(gdpr_consent_signal_gpc(ts.eng, &th_agent, "exp-1", &events));
    ts.now += 5;
    th_ok(gdpr_consent_signal_tcf(ts.eng, &th_agent, "exp-1", tcf, &events));
    th_ok(gdpr_export_subject(ts.eng, &th_dpo, "exp-1", GDPR_EXPORT_JSON, to_mem, &m));
    ck_json(m.buf, "$.consent_signals[0].kind", "gpc");
    ck_json(m.buf, "$.consent_signals[0].value", "(null)");
    ck_json(m.buf, "$.consent_signals[1].kind", "tcf");
    ck_json(m.buf, "$.consent_signals[1].value", tcf);
    ck_json(m.buf, "$.consent_signals[1].recorded_by", th_agent.id);
    jget(m.buf, "$.consent_history[0].channel", buf, sizeof buf);
    ck_assert_str_eq(buf, "gpc");
    free(m.buf);
    free(tcf);
}
END_TEST

START_TEST(signals_need_permissions_and_go_with_erasure)
{
    gdpr_erase_report r;
    conflicts_seen seen;
    signals_seen sig;
    const gdpr_actor nobody = {"kiosk", "system"};
    char *tcf = tc_string(1u << 2);
    int events = 0;

    th_assert_err(gdpr_consent_signal_gpc(ts.eng, &nobody, "era-1", &events), GDPR_EDENIED,
                  "consent.record");
    th_assert_err(gdpr_consent_conflicts(ts.eng, &th_agent, NULL, 0, on_conflict, &seen),
                  GDPR_EDENIED, "consent.read");
    th_ok(gdpr_consent_signal_gpc(ts.eng, &th_agent, "era-1", &events));
    th_ok(gdpr_consent_signal_tcf(ts.eng, &th_agent, "era-1", tcf, &events));
    memset(&sig, 0, sizeof sig);
    th_ok(gdpr_consent_signals(ts.eng, &th_dpo, "era-1", on_signal, &sig));
    ck_assert_int_eq(sig.n, 2);
    /* The rows themselves: through SQLite only (th_raw_* open the file);
     * on PostgreSQL the API answers below say the same. */
    if (!th_on_postgres())
        ck_assert_int_eq(th_raw_int(ts.db, "SELECT count(*) FROM consent_signal"), 2);
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "era-1", "Art. 17(1)(a) request 1", &r));
    if (!th_on_postgres()) {
        ck_assert_int_eq(th_raw_int(ts.db, "SELECT count(*) FROM consent_signal"), 0);
        ck_assert_int_eq(th_raw_int(ts.db, "SELECT count(*) FROM consent_conflict"), 0);
    }
    memset(&seen, 0, sizeof seen);
    th_ok(gdpr_consent_conflicts(ts.eng, &th_dpo, NULL, 0, on_conflict, &seen));
    ck_assert_int_eq(seen.n, 0);
    memset(&sig, 0, sizeof sig);
    th_ok(gdpr_consent_signals(ts.eng, &th_dpo, "era-1", on_signal, &sig));
    ck_assert_int_eq(sig.n, 0);
    free(tcf);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("signals");
    TCase *rc = tcase_create("receipts");
    TCase *pol = tcase_create("policy");
    TCase *sg = tcase_create("signals");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(rc, setup, teardown);
    tcase_add_test(rc, receipt_has_every_27560_field);
    tcase_add_test(rc, tampered_receipt_fails_verification);
    tcase_add_test(rc, signature_verifies_with_the_published_key);
    tcase_add_test(rc, receipt_signed_before_rekey_verifies_after);
    tcase_add_test(rc, receipt_of_another_store_is_not_valid);
    tcase_add_test(rc, receipt_calls_bad_input);
    suite_add_tcase(s, rc);
    tcase_add_checked_fixture(pol, setup, teardown);
    tcase_add_test(pol, policy_sections_validated_whole);
    suite_add_tcase(s, pol);
    tcase_add_checked_fixture(sg, setup, teardown);
    tcase_add_test(sg, gpc_withdraws_and_records_the_conflict);
    tcase_add_test(sg, gpc_without_consent_records_a_refusal);
    tcase_add_test(sg, gpc_on_legitimate_interests_applied_in_may_process);
    tcase_add_test(sg, tcf_string_maps_to_policy_purposes);
    tcase_add_test(sg, gpp_string_with_tcf_section);
    tcase_add_test(sg, decode_published_tcf_example);
    tcase_add_test(sg, signals_bad_input_change_nothing);
    tcase_add_test(sg, signals_need_permissions_and_go_with_erasure);
    tcase_add_test(sg, signals_in_the_subject_export);
    suite_add_tcase(s, sg);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
