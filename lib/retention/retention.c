/*
 * Retention scheduling: anchor events, the due time of every vault record,
 * the due list and the resumable sweep (erase, anonymise, open reviews).
 * Reviews themselves are lib/review.c. See docs/retention.md.
 * SPDX-License-Identifier: MIT
 */
#include "clock.h"
#include "retention_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shred.h"
#include "error.h"
#include "record.h"
#include "calendar.h"
#include "testhook.h"
#include "text.h"

/* Longest value anonymisation keeps for a "keep" field, in bytes. */
#define AGGREGATE_VALUE_MAX 64u

static const char retention_action[] = "retention.run";

GDPR_API const char *
gdpr_retention_anchor_name(int anchor)
{
    if (anchor < GDPR_ANCHOR_COLLECTION || anchor > GDPR_ANCHOR_REQUEST_CLOSED)
        return "unknown";
    return gdpr_policy__anchor_name((policy_anchor)(anchor - 1));
}

GDPR_API const char *
gdpr_retention_action_name(int action)
{
    if (action < GDPR_RETENTION_ERASE || action > GDPR_RETENTION_REVIEW)
        return "unknown";
    return gdpr_policy__action_name((policy_action)(action - 1));
}

int
gdpr_retention__check_time(const char *field, int64_t t)
{
    char when[21];

    if (t < 0 || t > CAL_MAX_TIME) {
        gdpr_calendar__format_time(t, when);
        return gdpr__err_set(GDPR_EINVAL, "%s: %s is not a time between 1970-01-01 and 9999-12-31",
                             field, when);
    }
    return GDPR_OK;
}

int
gdpr_retention__check_walk(gdpr_engine *eng, int fn_given, int64_t *as_of)
{
    int rc;

    gdpr__err_clear();
    if (gdpr_engine__check_given(eng, fn_given, "fn") != GDPR_OK)
        return GDPR_EINVAL;
    rc = gdpr_clock__arg(eng, "as_of", as_of);
    return rc == GDPR_OK ? gdpr_retention__check_time("as_of", *as_of) : rc;
}

int
gdpr_retention__check_init(const void *p, const char *arg, unsigned int version, unsigned int max,
                           const char *what)
{
    gdpr__err_clear();
    if (p == NULL)
        return gdpr__err_set(GDPR_EINVAL, "%s: must not be NULL", arg);
    if (version == 0 || version > max)
        return gdpr__err_set(GDPR_EVERSION, "version: %u is not a known %s version (1..%u)",
                             version, what, max);
    return GDPR_OK;
}

/* --- the anchor calls ------------------------------------------------------ */

static int
check_anchor_args(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                  gdpr_retention_anchor anchor, const char *purpose)
{
    int rc;

    rc = gdpr_engine__enter_subject(eng, who, subject);
    if (rc == GDPR_OK)
        rc = gdpr_text__check_optional("purpose", purpose, GDPR_NAME_MAX);
    if (rc == GDPR_OK &&
        (anchor < GDPR_ANCHOR_LAST_ACTIVITY || anchor > GDPR_ANCHOR_REQUEST_CLOSED))
        rc = gdpr__err_set(
            GDPR_EINVAL,
            "anchor: %d is not an event that can be set (2 last_activity, "
            "3 contract_end, 4 consent_withdrawal, 5 request_closed; collection is the "
            "record's own time)",
            (int)anchor);
    return rc;
}

static int
anchor_locked(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
              gdpr_retention_anchor anchor, const char *purpose, int64_t at, int clear)
{
    policy_anchor kind = (policy_anchor)(anchor - 1);
    uint8_t hash[CRYPTO_HASH_BYTES];
    char ref[GDPR_NAME_MAX + 96];
    int64_t now = gdpr_engine__now(eng), id = 0;
    int rc = gdpr_engine__require_policy(eng);

    if (rc == GDPR_OK && purpose != NULL && gdpr_policy__find_purpose(eng->policy, purpose) == NULL)
        rc = gdpr__err_set(GDPR_EINVAL, "purpose: '%.64s' is not a purpose of the policy", purpose);
    if (rc == GDPR_OK && !clear && at == 0)
        at = now;
    if (rc == GDPR_OK && !clear && kind == ANCHOR_LAST_ACTIVITY && at > now) {
        char at_s[21], now_s[21];
        gdpr_calendar__format_time(at, at_s);
        gdpr_calendar__format_time(now, now_s);
        rc = gdpr__err_set(GDPR_EINVAL,
                           "at: %s is later than now (%s); activity cannot lie in the future", at_s,
                           now_s);
    }
    if (rc == GDPR_OK && !clear && at == 0)
        rc = gdpr__err_set(GDPR_EINVAL, "at: 0 is the epoch itself; give a later time");
    if (rc == GDPR_OK)
        rc = gdpr_engine__subject_hash(eng, subject, hash);
    if (rc == GDPR_OK)
        rc = gdpr_store__subject_find(eng->st, hash, &id);
    if (rc == GDPR_ENOTFOUND)
        rc = gdpr__err_set(GDPR_ENOTFOUND,
                           "subject: unknown (anchors are set for existing subjects)");
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_RETENTION_ANCHOR, hash);
    if (rc == GDPR_OK)
        rc = gdpr_engine__begin(eng);
    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_schedule__anchor(eng, hash, kind, purpose, clear ? 0 : at);
    snprintf(ref, sizeof ref, "anchor %s %s for %s", gdpr_policy__anchor_name(kind),
             clear ? "cleared" : "set", purpose ? purpose : "every purpose");
    if (rc == GDPR_OK)
        rc = gdpr_audit__append(eng, who, gdpr_permission__name(PERM_RETENTION_ANCHOR), hash,
                                GDPR_OK, ref);
    return gdpr_engine__end(eng, rc);
}

GDPR_API int
gdpr_retention_anchor_set(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                          gdpr_retention_anchor anchor, const char *purpose, int64_t at)
{
    int rc = check_anchor_args(eng, who, subject, anchor, purpose);

    if (rc == GDPR_OK)
        rc = gdpr_clock__arg(eng, "at", &at);
    if (rc == GDPR_OK)
        rc = gdpr_retention__check_time("at", at);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = anchor_locked(eng, who, subject, anchor, purpose, at, 0);
    return gdpr_engine__unlock(eng, rc);
}

GDPR_API int
gdpr_retention_anchor_clear(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                            gdpr_retention_anchor anchor, const char *purpose)
{
    int rc = check_anchor_args(eng, who, subject, anchor, purpose);

    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = anchor_locked(eng, who, subject, anchor, purpose, 0, 1);
    return gdpr_engine__unlock(eng, rc);
}

GDPR_API int
gdpr_subject_touch(gdpr_engine *eng, const gdpr_actor *who, const char *subject, int64_t at)
{
    return gdpr_retention_anchor_set(eng, who, subject, GDPR_ANCHOR_LAST_ACTIVITY, NULL, at);
}

GDPR_API int
gdpr_contract_end(gdpr_engine *eng, const gdpr_actor *who, const char *subject, int64_t at)
{
    return gdpr_retention_anchor_set(eng, who, subject, GDPR_ANCHOR_CONTRACT_END, NULL, at);
}

/* --- one record's schedule, sync ------------------------------------------ */

typedef struct {
    const policy_model *p;
    gdpr_retention_info *out;
} info_ctx;

static int
fill_info(const store_retention_row *row, void *ctx)
{
    info_ctx *c = ctx;
    gdpr_retention_info *out = c->out;
    const policy_retention *rule = gdpr_policy__find_retention(c->p, row->purpose, row->category);
    unsigned int version = out->version;

    memset(out, 0, sizeof *out);
    out->version = version;
    out->record = row->id;
    if (rule != NULL) {
        snprintf(out->rule, sizeof out->rule, "%s", rule->id);
        out->anchor = (gdpr_retention_anchor)(rule->anchor + 1);
        out->action = (gdpr_retention_action)(rule->action + 1);
    }
    out->has_anchor = row->has_anchor && rule != NULL;
    out->anchor_at = out->has_anchor ? row->anchor : 0;
    out->has_due = row->has_due;
    out->due = row->due;
    out->has_keep = row->has_keep;
    out->keep_until = row->keep_until;
    out->review = row->review;
    return 0;
}

GDPR_API int
gdpr_retention_record(gdpr_engine *eng, int64_t record, gdpr_retention_info *out)
{
    info_ctx c;
    int rc;

    gdpr__err_clear();
    if (gdpr_engine__check_given(eng, out != NULL, "out") != GDPR_OK)
        return GDPR_EINVAL;
    if (out->version == 0 || out->version > GDPR_RETENTION_INFO_VERSION)
        return gdpr__err_set(GDPR_EVERSION, "out.version: %u is not a known version (1..%u)",
                             out->version, GDPR_RETENTION_INFO_VERSION);
    rc = gdpr_text__check_id("record", "a record id", record);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = gdpr_engine__require_policy(eng);
    c.p = eng->policy;
    c.out = out;
    if (rc == GDPR_OK)
        rc = gdpr_store__retention_get(eng->st, record, fill_info, &c);
    return gdpr_engine__unlock(eng, rc);
}

GDPR_API int
gdpr_retention_sync(gdpr_engine *eng, const gdpr_actor *who, int64_t *changed_out)
{
    char ref[96];
    int64_t changed = 0;
    int rc;

    gdpr__err_clear();
    if (changed_out)
        *changed_out = 0;
    rc = gdpr_engine__enter(eng, who);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    if (eng->batch)
        return gdpr_engine__unlock(eng, gdpr__err_set(GDPR_ESTATE,
                                                      "gdpr_retention_sync: not inside a batch; "
                                                      "commit or roll back first"));
    rc = gdpr_engine__require_policy(eng);
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_RETENTION_RUN, NULL);
    if (rc == GDPR_OK)
        rc = gdpr_schedule__reschedule_all(eng, NULL, eng->policy, 1, 1, &changed);
    /* The last batch's transaction is still open: audit in it. */
    if (rc == GDPR_OK) {
        snprintf(ref, sizeof ref, "retention sync: %lld records rescheduled", (long long)changed);
        rc = gdpr_audit__append(eng, who, retention_action, NULL, GDPR_OK, ref);
        rc = gdpr_engine__end(eng, rc);
    }
    if (rc == GDPR_OK && changed_out)
        *changed_out = changed;
    return gdpr_engine__unlock(eng, rc);
}

/* Whether any hold in force at `at` touches `subject`, asked once for
 * consecutive rows of one subject: the caller says for how long the answer
 * stands (a batch under the write lock; one listing). keep 0 asks every
 * time (a dry run, which holds no lock). */
typedef struct {
    int known, any;
    uint8_t subject[CRYPTO_HASH_BYTES];
} hold_memo;

static int
hold_memo_any(gdpr_engine *eng, hold_memo *m, const uint8_t subject[CRYPTO_HASH_BYTES], int64_t at,
              int keep, int *any_out)
{
    int rc;

    if (m->known && memcmp(m->subject, subject, CRYPTO_HASH_BYTES) == 0) {
        *any_out = m->any;
        return GDPR_OK;
    }
    rc = gdpr_store__hold_any_for_subject(eng->st, subject, at, any_out);
    m->known = rc == GDPR_OK && keep;
    m->any = *any_out;
    memcpy(m->subject, subject, CRYPTO_HASH_BYTES);
    return rc;
}

/* --- the due list ----------------------------------------------------------- */

typedef struct {
    gdpr_engine *eng;
    int64_t as_of;
    gdpr_retention_fn fn;
    void *ctx;
    /* Whether a hold touches the last subject: asked once per subject,
     * and per record only when one does. On SQLite the walk is one read
     * of the store; on PostgreSQL a hold placed while the list runs may
     * show only at the next list, as one placed just after it would. */
    hold_memo holds;
} due_ctx;

static int
due_one(const store_retention_row *row, void *ctx)
{
    due_ctx *d = ctx;
    const policy_retention *rule =
        gdpr_policy__find_retention(d->eng->policy, row->purpose, row->category);
    char hex[2 * CRYPTO_HASH_BYTES + 1];
    gdpr_retention_item item;
    int64_t hold = 0;
    int rc, stop, any = 0;

    if (rule == NULL)
        return 0; /* a stale due time: a run clears it */
    rc = hold_memo_any(d->eng, &d->holds, row->subject, d->as_of, 1, &any);
    if (rc != GDPR_OK)
        return rc;
    if (any) {
        rc = gdpr_record__held(
            d->eng, row->subject,
            &(store_hold_target){row->id, row->category, row->purpose, row->collected}, d->as_of,
            &hold);
        if (rc != GDPR_OK)
            return rc;
    }
    gdpr__hex_encode(row->subject, CRYPTO_HASH_BYTES, hex);
    memset(&item, 0, sizeof item);
    item.version = GDPR_RETENTION_ITEM_VERSION;
    item.record = row->id;
    item.rule = rule->id;
    item.action = (gdpr_retention_action)(rule->action + 1);
    item.category = row->category;
    item.purpose = row->purpose;
    item.subject_hash = hex;
    item.due = row->due;
    item.held = hold != 0;
    stop = d->fn(&item, d->ctx);
    if (stop != 0)
        return gdpr__err_set(GDPR_ECALLBACK, "fn: stopped at record %lld (returned %d)",
                             (long long)row->id, stop);
    return 0;
}

GDPR_API int
gdpr_retention_due(gdpr_engine *eng, int64_t as_of, gdpr_retention_fn fn, void *ctx)
{
    due_ctx d;
    int rc;

    rc = gdpr_retention__check_walk(eng, fn != NULL, &as_of);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = gdpr_engine__require_policy(eng);
    memset(&d, 0, sizeof d);
    d.eng = eng;
    d.as_of = as_of;
    d.fn = fn;
    d.ctx = ctx;
    if (rc == GDPR_OK)
        rc = gdpr_store__retention_due_foreach(eng->st, as_of, 0, 0, 0, 0, due_one, &d);
    return gdpr_engine__unlock(eng, rc);
}

/* --- the sweep -------------------------------------------------------------- */

GDPR_API int
gdpr_retention_options_init(gdpr_retention_options *opts, unsigned int version)
{
    int rc = gdpr_retention__check_init(opts, "opts", version, GDPR_RETENTION_OPTIONS_VERSION,
                                        "options");

    if (rc != GDPR_OK)
        return rc;
    memset(opts, 0, sizeof *opts);
    opts->version = version;
    return GDPR_OK;
}

typedef struct {
    gdpr_engine *eng;
    const gdpr_actor *who;
    int64_t as_of;
    int dry;
    unsigned int batch;
    store_retention_run_row run; /* cursor and totals over every resumption */
    int have_run;
    gdpr_retention_report rep; /* this call */
    schedule_row_vec rows;
    int busy; /* a checkpoint was kept from completing */
    char busy_msg[256];
    /* Whether a hold touches the last subject, known in this batch: asked
     * once per subject rather than a hold lookup per record (twice: here
     * and in the erasure's own check). */
    hold_memo holds;
    /* What the erasures of this batch read of their last subject. */
    shred_memo memo;
} run_state;

static void
add_count(run_state *rs, int64_t *rep_field, int64_t *run_field)
{
    (*rep_field)++;
    if (!rs->dry)
        (*run_field)++;
}

static int
audit_record(run_state *rs, const store_retention_row *row, const char *what,
             const policy_retention *rule)
{
    char ref[GDPR_NAME_MAX + 96];

    snprintf(ref, sizeof ref, "record %lld: %s under %s (run %lld)", (long long)row->id, what,
             rule->id, (long long)rs->run.id);
    return gdpr_audit__append(rs->eng, rs->who, retention_action, row->subject, GDPR_OK, ref);
}

/* The value of a "keep" field, if it is short printable UTF-8 text. */
typedef struct {
    gdpr_engine *eng;
    char *out; /* AGGREGATE_VALUE_MAX + 1 */
} kept_ctx;

static int
open_kept(const store_vault_row *row, void *ctx)
{
    kept_ctx *k = ctx;
    uint8_t plain[AGGREGATE_VALUE_MAX];
    size_t len, bad;
    int rc;

    k->out[0] = '\0';
    if (row->value_len < CRYPTO_SEAL_OVERHEAD ||
        row->value_len - CRYPTO_SEAL_OVERHEAD > AGGREGATE_VALUE_MAX)
        return 0; /* not an aggregate-sized value: not kept */
    len = row->value_len - CRYPTO_SEAL_OVERHEAD;
    rc = gdpr_record__open(k->eng, row, plain);
    if (rc == GDPR_ENOTFOUND) {
        gdpr__err_clear();
        return 0; /* the subject's key is gone: nothing to keep */
    }
    if (rc != GDPR_OK)
        return rc;
    if (gdpr__utf8_check((const char *)plain, len, &bad) == 0 && memchr(plain, '\0', len) == NULL) {
        int printable = 1;
        for (size_t i = 0; i < len; i++)
            if (plain[i] < 0x20 || plain[i] == 0x7f)
                printable = 0;
        if (printable) {
            memcpy(k->out, plain, len);
            k->out[len] = '\0';
        }
    }
    gdpr_crypto__wipe(plain, sizeof plain);
    return 0;
}

static int
collection_month(int64_t t)
{
    int64_t days = gdpr_calendar__day_of(t);
    int64_t y;
    unsigned m, d;

    gdpr_calendar__civil_from_days(days, &y, &m, &d);
    return (int)(y * 100 + (int64_t)m);
}

static int
anonymise_record(run_state *rs, const store_retention_row *row, const policy_retention *rule)
{
    char value[AGGREGATE_VALUE_MAX + 1] = "";
    kept_ctx k = {rs->eng, value};
    int keep = 0;
    int rc = GDPR_OK;

    for (size_t i = 0; row->field != NULL && i < rule->n_keep_fields; i++)
        if (strcmp(rule->keep_fields[i], row->field) == 0)
            keep = 1;
    if (keep)
        rc = gdpr_store__vault_get(rs->eng->st, row->id, open_kept, &k);
    if (rc == GDPR_OK)
        rc = gdpr_store__retention_aggregate_add(rs->eng->st, rule->id, row->category, row->purpose,
                                                 row->field ? row->field : "", value,
                                                 collection_month(row->collected));
    gdpr_crypto__wipe(value, sizeof value);
    if (rc == GDPR_OK)
        rc = gdpr_store__vault_delete(rs->eng->st, row->id);
    if (rc == GDPR_OK)
        rc = audit_record(rs, row, "anonymised", rule);
    return rc;
}

static int
open_review(run_state *rs, const store_retention_row *row, const policy_retention *rule)
{
    static const cal_duration one_month = {0, 1, 0, 0, 0, 0, 0};
    store_review_row r;
    char what[64];
    int64_t task = 0;
    int rc;

    memset(&r, 0, sizeof r);
    r.record = row->id;
    r.subject = row->subject;
    r.rule = rule->id;
    r.category = row->category;
    r.purpose = row->purpose;
    r.record_due = row->due;
    r.opened = gdpr_engine__now(rs->eng);
    if (gdpr_calendar__add(r.opened, &one_month, &r.deadline) != 0)
        r.deadline = CAL_MAX_TIME;
    rc = gdpr_store__review_insert(rs->eng->st, &r, &task);
    if (rc == GDPR_OK)
        rc = gdpr_store__retention_state_put(rs->eng->st, row->id, row->has_keep, row->keep_until,
                                             task);
    if (rc == GDPR_OK)
        rc = gdpr_store__retention_set_schedule(rs->eng->st, row->id, row->has_anchor, row->anchor,
                                                0, 0);
    snprintf(what, sizeof what, "review %lld opened", (long long)task);
    if (rc == GDPR_OK)
        rc = audit_record(rs, row, what, rule);
    return rc;
}

/* The vault row a due row stands for, as the restriction check reads it. */
static void
vault_row_of(const store_retention_row *row, store_vault_row *v)
{
    memset(v, 0, sizeof *v);
    v->id = row->id;
    v->subject = row->subject;
    v->category = row->category;
    v->purpose = row->purpose;
    v->field = row->field;
    v->collected = row->collected;
    v->anchor = row->has_anchor ? row->anchor : 0;
    v->has_due = row->has_due;
    v->due = row->due;
}

/* The due row was read in this batch's transaction, under its write lock:
 * it is the record as stored, so the erasure does not read it again. */
static int
erase_record(run_state *rs, const store_retention_row *row, const policy_retention *rule,
             unsigned int flags, int *held_out)
{
    char ground[GDPR_NAME_MAX + 32];
    store_vault_row v;
    shred_record rec;
    int outcome = 0;
    int rc;

    *held_out = 0;
    snprintf(ground, sizeof ground, "retention rule %s", rule->id);
    vault_row_of(row, &v);
    gdpr_shred__record_copy(&v, &rec);
    rc = gdpr_shred__record_memo(rs->eng, rs->who, &rec, ground,
                                 SHRED_QUIET | SHRED_ROUTINE | flags, &rs->memo, &outcome);
    if (rc == GDPR_ESTATE && (outcome == SHRED_HELD || outcome == SHRED_KEPT)) {
        /* A hold placed or a legal duty found by the erasure's own check. */
        gdpr__err_clear();
        *held_out = 1;
        return GDPR_OK;
    }
    if (rc == GDPR_OK)
        rc = audit_record(rs, row, "erased", rule);
    return rc;
}

/* Anonymising deletes the value: the restriction check for a routine
 * deletion (lib/core/record.h) must allow it, as for an erasure. */
static int
may_delete(run_state *rs, const store_retention_row *row, int *held_out)
{
    store_vault_row v;
    int rc;

    vault_row_of(row, &v);
    rc = gdpr_record__check(rs->eng, &v, RECORD_DELETE, NULL);
    *held_out = rc == GDPR_ESTATE;
    if (rc == GDPR_ESTATE) {
        gdpr__err_clear();
        rc = GDPR_OK;
    }
    return rc;
}

/* Whether any hold in force touches the row's subject. Within a batch
 * the write lock is held, so no hold can be placed or released meanwhile;
 * the answer is kept for the next rows of the same subject. */
static int
subject_held(run_state *rs, const store_retention_row *row, int *any_out)
{
    return hold_memo_any(rs->eng, &rs->holds, row->subject, gdpr_engine__now(rs->eng), !rs->dry,
                         any_out);
}

static int
apply_one(run_state *rs, const store_retention_row *row)
{
    const policy_retention *rule =
        gdpr_policy__find_retention(rs->eng->policy, row->purpose, row->category);
    int64_t hold = 0;
    int held = 0, any_hold = 1;
    int rc;

    add_count(rs, &rs->rep.examined, &rs->run.examined);
    if (rule == NULL) {
        /* Due under a rule the policy no longer has (a store written by
         * an older build): clear it. */
        return rs->dry ? GDPR_OK
                       : gdpr_schedule__reschedule(rs->eng, rs->eng->policy, row, NULL, NULL);
    }
    rc = subject_held(rs, row, &any_hold);
    if (rc == GDPR_OK && any_hold)
        rc = gdpr_record__held(
            rs->eng, row->subject,
            &(store_hold_target){row->id, row->category, row->purpose, row->collected},
            gdpr_engine__now(rs->eng), &hold);
    if (rc != GDPR_OK)
        return rc;
    if (hold != 0) {
        add_count(rs, &rs->rep.held, &rs->run.held);
        return GDPR_OK;
    }
    switch (rule->action) {
    case ACTION_ERASE:
        if (!rs->dry)
            rc = erase_record(rs, row, rule, any_hold ? 0u : SHRED_NO_HOLDS, &held);
        if (rc == GDPR_OK && held)
            add_count(rs, &rs->rep.held, &rs->run.held);
        else if (rc == GDPR_OK)
            add_count(rs, &rs->rep.erased, &rs->run.erased);
        break;
    case ACTION_ANONYMISE:
        rc = may_delete(rs, row, &held);
        if (rc == GDPR_OK && !held && !rs->dry)
            rc = anonymise_record(rs, row, rule);
        if (rc == GDPR_OK && held)
            add_count(rs, &rs->rep.held, &rs->run.held);
        else if (rc == GDPR_OK)
            add_count(rs, &rs->rep.anonymised, &rs->run.anonymised);
        break;
    default:
        if (!rs->dry)
            rc = open_review(rs, row, rule);
        if (rc == GDPR_OK)
            add_count(rs, &rs->rep.reviews_opened, &rs->run.reviews_opened);
        break;
    }
    return rc;
}

static int
audit_run(run_state *rs, const char *what)
{
    char ref[256], as_of[32];

    gdpr_calendar__format_time(rs->run.as_of, as_of);
    snprintf(ref, sizeof ref,
             "retention run %lld %s as of %s: examined %lld, erased %lld, "
             "anonymised %lld, reviews opened %lld, held %lld",
             (long long)rs->run.id, what, as_of, (long long)rs->run.examined,
             (long long)rs->run.erased, (long long)rs->run.anonymised,
             (long long)rs->run.reviews_opened, (long long)rs->run.held);
    return gdpr_audit__append(rs->eng, rs->who, retention_action, NULL, GDPR_OK, ref);
}

/* One batch: one transaction under the engine lock. *done_out when no
 * due record is left after it. */
static int
run_batch(run_state *rs, int *done_out)
{
    store_retention_run_row run_before = rs->run;
    gdpr_retention_report rep_before = rs->rep;
    int64_t erased_before = rs->rep.erased + rs->rep.anonymised;
    int rc;

    *done_out = 0;
    gdpr_engine__lock(rs->eng);
    rc = gdpr_engine__require_policy(rs->eng);
    if (rc == GDPR_OK && !rs->dry && rs->eng->batch)
        rc =
            gdpr__err_set(GDPR_ESTATE, "gdpr_retention_run: another thread opened a batch; the run "
                                       "stops here and the next run resumes");
    if (rc == GDPR_OK && !rs->dry)
        rc = gdpr_engine__begin(rs->eng);
    if (rc != GDPR_OK)
        return gdpr_engine__unlock(rs->eng, rc);
    rs->rows.n = 0;
    rs->holds.known = 0;
    gdpr_shred__memo_reset(&rs->memo);
    rc = gdpr_store__retention_due_foreach(rs->eng->st, rs->as_of, rs->run.has_cursor,
                                           rs->run.cursor_due, rs->run.cursor_id, (int)rs->batch,
                                           gdpr_schedule__row_push, &rs->rows);
    for (size_t i = 0; rc == GDPR_OK && i < rs->rows.n; i++) {
        const store_retention_row *row = gdpr_schedule__row_fix(&rs->rows.v[i]);
        rc = apply_one(rs, row);
        if (rc == GDPR_OK) {
            rs->run.has_cursor = 1;
            rs->run.cursor_due = row->due;
            rs->run.cursor_id = row->id;
        }
    }
    if (rc == GDPR_OK && rs->rows.n < rs->batch) {
        *done_out = 1;
        rs->run.finished = 1;
    }
    if (!rs->dry) {
        if (rc == GDPR_OK)
            rc = gdpr_store__retention_run_update(rs->eng->st, &rs->run);
        if (rc == GDPR_OK && *done_out)
            rc = audit_run(rs, "finished");
        /* Test hook (tests/test-retention.c): this batch fails before its
         * commit. */
        if (gdpr__test_fail_now(GDPR__TEST_FAIL_RETENTION_BATCH) && rc == GDPR_OK)
            rc = gdpr__err_set(GDPR_ESTORAGE, "test hook: this batch failed before its commit");
        rc = gdpr_engine__end(rs->eng, rc);
    }
    if (rc != GDPR_OK) {
        rs->run = run_before;
        rs->rep = rep_before;
        *done_out = 0;
    } else if (!rs->dry && rs->rep.erased + rs->rep.anonymised > erased_before) {
        /* Destroy queued keys and checkpoint, outside the transaction. */
        int frc = gdpr_shred__finish(rs->eng);
        if (frc == GDPR_EBUSY) {
            rs->busy = 1;
            snprintf(rs->busy_msg, sizeof rs->busy_msg, "%s", gdpr_errmsg());
        } else if (frc != GDPR_OK) {
            rc = gdpr__err_wrap(frc, "retention batch committed; finishing its erasures is "
                                     "retried by gdpr_erase_retry_pending() and the next open");
        }
    }
    return gdpr_engine__unlock(rs->eng, rc);
}

static int
check_run_args(gdpr_engine *eng, const gdpr_actor *who, int64_t *as_of,
               const gdpr_retention_options *opts)
{
    int rc;

    rc = gdpr_engine__enter(eng, who);
    if (rc == GDPR_OK)
        rc = gdpr_clock__arg(eng, "as_of", as_of);
    if (rc == GDPR_OK)
        rc = gdpr_retention__check_time("as_of", *as_of);
    if (rc != GDPR_OK || opts == NULL)
        return rc;
    if (opts->version == 0 || opts->version > GDPR_RETENTION_OPTIONS_VERSION)
        return gdpr__err_set(GDPR_EVERSION,
                             "opts.version: %u is not a known options version (1..%u)",
                             opts->version, GDPR_RETENTION_OPTIONS_VERSION);
    if (opts->batch > GDPR_RETENTION_BATCH_MAX)
        return gdpr__err_set(GDPR_EINVAL, "opts.batch: %u records per transaction, at most %u",
                             opts->batch, GDPR_RETENTION_BATCH_MAX);
    if (opts->dry_run != 0 && opts->dry_run != 1)
        return gdpr__err_set(GDPR_EINVAL, "opts.dry_run: %d, must be 0 or 1", opts->dry_run);
    return GDPR_OK;
}

/* Authorise, find or start the run, count what is due. */
static int
start_run(run_state *rs, int64_t *total_out)
{
    gdpr_engine *eng = rs->eng;
    int64_t now;
    int rc;

    gdpr_engine__lock(eng);
    if (eng->batch)
        return gdpr_engine__unlock(eng, gdpr__err_set(GDPR_ESTATE,
                                                      "gdpr_retention_run: not inside a batch; "
                                                      "commit or roll back first"));
    rc = gdpr_engine__require_policy(eng);
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, rs->who, PERM_RETENTION_RUN, NULL);
    now = gdpr_engine__now(eng);
    if (rc == GDPR_OK && !rs->dry && rs->as_of > now) {
        char as_of[21], at[21];
        gdpr_calendar__format_time(rs->as_of, as_of);
        gdpr_calendar__format_time(now, at);
        rc = gdpr__err_set(GDPR_EINVAL,
                           "as_of: %s is later than now (%s); a run may not act "
                           "before records fall due (a dry run may look ahead)",
                           as_of, at);
    }
    if (rc == GDPR_OK) {
        rc = gdpr_store__retention_run_open(eng->st, &rs->run);
        rs->have_run = rc == GDPR_OK;
        if (rc == GDPR_ENOTFOUND) {
            memset(&rs->run, 0, sizeof rs->run);
            rs->run.started = now;
            rc = GDPR_OK;
        }
        rs->run.as_of = rs->as_of;
    }
    if (rc == GDPR_OK && !rs->dry) {
        int resumed = rs->have_run;
        rc = gdpr_engine__begin(eng);
        if (rc == GDPR_OK && !rs->have_run)
            rc = gdpr_store__retention_run_insert(eng->st, &rs->run, rs->who->id);
        else if (rc == GDPR_OK)
            rc = gdpr_store__retention_run_update(eng->st, &rs->run);
        if (rc == GDPR_OK)
            rc = audit_run(rs, resumed ? "resumed" : "started");
        rc = gdpr_engine__end(eng, rc);
        rs->have_run = rc == GDPR_OK;
    }
    if (rc == GDPR_OK)
        rc = gdpr_store__retention_due_count(eng->st, rs->as_of, rs->run.has_cursor,
                                             rs->run.cursor_due, rs->run.cursor_id, total_out);
    return gdpr_engine__unlock(eng, rc);
}

GDPR_API int
gdpr_retention_run_ex(gdpr_engine *eng, const gdpr_actor *who, int64_t as_of,
                      const gdpr_retention_options *opts, gdpr_retention_report *report_out)
{
    run_state rs;
    int64_t total = 0;
    int done = 0;
    int rc;

    gdpr__err_clear();
    if (report_out)
        memset(report_out, 0, sizeof *report_out);
    rc = check_run_args(eng, who, &as_of, opts);
    if (rc != GDPR_OK)
        return rc;
    memset(&rs, 0, sizeof rs);
    rs.eng = eng;
    rs.who = who;
    rs.as_of = as_of;
    rs.dry = opts ? opts->dry_run : 0;
    rs.batch = opts && opts->batch ? opts->batch : GDPR_RETENTION_BATCH_DEFAULT;
    rc = start_run(&rs, &total);
    while (rc == GDPR_OK && !done) {
        rc = run_batch(&rs, &done);
        if (rc == GDPR_OK && opts && opts->progress) {
            int stop = opts->progress(&rs.rep, total, opts->progress_ctx);
            if (stop != 0 && !done)
                rc = gdpr__err_set(GDPR_ECALLBACK,
                                   "progress: stopped the run after %lld of %lld "
                                   "records (returned %d); the next run resumes there",
                                   (long long)rs.rep.examined, (long long)total, stop);
        }
    }
    free(rs.rows.v);
    if (rc != GDPR_OK && rs.have_run && !rs.dry)
        rc = gdpr__err_wrap(rc,
                            "retention run committed up to record %lld; the next run "
                            "resumes there",
                            (long long)rs.run.cursor_id);
    if (rc == GDPR_OK && rs.busy)
        rc = gdpr__err_set(GDPR_EBUSY,
                           "retention run complete, but the WAL checkpoint was kept from "
                           "completing (%s); call gdpr_vault_checkpoint() later",
                           rs.busy_msg);
    if (report_out)
        *report_out = rs.rep;
    return rc;
}

GDPR_API int
gdpr_retention_run(gdpr_engine *eng, const gdpr_actor *who, int64_t as_of,
                   gdpr_retention_report *report_out)
{
    return gdpr_retention_run_ex(eng, who, as_of, NULL, report_out);
}

GDPR_API int
gdpr_retention_run_status(gdpr_engine *eng, gdpr_retention_run_info *out)
{
    store_retention_run_row row;
    unsigned int version;
    int rc;

    gdpr__err_clear();
    if (eng == NULL)
        return gdpr__err_set(GDPR_EINVAL, "eng: must not be NULL");
    if (out == NULL)
        return gdpr__err_set(GDPR_EINVAL, "out: must not be NULL");
    if (out->version != GDPR_RETENTION_RUN_INFO_VERSION)
        return gdpr__err_set(GDPR_EINVAL,
                             "out.version: %u is not a known version (set it to "
                             "GDPR_RETENTION_RUN_INFO_VERSION, %u)",
                             out->version, GDPR_RETENTION_RUN_INFO_VERSION);
    version = out->version;
    gdpr_engine__lock(eng);
    rc = gdpr_store__retention_run_open(eng->st, &row);
    if (rc == GDPR_OK || rc == GDPR_ENOTFOUND) {
        memset(out, 0, sizeof *out);
        out->version = version;
        if (rc == GDPR_OK) {
            out->open = 1;
            out->run = row.id;
            out->started = row.started;
            out->as_of = row.as_of;
            out->examined = row.examined;
            out->erased = row.erased;
            out->anonymised = row.anonymised;
            out->reviews_opened = row.reviews_opened;
            out->held = row.held;
        }
        gdpr__err_clear();
        rc = GDPR_OK;
    }
    return gdpr_engine__unlock(eng, rc);
}

/* --- aggregates ---------------------------------------------------------------- */

typedef struct {
    int (*fn)(const gdpr_retention_aggregate *agg, void *ctx);
    void *ctx;
    const policy_model *policy;
} agg_ctx;

/* The rule's "min_group" (docs/policy.md), the default for a rule the
 * current policy no longer has. */
static int64_t
min_group(const policy_model *p, const char *rule)
{
    for (size_t i = 0; p != NULL && i < p->n_retention; i++)
        if (strcmp(p->retention[i].id, rule) == 0)
            return p->retention[i].min_group;
    return POLICY_MIN_GROUP_DEFAULT;
}

static int
agg_one(const char *rule, const char *category, const char *purpose, const char *field,
        const char *value, int month, int64_t n, void *ctx)
{
    agg_ctx *a = ctx;
    gdpr_retention_aggregate agg;
    int stop;

    if (n < min_group(a->policy, rule))
        return 0; /* too small a group: it could single a person out */
    agg.rule = rule;
    agg.category = category;
    agg.purpose = purpose;
    agg.field = field;
    agg.value = value;
    agg.month = month;
    agg.count = n;
    stop = a->fn(&agg, a->ctx);
    if (stop != 0)
        return gdpr__err_set(GDPR_ECALLBACK, "fn: stopped at aggregate of rule %.64s (returned %d)",
                             rule, stop);
    return 0;
}

GDPR_API int
gdpr_retention_aggregates(gdpr_engine *eng, gdpr_retention_aggregate_fn fn, void *ctx)
{
    agg_ctx a = {fn, ctx, NULL};
    int rc;

    gdpr__err_clear();
    if (gdpr_engine__check_given(eng, fn != NULL, "fn") != GDPR_OK)
        return GDPR_EINVAL;
    gdpr_engine__lock(eng);
    a.policy = eng->policy;
    rc = gdpr_store__retention_aggregate_foreach(eng->st, agg_one, &a);
    return gdpr_engine__unlock(eng, rc);
}
