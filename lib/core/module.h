/*
 * Internal (core): how capabilities take part in an engine's life without
 * the engine naming them. Each capability that keeps per-engine state or
 * has work to resume after a crash describes itself with one
 * engine_module; the library's front (lib/gdpr.c) lists them and hands
 * the list to gdpr_engine__open(). The engine calls the hooks in list order at
 * open (open, then resume) and in reverse order at close.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_MODULE_H
#define GDPR_MODULE_H

#include "engine.h"

#define ENGINE_MODULE_VERSION 1u

typedef struct engine_module {
    unsigned int version; /* ENGINE_MODULE_VERSION */
    const char *name;     /* the capability, for messages */
    /* After the store, keys and policy are ready; GDPR code. NULL: none. */
    int (*open)(gdpr_engine *eng);
    /* Finish work a crash left (after every module's open). NULL: none. */
    int (*resume)(gdpr_engine *eng);
    /* Free the module's state (gdpr_engine__module_state). NULL: none. */
    void (*close)(gdpr_engine *eng);
} engine_module;

/* Open an engine (gdpr_open's work) with `modules` (n of them, at most
 * ENGINE_MODULES_MAX; the array must outlive the engine). */
int gdpr_engine__open(gdpr_engine **out, const gdpr_options *opts,
                      const engine_module *const *modules, size_t n);
/* Close it (NULL: no-op): every module's close, then the engine. */
void gdpr_engine__close(gdpr_engine *eng);

/* The module's state slot in this engine (NULL until it sets one). A
 * module not given to gdpr_engine__open has none: NULL, and set is refused. */
void *gdpr_engine__module_state(const gdpr_engine *eng, const engine_module *m);
int gdpr_engine__module_set_state(gdpr_engine *eng, const engine_module *m, void *state);

#endif
