/*
 * ngx_iam engine: the built-in S3 REST mapping.
 *
 * Three tables, each checkable against the AWS documentation line by line:
 * the operations (method, sub-resource, parameters -> action), the headers
 * that carry condition keys, and the actions that headers imply (PutObject
 * with x-amz-acl also needs s3:PutObjectAcl).  A request that matches no
 * row is an error: an unknown sub-resource must never fall through to a
 * plain GetObject or PutObject.
 */

#include <stddef.h>
#include <stdio.h>
#include <iam/iam_s3.h>


/* methods */
#define IAM_S3_GET              0x01
#define IAM_S3_HEAD             0x02
#define IAM_S3_PUT              0x04
#define IAM_S3_POST             0x08
#define IAM_S3_DELETE           0x10

/* what a request addresses: the resource of its own pair */
#define IAM_S3_SERVICE          1       /* arn:aws:s3:::*           */
#define IAM_S3_BUCKET           2       /* arn:aws:s3:::bucket      */
#define IAM_S3_OBJECT           3       /* arn:aws:s3:::bucket/key  */

/*
 * Parameters that select the operation: a row needs some, allows some, and
 * a request with any other does not match it.
 */
#define IAM_S3_VERSION          0x01    /* ?versionId=          */
#define IAM_S3_UPLOAD           0x02    /* ?uploadId=           */
#define IAM_S3_PART             0x04    /* ?partNumber=         */
#define IAM_S3_LIST_TYPE        0x08    /* ?list-type=2         */
#define IAM_S3_SELECT           0x10    /* ?select-type=2       */
#define IAM_S3_ID               0x20    /* ?id= of a bucket configuration */
#define IAM_S3_COPY             0x40    /* x-amz-copy-source:   */

/* what else a row derives from the request */
#define IAM_S3_F_LIST           0x01    /* s3:prefix, s3:delimiter ...    */
#define IAM_S3_F_ACL            0x02    /* s3:x-amz-acl, s3:x-amz-grant-* */
#define IAM_S3_F_WRITE          0x04    /* an object write: SSE, tags ... */
#define IAM_S3_F_COPY           0x08    /* CopyObject's own keys          */
#define IAM_S3_F_CREATE         0x10    /* CreateBucket's implied actions */
#define IAM_S3_F_BYPASS         0x20    /* governance-mode bypass         */
#define IAM_S3_F_DELETE         0x40    /* keys from the XML body         */
#define IAM_S3_F_ANY            0x80    /* (header keys of every row)     */

#define IAM_S3_MAX_PARAMS       64
#define IAM_S3_MAX_TAG_KEY      128     /* characters */
#define IAM_S3_MAX_TAG_VALUE    256

#define IAM_S3_ARN_PREFIX       "arn:aws:s3:::"

/* decoding flags */
#define IAM_S3_PLUS_SPACE       0x01    /* '+' is a space (query strings) */


typedef struct {
    unsigned        method:8;
    unsigned        resource:8;
    unsigned        need:8;
    unsigned        allow:8;
    unsigned        flags;
    iam_str_t       sub;
    iam_str_t       operation;
    iam_str_t       action;
    iam_str_t       version_action;     /* with ?versionId; empty: action */
} iam_s3_op_t;


/* headers read by the mapping; the index is the bit in ctx->present */
typedef enum {
    IAM_S3_H_ACL = 0,
    IAM_S3_H_GRANT_READ,
    IAM_S3_H_GRANT_WRITE,
    IAM_S3_H_GRANT_READ_ACP,
    IAM_S3_H_GRANT_WRITE_ACP,
    IAM_S3_H_GRANT_FULL_CONTROL,
    IAM_S3_H_SSE,
    IAM_S3_H_SSE_KMS_KEY,
    IAM_S3_H_SSE_CUSTOMER_ALGORITHM,
    IAM_S3_H_STORAGE_CLASS,
    IAM_S3_H_METADATA_DIRECTIVE,
    IAM_S3_H_LOCK_MODE,
    IAM_S3_H_LOCK_RETAIN_UNTIL,
    IAM_S3_H_LOCK_LEGAL_HOLD,
    IAM_S3_H_OBJECT_OWNERSHIP,
    IAM_S3_H_CONTENT_SHA256,
    IAM_S3_H_COPY_SOURCE,
    IAM_S3_H_TAGGING,
    IAM_S3_H_BUCKET_LOCK,
    IAM_S3_H_BYPASS,
    IAM_S3_H_CONTENT_TYPE,
    IAM_S3_H_NUMBER
} iam_s3_header_e;

#define IAM_S3_HBIT(h)          (1u << (h))
#define IAM_S3_H_ANY_ACL                                                      \
    (IAM_S3_HBIT(IAM_S3_H_ACL) | IAM_S3_HBIT(IAM_S3_H_GRANT_READ)             \
     | IAM_S3_HBIT(IAM_S3_H_GRANT_WRITE)                                      \
     | IAM_S3_HBIT(IAM_S3_H_GRANT_READ_ACP)                                   \
     | IAM_S3_HBIT(IAM_S3_H_GRANT_WRITE_ACP)                                  \
     | IAM_S3_HBIT(IAM_S3_H_GRANT_FULL_CONTROL))

typedef struct {
    iam_str_t       name;       /* lowercase */
    iam_str_t       key;        /* its condition key; empty: none */
    unsigned        flags;      /* rows whose flags meet these get the key */
    unsigned        boolean:1;  /* counts only when "true" */
} iam_s3_header_key_t;


typedef struct {
    unsigned        flags;      /* rows it applies to */
    unsigned        headers;    /* any of these present ... */
    iam_str_t       unless;     /* ... with another value than this */
    iam_str_t       action;     /* on the row's own resource */
} iam_s3_implied_t;


typedef struct {
    iam_str_t       name;
    unsigned        bit;        /* a routing parameter; 0: plain argument */
} iam_s3_param_name_t;

typedef struct {
    iam_str_t       name;       /* decoded */
    iam_str_t       raw;        /* the value as sent */
    unsigned        bit;
} iam_s3_param_t;


typedef struct {
    const iam_s3_request_t  *req;
    iam_s3_result_t         *res;
    const iam_s3_op_t       *op;

    char                    *pos;       /* scratch: a bump allocator */
    char                    *end;

    size_t                   nparams;
    iam_str_t                sub;       /* the one sub-resource, or empty */
    unsigned                 have;      /* routing parameters present */
    unsigned                 method;
    unsigned                 resource;

    unsigned                 present;   /* IAM_S3_HBIT() of headers */
    iam_str_t                headers[IAM_S3_H_NUMBER];

    iam_str_t                arn;       /* the request's own resource */
    iam_str_t                copy_source;   /* "bucket/key" */
    iam_str_t               *tag_keys;
    size_t                   ntags;

    /* name lengths (< 64) of the headers and of the query parameters */
    uint64_t                 header_lens;
    uint64_t                 param_lens;

    /* last: only the first nparams are ever read, so never cleared */
    iam_s3_param_t           params[IAM_S3_MAX_PARAMS];
} iam_s3_ctx_t;


static int iam_s3_fail(iam_s3_ctx_t *ctx, iam_s3_error_e err,
    const char *reason);
static unsigned iam_s3_method(iam_str_t method);
static int iam_s3_parse_target(iam_s3_ctx_t *ctx);
static int iam_s3_host_bucket(iam_s3_ctx_t *ctx, iam_str_t *raw);
static int iam_s3_parse_query(iam_s3_ctx_t *ctx);
static int iam_s3_has_ctl(const char *p, size_t len);
static int iam_s3_check_params(iam_s3_ctx_t *ctx);
static const iam_s3_param_t *iam_s3_param(iam_s3_ctx_t *ctx,
    const char *name);
static int iam_s3_read_headers(iam_s3_ctx_t *ctx);
static int iam_s3_find_op(iam_s3_ctx_t *ctx);
static int iam_s3_copy_source(iam_s3_ctx_t *ctx);
static int iam_s3_tagging(iam_s3_ctx_t *ctx);
static int iam_s3_delete_body(iam_s3_ctx_t *ctx);
static int iam_s3_xml_object(iam_s3_ctx_t *ctx, const char **pp,
    const char *last, iam_str_t prefix, int bypass);
static int iam_s3_xml_tag(const char **pp, const char *last, iam_str_t *name,
    int *close, int attrs);
static int iam_s3_xml_text(iam_s3_ctx_t *ctx, const char **pp,
    const char *last);
static const char *iam_s3_xml_space(const char *p, const char *last);
static int iam_s3_implies(iam_s3_ctx_t *ctx,
    const iam_s3_implied_t *implied);
static int iam_s3_conditions(iam_s3_ctx_t *ctx);
static int iam_s3_request_conditions(iam_s3_ctx_t *ctx);
static int iam_s3_push(iam_s3_ctx_t *ctx, iam_str_t action,
    iam_str_t resource);
static int iam_s3_cond(iam_s3_ctx_t *ctx, iam_str_t key, iam_str_t value);
static int iam_s3_put(iam_s3_ctx_t *ctx, const char *s, size_t len);
static int iam_s3_put_decoded(iam_s3_ctx_t *ctx, iam_str_t src,
    unsigned flags, iam_s3_error_e err, const char *reason);
static int iam_s3_decode(iam_s3_ctx_t *ctx, iam_str_t src, iam_str_t *dst);
static void *iam_s3_alloc(iam_s3_ctx_t *ctx, size_t size);
static int iam_s3_bucket_valid(iam_str_t bucket);
static int iam_s3_check_key(iam_s3_ctx_t *ctx, iam_str_t key,
    iam_s3_error_e err);
static int iam_s3_utf8(const char *s, size_t len, size_t *nchars);


#define iam_s3_op(m, r, sub, need, allow, flags, op, action, vaction)        \
    { IAM_S3_##m, IAM_S3_##r, need, allow, flags, iam_string(sub),            \
      iam_string(op), iam_string(action), iam_string(vaction) }

/*
 * The S3 REST API, as "Actions, resources, and condition keys for Amazon
 * S3" maps operations to actions.  Rows are tried in order, so a row that
 * needs more parameters comes before the one that needs fewer.
 *
 *   method, resource, sub-resource, parameters needed, parameters allowed,
 *   flags, operation, action, action when ?versionId is given
 */
static const iam_s3_op_t  iam_s3_ops[] = {

    iam_s3_op(GET, SERVICE, "", 0, 0, 0,
              "ListBuckets", "s3:ListAllMyBuckets", ""),

    /* buckets */

    iam_s3_op(GET, BUCKET, "", IAM_S3_LIST_TYPE, 0, IAM_S3_F_LIST,
              "ListObjectsV2", "s3:ListBucket", ""),
    iam_s3_op(GET, BUCKET, "", 0, 0, IAM_S3_F_LIST,
              "ListObjects", "s3:ListBucket", ""),
    iam_s3_op(HEAD, BUCKET, "", 0, 0, 0,
              "HeadBucket", "s3:ListBucket", ""),
    iam_s3_op(PUT, BUCKET, "", 0, 0, IAM_S3_F_ACL | IAM_S3_F_CREATE,
              "CreateBucket", "s3:CreateBucket", ""),
    iam_s3_op(DELETE, BUCKET, "", 0, 0, 0,
              "DeleteBucket", "s3:DeleteBucket", ""),
    iam_s3_op(POST, BUCKET, "delete", 0, 0, IAM_S3_F_DELETE,
              "DeleteObjects", "s3:DeleteObject", "s3:DeleteObjectVersion"),

    iam_s3_op(GET, BUCKET, "versions", 0, 0, IAM_S3_F_LIST,
              "ListObjectVersions", "s3:ListBucketVersions", ""),
    iam_s3_op(GET, BUCKET, "uploads", 0, 0, 0,
              "ListMultipartUploads", "s3:ListBucketMultipartUploads", ""),
    iam_s3_op(GET, BUCKET, "location", 0, 0, 0,
              "GetBucketLocation", "s3:GetBucketLocation", ""),

    iam_s3_op(GET, BUCKET, "acl", 0, 0, 0,
              "GetBucketAcl", "s3:GetBucketAcl", ""),
    iam_s3_op(PUT, BUCKET, "acl", 0, 0, IAM_S3_F_ACL,
              "PutBucketAcl", "s3:PutBucketAcl", ""),

    iam_s3_op(GET, BUCKET, "tagging", 0, 0, 0,
              "GetBucketTagging", "s3:GetBucketTagging", ""),
    iam_s3_op(PUT, BUCKET, "tagging", 0, 0, 0,
              "PutBucketTagging", "s3:PutBucketTagging", ""),
    iam_s3_op(DELETE, BUCKET, "tagging", 0, 0, 0,
              "DeleteBucketTagging", "s3:PutBucketTagging", ""),

    iam_s3_op(GET, BUCKET, "versioning", 0, 0, 0,
              "GetBucketVersioning", "s3:GetBucketVersioning", ""),
    iam_s3_op(PUT, BUCKET, "versioning", 0, 0, 0,
              "PutBucketVersioning", "s3:PutBucketVersioning", ""),

    iam_s3_op(GET, BUCKET, "lifecycle", 0, 0, 0,
              "GetBucketLifecycleConfiguration",
              "s3:GetLifecycleConfiguration", ""),
    iam_s3_op(PUT, BUCKET, "lifecycle", 0, 0, 0,
              "PutBucketLifecycleConfiguration",
              "s3:PutLifecycleConfiguration", ""),
    iam_s3_op(DELETE, BUCKET, "lifecycle", 0, 0, 0,
              "DeleteBucketLifecycle", "s3:PutLifecycleConfiguration", ""),

    iam_s3_op(GET, BUCKET, "policy", 0, 0, 0,
              "GetBucketPolicy", "s3:GetBucketPolicy", ""),
    iam_s3_op(PUT, BUCKET, "policy", 0, 0, 0,
              "PutBucketPolicy", "s3:PutBucketPolicy", ""),
    iam_s3_op(DELETE, BUCKET, "policy", 0, 0, 0,
              "DeleteBucketPolicy", "s3:DeleteBucketPolicy", ""),
    iam_s3_op(GET, BUCKET, "policyStatus", 0, 0, 0,
              "GetBucketPolicyStatus", "s3:GetBucketPolicyStatus", ""),

    iam_s3_op(GET, BUCKET, "cors", 0, 0, 0,
              "GetBucketCors", "s3:GetBucketCORS", ""),
    iam_s3_op(PUT, BUCKET, "cors", 0, 0, 0,
              "PutBucketCors", "s3:PutBucketCORS", ""),
    iam_s3_op(DELETE, BUCKET, "cors", 0, 0, 0,
              "DeleteBucketCors", "s3:PutBucketCORS", ""),

    iam_s3_op(GET, BUCKET, "encryption", 0, 0, 0,
              "GetBucketEncryption", "s3:GetEncryptionConfiguration", ""),
    iam_s3_op(PUT, BUCKET, "encryption", 0, 0, 0,
              "PutBucketEncryption", "s3:PutEncryptionConfiguration", ""),
    iam_s3_op(DELETE, BUCKET, "encryption", 0, 0, 0,
              "DeleteBucketEncryption", "s3:PutEncryptionConfiguration", ""),

    iam_s3_op(GET, BUCKET, "object-lock", 0, 0, 0,
              "GetObjectLockConfiguration",
              "s3:GetBucketObjectLockConfiguration", ""),
    iam_s3_op(PUT, BUCKET, "object-lock", 0, 0, 0,
              "PutObjectLockConfiguration",
              "s3:PutBucketObjectLockConfiguration", ""),

    iam_s3_op(GET, BUCKET, "publicAccessBlock", 0, 0, 0,
              "GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock", ""),
    iam_s3_op(PUT, BUCKET, "publicAccessBlock", 0, 0, 0,
              "PutPublicAccessBlock", "s3:PutBucketPublicAccessBlock", ""),
    iam_s3_op(DELETE, BUCKET, "publicAccessBlock", 0, 0, 0,
              "DeletePublicAccessBlock", "s3:PutBucketPublicAccessBlock", ""),

    iam_s3_op(GET, BUCKET, "ownershipControls", 0, 0, 0,
              "GetBucketOwnershipControls",
              "s3:GetBucketOwnershipControls", ""),
    iam_s3_op(PUT, BUCKET, "ownershipControls", 0, 0, 0,
              "PutBucketOwnershipControls",
              "s3:PutBucketOwnershipControls", ""),
    iam_s3_op(DELETE, BUCKET, "ownershipControls", 0, 0, 0,
              "DeleteBucketOwnershipControls",
              "s3:PutBucketOwnershipControls", ""),

    iam_s3_op(GET, BUCKET, "website", 0, 0, 0,
              "GetBucketWebsite", "s3:GetBucketWebsite", ""),
    iam_s3_op(PUT, BUCKET, "website", 0, 0, 0,
              "PutBucketWebsite", "s3:PutBucketWebsite", ""),
    iam_s3_op(DELETE, BUCKET, "website", 0, 0, 0,
              "DeleteBucketWebsite", "s3:DeleteBucketWebsite", ""),

    iam_s3_op(GET, BUCKET, "logging", 0, 0, 0,
              "GetBucketLogging", "s3:GetBucketLogging", ""),
    iam_s3_op(PUT, BUCKET, "logging", 0, 0, 0,
              "PutBucketLogging", "s3:PutBucketLogging", ""),

    iam_s3_op(GET, BUCKET, "notification", 0, 0, 0,
              "GetBucketNotificationConfiguration",
              "s3:GetBucketNotification", ""),
    iam_s3_op(PUT, BUCKET, "notification", 0, 0, 0,
              "PutBucketNotificationConfiguration",
              "s3:PutBucketNotification", ""),

    iam_s3_op(GET, BUCKET, "replication", 0, 0, 0,
              "GetBucketReplication", "s3:GetReplicationConfiguration", ""),
    iam_s3_op(PUT, BUCKET, "replication", 0, 0, 0,
              "PutBucketReplication", "s3:PutReplicationConfiguration", ""),
    iam_s3_op(DELETE, BUCKET, "replication", 0, 0, 0,
              "DeleteBucketReplication",
              "s3:PutReplicationConfiguration", ""),

    iam_s3_op(GET, BUCKET, "requestPayment", 0, 0, 0,
              "GetBucketRequestPayment", "s3:GetBucketRequestPayment", ""),
    iam_s3_op(PUT, BUCKET, "requestPayment", 0, 0, 0,
              "PutBucketRequestPayment", "s3:PutBucketRequestPayment", ""),

    iam_s3_op(GET, BUCKET, "accelerate", 0, 0, 0,
              "GetBucketAccelerateConfiguration",
              "s3:GetAccelerateConfiguration", ""),
    iam_s3_op(PUT, BUCKET, "accelerate", 0, 0, 0,
              "PutBucketAccelerateConfiguration",
              "s3:PutAccelerateConfiguration", ""),

    /* bucket configurations named by ?id; a GET without it lists them */

    iam_s3_op(GET, BUCKET, "analytics", IAM_S3_ID, 0, 0,
              "GetBucketAnalyticsConfiguration",
              "s3:GetAnalyticsConfiguration", ""),
    iam_s3_op(GET, BUCKET, "analytics", 0, 0, 0,
              "ListBucketAnalyticsConfigurations",
              "s3:GetAnalyticsConfiguration", ""),
    iam_s3_op(PUT, BUCKET, "analytics", IAM_S3_ID, 0, 0,
              "PutBucketAnalyticsConfiguration",
              "s3:PutAnalyticsConfiguration", ""),
    iam_s3_op(DELETE, BUCKET, "analytics", IAM_S3_ID, 0, 0,
              "DeleteBucketAnalyticsConfiguration",
              "s3:PutAnalyticsConfiguration", ""),

    iam_s3_op(GET, BUCKET, "inventory", IAM_S3_ID, 0, 0,
              "GetBucketInventoryConfiguration",
              "s3:GetInventoryConfiguration", ""),
    iam_s3_op(GET, BUCKET, "inventory", 0, 0, 0,
              "ListBucketInventoryConfigurations",
              "s3:GetInventoryConfiguration", ""),
    iam_s3_op(PUT, BUCKET, "inventory", IAM_S3_ID, 0, 0,
              "PutBucketInventoryConfiguration",
              "s3:PutInventoryConfiguration", ""),
    iam_s3_op(DELETE, BUCKET, "inventory", IAM_S3_ID, 0, 0,
              "DeleteBucketInventoryConfiguration",
              "s3:PutInventoryConfiguration", ""),

    iam_s3_op(GET, BUCKET, "metrics", IAM_S3_ID, 0, 0,
              "GetBucketMetricsConfiguration",
              "s3:GetMetricsConfiguration", ""),
    iam_s3_op(GET, BUCKET, "metrics", 0, 0, 0,
              "ListBucketMetricsConfigurations",
              "s3:GetMetricsConfiguration", ""),
    iam_s3_op(PUT, BUCKET, "metrics", IAM_S3_ID, 0, 0,
              "PutBucketMetricsConfiguration",
              "s3:PutMetricsConfiguration", ""),
    iam_s3_op(DELETE, BUCKET, "metrics", IAM_S3_ID, 0, 0,
              "DeleteBucketMetricsConfiguration",
              "s3:PutMetricsConfiguration", ""),

    iam_s3_op(GET, BUCKET, "intelligent-tiering", IAM_S3_ID, 0, 0,
              "GetBucketIntelligentTieringConfiguration",
              "s3:GetIntelligentTieringConfiguration", ""),
    iam_s3_op(GET, BUCKET, "intelligent-tiering", 0, 0, 0,
              "ListBucketIntelligentTieringConfigurations",
              "s3:GetIntelligentTieringConfiguration", ""),
    iam_s3_op(PUT, BUCKET, "intelligent-tiering", IAM_S3_ID, 0, 0,
              "PutBucketIntelligentTieringConfiguration",
              "s3:PutIntelligentTieringConfiguration", ""),
    iam_s3_op(DELETE, BUCKET, "intelligent-tiering", IAM_S3_ID, 0, 0,
              "DeleteBucketIntelligentTieringConfiguration",
              "s3:PutIntelligentTieringConfiguration", ""),

    /* objects */

    iam_s3_op(GET, OBJECT, "", IAM_S3_UPLOAD, 0, 0,
              "ListParts", "s3:ListMultipartUploadParts", ""),
    iam_s3_op(GET, OBJECT, "", 0, IAM_S3_VERSION | IAM_S3_PART, 0,
              "GetObject", "s3:GetObject", "s3:GetObjectVersion"),
    iam_s3_op(HEAD, OBJECT, "", 0, IAM_S3_VERSION | IAM_S3_PART, 0,
              "HeadObject", "s3:GetObject", "s3:GetObjectVersion"),

    iam_s3_op(PUT, OBJECT, "", IAM_S3_UPLOAD | IAM_S3_PART | IAM_S3_COPY, 0,
              0, "UploadPartCopy", "s3:PutObject", ""),
    iam_s3_op(PUT, OBJECT, "", IAM_S3_UPLOAD | IAM_S3_PART, 0, 0,
              "UploadPart", "s3:PutObject", ""),
    iam_s3_op(PUT, OBJECT, "", IAM_S3_COPY, 0,
              IAM_S3_F_ACL | IAM_S3_F_WRITE | IAM_S3_F_COPY,
              "CopyObject", "s3:PutObject", ""),
    iam_s3_op(PUT, OBJECT, "", 0, 0, IAM_S3_F_ACL | IAM_S3_F_WRITE,
              "PutObject", "s3:PutObject", ""),

    iam_s3_op(POST, OBJECT, "uploads", 0, 0, IAM_S3_F_ACL | IAM_S3_F_WRITE,
              "CreateMultipartUpload", "s3:PutObject", ""),
    iam_s3_op(POST, OBJECT, "", IAM_S3_UPLOAD, 0, 0,
              "CompleteMultipartUpload", "s3:PutObject", ""),
    iam_s3_op(DELETE, OBJECT, "", IAM_S3_UPLOAD, 0, 0,
              "AbortMultipartUpload", "s3:AbortMultipartUpload", ""),

    iam_s3_op(DELETE, OBJECT, "", 0, IAM_S3_VERSION, IAM_S3_F_BYPASS,
              "DeleteObject", "s3:DeleteObject", "s3:DeleteObjectVersion"),

    iam_s3_op(GET, OBJECT, "acl", 0, IAM_S3_VERSION, 0,
              "GetObjectAcl", "s3:GetObjectAcl", "s3:GetObjectVersionAcl"),
    iam_s3_op(PUT, OBJECT, "acl", 0, IAM_S3_VERSION, IAM_S3_F_ACL,
              "PutObjectAcl", "s3:PutObjectAcl", "s3:PutObjectVersionAcl"),

    iam_s3_op(GET, OBJECT, "tagging", 0, IAM_S3_VERSION, 0,
              "GetObjectTagging", "s3:GetObjectTagging",
              "s3:GetObjectVersionTagging"),
    iam_s3_op(PUT, OBJECT, "tagging", 0, IAM_S3_VERSION, 0,
              "PutObjectTagging", "s3:PutObjectTagging",
              "s3:PutObjectVersionTagging"),
    iam_s3_op(DELETE, OBJECT, "tagging", 0, IAM_S3_VERSION, 0,
              "DeleteObjectTagging", "s3:DeleteObjectTagging",
              "s3:DeleteObjectVersionTagging"),

    iam_s3_op(POST, OBJECT, "restore", 0, IAM_S3_VERSION, 0,
              "RestoreObject", "s3:RestoreObject", ""),

    iam_s3_op(GET, OBJECT, "retention", 0, IAM_S3_VERSION, 0,
              "GetObjectRetention", "s3:GetObjectRetention", ""),
    iam_s3_op(PUT, OBJECT, "retention", 0, IAM_S3_VERSION, IAM_S3_F_BYPASS,
              "PutObjectRetention", "s3:PutObjectRetention", ""),
    iam_s3_op(GET, OBJECT, "legal-hold", 0, IAM_S3_VERSION, 0,
              "GetObjectLegalHold", "s3:GetObjectLegalHold", ""),
    iam_s3_op(PUT, OBJECT, "legal-hold", 0, IAM_S3_VERSION, 0,
              "PutObjectLegalHold", "s3:PutObjectLegalHold", ""),

    iam_s3_op(GET, OBJECT, "attributes", 0, IAM_S3_VERSION, 0,
              "GetObjectAttributes", "s3:GetObjectAttributes",
              "s3:GetObjectVersionAttributes"),
    iam_s3_op(POST, OBJECT, "select", IAM_S3_SELECT, 0, 0,
              "SelectObjectContent", "s3:GetObject", ""),
    iam_s3_op(GET, OBJECT, "torrent", 0, IAM_S3_VERSION, 0,
              "GetObjectTorrent", "s3:GetObjectTorrent",
              "s3:GetObjectVersionTorrent")
};


#define iam_s3_hdr(h, name, key, flags, boolean)                             \
    [IAM_S3_H_##h] = { iam_string(name), iam_string(key), flags, boolean }

/*
 * Headers the mapping reads, and the condition key each one sets for the
 * operations whose row has one of its flags.  A header hoisted into the
 * query string of a presigned URL counts as the header.
 */
static const iam_s3_header_key_t  iam_s3_headers[IAM_S3_H_NUMBER] = {
    iam_s3_hdr(ACL, "x-amz-acl", "s3:x-amz-acl", IAM_S3_F_ACL, 0),
    iam_s3_hdr(GRANT_READ, "x-amz-grant-read", "s3:x-amz-grant-read",
               IAM_S3_F_ACL, 0),
    iam_s3_hdr(GRANT_WRITE, "x-amz-grant-write", "s3:x-amz-grant-write",
               IAM_S3_F_ACL, 0),
    iam_s3_hdr(GRANT_READ_ACP, "x-amz-grant-read-acp",
               "s3:x-amz-grant-read-acp", IAM_S3_F_ACL, 0),
    iam_s3_hdr(GRANT_WRITE_ACP, "x-amz-grant-write-acp",
               "s3:x-amz-grant-write-acp", IAM_S3_F_ACL, 0),
    iam_s3_hdr(GRANT_FULL_CONTROL, "x-amz-grant-full-control",
               "s3:x-amz-grant-full-control", IAM_S3_F_ACL, 0),
    iam_s3_hdr(SSE, "x-amz-server-side-encryption",
               "s3:x-amz-server-side-encryption", IAM_S3_F_WRITE, 0),
    iam_s3_hdr(SSE_KMS_KEY, "x-amz-server-side-encryption-aws-kms-key-id",
               "s3:x-amz-server-side-encryption-aws-kms-key-id",
               IAM_S3_F_WRITE, 0),
    iam_s3_hdr(SSE_CUSTOMER_ALGORITHM,
               "x-amz-server-side-encryption-customer-algorithm",
               "s3:x-amz-server-side-encryption-customer-algorithm",
               IAM_S3_F_WRITE, 0),
    iam_s3_hdr(STORAGE_CLASS, "x-amz-storage-class", "s3:x-amz-storage-class",
               IAM_S3_F_WRITE, 0),
    iam_s3_hdr(METADATA_DIRECTIVE, "x-amz-metadata-directive",
               "s3:x-amz-metadata-directive", IAM_S3_F_COPY, 0),
    iam_s3_hdr(LOCK_MODE, "x-amz-object-lock-mode", "s3:object-lock-mode",
               IAM_S3_F_WRITE, 0),
    iam_s3_hdr(LOCK_RETAIN_UNTIL, "x-amz-object-lock-retain-until-date",
               "s3:object-lock-retain-until-date", IAM_S3_F_WRITE, 0),
    iam_s3_hdr(LOCK_LEGAL_HOLD, "x-amz-object-lock-legal-hold",
               "s3:object-lock-legal-hold", IAM_S3_F_WRITE, 0),
    iam_s3_hdr(OBJECT_OWNERSHIP, "x-amz-object-ownership",
               "s3:x-amz-object-ownership", IAM_S3_F_CREATE, 0),
    iam_s3_hdr(CONTENT_SHA256, "x-amz-content-sha256",
               "s3:x-amz-content-sha256", IAM_S3_F_ANY, 0),

    /* read for the pairs they imply, not for a key of their own */
    iam_s3_hdr(COPY_SOURCE, "x-amz-copy-source", "", 0, 0),
    iam_s3_hdr(TAGGING, "x-amz-tagging", "", 0, 0),
    iam_s3_hdr(BUCKET_LOCK, "x-amz-bucket-object-lock-enabled", "", 0, 1),
    iam_s3_hdr(BYPASS, "x-amz-bypass-governance-retention", "", 0, 1),
    iam_s3_hdr(CONTENT_TYPE, "content-type", "", 0, 0)
};


/*
 * Actions a request needs beyond its operation's own, on the same resource:
 * the PutObject, CopyObject, CreateMultipartUpload and CreateBucket pages of
 * the S3 API reference list the permission each header requires.
 */
static const iam_s3_implied_t  iam_s3_implied[] = {
    { IAM_S3_F_WRITE, IAM_S3_H_ANY_ACL, iam_null_string,
      iam_string("s3:PutObjectAcl") },
    { IAM_S3_F_WRITE, IAM_S3_HBIT(IAM_S3_H_TAGGING), iam_null_string,
      iam_string("s3:PutObjectTagging") },
    { IAM_S3_F_WRITE, IAM_S3_HBIT(IAM_S3_H_LOCK_MODE)
                      | IAM_S3_HBIT(IAM_S3_H_LOCK_RETAIN_UNTIL),
      iam_null_string, iam_string("s3:PutObjectRetention") },
    { IAM_S3_F_WRITE, IAM_S3_HBIT(IAM_S3_H_LOCK_LEGAL_HOLD), iam_null_string,
      iam_string("s3:PutObjectLegalHold") },

    /* a bucket created "private" needs s3:CreateBucket alone */
    { IAM_S3_F_CREATE, IAM_S3_HBIT(IAM_S3_H_ACL), iam_string("private"),
      iam_string("s3:PutBucketAcl") },
    { IAM_S3_F_CREATE, IAM_S3_H_ANY_ACL & ~IAM_S3_HBIT(IAM_S3_H_ACL),
      iam_null_string, iam_string("s3:PutBucketAcl") },
    { IAM_S3_F_CREATE, IAM_S3_HBIT(IAM_S3_H_BUCKET_LOCK), iam_null_string,
      iam_string("s3:PutBucketObjectLockConfiguration") },
    { IAM_S3_F_CREATE, IAM_S3_HBIT(IAM_S3_H_BUCKET_LOCK), iam_null_string,
      iam_string("s3:PutBucketVersioning") },
    { IAM_S3_F_CREATE, IAM_S3_HBIT(IAM_S3_H_OBJECT_OWNERSHIP),
      iam_null_string, iam_string("s3:PutBucketOwnershipControls") },

    { IAM_S3_F_BYPASS, IAM_S3_HBIT(IAM_S3_H_BYPASS), iam_null_string,
      iam_string("s3:BypassGovernanceRetention") }
};

static const iam_str_t  iam_s3_bypass =
    iam_string("s3:BypassGovernanceRetention");


/*
 * Query parameters that are not sub-resources.  Any other parameter is
 * taken for a sub-resource, so an unknown one finds no row and fails.
 * "x-amz-*" parameters (presigned URLs) are arguments too.
 */
static const iam_s3_param_name_t  iam_s3_param_names[] = {
    { iam_string("versionId"), IAM_S3_VERSION },
    { iam_string("uploadId"), IAM_S3_UPLOAD },
    { iam_string("partNumber"), IAM_S3_PART },
    { iam_string("list-type"), IAM_S3_LIST_TYPE },
    { iam_string("select-type"), IAM_S3_SELECT },
    { iam_string("id"), IAM_S3_ID },

    { iam_string("prefix"), 0 },
    { iam_string("delimiter"), 0 },
    { iam_string("max-keys"), 0 },
    { iam_string("marker"), 0 },
    { iam_string("continuation-token"), 0 },
    { iam_string("start-after"), 0 },
    { iam_string("fetch-owner"), 0 },
    { iam_string("encoding-type"), 0 },
    { iam_string("key-marker"), 0 },
    { iam_string("version-id-marker"), 0 },
    { iam_string("upload-id-marker"), 0 },
    { iam_string("max-uploads"), 0 },
    { iam_string("max-parts"), 0 },
    { iam_string("part-number-marker"), 0 },
    { iam_string("max-buckets"), 0 },
    { iam_string("bucket-region"), 0 },
    { iam_string("response-cache-control"), 0 },
    { iam_string("response-content-disposition"), 0 },
    { iam_string("response-content-encoding"), 0 },
    { iam_string("response-content-language"), 0 },
    { iam_string("response-content-type"), 0 },
    { iam_string("response-expires"), 0 },
    { iam_string("x-id"), 0 },                  /* SDK v3 operation hint */
    { iam_string("AWSAccessKeyId"), 0 },        /* SigV2 presigned */
    { iam_string("Signature"), 0 },
    { iam_string("Expires"), 0 }
};


typedef struct {
    const char     *code;
    int             status;
    const char     *message;
} iam_s3_error_t;

static const iam_s3_error_t  iam_s3_errors[] = {
    [IAM_S3_ERR_NONE] = { "", 200, "" },
    [IAM_S3_ERR_INVALID_URI] = { "InvalidURI", 400,
        "Couldn't parse the specified URI." },
    [IAM_S3_ERR_INVALID_BUCKET_NAME] = { "InvalidBucketName", 400,
        "The specified bucket is not valid." },
    [IAM_S3_ERR_KEY_TOO_LONG] = { "KeyTooLongError", 400,
        "Your key is too long." },
    [IAM_S3_ERR_INVALID_ARGUMENT] = { "InvalidArgument", 400,
        "Invalid Argument" },
    [IAM_S3_ERR_INVALID_TAG] = { "InvalidTag", 400,
        "The tag provided was not a valid tag." },
    [IAM_S3_ERR_MALFORMED_XML] = { "MalformedXML", 400,
        "The XML you provided was not well-formed or did not validate "
        "against our published schema." },
    [IAM_S3_ERR_METHOD_NOT_ALLOWED] = { "MethodNotAllowed", 405,
        "The specified method is not allowed against this resource." },
    [IAM_S3_ERR_NOT_IMPLEMENTED] = { "NotImplemented", 501,
        "A header or query you provided implies functionality that is "
        "not implemented." },
    [IAM_S3_ERR_INTERNAL] = { "InternalError", 500,
        "We encountered an internal error. Please try again." }
};


#define iam_s3_nelts(a)         (sizeof(a) / sizeof((a)[0]))
#define iam_s3_lower(c)         ((c) >= 'A' && (c) <= 'Z' ? (c) | 0x20 : (c))


int
iam_s3_map(const iam_s3_request_t *req, iam_s3_result_t *res)
{
    size_t              i;
    iam_str_t           action;
    iam_s3_ctx_t        ctx;
    const iam_s3_op_t  *op;

    memset(&ctx, 0, offsetof(iam_s3_ctx_t, params));

    ctx.req = req;
    ctx.res = res;
    ctx.pos = res->scratch;
    ctx.end = res->scratch ? res->scratch + res->scratch_size : NULL;

    iam_str_set(&res->operation, "");
    iam_str_set(&res->bucket, "");
    iam_str_set(&res->key, "");
    iam_str_set(&res->version_id, "");
    res->naccess = 0;
    res->nconditions = 0;
    res->scratch_used = 0;
    res->error = IAM_S3_ERR_NONE;
    res->reason = NULL;

    if (res->access == NULL || res->conditions == NULL
        || res->scratch == NULL)
    {
        return iam_s3_fail(&ctx, IAM_S3_ERR_INTERNAL, "no output buffers");
    }

    ctx.method = iam_s3_method(req->method);
    if (ctx.method == 0) {
        return iam_s3_fail(&ctx, IAM_S3_ERR_METHOD_NOT_ALLOWED,
                           "unsupported HTTP method");
    }

    if (iam_s3_parse_target(&ctx) != IAM_OK
        || iam_s3_parse_query(&ctx) != IAM_OK
        || iam_s3_read_headers(&ctx) != IAM_OK
        || iam_s3_check_params(&ctx) != IAM_OK
        || iam_s3_find_op(&ctx) != IAM_OK)
    {
        goto failed;
    }

    op = ctx.op;
    res->operation = op->operation;

    if (op->flags & IAM_S3_F_DELETE) {
        if (iam_s3_delete_body(&ctx) != IAM_OK) {
            goto failed;
        }

    } else {
        action = op->action;

        if ((ctx.have & IAM_S3_VERSION) && op->version_action.len) {
            action = op->version_action;
        }

        if (iam_s3_push(&ctx, action, ctx.arn) != IAM_OK) {
            goto failed;
        }
    }

    if ((op->need & IAM_S3_COPY) && iam_s3_copy_source(&ctx) != IAM_OK) {
        goto failed;
    }

    if ((op->flags & IAM_S3_F_WRITE)
        && (ctx.present & IAM_S3_HBIT(IAM_S3_H_TAGGING)))
    {
        if (iam_s3_tagging(&ctx) != IAM_OK) {
            goto failed;
        }

        if (ctx.ntags == 0) {
            /* an empty x-amz-tagging sets no tag */
            ctx.present &= ~IAM_S3_HBIT(IAM_S3_H_TAGGING);
        }
    }

    for (i = 0; i < iam_s3_nelts(iam_s3_implied); i++) {
        if (!(iam_s3_implied[i].flags & op->flags)
            || !iam_s3_implies(&ctx, &iam_s3_implied[i]))
        {
            continue;
        }

        /* two rows may imply one action (a canned ACL and a grant) */
        if (res->naccess
            && iam_str_eq(res->access[res->naccess - 1].action,
                          iam_s3_implied[i].action))
        {
            continue;
        }

        if (iam_s3_push(&ctx, iam_s3_implied[i].action, ctx.arn) != IAM_OK) {
            goto failed;
        }
    }

    if (iam_s3_conditions(&ctx) != IAM_OK) {
        goto failed;
    }

    res->scratch_used = ctx.pos - res->scratch;

    return IAM_OK;

failed:

    iam_str_set(&res->operation, "");
    res->naccess = 0;
    res->nconditions = 0;
    res->scratch_used = ctx.pos - res->scratch;

    return IAM_ERROR;
}


int
iam_s3_needs_body(const iam_s3_request_t *req)
{
    const char  *p, *last, *name;

    if (!iam_str_eq_cstr(req->method, "POST") || req->query.len == 0) {
        return 0;
    }

    p = req->query.data;
    last = p + req->query.len;

    while (p < last) {
        name = p;

        while (p < last && *p != '&') {
            p++;
        }

        if ((p - name == 6 || (p - name > 6 && name[6] == '='))
            && memcmp(name, "delete", 6) == 0)
        {
            return 1;
        }

        p++;
    }

    return 0;
}


size_t
iam_s3_access_max(const iam_s3_request_t *req)
{
    /* every key may need s3:BypassGovernanceRetention as well */
    return iam_s3_needs_body(req) ? 2 * IAM_S3_MAX_DELETE_KEYS
                                  : IAM_S3_MAX_ACCESS;
}


size_t
iam_s3_scratch_size(const iam_s3_request_t *req)
{
    size_t  i, size, headers, nkeys;

    headers = 0;

    for (i = 0; i < req->nheaders; i++) {
        headers += req->headers[i].value.len;
    }

    /*
     * Decoding never grows a string.  The request's own ARN holds the
     * bucket (from Host or path) and the key; query names and values are
     * decoded once; a header value (or its hoisted copy) is decoded into an
     * ARN or a condition at most twice; tag condition keys add their prefix.
     */
    /* fixed strings, and the digits of s3:signatureAge */
    size = 256 + 24 + 2 * req->host.len + 2 * req->path.len + 3 * req->query.len
           + 2 * headers
           + IAM_S3_MAX_TAGS * (sizeof("s3:RequestObjectTag/")
                                + sizeof(iam_str_t));

    if (iam_s3_needs_body(req)) {
        /* <Object><Key>k</Key></Object> is 29 bytes at least */
        nkeys = req->body.len / 29 + 1;
        if (nkeys > IAM_S3_MAX_DELETE_KEYS) {
            nkeys = IAM_S3_MAX_DELETE_KEYS;
        }

        /* each key's ARN prefix, a bucket name being 63 bytes at most */
        size += req->body.len
                + (nkeys + 1) * (sizeof(IAM_S3_ARN_PREFIX) + 64);
    }

    return size;
}


int
iam_s3_context_set(const iam_s3_result_t *res, iam_context_t *ctx)
{
    size_t                     i;
    const iam_s3_condition_t  *c;

    for (i = 0; i < res->nconditions; i++) {
        c = &res->conditions[i];

        if (iam_context_set(ctx, c->key, c->values, c->nvalues) != IAM_OK) {
            return IAM_ERROR;
        }
    }

    return IAM_OK;
}


const char *
iam_s3_error_code(iam_s3_error_e err)
{
    if ((size_t) err >= iam_s3_nelts(iam_s3_errors)) {
        err = IAM_S3_ERR_INTERNAL;
    }

    return iam_s3_errors[err].code;
}


int
iam_s3_error_status(iam_s3_error_e err)
{
    if ((size_t) err >= iam_s3_nelts(iam_s3_errors)) {
        err = IAM_S3_ERR_INTERNAL;
    }

    return iam_s3_errors[err].status;
}


const char *
iam_s3_error_message(iam_s3_error_e err)
{
    if ((size_t) err >= iam_s3_nelts(iam_s3_errors)) {
        err = IAM_S3_ERR_INTERNAL;
    }

    return iam_s3_errors[err].message;
}


static int
iam_s3_fail(iam_s3_ctx_t *ctx, iam_s3_error_e err, const char *reason)
{
    /* the first error is the one reported */
    if (ctx->res->error == IAM_S3_ERR_NONE) {
        ctx->res->error = err;
        ctx->res->reason = reason;
    }

    return IAM_ERROR;
}


static unsigned
iam_s3_method(iam_str_t method)
{
    size_t  i;

    static const struct {
        iam_str_t   name;
        unsigned    method;
    } methods[] = {
        { iam_string("GET"), IAM_S3_GET },
        { iam_string("HEAD"), IAM_S3_HEAD },
        { iam_string("PUT"), IAM_S3_PUT },
        { iam_string("POST"), IAM_S3_POST },
        { iam_string("DELETE"), IAM_S3_DELETE }
    };

    /* HTTP methods are case-sensitive */
    for (i = 0; i < iam_s3_nelts(methods); i++) {
        if (iam_str_eq(method, methods[i].name)) {
            return methods[i].method;
        }
    }

    return 0;
}


/*
 * Bucket and key, from the Host and the path, written as the request's own
 * ARN: "arn:aws:s3:::bucket/key" with res->bucket and res->key inside it.
 */
static int
iam_s3_parse_target(iam_s3_ctx_t *ctx)
{
    char               *start;
    size_t              i;
    iam_str_t           path, bucket, key, host;
    const char         *p, *last;
    iam_s3_result_t    *res;

    res = ctx->res;
    path = ctx->req->path;

    if (path.len == 0 || path.data[0] != '/') {
        return iam_s3_fail(ctx, IAM_S3_ERR_INVALID_URI,
                           "the path does not start with '/'");
    }

    for (i = 0; i < path.len; i++) {
        if ((unsigned char) path.data[i] <= 0x20 || path.data[i] == 0x7f) {
            return iam_s3_fail(ctx, IAM_S3_ERR_INVALID_URI,
                               "a control character or space in the path");
        }
    }

    start = ctx->pos;

    if (iam_s3_put(ctx, IAM_S3_ARN_PREFIX, sizeof(IAM_S3_ARN_PREFIX) - 1)
        != IAM_OK)
    {
        return IAM_ERROR;
    }

    bucket.data = ctx->pos;

    host = ctx->req->host;

    if (iam_s3_host_bucket(ctx, &host) != IAM_OK) {
        return IAM_ERROR;
    }

    if (host.len) {
        /* virtual-hosted-style: Host is case-insensitive, buckets are not */
        for (i = 0; i < host.len; i++) {
            ctx->pos[i] = iam_s3_lower(host.data[i]);
        }

        ctx->pos += host.len;

        key.data = path.data + 1;
        key.len = path.len - 1;

    } else {
        /* path-style: /bucket/key */
        p = path.data + 1;
        last = path.data + path.len;

        while (p < last && *p != '/') {
            p++;
        }

        if (p == path.data + 1) {
            if (path.len > 1) {
                return iam_s3_fail(ctx, IAM_S3_ERR_INVALID_URI,
                                   "an empty bucket name in the path");
            }

            /* "/": the service */
            ctx->pos = start;
            ctx->resource = IAM_S3_SERVICE;
            iam_str_set(&ctx->arn, IAM_S3_ARN_PREFIX "*");
            return IAM_OK;
        }

        host.data = path.data + 1;
        host.len = p - host.data;

        if (iam_s3_put_decoded(ctx, host, 0, IAM_S3_ERR_INVALID_URI,
                               "bad percent-encoding in the bucket name")
            != IAM_OK)
        {
            return IAM_ERROR;
        }

        key.data = p < last ? p + 1 : p;
        key.len = last - key.data;
    }

    bucket.len = ctx->pos - bucket.data;

    if (!iam_s3_bucket_valid(bucket)) {
        return iam_s3_fail(ctx, IAM_S3_ERR_INVALID_BUCKET_NAME,
                           "invalid bucket name");
    }

    res->bucket = bucket;

    if (key.len == 0) {
        ctx->resource = IAM_S3_BUCKET;

    } else {
        ctx->resource = IAM_S3_OBJECT;

        if (iam_s3_put(ctx, "/", 1) != IAM_OK) {
            return IAM_ERROR;
        }

        res->key.data = ctx->pos;

        /* '+' in a path is a plus sign, not a space */
        if (iam_s3_put_decoded(ctx, key, 0, IAM_S3_ERR_INVALID_URI,
                               "bad percent-encoding in the object key")
            != IAM_OK)
        {
            return IAM_ERROR;
        }

        res->key.len = ctx->pos - res->key.data;

        if (iam_s3_check_key(ctx, res->key, IAM_S3_ERR_INVALID_URI)
            != IAM_OK)
        {
            return IAM_ERROR;
        }
    }

    ctx->arn.data = start;
    ctx->arn.len = ctx->pos - start;

    return IAM_OK;
}


/*
 * The bucket part of a virtual-hosted-style Host ("photos" of
 * "photos.s3.example.com:8080"), or an empty string for path-style.
 */
static int
iam_s3_host_bucket(iam_s3_ctx_t *ctx, iam_str_t *host)
{
    size_t      i, len, best;
    iam_str_t   suffix, domain;

    len = host->len;

    if (len && host->data[0] == '[') {
        /* an IPv6 literal names no bucket */
        host->len = 0;
        return IAM_OK;
    }

    for (i = 0; i < len; i++) {
        if (host->data[i] == ':') {
            len = i;
            break;
        }
    }

    if (len && host->data[len - 1] == '.') {
        /* a fully qualified "bucket.s3.example.com." */
        len--;
    }

    /* the longest domain wins: "s3.example.com" before "example.com" */
    best = 0;

    for (i = 0; i < ctx->req->ndomains; i++) {
        domain = ctx->req->domains[i];

        if (domain.len && domain.data[0] == '.') {
            domain.data++;
            domain.len--;
        }

        if (domain.len == 0 || len < domain.len || domain.len <= best) {
            continue;
        }

        if (len == domain.len) {
            if (iam_str_eq_icase((iam_str_t) { len, host->data }, domain)) {
                /* the endpoint itself: path-style */
                host->len = 0;
                return IAM_OK;
            }

            continue;
        }

        suffix.data = host->data + len - domain.len;
        suffix.len = domain.len;

        if (suffix.data[-1] == '.' && iam_str_eq_icase(suffix, domain)) {
            best = domain.len;
        }
    }

    if (best == 0) {
        host->len = 0;
        return IAM_OK;
    }

    host->len = len - best - 1;

    if (host->len == 0) {
        return iam_s3_fail(ctx, IAM_S3_ERR_INVALID_BUCKET_NAME,
                           "an empty bucket name in Host");
    }

    if ((size_t) (ctx->end - ctx->pos) < host->len) {
        return iam_s3_fail(ctx, IAM_S3_ERR_INTERNAL,
                           "the scratch buffer is too small");
    }

    return IAM_OK;
}


static int
iam_s3_parse_query(iam_s3_ctx_t *ctx)
{
    size_t           j;
    iam_str_t        name, query;
    const char      *p, *last, *eq, *amp;
    iam_s3_param_t  *param;

    query = ctx->req->query;
    p = query.data;
    last = p + query.len;

    if (iam_s3_has_ctl(p, query.len)) {
        return iam_s3_fail(ctx, IAM_S3_ERR_INVALID_URI,
                           "a control character or space in the query");
    }

    while (p < last) {
        name.data = p;

        /* memchr: presigned queries are long, and this runs per request */
        amp = memchr(p, '&', last - p);
        p = amp ? amp : last;
        eq = memchr(name.data, '=', p - name.data);

        if (p == name.data) {
            /* "a&&b", a trailing '&' */
            p++;
            continue;
        }

        if (ctx->nparams == IAM_S3_MAX_PARAMS) {
            return iam_s3_fail(ctx, IAM_S3_ERR_INVALID_ARGUMENT,
                               "too many query parameters");
        }

        param = &ctx->params[ctx->nparams];

        name.len = (eq ? eq : p) - name.data;

        if (eq) {
            param->raw.data = eq + 1;
            param->raw.len = p - (eq + 1);

        } else {
            iam_str_set(&param->raw, "");
        }

        param->name.data = ctx->pos;

        if (iam_s3_put_decoded(ctx, name, IAM_S3_PLUS_SPACE,
                               IAM_S3_ERR_INVALID_URI,
                               "bad percent-encoding in the query")
            != IAM_OK)
        {
            return IAM_ERROR;
        }

        param->name.len = ctx->pos - param->name.data;
        param->bit = 0;

        for (j = 0; j < ctx->nparams; j++) {
            if (iam_str_eq(ctx->params[j].name, param->name)) {
                /* the backend might read the other one */
                return iam_s3_fail(ctx, IAM_S3_ERR_INVALID_ARGUMENT,
                                   "a query parameter is given twice");
            }
        }

        ctx->nparams++;

        if (param->name.len < 64) {
            ctx->param_lens |= (uint64_t) 1 << param->name.len;
        }

        if (param->name.len > 6
            && (param->name.data[0] | 0x20) == 'x'
            && strncasecmp(param->name.data, "x-amz-", 6) == 0)
        {
            /* presigned URL arguments and hoisted headers */
            p++;
            continue;
        }

        for (j = 0; j < iam_s3_nelts(iam_s3_param_names); j++) {
            if (iam_str_eq(param->name, iam_s3_param_names[j].name)) {
                break;
            }
        }

        if (j < iam_s3_nelts(iam_s3_param_names)) {
            param->bit = iam_s3_param_names[j].bit;
            ctx->have |= param->bit;

        } else if (ctx->sub.len) {
            return iam_s3_fail(ctx, IAM_S3_ERR_NOT_IMPLEMENTED,
                               "more than one sub-resource");

        } else {
            ctx->sub = param->name;
        }

        p++;
    }

    return IAM_OK;
}


/*
 * A byte below 0x21 or 0x7f: eight bytes at a time with the "hasless" and
 * "haszero" tests of Bit Twiddling Hacks, exact as yes/no answers; a
 * presigned query is some 400 bytes, checked on every request.
 */
static int
iam_s3_has_ctl(const char *p, size_t len)
{
    size_t         i;
    uint64_t       x, d;
    unsigned char  c;

    static const uint64_t  ones = 0x0101010101010101ULL;
    static const uint64_t  highs = 0x8080808080808080ULL;

    for (i = 0; i + 8 <= len; i += 8) {
        memcpy(&x, p + i, 8);
        d = x ^ (ones * 0x7f);

        if (((x - ones * 0x21) & ~x & highs) || ((d - ones) & ~d & highs)) {
            return 1;
        }
    }

    for ( /* void */ ; i < len; i++) {
        c = (unsigned char) p[i];

        if (c <= 0x20 || c == 0x7f) {
            return 1;
        }
    }

    return 0;
}


/* The values of the routing parameters, as S3 checks them. */
static int
iam_s3_check_params(iam_s3_ctx_t *ctx)
{
    size_t                 i;
    unsigned               n;
    iam_str_t              value;
    const iam_s3_param_t  *param;

    param = (ctx->have & IAM_S3_VERSION) ? iam_s3_param(ctx, "versionId")
                                         : NULL;

    if (param) {
        if (iam_s3_decode(ctx, param->raw, &value) != IAM_OK) {
            return IAM_ERROR;
        }

        if (value.len == 0) {
            return iam_s3_fail(ctx, IAM_S3_ERR_INVALID_ARGUMENT,
                               "versionId is empty");
        }

        ctx->res->version_id = value;
    }

    param = (ctx->have & IAM_S3_UPLOAD) ? iam_s3_param(ctx, "uploadId") : NULL;

    if (param && param->raw.len == 0) {
        return iam_s3_fail(ctx, IAM_S3_ERR_INVALID_ARGUMENT,
                           "uploadId is empty");
    }

    param = (ctx->have & IAM_S3_ID) ? iam_s3_param(ctx, "id") : NULL;

    if (param && param->raw.len == 0) {
        return iam_s3_fail(ctx, IAM_S3_ERR_INVALID_ARGUMENT, "id is empty");
    }

    param = (ctx->have & IAM_S3_PART) ? iam_s3_param(ctx, "partNumber") : NULL;

    if (param) {
        n = 0;

        for (i = 0; i < param->raw.len; i++) {
            if (param->raw.data[i] < '0' || param->raw.data[i] > '9'
                || n > 10000)
            {
                break;
            }

            n = n * 10 + (param->raw.data[i] - '0');
        }

        if (param->raw.len == 0 || i < param->raw.len || n < 1 || n > 10000) {
            return iam_s3_fail(ctx, IAM_S3_ERR_INVALID_ARGUMENT,
                               "partNumber is not 1 to 10000");
        }
    }

    param = (ctx->have & IAM_S3_LIST_TYPE) ? iam_s3_param(ctx, "list-type")
                                           : NULL;

    if (param && !iam_str_eq_cstr(param->raw, "2")) {
        return iam_s3_fail(ctx, IAM_S3_ERR_INVALID_ARGUMENT,
                           "list-type is not 2");
    }

    param = (ctx->have & IAM_S3_SELECT) ? iam_s3_param(ctx, "select-type")
                                        : NULL;

    if (param && !iam_str_eq_cstr(param->raw, "2")) {
        return iam_s3_fail(ctx, IAM_S3_ERR_INVALID_ARGUMENT,
                           "select-type is not 2");
    }

    return IAM_OK;
}


static const iam_s3_param_t *
iam_s3_param(iam_s3_ctx_t *ctx, const char *name)
{
    size_t  i;

    for (i = 0; i < ctx->nparams; i++) {
        if (iam_str_eq_cstr(ctx->params[i].name, name)) {
            return &ctx->params[i];
        }
    }

    return NULL;
}


/*
 * Each header of the table, once: given twice, or both as a header and as
 * a query parameter with another value, it is ambiguous and refused.
 */
static int
iam_s3_read_headers(iam_s3_ctx_t *ctx)
{
    size_t                      h, i;
    unsigned                    found;
    iam_str_t                   value, qvalue;
    const iam_s3_header_t      *hdr;
    const iam_s3_header_key_t  *def;

    iam_str_set(&value, "");

    for (i = 0; i < ctx->req->nheaders; i++) {
        if (ctx->req->headers[i].name.len < 64) {
            ctx->header_lens |= (uint64_t) 1 << ctx->req->headers[i].name.len;
        }
    }

    for (h = 0; h < IAM_S3_H_NUMBER; h++) {
        def = &iam_s3_headers[h];
        found = 0;

        /* the table's names are shorter than 64: a cheap first filter */
        if (def->name.len < 64
            && !((ctx->header_lens | ctx->param_lens)
                 & ((uint64_t) 1 << def->name.len)))
        {
            continue;
        }

        for (i = 0; i < ctx->req->nheaders; i++) {
            hdr = &ctx->req->headers[i];

            if (!iam_str_eq_icase(hdr->name, def->name)) {
                continue;
            }

            if (found++) {
                return iam_s3_fail(ctx, IAM_S3_ERR_INVALID_ARGUMENT,
                                   "a header is given more than once");
            }

            value = hdr->value;
        }

        for (i = 0; i < ctx->nparams && def->name.data[0] == 'x'; i++) {
            if (!iam_str_eq_icase(ctx->params[i].name, def->name)) {
                continue;
            }

            if (iam_s3_decode(ctx, ctx->params[i].raw, &qvalue) != IAM_OK) {
                return IAM_ERROR;
            }

            if (found++ && !iam_str_eq(qvalue, value)) {
                return iam_s3_fail(ctx, IAM_S3_ERR_INVALID_ARGUMENT,
                                   "a header and a query parameter differ");
            }

            value = qvalue;
        }

        if (!found) {
            continue;
        }

        if (def->boolean) {
            if (!iam_str_eq_icase(value, (iam_str_t) iam_string("true"))) {
                continue;
            }
        }

        ctx->headers[h] = value;
        ctx->present |= IAM_S3_HBIT(h);
    }

    if (ctx->present & IAM_S3_HBIT(IAM_S3_H_COPY_SOURCE)) {
        ctx->have |= IAM_S3_COPY;
    }

    return IAM_OK;
}


static int
iam_s3_find_op(iam_s3_ctx_t *ctx)
{
    size_t              i;
    unsigned            sub_seen, method_seen;
    iam_str_t           type;
    const iam_s3_op_t  *op;

    if (ctx->method == IAM_S3_POST && ctx->resource == IAM_S3_BUCKET
        && ctx->sub.len == 0)
    {
        type = ctx->headers[IAM_S3_H_CONTENT_TYPE];

        if (type.len >= 19
            && strncasecmp(type.data, "multipart/form-data", 19) == 0)
        {
            return iam_s3_fail(ctx, IAM_S3_ERR_NOT_IMPLEMENTED,
                               "presigned POST is not supported");
        }
    }

    sub_seen = 0;
    method_seen = 0;

    for (i = 0; i < iam_s3_nelts(iam_s3_ops); i++) {
        op = &iam_s3_ops[i];

        if (op->resource != ctx->resource || !iam_str_eq(op->sub, ctx->sub)) {
            continue;
        }

        sub_seen = 1;

        if (op->method != ctx->method) {
            continue;
        }

        method_seen = 1;

        if ((ctx->have & op->need) != op->need
            || (ctx->have & ~(op->need | op->allow)))
        {
            continue;
        }

        ctx->op = op;

        return IAM_OK;
    }

    if (!sub_seen) {
        return iam_s3_fail(ctx, IAM_S3_ERR_NOT_IMPLEMENTED,
                           ctx->sub.len ? "unsupported sub-resource"
                                        : "unsupported request");
    }

    if (!method_seen) {
        return iam_s3_fail(ctx, IAM_S3_ERR_METHOD_NOT_ALLOWED,
                           "method not allowed on this resource");
    }

    return iam_s3_fail(ctx, IAM_S3_ERR_INVALID_ARGUMENT,
                       "unsupported combination of parameters");
}


/*
 * x-amz-copy-source: "[/]bucket/key[?versionId=id]", percent-encoded; the
 * source needs s3:GetObject (or s3:GetObjectVersion).  Access points as
 * sources are not supported.
 */
static int
iam_s3_copy_source(iam_s3_ctx_t *ctx)
{
    char        *start;
    iam_str_t    src, bucket, key, version, arn, name;
    const char  *p, *last;

    src = ctx->headers[IAM_S3_H_COPY_SOURCE];
    p = src.data;
    last = p + src.len;

    if (p < last && *p == '/') {
        p++;
    }

    if (last - p >= 4 && memcmp(p, "arn:", 4) == 0) {
        return iam_s3_fail(ctx, IAM_S3_ERR_INVALID_ARGUMENT,
                           "access points as copy sources are not supported");
    }

    bucket.data = p;

    while (p < last && *p != '/' && *p != '?') {
        p++;
    }

    bucket.len = p - bucket.data;

    if (p == last || *p != '/') {
        return iam_s3_fail(ctx, IAM_S3_ERR_INVALID_ARGUMENT,
                           "the copy source has no key");
    }

    key.data = ++p;

    while (p < last && *p != '?') {
        p++;
    }

    key.len = p - key.data;

    if (key.len == 0) {
        return iam_s3_fail(ctx, IAM_S3_ERR_INVALID_ARGUMENT,
                           "the copy source has no key");
    }

    version.len = 0;
    version.data = NULL;

    if (p < last) {
        p++;

        if (last - p < 10 || memcmp(p, "versionId=", 10) != 0) {
            return iam_s3_fail(ctx, IAM_S3_ERR_INVALID_ARGUMENT,
                               "the copy source has an unknown argument");
        }

        version.data = p + 10;
        version.len = last - version.data;
    }

    start = ctx->pos;

    if (iam_s3_put(ctx, IAM_S3_ARN_PREFIX, sizeof(IAM_S3_ARN_PREFIX) - 1)
        != IAM_OK)
    {
        return IAM_ERROR;
    }

    name.data = ctx->pos;

    if (iam_s3_put_decoded(ctx, bucket, 0, IAM_S3_ERR_INVALID_ARGUMENT,
                           "bad percent-encoding in the copy source")
        != IAM_OK)
    {
        return IAM_ERROR;
    }

    bucket.data = name.data;
    bucket.len = ctx->pos - name.data;

    if (!iam_s3_bucket_valid(bucket)) {
        return iam_s3_fail(ctx, IAM_S3_ERR_INVALID_ARGUMENT,
                           "invalid bucket name in the copy source");
    }

    if (iam_s3_put(ctx, "/", 1) != IAM_OK) {
        return IAM_ERROR;
    }

    p = ctx->pos;

    if (iam_s3_put_decoded(ctx, key, 0, IAM_S3_ERR_INVALID_ARGUMENT,
                           "bad percent-encoding in the copy source")
        != IAM_OK)
    {
        return IAM_ERROR;
    }

    key.data = p;
    key.len = ctx->pos - p;

    if (iam_s3_check_key(ctx, key, IAM_S3_ERR_INVALID_ARGUMENT) != IAM_OK) {
        return IAM_ERROR;
    }

    arn.data = start;
    arn.len = ctx->pos - start;

    /* s3:x-amz-copy-source is "bucket/key", decoded, as policies write it */
    name.len = ctx->pos - name.data;
    ctx->copy_source = name;

    if (version.data) {
        p = ctx->pos;

        if (iam_s3_put_decoded(ctx, version, IAM_S3_PLUS_SPACE,
                               IAM_S3_ERR_INVALID_ARGUMENT,
                               "bad percent-encoding in the copy source")
            != IAM_OK)
        {
            return IAM_ERROR;
        }

        if (ctx->pos == p) {
            return iam_s3_fail(ctx, IAM_S3_ERR_INVALID_ARGUMENT,
                               "the copy source versionId is empty");
        }

        return iam_s3_push(ctx, (iam_str_t) iam_string("s3:GetObjectVersion"),
                           arn);
    }

    return iam_s3_push(ctx, (iam_str_t) iam_string("s3:GetObject"), arn);
}


/*
 * x-amz-tagging: "k1=v1&k2=v2", URL-encoded.  Sets s3:RequestObjectTag/<k>
 * here and keeps the keys for s3:RequestObjectTagKeys.
 */
static int
iam_s3_tagging(iam_s3_ctx_t *ctx)
{
    size_t       j, nchars;
    iam_str_t    tagging, name, key, value, raw;
    const char  *p, *last, *eq, *seg;

    tagging = ctx->headers[IAM_S3_H_TAGGING];

    if (tagging.len == 0) {
        return IAM_OK;
    }

    ctx->tag_keys = iam_s3_alloc(ctx, IAM_S3_MAX_TAGS * sizeof(iam_str_t));
    if (ctx->tag_keys == NULL) {
        return IAM_ERROR;
    }

    p = tagging.data;
    last = p + tagging.len;

    for ( ;; ) {
        seg = p;
        eq = NULL;

        while (p < last && *p != '&') {
            if (*p == '=' && eq == NULL) {
                eq = p;
            }

            p++;
        }

        if (p == seg || eq == seg) {
            return iam_s3_fail(ctx, IAM_S3_ERR_INVALID_TAG,
                               "a tag without a key in x-amz-tagging");
        }

        if (ctx->ntags == IAM_S3_MAX_TAGS) {
            return iam_s3_fail(ctx, IAM_S3_ERR_INVALID_TAG,
                               "more than 10 tags in x-amz-tagging");
        }

        name.data = ctx->pos;

        if (iam_s3_put(ctx, "s3:RequestObjectTag/", 20) != IAM_OK) {
            return IAM_ERROR;
        }

        raw.data = seg;
        raw.len = (eq ? eq : p) - seg;
        key.data = ctx->pos;

        if (iam_s3_put_decoded(ctx, raw, IAM_S3_PLUS_SPACE,
                               IAM_S3_ERR_INVALID_TAG,
                               "bad percent-encoding in x-amz-tagging")
            != IAM_OK)
        {
            return IAM_ERROR;
        }

        key.len = ctx->pos - key.data;
        name.len = ctx->pos - name.data;

        if (!iam_s3_utf8(key.data, key.len, &nchars)
            || nchars > IAM_S3_MAX_TAG_KEY)
        {
            return iam_s3_fail(ctx, IAM_S3_ERR_INVALID_TAG,
                               "a tag key is not UTF-8 or too long");
        }

        if (key.len >= 4 && strncasecmp(key.data, "aws:", 4) == 0) {
            return iam_s3_fail(ctx, IAM_S3_ERR_INVALID_TAG,
                               "tag keys starting with \"aws:\" are reserved");
        }

        for (j = 0; j < ctx->ntags; j++) {
            if (iam_str_eq(ctx->tag_keys[j], key)) {
                return iam_s3_fail(ctx, IAM_S3_ERR_INVALID_TAG,
                                   "a tag key is given twice");
            }
        }

        if (eq) {
            raw.data = eq + 1;
            raw.len = p - raw.data;

        } else {
            iam_str_set(&raw, "");
        }

        value.data = ctx->pos;

        if (iam_s3_put_decoded(ctx, raw, IAM_S3_PLUS_SPACE,
                               IAM_S3_ERR_INVALID_TAG,
                               "bad percent-encoding in x-amz-tagging")
            != IAM_OK)
        {
            return IAM_ERROR;
        }

        value.len = ctx->pos - value.data;

        if (!iam_s3_utf8(value.data, value.len, &nchars)
            || nchars > IAM_S3_MAX_TAG_VALUE)
        {
            return iam_s3_fail(ctx, IAM_S3_ERR_INVALID_TAG,
                               "a tag value is not UTF-8 or too long");
        }

        ctx->tag_keys[ctx->ntags++] = key;

        if (iam_s3_cond(ctx, name, value) != IAM_OK) {
            return IAM_ERROR;
        }

        if (p == last) {
            return IAM_OK;
        }

        p++;
    }
}


/*
 * The body of DeleteObjects:
 *
 *   <?xml version="1.0" encoding="UTF-8"?>
 *   <Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
 *     <Object><Key>k</Key><VersionId>v</VersionId></Object> ...
 *     <Quiet>true</Quiet>
 *   </Delete>
 *
 * parsed just enough to name every key, and strictly: no DTD, comment,
 * CDATA, namespace prefix or unknown element, so that the backend cannot
 * read a key we did not see.
 */
static int
iam_s3_delete_body(iam_s3_ctx_t *ctx)
{
    int          close, bypass;
    char        *start;
    size_t       nkeys;
    iam_str_t    body, name;
    const char  *p, *last;

    body = ctx->req->body;

    if (body.len == 0 || body.data == NULL) {
        return iam_s3_fail(ctx, IAM_S3_ERR_MALFORMED_XML,
                           "DeleteObjects without a body");
    }

    bypass = (ctx->present & IAM_S3_HBIT(IAM_S3_H_BYPASS)) != 0;

    p = body.data;
    last = p + body.len;

    if (last - p >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
        p += 3;
    }

    p = iam_s3_xml_space(p, last);

    if (last - p >= 6 && memcmp(p, "<?xml", 5) == 0
        && (p[5] == ' ' || p[5] == '\t' || p[5] == '\r' || p[5] == '\n'))
    {
        /* the declaration: version, encoding, standalone */
        for (p += 5; p < last && *p != '?'; p++) {
            if (*p == '<' || *p == '>') {
                goto malformed;
            }
        }

        if (last - p < 2 || p[1] != '>') {
            goto malformed;
        }

        p += 2;
        p = iam_s3_xml_space(p, last);
    }

    if (iam_s3_xml_tag(&p, last, &name, &close, 1) != IAM_OK
        || close || !iam_str_eq_cstr(name, "Delete"))
    {
        goto malformed;
    }

    nkeys = 0;

    for ( ;; ) {
        p = iam_s3_xml_space(p, last);

        if (iam_s3_xml_tag(&p, last, &name, &close, 0) != IAM_OK) {
            goto malformed;
        }

        if (close) {
            if (!iam_str_eq_cstr(name, "Delete")) {
                goto malformed;
            }

            break;
        }

        if (iam_str_eq_cstr(name, "Object")) {
            if (nkeys == IAM_S3_MAX_DELETE_KEYS) {
                return iam_s3_fail(ctx, IAM_S3_ERR_MALFORMED_XML,
                                   "more than 1000 keys in DeleteObjects");
            }

            if (iam_s3_xml_object(ctx, &p, last, ctx->arn, bypass)
                != IAM_OK)
            {
                return IAM_ERROR;
            }

            nkeys++;
            continue;
        }

        if (!iam_str_eq_cstr(name, "Quiet")) {
            goto malformed;
        }

        start = ctx->pos;

        if (iam_s3_xml_text(ctx, &p, last) != IAM_OK) {
            goto malformed;
        }

        name.data = start;
        name.len = ctx->pos - start;
        ctx->pos = start;

        if (!iam_str_eq_cstr(name, "true") && !iam_str_eq_cstr(name, "false"))
        {
            goto malformed;
        }

        if (iam_s3_xml_tag(&p, last, &name, &close, 0) != IAM_OK
            || !close || !iam_str_eq_cstr(name, "Quiet"))
        {
            goto malformed;
        }
    }

    if (iam_s3_xml_space(p, last) != last) {
        goto malformed;
    }

    if (nkeys == 0) {
        return iam_s3_fail(ctx, IAM_S3_ERR_MALFORMED_XML,
                           "no <Object> in DeleteObjects");
    }

    return IAM_OK;

malformed:

    return iam_s3_fail(ctx, IAM_S3_ERR_MALFORMED_XML,
                       "the DeleteObjects body is not the expected XML");
}


/* One <Object> after its start tag: pairs on "arn:aws:s3:::bucket/key". */
static int
iam_s3_xml_object(iam_s3_ctx_t *ctx, const char **pp, const char *last,
    iam_str_t prefix, int bypass)
{
    int          close, have_key, have_version;
    char        *start;
    iam_str_t    name, end, arn, key;
    const char  *p;

    p = *pp;
    have_key = 0;
    have_version = 0;
    arn.len = 0;
    arn.data = NULL;

    for ( ;; ) {
        p = iam_s3_xml_space(p, last);

        if (iam_s3_xml_tag(&p, last, &name, &close, 0) != IAM_OK) {
            goto malformed;
        }

        if (close) {
            if (!iam_str_eq_cstr(name, "Object")) {
                goto malformed;
            }

            break;
        }

        start = ctx->pos;

        if (iam_str_eq_cstr(name, "Key")) {
            if (have_key) {
                goto malformed;
            }

            have_key = 1;

            if (iam_s3_put(ctx, prefix.data, prefix.len) != IAM_OK
                || iam_s3_put(ctx, "/", 1) != IAM_OK)
            {
                return IAM_ERROR;
            }

            key.data = ctx->pos;

            if (iam_s3_xml_text(ctx, &p, last) != IAM_OK) {
                goto malformed;
            }

            key.len = ctx->pos - key.data;

            if (key.len == 0) {
                return iam_s3_fail(ctx, IAM_S3_ERR_MALFORMED_XML,
                                   "an empty <Key> in DeleteObjects");
            }

            if (iam_s3_check_key(ctx, key, IAM_S3_ERR_MALFORMED_XML)
                != IAM_OK)
            {
                return IAM_ERROR;
            }

            arn.data = start;
            arn.len = ctx->pos - start;

        } else if (iam_str_eq_cstr(name, "VersionId")
                   || iam_str_eq_cstr(name, "ETag")
                   || iam_str_eq_cstr(name, "LastModifiedTime")
                   || iam_str_eq_cstr(name, "Size"))
        {
            if (iam_s3_xml_text(ctx, &p, last) != IAM_OK) {
                goto malformed;
            }

            if (name.data[0] == 'V') {
                if (have_version || ctx->pos == start) {
                    goto malformed;
                }

                have_version = 1;
            }

            /* only whether a version is named matters */
            ctx->pos = start;

        } else {
            goto malformed;
        }

        if (iam_s3_xml_tag(&p, last, &end, &close, 0) != IAM_OK
            || !close || !iam_str_eq(end, name))
        {
            goto malformed;
        }
    }

    if (!have_key) {
        return iam_s3_fail(ctx, IAM_S3_ERR_MALFORMED_XML,
                           "an <Object> without <Key> in DeleteObjects");
    }

    *pp = p;

    if (iam_s3_push(ctx, have_version ? ctx->op->version_action
                                      : ctx->op->action, arn)
        != IAM_OK)
    {
        return IAM_ERROR;
    }

    if (bypass) {
        return iam_s3_push(ctx, iam_s3_bypass, arn);
    }

    return IAM_OK;

malformed:

    return iam_s3_fail(ctx, IAM_S3_ERR_MALFORMED_XML,
                       "the DeleteObjects body is not the expected XML");
}


/*
 * A start or end tag at *pp; attributes are accepted only where attrs is
 * set (xmlns on <Delete>), and "<x/>" is refused.
 */
static int
iam_s3_xml_tag(const char **pp, const char *last, iam_str_t *name,
    int *close, int attrs)
{
    char         q;
    const char  *p, *s;

    p = *pp;

    if (p >= last || *p != '<') {
        return IAM_ERROR;
    }

    p++;
    *close = 0;

    if (p < last && *p == '/') {
        *close = 1;
        p++;
    }

    name->data = p;

    while (p < last
           && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
               || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'
               || *p == '.' || *p == ':'))
    {
        p++;
    }

    name->len = p - name->data;

    if (name->len == 0) {
        return IAM_ERROR;
    }

    for ( ;; ) {
        s = p;
        p = iam_s3_xml_space(p, last);

        if (p == last) {
            return IAM_ERROR;
        }

        if (*p == '>') {
            *pp = p + 1;
            return IAM_OK;
        }

        if (*close || !attrs || p == s) {
            return IAM_ERROR;
        }

        /* name="value" or name='value' */
        s = p;

        while (p < last
               && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
                   || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'
                   || *p == '.' || *p == ':'))
        {
            p++;
        }

        if (p == s) {
            return IAM_ERROR;
        }

        p = iam_s3_xml_space(p, last);

        if (p == last || *p != '=') {
            return IAM_ERROR;
        }

        p = iam_s3_xml_space(p + 1, last);

        if (p == last || (*p != '"' && *p != '\'')) {
            return IAM_ERROR;
        }

        q = *p++;

        while (p < last && *p != q) {
            if (*p == '<' || *p == '&') {
                return IAM_ERROR;
            }

            p++;
        }

        if (p == last) {
            return IAM_ERROR;
        }

        p++;
    }
}


/*
 * Character data up to the next '<', entity references decoded, appended
 * to the scratch.  A raw CR is refused: XML would turn CR LF into LF, and
 * the backend would delete another key than the one we authorized.
 */
static int
iam_s3_xml_text(iam_s3_ctx_t *ctx, const char **pp, const char *last)
{
    char           buf[4];
    size_t         n, len;
    uint32_t       cp;
    const char    *p, *semi, *d;
    unsigned char  c;

    p = *pp;

    while (p < last && *p != '<') {
        c = (unsigned char) *p;

        if (c != '&') {
            if (c < 0x20 && c != '\t' && c != '\n') {
                return IAM_ERROR;
            }

            if (iam_s3_put(ctx, p, 1) != IAM_OK) {
                return IAM_ERROR;
            }

            p++;
            continue;
        }

        for (semi = p + 1; semi < last && semi - p < 12; semi++) {
            if (*semi == ';') {
                break;
            }
        }

        if (semi == last || *semi != ';') {
            return IAM_ERROR;
        }

        d = p + 1;
        len = semi - d;

        if (len == 3 && memcmp(d, "amp", 3) == 0) {
            buf[0] = '&';
            n = 1;

        } else if (len == 2 && memcmp(d, "lt", 2) == 0) {
            buf[0] = '<';
            n = 1;

        } else if (len == 2 && memcmp(d, "gt", 2) == 0) {
            buf[0] = '>';
            n = 1;

        } else if (len == 4 && memcmp(d, "quot", 4) == 0) {
            buf[0] = '"';
            n = 1;

        } else if (len == 4 && memcmp(d, "apos", 4) == 0) {
            buf[0] = '\'';
            n = 1;

        } else if (len >= 2 && d[0] == '#') {
            cp = 0;

            if (d[1] == 'x') {
                if (len == 2) {
                    return IAM_ERROR;
                }

                for (d += 2; d < semi; d++) {
                    if (iam_hex_value(*d) < 0 || cp > 0x10ffff) {
                        return IAM_ERROR;
                    }

                    cp = cp * 16 + iam_hex_value(*d);
                }

            } else {
                for (d += 1; d < semi; d++) {
                    if (*d < '0' || *d > '9' || cp > 0x10ffff) {
                        return IAM_ERROR;
                    }

                    cp = cp * 10 + (*d - '0');
                }
            }

            /* XML 1.0 Char */
            if (!(cp == 0x9 || cp == 0xa || cp == 0xd
                  || (cp >= 0x20 && cp <= 0xd7ff)
                  || (cp >= 0xe000 && cp <= 0xfffd)
                  || (cp >= 0x10000 && cp <= 0x10ffff)))
            {
                return IAM_ERROR;
            }

            if (cp < 0x80) {
                buf[0] = (char) cp;
                n = 1;

            } else if (cp < 0x800) {
                buf[0] = (char) (0xc0 | (cp >> 6));
                buf[1] = (char) (0x80 | (cp & 0x3f));
                n = 2;

            } else if (cp < 0x10000) {
                buf[0] = (char) (0xe0 | (cp >> 12));
                buf[1] = (char) (0x80 | ((cp >> 6) & 0x3f));
                buf[2] = (char) (0x80 | (cp & 0x3f));
                n = 3;

            } else {
                buf[0] = (char) (0xf0 | (cp >> 18));
                buf[1] = (char) (0x80 | ((cp >> 12) & 0x3f));
                buf[2] = (char) (0x80 | ((cp >> 6) & 0x3f));
                buf[3] = (char) (0x80 | (cp & 0x3f));
                n = 4;
            }

        } else {
            return IAM_ERROR;
        }

        if (iam_s3_put(ctx, buf, n) != IAM_OK) {
            return IAM_ERROR;
        }

        p = semi + 1;
    }

    if (p == last) {
        return IAM_ERROR;
    }

    *pp = p;

    return IAM_OK;
}


static const char *
iam_s3_xml_space(const char *p, const char *last)
{
    while (p < last
           && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
    {
        p++;
    }

    return p;
}


static int
iam_s3_implies(iam_s3_ctx_t *ctx, const iam_s3_implied_t *implied)
{
    size_t  h;

    for (h = 0; h < IAM_S3_H_NUMBER; h++) {
        if ((implied->headers & ctx->present & IAM_S3_HBIT(h))
            && !(implied->unless.len
                 && iam_str_eq(ctx->headers[h], implied->unless)))
        {
            return 1;
        }
    }

    return 0;
}


static int
iam_s3_conditions(iam_s3_ctx_t *ctx)
{
    size_t                      h, i;
    unsigned                    flags;
    iam_str_t                   value;
    const iam_s3_param_t       *param;
    const iam_s3_header_key_t  *def;
    iam_s3_condition_t         *cond;

    static const struct {
        const char  *param;
        iam_str_t    key;
    } list[] = {
        { "prefix", iam_string("s3:prefix") },
        { "delimiter", iam_string("s3:delimiter") },
        { "max-keys", iam_string("s3:max-keys") }
    };

    flags = ctx->op->flags | IAM_S3_F_ANY;

    for (h = 0; h < IAM_S3_H_NUMBER; h++) {
        def = &iam_s3_headers[h];

        if (def->key.len && (def->flags & flags)
            && (ctx->present & IAM_S3_HBIT(h))
            && iam_s3_cond(ctx, def->key, ctx->headers[h]) != IAM_OK)
        {
            return IAM_ERROR;
        }
    }

    if (ctx->op->flags & IAM_S3_F_LIST) {
        for (i = 0; i < iam_s3_nelts(list); i++) {
            param = iam_s3_param(ctx, list[i].param);

            if (param == NULL) {
                continue;
            }

            if (iam_s3_decode(ctx, param->raw, &value) != IAM_OK
                || iam_s3_cond(ctx, list[i].key, value) != IAM_OK)
            {
                return IAM_ERROR;
            }
        }
    }

    if (ctx->res->version_id.len
        && iam_s3_cond(ctx, (iam_str_t) iam_string("s3:VersionId"),
                       ctx->res->version_id)
           != IAM_OK)
    {
        return IAM_ERROR;
    }

    if (ctx->copy_source.len
        && iam_s3_cond(ctx, (iam_str_t) iam_string("s3:x-amz-copy-source"),
                       ctx->copy_source)
           != IAM_OK)
    {
        return IAM_ERROR;
    }

    if (ctx->ntags) {
        if (iam_s3_cond(ctx, (iam_str_t) iam_string("s3:RequestObjectTagKeys"),
                        ctx->tag_keys[0])
            != IAM_OK)
        {
            return IAM_ERROR;
        }

        cond = &ctx->res->conditions[ctx->res->nconditions - 1];
        cond->values = ctx->tag_keys;
        cond->nvalues = ctx->ntags;
    }

    return iam_s3_request_conditions(ctx);
}


/*
 * Keys of every operation, from how the request came: "Amazon S3
 * condition key examples" and the SigV4 pages of the S3 API reference.
 * s3:TlsVersion is numeric there: "1.2", not "TLSv1.2".
 */

static int
iam_s3_request_conditions(iam_s3_ctx_t *ctx)
{
    int                      n;
    char                    *p;
    iam_str_t                tls, age;
    const iam_s3_request_t  *req;

    static const iam_str_t  auth_types[] = {
        iam_null_string,
        iam_string("REST-HEADER"),
        iam_string("REST-QUERY-STRING")
    };

    req = ctx->req;

    if (req->auth == IAM_S3_AUTH_HEADER || req->auth == IAM_S3_AUTH_QUERY) {

        p = ctx->pos;
        n = snprintf(p, ctx->end - p, "%llu",
                     (unsigned long long) req->signature_age);

        if (n < 0 || n >= ctx->end - p) {
            return iam_s3_fail(ctx, IAM_S3_ERR_INTERNAL,
                               "the scratch buffer is too small");
        }

        ctx->pos += n;
        age.data = p;
        age.len = n;

        if (iam_s3_cond(ctx, (iam_str_t) iam_string("s3:authType"),
                        auth_types[req->auth])
            != IAM_OK
            || iam_s3_cond(ctx, (iam_str_t) iam_string("s3:signatureversion"),
                           (iam_str_t) iam_string("AWS4-HMAC-SHA256"))
               != IAM_OK
            || iam_s3_cond(ctx, (iam_str_t) iam_string("s3:signatureAge"),
                           age)
               != IAM_OK)
        {
            return IAM_ERROR;
        }
    }

    tls = req->tls_protocol;

    if (tls.len > 4 && memcmp(tls.data, "TLSv", 4) == 0) {
        tls.data += 4;
        tls.len -= 4;

        /* OpenSSL says "TLSv1" for 1.0 */
        if (tls.len == 1 && tls.data[0] == '1') {
            iam_str_set(&tls, "1.0");
        }

        if (iam_s3_cond(ctx, (iam_str_t) iam_string("s3:TlsVersion"), tls)
            != IAM_OK)
        {
            return IAM_ERROR;
        }
    }

    return IAM_OK;
}


static int
iam_s3_push(iam_s3_ctx_t *ctx, iam_str_t action, iam_str_t resource)
{
    iam_s3_result_t  *res;

    res = ctx->res;

    if (res->naccess == res->access_max) {
        return iam_s3_fail(ctx, IAM_S3_ERR_INTERNAL,
                           "the access array is too small");
    }

    res->access[res->naccess].action = action;
    res->access[res->naccess].resource = resource;
    res->naccess++;

    return IAM_OK;
}


static int
iam_s3_cond(iam_s3_ctx_t *ctx, iam_str_t key, iam_str_t value)
{
    iam_s3_result_t     *res;
    iam_s3_condition_t  *cond;

    res = ctx->res;

    if (res->nconditions == res->conditions_max) {
        return iam_s3_fail(ctx, IAM_S3_ERR_INTERNAL,
                           "the conditions array is too small");
    }

    cond = &res->conditions[res->nconditions++];

    cond->key = key;
    cond->value = value;
    cond->values = &cond->value;
    cond->nvalues = 1;

    return IAM_OK;
}


static int
iam_s3_put(iam_s3_ctx_t *ctx, const char *s, size_t len)
{
    if ((size_t) (ctx->end - ctx->pos) < len) {
        return iam_s3_fail(ctx, IAM_S3_ERR_INTERNAL,
                           "the scratch buffer is too small");
    }

    if (len) {
        memcpy(ctx->pos, s, len);
        ctx->pos += len;
    }

    return IAM_OK;
}


/* Percent-decoding; a NUL byte, raw or encoded, is refused. */
static int
iam_s3_put_decoded(iam_s3_ctx_t *ctx, iam_str_t src, unsigned flags,
    iam_s3_error_e err, const char *reason)
{
    int            hi, lo;
    char          *d;
    size_t         i;
    unsigned char  c;

    if ((size_t) (ctx->end - ctx->pos) < src.len) {
        return iam_s3_fail(ctx, IAM_S3_ERR_INTERNAL,
                           "the scratch buffer is too small");
    }

    d = ctx->pos;

    /* names and values with nothing to decode, the usual case */
    if (memchr(src.data, '%', src.len) == NULL
        && ((flags & IAM_S3_PLUS_SPACE) == 0
            || memchr(src.data, '+', src.len) == NULL)
        && memchr(src.data, '\0', src.len) == NULL)
    {
        memcpy(d, src.data, src.len);
        ctx->pos = d + src.len;

        return IAM_OK;
    }

    for (i = 0; i < src.len; i++) {
        c = (unsigned char) src.data[i];

        if (c == '%') {
            if (src.len - i < 3) {
                return iam_s3_fail(ctx, err, reason);
            }

            hi = iam_hex_value(src.data[i + 1]);
            lo = iam_hex_value(src.data[i + 2]);

            if (hi < 0 || lo < 0) {
                return iam_s3_fail(ctx, err, reason);
            }

            c = (unsigned char) (hi << 4 | lo);
            i += 2;

        } else if (c == '+' && (flags & IAM_S3_PLUS_SPACE)) {
            c = ' ';
        }

        if (c == '\0') {
            return iam_s3_fail(ctx, err, reason);
        }

        *d++ = (char) c;
    }

    ctx->pos = d;

    return IAM_OK;
}


/* A query value, decoded into the scratch. */
static int
iam_s3_decode(iam_s3_ctx_t *ctx, iam_str_t src, iam_str_t *dst)
{
    dst->data = ctx->pos;

    if (iam_s3_put_decoded(ctx, src, IAM_S3_PLUS_SPACE,
                           IAM_S3_ERR_INVALID_URI,
                           "bad percent-encoding in the query")
        != IAM_OK)
    {
        return IAM_ERROR;
    }

    dst->len = ctx->pos - dst->data;

    return IAM_OK;
}


static void *
iam_s3_alloc(iam_s3_ctx_t *ctx, size_t size)
{
    uintptr_t  p;

    p = ((uintptr_t) ctx->pos + 15) & ~(uintptr_t) 15;

    if (p > (uintptr_t) ctx->end || (uintptr_t) ctx->end - p < size) {
        iam_s3_fail(ctx, IAM_S3_ERR_INTERNAL,
                    "the scratch buffer is too small");
        return NULL;
    }

    ctx->pos = (char *) p + size;

    return (void *) p;
}


/*
 * "Bucket naming rules" of general purpose buckets: 3 to 63 characters of
 * a-z, 0-9, '.' and '-', starting and ending with a letter or a digit, no
 * "..", not an IPv4 address.  Whatever else a backend accepts could hold
 * '/', '*' or '?', and break the ARN it is written into.
 */
static int
iam_s3_bucket_valid(iam_str_t bucket)
{
    char    c;
    size_t  i, dots, digits;

    if (bucket.len < 3 || bucket.len > 63) {
        return 0;
    }

    dots = 0;
    digits = 0;

    for (i = 0; i < bucket.len; i++) {
        c = bucket.data[i];

        if (c >= '0' && c <= '9') {
            digits++;

        } else if (c == '.') {
            if (i && bucket.data[i - 1] == '.') {
                return 0;
            }

            dots++;

        } else if (!((c >= 'a' && c <= 'z') || c == '-')) {
            return 0;
        }
    }

    c = bucket.data[0];

    if (c == '.' || c == '-') {
        return 0;
    }

    c = bucket.data[bucket.len - 1];

    if (c == '.' || c == '-') {
        return 0;
    }

    if (dots == 3 && digits + dots == bucket.len) {
        return 0;
    }

    return 1;
}


/*
 * An object key: 1024 bytes of UTF-8 at most, and no "." or ".." segment
 * and no empty one ("//", or a leading "/"), which a backend or proxy that
 * normalizes paths (nginx's merge_slashes is on by default) would turn
 * into another key than the one authorized.  A trailing "/" (a folder
 * marker) is kept.
 */
static int
iam_s3_check_key(iam_s3_ctx_t *ctx, iam_str_t key, iam_s3_error_e err)
{
    size_t       n, nchars;
    const char  *p, *seg, *last;

    if (key.len > IAM_S3_MAX_KEY_LEN) {
        return iam_s3_fail(ctx, IAM_S3_ERR_KEY_TOO_LONG,
                           "the object key is longer than 1024 bytes");
    }

    if (!iam_s3_utf8(key.data, key.len, &nchars)) {
        return iam_s3_fail(ctx, err, "the object key is not UTF-8");
    }

    seg = key.data;
    last = key.data + key.len;

    for (p = key.data; p <= last; p++) {
        if (p < last && *p != '/') {
            continue;
        }

        n = p - seg;

        if (n == 0 && p < last) {
            return iam_s3_fail(ctx, err,
                               "an empty segment (\"//\") in the object key");
        }

        if ((n == 1 && seg[0] == '.')
            || (n == 2 && seg[0] == '.' && seg[1] == '.'))
        {
            return iam_s3_fail(ctx, err,
                               "a \".\" or \"..\" segment in the object key");
        }

        seg = p + 1;
    }

    return IAM_OK;
}


/* Well-formed UTF-8: no overlong form, surrogate or code point > 10FFFF. */
static int
iam_s3_utf8(const char *s, size_t len, size_t *nchars)
{
    size_t    i, n, need;
    uint32_t  c, cp, min;

    i = 0;
    n = 0;

    while (i < len) {
        c = (unsigned char) s[i++];
        n++;

        if (c < 0x80) {
            continue;
        }

        if (c >= 0xc2 && c <= 0xdf) {
            need = 1;
            cp = c & 0x1f;
            min = 0x80;

        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            cp = c & 0x0f;
            min = 0x800;

        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            cp = c & 0x07;
            min = 0x10000;

        } else {
            return 0;
        }

        if (len - i < need) {
            return 0;
        }

        while (need--) {
            c = (unsigned char) s[i++];

            if ((c & 0xc0) != 0x80) {
                return 0;
            }

            cp = cp << 6 | (c & 0x3f);
        }

        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return 0;
        }
    }

    *nchars = n;

    return 1;
}

