/*
 * crm-demo step of the request register: a caller asks by phone what the
 * CRM holds on her; the agent logs the request under the caller's number,
 * verifies her identity, and a supervisor answers it with the export. A
 * complaint-flagged objection shows the escalation rule. Then the KPIs a
 * contact-centre manager reports.
 * SPDX-License-Identifier: MIT
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "demo.h"

typedef struct {
    size_t bytes;
} byte_count;

static int
count_bytes(const void *buf, size_t len, void *ctx)
{
    (void)buf;
    ((byte_count *)ctx)->bytes += len;
    return 0;
}

/* The UTC instant as "YYYY-MM-DD HH:MM UTC". */
static const char *
when(int64_t t, char buf[32])
{
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(buf, 32, "%Y-%m-%d %H:%M UTC", &tm);
    return buf;
}

static int
phone_access_request(demo *d, int64_t *id_out)
{
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    gdpr_request_info info;
    byte_count out = {0};
    char due[32];

    DEMO_CHECK("gdpr_subject_link",
               gdpr_subject_link(d->eng, &d->agent, "CUST-1003", "phone", "+353 86 555 0199"));
    /* The caller id shows the number in another format than the one on
     * file: both resolve to the same blind index. */
    in.type = GDPR_REQUEST_ACCESS;
    in.id_kind = "phone";
    in.id_value = "+353-86-5550199";
    in.channel = "phone";
    in.note = "Caller asks what we hold about her and where it came from";
    DEMO_CHECK("gdpr_request_open", gdpr_request_open(d->eng, &d->agent, &in, id_out));
    DEMO_CHECK("gdpr_request_info_init", gdpr_request_info_init(&info, GDPR_REQUEST_INFO_VERSION));
    DEMO_CHECK("gdpr_request_get", gdpr_request_get(d->eng, *id_out, &info));
    demo_say("request %lld logged from caller id +353-86-5550199: access for subject %.16s..., "
             "due by %s (one month, Art. 12(3))",
             (long long)*id_out, info.subject_hash, when(info.due, due));
    DEMO_CHECK("gdpr_request_verify",
               gdpr_request_verify(d->eng, &d->agent, *id_out, GDPR_VERIFY_VERIFIED,
                                   GDPR_METHOD_KNOWN_CONTACT, "called back on the number on file"));
    demo_say("identity verified: called back on the number on file");
    d->now += 3 * 86400;
    DEMO_CHECK("gdpr_request_fulfil_export",
               gdpr_request_fulfil_export(d->eng, &d->supervisor, *id_out, GDPR_EXPORT_JSON,
                                          count_bytes, &out));
    DEMO_CHECK("gdpr_request_get", gdpr_request_get(d->eng, *id_out, &info));
    demo_say("three days later the supervisor answers it: %zu bytes of export, request %s "
             "after %d day(s)",
             out.bytes, gdpr_request_status_name(info.status), info.close_days);
    return 0;
}

static int
escalated_objection(demo *d)
{
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    int64_t id = 0;
    int rc;

    in.type = GDPR_REQUEST_OBJECTION;
    in.subject = "CUST-1002";
    in.channel = "email";
    in.flags = GDPR_REQUEST_FLAG_COMPLAINT;
    DEMO_CHECK("gdpr_request_open", gdpr_request_open(d->eng, &d->agent, &in, &id));
    DEMO_CHECK("gdpr_request_verify",
               gdpr_request_verify(d->eng, &d->agent, id, GDPR_VERIFY_VERIFIED,
                                   GDPR_METHOD_ACCOUNT_LOGIN, NULL));
    rc = gdpr_request_fulfil_limit(d->eng, &d->supervisor, id);
    if (rc != GDPR_EDENIED) {
        demo_say("unexpected: a supervisor closed a complaint");
        return 1;
    }
    demo_say("objection %lld comes with a complaint; the supervisor may not close it:",
             (long long)id);
    demo_say("  %s", gdpr_errmsg());
    DEMO_CHECK("gdpr_request_escalate", gdpr_request_escalate(d->eng, &d->supervisor, id, "dpo",
                                                              "complaint about marketing calls"));
    d->now += 86400;
    DEMO_CHECK("gdpr_request_fulfil_limit", gdpr_request_fulfil_limit(d->eng, &d->dpo, id));
    demo_say("escalated to the DPO, who records the objection (Art. 21) and closes it");
    return 0;
}

int
demo_step_requests(demo *d)
{
    gdpr_request_kpi_report k;
    int64_t id = 0;
    int rc;

    rc = phone_access_request(d, &id);
    if (rc == 0)
        rc = escalated_objection(d);
    if (rc != 0)
        return rc;
    DEMO_CHECK("gdpr_request_kpi_report_init",
               gdpr_request_kpi_report_init(&k, GDPR_REQUEST_KPI_REPORT_VERSION));
    DEMO_CHECK("gdpr_request_kpis", gdpr_request_kpis(d->eng, d->now - 30 * 86400, d->now + 1, &k));
    demo_say("KPIs for the last 30 days: %lld request(s), %lld decided, on-time rate %.0f %%, "
             "median %.1f day(s) to close, %lld escalation(s), %lld overdue",
             (long long)k.total, (long long)k.decided, k.on_time_rate * 100, k.median_days,
             (long long)k.escalations, (long long)k.overdue);
    for (int t = 1; t <= GDPR_REQUEST_TYPE_MAX; t++)
        if (k.by_type[t])
            demo_say("  %-13s %lld", gdpr_request_type_name(t), (long long)k.by_type[t]);
    return 0;
}
