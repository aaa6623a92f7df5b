/*
 * crm-demo step of the vault: the CRM files a customer's data, links the
 * e-mail and phone number, plugs its own orders table in as a source,
 * finds the customer from a phone call, rectifies an address, and answers
 * a subject access request with the export (JSON) and the portable CSV.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>

#include "demo.h"

/* The CRM's own table, which libgdpr does not hold. */
typedef struct {
    const char *customer;
    const char *order;
    const char *total;
} crm_order;

static const crm_order orders[] = {
    {"CUST-1001", "order 5001", "89.00 EUR"},
    {"CUST-1001", "order 5017", "149.90 EUR"},
    {"CUST-1002", "order 5020", "12.50 EUR"},
};

static int
orders_export(const char *subject, gdpr_source_writer *w, void *ctx)
{
    int *items = ctx;

    for (size_t i = 0; i < sizeof orders / sizeof orders[0]; i++) {
        gdpr_source_item it = GDPR_SOURCE_ITEM_INIT;
        if (strcmp(orders[i].customer, subject) != 0)
            continue;
        it.category = "financial";
        it.purpose = "billing";
        it.field = "order.total";
        it.record = orders[i].order;
        it.value = orders[i].total;
        it.len = strlen(orders[i].total);
        if (gdpr_source_write_item(w, &it) != GDPR_OK)
            return 1;
        (*items)++;
    }
    return 0;
}

static int
orders_erase(const char *subject, void *ctx)
{
    (void)subject;
    (void)ctx;
    return 0; /* the demo's table is read-only */
}

typedef struct {
    size_t bytes, pieces;
} counter;

static int
count_bytes(const void *buf, size_t len, void *ctx)
{
    counter *c = ctx;

    (void)buf;
    c->bytes += len;
    c->pieces++;
    return 0;
}

typedef struct {
    char names[16][64];
    size_t lines[16];
    int n;
} table_counts;

static int
count_lines(const void *buf, size_t len, void *ctx)
{
    size_t *lines = ctx;

    for (size_t i = 0; i < len; i++)
        if (((const char *)buf)[i] == '\n')
            (*lines)++;
    return 0;
}

static int
open_counted(const char *table, gdpr_write_fn *write_out, void **table_ctx_out, void *ctx)
{
    table_counts *t = ctx;

    if (t->n >= 16)
        return 1;
    snprintf(t->names[t->n], sizeof t->names[0], "%s", table);
    t->lines[t->n] = 0;
    *write_out = count_lines;
    *table_ctx_out = &t->lines[t->n++];
    return 0;
}

static int
file_customer_data(demo *d, int64_t *address_out)
{
    gdpr_vault_item it = GDPR_VAULT_ITEM_INIT;
    static const char note[] = "Prefers large print; uses a screen reader";

    it.subject = "CUST-1001";
    it.category = "contact";
    it.purpose = "service";
    it.field = "email";
    it.value = "aoife.byrne@example.ie";
    it.len = strlen(it.value);
    DEMO_CHECK("gdpr_vault_put_item", gdpr_vault_put_item(d->eng, &d->agent, &it, NULL));
    it.field = "address";
    it.value = "12 Quay Street, Galway";
    it.len = strlen(it.value);
    DEMO_CHECK("gdpr_vault_put_item", gdpr_vault_put_item(d->eng, &d->agent, &it, address_out));
    it.category = "financial";
    it.purpose = "billing";
    it.field = "iban";
    it.value = "IE64IRCE92050112345678";
    it.len = strlen(it.value);
    it.source = "import:old-billing-system";
    DEMO_CHECK("gdpr_vault_put_item", gdpr_vault_put_item(d->eng, &d->agent, &it, NULL));
    DEMO_CHECK("gdpr_vault_put", gdpr_vault_put(d->eng, &d->agent, "CUST-1001", "health",
                                                "accessibility", note, strlen(note), NULL));
    demo_say("CUST-1001: e-mail, address, IBAN and an accessibility note filed "
             "(sealed with the customer's own key; the note flagged Art. 9)");
    DEMO_CHECK("gdpr_subject_link", gdpr_subject_link(d->eng, &d->agent, "CUST-1001", "email",
                                                      "Aoife.Byrne@example.ie"));
    DEMO_CHECK("gdpr_subject_link",
               gdpr_subject_link(d->eng, &d->agent, "CUST-1001", "phone", "+353 87 123 4567"));
    return 0;
}

int
demo_step_vault(demo *d)
{
    gdpr_source src = GDPR_SOURCE_INIT;
    gdpr_csv_writer w = {GDPR_CSV_WRITER_VERSION, open_counted, NULL, NULL};
    table_counts tables;
    counter json = {0, 0};
    char *who = NULL;
    int64_t address = 0;
    /* The source stays registered after this step: its context must live
     * as long as the engine, so it is static, not on this stack frame. */
    static int items;
    int rc;

    rc = file_customer_data(d, &address);
    if (rc != 0)
        return rc;
    src.name = "crm.orders";
    src.description = "Orders in the CRM's own database";
    src.export_items = orders_export;
    src.erase = orders_erase;
    src.ctx = &items;
    DEMO_CHECK("gdpr_source_register", gdpr_source_register(d->eng, &d->dpo, &src));
    demo_say("the CRM's orders table registered as a source of every export");

    /* A call comes in; caller id shows the number in another format. */
    DEMO_CHECK("gdpr_subject_find_id",
               gdpr_subject_find_id(d->eng, "phone", "+353871234567", &who));
    demo_say("incoming call from +353871234567: that is %s", who);
    gdpr_free(who);
    d->now += 3600;
    DEMO_CHECK("gdpr_vault_rectify",
               gdpr_vault_rectify(d->eng, &d->supervisor, address, "3 Eyre Square, Galway", 21));
    DEMO_CHECK("gdpr_vault_checkpoint", gdpr_vault_checkpoint(d->eng));
    demo_say(
        "the customer moved: address rectified (Art. 16), old ciphertext wiped from the files");

    /* The customer asks what we hold (Art. 15). */
    DEMO_CHECK("gdpr_export_subject", gdpr_export_subject(d->eng, &d->dpo, "CUST-1001",
                                                          GDPR_EXPORT_JSON, count_bytes, &json));
    demo_say("access request answered: %zu bytes of JSON streamed in %zu piece(s), "
             "%d order line(s) from the CRM included",
             json.bytes, json.pieces, items);
    memset(&tables, 0, sizeof tables);
    w.ctx = &tables;
    DEMO_CHECK("gdpr_export_subject_csv",
               gdpr_export_subject_csv(d->eng, &d->dpo, "CUST-1001", &w));
    for (int i = 0; i < tables.n; i++)
        demo_say("  portable CSV table %-10s %zu row(s)", tables.names[i],
                 tables.lines[i] > 0 ? tables.lines[i] - 1 : 0);
    return 0;
}
