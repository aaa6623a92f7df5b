/*
 * Schema and forward migrations. Migration N brings both files from
 * version N-1 to N; PRAGMA user_version records where each file stands.
 * Never edit a released step: append a new one.
 * SPDX-License-Identifier: MIT
 */
#include "store/internal.h"

#include <stdio.h>

#include "error.h"

typedef struct {
    const char *data_sql; /* on the data file */
    const char *keys_sql; /* on the keystore (its own connection), or NULL */
} migration;

static const migration migrations[] = {
    /* 1: the foundation */
    {
        "CREATE TABLE main.meta(name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;"
        "CREATE TABLE main.subject("
        "  id INTEGER PRIMARY KEY,"
        "  hash BLOB NOT NULL UNIQUE,"      /* keyed blind index of the host id */
        "  ident BLOB NOT NULL,"            /* the host id, sealed with the DEK */
        "  created INTEGER NOT NULL,"
        "  flags INTEGER NOT NULL DEFAULT 0);"
        "CREATE TABLE main.audit("
        "  seq INTEGER PRIMARY KEY,"
        "  at INTEGER NOT NULL,"
        "  actor TEXT NOT NULL,"
        "  role TEXT NOT NULL,"
        "  action TEXT NOT NULL,"
        "  subject BLOB,"
        "  outcome INTEGER NOT NULL,"
        "  ref TEXT,"
        "  mac BLOB NOT NULL);"
        "CREATE TABLE main.policy("
        "  version INTEGER PRIMARY KEY,"
        "  loaded_at INTEGER NOT NULL,"
        "  actor TEXT NOT NULL,"
        "  sha256 BLOB NOT NULL,"
        "  document TEXT NOT NULL);",
        "CREATE TABLE main.meta(name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;"
        "CREATE TABLE main.subject_key("
        "  hash BLOB PRIMARY KEY,"
        "  wrapped BLOB NOT NULL) WITHOUT ROWID;",
    },
    /* 2: find a subject's audit events without a scan ("why is my data
     * gone?" answers come from here) */
    {
        "CREATE INDEX main.audit_subject ON audit(subject) WHERE subject IS NOT NULL;",
        NULL,
    },
};

int store_schema_create_version = 0;

int
store_schema_latest(void)
{
    return (int)(sizeof migrations / sizeof migrations[0]);
}

static int
set_versions(store *st, int version)
{
    char sql[64];
    int rc;

    snprintf(sql, sizeof sql, "PRAGMA user_version=%d", version);
    rc = store_exec(st, sql);
    if (rc == GDPR_OK)
        rc = store_exec_keys(st, sql);
    return rc;
}

int
store_migrate(store *st, int target)
{
    int current = 0;
    int rc = store_schema_version(st, &current);

    if (rc != GDPR_OK)
        return rc;
    if (target > store_schema_latest())
        return err_set(GDPR_EVERSION, "schema: no migration to version %d", target);
    for (int v = current + 1; v <= target && rc == GDPR_OK; v++) {
        const migration *m = &migrations[v - 1];
        rc = store_exec(st, m->data_sql);
        if (rc == GDPR_OK && m->keys_sql != NULL)
            rc = store_exec_keys(st, m->keys_sql);
        if (rc == GDPR_OK)
            rc = set_versions(st, v);
        if (rc != GDPR_OK)
            rc = err_wrap(rc, "migrating the schema to version %d", v);
    }
    return rc;
}
