/*
 * Fail closed under allocation failure: with the engine built with
 * -DIAM_FAULT_INJECT, every allocation of a load, a simulation and a SigV4
 * verification is made to fail in turn (jansson's too), and each run must
 * end in an error or in exactly the decisions of the run without faults:
 * a lost Deny statement or a skipped signature check would show as a
 * different decision.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include <iam/iam_fault.h>
#include <iam/iam_account.h>
#include <iam/iam_simulate.h>
#include <iam/iam_sigv4.h>
#include "tap.h"
#include "../fuzz/fuzz_common.h"


#define T_PROBES  5


typedef struct {
    const char   *action;
    const char   *resource;
} t_probe_t;


static const t_probe_t  t_probes[T_PROBES] = {
    { "s3:GetObject", "arn:aws:s3:::shared/a.txt" },        /* allowed */
    { "s3:DeleteBucket", "arn:aws:s3:::shared" },            /* user Deny */
    { "s3:PutBucketPolicy", "arn:aws:s3:::shared" },         /* guardrail */
    { "iam:CreateUser", "arn:aws:iam::123456789012:user/x" },/* boundary */
    { "s3:DeleteObject", "arn:aws:s3:::shared/a.txt" }       /* group Deny */
};

static const char  t_account[] =
    "{ \"account\": \"123456789012\",\n"
    "  \"policies\": {\n"
    "    \"All\": { \"Version\": \"2012-10-17\", \"Statement\": [\n"
    "      { \"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\" },\n"
    "      { \"Sid\": \"NoDelete\", \"Effect\": \"Deny\",\n"
    "        \"Action\": \"s3:DeleteBucket\", \"Resource\": \"*\" } ] },\n"
    "    \"NoObjectDelete\": { \"Version\": \"2012-10-17\", \"Statement\": [\n"
    "      { \"Effect\": \"Deny\", \"Action\": \"s3:DeleteObject\",\n"
    "        \"Resource\": \"arn:aws:s3:::${aws:username}-no/*\" },\n"
    "      { \"Effect\": \"Deny\", \"Action\": \"s3:DeleteObject\",\n"
    "        \"Resource\": \"*\", \"Condition\": { \"StringEquals\":\n"
    "          { \"aws:username\": [\"alice\", \"bob\"] } } } ] },\n"
    "    \"S3Only\": { \"Version\": \"2012-10-17\", \"Statement\": [\n"
    "      { \"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\" } ] },\n"
    "    \"NoPolicyEdits\": { \"Version\": \"2012-10-17\", \"Statement\": [\n"
    "      { \"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\" },\n"
    "      { \"Effect\": \"Deny\", \"Action\": \"s3:PutBucketPolicy\",\n"
    "        \"Resource\": \"*\" } ] }\n"
    "  },\n"
    "  \"groups\": { \"staff\": { \"policies\": [\"NoObjectDelete\"] } },\n"
    "  \"users\": { \"alice\": { \"groups\": [\"staff\"],\n"
    "    \"policies\": [\"All\"], \"boundary\": \"S3Only\",\n"
    "    \"tags\": { \"team\": \"storage\" },\n"
    "    \"access_keys\": [ { \"id\": \"AKIAEXAMPLEALICE0001\",\n"
    "                       \"secret\": \"s\" } ] } },\n"
    "  \"roles\": { \"r\": { \"trust\": { \"Version\": \"2012-10-17\",\n"
    "    \"Statement\": [ { \"Effect\": \"Allow\", \"Principal\":\n"
    "      { \"AWS\": \"arn:aws:iam::123456789012:user/alice\" },\n"
    "      \"Action\": \"sts:AssumeRole\" } ] }, \"policies\": [\"All\"] } },\n"
    "  \"guardrails\": [ [ \"NoPolicyEdits\" ] ]\n"
    "}\n";


static void t_account_load(void);
static int t_account_decide(const char *file, iam_decision_e *out);
static void t_simulate(void);
static void t_sigv4(const char *data);
static void *t_json_malloc(size_t size);


int
main(void)
{
    const char  *data;

    data = getenv("IAM_TESTDATA");
    if (data == NULL) {
        data = "../../../shared/testdata";
    }

    t_account_load();
    t_simulate();
    t_sigv4(data);

    return tap_done();
}


static void *
t_json_malloc(size_t size)
{
    return iam_fault_malloc(size);
}


/* IAM_OK with the probes' decisions, or IAM_ERROR when it did not load */
static int
t_account_decide(const char *file, iam_decision_e *out)
{
    size_t                   i;
    iam_str_t                id;
    iam_diags_t              diags;
    iam_result_t             result;
    iam_context_t            ctx;
    iam_request_t            req;
    iam_account_t           *account;
    iam_policies_t           pol;
    iam_context_entry_t      entries[16];
    const iam_access_key_t  *key;

    iam_diags_init(&diags);
    account = iam_account_load(file, &diags);
    iam_diags_free(&diags);

    if (account == NULL) {
        return IAM_ERROR;
    }

    iam_str_set(&id, "AKIAEXAMPLEALICE0001");
    key = iam_account_find_key(account, id);

    for (i = 0; i < T_PROBES; i++) {
        out[i] = IAM_ALLOWED;

        if (key == NULL) {
            /* an unknown key is a refusal, never a decision */
            out[i] = IAM_IMPLICIT_DENY;
            continue;
        }

        iam_context_init(&ctx, entries, 16);
        if (iam_user_context(account, key->user, &ctx) != IAM_OK) {
            out[i] = IAM_IMPLICIT_DENY;
            continue;
        }

        iam_account_user_policies(account, key->user, NULL, &pol);

        memset(&req, 0, sizeof(iam_request_t));
        req.principal = &key->user->principal;
        req.action.data = t_probes[i].action;
        req.action.len = strlen(t_probes[i].action);
        req.resource.data = t_probes[i].resource;
        req.resource.len = strlen(t_probes[i].resource);
        req.context = &ctx;

        if (iam_evaluate(&pol, &req, &result, NULL, NULL) != IAM_OK) {
            out[i] = IAM_IMPLICIT_DENY;
            continue;
        }

        out[i] = result.decision;
    }

    iam_account_free(account);

    return IAM_OK;
}


static void
t_account_load(void)
{
    int             fd, rc, bad;
    char            file[] = "/tmp/iam-fault-account-XXXXXX";
    size_t          i;
    unsigned long   n, total, errors;
    iam_decision_e  want[T_PROBES], got[T_PROBES];

    fd = mkstemp(file);
    ok(fd >= 0 && write(fd, t_account, sizeof(t_account) - 1)
                  == (ssize_t) sizeof(t_account) - 1, "account file written");
    close(fd);

    json_set_alloc_funcs(t_json_malloc, free);

    iam_fault_set(0);
    rc = t_account_decide(file, want);
    total = iam_fault_count();

    ok(rc == IAM_OK, "account loads without faults (%lu allocations)", total);
    is_int(want[0], IAM_ALLOWED, "probe: allowed");
    is_int(want[1], IAM_EXPLICIT_DENY, "probe: the user's Deny");
    is_int(want[2], IAM_EXPLICIT_DENY, "probe: the guardrail's Deny");
    is_int(want[3], IAM_IMPLICIT_DENY, "probe: outside the boundary");
    is_int(want[4], IAM_EXPLICIT_DENY, "probe: the group's Deny");

    bad = 0;
    errors = 0;

    for (n = 1; n <= total; n++) {
        iam_fault_set(n);
        rc = t_account_decide(file, got);

        if (!iam_fault_fired()) {
            break;
        }

        if (rc != IAM_OK) {
            errors++;
            continue;
        }

        for (i = 0; i < T_PROBES; i++) {
            if (got[i] != want[i]) {
                printf("# allocation %lu failed: probe %zu decided %s, "
                       "not %s\n", n, i, iam_decision_name(got[i]),
                       iam_decision_name(want[i]));
                bad++;
            }
        }
    }

    iam_fault_set(0);
    json_set_alloc_funcs(malloc, free);

    is_int(bad, 0, "account: each of %lu failed allocations is an error "
           "(%lu) or the same decisions", total, errors);
    ok(errors > 0, "account: failures were injected");

    unlink(file);
}


static void
t_simulate(void)
{
    int             bad;
    json_t         *in, *out, *d;
    const char     *want;
    unsigned long   n, total, errors;

    in = json_loads("{\"identity_policies\": [{\"Version\": \"2012-10-17\","
                    " \"Statement\": [{\"Effect\": \"Allow\", \"Action\":"
                    " \"*\", \"Resource\": \"*\"}, {\"Effect\": \"Deny\","
                    " \"Action\": \"s3:Delete*\", \"Resource\": "
                    "\"arn:aws:s3:::b/${aws:username}/*\"}]}],"
                    " \"scps\": [[{\"Version\": \"2012-10-17\", \"Statement\":"
                    " {\"Effect\": \"Allow\", \"Action\": \"s3:*\","
                    " \"Resource\": \"*\"}}]],"
                    " \"request\": {\"principal\":"
                    " \"arn:aws:iam::123456789012:user/alice\", \"action\":"
                    " \"s3:DeleteObject\", \"resource\":"
                    " \"arn:aws:s3:::b/alice/k\", \"context\":"
                    " {\"aws:username\": \"alice\"}}}", 0, NULL);
    ok(in != NULL, "simulation case parsed");

    json_set_alloc_funcs(t_json_malloc, free);

    iam_fault_set(0);
    out = iam_simulate(in, 1);
    total = iam_fault_count();
    d = json_object_get(out, "decision");
    is_str(json_string_value(d), "explicitDeny",
           "simulation without faults: explicitDeny (%lu allocations)",
           total);
    json_decref(out);

    bad = 0;
    errors = 0;

    for (n = 1; n <= total; n++) {
        iam_fault_set(n);
        out = iam_simulate(in, n & 1);

        if (!iam_fault_fired()) {
            json_decref(out);
            break;
        }

        if (out == NULL || json_object_get(out, "error") != NULL) {
            errors++;

        } else {
            want = json_string_value(json_object_get(out, "decision"));
            if (want == NULL || strcmp(want, "explicitDeny") != 0) {
                printf("# allocation %lu failed: decision %s\n", n,
                       want ? want : "(none)");
                bad++;
            }
        }

        json_decref(out);
    }

    iam_fault_set(0);
    json_set_alloc_funcs(malloc, free);

    is_int(bad, 0, "simulation: each of %lu failed allocations is an error "
           "(%lu) or explicitDeny", total, errors);
    ok(errors > 0, "simulation: failures were injected");

    json_decref(in);
}


/* the request's allocator fails its Nth call */
typedef struct {
    fuzz_alloc_t    alloc;
    unsigned long   n;
    unsigned long   calls;
} t_alloc_t;


static void *
t_sigv4_alloc(void *data, size_t size)
{
    t_alloc_t  *a;

    a = data;

    if (++a->calls == a->n) {
        return NULL;
    }

    return fuzz_alloc(&a->alloc, size);
}


static int
t_sigv4_run(const fuzz_request_t *r, const char *secret, unsigned long n,
    unsigned long *calls)
{
    int                   rc;
    size_t                i;
    iam_str_t             s;
    t_alloc_t             a;
    iam_sigv4_conf_t      conf;
    iam_sigv4_auth_t      auth;
    iam_sigv4_header_t    headers[FUZZ_MAX_HEADERS];
    iam_sigv4_request_t   req;
    char                  hex[IAM_SIGV4_HEX_LEN + 1];
    static const iam_str_t  region = iam_string("us-east-1");
    static const iam_str_t  service = iam_string("service");

    iam_sigv4_conf_init(&conf, region, service);

    for (i = 0; i < r->nheaders; i++) {
        headers[i].name = r->headers[i].name;
        headers[i].value = r->headers[i].value;
    }

    memset(&a, 0, sizeof(t_alloc_t));
    a.n = n;

    memset(&req, 0, sizeof(iam_sigv4_request_t));
    req.method = r->method;
    req.path = r->path;
    req.query = r->query;
    req.headers = headers;
    req.nheaders = r->nheaders;
    iam_sigv4_sha256_hex(r->body.data, r->body.len, hex);
    req.payload_hash.data = hex;
    req.payload_hash.len = IAM_SIGV4_HEX_LEN;
    req.now = 1440938160;
    req.alloc = t_sigv4_alloc;
    req.alloc_data = &a;

    memset(&auth, 0, sizeof(iam_sigv4_auth_t));

    rc = iam_sigv4_parse(&conf, &req, &auth);

    if (rc == IAM_OK) {
        s.data = secret;
        s.len = strlen(secret);
        /* no cache: every run derives the key */
        rc = iam_sigv4_verify(&conf, &req, &auth, s, NULL);
    }

    fuzz_alloc_free(&a.alloc);
    *calls = a.calls;

    return rc;
}


static void
t_sigv4(const char *data)
{
    int             rc, bad;
    char            path[1024], buf[8192];
    FILE           *f;
    size_t          len;
    unsigned long   n, calls, total;
    fuzz_request_t  r;
    static const char  *cases[] = {
        "get-vanilla-query-order-key-case", "post-x-www-form-urlencoded",
        "get-header-value-trim", NULL
    };
    const char    **c;

    for (c = cases; *c; c++) {
        snprintf(path, sizeof(path),
                 "%s/sigv4/aws-sig-v4-test-suite/%s/%s.sreq", data, *c, *c);

        f = fopen(path, "rb");
        len = f ? fread(buf, 1, sizeof(buf), f) : 0;
        if (f) {
            fclose(f);
        }

        if (!ok(len > 0 && fuzz_parse_request(buf, len, &r) == 0,
                "%s: request read", *c))
        {
            continue;
        }

        rc = t_sigv4_run(&r, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 0,
                         &total);
        ok(rc == IAM_OK && total > 0, "%s: verifies (%lu allocations)", *c,
           total);

        bad = 0;

        for (n = 1; n <= total; n++) {
            /* with the wrong secret, a failed allocation must not pass */
            if (t_sigv4_run(&r, "wrong", n, &calls) != IAM_ERROR) {
                printf("# %s: allocation %lu failed: wrong secret passed\n",
                       *c, n);
                bad++;
            }

            /* with the right one: still verified, or an error */
            rc = t_sigv4_run(&r, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                             n, &calls);
            if (rc != IAM_OK && rc != IAM_ERROR) {
                bad++;
            }
        }

        is_int(bad, 0, "%s: each of %lu failed allocations fails closed",
               *c, total);
    }
}
