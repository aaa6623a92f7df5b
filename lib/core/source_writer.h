/*
 * Internal to the vault capability: the writer handle a source's export
 * callback gets. lib/source.c checks each item; the export (lib/export.c)
 * supplies the sink that puts it into the JSON or CSV stream.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_SOURCE_WRITER_H
#define GDPR_SOURCE_WRITER_H

#include "engine.h"

/* The sink gets items already checked against the policy. */
typedef int (*source_sink_fn)(void *sink, const engine_source *src, const gdpr_source_item *item);

struct gdpr_source_writer {
    gdpr_engine *eng;
    const engine_source *src;
    source_sink_fn sink_fn;
    void *sink;
    int failed;      /* first failure (GDPR code), else GDPR_OK */
    int sink_failed; /* ... and it was the output's, not the source's */
    char why[512];   /* its message */
    int64_t items;   /* items written */
};

/* Run one source's export callback into a sink. GDPR_ECALLBACK with a
 * message naming the source when the callback returns non-zero or an item
 * was refused; a sink failure passes through. */
int gdpr_source__export_run(gdpr_engine *eng, const engine_source *src, const char *subject,
                            source_sink_fn sink_fn, void *sink, int64_t *items_out);

#endif
