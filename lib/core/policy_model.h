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
    PERM_STAFF_RESOLVE,    /* access log (issue 19): resolve a staff reference */
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
    /* Art. 15(1)(h), 22, CJEU C-203/22: the rest of the description (the
     * object form of "automated_decision"; NULL in an older text form). */
    char *ad_significance;     /* the significance for the subject */
    char *ad_consequences;     /* the envisaged consequences */
    char *ad_safeguards;       /* Art. 22(3) measures (human intervention ...) */
    char *ad_special_measures; /* Art. 22(4) suitable measures, special categories */
    int ad_exception;          /* Art. 22(2): 'a' contract, 'b' law, 'c' explicit
                                  consent; 0 in the text form */
    int direct_marketing;      /* Art. 21(2)-(3): an objection stops it absolutely */
    char art9;                 /* Art. 9(2) condition 'a'..'j'; 0: none named */
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

/* Art. 17(3) exemption grounds (gdpr_exemption values 0..EXEMPTION_MAX):
 * the policy's name ("legal_claims") and the article ("Art. 17(3)(e)");
 * NULL outside the range. */
#define EXEMPTION_MAX 6
#define EXEMPTION_LEGAL_OBLIGATION 2
#define EXEMPTION_PUBLIC_TASK 3
#define EXEMPTION_LEGAL_CLAIMS 6
const char *gdpr_policy__exemption_name(int ground);
const char *gdpr_policy__exemption_article(int ground);
/* The value of a name (1..EXEMPTION_MAX), or -1. */
int gdpr_policy__exemption_parse(const char *name);

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
    int legal_duty;     /* kept under an Art. 17(3) exemption (below) while the
                           period runs; the name is the policy's older word */
    int exemption;      /* the Art. 17(3) ground (gdpr_exemption value);
                           "legal_duty": true alone is 17(3)(b) legal obligation */
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

/* What a recipient does with the data, as adequacy decisions limit their
 * scope by it (issue 19 point 7; docs/transfers.md "Scope limits"). Names
 * are part of the policy format (recipients[].processing, .activities) and
 * of the adequacy list (decisions[].limits): append, never renumber. */
typedef enum {
    PROCESSING_UNKNOWN,               /* the policy does not say */
    PROCESSING_AUTOMATED,             /* "automated" */
    PROCESSING_MANUAL_THEN_AUTOMATED, /* "manual_then_automated": sent by hand, then
                                         processed automatically by the recipient */
    PROCESSING_MANUAL,                /* "manual" */
    PROCESSING_COUNT
} policy_processing;

typedef enum {
    ACTIVITY_IMMIGRATION_CONTROL,    /* "immigration_control" */
    ACTIVITY_FSC_CREDIT_INFORMATION, /* "fsc_credit_information": personal credit
                                        information under the Korean Credit Information
                                        Act by an entity the FSC supervises */
    ACTIVITY_RELIGIOUS,              /* "religious": a religious body's religious activities */
    ACTIVITY_POLITICAL,              /* "political": a political body's political activities */
    ACTIVITY_JOURNALISM,             /* "journalism": press and broadcasting, for reporting */
    ACTIVITY_PROFESSIONAL_WRITING,   /* "professional_writing" */
    ACTIVITY_ACADEMIC,               /* "academic": academic studies by a university or
                                        academic body */
    ACTIVITY_COUNT
} policy_activity;

/* "unknown" for PROCESSING_UNKNOWN. */
const char *gdpr_policy__processing_name(policy_processing p);
const char *gdpr_policy__activity_name(policy_activity a);
/* -1 when unknown. */
int gdpr_policy__activity_from_name(const char *name);

/* The EU-US frameworks a US recipient can be certified under (issue 19
 * point 6): recipients[].certifications[].framework. Append only. */
typedef enum {
    CERT_SAFE_HARBOUR,   /* "safe_harbour": Decision 2000/520/EC */
    CERT_PRIVACY_SHIELD, /* "privacy_shield": Decision (EU) 2016/1250 */
    CERT_DPF,            /* "dpf": Decision (EU) 2023/1795 */
    CERT_COUNT
} policy_cert_framework;

/* "safe_harbour", "privacy_shield", "dpf". */
const char *gdpr_policy__cert_name(policy_cert_framework f);
/* The framework as the adequacy list names it ("decisions[].framework"):
 * "Safe Harbour Privacy Principles", "EU-US Privacy Shield",
 * "EU-US Data Privacy Framework". */
const char *gdpr_policy__cert_framework(policy_cert_framework f);

typedef struct {
    policy_cert_framework framework;
    int64_t from;  /* first second certified */
    int64_t until; /* last second certified; 0: open-ended */
} policy_certification;

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
    /* Adequacy scope attributes (issue 19 point 7). */
    policy_processing processing; /* "processing"; PROCESSING_UNKNOWN when not given */
    int activities_declared;      /* "activities" given (an empty list says: none) */
    unsigned int activities;      /* bit (1u << policy_activity) per activity declared */
    int appi;                     /* "appi": -1 not said, 0 false, 1 true: bound by Japan's
                                     APPI as complemented by the Supplementary Rules */
    /* Certifications under the EU-US frameworks, dated (issue 19 point 6):
     * "certifications", and "dpf_certified" as one CERT_DPF entry. */
    policy_certification *certs;
    size_t n_certs;
    /* Art. 49 "occasional" (issue 19 point 4): "occasional_limit", at most
     * `max_transfers` Art. 49 transfers and/or `max_subjects` subjects to
     * this recipient in any window of `per`, counted from the transfer log
     * (0: no bound of that kind). */
    int has_occasional_limit;
    int64_t max_transfers, max_subjects;
    cal_duration occasional_per;
    char *occasional_per_text;
    /* Art. 49(1) second subparagraph and 49(6) (issue 19 point 4):
     * "compelling_interests", NULL texts when not given. */
    char *ci_assessment;           /* the documented assessment (Art. 49(6)) */
    int64_t ci_assessed_on;        /* its date, UTC seconds at 00:00; 0: not given */
    char *ci_safeguards;           /* the suitable safeguards provided (Art. 49(6)) */
    int64_t ci_authority_informed; /* the supervisory authority informed on; 0: not given */
    char *ci_subject_notice;       /* notice that tells the subject of the transfer and the
                                      compelling legitimate interests */
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
    int public_authority; /* "public_authority": Art. 49(3) (issue 19 point 4) */
    cal_zone *zone;       /* the timezone loaded once per policy version; NULL = UTC */
    /* Art. 15(4), CJEU C-579/21: the controller's recorded decision that the
     * identity of staff who consulted a subject's data is needed for the
     * subject to exercise their rights (NULL: export the role only). */
    char *staff_identity_decision;
    int64_t staff_identity_decided; /* UTC 00:00 of the date it was taken */
} policy_controller;

/* Data-subject requests (issue 9): the optional "requests" section. Types
 * are numbered as gdpr_request_type (1..POLICY_REQUEST_TYPES). */
#define POLICY_REQUEST_TYPES 7

typedef struct {
    int has_erasure_grace; /* erasure requests wait this long before fulfilment */
    cal_duration erasure_grace;
    char *erasure_grace_text;
    char *high_risk_role; /* role high-risk requests are escalated to, or NULL */
    char **close_roles[POLICY_REQUEST_TYPES + 1];   /* by type: roles that may close it */
    size_t n_close_roles[POLICY_REQUEST_TYPES + 1]; /* 0: any role with the permission */
} policy_requests;

/* Consent signals (issue 16, lib/core/policy_signals.c): the optional
 * "signals" section. GPC kinds as the policy names them. */
typedef enum { GPC_SALE = 0, GPC_SHARING, GPC_TARGETED_ADVERTISING, GPC_KINDS } policy_gpc_kind;

typedef struct {
    char *purpose; /* a purpose of the policy */
    int kind;      /* policy_gpc_kind */
} policy_gpc_purpose;

typedef struct {
    int tcf;       /* TCF purpose number, 1..24 */
    char *purpose; /* a consent-based purpose of the policy */
} policy_tcf_purpose;

typedef struct {
    char *notice; /* the notice signal events carry (required with gpc or tcf) */
    policy_gpc_purpose *gpc;
    size_t n_gpc;
    policy_tcf_purpose *tcf;
    size_t n_tcf;
} policy_signals;

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
    policy_signals signals; /* "signals" (issue 16) */
    policy_ropa ropa;       /* Art. 30 sections (lib/core/policy_ropa.c) */
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
/* Art. 22(4): 1 unless `pu` makes an automated decision on a special
 * category without Art. 9(2)(a) or (g) and special_category_measures. */
int gdpr_policy__automated_special_ok(const policy_purpose *pu);
void gdpr_policy__model_free(policy_model *p);

/* Issue 16 sections (lib/core/policy_signals.c), called by model_build
 * after the purposes and notices are built: "signals" (GPC purposes, the
 * TCF purpose table) and "receipts" (controller address, storage
 * locations), and the BCP 47 shape of notices[].language. */
int gdpr_policy__build_signals(const struct json_node *root, policy_model *p);
int gdpr_policy__check_receipts(const struct json_node *root);
int gdpr_policy__check_language(const struct json_node *notice);
void gdpr_policy__signals_free(policy_signals *s);
/* The GPC entry of a purpose, or NULL. */
const policy_gpc_purpose *gdpr_policy__gpc_purpose(const policy_model *p, const char *purpose);
const char *gdpr_policy__gpc_kind_name(int kind);

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
const policy_ropa_activity *gdpr_policy__find_activity(const policy_model *p, const char *purpose);

#endif
