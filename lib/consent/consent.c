/*
 * The consent ledger: record, withdraw, check, history, receipts.
 * Events are appended, never changed; each also becomes the current state
 * of (subject, purpose, recipient), which answers checks in one lookup.
 * Proofs and named-person recipients are personal data and sealed under
 * the subject's key with the event id in the AAD.
 * SPDX-License-Identifier: MIT
 */
#include "clock.h"
#include "consent_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "schedule.h"
#include "calendar.h"
#include "json.h"
#include "jsonw.h"
#include "text.h"

static const char *const state_words[] = {"?", "granted", "withdrawn", "refused"};

/* --- shared with processing.c and disclosure.c ------------------------ */

void
gdpr_consent__why(gdpr_why *why, int code, int64_t event, const char *fmt, ...)
{
    va_list ap;

    if (why == NULL)
        return;
    why->code = code;
    why->event = event;
    va_start(ap, fmt);
    vsnprintf(why->text, sizeof why->text, fmt, ap);
    va_end(ap);
}

int
gdpr_consent__check_time(const char *field, int64_t at)
{
    if (at < 0)
        return gdpr__err_set(GDPR_EINVAL, "%s: %lld is before 1970 (UTC seconds must be >= 0)",
                             field, (long long)at);
    return GDPR_OK;
}

int
gdpr_consent__check_question(const gdpr_engine *eng, const char *subject, const char *purpose,
                             int64_t *at)
{
    int rc = gdpr_clock__arg(eng, "at", at);

    if (rc == GDPR_OK)
        rc = gdpr_text__check("subject", subject, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = gdpr_text__check("purpose", purpose, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = gdpr_consent__check_time("at", *at);
    return rc;
}

int
gdpr_consent__answer_start(const gdpr_engine *eng, int *allowed_out, gdpr_why *why_out)
{
    gdpr__err_clear();
    if (why_out)
        memset(why_out, 0, sizeof *why_out);
    if (gdpr_engine__check_given(eng, allowed_out != NULL, "allowed_out") != GDPR_OK)
        return GDPR_EINVAL;
    *allowed_out = 0;
    return GDPR_OK;
}

/* Record and withdraw start alike: the message cleared, *event_out zeroed
 * when given, the engine and actor checked. */
static int
consent_enter(const gdpr_engine *eng, const gdpr_actor *who, int64_t *event_out)
{
    gdpr__err_clear();
    if (event_out)
        *event_out = 0;
    return gdpr_engine__enter(eng, who);
}

int
gdpr_consent__find_purpose(const gdpr_engine *eng, const char *purpose, const policy_purpose **out)
{
    *out = gdpr_policy__find_purpose(eng->policy, purpose);
    if (*out == NULL)
        return gdpr__err_set(GDPR_EINVAL, "purpose: '%.64s' is not a purpose of the policy",
                             purpose);
    return GDPR_OK;
}

int
gdpr_consent__resolve(gdpr_engine *eng, const char *subject, const char *purpose,
                      const policy_purpose **pu_out, uint8_t hash[CRYPTO_HASH_BYTES])
{
    int rc = gdpr_engine__require_policy(eng);

    if (rc == GDPR_OK)
        rc = gdpr_consent__find_purpose(eng, purpose, pu_out);
    if (rc == GDPR_OK)
        rc = gdpr_engine__subject_hash(eng, subject, hash);
    return rc;
}

int
gdpr_consent__transfer_key(const char *recipient, const char *country, char key[CONSENT_KEY_MAX])
{
    int n = snprintf(key, CONSENT_KEY_MAX, CONSENT_TRANSFER_PREFIX "%s@%s", recipient, country);

    if (n < 0 || (size_t)n >= CONSENT_KEY_MAX)
        return gdpr__err_set(GDPR_EINVAL,
                             "recipient: '%.64s' with its country is longer than %u bytes, "
                             "too long for a transfer consent",
                             recipient, (unsigned)GDPR_NAME_MAX);
    return GDPR_OK;
}

int
gdpr_consent__recipient_key(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
                            const char *recipient, char key[CONSENT_KEY_MAX], int *person_out)
{
    uint8_t value[CRYPTO_HASH_BYTES + GDPR_NAME_MAX];
    uint8_t index[CRYPTO_HASH_BYTES];
    size_t len;
    int rc;

    if (person_out)
        *person_out = 0;
    if (recipient == NULL || recipient[0] == '\0') {
        key[0] = '\0';
        return GDPR_OK;
    }
    len = strlen(recipient);
    /* A transfer consent's key, as recorded (withdrawal names it so). */
    if (gdpr_policy__find_recipient(eng->policy, recipient) != NULL ||
        strncmp(recipient, CONSENT_TRANSFER_PREFIX, sizeof CONSENT_TRANSFER_PREFIX - 1) == 0) {
        memcpy(key, recipient, len + 1);
        return GDPR_OK;
    }
    /* Bound to the subject, so one name under two subjects does not link
     * them. */
    memcpy(value, hash, CRYPTO_HASH_BYTES);
    memcpy(value + CRYPTO_HASH_BYTES, recipient, len);
    rc = gdpr_crypto__blind_index(eng->crypto, "consent.recipient", value, CRYPTO_HASH_BYTES + len,
                                  index);
    if (rc != GDPR_OK)
        return rc;
    memcpy(key, CONSENT_PERSON_PREFIX, sizeof CONSENT_PERSON_PREFIX - 1);
    gdpr__hex_encode(index, sizeof index, key + sizeof CONSENT_PERSON_PREFIX - 1);
    if (person_out)
        *person_out = 1;
    return GDPR_OK;
}

int
gdpr_consent__evaluate(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES], const char *purpose,
                       const char *key, int special, int64_t at, int *allowed_out, gdpr_why *why)
{
    store_consent_state cs;
    char when[21];
    int rc = gdpr_store__consent_state_at(eng->st, hash, purpose, key, at, &cs);

    *allowed_out = 0;
    if (rc == GDPR_ENOTFOUND) {
        gdpr_consent__why(why, GDPR_WHY_NO_CONSENT, 0, "no consent on record for purpose '%.64s'%s",
                          purpose, key[0] ? " and this recipient" : "");
        return GDPR_OK;
    }
    if (rc != GDPR_OK)
        return rc;
    gdpr_calendar__format_time(cs.at, when);
    switch (cs.state) {
    case STORE_CONSENT_GRANTED:
        if (cs.expires != 0 && at >= cs.expires) {
            gdpr_calendar__format_time(cs.expires, when);
            gdpr_consent__why(why, GDPR_WHY_EXPIRED, cs.event, "consent (event %lld) expired at %s",
                              (long long)cs.event, when);
        } else if (special && !(cs.flags & STORE_CONSENT_EXPLICIT)) {
            gdpr_consent__why(why, GDPR_WHY_NOT_EXPLICIT, cs.event,
                              "purpose '%.64s' processes special categories (Art. 9(2)(a)) and "
                              "consent (event %lld) was not explicit",
                              purpose, (long long)cs.event);
        } else {
            *allowed_out = 1;
            gdpr_consent__why(why, GDPR_WHY_CONSENT, cs.event, "consent given at %s (event %lld)",
                              when, (long long)cs.event);
        }
        return GDPR_OK;
    case STORE_CONSENT_WITHDRAWN:
        gdpr_consent__why(why, GDPR_WHY_WITHDRAWN, cs.event, "consent withdrawn at %s (event %lld)",
                          when, (long long)cs.event);
        return GDPR_OK;
    case STORE_CONSENT_REFUSED:
        gdpr_consent__why(why, GDPR_WHY_REFUSED, cs.event, "consent refused at %s (event %lld)",
                          when, (long long)cs.event);
        return GDPR_OK;
    default:
        return gdpr__err_set(GDPR_ECORRUPT, "consent event %lld: unknown state %d",
                             (long long)cs.event, cs.state);
    }
}

/* --- recording --------------------------------------------------------- */

GDPR_API int
gdpr_consent_init(gdpr_consent *c, unsigned int version)
{
    gdpr__err_clear();
    if (c == NULL)
        return gdpr__err_set(GDPR_EINVAL, "c: must not be NULL");
    if (version == 0 || version > GDPR_CONSENT_VERSION)
        return gdpr__err_set(GDPR_EVERSION, "version: %u is not a known consent version (1..%u)",
                             version, GDPR_CONSENT_VERSION);
    memset(c, 0, sizeof *c);
    c->version = version;
    c->state = GDPR_CONSENT_GRANTED;
    return GDPR_OK;
}

static int
check_proof(const char *proof)
{
    size_t len, bad;

    if (proof == NULL)
        return GDPR_OK;
    len = strnlen(proof, GDPR_PROOF_MAX + 1);
    if (len == 0)
        return gdpr__err_set(GDPR_EINVAL, "proof: must not be empty (NULL when there is none)");
    if (len > GDPR_PROOF_MAX)
        return gdpr__err_set(GDPR_EINVAL, "proof: longer than %u bytes", GDPR_PROOF_MAX);
    if (gdpr__utf8_check(proof, len, &bad) != 0)
        return gdpr__err_set(GDPR_EINVAL, "proof: not valid UTF-8 (byte %zu)", bad);
    return GDPR_OK;
}

/* Art. 49(1)(a): a transfer consent is its own kind (the parts that need
 * no policy). */
static int
check_transfer_consent(const gdpr_consent *c)
{
    const char *country = c->version >= 2 ? c->country : NULL;
    int rc;

    if (c->recipient != NULL &&
        strncmp(c->recipient, CONSENT_TRANSFER_PREFIX, sizeof CONSENT_TRANSFER_PREFIX - 1) == 0)
        return gdpr__err_set(GDPR_EINVAL,
                             "recipient: the prefix '" CONSENT_TRANSFER_PREFIX
                             "' is reserved; name the recipient and set GDPR_CONSENT_TRANSFER");
    if (!(c->flags & GDPR_CONSENT_TRANSFER)) {
        if (country != NULL)
            return gdpr__err_set(GDPR_EINVAL,
                                 "country: only for a transfer consent (GDPR_CONSENT_TRANSFER)");
        return GDPR_OK;
    }
    if (c->recipient == NULL)
        return gdpr__err_set(GDPR_EINVAL,
                             "recipient: a transfer consent (Art. 49(1)(a)) names the recipient");
    if (c->version < 2 || country == NULL)
        return gdpr__err_set(GDPR_EINVAL, "country: a transfer consent (Art. 49(1)(a)) names "
                                          "the recipient's country (struct version 2)");
    rc = gdpr_text__check("country", country, 67);
    if (rc != GDPR_OK)
        return rc;
    if (c->state == GDPR_CONSENT_GRANTED && !(c->flags & GDPR_CONSENT_EXPLICIT))
        return gdpr__err_set(GDPR_EINVAL, "flags: a transfer consent must be explicit "
                                          "(Art. 49(1)(a)): set GDPR_CONSENT_EXPLICIT");
    return GDPR_OK;
}

/* Art. 8(1): the fields of a child's consent, their text and ranges. */
static int
check_child_fields(const gdpr_consent *c)
{
    int rc;

    if (c->version < 2)
        return GDPR_OK;
    rc = gdpr_text__check_optional("member_state", c->member_state, 2);
    if (rc == GDPR_OK)
        rc = gdpr_text__check_optional("parental_holder", c->parental_holder, GDPR_NAME_MAX);
    if (rc == GDPR_OK && (c->age < 0 || c->age > 150))
        rc = gdpr__err_set(GDPR_EINVAL, "age: %d is not an age in years (1..150; 0: not given)",
                           c->age);
    return rc;
}

/* Everything that needs no policy: before the lock. */
static int
check_consent(const gdpr_consent *c)
{
    int rc;

    if (c == NULL)
        return gdpr__err_set(GDPR_EINVAL, "c: must not be NULL");
    if (c->version == 0 || c->version > GDPR_CONSENT_VERSION)
        return gdpr__err_set(GDPR_EVERSION, "version: %u is not a known consent version (1..%u)",
                             c->version, GDPR_CONSENT_VERSION);
    rc = gdpr_text__check("subject", c->subject, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = gdpr_text__check("purpose", c->purpose, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = gdpr_text__check("notice", c->notice, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = gdpr_text__check("channel", c->channel, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = gdpr_text__check_optional("recipient", c->recipient, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = check_proof(c->proof);
    if (rc != GDPR_OK)
        return rc;
    if (c->state < GDPR_CONSENT_GRANTED || c->state > GDPR_CONSENT_REFUSED)
        return gdpr__err_set(GDPR_EINVAL,
                             "state: %d is not a consent state (1 granted, "
                             "2 withdrawn, 3 refused)",
                             (int)c->state);
    if (c->flags & ~(GDPR_CONSENT_EXPLICIT | GDPR_CONSENT_TRANSFER))
        return gdpr__err_set(GDPR_EINVAL,
                             "flags: 0x%x has unknown bits (only "
                             "GDPR_CONSENT_EXPLICIT 0x1, GDPR_CONSENT_TRANSFER 0x2)",
                             c->flags);
    rc = check_transfer_consent(c);
    if (rc == GDPR_OK)
        rc = check_child_fields(c);
    if (rc != GDPR_OK)
        return rc;
    if (c->expires < 0)
        return gdpr__err_set(GDPR_EINVAL,
                             "expires: %lld seconds is before 1970-01-01T00:00:00Z (UTC seconds; "
                             "0: no expiry)",
                             (long long)c->expires);
    if (c->expires > CAL_MAX_TIME)
        return gdpr__err_set(GDPR_EINVAL,
                             "expires: %lld seconds is after 9999-12-31T23:59:59Z, the last time "
                             "libgdpr keeps (0: no expiry)",
                             (long long)c->expires);
    if (c->expires != 0 && c->state != GDPR_CONSENT_GRANTED)
        return gdpr__err_set(GDPR_EINVAL, "expires: only a grant can expire (state is %s)",
                             state_words[c->state]);
    return GDPR_OK;
}

static const char *
basis_article(policy_basis b)
{
    static const char *const articles[BASIS_COUNT] = {
        "Art. 6(1)(a)", "Art. 6(1)(b)", "Art. 6(1)(c)",
        "Art. 6(1)(d)", "Art. 6(1)(e)", "Art. 6(1)(f)",
    };
    return articles[b];
}

/* Art. 8(1): consent for an information society service offered directly
 * to a child below the member state's age is lawful only if given or
 * authorised by the holder of parental responsibility. */
static int
check_child_consent(gdpr_engine *eng, const policy_purpose *pu, const gdpr_consent *c)
{
    const char *state, *holder;
    int age, limit;

    if (c->version < 2)
        return pu->iss && c->state == GDPR_CONSENT_GRANTED
                   ? gdpr__err_set(GDPR_EINVAL,
                                   "age: purpose '%.64s' is an information society service "
                                   "(Art. 8(1)); a grant needs the subject's age (struct "
                                   "version 2)",
                                   pu->id)
                   : GDPR_OK;
    state = c->member_state ? c->member_state : eng->policy->controller.country;
    holder = c->parental_holder;
    age = c->age;
    if (!pu->iss) {
        if (c->member_state != NULL || age != 0 || holder != NULL)
            return gdpr__err_set(GDPR_EINVAL,
                                 "age: member_state, age and parental_holder are only for a "
                                 "purpose marked information_society_service (Art. 8); '%.64s' "
                                 "is not",
                                 pu->id);
        return GDPR_OK;
    }
    if (c->state != GDPR_CONSENT_GRANTED)
        return GDPR_OK;
    limit = gdpr_policy__consent_age(eng->policy, state);
    if (limit == 0)
        return gdpr__err_set(GDPR_EINVAL,
                             "member_state: '%.8s' has no age of digital consent in the policy "
                             "(digital_consent_age, Art. 8(1))",
                             state);
    if (age == 0)
        return gdpr__err_set(GDPR_EINVAL,
                             "age: purpose '%.64s' is an information society service "
                             "(Art. 8(1)); a grant needs the subject's age",
                             pu->id);
    if (age < limit && holder == NULL)
        return gdpr__err_set(GDPR_EINVAL,
                             "parental_holder: the subject is %d, below the age of digital "
                             "consent in %s (%d, Art. 8(1)); the holder of parental "
                             "responsibility must give or authorise the consent",
                             age, state, limit);
    if (age >= limit && holder != NULL)
        return gdpr__err_set(GDPR_EINVAL,
                             "parental_holder: the subject is %d, not below the age of digital "
                             "consent in %s (%d); not kept (Art. 5(1)(c))",
                             age, state, limit);
    return GDPR_OK;
}

/* The rules that need the policy, under the lock. */
static int
check_against_policy(gdpr_engine *eng, const gdpr_consent *c, int64_t now,
                     const policy_notice **notice_out)
{
    const policy_purpose *pu;
    int rc = gdpr_consent__find_purpose(eng, c->purpose, &pu);

    if (rc != GDPR_OK)
        return gdpr__err_wrap(rc, "c");
    *notice_out = gdpr_policy__find_notice(eng->policy, c->notice);
    if (*notice_out == NULL)
        return gdpr__err_set(GDPR_EINVAL, "notice: '%.64s' is not a notice of the policy",
                             c->notice);
    if (c->flags & GDPR_CONSENT_TRANSFER) {
        const policy_recipient *r = gdpr_policy__find_recipient(eng->policy, c->recipient);
        if (r == NULL)
            return gdpr__err_set(GDPR_EINVAL,
                                 "recipient: '%.64s' is not a recipient of the policy; a "
                                 "transfer consent names one (Art. 49(1)(a))",
                                 c->recipient);
        if (strcmp(r->country, c->country) != 0)
            return gdpr__err_set(GDPR_EINVAL,
                                 "country: '%.67s' is not the country of recipient '%.64s' "
                                 "(policy: '%.67s'); the consent is specific to the transfer "
                                 "(Art. 49(1)(a))",
                                 c->country, r->id, r->country);
        if (!(*notice_out)->transfer_risks)
            return gdpr__err_set(GDPR_EINVAL,
                                 "notice: '%.64s' does not inform of the risks of the transfer "
                                 "(policy notices[].transfer_risks); Art. 49(1)(a) needs the "
                                 "subject informed first",
                                 c->notice);
    }
    rc = check_child_consent(eng, pu, c);
    if (rc != GDPR_OK)
        return rc;
    if (c->recipient == NULL && pu->basis != BASIS_CONSENT && pu->art9 != 'a')
        return gdpr__err_set(GDPR_EINVAL,
                             "purpose: '%.64s' is based on %s (%s), not consent; "
                             "consent is recorded only for consent-based purposes, purposes "
                             "under Art. 9(2)(a), or for a disclosure to a named recipient",
                             pu->id, gdpr_policy__basis_name(pu->basis), basis_article(pu->basis));
    if (c->state == GDPR_CONSENT_GRANTED && pu->special && !(c->flags & GDPR_CONSENT_EXPLICIT))
        return gdpr__err_set(GDPR_EINVAL,
                             "flags: purpose '%.64s' processes special categories "
                             "of data; consent must be explicit (Art. 9(2)(a)): set "
                             "GDPR_CONSENT_EXPLICIT",
                             pu->id);
    if (c->expires != 0 && c->expires <= now) {
        char when[21], now_text[21];
        gdpr_calendar__format_time(c->expires, when);
        gdpr_calendar__format_time(now, now_text);
        return gdpr__err_set(GDPR_EINVAL, "expires: %s is not after now (%s)", when, now_text);
    }
    return GDPR_OK;
}

/* Append one event: seal what is personal under the event's id (so the
 * id is allocated first only then), store, audit. `row` has everything
 * but the id and the seals. */
static int
append_event(gdpr_engine *eng, const gdpr_actor *who, store_consent_row *row, const char *person,
             const char *proof, const char *guardian, int64_t *event_out)
{
    uint8_t sealed_guardian[GDPR_NAME_MAX + CRYPTO_SEAL_OVERHEAD];
    uint8_t sealed_proof[GDPR_PROOF_MAX + CRYPTO_SEAL_OVERHEAD];
    uint8_t sealed_name[GDPR_NAME_MAX + CRYPTO_SEAL_OVERHEAD];
    int64_t id = 0;
    char ref[96];
    int rc = GDPR_OK;

    row->id = 0;
    if (proof != NULL || person != NULL || guardian != NULL)
        rc = store_consent_next_id(eng->st, &row->id);
    if (rc == GDPR_OK && guardian != NULL) {
        row->guardian_len = strlen(guardian) + CRYPTO_SEAL_OVERHEAD;
        row->guardian = sealed_guardian;
        rc = gdpr_engine__seal_field(eng, row->subject, "consent", row->id, "guardian", guardian,
                                     strlen(guardian), sealed_guardian);
    }
    if (rc == GDPR_OK && proof != NULL) {
        row->proof_len = strlen(proof) + CRYPTO_SEAL_OVERHEAD;
        row->proof = sealed_proof;
        rc = gdpr_engine__seal_field(eng, row->subject, "consent", row->id, "proof", proof,
                                     strlen(proof), sealed_proof);
    }
    if (rc == GDPR_OK && person != NULL) {
        row->recipient_sealed_len = strlen(person) + CRYPTO_SEAL_OVERHEAD;
        row->recipient_sealed = sealed_name;
        rc = gdpr_engine__seal_field(eng, row->subject, "consent", row->id, "recipient", person,
                                     strlen(person), sealed_name);
    }
    if (rc == GDPR_OK)
        rc = gdpr_store__consent_append(eng->st, row, &id);
    if (rc == GDPR_OK && row->recipient[0] == '\0') /* retention anchor (lib/retention.c) */
        rc = gdpr_schedule__consent(eng, row->subject, row->purpose, row->state, row->at);
    snprintf(ref, sizeof ref, "consent %lld %s %.48s", (long long)id, state_words[row->state],
             row->purpose);
    if (rc == GDPR_OK)
        rc = gdpr_audit__append(eng, who, gdpr_permission__name(PERM_CONSENT_RECORD), row->subject,
                                GDPR_OK, ref);
    if (rc == GDPR_OK && event_out)
        *event_out = id;
    return rc;
}

static int
record_locked(gdpr_engine *eng, const gdpr_actor *who, const gdpr_consent *c, int64_t *event_out)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    char key[CONSENT_KEY_MAX];
    const policy_notice *notice = NULL;
    store_consent_row row;
    int64_t now = gdpr_engine__now(eng);
    int64_t event = 0;
    int person = 0;
    int rc = gdpr_engine__require_policy(eng);

    if (rc == GDPR_OK)
        rc = check_against_policy(eng, c, now, &notice);
    if (rc == GDPR_OK)
        rc = gdpr_engine__subject_hash(eng, c->subject, hash);
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_CONSENT_RECORD, hash);
    /* Everything that can refuse the event is checked before the first
     * write: inside a batch the call then needs no savepoint. */
    if (rc == GDPR_OK && (c->flags & GDPR_CONSENT_TRANSFER))
        rc = gdpr_consent__transfer_key(c->recipient, c->country, key);
    else if (rc == GDPR_OK)
        rc = gdpr_consent__recipient_key(eng, hash, c->recipient, key, &person);
    if (rc == GDPR_OK)
        rc = gdpr_engine__begin_checked(eng);
    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_engine__subject_ensure_hashed(eng, c->subject, hash, NULL, NULL);
    if (rc == GDPR_OK) {
        memset(&row, 0, sizeof row);
        row.subject = hash;
        row.at = now;
        row.purpose = c->purpose;
        row.state = (int)c->state;
        row.notice = notice->id;
        row.notice_version = notice->version;
        row.notice_sha256 = notice->sha256;
        row.policy_version = eng->policy->version;
        row.channel = c->channel;
        row.actor = who->id;
        row.expires = c->expires;
        row.recipient = key;
        row.flags = c->flags;
        rc = append_event(eng, who, &row, person ? c->recipient : NULL, c->proof,
                          c->version >= 2 ? c->parental_holder : NULL, &event);
    }
    /* An explicit grant after a GPC signal: recorded as a conflict. */
    if (rc == GDPR_OK && c->state == GDPR_CONSENT_GRANTED && key[0] == '\0')
        rc = gdpr_consent__grant_conflict(eng, hash, c->purpose, event, now);
    if (rc == GDPR_OK && event_out)
        *event_out = event;
    return gdpr_engine__end(eng, rc);
}

/* --- signal events (lib/consent/signal.c) -------------------------------- */

int
gdpr_consent__signal_event(gdpr_engine *eng, const gdpr_actor *who,
                           const uint8_t hash[CRYPTO_HASH_BYTES], const char *purpose, int state,
                           const char *channel, int64_t *event_out)
{
    const policy_notice *notice =
        gdpr_policy__find_notice(eng->policy, eng->policy->signals.notice);
    store_consent_row row;

    if (notice == NULL)
        return gdpr__err_set(GDPR_ESTATE, "policy: signals.notice names no notice of the policy");
    memset(&row, 0, sizeof row);
    row.subject = hash;
    row.at = gdpr_engine__now(eng);
    row.purpose = purpose;
    row.state = state;
    row.notice = notice->id;
    row.notice_version = notice->version;
    row.notice_sha256 = notice->sha256;
    row.policy_version = eng->policy->version;
    row.channel = channel;
    row.actor = who->id;
    row.recipient = "";
    return append_event(eng, who, &row, NULL, NULL, NULL, event_out);
}

int
gdpr_consent__grant_conflict(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
                             const char *purpose, int64_t event, int64_t at)
{
    store_conflict_row row;
    int64_t signal = 0, when = 0;
    int rc;

    if (gdpr_policy__gpc_purpose(eng->policy, purpose) == NULL)
        return GDPR_OK;
    rc = gdpr_store__signal_latest(eng->st, hash, STORE_SIGNAL_GPC, at, &signal, &when);
    if (rc == GDPR_ENOTFOUND) {
        gdpr__err_clear();
        return GDPR_OK;
    }
    if (rc != GDPR_OK)
        return rc;
    memset(&row, 0, sizeof row);
    row.subject = hash;
    row.at = at;
    row.purpose = purpose;
    row.kind = STORE_CONFLICT_GRANT_AFTER_GPC;
    row.consent_event = event;
    row.signal = signal;
    return gdpr_store__conflict_append(eng->st, &row, NULL);
}

GDPR_API int
gdpr_consent_record(gdpr_engine *eng, const gdpr_actor *who, const gdpr_consent *c,
                    int64_t *event_out)
{
    int rc;

    rc = consent_enter(eng, who, event_out);
    if (rc == GDPR_OK)
        rc = check_consent(c);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = record_locked(eng, who, c, event_out);
    return gdpr_engine__unlock(eng, rc);
}

/* --- withdrawal -------------------------------------------------------- */

typedef struct {
    char notice[GDPR_NAME_MAX + 1];
    char notice_version[GDPR_NAME_MAX + 1];
    uint8_t notice_sha256[CRYPTO_HASH_BYTES];
} notice_copy;

static void
copy_text(char *dst, size_t cap, const char *src)
{
    size_t len = strlen(src);

    if (len >= cap)
        len = cap - 1;
    memcpy(dst, src, len);
    dst[len] = '\0';
}

static int
copy_notice(const store_consent_row *r, void *ctx)
{
    notice_copy *n = ctx;

    copy_text(n->notice, sizeof n->notice, r->notice);
    copy_text(n->notice_version, sizeof n->notice_version, r->notice_version);
    memcpy(n->notice_sha256, r->notice_sha256, CRYPTO_HASH_BYTES);
    return 0;
}

static int
withdraw_locked(gdpr_engine *eng, const gdpr_actor *who, const char *subject, const char *purpose,
                const char *recipient, const char *channel, int64_t *event_out)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    char key[CONSENT_KEY_MAX];
    const policy_purpose *pu;
    store_consent_state cs;
    store_consent_row row;
    notice_copy notice;
    int person = 0;
    int rc = gdpr_consent__resolve(eng, subject, purpose, &pu, hash);

    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_CONSENT_RECORD, hash);
    if (rc == GDPR_OK)
        rc = gdpr_consent__recipient_key(eng, hash, recipient, key, &person);
    if (rc == GDPR_OK)
        rc = gdpr_store__consent_state_at(eng->st, hash, purpose, key, INT64_MAX, &cs);
    if (rc == GDPR_ENOTFOUND)
        return gdpr__err_set(GDPR_ENOTFOUND,
                             "purpose: no consent was recorded for '%.64s'%s for "
                             "this subject; nothing to withdraw",
                             purpose, key[0] ? " and this recipient" : "");
    if (rc == GDPR_OK)
        rc = gdpr_store__consent_get(eng->st, cs.event, copy_notice, &notice);
    if (rc == GDPR_OK)
        rc = gdpr_engine__begin(eng);
    if (rc != GDPR_OK)
        return rc;
    memset(&row, 0, sizeof row);
    row.subject = hash;
    row.at = gdpr_engine__now(eng);
    row.purpose = purpose;
    row.state = STORE_CONSENT_WITHDRAWN;
    row.notice = notice.notice;
    row.notice_version = notice.notice_version;
    row.notice_sha256 = notice.notice_sha256;
    row.policy_version = eng->policy->version;
    row.channel = channel;
    row.actor = who->id;
    row.recipient = key;
    rc = append_event(eng, who, &row, person ? recipient : NULL, NULL, NULL, event_out);
    return gdpr_engine__end(eng, rc);
}

GDPR_API int
gdpr_consent_withdraw(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                      const char *purpose, const char *recipient, const char *channel,
                      int64_t *event_out)
{
    int rc;

    gdpr__err_clear();
    if (event_out)
        *event_out = 0;
    rc = gdpr_engine__enter_subject(eng, who, subject);
    if (rc == GDPR_OK)
        rc = gdpr_text__check("purpose", purpose, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = gdpr_text__check_optional("recipient", recipient, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = gdpr_text__check("channel", channel, GDPR_NAME_MAX);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = withdraw_locked(eng, who, subject, purpose, recipient, channel, event_out);
    return gdpr_engine__unlock(eng, rc);
}

/* --- check ------------------------------------------------------------- */

GDPR_API int
gdpr_consent_check(gdpr_engine *eng, const char *subject, const char *purpose, int64_t at,
                   int *granted_out)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    const policy_purpose *pu;
    int rc;

    gdpr__err_clear();
    if (gdpr_engine__check_given(eng, granted_out != NULL, "granted_out") != GDPR_OK)
        return GDPR_EINVAL;
    *granted_out = 0;
    rc = gdpr_consent__check_question(eng, subject, purpose, &at);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock_read(eng);
    rc = gdpr_consent__resolve(eng, subject, purpose, &pu, hash);
    if (rc == GDPR_OK)
        rc = gdpr_consent__evaluate(eng, hash, purpose, "", pu->special, at, granted_out, NULL);
    return gdpr_engine__unlock_read(eng, rc);
}

/* --- history ----------------------------------------------------------- */

typedef struct {
    gdpr_engine *eng;
    gdpr_consent_fn fn;
    void *ctx;
} history_walk;

static int
open_text(gdpr_engine *eng, const store_consent_row *r, const char *field, const uint8_t *sealed,
          size_t sealed_len, size_t max, char *out)
{
    int rc;

    if (sealed_len < CRYPTO_SEAL_OVERHEAD || sealed_len - CRYPTO_SEAL_OVERHEAD > max)
        return gdpr__err_set(GDPR_ECORRUPT, "consent event %lld: sealed %s has a bad length",
                             (long long)r->id, field);
    rc = gdpr_engine__open_field(eng, r->subject, "consent", r->id, field, sealed, sealed_len,
                                 (uint8_t *)out);
    if (rc == GDPR_OK)
        out[sealed_len - CRYPTO_SEAL_OVERHEAD] = '\0';
    return rc;
}

static int
history_row(const store_consent_row *r, void *ctx)
{
    history_walk *w = ctx;
    char proof[GDPR_PROOF_MAX + 1];
    char person[GDPR_NAME_MAX + 1];
    char guardian[GDPR_NAME_MAX + 1];
    gdpr_consent_event ev;
    int rc = GDPR_OK;

    memset(&ev, 0, sizeof ev);
    ev.id = r->id;
    ev.at = r->at;
    ev.purpose = r->purpose;
    ev.state = (gdpr_consent_state)r->state;
    ev.notice = r->notice;
    ev.notice_version = r->notice_version;
    ev.channel = r->channel;
    ev.actor = r->actor;
    ev.expires = r->expires;
    ev.flags = r->flags;
    ev.receipt_id = r->receipt_id;
    if (r->recipient[0] != '\0')
        ev.recipient = r->recipient;
    if (r->recipient_sealed != NULL) {
        rc = open_text(w->eng, r, "recipient", r->recipient_sealed, r->recipient_sealed_len,
                       GDPR_NAME_MAX, person);
        ev.recipient = person;
    }
    if (rc == GDPR_OK && r->proof != NULL) {
        rc = open_text(w->eng, r, "proof", r->proof, r->proof_len, GDPR_PROOF_MAX, proof);
        ev.proof = proof;
        ev.proof_len = r->proof_len - CRYPTO_SEAL_OVERHEAD;
    }
    if (rc == GDPR_OK && r->guardian != NULL) {
        rc =
            open_text(w->eng, r, "guardian", r->guardian, r->guardian_len, GDPR_NAME_MAX, guardian);
        ev.parental_holder = guardian;
    }
    if (rc == GDPR_OK && w->fn(&ev, w->ctx) != 0)
        rc = gdpr__err_set(GDPR_ECALLBACK, "consent history: the callback stopped at event %lld",
                           (long long)r->id);
    gdpr_crypto__wipe(proof, sizeof proof);
    gdpr_crypto__wipe(person, sizeof person);
    gdpr_crypto__wipe(guardian, sizeof guardian);
    return rc;
}

GDPR_API int
gdpr_consent_history(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                     gdpr_consent_fn fn, void *ctx)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    history_walk w;
    int rc;

    gdpr__err_clear();
    if (gdpr_engine__check_given(eng, fn != NULL, "fn") != GDPR_OK)
        return GDPR_EINVAL;
    rc = gdpr_engine__enter_subject(eng, who, subject);
    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_engine__lock_subject(eng, subject, hash);
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_CONSENT_READ, hash);
    /* The read is a fact the trail keeps, whatever the callback does. */
    if (rc == GDPR_OK)
        rc = gdpr_engine__begin(eng);
    if (rc == GDPR_OK)
        rc = gdpr_engine__end(eng,
                              gdpr_audit__append(eng, who, gdpr_permission__name(PERM_CONSENT_READ),
                                                 hash, GDPR_OK, "consent history"));
    w.eng = eng;
    w.fn = fn;
    w.ctx = ctx;
    if (rc == GDPR_OK)
        rc = gdpr_store__consent_foreach(eng->st, hash, history_row, &w);
    return gdpr_engine__unlock(eng, rc);
}

/* --- receipt ----------------------------------------------------------- */

/* The event's fields a receipt needs, copied out of the store's row. */
typedef struct {
    gdpr_engine *eng;
    char person[GDPR_NAME_MAX + 1];
    int has_person;
    int64_t id, at, expires, policy_version;
    int state;
    unsigned int flags;
    char *purpose, *notice, *notice_version, *channel, *actor, *recipient, *receipt_id;
    char subject[2 * CRYPTO_HASH_BYTES + 1];
    char notice_sha256[2 * CRYPTO_HASH_BYTES + 1];
} receipt_walk;

static void
receipt_walk_free(receipt_walk *w)
{
    char **texts[] = {&w->purpose, &w->notice,    &w->notice_version, &w->channel,
                      &w->actor,   &w->recipient, &w->receipt_id};

    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        free(*texts[i]);
        *texts[i] = NULL;
    }
    gdpr_crypto__wipe(w->person, sizeof w->person);
}

static int
receipt_row(const store_consent_row *r, void *ctx)
{
    receipt_walk *w = ctx;
    int rc;

    w->id = r->id;
    w->at = r->at;
    w->expires = r->expires;
    w->policy_version = r->policy_version;
    w->state = r->state;
    w->flags = r->flags;
    w->purpose = strdup(r->purpose);
    w->notice = strdup(r->notice);
    w->notice_version = strdup(r->notice_version ? r->notice_version : "");
    w->channel = strdup(r->channel);
    w->actor = strdup(r->actor);
    w->recipient = strdup(r->recipient);
    w->receipt_id = strdup(r->receipt_id ? r->receipt_id : "");
    if (!w->purpose || !w->notice || !w->notice_version || !w->channel || !w->actor ||
        !w->recipient || !w->receipt_id)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory for a consent receipt");
    gdpr__hex_encode(r->subject, CRYPTO_HASH_BYTES, w->subject);
    gdpr__hex_encode(r->notice_sha256, CRYPTO_HASH_BYTES, w->notice_sha256);
    if (r->recipient_sealed == NULL)
        return 0;
    rc = open_text(w->eng, r, "recipient", r->recipient_sealed, r->recipient_sealed_len,
                   GDPR_NAME_MAX, w->person);
    if (rc != GDPR_OK)
        return rc;
    w->has_person = 1;
    return 0;
}

/* The element of array `list` of `doc` whose "id" is `id`, or NULL. */
static const json_node *
policy_item(const json_node *doc, const char *list, const char *id)
{
    const json_node *a = gdpr_json__member(doc, list);

    for (const json_node *n = a ? a->first : NULL; n != NULL; n = n->next) {
        const json_node *nid = gdpr_json__member(n, "id");
        if (nid != NULL && nid->type == JSON_TEXT && strcmp(nid->text, id) == 0)
            return n;
    }
    return NULL;
}

static const char *
text_of(const json_node *n)
{
    return n != NULL && n->type == JSON_TEXT ? n->text : NULL;
}

static int
truthy(const json_node *n)
{
    return n != NULL && (n->type == JSON_TRUE || (n->type == JSON_INTEGER && n->integer != 0));
}

/* A purpose's category is special when the policy's category says so. */
static int
category_special(const json_node *doc, const json_node *cat)
{
    const char *id = text_of(cat);

    return id != NULL && truthy(gdpr_json__member(policy_item(doc, "categories", id), "special"));
}

static void
put_key_node(jsonw *j, const char *key, const json_node *n)
{
    gdpr_jsonw__key(j, key);
    gdpr_jsonw__node(j, n);
}

static void
put_key_text(jsonw *j, const char *key, const char *text)
{
    gdpr_jsonw__key(j, key);
    gdpr_jsonw__string(j, text);
}

static void
put_key_instant(jsonw *j, const char *key, int64_t t)
{
    char buf[21];

    gdpr_jsonw__key(j, key);
    gdpr_jsonw__string(j, gdpr_calendar__format_instant(t, buf) == 0 ? buf : NULL);
}

/* The purpose entry of the receipt's one service. */
static void
put_purpose(jsonw *j, const receipt_walk *w, const json_node *pur, const json_node *rcp)
{
    const json_node *basis = gdpr_json__member(pur, "basis");
    const json_node *cats = gdpr_json__member(pur, "categories");
    int third = w->recipient[0] != '\0';

    gdpr_jsonw__object_begin(j);
    put_key_node(j, "purpose", gdpr_json__member(pur, "description"));
    put_key_text(j, "purposeId", w->purpose);
    gdpr_jsonw__key(j, "purposeCategory");
    gdpr_jsonw__array_begin(j);
    gdpr_jsonw__string(j, w->purpose);
    gdpr_jsonw__array_end(j);
    gdpr_jsonw__key(j, "legalBasis");
    if (third || (text_of(basis) != NULL && strcmp(text_of(basis), "consent") == 0))
        gdpr_jsonw__string(j, "consent");
    else
        gdpr_jsonw__node(j, basis);
    put_key_text(j, "consentType", w->flags & STORE_CONSENT_EXPLICIT ? "EXPLICIT" : "EXPRESSED");
    gdpr_jsonw__key(j, "piiCategory");
    gdpr_jsonw__array_begin(j);
    for (const json_node *c = cats ? cats->first : NULL; c != NULL; c = c->next)
        gdpr_jsonw__node(j, c);
    gdpr_jsonw__array_end(j);
    gdpr_jsonw__key(j, "primaryPurpose");
    gdpr_jsonw__bool(j, !third);
    if (w->expires == 0)
        put_key_text(j, "termination", "on withdrawal");
    else
        put_key_instant(j, "termination", w->expires);
    gdpr_jsonw__key(j, "expiry");
    if (w->expires == 0)
        gdpr_jsonw__null(j);
    else
        gdpr_jsonw__int64(j, w->expires);
    gdpr_jsonw__key(j, "thirdPartyDisclosure");
    gdpr_jsonw__bool(j, third);
    gdpr_jsonw__key(j, "thirdPartyName");
    if (!third)
        gdpr_jsonw__null(j);
    else if (rcp != NULL)
        gdpr_jsonw__node(j, gdpr_json__member(rcp, "name"));
    else
        gdpr_jsonw__string(j, w->has_person ? w->person : NULL);
    put_key_text(j, "thirdPartyId", third && rcp != NULL ? w->recipient : NULL);
    gdpr_jsonw__object_end(j);
}

/* The retention rules of the purpose in the policy document: ISO/IEC TS
 * 27560's retention period, one entry per (category) rule. */
static void
put_retention(jsonw *j, const json_node *doc, const char *purpose)
{
    const json_node *rules = gdpr_json__member(doc, "retention");

    gdpr_jsonw__key(j, "retentionPeriod");
    gdpr_jsonw__array_begin(j);
    for (const json_node *r = rules ? rules->first : NULL; r != NULL; r = r->next) {
        const char *p = text_of(gdpr_json__member(r, "purpose"));
        if (p == NULL || strcmp(p, purpose) != 0)
            continue;
        gdpr_jsonw__object_begin(j);
        put_key_node(j, "ruleId", gdpr_json__member(r, "id"));
        put_key_node(j, "category", gdpr_json__member(r, "category"));
        put_key_node(j, "period", gdpr_json__member(r, "period"));
        put_key_node(j, "anchor", gdpr_json__member(r, "anchor"));
        put_key_node(j, "action", gdpr_json__member(r, "action"));
        gdpr_jsonw__object_end(j);
    }
    gdpr_jsonw__array_end(j);
}

/* Every recipient the policy names (Art. 13(1)(e): recipients or their
 * categories); the stricter reading lists them all, not a guess of which
 * ones serve this purpose. */
static void
put_recipients(jsonw *j, const json_node *doc)
{
    const json_node *list = gdpr_json__member(doc, "recipients");

    gdpr_jsonw__key(j, "recipients");
    gdpr_jsonw__array_begin(j);
    for (const json_node *r = list ? list->first : NULL; r != NULL; r = r->next) {
        gdpr_jsonw__object_begin(j);
        put_key_node(j, "id", gdpr_json__member(r, "id"));
        put_key_node(j, "name", gdpr_json__member(r, "name"));
        put_key_node(j, "country", gdpr_json__member(r, "country"));
        put_key_node(j, "kind", gdpr_json__member(r, "kind"));
        gdpr_jsonw__object_end(j);
    }
    gdpr_jsonw__array_end(j);
}

/* Where the records are kept: the policy's receipts.storage_locations,
 * else the controller's country. */
static void
put_storage(jsonw *j, const json_node *doc, const json_node *ctl)
{
    const json_node *rs = gdpr_json__member(doc, "receipts");
    const json_node *list = gdpr_json__member(rs, "storage_locations");

    gdpr_jsonw__key(j, "storageLocations");
    if (list != NULL && list->type == JSON_ARRAY && list->count > 0) {
        gdpr_jsonw__node(j, list);
        return;
    }
    gdpr_jsonw__array_begin(j);
    gdpr_jsonw__node(j, gdpr_json__member(ctl, "country"));
    gdpr_jsonw__array_end(j);
}

/* Field names follow the Kantara Consent Receipt Specification 1.1 where
 * one exists, and ISO/IEC TS 27560 otherwise (docs/consent.md maps them).
 * Everything comes from the event and the policy document that was in
 * force when the event was recorded. The receipt is deterministic (no
 * time of issue): issued twice, it is the same text, signature included. */
static int
build_receipt(const receipt_walk *w, const json_node *doc, char **json_out)
{
    static const char *const status[] = {"refused", "given", "withdrawn"};
    static const char *const event_type[] = {"ConsentRefused", "ConsentGiven", "ConsentWithdrawn"};
    const json_node *ctl = gdpr_json__member(doc, "controller");
    const json_node *pur = policy_item(doc, "purposes", w->purpose);
    const json_node *notice = policy_item(doc, "notices", w->notice);
    const json_node *rcp = w->recipient[0] ? policy_item(doc, "recipients", w->recipient) : NULL;
    const json_node *cats = gdpr_json__member(pur, "categories");
    const json_node *address =
        gdpr_json__member(gdpr_json__member(doc, "receipts"), "controller_address");
    const char *reach = text_of(gdpr_json__member(ctl, "rights_url"));
    const char *language = text_of(gdpr_json__member(notice, "language"));
    int st = w->state == STORE_CONSENT_GRANTED ? 1 : w->state == STORE_CONSENT_WITHDRAWN ? 2 : 0;
    char *withdrawal = NULL;
    char record_id[48];
    int sensitive = 0;
    jsonw j;
    int rc;

    for (const json_node *c = cats ? cats->first : NULL; c != NULL; c = c->next)
        sensitive |= category_special(doc, c);
    if (reach == NULL)
        reach = text_of(gdpr_json__member(ctl, "contact"));
    if (language == NULL)
        language = "und"; /* BCP 47: undetermined (a policy older than notices[].language) */
    if (address == NULL)
        address = gdpr_json__member(ctl, "contact");
    if (reach != NULL) {
        static const char fmt[] = "You may withdraw this consent at any time, as easily as you "
                                  "gave it (GDPR Art. 7(3)): tell us through %s or at %s. "
                                  "Withdrawal does not affect processing before it.";
        size_t n = sizeof fmt + strlen(w->channel) + strlen(reach);
        withdrawal = malloc(n);
        if (withdrawal == NULL)
            return gdpr__err_set(GDPR_ENOMEM, "out of memory for a consent receipt");
        snprintf(withdrawal, n, fmt, w->channel, reach);
    }
    snprintf(record_id, sizeof record_id, "consent-event:%lld", (long long)w->id);

    gdpr_jsonw__init(&j);
    gdpr_jsonw__object_begin(&j);
    put_key_text(&j, "version", "KI-CR-v1.1.0");
    put_key_text(&j, "schemaVersion",
                 "libgdpr-consent-receipt/2 (ISO/IEC TS 27560:2023, Kantara CR 1.1)");
    put_key_text(&j, "consentReceiptID", w->receipt_id);
    put_key_text(&j, "receiptId", w->receipt_id);
    put_key_text(&j, "recordId", record_id);
    gdpr_jsonw__key(&j, "eventId");
    gdpr_jsonw__int64(&j, w->id);
    put_key_node(&j, "jurisdiction", gdpr_json__member(ctl, "country"));
    put_key_text(&j, "regulation", "Regulation (EU) 2016/679 (GDPR)");
    gdpr_jsonw__key(&j, "consentTimestamp");
    gdpr_jsonw__int64(&j, w->at);
    put_key_instant(&j, "consentTime", w->at);
    put_key_text(&j, "collectionMethod", w->channel);
    put_key_text(&j, "collector", w->actor);
    put_key_text(&j, "language", language);
    put_key_text(&j, "piiPrincipalId", w->subject);
    put_key_text(&j, "piiPrincipalIdType", "keyed-hash");
    gdpr_jsonw__key(&j, "piiControllers");
    gdpr_jsonw__array_begin(&j);
    gdpr_jsonw__object_begin(&j);
    put_key_node(&j, "piiController", gdpr_json__member(ctl, "name"));
    put_key_node(&j, "contact", gdpr_json__member(ctl, "contact"));
    put_key_node(&j, "address", address);
    put_key_node(&j, "dpo", gdpr_json__member(ctl, "dpo"));
    put_key_node(&j, "country", gdpr_json__member(ctl, "country"));
    put_key_node(&j, "piiControllerUrl", gdpr_json__member(ctl, "rights_url"));
    gdpr_jsonw__object_end(&j);
    gdpr_jsonw__array_end(&j);
    put_key_node(&j, "policyUrl", gdpr_json__member(notice, "url"));
    gdpr_jsonw__key(&j, "notice");
    gdpr_jsonw__object_begin(&j);
    put_key_text(&j, "id", w->notice);
    put_key_text(&j, "version", w->notice_version);
    put_key_text(&j, "sha256", w->notice_sha256);
    put_key_node(&j, "url", gdpr_json__member(notice, "url"));
    put_key_text(&j, "language", language);
    gdpr_jsonw__object_end(&j);
    gdpr_jsonw__key(&j, "policyVersion");
    gdpr_jsonw__int64(&j, w->policy_version);
    put_key_text(&j, "consentStatus", status[st]);
    gdpr_jsonw__key(&j, "event");
    gdpr_jsonw__object_begin(&j);
    put_key_text(&j, "type", event_type[st]);
    put_key_instant(&j, "time", w->at);
    put_key_text(&j, "state", status[st]);
    gdpr_jsonw__object_end(&j);
    gdpr_jsonw__key(&j, "validity");
    gdpr_jsonw__object_begin(&j);
    put_key_instant(&j, "from", w->at);
    if (st == 1 && w->expires != 0) {
        put_key_instant(&j, "until", w->expires);
    } else {
        gdpr_jsonw__key(&j, "until");
        gdpr_jsonw__null(&j);
    }
    put_key_text(&j, "condition", st == 1 ? "until withdrawn or expired" : "none: not a grant");
    gdpr_jsonw__object_end(&j);
    gdpr_jsonw__key(&j, "services");
    gdpr_jsonw__array_begin(&j);
    gdpr_jsonw__object_begin(&j);
    put_key_node(&j, "service", gdpr_json__member(ctl, "name"));
    gdpr_jsonw__key(&j, "purposes");
    gdpr_jsonw__array_begin(&j);
    put_purpose(&j, w, pur, rcp);
    gdpr_jsonw__array_end(&j);
    gdpr_jsonw__object_end(&j);
    gdpr_jsonw__array_end(&j);
    gdpr_jsonw__key(&j, "piiTypes");
    gdpr_jsonw__array_begin(&j);
    for (const json_node *c = cats ? cats->first : NULL; c != NULL; c = c->next)
        gdpr_jsonw__node(&j, c);
    gdpr_jsonw__array_end(&j);
    gdpr_jsonw__key(&j, "sensitive");
    gdpr_jsonw__bool(&j, sensitive);
    gdpr_jsonw__key(&j, "spiCat");
    gdpr_jsonw__array_begin(&j);
    for (const json_node *c = cats ? cats->first : NULL; c != NULL; c = c->next)
        if (category_special(doc, c))
            gdpr_jsonw__node(&j, c);
    gdpr_jsonw__array_end(&j);
    put_storage(&j, doc, ctl);
    put_retention(&j, doc, w->purpose);
    put_recipients(&j, doc);
    put_key_text(&j, "withdrawal", withdrawal);
    gdpr_jsonw__key(&j, "withdrawalMethod");
    gdpr_jsonw__object_begin(&j);
    put_key_text(&j, "channel", w->channel);
    put_key_text(&j, "contact", reach);
    put_key_text(&j, "description", withdrawal);
    gdpr_jsonw__object_end(&j);
    gdpr_jsonw__object_end(&j);
    free(withdrawal);
    rc = gdpr_jsonw__finish(&j, json_out, NULL);
    return rc;
}

static int
receipt_locked(gdpr_engine *eng, int64_t event, char **json_out)
{
    receipt_walk w;
    json_node *doc = NULL;
    char *text = NULL, *unsigned_text = NULL;
    int rc;

    memset(&w, 0, sizeof w);
    w.eng = eng;
    rc = gdpr_store__consent_get(eng->st, event, receipt_row, &w);
    if (rc == GDPR_OK) {
        rc = gdpr_store__policy_get(eng->st, w.policy_version, &text);
        if (rc == GDPR_ENOTFOUND)
            rc = gdpr__err_set(GDPR_ENOTFOUND, "event: %lld is not a consent event of this store",
                               (long long)event);
    }
    if (rc == GDPR_OK)
        rc = gdpr_store__json_parse(eng->st, text, &doc);
    if (rc == GDPR_OK)
        rc = build_receipt(&w, doc, &unsigned_text);
    if (rc == GDPR_OK)
        rc = gdpr_consent__receipt_sign(eng, unsigned_text, json_out);
    free(unsigned_text);
    gdpr_json__free(doc);
    free(text);
    receipt_walk_free(&w);
    return rc;
}

GDPR_API int
gdpr_consent_receipt(gdpr_engine *eng, int64_t event, char **json_out)
{
    int rc;

    gdpr__err_clear();
    if (gdpr_engine__check_given(eng, json_out != NULL, "json_out") != GDPR_OK)
        return GDPR_EINVAL;
    *json_out = NULL;
    if (event <= 0)
        return gdpr__err_set(GDPR_EINVAL, "event: %lld is not an event id (ids start at 1)",
                             (long long)event);
    gdpr_engine__lock(eng);
    rc = receipt_locked(eng, event, json_out);
    return gdpr_engine__unlock(eng, rc);
}
