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

#endif
