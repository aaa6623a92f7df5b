/*
 * Refusals outlive the host's batch. A call refused inside gdpr_begin ..
 * gdpr_rollback would write its audit event into the batch, and the host's
 * rollback would take the event with it. So inside a batch the event is
 * queued in memory with the time of the refusal, and appended to the chain
 * once the batch has ended (commit or rollback), in the order the refusals
 * happened, after whatever the batch itself wrote. Outside a batch it is
 * written at once, in its own small transaction, as before.
 * SPDX-License-Identifier: MIT
 */
#include "engine.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "text.h"

struct audit_refusal {
    struct audit_refusal *next;
    char *actor, *role, *action, *ref;
    int has_subject;
    uint8_t subject[CRYPTO_HASH_BYTES];
    int outcome;
    int64_t at;
};

static void
refusal_free(struct audit_refusal *r)
{
    free(r->actor);
    free(r->role);
    free(r->action);
    free(r->ref);
    free(r);
}

static int
enqueue(gdpr_engine *eng, const gdpr_actor *who, const char *action, const uint8_t *subject_hash,
        int outcome, const char *ref)
{
    struct audit_refusal *r = calloc(1, sizeof *r);
    struct audit_refusal **tail = &eng->refusals;

    if (r == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory queueing a refusal's audit event");
    r->actor = gdpr_text__dup(who->id);
    r->role = gdpr_text__dup(who->role);
    r->action = gdpr_text__dup(action);
    r->ref = ref ? gdpr_text__dup(ref) : NULL;
    if (r->actor == NULL || r->role == NULL || r->action == NULL || (ref && r->ref == NULL)) {
        refusal_free(r);
        return gdpr__err_set(GDPR_ENOMEM, "out of memory queueing a refusal's audit event");
    }
    r->has_subject = subject_hash != NULL;
    if (subject_hash)
        memcpy(r->subject, subject_hash, CRYPTO_HASH_BYTES);
    r->outcome = outcome;
    r->at = gdpr_engine__now(eng);
    while (*tail)
        tail = &(*tail)->next;
    *tail = r;
    return GDPR_OK;
}

int
gdpr_audit__refusal(gdpr_engine *eng, const gdpr_actor *who, const char *action,
                    const uint8_t *subject_hash, int outcome, const char *ref)
{
    int rc;

    /* A read-only engine appends to its audit store at once: the host's
     * batch or snapshot on the standby cannot take the event with it. */
    if (eng->read_only)
        return gdpr_audit__append(eng, who, action, subject_hash, outcome, ref);
    if (eng->batch || eng->snapshot)
        return enqueue(eng, who, action, subject_hash, outcome, ref);
    rc = gdpr_engine__begin(eng);
    if (rc == GDPR_OK)
        rc =
            gdpr_engine__end(eng, gdpr_audit__append(eng, who, action, subject_hash, outcome, ref));
    return rc;
}

int
gdpr_audit__flush_refusals(gdpr_engine *eng)
{
    struct audit_refusal *r;
    int rc;

    if (eng->refusals == NULL || eng->batch || eng->snapshot)
        return GDPR_OK;
    rc = gdpr_engine__begin(eng);
    for (r = eng->refusals; rc == GDPR_OK && r != NULL; r = r->next) {
        gdpr_actor who;
        memset(&who, 0, sizeof who);
        who.id = r->actor;
        who.role = r->role;
        rc = gdpr_audit__append_at(eng, &who, r->action, r->has_subject ? r->subject : NULL,
                                   r->outcome, r->ref, r->at);
    }
    if (rc == GDPR_OK || gdpr_store__depth(eng->st) > 0)
        rc = gdpr_engine__end(eng, rc);
    if (rc != GDPR_OK)
        return gdpr__err_wrap(rc, "appending the audit events of refusals made in the batch "
                                  "(kept, retried at the next call)");
    gdpr_audit__drop_refusals(eng);
    return GDPR_OK;
}

void
gdpr_audit__drop_refusals(gdpr_engine *eng)
{
    while (eng->refusals) {
        struct audit_refusal *next = eng->refusals->next;
        refusal_free(eng->refusals);
        eng->refusals = next;
    }
}
