/*
 * Data-subject requests: fulfilment helpers. Each checks the request
 * (type, status, matched and verified subject, grace period, closing
 * authority), runs the capability that does the work through its public
 * call (the engine's lock is recursive), and then closes the request in
 * its own transaction with a history event naming the work. The work is
 * not inside the request's transaction: a refusal inside it must stay in
 * the audit trail, and an export must not hold the write lock while it
 * streams. If closing fails after the work, the request stays open and
 * the trail shows the work: fulfil again or close it by hand.
 *
 * The work_* functions below are the seams where the other capabilities
 * plug in (see docs/requests.md, "Fulfilment").
 * SPDX-License-Identifier: MIT
 */
#include "request_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gdpr/consent.h"
#include "gdpr/erasure.h"
#include "gdpr/export.h"
#include "gdpr/vault.h"
#include "text.h"

/* --- the seams ------------------------------------------------------- */

/* Access and portability: the subject access export. */
static int
work_export(gdpr_engine *eng, const gdpr_actor *who, const char *subject, int format,
            gdpr_write_fn write, void *ctx)
{
    return gdpr_export_subject(eng, who, subject, format, write, ctx);
}

/* Erasure: the erasure capability (gdpr_erase_subject). GDPR_EBUSY means
 * the erasure is committed and the key destroyed but the WAL checkpoint
 * was kept busy: the erasure capability keeps that as pending work and
 * retries it, so the request is fulfilled (docs/erasure.md). */
static int
work_erase(gdpr_engine *eng, const gdpr_actor *who, int64_t request, const char *subject,
           const char *ground, int64_t *erased_out, int64_t *retained_out)
{
    gdpr_erase_report report = {0, 0, 0};
    int rc;

    eng->erase_request = request; /* for version-2 source hooks */
    rc = gdpr_erase_subject(eng, who, subject, ground, &report);
    eng->erase_request = 0;

    if (rc == GDPR_EBUSY) {
        gdpr__err_clear();
        rc = GDPR_OK;
    }
    *erased_out = report.erased;
    *retained_out = report.retained;
    return rc;
}

/* Restriction (Art. 18) and objection (Art. 21): the subject's flags. */
static int
work_limit(gdpr_engine *eng, const gdpr_actor *who, const char *subject, int type)
{
    return type == GDPR_REQUEST_RESTRICTION ? gdpr_subject_restrict(eng, who, subject)
                                            : gdpr_subject_object(eng, who, subject);
}

/* Rectification (Art. 16): the vault replaces the value. */
static int
work_rectify(gdpr_engine *eng, const gdpr_actor *who, int64_t record, const void *value, size_t len)
{
    return gdpr_vault_rectify(eng, who, record, value, len);
}

/* --- helpers ----------------------------------------------------------- */

/* The work failed: say which request it was for. */
static int
work_failed(int rc, const store_request_row *r, const char *what)
{
    return gdpr__err_wrap(rc, "request %lld: %s", (long long)r->id, what);
}

/* --- access and portability ------------------------------------------ */

typedef struct {
    int format;
    gdpr_write_fn write;
    void *ctx;
} export_arg;

static int
export_step(gdpr_engine *eng, const gdpr_actor *who, store_request_row *r, const void *arg)
{
    static const int types[] = {GDPR_REQUEST_ACCESS, GDPR_REQUEST_PORTABILITY, 0};
    const export_arg *a = arg;
    char *subject = NULL;
    char detail[64];
    int rc = gdpr_request__fulfil_check(eng, who, r, types);

    /* Refused before the transaction below, so the refusal's audit event
     * is not rolled back with it. */
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_EXPORT_SUBJECT, r->subject);
    if (rc != GDPR_OK)
        return rc;
    /* The export's audit event and the closing of the request commit
     * together: a failure of either leaves the store as it was. */
    rc = gdpr_engine__begin(eng);
    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_request__subject_id(eng, r, &subject);
    if (rc == GDPR_OK)
        rc = work_export(eng, who, subject, a->format, a->write, a->ctx);
    if (subject != NULL) {
        gdpr_crypto__wipe(subject, strlen(subject));
        free(subject);
    }
    if (rc != GDPR_OK)
        return gdpr_engine__end(eng, work_failed(rc, r, "export"));
    snprintf(detail, sizeof detail, "by export.subject (%s)",
             a->format == GDPR_EXPORT_JSON ? "json" : "csv");
    return gdpr_engine__end(eng, gdpr_request__fulfil_close(eng, who, r, detail, NULL));
}

GDPR_API int
gdpr_request_fulfil_export(gdpr_engine *eng, const gdpr_actor *who, int64_t request, int format,
                           gdpr_write_fn write, void *ctx)
{
    export_arg a = {format, write, ctx};
    int rc = gdpr_request__check_call(eng, who, request);

    if (rc == GDPR_OK && write == NULL)
        rc = gdpr__err_set(GDPR_EINVAL, "write: must not be NULL");
    if (rc == GDPR_OK && format != GDPR_EXPORT_JSON && format != GDPR_EXPORT_CSV)
        rc = gdpr__err_set(GDPR_EINVAL,
                           "format: %d is neither GDPR_EXPORT_JSON (1) nor "
                           "GDPR_EXPORT_CSV (2)",
                           format);
    if (rc != GDPR_OK)
        return rc;
    return gdpr_request__run(eng, who, request, export_step, &a);
}

/* --- restriction and objection --------------------------------------- */

static int
limit_step(gdpr_engine *eng, const gdpr_actor *who, store_request_row *r, const void *arg)
{
    static const int types[] = {GDPR_REQUEST_RESTRICTION, GDPR_REQUEST_OBJECTION, 0};
    char *subject = NULL;
    int rc = gdpr_request__fulfil_check(eng, who, r, types);

    (void)arg;
    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_request__subject_id(eng, r, &subject);
    if (rc == GDPR_OK)
        rc = work_limit(eng, who, subject, r->type);
    if (subject != NULL) {
        gdpr_crypto__wipe(subject, strlen(subject));
        free(subject);
    }
    if (rc != GDPR_OK)
        return work_failed(rc, r,
                           r->type == GDPR_REQUEST_RESTRICTION ? "restriction" : "objection");
    return gdpr_request__fulfil_close(
        eng, who, r,
        r->type == GDPR_REQUEST_RESTRICTION ? "by subject.restrict" : "by subject.object", NULL);
}

GDPR_API int
gdpr_request_fulfil_limit(gdpr_engine *eng, const gdpr_actor *who, int64_t request)
{
    int rc = gdpr_request__check_call(eng, who, request);

    if (rc != GDPR_OK)
        return rc;
    return gdpr_request__run(eng, who, request, limit_step, NULL);
}

/* --- rectification --------------------------------------------------- */

typedef struct {
    int64_t record;
    const void *value;
    size_t len;
} rectify_arg;

typedef struct {
    const uint8_t *subject;
    int same;
} owner_check;

static int
record_owner(const store_vault_row *row, void *ctx)
{
    owner_check *oc = ctx;

    oc->same = gdpr_crypto__equal(row->subject, oc->subject, CRYPTO_HASH_BYTES);
    return 0;
}

static int
rectify_step(gdpr_engine *eng, const gdpr_actor *who, store_request_row *r, const void *arg)
{
    const rectify_arg *a = arg;
    owner_check oc = {r->subject, 0};
    char detail[64];
    int rc;

    if (r->type != GDPR_REQUEST_RECTIFICATION)
        return gdpr__err_set(GDPR_ESTATE, "request %lld is a%s %s request, not a rectification",
                             (long long)r->id,
                             r->type == GDPR_REQUEST_ACCESS || r->type == GDPR_REQUEST_ERASURE ||
                                     r->type == GDPR_REQUEST_OBJECTION
                                 ? "n"
                                 : "",
                             gdpr_request_type_name(r->type));
    rc = gdpr_request__can_move(r, GDPR_REQUEST_IN_PROGRESS);
    if (rc == GDPR_OK)
        rc = gdpr_request__require_subject(r, 1);
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_REQUEST_MANAGE, r->subject);
    if (rc == GDPR_OK)
        rc = gdpr_store__vault_get(eng->st, a->record, record_owner, &oc);
    if (rc == GDPR_OK && !oc.same)
        rc = gdpr__err_set(GDPR_EINVAL,
                           "record: %lld belongs to another subject than request %lld's",
                           (long long)a->record, (long long)r->id);
    if (rc == GDPR_OK)
        rc = work_rectify(eng, who, a->record, a->value, a->len);
    if (rc != GDPR_OK)
        return rc == GDPR_EINVAL || rc == GDPR_ENOTFOUND ? rc : work_failed(rc, r, "rectification");
    r->status = GDPR_REQUEST_IN_PROGRESS;
    snprintf(detail, sizeof detail, "record %lld by vault.rectify", (long long)a->record);
    rc = gdpr_engine__begin(eng);
    if (rc == GDPR_OK)
        rc = gdpr_engine__end(eng, gdpr_request__commit_step(eng, who, r, PERM_REQUEST_MANAGE,
                                                             "rectify", detail, NULL));
    return rc;
}

GDPR_API int
gdpr_request_rectify(gdpr_engine *eng, const gdpr_actor *who, int64_t request, int64_t record,
                     const void *value, size_t len)
{
    rectify_arg a = {record, value, len};
    int rc = gdpr_request__check_call(eng, who, request);

    if (rc != GDPR_OK)
        return rc;
    if (record <= 0)
        return gdpr__err_set(GDPR_EINVAL, "record: %lld is not a vault record id",
                             (long long)record);
    if (value == NULL && len > 0)
        return gdpr__err_set(GDPR_EINVAL, "value: NULL with len %zu", len);
    if (len > GDPR_VAULT_VALUE_MAX)
        return gdpr__err_set(GDPR_EINVAL, "len: %zu is over GDPR_VAULT_VALUE_MAX (%u)", len,
                             GDPR_VAULT_VALUE_MAX);
    return gdpr_request__run(eng, who, request, rectify_step, &a);
}

/* --- erasure --------------------------------------------------------- */

typedef struct {
    const char *ground;
    int64_t *erased_out;
    int64_t *retained_out;
} erase_arg;

static int
erase_step(gdpr_engine *eng, const gdpr_actor *who, store_request_row *r, const void *arg)
{
    static const int types[] = {GDPR_REQUEST_ERASURE, 0};
    const erase_arg *a = arg;
    int64_t erased = 0, retained = 0;
    char *subject = NULL;
    char detail[96];
    int rc = gdpr_request__fulfil_check(eng, who, r, types);

    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_request__subject_id(eng, r, &subject);
    if (rc == GDPR_OK)
        rc = work_erase(eng, who, r->id, subject, a->ground, &erased, &retained);
    if (subject != NULL) {
        gdpr_crypto__wipe(subject, strlen(subject));
        free(subject);
    }
    if (rc != GDPR_OK)
        return work_failed(rc, r, "erasure");
    /* The erasure cleared the identifier the request came with (blind
     * index and sealed value); closing must not write them back. */
    r->has_ident_hash = 0;
    r->ident_value_len = 0;
    if (a->erased_out)
        *a->erased_out = erased;
    if (a->retained_out)
        *a->retained_out = retained;
    snprintf(detail, sizeof detail, "by erase.subject (%lld erased, %lld retained)",
             (long long)erased, (long long)retained);
    return gdpr_request__fulfil_close(eng, who, r, detail, NULL);
}

GDPR_API int
gdpr_request_fulfil_erasure(gdpr_engine *eng, const gdpr_actor *who, int64_t request,
                            const char *ground, int64_t *erased_out, int64_t *retained_out)
{
    erase_arg a = {ground, erased_out, retained_out};
    int rc;

    if (erased_out)
        *erased_out = 0;
    if (retained_out)
        *retained_out = 0;
    rc = gdpr_request__check_call(eng, who, request);
    if (rc == GDPR_OK)
        rc = gdpr_text__check("ground", ground, GDPR_NAME_MAX);
    if (rc != GDPR_OK)
        return rc;
    return gdpr_request__run(eng, who, request, erase_step, &a);
}
