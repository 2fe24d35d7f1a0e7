/*
 * Decision latency of the engine for principals with 10 ... 10,000
 * statements in scope, and the memory their compiled policy set takes.
 *
 * The policies look like real ones: many services and actions, exact and
 * wildcard actions, per-bucket resources, a share of conditions and policy
 * variables, a few denies.  Requests cycle through allowed, denied and
 * unmatched ones so no branch predictor or cache sees one request only.
 */

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <iam/iam_core.h>
#include <iam/iam_policy.h>
#include <iam/iam_eval.h>


#define BENCH_REQUESTS   64
#define BENCH_ROUNDS     200000


static const char  *services[] = {
    "s3", "ec2", "dynamodb", "sqs", "sns", "lambda", "kms", "logs",
    "orders", "billing", "catalog", "search"
};

static const char  *verbs[] = {
    "Get", "Put", "Delete", "List", "Describe", "Create", "Update", "Tag"
};


static json_t *
bench_statement(size_t i)
{
    char     action[128], resource[256];
    json_t  *st, *cond;

    st = json_object();

    snprintf(action, sizeof(action), "%s:%s%s%zu",
             services[i % 12], verbs[(i / 12) % 8],
             i % 7 == 0 ? "*" : "Object", i % 7 == 0 ? (size_t) 0 : i);
    if (i % 7 == 0) {
        action[strlen(action) - 1] = '\0';     /* "s3:Get*" */
    }

    snprintf(resource, sizeof(resource), i % 5 == 0
             ? "arn:aws:%s:::bucket%zu/home/${aws:username}/*"
             : "arn:aws:%s:::bucket%zu/*", services[i % 12], i);

    json_object_set_new(st, "Sid", json_sprintf("S%zu", i));
    json_object_set_new(st, "Effect",
                        json_string(i % 50 == 49 ? "Deny" : "Allow"));
    json_object_set_new(st, "Action", json_string(action));
    json_object_set_new(st, "Resource", json_string(resource));

    if (i % 4 == 0) {
        cond = json_pack("{s:{s:s}}", "StringEquals", "aws:PrincipalTag/team",
                         "storage");
        json_object_set_new(st, "Condition", cond);

    } else if (i % 4 == 1) {
        cond = json_pack("{s:{s:[s,s]}}", "IpAddress", "aws:SourceIp",
                         "10.0.0.0/8", "192.168.0.0/16");
        json_object_set_new(st, "Condition", cond);
    }

    return st;
}


static int
bench_cmp(const void *a, const void *b)
{
    uint64_t  x = *(const uint64_t *) a, y = *(const uint64_t *) b;

    return x < y ? -1 : x > y;
}


static uint64_t
bench_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}


static int
bench_size(size_t nstatements)
{
    char                 actions[BENCH_REQUESTS][128];
    char                 resources[BENCH_REQUESTS][256];
    size_t               i, k, allowed;
    json_t              *doc, *list;
    uint64_t            *lat, t0, compile, total;
    iam_pool_t          *pool;
    iam_str_t            ctx_values[4];
    iam_diags_t          diags;
    iam_source_t         src;
    iam_result_t         result;
    iam_context_t        ctx;
    iam_request_t        r[BENCH_REQUESTS];
    iam_policies_t       pol;
    iam_principal_t      principal;
    iam_policy_set_t    *set;
    iam_context_entry_t  entries[8];
    const iam_policy_t  *policies[1];

    list = json_array();
    for (i = 0; i < nstatements; i++) {
        json_array_append_new(list, bench_statement(i));
    }

    doc = json_pack("{s:s,s:o}", "Version", "2012-10-17", "Statement", list);

    pool = iam_pool_create();
    iam_diags_init(&diags);
    memset(&src, 0, sizeof(iam_source_t));
    src.file = "bench";

    t0 = bench_now();
    policies[0] = iam_policy_compile(pool, doc, "Bench", IAM_POLICY_IDENTITY,
                                     &src, &diags);
    if (policies[0] == NULL) {
        fprintf(stderr, "bench policy does not compile: %s\n",
                diags.nitems ? diags.items[0].message : "?");
        return 1;
    }

    set = iam_policy_set_create(pool, policies, 1);
    compile = bench_now() - t0;

    memset(&pol, 0, sizeof(iam_policies_t));
    pol.identity = set;

    iam_principal_parse(&principal,
                        (iam_str_t) iam_string(
                            "arn:aws:iam::123456789012:user/alice"));

    iam_str_set(&ctx_values[0], "alice");
    iam_str_set(&ctx_values[1], "storage");
    iam_str_set(&ctx_values[2], "10.1.2.3");
    iam_str_set(&ctx_values[3], "2026-11-25T10:00:00Z");

    iam_context_init(&ctx, entries, 8);
    iam_context_set(&ctx, (iam_str_t) iam_string("aws:username"),
                    &ctx_values[0], 1);
    iam_context_set(&ctx, (iam_str_t) iam_string("aws:PrincipalTag/team"),
                    &ctx_values[1], 1);
    iam_context_set(&ctx, (iam_str_t) iam_string("aws:SourceIp"),
                    &ctx_values[2], 1);
    iam_context_set(&ctx, (iam_str_t) iam_string("aws:CurrentTime"),
                    &ctx_values[3], 1);

    /* requests for statements that exist, and some that match nothing */
    for (k = 0; k < BENCH_REQUESTS; k++) {
        i = (k * 7919) % (nstatements + nstatements / 4 + 1);

        snprintf(actions[k], sizeof(actions[k]), "%s:%sObject%zu",
                 services[i % 12], verbs[(i / 12) % 8], i);
        snprintf(resources[k], sizeof(resources[k]),
                 "arn:aws:%s:::bucket%zu/home/alice/report-%zu.csv",
                 services[i % 12], i, k);

        r[k].principal = &principal;
        r[k].action.data = actions[k];
        r[k].action.len = strlen(actions[k]);
        r[k].resource.data = resources[k];
        r[k].resource.len = strlen(resources[k]);
        r[k].resource_account.len = 0;
        r[k].context = &ctx;
    }

    lat = malloc(BENCH_ROUNDS * sizeof(uint64_t));
    allowed = 0;

    for (k = 0; k < BENCH_ROUNDS / 10; k++) {          /* warm up */
        iam_evaluate(&pol, &r[k % BENCH_REQUESTS], &result, NULL, NULL);
    }

    total = bench_now();

    for (k = 0; k < BENCH_ROUNDS; k++) {
        t0 = bench_now();
        iam_evaluate(&pol, &r[k % BENCH_REQUESTS], &result, NULL, NULL);
        lat[k] = bench_now() - t0;
        allowed += result.decision == IAM_ALLOWED;
    }

    total = bench_now() - total;

    qsort(lat, BENCH_ROUNDS, sizeof(uint64_t), bench_cmp);

    printf("engine  %6zu statements: p50 %5llu ns  p99 %6llu ns  "
           "mean %5llu ns  compile %7.2f ms  memory %8zu bytes  "
           "(%zu%% allowed)\n",
           nstatements,
           (unsigned long long) lat[BENCH_ROUNDS / 2],
           (unsigned long long) lat[BENCH_ROUNDS * 99 / 100],
           (unsigned long long) (total / BENCH_ROUNDS),
           (double) compile / 1e6, iam_pool_used(pool),
           allowed * 100 / BENCH_ROUNDS);

    free(lat);
    json_decref(doc);
    iam_diags_free(&diags);
    iam_pool_destroy(pool);

    return 0;
}


int
main(void)
{
    static const size_t  sizes[] = { 10, 100, 1000, 10000 };
    size_t               i;

    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        if (bench_size(sizes[i]) != 0) {
            return 1;
        }
    }

    return 0;
}
