/*
 * Data-subject requests: the moves of the life cycle (verify, extend,
 * flag, escalate, deny, revoke, expire, fulfil, the generic status move).
 * Each checks its arguments before the lock, then the state, then the
 * actor's permission and authority, then changes the row, appends a
 * history event and an audit event in one transaction.
 * SPDX-License-Identifier: MIT
 */
#include "clock.h"
#include "request_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "calendar.h"
#include "text.h"

const char *
gdpr_request__time_text(int64_t t, char buf[32])
{
    if (gdpr_calendar__format_instant(t, buf) != 0)
        snprintf(buf, 32, "%lld", (long long)t);
    return buf;
}

int
gdpr_request__run(gdpr_engine *eng, const gdpr_actor *who, int64_t request, request_step_fn step,
                  const void *arg)
{
    store_request_row *r = malloc(sizeof *r);
    int rc;

    if (r == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory loading a request");
    gdpr_engine__lock(eng);
    rc = gdpr_engine__require_policy(eng);
    if (rc == GDPR_OK)
        rc = gdpr_request__load(eng, request, r);
    if (rc == GDPR_OK)
        rc = step(eng, who, r, arg);
    gdpr_engine__unlock(eng, rc);
    free(r);
    return rc;
}

/* One change in its own transaction: the row, a history event, audit. */
static int
commit(gdpr_engine *eng, const gdpr_actor *who, store_request_row *r, permission perm,
       const char *action, const char *detail, const char *note)
{
    int rc = gdpr_engine__begin(eng);

    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_request__commit_step(eng, who, r, perm, action, detail, note);
    return gdpr_engine__end(eng, rc);
}

/* --- verify ---------------------------------------------------------- */

typedef struct {
    gdpr_request_verification state;
    gdpr_request_method method;
    const char *note;
} verify_arg;

static int
verify_step(gdpr_engine *eng, const gdpr_actor *who, store_request_row *r, const void *arg)
{
    const verify_arg *a = arg;
    char detail[64];
    int rc = gdpr_request__require_live(r, "verify");

    if (rc == GDPR_OK)
        rc = gdpr_request__require_subject(r, 0);
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_REQUEST_OPEN, r->subject);
    if (rc != GDPR_OK)
        return rc;
    r->verification = (int)a->state;
    r->verify_method = (int)a->method;
    r->verified_at = a->state == GDPR_VERIFY_VERIFIED ? gdpr_engine__now(eng) : 0;
    /* Art. 12(6): "pending" records that the controller asked for more
     * information; the first ask is kept with its date. */
    if (a->state == GDPR_VERIFY_PENDING && r->info_asked_at == 0)
        r->info_asked_at = gdpr_engine__now(eng);
    if (r->status == GDPR_REQUEST_OPEN)
        r->status = GDPR_REQUEST_IN_PROGRESS;
    snprintf(detail, sizeof detail, "%s (%s)", gdpr_request_verification_name((int)a->state),
             gdpr_request_method_name((int)a->method));
    return commit(eng, who, r, PERM_REQUEST_OPEN, "verify", detail, a->note);
}

GDPR_API int
gdpr_request_verify(gdpr_engine *eng, const gdpr_actor *who, int64_t request,
                    gdpr_request_verification state, gdpr_request_method method, const char *note)
{
    verify_arg a = {state, method, note};
    int rc = gdpr_request__check_call(eng, who, request);

    if (rc != GDPR_OK)
        return rc;
    if (state != GDPR_VERIFY_PENDING && state != GDPR_VERIFY_VERIFIED &&
        state != GDPR_VERIFY_FAILED)
        return gdpr__err_set(
            GDPR_EINVAL, "state: %d is not pending (1), verified (2) or failed (3)", (int)state);
    if ((int)method < 0 || (int)method > GDPR_METHOD_MAX)
        return gdpr__err_set(GDPR_EINVAL, "method: %d is not a verification method (0..%d)",
                             (int)method, GDPR_METHOD_MAX);
    if (state != GDPR_VERIFY_PENDING && method == GDPR_METHOD_NONE)
        return gdpr__err_set(GDPR_EINVAL, "method: say how identity was %s",
                             state == GDPR_VERIFY_VERIFIED ? "verified" : "checked");
    rc = gdpr_request__check_note("note", note);
    if (rc != GDPR_OK)
        return rc;
    return gdpr_request__run(eng, who, request, verify_step, &a);
}

/* --- extend ---------------------------------------------------------- */

typedef struct {
    int months;
    const char *reason;
    int64_t told_at;
} extend_arg;

static int
extend_step(gdpr_engine *eng, const gdpr_actor *who, store_request_row *r, const void *arg)
{
    const extend_arg *a = arg;
    char t1[32], t2[32], detail[64];
    int64_t due = 0;
    int rc = gdpr_request__require_live(r, "extend");

    if (rc == GDPR_OK)
        rc = gdpr_request__require_subject(r, 0);
    if (rc != GDPR_OK)
        return rc;
    if (r->extended_months > 0)
        return gdpr__err_set(GDPR_ESTATE,
                             "request %lld: already extended once (by %d month%s); "
                             "Art. 12(3) allows one extension",
                             (long long)r->id, r->extended_months,
                             r->extended_months == 1 ? "" : "s");
    if (gdpr_engine__now(eng) >= r->first_due)
        return gdpr__err_set(GDPR_ESTATE,
                             "request %lld: the first due date ended at %s; an extension "
                             "must be decided and told within the first month (Art. 12(3))",
                             (long long)r->id, gdpr_request__time_text(r->first_due, t1));
    if (a->told_at < r->received)
        return gdpr__err_set(GDPR_EINVAL,
                             "subject_told_at: %s is before the request was received "
                             "(%s)",
                             gdpr_request__time_text(a->told_at, t1),
                             gdpr_request__time_text(r->received, t2));
    if (a->told_at >= r->first_due)
        return gdpr__err_set(GDPR_EINVAL,
                             "subject_told_at: %s is after the first month ended (%s); "
                             "the subject must be told within it",
                             gdpr_request__time_text(a->told_at, t1),
                             gdpr_request__time_text(r->first_due, t2));
    rc = gdpr_engine__authorize(eng, who, PERM_REQUEST_MANAGE, r->subject);
    if (rc == GDPR_OK)
        rc = gdpr_request__deadline(eng, r->received, 1 + a->months, &due);
    if (rc != GDPR_OK)
        return rc;
    r->extended_months = a->months;
    r->due = due;
    r->told_at = a->told_at;
    r->policy_version = eng->policy->version;
    snprintf(detail, sizeof detail, "%d month%s", a->months, a->months == 1 ? "" : "s");
    return commit(eng, who, r, PERM_REQUEST_MANAGE, "extend", detail, a->reason);
}

GDPR_API int
gdpr_request_extend(gdpr_engine *eng, const gdpr_actor *who, int64_t request, int months,
                    const char *reason, int64_t subject_told_at)
{
    extend_arg a = {months, reason, subject_told_at};
    int rc = gdpr_request__check_call(eng, who, request);

    if (rc == GDPR_OK)
        rc = gdpr_clock__arg(eng, "subject_told_at", &subject_told_at);
    if (rc != GDPR_OK)
        return rc;
    if (months < 1 || months > 2)
        return gdpr__err_set(GDPR_EINVAL,
                             "months: %d; an extension is by 1 or 2 further months "
                             "(Art. 12(3))",
                             months);
    if (reason == NULL)
        return gdpr__err_set(GDPR_EINVAL,
                             "reason: must not be NULL (Art. 12(3) asks for the reasons "
                             "of the delay)");
    rc = gdpr_request__check_note("reason", reason);
    if (rc == GDPR_OK && subject_told_at == 0)
        rc = gdpr__err_set(GDPR_EINVAL,
                           "subject_told_at: required: when the subject was told of the "
                           "extension");
    if (rc == GDPR_OK)
        rc = gdpr_request__check_time("subject_told_at", subject_told_at);
    if (rc == GDPR_OK && subject_told_at > gdpr_engine__now(eng)) {
        char told[21];
        gdpr_calendar__format_time(subject_told_at, told);
        rc = gdpr__err_set(GDPR_EINVAL, "subject_told_at: %s is in the future", told);
    }
    if (rc != GDPR_OK)
        return rc;
    a.told_at = subject_told_at;
    return gdpr_request__run(eng, who, request, extend_step, &a);
}

/* --- flag ------------------------------------------------------------ */

typedef struct {
    unsigned int flags;
    const char *note;
} flag_arg;

static int
flag_step(gdpr_engine *eng, const gdpr_actor *who, store_request_row *r, const void *arg)
{
    const flag_arg *a = arg;
    char detail[32];
    int rc = gdpr_request__require_live(r, "flag");

    if (rc == GDPR_OK)
        rc =
            gdpr_engine__authorize(eng, who, PERM_REQUEST_OPEN, r->has_subject ? r->subject : NULL);
    if (rc != GDPR_OK)
        return rc;
    r->flags |= a->flags;
    snprintf(detail, sizeof detail, "flags 0x%x", r->flags);
    return commit(eng, who, r, PERM_REQUEST_OPEN, "flag", detail, a->note);
}

GDPR_API int
gdpr_request_flag(gdpr_engine *eng, const gdpr_actor *who, int64_t request, unsigned int flags,
                  const char *note)
{
    flag_arg a = {flags, note};
    int rc = gdpr_request__check_call(eng, who, request);

    if (rc != GDPR_OK)
        return rc;
    if (flags == 0 || (flags & ~GDPR_REQUEST_FLAGS_ALL) != 0)
        return gdpr__err_set(GDPR_EINVAL, "flags: 0x%x; give one or more GDPR_REQUEST_FLAG_* bits",
                             flags);
    rc = gdpr_request__check_note("note", note);
    if (rc != GDPR_OK)
        return rc;
    return gdpr_request__run(eng, who, request, flag_step, &a);
}

/* --- escalate -------------------------------------------------------- */

static const permission request_perms[] = {PERM_REQUEST_OPEN, PERM_REQUEST_MANAGE,
                                           PERM_REQUEST_CLOSE, PERM_REQUEST_DENY};

/* Bit i: the role holds request_perms[i]. */
static unsigned int
mask_of(const policy_role *role)
{
    unsigned int m = 0;

    for (unsigned int i = 0; role != NULL && i < 4; i++)
        if (gdpr_policy__role_allows(role, request_perms[i]))
            m |= 1u << i;
    return m;
}

static void
perm_list(unsigned int bits, char *buf, size_t size)
{
    size_t used = 0;

    buf[0] = '\0';
    for (unsigned int i = 0; i < 4 && used < size; i++)
        if (bits & (1u << i))
            used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
                                     gdpr_permission__name(request_perms[i]));
}

typedef struct {
    const char *to_role;
    const char *note;
} escalate_arg;

static int
escalate_step(gdpr_engine *eng, const gdpr_actor *who, store_request_row *r, const void *arg)
{
    const escalate_arg *a = arg;
    const policy_role *to;
    unsigned int have, want, cur;
    char perms[160], detail[GDPR_NAME_MAX + 8];
    int rc = gdpr_request__require_live(r, "escalate");

    if (rc == GDPR_OK)
        rc =
            gdpr_engine__authorize(eng, who, PERM_REQUEST_OPEN, r->has_subject ? r->subject : NULL);
    if (rc != GDPR_OK)
        return rc;
    to = gdpr_policy__find_role(eng->policy, a->to_role);
    if (to == NULL)
        return gdpr__err_set(GDPR_EINVAL, "to_role: '%.64s' is not a role of the policy",
                             a->to_role);
    have = mask_of(gdpr_policy__find_role(eng->policy, who->role));
    want = mask_of(to);
    cur = r->escalated_to[0] ? mask_of(gdpr_policy__find_role(eng->policy, r->escalated_to)) : 0;
    if ((want & have) != have || want == have) {
        perm_list(have & ~want, perms, sizeof perms);
        if (perms[0] != '\0')
            return gdpr__err_set(GDPR_EINVAL, "to_role: '%.64s' is not above '%.64s': it lacks %s",
                                 a->to_role, who->role, perms);
        return gdpr__err_set(GDPR_EINVAL,
                             "to_role: '%.64s' is not above '%.64s': both hold the same "
                             "request permissions",
                             a->to_role, who->role);
    }
    if ((want & cur) != cur || strcmp(r->escalated_to, a->to_role) == 0)
        return gdpr__err_set(GDPR_EINVAL,
                             "to_role: request %lld is escalated to '%s' already; "
                             "escalate only higher",
                             (long long)r->id, r->escalated_to);
    if ((want & 0xCu) == 0)
        return gdpr__err_set(GDPR_EINVAL, "to_role: '%.64s' can neither close nor deny requests",
                             a->to_role);
    snprintf(r->escalated_to, sizeof r->escalated_to, "%s", a->to_role);
    r->escalations++;
    if (r->status == GDPR_REQUEST_OPEN)
        r->status = GDPR_REQUEST_IN_PROGRESS;
    snprintf(detail, sizeof detail, "to %s", a->to_role);
    return commit(eng, who, r, PERM_REQUEST_OPEN, "escalate", detail, a->note);
}

GDPR_API int
gdpr_request_escalate(gdpr_engine *eng, const gdpr_actor *who, int64_t request, const char *to_role,
                      const char *note)
{
    escalate_arg a = {to_role, note};
    int rc = gdpr_request__check_call(eng, who, request);

    if (rc == GDPR_OK)
        rc = gdpr_text__check("to_role", to_role, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = gdpr_request__check_note("note", note);
    if (rc != GDPR_OK)
        return rc;
    return gdpr_request__run(eng, who, request, escalate_step, &a);
}

/* --- deny ------------------------------------------------------------ */

typedef struct {
    gdpr_request_denial reason;
    const char *note;
    unsigned int told; /* GDPR_TOLD_* */
    int64_t told_at;   /* 0: now */
    int v2;            /* gdpr_request_deny_v2: `told` is recorded */
} deny_arg;

static int
deny_step(gdpr_engine *eng, const gdpr_actor *who, store_request_row *r, const void *arg)
{
    const deny_arg *a = arg;
    char detail[200], t1[32], t2[32];
    int n;
    int rc = gdpr_request__can_move(r, GDPR_REQUEST_DENIED);

    if (rc != GDPR_OK)
        return rc;
    if (a->reason == GDPR_DENIAL_IDENTITY_NOT_VERIFIED && r->verification == GDPR_VERIFY_VERIFIED)
        return gdpr__err_set(GDPR_ESTATE,
                             "request %lld: the requester's identity was verified; "
                             "identity_not_verified does not apply",
                             (long long)r->id);
    rc = gdpr_request__authorize_close(eng, who, r, PERM_REQUEST_DENY);
    if (rc != GDPR_OK)
        return rc;
    if (a->v2 && a->told_at != 0 && a->told_at < r->received)
        return gdpr__err_set(GDPR_EINVAL, "told_at: %s is before the request was received (%s)",
                             gdpr_request__time_text(a->told_at, t1),
                             gdpr_request__time_text(r->received, t2));
    r->denial = (int)a->reason;
    gdpr_request__close_now(eng, r, GDPR_REQUEST_DENIED);
    n = snprintf(detail, sizeof detail, "%s", gdpr_request_denial_name(r->denial));
    if (a->v2)
        n += snprintf(detail + n, sizeof detail - (size_t)n,
                      "; told of Art. 77 complaint and Art. 79 judicial remedy on %s",
                      gdpr_request__time_text(a->told_at ? a->told_at : r->closed, t1));
    else
        n += snprintf(detail + n, sizeof detail - (size_t)n,
                      "; Art. 77/79 information not recorded");
    /* Art. 12(4): one month from receipt, an extension notwithstanding. */
    if (r->closed >= r->first_due)
        snprintf(detail + n, sizeof detail - (size_t)n, "; late (Art. 12(4): due %s)",
                 gdpr_request__time_text(r->first_due, t2));
    return commit(eng, who, r, PERM_REQUEST_DENY, "deny", detail, a->note);
}

static int deny(gdpr_engine *eng, const gdpr_actor *who, int64_t request, const deny_arg *a);

GDPR_API int
gdpr_request_deny(gdpr_engine *eng, const gdpr_actor *who, int64_t request,
                  gdpr_request_denial reason, const char *note)
{
    deny_arg a = {reason, note, 0, 0, 0};

    return deny(eng, who, request, &a);
}

GDPR_API int
gdpr_request_deny_v2(gdpr_engine *eng, const gdpr_actor *who, int64_t request,
                     gdpr_request_denial reason, const char *note, unsigned int told,
                     int64_t told_at)
{
    deny_arg a = {reason, note, told, told_at, 1};

    return deny(eng, who, request, &a);
}

static int
deny(gdpr_engine *eng, const gdpr_actor *who, int64_t request, const deny_arg *a)
{
    gdpr_request_denial reason = a->reason;
    int rc = gdpr_request__check_call(eng, who, request);

    if (rc != GDPR_OK)
        return rc;
    if ((int)reason < 1 || (int)reason > GDPR_DENIAL_REASON_MAX)
        return gdpr__err_set(GDPR_EINVAL,
                             "reason: %d is not a denial reason (1 identity_not_verified,"
                             " 2 no_match, 3 manifestly_unfounded_or_excessive, 4 exempt, 5 other,"
                             " 6 suspected_fraud, 7 outside_jurisdiction)",
                             (int)reason);
    rc = gdpr_request__check_note("note", a->note);
    if (rc != GDPR_OK)
        return rc;
    if (a->v2) {
        if (a->told != GDPR_TOLD_ALL)
            return gdpr__err_set(GDPR_EINVAL,
                                 "told: 0x%x; Art. 12(4) requires telling the subject of both "
                                 "the complaint (Art. 77, GDPR_TOLD_COMPLAINT) and the judicial "
                                 "remedy (Art. 79, GDPR_TOLD_REMEDY)",
                                 a->told);
        if (a->told_at < 0 || a->told_at > gdpr_engine__now(eng))
            return gdpr__err_set(GDPR_EINVAL, "told_at: %lld is negative or in the future (0: now)",
                                 (long long)a->told_at);
    }
    return gdpr_request__run(eng, who, request, deny_step, a);
}

/* --- revoke, expire -------------------------------------------------- */

static int
revoke_step(gdpr_engine *eng, const gdpr_actor *who, store_request_row *r, const void *arg)
{
    const char *note = arg;
    int in_grace = r->grace_until > 0 && gdpr_engine__now(eng) < r->grace_until;
    int rc = gdpr_request__can_move(r, GDPR_REQUEST_REVOKED);

    if (rc == GDPR_OK)
        rc =
            gdpr_engine__authorize(eng, who, PERM_REQUEST_OPEN, r->has_subject ? r->subject : NULL);
    if (rc != GDPR_OK)
        return rc;
    gdpr_request__close_now(eng, r, GDPR_REQUEST_REVOKED);
    return commit(eng, who, r, PERM_REQUEST_OPEN, "revoke",
                  in_grace ? "within the grace period" : NULL, note);
}

GDPR_API int
gdpr_request_revoke(gdpr_engine *eng, const gdpr_actor *who, int64_t request, const char *note)
{
    int rc = gdpr_request__check_call(eng, who, request);

    if (rc == GDPR_OK)
        rc = gdpr_request__check_note("note", note);
    if (rc != GDPR_OK)
        return rc;
    return gdpr_request__run(eng, who, request, revoke_step, note);
}

static int
expire_step(gdpr_engine *eng, const gdpr_actor *who, store_request_row *r, const void *arg)
{
    const char *note = arg;
    char t[32];
    int rc = gdpr_request__can_move(r, GDPR_REQUEST_EXPIRED);

    if (rc != GDPR_OK)
        return rc;
    if (r->verification == GDPR_VERIFY_VERIFIED)
        return gdpr__err_set(GDPR_ESTATE,
                             "request %lld: the requester's identity was verified; a "
                             "verified request is fulfilled or denied, it does not lapse",
                             (long long)r->id);
    if (gdpr_engine__now(eng) < r->due)
        return gdpr__err_set(GDPR_ESTATE,
                             "request %lld: not due before %s; only an overdue request "
                             "can lapse",
                             (long long)r->id, gdpr_request__time_text(r->due, t));
    if (r->info_asked_at == 0)
        return gdpr__err_set(GDPR_ESTATE,
                             "request %lld: the requester was never asked for information to "
                             "confirm identity; a request lapses for want of identity only after "
                             "the controller asked (Art. 12(2), 12(6), 11(2): record the ask with "
                             "gdpr_request_verify(..., GDPR_VERIFY_PENDING, ...)), otherwise "
                             "answer or deny it",
                             (long long)r->id);
    rc = gdpr_engine__authorize(eng, who, PERM_REQUEST_MANAGE, r->has_subject ? r->subject : NULL);
    if (rc != GDPR_OK)
        return rc;
    gdpr_request__close_now(eng, r, GDPR_REQUEST_EXPIRED);
    return commit(eng, who, r, PERM_REQUEST_MANAGE, "expire",
                  gdpr_request_verification_name(r->verification), note);
}

GDPR_API int
gdpr_request_expire(gdpr_engine *eng, const gdpr_actor *who, int64_t request)
{
    int rc = gdpr_request__check_call(eng, who, request);

    if (rc != GDPR_OK)
        return rc;
    return gdpr_request__run(eng, who, request, expire_step, NULL);
}

/* --- fulfil ---------------------------------------------------------- */

int
gdpr_request__fulfil_check(gdpr_engine *eng, const gdpr_actor *who, const store_request_row *r,
                           const int *types)
{
    char t[32];
    int ok = types == NULL;
    int rc;

    for (const int *p = types; p != NULL && *p != 0; p++)
        ok |= *p == r->type;
    if (!ok)
        return gdpr__err_set(
            GDPR_ESTATE, "request %lld is a%s %s request; this helper fulfils %s%s%s",
            (long long)r->id,
            r->type == GDPR_REQUEST_ACCESS || r->type == GDPR_REQUEST_ERASURE ||
                    r->type == GDPR_REQUEST_OBJECTION
                ? "n"
                : "",
            gdpr_request_type_name(r->type), gdpr_request_type_name(types[0]),
            types[1] ? " and " : "", types[1] ? gdpr_request_type_name(types[1]) : "");
    rc = gdpr_request__can_move(r, GDPR_REQUEST_FULFILLED);
    if (rc == GDPR_OK)
        rc = gdpr_request__require_subject(r, 1);
    if (rc == GDPR_OK && r->grace_until > 0 && gdpr_engine__now(eng) < r->grace_until)
        rc = gdpr__err_set(GDPR_ESTATE,
                           "request %lld: in its grace period until %s; the subject may "
                           "still revoke it",
                           (long long)r->id, gdpr_request__time_text(r->grace_until, t));
    if (rc == GDPR_OK)
        rc = gdpr_request__authorize_close(eng, who, r, PERM_REQUEST_CLOSE);
    return rc;
}

int
gdpr_request__fulfil_close(gdpr_engine *eng, const gdpr_actor *who, store_request_row *r,
                           const char *detail, const char *note)
{
    /* The work may have changed the row (an erasure clears its sealed
     * fields): close what is stored now, not the copy read before. */
    int rc = gdpr_request__load(eng, r->id, r);

    if (rc != GDPR_OK)
        return rc;
    gdpr_request__close_now(eng, r, GDPR_REQUEST_FULFILLED);
    return commit(eng, who, r, PERM_REQUEST_CLOSE, "fulfil", detail, note);
}

static int
fulfil_step(gdpr_engine *eng, const gdpr_actor *who, store_request_row *r, const void *arg)
{
    const char *note = arg;
    int rc = gdpr_request__fulfil_check(eng, who, r, NULL);

    if (rc != GDPR_OK)
        return rc;
    /* Art. 22(3): the subject obtains human intervention; what the person
     * who reviewed the decision concluded is the fulfilment. */
    if (r->type == GDPR_REQUEST_HUMAN_INTERVENTION && (note == NULL || note[0] == '\0'))
        return gdpr__err_set(GDPR_EINVAL,
                             "note: request %lld asks for human intervention in an automated "
                             "decision (Art. 22(3)); fulfil it with the outcome of the human "
                             "review (decision upheld or changed, and why)",
                             (long long)r->id);
    return gdpr_request__fulfil_close(eng, who, r, "recorded", note);
}

GDPR_API int
gdpr_request_fulfil(gdpr_engine *eng, const gdpr_actor *who, int64_t request, const char *note)
{
    int rc = gdpr_request__check_call(eng, who, request);

    if (rc == GDPR_OK)
        rc = gdpr_request__check_note("note", note);
    if (rc != GDPR_OK)
        return rc;
    return gdpr_request__run(eng, who, request, fulfil_step, note);
}

/* --- the generic move ------------------------------------------------ */

typedef struct {
    gdpr_request_status status;
    const char *note;
} move_arg;

static int
move_step(gdpr_engine *eng, const gdpr_actor *who, store_request_row *r, const void *arg)
{
    const move_arg *a = arg;
    int rc;

    switch (a->status) {
    case GDPR_REQUEST_OPEN:
        return gdpr_request__can_move(r, GDPR_REQUEST_OPEN);
    case GDPR_REQUEST_IN_PROGRESS:
        rc = gdpr_request__can_move(r, GDPR_REQUEST_IN_PROGRESS);
        if (rc != GDPR_OK || r->status == GDPR_REQUEST_IN_PROGRESS)
            return rc;
        rc = gdpr_engine__authorize(eng, who, PERM_REQUEST_MANAGE,
                                    r->has_subject ? r->subject : NULL);
        if (rc != GDPR_OK)
            return rc;
        r->status = GDPR_REQUEST_IN_PROGRESS;
        return commit(eng, who, r, PERM_REQUEST_MANAGE, "start", NULL, a->note);
    case GDPR_REQUEST_FULFILLED:
        return fulfil_step(eng, who, r, a->note);
    case GDPR_REQUEST_DENIED:
        rc = gdpr_request__can_move(r, GDPR_REQUEST_DENIED);
        return rc != GDPR_OK ? rc
                             : gdpr__err_set(GDPR_EINVAL, "status: a denial needs a reason; use "
                                                          "gdpr_request_deny()");
    case GDPR_REQUEST_REVOKED:
        return revoke_step(eng, who, r, a->note);
    case GDPR_REQUEST_EXPIRED:
        return expire_step(eng, who, r, a->note);
    case GDPR_REQUEST_DUPLICATE:
        break; /* set only on arrival (gdpr_request_open) */
    }
    return gdpr__err_set(GDPR_EINVAL, "status: %d is not a request status", (int)a->status);
}

GDPR_API int
gdpr_request_set_status(gdpr_engine *eng, const gdpr_actor *who, int64_t request,
                        gdpr_request_status status, const char *note)
{
    move_arg a = {status, note};
    int rc = gdpr_request__check_call(eng, who, request);

    if (rc != GDPR_OK)
        return rc;
    if (status == GDPR_REQUEST_DUPLICATE)
        return gdpr__err_set(GDPR_EINVAL,
                             "status: duplicate is set on arrival only, when a request of the "
                             "same type for the same subject is open");
    if ((int)status < 1 || (int)status > GDPR_REQUEST_STATUS_MAX)
        return gdpr__err_set(
            GDPR_EINVAL, "status: %d is not a request status (1 open .. 6 expired)", (int)status);
    rc = gdpr_request__check_note("note", note);
    if (rc != GDPR_OK)
        return rc;
    return gdpr_request__run(eng, who, request, move_step, &a);
}
