/*
 * Role sessions: the ARN and ids, tags overriding the role's, MFA and token
 * times as condition keys, decisions through the role's policies, boundary,
 * guardrails and a session policy; trust-policy decisions for users, the
 * account, and a GitHub Actions OIDC provider.
 */

#include <time.h>
#include <iam/iam_session.h>
#include <iam/iam_json.h>
#include "tap.h"


#define NOW  1767225600     /* 2026-01-01T00:00:00Z */


static iam_account_t  *account;


static iam_str_t
str(const char *s)
{
    iam_str_t  r;

    r.data = s;
    r.len = strlen(s);

    return r;
}


static const iam_role_t *
role(const char *name)
{
    return iam_account_find_role(account, str(name));
}


static const char *
decide(const iam_session_t *s, time_t now, const char *action,
    const char *resource)
{
    iam_pool_t           *pool;
    iam_result_t          result;
    iam_context_t         ctx;
    iam_request_t         r;
    iam_policies_t        pol;
    iam_context_entry_t   entries[32];

    pool = iam_pool_create();
    iam_context_init(&ctx, entries, 32);

    if (iam_session_context(s, now, &ctx, iam_session_pool_alloc, pool)
        != IAM_OK)
    {
        iam_pool_destroy(pool);
        return "context full";
    }

    iam_session_policies(s, NULL, &pol);

    memset(&r, 0, sizeof(iam_request_t));
    r.principal = &s->principal;
    r.action = str(action);
    r.resource = str(resource);
    r.context = &ctx;

    if (iam_evaluate(&pol, &r, &result, NULL, NULL) != IAM_OK) {
        iam_pool_destroy(pool);
        return "error";
    }

    iam_pool_destroy(pool);

    return iam_decision_name(result.decision);
}


static const char *
value(const iam_session_t *s, const char *key, iam_pool_t *pool)
{
    static char                 buf[256];
    iam_context_t               ctx;
    iam_context_entry_t         entries[32];
    const iam_context_entry_t  *e;

    iam_context_init(&ctx, entries, 32);

    if (iam_session_context(s, NOW + 60, &ctx, iam_session_pool_alloc, pool)
        != IAM_OK)
    {
        return "(context full)";
    }

    e = iam_context_find(&ctx, key);
    if (e == NULL) {
        return "(absent)";
    }

    snprintf(buf, sizeof(buf), "%.*s", (int) e->values[0].len,
             e->values[0].data);

    return buf;
}


static void
test_session(void)
{
    iam_str_t              keys[3], values[3];
    iam_pool_t            *pool;
    const char            *err;
    iam_session_t         *s;
    iam_session_params_t   params;

    pool = iam_pool_create();

    memset(&params, 0, sizeof(iam_session_params_t));
    params.name = str("alice-laptop");
    params.issued = NOW;
    params.expires = NOW + 3600;

    err = NULL;
    s = iam_session_create(account, role("analyst"), &params,
                           iam_session_pool_alloc, pool, &err);

    if (!ok(s != NULL, "a session of analyst")) {
        printf("#   %s\n", err);
        iam_pool_destroy(pool);
        return;
    }

    ok(iam_str_eq_cstr(s->arn, "arn:aws:sts::123456789012:assumed-role/"
                       "analyst/alice-laptop"), "session ARN");
    ok(s->principal.kind == IAM_PRINCIPAL_KIND_SESSION
       && iam_str_eq_cstr(s->principal.role_name, "analyst")
       && iam_str_eq_cstr(s->principal.account, "123456789012"),
       "its principal is an assumed-role session of analyst");
    ok(s->userid.len == 21 + 1 + 12
       && memcmp(s->userid.data, "AROA", 4) == 0
       && memcmp(s->userid.data + 21, ":alice-laptop", 13) == 0,
       "aws:userid is ROLEID:SESSION");

    is_str(value(s, "aws:PrincipalArn", pool),
           "arn:aws:iam::123456789012:role/analyst",
           "aws:PrincipalArn is the role's ARN");
    is_str(value(s, "aws:PrincipalType", pool), "AssumedRole",
           "aws:PrincipalType");
    is_str(value(s, "aws:PrincipalAccount", pool), "123456789012",
           "aws:PrincipalAccount");
    is_str(value(s, "aws:PrincipalTag/team", pool), "blue",
           "role tag without session tags");
    is_str(value(s, "aws:MultiFactorAuthPresent", pool), "false",
           "no MFA: aws:MultiFactorAuthPresent false");
    is_str(value(s, "aws:MultiFactorAuthAge", pool), "(absent)",
           "no MFA: no aws:MultiFactorAuthAge");
    is_str(value(s, "aws:TokenIssueTime", pool), "2026-01-01T00:00:00Z",
           "aws:TokenIssueTime in ISO 8601");
    is_str(value(s, "aws:SourceIdentity", pool), "(absent)",
           "no source identity");
    is_str(value(s, "aws:FederatedProvider", pool), "(absent)",
           "not federated");
    is_str(value(s, "aws:username", pool), "(absent)",
           "sessions have no aws:username");

    is_str(decide(s, NOW, "s3:GetObject", "arn:aws:s3:::data/blue/report"),
           "allowed", "${aws:PrincipalTag/team} from the role's tags");
    is_str(decide(s, NOW, "s3:GetObject", "arn:aws:s3:::data/red/report"),
           "implicitDeny", "another team's prefix");
    is_str(decide(s, NOW, "s3:DeleteObject", "arn:aws:s3:::data/blue/x"),
           "implicitDeny", "delete needs MFA");
    is_str(decide(s, NOW, "ec2:DescribeInstances", "*"), "implicitDeny",
           "role policy allows, the boundary does not");
    is_str(decide(s, NOW, "iam:CreateUser", "*"), "explicitDeny",
           "the guardrail denies iam:*");

    /* session tags override the role's, case-insensitively */

    keys[0] = str("Team");
    values[0] = str("red");
    keys[1] = str("project");
    values[1] = str("apollo");

    params.name = str("bob@example.com");
    params.tag_keys = keys;
    params.tag_values = values;
    params.ntags = 2;
    params.mfa = 1;
    params.auth_time = NOW - 100;
    params.source_identity = str("bob");

    s = iam_session_create(account, role("arn:aws:iam::123456789012:role/"
                                         "analyst"),
                           &params, iam_session_pool_alloc, pool, &err);

    if (!ok(s != NULL, "a tagged MFA session")) {
        printf("#   %s\n", err);
        iam_pool_destroy(pool);
        return;
    }

    is_str(value(s, "aws:PrincipalTag/team", pool), "red",
           "session tag Team overrides role tag team");
    is_str(value(s, "aws:PrincipalTag/project", pool), "apollo",
           "session-only tag");
    is_str(value(s, "aws:PrincipalTag/cost-center", pool), "42",
           "role tag not overridden stays");
    is_str(value(s, "aws:MultiFactorAuthPresent", pool), "true",
           "MFA: aws:MultiFactorAuthPresent true");
    is_str(value(s, "aws:MultiFactorAuthAge", pool), "160",
           "aws:MultiFactorAuthAge counts from the MFA authentication");
    is_str(value(s, "aws:SourceIdentity", pool), "bob",
           "aws:SourceIdentity");

    is_str(decide(s, NOW, "s3:GetObject", "arn:aws:s3:::data/red/report"),
           "allowed", "${aws:PrincipalTag/team} from the session tag");
    is_str(decide(s, NOW, "s3:GetObject", "arn:aws:s3:::data/blue/report"),
           "implicitDeny", "the role's tag value no longer applies");
    is_str(decide(s, NOW, "s3:DeleteObject", "arn:aws:s3:::data/red/x"),
           "allowed", "recent MFA allows delete");
    is_str(decide(s, NOW + 1000, "s3:DeleteObject", "arn:aws:s3:::data/x"),
           "implicitDeny", "MFA older than 300 seconds does not");

    /* invalid parameters */

    params.name = str("has space");
    ok(iam_session_create(account, role("analyst"), &params,
                          iam_session_pool_alloc, pool, &err) == NULL
       && strstr(err, "session name"), "session name with a space refused");

    params.name = str("x");
    ok(iam_session_create(account, role("analyst"), &params,
                          iam_session_pool_alloc, pool, &err) == NULL,
       "one-character session name refused");

    params.name = str("ok-name");
    keys[1] = str("team");
    ok(iam_session_create(account, role("analyst"), &params,
                          iam_session_pool_alloc, pool, &err) == NULL
       && strstr(err, "duplicate"), "tag keys differing in case refused");

    keys[1] = str("project");
    params.expires = NOW;
    ok(iam_session_create(account, role("analyst"), &params,
                          iam_session_pool_alloc, pool, &err) == NULL
       && strstr(err, "expire"), "expiry not after issue refused");

    params.expires = NOW + 3600;
    params.source_identity = str("bad/identity");
    ok(iam_session_create(account, role("analyst"), &params,
                          iam_session_pool_alloc, pool, &err) == NULL
       && strstr(err, "source identity"), "bad source identity refused");

    iam_pool_destroy(pool);
}


static void
test_session_policy(void)
{
    json_t                *doc;
    iam_pool_t            *pool;
    const char            *err;
    iam_diags_t            diags;
    iam_policy_t          *policy;
    iam_session_t         *s;
    iam_session_params_t   params;
    const iam_policy_t    *list[1];

    pool = iam_pool_create();
    iam_diags_init(&diags);

    doc = json_loads("{\"Version\":\"2012-10-17\",\"Statement\":"
                     "{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\","
                     "\"Resource\":\"arn:aws:s3:::data/blue/public/*\"}}",
                     0, NULL);
    policy = iam_policy_compile(pool, doc, "session", IAM_POLICY_IDENTITY,
                                NULL, &diags);
    json_decref(doc);

    if (!ok(policy != NULL, "session policy compiles")) {
        iam_pool_destroy(pool);
        iam_diags_free(&diags);
        return;
    }

    list[0] = policy;

    memset(&params, 0, sizeof(iam_session_params_t));
    params.name = str("narrow");
    params.issued = NOW;
    params.expires = NOW + 900;
    params.policy = iam_policy_set_create(pool, list, 1);

    s = iam_session_create(account, role("analyst"), &params,
                           iam_session_pool_alloc, pool, &err);

    ok(s != NULL, "a session with a session policy");

    if (s) {
        is_str(decide(s, NOW, "s3:GetObject",
                      "arn:aws:s3:::data/blue/public/a"),
               "allowed", "role and session policy both allow");
        is_str(decide(s, NOW, "s3:GetObject",
                      "arn:aws:s3:::data/blue/private/a"),
               "implicitDeny", "the session policy narrows the role");
        is_str(decide(s, NOW, "s3:ListBucket", "arn:aws:s3:::data"),
               "implicitDeny", "what the session policy leaves out");
    }

    iam_diags_free(&diags);
    iam_pool_destroy(pool);
}


static const char *
trust(const char *role_name, const char *caller_arn, const char *action,
    int with_identity, const char *const *kv)
{
    iam_result_t          result;
    iam_context_t         ctx;
    iam_policies_t        pol;
    iam_principal_t       caller;
    const iam_user_t     *user;
    iam_context_entry_t   entries[16];
    static iam_str_t      values[8];
    size_t                i;

    iam_principal_parse(&caller, str(caller_arn));
    iam_context_init(&ctx, entries, 16);

    for (i = 0; kv && kv[2 * i]; i++) {
        values[i] = str(kv[2 * i + 1]);
        iam_context_set(&ctx, str(kv[2 * i]), &values[i], 1);
    }

    if (with_identity) {
        user = iam_account_find_user(account,
                                     str(strrchr(caller_arn, '/') + 1));
        if (user == NULL) {
            return "no such user";
        }

        iam_user_context(account, user, &ctx);
        iam_account_user_policies(account, user, NULL, &pol);
    }

    if (iam_role_trust(account, role(role_name), &caller,
                       with_identity ? &pol : NULL, str(action), &ctx,
                       &result)
        != IAM_OK)
    {
        return "error";
    }

    return iam_decision_name(result.decision);
}


static void
test_trust(void)
{
    iam_result_t     result;
    iam_context_t    ctx;
    iam_principal_t  caller;

    static const char *const  gha_main[] = {
        "token.actions.githubusercontent.com:aud", "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub",
        "repo:octo-org/octo-repo:ref:refs/heads/main",
        NULL
    };
    static const char *const  gha_branch[] = {
        "token.actions.githubusercontent.com:aud", "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub",
        "repo:octo-org/octo-repo:ref:refs/heads/feature",
        NULL
    };
    static const char *const  gha_other_repo[] = {
        "token.actions.githubusercontent.com:aud", "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub",
        "repo:evil-org/octo-repo:ref:refs/heads/main",
        NULL
    };
    static const char *const  gha_aud[] = {
        "token.actions.githubusercontent.com:aud", "example.com",
        "token.actions.githubusercontent.com:sub",
        "repo:octo-org/octo-repo:ref:refs/heads/main",
        NULL
    };
    static const char *const  gha_no_sub[] = {
        "token.actions.githubusercontent.com:aud", "sts.amazonaws.com",
        NULL
    };

    static const char  *gha =
        "arn:aws:iam::123456789012:oidc-provider/"
        "token.actions.githubusercontent.com";
    static const char  *other_idp =
        "arn:aws:iam::123456789012:oidc-provider/accounts.google.com";

    is_str(trust("gha-deploy", gha, "sts:AssumeRoleWithWebIdentity", 0,
                 gha_main),
           "allowed", "GitHub Actions: main branch of the repo");
    is_str(trust("gha-deploy", gha, "sts:AssumeRoleWithWebIdentity", 0,
                 gha_branch),
           "implicitDeny", "GitHub Actions: another branch");
    is_str(trust("gha-deploy", gha, "sts:AssumeRoleWithWebIdentity", 0,
                 gha_other_repo),
           "implicitDeny", "GitHub Actions: another org's repo");
    is_str(trust("gha-deploy", gha, "sts:AssumeRoleWithWebIdentity", 0,
                 gha_aud),
           "implicitDeny", "GitHub Actions: wrong audience");
    is_str(trust("gha-deploy", gha, "sts:AssumeRoleWithWebIdentity", 0,
                 gha_no_sub),
           "implicitDeny", "GitHub Actions: no sub claim");
    is_str(trust("gha-deploy", other_idp, "sts:AssumeRoleWithWebIdentity", 0,
                 gha_main),
           "implicitDeny", "another OIDC provider");
    is_str(trust("gha-deploy", gha, "sts:AssumeRole", 0, gha_main),
           "implicitDeny", "web identity cannot sts:AssumeRole");

    is_str(trust("analyst", "arn:aws:iam::123456789012:user/carol",
                 "sts:AssumeRole", 1, NULL),
           "allowed", "named user, no identity policy needed");
    is_str(trust("analyst", "arn:aws:iam::123456789012:user/carol",
                 "sts:TagSession", 1, NULL),
           "allowed", "named user may tag the session");
    is_str(trust("analyst", "arn:aws:iam::123456789012:user/alice",
                 "sts:AssumeRole", 1, NULL),
           "allowed", "account trusted, identity policy allows");
    is_str(trust("analyst", "arn:aws:iam::123456789012:user/bob",
                 "sts:AssumeRole", 1, NULL),
           "implicitDeny", "account trusted, no identity policy");
    is_str(trust("analyst", "arn:aws:iam::123456789012:user/alice",
                 "sts:AssumeRole", 0, NULL),
           "implicitDeny", "account trusted, caller policies not given");
    is_str(trust("analyst", "arn:aws:iam::123456789012:user/bob",
                 "sts:TagSession", 1, NULL),
           "explicitDeny", "trust policy Deny");
    is_str(trust("analyst", "arn:aws:iam::999999999999:user/carol",
                 "sts:AssumeRole", 0, NULL),
           "implicitDeny", "same name, another account");
    is_str(trust("gha-deploy", "arn:aws:iam::123456789012:user/alice",
                 "sts:AssumeRole", 1, NULL),
           "implicitDeny", "identity policy alone cannot assume a role");

    iam_principal_parse(&caller, str(gha));
    iam_context_init(&ctx, NULL, 0);
    ok(iam_role_trust(account, NULL, &caller, NULL,
                      str("sts:AssumeRole"), &ctx, &result) == IAM_ERROR
       && result.decision == IAM_IMPLICIT_DENY, "no role: error, denied");
}


static const char *
decide_with(const iam_session_t *s, const iam_policy_t *resource_policy,
    const char *action, const char *resource)
{
    iam_pool_t           *pool;
    iam_result_t          result;
    iam_context_t         ctx;
    iam_request_t         r;
    iam_policies_t        pol;
    iam_context_entry_t   entries[32];

    pool = iam_pool_create();
    iam_context_init(&ctx, entries, 32);
    iam_session_context(s, NOW, &ctx, iam_session_pool_alloc, pool);
    iam_session_policies(s, resource_policy, &pol);

    memset(&r, 0, sizeof(iam_request_t));
    r.principal = &s->principal;
    r.action = str(action);
    r.resource = str(resource);
    r.resource_account = str("123456789012");
    r.context = &ctx;

    iam_evaluate(&pol, &r, &result, NULL, NULL);
    iam_pool_destroy(pool);

    return iam_decision_name(result.decision);
}


static iam_policy_t *
resource_policy(iam_pool_t *pool, const char *text)
{
    json_t        *doc;
    iam_diags_t    diags;
    iam_policy_t  *policy;

    iam_diags_init(&diags);
    doc = json_loads(text, 0, NULL);
    policy = iam_policy_compile(pool, doc, "bucket", IAM_POLICY_RESOURCE,
                                NULL, &diags);
    json_decref(doc);

    if (diags.nitems) {
        printf("#   %s\n", diags.items[0].message);
    }

    iam_diags_free(&diags);

    return policy;
}


/* resource policies naming the session, its role, or all but the role */
static void
test_resource_policies(void)
{
    iam_pool_t            *pool;
    const char            *err;
    iam_policy_t          *by_role, *by_session, *not_role;
    iam_session_t         *s;
    iam_session_params_t   params;

    pool = iam_pool_create();

    by_role = resource_policy(pool,
        "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\","
        "\"Principal\":{\"AWS\":\"arn:aws:iam::123456789012:role/analyst\"},"
        "\"Action\":\"s3:GetObject\","
        "\"Resource\":\"arn:aws:s3:::data/shared/*\"}}");
    by_session = resource_policy(pool,
        "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\","
        "\"Principal\":{\"AWS\":\"arn:aws:sts::123456789012:assumed-role/"
        "analyst/job-7\"},\"Action\":\"ec2:RunInstances\","
        "\"Resource\":\"*\"}}");
    not_role = resource_policy(pool,
        "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Deny\","
        "\"NotPrincipal\":{\"AWS\":[\"arn:aws:iam::123456789012:role/analyst\","
        "\"arn:aws:sts::123456789012:assumed-role/analyst/job-7\","
        "\"123456789012\"]},"
        "\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}}");

    if (!ok(by_role && by_session && not_role, "resource policies compile")) {
        iam_pool_destroy(pool);
        return;
    }

    memset(&params, 0, sizeof(iam_session_params_t));
    params.name = str("job-7");
    params.issued = NOW;
    params.expires = NOW + 900;

    s = iam_session_create(account, role("analyst"), &params,
                           iam_session_pool_alloc, pool, &err);

    if (!ok(s != NULL, "session job-7 of analyst")) {
        iam_pool_destroy(pool);
        return;
    }

    is_str(decide_with(s, NULL, "s3:GetObject", "arn:aws:s3:::data/shared/a"),
           "implicitDeny", "the role's policies alone do not reach shared/");
    is_str(decide_with(s, by_role, "s3:GetObject",
                       "arn:aws:s3:::data/shared/a"),
           "allowed", "a resource policy naming the role stands in for its "
           "identity policies (the boundary allows s3)");
    is_str(decide_with(s, by_session, "ec2:RunInstances", "*"),
           "allowed", "one naming the session itself allows on its own, "
           "past the boundary");
    is_str(decide_with(s, not_role, "s3:GetObject",
                       "arn:aws:s3:::data/blue/a"),
           "allowed", "NotPrincipal listing account, role and session: the "
           "Deny does not apply");

    params.name = str("job-8");
    s = iam_session_create(account, role("analyst"), &params,
                           iam_session_pool_alloc, pool, &err);

    is_str(decide_with(s, not_role, "s3:GetObject",
                       "arn:aws:s3:::data/blue/a"),
           "explicitDeny", "another session of the same role is not listed: "
           "the Deny applies");

    iam_pool_destroy(pool);
}


/* a session made of a verified web identity, as the JWT glue makes it */
static void
test_federated(void)
{
    iam_pool_t            *pool;
    const char            *err;
    iam_session_t         *s;
    iam_session_params_t   params;

    pool = iam_pool_create();

    memset(&params, 0, sizeof(iam_session_params_t));
    params.name = str("octo-repo-run-42");
    params.issued = NOW;
    params.expires = NOW + 600;
    params.federated_provider = str("arn:aws:iam::123456789012:"
                                    "oidc-provider/"
                                    "token.actions.githubusercontent.com");

    s = iam_session_create(account, role("gha-deploy"), &params,
                           iam_session_pool_alloc, pool, &err);

    if (ok(s != NULL, "a web-identity session")) {
        is_str(value(s, "aws:FederatedProvider", pool),
               "arn:aws:iam::123456789012:oidc-provider/"
               "token.actions.githubusercontent.com",
               "aws:FederatedProvider");
        is_str(value(s, "aws:PrincipalTag/team", pool), "(absent)",
               "a role without tags gives no principal tags");
        is_str(decide(s, NOW, "s3:PutObject", "arn:aws:s3:::artifacts/x"),
               "allowed", "the role's policy decides");
        is_str(decide(s, NOW, "iam:CreateRole", "*"), "explicitDeny",
               "guardrails apply to sessions");
    }

    iam_pool_destroy(pool);
}


int
main(void)
{
    iam_diags_t  diags;

    iam_diags_init(&diags);
    account = iam_account_load("accounts/sessions.json", &diags);

    if (!ok(account != NULL, "sessions.json loads")) {
        if (diags.nitems) {
            printf("#   %s\n", diags.items[0].message);
        }
        iam_diags_free(&diags);
        return tap_done();
    }

    test_session();
    test_session_policy();
    test_trust();
    test_resource_policies();
    test_federated();

    iam_account_free(account);
    iam_diags_free(&diags);

    return tap_done();
}
