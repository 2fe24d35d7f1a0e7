
/*
 * ngx_iam: the condition keys of a request, from the connection, the
 * request, iam_condition_key directives and the principal.
 *
 * Keys and values are not copied into the context: values live in the
 * request's ctx or in the request, static key names here.
 */


#include "ngx_http_iam_module.h"


static ngx_int_t ngx_http_iam_context_set(ngx_http_request_t *r,
    ngx_http_iam_ctx_t *ctx, const ngx_http_iam_key_t *key,
    const iam_str_t *value);
static void ngx_http_iam_source_ip(ngx_connection_t *c,
    ngx_http_iam_ctx_t *ctx);
static void ngx_http_iam_time_update(void);


/* the keys set here, hashed once by ngx_http_iam_context_init() */
static ngx_http_iam_key_t  ngx_http_iam_source_ip_key =
    { iam_string("aws:SourceIp"), 0 };
static ngx_http_iam_key_t  ngx_http_iam_secure_transport_key =
    { iam_string("aws:SecureTransport"), 0 };
static ngx_http_iam_key_t  ngx_http_iam_current_time_key =
    { iam_string("aws:CurrentTime"), 0 };
static ngx_http_iam_key_t  ngx_http_iam_epoch_time_key =
    { iam_string("aws:EpochTime"), 0 };
static ngx_http_iam_key_t  ngx_http_iam_user_agent_key =
    { iam_string("aws:UserAgent"), 0 };
static ngx_http_iam_key_t  ngx_http_iam_referer_key =
    { iam_string("aws:Referer"), 0 };
static ngx_http_iam_key_t  ngx_http_iam_requested_region_key =
    { iam_string("aws:RequestedRegion"), 0 };

static ngx_http_iam_key_t  *ngx_http_iam_keys[] = {
    &ngx_http_iam_source_ip_key,
    &ngx_http_iam_secure_transport_key,
    &ngx_http_iam_current_time_key,
    &ngx_http_iam_epoch_time_key,
    &ngx_http_iam_user_agent_key,
    &ngx_http_iam_referer_key,
    &ngx_http_iam_requested_region_key,
    NULL
};

/*
 * aws:CurrentTime and aws:EpochTime, formatted once a second per worker:
 * a worker evaluates one request at a time, so the context may point here
 */
static time_t     ngx_http_iam_time = (time_t) -1;
static iam_str_t  ngx_http_iam_current_time;
static iam_str_t  ngx_http_iam_epoch_time;
static u_char     ngx_http_iam_current_time_text[NGX_HTTP_IAM_TIME_LEN];
static u_char     ngx_http_iam_epoch_time_text[NGX_TIME_T_LEN];

static const iam_str_t  ngx_http_iam_true = iam_string("true");
static const iam_str_t  ngx_http_iam_false = iam_string("false");


/* keys only the authenticated principal may set */
static ngx_str_t  ngx_http_iam_principal_keys[] = {
    ngx_string("aws:username"),
    ngx_string("aws:userid"),
    ngx_string("aws:Principal"),            /* a prefix: Arn, Tag/, Type ... */
    ngx_string("aws:MultiFactorAuth"),
    ngx_string("aws:TokenIssueTime"),
    ngx_string("aws:FederatedProvider"),
    ngx_null_string
};


ngx_int_t
ngx_http_iam_context_connection(ngx_http_request_t *r,
    ngx_http_iam_loc_conf_t *ilcf, ngx_http_iam_ctx_t *ctx)
{
    iam_str_t            region;
    ngx_connection_t    *c;
    const iam_str_t     *secure;

    c = r->connection;

    /*
     * aws:SourceIp: c->sockaddr is the address the realip module trusts
     * when it is configured (set_real_ip_from), the peer's otherwise; a
     * client's own X-Forwarded-For never reaches it
     */

    ngx_http_iam_source_ip(c, ctx);

    if (ctx->source_ip.len
        && ngx_http_iam_context_set(r, ctx, &ngx_http_iam_source_ip_key,
                                    &ctx->source_ip)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    secure = &ngx_http_iam_false;

#if (NGX_HTTP_SSL)
    if (c->ssl) {
        secure = &ngx_http_iam_true;
    }
#endif

    if (ngx_http_iam_context_set(r, ctx, &ngx_http_iam_secure_transport_key,
                                 secure)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_http_iam_time_update();

    if (ngx_http_iam_context_set(r, ctx, &ngx_http_iam_current_time_key,
                                 &ngx_http_iam_current_time)
        != NGX_OK
        || ngx_http_iam_context_set(r, ctx, &ngx_http_iam_epoch_time_key,
                                    &ngx_http_iam_epoch_time)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (r->headers_in.user_agent) {
        ctx->user_agent.len = r->headers_in.user_agent->value.len;
        ctx->user_agent.data =
                          (const char *) r->headers_in.user_agent->value.data;

        if (ngx_http_iam_context_set(r, ctx, &ngx_http_iam_user_agent_key,
                                     &ctx->user_agent)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    if (r->headers_in.referer) {
        ctx->referer.len = r->headers_in.referer->value.len;
        ctx->referer.data = (const char *) r->headers_in.referer->value.data;

        if (ngx_http_iam_context_set(r, ctx, &ngx_http_iam_referer_key,
                                     &ctx->referer)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    /* the region the request was signed for, or the location's */

    if (ctx->region.len == 0) {
        region.len = ilcf->region.len;
        region.data = (const char *) ilcf->region.data;
        ctx->region = region;
    }

    return ngx_http_iam_context_set(r, ctx, &ngx_http_iam_requested_region_key,
                                    &ctx->region);
}


static void
ngx_http_iam_source_ip(ngx_connection_t *c, ngx_http_iam_ctx_t *ctx)
{
    struct sockaddr_in   *sin;
#if (NGX_HAVE_INET6)
    u_char               *p;
    struct sockaddr_in6  *sin6;
#endif

    ctx->source_ip.len = 0;
    ctx->source_ip.data = (const char *) ctx->source_ip_text;

    switch (c->sockaddr->sa_family) {

#if (NGX_HAVE_INET6)
    case AF_INET6:
        sin6 = (struct sockaddr_in6 *) c->sockaddr;

        /* a v4 client of a dual-stack listener is a v4 address to IAM */

        if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
            p = sin6->sin6_addr.s6_addr;
            ctx->source_ip.len = ngx_sprintf(ctx->source_ip_text,
                                             "%ud.%ud.%ud.%ud",
                                             p[12], p[13], p[14], p[15])
                                 - ctx->source_ip_text;
            break;
        }

        ctx->source_ip.len = ngx_inet_ntop(AF_INET6, &sin6->sin6_addr,
                                           ctx->source_ip_text,
                                           NGX_INET6_ADDRSTRLEN);
        break;
#endif

    case AF_INET:
        sin = (struct sockaddr_in *) c->sockaddr;
        ctx->source_ip.len = ngx_inet_ntop(AF_INET, &sin->sin_addr,
                                           ctx->source_ip_text,
                                           NGX_INET6_ADDRSTRLEN);
        break;

    default: /* a unix socket: the key is absent */
        break;
    }
}


static void
ngx_http_iam_time_update(void)
{
    time_t     now;
    ngx_tm_t   tm;

    now = ngx_time();

    if (now == ngx_http_iam_time) {
        return;
    }

    ngx_gmtime(now, &tm);

    ngx_http_iam_current_time.data =
                               (const char *) ngx_http_iam_current_time_text;
    ngx_http_iam_current_time.len =
        ngx_sprintf(ngx_http_iam_current_time_text,
                    "%4d-%02d-%02dT%02d:%02d:%02dZ",
                    tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                    tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec)
        - ngx_http_iam_current_time_text;

    ngx_http_iam_epoch_time.data = (const char *) ngx_http_iam_epoch_time_text;
    ngx_http_iam_epoch_time.len =
        ngx_sprintf(ngx_http_iam_epoch_time_text, "%T", now)
        - ngx_http_iam_epoch_time_text;

    ngx_http_iam_time = now;
}


ngx_int_t
ngx_http_iam_context_keys(ngx_http_request_t *r,
    ngx_http_iam_loc_conf_t *ilcf, ngx_http_iam_ctx_t *ctx)
{
    ngx_str_t                      value;
    iam_str_t                     *values;
    ngx_uint_t                     i;
    ngx_http_iam_condition_key_t  *key;

    if (ilcf->keys == NULL) {
        return NGX_OK;
    }

    values = ngx_palloc(r->pool, ilcf->keys->nelts * sizeof(iam_str_t));
    if (values == NULL) {
        return NGX_ERROR;
    }

    key = ilcf->keys->elts;

    for (i = 0; i < ilcf->keys->nelts; i++) {

        if (ngx_http_complex_value(r, &key[i].value, &value) != NGX_OK) {
            return NGX_ERROR;
        }

        /* an empty value (a header not sent) leaves the key absent */

        if (value.len == 0) {
            continue;
        }

        values[i].len = value.len;
        values[i].data = (const char *) value.data;

        if (ngx_http_iam_context_set(r, ctx, &key[i].key, &values[i])
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_iam_context_principal(ngx_http_request_t *r,
    ngx_http_iam_main_conf_t *imcf, ngx_http_iam_ctx_t *ctx)
{
    if (ctx->sts) {
        return ngx_http_iam_sts_context(r, ctx);
    }

    if (ctx->session) {
        return ngx_http_iam_jwt_context(r, ctx);
    }

    if (ctx->user == NULL) {
        return NGX_OK;
    }

    if (iam_user_context(imcf->account, ctx->user, &ctx->context) != IAM_OK) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "iam: the condition context is full");
        return NGX_ERROR;
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_iam_context_key_valid(ngx_str_t *name)
{
    u_char     *colon;
    ngx_str_t  *k;

    colon = ngx_strlchr(name->data, name->data + name->len, ':');

    if (colon == NULL || colon == name->data
        || colon == name->data + name->len - 1)
    {
        return NGX_ERROR;
    }

    for (k = ngx_http_iam_principal_keys; k->len; k++) {
        if (name->len >= k->len
            && ngx_strncasecmp(name->data, k->data, k->len) == 0)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


void
ngx_http_iam_context_init(void)
{
    ngx_http_iam_key_t  **k;

    for (k = ngx_http_iam_keys; *k; k++) {
        (*k)->hash = iam_hash_icase((*k)->name.data, (*k)->name.len);
    }
}


static ngx_int_t
ngx_http_iam_context_set(ngx_http_request_t *r, ngx_http_iam_ctx_t *ctx,
    const ngx_http_iam_key_t *key, const iam_str_t *value)
{
    if (iam_context_set_hashed(&ctx->context, key->name, key->hash, value, 1)
        != IAM_OK)
    {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "iam: the condition context is full");
        return NGX_ERROR;
    }

    return NGX_OK;
}
