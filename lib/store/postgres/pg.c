/*
 * The PostgreSQL connection: open, errors, the statement cache,
 * parameters and results.
 * SPDX-License-Identifier: MIT
 */
#include "pg_internal.h"

#include <assert.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "testhook.h"

/* Type oids of the parameters we send (pg_type.h is a server header). */
#define PG_OID_BYTEA 17
#define PG_OID_INT8 20
#define PG_OID_TEXT 25

/* --- errors ----------------------------------------------------------- */

static int
sqlstate_is(const char *state, const char *want)
{
    return state != NULL && strcmp(state, want) == 0;
}

/* Connection-level failures: the session is gone (class 08, the server
 * shutting down or restarting, or libpq's own view of the socket). */
static int
connection_lost(const pg_store *st, const char *state)
{
    if (st->conn == NULL || PQstatus(st->conn) != CONNECTION_OK)
        return 1;
    if (state == NULL)
        return 0;
    return strncmp(state, "08", 2) == 0 || sqlstate_is(state, "57P01") ||
           sqlstate_is(state, "57P02") || sqlstate_is(state, "57P03");
}

/* One line: libpq's messages end in a newline and may have several. */
static void
one_line(char *dst, size_t cap, const char *src)
{
    size_t n = 0;

    for (; src != NULL && *src != '\0' && n + 1 < cap; src++) {
        char c = (*src == '\n' || *src == '\r' || *src == '\t') ? ' ' : *src;
        if (c == ' ' && n > 0 && dst[n - 1] == ' ')
            continue;
        dst[n++] = c;
    }
    while (n > 0 && dst[n - 1] == ' ')
        n--;
    dst[n] = '\0';
}

int
gdpr_pg__fail(pg_store *st, const PGresult *res, const char *what)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorMessage(res) : NULL;
    char detail[512], none[512];
    int code = GDPR_ESTORAGE;

    if (msg == NULL || *msg == '\0')
        msg = st->conn ? PQerrorMessage(st->conn) : "no connection";
    if (res == NULL && st->conn != NULL && PQstatus(st->conn) == CONNECTION_OK) {
        /* No result at all (out of memory, a lost socket): say so with
         * whatever libpq reported. */
        snprintf(none, sizeof none, "libpq returned no result%s%s", *msg ? ": " : "", msg);
        msg = none;
    }
    one_line(detail, sizeof detail, msg);
    if (connection_lost(st, state)) {
        st->broken = 1;
        return gdpr__err_set(GDPR_ESTORAGE, "%s: PostgreSQL connection lost (%s); %s", what, detail,
                             st->depth > 0 ? "nothing of the open transaction was committed"
                                           : "the next call reconnects");
    }
    if (state == NULL)
        return gdpr__err_set(code, "%s: PostgreSQL error: %s", what, detail);
    if (sqlstate_is(state, "40001") || sqlstate_is(state, "40P01") || sqlstate_is(state, "55P03") ||
        sqlstate_is(state, "57014"))
        return gdpr__err_set(GDPR_EBUSY,
                             "%s: PostgreSQL %s (SQLSTATE %s); the call was rolled back and "
                             "may be retried",
                             what, detail, state);
    if (sqlstate_is(state, "25006"))
        return gdpr__err_set(GDPR_ESTATE,
                             "%s: the store is open read-only (opts.read_only, or a hot "
                             "standby): writes are refused",
                             what);
    if (strncmp(state, "23", 2) == 0)
        code = GDPR_EEXISTS;
    else if (sqlstate_is(state, "53200"))
        code = GDPR_ENOMEM;
    else if (strncmp(state, "XX", 2) == 0)
        code = GDPR_ECORRUPT;
    return gdpr__err_set(code, "%s: PostgreSQL error %s: %s", what, state, detail);
}

int
gdpr_pg__stopped(int stop, const char *what, int64_t id)
{
    if (stop == 0)
        return GDPR_OK;
    if (stop < 0)
        return stop;
    return gdpr__err_set(GDPR_ECALLBACK, "%s stopped at %lld", what, (long long)id);
}

/* --- parameters ------------------------------------------------------- */

void
gdpr_pg__p_init(pg_params *p)
{
    p->n = 0;
    p->overflow = 0;
}

static int
p_slot(pg_params *p, Oid type, int format)
{
    int i = p->n;

    /* Statements are constants with a known number of parameters: more
     * than PG_MAX_PARAMS is a bug, refused by gdpr_pg__run. */
    assert(i < PG_MAX_PARAMS);
    if (i >= PG_MAX_PARAMS) {
        p->overflow = 1;
        i = PG_MAX_PARAMS - 1;
    } else {
        p->n++;
    }
    p->values[i] = NULL;
    p->lengths[i] = 0;
    p->formats[i] = format;
    p->types[i] = type;
    return i;
}

void
gdpr_pg__p_int(pg_params *p, int64_t v)
{
    int i = p_slot(p, PG_OID_INT8, 0);

    snprintf(p->ints[i], sizeof p->ints[i], "%lld", (long long)v);
    p->values[i] = p->ints[i];
}

void
gdpr_pg__p_int_or_null(pg_params *p, int has, int64_t v)
{
    if (has)
        gdpr_pg__p_int(p, v);
    else
        p_slot(p, PG_OID_INT8, 0);
}

void
gdpr_pg__p_text(pg_params *p, const char *s)
{
    int i = p_slot(p, PG_OID_TEXT, 0);

    p->values[i] = s;
}

void
gdpr_pg__p_blob(pg_params *p, const void *b, size_t len)
{
    int i = p_slot(p, PG_OID_BYTEA, 1);

    /* An empty blob is not NULL: libpq sends a zero-length value for any
     * non-NULL pointer. */
    p->values[i] = b != NULL ? (const char *)b : (len == 0 ? NULL : "");
    p->lengths[i] = (int)len;
}

void
gdpr_pg__p_hash(pg_params *p, const uint8_t *hash)
{
    gdpr_pg__p_blob(p, hash, hash ? CRYPTO_HASH_BYTES : 0);
}

/* --- results ---------------------------------------------------------- */

int
gdpr_pg__col_null(const pg_row *r, int col)
{
    return PQgetisnull(r->res, r->row, col);
}

int64_t
gdpr_pg__col_int(const pg_row *r, int col)
{
    const unsigned char *v;
    int len;
    uint64_t x = 0;

    if (PQgetisnull(r->res, r->row, col))
        return 0;
    v = (const unsigned char *)PQgetvalue(r->res, r->row, col);
    len = PQgetlength(r->res, r->row, col);
    for (int i = 0; i < len; i++)
        x = (x << 8) | v[i];
    /* Sign-extend the narrower widths (int2, int4). */
    if (len == 2)
        return (int16_t)x;
    if (len == 4)
        return (int32_t)x;
    return (int64_t)x;
}

const char *
gdpr_pg__col_text(const pg_row *r, int col)
{
    if (PQgetisnull(r->res, r->row, col))
        return NULL;
    return PQgetvalue(r->res, r->row, col);
}

const char *
gdpr_pg__col_text_or_empty(const pg_row *r, int col)
{
    const char *s = gdpr_pg__col_text(r, col);
    return s ? s : "";
}

const uint8_t *
gdpr_pg__col_blob(const pg_row *r, int col, size_t *len_out)
{
    *len_out = 0;
    if (PQgetisnull(r->res, r->row, col))
        return NULL;
    *len_out = (size_t)PQgetlength(r->res, r->row, col);
    return (const uint8_t *)PQgetvalue(r->res, r->row, col);
}

int
gdpr_pg__col_hash(const pg_row *r, int col, int nullable, const char *what, const uint8_t **out)
{
    size_t len = 0;
    const uint8_t *h = gdpr_pg__col_blob(r, col, &len);

    *out = h;
    if (h == NULL && nullable)
        return GDPR_OK;
    if (h == NULL || len != CRYPTO_HASH_BYTES)
        return gdpr__err_set(GDPR_ECORRUPT, "%s: a hash column has %zu bytes, expected %u", what,
                             len, (unsigned)CRYPTO_HASH_BYTES);
    return GDPR_OK;
}

int
gdpr_pg__read_int64(const pg_row *r, void *ctx)
{
    *(int64_t *)ctx = gdpr_pg__col_int(r, 0);
    return GDPR_OK;
}

/* --- running statements ----------------------------------------------- */

static void
forget_prepared(pg_store *st)
{
    memset(st->cache, 0, sizeof st->cache);
    st->n_prepared = 0;
}

static int session_setup(pg_store *st);

int
gdpr_pg__reconnect(pg_store *st, const char *what)
{
    PQreset(st->conn);
    forget_prepared(st);
    st->broken = 0;
    st->pending = 0;
    if (PQstatus(st->conn) != CONNECTION_OK)
        return gdpr_pg__fail(st, NULL, what);
    /* A new session: our settings go again (a relaxed durability does
     * not: commits are durable again, the safe side). */
    return session_setup(st);
}

int
gdpr_pg__session_gone(pg_store *st)
{
    if (st->broken || PQstatus(st->conn) != CONNECTION_OK)
        return 1;
    /* Idle, the server sends nothing (we LISTEN to nothing) unless it ends
     * the session: a terminated backend or a server shutting down sends
     * its FATAL, then closes the socket. What the idle socket holds is
     * read (never waited for) until libpq sees the end of the connection;
     * anything else stays for the next statement. */
    for (int i = 0; i < 3; i++) {
        struct pollfd p;

        p.fd = PQsocket(st->conn);
        p.events = POLLIN;
        p.revents = 0;
        if (p.fd < 0)
            return 1;
        if (poll(&p, 1, 0) == 0)
            return 0;
        if (!PQconsumeInput(st->conn) || PQstatus(st->conn) != CONNECTION_OK)
            return 1;
    }
    return 0;
}

/* Before a statement outside every transaction: a connection that broke
 * during an earlier call, or that the server ended since (a restart, a
 * terminated backend), is made again before anything is sent (between
 * calls, nothing to lose), so the first statement of a call, the store
 * generation that refreshes the engine's caches, does not fail. */
static int
ready(pg_store *st, const char *what)
{
    if (st->broken && (st->depth > 0 || st->reading))
        return gdpr__err_set(GDPR_ESTORAGE,
                             "%s: the PostgreSQL connection was lost in this transaction; "
                             "%s first",
                             what, st->reading ? "end the read" : "roll it back");
    if (st->depth == 0 && !st->reading && gdpr_pg__session_gone(st))
        return gdpr_pg__reconnect(st, what);
    return GDPR_OK;
}

/* The name of the prepared statement for `sql`, preparing it first when
 * this connection has not seen it. */
static int
prepared(pg_store *st, const char *sql, const pg_params *p, const char *what, char name[16])
{
    size_t slot = ((uintptr_t)sql >> 3) % PG_STMT_SLOTS;
    PGresult *res;

    for (size_t probe = 0; probe < PG_STMT_SLOTS; probe++) {
        pg_cached_stmt *c = &st->cache[(slot + probe) % PG_STMT_SLOTS];
        if (c->sql == sql) {
            snprintf(name, 16, "g%u", c->number);
            return GDPR_OK;
        }
        if (c->sql != NULL)
            continue;
        snprintf(name, 16, "g%u", st->n_prepared);
        res = PQprepare(st->conn, name, sql, p ? p->n : 0, p ? p->types : NULL);
        if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
            int rc = gdpr_pg__fail(st, res, what);
            PQclear(res);
            return rc;
        }
        PQclear(res);
        c->sql = sql;
        c->number = st->n_prepared++;
        return GDPR_OK;
    }
    return gdpr__err_set(GDPR_ESTORAGE, "statement cache full (%d)", PG_STMT_SLOTS);
}

/* --- pipeline mode ------------------------------------------------------ */

#if PG_PIPELINE
/* Whether this connection has prepared `sql` (no statement sent). */
static int
is_prepared(const pg_store *st, const char *sql)
{
    size_t slot = ((uintptr_t)sql >> 3) % PG_STMT_SLOTS;

    for (size_t probe = 0; probe < PG_STMT_SLOTS; probe++) {
        const pg_cached_stmt *c = &st->cache[(slot + probe) % PG_STMT_SLOTS];
        if (c->sql == sql || c->sql == NULL)
            return c->sql == sql;
    }
    return 0;
}
#endif

/* A transaction whose earlier write failed refuses every statement until
 * the rollback, with the failure's message. */
static int
refuse_doomed(pg_store *st, const char *what)
{
    return gdpr__err_set(GDPR_ESTORAGE,
                         "%s: refused, an earlier write of this transaction failed (%s); the "
                         "whole transaction is rolled back, nothing of it is committed",
                         what, st->doomed_msg);
}

/* A statement that is not a plain SELECT counts as a write for the rule
 * of unguarded levels (nextval is a SELECT: ids are not undone anyway). */
static int
is_write(const char *sql)
{
    return strncmp(sql, "SELECT ", 7) != 0;
}

/* Read the results of the writes in flight and, with `mine`, of one more
 * statement sent after them (its result into *mine, or its failure). */
static int
drain_with(pg_store *st, PGresult **mine, const char *mine_what)
{
#if PG_PIPELINE
    int n = st->pending, first_bad = -1;
    PGresult *res;
    int rc = GDPR_OK;

    if (n == 0 && mine == NULL)
        return GDPR_OK;
    st->pending = 0;
    if (PQpipelineSync(st->conn) != 1) {
        rc = gdpr_pg__fail(st, NULL, st->pending_what[0]);
        st->broken = 1;
        goto lost;
    }
    /* Each write's results end with a NULL; the sync point ends it all. */
    for (int i = 0; i < n; i++) {
        while ((res = PQgetResult(st->conn)) != NULL) {
            ExecStatusType status = PQresultStatus(res);
            if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK &&
                status != PGRES_PIPELINE_ABORTED && first_bad < 0) {
                first_bad = i;
                rc = gdpr_pg__fail(st, res, st->pending_what[i]);
            }
            if (status == PGRES_COMMAND_OK && st->pending_flag[i] != NULL) {
                const char *t = PQcmdTuples(res);
                if (t != NULL && *t != '\0' && strtoll(t, NULL, 10) > 0)
                    *st->pending_flag[i] = 1;
            }
            PQclear(res);
        }
        if (PQstatus(st->conn) != CONNECTION_OK)
            break;
    }
    if (mine != NULL) {
        *mine = NULL;
        while ((res = PQgetResult(st->conn)) != NULL) {
            ExecStatusType status = PQresultStatus(res);
            if ((status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) && *mine == NULL &&
                rc == GDPR_OK) {
                *mine = res;
                continue;
            }
            if (status != PGRES_PIPELINE_ABORTED && rc == GDPR_OK)
                rc = gdpr_pg__fail(st, res, mine_what);
            PQclear(res);
        }
        if (rc != GDPR_OK) {
            PQclear(*mine);
            *mine = NULL;
        }
    }
    res = PQgetResult(st->conn);
    if (res == NULL || PQresultStatus(res) != PGRES_PIPELINE_SYNC) {
        if (rc == GDPR_OK)
            rc = gdpr_pg__fail(st, res, "reading the results of queued writes");
        PQclear(res);
        st->broken = PQstatus(st->conn) != CONNECTION_OK;
        if (!st->broken) {
            /* Out of step with the server: drop the session rather than
             * read another statement's result as ours. */
            st->broken = 1;
        }
        goto lost;
    }
    PQclear(res);
    if (PQexitPipelineMode(st->conn) != 1 && rc == GDPR_OK) {
        rc = gdpr_pg__fail(st, NULL, "leaving pipeline mode");
        st->broken = 1;
    }
lost:
    if (rc != GDPR_OK && mine != NULL) {
        PQclear(*mine);
        *mine = NULL;
    }
    /* A failure of the statement sent last alone (the writes before it
     * succeeded) is an ordinary one: a savepoint's rollback undoes it. */
    if (rc != GDPR_OK && first_bad < 0 && !st->broken && mine != NULL)
        return rc;
    if (rc != GDPR_OK && st->depth > 0) {
        st->doomed = 1;
        snprintf(st->doomed_msg, sizeof st->doomed_msg, "%s", gdpr_errmsg());
        return gdpr__err_set(rc,
                             "%s; the write was queued earlier in this transaction (pipeline "
                             "mode): the whole transaction is rolled back, nothing of it is "
                             "committed",
                             st->doomed_msg);
    }
    return rc;
#else
    (void)st;
    (void)mine;
    (void)mine_what;
    return GDPR_OK;
#endif
}

int
gdpr_pg__drain(pg_store *st)
{
    return drain_with(st, NULL, NULL);
}

int
gdpr_pg__exec_later(pg_store *st, const char *sql, const pg_params *p, const char *what)
{
    return gdpr_pg__exec_later_flag(st, sql, p, what, NULL);
}

int
gdpr_pg__exec_later_flag(pg_store *st, const char *sql, const pg_params *p, const char *what,
                         int *changed)
{
#if PG_PIPELINE
    char name[16];
    int rc;

    st->begin_row_fresh = 0;
    st->generation_fresh = 0;
    if (st->depth == 0 || st->read_only || st->broken || st->doomed) {
        int64_t n = 0;
        rc = gdpr_pg__exec(st, sql, p, what, &n);
        if (rc == GDPR_OK && n > 0 && changed != NULL)
            *changed = 1;
        return rc;
    }
    if (p != NULL && p->overflow)
        return gdpr__err_set(GDPR_ESTATE, "%s: more than %d statement parameters", what,
                             PG_MAX_PARAMS);
    /* Full: read what is in flight first (one round trip per
     * PG_PIPELINE_MAX writes). */
    rc = st->pending >= PG_PIPELINE_MAX ? gdpr_pg__drain(st) : GDPR_OK;
    /* A statement this connection has not prepared yet: prepared
     * outside pipeline mode (once per connection). */
    if (rc == GDPR_OK && !is_prepared(st, sql))
        rc = gdpr_pg__drain(st);
    if (rc == GDPR_OK)
        rc = prepared(st, sql, p, what, name);
    if (rc != GDPR_OK)
        return rc;
    if (PQpipelineStatus(st->conn) == PQ_PIPELINE_OFF && PQenterPipelineMode(st->conn) != 1)
        return gdpr_pg__fail(st, NULL, what);
    /* The same test hook as gdpr_pg__run: a write sent later is a
     * statement too. */
    if (gdpr__test_before_statement() != 0 ||
        PQsendQueryPrepared(st->conn, name, p ? p->n : 0, p ? p->values : NULL,
                            p ? p->lengths : NULL, p ? p->formats : NULL, 1) != 1) {
        rc = gdpr_pg__fail(st, NULL, what);
        st->broken = 1;
        return rc;
    }
    st->pending_flag[st->pending] = changed;
    st->pending_what[st->pending++] = what;
    st->writes++;
    return GDPR_OK;
#else
    int64_t n = 0;
    int rc = gdpr_pg__exec(st, sql, p, what, &n);

    if (rc == GDPR_OK && n > 0 && changed != NULL)
        *changed = 1;
    return rc;
#endif
}

int
gdpr_pg__run(pg_store *st, const char *sql, const pg_params *p, const char *what, PGresult **out)
{
    char name[16];
    PGresult *res;
    ExecStatusType status;
    /* Tests kill the session, restart the server or fail the statement
     * here (lib/util/testhook.h). */
    int injected = gdpr__test_before_statement();
    int rc;

    *out = NULL;
    st->begin_row_fresh = 0;
    st->generation_fresh = 0;
    if (st->doomed && st->depth > 0)
        return refuse_doomed(st, what);
#if PG_PIPELINE
    /* Writes in flight and a statement this connection knows: sent after
     * them, all results read in one round trip. */
    if (st->pending > 0 && !st->broken && (p == NULL || !p->overflow) && is_prepared(st, sql)) {
        rc = prepared(st, sql, p, what, name);
        if (rc != GDPR_OK)
            return rc;
        if (st->depth > 0 && is_write(sql))
            st->writes++;
        if (injected || PQsendQueryPrepared(st->conn, name, p ? p->n : 0, p ? p->values : NULL,
                                            p ? p->lengths : NULL, p ? p->formats : NULL, 1) != 1) {
            rc = gdpr_pg__fail(st, NULL, what);
            st->broken = 1;
            return rc;
        }
        return drain_with(st, out, what);
    }
#endif
    rc = gdpr_pg__drain(st);
    if (rc == GDPR_OK)
        rc = ready(st, what);
    if (rc == GDPR_OK && p != NULL && p->overflow)
        return gdpr__err_set(GDPR_ESTATE, "%s: more than %d statement parameters", what,
                             PG_MAX_PARAMS);
    if (rc == GDPR_OK)
        rc = prepared(st, sql, p, what, name);
    if (rc != GDPR_OK)
        return rc;
    if (st->depth > 0 && is_write(sql))
        st->writes++;
    res = injected ? NULL
                   : PQexecPrepared(st->conn, name, p ? p->n : 0, p ? p->values : NULL,
                                    p ? p->lengths : NULL, p ? p->formats : NULL, 1);
    status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        rc = gdpr_pg__fail(st, res, what);
        PQclear(res);
        return rc;
    }
    *out = res;
    return GDPR_OK;
}

int
gdpr_pg__exec(pg_store *st, const char *sql, const pg_params *p, const char *what,
              int64_t *changed_out)
{
    PGresult *res = NULL;
    int rc = gdpr_pg__run(st, sql, p, what, &res);

    if (rc != GDPR_OK)
        return rc;
    if (changed_out != NULL) {
        const char *n = PQcmdTuples(res);
        *changed_out = (n != NULL && *n != '\0') ? strtoll(n, NULL, 10) : 0;
    }
    PQclear(res);
    return GDPR_OK;
}

int
gdpr_pg__rows(pg_store *st, const char *sql, const pg_params *p, const char *what, pg_row_fn fn,
              void *ctx)
{
    PGresult *res = NULL;
    int rc = gdpr_pg__run(st, sql, p, what, &res);
    int n;

    if (rc != GDPR_OK)
        return rc;
    n = PQntuples(res);
    for (int i = 0; i < n && rc == GDPR_OK; i++) {
        pg_row r = {res, i};
        rc = fn(&r, ctx);
    }
    PQclear(res);
    return rc;
}

/* Rows per page of gdpr_pg__rows_paged: memory stays flat however many
 * rows a walk has. */
#define PG_PAGE_ROWS 256

typedef struct {
    pg_row_fn fn;
    void *ctx;
    int64_t last;
    int n;
} page_walk;

static int
page_row(const pg_row *r, void *c)
{
    page_walk *w = c;

    w->last = gdpr_pg__col_int(r, 0);
    w->n++;
    return w->fn(r, w->ctx);
}

int
gdpr_pg__rows_paged(pg_store *st, const char *sql, const pg_params *p, const char *what,
                    pg_row_fn fn, void *ctx)
{
    page_walk w = {fn, ctx, INT64_MIN, PG_PAGE_ROWS};
    int rc = GDPR_OK;

    while (rc == GDPR_OK && w.n == PG_PAGE_ROWS) {
        pg_params page;
        gdpr_pg__p_init(&page);
        for (int i = 0; p != NULL && i < p->n; i++) {
            page.values[i] = p->values[i];
            page.lengths[i] = p->lengths[i];
            page.formats[i] = p->formats[i];
            page.types[i] = p->types[i];
        }
        page.n = p ? p->n : 0;
        page.overflow = p ? p->overflow : 0;
        gdpr_pg__p_int(&page, w.last);
        gdpr_pg__p_int(&page, PG_PAGE_ROWS);
        w.n = 0;
        rc = gdpr_pg__rows(st, sql, &page, what, page_row, &w);
    }
    return rc;
}

int
gdpr_pg__row(pg_store *st, const char *sql, const pg_params *p, const char *what, int none,
             pg_row_fn fn, void *ctx)
{
    PGresult *res = NULL;
    int rc = gdpr_pg__run(st, sql, p, what, &res);

    if (rc != GDPR_OK)
        return rc;
    if (PQntuples(res) == 0) {
        rc = none;
    } else {
        pg_row r = {res, 0};
        rc = fn(&r, ctx);
    }
    PQclear(res);
    return rc;
}

int
gdpr_pg__one_int64(pg_store *st, const char *sql, const pg_params *p, const char *what,
                   int64_t *out)
{
    return gdpr_pg__row(st, sql, p, what, GDPR_ENOTFOUND, gdpr_pg__read_int64, out);
}

int
gdpr_pg__exec_plain(pg_store *st, const char *sql, const char *what)
{
    PGresult *res;
    int rc = st->doomed && st->depth > 0 ? refuse_doomed(st, what) : gdpr_pg__drain(st);

    st->generation_fresh = 0;
    if (rc == GDPR_OK)
        rc = ready(st, what);

    if (rc != GDPR_OK)
        return rc;
    res = PQexec(st->conn, sql);
    if (res == NULL ||
        (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)) {
        rc = gdpr_pg__fail(st, res, what);
        PQclear(res);
        return rc;
    }
    PQclear(res);
    return GDPR_OK;
}

int
gdpr_pg__document_insert(pg_store *st, const char *sql, const char *seq_sql, int64_t at,
                         const char *actor, const uint8_t sha256[CRYPTO_HASH_BYTES],
                         const char *document, const char *what, int64_t *version_out)
{
    int64_t version = 0;
    pg_params p;
    int rc = gdpr_pg__one_int64(st, seq_sql, NULL, what, &version);

    if (rc != GDPR_OK)
        return rc;
    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, version);
    gdpr_pg__p_int(&p, at);
    gdpr_pg__p_text(&p, actor);
    gdpr_pg__p_hash(&p, sha256);
    gdpr_pg__p_text(&p, document);
    rc = gdpr_pg__exec(st, sql, &p, what, NULL);
    if (rc == GDPR_OK && version_out != NULL)
        *version_out = version;
    return rc;
}

/* --- open and close --------------------------------------------------- */

/* The library never prints: PostgreSQL's notices are dropped. */
static void
no_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Where we tried to connect, without the password a URI may carry. */
static void
describe(PGconn *conn, char *buf, size_t cap)
{
    const char *host = PQhost(conn);
    const char *port = PQport(conn);
    const char *db = PQdb(conn);

    snprintf(buf, cap, "database '%s' on %s:%s", db ? db : "?", host ? host : "?",
             port ? port : "?");
}

static int
check_uri(const char *uri)
{
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(uri, &err);
    char detail[256];

    if (opts != NULL) {
        PQconninfoFree(opts);
        return GDPR_OK;
    }
    one_line(detail, sizeof detail, err ? err : "out of memory");
    PQfreemem(err);
    return gdpr__err_set(GDPR_EINVAL, "path: not a valid PostgreSQL connection URI: %s", detail);
}

/* What the database holds: our schemas, and relations of anyone else. */
typedef struct {
    int64_t data_schema, keys_schema, foreign_relations;
} db_shape;

static int
read_shape(const pg_row *r, void *ctx)
{
    db_shape *s = ctx;

    s->data_schema = gdpr_pg__col_int(r, 0);
    s->keys_schema = gdpr_pg__col_int(r, 1);
    s->foreign_relations = gdpr_pg__col_int(r, 2);
    return GDPR_OK;
}

static const char shape_sql[] =
    "SELECT (SELECT count(*) FROM pg_catalog.pg_namespace"
    "         WHERE nspname = '" PG_DATA_SCHEMA "'),"
    "       (SELECT count(*) FROM pg_catalog.pg_namespace"
    "         WHERE nspname = '" PG_KEYS_SCHEMA "'),"
    "       (SELECT count(*) FROM pg_catalog.pg_class c"
    "          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    "         WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')"
    "           AND n.nspname NOT IN ('pg_catalog', 'information_schema',"
    "                                 '" PG_DATA_SCHEMA "', '" PG_KEYS_SCHEMA "')"
    "           AND n.nspname NOT LIKE 'pg\\_toast%'"
    "           AND n.nspname NOT LIKE 'pg\\_temp%')";

static int
read_database_shape(pg_store *st, db_shape *shape)
{
    return gdpr_pg__row(st, shape_sql, NULL, "reading the database's schemas", GDPR_ECORRUPT,
                        read_shape, shape);
}

int
gdpr_pg__schema_version(store *base, int *version_out)
{
    pg_store *st = (pg_store *)base;
    db_shape shape = {0, 0, 0};
    int64_t v = 0;
    int rc = read_database_shape(st, &shape);

    if (rc != GDPR_OK)
        return rc;
    *version_out = 0;
    if (shape.data_schema == 0)
        return GDPR_OK;
    rc = gdpr_pg__one_int64(st, "SELECT version FROM " PG_DATA_SCHEMA ".schema_version", NULL,
                            "reading the schema version", &v);
    if (rc == GDPR_ENOTFOUND)
        return gdpr__err_set(GDPR_ECORRUPT,
                             "store: schema '" PG_DATA_SCHEMA "' has no version row");
    *version_out = (int)v;
    return rc;
}

/* Decide, touching nothing, whether the database is new (empty), ours at a
 * version we know, or something we must not write into. */
static int
check_database(pg_store *st, const char *where, int *is_new)
{
    db_shape shape = {0, 0, 0};
    int64_t keys_version = 0;
    int version = 0;
    int rc = read_database_shape(st, &shape);

    if (rc != GDPR_OK)
        return rc;
    if (shape.data_schema == 0 && shape.keys_schema == 0) {
        if (shape.foreign_relations > 0)
            return gdpr__err_set(GDPR_EINVAL,
                                 "path: %s holds %lld tables of another application and no "
                                 "libgdpr schema; give libgdpr a database of its own",
                                 where, (long long)shape.foreign_relations);
        *is_new = 1;
        return GDPR_OK;
    }
    if (shape.data_schema == 0)
        return gdpr__err_set(GDPR_ECORRUPT,
                             "path: %s has the key schema '" PG_KEYS_SCHEMA
                             "' but no data schema '" PG_DATA_SCHEMA "'",
                             where);
    if (shape.keys_schema == 0)
        return gdpr__err_set(
            GDPR_ECORRUPT,
            "keystore: %s has no key schema '" PG_KEYS_SCHEMA "' for its existing store", where);
    rc = gdpr_pg__schema_version(&st->base, &version);
    if (rc == GDPR_OK)
        rc = gdpr_pg__one_int64(st, "SELECT version FROM " PG_KEYS_SCHEMA ".schema_version", NULL,
                                "reading the key schema version", &keys_version);
    if (rc == GDPR_ENOTFOUND)
        rc = gdpr__err_set(GDPR_ECORRUPT,
                           "keystore: schema '" PG_KEYS_SCHEMA "' has no version row");
    if (rc != GDPR_OK)
        return rc;
    if (version > gdpr_pg__schema_latest() || keys_version > gdpr_pg__schema_latest())
        return gdpr__err_set(GDPR_EVERSION,
                             "store: schema version %d was written by a newer libgdpr "
                             "(this one knows up to %d)",
                             version > (int)keys_version ? version : (int)keys_version,
                             gdpr_pg__schema_latest());
    if (version == 0)
        return gdpr__err_set(GDPR_ECORRUPT, "store: %s has an empty schema version", where);
    *is_new = 0;
    st->has_schema = 1;
    return GDPR_OK;
}

static int
session_setup(pg_store *st)
{
    char sql[160];
    int rc;

    /* Every name we use is schema-qualified; an empty search_path keeps
     * objects of other schemas from being picked up in their place.
     * lock_timeout bounds the wait for the store's write lock like
     * SQLite's busy timeout. */
    snprintf(sql, sizeof sql,
             "SELECT pg_catalog.set_config('search_path', '', false),"
             " pg_catalog.set_config('lock_timeout', '%d', false)",
             st->busy_timeout_ms);
    rc = gdpr_pg__exec_plain(st, sql, "setting up the session");
    if (rc == GDPR_OK && st->read_only)
        rc = gdpr_pg__exec_plain(st, "SET default_transaction_read_only = on",
                                 "setting up the session");
    return rc;
}

int
gdpr_pg__open(store **out, const store_config *cfg, int *is_new)
{
    pg_store *st;
    char where[300];
    char detail[512];
    int rc = check_uri(cfg->path);

    if (rc != GDPR_OK)
        return rc;
    st = calloc(1, sizeof *st);
    if (st == NULL)
        return gdpr__err_set(GDPR_ENOMEM, "out of memory opening the store");
    st->base.ops = &gdpr_store__postgres_ops;
    st->read_only = cfg->read_only;
    st->busy_timeout_ms = cfg->busy_timeout_ms > 0 ? cfg->busy_timeout_ms : 5000;
    st->conninfo = strdup(cfg->path);
    if (st->conninfo == NULL) {
        free(st);
        return gdpr__err_set(GDPR_ENOMEM, "out of memory opening the store");
    }
    st->conn = PQconnectdb(st->conninfo);
    if (st->conn == NULL) {
        gdpr_pg__close(&st->base);
        return gdpr__err_set(GDPR_ENOMEM, "out of memory connecting to PostgreSQL");
    }
    PQsetNoticeProcessor(st->conn, no_notices, NULL);
    describe(st->conn, where, sizeof where);
    if (PQstatus(st->conn) != CONNECTION_OK) {
        one_line(detail, sizeof detail, PQerrorMessage(st->conn));
        gdpr_pg__close(&st->base);
        return gdpr__err_set(GDPR_ESTORAGE, "path: cannot connect to PostgreSQL (%s): %s", where,
                             detail);
    }
    if (PQserverVersion(st->conn) < PG_MIN_SERVER_VERSION) {
        int v = PQserverVersion(st->conn);
        gdpr_pg__close(&st->base);
        return gdpr__err_set(GDPR_EVERSION,
                             "path: %s runs PostgreSQL %d.%d; libgdpr needs PostgreSQL 13 or "
                             "newer",
                             where, v / 10000, v % 10000);
    }
    *is_new = 0;
    rc = session_setup(st);
    if (rc == GDPR_OK)
        rc = check_database(st, where, is_new);
    if (rc == GDPR_OK && *is_new && st->read_only)
        rc = gdpr__err_set(GDPR_ESTATE,
                           "opts.read_only: %s holds no store yet; create it on the primary "
                           "with a writable open first",
                           where);
    if (rc != GDPR_OK) {
        gdpr_pg__close(&st->base);
        return rc;
    }
    *out = &st->base;
    return GDPR_OK;
}

void
gdpr_pg__close(store *base)
{
    pg_store *st = (pg_store *)base;

    if (st == NULL)
        return;
    gdpr_pg__close_pending(st);
    /* Closing the connection ends an open transaction without committing. */
    PQfinish(st->conn);
    free(st->subjects);
    free(st->conninfo);
    free(st);
}
