
/*
 * ngx_iam: temporary credentials.  An "iam_sts on" location is an STS Query
 * API endpoint (AssumeRole, GetSessionToken, GetCallerIdentity, form-encoded
 * POST or GET, XML answers shaped as AWS STS shapes them); every SigV4
 * location accepts the credentials it issues: the session token is opened
 * with the keys of "iam_sts_key_file" and says who the caller is.
 */


#include "ngx_http_iam_module.h"
#include <openssl/crypto.h>
#include <iam/iam_totp.h>
#include <iam/iam_json.h>


#define NGX_HTTP_IAM_STS_XMLNS       "https://sts.amazonaws.com/doc/2011-06-15/"
#define NGX_HTTP_IAM_STS_MAX_BODY    (64 * 1024)
#define NGX_HTTP_IAM_STS_MAX_PARAMS  256
#define NGX_HTTP_IAM_STS_MAX_POLICY  2048
/* TOTP steps used, per device: one code is good once */
#define NGX_HTTP_IAM_STS_MFA_SLOTS   4096
#define NGX_HTTP_IAM_STS_MFA_ZONE    (256 * 1024)
/* compiled session policies kept per worker */
#define NGX_HTTP_IAM_STS_POLICY_CACHE  64
/* STS's own keys on top of the caller's: sts:*, MFA, request tags */
#define NGX_HTTP_IAM_STS_EXTRA_KEYS  (8 + IAM_SESSION_MAX_TAGS)


typedef struct {
    ngx_str_t                   name;
    ngx_str_t                   value;
} ngx_http_iam_sts_param_t;

typedef struct {
    ngx_http_iam_main_conf_t   *imcf;
    ngx_http_iam_loc_conf_t    *ilcf;
    ngx_http_iam_ctx_t         *ctx;
    ngx_array_t                 params;
    time_t                      now;
} ngx_http_iam_sts_req_t;

typedef ngx_int_t (*ngx_http_iam_sts_action_pt)(ngx_http_request_t *r,
    ngx_http_iam_sts_req_t *sr);

typedef struct {
    ngx_str_t                   name;
    ngx_http_iam_sts_action_pt  handler;
} ngx_http_iam_sts_action_t;

typedef struct {
    uint32_t                    hash;
    size_t                      len;
    u_char                     *text;
    iam_pool_t                 *pool;
    const iam_policy_set_t     *set;            /* NULL: free */
    ngx_uint_t                  refs;           /* requests using it */
} ngx_http_iam_sts_policy_t;

typedef struct {
    uint64_t                    device;         /* 0: free */
    uint64_t                    step;
} ngx_http_iam_sts_mfa_slot_t;


static ngx_int_t ngx_http_iam_sts_handler(ngx_http_request_t *r);
static void ngx_http_iam_sts_body_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_iam_sts_process(ngx_http_request_t *r);
static ngx_http_iam_ctx_t *ngx_http_iam_sts_create_ctx(ngx_http_request_t *r,
    ngx_http_iam_main_conf_t *imcf, ngx_http_iam_loc_conf_t *ilcf);
static ngx_int_t ngx_http_iam_sts_read_body(ngx_http_request_t *r,
    ngx_str_t *body);
static ngx_int_t ngx_http_iam_sts_parse(ngx_http_request_t *r,
    ngx_array_t *params, u_char *p, u_char *end);
static ngx_str_t *ngx_http_iam_sts_param(ngx_http_iam_sts_req_t *sr,
    const char *name);
static ngx_int_t ngx_http_iam_sts_assume_role(ngx_http_request_t *r,
    ngx_http_iam_sts_req_t *sr);
static ngx_int_t ngx_http_iam_sts_get_session_token(ngx_http_request_t *r,
    ngx_http_iam_sts_req_t *sr);
static ngx_int_t ngx_http_iam_sts_get_caller_identity(ngx_http_request_t *r,
    ngx_http_iam_sts_req_t *sr);
static ngx_int_t ngx_http_iam_sts_caller(ngx_http_request_t *r,
    ngx_http_iam_sts_req_t *sr, iam_policies_t *policies);
static ngx_int_t ngx_http_iam_sts_duration(ngx_http_iam_sts_req_t *sr,
    ngx_int_t def, ngx_int_t min, ngx_int_t max, ngx_int_t *duration);
static ngx_int_t ngx_http_iam_sts_mfa(ngx_http_request_t *r,
    ngx_http_iam_sts_req_t *sr, time_t *mfa_time);
static ngx_int_t ngx_http_iam_sts_mfa_use(ngx_http_iam_main_conf_t *imcf,
    ngx_str_t *serial, uint64_t step);
static ngx_int_t ngx_http_iam_sts_mfa_init(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_int_t ngx_http_iam_sts_policy(ngx_http_request_t *r,
    ngx_http_iam_sts_req_t *sr, iam_str_t *compact);
static const iam_policy_set_t *ngx_http_iam_sts_compile(ngx_http_request_t *r,
    iam_str_t text, iam_diags_t *diags);
static void ngx_http_iam_sts_policy_release(void *data);
static void ngx_http_iam_sts_pool_cleanup(void *data);
static ngx_int_t ngx_http_iam_sts_issue(ngx_http_request_t *r,
    ngx_http_iam_sts_req_t *sr, iam_sts_session_t *s, ngx_str_t *xml);
static ngx_int_t ngx_http_iam_sts_escape(ngx_http_request_t *r, u_char *data,
    size_t len, ngx_str_t *out);
static void ngx_http_iam_sts_time(time_t t, u_char *buf);
static void ngx_http_iam_sts_token_error(ngx_http_iam_loc_conf_t *ilcf,
    ngx_http_iam_ctx_t *ctx, iam_sts_err_e err, const char *reason);
static void ngx_http_iam_sts_fail(ngx_http_iam_sts_req_t *sr,
    ngx_uint_t status, const char *code, const char *message,
    ngx_uint_t level, const char *reason);
static ngx_int_t ngx_http_iam_sts_error(ngx_http_request_t *r,
    ngx_http_iam_sts_req_t *sr);
static ngx_int_t ngx_http_iam_sts_send(ngx_http_request_t *r,
    ngx_http_iam_sts_req_t *sr, ngx_uint_t status, const char *action,
    ngx_str_t *result);
static void *ngx_http_iam_sts_alloc(void *data, size_t size);
static void ngx_http_iam_sts_keys_cleanup(void *data);


static ngx_http_iam_sts_action_t  ngx_http_iam_sts_actions[] = {
    { ngx_string("AssumeRole"), ngx_http_iam_sts_assume_role },
    { ngx_string("GetSessionToken"), ngx_http_iam_sts_get_session_token },
    { ngx_string("GetCallerIdentity"),
      ngx_http_iam_sts_get_caller_identity },
    { ngx_null_string, NULL }
};


static ngx_http_iam_sts_policy_t
    ngx_http_iam_sts_policies[NGX_HTTP_IAM_STS_POLICY_CACHE];


static const char  ngx_http_iam_sts_mfa_invalid[] =
    "MultiFactorAuthentication failed with invalid MFA one time pass code. ";


/* directives */

char *
ngx_http_iam_sts(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_iam_loc_conf_t *ilcf = conf;

    ngx_str_t                 *value;
    ngx_http_core_loc_conf_t  *clcf;

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "on") == 0) {
        ilcf->sts = 1;
        clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
        clcf->handler = ngx_http_iam_sts_handler;
        return NGX_CONF_OK;
    }

    if (ngx_strcmp(value[1].data, "off") == 0) {
        ilcf->sts = 0;
        return NGX_CONF_OK;
    }

    return "takes \"on\" or \"off\"";
}


char *
ngx_http_iam_sts_key_file(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_iam_main_conf_t *imcf = conf;

    char                 buf[NGX_MAX_CONF_ERRSTR];
    size_t               i, len;
    ngx_str_t            file, *value, name;
    iam_diags_t          diags;
    ngx_pool_cleanup_t  *cln;

    if (imcf->sts_keys) {
        return "is duplicate";
    }

    value = cf->args->elts;
    file = value[1];

    if (ngx_conf_full_name(cf->cycle, &file, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    imcf->sts_keys = ngx_pcalloc(cf->pool, sizeof(iam_sts_keyring_t));
    cln = ngx_pool_cleanup_add(cf->pool, 0);

    if (imcf->sts_keys == NULL || cln == NULL) {
        return NGX_CONF_ERROR;
    }

    /* the keys are wiped when the configuration goes */
    cln->handler = ngx_http_iam_sts_keys_cleanup;
    cln->data = imcf->sts_keys;

    iam_diags_init(&diags);

    if (iam_sts_keyring_load(imcf->sts_keys, (char *) file.data, &diags)
        != IAM_OK)
    {
        for (i = 0; i < diags.nitems; i++) {
            len = iam_diag_format(&diags.items[i], buf, sizeof(buf));
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%*s",
                               ngx_min(len, sizeof(buf) - 1), buf);
        }

        iam_diags_free(&diags);
        return NGX_CONF_ERROR;
    }

    iam_diags_free(&diags);

    ngx_str_set(&name, "iam_sts_mfa");

    imcf->sts_mfa_zone = ngx_shared_memory_add(cf, &name,
                                               NGX_HTTP_IAM_STS_MFA_ZONE,
                                               &ngx_http_iam_module);
    if (imcf->sts_mfa_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    imcf->sts_mfa_zone->init = ngx_http_iam_sts_mfa_init;

    return NGX_CONF_OK;
}


static void
ngx_http_iam_sts_keys_cleanup(void *data)
{
    iam_sts_keyring_wipe(data);
}


static ngx_int_t
ngx_http_iam_sts_mfa_init(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_slab_pool_t  *shpool;

    if (data) {
        /* a reload keeps the steps used so far */
        shm_zone->data = data;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    shm_zone->data = ngx_slab_calloc(shpool,
                                     NGX_HTTP_IAM_STS_MFA_SLOTS
                                     * sizeof(ngx_http_iam_sts_mfa_slot_t));
    if (shm_zone->data == NULL) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* SigV4 with a session token, from ngx_http_iam_sigv4_authenticate() */

ngx_int_t
ngx_http_iam_sts_credentials(ngx_http_request_t *r,
    ngx_http_iam_main_conf_t *imcf, ngx_http_iam_loc_conf_t *ilcf,
    ngx_http_iam_ctx_t *ctx, iam_str_t token, iam_str_t access_key,
    iam_str_t *secret)
{
    size_t                  i;
    iam_str_t              *keys, *values;
    u_char                 *buf;
    const char             *err;
    iam_diags_t             diags;
    iam_sts_err_e           rc;
    iam_session_t          *session;
    iam_sts_session_t      *s;
    const iam_role_t       *role;
    const iam_user_t       *user;
    iam_session_params_t    params;
    iam_sts_credentials_t  *creds;

    if (imcf->sts_keys == NULL) {
        ngx_http_iam_sts_token_error(ilcf, ctx, IAM_STS_ERR_UNKNOWN_KEY,
                                     "a session token, but no "
                                     "\"iam_sts_key_file\"");
        return NGX_ABORT;
    }

    buf = ngx_pnalloc(r->pool, IAM_STS_OPEN_BUF);
    s = ngx_palloc(r->pool, sizeof(iam_sts_session_t));
    creds = ngx_palloc(r->pool, sizeof(iam_sts_credentials_t));

    if (buf == NULL || s == NULL || creds == NULL) {
        return NGX_ERROR;
    }

    rc = iam_sts_token_open(imcf->sts_keys, token, ngx_time(), buf,
                            IAM_STS_OPEN_BUF, s, creds);

    if (rc != IAM_STS_OK) {
        ngx_http_iam_sts_token_error(ilcf, ctx, rc, NULL);
        return rc == IAM_STS_ERR_INTERNAL ? NGX_ERROR : NGX_ABORT;
    }

    if (access_key.len != IAM_STS_AKID_LEN
        || CRYPTO_memcmp(access_key.data, creds->access_key_id,
                         IAM_STS_AKID_LEN) != 0)
    {
        if (ilcf->sigv4.s3) {
            ngx_http_iam_set_error(ctx, NGX_HTTP_FORBIDDEN,
                iam_sigv4_error_code(IAM_SIGV4_ERR_INVALID_ACCESS_KEY),
                iam_sigv4_error_message(IAM_SIGV4_ERR_INVALID_ACCESS_KEY),
                NGX_LOG_ERR, "the access key id is not the token's");

        } else {
            ngx_http_iam_set_error(ctx, NGX_HTTP_FORBIDDEN,
                                   "InvalidClientTokenId",
                                   "The security token included in the "
                                   "request is invalid.",
                                   NGX_LOG_ERR,
                                   "the access key id is not the token's");
        }

        return NGX_ABORT;
    }

    ctx->account = imcf->account;

    if (s->kind == IAM_STS_SESSION_USER) {
        user = NULL;

        for (i = 0; i < imcf->account->nusers; i++) {
            if (iam_str_eq(imcf->account->users[i].arn, s->arn)) {
                user = &imcf->account->users[i];
                break;
            }
        }

        if (user == NULL) {
            ngx_http_iam_sts_token_error(ilcf, ctx, IAM_STS_ERR_INVALID,
                                         "the token's user is not in the "
                                         "account");
            return NGX_ABORT;
        }

        ctx->user = user;
        ctx->principal = &user->principal;

    } else {
        role = iam_account_find_role(imcf->account, s->arn);

        if (role == NULL) {
            ngx_http_iam_sts_token_error(ilcf, ctx, IAM_STS_ERR_INVALID,
                                         "the token's role is not in the "
                                         "account");
            return NGX_ABORT;
        }

        ngx_memzero(&params, sizeof(iam_session_params_t));

        keys = ngx_palloc(r->pool, (s->ntags + 1) * sizeof(iam_str_t));
        values = ngx_palloc(r->pool, (s->ntags + 1) * sizeof(iam_str_t));
        if (keys == NULL || values == NULL) {
            return NGX_ERROR;
        }

        for (i = 0; i < s->ntags; i++) {
            keys[i] = s->tags[i].key;
            values[i] = s->tags[i].value;
        }

        params.name = s->session_name;
        params.tag_keys = keys;
        params.tag_values = values;
        params.ntags = s->ntags;
        params.mfa = s->mfa_time ? 1 : 0;
        params.auth_time = s->mfa_time;
        params.issued = s->issued;
        params.expires = s->expires;
        params.source_identity = s->source_identity;
        params.federated_provider = s->provider;

        if (s->policy.len) {
            iam_diags_init(&diags);
            params.policy = ngx_http_iam_sts_compile(r, s->policy, &diags);
            iam_diags_free(&diags);

            if (params.policy == NULL) {
                ngx_http_iam_sts_token_error(ilcf, ctx, IAM_STS_ERR_INVALID,
                                             "the token's session policy "
                                             "does not compile");
                return NGX_ABORT;
            }
        }

        session = iam_session_create(imcf->account, role, &params,
                                     ngx_http_iam_sts_alloc, r->pool, &err);
        if (session == NULL) {
            ngx_http_iam_sts_token_error(ilcf, ctx, IAM_STS_ERR_INVALID, err);
            return NGX_ABORT;
        }

        ctx->user = NULL;
        ctx->session = session;
        ctx->principal = &session->principal;
    }

    ctx->sts = s;

    secret->data = creds->secret;
    secret->len = IAM_STS_SECRET_LEN;

    return NGX_OK;
}


/* the condition keys of temporary credentials' principal */

ngx_int_t
ngx_http_iam_sts_context(ngx_http_request_t *r, ngx_http_iam_ctx_t *ctx)
{
    u_char           *p;
    iam_str_t        *v;
    const iam_sts_session_t  *s;

    static const iam_str_t  mfa = iam_string("aws:MultiFactorAuthPresent");
    static const iam_str_t  age = iam_string("aws:MultiFactorAuthAge");
    static const iam_str_t  issued = iam_string("aws:TokenIssueTime");
    static const iam_str_t  yes = iam_string("true");
    static const iam_str_t  no = iam_string("false");

    if (ctx->session) {
        if (iam_session_context(ctx->session, ngx_time(), &ctx->context,
                                ngx_http_iam_sts_alloc, r->pool)
            != IAM_OK)
        {
            goto full;
        }

        return NGX_OK;
    }

    /* a user's own session, from GetSessionToken */

    s = ctx->sts;

    if (iam_user_context(ctx->account, ctx->user, &ctx->context) != IAM_OK
        || iam_context_set(&ctx->context, mfa, s->mfa_time ? &yes : &no, 1)
           != IAM_OK)
    {
        goto full;
    }

    v = ngx_palloc(r->pool, 2 * sizeof(iam_str_t));
    p = ngx_pnalloc(r->pool, NGX_TIME_T_LEN + NGX_HTTP_IAM_TIME_LEN);
    if (v == NULL || p == NULL) {
        return NGX_ERROR;
    }

    ngx_http_iam_sts_time(s->issued, p);
    v[0].data = (const char *) p;
    v[0].len = NGX_HTTP_IAM_TIME_LEN - 1;

    if (iam_context_set(&ctx->context, issued, &v[0], 1) != IAM_OK) {
        goto full;
    }

    if (s->mfa_time) {
        p += NGX_HTTP_IAM_TIME_LEN;
        v[1].data = (const char *) p;
        v[1].len = ngx_sprintf(p, "%T", ngx_max(ngx_time() - s->mfa_time, 0))
                   - p;

        if (iam_context_set(&ctx->context, age, &v[1], 1) != IAM_OK) {
            goto full;
        }
    }

    return NGX_OK;

full:

    ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                  "iam: the condition context is full");
    return NGX_ERROR;
}


/* the endpoint */

static ngx_int_t
ngx_http_iam_sts_handler(ngx_http_request_t *r)
{
    ngx_int_t  rc;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_POST))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_read_client_request_body(r, ngx_http_iam_sts_body_handler);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


static void
ngx_http_iam_sts_body_handler(ngx_http_request_t *r)
{
    ngx_http_finalize_request(r, ngx_http_iam_sts_process(r));
}


static ngx_int_t
ngx_http_iam_sts_process(ngx_http_request_t *r)
{
    ngx_int_t                   rc;
    ngx_str_t                   body, *action;
    ngx_http_iam_sts_req_t     *sr;
    ngx_http_iam_sts_action_t  *a;

    sr = ngx_pcalloc(r->pool, sizeof(ngx_http_iam_sts_req_t));
    if (sr == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    sr->imcf = ngx_http_get_module_main_conf(r, ngx_http_iam_module);
    sr->ilcf = ngx_http_get_module_loc_conf(r, ngx_http_iam_module);
    sr->now = ngx_time();

    sr->ctx = ngx_http_iam_sts_create_ctx(r, sr->imcf, sr->ilcf);

    if (sr->ctx == NULL
        || ngx_array_init(&sr->params, r->pool, 16,
                          sizeof(ngx_http_iam_sts_param_t))
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the parameters: the query, then a form body */

    rc = ngx_http_iam_sts_read_body(r, &body);

    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc == NGX_DECLINED
        || ngx_http_iam_sts_parse(r, &sr->params, r->args.data,
                                  r->args.data + r->args.len) != NGX_OK
        || ngx_http_iam_sts_parse(r, &sr->params, body.data,
                                  body.data + body.len) != NGX_OK)
    {
        ngx_http_iam_sts_fail(sr, NGX_HTTP_BAD_REQUEST, "InvalidParameterValue",
                              "The request is too large or its parameters "
                              "cannot be read.", NGX_LOG_INFO,
                              "unreadable parameters");
        return ngx_http_iam_sts_error(r, sr);
    }

    /* who calls: SigV4, verified over the body */

    sr->ctx->body_read = 1;

    rc = ngx_http_iam_sigv4_authenticate(r, sr->imcf, sr->ilcf, sr->ctx);

    switch (rc) {

    case NGX_OK:
        sr->ctx->authenticated = 1;
        break;

    case NGX_DECLINED:
        ngx_http_iam_sts_fail(sr, NGX_HTTP_FORBIDDEN,
                              "MissingAuthenticationToken",
                              "Request is missing Authentication Token",
                              NGX_LOG_INFO, "no credentials were provided");
        return ngx_http_iam_sts_error(r, sr);

    case NGX_ABORT:
        sr->ctx->auth_failed = 1;

        /* STS names an unknown access key as it names a bad token */
        if (sr->ctx->error.code.len == sizeof("InvalidAccessKeyId") - 1
            && ngx_strncmp(sr->ctx->error.code.data, "InvalidAccessKeyId",
                           sizeof("InvalidAccessKeyId") - 1) == 0)
        {
            ngx_http_iam_sts_fail(sr, NGX_HTTP_FORBIDDEN,
                                  "InvalidClientTokenId",
                                  "The security token included in the "
                                  "request is invalid.",
                                  sr->ctx->error.level,
                                  sr->ctx->error.reason);
        }

        return ngx_http_iam_sts_error(r, sr);

    default:
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    action = ngx_http_iam_sts_param(sr, "Action");

    if (action == NULL) {
        ngx_http_iam_sts_fail(sr, NGX_HTTP_BAD_REQUEST, "MissingAction",
                              "Missing Action", NGX_LOG_INFO, "no Action");
        return ngx_http_iam_sts_error(r, sr);
    }

    for (a = ngx_http_iam_sts_actions; a->name.len; a++) {
        if (a->name.len == action->len
            && ngx_strncmp(a->name.data, action->data, action->len) == 0)
        {
            return a->handler(r, sr);
        }
    }

    ngx_http_iam_sts_fail(sr, NGX_HTTP_BAD_REQUEST, "InvalidAction",
                          "Could not find operation for version 2011-06-15",
                          NGX_LOG_INFO, "unknown Action");
    return ngx_http_iam_sts_error(r, sr);
}


static ngx_http_iam_ctx_t *
ngx_http_iam_sts_create_ctx(ngx_http_request_t *r,
    ngx_http_iam_main_conf_t *imcf, ngx_http_iam_loc_conf_t *ilcf)
{
    size_t               n;
    ngx_http_iam_ctx_t  *ctx;

    n = NGX_HTTP_IAM_CONNECTION_KEYS + NGX_HTTP_IAM_PRINCIPAL_KEYS
        + imcf->max_tags + NGX_HTTP_IAM_STS_CONTEXT_KEYS
        + NGX_HTTP_IAM_STS_EXTRA_KEYS;

    ctx = ngx_palloc(r->pool, offsetof(ngx_http_iam_ctx_t, entries)
                              + n * sizeof(iam_context_entry_t));
    if (ctx == NULL) {
        return NULL;
    }

    ngx_memzero(ctx, offsetof(ngx_http_iam_ctx_t, entries));

    ctx->conf = ilcf;
    ctx->decision = IAM_IMPLICIT_DENY;

    iam_context_init(&ctx->context, ctx->entries, n);

    /* $iam_principal, $iam_decision ... in the access log */
    ngx_http_set_ctx(r, ctx, ngx_http_iam_module);

    return ctx;
}


/* the whole body in one buffer; NGX_DECLINED: too large */

static ngx_int_t
ngx_http_iam_sts_read_body(ngx_http_request_t *r, ngx_str_t *body)
{
    size_t        len;
    ssize_t       n;
    u_char       *p;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    body->len = 0;
    body->data = NULL;

    if (r->request_body == NULL || r->request_body->bufs == NULL) {
        return NGX_OK;
    }

    len = 0;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;
        len += ngx_buf_in_memory(b) ? (size_t) (b->last - b->pos)
                                    : (size_t) (b->file_last - b->file_pos);
    }

    if (len > NGX_HTTP_IAM_STS_MAX_BODY) {
        return NGX_DECLINED;
    }

    p = ngx_pnalloc(r->pool, len + 1);
    if (p == NULL) {
        return NGX_ERROR;
    }

    body->data = p;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;

        if (ngx_buf_in_memory(b)) {
            p = ngx_cpymem(p, b->pos, b->last - b->pos);
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

    body->len = p - body->data;

    return NGX_OK;
}


/* application/x-www-form-urlencoded: '+' is a space, then %XX */

static ngx_int_t
ngx_http_iam_sts_parse(ngx_http_request_t *r, ngx_array_t *params,
    u_char *p, u_char *end)
{
    u_char                    *amp, *eq, *dst, *src, *q;
    ngx_uint_t                 i;
    ngx_str_t                  part[2];
    ngx_http_iam_sts_param_t  *param;

    while (p && p < end) {
        amp = ngx_strlchr(p, end, '&');
        if (amp == NULL) {
            amp = end;
        }

        eq = ngx_strlchr(p, amp, '=');

        part[0].data = p;
        part[0].len = (eq ? eq : amp) - p;
        part[1].data = eq ? eq + 1 : amp;
        part[1].len = eq ? (size_t) (amp - eq - 1) : 0;

        p = amp + 1;

        if (part[0].len == 0) {
            continue;
        }

        if (params->nelts == NGX_HTTP_IAM_STS_MAX_PARAMS) {
            return NGX_DECLINED;
        }

        param = ngx_array_push(params);
        if (param == NULL) {
            return NGX_ERROR;
        }

        for (i = 0; i < 2; i++) {
            q = ngx_pnalloc(r->pool, part[i].len + 1);
            if (q == NULL) {
                return NGX_ERROR;
            }

            ngx_memcpy(q, part[i].data, part[i].len);

            for (src = q; src < q + part[i].len; src++) {
                if (*src == '+') {
                    *src = ' ';
                }
            }

            src = q;
            dst = q;
            ngx_unescape_uri(&dst, &src, part[i].len, 0);
            *dst = '\0';

            if (i == 0) {
                param->name.data = q;
                param->name.len = dst - q;

            } else {
                param->value.data = q;
                param->value.len = dst - q;
            }
        }
    }

    return NGX_OK;
}


static ngx_str_t *
ngx_http_iam_sts_param(ngx_http_iam_sts_req_t *sr, const char *name)
{
    size_t                     len;
    ngx_uint_t                 i;
    ngx_http_iam_sts_param_t  *p;

    len = ngx_strlen(name);
    p = sr->params.elts;

    /* the last one wins, as a body's parameter over the query's */

    for (i = sr->params.nelts; i > 0; i--) {
        if (p[i - 1].name.len == len
            && ngx_strncmp(p[i - 1].name.data, name, len) == 0)
        {
            return &p[i - 1].value;
        }
    }

    return NULL;
}


/* AssumeRole */

static ngx_int_t
ngx_http_iam_sts_assume_role(ngx_http_request_t *r,
    ngx_http_iam_sts_req_t *sr)
{
    char                  name[64];
    u_char               *p, *msg;
    size_t                n, i, j, nown, ntkeys;
    time_t                mfa_time;
    ngx_int_t             duration, max;
    ngx_str_t            *role_arn, *session_name, *v, *external_id;
    ngx_str_t            *source_identity, xml, e[4];
    iam_str_t             values[4], action, tkeys[IAM_SESSION_MAX_TAGS];
    iam_str_t             keys[IAM_SESSION_MAX_TAGS];
    iam_str_t             tvalues[IAM_SESSION_MAX_TAGS];
    const char           *err;
    iam_result_t          result;
    iam_policies_t        policies;
    iam_session_t        *session;
    iam_sts_session_t    *s;
    const iam_role_t     *role;
    ngx_http_iam_ctx_t   *ctx;
    iam_session_params_t  params;

    static const iam_str_t  zero = iam_string("0");

    static const char  *trust_actions[] = {
        "sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"
    };

    ctx = sr->ctx;

    role_arn = ngx_http_iam_sts_param(sr, "RoleArn");
    session_name = ngx_http_iam_sts_param(sr, "RoleSessionName");

    if (role_arn == NULL || session_name == NULL) {
        ngx_http_iam_sts_fail(sr, NGX_HTTP_BAD_REQUEST, "ValidationError",
                              role_arn ? "1 validation error detected: "
                              "Value null at 'roleSessionName' failed to "
                              "satisfy constraint: Member must not be null"
                              : "1 validation error detected: Value null at "
                              "'roleArn' failed to satisfy constraint: "
                              "Member must not be null",
                              NGX_LOG_INFO, "a required parameter is missing");
        return ngx_http_iam_sts_error(r, sr);
    }

    ctx->action.data = "sts:AssumeRole";
    ctx->action.len = sizeof("sts:AssumeRole") - 1;
    ctx->resource.data = (const char *) role_arn->data;
    ctx->resource.len = role_arn->len;

    if (ngx_http_iam_sts_param(sr, "PolicyArns.member.1.arn")) {
        ngx_http_iam_sts_fail(sr, NGX_HTTP_BAD_REQUEST, "ValidationError",
                              "PolicyArns are not supported by this "
                              "endpoint; use an inline Policy.",
                              NGX_LOG_INFO, "PolicyArns given");
        return ngx_http_iam_sts_error(r, sr);
    }

    /* the role: by its ARN in the account, as AWS names it */

    role = NULL;

    if (role_arn->len > 4 && ngx_strncmp(role_arn->data, "arn:", 4) == 0) {
        role = iam_account_find_role(sr->imcf->account,
                                     (iam_str_t) { role_arn->len,
                                         (const char *) role_arn->data });
    }

    /* the session's parameters */

    max = role ? (ngx_int_t) role->max_session_seconds : 3600;

    if (ctx->session && max > 3600) {
        /* role chaining: one hour at most */
        max = 3600;
    }

    if (ngx_http_iam_sts_duration(sr, 3600, 900, max, &duration) != NGX_OK) {
        if (ctx->session && role) {
            ngx_http_iam_sts_fail(sr, NGX_HTTP_BAD_REQUEST, "ValidationError",
                                  "The requested DurationSeconds exceeds the "
                                  "1 hour session limit for roles assumed by "
                                  "role chaining.", NGX_LOG_INFO,
                                  "DurationSeconds over the chaining limit");
        }

        return ngx_http_iam_sts_error(r, sr);
    }

    ngx_memzero(&params, sizeof(iam_session_params_t));

    params.name.data = (const char *) session_name->data;
    params.name.len = session_name->len;

    source_identity = ngx_http_iam_sts_param(sr, "SourceIdentity");
    if (source_identity) {
        params.source_identity.data = (const char *) source_identity->data;
        params.source_identity.len = source_identity->len;
    }

    /* session tags; a chained session keeps its transitive tags */

    n = 0;

    for (i = 1; i <= IAM_SESSION_MAX_TAGS + 1; i++) {
        ngx_sprintf((u_char *) name, "Tags.member.%ui.Key%Z", i);
        v = ngx_http_iam_sts_param(sr, name);

        if (v == NULL) {
            break;
        }

        if (n == IAM_SESSION_MAX_TAGS) {
            ngx_http_iam_sts_fail(sr, NGX_HTTP_BAD_REQUEST, "ValidationError",
                                  "A session has at most 50 tags.",
                                  NGX_LOG_INFO, "too many tags");
            return ngx_http_iam_sts_error(r, sr);
        }

        keys[n].data = (const char *) v->data;
        keys[n].len = v->len;

        ngx_sprintf((u_char *) name, "Tags.member.%ui.Value%Z", i);
        v = ngx_http_iam_sts_param(sr, name);

        tvalues[n].data = v ? (const char *) v->data : "";
        tvalues[n].len = v ? v->len : 0;
        n++;
    }

    nown = n;

    if (ctx->sts && ctx->session) {
        for (i = 0; i < ctx->sts->ntags; i++) {
            if (!ctx->sts->tags[i].transitive) {
                continue;
            }

            for (j = 0; j < nown; j++) {
                if (iam_str_eq_icase(keys[j], ctx->sts->tags[i].key)) {
                    ngx_http_iam_sts_fail(sr, NGX_HTTP_BAD_REQUEST,
                                          "InvalidParameterValue",
                                          "A transitive tag of the calling "
                                          "session cannot be set again.",
                                          NGX_LOG_INFO,
                                          "transitive tag overridden");
                    return ngx_http_iam_sts_error(r, sr);
                }
            }

            if (n == IAM_SESSION_MAX_TAGS) {
                break;
            }

            keys[n] = ctx->sts->tags[i].key;
            tvalues[n] = ctx->sts->tags[i].value;
            n++;
        }
    }

    params.tag_keys = keys;
    params.tag_values = tvalues;

    /* TransitiveTagKeys must name tags of this call */

    ntkeys = 0;

    for (i = 1; i <= IAM_SESSION_MAX_TAGS; i++) {
        ngx_sprintf((u_char *) name, "TransitiveTagKeys.member.%ui%Z", i);
        v = ngx_http_iam_sts_param(sr, name);

        if (v == NULL) {
            break;
        }

        tkeys[ntkeys].data = (const char *) v->data;
        tkeys[ntkeys].len = v->len;

        for (j = 0; j < nown; j++) {
            if (iam_str_eq_icase(keys[j], tkeys[ntkeys])) {
                break;
            }
        }

        ntkeys++;

        if (j == nown) {
            ngx_http_iam_sts_fail(sr, NGX_HTTP_BAD_REQUEST,
                                  "InvalidParameterValue",
                                  "A TransitiveTagKey is not among the "
                                  "session's Tags.", NGX_LOG_INFO,
                                  "transitive key without its tag");
            return ngx_http_iam_sts_error(r, sr);
        }
    }

    params.ntags = n;

    if (ngx_http_iam_sts_mfa(r, sr, &mfa_time) != NGX_OK) {
        return ngx_http_iam_sts_error(r, sr);
    }

    params.mfa = mfa_time ? 1 : 0;
    params.auth_time = mfa_time;
    params.issued = sr->now;
    params.expires = sr->now + duration;

    s = ngx_pcalloc(r->pool, sizeof(iam_sts_session_t));
    if (s == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_iam_sts_policy(r, sr, &s->policy) != NGX_OK) {
        return ngx_http_iam_sts_error(r, sr);
    }

    /* the trust policy decides, with the caller's policies */

    if (ngx_http_iam_sts_caller(r, sr, &policies) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    external_id = ngx_http_iam_sts_param(sr, "ExternalId");

    if (external_id) {
        values[0].data = (const char *) external_id->data;
        values[0].len = external_id->len;
        iam_context_set(&ctx->context,
                        (iam_str_t) iam_string("sts:ExternalId"),
                        &values[0], 1);
    }

    values[1] = params.name;
    iam_context_set(&ctx->context,
                    (iam_str_t) iam_string("sts:RoleSessionName"),
                    &values[1], 1);

    if (source_identity) {
        values[2] = params.source_identity;
        iam_context_set(&ctx->context,
                        (iam_str_t) iam_string("sts:SourceIdentity"),
                        &values[2], 1);
    }

    if (mfa_time == sr->now) {
        /* authenticated with MFA in this very call */
        iam_str_set(&values[3], "true");
        iam_context_set(&ctx->context,
                        (iam_str_t) iam_string("aws:MultiFactorAuthPresent"),
                        &values[3], 1);
        iam_context_set(&ctx->context,
                        (iam_str_t) iam_string("aws:MultiFactorAuthAge"),
                        &zero, 1);
    }

    for (i = 0; i < n; i++) {
        p = ngx_pnalloc(r->pool, sizeof("aws:RequestTag/") - 1 + keys[i].len);
        if (p == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        action.data = (const char *) p;
        action.len = ngx_sprintf(p, "aws:RequestTag/%*s", keys[i].len,
                                 keys[i].data) - p;

        if (iam_context_set(&ctx->context, action, &tvalues[i], 1)
            != IAM_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    if (n && iam_context_set(&ctx->context,
                             (iam_str_t) iam_string("aws:TagKeys"), keys, n)
             != IAM_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (role) {
        for (i = 0; i < 3; i++) {
            if ((i == 1 && n == 0) || (i == 2 && source_identity == NULL)) {
                continue;
            }

            action.data = trust_actions[i];
            action.len = ngx_strlen(trust_actions[i]);

            if (iam_role_trust(sr->imcf->account, role, ctx->principal,
                               &policies, action, &ctx->context, &result)
                != IAM_OK)
            {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            ctx->evaluated = 1;
            ctx->decision = result.decision;
            ctx->statement = result.statement;

            if (result.decision != IAM_ALLOWED) {
                break;
            }
        }
    }

    if (role == NULL || ctx->decision != IAM_ALLOWED) {
        ctx->evaluated = 1;

        msg = ngx_pnalloc(r->pool, 128 + ctx->principal->arn.len
                                   + role_arn->len);
        if (msg == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        p = ngx_sprintf(msg, "User: %*s is not authorized to perform: %s on "
                        "resource: %V%Z", ctx->principal->arn.len,
                        ctx->principal->arn.data,
                        role && i < 3 ? trust_actions[i] : trust_actions[0],
                        role_arn);

        ngx_http_iam_sts_fail(sr, NGX_HTTP_FORBIDDEN, "AccessDenied",
                              (char *) msg, NGX_LOG_ERR,
                              role ? NULL : "no such role in the account");
        return ngx_http_iam_sts_error(r, sr);
    }

    /* the session, checked as AWS checks its parts, then sealed */

    session = iam_session_create(sr->imcf->account, role, &params,
                                 ngx_http_iam_sts_alloc, r->pool, &err);
    if (session == NULL) {
        ngx_http_iam_sts_fail(sr, NGX_HTTP_BAD_REQUEST, "ValidationError",
                              err, NGX_LOG_INFO, err);
        return ngx_http_iam_sts_error(r, sr);
    }

    s->kind = IAM_STS_SESSION_ROLE;
    s->chained = ctx->session ? 1 : 0;
    s->arn = role->arn;
    s->session_name = params.name;
    s->source_identity = params.source_identity;
    s->mfa_time = mfa_time;
    s->issued = params.issued;
    s->expires = params.expires;
    s->ntags = n;

    for (i = 0; i < n; i++) {
        s->tags[i].key = keys[i];
        s->tags[i].value = tvalues[i];

        /* inherited tags stay transitive */
        s->tags[i].transitive = (i >= nown) ? 1 : 0;

        for (j = 0; j < ntkeys; j++) {
            if (iam_str_eq_icase(keys[i], tkeys[j])) {
                s->tags[i].transitive = 1;
            }
        }
    }

    if (ngx_http_iam_sts_issue(r, sr, s, &xml) != NGX_OK) {
        return ngx_http_iam_sts_error(r, sr);
    }

    if (ngx_http_iam_sts_escape(r, (u_char *) session->arn.data,
                                session->arn.len, &e[0]) != NGX_OK
        || ngx_http_iam_sts_escape(r, (u_char *) session->userid.data,
                                   session->userid.len, &e[1]) != NGX_OK
        || ngx_http_iam_sts_escape(r, (u_char *) s->source_identity.data,
                                   s->source_identity.len, &e[2]) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    e[3].data = ngx_pnalloc(r->pool, xml.len + e[0].len + e[1].len
                                     + e[2].len + 256);
    if (e[3].data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = e[3].data;

    if (e[2].len) {
        p = ngx_sprintf(p, "<SourceIdentity>%V</SourceIdentity>", &e[2]);
    }

    p = ngx_sprintf(p, "<AssumedRoleUser><Arn>%V</Arn>"
                    "<AssumedRoleId>%V</AssumedRoleId></AssumedRoleUser>"
                    "%V<PackedPolicySize>%uz</PackedPolicySize>",
                    &e[0], &e[1], &xml,
                    s->policy.len * 100 / NGX_HTTP_IAM_STS_MAX_POLICY);
    e[3].len = p - e[3].data;

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "iam sts: \"%*s\" assumed \"%*s\" as \"%V\" until %T",
                  ctx->principal->arn.len, ctx->principal->arn.data,
                  role->arn.len, role->arn.data, &e[0], s->expires);

    return ngx_http_iam_sts_send(r, sr, NGX_HTTP_OK, "AssumeRole", &e[3]);
}


/* GetSessionToken: a user's own temporary credentials, maybe with MFA */

static ngx_int_t
ngx_http_iam_sts_get_session_token(ngx_http_request_t *r,
    ngx_http_iam_sts_req_t *sr)
{
    time_t               mfa_time;
    ngx_int_t            duration;
    ngx_str_t            xml;
    iam_sts_session_t   *s;
    ngx_http_iam_ctx_t  *ctx;

    ctx = sr->ctx;

    ctx->action.data = "sts:GetSessionToken";
    ctx->action.len = sizeof("sts:GetSessionToken") - 1;
    ctx->resource.data = "*";
    ctx->resource.len = 1;
    ctx->evaluated = 1;

    if (ctx->sts || ctx->user == NULL || ctx->account != sr->imcf->account) {
        ngx_http_iam_sts_fail(sr, NGX_HTTP_FORBIDDEN, "AccessDenied",
                              ctx->sts ? "Cannot call GetSessionToken with "
                                         "session credentials"
                                       : "GetSessionToken is for the "
                                         "account's own users",
                              NGX_LOG_ERR, NULL);
        return ngx_http_iam_sts_error(r, sr);
    }

    if (ngx_http_iam_sts_duration(sr, 43200, 900, 129600, &duration)
        != NGX_OK
        || ngx_http_iam_sts_mfa(r, sr, &mfa_time) != NGX_OK)
    {
        return ngx_http_iam_sts_error(r, sr);
    }

    s = ngx_pcalloc(r->pool, sizeof(iam_sts_session_t));
    if (s == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    s->kind = IAM_STS_SESSION_USER;
    s->arn = ctx->user->arn;
    s->mfa_time = mfa_time;
    s->issued = sr->now;
    s->expires = sr->now + duration;

    if (ngx_http_iam_sts_issue(r, sr, s, &xml) != NGX_OK) {
        return ngx_http_iam_sts_error(r, sr);
    }

    ctx->decision = IAM_ALLOWED;

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "iam sts: \"%*s\" got a session token%s until %T",
                  ctx->user->arn.len, ctx->user->arn.data,
                  mfa_time ? " with MFA" : "", s->expires);

    return ngx_http_iam_sts_send(r, sr, NGX_HTTP_OK, "GetSessionToken", &xml);
}


static ngx_int_t
ngx_http_iam_sts_get_caller_identity(ngx_http_request_t *r,
    ngx_http_iam_sts_req_t *sr)
{
    u_char               *p;
    ngx_str_t             e[3], xml;
    iam_str_t             arn, id, account;
    ngx_http_iam_ctx_t   *ctx;

    ctx = sr->ctx;

    /* anyone who can sign may ask who they are, as in AWS */

    ctx->action.data = "sts:GetCallerIdentity";
    ctx->action.len = sizeof("sts:GetCallerIdentity") - 1;
    ctx->resource.data = "*";
    ctx->resource.len = 1;
    ctx->evaluated = 1;
    ctx->decision = IAM_ALLOWED;

    if (ctx->session) {
        arn = ctx->session->arn;
        id = ctx->session->userid;
        account = ctx->session->account->id;

    } else {
        arn = ctx->user->arn;
        id = ctx->user->userid;
        account = ctx->account->id;
    }

    if (ngx_http_iam_sts_escape(r, (u_char *) arn.data, arn.len, &e[0])
        != NGX_OK
        || ngx_http_iam_sts_escape(r, (u_char *) id.data, id.len, &e[1])
           != NGX_OK
        || ngx_http_iam_sts_escape(r, (u_char *) account.data, account.len,
                                   &e[2])
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    xml.data = ngx_pnalloc(r->pool, e[0].len + e[1].len + e[2].len + 64);
    if (xml.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_sprintf(xml.data, "<Arn>%V</Arn><UserId>%V</UserId>"
                    "<Account>%V</Account>", &e[0], &e[1], &e[2]);
    xml.len = p - xml.data;

    return ngx_http_iam_sts_send(r, sr, NGX_HTTP_OK, "GetCallerIdentity",
                                 &xml);
}


/* the caller's policies and condition keys, for the trust decision */

static ngx_int_t
ngx_http_iam_sts_caller(ngx_http_request_t *r, ngx_http_iam_sts_req_t *sr,
    iam_policies_t *policies)
{
    ngx_http_iam_ctx_t  *ctx;

    ctx = sr->ctx;

    if (ctx->session) {
        iam_session_policies(ctx->session, NULL, policies);

    } else {
        iam_account_user_policies(ctx->account, ctx->user, NULL, policies);
    }

    if (ngx_http_iam_context_connection(r, sr->ilcf, ctx) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ctx->sts) {
        return ngx_http_iam_sts_context(r, ctx);
    }

    /* a trusted account's user has its own account's keys */

    if (iam_user_context(ctx->account, ctx->user, &ctx->context) != IAM_OK) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "iam: the condition context is full");
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_iam_sts_duration(ngx_http_iam_sts_req_t *sr, ngx_int_t def,
    ngx_int_t min, ngx_int_t max, ngx_int_t *duration)
{
    ngx_str_t  *v;

    v = ngx_http_iam_sts_param(sr, "DurationSeconds");

    if (v == NULL) {
        *duration = ngx_min(def, max);
        return NGX_OK;
    }

    *duration = ngx_atoi(v->data, v->len);

    if (*duration == NGX_ERROR || *duration < min) {
        ngx_http_iam_sts_fail(sr, NGX_HTTP_BAD_REQUEST, "ValidationError",
                              "1 validation error detected: Value at "
                              "'durationSeconds' failed to satisfy "
                              "constraint: Member must have value greater "
                              "than or equal to 900",
                              NGX_LOG_INFO, "DurationSeconds too short");
        return NGX_ERROR;
    }

    if (*duration > max) {
        ngx_http_iam_sts_fail(sr, NGX_HTTP_BAD_REQUEST, "ValidationError",
                              "The requested DurationSeconds exceeds the "
                              "MaxSessionDuration set for this role.",
                              NGX_LOG_INFO, "DurationSeconds too long");
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * SerialNumber and TokenCode: the caller's own device, a code of now (one
 * step either way), never used before.  *mfa_time: when MFA was done, now
 * or, for GetSessionToken credentials, when they were issued with it.
 */

static ngx_int_t
ngx_http_iam_sts_mfa(ngx_http_request_t *r, ngx_http_iam_sts_req_t *sr,
    time_t *mfa_time)
{
    int                  rc;
    uint64_t             step;
    ngx_str_t           *serial, *code;
    const iam_user_t    *user;
    ngx_http_iam_ctx_t  *ctx;

    ctx = sr->ctx;
    serial = ngx_http_iam_sts_param(sr, "SerialNumber");
    code = ngx_http_iam_sts_param(sr, "TokenCode");

    *mfa_time = 0;

    if (serial == NULL && code == NULL) {
        if (ctx->sts && ctx->sts->kind == IAM_STS_SESSION_USER) {
            *mfa_time = ctx->sts->mfa_time;
        }

        return NGX_OK;
    }

    if (serial == NULL || code == NULL) {
        ngx_http_iam_sts_fail(sr, NGX_HTTP_BAD_REQUEST, "ValidationError",
                              "SerialNumber and TokenCode are given "
                              "together.", NGX_LOG_INFO,
                              "half of the MFA parameters");
        return NGX_ERROR;
    }

    user = ctx->session ? NULL : ctx->user;

    if (user == NULL || user->mfa_serial.len != serial->len
        || ngx_strncmp(user->mfa_serial.data, serial->data, serial->len) != 0)
    {
        ngx_http_iam_sts_fail(sr, NGX_HTTP_FORBIDDEN, "AccessDenied",
                              "MultiFactorAuthentication failed, unable to "
                              "validate MFA code.  Please verify your MFA "
                              "serial number is valid and associated with "
                              "this user.", NGX_LOG_ERR,
                              "not the caller's MFA device");
        return NGX_ERROR;
    }

    rc = iam_totp_check(user->mfa_seed, user->mfa_seed_len, sr->now,
                        (iam_str_t) { code->len, (const char *) code->data },
                        &step);

    if (rc == IAM_ERROR) {
        ngx_http_iam_sts_fail(sr, NGX_HTTP_BAD_REQUEST, "ValidationError",
                              "1 validation error detected: Value at "
                              "'tokenCode' failed to satisfy constraint: "
                              "Member must satisfy regular expression "
                              "pattern: [\\d]*", NGX_LOG_INFO,
                              "TokenCode is not 6 digits");
        return NGX_ERROR;
    }

    if (rc != IAM_OK) {
        ngx_http_iam_sts_fail(sr, NGX_HTTP_FORBIDDEN, "AccessDenied",
                              ngx_http_iam_sts_mfa_invalid, NGX_LOG_ERR,
                              "wrong MFA code");
        return NGX_ERROR;
    }

    if (ngx_http_iam_sts_mfa_use(sr->imcf, serial, step) != NGX_OK) {
        ngx_http_iam_sts_fail(sr, NGX_HTTP_FORBIDDEN, "AccessDenied",
                              ngx_http_iam_sts_mfa_invalid, NGX_LOG_ERR,
                              "MFA code used already");
        return NGX_ERROR;
    }

    *mfa_time = sr->now;

    return NGX_OK;
}


/* NGX_OK when step is later than any used on the device; records it */

static ngx_int_t
ngx_http_iam_sts_mfa_use(ngx_http_iam_main_conf_t *imcf, ngx_str_t *serial,
    uint64_t step)
{
    uint64_t                      device;
    ngx_int_t                     rc;
    ngx_uint_t                    i, slot;
    ngx_slab_pool_t              *shpool;
    ngx_http_iam_sts_mfa_slot_t  *slots;

    device = (uint64_t) ngx_murmur_hash2(serial->data, serial->len) << 32
             | ngx_crc32_long(serial->data, serial->len);
    device = device ? device : 1;

    shpool = (ngx_slab_pool_t *) imcf->sts_mfa_zone->shm.addr;
    slots = imcf->sts_mfa_zone->data;

    /* full: refuse, fail closed */
    rc = NGX_DECLINED;

    ngx_shmtx_lock(&shpool->mutex);

    for (i = 0, slot = device % NGX_HTTP_IAM_STS_MFA_SLOTS;
         i < NGX_HTTP_IAM_STS_MFA_SLOTS;
         i++, slot = (slot + 1) % NGX_HTTP_IAM_STS_MFA_SLOTS)
    {
        if (slots[slot].device == 0) {
            slots[slot].device = device;
            slots[slot].step = step;
            rc = NGX_OK;
            break;
        }

        if (slots[slot].device == device) {
            if (step > slots[slot].step) {
                slots[slot].step = step;
                rc = NGX_OK;
            }

            break;
        }
    }

    ngx_shmtx_unlock(&shpool->mutex);

    return rc;
}


/* Policy: a valid identity policy, kept as compact JSON in the token */

static ngx_int_t
ngx_http_iam_sts_policy(ngx_http_request_t *r, ngx_http_iam_sts_req_t *sr,
    iam_str_t *compact)
{
    char          *text, *msg;
    json_t        *doc;
    size_t         len;
    ngx_str_t     *v;
    iam_pool_t    *pool;
    iam_diags_t    diags;
    iam_source_t   src;
    iam_policy_t  *policy;

    compact->len = 0;
    compact->data = NULL;

    v = ngx_http_iam_sts_param(sr, "Policy");
    if (v == NULL) {
        return NGX_OK;
    }

    if (v->len > NGX_HTTP_IAM_STS_MAX_POLICY) {
        ngx_http_iam_sts_fail(sr, NGX_HTTP_BAD_REQUEST, "ValidationError",
                              "1 validation error detected: Value at "
                              "'policy' failed to satisfy constraint: Member "
                              "must have length less than or equal to 2048",
                              NGX_LOG_INFO, "Policy too long");
        return NGX_ERROR;
    }

    iam_diags_init(&diags);
    pool = iam_pool_create();

    if (pool == NULL) {
        return NGX_ERROR;
    }

    doc = iam_json_load_buffer("Policy", (char *) v->data, v->len, &diags);

    ngx_memzero(&src, sizeof(iam_source_t));
    src.file = "Policy";
    src.text = (const char *) v->data;
    src.len = v->len;

    policy = doc ? iam_policy_compile(pool, doc, "session-policy",
                                      IAM_POLICY_IDENTITY, &src, &diags)
                 : NULL;

    text = policy ? json_dumps(doc, JSON_COMPACT) : NULL;

    if (text) {
        len = ngx_strlen(text);
        compact->data = ngx_pnalloc(r->pool, len);

        if (compact->data) {
            ngx_memcpy((char *) compact->data, text, len);
            compact->len = len;
        }

        free(text);
    }

    if (compact->len == 0) {
        msg = "The policy is not in the valid JSON format.";

        if (diags.nitems) {
            len = ngx_strlen(diags.items[0].message);
            msg = ngx_pnalloc(r->pool, len + 1);

            if (msg) {
                ngx_memcpy(msg, diags.items[0].message, len + 1);

            } else {
                msg = "The policy is not valid.";
            }
        }

        ngx_http_iam_sts_fail(sr, NGX_HTTP_BAD_REQUEST,
                              "MalformedPolicyDocument", msg, NGX_LOG_INFO,
                              "the session policy is invalid");
    }

    if (doc) {
        json_decref(doc);
    }

    iam_pool_destroy(pool);
    iam_diags_free(&diags);

    return compact->len ? NGX_OK : NGX_ERROR;
}


/*
 * A token's session policy.  Tokens are made at run time, so it cannot be
 * compiled at configuration time; each worker keeps the policies it has
 * compiled, by their text, so a session's requests after the first parse
 * nothing.  An entry in use by a request is never evicted.
 */

static const iam_policy_set_t *
ngx_http_iam_sts_compile(ngx_http_request_t *r, iam_str_t text,
    iam_diags_t *diags)
{
    json_t                     *doc;
    uint32_t                    hash;
    iam_pool_t                 *pool;
    iam_source_t                src;
    iam_policy_t               *policy;
    ngx_pool_cleanup_t         *cln;
    const iam_policy_t         *list[1];
    const iam_policy_set_t     *set;
    ngx_http_iam_sts_policy_t  *e;

    hash = ngx_murmur_hash2((u_char *) text.data, text.len);
    e = &ngx_http_iam_sts_policies[hash % NGX_HTTP_IAM_STS_POLICY_CACHE];

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    if (e->set && e->hash == hash && e->len == text.len
        && ngx_memcmp(e->text, text.data, text.len) == 0)
    {
        e->refs++;
        cln->handler = ngx_http_iam_sts_policy_release;
        cln->data = e;

        return e->set;
    }

    pool = iam_pool_create();
    if (pool == NULL) {
        return NULL;
    }

    /* until it is cached, the request owns it */
    cln->handler = ngx_http_iam_sts_pool_cleanup;
    cln->data = pool;

    doc = iam_json_load_buffer("session policy", text.data, text.len, diags);
    if (doc == NULL) {
        return NULL;
    }

    ngx_memzero(&src, sizeof(iam_source_t));
    src.file = "session policy";

    policy = iam_policy_compile(pool, doc, "session-policy",
                                IAM_POLICY_IDENTITY, &src, diags);
    json_decref(doc);

    if (policy == NULL) {
        return NULL;
    }

    list[0] = policy;

    set = iam_policy_set_create(pool, list, 1);
    if (set == NULL || e->refs) {
        return set;
    }

    /* cache it in place of an entry no request uses */

    if (e->set) {
        iam_pool_destroy(e->pool);
        ngx_free(e->text);
        e->set = NULL;
    }

    e->text = ngx_alloc(text.len, r->connection->log);
    if (e->text == NULL) {
        return set;
    }

    ngx_memcpy(e->text, text.data, text.len);
    e->len = text.len;
    e->hash = hash;
    e->pool = pool;
    e->set = set;
    e->refs = 1;

    cln->handler = ngx_http_iam_sts_policy_release;
    cln->data = e;

    return set;
}


static void
ngx_http_iam_sts_policy_release(void *data)
{
    ngx_http_iam_sts_policy_t  *e = data;

    e->refs--;
}


static void
ngx_http_iam_sts_pool_cleanup(void *data)
{
    iam_pool_destroy(data);
}


/* seals s: the <Credentials> element into *xml */

static ngx_int_t
ngx_http_iam_sts_issue(ngx_http_request_t *r, ngx_http_iam_sts_req_t *sr,
    iam_sts_session_t *s, ngx_str_t *xml)
{
    u_char                 *token, *p;
    size_t                  len;
    iam_sts_err_e           rc;
    iam_sts_credentials_t   creds;
    u_char                  expiration[NGX_HTTP_IAM_TIME_LEN];

    token = ngx_pnalloc(r->pool, IAM_STS_MAX_TOKEN + 1);
    if (token == NULL) {
        return NGX_ERROR;
    }

    rc = iam_sts_token_seal(sr->imcf->sts_keys, s, (char *) token,
                            IAM_STS_MAX_TOKEN + 1, &len, &creds);

    if (rc != IAM_STS_OK) {
        ngx_http_iam_sts_fail(sr, rc == IAM_STS_ERR_INTERNAL
                                  ? NGX_HTTP_INTERNAL_SERVER_ERROR
                                  : NGX_HTTP_BAD_REQUEST,
                              iam_sts_error_code(rc),
                              iam_sts_error_message(rc),
                              rc == IAM_STS_ERR_INTERNAL ? NGX_LOG_ALERT
                                                         : NGX_LOG_INFO,
                              iam_sts_error_detail(rc));
        return NGX_ERROR;
    }

    ngx_http_iam_sts_time(s->expires, expiration);

    xml->data = ngx_pnalloc(r->pool, len + 256);
    if (xml->data == NULL) {
        OPENSSL_cleanse(&creds, sizeof(iam_sts_credentials_t));
        return NGX_ERROR;
    }

    p = ngx_sprintf(xml->data, "<Credentials>"
                    "<AccessKeyId>%s</AccessKeyId>"
                    "<SecretAccessKey>%s</SecretAccessKey>"
                    "<SessionToken>%*s</SessionToken>"
                    "<Expiration>%s</Expiration>"
                    "</Credentials>",
                    creds.access_key_id, creds.secret, len, token,
                    expiration);
    xml->len = p - xml->data;

    OPENSSL_cleanse(&creds, sizeof(iam_sts_credentials_t));

    return NGX_OK;
}


static ngx_int_t
ngx_http_iam_sts_escape(ngx_http_request_t *r, u_char *data, size_t len,
    ngx_str_t *out)
{
    uintptr_t  escape;

    escape = len ? ngx_escape_html(NULL, data, len) : 0;

    if (escape == 0) {
        out->data = data;
        out->len = len;
        return NGX_OK;
    }

    out->data = ngx_pnalloc(r->pool, len + escape);
    if (out->data == NULL) {
        return NGX_ERROR;
    }

    out->len = (u_char *) ngx_escape_html(out->data, data, len) - out->data;

    return NGX_OK;
}


/* ISO 8601 as STS writes it: 2026-11-25T10:00:00Z, NUL-terminated */

static void
ngx_http_iam_sts_time(time_t t, u_char *buf)
{
    ngx_tm_t  tm;

    ngx_gmtime(t, &tm);

    ngx_sprintf(buf, "%4d-%02d-%02dT%02d:%02d:%02dZ%Z",
                tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec);
}


/* a refused token, in the words of the location's service */

static void
ngx_http_iam_sts_token_error(ngx_http_iam_loc_conf_t *ilcf,
    ngx_http_iam_ctx_t *ctx, iam_sts_err_e err, const char *reason)
{
    if (err == IAM_STS_ERR_INVALID) {
        err = IAM_STS_ERR_MALFORMED;

    } else if (reason == NULL) {
        reason = iam_sts_error_detail(err);
    }

    if (ilcf->sigv4.s3) {
        ngx_http_iam_set_error(ctx, NGX_HTTP_BAD_REQUEST,
                               iam_sts_error_s3_code(err),
                               iam_sts_error_s3_message(err), NGX_LOG_ERR,
                               reason);

    } else {
        ngx_http_iam_set_error(ctx, NGX_HTTP_FORBIDDEN,
                               iam_sts_error_code(err),
                               iam_sts_error_message(err), NGX_LOG_ERR,
                               reason);
    }

    if (err == IAM_STS_ERR_INTERNAL) {
        ctx->error.status = NGX_HTTP_INTERNAL_SERVER_ERROR;
        ctx->error.level = NGX_LOG_ALERT;
    }
}


static void
ngx_http_iam_sts_fail(ngx_http_iam_sts_req_t *sr, ngx_uint_t status,
    const char *code, const char *message, ngx_uint_t level,
    const char *reason)
{
    ngx_http_iam_set_error(sr->ctx, status, code, message, level, reason);
}


/* the refusal in ctx->error: one log line, STS's XML error document */

static ngx_int_t
ngx_http_iam_sts_error(ngx_http_request_t *r, ngx_http_iam_sts_req_t *sr)
{
    u_char              *p;
    ngx_str_t            msg, xml;
    ngx_http_iam_ctx_t  *ctx;

    ctx = sr->ctx;

    if (ctx->access_key.len) {
        ngx_log_error(ctx->error.level, r->connection->log, 0,
                      "iam sts: %V: access key \"%*s\": %s",
                      &ctx->error.code, ctx->access_key.len,
                      ctx->access_key.data,
                      ctx->error.reason ? ctx->error.reason
                                        : (char *) ctx->error.message.data);

    } else {
        ngx_log_error(ctx->error.level, r->connection->log, 0,
                      "iam sts: %V: %s", &ctx->error.code,
                      ctx->error.reason ? ctx->error.reason
                                        : (char *) ctx->error.message.data);
    }

    if (ngx_http_iam_sts_escape(r, ctx->error.message.data,
                                ctx->error.message.len, &msg)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    xml.data = ngx_pnalloc(r->pool, msg.len + ctx->error.code.len + 128);
    if (xml.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_sprintf(xml.data, "<Error><Type>%s</Type><Code>%V</Code>"
                    "<Message>%V</Message></Error>",
                    ctx->error.status >= NGX_HTTP_INTERNAL_SERVER_ERROR
                    ? "Receiver" : "Sender",
                    &ctx->error.code, &msg);
    xml.len = p - xml.data;

    return ngx_http_iam_sts_send(r, sr, ctx->error.status, NULL, &xml);
}


/*
 * <ActionResponse><ActionResult>result</ActionResult><ResponseMetadata>
 * or, action NULL, <ErrorResponse>result<RequestId>
 */

static ngx_int_t
ngx_http_iam_sts_send(ngx_http_request_t *r, ngx_http_iam_sts_req_t *sr,
    ngx_uint_t status, const char *action, ngx_str_t *result)
{
    u_char                     *p;
    size_t                      len;
    ngx_buf_t                  *b;
    ngx_int_t                   rc;
    ngx_str_t                   id;
    ngx_chain_t                 out;
    ngx_http_variable_value_t  *vv;

    id.len = 0;
    id.data = NULL;

    vv = ngx_http_get_indexed_variable(r, sr->imcf->request_id_index);

    if (vv && !vv->not_found) {
        id.len = vv->len;
        id.data = vv->data;
    }

    len = result->len + id.len + 3 * (action ? ngx_strlen(action) : 0)
          + sizeof(NGX_HTTP_IAM_STS_XMLNS) + 256;

    b = ngx_create_temp_buf(r->pool, len);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = b->last;

    if (action) {
        p = ngx_sprintf(p, "<%sResponse xmlns=\"" NGX_HTTP_IAM_STS_XMLNS
                        "\"><%sResult>%V</%sResult><ResponseMetadata>"
                        "<RequestId>%V</RequestId></ResponseMetadata>"
                        "</%sResponse>\n",
                        action, action, result, action, &id, action);

    } else {
        p = ngx_sprintf(p, "<ErrorResponse xmlns=\"" NGX_HTTP_IAM_STS_XMLNS
                        "\">%V<RequestId>%V</RequestId></ErrorResponse>\n",
                        result, &id);
    }

    b->last = p;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    r->headers_out.status = status;
    r->headers_out.content_length_n = b->last - b->pos;
    ngx_str_set(&r->headers_out.content_type, "text/xml");
    r->headers_out.content_type_len = sizeof("text/xml") - 1;

    if (r->headers_out.content_length) {
        r->headers_out.content_length->hash = 0;
        r->headers_out.content_length = NULL;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


static void *
ngx_http_iam_sts_alloc(void *data, size_t size)
{
    return ngx_palloc(data, size);
}
