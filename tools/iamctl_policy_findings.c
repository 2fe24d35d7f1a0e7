/*
 * iamctl: the policy checks behind validate's findings, named and graded as
 * IAM Access Analyzer's policy check reference does.  They run on documents
 * the engine has already compiled without error, with the service catalogue
 * (iamctl_catalogue.h) to know actions, resource types and condition keys.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "iamctl_catalogue.h"
#include "iamctl_validate.h"


#define IAMCTL_MAX_ENTRIES      256     /* pairwise checks beyond: skipped */


/* one string of an Action or NotAction element */
typedef struct {
    const char                  *text;
    size_t                       len;
    int                          index;     /* -1: the element's only string */
    const iamctl_cat_service_t  *svc;
    unsigned                     outside:1; /* custom or unknown service */
    unsigned                     any:1;     /* "*" or a wildcard prefix */
    unsigned char               *set;       /* over iamctl_cat_actions */
} iamctl_entry_t;

typedef struct {
    iamctl_findings_t           *findings;
    const iam_source_t          *src;
    iam_json_path_t              path;
    iam_policy_kind_e            kind;
    size_t                       nbits;
    size_t                       nbytes;
} iamctl_ck_t;

/* what a condition operator compares */
typedef enum {
    IAMCTL_OP_STRING = 0,
    IAMCTL_OP_NUMERIC,
    IAMCTL_OP_DATE,
    IAMCTL_OP_BOOL,
    IAMCTL_OP_BINARY,
    IAMCTL_OP_IP,
    IAMCTL_OP_ARN,
    IAMCTL_OP_NULL
} iamctl_op_family_e;


static size_t iamctl_nstrings(const json_t *v);
static json_t *iamctl_string_at(const json_t *v, size_t i);
static void iamctl_push_string(iam_json_path_t *path, const json_t *v,
    size_t i);
static void iamctl_statement(iamctl_ck_t *ck, const json_t *st);
static iamctl_entry_t *iamctl_entries(iamctl_ck_t *ck, const json_t *v,
    const char *elt, size_t *n);
static void iamctl_entry(iamctl_ck_t *ck, iamctl_entry_t *e);
static void iamctl_entry_invalid(iamctl_entry_t *e);
static void iamctl_entries_free(iamctl_entry_t *e, size_t n);
static void iamctl_redundant_actions(iamctl_ck_t *ck, iamctl_entry_t *e,
    size_t n, const char *elt);
static void iamctl_redundant_resources(iamctl_ck_t *ck, const json_t *v,
    const char *elt);
static void iamctl_pass_role(iamctl_ck_t *ck, const json_t *st,
    iamctl_entry_t *e, size_t n);
static void iamctl_mismatched(iamctl_ck_t *ck, const json_t *resources,
    iamctl_entry_t *e, size_t n);
static int iamctl_action_applies(const iamctl_cat_service_t *svc,
    const iamctl_cat_action_t *a, const unsigned char *rt_match,
    int star);
static void iamctl_conditions(iamctl_ck_t *ck, const json_t *cond,
    iamctl_entry_t *e, size_t n, int has_action);
static void iamctl_condition_key(iamctl_ck_t *ck, const char *op,
    const char *key, iamctl_entry_t *e, size_t n, int has_action);
static iamctl_op_family_e iamctl_op_family(const char *op, int *for_all);
static int iamctl_key_supported(const iamctl_cat_service_t *svc,
    const char *key, iamctl_entry_t *e, size_t n);
static void iamctl_redundant_statements(iamctl_ck_t *ck,
    const json_t *statements);
static int iamctl_covers(const json_t *big, const json_t *small);


static size_t
iamctl_nstrings(const json_t *v)
{
    return json_is_array(v) ? json_array_size(v) : (v != NULL);
}


static json_t *
iamctl_string_at(const json_t *v, size_t i)
{
    return json_is_array(v) ? json_array_get(v, i) : (json_t *) v;
}


static void
iamctl_push_string(iam_json_path_t *path, const json_t *v, size_t i)
{
    if (json_is_array(v)) {
        iam_json_path_push_index(path, i);
    }
}


void
iamctl_policy_findings(const json_t *doc, const iam_source_t *src,
    iam_policy_kind_e kind, iamctl_findings_t *findings)
{
    size_t        i, last;
    json_t       *statements;
    iamctl_ck_t   ck;

    memset(&ck, 0, sizeof(iamctl_ck_t));
    ck.findings = findings;
    ck.src = src;
    ck.kind = kind;

    last = iamctl_cat_nservices - 1;
    ck.nbits = iamctl_cat_services[last].actions
               + iamctl_cat_services[last].nactions;
    ck.nbytes = (ck.nbits + 7) / 8;

    if (json_object_get(doc, "Version") == NULL) {
        iamctl_findings_add(findings, IAMCTL_WARNING, "MISSING_VERSION", src,
                            &ck.path, "the policy has no Version: add "
                            "\"Version\": \"2012-10-17\", without which "
                            "policy variables are literal text");
    }

    statements = json_object_get(doc, "Statement");
    iam_json_path_push_key(&ck.path, "Statement");

    if (json_is_object(statements)) {
        iamctl_statement(&ck, statements);

    } else {
        json_array_foreach(statements, i, doc) {
            iam_json_path_push_index(&ck.path, i);
            iamctl_statement(&ck, doc);
            iam_json_path_pop(&ck.path);
        }

        iamctl_redundant_statements(&ck, statements);
    }
}


static void
iamctl_statement(iamctl_ck_t *ck, const json_t *st)
{
    int              allow, has_action;
    size_t           n;
    json_t          *v;
    const char      *elt;
    iamctl_entry_t  *e;

    allow = strcmp(json_string_value(json_object_get(st, "Effect")),
                   "Allow") == 0;

    if (allow && json_object_get(st, "NotPrincipal")) {
        iam_json_path_push_key(&ck->path, "NotPrincipal");
        iamctl_findings_add(ck->findings, IAMCTL_SECURITY_WARNING,
                            "ALLOW_WITH_NOT_PRINCIPAL", ck->src, &ck->path,
                            "Allow with NotPrincipal grants access to every "
                            "principal not listed, anonymous ones included: "
                            "list the principals in Principal instead");
        iam_json_path_pop(&ck->path);
    }

    has_action = json_object_get(st, "Action") != NULL;
    elt = has_action ? "Action" : "NotAction";
    v = json_object_get(st, elt);

    e = iamctl_entries(ck, v, elt, &n);
    if (e == NULL) {
        return;
    }

    if (n <= IAMCTL_MAX_ENTRIES) {
        iamctl_redundant_actions(ck, e, n, elt);
    }

    if (json_object_get(st, "Resource")) {
        iamctl_redundant_resources(ck, json_object_get(st, "Resource"),
                                   "Resource");
    }

    if (has_action && allow) {
        iamctl_pass_role(ck, st, e, n);
    }

    if (has_action && json_object_get(st, "Resource")) {
        iamctl_mismatched(ck, json_object_get(st, "Resource"), e, n);
    }

    if (json_object_get(st, "Condition")) {
        iamctl_conditions(ck, json_object_get(st, "Condition"), e, n,
                          has_action);
    }

    iamctl_entries_free(e, n);
}


static iamctl_entry_t *
iamctl_entries(iamctl_ck_t *ck, const json_t *v, const char *elt, size_t *n)
{
    size_t           i;
    json_t          *s;
    iamctl_entry_t  *e;

    *n = iamctl_nstrings(v);

    e = calloc(*n ? *n : 1, sizeof(iamctl_entry_t));
    if (e == NULL) {
        return NULL;
    }

    iam_json_path_push_key(&ck->path, elt);

    for (i = 0; i < *n; i++) {
        s = iamctl_string_at(v, i);
        e[i].text = json_string_value(s);
        e[i].len = json_string_length(s);
        e[i].index = json_is_array(v) ? (int) i : -1;

        iamctl_push_string(&ck->path, v, i);
        iamctl_entry(ck, &e[i]);

        if (json_is_array(v)) {
            iam_json_path_pop(&ck->path);
        }
    }

    iam_json_path_pop(&ck->path);

    return e;
}


/* resolves one action string against the catalogue; path is at it */
static void
iamctl_entry(iamctl_ck_t *ck, iamctl_entry_t *e)
{
    int                          custom;
    size_t                       i, plen, nlen, matched;
    const char                  *colon, *name;
    const iamctl_cat_action_t   *a;
    const iamctl_cat_service_t  *svc;

    if (e->len == 1 && e->text[0] == '*') {
        e->any = 1;
        return;
    }

    colon = memchr(e->text, ':', e->len);
    if (colon == NULL) {
        e->outside = 1;             /* the engine has said why */
        return;
    }

    plen = colon - e->text;
    name = colon + 1;
    nlen = e->len - plen - 1;

    if (strcspn(e->text, "*?") < plen) {
        e->any = 1;
        iamctl_findings_add(ck->findings, IAMCTL_SUGGESTION,
                            "WILDCARD_IN_SERVICE_NAME", ck->src, &ck->path,
                            "\"%s\" has a wildcard in its service prefix: "
                            "name the services instead", e->text);
        return;
    }

    svc = iamctl_cat_service(e->text, plen);

    if (svc == NULL) {
        e->outside = 1;
        custom = iamctl_custom_service(e->text, plen, name, nlen);

        if (custom == 0) {
            iamctl_findings_add(ck->findings, IAMCTL_ERROR, "INVALID_SERVICE",
                                ck->src, &ck->path,
                                "\"%.*s\" is neither an AWS service prefix "
                                "nor a custom service of the account file's "
                                "\"services\"", (int) plen, e->text);

        } else if (custom == 1) {
            iamctl_findings_add(ck->findings, IAMCTL_ERROR, "INVALID_ACTION",
                                ck->src, &ck->path,
                                "\"%s\" is no action the account file "
                                "declares for the custom service \"%.*s\"",
                                e->text, (int) plen, e->text);
        }

        return;
    }

    e->svc = svc;
    e->set = calloc(ck->nbytes, 1);
    if (e->set == NULL) {
        e->outside = 1;
        return;
    }

    if (strcspn(name, "*?") < nlen) {
        matched = 0;

        for (i = 0; i < svc->nactions; i++) {
            a = &iamctl_cat_actions[svc->actions + i];

            if (iamctl_glob_icase(name, nlen, a->name, strlen(a->name))) {
                e->set[(svc->actions + i) / 8] |= 1 << ((svc->actions + i) % 8);
                matched++;
            }
        }

        if (matched == 0) {
            iamctl_findings_add(ck->findings, IAMCTL_ERROR, "INVALID_ACTION",
                                ck->src, &ck->path,
                                "\"%s\" matches no action of %s (%s)",
                                e->text, svc->prefix, svc->name);
            iamctl_entry_invalid(e);
        }

        return;
    }

    a = iamctl_cat_action(svc, name, nlen);

    if (a == NULL) {
        iamctl_findings_add(ck->findings, IAMCTL_ERROR, "INVALID_ACTION",
                            ck->src, &ck->path,
                            "\"%s\" is not an action of %s (%s)",
                            e->text, svc->prefix, svc->name);
        iamctl_entry_invalid(e);
        return;
    }

    i = a - iamctl_cat_actions;
    e->set[i / 8] |= 1 << (i % 8);
}


/* an unknown action: reported once, left out of the other checks */
static void
iamctl_entry_invalid(iamctl_entry_t *e)
{
    free(e->set);
    e->set = NULL;
    e->outside = 1;
}


static void
iamctl_entries_free(iamctl_entry_t *e, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        free(e[i].set);
    }

    free(e);
}


/* an action string whose actions another string of the element has too */
static void
iamctl_redundant_actions(iamctl_ck_t *ck, iamctl_entry_t *e, size_t n,
    const char *elt)
{
    size_t  k, m, b;
    int     covered, equal;

    for (k = 0; k < n; k++) {
        if (e[k].set == NULL) {
            continue;
        }

        for (m = 0; m < n; m++) {
            if (m == k) {
                continue;
            }

            if (e[m].any) {
                covered = (e[m].len == 1
                           || iamctl_glob_icase(e[m].text, e[m].len,
                                                e[k].text, e[k].len));
                equal = 0;

            } else if (e[m].set == NULL) {
                continue;

            } else {
                covered = 1;
                equal = 1;

                for (b = 0; b < ck->nbytes && covered; b++) {
                    covered = (e[k].set[b] & ~e[m].set[b]) == 0;
                    equal = equal && e[k].set[b] == e[m].set[b];
                }
            }

            /* of two strings with the same actions, the later one goes */
            if (covered && !(equal && m > k)) {
                iam_json_path_push_key(&ck->path, elt);
                if (e[k].index >= 0) {
                    iam_json_path_push_index(&ck->path, e[k].index);
                }

                iamctl_findings_add(ck->findings, IAMCTL_SUGGESTION,
                                    "REDUNDANT_ACTION", ck->src, &ck->path,
                                    "\"%s\" is already covered by \"%s\" in "
                                    "the same statement", e[k].text,
                                    e[m].text);

                if (e[k].index >= 0) {
                    iam_json_path_pop(&ck->path);
                }
                iam_json_path_pop(&ck->path);
                break;
            }
        }
    }
}


static void
iamctl_redundant_resources(iamctl_ck_t *ck, const json_t *v, const char *elt)
{
    size_t       k, m, n;
    const char  *a, *b;

    n = iamctl_nstrings(v);
    if (n < 2 || n > IAMCTL_MAX_ENTRIES) {
        return;
    }

    for (k = 0; k < n; k++) {
        a = json_string_value(json_array_get(v, k));

        for (m = 0; m < n; m++) {
            b = json_string_value(json_array_get(v, m));

            if (m == k || !iamctl_glob_icase(b, strlen(b), a, strlen(a))
                || (strcmp(a, b) == 0 && m > k)
                || strstr(a, "${"))
            {
                continue;
            }

            iam_json_path_push_key(&ck->path, elt);
            iam_json_path_push_index(&ck->path, k);
            iamctl_findings_add(ck->findings, IAMCTL_SUGGESTION,
                                "REDUNDANT_RESOURCE", ck->src, &ck->path,
                                "\"%s\" is already covered by \"%s\" in the "
                                "same statement", a, b);
            iam_json_path_pop(&ck->path);
            iam_json_path_pop(&ck->path);
            break;
        }
    }
}


static void
iamctl_pass_role(iamctl_ck_t *ck, const json_t *st, iamctl_entry_t *e,
    size_t n)
{
    size_t                       i, k, len;
    int                          pass;
    json_t                      *res;
    const char                  *r;
    const iamctl_cat_action_t   *a;
    const iamctl_cat_service_t  *iam;

    iam = iamctl_cat_service("iam", 3);
    a = iam ? iamctl_cat_action(iam, "PassRole", 8) : NULL;
    if (a == NULL) {
        return;
    }

    k = a - iamctl_cat_actions;
    pass = 0;

    /* "*" alone is an administrator's grant, not a PassRole slip */
    for (i = 0; i < n; i++) {
        if (e[i].set && (e[i].set[k / 8] & (1 << (k % 8)))) {
            pass = 1;
            break;
        }
    }

    if (!pass) {
        return;
    }

    if (json_object_get(st, "NotResource")) {
        iam_json_path_push_key(&ck->path, "NotResource");
        iamctl_findings_add(ck->findings, IAMCTL_SECURITY_WARNING,
                            "PASS_ROLE_WITH_NOT_RESOURCE", ck->src, &ck->path,
                            "iam:PassRole with NotResource lets the "
                            "principal pass every other role to a service: "
                            "name the roles in Resource");
        iam_json_path_pop(&ck->path);
        return;
    }

    res = json_object_get(st, "Resource");

    for (i = 0; i < iamctl_nstrings(res); i++) {
        r = json_string_value(iamctl_string_at(res, i));
        len = strlen(r);

        if (strcmp(r, "*") == 0
            || (len > 7 && strcmp(r + len - 7, ":role/*") == 0)
            || (len > 2 && strcmp(r + len - 2, ":*") == 0))
        {
            iam_json_path_push_key(&ck->path, "Resource");
            iamctl_push_string(&ck->path, res, i);
            iamctl_findings_add(ck->findings, IAMCTL_SECURITY_WARNING,
                                "PASS_ROLE_WITH_STAR_IN_RESOURCE", ck->src,
                                &ck->path,
                                "iam:PassRole on \"%s\" lets the principal "
                                "pass any role, and its permissions, to a "
                                "service: name the roles", r);
            if (json_is_array(res)) {
                iam_json_path_pop(&ck->path);
            }
            iam_json_path_pop(&ck->path);
            return;
        }
    }
}


/*
 * An action string none of whose actions can apply to any Resource of the
 * statement: it grants nothing there.
 */
static void
iamctl_mismatched(iamctl_ck_t *ck, const json_t *resources,
    iamctl_entry_t *e, size_t n)
{
    int                          star, any;
    size_t                       i, k, r, nres;
    unsigned char                rt_match[1024];
    const char                  *s;
    const iamctl_cat_resource_t *rt;
    const iamctl_cat_service_t  *svc;

    nres = iamctl_nstrings(resources);
    star = 0;

    for (r = 0; r < nres; r++) {
        if (strcmp(json_string_value(iamctl_string_at(resources, r)), "*")
            == 0)
        {
            return;
        }
    }

    for (i = 0; i < n; i++) {
        svc = e[i].svc;

        if (e[i].set == NULL || svc->nresources > sizeof(rt_match)) {
            continue;
        }

        /* which of the service's resource types the statement names */
        for (k = 0; k < svc->nresources; k++) {
            rt = &iamctl_cat_resources[svc->resources + k];
            rt_match[k] = 0;

            for (r = 0; r < nres && !rt_match[k]; r++) {
                s = json_string_value(iamctl_string_at(resources, r));
                rt_match[k] = iamctl_cat_arn_may_match(rt->arn, s,
                                                       strlen(s));
            }
        }

        any = 0;

        for (k = svc->actions; k < svc->actions + svc->nactions && !any;
             k++)
        {
            if (e[i].set[k / 8] & (1 << (k % 8))) {
                any = iamctl_action_applies(svc, &iamctl_cat_actions[k],
                                            rt_match, star);
            }
        }

        if (any) {
            continue;
        }

        iam_json_path_push_key(&ck->path, "Action");
        if (e[i].index >= 0) {
            iam_json_path_push_index(&ck->path, e[i].index);
        }

        iamctl_findings_add(ck->findings, IAMCTL_WARNING,
                            "MISMATCHED_ACTION_FOR_RESOURCE", ck->src,
                            &ck->path,
                            "\"%s\" applies to none of the statement's "
                            "resources: %s", e[i].text,
                            strcspn(e[i].text, "*?") < e[i].len
                            ? "none of the actions it matches takes such an "
                              "ARN"
                            : "the action takes other resource types, or "
                              "only \"*\"");

        if (e[i].index >= 0) {
            iam_json_path_pop(&ck->path);
        }
        iam_json_path_pop(&ck->path);
    }
}


static int
iamctl_action_applies(const iamctl_cat_service_t *svc,
    const iamctl_cat_action_t *a, const unsigned char *rt_match, int star)
{
    size_t  j;

    if (star) {
        return 1;
    }

    for (j = 0; j < a->nresources; j++) {
        if (rt_match[iamctl_cat_action_res[a->resources + j]
                     & ~IAMCTL_RES_REQUIRED])
        {
            return 1;
        }
    }

    return 0;
}


static void
iamctl_conditions(iamctl_ck_t *ck, const json_t *cond, iamctl_entry_t *e,
    size_t n, int has_action)
{
    json_t      *block, *v;
    const char  *op, *key;

    iam_json_path_push_key(&ck->path, "Condition");

    json_object_foreach((json_t *) cond, op, block) {
        iam_json_path_push_key(&ck->path, op);

        json_object_foreach(block, key, v) {
            iam_json_path_push_key(&ck->path, key);
            iamctl_condition_key(ck, op, key, e, n, has_action);
            iam_json_path_pop(&ck->path);
        }

        iam_json_path_pop(&ck->path);
    }

    iam_json_path_pop(&ck->path);
}


static iamctl_op_family_e
iamctl_op_family(const char *op, int *for_all)
{
    static const struct {
        const char          *prefix;
        iamctl_op_family_e   family;
    } families[] = {
        { "String", IAMCTL_OP_STRING },
        { "Numeric", IAMCTL_OP_NUMERIC },
        { "Date", IAMCTL_OP_DATE },
        { "Bool", IAMCTL_OP_BOOL },
        { "Binary", IAMCTL_OP_BINARY },
        { "IpAddress", IAMCTL_OP_IP },
        { "NotIpAddress", IAMCTL_OP_IP },
        { "Arn", IAMCTL_OP_ARN },
        { "Null", IAMCTL_OP_NULL },
        { NULL, 0 }
    };

    size_t  i;

    *for_all = 0;

    if (strncasecmp(op, "ForAllValues:", 13) == 0) {
        *for_all = 1;
        op += 13;

    } else if (strncasecmp(op, "ForAnyValue:", 12) == 0) {
        op += 12;
    }

    for (i = 0; families[i].prefix; i++) {
        if (strncasecmp(op, families[i].prefix,
                        strlen(families[i].prefix)) == 0)
        {
            return families[i].family;
        }
    }

    return IAMCTL_OP_STRING;
}


static void
iamctl_condition_key(iamctl_ck_t *ck, const char *op, const char *key,
    iamctl_entry_t *e, size_t n, int has_action)
{
    int                          for_all, type, ok;
    const char                  *colon;
    iamctl_op_family_e           family;
    const iamctl_cat_key_t      *k;
    const iamctl_cat_service_t  *svc;

    static const char  *type_names[] = {
        "", "String", "ARN", "Bool", "Numeric", "Date", "IPAddress", "Binary"
    };

    colon = strchr(key, ':');
    svc = NULL;

    if (strncasecmp(key, "aws:", 4) == 0) {
        k = iamctl_cat_global_key(key);

        if (k == NULL) {
            iamctl_findings_add(ck->findings, IAMCTL_ERROR,
                                "INVALID_GLOBAL_CONDITION_KEY", ck->src,
                                &ck->path, "\"%s\" is not a global condition "
                                "key AWS defines", key);
            return;
        }

    } else {
        svc = colon ? iamctl_cat_service(key, colon - key) : NULL;
        if (svc == NULL) {
            return;     /* a custom service's key, or an IdP's (sts) */
        }

        k = iamctl_cat_key(svc, key);

        if (k == NULL || strncasecmp(k->name, "aws:", 4) == 0) {
            iamctl_findings_add(ck->findings, IAMCTL_ERROR,
                                "INVALID_SERVICE_CONDITION_KEY", ck->src,
                                &ck->path, "\"%s\" is not a condition key of "
                                "%s (%s)", key, svc->prefix, svc->name);
            return;
        }
    }

    family = iamctl_op_family(op, &for_all);
    type = k->type;

    if (for_all && !(type & IAMCTL_KEY_ARRAY)) {
        iamctl_findings_add(ck->findings, IAMCTL_SECURITY_WARNING,
                            "FORALLVALUES_WITH_SINGLE_VALUED_KEY", ck->src,
                            &ck->path,
                            "ForAllValues with the single-valued key \"%s\" "
                            "also holds when the key is absent: use %s "
                            "without ForAllValues", key,
                            strchr(op, ':') + 1);
    }

    switch (family) {
    case IAMCTL_OP_NUMERIC:
        ok = IAMCTL_KEY_BASE(type) == IAMCTL_KEY_NUMERIC;
        break;
    case IAMCTL_OP_DATE:
        ok = IAMCTL_KEY_BASE(type) == IAMCTL_KEY_DATE;
        break;
    case IAMCTL_OP_BOOL:
        ok = IAMCTL_KEY_BASE(type) == IAMCTL_KEY_BOOL;
        break;
    case IAMCTL_OP_BINARY:
        ok = IAMCTL_KEY_BASE(type) == IAMCTL_KEY_BINARY;
        break;
    case IAMCTL_OP_IP:
        ok = IAMCTL_KEY_BASE(type) == IAMCTL_KEY_IPADDRESS;
        break;
    case IAMCTL_OP_ARN:
        ok = IAMCTL_KEY_BASE(type) == IAMCTL_KEY_ARN;
        break;
    default:
        ok = 1;
    }

    if (!ok) {
        iamctl_findings_add(ck->findings, IAMCTL_ERROR, "DATA_TYPE_MISMATCH",
                            ck->src, &ck->path,
                            "\"%s\" is of type %s%s, which the operator %s "
                            "does not compare", key,
                            type & IAMCTL_KEY_ARRAY ? "ArrayOf" : "",
                            type_names[IAMCTL_KEY_BASE(type)], op);
    }

    if (svc && has_action && !iamctl_key_supported(svc, key, e, n)) {
        iamctl_findings_add(ck->findings, IAMCTL_WARNING,
                            "INVALID_CONDITION_KEY_FOR_ACTION", ck->src,
                            &ck->path,
                            "none of the statement's actions supports "
                            "\"%s\": the request never has it, so the "
                            "condition%s", key,
                            strstr(op, "IfExists") || strncmp(op, "Null", 4)
                            == 0 || strstr(op, "Not")
                            ? " is always the same" : " never holds");
    }
}


/* 1 when some action of the statement documents the key, or can't tell */
static int
iamctl_key_supported(const iamctl_cat_service_t *svc, const char *key,
    iamctl_entry_t *e, size_t n)
{
    size_t                       i, k;
    const iamctl_cat_service_t  *s;

    for (i = 0; i < n; i++) {
        if (e[i].any || e[i].outside || e[i].set == NULL) {
            return 1;
        }
    }

    for (i = 0; i < n; i++) {
        s = e[i].svc;

        for (k = s->actions; k < s->actions + s->nactions; k++) {
            if ((e[i].set[k / 8] & (1 << (k % 8)))
                && iamctl_cat_action_has_key(s, &iamctl_cat_actions[k], key))
            {
                return 1;
            }
        }
    }

    return 0;
}


/*
 * A statement another one already covers: the same effect, principals and
 * conditions, and every action and resource of it matched by the other's.
 */
static void
iamctl_redundant_statements(iamctl_ck_t *ck, const json_t *statements)
{
    size_t        i, j, n;
    json_t       *a, *b;
    const char   *elts[] = { "Effect", "Principal", "NotPrincipal",
                             "Condition", NULL };
    const char  **elt;
    int           same;

    n = json_array_size(statements);
    if (n > IAMCTL_MAX_ENTRIES) {
        return;
    }

    for (j = 0; j < n; j++) {
        b = json_array_get(statements, j);

        for (i = 0; i < n; i++) {
            a = json_array_get(statements, i);

            if (i == j || !json_object_get(a, "Action")
                || !json_object_get(b, "Action")
                || json_object_get(a, "NotResource")
                || json_object_get(b, "NotResource"))
            {
                continue;
            }

            same = 1;

            for (elt = elts; *elt && same; elt++) {
                same = json_equal(json_object_get(a, *elt),
                                  json_object_get(b, *elt))
                       || (!json_object_get(a, *elt)
                           && !json_object_get(b, *elt));
            }

            if (!same
                || !iamctl_covers(json_object_get(a, "Action"),
                                  json_object_get(b, "Action"))
                || !iamctl_covers(json_object_get(a, "Resource"),
                                  json_object_get(b, "Resource")))
            {
                continue;
            }

            /* two equal statements: the later one is the redundant one */
            if (i > j && iamctl_covers(json_object_get(b, "Action"),
                                       json_object_get(a, "Action"))
                && iamctl_covers(json_object_get(b, "Resource"),
                                 json_object_get(a, "Resource")))
            {
                continue;
            }

            iam_json_path_push_index(&ck->path, j);
            iamctl_findings_add(ck->findings, IAMCTL_SUGGESTION,
                                "REDUNDANT_STATEMENT", ck->src, &ck->path,
                                "statement %zu grants nothing statement %zu "
                                "does not already grant", j, i);
            iam_json_path_pop(&ck->path);
            break;
        }
    }
}


/* every string of small is matched by some pattern of big */
static int
iamctl_covers(const json_t *big, const json_t *small)
{
    int          found;
    size_t       i, k;
    const char  *s, *b;

    if (big == NULL || small == NULL) {
        return big == small;
    }

    for (i = 0; i < iamctl_nstrings(small); i++) {
        s = json_string_value(iamctl_string_at(small, i));
        found = 0;

        for (k = 0; k < iamctl_nstrings(big) && !found; k++) {
            b = json_string_value(iamctl_string_at(big, k));
            found = iamctl_glob_icase(b, strlen(b), s, strlen(s));
        }

        if (!found) {
            return 0;
        }
    }

    return 1;
}
