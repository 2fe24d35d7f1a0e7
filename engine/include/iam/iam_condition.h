/*
 * ngx_iam engine: the Condition element, every operator AWS documents.
 *
 * A Condition block is compiled once into an array of iam_condition_t, one
 * per (operator, key) pair; values are parsed for their type at load time
 * (numbers, dates, CIDRs, booleans, base64), so evaluation only compares.
 */

#ifndef _IAM_CONDITION_H_INCLUDED_
#define _IAM_CONDITION_H_INCLUDED_


#include <iam/iam_core.h>
#include <iam/iam_json.h>
#include <iam/iam_context.h>
#include <iam/iam_pattern.h>


typedef enum {
    IAM_COND_STRING_EQUALS = 0,
    IAM_COND_STRING_NOT_EQUALS,
    IAM_COND_STRING_EQUALS_IGNORE_CASE,
    IAM_COND_STRING_NOT_EQUALS_IGNORE_CASE,
    IAM_COND_STRING_LIKE,
    IAM_COND_STRING_NOT_LIKE,
    IAM_COND_NUMERIC_EQUALS,
    IAM_COND_NUMERIC_NOT_EQUALS,
    IAM_COND_NUMERIC_LESS_THAN,
    IAM_COND_NUMERIC_LESS_THAN_EQUALS,
    IAM_COND_NUMERIC_GREATER_THAN,
    IAM_COND_NUMERIC_GREATER_THAN_EQUALS,
    IAM_COND_DATE_EQUALS,
    IAM_COND_DATE_NOT_EQUALS,
    IAM_COND_DATE_LESS_THAN,
    IAM_COND_DATE_LESS_THAN_EQUALS,
    IAM_COND_DATE_GREATER_THAN,
    IAM_COND_DATE_GREATER_THAN_EQUALS,
    IAM_COND_BOOL,
    IAM_COND_BINARY_EQUALS,
    IAM_COND_IP_ADDRESS,
    IAM_COND_NOT_IP_ADDRESS,
    IAM_COND_ARN_EQUALS,
    IAM_COND_ARN_LIKE,
    IAM_COND_ARN_NOT_EQUALS,
    IAM_COND_ARN_NOT_LIKE,
    IAM_COND_NULL
} iam_cond_op_e;

typedef enum {
    IAM_SET_NONE = 0,
    IAM_SET_FOR_ALL_VALUES,
    IAM_SET_FOR_ANY_VALUE
} iam_cond_set_e;


/* One policy value of a condition, parsed for the operator's type. */
typedef struct {
    iam_pattern_t       pattern;    /* string/ARN forms, variables */
    iam_arn_pattern_t  *arn;        /* Arn* operators */
    long double         number;     /* Numeric*: exact for 64-bit ints */
    int64_t             time;       /* Date*: epoch seconds */
    unsigned            boolean:1;  /* Bool, Null */
    unsigned            family:8;   /* IpAddress: 4 or 6 */
    unsigned            prefix:8;   /* IpAddress: CIDR prefix length */
    unsigned char       addr[16];   /* IpAddress; BinaryEquals: see bytes */
    iam_str_t           bytes;      /* BinaryEquals: decoded base64 */
} iam_cond_value_t;

typedef struct {
    iam_cond_op_e       op;
    iam_cond_set_e      set;
    unsigned            if_exists:1;
    unsigned            negated:1;  /* StringNotEquals, NotIpAddress ... */
    iam_str_t           op_name;    /* as written, for explain */
    iam_str_t           key;        /* as written */
    uint32_t            key_hash;   /* iam_hash_icase(key) */
    iam_cond_value_t   *values;
    size_t              nvalues;
} iam_condition_t;


/*
 * Compiles the object at `path` (a statement's "Condition") into *conds.
 * Errors are reported through iam_report(diags, src, path + ...), e.g.
 * "Statement[0].Condition.StringLik: unknown condition operator". version
 * is 2012 or 2008 (in 2008 policies "${" is literal text).
 * IAM_OK or IAM_ERROR.
 */
int iam_conditions_compile(iam_pool_t *pool, const json_t *block,
    unsigned version, const iam_source_t *src, iam_json_path_t *path,
    iam_diags_t *diags, iam_condition_t **conds, size_t *nconds);

/* 1 when the condition holds for ctx, 0 when not. */
int iam_condition_match(const iam_condition_t *cond,
    const iam_context_t *ctx);

/*
 * All conditions (AND); 1 or 0.  On 0, *failed (if not NULL) is the index of
 * the first condition that did not hold.
 */
int iam_conditions_match(const iam_condition_t *conds, size_t nconds,
    const iam_context_t *ctx, size_t *failed);


#endif /* _IAM_CONDITION_H_INCLUDED_ */
