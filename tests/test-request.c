/*
 * Data-subject requests: intake by subject and by identifier, deadlines,
 * extension, verification, escalation and closing authority, the status
 * machine, fulfilment, lists, KPIs, bad input, and that nothing personal
 * reaches the files in plaintext.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "calendar.h"

static th_store ts;

static const gdpr_actor supervisor = {"sup-1", "supervisor"};

static void
setup(void)
{
    th_setup(&ts);
}
static void
teardown(void)
{
    th_teardown(&ts);
}

/* An instant written out, parsed by the library's own strict parser. */
static int64_t
at(const char *iso)
{
    int64_t t = 0;
    ck_assert_msg(gdpr_calendar__parse_instant(iso, &t) == 0, "bad instant %s", iso);
    return t;
}

static const char *
iso(int64_t t, char buf[21])
{
    ck_assert_int_eq(gdpr_calendar__format_instant(t, buf), 0);
    return buf;
}

/* Open a request received at `received` (the clock is moved there). */
static int64_t
open_for(const char *subject, gdpr_request_type type, const char *received)
{
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    int64_t id = 0;

    ts.now = at(received);
    in.type = type;
    in.subject = subject;
    in.channel = "phone";
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &id));
    ck_assert_int_gt(id, 0);
    return id;
}

static void
get(int64_t id, gdpr_request_info *info)
{
    th_ok(gdpr_request_info_init(info, GDPR_REQUEST_INFO_VERSION));
    th_ok(gdpr_request_get(ts.eng, id, info));
}

static void
assert_due(const char *received, const char *want_due)
{
    gdpr_request_info info;
    char buf[21];
    /* a subject of its own: a second open access request of one subject
     * would be linked to the first as a duplicate (issue 16) */
    int64_t id = open_for(received, GDPR_REQUEST_ACCESS, received);

    get(id, &info);
    ck_assert_msg(info.due == at(want_due), "received %s: due %s, want %s", received,
                  iso(info.due, buf), want_due);
    ck_assert_int_eq(info.first_due, info.due);
    ck_assert_int_eq(info.received, at(received));
}

static void
verify(int64_t id)
{
    th_ok(gdpr_request_verify(ts.eng, &th_agent, id, GDPR_VERIFY_VERIFIED,
                              GDPR_METHOD_KNOWN_CONTACT, NULL));
}

/* --- deadlines -------------------------------------------------------- */

/* Controller: Europe/Dublin (GMT in winter, IST = UTC+1 from the last
 * Sunday of March to the last Sunday of October), holidays from
 * examples/policy.json. The due time is the end of the final day: 00:00
 * local of the next day, in UTC. Worked out by hand:
 *   31 Jan 2027 (Sun): 31 Feb does not exist -> 28 Feb 2027, a Sunday ->
 *     Mon 1 Mar -> ends 2 Mar 00:00 GMT.
 *   31 Jan 2028: 2028 is a leap year -> Tue 29 Feb 2028 -> 1 Mar 00:00 GMT.
 *   28 Feb 2027 -> Sun 28 Mar 2027 (clocks go forward that night) -> Mon
 *     29 Mar is a holiday (Easter Monday) -> Tue 30 Mar -> 31 Mar 00:00 IST
 *     = 30 Mar 23:00Z.
 *   28 Feb 2028 -> Tue 28 Mar 2028 (IST since 26 Mar) -> 28 Mar 23:00Z.
 *   29 Feb 2028 -> Wed 29 Mar 2028 -> 29 Mar 23:00Z.
 *   30 Apr 2027 -> Sun 30 May -> Mon 31 May -> 1 Jun 00:00 IST = 31 May 23:00Z.
 *   31 Dec 2026 -> Sun 31 Jan 2027 -> Mon 1 Feb -> 2 Feb 00:00 GMT.
 *   31 Dec 2027 -> Mon 31 Jan 2028 -> 1 Feb 2028 00:00 GMT.
 *   25 Nov 2026 -> Fri 25 Dec (holiday), Sat 26 Dec (holiday), Sun 27 ->
 *     Mon 28 Dec -> 29 Dec 00:00 GMT.
 *   30 Jun 2027 23:30Z is 1 Jul 00:30 in Dublin -> Sun 1 Aug -> Mon 2 Aug
 *     is a holiday -> Tue 3 Aug -> 4 Aug 00:00 IST = 3 Aug 23:00Z. */
START_TEST(due_dates_month_end_weekends_holidays)
{
    assert_due("2027-01-31T10:00:00Z", "2027-03-02T00:00:00Z");
    assert_due("2028-01-31T10:00:00Z", "2028-03-01T00:00:00Z");
    assert_due("2027-02-28T10:00:00Z", "2027-03-30T23:00:00Z");
    assert_due("2028-02-28T10:00:00Z", "2028-03-28T23:00:00Z");
    assert_due("2028-02-29T10:00:00Z", "2028-03-29T23:00:00Z");
    assert_due("2027-04-30T10:00:00Z", "2027-05-31T23:00:00Z");
    assert_due("2026-12-31T10:00:00Z", "2027-02-02T00:00:00Z");
    assert_due("2027-12-31T10:00:00Z", "2028-02-01T00:00:00Z");
    assert_due("2026-11-25T10:00:00Z", "2026-12-29T00:00:00Z");
    assert_due("2027-06-30T23:30:00Z", "2027-08-03T23:00:00Z");
}
END_TEST

START_TEST(received_at_in_the_past_is_kept)
{
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    gdpr_request_info info;
    int64_t id = 0;

    /* Logged on 3 Feb for a letter that arrived on 31 Jan. */
    ts.now = at("2027-02-03T09:00:00Z");
    in.type = GDPR_REQUEST_ACCESS;
    in.subject = "letter-writer";
    in.channel = "post";
    in.received_at = at("2027-01-31T10:00:00Z");
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &id));
    get(id, &info);
    ck_assert_int_eq(info.due, at("2027-03-02T00:00:00Z"));
    ck_assert_str_eq(info.channel, "post");
    ck_assert_int_eq(info.status, GDPR_REQUEST_OPEN);
}
END_TEST

/* --- extension -------------------------------------------------------- */

START_TEST(extension_once_at_most_two_months_within_first_month)
{
    gdpr_request_info info;
    int64_t id = open_for("ext-1", GDPR_REQUEST_ACCESS, "2027-01-31T10:00:00Z");
    int64_t id2, id3;

    ts.now = at("2027-02-10T10:00:00Z");
    th_assert_err(gdpr_request_extend(ts.eng, &supervisor, id, 3, "complex", ts.now), GDPR_EINVAL,
                  "months: 3");
    th_assert_err(gdpr_request_extend(ts.eng, &supervisor, id, 0, "complex", ts.now), GDPR_EINVAL,
                  "months: 0");
    th_assert_err(gdpr_request_extend(ts.eng, &supervisor, id, 2, NULL, ts.now), GDPR_EINVAL,
                  "reason");
    th_assert_err(gdpr_request_extend(ts.eng, &supervisor, id, 2, "complex", 0), GDPR_EINVAL,
                  "subject_told_at: 0 is not accepted as a time");
    th_assert_err(gdpr_request_extend(ts.eng, &supervisor, id, 2, "complex", ts.now + 60),
                  GDPR_EINVAL, "in the future");
    th_assert_err(
        gdpr_request_extend(ts.eng, &supervisor, id, 2, "complex", at("2027-01-30T10:00:00Z")),
        GDPR_EINVAL, "before the request was received");
    /* An agent lacks request.manage. */
    th_assert_err(gdpr_request_extend(ts.eng, &th_agent, id, 2, "complex", ts.now), GDPR_EDENIED,
                  "request.manage");

    /* 31 Jan 2027 + 3 months: 30 Apr (31 Apr does not exist), a Friday ->
     * 1 May 00:00 IST = 30 Apr 23:00Z. */
    th_ok(gdpr_request_extend(ts.eng, &supervisor, id, 2, "many records across three systems",
                              at("2027-02-09T15:00:00Z")));
    get(id, &info);
    ck_assert_int_eq(info.extended_months, 2);
    ck_assert_int_eq(info.first_due, at("2027-03-02T00:00:00Z"));
    ck_assert_int_eq(info.due, at("2027-04-30T23:00:00Z"));
    ck_assert_int_eq(info.subject_told_at, at("2027-02-09T15:00:00Z"));
    th_assert_err(gdpr_request_extend(ts.eng, &supervisor, id, 1, "again", ts.now), GDPR_ESTATE,
                  "already extended once");

    /* One month: 31 Jan + 2 months = 31 Mar (Wed) -> 1 Apr 00:00 IST. */
    id2 = open_for("ext-2", GDPR_REQUEST_ACCESS, "2027-01-31T10:00:00Z");
    th_ok(gdpr_request_extend(ts.eng, &supervisor, id2, 1, "reason", ts.now));
    get(id2, &info);
    ck_assert_int_eq(info.due, at("2027-03-31T23:00:00Z"));

    /* After the first due date (2 Mar 00:00Z) no extension is possible. */
    id3 = open_for("ext-3", GDPR_REQUEST_ACCESS, "2027-01-31T10:00:00Z");
    ts.now = at("2027-03-02T00:00:00Z");
    th_assert_err(
        gdpr_request_extend(ts.eng, &supervisor, id3, 1, "too late", at("2027-02-20T10:00:00Z")),
        GDPR_ESTATE, "first due date ended at 2027-03-02T00:00:00Z");
    ts.now = at("2027-03-01T23:59:59Z");
    th_ok(gdpr_request_extend(ts.eng, &supervisor, id3, 1, "just in time",
                              at("2027-02-20T10:00:00Z")));
}
END_TEST

/* --- identifiers ------------------------------------------------------ */

START_TEST(identifiers_resolve_to_one_subject)
{
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    gdpr_request_info by_mail, by_phone, unmatched;
    char *hash = NULL, *subject = NULL, *value = NULL;
    int64_t r1 = 0, r2 = 0, r3 = 0;

    th_ok(gdpr_subject_link(ts.eng, &th_agent, "CUST-1", "email", "Anna@Example.com"));
    th_ok(gdpr_subject_link(ts.eng, &th_agent, "CUST-1", "phone", "+353 1 234 5678"));
    th_ok(gdpr_subject_hash(ts.eng, "CUST-1", &hash));

    in.type = GDPR_REQUEST_ACCESS;
    in.id_kind = "email";
    in.id_value = " anna@example.COM";
    in.channel = "email";
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &r1));
    in.id_kind = "phone";
    in.id_value = "+353-1-2345678";
    in.channel = "phone";
    in.note = "caller asked for a copy by post";
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &r2));
    get(r1, &by_mail);
    get(r2, &by_phone);
    ck_assert_str_eq(by_mail.subject_hash, hash);
    ck_assert_str_eq(by_phone.subject_hash, hash);
    ck_assert_str_eq(by_mail.id_kind, "email");
    ck_assert_str_eq(by_phone.id_kind, "phone");
    th_ok(gdpr_request_subject(ts.eng, &th_agent, r2, &subject, &value));
    ck_assert_str_eq(subject, "CUST-1");
    ck_assert_str_eq(value, "+353-1-2345678");
    gdpr_free(subject);
    gdpr_free(value);

    /* An identifier nobody holds: opened, unmatched, no note allowed. */
    in.id_kind = "email";
    in.id_value = "stranger@example.net";
    th_assert_err(gdpr_request_open(ts.eng, &th_agent, &in, &r3), GDPR_EINVAL,
                  "in.note: the identifier matches no subject");
    in.note = NULL;
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &r3));
    get(r3, &unmatched);
    ck_assert_str_eq(unmatched.subject_hash, "");
    ck_assert_int_eq(unmatched.status, GDPR_REQUEST_OPEN);
    th_assert_err(gdpr_request_verify(ts.eng, &th_agent, r3, GDPR_VERIFY_VERIFIED,
                                      GDPR_METHOD_DOCUMENT, NULL),
                  GDPR_ESTATE, "matches no subject yet");
    th_assert_err(gdpr_request_match(ts.eng, &supervisor, r3, NULL), GDPR_ENOTFOUND,
                  "still matches no subject");
    th_ok(gdpr_request_subject(ts.eng, &th_agent, r3, &subject, &value));
    ck_assert_ptr_null(subject);
    ck_assert_ptr_null(value);
    /* Once linked, the stored blind index finds the subject. */
    th_ok(gdpr_subject_link(ts.eng, &th_agent, "CUST-2", "email", "Stranger@example.net"));
    th_assert_err(gdpr_request_match(ts.eng, &th_agent, r3, NULL), GDPR_EDENIED, "request.manage");
    th_ok(gdpr_request_match(ts.eng, &supervisor, r3, NULL));
    gdpr_free(hash);
    th_ok(gdpr_subject_hash(ts.eng, "CUST-2", &hash));
    get(r3, &unmatched);
    ck_assert_str_eq(unmatched.subject_hash, hash);
    th_assert_err(gdpr_request_match(ts.eng, &supervisor, r3, "CUST-9"), GDPR_ESTATE,
                  "matched to a subject already");
    gdpr_free(hash);

    /* Another unmatched one is denied as no match. */
    in.id_value = "nobody@example.org";
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &r3));
    th_ok(gdpr_request_deny(ts.eng, &th_dpo, r3, GDPR_DENIAL_NO_MATCH, NULL));
    get(r3, &unmatched);
    ck_assert_int_eq(unmatched.status, GDPR_REQUEST_DENIED);
    ck_assert_int_eq(unmatched.denial, GDPR_DENIAL_NO_MATCH);

    /* A bad e-mail address is refused with the identity module's rule. */
    in.id_value = "not-an-address";
    th_assert_err(gdpr_request_open(ts.eng, &th_agent, &in, &r3), GDPR_EINVAL, "in.id_value");
}
END_TEST

/* --- nothing personal in plaintext ------------------------------------- */

typedef struct {
    int events;
    int notes;
    char last_note[256];
    char actions[512];
} history_seen;

static int
collect_history(const gdpr_request_event *ev, void *ctx)
{
    history_seen *h = ctx;

    h->events++;
    strncat(h->actions, ev->action, sizeof h->actions - strlen(h->actions) - 2);
    strcat(h->actions, " ");
    if (ev->note) {
        h->notes++;
        snprintf(h->last_note, sizeof h->last_note, "%s", ev->note);
    }
    return 0;
}

START_TEST(personal_fields_are_sealed)
{
    TH_SQLITE_ONLY("greps the SQLite files");
    static const char note[] = "Caller Zorbalina Quextaph says her ex-husband may also ask";
    static const char email[] = "zorbalina.quextaph@example.org";
    static const char reason[] = "Quextaph family archive spans three systems";
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    history_seen h;
    int64_t id = 0;

    th_ok(gdpr_subject_link(ts.eng, &th_agent, "CUST-77", "email", email));
    in.type = GDPR_REQUEST_ACCESS;
    in.id_kind = "email";
    in.id_value = email;
    in.channel = "web";
    in.note = note;
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &id));
    th_ok(gdpr_request_extend(ts.eng, &supervisor, id, 2, reason, ts.now));
    th_ok(gdpr_request_escalate(ts.eng, &th_agent, id, "dpo", "Quextaph threatens the press"));
    ck_assert(!th_store_files_contain(&ts, "Zorbalina", 9));
    ck_assert(!th_store_files_contain(&ts, "Quextaph", 8));
    ck_assert(!th_store_files_contain(&ts, "quextaph", 8));
    ck_assert(!th_store_files_contain(&ts, "CUST-77", 7));

    memset(&h, 0, sizeof h);
    th_ok(gdpr_request_history(ts.eng, &th_agent, id, collect_history, &h));
    ck_assert_int_eq(h.events, 3);
    ck_assert_int_eq(h.notes, 3);
    ck_assert_str_eq(h.actions, "open extend escalate ");
    ck_assert_str_eq(h.last_note, "Quextaph threatens the press");
    /* A role without request.open may not read the case file. */
    th_assert_err(gdpr_request_history(ts.eng, &th_system, id, collect_history, &h), GDPR_EDENIED,
                  "request.open");
}
END_TEST

/* --- status machine ---------------------------------------------------- */

START_TEST(transitions_that_make_no_sense_are_refused)
{
    gdpr_request_info info;
    int64_t id = open_for("st-1", GDPR_REQUEST_ACCESS, "2027-02-01T10:00:00Z");
    int64_t id2 = open_for("st-2", GDPR_REQUEST_ACCESS, "2027-02-01T10:00:00Z");
    int64_t id3 = open_for("st-3", GDPR_REQUEST_RESTRICTION, "2027-02-01T10:00:00Z");

    /* Fulfilment needs a verified requester. */
    th_assert_err(gdpr_request_fulfil(ts.eng, &supervisor, id, NULL), GDPR_ESTATE,
                  "identity is none, not verified");
    th_ok(gdpr_request_set_status(ts.eng, &th_agent, id, GDPR_REQUEST_OPEN, NULL)); /* no-op */
    th_ok(gdpr_request_verify(ts.eng, &th_agent, id, GDPR_VERIFY_PENDING, GDPR_METHOD_NONE,
                              "asked for the account number"));
    get(id, &info);
    ck_assert_int_eq(info.status, GDPR_REQUEST_IN_PROGRESS);
    ck_assert_int_eq(info.verification, GDPR_VERIFY_PENDING);
    th_assert_err(gdpr_request_set_status(ts.eng, &supervisor, id, GDPR_REQUEST_OPEN, NULL),
                  GDPR_ESTATE, "cannot go from in_progress back to open");
    verify(id);
    get(id, &info);
    ck_assert_int_eq(info.verification, GDPR_VERIFY_VERIFIED);
    ck_assert_int_eq(info.verify_method, GDPR_METHOD_KNOWN_CONTACT);
    ck_assert_int_eq(info.verified_at, ts.now);
    th_assert_err(gdpr_request_set_status(ts.eng, &supervisor, id, GDPR_REQUEST_DENIED, NULL),
                  GDPR_EINVAL, "a denial needs a reason");
    th_assert_err(gdpr_request_deny(ts.eng, &th_dpo, id, GDPR_DENIAL_IDENTITY_NOT_VERIFIED, NULL),
                  GDPR_ESTATE, "identity_not_verified does not apply");
    th_ok(gdpr_request_set_status(ts.eng, &supervisor, id, GDPR_REQUEST_FULFILLED,
                                  "copy sent by registered post"));
    get(id, &info);
    ck_assert_int_eq(info.status, GDPR_REQUEST_FULFILLED);
    ck_assert_int_eq(info.closed, ts.now);
    ck_assert_int_eq(info.close_days, 0);
    th_assert_err(gdpr_request_set_status(ts.eng, &supervisor, id, GDPR_REQUEST_OPEN, NULL),
                  GDPR_ESTATE, "cannot go from fulfilled to open (fulfilled is final)");
    th_assert_err(gdpr_request_set_status(ts.eng, &supervisor, id, GDPR_REQUEST_IN_PROGRESS, NULL),
                  GDPR_ESTATE, "cannot go from fulfilled to in_progress");
    th_assert_err(gdpr_request_deny(ts.eng, &th_dpo, id, GDPR_DENIAL_OTHER, NULL), GDPR_ESTATE,
                  "cannot go from fulfilled to denied");
    th_assert_err(gdpr_request_revoke(ts.eng, &th_agent, id, NULL), GDPR_ESTATE,
                  "cannot go from fulfilled to revoked");
    th_assert_err(
        gdpr_request_verify(ts.eng, &th_agent, id, GDPR_VERIFY_FAILED, GDPR_METHOD_OTHER, NULL),
        GDPR_ESTATE, "is fulfilled (final): cannot verify");
    th_assert_err(gdpr_request_escalate(ts.eng, &th_agent, id, "dpo", NULL), GDPR_ESTATE,
                  "cannot escalate");

    /* Revoked is final too; expiry needs an overdue, unverified request. */
    th_ok(gdpr_request_revoke(ts.eng, &th_agent, id2, "subject changed her mind"));
    th_assert_err(gdpr_request_set_status(ts.eng, &supervisor, id2, GDPR_REQUEST_FULFILLED, NULL),
                  GDPR_ESTATE, "cannot go from revoked to fulfilled");
    th_assert_err(gdpr_request_expire(ts.eng, &supervisor, id3), GDPR_ESTATE,
                  "not due before 2027-03-02T00:00:00Z");
    /* Art. 12(6): it may lapse only once the requester was asked */
    th_ok(gdpr_request_verify(ts.eng, &th_agent, id3, GDPR_VERIFY_PENDING, GDPR_METHOD_NONE, NULL));
    ts.now = at("2027-03-02T00:00:00Z");
    th_assert_err(gdpr_request_expire(ts.eng, &th_agent, id3), GDPR_EDENIED, "request.manage");
    th_ok(gdpr_request_set_status(ts.eng, &supervisor, id3, GDPR_REQUEST_EXPIRED, NULL));
    get(id3, &info);
    ck_assert_int_eq(info.status, GDPR_REQUEST_EXPIRED);
    ck_assert_int_eq(info.close_days, 29);
    th_assert_err(gdpr_request_set_status(ts.eng, &supervisor, id3, GDPR_REQUEST_REVOKED, NULL),
                  GDPR_ESTATE, "cannot go from expired to revoked");
}
END_TEST

/* --- escalation -------------------------------------------------------- */

static int
count_denied(const gdpr_audit_event *ev, void *ctx)
{
    if (ev->outcome == GDPR_EDENIED && strncmp(ev->action, "request.", 8) == 0)
        (*(int *)ctx)++;
    return 0;
}

START_TEST(escalation_and_closing_authority)
{
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    gdpr_request_info info;
    int denied_before = 0, denied_after = 0;
    int64_t flagged = 0, plain;

    ts.now = at("2027-02-01T10:00:00Z");
    in.type = GDPR_REQUEST_ACCESS;
    in.subject = "esc-1";
    in.channel = "phone";
    in.flags = GDPR_REQUEST_FLAG_COMPLAINT;
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &flagged));
    verify(flagged);
    th_ok(gdpr_audit_foreach(ts.eng, 1, count_denied, &denied_before));

    /* Not above: same or lesser request permissions, unknown roles. */
    th_assert_err(gdpr_request_escalate(ts.eng, &th_agent, flagged, "agent", NULL), GDPR_EINVAL,
                  "both hold the same request permissions");
    th_assert_err(gdpr_request_escalate(ts.eng, &supervisor, flagged, "agent", NULL), GDPR_EINVAL,
                  "'agent' is not above 'supervisor': it lacks request.manage, "
                  "request.close");
    th_assert_err(gdpr_request_escalate(ts.eng, &th_agent, flagged, "system", NULL), GDPR_EINVAL,
                  "it lacks request.open");
    th_assert_err(gdpr_request_escalate(ts.eng, &th_agent, flagged, "boss", NULL), GDPR_EINVAL,
                  "'boss' is not a role of the policy");

    /* An agent may not close at all; a supervisor may not close a
     * high-risk request: the refusal names the role. */
    th_assert_err(gdpr_request_fulfil(ts.eng, &th_agent, flagged, NULL), GDPR_EDENIED,
                  "lacks permission 'request.close'");
    th_assert_err(gdpr_request_fulfil(ts.eng, &supervisor, flagged, NULL), GDPR_EDENIED,
                  "high-risk (complaint): closing it needs role dpo");
    th_ok(gdpr_request_escalate(ts.eng, &th_agent, flagged, "supervisor", "angry caller"));
    th_assert_err(gdpr_request_deny(ts.eng, &supervisor, flagged, GDPR_DENIAL_OTHER, NULL),
                  GDPR_EDENIED, "lacks permission 'request.deny'; roles with it: dpo");
    th_assert_err(gdpr_request_escalate(ts.eng, &th_agent, flagged, "supervisor", NULL),
                  GDPR_EINVAL, "escalated to 'supervisor' already");
    th_ok(gdpr_request_escalate(ts.eng, &supervisor, flagged, "dpo", "journalist called"));
    get(flagged, &info);
    ck_assert_str_eq(info.escalated_to, "dpo");
    ck_assert_int_eq(info.escalations, 2);
    ck_assert_int_eq(info.status, GDPR_REQUEST_IN_PROGRESS);
    th_ok(gdpr_request_flag(ts.eng, &th_agent, flagged, GDPR_REQUEST_FLAG_MEDIA, NULL));
    get(flagged, &info);
    ck_assert_uint_eq(info.flags, GDPR_REQUEST_FLAG_COMPLAINT | GDPR_REQUEST_FLAG_MEDIA);
    th_assert_err(gdpr_request_fulfil(ts.eng, &supervisor, flagged, NULL), GDPR_EDENIED,
                  "escalated to 'dpo'");
    th_ok(gdpr_request_fulfil(ts.eng, &th_dpo, flagged, "answered by the DPO"));

    /* An escalated request without flags: only the level it went to. */
    plain = open_for("esc-2", GDPR_REQUEST_ACCESS, "2027-02-01T11:00:00Z");
    verify(plain);
    th_ok(gdpr_request_escalate(ts.eng, &th_agent, plain, "dpo", NULL));
    th_assert_err(gdpr_request_fulfil(ts.eng, &supervisor, plain, NULL), GDPR_EDENIED,
                  "request 2 is escalated to 'dpo': closing it needs that role");
    th_assert_err(gdpr_request_escalate(ts.eng, &th_dpo, plain, "supervisor", NULL), GDPR_EINVAL,
                  "not above 'dpo'");

    /* Every refusal is in the trail. */
    th_ok(gdpr_audit_foreach(ts.eng, 1, count_denied, &denied_after));
    ck_assert_int_eq(denied_after - denied_before, 5);
    th_ok(gdpr_audit_verify(ts.eng, NULL));
}
END_TEST

static const char request_policy_tail[] =
    ",\"requests\": {\"erasure_grace\": \"P7D\", \"high_risk_role\": \"supervisor\","
    " \"close_roles\": {\"erasure\": [\"dpo\"]}}}";

/* The example policy with a "requests" section appended. */
static char *
policy_with(const char *tail)
{
    size_t len = 0;
    char *doc = th_read_file(th_example_policy_path(), &len);
    char *end;
    char *out;

    ck_assert_ptr_nonnull(doc);
    end = strrchr(doc, '}');
    ck_assert_ptr_nonnull(end);
    *end = '\0';
    out = malloc(strlen(doc) + strlen(tail) + 1);
    ck_assert_ptr_nonnull(out);
    strcpy(out, doc);
    strcat(out, tail);
    free(doc);
    return out;
}

START_TEST(policy_roles_grace_and_high_risk_role)
{
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    gdpr_request_info info;
    history_seen h;
    char *doc = policy_with(request_policy_tail);
    int64_t erase = 0, flagged = 0, revoked = 0, none = 0;
    int64_t erased = -1, retained = -1;

    th_ok(gdpr_policy_load_string(ts.eng, &th_dpo, doc));
    free(doc);
    ts.now = at("2027-02-01T10:00:00Z");
    in.type = GDPR_REQUEST_ERASURE;
    in.subject = "pol-1";
    in.channel = "web";
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &erase));
    get(erase, &info);
    ck_assert_int_eq(info.grace_until, at("2027-02-08T10:00:00Z"));
    verify(erase);
    th_assert_err(
        gdpr_request_fulfil_erasure(ts.eng, &th_dpo, erase, "art17-1-a", &erased, &retained),
        GDPR_ESTATE, "grace period until 2027-02-08T10:00:00Z");
    /* close_roles: only the DPO closes erasure requests. */
    ts.now = at("2027-02-08T10:00:00Z");
    th_assert_err(gdpr_request_fulfil(ts.eng, &supervisor, erase, NULL), GDPR_EDENIED,
                  "policy requests.close_roles.erasure: only dpo may close erasure requests");
    /* The erasure capability plugs in here: the subject (which held no
     * records) is erased and the request closed. */
    th_ok(gdpr_request_fulfil_erasure(ts.eng, &th_dpo, erase, "art17-1-a", &erased, &retained));
    ck_assert_int_eq(erased, 0);
    ck_assert_int_eq(retained, 0);
    get(erase, &info);
    ck_assert_int_eq(info.status, GDPR_REQUEST_FULFILLED);

    /* Revoked within the grace period. */
    in.subject = "pol-2";
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &revoked));
    th_ok(gdpr_request_revoke(ts.eng, &th_agent, revoked, NULL));
    memset(&h, 0, sizeof h);
    th_ok(gdpr_request_history(ts.eng, &th_agent, revoked, collect_history, &h));
    ck_assert_str_eq(h.actions, "open revoke ");
    /* No grace asked for: none. */
    in.subject = "pol-3";
    in.grace_seconds = GDPR_REQUEST_GRACE_NONE;
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &none));
    get(none, &info);
    ck_assert_int_eq(info.grace_until, 0);
    in.grace_seconds = 3600;
    in.subject = "pol-4"; /* pol-3's erasure request is open: it would be a duplicate */
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &none));
    get(none, &info);
    ck_assert_int_eq(info.grace_until, ts.now + 3600);

    /* high_risk_role supervisor: a supervisor closes flagged requests. */
    in.type = GDPR_REQUEST_ACCESS;
    in.grace_seconds = 0;
    in.subject = "pol-4";
    in.flags = GDPR_REQUEST_FLAG_AUTHORITY;
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &flagged));
    verify(flagged);
    th_ok(gdpr_request_fulfil(ts.eng, &supervisor, flagged, NULL));
}
END_TEST

START_TEST(policy_requests_section_is_validated)
{
    static const struct {
        const char *tail;
        const char *why;
    } bad[] = {
        {",\"requests\": {\"erasure_grace\": \"P2M\"}}", "not months or years"},
        {",\"requests\": {\"erasure_grace\": \"P30D\"}}", "at most P21D"},
        {",\"requests\": {\"erasure_grace\": \"7 days\"}}", "not an ISO 8601 duration"},
        {",\"requests\": {\"high_risk_role\": \"boss\"}}", "'boss' is not a role"},
        {",\"requests\": {\"high_risk_role\": \"agent\"}}", "neither 'request.close'"},
        {",\"requests\": {\"close_roles\": {\"deletion\": [\"dpo\"]}}}",
         "'deletion' is not a request type"},
        {",\"requests\": {\"close_roles\": {\"erasure\": []}}}", "non-empty array"},
        {",\"requests\": {\"close_roles\": {\"erasure\": [\"system\"]}}}",
         "role 'system' has neither"},
        {",\"requests\": {\"grace\": \"P1D\"}}", "unknown field"},
    };
    char before[65], after[65];

    th_fingerprint(&ts, before);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *doc = policy_with(bad[i].tail);
        th_assert_err(gdpr_policy_load_string(ts.eng, &th_dpo, doc), GDPR_EINVAL, bad[i].why);
        free(doc);
    }
    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
}
END_TEST

/* --- fulfilment -------------------------------------------------------- */

typedef struct {
    size_t bytes;
    char first;
} sink;

static int
to_sink(const void *buf, size_t len, void *ctx)
{
    sink *s = ctx;

    if (s->bytes == 0 && len > 0)
        s->first = ((const char *)buf)[0];
    s->bytes += len;
    return 0;
}

static int
find_ref(const gdpr_audit_event *ev, void *ctx)
{
    const char *want = ctx;
    return ev->ref && strcmp(ev->ref, want) == 0 ? 1 : 0;
}

START_TEST(fulfilment_runs_the_work_and_links_it)
{
    gdpr_request_info info;
    sink out = {0, 0};
    unsigned int limits = 0;
    int64_t access, port, restrict_, object, rectify, record = 0, other = 0;
    void *value = NULL;
    size_t len = 0;
    char ref[96];

    th_ok(gdpr_vault_put(ts.eng, &th_agent, "ful-1", "contact", "service", "old address", 11,
                         &record));
    th_ok(gdpr_vault_put(ts.eng, &th_agent, "ful-2", "contact", "service", "x", 1, &other));
    access = open_for("ful-1", GDPR_REQUEST_ACCESS, "2027-02-01T10:00:00Z");
    th_assert_err(
        gdpr_request_fulfil_export(ts.eng, &supervisor, access, GDPR_EXPORT_JSON, to_sink, &out),
        GDPR_ESTATE, "not verified");
    ck_assert_uint_eq(out.bytes, 0);
    verify(access);
    th_assert_err(gdpr_request_fulfil_export(ts.eng, &supervisor, access, 7, to_sink, &out),
                  GDPR_EINVAL, "format: 7");
    th_assert_err(gdpr_request_fulfil_limit(ts.eng, &supervisor, access), GDPR_ESTATE,
                  "this helper fulfils restriction and objection");
    ts.now = at("2027-02-03T10:00:00Z");
    th_ok(gdpr_request_fulfil_export(ts.eng, &supervisor, access, GDPR_EXPORT_JSON, to_sink, &out));
    ck_assert_uint_gt(out.bytes, 10);
    ck_assert_int_eq(out.first, '{');
    get(access, &info);
    ck_assert_int_eq(info.status, GDPR_REQUEST_FULFILLED);
    ck_assert_int_eq(info.close_days, 2);
    snprintf(ref, sizeof ref, "request %lld fulfil by export.subject (json)", (long long)access);
    th_assert_err(gdpr_audit_foreach(ts.eng, 1, find_ref, ref), GDPR_ECALLBACK, "");

    port = open_for("ful-1", GDPR_REQUEST_PORTABILITY, "2027-02-03T11:00:00Z");
    verify(port);
    memset(&out, 0, sizeof out);
    th_ok(gdpr_request_fulfil_export(ts.eng, &supervisor, port, GDPR_EXPORT_CSV, to_sink, &out));
    ck_assert_uint_gt(out.bytes, 10);

    restrict_ = open_for("ful-1", GDPR_REQUEST_RESTRICTION, "2027-02-03T12:00:00Z");
    verify(restrict_);
    th_ok(gdpr_request_fulfil_limit(ts.eng, &supervisor, restrict_));
    th_ok(gdpr_subject_limits(ts.eng, "ful-1", &limits));
    ck_assert_uint_eq(limits, GDPR_SUBJECT_RESTRICTED);
    object = open_for("ful-1", GDPR_REQUEST_OBJECTION, "2027-02-03T13:00:00Z");
    verify(object);
    th_ok(gdpr_request_fulfil_limit(ts.eng, &supervisor, object));
    th_ok(gdpr_subject_limits(ts.eng, "ful-1", &limits));
    /* An Art. 21 request also objects to all direct marketing (Art. 21(2)). */
    ck_assert_uint_eq(limits, GDPR_SUBJECT_RESTRICTED | GDPR_SUBJECT_OBJECTED |
                                  GDPR_SUBJECT_MARKETING_OBJECTED);

    rectify = open_for("ful-1", GDPR_REQUEST_RECTIFICATION, "2027-02-03T14:00:00Z");
    th_assert_err(gdpr_request_rectify(ts.eng, &supervisor, rectify, record, "new", 3), GDPR_ESTATE,
                  "not verified");
    verify(rectify);
    th_assert_err(gdpr_request_rectify(ts.eng, &supervisor, rectify, other, "new", 3), GDPR_EINVAL,
                  "belongs to another subject");
    th_assert_err(gdpr_request_rectify(ts.eng, &supervisor, rectify, 99999, "new", 3),
                  GDPR_ENOTFOUND, "99999");
    th_assert_err(gdpr_request_rectify(ts.eng, &supervisor, access, record, "new", 3), GDPR_ESTATE,
                  "not a rectification");
    th_ok(gdpr_request_rectify(ts.eng, &supervisor, rectify, record, "1 Harbour Road", 14));
    /* Restricted (Art. 18): stored only, so the value is not handed out
     * until the restriction is lifted. */
    th_assert_err(gdpr_vault_get(ts.eng, &supervisor, record, &value, &len), GDPR_ESTATE,
                  "Art. 18");
    th_ok(gdpr_subject_unrestrict(ts.eng, &th_dpo, "ful-1"));
    th_ok(gdpr_vault_get(ts.eng, &supervisor, record, &value, &len));
    ck_assert_uint_eq(len, 14);
    ck_assert_int_eq(memcmp(value, "1 Harbour Road", 14), 0);
    gdpr_free(value);
    th_ok(gdpr_subject_restrict(ts.eng, &th_dpo, "ful-1"));
    get(rectify, &info);
    ck_assert_int_eq(info.status, GDPR_REQUEST_IN_PROGRESS);
    th_ok(gdpr_request_fulfil(ts.eng, &supervisor, rectify, "address corrected"));
    get(rectify, &info);
    ck_assert_int_eq(info.status, GDPR_REQUEST_FULFILLED);
    th_ok(gdpr_audit_verify(ts.eng, NULL));
}
END_TEST

START_TEST(erasure_request_end_to_end)
{
    TH_SQLITE_ONLY("greps the SQLite files");
    static const char note[] = "Ms Wrenfeather wants every trace gone";
    static const char email[] = "ida.wrenfeather@example.org";
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    gdpr_request_info info;
    history_seen h;
    char *subject = NULL;
    int64_t id = 0, erased = 0, retained = 0;
    int exists = 1;

    th_ok(gdpr_subject_link(ts.eng, &th_agent, "CUST-E", "email", email));
    th_ok(gdpr_vault_put(ts.eng, &th_agent, "CUST-E", "contact", "service", "Ida Wrenfeather", 15,
                         NULL));
    in.type = GDPR_REQUEST_ERASURE;
    in.id_kind = "email";
    in.id_value = email;
    in.channel = "email";
    in.note = note;
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &id));
    verify(id);
    /* The work's own permission: a supervisor may close, not erase. */
    th_assert_err(
        gdpr_request_fulfil_erasure(ts.eng, &supervisor, id, "Art. 17(1)(a)", &erased, &retained),
        GDPR_EDENIED, "erase.subject");
    get(id, &info);
    ck_assert_int_eq(info.status, GDPR_REQUEST_IN_PROGRESS);
    ts.now += 86400;
    th_ok(gdpr_request_fulfil_erasure(ts.eng, &th_dpo, id, "Art. 17(1)(a)", &erased, &retained));
    ck_assert_int_ge(erased, 1);
    ck_assert_int_eq(retained, 0);
    get(id, &info);
    ck_assert_int_eq(info.status, GDPR_REQUEST_FULFILLED);
    ck_assert_int_eq(info.close_days, 1);
    th_ok(gdpr_subject_exists(ts.eng, "CUST-E", &exists));
    ck_assert_int_eq(exists, 0);
    /* The register keeps the request; its personal fields went with the
     * subject. */
    memset(&h, 0, sizeof h);
    th_ok(gdpr_request_history(ts.eng, &th_dpo, id, collect_history, &h));
    ck_assert_str_eq(h.actions, "open verify fulfil ");
    ck_assert_int_eq(h.notes, 0);
    th_assert_err(gdpr_request_subject(ts.eng, &th_dpo, id, &subject, NULL), GDPR_ENOTFOUND, "");
    ck_assert_ptr_null(subject);
    ck_assert(!th_store_files_contain(&ts, "Wrenfeather", 11));
    ck_assert(!th_store_files_contain(&ts, "wrenfeather", 11));
    th_ok(gdpr_audit_verify(ts.eng, NULL));
}
END_TEST

/* --- lists ------------------------------------------------------------- */

typedef struct {
    int n;
    int64_t ids[16];
    int64_t last_due;
    int ordered;
    int stop_after;
} listed;

static int
collect(const gdpr_request_info *r, void *ctx)
{
    listed *l = ctx;

    if (l->n > 0 && r->due < l->last_due)
        l->ordered = 0;
    l->last_due = r->due;
    if (l->n < 16)
        l->ids[l->n] = r->id;
    l->n++;
    return l->stop_after && l->n >= l->stop_after;
}

START_TEST(overdue_and_due_soon_lists)
{
    listed l;
    /* due 2 Mar 00:00Z, 5 Mar 00:00Z, 12 Mar 00:00Z, 16 Mar 00:00Z */
    int64_t a = open_for("ls-1", GDPR_REQUEST_ACCESS, "2027-02-01T10:00:00Z");
    int64_t b = open_for("ls-2", GDPR_REQUEST_ACCESS, "2027-02-04T10:00:00Z");
    int64_t c = open_for("ls-3", GDPR_REQUEST_ERASURE, "2027-02-11T10:00:00Z");
    int64_t d = open_for("ls-4", GDPR_REQUEST_OBJECTION, "2027-02-15T10:00:00Z");

    verify(b);
    ts.now = at("2027-02-20T10:00:00Z");
    th_ok(gdpr_request_revoke(ts.eng, &th_agent, d, NULL));

    memset(&l, 0, sizeof l);
    l.ordered = 1;
    th_ok(gdpr_request_overdue(ts.eng, at("2027-03-12T00:00:00Z"), collect, &l));
    ck_assert_int_eq(l.n, 3);
    ck_assert(l.ordered);
    ck_assert_int_eq(l.ids[0], a);
    ck_assert_int_eq(l.ids[1], b);
    ck_assert_int_eq(l.ids[2], c);
    memset(&l, 0, sizeof l);
    th_ok(gdpr_request_overdue(ts.eng, at("2027-03-11T23:59:59Z"), collect, &l));
    ck_assert_int_eq(l.n, 2);
    memset(&l, 0, sizeof l);
    th_ok(gdpr_request_overdue(ts.eng, GDPR_NOW, collect, &l)); /* now: 20 Feb */
    ck_assert_int_eq(l.n, 0);

    memset(&l, 0, sizeof l);
    l.ordered = 1;
    th_ok(gdpr_request_due_soon(ts.eng, at("2027-03-02T00:00:00Z"), 10 * 86400, collect, &l));
    ck_assert_int_eq(l.n, 2);
    ck_assert_int_eq(l.ids[0], b);
    ck_assert_int_eq(l.ids[1], c);
    memset(&l, 0, sizeof l);
    l.stop_after = 1;
    th_assert_err(gdpr_request_due_soon(ts.eng, GDPR_NOW, 30 * 86400, collect, &l), GDPR_ECALLBACK,
                  "stopped");
    ck_assert_int_eq(l.n, 1);

    memset(&l, 0, sizeof l);
    th_ok(gdpr_request_list(ts.eng, NULL, 0, collect, &l));
    ck_assert_int_eq(l.n, 4);
    memset(&l, 0, sizeof l);
    th_ok(gdpr_request_list(ts.eng, "ls-2", 0, collect, &l));
    ck_assert_int_eq(l.n, 1);
    ck_assert_int_eq(l.ids[0], b);
    memset(&l, 0, sizeof l);
    th_ok(gdpr_request_list(ts.eng, NULL, GDPR_REQUEST_REVOKED, collect, &l));
    ck_assert_int_eq(l.n, 1);
    ck_assert_int_eq(l.ids[0], d);
}
END_TEST

/* A list whose callback lists again, through the same walk: each walk sees
 * all its rows (the store's prepared cursor is not taken over by the inner
 * one), and a walk stopped early leaves none behind for the next. */
typedef struct {
    listed outer;
    int64_t as_of;
    int inner_rows, inner_calls;
} nested_walk;

static int
collect_nested(const gdpr_request_info *r, void *ctx)
{
    nested_walk *nw = ctx;
    listed inner;

    memset(&inner, 0, sizeof inner);
    if (gdpr_request_overdue(ts.eng, nw->as_of, collect, &inner) != GDPR_OK)
        return GDPR_EINVAL;
    nw->inner_rows += inner.n;
    memset(&inner, 0, sizeof inner);
    if (gdpr_request_list(ts.eng, NULL, 0, collect, &inner) != GDPR_OK)
        return GDPR_EINVAL;
    nw->inner_calls++;
    return collect(r, &nw->outer);
}

START_TEST(lists_nest_and_restart)
{
    nested_walk nw;
    listed l;
    int64_t a = open_for("ln-1", GDPR_REQUEST_ACCESS, "2027-02-01T10:00:00Z");
    int64_t b = open_for("ln-2", GDPR_REQUEST_ACCESS, "2027-02-04T10:00:00Z");
    int64_t c = open_for("ln-3", GDPR_REQUEST_ERASURE, "2027-02-11T10:00:00Z");

    memset(&nw, 0, sizeof nw);
    nw.as_of = at("2027-03-12T00:00:00Z");
    th_ok(gdpr_request_overdue(ts.eng, nw.as_of, collect_nested, &nw));
    ck_assert_int_eq(nw.outer.n, 3);
    ck_assert_int_eq(nw.outer.ids[0], a);
    ck_assert_int_eq(nw.outer.ids[1], b);
    ck_assert_int_eq(nw.outer.ids[2], c);
    ck_assert_int_eq(nw.inner_calls, 3);
    ck_assert_int_eq(nw.inner_rows, 9);

    memset(&l, 0, sizeof l);
    l.stop_after = 1;
    th_assert_err(gdpr_request_overdue(ts.eng, nw.as_of, collect, &l), GDPR_ECALLBACK, "stopped");
    memset(&l, 0, sizeof l);
    th_ok(gdpr_request_overdue(ts.eng, nw.as_of, collect, &l));
    ck_assert_int_eq(l.n, 3);
    ck_assert_int_eq(l.ids[0], a);
    memset(&l, 0, sizeof l);
    l.stop_after = 2;
    th_assert_err(gdpr_request_list(ts.eng, NULL, 0, collect, &l), GDPR_ECALLBACK, "stopped");
    memset(&l, 0, sizeof l);
    th_ok(gdpr_request_list(ts.eng, NULL, 0, collect, &l));
    ck_assert_int_eq(l.n, 3);
}
END_TEST

/* --- KPIs -------------------------------------------------------------- */

/* A fixed history, in the order it happens (times UTC, Dublin = GMT in
 * February and March until the 28th):
 *   R0  access         01 Feb 09:00  fulfilled 01 Feb 10:00          (before the window)
 *   R10 erasure, complaint 01 Feb 15:00 fulfilled by the DPO 16:00    0 days, on time
 *   R1  access         02 Feb 10:00  fulfilled 10 Feb                 8 days, on time
 *   R2  access         03 Feb 10:00  fulfilled 05 Feb                 2 days, on time
 *   R3  erasure        04 Feb 10:00  denied (exempt) 24 Feb          20 days, on time
 *   R4  rectification  05 Feb 10:00  extended 2 months 10 Feb, fulfilled 20 Apr
 *                                    74 days (23 + 31 + 20), due 5 May 23:00Z: on time
 *   R5  access         08 Feb 10:00  fulfilled 15 Mar, due 9 Mar     35 days, late
 *   R6  objection      09 Feb 10:00  escalated to dpo, denied (other) 12 Feb  3 days
 *   R7  restriction    10 Feb 10:00  revoked 11 Feb
 *   R8  portability    11 Feb 10:00  never answered, due 12 Mar: overdue on 1 May
 *   R9  access         15 Feb 10:00  identity pending, expired 20 Mar
 *   R11 access         01 Mar 00:00  (after the window)
 * Window [01 Feb 12:00, 01 Mar 00:00): R1..R10.
 *   total 10; access 4 (R1 R2 R5 R9), portability 1, erasure 2, rectification 1,
 *   restriction 1, objection 1; fulfilled 5, denied 2 (exempt 1, other 1),
 *   revoked 1, expired 1, open 1; decided 7; on time 6; late 1 + overdue 1 = 2;
 *   on-time rate 6 / 8 = 0.75; days 0 2 3 8 20 35 74: median 8 (4th of 7),
 *   90th percentile the ceil(6.3) = 7th = 74; extended 1; escalated 1,
 *   escalations 1; high-risk 1. */
static void
kpi_history(void)
{
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    int64_t r0, r1, r2, r3, r4, r5, r6, r7, r9, r10 = 0;

    r0 = open_for("k-0", GDPR_REQUEST_ACCESS, "2027-02-01T09:00:00Z");
    verify(r0);
    ts.now = at("2027-02-01T10:00:00Z");
    th_ok(gdpr_request_fulfil(ts.eng, &supervisor, r0, NULL));
    ts.now = at("2027-02-01T15:00:00Z");
    in.type = GDPR_REQUEST_ERASURE;
    in.subject = "k-10";
    in.channel = "email";
    in.flags = GDPR_REQUEST_FLAG_COMPLAINT;
    th_ok(gdpr_request_open(ts.eng, &th_agent, &in, &r10));
    verify(r10);
    ts.now = at("2027-02-01T16:00:00Z");
    th_ok(gdpr_request_fulfil(ts.eng, &th_dpo, r10, NULL));
    r1 = open_for("k-1", GDPR_REQUEST_ACCESS, "2027-02-02T10:00:00Z");
    verify(r1);
    r2 = open_for("k-2", GDPR_REQUEST_ACCESS, "2027-02-03T10:00:00Z");
    verify(r2);
    r3 = open_for("k-3", GDPR_REQUEST_ERASURE, "2027-02-04T10:00:00Z");
    verify(r3);
    ts.now = at("2027-02-05T09:00:00Z");
    th_ok(gdpr_request_fulfil(ts.eng, &supervisor, r2, NULL));
    r4 = open_for("k-4", GDPR_REQUEST_RECTIFICATION, "2027-02-05T10:00:00Z");
    verify(r4);
    r5 = open_for("k-5", GDPR_REQUEST_ACCESS, "2027-02-08T10:00:00Z");
    verify(r5);
    r6 = open_for("k-6", GDPR_REQUEST_OBJECTION, "2027-02-09T10:00:00Z");
    th_ok(gdpr_request_escalate(ts.eng, &th_agent, r6, "dpo", NULL));
    r7 = open_for("k-7", GDPR_REQUEST_RESTRICTION, "2027-02-10T10:00:00Z");
    th_ok(gdpr_request_fulfil(ts.eng, &supervisor, r1, NULL));
    th_ok(gdpr_request_extend(ts.eng, &supervisor, r4, 2, "archives", ts.now));
    open_for("k-8", GDPR_REQUEST_PORTABILITY, "2027-02-11T10:00:00Z");
    th_ok(gdpr_request_revoke(ts.eng, &th_agent, r7, NULL));
    ts.now = at("2027-02-12T10:00:00Z");
    th_ok(gdpr_request_deny(ts.eng, &th_dpo, r6, GDPR_DENIAL_OTHER, NULL));
    r9 = open_for("k-9", GDPR_REQUEST_ACCESS, "2027-02-15T10:00:00Z");
    th_ok(gdpr_request_verify(ts.eng, &th_agent, r9, GDPR_VERIFY_PENDING, GDPR_METHOD_NONE, NULL));
    ts.now = at("2027-02-24T10:00:00Z");
    th_ok(gdpr_request_deny(ts.eng, &th_dpo, r3, GDPR_DENIAL_EXEMPT, NULL));
    open_for("k-11", GDPR_REQUEST_ACCESS, "2027-03-01T00:00:00Z");
    ts.now = at("2027-03-15T10:00:00Z");
    th_ok(gdpr_request_fulfil(ts.eng, &supervisor, r5, NULL));
    ts.now = at("2027-03-20T10:00:00Z");
    th_ok(gdpr_request_expire(ts.eng, &supervisor, r9));
    ts.now = at("2027-04-20T10:00:00Z");
    th_ok(gdpr_request_fulfil(ts.eng, &supervisor, r4, NULL));
    ts.now = at("2027-05-01T00:00:00Z");
}

START_TEST(kpis_on_a_fixed_history)
{
    gdpr_request_kpi_report k, whole, edge;
    char *json = NULL;

    kpi_history();
    th_ok(gdpr_request_kpi_report_init(&k, GDPR_REQUEST_KPI_REPORT_VERSION));
    th_ok(gdpr_request_kpis(ts.eng, at("2027-02-01T12:00:00Z"), at("2027-03-01T00:00:00Z"), &k));
    ck_assert_int_eq(k.version, GDPR_REQUEST_KPI_REPORT_VERSION);
    ck_assert_int_eq(k.as_of, at("2027-05-01T00:00:00Z"));
    ck_assert_int_eq(k.total, 10);
    ck_assert_int_eq(k.by_type[GDPR_REQUEST_ACCESS], 4);
    ck_assert_int_eq(k.by_type[GDPR_REQUEST_PORTABILITY], 1);
    ck_assert_int_eq(k.by_type[GDPR_REQUEST_ERASURE], 2);
    ck_assert_int_eq(k.by_type[GDPR_REQUEST_RECTIFICATION], 1);
    ck_assert_int_eq(k.by_type[GDPR_REQUEST_RESTRICTION], 1);
    ck_assert_int_eq(k.by_type[GDPR_REQUEST_OBJECTION], 1);
    ck_assert_int_eq(k.by_status[GDPR_REQUEST_OPEN], 1);
    ck_assert_int_eq(k.by_status[GDPR_REQUEST_IN_PROGRESS], 0);
    ck_assert_int_eq(k.by_status[GDPR_REQUEST_FULFILLED], 5);
    ck_assert_int_eq(k.by_status[GDPR_REQUEST_DENIED], 2);
    ck_assert_int_eq(k.by_status[GDPR_REQUEST_REVOKED], 1);
    ck_assert_int_eq(k.by_status[GDPR_REQUEST_EXPIRED], 1);
    ck_assert_int_eq(k.by_type_status[GDPR_REQUEST_ACCESS][GDPR_REQUEST_FULFILLED], 3);
    ck_assert_int_eq(k.by_type_status[GDPR_REQUEST_ACCESS][GDPR_REQUEST_EXPIRED], 1);
    ck_assert_int_eq(k.by_type_status[GDPR_REQUEST_ERASURE][GDPR_REQUEST_DENIED], 1);
    ck_assert_int_eq(k.by_type_status[GDPR_REQUEST_ERASURE][GDPR_REQUEST_FULFILLED], 1);
    ck_assert_int_eq(k.by_type_status[GDPR_REQUEST_PORTABILITY][GDPR_REQUEST_OPEN], 1);
    ck_assert_int_eq(k.denied_by_reason[GDPR_DENIAL_EXEMPT], 1);
    ck_assert_int_eq(k.denied_by_reason[GDPR_DENIAL_OTHER], 1);
    ck_assert_int_eq(k.denied_by_reason[GDPR_DENIAL_NO_MATCH], 0);
    ck_assert_int_eq(k.decided, 7);
    ck_assert_int_eq(k.on_time, 6);
    ck_assert_int_eq(k.late, 2);
    ck_assert_int_eq(k.overdue, 1);
    ck_assert_double_eq(k.on_time_rate, 0.75);
    ck_assert_double_eq(k.median_days, 8.0);
    ck_assert_double_eq(k.p90_days, 74.0);
    ck_assert_int_eq(k.extended, 1);
    ck_assert_int_eq(k.escalated, 1);
    ck_assert_int_eq(k.escalations, 1);
    ck_assert_int_eq(k.high_risk, 1);

    /* The same month from the day counters alone (whole UTC days) and
     * with partial days at the edges read from the rows: R0 comes in. */
    th_ok(gdpr_request_kpi_report_init(&whole, GDPR_REQUEST_KPI_REPORT_VERSION));
    th_ok(gdpr_request_kpi_report_init(&edge, GDPR_REQUEST_KPI_REPORT_VERSION));
    th_ok(
        gdpr_request_kpis(ts.eng, at("2027-02-01T00:00:00Z"), at("2027-03-01T00:00:00Z"), &whole));
    th_ok(gdpr_request_kpis(ts.eng, at("2027-01-31T23:59:59Z"), at("2027-03-01T00:00:00Z"), &edge));
    ck_assert_int_eq(whole.total, 11);
    ck_assert_int_eq(whole.by_type[GDPR_REQUEST_ACCESS], 5);
    ck_assert_int_eq(whole.decided, 8);
    /* days 0 0 2 3 8 20 35 74: median (3 + 8) / 2, p90 the 8th = 74 */
    ck_assert_double_eq(whole.median_days, 5.5);
    ck_assert_double_eq(whole.p90_days, 74.0);
    edge.from = whole.from;
    ck_assert_int_eq(memcmp(&edge, &whole, sizeof whole), 0);

    /* Counters against rows: a window inside one day is read from the
     * rows; 28 of them (each missing its first second, when nothing was
     * received) must add up to the month read from the day counters. */
    {
        gdpr_request_kpi_report sum, day;
        memset(&sum, 0, sizeof sum);
        th_ok(gdpr_request_kpi_report_init(&day, GDPR_REQUEST_KPI_REPORT_VERSION));
        for (int64_t d = at("2027-02-01T00:00:00Z"); d < at("2027-03-01T00:00:00Z"); d += 86400) {
            th_ok(gdpr_request_kpis(ts.eng, d + 1, d + 86400, &day));
            sum.total += day.total;
            sum.decided += day.decided;
            sum.on_time += day.on_time;
            sum.late += day.late;
            sum.overdue += day.overdue;
            sum.extended += day.extended;
            sum.escalations += day.escalations;
            sum.high_risk += day.high_risk;
            for (int t = 1; t <= GDPR_REQUEST_TYPE_MAX; t++)
                for (int x = 1; x <= GDPR_REQUEST_STATUS_MAX; x++)
                    sum.by_type_status[t][x] += day.by_type_status[t][x];
        }
        ck_assert_int_eq(sum.total, whole.total);
        ck_assert_int_eq(sum.decided, whole.decided);
        ck_assert_int_eq(sum.on_time, whole.on_time);
        ck_assert_int_eq(sum.late, whole.late);
        ck_assert_int_eq(sum.overdue, whole.overdue);
        ck_assert_int_eq(sum.extended, whole.extended);
        ck_assert_int_eq(sum.escalations, whole.escalations);
        ck_assert_int_eq(sum.high_risk, whole.high_risk);
        ck_assert_int_eq(
            memcmp(sum.by_type_status, whole.by_type_status, sizeof sum.by_type_status), 0);
    }

    /* Years later the open R8 is still the one overdue request of the
     * window (the count bounds due times by the window's latest possible
     * deadline, which must not lose it). */
    ts.now = at("2029-01-01T00:00:00Z");
    th_ok(gdpr_request_kpis(ts.eng, at("2027-02-01T12:00:00Z"), at("2027-03-01T00:00:00Z"), &k));
    ck_assert_int_eq(k.overdue, 1);
    ck_assert_int_eq(k.late, 2);
    ts.now = at("2027-05-01T00:00:00Z");

    /* One day, rows only; an empty window measures nothing. */
    th_ok(gdpr_request_kpis(ts.eng, at("2027-02-09T00:00:00Z"), at("2027-02-09T23:00:00Z"), &k));
    ck_assert_int_eq(k.total, 1);
    ck_assert_int_eq(k.by_type[GDPR_REQUEST_OBJECTION], 1);
    ck_assert_double_eq(k.median_days, 3.0);
    th_ok(gdpr_request_kpis(ts.eng, at("2026-01-01T00:00:00Z"), at("2026-02-01T00:00:00Z"), &k));
    ck_assert_int_eq(k.total, 0);
    ck_assert_double_eq(k.on_time_rate, -1);
    ck_assert_double_eq(k.median_days, -1);

    th_ok(gdpr_request_kpis_json(ts.eng, at("2027-02-01T12:00:00Z"), at("2027-03-01T00:00:00Z"),
                                 &json));
    ck_assert_ptr_nonnull(strstr(json, "\"version\":1,\"from\":\"2027-02-01T12:00:00Z\","
                                       "\"to\":\"2027-03-01T00:00:00Z\","
                                       "\"as_of\":\"2027-05-01T00:00:00Z\",\"total\":10,"));
    ck_assert_ptr_nonnull(strstr(json, "\"by_type\":{\"access\":4,\"portability\":1,"
                                       "\"erasure\":2,\"rectification\":1,\"restriction\":1,"
                                       "\"objection\":1,\"human_intervention\":0}"));
    ck_assert_ptr_nonnull(strstr(json, "\"erasure\":{\"open\":0,\"in_progress\":0,"
                                       "\"fulfilled\":1,\"denied\":1,"));
    ck_assert_ptr_nonnull(strstr(json, "\"on_time_rate\":0.75,\"median_days\":8.0,"
                                       "\"p90_days\":74.0,"));
    ck_assert_ptr_nonnull(strstr(json, "\"manifestly_unfounded_or_excessive\":0,\"exempt\":1"));
    gdpr_free(json);
    th_ok(gdpr_request_kpis_json(ts.eng, at("2026-01-01T00:00:00Z"), at("2026-02-01T00:00:00Z"),
                                 &json));
    ck_assert_ptr_nonnull(strstr(json, "\"on_time_rate\":null,\"median_days\":null"));
    gdpr_free(json);
}
END_TEST

/* --- bad input --------------------------------------------------------- */

START_TEST(bad_input_is_refused_and_changes_nothing)
{
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    gdpr_request_kpi_report k;
    gdpr_request_info info;
    char longtext[GDPR_REQUEST_NOTE_MAX + 2];
    char longname[300];
    char before[65], after[65];
    int64_t id = open_for("bad-1", GDPR_REQUEST_ACCESS, "2027-02-01T10:00:00Z");
    int64_t out = 7;
    char *json = NULL, *subject = NULL;
    int value = 0;

    memset(longtext, 'n', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = '\0';
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    th_fingerprint(&ts, before);

    /* intake */
    th_assert_err(gdpr_request_intake_init(NULL, 1), GDPR_EINVAL, "in");
    th_assert_err(gdpr_request_intake_init(&in, 2), GDPR_EVERSION, "version: 2");
    th_ok(gdpr_request_intake_init(&in, GDPR_REQUEST_INTAKE_VERSION));
    th_assert_err(gdpr_request_open(NULL, &th_agent, &in, &out), GDPR_EINVAL, "eng");
    th_assert_err(gdpr_request_open(ts.eng, NULL, &in, &out), GDPR_EINVAL, "who");
    th_assert_err(gdpr_request_open(ts.eng, &th_agent, NULL, &out), GDPR_EINVAL, "in: must");
    ck_assert_int_eq(out, 0);
    in.version = 0;
    th_assert_err(gdpr_request_open(ts.eng, &th_agent, &in, &out), GDPR_EVERSION, "in.version");
    in.version = GDPR_REQUEST_INTAKE_VERSION;
    th_assert_err(gdpr_request_open(ts.eng, &th_agent, &in, &out), GDPR_EINVAL, "in.type: 0");
    in.type = (gdpr_request_type)(GDPR_REQUEST_TYPE_ALL_MAX + 1);
    th_assert_err(gdpr_request_open(ts.eng, &th_agent, &in, &out), GDPR_EINVAL, "in.type: 8");
    in.type = GDPR_REQUEST_ACCESS;
    th_assert_err(gdpr_request_open(ts.eng, &th_agent, &in, &out), GDPR_EINVAL,
                  "in.subject: give the subject's id or an identifier");
    in.subject = "s";
    in.id_kind = "email";
    th_assert_err(gdpr_request_open(ts.eng, &th_agent, &in, &out), GDPR_EINVAL, "not both");
    in.id_kind = NULL;
    in.subject = "";
    in.channel = "phone";
    th_assert_err(gdpr_request_open(ts.eng, &th_agent, &in, &out), GDPR_EINVAL,
                  "in.subject: must not be empty");
    in.subject = longname;
    th_assert_err(gdpr_request_open(ts.eng, &th_agent, &in, &out), GDPR_EINVAL,
                  "in.subject: longer than");
    in.subject = "\xff";
    th_assert_err(gdpr_request_open(ts.eng, &th_agent, &in, &out), GDPR_EINVAL,
                  "in.subject: not valid UTF-8");
    in.subject = NULL;
    in.id_kind = "e mail";
    in.id_value = "a@b.c";
    th_assert_err(gdpr_request_open(ts.eng, &th_agent, &in, &out), GDPR_EINVAL, "in.id_kind");
    in.id_kind = "email";
    in.id_value = NULL;
    th_assert_err(gdpr_request_open(ts.eng, &th_agent, &in, &out), GDPR_EINVAL, "in.id_value");
    in.id_value = longname;
    th_assert_err(gdpr_request_open(ts.eng, &th_agent, &in, &out), GDPR_EINVAL,
                  "in.id_value: longer than");
    in.id_kind = NULL;
    in.id_value = NULL;
    in.subject = "s";
    in.channel = NULL;
    th_assert_err(gdpr_request_open(ts.eng, &th_agent, &in, &out), GDPR_EINVAL, "in.channel");
    in.channel = "+353 1 234 5678";
    th_assert_err(gdpr_request_open(ts.eng, &th_agent, &in, &out), GDPR_EINVAL,
                  "in.channel: '+353 1 234 5678' may hold only");
    in.channel = longname;
    th_assert_err(gdpr_request_open(ts.eng, &th_agent, &in, &out), GDPR_EINVAL,
                  "in.channel: longer than 64");
    in.channel = "phone";
    in.received_at = ts.now + 1;
    th_assert_err(gdpr_request_open(ts.eng, &th_agent, &in, &out), GDPR_EINVAL,
                  "in.received_at: 2027-02-01T10:00:01Z is in the future (now is "
                  "2027-02-01T10:00:00Z)");
    in.received_at = at("2018-05-24T23:59:59Z");
    th_assert_err(gdpr_request_open(ts.eng, &th_agent, &in, &out), GDPR_EINVAL,
                  "in.received_at: 2018-05-24T23:59:59Z is out of range");
    in.received_at = -2;
    th_assert_err(gdpr_request_open(ts.eng, &th_agent, &in, &out), GDPR_EINVAL, "in.received_at");
    in.received_at = GDPR_NOW;
    in.note = "";
    th_assert_err(gdpr_request_open(ts.eng, &th_agent, &in, &out), GDPR_EINVAL,
                  "in.note: must not be empty");
    in.note = longtext;
    th_assert_err(gdpr_request_open(ts.eng, &th_agent, &in, &out), GDPR_EINVAL,
                  "in.note: longer than 4096");
    in.note = "bad \xff byte";
    th_assert_err(gdpr_request_open(ts.eng, &th_agent, &in, &out), GDPR_EINVAL,
                  "in.note: not valid UTF-8");
    in.note = "bell\a";
    th_assert_err(gdpr_request_open(ts.eng, &th_agent, &in, &out), GDPR_EINVAL,
                  "in.note: control character");
    in.note = NULL;
    in.flags = 0x10;
    th_assert_err(gdpr_request_open(ts.eng, &th_agent, &in, &out), GDPR_EINVAL, "in.flags");
    in.flags = 0;
    in.grace_seconds = 60;
    th_assert_err(gdpr_request_open(ts.eng, &th_agent, &in, &out), GDPR_EINVAL,
                  "only erasure requests have a grace period");
    in.type = GDPR_REQUEST_ERASURE;
    in.grace_seconds = 22 * 86400;
    th_assert_err(gdpr_request_open(ts.eng, &th_agent, &in, &out), GDPR_EINVAL, "in.grace_seconds");
    in.grace_seconds = -2;
    th_assert_err(gdpr_request_open(ts.eng, &th_agent, &in, &out), GDPR_EINVAL, "in.grace_seconds");

    /* ids, states, methods, reasons, roles */
    th_assert_err(
        gdpr_request_verify(ts.eng, &th_agent, 0, GDPR_VERIFY_VERIFIED, GDPR_METHOD_DOCUMENT, NULL),
        GDPR_EINVAL, "request: 0");
    th_assert_err(gdpr_request_verify(ts.eng, &th_agent, 999, GDPR_VERIFY_VERIFIED,
                                      GDPR_METHOD_DOCUMENT, NULL),
                  GDPR_ENOTFOUND, "request 999 does not exist");
    th_assert_err(
        gdpr_request_verify(ts.eng, &th_agent, id, GDPR_VERIFY_NONE, GDPR_METHOD_DOCUMENT, NULL),
        GDPR_EINVAL, "state: 0");
    th_assert_err(
        gdpr_request_verify(ts.eng, &th_agent, id, GDPR_VERIFY_VERIFIED, GDPR_METHOD_NONE, NULL),
        GDPR_EINVAL, "method: say how");
    th_assert_err(gdpr_request_verify(ts.eng, &th_agent, id, GDPR_VERIFY_VERIFIED,
                                      (gdpr_request_method)9, NULL),
                  GDPR_EINVAL, "method: 9");
    th_assert_err(
        gdpr_request_verify(ts.eng, NULL, id, GDPR_VERIFY_VERIFIED, GDPR_METHOD_DOCUMENT, NULL),
        GDPR_EINVAL, "who");
    th_assert_err(gdpr_request_verify(ts.eng, &th_agent, id, GDPR_VERIFY_VERIFIED,
                                      GDPR_METHOD_DOCUMENT, longtext),
                  GDPR_EINVAL, "note: longer than");
    th_assert_err(gdpr_request_deny(ts.eng, &th_dpo, id, GDPR_DENIAL_NONE, NULL), GDPR_EINVAL,
                  "reason: 0");
    th_assert_err(gdpr_request_deny(ts.eng, &th_dpo, -5, GDPR_DENIAL_OTHER, NULL), GDPR_EINVAL,
                  "request: -5");
    th_assert_err(gdpr_request_escalate(ts.eng, &th_agent, id, NULL, NULL), GDPR_EINVAL, "to_role");
    th_assert_err(gdpr_request_escalate(ts.eng, &th_agent, id, longname, NULL), GDPR_EINVAL,
                  "to_role: longer than");
    th_assert_err(gdpr_request_escalate(ts.eng, &th_agent, id, "\xff", NULL), GDPR_EINVAL,
                  "to_role: not valid UTF-8");
    th_assert_err(gdpr_request_flag(ts.eng, &th_agent, id, 0, NULL), GDPR_EINVAL, "flags: 0x0");
    th_assert_err(gdpr_request_flag(ts.eng, &th_agent, id, 0x20, NULL), GDPR_EINVAL, "flags: 0x20");
    th_assert_err(gdpr_request_revoke(ts.eng, &th_agent, id, "\xff"), GDPR_EINVAL,
                  "note: not valid UTF-8");
    th_assert_err(gdpr_request_expire(ts.eng, &th_agent, 999), GDPR_ENOTFOUND, "999");
    th_assert_err(gdpr_request_set_status(ts.eng, &th_agent, id, (gdpr_request_status)0, NULL),
                  GDPR_EINVAL, "status: 0");
    th_assert_err(gdpr_request_match(ts.eng, &supervisor, id, longname), GDPR_EINVAL,
                  "subject: longer than");
    th_assert_err(gdpr_request_fulfil_export(ts.eng, &supervisor, id, GDPR_EXPORT_JSON, NULL, NULL),
                  GDPR_EINVAL, "write");
    th_assert_err(gdpr_request_fulfil_erasure(ts.eng, &supervisor, id, NULL, NULL, NULL),
                  GDPR_EINVAL, "ground");
    th_assert_err(gdpr_request_rectify(ts.eng, &supervisor, id, 0, "x", 1), GDPR_EINVAL,
                  "record: 0");
    th_assert_err(gdpr_request_rectify(ts.eng, &supervisor, id, 1, NULL, 1), GDPR_EINVAL,
                  "value: NULL");

    /* reads */
    th_assert_err(gdpr_request_get(ts.eng, id, NULL), GDPR_EINVAL, "out");
    memset(&info, 0, sizeof info);
    th_assert_err(gdpr_request_get(ts.eng, id, &info), GDPR_EVERSION, "out.version: 0");
    th_ok(gdpr_request_info_init(&info, GDPR_REQUEST_INFO_VERSION));
    th_assert_err(gdpr_request_get(ts.eng, 999, &info), GDPR_ENOTFOUND, "request 999");
    th_assert_err(gdpr_request_list(ts.eng, NULL, (gdpr_request_status)9, collect, NULL),
                  GDPR_EINVAL, "status: 9");
    th_assert_err(gdpr_request_list(ts.eng, NULL, 0, NULL, NULL), GDPR_EINVAL, "fn");
    th_assert_err(gdpr_request_list(ts.eng, "\xff", 0, collect, NULL), GDPR_EINVAL, "subject");
    th_assert_err(gdpr_request_overdue(ts.eng, -2, collect, NULL), GDPR_EINVAL, "as_of");
    th_assert_err(gdpr_request_overdue(ts.eng, CAL_MAX_TIME + 1, collect, NULL), GDPR_EINVAL,
                  "as_of");
    th_assert_err(gdpr_request_due_soon(ts.eng, GDPR_NOW, 0, collect, NULL), GDPR_EINVAL,
                  "within_seconds: 0");
    th_assert_err(gdpr_request_due_soon(ts.eng, GDPR_NOW, 400 * 86400, collect, NULL), GDPR_EINVAL,
                  "within_seconds");
    th_assert_err(gdpr_request_history(ts.eng, &th_agent, id, NULL, NULL), GDPR_EINVAL, "fn");
    th_assert_err(gdpr_request_history(ts.eng, &th_agent, 999, collect_history, NULL),
                  GDPR_ENOTFOUND, "999");
    th_assert_err(gdpr_request_subject(ts.eng, &th_agent, id, NULL, NULL), GDPR_EINVAL,
                  "subject_out");
    th_assert_err(gdpr_request_subject(ts.eng, &th_agent, 0, &subject, NULL), GDPR_EINVAL,
                  "request: 0");
    th_assert_err(gdpr_request_kpi_report_init(NULL, 1), GDPR_EINVAL, "kpis");
    th_assert_err(gdpr_request_kpi_report_init(&k, 9), GDPR_EVERSION, "version: 9");
    th_ok(gdpr_request_kpi_report_init(&k, GDPR_REQUEST_KPI_REPORT_VERSION));
    th_assert_err(gdpr_request_kpis(ts.eng, 100, 100, &k), GDPR_EINVAL, "to: 100");
    th_assert_err(gdpr_request_kpis(ts.eng, -2, 100, &k), GDPR_EINVAL, "from: -2");
    th_assert_err(gdpr_request_kpis(ts.eng, GDPR_NOW, CAL_MAX_TIME + 2, &k), GDPR_EINVAL, "to:");
    th_assert_err(gdpr_request_kpis(ts.eng, GDPR_NOW, 100, NULL), GDPR_EINVAL, "out");
    k.version = 0;
    th_assert_err(gdpr_request_kpis(ts.eng, GDPR_NOW, 100, &k), GDPR_EVERSION, "out.version");
    th_assert_err(gdpr_request_kpis_json(ts.eng, GDPR_NOW, 100, NULL), GDPR_EINVAL, "json_out");
    th_assert_err(gdpr_request_kpis_json(ts.eng, 200, 100, &json), GDPR_EINVAL, "to: 100");
    ck_assert_ptr_null(json);
    th_assert_err(gdpr_request_parse("type", "deletion", &value), GDPR_EINVAL,
                  "'deletion' is not a request type (access, portability");
    th_assert_err(gdpr_request_parse("colour", "red", &value), GDPR_EINVAL, "what");
    th_assert_err(gdpr_request_parse("type", NULL, &value), GDPR_EINVAL, "word");
    th_assert_err(gdpr_request_parse("type", "access", NULL), GDPR_EINVAL, "value_out");

    th_fingerprint(&ts, after);
    ck_assert_str_eq(before, after);
}
END_TEST

START_TEST(words_round_trip)
{
    static const char *const whats[] = {"type", "status", "denial", "verification", "method"};
    const char *(*const namers[])(int) = {gdpr_request_type_name, gdpr_request_status_name,
                                          gdpr_request_denial_name, gdpr_request_verification_name,
                                          gdpr_request_method_name};
    static const int lo[] = {1, 1, 0, 0, 0},
                     hi[] = {GDPR_REQUEST_TYPE_ALL_MAX, GDPR_REQUEST_STATUS_ALL_MAX,
                             GDPR_DENIAL_REASON_MAX, 3, 6};

    for (int w = 0; w < 5; w++) {
        for (int v = lo[w]; v <= hi[w]; v++) {
            int back = -1;
            th_ok(gdpr_request_parse(whats[w], namers[w](v), &back));
            ck_assert_int_eq(back, v);
        }
        ck_assert_str_eq(namers[w](hi[w] + 1), "unknown");
        ck_assert_str_eq(namers[w](-1), "unknown");
    }
    ck_assert_str_eq(gdpr_request_status_name(GDPR_REQUEST_IN_PROGRESS), "in_progress");
    ck_assert_str_eq(gdpr_request_denial_name(GDPR_DENIAL_UNFOUNDED_OR_EXCESSIVE),
                     "manifestly_unfounded_or_excessive");
}
END_TEST

START_TEST(requests_need_a_policy_and_survive_reopen)
{
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    gdpr_request_info info;
    th_store bare;
    int64_t id = 0;

    th_setup_bare(&bare);
    in.type = GDPR_REQUEST_ACCESS;
    in.subject = "x";
    in.channel = "web";
    th_assert_err(gdpr_request_open(bare.eng, &th_agent, &in, &id), GDPR_ESTATE, "policy");
    th_teardown(&bare);

    id = open_for("reopen-1", GDPR_REQUEST_ERASURE, "2027-02-01T10:00:00Z");
    th_reopen(&ts);
    get(id, &info);
    ck_assert_int_eq(info.type, GDPR_REQUEST_ERASURE);
    ck_assert_int_eq(info.due, at("2027-03-02T00:00:00Z"));
    /* A role without request.open is refused, and the refusal audited. */
    in.subject = "y";
    th_assert_err(gdpr_request_open(ts.eng, &th_system, &in, &id), GDPR_EDENIED,
                  "lacks permission 'request.open'; roles with it: agent, supervisor, dpo");
}
END_TEST

/* Every *_name function: "unknown" (never NULL) for a value out of range. */
START_TEST(request_type_name_unknown)
{
    ck_assert_str_eq(gdpr_request_type_name(-1), "unknown");
    ck_assert_str_eq(gdpr_request_type_name(0), "unknown");
    ck_assert_str_eq(gdpr_request_type_name(INT_MAX), "unknown");
}
END_TEST

START_TEST(request_status_name_unknown)
{
    ck_assert_str_eq(gdpr_request_status_name(-1), "unknown");
    ck_assert_str_eq(gdpr_request_status_name(INT_MAX), "unknown");
}
END_TEST

START_TEST(request_denial_name_unknown)
{
    ck_assert_str_eq(gdpr_request_denial_name(-1), "unknown");
    ck_assert_str_eq(gdpr_request_denial_name(INT_MAX), "unknown");
}
END_TEST

START_TEST(request_verification_name_unknown)
{
    ck_assert_str_eq(gdpr_request_verification_name(-1), "unknown");
    ck_assert_str_eq(gdpr_request_verification_name(INT_MAX), "unknown");
}
END_TEST

START_TEST(request_method_name_unknown)
{
    ck_assert_str_eq(gdpr_request_method_name(-1), "unknown");
    ck_assert_str_eq(gdpr_request_method_name(INT_MAX), "unknown");
}
END_TEST

/* --- source erase hooks: version 1 and version 2 ------------------------- */

typedef struct {
    int calls;
    char subject[64], ground[64];
    int64_t request;
} src_seen;

static int
src_no_export(const char *subject, gdpr_source_writer *w, void *ctx)
{
    (void)subject;
    (void)w;
    (void)ctx;
    return 0;
}

static int
src_erase_v1(const char *subject, void *ctx)
{
    src_seen *s = ctx;

    s->calls++;
    snprintf(s->subject, sizeof s->subject, "%s", subject);
    return 0;
}

static int
src_erase_v2(const char *subject, const char *ground, int64_t request, void *ctx)
{
    src_seen *s = ctx;

    s->calls++;
    snprintf(s->subject, sizeof s->subject, "%s", subject);
    snprintf(s->ground, sizeof s->ground, "%s", ground);
    s->request = request;
    return 0;
}

/* The struct as a 0.1 program compiled it: up to ctx, version 1. */
typedef struct {
    unsigned int version;
    const char *name;
    const char *description;
    gdpr_source_export_fn export_items;
    gdpr_source_erase_fn erase;
    void *ctx;
} source_v1;

START_TEST(source_hooks_v1_and_v2)
{
    source_v1 old = {1, "legacy", NULL, src_no_export, src_erase_v1, NULL};
    gdpr_source now = GDPR_SOURCE_INIT;
    src_seen seen_old = {0, "", "", -1}, seen_new = {0, "", "", -1};
    gdpr_erase_report rep = {0, 0, 0};
    int64_t id = 0, erased = 0, retained = 0;

    ck_assert_uint_eq(GDPR_SOURCE_VERSION, 2u);
    old.ctx = &seen_old;
    th_ok(gdpr_source_register(ts.eng, &th_dpo, (const gdpr_source *)(const void *)&old));
    now.name = "tickets";
    now.export_items = src_no_export;
    now.erase = src_erase_v1; /* erase_ex wins when both are set */
    now.erase_ex = src_erase_v2;
    now.ctx = &seen_new;
    th_ok(gdpr_source_register(ts.eng, &th_dpo, &now));

    /* Through a request: the hook gets the request id and its ground. */
    th_ok(gdpr_vault_put(ts.eng, &th_agent, "src-1", "contact", "service", "a", 1, NULL));
    id = open_for("src-1", GDPR_REQUEST_ERASURE, "2027-03-01T10:00:00Z");
    verify(id);
    th_ok(gdpr_request_fulfil_erasure(ts.eng, &th_dpo, id, "Art. 17(1)(a)", &erased, &retained));
    ck_assert_int_eq(seen_old.calls, 1);
    ck_assert_str_eq(seen_old.subject, "src-1");
    ck_assert_int_eq(seen_new.calls, 1);
    ck_assert_str_eq(seen_new.subject, "src-1");
    ck_assert_str_eq(seen_new.ground, "Art. 17(1)(a)");
    ck_assert_int_eq(seen_new.request, id);

    /* A direct erasure: the ground, no request. */
    th_ok(gdpr_vault_put(ts.eng, &th_agent, "src-2", "contact", "service", "b", 1, NULL));
    th_ok(gdpr_erase_subject(ts.eng, &th_dpo, "src-2", "Art. 17(1)(d)", &rep));
    ck_assert_int_eq(rep.sources_failed, 0);
    ck_assert_int_eq(seen_old.calls, 2);
    ck_assert_str_eq(seen_old.subject, "src-2");
    ck_assert_int_eq(seen_new.calls, 2);
    ck_assert_str_eq(seen_new.subject, "src-2");
    ck_assert_str_eq(seen_new.ground, "Art. 17(1)(d)");
    ck_assert_int_eq(seen_new.request, 0);

    /* Version 3 is not known yet. */
    now.version = 3;
    now.name = "future";
    th_assert_err(gdpr_source_register(ts.eng, &th_dpo, &now), GDPR_EVERSION, "src.version");
}
END_TEST

static Suite *
request_suite(void)
{
    Suite *s = suite_create("request");
    TCase *tc = tcase_create("request");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, due_dates_month_end_weekends_holidays);
    tcase_add_test(tc, source_hooks_v1_and_v2);
    tcase_add_test(tc, received_at_in_the_past_is_kept);
    tcase_add_test(tc, extension_once_at_most_two_months_within_first_month);
    tcase_add_test(tc, identifiers_resolve_to_one_subject);
    tcase_add_test(tc, personal_fields_are_sealed);
    tcase_add_test(tc, transitions_that_make_no_sense_are_refused);
    tcase_add_test(tc, escalation_and_closing_authority);
    tcase_add_test(tc, policy_roles_grace_and_high_risk_role);
    tcase_add_test(tc, policy_requests_section_is_validated);
    tcase_add_test(tc, fulfilment_runs_the_work_and_links_it);
    tcase_add_test(tc, erasure_request_end_to_end);
    tcase_add_test(tc, overdue_and_due_soon_lists);
    tcase_add_test(tc, lists_nest_and_restart);
    tcase_add_test(tc, kpis_on_a_fixed_history);
    tcase_add_test(tc, bad_input_is_refused_and_changes_nothing);
    tcase_add_test(tc, words_round_trip);
    tcase_add_test(tc, requests_need_a_policy_and_survive_reopen);
    suite_add_tcase(s, tc);
    {
        TCase *names = tcase_create("names");

        tcase_add_test(names, request_type_name_unknown);
        tcase_add_test(names, request_status_name_unknown);
        tcase_add_test(names, request_denial_name_unknown);
        tcase_add_test(names, request_verification_name_unknown);
        tcase_add_test(names, request_method_name_unknown);
        suite_add_tcase(s, names);
    }
    return s;
}

int
main(void)
{
    return th_run(request_suite());
}
