/*
 * Data-subject requests: the shared steps (status machine, closing
 * authority, sealed history, deadlines), the words of the enums, intake
 * and matching, and the read calls. Transitions are in request_flow.c,
 * fulfilment in request_fulfil.c, lists and KPIs in request_kpi.c.
 * SPDX-License-Identifier: MIT
 */
#include "request_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "util/calendar.h"
#include "util/text.h"

/* --- words ----------------------------------------------------------- */

static const char *const type_words[] = { NULL, "access", "portability", "erasure",
                                          "rectification", "restriction", "objection" };
static const char *const status_words[] = { NULL, "open", "in_progress", "fulfilled",
                                            "denied", "revoked", "expired" };
static const char *const denial_words[] = { "none", "identity_not_verified", "no_match",
                                            "manifestly_unfounded_or_excessive", "exempt",
                                            "other" };
static const char *const verification_words[] = { "none", "pending", "verified", "failed" };
static const char *const method_words[] = { "none", "account_login", "known_contact",
                                            "knowledge", "document", "in_person", "other" };

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *
word_of(const char *const *words, size_t n, int v)
{
    if (v < 0 || (size_t)v >= n || words[v] == NULL)
        return "unknown";
    return words[v];
}

GDPR_API const char *
gdpr_request_type_name(int type)
{
    return word_of(type_words, COUNT(type_words), type);
}

GDPR_API const char *
gdpr_request_status_name(int status)
{
    return word_of(status_words, COUNT(status_words), status);
}

GDPR_API const char *
gdpr_request_denial_name(int denial)
{
    return word_of(denial_words, COUNT(denial_words), denial);
}

GDPR_API const char *
gdpr_request_verification_name(int state)
{
    return word_of(verification_words, COUNT(verification_words), state);
}

GDPR_API const char *
gdpr_request_method_name(int method)
{
    return word_of(method_words, COUNT(method_words), method);
}

GDPR_API int
gdpr_request_parse(const char *what, const char *word, int *value_out)
{
    static const struct {
        const char *what;
        const char *const *words;
        size_t n;
    } sets[] = {
        { "type", type_words, COUNT(type_words) },
        { "status", status_words, COUNT(status_words) },
        { "denial", denial_words, COUNT(denial_words) },
        { "verification", verification_words, COUNT(verification_words) },
        { "method", method_words, COUNT(method_words) },
    };
    char list[256] = "";
    int rc;

    err_clear();
    if (value_out == NULL)
        return err_set(GDPR_EINVAL, "value_out: must not be NULL");
    rc = text_check("what", what, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = text_check("word", word, GDPR_NAME_MAX);
    if (rc != GDPR_OK)
        return rc;
    for (size_t i = 0; i < COUNT(sets); i++) {
        if (strcmp(sets[i].what, what) != 0)
            continue;
        for (size_t k = 0; k < sets[i].n; k++) {
            if (sets[i].words[k] == NULL)
                continue;
            if (strcmp(sets[i].words[k], word) == 0) {
                *value_out = (int)k;
                return GDPR_OK;
            }
            if (list[0] != '\0')
                strncat(list, ", ", sizeof list - strlen(list) - 1);
            strncat(list, sets[i].words[k], sizeof list - strlen(list) - 1);
        }
        return err_set(GDPR_EINVAL, "word: '%.64s' is not a request %s (%s)", word, what, list);
    }
    return err_set(GDPR_EINVAL, "what: '%.64s' is not one of type, status, denial, "
                   "verification, method", what);
}

/* --- argument checks ------------------------------------------------- */

int
request_check_id(int64_t request)
{
    if (request <= 0)
        return err_set(GDPR_EINVAL, "request: %lld is not a request id (ids start at 1)",
                       (long long)request);
    return GDPR_OK;
}

int
request_check_note(const char *field, const char *note)
{
    size_t len, bad;

    if (note == NULL)
        return GDPR_OK;
    len = strnlen(note, GDPR_REQUEST_NOTE_MAX + 1);
    if (len == 0)
        return err_set(GDPR_EINVAL, "%s: must not be empty (pass NULL for none)", field);
    if (len > GDPR_REQUEST_NOTE_MAX)
        return err_set(GDPR_EINVAL, "%s: longer than %u bytes", field, GDPR_REQUEST_NOTE_MAX);
    if (utf8_check(note, len, &bad) != 0)
        return err_set(GDPR_EINVAL, "%s: not valid UTF-8 (byte %zu)", field, bad);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)note[i];
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
            return err_set(GDPR_EINVAL, "%s: control character at byte %zu", field, i);
    }
    return GDPR_OK;
}

int
request_check_time(const char *field, int64_t t)
{
    char when[21];

    if (t == 0)
        return GDPR_OK;
    if (t < REQUEST_EPOCH || t > CAL_MAX_TIME) {
        if (cal_format_instant(t, when) != 0)
            snprintf(when, sizeof when, "%lld", (long long)t);
        return err_set(GDPR_EINVAL, "%s: %s is out of range (2018-05-25, when the GDPR began "
                       "to apply, to 9999-12-31)", field, when);
    }
    return GDPR_OK;
}

/* A word that names a channel or identifier kind: never personal data. */
static int
check_word(const char *field, const char *value, size_t max)
{
    int rc = text_check(field, value, max);

    if (rc != GDPR_OK)
        return rc;
    for (const char *p = value; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '.'))
            return err_set(GDPR_EINVAL, "%s: '%.64s' may hold only a-z, 0-9, '_', '-' and '.'",
                           field, value);
    }
    return GDPR_OK;
}

/* --- the status machine ---------------------------------------------- */

int
request_is_final(int status)
{
    return status == GDPR_REQUEST_FULFILLED || status == GDPR_REQUEST_DENIED ||
           status == GDPR_REQUEST_REVOKED || status == GDPR_REQUEST_EXPIRED;
}

int
request_can_move(const store_request_row *r, int to)
{
    if (request_is_final(r->status))
        return err_set(GDPR_ESTATE, "request %lld: cannot go from %s to %s (%s is final)",
                       (long long)r->id, gdpr_request_status_name(r->status),
                       gdpr_request_status_name(to), gdpr_request_status_name(r->status));
    if (to == GDPR_REQUEST_OPEN && r->status != GDPR_REQUEST_OPEN)
        return err_set(GDPR_ESTATE, "request %lld: cannot go from %s back to open",
                       (long long)r->id, gdpr_request_status_name(r->status));
    return GDPR_OK;
}

int
request_require_subject(const store_request_row *r, int verified)
{
    if (!r->has_subject)
        return err_set(GDPR_ESTATE, "request %lld: matches no subject yet "
                       "(gdpr_request_match, or deny it as no_match)", (long long)r->id);
    if (verified && r->verification != GDPR_VERIFY_VERIFIED)
        return err_set(GDPR_ESTATE, "request %lld: the requester's identity is %s, not verified "
                       "(gdpr_request_verify first)", (long long)r->id,
                       gdpr_request_verification_name(r->verification));
    return GDPR_OK;
}

int
request_load(gdpr_engine *eng, int64_t request, store_request_row *r)
{
    return store_request_get(eng->st, request, r);
}

/* --- closing authority ----------------------------------------------- */

enum { MASK_OPEN = 1, MASK_MANAGE = 2, MASK_CLOSE = 4, MASK_DENY = 8, MASK_ALL = 15 };

static unsigned int
request_mask(const policy_role *role)
{
    unsigned int m = 0;

    if (role == NULL)
        return 0;
    if (policy_role_allows(role, PERM_REQUEST_OPEN))
        m |= MASK_OPEN;
    if (policy_role_allows(role, PERM_REQUEST_MANAGE))
        m |= MASK_MANAGE;
    if (policy_role_allows(role, PERM_REQUEST_CLOSE))
        m |= MASK_CLOSE;
    if (policy_role_allows(role, PERM_REQUEST_DENY))
        m |= MASK_DENY;
    return m;
}

static unsigned int
role_mask(const gdpr_engine *eng, const char *role)
{
    return request_mask(policy_find_role(eng->policy, role));
}

/* "dpo, lead" : the roles whose request permissions include `need`. */
static void
roles_at_least(const gdpr_engine *eng, unsigned int need, char *buf, size_t size)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < eng->policy->n_roles && used < size; i++) {
        if ((request_mask(&eng->policy->roles[i]) & need) != need)
            continue;
        used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
                                 eng->policy->roles[i].id);
    }
    if (buf[0] == '\0')
        snprintf(buf, size, "none");
}

static void
flag_words(unsigned int flags, char *buf, size_t size)
{
    static const char *const words[] = { "special-category data", "complaint", "media",
                                          "authority" };
    size_t used = 0;

    buf[0] = '\0';
    for (unsigned int i = 0; i < 4 && used < size; i++)
        if (flags & (1u << i))
            used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
                                     words[i]);
}

static int refuse_close(gdpr_engine *eng, const gdpr_actor *who, const store_request_row *r,
                        permission perm, const char *fmt, ...) GDPR_PRINTF(5, 6);

static int
refuse_close(gdpr_engine *eng, const gdpr_actor *who, const store_request_row *r,
             permission perm, const char *fmt, ...)
{
    char why[768];
    char ref[64];
    va_list ap;
    int rc;

    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    snprintf(ref, sizeof ref, "request %lld", (long long)r->id);
    /* The refusal itself is a fact the trail must show. */
    rc = engine_begin(eng);
    if (rc == GDPR_OK)
        rc = engine_end(eng, audit_append(eng, who, permission_name(perm),
                                          r->has_subject ? r->subject : NULL, GDPR_EDENIED, ref));
    if (rc != GDPR_OK)
        return err_wrap(rc, "auditing a refused '%s'", permission_name(perm));
    return err_set(GDPR_EDENIED, "%s", why);
}

int
request_authorize_close(gdpr_engine *eng, const gdpr_actor *who, const store_request_row *r,
                        permission perm)
{
    const policy_requests *pr = &eng->policy->requests;
    unsigned int have, need = 0;
    char roles[256], flags[128];
    int rc = engine_authorize(eng, who, perm, r->has_subject ? r->subject : NULL);

    if (rc != GDPR_OK)
        return rc;
    have = role_mask(eng, who->role);
    if (r->escalated_to[0] != '\0') {
        const policy_role *to = policy_find_role(eng->policy, r->escalated_to);
        /* A role the current policy dropped: only full authority remains. */
        need = to ? request_mask(to) : MASK_ALL;
        if ((have & need) != need) {
            roles_at_least(eng, need, roles, sizeof roles);
            return refuse_close(eng, who, r, perm, "request %lld is escalated to '%s': "
                                "closing it needs that role or one with the same request "
                                "permissions (%s); who.role is '%.64s'", (long long)r->id,
                                r->escalated_to, roles, who->role);
        }
    }
    if (r->flags != 0) {
        const policy_role *hr = pr->high_risk_role ? policy_find_role(eng->policy,
                                                                       pr->high_risk_role)
                                                   : NULL;
        need = hr ? request_mask(hr) : MASK_ALL;
        if ((have & need) != need) {
            flag_words(r->flags, flags, sizeof flags);
            if (hr != NULL)
                snprintf(roles, sizeof roles, "'%s' (policy requests.high_risk_role)",
                         pr->high_risk_role);
            else
                roles_at_least(eng, need, roles, sizeof roles);
            return refuse_close(eng, who, r, perm, "request %lld is high-risk (%s): closing it "
                                "needs role %s; escalate it there (gdpr_request_escalate); "
                                "who.role is '%.64s'", (long long)r->id, flags, roles,
                                who->role);
        }
    }
    if (pr->n_close_roles[r->type] > 0) {
        size_t used = 0;
        for (size_t i = 0; i < pr->n_close_roles[r->type]; i++)
            if (strcmp(pr->close_roles[r->type][i], who->role) == 0)
                return GDPR_OK;
        roles[0] = '\0';
        for (size_t i = 0; i < pr->n_close_roles[r->type] && used < sizeof roles; i++)
            used += (size_t)snprintf(roles + used, sizeof roles - used, "%s%s", i ? ", " : "",
                                     pr->close_roles[r->type][i]);
        return refuse_close(eng, who, r, perm, "policy requests.close_roles.%s: only %s may "
                            "close %s requests; who.role is '%.64s'",
                            gdpr_request_type_name(r->type), roles,
                            gdpr_request_type_name(r->type), who->role);
    }
    return GDPR_OK;
}

/* --- history and the trail ------------------------------------------- */

int
request_log(gdpr_engine *eng, const gdpr_actor *who, const store_request_row *r,
            permission perm, const char *action, const char *detail, const char *note)
{
    store_request_event_row ev;
    uint8_t *sealed = NULL;
    char ref[160];
    int rc = store_request_event_next_id(eng->st, &ev.id);

    if (rc != GDPR_OK)
        return rc;
    ev.request = r->id;
    ev.at = engine_now(eng);
    ev.actor = who->id;
    ev.role = who->role;
    ev.action = action;
    ev.status = r->status;
    ev.detail = detail;
    ev.note = NULL;
    ev.note_len = 0;
    if (note != NULL) {
        size_t len = strlen(note);
        if (!r->has_subject)
            return err_set(GDPR_EINVAL, "note: request %lld matches no subject yet, so there is "
                           "no key to seal a note under; add it after gdpr_request_match()",
                           (long long)r->id);
        sealed = malloc(len + CRYPTO_SEAL_OVERHEAD);
        if (sealed == NULL)
            return err_set(GDPR_ENOMEM, "out of memory sealing a note");
        rc = engine_seal_field(eng, r->subject, "request_event", ev.id, "note", note, len,
                               sealed);
        ev.note = sealed;
        ev.note_len = len + CRYPTO_SEAL_OVERHEAD;
    }
    if (rc == GDPR_OK)
        rc = store_request_event_insert(eng->st, &ev);
    free(sealed);
    snprintf(ref, sizeof ref, "request %lld %s%s%s", (long long)r->id, action, detail ? " " : "",
             detail ? detail : "");
    if (rc == GDPR_OK)
        rc = audit_append(eng, who, permission_name(perm), r->has_subject ? r->subject : NULL,
                          GDPR_OK, ref);
    return rc;
}

int
request_commit_step(gdpr_engine *eng, const gdpr_actor *who, store_request_row *r,
                    permission perm, const char *action, const char *detail, const char *note)
{
    int rc;

    r->updated = engine_now(eng);
    rc = store_request_update(eng->st, r);
    if (rc == GDPR_OK && r->closed != 0 && r->has_subject) /* retention anchor (lib/retention.c) */
        rc = engine_retention_anchor(eng, r->subject, ANCHOR_REQUEST_CLOSED, NULL, r->closed);
    if (rc == GDPR_OK)
        rc = request_log(eng, who, r, perm, action, detail, note);
    return rc;
}

void
request_close_now(gdpr_engine *eng, store_request_row *r, int status)
{
    const cal_zone *zone = eng->policy->controller.zone;

    r->status = status;
    r->closed = engine_now(eng);
    r->close_days = (int)(cal_zone_local_day(zone, r->closed) -
                          cal_zone_local_day(zone, r->received));
    if (r->close_days < 0)
        r->close_days = 0;
}

int
request_deadline(gdpr_engine *eng, int64_t received, int months, int64_t *due_out)
{
    const policy_controller *c = &eng->policy->controller;
    int64_t due = cal_deadline_months(received, months, c->zone, c->holidays, c->n_holidays,
                                      NULL);

    if (due == CAL_TIME_INVALID)
        return err_set(GDPR_EINVAL, "received_at: no deadline of %d month(s) can be computed "
                       "from %lld", months, (long long)received);
    *due_out = due;
    return GDPR_OK;
}

void
request_info_fill(const store_request_row *row, gdpr_request_info *out)
{
    unsigned int version = out->version;

    memset(out, 0, sizeof *out);
    out->version = version;
    out->id = row->id;
    out->type = (gdpr_request_type)row->type;
    out->status = (gdpr_request_status)row->status;
    if (row->has_subject)
        hex_encode(row->subject, CRYPTO_HASH_BYTES, out->subject_hash);
    snprintf(out->id_kind, sizeof out->id_kind, "%.64s", row->ident_kind);
    snprintf(out->channel, sizeof out->channel, "%.64s", row->channel);
    out->received = row->received;
    out->first_due = row->first_due;
    out->due = row->due;
    out->extended_months = row->extended_months;
    out->subject_told_at = row->told_at;
    out->verification = (gdpr_request_verification)row->verification;
    out->verify_method = (gdpr_request_method)row->verify_method;
    out->verified_at = row->verified_at;
    out->flags = row->flags;
    snprintf(out->escalated_to, sizeof out->escalated_to, "%s", row->escalated_to);
    out->escalations = row->escalations;
    out->denial = (gdpr_request_denial)row->denial;
    out->grace_until = row->grace_until;
    out->closed = row->closed;
    out->close_days = row->close_days;
}

int
request_subject_id(gdpr_engine *eng, const store_request_row *r, char **subject_out)
{
    *subject_out = NULL;
    if (!r->has_subject)
        return request_require_subject(r, 0);
    return engine_subject_ident(eng, r->subject, subject_out);
}

/* --- intake ---------------------------------------------------------- */

GDPR_API int
gdpr_request_intake_init(gdpr_request_intake *in, unsigned int version)
{
    err_clear();
    if (in == NULL)
        return err_set(GDPR_EINVAL, "in: must not be NULL");
    if (version == 0 || version > GDPR_REQUEST_INTAKE_VERSION)
        return err_set(GDPR_EVERSION, "version: %u is not a known intake version (1..%u)",
                       version, GDPR_REQUEST_INTAKE_VERSION);
    memset(in, 0, sizeof *in);
    in->version = version;
    return GDPR_OK;
}

static int
check_intake(const gdpr_request_intake *in, int64_t now)
{
    int has_ident;
    int rc;

    if (in == NULL)
        return err_set(GDPR_EINVAL, "in: must not be NULL");
    if (in->version == 0 || in->version > GDPR_REQUEST_INTAKE_VERSION)
        return err_set(GDPR_EVERSION, "in.version: %u is not a known intake version (1..%u)",
                       in->version, GDPR_REQUEST_INTAKE_VERSION);
    if ((int)in->type < 1 || (int)in->type > GDPR_REQUEST_TYPE_MAX)
        return err_set(GDPR_EINVAL, "in.type: %d is not a request type (1 access, 2 portability,"
                       " 3 erasure, 4 rectification, 5 restriction, 6 objection)", (int)in->type);
    has_ident = in->id_kind != NULL || in->id_value != NULL;
    if (in->subject != NULL && has_ident)
        return err_set(GDPR_EINVAL, "in.subject/in.id_kind: give the subject or an identifier, "
                       "not both");
    if (in->subject == NULL && !has_ident)
        return err_set(GDPR_EINVAL, "in.subject: give the subject's id or an identifier "
                       "(in.id_kind and in.id_value)");
    if (in->subject != NULL)
        rc = text_check("in.subject", in->subject, GDPR_NAME_MAX);
    else if ((rc = check_word("in.id_kind", in->id_kind, REQUEST_KIND_MAX)) == GDPR_OK)
        rc = text_check("in.id_value", in->id_value, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = check_word("in.channel", in->channel, REQUEST_CHANNEL_MAX);
    if (rc == GDPR_OK)
        rc = request_check_time("in.received_at", in->received_at);
    if (rc == GDPR_OK)
        rc = request_check_note("in.note", in->note);
    if (rc != GDPR_OK)
        return rc;
    if (in->received_at > now)
        return err_set(GDPR_EINVAL, "in.received_at: %lld is in the future (now is %lld)",
                       (long long)in->received_at, (long long)now);
    if (in->flags & ~GDPR_REQUEST_FLAGS_ALL)
        return err_set(GDPR_EINVAL, "in.flags: 0x%x holds bits that are not GDPR_REQUEST_FLAG_*",
                       in->flags);
    if (in->type != GDPR_REQUEST_ERASURE && in->grace_seconds != GDPR_REQUEST_GRACE_POLICY)
        return err_set(GDPR_EINVAL, "in.grace_seconds: only erasure requests have a grace "
                       "period");
    if (in->grace_seconds < GDPR_REQUEST_GRACE_NONE || in->grace_seconds > REQUEST_GRACE_MAX)
        return err_set(GDPR_EINVAL, "in.grace_seconds: %lld is outside -1..%lld (at most 21 "
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
    if (pr->has_erasure_grace && cal_add(received, &pr->erasure_grace, out) != 0)
        return err_set(GDPR_EINVAL, "policy requests.erasure_grace: cannot be added to %lld",
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
        rc = engine_subject_hash(eng, in->subject, hash);
        if (rc == GDPR_OK)
            rc = store_subject_find(eng->st, hash, &sid);
        *has_out = 1;
        if (rc == GDPR_ENOTFOUND) {
            *create_out = 1;
            rc = GDPR_OK;
        }
        return rc;
    }
    rc = engine_identity_hash(eng, in->id_kind, in->id_value, strlen(in->id_value), ident_hash);
    if (rc == GDPR_EINVAL)
        return err_wrap(rc, "in.id_value");
    if (rc == GDPR_OK)
        rc = store_identity_find(eng->st, ident_hash, hash);
    if (rc == GDPR_OK)
        *has_out = 1;
    return rc == GDPR_ENOTFOUND ? GDPR_OK : rc;
}

static int
open_locked(gdpr_engine *eng, const gdpr_actor *who, const gdpr_request_intake *in,
            int64_t *request_out)
{
    uint8_t hash[CRYPTO_HASH_BYTES], ident_hash[CRYPTO_HASH_BYTES];
    store_request_row *r;
    char detail[160];
    int has_subject = 0, create = 0;
    int rc = engine_require_policy(eng);

    if (rc == GDPR_OK)
        rc = resolve_subject(eng, in, hash, ident_hash, &has_subject, &create);
    if (rc == GDPR_OK && !has_subject && in->note != NULL)
        rc = err_set(GDPR_EINVAL, "in.note: the identifier matches no subject, so there is no "
                     "key to seal a note under; add notes after gdpr_request_match()");
    if (rc == GDPR_OK)
        rc = engine_authorize(eng, who, PERM_REQUEST_OPEN, has_subject ? hash : NULL);
    if (rc == GDPR_OK && create)
        rc = engine_authorize(eng, who, PERM_SUBJECT_CREATE, hash);
    if (rc != GDPR_OK)
        return rc;
    r = calloc(1, sizeof *r);
    if (r == NULL)
        return err_set(GDPR_ENOMEM, "out of memory opening a request");
    r->type = (int)in->type;
    r->status = GDPR_REQUEST_OPEN;
    r->received = in->received_at ? in->received_at : engine_now(eng);
    r->close_days = -1;
    r->flags = in->flags;
    r->policy_version = eng->policy->version;
    snprintf(r->channel, sizeof r->channel, "%s", in->channel);
    rc = request_deadline(eng, r->received, 1, &r->first_due);
    r->due = r->first_due;
    if (rc == GDPR_OK)
        rc = grace_end(eng, in, r->received, &r->grace_until);
    if (rc == GDPR_OK)
        rc = engine_begin(eng);
    if (rc != GDPR_OK) {
        free(r);
        return rc;
    }
    if (create) {
        rc = engine_subject_ensure(eng, in->subject, hash, NULL, NULL);
        if (rc == GDPR_OK)
            rc = audit_append(eng, who, permission_name(PERM_SUBJECT_CREATE), hash, GDPR_OK,
                              NULL);
    }
    if (rc == GDPR_OK)
        rc = store_request_next_id(eng->st, &r->id);
    r->has_subject = has_subject;
    if (has_subject)
        memcpy(r->subject, hash, sizeof hash);
    if (in->subject == NULL) {
        snprintf(r->ident_kind, sizeof r->ident_kind, "%s", in->id_kind);
        r->has_ident_hash = 1;
        memcpy(r->ident_hash, ident_hash, sizeof ident_hash);
        if (rc == GDPR_OK && has_subject) {
            size_t len = strlen(in->id_value);
            rc = engine_seal_field(eng, hash, "request", r->id, "ident_value", in->id_value, len,
                                   r->ident_value);
            r->ident_value_len = len + CRYPTO_SEAL_OVERHEAD;
        }
    }
    r->updated = engine_now(eng);
    if (rc == GDPR_OK)
        rc = store_request_insert(eng->st, r);
    snprintf(detail, sizeof detail, "%s by %.64s%s%.64s%s", gdpr_request_type_name(r->type),
             r->channel, in->subject ? "" : ", ", in->subject ? "" : in->id_kind,
             in->subject ? "" : (has_subject ? " matched" : " unmatched"));
    if (rc == GDPR_OK)
        rc = request_log(eng, who, r, PERM_REQUEST_OPEN, "open", detail, in->note);
    rc = engine_end(eng, rc);
    if (rc == GDPR_OK && request_out)
        *request_out = r->id;
    free(r);
    return rc;
}

GDPR_API int
gdpr_request_open(gdpr_engine *eng, const gdpr_actor *who, const gdpr_request_intake *in,
                  int64_t *request_out)
{
    int rc;

    if (request_out)
        *request_out = 0;
    if (eng == NULL)
        return err_set(GDPR_EINVAL, "eng: must not be NULL");
    err_clear();
    rc = engine_check_actor(who);
    if (rc == GDPR_OK)
        rc = check_intake(in, engine_now(eng));
    if (rc != GDPR_OK)
        return rc;
    engine_lock(eng);
    rc = open_locked(eng, who, in, request_out);
    return engine_unlock(eng, rc);
}

/* --- matching -------------------------------------------------------- */

static int
require_live(const store_request_row *r, const char *what)
{
    if (request_is_final(r->status))
        return err_set(GDPR_ESTATE, "request %lld is %s (final): cannot %s it", (long long)r->id,
                       gdpr_request_status_name(r->status), what);
    return GDPR_OK;
}

static int
match_locked(gdpr_engine *eng, const gdpr_actor *who, int64_t request, const char *subject)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    store_request_row *r = malloc(sizeof *r);
    int64_t sid = 0;
    int create = 0;
    int rc;

    if (r == NULL)
        return err_set(GDPR_ENOMEM, "out of memory matching a request");
    rc = engine_require_policy(eng);
    if (rc == GDPR_OK)
        rc = request_load(eng, request, r);
    if (rc == GDPR_OK)
        rc = require_live(r, "match");
    if (rc == GDPR_OK && r->has_subject)
        rc = err_set(GDPR_ESTATE, "request %lld is matched to a subject already",
                     (long long)request);
    if (rc == GDPR_OK && subject != NULL) {
        rc = engine_subject_hash(eng, subject, hash);
        if (rc == GDPR_OK)
            rc = store_subject_find(eng->st, hash, &sid);
        if (rc == GDPR_ENOTFOUND) {
            create = 1;
            rc = GDPR_OK;
        }
    } else if (rc == GDPR_OK) {
        if (!r->has_ident_hash)
            rc = err_set(GDPR_EINVAL, "subject: request %lld came without an identifier; name "
                         "the subject", (long long)request);
        else
            rc = store_identity_find(eng->st, r->ident_hash, hash);
        if (rc == GDPR_ENOTFOUND)
            rc = err_set(GDPR_ENOTFOUND, "request %lld: its %s still matches no subject (link "
                         "it with gdpr_subject_link, or name the subject)", (long long)request,
                         r->ident_kind);
    }
    if (rc == GDPR_OK)
        rc = engine_authorize(eng, who, PERM_REQUEST_MANAGE, hash);
    if (rc == GDPR_OK && create)
        rc = engine_authorize(eng, who, PERM_SUBJECT_CREATE, hash);
    if (rc == GDPR_OK)
        rc = engine_begin(eng);
    if (rc != GDPR_OK) {
        free(r);
        return rc;
    }
    if (create) {
        rc = engine_subject_ensure(eng, subject, hash, NULL, NULL);
        if (rc == GDPR_OK)
            rc = audit_append(eng, who, permission_name(PERM_SUBJECT_CREATE), hash, GDPR_OK,
                              NULL);
    }
    r->has_subject = 1;
    memcpy(r->subject, hash, sizeof hash);
    if (rc == GDPR_OK)
        rc = request_commit_step(eng, who, r, PERM_REQUEST_MANAGE, "match",
                                 subject ? "by subject id" : "by identifier", NULL);
    rc = engine_end(eng, rc);
    free(r);
    return rc;
}

GDPR_API int
gdpr_request_match(gdpr_engine *eng, const gdpr_actor *who, int64_t request, const char *subject)
{
    int rc;

    if (eng == NULL)
        return err_set(GDPR_EINVAL, "eng: must not be NULL");
    err_clear();
    rc = engine_check_actor(who);
    if (rc == GDPR_OK)
        rc = request_check_id(request);
    if (rc == GDPR_OK)
        rc = text_check_optional("subject", subject, GDPR_NAME_MAX);
    if (rc != GDPR_OK)
        return rc;
    engine_lock(eng);
    rc = match_locked(eng, who, request, subject);
    return engine_unlock(eng, rc);
}

/* --- reading --------------------------------------------------------- */

static int
check_info(const gdpr_request_info *out)
{
    if (out == NULL)
        return err_set(GDPR_EINVAL, "out: must not be NULL");
    if (out->version == 0 || out->version > GDPR_REQUEST_INFO_VERSION)
        return err_set(GDPR_EVERSION, "out.version: %u is not a known info version (1..%u); "
                       "use gdpr_request_info_init()", out->version, GDPR_REQUEST_INFO_VERSION);
    return GDPR_OK;
}

GDPR_API int
gdpr_request_info_init(gdpr_request_info *info, unsigned int version)
{
    err_clear();
    if (info == NULL)
        return err_set(GDPR_EINVAL, "info: must not be NULL");
    if (version == 0 || version > GDPR_REQUEST_INFO_VERSION)
        return err_set(GDPR_EVERSION, "version: %u is not a known info version (1..%u)",
                       version, GDPR_REQUEST_INFO_VERSION);
    memset(info, 0, sizeof *info);
    info->version = version;
    return GDPR_OK;
}

GDPR_API int
gdpr_request_get(gdpr_engine *eng, int64_t request, gdpr_request_info *out)
{
    store_request_row *r;
    int rc;

    if (eng == NULL)
        return err_set(GDPR_EINVAL, "eng: must not be NULL");
    err_clear();
    rc = check_info(out);
    if (rc == GDPR_OK)
        rc = request_check_id(request);
    if (rc != GDPR_OK)
        return rc;
    r = malloc(sizeof *r);
    if (r == NULL)
        return err_set(GDPR_ENOMEM, "out of memory reading a request");
    engine_lock(eng);
    rc = request_load(eng, request, r);
    if (rc == GDPR_OK)
        request_info_fill(r, out);
    engine_unlock(eng, rc);
    free(r);
    return rc;
}

typedef struct {
    gdpr_request_fn fn;
    void *ctx;
    gdpr_request_info info;
} list_state;

static int
list_one(const store_request_row *row, void *ctx)
{
    list_state *ls = ctx;

    request_info_fill(row, &ls->info);
    return ls->fn(&ls->info, ls->ctx);
}

int
request_list_rows(gdpr_engine *eng,
                  int (*walk)(gdpr_engine *, store_request_fn, void *, const void *),
                  const void *arg, gdpr_request_fn fn, void *ctx)
{
    list_state *ls = malloc(sizeof *ls);
    int rc;

    if (ls == NULL)
        return err_set(GDPR_ENOMEM, "out of memory listing requests");
    ls->fn = fn;
    ls->ctx = ctx;
    memset(&ls->info, 0, sizeof ls->info);
    ls->info.version = GDPR_REQUEST_INFO_VERSION;
    rc = walk(eng, list_one, ls, arg);
    free(ls);
    return rc;
}

typedef struct {
    const uint8_t *hash;
    int status;
} list_filter;

static int
walk_list(gdpr_engine *eng, store_request_fn fn, void *ctx, const void *arg)
{
    const list_filter *f = arg;
    return store_request_foreach(eng->st, f->hash, f->status, fn, ctx);
}

GDPR_API int
gdpr_request_list(gdpr_engine *eng, const char *subject, gdpr_request_status status,
                  gdpr_request_fn fn, void *ctx)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    list_filter f;
    int rc;

    if (eng == NULL)
        return err_set(GDPR_EINVAL, "eng: must not be NULL");
    err_clear();
    if (fn == NULL)
        return err_set(GDPR_EINVAL, "fn: must not be NULL");
    if ((int)status < 0 || (int)status > GDPR_REQUEST_STATUS_MAX)
        return err_set(GDPR_EINVAL, "status: %d is not a request status (0 for any, 1..%d)",
                       (int)status, GDPR_REQUEST_STATUS_MAX);
    rc = text_check_optional("subject", subject, GDPR_NAME_MAX);
    if (rc != GDPR_OK)
        return rc;
    engine_lock(eng);
    f.hash = NULL;
    f.status = (int)status;
    if (subject != NULL) {
        rc = engine_subject_hash(eng, subject, hash);
        f.hash = hash;
    }
    if (rc == GDPR_OK)
        rc = request_list_rows(eng, walk_list, &f, fn, ctx);
    return engine_unlock(eng, rc);
}

typedef struct {
    gdpr_engine *eng;
    const store_request_row *r;
    gdpr_request_event_fn fn;
    void *ctx;
} history_state;

static int
history_one(const store_request_event_row *row, void *ctx)
{
    history_state *hs = ctx;
    gdpr_request_event ev;
    char *note = NULL;
    int rc;

    ev.id = row->id;
    ev.at = row->at;
    ev.actor = row->actor;
    ev.role = row->role;
    ev.action = row->action;
    ev.status = (gdpr_request_status)row->status;
    ev.detail = row->detail;
    ev.note = NULL;
    if (row->note != NULL) {
        if (row->note_len < CRYPTO_SEAL_OVERHEAD || !hs->r->has_subject)
            return err_set(GDPR_ECORRUPT, "request event %lld: damaged note", (long long)row->id);
        note = malloc(row->note_len - CRYPTO_SEAL_OVERHEAD + 1);
        if (note == NULL)
            return err_set(GDPR_ENOMEM, "out of memory opening a note");
        rc = engine_open_field(hs->eng, hs->r->subject, "request_event", row->id, "note",
                               row->note, row->note_len, (uint8_t *)note);
        if (rc == GDPR_ENOTFOUND) {
            /* The subject's key is gone (erased): the note with it. */
            free(note);
            note = NULL;
            err_clear();
        } else if (rc != GDPR_OK) {
            free(note);
            return rc;
        } else {
            note[row->note_len - CRYPTO_SEAL_OVERHEAD] = '\0';
            ev.note = note;
        }
    }
    rc = hs->fn(&ev, hs->ctx);
    if (note != NULL) {
        crypto_wipe(note, row->note_len - CRYPTO_SEAL_OVERHEAD);
        free(note);
    }
    return rc;
}

static int
check_reader(gdpr_engine *eng, const gdpr_actor *who, int64_t request)
{
    if (eng == NULL)
        return err_set(GDPR_EINVAL, "eng: must not be NULL");
    err_clear();
    {
        int rc = engine_check_actor(who);
        if (rc == GDPR_OK)
            rc = request_check_id(request);
        return rc;
    }
}

GDPR_API int
gdpr_request_history(gdpr_engine *eng, const gdpr_actor *who, int64_t request,
                     gdpr_request_event_fn fn, void *ctx)
{
    store_request_row *r;
    history_state hs;
    int rc = check_reader(eng, who, request);

    if (rc == GDPR_OK && fn == NULL)
        rc = err_set(GDPR_EINVAL, "fn: must not be NULL");
    if (rc != GDPR_OK)
        return rc;
    r = malloc(sizeof *r);
    if (r == NULL)
        return err_set(GDPR_ENOMEM, "out of memory reading a request");
    engine_lock(eng);
    rc = engine_require_policy(eng);
    if (rc == GDPR_OK)
        rc = request_load(eng, request, r);
    if (rc == GDPR_OK)
        rc = engine_authorize(eng, who, PERM_REQUEST_OPEN, r->has_subject ? r->subject : NULL);
    hs.eng = eng;
    hs.r = r;
    hs.fn = fn;
    hs.ctx = ctx;
    if (rc == GDPR_OK)
        rc = store_request_event_foreach(eng->st, request, history_one, &hs);
    engine_unlock(eng, rc);
    free(r);
    return rc;
}

static int
open_ident_value(gdpr_engine *eng, const store_request_row *r, char **out)
{
    size_t len;
    char *plain;
    int rc;

    *out = NULL;
    if (r->ident_value_len == 0 || !r->has_subject)
        return GDPR_OK;
    if (r->ident_value_len < CRYPTO_SEAL_OVERHEAD)
        return err_set(GDPR_ECORRUPT, "request %lld: damaged identifier", (long long)r->id);
    len = r->ident_value_len - CRYPTO_SEAL_OVERHEAD;
    plain = malloc(len + 1);
    if (plain == NULL)
        return err_set(GDPR_ENOMEM, "out of memory opening an identifier");
    rc = engine_open_field(eng, r->subject, "request", r->id, "ident_value", r->ident_value,
                           r->ident_value_len, (uint8_t *)plain);
    if (rc != GDPR_OK) {
        free(plain);
        return rc;
    }
    plain[len] = '\0';
    *out = plain;
    return GDPR_OK;
}

GDPR_API int
gdpr_request_subject(gdpr_engine *eng, const gdpr_actor *who, int64_t request,
                     char **subject_out, char **id_value_out)
{
    store_request_row *r;
    int rc = check_reader(eng, who, request);

    if (subject_out)
        *subject_out = NULL;
    if (id_value_out)
        *id_value_out = NULL;
    if (rc == GDPR_OK && subject_out == NULL)
        rc = err_set(GDPR_EINVAL, "subject_out: must not be NULL");
    if (rc != GDPR_OK)
        return rc;
    r = malloc(sizeof *r);
    if (r == NULL)
        return err_set(GDPR_ENOMEM, "out of memory reading a request");
    engine_lock(eng);
    rc = engine_require_policy(eng);
    if (rc == GDPR_OK)
        rc = request_load(eng, request, r);
    if (rc == GDPR_OK)
        rc = engine_authorize(eng, who, PERM_REQUEST_OPEN, r->has_subject ? r->subject : NULL);
    if (rc == GDPR_OK && r->has_subject)
        rc = engine_subject_ident(eng, r->subject, subject_out);
    if (rc == GDPR_OK && id_value_out != NULL)
        rc = open_ident_value(eng, r, id_value_out);
    if (rc != GDPR_OK && subject_out && *subject_out) {
        free(*subject_out);
        *subject_out = NULL;
    }
    engine_unlock(eng, rc);
    free(r);
    return rc;
}
