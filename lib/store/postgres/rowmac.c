/*
 * MACs of lookup rows, as lib/store/sqlite/rowmac.c computes them: the
 * same tags and encoding, so a row's MAC does not depend on the backend
 * (identity and consent-state rows say "this blind index belongs to that
 * subject" and "this consent is in this state" without ciphertext; a row
 * whose MAC does not match is refused with GDPR_ECORRUPT, never followed).
 * PostgreSQL stores start at logical schema 18, so there is no step that
 * MACs older lookup rows; consent events got their MAC at step 25, which
 * fills it for the events already there (consent.c).
 * SPDX-License-Identifier: MIT
 */
#include "pg_internal.h"
#include "store_shared.h"

#include <string.h>

#include "error.h"

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
