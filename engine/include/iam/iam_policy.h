/*
 * ngx_iam engine: IAM JSON policy documents, validated and compiled.
 *
 * parse + validate + compile happen in one pass over a jansson value at load
 * time (iam_policy_compile); what comes out is plain arrays of small structs
 * that iam_eval.c walks.
 */

#ifndef _IAM_POLICY_H_INCLUDED_
#define _IAM_POLICY_H_INCLUDED_


#include <iam/iam_core.h>
#include <iam/iam_json.h>
#include <iam/iam_pattern.h>
#include <iam/iam_condition.h>


/* What kind of policy a document is: decides which elements it may have. */
typedef enum {
    IAM_POLICY_IDENTITY = 0,    /* no Principal; Resource required */
    IAM_POLICY_RESOURCE,        /* Principal required; Resource required */
    IAM_POLICY_TRUST,           /* Principal required; Resource optional */
    IAM_POLICY_ANY              /* Principal optional; Resource optional */
} iam_policy_kind_e;

typedef enum {
    IAM_EFFECT_ALLOW = 0,
    IAM_EFFECT_DENY
} iam_effect_e;


/* How a Principal entry names principals. */
typedef enum {
    IAM_PRINCIPAL_ANY = 1,      /* "*", {"AWS": "*"} */
    IAM_PRINCIPAL_ACCOUNT,      /* "123456789012", arn:aws:iam::ACCOUNT:root */
    IAM_PRINCIPAL_ROLE,         /* arn:aws:iam::ACCOUNT:role/[path/]NAME */
    IAM_PRINCIPAL_EXACT         /* user, session, Service, Federated ... */
} iam_principal_match_e;

typedef struct {
    iam_principal_match_e  type;
    iam_str_t              account;     /* ACCOUNT, ROLE, and ARNs */
    iam_str_t              value;       /* EXACT: the string; ROLE: name */
    iam_str_t              text;        /* as written */
} iam_principal_entry_t;


typedef struct iam_policy_s  iam_policy_t;

typedef struct {
    const iam_policy_t     *policy;     /* for reports: policy name */
    iam_str_t               sid;        /* empty when none */
    unsigned                index;      /* position in Statement */
    iam_effect_e            effect;

    unsigned                not_action:1;
    unsigned                not_resource:1;
    unsigned                not_principal:1;
    unsigned                has_resource:1;     /* Resource or NotResource */
    unsigned                has_principal:1;    /* Principal or NotPrincipal */

    iam_pattern_t          *actions;    /* lowercased, ICASE|WILDCARDS */
    size_t                  nactions;
    iam_arn_pattern_t      *resources;
    size_t                  nresources;
    iam_principal_entry_t  *principals;
    size_t                  nprincipals;
    iam_condition_t        *conditions;
    size_t                  nconditions;

    /*
     * What every resource it can match starts with (up to 32 bytes): a
     * filter the evaluator checks before any pattern.  Set by
     * iam_policy_set_create(); 0 when it cannot tell.
     */
    unsigned                resource_prefix_len;
    char                    resource_prefix[32];
} iam_statement_t;

struct iam_policy_s {
    iam_str_t               name;       /* account file name, or a label */
    iam_str_t               id;         /* the Id element */
    unsigned                version;    /* 2012 or 2008 */
    iam_policy_kind_e       kind;
    iam_statement_t        *statements;
    size_t                  nstatements;
};


/* Limits that keep a hostile document from costing unbounded memory. */
#define IAM_POLICY_MAX_STATEMENTS   100000
#define IAM_POLICY_MAX_VALUES       10000     /* in one element */
#define IAM_POLICY_MAX_STRING       8192      /* one string value */


/*
 * Validates and compiles one policy document.  Every problem found is added
 * to diags (with src positions) and NULL is returned when there was any;
 * invalid input never yields a policy.
 */
iam_policy_t *iam_policy_compile(iam_pool_t *pool, const json_t *doc,
    const char *name, iam_policy_kind_e kind, const iam_source_t *src,
    iam_diags_t *diags);

/* "ReadOnly/AllowGet" or "ReadOnly/2" when the statement has no Sid */
size_t iam_statement_label(const iam_statement_t *st, char *buf,
    size_t size);


#endif /* _IAM_POLICY_H_INCLUDED_ */
