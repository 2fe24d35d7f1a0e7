/*
 * ngx_iam engine: role sessions (arn:aws:sts::A:assumed-role/R/S) and the
 * trust-policy decision that lets a caller assume a role.
 */

#include <stdio.h>
#include <iam/iam_session.h>


static iam_str_t iam_session_strdup(iam_session_alloc_pt alloc, void *data,
    iam_str_t s);
static iam_str_t iam_session_concat(iam_session_alloc_pt alloc, void *data,
    iam_str_t a, iam_str_t b, iam_str_t c);
static int iam_session_tags(iam_session_t *s,
    const iam_session_params_t *params, iam_session_alloc_pt alloc,
    void *data, const char **err);
static int iam_session_chars_valid(iam_str_t s, const char *extra);
static void iam_role_trust_allow(void *data, const char *role,
    const iam_statement_t *st, iam_explain_e why,
    const iam_condition_t *cond);


static const iam_str_t  iam_session_type = iam_string("AssumedRole");
static const iam_str_t  iam_session_true = iam_string("true");
static const iam_str_t  iam_session_false = iam_string("false");
static const iam_str_t  iam_session_tag_prefix =
    iam_string("aws:PrincipalTag/");


void *
iam_session_pool_alloc(void *pool, size_t size)
{
    return iam_palloc(pool, size);
}


int
iam_session_name_valid(iam_str_t name)
{
    return name.len >= IAM_SESSION_NAME_MIN
           && name.len <= IAM_SESSION_NAME_MAX
           && iam_session_chars_valid(name, "_+=,.@-");
}


/* letters, digits and the extra characters: AWS's [\w+=,.@-] and kin */
static int
iam_session_chars_valid(iam_str_t s, const char *extra)
{
    size_t         i;
    unsigned char  c;

    for (i = 0; i < s.len; i++) {
        c = (unsigned char) s.data[i];

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || (c != '\0' && strchr(extra, c)))
        {
            continue;
        }

        return 0;
    }

    return 1;
}


iam_session_t *
iam_session_create(const iam_account_t *account, const iam_role_t *role,
    const iam_session_params_t *params, iam_session_alloc_pt alloc,
    void *data, const char **err)
{
    char            *p;
    struct tm        tm;
    iam_str_t        prefix, colon;
    iam_session_t   *s;

    static const iam_str_t  slash = iam_string("/");

    if (account == NULL || role == NULL || params == NULL) {
        *err = "no account, role or session parameters";
        return NULL;
    }

    if (!iam_session_name_valid(params->name)) {
        *err = "the session name must be 2 to 64 characters of "
               "[A-Za-z0-9_+=,.@-]";
        return NULL;
    }

    if (params->source_identity.len
        && (params->source_identity.len < 2
            || params->source_identity.len > IAM_SESSION_SOURCE_ID_MAX
            || !iam_session_chars_valid(params->source_identity,
                                        "_+=,.@-")))
    {
        *err = "the source identity must be 2 to 64 characters of "
               "[A-Za-z0-9_+=,.@-]";
        return NULL;
    }

    if (params->issued <= 0 || params->expires <= params->issued) {
        *err = "the session must expire after it is issued";
        return NULL;
    }

    if (params->mfa && params->auth_time > params->issued) {
        *err = "the MFA authentication time is after the issue time";
        return NULL;
    }

    s = alloc(data, sizeof(iam_session_t));
    if (s == NULL) {
        goto nomem;
    }

    memset(s, 0, sizeof(iam_session_t));

    s->account = account;
    s->role = role;
    s->mfa = params->mfa;
    s->auth_time = params->mfa ? (params->auth_time ? params->auth_time
                                                    : params->issued)
                               : 0;
    s->issued = params->issued;
    s->expires = params->expires;
    s->policy = params->policy;

    s->name = iam_session_strdup(alloc, data, params->name);

    /* arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION */
    p = alloc(data, sizeof("arn:aws:sts:::assumed-role/") + account->id.len);
    if (s->name.data == NULL || p == NULL) {
        goto nomem;
    }

    prefix.data = p;
    prefix.len = sprintf(p, "arn:aws:sts::%.*s:assumed-role/",
                         (int) account->id.len, account->id.data);

    s->arn = iam_session_concat(alloc, data, prefix, role->name, slash);
    s->arn = iam_session_concat(alloc, data, s->arn, s->name,
                                (iam_str_t) iam_null_string);

    iam_str_set(&colon, ":");
    s->userid = iam_session_concat(alloc, data, role->roleid, colon,
                                   s->name);

    s->source_identity = iam_session_strdup(alloc, data,
                                            params->source_identity);
    s->federated_provider = iam_session_strdup(alloc, data,
                                               params->federated_provider);

    p = alloc(data, sizeof("YYYY-MM-DDThh:mm:ssZ"));

    if (s->arn.data == NULL || s->userid.data == NULL || p == NULL
        || (params->source_identity.len && s->source_identity.data == NULL)
        || (params->federated_provider.len
            && s->federated_provider.data == NULL))
    {
        goto nomem;
    }

    if (gmtime_r(&s->issued, &tm) == NULL) {
        *err = "the issue time is out of range";
        return NULL;
    }

    s->issue_time.data = p;
    s->issue_time.len = strftime(p, sizeof("YYYY-MM-DDThh:mm:ssZ"),
                                 "%Y-%m-%dT%H:%M:%SZ", &tm);

    iam_principal_parse(&s->principal, s->arn);

    if (iam_session_tags(s, params, alloc, data, err) != IAM_OK) {
        return NULL;
    }

    return s;

nomem:

    *err = "out of memory";
    return NULL;
}


static int
iam_session_tags(iam_session_t *s, const iam_session_params_t *params,
    iam_session_alloc_pt alloc, void *data, const char **err)
{
    size_t      i, j;
    iam_tag_t  *t;

    if (params->ntags == 0) {
        return IAM_OK;
    }

    if (params->ntags > IAM_SESSION_MAX_TAGS) {
        *err = "a session has at most 50 tags";
        return IAM_ERROR;
    }

    t = alloc(data, params->ntags * sizeof(iam_tag_t));
    if (t == NULL) {
        *err = "out of memory";
        return IAM_ERROR;
    }

    for (i = 0; i < params->ntags; i++) {

        if (params->tag_keys[i].len == 0
            || params->tag_keys[i].len > IAM_SESSION_TAG_KEY_MAX
            || !iam_session_chars_valid(params->tag_keys[i], " _.:/=+-@"))
        {
            *err = "a session tag key must be 1 to 128 characters of "
                   "[A-Za-z0-9 _.:/=+-@]";
            return IAM_ERROR;
        }

        if (params->tag_values[i].len > IAM_SESSION_TAG_VALUE_MAX
            || !iam_session_chars_valid(params->tag_values[i], " _.:/=+-@"))
        {
            *err = "a session tag value must be 0 to 256 characters of "
                   "[A-Za-z0-9 _.:/=+-@]";
            return IAM_ERROR;
        }

        /* keys are case-insensitive, and unique, as in STS */
        for (j = 0; j < i; j++) {
            if (iam_str_eq_icase(params->tag_keys[i], params->tag_keys[j])) {
                *err = "duplicate session tag key";
                return IAM_ERROR;
            }
        }

        t[i].key = iam_session_strdup(alloc, data, params->tag_keys[i]);
        t[i].value = iam_session_strdup(alloc, data, params->tag_values[i]);
        t[i].context_key = iam_session_concat(alloc, data,
                                              iam_session_tag_prefix,
                                              params->tag_keys[i],
                                              (iam_str_t) iam_null_string);

        if (t[i].key.data == NULL || t[i].context_key.data == NULL
            || (params->tag_values[i].len && t[i].value.data == NULL))
        {
            *err = "out of memory";
            return IAM_ERROR;
        }
    }

    s->tags = t;
    s->ntags = params->ntags;

    return IAM_OK;
}


static iam_str_t
iam_session_strdup(iam_session_alloc_pt alloc, void *data, iam_str_t s)
{
    char       *p;
    iam_str_t   r;

    r.len = 0;
    r.data = NULL;

    if (s.len == 0) {
        r.data = "";
        return r;
    }

    p = alloc(data, s.len + 1);
    if (p == NULL) {
        return r;
    }

    memcpy(p, s.data, s.len);
    p[s.len] = '\0';

    r.data = p;
    r.len = s.len;

    return r;
}


/* a + b + c, NUL-terminated; data NULL when a part is missing or no memory */
static iam_str_t
iam_session_concat(iam_session_alloc_pt alloc, void *data, iam_str_t a,
    iam_str_t b, iam_str_t c)
{
    char       *p;
    iam_str_t   r;

    r.len = 0;
    r.data = NULL;

    if (a.data == NULL || b.data == NULL) {
        return r;
    }

    p = alloc(data, a.len + b.len + c.len + 1);
    if (p == NULL) {
        return r;
    }

    memcpy(p, a.data, a.len);
    memcpy(p + a.len, b.data, b.len);
    if (c.len) {
        memcpy(p + a.len + b.len, c.data, c.len);
    }
    p[a.len + b.len + c.len] = '\0';

    r.data = p;
    r.len = a.len + b.len + c.len;

    return r;
}


void
iam_session_policies(const iam_session_t *s,
    const iam_policy_t *resource_policy, iam_policies_t *policies)
{
    memset(policies, 0, sizeof(iam_policies_t));

    policies->identity = s->role->identity;
    policies->boundary = s->role->boundary;
    policies->resource_policy = resource_policy;
    policies->guardrails = (const iam_policy_set_t *const *)
                           s->account->guardrails;
    policies->nguardrails = s->account->nguardrails;
    policies->session = s->policy;
}


int
iam_session_context(const iam_session_t *s, time_t now, iam_context_t *ctx,
    iam_session_alloc_pt alloc, void *data)
{
    int         n;
    char       *p;
    size_t      i;
    iam_str_t  *age;

    static const iam_str_t  parn = iam_string("aws:PrincipalArn");
    static const iam_str_t  pacct = iam_string("aws:PrincipalAccount");
    static const iam_str_t  userid = iam_string("aws:userid");
    static const iam_str_t  ptype = iam_string("aws:PrincipalType");
    static const iam_str_t  mfa = iam_string("aws:MultiFactorAuthPresent");
    static const iam_str_t  mfa_age = iam_string("aws:MultiFactorAuthAge");
    static const iam_str_t  issued = iam_string("aws:TokenIssueTime");
    static const iam_str_t  source = iam_string("aws:SourceIdentity");
    static const iam_str_t  fed = iam_string("aws:FederatedProvider");

    if (iam_context_set(ctx, parn, &s->role->arn, 1) != IAM_OK
        || iam_context_set(ctx, pacct, &s->account->id, 1) != IAM_OK
        || iam_context_set(ctx, userid, &s->userid, 1) != IAM_OK
        || iam_context_set(ctx, ptype, &iam_session_type, 1) != IAM_OK
        || iam_context_set(ctx, issued, &s->issue_time, 1) != IAM_OK
        || iam_context_set(ctx, mfa, s->mfa ? &iam_session_true
                                            : &iam_session_false, 1)
           != IAM_OK)
    {
        return IAM_ERROR;
    }

    if (s->mfa) {
        p = alloc(data, sizeof(iam_str_t) + 24);
        if (p == NULL) {
            return IAM_ERROR;
        }

        age = (iam_str_t *) p;
        n = snprintf(p + sizeof(iam_str_t), 24, "%lld",
                     (long long) (now > s->auth_time ? now - s->auth_time
                                                     : 0));
        age->data = p + sizeof(iam_str_t);
        age->len = n;

        if (iam_context_set(ctx, mfa_age, age, 1) != IAM_OK) {
            return IAM_ERROR;
        }
    }

    if (s->source_identity.len
        && iam_context_set(ctx, source, &s->source_identity, 1) != IAM_OK)
    {
        return IAM_ERROR;
    }

    if (s->federated_provider.len
        && iam_context_set(ctx, fed, &s->federated_provider, 1) != IAM_OK)
    {
        return IAM_ERROR;
    }

    /* the role's tags, then the session's, which replace same keys */

    for (i = 0; i < s->role->ntags; i++) {
        if (iam_context_set(ctx, s->role->tags[i].context_key,
                            &s->role->tags[i].value, 1)
            != IAM_OK)
        {
            return IAM_ERROR;
        }
    }

    for (i = 0; i < s->ntags; i++) {
        if (iam_context_set(ctx, s->tags[i].context_key, &s->tags[i].value, 1)
            != IAM_OK)
        {
            return IAM_ERROR;
        }
    }

    return IAM_OK;
}


int
iam_role_trust(const iam_account_t *account, const iam_role_t *role,
    const iam_principal_t *caller, const iam_policies_t *caller_policies,
    iam_str_t action, const iam_context_t *ctx, iam_result_t *result)
{
    int             trust_allows;
    iam_request_t   r;
    iam_policies_t  pol;

    result->decision = IAM_IMPLICIT_DENY;
    result->statement = NULL;

    if (account == NULL || role == NULL || role->trust == NULL
        || caller == NULL || action.len == 0 || ctx == NULL)
    {
        return IAM_ERROR;
    }

    memset(&r, 0, sizeof(iam_request_t));
    r.principal = caller;
    r.action = action;
    r.resource = role->arn;
    r.resource_account = account->id;
    r.context = ctx;

    /*
     * Unlike other resource policies, a trust policy must itself allow:
     * the caller's identity policies alone never let it assume a role.
     * Trust policies are a few statements, so the explaining pass is cheap.
     */

    memset(&pol, 0, sizeof(iam_policies_t));
    pol.resource_policy = role->trust;
    trust_allows = 0;

    if (iam_evaluate(&pol, &r, result, iam_role_trust_allow, &trust_allows)
        != IAM_OK)
    {
        return IAM_ERROR;
    }

    if (result->decision == IAM_EXPLICIT_DENY) {
        return IAM_OK;
    }

    result->decision = IAM_IMPLICIT_DENY;
    result->statement = NULL;

    if (!trust_allows) {
        return IAM_OK;
    }

    if (caller_policies) {
        pol = *caller_policies;
        pol.resource_policy = role->trust;
    }

    return iam_evaluate(&pol, &r, result, NULL, NULL);
}


static void
iam_role_trust_allow(void *data, const char *role, const iam_statement_t *st,
    iam_explain_e why, const iam_condition_t *cond)
{
    if (why == IAM_EXPLAIN_MATCHED && st->effect == IAM_EFFECT_ALLOW) {
        *(int *) data = 1;
    }
}
