/*
 * Disclosures to recipients: allowed by a legal ground the policy gives
 * the recipient, or by the subject's consent naming the recipient; every
 * disclosure made is logged for the subject's export (Art. 15(1)(c)).
 * SPDX-License-Identifier: MIT
 */
#include "clock.h"
#include "consent_internal.h"

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "text.h"

static int
check_args(const char *subject, const char *recipient, const char *purpose)
{
    int rc = gdpr_text__check("subject", subject, GDPR_NAME_MAX);

    if (rc == GDPR_OK)
        rc = gdpr_text__check("recipient", recipient, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = gdpr_text__check("purpose", purpose, GDPR_NAME_MAX);
    return rc;
}

typedef struct {
    int allowed;
    gdpr_why why;
    const char *ground; /* "consent" or the recipient's legal basis */
    char key[CONSENT_KEY_MAX];
    int person;
} disclosure_answer;

static int
decide(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES], const char *recipient,
       const char *purpose, int64_t at, disclosure_answer *a)
{
    const policy_recipient *r;
    const policy_purpose *pu;
    int objected = 0;
    int rc = gdpr_consent__find_purpose(eng, purpose, &pu);

    memset(a, 0, sizeof *a);
    if (rc == GDPR_OK && pu->direct_marketing)
        rc = gdpr_engine__objected(eng, hash, pu, &objected);
    if (rc != GDPR_OK)
        return rc;
    /* Art. 21(3): disclosing for direct marketing is processing for it. */
    if (objected) {
        a->ground = "objection";
        gdpr_consent__why(&a->why, GDPR_WHY_OBJECTED, 0,
                          "the subject objected to direct marketing (Art. 21(2)-(3)): "
                          "no disclosure for '%.64s'",
                          pu->id);
        return GDPR_OK;
    }
    rc = gdpr_consent__recipient_key(eng, hash, recipient, a->key, &a->person);
    if (rc != GDPR_OK)
        return rc;
    r = a->person ? NULL : gdpr_policy__find_recipient(eng->policy, recipient);
    if (r != NULL && r->disclosure_ground != NULL) {
        a->allowed = 1;
        a->ground = r->disclosure_ground;
        gdpr_consent__why(&a->why, GDPR_WHY_LEGAL_GROUND, 0,
                          "recipient '%.64s' receives it under "
                          "%s (policy)",
                          r->id, r->disclosure_ground);
        return GDPR_OK;
    }
    a->ground = "consent";
    return gdpr_consent__evaluate(eng, hash, purpose, a->key, pu->special, at, &a->allowed,
                                  &a->why);
}

GDPR_API int
gdpr_disclosure_check(gdpr_engine *eng, const char *subject, const char *recipient,
                      const char *purpose, int64_t at, int *allowed_out, gdpr_why *why_out)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    disclosure_answer a;
    int rc;

    rc = gdpr_consent__answer_start(eng, allowed_out, why_out);
    if (rc == GDPR_OK)
        rc = check_args(subject, recipient, purpose);
    if (rc == GDPR_OK)
        rc = gdpr_clock__arg(eng, "at", &at);
    if (rc == GDPR_OK)
        rc = gdpr_consent__check_time("at", at);
    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_engine__lock_subject(eng, subject, hash);
    if (rc == GDPR_OK)
        rc = decide(eng, hash, recipient, purpose, at, &a);
    if (rc == GDPR_OK) {
        *allowed_out = a.allowed;
        if (why_out)
            *why_out = a.why;
    }
    return gdpr_engine__unlock(eng, rc);
}

static int
log_disclosure(gdpr_engine *eng, const gdpr_actor *who, const uint8_t hash[CRYPTO_HASH_BYTES],
               const char *recipient, const char *purpose, const disclosure_answer *a,
               int64_t *disclosure_out)
{
    uint8_t sealed[GDPR_NAME_MAX + CRYPTO_SEAL_OVERHEAD];
    store_disclosure_row row;
    char ref[96];
    int rc;

    memset(&row, 0, sizeof row);
    rc = store_disclosure_next_id(eng->st, &row.id);
    if (rc == GDPR_OK && a->person) {
        row.recipient_sealed = sealed;
        row.recipient_sealed_len = strlen(recipient) + CRYPTO_SEAL_OVERHEAD;
        rc = gdpr_engine__seal_field(eng, hash, "disclosure", row.id, "recipient", recipient,
                                     strlen(recipient), sealed);
    }
    if (rc != GDPR_OK)
        return rc;
    row.subject = hash;
    row.at = gdpr_engine__now(eng);
    row.recipient = a->key;
    row.purpose = purpose;
    row.ground = a->ground;
    row.actor = who->id;
    row.consent_event = a->why.code == GDPR_WHY_CONSENT ? a->why.event : 0;
    rc = gdpr_store__disclosure_append(eng->st, &row);
    snprintf(ref, sizeof ref, "disclosure %lld %.48s", (long long)row.id, a->ground);
    if (rc == GDPR_OK)
        rc = gdpr_audit__append(eng, who, gdpr_permission__name(PERM_DISCLOSURE_RECORD), hash,
                                GDPR_OK, ref);
    if (rc == GDPR_OK && disclosure_out)
        *disclosure_out = row.id;
    return rc;
}

static int
record_locked(gdpr_engine *eng, const gdpr_actor *who, const char *subject, const char *recipient,
              const char *purpose, int64_t *disclosure_out)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    disclosure_answer a;
    int rc = gdpr_engine__require_policy(eng);

    if (rc == GDPR_OK)
        rc = gdpr_engine__subject_hash(eng, subject, hash);
    if (rc == GDPR_OK)
        rc = decide(eng, hash, recipient, purpose, gdpr_engine__now(eng), &a);
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_DISCLOSURE_RECORD, hash);
    if (rc != GDPR_OK)
        return rc;
    if (!a.allowed) {
        /* A refused disclosure is a fact the trail must show. */
        rc = gdpr_audit__refusal(eng, who, gdpr_permission__name(PERM_DISCLOSURE_RECORD), hash,
                                 GDPR_EDENIED, gdpr_why_name(a.why.code));
        if (rc != GDPR_OK)
            return rc;
        return gdpr__err_set(GDPR_EDENIED,
                             "recipient: no ground to disclose for purpose '%.64s': %s; "
                             "it needs the subject's consent naming this recipient, or a "
                             "disclosure_ground in the policy",
                             purpose, a.why.text);
    }
    rc = gdpr_engine__begin(eng);
    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_engine__subject_ensure_hashed(eng, subject, hash, NULL, NULL);
    if (rc == GDPR_OK)
        rc = log_disclosure(eng, who, hash, recipient, purpose, &a, disclosure_out);
    return gdpr_engine__end(eng, rc);
}

GDPR_API int
gdpr_disclosure_record(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                       const char *recipient, const char *purpose, int64_t *disclosure_out)
{
    int rc;

    gdpr__err_clear();
    if (disclosure_out)
        *disclosure_out = 0;
    rc = gdpr_engine__enter(eng, who);
    if (rc == GDPR_OK)
        rc = check_args(subject, recipient, purpose);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = record_locked(eng, who, subject, recipient, purpose, disclosure_out);
    return gdpr_engine__unlock(eng, rc);
}
