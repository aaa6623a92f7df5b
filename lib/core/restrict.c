/*
 * The one restriction check (lib/core/record.h has the table): legal
 * holds, legal-duty retention, what an erasure kept for storage only, and
 * the subject's Art. 18 restriction. Every path that reads, exports,
 * changes or deletes a vault record asks here, so no path can skip a rule
 * another one keeps.
 * SPDX-License-Identifier: MIT
 */
#include "record.h"

#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "error.h"

void
gdpr_engine__format_date(const gdpr_engine *eng, int64_t t, char buf[11])
{
    const cal_zone *z = eng->policy ? eng->policy->controller.zone : NULL;

    if (gdpr_calendar__format_date(gdpr_calendar__zone_local_day(z, t), buf) != 0)
        snprintf(buf, 11, "?");
}

/* When a legal duty to keep the record ends: the retention schedule's due
 * time when retention has computed one; else the rule's period from the
 * record's anchor. When the anchor event has not happened (a contract not
 * yet ended), the erasure is that event: the period runs from the erasure
 * that first kept the record (its tombstone says until when), or from now.
 * A sum past the calendar keeps the record to its end. */
static int
duty_end(gdpr_engine *eng, const policy_retention *rule, const store_vault_row *row, int64_t now,
         int64_t *end_out)
{
    char kept_rule[GDPR_NAME_MAX + 32];
    int64_t kept_until = 0;
    int rc;

    if (row->has_due) {
        *end_out = row->due;
        return GDPR_OK;
    }
    if (row->anchor <= 0) {
        rc = gdpr_store__tombstone_kept_find(eng->st, row->id, &kept_until, kept_rule,
                                             sizeof kept_rule);
        if (rc == GDPR_OK && strcmp(kept_rule, rule->id) == 0) {
            *end_out = kept_until;
            return GDPR_OK;
        }
        if (rc != GDPR_OK && rc != GDPR_ENOTFOUND)
            return rc;
        gdpr__err_clear();
    }
    if (gdpr_calendar__add(row->anchor > 0 ? row->anchor : now, &rule->period, end_out) != 0)
        *end_out = CAL_MAX_TIME;
    return GDPR_OK;
}

static void
target_of(const store_vault_row *row, store_hold_target *t)
{
    memset(t, 0, sizeof *t);
    if (row == NULL)
        return;
    t->record = row->id;
    t->category = row->category;
    t->purpose = row->purpose;
    t->collected = row->collected;
}

int
gdpr_record__held(gdpr_engine *eng, const uint8_t subject_hash[CRYPTO_HASH_BYTES],
                  const store_hold_target *t, int64_t at, int64_t *hold_out)
{
    store_hold_target whole;
    int64_t until = 0;

    *hold_out = 0;
    target_of(NULL, &whole);
    return gdpr_store__hold_covering(eng->st, subject_hash, t ? t : &whole, at, hold_out, &until,
                                     NULL);
}

static int
check_hold(gdpr_engine *eng, const store_vault_row *row, int64_t now, record_limit *out)
{
    store_hold_target t;
    int64_t hold = 0, until = 0;
    int ground = 0;
    int rc;

    target_of(row, &t);
    rc = gdpr_store__hold_covering(eng->st, row->subject, &t, now, &hold, &until, &ground);
    if (rc == GDPR_OK && hold != 0) {
        out->kind = RECORD_HELD;
        out->hold = hold;
        out->until = until;
        out->exemption = ground;
    }
    return rc;
}

/* The retention rule that keeps records of (purpose, category) under a
 * legal duty, or NULL when none does. */
static const policy_retention *
duty_rule(const gdpr_engine *eng, const char *purpose, const char *category)
{
    const policy_retention *rule =
        eng->policy ? gdpr_policy__find_retention(eng->policy, purpose, category) : NULL;

    return rule != NULL && rule->legal_duty ? rule : NULL;
}

int
gdpr_record__duty_free(const gdpr_engine *eng, const char *purpose, const char *category)
{
    return duty_rule(eng, purpose, category) == NULL;
}

static int
check_duty(gdpr_engine *eng, const store_vault_row *row, int64_t now, record_limit *out)
{
    const policy_retention *rule = duty_rule(eng, row->purpose, row->category);
    int64_t end = 0;
    int rc;

    if (rule == NULL)
        return GDPR_OK;
    rc = duty_end(eng, rule, row, now, &end);
    if (rc == GDPR_OK && end > now) {
        out->kind = RECORD_DUTY;
        out->until = end;
        out->exemption = rule->exemption;
        snprintf(out->rule, sizeof out->rule, "%s", rule->id);
    }
    return rc;
}

static int
check_kept(gdpr_engine *eng, const store_vault_row *row, record_limit *out)
{
    int64_t until = 0;
    int rc = gdpr_store__tombstone_kept_find(eng->st, row->id, &until, out->rule, sizeof out->rule);

    if (rc == GDPR_ENOTFOUND) {
        out->rule[0] = '\0';
        gdpr__err_clear();
        return GDPR_OK;
    }
    if (rc == GDPR_OK) {
        out->kind = RECORD_KEPT;
        out->until = until;
    }
    return rc;
}

static int
check_art18(gdpr_engine *eng, const store_vault_row *row, record_use use, const record_known *known,
            record_limit *out)
{
    unsigned int limits = 0;
    int64_t partial = 0;
    int rc = GDPR_OK;

    if (known != NULL)
        limits = known->limits;
    else
        rc = gdpr_engine__subject_limits(eng, row->subject, &limits);
    if (rc != GDPR_OK || !(limits & STORE_SUBJECT_RESTRICTED))
        return rc;
    if (use == RECORD_DELETE) {
        /* An erasure under way restricts what it keeps by itself; those
         * records go when their hold or duty ends. */
        if (known != NULL) {
            if (known->partial != 0)
                return GDPR_OK;
        } else {
            rc = gdpr_store__tombstone_open_partial(eng->st, row->subject, &partial);
            if (rc == GDPR_OK)
                return GDPR_OK;
            if (rc != GDPR_ENOTFOUND)
                return rc;
            gdpr__err_clear();
        }
    }
    out->kind = RECORD_ART18;
    out->until = CAL_MAX_TIME;
    return GDPR_OK;
}

static int
limit_of(gdpr_engine *eng, const store_vault_row *row, record_use use, int64_t now,
         unsigned int flags, const record_known *known, record_limit *out)
{
    int rc = GDPR_OK;

    memset(out, 0, sizeof *out);
    if (use == RECORD_EXPORT)
        return GDPR_OK;
    if (use != RECORD_READ && !(flags & RECORD_NO_HOLDS))
        rc = check_hold(eng, row, now, out);
    if (rc == GDPR_OK && out->kind == RECORD_FREE && (use == RECORD_DELETE || use == RECORD_ERASE))
        rc = check_duty(eng, row, now, out);
    if (rc == GDPR_OK && out->kind == RECORD_FREE && (use == RECORD_READ || use == RECORD_CHANGE))
        rc = check_kept(eng, row, out);
    if (rc == GDPR_OK && out->kind == RECORD_FREE && (use == RECORD_READ || use == RECORD_DELETE))
        rc = check_art18(eng, row, use, known, out);
    return rc;
}

int
gdpr_record__limit_of(gdpr_engine *eng, const store_vault_row *row, record_use use, int64_t now,
                      unsigned int flags, record_limit *out)
{
    return limit_of(eng, row, use, now, flags, NULL, out);
}

static const char *
refused_verb(record_use use)
{
    switch (use) {
    case RECORD_READ:
        return "not handed out";
    case RECORD_CHANGE:
        return "not changed";
    case RECORD_DELETE:
        return "not deleted";
    default:
        return "not erased";
    }
}

int
gdpr_record__check(gdpr_engine *eng, const store_vault_row *row, record_use use, int *kind_out)
{
    return gdpr_record__check_flags(eng, row, use, 0, kind_out);
}

int
gdpr_record__check_flags(gdpr_engine *eng, const store_vault_row *row, record_use use,
                         unsigned int flags, int *kind_out)
{
    return gdpr_record__check_known(eng, row, use, flags, NULL, kind_out);
}

int
gdpr_record__check_known(gdpr_engine *eng, const store_vault_row *row, record_use use,
                         unsigned int flags, const record_known *known, int *kind_out)
{
    record_limit lim;
    char date[11];
    long long id = (long long)row->id;
    int rc = limit_of(eng, row, use, gdpr_engine__now(eng), flags, known, &lim);

    if (kind_out)
        *kind_out = rc == GDPR_OK ? (int)lim.kind : RECORD_FREE;
    if (rc != GDPR_OK || lim.kind == RECORD_FREE)
        return rc;
    gdpr_engine__format_date(eng, lim.until, date);
    switch (lim.kind) {
    case RECORD_HELD:
        return gdpr__err_set(
            GDPR_ESTATE, "record %lld: under legal hold %lld until %s (%s); ground %s; %s", id,
            (long long)lim.hold, date, gdpr_policy__exemption_article(lim.exemption),
            gdpr_policy__exemption_name(lim.exemption), refused_verb(use));
    case RECORD_DUTY:
        return gdpr__err_set(GDPR_ESTATE,
                             "record %lld: kept under legal duty (retention rule %s) until %s "
                             "(%s); ground %s; %s",
                             id, lim.rule, date, gdpr_policy__exemption_article(lim.exemption),
                             gdpr_policy__exemption_name(lim.exemption), refused_verb(use));
    case RECORD_KEPT:
        return gdpr__err_set(GDPR_ESTATE,
                             "record %lld: restricted since its subject was erased: kept "
                             "only for storage under %s until %s (Art. 17(3), 18(2)); %s",
                             id, lim.rule, date, refused_verb(use));
    default:
        return gdpr__err_set(GDPR_ESTATE,
                             "record %lld: the subject has restricted processing "
                             "(Art. 18(1)); stored only, %s until the restriction is lifted "
                             "(gdpr_subject_unrestrict)",
                             id, refused_verb(use));
    }
}
