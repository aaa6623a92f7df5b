/*
 * Internal to the request capability (lib/request*.c): the shared steps
 * of every request call: loading, the status machine, the closing
 * authority, the history with sealed notes, deadlines.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_REQUEST_INTERNAL_H
#define GDPR_REQUEST_INTERNAL_H

#include "calendar.h"
#include "engine.h"
#include "gdpr/request.h"

/* 2018-05-25T00:00:00Z: the GDPR applies from this day (Art. 99(2)); no
 * request under it can have been received earlier. */
#define REQUEST_EPOCH INT64_C(1527206400)
#define REQUEST_CHANNEL_MAX 64u
#define REQUEST_KIND_MAX 64u
/* Longest grace period: three weeks, well inside the one-month deadline. */
#define REQUEST_GRACE_MAX (INT64_C(21) * SECONDS_PER_DAY)

/* Argument checks (before the lock). */
int gdpr_request__check_id(int64_t request);
/* The prologue of a call on one request: gdpr_engine__enter, then gdpr_request__check_id. */
int gdpr_request__check_call(gdpr_engine *eng, const gdpr_actor *who, int64_t request);
/* An optional free-text note: NULL allowed; else 1..GDPR_REQUEST_NOTE_MAX
 * bytes of UTF-8, no control characters but tab and newline. */
int gdpr_request__check_note(const char *field, const char *note);
/* A time argument: 0 means now; else REQUEST_EPOCH..CAL_MAX_TIME. */
int gdpr_request__check_time(const char *field, int64_t t);
/* A word naming a channel or an identifier kind (a-z 0-9 _ - .): never
 * personal data. */
int gdpr_request__check_word(const char *field, const char *value, size_t max);

/* The request, or GDPR_ENOTFOUND naming it. */
int gdpr_request__load(gdpr_engine *eng, int64_t request, store_request_row *r);
int gdpr_request__is_final(int status);
/* GDPR_ESTATE "request N is fulfilled (final): cannot <what> it". */
int gdpr_request__require_live(const store_request_row *r, const char *what);
/* GDPR_ESTATE naming both states when `to` cannot follow r->status. */
int gdpr_request__can_move(const store_request_row *r, int to);
/* GDPR_ESTATE unless matched to a subject, and verified (when `verified`). */
int gdpr_request__require_subject(const store_request_row *r, int verified);

/* Closing authority: the permission (audited refusal by gdpr_engine__authorize),
 * then the escalation level, the high-risk role and the policy's
 * close_roles for the type; those refusals are audited here. */
int gdpr_request__authorize_close(gdpr_engine *eng, const gdpr_actor *who,
                                  const store_request_row *r, permission perm);

/* Inside the caller's transaction: append a history event (status after
 * it, non-personal detail, note sealed under the subject's key) and the
 * audit event "<perm>" with ref "request N <action>[ detail]". */
int gdpr_request__log(gdpr_engine *eng, const gdpr_actor *who, const store_request_row *r,
                      permission perm, const char *action, const char *detail, const char *note);
/* Write the row (updated = now), then gdpr_request__log(). */
int gdpr_request__commit_step(gdpr_engine *eng, const gdpr_actor *who, store_request_row *r,
                              permission perm, const char *action, const char *detail,
                              const char *note);
/* Move r to a final status now: closed time and close_days. */
void gdpr_request__close_now(gdpr_engine *eng, store_request_row *r, int status);

/* Formats an instant for messages ("2027-02-28T23:00:00Z"). */
const char *gdpr_request__time_text(int64_t t, char buf[32]);

/* Fulfilment, before the work: the type is one of `types` (a 0-ended
 * list), the status may become fulfilled, the subject is matched and
 * verified, an erasure is past its grace period, and the actor has the
 * closing authority (gdpr_request__authorize_close with "request.close"). */
int gdpr_request__fulfil_check(gdpr_engine *eng, const gdpr_actor *who, const store_request_row *r,
                               const int *types);
/* After the work: close r as fulfilled in its own transaction, with a
 * history event "fulfil" carrying `detail` (non-personal) and `note`. */
int gdpr_request__fulfil_close(gdpr_engine *eng, const gdpr_actor *who, store_request_row *r,
                               const char *detail, const char *note);

/* Run `step` on request `request` under the engine lock, with the policy
 * required and the row loaded. */
typedef int (*request_step_fn)(gdpr_engine *eng, const gdpr_actor *who, store_request_row *r,
                               const void *arg);
int gdpr_request__run(gdpr_engine *eng, const gdpr_actor *who, int64_t request,
                      request_step_fn step, const void *arg);

/* The Art. 12(3) deadline of a period of `months` months from `received`
 * in the controller's time zone with its holidays. */
int gdpr_request__deadline(gdpr_engine *eng, int64_t received, int months, int64_t *due_out);

void gdpr_request__info_fill(const store_request_row *row, gdpr_request_info *out);
/* The bytes of a gdpr_request_info of `version` (version 1 ends before
 * duplicate_of: an application built against it passes the shorter struct). */
size_t gdpr_request__info_size(unsigned int version);
/* Hand the rows `walk` produces (with `arg`) to the host's iterator as
 * gdpr_request_info. */
int gdpr_request__list_rows(gdpr_engine *eng,
                            int (*walk)(gdpr_engine *eng, store_request_fn fn, void *ctx,
                                        const void *arg),
                            const void *arg, gdpr_request_fn fn, void *ctx);

/* The host id of r's subject (gdpr_engine__subject_ident); malloc'd. */
int gdpr_request__subject_id(gdpr_engine *eng, const store_request_row *r, char **subject_out);

/* Art. 19: the recipients of a subject's disclosures and allowed logged
 * transfers, merged per recipient and sorted by id, handed to fn (non-zero
 * stops: GDPR_ECALLBACK); *count_out (may be NULL) gets their number. */
int gdpr_request__recipients(gdpr_engine *eng, const uint8_t *subject_hash,
                             gdpr_erase_recipient_fn fn, void *ctx, int64_t *count_out);

#endif
