/*
 * ngx_iam engine: role sessions, the principal of an assumed role.
 *
 * A session is a role of the account file seen through one assumption of
 * it: arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION, with the role's
 * policies, its own tags (which override the role's for aws:PrincipalTag),
 * MFA and token times, and an optional session policy.  Sessions are made
 * per request (SigV4 with an STS token, a verified JWT), so everything here
 * allocates from the caller's allocator: nginx's request pool, or an
 * iam_pool_t through iam_session_pool_alloc().
 *
 * Assuming a role is decided by its trust policy: iam_role_trust() is that
 * decision for sts:AssumeRole, sts:AssumeRoleWithWebIdentity, sts:TagSession
 * and the like.
 */

#ifndef _IAM_SESSION_H_INCLUDED_
#define _IAM_SESSION_H_INCLUDED_


#include <time.h>
#include <iam/iam_core.h>
#include <iam/iam_context.h>
#include <iam/iam_eval.h>
#include <iam/iam_account.h>


/* As AWS limits them (STS API reference). */
#define IAM_SESSION_NAME_MIN        2
#define IAM_SESSION_NAME_MAX        64
#define IAM_SESSION_MAX_TAGS        50
#define IAM_SESSION_TAG_KEY_MAX     128
#define IAM_SESSION_TAG_VALUE_MAX   256
#define IAM_SESSION_SOURCE_ID_MAX   64

/* the most context keys iam_session_context() sets, tags excluded */
#define IAM_SESSION_CONTEXT_KEYS    11


/* Memory for one session: never freed one by one. */
typedef void *(*iam_session_alloc_pt)(void *data, size_t size);

/* an iam_session_alloc_pt over an iam_pool_t */
void *iam_session_pool_alloc(void *pool, size_t size);


/* What the caller knows about one assumption of a role. */
typedef struct {
    iam_str_t                name;          /* RoleSessionName */
    const iam_str_t         *tag_keys;      /* session tags */
    const iam_str_t         *tag_values;
    size_t                   ntags;
    unsigned                 mfa:1;         /* authenticated with MFA */
    time_t                   auth_time;     /* of the MFA; 0: issued */
    time_t                   issued;
    time_t                   expires;
    iam_str_t                source_identity;   /* empty: none */
    iam_str_t                federated_provider; /* empty: not federated */
    const iam_policy_set_t  *policy;        /* session policy, or NULL */
} iam_session_params_t;

typedef struct {
    const iam_account_t     *account;
    const iam_role_t        *role;
    iam_str_t                name;
    iam_str_t                arn;       /* arn:aws:sts::A:assumed-role/R/S */
    iam_str_t                userid;    /* ROLEID:SESSION */
    iam_principal_t          principal;
    iam_tag_t               *tags;      /* the session's, keys unique */
    size_t                   ntags;
    unsigned                 mfa:1;
    time_t                   auth_time;
    time_t                   issued;
    time_t                   expires;
    iam_str_t                source_identity;
    iam_str_t                federated_provider;
    iam_str_t                issue_time;    /* ISO 8601, aws:TokenIssueTime */
    const iam_policy_set_t  *policy;
} iam_session_t;


/*
 * Makes the session of role with params (copied: the session owns its
 * strings).  NULL with *err set to a reason when params break AWS's rules
 * (session name, tags, source identity, times) or memory runs out.
 */
iam_session_t *iam_session_create(const iam_account_t *account,
    const iam_role_t *role, const iam_session_params_t *params,
    iam_session_alloc_pt alloc, void *data, const char **err);

/* 1 when name is a valid RoleSessionName: 2-64 of [A-Za-z0-9_+=,.@-] */
int iam_session_name_valid(iam_str_t name);

/*
 * The policies that decide for a session, with an optional resource policy:
 * the role's identity policies and boundary, the guardrails and the session
 * policy; pointing into the account and the session.
 */
void iam_session_policies(const iam_session_t *session,
    const iam_policy_t *resource_policy, iam_policies_t *policies);

/*
 * Adds the session's condition keys to ctx: aws:PrincipalArn (the role's
 * ARN, as AWS has it for sessions), aws:PrincipalAccount, aws:userid,
 * aws:PrincipalType (AssumedRole), aws:PrincipalTag/KEY (the role's tags,
 * overridden by the session's), aws:MultiFactorAuthPresent,
 * aws:MultiFactorAuthAge (with MFA), aws:TokenIssueTime,
 * aws:SourceIdentity and aws:FederatedProvider when set.  now gives the MFA
 * age; alloc holds the values composed here.  IAM_ERROR when ctx is full or
 * memory runs out.
 */
int iam_session_context(const iam_session_t *session, time_t now,
    iam_context_t *ctx, iam_session_alloc_pt alloc, void *data);


/*
 * The trust-policy decision: may caller do action (sts:AssumeRole,
 * sts:AssumeRoleWithWebIdentity, sts:TagSession ...) on role, with the
 * condition keys in ctx?  The trust policy is the role's resource policy:
 * naming the caller itself (or its Federated provider) allows on its own;
 * naming its account delegates to caller_policies (the caller's identity
 * policies, boundary, guardrails; NULL for federated callers, who have
 * none), which must then allow too, as across accounts.  IAM_OK with
 * *result filled; IAM_ERROR on bad arguments.
 */
int iam_role_trust(const iam_account_t *account, const iam_role_t *role,
    const iam_principal_t *caller, const iam_policies_t *caller_policies,
    iam_str_t action, const iam_context_t *ctx, iam_result_t *result);


#endif /* _IAM_SESSION_H_INCLUDED_ */
