/*
 * ngx_iam engine: policy evaluation, as AWS's "Policy evaluation logic"
 * documents it.
 *
 * Policies of one role in a decision (a principal's identity policies, a
 * boundary, one guardrail level, a session policy) are gathered at load time
 * into an iam_policy_set_t that indexes statements by action, so a decision
 * looks at the few statements that can apply.  Evaluation allocates nothing.
 */

#ifndef _IAM_EVAL_H_INCLUDED_
#define _IAM_EVAL_H_INCLUDED_


#include <iam/iam_core.h>
#include <iam/iam_context.h>
#include <iam/iam_policy.h>


typedef struct iam_policy_set_s  iam_policy_set_t;

iam_policy_set_t *iam_policy_set_create(iam_pool_t *pool,
    const iam_policy_t *const *policies, size_t npolicies);
size_t iam_policy_set_statements(const iam_policy_set_t *set);
/* the i-th statement in policy order, NULL past the end (iamctl reports) */
const iam_statement_t *iam_policy_set_statement(const iam_policy_set_t *set,
    size_t i);


/* The principal of a request, split once (by the glue or iamctl). */
typedef enum {
    IAM_PRINCIPAL_KIND_OTHER = 0,   /* service, federated, canonical ... */
    IAM_PRINCIPAL_KIND_ANONYMOUS,
    IAM_PRINCIPAL_KIND_ROOT,
    IAM_PRINCIPAL_KIND_USER,
    IAM_PRINCIPAL_KIND_ROLE,
    IAM_PRINCIPAL_KIND_SESSION      /* arn:aws:sts::A:assumed-role/R/S */
} iam_principal_kind_e;

typedef struct {
    iam_str_t               arn;
    iam_str_t               account;    /* empty when it has none */
    iam_str_t               role_name;  /* SESSION and ROLE */
    iam_principal_kind_e    kind;
} iam_principal_t;

/* Never fails: what is not an IAM/STS ARN is a principal of kind OTHER. */
void iam_principal_parse(iam_principal_t *principal, iam_str_t arn);


typedef struct {
    const iam_principal_t  *principal;
    iam_str_t               action;
    iam_str_t               resource;
    iam_str_t               resource_account;  /* empty: the principal's */
    const iam_context_t    *context;
} iam_request_t;

/* Everything that has a say in one decision; NULL/0 members mean none. */
typedef struct {
    const iam_policy_set_t         *identity;
    const iam_policy_t             *resource_policy;
    const iam_policy_set_t         *boundary;
    const iam_policy_set_t *const  *guardrails;     /* levels */
    size_t                          nguardrails;
    const iam_policy_set_t         *session;
} iam_policies_t;

typedef enum {
    IAM_IMPLICIT_DENY = 0,
    IAM_ALLOWED,
    IAM_EXPLICIT_DENY
} iam_decision_e;

typedef struct {
    iam_decision_e          decision;
    const iam_statement_t  *statement;  /* the deciding statement, or NULL */
} iam_result_t;

const char *iam_decision_name(iam_decision_e decision);


/* Why one statement applied or not, for `iamctl simulate --explain`. */
typedef enum {
    IAM_EXPLAIN_MATCHED = 0,
    IAM_EXPLAIN_ACTION,         /* Action/NotAction did not match */
    IAM_EXPLAIN_RESOURCE,
    IAM_EXPLAIN_PRINCIPAL,
    IAM_EXPLAIN_CONDITION       /* cond names the one that did not hold */
} iam_explain_e;

typedef void (*iam_explain_pt)(void *data, const char *role,
    const iam_statement_t *st, iam_explain_e why,
    const iam_condition_t *cond);


/*
 * IAM_OK with *result filled.  explain may be NULL; with it, every statement
 * of every policy is reported (slow path, for tools).
 */
int iam_evaluate(const iam_policies_t *policies, const iam_request_t *request,
    iam_result_t *result, iam_explain_pt explain, void *data);


#endif /* _IAM_EVAL_H_INCLUDED_ */
