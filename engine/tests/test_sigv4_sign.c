/*
 * SigV4 signing, as the gateway signs the request it sends upstream.
 *
 * Checked against the worked examples of AWS's S3 documentation
 * ("Signature Calculations for the Authorization Header: Transferring
 * Payload in a Single Chunk"), whose signatures are published, and round
 * tripped through iam_sigv4_parse() and iam_sigv4_verify().
 */

#include <stdio.h>
#include <string.h>
#include <iam/iam_sigv4.h>
#include "tap.h"


#define T_KEY     "AKIAIOSFODNN7EXAMPLE"
#define T_SECRET  "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define T_DATE    "20130524T000000Z"
#define T_CLOCK   1369353600                   /* 20130524T000000Z */


static void t_setup(iam_sigv4_request_t *req, const char *method,
    const char *path, const char *query, const iam_sigv4_header_t *headers,
    size_t n, const char *payload);
static void t_doc_get(void);
static void t_doc_put(void);
static void t_doc_list(void);
static void t_round_trip(void);
static void t_other_service(void);
static void t_strip(void);
static void t_format_date(void);


static char                scratch_mem[256 * 1024];
static iam_sigv4_scratch_t  scratch;
static iam_sigv4_conf_t    conf;


#define H(n, v)  { iam_string(n), iam_string(v) }


int
main(void)
{
    iam_sigv4_conf_init(&conf, (iam_str_t) iam_string("us-east-1"),
                        (iam_str_t) iam_string("s3"));

    t_doc_get();
    t_doc_put();
    t_doc_list();
    t_round_trip();
    t_other_service();
    t_strip();
    t_format_date();

    return tap_done();
}


static void
t_setup(iam_sigv4_request_t *req, const char *method, const char *path,
    const char *query, const iam_sigv4_header_t *headers, size_t n,
    const char *payload)
{
    scratch.pos = scratch_mem;
    scratch.end = scratch_mem + sizeof(scratch_mem);

    memset(req, 0, sizeof(iam_sigv4_request_t));

    req->method.data = method;
    req->method.len = strlen(method);
    req->path.data = path;
    req->path.len = strlen(path);
    req->query.data = query;
    req->query.len = strlen(query);
    req->headers = headers;
    req->nheaders = n;
    req->payload_hash.data = payload;
    req->payload_hash.len = strlen(payload);
    req->now = T_CLOCK;
    req->alloc = iam_sigv4_scratch_alloc;
    req->alloc_data = &scratch;
}


static char *
t_sign(iam_sigv4_request_t *req, iam_sigv4_cache_t *cache)
{
    static char  out[1024];
    iam_str_t    authz;

    if (iam_sigv4_sign_request(&conf, req, (iam_str_t) iam_string(T_KEY),
                       (iam_str_t) iam_string(T_SECRET),
                       (iam_str_t) iam_string(T_DATE), cache, &authz)
        != IAM_OK)
    {
        return NULL;
    }

    snprintf(out, sizeof(out), "%.*s", (int) authz.len, authz.data);

    return out;
}


/* GET Object, with a Range header; headers out of order and mixed case */

static void
t_doc_get(void)
{
    iam_sigv4_cache_t    cache;
    iam_sigv4_request_t  req;

    static const iam_sigv4_header_t  headers[] = {
        H("X-Amz-Date", T_DATE),
        H("Range", "bytes=0-9"),
        H("Host", "examplebucket.s3.amazonaws.com"),
        H("x-amz-content-sha256", IAM_SIGV4_EMPTY_SHA256)
    };

    t_setup(&req, "GET", "/test.txt", "", headers, 4,
            IAM_SIGV4_EMPTY_SHA256);

    is_str(t_sign(&req, NULL),
           "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/"
           "us-east-1/s3/aws4_request, "
           "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
           "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c"
           "6036bdb41",
           "GET Object: AWS's published signature");

    iam_sigv4_cache_init(&cache);
    t_sign(&req, &cache);
    t_setup(&req, "GET", "/test.txt", "", headers, 4,
            IAM_SIGV4_EMPTY_SHA256);

    ok(t_sign(&req, &cache) != NULL
       && strstr(t_sign(&req, &cache), "Signature=f0e8bdb87c96") != NULL
       && cache.hits >= 1,
       "GET Object: the same signature from a cached signing key");

    iam_sigv4_cache_free(&cache);
}


/* PUT Object: a Date header besides x-amz-date, '$' encoded in the path */

static void
t_doc_put(void)
{
    iam_sigv4_request_t  req;

    static const iam_sigv4_header_t  headers[] = {
        H("Host", "examplebucket.s3.amazonaws.com"),
        H("Date", "Fri, 24 May 2013 00:00:00 GMT"),
        H("x-amz-date", T_DATE),
        H("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        H("x-amz-content-sha256",
          "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
    };

    t_setup(&req, "PUT", "/test%24file.text", "", headers, 5,
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");

    is_str(t_sign(&req, NULL),
           "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/"
           "us-east-1/s3/aws4_request, SignedHeaders=date;host;"
           "x-amz-content-sha256;x-amz-date;x-amz-storage-class, "
           "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af"
           "0ece108bd",
           "PUT Object: AWS's published signature");
}


/* GET Bucket (List Objects): a query, sorted by the signer */

static void
t_doc_list(void)
{
    iam_sigv4_request_t  req;

    static const iam_sigv4_header_t  headers[] = {
        H("host", "examplebucket.s3.amazonaws.com"),
        H("x-amz-date", T_DATE),
        H("x-amz-content-sha256", IAM_SIGV4_EMPTY_SHA256)
    };

    t_setup(&req, "GET", "/", "prefix=J&max-keys=2", headers, 3,
            IAM_SIGV4_EMPTY_SHA256);

    is_str(t_sign(&req, NULL),
           "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/"
           "us-east-1/s3/aws4_request, "
           "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
           "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711"
           "ef69dc6f7",
           "GET Bucket: AWS's published signature");
}


/*
 * What the gateway signs, the store verifies: parse the Authorization
 * value back and verify it with the same secret; a repeated header is
 * named once; another secret fails.
 */

static void
t_round_trip(void)
{
    char                 authz[1024];
    iam_str_t            out;
    iam_sigv4_auth_t     auth;
    iam_sigv4_header_t   headers[6];
    iam_sigv4_request_t  req;

    static const iam_sigv4_header_t  base[] = {
        H("host", "127.0.0.1:9000"),
        H("x-amz-meta-a", "one"),
        H("x-amz-date", T_DATE),
        H("x-amz-meta-a", "two"),
        H("x-amz-content-sha256", IAM_SIGV4_UNSIGNED_PAYLOAD)
    };

    memcpy(headers, base, sizeof(base));

    t_setup(&req, "PUT", "/bucket/a%20b+c.txt", "x-id=PutObject", headers, 5,
            IAM_SIGV4_UNSIGNED_PAYLOAD);

    snprintf(authz, sizeof(authz), "%s", t_sign(&req, NULL));

    ok(strstr(authz, "SignedHeaders=host;x-amz-content-sha256;x-amz-date;"
                     "x-amz-meta-a, ") != NULL,
       "a repeated header is signed once: %s", authz);

    headers[5].name = (iam_str_t) iam_string("Authorization");
    headers[5].value.data = authz;
    headers[5].value.len = strlen(authz);
    req.nheaders = 6;
    req.payload_hash.len = 0;

    is_int(iam_sigv4_parse(&conf, &req, &auth), IAM_OK,
           "the signed request parses");
    is_int(iam_sigv4_verify(&conf, &req, &auth,
                            (iam_str_t) iam_string(T_SECRET), NULL),
           IAM_OK, "and verifies with the secret it was signed with");

    iam_sigv4_parse(&conf, &req, &auth);
    is_int(iam_sigv4_verify(&conf, &req, &auth,
                            (iam_str_t) iam_string("another"), NULL),
           IAM_ERROR, "another secret does not verify it");

    t_setup(&req, "GET", "/b", "", headers, 5, "");
    ok(iam_sigv4_sign_request(&conf, &req, (iam_str_t) iam_string(T_KEY),
                      (iam_str_t) iam_string(T_SECRET),
                      (iam_str_t) iam_string("2013-05-24"), NULL, &out)
       == IAM_ERROR, "a date that is not yyyymmddThhmmssZ is refused");
}


/* a service other than S3: the path normalized and encoded twice */

static void
t_other_service(void)
{
    char                 authz[1024];
    iam_sigv4_auth_t     auth;
    iam_sigv4_conf_t     api;
    iam_sigv4_header_t   headers[4];
    iam_sigv4_request_t  req;

    static const iam_sigv4_header_t  base[] = {
        H("Host", "api.example.com"),
        H("X-Amz-Date", T_DATE),
        H("Content-Type", "application/json")
    };

    iam_sigv4_conf_init(&api, (iam_str_t) iam_string("eu-west-1"),
                        (iam_str_t) iam_string("orders"));

    memcpy(headers, base, sizeof(base));
    t_setup(&req, "POST", "/orders/./a%20b//42", "", headers, 3,
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");

    ok(iam_sigv4_sign_request(&api, &req, (iam_str_t) iam_string(T_KEY),
                              (iam_str_t) iam_string(T_SECRET),
                              (iam_str_t) iam_string(T_DATE), NULL,
                              &auth.signature)
       == IAM_OK, "orders: signed");

    snprintf(authz, sizeof(authz), "%.*s", (int) auth.signature.len,
             auth.signature.data);

    ok(strstr(authz, "/20130524/eu-west-1/orders/aws4_request, "
                     "SignedHeaders=content-type;host;x-amz-date, ")
       != NULL, "orders: the scope and signed headers: %s", authz);

    headers[3].name = (iam_str_t) iam_string("Authorization");
    headers[3].value.data = authz;
    headers[3].value.len = strlen(authz);
    req.nheaders = 4;

    is_int(iam_sigv4_parse(&api, &req, &auth), IAM_OK, "orders: parses");
    is_int(iam_sigv4_verify(&api, &req, &auth,
                            (iam_str_t) iam_string(T_SECRET), NULL),
           IAM_OK, "orders: verifies (normalized path, body hash)");
}


static void
t_strip(void)
{
    size_t     n;
    char       buf[512];
    iam_str_t  q;

    static const struct {
        const char  *query;
        const char  *stripped;
    } cases[] = {
        { "", "" },
        { "versionId=3&x-id=GetObject", "versionId=3&x-id=GetObject" },
        { "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F2013"
          "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=60"
          "&X-Amz-SignedHeaders=host&X-Amz-Signature=00", "" },
        { "response-content-type=text%2Fplain&X-Amz-Algorithm=A"
          "&X-Amz-Security-Token=t&versionId=v&X-Amz-Signature=00"
          "&x-amz-acl=public-read",
          "response-content-type=text%2Fplain&versionId=v"
          "&x-amz-acl=public-read" },
        { "X-Amz-Content-SHA256=UNSIGNED-PAYLOAD&&uploads", "uploads" },
        { "X%2DAmz%2DSignature=00&a=1", "a=1" }
    };

    for (n = 0; n < sizeof(cases) / sizeof(cases[0]); n++) {
        q.data = cases[n].query;
        q.len = strlen(cases[n].query);

        buf[iam_sigv4_strip_auth_query(q, buf)] = '\0';
        is_str(buf, cases[n].stripped, "strip the auth query of \"%s\"",
               cases[n].query);
    }
}


static void
t_format_date(void)
{
    char  buf[IAM_SIGV4_DATE_LEN + 1];

    is_int(iam_sigv4_format_date(T_CLOCK, buf), IAM_SIGV4_DATE_LEN,
           "x-amz-date is 16 characters");
    is_str(buf, T_DATE, "x-amz-date of the documentation's clock");
}
