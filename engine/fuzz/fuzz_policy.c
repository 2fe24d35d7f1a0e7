/*
 * libFuzzer target: IAM policy JSON, parsed, validated, compiled and
 * evaluated.
 *
 * The input is JSON.  An object with a "request" member is a simulation
 * case (DESIGN.md §4: identity, resource, boundary, guardrail and session
 * policies and a request with its context), run with and without explain;
 * anything else is one policy document, compiled as the kind the input's
 * length picks and evaluated, when it compiles, against a few requests
 * with a context that its conditions can read.  Invariants: invalid input
 * yields diagnostics and no policy; a decision is one of the three.
 */

#include "fuzz_common.h"
#include <iam/iam_json.h>
#include <iam/iam_policy.h>
#include <iam/iam_eval.h>
#include <iam/iam_simulate.h>


typedef struct {
    const char  *principal;
    const char  *action;
    const char  *resource;
} fuzz_eval_case_t;


static const fuzz_eval_case_t  fuzz_cases[] = {
    { "arn:aws:iam::123456789012:user/alice", "s3:GetObject",
      "arn:aws:s3:::bucket/home/alice/key.txt" },
    { "arn:aws:iam::123456789012:user/bob", "s3:ListBucket",
      "arn:aws:s3:::bucket" },
    { "arn:aws:sts::123456789012:assumed-role/ci-deploy/s1",
      "sts:AssumeRoleWithWebIdentity", "arn:aws:iam::123456789012:role/x" },
    { "arn:aws:iam::210987654321:root", "iam:ChangePassword", "" },
    { "", "ec2:RunInstances", "arn:aws:ec2:eu-west-1:123456789012:i/*" }
};


static void
fuzz_context(iam_context_t *ctx, iam_context_entry_t *entries, size_t n)
{
    static const iam_str_t  ip = iam_string("10.1.2.3");
    static const iam_str_t  tr = iam_string("true");
    static const iam_str_t  now = iam_string("2026-01-01T00:00:00Z");
    static const iam_str_t  user = iam_string("alice");
    static const iam_str_t  prefixes[] = {
        iam_string("home/alice/"), iam_string("")
    };
    static const iam_str_t  keys[] = {
        iam_string("aws:SourceIp"), iam_string("aws:SecureTransport"),
        iam_string("aws:CurrentTime"), iam_string("aws:username"),
        iam_string("s3:prefix"), iam_string("aws:MultiFactorAuthPresent")
    };

    iam_context_init(ctx, entries, n);
    iam_context_set(ctx, keys[0], &ip, 1);
    iam_context_set(ctx, keys[1], &tr, 1);
    iam_context_set(ctx, keys[2], &now, 1);
    iam_context_set(ctx, keys[3], &user, 1);
    iam_context_set(ctx, keys[4], prefixes, 2);
    iam_context_set(ctx, keys[5], &tr, 1);
}


static void
fuzz_explain(void *data, const char *role, const iam_statement_t *st,
    iam_explain_e why, const iam_condition_t *cond)
{
    char  buf[256];

    fuzz_assert(role != NULL && st != NULL);
    fuzz_assert(why != IAM_EXPLAIN_CONDITION || cond != NULL);

    iam_statement_label(st, buf, sizeof(buf));
    (*(size_t *) data)++;
}


static void
fuzz_policy(json_t *doc, const char *text, size_t len, iam_policy_kind_e kind)
{
    size_t                  i, nexplained;
    iam_pool_t             *pool;
    iam_diags_t             diags;
    iam_result_t            result;
    iam_source_t            src;
    iam_context_t           ctx;
    iam_request_t           req;
    iam_policies_t          pol;
    iam_principal_t         principal;
    iam_policy_set_t       *set;
    const iam_policy_t     *policy;
    iam_context_entry_t     entries[8];

    pool = iam_pool_create();
    fuzz_assert(pool != NULL);
    iam_diags_init(&diags);

    memset(&src, 0, sizeof(iam_source_t));
    src.file = "fuzz.json";
    src.text = text;
    src.len = len;

    policy = iam_policy_compile(pool, doc, "fuzz", kind, &src, &diags);

    if (policy == NULL) {
        /* refused: and said why */
        fuzz_assert(diags.nitems > 0);
        goto done;
    }

    fuzz_assert(diags.nitems == 0);
    fuzz_assert(policy->nstatements >= 1);

    set = iam_policy_set_create(pool, &policy, 1);
    fuzz_assert(set != NULL);

    fuzz_context(&ctx, entries, 8);

    for (i = 0; i < sizeof(fuzz_cases) / sizeof(fuzz_cases[0]); i++) {
        memset(&pol, 0, sizeof(iam_policies_t));
        memset(&req, 0, sizeof(iam_request_t));

        if (kind == IAM_POLICY_RESOURCE || kind == IAM_POLICY_TRUST) {
            pol.resource_policy = policy;

        } else {
            pol.identity = set;
            pol.boundary = (i & 1) ? set : NULL;
        }

        iam_str_set(&req.action, "");
        req.action.data = fuzz_cases[i].action;
        req.action.len = strlen(fuzz_cases[i].action);
        req.resource.data = fuzz_cases[i].resource;
        req.resource.len = strlen(fuzz_cases[i].resource);
        principal.arn.data = fuzz_cases[i].principal;
        principal.arn.len = strlen(fuzz_cases[i].principal);
        iam_principal_parse(&principal, principal.arn);
        req.principal = &principal;
        req.context = &ctx;

        fuzz_assert(iam_evaluate(&pol, &req, &result, NULL, NULL) == IAM_OK);
        fuzz_assert(result.decision == IAM_ALLOWED
                    || result.decision == IAM_EXPLICIT_DENY
                    || result.decision == IAM_IMPLICIT_DENY);
        fuzz_assert(result.decision == IAM_IMPLICIT_DENY
                    || result.statement != NULL);

        nexplained = 0;
        fuzz_assert(iam_evaluate(&pol, &req, &result, fuzz_explain,
                                 &nexplained) == IAM_OK);
    }

done:

    iam_diags_free(&diags);
    iam_pool_destroy(pool);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char         *text;
    json_t       *doc, *out;
    iam_diags_t   diags;

    /* as iam_json_load_file() hands it over: NUL-terminated */
    text = malloc(size + 1);
    fuzz_assert(text != NULL);
    memcpy(text, data, size);
    text[size] = '\0';

    iam_diags_init(&diags);

    doc = iam_json_load_buffer("fuzz.json", text, size, &diags);

    if (doc == NULL) {
        fuzz_assert(diags.nitems > 0);
        iam_diags_free(&diags);
        free(text);
        return 0;
    }

    if (json_is_object(doc) && json_object_get(doc, "request") != NULL) {
        out = iam_simulate(doc, size & 1);
        fuzz_assert(out != NULL);
        fuzz_assert(json_object_get(out, "error") != NULL
                    || json_object_get(out, "decision") != NULL);
        json_decref(out);

    } else {
        fuzz_policy(doc, text, size,
                    (iam_policy_kind_e) (size % 4));
    }

    json_decref(doc);
    iam_diags_free(&diags);
    free(text);

    return 0;
}
