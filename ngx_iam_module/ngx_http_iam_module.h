
/*
 * ngx_iam: the nginx glue, shared between its files.
 *
 * One request flows one way through them: authenticate
 * (ngx_http_iam_sigv4.c) -> map (ngx_http_iam_map.c) -> context
 * (ngx_http_iam_context.c) -> evaluate and enforce (ngx_http_iam_module.c,
 * ngx_http_iam_error.c); ngx_http_iam_variables.c reads what they left in
 * the request's context.
 */


#ifndef _NGX_HTTP_IAM_MODULE_H_INCLUDED_
#define _NGX_HTTP_IAM_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <iam/iam_core.h>
#include <iam/iam_context.h>
#include <iam/iam_policy.h>
#include <iam/iam_eval.h>
#include <iam/iam_account.h>
#include <iam/iam_sigv4.h>
#include <iam/iam_s3.h>
#include <iam/iam_session.h>
#include <iam/iam_sts_token.h>
#include <iam/iam_s3_chunked.h>


#define NGX_HTTP_IAM_AUTH_SIGV4        0x01
#define NGX_HTTP_IAM_AUTH_JWT          0x02

#define NGX_HTTP_IAM_MAPPING_CUSTOM    0
#define NGX_HTTP_IAM_MAPPING_S3        1

/* condition keys the glue itself sets from the connection and request */
#define NGX_HTTP_IAM_CONNECTION_KEYS   8
/* aws:username, userid, PrincipalArn, PrincipalAccount, PrincipalType */
#define NGX_HTTP_IAM_PRINCIPAL_KEYS    5

#define NGX_HTTP_IAM_TIME_LEN          sizeof("1970-01-01T00:00:00Z")

/* condition keys made of one token's claims, at most */
#define NGX_HTTP_IAM_JWT_MAX_CLAIMS    32

/* a multi-object delete body: 1000 keys of 1024 bytes, and the XML */
#define NGX_HTTP_IAM_MAX_BODY          (2 * 1024 * 1024)


typedef struct {
    ngx_str_t                   file;
    iam_account_t              *account;
    size_t                      max_tags;       /* of any principal */
    ngx_int_t                   request_id_index;
    iam_sts_keyring_t          *sts_keys;       /* iam_sts_key_file */
    ngx_shm_zone_t             *sts_mfa_zone;   /* TOTP steps used */

    ngx_array_t                *oidc_providers; /* ngx_http_iam_jwt.c's */
    time_t                      jwt_leeway;
    size_t                      jwt_max_size;
    ngx_uint_t                  jwt_cache_size;
} ngx_http_iam_main_conf_t;


typedef struct {
    ngx_uint_t                  methods;        /* GET|...; 0: "any" */
    iam_str_t                   action;
} ngx_http_iam_action_t;


/* a condition key's name with its iam_hash_icase(), computed once */
typedef struct {
    iam_str_t                   name;
    uint32_t                    hash;
} ngx_http_iam_key_t;


typedef struct {
    ngx_http_iam_key_t          key;
    ngx_http_complex_value_t    value;
} ngx_http_iam_condition_key_t;


/* iam_upstream_sigv4: the store's key, read at configuration time */
typedef struct {
    iam_str_t                   access_key;
    iam_str_t                   secret;
    iam_sigv4_conf_t            sigv4;          /* region and service */
    ngx_http_complex_value_t   *host;           /* the Host sent upstream */
} ngx_http_iam_upstream_conf_t;


typedef struct {
    ngx_flag_t                  enable;
    ngx_flag_t                  enforce;
    ngx_uint_t                  auth;           /* NGX_HTTP_IAM_AUTH_* */

    ngx_str_t                   region;
    ngx_str_t                   service;
    time_t                      skew;
    iam_sigv4_conf_t            sigv4;          /* compiled at merge */

    ngx_uint_t                  mapping;        /* NGX_HTTP_IAM_MAPPING_* */
    ngx_array_t                *domains;        /* of iam_str_t */

    ngx_array_t                *actions;        /* ngx_http_iam_action_t */
    ngx_http_complex_value_t   *resource;
    ngx_array_t                *keys;           /* of condition keys */

    iam_policy_t               *resource_policy;

    ngx_flag_t                  sts;            /* iam_sts on: the endpoint */

    /* JWT: the role a token assumes, and where the token comes from */
    ngx_str_t                   role_name;      /* iam_role */
    const iam_role_t           *role;
    ngx_str_t                   role_header;    /* iam_role_header */
    ngx_http_complex_value_t   *jwt_token;      /* iam_jwt_token */
    ngx_str_t                   jwt_session_claim;

    ngx_flag_t                  unsigned_payload;  /* iam_s3_unsigned_... */

    ngx_http_iam_upstream_conf_t  *upstream;    /* NULL: not re-signed */

    /* entries of the request's condition context, counted at merge */
    ngx_uint_t                  ncontext;
} ngx_http_iam_loc_conf_t;


/* A refusal: what the client gets and what the error log says. */
typedef struct {
    ngx_uint_t                  status;
    ngx_str_t                   code;           /* "SignatureDoesNotMatch" */
    ngx_str_t                   message;        /* AWS's text */
    ngx_str_t                   region;         /* S3's <Region>, if any */
    ngx_uint_t                  level;          /* NGX_LOG_INFO, NGX_LOG_ERR */
    const char                 *reason;         /* detail for the log */
    ngx_str_t                   challenge;      /* WWW-Authenticate, 401 */
} ngx_http_iam_error_t;


typedef struct {
    ngx_http_iam_loc_conf_t    *conf;

    /* authentication */
    const iam_user_t           *user;           /* NULL: anonymous */
    const iam_account_t        *account;        /* the user's */
    /* a role session: a JWT's, or an STS token's (then sts is set too) */
    const iam_session_t        *session;
    const iam_sts_session_t    *sts;            /* temporary credentials */
    void                       *jwt;            /* ngx_http_iam_jwt.c's */
    const iam_principal_t      *principal;
    iam_str_t                   access_key;
    iam_str_t                   region;         /* of the credential scope */
    time_t                      signed_at;      /* x-amz-date, in seconds */

    /* mapping: the pair that decided, or the first one */
    iam_str_t                   action;
    iam_str_t                   resource;

    /* decision */
    iam_decision_e              decision;
    const iam_statement_t      *statement;

    ngx_http_iam_error_t        error;          /* error.code.len: refused */

    /*
     * S3 payload integrity (ngx_http_iam_body.c): the decoder holds the
     * seed signature and signing key of the authentication; a payload
     * refused mid-body is answered as S3 does by replacing nginx's own
     * error page.
     */
    iam_s3_chunked_t           *payload;
    ngx_str_t                   error_type;
    ngx_str_t                   error_body;

    unsigned                    authenticated:1;
    unsigned                    auth_failed:1;
    unsigned                    evaluated:1;
    unsigned                    body_pending:1;
    unsigned                    body_read:1;
    unsigned                    payload_failed:1;
    unsigned                    payload_replace:1;
    unsigned                    payload_headers:1;
    unsigned                    payload_sent:1;
    unsigned                    presigned:1;    /* SigV4 in the query */

    void                       *upstream;       /* the re-signed request */

    /* storage for the connection's condition keys */
    iam_str_t                   source_ip;
    u_char                      source_ip_text[NGX_INET6_ADDRSTRLEN];
    iam_str_t                   user_agent;
    iam_str_t                   referer;

    iam_context_t               context;
    iam_context_entry_t         entries[1];     /* conf->ncontext of them */
} ngx_http_iam_ctx_t;


/* ngx_http_iam_sigv4.c */

/*
 * NGX_OK: ctx->user, principal, access_key and region set;
 * NGX_DECLINED: the request carries no SigV4 credentials;
 * NGX_AGAIN: the signature covers the body: read it and call again;
 * NGX_ABORT: refused, ctx->error says why; NGX_ERROR: internal.
 */
ngx_int_t ngx_http_iam_sigv4_authenticate(ngx_http_request_t *r,
    ngx_http_iam_main_conf_t *imcf, ngx_http_iam_loc_conf_t *ilcf,
    ngx_http_iam_ctx_t *ctx);
ngx_int_t ngx_http_iam_sigv4_init_worker(ngx_cycle_t *cycle);
void ngx_http_iam_sigv4_exit_worker(ngx_cycle_t *cycle);


/* ngx_http_iam_jwt.c */

/*
 * NGX_OK: ctx->session and principal set; NGX_DECLINED: no bearer token;
 * NGX_ABORT: refused, ctx->error says why; NGX_ERROR: internal.
 */
ngx_int_t ngx_http_iam_jwt_authenticate(ngx_http_request_t *r,
    ngx_http_iam_main_conf_t *imcf, ngx_http_iam_loc_conf_t *ilcf,
    ngx_http_iam_ctx_t *ctx);
ngx_int_t ngx_http_iam_jwt_context(ngx_http_request_t *r,
    ngx_http_iam_ctx_t *ctx);
ngx_int_t ngx_http_iam_jwt_init_worker(ngx_cycle_t *cycle);
ngx_int_t ngx_http_iam_jwt_init_conf(ngx_conf_t *cf,
    ngx_http_iam_main_conf_t *imcf);
char *ngx_http_iam_oidc_provider(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_iam_role(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *ngx_http_iam_jwt_merge(ngx_conf_t *cf, ngx_http_iam_loc_conf_t *prev,
    ngx_http_iam_loc_conf_t *conf);


/* ngx_http_iam_sts.c */

/*
 * SigV4 credentials with X-Amz-Security-Token: opens the token, checks the
 * access key id against it and sets ctx's principal.  NGX_OK with *secret
 * to verify the signature with; NGX_ABORT: refused, ctx->error says why.
 */
ngx_int_t ngx_http_iam_sts_credentials(ngx_http_request_t *r,
    ngx_http_iam_main_conf_t *imcf, ngx_http_iam_loc_conf_t *ilcf,
    ngx_http_iam_ctx_t *ctx, iam_str_t token, iam_str_t access_key,
    iam_str_t *secret);
/* the condition keys of a principal with temporary credentials */
ngx_int_t ngx_http_iam_sts_context(ngx_http_request_t *r,
    ngx_http_iam_ctx_t *ctx);
char *ngx_http_iam_sts(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *ngx_http_iam_sts_key_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
/* entries a session's condition keys need beyond a user's */
#define NGX_HTTP_IAM_STS_CONTEXT_KEYS                                         \
    (IAM_SESSION_CONTEXT_KEYS + IAM_SESSION_MAX_TAGS)


/* ngx_http_iam_body.c */

/*
 * After a verified SigV4 on an S3 location: NGX_OK, the body will be
 * checked as it streams (or needs no check); NGX_ABORT: refused at once,
 * ctx->error says why; NGX_ERROR: internal.
 */
ngx_int_t ngx_http_iam_body_init(ngx_http_request_t *r,
    ngx_http_iam_loc_conf_t *ilcf, ngx_http_iam_ctx_t *ctx,
    const iam_sigv4_auth_t *auth, iam_str_t secret, iam_sigv4_cache_t *cache);
ngx_int_t ngx_http_iam_body_init_filters(ngx_conf_t *cf);


/* ngx_http_iam_map.c */

typedef struct {
    iam_str_t                   action;
    iam_str_t                   resource;
} ngx_http_iam_access_t;

typedef struct {
    ngx_http_iam_access_t      *access;
    ngx_uint_t                  naccess;
    void                       *s3;             /* iam_s3_result_t */
} ngx_http_iam_mapped_t;

/*
 * NGX_OK with the pairs in *mapped; NGX_AGAIN: the mapping needs the
 * request body (read it and call again); NGX_ABORT: refused, ctx->error
 * says why; NGX_ERROR: internal.
 */
ngx_int_t ngx_http_iam_map(ngx_http_request_t *r,
    ngx_http_iam_loc_conf_t *ilcf, ngx_http_iam_ctx_t *ctx,
    ngx_http_iam_mapped_t *mapped);
void ngx_http_iam_split_uri(ngx_http_request_t *r, iam_str_t *path,
    iam_str_t *query);
ngx_int_t ngx_http_iam_map_context(ngx_http_request_t *r,
    ngx_http_iam_ctx_t *ctx, ngx_http_iam_mapped_t *mapped);


/* ngx_http_iam_context.c */

ngx_int_t ngx_http_iam_context_connection(ngx_http_request_t *r,
    ngx_http_iam_loc_conf_t *ilcf, ngx_http_iam_ctx_t *ctx);
ngx_int_t ngx_http_iam_context_keys(ngx_http_request_t *r,
    ngx_http_iam_loc_conf_t *ilcf, ngx_http_iam_ctx_t *ctx);
ngx_int_t ngx_http_iam_context_principal(ngx_http_request_t *r,
    ngx_http_iam_main_conf_t *imcf, ngx_http_iam_ctx_t *ctx);
ngx_int_t ngx_http_iam_context_key_valid(ngx_str_t *name);
void ngx_http_iam_context_init(void);


/* ngx_http_iam_variables.c */

ngx_int_t ngx_http_iam_add_variables(ngx_conf_t *cf);


/* ngx_http_iam_upstream.c */

char *ngx_http_iam_upstream_sigv4(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_iam_upstream_add_variables(ngx_conf_t *cf);
ngx_int_t ngx_http_iam_upstream_init_worker(ngx_cycle_t *cycle);
/* NGX_OK, or NGX_ABORT with ctx->error: cannot be forwarded re-signed */
ngx_int_t ngx_http_iam_upstream_check(ngx_http_request_t *r,
    ngx_http_iam_loc_conf_t *ilcf, ngx_http_iam_ctx_t *ctx);


/* ngx_http_iam_error.c */

void ngx_http_iam_set_error(ngx_http_iam_ctx_t *ctx, ngx_uint_t status,
    const char *code, const char *message, ngx_uint_t level,
    const char *reason);
ngx_int_t ngx_http_iam_error_body(ngx_http_request_t *r,
    ngx_http_iam_main_conf_t *imcf, ngx_http_iam_loc_conf_t *ilcf,
    ngx_http_iam_ctx_t *ctx, ngx_str_t *type, ngx_str_t *body);
ngx_int_t ngx_http_iam_send_error(ngx_http_request_t *r,
    ngx_http_iam_main_conf_t *imcf, ngx_http_iam_loc_conf_t *ilcf,
    ngx_http_iam_ctx_t *ctx);


/* ngx_http_iam_module.c */

ngx_http_iam_ctx_t *ngx_http_iam_get_ctx(ngx_http_request_t *r);


extern ngx_module_t  ngx_http_iam_module;


#endif /* _NGX_HTTP_IAM_MODULE_H_INCLUDED_ */
