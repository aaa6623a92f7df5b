/*
 * The audit chain. Each event's MAC covers its own fields and the previous
 * event's MAC, under a key derived from the store's root secret:
 *   mac[n] = HMAC(audit_key, encode(event n) || mac[n-1]),  mac[0] = 0^32
 * The encoding is length-prefixed so no two events encode alike.
 * SPDX-License-Identifier: MIT
 */
#include "engine.h"

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "gdpr/audit.h"
#include "text.h"

#define AUDIT_TEXT_MAX 1024u
#define AUDIT_MSG_MAX                                                                              \
    (16 + 8 + 8 + 4 * (4 + AUDIT_TEXT_MAX) + 1 + CRYPTO_HASH_BYTES + 4 + CRYPTO_HASH_BYTES)

typedef struct {
    uint8_t buf[AUDIT_MSG_MAX];
    size_t len;
} encoder;

static void
put_u64(encoder *e, uint64_t v)
{
    for (int i = 7; i >= 0; i--)
        e->buf[e->len++] = (uint8_t)(v >> (8 * i));
}

static void
put_u32(encoder *e, uint32_t v)
{
    for (int i = 3; i >= 0; i--)
        e->buf[e->len++] = (uint8_t)(v >> (8 * i));
}

static void
put_text(encoder *e, const char *s)
{
    size_t n = s ? strnlen(s, AUDIT_TEXT_MAX) : 0;

    put_u32(e, s ? (uint32_t)n : 0xFFFFFFFFu);
    memcpy(e->buf + e->len, s ? s : "", n);
    e->len += n;
}

static int
event_mac(crypto_ctx *c, const store_audit_row *row, const uint8_t prev[CRYPTO_HASH_BYTES],
          uint8_t out[CRYPTO_HASH_BYTES])
{
    static const char tag[16] = "libgdpr audit 1";
    encoder e;

    e.len = 0;
    memcpy(e.buf, tag, sizeof tag);
    e.len = sizeof tag;
    put_u64(&e, (uint64_t)row->seq);
    put_u64(&e, (uint64_t)row->at);
    put_text(&e, row->actor);
    put_text(&e, row->role);
    put_text(&e, row->action);
    e.buf[e.len++] = row->subject ? 1 : 0;
    memset(e.buf + e.len, 0, CRYPTO_HASH_BYTES);
    if (row->subject)
        memcpy(e.buf + e.len, row->subject, CRYPTO_HASH_BYTES);
    e.len += CRYPTO_HASH_BYTES;
    put_u32(&e, (uint32_t)row->outcome);
    put_text(&e, row->ref);
    memcpy(e.buf + e.len, prev, CRYPTO_HASH_BYTES);
    e.len += CRYPTO_HASH_BYTES;
    return gdpr_crypto__audit_mac(c, e.buf, e.len, out);
}

int
gdpr_audit__append(gdpr_engine *eng, const gdpr_actor *who, const char *action,
                   const uint8_t *subject_hash, int outcome, const char *ref)
{
    return gdpr_audit__append_at(eng, who, action, subject_hash, outcome, ref,
                                 gdpr_engine__now(eng));
}

/* Calls that leave an audit event and change nothing else: on a read-only
 * engine their events (and those of refused calls) go to opts.audit_path. */
static const permission reads_audited[] = {
    PERM_EXPORT_SUBJECT, PERM_CONSENT_READ,  PERM_CONSENT_REPORT,
    PERM_ROPA_EXPORT,    PERM_STAFF_RESOLVE,
};

static int
is_audited_read(const char *action)
{
    for (size_t i = 0; i < sizeof reads_audited / sizeof reads_audited[0]; i++)
        if (strcmp(action, gdpr_permission__name(reads_audited[i])) == 0)
            return 1;
    return 0;
}

int
gdpr_audit__read_only_check(const gdpr_engine *eng, permission perm)
{
    const char *action = gdpr_permission__name(perm);

    if (!eng->read_only || eng->audit_st != NULL || !is_audited_read(action))
        return GDPR_OK;
    return gdpr__err_set(GDPR_ESTATE,
                         "%s: leaves an audit event, and this engine is open read-only "
                         "(opts.read_only) with nowhere to append it: set opts.audit_path "
                         "(options version 4) to the writable location of this store "
                         "(the primary)",
                         action);
}

static int
append_on(gdpr_engine *eng, store *st, const gdpr_actor *who, const char *action,
          const uint8_t *subject_hash, int outcome, const char *ref, int64_t at)
{
    uint8_t prev[CRYPTO_HASH_BYTES];
    store_audit_row row;
    int64_t last = 0;
    /* The tail is read under the store's write lock (the transaction the
     * caller holds, or the one opened on the audit store): events are
     * numbered and chained in the order they commit. */
    int rc = gdpr_store__audit_tail(st, &last, prev);

    if (rc != GDPR_OK)
        return rc;
    row.seq = last + 1;
    row.at = at;
    row.actor = who->id;
    row.role = who->role;
    row.action = action;
    row.subject = subject_hash;
    row.outcome = outcome;
    row.ref = ref;
    rc = event_mac(eng->crypto, &row, prev, row.mac);
    if (rc == GDPR_OK)
        rc = gdpr_store__audit_insert(st, &row);
    return rc;
}

/* A read-only engine's event, in its own transaction on the audit store
 * (the primary), committed before the call goes on: the caller's read
 * transaction on the standby cannot hold it. */
static int
append_read_only(gdpr_engine *eng, const gdpr_actor *who, const char *action,
                 const uint8_t *subject_hash, int outcome, const char *ref, int64_t at)
{
    int rc;

    if (!is_audited_read(action) && outcome != GDPR_EDENIED)
        return gdpr__err_set(GDPR_ESTATE,
                             "%s: the engine is open read-only (opts.read_only): writes are "
                             "refused, nothing was changed",
                             action);
    if (eng->audit_st == NULL)
        return gdpr__err_set(GDPR_ESTATE,
                             "%s: leaves an audit event, and this engine is open read-only "
                             "(opts.read_only) with nowhere to append it: set opts.audit_path "
                             "(options version 4) to the writable location of this store "
                             "(the primary)",
                             action);
    rc = gdpr_engine__check_key(eng);
    if (rc == GDPR_OK)
        rc = gdpr_store__begin(eng->audit_st);
    if (rc != GDPR_OK)
        return gdpr__err_wrap(rc, "opts.audit_path: appending the audit event of '%s'", action);
    rc = append_on(eng, eng->audit_st, who, action, subject_hash, outcome, ref, at);
    if (rc == GDPR_OK)
        rc = gdpr_store__commit(eng->audit_st);
    else
        gdpr_store__rollback(eng->audit_st);
    if (rc != GDPR_OK)
        return gdpr__err_wrap(rc, "opts.audit_path: appending the audit event of '%s'", action);
    return GDPR_OK;
}

int
gdpr_audit__append_at(gdpr_engine *eng, const gdpr_actor *who, const char *action,
                      const uint8_t *subject_hash, int outcome, const char *ref, int64_t at)
{
    if (eng->read_only)
        return append_read_only(eng, who, action, subject_hash, outcome, ref, at);
    return append_on(eng, eng->st, who, action, subject_hash, outcome, ref, at);
}

typedef struct {
    gdpr_engine *eng;
    int64_t expected_seq;
    uint8_t prev[CRYPTO_HASH_BYTES];
    int64_t good;
    int64_t want_seq; /* keep the MAC of this event */
    uint8_t mac_at_count[CRYPTO_HASH_BYTES];
} verify_state;

static int
verify_one(const store_audit_row *row, void *ctx)
{
    verify_state *v = ctx;
    uint8_t mac[CRYPTO_HASH_BYTES];
    int rc;

    if (row->seq != v->expected_seq)
        return gdpr__err_set(GDPR_ECORRUPT,
                             "audit event %lld: expected event %lld here "
                             "(events deleted or inserted)",
                             (long long)row->seq, (long long)v->expected_seq);
    rc = event_mac(v->eng->crypto, row, v->prev, mac);
    if (rc != GDPR_OK)
        return rc;
    if (!gdpr_crypto__equal(mac, row->mac, CRYPTO_HASH_BYTES))
        return gdpr__err_set(GDPR_ECORRUPT,
                             "audit event %lld: MAC does not match "
                             "(event edited, reordered, or an earlier one removed)",
                             (long long)row->seq);
    memcpy(v->prev, row->mac, CRYPTO_HASH_BYTES);
    if (row->seq == v->want_seq)
        memcpy(v->mac_at_count, row->mac, CRYPTO_HASH_BYTES);
    v->expected_seq++;
    v->good++;
    return 0;
}

static int
verify_locked(gdpr_engine *eng, verify_state *v, int64_t want_seq)
{
    memset(v, 0, sizeof *v);
    v->eng = eng;
    v->expected_seq = 1;
    v->want_seq = want_seq;
    return gdpr_store__audit_foreach(eng->st, 1, verify_one, v);
}

GDPR_API int
gdpr_audit_verify(gdpr_engine *eng, int64_t *events_out)
{
    verify_state v;
    int rc;

    if (gdpr_engine__check_eng(eng) != GDPR_OK)
        return GDPR_EINVAL;
    gdpr_engine__lock(eng);
    rc = verify_locked(eng, &v, 0);
    if (events_out)
        *events_out = v.good;
    return gdpr_engine__unlock(eng, rc);
}

GDPR_API int
gdpr_audit_head(gdpr_engine *eng, int64_t *count_out, unsigned char head_out[GDPR_AUDIT_HEAD_BYTES])
{
    int64_t count = 0;
    uint8_t mac[CRYPTO_HASH_BYTES];
    int rc;

    if (gdpr_engine__check_eng(eng) != GDPR_OK)
        return GDPR_EINVAL;
    if (count_out == NULL || head_out == NULL)
        return gdpr__err_set(GDPR_EINVAL, "%s: must not be NULL",
                             count_out ? "head_out" : "count_out");
    gdpr_engine__lock(eng);
    rc = gdpr_store__audit_tail(eng->st, &count, mac);
    if (rc == GDPR_OK) {
        *count_out = count;
        memcpy(head_out, mac, CRYPTO_HASH_BYTES);
    }
    return gdpr_engine__unlock(eng, rc);
}

GDPR_API int
gdpr_audit_verify_head(gdpr_engine *eng, int64_t count,
                       const unsigned char head[GDPR_AUDIT_HEAD_BYTES], int64_t *events_out)
{
    verify_state v;
    int rc;

    if (gdpr_engine__check_given(eng, head != NULL, "head") != GDPR_OK)
        return GDPR_EINVAL;
    if (count < 0)
        return gdpr__err_set(GDPR_EINVAL, "count: %lld is negative", (long long)count);
    gdpr_engine__lock(eng);
    rc = verify_locked(eng, &v, count);
    if (events_out)
        *events_out = v.good;
    if (rc != GDPR_OK)
        return gdpr_engine__unlock(eng, rc);
    if (v.good < count)
        return gdpr_engine__unlock(eng, gdpr__err_set(GDPR_ECORRUPT,
                                                      "audit trail: holds %lld events, the "
                                                      "kept head says %lld (tail cut off)",
                                                      (long long)v.good, (long long)count));
    if (!gdpr_crypto__equal(v.mac_at_count, head, CRYPTO_HASH_BYTES))
        return gdpr_engine__unlock(eng, gdpr__err_set(GDPR_ECORRUPT,
                                                      "audit event %lld: differs from the "
                                                      "kept head (trail rewritten)",
                                                      (long long)count));
    return gdpr_engine__unlock(eng, GDPR_OK);
}

typedef struct {
    gdpr_audit_fn fn;
    void *ctx;
} host_iterator;

static int
foreach_one(const store_audit_row *row, void *ctx)
{
    const host_iterator *it = ctx;
    char hex[2 * CRYPTO_HASH_BYTES + 1];
    gdpr_audit_event ev;

    ev.seq = row->seq;
    ev.at = row->at;
    ev.actor = row->actor;
    ev.role = row->role;
    ev.action = row->action;
    ev.subject_hash = NULL;
    if (row->subject) {
        gdpr__hex_encode(row->subject, CRYPTO_HASH_BYTES, hex);
        ev.subject_hash = hex;
    }
    ev.outcome = row->outcome;
    ev.ref = row->ref;
    return it->fn(&ev, it->ctx) != 0 ? 1 : 0;
}

GDPR_API int
gdpr_audit_foreach(gdpr_engine *eng, int64_t from_seq, gdpr_audit_fn fn, void *ctx)
{
    host_iterator it;
    int rc;

    if (gdpr_engine__check_given(eng, fn != NULL, "fn") != GDPR_OK)
        return GDPR_EINVAL;
    if (from_seq < 1)
        return gdpr__err_set(GDPR_EINVAL, "from_seq: %lld, events are numbered from 1",
                             (long long)from_seq);
    it.fn = fn;
    it.ctx = ctx;
    gdpr_engine__lock(eng);
    rc = gdpr_store__audit_foreach(eng->st, from_seq, foreach_one, &it);
    return gdpr_engine__unlock(eng, rc);
}
