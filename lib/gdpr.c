/*
 * The library's front: which capabilities an engine is made of. Core
 * names none of them (lib/core/module.h); this file, above every layer,
 * lists the modules and opens engines with them.
 * SPDX-License-Identifier: MIT
 */
#include "adequacy.h"
#include "module.h"

static const engine_module *const gdpr_modules[] = {
    &gdpr_transfer__module,
};

GDPR_API int
gdpr_open(gdpr_engine **out, const gdpr_options *opts)
{
    return gdpr_engine__open(out, opts, gdpr_modules, sizeof gdpr_modules / sizeof gdpr_modules[0]);
}

GDPR_API void
gdpr_close(gdpr_engine *eng)
{
    gdpr_engine__close(eng);
}
