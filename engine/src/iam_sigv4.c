/*
 * ngx_iam engine: AWS Signature Version 4 verification.
 *
 * iam_sigv4_parse() finds the auth and does every check that needs no
 * secret; iam_sigv4_verify() recomputes the signature.  All crypto is
 * OpenSSL's: SHA-256 by EVP, HMAC by HMAC(), the compare by CRYPTO_memcmp.
 */

#include <stdio.h>
#include <ctype.h>
#include <strings.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <iam/iam_sigv4.h>
#include "iam_sigv4_internal.h"


typedef struct {
    const char             *code;
    int                     status;
    const char             *message;
} iam_sigv4_error_t;


/* a header by its lowercase name, a literal */
#define iam_sigv4_header(req, name, count)                                    \
    iam_sigv4_find_header(req, name, sizeof(name) - 1, count)


/* which presigned query parameter a name is, as an index */
enum {
    IAM_SIGV4_Q_ALGORITHM = 0,
    IAM_SIGV4_Q_CREDENTIAL,
    IAM_SIGV4_Q_DATE,
    IAM_SIGV4_Q_EXPIRES,
    IAM_SIGV4_Q_SIGNED_HEADERS,
    IAM_SIGV4_Q_SIGNATURE,
    IAM_SIGV4_Q_SECURITY_TOKEN,
    IAM_SIGV4_Q_CONTENT_SHA256,
    IAM_SIGV4_Q_LAST
};


typedef struct {
    EVP_MD                 *sha256;
    EVP_MD_CTX             *md_ctx;
    EVP_MAC                *hmac;
    EVP_MAC_CTX            *mac_ctx;
} iam_crypto_t;

static iam_crypto_t *iam_sigv4_crypto(void);

static int iam_sigv4_fail(iam_sigv4_auth_t *auth, iam_sigv4_err_t err,
    const char *detail);
static int iam_sigv4_malformed(iam_sigv4_auth_t *auth, const char *detail);
static int iam_sigv4_query_param(iam_str_t name);
static int iam_sigv4_parse_header(iam_sigv4_auth_t *auth, iam_str_t value);
static int iam_sigv4_parse_query(const iam_sigv4_request_t *req,
    iam_sigv4_auth_t *auth);
static int iam_sigv4_parse_credential(const iam_sigv4_conf_t *conf,
    iam_sigv4_auth_t *auth);
static int iam_sigv4_check_signed_headers(const iam_sigv4_conf_t *conf,
    const iam_sigv4_request_t *req, iam_sigv4_auth_t *auth);
static int iam_sigv4_is_signed(iam_str_t list, iam_str_t name);
static int iam_sigv4_header_date(const iam_sigv4_request_t *req,
    iam_sigv4_auth_t *auth);
static int iam_sigv4_check_time(const iam_sigv4_conf_t *conf,
    const iam_sigv4_request_t *req, iam_sigv4_auth_t *auth);
static int iam_sigv4_payload_hash(const iam_sigv4_conf_t *conf,
    const iam_sigv4_request_t *req, iam_sigv4_auth_t *auth);
static const iam_str_t *iam_sigv4_find_header(const iam_sigv4_request_t *req,
    const char *name, size_t len, size_t *count);
static int iam_sigv4_iso8601(iam_str_t s, time_t *t);
static int iam_sigv4_http_date(iam_str_t s, time_t *t);
static int iam_sigv4_digits(const char *s, size_t n, int *value);
static time_t iam_sigv4_mktime(int year, int month, int day, int hour,
    int min, int sec);
static int iam_sigv4_is_hex(iam_str_t s, int lowercase);
static int iam_sigv4_sign(const iam_sigv4_auth_t *auth, iam_str_t secret,
    iam_sigv4_cache_t *cache, const void *data, size_t len,
    unsigned char *out);
static void iam_sigv4_cache_key_mac(iam_sigv4_cache_entry_t *e);
static int iam_sigv4_derive(const iam_sigv4_auth_t *auth, iam_str_t secret,
    unsigned char *key);
static int iam_sigv4_signature(const iam_sigv4_conf_t *conf,
    const iam_sigv4_request_t *req, iam_sigv4_auth_t *auth, iam_str_t secret,
    iam_sigv4_cache_t *cache, char *hex);
static int iam_sigv4_name_cmp(iam_str_t a, iam_str_t b);


/* indexed by iam_sigv4_err_t; messages are S3's where S3 has one */
static const iam_sigv4_error_t  iam_sigv4_errors[] = {
    { "", 200, "" },
    { "AuthorizationHeaderMalformed", 400,
      "The authorization header is malformed" },
    { "AuthorizationQueryParametersError", 400,
      "Error parsing the query-string authentication parameters" },
    { "IncompleteSignature", 400,
      "The request signature does not conform to AWS standards: "
      "Credential, SignedHeaders and Signature are required" },
    { "InvalidArgument", 400,
      "Only one auth mechanism allowed; only the X-Amz-Algorithm query "
      "parameter or the Authorization header should be specified" },
    { "AuthorizationQueryParametersError", 400,
      "X-Amz-Expires must be a number of seconds from 1 to 604800 "
      "(a week)" },
    { "InvalidRequest", 400,
      "Missing required header for this request: x-amz-content-sha256" },
    { "InvalidArgument", 400,
      "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, "
      "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, or a valid sha256 value" },
    { "RequestHeaderSectionTooLarge", 400,
      "Your request header section exceeds the maximum allowed size" },
    { "AccessDenied", 403,
      "AWS authentication requires a valid Date or x-amz-date header" },
    { "RequestTimeTooSkewed", 403,
      "The difference between the request time and the current time "
      "is too large" },
    { "AccessDenied", 403, "Request has expired" },
    { "AccessDenied", 403, "Request is not valid yet" },
    { "AccessDenied", 403,
      "There were headers present in the request which were not signed" },
    { "SignatureDoesNotMatch", 403, "The host header must be signed" },
    { "SignatureDoesNotMatch", 403,
      "A signed header is missing from the request" },
    { "SignatureDoesNotMatch", 403,
      "The request signature we calculated does not match the signature "
      "you provided. Check your key and signing method." },
    { "InvalidAccessKeyId", 403,
      "The AWS Access Key Id you provided does not exist in our records." },
    { "AccessDenied", 403, "Access Denied" },
    { "InternalError", 500,
      "We encountered an internal error. Please try again." },
};


static const iam_str_t  iam_sigv4_query_names[] = {
    iam_string("X-Amz-Algorithm"),
    iam_string("X-Amz-Credential"),
    iam_string("X-Amz-Date"),
    iam_string("X-Amz-Expires"),
    iam_string("X-Amz-SignedHeaders"),
    iam_string("X-Amz-Signature"),
    iam_string("X-Amz-Security-Token"),
    iam_string("X-Amz-Content-Sha256"),
};


static const char  *iam_sigv4_months[] = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun",
    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};


const char *
iam_sigv4_error_code(iam_sigv4_err_t err)
{
    if ((unsigned) err >= IAM_SIGV4_ERR_LAST) {
        err = IAM_SIGV4_ERR_INTERNAL;
    }

    return iam_sigv4_errors[err].code;
}


int
iam_sigv4_error_status(iam_sigv4_err_t err)
{
    if ((unsigned) err >= IAM_SIGV4_ERR_LAST) {
        err = IAM_SIGV4_ERR_INTERNAL;
    }

    return iam_sigv4_errors[err].status;
}


const char *
iam_sigv4_error_message(iam_sigv4_err_t err)
{
    if ((unsigned) err >= IAM_SIGV4_ERR_LAST) {
        err = IAM_SIGV4_ERR_INTERNAL;
    }

    return iam_sigv4_errors[err].message;
}


size_t
iam_sigv4_error_describe(const iam_sigv4_conf_t *conf,
    const iam_sigv4_auth_t *auth, char *buf, size_t size)
{
    int          n;
    size_t       i;
    const char  *prefix;
    char         sent[64];
    iam_str_t    value;

    if (size == 0) {
        return 0;
    }

    prefix = auth->presigned
             ? "Error parsing the X-Amz-Credential parameter"
             : "The authorization header is malformed";

    if (auth->wrong_region || auth->wrong_service) {
        value = auth->wrong_region ? auth->scope_region
                                   : auth->scope_service;

        /* the client's text goes into an XML or JSON body and a log */
        for (i = 0; i < value.len && i < sizeof(sent) - 1; i++) {
            sent[i] = (value.data[i] > 0x20 && value.data[i] < 0x7f)
                      ? value.data[i] : '?';
        }

        sent[i] = '\0';
    }

    if (auth->wrong_region) {
        n = snprintf(buf, size, "%s; the region '%s' is wrong; "
                     "expecting '%.*s'", prefix, sent,
                     (int) conf->region.len, conf->region.data);

    } else if (auth->wrong_service) {
        n = snprintf(buf, size, "%s; incorrect service \"%s\". This "
                     "endpoint belongs to \"%.*s\".", prefix, sent,
                     (int) conf->service.len, conf->service.data);

    } else {
        n = snprintf(buf, size, "%s", iam_sigv4_error_message(auth->error));
    }

    if (n < 0) {
        buf[0] = '\0';
        return 0;
    }

    return (size_t) n < size ? (size_t) n : size - 1;
}


void
iam_sigv4_conf_init(iam_sigv4_conf_t *conf, iam_str_t region,
    iam_str_t service)
{
    memset(conf, 0, sizeof(iam_sigv4_conf_t));

    conf->region = region;
    conf->service = service;
    conf->skew = IAM_SIGV4_DEFAULT_SKEW;
    conf->s3 = iam_str_eq_cstr(service, "s3");
    conf->normalize_path = !conf->s3;
    conf->double_encode = !conf->s3;
    conf->require_content_sha256 = conf->s3;
}


void *
iam_sigv4_scratch_alloc(void *data, size_t size)
{
    char                 *p;
    uintptr_t             a;
    iam_sigv4_scratch_t  *scratch;

    scratch = data;

    a = ((uintptr_t) scratch->pos + 15) & ~(uintptr_t) 15;
    p = (char *) a;

    if (p > scratch->end || (size_t) (scratch->end - p) < size) {
        return NULL;
    }

    scratch->pos = p + size;

    return p;
}


void
iam_sigv4_cache_init(iam_sigv4_cache_t *cache)
{
    OPENSSL_cleanse(cache, sizeof(iam_sigv4_cache_t));
}


void
iam_sigv4_cache_free(iam_sigv4_cache_t *cache)
{
    size_t  i;

    for (i = 0; i < IAM_SIGV4_CACHE_SIZE; i++) {
        EVP_MAC_CTX_free(cache->entries[i].mac);
    }

    OPENSSL_cleanse(cache, sizeof(iam_sigv4_cache_t));
}


int
iam_sigv4_parse(const iam_sigv4_conf_t *conf, const iam_sigv4_request_t *req,
    iam_sigv4_auth_t *auth)
{
    int               query, q;
    size_t            n;
    iam_str_t         name, value;
    const char       *pos, *end;
    const iam_str_t  *authz, *token;

    memset(auth, 0, sizeof(iam_sigv4_auth_t));

    authz = iam_sigv4_header(req, "authorization", &n);

    query = 0;
    pos = req->query.data;
    end = req->query.len ? req->query.data + req->query.len : pos;

    while (iam_sigv4_next_param(&pos, end, &name, &value)) {
        q = iam_sigv4_query_param(name);

        if (q == IAM_SIGV4_Q_ALGORITHM || q == IAM_SIGV4_Q_CREDENTIAL
            || q == IAM_SIGV4_Q_SIGNATURE)
        {
            query = 1;
            break;
        }
    }

    if (!query
        && (authz == NULL
            || authz->len < sizeof("AWS4-") - 1
            || memcmp(authz->data, "AWS4-", sizeof("AWS4-") - 1) != 0))
    {
        /* anonymous, or a scheme for another authenticator */
        return IAM_DECLINED;
    }

    if (query && authz != NULL) {
        return iam_sigv4_fail(auth, IAM_SIGV4_ERR_MULTIPLE_AUTH,
                              "both an Authorization header and "
                              "X-Amz-* query parameters");
    }

    if (query) {
        auth->presigned = 1;

        if (iam_sigv4_parse_query(req, auth) != IAM_OK) {
            return IAM_ERROR;
        }

    } else {
        if (n > 1) {
            return iam_sigv4_malformed(auth,
                                       "more than one Authorization header");
        }

        if (iam_sigv4_parse_header(auth, *authz) != IAM_OK) {
            /* S3 calls a missing part a malformed header */
            if (conf->s3
                && auth->error == IAM_SIGV4_ERR_INCOMPLETE_SIGNATURE)
            {
                auth->error = IAM_SIGV4_ERR_HEADER_MALFORMED;
            }

            return IAM_ERROR;
        }
    }

    if (iam_sigv4_parse_credential(conf, auth) != IAM_OK) {
        return IAM_ERROR;
    }

    if (!iam_sigv4_is_hex(auth->signature, 1)
        || auth->signature.len != IAM_SIGV4_HEX_LEN)
    {
        return iam_sigv4_malformed(auth,
                                   "the signature must be 64 lowercase hex "
                                   "digits");
    }

    if (iam_sigv4_check_signed_headers(conf, req, auth) != IAM_OK) {
        return IAM_ERROR;
    }

    if (!auth->presigned) {
        if (iam_sigv4_header_date(req, auth) != IAM_OK) {
            return IAM_ERROR;
        }

        token = iam_sigv4_header(req, "x-amz-security-token", &n);

        if (n > 1) {
            return iam_sigv4_malformed(auth,
                                       "more than one x-amz-security-token");
        }

        if (token != NULL) {
            auth->security_token = *token;
        }

    } else if (iam_sigv4_iso8601(auth->date, &auth->time) != IAM_OK) {
        return iam_sigv4_malformed(auth,
                                   "X-Amz-Date must be in the ISO8601 Long "
                                   "Format yyyyMMdd'T'HHmmss'Z'");
    }

    if (auth->date.len < 8
        || !iam_str_eq((iam_str_t) { 8, auth->date.data }, auth->scope_date))
    {
        return iam_sigv4_malformed(auth,
                                   "the credential scope date differs from "
                                   "the request date");
    }

    if (iam_sigv4_check_time(conf, req, auth) != IAM_OK) {
        return IAM_ERROR;
    }

    if (iam_sigv4_payload_hash(conf, req, auth) != IAM_OK) {
        return IAM_ERROR;
    }

    return IAM_OK;
}


int
iam_sigv4_verify(const iam_sigv4_conf_t *conf, const iam_sigv4_request_t *req,
    iam_sigv4_auth_t *auth, iam_str_t secret, iam_sigv4_cache_t *cache)
{
    char  hex[IAM_SIGV4_HEX_LEN + 1];

    if (auth->error != IAM_SIGV4_OK || auth->signature.len == 0) {
        if (auth->error == IAM_SIGV4_OK) {
            iam_sigv4_fail(auth, IAM_SIGV4_ERR_INTERNAL,
                           "iam_sigv4_verify() before iam_sigv4_parse()");
        }

        return IAM_ERROR;
    }

    if (iam_sigv4_signature(conf, req, auth, secret, cache, hex) != IAM_OK) {
        return IAM_ERROR;
    }

    if (CRYPTO_memcmp(hex, auth->signature.data, IAM_SIGV4_HEX_LEN) != 0) {
        return iam_sigv4_fail(auth, IAM_SIGV4_ERR_SIGNATURE_MISMATCH,
                              "signature mismatch");
    }

    return IAM_OK;
}


/*
 * What a client does: the signed header list is every header of the
 * request, lowercased, sorted and unique; the scope is the date of
 * x-amz-date and the conf's region and service.
 */

int
iam_sigv4_sign_request(const iam_sigv4_conf_t *conf,
    const iam_sigv4_request_t *req, iam_str_t access_key, iam_str_t secret,
    iam_str_t date, iam_sigv4_cache_t *cache, iam_str_t *authorization)
{
    char              *p, *buf, hex[IAM_SIGV4_HEX_LEN + 1];
    size_t             size, i, j, n;
    iam_str_t          name, *names;
    iam_sigv4_auth_t   auth;

    memset(&auth, 0, sizeof(iam_sigv4_auth_t));

    if (iam_sigv4_iso8601(date, &auth.time) != IAM_OK
        || access_key.len == 0 || access_key.len > IAM_SIGV4_MAX_ACCESS_KEY)
    {
        return IAM_ERROR;
    }

    auth.access_key = access_key;
    auth.date = date;
    auth.scope_date.data = date.data;
    auth.scope_date.len = 8;
    auth.scope_region = conf->region;
    auth.scope_service = conf->service;

    if (req->payload_hash.len) {
        auth.payload_hash = req->payload_hash;

    } else {
        iam_str_set(&auth.payload_hash, IAM_SIGV4_EMPTY_SHA256);
    }

    /* the scope, and the names sorted by insertion: a dozen headers */

    names = req->alloc(req->alloc_data,
                       (req->nheaders ? req->nheaders : 1)
                       * sizeof(iam_str_t));

    size = 8 + 1 + conf->region.len + 1 + conf->service.len
           + sizeof("/aws4_request");

    for (i = 0; i < req->nheaders; i++) {
        size += req->headers[i].name.len + 1;
    }

    buf = req->alloc(req->alloc_data, 2 * size);

    if (names == NULL || buf == NULL) {
        return IAM_ERROR;
    }

    p = buf;
    auth.scope.data = p;
    memcpy(p, date.data, 8);
    p += 8;
    *p++ = '/';
    memcpy(p, conf->region.data, conf->region.len);
    p += conf->region.len;
    *p++ = '/';
    memcpy(p, conf->service.data, conf->service.len);
    p += conf->service.len;
    memcpy(p, "/aws4_request", sizeof("/aws4_request") - 1);
    p += sizeof("/aws4_request") - 1;
    auth.scope.len = p - auth.scope.data;

    n = 0;

    for (i = 0; i < req->nheaders; i++) {
        name.data = p;
        name.len = req->headers[i].name.len;

        for (j = 0; j < name.len; j++) {
            *p++ = (char) tolower((unsigned char)
                                  req->headers[i].name.data[j]);
        }

        for (j = n; j > 0 && iam_sigv4_name_cmp(names[j - 1], name) > 0; j--)
        {
            names[j] = names[j - 1];
        }

        if (j > 0 && iam_str_eq(names[j - 1], name)) {
            /* a repeated header: its values are joined, its name once */
            memmove(&names[j], &names[j + 1], (n - j) * sizeof(iam_str_t));
            continue;
        }

        names[j] = name;
        n++;
    }

    auth.signed_headers.data = p;

    for (i = 0; i < n; i++) {
        if (i) {
            *p++ = ';';
        }

        memcpy(p, names[i].data, names[i].len);
        p += names[i].len;
    }

    auth.signed_headers.len = p - auth.signed_headers.data;

    if (iam_sigv4_signature(conf, req, &auth, secret, cache, hex) != IAM_OK) {
        return IAM_ERROR;
    }

    size = sizeof(IAM_SIGV4_ALGORITHM " Credential=") + access_key.len + 1
           + auth.scope.len + sizeof(", SignedHeaders=")
           + auth.signed_headers.len + sizeof(", Signature=")
           + IAM_SIGV4_HEX_LEN;

    buf = req->alloc(req->alloc_data, size);
    if (buf == NULL) {
        return IAM_ERROR;
    }

    authorization->len = snprintf(buf, size,
                                  IAM_SIGV4_ALGORITHM " Credential=%.*s/%.*s"
                                  ", SignedHeaders=%.*s, Signature=%s",
                                  (int) access_key.len, access_key.data,
                                  (int) auth.scope.len, auth.scope.data,
                                  (int) auth.signed_headers.len,
                                  auth.signed_headers.data, hex);
    authorization->data = buf;

    return IAM_OK;
}


size_t
iam_sigv4_format_date(time_t t, char *buf)
{
    struct tm  tm;

    if (gmtime_r(&t, &tm) == NULL) {
        return 0;
    }

    return strftime(buf, IAM_SIGV4_DATE_LEN + 1, "%Y%m%dT%H%M%SZ", &tm);
}


/*
 * The canonical request, the string to sign and the signature of a
 * request whose auth names the key, scope, signed headers and payload
 * hash: the one computation that verifying and signing share.
 */

static int
iam_sigv4_signature(const iam_sigv4_conf_t *conf,
    const iam_sigv4_request_t *req, iam_sigv4_auth_t *auth, iam_str_t secret,
    iam_sigv4_cache_t *cache, char *hex)
{
    char           *sts, *p;
    size_t          size;
    unsigned char   mac[32];

    if (iam_sigv4_canonical_request(conf, req, auth, &auth->canonical_request)
        != IAM_OK)
    {
        return iam_sigv4_fail(auth, IAM_SIGV4_ERR_INTERNAL,
                              "no memory for the canonical request");
    }

    if (iam_sigv4_sha256_hex(auth->canonical_request.data,
                             auth->canonical_request.len, hex)
        != IAM_OK)
    {
        return iam_sigv4_fail(auth, IAM_SIGV4_ERR_INTERNAL, "SHA-256 failed");
    }

    size = sizeof(IAM_SIGV4_ALGORITHM) + auth->date.len + 1
           + auth->scope.len + 1 + IAM_SIGV4_HEX_LEN;

    sts = req->alloc(req->alloc_data, size);
    if (sts == NULL) {
        return iam_sigv4_fail(auth, IAM_SIGV4_ERR_INTERNAL,
                              "no memory for the string to sign");
    }

    p = sts;
    memcpy(p, IAM_SIGV4_ALGORITHM "\n", sizeof(IAM_SIGV4_ALGORITHM));
    p += sizeof(IAM_SIGV4_ALGORITHM);
    memcpy(p, auth->date.data, auth->date.len);
    p += auth->date.len;
    *p++ = '\n';
    memcpy(p, auth->scope.data, auth->scope.len);
    p += auth->scope.len;
    *p++ = '\n';
    memcpy(p, hex, IAM_SIGV4_HEX_LEN);
    p += IAM_SIGV4_HEX_LEN;

    auth->string_to_sign.data = sts;
    auth->string_to_sign.len = p - sts;

    if (iam_sigv4_sign(auth, secret, cache, sts, p - sts, mac) != IAM_OK) {
        return iam_sigv4_fail(auth, IAM_SIGV4_ERR_INTERNAL, "HMAC failed");
    }

    iam_sigv4_hex_encode(hex, mac, sizeof(mac));

    return IAM_OK;
}


static int
iam_sigv4_name_cmp(iam_str_t a, iam_str_t b)
{
    int  rc;

    rc = memcmp(a.data, b.data, a.len < b.len ? a.len : b.len);

    return rc ? rc : (a.len > b.len) - (a.len < b.len);
}


size_t
iam_sigv4_strip_auth_query(iam_str_t query, char *buf)
{
    char        *p;
    iam_str_t    name, value;
    const char  *pos, *end, *start;

    p = buf;

    if (query.len == 0) {
        return 0;
    }

    pos = query.data;
    end = query.data + query.len;

    for ( ;; ) {
        start = pos;

        while (start < end && *start == '&') {
            start++;
        }

        if (!iam_sigv4_next_param(&pos, end, &name, &value)) {
            break;
        }

        if (iam_sigv4_query_param(name) != IAM_SIGV4_Q_LAST) {
            continue;
        }

        if (p != buf) {
            *p++ = '&';
        }

        memcpy(p, start, pos - start);
        p += pos - start;
    }

    return p - buf;
}


int
iam_sigv4_sha256_hex(const void *data, size_t len, char *hex)
{
    unsigned int   n;
    unsigned char  md[EVP_MAX_MD_SIZE];
    iam_crypto_t  *c;

    c = iam_sigv4_crypto();

    if (c == NULL
        || EVP_DigestInit_ex(c->md_ctx, c->sha256, NULL) != 1
        || EVP_DigestUpdate(c->md_ctx, data, len) != 1
        || EVP_DigestFinal_ex(c->md_ctx, md, &n) != 1
        || n != 32)
    {
        return IAM_ERROR;
    }

    iam_sigv4_hex_encode(hex, md, n);

    return IAM_OK;
}


/*
 * OpenSSL 3 looks algorithms up, under a lock, on every EVP_sha256() and
 * one-shot HMAC() call, and allocates a context each time: on the request
 * path we fetch once and reuse one digest and one MAC context per thread.
 */
static iam_crypto_t *
iam_sigv4_crypto(void)
{
    OSSL_PARAM                  params[2];
    static __thread iam_crypto_t  crypto;

    if (crypto.mac_ctx) {
        return &crypto;
    }

    crypto.sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    crypto.md_ctx = EVP_MD_CTX_new();
    crypto.hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    crypto.mac_ctx = crypto.hmac ? EVP_MAC_CTX_new(crypto.hmac) : NULL;

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 (char *) "SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();

    if (crypto.sha256 == NULL || crypto.md_ctx == NULL
        || crypto.mac_ctx == NULL
        || EVP_MAC_CTX_set_params(crypto.mac_ctx, params) != 1)
    {
        EVP_MAC_CTX_free(crypto.mac_ctx);
        EVP_MAC_free(crypto.hmac);
        EVP_MD_CTX_free(crypto.md_ctx);
        EVP_MD_free(crypto.sha256);
        memset(&crypto, 0, sizeof(iam_crypto_t));
        return NULL;
    }

    return &crypto;
}


static int
iam_sigv4_fail(iam_sigv4_auth_t *auth, iam_sigv4_err_t err,
    const char *detail)
{
    auth->error = err;
    auth->detail = detail;

    return IAM_ERROR;
}


/* S3 names the same mistake differently for the header and the query */

static int
iam_sigv4_malformed(iam_sigv4_auth_t *auth, const char *detail)
{
    return iam_sigv4_fail(auth, auth->presigned
                                ? IAM_SIGV4_ERR_QUERY_MALFORMED
                                : IAM_SIGV4_ERR_HEADER_MALFORMED,
                          detail);
}


/*
 * Which auth parameter a raw query name is, decoded first so that
 * "X-Amz-Signatur%65" is the signature here as in the canonical query.
 */

static int
iam_sigv4_query_param(iam_str_t name)
{
    int        i;
    char       buf[32];
    iam_str_t  decoded;

    if (name.len > sizeof(buf) || name.len < 10) {
        return IAM_SIGV4_Q_LAST;
    }

    /* every other parameter of the query stops here, without a copy */
    if (name.data[0] != 'X' && name.data[0] != 'x' && name.data[0] != '%') {
        return IAM_SIGV4_Q_LAST;
    }

    if (memchr(name.data, '%', name.len) == NULL) {
        decoded = name;

    } else {
        decoded.data = buf;
        decoded.len = iam_sigv4_decode(buf, name.data, name.len);
    }

    for (i = 0; i < IAM_SIGV4_Q_LAST; i++) {
        if (iam_str_eq(decoded, iam_sigv4_query_names[i])) {
            return i;
        }
    }

    /* clients spell it X-Amz-Content-SHA256 too */
    if (iam_str_eq_icase(decoded,
                         iam_sigv4_query_names[IAM_SIGV4_Q_CONTENT_SHA256]))
    {
        return IAM_SIGV4_Q_CONTENT_SHA256;
    }

    return IAM_SIGV4_Q_LAST;
}


/*
 * AWS4-HMAC-SHA256 Credential=C, SignedHeaders=H, Signature=S
 * in any order, with or without spaces after the commas.
 */

static int
iam_sigv4_parse_header(iam_sigv4_auth_t *auth, iam_str_t value)
{
    const char  *s, *end, *key, *val;
    size_t       key_len, val_len;
    iam_str_t   *part;

    if (value.len > IAM_SIGV4_MAX_AUTHORIZATION) {
        return iam_sigv4_fail(auth, IAM_SIGV4_ERR_TOO_LARGE,
                              "the Authorization header is too long");
    }

    s = value.data;
    end = value.data + value.len;

    while (s < end && *s != ' ') {
        s++;
    }

    auth->algorithm.data = value.data;
    auth->algorithm.len = s - value.data;

    if (!iam_str_eq_cstr(auth->algorithm, IAM_SIGV4_ALGORITHM)) {
        return iam_sigv4_malformed(auth, "the algorithm must be "
                                         IAM_SIGV4_ALGORITHM);
    }

    for ( ;; ) {
        while (s < end && (*s == ' ' || *s == '\t')) {
            s++;
        }

        if (s == end) {
            break;
        }

        key = s;

        while (s < end && *s != '=' && *s != ',') {
            s++;
        }

        if (s == end || *s != '=') {
            return iam_sigv4_malformed(auth,
                                       "an Authorization part has no '='");
        }

        key_len = s++ - key;
        val = s;

        while (s < end && *s != ',') {
            s++;
        }

        val_len = s - val;

        while (val_len && (val[val_len - 1] == ' '
                           || val[val_len - 1] == '\t'))
        {
            val_len--;
        }

        if (key_len == 10 && memcmp(key, "Credential", 10) == 0) {
            part = &auth->credential;

        } else if (key_len == 13 && memcmp(key, "SignedHeaders", 13) == 0) {
            part = &auth->signed_headers;

        } else if (key_len == 9 && memcmp(key, "Signature", 9) == 0) {
            part = &auth->signature;

        } else {
            return iam_sigv4_malformed(auth,
                                       "unknown Authorization part");
        }

        if (part->data != NULL) {
            return iam_sigv4_malformed(auth,
                                       "repeated Authorization part");
        }

        part->data = val;
        part->len = val_len;

        if (s < end) {
            /* the comma: something must follow it */
            s++;

            while (s < end && (*s == ' ' || *s == '\t')) {
                s++;
            }

            if (s == end) {
                return iam_sigv4_malformed(auth, "trailing comma");
            }
        }
    }

    if (auth->credential.len == 0 || auth->signed_headers.len == 0
        || auth->signature.len == 0)
    {
        return iam_sigv4_fail(auth, IAM_SIGV4_ERR_INCOMPLETE_SIGNATURE,
                              "Credential, SignedHeaders and Signature "
                              "are required");
    }

    return IAM_OK;
}


static int
iam_sigv4_parse_query(const iam_sigv4_request_t *req,
    iam_sigv4_auth_t *auth)
{
    int          q, i, digits;
    char        *buf;
    time_t       expires;
    iam_str_t    name, value, params[IAM_SIGV4_Q_LAST];
    const char  *pos, *end;

    memset(params, 0, sizeof(params));

    buf = req->alloc(req->alloc_data, req->query.len);
    if (buf == NULL) {
        return iam_sigv4_fail(auth, IAM_SIGV4_ERR_INTERNAL,
                              "no memory for the query parameters");
    }

    pos = req->query.data;
    end = req->query.data + req->query.len;

    while (iam_sigv4_next_param(&pos, end, &name, &value)) {
        q = iam_sigv4_query_param(name);

        if (q == IAM_SIGV4_Q_LAST) {
            continue;
        }

        if (params[q].data != NULL) {
            return iam_sigv4_malformed(auth,
                                       "repeated authentication parameter");
        }

        params[q].data = buf;
        params[q].len = iam_sigv4_decode(buf, value.data, value.len);
        buf += params[q].len;
    }

    for (i = 0; i <= IAM_SIGV4_Q_SIGNATURE; i++) {
        if (params[i].len == 0) {
            return iam_sigv4_malformed(auth,
                                       "X-Amz-Algorithm, X-Amz-Credential, "
                                       "X-Amz-Date, X-Amz-Expires, "
                                       "X-Amz-SignedHeaders and "
                                       "X-Amz-Signature are required");
        }
    }

    auth->algorithm = params[IAM_SIGV4_Q_ALGORITHM];
    auth->credential = params[IAM_SIGV4_Q_CREDENTIAL];
    auth->date = params[IAM_SIGV4_Q_DATE];
    auth->signed_headers = params[IAM_SIGV4_Q_SIGNED_HEADERS];
    auth->signature = params[IAM_SIGV4_Q_SIGNATURE];
    auth->security_token = params[IAM_SIGV4_Q_SECURITY_TOKEN];
    auth->payload_hash = params[IAM_SIGV4_Q_CONTENT_SHA256];

    if (!iam_str_eq_cstr(auth->algorithm, IAM_SIGV4_ALGORITHM)) {
        return iam_sigv4_malformed(auth, "X-Amz-Algorithm only supports "
                                         IAM_SIGV4_ALGORITHM);
    }

    value = params[IAM_SIGV4_Q_EXPIRES];
    expires = 0;

    for (digits = 0; (size_t) digits < value.len; digits++) {
        if (value.data[digits] < '0' || value.data[digits] > '9'
            || digits >= 7)
        {
            return iam_sigv4_fail(auth, IAM_SIGV4_ERR_EXPIRES_INVALID,
                                  "X-Amz-Expires is not a number of seconds");
        }

        expires = expires * 10 + (value.data[digits] - '0');
    }

    if (expires < 1 || expires > IAM_SIGV4_MAX_EXPIRES) {
        return iam_sigv4_fail(auth, IAM_SIGV4_ERR_EXPIRES_INVALID,
                              "X-Amz-Expires is out of 1..604800");
    }

    auth->expires = expires;

    return IAM_OK;
}


/* AKID/DATE/REGION/SERVICE/aws4_request, checked against the location */

static int
iam_sigv4_parse_credential(const iam_sigv4_conf_t *conf,
    iam_sigv4_auth_t *auth)
{
    int          i, n;
    iam_str_t    parts[5];
    const char  *s, *end, *start;

    s = auth->credential.data;
    end = s + auth->credential.len;
    n = 0;

    for ( ;; ) {
        start = s;

        while (s < end && *s != '/') {
            s++;
        }

        if (n == 5) {
            return iam_sigv4_malformed(auth,
                                       "the credential must be "
                                       "KEY/DATE/REGION/SERVICE/aws4_request");
        }

        parts[n].data = start;
        parts[n++].len = s - start;

        if (s == end) {
            break;
        }

        s++;
    }

    if (n != 5) {
        return iam_sigv4_malformed(auth,
                                   "the credential must be "
                                   "KEY/DATE/REGION/SERVICE/aws4_request");
    }

    for (i = 0; i < 5; i++) {
        if (parts[i].len == 0) {
            return iam_sigv4_malformed(auth,
                                       "the credential has an empty part");
        }
    }

    auth->access_key = parts[0];
    auth->scope_date = parts[1];
    auth->scope_region = parts[2];
    auth->scope_service = parts[3];
    auth->scope_terminator = parts[4];
    auth->scope.data = parts[1].data;
    auth->scope.len = end - parts[1].data;

    if (parts[0].len > IAM_SIGV4_MAX_ACCESS_KEY) {
        return iam_sigv4_malformed(auth, "the access key id is too long");
    }

    for (i = 0; i < (int) parts[0].len; i++) {
        /* the key is looked up and logged: printable ASCII only */
        if (parts[0].data[i] <= 0x20 || parts[0].data[i] >= 0x7f) {
            return iam_sigv4_malformed(auth, "the access key id is invalid");
        }
    }

    if (!iam_str_eq_cstr(auth->scope_terminator, "aws4_request")) {
        return iam_sigv4_malformed(auth, "the credential scope must end "
                                         "with aws4_request");
    }

    if (auth->scope_date.len != 8
        || iam_sigv4_digits(auth->scope_date.data, 8, &n) != IAM_OK)
    {
        return iam_sigv4_malformed(auth, "the credential scope date must be "
                                         "yyyyMMdd");
    }

    if (!iam_str_eq(auth->scope_region, conf->region)) {
        auth->wrong_region = 1;
        return iam_sigv4_malformed(auth,
                                   "the credential scope region is wrong");
    }

    if (!iam_str_eq(auth->scope_service, conf->service)) {
        auth->wrong_service = 1;
        return iam_sigv4_malformed(auth,
                                   "the credential scope service is wrong");
    }

    return IAM_OK;
}


static int
iam_sigv4_check_signed_headers(const iam_sigv4_conf_t *conf,
    const iam_sigv4_request_t *req, iam_sigv4_auth_t *auth)
{
    int          host, rc;
    size_t       i;
    iam_str_t    tok, prev, name;
    const char  *pos, *end;

    host = 0;
    prev.len = 0;
    prev.data = NULL;

    pos = auth->signed_headers.data;
    end = pos + auth->signed_headers.len;

    while (iam_sigv4_next_token(&pos, end, &tok)) {
        if (tok.len == 0) {
            return iam_sigv4_malformed(auth,
                                       "SignedHeaders has an empty name");
        }

        for (i = 0; i < tok.len; i++) {
            if ((tok.data[i] >= 'A' && tok.data[i] <= 'Z')
                || tok.data[i] <= 0x20 || tok.data[i] >= 0x7f
                || tok.data[i] == ':')
            {
                return iam_sigv4_malformed(auth, "SignedHeaders must be "
                                                 "lowercase header names");
            }
        }

        if (prev.data != NULL) {
            rc = memcmp(prev.data, tok.data,
                        prev.len < tok.len ? prev.len : tok.len);

            if (rc > 0 || (rc == 0 && prev.len >= tok.len)) {
                return iam_sigv4_malformed(auth, "SignedHeaders must be "
                                                 "sorted and unique");
            }
        }

        if (iam_str_eq_cstr(tok, "host")) {
            host = 1;
        }

        for (i = 0; i < req->nheaders; i++) {
            if (iam_str_eq_icase(req->headers[i].name, tok)) {
                break;
            }
        }

        if (i == req->nheaders) {
            return iam_sigv4_fail(auth, IAM_SIGV4_ERR_SIGNED_HEADER_ABSENT,
                                  "a signed header is not in the request");
        }

        prev = tok;
    }

    if (!host) {
        return iam_sigv4_fail(auth, IAM_SIGV4_ERR_HOST_NOT_SIGNED,
                              "SignedHeaders must include host");
    }

    /* an unsigned x-amz-* header could change what the request means */

    for (i = 0; i < req->nheaders; i++) {
        name = req->headers[i].name;

        if (name.len < 6 || (name.data[0] | 0x20) != 'x'
            || strncasecmp(name.data, "x-amz-", 6) != 0)
        {
            continue;
        }

        if (conf->token_unsigned
            && iam_str_eq_icase(name, (iam_str_t) iam_string(
                                          "x-amz-security-token")))
        {
            continue;
        }

        if (!iam_sigv4_is_signed(auth->signed_headers, name)) {
            return iam_sigv4_fail(auth, IAM_SIGV4_ERR_UNSIGNED_HEADERS,
                                  "an x-amz-* header is not signed");
        }
    }

    return IAM_OK;
}


static int
iam_sigv4_is_signed(iam_str_t list, iam_str_t name)
{
    iam_str_t    tok;
    const char  *pos, *end;

    pos = list.data;
    end = list.data + list.len;

    while (iam_sigv4_next_token(&pos, end, &tok)) {
        if (iam_str_eq_icase(tok, name)) {
            return 1;
        }
    }

    return 0;
}


/* x-amz-date, else Date (ISO 8601 basic or RFC 7231 IMF-fixdate) */

static int
iam_sigv4_header_date(const iam_sigv4_request_t *req, iam_sigv4_auth_t *auth)
{
    size_t            n;
    struct tm         tm;
    const iam_str_t  *date;

    date = iam_sigv4_header(req, "x-amz-date", &n);

    if (date != NULL) {
        if (n > 1 || iam_sigv4_iso8601(*date, &auth->time) != IAM_OK) {
            return iam_sigv4_fail(auth, IAM_SIGV4_ERR_DATE_INVALID,
                                  "x-amz-date is not yyyyMMdd'T'HHmmss'Z'");
        }

        auth->date = *date;

        return IAM_OK;
    }

    date = iam_sigv4_header(req, "date", &n);

    if (date == NULL || n > 1) {
        return iam_sigv4_fail(auth, IAM_SIGV4_ERR_DATE_INVALID,
                              "neither x-amz-date nor Date");
    }

    if (iam_sigv4_iso8601(*date, &auth->time) == IAM_OK) {
        auth->date = *date;
        return IAM_OK;
    }

    if (iam_sigv4_http_date(*date, &auth->time) != IAM_OK
        || gmtime_r(&auth->time, &tm) == NULL
        || strftime(auth->date_buf, sizeof(auth->date_buf),
                    "%Y%m%dT%H%M%SZ", &tm) != 16)
    {
        return iam_sigv4_fail(auth, IAM_SIGV4_ERR_DATE_INVALID,
                              "the Date header is not a valid HTTP date");
    }

    auth->date.data = auth->date_buf;
    auth->date.len = 16;

    return IAM_OK;
}


static int
iam_sigv4_check_time(const iam_sigv4_conf_t *conf,
    const iam_sigv4_request_t *req, iam_sigv4_auth_t *auth)
{
    time_t  now, t;

    now = req->now;
    t = auth->time;

    if (!auth->presigned) {
        if (now - t > conf->skew || t - now > conf->skew) {
            return iam_sigv4_fail(auth, IAM_SIGV4_ERR_TIME_SKEWED,
                                  "the request time is too far from now");
        }

        return IAM_OK;
    }

    if (now < t - conf->skew) {
        return iam_sigv4_fail(auth, IAM_SIGV4_ERR_NOT_YET_VALID,
                              "X-Amz-Date is in the future");
    }

    if (now > t + auth->expires) {
        return iam_sigv4_fail(auth, IAM_SIGV4_ERR_EXPIRED,
                              "X-Amz-Date + X-Amz-Expires is past");
    }

    return IAM_OK;
}


static int
iam_sigv4_payload_hash(const iam_sigv4_conf_t *conf,
    const iam_sigv4_request_t *req, iam_sigv4_auth_t *auth)
{
    size_t            n;
    iam_str_t         query;
    const iam_str_t  *h;

    /* parse_query() left X-Amz-Content-Sha256 here */
    query = auth->payload_hash;

    if (auth->presigned && conf->s3) {
        if (query.len == 0) {
            iam_str_set(&auth->payload_hash, IAM_SIGV4_UNSIGNED_PAYLOAD);
            return IAM_OK;
        }

        h = &query;
        n = 1;

    } else {
        h = iam_sigv4_header(req, "x-amz-content-sha256", &n);

        if (h == NULL && conf->require_content_sha256 && !auth->presigned) {
            return iam_sigv4_fail(auth, IAM_SIGV4_ERR_MISSING_CONTENT_SHA256,
                                  "x-amz-content-sha256 is required");
        }
    }

    if (h != NULL
        && (n > 1
            || !((h->len == IAM_SIGV4_HEX_LEN && iam_sigv4_is_hex(*h, 0))
                 || iam_str_eq_cstr(*h, IAM_SIGV4_UNSIGNED_PAYLOAD)
                 || (h->len > 10 && memcmp(h->data, "STREAMING-", 10) == 0))))
    {
        return iam_sigv4_fail(auth, IAM_SIGV4_ERR_CONTENT_SHA256_INVALID,
                              "x-amz-content-sha256 is not a hash");
    }

    if (auth->presigned && conf->s3) {
        auth->payload_hash = *h;

    } else if (req->payload_hash.len) {
        /* the caller's hash of the body it has seen wins over the claim */
        auth->payload_hash = req->payload_hash;

    } else if (h != NULL) {
        auth->payload_hash = *h;

    } else {
        iam_str_set(&auth->payload_hash, IAM_SIGV4_EMPTY_SHA256);
    }

    return IAM_OK;
}


static const iam_str_t *
iam_sigv4_find_header(const iam_sigv4_request_t *req, const char *name,
    size_t len, size_t *count)
{
    size_t            i;
    iam_str_t         n;
    const iam_str_t  *found;

    n.data = name;
    n.len = len;
    found = NULL;
    *count = 0;

    for (i = 0; i < req->nheaders; i++) {
        if (iam_str_eq_icase(req->headers[i].name, n)) {
            if (found == NULL) {
                found = &req->headers[i].value;
            }

            (*count)++;
        }
    }

    return found;
}


/* yyyyMMdd'T'HHmmss'Z' */

static int
iam_sigv4_iso8601(iam_str_t s, time_t *t)
{
    int  year, month, day, hour, min, sec;

    if (s.len != 16 || s.data[8] != 'T' || s.data[15] != 'Z'
        || iam_sigv4_digits(s.data, 4, &year) != IAM_OK
        || iam_sigv4_digits(s.data + 4, 2, &month) != IAM_OK
        || iam_sigv4_digits(s.data + 6, 2, &day) != IAM_OK
        || iam_sigv4_digits(s.data + 9, 2, &hour) != IAM_OK
        || iam_sigv4_digits(s.data + 11, 2, &min) != IAM_OK
        || iam_sigv4_digits(s.data + 13, 2, &sec) != IAM_OK)
    {
        return IAM_ERROR;
    }

    *t = iam_sigv4_mktime(year, month, day, hour, min, sec);

    return *t == (time_t) -1 ? IAM_ERROR : IAM_OK;
}


/*
 * IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT", or its RFC 2822 twin with
 * "-0000"/"+0000" for GMT, which botocore's formatdate() sends.
 */

static int
iam_sigv4_http_date(iam_str_t s, time_t *t)
{
    int          year, month, day, hour, min, sec;
    const char  *p;

    p = s.data;

    if (!(s.len == 29 && memcmp(p + 25, " GMT", 4) == 0)
        && !(s.len == 31 && (memcmp(p + 25, " -0000", 6) == 0
                             || memcmp(p + 25, " +0000", 6) == 0)))
    {
        return IAM_ERROR;
    }

    if (p[3] != ',' || p[4] != ' ' || p[7] != ' ' || p[11] != ' '
        || p[16] != ' ' || p[19] != ':' || p[22] != ':'
        || iam_sigv4_digits(p + 5, 2, &day) != IAM_OK
        || iam_sigv4_digits(p + 12, 4, &year) != IAM_OK
        || iam_sigv4_digits(p + 17, 2, &hour) != IAM_OK
        || iam_sigv4_digits(p + 20, 2, &min) != IAM_OK
        || iam_sigv4_digits(p + 23, 2, &sec) != IAM_OK)
    {
        return IAM_ERROR;
    }

    for (month = 0; month < 12; month++) {
        if (memcmp(p + 8, iam_sigv4_months[month], 3) == 0) {
            break;
        }
    }

    *t = iam_sigv4_mktime(year, month + 1, day, hour, min, sec);

    return *t == (time_t) -1 ? IAM_ERROR : IAM_OK;
}


static int
iam_sigv4_digits(const char *s, size_t n, int *value)
{
    size_t  i;

    *value = 0;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return IAM_ERROR;
        }

        *value = *value * 10 + (s[i] - '0');
    }

    return IAM_OK;
}


/*
 * UTC fields to seconds without timegm(), which is not everywhere the
 * engine goes; -1 for a date that does not exist.
 */

static time_t
iam_sigv4_mktime(int year, int month, int day, int hour, int min, int sec)
{
    int        leap;
    long long  days, y;

    static const int  mdays[] = { 31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31 };

    if (year < 1970 || month < 1 || month > 12 || day < 1
        || hour > 23 || min > 59 || sec > 59)
    {
        return (time_t) -1;
    }

    leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

    if (day > mdays[month - 1] + (month == 2 && leap)) {
        return (time_t) -1;
    }

    /* days from civil: March-based years make February last */
    y = year - (month <= 2);
    days = 365 * y + y / 4 - y / 100 + y / 400
           + (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
           - 719468;

    return (time_t) (days * 86400 + hour * 3600 + min * 60 + sec);
}


static int
iam_sigv4_is_hex(iam_str_t s, int lowercase)
{
    size_t           i;
    unsigned char    c;
    const uint32_t  *map;

    /* 0-9 a-f, and A-F unless lowercase: bitmaps as in nginx's escapes */
    static const uint32_t  any[] = { 0, 0x03ff0000, 0x7e, 0x7e, 0, 0, 0, 0 };
    static const uint32_t  lower[] = { 0, 0x03ff0000, 0, 0x7e, 0, 0, 0, 0 };

    map = lowercase ? lower : any;

    for (i = 0; i < s.len; i++) {
        c = (unsigned char) s.data[i];

        if (!(map[c >> 5] & (1u << (c & 0x1f)))) {
            return 0;
        }
    }

    return 1;
}


/*
 * The cache id is the length-prefixed tuple (key, date, region, service,
 * secret): unambiguous, and compared only against the server's own data.
 * It is hashed and compared in place, so that no copy of the secret is
 * made (and wiped) on a hit.  Returns the key: the entry's, or buf's.
 */

const unsigned char *
iam_sigv4_signing_key(const iam_sigv4_auth_t *auth, iam_str_t secret,
    iam_sigv4_cache_t *cache, unsigned char *buf,
    iam_sigv4_cache_entry_t **entry)
{
    size_t                    len, i, k;
    uint32_t                  hash;
    unsigned char            *p;
    const iam_str_t          *f[5];
    iam_sigv4_cache_entry_t  *e;
    void                     *mac;

    *entry = NULL;

    if (cache == NULL) {
        return iam_sigv4_derive(auth, secret, buf) == IAM_OK ? buf : NULL;
    }

    f[0] = &auth->access_key;
    f[1] = &auth->scope_date;
    f[2] = &auth->scope_region;
    f[3] = &auth->scope_service;
    f[4] = &secret;

    len = 0;
    hash = 2166136261u;

    for (i = 0; i < 5; i++) {
        if (f[i]->len > 255 || len + 1 + f[i]->len > IAM_SIGV4_CACHE_ID) {
            /* too long to cache: derive every time */
            cache->misses++;
            return iam_sigv4_derive(auth, secret, buf) == IAM_OK ? buf : NULL;
        }

        hash ^= (unsigned char) f[i]->len;
        hash *= 16777619u;

        for (k = 0; k < f[i]->len; k++) {
            hash ^= (unsigned char) f[i]->data[k];
            hash *= 16777619u;
        }

        len += 1 + f[i]->len;
    }

    e = &cache->entries[hash & (IAM_SIGV4_CACHE_SIZE - 1)];

    if (e->len == len && e->hash == hash) {
        p = e->id;

        for (i = 0; i < 5; i++) {
            if (*p != f[i]->len
                || (f[i]->len && memcmp(p + 1, f[i]->data, f[i]->len) != 0))
            {
                break;
            }

            p += 1 + f[i]->len;
        }

        if (i == 5) {
            cache->hits++;
            *entry = e;
            return e->key;
        }
    }

    cache->misses++;

    if (iam_sigv4_derive(auth, secret, buf) != IAM_OK) {
        return NULL;
    }

    /* the MAC context outlives its key: it is keyed again below */
    mac = e->mac;
    OPENSSL_cleanse(e, sizeof(iam_sigv4_cache_entry_t));
    e->mac = mac;
    e->hash = hash;
    e->len = (uint16_t) len;
    memcpy(e->key, buf, 32);

    p = e->id;

    for (i = 0; i < 5; i++) {
        *p++ = (unsigned char) f[i]->len;

        if (f[i]->len) {
            memcpy(p, f[i]->data, f[i]->len);
            p += f[i]->len;
        }
    }

    iam_sigv4_cache_key_mac(e);
    *entry = e;

    return buf;
}


/* Keys the entry's MAC context with its signing key; NULL if that fails. */

static void
iam_sigv4_cache_key_mac(iam_sigv4_cache_entry_t *e)
{
    iam_crypto_t  *c;

    if (e->mac == NULL) {
        c = iam_sigv4_crypto();

        if (c == NULL) {
            return;
        }

        e->mac = EVP_MAC_CTX_dup(c->mac_ctx);

        if (e->mac == NULL) {
            return;
        }
    }

    if (EVP_MAC_init(e->mac, e->key, 32, NULL) != 1) {
        EVP_MAC_CTX_free(e->mac);
        e->mac = NULL;
    }
}


/*
 * HMAC(signing key, data).  A cached key's MAC context is only restarted:
 * the key's inner and outer pads were computed when it was cached.
 */

static int
iam_sigv4_sign(const iam_sigv4_auth_t *auth, iam_str_t secret,
    iam_sigv4_cache_t *cache, const void *data, size_t len,
    unsigned char *out)
{
    int                       rc;
    size_t                    n;
    unsigned char             buf[32];
    const unsigned char      *key;
    iam_sigv4_cache_entry_t  *e;

    key = iam_sigv4_signing_key(auth, secret, cache, buf, &e);

    if (key == NULL) {
        rc = IAM_ERROR;

    } else if (e != NULL && e->mac != NULL) {
        rc = (EVP_MAC_init(e->mac, NULL, 0, NULL) == 1
              && EVP_MAC_update(e->mac, data, len) == 1
              && EVP_MAC_final(e->mac, out, &n, 32) == 1
              && n == 32)
             ? IAM_OK : IAM_ERROR;

    } else {
        rc = iam_sigv4_hmac(key, 32, data, len, out);
    }

    /* on a cache hit buf[] was never written */
    if (key == NULL || key == buf) {
        OPENSSL_cleanse(buf, sizeof(buf));
    }

    return rc;
}


/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region),
 *                 service), "aws4_request") */

static int
iam_sigv4_derive(const iam_sigv4_auth_t *auth, iam_str_t secret,
    unsigned char *key)
{
    int            rc;
    unsigned char  k[4 + 256], a[32], b[32];

    if (secret.len > sizeof(k) - 4) {
        return IAM_ERROR;
    }

    memcpy(k, "AWS4", 4);
    memcpy(k + 4, secret.data, secret.len);

    rc = iam_sigv4_hmac(k, 4 + secret.len, auth->scope_date.data,
                        auth->scope_date.len, a);

    if (rc == IAM_OK) {
        rc = iam_sigv4_hmac(a, 32, auth->scope_region.data,
                            auth->scope_region.len, b);
    }

    if (rc == IAM_OK) {
        rc = iam_sigv4_hmac(b, 32, auth->scope_service.data,
                            auth->scope_service.len, a);
    }

    if (rc == IAM_OK) {
        rc = iam_sigv4_hmac(a, 32, "aws4_request", 12, key);
    }

    OPENSSL_cleanse(k, sizeof(k));
    OPENSSL_cleanse(a, sizeof(a));
    OPENSSL_cleanse(b, sizeof(b));

    return rc;
}


int
iam_sigv4_hmac(const void *key, size_t key_len, const void *data, size_t len,
    unsigned char *out)
{
    size_t         n;
    iam_crypto_t  *c;

    c = iam_sigv4_crypto();

    if (c == NULL
        || EVP_MAC_init(c->mac_ctx, key, key_len, NULL) != 1
        || EVP_MAC_update(c->mac_ctx, data, len) != 1
        || EVP_MAC_final(c->mac_ctx, out, &n, 32) != 1
        || n != 32)
    {
        return IAM_ERROR;
    }

    return IAM_OK;
}


void
iam_sigv4_hex_encode(char *hex, const unsigned char *bin, size_t len)
{
    size_t  i;

    static const char  digits[] = "0123456789abcdef";

    for (i = 0; i < len; i++) {
        hex[2 * i] = digits[bin[i] >> 4];
        hex[2 * i + 1] = digits[bin[i] & 0xf];
    }

    hex[2 * len] = '\0';
}
