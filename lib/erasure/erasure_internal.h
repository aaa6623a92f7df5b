/*
 * Internal to the erasure capability (lib/erasure): what its files share.
 * The primitives other capabilities use to erase a record live in core
 * (lib/core/shred.h).
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_ERASURE_INTERNAL_H
#define GDPR_ERASURE_INTERNAL_H

#include "shred.h"

/*
 * Retry failed source erase hooks and the scrub, as
 * gdpr_erase_retry_pending() does, without its checks (engine locked,
 * outside any transaction). *remaining_out (may be NULL) gets the hooks
 * still failing.
 */
int gdpr_erasure__retry_pending_locked(gdpr_engine *eng, const gdpr_actor *who, int *remaining_out);

#endif
