
/*
 * mod_iam: the module's directives, configuration and hooks.
 *
 * Everything that can be done once is done when httpd reads its
 * configuration (at start, "apachectl -t", and every graceful restart): the
 * account file and resource policies are parsed and compiled into memory
 * owned by the configuration pool, so a restart swaps them and a bad policy
 * fails the configuration with FILE:LINE:COLUMN.  Requests only look up,
 * evaluate expressions and allocate from r->pool.
 */


#define MOD_IAM_DECLARES_MODULE
#include "mod_iam.h"
#include <mod_auth.h>


typedef struct {
    const char                 *name;
    unsigned                    method;
} mod_iam_method_t;


static void *mod_iam_create_server_conf(apr_pool_t *p, server_rec *s);
static void *mod_iam_merge_server_conf(apr_pool_t *p, void *base,
    void *add);
static void *mod_iam_create_dir_conf(apr_pool_t *p, char *dir);
static void *mod_iam_merge_dir_conf(apr_pool_t *p, void *base, void *add);
static void mod_iam_register_hooks(apr_pool_t *p);
static void mod_iam_child_init(apr_pool_t *p, server_rec *s);
static apr_status_t mod_iam_account_cleanup(void *data);
static apr_status_t mod_iam_pool_cleanup(void *data);
static const char *mod_iam_diags(cmd_parms *cmd, iam_diags_t *diags,
    const char *what, const char *file);

static const char *mod_iam_account(cmd_parms *cmd, void *conf,
    const char *arg);
static const char *mod_iam_auth(cmd_parms *cmd, void *conf, int argc,
    char *const argv[]);
static const char *mod_iam_sigv4(cmd_parms *cmd, void *conf, int argc,
    char *const argv[]);
static const char *mod_iam_mapping(cmd_parms *cmd, void *conf, int argc,
    char *const argv[]);
static const char *mod_iam_action(cmd_parms *cmd, void *conf, int argc,
    char *const argv[]);
static const char *mod_iam_resource(cmd_parms *cmd, void *conf,
    const char *arg);
static const char *mod_iam_condition_key(cmd_parms *cmd, void *conf,
    const char *name, const char *value);
static const char *mod_iam_resource_policy(cmd_parms *cmd, void *conf,
    const char *arg);


static const command_rec  mod_iam_commands[] = {

    AP_INIT_TAKE1("IAMAccount", mod_iam_account, NULL, RSRC_CONF,
                  "the account file: users, groups, roles, policies, keys"),

    AP_INIT_TAKE_ARGV("IAMAuth", mod_iam_auth, NULL,
                      RSRC_CONF|ACCESS_CONF,
                      "the authenticators accepted: sigv4"),

    AP_INIT_TAKE_ARGV("IAMSigV4", mod_iam_sigv4, NULL,
                      RSRC_CONF|ACCESS_CONF,
                      "region=REGION [service=SERVICE] [skew=SECONDS]"),

    AP_INIT_TAKE_ARGV("IAMMapping", mod_iam_mapping, NULL,
                      RSRC_CONF|ACCESS_CONF,
                      "s3 [virtual_host_base=DOMAIN]..."),

    AP_INIT_TAKE_ARGV("IAMAction", mod_iam_action, NULL,
                      RSRC_CONF|ACCESS_CONF,
                      "METHOD... service:Action, or any service:Action"),

    AP_INIT_TAKE1("IAMResource", mod_iam_resource, NULL,
                  RSRC_CONF|ACCESS_CONF,
                  "the resource ARN, an ap_expr string"),

    AP_INIT_TAKE2("IAMConditionKey", mod_iam_condition_key, NULL,
                  RSRC_CONF|ACCESS_CONF,
                  "a condition key and its value, an ap_expr string"),

    AP_INIT_TAKE1("IAMResourcePolicy", mod_iam_resource_policy, NULL,
                  RSRC_CONF|ACCESS_CONF,
                  "a resource policy file for this location"),

    { NULL }
};


AP_DECLARE_MODULE(iam) = {
    STANDARD20_MODULE_STUFF,
    mod_iam_create_dir_conf,
    mod_iam_merge_dir_conf,
    mod_iam_create_server_conf,
    mod_iam_merge_server_conf,
    mod_iam_commands,
    mod_iam_register_hooks
};


static const mod_iam_method_t  mod_iam_methods[] = {
    { "GET",     MOD_IAM_GET },
    { "HEAD",    MOD_IAM_HEAD },
    { "PUT",     MOD_IAM_PUT },
    { "POST",    MOD_IAM_POST },
    { "DELETE",  MOD_IAM_DELETE },
    { "PATCH",   MOD_IAM_PATCH },
    { "OPTIONS", MOD_IAM_OPTIONS },
    { NULL, 0 }
};


/* the principal of a request that carries no credentials */
static iam_principal_t  mod_iam_anonymous_principal = {
    iam_string("anonymous"), iam_null_string, iam_null_string,
    IAM_PRINCIPAL_KIND_ANONYMOUS
};


const iam_principal_t *
mod_iam_anonymous(void)
{
    return &mod_iam_anonymous_principal;
}


static void
mod_iam_register_hooks(apr_pool_t *p)
{
    mod_iam_context_init();

    ap_hook_check_authn(mod_iam_check_authn, NULL, NULL, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_note_auth_failure(mod_iam_note_auth_failure, NULL, NULL,
                              APR_HOOK_MIDDLE);
    ap_hook_insert_error_filter(mod_iam_insert_error_filter, NULL, NULL,
                                APR_HOOK_MIDDLE);
    ap_hook_child_init(mod_iam_child_init, NULL, NULL, APR_HOOK_MIDDLE);

    mod_iam_register_authz(p);
    mod_iam_register_error_filter();
    mod_iam_register_body_filter();
}


static void
mod_iam_child_init(apr_pool_t *p, server_rec *s)
{
    mod_iam_auth_child_init(p);
}


/*
 * The request's state, created on first use with everything the merged
 * configuration decides once per request: the SigV4 rules of the location
 * and the size of the condition context.
 */

mod_iam_ctx_t *
mod_iam_get_ctx(request_rec *r, int create)
{
    size_t                  n;
    iam_str_t               region, service;
    mod_iam_ctx_t          *ctx;
    mod_iam_dir_conf_t     *conf;
    mod_iam_server_conf_t  *scf;

    ctx = ap_get_module_config(r->request_config, &iam_module);

    if (ctx || !create) {
        return ctx;
    }

    conf = ap_get_module_config(r->per_dir_config, &iam_module);
    scf = ap_get_module_config(r->server->module_config, &iam_module);

    ctx = apr_pcalloc(r->pool, sizeof(mod_iam_ctx_t));

    ctx->conf = conf;
    ctx->decision = IAM_IMPLICIT_DENY;

    ctx->mapping = conf->mapping == MOD_IAM_MAPPING_UNSET
                   ? MOD_IAM_MAPPING_CUSTOM : conf->mapping;

    region.data = conf->region ? conf->region : "us-east-1";
    region.len = strlen(region.data);

    if (conf->service && conf->service[0]) {
        service.data = conf->service;

    } else if (ctx->mapping == MOD_IAM_MAPPING_S3) {
        service.data = "s3";

    } else {
        /* the service name AWS clients sign custom HTTP APIs with */
        service.data = "execute-api";
    }

    service.len = strlen(service.data);

    iam_sigv4_conf_init(&ctx->sigv4, region, service);
    ctx->sigv4.skew = conf->skew == MOD_IAM_UNSET ? 15 * 60 : conf->skew;

    n = MOD_IAM_CONNECTION_KEYS + MOD_IAM_PRINCIPAL_KEYS + scf->max_tags
        + (conf->keys ? (size_t) conf->keys->nelts : 0);

    if (ctx->mapping == MOD_IAM_MAPPING_S3) {
        n += IAM_S3_MAX_CONDITIONS;
    }

    ctx->entries = apr_palloc(r->pool, n * sizeof(iam_context_entry_t));
    iam_context_init(&ctx->context, ctx->entries, n);

    ap_set_module_config(r->request_config, &iam_module, ctx);

    return ctx;
}


static void *
mod_iam_create_server_conf(apr_pool_t *p, server_rec *s)
{
    return apr_pcalloc(p, sizeof(mod_iam_server_conf_t));
}


static void *
mod_iam_merge_server_conf(apr_pool_t *p, void *base, void *add)
{
    mod_iam_server_conf_t  *prev = base;
    mod_iam_server_conf_t  *conf = add;
    mod_iam_server_conf_t  *merged;

    merged = apr_pcalloc(p, sizeof(mod_iam_server_conf_t));

    *merged = conf->account ? *conf : *prev;

    return merged;
}


static void *
mod_iam_create_dir_conf(apr_pool_t *p, char *dir)
{
    mod_iam_dir_conf_t  *conf;

    conf = apr_pcalloc(p, sizeof(mod_iam_dir_conf_t));

    conf->auth = MOD_IAM_UNSET;
    conf->skew = MOD_IAM_UNSET;
    conf->mapping = MOD_IAM_MAPPING_UNSET;

    return conf;
}


static void *
mod_iam_merge_dir_conf(apr_pool_t *p, void *base, void *add)
{
    mod_iam_dir_conf_t  *prev = base;
    mod_iam_dir_conf_t  *conf = add;
    mod_iam_dir_conf_t  *m;

    m = apr_palloc(p, sizeof(mod_iam_dir_conf_t));

    m->auth = conf->auth != MOD_IAM_UNSET ? conf->auth : prev->auth;

    if (conf->region) {
        m->region = conf->region;
        m->service = conf->service;
        m->skew = conf->skew;

    } else {
        m->region = prev->region;
        m->service = prev->service;
        m->skew = prev->skew;
    }

    /*
     * A section's own mapping stands on its own, as in nginx: IAMMapping s3
     * drops outer IAMAction rules, IAMAction drops an outer s3 mapping
     */

    m->resource = conf->resource ? conf->resource : prev->resource;

    if (conf->mapping == MOD_IAM_MAPPING_S3) {
        m->mapping = MOD_IAM_MAPPING_S3;
        m->domains = conf->domains;
        m->actions = NULL;
        m->resource = NULL;

    } else if (conf->actions) {
        m->mapping = MOD_IAM_MAPPING_CUSTOM;
        m->domains = NULL;
        m->actions = conf->actions;

    } else {
        m->mapping = prev->mapping;
        m->domains = prev->domains;
        m->actions = prev->actions;
    }

    m->keys = conf->keys ? conf->keys : prev->keys;

    if (conf->resource_policy_set) {
        m->resource_policy = conf->resource_policy;
        m->resource_policy_set = 1;

    } else {
        m->resource_policy = prev->resource_policy;
        m->resource_policy_set = prev->resource_policy_set;
    }

    return m;
}


static const char *
mod_iam_account(cmd_parms *cmd, void *dummy, const char *arg)
{
    size_t                  i;
    const char             *file, *err;
    iam_diags_t             diags;
    iam_account_t          *account;
    mod_iam_server_conf_t  *scf;

    scf = ap_get_module_config(cmd->server->module_config, &iam_module);

    if (scf->account) {
        return "IAMAccount is duplicate";
    }

    file = ap_server_root_relative(cmd->pool, arg);
    if (file == NULL) {
        return apr_psprintf(cmd->pool, "IAMAccount: invalid path \"%s\"",
                            arg);
    }

    iam_diags_init(&diags);

    account = iam_account_load(file, &diags);

    if (account == NULL) {
        err = mod_iam_diags(cmd, &diags, "cannot load the account file",
                            file);
        iam_diags_free(&diags);
        return err;
    }

    /* what is left are warnings */
    (void) mod_iam_diags(cmd, &diags, NULL, file);
    iam_diags_free(&diags);

    /* freed when this configuration is: a graceful restart reloads it */
    apr_pool_cleanup_register(cmd->pool, account, mod_iam_account_cleanup,
                              apr_pool_cleanup_null);

    scf->file = file;
    scf->account = account;

    for (i = 0; i < account->nusers; i++) {
        if (account->users[i].ntags > scf->max_tags) {
            scf->max_tags = account->users[i].ntags;
        }
    }

    for (i = 0; i < account->nroles; i++) {
        if (account->roles[i].ntags > scf->max_tags) {
            scf->max_tags = account->roles[i].ntags;
        }
    }

    return NULL;
}


static apr_status_t
mod_iam_account_cleanup(void *data)
{
    iam_account_free(data);

    return APR_SUCCESS;
}


static apr_status_t
mod_iam_pool_cleanup(void *data)
{
    iam_pool_destroy(data);

    return APR_SUCCESS;
}


/*
 * Errors become the directive's error (one FILE:LINE:COLUMN per line, the
 * way iamctl validate prints them); warnings go to the startup log.
 */

static const char *
mod_iam_diags(cmd_parms *cmd, iam_diags_t *diags, const char *what,
    const char *file)
{
    char        buf[1024];
    size_t      i, len;
    const char  *err;

    err = NULL;

    for (i = 0; i < diags->nitems; i++) {
        len = iam_diag_format(&diags->items[i], buf, sizeof(buf));
        if (len >= sizeof(buf)) {
            len = sizeof(buf) - 1;
        }

        buf[len] = '\0';

        if (what == NULL) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, cmd->server,
                         "iam: %s", buf);
            continue;
        }

        err = err ? apr_pstrcat(cmd->pool, err, "\n", buf, NULL)
                  : apr_pstrdup(cmd->pool, buf);
    }

    if (what && err == NULL) {
        err = apr_psprintf(cmd->pool, "%s: %s", file, what);
    }

    return err;
}


static const char *
mod_iam_auth(cmd_parms *cmd, void *dconf, int argc, char *const argv[])
{
    mod_iam_dir_conf_t *conf = dconf;

    int  i;

    if (argc == 0) {
        return "IAMAuth needs an authenticator: sigv4";
    }

    conf->auth = 0;

    for (i = 0; i < argc; i++) {

        if (strcmp(argv[i], "sigv4") == 0) {
            conf->auth |= MOD_IAM_AUTH_SIGV4;
            continue;
        }

        if (strcmp(argv[i], "jwt") == 0) {
            return "IAMAuth: \"jwt\" authentication is not implemented in "
                   "mod_iam yet, only \"sigv4\" is";
        }

        return apr_psprintf(cmd->pool, "IAMAuth: invalid authenticator "
                            "\"%s\", it must be \"sigv4\"", argv[i]);
    }

    return NULL;
}


static const char *
mod_iam_sigv4(cmd_parms *cmd, void *dconf, int argc, char *const argv[])
{
    mod_iam_dir_conf_t *conf = dconf;

    int          i;
    char        *end;
    long         skew;
    const char  *region, *service;

    region = NULL;
    service = NULL;
    skew = MOD_IAM_UNSET;

    for (i = 0; i < argc; i++) {

        if (strncmp(argv[i], "region=", 7) == 0 && argv[i][7]) {
            region = argv[i] + 7;
            continue;
        }

        if (strncmp(argv[i], "service=", 8) == 0 && argv[i][8]) {
            service = argv[i] + 8;
            continue;
        }

        if (strncmp(argv[i], "skew=", 5) == 0) {
            skew = strtol(argv[i] + 5, &end, 10);

            if (end != argv[i] + 5) {
                switch (*end) {
                case 'm':
                    skew *= 60;
                    end++;
                    break;
                case 'h':
                    skew *= 3600;
                    end++;
                    break;
                case 's':
                    end++;
                    break;
                }
            }

            /* AWS's own window is 15 minutes; a week is X-Amz-Expires' */
            if (end == argv[i] + 5 || *end != '\0' || skew < 1
                || skew > 7 * 24 * 60 * 60)
            {
                return apr_psprintf(cmd->pool, "IAMSigV4: invalid "
                                    "parameter \"%s\"", argv[i]);
            }

            continue;
        }

        return apr_psprintf(cmd->pool, "IAMSigV4: invalid parameter \"%s\"",
                            argv[i]);
    }

    if (region == NULL) {
        return "IAMSigV4 requires \"region=\"";
    }

    conf->region = region;
    conf->service = service;
    conf->skew = (int) skew;

    return NULL;
}


static const char *
mod_iam_mapping(cmd_parms *cmd, void *dconf, int argc, char *const argv[])
{
    mod_iam_dir_conf_t *conf = dconf;

    int          i;
    char        *d;
    size_t       len;
    iam_str_t   *domain;

    if (argc == 0 || strcmp(argv[0], "s3") != 0) {
        return apr_psprintf(cmd->pool, "IAMMapping: invalid mapping \"%s\", "
                            "it must be \"s3\"", argc ? argv[0] : "");
    }

    if (conf->actions || conf->resource) {
        return "IAMMapping s3 cannot be combined with IAMAction and "
               "IAMResource";
    }

    conf->mapping = MOD_IAM_MAPPING_S3;
    conf->domains = NULL;

    for (i = 1; i < argc; i++) {

        if (strncmp(argv[i], "virtual_host_base=", 18) != 0) {
            return apr_psprintf(cmd->pool, "IAMMapping: invalid parameter "
                                "\"%s\"", argv[i]);
        }

        d = apr_pstrdup(cmd->pool, argv[i] + 18);
        len = strlen(d);

        if (len == 0 || d[0] == '.' || d[len - 1] == '.') {
            return apr_psprintf(cmd->pool, "IAMMapping: invalid domain in "
                                "\"%s\"", argv[i]);
        }

        /* host names compare ignoring case: lowercase once here */
        ap_str_tolower(d);

        if (conf->domains == NULL) {
            conf->domains = apr_array_make(cmd->pool, 2, sizeof(iam_str_t));
        }

        domain = apr_array_push(conf->domains);
        domain->len = len;
        domain->data = d;
    }

    return NULL;
}


static const char *
mod_iam_action(cmd_parms *cmd, void *dconf, int argc, char *const argv[])
{
    mod_iam_dir_conf_t *conf = dconf;

    int                      i, j, any;
    unsigned                 methods;
    const char              *action, *colon;
    mod_iam_action_t        *a;
    const mod_iam_method_t  *m;

    if (argc < 2) {
        return "IAMAction needs methods and an action";
    }

    if (conf->mapping == MOD_IAM_MAPPING_S3) {
        return "IAMAction cannot be combined with IAMMapping s3";
    }

    action = argv[argc - 1];

    /* "service:Action", no wildcards: it names one action of a request */

    colon = strchr(action, ':');

    if (colon == NULL || colon == action || colon[1] == '\0'
        || strpbrk(action, "*?"))
    {
        return apr_psprintf(cmd->pool, "IAMAction: invalid action \"%s\", "
                            "it must be \"service:ActionName\"", action);
    }

    methods = 0;
    any = 0;

    for (i = 0; i < argc - 1; i++) {

        if (strcmp(argv[i], "any") == 0) {
            any = 1;
            continue;
        }

        for (m = mod_iam_methods; m->name; m++) {
            if (strcasecmp(argv[i], m->name) == 0) {
                break;
            }
        }

        if (m->name == NULL) {
            return apr_psprintf(cmd->pool, "IAMAction: invalid method "
                                "\"%s\"", argv[i]);
        }

        methods |= m->method;
    }

    if (any && methods) {
        return "IAMAction: \"any\" cannot be combined with methods";
    }

    if (conf->actions == NULL) {
        conf->actions = apr_array_make(cmd->pool, 4,
                                       sizeof(mod_iam_action_t));
    }

    a = (mod_iam_action_t *) conf->actions->elts;

    for (j = 0; j < conf->actions->nelts; j++) {

        if ((any && a[j].methods == 0) || (a[j].methods & methods)) {
            return apr_psprintf(cmd->pool, "IAMAction: the method is "
                                "already mapped to \"%.*s\"",
                                (int) a[j].action.len, a[j].action.data);
        }
    }

    a = apr_array_push(conf->actions);
    a->methods = methods;
    a->action.data = apr_pstrdup(cmd->pool, action);
    a->action.len = strlen(action);

    return NULL;
}


unsigned
mod_iam_method_bit(const char *method)
{
    const mod_iam_method_t  *m;

    for (m = mod_iam_methods; m->name; m++) {
        if (strcmp(method, m->name) == 0) {
            return m->method;
        }
    }

    return 0;
}


static const char *
mod_iam_resource(cmd_parms *cmd, void *dconf, const char *arg)
{
    mod_iam_dir_conf_t *conf = dconf;

    const char  *err;

    if (conf->mapping == MOD_IAM_MAPPING_S3) {
        return "IAMResource cannot be combined with IAMMapping s3";
    }

    if (strstr(arg, "%{") == NULL && strcmp(arg, "*") != 0
        && strncmp(arg, "arn:", 4) != 0)
    {
        return apr_psprintf(cmd->pool, "IAMResource: invalid resource "
                            "\"%s\", it must be an ARN", arg);
    }

    err = NULL;

    conf->resource = ap_expr_parse_cmd(cmd, arg, AP_EXPR_FLAG_STRING_RESULT,
                                       &err, NULL);
    if (err) {
        return apr_psprintf(cmd->pool, "IAMResource: cannot parse \"%s\": "
                            "%s", arg, err);
    }

    return NULL;
}


/* keys only the authenticated principal may set */
static const char  *mod_iam_principal_keys[] = {
    "aws:username",
    "aws:userid",
    "aws:Principal",            /* a prefix: Arn, Tag/, Type ... */
    "aws:MultiFactorAuth",
    "aws:TokenIssueTime",
    "aws:FederatedProvider",
    NULL
};


static const char *
mod_iam_condition_key(cmd_parms *cmd, void *dconf, const char *name,
    const char *value)
{
    mod_iam_dir_conf_t *conf = dconf;

    int                       i;
    const char               *colon, *err, **k;
    mod_iam_condition_key_t  *key;

    colon = strchr(name, ':');

    if (colon == NULL || colon == name || colon[1] == '\0') {
        goto invalid;
    }

    for (k = mod_iam_principal_keys; *k; k++) {
        if (strncasecmp(name, *k, strlen(*k)) == 0) {
            goto invalid;
        }
    }

    if (conf->keys == NULL) {
        conf->keys = apr_array_make(cmd->pool, 2,
                                    sizeof(mod_iam_condition_key_t));
    }

    key = (mod_iam_condition_key_t *) conf->keys->elts;

    for (i = 0; i < conf->keys->nelts; i++) {
        if (strcasecmp(key[i].name.data, name) == 0) {
            return "IAMConditionKey is duplicate";
        }
    }

    key = apr_array_push(conf->keys);
    key->name.data = apr_pstrdup(cmd->pool, name);
    key->name.len = strlen(name);
    key->hash = iam_hash_icase(key->name.data, key->name.len);

    err = NULL;
    key->value = ap_expr_parse_cmd(cmd, value, AP_EXPR_FLAG_STRING_RESULT,
                                   &err, NULL);
    if (err) {
        return apr_psprintf(cmd->pool, "IAMConditionKey: cannot parse "
                            "\"%s\": %s", value, err);
    }

    return NULL;

invalid:

    return apr_psprintf(cmd->pool, "IAMConditionKey: invalid condition key "
                        "\"%s\": it must be \"prefix:Name\" and not name "
                        "the principal", name);
}


static const char *
mod_iam_resource_policy(cmd_parms *cmd, void *dconf, const char *arg)
{
    mod_iam_dir_conf_t *conf = dconf;

    const char    *file, *err;
    iam_pool_t    *pool;
    iam_diags_t    diags;
    iam_policy_t  *policy;

    if (conf->resource_policy_set) {
        return "IAMResourcePolicy is duplicate";
    }

    file = ap_server_root_relative(cmd->pool, arg);
    if (file == NULL) {
        return apr_psprintf(cmd->pool, "IAMResourcePolicy: invalid path "
                            "\"%s\"", arg);
    }

    pool = iam_pool_create();
    if (pool == NULL) {
        return "IAMResourcePolicy: out of memory";
    }

    apr_pool_cleanup_register(cmd->pool, pool, mod_iam_pool_cleanup,
                              apr_pool_cleanup_null);

    iam_diags_init(&diags);

    policy = iam_policy_load_file(pool, file, IAM_POLICY_RESOURCE, &diags);

    if (policy == NULL) {
        err = mod_iam_diags(cmd, &diags, "cannot load the policy", file);
        iam_diags_free(&diags);
        return err;
    }

    (void) mod_iam_diags(cmd, &diags, NULL, file);
    iam_diags_free(&diags);

    conf->resource_policy = policy;
    conf->resource_policy_set = 1;

    return NULL;
}
