/*
 * iamctl validate: syntax (the engine's own checks) plus policy findings
 * as IAM Access Analyzer's ValidatePolicy reports them.
 */

#ifndef _IAMCTL_VALIDATE_H_INCLUDED_
#define _IAMCTL_VALIDATE_H_INCLUDED_


#include <jansson.h>
#include <iam/iam_json.h>
#include <iam/iam_policy.h>

#include "iamctl_findings.h"


int iamctl_validate(int argc, char **argv);

/* the findings of one compiled-clean policy document */
void iamctl_policy_findings(const json_t *doc, const iam_source_t *src,
    iam_policy_kind_e kind, iamctl_findings_t *findings);


#endif /* _IAMCTL_VALIDATE_H_INCLUDED_ */
