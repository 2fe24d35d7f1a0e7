
/*
 * ngx_iam: refusals as AWS sends them.
 *
 * Locations with "iam_mapping s3" answer with S3's XML error document (S3
 * clients parse the Code); other locations with a small JSON body.  The
 * status codes are AWS's: 400 for a request that cannot be understood
 * (AuthorizationHeaderMalformed), 403 for credentials that are refused or a
 * request the policies do not allow, 401 only to ask an anonymous client of
 * a non-S3 API to authenticate.
 */


#include "ngx_http_iam_module.h"


static ngx_int_t ngx_http_iam_error_page(ngx_http_request_t *r,
    ngx_uint_t status);
static ngx_int_t ngx_http_iam_challenge(ngx_http_request_t *r,
    ngx_http_iam_loc_conf_t *ilcf, ngx_http_iam_ctx_t *ctx);


void
ngx_http_iam_set_error(ngx_http_iam_ctx_t *ctx, ngx_uint_t status,
    const char *code, const char *message, ngx_uint_t level,
    const char *reason)
{
    ctx->error.status = status;
    ctx->error.code.len = ngx_strlen(code);
    ctx->error.code.data = (u_char *) code;
    ctx->error.message.len = ngx_strlen(message);
    ctx->error.message.data = (u_char *) message;
    ctx->error.region.len = 0;
    ctx->error.level = level;
    ctx->error.reason = reason;
    ctx->error.challenge.len = 0;
}


ngx_int_t
ngx_http_iam_send_error(ngx_http_request_t *r,
    ngx_http_iam_main_conf_t *imcf, ngx_http_iam_loc_conf_t *ilcf,
    ngx_http_iam_ctx_t *ctx)
{
    ngx_int_t                   rc;
    ngx_str_t                   ct, body;
    ngx_uint_t                  status;
    ngx_http_complex_value_t    cv;
    ngx_http_core_loc_conf_t   *clcf;

    status = ctx->error.status;

    if (status == NGX_HTTP_UNAUTHORIZED
        && ngx_http_iam_challenge(r, ilcf, ctx) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    /*
     * "satisfy any" lets another access module grant what iam refuses:
     * return the bare status for the access phase to combine; an
     * error_page for the status is the operator's choice of body
     */

    if ((clcf->satisfy != NGX_HTTP_SATISFY_ALL
         && (status == NGX_HTTP_FORBIDDEN || status == NGX_HTTP_UNAUTHORIZED))
        || ngx_http_iam_error_page(r, status))
    {
        return status;
    }

    if (ngx_http_iam_error_body(r, imcf, ilcf, ctx, &ct, &body) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memzero(&cv, sizeof(ngx_http_complex_value_t));
    cv.value = body;

    /*
     * the response is complete here: finalize it, and tell the access phase
     * that the request is taken care of
     */

    rc = ngx_http_send_response(r, status, &ct, &cv);

    ngx_http_finalize_request(r, rc);

    return NGX_DONE;
}


/* the body of a refusal: S3's XML error document, or a small JSON one */

ngx_int_t
ngx_http_iam_error_body(ngx_http_request_t *r,
    ngx_http_iam_main_conf_t *imcf, ngx_http_iam_loc_conf_t *ilcf,
    ngx_http_iam_ctx_t *ctx, ngx_str_t *type, ngx_str_t *out)
{
    u_char                     *p;
    size_t                      len;
    uintptr_t                   escape;
    ngx_str_t                   ct, id, body;
    ngx_table_elt_t            *h;
    ngx_http_variable_value_t  *vv;

    id.len = 0;
    id.data = NULL;

    vv = ngx_http_get_indexed_variable(r, imcf->request_id_index);

    if (vv && !vv->not_found) {
        id.len = vv->len;
        id.data = vv->data;
    }

    if (ilcf->mapping == NGX_HTTP_IAM_MAPPING_S3) {

        escape = ngx_escape_html(NULL, ctx->error.message.data,
                                 ctx->error.message.len);

        len = sizeof("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                     "<Error><Code></Code><Message></Message>"
                     "<Region></Region>"
                     "<RequestId></RequestId></Error>") - 1
              + ctx->error.code.len + ctx->error.message.len + escape
              + ctx->error.region.len + id.len;

        body.data = ngx_pnalloc(r->pool, len);
        if (body.data == NULL) {
            return NGX_ERROR;
        }

        p = ngx_cpymem(body.data,
                       "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                       "<Error><Code>",
                       sizeof("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                              "<Error><Code>") - 1);
        p = ngx_cpymem(p, ctx->error.code.data, ctx->error.code.len);
        p = ngx_cpymem(p, "</Code><Message>", sizeof("</Code><Message>") - 1);

        if (escape) {
            p = (u_char *) ngx_escape_html(p, ctx->error.message.data,
                                           ctx->error.message.len);

        } else {
            p = ngx_cpymem(p, ctx->error.message.data,
                           ctx->error.message.len);
        }

        p = ngx_cpymem(p, "</Message>", sizeof("</Message>") - 1);

        /* the location's own region: configuration, not request bytes */
        if (ctx->error.region.len) {
            p = ngx_cpymem(p, "<Region>", sizeof("<Region>") - 1);
            p = ngx_cpymem(p, ctx->error.region.data, ctx->error.region.len);
            p = ngx_cpymem(p, "</Region>", sizeof("</Region>") - 1);
        }

        p = ngx_cpymem(p, "<RequestId>", sizeof("<RequestId>") - 1);
        p = ngx_cpymem(p, id.data, id.len);
        p = ngx_cpymem(p, "</RequestId></Error>",
                       sizeof("</RequestId></Error>") - 1);

        ngx_str_set(&ct, "application/xml");

        if (id.len) {
            h = ngx_list_push(&r->headers_out.headers);
            if (h == NULL) {
                return NGX_ERROR;
            }

            h->hash = 1;
            ngx_str_set(&h->key, "x-amz-request-id");
            h->value = id;
        }

    } else {

        escape = ngx_escape_json(NULL, ctx->error.message.data,
                                 ctx->error.message.len);

        len = sizeof("{\"error\":\"\",\"message\":\"\"}") - 1
              + ctx->error.code.len + ctx->error.message.len + escape;

        body.data = ngx_pnalloc(r->pool, len);
        if (body.data == NULL) {
            return NGX_ERROR;
        }

        p = ngx_cpymem(body.data, "{\"error\":\"",
                       sizeof("{\"error\":\"") - 1);
        p = ngx_cpymem(p, ctx->error.code.data, ctx->error.code.len);
        p = ngx_cpymem(p, "\",\"message\":\"", sizeof("\",\"message\":\"") - 1);

        if (escape) {
            p = (u_char *) ngx_escape_json(p, ctx->error.message.data,
                                           ctx->error.message.len);

        } else {
            p = ngx_cpymem(p, ctx->error.message.data,
                           ctx->error.message.len);
        }

        p = ngx_cpymem(p, "\"}", sizeof("\"}") - 1);

        ngx_str_set(&ct, "application/json");
    }

    body.len = p - body.data;

    *type = ct;
    *out = body;

    return NGX_OK;
}


static ngx_int_t
ngx_http_iam_error_page(ngx_http_request_t *r, ngx_uint_t status)
{
    ngx_uint_t                 i;
    ngx_http_err_page_t       *err_page;
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    if (r->error_page || clcf->error_pages == NULL || r->uri_changes == 0) {
        return 0;
    }

    err_page = clcf->error_pages->elts;

    for (i = 0; i < clcf->error_pages->nelts; i++) {
        if ((ngx_uint_t) err_page[i].status == status) {
            return 1;
        }
    }

    return 0;
}


/*
 * The refusal's own challenge (a bearer token's RFC 6750 error), else one
 * per scheme the location accepts.
 */
static ngx_int_t
ngx_http_iam_challenge(ngx_http_request_t *r, ngx_http_iam_loc_conf_t *ilcf,
    ngx_http_iam_ctx_t *ctx)
{
    ngx_uint_t        i;
    ngx_str_t         schemes[2];
    ngx_table_elt_t  *h;

    i = 0;

    if (ctx->error.challenge.len) {
        schemes[i++] = ctx->error.challenge;

    } else {
        if (ilcf->auth & NGX_HTTP_IAM_AUTH_SIGV4) {
            ngx_str_set(&schemes[i], "AWS4-HMAC-SHA256");
            i++;
        }

        if (ilcf->auth & NGX_HTTP_IAM_AUTH_JWT) {
            ngx_str_set(&schemes[i], "Bearer");
            i++;
        }
    }

    /* in the order of the schemes above */
    while (i--) {
        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_ERROR;
        }

        h->hash = 1;
        ngx_str_set(&h->key, "WWW-Authenticate");
        h->value = schemes[i];

        r->headers_out.www_authenticate = h;
    }

    return NGX_OK;
}
