/*
 * Disclosures to recipients: allowed by a legal ground the policy gives
 * the recipient, or by the subject's consent naming the recipient; every
 * disclosure made is logged for the subject's export (Art. 15(1)(c)).
 * SPDX-License-Identifier: MIT
 */
#include "consent_internal.h"

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "text.h"

static int
check_args(const char *subject, const char *recipient, const char *purpose)
{
    int rc = text_check("subject", subject, GDPR_NAME_MAX);

    if (rc == GDPR_OK)
        rc = text_check("recipient", recipient, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = text_check("purpose", purpose, GDPR_NAME_MAX);
    return rc;
}

typedef struct {
    int allowed;
    gdpr_why why;
    const char *ground;   /* "consent" or the recipient's legal basis */
    char key[CONSENT_KEY_MAX];
    int person;
} disclosure_answer;

static int
decide(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES], const char *recipient,
       const char *purpose, int64_t at, disclosure_answer *a)
{
    const policy_recipient *r;
    const policy_purpose *pu;
    int rc = consent_find_purpose(eng, purpose, &pu);

    memset(a, 0, sizeof *a);
    if (rc != GDPR_OK)
        return rc;
    rc = consent_recipient_key(eng, hash, recipient, a->key, &a->person);
    if (rc != GDPR_OK)
        return rc;
    r = a->person ? NULL : policy_find_recipient(eng->policy, recipient);
    if (r != NULL && r->disclosure_ground != NULL) {
        a->allowed = 1;
        a->ground = r->disclosure_ground;
        consent_why(&a->why, GDPR_WHY_LEGAL_GROUND, 0, "recipient '%.64s' receives it under "
                    "%s (policy)", r->id, r->disclosure_ground);
        return GDPR_OK;
    }
    a->ground = "consent";
    return consent_evaluate(eng, hash, purpose, a->key, pu->special, at, &a->allowed, &a->why);
}

GDPR_API int
gdpr_disclosure_check(gdpr_engine *eng, const char *subject, const char *recipient,
                      const char *purpose, int64_t at, int *allowed_out, gdpr_why *why_out)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    disclosure_answer a;
    int rc;

    rc = consent_answer_start(eng, allowed_out, why_out);
    if (rc == GDPR_OK)
        rc = check_args(subject, recipient, purpose);
    if (rc == GDPR_OK)
        rc = consent_check_time("at", at);
    if (rc != GDPR_OK)
        return rc;
    rc = engine_lock_subject(eng, subject, hash);
    if (rc == GDPR_OK)
        rc = decide(eng, hash, recipient, purpose, at, &a);
    if (rc == GDPR_OK) {
        *allowed_out = a.allowed;
        if (why_out)
            *why_out = a.why;
    }
    return engine_unlock(eng, rc);
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
        rc = engine_seal_field(eng, hash, "disclosure", row.id, "recipient", recipient,
                               strlen(recipient), sealed);
    }
    if (rc != GDPR_OK)
        return rc;
    row.subject = hash;
    row.at = engine_now(eng);
    row.recipient = a->key;
    row.purpose = purpose;
    row.ground = a->ground;
    row.actor = who->id;
    row.consent_event = a->why.code == GDPR_WHY_CONSENT ? a->why.event : 0;
    rc = store_disclosure_append(eng->st, &row);
    snprintf(ref, sizeof ref, "disclosure %lld %.48s", (long long)row.id, a->ground);
    if (rc == GDPR_OK)
        rc = audit_append(eng, who, permission_name(PERM_DISCLOSURE_RECORD), hash, GDPR_OK, ref);
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
    int rc = engine_require_policy(eng);

    if (rc == GDPR_OK)
        rc = engine_subject_hash(eng, subject, hash);
    if (rc == GDPR_OK)
        rc = decide(eng, hash, recipient, purpose, engine_now(eng), &a);
    if (rc == GDPR_OK)
        rc = engine_authorize(eng, who, PERM_DISCLOSURE_RECORD, hash);
    if (rc != GDPR_OK)
        return rc;
    if (!a.allowed) {
        /* A refused disclosure is a fact the trail must show. */
        rc = engine_begin(eng);
        if (rc == GDPR_OK)
            rc = engine_end(eng, audit_append(eng, who, permission_name(PERM_DISCLOSURE_RECORD),
                                              hash, GDPR_EDENIED, gdpr_why_name(a.why.code)));
        if (rc != GDPR_OK)
            return rc;
        return err_set(GDPR_EDENIED, "recipient: no ground to disclose for purpose '%.64s': %s; "
                       "it needs the subject's consent naming this recipient, or a "
                       "disclosure_ground in the policy", purpose, a.why.text);
    }
    rc = engine_begin(eng);
    if (rc != GDPR_OK)
        return rc;
    rc = engine_subject_ensure(eng, subject, hash, NULL, NULL);
    if (rc == GDPR_OK)
        rc = log_disclosure(eng, who, hash, recipient, purpose, &a, disclosure_out);
    return engine_end(eng, rc);
}

GDPR_API int
gdpr_disclosure_record(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                       const char *recipient, const char *purpose, int64_t *disclosure_out)
{
    int rc;

    err_clear();
    if (disclosure_out)
        *disclosure_out = 0;
    rc = engine_enter(eng, who);
    if (rc == GDPR_OK)
        rc = check_args(subject, recipient, purpose);
    if (rc != GDPR_OK)
        return rc;
    engine_lock(eng);
    rc = record_locked(eng, who, subject, recipient, purpose, disclosure_out);
    return engine_unlock(eng, rc);
}
