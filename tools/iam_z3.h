/*
 * iamctl: identity policies encoded for the Z3 SMT solver, to prove what a
 * policy can and cannot allow (check-no-new-access, check-access-not-granted).
 *
 * The encoding follows the engine (iam_eval.c, iam_condition.c,
 * iam_pattern.c) exactly over the requests `iamctl simulate` can express;
 * what it cannot follow makes the check UNKNOWN, never a guess.
 */

#ifndef _IAM_Z3_H_INCLUDED_
#define _IAM_Z3_H_INCLUDED_


#include <jansson.h>
#include <iam/iam_core.h>
#include <iam/iam_policy.h>


typedef enum {
    IAM_Z3_UNSAT = 0,           /* proven: no such request */
    IAM_Z3_SAT,                 /* *request holds one */
    IAM_Z3_UNKNOWN              /* reason says why */
} iam_z3_result_e;

typedef struct iam_z3_s  iam_z3_t;


/* timeout in milliseconds, 0 for none; NULL when out of memory */
iam_z3_t *iam_z3_create(unsigned timeout);
void iam_z3_destroy(iam_z3_t *z);

/*
 * Every policy that takes part in a question is added first: its condition
 * keys and policy variables decide how the request context is modelled.
 * IAM_DECLINED when a construct is outside the encoding (see reason).
 */
int iam_z3_add_policy(iam_z3_t *z, const iam_policy_t *policy);

/* a request that `allow` allows and `deny` (may be NULL) does not */
iam_z3_result_e iam_z3_find_new_access(iam_z3_t *z, const iam_policy_t *allow,
    const iam_policy_t *deny, json_t **request);

/*
 * A request that policy allows, with an action matching one of actions
 * (lowercased, WILDCARDS|ICASE) and, when nresources, a resource matching
 * one of resources.
 */
iam_z3_result_e iam_z3_find_access(iam_z3_t *z, const iam_policy_t *policy,
    const iam_pattern_t *actions, size_t nactions,
    const iam_arn_pattern_t *resources, size_t nresources,
    json_t **request);

const char *iam_z3_reason(const iam_z3_t *z);

/* the principal the counterexamples are made for */
#define IAM_Z3_ACCOUNT    "123456789012"
#define IAM_Z3_PRINCIPAL  "arn:aws:iam::123456789012:user/analyzer"


#endif /* _IAM_Z3_H_INCLUDED_ */
