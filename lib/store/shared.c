/*
 * What every backend computes the same way (store_shared.h): the
 * encodings behind the lookup-row MACs (length-fixed over every column that
 * gives the row its meaning, then HMAC-SHA-256 under the row key,
 * lib/crypto), the aggregate value index, and a request's KPI part.
 * SPDX-License-Identifier: MIT
 */
#include "store_shared.h"

#include <stdio.h>
#include <string.h>

#include "error.h"

typedef struct {
    uint8_t buf[64 + 2 * CRYPTO_HASH_BYTES + 3 * (4 + GDPR_NAME_MAX + 8) + 5 * 8];
    size_t len;
} enc;

/* A consent event: a tag, 6 numbers, 2 hashes, 9 length+digest pairs. */
_Static_assert(sizeof(((enc *)0)->buf) >=
                   64 + 6 * 8 + 2 * CRYPTO_HASH_BYTES + 9 * (8 + CRYPTO_HASH_BYTES),
               "row MAC encoding buffer too small for a consent event");

static void
put_u64(enc *e, uint64_t v)
{
    for (int i = 7; i >= 0; i--)
        e->buf[e->len++] = (uint8_t)(v >> (8 * i));
}

static void
put_bytes(enc *e, const void *p, size_t n)
{
    memcpy(e->buf + e->len, p, n);
    e->len += n;
}

static void
put_text(enc *e, const char *s)
{
    size_t n = strnlen(s, GDPR_NAME_MAX + 8);

    put_u64(e, n);
    put_bytes(e, s, n);
}

static void
put_tag(enc *e, const char *tag)
{
    e->len = 0;
    put_bytes(e, tag, strlen(tag) + 1);
}

int
gdpr_store__identity_mac(store *st, int64_t id, const uint8_t ident[CRYPTO_HASH_BYTES],
                         const uint8_t subject[CRYPTO_HASH_BYTES], const char *kind,
                         uint8_t out[CRYPTO_HASH_BYTES])
{
    enc e;

    put_tag(&e, "libgdpr identity row 1");
    put_u64(&e, (uint64_t)id);
    put_bytes(&e, ident, CRYPTO_HASH_BYTES);
    put_bytes(&e, subject, CRYPTO_HASH_BYTES);
    put_text(&e, kind);
    return gdpr_crypto__row_mac(st->row_mac, e.buf, e.len, out);
}

int
gdpr_store__consent_state_mac(store *st, const uint8_t subject[CRYPTO_HASH_BYTES],
                              const char *purpose, const char *recipient,
                              const store_consent_state *cs, uint8_t out[CRYPTO_HASH_BYTES])
{
    enc e;

    put_tag(&e, "libgdpr consent state row 1");
    put_bytes(&e, subject, CRYPTO_HASH_BYTES);
    put_text(&e, purpose);
    put_text(&e, recipient);
    put_u64(&e, (uint64_t)cs->event);
    put_u64(&e, (uint64_t)cs->at);
    put_u64(&e, (uint64_t)(int64_t)cs->state);
    put_u64(&e, (uint64_t)cs->expires);
    put_u64(&e, (uint64_t)cs->flags);
    return gdpr_crypto__row_mac(st->row_mac, e.buf, e.len, out);
}

/* Texts and sealed values of any length enter as their length and
 * SHA-256, so the encoding stays bounded. */
static int
put_digest(store *st, enc *e, const void *p, size_t n, int present)
{
    uint8_t d[CRYPTO_HASH_BYTES] = {0};
    int rc = present ? gdpr_crypto__digest(st->row_mac, p != NULL ? p : "", n, d) : GDPR_OK;

    put_u64(e, present ? (uint64_t)n + 1 : 0);
    put_bytes(e, d, sizeof d);
    return rc;
}

int
gdpr_store__consent_event_mac(store *st, int64_t id, const store_consent_row *row,
                              uint8_t out[CRYPTO_HASH_BYTES])
{
    const char *texts[6];
    enc e;
    int rc = GDPR_OK;

    texts[0] = row->purpose;
    texts[1] = row->notice;
    texts[2] = row->notice_version;
    texts[3] = row->channel;
    texts[4] = row->actor;
    texts[5] = row->recipient;
    put_tag(&e, "libgdpr consent event row 1");
    put_u64(&e, (uint64_t)id);
    put_bytes(&e, row->subject, CRYPTO_HASH_BYTES);
    put_u64(&e, (uint64_t)row->at);
    put_u64(&e, (uint64_t)(int64_t)row->state);
    put_u64(&e, (uint64_t)row->policy_version);
    put_u64(&e, (uint64_t)row->expires);
    put_u64(&e, (uint64_t)row->flags);
    put_bytes(&e, row->notice_sha256, CRYPTO_HASH_BYTES);
    /* The texts are policy and caller names (a named person's recipient
     * enters as its blind-index key): the same few in every event, so
     * their digests are remembered by the crypto context. */
    for (size_t i = 0; rc == GDPR_OK && i < sizeof texts / sizeof texts[0]; i++) {
        const char *t = texts[i] != NULL ? texts[i] : "";
        uint8_t d[CRYPTO_HASH_BYTES] = {0}; /* never read unset if the digest fails */
        size_t n = strlen(t);
        rc = gdpr_crypto__digest_text(st->row_mac, t, n, d);
        put_u64(&e, (uint64_t)n + 1);
        put_bytes(&e, d, sizeof d);
    }
    /* The sealed values carry their own AEAD tag bound to the event id;
     * this binds their presence too (a proof set to NULL is an edit). */
    if (rc == GDPR_OK)
        rc = put_digest(st, &e, row->recipient_sealed, row->recipient_sealed_len,
                        row->recipient_sealed != NULL);
    if (rc == GDPR_OK)
        rc = put_digest(st, &e, row->proof, row->proof_len, row->proof != NULL);
    if (rc == GDPR_OK)
        rc = put_digest(st, &e, row->guardian, row->guardian_len, row->guardian != NULL);
    if (rc == GDPR_OK)
        rc = gdpr_crypto__row_mac(st->row_mac, e.buf, e.len, out);
    return rc;
}

int
gdpr_store__aggregate_index(store *st, const char *field, const char *value,
                            char out[AGG_INDEX_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    uint8_t msg[GDPR_NAME_MAX + 1 + AGG_VALUE_MAX];
    uint8_t mac[CRYPTO_HASH_BYTES];
    size_t flen = strnlen(field, GDPR_NAME_MAX), vlen = strnlen(value, AGG_VALUE_MAX);
    int rc;

    memcpy(msg, field, flen);
    msg[flen] = 0;
    memcpy(msg + flen + 1, value, vlen);
    rc = gdpr_crypto__blind_index(st->row_mac, "aggregate-value", msg, flen + 1 + vlen, mac);
    gdpr_crypto__wipe(msg, sizeof msg);
    if (rc != GDPR_OK)
        return rc;
    memcpy(out, AGG_INDEX_PREFIX, sizeof AGG_INDEX_PREFIX - 1);
    for (size_t i = 0; i < CRYPTO_HASH_BYTES; i++) {
        out[sizeof AGG_INDEX_PREFIX - 1 + 2 * i] = digits[mac[i] >> 4];
        out[sizeof AGG_INDEX_PREFIX - 1 + 2 * i + 1] = digits[mac[i] & 15];
    }
    out[AGG_INDEX_LEN] = '\0';
    return GDPR_OK;
}

size_t
gdpr_store__aggregate_aad(char *buf, const char *rule, const char *category, const char *purpose,
                          const char *field, int month, const char *index)
{
    int n = snprintf(buf, AGG_AAD_MAX, "aggregate|%.256s|%.256s|%.256s|%.256s|%d|%s", rule,
                     category, purpose, field, month, index);
    return n < 0 ? 0 : (size_t)n;
}

int
gdpr_store__aggregate_need_key(store *st)
{
    if (st->row_mac == NULL)
        return gdpr__err_set(GDPR_ESTATE, "retention aggregate: sealing a kept value needs the "
                                          "store's key (open the store through the engine)");
    return GDPR_OK;
}

void
gdpr_store__kpi_of(int type, int64_t received, const store_request_row *r, store_kpi_part *k)
{
    k->day = received / 86400;
    k->type = type;
    k->status = r->status;
    /* Art. 12(4): a refusal is due one month after receipt (first_due),
     * an extension of Art. 12(3) notwithstanding. */
    k->late =
        r->closed > 0 && r->closed >= (r->status == GDPR_REQUEST_DENIED ? r->first_due : r->due);
    /* Art. 12(2), 12(6): a request may lapse for want of identity only
     * after the controller asked for it; one that lapsed without an ask
     * before its due date counts as late (an answer that never came). */
    if (r->status == GDPR_REQUEST_EXPIRED)
        k->late = r->info_asked_at == 0 || r->info_asked_at >= r->due;
    k->extended = r->extended_months > 0;
    k->escalated = r->escalations > 0;
    k->escalations = r->escalations;
    k->high_risk = r->flags != 0;
    k->denial = r->denial;
    k->close_days = r->close_days;
}

int
gdpr_store__kpi_same(const store_kpi_part *a, const store_kpi_part *b)
{
    return a->day == b->day && a->type == b->type && a->status == b->status && a->late == b->late &&
           a->extended == b->extended && a->escalated == b->escalated &&
           a->escalations == b->escalations && a->high_risk == b->high_risk &&
           a->denial == b->denial && a->close_days == b->close_days;
}

int
gdpr_store__kpi_decided(int status)
{
    return status == GDPR_REQUEST_FULFILLED || status == GDPR_REQUEST_DENIED;
}
