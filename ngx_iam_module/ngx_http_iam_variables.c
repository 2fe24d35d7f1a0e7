
/*
 * ngx_iam: the decision as nginx variables, for a CloudTrail-like access
 * log (log_format ... escape=json).  They are read from the request's ctx,
 * which survives internal redirects, and are never cached: a variable read
 * before the access phase must not stick.
 */


#include "ngx_http_iam_module.h"


typedef enum {
    NGX_HTTP_IAM_VAR_PRINCIPAL = 0,
    NGX_HTTP_IAM_VAR_ACCESS_KEY,
    NGX_HTTP_IAM_VAR_ACTION,
    NGX_HTTP_IAM_VAR_RESOURCE,
    NGX_HTTP_IAM_VAR_DECISION,
    NGX_HTTP_IAM_VAR_STATEMENT,
    NGX_HTTP_IAM_VAR_AUTH_ERROR
} ngx_http_iam_var_e;


static ngx_int_t ngx_http_iam_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_iam_statement_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


static ngx_http_variable_t  ngx_http_iam_vars[] = {

    { ngx_string("iam_principal"), NULL, ngx_http_iam_variable,
      NGX_HTTP_IAM_VAR_PRINCIPAL, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("iam_access_key"), NULL, ngx_http_iam_variable,
      NGX_HTTP_IAM_VAR_ACCESS_KEY, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("iam_action"), NULL, ngx_http_iam_variable,
      NGX_HTTP_IAM_VAR_ACTION, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("iam_resource"), NULL, ngx_http_iam_variable,
      NGX_HTTP_IAM_VAR_RESOURCE, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("iam_decision"), NULL, ngx_http_iam_variable,
      NGX_HTTP_IAM_VAR_DECISION, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("iam_statement"), NULL, ngx_http_iam_statement_variable,
      NGX_HTTP_IAM_VAR_STATEMENT, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("iam_auth_error"), NULL, ngx_http_iam_variable,
      NGX_HTTP_IAM_VAR_AUTH_ERROR, NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


ngx_int_t
ngx_http_iam_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_iam_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_iam_variable(ngx_http_request_t *r, ngx_http_variable_value_t *v,
    uintptr_t data)
{
    const char          *s;
    iam_str_t            value;
    ngx_http_iam_ctx_t  *ctx;

    ctx = ngx_http_iam_get_ctx(r);

    if (ctx == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    value.len = 0;
    value.data = NULL;

    switch (data) {

    case NGX_HTTP_IAM_VAR_PRINCIPAL:
        if (ctx->principal) {
            value = ctx->principal->arn;
        }
        break;

    case NGX_HTTP_IAM_VAR_ACCESS_KEY:
        value = ctx->access_key;
        break;

    case NGX_HTTP_IAM_VAR_ACTION:
        value = ctx->action;
        break;

    case NGX_HTTP_IAM_VAR_RESOURCE:
        value = ctx->resource;
        break;

    case NGX_HTTP_IAM_VAR_DECISION:
        if (ctx->evaluated) {
            s = iam_decision_name(ctx->decision);
            value.len = ngx_strlen(s);
            value.data = s;
        }
        break;

    default: /* NGX_HTTP_IAM_VAR_AUTH_ERROR */
        if (ctx->auth_failed) {
            value.len = ctx->error.code.len;
            value.data = (const char *) ctx->error.code.data;
        }
        break;
    }

    if (value.len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->len = value.len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = (u_char *) value.data;

    return NGX_OK;
}


static ngx_int_t
ngx_http_iam_statement_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    size_t               len;
    u_char              *p;
    ngx_http_iam_ctx_t  *ctx;
    u_char               label[256];

    ctx = ngx_http_iam_get_ctx(r);

    if (ctx == NULL || ctx->statement == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    /* formatted only when asked for: most requests log no statement */

    len = iam_statement_label(ctx->statement, (char *) label, sizeof(label));
    len = ngx_min(len, sizeof(label) - 1);

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(p, label, len);

    v->len = len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = p;

    return NGX_OK;
}
