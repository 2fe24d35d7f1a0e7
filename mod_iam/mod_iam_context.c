
/*
 * mod_iam: the condition keys of a request, from the connection, the
 * request, the S3 mapping, IAMConditionKey directives and the principal,
 * the same keys the nginx module sets.
 *
 * aws:SourceIp is r->useragent_ip: the address mod_remoteip trusts when it
 * is configured, the peer's otherwise (a client's own X-Forwarded-For never
 * reaches it); aws:SecureTransport is mod_ssl's (ap_ssl_conn_is_ssl).
 */


#include "mod_iam.h"
#include <http_ssl.h>


typedef struct {
    iam_str_t                   name;
    uint32_t                    hash;
} mod_iam_key_t;


static int mod_iam_context_set(request_rec *r, mod_iam_ctx_t *ctx,
    const mod_iam_key_t *key, const char *value, size_t len);


/* the keys set here, hashed once by mod_iam_context_init() */
static mod_iam_key_t  mod_iam_source_ip_key =
    { iam_string("aws:SourceIp"), 0 };
static mod_iam_key_t  mod_iam_secure_transport_key =
    { iam_string("aws:SecureTransport"), 0 };
static mod_iam_key_t  mod_iam_current_time_key =
    { iam_string("aws:CurrentTime"), 0 };
static mod_iam_key_t  mod_iam_epoch_time_key =
    { iam_string("aws:EpochTime"), 0 };
static mod_iam_key_t  mod_iam_user_agent_key =
    { iam_string("aws:UserAgent"), 0 };
static mod_iam_key_t  mod_iam_referer_key =
    { iam_string("aws:Referer"), 0 };
static mod_iam_key_t  mod_iam_requested_region_key =
    { iam_string("aws:RequestedRegion"), 0 };

static mod_iam_key_t  *mod_iam_keys[] = {
    &mod_iam_source_ip_key,
    &mod_iam_secure_transport_key,
    &mod_iam_current_time_key,
    &mod_iam_epoch_time_key,
    &mod_iam_user_agent_key,
    &mod_iam_referer_key,
    &mod_iam_requested_region_key,
    NULL
};


void
mod_iam_context_init(void)
{
    mod_iam_key_t  **k;

    for (k = mod_iam_keys; *k; k++) {
        (*k)->hash = iam_hash_icase((*k)->name.data, (*k)->name.len);
    }
}


int
mod_iam_context_build(request_rec *r, mod_iam_ctx_t *ctx,
    iam_s3_result_t *s3)
{
    int                       i;
    char                     *text;
    time_t                    now;
    struct tm                 tm;
    iam_str_t                *value;
    const char               *ip, *v, *err;
    mod_iam_condition_key_t  *key;
    mod_iam_server_conf_t    *scf;

    /* a v4 client of a dual-stack listener is a v4 address to IAM */

    ip = r->useragent_ip;

    if (ip && strncasecmp(ip, "::ffff:", 7) == 0 && strchr(ip, '.')) {
        ip += 7;
    }

    if (ip && mod_iam_context_set(r, ctx, &mod_iam_source_ip_key, ip,
                                  strlen(ip))
              != OK)
    {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    v = ap_ssl_conn_is_ssl(r->connection) ? "true" : "false";

    if (mod_iam_context_set(r, ctx, &mod_iam_secure_transport_key, v,
                            strlen(v))
        != OK)
    {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the clock: this request's own copy, the MPM may be threaded */

    now = apr_time_sec(r->request_time);
    gmtime_r(&now, &tm);

    text = apr_psprintf(r->pool, "%04d-%02d-%02dT%02d:%02d:%02dZ",
                        tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                        tm.tm_hour, tm.tm_min, tm.tm_sec);

    if (mod_iam_context_set(r, ctx, &mod_iam_current_time_key, text,
                            strlen(text))
        != OK)
    {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    text = apr_psprintf(r->pool, "%" APR_TIME_T_FMT, (apr_time_t) now);

    if (mod_iam_context_set(r, ctx, &mod_iam_epoch_time_key, text,
                            strlen(text))
        != OK)
    {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    v = apr_table_get(r->headers_in, "User-Agent");

    if (v && mod_iam_context_set(r, ctx, &mod_iam_user_agent_key, v,
                                 strlen(v))
             != OK)
    {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    v = apr_table_get(r->headers_in, "Referer");

    if (v && mod_iam_context_set(r, ctx, &mod_iam_referer_key, v, strlen(v))
             != OK)
    {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the region the request was signed for, or the location's */

    if (ctx->region.len == 0) {
        ctx->region = ctx->sigv4.region;
    }

    if (mod_iam_context_set(r, ctx, &mod_iam_requested_region_key,
                            ctx->region.data, ctx->region.len)
        != OK)
    {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the S3 mapping's keys: s3:prefix, s3:x-amz-acl ... */

    if (s3 && iam_s3_context_set(s3, &ctx->context) != IAM_OK) {
        goto full;
    }

    /* IAMConditionKey: an empty value (a header not sent) leaves it out */

    if (ctx->conf->keys) {
        key = (mod_iam_condition_key_t *) ctx->conf->keys->elts;

        for (i = 0; i < ctx->conf->keys->nelts; i++) {
            err = NULL;
            v = ap_expr_str_exec(r, key[i].value, &err);

            if (err) {
                ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                              "iam: \"IAMConditionKey %s\": %s",
                              key[i].name.data, err);
                return HTTP_INTERNAL_SERVER_ERROR;
            }

            if (v == NULL || v[0] == '\0') {
                continue;
            }

            value = apr_palloc(r->pool, sizeof(iam_str_t));
            value->data = v;
            value->len = strlen(v);

            if (iam_context_set_hashed(&ctx->context, key[i].name,
                                       key[i].hash, value, 1)
                != IAM_OK)
            {
                goto full;
            }
        }
    }

    /* the principal's keys last, so that they win */

    if (ctx->user) {
        scf = ap_get_module_config(r->server->module_config, &iam_module);

        if (iam_user_context(scf->account, ctx->user, &ctx->context)
            != IAM_OK)
        {
            goto full;
        }
    }

    return OK;

full:

    ap_log_rerror(APLOG_MARK, APLOG_CRIT, 0, r,
                  "iam: the condition context is full");

    return HTTP_INTERNAL_SERVER_ERROR;
}


static int
mod_iam_context_set(request_rec *r, mod_iam_ctx_t *ctx,
    const mod_iam_key_t *key, const char *value, size_t len)
{
    iam_str_t  *v;

    v = apr_palloc(r->pool, sizeof(iam_str_t));
    v->data = value;
    v->len = len;

    if (iam_context_set_hashed(&ctx->context, key->name, key->hash, v, 1)
        != IAM_OK)
    {
        ap_log_rerror(APLOG_MARK, APLOG_CRIT, 0, r,
                      "iam: the condition context is full");
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    return OK;
}
