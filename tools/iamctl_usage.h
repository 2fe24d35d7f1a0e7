/*
 * iamctl analyze usage: last access and unused access from decision logs,
 * as IAM Access Advisor and Access Analyzer's unused-access findings.
 */

#ifndef _IAMCTL_USAGE_H_INCLUDED_
#define _IAMCTL_USAGE_H_INCLUDED_


int iamctl_analyze(int argc, char **argv);
int iamctl_analyze_usage(int argc, char **argv);
/* a session's role ARN for an assumed-role ARN, else arn itself, into buf */
const char *iamctl_usage_principal(const char *arn, char *buf, size_t size);


#endif /* _IAMCTL_USAGE_H_INCLUDED_ */
