/*
 * The S3 REST mapping: one case per operation of the table, path-style and
 * virtual-hosted, awkward keys, condition keys, DeleteObjects bodies, and
 * every error.  Buffers are sized exactly as the API says, so ASan catches
 * any write past them.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include <iam/iam_s3.h>
#include <iam/iam_context.h>


#define MAXH    8
#define MAXA    8
#define MAXC    16


typedef struct {
    const char      *name;
    const char      *method;
    const char      *path;
    const char      *query;         /* NULL: none */
    const char      *host;          /* NULL: "s3.example.com" */
    const char      *headers[2 * MAXH + 1];
    const char      *body;
    iam_s3_error_e   error;
    const char      *operation;
    const char      *access[2 * MAXA + 1];  /* action, resource ... */
    const char      *conds[2 * MAXC + 1];   /* key, "v1|v2" ... */
} s3_case_t;


typedef struct {
    iam_s3_request_t     req;
    iam_s3_result_t      res;
    iam_s3_header_t      headers[MAXH];
    int                  rc;
} s3_run_t;


static const iam_str_t  domains[] = {
    iam_string("s3.example.com"),
    iam_string("s3.us-east-1.amazonaws.com")
};


static iam_str_t
str(const char *s)
{
    iam_str_t  v;

    v.data = s;
    v.len = s ? strlen(s) : 0;

    return v;
}


/* a NUL-terminated copy, for is_str(); a few rotating buffers */
static const char *
cstr(iam_str_t s)
{
    static char  buf[4][8192];
    static int   n;
    char        *b;

    b = buf[n++ % 4];

    if (s.len >= sizeof(buf[0])) {
        return "(too long)";
    }

    memcpy(b, s.data, s.len);
    b[s.len] = '\0';

    return b;
}


static void
run_init(s3_run_t *run, const char *method, const char *path,
    const char *query, const char *host, const char *const *headers,
    const char *body, size_t body_len)
{
    size_t  n;

    memset(run, 0, sizeof(s3_run_t));

    run->req.method = str(method);
    run->req.path = str(path);
    run->req.query = str(query ? query : "");
    run->req.host = str(host ? host : "s3.example.com");
    run->req.domains = domains;
    run->req.ndomains = sizeof(domains) / sizeof(domains[0]);

    for (n = 0; headers && headers[2 * n]; n++) {
        run->headers[n].name = str(headers[2 * n]);
        run->headers[n].value = str(headers[2 * n + 1]);
    }

    run->req.headers = run->headers;
    run->req.nheaders = n;

    if (body) {
        run->req.body.data = body;
        run->req.body.len = body_len;
    }
}


/* Maps with buffers of exactly the sizes the API asks for. */
static int
run_map(s3_run_t *run)
{
    iam_s3_result_t  *res;

    res = &run->res;

    res->access_max = iam_s3_access_max(&run->req);
    res->access = malloc(res->access_max * sizeof(iam_s3_access_t));
    res->conditions_max = IAM_S3_MAX_CONDITIONS;
    res->conditions = malloc(res->conditions_max
                             * sizeof(iam_s3_condition_t));
    res->scratch_size = iam_s3_scratch_size(&run->req);
    res->scratch = malloc(res->scratch_size);

    run->rc = iam_s3_map(&run->req, res);

    return run->rc;
}


static void
run_free(s3_run_t *run)
{
    free(run->res.access);
    free(run->res.conditions);
    free(run->res.scratch);
}


static const iam_s3_condition_t *
find_cond(const iam_s3_result_t *res, const char *key)
{
    size_t  i;

    for (i = 0; i < res->nconditions; i++) {
        if (iam_str_eq_cstr(res->conditions[i].key, key)) {
            return &res->conditions[i];
        }
    }

    return NULL;
}


static const char *
join_values(const iam_s3_condition_t *c)
{
    size_t      i, len;
    static char buf[8192];

    len = 0;

    for (i = 0; i < c->nvalues; i++) {
        if (len + c->values[i].len + 2 >= sizeof(buf)) {
            return "(too long)";
        }

        if (i) {
            buf[len++] = '|';
        }

        memcpy(buf + len, c->values[i].data, c->values[i].len);
        len += c->values[i].len;
    }

    buf[len] = '\0';

    return buf;
}


static void
check_case(const s3_case_t *tc)
{
    size_t                     i, n;
    s3_run_t                   run;
    iam_s3_result_t           *res;
    const iam_s3_condition_t  *c;

    run_init(&run, tc->method, tc->path, tc->query, tc->host, tc->headers,
             tc->body, tc->body ? strlen(tc->body) : 0);
    run_map(&run);
    res = &run.res;

    if (tc->error != IAM_S3_ERR_NONE) {
        if (!tap_ok(run.rc == IAM_ERROR && res->error == tc->error,
                    __FILE__, __LINE__, "%s: %s", tc->name,
                    iam_s3_error_code(tc->error)))
        {
            printf("#   got: rc %d, %s (%s)\n", run.rc,
                   iam_s3_error_code(res->error),
                   res->reason ? res->reason : "");
        }

        ok(res->reason != NULL && res->naccess == 0, "%s: a reason, no pairs",
           tc->name);

        run_free(&run);
        return;
    }

    if (!tap_ok(run.rc == IAM_OK, __FILE__, __LINE__, "%s: maps", tc->name)) {
        printf("#   got: %s (%s)\n", iam_s3_error_code(res->error),
               res->reason ? res->reason : "");
        run_free(&run);
        return;
    }

    is_str(cstr(res->operation), tc->operation, "%s: operation", tc->name);

    for (n = 0; tc->access[2 * n]; n++) { /* void */ }

    is_int(res->naccess, n, "%s: %zu pairs", tc->name, n);

    for (i = 0; i < n && i < res->naccess; i++) {
        is_str(cstr(res->access[i].action), tc->access[2 * i],
               "%s: action %zu", tc->name, i);
        is_str(cstr(res->access[i].resource), tc->access[2 * i + 1],
               "%s: resource %zu", tc->name, i);
    }

    for (n = 0; tc->conds[2 * n]; n++) {
        c = find_cond(res, tc->conds[2 * n]);

        is_str(c ? join_values(c) : NULL, tc->conds[2 * n + 1],
               "%s: %s", tc->name, tc->conds[2 * n]);
    }

    is_int(res->nconditions, n, "%s: %zu condition keys", tc->name, n);

    run_free(&run);
}


#define OBJ     "arn:aws:s3:::photos/"
#define BKT     "arn:aws:s3:::photos"

#define XML_DECL    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
#define XMLNS       " xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\""


static const s3_case_t  cases[] = {

    /* the service */

    { "ListBuckets", "GET", "/", NULL, NULL, {}, NULL, 0, "ListBuckets",
      { "s3:ListAllMyBuckets", "arn:aws:s3:::*" }, {} },
    { "ListBuckets with arguments", "GET", "/",
      "max-buckets=10&prefix=ph&continuation-token=abc", NULL, {}, NULL, 0,
      "ListBuckets", { "s3:ListAllMyBuckets", "arn:aws:s3:::*" }, {} },
    { "ListBuckets on the AWS domain", "GET", "/", NULL,
      "s3.us-east-1.amazonaws.com", {}, NULL, 0, "ListBuckets",
      { "s3:ListAllMyBuckets", "arn:aws:s3:::*" }, {} },

    /* buckets, path-style */

    { "ListObjects", "GET", "/photos", NULL, NULL, {}, NULL, 0,
      "ListObjects", { "s3:ListBucket", BKT }, {} },
    { "ListObjects, trailing slash", "GET", "/photos/", "marker=a", NULL, {},
      NULL, 0, "ListObjects", { "s3:ListBucket", BKT }, {} },
    { "ListObjectsV2 with list keys", "GET", "/photos/",
      "list-type=2&prefix=a%2Fb%2F&delimiter=%2F&max-keys=100"
      "&encoding-type=url&fetch-owner=true&start-after=a", NULL, {}, NULL, 0,
      "ListObjectsV2", { "s3:ListBucket", BKT },
      { "s3:prefix", "a/b/", "s3:delimiter", "/", "s3:max-keys", "100" } },
    { "ListObjectsV2, '+' in a query is a space", "GET", "/photos",
      "list-type=2&prefix=my+docs%2B/&continuation-token=x%3D%3D", NULL, {},
      NULL, 0, "ListObjectsV2", { "s3:ListBucket", BKT },
      { "s3:prefix", "my docs+/" } },
    { "ListObjects with an empty prefix", "GET", "/photos", "prefix=&x-id=a",
      NULL, {}, NULL, 0, "ListObjects", { "s3:ListBucket", BKT },
      { "s3:prefix", "" } },
    { "HeadBucket", "HEAD", "/photos", NULL, NULL, {}, NULL, 0,
      "HeadBucket", { "s3:ListBucket", BKT }, {} },
    { "CreateBucket", "PUT", "/photos", NULL, NULL,
      { "Content-Type", "application/xml" }, NULL, 0, "CreateBucket",
      { "s3:CreateBucket", BKT }, {} },
    { "CreateBucket with a canned ACL", "PUT", "/photos", NULL, NULL,
      { "X-Amz-Acl", "public-read" }, NULL, 0, "CreateBucket",
      { "s3:CreateBucket", BKT, "s3:PutBucketAcl", BKT },
      { "s3:x-amz-acl", "public-read" } },
    { "CreateBucket with grants", "PUT", "/photos", NULL, NULL,
      { "x-amz-grant-read", "id=1", "x-amz-grant-full-control", "id=2" },
      NULL, 0, "CreateBucket",
      { "s3:CreateBucket", BKT, "s3:PutBucketAcl", BKT },
      { "s3:x-amz-grant-read", "id=1",
        "s3:x-amz-grant-full-control", "id=2" } },
    { "CreateBucket with object lock and ownership", "PUT", "/photos", NULL,
      NULL, { "x-amz-bucket-object-lock-enabled", "True",
              "x-amz-object-ownership", "BucketOwnerEnforced" }, NULL, 0,
      "CreateBucket",
      { "s3:CreateBucket", BKT,
        "s3:PutBucketObjectLockConfiguration", BKT,
        "s3:PutBucketVersioning", BKT,
        "s3:PutBucketOwnershipControls", BKT },
      { "s3:x-amz-object-ownership", "BucketOwnerEnforced" } },
    { "CreateBucket with a canned ACL and a grant", "PUT", "/photos", NULL,
      NULL, { "x-amz-acl", "public-read", "x-amz-grant-write", "id=3" },
      NULL, 0, "CreateBucket",
      { "s3:CreateBucket", BKT, "s3:PutBucketAcl", BKT },
      { "s3:x-amz-acl", "public-read", "s3:x-amz-grant-write", "id=3" } },
    { "CreateBucket private needs no s3:PutBucketAcl", "PUT", "/photos",
      NULL, NULL, { "x-amz-acl", "private" }, NULL, 0, "CreateBucket",
      { "s3:CreateBucket", BKT }, { "s3:x-amz-acl", "private" } },
    { "CreateBucket, object lock false", "PUT", "/photos", NULL, NULL,
      { "x-amz-bucket-object-lock-enabled", "false" }, NULL, 0,
      "CreateBucket", { "s3:CreateBucket", BKT }, {} },
    { "DeleteBucket", "DELETE", "/photos", NULL, NULL, {}, NULL, 0,
      "DeleteBucket", { "s3:DeleteBucket", BKT }, {} },
    { "ListObjectVersions", "GET", "/photos", "versions&prefix=2024%2F"
      "&key-marker=a&version-id-marker=b&max-keys=5", NULL, {}, NULL, 0,
      "ListObjectVersions", { "s3:ListBucketVersions", BKT },
      { "s3:prefix", "2024/", "s3:max-keys", "5" } },
    { "ListMultipartUploads", "GET", "/photos", "uploads&max-uploads=10"
      "&upload-id-marker=x&key-marker=y&prefix=p", NULL, {}, NULL, 0,
      "ListMultipartUploads", { "s3:ListBucketMultipartUploads", BKT }, {} },
    { "GetBucketLocation", "GET", "/photos", "location", NULL, {}, NULL, 0,
      "GetBucketLocation", { "s3:GetBucketLocation", BKT }, {} },
    { "GetBucketAcl", "GET", "/photos", "acl", NULL, {}, NULL, 0,
      "GetBucketAcl", { "s3:GetBucketAcl", BKT }, {} },
    { "PutBucketAcl", "PUT", "/photos", "acl=", NULL,
      { "x-amz-acl", "private" }, NULL, 0, "PutBucketAcl",
      { "s3:PutBucketAcl", BKT }, { "s3:x-amz-acl", "private" } },
    { "GetBucketTagging", "GET", "/photos", "tagging", NULL, {}, NULL, 0,
      "GetBucketTagging", { "s3:GetBucketTagging", BKT }, {} },
    { "PutBucketTagging", "PUT", "/photos", "tagging", NULL, {}, NULL, 0,
      "PutBucketTagging", { "s3:PutBucketTagging", BKT }, {} },
    { "DeleteBucketTagging", "DELETE", "/photos", "tagging", NULL, {}, NULL,
      0, "DeleteBucketTagging", { "s3:PutBucketTagging", BKT }, {} },
    { "GetBucketVersioning", "GET", "/photos", "versioning", NULL, {}, NULL,
      0, "GetBucketVersioning", { "s3:GetBucketVersioning", BKT }, {} },
    { "PutBucketVersioning", "PUT", "/photos", "versioning", NULL, {}, NULL,
      0, "PutBucketVersioning", { "s3:PutBucketVersioning", BKT }, {} },
    { "GetBucketLifecycleConfiguration", "GET", "/photos", "lifecycle", NULL,
      {}, NULL, 0, "GetBucketLifecycleConfiguration",
      { "s3:GetLifecycleConfiguration", BKT }, {} },
    { "PutBucketLifecycleConfiguration", "PUT", "/photos", "lifecycle", NULL,
      {}, NULL, 0, "PutBucketLifecycleConfiguration",
      { "s3:PutLifecycleConfiguration", BKT }, {} },
    { "DeleteBucketLifecycle", "DELETE", "/photos", "lifecycle", NULL, {},
      NULL, 0, "DeleteBucketLifecycle",
      { "s3:PutLifecycleConfiguration", BKT }, {} },
    { "GetBucketPolicy", "GET", "/photos", "policy", NULL, {}, NULL, 0,
      "GetBucketPolicy", { "s3:GetBucketPolicy", BKT }, {} },
    { "PutBucketPolicy", "PUT", "/photos", "policy", NULL, {}, NULL, 0,
      "PutBucketPolicy", { "s3:PutBucketPolicy", BKT }, {} },
    { "DeleteBucketPolicy", "DELETE", "/photos", "policy", NULL, {}, NULL, 0,
      "DeleteBucketPolicy", { "s3:DeleteBucketPolicy", BKT }, {} },
    { "GetBucketPolicyStatus", "GET", "/photos", "policyStatus", NULL, {},
      NULL, 0, "GetBucketPolicyStatus",
      { "s3:GetBucketPolicyStatus", BKT }, {} },
    { "GetBucketCors", "GET", "/photos", "cors", NULL, {}, NULL, 0,
      "GetBucketCors", { "s3:GetBucketCORS", BKT }, {} },
    { "PutBucketCors", "PUT", "/photos", "cors", NULL, {}, NULL, 0,
      "PutBucketCors", { "s3:PutBucketCORS", BKT }, {} },
    { "DeleteBucketCors", "DELETE", "/photos", "cors", NULL, {}, NULL, 0,
      "DeleteBucketCors", { "s3:PutBucketCORS", BKT }, {} },
    { "GetBucketEncryption", "GET", "/photos", "encryption", NULL, {}, NULL,
      0, "GetBucketEncryption", { "s3:GetEncryptionConfiguration", BKT },
      {} },
    { "PutBucketEncryption", "PUT", "/photos", "encryption", NULL, {}, NULL,
      0, "PutBucketEncryption", { "s3:PutEncryptionConfiguration", BKT },
      {} },
    { "DeleteBucketEncryption", "DELETE", "/photos", "encryption", NULL, {},
      NULL, 0, "DeleteBucketEncryption",
      { "s3:PutEncryptionConfiguration", BKT }, {} },
    { "GetObjectLockConfiguration", "GET", "/photos", "object-lock", NULL,
      {}, NULL, 0, "GetObjectLockConfiguration",
      { "s3:GetBucketObjectLockConfiguration", BKT }, {} },
    { "PutObjectLockConfiguration", "PUT", "/photos", "object-lock", NULL,
      {}, NULL, 0, "PutObjectLockConfiguration",
      { "s3:PutBucketObjectLockConfiguration", BKT }, {} },
    { "GetPublicAccessBlock", "GET", "/photos", "publicAccessBlock", NULL,
      {}, NULL, 0, "GetPublicAccessBlock",
      { "s3:GetBucketPublicAccessBlock", BKT }, {} },
    { "PutPublicAccessBlock", "PUT", "/photos", "publicAccessBlock", NULL,
      {}, NULL, 0, "PutPublicAccessBlock",
      { "s3:PutBucketPublicAccessBlock", BKT }, {} },
    { "DeletePublicAccessBlock", "DELETE", "/photos", "publicAccessBlock",
      NULL, {}, NULL, 0, "DeletePublicAccessBlock",
      { "s3:PutBucketPublicAccessBlock", BKT }, {} },
    { "GetBucketOwnershipControls", "GET", "/photos", "ownershipControls",
      NULL, {}, NULL, 0, "GetBucketOwnershipControls",
      { "s3:GetBucketOwnershipControls", BKT }, {} },
    { "PutBucketOwnershipControls", "PUT", "/photos", "ownershipControls",
      NULL, {}, NULL, 0, "PutBucketOwnershipControls",
      { "s3:PutBucketOwnershipControls", BKT }, {} },
    { "DeleteBucketOwnershipControls", "DELETE", "/photos",
      "ownershipControls", NULL, {}, NULL, 0,
      "DeleteBucketOwnershipControls",
      { "s3:PutBucketOwnershipControls", BKT }, {} },
    { "GetBucketWebsite", "GET", "/photos", "website", NULL, {}, NULL, 0,
      "GetBucketWebsite", { "s3:GetBucketWebsite", BKT }, {} },
    { "PutBucketWebsite", "PUT", "/photos", "website", NULL, {}, NULL, 0,
      "PutBucketWebsite", { "s3:PutBucketWebsite", BKT }, {} },
    { "DeleteBucketWebsite", "DELETE", "/photos", "website", NULL, {}, NULL,
      0, "DeleteBucketWebsite", { "s3:DeleteBucketWebsite", BKT }, {} },
    { "GetBucketLogging", "GET", "/photos", "logging", NULL, {}, NULL, 0,
      "GetBucketLogging", { "s3:GetBucketLogging", BKT }, {} },
    { "PutBucketLogging", "PUT", "/photos", "logging", NULL, {}, NULL, 0,
      "PutBucketLogging", { "s3:PutBucketLogging", BKT }, {} },
    { "GetBucketNotificationConfiguration", "GET", "/photos", "notification",
      NULL, {}, NULL, 0, "GetBucketNotificationConfiguration",
      { "s3:GetBucketNotification", BKT }, {} },
    { "PutBucketNotificationConfiguration", "PUT", "/photos", "notification",
      NULL, {}, NULL, 0, "PutBucketNotificationConfiguration",
      { "s3:PutBucketNotification", BKT }, {} },
    { "GetBucketReplication", "GET", "/photos", "replication", NULL, {},
      NULL, 0, "GetBucketReplication",
      { "s3:GetReplicationConfiguration", BKT }, {} },
    { "PutBucketReplication", "PUT", "/photos", "replication", NULL, {},
      NULL, 0, "PutBucketReplication",
      { "s3:PutReplicationConfiguration", BKT }, {} },
    { "DeleteBucketReplication", "DELETE", "/photos", "replication", NULL,
      {}, NULL, 0, "DeleteBucketReplication",
      { "s3:PutReplicationConfiguration", BKT }, {} },
    { "GetBucketRequestPayment", "GET", "/photos", "requestPayment", NULL,
      {}, NULL, 0, "GetBucketRequestPayment",
      { "s3:GetBucketRequestPayment", BKT }, {} },
    { "PutBucketRequestPayment", "PUT", "/photos", "requestPayment", NULL,
      {}, NULL, 0, "PutBucketRequestPayment",
      { "s3:PutBucketRequestPayment", BKT }, {} },
    { "GetBucketAccelerateConfiguration", "GET", "/photos", "accelerate",
      NULL, {}, NULL, 0, "GetBucketAccelerateConfiguration",
      { "s3:GetAccelerateConfiguration", BKT }, {} },
    { "PutBucketAccelerateConfiguration", "PUT", "/photos", "accelerate",
      NULL, {}, NULL, 0, "PutBucketAccelerateConfiguration",
      { "s3:PutAccelerateConfiguration", BKT }, {} },
    { "GetBucketAnalyticsConfiguration", "GET", "/photos",
      "analytics&id=report1", NULL, {}, NULL, 0,
      "GetBucketAnalyticsConfiguration",
      { "s3:GetAnalyticsConfiguration", BKT }, {} },
    { "ListBucketAnalyticsConfigurations", "GET", "/photos",
      "analytics&continuation-token=t", NULL, {}, NULL, 0,
      "ListBucketAnalyticsConfigurations",
      { "s3:GetAnalyticsConfiguration", BKT }, {} },
    { "PutBucketAnalyticsConfiguration", "PUT", "/photos",
      "analytics&id=report1", NULL, {}, NULL, 0,
      "PutBucketAnalyticsConfiguration",
      { "s3:PutAnalyticsConfiguration", BKT }, {} },
    { "DeleteBucketAnalyticsConfiguration", "DELETE", "/photos",
      "id=report1&analytics", NULL, {}, NULL, 0,
      "DeleteBucketAnalyticsConfiguration",
      { "s3:PutAnalyticsConfiguration", BKT }, {} },
    { "GetBucketInventoryConfiguration", "GET", "/photos",
      "inventory&id=i1", NULL, {}, NULL, 0, "GetBucketInventoryConfiguration",
      { "s3:GetInventoryConfiguration", BKT }, {} },
    { "ListBucketInventoryConfigurations", "GET", "/photos", "inventory",
      NULL, {}, NULL, 0, "ListBucketInventoryConfigurations",
      { "s3:GetInventoryConfiguration", BKT }, {} },
    { "PutBucketInventoryConfiguration", "PUT", "/photos",
      "inventory&id=i1", NULL, {}, NULL, 0, "PutBucketInventoryConfiguration",
      { "s3:PutInventoryConfiguration", BKT }, {} },
    { "DeleteBucketMetricsConfiguration", "DELETE", "/photos",
      "metrics&id=m1", NULL, {}, NULL, 0, "DeleteBucketMetricsConfiguration",
      { "s3:PutMetricsConfiguration", BKT }, {} },
    { "ListBucketMetricsConfigurations", "GET", "/photos", "metrics", NULL,
      {}, NULL, 0, "ListBucketMetricsConfigurations",
      { "s3:GetMetricsConfiguration", BKT }, {} },
    { "GetBucketIntelligentTieringConfiguration", "GET", "/photos",
      "intelligent-tiering&id=t1", NULL, {}, NULL, 0,
      "GetBucketIntelligentTieringConfiguration",
      { "s3:GetIntelligentTieringConfiguration", BKT }, {} },
    { "PutBucketIntelligentTieringConfiguration", "PUT", "/photos",
      "intelligent-tiering&id=t1", NULL, {}, NULL, 0,
      "PutBucketIntelligentTieringConfiguration",
      { "s3:PutIntelligentTieringConfiguration", BKT }, {} },

    /* objects */

    { "GetObject", "GET", "/photos/cat.jpg", NULL, NULL, {}, NULL, 0,
      "GetObject", { "s3:GetObject", OBJ "cat.jpg" }, {} },
    { "GetObject, SDK arguments", "GET", "/photos/cat.jpg",
      "x-id=GetObject&response-content-type=image%2Fjpeg&partNumber=2",
      NULL, { "x-amz-content-sha256", "UNSIGNED-PAYLOAD" }, NULL, 0,
      "GetObject", { "s3:GetObject", OBJ "cat.jpg" },
      { "s3:x-amz-content-sha256", "UNSIGNED-PAYLOAD" } },
    { "GetObject of a version", "GET", "/photos/cat.jpg",
      "versionId=3HL4kqtJlcpXroDTDmJ%2Brmsu", NULL, {}, NULL, 0, "GetObject",
      { "s3:GetObjectVersion", OBJ "cat.jpg" },
      { "s3:VersionId", "3HL4kqtJlcpXroDTDmJ+rmsu" } },
    { "HeadObject", "HEAD", "/photos/cat.jpg", NULL, NULL, {}, NULL, 0,
      "HeadObject", { "s3:GetObject", OBJ "cat.jpg" }, {} },
    { "HeadObject of a version", "HEAD", "/photos/cat.jpg", "versionId=null",
      NULL, {}, NULL, 0, "HeadObject",
      { "s3:GetObjectVersion", OBJ "cat.jpg" },
      { "s3:VersionId", "null" } },
    { "PutObject", "PUT", "/photos/cat.jpg", NULL, NULL,
      { "Content-Type", "image/jpeg" }, NULL, 0, "PutObject",
      { "s3:PutObject", OBJ "cat.jpg" }, {} },
    { "PutObject with SSE and storage class", "PUT", "/photos/cat.jpg", NULL,
      NULL, { "x-amz-server-side-encryption", "aws:kms",
              "x-amz-server-side-encryption-aws-kms-key-id", "arn:k",
              "x-amz-storage-class", "STANDARD_IA",
              "X-AMZ-SERVER-SIDE-ENCRYPTION-CUSTOMER-ALGORITHM", "AES256" },
      NULL, 0, "PutObject", { "s3:PutObject", OBJ "cat.jpg" },
      { "s3:x-amz-server-side-encryption", "aws:kms",
        "s3:x-amz-server-side-encryption-aws-kms-key-id", "arn:k",
        "s3:x-amz-storage-class", "STANDARD_IA",
        "s3:x-amz-server-side-encryption-customer-algorithm", "AES256" } },
    { "PutObject with a canned ACL", "PUT", "/photos/cat.jpg", NULL, NULL,
      { "x-amz-acl", "bucket-owner-full-control" }, NULL, 0, "PutObject",
      { "s3:PutObject", OBJ "cat.jpg", "s3:PutObjectAcl", OBJ "cat.jpg" },
      { "s3:x-amz-acl", "bucket-owner-full-control" } },
    { "PutObject with tags", "PUT", "/photos/cat.jpg", NULL, NULL,
      { "x-amz-tagging", "project=blue&note=two%20words&empty=&a+b=c%2Bd" },
      NULL, 0, "PutObject",
      { "s3:PutObject", OBJ "cat.jpg", "s3:PutObjectTagging", OBJ "cat.jpg" },
      { "s3:RequestObjectTag/project", "blue",
        "s3:RequestObjectTag/note", "two words",
        "s3:RequestObjectTag/empty", "",
        "s3:RequestObjectTag/a b", "c+d",
        "s3:RequestObjectTagKeys", "project|note|empty|a b" } },
    { "PutObject with an empty x-amz-tagging", "PUT", "/photos/cat.jpg", NULL,
      NULL, { "x-amz-tagging", "" }, NULL, 0, "PutObject",
      { "s3:PutObject", OBJ "cat.jpg" }, {} },
    { "PutObject with object lock", "PUT", "/photos/cat.jpg", NULL, NULL,
      { "x-amz-object-lock-mode", "GOVERNANCE",
        "x-amz-object-lock-retain-until-date", "2030-01-01T00:00:00Z",
        "x-amz-object-lock-legal-hold", "ON" }, NULL, 0, "PutObject",
      { "s3:PutObject", OBJ "cat.jpg",
        "s3:PutObjectRetention", OBJ "cat.jpg",
        "s3:PutObjectLegalHold", OBJ "cat.jpg" },
      { "s3:object-lock-mode", "GOVERNANCE",
        "s3:object-lock-retain-until-date", "2030-01-01T00:00:00Z",
        "s3:object-lock-legal-hold", "ON" } },
    { "PutObject, presigned with a hoisted ACL", "PUT", "/photos/cat.jpg",
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20240101"
      "&X-Amz-Date=20240101T000000Z&X-Amz-Expires=900"
      "&X-Amz-SignedHeaders=host&x-amz-acl=public-read"
      "&X-Amz-Signature=abcd", NULL, {}, NULL, 0, "PutObject",
      { "s3:PutObject", OBJ "cat.jpg", "s3:PutObjectAcl", OBJ "cat.jpg" },
      { "s3:x-amz-acl", "public-read" } },
    { "PutObject, header and hoisted copy agree", "PUT", "/photos/cat.jpg",
      "x-amz-acl=private", NULL, { "x-amz-acl", "private" }, NULL, 0,
      "PutObject",
      { "s3:PutObject", OBJ "cat.jpg", "s3:PutObjectAcl", OBJ "cat.jpg" },
      { "s3:x-amz-acl", "private" } },
    { "CopyObject", "PUT", "/photos/copy.jpg", NULL, NULL,
      { "x-amz-copy-source", "/src-bucket/dir/a%20b.jpg",
        "x-amz-metadata-directive", "REPLACE" }, NULL, 0, "CopyObject",
      { "s3:PutObject", OBJ "copy.jpg",
        "s3:GetObject", "arn:aws:s3:::src-bucket/dir/a b.jpg" },
      { "s3:x-amz-copy-source", "src-bucket/dir/a b.jpg",
        "s3:x-amz-metadata-directive", "REPLACE" } },
    { "CopyObject of a version, no leading slash", "PUT", "/photos/c.jpg",
      NULL, NULL,
      { "x-amz-copy-source", "photos/cat.jpg?versionId=v%2B1" }, NULL, 0,
      "CopyObject",
      { "s3:PutObject", OBJ "c.jpg", "s3:GetObjectVersion", OBJ "cat.jpg" },
      { "s3:x-amz-copy-source", "photos/cat.jpg" } },
    { "CopyObject with ACL and tags", "PUT", "/photos/c.jpg", NULL, NULL,
      { "x-amz-copy-source", "/photos/cat.jpg", "x-amz-acl", "private",
        "x-amz-tagging", "k=v", "x-amz-tagging-directive", "REPLACE" },
      NULL, 0, "CopyObject",
      { "s3:PutObject", OBJ "c.jpg", "s3:GetObject", OBJ "cat.jpg",
        "s3:PutObjectAcl", OBJ "c.jpg", "s3:PutObjectTagging", OBJ "c.jpg" },
      { "s3:x-amz-acl", "private", "s3:x-amz-copy-source", "photos/cat.jpg",
        "s3:RequestObjectTag/k", "v", "s3:RequestObjectTagKeys", "k" } },
    { "CopyObject, hoisted copy source", "PUT", "/photos/c.jpg",
      "x-amz-copy-source=%2Fsrc-bucket%2Fk", NULL, {}, NULL, 0, "CopyObject",
      { "s3:PutObject", OBJ "c.jpg",
        "s3:GetObject", "arn:aws:s3:::src-bucket/k" },
      { "s3:x-amz-copy-source", "src-bucket/k" } },
    { "CreateMultipartUpload", "POST", "/photos/big.iso", "uploads", NULL,
      { "x-amz-server-side-encryption", "AES256" }, NULL, 0,
      "CreateMultipartUpload", { "s3:PutObject", OBJ "big.iso" },
      { "s3:x-amz-server-side-encryption", "AES256" } },
    { "CreateMultipartUpload with a canned ACL", "POST", "/photos/big.iso",
      "uploads=", NULL, { "x-amz-acl", "public-read" }, NULL, 0,
      "CreateMultipartUpload",
      { "s3:PutObject", OBJ "big.iso", "s3:PutObjectAcl", OBJ "big.iso" },
      { "s3:x-amz-acl", "public-read" } },
    { "UploadPart", "PUT", "/photos/big.iso",
      "partNumber=1&uploadId=VXBsb2FkIElE", NULL, {}, NULL, 0, "UploadPart",
      { "s3:PutObject", OBJ "big.iso" }, {} },
    { "UploadPartCopy", "PUT", "/photos/big.iso",
      "uploadId=VXBsb2FkIElE&partNumber=10000", NULL,
      { "x-amz-copy-source", "/other-bucket/part.bin?versionId=7",
        "x-amz-copy-source-range", "bytes=0-99" }, NULL, 0, "UploadPartCopy",
      { "s3:PutObject", OBJ "big.iso",
        "s3:GetObjectVersion", "arn:aws:s3:::other-bucket/part.bin" },
      { "s3:x-amz-copy-source", "other-bucket/part.bin" } },
    { "CompleteMultipartUpload", "POST", "/photos/big.iso",
      "uploadId=VXBsb2FkIElE", NULL, {}, NULL, 0, "CompleteMultipartUpload",
      { "s3:PutObject", OBJ "big.iso" }, {} },
    { "AbortMultipartUpload", "DELETE", "/photos/big.iso",
      "uploadId=VXBsb2FkIElE", NULL, {}, NULL, 0, "AbortMultipartUpload",
      { "s3:AbortMultipartUpload", OBJ "big.iso" }, {} },
    { "ListParts", "GET", "/photos/big.iso",
      "uploadId=VXBsb2FkIElE&max-parts=100&part-number-marker=3", NULL, {},
      NULL, 0, "ListParts", { "s3:ListMultipartUploadParts", OBJ "big.iso" },
      {} },
    { "DeleteObject", "DELETE", "/photos/cat.jpg", NULL, NULL, {}, NULL, 0,
      "DeleteObject", { "s3:DeleteObject", OBJ "cat.jpg" }, {} },
    { "DeleteObject of a version", "DELETE", "/photos/cat.jpg",
      "versionId=v1", NULL, {}, NULL, 0, "DeleteObject",
      { "s3:DeleteObjectVersion", OBJ "cat.jpg" },
      { "s3:VersionId", "v1" } },
    { "DeleteObject bypassing governance", "DELETE", "/photos/cat.jpg",
      "versionId=v1", NULL, { "x-amz-bypass-governance-retention", "true" },
      NULL, 0, "DeleteObject",
      { "s3:DeleteObjectVersion", OBJ "cat.jpg",
        "s3:BypassGovernanceRetention", OBJ "cat.jpg" },
      { "s3:VersionId", "v1" } },
    { "GetObjectAcl", "GET", "/photos/cat.jpg", "acl", NULL, {}, NULL, 0,
      "GetObjectAcl", { "s3:GetObjectAcl", OBJ "cat.jpg" }, {} },
    { "GetObjectAcl of a version", "GET", "/photos/cat.jpg",
      "acl&versionId=v1", NULL, {}, NULL, 0, "GetObjectAcl",
      { "s3:GetObjectVersionAcl", OBJ "cat.jpg" }, { "s3:VersionId", "v1" } },
    { "PutObjectAcl", "PUT", "/photos/cat.jpg", "acl", NULL,
      { "x-amz-acl", "public-read" }, NULL, 0, "PutObjectAcl",
      { "s3:PutObjectAcl", OBJ "cat.jpg" },
      { "s3:x-amz-acl", "public-read" } },
    { "PutObjectAcl of a version", "PUT", "/photos/cat.jpg",
      "versionId=v1&acl", NULL, {}, NULL, 0, "PutObjectAcl",
      { "s3:PutObjectVersionAcl", OBJ "cat.jpg" }, { "s3:VersionId", "v1" } },
    { "GetObjectTagging", "GET", "/photos/cat.jpg", "tagging", NULL, {},
      NULL, 0, "GetObjectTagging", { "s3:GetObjectTagging", OBJ "cat.jpg" },
      {} },
    { "GetObjectTagging of a version", "GET", "/photos/cat.jpg",
      "tagging&versionId=v1", NULL, {}, NULL, 0, "GetObjectTagging",
      { "s3:GetObjectVersionTagging", OBJ "cat.jpg" },
      { "s3:VersionId", "v1" } },
    { "PutObjectTagging", "PUT", "/photos/cat.jpg", "tagging", NULL, {},
      NULL, 0, "PutObjectTagging", { "s3:PutObjectTagging", OBJ "cat.jpg" },
      {} },
    { "PutObjectTagging of a version", "PUT", "/photos/cat.jpg",
      "tagging&versionId=v1", NULL, {}, NULL, 0, "PutObjectTagging",
      { "s3:PutObjectVersionTagging", OBJ "cat.jpg" },
      { "s3:VersionId", "v1" } },
    { "DeleteObjectTagging", "DELETE", "/photos/cat.jpg", "tagging", NULL,
      {}, NULL, 0, "DeleteObjectTagging",
      { "s3:DeleteObjectTagging", OBJ "cat.jpg" }, {} },
    { "DeleteObjectTagging of a version", "DELETE", "/photos/cat.jpg",
      "tagging&versionId=v1", NULL, {}, NULL, 0, "DeleteObjectTagging",
      { "s3:DeleteObjectVersionTagging", OBJ "cat.jpg" },
      { "s3:VersionId", "v1" } },
    { "RestoreObject", "POST", "/photos/old.tar", "restore", NULL, {}, NULL,
      0, "RestoreObject", { "s3:RestoreObject", OBJ "old.tar" }, {} },
    { "GetObjectRetention", "GET", "/photos/cat.jpg", "retention", NULL, {},
      NULL, 0, "GetObjectRetention",
      { "s3:GetObjectRetention", OBJ "cat.jpg" }, {} },
    { "PutObjectRetention bypassing governance", "PUT", "/photos/cat.jpg",
      "retention&versionId=v2", NULL,
      { "x-amz-bypass-governance-retention", "TRUE" }, NULL, 0,
      "PutObjectRetention",
      { "s3:PutObjectRetention", OBJ "cat.jpg",
        "s3:BypassGovernanceRetention", OBJ "cat.jpg" },
      { "s3:VersionId", "v2" } },
    { "GetObjectLegalHold", "GET", "/photos/cat.jpg", "legal-hold", NULL, {},
      NULL, 0, "GetObjectLegalHold",
      { "s3:GetObjectLegalHold", OBJ "cat.jpg" }, {} },
    { "PutObjectLegalHold", "PUT", "/photos/cat.jpg", "legal-hold", NULL, {},
      NULL, 0, "PutObjectLegalHold",
      { "s3:PutObjectLegalHold", OBJ "cat.jpg" }, {} },
    { "GetObjectAttributes", "GET", "/photos/cat.jpg", "attributes", NULL,
      { "x-amz-object-attributes", "ETag,ObjectSize" }, NULL, 0,
      "GetObjectAttributes", { "s3:GetObjectAttributes", OBJ "cat.jpg" },
      {} },
    { "GetObjectAttributes of a version", "GET", "/photos/cat.jpg",
      "attributes&versionId=v1", NULL, {}, NULL, 0, "GetObjectAttributes",
      { "s3:GetObjectVersionAttributes", OBJ "cat.jpg" },
      { "s3:VersionId", "v1" } },
    { "SelectObjectContent", "POST", "/photos/data.csv",
      "select&select-type=2", NULL, {}, NULL, 0, "SelectObjectContent",
      { "s3:GetObject", OBJ "data.csv" }, {} },
    { "GetObjectTorrent", "GET", "/photos/cat.jpg", "torrent", NULL, {},
      NULL, 0, "GetObjectTorrent", { "s3:GetObjectTorrent", OBJ "cat.jpg" },
      {} },

    /* virtual-hosted-style */

    { "virtual-hosted ListObjectsV2", "GET", "/", "list-type=2&prefix=x",
      "photos.s3.example.com", {}, NULL, 0, "ListObjectsV2",
      { "s3:ListBucket", BKT }, { "s3:prefix", "x" } },
    { "virtual-hosted GetObject, a port", "GET", "/a/b/cat.jpg", NULL,
      "photos.s3.example.com:8443", {}, NULL, 0, "GetObject",
      { "s3:GetObject", OBJ "a/b/cat.jpg" }, {} },
    { "virtual-hosted, Host in capitals", "PUT", "/k", NULL,
      "Photos.S3.Example.COM", {}, NULL, 0, "PutObject",
      { "s3:PutObject", OBJ "k" }, {} },
    { "virtual-hosted, dotted bucket", "HEAD", "/", NULL,
      "my.photos.s3.us-east-1.amazonaws.com", {}, NULL, 0, "HeadBucket",
      { "s3:ListBucket", "arn:aws:s3:::my.photos" }, {} },
    { "virtual-hosted, fully qualified Host", "GET", "/k", NULL,
      "photos.s3.example.com.", {}, NULL, 0, "GetObject",
      { "s3:GetObject", OBJ "k" }, {} },
    { "virtual-hosted, key looks like a bucket", "GET", "/other/k", NULL,
      "photos.s3.example.com", {}, NULL, 0, "GetObject",
      { "s3:GetObject", OBJ "other/k" }, {} },
    { "another Host is path-style", "GET", "/photos/k", NULL,
      "storage.internal:9000", {}, NULL, 0, "GetObject",
      { "s3:GetObject", OBJ "k" }, {} },
    { "an IPv6 Host is path-style", "GET", "/photos/k", NULL, "[::1]:8080",
      {}, NULL, 0, "GetObject", { "s3:GetObject", OBJ "k" }, {} },
    { "a Host ending like a domain is not one", "GET", "/photos/k", NULL,
      "evils3.example.com", {}, NULL, 0, "GetObject",
      { "s3:GetObject", OBJ "k" }, {} },

    /* keys */

    { "key with spaces", "GET", "/photos/my%20cat%20.jpg", NULL, NULL, {},
      NULL, 0, "GetObject", { "s3:GetObject", OBJ "my cat .jpg" }, {} },
    { "'+' in a path is a plus", "GET", "/photos/a+b%2Bc", NULL, NULL, {},
      NULL, 0, "GetObject", { "s3:GetObject", OBJ "a+b+c" }, {} },
    { "%2F in a key", "GET", "/photos/dir%2Fsub%2ffile", NULL, NULL, {},
      NULL, 0, "GetObject", { "s3:GetObject", OBJ "dir/sub/file" }, {} },
    { "UTF-8 key, encoded", "GET", "/photos/caf%C3%A9/%E6%97%A5%E6%9C%AC",
      NULL, NULL, {}, NULL, 0, "GetObject",
      { "s3:GetObject", OBJ "caf\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac" }, {} },
    { "UTF-8 key, raw", "GET", "/photos/\xf0\x9f\x90\xb1.jpg", NULL, NULL,
      {}, NULL, 0, "GetObject",
      { "s3:GetObject", OBJ "\xf0\x9f\x90\xb1.jpg" }, {} },
    { "wildcard characters in a key", "GET", "/photos/*%3F$%7B", NULL, NULL,
      {}, NULL, 0, "GetObject", { "s3:GetObject", OBJ "*?${" }, {} },
    { "a folder key", "PUT", "/photos/dir/", NULL, NULL, {}, NULL, 0,
      "PutObject", { "s3:PutObject", OBJ "dir/" }, {} },
    { "a folder key under a folder", "GET", "/photos/a/b/", NULL, NULL, {},
      NULL, 0, "GetObject", { "s3:GetObject", OBJ "a/b/" }, {} },
    { "dots that are not segments", "GET", "/photos/a.../..b/.c/...", NULL,
      NULL, {}, NULL, 0, "GetObject", { "s3:GetObject", OBJ "a.../..b/.c/..." },
      {} },
    { "percent-encoded bucket name", "GET", "/ph%6Ftos/k", NULL, NULL, {},
      NULL, 0, "GetObject", { "s3:GetObject", OBJ "k" }, {} },

    /* errors: the URI */

    { "bad percent-encoding", "GET", "/photos/a%zz", NULL, NULL, {}, NULL,
      IAM_S3_ERR_INVALID_URI },
    { "truncated percent-encoding", "GET", "/photos/a%2", NULL, NULL, {},
      NULL, IAM_S3_ERR_INVALID_URI },
    { "encoded NUL", "GET", "/photos/a%00b", NULL, NULL, {}, NULL,
      IAM_S3_ERR_INVALID_URI },
    { "a .. segment", "GET", "/photos/a/../b", NULL, NULL, {}, NULL,
      IAM_S3_ERR_INVALID_URI },
    { "an encoded .. segment", "GET", "/photos/a/%2E%2e%2Fb", NULL, NULL, {},
      NULL, IAM_S3_ERR_INVALID_URI },
    { "a . segment", "GET", "/photos/./b", NULL, NULL, {}, NULL,
      IAM_S3_ERR_INVALID_URI },
    /*
     * Found by t/21-bad-paths.t: nginx merges "//" before serving, so
     * /photos//secret/x was authorized as "/secret/x" and served as
     * "secret/x", past a Deny on photos/secret/ and below.
     */
    { "an empty segment in a key", "GET", "/photos//a//b", NULL, NULL, {},
      NULL, IAM_S3_ERR_INVALID_URI },
    { "a leading empty segment", "GET", "/photos//secret/x", NULL, NULL, {},
      NULL, IAM_S3_ERR_INVALID_URI },
    { "an empty segment inside", "GET", "/photos/a//b", NULL, NULL, {},
      NULL, IAM_S3_ERR_INVALID_URI },
    { "an encoded empty segment", "GET", "/photos/a/%2Fb", NULL, NULL, {},
      NULL, IAM_S3_ERR_INVALID_URI },
    { "an empty segment, virtual-hosted", "GET", "//secret/x", NULL,
      "photos.s3.example.com", {}, NULL, IAM_S3_ERR_INVALID_URI },
    { "a trailing .. segment, virtual-hosted", "GET", "/a/..", NULL,
      "photos.s3.example.com", {}, NULL, IAM_S3_ERR_INVALID_URI },
    { "invalid UTF-8", "GET", "/photos/%C3%28", NULL, NULL, {}, NULL,
      IAM_S3_ERR_INVALID_URI },
    { "overlong UTF-8", "GET", "/photos/%C0%AF", NULL, NULL, {}, NULL,
      IAM_S3_ERR_INVALID_URI },
    { "UTF-8 surrogate", "GET", "/photos/%ED%A0%80", NULL, NULL, {}, NULL,
      IAM_S3_ERR_INVALID_URI },
    { "a path without '/'", "GET", "photos/k", NULL, NULL, {}, NULL,
      IAM_S3_ERR_INVALID_URI },
    { "an empty path", "GET", "", NULL, NULL, {}, NULL,
      IAM_S3_ERR_INVALID_URI },
    { "an empty bucket segment", "GET", "//k", NULL, NULL, {}, NULL,
      IAM_S3_ERR_INVALID_URI },
    { "a control character in the path", "GET", "/photos/a\tb", NULL, NULL,
      {}, NULL, IAM_S3_ERR_INVALID_URI },
    { "bad percent-encoding in the query", "GET", "/photos", "prefix=%G1",
      NULL, {}, NULL, IAM_S3_ERR_INVALID_URI },
    { "an encoded NUL in a query name", "GET", "/photos", "ac%00l", NULL, {},
      NULL, IAM_S3_ERR_INVALID_URI },

    /* errors: bucket names */

    { "bucket too short", "GET", "/ab", NULL, NULL, {}, NULL,
      IAM_S3_ERR_INVALID_BUCKET_NAME },
    { "bucket too long", "GET",
      "/a234567890123456789012345678901234567890123456789012345678901234",
      NULL, NULL, {}, NULL, IAM_S3_ERR_INVALID_BUCKET_NAME },
    { "bucket in capitals", "GET", "/Photos", NULL, NULL, {}, NULL,
      IAM_S3_ERR_INVALID_BUCKET_NAME },
    { "bucket with '_'", "GET", "/my_photos/k", NULL, NULL, {}, NULL,
      IAM_S3_ERR_INVALID_BUCKET_NAME },
    { "bucket starting with '-'", "GET", "/-photos", NULL, NULL, {}, NULL,
      IAM_S3_ERR_INVALID_BUCKET_NAME },
    { "bucket ending with '.'", "GET", "/photos.", NULL, NULL, {}, NULL,
      IAM_S3_ERR_INVALID_BUCKET_NAME },
    { "bucket with '..'", "GET", "/pho..tos", NULL, NULL, {}, NULL,
      IAM_S3_ERR_INVALID_BUCKET_NAME },
    { "bucket like an IP address", "GET", "/192.168.5.4/k", NULL, NULL, {},
      NULL, IAM_S3_ERR_INVALID_BUCKET_NAME },
    { "bucket with an encoded '/'", "GET", "/pho%2Ftos/k", NULL, NULL, {},
      NULL, IAM_S3_ERR_INVALID_BUCKET_NAME },
    { "bucket '..'", "GET", "/../photos/k", NULL, NULL, {}, NULL,
      IAM_S3_ERR_INVALID_BUCKET_NAME },
    { "bucket with '*' in Host", "GET", "/", NULL, "ph*tos.s3.example.com",
      {}, NULL, IAM_S3_ERR_INVALID_BUCKET_NAME },
    { "empty bucket in Host", "GET", "/", NULL, ".s3.example.com", {}, NULL,
      IAM_S3_ERR_INVALID_BUCKET_NAME },
    { "short bucket in Host", "GET", "/", NULL, "x.s3.example.com", {}, NULL,
      IAM_S3_ERR_INVALID_BUCKET_NAME },

    /* errors: methods */

    { "PATCH", "PATCH", "/photos/k", NULL, NULL, {}, NULL,
      IAM_S3_ERR_METHOD_NOT_ALLOWED },
    { "OPTIONS", "OPTIONS", "/photos/k", NULL, NULL, {}, NULL,
      IAM_S3_ERR_METHOD_NOT_ALLOWED },
    { "lowercase get", "get", "/photos/k", NULL, NULL, {}, NULL,
      IAM_S3_ERR_METHOD_NOT_ALLOWED },
    { "PUT on the service", "PUT", "/", NULL, NULL, {}, NULL,
      IAM_S3_ERR_METHOD_NOT_ALLOWED },
    { "HEAD on the service", "HEAD", "/", NULL, NULL, {}, NULL,
      IAM_S3_ERR_METHOD_NOT_ALLOWED },
    { "POST to a bucket, not a form", "POST", "/photos", NULL, NULL,
      { "Content-Type", "application/xml" }, NULL,
      IAM_S3_ERR_METHOD_NOT_ALLOWED },
    { "DELETE ?acl", "DELETE", "/photos/k", "acl", NULL, {}, NULL,
      IAM_S3_ERR_METHOD_NOT_ALLOWED },
    { "POST ?policy", "POST", "/photos", "policy", NULL, {}, NULL,
      IAM_S3_ERR_METHOD_NOT_ALLOWED },
    { "GET ?delete", "GET", "/photos", "delete", NULL, {}, NULL,
      IAM_S3_ERR_METHOD_NOT_ALLOWED },

    /* errors: not implemented */

    { "presigned POST", "POST", "/photos", NULL, NULL,
      { "Content-Type", "multipart/form-data; boundary=xyz" }, NULL,
      IAM_S3_ERR_NOT_IMPLEMENTED },
    { "presigned POST, virtual-hosted", "POST", "/", NULL,
      "photos.s3.example.com", { "content-type", "Multipart/Form-Data" },
      NULL, IAM_S3_ERR_NOT_IMPLEMENTED },
    { "an unknown sub-resource", "GET", "/photos", "frobnicate", NULL, {},
      NULL, IAM_S3_ERR_NOT_IMPLEMENTED },
    { "an unknown parameter on GetObject", "GET", "/photos/k", "foo=bar",
      NULL, {}, NULL, IAM_S3_ERR_NOT_IMPLEMENTED },
    { "a bucket sub-resource on an object", "PUT", "/photos/k", "versioning",
      NULL, {}, NULL, IAM_S3_ERR_NOT_IMPLEMENTED },
    { "an object sub-resource on a bucket", "POST", "/photos", "restore",
      NULL, {}, NULL, IAM_S3_ERR_NOT_IMPLEMENTED },
    { "two sub-resources", "PUT", "/photos/k", "acl&tagging", NULL, {}, NULL,
      IAM_S3_ERR_NOT_IMPLEMENTED },
    { "a sub-resource on the service", "GET", "/", "location", NULL, {}, NULL,
      IAM_S3_ERR_NOT_IMPLEMENTED },
    { "sub-resources are case-sensitive", "GET", "/photos", "ACL", NULL, {},
      NULL, IAM_S3_ERR_NOT_IMPLEMENTED },

    /* errors: arguments */

    { "an empty versionId", "GET", "/photos/k", "versionId=", NULL, {}, NULL,
      IAM_S3_ERR_INVALID_ARGUMENT },
    { "partNumber 0", "PUT", "/photos/k", "partNumber=0&uploadId=u", NULL,
      {}, NULL, IAM_S3_ERR_INVALID_ARGUMENT },
    { "partNumber 10001", "PUT", "/photos/k", "partNumber=10001&uploadId=u",
      NULL, {}, NULL, IAM_S3_ERR_INVALID_ARGUMENT },
    { "partNumber not a number", "GET", "/photos/k", "partNumber=1x", NULL,
      {}, NULL, IAM_S3_ERR_INVALID_ARGUMENT },
    { "an empty uploadId", "POST", "/photos/k", "uploadId=", NULL, {}, NULL,
      IAM_S3_ERR_INVALID_ARGUMENT },
    { "list-type 1", "GET", "/photos", "list-type=1", NULL, {}, NULL,
      IAM_S3_ERR_INVALID_ARGUMENT },
    { "select-type 1", "POST", "/photos/k", "select&select-type=1", NULL, {},
      NULL, IAM_S3_ERR_INVALID_ARGUMENT },
    { "a duplicate query parameter", "GET", "/photos/k",
      "versionId=a&versionId=b", NULL, {}, NULL,
      IAM_S3_ERR_INVALID_ARGUMENT },
    { "a duplicate header", "PUT", "/photos/k", NULL, NULL,
      { "x-amz-acl", "private", "X-Amz-Acl", "public-read" }, NULL,
      IAM_S3_ERR_INVALID_ARGUMENT },
    { "a header and its hoisted copy differ", "PUT", "/photos/k",
      "x-amz-acl=public-read", NULL, { "x-amz-acl", "private" }, NULL,
      IAM_S3_ERR_INVALID_ARGUMENT },
    { "versionId on a listing", "GET", "/photos", "versionId=v", NULL, {},
      NULL, IAM_S3_ERR_INVALID_ARGUMENT },
    { "partNumber without uploadId on PUT", "PUT", "/photos/k",
      "partNumber=1", NULL, {}, NULL, IAM_S3_ERR_INVALID_ARGUMENT },
    { "a copy source on GET", "GET", "/photos/k", NULL, NULL,
      { "x-amz-copy-source", "/photos/x" }, NULL,
      IAM_S3_ERR_INVALID_ARGUMENT },
    { "POST to an object, no upload", "POST", "/photos/k", NULL, NULL, {},
      NULL, IAM_S3_ERR_INVALID_ARGUMENT },
    { "a configuration PUT without id", "PUT", "/photos", "metrics", NULL,
      {}, NULL, IAM_S3_ERR_INVALID_ARGUMENT },
    { "copy source without a key", "PUT", "/photos/k", NULL, NULL,
      { "x-amz-copy-source", "/photos" }, NULL, IAM_S3_ERR_INVALID_ARGUMENT },
    { "copy source with an empty key", "PUT", "/photos/k", NULL, NULL,
      { "x-amz-copy-source", "photos/" }, NULL, IAM_S3_ERR_INVALID_ARGUMENT },
    { "copy source with a bad bucket", "PUT", "/photos/k", NULL, NULL,
      { "x-amz-copy-source", "/Photos/x" }, NULL,
      IAM_S3_ERR_INVALID_ARGUMENT },
    { "copy source from an access point", "PUT", "/photos/k", NULL, NULL,
      { "x-amz-copy-source",
        "arn:aws:s3:us-west-2:123456789012:accesspoint/ap/object/k" }, NULL,
      IAM_S3_ERR_INVALID_ARGUMENT },
    { "copy source with an unknown argument", "PUT", "/photos/k", NULL, NULL,
      { "x-amz-copy-source", "/photos/x?acl" }, NULL,
      IAM_S3_ERR_INVALID_ARGUMENT },
    { "copy source with an empty versionId", "PUT", "/photos/k", NULL, NULL,
      { "x-amz-copy-source", "/photos/x?versionId=" }, NULL,
      IAM_S3_ERR_INVALID_ARGUMENT },
    { "copy source with bad percent-encoding", "PUT", "/photos/k", NULL,
      NULL, { "x-amz-copy-source", "/photos/a%" }, NULL,
      IAM_S3_ERR_INVALID_ARGUMENT },
    { "copy source with a .. segment", "PUT", "/photos/k", NULL, NULL,
      { "x-amz-copy-source", "/photos/public/%2E%2E/secret" }, NULL,
      IAM_S3_ERR_INVALID_ARGUMENT },
    { "copy source with an empty segment", "PUT", "/photos/k", NULL, NULL,
      { "x-amz-copy-source", "/photos//secret/x" }, NULL,
      IAM_S3_ERR_INVALID_ARGUMENT },

    /* errors: tags */

    { "eleven tags", "PUT", "/photos/k", NULL, NULL,
      { "x-amz-tagging", "a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&j=10&k=11" },
      NULL, IAM_S3_ERR_INVALID_TAG },
    { "a tag given twice", "PUT", "/photos/k", NULL, NULL,
      { "x-amz-tagging", "a=1&a=2" }, NULL, IAM_S3_ERR_INVALID_TAG },
    { "a reserved tag key", "PUT", "/photos/k", NULL, NULL,
      { "x-amz-tagging", "AWS:cloudformation=x" }, NULL,
      IAM_S3_ERR_INVALID_TAG },
    { "a tag without a key", "PUT", "/photos/k", NULL, NULL,
      { "x-amz-tagging", "=v" }, NULL, IAM_S3_ERR_INVALID_TAG },
    { "an empty tag", "PUT", "/photos/k", NULL, NULL,
      { "x-amz-tagging", "a=1&" }, NULL, IAM_S3_ERR_INVALID_TAG },
    { "a tag with bad encoding", "POST", "/photos/k", "uploads", NULL,
      { "x-amz-tagging", "a=%G0" }, NULL, IAM_S3_ERR_INVALID_TAG },
    { "a tag key of 129 characters", "PUT", "/photos/k", NULL, NULL,
      { "x-amz-tagging", "k234567890123456789012345678901234567890"
        "1234567890123456789012345678901234567890"
        "1234567890123456789012345678901234567890123456789=v" }, NULL,
      IAM_S3_ERR_INVALID_TAG },

    /* DeleteObjects */

    { "DeleteObjects", "POST", "/photos", "delete", NULL, {},
      "<Delete><Object><Key>a.jpg</Key></Object>"
      "<Object><Key>dir/b.jpg</Key><VersionId>v1</VersionId></Object>"
      "</Delete>", 0, "DeleteObjects",
      { "s3:DeleteObject", OBJ "a.jpg",
        "s3:DeleteObjectVersion", OBJ "dir/b.jpg" }, {} },
    { "DeleteObjects, SDK style", "POST", "/", "delete=&x-id=DeleteObjects",
      "photos.s3.example.com", { "Content-MD5", "abc" },
      "\xef\xbb\xbf" XML_DECL "<Delete" XMLNS ">\n"
      "  <Object>\n    <VersionId>v9</VersionId>\n    <Key>k</Key>\n"
      "    <ETag>\"e\"</ETag>\n  </Object>\n"
      "  <Quiet>true</Quiet>\n</Delete>\n", 0, "DeleteObjects",
      { "s3:DeleteObjectVersion", OBJ "k" }, {} },
    { "DeleteObjects, entities", "POST", "/photos", "delete", NULL, {},
      "<Delete><Object><Key>a&amp;b &lt;c&gt; &quot;d&quot; &apos;e&apos;"
      " &#233;&#x65E5;&#xa;x</Key></Object></Delete>", 0, "DeleteObjects",
      { "s3:DeleteObject",
        OBJ "a&b <c> \"d\" 'e' \xc3\xa9\xe6\x97\xa5\nx" }, {} },
    { "DeleteObjects, an apostrophe attribute", "POST", "/photos",
      "delete", NULL, {},
      "<?xml version='1.0'?><Delete xmlns='x' ><Object ><Key >k</Key >"
      "</Object></Delete >", 0, "DeleteObjects",
      { "s3:DeleteObject", OBJ "k" }, {} },
    { "DeleteObjects bypassing governance", "POST", "/photos", "delete",
      NULL, { "x-amz-bypass-governance-retention", "true" },
      "<Delete><Object><Key>a</Key></Object>"
      "<Object><Key>b</Key><VersionId>v</VersionId></Object></Delete>", 0,
      "DeleteObjects",
      { "s3:DeleteObject", OBJ "a", "s3:BypassGovernanceRetention", OBJ "a",
        "s3:DeleteObjectVersion", OBJ "b",
        "s3:BypassGovernanceRetention", OBJ "b" }, {} },

    /* errors: DeleteObjects */

    { "DeleteObjects without a body", "POST", "/photos", "delete", NULL, {},
      NULL, IAM_S3_ERR_MALFORMED_XML },
    { "DeleteObjects, not XML", "POST", "/photos", "delete", NULL, {},
      "{\"Objects\":[]}", IAM_S3_ERR_MALFORMED_XML },
    { "DeleteObjects, a DOCTYPE", "POST", "/photos", "delete", NULL, {},
      "<!DOCTYPE d [<!ENTITY e \"x\">]><Delete><Object><Key>&e;</Key>"
      "</Object></Delete>", IAM_S3_ERR_MALFORMED_XML },
    { "DeleteObjects, a comment", "POST", "/photos", "delete", NULL, {},
      "<Delete><!-- c --><Object><Key>k</Key></Object></Delete>",
      IAM_S3_ERR_MALFORMED_XML },
    { "DeleteObjects, CDATA", "POST", "/photos", "delete", NULL, {},
      "<Delete><Object><Key><![CDATA[k]]></Key></Object></Delete>",
      IAM_S3_ERR_MALFORMED_XML },
    { "DeleteObjects, an unknown element", "POST", "/photos", "delete", NULL,
      {}, "<Delete><Object><Key>k</Key><Prefix>p</Prefix></Object></Delete>",
      IAM_S3_ERR_MALFORMED_XML },
    { "DeleteObjects, text between elements", "POST", "/photos", "delete",
      NULL, {}, "<Delete>x<Object><Key>k</Key></Object></Delete>",
      IAM_S3_ERR_MALFORMED_XML },
    { "DeleteObjects, no Key", "POST", "/photos", "delete", NULL, {},
      "<Delete><Object><VersionId>v</VersionId></Object></Delete>",
      IAM_S3_ERR_MALFORMED_XML },
    { "DeleteObjects, an empty Key", "POST", "/photos", "delete", NULL, {},
      "<Delete><Object><Key></Key></Object></Delete>",
      IAM_S3_ERR_MALFORMED_XML },
    { "DeleteObjects, two Keys", "POST", "/photos", "delete", NULL, {},
      "<Delete><Object><Key>a</Key><Key>b</Key></Object></Delete>",
      IAM_S3_ERR_MALFORMED_XML },
    { "DeleteObjects, an empty VersionId", "POST", "/photos", "delete", NULL,
      {}, "<Delete><Object><Key>a</Key><VersionId></VersionId></Object>"
      "</Delete>", IAM_S3_ERR_MALFORMED_XML },
    { "DeleteObjects, an unknown entity", "POST", "/photos", "delete", NULL,
      {}, "<Delete><Object><Key>&nbsp;</Key></Object></Delete>",
      IAM_S3_ERR_MALFORMED_XML },
    { "DeleteObjects, a bare '&'", "POST", "/photos", "delete", NULL, {},
      "<Delete><Object><Key>a & b</Key></Object></Delete>",
      IAM_S3_ERR_MALFORMED_XML },
    { "DeleteObjects, &#0;", "POST", "/photos", "delete", NULL, {},
      "<Delete><Object><Key>a&#0;</Key></Object></Delete>",
      IAM_S3_ERR_MALFORMED_XML },
    { "DeleteObjects, a surrogate reference", "POST", "/photos", "delete",
      NULL, {}, "<Delete><Object><Key>&#xD800;</Key></Object></Delete>",
      IAM_S3_ERR_MALFORMED_XML },
    { "DeleteObjects, a huge reference", "POST", "/photos", "delete", NULL,
      {}, "<Delete><Object><Key>&#99999999999;</Key></Object></Delete>",
      IAM_S3_ERR_MALFORMED_XML },
    { "DeleteObjects, a raw CR in a key", "POST", "/photos", "delete", NULL,
      {}, "<Delete><Object><Key>a\r\nb</Key></Object></Delete>",
      IAM_S3_ERR_MALFORMED_XML },
    { "DeleteObjects, a self-closing element", "POST", "/photos", "delete",
      NULL, {}, "<Delete><Object><Key>a</Key><VersionId/></Object></Delete>",
      IAM_S3_ERR_MALFORMED_XML },
    { "DeleteObjects, a namespace prefix", "POST", "/photos", "delete", NULL,
      {}, "<s3:Delete><s3:Object><s3:Key>k</s3:Key></s3:Object></s3:Delete>",
      IAM_S3_ERR_MALFORMED_XML },
    { "DeleteObjects, mismatched end tag", "POST", "/photos", "delete", NULL,
      {}, "<Delete><Object><Key>k</VersionId></Object></Delete>",
      IAM_S3_ERR_MALFORMED_XML },
    { "DeleteObjects, content after the root", "POST", "/photos", "delete",
      NULL, {}, "<Delete><Object><Key>a</Key></Object></Delete><Delete>",
      IAM_S3_ERR_MALFORMED_XML },
    { "DeleteObjects, no Object", "POST", "/photos", "delete", NULL, {},
      "<Delete><Quiet>false</Quiet></Delete>", IAM_S3_ERR_MALFORMED_XML },
    { "DeleteObjects, a bad Quiet", "POST", "/photos", "delete", NULL, {},
      "<Delete><Object><Key>a</Key></Object><Quiet>yes</Quiet></Delete>",
      IAM_S3_ERR_MALFORMED_XML },
    { "DeleteObjects, truncated", "POST", "/photos", "delete", NULL, {},
      "<Delete><Object><Key>a", IAM_S3_ERR_MALFORMED_XML },
    { "DeleteObjects, an attribute on Key", "POST", "/photos", "delete",
      NULL, {}, "<Delete><Object><Key a=\"1\">k</Key></Object></Delete>",
      IAM_S3_ERR_MALFORMED_XML },
    { "DeleteObjects, invalid UTF-8 in a key", "POST", "/photos", "delete",
      NULL, {}, "<Delete><Object><Key>\xff</Key></Object></Delete>",
      IAM_S3_ERR_MALFORMED_XML },
    { "DeleteObjects, a .. segment", "POST", "/photos", "delete", NULL, {},
      "<Delete><Object><Key>a/../b</Key></Object></Delete>",
      IAM_S3_ERR_MALFORMED_XML },
    { "DeleteObjects, an empty segment", "POST", "/photos", "delete", NULL,
      {}, "<Delete><Object><Key>/secret/x</Key></Object></Delete>",
      IAM_S3_ERR_MALFORMED_XML },
    { "DeleteObjects on an object", "POST", "/photos/k", "delete", NULL, {},
      "<Delete><Object><Key>a</Key></Object></Delete>",
      IAM_S3_ERR_NOT_IMPLEMENTED },
};


static void
test_long_keys(void)
{
    char      path[1200], body[1300];
    size_t    i;
    s3_run_t  run;

    /* 1024 bytes: the longest key S3 takes */
    strcpy(path, "/photos/");

    for (i = 0; i < 1024; i++) {
        path[8 + i] = 'a' + i % 26;
    }

    path[8 + 1024] = '\0';

    run_init(&run, "PUT", path, NULL, NULL, NULL, NULL, 0);
    run_map(&run);
    is_int(run.rc, IAM_OK, "a 1024-byte key maps");
    is_int(run.res.key.len, 1024, "the key keeps its 1024 bytes");
    ok(run.res.naccess == 1 && run.res.access[0].resource.len == 20 + 1024,
       "the ARN holds the whole key");
    run_free(&run);

    /* 1025 bytes */
    strcpy(path + 8 + 1024, "z");

    run_init(&run, "PUT", path, NULL, NULL, NULL, NULL, 0);
    run_map(&run);
    is_int(run.res.error, IAM_S3_ERR_KEY_TOO_LONG, "a 1025-byte key");
    run_free(&run);

    /* 1024 bytes once decoded: 3 bytes of %-encoding per byte */
    strcpy(path, "/photos/");

    for (i = 0; i < 340; i++) {
        memcpy(path + 8 + 3 * i, "%C3", 3);
    }

    path[8 + 3 * 340] = '\0';

    run_init(&run, "GET", path, NULL, NULL, NULL, NULL, 0);
    run_map(&run);
    is_int(run.res.error, IAM_S3_ERR_INVALID_URI,
           "340 lone lead bytes are not UTF-8");
    run_free(&run);

    for (i = 0; i < 170; i++) {
        memcpy(path + 8 + 6 * i, "%C3%A9", 6);
    }

    path[8 + 6 * 170] = '\0';

    run_init(&run, "GET", path, NULL, NULL, NULL, NULL, 0);
    run_map(&run);
    is_int(run.rc, IAM_OK, "a long encoded UTF-8 key maps");
    is_int(run.res.key.len, 340, "it decodes to 340 bytes");
    run_free(&run);

    /* a 1025-byte key in a copy source and a delete body */
    memset(path, 'k', 1025);
    path[1025] = '\0';

    {
        char         src[1100];
        const char  *hdrs[] = { "x-amz-copy-source", src, NULL };

        memcpy(src, "/other-bucket/", 14);
        memcpy(src + 14, path, 1026);
        run_init(&run, "PUT", "/photos/k", NULL, NULL, hdrs, NULL, 0);
        run_map(&run);
        is_int(run.res.error, IAM_S3_ERR_KEY_TOO_LONG,
               "a 1025-byte copy source key");
        run_free(&run);
    }

    snprintf(body, sizeof(body), "<Delete><Object><Key>%s</Key></Object>"
             "</Delete>", path);
    run_init(&run, "POST", "/photos", "delete", NULL, NULL, body,
             strlen(body));
    run_map(&run);
    is_int(run.res.error, IAM_S3_ERR_KEY_TOO_LONG,
           "a 1025-byte key in DeleteObjects");
    run_free(&run);
}


static void
test_delete_many(void)
{
    char      *body, *p, want[64];
    size_t     i, n, size;
    s3_run_t   run;

    /* 1000 keys of the longest kind, with entities, and the bypass */
    size = 1001 * (sizeof("<Object><Key></Key></Object>") + 1024 * 5) + 64;
    body = malloc(size);

    for (n = 1000; n <= 1001; n++) {
        p = body;
        p += sprintf(p, "<Delete>");

        for (i = 0; i < n; i++) {
            p += sprintf(p, "<Object><Key>%04zu/", i);
            memset(p, 'x', 1019 - 1);
            p += 1019 - 1;
            p += sprintf(p, "&amp;</Key></Object>");
        }

        p += sprintf(p, "</Delete>");

        {
            const char  *hdrs[] = { "x-amz-bypass-governance-retention",
                                    "true", NULL };

            run_init(&run, "POST", "/photos", "delete", NULL, hdrs, body,
                     p - body);
        }

        run_map(&run);

        if (n == 1000) {
            is_int(run.rc, IAM_OK, "1000 keys of 1024 bytes map");
            is_int(run.res.naccess, 2000, "two pairs per key");
            ok(run.res.naccess == 2000
               && run.res.access[1998].resource.len == 20 + 1024
               && run.res.access[1998].resource.data[20 + 1023] == '&',
               "the last key is whole");

            snprintf(want, sizeof(want), OBJ "0999/xxx");
            ok(run.res.naccess == 2000
               && memcmp(run.res.access[1999].resource.data, want,
                         strlen(want)) == 0,
               "the last pair names the last key");

        } else {
            is_int(run.res.error, IAM_S3_ERR_MALFORMED_XML,
                   "1001 keys are too many");
        }

        run_free(&run);
    }

    free(body);
}


static void
test_buffers(void)
{
    char                 scratch[16];
    s3_run_t             run;
    iam_s3_access_t      access[1];
    iam_s3_condition_t   conds[1];
    const char          *hdrs[] = { "x-amz-copy-source", "/src-bucket/k",
                                    "x-amz-acl", "private", NULL };

    /* too small a scratch buffer is an InternalError, not an overflow */
    run_init(&run, "GET", "/photos/a-longer-key", NULL, NULL, NULL, NULL, 0);
    run.res.access = access;
    run.res.access_max = 1;
    run.res.conditions = conds;
    run.res.conditions_max = 1;
    run.res.scratch = scratch;
    run.res.scratch_size = sizeof(scratch);
    is_int(iam_s3_map(&run.req, &run.res), IAM_ERROR,
           "a small scratch buffer fails");
    is_int(run.res.error, IAM_S3_ERR_INTERNAL, "with InternalError");
    is_int(iam_s3_error_status(run.res.error), 500, "status 500");

    /* too few pairs */
    run_init(&run, "PUT", "/photos/k", NULL, NULL, hdrs, NULL, 0);
    run.res.access_max = 1;
    run.res.access = access;
    run.res.conditions_max = IAM_S3_MAX_CONDITIONS;
    run.res.conditions = malloc(IAM_S3_MAX_CONDITIONS
                                * sizeof(iam_s3_condition_t));
    run.res.scratch_size = iam_s3_scratch_size(&run.req);
    run.res.scratch = malloc(run.res.scratch_size);
    is_int(iam_s3_map(&run.req, &run.res), IAM_ERROR,
           "a small access array fails");
    is_int(run.res.error, IAM_S3_ERR_INTERNAL, "with InternalError");
    is_int(run.res.naccess, 0, "and no pairs are left");
    free(run.res.conditions);
    free(run.res.scratch);

    /* too few conditions */
    run_init(&run, "PUT", "/photos/k", NULL, NULL, hdrs, NULL, 0);
    run.res.access_max = IAM_S3_MAX_ACCESS;
    run.res.access = malloc(IAM_S3_MAX_ACCESS * sizeof(iam_s3_access_t));
    run.res.conditions_max = 1;
    run.res.conditions = conds;
    run.res.scratch_size = iam_s3_scratch_size(&run.req);
    run.res.scratch = malloc(run.res.scratch_size);
    is_int(iam_s3_map(&run.req, &run.res), IAM_ERROR,
           "a small conditions array fails");
    is_int(run.res.error, IAM_S3_ERR_INTERNAL, "with InternalError");
    free(run.res.access);
    free(run.res.scratch);

    /* no buffers at all */
    run_init(&run, "GET", "/", NULL, NULL, NULL, NULL, 0);
    is_int(iam_s3_map(&run.req, &run.res), IAM_ERROR, "no buffers fails");
    is_int(run.res.error, IAM_S3_ERR_INTERNAL, "with InternalError");
}


static void
test_raw_nul(void)
{
    s3_run_t  run;

    /* a NUL byte sent raw in the path */
    run_init(&run, "GET", "/photos/a", NULL, NULL, NULL, NULL, 0);
    run.req.path.data = "/photos/a\0b";
    run.req.path.len = 11;
    run_map(&run);
    is_int(run.res.error, IAM_S3_ERR_INVALID_URI, "a raw NUL in the path");
    run_free(&run);

    run_init(&run, "POST", "/photos", "delete", NULL, NULL, NULL, 0);
    run.req.body.data = "<Delete><Object><Key>a\0b</Key></Object></Delete>";
    run.req.body.len = 48;
    run_map(&run);
    is_int(run.res.error, IAM_S3_ERR_MALFORMED_XML,
           "a raw NUL in a delete body");
    run_free(&run);
}


static void
test_domains(void)
{
    s3_run_t          run;
    static iam_str_t  nested[] = {
        iam_string("example.com"),
        iam_string(".s3.example.com")
    };

    run_init(&run, "GET", "/k", NULL, "photos.s3.example.com", NULL, NULL, 0);
    run.req.domains = nested;
    run.req.ndomains = 2;
    run_map(&run);
    is_str(cstr(run.res.bucket), "photos", "the longest domain wins");
    run_free(&run);

    run_init(&run, "GET", "/photos/k", NULL, "S3.Example.com", NULL, NULL, 0);
    run.req.domains = nested;
    run.req.ndomains = 2;
    run_map(&run);
    is_str(cstr(run.res.bucket), "photos",
           "a Host that is a domain is path-style");
    run_free(&run);

    run_init(&run, "GET", "/k", NULL, "photos.example.com", NULL, NULL, 0);
    run.req.domains = nested;
    run.req.ndomains = 2;
    run_map(&run);
    is_str(cstr(run.res.bucket), "photos", "the shorter domain still works");
    run_free(&run);

    run_init(&run, "GET", "/photos/k", NULL, "photos.s3.example.com", NULL,
             NULL, 0);
    run.req.ndomains = 0;
    run_map(&run);
    ok(run.rc == IAM_OK && iam_str_eq_cstr(run.res.key, "k"),
       "no domains: always path-style");
    run_free(&run);
}


static void
test_needs_body(void)
{
    s3_run_t  run;

    run_init(&run, "POST", "/photos", "delete", NULL, NULL, NULL, 0);
    is_int(iam_s3_needs_body(&run.req), 1, "POST ?delete needs the body");
    is_int(iam_s3_access_max(&run.req), 2000, "and room for 2000 pairs");

    run_init(&run, "POST", "/photos", "x-id=DeleteObjects&delete=", NULL,
             NULL, NULL, 0);
    is_int(iam_s3_needs_body(&run.req), 1, "POST ?x-id&delete= too");

    run_init(&run, "POST", "/photos", "deleted", NULL, NULL, NULL, 0);
    is_int(iam_s3_needs_body(&run.req), 0, "POST ?deleted does not");

    run_init(&run, "GET", "/photos", "delete", NULL, NULL, NULL, 0);
    is_int(iam_s3_needs_body(&run.req), 0, "GET ?delete does not");

    run_init(&run, "POST", "/photos/k", "uploads", NULL, NULL, NULL, 0);
    is_int(iam_s3_needs_body(&run.req), 0, "POST ?uploads does not");
    is_int(iam_s3_access_max(&run.req), IAM_S3_MAX_ACCESS,
           "and needs few pairs");
}


static void
test_errors(void)
{
    is_str(iam_s3_error_code(IAM_S3_ERR_INVALID_URI), "InvalidURI",
           "InvalidURI code");
    is_int(iam_s3_error_status(IAM_S3_ERR_INVALID_URI), 400,
           "InvalidURI status");
    is_str(iam_s3_error_code(IAM_S3_ERR_INVALID_BUCKET_NAME),
           "InvalidBucketName", "InvalidBucketName code");
    is_str(iam_s3_error_code(IAM_S3_ERR_KEY_TOO_LONG), "KeyTooLongError",
           "KeyTooLongError code");
    is_str(iam_s3_error_code(IAM_S3_ERR_INVALID_ARGUMENT), "InvalidArgument",
           "InvalidArgument code");
    is_str(iam_s3_error_code(IAM_S3_ERR_INVALID_TAG), "InvalidTag",
           "InvalidTag code");
    is_str(iam_s3_error_code(IAM_S3_ERR_MALFORMED_XML), "MalformedXML",
           "MalformedXML code");
    is_str(iam_s3_error_code(IAM_S3_ERR_METHOD_NOT_ALLOWED),
           "MethodNotAllowed", "MethodNotAllowed code");
    is_int(iam_s3_error_status(IAM_S3_ERR_METHOD_NOT_ALLOWED), 405,
           "MethodNotAllowed status");
    is_str(iam_s3_error_code(IAM_S3_ERR_NOT_IMPLEMENTED), "NotImplemented",
           "NotImplemented code");
    is_int(iam_s3_error_status(IAM_S3_ERR_NOT_IMPLEMENTED), 501,
           "NotImplemented status");
    is_str(iam_s3_error_code(IAM_S3_ERR_INTERNAL), "InternalError",
           "InternalError code");
    is_str(iam_s3_error_code((iam_s3_error_e) 99), "InternalError",
           "an unknown error is InternalError");
    ok(strlen(iam_s3_error_message(IAM_S3_ERR_MALFORMED_XML)) > 0,
       "errors have S3's message");
}


static void
test_context(void)
{
    s3_run_t                    run;
    iam_context_t               ctx;
    iam_context_entry_t         entries[IAM_S3_MAX_CONDITIONS];
    const iam_context_entry_t  *e;
    const char                 *hdrs[] = { "x-amz-tagging", "team=a&env=b",
                                           "x-amz-acl", "private", NULL };

    run_init(&run, "PUT", "/photos/k", NULL, NULL, hdrs, NULL, 0);
    run_map(&run);
    is_int(run.rc, IAM_OK, "PutObject with tags maps");

    iam_context_init(&ctx, entries, IAM_S3_MAX_CONDITIONS);
    is_int(iam_s3_context_set(&run.res, &ctx), IAM_OK,
           "conditions go into a context");

    e = iam_context_find(&ctx, "s3:requestobjecttagkeys");
    ok(e && e->nvalues == 2 && iam_str_eq_cstr(e->values[0], "team")
       && iam_str_eq_cstr(e->values[1], "env"),
       "s3:RequestObjectTagKeys has both keys");

    e = iam_context_find(&ctx, "s3:RequestObjectTag/env");
    ok(e && e->nvalues == 1 && iam_str_eq_cstr(e->values[0], "b"),
       "s3:RequestObjectTag/env is b");

    e = iam_context_find(&ctx, "s3:x-amz-acl");
    ok(e && iam_str_eq_cstr(e->values[0], "private"), "s3:x-amz-acl");

    is_str(cstr(run.res.bucket), "photos", "the bucket");
    is_str(cstr(run.res.key), "k", "the key");

    iam_context_init(&ctx, entries, 1);
    is_int(iam_s3_context_set(&run.res, &ctx), IAM_ERROR,
           "a full context fails");

    run_free(&run);
}


/*
 * With IAM_FUZZ_SEEDS=DIR, each case is also written to DIR as an HTTP
 * request: the seed corpus of engine/fuzz/fuzz_s3.c.
 */
static void
write_seed(const char *dir, size_t n, const s3_case_t *tc)
{
    char    path[1024];
    FILE   *f;
    size_t  i;

    snprintf(path, sizeof(path), "%s/case-%03zu.req", dir, n);

    f = fopen(path, "w");
    if (f == NULL) {
        return;
    }

    fprintf(f, "%s %s%s%s HTTP/1.1\nHost: %s\n", tc->method, tc->path,
            tc->query ? "?" : "", tc->query ? tc->query : "",
            tc->host ? tc->host : "s3.example.com");

    for (i = 0; tc->headers[2 * i]; i++) {
        fprintf(f, "%s: %s\n", tc->headers[2 * i], tc->headers[2 * i + 1]);
    }

    fprintf(f, "\n%s", tc->body ? tc->body : "");
    fclose(f);
}


/* s3:authType, s3:signatureversion, s3:signatureAge, s3:TlsVersion */

static void
test_request_keys(void)
{
    size_t                     i;
    s3_run_t                   run;
    const iam_s3_condition_t  *c;

    static const struct {
        const char  *name;
        unsigned     auth;
        uint64_t     age;
        const char  *tls;
        const char  *auth_type;     /* NULL: none */
        const char  *age_text;
        const char  *tls_version;
    } cases[] = {
        { "anonymous over HTTP", IAM_S3_AUTH_NONE, 0, "",
          NULL, NULL, NULL },
        { "header auth", IAM_S3_AUTH_HEADER, 1500, "",
          "REST-HEADER", "1500", NULL },
        { "presigned URL, a day old, TLS 1.3", IAM_S3_AUTH_QUERY,
          86400000, "TLSv1.3", "REST-QUERY-STRING", "86400000", "1.3" },
        { "TLS 1.2", IAM_S3_AUTH_HEADER, 0, "TLSv1.2",
          "REST-HEADER", "0", "1.2" },
        { "TLS 1.0 as OpenSSL names it", IAM_S3_AUTH_NONE, 0, "TLSv1",
          NULL, NULL, "1.0" },
        { "the largest age", IAM_S3_AUTH_QUERY, UINT64_MAX, "",
          "REST-QUERY-STRING", "18446744073709551615", NULL },
        { "not TLS", IAM_S3_AUTH_NONE, 0, "SSLv3", NULL, NULL, NULL }
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        run_init(&run, "GET", "/photos/cat.jpg", NULL, NULL, NULL, NULL, 0);
        run.req.auth = cases[i].auth;
        run.req.signature_age = cases[i].age;
        run.req.tls_protocol = str(cases[i].tls);

        is_int(run_map(&run), IAM_OK, "%s: mapped", cases[i].name);

        c = find_cond(&run.res, "s3:authType");
        if (cases[i].auth_type) {
            is_str(c ? join_values(c) : NULL, cases[i].auth_type,
                   "%s: s3:authType", cases[i].name);

            c = find_cond(&run.res, "s3:signatureversion");
            is_str(c ? join_values(c) : NULL, "AWS4-HMAC-SHA256",
                   "%s: s3:signatureversion", cases[i].name);

            c = find_cond(&run.res, "s3:signatureAge");
            is_str(c ? join_values(c) : NULL, cases[i].age_text,
                   "%s: s3:signatureAge", cases[i].name);

        } else {
            ok(c == NULL && find_cond(&run.res, "s3:signatureAge") == NULL
               && find_cond(&run.res, "s3:signatureversion") == NULL,
               "%s: no signature keys", cases[i].name);
        }

        c = find_cond(&run.res, "s3:TlsVersion");
        if (cases[i].tls_version) {
            is_str(c ? join_values(c) : NULL, cases[i].tls_version,
                   "%s: s3:TlsVersion", cases[i].name);

        } else {
            ok(c == NULL, "%s: no s3:TlsVersion", cases[i].name);
        }

        run_free(&run);
    }
}


int
main(void)
{
    size_t       i;
    const char  *seeds;

    seeds = getenv("IAM_FUZZ_SEEDS");

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        check_case(&cases[i]);

        if (seeds) {
            write_seed(seeds, i, &cases[i]);
        }
    }

    test_long_keys();
    test_delete_many();
    test_buffers();
    test_raw_nul();
    test_domains();
    test_needs_body();
    test_errors();
    test_context();
    test_request_keys();

    return tap_done();
}
