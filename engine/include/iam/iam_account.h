/*
 * ngx_iam engine: the account file, one AWS-style account's identity store.
 *
 * Loaded and compiled once: every user's and role's policy set (own policies
 * plus its groups'), boundaries, guardrail levels, and an index of access
 * keys.  Lookups at request time are hash probes; nothing is allocated.
 */

#ifndef _IAM_ACCOUNT_H_INCLUDED_
#define _IAM_ACCOUNT_H_INCLUDED_


#include <iam/iam_core.h>
#include <iam/iam_context.h>
#include <iam/iam_policy.h>
#include <iam/iam_eval.h>


typedef struct {
    iam_str_t               key;
    iam_str_t               value;
    iam_str_t               context_key;    /* "aws:PrincipalTag/KEY" */
    uint32_t                context_hash;   /* of context_key */
} iam_tag_t;

typedef struct {
    iam_str_t               name;
    iam_str_t               arn;        /* arn:aws:iam::ACCOUNT:user/NAME */
    iam_str_t               userid;     /* aws:userid: AIDA + stable id */
    iam_principal_t         principal;
    iam_tag_t              *tags;
    size_t                  ntags;
    iam_policy_set_t       *identity;   /* own + groups' policies */
    iam_policy_set_t       *boundary;   /* NULL: none */
    /* a virtual MFA device: arn:aws:iam::ACCOUNT:mfa/NAME; empty: none */
    iam_str_t               mfa_serial;
    unsigned char          *mfa_seed;   /* the TOTP key, decoded */
    size_t                  mfa_seed_len;
} iam_user_t;

typedef struct {
    iam_str_t               name;
    iam_str_t               arn;        /* arn:aws:iam::ACCOUNT:role/NAME */
    iam_str_t               roleid;     /* AROA + stable id */
    iam_policy_t           *trust;      /* the role's trust policy */
    iam_tag_t              *tags;
    size_t                  ntags;
    iam_policy_set_t       *identity;
    iam_policy_set_t       *boundary;
    unsigned                max_session_seconds;
} iam_role_t;

typedef struct {
    iam_str_t               id;
    iam_str_t               secret;
    unsigned                active:1;
    const iam_user_t       *user;
} iam_access_key_t;

typedef struct iam_account_s  iam_account_t;

/* Another account whose principals this one recognises (cross-account). */
typedef struct {
    iam_str_t               id;
    iam_account_t          *account;    /* loaded from its account file */
} iam_trusted_account_t;

struct iam_account_s {
    iam_pool_t             *pool;
    iam_str_t               file;
    iam_str_t               id;         /* the 12-digit account id */

    iam_user_t             *users;
    size_t                  nusers;
    iam_role_t             *roles;
    size_t                  nroles;

    iam_policy_set_t      **guardrails; /* levels */
    size_t                  nguardrails;

    iam_access_key_t       *keys;       /* open-addressed by id */
    size_t                  nkeys_alloc;

    /* the hashes of iam_user_context()'s key names, computed at load */
    uint32_t                user_key_hash[5];

    /* one level deep: a trusted account's own trusted_accounts are not */
    iam_trusted_account_t  *trusted;
    size_t                  ntrusted;
};


/*
 * Loads and compiles an account file.  NULL, with every problem in diags as
 * FILE:LINE:COLUMN, when the file is invalid in any way.
 */
iam_account_t *iam_account_load(const char *file, iam_diags_t *diags);
void iam_account_free(iam_account_t *account);

const iam_access_key_t *iam_account_find_key(const iam_account_t *account,
    iam_str_t id);
const iam_user_t *iam_account_find_user(const iam_account_t *account,
    iam_str_t name);
/* by its serial number, arn:aws:iam::ACCOUNT:mfa/NAME */
const iam_user_t *iam_account_find_mfa(const iam_account_t *account,
    iam_str_t serial);
/* the account itself or one it trusts, by id; NULL: neither */
const iam_account_t *iam_account_find_trusted(const iam_account_t *account,
    iam_str_t id);
/*
 * An access key of the account or of an account it trusts; *owner (may be
 * NULL) is set to the account that holds it.
 */
const iam_access_key_t *iam_account_find_key_trusted(
    const iam_account_t *account, iam_str_t id, const iam_account_t **owner);
/* by name or by ARN */
const iam_role_t *iam_account_find_role(const iam_account_t *account,
    iam_str_t name_or_arn);

/*
 * The policies that decide for a user, with an optional resource policy:
 * fills *policies (pointing into the account) for iam_evaluate().
 */
void iam_account_user_policies(const iam_account_t *account,
    const iam_user_t *user, const iam_policy_t *resource_policy,
    iam_policies_t *policies);

/*
 * Adds the principal's condition keys (aws:username, aws:userid,
 * aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType,
 * aws:PrincipalTag/KEY) to ctx, keys and values pointing into the account
 * (the tag key names are composed at load time).  IAM_ERROR when ctx is full.
 */
int iam_user_context(const iam_account_t *account, const iam_user_t *user,
    iam_context_t *ctx);


/* A standalone policy file (iam_resource_policy, iamctl validate). */
iam_policy_t *iam_policy_load_file(iam_pool_t *pool, const char *file,
    iam_policy_kind_e kind, iam_diags_t *diags);


#endif /* _IAM_ACCOUNT_H_INCLUDED_ */
