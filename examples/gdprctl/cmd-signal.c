/*
 * gdprctl receipt verify|keys, consent signal, consent conflicts.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdprctl.h"

/* Receipts are small; a bigger file is not one. */
#define RECEIPT_FILE_MAX (1u << 20)

int
ctl_cmd_receipt_verify(ctl *c, int argc, char **argv)
{
    unsigned char *raw;
    char *text;
    size_t len = 0;
    int valid = 0, rc;

    if (argc != 1) {
        fprintf(stderr, "usage: gdprctl receipt verify FILE   (- reads stdin)\n");
        return CTL_USAGE;
    }
    raw = ctl_read_input("FILE", argv[0], RECEIPT_FILE_MAX, &len);
    if (raw == NULL)
        return CTL_USAGE;
    if (memchr(raw, '\0', len) != NULL) {
        fprintf(stderr, "gdprctl: receipt verify: %s holds a NUL byte; not a receipt\n", argv[0]);
        free(raw);
        return CTL_FAILED;
    }
    text = malloc(len + 1);
    if (text == NULL) {
        free(raw);
        fprintf(stderr, "gdprctl: receipt verify: out of memory\n");
        return CTL_FAILED;
    }
    memcpy(text, raw, len);
    text[len] = '\0';
    free(raw);
    rc = gdpr_receipt_verify(c->eng, text, &valid);
    free(text);
    if (rc != GDPR_OK)
        return ctl_fail("receipt verify", rc);
    if (c->json) {
        printf("{\"valid\":%s,\"reason\":", valid ? "true" : "false");
        if (valid)
            printf("null");
        else
            ctl_json_string(stdout, gdpr_errmsg());
        printf("}\n");
    } else if (valid) {
        printf("receipt %s: signature valid\n", argv[0]);
    } else {
        printf("receipt %s: NOT valid: %s\n", argv[0], gdpr_errmsg());
    }
    return valid ? CTL_OK : CTL_FAILED;
}

int
ctl_cmd_receipt_keys(ctl *c, int argc, char **argv)
{
    char *json = NULL;
    int rc;

    (void)argv;
    if (argc != 0) {
        fprintf(stderr, "usage: gdprctl receipt keys\n");
        return CTL_USAGE;
    }
    rc = gdpr_receipt_public_key(c->eng, &json);
    if (rc != GDPR_OK)
        return ctl_fail("receipt keys", rc);
    printf("%s\n", json);
    gdpr_free(json);
    return CTL_OK;
}
