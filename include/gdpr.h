/*
 * libgdpr umbrella header: include this one.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_H
#define GDPR_H

#include "gdpr/common.h"
#include "gdpr/policy.h"
#include "gdpr/audit.h"
#include "gdpr/subject.h"
#include "gdpr/consent.h"
#include "gdpr/consent_report.h"
#include "gdpr/ropa.h"
#include "gdpr/breach.h"
#include "gdpr/vault.h"
#include "gdpr/source.h"
#include "gdpr/export.h"
#include "gdpr/transfer.h"
#include "gdpr/request.h"
#include "gdpr/retention.h"
#include "gdpr/erasure.h"
#include "gdpr/time.h"

#endif
