
/*
 * mod_iam: the engine's authorization in Apache httpd 2.4, shared between
 * the module's files.
 *
 * httpd's own model: "AuthType IAM" authenticates (SigV4) in the check_authn
 * hook (mod_iam_auth.c), "Require iam" is an authorization provider that
 * maps, builds the condition context and evaluates (mod_iam_authz.c), so it
 * composes with <RequireAll>/<RequireAny>; a refusal becomes AWS's status
 * and XML or JSON body in an error filter (mod_iam_error.c).  Directives
 * and configuration are in mod_iam.c.
 */


#ifndef _MOD_IAM_H_INCLUDED_
#define _MOD_IAM_H_INCLUDED_


#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <ap_expr.h>
#include <apr_strings.h>

#include <iam/iam_core.h>
#include <iam/iam_context.h>
#include <iam/iam_policy.h>
#include <iam/iam_eval.h>
#include <iam/iam_account.h>
#include <iam/iam_sigv4.h>
#include <iam/iam_s3.h>


#define MOD_IAM_AUTH_TYPE          "IAM"

#define MOD_IAM_AUTH_SIGV4         0x01
#define MOD_IAM_AUTH_JWT           0x02        /* not yet: #6 */

#define MOD_IAM_MAPPING_UNSET      -1
#define MOD_IAM_MAPPING_CUSTOM     0
#define MOD_IAM_MAPPING_S3         1

#define MOD_IAM_UNSET              -1

/* the nginx module's numbers, so both servers size the context alike */
#define MOD_IAM_CONNECTION_KEYS    8
#define MOD_IAM_PRINCIPAL_KEYS     5

/* a multi-object delete body: 1000 keys of 1024 bytes, and the XML */
#define MOD_IAM_MAX_BODY           (2 * 1024 * 1024)
/* a signed payload of another service is hashed in memory, up to this */
#define MOD_IAM_MAX_SIGNED_BODY    (8 * 1024 * 1024)

/* IAMAction methods */
#define MOD_IAM_GET                0x01
#define MOD_IAM_HEAD               0x02
#define MOD_IAM_PUT                0x04
#define MOD_IAM_POST               0x08
#define MOD_IAM_DELETE             0x10
#define MOD_IAM_PATCH              0x20
#define MOD_IAM_OPTIONS            0x40


typedef struct {
    const char                 *file;
    iam_account_t              *account;
    size_t                      max_tags;       /* of any principal */
} mod_iam_server_conf_t;


typedef struct {
    unsigned                    methods;        /* MOD_IAM_*; 0: "any" */
    iam_str_t                   action;
} mod_iam_action_t;


typedef struct {
    iam_str_t                   name;
    uint32_t                    hash;
    ap_expr_info_t             *value;
} mod_iam_condition_key_t;


typedef struct {
    int                         auth;           /* MOD_IAM_AUTH_* */

    const char                 *region;         /* NULL: unset */
    const char                 *service;
    int                         skew;

    int                         mapping;        /* MOD_IAM_MAPPING_* */
    apr_array_header_t         *domains;        /* of iam_str_t */

    apr_array_header_t         *actions;        /* of mod_iam_action_t */
    ap_expr_info_t             *resource;
    apr_array_header_t         *keys;           /* of condition keys */

    iam_policy_t               *resource_policy;
    int                         resource_policy_set;
} mod_iam_dir_conf_t;


typedef struct {
    unsigned                    status;
    const char                 *code;           /* "SignatureDoesNotMatch" */
    const char                 *message;        /* AWS's text */
    const char                 *region;         /* S3's <Region>, if any */
    int                         level;          /* APLOG_INFO, APLOG_ERR */
    const char                 *reason;         /* detail for the log */
} mod_iam_error_t;


typedef struct {
    iam_str_t                   action;
    iam_str_t                   resource;
} mod_iam_access_t;


typedef struct {
    mod_iam_dir_conf_t         *conf;           /* merged for the request */
    iam_sigv4_conf_t            sigv4;
    int                         mapping;

    /* authentication */
    const iam_user_t           *user;           /* NULL: anonymous */
    const iam_principal_t      *principal;
    iam_str_t                   access_key;
    iam_str_t                   region;         /* of the credential scope */

    /* the request body, when a step needed it (kept for the handler) */
    const char                 *body;
    apr_size_t                  body_len;
    unsigned                    body_read:1;

    /* mapping: the pair that decided, or the first one */
    iam_str_t                   action;
    iam_str_t                   resource;

    iam_decision_e              decision;
    const iam_statement_t      *statement;

    mod_iam_error_t             error;          /* error.code: refused */

    unsigned                    authenticated:1;
    unsigned                    auth_failed:1;
    unsigned                    evaluated:1;
    unsigned                    decided:1;
    unsigned                    error_sent:1;

    iam_context_t               context;
    iam_context_entry_t        *entries;
} mod_iam_ctx_t;


extern module AP_MODULE_DECLARE_DATA iam_module;

/* error log lines say [iam:level]; mod_iam.c declares the module itself */
#ifndef MOD_IAM_DECLARES_MODULE
APLOG_USE_MODULE(iam);
#endif


/* mod_iam.c */
mod_iam_ctx_t *mod_iam_get_ctx(request_rec *r, int create);
const iam_principal_t *mod_iam_anonymous(void);
/* MOD_IAM_GET ... of a method name, 0 for others */
unsigned mod_iam_method_bit(const char *method);

/* mod_iam_auth.c */
int mod_iam_check_authn(request_rec *r);
int mod_iam_note_auth_failure(request_rec *r, const char *auth_type);
void mod_iam_auth_child_init(apr_pool_t *p);
int mod_iam_read_body(request_rec *r, mod_iam_ctx_t *ctx, apr_size_t max);
void mod_iam_register_body_filter(void);

/* mod_iam_authz.c */
void mod_iam_register_authz(apr_pool_t *p);
/* map, build the context, evaluate: ctx->decision or ctx->error */
int mod_iam_decide(request_rec *r, mod_iam_ctx_t *ctx);

/* mod_iam_context.c */
int mod_iam_context_build(request_rec *r, mod_iam_ctx_t *ctx,
    iam_s3_result_t *s3);
void mod_iam_context_init(void);

/* mod_iam_error.c */
void mod_iam_set_error(mod_iam_ctx_t *ctx, unsigned status,
    const char *code, const char *message, int level, const char *reason);
void mod_iam_sigv4_error(mod_iam_ctx_t *ctx, iam_sigv4_err_t err,
    const char *detail);
void mod_iam_log_refusal(request_rec *r, mod_iam_ctx_t *ctx);
void mod_iam_set_notes(request_rec *r, mod_iam_ctx_t *ctx);
void mod_iam_insert_error_filter(request_rec *r);
void mod_iam_register_error_filter(void);


#endif /* _MOD_IAM_H_INCLUDED_ */
