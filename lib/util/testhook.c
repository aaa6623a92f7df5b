/*
 * Test hooks behind one entry point (testhook.h).
 * SPDX-License-Identifier: MIT
 */
#include "testhook.h"

#include <string.h>

static gdpr__test_hooks hooks;

void
gdpr__test_hooks_set(const gdpr__test_hooks *h)
{
    if (h == NULL)
        memset(&hooks, 0, sizeof hooks);
    else
        hooks = *h;
}

void
gdpr__test_hooks_get(gdpr__test_hooks *out)
{
    *out = hooks;
}

int
gdpr__test_schema_create_version(void)
{
    return hooks.schema_create_version;
}

int
gdpr__test_fail_now(gdpr__test_fail_point point)
{
    if ((unsigned)point >= GDPR__TEST_FAIL_POINTS || hooks.fail_at[point] <= 0)
        return 0;
    return --hooks.fail_at[point] == 0;
}

void
gdpr__test_between_commits(void)
{
    if (hooks.between_commits != NULL)
        hooks.between_commits(hooks.between_commits_ctx);
}

int
gdpr__test_before_statement(void)
{
    return hooks.before_statement != NULL &&
           hooks.before_statement(hooks.before_statement_ctx) != 0;
}
