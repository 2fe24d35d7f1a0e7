/*
 * Malformed and refused SigV4 requests, each with the exact error the
 * client must get: the enum, the S3 error code and the HTTP status.
 *
 * The requests start from the suites' get-vanilla case (header and
 * presigned), signed with AKIDEXAMPLE at 2015-08-30T12:36:00Z, and break
 * one thing each.  A few well-formed variants stand beside them as
 * controls, so a check that rejects too much shows up here too.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <iam/iam_sigv4.h>
#include "tap.h"


#define T_CLOCK      1440938160    /* 20150830T123600Z */
#define T_SECRET     "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

#define GET          "GET / HTTP/1.1\n"
#define HOST         "Host:example.amazonaws.com\n"
#define DATE         "X-Amz-Date:20150830T123600Z\n"
#define CRED         "Credential=AKIDEXAMPLE/20150830/us-east-1/service/"    \
                     "aws4_request"
#define SH           "SignedHeaders=host;x-amz-date"
#define SIG          "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260" \
                     "956d9b8aae1d763fbf31"
#define AUTHZ(p)     "Authorization: AWS4-HMAC-SHA256 " p "\n"
#define VANILLA      AUTHZ(CRED ", " SH ", " SIG)

#define Q_ALG        "X-Amz-Algorithm=AWS4-HMAC-SHA256"
#define Q_CRED       "X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2F" \
                     "service%2Faws4_request"
#define Q_DATE       "X-Amz-Date=20150830T123600Z"
#define Q_SH         "X-Amz-SignedHeaders=host"
#define Q_EXP        "X-Amz-Expires=3600"
#define Q_SIG        "X-Amz-Signature=e93c787ed7f371d5c6b165c1b38ede9550f4d" \
                     "ce4144713e844b25b7192d3865d"
#define QGET(q)      "GET /?" q " HTTP/1.1\n" HOST

#define OK_          IAM_OK, IAM_SIGV4_OK, "", 200
#define DECLINED_    IAM_DECLINED, IAM_SIGV4_OK, "", 200
#define HDR_BAD      IAM_ERROR, IAM_SIGV4_ERR_HEADER_MALFORMED,               \
                     "AuthorizationHeaderMalformed", 400
#define QRY_BAD      IAM_ERROR, IAM_SIGV4_ERR_QUERY_MALFORMED,                \
                     "AuthorizationQueryParametersError", 400
#define INCOMPLETE   IAM_ERROR, IAM_SIGV4_ERR_INCOMPLETE_SIGNATURE,           \
                     "IncompleteSignature", 400
#define MISMATCH     IAM_ERROR, IAM_SIGV4_ERR_SIGNATURE_MISMATCH,             \
                     "SignatureDoesNotMatch", 403
#define NO_HOST      IAM_ERROR, IAM_SIGV4_ERR_HOST_NOT_SIGNED,                \
                     "SignatureDoesNotMatch", 403
#define ABSENT       IAM_ERROR, IAM_SIGV4_ERR_SIGNED_HEADER_ABSENT,           \
                     "SignatureDoesNotMatch", 403
#define UNSIGNED     IAM_ERROR, IAM_SIGV4_ERR_UNSIGNED_HEADERS,               \
                     "AccessDenied", 403
#define BAD_DATE     IAM_ERROR, IAM_SIGV4_ERR_DATE_INVALID, "AccessDenied", 403
#define SKEWED       IAM_ERROR, IAM_SIGV4_ERR_TIME_SKEWED,                    \
                     "RequestTimeTooSkewed", 403
#define EXPIRED      IAM_ERROR, IAM_SIGV4_ERR_EXPIRED, "AccessDenied", 403
#define NOT_YET      IAM_ERROR, IAM_SIGV4_ERR_NOT_YET_VALID, "AccessDenied", 403
#define BAD_EXPIRES  IAM_ERROR, IAM_SIGV4_ERR_EXPIRES_INVALID,                \
                     "AuthorizationQueryParametersError", 400
#define BOTH         IAM_ERROR, IAM_SIGV4_ERR_MULTIPLE_AUTH,                  \
                     "InvalidArgument", 400
#define NO_SHA256    IAM_ERROR, IAM_SIGV4_ERR_MISSING_CONTENT_SHA256,         \
                     "InvalidRequest", 400
#define BAD_SHA256   IAM_ERROR, IAM_SIGV4_ERR_CONTENT_SHA256_INVALID,         \
                     "InvalidArgument", 400
#define TOO_LARGE    IAM_ERROR, IAM_SIGV4_ERR_TOO_LARGE,                      \
                     "RequestHeaderSectionTooLarge", 400


typedef struct {
    const char             *name;
    const char             *service;     /* NULL: "service" */
    long                    clock;       /* seconds from T_CLOCK */
    const char             *request;
    int                     rc;
    iam_sigv4_err_t         error;
    const char             *code;
    int                     status;
    const char             *detail;      /* a substring, or NULL */
} t_bad_t;


static const t_bad_t  t_bad[] = {

    /* not SigV4 at all: another authenticator's, or anonymous */

    { "no authentication", NULL, 0, GET HOST DATE, DECLINED_, NULL },
    { "a Bearer token", NULL, 0,
      GET HOST "Authorization: Bearer eyJhbGciOi.x.y\n", DECLINED_, NULL },
    { "SigV2 header", NULL, 0,
      GET HOST "Authorization: AWS AKIDEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=\n",
      DECLINED_, NULL },
    { "SigV2 query", NULL, 0,
      "GET /?AWSAccessKeyId=AKIDEXAMPLE&Expires=1141889120&Signature=vjb"
      "yPxybdZaNmGa%2ByT272YEAiv4%3D HTTP/1.1\n" HOST, DECLINED_, NULL },

    /* controls: well-formed variants that must verify */

    { "control: get-vanilla", NULL, 0, GET HOST DATE VANILLA, OK_, NULL },
    { "control: parts in any order, no spaces", NULL, 0,
      GET HOST DATE AUTHZ(SIG "," CRED "," SH), OK_, NULL },
    { "control: extra spaces around parts", NULL, 0,
      GET HOST DATE AUTHZ(CRED " ,   " SH ",  " SIG "  "), OK_, NULL },
    { "control: 15 minutes later is within the skew", NULL, 900,
      GET HOST DATE VANILLA, OK_, NULL },
    { "control: presigned get-vanilla", NULL, 0,
      QGET(Q_ALG "&" Q_CRED "&" Q_DATE "&" Q_SH "&" Q_EXP "&" Q_SIG),
      OK_, NULL },
    { "control: presigned, X-Amz-Signatur%65 is the signature", NULL, 0,
      QGET(Q_ALG "&" Q_CRED "&" Q_DATE "&" Q_SH "&" Q_EXP "&X-Amz-Signatur%65"
           "=e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d"),
      OK_, NULL },
    { "control: presigned, last second of validity", NULL, 3600,
      QGET(Q_ALG "&" Q_CRED "&" Q_DATE "&" Q_SH "&" Q_EXP "&" Q_SIG),
      OK_, NULL },

    /* the Authorization header */

    { "Credential missing", NULL, 0, GET HOST DATE AUTHZ(SH ", " SIG),
      INCOMPLETE, NULL },
    { "SignedHeaders missing", NULL, 0, GET HOST DATE AUTHZ(CRED ", " SIG),
      INCOMPLETE, NULL },
    { "Signature missing", NULL, 0, GET HOST DATE AUTHZ(CRED ", " SH),
      INCOMPLETE, NULL },
    { "S3: SignedHeaders missing is a malformed header", "s3", 0,
      GET HOST DATE AUTHZ("Credential=AKIDEXAMPLE/20150830/us-east-1/"
                          "s3/aws4_request, " SIG), HDR_BAD, NULL },
    { "algorithm alone", NULL, 0,
      GET HOST DATE "Authorization: AWS4-HMAC-SHA256\n", INCOMPLETE, NULL },
    { "Signature empty", NULL, 0,
      GET HOST DATE AUTHZ(CRED ", " SH ", Signature="), INCOMPLETE, NULL },
    { "unknown algorithm", NULL, 0,
      GET HOST DATE "Authorization: AWS4-HMAC-SHA512 " CRED ", " SH ", " SIG
      "\n", HDR_BAD, "algorithm" },
    { "unknown part", NULL, 0,
      GET HOST DATE AUTHZ(CRED ", " SH ", " SIG ", Foo=bar"), HDR_BAD,
      "unknown" },
    { "repeated part", NULL, 0,
      GET HOST DATE AUTHZ(CRED ", " SH ", " SIG ", " SIG), HDR_BAD,
      "repeated" },
    { "part without '='", NULL, 0,
      GET HOST DATE AUTHZ(CRED ", " SH ", " SIG ", Oops"), HDR_BAD, "'='" },
    { "trailing comma", NULL, 0,
      GET HOST DATE AUTHZ(CRED ", " SH ", " SIG ","), HDR_BAD, "comma" },
    { "two Authorization headers", NULL, 0,
      GET HOST DATE VANILLA VANILLA, HDR_BAD, "more than one" },

    /* the credential scope */

    { "credential with four parts", NULL, 0,
      GET HOST DATE AUTHZ("Credential=AKIDEXAMPLE/20150830/us-east-1/"
                          "service, " SH ", " SIG), HDR_BAD, "credential" },
    { "credential with six parts", NULL, 0,
      GET HOST DATE AUTHZ(CRED "/x, " SH ", " SIG), HDR_BAD, "credential" },
    { "credential with an empty part", NULL, 0,
      GET HOST DATE AUTHZ("Credential=AKIDEXAMPLE//us-east-1/service/"
                          "aws4_request, " SH ", " SIG), HDR_BAD, "empty" },
    { "wrong terminator", NULL, 0,
      GET HOST DATE AUTHZ("Credential=AKIDEXAMPLE/20150830/us-east-1/"
                          "service/aws4_reques, " SH ", " SIG), HDR_BAD,
      "aws4_request" },
    { "wrong region", NULL, 0,
      GET HOST DATE AUTHZ("Credential=AKIDEXAMPLE/20150830/eu-west-1/"
                          "service/aws4_request, " SH ", " SIG), HDR_BAD,
      "region" },
    { "wrong service", NULL, 0,
      GET HOST DATE AUTHZ("Credential=AKIDEXAMPLE/20150830/us-east-1/"
                          "s3/aws4_request, " SH ", " SIG), HDR_BAD,
      "service" },
    { "scope date is not the request date", NULL, 0,
      GET HOST DATE AUTHZ("Credential=AKIDEXAMPLE/20150831/us-east-1/"
                          "service/aws4_request, " SH ", " SIG), HDR_BAD,
      "date" },
    { "scope date is not a date", NULL, 0,
      GET HOST DATE AUTHZ("Credential=AKIDEXAMPLE/2015083x/us-east-1/"
                          "service/aws4_request, " SH ", " SIG), HDR_BAD,
      "yyyyMMdd" },
    { "access key with a control byte", NULL, 0,
      GET HOST DATE AUTHZ("Credential=AKID\001EXAMPLE/20150830/us-east-1/"
                          "service/aws4_request, " SH ", " SIG), HDR_BAD,
      "access key" },

    /* SignedHeaders */

    { "SignedHeaders without host", NULL, 0,
      GET HOST DATE AUTHZ(CRED ", SignedHeaders=x-amz-date, " SIG), NO_HOST,
      "host" },
    { "SignedHeaders unsorted", NULL, 0,
      GET HOST DATE AUTHZ(CRED ", SignedHeaders=x-amz-date;host, " SIG),
      HDR_BAD, "sorted" },
    { "SignedHeaders duplicated", NULL, 0,
      GET HOST DATE AUTHZ(CRED ", SignedHeaders=host;host;x-amz-date, " SIG),
      HDR_BAD, "unique" },
    { "SignedHeaders in uppercase", NULL, 0,
      GET HOST DATE AUTHZ(CRED ", SignedHeaders=Host;x-amz-date, " SIG),
      HDR_BAD, "lowercase" },
    { "SignedHeaders with an empty name", NULL, 0,
      GET HOST DATE AUTHZ(CRED ", SignedHeaders=host;;x-amz-date, " SIG),
      HDR_BAD, "empty" },
    { "a signed header is not in the request", NULL, 0,
      GET HOST DATE AUTHZ(CRED ", SignedHeaders=host;my-header;x-amz-date, "
                          SIG), ABSENT, NULL },
    { "an x-amz-* header sent but not signed", NULL, 0,
      GET HOST DATE "X-Amz-Meta-Owner: mallory\n" VANILLA, UNSIGNED, NULL },
    { "x-amz-security-token sent but not signed", NULL, 0,
      GET HOST DATE "X-Amz-Security-Token: AQoDYXdzEPT\n" VANILLA, UNSIGNED,
      NULL },

    /* the signature */

    { "signature of 63 digits", NULL, 0,
      GET HOST DATE AUTHZ(CRED ", " SH ", Signature=5fa00fa31553b73ebf194267"
                          "6e86291e8372ff2a2260956d9b8aae1d763fbf3"), HDR_BAD,
      "64" },
    { "signature of 65 digits", NULL, 0,
      GET HOST DATE AUTHZ(CRED ", " SH ", " SIG "0"), HDR_BAD, "64" },
    { "signature not hex", NULL, 0,
      GET HOST DATE AUTHZ(CRED ", " SH ", Signature=5fa00fa31553b73ebf194267"
                          "6e86291e8372ff2a2260956d9b8aae1d763fbf3g"), HDR_BAD,
      "hex" },
    { "signature in uppercase hex", NULL, 0,
      GET HOST DATE AUTHZ(CRED ", " SH ", Signature=5FA00FA31553B73EBF194267"
                          "6E86291E8372FF2A2260956D9B8AAE1D763FBF31"), HDR_BAD,
      "lowercase" },
    { "one signature digit changed", NULL, 0,
      GET HOST DATE AUTHZ(CRED ", " SH ", Signature=5fa00fa31553b73ebf194267"
                          "6e86291e8372ff2a2260956d9b8aae1d763fbf32"),
      MISMATCH, NULL },
    { "path changed after signing", NULL, 0,
      "GET /admin HTTP/1.1\n" HOST DATE VANILLA, MISMATCH, NULL },
    { "query added after signing", NULL, 0,
      "GET /?acl HTTP/1.1\n" HOST DATE VANILLA, MISMATCH, NULL },
    { "host changed after signing", NULL, 0,
      GET "Host:evil.example.com\n" DATE VANILLA, MISMATCH, NULL },

    /* dates and the clock */

    { "x-amz-date without Z", NULL, 0,
      GET HOST "X-Amz-Date:20150830T123600\n" VANILLA, BAD_DATE, NULL },
    { "x-amz-date in extended ISO 8601", NULL, 0,
      GET HOST "X-Amz-Date:2015-08-30T12:36:00Z\n" VANILLA, BAD_DATE, NULL },
    { "x-amz-date month 13", NULL, 0,
      GET HOST "X-Amz-Date:20151330T123600Z\n" VANILLA, BAD_DATE, NULL },
    { "x-amz-date February 30", NULL, 0,
      GET HOST "X-Amz-Date:20150230T123600Z\n" VANILLA, BAD_DATE, NULL },
    { "x-amz-date hour 24", NULL, 0,
      GET HOST "X-Amz-Date:20150830T243600Z\n" VANILLA, BAD_DATE, NULL },
    { "two x-amz-date headers", NULL, 0,
      GET HOST DATE DATE VANILLA, BAD_DATE, NULL },
    { "no date at all", NULL, 0,
      GET HOST AUTHZ(CRED ", SignedHeaders=host, " SIG), BAD_DATE, NULL },
    { "a Date header that is not a date", NULL, 0,
      GET HOST "Date: yesterday\n" AUTHZ(CRED ", SignedHeaders=date;host, "
                                         SIG), BAD_DATE, NULL },
    { "15 minutes and 1 second later", NULL, 901,
      GET HOST DATE VANILLA, SKEWED, NULL },
    { "15 minutes and 1 second earlier", NULL, -901,
      GET HOST DATE VANILLA, SKEWED, NULL },
    { "a year later", NULL, 365L * 86400,
      GET HOST DATE VANILLA, SKEWED, NULL },

    /* both schemes, S3's own rules */

    { "Authorization header and presigned query", NULL, 0,
      QGET(Q_ALG "&" Q_CRED "&" Q_DATE "&" Q_SH "&" Q_EXP "&" Q_SIG)
      DATE VANILLA, BOTH, NULL },
    { "Bearer header and presigned query", NULL, 0,
      QGET(Q_ALG "&" Q_CRED "&" Q_DATE "&" Q_SH "&" Q_EXP "&" Q_SIG)
      "Authorization: Bearer x\n", BOTH, NULL },
    { "S3 without x-amz-content-sha256", "s3", 0,
      GET HOST DATE AUTHZ("Credential=AKIDEXAMPLE/20150830/us-east-1/s3/"
                          "aws4_request, " SH ", " SIG), NO_SHA256, NULL },
    { "S3 with x-amz-content-sha256 not a hash", "s3", 0,
      GET HOST DATE "x-amz-content-sha256: yes\n"
      AUTHZ("Credential=AKIDEXAMPLE/20150830/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;x-amz-content-sha256;x-amz-date, " SIG),
      BAD_SHA256, NULL },

    /* presigned query parameters */

    { "presigned without X-Amz-Credential", NULL, 0,
      QGET(Q_ALG "&" Q_DATE "&" Q_SH "&" Q_EXP "&" Q_SIG), QRY_BAD,
      "required" },
    { "presigned without X-Amz-Signature", NULL, 0,
      QGET(Q_ALG "&" Q_CRED "&" Q_DATE "&" Q_SH "&" Q_EXP), QRY_BAD,
      "required" },
    { "presigned without X-Amz-Algorithm", NULL, 0,
      QGET(Q_CRED "&" Q_DATE "&" Q_SH "&" Q_EXP "&" Q_SIG), QRY_BAD,
      "required" },
    { "presigned without X-Amz-Date", NULL, 0,
      QGET(Q_ALG "&" Q_CRED "&" Q_SH "&" Q_EXP "&" Q_SIG), QRY_BAD,
      "required" },
    { "presigned without X-Amz-SignedHeaders", NULL, 0,
      QGET(Q_ALG "&" Q_CRED "&" Q_DATE "&" Q_EXP "&" Q_SIG), QRY_BAD,
      "required" },
    { "presigned without X-Amz-Expires", NULL, 0,
      QGET(Q_ALG "&" Q_CRED "&" Q_DATE "&" Q_SH "&" Q_SIG), QRY_BAD,
      "required" },
    { "presigned with another algorithm", NULL, 0,
      QGET("X-Amz-Algorithm=AWS4-HMAC-SHA1&" Q_CRED "&" Q_DATE "&" Q_SH "&"
           Q_EXP "&" Q_SIG), QRY_BAD, "X-Amz-Algorithm" },
    { "presigned with X-Amz-Signature twice", NULL, 0,
      QGET(Q_ALG "&" Q_CRED "&" Q_DATE "&" Q_SH "&" Q_EXP "&" Q_SIG "&"
           Q_SIG), QRY_BAD, "repeated" },
    { "presigned with a malformed X-Amz-Date", NULL, 0,
      QGET(Q_ALG "&" Q_CRED "&X-Amz-Date=20150830T1236Z&" Q_SH "&" Q_EXP "&"
           Q_SIG), QRY_BAD, "ISO8601" },
    { "presigned with a wrong region", NULL, 0,
      QGET(Q_ALG "&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Feu-west-1%2F"
           "service%2Faws4_request&" Q_DATE "&" Q_SH "&" Q_EXP "&" Q_SIG),
      QRY_BAD, "region" },
    { "presigned with a wrong terminator", NULL, 0,
      QGET(Q_ALG "&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2F"
           "service%2Faws4&" Q_DATE "&" Q_SH "&" Q_EXP "&" Q_SIG),
      QRY_BAD, "aws4_request" },
    { "presigned scope date is not X-Amz-Date's", NULL, 0,
      QGET(Q_ALG "&" Q_CRED "&X-Amz-Date=20150831T000000Z&" Q_SH "&" Q_EXP
           "&" Q_SIG), QRY_BAD, "date" },
    { "presigned SignedHeaders without host", NULL, 0,
      QGET(Q_ALG "&" Q_CRED "&" Q_DATE "&X-Amz-SignedHeaders=x-amz-date&"
           Q_EXP "&" Q_SIG) DATE, NO_HOST, NULL },
    { "presigned with a short signature", NULL, 0,
      QGET(Q_ALG "&" Q_CRED "&" Q_DATE "&" Q_SH "&" Q_EXP
           "&X-Amz-Signature=e93c787e"), QRY_BAD, "64" },
    { "presigned X-Amz-Expires=0", NULL, 0,
      QGET(Q_ALG "&" Q_CRED "&" Q_DATE "&" Q_SH "&X-Amz-Expires=0&" Q_SIG),
      BAD_EXPIRES, NULL },
    { "presigned X-Amz-Expires=604801", NULL, 0,
      QGET(Q_ALG "&" Q_CRED "&" Q_DATE "&" Q_SH "&X-Amz-Expires=604801&"
           Q_SIG), BAD_EXPIRES, NULL },
    { "presigned X-Amz-Expires=abc", NULL, 0,
      QGET(Q_ALG "&" Q_CRED "&" Q_DATE "&" Q_SH "&X-Amz-Expires=abc&" Q_SIG),
      BAD_EXPIRES, NULL },
    { "presigned X-Amz-Expires=-5", NULL, 0,
      QGET(Q_ALG "&" Q_CRED "&" Q_DATE "&" Q_SH "&X-Amz-Expires=-5&" Q_SIG),
      BAD_EXPIRES, NULL },
    { "presigned X-Amz-Expires with 20 digits", NULL, 0,
      QGET(Q_ALG "&" Q_CRED "&" Q_DATE "&" Q_SH
           "&X-Amz-Expires=00000000000000003600&" Q_SIG), BAD_EXPIRES, NULL },
    { "presigned X-Amz-Expires raised to 604800 after signing", NULL, 0,
      QGET(Q_ALG "&" Q_CRED "&" Q_DATE "&" Q_SH "&X-Amz-Expires=604800&"
           Q_SIG), MISMATCH, NULL },
    { "presigned one second after expiry", NULL, 3601,
      QGET(Q_ALG "&" Q_CRED "&" Q_DATE "&" Q_SH "&" Q_EXP "&" Q_SIG),
      EXPIRED, NULL },
    { "presigned 15 minutes and 1 second early", NULL, -901,
      QGET(Q_ALG "&" Q_CRED "&" Q_DATE "&" Q_SH "&" Q_EXP "&" Q_SIG),
      NOT_YET, NULL },
    { "presigned with an unsigned x-amz-* header", NULL, 0,
      QGET(Q_ALG "&" Q_CRED "&" Q_DATE "&" Q_SH "&" Q_EXP "&" Q_SIG)
      "x-amz-acl: public-read\n", UNSIGNED, NULL },
    { "presigned with a parameter added after signing", NULL, 0,
      QGET(Q_ALG "&" Q_CRED "&" Q_DATE "&" Q_SH "&" Q_EXP "&" Q_SIG
           "&response-content-type=text/html"), MISMATCH, NULL },
};


static iam_sigv4_header_t  headers[32];
static void               *blocks[64];
static size_t              nblocks;


/* one malloc() per block, so that ASan guards each buffer's exact end */

static void *
t_alloc(void *data, size_t size)
{
    void  *p;

    if (nblocks == sizeof(blocks) / sizeof(blocks[0])) {
        return NULL;
    }

    p = malloc(size ? size : 1);
    blocks[nblocks++] = p;

    return p;
}


static void
t_free_blocks(void)
{
    while (nblocks) {
        free(blocks[--nblocks]);
    }
}


/* the same request-file reading as test_sigv4.c, for one-line values */

static int
t_parse(char *buf, iam_sigv4_request_t *req)
{
    char   *s, *eol, *sp, *q, *colon, *v, *e;
    size_t  n;

    s = buf;
    eol = strchr(s, '\n');
    sp = strchr(s, ' ');
    for (q = eol; q > s && q[-1] != ' '; q--) { /* void */ }

    if (eol == NULL || sp == NULL || q <= sp + 1) {
        return -1;
    }

    req->method.data = s;
    req->method.len = sp - s;
    req->path.data = sp + 1;
    req->path.len = (q - 1) - (sp + 1);
    req->query.data = "";
    req->query.len = 0;

    colon = memchr(req->path.data, '?', req->path.len);
    if (colon != NULL) {
        req->query.data = colon + 1;
        req->query.len = req->path.data + req->path.len - (colon + 1);
        req->path.len = colon - req->path.data;
    }

    n = 0;

    for (s = eol + 1; *s; s = eol + 1) {
        eol = strchr(s, '\n');
        colon = strchr(s, ':');

        if (eol == NULL || colon == NULL || colon > eol || n == 32) {
            return -1;
        }

        for (v = colon + 1; *v == ' '; v++) { /* void */ }
        for (e = eol; e > v && e[-1] == ' '; e--) { /* void */ }

        headers[n].name.data = s;
        headers[n].name.len = colon - s;
        headers[n].value.data = v;
        headers[n].value.len = e - v;
        n++;
    }

    req->headers = headers;
    req->nheaders = n;

    return 0;
}


static void
t_check(const char *name, const char *service, long clock, char *text,
    int want_rc, iam_sigv4_err_t want_err, const char *want_code,
    int want_status, const char *want_detail)
{
    int                  rc;
    iam_str_t            region, svc, secret;
    iam_sigv4_conf_t     conf;
    iam_sigv4_auth_t     auth;
    iam_sigv4_request_t  req;

    memset(&req, 0, sizeof(req));

    if (t_parse(text, &req) != 0) {
        ok(0, "%s: the test request parses", name);
        return;
    }

    iam_str_set(&region, "us-east-1");
    svc.data = service ? service : "service";
    svc.len = strlen(svc.data);
    iam_str_set(&secret, T_SECRET);
    iam_sigv4_conf_init(&conf, region, svc);

    req.now = T_CLOCK + clock;
    req.alloc = t_alloc;

    rc = iam_sigv4_parse(&conf, &req, &auth);

    if (rc == IAM_OK) {
        rc = iam_sigv4_verify(&conf, &req, &auth, secret, NULL);
    }

    if (!tap_ok(rc == want_rc && auth.error == want_err, __FILE__, __LINE__,
                "%s: %s", name, want_err ? iam_sigv4_error_code(want_err)
                                         : want_rc == IAM_OK ? "verifies"
                                                             : "declined"))
    {
        printf("#   got rc %d, error %d %s (%s)\n#  want rc %d, error %d\n",
               rc, auth.error, iam_sigv4_error_code(auth.error),
               auth.detail ? auth.detail : "", want_rc, want_err);
    }

    t_free_blocks();

    if (want_err == IAM_SIGV4_OK) {
        return;
    }

    is_str(iam_sigv4_error_code(auth.error), want_code, "%s: code %s", name,
           want_code);
    is_int(iam_sigv4_error_status(auth.error), want_status, "%s: status %d",
           name, want_status);

    if (want_detail != NULL) {
        if (!tap_ok(auth.detail != NULL
                    && strstr(auth.detail, want_detail) != NULL,
                    __FILE__, __LINE__, "%s: says \"%s\"", name, want_detail))
        {
            printf("#   detail: %s\n", auth.detail ? auth.detail : "(null)");
        }
    }
}


/* the message a client reads, with what it sent where S3 names it */

static void
t_describe(const char *name, const char *text, const char *want)
{
    char                 buf[256], *copy;
    iam_str_t            region, svc;
    iam_sigv4_conf_t     conf;
    iam_sigv4_auth_t     auth;
    iam_sigv4_request_t  req;

    memset(&req, 0, sizeof(req));
    copy = strdup(text);

    if (t_parse(copy, &req) != 0) {
        ok(0, "%s: the test request parses", name);
        free(copy);
        return;
    }

    iam_str_set(&region, "us-east-1");
    iam_str_set(&svc, "service");
    iam_sigv4_conf_init(&conf, region, svc);

    req.now = T_CLOCK;
    req.alloc = t_alloc;

    ok(iam_sigv4_parse(&conf, &req, &auth) == IAM_ERROR,
       "%s: refused", name);
    iam_sigv4_error_describe(&conf, &auth, buf, sizeof(buf));
    is_str(buf, want, "%s: message", name);

    t_free_blocks();
    free(copy);
}


int
main(void)
{
    char    *text, *p;
    size_t   i, len;

    for (i = 0; i < sizeof(t_bad) / sizeof(t_bad[0]); i++) {
        /* a writable copy, so nothing can lean on string literals */
        text = strdup(t_bad[i].request);
        t_check(t_bad[i].name, t_bad[i].service, t_bad[i].clock, text,
                t_bad[i].rc, t_bad[i].error, t_bad[i].code, t_bad[i].status,
                t_bad[i].detail);
        free(text);
    }

    t_describe("header, wrong region",
               GET HOST DATE AUTHZ("Credential=AKIDEXAMPLE/20150830/"
                                   "eu-west-1/service/aws4_request, "
                                   SH ", " SIG),
               "The authorization header is malformed; the region "
               "'eu-west-1' is wrong; expecting 'us-east-1'");
    t_describe("presigned, wrong service",
               QGET(Q_ALG "&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2F"
                    "us-east-1%2Fec2%2Faws4_request&" Q_DATE "&" Q_SH "&"
                    Q_EXP "&" Q_SIG),
               "Error parsing the X-Amz-Credential parameter; incorrect "
               "service \"ec2\". This endpoint belongs to \"service\".");
    t_describe("wrong region with markup and control bytes",
               GET HOST DATE AUTHZ("Credential=AKIDEXAMPLE/20150830/"
                                   "<r>\x01/service/aws4_request, "
                                   SH ", " SIG),
               "The authorization header is malformed; the region "
               "'<r>?' is wrong; expecting 'us-east-1'");
    t_describe("any other failure: the catalogue's message",
               GET HOST DATE AUTHZ(CRED ", " SIG),
               "The request signature does not conform to AWS standards: "
               "Credential, SignedHeaders and Signature are required");

    /* an Authorization header past IAM_SIGV4_MAX_AUTHORIZATION */

    len = IAM_SIGV4_MAX_AUTHORIZATION + 1024;
    text = malloc(len + 256);
    p = text + sprintf(text, GET HOST DATE
                       "Authorization: AWS4-HMAC-SHA256 " CRED ", " SH ", "
                       SIG ", Pad=");
    memset(p, 'a', IAM_SIGV4_MAX_AUTHORIZATION);
    strcpy(p + IAM_SIGV4_MAX_AUTHORIZATION, "\n");

    t_check("oversized Authorization header", NULL, 0, text, TOO_LARGE,
            "too long");
    free(text);

    return tap_done();
}
