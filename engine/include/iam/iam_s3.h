/*
 * ngx_iam engine: the built-in S3 REST mapping.
 *
 * An S3 request (method, raw path and query, Host, a few headers, and the
 * body of a multi-object delete) becomes the (action, resource) pairs IAM
 * must allow, the S3 condition keys of the request and the operation name.
 *
 * Nothing is allocated: the caller hands in the output arrays and a scratch
 * buffer (nginx: from the request pool), sized with iam_s3_access_max(),
 * IAM_S3_MAX_CONDITIONS and iam_s3_scratch_size().  What cannot be mapped
 * with certainty is an error, never a guessed action.
 */

#ifndef _IAM_S3_H_INCLUDED_
#define _IAM_S3_H_INCLUDED_


#include <iam/iam_core.h>
#include <iam/iam_context.h>


/* S3's own limits, enforced so that the output arrays have fixed bounds */
#define IAM_S3_MAX_KEY_LEN        1024      /* bytes of UTF-8 */
#define IAM_S3_MAX_DELETE_KEYS    1000      /* <Object>s in one DeleteObjects */
#define IAM_S3_MAX_TAGS           10        /* tags in x-amz-tagging */

/* output bounds: pairs of any request but DeleteObjects, and conditions */
#define IAM_S3_MAX_ACCESS         8
#define IAM_S3_MAX_CONDITIONS     40


typedef enum {
    IAM_S3_ERR_NONE = 0,
    IAM_S3_ERR_INVALID_URI,             /* InvalidURI               400 */
    IAM_S3_ERR_INVALID_BUCKET_NAME,     /* InvalidBucketName        400 */
    IAM_S3_ERR_KEY_TOO_LONG,            /* KeyTooLongError          400 */
    IAM_S3_ERR_INVALID_ARGUMENT,        /* InvalidArgument          400 */
    IAM_S3_ERR_INVALID_TAG,             /* InvalidTag               400 */
    IAM_S3_ERR_MALFORMED_XML,           /* MalformedXML             400 */
    IAM_S3_ERR_METHOD_NOT_ALLOWED,      /* MethodNotAllowed         405 */
    IAM_S3_ERR_NOT_IMPLEMENTED,         /* NotImplemented           501 */
    IAM_S3_ERR_INTERNAL                 /* InternalError            500 */
} iam_s3_error_e;


/* how the caller authenticated the request: s3:authType */
#define IAM_S3_AUTH_NONE          0         /* anonymous */
#define IAM_S3_AUTH_HEADER        1         /* "REST-HEADER" */
#define IAM_S3_AUTH_QUERY         2         /* "REST-QUERY-STRING" */


typedef struct {
    iam_str_t       name;       /* compared ignoring case */
    iam_str_t       value;
} iam_s3_header_t;


typedef struct {
    iam_str_t               method;     /* "GET", "PUT" ... */
    iam_str_t               path;       /* raw, percent-encoded, no query */
    iam_str_t               query;      /* raw, without the '?' */
    iam_str_t               host;       /* the Host header, port allowed */

    /*
     * Base domains of virtual-hosted-style requests: with "s3.example.com",
     * Host "photos.s3.example.com" names the bucket "photos"; any other Host
     * means path-style, /bucket/key.
     */
    const iam_str_t        *domains;
    size_t                  ndomains;

    /*
     * The request headers: all of them, or at least Content-Type and the
     * x-amz-* ones (a header given twice is refused, so pass duplicates).
     */
    const iam_s3_header_t  *headers;
    size_t                  nheaders;

    /* the request body, read by the caller when iam_s3_needs_body() */
    iam_str_t               body;

    /*
     * What the caller knows of the authentication and the connection:
     * s3:authType, s3:signatureversion and s3:signatureAge (milliseconds
     * since the signature's date) of a SigV4 request, and s3:TlsVersion
     * from the protocol as OpenSSL names it ("TLSv1.3"; empty: no TLS).
     */
    unsigned                auth;           /* IAM_S3_AUTH_* */
    uint64_t                signature_age;
    iam_str_t               tls_protocol;
} iam_s3_request_t;


/* One pair IAM must allow; the request is allowed only if all are. */
typedef struct {
    iam_str_t       action;     /* "s3:GetObject"; static */
    iam_str_t       resource;   /* "arn:aws:s3:::bucket/key" */
} iam_s3_access_t;

/* A condition key, ready for iam_context_set(ctx, key, values, nvalues). */
typedef struct {
    iam_str_t            key;
    const iam_str_t     *values;
    size_t               nvalues;
    iam_str_t            value;     /* storage of a single value */
} iam_s3_condition_t;


typedef struct {
    /* set by the caller */
    iam_s3_access_t     *access;
    size_t               access_max;
    iam_s3_condition_t  *conditions;
    size_t               conditions_max;
    char                *scratch;
    size_t               scratch_size;

    /* set by iam_s3_map() */
    iam_str_t            operation;     /* "GetObject", "ListObjectsV2" */
    iam_str_t            bucket;        /* empty for ListBuckets */
    iam_str_t            key;           /* percent-decoded; empty if none */
    iam_str_t            version_id;    /* ?versionId, decoded */
    size_t               naccess;       /* access[0]: the operation's own */
    size_t               nconditions;
    size_t               scratch_used;

    iam_s3_error_e       error;
    const char          *reason;        /* static text for the error log */
} iam_s3_result_t;


/*
 * IAM_OK with the pairs, conditions and names in res; IAM_ERROR with
 * res->error and res->reason.  Strings point into the request (unchanged
 * header values) or into the scratch buffer: both must outlive their use.
 *
 * In the glue, per request:
 *
 *     if (iam_s3_needs_body(&req)) { read the body into req.body }
 *     res.access_max = iam_s3_access_max(&req);
 *     res.access = ngx_palloc(r->pool, res.access_max * sizeof(...));
 *     res.conditions_max = IAM_S3_MAX_CONDITIONS;
 *     res.conditions = ngx_palloc(r->pool, ...);
 *     res.scratch_size = iam_s3_scratch_size(&req);
 *     res.scratch = ngx_palloc(r->pool, res.scratch_size);
 *     if (iam_s3_map(&req, &res) != IAM_OK) {
 *         S3 XML error: iam_s3_error_code(res.error), its status, message
 *     }
 *     iam_s3_context_set(&res, ctx); every res.access[i] must be allowed
 *
 * A CORS preflight (OPTIONS) is MethodNotAllowed here: it carries no
 * credentials, so the glue answers or passes it before mapping.
 */
int iam_s3_map(const iam_s3_request_t *req, iam_s3_result_t *res);

/* 1 when the mapping needs req->body (POST ?delete), 0 otherwise. */
int iam_s3_needs_body(const iam_s3_request_t *req);

/* Sizes of res->access and res->scratch that are always enough for req. */
size_t iam_s3_access_max(const iam_s3_request_t *req);
size_t iam_s3_scratch_size(const iam_s3_request_t *req);

/* Sets every condition of a successful mapping in ctx. */
int iam_s3_context_set(const iam_s3_result_t *res, iam_context_t *ctx);

/* The S3 error code ("InvalidURI"), HTTP status and S3's message. */
const char *iam_s3_error_code(iam_s3_error_e err);
int iam_s3_error_status(iam_s3_error_e err);
const char *iam_s3_error_message(iam_s3_error_e err);


#endif /* _IAM_S3_H_INCLUDED_ */
