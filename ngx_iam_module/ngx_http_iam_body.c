
/*
 * ngx_iam: S3 payload integrity, checked as the request body streams.
 *
 * SigV4 on S3 signs what x-amz-content-sha256 claims, not the body.  The
 * claim is held to here: a request body filter feeds every buffer of the
 * body to the engine's decoder (a hex SHA-256, or aws-chunked with chunk
 * signatures chained from the request's seed signature, trailing
 * checksums, a signed trailer), and passes a buffer on only once it has
 * been fed.  The last buffer goes on only once the whole body is known to
 * be good: with proxy_request_buffering on the upstream never sees a bad
 * body, with it off the upstream connection is closed before the body is
 * complete.  Nothing is buffered here beyond what nginx already holds.
 *
 * A refusal in the middle of the body ends the request through nginx's
 * special response; a header and a body filter replace nginx's HTML page
 * with S3's XML error, which the SDKs parse.
 */


#include "ngx_http_iam_module.h"


static ngx_int_t ngx_http_iam_body_header(ngx_http_request_t *r,
    const char *name, size_t len, iam_str_t *value, ngx_uint_t *have);
static ngx_int_t ngx_http_iam_body_checksum(ngx_http_request_t *r,
    iam_s3_chunked_conf_t *conf);
static void ngx_http_iam_body_fail(ngx_http_request_t *r,
    ngx_http_iam_ctx_t *ctx, iam_s3_chunked_err_t err, const char *detail);
static void ngx_http_iam_body_cleanup(void *data);
static ngx_int_t ngx_http_iam_request_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static ngx_int_t ngx_http_iam_body_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_iam_body_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);


static ngx_http_request_body_filter_pt   ngx_http_next_request_body_filter;
static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;


ngx_int_t
ngx_http_iam_body_init(ngx_http_request_t *r, ngx_http_iam_loc_conf_t *ilcf,
    ngx_http_iam_ctx_t *ctx, const iam_sigv4_auth_t *auth, iam_str_t secret,
    iam_sigv4_cache_t *cache)
{
    ngx_uint_t              have, body;
    iam_s3_chunked_t       *ck;
    ngx_pool_cleanup_t     *cln;
    iam_s3_chunked_conf_t   conf;

    ngx_memzero(&conf, sizeof(iam_s3_chunked_conf_t));

    conf.content_sha256 = auth->payload_hash;
    conf.auth = auth;
    conf.secret = secret;
    conf.cache = cache;

    body = (r->headers_in.content_length_n > 0 || r->headers_in.chunked);

    if (body && ngx_http_iam_body_checksum(r, &conf) != NGX_OK) {
        ngx_http_iam_body_fail(r, ctx, IAM_S3_CHUNKED_ERR_CHECKSUM_TWICE,
                               "more than one x-amz-checksum- header");
        return NGX_ABORT;
    }

    switch (iam_s3_payload_mode(auth->payload_hash)) {

    case IAM_S3_PAYLOAD_UNSIGNED:
        /* a presigned GET has no body to leave unsigned */
        if (!body
            || (ilcf->unsigned_payload
                && conf.checksum == IAM_S3_CHECKSUM_NONE))
        {
            return NGX_OK;
        }

        conf.refuse_unsigned = !ilcf->unsigned_payload;
        break;

    case IAM_S3_PAYLOAD_SHA256:
        if (!body) {
            /* nothing will be read: the claim must be the empty hash */
            if (ngx_strncasecmp((u_char *) auth->payload_hash.data,
                                (u_char *) IAM_SIGV4_EMPTY_SHA256,
                                IAM_SIGV4_HEX_LEN)
                != 0)
            {
                ngx_http_iam_body_fail(r, ctx,
                                       IAM_S3_CHUNKED_ERR_SHA256_MISMATCH,
                                       "no body, and x-amz-content-sha256 "
                                       "is not the empty body's hash");
                return NGX_ABORT;
            }

            return NGX_OK;
        }

        break;

    case IAM_S3_PAYLOAD_UNSUPPORTED:
        break;

    default: /* aws-chunked */
        conf.refuse_unsigned = !ilcf->unsigned_payload;

        if (!body) {
            ngx_http_iam_body_fail(r, ctx, IAM_S3_CHUNKED_ERR_TRUNCATED,
                                   "a streaming payload without a body");
            return NGX_ABORT;
        }
    }

    if (ngx_http_iam_body_header(r, "x-amz-decoded-content-length",
                                 sizeof("x-amz-decoded-content-length") - 1,
                                 &conf.decoded_length, &have)
        != NGX_OK)
    {
        ngx_http_iam_body_fail(r, ctx,
                               IAM_S3_CHUNKED_ERR_DECODED_LENGTH_INVALID,
                               "x-amz-decoded-content-length repeated");
        return NGX_ABORT;
    }

    if (ngx_http_iam_body_header(r, "x-amz-trailer",
                                 sizeof("x-amz-trailer") - 1,
                                 &conf.trailer, &have)
        != NGX_OK)
    {
        ngx_http_iam_body_fail(r, ctx, IAM_S3_CHUNKED_ERR_TRAILER_UNSUPPORTED,
                               "x-amz-trailer repeated");
        return NGX_ABORT;
    }

    conf.have_trailer = have;

    ck = ngx_palloc(r->pool, sizeof(iam_s3_chunked_t));
    if (ck == NULL) {
        return NGX_ERROR;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    /* the digests and the signing key copy are released with the request */

    if (iam_s3_chunked_init(ck, &conf) != IAM_OK) {
        ngx_http_iam_body_fail(r, ctx, ck->error, ck->detail);
        iam_s3_chunked_cleanup(ck);
        cln->handler = NULL;
        return ck->error == IAM_S3_CHUNKED_ERR_INTERNAL ? NGX_ERROR
                                                        : NGX_ABORT;
    }

    cln->handler = ngx_http_iam_body_cleanup;
    cln->data = ck;

    ctx->payload = ck;

    return NGX_OK;
}


ngx_int_t
ngx_http_iam_body_init_filters(ngx_conf_t *cf)
{
    ngx_http_next_request_body_filter = ngx_http_top_request_body_filter;
    ngx_http_top_request_body_filter = ngx_http_iam_request_body_filter;

    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_iam_body_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_iam_body_body_filter;

    return NGX_OK;
}


/*
 * A request header by its lowercase name; NGX_DECLINED if it is repeated:
 * the decoder and the upstream must never read two different values.
 */

static ngx_int_t
ngx_http_iam_body_header(ngx_http_request_t *r, const char *name, size_t len,
    iam_str_t *value, ngx_uint_t *have)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    *have = 0;
    value->len = 0;
    value->data = NULL;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            if (h[i].key.len != len
                || ngx_strncasecmp(h[i].key.data, (u_char *) name, len) != 0)
            {
                continue;
            }

            if (*have) {
                return NGX_DECLINED;
            }

            *have = 1;
            value->len = h[i].value.len;
            value->data = (const char *) h[i].value.data;
        }
    }

    return NGX_OK;
}


/*
 * The x-amz-checksum-crc32/crc32c/sha1/sha256 header, if any; NGX_DECLINED
 * for two of them (S3 takes one).  Others (crc64nvme) are the store's.
 * CompleteMultipartUpload's is the whole object's, not its body's.
 */

static ngx_int_t
ngx_http_iam_body_checksum(ngx_http_request_t *r, iam_s3_chunked_conf_t *conf)
{
    iam_str_t           name;
    ngx_str_t           upload;
    ngx_uint_t          i;
    ngx_list_part_t    *part;
    ngx_table_elt_t    *h;
    iam_s3_checksum_e   sum;

    conf->checksum = IAM_S3_CHECKSUM_NONE;

    if (r->method == NGX_HTTP_POST
        && ngx_http_arg(r, (u_char *) "uploadId", 8, &upload) == NGX_OK)
    {
        return NGX_OK;
    }

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            if (h[i].key.len < sizeof("x-amz-checksum-") - 1
                || ngx_strncasecmp(h[i].key.data, (u_char *) "x-amz-checksum-",
                                   sizeof("x-amz-checksum-") - 1)
                   != 0)
            {
                continue;
            }

            name.len = h[i].key.len;
            name.data = (const char *) h[i].key.data;

            sum = iam_s3_checksum_header(name);

            if (sum == IAM_S3_CHECKSUM_NONE) {
                continue;
            }

            if (conf->checksum != IAM_S3_CHECKSUM_NONE) {
                return NGX_DECLINED;
            }

            conf->checksum = sum;
            conf->checksum_value.len = h[i].value.len;
            conf->checksum_value.data = (const char *) h[i].value.data;
        }
    }

    return NGX_OK;
}


static void
ngx_http_iam_body_fail(ngx_http_request_t *r, ngx_http_iam_ctx_t *ctx,
    iam_s3_chunked_err_t err, const char *detail)
{
    ngx_uint_t  level;

    /* a forged or broken body is the client's fault, not the server's */
    level = (err == IAM_S3_CHUNKED_ERR_INTERNAL) ? NGX_LOG_ALERT
                                                 : NGX_LOG_ERR;

    ngx_http_iam_set_error(ctx, iam_s3_chunked_error_status(err),
                           iam_s3_chunked_error_code(err),
                           iam_s3_chunked_error_message(err), level,
                           detail ? detail : "payload refused");
}


static void
ngx_http_iam_body_cleanup(void *data)
{
    iam_s3_chunked_cleanup(data);
}


static ngx_int_t
ngx_http_iam_request_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    int                        rc;
    ngx_buf_t                 *b;
    const char                *dry;
    ngx_chain_t               *cl;
    iam_s3_chunked_t          *ck;
    ngx_http_iam_ctx_t        *ctx;
    ngx_http_iam_loc_conf_t   *ilcf;
    ngx_http_iam_main_conf_t  *imcf;

    /* a check once begun survives an internal redirect (error_page) */
    ctx = ngx_http_iam_get_ctx(r->main);

    if (ctx == NULL || ctx->payload == NULL) {
        return ngx_http_next_request_body_filter(r, in);
    }

    ck = ctx->payload;

    if (ctx->payload_failed) {
        return ctx->error.status;
    }

    rc = IAM_OK;

    for (cl = in; cl && rc == IAM_OK; cl = cl->next) {
        b = cl->buf;

        if (ngx_buf_in_memory(b)) {
            rc = iam_s3_chunked_feed(ck, b->pos, b->last - b->pos);

        } else if (ngx_buf_size(b)) {
            /* body filters see the client's bytes in memory: fail closed */
            ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                          "iam: a request body buffer not in memory");
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (rc == IAM_OK && b->last_buf) {
            rc = iam_s3_chunked_finish(ck);
        }
    }

    if (rc == IAM_OK) {
        return ngx_http_next_request_body_filter(r, in);
    }

    ngx_http_iam_body_fail(r, ctx, ck->error, ck->detail);

    /* the payload is part of what was signed: $iam_auth_error says so */
    ctx->payload_failed = 1;
    ctx->auth_failed = 1;

    ilcf = ctx->conf;
    imcf = ngx_http_get_module_main_conf(r, ngx_http_iam_module);

    dry = ilcf->enforce ? "" : " (dry run: not enforced)";

    if (iam_s3_chunked_framed(ck)) {
        ngx_log_error(ctx->error.level, r->connection->log, 0,
                      "iam: %V: access key \"%*s\": %s (chunk %uL, after "
                      "%uL bytes of the object)%s",
                      &ctx->error.code, ctx->access_key.len,
                      ctx->access_key.data, ctx->error.reason,
                      (uint64_t) ck->chunks, (uint64_t) ck->decoded, dry);

    } else {
        ngx_log_error(ctx->error.level, r->connection->log, 0,
                      "iam: %V: access key \"%*s\": %s (after %uL bytes)%s",
                      &ctx->error.code, ctx->access_key.len,
                      ctx->access_key.data, ctx->error.reason,
                      (uint64_t) ck->decoded, dry);
    }

    if (!ilcf->enforce) {
        ctx->payload = NULL;
        return ngx_http_next_request_body_filter(r, in);
    }

    /*
     * once the upstream's response has gone out, nginx only closes the
     * connection; nothing is left to replace
     */

    if (!r->header_sent
        && ngx_http_iam_error_body(r, imcf, ilcf, ctx, &ctx->error_type,
                                   &ctx->error_body)
           == NGX_OK)
    {
        ctx->payload_replace = 1;
    }

    return ctx->error.status;
}


/* nginx's error page for the refused payload becomes S3's XML */

static ngx_int_t
ngx_http_iam_body_header_filter(ngx_http_request_t *r)
{
    ngx_http_iam_ctx_t  *ctx;

    if (r != r->main) {
        return ngx_http_next_header_filter(r);
    }

    ctx = ngx_http_iam_get_ctx(r);

    /* an error_page for the status is the operator's choice of body */

    if (ctx == NULL || !ctx->payload_replace || ctx->payload_headers
        || r->error_page || r->headers_out.status != ctx->error.status)
    {
        return ngx_http_next_header_filter(r);
    }

    r->headers_out.content_type = ctx->error_type;
    r->headers_out.content_type_len = ctx->error_type.len;
    r->headers_out.content_type_lowcase = NULL;
    r->headers_out.charset.len = 0;

    r->headers_out.content_length_n = ctx->error_body.len;

    if (r->headers_out.content_length) {
        r->headers_out.content_length->hash = 0;
        r->headers_out.content_length = NULL;
    }

    ctx->payload_headers = 1;

    return ngx_http_next_header_filter(r);
}


static ngx_int_t
ngx_http_iam_body_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_buf_t           *b;
    ngx_uint_t           last;
    ngx_chain_t         *cl, out;
    ngx_http_iam_ctx_t  *ctx;

    if (r != r->main || in == NULL) {
        return ngx_http_next_body_filter(r, in);
    }

    ctx = ngx_http_iam_get_ctx(r);

    if (ctx == NULL || !ctx->payload_headers) {
        return ngx_http_next_body_filter(r, in);
    }

    last = 0;

    for (cl = in; cl; cl = cl->next) {
        /* nginx's page is consumed unsent */
        cl->buf->pos = cl->buf->last;
        cl->buf->file_pos = cl->buf->file_last;

        if (cl->buf->last_buf) {
            last = 1;
        }
    }

    if (ctx->payload_sent || !last) {
        return NGX_OK;
    }

    ctx->payload_sent = 1;

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = ctx->error_body.data;
    b->last = ctx->error_body.data + ctx->error_body.len;
    b->memory = 1;
    b->last_buf = 1;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_next_body_filter(r, &out);
}
