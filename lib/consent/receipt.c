/*
 * Signed consent receipts: the Ed25519 signature over the canonical form
 * of a receipt, the store's receipt public keys, and verification.
 * Canonical form: the receipt's JSON without its "proof" member, object
 * members sorted by name (bytewise) at every depth, no whitespace, as the
 * JSON writer prints strings and numbers (gdpr_jsonw__canonical). Keys:
 * one Ed25519 pair per master-key generation, derived from the root
 * secret (lib/crypto/sign.c), so gdpr_rekey starts a new signing key and
 * every older one stays listed and verifiable. docs/decisions/0012.
 * SPDX-License-Identifier: MIT
 */
#include "consent_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "json.h"
#include "jsonw.h"
#include "text.h"

#define RECEIPT_PROOF_TYPE "Ed25519Signature"
#define RECEIPT_CANONICAL "libgdpr-canonical-json/1 (sorted keys, no whitespace, proof removed)"
/* "rk<generation>-<16 hex digits of SHA-256(public key)>" */
#define KEY_ID_MAX 48
/* Longest receipt gdpr_receipt_verify() reads. */
#define RECEIPT_TEXT_MAX (1u << 20)

static int
key_of(gdpr_engine *eng, uint64_t generation, uint8_t pub[CRYPTO_SIGN_PUBLIC_BYTES],
       char id[KEY_ID_MAX])
{
    uint8_t digest[CRYPTO_HASH_BYTES];
    char hex[2 * 8 + 1];
    int rc = gdpr_crypto__receipt_public(eng->root, generation, pub);

    if (rc == GDPR_OK)
        rc = gdpr_crypto__sha256(pub, CRYPTO_SIGN_PUBLIC_BYTES, digest);
    if (rc != GDPR_OK)
        return rc;
    gdpr__hex_encode(digest, 8, hex);
    snprintf(id, KEY_ID_MAX, "rk%llu-%s", (unsigned long long)generation, hex);
    return GDPR_OK;
}

/* The canonical bytes of a parsed receipt (without "proof"). */
static int
canonical_of(const json_node *doc, char **out, size_t *len)
{
    jsonw w;

    gdpr_jsonw__init(&w);
    if (gdpr_jsonw__canonical(&w, doc, "proof") != 0 && !w.failed) {
        gdpr_jsonw__free(&w);
        return gdpr__err_set(GDPR_EINVAL,
                             "receipt: an object names a member twice; it has no canonical form");
    }
    return gdpr_jsonw__finish(&w, out, len);
}

int
gdpr_consent__receipt_sign(gdpr_engine *eng, const char *text, char **json_out)
{
    uint8_t pub[CRYPTO_SIGN_PUBLIC_BYTES], sig[CRYPTO_SIGNATURE_BYTES];
    char b64[CRYPTO_BASE64_LEN(CRYPTO_SIGNATURE_BYTES) + 1];
    char id[KEY_ID_MAX];
    json_node *doc = NULL;
    char *canon = NULL, *out;
    size_t canon_len = 0, len = strlen(text), cap;
    int rc = gdpr_store__json_parse(eng->st, text, &doc);

    *json_out = NULL;
    if (rc == GDPR_OK)
        rc = canonical_of(doc, &canon, &canon_len);
    if (rc == GDPR_OK)
        rc = key_of(eng, eng->kek_generation, pub, id);
    if (rc == GDPR_OK)
        rc = gdpr_crypto__receipt_sign(eng->root, eng->kek_generation, canon, canon_len, sig);
    gdpr_json__free(doc);
    free(canon);
    if (rc != GDPR_OK)
        return rc;
    if (len < 2 || text[len - 1] != '}')
        return gdpr__err_set(GDPR_ECORRUPT, "receipt: the builder's text is not an object");
    gdpr_crypto__base64_encode(sig, sizeof sig, b64);
    cap = len + sizeof b64 + sizeof id + 256;
    out = malloc(cap);
    if (out == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory for a consent receipt");
    /* The proof goes last, outside the signed form. */
    snprintf(out, cap,
             "%.*s,\"proof\":{\"type\":\"" RECEIPT_PROOF_TYPE "\",\"keyId\":\"%s\","
             "\"canonicalization\":\"" RECEIPT_CANONICAL "\",\"signature\":\"%s\"}}",
             (int)(len - 1), text, id, b64);
    *json_out = out;
    return GDPR_OK;
}

/* --- public keys --------------------------------------------------------- */

static int
public_keys_locked(gdpr_engine *eng, char **json_out)
{
    uint8_t pub[CRYPTO_SIGN_PUBLIC_BYTES];
    char b64[CRYPTO_BASE64_LEN(CRYPTO_SIGN_PUBLIC_BYTES) + 1];
    char id[KEY_ID_MAX];
    jsonw j;
    int rc = GDPR_OK;

    gdpr_jsonw__init(&j);
    gdpr_jsonw__object_begin(&j);
    gdpr_jsonw__key(&j, "alg");
    gdpr_jsonw__string(&j, "Ed25519");
    gdpr_jsonw__key(&j, "canonicalization");
    gdpr_jsonw__string(&j, RECEIPT_CANONICAL);
    gdpr_jsonw__key(&j, "keys");
    gdpr_jsonw__array_begin(&j);
    for (uint64_t g = 0; rc == GDPR_OK && g <= eng->kek_generation; g++) {
        char *pem = NULL;
        rc = key_of(eng, g, pub, id);
        if (rc == GDPR_OK)
            rc = gdpr_crypto__ed25519_pem(pub, &pem);
        if (rc != GDPR_OK)
            break;
        gdpr_crypto__base64_encode(pub, sizeof pub, b64);
        gdpr_jsonw__object_begin(&j);
        gdpr_jsonw__key(&j, "keyId");
        gdpr_jsonw__string(&j, id);
        gdpr_jsonw__key(&j, "generation");
        gdpr_jsonw__int64(&j, (int64_t)g);
        gdpr_jsonw__key(&j, "current");
        gdpr_jsonw__bool(&j, g == eng->kek_generation);
        gdpr_jsonw__key(&j, "publicKey");
        gdpr_jsonw__string(&j, b64);
        gdpr_jsonw__key(&j, "pem");
        gdpr_jsonw__string(&j, pem);
        gdpr_jsonw__object_end(&j);
        free(pem);
    }
    gdpr_jsonw__array_end(&j);
    gdpr_jsonw__object_end(&j);
    if (rc != GDPR_OK) {
        gdpr_jsonw__free(&j);
        return rc;
    }
    return gdpr_jsonw__finish(&j, json_out, NULL);
}

GDPR_API int
gdpr_receipt_public_key(gdpr_engine *eng, char **json_out)
{
    int rc;

    gdpr__err_clear();
    if (gdpr_engine__check_given(eng, json_out != NULL, "json_out") != GDPR_OK)
        return GDPR_EINVAL;
    *json_out = NULL;
    gdpr_engine__lock(eng);
    rc = public_keys_locked(eng, json_out);
    return gdpr_engine__unlock(eng, rc);
}

/* --- verification -------------------------------------------------------- */

/* A receipt that does not verify: *valid_out 0, the reason in the message. */
static int
not_valid(int *valid_out, const char *field, const char *why)
{
    *valid_out = 0;
    gdpr__err_set(GDPR_OK, "%s: %s", field, why);
    return GDPR_OK;
}

static int
verify_doc(gdpr_engine *eng, const json_node *doc, int *valid_out)
{
    const json_node *proof = gdpr_json__member(doc, "proof");
    const json_node *type = gdpr_json__member(proof, "type");
    const json_node *kid = gdpr_json__member(proof, "keyId");
    const json_node *sig = gdpr_json__member(proof, "signature");
    uint8_t pub[CRYPTO_SIGN_PUBLIC_BYTES], raw[CRYPTO_SIGNATURE_BYTES + 3];
    char id[KEY_ID_MAX];
    char *canon = NULL;
    size_t canon_len = 0, raw_len = 0;
    int found = 0, rc;

    if (proof == NULL || proof->type != JSON_OBJECT)
        return not_valid(valid_out, "receipt", "no proof object: the receipt is not signed");
    if (type == NULL || type->type != JSON_TEXT || strcmp(type->text, RECEIPT_PROOF_TYPE) != 0)
        return not_valid(valid_out, "proof.type", "not '" RECEIPT_PROOF_TYPE "'");
    if (kid == NULL || kid->type != JSON_TEXT)
        return not_valid(valid_out, "proof.keyId", "missing or not text");
    if (sig == NULL || sig->type != JSON_TEXT ||
        gdpr_crypto__base64_decode(sig->text, strlen(sig->text), raw, sizeof raw, &raw_len) !=
            GDPR_OK ||
        raw_len != CRYPTO_SIGNATURE_BYTES)
        return not_valid(valid_out, "proof.signature",
                         "not the base64 text of a 64-byte Ed25519 signature");
    for (uint64_t g = 0; !found && g <= eng->kek_generation; g++) {
        rc = key_of(eng, g, pub, id);
        if (rc != GDPR_OK)
            return rc;
        found = strcmp(id, kid->text) == 0;
    }
    if (!found)
        return not_valid(valid_out, "proof.keyId", "not a receipt key of this store");
    rc = canonical_of(doc, &canon, &canon_len);
    if (rc == GDPR_EINVAL) {
        *valid_out = 0;
        return GDPR_OK;
    }
    if (rc == GDPR_OK)
        rc = gdpr_crypto__ed25519_verify(pub, canon, canon_len, raw, valid_out);
    free(canon);
    if (rc == GDPR_OK && !*valid_out)
        gdpr__err_set(GDPR_OK,
                      "receipt: the signature does not match its content (key %s): "
                      "the receipt was changed after it was signed",
                      id);
    return rc;
}

GDPR_API int
gdpr_receipt_verify(gdpr_engine *eng, const char *receipt_json, int *valid_out)
{
    json_node *doc = NULL;
    size_t len, bad;
    int rc;

    gdpr__err_clear();
    if (gdpr_engine__check_given(eng, valid_out != NULL, "valid_out") != GDPR_OK)
        return GDPR_EINVAL;
    *valid_out = 0;
    if (receipt_json == NULL)
        return gdpr__err_set(GDPR_EINVAL, "receipt_json: must not be NULL");
    len = strnlen(receipt_json, RECEIPT_TEXT_MAX + 1);
    if (len == 0)
        return gdpr__err_set(GDPR_EINVAL, "receipt_json: must not be empty");
    if (len > RECEIPT_TEXT_MAX)
        return gdpr__err_set(GDPR_EINVAL, "receipt_json: longer than %u bytes", RECEIPT_TEXT_MAX);
    if (gdpr__utf8_check(receipt_json, len, &bad) != 0)
        return gdpr__err_set(GDPR_EINVAL, "receipt_json: not valid UTF-8 (byte %zu)", bad);
    gdpr_engine__lock(eng);
    rc = gdpr_store__json_parse(eng->st, receipt_json, &doc);
    if (rc == GDPR_OK && doc->type != JSON_OBJECT)
        rc = gdpr__err_set(GDPR_EINVAL, "receipt_json: not a JSON object");
    else if (rc == GDPR_EINVAL)
        rc = gdpr__err_wrap(GDPR_EINVAL, "receipt_json");
    if (rc == GDPR_OK)
        rc = verify_doc(eng, doc, valid_out);
    gdpr_json__free(doc);
    return gdpr_engine__unlock(eng, rc);
}
