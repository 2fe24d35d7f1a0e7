
/*
 * ngx_iam: the module's directives, configuration and access handler.
 *
 * Everything that can be done once is done here at configuration load: the
 * account file and resource policies are parsed and compiled, iam_action
 * rules become arrays of small structs, ARNs and condition keys become
 * complex values.  The access handler authenticates, maps, builds the
 * condition context, evaluates and enforces, allocating only from r->pool.
 */


#include "ngx_http_iam_module.h"


typedef struct {
    ngx_str_t                   name;
    ngx_uint_t                  method;
} ngx_http_iam_method_t;


static ngx_int_t ngx_http_iam_handler(ngx_http_request_t *r);
static ngx_http_iam_ctx_t *ngx_http_iam_create_ctx(ngx_http_request_t *r,
    ngx_http_iam_loc_conf_t *ilcf);
static void ngx_http_iam_ctx_cleanup(void *data);
static ngx_int_t ngx_http_iam_read_body(ngx_http_request_t *r,
    ngx_http_iam_ctx_t *ctx);
static void ngx_http_iam_body_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_iam_decide(ngx_http_request_t *r,
    ngx_http_iam_main_conf_t *imcf, ngx_http_iam_loc_conf_t *ilcf,
    ngx_http_iam_ctx_t *ctx, ngx_http_iam_mapped_t *mapped);
static ngx_int_t ngx_http_iam_refuse(ngx_http_request_t *r,
    ngx_http_iam_main_conf_t *imcf, ngx_http_iam_loc_conf_t *ilcf,
    ngx_http_iam_ctx_t *ctx);

static ngx_int_t ngx_http_iam_preconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_iam_init(ngx_conf_t *cf);
static void *ngx_http_iam_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_iam_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_iam_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static ngx_int_t ngx_http_iam_init_process(ngx_cycle_t *cycle);
static void ngx_http_iam_exit_process(ngx_cycle_t *cycle);

static char *ngx_http_iam_account(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static void ngx_http_iam_account_cleanup(void *data);
static char *ngx_http_iam_auth(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_iam_sigv4(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_iam_mapping(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_iam_action(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_iam_resource(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_iam_condition_key(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_iam_resource_policy(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static void ngx_http_iam_pool_cleanup(void *data);
static void ngx_http_iam_log_diags(ngx_conf_t *cf, iam_diags_t *diags,
    ngx_uint_t level);


static ngx_command_t  ngx_http_iam_commands[] = {

    { ngx_string("iam_account"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_iam_account,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("iam"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_iam_loc_conf_t, enable),
      NULL },

    { ngx_string("iam_auth"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_iam_auth,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("iam_sigv4"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_iam_sigv4,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("iam_mapping"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_iam_mapping,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("iam_action"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_2MORE,
      ngx_http_iam_action,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("iam_resource"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_iam_resource,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_iam_loc_conf_t, resource),
      NULL },

    { ngx_string("iam_condition_key"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE2,
      ngx_http_iam_condition_key,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("iam_resource_policy"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_iam_resource_policy,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("iam_sts"),
      NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_http_iam_sts,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("iam_sts_key_file"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_iam_sts_key_file,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("iam_oidc_provider"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_2MORE,
      ngx_http_iam_oidc_provider,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("iam_jwt_leeway"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_iam_main_conf_t, jwt_leeway),
      NULL },

    { ngx_string("iam_jwt_max_size"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_iam_main_conf_t, jwt_max_size),
      NULL },

    { ngx_string("iam_jwt_cache"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_iam_main_conf_t, jwt_cache_size),
      NULL },

    { ngx_string("iam_role"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_iam_role,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("iam_role_header"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_iam_loc_conf_t, role_header),
      NULL },

    { ngx_string("iam_jwt_token"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_set_complex_value_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_iam_loc_conf_t, jwt_token),
      NULL },

    { ngx_string("iam_jwt_session_name"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_iam_loc_conf_t, jwt_session_claim),
      NULL },

    { ngx_string("iam_s3_unsigned_payload"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_iam_loc_conf_t, unsigned_payload),
      NULL },

    { ngx_string("iam_upstream_sigv4"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_iam_upstream_sigv4,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("iam_enforce"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_iam_loc_conf_t, enforce),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_iam_module_ctx = {
    ngx_http_iam_preconfiguration,         /* preconfiguration */
    ngx_http_iam_init,                     /* postconfiguration */

    ngx_http_iam_create_main_conf,         /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_iam_create_loc_conf,          /* create location configuration */
    ngx_http_iam_merge_loc_conf            /* merge location configuration */
};


ngx_module_t  ngx_http_iam_module = {
    NGX_MODULE_V1,
    &ngx_http_iam_module_ctx,              /* module context */
    ngx_http_iam_commands,                 /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_iam_init_process,             /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_iam_exit_process,             /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_http_iam_method_t  ngx_http_iam_methods[] = {
    { ngx_string("GET"),     NGX_HTTP_GET },
    { ngx_string("HEAD"),    NGX_HTTP_HEAD },
    { ngx_string("PUT"),     NGX_HTTP_PUT },
    { ngx_string("POST"),    NGX_HTTP_POST },
    { ngx_string("DELETE"),  NGX_HTTP_DELETE },
    { ngx_string("PATCH"),   NGX_HTTP_PATCH },
    { ngx_string("OPTIONS"), NGX_HTTP_OPTIONS },
    { ngx_null_string, 0 }
};


/* the principal of a request that carries no credentials */
static iam_principal_t  ngx_http_iam_anonymous = {
    iam_string("anonymous"), iam_null_string, iam_null_string,
    IAM_PRINCIPAL_KIND_ANONYMOUS
};


static ngx_int_t
ngx_http_iam_handler(ngx_http_request_t *r)
{
    ngx_int_t                  rc;
    ngx_http_iam_ctx_t        *ctx;
    ngx_http_iam_mapped_t      mapped;
    ngx_http_iam_loc_conf_t   *ilcf;
    ngx_http_iam_main_conf_t  *imcf;

    ilcf = ngx_http_get_module_loc_conf(r, ngx_http_iam_module);

    /* an STS endpoint authenticates and decides in its content handler */
    if (!ilcf->enable || ilcf->sts) {
        return NGX_DECLINED;
    }

    imcf = ngx_http_get_module_main_conf(r, ngx_http_iam_module);

    ctx = ngx_http_get_module_ctx(r, ngx_http_iam_module);

    if (ctx == NULL || ctx->conf != ilcf || !ctx->body_pending) {
        ctx = ngx_http_iam_create_ctx(r, ilcf);
        if (ctx == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "iam handler, body read: %d", (int) ctx->body_read);

    /* 1. authenticate */

    if (!ctx->authenticated) {

        rc = NGX_DECLINED;

        /* a bearer token first: SigV4 is declined for it, and "both" */
        if (ilcf->auth & NGX_HTTP_IAM_AUTH_JWT) {
            rc = ngx_http_iam_jwt_authenticate(r, imcf, ilcf, ctx);
        }

        if (rc == NGX_DECLINED && (ilcf->auth & NGX_HTTP_IAM_AUTH_SIGV4)) {
            rc = ngx_http_iam_sigv4_authenticate(r, imcf, ilcf, ctx);
        }

        switch (rc) {

        case NGX_OK:
            break;

        case NGX_AGAIN:
            return ngx_http_iam_read_body(r, ctx);

        case NGX_DECLINED:
            ctx->user = NULL;
            ctx->session = NULL;
            ctx->principal = &ngx_http_iam_anonymous;
            break;

        case NGX_ABORT:
            ctx->auth_failed = 1;
            return ngx_http_iam_refuse(r, imcf, ilcf, ctx);

        default:
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ctx->authenticated = 1;
    }

    /* 2. map */

    rc = ngx_http_iam_map(r, ilcf, ctx, &mapped);

    switch (rc) {

    case NGX_OK:
        break;

    case NGX_AGAIN:
        /* S3 multi-object delete: every key is in the body */
        return ngx_http_iam_read_body(r, ctx);

    case NGX_ABORT:
        ctx->body_pending = 0;
        return ngx_http_iam_refuse(r, imcf, ilcf, ctx);

    default:
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->body_pending = 0;

    /* what the upstream could not verify once re-signed is not evaluated */

    if (ngx_http_iam_upstream_check(r, ilcf, ctx) != NGX_OK) {
        return ngx_http_iam_refuse(r, imcf, ilcf, ctx);
    }

    /* 3. the condition context; the principal's keys last, so they win */

    if (ngx_http_iam_context_connection(r, ilcf, ctx) != NGX_OK
        || ngx_http_iam_map_context(r, ctx, &mapped) != NGX_OK
        || ngx_http_iam_context_keys(r, ilcf, ctx) != NGX_OK
        || ngx_http_iam_context_principal(r, imcf, ctx) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

#if (NGX_DEBUG)
    {
    ngx_uint_t            i, j;
    iam_context_entry_t  *e;

    for (i = 0; i < ctx->context.nentries; i++) {
        e = &ctx->context.entries[i];

        for (j = 0; j < e->nvalues; j++) {
            ngx_log_debug4(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "iam context \"%*s\": \"%*s\"",
                           e->key.len, e->key.data,
                           e->values[j].len, e->values[j].data);
        }
    }
    }
#endif

    /* 4. evaluate */

    rc = ngx_http_iam_decide(r, imcf, ilcf, ctx, &mapped);

    if (rc != NGX_OK) {
        return rc;
    }

    /* 5. enforce */

    if (ctx->decision == IAM_ALLOWED) {
        ngx_log_debug4(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "iam allowed \"%*s\" on \"%*s\"",
                       ctx->action.len, ctx->action.data,
                       ctx->resource.len, ctx->resource.data);
        return NGX_OK;
    }

    if (ctx->user == NULL && ctx->session == NULL
        && ilcf->mapping != NGX_HTTP_IAM_MAPPING_S3)
    {
        /*
         * No credentials, and no resource policy lets anyone in.  S3
         * answers such a request 403 AccessDenied; other AWS APIs answer
         * "Missing Authentication Token", which for a plain HTTP API is
         * what 401 with a WWW-Authenticate challenge says: authenticate
         * (with SigV4) and try again.
         */
        ngx_http_iam_set_error(ctx, NGX_HTTP_UNAUTHORIZED,
                               "MissingAuthenticationToken",
                               "Request is missing Authentication Token",
                               NGX_LOG_INFO,
                               "no credentials were provided");

    } else if (ctx->user == NULL && ctx->session == NULL) {
        ngx_http_iam_set_error(ctx, NGX_HTTP_FORBIDDEN, "AccessDenied",
                               "Access Denied", NGX_LOG_INFO,
                               "no credentials were provided");

    } else {
        ngx_http_iam_set_error(ctx, NGX_HTTP_FORBIDDEN, "AccessDenied",
                               "Access Denied", NGX_LOG_ERR, NULL);
    }

    return ngx_http_iam_refuse(r, imcf, ilcf, ctx);
}


static ngx_int_t
ngx_http_iam_decide(ngx_http_request_t *r, ngx_http_iam_main_conf_t *imcf,
    ngx_http_iam_loc_conf_t *ilcf, ngx_http_iam_ctx_t *ctx,
    ngx_http_iam_mapped_t *mapped)
{
    ngx_uint_t        i;
    iam_result_t      result;
    iam_request_t     req;
    iam_policies_t    policies;

    /*
     * Guardrails apply to anonymous requests too: like AWS's resource
     * control policies, they bound what any resource policy can grant.
     */

    if (ctx->session) {
        /* the role's policies intersected with the session policy */
        iam_session_policies(ctx->session, ilcf->resource_policy, &policies);

    } else {
        iam_account_user_policies(imcf->account, ctx->user,
                                  ilcf->resource_policy, &policies);
    }

    req.principal = ctx->principal;
    req.resource_account = imcf->account->id;
    req.context = &ctx->context;

    ctx->decision = IAM_IMPLICIT_DENY;
    ctx->statement = NULL;

    if (mapped->naccess == 0) {
        ngx_http_iam_set_error(ctx, NGX_HTTP_FORBIDDEN, "AccessDenied",
                               "Access Denied", NGX_LOG_ERR,
                               "no \"iam_action\" maps the method");
        return ngx_http_iam_refuse(r, imcf, ilcf, ctx);
    }

    ctx->evaluated = 1;

    /* allowed only when every pair is: the first refused pair decides */

    for (i = 0; i < mapped->naccess; i++) {
        req.action = mapped->access[i].action;
        req.resource = mapped->access[i].resource;

        if (iam_evaluate(&policies, &req, &result, NULL, NULL) != IAM_OK) {
            ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                          "iam: evaluation of \"%*s\" failed",
                          req.action.len, req.action.data);
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
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

    return NGX_OK;
}


static ngx_int_t
ngx_http_iam_refuse(ngx_http_request_t *r, ngx_http_iam_main_conf_t *imcf,
    ngx_http_iam_loc_conf_t *ilcf, ngx_http_iam_ctx_t *ctx)
{
    u_char      *p;
    size_t       len;
    const char  *dry, *reason;
    u_char       label[256], by[sizeof(label) + 8];

    /* one line per refusal, at the level auth_basic would use */

    dry = ilcf->enforce ? "" : " (dry run: not enforced)";
    reason = ctx->error.reason ? ctx->error.reason : "refused";

    if (!ctx->evaluated) {

        if (ctx->access_key.len) {
            ngx_log_error(ctx->error.level, r->connection->log, 0,
                          "iam: %V: access key \"%*s\": %s%s",
                          &ctx->error.code, ctx->access_key.len,
                          ctx->access_key.data, reason, dry);

        } else {
            ngx_log_error(ctx->error.level, r->connection->log, 0,
                          "iam: %V: %s%s", &ctx->error.code, reason, dry);
        }

        goto enforce;
    }

    p = by;

    if (ctx->statement) {
        len = iam_statement_label(ctx->statement, (char *) label,
                                  sizeof(label));
        len = ngx_min(len, sizeof(label) - 1);

        p = ngx_sprintf(by, " by \"%*s\"", len, label);
    }

    ngx_log_error(ctx->error.level, r->connection->log, 0,
                  "iam: %V: \"%*s\" is not allowed \"%*s\" on \"%*s\": "
                  "%s%*s%s%s%s",
                  &ctx->error.code,
                  ctx->principal->arn.len, ctx->principal->arn.data,
                  ctx->action.len, ctx->action.data,
                  ctx->resource.len, ctx->resource.data,
                  iam_decision_name(ctx->decision), p - by, by,
                  ctx->error.reason ? ", " : "",
                  ctx->error.reason ? ctx->error.reason : "", dry);

enforce:

    if (!ilcf->enforce) {
        return NGX_DECLINED;
    }

    return ngx_http_iam_send_error(r, imcf, ilcf, ctx);
}


static ngx_http_iam_ctx_t *
ngx_http_iam_create_ctx(ngx_http_request_t *r, ngx_http_iam_loc_conf_t *ilcf)
{
    ngx_pool_cleanup_t  *cln;
    ngx_http_iam_ctx_t  *ctx;

    ctx = ngx_palloc(r->pool, offsetof(ngx_http_iam_ctx_t, entries)
                              + ilcf->ncontext * sizeof(iam_context_entry_t));
    if (ctx == NULL) {
        return NULL;
    }

    ngx_memzero(ctx, offsetof(ngx_http_iam_ctx_t, entries));

    ctx->conf = ilcf;
    ctx->decision = IAM_IMPLICIT_DENY;

    iam_context_init(&ctx->context, ctx->entries, ilcf->ncontext);

    /*
     * r->ctx is cleared by an internal redirect (error_page ...); the
     * decision must outlive it for the access log, as realip's address does
     */

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    cln->handler = ngx_http_iam_ctx_cleanup;
    cln->data = ctx;

    ngx_http_set_ctx(r, ctx, ngx_http_iam_module);

    return ctx;
}


ngx_http_iam_ctx_t *
ngx_http_iam_get_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t  *cln;
    ngx_http_iam_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_iam_module);

    if (ctx == NULL && (r->internal || r->filter_finalize)) {

        for (cln = r->pool->cleanup; cln; cln = cln->next) {
            if (cln->handler == ngx_http_iam_ctx_cleanup) {
                ctx = cln->data;
                break;
            }
        }
    }

    return ctx;
}


static void
ngx_http_iam_ctx_cleanup(void *data)
{
    return;
}


/*
 * A step needs the request body (a signed payload, a multi-object delete):
 * read it, then run the access phase again; the handler resumes where it
 * stopped, as ngx_http_mirror_module does.
 */

static ngx_int_t
ngx_http_iam_read_body(ngx_http_request_t *r, ngx_http_iam_ctx_t *ctx)
{
    ngx_int_t  rc;

    if (ctx->body_read) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "iam: the request body was read already");
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->body_pending = 1;

    rc = ngx_http_read_client_request_body(r, ngx_http_iam_body_handler);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    ngx_http_finalize_request(r, NGX_DONE);
    return NGX_DONE;
}


static void
ngx_http_iam_body_handler(ngx_http_request_t *r)
{
    ngx_http_iam_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_iam_module);

    if (ctx) {
        ctx->body_read = 1;
    }

    /* the body is sent on upstream as it was read */
    r->preserve_body = 1;

    r->write_event_handler = ngx_http_core_run_phases;
    ngx_http_core_run_phases(r);
}


static ngx_int_t
ngx_http_iam_preconfiguration(ngx_conf_t *cf)
{
    if (ngx_http_iam_upstream_add_variables(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_iam_add_variables(cf);
}


static ngx_int_t
ngx_http_iam_init(ngx_conf_t *cf)
{
    ngx_str_t                   name;
    ngx_http_handler_pt        *h;
    ngx_http_iam_main_conf_t   *imcf;
    ngx_http_core_main_conf_t  *cmcf;

    imcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_iam_module);

    ngx_http_iam_context_init();

    ngx_str_set(&name, "request_id");

    imcf->request_id_index = ngx_http_get_variable_index(cf, &name);
    if (imcf->request_id_index == NGX_ERROR) {
        return NGX_ERROR;
    }

    if (ngx_http_iam_jwt_init_conf(cf, imcf) != NGX_OK) {
        return NGX_ERROR;
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_iam_handler;

    return ngx_http_iam_body_init_filters(cf);
}


static ngx_int_t
ngx_http_iam_init_process(ngx_cycle_t *cycle)
{
    if (ngx_http_iam_upstream_init_worker(cycle) != NGX_OK
        || ngx_http_iam_sigv4_init_worker(cycle) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_http_iam_jwt_init_worker(cycle);
}


static void
ngx_http_iam_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_iam_sigv4_exit_worker(cycle);
}


static void *
ngx_http_iam_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_iam_main_conf_t  *imcf;

    imcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_iam_main_conf_t));
    if (imcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     imcf->file = { 0, NULL };
     *     imcf->account = NULL;
     *     imcf->max_tags = 0;
     */

    imcf->request_id_index = NGX_ERROR;
    imcf->jwt_leeway = NGX_CONF_UNSET;
    imcf->jwt_max_size = NGX_CONF_UNSET_SIZE;
    imcf->jwt_cache_size = NGX_CONF_UNSET_UINT;

    return imcf;
}


static void *
ngx_http_iam_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_iam_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_iam_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->region = { 0, NULL };
     *     conf->service = { 0, NULL };
     *     conf->ncontext = 0;
     */

    conf->enable = NGX_CONF_UNSET;
    conf->enforce = NGX_CONF_UNSET;
    conf->auth = NGX_CONF_UNSET_UINT;
    conf->skew = NGX_CONF_UNSET;
    conf->mapping = NGX_CONF_UNSET_UINT;
    conf->domains = NGX_CONF_UNSET_PTR;
    conf->actions = NGX_CONF_UNSET_PTR;
    conf->resource = NGX_CONF_UNSET_PTR;
    conf->keys = NGX_CONF_UNSET_PTR;
    conf->resource_policy = NGX_CONF_UNSET_PTR;
    conf->jwt_token = NGX_CONF_UNSET_PTR;
    conf->unsigned_payload = NGX_CONF_UNSET;
    conf->upstream = NGX_CONF_UNSET_PTR;

    return conf;
}


static char *
ngx_http_iam_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_iam_loc_conf_t *prev = parent;
    ngx_http_iam_loc_conf_t *conf = child;

    iam_str_t                  region, service;
    ngx_http_iam_main_conf_t  *imcf;

    ngx_conf_merge_value(conf->enable, prev->enable, 0);
    ngx_conf_merge_value(conf->enforce, prev->enforce, 1);
    ngx_conf_merge_uint_value(conf->auth, prev->auth,
                              NGX_HTTP_IAM_AUTH_SIGV4);

    if (conf->region.data == NULL) {
        conf->region = prev->region;
        conf->service = prev->service;
        conf->skew = prev->skew;
    }

    ngx_conf_merge_str_value(conf->region, prev->region, "us-east-1");
    ngx_conf_merge_value(conf->skew, prev->skew, 15 * 60);

    /*
     * iam_action in a location stands on its own: it is not combined with
     * an iam_mapping s3 inherited from an outer level
     */

    if (conf->mapping == NGX_CONF_UNSET_UINT
        && conf->actions != NGX_CONF_UNSET_PTR)
    {
        conf->mapping = NGX_HTTP_IAM_MAPPING_CUSTOM;
        conf->domains = NULL;
    }

    if (conf->mapping == NGX_CONF_UNSET_UINT) {
        conf->mapping = prev->mapping;
        conf->domains = prev->domains;
    }

    if (conf->mapping == NGX_CONF_UNSET_UINT) {
        conf->mapping = NGX_HTTP_IAM_MAPPING_CUSTOM;
        conf->domains = NULL;
    }

    if (conf->domains == NGX_CONF_UNSET_PTR) {
        conf->domains = NULL;
    }

    ngx_conf_merge_ptr_value(conf->actions, prev->actions, NULL);
    ngx_conf_merge_ptr_value(conf->resource, prev->resource, NULL);
    ngx_conf_merge_ptr_value(conf->keys, prev->keys, NULL);
    ngx_conf_merge_ptr_value(conf->resource_policy, prev->resource_policy,
                             NULL);
    ngx_conf_merge_value(conf->unsigned_payload, prev->unsigned_payload, 1);
    ngx_conf_merge_ptr_value(conf->upstream, prev->upstream, NULL);

    /*
     * only a service given by iam_sigv4 is inherited: the default depends
     * on each location's own mapping
     */
    ngx_conf_merge_str_value(conf->service, prev->service, "");

    service.len = conf->service.len;
    service.data = (const char *) conf->service.data;

    if (conf->sts && service.len == 0) {
        iam_str_set(&service, "sts");
    }

    if (conf->mapping == NGX_HTTP_IAM_MAPPING_S3) {
        if (service.len == 0) {
            iam_str_set(&service, "s3");
        }

        if (conf->actions || conf->resource) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"iam_action\" and \"iam_resource\" cannot "
                               "be combined with \"iam_mapping s3\"");
            return NGX_CONF_ERROR;
        }

    } else if (service.len == 0) {
        /* the service name AWS clients sign custom HTTP APIs with */
        iam_str_set(&service, "execute-api");
    }

    region.len = conf->region.len;
    region.data = (const char *) conf->region.data;

    iam_sigv4_conf_init(&conf->sigv4, region, service);
    conf->sigv4.skew = conf->skew;

    if (conf->sts) {
        imcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_iam_module);

        if (imcf->account == NULL || imcf->sts_keys == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"iam_sts on\" requires \"iam_account\" "
                               "and \"iam_sts_key_file\"");
            return NGX_CONF_ERROR;
        }
    }

    if (conf->enable) {
        imcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_iam_module);

        if (imcf->account == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"iam on\" requires \"iam_account\"");
            return NGX_CONF_ERROR;
        }

        conf->ncontext = NGX_HTTP_IAM_CONNECTION_KEYS
                         + NGX_HTTP_IAM_PRINCIPAL_KEYS + imcf->max_tags
                         + (conf->keys ? conf->keys->nelts : 0);

        if (imcf->sts_keys) {
            conf->ncontext += NGX_HTTP_IAM_STS_CONTEXT_KEYS;
        }

        if (conf->mapping == NGX_HTTP_IAM_MAPPING_S3) {
            conf->ncontext += IAM_S3_MAX_CONDITIONS;
        }
    }

    return ngx_http_iam_jwt_merge(cf, prev, conf);
}


static char *
ngx_http_iam_account(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_iam_main_conf_t *imcf = conf;

    size_t               i, j;
    ngx_str_t           *value;
    iam_diags_t          diags;
    iam_account_t       *account;
    ngx_pool_cleanup_t  *cln;

    if (imcf->account) {
        return "is duplicate";
    }

    value = cf->args->elts;

    imcf->file = value[1];

    if (ngx_conf_full_name(cf->cycle, &imcf->file, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    iam_diags_init(&diags);

    account = iam_account_load((char *) imcf->file.data, &diags);

    if (account == NULL) {

        if (diags.nitems == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "%V: cannot load the account file",
                               &imcf->file);
        }

        ngx_http_iam_log_diags(cf, &diags, NGX_LOG_EMERG);
        iam_diags_free(&diags);

        return NGX_CONF_ERROR;
    }

    /* what is left are warnings */
    ngx_http_iam_log_diags(cf, &diags, NGX_LOG_WARN);
    iam_diags_free(&diags);

    cln->handler = ngx_http_iam_account_cleanup;
    cln->data = account;

    imcf->account = account;

    for (i = 0; i < account->nusers; i++) {
        imcf->max_tags = ngx_max(imcf->max_tags, account->users[i].ntags);
    }

    for (i = 0; i < account->nroles; i++) {
        imcf->max_tags = ngx_max(imcf->max_tags, account->roles[i].ntags);
    }

    /* trusted accounts' users call the STS endpoint with their tags */
    for (i = 0; i < account->ntrusted; i++) {
        for (j = 0; j < account->trusted[i].account->nusers; j++) {
            imcf->max_tags = ngx_max(imcf->max_tags,
                                  account->trusted[i].account->users[j].ntags);
        }
    }

    return NGX_CONF_OK;
}


static void
ngx_http_iam_account_cleanup(void *data)
{
    iam_account_t  *account = data;

    iam_account_free(account);
}


static void
ngx_http_iam_log_diags(ngx_conf_t *cf, iam_diags_t *diags, ngx_uint_t level)
{
    size_t  i, len;
    char    buf[NGX_MAX_CONF_ERRSTR];

    for (i = 0; i < diags->nitems; i++) {
        len = iam_diag_format(&diags->items[i], buf, sizeof(buf));
        len = ngx_min(len, sizeof(buf) - 1);

        ngx_conf_log_error(level, cf, 0, "%*s", len, buf);
    }
}


static char *
ngx_http_iam_auth(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_iam_loc_conf_t *ilcf = conf;

    ngx_str_t   *value;
    ngx_uint_t   i;

    if (ilcf->auth != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    ilcf->auth = 0;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strcmp(value[i].data, "sigv4") == 0) {
            ilcf->auth |= NGX_HTTP_IAM_AUTH_SIGV4;
            continue;
        }

        if (ngx_strcmp(value[i].data, "jwt") == 0) {
            ilcf->auth |= NGX_HTTP_IAM_AUTH_JWT;
            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid authenticator \"%V\", "
                           "it must be \"sigv4\" or \"jwt\"", &value[i]);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_iam_sigv4(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_iam_loc_conf_t *ilcf = conf;

    ngx_str_t   *value, s;
    ngx_uint_t   i;

    if (ilcf->region.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "region=", 7) == 0) {
            ilcf->region.len = value[i].len - 7;
            ilcf->region.data = value[i].data + 7;

            if (ilcf->region.len == 0) {
                goto invalid;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "service=", 8) == 0) {
            ilcf->service.len = value[i].len - 8;
            ilcf->service.data = value[i].data + 8;

            if (ilcf->service.len == 0) {
                goto invalid;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "skew=", 5) == 0) {
            s.len = value[i].len - 5;
            s.data = value[i].data + 5;

            ilcf->skew = ngx_parse_time(&s, 1);

            /* AWS's own window is 15 minutes; a week is X-Amz-Expires' */
            if (ilcf->skew == (time_t) NGX_ERROR || ilcf->skew < 1
                || ilcf->skew > 7 * 24 * 60 * 60)
            {
                goto invalid;
            }

            continue;
        }

        goto invalid;
    }

    if (ilcf->region.data == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"iam_sigv4\" requires \"region=\"");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\"", &value[i]);

    return NGX_CONF_ERROR;
}


static char *
ngx_http_iam_mapping(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_iam_loc_conf_t *ilcf = conf;

    ngx_str_t   *value, s;
    iam_str_t   *domain;
    ngx_uint_t   i;

    if (ilcf->mapping != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "s3") != 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid mapping \"%V\", it must be \"s3\"",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    ilcf->mapping = NGX_HTTP_IAM_MAPPING_S3;
    ilcf->domains = NULL;

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "virtual_host_base=", 18) != 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        s.len = value[i].len - 18;
        s.data = value[i].data + 18;

        if (s.len == 0 || s.data[0] == '.' || s.data[s.len - 1] == '.') {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid domain in \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        if (ilcf->domains == NULL) {
            ilcf->domains = ngx_array_create(cf->pool, 2, sizeof(iam_str_t));
            if (ilcf->domains == NULL) {
                return NGX_CONF_ERROR;
            }
        }

        domain = ngx_array_push(ilcf->domains);
        if (domain == NULL) {
            return NGX_CONF_ERROR;
        }

        /* host names compare ignoring case: lowercase once here */
        ngx_strlow(s.data, s.data, s.len);

        domain->len = s.len;
        domain->data = (const char *) s.data;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_iam_action(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_iam_loc_conf_t *ilcf = conf;

    u_char                 *colon;
    ngx_str_t              *value, *action;
    ngx_uint_t              i, j, methods, mask, any;
    ngx_http_iam_action_t  *a;
    ngx_http_iam_method_t  *m;

    value = cf->args->elts;
    action = &value[cf->args->nelts - 1];

    /* "service:Action", no wildcards: it names one action of a request */

    colon = ngx_strlchr(action->data, action->data + action->len, ':');

    if (colon == NULL || colon == action->data
        || colon == action->data + action->len - 1
        || ngx_strlchr(action->data, action->data + action->len, '*')
        || ngx_strlchr(action->data, action->data + action->len, '?'))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid action \"%V\", it must be "
                           "\"service:ActionName\"", action);
        return NGX_CONF_ERROR;
    }

    /* "any" is the rule for methods that have none of their own */

    methods = 0;
    any = 0;

    for (i = 1; i < cf->args->nelts - 1; i++) {

        if (ngx_strcmp(value[i].data, "any") == 0) {
            any = 1;
            continue;
        }

        for (m = ngx_http_iam_methods; m->name.len; m++) {
            if (value[i].len == m->name.len
                && ngx_strcasecmp(value[i].data, m->name.data) == 0)
            {
                break;
            }
        }

        if (m->name.len == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid method \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        methods |= m->method;
    }

    if (any && methods) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"any\" cannot be combined with methods");
        return NGX_CONF_ERROR;
    }

    if (ilcf->actions == NGX_CONF_UNSET_PTR) {
        ilcf->actions = ngx_array_create(cf->pool, 4,
                                         sizeof(ngx_http_iam_action_t));
        if (ilcf->actions == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    a = ilcf->actions->elts;

    for (j = 0; j < ilcf->actions->nelts; j++) {

        if (any && a[j].methods == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"any\" is already mapped to \"%*s\"",
                               a[j].action.len, a[j].action.data);
            return NGX_CONF_ERROR;
        }

        mask = a[j].methods & methods;

        if (mask == 0) {
            continue;
        }

        for (m = ngx_http_iam_methods; m->name.len; m++) {
            if (m->method & mask) {
                break;
            }
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "method \"%V\" is already mapped to \"%*s\"",
                           &m->name, a[j].action.len, a[j].action.data);
        return NGX_CONF_ERROR;
    }

    a = ngx_array_push(ilcf->actions);
    if (a == NULL) {
        return NGX_CONF_ERROR;
    }

    a->methods = methods;
    a->action.len = action->len;
    a->action.data = (const char *) action->data;

    return NGX_CONF_OK;
}


static char *
ngx_http_iam_resource(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_str_t  *value;

    value = cf->args->elts;

    if (ngx_http_script_variables_count(&value[1]) == 0
        && !(value[1].len == 1 && value[1].data[0] == '*')
        && ngx_strncmp(value[1].data, "arn:", 4) != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid resource \"%V\", it must be an ARN",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    return ngx_http_set_complex_value_slot(cf, cmd, conf);
}


static char *
ngx_http_iam_condition_key(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_iam_loc_conf_t *ilcf = conf;

    ngx_str_t                         *value;
    ngx_uint_t                         i;
    ngx_http_iam_condition_key_t      *key;
    ngx_http_compile_complex_value_t   ccv;

    value = cf->args->elts;

    if (ngx_http_iam_context_key_valid(&value[1]) != NGX_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid condition key \"%V\": it must be "
                           "\"prefix:Name\" and not name the principal",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    if (ilcf->keys == NGX_CONF_UNSET_PTR) {
        ilcf->keys = ngx_array_create(cf->pool, 2,
                                      sizeof(ngx_http_iam_condition_key_t));
        if (ilcf->keys == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    key = ilcf->keys->elts;

    for (i = 0; i < ilcf->keys->nelts; i++) {
        if (key[i].key.name.len == value[1].len
            && ngx_strncasecmp((u_char *) key[i].key.name.data, value[1].data,
                               value[1].len) == 0)
        {
            return "is duplicate";
        }
    }

    key = ngx_array_push(ilcf->keys);
    if (key == NULL) {
        return NGX_CONF_ERROR;
    }

    key->key.name.len = value[1].len;
    key->key.name.data = (const char *) value[1].data;
    key->key.hash = iam_hash_icase(key->key.name.data, key->key.name.len);

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[2];
    ccv.complex_value = &key->value;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_iam_resource_policy(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_iam_loc_conf_t *ilcf = conf;

    ngx_str_t           *value, file;
    iam_pool_t          *pool;
    iam_diags_t          diags;
    iam_policy_t        *policy;
    ngx_pool_cleanup_t  *cln;

    if (ilcf->resource_policy != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;
    file = value[1];

    if (ngx_conf_full_name(cf->cycle, &file, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    pool = iam_pool_create();
    if (pool == NULL) {
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_iam_pool_cleanup;
    cln->data = pool;

    iam_diags_init(&diags);

    policy = iam_policy_load_file(pool, (char *) file.data,
                                  IAM_POLICY_RESOURCE, &diags);

    if (policy == NULL) {

        if (diags.nitems == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "%V: cannot load the policy", &file);
        }

        ngx_http_iam_log_diags(cf, &diags, NGX_LOG_EMERG);
        iam_diags_free(&diags);

        return NGX_CONF_ERROR;
    }

    ngx_http_iam_log_diags(cf, &diags, NGX_LOG_WARN);
    iam_diags_free(&diags);

    ilcf->resource_policy = policy;

    return NGX_CONF_OK;
}


static void
ngx_http_iam_pool_cleanup(void *data)
{
    iam_pool_t  *pool = data;

    iam_pool_destroy(pool);
}
