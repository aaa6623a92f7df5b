/*
 * The consent report (include/gdpr/consent_report.h): every current
 * consent state the filter admits, streamed as JSON or CSV through a
 * fixed buffer (lib/util/sink.c), so memory stays flat in the number of
 * subjects (tests/bench/bench-report.c measures it at 200,000).
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "consent_internal.h"
#include "error.h"
#include "gdpr/consent_report.h"
#include "sink.h"
#include "text.h"

GDPR_API int
gdpr_consent_report_options_init(gdpr_consent_report_options *opts, unsigned int version)
{
    static const gdpr_consent_report_options defaults = GDPR_CONSENT_REPORT_OPTIONS_INIT;

    gdpr__err_clear();
    if (opts == NULL)
        return gdpr__err_set(GDPR_EINVAL, "opts: must not be NULL");
    if (version == 0 || version > GDPR_CONSENT_REPORT_OPTIONS_VERSION)
        return gdpr__err_set(GDPR_EVERSION,
                             "opts.version: %u is not a version this library knows (1..%u)",
                             version, GDPR_CONSENT_REPORT_OPTIONS_VERSION);
    *opts = defaults;
    opts->version = version;
    return GDPR_OK;
}

typedef struct {
    gdpr_engine *eng;
    sink out;
    int json;
    int host_ids;
    unsigned int states;
    int64_t as_of;
    int64_t rows;
    uint8_t last[CRYPTO_HASH_BYTES]; /* the subject whose id `name` holds */
    int has_last;
    char *name; /* the opened host id of `last`, or NULL: keyed hash */
    char hex[2 * CRYPTO_HASH_BYTES + 1];
} report;

static const char *
state_word(unsigned int bit)
{
    switch (bit) {
    case GDPR_REPORT_GRANTED:
        return "granted";
    case GDPR_REPORT_WITHDRAWN:
        return "withdrawn";
    case GDPR_REPORT_REFUSED:
        return "refused";
    default:
        return "expired";
    }
}

static unsigned int
state_bit(const store_consent_state *cs, int64_t as_of)
{
    if (cs->state == STORE_CONSENT_WITHDRAWN)
        return GDPR_REPORT_WITHDRAWN;
    if (cs->state == STORE_CONSENT_REFUSED)
        return GDPR_REPORT_REFUSED;
    if (cs->expires != 0 && cs->expires <= as_of)
        return GDPR_REPORT_EXPIRED;
    return GDPR_REPORT_GRANTED;
}

/* The subject's name in the report: its host id when asked for and still
 * there (the key of an erased subject is gone), else its keyed hash. */
static int
subject_name(report *r, const store_consent_report_row *row, const char **out)
{
    const uint8_t *hash = row->subject;

    gdpr__hex_encode(hash, CRYPTO_HASH_BYTES, r->hex);
    *out = r->hex;
    if (!r->host_ids)
        return GDPR_OK;
    if (!r->has_last || memcmp(r->last, hash, CRYPTO_HASH_BYTES) != 0) {
        int rc;

        if (r->name != NULL) {
            gdpr_crypto__wipe(r->name, strlen(r->name));
            free(r->name);
            r->name = NULL;
        }
        memcpy(r->last, hash, CRYPTO_HASH_BYTES);
        r->has_last = 1;
        rc = row->ident != NULL ? gdpr_engine__subject_ident_sealed(r->eng, hash, row->ident,
                                                                    row->ident_len, &r->name)
                                : gdpr_engine__subject_ident(r->eng, hash, &r->name);
        if (rc == GDPR_ENOTFOUND) {
            gdpr__err_clear();
            rc = GDPR_OK;
        }
        if (rc != GDPR_OK)
            return rc;
    }
    if (r->name != NULL)
        *out = r->name;
    return GDPR_OK;
}

static int
report_row(const store_consent_report_row *row, void *ctx)
{
    report *r = ctx;
    unsigned int bit = state_bit(&row->state, r->as_of);
    const char *recipient = row->recipient[0] ? row->recipient : NULL;
    int explicit_ = (row->state.flags & STORE_CONSENT_EXPLICIT) != 0;
    const char *subject;
    int rc;

    if ((r->states & bit) == 0)
        return GDPR_OK;
    rc = subject_name(r, row, &subject);
    if (rc != GDPR_OK)
        return rc;
    if (r->json) {
        gdpr_sink__open(&r->out, '{');
        gdpr_sink__key(&r->out, "subject");
        gdpr_sink__string(&r->out, subject);
        gdpr_sink__key(&r->out, "purpose");
        gdpr_sink__string(&r->out, row->purpose);
        gdpr_sink__key(&r->out, "recipient");
        gdpr_sink__string(&r->out, recipient);
        gdpr_sink__key(&r->out, "state");
        gdpr_sink__string(&r->out, state_word(bit));
        gdpr_sink__key(&r->out, "since");
        gdpr_sink__time(&r->out, row->state.at);
        gdpr_sink__key(&r->out, "event");
        gdpr_sink__int64(&r->out, row->state.event);
        gdpr_sink__key(&r->out, "expires");
        gdpr_sink__time(&r->out, row->state.expires);
        gdpr_sink__key(&r->out, "explicit");
        gdpr_sink__bool(&r->out, explicit_);
        gdpr_sink__close(&r->out, '}');
    } else {
        gdpr_sink__csv_field(&r->out, subject);
        gdpr_sink__csv_field(&r->out, row->purpose);
        gdpr_sink__csv_field(&r->out, recipient);
        gdpr_sink__csv_field(&r->out, state_word(bit));
        gdpr_sink__csv_time(&r->out, row->state.at);
        gdpr_sink__csv_int64(&r->out, row->state.event);
        gdpr_sink__csv_time(&r->out, row->state.expires);
        gdpr_sink__csv_field(&r->out, explicit_ ? "true" : "false");
        gdpr_sink__csv_end(&r->out);
    }
    r->rows++;
    return r->out.rc;
}

/* Every field of the options, before the lock. */
static int
check_options(const gdpr_consent_report_options *o)
{
    if (o == NULL)
        return gdpr__err_set(GDPR_EINVAL, "opts: must not be NULL");
    if (o->version == 0 || o->version > GDPR_CONSENT_REPORT_OPTIONS_VERSION)
        return gdpr__err_set(GDPR_EVERSION,
                             "opts.version: %u is not a version this library knows (1..%u)",
                             o->version, GDPR_CONSENT_REPORT_OPTIONS_VERSION);
    if (o->format != GDPR_EXPORT_JSON && o->format != GDPR_EXPORT_CSV)
        return gdpr__err_set(GDPR_EINVAL,
                             "opts.format: %d is neither GDPR_EXPORT_JSON (1) nor "
                             "GDPR_EXPORT_CSV (2)",
                             o->format);
    if ((o->purposes == NULL) != (o->n_purposes == 0) || o->n_purposes > GDPR_REPORT_PURPOSES_MAX)
        return gdpr__err_set(GDPR_EINVAL,
                             "opts.purposes: give a list of 1..%u purposes with n_purposes, "
                             "or NULL and 0 for every purpose",
                             GDPR_REPORT_PURPOSES_MAX);
    for (size_t i = 0; i < o->n_purposes; i++) {
        int rc = gdpr_text__check("opts.purposes[]", o->purposes[i], GDPR_NAME_MAX);
        if (rc != GDPR_OK)
            return rc;
    }
    if ((o->states & ~GDPR_REPORT_STATES_ALL) != 0)
        return gdpr__err_set(GDPR_EINVAL,
                             "opts.states: 0x%x has bits other than GDPR_REPORT_GRANTED, "
                             "_WITHDRAWN, _REFUSED and _EXPIRED",
                             o->states);
    if (o->from < 0 || o->until < 0)
        return gdpr__err_set(GDPR_EINVAL,
                             "opts.from/until: must be UTC seconds (>= 0; 0 for no bound)");
    if (o->until != 0 && o->until <= o->from)
        return gdpr__err_set(GDPR_EINVAL, "opts.until: must be after opts.from");
    if (o->as_of != GDPR_NOW && o->as_of <= 0)
        return gdpr__err_set(GDPR_EINVAL, "opts.as_of: give UTC seconds or GDPR_NOW");
    if ((o->flags & ~GDPR_REPORT_HOST_IDS) != 0)
        return gdpr__err_set(GDPR_EINVAL, "opts.flags: 0x%x has unknown bits", o->flags);
    return GDPR_OK;
}

static void
write_head(report *r, const gdpr_consent_report_options *o, int64_t now)
{
    static const unsigned int bits[] = {GDPR_REPORT_GRANTED, GDPR_REPORT_WITHDRAWN,
                                        GDPR_REPORT_REFUSED, GDPR_REPORT_EXPIRED};

    if (!r->json) {
        gdpr_sink__text(&r->out,
                        "subject,purpose,recipient,state,since,event,expires,explicit\r\n");
        return;
    }
    gdpr_sink__open(&r->out, '{');
    gdpr_sink__key(&r->out, "report");
    gdpr_sink__string(&r->out, "consent");
    gdpr_sink__key(&r->out, "generated");
    gdpr_sink__time(&r->out, now);
    gdpr_sink__key(&r->out, "as_of");
    gdpr_sink__time(&r->out, r->as_of);
    gdpr_sink__key(&r->out, "subject_id");
    gdpr_sink__string(&r->out, r->host_ids ? "host_id" : "keyed_hash");
    gdpr_sink__key(&r->out, "purposes");
    if (o->n_purposes == 0) {
        gdpr_sink__string(&r->out, NULL);
    } else {
        gdpr_sink__open(&r->out, '[');
        for (size_t i = 0; i < o->n_purposes; i++)
            gdpr_sink__string(&r->out, o->purposes[i]);
        gdpr_sink__close(&r->out, ']');
    }
    gdpr_sink__key(&r->out, "states");
    gdpr_sink__open(&r->out, '[');
    for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
        if (r->states & bits[i])
            gdpr_sink__string(&r->out, state_word(bits[i]));
    gdpr_sink__close(&r->out, ']');
    gdpr_sink__key(&r->out, "from");
    gdpr_sink__time(&r->out, o->from);
    gdpr_sink__key(&r->out, "until");
    gdpr_sink__time(&r->out, o->until);
    gdpr_sink__key(&r->out, "rows");
    gdpr_sink__open(&r->out, '[');
}

static int
run_report(report *r, const gdpr_consent_report_options *o)
{
    store_consent_report_filter f = {NULL, o->from, o->until};
    int rc = GDPR_OK;

    if (o->n_purposes == 0)
        return gdpr_store__consent_report_foreach(r->eng->st, &f, report_row, r);
    for (size_t i = 0; i < o->n_purposes && rc == GDPR_OK; i++) {
        f.purpose = o->purposes[i];
        rc = gdpr_store__consent_report_foreach(r->eng->st, &f, report_row, r);
    }
    return rc;
}

GDPR_API int
gdpr_consent_report(gdpr_engine *eng, const gdpr_actor *who,
                    const gdpr_consent_report_options *opts, gdpr_write_fn write, void *ctx,
                    int64_t *rows_out)
{
    report *r;
    int64_t now;
    int rc;

    gdpr__err_clear();
    if (rows_out != NULL)
        *rows_out = 0;
    rc = gdpr_engine__enter(eng, who);
    if (rc == GDPR_OK && write == NULL)
        rc = gdpr__err_set(GDPR_EINVAL, "write: must not be NULL");
    if (rc == GDPR_OK)
        rc = check_options(opts);
    if (rc != GDPR_OK)
        return rc;
    r = calloc(1, sizeof *r);
    if (r == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory for the consent report");
    gdpr_engine__lock(eng);
    now = gdpr_engine__now(eng);
    r->eng = eng;
    r->json = opts->format == GDPR_EXPORT_JSON;
    r->host_ids = (opts->flags & GDPR_REPORT_HOST_IDS) != 0;
    r->states = opts->states ? opts->states : GDPR_REPORT_STATES_ALL;
    r->as_of = opts->as_of == GDPR_NOW ? now : opts->as_of;
    gdpr_sink__init(&r->out, write, ctx);
    rc = gdpr_engine__require_policy(eng);
    for (size_t i = 0; rc == GDPR_OK && i < opts->n_purposes; i++) {
        const policy_purpose *pu;
        rc = gdpr_consent__find_purpose(eng, opts->purposes[i], &pu);
        if (rc != GDPR_OK)
            rc = gdpr__err_wrap(rc, "opts.purposes[%zu]", i);
    }
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_CONSENT_REPORT, NULL);
    if (rc == GDPR_OK && r->host_ids)
        rc = gdpr_engine__authorize(eng, who, PERM_CONSENT_READ, NULL);
    /* The report is a fact the trail keeps, whatever the callback does. */
    if (rc == GDPR_OK)
        rc = gdpr_engine__begin(eng);
    if (rc == GDPR_OK)
        rc = gdpr_engine__end(
            eng, gdpr_audit__append(
                     eng, who, gdpr_permission__name(PERM_CONSENT_REPORT), NULL, GDPR_OK,
                     r->host_ids ? "consent report (host ids)" : "consent report (keyed hashes)"));
    if (rc == GDPR_OK) {
        /* One snapshot for the whole report: every purpose as of the same
         * moment, and with host ids the keystore too, so that opening an
         * id per subject does not take the keystore's read lock each time.
         * Like a host's gdpr_read_begin it holds back a checkpoint (an
         * erasure's scrub retries: docs/erasure.md) while it lasts. If it
         * cannot begin, the report reads statement by statement. */
        int snapshot = gdpr_store__read_begin(eng->st, r->host_ids) == GDPR_OK;
        gdpr__err_clear();
        write_head(r, opts, now);
        rc = run_report(r, opts);
        if (snapshot)
            gdpr_store__read_end(eng->st);
    }
    if (rc == GDPR_OK && r->json) {
        gdpr_sink__close(&r->out, ']');
        gdpr_sink__key(&r->out, "count");
        gdpr_sink__int64(&r->out, r->rows);
        gdpr_sink__close(&r->out, '}');
        gdpr_sink__raw(&r->out, "\n", 1);
    }
    if (rc == GDPR_OK)
        rc = gdpr_sink__flush(&r->out);
    if (rc == GDPR_OK && rows_out != NULL)
        *rows_out = r->rows;
    if (r->name != NULL) {
        gdpr_crypto__wipe(r->name, strlen(r->name));
        free(r->name);
    }
    gdpr_crypto__wipe(r->out.buf, sizeof r->out.buf);
    free(r);
    return gdpr_engine__unlock(eng, rc);
}
