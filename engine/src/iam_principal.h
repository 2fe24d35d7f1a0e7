/*
 * ngx_iam engine: Principal/NotPrincipal matching (internal).
 */

#ifndef _IAM_PRINCIPAL_H_INCLUDED_
#define _IAM_PRINCIPAL_H_INCLUDED_


#include <iam/iam_eval.h>


/* 0, or the iam_principal_match_e of the strongest entry naming p */
int iam_principal_match(const iam_statement_t *st, const iam_principal_t *p);
/*
 * How a match grants, for resource policies: 3 (ANY, EXACT: on its own),
 * 2 (ROLE: stands in for identity policies), 1 (ACCOUNT: delegates), 0.
 */
int iam_principal_rank(int match);
/* 1 when a NotPrincipal statement applies to p */
int iam_not_principal_applies(const iam_statement_t *st,
    const iam_principal_t *p);


#endif /* _IAM_PRINCIPAL_H_INCLUDED_ */
