/*
 * gdprctl subject link|find, vault put|get|rectify|delete|list|checkpoint,
 * export.
 * SPDX-License-Identifier: MIT
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gdprctl.h"

/* Values larger than this are refused by the library anyway. */
#define FILE_MAX (16u * 1024u * 1024u)

static int
parse_record(const char *s, int64_t *out)
{
    char *end = NULL;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v <= 0) {
        fprintf(stderr, "gdprctl: RECORD must be a positive number, not '%s'\n", s);
        return -1;
    }
    *out = (int64_t)v;
    return 0;
}

/* Text is printable as is; anything else is shown as hex. */
static int
is_text(const unsigned char *v, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (v[i] == 0 || (v[i] < 0x20 && v[i] != '\n' && v[i] != '\t' && v[i] != '\r'))
            return 0;
    return 1;
}

static void
print_value_json(const unsigned char *v, size_t len)
{
    if (is_text(v, len)) {
        char *s = malloc(len + 1);
        if (s == NULL)
            return;
        memcpy(s, v, len);
        s[len] = '\0';
        printf("\"encoding\":\"utf-8\",\"value\":");
        ctl_json_string(stdout, s);
        free(s);
        return;
    }
    printf("\"encoding\":\"hex\",\"value\":\"");
    for (size_t i = 0; i < len; i++)
        printf("%02x", v[i]);
    printf("\"");
}

/* --- subject ------------------------------------------------------------ */

int
ctl_cmd_subject_link(ctl *c, int argc, char **argv)
{
    int rc;

    if (argc != 3) {
        fprintf(stderr, "usage: gdprctl subject link SUBJECT KIND VALUE\n");
        return CTL_USAGE;
    }
    rc = gdpr_subject_link(c->eng, &c->who, argv[0], argv[1], argv[2]);
    if (rc != GDPR_OK)
        return ctl_fail("subject link", rc);
    if (c->json) {
        printf("{\"subject\":");
        ctl_json_string(stdout, argv[0]);
        printf(",\"kind\":");
        ctl_json_string(stdout, argv[1]);
        printf(",\"linked\":true}\n");
    } else {
        printf("%s identifier linked to %s\n", argv[1], argv[0]);
    }
    return CTL_OK;
}

int
ctl_cmd_subject_find(ctl *c, int argc, char **argv)
{
    char *subject = NULL;
    int rc;

    if (argc != 2) {
        fprintf(stderr, "usage: gdprctl subject find KIND VALUE\n");
        return CTL_USAGE;
    }
    rc = gdpr_subject_find_id(c->eng, argv[0], argv[1], &subject);
    if (rc == GDPR_ENOTFOUND && !c->json) {
        printf("no subject has this %s identifier\n", argv[0]);
        return CTL_FAILED;
    }
    if (rc == GDPR_ENOTFOUND) {
        printf("{\"found\":false}\n");
        return CTL_FAILED;
    }
    if (rc != GDPR_OK)
        return ctl_fail("subject find", rc);
    if (c->json) {
        printf("{\"found\":true,\"subject\":");
        ctl_json_string(stdout, subject);
        printf("}\n");
    } else {
        printf("%s\n", subject);
    }
    gdpr_free(subject);
    return CTL_OK;
}

/* --- vault ----------------------------------------------------------- */

int
ctl_cmd_vault_put(ctl *c, int argc, char **argv)
{
    gdpr_vault_item item = GDPR_VAULT_ITEM_INIT;
    unsigned char *file_value = NULL;
    const char *file = NULL;
    const char *positional[4];
    int npos = 0;
    int64_t record = 0;
    int rc;

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--field") == 0 && i + 1 < argc)
            item.field = argv[++i];
        else if (strcmp(argv[i], "--source") == 0 && i + 1 < argc)
            item.source = argv[++i];
        else if (strcmp(argv[i], "--file") == 0 && i + 1 < argc)
            file = argv[++i];
        else if (strcmp(argv[i], "--collected") == 0 && i + 1 < argc) {
            if (ctl_parse_time("--collected", argv[++i], &item.collected) != 0) {
                return CTL_USAGE;
            }
        } else if (argv[i][0] == '-' && argv[i][1] == '-')
            npos = 99;
        else if (npos < 4)
            positional[npos++] = argv[i];
        else
            npos = 99;
    }
    if (npos != (file ? 3 : 4)) {
        fprintf(stderr, "usage: gdprctl vault put SUBJECT CATEGORY PURPOSE (VALUE | --file PATH)"
                        " [--field NAME] [--source LABEL] [--collected DATE]\n");
        return CTL_USAGE;
    }
    item.subject = positional[0];
    item.category = positional[1];
    item.purpose = positional[2];
    if (file != NULL) {
        file_value = ctl_read_input("--file", file, FILE_MAX, &item.len);
        if (file_value == NULL)
            return CTL_FAILED;
        item.value = file_value;
    } else {
        item.value = positional[3];
        item.len = strlen(positional[3]);
    }
    rc = gdpr_vault_put_item(c->eng, &c->who, &item, &record);
    free(file_value);
    if (rc != GDPR_OK)
        return ctl_fail("vault put", rc);
    if (c->json)
        printf("{\"record\":%lld}\n", (long long)record);
    else
        printf("record %lld stored (%zu bytes, sealed)\n", (long long)record, item.len);
    return CTL_OK;
}

int
ctl_cmd_vault_get(ctl *c, int argc, char **argv)
{
    const char *out_path = NULL;
    void *value = NULL;
    size_t len = 0;
    int64_t record;
    int rc;

    if (argc == 3 && strcmp(argv[1], "-o") == 0)
        out_path = argv[2];
    else if (argc != 1) {
        fprintf(stderr, "usage: gdprctl vault get RECORD [-o FILE]\n");
        return CTL_USAGE;
    }
    if (parse_record(argv[0], &record) != 0)
        return CTL_USAGE;
    rc = gdpr_vault_get(c->eng, &c->who, record, &value, &len);
    if (rc != GDPR_OK)
        return ctl_fail("vault get", rc);
    if (out_path != NULL) {
        FILE *f = ctl_create(out_path);
        int ok = f != NULL && fwrite(value, 1, len, f) == len;
        if (f != NULL && fclose(f) != 0)
            ok = 0;
        gdpr_free(value);
        if (!ok) {
            fprintf(stderr, "gdprctl: %s: cannot write\n", out_path);
            return CTL_FAILED;
        }
        if (!c->json)
            printf("record %lld: %zu bytes written to %s\n", (long long)record, len, out_path);
        else
            printf("{\"record\":%lld,\"length\":%zu}\n", (long long)record, len);
        return CTL_OK;
    }
    if (c->json) {
        printf("{\"record\":%lld,\"length\":%zu,", (long long)record, len);
        print_value_json(value, len);
        printf("}\n");
    } else if (is_text(value, len)) {
        fwrite(value, 1, len, stdout);
        printf("\n");
    } else {
        printf("record %lld: %zu bytes of binary data; use -o FILE\n", (long long)record, len);
    }
    gdpr_free(value);
    return CTL_OK;
}

int
ctl_cmd_vault_rectify(ctl *c, int argc, char **argv)
{
    unsigned char *file_value = NULL;
    const void *value;
    size_t len;
    int64_t record;
    int rc;

    if (argc == 3 && strcmp(argv[1], "--file") == 0) {
        file_value = ctl_read_input("--file", argv[2], FILE_MAX, &len);
        if (file_value == NULL)
            return CTL_FAILED;
        value = file_value;
    } else if (argc == 2) {
        value = argv[1];
        len = strlen(argv[1]);
    } else {
        fprintf(stderr, "usage: gdprctl vault rectify RECORD (VALUE | --file PATH)\n");
        return CTL_USAGE;
    }
    if (parse_record(argv[0], &record) != 0) {
        free(file_value);
        return CTL_USAGE;
    }
    rc = gdpr_vault_rectify(c->eng, &c->who, record, value, len);
    free(file_value);
    if (rc != GDPR_OK)
        return ctl_fail("vault rectify", rc);
    /* Push the zeroed pages into the file and empty the WAL now. */
    rc = gdpr_vault_checkpoint(c->eng);
    if (rc != GDPR_OK)
        return ctl_fail("vault checkpoint (the rectification itself is done)", rc);
    if (c->json)
        printf("{\"record\":%lld,\"rectified\":true}\n", (long long)record);
    else
        printf("record %lld rectified; old value wiped from the files\n", (long long)record);
    return CTL_OK;
}

int
ctl_cmd_vault_delete(ctl *c, int argc, char **argv)
{
    int64_t record;
    int rc;

    if (argc != 1) {
        fprintf(stderr, "usage: gdprctl vault delete RECORD\n");
        return CTL_USAGE;
    }
    if (parse_record(argv[0], &record) != 0)
        return CTL_USAGE;
    rc = gdpr_vault_delete(c->eng, &c->who, record);
    if (rc == GDPR_OK)
        rc = gdpr_vault_checkpoint(c->eng);
    if (rc != GDPR_OK)
        return ctl_fail("vault delete", rc);
    if (c->json)
        printf("{\"record\":%lld,\"deleted\":true}\n", (long long)record);
    else
        printf("record %lld deleted\n", (long long)record);
    return CTL_OK;
}

typedef struct {
    ctl *c;
    int n;
} list_ctx;

static int
list_one(const gdpr_vault_record *rec, void *ctx)
{
    list_ctx *l = ctx;
    char collected[32];

    ctl_format_time(rec->collected, collected);
    if (l->c->json) {
        printf("%s{\"record\":%lld,\"category\":", l->n ? "," : "", (long long)rec->id);
        ctl_json_string(stdout, rec->category);
        printf(",\"purpose\":");
        ctl_json_string(stdout, rec->purpose);
        printf(",\"field\":");
        if (rec->field)
            ctl_json_string(stdout, rec->field);
        else
            printf("null");
        printf(",\"source\":");
        if (rec->source)
            ctl_json_string(stdout, rec->source);
        else
            printf("null");
        printf(",\"special\":%s,\"collected\":\"%s\",\"length\":%zu,",
               rec->special ? "true" : "false", collected, rec->len);
        print_value_json(rec->value, rec->len);
        printf("}");
    } else {
        printf("%6lld  %-10s %-14s %-10s %s  %s%s\n", (long long)rec->id, rec->category,
               rec->purpose, rec->field ? rec->field : "-", collected,
               rec->source ? rec->source : "from the subject", rec->special ? "  [Art. 9]" : "");
    }
    l->n++;
    return 0;
}

int
ctl_cmd_vault_list(ctl *c, int argc, char **argv)
{
    list_ctx l = {c, 0};
    int rc;

    if (argc != 1) {
        fprintf(stderr, "usage: gdprctl vault list SUBJECT\n");
        return CTL_USAGE;
    }
    if (c->json)
        printf("[");
    else
        printf("%6s  %-10s %-14s %-10s %-20s  %s\n", "record", "category", "purpose", "field",
               "collected", "source");
    rc = gdpr_vault_foreach(c->eng, &c->who, argv[0], list_one, &l);
    if (c->json)
        printf("]\n");
    if (rc != GDPR_OK)
        return ctl_fail("vault list", rc);
    if (!c->json)
        printf("%d record(s)\n", l.n);
    return CTL_OK;
}

int
ctl_cmd_vault_checkpoint(ctl *c, int argc, char **argv)
{
    int rc;

    (void)argv;
    if (argc != 0) {
        fprintf(stderr, "usage: gdprctl vault checkpoint\n");
        return CTL_USAGE;
    }
    rc = gdpr_vault_checkpoint(c->eng);
    if (rc != GDPR_OK)
        return ctl_fail("vault checkpoint", rc);
    printf(c->json ? "{\"checkpoint\":true}\n" : "write-ahead logs checkpointed and truncated\n");
    return CTL_OK;
}

/* --- export ---------------------------------------------------------------- */

static int
write_file(const void *buf, size_t len, void *ctx)
{
    ctl_progress_add((int64_t)len);
    return fwrite(buf, 1, len, (FILE *)ctx) == len ? 0 : 1;
}

typedef struct {
    const char *dir;
    int tables;
} dir_writer;

static int
open_table(const char *table, gdpr_write_fn *write_out, void **table_ctx_out, void *ctx)
{
    dir_writer *d = ctx;
    char path[4096];
    FILE *f;

    if (snprintf(path, sizeof path, "%s/%s.csv", d->dir, table) >= (int)sizeof path)
        return 1;
    f = ctl_create(path);
    if (f == NULL) {
        fprintf(stderr, "gdprctl: %s: %s\n", path, strerror(errno));
        return 1;
    }
    *write_out = write_file;
    *table_ctx_out = f;
    d->tables++;
    return 0;
}

static int
close_table(const char *table, void *table_ctx, int status, void *ctx)
{
    dir_writer *d = ctx;
    char path[4096];
    int bad = fclose((FILE *)table_ctx) != 0;

    if (status != GDPR_OK || bad) {
        /* An incomplete table must not pass for an answer. */
        snprintf(path, sizeof path, "%s/%s.csv", d->dir, table);
        unlink(path);
    }
    return bad;
}

int
ctl_cmd_export(ctl *c, int argc, char **argv)
{
    const char *subject = NULL, *out = NULL;
    int format = GDPR_EXPORT_JSON;
    int rc;

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            const char *f = argv[++i];
            if (strcmp(f, "json") == 0)
                format = GDPR_EXPORT_JSON;
            else if (strcmp(f, "csv") == 0)
                format = GDPR_EXPORT_CSV;
            else
                subject = NULL, i = argc + 1;
        } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else if (subject == NULL && argv[i][0] != '-') {
            subject = argv[i];
        } else {
            subject = NULL;
            break;
        }
    }
    if (subject == NULL) {
        fprintf(stderr, "usage: gdprctl export SUBJECT [--format json|csv] [-o FILE|DIR]\n"
                        "  json: one document (stdout or FILE)\n"
                        "  csv:  with -o DIR, one CATEGORY.csv per category; else one table "
                        "on stdout\n");
        return CTL_USAGE;
    }
    if (format == GDPR_EXPORT_CSV && out != NULL) {
        dir_writer d = {out, 0};
        gdpr_csv_writer w = {GDPR_CSV_WRITER_VERSION, open_table, close_table, &d};
        if (mkdir(out, 0700) != 0 && errno != EEXIST) {
            fprintf(stderr, "gdprctl: %s: %s\n", out, strerror(errno));
            return CTL_FAILED;
        }
        ctl_progress_start(c, "export", "bytes", 0, NULL);
        rc = gdpr_export_subject_csv(c->eng, &c->who, subject, &w);
        ctl_progress_stop();
        if (rc != GDPR_OK)
            return ctl_fail("export", rc);
        if (c->json)
            printf("{\"directory\":\"%s\",\"tables\":%d}\n", out, d.tables);
        else
            fprintf(stderr, "%d CSV tables written to %s/\n", d.tables, out);
        return CTL_OK;
    }
    if (out != NULL) {
        FILE *f = ctl_create(out);
        int closed;
        if (f == NULL) {
            fprintf(stderr, "gdprctl: %s: %s\n", out, strerror(errno));
            return CTL_FAILED;
        }
        ctl_progress_start(c, "export", "bytes", 0, out);
        rc = gdpr_export_subject(c->eng, &c->who, subject, format, write_file, f);
        ctl_progress_stop();
        closed = fclose(f);
        if (rc != GDPR_OK || closed != 0) {
            unlink(out);
            return rc != GDPR_OK ? ctl_fail("export", rc) : CTL_FAILED;
        }
        if (c->json) {
            printf("{\"subject\":");
            ctl_json_string(stdout, subject);
            printf(",\"file\":");
            ctl_json_string(stdout, out);
            printf("}\n");
        } else {
            fprintf(stderr, "export of %s written to %s\n", subject, out);
        }
        return CTL_OK;
    }
    ctl_progress_start(c, "export", "bytes", 0, NULL);
    rc = gdpr_export_subject(c->eng, &c->who, subject, format, write_file, stdout);
    ctl_progress_stop();
    if (rc != GDPR_OK)
        return ctl_fail("export", rc);
    return CTL_OK;
}

/* --- subject hash ------------------------------------------------------------ */

int
ctl_cmd_subject_hash(ctl *c, int argc, char **argv)
{
    char *hash = NULL;
    int rc;

    if (argc != 1) {
        fprintf(stderr, "usage: gdprctl subject hash SUBJECT\n");
        return CTL_USAGE;
    }
    rc = gdpr_subject_hash(c->eng, argv[0], &hash);
    if (rc != GDPR_OK)
        return ctl_fail("subject hash", rc);
    if (c->json) {
        printf("{\"subject_hash\":\"%s\",\"short\":\"%.16s\"}\n", hash, hash);
    } else {
        /* the audit log and tombstones show the first 16 digits */
        printf("%.16s  (full: %s)\n", hash, hash);
    }
    gdpr_free(hash);
    return CTL_OK;
}

/* --- the access log (Art. 15(1), 15(4); CJEU C-579/21) ----------------- */

int
ctl_cmd_access_log(ctl *c, int argc, char **argv)
{
    int rc;

    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: gdprctl access log SUBJECT PURPOSE [REASON]\n");
        return CTL_USAGE;
    }
    rc = gdpr_access_record(c->eng, &c->who, argv[0], argv[1], argc == 3 ? argv[2] : NULL);
    if (rc != GDPR_OK)
        return ctl_fail("access log", rc);
    if (c->json) {
        printf("{\"subject\":");
        ctl_json_string(stdout, argv[0]);
        printf(",\"purpose\":");
        ctl_json_string(stdout, argv[1]);
        printf(",\"role\":");
        ctl_json_string(stdout, c->who.role);
        printf(",\"logged\":true}\n");
    } else {
        printf("consultation of %s for '%s' logged (role %s)\n", argv[0], argv[1], c->who.role);
    }
    return CTL_OK;
}

int
ctl_cmd_access_resolve(ctl *c, int argc, char **argv)
{
    char *actor = NULL;
    int rc;

    if (argc != 1) {
        fprintf(stderr, "usage: gdprctl access resolve STAFF-REF\n");
        return CTL_USAGE;
    }
    rc = gdpr_access_resolve(c->eng, &c->who, argv[0], &actor);
    if (rc != GDPR_OK)
        return ctl_fail("access resolve", rc);
    if (c->json) {
        printf("{\"ref\":");
        ctl_json_string(stdout, argv[0]);
        printf(",\"staff_id\":");
        ctl_json_string(stdout, actor);
        printf("}\n");
    } else {
        printf("%s is %s\n", argv[0], actor);
    }
    gdpr_free(actor);
    return CTL_OK;
}
