/*
 * Schema and forward migrations. Migration N brings both files from
 * version N-1 to N; PRAGMA user_version records where each file stands.
 * Never edit a released step: append a new one.
 * SPDX-License-Identifier: MIT
 */
#include "sqlite_internal.h"

#include "rowmac.h"

#include <stdio.h>

#include "error.h"

typedef struct {
    const char *data_sql; /* on the data file */
    const char *keys_sql; /* on the keystore (its own connection), or NULL */
} migration;

/* The step that binds consent events (history rows) with a MAC like the
 * current-state rows (sqlite/rowmac.c): the append-only trigger goes for
 * the step, then, in C, the column (unless a store has it already) and the
 * MACs of the events there (gdpr_sqlite__consent_event_mac_migrate, which
 * puts the trigger back). Named so that migrate() finds its step by the
 * pointer, not by a version number. */
static const char consent_event_mac_sql[] = "DROP TRIGGER IF EXISTS main.consent_append_only;";

/* The request KPI triggers of migration 6 (migration 10 dropped them): a
 * request row counts in its (day, type, status) cell and in its close-days
 * cell; an insert adds the NEW row, a delete takes the OLD one away, an
 * update does both. */
#define KPI_ADD_NEW                                                                                \
    "  INSERT INTO request_kpi VALUES(NEW.received / 86400, NEW.type, NEW.status, 1,"              \
    "    NEW.closed > 0 AND NEW.closed >= NEW.due, NEW.extended_months > 0,"                       \
    "    NEW.escalations > 0, NEW.escalations, NEW.flags <> 0, NEW.denial = 1,"                    \
    "    NEW.denial = 2, NEW.denial = 3, NEW.denial = 4, NEW.denial = 5)"                          \
    "  ON CONFLICT(day, type, status) DO UPDATE SET n = n + 1,"                                    \
    "    late = late + excluded.late, extended = extended + excluded.extended,"                    \
    "    escalated = escalated + excluded.escalated,"                                              \
    "    escalations = escalations + excluded.escalations,"                                        \
    "    high_risk = high_risk + excluded.high_risk, denied1 = denied1 + excluded.denied1,"        \
    "    denied2 = denied2 + excluded.denied2, denied3 = denied3 + excluded.denied3,"              \
    "    denied4 = denied4 + excluded.denied4, denied5 = denied5 + excluded.denied5;"              \
    "  INSERT INTO request_kpi_close SELECT NEW.received / 86400, NEW.close_days, 1"               \
    "   WHERE NEW.status IN (3, 4)"                                                                \
    "  ON CONFLICT(day, close_days) DO UPDATE SET n = n + 1;"

#define KPI_TAKE_OLD                                                                               \
    "  UPDATE request_kpi SET n = n - 1,"                                                          \
    "    late = late - (OLD.closed > 0 AND OLD.closed >= OLD.due),"                                \
    "    extended = extended - (OLD.extended_months > 0),"                                         \
    "    escalated = escalated - (OLD.escalations > 0),"                                           \
    "    escalations = escalations - OLD.escalations, high_risk = high_risk - (OLD.flags <> 0),"   \
    "    denied1 = denied1 - (OLD.denial = 1), denied2 = denied2 - (OLD.denial = 2),"              \
    "    denied3 = denied3 - (OLD.denial = 3), denied4 = denied4 - (OLD.denial = 4),"              \
    "    denied5 = denied5 - (OLD.denial = 5)"                                                     \
    "   WHERE day = OLD.received / 86400 AND type = OLD.type AND status = OLD.status;"             \
    "  UPDATE request_kpi_close SET n = n - 1"                                                     \
    "   WHERE OLD.status IN (3, 4) AND day = OLD.received / 86400"                                 \
    "     AND close_days = OLD.close_days;"

static const migration migrations[] = {
    /* 1: the foundation */
    {
        "CREATE TABLE main.meta(name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;"
        "CREATE TABLE main.subject("
        "  id INTEGER PRIMARY KEY,"
        "  hash BLOB NOT NULL UNIQUE," /* keyed blind index of the host id */
        "  ident BLOB NOT NULL,"       /* the host id, sealed with the DEK */
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
    /* vault (issue 5): personal-data records sealed under the subject's
     * key, identifiers by keyed blind index; `due` is filled by retention */
    {
        "CREATE TABLE main.vault("
        "  id INTEGER PRIMARY KEY,"
        "  subject BLOB NOT NULL," /* subject hash */
        "  category TEXT NOT NULL,"
        "  purpose TEXT NOT NULL,"
        "  field TEXT,"  /* label such as 'email', not personal */
        "  source TEXT," /* where it came from; NULL: the subject */
        "  collected INTEGER NOT NULL,"
        "  updated INTEGER NOT NULL,"
        "  anchor INTEGER," /* retention anchor time */
        "  due INTEGER,"    /* retention due time */
        "  special INTEGER NOT NULL DEFAULT 0,"
        "  value BLOB NOT NULL);" /* sealed: vault/id/value */
        "CREATE INDEX main.vault_subject ON vault(subject, id);"
        "CREATE INDEX main.vault_due ON vault(due) WHERE due IS NOT NULL;"
        "CREATE TABLE main.identity("
        "  id INTEGER PRIMARY KEY,"
        "  hash BLOB NOT NULL UNIQUE," /* blind index, domain ident:<kind> */
        "  subject BLOB NOT NULL,"
        "  kind TEXT NOT NULL,"
        "  created INTEGER NOT NULL,"
        "  value BLOB NOT NULL);" /* sealed: identity/id/value */
        "CREATE INDEX main.identity_subject ON identity(subject, id);",
        NULL,
    },
    /* consent ledger (issue 4): append-only events, the current state per
     * (subject, purpose, recipient) for checks in microseconds, the
     * disclosure log. AUTOINCREMENT: an id is never reused after erasure,
     * so a receipt can never name another person's event. */
    {
        "CREATE TABLE main.consent("
        "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
        "  subject BLOB NOT NULL," /* subject hash */
        "  at INTEGER NOT NULL,"
        "  purpose TEXT NOT NULL,"
        "  state INTEGER NOT NULL," /* 1 granted, 2 withdrawn, 3 refused */
        "  notice TEXT NOT NULL,"
        "  notice_version TEXT NOT NULL,"
        "  notice_sha256 BLOB NOT NULL,"
        "  policy_version INTEGER NOT NULL,"
        "  channel TEXT NOT NULL,"
        "  actor TEXT NOT NULL,"
        "  expires INTEGER NOT NULL," /* 0: none */
        "  recipient TEXT NOT NULL,"  /* '', policy id, or person:<blind index> */
        "  recipient_sealed BLOB,"    /* sealed: consent/id/recipient */
        "  proof BLOB,"               /* sealed: consent/id/proof */
        "  flags INTEGER NOT NULL);"
        "CREATE INDEX main.consent_subject ON consent(subject, id);"
        "CREATE TRIGGER main.consent_append_only BEFORE UPDATE ON consent"
        " BEGIN SELECT RAISE(ABORT, 'consent events are append-only'); END;"
        "CREATE TABLE main.consent_state("
        "  subject BLOB NOT NULL,"
        "  purpose TEXT NOT NULL,"
        "  recipient TEXT NOT NULL,"
        "  event INTEGER NOT NULL,"
        "  at INTEGER NOT NULL,"
        "  state INTEGER NOT NULL,"
        "  expires INTEGER NOT NULL,"
        "  flags INTEGER NOT NULL,"
        "  PRIMARY KEY(subject, purpose, recipient)) WITHOUT ROWID;"
        "CREATE TABLE main.disclosure("
        "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
        "  subject BLOB NOT NULL,"
        "  at INTEGER NOT NULL,"
        "  recipient TEXT NOT NULL,"
        "  recipient_sealed BLOB," /* sealed: disclosure/id/recipient */
        "  purpose TEXT NOT NULL,"
        "  ground TEXT NOT NULL,"
        "  actor TEXT NOT NULL,"
        "  consent_event INTEGER);"
        "CREATE INDEX main.disclosure_subject ON disclosure(subject, id);"
        "CREATE TRIGGER main.disclosure_append_only BEFORE UPDATE ON disclosure"
        " BEGIN SELECT RAISE(ABORT, 'disclosures are append-only'); END;",
        NULL,
    },
    /* cross-border transfers (issue 8): the decision log (refusals too),
     * safeguards added at run time, adequacy lists loaded from files.
     * Nothing personal: the subject is its keyed hash. */
    {
        "CREATE TABLE main.transfer("
        "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
        "  subject BLOB NOT NULL," /* subject hash */
        "  at INTEGER NOT NULL,"   /* date of the transfer checked */
        "  logged_at INTEGER NOT NULL,"
        "  actor TEXT NOT NULL,"
        "  recipient TEXT NOT NULL," /* policy recipient id */
        "  country TEXT NOT NULL,"
        "  mechanism TEXT NOT NULL," /* eea, adequacy, scc, ..., refused */
        "  reference TEXT,"
        "  allowed INTEGER NOT NULL,"
        "  reason TEXT NOT NULL);"
        "CREATE INDEX main.transfer_subject ON transfer(subject, id);"
        "CREATE TRIGGER main.transfer_append_only BEFORE UPDATE ON transfer"
        " BEGIN SELECT RAISE(ABORT, 'the transfer log is append-only'); END;"
        "CREATE TABLE main.transfer_safeguard("
        "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
        "  recipient TEXT NOT NULL,"
        "  type TEXT NOT NULL,"      /* scc, bcr, ... */
        "  module INTEGER NOT NULL," /* SCC module 1-4, else 0 */
        "  reference TEXT NOT NULL,"
        "  valid_from INTEGER NOT NULL,"
        "  valid_until INTEGER NOT NULL," /* 0: open-ended */
        "  added_at INTEGER NOT NULL,"
        "  added_by TEXT NOT NULL,"
        "  revoked_at INTEGER NOT NULL DEFAULT 0,"
        "  revoked_by TEXT);"
        "CREATE INDEX main.transfer_safeguard_recipient ON transfer_safeguard(recipient, id);"
        "CREATE TABLE main.adequacy_list("
        "  version INTEGER PRIMARY KEY,"
        "  loaded_at INTEGER NOT NULL,"
        "  actor TEXT NOT NULL,"
        "  sha256 BLOB NOT NULL,"
        "  document TEXT NOT NULL);", /* '': back to the shipped list */
        NULL,
    },
    /* data-subject requests (issue 9): the register, its case history
     * (free text sealed under the subject's key), and per-day KPI counters
     * kept by triggers so that KPIs cost the days asked for, not the
     * requests stored. Only open requests are in the due-time index. */
    {
        "CREATE TABLE main.request("
        "  id INTEGER PRIMARY KEY,"
        "  type INTEGER NOT NULL,"   /* gdpr_request_type */
        "  status INTEGER NOT NULL," /* gdpr_request_status */
        "  subject BLOB,"            /* subject hash; NULL while unmatched */
        "  ident_kind TEXT,"         /* 'email', 'phone' ... or NULL */
        "  ident_hash BLOB,"         /* blind index of the identifier */
        "  ident_value BLOB,"        /* sealed: request/id/ident_value */
        "  channel TEXT NOT NULL,"
        "  received INTEGER NOT NULL,"
        "  first_due INTEGER NOT NULL," /* Art. 12(3) one month, exclusive end */
        "  due INTEGER NOT NULL,"       /* first_due or the extended one */
        "  extended_months INTEGER NOT NULL DEFAULT 0,"
        "  told_at INTEGER NOT NULL DEFAULT 0,"
        "  verification INTEGER NOT NULL DEFAULT 0,"
        "  verify_method INTEGER NOT NULL DEFAULT 0,"
        "  verified_at INTEGER NOT NULL DEFAULT 0,"
        "  flags INTEGER NOT NULL DEFAULT 0," /* high-risk flags */
        "  escalated_to TEXT,"                /* policy role id */
        "  escalations INTEGER NOT NULL DEFAULT 0,"
        "  denial INTEGER NOT NULL DEFAULT 0,"
        "  grace_until INTEGER NOT NULL DEFAULT 0,"
        "  closed INTEGER NOT NULL DEFAULT 0,"
        "  close_days INTEGER NOT NULL DEFAULT -1," /* local days received..closed */
        "  updated INTEGER NOT NULL,"
        "  policy_version INTEGER NOT NULL);"
        "CREATE INDEX main.request_received ON request(received);"
        "CREATE INDEX main.request_subject ON request(subject, id) WHERE subject IS NOT NULL;"
        "CREATE TABLE main.request_event("
        "  id INTEGER PRIMARY KEY,"
        "  request INTEGER NOT NULL REFERENCES request(id),"
        "  at INTEGER NOT NULL,"
        "  actor TEXT NOT NULL,"
        "  role TEXT NOT NULL,"
        "  action TEXT NOT NULL,"
        "  status INTEGER NOT NULL," /* status after the event */
        "  detail TEXT,"             /* non-personal ('to dpo', '2 months') */
        "  note BLOB);"              /* sealed: request_event/id/note */
        "CREATE INDEX main.request_event_request ON request_event(request, id);"
        "CREATE TABLE main.request_kpi("
        "  day INTEGER NOT NULL," /* received / 86400 (UTC day) */
        "  type INTEGER NOT NULL,"
        "  status INTEGER NOT NULL,"
        "  n INTEGER NOT NULL,"    /* requests */
        "  late INTEGER NOT NULL," /* of them closed at or after the due time */
        "  extended INTEGER NOT NULL,"
        "  escalated INTEGER NOT NULL,"
        "  escalations INTEGER NOT NULL,"
        "  high_risk INTEGER NOT NULL,"
        "  denied1 INTEGER NOT NULL, denied2 INTEGER NOT NULL, denied3 INTEGER NOT NULL,"
        "  denied4 INTEGER NOT NULL, denied5 INTEGER NOT NULL," /* by denial reason */
        "  PRIMARY KEY(day, type, status)) WITHOUT ROWID;"
        "CREATE TABLE main.request_kpi_close("
        "  day INTEGER NOT NULL,"
        "  close_days INTEGER NOT NULL,"
        "  n INTEGER NOT NULL,"
        "  PRIMARY KEY(day, close_days)) WITHOUT ROWID;"
        "CREATE TRIGGER main.request_kpi_insert AFTER INSERT ON request BEGIN" KPI_ADD_NEW "END;"
        "CREATE TRIGGER main.request_kpi_update AFTER UPDATE OF type, status, denial,"
        "  close_days, closed, due, extended_months, escalations, flags, received"
        "  ON request BEGIN" KPI_TAKE_OLD KPI_ADD_NEW "END;"
        "CREATE TRIGGER main.request_kpi_delete AFTER DELETE ON request BEGIN" KPI_TAKE_OLD "END;"
        "CREATE INDEX main.request_open_due ON request(due, id, received)"
        "  WHERE status IN (1, 2);",
        NULL,
    },
    /* erasure (issue 6): legal holds, tombstones (what was erased, what was
     * kept and why), source erase hooks still pending, and the queue of
     * subject keys to destroy. */
    {
        "CREATE TABLE main.erasure_hold(  id INTEGER PRIMARY KEY AUTOINCREMENT,"
        "  scope INTEGER NOT NULL,  subject BLOB,  record INTEGER NOT NULL DEFAULT 0,"
        "  category TEXT,  reason TEXT NOT NULL,  placed_at INTEGER NOT NULL,"
        "  placed_by TEXT NOT NULL,  until INTEGER NOT NULL,"
        "  released_at INTEGER NOT NULL DEFAULT 0,  released_by TEXT,"
        "  release_reason TEXT);"
        "CREATE INDEX main.erasure_hold_open ON erasure_hold(scope, id) WHERE released_at = 0;"
        "CREATE TABLE main.tombstone(  id INTEGER PRIMARY KEY AUTOINCREMENT,"
        "  kind INTEGER NOT NULL,  subject BLOB NOT NULL,  at INTEGER NOT NULL,"
        "  ground TEXT NOT NULL,  actor TEXT NOT NULL,  role TEXT NOT NULL,"
        "  erased INTEGER NOT NULL,  retained INTEGER NOT NULL,"
        "  complete INTEGER NOT NULL,  wiped INTEGER NOT NULL,"
        "  imported INTEGER NOT NULL DEFAULT 0,  replayed INTEGER NOT NULL DEFAULT 0);"
        "CREATE INDEX main.tombstone_subject ON tombstone(subject, id);"
        "CREATE INDEX main.tombstone_unwiped ON tombstone(id) WHERE wiped = 0;"
        "CREATE TABLE main.tombstone_kept(  tombstone INTEGER NOT NULL,"
        "  record INTEGER NOT NULL,  category TEXT NOT NULL,  purpose TEXT NOT NULL,"
        "  reason TEXT NOT NULL,  rule TEXT NOT NULL,  until INTEGER NOT NULL,"
        "  erased_at INTEGER NOT NULL DEFAULT 0,"
        "  PRIMARY KEY(tombstone, record)) WITHOUT ROWID;"
        "CREATE INDEX main.tombstone_kept_record ON tombstone_kept(record) WHERE erased_at = 0;"
        "CREATE TABLE main.tombstone_record(  tombstone INTEGER NOT NULL,"
        "  record INTEGER NOT NULL,  PRIMARY KEY(tombstone, record)) WITHOUT ROWID;"
        "CREATE TABLE main.tombstone_recipient(  tombstone INTEGER NOT NULL,"
        "  recipient TEXT NOT NULL,  disclosures INTEGER NOT NULL,"
        "  last_at INTEGER NOT NULL,  PRIMARY KEY(tombstone, recipient)) WITHOUT ROWID;"
        "CREATE TABLE main.erasure_pending(  id INTEGER PRIMARY KEY AUTOINCREMENT,"
        "  tombstone INTEGER NOT NULL,  subject BLOB NOT NULL,  source TEXT NOT NULL,"
        "  key_id BLOB NOT NULL,  sealed BLOB NOT NULL,  since INTEGER NOT NULL,"
        "  attempts INTEGER NOT NULL DEFAULT 0,  last_at INTEGER NOT NULL DEFAULT 0,"
        "  last_error TEXT NOT NULL DEFAULT '');"
        "CREATE INDEX main.erasure_pending_shred ON erasure_pending(key_id);"
        "CREATE TABLE main.erasure_shred_queue(  hash BLOB PRIMARY KEY,"
        "  tombstone INTEGER NOT NULL,  queued INTEGER NOT NULL) WITHOUT ROWID;",
        NULL,
    },
    /* retention (issue 7): anchors per subject, each record's retention
     * state, review tasks, resumable runs, anonymised aggregates, and
     * triggers that follow deletions. */
    {
        "CREATE TABLE main.retention_anchor(  subject BLOB NOT NULL,"
        "  kind INTEGER NOT NULL,  purpose TEXT NOT NULL,  at INTEGER NOT NULL,"
        "  PRIMARY KEY(subject, kind, purpose)) WITHOUT ROWID;"
        "CREATE TABLE main.retention_state(  record INTEGER PRIMARY KEY,"
        "  keep_until INTEGER,  review INTEGER);"
        "CREATE TABLE main.retention_review(  id INTEGER PRIMARY KEY AUTOINCREMENT,"
        "  record INTEGER NOT NULL,  subject BLOB NOT NULL,  rule TEXT NOT NULL,"
        "  category TEXT NOT NULL,  purpose TEXT NOT NULL,  record_due INTEGER NOT NULL,"
        "  opened INTEGER NOT NULL,  deadline INTEGER NOT NULL,  status INTEGER NOT NULL,"
        "  decided INTEGER NOT NULL DEFAULT 0,  decided_by TEXT,  role TEXT,"
        "  keep_until INTEGER NOT NULL DEFAULT 0,  justification BLOB);"
        "CREATE INDEX main.retention_review_open ON retention_review(deadline, id) WHERE status = "
        "1;"
        "CREATE INDEX main.retention_review_subject ON retention_review(subject) WHERE "
        "justification IS NOT NULL;"
        "CREATE TABLE main.retention_run(  id INTEGER PRIMARY KEY,"
        "  as_of INTEGER NOT NULL,  started INTEGER NOT NULL,  actor TEXT NOT NULL,"
        "  cursor_due INTEGER,  cursor_id INTEGER,  examined INTEGER NOT NULL DEFAULT 0,"
        "  erased INTEGER NOT NULL DEFAULT 0,  anonymised INTEGER NOT NULL DEFAULT 0,"
        "  reviews_opened INTEGER NOT NULL DEFAULT 0,  held INTEGER NOT NULL DEFAULT 0,"
        "  finished INTEGER NOT NULL DEFAULT 0);"
        "CREATE INDEX main.retention_run_open ON retention_run(id) WHERE finished = 0;"
        "CREATE TABLE main.retention_aggregate(  rule TEXT NOT NULL,"
        "  category TEXT NOT NULL,  purpose TEXT NOT NULL,  field TEXT NOT NULL,"
        "  value TEXT NOT NULL,  month INTEGER NOT NULL,  n INTEGER NOT NULL,"
        "  PRIMARY KEY(rule, category, purpose, field, value, month)) WITHOUT ROWID;"
        "CREATE TRIGGER main.retention_vault_gone AFTER DELETE ON vault BEGIN"
        "  UPDATE retention_review SET status = 4"
        "   WHERE id = (SELECT review FROM retention_state WHERE record = OLD.id) AND status = 1;"
        "  DELETE FROM retention_state WHERE record = OLD.id;"
        "END;"
        "CREATE TRIGGER main.retention_subject_gone AFTER DELETE ON subject BEGIN"
        "  DELETE FROM retention_anchor WHERE subject = OLD.hash;"
        "  UPDATE retention_review SET justification = NULL"
        "   WHERE subject = OLD.hash AND justification IS NOT NULL;"
        "END;",
        NULL,
    },
    /* 9: ids and the generation (docs/decisions/0006-store-interface.md).
     * One row per id sequence holding the last id handed out, seeded above
     * every id ever issued: the table's own rows, every column elsewhere
     * that refers to such an id (holds, kept and erased record lists,
     * retention state, reviews, pending hooks, the key queue), AUTOINCREMENT's
     * high-water marks, and the ids audit references name ("record 12",
     * "hold 3", ...), so a deleted highest row's id is not issued again
     * where a trace of it remains. Plus the store's generation. */
    {
        "CREATE TABLE main.counter(name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
        "INSERT INTO main.counter VALUES('generation', 0);"
        "INSERT INTO main.counter SELECT 'subject', coalesce(max(v), 0) FROM ("
        "  SELECT max(id) AS v FROM main.subject"
        ");"
        "INSERT INTO main.counter SELECT 'identity', coalesce(max(v), 0) FROM ("
        "  SELECT max(id) AS v FROM main.identity"
        ");"
        "INSERT INTO main.counter SELECT 'vault', coalesce(max(v), 0) FROM ("
        "  SELECT max(id) AS v FROM main.vault"
        "  UNION ALL SELECT max(record) FROM main.retention_state"
        "  UNION ALL SELECT max(record) FROM main.retention_review"
        "  UNION ALL SELECT max(record) FROM main.tombstone_kept"
        "  UNION ALL SELECT max(record) FROM main.tombstone_record"
        "  UNION ALL SELECT max(record) FROM main.erasure_hold"
        "  UNION ALL SELECT max(cursor_id) FROM main.retention_run"
        "  UNION ALL SELECT CAST(substr(ref, instr(ref, 'record ') + 7) AS INTEGER)"
        "    FROM main.audit WHERE instr(ref, 'record ') > 0"
        ");"
        "INSERT INTO main.counter SELECT 'consent', coalesce(max(v), 0) FROM ("
        "  SELECT max(id) AS v FROM main.consent"
        "  UNION ALL SELECT seq FROM main.sqlite_sequence WHERE name = 'consent'"
        "  UNION ALL SELECT max(event) FROM main.consent_state"
        "  UNION ALL SELECT max(consent_event) FROM main.disclosure"
        ");"
        "INSERT INTO main.counter SELECT 'disclosure', coalesce(max(v), 0) FROM ("
        "  SELECT max(id) AS v FROM main.disclosure"
        "  UNION ALL SELECT seq FROM main.sqlite_sequence WHERE name = 'disclosure'"
        ");"
        "INSERT INTO main.counter SELECT 'transfer', coalesce(max(v), 0) FROM ("
        "  SELECT max(id) AS v FROM main.transfer"
        "  UNION ALL SELECT seq FROM main.sqlite_sequence WHERE name = 'transfer'"
        ");"
        "INSERT INTO main.counter SELECT 'safeguard', coalesce(max(v), 0) FROM ("
        "  SELECT max(id) AS v FROM main.transfer_safeguard"
        "  UNION ALL SELECT seq FROM main.sqlite_sequence WHERE name = 'transfer_safeguard'"
        ");"
        "INSERT INTO main.counter SELECT 'request', coalesce(max(v), 0) FROM ("
        "  SELECT max(id) AS v FROM main.request"
        "  UNION ALL SELECT max(request) FROM main.request_event"
        "  UNION ALL SELECT CAST(substr(ref, instr(ref, 'request ') + 8) AS INTEGER)"
        "    FROM main.audit WHERE instr(ref, 'request ') > 0"
        ");"
        "INSERT INTO main.counter SELECT 'request_event', coalesce(max(v), 0) FROM ("
        "  SELECT max(id) AS v FROM main.request_event"
        ");"
        "INSERT INTO main.counter SELECT 'hold', coalesce(max(v), 0) FROM ("
        "  SELECT max(id) AS v FROM main.erasure_hold"
        "  UNION ALL SELECT seq FROM main.sqlite_sequence WHERE name = 'erasure_hold'"
        "  UNION ALL SELECT CAST(substr(ref, instr(ref, 'hold ') + 5) AS INTEGER)"
        "    FROM main.audit WHERE instr(ref, 'hold ') > 0"
        ");"
        "INSERT INTO main.counter SELECT 'tombstone', coalesce(max(v), 0) FROM ("
        "  SELECT max(id) AS v FROM main.tombstone"
        "  UNION ALL SELECT seq FROM main.sqlite_sequence WHERE name = 'tombstone'"
        "  UNION ALL SELECT max(tombstone) FROM main.tombstone_kept"
        "  UNION ALL SELECT max(tombstone) FROM main.tombstone_record"
        "  UNION ALL SELECT max(tombstone) FROM main.tombstone_recipient"
        "  UNION ALL SELECT max(tombstone) FROM main.erasure_pending"
        "  UNION ALL SELECT max(tombstone) FROM main.erasure_shred_queue"
        "  UNION ALL SELECT CAST(substr(ref, instr(ref, 'tombstone ') + 10) AS INTEGER)"
        "    FROM main.audit WHERE instr(ref, 'tombstone ') > 0"
        ");"
        "INSERT INTO main.counter SELECT 'pending', coalesce(max(v), 0) FROM ("
        "  SELECT max(id) AS v FROM main.erasure_pending"
        "  UNION ALL SELECT seq FROM main.sqlite_sequence WHERE name = 'erasure_pending'"
        ");"
        "INSERT INTO main.counter SELECT 'review', coalesce(max(v), 0) FROM ("
        "  SELECT max(id) AS v FROM main.retention_review"
        "  UNION ALL SELECT seq FROM main.sqlite_sequence WHERE name = 'retention_review'"
        "  UNION ALL SELECT max(review) FROM main.retention_state"
        "  UNION ALL SELECT CAST(substr(ref, instr(ref, 'review ') + 7) AS INTEGER)"
        "    FROM main.audit WHERE instr(ref, 'review ') > 0"
        ");"
        "INSERT INTO main.counter SELECT 'retention_run', coalesce(max(v), 0) FROM ("
        "  SELECT max(id) AS v FROM main.retention_run"
        "  UNION ALL SELECT CAST(substr(ref, instr(ref, 'run ') + 4) AS INTEGER)"
        "    FROM main.audit WHERE instr(ref, 'run ') > 0"
        ");",
        NULL,
    },
    /* 10: the request KPI counters are kept by the store's C code in the
     * request's own transaction (sqlite/request.c), not by triggers: a
     * second backend implements the same operations without a trigger
     * language. The counters themselves are unchanged. */
    {
        "DROP TRIGGER main.request_kpi_insert;"
        "DROP TRIGGER main.request_kpi_update;"
        "DROP TRIGGER main.request_kpi_delete;",
        NULL,
    },
    /* 11: what follows a deleted vault record (its retention state, its
     * open review) or subject (anchors, sealed justifications) is done by
     * the store's delete operations (sqlite/vault.c, sqlite/erasure.c). */
    {
        "DROP TRIGGER main.retention_vault_gone;"
        "DROP TRIGGER main.retention_subject_gone;",
        NULL,
    },
    /* 12: many engines on one store (docs/decisions/0008-many-engines.md).
     * Keystore: each key row records the generation its transaction
     * commits as (`gen`: a key whose generation the data file never
     * reached is an orphan of a crash between the two commits, found and
     * taken back by the next transaction) and a random serial
     * naming that row (the key queue destroys only the key it was queued for);
     * counters for the key epoch (raised by every key deletion), the
     * master-key generation and the audit event of the last rotation.
     * Data file: the queue's bound serial, and the rotation generation
     * whose audit event is in the data file. */
    {
        "ALTER TABLE main.erasure_shred_queue ADD COLUMN key_serial INTEGER;"
        "INSERT INTO main.counter VALUES('kek_generation', 0);",
        "ALTER TABLE main.subject_key ADD COLUMN gen INTEGER;"
        "ALTER TABLE main.subject_key ADD COLUMN serial INTEGER;"
        "CREATE INDEX main.subject_key_gen ON subject_key(gen) WHERE gen IS NOT NULL;"
        "CREATE TABLE main.counter(name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
        "INSERT INTO main.counter VALUES('key_epoch', 0), ('kek_generation', 0),"
        "  ('rekey_seq', 0);",
    },
    /* 13: lookup rows carry a MAC under the row key (sqlite/rowmac.c), so
     * an edited identity or consent-state row is refused; anonymised
     * aggregate values are sealed under the store key, the plaintext column
     * holding a keyed index instead (sqlite/aggregate.c). The rows already
     * there are converted by gdpr_sqlite__row_mac_migrate in the same step. */
    {
        "ALTER TABLE main.identity ADD COLUMN mac BLOB;"
        "ALTER TABLE main.consent_state ADD COLUMN mac BLOB;"
        "ALTER TABLE main.retention_aggregate ADD COLUMN value_sealed BLOB;",
        NULL,
    },
    /* 14: objections per purpose (Art. 21): the subject's keyed hash and the
     * purpose objected to ('*': all direct marketing). Erasure leaves them:
     * an objection to direct marketing is a suppression entry that must
     * outlive the data (docs/consent.md), and it holds no personal data
     * beyond the keyed hash. */
    {
        "CREATE TABLE main.objection("
        "  subject BLOB NOT NULL,"
        "  purpose TEXT NOT NULL,"
        "  at INTEGER NOT NULL,"
        "  PRIMARY KEY(subject, purpose)) WITHOUT ROWID;",
        NULL,
    },
    /* 15: Art. 12(4): a refusal is late from one month after receipt
     * (first_due), extended or not; the KPI counters of denied requests
     * are counted again under that rule (sqlite/request.c kpi_of). */
    {
        "UPDATE main.request_kpi SET late = ("
        "  SELECT count(*) FROM main.request r WHERE r.received / 86400 = request_kpi.day"
        "  AND r.type = request_kpi.type AND r.status = 4"
        "  AND r.closed > 0 AND r.closed >= r.first_due)"
        " WHERE status = 4;",
        NULL,
    },
    /* 16: Art. 8(1): the holder of parental responsibility who gave or
     * authorised a child's consent, sealed like the proof
     * (consent/<id>/guardian); erased with the subject's events. */
    {
        "ALTER TABLE main.consent ADD COLUMN guardian BLOB;",
        NULL,
    },
    /* 17: the Data Rights Protocol denial reasons suspected_fraud (6) and
     * outside_jurisdiction (7) get their KPI counters; no request could be
     * denied with them before, so the counters start at 0. */
    {
        "ALTER TABLE main.request_kpi ADD COLUMN denied6 INTEGER NOT NULL DEFAULT 0;"
        "ALTER TABLE main.request_kpi ADD COLUMN denied7 INTEGER NOT NULL DEFAULT 0;",
        NULL,
    },
    /* 18: Art. 12(2), 12(6): when the controller first asked the requester
     * for information to confirm identity (a "verify" event to pending in
     * the history before this step); an expired request counts as late
     * unless it was asked before its due date (sqlite/request.c kpi_of). */
    {
        "ALTER TABLE main.request ADD COLUMN info_asked_at INTEGER NOT NULL DEFAULT 0;"
        "UPDATE main.request SET info_asked_at = coalesce((SELECT min(e.at)"
        "  FROM main.request_event e WHERE e.request = request.id AND e.action = 'verify'"
        "  AND e.detail LIKE 'pending%'), 0);"
        "UPDATE main.request_kpi SET late = ("
        "  SELECT count(*) FROM main.request r WHERE r.received / 86400 = request_kpi.day"
        "  AND r.type = request_kpi.type AND r.status = 6"
        "  AND (r.info_asked_at = 0 OR r.info_asked_at >= r.due))"
        " WHERE status = 6;",
        NULL,
    },
    /* 19 (law49): Art. 49 "occasional": the transfer check counts a recipient's
     * derogation transfers in a window (sqlite/transfer.c transfer_count). */
    {
        "CREATE INDEX IF NOT EXISTS main.transfer_recipient_at ON transfer(recipient, at);",
        NULL,
    },
    /* 20: Art. 17(3): a hold names its exemption ground (a gdpr_exemption
     * value; every earlier hold was placed for legal claims, 17(3)(e) = 6)
     * and may be narrowed to a purpose and a collection range; a kept
     * record names the ground it was kept under (hold: 6; a legal-duty
     * rule: legal obligation, 17(3)(b) = 2). */
    {
        "ALTER TABLE main.erasure_hold ADD COLUMN ground INTEGER NOT NULL DEFAULT 6;"
        "ALTER TABLE main.erasure_hold ADD COLUMN purpose TEXT;"
        "ALTER TABLE main.erasure_hold ADD COLUMN collected_from INTEGER NOT NULL DEFAULT 0;"
        "ALTER TABLE main.erasure_hold ADD COLUMN collected_to INTEGER NOT NULL DEFAULT 0;"
        "ALTER TABLE main.tombstone_kept ADD COLUMN exemption INTEGER NOT NULL DEFAULT 0;"
        "UPDATE main.tombstone_kept SET exemption = CASE reason WHEN 'hold' THEN 6 ELSE 2 END;",
        NULL,
    },
    /* 21: Art. 15(1), 15(4), CJEU C-579/21 (Pankki S): the access log, when and
     * why a subject's data was consulted and by which role; the subject is
     * its keyed hash (erased with the subject); the actor id as the audit
     * trail keeps it, shown to the subject only as the policy decides. */
    {
        "CREATE TABLE main.access_log(  id INTEGER PRIMARY KEY,  subject BLOB NOT NULL,"
        "  at INTEGER NOT NULL,  actor TEXT NOT NULL,  role TEXT NOT NULL,"
        "  action TEXT NOT NULL,  purpose TEXT NOT NULL,  record INTEGER NOT NULL DEFAULT 0,"
        "  reason TEXT);"
        "CREATE INDEX main.access_log_subject ON access_log(subject, id);",
        NULL,
    },
    /* 22: consent signals (issue 16): GPC, TCF and GPP strings as received
     * (sealed: signal/<id>/value), and conflicts between an explicit
     * grant and a GPC signal. Both keep the subject by its keyed hash and
     * go with the subject's consent events at erasure. Written to run
     * again harmlessly (IF NOT EXISTS): tests that wind user_version back
     * to re-run a later migration need not undo this one. */
    {
        "CREATE TABLE IF NOT EXISTS main.consent_signal("
        "  id INTEGER PRIMARY KEY,"
        "  subject BLOB NOT NULL,"
        "  at INTEGER NOT NULL,"
        "  kind INTEGER NOT NULL," /* 1 GPC, 2 TCF, 3 GPP */
        "  value BLOB,"            /* sealed: signal/<id>/value */
        "  channel TEXT NOT NULL,"
        "  actor TEXT NOT NULL);"
        "CREATE INDEX IF NOT EXISTS main.consent_signal_subject ON consent_signal(subject, kind, "
        "at);"
        "CREATE TRIGGER IF NOT EXISTS main.consent_signal_append_only BEFORE UPDATE ON "
        "consent_signal"
        " BEGIN SELECT RAISE(ABORT, 'consent signals are append-only'); END;"
        "CREATE TABLE IF NOT EXISTS main.consent_conflict("
        "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
        "  subject BLOB NOT NULL,"
        "  at INTEGER NOT NULL,"
        "  purpose TEXT NOT NULL,"
        "  kind INTEGER NOT NULL," /* 1 GPC over a grant, 2 grant after GPC */
        "  consent_event INTEGER NOT NULL,"
        "  signal INTEGER NOT NULL,"
        "  result_event INTEGER NOT NULL);"
        "CREATE INDEX IF NOT EXISTS main.consent_conflict_subject ON consent_conflict(subject, id);"
        "CREATE INDEX IF NOT EXISTS main.consent_conflict_at ON consent_conflict(at, id);"
        "CREATE TRIGGER IF NOT EXISTS main.consent_conflict_append_only BEFORE UPDATE ON "
        "consent_conflict"
        " BEGIN SELECT RAISE(ABORT, 'consent conflicts are append-only'); END;"
        "INSERT OR IGNORE INTO main.counter VALUES('signal', 0);",
        NULL,
    },
    /* 23: issue 16: the personal-data breach register (Art. 33, 34;
     * docs/breach.md). Free texts that may hold personal data
     * (description, likely consequences, measures, reasons, notes) are
     * sealed under the store key (breach/<id>/<field>); affected subjects
     * are linked by keyed hash only. Only breaches awaiting a notification
     * decision are in the deadline index. */
    {
        "CREATE TABLE main.breach("
        "  id INTEGER PRIMARY KEY,"
        "  aware_at INTEGER NOT NULL,"
        "  occurred_at INTEGER NOT NULL,"
        "  opened_at INTEGER NOT NULL,"
        "  deadline INTEGER NOT NULL," /* aware_at + 72 h, Art. 33(1) */
        "  nature INTEGER NOT NULL,"   /* GDPR_BREACH_* bits */
        "  categories TEXT NOT NULL,"
        "  subjects_approx INTEGER NOT NULL,"
        "  records_approx INTEGER NOT NULL,"
        "  description BLOB NOT NULL,"  /* sealed */
        "  consequences BLOB NOT NULL," /* sealed */
        "  measures BLOB NOT NULL,"     /* sealed */
        "  notified_at INTEGER NOT NULL DEFAULT 0,"
        "  reference TEXT,"
        "  late_reason BLOB," /* sealed */
        "  not_required INTEGER NOT NULL DEFAULT 0,"
        "  decision INTEGER NOT NULL DEFAULT 0,"
        "  decided_at INTEGER NOT NULL DEFAULT 0,"
        "  informed_at INTEGER NOT NULL DEFAULT 0,"
        "  decision_note BLOB," /* sealed */
        "  actor TEXT NOT NULL,"
        "  updated INTEGER NOT NULL);"
        "CREATE INDEX main.breach_pending ON breach(deadline, id)"
        "  WHERE notified_at = 0 AND not_required = 0;"
        "CREATE TABLE main.breach_subject("
        "  breach INTEGER NOT NULL REFERENCES breach(id),"
        "  subject BLOB NOT NULL,"
        "  at INTEGER NOT NULL,"
        "  PRIMARY KEY(breach, subject)) WITHOUT ROWID;"
        "INSERT OR IGNORE INTO main.counter VALUES('breach', 0);",
        NULL,
    },
    /* 24: issue 16: a request of the same type for the same subject while one
     * is open is linked to it (status 7, duplicate) instead of running a
     * second clock; requests linked to one are found by this index. */
    {
        "ALTER TABLE main.request ADD COLUMN duplicate_of INTEGER NOT NULL DEFAULT 0;"
        "CREATE INDEX main.request_duplicate ON request(duplicate_of) WHERE duplicate_of > 0;",
        NULL,
    },
    /* 25: consent events carry a MAC under the row key, as the current-state
     * rows do since 13: an edited history row is refused (sqlite/rowmac.c). */
    {
        consent_event_mac_sql,
        NULL,
    },
    /* 26: issue 18: the audit events, consent events and current consent
     * states name their subject by its integer id (subject.id, from the
     * 'subject' counter: never reused after erasure), not by its 32-byte
     * random keyed hash: a new key then lands in a small index instead of
     * dirtying a random page of a large one. subject(hash) stays the one
     * index that resolves a hash to a subject. The audit row keeps its
     * hash (the chain's MAC covers it and must verify after erasure);
     * its id is NULL when the subject row is gone. The MACs of consent
     * rows still cover the hash, read through the id, so none is
     * recomputed (docs/decisions/0016-integer-subject-ids.md). A consent
     * row whose subject row is gone has no id to take: the step then fails
     * on the NOT NULL of consent_state and leaves the store as it was. */
    {
        "DROP TRIGGER IF EXISTS main.consent_append_only;"
        "ALTER TABLE main.audit ADD COLUMN subject_id INTEGER;"
        "UPDATE main.audit SET subject_id = (SELECT s.id FROM main.subject s"
        "  WHERE s.hash = audit.subject) WHERE subject IS NOT NULL;"
        "DROP INDEX main.audit_subject;"
        "CREATE INDEX main.audit_subject_id ON audit(subject_id) WHERE subject_id IS NOT NULL;"
        "ALTER TABLE main.consent ADD COLUMN subject_id INTEGER;"
        "UPDATE main.consent SET subject_id = (SELECT s.id FROM main.subject s"
        "  WHERE s.hash = consent.subject);"
        "CREATE TABLE main.consent_orphan(n INTEGER NOT NULL);"
        "INSERT INTO main.consent_orphan SELECT CASE WHEN count(*) = 0 THEN 0 END"
        "  FROM main.consent WHERE subject_id IS NULL;"
        "DROP TABLE main.consent_orphan;"
        "DROP INDEX main.consent_subject;"
        "ALTER TABLE main.consent DROP COLUMN subject;"
        "CREATE INDEX main.consent_subject_id ON consent(subject_id, id);"
        "CREATE TRIGGER main.consent_append_only BEFORE UPDATE ON consent"
        " BEGIN SELECT RAISE(ABORT, 'consent events are append-only'); END;"
        "CREATE TABLE main.consent_state_new("
        "  subject_id INTEGER NOT NULL,"
        "  purpose TEXT NOT NULL,"
        "  recipient TEXT NOT NULL,"
        "  event INTEGER NOT NULL,"
        "  at INTEGER NOT NULL,"
        "  state INTEGER NOT NULL,"
        "  expires INTEGER NOT NULL,"
        "  flags INTEGER NOT NULL,"
        "  mac BLOB,"
        "  PRIMARY KEY(subject_id, purpose, recipient)) WITHOUT ROWID;"
        "INSERT INTO main.consent_state_new SELECT (SELECT s.id FROM main.subject s"
        "  WHERE s.hash = c.subject), c.purpose, c.recipient, c.event, c.at, c.state,"
        "  c.expires, c.flags, c.mac FROM main.consent_state c;"
        "DROP TABLE main.consent_state;"
        "ALTER TABLE main.consent_state_new RENAME TO consent_state;",
        NULL,
    },
    /* 27: issue 18: the vault, identities, retention anchors, disclosures
     * and the transfer log name their subject by integer id too
     * (docs/decisions/0017-integer-subject-ids-records.md). Vault records,
     * identities and anchors never outlive their subject row (erasure
     * deletes them first; a subject is retired only when none is left):
     * their hash column goes, the id is NOT NULL, and a row whose subject
     * row is gone fails the step, leaving the store as it was. Identity
     * MACs still cover the hash, read through the id, so none is
     * recomputed. Disclosures and transfers are append-only logs that can
     * outlive a subject row (a transfer logged after a partial erasure,
     * its subject retired later): they keep their hash, like the audit,
     * and gain an id, NULL where the subject row is already gone; only the
     * index changes. The review tasks keep their hash (they stay after
     * the subject's erasure). */
    {
        "CREATE TABLE main.vault_new("
        "  id INTEGER PRIMARY KEY,"
        "  subject_id INTEGER NOT NULL,"
        "  category TEXT NOT NULL,"
        "  purpose TEXT NOT NULL,"
        "  field TEXT,"
        "  source TEXT,"
        "  collected INTEGER NOT NULL,"
        "  updated INTEGER NOT NULL,"
        "  anchor INTEGER,"
        "  due INTEGER,"
        "  special INTEGER NOT NULL DEFAULT 0,"
        "  value BLOB NOT NULL);"
        "INSERT INTO main.vault_new SELECT v.id, (SELECT s.id FROM main.subject s"
        "  WHERE s.hash = v.subject), v.category, v.purpose, v.field, v.source, v.collected,"
        "  v.updated, v.anchor, v.due, v.special, v.value FROM main.vault v;"
        "DROP TABLE main.vault;"
        "ALTER TABLE main.vault_new RENAME TO vault;"
        "CREATE INDEX main.vault_subject_id ON vault(subject_id, id);"
        "CREATE INDEX main.vault_due ON vault(due) WHERE due IS NOT NULL;"
        "CREATE TABLE main.identity_new("
        "  id INTEGER PRIMARY KEY,"
        "  hash BLOB NOT NULL UNIQUE,"
        "  subject_id INTEGER NOT NULL,"
        "  kind TEXT NOT NULL,"
        "  created INTEGER NOT NULL,"
        "  value BLOB NOT NULL,"
        "  mac BLOB);"
        "INSERT INTO main.identity_new SELECT i.id, i.hash, (SELECT s.id FROM main.subject s"
        "  WHERE s.hash = i.subject), i.kind, i.created, i.value, i.mac FROM main.identity i;"
        "DROP TABLE main.identity;"
        "ALTER TABLE main.identity_new RENAME TO identity;"
        "CREATE INDEX main.identity_subject_id ON identity(subject_id, id);"
        "CREATE TABLE main.retention_anchor_new(  subject_id INTEGER NOT NULL,"
        "  kind INTEGER NOT NULL,  purpose TEXT NOT NULL,  at INTEGER NOT NULL,"
        "  PRIMARY KEY(subject_id, kind, purpose)) WITHOUT ROWID;"
        "INSERT INTO main.retention_anchor_new SELECT (SELECT s.id FROM main.subject s"
        "  WHERE s.hash = a.subject), a.kind, a.purpose, a.at FROM main.retention_anchor a;"
        "DROP TABLE main.retention_anchor;"
        "ALTER TABLE main.retention_anchor_new RENAME TO retention_anchor;"
        "DROP TRIGGER main.disclosure_append_only;"
        "ALTER TABLE main.disclosure ADD COLUMN subject_id INTEGER;"
        "UPDATE main.disclosure SET subject_id = (SELECT s.id FROM main.subject s"
        "  WHERE s.hash = disclosure.subject);"
        "DROP INDEX main.disclosure_subject;"
        "CREATE INDEX main.disclosure_subject_id ON disclosure(subject_id, id);"
        "CREATE TRIGGER main.disclosure_append_only BEFORE UPDATE ON disclosure"
        " BEGIN SELECT RAISE(ABORT, 'disclosures are append-only'); END;"
        "DROP TRIGGER main.transfer_append_only;"
        "ALTER TABLE main.transfer ADD COLUMN subject_id INTEGER;"
        "UPDATE main.transfer SET subject_id = (SELECT s.id FROM main.subject s"
        "  WHERE s.hash = transfer.subject);"
        "DROP INDEX main.transfer_subject;"
        "CREATE INDEX main.transfer_subject_id ON transfer(subject_id, id);"
        "CREATE TRIGGER main.transfer_append_only BEFORE UPDATE ON transfer"
        " BEGIN SELECT RAISE(ABORT, 'the transfer log is append-only'); END;",
        NULL,
    },
    /* 28: issue 18 (decision 0018): the request register, the access log and
     * the consent signals and conflicts name their subject by its integer
     * id too, so that subject(hash) is the only index on a keyed hash
     * besides the ones whose rows outlive the subject row. A request keeps
     * its hash (the register outlives erasure and later events of it are
     * audited under the hash); its id is NULL while unmatched and once the
     * subject row is gone. The access log, signals and conflicts go with
     * the subject, so they lose the hash; a row whose subject row is gone
     * (left by an erasure that kept records and retired the subject later)
     * belonged to an erased subject and is deleted here, as subject_delete
     * now does. Objections, breach links, holds and pending hooks keep the
     * hash: they must name the subject after its row is gone. */
    {
        "ALTER TABLE main.request ADD COLUMN subject_id INTEGER;"
        "UPDATE main.request SET subject_id = (SELECT s.id FROM main.subject s"
        "  WHERE s.hash = request.subject) WHERE subject IS NOT NULL;"
        "DROP INDEX main.request_subject;"
        "CREATE INDEX main.request_subject_id ON request(subject_id, id)"
        "  WHERE subject_id IS NOT NULL;"
        "CREATE INDEX main.request_unlinked ON request(subject, id)"
        "  WHERE subject_id IS NULL AND subject IS NOT NULL;"
        "ALTER TABLE main.access_log ADD COLUMN subject_id INTEGER NOT NULL DEFAULT 0;"
        "UPDATE main.access_log SET subject_id = coalesce((SELECT s.id FROM main.subject s"
        "  WHERE s.hash = access_log.subject), 0);"
        "DELETE FROM main.access_log WHERE subject_id = 0;"
        "DROP INDEX main.access_log_subject;"
        "ALTER TABLE main.access_log DROP COLUMN subject;"
        "CREATE INDEX main.access_log_subject_id ON access_log(subject_id, id);"
        "DROP TRIGGER main.consent_signal_append_only;"
        "ALTER TABLE main.consent_signal ADD COLUMN subject_id INTEGER NOT NULL DEFAULT 0;"
        "UPDATE main.consent_signal SET subject_id = coalesce((SELECT s.id FROM main.subject s"
        "  WHERE s.hash = consent_signal.subject), 0);"
        "DELETE FROM main.consent_signal WHERE subject_id = 0;"
        "DROP INDEX main.consent_signal_subject;"
        "ALTER TABLE main.consent_signal DROP COLUMN subject;"
        "CREATE INDEX main.consent_signal_subject_id ON consent_signal(subject_id, kind, at);"
        "CREATE TRIGGER main.consent_signal_append_only BEFORE UPDATE ON consent_signal"
        " BEGIN SELECT RAISE(ABORT, 'consent signals are append-only'); END;"
        "DROP TRIGGER main.consent_conflict_append_only;"
        "ALTER TABLE main.consent_conflict ADD COLUMN subject_id INTEGER NOT NULL DEFAULT 0;"
        "UPDATE main.consent_conflict SET subject_id = coalesce((SELECT s.id FROM main.subject s"
        "  WHERE s.hash = consent_conflict.subject), 0);"
        "DELETE FROM main.consent_conflict WHERE subject_id = 0;"
        "DROP INDEX main.consent_conflict_subject;"
        "ALTER TABLE main.consent_conflict DROP COLUMN subject;"
        "CREATE INDEX main.consent_conflict_subject_id ON consent_conflict(subject_id, id);"
        "CREATE TRIGGER main.consent_conflict_append_only BEFORE UPDATE ON consent_conflict"
        " BEGIN SELECT RAISE(ABORT, 'consent conflicts are append-only'); END;",
        NULL,
    },
};

int
gdpr_sqlite__schema_latest(void)
{
    return (int)(sizeof migrations / sizeof migrations[0]);
}

static int
set_versions(sqlite_store *st, int version)
{
    char sql[64];
    int rc;

    snprintf(sql, sizeof sql, "PRAGMA user_version=%d", version);
    rc = gdpr_sqlite__sq_exec(st, sql);
    if (rc == GDPR_OK)
        rc = gdpr_sqlite__sq_exec_keys(st, sql);
    return rc;
}

int
gdpr_sqlite__migrate(store *base, int target)
{
    sqlite_store *st = (sqlite_store *)base;
    int current = 0;
    int rc = gdpr_sqlite__schema_version(&st->base, &current);

    if (rc != GDPR_OK)
        return rc;
    if (target > gdpr_sqlite__schema_latest())
        return gdpr__err_set(GDPR_EVERSION, "schema: no migration to version %d", target);
    for (int v = current + 1; v <= target && rc == GDPR_OK; v++) {
        const migration *m = &migrations[v - 1];
        rc = gdpr_sqlite__sq_exec(st, m->data_sql);
        if (rc == GDPR_OK && m->keys_sql != NULL)
            rc = gdpr_sqlite__sq_exec_keys(st, m->keys_sql);
        if (rc == GDPR_OK && v == SQ_ROW_MAC_VERSION)
            rc = gdpr_sqlite__row_mac_migrate(st);
        if (rc == GDPR_OK && m->data_sql == consent_event_mac_sql)
            rc = gdpr_sqlite__consent_event_mac_migrate(st);
        if (rc == GDPR_OK)
            rc = set_versions(st, v);
        if (rc == GDPR_OK && v >= SQ_COUNTERS_VERSION)
            st->has_counters = 1;
        if (rc == GDPR_OK && v >= SQ_KEY_COUNTERS_VERSION)
            st->has_key_counters = 1;
        if (rc != GDPR_OK)
            rc = gdpr__err_wrap(rc, "migrating the schema to version %d", v);
    }
    return rc;
}
