
/*
 * ngx_iam: a request as the (action, resource) pairs IAM must allow.
 *
 * "iam_mapping s3" hands the request to the engine's S3 REST mapping;
 * otherwise the location's iam_action rules (compiled at configuration
 * time) name the action for the method and iam_resource the ARN.
 */


#include "ngx_http_iam_module.h"


static ngx_int_t ngx_http_iam_map_custom(ngx_http_request_t *r,
    ngx_http_iam_loc_conf_t *ilcf, ngx_http_iam_ctx_t *ctx,
    ngx_http_iam_mapped_t *mapped);
static ngx_int_t ngx_http_iam_map_s3(ngx_http_request_t *r,
    ngx_http_iam_loc_conf_t *ilcf, ngx_http_iam_ctx_t *ctx,
    ngx_http_iam_mapped_t *mapped);
static ngx_int_t ngx_http_iam_s3_headers(ngx_http_request_t *r,
    iam_s3_request_t *req);
static void ngx_http_iam_s3_auth(ngx_http_request_t *r,
    ngx_http_iam_ctx_t *ctx, iam_s3_request_t *req);
static ngx_int_t ngx_http_iam_request_body(ngx_http_request_t *r,
    iam_str_t *body);


static const iam_str_t  ngx_http_iam_any_resource = iam_string("*");


ngx_int_t
ngx_http_iam_map(ngx_http_request_t *r, ngx_http_iam_loc_conf_t *ilcf,
    ngx_http_iam_ctx_t *ctx, ngx_http_iam_mapped_t *mapped)
{
    mapped->access = NULL;
    mapped->naccess = 0;
    mapped->s3 = NULL;

    if (ilcf->mapping == NGX_HTTP_IAM_MAPPING_S3) {
        return ngx_http_iam_map_s3(r, ilcf, ctx, mapped);
    }

    return ngx_http_iam_map_custom(r, ilcf, ctx, mapped);
}


ngx_int_t
ngx_http_iam_map_context(ngx_http_request_t *r, ngx_http_iam_ctx_t *ctx,
    ngx_http_iam_mapped_t *mapped)
{
    if (mapped->s3 == NULL) {
        return NGX_OK;
    }

    if (iam_s3_context_set(mapped->s3, &ctx->context) != IAM_OK) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "iam: the condition context is full");
        return NGX_ERROR;
    }

    return NGX_OK;
}


void
ngx_http_iam_split_uri(ngx_http_request_t *r, iam_str_t *path,
    iam_str_t *query)
{
    u_char  *q, *last;

    /* r->unparsed_uri is what the client sent (and signed), never decoded */

    last = r->unparsed_uri.data + r->unparsed_uri.len;
    q = ngx_strlchr(r->unparsed_uri.data, last, '?');

    path->data = (const char *) r->unparsed_uri.data;

    if (q) {
        path->len = q - r->unparsed_uri.data;
        query->data = (const char *) q + 1;
        query->len = last - q - 1;

    } else {
        path->len = r->unparsed_uri.len;
        query->data = NULL;
        query->len = 0;
    }
}


static ngx_int_t
ngx_http_iam_map_custom(ngx_http_request_t *r, ngx_http_iam_loc_conf_t *ilcf,
    ngx_http_iam_ctx_t *ctx, ngx_http_iam_mapped_t *mapped)
{
    ngx_str_t               resource;
    ngx_uint_t              i;
    ngx_http_iam_action_t  *a, *found, *get, *any;
    ngx_http_iam_access_t  *access;

    if (ilcf->actions == NULL) {
        return NGX_OK;
    }

    /* the method's own rule; HEAD falls back to GET's, then "any" */

    a = ilcf->actions->elts;
    found = NULL;
    get = NULL;
    any = NULL;

    for (i = 0; i < ilcf->actions->nelts; i++) {

        if (a[i].methods & r->method) {
            found = &a[i];
            break;
        }

        if (a[i].methods & NGX_HTTP_GET) {
            get = &a[i];
        }

        if (a[i].methods == 0) {
            any = &a[i];
        }
    }

    if (found == NULL && r->method == NGX_HTTP_HEAD) {
        found = get;
    }

    if (found == NULL) {
        found = any;
    }

    if (found == NULL) {
        return NGX_OK;
    }

    access = ngx_palloc(r->pool, sizeof(ngx_http_iam_access_t));
    if (access == NULL) {
        return NGX_ERROR;
    }

    access->action = found->action;

    if (ilcf->resource) {
        if (ngx_http_complex_value(r, ilcf->resource, &resource) != NGX_OK) {
            return NGX_ERROR;
        }

        /* an ARN made of variables that are all empty names nothing */

        if (resource.len == 0) {
            ngx_http_iam_set_error(ctx, NGX_HTTP_FORBIDDEN, "AccessDenied",
                                   "Access Denied", NGX_LOG_ERR,
                                   "\"iam_resource\" is empty");
            return NGX_ABORT;
        }

        access->resource.len = resource.len;
        access->resource.data = (const char *) resource.data;

    } else {
        access->resource = ngx_http_iam_any_resource;
    }

    mapped->access = access;
    mapped->naccess = 1;

    return NGX_OK;
}


static ngx_int_t
ngx_http_iam_map_s3(ngx_http_request_t *r, ngx_http_iam_loc_conf_t *ilcf,
    ngx_http_iam_ctx_t *ctx, ngx_http_iam_mapped_t *mapped)
{
    ngx_int_t               rc;
    ngx_uint_t              i;
    iam_s3_error_e          err;
    iam_s3_result_t        *res;
    iam_s3_request_t        req;
    ngx_http_iam_access_t  *access;

    ngx_memzero(&req, sizeof(iam_s3_request_t));

    req.method.len = r->method_name.len;
    req.method.data = (const char *) r->method_name.data;

    ngx_http_iam_split_uri(r, &req.path, &req.query);

    if (r->headers_in.host) {
        req.host.len = r->headers_in.host->value.len;
        req.host.data = (const char *) r->headers_in.host->value.data;
    }

    if (ilcf->domains) {
        req.domains = ilcf->domains->elts;
        req.ndomains = ilcf->domains->nelts;
    }

    if (ngx_http_iam_s3_headers(r, &req) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_http_iam_s3_auth(r, ctx, &req);

    if (iam_s3_needs_body(&req)) {

        if (!ctx->body_read) {

            if (r->headers_in.content_length_n > NGX_HTTP_IAM_MAX_BODY) {
                err = IAM_S3_ERR_MALFORMED_XML;
                ngx_http_iam_set_error(ctx, iam_s3_error_status(err),
                                       iam_s3_error_code(err),
                                       iam_s3_error_message(err),
                                       NGX_LOG_INFO,
                                       "the delete request body is too large");
                return NGX_ABORT;
            }

            return NGX_AGAIN;
        }

        rc = ngx_http_iam_request_body(r, &req.body);

        if (rc == NGX_DECLINED) {
            err = IAM_S3_ERR_MALFORMED_XML;
            ngx_http_iam_set_error(ctx, iam_s3_error_status(err),
                                   iam_s3_error_code(err),
                                   iam_s3_error_message(err), NGX_LOG_INFO,
                                   "the delete request body is too large");
            return NGX_ABORT;
        }

        if (rc != NGX_OK) {
            return NGX_ERROR;
        }
    }

    res = ngx_pcalloc(r->pool, sizeof(iam_s3_result_t));
    if (res == NULL) {
        return NGX_ERROR;
    }

    res->access_max = iam_s3_access_max(&req);
    res->access = ngx_palloc(r->pool,
                             res->access_max * sizeof(iam_s3_access_t));

    res->conditions_max = IAM_S3_MAX_CONDITIONS;
    res->conditions = ngx_palloc(r->pool, IAM_S3_MAX_CONDITIONS
                                          * sizeof(iam_s3_condition_t));

    res->scratch_size = iam_s3_scratch_size(&req);
    res->scratch = ngx_pnalloc(r->pool, res->scratch_size);

    if (res->access == NULL || res->conditions == NULL
        || res->scratch == NULL)
    {
        return NGX_ERROR;
    }

    if (iam_s3_map(&req, res) != IAM_OK) {
        ngx_http_iam_set_error(ctx, iam_s3_error_status(res->error),
                               iam_s3_error_code(res->error),
                               iam_s3_error_message(res->error),
                               res->error == IAM_S3_ERR_INTERNAL
                               ? NGX_LOG_ALERT : NGX_LOG_INFO,
                               res->reason);
        return NGX_ABORT;
    }

    access = ngx_palloc(r->pool,
                        res->naccess * sizeof(ngx_http_iam_access_t));
    if (access == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < res->naccess; i++) {
        access[i].action = res->access[i].action;
        access[i].resource = res->access[i].resource;
    }

    mapped->access = access;
    mapped->naccess = res->naccess;
    mapped->s3 = res;

    return NGX_OK;
}


static ngx_int_t
ngx_http_iam_s3_headers(ngx_http_request_t *r, iam_s3_request_t *req)
{
    ngx_uint_t        i, n;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;
    iam_s3_header_t  *hdr;

    /* the mapping reads Content-Type and the x-amz-* headers only */

    n = 0;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        n += part->nelts;
    }

    hdr = ngx_palloc(r->pool, (n ? n : 1) * sizeof(iam_s3_header_t));
    if (hdr == NULL) {
        return NGX_ERROR;
    }

    req->headers = hdr;
    req->nheaders = 0;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {

            if (!(h[i].key.len > 6
                  && ngx_strncmp(h[i].lowcase_key, "x-amz-", 6) == 0)
                && !(h[i].key.len == sizeof("content-type") - 1
                     && ngx_strncmp(h[i].lowcase_key, "content-type",
                                    sizeof("content-type") - 1) == 0))
            {
                continue;
            }

            hdr[req->nheaders].name.len = h[i].key.len;
            hdr[req->nheaders].name.data = (const char *) h[i].key.data;
            hdr[req->nheaders].value.len = h[i].value.len;
            hdr[req->nheaders].value.data = (const char *) h[i].value.data;
            req->nheaders++;
        }
    }

    return NGX_OK;
}


/* s3:authType, s3:signatureAge ... and s3:TlsVersion come from here */

static void
ngx_http_iam_s3_auth(ngx_http_request_t *r, ngx_http_iam_ctx_t *ctx,
    iam_s3_request_t *req)
{
    int64_t      age;
    ngx_time_t  *tp;

    if (ctx->signed_at) {
        /* SigV4 set it */
        req->auth = ctx->presigned ? IAM_S3_AUTH_QUERY : IAM_S3_AUTH_HEADER;

        /* a date ahead of the clock, within the skew, is a fresh one */
        tp = ngx_timeofday();
        age = ((int64_t) tp->sec - (int64_t) ctx->signed_at) * 1000
              + (int64_t) tp->msec;

        req->signature_age = age > 0 ? (uint64_t) age : 0;
    }

#if (NGX_HTTP_SSL)
    {
    const char  *version;

    if (r->connection->ssl) {
        version = SSL_get_version(r->connection->ssl->connection);

        if (version) {
            req->tls_protocol.len = ngx_strlen(version);
            req->tls_protocol.data = version;
        }
    }
    }
#endif
}


/*
 * The body read by ngx_http_read_client_request_body() as one string: in
 * memory, or read back from its temporary file.  NGX_DECLINED when it is
 * larger than a multi-object delete can be.
 */

static ngx_int_t
ngx_http_iam_request_body(ngx_http_request_t *r, iam_str_t *body)
{
    off_t         len;
    u_char       *p;
    ssize_t       n;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    body->len = 0;
    body->data = "";

    if (r->request_body == NULL || r->request_body->bufs == NULL) {
        return NGX_OK;
    }

    len = 0;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        len += ngx_buf_size(cl->buf);
    }

    if (len > NGX_HTTP_IAM_MAX_BODY) {
        return NGX_DECLINED;
    }

    if (len == 0) {
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    body->data = (const char *) p;
    body->len = len;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;

        if (ngx_buf_in_memory(b)) {
            p = ngx_cpymem(p, b->pos, b->last - b->pos);
            continue;
        }

        if (!b->in_file || b->file_last == b->file_pos) {
            continue;
        }

        n = ngx_read_file(b->file, p, b->file_last - b->file_pos,
                          b->file_pos);

        if (n != b->file_last - b->file_pos) {
            ngx_log_error(NGX_LOG_CRIT, r->connection->log, 0,
                          "iam: cannot read the request body from \"%V\"",
                          &b->file->name);
            return NGX_ERROR;
        }

        p += n;
    }

    return NGX_OK;
}
