/*
 * Erasure (Art. 17): exemptions first, then one transaction that removes
 * everything else of the subject and writes its tombstone, then the source
 * hooks, then a second transaction that destroys the key, then a scrub of
 * the freed bytes
 * (docs/erasure.md, docs/decisions/0003-two-files.md).
 * SPDX-License-Identifier: MIT
 */
#include "erasure_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gdpr/erasure.h"
#include "calendar.h"
#include "text.h"

#define ERASE_BATCH_MAX 100000u

/* --- the plan: what goes, what stays ----------------------------------------- */

typedef struct {
    int64_t record;
    char *category, *purpose;
    int hold; /* kept by a hold, else by a retention rule's exemption */
    char rule[GDPR_NAME_MAX + 32];
    int64_t until;
    int exemption; /* the Art. 17(3) ground */
} kept_item;

typedef struct {
    gdpr_engine *eng;
    int64_t now;
    int check_holds;
    int walk; /* some record must be looked at (a hold, a duty, a partial erasure) */
    int64_t *erase;
    size_t n_erase, cap_erase;
    kept_item *kept;
    size_t n_kept, cap_kept;
} erase_plan;

static void
plan_free(erase_plan *p)
{
    for (size_t i = 0; i < p->n_kept; i++) {
        free(p->kept[i].category);
        free(p->kept[i].purpose);
    }
    free(p->kept);
    free(p->erase);
    memset(p, 0, sizeof *p);
}

static int
plan_keep(erase_plan *p, const store_vault_row *row, int hold, const char *rule, int64_t until,
          int exemption)
{
    kept_item *k;

    if (p->n_kept == p->cap_kept) {
        size_t cap = p->cap_kept ? 2 * p->cap_kept : 8;
        void *grown = realloc(p->kept, cap * sizeof *p->kept);
        if (grown == NULL)
            return gdpr__err_set(GDPR_ENOMEM, "out of memory planning an erasure");
        p->kept = grown;
        p->cap_kept = cap;
    }
    k = &p->kept[p->n_kept];
    memset(k, 0, sizeof *k);
    k->record = row->id;
    k->hold = hold;
    k->until = until;
    k->exemption = exemption;
    snprintf(k->rule, sizeof k->rule, "%s", rule);
    k->category = gdpr_text__dup(row->category);
    k->purpose = gdpr_text__dup(row->purpose);
    p->n_kept++;
    if (k->category == NULL || k->purpose == NULL)
        return GDPR_ENOMEM;
    return GDPR_OK;
}

static int
plan_erase(erase_plan *p, int64_t record)
{
    if (p->n_erase == p->cap_erase) {
        size_t cap = p->cap_erase ? 2 * p->cap_erase : 64;
        void *grown = realloc(p->erase, cap * sizeof *p->erase);
        if (grown == NULL)
            return gdpr__err_set(GDPR_ENOMEM, "out of memory planning an erasure");
        p->erase = grown;
        p->cap_erase = cap;
    }
    p->erase[p->n_erase++] = record;
    return GDPR_OK;
}

static int
plan_record(const store_vault_row *row, void *ctx)
{
    erase_plan *p = ctx;
    record_limit lim;
    int rc = gdpr_record__limit_of(p->eng, row, RECORD_ERASE, p->now,
                                   p->check_holds ? 0u : RECORD_NO_HOLDS, &lim);

    if (rc != GDPR_OK)
        return rc;
    if (lim.kind == RECORD_HELD) {
        char name[32];
        snprintf(name, sizeof name, "hold %lld", (long long)lim.hold);
        return plan_keep(p, row, 1, name, lim.until, lim.exemption);
    }
    if (lim.kind == RECORD_DUTY)
        return plan_keep(p, row, 0, lim.rule, lim.until, lim.exemption);
    return plan_erase(p, row->id);
}

/* The exemption checks once per (purpose, category) pair (a
 * store_vault_group_fn): without holds on the subject, a record is kept
 * only by a legal-duty rule of its pair, so a pair without one goes as a
 * whole and its records need not be read. */
static int
plan_group(const char *purpose, const char *category, int64_t count, void *ctx)
{
    erase_plan *p = ctx;

    (void)count;
    if (!gdpr_record__duty_free(p->eng, purpose, category))
        p->walk = 1;
    return p->walk; /* one pair with a duty: every record is planned (below) */
}

/* The plan: which records go, which stay and why. Records are read one by
 * one only when the answer may differ between records of a pair: a hold
 * touches the subject (holds name records, purposes, collection ranges),
 * a pair has a legal-duty rule (its end follows each record's due time or
 * anchor), or an earlier erasure kept records (the ids that go now are
 * marked on its tombstone). Otherwise every record goes, by one delete of
 * the subject's records (delete_records). */
static int
plan_subject(erase_plan *p, const uint8_t hash[CRYPTO_HASH_BYTES], int had_partial)
{
    int any_hold = 0;
    int rc = gdpr_store__hold_any_for_subject(p->eng->st, hash, p->now, &any_hold);

    p->check_holds = any_hold;
    p->walk = any_hold || had_partial;
    if (rc == GDPR_OK && !p->walk) {
        rc = gdpr_store__vault_groups(p->eng->st, hash, plan_group, p);
        if (rc == GDPR_ECALLBACK && p->walk) {
            gdpr__err_clear(); /* plan_group stopped the walk: records follow */
            rc = GDPR_OK;
        }
    }
    if (rc == GDPR_OK && p->walk)
        rc = gdpr_store__vault_foreach(p->eng->st, hash, plan_record, p);
    return rc;
}

/* --- phase 1: one transaction for the data --------------------------------- */

typedef struct {
    gdpr_engine *eng;
    int64_t tombstone;
} recipient_ctx;

static int
add_recipient(const store_disclosure_row *row, void *ctx)
{
    recipient_ctx *r = ctx;
    /* A person the subject named is known only by a blind index and a
     * sealed name, both erased now: list them together. */
    const char *who = strncmp(row->recipient, "person:", 7) == 0 ? "person" : row->recipient;

    return gdpr_store__tombstone_recipient_add(r->eng->st, r->tombstone, who, 1, row->at);
}

/* Art. 19: a recipient the data went to abroad is a recipient too. A
 * refused transfer sent nothing; every allowed one counts, whatever its
 * mechanism (docs/erasure.md). */
static int
add_transfer_recipient(const store_transfer_row *row, void *ctx)
{
    recipient_ctx *r = ctx;

    if (!row->allowed)
        return 0;
    return gdpr_store__tombstone_recipient_add(r->eng->st, r->tombstone, row->recipient, 1,
                                               row->at);
}

/* The subject id, sealed under a key of its own, for every registered
 * source: the hooks run after the commit and, if they fail, later. */
static int
queue_hooks(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES], const char *subject,
            int64_t tombstone, int64_t now)
{
    static const char aad_tag[] = "erasure.pending";
    uint8_t aad[sizeof aad_tag + CRYPTO_HASH_BYTES];
    uint8_t key_id[CRYPTO_HASH_BYTES], dek[CRYPTO_KEY_BYTES], wrapped[CRYPTO_WRAPPED_BYTES];
    uint8_t sealed[GDPR_NAME_MAX + CRYPTO_SEAL_OVERHEAD];
    size_t len = strlen(subject);
    int rc;

    if (eng->sources == NULL)
        return GDPR_OK;
    rc = gdpr_crypto__random(key_id, sizeof key_id);
    if (rc == GDPR_OK)
        rc = gdpr_crypto__dek_new(eng->crypto, dek);
    if (rc == GDPR_OK)
        rc = gdpr_crypto__dek_wrap(eng->crypto, key_id, dek, wrapped);
    memcpy(aad, aad_tag, sizeof aad_tag);
    memcpy(aad + sizeof aad_tag, key_id, CRYPTO_HASH_BYTES);
    if (rc == GDPR_OK)
        rc = gdpr_crypto__seal(eng->crypto, dek, aad, sizeof aad, subject, len, sealed);
    gdpr_crypto__wipe(dek, sizeof dek);
    /* Key before data, as for a subject. */
    if (rc == GDPR_OK)
        rc = gdpr_store__key_put(eng->st, key_id, wrapped);
    for (engine_source *s = eng->sources; rc == GDPR_OK && s != NULL; s = s->next) {
        store_pending_row row;
        memset(&row, 0, sizeof row);
        row.tombstone = tombstone;
        row.subject = hash;
        row.source = s->name;
        row.key_id = key_id;
        row.sealed = sealed;
        row.sealed_len = len + CRYPTO_SEAL_OVERHEAD;
        row.since = now;
        rc = gdpr_store__pending_insert(eng->st, &row, NULL);
    }
    return rc;
}

typedef struct {
    int64_t tombstone; /* add to this tombstone (replay); 0: write a new one */
    int64_t replayed;  /* replay time, or 0 */
} erase_opts;

typedef struct {
    int64_t tombstone;
    int64_t erased, retained;
} erase_counts;

static int
write_kept(gdpr_engine *eng, const erase_plan *p, int64_t tombstone)
{
    int rc = GDPR_OK;

    for (size_t i = 0; rc == GDPR_OK && i < p->n_kept; i++) {
        const kept_item *k = &p->kept[i];
        store_kept_row row;
        row.tombstone = tombstone;
        row.record = k->record;
        row.category = k->category;
        row.purpose = k->purpose;
        row.reason = k->hold ? "hold" : "legal_duty";
        row.rule = k->rule;
        row.until = k->until;
        row.erased_at = 0;
        row.exemption = k->exemption;
        rc = gdpr_store__tombstone_kept_insert(eng->st, &row);
    }
    return rc;
}

static int
delete_records(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES], const erase_plan *p,
               int had_partial, int64_t now, int64_t *count)
{
    int rc = GDPR_OK;

    if (p->n_kept == 0) {
        rc = gdpr_store__vault_delete_subject(eng->st, hash, count);
    } else {
        for (size_t i = 0; rc == GDPR_OK && i < p->n_erase; i++)
            rc = gdpr_store__vault_delete(eng->st, p->erase[i]);
        *count = (int64_t)p->n_erase;
    }
    /* Records an earlier erasure kept and that go now. */
    for (size_t i = 0; rc == GDPR_OK && had_partial && i < p->n_erase; i++)
        rc = gdpr_store__tombstone_kept_erased(eng->st, p->erase[i], now);
    return rc;
}

static int
has_partial(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES], int *has)
{
    int64_t id = 0;
    int rc = gdpr_store__tombstone_open_partial(eng->st, hash, &id);

    *has = rc == GDPR_OK;
    return rc == GDPR_ENOTFOUND ? GDPR_OK : rc;
}

/* Everything of one subject inside the caller's transaction. `subject`
 * (the host id) may be NULL when unknown (replay of a subject whose id no
 * longer opens): then no hooks are queued. */
static int
erase_hash_locked(gdpr_engine *eng, const gdpr_actor *who, const uint8_t hash[CRYPTO_HASH_BYTES],
                  const char *subject, const char *ground, const erase_opts *o, erase_counts *out)
{
    erase_plan p;
    recipient_ctx rctx;
    store_tombstone_row t;
    int64_t now = gdpr_engine__now(eng);
    int64_t n = 0, erased = 0, tombstone = o->tombstone;
    int had_partial = 0;
    char ref[128];
    int rc;

    memset(&p, 0, sizeof p);
    memset(out, 0, sizeof *out);
    p.eng = eng;
    p.now = now;
    rc = has_partial(eng, hash, &had_partial);
    if (rc == GDPR_OK)
        rc = plan_subject(&p, hash, had_partial);
    if (rc == GDPR_OK && tombstone == 0) {
        memset(&t, 0, sizeof t);
        t.kind = STORE_TOMBSTONE_SUBJECT;
        t.subject = hash;
        t.at = now;
        t.ground = ground;
        t.actor = who->id;
        t.role = who->role;
        rc = gdpr_store__tombstone_insert(eng->st, &t, &tombstone);
    }
    if (rc == GDPR_OK)
        rc = write_kept(eng, &p, tombstone);
    /* Art. 19: the recipients, read before the log goes. */
    rctx.eng = eng;
    rctx.tombstone = tombstone;
    if (rc == GDPR_OK)
        rc = gdpr_store__disclosure_foreach(eng->st, hash, add_recipient, &rctx);
    if (rc == GDPR_OK)
        rc = gdpr_store__transfer_foreach(eng->st, hash, add_transfer_recipient, &rctx);
    if (rc == GDPR_OK)
        rc = delete_records(eng, hash, &p, had_partial, now, &n);
    erased += n;
    if (rc == GDPR_OK)
        rc = gdpr_store__identity_delete_subject(eng->st, hash, &n);
    erased += rc == GDPR_OK ? n : 0;
    if (rc == GDPR_OK)
        rc = gdpr_store__consent_delete_subject(eng->st, hash, &n);
    erased += rc == GDPR_OK ? n : 0;
    if (rc == GDPR_OK)
        rc = gdpr_store__transfer_delete_subject(eng->st, hash, &n);
    erased += rc == GDPR_OK ? n : 0;
    /* The log of who consulted the subject's data goes with the data (it
     * is about the subject); not counted in `erased`, which counts the
     * data itself. */
    if (rc == GDPR_OK)
        rc = gdpr_store__access_delete_subject(eng->st, hash, NULL);
    if (rc == GDPR_OK)
        rc = gdpr_store__erasure_scrub_requests(eng->st, hash, NULL);
    if (rc == GDPR_OK && p.n_kept == 0) {
        rc = gdpr_shred__retire_subject(eng, hash, tombstone, now);
    } else if (rc == GDPR_OK) {
        /* Art. 18(2): what is kept may only be stored. */
        rc = gdpr_store__subject_flags_update(eng->st, hash, STORE_SUBJECT_RESTRICTED, 0);
        if (rc == GDPR_ENOTFOUND) {
            gdpr__err_clear();
            rc = GDPR_OK;
        }
    }
    if (rc == GDPR_OK && subject != NULL)
        rc = queue_hooks(eng, hash, subject, tombstone, now);
    if (rc == GDPR_OK)
        rc = gdpr_store__tombstone_add(eng->st, tombstone, erased,
                                       o->tombstone ? 0 : (int64_t)p.n_kept, p.n_kept == 0,
                                       o->replayed);
    snprintf(ref, sizeof ref, "tombstone %lld: %lld erased, %zu kept%s", (long long)tombstone,
             (long long)erased, p.n_kept, o->replayed ? " (replay)" : "");
    if (rc == GDPR_OK)
        rc = gdpr_audit__append(eng, who, gdpr_permission__name(PERM_ERASE_SUBJECT), hash, GDPR_OK,
                                ref);
    if (rc == GDPR_OK) {
        out->tombstone = tombstone;
        out->erased = erased;
        out->retained = (int64_t)p.n_kept;
    }
    plan_free(&p);
    return rc;
}

/* --- source hooks -------------------------------------------------------------- */

#define HOOK_CHUNK 256

typedef struct {
    int64_t id;
    int64_t tombstone;
    uint8_t key_id[CRYPTO_HASH_BYTES];
    char source[GDPR_NAME_MAX + 1];
    uint8_t sealed[GDPR_NAME_MAX + CRYPTO_SEAL_OVERHEAD];
    size_t sealed_len;
    int outcome; /* 1 done, 0 failed, -1 stale (its key is gone) */
    char error[96];
} hook_item;

typedef struct {
    hook_item *items;
    size_t n;
    int64_t last_id;
    int64_t only_tombstone_min; /* rows of tombstones >= this (0: all) */
} hook_chunk;

static int
load_hook(const store_pending_row *row, void *ctx)
{
    hook_chunk *c = ctx;
    hook_item *h;

    c->last_id = row->id;
    if (row->tombstone < c->only_tombstone_min)
        return 0;
    if (row->sealed_len > sizeof c->items[0].sealed)
        return gdpr__err_set(GDPR_ECORRUPT, "pending hook %lld: sealed id too long",
                             (long long)row->id);
    h = &c->items[c->n++];
    memset(h, 0, sizeof *h);
    h->id = row->id;
    h->tombstone = row->tombstone;
    memcpy(h->key_id, row->key_id, CRYPTO_HASH_BYTES);
    snprintf(h->source, sizeof h->source, "%s", row->source);
    memcpy(h->sealed, row->sealed, row->sealed_len);
    h->sealed_len = row->sealed_len;
    return c->n == HOOK_CHUNK ? 1 : 0;
}

static int
open_pending_id(gdpr_engine *eng, const hook_item *h, char *subject)
{
    static const char aad_tag[] = "erasure.pending";
    uint8_t aad[sizeof aad_tag + CRYPTO_HASH_BYTES];
    uint8_t wrapped[CRYPTO_WRAPPED_BYTES], dek[CRYPTO_KEY_BYTES];
    int rc;

    if (h->sealed_len < CRYPTO_SEAL_OVERHEAD)
        return gdpr__err_set(GDPR_ECORRUPT, "pending hook %lld: sealed id too short",
                             (long long)h->id);
    rc = gdpr_store__key_get(eng->st, h->key_id, wrapped);
    if (rc == GDPR_OK)
        rc = gdpr_crypto__dek_unwrap(eng->crypto, h->key_id, wrapped, dek);
    memcpy(aad, aad_tag, sizeof aad_tag);
    memcpy(aad + sizeof aad_tag, h->key_id, CRYPTO_HASH_BYTES);
    if (rc == GDPR_OK)
        rc = gdpr_crypto__open(eng->crypto, dek, aad, sizeof aad, h->sealed, h->sealed_len,
                               (uint8_t *)subject);
    gdpr_crypto__wipe(dek, sizeof dek);
    if (rc == GDPR_OK)
        subject[h->sealed_len - CRYPTO_SEAL_OVERHEAD] = '\0';
    return rc;
}

static const engine_source *
find_source(const gdpr_engine *eng, const char *name)
{
    for (const engine_source *s = eng->sources; s != NULL; s = s->next)
        if (strcmp(s->name, name) == 0)
            return s;
    return NULL;
}

static int
copy_ground(const store_tombstone_row *row, void *ctx)
{
    snprintf(ctx, GDPR_NAME_MAX + 1, "%s", row->ground ? row->ground : "");
    return 0;
}

/* Call one hook, outside any transaction (the host may call libgdpr). A
 * version-2 hook also gets the erasure's ground (from its tombstone) and
 * the request being fulfilled (0 when none). */
static int
call_hook(gdpr_engine *eng, hook_item *h)
{
    char subject[GDPR_NAME_MAX + 1], ground[GDPR_NAME_MAX + 1] = "";
    const engine_source *src = find_source(eng, h->source);
    int rc, ret;

    if (src == NULL) {
        snprintf(h->error, sizeof h->error, "source not registered now");
        return GDPR_OK;
    }
    if (src->erase == NULL && src->erase_ex == NULL) {
        snprintf(h->error, sizeof h->error, "source has no erase hook");
        return GDPR_OK;
    }
    if (src->erase_ex != NULL) {
        rc = gdpr_store__tombstone_get(eng->st, h->tombstone, copy_ground, ground);
        if (rc != GDPR_OK) {
            snprintf(h->error, sizeof h->error, "tombstone %lld does not read (%s)",
                     (long long)h->tombstone, gdpr_strerror(rc));
            gdpr__err_clear();
            return GDPR_OK;
        }
    }
    rc = open_pending_id(eng, h, subject);
    if (rc == GDPR_ENOTFOUND) {
        /* Its key went with the last hook of the erasure; a crash kept
         * this row between the two commits. Nothing is left to do. */
        gdpr__err_clear();
        h->outcome = -1;
        return GDPR_OK;
    }
    if (rc != GDPR_OK) {
        /* Keep it pending and say why; one bad row must not block the rest. */
        snprintf(h->error, sizeof h->error, "kept subject id does not open (%s)",
                 gdpr_strerror(rc));
        gdpr__err_clear();
        return GDPR_OK;
    }
    if (src->erase_ex != NULL)
        ret = src->erase_ex(subject, ground, eng->erase_request, src->ctx);
    else
        ret = src->erase(subject, src->ctx);
    gdpr_crypto__wipe(subject, sizeof subject);
    if (ret == 0)
        h->outcome = 1;
    else
        snprintf(h->error, sizeof h->error, "hook returned %d", ret);
    return GDPR_OK;
}

/* Record a chunk's outcomes; a per-erasure key whose hooks are all done is
 * queued for destruction. */
static int
settle_hooks(gdpr_engine *eng, hook_item *items, size_t n, int64_t now, int *failed)
{
    int rc = gdpr_engine__begin(eng);

    for (size_t i = 0; rc == GDPR_OK && i < n; i++) {
        if (items[i].outcome != 0) {
            rc = gdpr_store__pending_delete(eng->st, items[i].id);
        } else {
            rc = gdpr_store__pending_update(eng->st, items[i].id, now, items[i].error);
            (*failed)++;
        }
    }
    for (size_t i = 0; rc == GDPR_OK && i < n; i++) {
        int64_t left = 0;
        rc = gdpr_store__pending_count_key(eng->st, items[i].key_id, &left);
        if (rc == GDPR_OK && left == 0)
            rc = gdpr_store__key_queue_add(eng->st, items[i].key_id, items[i].tombstone, now);
    }
    return gdpr_engine__end(eng, rc);
}

/* Run the hooks of pending rows (of tombstones >= min_tombstone; 0: all).
 * *failed_out counts hooks that failed in this run. */
static int
run_hooks(gdpr_engine *eng, int64_t min_tombstone, int *failed_out)
{
    hook_chunk c;
    int64_t after = 0;
    int rc = GDPR_OK;

    *failed_out = 0;
    c.items = malloc(HOOK_CHUNK * sizeof *c.items);
    if (c.items == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory running source hooks");
    for (;;) {
        c.n = 0;
        c.last_id = after;
        c.only_tombstone_min = min_tombstone;
        rc = gdpr_store__pending_foreach(eng->st, after, load_hook, &c);
        if (rc == GDPR_ECALLBACK) {
            gdpr__err_clear();
            rc = GDPR_OK; /* a full chunk */
        }
        if (rc != GDPR_OK || c.last_id == after)
            break;
        after = c.last_id;
        if (c.n == 0)
            continue;
        for (size_t i = 0; rc == GDPR_OK && i < c.n; i++)
            rc = call_hook(eng, &c.items[i]);
        if (rc == GDPR_OK)
            rc = settle_hooks(eng, c.items, c.n, gdpr_engine__now(eng), failed_out);
        if (rc != GDPR_OK)
            break;
    }
    gdpr_crypto__wipe(c.items, HOOK_CHUNK * sizeof *c.items);
    free(c.items);
    return rc;
}

/* --- the public calls ------------------------------------------------------------ */

static int
refuse_batch(const gdpr_engine *eng)
{
    if (eng->batch)
        return gdpr__err_set(
            GDPR_ESTATE, "erasure: not inside a gdpr_begin() batch: an erasure "
                         "commits the data before it destroys the key and then checkpoints the "
                         "WAL, which no open transaction may hold back; commit or roll back the "
                         "batch first");
    return GDPR_OK;
}

static int
check_ground(const char *ground)
{
    return gdpr_text__check("ground", ground, GDPR_NAME_MAX);
}

/* An erasure line the trail must show (a refusal, a retry or replay
 * summary), in its own small transaction. */
static int
audit_alone(gdpr_engine *eng, const gdpr_actor *who, const uint8_t *hash, int code, const char *ref)
{
    return gdpr_audit__refusal(eng, who, gdpr_permission__name(PERM_ERASE_SUBJECT), hash, code,
                               ref);
}

static int
refuse_hold(gdpr_engine *eng, const gdpr_actor *who, const uint8_t hash[CRYPTO_HASH_BYTES],
            const char *field, int64_t hold, int64_t now)
{
    store_hold_target whole;
    int64_t until = 0, found = 0;
    int ground = 0;
    char ref[64], date[11];
    int rc;

    memset(&whole, 0, sizeof whole);
    rc = gdpr_store__hold_covering(eng->st, hash, &whole, now, &found, &until, &ground);

    if (rc != GDPR_OK)
        return rc;
    snprintf(ref, sizeof ref, "refused: hold %lld", (long long)hold);
    rc = audit_alone(eng, who, hash, GDPR_ESTATE, ref);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__format_date(eng, until, date);
    return gdpr__err_set(GDPR_ESTATE,
                         "%s: under legal hold %lld until %s (%s); nothing "
                         "was erased (the hold covers the whole subject: it must be released, "
                         "or replaced by one narrowed to a purpose, category or period)",
                         field, (long long)hold, date, gdpr_policy__exemption_article(ground));
}

/* What kind of subject a hash names before an erasure. */
enum { SUBJECT_LIVE = 1, SUBJECT_ERASED = 2 };

static int
subject_state(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES], const char *field,
              int *state)
{
    int64_t id = 0, t = 0;
    int rc = gdpr_store__subject_find(eng->st, hash, &id);

    if (rc == GDPR_OK) {
        *state = SUBJECT_LIVE;
        return GDPR_OK;
    }
    if (rc != GDPR_ENOTFOUND)
        return rc;
    rc = gdpr_store__tombstone_find(eng->st, hash, STORE_TOMBSTONE_SUBJECT, NULL, INT64_MIN,
                                    INT64_MAX, &t);
    if (rc == GDPR_OK) {
        *state = SUBJECT_ERASED;
        return GDPR_OK;
    }
    if (rc == GDPR_ENOTFOUND)
        return gdpr__err_set(GDPR_ENOTFOUND,
                             "%s: the store holds no data of this subject and "
                             "never erased it",
                             field);
    return rc;
}

static void
report_add(gdpr_erase_report *sum, int64_t erased, int64_t retained, int failed)
{
    sum->erased += erased;
    sum->retained += retained;
    sum->sources_failed += failed;
}

/* Phase 2 and after: hooks of the tombstones written from `first` on,
 * queued keys, checkpoint. The erasure is committed already; a failure
 * here leaves pending work that later calls finish. */
static int
after_commit(gdpr_engine *eng, int64_t first_tombstone, int *failed_out)
{
    int rc = GDPR_OK;

    *failed_out = 0;
    if (eng->sources != NULL && first_tombstone > 0)
        rc = run_hooks(eng, first_tombstone, failed_out);
    if (rc == GDPR_OK)
        rc = gdpr_shred__finish(eng);
    if (rc != GDPR_OK && rc != GDPR_EBUSY)
        rc = gdpr__err_wrap(rc, "erasure committed; finishing it is retried by "
                                "gdpr_erase_retry_pending() and the next open");
    return rc;
}

typedef struct {
    uint8_t hash[CRYPTO_HASH_BYTES];
    size_t index; /* in the caller's array */
    int state;
} batch_item;

static int
compare_items(const void *a, const void *b)
{
    const batch_item *x = a, *y = b;
    int c = memcmp(x->hash, y->hash, CRYPTO_HASH_BYTES);

    if (c != 0)
        return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

static int
erase_many_locked(gdpr_engine *eng, const gdpr_actor *who, const char *const *subjects,
                  batch_item *items, size_t n, const char *ground, gdpr_erase_report *report)
{
    int64_t now, first = 0;
    erase_opts o = {0, 0};
    int failed = 0;
    char field[48];
    int rc = refuse_batch(eng);

    if (rc == GDPR_OK)
        rc = gdpr_engine__require_policy(eng);
    for (size_t i = 0; rc == GDPR_OK && i < n; i++)
        rc = gdpr_engine__subject_hash(eng, subjects[items[i].index], items[i].hash);
    if (rc != GDPR_OK)
        return rc;
    qsort(items, n, sizeof *items, compare_items);
    rc = gdpr_engine__authorize(eng, who, PERM_ERASE_SUBJECT, n == 1 ? items[0].hash : NULL);
    /* Whatever an earlier erasure left unfinished goes first. */
    if (rc == GDPR_OK)
        rc = gdpr_shred__finish(eng);
    if (rc == GDPR_EBUSY) {
        gdpr__err_clear();
        rc = GDPR_OK;
    }
    now = gdpr_engine__now(eng);
    for (size_t i = 0; rc == GDPR_OK && i < n; i++) {
        int64_t hold = 0;
        if (n == 1)
            snprintf(field, sizeof field, "subject");
        else
            snprintf(field, sizeof field, "subjects[%zu]", items[i].index);
        if (i > 0 && memcmp(items[i].hash, items[i - 1].hash, CRYPTO_HASH_BYTES) == 0) {
            items[i].state = 0; /* listed twice */
            continue;
        }
        rc = subject_state(eng, items[i].hash, field, &items[i].state);
        if (rc == GDPR_OK && items[i].state == SUBJECT_LIVE)
            rc = gdpr_record__held(eng, items[i].hash, NULL, now, &hold);
        if (rc == GDPR_OK && hold != 0)
            return refuse_hold(eng, who, items[i].hash, field, hold, now);
    }
    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_engine__begin(eng);
    if (rc != GDPR_OK)
        return rc;
    for (size_t i = 0; rc == GDPR_OK && i < n; i++) {
        erase_counts c;
        if (items[i].state != SUBJECT_LIVE)
            continue;
        rc = erase_hash_locked(eng, who, items[i].hash, subjects[items[i].index], ground, &o, &c);
        if (rc == GDPR_OK) {
            report_add(report, c.erased, c.retained, 0);
            if (first == 0 || c.tombstone < first)
                first = c.tombstone;
        }
        if (rc != GDPR_OK && n > 1)
            rc = gdpr__err_wrap(rc, "subjects[%zu]", items[i].index);
    }
    /* A subject erased before: note the repeated request. */
    for (size_t i = 0; rc == GDPR_OK && i < n; i++)
        if (items[i].state == SUBJECT_ERASED)
            rc = gdpr_audit__append(eng, who, gdpr_permission__name(PERM_ERASE_SUBJECT),
                                    items[i].hash, GDPR_OK, "erased before: nothing left");
    rc = gdpr_engine__end(eng, rc);
    if (rc != GDPR_OK)
        return rc;
    rc = after_commit(eng, first, &failed);
    report->sources_failed += failed;
    return rc;
}

GDPR_API int
gdpr_erase_subjects(gdpr_engine *eng, const gdpr_actor *who, const char *const *subjects, size_t n,
                    const char *ground, gdpr_erase_report *report_out)
{
    gdpr_erase_report report = {0, 0, 0};
    batch_item *items;
    int rc;

    if (report_out)
        memset(report_out, 0, sizeof *report_out);
    rc = gdpr_engine__enter(eng, who);
    if (rc == GDPR_OK && subjects == NULL)
        rc = gdpr__err_set(GDPR_EINVAL, "subjects: must not be NULL");
    if (rc == GDPR_OK && (n == 0 || n > ERASE_BATCH_MAX))
        rc = gdpr__err_set(GDPR_EINVAL, "n: %zu, a batch holds 1..%u subjects", n, ERASE_BATCH_MAX);
    for (size_t i = 0; rc == GDPR_OK && i < n; i++) {
        char field[40];
        snprintf(field, sizeof field, "subjects[%zu]", i);
        rc = gdpr_text__check(field, subjects[i], GDPR_NAME_MAX);
    }
    if (rc == GDPR_OK)
        rc = check_ground(ground);
    if (rc != GDPR_OK)
        return rc;
    items = calloc(n, sizeof *items);
    if (items == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory for %zu subjects", n);
    for (size_t i = 0; i < n; i++)
        items[i].index = i;
    gdpr_engine__lock(eng);
    rc = erase_many_locked(eng, who, subjects, items, n, ground, &report);
    free(items);
    if (report_out && (rc == GDPR_OK || rc == GDPR_EBUSY))
        *report_out = report;
    return gdpr_engine__unlock(eng, rc);
}

GDPR_API int
gdpr_erase_subject(gdpr_engine *eng, const gdpr_actor *who, const char *subject, const char *ground,
                   gdpr_erase_report *report_out)
{
    gdpr_erase_report report = {0, 0, 0};
    batch_item item;
    int rc;

    if (report_out)
        memset(report_out, 0, sizeof *report_out);
    rc = gdpr_engine__enter_subject(eng, who, subject);
    if (rc == GDPR_OK)
        rc = check_ground(ground);
    if (rc != GDPR_OK)
        return rc;
    memset(&item, 0, sizeof item);
    gdpr_engine__lock(eng);
    rc = erase_many_locked(eng, who, &subject, &item, 1, ground, &report);
    if (report_out && (rc == GDPR_OK || rc == GDPR_EBUSY))
        *report_out = report;
    return gdpr_engine__unlock(eng, rc);
}

/* --- one record ---------------------------------------------------------------- */

static int
erase_record_locked(gdpr_engine *eng, const gdpr_actor *who, int64_t record, const char *ground,
                    gdpr_erase_report *report)
{
    shred_record rec;
    int outcome = 0;
    int rc = refuse_batch(eng);

    if (rc == GDPR_OK)
        rc = gdpr_engine__require_policy(eng);
    if (rc == GDPR_OK) {
        rc = gdpr_store__vault_get(eng->st, record, gdpr_shred__record_copy, &rec);
        if (rc == GDPR_ENOTFOUND)
            rc = gdpr__err_set(GDPR_ENOTFOUND, "record: %lld is not a vault record",
                               (long long)record);
    }
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_ERASE_SUBJECT, rec.hash);
    if (rc == GDPR_OK) {
        rc = gdpr_shred__finish(eng);
        if (rc == GDPR_EBUSY) {
            gdpr__err_clear();
            rc = GDPR_OK;
        }
    }
    if (rc == GDPR_OK)
        rc = gdpr_engine__begin(eng);
    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_shred__record_in(eng, who, &rec, ground, 0, 0, &outcome);
    rc = gdpr_engine__end(eng, rc);
    if (outcome == SHRED_HELD || outcome == SHRED_KEPT) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", gdpr_errmsg());
        report->retained = 1;
        if (audit_alone(eng, who, rec.hash, GDPR_ESTATE,
                        outcome == SHRED_HELD ? "refused: record held" : "refused: legal duty") ==
            GDPR_OK)
            gdpr__err_set(GDPR_ESTATE, "%s", msg);
        return GDPR_ESTATE;
    }
    if (rc != GDPR_OK)
        return rc;
    report->erased = 1;
    rc = gdpr_shred__finish(eng);
    if (rc != GDPR_OK && rc != GDPR_EBUSY)
        rc = gdpr__err_wrap(rc, "erasure committed; finishing it is retried by "
                                "gdpr_erase_retry_pending() and the next open");
    return rc;
}

GDPR_API int
gdpr_erase_record(gdpr_engine *eng, const gdpr_actor *who, int64_t record, const char *ground,
                  gdpr_erase_report *report_out)
{
    gdpr_erase_report report = {0, 0, 0};
    int rc;

    if (report_out)
        memset(report_out, 0, sizeof *report_out);
    rc = gdpr_engine__enter(eng, who);
    if (rc == GDPR_OK)
        rc = gdpr_text__check_id("record", "a record id", record);
    if (rc == GDPR_OK)
        rc = check_ground(ground);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = erase_record_locked(eng, who, record, ground, &report);
    if (report_out)
        *report_out = report;
    return gdpr_engine__unlock(eng, rc);
}

/* --- pending work ------------------------------------------------------------------ */

int
gdpr_erasure__retry_pending_locked(gdpr_engine *eng, const gdpr_actor *who, int *remaining_out)
{
    int failed = 0;
    char ref[64];
    int rc = gdpr_shred__finish(eng);

    if (rc == GDPR_EBUSY) {
        gdpr__err_clear();
        rc = GDPR_OK;
    }
    if (rc == GDPR_OK)
        rc = run_hooks(eng, 0, &failed);
    if (rc == GDPR_OK) {
        snprintf(ref, sizeof ref, "retry: %d hooks still failing", failed);
        rc = audit_alone(eng, who, NULL, GDPR_OK, ref);
    }
    if (rc == GDPR_OK)
        rc = gdpr_shred__finish(eng);
    if (remaining_out)
        *remaining_out = failed;
    return rc;
}

GDPR_API int
gdpr_erase_retry_pending(gdpr_engine *eng, const gdpr_actor *who, int *remaining_out)
{
    int rc;

    if (remaining_out)
        *remaining_out = 0;
    rc = gdpr_engine__enter(eng, who);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = refuse_batch(eng);
    if (rc == GDPR_OK)
        rc = gdpr_engine__require_policy(eng);
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_ERASE_SUBJECT, NULL);
    if (rc == GDPR_OK)
        rc = gdpr_erasure__retry_pending_locked(eng, who, remaining_out);
    return gdpr_engine__unlock(eng, rc);
}

typedef struct {
    gdpr_erase_pending_fn fn;
    void *ctx;
    int64_t now;
} pending_walk;

static int
walk_source(const store_pending_row *row, void *ctx)
{
    pending_walk *w = ctx;
    gdpr_erase_pending p;
    char hex[2 * CRYPTO_HASH_BYTES + 1];

    gdpr__hex_encode(row->subject, CRYPTO_HASH_BYTES, hex);
    memset(&p, 0, sizeof p);
    p.kind = GDPR_PENDING_SOURCE;
    p.id = row->id;
    p.tombstone = row->tombstone;
    p.subject_hash = hex;
    p.source = row->source;
    p.since = row->since;
    p.attempts = row->attempts;
    p.last_attempt = row->last_at;
    p.last_error = row->last_error;
    return w->fn(&p, w->ctx) != 0 ? 1 : 0;
}

static int
walk_key(const uint8_t *hash, int64_t tombstone, int64_t queued, void *ctx)
{
    pending_walk *w = ctx;
    gdpr_erase_pending p;
    char hex[2 * CRYPTO_HASH_BYTES + 1];

    gdpr__hex_encode(hash, CRYPTO_HASH_BYTES, hex);
    memset(&p, 0, sizeof p);
    p.kind = GDPR_PENDING_KEY;
    p.tombstone = tombstone;
    p.subject_hash = hex;
    p.source = "";
    p.since = queued;
    p.last_error = "";
    return w->fn(&p, w->ctx) != 0 ? 1 : 0;
}

static int
walk_unwiped(const store_tombstone_row *row, void *ctx)
{
    pending_walk *w = ctx;
    gdpr_erase_pending p;
    char hex[2 * CRYPTO_HASH_BYTES + 1];

    if (row->wiped)
        return 0;
    gdpr__hex_encode(row->subject, CRYPTO_HASH_BYTES, hex);
    memset(&p, 0, sizeof p);
    p.kind = GDPR_PENDING_CHECKPOINT;
    p.tombstone = row->id;
    p.subject_hash = hex;
    p.source = "";
    p.since = row->at;
    p.last_error = "";
    return w->fn(&p, w->ctx) != 0 ? 1 : 0;
}

GDPR_API int
gdpr_erase_pending_foreach(gdpr_engine *eng, gdpr_erase_pending_fn fn, void *ctx)
{
    pending_walk w;
    int keys = 0, unwiped = 0;
    int rc;

    if (gdpr_engine__check_given(eng, fn != NULL, "fn") != GDPR_OK)
        return GDPR_EINVAL;
    w.fn = fn;
    w.ctx = ctx;
    gdpr_engine__lock(eng);
    w.now = gdpr_engine__now(eng);
    rc = gdpr_store__pending_foreach(eng->st, 0, walk_source, &w);
    if (rc == GDPR_OK)
        rc = gdpr_store__erasure_unfinished(eng->st, &keys, &unwiped);
    if (rc == GDPR_OK && keys)
        rc = gdpr_store__key_queue_foreach(eng->st, walk_key, &w);
    if (rc == GDPR_OK && unwiped)
        rc = gdpr_store__tombstone_foreach(eng->st, NULL, 0, walk_unwiped, &w);
    return gdpr_engine__unlock(eng, rc);
}

/* --- replay ------------------------------------------------------------------------- */

#define REPLAY_CHUNK 256

typedef struct {
    int64_t id;
    int kind;
    uint8_t hash[CRYPTO_HASH_BYTES];
    int64_t at;
    char ground[GDPR_NAME_MAX + 1];
} replay_item;

typedef struct {
    replay_item *items;
    size_t n;
} replay_chunk;

static int
load_replay(const store_tombstone_row *row, void *ctx)
{
    replay_chunk *c = ctx;
    replay_item *r = &c->items[c->n++];

    r->id = row->id;
    r->kind = row->kind;
    memcpy(r->hash, row->subject, CRYPTO_HASH_BYTES);
    r->at = row->at;
    snprintf(r->ground, sizeof r->ground, "%s", row->ground);
    return c->n == REPLAY_CHUNK ? 1 : 0;
}

typedef struct {
    gdpr_engine *eng;
    const gdpr_actor *who;
    const replay_item *t;
    int64_t erased;
    int rc;
} replay_records_ctx;

static int
replay_record(int64_t record, void *ctx)
{
    replay_records_ctx *r = ctx;
    shred_record rec;
    int outcome = 0;
    int rc = gdpr_store__vault_get(r->eng->st, record, gdpr_shred__record_copy, &rec);

    if (rc == GDPR_ENOTFOUND) {
        gdpr__err_clear();
        return 0;
    }
    if (rc != GDPR_OK)
        return rc;
    /* Only the record that was erased: same subject, collected before. */
    if (memcmp(rec.hash, r->t->hash, CRYPTO_HASH_BYTES) != 0 || rec.row.collected > r->t->at)
        return 0;
    rc = gdpr_shred__record_in(r->eng, r->who, &rec, r->t->ground, r->t->id, 0, &outcome);
    if (rc == GDPR_ESTATE && outcome != SHRED_ERASED) {
        gdpr__err_clear();
        return 0; /* held or under a duty now: left as it is */
    }
    if (rc == GDPR_OK)
        r->erased++;
    return rc;
}

/* Whether a subject tombstone finds anything to erase again. */
static int
replay_wanted(gdpr_engine *eng, const replay_item *t, int *wanted)
{
    int64_t created = 0, hold = 0;
    int has = 0, key = 0;
    int rc = gdpr_store__subject_created(eng->st, t->hash, &created);

    *wanted = 0;
    if (rc == GDPR_OK && created > t->at)
        return GDPR_OK; /* a new subject with the same id, after the erasure */
    if (rc != GDPR_OK && rc != GDPR_ENOTFOUND)
        return rc;
    if (rc == GDPR_OK) {
        has = 1;
    } else {
        rc = gdpr_store__subject_has_data(eng->st, t->hash, &has);
        if (rc == GDPR_OK && !has)
            rc = gdpr_store__key_exists(eng->st, t->hash, &key);
        if (rc != GDPR_OK)
            return rc;
    }
    if (!has && !key)
        return GDPR_OK;
    rc = gdpr_record__held(eng, t->hash, NULL, gdpr_engine__now(eng), &hold);
    if (rc == GDPR_OK && hold == 0)
        *wanted = 1;
    return rc;
}

static int
replay_subject(gdpr_engine *eng, const gdpr_actor *who, const replay_item *t,
               gdpr_erase_report *report, int64_t *found)
{
    erase_opts o;
    erase_counts c;
    char *subject = NULL;
    int wanted = 0;
    int rc = replay_wanted(eng, t, &wanted);

    if (rc != GDPR_OK || !wanted)
        return rc;
    /* The id opens while the restored keystore still holds the key; then
     * the sources are told again. */
    if (gdpr_engine__subject_ident(eng, t->hash, &subject) != GDPR_OK) {
        gdpr__err_clear();
        subject = NULL;
    }
    o.tombstone = t->id;
    o.replayed = gdpr_engine__now(eng);
    rc = gdpr_engine__begin(eng);
    if (rc == GDPR_OK)
        rc =
            gdpr_engine__end(eng, erase_hash_locked(eng, who, t->hash, subject, t->ground, &o, &c));
    if (subject != NULL) {
        gdpr_crypto__wipe(subject, strlen(subject));
        free(subject);
    }
    /* Found again: something came back and went, or the key went. */
    if (rc == GDPR_OK && (c.erased > 0 || c.retained == 0)) {
        report_add(report, c.erased, c.retained, 0);
        (*found)++;
    }
    return rc;
}

static int
replay_records(gdpr_engine *eng, const gdpr_actor *who, const replay_item *t,
               gdpr_erase_report *report, int64_t *found)
{
    replay_records_ctx r = {eng, who, t, 0, GDPR_OK};
    int rc = gdpr_engine__begin(eng);

    if (rc != GDPR_OK)
        return rc;
    rc = gdpr_engine__end(eng,
                          gdpr_store__tombstone_record_foreach(eng->st, t->id, replay_record, &r));
    if (rc == GDPR_OK) {
        report_add(report, r.erased, 0, 0);
        *found += r.erased;
    }
    return rc;
}

static int
replay_locked(gdpr_engine *eng, const gdpr_actor *who, gdpr_erase_report *report, int64_t *found)
{
    replay_chunk c;
    int64_t after = 0;
    int failed = 0;
    char ref[96];
    int rc = refuse_batch(eng);

    if (rc == GDPR_OK)
        rc = gdpr_engine__require_policy(eng);
    if (rc == GDPR_OK)
        rc = gdpr_engine__authorize(eng, who, PERM_ERASE_SUBJECT, NULL);
    if (rc != GDPR_OK)
        return rc;
    c.items = malloc(REPLAY_CHUNK * sizeof *c.items);
    if (c.items == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory replaying tombstones");
    for (;;) {
        c.n = 0;
        rc = gdpr_store__tombstone_foreach(eng->st, NULL, after, load_replay, &c);
        if (rc == GDPR_ECALLBACK) {
            gdpr__err_clear();
            rc = GDPR_OK;
        }
        if (rc != GDPR_OK || c.n == 0)
            break;
        after = c.items[c.n - 1].id;
        for (size_t i = 0; rc == GDPR_OK && i < c.n; i++) {
            if (c.items[i].kind == STORE_TOMBSTONE_SUBJECT)
                rc = replay_subject(eng, who, &c.items[i], report, found);
            else
                rc = replay_records(eng, who, &c.items[i], report, found);
            if (rc != GDPR_OK)
                rc = gdpr__err_wrap(rc, "replaying tombstone %lld", (long long)c.items[i].id);
        }
        if (rc != GDPR_OK || c.n < REPLAY_CHUNK)
            break;
    }
    free(c.items);
    snprintf(ref, sizeof ref, "replay: %lld found again, %lld rows erased", (long long)*found,
             (long long)report->erased);
    if (rc == GDPR_OK)
        rc = audit_alone(eng, who, NULL, GDPR_OK, ref);
    if (rc == GDPR_OK)
        rc = after_commit(eng, eng->sources != NULL ? 1 : 0, &failed);
    report->sources_failed += failed;
    return rc;
}

GDPR_API int
gdpr_erase_replay(gdpr_engine *eng, const gdpr_actor *who, int64_t *subjects_out,
                  gdpr_erase_report *report_out)
{
    gdpr_erase_report report = {0, 0, 0};
    int64_t found = 0;
    int rc;

    if (subjects_out)
        *subjects_out = 0;
    if (report_out)
        memset(report_out, 0, sizeof *report_out);
    rc = gdpr_engine__enter(eng, who);
    if (rc != GDPR_OK)
        return rc;
    gdpr_engine__lock(eng);
    rc = replay_locked(eng, who, &report, &found);
    if (rc == GDPR_OK || rc == GDPR_EBUSY) {
        if (subjects_out)
            *subjects_out = found;
        if (report_out)
            *report_out = report;
    }
    return gdpr_engine__unlock(eng, rc);
}
