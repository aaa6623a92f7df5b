/*
 * Identifiers of a subject (e-mail, phone, account number ...): linked by
 * a keyed blind index of the normalised value, so a request that arrives
 * by phone finds the same person as one by e-mail, and the store never
 * holds the value in plaintext (a sealed copy serves the export).
 * SPDX-License-Identifier: MIT
 */
#include "engine.h"

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "gdpr/vault.h"
#include "text.h"

#define KIND_MAX 64u
#define PHONE_DIGITS_MIN 3u
#define PHONE_DIGITS_MAX 20u

static int
check_kind(const char *kind)
{
    int rc = gdpr_text__check("kind", kind, KIND_MAX);

    if (rc != GDPR_OK)
        return rc;
    for (const char *p = kind; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
            return gdpr__err_set(GDPR_EINVAL, "kind: '%s' may hold only a-z, 0-9, '_', '-' and '.'",
                                 kind);
    }
    return GDPR_OK;
}

static int
is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Trimmed of ASCII white space, lowercased (ASCII only: the local part is
 * case-sensitive by RFC 5321 in theory, never in practice). */
static int
normalise_email(const char *v, size_t len, char *out, size_t *out_len)
{
    size_t start = 0, end = len, n = 0, at = 0, ats = 0;

    while (start < end && is_space((unsigned char)v[start]))
        start++;
    while (end > start && is_space((unsigned char)v[end - 1]))
        end--;
    for (size_t i = start; i < end; i++) {
        unsigned char c = (unsigned char)v[i];
        if (is_space(c))
            return gdpr__err_set(GDPR_EINVAL,
                                 "value: an e-mail address holds no white space "
                                 "(byte %zu)",
                                 i);
        if (c == '@') {
            ats++;
            at = n;
        }
        out[n++] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    if (ats != 1 || at == 0 || at + 1 == n)
        return gdpr__err_set(GDPR_EINVAL, "value: an e-mail address is local-part@domain with "
                                          "exactly one '@'");
    *out_len = n;
    return GDPR_OK;
}

/* A leading '+' and the digits; spaces, '-', '.', '(' and ')' dropped. */
static int
normalise_phone(const char *v, size_t len, char *out, size_t *out_len)
{
    size_t n = 0, digits = 0;
    int seen = 0;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c >= '0' && c <= '9') {
            out[n++] = (char)c;
            digits++;
            seen = 1;
        } else if (c == '+' && !seen) {
            out[n++] = '+';
            seen = 1;
        } else if (!(is_space(c) || c == '-' || c == '.' || c == '(' || c == ')')) {
            return gdpr__err_set(GDPR_EINVAL,
                                 "value: a phone number holds a leading '+', digits, "
                                 "spaces, '-', '.', '(' and ')' only (byte %zu)",
                                 i);
        }
    }
    if (digits < PHONE_DIGITS_MIN || digits > PHONE_DIGITS_MAX)
        return gdpr__err_set(GDPR_EINVAL, "value: a phone number has %u to %u digits, this has %zu",
                             PHONE_DIGITS_MIN, PHONE_DIGITS_MAX, digits);
    *out_len = n;
    return GDPR_OK;
}

/* Check and normalise into out (GDPR_NAME_MAX bytes). */
static int
normalise(const char *kind, const void *value, size_t len, char *out, size_t *out_len)
{
    const char *v = value;
    size_t bad;
    int spaced;
    int rc = check_kind(kind);

    if (rc != GDPR_OK)
        return rc;
    spaced = strcmp(kind, "email") == 0 || strcmp(kind, "phone") == 0;
    if (value == NULL)
        return gdpr__err_set(GDPR_EINVAL, "value: must not be NULL");
    if (len == 0)
        return gdpr__err_set(GDPR_EINVAL, "value: must not be empty");
    if (len > GDPR_NAME_MAX)
        return gdpr__err_set(GDPR_EINVAL, "value: longer than %u bytes", GDPR_NAME_MAX);
    if (gdpr__utf8_check(v, len, &bad) != 0)
        return gdpr__err_set(GDPR_EINVAL, "value: not valid UTF-8 (byte %zu)", bad);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        /* White space is trimmed (e-mail) or dropped (phone) below. */
        if (c == 0x7F || (c < 0x20 && !(spaced && is_space(c))))
            return gdpr__err_set(GDPR_EINVAL, "value: control character at byte %zu", i);
    }
    if (strcmp(kind, "email") == 0)
        return normalise_email(v, len, out, out_len);
    if (strcmp(kind, "phone") == 0)
        return normalise_phone(v, len, out, out_len);
    memcpy(out, v, len);
    *out_len = len;
    return GDPR_OK;
}

static int
identity_hash_norm(gdpr_engine *eng, const char *kind, const char *norm, size_t len,
                   uint8_t out[CRYPTO_HASH_BYTES])
{
    char domain[sizeof "ident:" + KIND_MAX];

    memcpy(domain, "ident:", sizeof "ident:" - 1);
    memcpy(domain + sizeof "ident:" - 1, kind, strlen(kind) + 1);
    return gdpr_crypto__blind_index(eng->crypto, domain, norm, len, out);
}

int
gdpr_engine__identity_hash(gdpr_engine *eng, const char *kind, const void *value, size_t len,
                           uint8_t out[CRYPTO_HASH_BYTES])
{
    char norm[GDPR_NAME_MAX];
    size_t n = 0;
    int rc = normalise(kind, value, len, norm, &n);

    if (rc == GDPR_OK)
        rc = identity_hash_norm(eng, kind, norm, n, out);
    gdpr_crypto__wipe(norm, sizeof norm);
    return rc;
}

static int
link_locked(gdpr_engine *eng, const gdpr_actor *who, const char *subject, const char *kind,
            const char *norm, size_t len, const uint8_t ident[CRYPTO_HASH_BYTES])
{
    uint8_t hash[CRYPTO_HASH_BYTES], owner[CRYPTO_HASH_BYTES];
    uint8_t sealed[GDPR_NAME_MAX + CRYPTO_SEAL_OVERHEAD];
    int64_t id = 0;
    char ref[48];
    int rc = gdpr_engine__subject_hash(eng, subject, hash);

    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_SUBJECT_LINK, hash);
    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_store__identity_find(eng->st, ident, owner);
    if (rc == GDPR_OK && gdpr_crypto__equal(owner, hash, CRYPTO_HASH_BYTES))
        return GDPR_OK; /* linked already: nothing to change */
    if (rc == GDPR_OK)
        return gdpr__err_set(GDPR_EEXISTS,
                             "value: this %s identifier is linked to another subject "
                             "already; one identifier names one person",
                             kind);
    if (rc != GDPR_ENOTFOUND)
        return rc;
    rc = gdpr_engine__begin(eng);
    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_engine__subject_ensure_hashed(eng, subject, hash, NULL, NULL);
    if (rc == GDPR_OK)
        rc = store_identity_next_id(eng->st, &id);
    if (rc == GDPR_OK)
        rc = gdpr_engine__seal_field(eng, hash, "identity", id, "value", norm, len, sealed);
    if (rc == GDPR_OK)
        rc = gdpr_store__identity_insert(eng->st, id, ident, hash, kind, sealed,
                                         len + CRYPTO_SEAL_OVERHEAD, gdpr_engine__now(eng));
    snprintf(ref, sizeof ref, "identity %lld", (long long)id);
    if (rc == GDPR_OK)
        rc = gdpr_audit__append(eng, who, gdpr_permission__name(PERM_SUBJECT_LINK), hash, GDPR_OK,
                                ref);
    return gdpr_engine__end(eng, rc);
}

GDPR_API int
gdpr_subject_link(gdpr_engine *eng, const gdpr_actor *who, const char *subject, const char *kind,
                  const char *value)
{
    uint8_t ident[CRYPTO_HASH_BYTES];
    char norm[GDPR_NAME_MAX];
    size_t n = 0;
    int rc;

    rc = gdpr_engine__enter_subject(eng, who, subject);
    if (rc == GDPR_OK && value == NULL)
        rc = gdpr__err_set(GDPR_EINVAL, "value: must not be NULL");
    if (rc == GDPR_OK)
        rc = normalise(kind, value, strnlen(value, GDPR_NAME_MAX + 1), norm, &n);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = gdpr_engine__require_policy(eng);
    if (rc == GDPR_OK)
        rc = identity_hash_norm(eng, kind, norm, n, ident);
    if (rc == GDPR_OK)
        rc = link_locked(eng, who, subject, kind, norm, n, ident);
    gdpr_crypto__wipe(norm, sizeof norm);
    return gdpr_engine__unlock(eng, rc);
}

static int
find_subject(gdpr_engine *eng, const char *kind, const void *value, size_t len, char **subject_out)
{
    uint8_t ident[CRYPTO_HASH_BYTES], hash[CRYPTO_HASH_BYTES];
    int rc;

    if (subject_out != NULL)
        *subject_out = NULL;
    if (gdpr_engine__check_given(eng, subject_out != NULL, "subject_out") != GDPR_OK)
        return GDPR_EINVAL;
    /* One read transaction for the generation, the identity row and the
     * sealed id: one snapshot, one WAL read lock (not three). */
    gdpr_engine__lock_read(eng);
    rc = gdpr_engine__identity_hash(eng, kind, value, len, ident);
    if (rc == GDPR_OK)
        rc = gdpr_store__identity_find(eng->st, ident, hash);
    if (rc == GDPR_ENOTFOUND)
        rc = gdpr__err_set(GDPR_ENOTFOUND, "value: no subject has this %s identifier", kind);
    if (rc == GDPR_OK)
        rc = gdpr_engine__subject_ident(eng, hash, subject_out);
    return gdpr_engine__unlock_read(eng, rc);
}

GDPR_API int
gdpr_subject_find_id(gdpr_engine *eng, const char *kind, const char *value, char **subject_out)
{
    if (subject_out != NULL)
        *subject_out = NULL;
    if (gdpr_engine__check_given(eng, subject_out != NULL, "subject_out") != GDPR_OK)
        return GDPR_EINVAL;
    if (value == NULL)
        return gdpr__err_set(GDPR_EINVAL, "value: must not be NULL");
    return find_subject(eng, kind, value, strnlen(value, GDPR_NAME_MAX + 1), subject_out);
}

/* Deprecated (0.2): the pointer-and-length form of gdpr_subject_find_id. */
GDPR_API int
gdpr_subject_find(gdpr_engine *eng, const char *kind, const void *value, size_t len,
                  char **subject_out)
{
    return find_subject(eng, kind, value, len, subject_out);
}
