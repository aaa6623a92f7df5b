/*
 * JSON parsing by SQLite's json_tree(): the rows come in document order
 * with their parent's id, which is enough to rebuild the tree.
 * SPDX-License-Identifier: MIT
 */
#include "sqlite_internal.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"

static json_type
type_of(const char *name)
{
    static const struct {
        const char *name;
        json_type type;
    } types[] = {
        {"null", JSON_NULL}, {"true", JSON_TRUE}, {"false", JSON_FALSE}, {"integer", JSON_INTEGER},
        {"real", JSON_REAL}, {"text", JSON_TEXT}, {"array", JSON_ARRAY}, {"object", JSON_OBJECT},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(types[i].name, name) == 0)
            return types[i].type;
    return JSON_NULL;
}

static int
refuse_malformed(const char *text)
{
    size_t line, column;
    const char *why;

    if (gdpr_json__locate_error(text, &line, &column, &why) == 0)
        return gdpr__err_set(GDPR_EINVAL, "line %zu, column %zu: %s", line, column, why);
    /* SQLite said no but the text has no syntax error: json_valid() also
     * answers 0 when it runs out of memory. */
    return gdpr__err_set(GDPR_ESTORAGE, "json_valid refused a well-formed text "
                                        "(out of memory, or nesting deeper than SQLite allows)");
}

static int
check_valid(sqlite_store *st, const char *text)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, "SELECT json_valid(?1)", -1, &s, NULL);
    int valid = 0;

    if (rc != SQLITE_OK)
        return gdpr_sqlite__sq_fail(st, rc, "json_valid");
    sqlite3_bind_text(s, 1, text, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        valid = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW)
        return gdpr_sqlite__sq_fail(st, rc, "json_valid");
    return valid ? GDPR_OK : refuse_malformed(text);
}

/* Track open containers by their json_tree id; a row's parent is always
 * on this stack because rows arrive depth-first. */
typedef struct {
    int64_t id;
    json_node *node;
} open_container;

int
gdpr_sqlite__json_parse(store *base, const char *text, json_node **out)
{
    sqlite_store *st = (sqlite_store *)base;
    sqlite3_stmt *s = NULL;
    open_container *stack = NULL;
    size_t depth = 0, cap = 0;
    json_node *root = NULL;
    int rc = check_valid(st, text);
    int result = GDPR_OK;

    if (rc != GDPR_OK)
        return rc;
    rc = sqlite3_prepare_v2(st->db,
                            "SELECT id, parent, key, type, atom FROM json_tree(?1)"
                            " ORDER BY id",
                            -1, &s, NULL);
    if (rc != SQLITE_OK)
        return gdpr_sqlite__sq_fail(st, rc, "json_tree");
    sqlite3_bind_text(s, 1, text, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(s, 0);
        int has_parent = sqlite3_column_type(s, 1) != SQLITE_NULL;
        int64_t parent_id = sqlite3_column_int64(s, 1);
        json_node *parent = NULL;
        json_type type = type_of((const char *)sqlite3_column_text(s, 3));
        const char *key = NULL;
        json_node *n;

        if (has_parent) {
            while (depth > 0 && stack[depth - 1].id != parent_id)
                depth--;
            if (depth == 0) {
                result =
                    gdpr__err_set(GDPR_ESTORAGE, "json_tree: row %lld out of order", (long long)id);
                break;
            }
            parent = stack[depth - 1].node;
            if (parent->type == JSON_OBJECT)
                key = (const char *)sqlite3_column_text(s, 2);
        } else if (root != NULL) {
            result = gdpr__err_set(GDPR_ESTORAGE, "json_tree: two roots");
            break;
        }
        n = gdpr_json__node_add(parent, type,
                                key ? key : (parent && parent->type == JSON_OBJECT ? "" : NULL),
                                type == JSON_TEXT ? (const char *)sqlite3_column_text(s, 4) : NULL,
                                sqlite3_column_int64(s, 4), sqlite3_column_double(s, 4));
        if (n == NULL) {
            result = gdpr__err_set(GDPR_ENOMEM, "out of memory parsing JSON");
            break;
        }
        if (root == NULL)
            root = n;
        if (type == JSON_ARRAY || type == JSON_OBJECT) {
            if (depth == cap) {
                size_t ncap = cap ? cap * 2 : 16;
                open_container *grown = realloc(stack, ncap * sizeof *stack);
                if (grown == NULL) {
                    result = gdpr__err_set(GDPR_ENOMEM, "out of memory parsing JSON");
                    break;
                }
                stack = grown;
                cap = ncap;
            }
            stack[depth].id = id;
            stack[depth].node = n;
            depth++;
        }
    }
    if (result == GDPR_OK && rc != SQLITE_DONE)
        result = gdpr_sqlite__sq_fail(st, rc, "json_tree");
    sqlite3_finalize(s);
    free(stack);
    if (result != GDPR_OK || root == NULL) {
        gdpr_json__free(root);
        return result != GDPR_OK ? result : gdpr__err_set(GDPR_EINVAL, "empty JSON document");
    }
    *out = root;
    return GDPR_OK;
}
