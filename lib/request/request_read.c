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
    memset(info, 0, gdpr_request__info_size(version));
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
    if ((int)status < 0 || (int)status > GDPR_REQUEST_STATUS_ALL_MAX)
        return gdpr__err_set(GDPR_EINVAL, "status: %d is not a request status (0 for any, 1..%d)",
                             (int)status, GDPR_REQUEST_STATUS_ALL_MAX);
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

/* The checks and the locked read every walk over one request starts with:
 * GDPR_EINVAL naming `fn` when no callback was given. */
static int
walk_begin(gdpr_engine *eng, const gdpr_actor *who, int64_t request, int has_fn,
           store_request_row **r)
{
    int rc = gdpr_request__check_call(eng, who, request);

    if (rc == GDPR_OK && !has_fn)
        rc = gdpr__err_set(GDPR_EINVAL, "fn: must not be NULL");
    if (rc == GDPR_OK)
        rc = read_begin(eng, who, request, r);
    return rc;
}

GDPR_API int
gdpr_request_history(gdpr_engine *eng, const gdpr_actor *who, int64_t request,
                     gdpr_request_event_fn fn, void *ctx)
{
    store_request_row *r;
    history_state hs;
    int rc = walk_begin(eng, who, request, fn != NULL, &r);

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

/* --- Art. 19 recipients ------------------------------------------------ */

typedef struct {
    char *recipient;
    int64_t n;
    int64_t last_at;
} recipient_item;

typedef struct {
    recipient_item *items;
    size_t n, cap;
} recipient_list;

static int
recipient_note(recipient_list *l, const char *recipient, int64_t at)
{
    recipient_item *grown;

    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->items[i].recipient, recipient) == 0) {
            l->items[i].n++;
            if (at > l->items[i].last_at)
                l->items[i].last_at = at;
            return 0;
        }
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        grown = realloc(l->items, cap * sizeof *grown);
        if (grown == NULL)
            return gdpr__err_set(GDPR_ENOMEM, "out of memory listing recipients");
        l->items = grown;
        l->cap = cap;
    }
    l->items[l->n].recipient = strdup(recipient);
    if (l->items[l->n].recipient == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory listing recipients");
    l->items[l->n].n = 1;
    l->items[l->n].last_at = at;
    l->n++;
    return 0;
}

static int
recipient_of_disclosure(const store_disclosure_row *row, void *ctx)
{
    /* People the subject named are known only by a blind index and a
     * sealed name: listed together, as the erasure tombstone does. */
    return recipient_note(
        ctx, strncmp(row->recipient, "person:", 7) == 0 ? "person" : row->recipient, row->at);
}

static int
recipient_of_transfer(const store_transfer_row *row, void *ctx)
{
    /* A refused transfer sent nothing. */
    return row->allowed ? recipient_note(ctx, row->recipient, row->at) : 0;
}

static int
recipient_cmp(const void *a, const void *b)
{
    return strcmp(((const recipient_item *)a)->recipient, ((const recipient_item *)b)->recipient);
}

int
gdpr_request__recipients(gdpr_engine *eng, const uint8_t *subject_hash, gdpr_erase_recipient_fn fn,
                         void *ctx, int64_t *count_out)
{
    recipient_list l = {NULL, 0, 0};
    int rc = gdpr_store__disclosure_foreach(eng->st, subject_hash, recipient_of_disclosure, &l);

    if (rc == GDPR_OK)
        rc = gdpr_store__transfer_foreach(eng->st, subject_hash, recipient_of_transfer, &l);
    if (rc == GDPR_OK && l.n > 1)
        qsort(l.items, l.n, sizeof *l.items, recipient_cmp);
    for (size_t i = 0; rc == GDPR_OK && fn != NULL && i < l.n; i++) {
        const policy_recipient *pr =
            eng->policy ? gdpr_policy__find_recipient(eng->policy, l.items[i].recipient) : NULL;
        gdpr_erase_recipient e;
        e.recipient = l.items[i].recipient;
        e.name = pr && pr->name ? pr->name : "";
        e.disclosures = l.items[i].n;
        e.last_at = l.items[i].last_at;
        if (fn(&e, ctx) != 0)
            rc = gdpr__err_set(GDPR_ECALLBACK, "fn: returned non-zero at recipient '%s'",
                               l.items[i].recipient);
    }
    if (rc == GDPR_OK && count_out != NULL)
        *count_out = (int64_t)l.n;
    for (size_t i = 0; i < l.n; i++)
        free(l.items[i].recipient);
    free(l.items);
    return rc;
}

GDPR_API int
gdpr_request_recipients_foreach(gdpr_engine *eng, const gdpr_actor *who, int64_t request,
                                gdpr_erase_recipient_fn fn, void *ctx)
{
    store_request_row *r;
    int rc = walk_begin(eng, who, request, fn != NULL, &r);

    if (rc != GDPR_OK)
        return rc;
    if (r->type != GDPR_REQUEST_RECTIFICATION && r->type != GDPR_REQUEST_RESTRICTION)
        rc = gdpr__err_set(GDPR_ESTATE,
                           "request %lld is of type %s: Art. 19 recipients are listed for "
                           "rectification and restriction requests (an erasure's are on its "
                           "tombstone: gdpr_erase_recipients_foreach)",
                           (long long)r->id, gdpr_request_type_name(r->type));
    if (rc == GDPR_OK)
        rc = gdpr_request__require_subject(r, 0);
    if (rc == GDPR_OK)
        rc = gdpr_request__recipients(eng, r->subject, fn, ctx, NULL);
    return read_end(eng, r, rc);
}
