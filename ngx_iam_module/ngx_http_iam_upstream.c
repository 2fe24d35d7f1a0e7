
/*
 * ngx_iam: authorize, then re-sign.  After a request is allowed, the
 * request that proxy_pass sends upstream is signed with the store's own
 * key (iam_upstream_sigv4), so that clients never hold it:
 *
 *     proxy_pass        http://store$iam_upstream_uri;
 *     proxy_set_header  Authorization         $iam_upstream_authorization;
 *     proxy_set_header  X-Amz-Date            $iam_upstream_date;
 *     proxy_set_header  X-Amz-Content-Sha256  $iam_upstream_content_sha256;
 *     proxy_set_header  X-Amz-Security-Token  "";
 *
 * The variables are computed once, when proxy_pass first reads one: the
 * signature covers the Host that proxy_pass sends ($proxy_host unless
 * host= says otherwise), the client's x-amz-* headers as they are
 * forwarded, and the path and query of $iam_upstream_uri, which is the
 * client's without a presigned URL's auth parameters.  A request that was
 * not allowed gets empty variables: it goes upstream unsigned, and the
 * store refuses it.
 */


#include "ngx_http_iam_module.h"
#include <openssl/crypto.h>


#define NGX_HTTP_IAM_MAX_SECRET  256


typedef struct {
    ngx_str_t                   authorization;
    ngx_str_t                   date;
    ngx_str_t                   content_sha256;
    ngx_str_t                   uri;
    iam_str_t                   path;
    iam_str_t                   query;
    unsigned                    signed_done:1;
} ngx_http_iam_upstream_ctx_t;


typedef enum {
    NGX_HTTP_IAM_UPSTREAM_AUTHORIZATION = 0,
    NGX_HTTP_IAM_UPSTREAM_DATE,
    NGX_HTTP_IAM_UPSTREAM_CONTENT_SHA256,
    NGX_HTTP_IAM_UPSTREAM_URI
} ngx_http_iam_upstream_var_e;


static ngx_int_t ngx_http_iam_upstream_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_http_iam_upstream_ctx_t *ngx_http_iam_upstream_get(
    ngx_http_request_t *r, ngx_uint_t sign);
static ngx_int_t ngx_http_iam_upstream_uri(ngx_http_request_t *r,
    ngx_http_iam_upstream_ctx_t *uctx);
static ngx_int_t ngx_http_iam_upstream_sign(ngx_http_request_t *r,
    ngx_http_iam_upstream_conf_t *uc, ngx_http_iam_upstream_ctx_t *uctx);
static ngx_table_elt_t *ngx_http_iam_upstream_header(ngx_http_request_t *r,
    const char *name, size_t len, ngx_uint_t *count);
static ngx_int_t ngx_http_iam_upstream_payload(ngx_http_request_t *r,
    ngx_str_t *hash);
static void *ngx_http_iam_upstream_alloc(void *data, size_t size);
static ngx_int_t ngx_http_iam_upstream_read_secret(ngx_conf_t *cf,
    ngx_str_t *name, ngx_http_iam_upstream_conf_t *uc);
static void ngx_http_iam_upstream_cleanup(void *data);


static ngx_http_variable_t  ngx_http_iam_upstream_vars[] = {

    { ngx_string("iam_upstream_authorization"), NULL,
      ngx_http_iam_upstream_variable, NGX_HTTP_IAM_UPSTREAM_AUTHORIZATION,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("iam_upstream_date"), NULL,
      ngx_http_iam_upstream_variable, NGX_HTTP_IAM_UPSTREAM_DATE,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("iam_upstream_content_sha256"), NULL,
      ngx_http_iam_upstream_variable, NGX_HTTP_IAM_UPSTREAM_CONTENT_SHA256,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("iam_upstream_uri"), NULL,
      ngx_http_iam_upstream_variable, NGX_HTTP_IAM_UPSTREAM_URI,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


/* headers the gateway replaces or drops: never signed as the client's */
static ngx_str_t  ngx_http_iam_upstream_replaced[] = {
    ngx_string("x-amz-date"),
    ngx_string("x-amz-content-sha256"),
    ngx_string("x-amz-security-token"),
    ngx_null_string
};


/* per worker, like the verifier's: one signing key a day per store key */
static iam_sigv4_cache_t  ngx_http_iam_upstream_cache;


ngx_int_t
ngx_http_iam_upstream_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_iam_upstream_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_iam_upstream_init_worker(ngx_cycle_t *cycle)
{
    iam_sigv4_cache_init(&ngx_http_iam_upstream_cache);

    return NGX_OK;
}


/*
 * In the access phase, before the policies: what cannot be forwarded in a
 * form the store verifies is refused here, clearly, rather than passed on
 * to fail upstream.
 */

ngx_int_t
ngx_http_iam_upstream_check(ngx_http_request_t *r,
    ngx_http_iam_loc_conf_t *ilcf, ngx_http_iam_ctx_t *ctx)
{
    ngx_str_t  hash;

    if (ilcf->upstream == NULL) {
        return NGX_OK;
    }

    if (ngx_http_iam_upstream_payload(r, &hash) != NGX_DECLINED) {
        return NGX_OK;
    }

    /*
     * aws-chunked chunk signatures chain from the client's seed signature:
     * the store cannot check them with its own key, and the body is not
     * re-framed here (yet)
     */

    ngx_http_iam_set_error(ctx, NGX_HTTP_NOT_IMPLEMENTED, "NotImplemented",
                           "A header you provided implies functionality "
                           "that is not implemented",
                           NGX_LOG_INFO,
                           "a signed aws-chunked upload cannot be re-signed "
                           "for the upstream; send it with a hex "
                           "x-amz-content-sha256, UNSIGNED-PAYLOAD or "
                           "STREAMING-UNSIGNED-PAYLOAD-TRAILER");

    return NGX_ABORT;
}


static ngx_int_t
ngx_http_iam_upstream_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t                    *s;
    ngx_http_iam_upstream_ctx_t  *uctx;

    uctx = ngx_http_iam_upstream_get(r, data != NGX_HTTP_IAM_UPSTREAM_URI);
    if (uctx == NULL) {
        return NGX_ERROR;
    }

    switch (data) {

    case NGX_HTTP_IAM_UPSTREAM_AUTHORIZATION:
        s = &uctx->authorization;
        break;

    case NGX_HTTP_IAM_UPSTREAM_DATE:
        s = &uctx->date;
        break;

    case NGX_HTTP_IAM_UPSTREAM_CONTENT_SHA256:
        s = &uctx->content_sha256;
        break;

    default: /* NGX_HTTP_IAM_UPSTREAM_URI */
        s = &uctx->uri;
        break;
    }

    if (s->len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->len = s->len;
    v->data = s->data;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return NGX_OK;
}


/*
 * The URI is known at once; the signature is made when a header variable
 * is first read, in proxy_pass's create_request: only then is $proxy_host
 * known, since a proxy_pass with $iam_upstream_uri is evaluated first.
 */

static ngx_http_iam_upstream_ctx_t *
ngx_http_iam_upstream_get(ngx_http_request_t *r, ngx_uint_t sign)
{
    ngx_http_iam_ctx_t            *ctx;
    ngx_http_iam_loc_conf_t       *ilcf;
    ngx_http_iam_upstream_ctx_t   *uctx;

    ctx = ngx_http_iam_get_ctx(r);

    uctx = ctx ? ctx->upstream : NULL;

    if (uctx == NULL) {
        uctx = ngx_pcalloc(r->pool, sizeof(ngx_http_iam_upstream_ctx_t));
        if (uctx == NULL) {
            return NULL;
        }

        if (ngx_http_iam_upstream_uri(r, uctx) != NGX_OK) {
            return NULL;
        }

        if (ctx == NULL) {
            /* iam is off here: nothing was allowed, nothing is signed */
            return uctx;
        }

        ctx->upstream = uctx;
    }

    if (!sign || uctx->signed_done) {
        return uctx;
    }

    uctx->signed_done = 1;

    ilcf = ngx_http_get_module_loc_conf(r, ngx_http_iam_module);

    if (ilcf->upstream == NULL || !ctx->evaluated
        || ctx->decision != IAM_ALLOWED)
    {
        return uctx;
    }

    if (ngx_http_iam_upstream_sign(r, ilcf->upstream, uctx) != NGX_OK) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "iam: the upstream request could not be signed");

        ngx_str_null(&uctx->authorization);
        ngx_str_null(&uctx->date);
        ngx_str_null(&uctx->content_sha256);
    }

    return uctx;
}


/* the client's path and query, without a presigned URL's auth parameters */

static ngx_int_t
ngx_http_iam_upstream_uri(ngx_http_request_t *r,
    ngx_http_iam_upstream_ctx_t *uctx)
{
    u_char     *p;
    size_t      n;
    iam_str_t  *path, *query;

    path = &uctx->path;
    query = &uctx->query;

    ngx_http_iam_split_uri(r, path, query);

    p = ngx_pnalloc(r->pool, path->len + 1 + query->len + 1);
    if (p == NULL) {
        return NGX_ERROR;
    }

    uctx->uri.data = p;

    if (path->len) {
        p = ngx_cpymem(p, path->data, path->len);

    } else {
        *p++ = '/';
    }

    n = iam_sigv4_strip_auth_query(*query, (char *) p + 1);

    query->data = (const char *) p + 1;
    query->len = n;

    if (n) {
        *p = '?';
        p += 1 + n;
    }

    uctx->uri.len = p - uctx->uri.data;

    return NGX_OK;
}


static ngx_int_t
ngx_http_iam_upstream_sign(ngx_http_request_t *r,
    ngx_http_iam_upstream_conf_t *uc, ngx_http_iam_upstream_ctx_t *uctx)
{
    u_char               *date;
    ngx_str_t             host, hash, *skip;
    iam_str_t             authz, d;
    ngx_uint_t            i, n;
    ngx_list_part_t      *part;
    ngx_table_elt_t      *h;
    iam_sigv4_header_t   *hdr;
    iam_sigv4_request_t   req;

    if (ngx_http_iam_upstream_payload(r, &hash) != NGX_OK) {
        /* refused in the access phase; never signed */
        return NGX_OK;
    }

    if (ngx_http_complex_value(r, uc->host, &host) != NGX_OK) {
        return NGX_ERROR;
    }

    if (host.len == 0) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "iam: the upstream Host to sign is empty");
        return NGX_ERROR;
    }

    date = ngx_pnalloc(r->pool, IAM_SIGV4_DATE_LEN + 1);
    if (date == NULL) {
        return NGX_ERROR;
    }

    if (iam_sigv4_format_date(ngx_time(), (char *) date)
        != IAM_SIGV4_DATE_LEN)
    {
        return NGX_ERROR;
    }

    n = 3;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        n += part->nelts;
    }

    hdr = ngx_palloc(r->pool, n * sizeof(iam_sigv4_header_t));
    if (hdr == NULL) {
        return NGX_ERROR;
    }

    iam_str_set(&hdr[0].name, "host");
    hdr[0].value.len = host.len;
    hdr[0].value.data = (const char *) host.data;
    iam_str_set(&hdr[1].name, "x-amz-date");
    hdr[1].value.len = IAM_SIGV4_DATE_LEN;
    hdr[1].value.data = (const char *) date;
    iam_str_set(&hdr[2].name, "x-amz-content-sha256");
    hdr[2].value.len = hash.len;
    hdr[2].value.data = (const char *) hash.data;
    n = 3;

    /* the store, like S3, wants every x-amz-* header it receives signed */

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {

            if (h[i].key.len <= 6
                || ngx_strncmp(h[i].lowcase_key, "x-amz-", 6) != 0)
            {
                continue;
            }

            for (skip = ngx_http_iam_upstream_replaced; skip->len; skip++) {
                if (h[i].key.len == skip->len
                    && ngx_strncmp(h[i].lowcase_key, skip->data, skip->len)
                       == 0)
                {
                    break;
                }
            }

            if (skip->len) {
                continue;
            }

            hdr[n].name.len = h[i].key.len;
            hdr[n].name.data = (const char *) h[i].lowcase_key;
            hdr[n].value.len = h[i].value.len;
            hdr[n].value.data = (const char *) h[i].value.data;
            n++;
        }
    }

    ngx_memzero(&req, sizeof(iam_sigv4_request_t));

    req.method.len = r->method_name.len;
    req.method.data = (const char *) r->method_name.data;
    req.path = uctx->path;
    req.query = uctx->query;
    req.headers = hdr;
    req.nheaders = n;
    req.payload_hash.len = hash.len;
    req.payload_hash.data = (const char *) hash.data;
    req.now = ngx_time();
    req.alloc = ngx_http_iam_upstream_alloc;
    req.alloc_data = r->pool;

    d.len = IAM_SIGV4_DATE_LEN;
    d.data = (const char *) date;

    if (iam_sigv4_sign_request(&uc->sigv4, &req, uc->access_key, uc->secret, d,
                       &ngx_http_iam_upstream_cache, &authz)
        != IAM_OK)
    {
        return NGX_ERROR;
    }

    uctx->authorization.len = authz.len;
    uctx->authorization.data = (u_char *) authz.data;
    uctx->date.len = IAM_SIGV4_DATE_LEN;
    uctx->date.data = date;
    uctx->content_sha256 = hash;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "iam upstream authorization: \"%V\"",
                   &uctx->authorization);

    return NGX_OK;
}


/*
 * The payload hash to sign upstream.  NGX_OK: a hex hash the client signed
 * (and the store checks against the body), UNSIGNED-PAYLOAD, or an
 * unsigned aws-chunked body passed on as it is; NGX_DECLINED: a signed
 * aws-chunked body, which cannot be passed on.
 */

static ngx_int_t
ngx_http_iam_upstream_payload(ngx_http_request_t *r, ngx_str_t *hash)
{
    ngx_uint_t        i, count;
    ngx_table_elt_t  *h;

    h = ngx_http_iam_upstream_header(r, "x-amz-content-sha256",
                                     sizeof("x-amz-content-sha256") - 1,
                                     &count);

    ngx_str_set(hash, IAM_SIGV4_UNSIGNED_PAYLOAD);

    if (h == NULL || count != 1) {
        return NGX_OK;
    }

    if (h->value.len == IAM_SIGV4_HEX_LEN) {
        for (i = 0; i < IAM_SIGV4_HEX_LEN; i++) {
            if (!isxdigit(h->value.data[i])) {
                return NGX_OK;
            }
        }

        *hash = h->value;
        return NGX_OK;
    }

    if (h->value.len == sizeof("STREAMING-UNSIGNED-PAYLOAD-TRAILER") - 1
        && ngx_strncmp(h->value.data, "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                       h->value.len)
           == 0)
    {
        *hash = h->value;
        return NGX_OK;
    }

    if (h->value.len > sizeof("STREAMING-") - 1
        && ngx_strncmp(h->value.data, "STREAMING-", sizeof("STREAMING-") - 1)
           == 0)
    {
        return NGX_DECLINED;
    }

    return NGX_OK;
}


static ngx_table_elt_t *
ngx_http_iam_upstream_header(ngx_http_request_t *r, const char *name,
    size_t len, ngx_uint_t *count)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h, *found;

    found = NULL;
    *count = 0;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            if (h[i].key.len == len
                && ngx_strncmp(h[i].lowcase_key, name, len) == 0)
            {
                if (found == NULL) {
                    found = &h[i];
                }

                (*count)++;
            }
        }
    }

    return found;
}


static void *
ngx_http_iam_upstream_alloc(void *data, size_t size)
{
    ngx_pool_t  *pool = data;

    return ngx_palloc(pool, size);
}


/*
 * iam_upstream_sigv4 access_key=KEY secret_file=FILE region=R
 *                    [service=s3] [host=VALUE];
 * iam_upstream_sigv4 off;
 */

char *
ngx_http_iam_upstream_sigv4(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_iam_loc_conf_t *ilcf = conf;

    ngx_str_t                         *value, region, service, secret, host;
    ngx_uint_t                         i;
    iam_str_t                          r, s;
    ngx_http_iam_upstream_conf_t      *uc;
    ngx_http_compile_complex_value_t   ccv;

    if (ilcf->upstream != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cf->args->nelts == 2 && ngx_strcmp(value[1].data, "off") == 0) {
        ilcf->upstream = NULL;
        return NGX_CONF_OK;
    }

    uc = ngx_pcalloc(cf->pool, sizeof(ngx_http_iam_upstream_conf_t));
    if (uc == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_str_null(&region);
    ngx_str_set(&service, "s3");
    ngx_str_null(&secret);
    ngx_str_set(&host, "$proxy_host");

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "access_key=", 11) == 0) {
            uc->access_key.len = value[i].len - 11;
            uc->access_key.data = (const char *) value[i].data + 11;

            if (uc->access_key.len == 0
                || uc->access_key.len > IAM_SIGV4_MAX_ACCESS_KEY)
            {
                goto invalid;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "secret_file=", 12) == 0) {
            secret.len = value[i].len - 12;
            secret.data = value[i].data + 12;

            if (secret.len == 0) {
                goto invalid;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "region=", 7) == 0) {
            region.len = value[i].len - 7;
            region.data = value[i].data + 7;

            if (region.len == 0) {
                goto invalid;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "service=", 8) == 0) {
            service.len = value[i].len - 8;
            service.data = value[i].data + 8;

            if (service.len == 0) {
                goto invalid;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "host=", 5) == 0) {
            host.len = value[i].len - 5;
            host.data = value[i].data + 5;

            if (host.len == 0) {
                goto invalid;
            }

            continue;
        }

        goto invalid;
    }

    if (uc->access_key.len == 0 || secret.len == 0 || region.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"iam_upstream_sigv4\" requires \"access_key=\", "
                           "\"secret_file=\" and \"region=\"");
        return NGX_CONF_ERROR;
    }

    if (ngx_http_iam_upstream_read_secret(cf, &secret, uc) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    r.len = region.len;
    r.data = (const char *) region.data;
    s.len = service.len;
    s.data = (const char *) service.data;

    iam_sigv4_conf_init(&uc->sigv4, r, s);

    /* other services sign the body's own hash, which is not read here */
    if (!uc->sigv4.s3) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"iam_upstream_sigv4\" signs S3 requests only: "
                           "\"service=%V\" is not supported", &service);
        return NGX_CONF_ERROR;
    }

    uc->host = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
    if (uc->host == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &host;
    ccv.complex_value = uc->host;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    ilcf->upstream = uc;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\"", &value[i]);

    return NGX_CONF_ERROR;
}


/* the store's secret: read once, wiped when the configuration goes */

static ngx_int_t
ngx_http_iam_upstream_read_secret(ngx_conf_t *cf, ngx_str_t *name,
    ngx_http_iam_upstream_conf_t *uc)
{
    u_char              *buf;
    size_t               len;
    ssize_t              n;
    ngx_fd_t             fd;
    ngx_str_t            path;
    ngx_file_t           file;
    ngx_pool_cleanup_t  *cln;

    path = *name;

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, NGX_HTTP_IAM_MAX_SECRET + 1);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    buf = cln->data;
    cln->handler = ngx_http_iam_upstream_cleanup;
    ngx_memzero(buf, NGX_HTTP_IAM_MAX_SECRET + 1);

    fd = ngx_open_file(path.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_open_file_n " \"%V\" failed", &path);
        return NGX_ERROR;
    }

    ngx_memzero(&file, sizeof(ngx_file_t));
    file.fd = fd;
    file.name = path;
    file.log = cf->log;

    n = ngx_read_file(&file, buf, NGX_HTTP_IAM_MAX_SECRET + 1, 0);

    if (ngx_close_file(fd) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_ALERT, cf, ngx_errno,
                           ngx_close_file_n " \"%V\" failed", &path);
    }

    if (n == NGX_ERROR) {
        return NGX_ERROR;
    }

    len = n;

    /* a secret file ends with a newline as often as not */
    while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'
                   || buf[len - 1] == ' ' || buf[len - 1] == '\t'))
    {
        len--;
    }

    if (len == 0 || n > NGX_HTTP_IAM_MAX_SECRET) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must hold a secret access key of 1 to %d "
                           "bytes", &path, NGX_HTTP_IAM_MAX_SECRET);
        return NGX_ERROR;
    }

    uc->secret.len = len;
    uc->secret.data = (const char *) buf;

    return NGX_OK;
}


static void
ngx_http_iam_upstream_cleanup(void *data)
{
    OPENSSL_cleanse(data, NGX_HTTP_IAM_MAX_SECRET + 1);
}
