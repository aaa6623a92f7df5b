/*
 * The JSON writer (lib/util/jsonw.c): commas, nesting, escaping, numbers,
 * parsed trees written back; checked against SQLite's json_valid().
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "helpers.h"
#include "jsonw.h"

static int
valid(const char *json)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    int v;

    ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT json_valid(?1)", -1, &s, NULL), SQLITE_OK);
    sqlite3_bind_text(s, 1, json, -1, SQLITE_STATIC);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    v = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

START_TEST(nesting_and_commas)
{
    jsonw w;
    char *out = NULL;
    size_t len = 0;

    gdpr_jsonw__init(&w);
    gdpr_jsonw__object_begin(&w);
    gdpr_jsonw__key(&w, "a");
    gdpr_jsonw__int64(&w, -3);
    gdpr_jsonw__key(&w, "b");
    gdpr_jsonw__array_begin(&w);
    gdpr_jsonw__array_end(&w);
    gdpr_jsonw__key(&w, "c");
    gdpr_jsonw__array_begin(&w);
    gdpr_jsonw__bool(&w, 1);
    gdpr_jsonw__null(&w);
    gdpr_jsonw__object_begin(&w);
    gdpr_jsonw__object_end(&w);
    gdpr_jsonw__string(&w, NULL);
    gdpr_jsonw__array_end(&w);
    gdpr_jsonw__key(&w, "d");
    gdpr_jsonw__double(&w, 8);
    gdpr_jsonw__key(&w, "e");
    gdpr_jsonw__double(&w, 0.75);
    gdpr_jsonw__key(&w, "f");
    gdpr_jsonw__int64(&w, INT64_MIN);
    gdpr_jsonw__object_end(&w);
    th_ok(gdpr_jsonw__finish(&w, &out, &len));
    ck_assert_str_eq(out, "{\"a\":-3,\"b\":[],\"c\":[true,null,{},null],\"d\":8.0,\"e\":0.75,"
                          "\"f\":-9223372036854775808}");
    ck_assert_uint_eq(len, strlen(out));
    ck_assert_int_eq(valid(out), 1);
    free(out);
}
END_TEST

START_TEST(strings_escaped)
{
    jsonw w;
    char *out = NULL;

    gdpr_jsonw__init(&w);
    gdpr_jsonw__array_begin(&w);
    gdpr_jsonw__string(&w, "q\"b\\s/\b\f\n\r\t\x01\x1f end");
    gdpr_jsonw__string(&w, "Zo\xc3\xab \xe2\x82\xac \xf0\x9f\x98\x80");
    gdpr_jsonw__string(&w, "");
    gdpr_jsonw__array_end(&w);
    th_ok(gdpr_jsonw__finish(&w, &out, NULL));
    ck_assert_str_eq(out, "[\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u001f end\","
                          "\"Zo\xc3\xab \xe2\x82\xac \xf0\x9f\x98\x80\",\"\"]");
    ck_assert_int_eq(valid(out), 1);
    free(out);
}
END_TEST

START_TEST(empty_and_reuse)
{
    jsonw w;
    char *out = NULL;

    gdpr_jsonw__init(&w);
    th_ok(gdpr_jsonw__finish(&w, &out, NULL));
    ck_assert_str_eq(out, "");
    free(out);
    /* finish resets: the writer can build the next document */
    gdpr_jsonw__int64(&w, 1);
    th_ok(gdpr_jsonw__finish(&w, &out, NULL));
    ck_assert_str_eq(out, "1");
    free(out);
    gdpr_jsonw__string(&w, "dropped");
    gdpr_jsonw__free(&w);
    ck_assert_ptr_null(w.buf);
}
END_TEST

START_TEST(long_document_grows)
{
    jsonw w;
    char *out = NULL;
    size_t len = 0;

    gdpr_jsonw__init(&w);
    gdpr_jsonw__array_begin(&w);
    for (int i = 0; i < 100000; i++)
        gdpr_jsonw__int64(&w, i);
    gdpr_jsonw__array_end(&w);
    th_ok(gdpr_jsonw__finish(&w, &out, &len));
    ck_assert_uint_gt(len, 500000);
    ck_assert_int_eq(valid(out), 1);
    free(out);
}
END_TEST

START_TEST(failed_allocation_reported_once)
{
    jsonw w;
    char *out = (char *)"x";

    gdpr_jsonw__init(&w);
    gdpr_jsonw__string(&w, "a");
    w.failed = 1; /* as after a realloc that returned NULL */
    gdpr_jsonw__string(&w, "b");
    th_assert_err(gdpr_jsonw__finish(&w, &out, NULL), GDPR_ENOMEM, "out of memory");
    ck_assert_ptr_null(out);
    ck_assert_ptr_null(w.buf);
}
END_TEST

START_TEST(parsed_tree_written_back)
{
    json_node *root = gdpr_json__node_add(NULL, JSON_OBJECT, NULL, NULL, 0, 0);
    json_node *arr;
    jsonw w;
    char *out = NULL;

    ck_assert_ptr_nonnull(root);
    ck_assert_ptr_nonnull(gdpr_json__node_add(root, JSON_TEXT, "k", "v\n", 0, 0));
    arr = gdpr_json__node_add(root, JSON_ARRAY, "list", NULL, 0, 0);
    ck_assert_ptr_nonnull(arr);
    ck_assert_ptr_nonnull(gdpr_json__node_add(arr, JSON_INTEGER, NULL, NULL, 7, 0));
    ck_assert_ptr_nonnull(gdpr_json__node_add(arr, JSON_REAL, NULL, NULL, 0, 1.5));
    ck_assert_ptr_nonnull(gdpr_json__node_add(arr, JSON_FALSE, NULL, NULL, 0, 0));
    gdpr_jsonw__init(&w);
    gdpr_jsonw__node(&w, root);
    th_ok(gdpr_jsonw__finish(&w, &out, NULL));
    ck_assert_str_eq(out, "{\"k\":\"v\\n\",\"list\":[7,1.5,false]}");
    free(out);
    gdpr_json__free(root);
}
END_TEST

static Suite *
jsonw_suite(void)
{
    Suite *s = suite_create("jsonw");
    TCase *tc = tcase_create("jsonw");

    tcase_add_test(tc, nesting_and_commas);
    tcase_add_test(tc, strings_escaped);
    tcase_add_test(tc, empty_and_reuse);
    tcase_add_test(tc, long_document_grows);
    tcase_add_test(tc, failed_allocation_reported_once);
    tcase_add_test(tc, parsed_tree_written_back);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return th_run(jsonw_suite());
}
