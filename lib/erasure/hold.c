/*
 * Legal holds (Art. 17(3)(e)): the DPO keeps a subject, a record or a
 * category from erasure until a date, with a reason. Every erasure path
 * asks gdpr_store__hold_covering() before it deletes.
 * SPDX-License-Identifier: MIT
 */
#include "erasure_internal.h"

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "gdpr/erasure.h"
#include "calendar.h"
#include "text.h"

static int
check_hold(const gdpr_hold *h)
{
    int rc;

    if (h == NULL)
        return gdpr__err_set(GDPR_EINVAL, "hold: must not be NULL");
    if (h->version == 0 || h->version > GDPR_HOLD_VERSION)
        return gdpr__err_set(GDPR_EVERSION, "hold.version: %u is not a known hold version (1..%u)",
                             h->version, GDPR_HOLD_VERSION);
    switch (h->scope) {
    case GDPR_HOLD_SUBJECT:
        rc = gdpr_text__check("hold.subject", h->subject, GDPR_NAME_MAX);
        if (rc == GDPR_OK && h->record != 0)
            rc = gdpr__err_set(GDPR_EINVAL, "hold.record: must be 0 for a subject hold");
        if (rc == GDPR_OK && h->category != NULL)
            rc = gdpr__err_set(GDPR_EINVAL, "hold.category: must be NULL for a subject hold");
        break;
    case GDPR_HOLD_RECORD:
        rc = gdpr_text__check_id("hold.record", "a record id", h->record);
        if (rc == GDPR_OK && h->subject != NULL)
            rc = gdpr__err_set(GDPR_EINVAL, "hold.subject: must be NULL for a record hold (the "
                                            "record names its subject)");
        if (rc == GDPR_OK && h->category != NULL)
            rc = gdpr__err_set(GDPR_EINVAL, "hold.category: must be NULL for a record hold");
        break;
    case GDPR_HOLD_CATEGORY:
        rc = gdpr_text__check("hold.category", h->category, GDPR_NAME_MAX);
        if (rc == GDPR_OK)
            rc = gdpr_text__check_optional("hold.subject", h->subject, GDPR_NAME_MAX);
        if (rc == GDPR_OK && h->record != 0)
            rc = gdpr__err_set(GDPR_EINVAL, "hold.record: must be 0 for a category hold");
        break;
    default:
        return gdpr__err_set(GDPR_EINVAL,
                             "hold.scope: %d is not a scope (1 subject, 2 record, "
                             "3 category)",
                             (int)h->scope);
    }
    if (rc == GDPR_OK)
        rc = gdpr_text__check("hold.reason", h->reason, GDPR_HOLD_REASON_MAX);
    if (rc == GDPR_OK && (h->until <= 0 || h->until > CAL_MAX_TIME))
        rc = gdpr__err_set(GDPR_EINVAL,
                           "hold.until: %lld seconds is not a time from 1970-01-01 to "
                           "9999-12-31 (the end of the hold is needed)",
                           (long long)h->until);
    return rc;
}

typedef struct {
    uint8_t hash[CRYPTO_HASH_BYTES];
} record_subject;

static int
copy_subject(const store_vault_row *row, void *ctx)
{
    memcpy(((record_subject *)ctx)->hash, row->subject, CRYPTO_HASH_BYTES);
    return 0;
}

static int
place_locked(gdpr_engine *eng, const gdpr_actor *who, const gdpr_hold *h, int64_t *id_out)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    const uint8_t *subject = NULL;
    store_hold_row row;
    record_subject owner;
    int64_t now = gdpr_engine__now(eng), id = 0;
    char ref[64];
    int rc = gdpr_engine__require_policy(eng);

    if (rc == GDPR_OK && h->until <= now) {
        char until[21], at[21];
        gdpr_calendar__format_time(h->until, until);
        gdpr_calendar__format_time(now, at);
        rc = gdpr__err_set(GDPR_EINVAL,
                           "hold.until: %s is not after now (%s); a hold needs an "
                           "end in the future",
                           until, at);
    }
    if (rc == GDPR_OK && h->category != NULL &&
        gdpr_policy__find_category(eng->policy, h->category) == NULL)
        rc = gdpr__err_set(GDPR_EINVAL, "hold.category: '%.64s' is not a category of the policy",
                           h->category);
    if (rc == GDPR_OK && h->subject != NULL) {
        rc = gdpr_engine__subject_hash(eng, h->subject, hash);
        subject = hash;
    }
    if (rc == GDPR_OK && h->scope == GDPR_HOLD_RECORD) {
        rc = gdpr_store__vault_get(eng->st, h->record, copy_subject, &owner);
        if (rc == GDPR_ENOTFOUND)
            rc = gdpr__err_set(GDPR_ENOTFOUND, "hold.record: %lld is not a vault record",
                               (long long)h->record);
        subject = owner.hash;
    }
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_HOLD_MANAGE, subject);
    if (rc == GDPR_OK && h->scope == GDPR_HOLD_SUBJECT) {
        int64_t sid = 0;
        rc = gdpr_store__subject_find(eng->st, hash, &sid);
        if (rc == GDPR_ENOTFOUND)
            rc = gdpr__err_set(GDPR_ENOTFOUND, "hold.subject: the store holds no such subject");
    }
    if (rc != GDPR_OK)
        return rc;
    memset(&row, 0, sizeof row);
    row.scope = (int)h->scope;
    /* A record hold names its record; the subject is found through it. */
    row.subject = h->scope == GDPR_HOLD_RECORD ? NULL : subject;
    row.record = h->record;
    row.category = h->category;
    row.reason = h->reason;
    row.placed_at = now;
    row.placed_by = who->id;
    row.until = h->until;
    rc = gdpr_engine__begin(eng);
    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_store__hold_insert(eng->st, &row, &id);
    snprintf(ref, sizeof ref, "hold %lld placed", (long long)id);
    if (rc == GDPR_OK)
        rc = gdpr_audit__append(eng, who, gdpr_permission__name(PERM_HOLD_MANAGE), subject, GDPR_OK,
                                ref);
    rc = gdpr_engine__end(eng, rc);
    if (rc == GDPR_OK && id_out)
        *id_out = id;
    return rc;
}

GDPR_API int
gdpr_hold_place(gdpr_engine *eng, const gdpr_actor *who, const gdpr_hold *hold, int64_t *hold_out)
{
    int rc;

    if (hold_out)
        *hold_out = 0;
    rc = gdpr_engine__enter(eng, who);
    if (rc == GDPR_OK)
        rc = check_hold(hold);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = place_locked(eng, who, hold, hold_out);
    return gdpr_engine__unlock(eng, rc);
}

typedef struct {
    int released;
    int has_subject;
    uint8_t subject[CRYPTO_HASH_BYTES];
} hold_state;

static int
copy_state(const store_hold_row *row, void *ctx)
{
    hold_state *s = ctx;

    s->released = row->released_at != 0;
    s->has_subject = row->subject != NULL;
    if (row->subject)
        memcpy(s->subject, row->subject, CRYPTO_HASH_BYTES);
    return 0;
}

static int
release_locked(gdpr_engine *eng, const gdpr_actor *who, int64_t hold, const char *reason)
{
    hold_state state;
    char ref[64];
    int rc = gdpr_engine__require_policy(eng);

    memset(&state, 0, sizeof state);
    if (rc == GDPR_OK)
        rc = gdpr_store__hold_get(eng->st, hold, copy_state, &state);
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_HOLD_MANAGE,
                                    state.has_subject ? state.subject : NULL);
    if (rc == GDPR_OK && state.released)
        rc = gdpr__err_set(GDPR_ESTATE, "hold: %lld was released already", (long long)hold);
    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_engine__begin(eng);
    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_store__hold_release(eng->st, hold, gdpr_engine__now(eng), who->id, reason);
    snprintf(ref, sizeof ref, "hold %lld released", (long long)hold);
    if (rc == GDPR_OK)
        rc = gdpr_audit__append(eng, who, gdpr_permission__name(PERM_HOLD_MANAGE),
                                state.has_subject ? state.subject : NULL, GDPR_OK, ref);
    return gdpr_engine__end(eng, rc);
}

GDPR_API int
gdpr_hold_release(gdpr_engine *eng, const gdpr_actor *who, int64_t hold, const char *reason)
{
    int rc;

    rc = gdpr_engine__enter(eng, who);
    if (rc == GDPR_OK)
        rc = gdpr_text__check_id("hold", "a hold id", hold);
    if (rc == GDPR_OK)
        rc = gdpr_text__check_optional("reason", reason, GDPR_HOLD_REASON_MAX);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = release_locked(eng, who, hold, reason);
    return gdpr_engine__unlock(eng, rc);
}

typedef struct {
    gdpr_hold_fn fn;
    void *ctx;
    int64_t now;
} hold_walk;

static int
walk_hold(const store_hold_row *row, void *ctx)
{
    hold_walk *w = ctx;
    gdpr_hold_info h;
    char hex[2 * CRYPTO_HASH_BYTES + 1] = "";

    if (row->subject)
        gdpr__hex_encode(row->subject, CRYPTO_HASH_BYTES, hex);
    memset(&h, 0, sizeof h);
    h.id = row->id;
    h.scope = (gdpr_hold_scope)row->scope;
    h.subject_hash = hex;
    h.record = row->record;
    h.category = row->category;
    h.reason = row->reason;
    h.placed_at = row->placed_at;
    h.placed_by = row->placed_by;
    h.until = row->until;
    h.released_at = row->released_at;
    h.released_by = row->released_by;
    h.release_reason = row->release_reason ? row->release_reason : "";
    h.active = row->released_at == 0 && row->until > w->now;
    return w->fn(&h, w->ctx) != 0 ? 1 : 0;
}

GDPR_API int
gdpr_hold_foreach(gdpr_engine *eng, unsigned int flags, gdpr_hold_fn fn, void *ctx)
{
    hold_walk w;
    int rc;

    if (gdpr_engine__check_given(eng, fn != NULL, "fn") != GDPR_OK)
        return GDPR_EINVAL;
    if (flags & ~GDPR_HOLD_LIST_ALL)
        return gdpr__err_set(GDPR_EINVAL, "flags: 0x%x has unknown bits (only GDPR_HOLD_LIST_ALL)",
                             flags & ~GDPR_HOLD_LIST_ALL);
    w.fn = fn;
    w.ctx = ctx;
    gdpr_engine__lock(eng);
    w.now = gdpr_engine__now(eng);
    rc = gdpr_store__hold_foreach(eng->st, (flags & GDPR_HOLD_LIST_ALL) ? 0 : w.now, walk_hold, &w);
    return gdpr_engine__unlock(eng, rc);
}
