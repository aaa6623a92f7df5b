/*
 * Internal: the policy in force, parsed and validated, and the permission
 * names roles are granted.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_POLICY_MODEL_H
#define GDPR_POLICY_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "calendar.h"
#include "policy_ropa.h"

/* Permissions a role can be granted. Names are part of the policy format:
 * append, never renumber or rename. */
typedef enum {
    PERM_POLICY_LOAD,
    PERM_SUBJECT_CREATE,
    PERM_REKEY,
    PERM_CONSENT_RECORD,
    PERM_SUBJECT_OBJECT,
    PERM_SUBJECT_RESTRICT,
    PERM_DISCLOSURE_RECORD,
    PERM_VAULT_PUT,
    PERM_VAULT_GET,
    PERM_VAULT_RECTIFY,
    PERM_VAULT_DELETE,
    PERM_SUBJECT_LINK,
    PERM_EXPORT_SUBJECT,
    PERM_ERASE_SUBJECT,
    PERM_HOLD_MANAGE,
    PERM_RETENTION_RUN,
    PERM_REVIEW_DECIDE,
    PERM_TRANSFER_RECORD,
    PERM_TRANSFER_APPROVE,
    PERM_SAFEGUARD_MANAGE,
    PERM_REQUEST_OPEN,
    PERM_REQUEST_MANAGE,
    PERM_REQUEST_CLOSE,
    PERM_REQUEST_DENY,
    PERM_SOURCE_REGISTER,
    PERM_CONSENT_READ,     /* consent ledger (issue 4): read proofs in the history */
    PERM_ADEQUACY_LOAD,    /* transfers (issue 8): replace the adequacy list */
    PERM_RETENTION_ANCHOR, /* retention (issue 7): touch, contract end, anchors */
    PERM_CONSENT_REPORT,   /* issue 16: the consent report (keyed hashes) */
    PERM_ROPA_EXPORT,      /* issue 16: the Art. 30 record */
    PERM_BREACH_MANAGE,    /* issue 16: the Art. 33/34 breach register */
    PERM_COUNT
} permission;

const char *gdpr_permission__name(permission p);
/* -1 when unknown. */
int gdpr_permission__from_name(const char *name);

typedef enum {
    BASIS_CONSENT,
    BASIS_CONTRACT,
    BASIS_LEGAL_OBLIGATION,
    BASIS_VITAL_INTERESTS,
    BASIS_PUBLIC_TASK,
    BASIS_LEGITIMATE_INTERESTS,
    BASIS_COUNT
} policy_basis;

const char *gdpr_policy__basis_name(policy_basis b);

typedef struct {
    char *id;
    char *description;
    int special; /* Art. 9 special category */
} policy_category;

typedef struct {
    char *id;
    char *description;
    policy_basis basis;
    char **categories;
    size_t n_categories;
    int special;              /* derived: any category is special */
    char *automated_decision; /* Art. 22 logic described, or NULL */
    int direct_marketing;     /* Art. 21(2)-(3): an objection stops it absolutely */
    char art9;                /* Art. 9(2) condition 'a'..'j'; 0: none named */
    int iss; /* an information society service offered directly to a child (Art. 8) */
} policy_purpose;

/* Art. 8(1): the age of digital consent a member state set (13..16). */
typedef struct {
    char state[3];
    int age;
} policy_consent_age;

typedef struct {
    char *id;
    char *version;
    uint8_t sha256[CRYPTO_HASH_BYTES];
    char *url;
    int transfer_risks; /* informs of the risks of a transfer without adequacy or
                           safeguards (Art. 49(1)(a)) */
} policy_notice;

typedef enum {
    ANCHOR_COLLECTION,
    ANCHOR_LAST_ACTIVITY,
    ANCHOR_CONTRACT_END,
    ANCHOR_CONSENT_WITHDRAWAL,
    ANCHOR_REQUEST_CLOSED,
    ANCHOR_COUNT
} policy_anchor;

typedef enum { ACTION_ERASE, ACTION_ANONYMISE, ACTION_REVIEW, ACTION_COUNT } policy_action;

const char *gdpr_policy__anchor_name(policy_anchor a);
const char *gdpr_policy__action_name(policy_action a);

typedef struct {
    char *id;
    char *purpose;
    char *category;
    char *period_text;
    cal_duration period;
    policy_anchor anchor;
    policy_action action;
    int has_review;
    cal_duration review_every;
    int legal_duty;     /* kept under a legal obligation (Art. 17(3)(b)) */
    char **keep_fields; /* anonymise: aggregates kept */
    size_t n_keep_fields;
    int64_t min_group; /* anonymise: smaller aggregate groups are not listed */
} policy_retention;

/* "min_group" when a rule does not give it, and its range. */
#define POLICY_MIN_GROUP_DEFAULT 5
#define POLICY_MIN_GROUP_MAX 1000000

typedef struct {
    char *id;
    int all; /* "*" */
    unsigned char granted[PERM_COUNT];
} policy_role;

typedef enum {
    SAFEGUARD_SCC,               /* Art. 46(2)(c) Commission SCCs */
    SAFEGUARD_AUTHORITY_SCC,     /* 46(2)(d) */
    SAFEGUARD_BCR,               /* 46(2)(b) */
    SAFEGUARD_PUBLIC_INSTRUMENT, /* 46(2)(a) */
    SAFEGUARD_CODE_OF_CONDUCT,   /* 46(2)(e) */
    SAFEGUARD_CERTIFICATION,     /* 46(2)(f) */
    SAFEGUARD_ADHOC,             /* 46(3)(a) */
    SAFEGUARD_COUNT
} policy_safeguard_type;

const char *gdpr_policy__safeguard_name(policy_safeguard_type t);

typedef struct {
    policy_safeguard_type type;
    int module; /* SCC module 1-4, else 0 */
    char *reference;
    int64_t valid_from;  /* UTC seconds */
    int64_t valid_until; /* 0: open-ended; else last instant in force */
} policy_safeguard;

typedef struct {
    char *id;
    char *name;
    char *country; /* ISO 3166 alpha-2 or "org:..." */
    char *kind;    /* processor, controller, public_body */
    int dpf_certified;
    int64_t dpf_from, dpf_until;
    int commercial; /* subject to PIPEDA etc: commercial organisation */
    policy_safeguard *safeguards;
    size_t n_safeguards;
    int occasional;          /* Art. 49 derogations other than consent allowed */
    char *derogation;        /* e.g. "49(1)(b)" */
    char *disclosure_ground; /* legal ground to disclose without consent, or NULL */
} policy_recipient;

typedef struct {
    char *name;
    char *contact;
    char *dpo;
    char *country;
    char *timezone;
    int64_t *holidays; /* local dates, days since epoch, sorted */
    size_t n_holidays;
    char *rights_url;
    cal_zone *zone; /* the timezone loaded once per policy version; NULL = UTC */
} policy_controller;

/* Data-subject requests (issue 9): the optional "requests" section. Types
 * are numbered as gdpr_request_type (1..POLICY_REQUEST_TYPES). */
#define POLICY_REQUEST_TYPES 6

typedef struct {
    int has_erasure_grace; /* erasure requests wait this long before fulfilment */
    cal_duration erasure_grace;
    char *erasure_grace_text;
    char *high_risk_role; /* role high-risk requests are escalated to, or NULL */
    char **close_roles[POLICY_REQUEST_TYPES + 1];   /* by type: roles that may close it */
    size_t n_close_roles[POLICY_REQUEST_TYPES + 1]; /* 0: any role with the permission */
} policy_requests;

typedef struct {
    int64_t version;
    uint8_t sha256[CRYPTO_HASH_BYTES];
    char *document;
    policy_controller controller;
    policy_category *categories;
    size_t n_categories;
    policy_purpose *purposes;
    size_t n_purposes;
    policy_notice *notices;
    size_t n_notices;
    policy_retention *retention;
    size_t n_retention;
    policy_role *roles;
    size_t n_roles;
    policy_recipient *recipients;
    size_t n_recipients;
    policy_requests requests;
    policy_consent_age *consent_ages; /* "digital_consent_age" */
    size_t n_consent_ages;
    policy_ropa ropa; /* Art. 30 sections (lib/core/policy_ropa.c) */
} policy_model;

struct json_node;
/* Validate a parsed document and build the model; GDPR_EINVAL names the
 * JSON path and the rule. */
int gdpr_policy__model_build(const struct json_node *root, policy_model **out);
/* The rules a newly loaded policy must meet on top of model_build's, which
 * a stored older version is not held to (so a store opens): every purpose
 * with a special category names its Art. 9(2) condition. GDPR_EINVAL
 * names the path. */
int gdpr_policy__model_check_new(const policy_model *p);
void gdpr_policy__model_free(policy_model *p);

const policy_category *gdpr_policy__find_category(const policy_model *p, const char *id);
const policy_purpose *gdpr_policy__find_purpose(const policy_model *p, const char *id);
const policy_notice *gdpr_policy__find_notice(const policy_model *p, const char *id);
const policy_role *gdpr_policy__find_role(const policy_model *p, const char *id);
const policy_recipient *gdpr_policy__find_recipient(const policy_model *p, const char *id);
/* The age of digital consent of a member state (Art. 8(1)); 0 when the
 * policy names none. */
int gdpr_policy__consent_age(const policy_model *p, const char *state);
const policy_retention *gdpr_policy__find_retention(const policy_model *p, const char *purpose,
                                                    const char *category);
int gdpr_policy__role_allows(const policy_role *r, permission perm);

/* The Art. 30 sections (lib/core/policy_ropa.c): "data_subjects",
 * "security_measures", "joint_controllers", "representative",
 * "processing_record". Built after the rest of the model (it checks ids
 * against purposes and recipients); GDPR_EINVAL names the path and rule. */
int gdpr_policy__build_ropa(const struct json_node *root, policy_model *p);
void gdpr_policy__free_ropa(policy_ropa *r);
/* The processing_record entry of a purpose, or NULL. */
const policy_activity *gdpr_policy__find_activity(const policy_model *p, const char *purpose);

#endif
