/*
 * ngx_iam engine: one simulation case (DESIGN.md §4), JSON in, JSON out.
 *
 * The same code answers `iamctl simulate`, the unit tests, and the access
 * analysis that confirms its counterexamples: one semantics everywhere.
 */

#include <stdio.h>
#include <stdlib.h>
#include <iam/iam_simulate.h>
#include <iam/iam_eval.h>
#include <iam/iam_fault.h>


#define IAM_SIM_MAX_POLICIES  256
#define IAM_SIM_MAX_LEVELS    16


typedef struct {
    iam_pool_t             *pool;
    iam_diags_t             diags;
    const char             *error;
    json_t                 *explain;        /* array, or NULL */
} iam_sim_t;


static json_t *iam_sim_run(iam_sim_t *c, const json_t *in);
static const iam_policy_t *iam_sim_compile(iam_sim_t *c, json_t *doc,
    const char *label, iam_policy_kind_e kind);
static iam_policy_set_t *iam_sim_set(iam_sim_t *c, json_t *doc,
    const char *label, iam_policy_kind_e kind);
static int iam_sim_context(iam_sim_t *c, json_t *obj, iam_context_t *ctx);
static iam_str_t iam_sim_value(iam_sim_t *c, json_t *v, int *ok);
static void iam_sim_explain(void *data, const char *role,
    const iam_statement_t *st, iam_explain_e why,
    const iam_condition_t *cond);


json_t *
iam_simulate(const json_t *in, int explain)
{
    json_t     *out;
    iam_sim_t   c;

    if (!json_is_object(in)) {
        return iam_simulate_error("a case must be a JSON object");
    }

    memset(&c, 0, sizeof(iam_sim_t));
    iam_diags_init(&c.diags);
    c.pool = iam_pool_create();
    c.explain = explain ? json_array() : NULL;

    out = c.pool ? iam_sim_run(&c, in) : iam_simulate_error("out of memory");

    json_decref(c.explain);
    iam_diags_free(&c.diags);
    iam_pool_destroy(c.pool);

    return out;
}


static json_t *
iam_sim_run(iam_sim_t *c, const json_t *in)
{
    char                     label[64], buf[512];
    size_t                   i, j, n;
    json_t                  *v, *level, *req, *out, *doc;
    iam_str_t                arn;
    iam_result_t             result;
    iam_context_t            ctx;
    iam_request_t            r;
    iam_policies_t           pol;
    iam_principal_t          principal;
    const iam_policy_t      *list[IAM_SIM_MAX_POLICIES];
    iam_policy_set_t        *levels[IAM_SIM_MAX_LEVELS];

    memset(&pol, 0, sizeof(iam_policies_t));
    memset(&r, 0, sizeof(iam_request_t));

    /* the policies */

    v = json_object_get(in, "identity_policies");
    if (v && !json_is_array(v)) {
        return iam_simulate_error("identity_policies must be an array");
    }

    n = 0;
    json_array_foreach(v, i, doc) {
        if (n == IAM_SIM_MAX_POLICIES) {
            return iam_simulate_error("too many identity policies");
        }
        snprintf(label, sizeof(label), "identity_policies[%zu]", i);
        list[n] = iam_sim_compile(c, doc, label, IAM_POLICY_IDENTITY);
        if (list[n++] == NULL) {
            goto invalid;
        }
    }

    pol.identity = iam_policy_set_create(c->pool, list, n);

    v = json_object_get(in, "resource_policy");
    if (v && !json_is_null(v)) {
        pol.resource_policy = iam_sim_compile(c, v, "resource_policy",
                                             IAM_POLICY_RESOURCE);
        if (pol.resource_policy == NULL) {
            goto invalid;
        }
    }

    v = json_object_get(in, "permissions_boundary");
    if (v && !json_is_null(v)) {
        pol.boundary = iam_sim_set(c, v, "permissions_boundary",
                                  IAM_POLICY_IDENTITY);
        if (pol.boundary == NULL) {
            goto invalid;
        }
    }

    v = json_object_get(in, "session_policy");
    if (v && !json_is_null(v)) {
        pol.session = iam_sim_set(c, v, "session_policy", IAM_POLICY_IDENTITY);
        if (pol.session == NULL) {
            goto invalid;
        }
    }

    v = json_object_get(in, "scps");
    if (v && !json_is_null(v)) {
        if (!json_is_array(v) || json_array_size(v) > IAM_SIM_MAX_LEVELS) {
            return iam_simulate_error("scps must be an array of at most %d levels",
                                IAM_SIM_MAX_LEVELS);
        }

        json_array_foreach(v, i, level) {
            if (!json_is_array(level) || json_array_size(level) == 0
                || json_array_size(level) > IAM_SIM_MAX_POLICIES)
            {
                return iam_simulate_error("scps[%zu] must be a non-empty array of "
                                    "policies", i);
            }

            json_array_foreach(level, j, doc) {
                snprintf(label, sizeof(label), "scps[%zu][%zu]", i, j);
                list[j] = iam_sim_compile(c, doc, label, IAM_POLICY_IDENTITY);
                if (list[j] == NULL) {
                    goto invalid;
                }
            }

            levels[i] = iam_policy_set_create(c->pool, list,
                                              json_array_size(level));
            if (levels[i] == NULL) {
                return iam_simulate_error("out of memory");
            }
        }

        pol.guardrails = (const iam_policy_set_t *const *) levels;
        pol.nguardrails = json_array_size(v);
    }

    if (pol.identity == NULL) {
        return iam_simulate_error("out of memory");
    }

    /* the request */

    req = json_object_get(in, "request");
    if (!json_is_object(req)) {
        return iam_simulate_error("request must be an object");
    }

    v = json_object_get(req, "principal");
    if (v && !json_is_string(v) && !json_is_null(v)) {
        return iam_simulate_error("request.principal must be a string");
    }

    arn.data = json_is_string(v) ? json_string_value(v) : "";
    arn.len = json_is_string(v) ? json_string_length(v) : 0;
    iam_principal_parse(&principal, arn);
    r.principal = &principal;

    v = json_object_get(req, "action");
    if (!json_is_string(v) || json_string_length(v) == 0) {
        return iam_simulate_error("request.action must be a non-empty string");
    }

    r.action.data = json_string_value(v);
    r.action.len = json_string_length(v);

    v = json_object_get(req, "resource");
    if (v && !json_is_string(v) && !json_is_null(v)) {
        return iam_simulate_error("request.resource must be a string");
    }

    r.resource.data = json_is_string(v) ? json_string_value(v) : "";
    r.resource.len = json_is_string(v) ? json_string_length(v) : 0;

    v = json_object_get(req, "resource_account");
    if (v && !json_is_string(v) && !json_is_null(v)) {
        return iam_simulate_error("request.resource_account must be a string");
    }

    r.resource_account.data = json_is_string(v) ? json_string_value(v) : "";
    r.resource_account.len = json_is_string(v) ? json_string_length(v) : 0;

    if (iam_sim_context(c, json_object_get(req, "context"), &ctx) != IAM_OK) {
        return iam_simulate_error("%s", c->error);
    }

    r.context = &ctx;

    if (iam_evaluate(&pol, &r, &result, c->explain ? iam_sim_explain : NULL,
                     c)
        != IAM_OK)
    {
        return iam_simulate_error("the request could not be evaluated");
    }

    out = json_object();
    json_object_set_new(out, "decision",
                        json_string(iam_decision_name(result.decision)));

    if (result.statement) {
        iam_statement_label(result.statement, buf, sizeof(buf));
        json_object_set_new(out, "statement", json_string(buf));

    } else {
        json_object_set_new(out, "statement", json_null());
    }

    if (c->explain) {
        json_object_set(out, "explain", c->explain);
    }

    /* jansson fails quietly when out of memory: never half an answer */
    if (json_object_get(out, "decision") == NULL
        || json_object_get(out, "statement") == NULL
        || (c->explain && json_object_get(out, "explain") == NULL))
    {
        json_decref(out);
        return iam_simulate_error("out of memory");
    }

    return out;

invalid:

    return iam_simulate_error("%s", c->diags.nitems ? c->diags.items[0].message
                                              : "invalid policy");
}


static const iam_policy_t *
iam_sim_compile(iam_sim_t *c, json_t *doc, const char *label,
    iam_policy_kind_e kind)
{
    char           buf[1024];
    iam_source_t   src;
    iam_policy_t  *policy;

    memset(&src, 0, sizeof(iam_source_t));
    src.file = label;

    policy = iam_policy_compile(c->pool, doc, label, kind, &src, &c->diags);

    if (policy == NULL && c->diags.nitems) {
        /* name the policy in the one message the case gets */
        iam_diag_format(&c->diags.items[0], buf, sizeof(buf));
        free(c->diags.items[0].message);
        c->diags.items[0].message = iam_strdup(buf);
    }

    return policy;
}


static iam_policy_set_t *
iam_sim_set(iam_sim_t *c, json_t *doc, const char *label,
    iam_policy_kind_e kind)
{
    const iam_policy_t  *policy;

    policy = iam_sim_compile(c, doc, label, kind);
    if (policy == NULL) {
        return NULL;
    }

    return iam_policy_set_create(c->pool, &policy, 1);
}


static int
iam_sim_context(iam_sim_t *c, json_t *obj, iam_context_t *ctx)
{
    int                   ok;
    size_t                n, i;
    json_t               *v, *item;
    iam_str_t            *values, key;
    const char           *name;
    iam_context_entry_t  *entries;

    n = json_is_object(obj) ? json_object_size(obj) : 0;

    if (obj && !json_is_object(obj) && !json_is_null(obj)) {
        c->error = "request.context must be an object";
        return IAM_ERROR;
    }

    entries = iam_palloc(c->pool, (n + 1) * sizeof(iam_context_entry_t));
    if (entries == NULL) {
        c->error = "out of memory";
        return IAM_ERROR;
    }

    iam_context_init(ctx, entries, n + 1);

    if (n == 0) {
        return IAM_OK;
    }

    json_object_foreach(obj, name, v) {
        key.data = name;
        key.len = strlen(name);

        if (json_is_array(v)) {
            values = iam_palloc(c->pool,
                                (json_array_size(v) + 1) * sizeof(iam_str_t));
            if (values == NULL) {
                c->error = "out of memory";
                return IAM_ERROR;
            }

            json_array_foreach(v, i, item) {
                values[i] = iam_sim_value(c, item, &ok);
                if (!ok) {
                    c->error = "context values must be strings or lists of "
                               "strings";
                    return IAM_ERROR;
                }
            }

            iam_context_set(ctx, key, values, json_array_size(v));
            continue;
        }

        values = iam_palloc(c->pool, sizeof(iam_str_t));
        if (values == NULL) {
            c->error = "out of memory";
            return IAM_ERROR;
        }

        values[0] = iam_sim_value(c, v, &ok);
        if (!ok) {
            c->error = "context values must be strings or lists of strings";
            return IAM_ERROR;
        }

        iam_context_set(ctx, key, values, 1);
    }

    return IAM_OK;
}


/* strings as they are; numbers and booleans as their JSON text */
static iam_str_t
iam_sim_value(iam_sim_t *c, json_t *v, int *ok)
{
    char       buf[64];
    iam_str_t  s;

    *ok = 1;

    if (json_is_string(v)) {
        s.data = json_string_value(v);
        s.len = json_string_length(v);
        return s;
    }

    if (json_is_integer(v)) {
        snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
                 json_integer_value(v));

    } else if (json_is_real(v)) {
        snprintf(buf, sizeof(buf), "%.17g", json_real_value(v));

    } else if (json_is_boolean(v)) {
        snprintf(buf, sizeof(buf), "%s", json_is_true(v) ? "true" : "false");

    } else {
        *ok = 0;
        s.data = "";
        s.len = 0;
        return s;
    }

    return iam_pstr(c->pool, buf, strlen(buf));
}


static void
iam_sim_explain(void *data, const char *role, const iam_statement_t *st,
    iam_explain_e why, const iam_condition_t *cond)
{
    char            label[512], reason[512];
    json_t         *e;
    iam_sim_t  *c = data;

    iam_statement_label(st, label, sizeof(label));

    switch (why) {
    case IAM_EXPLAIN_MATCHED:
        snprintf(reason, sizeof(reason), "matched");
        break;
    case IAM_EXPLAIN_ACTION:
        snprintf(reason, sizeof(reason), "%s did not match the action",
                 st->not_action ? "NotAction" : "Action");
        break;
    case IAM_EXPLAIN_RESOURCE:
        snprintf(reason, sizeof(reason), "%s did not match the resource",
                 st->not_resource ? "NotResource" : "Resource");
        break;
    case IAM_EXPLAIN_PRINCIPAL:
        snprintf(reason, sizeof(reason), "%s did not match the principal",
                 st->not_principal ? "NotPrincipal" : "Principal");
        break;
    case IAM_EXPLAIN_CONDITION:
        snprintf(reason, sizeof(reason), "condition %.*s %.*s did not hold",
                 (int) cond->op_name.len, cond->op_name.data,
                 (int) cond->key.len, cond->key.data);
        break;
    }

    e = json_object();
    json_object_set_new(e, "role", json_string(role));
    json_object_set_new(e, "statement", json_string(label));
    json_object_set_new(e, "effect", json_string(
                            st->effect == IAM_EFFECT_DENY ? "Deny" : "Allow"));
    json_object_set_new(e, "matched", json_boolean(why
                                                   == IAM_EXPLAIN_MATCHED));
    json_object_set_new(e, "reason", json_string(reason));

    json_array_append_new(c->explain, e);
}


json_t *
iam_simulate_error(const char *fmt, ...)
{
    char     buf[1024];
    json_t  *out, *msg;
    va_list  args;

    va_start(args, fmt);
    vsnprintf(buf, sizeof(buf), fmt, args);
    va_end(args);

    /* a message quoting broken input may not be UTF-8 */
    msg = json_string(buf);
    if (msg == NULL) {
        msg = json_string("invalid input (not UTF-8)");
    }

    out = json_object();
    json_object_set_new(out, "error", msg);

    return out;
}
