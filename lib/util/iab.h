/*
 * Internal: decoders of the IAB's consent strings, pure parsing (no store,
 * no keys): the TCF v2 TC string's core segment (IAB Tech Lab, "Consent
 * string and vendor list formats v2", TCF v2.2) and the GPP string's
 * header (IAB Tech Lab, Global Privacy Platform "Consent String
 * Specification" 1.0). Sources and test vectors: docs/signals.md.
 * A refusal names the bit offset (from the start of the segment, 6 bits a
 * character) and the field where decoding failed.
 * SPDX-License-Identifier: MIT
 */
#ifndef GDPR_UTIL_IAB_H
#define GDPR_UTIL_IAB_H

#include <stddef.h>
#include <stdint.h>

/* Longest string either decoder reads, in characters. */
#define IAB_TEXT_MAX 65536u
/* Most sections a GPP header may list here. */
#define IAB_GPP_SECTIONS_MAX 64

/* Where and why decoding failed: `bit` counts from the first bit of the
 * segment (`segment` 0 is the TC string's core or the GPP header),
 * `field` names the spec's field, `rule` says what was wrong. */
typedef struct {
    size_t bit;
    int segment;
    const char *field;
    const char *rule;
} iab_error;

/* A set of ids 1..max as a bitmap (bit id-1). */
typedef struct {
    int max;             /* MaxVendorId: 0..65535 */
    int range_encoded;   /* 1: the string used the range encoding */
    unsigned char *bits; /* (max + 7) / 8 bytes, owned; NULL when max is 0 */
} iab_idset;

/* The TC string's core segment, decoded. */
typedef struct {
    int version;          /* 2 */
    int64_t created;      /* deciseconds since the epoch */
    int64_t last_updated; /* deciseconds since the epoch */
    int cmp_id, cmp_version, consent_screen;
    char consent_language[3]; /* two upper-case letters */
    int vendor_list_version;
    int policy_version; /* TcfPolicyVersion: 4 for TCF v2.2 */
    int service_specific, non_standard_stacks;
    uint32_t special_features; /* bit i-1: special feature i opted in (1..12) */
    uint32_t purposes_consent; /* bit i-1: consent to purpose i (1..24) */
    uint32_t purposes_li;      /* bit i-1: legitimate interest established (1..24) */
    int purpose_one_treatment;
    char publisher_cc[3]; /* two upper-case letters */
    iab_idset vendor_consents;
    iab_idset vendor_li;
    int pub_restrictions; /* NumPubRestrictions */
    int segments;         /* segments after the core ('.'-separated) */
} iab_tcf;

/* Decode a TC string (core segment plus optional '.'-separated segments,
 * which are checked for base64url and their type but not decoded).
 * Returns 0, or -1 with *err filled (when err is not NULL); on -1 nothing
 * is left to free. Free a decoded one with gdpr_iab__tcf_free(). */
int gdpr_iab__tcf_decode(const char *text, iab_tcf *out, iab_error *err);
void gdpr_iab__tcf_free(iab_tcf *t);
/* 1 if id is in the set, else 0. */
int gdpr_iab__idset_has(const iab_idset *s, int id);
/* The number of ids in the set. */
int gdpr_iab__idset_count(const iab_idset *s);

/* The GPP header and the sections it lists; section texts point into the
 * decoded string (borrowed). */
typedef struct {
    int type;    /* 3 */
    int version; /* 1 */
    int count;
    int ids[IAB_GPP_SECTIONS_MAX];
    const char *section[IAB_GPP_SECTIONS_MAX];
    size_t section_len[IAB_GPP_SECTIONS_MAX];
} iab_gpp;

/* Decode a GPP string: the header, its Fibonacci range of section ids
 * (strictly ascending), and one '~'-separated section per id. Returns 0,
 * or -1 with *err filled. */
int gdpr_iab__gpp_decode(const char *text, iab_gpp *out, iab_error *err);

/* The GPP section id of the EU TCF v2 section ("tcfeuv2"). */
#define IAB_GPP_TCFEUV2 2

#endif
