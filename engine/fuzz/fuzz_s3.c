/*
 * libFuzzer target: the S3 REST mapping, method + path + query + Host +
 * headers (+ a DeleteObjects body) to (action, resource) pairs.
 *
 * The input is an HTTP request.  The output arrays and the scratch buffer
 * are malloc'ed with exactly the sizes the API asks for, so ASan catches a
 * write past them; beyond that, every result must keep the API's promises:
 * an error has a code, a status and a reason and no pairs; a success has at
 * least one pair within bounds, actions that start with "s3:", resources
 * that are S3 ARNs, strings inside the request or the scratch buffer, and
 * conditions that fit a context.
 */

#include "fuzz_common.h"
#include <iam/iam_s3.h>
#include <iam/iam_context.h>


static const iam_str_t  fuzz_domains[] = {
    iam_string("s3.example.com"),
    iam_string("s3.us-east-1.amazonaws.com")
};


static int
fuzz_inside(iam_str_t s, const char *start, size_t len)
{
    return s.len == 0
           || (s.data >= start && s.data + s.len <= start + len);
}


static int
fuzz_owned(iam_str_t s, const uint8_t *data, size_t size,
    const iam_s3_result_t *res)
{
    return fuzz_inside(s, (const char *) data, size)
           || fuzz_inside(s, res->scratch, res->scratch_size);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                   rc;
    size_t                i, j;
    fuzz_request_t        r;
    iam_s3_header_t       headers[FUZZ_MAX_HEADERS];
    iam_s3_request_t      req;
    iam_s3_result_t       res;
    iam_context_t         ctx;
    const fuzz_header_t  *host;
    iam_context_entry_t   entries[IAM_S3_MAX_CONDITIONS];

    if (fuzz_parse_request((const char *) data, size, &r) != 0) {
        return 0;
    }

    memset(&req, 0, sizeof(iam_s3_request_t));

    for (i = 0; i < r.nheaders; i++) {
        headers[i].name = r.headers[i].name;
        headers[i].value = r.headers[i].value;
    }

    host = fuzz_header(&r, "host");

    req.method = r.method;
    req.path = r.path;
    req.query = r.query;
    req.host.data = host ? host->value.data : "";
    req.host.len = host ? host->value.len : 0;
    req.domains = fuzz_domains;
    req.ndomains = sizeof(fuzz_domains) / sizeof(fuzz_domains[0]);
    req.headers = headers;
    req.nheaders = r.nheaders;

    if (iam_s3_needs_body(&req)) {
        req.body = r.body;
    }

    memset(&res, 0, sizeof(iam_s3_result_t));
    res.access_max = iam_s3_access_max(&req);
    res.access = malloc(res.access_max * sizeof(iam_s3_access_t));
    res.conditions_max = IAM_S3_MAX_CONDITIONS;
    res.conditions = malloc(res.conditions_max * sizeof(iam_s3_condition_t));
    res.scratch_size = iam_s3_scratch_size(&req);
    res.scratch = malloc(res.scratch_size);

    fuzz_assert(res.access && res.conditions && res.scratch);

    rc = iam_s3_map(&req, &res);

    if (rc != IAM_OK) {
        fuzz_assert(rc == IAM_ERROR);
        fuzz_assert(res.error != IAM_S3_ERR_NONE);
        fuzz_assert(iam_s3_error_code(res.error) != NULL);
        fuzz_assert(iam_s3_error_status(res.error) >= 400);
        fuzz_assert(iam_s3_error_message(res.error) != NULL);
        fuzz_assert(res.reason != NULL);
        fuzz_assert(res.naccess == 0);
        goto done;
    }

    fuzz_assert(res.naccess >= 1 && res.naccess <= res.access_max);
    fuzz_assert(res.nconditions <= res.conditions_max);
    fuzz_assert(res.scratch_used <= res.scratch_size);
    fuzz_assert(res.operation.len > 0);
    fuzz_assert(res.key.len <= IAM_S3_MAX_KEY_LEN);

    for (i = 0; i < res.naccess; i++) {
        fuzz_assert(res.access[i].action.len > 3
                    && memcmp(res.access[i].action.data, "s3:", 3) == 0);
        fuzz_assert(res.access[i].resource.len >= 13
                    && memcmp(res.access[i].resource.data,
                              "arn:aws:s3:::", 13) == 0);
        /* "arn:aws:s3:::*" (ListBuckets) is a constant */
        fuzz_assert(fuzz_owned(res.access[i].resource, data, size, &res)
                    || iam_str_eq_cstr(res.access[i].resource,
                                       "arn:aws:s3:::*"));
    }

    fuzz_assert(fuzz_owned(res.bucket, data, size, &res));
    fuzz_assert(fuzz_owned(res.key, data, size, &res));
    fuzz_assert(fuzz_owned(res.version_id, data, size, &res));

    for (i = 0; i < res.nconditions; i++) {
        fuzz_assert(res.conditions[i].key.len > 0);

        for (j = 0; j < res.conditions[i].nvalues; j++) {
            fuzz_assert(fuzz_owned(res.conditions[i].values[j], data, size,
                                   &res));
        }
    }

    iam_context_init(&ctx, entries, IAM_S3_MAX_CONDITIONS);
    fuzz_assert(iam_s3_context_set(&res, &ctx) == IAM_OK);

done:

    free(res.access);
    free(res.conditions);
    free(res.scratch);

    return 0;
}
