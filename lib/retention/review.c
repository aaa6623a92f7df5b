/*
 * Retention reviews: tasks a sweep opens for rules whose action is
 * "review", listed, overdue, and decided by a person (keep until a date
 * with a sealed justification, or erase). See docs/retention.md.
 * SPDX-License-Identifier: MIT
 */
#include "retention_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shred.h"
#include "error.h"
#include "calendar.h"
#include "text.h"

static const char review_table[] = "retention_review";
static const char review_field[] = "justification";

static const char *const status_words[] = {NULL, "open", "kept", "erased", "gone"};

GDPR_API const char *
gdpr_review_status_name(int status)
{
    if (status < GDPR_REVIEW_OPEN || status > GDPR_REVIEW_GONE)
        return "unknown";
    return status_words[status];
}

GDPR_API int
gdpr_review_decision_init(gdpr_review_decision *d, unsigned int version)
{
    int rc = gdpr_retention__check_init(d, "d", version, GDPR_REVIEW_DECISION_VERSION, "decision");

    if (rc != GDPR_OK)
        return rc;
    memset(d, 0, sizeof *d);
    d->version = version;
    return GDPR_OK;
}

/* --- listing ----------------------------------------------------------- */

typedef struct {
    gdpr_review_fn fn;
    void *ctx;
} list_ctx;

static int
list_one(const store_review_row *row, void *ctx)
{
    list_ctx *l = ctx;
    char hex[2 * CRYPTO_HASH_BYTES + 1];
    gdpr_review task;
    int stop;

    gdpr__hex_encode(row->subject, CRYPTO_HASH_BYTES, hex);
    memset(&task, 0, sizeof task);
    task.version = GDPR_REVIEW_VERSION;
    task.id = row->id;
    task.record = row->record;
    task.rule = row->rule;
    task.category = row->category;
    task.purpose = row->purpose;
    task.subject_hash = hex;
    task.record_due = row->record_due;
    task.opened = row->opened;
    task.deadline = row->deadline;
    task.status = (gdpr_review_status)row->status;
    task.decided = row->decided;
    task.decided_by = row->decided_by;
    task.role = row->role;
    task.keep_until = row->keep_until;
    task.has_justification = row->justification != NULL;
    stop = l->fn(&task, l->ctx);
    if (stop != 0)
        return gdpr__err_set(GDPR_ECALLBACK, "fn: stopped at review %lld (returned %d)",
                             (long long)row->id, stop);
    return 0;
}

GDPR_API int
gdpr_review_list(gdpr_engine *eng, gdpr_review_status status, gdpr_review_fn fn, void *ctx)
{
    list_ctx l = {fn, ctx};
    int rc;

    gdpr__err_clear();
    if (gdpr_engine__check_given(eng, fn != NULL, "fn") != GDPR_OK)
        return GDPR_EINVAL;
    if ((int)status < 0 || status > GDPR_REVIEW_GONE)
        return gdpr__err_set(GDPR_EINVAL,
                             "status: %d is not a review status (0 all, 1 open, 2 kept, "
                             "3 erased, 4 gone)",
                             (int)status);
    gdpr_engine__lock(eng);
    rc = gdpr_store__review_foreach(eng->st, (int)status, list_one, &l);
    return gdpr_engine__unlock(eng, rc);
}

GDPR_API int
gdpr_review_overdue(gdpr_engine *eng, int64_t as_of, gdpr_review_fn fn, void *ctx)
{
    list_ctx l = {fn, ctx};
    int rc;

    rc = gdpr_retention__check_walk(eng, fn != NULL, &as_of);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = gdpr_store__review_overdue_foreach(eng->st, as_of, list_one, &l);
    return gdpr_engine__unlock(eng, rc);
}

/* --- deciding ------------------------------------------------------------ */

/* A copy of the task, taken before anything changes. */
typedef struct {
    int64_t id;
    int64_t record;
    uint8_t subject[CRYPTO_HASH_BYTES];
    char rule[GDPR_NAME_MAX + 1];
    char category[GDPR_NAME_MAX + 1];
    char purpose[GDPR_NAME_MAX + 1];
    int status;
    int has_justification;
    uint8_t *justification; /* set only by the justification reader */
    size_t justification_len;
} task_copy;

static int
copy_task(const store_review_row *row, void *ctx)
{
    task_copy *t = ctx;

    t->id = row->id;
    t->record = row->record;
    memcpy(t->subject, row->subject, CRYPTO_HASH_BYTES);
    snprintf(t->rule, sizeof t->rule, "%s", row->rule);
    snprintf(t->category, sizeof t->category, "%s", row->category);
    snprintf(t->purpose, sizeof t->purpose, "%s", row->purpose);
    t->status = row->status;
    t->has_justification = row->justification != NULL;
    return 0;
}

static int
copy_task_sealed(const store_review_row *row, void *ctx)
{
    task_copy *t = ctx;

    copy_task(row, ctx);
    if (row->justification == NULL)
        return 0;
    t->justification = malloc(row->justification_len);
    if (t->justification == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory reading a justification");
    memcpy(t->justification, row->justification, row->justification_len);
    t->justification_len = row->justification_len;
    return 0;
}

static int
check_justification(const char *text, int required)
{
    size_t len, bad;

    if (text == NULL)
        return required ? gdpr__err_set(GDPR_EINVAL, "d.justification: must not be NULL for a keep "
                                                     "decision (say why the data is still needed)")
                        : GDPR_OK;
    len = strnlen(text, GDPR_REVIEW_JUSTIFICATION_MAX + 1);
    if (len == 0)
        return gdpr__err_set(GDPR_EINVAL, "d.justification: must not be empty");
    if (len > GDPR_REVIEW_JUSTIFICATION_MAX)
        return gdpr__err_set(GDPR_EINVAL, "d.justification: longer than %u bytes",
                             GDPR_REVIEW_JUSTIFICATION_MAX);
    if (gdpr__utf8_check(text, len, &bad) != 0)
        return gdpr__err_set(GDPR_EINVAL, "d.justification: not valid UTF-8 (byte %zu)", bad);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
            return gdpr__err_set(GDPR_EINVAL,
                                 "d.justification: control character at byte %zu "
                                 "(only line feeds and tabs are allowed)",
                                 i);
    }
    return GDPR_OK;
}

static int
check_decision(const gdpr_review_decision *d)
{
    if (d == NULL)
        return gdpr__err_set(GDPR_EINVAL, "d: must not be NULL");
    if (d->version == 0 || d->version > GDPR_REVIEW_DECISION_VERSION)
        return gdpr__err_set(GDPR_EVERSION, "d.version: %u is not a known decision version (1..%u)",
                             d->version, GDPR_REVIEW_DECISION_VERSION);
    if (d->verdict == GDPR_REVIEW_KEEP && d->keep_until == 0)
        return gdpr__err_set(GDPR_EINVAL, "d.keep_until: 0 is not accepted as a time (it would "
                                          "mean 1970-01-01); give a time after now");
    if (d->verdict == GDPR_REVIEW_KEEP) {
        int rc = gdpr_retention__check_time("d.keep_until", d->keep_until);
        return rc == GDPR_OK ? check_justification(d->justification, 1) : rc;
    }
    if (d->verdict == GDPR_REVIEW_ERASE) {
        if (d->keep_until != 0)
            return gdpr__err_set(GDPR_EINVAL,
                                 "d.keep_until: %lld given with an erase verdict (0 "
                                 "expected)",
                                 (long long)d->keep_until);
        return check_justification(d->justification, 0);
    }
    return gdpr__err_set(GDPR_EINVAL, "d.verdict: %d is not a verdict (1 keep, 2 erase)",
                         (int)d->verdict);
}

/* The latest keep_until a reviewer may choose now: the rule's review
 * cadence, or its period when it has none. */
static int
keep_limit(const policy_retention *rule, int64_t now, int64_t *limit_out, const char **what_out)
{
    const cal_duration *d = rule->has_review ? &rule->review_every : &rule->period;

    *what_out = rule->has_review ? "review cadence" : "period";
    if (gdpr_calendar__add(now, d, limit_out) != 0)
        *limit_out = CAL_MAX_TIME;
    return GDPR_OK;
}

static int
check_keep(gdpr_engine *eng, const task_copy *t, int64_t keep_until, int64_t now)
{
    const policy_retention *rule =
        gdpr_policy__find_retention(eng->policy, t->purpose, t->category);
    char until[32], limit_text[32];
    const char *what = NULL;
    int64_t limit = 0;

    if (keep_until <= now) {
        gdpr_calendar__format_time(keep_until, until);
        return gdpr__err_set(GDPR_EINVAL, "d.keep_until: %s is not after now", until);
    }
    if (rule == NULL)
        return GDPR_OK; /* the policy no longer limits it: the record has no due time */
    keep_limit(rule, now, &limit, &what);
    if (keep_until > limit) {
        gdpr_calendar__format_time(keep_until, until);
        gdpr_calendar__format_time(limit, limit_text);
        return gdpr__err_set(GDPR_EINVAL,
                             "d.keep_until: %s is beyond the %s of rule %s (at most %s); "
                             "decide again then",
                             until, what, rule->id, limit_text);
    }
    return GDPR_OK;
}

typedef struct {
    gdpr_engine *eng;
    int rc;
} resched_ctx;

static int
reschedule_one(const store_retention_row *row, void *ctx)
{
    resched_ctx *r = ctx;
    schedule_anchors a = {NULL, 0, 0};
    int rc = gdpr_schedule__anchors_load(r->eng, row->subject, &a);

    if (rc == GDPR_OK)
        rc = gdpr_schedule__reschedule(r->eng, r->eng->policy, row, &a, NULL);
    gdpr_schedule__anchors_free(&a);
    return rc;
}

static int
decide_keep(gdpr_engine *eng, const gdpr_actor *who, const task_copy *t, int64_t keep_until,
            int64_t now, const uint8_t *sealed, size_t sealed_len)
{
    resched_ctx r = {eng, GDPR_OK};
    char ref[GDPR_NAME_MAX + 160], until[32];
    int rc = gdpr_store__review_decide(eng->st, t->id, GDPR_REVIEW_KEPT, now, who->id, who->role,
                                       keep_until, sealed, sealed_len);

    if (rc == GDPR_OK)
        rc = gdpr_store__retention_state_put(eng->st, t->record, 1, keep_until, 0);
    /* gdpr_store__retention_get's statement is cached; reschedule_one only uses
     * other statements. */
    if (rc == GDPR_OK)
        rc = gdpr_store__retention_get(eng->st, t->record, reschedule_one, &r);
    gdpr_calendar__format_time(keep_until, until);
    snprintf(ref, sizeof ref,
             "review %lld: keep record %lld until %s under %s (justification "
             "sealed in review %lld)",
             (long long)t->id, (long long)t->record, until, t->rule, (long long)t->id);
    if (rc == GDPR_OK)
        rc = gdpr_audit__append(eng, who, gdpr_permission__name(PERM_REVIEW_DECIDE), t->subject,
                                GDPR_OK, ref);
    return rc;
}

static int
decide_erase(gdpr_engine *eng, const gdpr_actor *who, const task_copy *t, int64_t now,
             const uint8_t *sealed, size_t sealed_len)
{
    char ref[GDPR_NAME_MAX + 96], ground[GDPR_NAME_MAX + 64];
    int outcome = 0;
    int rc = gdpr_store__review_decide(eng->st, t->id, GDPR_REVIEW_ERASED, now, who->id, who->role,
                                       0, sealed, sealed_len);

    snprintf(ground, sizeof ground, "retention review %lld (rule %s)", (long long)t->id, t->rule);
    if (rc == GDPR_OK)
        rc = gdpr_shred__record_locked(eng, who, t->record, ground, SHRED_QUIET | SHRED_ROUTINE,
                                       &outcome);
    if (rc == GDPR_ESTATE && (outcome == SHRED_HELD || outcome == SHRED_KEPT))
        rc = gdpr__err_wrap(rc, "review %lld: record %lld may not be erased now", (long long)t->id,
                            (long long)t->record);
    snprintf(ref, sizeof ref, "review %lld: erase record %lld under %s%s", (long long)t->id,
             (long long)t->record, t->rule, sealed ? " (justification sealed)" : "");
    if (rc == GDPR_OK)
        rc = gdpr_audit__append(eng, who, gdpr_permission__name(PERM_REVIEW_DECIDE), t->subject,
                                GDPR_OK, ref);
    return rc;
}

static int
decide_locked(gdpr_engine *eng, const gdpr_actor *who, int64_t task, const gdpr_review_decision *d)
{
    task_copy t;
    uint8_t *sealed = NULL;
    size_t len = d->justification ? strlen(d->justification) : 0;
    shred_record rec;
    int64_t now = gdpr_engine__now(eng);
    int rc = gdpr_engine__require_policy(eng);

    memset(&t, 0, sizeof t);
    if (rc == GDPR_OK)
        rc = gdpr_store__review_get(eng->st, task, copy_task, &t);
    if (rc == GDPR_OK && t.status != GDPR_REVIEW_OPEN)
        rc =
            gdpr__err_set(GDPR_ESTATE, "task: review %lld is %s already%s", (long long)task,
                          gdpr_review_status_name(t.status),
                          t.status == GDPR_REVIEW_GONE ? " (its record was erased otherwise)" : "");
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_REVIEW_DECIDE, t.subject);
    if (rc == GDPR_OK && d->verdict == GDPR_REVIEW_KEEP)
        rc = check_keep(eng, &t, d->keep_until, now);
    /* The one restriction check (lib/core/record.h), before anything is
     * written: a hold, a running legal duty or an Art. 18 restriction
     * refuses with the record, the hold or rule, its end and the article. */
    if (rc == GDPR_OK && d->verdict == GDPR_REVIEW_ERASE)
        rc = gdpr_shred__record_load(eng, t.record, &rec);
    if (rc == GDPR_OK && d->verdict == GDPR_REVIEW_ERASE) {
        rc = gdpr_record__check(eng, &rec.row, RECORD_DELETE, NULL);
        if (rc == GDPR_ESTATE)
            rc = gdpr__err_wrap(rc, "task: review %lld: record %lld may not be erased now",
                                (long long)task, (long long)t.record);
    }
    if (rc == GDPR_OK && d->justification != NULL) {
        sealed = malloc(len + CRYPTO_SEAL_OVERHEAD);
        if (sealed == NULL)
            rc = gdpr__err_set(GDPR_ENOMEM, "out of memory sealing a justification");
    }
    if (rc == GDPR_OK)
        rc = gdpr_engine__begin(eng);
    if (rc != GDPR_OK) {
        free(sealed);
        return rc;
    }
    if (sealed != NULL)
        rc = gdpr_engine__seal_field(eng, t.subject, review_table, task, review_field,
                                     d->justification, len, sealed);
    if (rc == GDPR_OK && d->verdict == GDPR_REVIEW_KEEP)
        rc = decide_keep(eng, who, &t, d->keep_until, now, sealed, len + CRYPTO_SEAL_OVERHEAD);
    else if (rc == GDPR_OK)
        rc = decide_erase(eng, who, &t, now, sealed, sealed ? len + CRYPTO_SEAL_OVERHEAD : 0);
    rc = gdpr_engine__end(eng, rc);
    free(sealed);
    if (rc == GDPR_OK && d->verdict == GDPR_REVIEW_ERASE) {
        /* Queued keys and the checkpoint, outside the transaction. */
        int frc = gdpr_shred__finish(eng);
        if (frc != GDPR_OK)
            rc = gdpr__err_wrap(frc,
                                "review %lld decided and its record erased (committed; finishing "
                                "is retried by gdpr_erase_retry_pending() and the next "
                                "open), but",
                                (long long)task);
    }
    return rc;
}

GDPR_API int
gdpr_review_decide(gdpr_engine *eng, const gdpr_actor *who, int64_t task,
                   const gdpr_review_decision *d)
{
    int rc;

    gdpr__err_clear();
    rc = gdpr_engine__enter(eng, who);
    if (rc == GDPR_OK)
        rc = gdpr_text__check_id("task", "a review task id", task);
    if (rc == GDPR_OK)
        rc = check_decision(d);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    if (eng->batch)
        return gdpr_engine__unlock(eng, gdpr__err_set(GDPR_ESTATE,
                                                      "gdpr_review_decide: not inside a batch; "
                                                      "commit or roll back first"));
    rc = decide_locked(eng, who, task, d);
    return gdpr_engine__unlock(eng, rc);
}

GDPR_API int
gdpr_review_justification(gdpr_engine *eng, const gdpr_actor *who, int64_t task, char **text_out)
{
    task_copy t;
    char *text = NULL;
    int rc;

    gdpr__err_clear();
    if (text_out)
        *text_out = NULL;
    rc = gdpr_engine__enter(eng, who);
    if (rc == GDPR_OK && text_out == NULL)
        rc = gdpr__err_set(GDPR_EINVAL, "text_out: must not be NULL");
    if (rc == GDPR_OK)
        rc = gdpr_text__check_id("task", "a review task id", task);
    if (rc != GDPR_OK)
        return rc;
    memset(&t, 0, sizeof t);
    gdpr_engine__lock(eng);
    rc = gdpr_engine__require_policy(eng);
    if (rc == GDPR_OK)
        rc = gdpr_store__review_get(eng->st, task, copy_task_sealed, &t);
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_REVIEW_DECIDE, t.subject);
    if (rc == GDPR_OK && t.justification == NULL)
        rc = gdpr__err_set(
            GDPR_ENOTFOUND, "task: review %lld holds no justification%s", (long long)task,
            t.status == GDPR_REVIEW_OPEN ? " (it is still open)"
                                         : " (none given, or the subject was erased)");
    if (rc == GDPR_OK && t.justification_len < CRYPTO_SEAL_OVERHEAD)
        rc = gdpr__err_set(GDPR_ECORRUPT, "review %lld: sealed justification too short",
                           (long long)task);
    if (rc == GDPR_OK) {
        text = malloc(t.justification_len - CRYPTO_SEAL_OVERHEAD + 1);
        if (text == NULL)
            rc = gdpr__err_set(GDPR_ENOMEM, "out of memory for a justification");
    }
    if (rc == GDPR_OK)
        rc = gdpr_engine__open_field(eng, t.subject, review_table, task, review_field,
                                     t.justification, t.justification_len, (uint8_t *)text);
    if (rc == GDPR_OK) {
        text[t.justification_len - CRYPTO_SEAL_OVERHEAD] = '\0';
        *text_out = text;
    } else {
        free(text);
    }
    free(t.justification);
    return gdpr_engine__unlock(eng, rc);
}
