/*
 * ngx_iam engine: the decision, as AWS's "Policy evaluation logic" has it.
 *
 *   1. an explicit Deny in any policy that has a say denies;
 *   2. every guardrail level (SCP-like) must allow;
 *   3. same account: a resource policy naming the principal (or its
 *      session, or everyone) allows on its own; naming the role of a session
 *      it stands in for the identity policies; naming the account delegates;
 *      across accounts both the resource policy and the principal's side
 *      must allow;
 *   4. the identity policies, then the permissions boundary, then the
 *      session policy must allow.
 */

#include <iam/iam_eval.h>
#include "iam_eval_internal.h"
#include "iam_principal.h"


/* What one set (or one policy) says about a request. */
typedef struct {
    const iam_statement_t  *deny;
    const iam_statement_t  *allow;
    int                     allow_rank;     /* resource policy: how named */
} iam_verdict_t;

typedef struct {
    const iam_request_t    *request;
    iam_explain_pt          explain;
    void                   *data;
    const char             *role;
} iam_eval_ctx_t;


static iam_explain_e iam_statement_applies(const iam_statement_t *st,
    const iam_request_t *r, int *principal_match, size_t *failed);
static void iam_consider(iam_eval_ctx_t *ec, const iam_statement_t *st,
    iam_verdict_t *v);
static void iam_eval_set(iam_eval_ctx_t *ec, const iam_policy_set_t *set,
    iam_verdict_t *v);
static void iam_eval_policy(iam_eval_ctx_t *ec, const iam_policy_t *policy,
    iam_verdict_t *v);


const char *
iam_decision_name(iam_decision_e decision)
{
    switch (decision) {
    case IAM_ALLOWED:
        return "allowed";
    case IAM_EXPLICIT_DENY:
        return "explicitDeny";
    default:
        return "implicitDeny";
    }
}


static iam_explain_e
iam_statement_applies(const iam_statement_t *st, const iam_request_t *r,
    int *principal_match, size_t *failed)
{
    int     hit;
    size_t  i;

    hit = 0;
    for (i = 0; i < st->nactions && !hit; i++) {
        hit = iam_pattern_match(&st->actions[i], r->action.data,
                                r->action.len, NULL);
    }

    if (hit == st->not_action) {
        return IAM_EXPLAIN_ACTION;
    }

    if (st->has_resource) {
        hit = 0;
        for (i = 0; i < st->nresources && !hit; i++) {
            hit = iam_arn_pattern_match(&st->resources[i], r->resource.data,
                                        r->resource.len, r->context);
        }

        if (hit == st->not_resource) {
            return IAM_EXPLAIN_RESOURCE;
        }
    }

    *principal_match = 0;

    if (st->has_principal) {
        if (st->not_principal) {
            if (!iam_not_principal_applies(st, r->principal)) {
                return IAM_EXPLAIN_PRINCIPAL;
            }

            /* naming by exclusion grants nothing on its own */
            *principal_match = IAM_PRINCIPAL_ACCOUNT;

        } else {
            *principal_match = iam_principal_match(st, r->principal);
            if (*principal_match == 0) {
                return IAM_EXPLAIN_PRINCIPAL;
            }
        }
    }

    if (st->nconditions
        && !iam_conditions_match(st->conditions, st->nconditions, r->context,
                                 failed))
    {
        return IAM_EXPLAIN_CONDITION;
    }

    return IAM_EXPLAIN_MATCHED;
}


static void
iam_consider(iam_eval_ctx_t *ec, const iam_statement_t *st, iam_verdict_t *v)
{
    int            match, rank;
    size_t         failed;
    iam_explain_e  why;

    failed = 0;
    match = 0;
    why = iam_statement_applies(st, ec->request, &match, &failed);

    if (ec->explain) {
        ec->explain(ec->data, ec->role, st, why,
                    why == IAM_EXPLAIN_CONDITION ? &st->conditions[failed]
                                                 : NULL);
    }

    if (why != IAM_EXPLAIN_MATCHED) {
        return;
    }

    if (st->effect == IAM_EFFECT_DENY) {
        if (v->deny == NULL) {
            v->deny = st;
        }
        return;
    }

    rank = st->has_principal ? iam_principal_rank(match) : 3;

    if (v->allow == NULL || rank > v->allow_rank) {
        v->allow = st;
        v->allow_rank = rank;
    }
}


static void
iam_eval_set(iam_eval_ctx_t *ec, const iam_policy_set_t *set,
    iam_verdict_t *v)
{
    size_t                  i;
    int64_t                 n;
    iam_candidates_t        cand;
    const iam_statement_t  *st;

    if (ec->explain) {
        for (i = 0; i < set->nstatements; i++) {
            iam_consider(ec, set->statements[i], v);
        }
        return;
    }

    iam_policy_set_candidates(set, ec->request->action, &cand);

    while ((n = iam_candidates_next(&cand)) >= 0) {
        st = set->statements[n];

        if (st->resource_prefix_len
            && (ec->request->resource.len < st->resource_prefix_len
                || memcmp(ec->request->resource.data, st->resource_prefix,
                          st->resource_prefix_len) != 0))
        {
            continue;
        }

        iam_consider(ec, st, v);

        if (v->deny) {
            return;
        }
    }
}


static void
iam_eval_policy(iam_eval_ctx_t *ec, const iam_policy_t *policy,
    iam_verdict_t *v)
{
    size_t  i;

    for (i = 0; i < policy->nstatements; i++) {
        iam_consider(ec, &policy->statements[i], v);

        if (v->deny && ec->explain == NULL) {
            return;
        }
    }
}


int
iam_evaluate(const iam_policies_t *pol, const iam_request_t *r,
    iam_result_t *result, iam_explain_pt explain, void *data)
{
    int                     same_account, guardrails_allow;
    size_t                  i;
    iam_verdict_t           level, res, id, bound, sess;
    iam_eval_ctx_t          ec;
    const iam_statement_t  *deny;

    result->decision = IAM_IMPLICIT_DENY;
    result->statement = NULL;

    if (r->principal == NULL || r->action.len == 0) {
        return IAM_ERROR;
    }

    ec.request = r;
    ec.explain = explain;
    ec.data = data;

    memset(&res, 0, sizeof(iam_verdict_t));
    memset(&id, 0, sizeof(iam_verdict_t));
    memset(&bound, 0, sizeof(iam_verdict_t));
    memset(&sess, 0, sizeof(iam_verdict_t));

    /*
     * One pass over everything that has a say; without explain it stops at
     * the first explicit deny, which nothing can override.
     */

    deny = NULL;
    guardrails_allow = 1;

    for (i = 0; i < pol->nguardrails; i++) {
        memset(&level, 0, sizeof(iam_verdict_t));
        ec.role = "guardrail";
        iam_eval_set(&ec, pol->guardrails[i], &level);

        deny = deny ? deny : level.deny;
        if (level.allow == NULL) {
            guardrails_allow = 0;
        }

        if (deny && explain == NULL) {
            goto denied;
        }
    }

    if (pol->resource_policy) {
        ec.role = "resource";
        iam_eval_policy(&ec, pol->resource_policy, &res);
        deny = deny ? deny : res.deny;
    }

    if (pol->identity && (deny == NULL || explain)) {
        ec.role = "identity";
        iam_eval_set(&ec, pol->identity, &id);
        deny = deny ? deny : id.deny;
    }

    if (pol->boundary && (deny == NULL || explain)) {
        ec.role = "boundary";
        iam_eval_set(&ec, pol->boundary, &bound);
        deny = deny ? deny : bound.deny;
    }

    if (pol->session && (deny == NULL || explain)) {
        ec.role = "session";
        iam_eval_set(&ec, pol->session, &sess);
        deny = deny ? deny : sess.deny;
    }

    if (deny) {
        goto denied;
    }

    if (!guardrails_allow) {
        return IAM_OK;
    }

    same_account = r->resource_account.len == 0
                   || r->principal->account.len == 0
                   || iam_str_eq(r->resource_account, r->principal->account);

    if (same_account) {
        /* naming the principal itself: neither boundary nor session limit */
        if (res.allow && res.allow_rank == 3) {
            result->decision = IAM_ALLOWED;
            result->statement = res.allow;
            return IAM_OK;
        }

        /* naming the session's role stands in for identity policies only */
        if (id.allow == NULL && !(res.allow && res.allow_rank == 2)) {
            return IAM_OK;
        }

    } else if (res.allow == NULL || id.allow == NULL) {
        return IAM_OK;
    }

    if ((pol->boundary && bound.allow == NULL)
        || (pol->session && sess.allow == NULL))
    {
        return IAM_OK;
    }

    result->decision = IAM_ALLOWED;
    result->statement = id.allow ? id.allow : res.allow;

    return IAM_OK;

denied:

    result->decision = IAM_EXPLICIT_DENY;
    result->statement = deny;

    return IAM_OK;
}
