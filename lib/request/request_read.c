/*
 * Data-subject requests: reading a request, the register list, the case
 * history with its notes opened, and the subject a request names.
 * SPDX-License-Identifier: MIT
 */
#include "request_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "text.h"

/* --- reading --------------------------------------------------------- */

static int
check_info(const gdpr_request_info *out)
{
    if (out == NULL)
        return gdpr__err_set(GDPR_EINVAL, "out: must not be NULL");
    if (out->version == 0 || out->version > GDPR_REQUEST_INFO_VERSION)
        return gdpr__err_set(GDPR_EVERSION,
                             "out.version: %u is not a known info version (1..%u); "
                             "use gdpr_request_info_init()",
                             out->version, GDPR_REQUEST_INFO_VERSION);
    return GDPR_OK;
}

GDPR_API int
gdpr_request_info_init(gdpr_request_info *info, unsigned int version)
{
    gdpr__err_clear();
    if (info == NULL)
        return gdpr__err_set(GDPR_EINVAL, "info: must not be NULL");
    if (version == 0 || version > GDPR_REQUEST_INFO_VERSION)
        return gdpr__err_set(GDPR_EVERSION, "version: %u is not a known info version (1..%u)",
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

    if (gdpr_engine__check_eng(eng) != GDPR_OK)
        return GDPR_EINVAL;
    rc = check_info(out);
    if (rc == GDPR_OK)
        rc = gdpr_request__check_id(request);
    if (rc != GDPR_OK)
        return rc;
    r = malloc(sizeof *r);
    if (r == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory reading a request");
    gdpr_engine__lock(eng);
    rc = gdpr_request__load(eng, request, r);
    if (rc == GDPR_OK)
        gdpr_request__info_fill(r, out);
    gdpr_engine__unlock(eng, rc);
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

    gdpr_request__info_fill(row, &ls->info);
    return ls->fn(&ls->info, ls->ctx);
}

int
gdpr_request__list_rows(gdpr_engine *eng,
                        int (*walk)(gdpr_engine *, store_request_fn, void *, const void *),
                        const void *arg, gdpr_request_fn fn, void *ctx)
{
    list_state *ls = malloc(sizeof *ls);
    int rc;

    if (ls == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory listing requests");
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
    return gdpr_store__request_foreach(eng->st, f->hash, f->status, fn, ctx);
}

GDPR_API int
gdpr_request_list(gdpr_engine *eng, const char *subject, gdpr_request_status status,
                  gdpr_request_fn fn, void *ctx)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    list_filter f;
    int rc;

    if (gdpr_engine__check_given(eng, fn != NULL, "fn") != GDPR_OK)
        return GDPR_EINVAL;
    if ((int)status < 0 || (int)status > GDPR_REQUEST_STATUS_MAX)
        return gdpr__err_set(GDPR_EINVAL, "status: %d is not a request status (0 for any, 1..%d)",
                             (int)status, GDPR_REQUEST_STATUS_MAX);
    rc = gdpr_text__check_optional("subject", subject, GDPR_NAME_MAX);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    f.hash = NULL;
    f.status = (int)status;
    if (subject != NULL) {
        rc = gdpr_engine__subject_hash(eng, subject, hash);
        f.hash = hash;
    }
    if (rc == GDPR_OK)
        rc = gdpr_request__list_rows(eng, walk_list, &f, fn, ctx);
    return gdpr_engine__unlock(eng, rc);
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
            return gdpr__err_set(GDPR_ECORRUPT, "request event %lld: damaged note",
                                 (long long)row->id);
        note = malloc(row->note_len - CRYPTO_SEAL_OVERHEAD + 1);
        if (note == NULL)
            return gdpr__err_set(GDPR_ENOMEM, "out of memory opening a note");
        rc = gdpr_engine__open_field(hs->eng, hs->r->subject, "request_event", row->id, "note",
                                     row->note, row->note_len, (uint8_t *)note);
        if (rc == GDPR_ENOTFOUND) {
            /* The subject's key is gone (erased): the note with it. */
            free(note);
            note = NULL;
            gdpr__err_clear();
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
        gdpr_crypto__wipe(note, row->note_len - CRYPTO_SEAL_OVERHEAD);
        free(note);
    }
    return rc;
}

/* Loads a request under the lock for one allowed to open it; the lock is
 * held and `*out` (freed by read_end) set only when it returns GDPR_OK. */
static int
read_begin(gdpr_engine *eng, const gdpr_actor *who, int64_t request, store_request_row **out)
{
    store_request_row *r = malloc(sizeof *r);
    int rc;

    *out = NULL;
    if (r == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory reading a request");
    gdpr_engine__lock(eng);
    rc = gdpr_engine__require_policy(eng);
    if (rc == GDPR_OK)
        rc = gdpr_request__load(eng, request, r);
    if (rc == GDPR_OK)
        rc =
            gdpr_engine__authorize(eng, who, PERM_REQUEST_OPEN, r->has_subject ? r->subject : NULL);
    if (rc != GDPR_OK) {
        gdpr_engine__unlock(eng, rc);
        free(r);
        return rc;
    }
    *out = r;
    return GDPR_OK;
}

/* Unlocks and frees what read_begin took; returns rc. */
static int
read_end(gdpr_engine *eng, store_request_row *r, int rc)
{
    gdpr_engine__unlock(eng, rc);
    free(r);
    return rc;
}

GDPR_API int
gdpr_request_history(gdpr_engine *eng, const gdpr_actor *who, int64_t request,
                     gdpr_request_event_fn fn, void *ctx)
{
    store_request_row *r;
    history_state hs;
    int rc = gdpr_request__check_call(eng, who, request);

    if (rc == GDPR_OK && fn == NULL)
        rc = gdpr__err_set(GDPR_EINVAL, "fn: must not be NULL");
    if (rc != GDPR_OK)
        return rc;
    rc = read_begin(eng, who, request, &r);
    if (rc != GDPR_OK)
        return rc;
    hs.eng = eng;
    hs.r = r;
    hs.fn = fn;
    hs.ctx = ctx;
    rc = gdpr_store__request_event_foreach(eng->st, request, history_one, &hs);
    return read_end(eng, r, rc);
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
        return gdpr__err_set(GDPR_ECORRUPT, "request %lld: damaged identifier", (long long)r->id);
    len = r->ident_value_len - CRYPTO_SEAL_OVERHEAD;
    plain = malloc(len + 1);
    if (plain == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory opening an identifier");
    rc = gdpr_engine__open_field(eng, r->subject, "request", r->id, "ident_value", r->ident_value,
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
gdpr_request_subject(gdpr_engine *eng, const gdpr_actor *who, int64_t request, char **subject_out,
                     char **id_value_out)
{
    store_request_row *r;
    int rc = gdpr_request__check_call(eng, who, request);

    if (subject_out)
        *subject_out = NULL;
    if (id_value_out)
        *id_value_out = NULL;
    if (rc == GDPR_OK && subject_out == NULL)
        rc = gdpr__err_set(GDPR_EINVAL, "subject_out: must not be NULL");
    if (rc != GDPR_OK)
        return rc;
    rc = read_begin(eng, who, request, &r);
    if (rc != GDPR_OK)
        return rc;
    if (r->has_subject)
        rc = gdpr_engine__subject_ident(eng, r->subject, subject_out);
    if (rc == GDPR_OK && id_value_out != NULL)
        rc = open_ident_value(eng, r, id_value_out);
    if (rc != GDPR_OK && *subject_out) {
        free(*subject_out);
        *subject_out = NULL;
    }
    return read_end(eng, r, rc);
}
