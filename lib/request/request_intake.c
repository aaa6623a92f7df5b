/*
 * Data-subject requests: intake (by subject id or by an identifier
 * resolved through the blind index) and matching an unmatched request to
 * its subject later.
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

/* --- intake ---------------------------------------------------------- */

GDPR_API int
gdpr_request_intake_init(gdpr_request_intake *in, unsigned int version)
{
    gdpr__err_clear();
    if (in == NULL)
        return gdpr__err_set(GDPR_EINVAL, "in: must not be NULL");
    if (version == 0 || version > GDPR_REQUEST_INTAKE_VERSION)
        return gdpr__err_set(GDPR_EVERSION, "version: %u is not a known intake version (1..%u)",
                             version, GDPR_REQUEST_INTAKE_VERSION);
    memset(in, 0, sizeof *in);
    in->version = version;
    in->received_at = GDPR_NOW;
    return GDPR_OK;
}

static int
check_intake(const gdpr_request_intake *in, int64_t now)
{
    int has_ident;
    int rc;

    if (in == NULL)
        return gdpr__err_set(GDPR_EINVAL, "in: must not be NULL");
    if (in->version == 0 || in->version > GDPR_REQUEST_INTAKE_VERSION)
        return gdpr__err_set(GDPR_EVERSION, "in.version: %u is not a known intake version (1..%u)",
                             in->version, GDPR_REQUEST_INTAKE_VERSION);
    if ((int)in->type < 1 || (int)in->type > GDPR_REQUEST_TYPE_ALL_MAX)
        return gdpr__err_set(GDPR_EINVAL,
                             "in.type: %d is not a request type (1 access, 2 portability,"
                             " 3 erasure, 4 rectification, 5 restriction, 6 objection)",
                             (int)in->type);
    has_ident = in->id_kind != NULL || in->id_value != NULL;
    if (in->subject != NULL && has_ident)
        return gdpr__err_set(GDPR_EINVAL,
                             "in.subject/in.id_kind: give the subject or an identifier, "
                             "not both");
    if (in->subject == NULL && !has_ident)
        return gdpr__err_set(GDPR_EINVAL, "in.subject: give the subject's id or an identifier "
                                          "(in.id_kind and in.id_value)");
    if (in->subject != NULL)
        rc = gdpr_text__check("in.subject", in->subject, GDPR_NAME_MAX);
    else if ((rc = gdpr_request__check_word("in.id_kind", in->id_kind, REQUEST_KIND_MAX)) ==
             GDPR_OK)
        rc = gdpr_text__check("in.id_value", in->id_value, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = gdpr_request__check_word("in.channel", in->channel, REQUEST_CHANNEL_MAX);
    if (rc == GDPR_OK)
        rc = gdpr_request__check_time("in.received_at", in->received_at);
    if (rc == GDPR_OK)
        rc = gdpr_request__check_note("in.note", in->note);
    if (rc != GDPR_OK)
        return rc;
    if (in->received_at > now) {
        char received[21], at[21];
        gdpr_calendar__format_time(in->received_at, received);
        gdpr_calendar__format_time(now, at);
        return gdpr__err_set(GDPR_EINVAL, "in.received_at: %s is in the future (now is %s)",
                             received, at);
    }
    if (in->flags & ~GDPR_REQUEST_FLAGS_ALL)
        return gdpr__err_set(
            GDPR_EINVAL, "in.flags: 0x%x holds bits that are not GDPR_REQUEST_FLAG_*", in->flags);
    if (in->type != GDPR_REQUEST_ERASURE && in->grace_seconds != GDPR_REQUEST_GRACE_POLICY)
        return gdpr__err_set(GDPR_EINVAL, "in.grace_seconds: only erasure requests have a grace "
                                          "period");
    if (in->grace_seconds < GDPR_REQUEST_GRACE_NONE || in->grace_seconds > REQUEST_GRACE_MAX)
        return gdpr__err_set(GDPR_EINVAL,
                             "in.grace_seconds: %lld is outside -1..%lld (at most 21 "
                             "days, so that erasure still happens within the deadline)",
                             (long long)in->grace_seconds, (long long)REQUEST_GRACE_MAX);
    return GDPR_OK;
}

static int
grace_end(gdpr_engine *eng, const gdpr_request_intake *in, int64_t received, int64_t *out)
{
    const policy_requests *pr = &eng->policy->requests;

    *out = 0;
    if (in->type != GDPR_REQUEST_ERASURE || in->grace_seconds == GDPR_REQUEST_GRACE_NONE)
        return GDPR_OK;
    if (in->grace_seconds > 0) {
        *out = received + in->grace_seconds;
        return GDPR_OK;
    }
    if (pr->has_erasure_grace && gdpr_calendar__add(received, &pr->erasure_grace, out) != 0)
        return gdpr__err_set(GDPR_EINVAL, "policy requests.erasure_grace: cannot be added to %lld",
                             (long long)received);
    return GDPR_OK;
}

/* The subject a request names: by host id (created later if missing:
 * *create_out) or by identifier (unmatched: *has_out 0). */
static int
resolve_subject(gdpr_engine *eng, const gdpr_request_intake *in, uint8_t hash[CRYPTO_HASH_BYTES],
                uint8_t ident_hash[CRYPTO_HASH_BYTES], int *has_out, int *create_out)
{
    int64_t sid = 0;
    int rc;

    *has_out = 0;
    *create_out = 0;
    if (in->subject != NULL) {
        rc = gdpr_engine__subject_hash(eng, in->subject, hash);
        if (rc == GDPR_OK)
            rc = gdpr_store__subject_find(eng->st, hash, &sid);
        *has_out = 1;
        if (rc == GDPR_ENOTFOUND) {
            *create_out = 1;
            rc = GDPR_OK;
        }
        return rc;
    }
    rc = gdpr_engine__identity_hash(eng, in->id_kind, in->id_value, strlen(in->id_value),
                                    ident_hash);
    if (rc == GDPR_EINVAL)
        return gdpr__err_wrap(rc, "in.id_value");
    if (rc == GDPR_OK)
        rc = gdpr_store__identity_find(eng->st, ident_hash, hash);
    if (rc == GDPR_OK)
        *has_out = 1;
    return rc == GDPR_ENOTFOUND ? GDPR_OK : rc;
}

/* Opens the batch of a request change and, when `subject` is given, creates
 * that subject in it (audited). No batch is left open when it fails. */
static int
begin_creating(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
               uint8_t hash[CRYPTO_HASH_BYTES])
{
    int rc = gdpr_engine__begin(eng);

    if (rc != GDPR_OK || subject == NULL)
        return rc;
    rc = gdpr_engine__subject_ensure(eng, subject, hash, NULL, NULL);
    if (rc == GDPR_OK)
        rc = gdpr_audit__append(eng, who, gdpr_permission__name(PERM_SUBJECT_CREATE), hash, GDPR_OK,
                                NULL);
    if (rc != GDPR_OK)
        return gdpr_engine__end(eng, rc);
    return GDPR_OK;
}

/* A request of the same type for the same subject while one is open is
 * linked to that one (issue 16, docs/requests.md "Duplicate requests"):
 * it becomes final at once as a duplicate, with the open request's due
 * dates, so it runs no clock of its own and is never overdue. *original_out
 * (malloc'd) is the open request, or NULL when there is none. */
static int
link_duplicate(gdpr_engine *eng, store_request_row *r, store_request_row **original_out)
{
    int64_t id = 0;
    int rc = gdpr_store__request_find_open(eng->st, r->subject, r->type, &id);

    *original_out = NULL;
    if (rc == GDPR_ENOTFOUND)
        return GDPR_OK;
    if (rc != GDPR_OK)
        return rc;
    *original_out = malloc(sizeof **original_out);
    if (*original_out == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory linking a duplicate request");
    rc = gdpr_request__load(eng, id, *original_out);
    if (rc != GDPR_OK)
        return rc;
    r->status = GDPR_REQUEST_DUPLICATE;
    r->duplicate_of = id;
    r->first_due = (*original_out)->first_due;
    r->due = (*original_out)->due;
    r->grace_until = 0;
    r->closed = r->received;
    r->close_days = 0;
    return GDPR_OK;
}

static int
open_locked(gdpr_engine *eng, const gdpr_actor *who, const gdpr_request_intake *in,
            int64_t *request_out)
{
    uint8_t hash[CRYPTO_HASH_BYTES], ident_hash[CRYPTO_HASH_BYTES];
    store_request_row *r, *original = NULL;
    char detail[200];
    int has_subject = 0, create = 0;
    int rc = gdpr_engine__require_policy(eng);

    if (rc == GDPR_OK)
        rc = resolve_subject(eng, in, hash, ident_hash, &has_subject, &create);
    if (rc == GDPR_OK && !has_subject && in->note != NULL)
        rc = gdpr__err_set(GDPR_EINVAL,
                           "in.note: the identifier matches no subject, so there is no "
                           "key to seal a note under; add notes after gdpr_request_match()");
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_REQUEST_OPEN, has_subject ? hash : NULL);
    if (rc == GDPR_OK && create)
        rc = gdpr_engine__authorize(eng, who, PERM_SUBJECT_CREATE, hash);
    if (rc != GDPR_OK)
        return gdpr_engine__failed_unbegun(eng, rc);
    r = calloc(1, sizeof *r);
    if (r == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory opening a request");
    r->type = (int)in->type;
    r->status = GDPR_REQUEST_OPEN;
    r->received = in->received_at ? in->received_at : gdpr_engine__now(eng);
    r->close_days = -1;
    r->flags = in->flags;
    r->policy_version = eng->policy->version;
    snprintf(r->channel, sizeof r->channel, "%s", in->channel);
    rc = gdpr_request__deadline(eng, r->received, 1, &r->first_due);
    r->due = r->first_due;
    if (rc == GDPR_OK)
        rc = grace_end(eng, in, r->received, &r->grace_until);
    /* The savepoint rule (docs/decisions/0011-snapshot-reads.md): no
     * savepoint inside a host batch; what can refuse the call is checked
     * under the write lock before its first write (the duplicate link
     * reads the open request, the id comes from memory), so after the
     * first write only a lack of memory or storage can fail it. */
    if (rc == GDPR_OK)
        rc = gdpr_engine__begin_checked(eng);
    if (rc != GDPR_OK) {
        free(r);
        return gdpr_engine__failed_unbegun(eng, rc);
    }
    r->has_subject = has_subject;
    if (has_subject)
        memcpy(r->subject, hash, sizeof hash);
    r->updated = gdpr_engine__now(eng);
    if (has_subject)
        rc = link_duplicate(eng, r, &original);
    if (rc == GDPR_OK)
        rc = store_request_next_id(eng->st, &r->id);
    /* The first write. */
    if (rc == GDPR_OK && create) {
        rc = gdpr_engine__subject_ensure_hashed(eng, in->subject, hash, NULL, NULL);
        if (rc == GDPR_OK)
            rc = gdpr_audit__append(eng, who, gdpr_permission__name(PERM_SUBJECT_CREATE), hash,
                                    GDPR_OK, NULL);
    }
    if (in->subject == NULL) {
        snprintf(r->ident_kind, sizeof r->ident_kind, "%s", in->id_kind);
        r->has_ident_hash = 1;
        memcpy(r->ident_hash, ident_hash, sizeof ident_hash);
        if (rc == GDPR_OK && has_subject) {
            size_t len = strlen(in->id_value);
            rc = gdpr_engine__seal_field(eng, hash, "request", r->id, "ident_value", in->id_value,
                                         len, r->ident_value);
            r->ident_value_len = len + CRYPTO_SEAL_OVERHEAD;
        }
    }
    if (rc == GDPR_OK)
        rc = gdpr_store__request_insert(eng->st, r);
    snprintf(detail, sizeof detail, "%s by %.64s%s%.64s%s", gdpr_request_type_name(r->type),
             r->channel, in->subject ? "" : ", ", in->subject ? "" : in->id_kind,
             in->subject ? "" : (has_subject ? " matched" : " unmatched"));
    if (rc == GDPR_OK && original != NULL) {
        size_t len = strlen(detail);
        snprintf(detail + len, sizeof detail - len, "; duplicate of request %lld",
                 (long long)original->id);
    }
    if (rc == GDPR_OK)
        rc = gdpr_request__log(eng, who, r, PERM_REQUEST_OPEN, "open", detail, in->note);
    /* The open request's case file says another one arrived and was
     * linked to it: whoever answers it answers both. */
    if (rc == GDPR_OK && original != NULL) {
        snprintf(detail, sizeof detail, "request %lld by %.64s linked", (long long)r->id,
                 r->channel);
        rc = gdpr_request__log(eng, who, original, PERM_REQUEST_OPEN, "duplicate", detail, NULL);
    }
    free(original);
    rc = gdpr_engine__end(eng, rc);
    if (rc == GDPR_OK && request_out)
        *request_out = r->id;
    free(r);
    return rc;
}

GDPR_API int
gdpr_request_open(gdpr_engine *eng, const gdpr_actor *who, const gdpr_request_intake *in,
                  int64_t *request_out)
{
    gdpr_request_intake copy;
    int rc;

    if (request_out)
        *request_out = 0;
    rc = gdpr_engine__enter(eng, who);
    if (rc == GDPR_OK && in != NULL && in->version == GDPR_REQUEST_INTAKE_VERSION) {
        copy = *in;
        in = &copy;
        rc = gdpr_clock__arg(eng, "in.received_at", &copy.received_at);
    }
    if (rc == GDPR_OK)
        rc = check_intake(in, gdpr_engine__now(eng));
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = open_locked(eng, who, in, request_out);
    return gdpr_engine__unlock(eng, rc);
}

/* --- matching -------------------------------------------------------- */

static int
match_locked(gdpr_engine *eng, const gdpr_actor *who, int64_t request, const char *subject)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    store_request_row *r = malloc(sizeof *r), *original = NULL;
    char detail[200];
    int64_t sid = 0;
    int create = 0;
    int rc;

    if (r == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory matching a request");
    rc = gdpr_engine__require_policy(eng);
    if (rc == GDPR_OK)
        rc = gdpr_request__load(eng, request, r);
    if (rc == GDPR_OK)
        rc = gdpr_request__require_live(r, "match");
    if (rc == GDPR_OK && r->has_subject)
        rc = gdpr__err_set(GDPR_ESTATE, "request %lld is matched to a subject already",
                           (long long)request);
    if (rc == GDPR_OK && subject != NULL) {
        rc = gdpr_engine__subject_hash(eng, subject, hash);
        if (rc == GDPR_OK)
            rc = gdpr_store__subject_find(eng->st, hash, &sid);
        if (rc == GDPR_ENOTFOUND) {
            create = 1;
            rc = GDPR_OK;
        }
    } else if (rc == GDPR_OK) {
        if (!r->has_ident_hash)
            rc = gdpr__err_set(GDPR_EINVAL,
                               "subject: request %lld came without an identifier; name "
                               "the subject",
                               (long long)request);
        else
            rc = gdpr_store__identity_find(eng->st, r->ident_hash, hash);
        if (rc == GDPR_ENOTFOUND)
            rc = gdpr__err_set(GDPR_ENOTFOUND,
                               "request %lld: its %s still matches no subject (link "
                               "it with gdpr_subject_link, or name the subject)",
                               (long long)request, r->ident_kind);
    }
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_REQUEST_MANAGE, hash);
    if (rc == GDPR_OK && create)
        rc = gdpr_engine__authorize(eng, who, PERM_SUBJECT_CREATE, hash);
    if (rc == GDPR_OK)
        rc = begin_creating(eng, who, create ? subject : NULL, hash);
    if (rc != GDPR_OK) {
        free(r);
        return rc;
    }
    r->has_subject = 1;
    memcpy(r->subject, hash, sizeof hash);
    /* Matched to a subject who has an open request of the same type: a
     * duplicate of it, as at intake (its clock stops now). */
    if (rc == GDPR_OK)
        rc = link_duplicate(eng, r, &original);
    if (rc == GDPR_OK && original != NULL) {
        r->closed = gdpr_engine__now(eng);
        r->close_days = 0;
        snprintf(detail, sizeof detail, "%s; duplicate of request %lld",
                 subject ? "by subject id" : "by identifier", (long long)original->id);
    } else {
        snprintf(detail, sizeof detail, "%s", subject ? "by subject id" : "by identifier");
    }
    if (rc == GDPR_OK)
        rc = gdpr_request__commit_step(eng, who, r, PERM_REQUEST_MANAGE, "match", detail, NULL);
    if (rc == GDPR_OK && original != NULL) {
        snprintf(detail, sizeof detail, "request %lld by %.64s linked", (long long)r->id,
                 r->channel);
        rc = gdpr_request__log(eng, who, original, PERM_REQUEST_MANAGE, "duplicate", detail, NULL);
    }
    rc = gdpr_engine__end(eng, rc);
    free(original);
    free(r);
    return rc;
}

GDPR_API int
gdpr_request_match(gdpr_engine *eng, const gdpr_actor *who, int64_t request, const char *subject)
{
    int rc;

    rc = gdpr_engine__enter(eng, who);
    if (rc == GDPR_OK)
        rc = gdpr_request__check_id(request);
    if (rc == GDPR_OK)
        rc = gdpr_text__check_optional("subject", subject, GDPR_NAME_MAX);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = match_locked(eng, who, request, subject);
    return gdpr_engine__unlock(eng, rc);
}
