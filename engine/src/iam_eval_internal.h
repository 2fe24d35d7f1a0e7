/*
 * ngx_iam engine: the policy set's layout, shared by iam_policy_set.c (which
 * builds the index) and iam_eval.c (which walks it).
 */

#ifndef _IAM_EVAL_INTERNAL_H_INCLUDED_
#define _IAM_EVAL_INTERNAL_H_INCLUDED_


#include <iam/iam_eval.h>


/* how many letters of a wildcard action index it ("s3:get" for s3:Get*) */
#define IAM_PREFIX_LEN       3
#define IAM_CANDIDATE_LISTS  4


typedef struct {
    iam_str_t               key;        /* NULL data: an empty slot */
    uint32_t                hash;
    uint32_t               *stmts;      /* ascending statement numbers */
    size_t                  n;
} iam_index_bucket_t;

typedef struct {
    iam_index_bucket_t     *buckets;
    size_t                  mask;
} iam_action_index_t;

typedef struct {
    uint32_t               *stmts;
    size_t                  n;
} iam_stmt_list_t;

struct iam_policy_set_s {
    const iam_policy_t    **policies;
    size_t                  npolicies;
    iam_statement_t       **statements;     /* all, in policy order */
    size_t                  nstatements;
    iam_action_index_t      exact;          /* "s3:getobject" */
    iam_action_index_t      prefix;         /* "s3:get" for "s3:get*" */
    iam_action_index_t      service;        /* "s3" for "s3:*" */
    iam_stmt_list_t         general;        /* "*", NotAction ... */
};

typedef struct {
    const uint32_t         *lists[IAM_CANDIDATE_LISTS];
    size_t                  lens[IAM_CANDIDATE_LISTS];
    size_t                  pos[IAM_CANDIDATE_LISTS];
    uint32_t                last;
} iam_candidates_t;


void iam_policy_set_candidates(const iam_policy_set_t *set, iam_str_t action,
    iam_candidates_t *cand);
int64_t iam_candidates_next(iam_candidates_t *cand);


#endif /* _IAM_EVAL_INTERNAL_H_INCLUDED_ */
