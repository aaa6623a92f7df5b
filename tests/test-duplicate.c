/*
 * Duplicate requests (issue 16): a request of the same type for the same
 * subject while one is open is linked to it (GDPR_REQUEST_DUPLICATE,
 * duplicate_of), runs no clock of its own, shows in lists and is counted
 * apart in the KPIs; once the first is closed, a new one starts afresh.
 * SPDX-License-Identifier: MIT
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#define DAY INT64_C(86400)

static th_store ts;

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

static int64_t
open_req(const char *subject, gdpr_request_type type, const char *channel)
{
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    int64_t id = 0;

    in.type = type;
    in.subject = subject;
    in.channel = channel;
    th_ok(gdpr_request_open(ts.eng, &th_dpo, &in, &id));
    ck_assert_int_gt(id, 0);
    return id;
}

static gdpr_request_info
get(int64_t id)
{
    gdpr_request_info info;

    th_ok(gdpr_request_info_init(&info, GDPR_REQUEST_INFO_VERSION));
    th_ok(gdpr_request_get(ts.eng, id, &info));
    return info;
}

typedef struct {
    int64_t ids[16];
    int64_t dup_of[16];
    int n;
} seen;

static int
collect(const gdpr_request_info *r, void *ctx)
{
    seen *s = ctx;

    s->ids[s->n] = r->id;
    s->dup_of[s->n] = r->duplicate_of;
    s->n++;
    return 0;
}

typedef struct {
    int found;
    char detail[256];
} history_probe;

static int
find_duplicate_event(const gdpr_request_event *ev, void *ctx)
{
    history_probe *h = ctx;

    if (strcmp(ev->action, "duplicate") == 0) {
        h->found++;
        snprintf(h->detail, sizeof h->detail, "%s", ev->detail ? ev->detail : "");
    }
    return 0;
}

START_TEST(a_second_request_while_one_is_open_is_linked)
{
    int64_t first = open_req("ana", GDPR_REQUEST_ACCESS, "web");
    gdpr_request_info a, b;
    int64_t second;
    history_probe h = {0};
    seen s = {0};

    ts.now += 3 * DAY;
    second = open_req("ana", GDPR_REQUEST_ACCESS, "phone");
    a = get(first);
    b = get(second);
    ck_assert_int_eq(b.status, GDPR_REQUEST_DUPLICATE);
    ck_assert_str_eq(gdpr_request_status_name(b.status), "duplicate");
    ck_assert_int_eq(b.duplicate_of, first);
    ck_assert_int_eq(a.duplicate_of, 0);
    ck_assert_int_eq(a.status, GDPR_REQUEST_OPEN);
    /* no second clock: the first's due date, closed on arrival */
    ck_assert_int_eq(b.due, a.due);
    ck_assert_int_eq(b.first_due, a.first_due);
    ck_assert_int_eq(b.closed, b.received);
    /* the first's case file names the second */
    th_ok(gdpr_request_history(ts.eng, &th_dpo, first, find_duplicate_event, &h));
    ck_assert_int_eq(h.found, 1);
    ck_assert_ptr_nonnull(strstr(h.detail, "phone"));
    /* lists: both, the duplicate carrying its link; by status */
    th_ok(gdpr_request_list(ts.eng, "ana", 0, collect, &s));
    ck_assert_int_eq(s.n, 2);
    ck_assert_int_eq(s.dup_of[1], first);
    memset(&s, 0, sizeof s);
    th_ok(gdpr_request_list(ts.eng, NULL, GDPR_REQUEST_DUPLICATE, collect, &s));
    ck_assert_int_eq(s.n, 1);
    ck_assert_int_eq(s.ids[0], second);
    /* overdue: only the first, once */
    memset(&s, 0, sizeof s);
    th_ok(gdpr_request_overdue(ts.eng, a.due + DAY, collect, &s));
    ck_assert_int_eq(s.n, 1);
    ck_assert_int_eq(s.ids[0], first);
    /* a third is linked to the first too */
    ck_assert_int_eq(get(open_req("ana", GDPR_REQUEST_ACCESS, "post")).duplicate_of, first);
}
END_TEST

START_TEST(only_same_type_same_subject_while_open)
{
    int64_t first = open_req("ana", GDPR_REQUEST_ERASURE, "web");
    int64_t other_type = open_req("ana", GDPR_REQUEST_ACCESS, "web");
    int64_t other_subject = open_req("bo", GDPR_REQUEST_ERASURE, "web");
    int64_t again;

    ck_assert_int_eq(get(other_type).status, GDPR_REQUEST_OPEN);
    ck_assert_int_eq(get(other_subject).status, GDPR_REQUEST_OPEN);
    th_ok(gdpr_request_revoke(ts.eng, &th_dpo, first, NULL));
    again = open_req("ana", GDPR_REQUEST_ERASURE, "web");
    ck_assert_int_eq(get(again).status, GDPR_REQUEST_OPEN);
    ck_assert_int_eq(get(again).duplicate_of, 0);
}
END_TEST

START_TEST(linked_through_an_identifier_too)
{
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    int64_t first = open_req("ana", GDPR_REQUEST_ACCESS, "web"), second = 0;

    th_ok(gdpr_subject_link(ts.eng, &th_dpo, "ana", "email", "ana@example.org"));
    in.type = GDPR_REQUEST_ACCESS;
    in.id_kind = "email";
    in.id_value = "Ana@Example.org";
    in.channel = "email";
    th_ok(gdpr_request_open(ts.eng, &th_dpo, &in, &second));
    ck_assert_int_eq(get(second).status, GDPR_REQUEST_DUPLICATE);
    ck_assert_int_eq(get(second).duplicate_of, first);
}
END_TEST

START_TEST(an_unmatched_request_matched_later_is_linked_then)
{
    gdpr_request_intake in = GDPR_REQUEST_INTAKE_INIT;
    int64_t first = open_req("ana", GDPR_REQUEST_ERASURE, "web"), later = 0;
    history_probe h = {0};
    gdpr_request_kpi_report k;
    gdpr_request_info info;

    in.type = GDPR_REQUEST_ERASURE;
    in.id_kind = "email";
    in.id_value = "ana.other@example.org";
    in.channel = "email";
    th_ok(gdpr_request_open(ts.eng, &th_dpo, &in, &later));
    ck_assert_int_eq(get(later).status, GDPR_REQUEST_OPEN); /* nobody to compare with yet */
    ts.now += DAY;
    th_ok(gdpr_subject_link(ts.eng, &th_dpo, "ana", "email", "ana.other@example.org"));
    th_ok(gdpr_request_match(ts.eng, &th_dpo, later, NULL));
    info = get(later);
    ck_assert_int_eq(info.status, GDPR_REQUEST_DUPLICATE);
    ck_assert_int_eq(info.duplicate_of, first);
    ck_assert_int_eq(info.due, get(first).due);
    ck_assert_int_eq(info.closed, ts.now);
    th_ok(gdpr_request_history(ts.eng, &th_dpo, first, find_duplicate_event, &h));
    ck_assert_int_eq(h.found, 1);
    th_ok(gdpr_request_kpi_report_init(&k, GDPR_REQUEST_KPI_REPORT_VERSION));
    th_ok(gdpr_request_kpis(ts.eng, ts.now - 5 * DAY, ts.now + DAY, &k));
    ck_assert_int_eq(k.total, 1);
    ck_assert_int_eq(k.duplicates, 1);
}
END_TEST

START_TEST(kpis_count_duplicates_apart)
{
    gdpr_request_kpi_report k, *v2;
    unsigned char *buf;
    size_t v2_size = offsetof(gdpr_request_kpi_report, duplicates);
    char *json = NULL;
    int64_t from = ts.now;

    open_req("ana", GDPR_REQUEST_ACCESS, "web");
    open_req("ana", GDPR_REQUEST_ACCESS, "phone");
    open_req("ana", GDPR_REQUEST_ACCESS, "post");
    open_req("bo", GDPR_REQUEST_ACCESS, "web");
    th_ok(gdpr_request_kpi_report_init(&k, GDPR_REQUEST_KPI_REPORT_VERSION));
    th_ok(gdpr_request_kpis(ts.eng, from - DAY, from + DAY, &k));
    ck_assert_int_eq(k.total, 2);
    ck_assert_int_eq(k.duplicates, 2);
    ck_assert_int_eq(k.by_status[GDPR_REQUEST_OPEN], 2);
    /* whole days from the counters give the same */
    th_ok(gdpr_request_kpis(ts.eng, from - 10 * DAY, from + 10 * DAY, &k));
    ck_assert_int_eq(k.total, 2);
    ck_assert_int_eq(k.duplicates, 2);
    th_ok(gdpr_request_kpis_json(ts.eng, from - DAY, from + DAY, &json));
    ck_assert_ptr_nonnull(strstr(json, "\"duplicates\":2"));
    gdpr_free(json);
    /* a version-2 struct is filled to its end and not a byte beyond */
    buf = malloc(sizeof(gdpr_request_kpi_report) + 64);
    ck_assert_ptr_nonnull(buf);
    memset(buf, 0xA5, sizeof(gdpr_request_kpi_report) + 64);
    v2 = (gdpr_request_kpi_report *)(void *)buf;
    th_ok(gdpr_request_kpi_report_init(v2, 2));
    th_ok(gdpr_request_kpis(ts.eng, from - DAY, from + DAY, v2));
    ck_assert_int_eq(v2->total, 2);
    for (size_t i = v2_size; i < sizeof(gdpr_request_kpi_report); i++)
        ck_assert_msg(buf[i] == 0xA5, "byte %zu past a version-2 report written", i);
    free(buf);
}
END_TEST

START_TEST(a_duplicate_is_final_and_old_info_structs_are_respected)
{
    int64_t first = open_req("ana", GDPR_REQUEST_ACCESS, "web");
    int64_t second = open_req("ana", GDPR_REQUEST_ACCESS, "phone");
    size_t v1_size = offsetof(gdpr_request_info, duplicate_of);
    unsigned char *buf;
    gdpr_request_info *v1;
    int value = 0;

    th_assert_err(gdpr_request_revoke(ts.eng, &th_dpo, second, NULL), GDPR_ESTATE, "duplicate");
    th_assert_err(gdpr_request_set_status(ts.eng, &th_dpo, first, GDPR_REQUEST_DUPLICATE, NULL),
                  GDPR_EINVAL, "set on arrival only");
    th_assert_err(gdpr_request_list(ts.eng, NULL, (gdpr_request_status)8, collect, NULL),
                  GDPR_EINVAL, "status");
    th_ok(gdpr_request_parse("status", "duplicate", &value));
    ck_assert_int_eq(value, GDPR_REQUEST_DUPLICATE);
    buf = malloc(sizeof(gdpr_request_info) + 64);
    ck_assert_ptr_nonnull(buf);
    memset(buf, 0xA5, sizeof(gdpr_request_info) + 64);
    v1 = (gdpr_request_info *)(void *)buf;
    th_ok(gdpr_request_info_init(v1, 1));
    th_ok(gdpr_request_get(ts.eng, second, v1));
    ck_assert_int_eq(v1->status, GDPR_REQUEST_DUPLICATE);
    for (size_t i = v1_size; i < sizeof(gdpr_request_info); i++)
        ck_assert_msg(buf[i] == 0xA5, "byte %zu past a version-1 info written", i);
    free(buf);
}
END_TEST

static Suite *
duplicate_suite(void)
{
    Suite *s = suite_create("duplicate");
    TCase *tc = tcase_create("duplicate requests");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, a_second_request_while_one_is_open_is_linked);
    tcase_add_test(tc, only_same_type_same_subject_while_open);
    tcase_add_test(tc, linked_through_an_identifier_too);
    tcase_add_test(tc, an_unmatched_request_matched_later_is_linked_then);
    tcase_add_test(tc, kpis_count_duplicates_apart);
    tcase_add_test(tc, a_duplicate_is_final_and_old_info_structs_are_respected);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return th_run(duplicate_suite());
}
