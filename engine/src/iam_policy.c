/*
 * ngx_iam engine: IAM JSON policy documents, validated and compiled.
 *
 * One pass over the jansson value: every element is checked against the
 * grammar of AWS's "IAM JSON policy element reference" and compiled into the
 * structs of iam_policy.h.  Every problem is reported with the JSON path of
 * the offending value, so iam_report() can point at FILE:LINE:COLUMN; the
 * document (and its text) may be freed as soon as this returns, so every
 * string kept is copied into the pool.
 */

#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
#include <strings.h>
#include <iam/iam_policy.h>
#include <iam/iam_fault.h>


/*
 * Past this many diagnostics for one document we only count: each report
 * re-tokenizes the whole text for its position, and a hostile document
 * could otherwise make a load quadratic.
 */
#define IAM_POLICY_MAX_ERRORS       100

/* a value quoted in a message is cut after this many bytes */
#define IAM_POLICY_QUOTE_MAX        100
#define IAM_POLICY_QUOTE_SIZE       (IAM_POLICY_QUOTE_MAX * 4 + 4)

#define IAM_ELT_SID                 0x0001
#define IAM_ELT_EFFECT              0x0002
#define IAM_ELT_PRINCIPAL           0x0004
#define IAM_ELT_NOT_PRINCIPAL       0x0008
#define IAM_ELT_ACTION              0x0010
#define IAM_ELT_NOT_ACTION          0x0020
#define IAM_ELT_RESOURCE            0x0040
#define IAM_ELT_NOT_RESOURCE        0x0080
#define IAM_ELT_CONDITION           0x0100

#define IAM_PRINCIPAL_KEY_AWS       0
#define IAM_PRINCIPAL_KEY_SERVICE   1
#define IAM_PRINCIPAL_KEY_FEDERATED 2
#define IAM_PRINCIPAL_KEY_CANONICAL 3


typedef struct {
    iam_pool_t             *pool;
    const iam_source_t     *src;
    iam_diags_t            *diags;
    iam_policy_t           *policy;
    iam_json_path_t         path;

    size_t                  nreported;
    size_t                  nsuppressed;
    unsigned                failed:1;

    /* Sids seen so far: open addressing, statement index + 1, 0 empty */
    uint32_t               *sids;
    size_t                  sids_mask;
} iam_policy_ctx_t;

typedef struct iam_policy_element_s  iam_policy_element_t;

typedef void (*iam_policy_element_pt)(iam_policy_ctx_t *ctx,
    iam_statement_t *st, const json_t *value,
    const iam_policy_element_t *elt);

struct iam_policy_element_s {
    const char             *name;
    iam_policy_element_pt   handler;
    unsigned                bit;
    unsigned                twin;       /* X and NotX exclude each other */
    unsigned                negated;
};


static void iam_policy_version(iam_policy_ctx_t *ctx, const json_t *value);
static void iam_policy_statements(iam_policy_ctx_t *ctx,
    const json_t *value);
static void iam_policy_statement(iam_policy_ctx_t *ctx, iam_statement_t *st,
    const json_t *value);
static void iam_policy_sid(iam_policy_ctx_t *ctx, iam_statement_t *st,
    const json_t *value, const iam_policy_element_t *elt);
static void iam_policy_effect(iam_policy_ctx_t *ctx, iam_statement_t *st,
    const json_t *value, const iam_policy_element_t *elt);
static void iam_policy_principal(iam_policy_ctx_t *ctx, iam_statement_t *st,
    const json_t *value, const iam_policy_element_t *elt);
static size_t iam_policy_principal_count(const json_t *value);
static int iam_policy_principal_type(const char *key);
static void iam_policy_principal_values(iam_policy_ctx_t *ctx,
    iam_statement_t *st, int type, const json_t *value);
static int iam_policy_principal_aws(iam_policy_ctx_t *ctx,
    iam_principal_entry_t *pe, iam_str_t s);
static int iam_policy_principal_arn(iam_policy_ctx_t *ctx,
    iam_principal_entry_t *pe, iam_str_t s);
static void iam_policy_action(iam_policy_ctx_t *ctx, iam_statement_t *st,
    const json_t *value, const iam_policy_element_t *elt);
static int iam_policy_action_check(iam_policy_ctx_t *ctx, iam_str_t s);
static void iam_policy_resource(iam_policy_ctx_t *ctx, iam_statement_t *st,
    const json_t *value, const iam_policy_element_t *elt);
static void iam_policy_condition(iam_policy_ctx_t *ctx, iam_statement_t *st,
    const json_t *value, const iam_policy_element_t *elt);
static void iam_policy_unknown(iam_policy_ctx_t *ctx, const char *key,
    int in_statement);
static const char *iam_policy_similar(const char *key,
    const char *const *names, int typo);
static int iam_policy_string(iam_policy_ctx_t *ctx, const json_t *value,
    iam_str_t *s);
static int iam_policy_list(iam_policy_ctx_t *ctx, const json_t *value,
    size_t *n);
static const json_t *iam_policy_list_item(iam_policy_ctx_t *ctx,
    const json_t *value, size_t i);
static void iam_policy_list_done(iam_policy_ctx_t *ctx, const json_t *value);
static void *iam_policy_alloc(iam_policy_ctx_t *ctx, size_t size);
static int iam_policy_is_account_id(iam_str_t s);
static int iam_policy_has_wildcard(iam_str_t s);
static const char *iam_policy_quote(iam_str_t s, char *buf);
static void iam_policy_error(iam_policy_ctx_t *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));


static const iam_policy_element_t  iam_policy_elements[] = {
    { "Sid", iam_policy_sid, IAM_ELT_SID, 0, 0 },
    { "Effect", iam_policy_effect, IAM_ELT_EFFECT, 0, 0 },
    { "Principal", iam_policy_principal, IAM_ELT_PRINCIPAL,
      IAM_ELT_NOT_PRINCIPAL, 0 },
    { "NotPrincipal", iam_policy_principal, IAM_ELT_NOT_PRINCIPAL,
      IAM_ELT_PRINCIPAL, 1 },
    { "Action", iam_policy_action, IAM_ELT_ACTION, IAM_ELT_NOT_ACTION, 0 },
    { "NotAction", iam_policy_action, IAM_ELT_NOT_ACTION, IAM_ELT_ACTION, 1 },
    { "Resource", iam_policy_resource, IAM_ELT_RESOURCE,
      IAM_ELT_NOT_RESOURCE, 0 },
    { "NotResource", iam_policy_resource, IAM_ELT_NOT_RESOURCE,
      IAM_ELT_RESOURCE, 1 },
    { "Condition", iam_policy_condition, IAM_ELT_CONDITION, 0, 0 },
    { NULL, NULL, 0, 0, 0 }
};

static const char *const  iam_policy_top_elements[] = {
    "Version", "Id", "Statement", NULL
};

/* the names of iam_policy_elements, for hints */
static const char *const  iam_policy_statement_elements[] = {
    "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
    "Resource", "NotResource", "Condition", NULL
};

/* indexed by IAM_PRINCIPAL_KEY_* */
static const char *const  iam_policy_principal_keys[] = {
    "AWS", "Service", "Federated", "CanonicalUser", NULL
};


iam_policy_t *
iam_policy_compile(iam_pool_t *pool, const json_t *doc, const char *name,
    iam_policy_kind_e kind, const iam_source_t *src, iam_diags_t *diags)
{
    int                statement;
    iam_str_t          s;
    const char        *key;
    iam_policy_t      *policy;
    const json_t      *value;
    iam_policy_ctx_t   ctx;

    memset(&ctx, 0, sizeof(iam_policy_ctx_t));
    ctx.pool = pool;
    ctx.src = src;
    ctx.diags = diags;

    if (doc == NULL || !json_is_object(doc)) {
        iam_policy_error(&ctx, "a policy must be a JSON object");
        return NULL;
    }

    policy = iam_policy_alloc(&ctx, sizeof(iam_policy_t));
    if (policy == NULL) {
        return NULL;
    }

    memset(policy, 0, sizeof(iam_policy_t));
    ctx.policy = policy;

    policy->kind = kind;
    policy->name = iam_pstr(pool, name ? name : "", name ? strlen(name) : 0);

    /* as AWS does: no Version means 2008-10-17, where "${" is literal */
    policy->version = 2008;

    /* first, as it decides how Resource and Condition values are read */
    value = json_object_get(doc, "Version");
    if (value) {
        iam_json_path_push_key(&ctx.path, "Version");
        iam_policy_version(&ctx, value);
        iam_json_path_pop(&ctx.path);
    }

    statement = 0;

    json_object_foreach((json_t *) doc, key, value) {

        if (strcmp(key, "Version") == 0) {
            continue;
        }

        iam_json_path_push_key(&ctx.path, key);

        if (strcmp(key, "Id") == 0) {
            if (iam_policy_string(&ctx, value, &s) == IAM_OK) {
                policy->id = iam_pstr(pool, s.data, s.len);
            }

        } else if (strcmp(key, "Statement") == 0) {
            statement = 1;
            iam_policy_statements(&ctx, value);

        } else {
            iam_policy_unknown(&ctx, key, 0);
        }

        iam_json_path_pop(&ctx.path);
    }

    if (!statement) {
        iam_policy_error(&ctx, "missing Statement");
    }

    free(ctx.sids);

    if (ctx.nsuppressed) {
        ctx.path.nelts = 0;
        iam_report(diags, src, &ctx.path, "too many errors: %zu more not shown",
                   ctx.nsuppressed);
    }

    if (ctx.nreported || ctx.nsuppressed || ctx.failed) {
        return NULL;
    }

    return policy;
}


size_t
iam_statement_label(const iam_statement_t *st, char *buf, size_t size)
{
    int                  n;
    iam_str_t            name;
    const char          *slash;
    const iam_policy_t  *policy;

    if (size == 0) {
        return 0;
    }

    name.len = 0;
    name.data = "";
    policy = st->policy;

    if (policy) {
        name = policy->name.len ? policy->name : policy->id;
    }

    slash = name.len ? "/" : "";

    if (st->sid.len) {
        n = snprintf(buf, size, "%.*s%s%.*s", (int) name.len, name.data,
                     slash, (int) st->sid.len, st->sid.data);

    } else {
        n = snprintf(buf, size, "%.*s%s%u", (int) name.len, name.data, slash,
                     st->index);
    }

    if (n < 0) {
        buf[0] = '\0';
        return 0;
    }

    return (size_t) n < size ? (size_t) n : size - 1;
}


static void
iam_policy_version(iam_policy_ctx_t *ctx, const json_t *value)
{
    iam_str_t  s;
    char       q[IAM_POLICY_QUOTE_SIZE];

    if (iam_policy_string(ctx, value, &s) != IAM_OK) {
        return;
    }

    if (iam_str_eq_cstr(s, "2012-10-17")) {
        ctx->policy->version = 2012;

    } else if (iam_str_eq_cstr(s, "2008-10-17")) {
        ctx->policy->version = 2008;

    } else {
        iam_policy_error(ctx, "Version must be \"2012-10-17\" or "
                         "\"2008-10-17\", not \"%s\"", iam_policy_quote(s, q));
    }
}


static void
iam_policy_statements(iam_policy_ctx_t *ctx, const json_t *value)
{
    size_t         i, n;
    iam_policy_t  *policy;

    policy = ctx->policy;

    if (json_is_object(value)) {
        policy->statements = iam_policy_alloc(ctx, sizeof(iam_statement_t));
        if (policy->statements == NULL) {
            return;
        }

        policy->nstatements = 1;
        iam_policy_statement(ctx, &policy->statements[0], value);
        return;
    }

    if (!json_is_array(value)) {
        iam_policy_error(ctx, "must be an object or an array of objects");
        return;
    }

    n = json_array_size(value);

    if (n == 0) {
        iam_policy_error(ctx, "must not be empty");
        return;
    }

    if (n > IAM_POLICY_MAX_STATEMENTS) {
        iam_policy_error(ctx, "too many statements (%zu, at most %d)", n,
                         IAM_POLICY_MAX_STATEMENTS);
        return;
    }

    policy->statements = iam_policy_alloc(ctx, n * sizeof(iam_statement_t));
    if (policy->statements == NULL) {
        return;
    }

    policy->nstatements = n;

    for (i = 0; i < n; i++) {
        iam_json_path_push_index(&ctx->path, i);
        policy->statements[i].index = (unsigned) i;
        iam_policy_statement(ctx, &policy->statements[i],
                             json_array_get(value, i));
        iam_json_path_pop(&ctx->path);
    }
}


static void
iam_policy_statement(iam_policy_ctx_t *ctx, iam_statement_t *st,
    const json_t *value)
{
    unsigned                     seen, index;
    const char                  *key;
    const json_t                *v;
    const iam_policy_element_t  *elt;

    index = st->index;
    memset(st, 0, sizeof(iam_statement_t));
    st->policy = ctx->policy;
    st->index = index;

    if (!json_is_object(value)) {
        iam_policy_error(ctx, "must be an object");
        return;
    }

    seen = 0;

    json_object_foreach((json_t *) value, key, v) {

        for (elt = iam_policy_elements; elt->name; elt++) {
            if (strcmp(key, elt->name) == 0) {
                break;
            }
        }

        iam_json_path_push_key(&ctx->path, key);

        if (elt->name == NULL) {
            iam_policy_unknown(ctx, key, 1);

        } else if (seen & elt->twin) {
            iam_policy_error(ctx, "%s and Not%s cannot both be present",
                             elt->name + (elt->negated ? 3 : 0),
                             elt->name + (elt->negated ? 3 : 0));

        } else {
            seen |= elt->bit;
            elt->handler(ctx, st, v, elt);
        }

        iam_json_path_pop(&ctx->path);
    }

    if (!(seen & IAM_ELT_EFFECT)) {
        iam_policy_error(ctx, "missing Effect");
    }

    if (!(seen & (IAM_ELT_ACTION | IAM_ELT_NOT_ACTION))) {
        iam_policy_error(ctx, "missing Action or NotAction");
    }

    if ((ctx->policy->kind == IAM_POLICY_RESOURCE
         || ctx->policy->kind == IAM_POLICY_TRUST)
        && !(seen & (IAM_ELT_PRINCIPAL | IAM_ELT_NOT_PRINCIPAL)))
    {
        iam_policy_error(ctx, "missing Principal or NotPrincipal");
    }

    if ((ctx->policy->kind == IAM_POLICY_IDENTITY
         || ctx->policy->kind == IAM_POLICY_RESOURCE)
        && !(seen & (IAM_ELT_RESOURCE | IAM_ELT_NOT_RESOURCE)))
    {
        iam_policy_error(ctx, "missing Resource or NotResource");
    }
}


static void
iam_policy_sid(iam_policy_ctx_t *ctx, iam_statement_t *st,
    const json_t *value, const iam_policy_element_t *elt)
{
    char                 q[IAM_POLICY_QUOTE_SIZE];
    size_t               size, h;
    uint32_t             other;
    iam_str_t            s;
    const iam_policy_t  *policy;

    if (iam_policy_string(ctx, value, &s) != IAM_OK) {
        return;
    }

    st->sid = iam_pstr(ctx->pool, s.data, s.len);

    if (s.len == 0) {
        /* an empty Sid is no Sid: the label falls back to the index */
        return;
    }

    policy = ctx->policy;

    if (ctx->sids == NULL) {
        for (size = 16; size < 2 * policy->nstatements; size <<= 1) {
            /* void */
        }

        ctx->sids = iam_calloc(size, sizeof(uint32_t));
        if (ctx->sids == NULL) {
            iam_policy_error(ctx, "out of memory");
            return;
        }

        ctx->sids_mask = size - 1;
    }

    h = iam_hash_icase(s.data, s.len) & ctx->sids_mask;

    while (ctx->sids[h]) {
        other = ctx->sids[h] - 1;

        if (iam_str_eq(policy->statements[other].sid, s)) {
            iam_policy_error(ctx, "duplicate Sid '%s'",
                             iam_policy_quote(s, q));
            return;
        }

        h = (h + 1) & ctx->sids_mask;
    }

    ctx->sids[h] = st->index + 1;
}


static void
iam_policy_effect(iam_policy_ctx_t *ctx, iam_statement_t *st,
    const json_t *value, const iam_policy_element_t *elt)
{
    iam_str_t  s;
    char       q[IAM_POLICY_QUOTE_SIZE];

    if (iam_policy_string(ctx, value, &s) != IAM_OK) {
        return;
    }

    if (iam_str_eq_cstr(s, "Allow")) {
        st->effect = IAM_EFFECT_ALLOW;

    } else if (iam_str_eq_cstr(s, "Deny")) {
        st->effect = IAM_EFFECT_DENY;

    } else {
        iam_policy_error(ctx, "Effect must be \"Allow\" or \"Deny\", "
                         "not \"%s\"", iam_policy_quote(s, q));
    }
}


static void
iam_policy_principal(iam_policy_ctx_t *ctx, iam_statement_t *st,
    const json_t *value, const iam_policy_element_t *elt)
{
    int                     type;
    size_t                  n;
    iam_str_t               s;
    const char             *key;
    const json_t           *v;
    iam_principal_entry_t  *pe;

    if (ctx->policy->kind == IAM_POLICY_IDENTITY) {
        iam_policy_error(ctx, "%s is not allowed in an identity-based policy",
                         elt->name);
        return;
    }

    st->has_principal = 1;
    st->not_principal = elt->negated;

    if (json_is_string(value)) {
        if (iam_policy_string(ctx, value, &s) != IAM_OK) {
            return;
        }

        if (!iam_str_eq_cstr(s, "*")) {
            iam_policy_error(ctx, "must be \"*\" or an object such as "
                             "{\"AWS\": \"123456789012\"}");
            return;
        }

        pe = iam_policy_alloc(ctx, sizeof(iam_principal_entry_t));
        if (pe == NULL) {
            return;
        }

        memset(pe, 0, sizeof(iam_principal_entry_t));
        pe->type = IAM_PRINCIPAL_ANY;
        iam_str_set(&pe->text, "*");

        st->principals = pe;
        st->nprincipals = 1;
        return;
    }

    if (!json_is_object(value)) {
        iam_policy_error(ctx, "must be \"*\" or an object such as "
                         "{\"AWS\": \"123456789012\"}");
        return;
    }

    if (json_object_size(value) == 0) {
        iam_policy_error(ctx, "must not be empty");
        return;
    }

    n = iam_policy_principal_count(value);

    if (n) {
        st->principals = iam_policy_alloc(ctx,
                                          n * sizeof(iam_principal_entry_t));
        if (st->principals == NULL) {
            return;
        }
    }

    json_object_foreach((json_t *) value, key, v) {
        iam_json_path_push_key(&ctx->path, key);

        type = iam_policy_principal_type(key);

        if (type >= 0) {
            iam_policy_principal_values(ctx, st, type, v);

        } else {
            for (type = 0; iam_policy_principal_keys[type]; type++) {
                if (strcasecmp(key, iam_policy_principal_keys[type]) == 0) {
                    break;
                }
            }

            if (iam_policy_principal_keys[type]) {
                iam_policy_error(ctx, "unknown principal type '%s' "
                                 "(did you mean '%s'?)", key,
                                 iam_policy_principal_keys[type]);

            } else {
                iam_policy_error(ctx, "unknown principal type '%s' (expected "
                                 "AWS, Service, Federated or CanonicalUser)",
                                 key);
            }
        }

        iam_json_path_pop(&ctx->path);
    }
}


/* the number of values under the known keys, for one allocation */
static size_t
iam_policy_principal_count(const json_t *value)
{
    int            type;
    size_t         n, total;
    const char    *key;
    const json_t  *v;

    total = 0;

    json_object_foreach((json_t *) value, key, v) {
        type = iam_policy_principal_type(key);

        if (type < 0) {
            continue;
        }

        n = json_is_string(v) ? 1 : json_is_array(v) ? json_array_size(v) : 0;

        if (n <= IAM_POLICY_MAX_VALUES) {
            total += n;
        }
    }

    return total;
}


static int
iam_policy_principal_type(const char *key)
{
    int  type;

    for (type = 0; iam_policy_principal_keys[type]; type++) {
        if (strcmp(key, iam_policy_principal_keys[type]) == 0) {
            return type;
        }
    }

    return -1;
}


static void
iam_policy_principal_values(iam_policy_ctx_t *ctx, iam_statement_t *st,
    int type, const json_t *value)
{
    size_t                  i, n;
    iam_str_t               s, seg[6];
    const json_t           *item;
    iam_principal_entry_t  *pe;

    if (iam_policy_list(ctx, value, &n) != IAM_OK) {
        return;
    }

    for (i = 0; i < n; i++) {
        item = iam_policy_list_item(ctx, value, i);

        if (iam_policy_string(ctx, item, &s) != IAM_OK) {
            goto next;
        }

        pe = &st->principals[st->nprincipals];
        memset(pe, 0, sizeof(iam_principal_entry_t));

        pe->text = iam_pstr(ctx->pool, s.data, s.len);
        if (pe->text.data == NULL) {
            iam_policy_error(ctx, "out of memory");
            goto next;
        }

        if (type == IAM_PRINCIPAL_KEY_AWS) {
            if (iam_policy_principal_aws(ctx, pe, pe->text) == IAM_OK) {
                st->nprincipals++;
            }

            goto next;
        }

        if (s.len == 0) {
            iam_policy_error(ctx, "must not be empty");
            goto next;
        }

        if (iam_policy_has_wildcard(s)) {
            iam_policy_error(ctx, "wildcards are not allowed in Principal "
                             "values");
            goto next;
        }

        pe->type = IAM_PRINCIPAL_EXACT;
        pe->value = pe->text;

        /* a SAML or OIDC provider's ARN names the account that owns it */
        if (type == IAM_PRINCIPAL_KEY_FEDERATED
            && iam_arn_split(pe->text.data, pe->text.len, seg) == IAM_OK
            && iam_policy_is_account_id(seg[4]))
        {
            pe->account = seg[4];
        }

        st->nprincipals++;

    next:

        iam_policy_list_done(ctx, value);
    }
}


static int
iam_policy_principal_aws(iam_policy_ctx_t *ctx, iam_principal_entry_t *pe,
    iam_str_t s)
{
    char  q[IAM_POLICY_QUOTE_SIZE];

    if (iam_str_eq_cstr(s, "*")) {
        pe->type = IAM_PRINCIPAL_ANY;
        return IAM_OK;
    }

    if (iam_policy_has_wildcard(s)) {
        iam_policy_error(ctx, "wildcards are not allowed in Principal ARNs");
        return IAM_ERROR;
    }

    if (iam_policy_is_account_id(s)) {
        pe->type = IAM_PRINCIPAL_ACCOUNT;
        pe->account = s;
        return IAM_OK;
    }

    if (s.len > 4 && memcmp(s.data, "arn:", 4) == 0) {
        return iam_policy_principal_arn(ctx, pe, s);
    }

    iam_policy_error(ctx, "invalid AWS principal '%s' (expected \"*\", a "
                     "12-digit account id, or an IAM or STS ARN)",
                     iam_policy_quote(s, q));

    return IAM_ERROR;
}


/*
 * arn:PARTITION:iam::ACCOUNT:root | user/[path/]NAME | role/[path/]NAME,
 * arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION | federated-user/NAME
 */
static int
iam_policy_principal_arn(iam_policy_ctx_t *ctx, iam_principal_entry_t *pe,
    iam_str_t s)
{
    size_t       i;
    iam_str_t    seg[6], res, name;
    const char  *p, *slash;
    char         q[IAM_POLICY_QUOTE_SIZE];

    if (iam_arn_split(s.data, s.len, seg) != IAM_OK) {
        iam_policy_error(ctx, "malformed principal ARN '%s'",
                         iam_policy_quote(s, q));
        return IAM_ERROR;
    }

    /* aws, aws-cn, aws-us-gov and the isolated partitions (aws-iso...) */
    if (!iam_str_eq_cstr(seg[1], "aws")
        && !(seg[1].len > 4 && memcmp(seg[1].data, "aws-", 4) == 0))
    {
        iam_policy_error(ctx, "principal ARN '%s' has an unknown partition",
                         iam_policy_quote(s, q));
        return IAM_ERROR;
    }

    if (!iam_str_eq_cstr(seg[2], "iam") && !iam_str_eq_cstr(seg[2], "sts")) {
        iam_policy_error(ctx, "principal ARN '%s' is not an IAM or STS ARN",
                         iam_policy_quote(s, q));
        return IAM_ERROR;
    }

    if (seg[3].len) {
        iam_policy_error(ctx, "principal ARN '%s' must not name a region",
                         iam_policy_quote(s, q));
        return IAM_ERROR;
    }

    if (!iam_policy_is_account_id(seg[4])) {
        iam_policy_error(ctx, "principal ARN '%s' has no 12-digit account id",
                         iam_policy_quote(s, q));
        return IAM_ERROR;
    }

    pe->account = seg[4];
    res = seg[5];

    if (seg[2].data[0] == 'i') {
        if (iam_str_eq_cstr(res, "root")) {
            pe->type = IAM_PRINCIPAL_ACCOUNT;
            return IAM_OK;
        }

        if (res.len > 5 && memcmp(res.data, "role/", 5) == 0) {
            /* the name is what follows the path */
            slash = NULL;
            for (p = res.data; p < res.data + res.len; p++) {
                if (*p == '/') {
                    slash = p;
                }
            }

            name.data = slash + 1;
            name.len = res.data + res.len - name.data;

            if (name.len) {
                pe->type = IAM_PRINCIPAL_ROLE;
                pe->value = name;
                return IAM_OK;
            }

        } else if (res.len > 5 && memcmp(res.data, "user/", 5) == 0
                   && res.data[res.len - 1] != '/')
        {
            pe->type = IAM_PRINCIPAL_EXACT;
            pe->value = s;
            return IAM_OK;
        }

    } else {
        if (res.len > 13 && memcmp(res.data, "assumed-role/", 13) == 0) {
            /* exactly ROLE/SESSION, both non-empty */
            name.data = res.data + 13;
            name.len = res.len - 13;
            slash = memchr(name.data, '/', name.len);

            if (slash && slash > name.data
                && slash < name.data + name.len - 1
                && memchr(slash + 1, '/', name.data + name.len - slash - 1)
                   == NULL)
            {
                pe->type = IAM_PRINCIPAL_EXACT;
                pe->value = s;
                return IAM_OK;
            }

        } else if (res.len > 15
                   && memcmp(res.data, "federated-user/", 15) == 0)
        {
            for (i = 15; i < res.len && res.data[i] != '/'; i++) {
                /* void */
            }

            if (i == res.len) {
                pe->type = IAM_PRINCIPAL_EXACT;
                pe->value = s;
                return IAM_OK;
            }
        }
    }

    iam_policy_error(ctx, "principal ARN '%s' does not name an account root, "
                     "a user, a role or a session", iam_policy_quote(s, q));

    return IAM_ERROR;
}


static void
iam_policy_action(iam_policy_ctx_t *ctx, iam_statement_t *st,
    const json_t *value, const iam_policy_element_t *elt)
{
    size_t          i, j, n;
    char            err[256], lower[IAM_POLICY_MAX_STRING];
    iam_str_t       s;
    const json_t   *item;

    if (iam_policy_list(ctx, value, &n) != IAM_OK) {
        return;
    }

    st->not_action = elt->negated;

    st->actions = iam_policy_alloc(ctx, n * sizeof(iam_pattern_t));
    if (st->actions == NULL) {
        return;
    }

    for (i = 0; i < n; i++) {
        item = iam_policy_list_item(ctx, value, i);

        if (iam_policy_string(ctx, item, &s) != IAM_OK
            || iam_policy_action_check(ctx, s) != IAM_OK)
        {
            goto next;
        }

        /*
         * Actions are case-insensitive; stored lowercased, the text doubles
         * as the key of the evaluator's action index.
         */
        for (j = 0; j < s.len; j++) {
            lower[j] = (char) tolower((unsigned char) s.data[j]);
        }

        err[0] = '\0';

        if (iam_pattern_compile(ctx->pool, &st->actions[st->nactions], lower,
                                s.len,
                                IAM_PATTERN_WILDCARDS | IAM_PATTERN_ICASE,
                                err, sizeof(err))
            != IAM_OK)
        {
            iam_policy_error(ctx, "%s", err[0] ? err : "invalid action");
            goto next;
        }

        st->nactions++;

    next:

        iam_policy_list_done(ctx, value);
    }
}


/* "*" or "service:Action"; wildcards anywhere but never a bare name */
static int
iam_policy_action_check(iam_policy_ctx_t *ctx, iam_str_t s)
{
    unsigned char   c;
    const char     *p, *colon, *end;
    char            q[IAM_POLICY_QUOTE_SIZE], cq[IAM_POLICY_QUOTE_SIZE];
    iam_str_t       ch;

    if (iam_str_eq_cstr(s, "*")) {
        return IAM_OK;
    }

    end = s.data + s.len;
    colon = memchr(s.data, ':', s.len);

    if (colon == NULL || colon == s.data) {
        iam_policy_error(ctx, "action '%s' has no service prefix",
                         iam_policy_quote(s, q));
        return IAM_ERROR;
    }

    if (colon + 1 == end) {
        iam_policy_error(ctx, "action '%s' has no action name",
                         iam_policy_quote(s, q));
        return IAM_ERROR;
    }

    for (p = s.data; p < end; p++) {
        c = (unsigned char) *p;

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || c == '*' || c == '?'
            || (c == '-' && p < colon) || p == colon)
        {
            continue;
        }

        ch.data = p;
        ch.len = 1;

        /* a UTF-8 sequence is quoted whole */
        while (ch.data + ch.len < end
               && ((unsigned char) ch.data[ch.len] & 0xc0) == 0x80)
        {
            ch.len++;
        }

        iam_policy_error(ctx, "action '%s' has an invalid character '%s' in "
                         "its %s", iam_policy_quote(s, q),
                         iam_policy_quote(ch, cq),
                         p < colon ? "service prefix" : "action name");
        return IAM_ERROR;
    }

    return IAM_OK;
}


static void
iam_policy_resource(iam_policy_ctx_t *ctx, iam_statement_t *st,
    const json_t *value, const iam_policy_element_t *elt)
{
    size_t              i, n;
    char                err[256];
    unsigned            flags;
    iam_str_t           s;
    const json_t       *item;
    iam_arn_pattern_t  *arn;

    if (iam_policy_list(ctx, value, &n) != IAM_OK) {
        return;
    }

    st->has_resource = 1;
    st->not_resource = elt->negated;

    st->resources = iam_policy_alloc(ctx, n * sizeof(iam_arn_pattern_t));
    if (st->resources == NULL) {
        return;
    }

    flags = IAM_PATTERN_WILDCARDS;
    if (ctx->policy->version == 2012) {
        flags |= IAM_PATTERN_VARIABLES;
    }

    for (i = 0; i < n; i++) {
        item = iam_policy_list_item(ctx, value, i);

        if (iam_policy_string(ctx, item, &s) != IAM_OK) {
            goto next;
        }

        /* the pattern keeps its own copy of the text */
        arn = &st->resources[st->nresources];
        err[0] = '\0';

        if (iam_arn_pattern_compile(ctx->pool, arn, s.data, s.len, flags,
                                    err, sizeof(err))
            != IAM_OK)
        {
            iam_policy_error(ctx, "%s", err[0] ? err : "invalid resource ARN");
            goto next;
        }

        st->nresources++;

    next:

        iam_policy_list_done(ctx, value);
    }
}


static void
iam_policy_condition(iam_policy_ctx_t *ctx, iam_statement_t *st,
    const json_t *value, const iam_policy_element_t *elt)
{
    int            rc;
    size_t         before;
    iam_diags_t   *diags, scratch;
    iam_source_t   nowhere;

    if (!json_is_object(value)) {
        iam_policy_error(ctx, "must be an object");
        return;
    }

    diags = ctx->diags;
    before = diags->nitems;

    if (ctx->nreported >= IAM_POLICY_MAX_ERRORS) {
        /* past the cap: only count, without the cost of positions */
        memset(&nowhere, 0, sizeof(iam_source_t));
        iam_diags_init(&scratch);
        diags = &scratch;
        before = 0;
    }

    rc = iam_conditions_compile(ctx->pool, value, ctx->policy->version,
                                diags == ctx->diags ? ctx->src : &nowhere,
                                &ctx->path, diags, &st->conditions,
                                &st->nconditions);

    if (diags == ctx->diags) {
        ctx->nreported += diags->nitems - before;

    } else {
        ctx->nsuppressed += scratch.nitems;
        iam_diags_free(&scratch);
    }

    if (rc != IAM_OK) {
        ctx->failed = 1;
    }
}


static void
iam_policy_unknown(iam_policy_ctx_t *ctx, const char *key, int in_statement)
{
    char                q[IAM_POLICY_QUOTE_SIZE];
    iam_str_t           k;
    const char         *hint;
    const char *const  *same, *const *other;

    k.data = key;
    k.len = strlen(key);
    iam_policy_quote(k, q);

    same = in_statement ? iam_policy_statement_elements
                        : iam_policy_top_elements;
    other = in_statement ? iam_policy_top_elements
                         : iam_policy_statement_elements;

    /* "effect" for "Effect", then the right name in the wrong place */

    hint = iam_policy_similar(key, same, 0);
    if (hint) {
        iam_policy_error(ctx, "unknown element '%s' (did you mean '%s'?)", q,
                         hint);
        return;
    }

    hint = iam_policy_similar(key, other, 0);
    if (hint) {
        if (in_statement) {
            iam_policy_error(ctx, "unknown element '%s' in a statement (%s "
                             "belongs at the top level of the policy)", q,
                             hint);

        } else {
            iam_policy_error(ctx, "unknown element '%s' at the top level "
                             "(%s belongs in a Statement)", q, hint);
        }

        return;
    }

    /* a typo: "Resources", "Efect" */

    hint = iam_policy_similar(key, same, 1);
    if (hint) {
        iam_policy_error(ctx, "unknown element '%s' (did you mean '%s'?)", q,
                         hint);
        return;
    }

    iam_policy_error(ctx, "unknown element '%s'", q);
}


/* a name equal to key ignoring case, or (typo) one edit away from it */
static const char *
iam_policy_similar(const char *key, const char *const *names, int typo)
{
    size_t       i, la, lb;
    const char  *a, *b, *const *name;

    for (name = names; *name; name++) {
        if (strcasecmp(key, *name) == 0) {
            return *name;
        }

        if (!typo) {
            continue;
        }

        a = key;
        b = *name;
        la = strlen(a);
        lb = strlen(b);

        if (la > lb) {
            a = *name;
            b = key;
            i = la;
            la = lb;
            lb = i;
        }

        if (lb - la > 1) {
            continue;
        }

        for (i = 0; i < la && tolower((unsigned char) a[i])
                              == tolower((unsigned char) b[i]); i++)
        {
            /* void */
        }

        /* one substitution, or one character more in the longer name */
        if (la == lb ? strcasecmp(a + i + 1, b + i + 1) == 0
                     : strcasecmp(a + i, b + i + 1) == 0)
        {
            return *name;
        }
    }

    return NULL;
}


static int
iam_policy_string(iam_policy_ctx_t *ctx, const json_t *value, iam_str_t *s)
{
    if (!json_is_string(value)) {
        iam_policy_error(ctx, "must be a string");
        return IAM_ERROR;
    }

    s->data = json_string_value(value);
    s->len = json_string_length(value);

    /* a NUL would silently cut the value short wherever C strings are used */
    if (memchr(s->data, '\0', s->len) != NULL) {
        iam_policy_error(ctx, "must not contain a NUL character");
        return IAM_ERROR;
    }

    if (s->len > IAM_POLICY_MAX_STRING) {
        iam_policy_error(ctx, "string too long (%zu bytes, at most %d)",
                         s->len, IAM_POLICY_MAX_STRING);
        return IAM_ERROR;
    }

    return IAM_OK;
}


/* a string or a non-empty array: the number of values in *n */
static int
iam_policy_list(iam_policy_ctx_t *ctx, const json_t *value, size_t *n)
{
    if (json_is_string(value)) {
        *n = 1;
        return IAM_OK;
    }

    if (!json_is_array(value)) {
        iam_policy_error(ctx, "must be a string or an array of strings");
        return IAM_ERROR;
    }

    *n = json_array_size(value);

    if (*n == 0) {
        iam_policy_error(ctx, "must not be empty");
        return IAM_ERROR;
    }

    if (*n > IAM_POLICY_MAX_VALUES) {
        iam_policy_error(ctx, "too many values (%zu, at most %d)", *n,
                         IAM_POLICY_MAX_VALUES);
        return IAM_ERROR;
    }

    return IAM_OK;
}


/* the i-th value of a list, its index pushed onto the path when an array */
static const json_t *
iam_policy_list_item(iam_policy_ctx_t *ctx, const json_t *value, size_t i)
{
    if (!json_is_array(value)) {
        return value;
    }

    iam_json_path_push_index(&ctx->path, i);

    return json_array_get(value, i);
}


static void
iam_policy_list_done(iam_policy_ctx_t *ctx, const json_t *value)
{
    if (json_is_array(value)) {
        iam_json_path_pop(&ctx->path);
    }
}


static void *
iam_policy_alloc(iam_policy_ctx_t *ctx, size_t size)
{
    void  *p;

    p = iam_pcalloc(ctx->pool, size);
    if (p == NULL) {
        iam_policy_error(ctx, "out of memory");
    }

    return p;
}


static int
iam_policy_is_account_id(iam_str_t s)
{
    size_t  i;

    if (s.len != 12) {
        return 0;
    }

    for (i = 0; i < 12; i++) {
        if (s.data[i] < '0' || s.data[i] > '9') {
            return 0;
        }
    }

    return 1;
}


static int
iam_policy_has_wildcard(iam_str_t s)
{
    return memchr(s.data, '*', s.len) != NULL
           || memchr(s.data, '?', s.len) != NULL;
}


/*
 * A value as it may appear in a message: control characters escaped (the
 * message ends up in nginx's error log), long values cut at a character
 * boundary.
 */
static const char *
iam_policy_quote(iam_str_t s, char *buf)
{
    size_t         i, n, len;
    unsigned char  c;

    len = s.len;

    if (len > IAM_POLICY_QUOTE_MAX) {
        len = IAM_POLICY_QUOTE_MAX;

        while (len > 0 && ((unsigned char) s.data[len] & 0xc0) == 0x80) {
            len--;
        }
    }

    n = 0;

    for (i = 0; i < len; i++) {
        c = (unsigned char) s.data[i];

        if (c == '\\') {
            buf[n++] = '\\';
            buf[n++] = '\\';

        } else if (c < 0x20 || c == 0x7f) {
            n += (size_t) snprintf(buf + n, 5, "\\x%02x", c);

        } else {
            buf[n++] = (char) c;
        }
    }

    if (len < s.len) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }

    buf[n] = '\0';

    return buf;
}


static void
iam_policy_error(iam_policy_ctx_t *ctx, const char *fmt, ...)
{
    char     msg[1024];
    va_list  args;

    if (ctx->nreported >= IAM_POLICY_MAX_ERRORS) {
        ctx->nsuppressed++;
        return;
    }

    va_start(args, fmt);
    vsnprintf(msg, sizeof(msg), fmt, args);
    va_end(args);

    iam_report(ctx->diags, ctx->src, &ctx->path, "%s", msg);

    ctx->nreported++;
}
