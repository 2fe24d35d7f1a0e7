/*
 * ngx_iam engine: AWS Signature Version 4 verification.
 *
 * Two steps, so that a malformed request never costs a key lookup:
 *
 *   iam_sigv4_parse()   finds the Authorization header or the presigned
 *                       query parameters and checks everything that needs
 *                       no secret: syntax, credential scope, date, clock
 *                       skew, expiry, which headers are signed;
 *   iam_sigv4_verify()  builds the canonical request and the string to
 *                       sign, derives the signing key (cached) and compares
 *                       the signature in constant time.
 *
 * Between the two the caller looks up auth.access_key and answers
 * IAM_SIGV4_ERR_INVALID_ACCESS_KEY itself when it is unknown or disabled.
 * Nothing is allocated except through the request's allocator, which the
 * nginx glue points at the request pool.
 */

#ifndef _IAM_SIGV4_H_INCLUDED_
#define _IAM_SIGV4_H_INCLUDED_


#include <time.h>
#include <iam/iam_core.h>


#define IAM_SIGV4_ALGORITHM          "AWS4-HMAC-SHA256"
#define IAM_SIGV4_DEFAULT_SKEW       900
#define IAM_SIGV4_MAX_EXPIRES        604800
/* an Authorization value longer than this is refused before parsing */
#define IAM_SIGV4_MAX_AUTHORIZATION  8192
#define IAM_SIGV4_MAX_ACCESS_KEY     128
#define IAM_SIGV4_HEX_LEN            64
#define IAM_SIGV4_EMPTY_SHA256                                                \
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define IAM_SIGV4_UNSIGNED_PAYLOAD   "UNSIGNED-PAYLOAD"
#define IAM_SIGV4_DATE_LEN           16        /* yyyymmddThhmmssZ */


/*
 * The error catalogue: each value has an S3 error code, an HTTP status and
 * a message (iam_sigv4_error_*()); auth.detail says which check failed.
 */
typedef enum {
    IAM_SIGV4_OK = 0,
    IAM_SIGV4_ERR_HEADER_MALFORMED,      /* AuthorizationHeaderMalformed 400 */
    IAM_SIGV4_ERR_QUERY_MALFORMED,  /* AuthorizationQueryParametersError 400 */
    IAM_SIGV4_ERR_INCOMPLETE_SIGNATURE,  /* IncompleteSignature 400 */
    IAM_SIGV4_ERR_MULTIPLE_AUTH,         /* InvalidArgument 400 */
    IAM_SIGV4_ERR_EXPIRES_INVALID,  /* AuthorizationQueryParametersError 400 */
    IAM_SIGV4_ERR_MISSING_CONTENT_SHA256,  /* InvalidRequest 400 */
    IAM_SIGV4_ERR_CONTENT_SHA256_INVALID,  /* InvalidArgument 400 */
    IAM_SIGV4_ERR_TOO_LARGE,           /* RequestHeaderSectionTooLarge 400 */
    IAM_SIGV4_ERR_DATE_INVALID,          /* AccessDenied 403 */
    IAM_SIGV4_ERR_TIME_SKEWED,           /* RequestTimeTooSkewed 403 */
    IAM_SIGV4_ERR_EXPIRED,               /* AccessDenied 403 */
    IAM_SIGV4_ERR_NOT_YET_VALID,         /* AccessDenied 403 */
    IAM_SIGV4_ERR_UNSIGNED_HEADERS,      /* AccessDenied 403 */
    IAM_SIGV4_ERR_HOST_NOT_SIGNED,       /* SignatureDoesNotMatch 403 */
    IAM_SIGV4_ERR_SIGNED_HEADER_ABSENT,  /* SignatureDoesNotMatch 403 */
    IAM_SIGV4_ERR_SIGNATURE_MISMATCH,    /* SignatureDoesNotMatch 403 */
    IAM_SIGV4_ERR_INVALID_ACCESS_KEY,    /* InvalidAccessKeyId 403 */
    IAM_SIGV4_ERR_ACCESS_DENIED,         /* AccessDenied 403 */
    IAM_SIGV4_ERR_INTERNAL,              /* InternalError 500 */
    IAM_SIGV4_ERR_LAST
} iam_sigv4_err_t;

const char *iam_sigv4_error_code(iam_sigv4_err_t err);
int iam_sigv4_error_status(iam_sigv4_err_t err);
const char *iam_sigv4_error_message(iam_sigv4_err_t err);


/*
 * Per location.  iam_sigv4_conf_init() sets the AWS rules for the service:
 * S3 signs the path as sent (already URI-encoded once), never normalized,
 * and needs x-amz-content-sha256; every other service signs the path with
 * dot segments and repeated slashes removed, URI-encoded once more.
 */
typedef struct {
    iam_str_t               region;
    iam_str_t               service;
    time_t                  skew;             /* seconds either way */
    unsigned                s3:1;
    unsigned                normalize_path:1;
    unsigned                double_encode:1;
    /* S3 rejects header auth without x-amz-content-sha256 */
    unsigned                require_content_sha256:1;
    /*
     * Some services let clients add X-Amz-Security-Token after signing:
     * then the token header need not be signed, and the token query
     * parameter is left out of the canonical query.
     */
    unsigned                token_unsigned:1;
} iam_sigv4_conf_t;

void iam_sigv4_conf_init(iam_sigv4_conf_t *conf, iam_str_t region,
    iam_str_t service);


/*
 * Memory for one request: the nginx glue wraps ngx_palloc(r->pool); tests
 * and tools may use a scratch buffer.  Nothing is ever freed one by one.
 */
typedef void *(*iam_sigv4_alloc_pt)(void *data, size_t size);

typedef struct {
    char                   *pos;
    char                   *end;
} iam_sigv4_scratch_t;

/* an iam_sigv4_alloc_pt over an iam_sigv4_scratch_t */
void *iam_sigv4_scratch_alloc(void *scratch, size_t size);


typedef struct {
    iam_str_t               name;
    iam_str_t               value;
} iam_sigv4_header_t;

typedef struct {
    iam_str_t               method;
    /*
     * Path and query exactly as on the request line (nginx: split
     * r->unparsed_uri, not r->uri, which is decoded and merged).
     */
    iam_str_t               path;          /* percent-encoded */
    iam_str_t               query;         /* without the '?' */
    const iam_sigv4_header_t  *headers;  /* as received, in order */
    size_t                  nheaders;
    /*
     * The payload hash to sign with: x-amz-content-sha256's value, the
     * hex SHA-256 of a known body, or "UNSIGNED-PAYLOAD".  Empty: the
     * x-amz-content-sha256 header if any, else the empty body's hash.
     * Presigned S3 requests always use X-Amz-Content-Sha256 or
     * UNSIGNED-PAYLOAD, as S3 does.
     */
    iam_str_t               payload_hash;
    time_t                  now;
    iam_sigv4_alloc_pt      alloc;
    void                   *alloc_data;
} iam_sigv4_request_t;


/* What iam_sigv4_parse() found; strings point into the request. */
typedef struct {
    iam_str_t               algorithm;
    iam_str_t               credential;    /* AKID/DATE/REGION/SERVICE/... */
    iam_str_t               access_key;
    iam_str_t               scope;         /* DATE/REGION/SERVICE/aws4_... */
    iam_str_t               scope_date;
    iam_str_t               scope_region;
    iam_str_t               scope_service;
    iam_str_t               scope_terminator;
    iam_str_t               signed_headers;  /* "host;x-amz-date" */
    iam_str_t               signature;
    iam_str_t               security_token;  /* empty: none */
    iam_str_t               date;          /* yyyymmddThhmmssZ */
    iam_str_t               payload_hash;  /* the one signed */
    time_t                  time;          /* date in seconds */
    time_t                  expires;       /* presigned: X-Amz-Expires */
    unsigned                presigned:1;
    /* the scope names another region or service than the location's */
    unsigned                wrong_region:1;
    unsigned                wrong_service:1;

    iam_sigv4_err_t         error;
    const char             *detail;        /* the failed check, for logs */

    /* set by iam_sigv4_verify(), for debug logs */
    iam_str_t               canonical_request;
    iam_str_t               string_to_sign;

    char                    date_buf[20];  /* a Date header, converted */
} iam_sigv4_auth_t;


/*
 * Signing keys derived per (access key, date, region, service, secret):
 * a hit costs no HMAC.  One per nginx worker, owned by the caller,
 * direct-mapped, fixed size.  The secret is part of the key so that a
 * rotated secret never meets a stale signing key.
 */
#define IAM_SIGV4_CACHE_SIZE  64              /* a power of two */
#define IAM_SIGV4_CACHE_ID    256

typedef struct {
    uint32_t                hash;
    uint16_t                len;              /* 0: empty */
    unsigned char           id[IAM_SIGV4_CACHE_ID];
    unsigned char           key[32];
    /*
     * An OpenSSL EVP_MAC_CTX keyed with key[], kept across entries: a
     * hit restarts it instead of setting the key up again.
     */
    void                   *mac;
} iam_sigv4_cache_entry_t;

typedef struct {
    iam_sigv4_cache_entry_t  entries[IAM_SIGV4_CACHE_SIZE];
    uint64_t                hits;
    uint64_t                misses;
} iam_sigv4_cache_t;

void iam_sigv4_cache_init(iam_sigv4_cache_t *cache);
/* Frees the keyed MAC contexts and wipes the keys. */
void iam_sigv4_cache_free(iam_sigv4_cache_t *cache);


/*
 * IAM_DECLINED: the request carries no SigV4 (anonymous, or another
 * scheme); IAM_OK: auth is filled in and passed every check that needs no
 * secret; IAM_ERROR: auth->error and auth->detail say why.
 */
int iam_sigv4_parse(const iam_sigv4_conf_t *conf,
    const iam_sigv4_request_t *req, iam_sigv4_auth_t *auth);

/*
 * After iam_sigv4_parse() returned IAM_OK.  cache may be NULL.
 * IAM_OK: the signature is good; IAM_ERROR: auth->error says why.
 */
int iam_sigv4_verify(const iam_sigv4_conf_t *conf,
    const iam_sigv4_request_t *req, iam_sigv4_auth_t *auth,
    iam_str_t secret, iam_sigv4_cache_t *cache);

/* The canonical request of a parsed request, allocated from req->alloc. */
int iam_sigv4_canonical_request(const iam_sigv4_conf_t *conf,
    const iam_sigv4_request_t *req, const iam_sigv4_auth_t *auth,
    iam_str_t *out);

/*
 * The message of a failed parse as S3 words it, with what the client sent
 * where S3 names it ("the region 'eu-west-1' is wrong; expecting
 * 'us-east-1'").  Writes at most size - 1 bytes and a NUL into buf; returns
 * the length.  Bytes of the request other than printable ASCII print as
 * '?'.
 */
size_t iam_sigv4_error_describe(const iam_sigv4_conf_t *conf,
    const iam_sigv4_auth_t *auth, char *buf, size_t size);

/*
 * Signs req as a client would, with an Authorization header: every header
 * in req->headers is signed, so they must be the ones that will be sent
 * (host, x-amz-date with the value of date, and for S3
 * x-amz-content-sha256) with their values as sent.  The payload hash is
 * req->payload_hash (empty: the empty body's); the path and query are
 * signed as given.  *authorization is allocated from req->alloc.
 */
int iam_sigv4_sign_request(const iam_sigv4_conf_t *conf,
    const iam_sigv4_request_t *req, iam_str_t access_key, iam_str_t secret,
    iam_str_t date, iam_sigv4_cache_t *cache, iam_str_t *authorization);

/* t as x-amz-date writes it into buf[IAM_SIGV4_DATE_LEN + 1]; its length */
size_t iam_sigv4_format_date(time_t t, char *buf);

/*
 * The query without the auth parameters of a presigned URL (X-Amz-Algorithm,
 * -Credential, -Date, -Expires, -SignedHeaders, -Signature,
 * -Security-Token, -Content-Sha256), the others as sent and in order:
 * written into buf, which has room for query.len bytes; returns the length.
 */
size_t iam_sigv4_strip_auth_query(iam_str_t query, char *buf);

/* Lowercase hex SHA-256 of data into hex[65], NUL-terminated. */
int iam_sigv4_sha256_hex(const void *data, size_t len, char *hex);


#endif /* _IAM_SIGV4_H_INCLUDED_ */
