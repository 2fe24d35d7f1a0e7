/*
 * libFuzzer target: SigV4, the Authorization header and the presigned
 * query, parsed and, when they parse, canonicalised and verified.
 *
 * The input is an HTTP request as AWS's suites write them; it is checked
 * under two location configurations (a generic service, normalized and
 * double-encoded, and S3).  The suites' fixed clock makes the seeds pass
 * parsing.  Beyond "no crash, no leak": a signature that verifies with the
 * suites' secret must not verify with another one, and every error has a
 * code, a status and a message.
 */

#include "fuzz_common.h"
#include <iam/iam_sigv4.h>


#define FUZZ_CLOCK   1440938160     /* 20150830T123600Z */
#define FUZZ_SECRET  "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


static iam_sigv4_cache_t  fuzz_cache;
static int                fuzz_cache_ready;


static void
fuzz_check_error(const iam_sigv4_conf_t *conf, const iam_sigv4_auth_t *auth)
{
    char    buf[512];
    size_t  n;

    fuzz_assert(auth->error > IAM_SIGV4_OK && auth->error < IAM_SIGV4_ERR_LAST);
    fuzz_assert(iam_sigv4_error_code(auth->error) != NULL);
    fuzz_assert(iam_sigv4_error_status(auth->error) >= 400);
    fuzz_assert(auth->detail != NULL);

    n = iam_sigv4_error_describe(conf, auth, buf, sizeof(buf));
    fuzz_assert(n < sizeof(buf) && buf[n] == '\0');
}


static void
fuzz_one(const iam_sigv4_conf_t *conf, const fuzz_request_t *r,
    iam_str_t payload_hash)
{
    int                    rc;
    size_t                 i;
    iam_str_t              secret, canonical;
    fuzz_alloc_t           alloc;
    iam_sigv4_auth_t       auth;
    iam_sigv4_header_t     headers[FUZZ_MAX_HEADERS];
    iam_sigv4_request_t    req;

    for (i = 0; i < r->nheaders; i++) {
        headers[i].name = r->headers[i].name;
        headers[i].value = r->headers[i].value;
    }

    alloc.nblocks = 0;

    memset(&req, 0, sizeof(iam_sigv4_request_t));
    req.method = r->method;
    req.path = r->path;
    req.query = r->query;
    req.headers = headers;
    req.nheaders = r->nheaders;
    req.payload_hash = payload_hash;
    req.now = FUZZ_CLOCK;
    req.alloc = fuzz_alloc;
    req.alloc_data = &alloc;

    memset(&auth, 0, sizeof(iam_sigv4_auth_t));

    rc = iam_sigv4_parse(conf, &req, &auth);

    if (rc == IAM_ERROR) {
        fuzz_check_error(conf, &auth);
        goto done;
    }

    if (rc != IAM_OK) {
        fuzz_assert(rc == IAM_DECLINED);
        goto done;
    }

    fuzz_assert(auth.access_key.len > 0);
    fuzz_assert(auth.signature.len > 0);

    if (iam_sigv4_canonical_request(conf, &req, &auth, &canonical) == IAM_OK) {
        fuzz_assert(canonical.len == 0 || canonical.data != NULL);
    }

    iam_str_set(&secret, FUZZ_SECRET);

    rc = iam_sigv4_verify(conf, &req, &auth, secret, &fuzz_cache);

    if (rc != IAM_OK) {
        fuzz_assert(rc == IAM_ERROR);
        fuzz_check_error(conf, &auth);
        goto done;
    }

    /* it verified: no other secret may, cached or not */
    iam_str_set(&secret, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ");
    memset(&auth, 0, sizeof(iam_sigv4_auth_t));

    fuzz_assert(iam_sigv4_parse(conf, &req, &auth) == IAM_OK);
    fuzz_assert(iam_sigv4_verify(conf, &req, &auth, secret, &fuzz_cache)
                == IAM_ERROR);
    fuzz_assert(auth.error == IAM_SIGV4_ERR_SIGNATURE_MISMATCH);

done:

    fuzz_alloc_free(&alloc);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char                   hex[IAM_SIGV4_HEX_LEN + 1];
    iam_str_t              hash;
    fuzz_request_t         r;
    iam_sigv4_conf_t       conf;
    static const iam_str_t  region = iam_string("us-east-1");
    static const iam_str_t  service = iam_string("service");
    static const iam_str_t  s3 = iam_string("s3");

    if (!fuzz_cache_ready) {
        iam_sigv4_cache_init(&fuzz_cache);
        fuzz_cache_ready = 1;
    }

    if (fuzz_parse_request((const char *) data, size, &r) != 0) {
        return 0;
    }

    iam_sigv4_conf_init(&conf, region, service);
    iam_sigv4_sha256_hex(r.body.data, r.body.len, hex);
    hash.data = hex;
    hash.len = IAM_SIGV4_HEX_LEN;
    fuzz_one(&conf, &r, hash);

    /* S3: the payload hash comes from x-amz-content-sha256 */
    iam_sigv4_conf_init(&conf, region, s3);
    hash.len = 0;
    fuzz_one(&conf, &r, hash);

    conf.token_unsigned = 1;
    conf.skew = 0;
    fuzz_one(&conf, &r, hash);

    return 0;
}
