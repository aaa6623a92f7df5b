/*
 * The PostgreSQL schema and its forward migrations. Schema versions number
 * the logical schema, the same in every backend (lib/store/store.c): a
 * PostgreSQL store is created whole at PG_BASE_VERSION, the SQLite schema
 * as of its migration 18, and each later logical step appends one entry
 * to migrations[] below, in the same order as lib/store/sqlite/schema.c.
 * The version is recorded in each schema's own schema_version row, so a
 * dump of either schema says what it holds. Never edit a released step.
 *
 * Types: every integer is bigint, every blob bytea, every text text;
 * triggers only keep append-only tables append-only.
 * SPDX-License-Identifier: MIT
 */
#include "pg_internal.h"

#include <stdio.h>

#include "error.h"

/* The logical version the first step creates. */
#define PG_BASE_VERSION 18

typedef struct {
    const char *data_sql;
    const char *keys_sql; /* or NULL */
} migration;

#define D PG_DATA_SCHEMA "."
#define K PG_KEYS_SCHEMA "."

#define SEQ(name) "CREATE SEQUENCE " D "seq_" name " AS bigint MINVALUE 1;"

/* Step 25, found by its pointer (as the SQLite backend does). */
static const char consent_event_mac_sql[] =
    "ALTER TABLE " D "consent ADD COLUMN mac bytea;"
    "ALTER TABLE " D "consent DISABLE TRIGGER consent_append_only;";

static const migration migrations[] = {
    /* PG_BASE_VERSION: the whole schema as of SQLite's step 18. */
    {
        "CREATE SCHEMA " PG_DATA_SCHEMA ";"
        "CREATE TABLE " D "schema_version(version bigint NOT NULL);"
        "INSERT INTO " D "schema_version VALUES(0);"
        "CREATE TABLE " D "meta(name text PRIMARY KEY, value bytea NOT NULL);"
        "CREATE TABLE " D "counter(name text PRIMARY KEY, value bigint NOT NULL);"
        "INSERT INTO " D "counter VALUES('generation', 0), ('kek_generation', 0);" SEQ("subject")
            SEQ("identity") SEQ("vault") SEQ("consent") SEQ("disclosure") SEQ("transfer") SEQ(
                "safeguard") SEQ("request") SEQ("request_event") SEQ("hold") SEQ("tombstone")
                SEQ("pending") SEQ("review") SEQ(
                    "retention_run") "CREATE FUNCTION " D
                                     "append_only() RETURNS trigger LANGUAGE plpgsql AS"
                                     " $$BEGIN RAISE EXCEPTION '% rows are append-only', "
                                     "TG_TABLE_NAME; END$$;"
                                     "CREATE TABLE " D "subject("
                                     "  id bigint PRIMARY KEY,"
                                     "  hash bytea NOT NULL UNIQUE,"
                                     "  ident bytea NOT NULL,"
                                     "  created bigint NOT NULL,"
                                     "  flags bigint NOT NULL DEFAULT 0);"
                                     "CREATE TABLE " D "audit("
                                     "  seq bigint PRIMARY KEY,"
                                     "  at bigint NOT NULL,"
                                     "  actor text NOT NULL,"
                                     "  role text NOT NULL,"
                                     "  action text NOT NULL,"
                                     "  subject bytea,"
                                     "  outcome bigint NOT NULL,"
                                     "  ref text,"
                                     "  mac bytea NOT NULL);"
                                     "CREATE INDEX audit_subject ON " D
                                     "audit(subject) WHERE subject IS NOT NULL;"
                                     "CREATE TABLE " D "policy("
                                     "  version bigint PRIMARY KEY,"
                                     "  loaded_at bigint NOT NULL,"
                                     "  actor text NOT NULL,"
                                     "  sha256 bytea NOT NULL,"
                                     "  document text NOT NULL);"
                                     "CREATE TABLE " D "vault("
                                     "  id bigint PRIMARY KEY,"
                                     "  subject bytea NOT NULL,"
                                     "  category text NOT NULL,"
                                     "  purpose text NOT NULL,"
                                     "  field text,"
                                     "  source text,"
                                     "  collected bigint NOT NULL,"
                                     "  updated bigint NOT NULL,"
                                     "  anchor bigint,"
                                     "  due bigint,"
                                     "  special bigint NOT NULL DEFAULT 0,"
                                     "  value bytea NOT NULL);"
                                     "CREATE INDEX vault_subject ON " D "vault(subject, id);"
                                     "CREATE INDEX vault_due ON " D
                                     "vault(due, id) WHERE due IS NOT NULL;"
                                     "CREATE TABLE " D "identity("
                                     "  id bigint PRIMARY KEY,"
                                     "  hash bytea NOT NULL UNIQUE,"
                                     "  subject bytea NOT NULL,"
                                     "  kind text NOT NULL,"
                                     "  created bigint NOT NULL,"
                                     "  value bytea NOT NULL,"
                                     "  mac bytea);"
                                     "CREATE INDEX identity_subject ON " D "identity(subject, id);"
                                     "CREATE TABLE " D "consent("
                                     "  id bigint PRIMARY KEY,"
                                     "  subject bytea NOT NULL,"
                                     "  at bigint NOT NULL,"
                                     "  purpose text NOT NULL,"
                                     "  state bigint NOT NULL,"
                                     "  notice text NOT NULL,"
                                     "  notice_version text NOT NULL,"
                                     "  notice_sha256 bytea NOT NULL,"
                                     "  policy_version bigint NOT NULL,"
                                     "  channel text NOT NULL,"
                                     "  actor text NOT NULL,"
                                     "  expires bigint NOT NULL,"
                                     "  recipient text NOT NULL,"
                                     "  recipient_sealed bytea,"
                                     "  proof bytea,"
                                     "  flags bigint NOT NULL,"
                                     "  guardian bytea);"
                                     "CREATE INDEX consent_subject ON " D "consent(subject, id);"
                                     "CREATE TRIGGER consent_append_only BEFORE UPDATE ON " D
                                     "consent"
                                     "  FOR EACH ROW EXECUTE FUNCTION " D "append_only();"
                                     "CREATE TABLE " D "consent_state("
                                     "  subject bytea NOT NULL,"
                                     "  purpose text NOT NULL,"
                                     "  recipient text NOT NULL,"
                                     "  event bigint NOT NULL,"
                                     "  at bigint NOT NULL,"
                                     "  state bigint NOT NULL,"
                                     "  expires bigint NOT NULL,"
                                     "  flags bigint NOT NULL,"
                                     "  mac bytea,"
                                     "  PRIMARY KEY(subject, purpose, recipient));"
                                     "CREATE TABLE " D "disclosure("
                                     "  id bigint PRIMARY KEY,"
                                     "  subject bytea NOT NULL,"
                                     "  at bigint NOT NULL,"
                                     "  recipient text NOT NULL,"
                                     "  recipient_sealed bytea,"
                                     "  purpose text NOT NULL,"
                                     "  ground text NOT NULL,"
                                     "  actor text NOT NULL,"
                                     "  consent_event bigint);"
                                     "CREATE INDEX disclosure_subject ON " D
                                     "disclosure(subject, id);"
                                     "CREATE TRIGGER disclosure_append_only BEFORE UPDATE ON " D
                                     "disclosure"
                                     "  FOR EACH ROW EXECUTE FUNCTION " D "append_only();"
                                     "CREATE TABLE " D "transfer("
                                     "  id bigint PRIMARY KEY,"
                                     "  subject bytea NOT NULL,"
                                     "  at bigint NOT NULL,"
                                     "  logged_at bigint NOT NULL,"
                                     "  actor text NOT NULL,"
                                     "  recipient text NOT NULL,"
                                     "  country text NOT NULL,"
                                     "  mechanism text NOT NULL,"
                                     "  reference text,"
                                     "  allowed bigint NOT NULL,"
                                     "  reason text NOT NULL);"
                                     "CREATE INDEX transfer_subject ON " D "transfer(subject, id);"
                                     "CREATE TRIGGER transfer_append_only BEFORE UPDATE ON " D
                                     "transfer"
                                     "  FOR EACH ROW EXECUTE FUNCTION " D "append_only();"
                                     "CREATE TABLE " D "transfer_safeguard("
                                     "  id bigint PRIMARY KEY,"
                                     "  recipient text NOT NULL,"
                                     "  type text NOT NULL,"
                                     "  module bigint NOT NULL,"
                                     "  reference text NOT NULL,"
                                     "  valid_from bigint NOT NULL,"
                                     "  valid_until bigint NOT NULL,"
                                     "  added_at bigint NOT NULL,"
                                     "  added_by text NOT NULL,"
                                     "  revoked_at bigint NOT NULL DEFAULT 0,"
                                     "  revoked_by text);"
                                     "CREATE INDEX transfer_safeguard_recipient ON " D
                                     "transfer_safeguard(recipient, id);"
                                     "CREATE TABLE " D "adequacy_list("
                                     "  version bigint PRIMARY KEY,"
                                     "  loaded_at bigint NOT NULL,"
                                     "  actor text NOT NULL,"
                                     "  sha256 bytea NOT NULL,"
                                     "  document text NOT NULL);"
                                     "CREATE TABLE " D "request("
                                     "  id bigint PRIMARY KEY,"
                                     "  type bigint NOT NULL,"
                                     "  status bigint NOT NULL,"
                                     "  subject bytea,"
                                     "  ident_kind text,"
                                     "  ident_hash bytea,"
                                     "  ident_value bytea,"
                                     "  channel text NOT NULL,"
                                     "  received bigint NOT NULL,"
                                     "  first_due bigint NOT NULL,"
                                     "  due bigint NOT NULL,"
                                     "  extended_months bigint NOT NULL DEFAULT 0,"
                                     "  told_at bigint NOT NULL DEFAULT 0,"
                                     "  verification bigint NOT NULL DEFAULT 0,"
                                     "  verify_method bigint NOT NULL DEFAULT 0,"
                                     "  verified_at bigint NOT NULL DEFAULT 0,"
                                     "  flags bigint NOT NULL DEFAULT 0,"
                                     "  escalated_to text,"
                                     "  escalations bigint NOT NULL DEFAULT 0,"
                                     "  denial bigint NOT NULL DEFAULT 0,"
                                     "  grace_until bigint NOT NULL DEFAULT 0,"
                                     "  closed bigint NOT NULL DEFAULT 0,"
                                     "  close_days bigint NOT NULL DEFAULT -1,"
                                     "  updated bigint NOT NULL,"
                                     "  policy_version bigint NOT NULL,"
                                     "  info_asked_at bigint NOT NULL DEFAULT 0);"
                                     "CREATE INDEX request_received ON " D "request(received);"
                                     "CREATE INDEX request_subject ON " D
                                     "request(subject, id) WHERE subject IS NOT NULL;"
                                     "CREATE INDEX request_open_due ON " D
                                     "request(due, id, received) WHERE status IN (1, 2);"
                                     "CREATE TABLE " D "request_event("
                                     "  id bigint PRIMARY KEY,"
                                     "  request bigint NOT NULL REFERENCES " D "request(id),"
                                     "  at bigint NOT NULL,"
                                     "  actor text NOT NULL,"
                                     "  role text NOT NULL,"
                                     "  action text NOT NULL,"
                                     "  status bigint NOT NULL,"
                                     "  detail text,"
                                     "  note bytea);"
                                     "CREATE INDEX request_event_request ON " D
                                     "request_event(request, id);"
                                     "CREATE TABLE " D "request_kpi("
                                     "  day bigint NOT NULL,"
                                     "  type bigint NOT NULL,"
                                     "  status bigint NOT NULL,"
                                     "  n bigint NOT NULL,"
                                     "  late bigint NOT NULL,"
                                     "  extended bigint NOT NULL,"
                                     "  escalated bigint NOT NULL,"
                                     "  escalations bigint NOT NULL,"
                                     "  high_risk bigint NOT NULL,"
                                     "  denied1 bigint NOT NULL, denied2 bigint NOT NULL, denied3 "
                                     "bigint NOT NULL,"
                                     "  denied4 bigint NOT NULL, denied5 bigint NOT NULL,"
                                     "  denied6 bigint NOT NULL DEFAULT 0, denied7 bigint NOT NULL "
                                     "DEFAULT 0,"
                                     "  PRIMARY KEY(day, type, status));"
                                     "CREATE TABLE " D "request_kpi_close("
                                     "  day bigint NOT NULL,"
                                     "  close_days bigint NOT NULL,"
                                     "  n bigint NOT NULL,"
                                     "  PRIMARY KEY(day, close_days));"
                                     "CREATE TABLE " D "erasure_hold("
                                     "  id bigint PRIMARY KEY,"
                                     "  scope bigint NOT NULL,"
                                     "  subject bytea,"
                                     "  record bigint NOT NULL DEFAULT 0,"
                                     "  category text,"
                                     "  reason text NOT NULL,"
                                     "  placed_at bigint NOT NULL,"
                                     "  placed_by text NOT NULL,"
                                     "  until bigint NOT NULL,"
                                     "  released_at bigint NOT NULL DEFAULT 0,"
                                     "  released_by text,"
                                     "  release_reason text);"
                                     "CREATE INDEX erasure_hold_open ON " D
                                     "erasure_hold(scope, id) WHERE released_at = 0;"
                                     "CREATE TABLE " D "tombstone("
                                     "  id bigint PRIMARY KEY,"
                                     "  kind bigint NOT NULL,"
                                     "  subject bytea NOT NULL,"
                                     "  at bigint NOT NULL,"
                                     "  ground text NOT NULL,"
                                     "  actor text NOT NULL,"
                                     "  role text NOT NULL,"
                                     "  erased bigint NOT NULL,"
                                     "  retained bigint NOT NULL,"
                                     "  complete bigint NOT NULL,"
                                     "  wiped bigint NOT NULL,"
                                     "  imported bigint NOT NULL DEFAULT 0,"
                                     "  replayed bigint NOT NULL DEFAULT 0);"
                                     "CREATE INDEX tombstone_subject ON " D
                                     "tombstone(subject, id);"
                                     "CREATE INDEX tombstone_unwiped ON " D
                                     "tombstone(id) WHERE wiped = 0;"
                                     "CREATE TABLE " D "tombstone_kept("
                                     "  tombstone bigint NOT NULL,"
                                     "  record bigint NOT NULL,"
                                     "  category text NOT NULL,"
                                     "  purpose text NOT NULL,"
                                     "  reason text NOT NULL,"
                                     "  rule text NOT NULL,"
                                     "  until bigint NOT NULL,"
                                     "  erased_at bigint NOT NULL DEFAULT 0,"
                                     "  PRIMARY KEY(tombstone, record));"
                                     "CREATE INDEX tombstone_kept_record ON " D
                                     "tombstone_kept(record) WHERE erased_at = 0;"
                                     "CREATE TABLE " D "tombstone_record("
                                     "  tombstone bigint NOT NULL,"
                                     "  record bigint NOT NULL,"
                                     "  PRIMARY KEY(tombstone, record));"
                                     "CREATE TABLE " D "tombstone_recipient("
                                     "  tombstone bigint NOT NULL,"
                                     "  recipient text NOT NULL,"
                                     "  disclosures bigint NOT NULL,"
                                     "  last_at bigint NOT NULL,"
                                     "  PRIMARY KEY(tombstone, recipient));"
                                     "CREATE TABLE " D "erasure_pending("
                                     "  id bigint PRIMARY KEY,"
                                     "  tombstone bigint NOT NULL,"
                                     "  subject bytea NOT NULL,"
                                     "  source text NOT NULL,"
                                     "  key_id bytea NOT NULL,"
                                     "  sealed bytea NOT NULL,"
                                     "  since bigint NOT NULL,"
                                     "  attempts bigint NOT NULL DEFAULT 0,"
                                     "  last_at bigint NOT NULL DEFAULT 0,"
                                     "  last_error text NOT NULL DEFAULT '');"
                                     "CREATE INDEX erasure_pending_shred ON " D
                                     "erasure_pending(key_id);"
                                     "CREATE TABLE " D "erasure_shred_queue("
                                     "  hash bytea PRIMARY KEY,"
                                     "  tombstone bigint NOT NULL,"
                                     "  queued bigint NOT NULL,"
                                     "  key_serial bigint);"
                                     "CREATE TABLE " D "retention_anchor("
                                     "  subject bytea NOT NULL,"
                                     "  kind bigint NOT NULL,"
                                     "  purpose text NOT NULL,"
                                     "  at bigint NOT NULL,"
                                     "  PRIMARY KEY(subject, kind, purpose));"
                                     "CREATE TABLE " D "retention_state("
                                     "  record bigint PRIMARY KEY,"
                                     "  keep_until bigint,"
                                     "  review bigint);"
                                     "CREATE TABLE " D "retention_review("
                                     "  id bigint PRIMARY KEY,"
                                     "  record bigint NOT NULL,"
                                     "  subject bytea NOT NULL,"
                                     "  rule text NOT NULL,"
                                     "  category text NOT NULL,"
                                     "  purpose text NOT NULL,"
                                     "  record_due bigint NOT NULL,"
                                     "  opened bigint NOT NULL,"
                                     "  deadline bigint NOT NULL,"
                                     "  status bigint NOT NULL,"
                                     "  decided bigint NOT NULL DEFAULT 0,"
                                     "  decided_by text,"
                                     "  role text,"
                                     "  keep_until bigint NOT NULL DEFAULT 0,"
                                     "  justification bytea);"
                                     "CREATE INDEX retention_review_open ON " D
                                     "retention_review(deadline, id)"
                                     "  WHERE status = 1;"
                                     "CREATE INDEX retention_review_subject ON " D
                                     "retention_review(subject)"
                                     "  WHERE justification IS NOT NULL;"
                                     "CREATE TABLE " D "retention_run("
                                     "  id bigint PRIMARY KEY,"
                                     "  as_of bigint NOT NULL,"
                                     "  started bigint NOT NULL,"
                                     "  actor text NOT NULL,"
                                     "  cursor_due bigint,"
                                     "  cursor_id bigint,"
                                     "  examined bigint NOT NULL DEFAULT 0,"
                                     "  erased bigint NOT NULL DEFAULT 0,"
                                     "  anonymised bigint NOT NULL DEFAULT 0,"
                                     "  reviews_opened bigint NOT NULL DEFAULT 0,"
                                     "  held bigint NOT NULL DEFAULT 0,"
                                     "  finished bigint NOT NULL DEFAULT 0);"
                                     "CREATE INDEX retention_run_open ON " D
                                     "retention_run(id) WHERE finished = 0;"
                                     "CREATE TABLE " D "retention_aggregate("
                                     "  rule text NOT NULL,"
                                     "  category text NOT NULL,"
                                     "  purpose text NOT NULL,"
                                     "  field text NOT NULL,"
                                     "  value text NOT NULL,"
                                     "  month bigint NOT NULL,"
                                     "  n bigint NOT NULL,"
                                     "  value_sealed bytea,"
                                     "  PRIMARY KEY(rule, category, purpose, field, value, month));"
                                     "CREATE TABLE " D "objection("
                                     "  subject bytea NOT NULL,"
                                     "  purpose text NOT NULL,"
                                     "  at bigint NOT NULL,"
                                     "  PRIMARY KEY(subject, purpose));",
        "CREATE SCHEMA " PG_KEYS_SCHEMA ";"
        "CREATE TABLE " K "schema_version(version bigint NOT NULL);"
        "INSERT INTO " K "schema_version VALUES(0);"
        "CREATE TABLE " K "meta(name text PRIMARY KEY, value bytea NOT NULL);"
        "CREATE TABLE " K "counter(name text PRIMARY KEY, value bigint NOT NULL);"
        "INSERT INTO " K "counter VALUES('key_epoch', 0), ('kek_generation', 0),"
        "  ('rekey_seq', 0);"
        "CREATE SEQUENCE " K "key_serial AS bigint MINVALUE 1;"
        "CREATE TABLE " K "subject_key("
        "  hash bytea PRIMARY KEY,"
        "  wrapped bytea NOT NULL,"
        "  gen bigint,"
        "  serial bigint NOT NULL);",
    },
    /* 19 (law49): Art. 49 "occasional": the transfer check counts a
     * recipient's derogation transfers in a window (transfer.c). */
    {
        "CREATE INDEX transfer_recipient_at ON " D "transfer(recipient, at);",
        NULL,
    },
    /* 20: Art. 17(3): a hold names its exemption ground (a gdpr_exemption
     * value; every earlier hold was placed for legal claims, 17(3)(e) = 6)
     * and may be narrowed to a purpose and a collection range; a kept
     * record names the ground it was kept under (hold: 6; a legal-duty
     * rule: legal obligation, 17(3)(b) = 2). */
    {
        "ALTER TABLE " D "erasure_hold ADD COLUMN ground bigint NOT NULL DEFAULT 6,"
        "  ADD COLUMN purpose text,"
        "  ADD COLUMN collected_from bigint NOT NULL DEFAULT 0,"
        "  ADD COLUMN collected_to bigint NOT NULL DEFAULT 0;"
        "ALTER TABLE " D "tombstone_kept ADD COLUMN exemption bigint NOT NULL DEFAULT 0;"
        "UPDATE " D "tombstone_kept SET exemption = CASE reason WHEN 'hold' THEN 6 ELSE 2 END;",
        NULL,
    },
    /* 21: Art. 15(1), 15(4), CJEU C-579/21: the access log, when and why a
     * subject's data was consulted and by which role; the subject is its
     * keyed hash (erased with the subject). */
    {
        "CREATE TABLE " D "access_log("
        "  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
        "  subject bytea NOT NULL,"
        "  at bigint NOT NULL,"
        "  actor text NOT NULL,"
        "  role text NOT NULL,"
        "  action text NOT NULL,"
        "  purpose text NOT NULL,"
        "  record bigint NOT NULL DEFAULT 0,"
        "  reason text);"
        "CREATE INDEX access_log_subject ON " D "access_log(subject, id);",
        NULL,
    },
    /* 22: consent signals (issue 16): GPC, TCF and GPP strings as received
     * (sealed: signal/<id>/value), and conflicts between an explicit grant
     * and a GPC signal. Both keep the subject by its keyed hash and go with
     * the subject's consent events at erasure. Signal ids come from
     * seq_signal (SQLite: counter 'signal'); conflict ids are an identity
     * column (SQLite: AUTOINCREMENT). */
    {
        SEQ("signal") "CREATE TABLE " D "consent_signal("
                      "  id bigint PRIMARY KEY,"
                      "  subject bytea NOT NULL,"
                      "  at bigint NOT NULL,"
                      "  kind bigint NOT NULL," /* 1 GPC, 2 TCF, 3 GPP */
                      "  value bytea,"          /* sealed: signal/<id>/value */
                      "  channel text NOT NULL,"
                      "  actor text NOT NULL);"
                      "CREATE INDEX consent_signal_subject ON " D
                      "consent_signal(subject, kind, at);"
                      "CREATE TRIGGER consent_signal_append_only BEFORE UPDATE ON " D
                      "consent_signal FOR EACH ROW EXECUTE FUNCTION " D "append_only();"
                      "CREATE TABLE " D "consent_conflict("
                      "  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
                      "  subject bytea NOT NULL,"
                      "  at bigint NOT NULL,"
                      "  purpose text NOT NULL,"
                      "  kind bigint NOT NULL," /* 1 GPC over a grant, 2 grant after GPC */
                      "  consent_event bigint NOT NULL,"
                      "  signal bigint NOT NULL,"
                      "  result_event bigint NOT NULL);"
                      "CREATE INDEX consent_conflict_subject ON " D "consent_conflict(subject, id);"
                      "CREATE INDEX consent_conflict_at ON " D "consent_conflict(at, id);"
                      "CREATE TRIGGER consent_conflict_append_only BEFORE UPDATE ON " D
                      "consent_conflict FOR EACH ROW EXECUTE FUNCTION " D "append_only();",
        NULL,
    },
    /* 23: issue 16: the personal-data breach register (Art. 33, 34;
     * docs/breach.md). Free texts that may hold personal data are sealed
     * under the store key (breach/<id>/<field>); affected subjects are
     * linked by keyed hash only. Only breaches awaiting a notification
     * decision are in the deadline index. Ids from seq_breach. */
    {
        SEQ("breach") "CREATE TABLE " D "breach("
                      "  id bigint PRIMARY KEY,"
                      "  aware_at bigint NOT NULL,"
                      "  occurred_at bigint NOT NULL,"
                      "  opened_at bigint NOT NULL,"
                      "  deadline bigint NOT NULL," /* aware_at + 72 h, Art. 33(1) */
                      "  nature bigint NOT NULL,"   /* GDPR_BREACH_* bits */
                      "  categories text NOT NULL,"
                      "  subjects_approx bigint NOT NULL,"
                      "  records_approx bigint NOT NULL,"
                      "  description bytea NOT NULL,"  /* sealed */
                      "  consequences bytea NOT NULL," /* sealed */
                      "  measures bytea NOT NULL,"     /* sealed */
                      "  notified_at bigint NOT NULL DEFAULT 0,"
                      "  reference text,"
                      "  late_reason bytea," /* sealed */
                      "  not_required bigint NOT NULL DEFAULT 0,"
                      "  decision bigint NOT NULL DEFAULT 0,"
                      "  decided_at bigint NOT NULL DEFAULT 0,"
                      "  informed_at bigint NOT NULL DEFAULT 0,"
                      "  decision_note bytea," /* sealed */
                      "  actor text NOT NULL,"
                      "  updated bigint NOT NULL);"
                      "CREATE INDEX breach_pending ON " D "breach(deadline, id)"
                      "  WHERE notified_at = 0 AND not_required = 0;"
                      "CREATE TABLE " D "breach_subject("
                      "  breach bigint NOT NULL REFERENCES " D "breach(id),"
                      "  subject bytea NOT NULL,"
                      "  at bigint NOT NULL,"
                      "  PRIMARY KEY(breach, subject));",
        NULL,
    },
    /* 24: issue 16: a request of the same type for the same subject while
     * one is open is linked to it (status 7, duplicate) instead of running
     * a second clock; requests linked to one are found by this index. */
    {
        "ALTER TABLE " D "request ADD COLUMN duplicate_of bigint NOT NULL DEFAULT 0;"
        "CREATE INDEX request_duplicate ON " D "request(duplicate_of) WHERE duplicate_of > 0;",
        NULL,
    },
    /* 25: consent events carry a MAC under the row key, as the current-state
     * rows do: an edited history row is refused (rowmac.c). The append-only
     * trigger is off while gdpr_pg__consent_event_mac_migrate fills the
     * MACs of the events already there (same transaction), then on again. */
    {
        consent_event_mac_sql,
        NULL,
    },
    /* 26: issue 18: audit events, consent events and current consent
     * states name their subject by its integer id (subject.id, from
     * seq_subject: never reused), not by its 32-byte keyed hash; as
     * SQLite's step (docs/decisions/0016-integer-subject-ids.md). The
     * audit row keeps its hash (the chain's MAC covers it); the MACs of
     * consent rows still cover the hash, read through the id. A consent
     * row whose subject row is gone fails the NOT NULL: the transaction
     * leaves the store as it was. */
    {
        "ALTER TABLE " D "audit ADD COLUMN subject_id bigint;"
        "UPDATE " D "audit a SET subject_id = s.id FROM " D "subject s"
        "  WHERE s.hash = a.subject;"
        "DROP INDEX " D "audit_subject;"
        "CREATE INDEX audit_subject_id ON " D "audit(subject_id) WHERE subject_id IS NOT NULL;"
        "ALTER TABLE " D "consent ADD COLUMN subject_id bigint;"
        "ALTER TABLE " D "consent DISABLE TRIGGER consent_append_only;"
        "UPDATE " D "consent c SET subject_id = s.id FROM " D "subject s"
        "  WHERE s.hash = c.subject;"
        "ALTER TABLE " D "consent ENABLE TRIGGER consent_append_only;"
        "ALTER TABLE " D "consent ALTER COLUMN subject_id SET NOT NULL;"
        "ALTER TABLE " D "consent DROP COLUMN subject;"
        "CREATE INDEX consent_subject_id ON " D "consent(subject_id, id);"
        "ALTER TABLE " D "consent_state ADD COLUMN subject_id bigint;"
        "UPDATE " D "consent_state c SET subject_id = s.id FROM " D "subject s"
        "  WHERE s.hash = c.subject;"
        "ALTER TABLE " D "consent_state ALTER COLUMN subject_id SET NOT NULL;"
        "ALTER TABLE " D "consent_state DROP COLUMN subject;"
        "ALTER TABLE " D "consent_state ADD PRIMARY KEY(subject_id, purpose, recipient);",
        NULL,
    },
    /* 27: issue 18: the vault, identities, retention anchors, disclosures
     * and the transfer log name their subject by integer id too, as
     * SQLite's step (docs/decisions/0017-integer-subject-ids-records.md).
     * Vault records, identities and anchors lose their hash column; a row
     * whose subject row is gone fails the NOT NULL and the transaction
     * leaves the store as it was. Disclosures and transfers keep their
     * hash (append-only logs that may outlive the subject row) and gain an
     * id, NULL where the subject row is already gone; only their index
     * changes. */
    {
        "ALTER TABLE " D "vault ADD COLUMN subject_id bigint;"
        "UPDATE " D "vault v SET subject_id = s.id FROM " D "subject s WHERE s.hash = v.subject;"
        "ALTER TABLE " D "vault ALTER COLUMN subject_id SET NOT NULL;"
        "ALTER TABLE " D "vault DROP COLUMN subject;"
        "CREATE INDEX vault_subject_id ON " D "vault(subject_id, id);"
        "ALTER TABLE " D "identity ADD COLUMN subject_id bigint;"
        "UPDATE " D "identity i SET subject_id = s.id FROM " D "subject s"
        "  WHERE s.hash = i.subject;"
        "ALTER TABLE " D "identity ALTER COLUMN subject_id SET NOT NULL;"
        "ALTER TABLE " D "identity DROP COLUMN subject;"
        "CREATE INDEX identity_subject_id ON " D "identity(subject_id, id);"
        "ALTER TABLE " D "retention_anchor ADD COLUMN subject_id bigint;"
        "UPDATE " D "retention_anchor a SET subject_id = s.id FROM " D "subject s"
        "  WHERE s.hash = a.subject;"
        "ALTER TABLE " D "retention_anchor ALTER COLUMN subject_id SET NOT NULL;"
        "ALTER TABLE " D "retention_anchor DROP COLUMN subject;"
        "ALTER TABLE " D "retention_anchor ADD PRIMARY KEY(subject_id, kind, purpose);"
        "ALTER TABLE " D "disclosure ADD COLUMN subject_id bigint;"
        "ALTER TABLE " D "disclosure DISABLE TRIGGER disclosure_append_only;"
        "UPDATE " D "disclosure d SET subject_id = s.id FROM " D "subject s"
        "  WHERE s.hash = d.subject;"
        "ALTER TABLE " D "disclosure ENABLE TRIGGER disclosure_append_only;"
        "DROP INDEX " D "disclosure_subject;"
        "CREATE INDEX disclosure_subject_id ON " D "disclosure(subject_id, id);"
        "ALTER TABLE " D "transfer ADD COLUMN subject_id bigint;"
        "ALTER TABLE " D "transfer DISABLE TRIGGER transfer_append_only;"
        "UPDATE " D "transfer t SET subject_id = s.id FROM " D "subject s"
        "  WHERE s.hash = t.subject;"
        "ALTER TABLE " D "transfer ENABLE TRIGGER transfer_append_only;"
        "DROP INDEX " D "transfer_subject;"
        "CREATE INDEX transfer_subject_id ON " D "transfer(subject_id, id);",
        NULL,
    },
    /* 28: issue 18 (decision 0018): requests, the access log and consent
     * signals and conflicts name their subject by its integer id; as
     * SQLite's step. A request keeps its hash (the register outlives
     * erasure); its id is NULL while unmatched and once the subject row is
     * gone. Access-log, signal and conflict rows lose the hash; a row
     * whose subject row is gone belonged to an erased subject and is
     * deleted. Objections, breach links, holds and pending hooks keep the
     * hash. */
    {
        "ALTER TABLE " D "request ADD COLUMN subject_id bigint;"
        "UPDATE " D "request r SET subject_id = s.id FROM " D "subject s"
        "  WHERE s.hash = r.subject;"
        "DROP INDEX " D "request_subject;"
        "CREATE INDEX request_subject_id ON " D "request(subject_id, id)"
        "  WHERE subject_id IS NOT NULL;"
        "CREATE INDEX request_unlinked ON " D "request(subject, id)"
        "  WHERE subject_id IS NULL AND subject IS NOT NULL;"
        "ALTER TABLE " D "access_log ADD COLUMN subject_id bigint;"
        "UPDATE " D "access_log a SET subject_id = s.id FROM " D "subject s"
        "  WHERE s.hash = a.subject;"
        "DELETE FROM " D "access_log WHERE subject_id IS NULL;"
        "ALTER TABLE " D "access_log ALTER COLUMN subject_id SET NOT NULL;"
        "ALTER TABLE " D "access_log DROP COLUMN subject;"
        "CREATE INDEX access_log_subject_id ON " D "access_log(subject_id, id);"
        "ALTER TABLE " D "consent_signal ADD COLUMN subject_id bigint;"
        "ALTER TABLE " D "consent_signal DISABLE TRIGGER consent_signal_append_only;"
        "UPDATE " D "consent_signal c SET subject_id = s.id FROM " D "subject s"
        "  WHERE s.hash = c.subject;"
        "ALTER TABLE " D "consent_signal ENABLE TRIGGER consent_signal_append_only;"
        "DELETE FROM " D "consent_signal WHERE subject_id IS NULL;"
        "ALTER TABLE " D "consent_signal ALTER COLUMN subject_id SET NOT NULL;"
        "ALTER TABLE " D "consent_signal DROP COLUMN subject;"
        "CREATE INDEX consent_signal_subject_id ON " D "consent_signal(subject_id, kind, at);"
        "ALTER TABLE " D "consent_conflict ADD COLUMN subject_id bigint;"
        "ALTER TABLE " D "consent_conflict DISABLE TRIGGER consent_conflict_append_only;"
        "UPDATE " D "consent_conflict c SET subject_id = s.id FROM " D "subject s"
        "  WHERE s.hash = c.subject;"
        "ALTER TABLE " D "consent_conflict ENABLE TRIGGER consent_conflict_append_only;"
        "DELETE FROM " D "consent_conflict WHERE subject_id IS NULL;"
        "ALTER TABLE " D "consent_conflict ALTER COLUMN subject_id SET NOT NULL;"
        "ALTER TABLE " D "consent_conflict DROP COLUMN subject;"
        "CREATE INDEX consent_conflict_subject_id ON " D "consent_conflict(subject_id, id);",
        NULL,
    },
};

#undef SEQ
#undef K
#undef D

int
gdpr_pg__schema_latest(void)
{
    return PG_BASE_VERSION + (int)(sizeof migrations / sizeof migrations[0]) - 1;
}

static int
set_versions(pg_store *st, int version)
{
    pg_params p;
    int rc;

    gdpr_pg__p_init(&p);
    gdpr_pg__p_int(&p, version);
    rc = gdpr_pg__exec(st, "UPDATE " PG_DATA_SCHEMA ".schema_version SET version = $1", &p,
                       "recording the schema version", NULL);
    if (rc == GDPR_OK)
        rc = gdpr_pg__exec(st, "UPDATE " PG_KEYS_SCHEMA ".schema_version SET version = $1", &p,
                           "recording the key schema version", NULL);
    return rc;
}

int
gdpr_pg__migrate(store *base, int target)
{
    pg_store *st = (pg_store *)base;
    int current = 0;
    int rc;

    if (st->depth == 0)
        return gdpr__err_set(GDPR_ESTATE, "schema: migrations run inside a transaction");
    rc = gdpr_pg__schema_version(&st->base, &current);
    if (rc != GDPR_OK)
        return rc;
    if (target > gdpr_pg__schema_latest())
        return gdpr__err_set(GDPR_EVERSION, "schema: no migration to version %d", target);
    if (current == 0 && target < PG_BASE_VERSION)
        return gdpr__err_set(GDPR_EVERSION,
                             "schema: a PostgreSQL store starts at version %d; %d was asked for",
                             PG_BASE_VERSION, target);
    for (int v = current == 0 ? PG_BASE_VERSION : current + 1; v <= target && rc == GDPR_OK; v++) {
        const migration *m = &migrations[v - PG_BASE_VERSION];
        rc = gdpr_pg__exec_plain(st, m->data_sql, "migrating the data schema");
        if (rc == GDPR_OK && m->keys_sql != NULL)
            rc = gdpr_pg__exec_plain(st, m->keys_sql, "migrating the key schema");
        if (rc == GDPR_OK && m->data_sql == consent_event_mac_sql)
            rc = gdpr_pg__consent_event_mac_migrate(st);
        if (rc == GDPR_OK && m->data_sql == consent_event_mac_sql)
            rc = gdpr_pg__exec_plain(
                st, "ALTER TABLE " PG_DATA_SCHEMA ".consent ENABLE TRIGGER consent_append_only",
                "migrating the data schema");
        if (rc == GDPR_OK)
            rc = set_versions(st, v);
        if (rc == GDPR_OK && !st->has_schema)
            st->schema_in_tx = 1;
        if (rc == GDPR_OK)
            st->has_schema = 1;
        if (rc != GDPR_OK)
            rc = gdpr__err_wrap(rc, "migrating the schema to version %d", v);
    }
    return rc;
}
