/*
 * Consent signals (issue 16): Global Privacy Control, IAB TCF v2 TC
 * strings and GPP strings. Each signal is kept as received (the string
 * sealed under the subject's key, signal/<id>/value) with its time; what
 * it says becomes consent events through the policy's "signals" section:
 * GPC withdraws or refuses every consent-based purpose marked sale,
 * sharing or targeted advertising (and gdpr_may_process refuses such a
 * purpose on another basis, Art. 21(5)); a TCF consent bit grants or
 * takes back the purposes the tcf_purposes table maps it to. A GPC signal
 * against a live grant, and a grant after a GPC signal, are conflicts,
 * recorded and listed. docs/signals.md.
 * SPDX-License-Identifier: MIT
 */
#include "consent_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "error.h"
#include "iab.h"
#include "jsonw.h"
#include "text.h"

static const char *const kind_words[] = {"?", "gpc", "tcf", "gpp"};

/* --- decoding (no store) ---------------------------------------------------- */

static int
decode_error(const char *field, const iab_error *e)
{
    if (e->segment > 0)
        return gdpr__err_set(GDPR_EINVAL, "%s: segment %d, bit %zu (%s): %s", field, e->segment + 1,
                             e->bit, e->field, e->rule);
    return gdpr__err_set(GDPR_EINVAL, "%s: bit %zu (%s): %s", field, e->bit, e->field, e->rule);
}

static int
check_signal_text(const char *field, const char *text)
{
    size_t len, bad;

    if (text == NULL)
        return gdpr__err_set(GDPR_EINVAL, "%s: must not be NULL", field);
    len = strnlen(text, IAB_TEXT_MAX + 1);
    if (len == 0)
        return gdpr__err_set(GDPR_EINVAL, "%s: must not be empty", field);
    if (len > IAB_TEXT_MAX)
        return gdpr__err_set(GDPR_EINVAL, "%s: longer than %u characters", field, IAB_TEXT_MAX);
    if (gdpr__utf8_check(text, len, &bad) != 0)
        return gdpr__err_set(GDPR_EINVAL, "%s: not valid UTF-8 (byte %zu)", field, bad);
    return GDPR_OK;
}

static int
decode_tcf(const char *field, const char *text, iab_tcf *t)
{
    iab_error e;

    if (gdpr_iab__tcf_decode(text, t, &e) != 0)
        return decode_error(field, &e);
    return GDPR_OK;
}

static void
put_bits(jsonw *j, const char *key, uint32_t bits, int n)
{
    gdpr_jsonw__key(j, key);
    gdpr_jsonw__array_begin(j);
    for (int i = 0; i < n; i++)
        if (bits & (1u << i))
            gdpr_jsonw__int64(j, i + 1);
    gdpr_jsonw__array_end(j);
}

static void
put_idset(jsonw *j, const char *key, const iab_idset *s)
{
    gdpr_jsonw__key(j, key);
    gdpr_jsonw__object_begin(j);
    gdpr_jsonw__key(j, "maxVendorId");
    gdpr_jsonw__int64(j, s->max);
    gdpr_jsonw__key(j, "encoding");
    gdpr_jsonw__string(j, s->range_encoded ? "range" : "bitfield");
    gdpr_jsonw__key(j, "ids");
    gdpr_jsonw__array_begin(j);
    for (int id = 1; id <= s->max; id++)
        if (gdpr_iab__idset_has(s, id))
            gdpr_jsonw__int64(j, id);
    gdpr_jsonw__array_end(j);
    gdpr_jsonw__object_end(j);
}

static void
put_decisecond(jsonw *j, const char *key, int64_t ds)
{
    char buf[21];

    gdpr_jsonw__key(j, key);
    gdpr_jsonw__string(j, gdpr_calendar__format_instant(ds / 10, buf) == 0 ? buf : NULL);
}

static void
put_tcf(jsonw *j, const iab_tcf *t)
{
    gdpr_jsonw__key(j, "version");
    gdpr_jsonw__int64(j, t->version);
    put_decisecond(j, "created", t->created);
    put_decisecond(j, "lastUpdated", t->last_updated);
    gdpr_jsonw__key(j, "cmpId");
    gdpr_jsonw__int64(j, t->cmp_id);
    gdpr_jsonw__key(j, "cmpVersion");
    gdpr_jsonw__int64(j, t->cmp_version);
    gdpr_jsonw__key(j, "consentScreen");
    gdpr_jsonw__int64(j, t->consent_screen);
    gdpr_jsonw__key(j, "consentLanguage");
    gdpr_jsonw__string(j, t->consent_language);
    gdpr_jsonw__key(j, "vendorListVersion");
    gdpr_jsonw__int64(j, t->vendor_list_version);
    gdpr_jsonw__key(j, "tcfPolicyVersion");
    gdpr_jsonw__int64(j, t->policy_version);
    gdpr_jsonw__key(j, "isServiceSpecific");
    gdpr_jsonw__bool(j, t->service_specific);
    gdpr_jsonw__key(j, "useNonStandardTexts");
    gdpr_jsonw__bool(j, t->non_standard_stacks);
    put_bits(j, "specialFeatureOptIns", t->special_features, 12);
    put_bits(j, "purposesConsent", t->purposes_consent, 24);
    put_bits(j, "purposesLegitimateInterest", t->purposes_li, 24);
    gdpr_jsonw__key(j, "purposeOneTreatment");
    gdpr_jsonw__bool(j, t->purpose_one_treatment);
    gdpr_jsonw__key(j, "publisherCC");
    gdpr_jsonw__string(j, t->publisher_cc);
    put_idset(j, "vendorConsents", &t->vendor_consents);
    put_idset(j, "vendorLegitimateInterests", &t->vendor_li);
    gdpr_jsonw__key(j, "publisherRestrictions");
    gdpr_jsonw__int64(j, t->pub_restrictions);
    gdpr_jsonw__key(j, "segments");
    gdpr_jsonw__int64(j, t->segments + 1);
}

static const char *
gpp_section_name(int id)
{
    static const char *const names[] = {"?",     "tcfeuv1", "tcfeuv2", "header", "signal",
                                        "tcfca", "uspv1",   "usnat",   "usca",   "usva",
                                        "usco",  "usut",    "usct"};
    return id > 0 && id < (int)(sizeof names / sizeof names[0]) ? names[id] : "other";
}

GDPR_API int
gdpr_signal_decode(int kind, const char *text, char **json_out)
{
    jsonw j;
    int rc;

    gdpr__err_clear();
    if (json_out == NULL)
        return gdpr__err_set(GDPR_EINVAL, "json_out: must not be NULL");
    *json_out = NULL;
    if (kind != GDPR_SIGNAL_TCF && kind != GDPR_SIGNAL_GPP)
        return gdpr__err_set(GDPR_EINVAL,
                             "kind: %d is not a string signal (GDPR_SIGNAL_TCF 2, "
                             "GDPR_SIGNAL_GPP 3)",
                             kind);
    rc = check_signal_text("text", text);
    if (rc != GDPR_OK)
        return rc;
    gdpr_jsonw__init(&j);
    gdpr_jsonw__object_begin(&j);
    gdpr_jsonw__key(&j, "kind");
    gdpr_jsonw__string(&j, kind_words[kind]);
    if (kind == GDPR_SIGNAL_TCF) {
        iab_tcf t;
        rc = decode_tcf("text", text, &t);
        if (rc == GDPR_OK)
            put_tcf(&j, &t);
        gdpr_iab__tcf_free(&t);
    } else {
        iab_gpp g;
        iab_error e;
        if (gdpr_iab__gpp_decode(text, &g, &e) != 0) {
            rc = decode_error("text", &e);
        } else {
            gdpr_jsonw__key(&j, "type");
            gdpr_jsonw__int64(&j, g.type);
            gdpr_jsonw__key(&j, "version");
            gdpr_jsonw__int64(&j, g.version);
            gdpr_jsonw__key(&j, "sectionIds");
            gdpr_jsonw__array_begin(&j);
            for (int i = 0; i < g.count; i++)
                gdpr_jsonw__int64(&j, g.ids[i]);
            gdpr_jsonw__array_end(&j);
            gdpr_jsonw__key(&j, "sections");
            gdpr_jsonw__array_begin(&j);
            for (int i = 0; i < g.count; i++) {
                char *sec = strndup(g.section[i], g.section_len[i]);
                if (sec == NULL) {
                    rc = gdpr__err_set(GDPR_ENOMEM, "out of memory decoding a GPP string");
                    break;
                }
                gdpr_jsonw__object_begin(&j);
                gdpr_jsonw__key(&j, "id");
                gdpr_jsonw__int64(&j, g.ids[i]);
                gdpr_jsonw__key(&j, "name");
                gdpr_jsonw__string(&j, gpp_section_name(g.ids[i]));
                gdpr_jsonw__key(&j, "text");
                gdpr_jsonw__string(&j, sec);
                free(sec);
                gdpr_jsonw__object_end(&j);
            }
            gdpr_jsonw__array_end(&j);
        }
    }
    gdpr_jsonw__object_end(&j);
    if (rc != GDPR_OK) {
        gdpr_jsonw__free(&j);
        return rc;
    }
    return gdpr_jsonw__finish(&j, json_out, NULL);
}

/* --- recording ------------------------------------------------------------- */

/* Keep the signal: its id first (the seal binds it), the string sealed. */
static int
keep_signal(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES], int kind, const char *text,
            const gdpr_actor *who, int64_t *id_out)
{
    store_signal_row row;
    uint8_t *sealed = NULL;
    size_t len = text ? strlen(text) : 0;
    int rc;

    memset(&row, 0, sizeof row);
    rc = store_signal_next_id(eng->st, &row.id);
    if (rc == GDPR_OK && text != NULL) {
        sealed = malloc(len + CRYPTO_SEAL_OVERHEAD);
        if (sealed == NULL)
            return gdpr__err_set(GDPR_ENOMEM, "out of memory for a consent signal");
        rc = gdpr_engine__seal_field(eng, hash, "signal", row.id, "value", text, len, sealed);
        row.value = sealed;
        row.value_len = len + CRYPTO_SEAL_OVERHEAD;
    }
    row.subject = hash;
    row.at = gdpr_engine__now(eng);
    row.kind = kind;
    row.channel = kind_words[kind];
    row.actor = who->id;
    if (rc == GDPR_OK)
        rc = gdpr_store__signal_append(eng->st, &row);
    free(sealed);
    if (rc == GDPR_OK)
        *id_out = row.id;
    return rc;
}

/* Is consent recorded for this purpose (basis consent, or Art. 9(2)(a))? */
static int
consent_purpose(const policy_purpose *pu)
{
    return pu != NULL && (pu->basis == BASIS_CONSENT || pu->art9 == 'a');
}

static int
apply_gpc(gdpr_engine *eng, const gdpr_actor *who, const uint8_t hash[CRYPTO_HASH_BYTES],
          int64_t signal, int *events)
{
    const policy_signals *sig = &eng->policy->signals;
    int rc = GDPR_OK;

    for (size_t i = 0; rc == GDPR_OK && i < sig->n_gpc; i++) {
        const policy_purpose *pu = gdpr_policy__find_purpose(eng->policy, sig->gpc[i].purpose);
        store_consent_state cs;
        int64_t event = 0;
        if (!consent_purpose(pu))
            continue; /* applied by gdpr_may_process (Art. 21(5)) */
        rc = gdpr_store__consent_state_at(eng->st, hash, pu->id, "", INT64_MAX, &cs);
        if (rc == GDPR_ENOTFOUND) {
            gdpr__err_clear();
            rc = gdpr_consent__signal_event(eng, who, hash, pu->id, STORE_CONSENT_REFUSED, "gpc",
                                            &event);
            *events += rc == GDPR_OK;
            continue;
        }
        if (rc != GDPR_OK || cs.state != STORE_CONSENT_GRANTED)
            continue; /* already not granted: nothing to take back */
        rc = gdpr_consent__signal_event(eng, who, hash, pu->id, STORE_CONSENT_WITHDRAWN, "gpc",
                                        &event);
        if (rc == GDPR_OK) {
            store_conflict_row c;
            memset(&c, 0, sizeof c);
            c.subject = hash;
            c.at = gdpr_engine__now(eng);
            c.purpose = pu->id;
            c.kind = STORE_CONFLICT_GPC_OVER_GRANT;
            c.consent_event = cs.event;
            c.signal = signal;
            c.result_event = event;
            rc = gdpr_store__conflict_append(eng->st, &c, NULL);
            (*events)++;
        }
    }
    return rc;
}

/* The state a TC string gives `purpose`: granted when every TCF purpose
 * the table maps to it has its consent bit set (the stricter reading when
 * several map to one). */
static int
tcf_grants(const policy_signals *sig, const iab_tcf *t, const char *purpose)
{
    for (size_t i = 0; i < sig->n_tcf; i++)
        if (strcmp(sig->tcf[i].purpose, purpose) == 0 &&
            !(t->purposes_consent & (1u << (sig->tcf[i].tcf - 1))))
            return 0;
    return 1;
}

static int
apply_tcf(gdpr_engine *eng, const gdpr_actor *who, const uint8_t hash[CRYPTO_HASH_BYTES],
          const iab_tcf *t, const char *channel, int *events)
{
    const policy_signals *sig = &eng->policy->signals;
    int rc = GDPR_OK;

    for (size_t i = 0; rc == GDPR_OK && i < sig->n_tcf; i++) {
        const char *purpose = sig->tcf[i].purpose;
        store_consent_state cs;
        int want, have, state, seen = 0;
        int64_t event = 0;
        for (size_t k = 0; k < i; k++)
            seen |= strcmp(sig->tcf[k].purpose, purpose) == 0;
        if (seen)
            continue; /* one decision per policy purpose */
        want = tcf_grants(sig, t, purpose);
        rc = gdpr_store__consent_state_at(eng->st, hash, purpose, "", INT64_MAX, &cs);
        if (rc == GDPR_ENOTFOUND) {
            gdpr__err_clear();
            rc = GDPR_OK;
            have = 0;
            cs.state = 0;
        } else if (rc != GDPR_OK) {
            break;
        } else {
            have = cs.state == STORE_CONSENT_GRANTED;
        }
        if (want == have && (want || cs.state != 0))
            continue; /* the string changes nothing here */
        state = want   ? STORE_CONSENT_GRANTED
                : have ? STORE_CONSENT_WITHDRAWN
                       : STORE_CONSENT_REFUSED;
        rc = gdpr_consent__signal_event(eng, who, hash, purpose, state, channel, &event);
        if (rc == GDPR_OK)
            (*events)++;
        if (rc == GDPR_OK && want)
            rc = gdpr_consent__grant_conflict(eng, hash, purpose, event, gdpr_engine__now(eng));
    }
    return rc;
}

typedef struct {
    int kind;
    const char *text;
    const iab_tcf *tcf; /* decoded TC string (TCF, or GPP's tcfeuv2 section), or NULL */
} signal_in;

static int
signal_locked(gdpr_engine *eng, const gdpr_actor *who, const char *subject, const signal_in *in,
              int *events_out)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    char ref[96];
    int64_t signal = 0;
    int events = 0;
    int rc = gdpr_engine__require_policy(eng);

    if (rc == GDPR_OK)
        rc = gdpr_engine__subject_hash(eng, subject, hash);
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_CONSENT_RECORD, hash);
    if (rc == GDPR_OK)
        rc = gdpr_engine__begin(eng);
    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_engine__subject_ensure(eng, subject, hash, NULL, NULL);
    if (rc == GDPR_OK)
        rc = keep_signal(eng, hash, in->kind, in->text, who, &signal);
    if (rc == GDPR_OK && in->kind == GDPR_SIGNAL_GPC)
        rc = apply_gpc(eng, who, hash, signal, &events);
    if (rc == GDPR_OK && in->tcf != NULL)
        rc = apply_tcf(eng, who, hash, in->tcf, kind_words[in->kind], &events);
    snprintf(ref, sizeof ref, "consent signal %lld %s: %d consent events", (long long)signal,
             kind_words[in->kind], events);
    if (rc == GDPR_OK)
        rc = gdpr_audit__append(eng, who, gdpr_permission__name(PERM_CONSENT_RECORD), hash, GDPR_OK,
                                ref);
    rc = gdpr_engine__end(eng, rc);
    if (rc == GDPR_OK && events_out)
        *events_out = events;
    return rc;
}

static int
signal_enter(const gdpr_engine *eng, const gdpr_actor *who, const char *subject, int *events_out)
{
    gdpr__err_clear();
    if (events_out)
        *events_out = 0;
    return gdpr_engine__enter_subject(eng, who, subject);
}

GDPR_API int
gdpr_consent_signal_gpc(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                        int *events_out)
{
    signal_in in = {GDPR_SIGNAL_GPC, NULL, NULL};
    int rc = signal_enter(eng, who, subject, events_out);

    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = signal_locked(eng, who, subject, &in, events_out);
    return gdpr_engine__unlock(eng, rc);
}

GDPR_API int
gdpr_consent_signal_tcf(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                        const char *tc_string, int *events_out)
{
    signal_in in = {GDPR_SIGNAL_TCF, tc_string, NULL};
    iab_tcf t;
    int rc = signal_enter(eng, who, subject, events_out);

    if (rc == GDPR_OK)
        rc = check_signal_text("tc_string", tc_string);
    if (rc == GDPR_OK)
        rc = decode_tcf("tc_string", tc_string, &t);
    if (rc != GDPR_OK)
        return rc;
    in.tcf = &t;
    gdpr_engine__lock(eng);
    rc = signal_locked(eng, who, subject, &in, events_out);
    gdpr_iab__tcf_free(&t);
    return gdpr_engine__unlock(eng, rc);
}

GDPR_API int
gdpr_consent_signal_gpp(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                        const char *gpp_string, int *events_out)
{
    signal_in in = {GDPR_SIGNAL_GPP, gpp_string, NULL};
    iab_tcf t;
    iab_gpp g;
    iab_error e;
    int has_tcf = 0;
    int rc = signal_enter(eng, who, subject, events_out);

    if (rc == GDPR_OK)
        rc = check_signal_text("gpp_string", gpp_string);
    if (rc != GDPR_OK)
        return rc;
    if (gdpr_iab__gpp_decode(gpp_string, &g, &e) != 0)
        return decode_error("gpp_string", &e);
    for (int i = 0; i < g.count && rc == GDPR_OK; i++) {
        char *sec;
        if (g.ids[i] != IAB_GPP_TCFEUV2)
            continue;
        sec = strndup(g.section[i], g.section_len[i]);
        if (sec == NULL)
            return gdpr__err_set(GDPR_ENOMEM, "out of memory decoding a GPP string");
        if (gdpr_iab__tcf_decode(sec, &t, &e) != 0)
            rc = gdpr__err_set(GDPR_EINVAL, "gpp_string: section %d (tcfeuv2), bit %zu (%s): %s",
                               i + 1, e.bit, e.field, e.rule);
        else
            has_tcf = 1;
        free(sec);
    }
    if (rc != GDPR_OK)
        return rc;
    in.tcf = has_tcf ? &t : NULL;
    gdpr_engine__lock(eng);
    rc = signal_locked(eng, who, subject, &in, events_out);
    if (has_tcf)
        gdpr_iab__tcf_free(&t);
    return gdpr_engine__unlock(eng, rc);
}

/* --- reading ------------------------------------------------------------------ */

typedef struct {
    gdpr_engine *eng;
    gdpr_consent_signal_fn fn;
    gdpr_consent_conflict_fn cfn;
    void *ctx;
} read_walk;

static int
signal_row(const store_signal_row *r, void *ctx)
{
    read_walk *w = ctx;
    gdpr_consent_signal s;
    char *value = NULL;
    int rc = GDPR_OK;

    memset(&s, 0, sizeof s);
    s.id = r->id;
    s.at = r->at;
    s.kind = r->kind;
    s.actor = r->actor;
    if (r->value != NULL) {
        if (r->value_len < CRYPTO_SEAL_OVERHEAD ||
            r->value_len > IAB_TEXT_MAX + CRYPTO_SEAL_OVERHEAD)
            return gdpr__err_set(GDPR_ECORRUPT,
                                 "consent signal %lld: sealed value has a bad length",
                                 (long long)r->id);
        value = malloc(r->value_len - CRYPTO_SEAL_OVERHEAD + 1);
        if (value == NULL)
            return gdpr__err_set(GDPR_ENOMEM, "out of memory reading a consent signal");
        rc = gdpr_engine__open_field(w->eng, r->subject, "signal", r->id, "value", r->value,
                                     r->value_len, (uint8_t *)value);
        value[r->value_len - CRYPTO_SEAL_OVERHEAD] = '\0';
        s.value = value;
    }
    if (rc == GDPR_OK && w->fn(&s, w->ctx) != 0)
        rc = gdpr__err_set(GDPR_ECALLBACK, "consent signals: the callback stopped at signal %lld",
                           (long long)r->id);
    free(value);
    return rc;
}

/* The audited read both lists start with: the lock is held after it. */
static int
read_enter(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
           uint8_t hash[CRYPTO_HASH_BYTES], const char *what)
{
    int rc;

    if (subject != NULL) {
        rc = gdpr_engine__lock_subject(eng, subject, hash);
    } else {
        gdpr_engine__lock(eng);
        rc = gdpr_engine__require_policy(eng);
    }
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_CONSENT_READ, subject ? hash : NULL);
    if (rc == GDPR_OK)
        rc = gdpr_engine__begin(eng);
    if (rc == GDPR_OK)
        rc = gdpr_engine__end(eng,
                              gdpr_audit__append(eng, who, gdpr_permission__name(PERM_CONSENT_READ),
                                                 subject ? hash : NULL, GDPR_OK, what));
    return rc;
}

GDPR_API int
gdpr_consent_signals(gdpr_engine *eng, const gdpr_actor *who, const char *subject,
                     gdpr_consent_signal_fn fn, void *ctx)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    read_walk w = {eng, fn, NULL, ctx};
    int rc;

    gdpr__err_clear();
    if (gdpr_engine__check_given(eng, fn != NULL, "fn") != GDPR_OK)
        return GDPR_EINVAL;
    rc = gdpr_engine__enter_subject(eng, who, subject);
    if (rc != GDPR_OK)
        return rc;
    rc = read_enter(eng, who, subject, hash, "consent signals");
    if (rc == GDPR_OK)
        rc = gdpr_store__signal_foreach(eng->st, hash, signal_row, &w);
    return gdpr_engine__unlock(eng, rc);
}

static int
conflict_row(const store_conflict_row *r, void *ctx)
{
    read_walk *w = ctx;
    gdpr_consent_conflict c;
    char subject[2 * CRYPTO_HASH_BYTES + 1];

    gdpr__hex_encode(r->subject, CRYPTO_HASH_BYTES, subject);
    memset(&c, 0, sizeof c);
    c.id = r->id;
    c.at = r->at;
    c.subject = subject;
    c.purpose = r->purpose;
    c.kind = r->kind == STORE_CONFLICT_GPC_OVER_GRANT ? "gpc_over_grant" : "grant_after_gpc";
    c.consent_event = r->consent_event;
    c.signal = r->signal;
    c.result_event = r->result_event;
    if (w->cfn(&c, w->ctx) != 0)
        return gdpr__err_set(GDPR_ECALLBACK,
                             "consent conflicts: the callback stopped at conflict %lld",
                             (long long)r->id);
    return GDPR_OK;
}

GDPR_API int
gdpr_consent_conflicts(gdpr_engine *eng, const gdpr_actor *who, const char *subject, int64_t since,
                       gdpr_consent_conflict_fn fn, void *ctx)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    read_walk w = {eng, NULL, fn, ctx};
    int rc;

    gdpr__err_clear();
    if (gdpr_engine__check_given(eng, fn != NULL, "fn") != GDPR_OK)
        return GDPR_EINVAL;
    rc = subject != NULL ? gdpr_engine__enter_subject(eng, who, subject)
                         : gdpr_engine__enter(eng, who);
    if (rc == GDPR_OK && (since < 0 || since > CAL_MAX_TIME))
        rc = gdpr__err_set(GDPR_EINVAL,
                           "since: %lld is not a time from 1970 to 9999 (UTC seconds; 0: all)",
                           (long long)since);
    if (rc != GDPR_OK)
        return rc;
    rc = read_enter(eng, who, subject, hash, "consent conflicts");
    if (rc == GDPR_OK)
        rc = gdpr_store__conflict_foreach(eng->st, subject ? hash : NULL, since, 0, conflict_row,
                                          &w);
    return gdpr_engine__unlock(eng, rc);
}
