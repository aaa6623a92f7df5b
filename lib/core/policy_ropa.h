/*
 * Internal: the policy sections the Art. 30 record of processing
 * activities needs beyond purposes, categories, recipients and retention:
 * categories of data subjects, the Art. 32 security summary, joint
 * controllers (Art. 26), the representative (Art. 27) and, per purpose,
 * the activity that ties them together (lib/core/policy_ropa.c;
 * docs/ropa.md, docs/policy.md).
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_POLICY_ROPA_H
#define GDPR_POLICY_ROPA_H

#include <stddef.h>

typedef struct {
    char *id;
    char *description;
} policy_data_subject;

typedef struct {
    char *name;
    char *contact;
    char **purposes; /* the purposes determined jointly */
    size_t n_purposes;
    char *arrangement; /* the Art. 26(1) arrangement (reference), or NULL */
} policy_joint_controller;

typedef struct {
    char *name;
    char *contact;
    char *country;
} policy_representative;

typedef struct {
    char *summary; /* Art. 30(1)(g): a general description */
    char **measures;
    size_t n_measures;
} policy_security;

typedef struct {
    char *purpose;
    char *business_function; /* or NULL */
    char **data_subjects;
    size_t n_data_subjects;
    char **recipients;
    size_t n_recipients;
    char *source;   /* where the data come from (Art. 14(2)(f)), or NULL */
    char *location; /* where the data are kept, or NULL */
} policy_ropa_activity;

typedef struct {
    policy_data_subject *data_subjects;
    size_t n_data_subjects;
    policy_joint_controller *joint;
    size_t n_joint;
    int has_representative;
    policy_representative representative;
    int has_security;
    policy_security security;
    policy_ropa_activity *activities;
    size_t n_activities;
} policy_ropa;

#endif
