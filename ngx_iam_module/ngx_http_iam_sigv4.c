
/*
 * ngx_iam: SigV4 authentication of an nginx request.
 *
 * Builds the engine's view of the request (method, the path and query as
 * the client sent them, the headers in order), lets the engine parse the
 * credentials, looks the access key up in the account and has the engine
 * verify the signature with a signing key cache that each worker owns.
 */


#include "ngx_http_iam_module.h"
#include <openssl/evp.h>


static ngx_int_t ngx_http_iam_sigv4_signed(ngx_http_request_t *r,
    iam_sigv4_request_t *req);
static ngx_int_t ngx_http_iam_sigv4_body_hash(ngx_http_request_t *r,
    u_char *hex);
static void *ngx_http_iam_sigv4_alloc(void *data, size_t size);
static ngx_int_t ngx_http_iam_sigv4_scope_error(ngx_http_request_t *r,
    ngx_http_iam_loc_conf_t *ilcf, ngx_http_iam_ctx_t *ctx,
    const iam_sigv4_auth_t *auth);
static void ngx_http_iam_sigv4_error(ngx_http_iam_ctx_t *ctx,
    iam_sigv4_err_t err, const char *detail);


/*
 * One per worker process: signing keys derived once per (key, day,
 * region, service) serve every request of that day.
 */
static iam_sigv4_cache_t  ngx_http_iam_sigv4_cache;


/*
 * Log levels, as ngx_http_auth_basic_module chooses them: credentials that
 * cannot even be read are like no credentials (info); credentials that are
 * read and refused (unknown key, bad signature, outside their validity)
 * are like a wrong password (error).
 */
static ngx_uint_t  ngx_http_iam_sigv4_levels[] = {
    NGX_LOG_INFO,       /* IAM_SIGV4_OK */
    NGX_LOG_INFO,       /* IAM_SIGV4_ERR_HEADER_MALFORMED */
    NGX_LOG_INFO,       /* IAM_SIGV4_ERR_QUERY_MALFORMED */
    NGX_LOG_INFO,       /* IAM_SIGV4_ERR_INCOMPLETE_SIGNATURE */
    NGX_LOG_INFO,       /* IAM_SIGV4_ERR_MULTIPLE_AUTH */
    NGX_LOG_INFO,       /* IAM_SIGV4_ERR_EXPIRES_INVALID */
    NGX_LOG_INFO,       /* IAM_SIGV4_ERR_MISSING_CONTENT_SHA256 */
    NGX_LOG_INFO,       /* IAM_SIGV4_ERR_CONTENT_SHA256_INVALID */
    NGX_LOG_INFO,       /* IAM_SIGV4_ERR_TOO_LARGE */
    NGX_LOG_INFO,       /* IAM_SIGV4_ERR_DATE_INVALID */
    NGX_LOG_ERR,        /* IAM_SIGV4_ERR_TIME_SKEWED */
    NGX_LOG_ERR,        /* IAM_SIGV4_ERR_EXPIRED */
    NGX_LOG_ERR,        /* IAM_SIGV4_ERR_NOT_YET_VALID */
    NGX_LOG_ERR,        /* IAM_SIGV4_ERR_UNSIGNED_HEADERS */
    NGX_LOG_ERR,        /* IAM_SIGV4_ERR_HOST_NOT_SIGNED */
    NGX_LOG_ERR,        /* IAM_SIGV4_ERR_SIGNED_HEADER_ABSENT */
    NGX_LOG_ERR,        /* IAM_SIGV4_ERR_SIGNATURE_MISMATCH */
    NGX_LOG_ERR,        /* IAM_SIGV4_ERR_INVALID_ACCESS_KEY */
    NGX_LOG_ERR,        /* IAM_SIGV4_ERR_ACCESS_DENIED */
    NGX_LOG_ALERT,      /* IAM_SIGV4_ERR_INTERNAL */
};


ngx_int_t
ngx_http_iam_sigv4_init_worker(ngx_cycle_t *cycle)
{
    iam_sigv4_cache_init(&ngx_http_iam_sigv4_cache);

    return NGX_OK;
}


/* the cache's HMAC contexts, found by make test-valgrind */
void
ngx_http_iam_sigv4_exit_worker(ngx_cycle_t *cycle)
{
    iam_sigv4_cache_free(&ngx_http_iam_sigv4_cache);
}


ngx_int_t
ngx_http_iam_sigv4_authenticate(ngx_http_request_t *r,
    ngx_http_iam_main_conf_t *imcf, ngx_http_iam_loc_conf_t *ilcf,
    ngx_http_iam_ctx_t *ctx)
{
    ngx_int_t                rc;
    iam_str_t                secret;
    ngx_uint_t               i, n;
    ngx_list_part_t         *part;
    const iam_account_t     *owner;
    ngx_table_elt_t         *h;
    iam_sigv4_auth_t         auth;
    iam_sigv4_header_t      *hdr;
    iam_sigv4_request_t      req;
    const iam_access_key_t  *key;
    u_char                   payload_hash[IAM_SIGV4_HEX_LEN + 1];

    /* the request as the client signed it: r->unparsed_uri is raw */

    req.method.len = r->method_name.len;
    req.method.data = (const char *) r->method_name.data;

    ngx_http_iam_split_uri(r, &req.path, &req.query);

    n = 0;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        n += part->nelts;
    }

    hdr = ngx_palloc(r->pool, (n ? n : 1) * sizeof(iam_sigv4_header_t));
    if (hdr == NULL) {
        return NGX_ERROR;
    }

    req.headers = hdr;
    req.nheaders = 0;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            hdr->name.len = h[i].key.len;
            hdr->name.data = (const char *) h[i].key.data;
            hdr->value.len = h[i].value.len;
            hdr->value.data = (const char *) h[i].value.data;
            hdr++;
        }
    }

    req.nheaders = n;
    req.payload_hash.len = 0;
    req.payload_hash.data = NULL;

    /*
     * Services other than S3 sign the hash of the body itself: a signed
     * request with a body is authenticated once the body has been read.
     * (S3 signs what x-amz-content-sha256 claims.)
     */

    if (!ilcf->sigv4.s3
        && (r->headers_in.content_length_n > 0 || r->headers_in.chunked)
        && ngx_http_iam_sigv4_signed(r, &req))
    {
        if (!ctx->body_read) {
            return NGX_AGAIN;
        }

        if (ngx_http_iam_sigv4_body_hash(r, payload_hash) != NGX_OK) {
            return NGX_ERROR;
        }

        req.payload_hash.len = IAM_SIGV4_HEX_LEN;
        req.payload_hash.data = (const char *) payload_hash;
    }
    req.now = ngx_time();
    req.alloc = ngx_http_iam_sigv4_alloc;
    req.alloc_data = r->pool;

    ngx_memzero(&auth, sizeof(iam_sigv4_auth_t));

    switch (iam_sigv4_parse(&ilcf->sigv4, &req, &auth)) {

    case IAM_DECLINED:
        return NGX_DECLINED;

    case IAM_OK:
        break;

    default:
        ctx->access_key = auth.access_key;
        ngx_http_iam_sigv4_error(ctx, auth.error, auth.detail);

        if (auth.wrong_region || auth.wrong_service) {
            if (ngx_http_iam_sigv4_scope_error(r, ilcf, ctx, &auth)
                != NGX_OK)
            {
                return NGX_ERROR;
            }
        }

        return NGX_ABORT;
    }

    ctx->access_key = auth.access_key;

    if (auth.security_token.len) {
        /* temporary credentials: the token says who, and the secret */
        key = NULL;
        owner = NULL;

        rc = ngx_http_iam_sts_credentials(r, imcf, ilcf, ctx,
                                          auth.security_token,
                                          auth.access_key, &secret);
        if (rc != NGX_OK) {
            return rc;
        }

    } else {
        /* only the trusted-accounts lookup says whose key it is */
        owner = NULL;

        /* the STS endpoint also recognises trusted accounts' users */
        key = ilcf->sts ? iam_account_find_key_trusted(imcf->account,
                                                       auth.access_key,
                                                       &owner)
                        : iam_account_find_key(imcf->account,
                                               auth.access_key);

        if (key == NULL || !key->active) {
            ngx_http_iam_sigv4_error(ctx, IAM_SIGV4_ERR_INVALID_ACCESS_KEY,
                                     key ? "the access key is inactive"
                                         : "the access key is unknown");
            return NGX_ABORT;
        }

        secret = key->secret;
    }

    if (iam_sigv4_verify(&ilcf->sigv4, &req, &auth, secret,
                         &ngx_http_iam_sigv4_cache)
        != IAM_OK)
    {
        ngx_log_debug4(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "iam sigv4 canonical request:\n%*s\n"
                       "string to sign:\n%*s",
                       auth.canonical_request.len,
                       auth.canonical_request.data,
                       auth.string_to_sign.len, auth.string_to_sign.data);

        ngx_http_iam_sigv4_error(ctx, auth.error, auth.detail);
        return NGX_ABORT;
    }

    ctx->region = auth.scope_region;
    ctx->signed_at = auth.time;
    ctx->presigned = auth.presigned;

    /* ngx_http_iam_sts_credentials() set a session's principal */
    if (key != NULL) {
        ctx->user = key->user;
        ctx->account = owner ? owner : imcf->account;
        ctx->principal = &key->user->principal;
        ctx->access_key = key->id;
    }

    if (ilcf->sigv4.s3) {
        /*
         * what x-amz-content-sha256 promises is checked as the body comes,
         * with temporary credentials as with long-term keys
         */
        return ngx_http_iam_body_init(r, ilcf, ctx, &auth, secret,
                                      &ngx_http_iam_sigv4_cache);
    }

    return NGX_OK;
}


/* whether the request looks signed: an Authorization header or X-Amz- */

static ngx_int_t
ngx_http_iam_sigv4_signed(ngx_http_request_t *r, iam_sigv4_request_t *req)
{
    if (r->headers_in.authorization) {
        return 1;
    }

    return req->query.len
           && ngx_strlcasestrn((u_char *) req->query.data,
                               (u_char *) req->query.data + req->query.len,
                               (u_char *) "X-Amz-Signature", 15 - 1)
              != NULL;
}


static ngx_int_t
ngx_http_iam_sigv4_body_hash(ngx_http_request_t *r, u_char *hex)
{
    off_t          offset;
    size_t         size;
    ssize_t        n;
    ngx_buf_t     *b;
    ngx_int_t      rc;
    EVP_MD_CTX    *md;
    ngx_chain_t   *cl;
    u_char        *buf;
    unsigned int   len;
    u_char         digest[EVP_MAX_MD_SIZE];

    md = EVP_MD_CTX_new();
    if (md == NULL) {
        return NGX_ERROR;
    }

    rc = NGX_ERROR;
    buf = NULL;

    if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        goto done;
    }

    for (cl = r->request_body ? r->request_body->bufs : NULL;
         cl;
         cl = cl->next)
    {
        b = cl->buf;

        if (ngx_buf_in_memory(b)) {
            if (EVP_DigestUpdate(md, b->pos, b->last - b->pos) != 1) {
                goto done;
            }

            continue;
        }

        if (!b->in_file) {
            continue;
        }

        /* a body larger than client_body_buffer_size is in a file */

        if (buf == NULL) {
            buf = ngx_pnalloc(r->pool, ngx_pagesize);
            if (buf == NULL) {
                goto done;
            }
        }

        for (offset = b->file_pos; offset < b->file_last; offset += n) {
            size = (size_t) ngx_min(b->file_last - offset,
                                    (off_t) ngx_pagesize);

            n = ngx_read_file(b->file, buf, size, offset);

            if (n != (ssize_t) size) {
                ngx_log_error(NGX_LOG_CRIT, r->connection->log, 0,
                              "iam: cannot read the request body from "
                              "\"%V\"", &b->file->name);
                goto done;
            }

            if (EVP_DigestUpdate(md, buf, size) != 1) {
                goto done;
            }
        }
    }

    if (EVP_DigestFinal_ex(md, digest, &len) != 1) {
        goto done;
    }

    ngx_hex_dump(hex, digest, len);
    hex[2 * len] = '\0';

    rc = NGX_OK;

done:

    EVP_MD_CTX_free(md);

    return rc;
}


static void
ngx_http_iam_sigv4_error(ngx_http_iam_ctx_t *ctx, iam_sigv4_err_t err,
    const char *detail)
{
    ngx_uint_t  level;

    level = NGX_LOG_ERR;

    if ((size_t) err < sizeof(ngx_http_iam_sigv4_levels) / sizeof(ngx_uint_t))
    {
        level = ngx_http_iam_sigv4_levels[err];
    }

    ngx_http_iam_set_error(ctx, iam_sigv4_error_status(err),
                           iam_sigv4_error_code(err),
                           iam_sigv4_error_message(err), level, detail);
}


/*
 * A credential scoped to another region or service: S3 names both in the
 * message, and gives the right region in <Region>, which the SDKs read to
 * retry there.
 */

static ngx_int_t
ngx_http_iam_sigv4_scope_error(ngx_http_request_t *r,
    ngx_http_iam_loc_conf_t *ilcf, ngx_http_iam_ctx_t *ctx,
    const iam_sigv4_auth_t *auth)
{
    u_char  *buf;
    size_t   size;

    size = 256;

    buf = ngx_pnalloc(r->pool, size);
    if (buf == NULL) {
        return NGX_ERROR;
    }

    ctx->error.message.len = iam_sigv4_error_describe(&ilcf->sigv4, auth,
                                                      (char *) buf, size);
    ctx->error.message.data = buf;

    if (auth->wrong_region) {
        ctx->error.region.len = ilcf->sigv4.region.len;
        ctx->error.region.data = (u_char *) ilcf->sigv4.region.data;
    }

    return NGX_OK;
}


static void *
ngx_http_iam_sigv4_alloc(void *data, size_t size)
{
    ngx_pool_t  *pool = data;

    return ngx_palloc(pool, size);
}
