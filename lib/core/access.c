/*
 * The access log (Art. 15(1), 15(4); CJEU C-579/21 Pankki S, 22 Jun
 * 2023): each consultation of a subject's data is logged with its time,
 * the actor's role and id, the permission used, the purpose and why. The
 * subject is told when and why (the export); the staff member appears as
 * the role and a keyed reference the controller can resolve, unless the
 * policy records the controller's decision that the identity is needed.
 * SPDX-License-Identifier: MIT
 */
#include "access.h"

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "text.h"

int
gdpr_access__staff_ref(gdpr_engine *eng, const char *actor, char out[GDPR_ACCESS_REF_LEN + 1])
{
    uint8_t mac[CRYPTO_HASH_BYTES];
    int rc = gdpr_crypto__blind_index(eng->crypto, "staff", actor, strlen(actor), mac);

    if (rc != GDPR_OK)
        return rc;
    memcpy(out, "staff-", 6);
    gdpr__hex_encode(mac, (GDPR_ACCESS_REF_LEN - 6) / 2, out + 6);
    out[GDPR_ACCESS_REF_LEN] = '\0';
    return GDPR_OK;
}

int
gdpr_access__log(gdpr_engine *eng, const gdpr_actor *who, const uint8_t hash[CRYPTO_HASH_BYTES],
                 permission action, const char *purpose, int64_t record, const char *reason)
{
    store_access_row row;

    memset(&row, 0, sizeof row);
    row.subject = hash;
    row.at = gdpr_engine__now(eng);
    row.actor = who->id;
    row.role = who->role;
    row.action = gdpr_permission__name(action);
    row.purpose = purpose;
    row.record = record;
    row.reason = reason;
    return gdpr_store__access_insert(eng->st, &row);
}
