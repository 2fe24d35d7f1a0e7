/*
 * ngx_iam engine: wildcard patterns with policy variables, and ARN patterns.
 *
 * A pattern is compiled once into atoms (literal text, '*', '?', ${var});
 * matching walks the atoms with no allocation.  A variable's value is always
 * literal text: a '*' inside a user's tag never acts as a wildcard.
 */

#ifndef _IAM_PATTERN_H_INCLUDED_
#define _IAM_PATTERN_H_INCLUDED_


#include <iam/iam_core.h>
#include <iam/iam_context.h>


/* compile flags */
#define IAM_PATTERN_WILDCARDS   0x01    /* '*' and '?' are wildcards */
#define IAM_PATTERN_VARIABLES   0x02    /* ${...} are policy variables */
#define IAM_PATTERN_ICASE       0x04    /* match ignoring ASCII case */

/* atom types */
#define IAM_ATOM_LITERAL        1
#define IAM_ATOM_STAR           2
#define IAM_ATOM_QMARK          3
#define IAM_ATOM_VARIABLE       4

#define IAM_PATTERN_MAX_ATOMS   256


typedef struct {
    unsigned        type:8;
    unsigned        has_default:1;
    iam_str_t       text;       /* literal (lowercased when ICASE); var key */
    iam_str_t       dflt;       /* ${key, 'default'} */
    uint32_t        hash;       /* variable key hash */
} iam_atom_t;

typedef struct {
    iam_atom_t     *atoms;
    unsigned        natoms;
    unsigned        flags;
    unsigned        has_wildcard:1;
    unsigned        has_variable:1;
    iam_str_t       text;       /* the pattern as written */
} iam_pattern_t;


/*
 * IAM_OK, or IAM_ERROR with a message in err (e.g. "unterminated policy
 * variable"); the pattern's memory comes from pool.
 */
int iam_pattern_compile(iam_pool_t *pool, iam_pattern_t *pattern,
    const char *s, size_t len, unsigned flags, char *err, size_t errlen);

/*
 * 1 when s matches, 0 when not.  A variable whose key is absent from ctx
 * (or multi-valued) and has no default makes the whole pattern match
 * nothing, as AWS documents for a policy variable with no value.
 */
int iam_pattern_match(const iam_pattern_t *pattern, const char *s,
    size_t len, const iam_context_t *ctx);

/*
 * The value of a pattern with no wildcards, variables resolved, into buf:
 * the length, or -1 when a variable has no value or buf is too small.
 */
ssize_t iam_pattern_expand(const iam_pattern_t *pattern,
    const iam_context_t *ctx, char *buf, size_t size);


/*
 * An ARN pattern: "*" or arn:partition:service:region:account:resource, each
 * of the first five segments matched on its own (a wildcard never crosses a
 * ':' there); the resource segment is everything after the fifth ':'.
 */
typedef struct {
    unsigned        any:1;          /* the pattern "*" */
    iam_pattern_t   segments[6];
} iam_arn_pattern_t;

int iam_arn_pattern_compile(iam_pool_t *pool, iam_arn_pattern_t *pattern,
    const char *s, size_t len, unsigned flags, char *err, size_t errlen);
int iam_arn_pattern_match(const iam_arn_pattern_t *pattern, const char *arn,
    size_t len, const iam_context_t *ctx);

/* Splits an ARN into its six segments; IAM_ERROR when it is not one. */
int iam_arn_split(const char *arn, size_t len, iam_str_t segments[6]);


#endif /* _IAM_PATTERN_H_INCLUDED_ */
