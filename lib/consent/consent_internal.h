/*
 * Internal to the consent capability (lib/consent.c, lib/processing.c,
 * lib/disclosure.c): recipient keys, the consent evaluation every answer
 * shares, and the `why` helper.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_CONSENT_INTERNAL_H
#define GDPR_CONSENT_INTERNAL_H

#include "engine.h"
#include "gdpr/consent.h"

/* A recipient key: a policy recipient id as is, or "person:" and the
 * 64 hex digits of a keyed blind index for anyone else. */
#define CONSENT_KEY_MAX (GDPR_NAME_MAX + 1)
/* The recipient key of an Art. 49(1)(a) transfer consent:
 * "transfer:<recipient>@<country>". */
#define CONSENT_TRANSFER_PREFIX STORE_CONSENT_TRANSFER_PREFIX
int gdpr_consent__transfer_key(const char *recipient, const char *country,
                               char key[CONSENT_KEY_MAX]);
#define CONSENT_PERSON_PREFIX "person:"

/* The stored key of `recipient` for this subject (NULL or "": ""). A name
 * that is not a policy recipient is personal data: only its keyed hash,
 * bound to the subject, is stored in the clear. *person_out (may be
 * NULL) says it is a named person. */
int gdpr_consent__recipient_key(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
                                const char *recipient, char key[CONSENT_KEY_MAX], int *person_out);

/* Evaluate (subject, purpose, recipient key) at `at`: *allowed_out and
 * why (may be NULL). `special`: the purpose needs explicit consent. */
int gdpr_consent__evaluate(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
                           const char *purpose, const char *key, int special, int64_t at,
                           int *allowed_out, gdpr_why *why);

/* Sign a receipt built by the receipt builder (lib/consent/receipt.c):
 * `text` is its JSON; *json_out the same with a "proof" member (the
 * Ed25519 signature of the canonical form under the current generation's
 * key) appended, malloc'd. Engine locked. */
int gdpr_consent__receipt_sign(gdpr_engine *eng, const char *text, char **json_out);

/* A consent event a signal causes (GPC, TCF, GPP): the notice is the
 * policy's signals.notice, `channel` names the signal ("gpc", "tcf",
 * "gpp"). Inside the caller's transaction; audited like any event. */
int gdpr_consent__signal_event(gdpr_engine *eng, const gdpr_actor *who,
                               const uint8_t hash[CRYPTO_HASH_BYTES], const char *purpose,
                               int state, const char *channel, int64_t *event_out);
/* After a grant of the subject's own consent (`event` at `at`): when the
 * purpose is one the policy marks for GPC and a GPC signal is on record,
 * the conflict is recorded (the grant stands). */
int gdpr_consent__grant_conflict(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
                                 const char *purpose, int64_t event, int64_t at);

/* Look up a purpose of the policy in force; GDPR_EINVAL naming it. */
int gdpr_consent__find_purpose(const gdpr_engine *eng, const char *purpose,
                               const policy_purpose **out);
/* What every question about (subject, purpose) needs first: a policy, the
 * purpose in it and the subject's keyed hash. Engine locked. */
int gdpr_consent__resolve(gdpr_engine *eng, const char *subject, const char *purpose,
                          const policy_purpose **pu_out, uint8_t hash[CRYPTO_HASH_BYTES]);

/* Fill `why` (NULL: nothing) with a code, event and a formatted line. */
void gdpr_consent__why(gdpr_why *why, int code, int64_t event, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Check an instant argument: >= 0. */
int gdpr_consent__check_time(const char *field, int64_t at);
/* The arguments of a question about one subject's purpose at a time
 * (gdpr_consent_check, gdpr_may_process): *at resolved (GDPR_NOW) first,
 * then subject, purpose and the instant checked. */
int gdpr_consent__check_question(const gdpr_engine *eng, const char *subject, const char *purpose,
                                 int64_t *at);
/* The start of a public yes/no answer: the message cleared, *why_out zeroed
 * when given, the engine and allowed_out checked, *allowed_out set to "no"
 * until the answer is known. */
int gdpr_consent__answer_start(const gdpr_engine *eng, int *allowed_out, gdpr_why *why_out);

#endif
