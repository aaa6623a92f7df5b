/*
 * The erasure primitives every capability may use (lib/core/shred.h):
 * deleting one record under the restriction check, retiring a subject
 * whose last record went, and finishing: destroying queued keys and
 * scrubbing freed bytes once the data commit is durable
 * (docs/decisions/0003-two-files.md, docs/erasure.md).
 * SPDX-License-Identifier: MIT
 */
#include "shred.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "calendar.h"
#include "error.h"

/* A busy scrub is retried with back-off (10 ms, doubling, at most 200 ms
 * between tries) until the budget has passed since the first try, and at
 * least SCRUB_MIN_ATTEMPTS times; each try may itself wait up to the busy
 * timeout for readers. The budget is SCRUB_BUDGET_MS or the busy timeout,
 * whichever is longer: a checkpoint that cannot start is refused at once
 * (SQLite's busy handler is not called for the checkpoint lock), while the
 * other engine's checkpoint holding that lock may itself wait up to its
 * busy timeout for writers and readers; a 2 s budget gave up first under
 * three writing processes (docs/erasure.md "Checkpoint budget"). */
#define SCRUB_BUDGET_MS 2000
#define SCRUB_MIN_ATTEMPTS 3
#define SCRUB_BACKOFF_FIRST_MS 10
#define SCRUB_BACKOFF_MAX_MS 200

/* --- finishing: queued keys, scrub ---------------------------------------- */

/* A transaction whose data-file part commits unsynced: only for
 * bookkeeping a crash may undo because the next open redoes it (queue rows
 * of keys already destroyed, "wiped" marks). The keystore part is synced
 * as always; the scrub that follows makes the data file durable. The
 * store takes the setting only outside a transaction. */
static int
begin_relaxed(gdpr_engine *eng)
{
    int rc = gdpr_store__relax_durability(eng->st, 1);

    if (rc == GDPR_OK)
        rc = gdpr_engine__begin(eng);
    if (rc != GDPR_OK)
        gdpr_store__relax_durability(eng->st, 0);
    return rc;
}

static int
end_relaxed(gdpr_engine *eng, int rc)
{
    int back;

    rc = gdpr_engine__end(eng, rc);
    back = gdpr_store__relax_durability(eng->st, 0);
    if (back != GDPR_OK && rc == GDPR_OK)
        rc = gdpr__err_wrap(back, "erasure: restoring full durability");
    return rc;
}

/* The second transaction: keystore rows first (the keystore commits
 * first, synced), then the queue rows (unsynced: if a crash loses their
 * deletion, the next open deletes the keys again, which are gone, and then
 * the rows). One transaction for the whole queue, so a batch of erasures
 * costs one commit here too. */
static int
destroy_queued_keys(gdpr_engine *eng)
{
    uint8_t hash[CRYPTO_HASH_BYTES];
    int rc = begin_relaxed(eng);

    if (rc != GDPR_OK)
        return rc;
    while ((rc = gdpr_store__key_queue_first(eng->st, hash)) == GDPR_OK) {
        /* Only the key the entry was queued for: a subject created again
         * meanwhile keeps its new key. */
        rc = gdpr_store__key_queue_destroy(eng->st, hash);
        gdpr_engine__dek_forget(eng, hash);
        if (rc != GDPR_OK)
            break;
    }
    if (rc == GDPR_ENOTFOUND)
        rc = GDPR_OK;
    gdpr_crypto__wipe(hash, sizeof hash);
    return end_relaxed(eng, rc);
}

static int64_t
monotonic_ms(void)
{
    struct timespec t;

    if (clock_gettime(CLOCK_MONOTONIC, &t) != 0)
        return 0;
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void
sleep_ms(int ms)
{
    struct timespec t;

    t.tv_sec = ms / 1000;
    t.tv_nsec = (long)(ms % 1000) * 1000000L;
    while (nanosleep(&t, &t) != 0 && errno == EINTR)
        ;
}

static int
scrub_with_retry(gdpr_engine *eng)
{
    int64_t start = monotonic_ms(), spent = 0;
    int budget = eng->busy_timeout_ms > SCRUB_BUDGET_MS ? eng->busy_timeout_ms : SCRUB_BUDGET_MS;
    int delay = SCRUB_BACKOFF_FIRST_MS;
    int tries = 0;
    int rc;

    for (;;) {
        rc = gdpr_store__scrub(eng->st);
        tries++;
        spent = monotonic_ms() - start;
        if (rc != GDPR_EBUSY || (tries >= SCRUB_MIN_ATTEMPTS && spent >= budget))
            break;
        sleep_ms(delay);
        delay = delay * 2 > SCRUB_BACKOFF_MAX_MS ? SCRUB_BACKOFF_MAX_MS : delay * 2;
    }
    if (rc == GDPR_EBUSY)
        return gdpr__err_wrap(rc,
                              "erasure committed and key destroyed, but after %d tries in %lld ms "
                              "(budget %d ms) freed bytes are not yet scrubbed (SQLite: old page "
                              "images in the WAL; PostgreSQL: dead rows until VACUUM) until "
                              "gdpr_erase_retry_pending() succeeds",
                              tries, (long long)spent, budget);
    return rc;
}

int
gdpr_shred__finish(gdpr_engine *eng)
{
    int keys = 0, unwiped = 0;
    int rc;

    if (gdpr_store__depth(eng->st) > 0)
        return gdpr__err_set(GDPR_ESTATE,
                             "erasure: keys are destroyed and freed bytes scrubbed only "
                             "outside a transaction");
    rc = gdpr_store__erasure_unfinished(eng->st, &keys, &unwiped);
    if (rc != GDPR_OK || (!keys && !unwiped))
        return rc;
    if (keys)
        rc = destroy_queued_keys(eng);
    if (rc == GDPR_OK)
        rc = scrub_with_retry(eng);
    /* Unsynced: a lost mark leaves the tombstone "not wiped", and the next
     * open scrubs again and marks it. */
    if (rc == GDPR_OK && unwiped) {
        rc = begin_relaxed(eng);
        if (rc == GDPR_OK)
            rc = end_relaxed(eng, gdpr_store__tombstone_set_wiped(eng->st));
    }
    return rc;
}

int
gdpr_shred__resume(gdpr_engine *eng)
{
    int version = 0;
    int rc = gdpr_store__schema_version(eng->st, &version);

    /* Only a store built at an older schema on purpose (tests of the
     * migrations) lacks the erasure tables: nothing can be pending there. */
    if (rc != GDPR_OK || version != gdpr_store__schema_latest())
        return rc;
    rc = gdpr_shred__finish(eng);

    /* A reader of another process may hold the scrub back; the open
     * must not fail for that. The tombstones stay "not wiped" and the
     * next erasure call or gdpr_erase_retry_pending() retries. */
    if (rc == GDPR_EBUSY) {
        gdpr__err_clear();
        return GDPR_OK;
    }
    return rc;
}

/* --- one record ------------------------------------------------------------ */

/* The subject row and key go when nothing of it is kept any more. */
int
gdpr_shred__retire_subject(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES],
                           int64_t tombstone, int64_t now)
{
    int64_t partial = 0;
    int exists = 0;
    int rc = gdpr_store__subject_delete(eng->st, hash);

    if (rc == GDPR_ENOTFOUND) {
        gdpr__err_clear();
        rc = GDPR_OK;
    }
    if (rc == GDPR_OK)
        rc = gdpr_store__key_exists(eng->st, hash, &exists);
    if (rc == GDPR_OK && exists)
        rc = gdpr_store__key_queue_add(eng->st, hash, tombstone, now);
    /* Earlier erasures of this subject that kept records are complete now. */
    while (rc == GDPR_OK) {
        rc = gdpr_store__tombstone_open_partial(eng->st, hash, &partial);
        if (rc == GDPR_ENOTFOUND)
            return GDPR_OK;
        if (rc == GDPR_OK)
            rc = gdpr_store__tombstone_set_complete(eng->st, partial);
    }
    return rc;
}

int
gdpr_shred__record_copy(const store_vault_row *row, void *ctx)
{
    shred_record *c = ctx;

    memcpy(c->hash, row->subject, CRYPTO_HASH_BYTES);
    snprintf(c->category, sizeof c->category, "%s", row->category);
    snprintf(c->purpose, sizeof c->purpose, "%s", row->purpose);
    c->row = *row;
    c->row.subject = c->hash;
    c->row.category = c->category;
    c->row.purpose = c->purpose;
    c->row.field = NULL;
    c->row.source = NULL;
    c->row.value = NULL;
    c->row.value_len = 0;
    return 0;
}

/* The record tombstone of (subject, ground, UTC day), made on first use;
 * from `memo` (may be NULL) when it has it for the same ground and day. */
static int
record_tombstone(gdpr_engine *eng, const gdpr_actor *who, const uint8_t hash[CRYPTO_HASH_BYTES],
                 const char *ground, int64_t now, shred_memo *memo, int64_t *id_out)
{
    int64_t day = now - ((now % SECONDS_PER_DAY) + SECONDS_PER_DAY) % SECONDS_PER_DAY;
    store_tombstone_row t;
    int rc;

    if (memo != NULL && memo->known && memo->tombstone != 0 && memo->day == day &&
        strcmp(memo->ground, ground) == 0) {
        *id_out = memo->tombstone;
        return GDPR_OK;
    }
    rc = gdpr_store__tombstone_find(eng->st, hash, STORE_TOMBSTONE_RECORD, ground, day,
                                    day + SECONDS_PER_DAY, id_out);
    if (rc == GDPR_ENOTFOUND) {
        memset(&t, 0, sizeof t);
        t.kind = STORE_TOMBSTONE_RECORD;
        t.subject = hash;
        t.at = now;
        t.ground = ground;
        t.actor = who->id;
        t.role = who->role;
        rc = gdpr_store__tombstone_insert(eng->st, &t, id_out);
    }
    if (rc == GDPR_OK && memo != NULL && memo->known && strlen(ground) < sizeof memo->ground) {
        memo->tombstone = *id_out;
        memo->day = day;
        snprintf(memo->ground, sizeof memo->ground, "%s", ground);
    }
    return rc;
}

/* `known` (may be NULL): the subject's open partial erasure as the
 * caller's memo has it. *retired_out when the subject went with it. */
static int
record_delete(gdpr_engine *eng, const store_vault_row *row, int64_t now, const record_known *known,
              int *retired_out)
{
    int64_t partial = 0;
    int has = 1;
    int rc = gdpr_store__vault_delete(eng->st, row->id);

    *retired_out = 0;
    if (rc == GDPR_OK)
        rc = gdpr_store__tombstone_kept_erased(eng->st, row->id, now);
    /* The last record a partial erasure kept takes the subject with it. */
    if (rc == GDPR_OK && known != NULL) {
        partial = known->partial;
        if (partial == 0)
            return GDPR_OK;
    } else if (rc == GDPR_OK) {
        rc = gdpr_store__tombstone_open_partial(eng->st, row->subject, &partial);
        if (rc == GDPR_ENOTFOUND) {
            gdpr__err_clear();
            return GDPR_OK;
        }
    }
    if (rc == GDPR_OK)
        rc = gdpr_store__subject_has_data(eng->st, row->subject, &has);
    if (rc == GDPR_OK && !has) {
        rc = gdpr_shred__retire_subject(eng, row->subject, partial, now);
        *retired_out = 1;
    }
    return rc;
}

int
gdpr_shred__record_delete(gdpr_engine *eng, const store_vault_row *row, int64_t now)
{
    int retired = 0;

    return record_delete(eng, row, now, NULL, &retired);
}

void
gdpr_shred__memo_reset(shred_memo *memo)
{
    memset(memo, 0, sizeof *memo);
}

/* The memo's answers for `hash`, read once per subject. */
static int
memo_subject(gdpr_engine *eng, const uint8_t hash[CRYPTO_HASH_BYTES], shred_memo *memo)
{
    int rc;

    if (memo->known && memcmp(memo->hash, hash, CRYPTO_HASH_BYTES) == 0)
        return GDPR_OK;
    gdpr_shred__memo_reset(memo);
    rc = gdpr_engine__subject_limits(eng, hash, &memo->subject.limits);
    if (rc == GDPR_OK)
        rc = gdpr_store__tombstone_open_partial(eng->st, hash, &memo->subject.partial);
    if (rc == GDPR_ENOTFOUND) {
        gdpr__err_clear();
        memo->subject.partial = 0;
        rc = GDPR_OK;
    }
    if (rc == GDPR_OK) {
        memcpy(memo->hash, hash, CRYPTO_HASH_BYTES);
        memo->known = 1;
    }
    return rc;
}

static int
record_in(gdpr_engine *eng, const gdpr_actor *who, const shred_record *rec, const char *ground,
          int64_t use_tombstone, unsigned int flags, shred_memo *memo, int *outcome)
{
    int64_t now = gdpr_engine__now(eng), tombstone = use_tombstone;
    int kind = RECORD_FREE, retired = 0;
    char ref[96];
    int rc = memo != NULL ? memo_subject(eng, rec->hash, memo) : GDPR_OK;

    if (rc == GDPR_OK)
        rc = gdpr_record__check_known(eng, &rec->row,
                                      (flags & SHRED_ROUTINE) ? RECORD_DELETE : RECORD_ERASE,
                                      (flags & SHRED_NO_HOLDS) ? RECORD_NO_HOLDS : 0u,
                                      memo != NULL ? &memo->subject : NULL, &kind);
    if (rc == GDPR_ESTATE) {
        *outcome = kind == RECORD_HELD ? SHRED_HELD : SHRED_KEPT;
        return rc;
    }
    if (rc == GDPR_OK)
        rc = record_delete(eng, &rec->row, now, memo != NULL ? &memo->subject : NULL, &retired);
    /* The subject row went: what the memo knew of it no longer holds. */
    if (retired && memo != NULL)
        gdpr_shred__memo_reset(memo);
    if (rc == GDPR_OK && tombstone == 0)
        rc = record_tombstone(eng, who, rec->hash, ground, now, memo, &tombstone);
    if (rc == GDPR_OK)
        rc = gdpr_store__tombstone_add(eng->st, tombstone, 1, 0, 0, use_tombstone ? now : 0);
    if (rc == GDPR_OK)
        rc = gdpr_store__tombstone_record_add(eng->st, tombstone, rec->row.id);
    snprintf(ref, sizeof ref, "record %lld (tombstone %lld)", (long long)rec->row.id,
             (long long)tombstone);
    if (rc == GDPR_OK && !(flags & SHRED_QUIET))
        rc = gdpr_audit__append(eng, who, gdpr_permission__name(PERM_ERASE_SUBJECT), rec->hash,
                                GDPR_OK, ref);
    if (rc == GDPR_OK)
        *outcome = SHRED_ERASED;
    return rc;
}

int
gdpr_shred__record_in(gdpr_engine *eng, const gdpr_actor *who, const shred_record *rec,
                      const char *ground, int64_t use_tombstone, unsigned int flags, int *outcome)
{
    return record_in(eng, who, rec, ground, use_tombstone, flags, NULL, outcome);
}

int
gdpr_shred__record_memo(gdpr_engine *eng, const gdpr_actor *who, const shred_record *rec,
                        const char *ground, unsigned int flags, shred_memo *memo, int *outcome)
{
    return record_in(eng, who, rec, ground, 0, flags, memo, outcome);
}

int
gdpr_shred__record_load(gdpr_engine *eng, int64_t record, shred_record *out)
{
    int rc = gdpr_store__vault_get(eng->st, record, gdpr_shred__record_copy, out);

    if (rc == GDPR_ENOTFOUND)
        rc = gdpr__err_set(GDPR_ENOTFOUND, "record: %lld is not a vault record", (long long)record);
    return rc;
}

int
gdpr_shred__record_locked(gdpr_engine *eng, const gdpr_actor *who, int64_t record,
                          const char *ground, unsigned int flags, int *outcome_out)
{
    shred_record rec;
    int outcome = 0;
    int rc = gdpr_shred__record_load(eng, record, &rec);

    if (rc == GDPR_OK)
        rc = gdpr_shred__record_in(eng, who, &rec, ground, 0, flags, &outcome);
    if (outcome_out)
        *outcome_out = outcome;
    return rc;
}
