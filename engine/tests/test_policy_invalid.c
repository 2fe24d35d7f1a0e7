/*
 * Invalid policy documents: each case with the exact diagnostics expected,
 * FILE:LINE:COLUMN included, the way jansson keeps its invalid-input suite.
 * None of them may yield a policy, crash, or leak.
 */

#include <unistd.h>
#include <iam/iam_policy.h>
#include "tap.h"


#define WANT_MAX  16

typedef struct {
    iam_policy_kind_e   kind;
    const char         *file;       /* under policies/invalid/, or NULL */
    const char         *json;       /* the document when file is NULL */
    const char         *want[WANT_MAX];
} invalid_case_t;


static void run_case(const invalid_case_t *c);
static void check_diags(const char *name, iam_diags_t *diags,
    const char *const *want);
static void check_text(const char *name, iam_policy_kind_e kind,
    const char *text, const char *const *want);
static char *repeat(const char *head, const char *item, const char *sep,
    size_t n, const char *tail);
static void test_deep_nesting(void);
static void test_statement_limit(void);
static void test_value_limit(void);
static void test_string_limit(void);
static void test_nul_in_value(void);
static void test_raw_nul(void);
static void test_error_cap(void);
static void test_base_path(void);
static void test_null_document(void);


#define I  "inline.json"

static const invalid_case_t  cases[] = {

    /* fixture files: multi-line documents, positions as an editor shows */

    { IAM_POLICY_IDENTITY, "syntax.json", NULL,
      { "policies/invalid/syntax.json:6:20: '}' expected near '\"Action\"'" } },

    { IAM_POLICY_IDENTITY, "duplicate-key.json", NULL,
      { "policies/invalid/duplicate-key.json:7:20: duplicate object key near "
        "'\"Effect\"'" } },

    { IAM_POLICY_IDENTITY, "nul-escape.json", NULL,
      { "policies/invalid/nul-escape.json:6:57: \\u0000 is not allowed "
        "without JSON_ALLOW_NUL" } },

    { IAM_POLICY_IDENTITY, "bad-version.json", NULL,
      { "policies/invalid/bad-version.json:2:5: Version: Version must be "
        "\"2012-10-17\" or \"2008-10-17\", not \"2012-10-18\"" } },

    { IAM_POLICY_IDENTITY, "bad-effect.json", NULL,
      { "policies/invalid/bad-effect.json:6:13: Statement[0].Effect: Effect "
        "must be \"Allow\" or \"Deny\", not \"Alow\"" } },

    { IAM_POLICY_IDENTITY, "missing-elements.json", NULL,
      { "policies/invalid/missing-elements.json:9:9: Statement[1]: missing "
        "Effect",
        "policies/invalid/missing-elements.json:9:9: Statement[1]: missing "
        "Action or NotAction",
        "policies/invalid/missing-elements.json:9:9: Statement[1]: missing "
        "Resource or NotResource" } },

    { IAM_POLICY_IDENTITY, "action-and-notaction.json", NULL,
      { "policies/invalid/action-and-notaction.json:7:13: "
        "Statement[0].NotAction: Action and NotAction cannot both be present",
        "policies/invalid/action-and-notaction.json:9:13: "
        "Statement[0].NotResource: Resource and NotResource cannot both be "
        "present" } },

    { IAM_POLICY_IDENTITY, "no-service-prefix.json", NULL,
      { "policies/invalid/no-service-prefix.json:8:17: Statement[0].Action[1]: "
        "action 's3GetObject' has no service prefix",
        "policies/invalid/no-service-prefix.json:9:17: Statement[0].Action[2]: "
        "action 's3:' has no action name",
        "policies/invalid/no-service-prefix.json:10:17: "
        "Statement[0].Action[3]: action 's3:Get Object' has an invalid "
        "character ' ' in its action name",
        "policies/invalid/no-service-prefix.json:11:17: "
        "Statement[0].Action[4]: action 's_3:GetObject' has an invalid "
        "character '_' in its service prefix" } },

    { IAM_POLICY_IDENTITY, "wrong-types.json", NULL,
      { "policies/invalid/wrong-types.json:3:5: Id: must be a string",
        "policies/invalid/wrong-types.json:11:13: Statement[1].Sid: must be a "
        "string",
        "policies/invalid/wrong-types.json:12:13: Statement[1].Effect: must be "
        "a string",
        "policies/invalid/wrong-types.json:13:56: Statement[1].Action[2]: must "
        "be a string",
        "policies/invalid/wrong-types.json:14:13: Statement[1].Resource: must "
        "be a string or an array of strings",
        "policies/invalid/wrong-types.json:15:13: Statement[1].Condition: must "
        "be an object",
        "policies/invalid/wrong-types.json:17:9: Statement[2]: must be an "
        "object" } },

    { IAM_POLICY_IDENTITY, "unknown-elements.json", NULL,
      { "policies/invalid/unknown-elements.json:3:5: Comment: unknown element "
        "'Comment'",
        "policies/invalid/unknown-elements.json:6:13: Statement[0].effect: "
        "unknown element 'effect' (did you mean 'Effect'?)",
        "policies/invalid/unknown-elements.json:8:13: Statement[0].Actions: "
        "unknown element 'Actions' (did you mean 'Action'?)",
        "policies/invalid/unknown-elements.json:11:13: Statement[0].Version: "
        "unknown element 'Version' in a statement (Version belongs at the top "
        "level of the policy)" } },

    { IAM_POLICY_IDENTITY, "principal-in-identity.json", NULL,
      { "policies/invalid/principal-in-identity.json:6:13: "
        "Statement[0].Principal: Principal is not allowed in an "
        "identity-based policy",
        "policies/invalid/principal-in-identity.json:12:13: "
        "Statement[1].NotPrincipal: NotPrincipal is not allowed in an "
        "identity-based policy" } },

    { IAM_POLICY_RESOURCE, "bad-principal.json", NULL,
      { "policies/invalid/bad-principal.json:7:17: Statement[0].Principal.aws: "
        "unknown principal type 'aws' (did you mean 'AWS'?)",
        "policies/invalid/bad-principal.json:8:17: "
        "Statement[0].Principal.User: unknown principal type 'User' (expected "
        "AWS, Service, Federated or CanonicalUser)",
        "policies/invalid/bad-principal.json:10:21: "
        "Statement[0].Principal.AWS[0]: wildcards are not allowed in "
        "Principal ARNs",
        "policies/invalid/bad-principal.json:11:21: "
        "Statement[0].Principal.AWS[1]: invalid AWS principal 'alice' "
        "(expected \"*\", a 12-digit account id, or an IAM or STS ARN)",
        "policies/invalid/bad-principal.json:12:21: "
        "Statement[0].Principal.AWS[2]: principal ARN "
        "'arn:aws:s3:::amzn-s3-demo-bucket' is not an IAM or STS ARN",
        "policies/invalid/bad-principal.json:13:21: "
        "Statement[0].Principal.AWS[3]: principal ARN "
        "'arn:aws:iam:us-east-1:111122223333:root' must not name a region",
        "policies/invalid/bad-principal.json:14:21: "
        "Statement[0].Principal.AWS[4]: principal ARN "
        "'arn:aws:iam::11112222333:root' has no 12-digit account id",
        "policies/invalid/bad-principal.json:15:21: "
        "Statement[0].Principal.AWS[5]: principal ARN "
        "'arn:aws:iam::111122223333:group/admins' does not name an account "
        "root, a user, a role or a session",
        "policies/invalid/bad-principal.json:16:21: "
        "Statement[0].Principal.AWS[6]: principal ARN "
        "'arn:aws:sts::111122223333:assumed-role/no-session' does not name an "
        "account root, a user, a role or a session",
        "policies/invalid/bad-principal.json:17:21: "
        "Statement[0].Principal.AWS[7]: principal ARN "
        "'arn:partition:iam::111122223333:root' has an unknown partition",
        "policies/invalid/bad-principal.json:19:17: "
        "Statement[0].Principal.Service: wildcards are not allowed in "
        "Principal values",
        "policies/invalid/bad-principal.json:26:13: Statement[1].Principal: "
        "must be \"*\" or an object such as {\"AWS\": \"123456789012\"}",
        "policies/invalid/bad-principal.json:32:27: "
        "Statement[2].Principal.AWS: must not be empty",
        "policies/invalid/bad-principal.json:36:9: Statement[3]: missing "
        "Principal or NotPrincipal" } },

    { IAM_POLICY_IDENTITY, "bad-resources.json", NULL,
      { "policies/invalid/bad-resources.json:8:17: Statement[0].Resource[0]: "
        "malformed ARN \"amzn-s3-demo-bucket/*\": must be \"*\" or "
        "arn:partition:service:region:account:resource",
        "policies/invalid/bad-resources.json:9:17: Statement[0].Resource[1]: "
        "unterminated policy variable \"${aws:username\"",
        "policies/invalid/bad-resources.json:10:17: Statement[0].Resource[2]: "
        "malformed ARN \"arn:aws:s3\": must be \"*\" or "
        "arn:partition:service:region:account:resource" } },

    { IAM_POLICY_IDENTITY, "unknown-operator.json", NULL,
      { "policies/invalid/unknown-operator.json:9:17: "
        "Statement[0].Condition.StringEqual: unknown condition operator "
        "\"StringEqual\"" } },

    { IAM_POLICY_IDENTITY, "duplicate-sid.json", NULL,
      { "policies/invalid/duplicate-sid.json:6:10: Statement[2].Sid: "
        "duplicate Sid 'Read'" } },

    /* inline documents: one line, so the column is the offset + 1 */

    { IAM_POLICY_IDENTITY, NULL, "[]",
      { I ":1:1: a policy must be a JSON object" } },

    { IAM_POLICY_IDENTITY, NULL, "\"2012-10-17\"",
      { I ":1:1: a policy must be a JSON object" } },

    { IAM_POLICY_IDENTITY, NULL, "{\"Version\":\"2012-10-17\"}",
      { I ":1:1: missing Statement" } },

    { IAM_POLICY_IDENTITY, NULL,
      "{\"Version\":2012,\"Statement\":{\"Effect\":\"Allow\","
      "\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}}",
      { I ":1:2: Version: must be a string" } },

    { IAM_POLICY_IDENTITY, NULL,
      "{\"Version\":\"2012-10-17\",\"Statement\":[]}",
      { I ":1:25: Statement: must not be empty" } },

    { IAM_POLICY_IDENTITY, NULL, "{\"Statement\":\"Allow\"}",
      { I ":1:2: Statement: must be an object or an array of objects" } },

    { IAM_POLICY_IDENTITY, NULL, "{\"Statement\":[{}]}",
      { I ":1:15: Statement[0]: missing Effect",
        I ":1:15: Statement[0]: missing Action or NotAction",
        I ":1:15: Statement[0]: missing Resource or NotResource" } },

    /* a single statement object: no index in the path */
    { IAM_POLICY_IDENTITY, NULL,
      "{\"Statement\":{\"Effect\":\"allow\",\"Action\":\"s3:GetObject\","
      "\"Resource\":\"*\"}}",
      { I ":1:15: Statement.Effect: Effect must be \"Allow\" or \"Deny\", "
        "not \"allow\"" } },

    /* control characters are escaped: the message goes to a log */
    { IAM_POLICY_IDENTITY, NULL,
      "{\"Statement\":{\"Effect\":\"Al\\nlow\\\\\",\"Action\":\"s3:Get\","
      "\"Resource\":\"*\"}}",
      { I ":1:15: Statement.Effect: Effect must be \"Allow\" or \"Deny\", "
        "not \"Al\\x0alow\\\\\"" } },

    { IAM_POLICY_IDENTITY, NULL,
      "{\"Statement\":[{\"Effect\":\"Deny\",\"Resource\":\"*\"}]}",
      { I ":1:15: Statement[0]: missing Action or NotAction" } },

    { IAM_POLICY_IDENTITY, NULL,
      "{\"Statement\":[{\"Effect\":\"Deny\",\"Action\":42,"
      "\"Resource\":\"*\"}]}",
      { I ":1:32: Statement[0].Action: must be a string or an array of "
        "strings" } },

    { IAM_POLICY_IDENTITY, NULL,
      "{\"Statement\":[{\"Effect\":\"Deny\",\"Action\":[],"
      "\"Resource\":\"*\"}]}",
      { I ":1:32: Statement[0].Action: must not be empty" } },

    /* nesting inside a value is a type error, not a crash */
    { IAM_POLICY_IDENTITY, NULL,
      "{\"Statement\":[{\"Effect\":\"Deny\",\"Action\":[[[\"s3:GetObject\"]]],"
      "\"Resource\":\"*\"}]}",
      { I ":1:42: Statement[0].Action[0]: must be a string" } },

    { IAM_POLICY_IDENTITY, NULL,
      "{\"Statement\":[{\"Effect\":\"Deny\",\"Action\":[\":GetObject\","
      "\"*:\"],\"Resource\":\"*\"}]}",
      { I ":1:42: Statement[0].Action[0]: action ':GetObject' has no service "
        "prefix",
        I ":1:55: Statement[0].Action[1]: action '*:' has no action name" } },

    { IAM_POLICY_IDENTITY, NULL,
      "{\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"s3:Get\",\"Resource\""
      ":[\"*\", 7]}]}",
      { I ":1:67: Statement[0].Resource[1]: must be a string" } },

    { IAM_POLICY_IDENTITY, NULL,
      "{\"statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:Get\","
      "\"Resource\":\"*\"}]}",
      { I ":1:2: statement: unknown element 'statement' (did you mean "
        "'Statement'?)",
        I ":1:1: missing Statement" } },

    { IAM_POLICY_IDENTITY, NULL,
      "{\"Effect\":\"Allow\",\"Action\":\"s3:Get\",\"Resource\":\"*\"}",
      { I ":1:2: Effect: unknown element 'Effect' at the top level (Effect "
        "belongs in a Statement)",
        I ":1:19: Action: unknown element 'Action' at the top level (Action "
        "belongs in a Statement)",
        I ":1:37: Resource: unknown element 'Resource' at the top level "
        "(Resource belongs in a Statement)",
        I ":1:1: missing Statement" } },

    { IAM_POLICY_IDENTITY, NULL,
      "{\"Statement\":{\"Efect\":\"Allow\",\"Action\":\"s3:Get\","
      "\"Resource\":\"*\",\"Conditions\":{},\"Not\\tAction\":1}}",
      { I ":1:15: Statement.Efect: unknown element 'Efect' (did you mean "
        "'Effect'?)",
        I ":1:64: Statement.Conditions: unknown element 'Conditions' (did you "
        "mean 'Condition'?)",
        /* jsmn sees the key escaped: the position is the enclosing one's */
        I ":1:2: Statement.Not\tAction: unknown element 'Not\\x09Action' "
        "(did you mean 'NotAction'?)",
        /* a single statement object: its position is the Statement key */
        I ":1:2: Statement: missing Effect" } },

    { IAM_POLICY_IDENTITY, NULL,
      "{\"Id\":[],\"Statement\":{\"Sid\":{},\"Effect\":\"Allow\","
      "\"Action\":\"s3:Get\",\"Resource\":\"*\"}}",
      { I ":1:2: Id: must be a string",
        I ":1:23: Statement.Sid: must be a string" } },

    { IAM_POLICY_TRUST, NULL,
      "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\"}]}",
      { I ":1:15: Statement[0]: missing Principal or NotPrincipal" } },

    { IAM_POLICY_RESOURCE, NULL,
      "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\","
      "\"NotPrincipal\":\"*\",\"Action\":\"s3:Get\",\"Resource\":\"*\"}]}",
      { I ":1:49: Statement[0].NotPrincipal: Principal and NotPrincipal "
        "cannot both be present" } },

    { IAM_POLICY_RESOURCE, NULL,
      "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":42,"
      "\"Action\":\"s3:Get\",\"Resource\":\"*\"}]}",
      { I ":1:33: Statement[0].Principal: must be \"*\" or an object such as "
        "{\"AWS\": \"123456789012\"}" } },

    { IAM_POLICY_RESOURCE, NULL,
      "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{},"
      "\"Action\":\"s3:Get\",\"Resource\":\"*\"}]}",
      { I ":1:33: Statement[0].Principal: must not be empty" } },

    { IAM_POLICY_RESOURCE, NULL,
      "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[1],"
      "\"Federated\":{}},\"Action\":\"s3:Get\",\"Resource\":\"*\"}]}",
      { I ":1:53: Statement[0].Principal.AWS[0]: must be a string",
        I ":1:56: Statement[0].Principal.Federated: must be a string or an "
        "array of strings" } },

    { IAM_POLICY_RESOURCE, NULL,
      "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":"
      "[\"arn:aws:iam::123456789012:role/\",\"12345678901\",\"\"],"
      "\"CanonicalUser\":\"\"},\"Action\":\"s3:Get\",\"Resource\":\"*\"}]}",
      { I ":1:53: Statement[0].Principal.AWS[0]: principal ARN "
        "'arn:aws:iam::123456789012:role/' does not name an account root, a "
        "user, a role or a session",
        I ":1:87: Statement[0].Principal.AWS[1]: invalid AWS principal "
        "'12345678901' (expected \"*\", a 12-digit account id, or an IAM or "
        "STS ARN)",
        I ":1:101: Statement[0].Principal.AWS[2]: invalid AWS principal '' "
        "(expected \"*\", a 12-digit account id, or an IAM or STS ARN)",
        I ":1:105: Statement[0].Principal.CanonicalUser: must not be "
        "empty" } },

    { IAM_POLICY_IDENTITY, NULL,
      "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:Get\","
      "\"Resource\":\"*\",\"Condition\":\"aws:SecureTransport\"}]}",
      { I ":1:66: Statement[0].Condition: must be an object" } },

    { IAM_POLICY_IDENTITY, NULL,
      "{\"Statement\":[{\"Sid\":\"A\",\"Effect\":\"Allow\","
      "\"Action\":\"s3:Get\","
      "\"Resource\":\"*\"},{\"Sid\":\"A\",\"Effect\":\"Allow\",\"Action\":"
      "\"s3:Put\",\"Resource\":\"*\"},{\"Sid\":\"a\",\"Effect\":\"Allow\","
      "\"Action\":\"s3:List\",\"Resource\":\"*\"},{\"Sid\":\"A\","
      "\"Effect\":\"Allow\",\"Action\":\"s3:Head\",\"Resource\":\"*\"}]}",
      { I ":1:78: Statement[1].Sid: duplicate Sid 'A'",
        I ":1:203: Statement[3].Sid: duplicate Sid 'A'" } },

    /* every problem of one statement, in document order */
    { IAM_POLICY_RESOURCE, NULL,
      "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Permit\","
      "\"Action\":\"GetObject\",\"Principal\":{\"AWS\":\"bob\"},"
      "\"Resource\":\"bucket\"}]}",
      { I ":1:39: Statement[0].Effect: Effect must be \"Allow\" or \"Deny\", "
        "not \"Permit\"",
        I ":1:57: Statement[0].Action: action 'GetObject' has no service "
        "prefix",
        I ":1:91: Statement[0].Principal.AWS: invalid AWS principal 'bob' "
        "(expected \"*\", a 12-digit account id, or an IAM or STS ARN)",
        I ":1:104: Statement[0].Resource: malformed ARN \"bucket\": must be "
        "\"*\" or arn:partition:service:region:account:resource" } },
};


static void
run_case(const invalid_case_t *c)
{
    char           path[256];
    char          *text;
    size_t         len;
    json_t        *doc;
    iam_diags_t    diags;
    iam_pool_t    *pool;
    iam_policy_t  *policy;
    iam_source_t   src;

    if (c->file == NULL) {
        check_text(c->json, c->kind, c->json, c->want);
        return;
    }

    snprintf(path, sizeof(path), "policies/invalid/%s", c->file);

    iam_diags_init(&diags);
    pool = iam_pool_create();
    policy = NULL;

    doc = iam_json_load_file(path, &text, &len, &diags);

    if (doc) {
        memset(&src, 0, sizeof(iam_source_t));
        src.file = path;
        src.text = text;
        src.len = len;

        policy = iam_policy_compile(pool, doc, "Invalid", c->kind, &src,
                                    &diags);
        json_decref(doc);
        free(text);
    }

    ok(policy == NULL, "%s: no policy", c->file);
    check_diags(c->file, &diags, c->want);

    iam_diags_free(&diags);
    iam_pool_destroy(pool);
}


static void
check_text(const char *name, iam_policy_kind_e kind, const char *text,
    const char *const *want)
{
    json_t        *doc;
    iam_pool_t    *pool;
    iam_diags_t    diags;
    iam_policy_t  *policy;
    iam_source_t   src;

    iam_diags_init(&diags);
    pool = iam_pool_create();
    policy = NULL;

    doc = iam_json_load_buffer(I, text, strlen(text), &diags);

    if (doc) {
        memset(&src, 0, sizeof(iam_source_t));
        src.file = I;
        src.text = text;
        src.len = strlen(text);

        policy = iam_policy_compile(pool, doc, "Invalid", kind, &src, &diags);
        json_decref(doc);
    }

    ok(policy == NULL, "%.60s: no policy", name);
    check_diags(name, &diags, want);

    iam_diags_free(&diags);
    iam_pool_destroy(pool);
}


static void
check_diags(const char *name, iam_diags_t *diags, const char *const *want)
{
    char    buf[2048];
    size_t  i, n;

    for (n = 0; n < WANT_MAX && want[n]; n++) {
        /* void */
    }

    is_int(diags->nitems, n, "%.60s: %zu diagnostic(s)", name, n);

    for (i = 0; i < diags->nitems; i++) {
        iam_diag_format(&diags->items[i], buf, sizeof(buf));

        if (i < n) {
            is_str(buf, want[i], "%.60s: diagnostic %zu", name, i);

        } else {
            printf("# unexpected: %s\n", buf);
        }
    }
}


/* head, n items joined by sep, tail; malloc'ed */
static char *
repeat(const char *head, const char *item, const char *sep, size_t n,
    const char *tail)
{
    char    *buf, *p;
    size_t   i, len;

    len = strlen(head) + n * (strlen(item) + strlen(sep)) + strlen(tail) + 1;

    buf = malloc(len);
    if (buf == NULL) {
        abort();
    }

    p = buf;
    p = stpcpy(p, head);

    for (i = 0; i < n; i++) {
        p = stpcpy(p, item);
        if (i + 1 < n) {
            p = stpcpy(p, sep);
        }
    }

    stpcpy(p, tail);

    return buf;
}


static void
test_deep_nesting(void)
{
    char        *text;
    const char  *want[] = {
        I ":1:2061: maximum parsing depth reached near '['", NULL
    };

    /* jansson stops at its depth limit; nothing deeper reaches the engine */
    text = repeat("{\"Statement\":", "[", "", 3000, "");
    check_text("3000 nested arrays", IAM_POLICY_IDENTITY, text, want);
    free(text);
}


static void
test_statement_limit(void)
{
    char           *text;
    iam_pool_t     *pool;
    iam_diags_t     diags;
    json_t         *doc;
    iam_policy_t   *policy;
    const char     *want[] = {
        I ":1:2: Statement: too many statements (100001, at most 100000)",
        NULL
    };

    /*
     * The count is checked before any statement is looked at.  Items are
     * numbers, not objects: jsmn without JSMN_PARENT_LINKS (iam_json.c)
     * takes quadratic time over 100001 sibling objects to locate the error.
     */
    text = repeat("{\"Statement\":[", "0", ",",
                  IAM_POLICY_MAX_STATEMENTS + 1, "]}");
    check_text("100001 statements", IAM_POLICY_IDENTITY, text, want);
    free(text);

    /* the limit itself is allowed, and fast enough to load */
    text = repeat("{\"Statement\":[",
                  "{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\","
                  "\"Resource\":\"*\"}", ",", IAM_POLICY_MAX_STATEMENTS, "]}");

    iam_diags_init(&diags);
    pool = iam_pool_create();

    doc = iam_json_load_buffer(I, text, strlen(text), &diags);
    policy = doc ? iam_policy_compile(pool, doc, "Big", IAM_POLICY_IDENTITY,
                                      NULL, &diags)
                 : NULL;

    ok(policy != NULL && policy->nstatements == IAM_POLICY_MAX_STATEMENTS,
       "100000 statements compile");

    json_decref(doc);
    iam_diags_free(&diags);
    iam_pool_destroy(pool);
    free(text);
}


static void
test_value_limit(void)
{
    char        *text;
    const char  *want[] = {
        I ":1:32: Statement.Action: too many values (10001, at most 10000)",
        NULL
    };

    text = repeat("{\"Statement\":{\"Effect\":\"Allow\",\"Action\":[",
                  "\"s3:GetObject\"", ",", IAM_POLICY_MAX_VALUES + 1,
                  "],\"Resource\":\"*\"}}");
    check_text("10001 actions", IAM_POLICY_IDENTITY, text, want);
    free(text);
}


static void
test_string_limit(void)
{
    char        *text;
    const char  *want[] = {
        I ":1:50: Statement.Resource: string too long (8193 bytes, at most "
        "8192)",
        NULL
    };

    text = repeat("{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:Get\","
                  "\"Resource\":\"arn:aws:s3:::", "a", "",
                  IAM_POLICY_MAX_STRING - 12, "\"}}");
    check_text("an 8193-byte Resource", IAM_POLICY_IDENTITY, text, want);
    free(text);
}


/* a document built in memory can hold a NUL that no parser would pass */
static void
test_nul_in_value(void)
{
    json_t        *doc, *st;
    iam_pool_t    *pool;
    iam_diags_t    diags;
    iam_policy_t  *policy;
    iam_source_t   src;
    const char    *want[] = {
        "built: Statement.Action: must not contain a NUL character",
        "built: Statement.Resource[0]: must not contain a NUL character",
        "built: Statement.Principal.AWS: must not contain a NUL character",
        NULL
    };

    st = json_pack("{s:s, s:o, s:[o], s:{s:o}}",
                   "Effect", "Allow",
                   "Action", json_stringn("s3:GetObject\0s3:Delete", 22),
                   "Resource", json_stringn("arn:aws:s3:::b\0/x", 17),
                   "Principal", "AWS", json_stringn("1234\0", 5));
    doc = json_pack("{s:s, s:o}", "Version", "2012-10-17", "Statement", st);

    memset(&src, 0, sizeof(iam_source_t));
    src.file = "built";

    iam_diags_init(&diags);
    pool = iam_pool_create();

    policy = iam_policy_compile(pool, doc, "Built", IAM_POLICY_ANY, &src,
                                &diags);

    ok(policy == NULL, "NUL in values: no policy");
    check_diags("NUL in values", &diags, want);

    json_decref(doc);
    iam_diags_free(&diags);
    iam_pool_destroy(pool);
}


/* A raw NUL byte in a file: refused, pointing at the byte (t/23). */
static void
test_raw_nul(void)
{
    char         path[] = "/tmp/iam-test-nul-XXXXXX", buf[256];
    int          fd;
    char        *text;
    size_t       len;
    json_t      *doc;
    iam_diags_t  diags;
    static const char  json[] = "{\n  \"Version\": \"2012-10-17\",\n"
                                "  \"Id\": \"a\0b\"\n}\n";

    fd = mkstemp(path);
    ok(fd >= 0 && write(fd, json, sizeof(json) - 1)
                  == (ssize_t) sizeof(json) - 1,
       "raw NUL: file written");
    close(fd);

    iam_diags_init(&diags);
    doc = iam_json_load_file(path, &text, &len, &diags);

    ok(doc == NULL && text == NULL, "raw NUL: refused");
    ok(diags.nitems == 1, "raw NUL: one diagnostic");

    if (diags.nitems) {
        iam_diag_format(&diags.items[0], buf, sizeof(buf));
        is_str(strchr(buf, ':') ? strchr(buf, ':') + 1 : buf,
               "3:11: NUL byte in JSON text", "raw NUL: its line and column");
    }

    iam_diags_free(&diags);
    unlink(path);
}


static void
test_error_cap(void)
{
    char          *text, buf[1024];
    json_t        *doc;
    iam_pool_t    *pool;
    iam_diags_t    diags;
    iam_policy_t  *policy;
    iam_source_t   src;

    /* 150 statements with one error each: 100 shown, then a count */
    text = repeat("{\"Statement\":[",
                  "{\"Effect\":\"Allow\",\"Action\":\"x\",\"Resource\":\"*\"}",
                  ",", 150, "]}");

    iam_diags_init(&diags);
    pool = iam_pool_create();

    memset(&src, 0, sizeof(iam_source_t));
    src.file = I;
    src.text = text;
    src.len = strlen(text);

    doc = iam_json_load_buffer(I, text, strlen(text), &diags);
    policy = iam_policy_compile(pool, doc, "Many", IAM_POLICY_IDENTITY, &src,
                                &diags);

    ok(policy == NULL, "150 errors: no policy");
    is_int(diags.nitems, 101, "150 errors: 100 shown and a summary");

    if (diags.nitems == 101) {
        iam_diag_format(&diags.items[99], buf, sizeof(buf));
        is_str(buf, I ":1:4686: Statement[99].Action: action 'x' has no "
               "service prefix", "150 errors: the 100th");
        iam_diag_format(&diags.items[100], buf, sizeof(buf));
        is_str(buf, I ":1:1: too many errors: 50 more not shown",
               "150 errors: the summary");
    }

    json_decref(doc);
    iam_diags_free(&diags);
    iam_pool_destroy(pool);
    free(text);

    /* the condition compiler's errors count towards the same cap */
    text = repeat("{\"Statement\":[",
                  "{\"Effect\":\"Allow\",\"Action\":\"s3:Get\","
                  "\"Resource\":\"*\",\"Condition\":{\"Foo\":{}}}",
                  ",", 150, "]}");

    iam_diags_init(&diags);
    pool = iam_pool_create();

    src.text = text;
    src.len = strlen(text);

    doc = iam_json_load_buffer(I, text, strlen(text), &diags);
    policy = iam_policy_compile(pool, doc, "Many", IAM_POLICY_IDENTITY, &src,
                                &diags);

    ok(policy == NULL, "150 condition errors: no policy");
    is_int(diags.nitems, 101, "150 condition errors: 100 shown, a summary");

    if (diags.nitems == 101) {
        iam_diag_format(&diags.items[100], buf, sizeof(buf));
        is_str(buf, I ":1:1: too many errors: 50 more not shown",
               "150 condition errors: the summary");
    }

    json_decref(doc);
    iam_diags_free(&diags);
    iam_pool_destroy(pool);
    free(text);
}


/* in an account file the position is in the file, the path in the policy */
static void
test_base_path(void)
{
    json_t        *file, *doc;
    iam_pool_t    *pool;
    iam_diags_t    diags;
    iam_policy_t  *policy;
    iam_source_t   src;
    const char    *text;
    const char    *want[] = {
        "account.json:3:30: Statement.Effect: Effect must be \"Allow\" or "
        "\"Deny\", not \"Alow\"",
        NULL
    };

    text = "{\"account\": \"123456789012\",\n"
           " \"policies\": {\n"
           "  \"ReadOnly\": {\"Statement\": {\"Effect\": \"Alow\", "
           "\"Action\": \"s3:GetObject\", \"Resource\": \"*\"}}}}\n";

    iam_diags_init(&diags);
    pool = iam_pool_create();

    file = iam_json_load_buffer("account.json", text, strlen(text), &diags);
    doc = json_object_get(json_object_get(file, "policies"), "ReadOnly");

    memset(&src, 0, sizeof(iam_source_t));
    src.file = "account.json";
    src.text = text;
    src.len = strlen(text);
    iam_json_path_push_key(&src.base, "policies");
    iam_json_path_push_key(&src.base, "ReadOnly");

    policy = iam_policy_compile(pool, doc, "ReadOnly", IAM_POLICY_IDENTITY,
                                &src, &diags);

    ok(policy == NULL, "account file: no policy");
    check_diags("account file", &diags, want);

    json_decref(file);
    iam_diags_free(&diags);
    iam_pool_destroy(pool);
}


static void
test_null_document(void)
{
    iam_pool_t    *pool;
    iam_diags_t    diags;
    iam_policy_t  *policy;
    const char    *want[] = { ": a policy must be a JSON object", NULL };

    iam_diags_init(&diags);
    pool = iam_pool_create();

    policy = iam_policy_compile(pool, NULL, NULL, IAM_POLICY_ANY, NULL,
                                &diags);

    ok(policy == NULL, "NULL document: no policy");
    check_diags("NULL document", &diags, want);

    iam_diags_free(&diags);
    iam_pool_destroy(pool);
}


int
main(void)
{
    size_t  i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        run_case(&cases[i]);
    }

    test_deep_nesting();
    test_statement_limit();
    test_value_limit();
    test_string_limit();
    test_nul_in_value();
    test_raw_nul();
    test_error_cap();
    test_base_path();
    test_null_document();

    return tap_done();
}
