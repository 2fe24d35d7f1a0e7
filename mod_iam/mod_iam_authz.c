
/*
 * mod_iam: "Require iam", an authorization provider.
 *
 * The request becomes the (action, resource) pairs IAM must allow ("IAMMapping
 * s3": the engine's S3 REST mapping; otherwise IAMAction and IAMResource),
 * the condition context is built, and the principal's compiled policies,
 * the section's resource policy and the guardrails decide.  The provider
 * answers httpd's authz_core, so <RequireAll>/<RequireAny> combine it with
 * other providers; a refusal it gives is sent by mod_iam_error.c.
 */


#include "mod_iam.h"
#include <mod_auth.h>


static authz_status mod_iam_authz_check(request_rec *r,
    const char *require_args, const void *parsed);
static const char *mod_iam_authz_parse(cmd_parms *cmd,
    const char *require_line, const void **parsed);
static int mod_iam_map(request_rec *r, mod_iam_ctx_t *ctx,
    mod_iam_access_t **access, size_t *naccess, iam_s3_result_t **s3);
static int mod_iam_map_custom(request_rec *r, mod_iam_ctx_t *ctx,
    mod_iam_access_t **access, size_t *naccess);
static int mod_iam_map_s3(request_rec *r, mod_iam_ctx_t *ctx,
    mod_iam_access_t **access, size_t *naccess, iam_s3_result_t **s3);
static int mod_iam_evaluate(request_rec *r, mod_iam_ctx_t *ctx,
    mod_iam_access_t *access, size_t naccess);


static const authz_provider  mod_iam_authz_provider = {
    &mod_iam_authz_check,
    &mod_iam_authz_parse
};


static const iam_str_t  mod_iam_any_resource = iam_string("*");


void
mod_iam_register_authz(apr_pool_t *p)
{
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "iam",
                              AUTHZ_PROVIDER_VERSION,
                              &mod_iam_authz_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
}


static const char *
mod_iam_authz_parse(cmd_parms *cmd, const char *require_line,
    const void **parsed)
{
    if (require_line && *require_line) {
        return "\"Require iam\" takes no arguments: the policies decide";
    }

    return NULL;
}


static authz_status
mod_iam_authz_check(request_rec *r, const char *require_args,
    const void *parsed)
{
    mod_iam_ctx_t  *ctx;

    if (r->user == NULL) {
        /* authz_core asks first without a user: authenticate first */
        return AUTHZ_DENIED_NO_USER;
    }

    ctx = mod_iam_get_ctx(r, 0);

    if (ctx == NULL || !ctx->authenticated) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "iam: \"Require iam\" requires \"AuthType IAM\"");
        return AUTHZ_GENERAL_ERROR;
    }

    if (!ctx->decided && mod_iam_decide(r, ctx) != OK) {
        return AUTHZ_GENERAL_ERROR;
    }

    if (ctx->decision == IAM_ALLOWED && ctx->error.code == NULL) {
        return AUTHZ_GRANTED;
    }

    return AUTHZ_DENIED;
}


int
mod_iam_decide(request_rec *r, mod_iam_ctx_t *ctx)
{
    int                  rc;
    size_t               naccess;
    iam_s3_result_t     *s3;
    mod_iam_access_t    *access;

    ctx->decided = 1;

    /* 2. map */

    rc = mod_iam_map(r, ctx, &access, &naccess, &s3);

    if (rc == HTTP_FORBIDDEN) {
        goto refused;
    }

    if (rc != OK) {
        return rc;
    }

    if (naccess == 0) {
        mod_iam_set_error(ctx, HTTP_FORBIDDEN, "AccessDenied",
                          "Access Denied", APLOG_ERR,
                          "no \"IAMAction\" maps the method");
        goto refused;
    }

    /* 3. the condition context; the principal's keys last, so they win */

    if (mod_iam_context_build(r, ctx, s3) != OK) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    /* 4. evaluate */

    if (mod_iam_evaluate(r, ctx, access, naccess) != OK) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx->decision == IAM_ALLOWED) {
        mod_iam_set_notes(r, ctx);

        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "iam: allowed \"%.*s\" on \"%.*s\"",
                      (int) ctx->action.len, ctx->action.data,
                      (int) ctx->resource.len, ctx->resource.data);
        return OK;
    }

    if (ctx->user == NULL && ctx->mapping != MOD_IAM_MAPPING_S3) {
        /*
         * No credentials, and no resource policy lets anyone in.  S3
         * answers such a request 403 AccessDenied; other AWS APIs answer
         * "Missing Authentication Token", which for a plain HTTP API is
         * what 401 with a WWW-Authenticate challenge says.
         */
        mod_iam_set_error(ctx, HTTP_UNAUTHORIZED,
                          "MissingAuthenticationToken",
                          "Request is missing Authentication Token",
                          APLOG_INFO, "no credentials were provided");

    } else if (ctx->user == NULL) {
        mod_iam_set_error(ctx, HTTP_FORBIDDEN, "AccessDenied",
                          "Access Denied", APLOG_INFO,
                          "no credentials were provided");

    } else {
        mod_iam_set_error(ctx, HTTP_FORBIDDEN, "AccessDenied",
                          "Access Denied", APLOG_ERR, NULL);
    }

refused:

    mod_iam_log_refusal(r, ctx);
    mod_iam_set_notes(r, ctx);

    return OK;
}


static int
mod_iam_evaluate(request_rec *r, mod_iam_ctx_t *ctx,
    mod_iam_access_t *access, size_t naccess)
{
    size_t                  i;
    iam_result_t            result;
    iam_request_t           req;
    iam_policies_t          policies;
    mod_iam_server_conf_t  *scf;

    scf = ap_get_module_config(r->server->module_config, &iam_module);

    /*
     * Guardrails apply to anonymous requests too: like AWS's resource
     * control policies, they bound what any resource policy can grant.
     */

    iam_account_user_policies(scf->account, ctx->user,
                              ctx->conf->resource_policy, &policies);

    memset(&req, 0, sizeof(iam_request_t));

    req.principal = ctx->principal;
    req.resource_account = scf->account->id;
    req.context = &ctx->context;

    ctx->decision = IAM_IMPLICIT_DENY;
    ctx->statement = NULL;
    ctx->evaluated = 1;

    /* allowed only when every pair is: the first refused pair decides */

    for (i = 0; i < naccess; i++) {
        req.action = access[i].action;
        req.resource = access[i].resource;

        if (iam_evaluate(&policies, &req, &result, NULL, NULL) != IAM_OK) {
            ap_log_rerror(APLOG_MARK, APLOG_CRIT, 0, r,
                          "iam: evaluation of \"%.*s\" failed",
                          (int) req.action.len, req.action.data);
            return HTTP_INTERNAL_SERVER_ERROR;
        }

        if (i == 0 || result.decision != IAM_ALLOWED) {
            ctx->action = req.action;
            ctx->resource = req.resource;
            ctx->decision = result.decision;
            ctx->statement = result.statement;
        }

        if (result.decision != IAM_ALLOWED) {
            break;
        }
    }

    return OK;
}


/* OK with the pairs; HTTP_FORBIDDEN: refused, ctx->error says why */

static int
mod_iam_map(request_rec *r, mod_iam_ctx_t *ctx, mod_iam_access_t **access,
    size_t *naccess, iam_s3_result_t **s3)
{
    *access = NULL;
    *naccess = 0;
    *s3 = NULL;

    if (ctx->mapping == MOD_IAM_MAPPING_S3) {
        return mod_iam_map_s3(r, ctx, access, naccess, s3);
    }

    return mod_iam_map_custom(r, ctx, access, naccess);
}


static int
mod_iam_map_custom(request_rec *r, mod_iam_ctx_t *ctx,
    mod_iam_access_t **access, size_t *naccess)
{
    int                  i;
    unsigned             method;
    const char          *resource, *err;
    mod_iam_action_t    *a, *found, *get, *any;
    mod_iam_access_t    *pair;
    mod_iam_dir_conf_t  *conf;

    conf = ctx->conf;

    if (conf->actions == NULL) {
        return OK;
    }

    /* the method's own rule; HEAD falls back to GET's, then "any" */

    method = mod_iam_method_bit(r->method);

    a = (mod_iam_action_t *) conf->actions->elts;
    found = NULL;
    get = NULL;
    any = NULL;

    for (i = 0; i < conf->actions->nelts; i++) {

        if (a[i].methods & method) {
            found = &a[i];
            break;
        }

        if (a[i].methods & MOD_IAM_GET) {
            get = &a[i];
        }

        if (a[i].methods == 0) {
            any = &a[i];
        }
    }

    if (found == NULL && method == MOD_IAM_HEAD) {
        found = get;
    }

    if (found == NULL) {
        found = any;
    }

    if (found == NULL) {
        return OK;
    }

    pair = apr_palloc(r->pool, sizeof(mod_iam_access_t));

    pair->action = found->action;

    if (conf->resource) {
        err = NULL;
        resource = ap_expr_str_exec(r, conf->resource, &err);

        if (err) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                          "iam: \"IAMResource\": %s", err);
            return HTTP_INTERNAL_SERVER_ERROR;
        }

        /* an ARN made of variables that are all empty names nothing */

        if (resource == NULL || resource[0] == '\0') {
            mod_iam_set_error(ctx, HTTP_FORBIDDEN, "AccessDenied",
                              "Access Denied", APLOG_ERR,
                              "\"IAMResource\" is empty");
            return HTTP_FORBIDDEN;
        }

        pair->resource.data = resource;
        pair->resource.len = strlen(resource);

    } else {
        pair->resource = mod_iam_any_resource;
    }

    *access = pair;
    *naccess = 1;

    return OK;
}


static int
mod_iam_map_s3(request_rec *r, mod_iam_ctx_t *ctx, mod_iam_access_t **access,
    size_t *naccess, iam_s3_result_t **s3)
{
    int                        i, n, rc;
    char                      *q;
    size_t                     j;
    iam_s3_error_e             err;
    iam_s3_header_t           *hdr;
    iam_s3_result_t           *res;
    iam_s3_request_t           req;
    mod_iam_access_t          *pairs;
    const char                *host;
    const apr_array_header_t  *arr;
    const apr_table_entry_t   *e;

    memset(&req, 0, sizeof(iam_s3_request_t));

    req.method.data = r->method;
    req.method.len = strlen(r->method);

    req.path.data = r->unparsed_uri;
    q = strchr(r->unparsed_uri, '?');

    if (q) {
        req.path.len = q - r->unparsed_uri;
        req.query.data = q + 1;
        req.query.len = strlen(q + 1);

    } else {
        req.path.len = strlen(r->unparsed_uri);
    }

    host = apr_table_get(r->headers_in, "Host");

    if (host) {
        req.host.data = host;
        req.host.len = strlen(host);
    }

    if (ctx->conf->domains) {
        req.domains = (const iam_str_t *) ctx->conf->domains->elts;
        req.ndomains = ctx->conf->domains->nelts;
    }

    /* the mapping reads Content-Type and the x-amz-* headers only */

    arr = apr_table_elts(r->headers_in);
    e = (const apr_table_entry_t *) arr->elts;

    hdr = apr_palloc(r->pool, (arr->nelts ? arr->nelts : 1)
                              * sizeof(iam_s3_header_t));
    n = 0;

    for (i = 0; i < arr->nelts; i++) {
        if (strncasecmp(e[i].key, "x-amz-", 6) != 0
            && strcasecmp(e[i].key, "Content-Type") != 0)
        {
            continue;
        }

        hdr[n].name.data = e[i].key;
        hdr[n].name.len = strlen(e[i].key);
        hdr[n].value.data = e[i].val;
        hdr[n].value.len = strlen(e[i].val);
        n++;
    }

    req.headers = hdr;
    req.nheaders = n;

    if (iam_s3_needs_body(&req)) {
        /* a multi-object delete: every key is in the body */

        rc = mod_iam_read_body(r, ctx, MOD_IAM_MAX_BODY);

        if (rc == HTTP_REQUEST_ENTITY_TOO_LARGE) {
            err = IAM_S3_ERR_MALFORMED_XML;
            mod_iam_set_error(ctx, iam_s3_error_status(err),
                              iam_s3_error_code(err),
                              iam_s3_error_message(err), APLOG_INFO,
                              "the delete request body is too large");
            return HTTP_FORBIDDEN;
        }

        if (rc != OK) {
            return rc;
        }

        req.body.data = ctx->body;
        req.body.len = ctx->body_len;
    }

    res = apr_pcalloc(r->pool, sizeof(iam_s3_result_t));

    res->access_max = iam_s3_access_max(&req);
    res->access = apr_palloc(r->pool,
                             res->access_max * sizeof(iam_s3_access_t));

    res->conditions_max = IAM_S3_MAX_CONDITIONS;
    res->conditions = apr_palloc(r->pool, IAM_S3_MAX_CONDITIONS
                                          * sizeof(iam_s3_condition_t));

    res->scratch_size = iam_s3_scratch_size(&req);
    res->scratch = apr_palloc(r->pool, res->scratch_size);

    if (iam_s3_map(&req, res) != IAM_OK) {
        mod_iam_set_error(ctx, iam_s3_error_status(res->error),
                          iam_s3_error_code(res->error),
                          iam_s3_error_message(res->error),
                          res->error == IAM_S3_ERR_INTERNAL
                          ? APLOG_CRIT : APLOG_INFO,
                          res->reason);
        return HTTP_FORBIDDEN;
    }

    pairs = apr_palloc(r->pool, res->naccess * sizeof(mod_iam_access_t));

    for (j = 0; j < res->naccess; j++) {
        pairs[j].action = res->access[j].action;
        pairs[j].resource = res->access[j].resource;
    }

    *access = pairs;
    *naccess = res->naccess;
    *s3 = res;

    return OK;
}
