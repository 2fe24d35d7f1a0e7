/*
 * iamctl analyze external ACCOUNT_FILE [RESOURCE_POLICY...] [--format json]
 * iamctl check-no-public-access POLICY [--account ACCOUNT_ID]
 *     [--format json]
 *
 * Every Allow statement of every role trust policy and resource policy is
 * read for the principals it names outside the account: all principals
 * ("*", or NotPrincipal: public), other accounts and their roles and users
 * (cross-account), identity providers (federated).  AWS service principals
 * are not external.  For each, one concrete request is built from the
 * statement (an action it allows, a resource it names, a context that
 * meets its conditions) and evaluated by the engine as iamctl simulate
 * would, with the trust policy's role as its Resource and, as Access
 * Analyzer assumes, the outside account's own policies allowing everything.
 * The finding names the condition keys that confine the access.
 *
 * check-no-public-access: PASS (exit 0) when no Allow statement can apply
 * to every principal without a condition that names the caller, its
 * organization or its network; FAIL (exit 1) with a public request the
 * engine allows; UNKNOWN (exit 3) when a public statement exists but no
 * request built from it is allowed (a Deny may block it); 2: bad input.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <iam/iam_core.h>
#include <iam/iam_json.h>
#include <iam/iam_account.h>
#include <iam/iam_simulate.h>

#include "iamctl_catalogue.h"
#include "iamctl_external.h"


#define IAMCTL_EXT_ACCOUNT  "999999999999"     /* "anyone else" */


typedef struct {
    const char     *account;        /* the analysed account's id */
    json_t         *findings;
    int             json;
} iamctl_ext_t;


static int iamctl_ext_policy(iamctl_ext_t *ext, const json_t *doc,
    const char *source, const char *role_arn);
static void iamctl_ext_statement(iamctl_ext_t *ext, const json_t *doc,
    const json_t *st, size_t index, const char *source, const char *role_arn);
static void iamctl_ext_finding(iamctl_ext_t *ext, const json_t *doc,
    const json_t *st, const char *label, const char *source,
    const char *role_arn, const char *access, const char *named,
    const char *principal);
static int iamctl_ext_principal(iamctl_ext_t *ext, const char *type,
    const char *value, const char **access, char *arn, size_t size);
static char *iamctl_ext_action(const json_t *st, int trust);
static char *iamctl_ext_resource(const json_t *st, const char *role_arn,
    json_t *context);
static char *iamctl_ext_concrete(const char *pattern, json_t *context);
static json_t *iamctl_ext_context(const json_t *cond, json_t *context,
    json_t *keys);
static const char *iamctl_ext_decide(const json_t *doc, const char *role_arn,
    json_t *request, int external);
static int iamctl_ext_confining(const json_t *cond);
static json_t *iamctl_ext_strings(const json_t *v);
static void iamctl_ext_print(iamctl_ext_t *ext);
static json_t *iamctl_ext_load(const char *file, iam_policy_kind_e kind);
static int iamctl_ext_public(const json_t *st);


static const char  *iamctl_ext_any_actions[] = {
    "s3:GetObject", "s3:PutObject", "s3:ListBucket", "sts:AssumeRole",
    "sqs:SendMessage", "kms:Decrypt", "lambda:InvokeFunction", NULL
};

/* keys that name who calls, from where: a condition on them confines */
static const char  *iamctl_ext_confining_keys[] = {
    "aws:PrincipalAccount", "aws:PrincipalArn", "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths", "aws:SourceAccount", "aws:SourceArn",
    "aws:SourceOrgID", "aws:SourceOrgPaths", "aws:SourceVpc",
    "aws:SourceVpce", "aws:SourceIp", "aws:VpcSourceIp", "aws:userid",
    "aws:username", "aws:SourceOwner", "sts:ExternalId", NULL
};


int
iamctl_analyze_external(int argc, char **argv)
{
    int            i, rc, nfiles;
    char           arn[512], source[512];
    json_t        *doc, *roles, *role, *trust, *v;
    const char    *name;
    iamctl_ext_t   ext;

    memset(&ext, 0, sizeof(iamctl_ext_t));
    nfiles = 0;

    /* options out, files (the account file first) compacted in argv */
    for (i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            ext.json = strcmp(argv[++i], "json") == 0;

            if (!ext.json && strcmp(argv[i], "text") != 0) {
                fprintf(stderr, "iamctl analyze external: unknown format "
                        "\"%s\" (text or json)\n", argv[i]);
                return 2;
            }

        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "iamctl analyze external: unknown option "
                    "\"%s\"\n", argv[i]);
            return 2;

        } else {
            argv[nfiles++] = argv[i];
        }
    }

    if (nfiles == 0) {
        fprintf(stderr, "usage: iamctl analyze external ACCOUNT_FILE "
                "[RESOURCE_POLICY...] [--format text|json]\n");
        return 2;
    }

    doc = iamctl_ext_load(argv[0], (iam_policy_kind_e) -1);
    if (doc == NULL) {
        return 2;
    }

    ext.account = json_string_value(json_object_get(doc, "account"));
    ext.findings = json_array();
    rc = 0;

    roles = json_object_get(doc, "roles");

    json_object_foreach(roles, name, role) {
        trust = json_object_get(role, "trust");

        if (json_is_string(trust)) {
            trust = json_object_get(json_object_get(doc, "policies"),
                                    json_string_value(trust));
        }

        if (!json_is_object(trust)) {
            continue;
        }

        snprintf(arn, sizeof(arn), "arn:aws:iam::%s:role/%s", ext.account,
                 name);
        snprintf(source, sizeof(source), "%s: roles.%s.trust", argv[0],
                 name);
        iamctl_ext_policy(&ext, trust, source, arn);
    }

    for (i = 1; i < nfiles; i++) {
        v = iamctl_ext_load(argv[i], IAM_POLICY_RESOURCE);
        if (v == NULL) {
            rc = 2;
            continue;
        }

        iamctl_ext_policy(&ext, v, argv[i], NULL);
        json_decref(v);
    }

    if (rc == 0) {
        iamctl_ext_print(&ext);
    }

    json_decref(ext.findings);
    json_decref(doc);

    return rc;
}


/* kind -1: an account file; otherwise a policy of that kind */
static json_t *
iamctl_ext_load(const char *file, iam_policy_kind_e kind)
{
    char            *text, buf[2048];
    size_t           i, len;
    json_t          *doc;
    iam_pool_t      *pool;
    iam_diags_t      diags;
    iam_account_t   *account;
    iam_policy_t    *policy;

    iam_diags_init(&diags);

    if ((int) kind == -1) {
        account = iam_account_load(file, &diags);
        iam_account_free(account);

    } else {
        pool = iam_pool_create();
        policy = pool ? iam_policy_load_file(pool, file, kind, &diags)
                      : NULL;
        iam_pool_destroy(pool);
        (void) policy;
    }

    doc = NULL;

    if (diags.nitems == 0) {
        doc = iam_json_load_file(file, &text, &len, &diags);
        free(text);
    }

    for (i = 0; i < diags.nitems; i++) {
        iam_diag_format(&diags.items[i], buf, sizeof(buf));
        fprintf(stderr, "%s\n", buf);
    }

    if (diags.nitems) {
        json_decref(doc);
        doc = NULL;
    }

    iam_diags_free(&diags);

    return doc;
}


static int
iamctl_ext_policy(iamctl_ext_t *ext, const json_t *doc, const char *source,
    const char *role_arn)
{
    size_t   i;
    json_t  *statements, *st;

    statements = json_object_get(doc, "Statement");

    if (json_is_object(statements)) {
        iamctl_ext_statement(ext, doc, statements, 0, source, role_arn);
        return 0;
    }

    json_array_foreach(statements, i, st) {
        iamctl_ext_statement(ext, doc, st, i, source, role_arn);
    }

    return 0;
}


static void
iamctl_ext_statement(iamctl_ext_t *ext, const json_t *doc, const json_t *st,
    size_t index, const char *source, const char *role_arn)
{
    char         label[256], arn[512];
    size_t       i;
    json_t      *principal, *values, *v;
    const char  *type, *access, *sid;

    if (strcmp(json_string_value(json_object_get(st, "Effect")), "Allow")
        != 0)
    {
        return;
    }

    sid = json_string_value(json_object_get(st, "Sid"));

    if (sid && sid[0]) {
        snprintf(label, sizeof(label), "%s", sid);

    } else {
        snprintf(label, sizeof(label), "%zu", index);
    }

    /* everyone not listed: a signed-in principal of another account */
    if (json_object_get(st, "NotPrincipal")) {
        snprintf(arn, sizeof(arn), "arn:aws:iam::%s:user/external-user",
                 IAMCTL_EXT_ACCOUNT);
        iamctl_ext_finding(ext, doc, st, label, source, role_arn, "public",
                           "NotPrincipal", arn);
        return;
    }

    principal = json_object_get(st, "Principal");

    if (json_is_string(principal)) {
        /* only "*" is valid here */
        iamctl_ext_finding(ext, doc, st, label, source, role_arn, "public",
                           "*", "anonymous");
        return;
    }

    json_object_foreach(principal, type, values) {
        v = iamctl_ext_strings(values);

        json_array_foreach(v, i, values) {
            if (iamctl_ext_principal(ext, type, json_string_value(values),
                                     &access, arn, sizeof(arn)))
            {
                iamctl_ext_finding(ext, doc, st, label, source, role_arn,
                                   access, json_string_value(values), arn);
            }
        }

        json_decref(v);
    }
}


/* 1 when the entry names someone outside; arn: who to ask as */
static int
iamctl_ext_principal(iamctl_ext_t *ext, const char *type, const char *value,
    const char **access, char *arn, size_t size)
{
    char         acct[16];
    const char  *p;

    if (strcmp(type, "Service") == 0) {
        return 0;
    }

    if (strcmp(type, "Federated") == 0) {
        *access = "federated";
        snprintf(arn, size, "%s", value);
        return 1;
    }

    if (strcmp(type, "CanonicalUser") == 0) {
        *access = "cross-account";
        snprintf(arn, size, "%s", value);
        return 1;
    }

    /* {"AWS": "*"}: any signed-in principal of any account */
    if (strcmp(value, "*") == 0) {
        *access = "public";
        snprintf(arn, size, "arn:aws:iam::%s:user/external-user",
                 IAMCTL_EXT_ACCOUNT);
        return 1;
    }

    /* a bare account id, or the account of an ARN */
    if (strlen(value) == 12 && strspn(value, "0123456789") == 12) {
        snprintf(acct, sizeof(acct), "%s", value);

        if (strcmp(acct, ext->account) == 0) {
            return 0;
        }

        *access = "cross-account";
        snprintf(arn, size, "arn:aws:iam::%s:user/external-user", acct);
        return 1;
    }

    p = strstr(value, "::");
    if (strncmp(value, "arn:", 4) != 0 || p == NULL) {
        return 0;
    }

    snprintf(acct, sizeof(acct), "%.12s", p + 2);

    if (strcmp(acct, ext->account) == 0) {
        return 0;
    }

    *access = "cross-account";

    if (strstr(value, ":root")) {
        snprintf(arn, size, "arn:aws:iam::%s:user/external-user", acct);

    } else {
        snprintf(arn, size, "%s", value);
    }

    return 1;
}


static void
iamctl_ext_finding(iamctl_ext_t *ext, const json_t *doc, const json_t *st,
    const char *label, const char *source, const char *role_arn,
    const char *access, const char *named, const char *principal)
{
    char        *action, *resource;
    json_t      *context, *keys, *request, *f;
    const char  *decision;

    context = json_object();
    keys = json_array();

    iamctl_ext_context(json_object_get(st, "Condition"), context, keys);

    action = iamctl_ext_action(st, role_arn != NULL);
    resource = iamctl_ext_resource(st, role_arn, context);

    request = json_pack("{s:s, s:s, s:s, s:s, s:O}",
                        "principal", principal,
                        "action", action ? action : "",
                        "resource", resource ? resource : "",
                        "resource_account", ext->account,
                        "context", context);

    decision = iamctl_ext_decide(doc, role_arn, request,
                                 strcmp(principal, "anonymous") != 0);

    f = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:O, s:o, s:s, s:b}",
                  "source", source,
                  "statement", label,
                  "access", access,
                  "principal", named,
                  "actions", iamctl_ext_strings(json_object_get(st,
                                 json_object_get(st, "Action") ? "Action"
                                                               : "NotAction")),
                  "resources", role_arn ? json_pack("[s]", role_arn)
                                        : iamctl_ext_strings(
                                              json_object_get(st, "Resource")),
                  "conditions", keys,
                  "request", request,
                  "decision", decision,
                  "confirmed", strcmp(decision, "allowed") == 0);

    if (json_object_get(st, "NotAction")) {
        json_object_set_new(f, "not_action", json_true());
    }

    if (json_object_get(st, "NotResource")) {
        json_object_set(f, "resources",
                        iamctl_ext_strings(json_object_get(st,
                                                           "NotResource")));
        json_object_set_new(f, "not_resource", json_true());
    }

    json_array_append_new(ext->findings, f);

    free(action);
    free(resource);
    json_decref(context);
    json_decref(keys);
}


/* an action the statement allows: a catalogue action for a wildcard */
static char *
iamctl_ext_action(const json_t *st, int trust)
{
    size_t                       i, k, plen;
    json_t                      *list, *v;
    const char                  *a, *colon, **c;
    const iamctl_cat_action_t   *act;
    const iamctl_cat_service_t  *svc;
    char                         buf[512];

    if ((v = json_object_get(st, "NotAction")) != NULL) {
        list = iamctl_ext_strings(v);

        for (c = iamctl_ext_any_actions; *c; c++) {
            json_array_foreach(list, i, v) {
                a = json_string_value(v);
                if (iamctl_glob_icase(a, strlen(a), *c, strlen(*c))) {
                    break;
                }
            }

            if (i == json_array_size(list)) {
                json_decref(list);
                return strdup(*c);
            }
        }

        json_decref(list);
        return strdup("iamctl:ExternalAccessProbe");
    }

    list = iamctl_ext_strings(json_object_get(st, "Action"));
    a = json_string_value(json_array_get(list, 0));

    if (a == NULL) {
        json_decref(list);
        return NULL;
    }

    if (strcspn(a, "*?") == strlen(a)) {
        a = strdup(a);
        json_decref(list);
        return (char *) a;
    }

    if (trust && iamctl_glob_icase(a, strlen(a), "sts:AssumeRole", 14)) {
        json_decref(list);
        return strdup("sts:AssumeRole");
    }

    for (c = iamctl_ext_any_actions; *c; c++) {
        if (iamctl_glob_icase(a, strlen(a), *c, strlen(*c))) {
            json_decref(list);
            return strdup(*c);
        }
    }

    colon = strchr(a, ':');
    plen = colon ? (size_t) (colon - a) : 0;
    svc = plen ? iamctl_cat_service(a, plen) : NULL;

    for (k = 0; svc && k < svc->nactions; k++) {
        act = &iamctl_cat_actions[svc->actions + k];
        snprintf(buf, sizeof(buf), "%s:%s", svc->prefix, act->name);

        if (iamctl_glob_icase(a, strlen(a), buf, strlen(buf))) {
            json_decref(list);
            return strdup(buf);
        }
    }

    /* a custom service: the wildcard's own letters */
    for (i = 0, k = 0; a[i] && k + 2 < sizeof(buf); i++) {
        buf[k++] = (a[i] == '*' || a[i] == '?') ? 'X' : a[i];
    }

    buf[k] = '\0';
    json_decref(list);

    return strdup(buf);
}


static char *
iamctl_ext_resource(const json_t *st, const char *role_arn, json_t *context)
{
    char        *r;
    size_t       i;
    json_t      *list, *v;
    const char  *s;

    if (role_arn) {
        return strdup(role_arn);
    }

    if ((v = json_object_get(st, "NotResource")) != NULL) {
        list = iamctl_ext_strings(v);
        r = strdup("arn:aws:s3:::iamctl-external-access-probe/object");

        json_array_foreach(list, i, v) {
            s = json_string_value(v);
            if (iamctl_glob_icase(s, strlen(s), r, strlen(r))) {
                free(r);
                r = strdup("arn:aws:sqs:us-east-1:999999999999:probe");
                break;
            }
        }

        json_decref(list);
        return r;
    }

    list = iamctl_ext_strings(json_object_get(st, "Resource"));
    s = json_string_value(json_array_get(list, 0));
    r = s ? iamctl_ext_concrete(s, context) : NULL;
    json_decref(list);

    if (r && strcmp(r, "x") == 0) {
        free(r);
        r = strdup("arn:aws:s3:::iamctl-external-access-probe/object");
    }

    return r;
}


/* '*' and '?' to 'x'; ${key} to "x", with context key = "x" */
static char *
iamctl_ext_concrete(const char *pattern, json_t *context)
{
    char         key[256], *out;
    size_t       i, n, len;
    const char  *end;

    len = strlen(pattern);
    out = malloc(len + 1);
    if (out == NULL) {
        return NULL;
    }

    for (i = 0, n = 0; i < len; i++) {
        if (pattern[i] == '$' && pattern[i + 1] == '{'
            && (end = strchr(pattern + i, '}')) != NULL)
        {
            snprintf(key, sizeof(key), "%.*s",
                     (int) (end - pattern - i - 2), pattern + i + 2);

            if (json_object_get(context, key) == NULL) {
                json_object_set_new(context, key, json_string("x"));
            }

            out[n++] = 'x';
            i = end - pattern;

        } else if (pattern[i] == '*' || pattern[i] == '?') {
            out[n++] = 'x';

        } else {
            out[n++] = pattern[i];
        }
    }

    out[n] = '\0';

    return out;
}


/*
 * A context meeting each condition where one value can: the first value
 * for the positive operators, nothing for negated and IfExists ones (they
 * hold when the key is absent).  keys gets every condition key.
 */
static json_t *
iamctl_ext_context(const json_t *cond, json_t *context, json_t *keys)
{
    char         buf[256], *c;
    json_t      *block, *v, *first;
    const char  *op, *key, *val, *base;
    double       d;

    json_object_foreach((json_t *) cond, op, block) {
        json_object_foreach(block, key, v) {
            json_array_append_new(keys, json_string(key));

            first = json_is_array(v) ? json_array_get(v, 0) : v;
            val = json_string_value(first);
            base = strchr(op, ':') ? strchr(op, ':') + 1 : op;

            if (val == NULL || strstr(op, "IfExists")
                || strncasecmp(op, "ForAllValues:", 13) == 0
                || strstr(base, "Not"))
            {
                continue;
            }

            if (strcmp(base, "Null") == 0) {
                if (strcasecmp(val, "false") == 0) {
                    json_object_set_new(context, key, json_string("x"));
                }
                continue;
            }

            if (strncmp(base, "Numeric", 7) == 0) {
                d = strtod(val, NULL);

                if (strstr(base, "LessThan") && !strstr(base, "Equals")) {
                    d -= 1;

                } else if (strstr(base, "GreaterThan")
                           && !strstr(base, "Equals"))
                {
                    d += 1;
                }

                snprintf(buf, sizeof(buf), "%.0f", d);
                json_object_set_new(context, key, json_string(buf));
                continue;
            }

            if (strncmp(base, "Date", 4) == 0) {
                if (strstr(base, "LessThan")) {
                    val = "1970-01-02T00:00:00Z";

                } else if (strstr(base, "GreaterThan")) {
                    val = "2999-01-01T00:00:00Z";
                }

                json_object_set_new(context, key, json_string(val));
                continue;
            }

            if (strcmp(base, "IpAddress") == 0) {
                snprintf(buf, sizeof(buf), "%s", val);
                if ((c = strchr(buf, '/')) != NULL) {
                    *c = '\0';
                }
                json_object_set_new(context, key, json_string(buf));
                continue;
            }

            /* String*, Arn*, Bool, Binary: the value, wildcards filled */
            c = iamctl_ext_concrete(val, context);

            if (c && strcmp(c, val) != 0 && strstr(val, "${")) {
                /* a variable's value: the concrete text stands for both */
                free(c);
                continue;
            }

            json_object_set_new(context, key, json_string(c ? c : val));

            if (strncasecmp(op, "ForAnyValue:", 12) == 0) {
                json_object_set_new(context, key,
                                    json_pack("[s]", c ? c : val));
            }

            free(c);
        }
    }

    return context;
}


/* the engine's decision for the request, as iamctl simulate gives it */
static const char *
iamctl_ext_decide(const json_t *doc, const char *role_arn, json_t *request,
    int external)
{
    size_t       i;
    json_t      *policy, *st, *c, *out;
    const char  *d;

    policy = json_deep_copy(doc);

    /* a trust policy applies to its role: the role is its Resource */
    if (role_arn) {
        st = json_object_get(policy, "Statement");

        if (json_is_object(st)) {
            json_object_set_new(st, "Resource", json_string(role_arn));
        }

        json_array_foreach(st, i, c) {
            json_object_set_new(c, "Resource", json_string(role_arn));
        }
    }

    c = json_pack("{s:o, s:O}", "resource_policy", policy,
                  "request", request);

    /* the outside account allows its own principals everything */
    if (external) {
        json_object_set_new(c, "identity_policies", json_pack(
            "[{s:s, s:[{s:s, s:s, s:s}]}]", "Version", "2012-10-17",
            "Statement", "Effect", "Allow", "Action", "*",
            "Resource", "*"));
    }

    out = iam_simulate(c, 0);
    d = json_string_value(json_object_get(out, "decision"));

    if (d == NULL) {
        d = "error";
    }

    /* the names are static in the engine; map to ours */
    if (strcmp(d, "allowed") == 0) {
        d = "allowed";

    } else if (strcmp(d, "explicitDeny") == 0) {
        d = "explicitDeny";

    } else if (strcmp(d, "implicitDeny") == 0) {
        d = "implicitDeny";

    } else {
        d = "error";
    }

    json_decref(out);
    json_decref(c);

    return d;
}


static json_t *
iamctl_ext_strings(const json_t *v)
{
    if (json_is_array(v)) {
        return json_incref((json_t *) v);
    }

    if (v == NULL) {
        return json_array();
    }

    return json_pack("[O]", v);
}


static void
iamctl_ext_print(iamctl_ext_t *ext)
{
    char        *s;
    size_t       i, k;
    json_t      *f, *v;

    json_array_foreach(ext->findings, i, f) {
        if (ext->json) {
            s = json_dumps(f, JSON_COMPACT | JSON_PRESERVE_ORDER);
            printf("%s\n", s ? s : "{}");
            free(s);
            continue;
        }

        printf("%s: statement %s: %s access for %s\n",
               json_string_value(json_object_get(f, "source")),
               json_string_value(json_object_get(f, "statement")),
               json_string_value(json_object_get(f, "access")),
               json_string_value(json_object_get(f, "principal")));

        printf("  %s:", json_object_get(f, "not_action") ? "all actions but"
                                                         : "actions");
        json_array_foreach(json_object_get(f, "actions"), k, v) {
            printf(" %s", json_string_value(v));
        }

        printf("\n  %s:", json_object_get(f, "not_resource")
                          ? "all resources but" : "resources");
        json_array_foreach(json_object_get(f, "resources"), k, v) {
            printf(" %s", json_string_value(v));
        }

        printf("\n  confined by:");
        json_array_foreach(json_object_get(f, "conditions"), k, v) {
            printf(" %s", json_string_value(v));
        }

        if (json_array_size(json_object_get(f, "conditions")) == 0) {
            printf(" no condition");
        }

        s = json_dumps(json_object_get(f, "request"),
                       JSON_COMPACT | JSON_PRESERVE_ORDER);
        printf("\n  request: %s\n  engine: %s%s\n", s ? s : "{}",
               json_string_value(json_object_get(f, "decision")),
               json_is_true(json_object_get(f, "confirmed"))
               ? "" : " (not confirmed: the conditions or a Deny may block "
                      "every request; review by hand)");
        free(s);
    }

    if (!ext->json && json_array_size(ext->findings) == 0) {
        printf("no access from outside account %s\n", ext->account);
    }

    fflush(stdout);
}


/* a condition on who calls or from where, that a value must meet */
static int
iamctl_ext_confining(const json_t *cond)
{
    json_t       *block, *v;
    const char   *op, *key, *base, **k;

    json_object_foreach((json_t *) cond, op, block) {
        base = strchr(op, ':') ? strchr(op, ':') + 1 : op;

        if (strstr(base, "IfExists") || strstr(base, "Not")
            || strcmp(base, "Null") == 0
            || strncasecmp(op, "ForAllValues:", 13) == 0)
        {
            continue;
        }

        json_object_foreach(block, key, v) {
            for (k = iamctl_ext_confining_keys; *k; k++) {
                if (strcasecmp(key, *k) == 0
                    && !(json_is_string(v)
                         && strcmp(json_string_value(v), "*") == 0))
                {
                    return 1;
                }
            }
        }
    }

    return 0;
}


/* a statement that applies to every principal, anonymous ones included */
static int
iamctl_ext_public(const json_t *st)
{
    size_t   i;
    json_t  *p, *v;

    if (json_object_get(st, "NotPrincipal")) {
        return 1;
    }

    p = json_object_get(st, "Principal");

    if (json_is_string(p)) {
        return strcmp(json_string_value(p), "*") == 0;
    }

    p = json_object_get(p, "AWS");

    if (json_is_string(p)) {
        return strcmp(json_string_value(p), "*") == 0;
    }

    json_array_foreach(p, i, v) {
        if (strcmp(json_string_value(v), "*") == 0) {
            return 1;
        }
    }

    return 0;
}


int
iamctl_check_no_public_access(int argc, char **argv)
{
    int            i, json, public;
    char          *s, label[64];
    size_t         k;
    json_t        *doc, *out, *reasons, *f, *example, *st, *statements;
    const char    *file, *account, *result, *sid;
    iamctl_ext_t   ext;

    file = NULL;
    json = 0;
    account = "123456789012";

    for (i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            json = strcmp(argv[++i], "json") == 0;

        } else if (strcmp(argv[i], "--account") == 0 && i + 1 < argc) {
            account = argv[++i];

        } else if (file == NULL && argv[i][0] != '-') {
            file = argv[i];

        } else {
            fprintf(stderr, "iamctl check-no-public-access: unknown "
                    "argument \"%s\"\n", argv[i]);
            return 2;
        }
    }

    if (file == NULL) {
        fprintf(stderr, "usage: iamctl check-no-public-access POLICY "
                "[--account ACCOUNT_ID] [--format text|json]\n");
        return 2;
    }

    doc = iamctl_ext_load(file, IAM_POLICY_RESOURCE);
    if (doc == NULL) {
        return 2;
    }

    memset(&ext, 0, sizeof(iamctl_ext_t));
    ext.account = account;
    ext.findings = json_array();

    reasons = json_array();
    example = NULL;
    public = 0;

    statements = json_object_get(doc, "Statement");
    statements = json_is_array(statements)
                 ? json_incref(statements) : json_pack("[O]", statements);

    json_array_foreach(statements, k, st) {
        if (strcmp(json_string_value(json_object_get(st, "Effect")),
                   "Allow") != 0
            || !iamctl_ext_public(st))
        {
            continue;
        }

        sid = json_string_value(json_object_get(st, "Sid"));

        if (sid && sid[0]) {
            snprintf(label, sizeof(label), "%s", sid);

        } else {
            snprintf(label, sizeof(label), "%zu", k);
        }

        if (iamctl_ext_confining(json_object_get(st, "Condition"))) {
            json_array_append_new(reasons, json_pack(
                "{s:s, s:I, s:s}", "statementId", label,
                "statementIndex", (json_int_t) k,
                "description", "names every principal, but a condition "
                "confines it to known callers or networks"));
            continue;
        }

        public = 1;

        json_array_append_new(reasons, json_pack(
            "{s:s, s:I, s:s}", "statementId", label,
            "statementIndex", (json_int_t) k,
            "description", "allows every principal, anonymous ones "
            "included"));

        if (example == NULL) {
            iamctl_ext_finding(&ext, doc, st, label, file, NULL, "public",
                               "*", json_object_get(st, "NotPrincipal")
                                    ? "arn:aws:iam::" IAMCTL_EXT_ACCOUNT
                                      ":user/external-user"
                                    : "anonymous");
            f = json_array_get(ext.findings,
                               json_array_size(ext.findings) - 1);

            if (json_is_true(json_object_get(f, "confirmed"))) {
                example = json_object_get(f, "request");
            }
        }
    }

    result = !public ? "PASS" : example ? "FAIL" : "UNKNOWN";

    if (json) {
        out = json_pack("{s:s, s:O}", "result", result, "reasons", reasons);
        if (example) {
            json_object_set(out, "counterexample", example);
        }

        s = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
        printf("%s\n", s ? s : "{}");
        free(s);
        json_decref(out);

    } else {
        printf("%s\n", result);

        json_array_foreach(reasons, k, f) {
            printf("  statement %s: %s\n",
                   json_string_value(json_object_get(f, "statementId")),
                   json_string_value(json_object_get(f, "description")));
        }

        if (example) {
            s = json_dumps(example, JSON_COMPACT | JSON_PRESERVE_ORDER);
            printf("  a public request the engine allows: %s\n", s ? s : "");
            free(s);

        } else if (public) {
            printf("  no public request built from the statements is "
                   "allowed: a Deny or the conditions may block them\n");
        }
    }

    json_decref(statements);
    json_decref(reasons);
    json_decref(ext.findings);
    json_decref(doc);
    fflush(stdout);

    return !public ? 0 : example ? 1 : 3;
}
