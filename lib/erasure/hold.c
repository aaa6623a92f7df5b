/*
 * Legal holds (Art. 17(3)): the DPO keeps a subject, a record or a
 * category from erasure until a date, with a reason and the Art. 17(3)
 * ground; a subject or category hold may be narrowed to a purpose and a
 * collection range, so that only what is necessary is kept. Every erasure
 * path asks gdpr_store__hold_covering() before it deletes.
 * SPDX-License-Identifier: MIT
 */
#include "erasure_internal.h"

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "gdpr/erasure.h"
#include "calendar.h"
#include "text.h"

/* Version 2: the ground and the narrowing (purpose, collection range). */
static int
check_narrowing(const gdpr_hold *h)
{
    int rc = GDPR_OK;

    if ((int)h->ground < 0 || (int)h->ground > GDPR_EXEMPT_MAX)
        return gdpr__err_set(GDPR_EINVAL,
                             "hold.ground: %d is not an Art. 17(3) ground (0 or 6 legal claims, "
                             "1 freedom of expression, 2 legal obligation, 3 public task, "
                             "4 public health, 5 archiving/research/statistics)",
                             (int)h->ground);
    if (h->scope == GDPR_HOLD_RECORD) {
        if (h->purpose != NULL)
            return gdpr__err_set(GDPR_EINVAL, "hold.purpose: must be NULL for a record hold");
        if (h->collected_from != 0 || h->collected_to != 0)
            return gdpr__err_set(GDPR_EINVAL,
                                 "hold.collected_from, hold.collected_to: must be 0 for a "
                                 "record hold (it covers one record)");
        return GDPR_OK;
    }
    rc = gdpr_text__check_optional("hold.purpose", h->purpose, GDPR_NAME_MAX);
    if (rc == GDPR_OK && (h->collected_from < 0 || h->collected_from > CAL_MAX_TIME))
        rc = gdpr__err_set(GDPR_EINVAL,
                           "hold.collected_from: %lld seconds is not 0 or a time from "
                           "1970-01-01 to 9999-12-31",
                           (long long)h->collected_from);
    if (rc == GDPR_OK && (h->collected_to < 0 || h->collected_to > CAL_MAX_TIME))
        rc = gdpr__err_set(GDPR_EINVAL,
                           "hold.collected_to: %lld seconds is not 0 or a time from "
                           "1970-01-01 to 9999-12-31",
                           (long long)h->collected_to);
    if (rc == GDPR_OK && h->collected_to != 0 && h->collected_to <= h->collected_from)
        rc = gdpr__err_set(GDPR_EINVAL,
                           "hold.collected_to: %lld is not after hold.collected_from %lld (the "
                           "range is [from, to))",
                           (long long)h->collected_to, (long long)h->collected_from);
    return rc;
}

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
    if (rc == GDPR_OK && h->version >= 2)
        rc = check_narrowing(h);
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
    if (rc == GDPR_OK && h->version >= 2 && h->purpose != NULL &&
        gdpr_policy__find_purpose(eng->policy, h->purpose) == NULL)
        rc = gdpr__err_set(GDPR_EINVAL, "hold.purpose: '%.64s' is not a purpose of the policy",
                           h->purpose);
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
    row.ground = EXEMPTION_LEGAL_CLAIMS;
    if (h->version >= 2) {
        if (h->ground != GDPR_EXEMPT_NONE)
            row.ground = (int)h->ground;
        row.purpose = h->purpose;
        row.collected_from = h->collected_from;
        row.collected_to = h->collected_to;
    }
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
    h.ground = (gdpr_exemption)row->ground;
    h.purpose = row->purpose;
    h.collected_from = row->collected_from;
    h.collected_to = row->collected_to;
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

GDPR_API const char *
gdpr_exemption_name(int ground)
{
    const char *name = gdpr_policy__exemption_name(ground);

    if (name == NULL)
        gdpr__err_set(GDPR_EINVAL, "ground: %d is not an Art. 17(3) ground (0..%d)", ground,
                      GDPR_EXEMPT_MAX);
    return name;
}

GDPR_API const char *
gdpr_exemption_article(int ground)
{
    const char *article = gdpr_policy__exemption_article(ground);

    if (article == NULL)
        gdpr__err_set(GDPR_EINVAL, "ground: %d is not an Art. 17(3) ground (0..%d)", ground,
                      GDPR_EXEMPT_MAX);
    return article;
}
