/*
 * Data-subject requests: the shared steps (status machine, closing
 * authority, sealed history, deadlines) and the words of the enums.
 * Intake and matching are in request_intake.c, reading in request_read.c,
 * the moves of the life cycle in request_flow.c, fulfilment in
 * request_fulfil.c, lists and KPIs in request_kpi.c.
 * SPDX-License-Identifier: MIT
 */
#include "request_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stddef.h>

#include "error.h"
#include "schedule.h"
#include "calendar.h"
#include "text.h"

/* --- words ----------------------------------------------------------- */

static const char *const type_words[] = {
    NULL,          "access",    "portability",       "erasure", "rectification",
    "restriction", "objection", "human_intervention"};
static const char *const status_words[] = {NULL,     "open",    "in_progress", "fulfilled",
                                           "denied", "revoked", "expired",     "duplicate"};
static const char *const denial_words[] = {"none",
                                           "identity_not_verified",
                                           "no_match",
                                           "manifestly_unfounded_or_excessive",
                                           "exempt",
                                           "other",
                                           "suspected_fraud",
                                           "outside_jurisdiction"};
static const char *const verification_words[] = {"none", "pending", "verified", "failed"};
static const char *const method_words[] = {
    "none", "account_login", "known_contact", "knowledge", "document", "in_person", "other"};

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
        {"type", type_words, COUNT(type_words)},
        {"status", status_words, COUNT(status_words)},
        {"denial", denial_words, COUNT(denial_words)},
        {"verification", verification_words, COUNT(verification_words)},
        {"method", method_words, COUNT(method_words)},
    };
    char list[256] = "";
    int rc;

    gdpr__err_clear();
    if (value_out == NULL)
        return gdpr__err_set(GDPR_EINVAL, "value_out: must not be NULL");
    rc = gdpr_text__check("what", what, GDPR_NAME_MAX);
    if (rc == GDPR_OK)
        rc = gdpr_text__check("word", word, GDPR_NAME_MAX);
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
        return gdpr__err_set(GDPR_EINVAL, "word: '%.64s' is not a request %s (%s)", word, what,
                             list);
    }
    return gdpr__err_set(GDPR_EINVAL,
                         "what: '%.64s' is not one of type, status, denial, "
                         "verification, method",
                         what);
}

/* --- argument checks ------------------------------------------------- */

int
gdpr_request__check_id(int64_t request)
{
    return gdpr_text__check_id("request", "a request id", request);
}

int
gdpr_request__check_call(gdpr_engine *eng, const gdpr_actor *who, int64_t request)
{
    int rc = gdpr_engine__enter(eng, who);

    return rc == GDPR_OK ? gdpr_request__check_id(request) : rc;
}

int
gdpr_request__check_note(const char *field, const char *note)
{
    size_t len, bad;

    if (note == NULL)
        return GDPR_OK;
    len = strnlen(note, GDPR_REQUEST_NOTE_MAX + 1);
    if (len == 0)
        return gdpr__err_set(GDPR_EINVAL, "%s: must not be empty (pass NULL for none)", field);
    if (len > GDPR_REQUEST_NOTE_MAX)
        return gdpr__err_set(GDPR_EINVAL, "%s: longer than %u bytes", field, GDPR_REQUEST_NOTE_MAX);
    if (gdpr__utf8_check(note, len, &bad) != 0)
        return gdpr__err_set(GDPR_EINVAL, "%s: not valid UTF-8 (byte %zu)", field, bad);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)note[i];
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
            return gdpr__err_set(GDPR_EINVAL, "%s: control character at byte %zu", field, i);
    }
    return GDPR_OK;
}

int
gdpr_request__check_time(const char *field, int64_t t)
{
    char when[21];

    if (t == 0)
        return GDPR_OK;
    if (t < REQUEST_EPOCH || t > CAL_MAX_TIME) {
        if (gdpr_calendar__format_instant(t, when) != 0)
            snprintf(when, sizeof when, "%lld", (long long)t);
        return gdpr__err_set(GDPR_EINVAL,
                             "%s: %s is out of range (2018-05-25, when the GDPR began "
                             "to apply, to 9999-12-31)",
                             field, when);
    }
    return GDPR_OK;
}

int
gdpr_request__check_word(const char *field, const char *value, size_t max)
{
    int rc = gdpr_text__check(field, value, max);

    if (rc != GDPR_OK)
        return rc;
    for (const char *p = value; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
            return gdpr__err_set(
                GDPR_EINVAL, "%s: '%.64s' may hold only a-z, 0-9, '_', '-' and '.'", field, value);
    }
    return GDPR_OK;
}

/* --- the status machine ---------------------------------------------- */

int
gdpr_request__is_final(int status)
{
    return status == GDPR_REQUEST_FULFILLED || status == GDPR_REQUEST_DENIED ||
           status == GDPR_REQUEST_REVOKED || status == GDPR_REQUEST_EXPIRED ||
           status == GDPR_REQUEST_DUPLICATE;
}

int
gdpr_request__can_move(const store_request_row *r, int to)
{
    if (gdpr_request__is_final(r->status))
        return gdpr__err_set(GDPR_ESTATE, "request %lld: cannot go from %s to %s (%s is final)",
                             (long long)r->id, gdpr_request_status_name(r->status),
                             gdpr_request_status_name(to), gdpr_request_status_name(r->status));
    if (to == GDPR_REQUEST_OPEN && r->status != GDPR_REQUEST_OPEN)
        return gdpr__err_set(GDPR_ESTATE, "request %lld: cannot go from %s back to open",
                             (long long)r->id, gdpr_request_status_name(r->status));
    return GDPR_OK;
}

int
gdpr_request__require_live(const store_request_row *r, const char *what)
{
    if (gdpr_request__is_final(r->status))
        return gdpr__err_set(GDPR_ESTATE, "request %lld is %s (final): cannot %s it",
                             (long long)r->id, gdpr_request_status_name(r->status), what);
    return GDPR_OK;
}

int
gdpr_request__require_subject(const store_request_row *r, int verified)
{
    if (!r->has_subject)
        return gdpr__err_set(GDPR_ESTATE,
                             "request %lld: matches no subject yet "
                             "(gdpr_request_match, or deny it as no_match)",
                             (long long)r->id);
    if (verified && r->verification != GDPR_VERIFY_VERIFIED)
        return gdpr__err_set(GDPR_ESTATE,
                             "request %lld: the requester's identity is %s, not verified "
                             "(gdpr_request_verify first)",
                             (long long)r->id, gdpr_request_verification_name(r->verification));
    return GDPR_OK;
}

int
gdpr_request__load(gdpr_engine *eng, int64_t request, store_request_row *r)
{
    return gdpr_store__request_get(eng->st, request, r);
}

/* --- closing authority ----------------------------------------------- */

enum { MASK_OPEN = 1, MASK_MANAGE = 2, MASK_CLOSE = 4, MASK_DENY = 8, MASK_ALL = 15 };

static unsigned int
request_mask(const policy_role *role)
{
    unsigned int m = 0;

    if (role == NULL)
        return 0;
    if (gdpr_policy__role_allows(role, PERM_REQUEST_OPEN))
        m |= MASK_OPEN;
    if (gdpr_policy__role_allows(role, PERM_REQUEST_MANAGE))
        m |= MASK_MANAGE;
    if (gdpr_policy__role_allows(role, PERM_REQUEST_CLOSE))
        m |= MASK_CLOSE;
    if (gdpr_policy__role_allows(role, PERM_REQUEST_DENY))
        m |= MASK_DENY;
    return m;
}

static unsigned int
role_mask(const gdpr_engine *eng, const char *role)
{
    return request_mask(gdpr_policy__find_role(eng->policy, role));
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
    static const char *const words[] = {"special-category data", "complaint", "media", "authority"};
    size_t used = 0;

    buf[0] = '\0';
    for (unsigned int i = 0; i < 4 && used < size; i++)
        if (flags & (1u << i))
            used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? ", " : "", words[i]);
}

static int refuse_close(gdpr_engine *eng, const gdpr_actor *who, const store_request_row *r,
                        permission perm, const char *fmt, ...) GDPR_PRINTF(5, 6);

static int
refuse_close(gdpr_engine *eng, const gdpr_actor *who, const store_request_row *r, permission perm,
             const char *fmt, ...)
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
    rc = gdpr_audit__refusal(eng, who, gdpr_permission__name(perm),
                             r->has_subject ? r->subject : NULL, GDPR_EDENIED, ref);
    if (rc != GDPR_OK)
        return gdpr__err_wrap(rc, "auditing a refused '%s'", gdpr_permission__name(perm));
    return gdpr__err_set(GDPR_EDENIED, "%s", why);
}

int
gdpr_request__authorize_close(gdpr_engine *eng, const gdpr_actor *who, const store_request_row *r,
                              permission perm)
{
    const policy_requests *pr = &eng->policy->requests;
    unsigned int have, need = 0;
    char roles[256], flags[128];
    int rc = gdpr_engine__authorize(eng, who, perm, r->has_subject ? r->subject : NULL);

    if (rc != GDPR_OK)
        return rc;
    have = role_mask(eng, who->role);
    if (r->escalated_to[0] != '\0') {
        const policy_role *to = gdpr_policy__find_role(eng->policy, r->escalated_to);
        /* A role the current policy dropped: only full authority remains. */
        need = to ? request_mask(to) : MASK_ALL;
        if ((have & need) != need) {
            roles_at_least(eng, need, roles, sizeof roles);
            return refuse_close(eng, who, r, perm,
                                "request %lld is escalated to '%s': "
                                "closing it needs that role or one with the same request "
                                "permissions (%s); who.role is '%.64s'",
                                (long long)r->id, r->escalated_to, roles, who->role);
        }
    }
    if (r->flags != 0) {
        const policy_role *hr =
            pr->high_risk_role ? gdpr_policy__find_role(eng->policy, pr->high_risk_role) : NULL;
        need = hr ? request_mask(hr) : MASK_ALL;
        if ((have & need) != need) {
            flag_words(r->flags, flags, sizeof flags);
            if (hr != NULL)
                snprintf(roles, sizeof roles, "'%s' (policy requests.high_risk_role)",
                         pr->high_risk_role);
            else
                roles_at_least(eng, need, roles, sizeof roles);
            return refuse_close(eng, who, r, perm,
                                "request %lld is high-risk (%s): closing it "
                                "needs role %s; escalate it there (gdpr_request_escalate); "
                                "who.role is '%.64s'",
                                (long long)r->id, flags, roles, who->role);
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
        return refuse_close(eng, who, r, perm,
                            "policy requests.close_roles.%s: only %s may "
                            "close %s requests; who.role is '%.64s'",
                            gdpr_request_type_name(r->type), roles, gdpr_request_type_name(r->type),
                            who->role);
    }
    return GDPR_OK;
}

/* --- history and the trail ------------------------------------------- */

int
gdpr_request__log(gdpr_engine *eng, const gdpr_actor *who, const store_request_row *r,
                  permission perm, const char *action, const char *detail, const char *note)
{
    store_request_event_row ev;
    uint8_t *sealed = NULL;
    char ref[160];
    int rc = store_request_event_next_id(eng->st, &ev.id);

    if (rc != GDPR_OK)
        return rc;
    ev.request = r->id;
    ev.at = gdpr_engine__now(eng);
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
            return gdpr__err_set(GDPR_EINVAL,
                                 "note: request %lld matches no subject yet, so there is "
                                 "no key to seal a note under; add it after gdpr_request_match()",
                                 (long long)r->id);
        sealed = malloc(len + CRYPTO_SEAL_OVERHEAD);
        if (sealed == NULL)
            return gdpr__err_set(GDPR_ENOMEM, "out of memory sealing a note");
        rc = gdpr_engine__seal_field(eng, r->subject, "request_event", ev.id, "note", note, len,
                                     sealed);
        ev.note = sealed;
        ev.note_len = len + CRYPTO_SEAL_OVERHEAD;
    }
    if (rc == GDPR_OK)
        rc = gdpr_store__request_event_insert(eng->st, &ev);
    free(sealed);
    snprintf(ref, sizeof ref, "request %lld %s%s%s", (long long)r->id, action, detail ? " " : "",
             detail ? detail : "");
    if (rc == GDPR_OK)
        rc = gdpr_audit__append(eng, who, gdpr_permission__name(perm),
                                r->has_subject ? r->subject : NULL, GDPR_OK, ref);
    return rc;
}

int
gdpr_request__commit_step(gdpr_engine *eng, const gdpr_actor *who, store_request_row *r,
                          permission perm, const char *action, const char *detail, const char *note)
{
    int rc;

    r->updated = gdpr_engine__now(eng);
    rc = gdpr_store__request_update(eng->st, r);
    if (rc == GDPR_OK && r->closed != 0 && r->has_subject) /* retention anchor (lib/retention.c) */
        rc = gdpr_schedule__anchor(eng, r->subject, ANCHOR_REQUEST_CLOSED, NULL, r->closed);
    if (rc == GDPR_OK)
        rc = gdpr_request__log(eng, who, r, perm, action, detail, note);
    return rc;
}

void
gdpr_request__close_now(gdpr_engine *eng, store_request_row *r, int status)
{
    const cal_zone *zone = eng->policy->controller.zone;

    r->status = status;
    r->closed = gdpr_engine__now(eng);
    r->close_days = (int)(gdpr_calendar__zone_local_day(zone, r->closed) -
                          gdpr_calendar__zone_local_day(zone, r->received));
    if (r->close_days < 0)
        r->close_days = 0;
}

int
gdpr_request__deadline(gdpr_engine *eng, int64_t received, int months, int64_t *due_out)
{
    const policy_controller *c = &eng->policy->controller;
    int64_t due =
        gdpr_calendar__deadline_months(received, months, c->zone, c->holidays, c->n_holidays, NULL);

    if (due == CAL_TIME_INVALID)
        return gdpr__err_set(GDPR_EINVAL,
                             "received_at: no deadline of %d month(s) can be computed "
                             "from %lld",
                             months, (long long)received);
    *due_out = due;
    return GDPR_OK;
}

/* src into dst[cap], cut at cap - 1 bytes as snprintf "%s" would, without
 * its format parsing (three per item of a list). */
static void
copy_cut(char *dst, size_t cap, const char *src, size_t max)
{
    size_t len = strnlen(src, max < cap - 1 ? max : cap - 1);

    memcpy(dst, src, len);
    dst[len] = '\0';
}

void
gdpr_request__info_fill(const store_request_row *row, gdpr_request_info *out)
{
    unsigned int version = out->version;

    memset(out, 0, gdpr_request__info_size(version));
    out->version = version;
    out->id = row->id;
    out->type = (gdpr_request_type)row->type;
    out->status = (gdpr_request_status)row->status;
    if (row->has_subject)
        gdpr__hex_encode(row->subject, CRYPTO_HASH_BYTES, out->subject_hash);
    copy_cut(out->id_kind, sizeof out->id_kind, row->ident_kind, 64);
    copy_cut(out->channel, sizeof out->channel, row->channel, 64);
    out->received = row->received;
    out->first_due = row->first_due;
    out->due = row->due;
    out->extended_months = row->extended_months;
    out->subject_told_at = row->told_at;
    out->verification = (gdpr_request_verification)row->verification;
    out->verify_method = (gdpr_request_method)row->verify_method;
    out->verified_at = row->verified_at;
    out->flags = row->flags;
    copy_cut(out->escalated_to, sizeof out->escalated_to, row->escalated_to,
             sizeof row->escalated_to);
    out->escalations = row->escalations;
    out->denial = (gdpr_request_denial)row->denial;
    out->grace_until = row->grace_until;
    out->closed = row->closed;
    out->close_days = row->close_days;
    if (version >= 2)
        out->duplicate_of = row->duplicate_of;
}

size_t
gdpr_request__info_size(unsigned int version)
{
    return version >= 2 ? sizeof(gdpr_request_info) : offsetof(gdpr_request_info, duplicate_of);
}

int
gdpr_request__subject_id(gdpr_engine *eng, const store_request_row *r, char **subject_out)
{
    *subject_out = NULL;
    if (!r->has_subject)
        return gdpr_request__require_subject(r, 0);
    return gdpr_engine__subject_ident(eng, r->subject, subject_out);
}
