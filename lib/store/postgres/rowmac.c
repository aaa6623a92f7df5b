/*
 * MACs of lookup rows, as lib/store/sqlite/rowmac.c computes them: the
 * same tags and encoding, so a row's MAC does not depend on the backend
 * (identity and consent-state rows say "this blind index belongs to that
 * subject" and "this consent is in this state" without ciphertext; a row
 * whose MAC does not match is refused with GDPR_ECORRUPT, never followed).
 * PostgreSQL stores start at logical schema 18, so there is no step that
 * MACs older rows.
 * SPDX-License-Identifier: MIT
 */
#include "pg_internal.h"

#include <string.h>

#include "error.h"

typedef struct {
    uint8_t buf[64 + 2 * CRYPTO_HASH_BYTES + 3 * (4 + GDPR_NAME_MAX + 8) + 5 * 8];
    size_t len;
} enc;

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
gdpr_pg__identity_mac(pg_store *st, int64_t id, const uint8_t ident[CRYPTO_HASH_BYTES],
                      const uint8_t subject[CRYPTO_HASH_BYTES], const char *kind,
                      uint8_t out[CRYPTO_HASH_BYTES])
{
    enc e;

    put_tag(&e, "libgdpr identity row 1");
    put_u64(&e, (uint64_t)id);
    put_bytes(&e, ident, CRYPTO_HASH_BYTES);
    put_bytes(&e, subject, CRYPTO_HASH_BYTES);
    put_text(&e, kind);
    return gdpr_crypto__row_mac(st->base.row_mac, e.buf, e.len, out);
}

int
gdpr_pg__consent_state_mac(pg_store *st, const uint8_t subject[CRYPTO_HASH_BYTES],
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
    return gdpr_crypto__row_mac(st->base.row_mac, e.buf, e.len, out);
}

int
gdpr_pg__row_mac_check(const uint8_t want[CRYPTO_HASH_BYTES], const uint8_t *stored,
                       size_t stored_len, const char *what)
{
    if (stored == NULL || stored_len != CRYPTO_HASH_BYTES)
        return gdpr__err_set(GDPR_ECORRUPT, "%s: MAC missing (the database was edited)", what);
    if (!gdpr_crypto__equal(want, stored, CRYPTO_HASH_BYTES))
        return gdpr__err_set(GDPR_ECORRUPT,
                             "%s: MAC does not match (the database was edited); refused, not "
                             "followed",
                             what);
    return GDPR_OK;
}
