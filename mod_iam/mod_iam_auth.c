
/*
 * mod_iam: "AuthType IAM", authentication in httpd's check_authn hook.
 *
 * SigV4 as the nginx glue does it: the engine parses the credentials from
 * the method, the path and query exactly as sent (r->unparsed_uri) and the
 * headers in order; the access key is looked up in the account; the engine
 * verifies the signature with a signing key cache each thread owns.  A
 * request without credentials is anonymous: "Require iam" evaluates it
 * (a resource policy may let anyone in).  A body the signature or the S3
 * mapping needs is read once, kept, and replayed to the handler.
 */


#include "mod_iam.h"
#include <apr_thread_proc.h>
#include <util_filter.h>
#include <openssl/evp.h>


#define MOD_IAM_BODY_FILTER  "IAM_BODY"


typedef struct {
    apr_bucket_brigade         *bb;
} mod_iam_body_t;


static int mod_iam_sigv4_authenticate(request_rec *r, mod_iam_ctx_t *ctx,
    iam_account_t *account);
static mod_iam_ctx_t *mod_iam_initial_ctx(request_rec *r);
static int mod_iam_sigv4_signed(request_rec *r, const iam_str_t *query);
static int mod_iam_has_body(request_rec *r);
static void *mod_iam_sigv4_alloc(void *data, size_t size);
static iam_sigv4_cache_t *mod_iam_sigv4_cache(void);
static void mod_iam_sigv4_cache_free(void *data);
static apr_status_t mod_iam_body_filter(ap_filter_t *f,
    apr_bucket_brigade *bb, ap_input_mode_t mode, apr_read_type_e block,
    apr_off_t readbytes);


/*
 * Log levels, as the nginx module (and mod_auth_basic) choose them:
 * credentials that cannot be read are like none (info); credentials read
 * and refused are like a wrong password (error).
 */
static int  mod_iam_sigv4_levels[] = {
    APLOG_INFO,         /* IAM_SIGV4_OK */
    APLOG_INFO,         /* IAM_SIGV4_ERR_HEADER_MALFORMED */
    APLOG_INFO,         /* IAM_SIGV4_ERR_QUERY_MALFORMED */
    APLOG_INFO,         /* IAM_SIGV4_ERR_INCOMPLETE_SIGNATURE */
    APLOG_INFO,         /* IAM_SIGV4_ERR_MULTIPLE_AUTH */
    APLOG_INFO,         /* IAM_SIGV4_ERR_EXPIRES_INVALID */
    APLOG_INFO,         /* IAM_SIGV4_ERR_MISSING_CONTENT_SHA256 */
    APLOG_INFO,         /* IAM_SIGV4_ERR_CONTENT_SHA256_INVALID */
    APLOG_INFO,         /* IAM_SIGV4_ERR_TOO_LARGE */
    APLOG_INFO,         /* IAM_SIGV4_ERR_DATE_INVALID */
    APLOG_ERR,          /* IAM_SIGV4_ERR_TIME_SKEWED */
    APLOG_ERR,          /* IAM_SIGV4_ERR_EXPIRED */
    APLOG_ERR,          /* IAM_SIGV4_ERR_NOT_YET_VALID */
    APLOG_ERR,          /* IAM_SIGV4_ERR_UNSIGNED_HEADERS */
    APLOG_ERR,          /* IAM_SIGV4_ERR_HOST_NOT_SIGNED */
    APLOG_ERR,          /* IAM_SIGV4_ERR_SIGNED_HEADER_ABSENT */
    APLOG_ERR,          /* IAM_SIGV4_ERR_SIGNATURE_MISMATCH */
    APLOG_ERR,          /* IAM_SIGV4_ERR_INVALID_ACCESS_KEY */
    APLOG_ERR,          /* IAM_SIGV4_ERR_ACCESS_DENIED */
    APLOG_CRIT,         /* IAM_SIGV4_ERR_INTERNAL */
};


/*
 * Signing keys derived once per (key, day, region, service) serve every
 * request of that day.  The engine's cache is not shared between threads:
 * each thread of the MPM has its own, freed when the thread ends.
 */
static apr_threadkey_t  *mod_iam_cache_key;


void
mod_iam_auth_child_init(apr_pool_t *p)
{
    if (apr_threadkey_private_create(&mod_iam_cache_key,
                                     mod_iam_sigv4_cache_free, p)
        != APR_SUCCESS)
    {
        mod_iam_cache_key = NULL;
    }
}


static iam_sigv4_cache_t *
mod_iam_sigv4_cache(void)
{
    void               *data;
    iam_sigv4_cache_t  *cache;

    if (mod_iam_cache_key == NULL) {
        return NULL;
    }

    if (apr_threadkey_private_get(&data, mod_iam_cache_key) == APR_SUCCESS
        && data)
    {
        return data;
    }

    cache = malloc(sizeof(iam_sigv4_cache_t));
    if (cache == NULL) {
        return NULL;
    }

    iam_sigv4_cache_init(cache);

    if (apr_threadkey_private_set(cache, mod_iam_cache_key) != APR_SUCCESS) {
        iam_sigv4_cache_free(cache);
        free(cache);
        return NULL;
    }

    return cache;
}


static void
mod_iam_sigv4_cache_free(void *data)
{
    iam_sigv4_cache_t  *cache = data;

    if (cache) {
        iam_sigv4_cache_free(cache);
        free(cache);
    }
}


int
mod_iam_check_authn(request_rec *r)
{
    int                     rc;
    const char             *type;
    mod_iam_ctx_t          *ctx, *initial;
    mod_iam_server_conf_t  *scf;

    type = ap_auth_type(r);

    if (type == NULL || strcasecmp(type, MOD_IAM_AUTH_TYPE) != 0) {
        return DECLINED;
    }

    scf = ap_get_module_config(r->server->module_config, &iam_module);

    if (scf->account == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "iam: \"AuthType IAM\" requires \"IAMAccount\"");
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx = mod_iam_get_ctx(r, 1);

    r->ap_auth_type = (char *) MOD_IAM_AUTH_TYPE;

    /*
     * A subrequest (mod_dir's index, SSI) or an internal redirect has
     * another URI than the one the client signed: it is the client's own
     * request, authenticated once; only its authorization is decided anew.
     */

    initial = mod_iam_initial_ctx(r);

    if (initial) {
        ctx->user = initial->user;
        ctx->principal = initial->principal;
        ctx->access_key = initial->access_key;
        ctx->region = initial->region;
        ctx->authenticated = 1;

        r->user = apr_pstrmemdup(r->pool, ctx->principal->arn.data,
                                 ctx->principal->arn.len);

        if (ctx->user == NULL && ctx->conf->resource_policy == NULL) {
            goto anonymous;
        }

        return OK;
    }

    if (ctx->conf->auth == MOD_IAM_UNSET
        || (ctx->conf->auth & MOD_IAM_AUTH_SIGV4))
    {
        rc = mod_iam_sigv4_authenticate(r, ctx, scf->account);

    } else {
        rc = DECLINED;
    }

    switch (rc) {

    case OK:
        ctx->authenticated = 1;
        r->user = apr_pstrmemdup(r->pool, ctx->principal->arn.data,
                                 ctx->principal->arn.len);
        mod_iam_set_notes(r, ctx);
        return OK;

    case DECLINED:
        break;

    case HTTP_FORBIDDEN:
        /* refused: ctx->error says why */
        ctx->auth_failed = 1;
        mod_iam_log_refusal(r, ctx);
        mod_iam_set_notes(r, ctx);
        return ctx->error.status;

    default:
        return rc;
    }

    /*
     * No credentials.  Without a resource policy nothing can allow an
     * anonymous request: decide now, so that no other "Require" (valid-user)
     * ever sees an anonymous user; with one, "Require iam" decides.
     */

    ctx->user = NULL;
    ctx->principal = mod_iam_anonymous();
    ctx->authenticated = 1;

anonymous:

    if (ctx->conf->resource_policy == NULL) {
        rc = mod_iam_decide(r, ctx);

        if (rc != OK) {
            return rc;
        }

        if (ctx->error.code) {
            return ctx->error.status;
        }
    }

    r->user = (char *) "anonymous";

    return OK;
}


static mod_iam_ctx_t *
mod_iam_initial_ctx(request_rec *r)
{
    request_rec    *p;
    mod_iam_ctx_t  *ctx;

    for (p = r->main ? r->main : r->prev; p; p = p->main ? p->main : p->prev)
    {
        ctx = ap_get_module_config(p->request_config, &iam_module);

        if (ctx && ctx->authenticated) {
            return ctx;
        }
    }

    return NULL;
}


int
mod_iam_note_auth_failure(request_rec *r, const char *auth_type)
{
    if (strcasecmp(auth_type, MOD_IAM_AUTH_TYPE) != 0) {
        return DECLINED;
    }

    /* the challenge, if any, is the error filter's: it knows the status */
    return OK;
}


/*
 * OK: ctx->user, principal, access_key and region set; DECLINED: the request
 * carries no SigV4 credentials; HTTP_FORBIDDEN: refused, ctx->error says
 * why (its own status may be another); other: an internal error.
 */

static int
mod_iam_sigv4_authenticate(request_rec *r, mod_iam_ctx_t *ctx,
    iam_account_t *account)
{
    int                          i, rc;
    char                        *q;
    size_t                       size;
    EVP_MD_CTX                  *md;
    unsigned int                 len;
    iam_sigv4_auth_t             auth;
    iam_sigv4_header_t          *hdr;
    iam_sigv4_request_t          req;
    const apr_array_header_t    *arr;
    const apr_table_entry_t     *e;
    const iam_access_key_t      *key;
    unsigned char                digest[EVP_MAX_MD_SIZE];
    char                        *hex;

    memset(&req, 0, sizeof(iam_sigv4_request_t));

    req.method.data = r->method;
    req.method.len = strlen(r->method);

    /* r->unparsed_uri is what the client sent (and signed), never decoded */

    req.path.data = r->unparsed_uri;
    q = strchr(r->unparsed_uri, '?');

    if (q) {
        req.path.len = q - r->unparsed_uri;
        req.query.data = q + 1;
        req.query.len = strlen(q + 1);

    } else {
        req.path.len = strlen(r->unparsed_uri);
    }

    arr = apr_table_elts(r->headers_in);
    e = (const apr_table_entry_t *) arr->elts;

    hdr = apr_palloc(r->pool, (arr->nelts ? arr->nelts : 1)
                              * sizeof(iam_sigv4_header_t));

    for (i = 0; i < arr->nelts; i++) {
        hdr[i].name.data = e[i].key;
        hdr[i].name.len = strlen(e[i].key);
        hdr[i].value.data = e[i].val;
        hdr[i].value.len = strlen(e[i].val);
    }

    req.headers = hdr;
    req.nheaders = arr->nelts;

    /*
     * Services other than S3 sign the hash of the body itself: a signed
     * request with a body is authenticated once the body has been read.
     * (S3 signs what x-amz-content-sha256 claims.)
     */

    if (!ctx->sigv4.s3 && mod_iam_has_body(r)
        && mod_iam_sigv4_signed(r, &req.query))
    {
        rc = mod_iam_read_body(r, ctx, MOD_IAM_MAX_SIGNED_BODY);
        if (rc != OK) {
            return rc;
        }

        hex = apr_palloc(r->pool, IAM_SIGV4_HEX_LEN + 1);

        md = EVP_MD_CTX_new();
        if (md == NULL
            || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1
            || EVP_DigestUpdate(md, ctx->body, ctx->body_len) != 1
            || EVP_DigestFinal_ex(md, digest, &len) != 1)
        {
            EVP_MD_CTX_free(md);
            return HTTP_INTERNAL_SERVER_ERROR;
        }

        EVP_MD_CTX_free(md);

        ap_bin2hex(digest, len, hex);

        req.payload_hash.data = hex;
        req.payload_hash.len = 2 * len;
    }

    req.now = apr_time_sec(r->request_time);
    req.alloc = mod_iam_sigv4_alloc;
    req.alloc_data = r->pool;

    memset(&auth, 0, sizeof(iam_sigv4_auth_t));

    switch (iam_sigv4_parse(&ctx->sigv4, &req, &auth)) {

    case IAM_DECLINED:
        return DECLINED;

    case IAM_OK:
        break;

    default:
        ctx->access_key = auth.access_key;
        mod_iam_sigv4_error(ctx, auth.error, auth.detail);

        if (auth.wrong_region || auth.wrong_service) {
            /*
             * S3 names both scopes in the message, and gives the right
             * region in <Region>, which the SDKs read to retry there
             */
            size = 256;
            hex = apr_palloc(r->pool, size);
            iam_sigv4_error_describe(&ctx->sigv4, &auth, hex, size);
            ctx->error.message = hex;

            if (auth.wrong_region) {
                ctx->error.region = ctx->sigv4.region.data;
            }
        }

        return HTTP_FORBIDDEN;
    }

    ctx->access_key = auth.access_key;

    key = iam_account_find_key(account, auth.access_key);

    if (key == NULL || !key->active) {
        mod_iam_sigv4_error(ctx, IAM_SIGV4_ERR_INVALID_ACCESS_KEY,
                            key ? "the access key is inactive"
                                : "the access key is unknown");
        return HTTP_FORBIDDEN;
    }

    if (auth.security_token.len) {
        /* temporary credentials come with STS */
        mod_iam_set_error(ctx, HTTP_FORBIDDEN, "InvalidToken",
                          "The provided token is malformed or otherwise "
                          "invalid.", APLOG_ERR,
                          "security tokens are not accepted");
        return HTTP_FORBIDDEN;
    }

    if (iam_sigv4_verify(&ctx->sigv4, &req, &auth, key->secret,
                         mod_iam_sigv4_cache())
        != IAM_OK)
    {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "iam sigv4 canonical request:\n%.*s\n"
                      "string to sign:\n%.*s",
                      (int) auth.canonical_request.len,
                      auth.canonical_request.data,
                      (int) auth.string_to_sign.len,
                      auth.string_to_sign.data);

        mod_iam_sigv4_error(ctx, auth.error, auth.detail);
        return HTTP_FORBIDDEN;
    }

    ctx->user = key->user;
    ctx->principal = &key->user->principal;
    ctx->access_key = key->id;
    ctx->region = auth.scope_region;

    return OK;
}


void
mod_iam_sigv4_error(mod_iam_ctx_t *ctx, iam_sigv4_err_t err,
    const char *detail)
{
    int  level;

    level = APLOG_ERR;

    if ((size_t) err < sizeof(mod_iam_sigv4_levels) / sizeof(int)) {
        level = mod_iam_sigv4_levels[err];
    }

    mod_iam_set_error(ctx, iam_sigv4_error_status(err),
                      iam_sigv4_error_code(err),
                      iam_sigv4_error_message(err), level, detail);
}


/* whether the request looks signed: an Authorization header or X-Amz- */

static int
mod_iam_sigv4_signed(request_rec *r, const iam_str_t *query)
{
    if (apr_table_get(r->headers_in, "Authorization")) {
        return 1;
    }

    return query->len && ap_strcasestr(query->data, "X-Amz-Signature");
}


static int
mod_iam_has_body(request_rec *r)
{
    const char  *cl, *te;

    te = apr_table_get(r->headers_in, "Transfer-Encoding");
    cl = apr_table_get(r->headers_in, "Content-Length");

    return te != NULL || (cl != NULL && apr_atoi64(cl) > 0);
}


static void *
mod_iam_sigv4_alloc(void *data, size_t size)
{
    return apr_palloc(data, size);
}


/*
 * Reads the whole request body into ctx->body (at most max bytes: a larger
 * one is refused with 413) and puts a filter in front of the handler that
 * gives it the same bytes again.
 */

int
mod_iam_read_body(request_rec *r, mod_iam_ctx_t *ctx, apr_size_t max)
{
    int                  seen_eos;
    apr_off_t            total;
    apr_size_t           len;
    apr_status_t         rv;
    apr_bucket          *b;
    mod_iam_body_t      *kept;
    apr_bucket_brigade  *bb, *all;
    char                *data;

    if (ctx->body_read) {
        return OK;
    }

    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    all = apr_brigade_create(r->pool, r->connection->bucket_alloc);

    seen_eos = 0;
    total = 0;

    do {
        rv = ap_get_brigade(r->input_filters, bb, AP_MODE_READBYTES,
                            APR_BLOCK_READ, HUGE_STRING_LEN);

        if (rv != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, rv, r,
                          "iam: cannot read the request body");
            return ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
        }

        while (!APR_BRIGADE_EMPTY(bb)) {
            b = APR_BRIGADE_FIRST(bb);

            if (APR_BUCKET_IS_EOS(b)) {
                seen_eos = 1;
                apr_bucket_delete(b);
                continue;
            }

            if (APR_BUCKET_IS_METADATA(b)) {
                apr_bucket_delete(b);
                continue;
            }

            APR_BUCKET_REMOVE(b);

            if (apr_bucket_setaside(b, r->pool) != APR_SUCCESS) {
                apr_bucket_delete(b);
                return HTTP_INTERNAL_SERVER_ERROR;
            }

            APR_BRIGADE_INSERT_TAIL(all, b);
        }

        apr_brigade_length(all, 1, &total);

        if ((apr_size_t) total > max) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                          "iam: the request body is larger than %"
                          APR_SIZE_T_FMT " bytes", max);
            return HTTP_REQUEST_ENTITY_TOO_LARGE;
        }

    } while (!seen_eos);

    len = (apr_size_t) total;
    data = apr_palloc(r->pool, len + 1);

    if (apr_brigade_flatten(all, data, &len) != APR_SUCCESS) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    data[len] = '\0';

    ctx->body = data;
    ctx->body_len = len;
    ctx->body_read = 1;

    /* the body goes on to the handler as it was read */

    kept = apr_pcalloc(r->pool, sizeof(mod_iam_body_t));
    kept->bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);

    if (len) {
        b = apr_bucket_pool_create(data, len, r->pool,
                                   r->connection->bucket_alloc);
        APR_BRIGADE_INSERT_TAIL(kept->bb, b);
    }

    ap_add_input_filter(MOD_IAM_BODY_FILTER, kept, r, r->connection);

    return OK;
}


void
mod_iam_register_body_filter(void)
{
    ap_register_input_filter(MOD_IAM_BODY_FILTER, mod_iam_body_filter, NULL,
                             AP_FTYPE_RESOURCE);
}


static apr_status_t
mod_iam_body_filter(ap_filter_t *f, apr_bucket_brigade *bb,
    ap_input_mode_t mode, apr_read_type_e block, apr_off_t readbytes)
{
    mod_iam_body_t  *kept = f->ctx;

    apr_status_t     rv;
    apr_bucket      *b, *last, *copy;

    if (mode != AP_MODE_READBYTES && mode != AP_MODE_SPECULATIVE) {
        return APR_ENOTIMPL;
    }

    /* the end, as often as asked for: ap_discard_request_body() asks */

    if (APR_BRIGADE_EMPTY(kept->bb)) {
        APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(f->c->bucket_alloc));
        return APR_SUCCESS;
    }

    rv = apr_brigade_partition(kept->bb, readbytes, &last);
    if (rv != APR_SUCCESS && rv != APR_INCOMPLETE) {
        return rv;
    }

    if (mode == AP_MODE_SPECULATIVE) {
        for (b = APR_BRIGADE_FIRST(kept->bb);
             b != last && b != APR_BRIGADE_SENTINEL(kept->bb);
             b = APR_BUCKET_NEXT(b))
        {
            rv = apr_bucket_copy(b, &copy);
            if (rv != APR_SUCCESS) {
                return rv;
            }

            APR_BRIGADE_INSERT_TAIL(bb, copy);
        }

        return APR_SUCCESS;
    }

    for (b = APR_BRIGADE_FIRST(kept->bb);
         b != last && b != APR_BRIGADE_SENTINEL(kept->bb);
         b = APR_BRIGADE_FIRST(kept->bb))
    {
        APR_BUCKET_REMOVE(b);
        APR_BRIGADE_INSERT_TAIL(bb, b);
    }

    return APR_SUCCESS;
}
