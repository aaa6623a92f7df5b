/*
 * The erasure dry run: what gdpr_erase_subject() would erase and what a
 * legal hold or a legal-duty retention rule would keep, decided by the one
 * restriction check (lib/core/restrict.c) exactly as the erasure plans it.
 * SPDX-License-Identifier: MIT
 */
#include "erasure_internal.h"

#include <string.h>

#include "error.h"
#include "gdpr/erasure.h"

typedef struct {
    gdpr_engine *eng;
    int64_t now;
    int check_holds;
    gdpr_erase_plan_fn fn;
    void *ctx;
} plan_walk;

static int
walk_record(const store_vault_row *row, void *ctx)
{
    plan_walk *w = ctx;
    gdpr_erase_plan_item item;
    record_limit lim;
    int rc = gdpr_record__limit_of(w->eng, row, RECORD_ERASE, w->now,
                                   w->check_holds ? 0u : RECORD_NO_HOLDS, &lim);

    if (rc != GDPR_OK)
        return rc;
    memset(&item, 0, sizeof item);
    item.version = GDPR_ERASE_PLAN_ITEM_VERSION;
    item.record = row->id;
    item.category = row->category;
    item.purpose = row->purpose;
    item.action = GDPR_ERASE_PLAN_ERASE;
    item.reason = GDPR_ERASE_KEEP_NONE;
    item.rule = "";
    if (lim.kind == RECORD_HELD) {
        item.action = GDPR_ERASE_PLAN_KEEP;
        item.reason = GDPR_ERASE_KEEP_HOLD;
        item.hold = lim.hold;
        item.until = lim.until;
        item.exemption = (gdpr_exemption)lim.exemption;
    } else if (lim.kind == RECORD_DUTY) {
        item.action = GDPR_ERASE_PLAN_KEEP;
        item.reason = GDPR_ERASE_KEEP_LEGAL_DUTY;
        item.rule = lim.rule;
        item.until = lim.until;
        item.exemption = (gdpr_exemption)lim.exemption;
    }
    return w->fn(&item, w->ctx) != 0 ? 1 : 0;
}

static int
plan_locked(gdpr_engine *eng, const gdpr_actor *who, const char *subject, plan_walk *w)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    int64_t id = 0;
    int any_hold = 0;
    int rc = gdpr_engine__require_policy(eng);

    if (rc == GDPR_OK)
        rc = gdpr_engine__subject_hash(eng, subject, hash);
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_ERASE_SUBJECT, hash);
    if (rc == GDPR_OK) {
        rc = gdpr_store__subject_find(eng->st, hash, &id);
        if (rc == GDPR_ENOTFOUND)
            return gdpr__err_set(GDPR_ENOTFOUND,
                                 "subject: the store holds no data of this subject (never "
                                 "known, or erased before)");
    }
    w->eng = eng;
    w->now = gdpr_engine__now(eng);
    if (rc == GDPR_OK)
        rc = gdpr_store__hold_any_for_subject(eng->st, hash, w->now, &any_hold);
    w->check_holds = any_hold;
    if (rc == GDPR_OK)
        rc = gdpr_store__vault_foreach(eng->st, hash, walk_record, w);
    return rc;
}

GDPR_API int
gdpr_erase_plan(gdpr_engine *eng, const gdpr_actor *who, const char *subject, gdpr_erase_plan_fn fn,
                void *ctx)
{
    plan_walk w;
    int rc = gdpr_engine__enter_subject(eng, who, subject);

    if (rc == GDPR_OK && fn == NULL)
        rc = gdpr__err_set(GDPR_EINVAL, "fn: must not be NULL");
    if (rc != GDPR_OK)
        return rc;
    memset(&w, 0, sizeof w);
    w.fn = fn;
    w.ctx = ctx;
    gdpr_engine__lock(eng);
    rc = plan_locked(eng, who, subject, &w);
    return gdpr_engine__unlock(eng, rc);
}
