/*
 * iamctl: policy findings as IAM Access Analyzer's ValidatePolicy reports
 * them (findingType, issueCode, message, location), and their output as
 * compiler-style text, JSON lines or SARIF.
 */

#ifndef _IAMCTL_FINDINGS_H_INCLUDED_
#define _IAMCTL_FINDINGS_H_INCLUDED_


#include <stdio.h>
#include <jansson.h>
#include <iam/iam_core.h>
#include <iam/iam_json.h>


/* ordered: --fail-on X fails on X and everything above it */
typedef enum {
    IAMCTL_SUGGESTION = 0,
    IAMCTL_WARNING,
    IAMCTL_SECURITY_WARNING,
    IAMCTL_ERROR
} iamctl_severity_e;

typedef enum {
    IAMCTL_FORMAT_TEXT = 0,
    IAMCTL_FORMAT_JSON,
    IAMCTL_FORMAT_SARIF
} iamctl_format_e;

typedef struct {
    iamctl_severity_e   type;
    const char         *code;       /* "PASS_ROLE_WITH_STAR_IN_RESOURCE" */
    char               *file;
    unsigned            line;
    unsigned            column;
    char               *path;       /* "Statement[0].Resource"; may be "" */
    char               *message;
    unsigned            raw:1;      /* an engine diagnostic, printed as is */
} iamctl_finding_t;

typedef struct {
    iamctl_finding_t   *items;
    size_t              nitems;
    size_t              nalloc;
} iamctl_findings_t;


void iamctl_findings_add(iamctl_findings_t *f, iamctl_severity_e type,
    const char *code, const iam_source_t *src, const iam_json_path_t *path,
    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* every engine diagnostic becomes an ERROR finding */
void iamctl_findings_add_diags(iamctl_findings_t *f,
    const iam_diags_t *diags);
void iamctl_findings_free(iamctl_findings_t *f);

int iamctl_severity_parse(const char *s);
const char *iamctl_severity_name(iamctl_severity_e type);
/* 1 when some finding is at least as severe as fail_on */
int iamctl_findings_fail(const iamctl_findings_t *f, int fail_on);
void iamctl_findings_print(const iamctl_findings_t *f, iamctl_format_e fmt,
    FILE *out);


#endif /* _IAMCTL_FINDINGS_H_INCLUDED_ */
