/*
 * Policy documents from the AWS IAM documentation compile, with the
 * statements, flags, principals and patterns the evaluator expects.
 *
 * Each document is freed right after it is compiled, so ASan catches any
 * string of the compiled policy that still points into jansson's memory.
 */

#include <iam/iam_policy.h>
#include "tap.h"


static iam_policy_t *compile_file(iam_pool_t *pool, const char *file,
    iam_policy_kind_e kind, const char *name);
static iam_policy_t *compile_text(iam_pool_t *pool, const char *text,
    iam_policy_kind_e kind, const char *name);
static const char *str(iam_str_t s);
static const char *label(const iam_statement_t *st);
static const char *action(const iam_statement_t *st, size_t i);
static int has_variable(const iam_arn_pattern_t *arn);

static void test_s3_home_directory(void);
static void test_mfa(void);
static void test_source_ip(void);
static void test_date_window(void);
static void test_tag_keys(void);
static void test_bucket_policy(void);
static void test_not_principal(void);
static void test_trust_policies(void);
static void test_not_resource(void);
static void test_version_2008(void);
static void test_kinds(void);
static void test_principal_forms(void);
static void test_string_limit(void);
static void test_labels(void);


static iam_pool_t  *pool;


static iam_policy_t *
compile_file(iam_pool_t *pool, const char *file, iam_policy_kind_e kind,
    const char *name)
{
    char           buf[1024];
    char          *text;
    size_t         len, i;
    json_t        *doc;
    iam_diags_t    diags;
    iam_policy_t  *policy;
    iam_source_t   src;

    iam_diags_init(&diags);
    policy = NULL;

    doc = iam_json_load_file(file, &text, &len, &diags);

    if (doc) {
        memset(&src, 0, sizeof(iam_source_t));
        src.file = file;
        src.text = text;
        src.len = len;

        policy = iam_policy_compile(pool, doc, name, kind, &src, &diags);

        json_decref(doc);
        free(text);
    }

    for (i = 0; i < diags.nitems; i++) {
        iam_diag_format(&diags.items[i], buf, sizeof(buf));
        printf("# %s\n", buf);
    }

    ok(policy != NULL && diags.nitems == 0, "%s compiles", file);

    iam_diags_free(&diags);

    return policy;
}


static iam_policy_t *
compile_text(iam_pool_t *pool, const char *text, iam_policy_kind_e kind,
    const char *name)
{
    char           buf[1024];
    size_t         i;
    json_t        *doc;
    iam_diags_t    diags;
    iam_policy_t  *policy;
    iam_source_t   src;

    iam_diags_init(&diags);
    policy = NULL;

    doc = iam_json_load_buffer("inline.json", text, strlen(text), &diags);

    if (doc) {
        memset(&src, 0, sizeof(iam_source_t));
        src.file = "inline.json";
        src.text = text;
        src.len = strlen(text);

        policy = iam_policy_compile(pool, doc, name, kind, &src, &diags);
        json_decref(doc);
    }

    for (i = 0; i < diags.nitems; i++) {
        iam_diag_format(&diags.items[i], buf, sizeof(buf));
        printf("# %s\n", buf);
    }

    iam_diags_free(&diags);

    return policy;
}


/* iam_str_t as a C string, for is_str (test strings are short) */
static const char *
str(iam_str_t s)
{
    static char  buf[8][512];
    static int   n;
    char        *p;

    p = buf[n++ % 8];
    snprintf(p, 512, "%.*s", (int) s.len, s.data ? s.data : "");

    return p;
}


static const char *
label(const iam_statement_t *st)
{
    static char  buf[256];

    iam_statement_label(st, buf, sizeof(buf));

    return buf;
}


static const char *
action(const iam_statement_t *st, size_t i)
{
    return i < st->nactions ? str(st->actions[i].text) : "(none)";
}


static int
has_variable(const iam_arn_pattern_t *arn)
{
    int  i;

    for (i = 0; i < 6; i++) {
        if (arn->segments[i].has_variable) {
            return 1;
        }
    }

    return 0;
}


static void
test_s3_home_directory(void)
{
    iam_policy_t     *p;
    iam_statement_t  *st;

    p = compile_file(pool, "policies/s3-home-directory.json",
                     IAM_POLICY_IDENTITY, "HomeDirectory");
    if (p == NULL) {
        return;
    }

    is_int(p->version, 2012, "home: Version 2012-10-17");
    is_int(p->kind, IAM_POLICY_IDENTITY, "home: kind kept");
    is_str(str(p->name), "HomeDirectory", "home: name kept");
    is_int(p->nstatements, 3, "home: 3 statements");

    st = &p->statements[0];
    ok(st->policy == p, "home: statement points back to its policy");
    is_str(str(st->sid), "S3ConsoleAccess", "home: Sid of statement 0");
    is_int(st->effect, IAM_EFFECT_ALLOW, "home: Allow");
    is_int(st->nactions, 7, "home: 7 console actions");
    is_str(action(st, 0), "s3:getaccountpublicaccessblock",
           "home: actions stored lowercased");
    is_str(action(st, 6), "s3:listallmybuckets", "home: last action");
    ok(!st->not_action && !st->not_resource && !st->has_principal,
       "home: no Not* flags, no principal");
    ok(st->has_resource && st->nresources == 1 && st->resources[0].any,
       "home: Resource \"*\" is any");
    is_int(st->nconditions, 0, "home: statement 0 has no Condition");

    st = &p->statements[1];
    is_int(st->index, 1, "home: index 1");
    is_str(action(st, 0), "s3:listbucket", "home: s3:ListBucket");
    ok(st->nresources == 1 && !st->resources[0].any,
       "home: bucket ARN is not any");
    is_int(st->nconditions, 1, "home: StringLike s3:prefix compiled");

    st = &p->statements[2];
    is_int(st->sid.len, 0, "home: statement 2 has no Sid");
    is_str(action(st, 0), "s3:*", "home: s3:*");
    ok(st->actions[0].has_wildcard, "home: s3:* has a wildcard");
    is_int(st->nresources, 2, "home: two resources");
    ok(st->nresources == 2 && has_variable(&st->resources[1]),
       "home: ${aws:username} is a variable in a 2012-10-17 policy");
    is_str(label(st), "HomeDirectory/2", "home: label by index");
    is_str(label(&p->statements[1]), "HomeDirectory/ListObjectsInBucket",
           "home: label by Sid");
}


static void
test_mfa(void)
{
    iam_policy_t     *p;
    iam_statement_t  *st;

    p = compile_file(pool, "policies/mfa-self-manage.json",
                     IAM_POLICY_IDENTITY, "ManageOwnMFA");
    if (p == NULL) {
        return;
    }

    is_int(p->nstatements, 4, "mfa: 4 statements");

    st = &p->statements[2];
    is_int(st->nactions, 6, "mfa: 6 MFA actions");
    is_str(action(st, 1), "iam:enablemfadevice", "mfa: iam:EnableMFADevice");
    ok(st->nresources == 1 && has_variable(&st->resources[0]),
       "mfa: user/${aws:username} has a variable");

    st = &p->statements[3];
    is_str(str(st->sid), "DenyAllExceptListedIfNoMFA", "mfa: deny Sid");
    is_int(st->effect, IAM_EFFECT_DENY, "mfa: Deny");
    ok(st->not_action, "mfa: NotAction flag");
    is_int(st->nactions, 7, "mfa: 7 NotAction values");
    is_str(action(st, 6), "sts:getsessiontoken", "mfa: sts:GetSessionToken");
    is_int(st->nconditions, 1, "mfa: BoolIfExists compiled");
}


static void
test_source_ip(void)
{
    iam_policy_t     *p;
    iam_statement_t  *st;

    p = compile_file(pool, "policies/deny-source-ip.json",
                     IAM_POLICY_IDENTITY, "DenyOutsideIp");
    if (p == NULL) {
        return;
    }

    is_int(p->nstatements, 1, "ip: Statement as a single object");
    st = &p->statements[0];
    is_int(st->index, 0, "ip: index 0");
    is_int(st->effect, IAM_EFFECT_DENY, "ip: Deny");
    is_str(action(st, 0), "*", "ip: Action \"*\"");
    is_int(st->nconditions, 2, "ip: NotIpAddress and Bool");
}


static void
test_date_window(void)
{
    iam_policy_t  *p;

    p = compile_file(pool, "policies/date-window.json", IAM_POLICY_IDENTITY,
                     "DateWindow");
    if (p == NULL) {
        return;
    }

    is_int(p->statements[0].nconditions, 2,
           "date: DateGreaterThan and DateLessThan");
    is_str(action(&p->statements[0], 0), "ec2:startinstances",
           "date: ec2:StartInstances");
}


static void
test_tag_keys(void)
{
    iam_policy_t  *p;

    p = compile_file(pool, "policies/tag-keys.json", IAM_POLICY_IDENTITY,
                     "TagKeys");
    if (p == NULL) {
        return;
    }

    is_int(p->nstatements, 2, "tags: 2 statements");
    is_int(p->statements[0].nconditions, 1, "tags: ForAllValues compiled");
    is_int(p->statements[1].nconditions, 1, "tags: ForAnyValue compiled");
    is_int(p->statements[1].effect, IAM_EFFECT_DENY, "tags: Deny");
}


static void
test_bucket_policy(void)
{
    iam_policy_t                 *p;
    iam_statement_t              *st;
    const iam_principal_entry_t  *pe;

    p = compile_file(pool, "policies/bucket-policy.json", IAM_POLICY_RESOURCE,
                     "");
    if (p == NULL) {
        return;
    }

    is_str(str(p->id), "ExamplePolicy01", "bucket: Id kept");
    is_int(p->nstatements, 3, "bucket: 3 statements");

    st = &p->statements[0];
    ok(st->has_principal && !st->not_principal, "bucket: Principal");
    is_int(st->nprincipals, 2, "bucket: two accounts");
    pe = &st->principals[0];
    is_int(pe->type, IAM_PRINCIPAL_ACCOUNT, "bucket: :root is the account");
    is_str(str(pe->account), "111122223333", "bucket: account of :root");
    is_str(str(pe->text), "arn:aws:iam::111122223333:root",
           "bucket: text as written");
    is_str(str(st->principals[1].account), "444455556666",
           "bucket: second account");
    is_str(label(st), "ExamplePolicy01/AddCannedAcl",
           "bucket: label falls back on Id without a name");

    st = &p->statements[1];
    is_int(st->nprincipals, 5, "bucket: AWS values and a CanonicalUser");

    if (st->nprincipals == 5) {
        pe = &st->principals[0];
        is_int(pe->type, IAM_PRINCIPAL_EXACT, "bucket: user is exact");
        is_str(str(pe->value), "arn:aws:iam::123456789012:user/user-name-1",
               "bucket: user value is the ARN");
        is_str(str(pe->account), "123456789012", "bucket: user account");

        pe = &st->principals[1];
        is_int(pe->type, IAM_PRINCIPAL_EXACT, "bucket: session is exact");
        is_str(str(pe->value), "arn:aws:sts::123456789012:assumed-role/"
               "role-name/role-session-name", "bucket: session ARN");

        pe = &st->principals[2];
        is_int(pe->type, IAM_PRINCIPAL_ROLE, "bucket: role");
        is_str(str(pe->value), "JohnDoe", "bucket: role name without path");
        is_str(str(pe->account), "123456789012", "bucket: role account");

        pe = &st->principals[3];
        is_int(pe->type, IAM_PRINCIPAL_ACCOUNT, "bucket: bare account id");
        is_str(str(pe->account), "123456789012", "bucket: account id");

        pe = &st->principals[4];
        is_int(pe->type, IAM_PRINCIPAL_EXACT, "bucket: CanonicalUser exact");
        is_str(str(pe->value), "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8"
               "f8d5218e7cd47ef2be", "bucket: canonical id");
    }

    st = &p->statements[2];
    ok(st->nprincipals == 1 && st->principals[0].type == IAM_PRINCIPAL_ANY,
       "bucket: Principal \"*\" is any");
    is_str(str(st->principals[0].text), "*", "bucket: \"*\" as written");
    is_int(st->effect, IAM_EFFECT_DENY, "bucket: TLS-only is a Deny");
    is_int(st->nconditions, 1, "bucket: aws:SecureTransport");
}


static void
test_not_principal(void)
{
    iam_policy_t     *p;
    iam_statement_t  *st;

    p = compile_file(pool, "policies/not-principal.json", IAM_POLICY_RESOURCE,
                     "NotPrincipal");
    if (p == NULL) {
        return;
    }

    st = &p->statements[0];
    ok(st->has_principal && st->not_principal, "notprincipal: flag");
    is_int(st->nprincipals, 3, "notprincipal: 3 entries");

    if (st->nprincipals == 3) {
        is_int(st->principals[0].type, IAM_PRINCIPAL_EXACT,
               "notprincipal: session");
        is_int(st->principals[1].type, IAM_PRINCIPAL_ROLE,
               "notprincipal: role");
        is_str(str(st->principals[1].value), "cross-account-read-only-role",
               "notprincipal: role name");
        is_int(st->principals[2].type, IAM_PRINCIPAL_ACCOUNT,
               "notprincipal: account");
    }
}


static void
test_trust_policies(void)
{
    iam_policy_t     *p;
    iam_statement_t  *st;

    p = compile_file(pool, "policies/trust-cognito.json", IAM_POLICY_TRUST,
                     "CognitoTrust");
    if (p) {
        st = &p->statements[0];
        ok(!st->has_resource, "cognito: no Resource in a trust policy");
        ok(st->nprincipals == 1
           && st->principals[0].type == IAM_PRINCIPAL_EXACT,
           "cognito: Federated is exact");
        is_str(str(st->principals[0].value), "cognito-identity.amazonaws.com",
               "cognito: provider as written");
        is_int(st->principals[0].account.len, 0, "cognito: no account");
        is_str(action(st, 0), "sts:assumerolewithwebidentity",
               "cognito: action lowercased");
        is_int(st->nconditions, 2, "cognito: StringEquals and ForAnyValue");
    }

    p = compile_file(pool, "policies/trust-github-oidc.json",
                     IAM_POLICY_TRUST, "GitHubTrust");
    if (p) {
        st = &p->statements[0];
        is_str(str(st->principals[0].account), "123456789012",
               "github: provider ARN names its account");
        is_int(st->nconditions, 2, "github: StringEquals and StringLike");

        st = &p->statements[1];
        is_int(st->nprincipals, 2, "github: two services");
        is_str(str(st->principals[1].value), "lambda.amazonaws.com",
               "github: Service as written");
        is_int(st->nconditions, 0, "github: no Condition");
    }
}


static void
test_not_resource(void)
{
    iam_policy_t  *p;

    p = compile_file(pool, "policies/not-resource.json", IAM_POLICY_IDENTITY,
                     "NotResource");
    if (p) {
        ok(p->statements[0].not_resource && p->statements[0].has_resource,
           "notresource: flags");
        is_int(p->statements[0].nresources, 2, "notresource: 2 ARNs");
    }

    p = compile_file(pool, "policies/deny-regions.json", IAM_POLICY_IDENTITY,
                     "DenyRegions");
    if (p) {
        ok(p->statements[0].not_action, "regions: NotAction");
        is_int(p->statements[0].nactions, 4, "regions: 4 services");
        ok(p->statements[0].actions[0].has_wildcard,
           "regions: cloudfront:* has a wildcard");
    }
}


static void
test_version_2008(void)
{
    iam_policy_t     *p;
    iam_statement_t  *st;

    p = compile_file(pool, "policies/version-2008.json", IAM_POLICY_IDENTITY,
                     "Old");
    if (p == NULL) {
        return;
    }

    is_int(p->version, 2008, "2008: no Version means 2008-10-17");
    st = &p->statements[0];
    ok(st->nresources == 1 && !has_variable(&st->resources[0]),
       "2008: ${aws:username} is literal text");
    is_str(action(st, 0), "s3:getobject", "2008: S3:GetObject lowercased");
}


static void
test_kinds(void)
{
    iam_policy_t  *p;

    /* a session or simulate document: nothing required beyond the basics */
    p = compile_text(pool, "{\"Version\":\"2012-10-17\",\"Statement\":"
                     "{\"Effect\":\"Allow\",\"Action\":\"s3:*\"}}",
                     IAM_POLICY_ANY, "any");
    ok(p != NULL, "any: Resource and Principal optional");

    p = compile_text(pool, "{\"Version\":\"2012-10-17\",\"Statement\":"
                     "{\"Effect\":\"Allow\",\"Principal\":\"*\","
                     "\"Action\":\"s3:*\",\"Resource\":\"*\"}}",
                     IAM_POLICY_ANY, "any");
    ok(p != NULL && p->statements[0].has_principal,
       "any: Principal allowed");

    p = compile_text(pool, "{\"Version\":\"2012-10-17\",\"Statement\":"
                     "{\"Effect\":\"Allow\",\"Principal\":\"*\","
                     "\"Action\":\"sts:AssumeRole\",\"Resource\":\"*\"}}",
                     IAM_POLICY_TRUST, "trust");
    ok(p != NULL && p->statements[0].has_resource,
       "trust: Resource allowed");

    p = compile_text(pool, "{\"Version\":\"2012-10-17\",\"Statement\":"
                     "{\"Effect\":\"Allow\",\"Action\":\"*:Describe*\","
                     "\"Resource\":\"*\"}}",
                     IAM_POLICY_IDENTITY, NULL);
    ok(p != NULL && p->name.len == 0, "any service prefix: *:Describe*");

    p = compile_text(pool, "{\"Version\":\"2008-10-17\",\"Statement\":"
                     "{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\","
                     "\"Resource\":\"arn:aws:s3:::b/${aws:username\"}}",
                     IAM_POLICY_IDENTITY, "old");
    ok(p != NULL && p->version == 2008,
       "2008: an unterminated ${ is literal text, not an error");

    p = compile_text(pool, "{\"Version\":\"2012-10-17\",\"Statement\":"
                     "[{\"Sid\":\"\",\"Effect\":\"Allow\",\"Action\":\"a:B\","
                     "\"Resource\":\"*\"},{\"Sid\":\"\",\"Effect\":\"Allow\","
                     "\"Action\":\"custom-api:Get?rder\",\"Resource\":\"*\"}]}",
                     IAM_POLICY_IDENTITY, "p");
    ok(p != NULL, "empty Sids are no Sids, never duplicates");
    if (p) {
        is_str(label(&p->statements[1]), "p/1", "empty Sid: label by index");
        is_str(action(&p->statements[1], 0), "custom-api:get?rder",
               "custom service with a '?'");
    }
}


static void
test_principal_forms(void)
{
    iam_policy_t     *p;
    iam_statement_t  *st;

    p = compile_text(pool, "{\"Version\":\"2012-10-17\",\"Statement\":"
                     "{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":["
                     "\"*\","
                     "\"arn:aws-cn:iam::123456789012:root\","
                     "\"arn:aws-us-gov:iam::123456789012:role/r\","
                     "\"arn:aws:sts::123456789012:federated-user/bob\","
                     "\"arn:aws:iam::123456789012:user/a/b/carol\"]},"
                     "\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}}",
                     IAM_POLICY_RESOURCE, "forms");
    ok(p != NULL, "principal forms compile");
    if (p == NULL) {
        return;
    }

    st = &p->statements[0];
    is_int(st->nprincipals, 5, "forms: 5 entries");
    is_int(st->principals[0].type, IAM_PRINCIPAL_ANY, "forms: AWS \"*\"");
    is_int(st->principals[1].type, IAM_PRINCIPAL_ACCOUNT,
           "forms: aws-cn root");
    is_int(st->principals[2].type, IAM_PRINCIPAL_ROLE,
           "forms: aws-us-gov role");
    is_str(str(st->principals[2].value), "r", "forms: role name");
    is_int(st->principals[3].type, IAM_PRINCIPAL_EXACT,
           "forms: federated-user");
    is_int(st->principals[4].type, IAM_PRINCIPAL_EXACT, "forms: user path");
    is_str(str(st->principals[4].value),
           "arn:aws:iam::123456789012:user/a/b/carol", "forms: user ARN");
}


static void
test_string_limit(void)
{
    char           *text;
    size_t          len;
    iam_policy_t   *p;
    const char     *head, *tail;

    head = "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:Get\","
           "\"Resource\":\"arn:aws:s3:::";
    tail = "\"}}";

    /* "arn:aws:s3:::" and the rest: exactly IAM_POLICY_MAX_STRING bytes */
    len = strlen(head) + IAM_POLICY_MAX_STRING - 13 + strlen(tail);
    text = malloc(len + 1);
    if (text == NULL) {
        abort();
    }

    strcpy(text, head);
    memset(text + strlen(head), 'k', IAM_POLICY_MAX_STRING - 13);
    strcpy(text + strlen(head) + IAM_POLICY_MAX_STRING - 13, tail);

    p = compile_text(pool, text, IAM_POLICY_IDENTITY, "long");
    ok(p != NULL, "a Resource of exactly %d bytes compiles",
       IAM_POLICY_MAX_STRING);

    free(text);
}


static void
test_labels(void)
{
    char             buf[8];
    iam_policy_t     policy;
    iam_statement_t  st;

    memset(&policy, 0, sizeof(iam_policy_t));
    memset(&st, 0, sizeof(iam_statement_t));
    st.policy = &policy;
    st.index = 12;

    iam_str_set(&policy.name, "ReadOnly");
    is_int(iam_statement_label(&st, buf, sizeof(buf)), 7,
           "label: truncated length");
    is_str(buf, "ReadOnl", "label: truncated, NUL-terminated");

    policy.name.len = 0;
    is_str(label(&st), "12", "label: no name, no Id: the index alone");

    iam_str_set(&st.sid, "S");
    is_str(label(&st), "S", "label: no name, no Id: the Sid alone");
}


int
main(void)
{
    pool = iam_pool_create();

    test_s3_home_directory();
    test_mfa();
    test_source_ip();
    test_date_window();
    test_tag_keys();
    test_bucket_policy();
    test_not_principal();
    test_trust_policies();
    test_not_resource();
    test_version_2008();
    test_kinds();
    test_principal_forms();
    test_string_limit();
    test_labels();

    iam_pool_destroy(pool);

    return tap_done();
}
