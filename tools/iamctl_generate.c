/*
 * iamctl generate --principal ARN --log FILE... [--exact] [--since 90d]
 *     [--now TIME] [--field NAME=KEY]
 *
 * An identity policy that allows what the log shows the principal was
 * allowed, and nothing it did not use.  The rules, in order:
 *
 *   1. every allowed (action, resource) of the principal is kept; a role
 *      stands for all its sessions; an empty resource is "*";
 *   2. without --exact, two or more resources of one action under the same
 *      prefix (everything up to the last '/') become "prefix/" plus a
 *      wildcard; a resource another one of the action then covers is
 *      dropped;
 *   3. actions with the same resources share one statement; statements,
 *      actions and resources are sorted, so the same log gives the same
 *      policy.
 *
 * Memory: at most IAMCTL_GEN_MAX_RESOURCES distinct resources per action;
 * past that, new ones are kept as their first path segment ("bucket/" and a
 * wildcard), which still covers them, and a note says so on stderr.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <iam/iam_core.h>

#include "iamctl_catalogue.h"
#include "iamctl_log.h"
#include "iamctl_usage.h"
#include "iamctl_generate.h"


#define IAMCTL_GEN_MAX_RESOURCES  10000


typedef struct {
    const char     *principal;      /* normalised: a role for its sessions */
    json_t         *actions;        /* action -> { resource: true } */
    size_t          folded;
} iamctl_gen_t;


static int iamctl_gen_record(const iamctl_record_t *rec, void *data);
static const char *iamctl_gen_resource_part(const char *arn);
static json_t *iamctl_gen_group(json_t *resources, int exact);
static json_t *iamctl_gen_policy(iamctl_gen_t *g, int exact);
static json_t *iamctl_gen_sorted(json_t *set);
static json_t *iamctl_gen_one_or_list(json_t *list);


int
iamctl_generate(int argc, char **argv)
{
    int            i, rc, exact;
    char          *s, buf[2048];
    json_t        *policy;
    const char    *principal;
    iamctl_log_t   log;
    iamctl_gen_t   g;

    iamctl_log_init(&log);
    principal = NULL;
    exact = 0;

    for (i = 0; i < argc; i++) {
        rc = iamctl_log_option(&log, "generate", argc, argv, &i);

        if (rc < 0) {
            iamctl_log_free(&log);
            return 2;
        }

        if (rc > 0) {
            continue;
        }

        if (strcmp(argv[i], "--principal") == 0 && i + 1 < argc) {
            principal = argv[++i];

        } else if (strcmp(argv[i], "--exact") == 0) {
            exact = 1;

        } else {
            fprintf(stderr, "iamctl generate: unknown argument \"%s\"\n",
                    argv[i]);
            iamctl_log_free(&log);
            return 2;
        }
    }

    if (principal == NULL) {
        fprintf(stderr, "usage: iamctl generate --principal ARN --log FILE... "
                "[--exact] [--since 90d] [--now TIME] [--field NAME=KEY]\n");
        iamctl_log_free(&log);
        return 2;
    }

    memset(&g, 0, sizeof(iamctl_gen_t));
    g.principal = iamctl_usage_principal(principal, buf, sizeof(buf));
    g.actions = json_object();

    rc = iamctl_log_read(&log, "generate", iamctl_gen_record, &g);
    iamctl_log_free(&log);

    if (rc != 0) {
        json_decref(g.actions);
        return 1;
    }

    if (json_object_size(g.actions) == 0) {
        fprintf(stderr, "iamctl generate: the logs show no allowed request "
                "of %s\n", principal);
        json_decref(g.actions);
        return 1;
    }

    if (g.folded) {
        fprintf(stderr, "iamctl generate: more than %d resources for one "
                "action: %zu kept as their first path segment\n",
                IAMCTL_GEN_MAX_RESOURCES, g.folded);
    }

    policy = iamctl_gen_policy(&g, exact);
    s = policy ? json_dumps(policy, JSON_INDENT(2) | JSON_PRESERVE_ORDER)
               : NULL;

    if (s == NULL) {
        fprintf(stderr, "iamctl generate: out of memory\n");
        rc = 1;

    } else {
        printf("%s\n", s);
        free(s);
    }

    json_decref(policy);
    json_decref(g.actions);

    return rc;
}


static int
iamctl_gen_record(const iamctl_record_t *rec, void *data)
{
    iamctl_gen_t  *g = data;

    char         buf[2048], folded[2048];
    json_t      *set;
    const char  *p, *action, *resource, *part, *slash;

    if (strcmp(rec->values[IAMCTL_FIELD_DECISION], "allowed") != 0) {
        return 0;
    }

    p = iamctl_usage_principal(rec->values[IAMCTL_FIELD_PRINCIPAL], buf,
                               sizeof(buf));

    if (strcmp(p, g->principal) != 0) {
        return 0;
    }

    action = rec->values[IAMCTL_FIELD_ACTION];
    resource = rec->values[IAMCTL_FIELD_RESOURCE];

    if (action[0] == '\0' || strcmp(action, "-") == 0) {
        return 0;
    }

    if (resource[0] == '\0' || strcmp(resource, "-") == 0) {
        resource = "*";
    }

    set = json_object_get(g->actions, action);

    if (set == NULL) {
        set = json_object();
        if (json_object_set_new(g->actions, action, set) != 0) {
            return -1;
        }
    }

    if (json_object_size(set) >= IAMCTL_GEN_MAX_RESOURCES
        && json_object_get(set, resource) == NULL)
    {
        part = iamctl_gen_resource_part(resource);
        slash = part ? strchr(part, '/') : NULL;

        if (slash) {
            snprintf(folded, sizeof(folded), "%.*s/*",
                     (int) (slash - resource), resource);
            resource = folded;
            g->folded++;
        }
    }

    return json_object_set_new(set, resource, json_true());
}


/* what follows the fifth ':' of an ARN, or NULL */
static const char *
iamctl_gen_resource_part(const char *arn)
{
    int  n;

    for (n = 0; *arn && n < 5; arn++) {
        if (*arn == ':') {
            n++;
        }
    }

    return n == 5 ? arn : NULL;
}


/* rule 2: a sorted JSON array of the resources, grouped unless exact */
static json_t *
iamctl_gen_group(json_t *resources, int exact)
{
    size_t       i, j, n, plen, qlen;
    char         buf[2048];
    json_t      *list, *grouped, *out, *v, *w;
    const char  *r, *q, *part, *last;

    list = iamctl_gen_sorted(resources);

    if (exact) {
        return list;
    }

    grouped = json_object();
    n = json_array_size(list);

    for (i = 0; i < n; i++) {
        r = json_string_value(json_array_get(list, i));
        part = iamctl_gen_resource_part(r);
        last = part ? strrchr(part, '/') : NULL;

        if (last == NULL || strchr(r, '*') || strchr(r, '?')) {
            json_object_set_new(grouped, r, json_true());
            continue;
        }

        /* another resource of the action under the same prefix? */
        plen = last - r + 1;

        for (j = 0; j < n; j++) {
            q = json_string_value(json_array_get(list, j));
            qlen = strlen(q);

            if (j != i && qlen > plen && strncmp(q, r, plen) == 0
                && strchr(q + plen, '/') == NULL)
            {
                break;
            }
        }

        if (j < n && plen + 2 < sizeof(buf)) {
            snprintf(buf, sizeof(buf), "%.*s*", (int) plen, r);
            json_object_set_new(grouped, buf, json_true());

        } else {
            json_object_set_new(grouped, r, json_true());
        }
    }

    json_decref(list);
    list = iamctl_gen_sorted(grouped);
    json_decref(grouped);

    /* drop what another pattern of the action already covers */
    out = json_array();

    json_array_foreach(list, i, v) {
        r = json_string_value(v);

        json_array_foreach(list, j, w) {
            q = json_string_value(w);

            if (i != j && strcmp(q, r) != 0
                && iamctl_glob_icase(q, strlen(q), r, strlen(r)))
            {
                break;
            }
        }

        if (j == json_array_size(list)) {
            json_array_append(out, v);
        }
    }

    json_decref(list);

    return out;
}


static int
iamctl_gen_cmp(const void *a, const void *b)
{
    return strcmp(*(const char **) a, *(const char **) b);
}


static json_t *
iamctl_gen_sorted(json_t *set)
{
    size_t        i, n;
    json_t       *v, *out;
    const char   *key, **keys;

    n = json_object_size(set);
    out = json_array();
    keys = malloc((n ? n : 1) * sizeof(char *));

    if (keys == NULL) {
        return out;
    }

    i = 0;
    json_object_foreach(set, key, v) {
        keys[i++] = key;
    }

    qsort(keys, n, sizeof(char *), iamctl_gen_cmp);

    for (i = 0; i < n; i++) {
        json_array_append_new(out, json_string(keys[i]));
    }

    free(keys);

    return out;
}


static json_t *
iamctl_gen_one_or_list(json_t *list)
{
    json_t  *v;

    if (json_array_size(list) == 1) {
        v = json_incref(json_array_get(list, 0));
        json_decref(list);
        return v;
    }

    return list;
}


/* rule 3: one statement per distinct set of resources */
static json_t *
iamctl_gen_policy(iamctl_gen_t *g, int exact)
{
    char         sid[96], svc[64], *p;
    size_t       i, j, k;
    json_t      *names, *statements, *groups, *st, *res, *key, *actions;
    json_t      *policy, *sids, *name;
    const char  *action, *colon;

    names = iamctl_gen_sorted(g->actions);
    groups = json_object();         /* resources as JSON -> statement */
    statements = json_array();
    sids = json_object();

    json_array_foreach(names, i, name) {
        action = json_string_value(name);
        res = iamctl_gen_group(json_object_get(g->actions, action), exact);

        p = json_dumps(res, JSON_COMPACT);
        st = p ? json_object_get(groups, p) : NULL;

        if (st == NULL) {
            /* Sids are alphanumeric: "AllowS3", then "AllowS3Group2" ... */
            colon = strchr(action, ':');
            k = 0;

            for (j = 0; action[j] && &action[j] != colon && k + 1 < 32; j++) {
                if (isalnum((unsigned char) action[j])) {
                    svc[k] = (k == 0) ? toupper((unsigned char) action[j])
                                      : action[j];
                    k++;
                }
            }

            svc[k] = '\0';
            key = json_object_get(sids, svc);
            k = key ? json_integer_value(key) + 1 : 1;
            json_object_set_new(sids, svc, json_integer(k));

            if (k == 1) {
                snprintf(sid, sizeof(sid), "Allow%s", svc);

            } else {
                snprintf(sid, sizeof(sid), "Allow%sGroup%zu", svc, k);
            }

            st = json_pack("{s:s, s:s, s:[], s:O}", "Sid", sid,
                           "Effect", "Allow", "Action", "Resource", res);
            json_array_append_new(statements, st);

            if (p) {
                json_object_set(groups, p, st);
            }
        }

        json_array_append(json_object_get(st, "Action"), name);
        json_decref(res);
        free(p);
    }

    json_array_foreach(statements, i, st) {
        actions = json_object_get(st, "Action");
        json_object_set_new(st, "Action",
                            iamctl_gen_one_or_list(json_incref(actions)));
        res = json_object_get(st, "Resource");
        json_object_set_new(st, "Resource",
                            iamctl_gen_one_or_list(json_incref(res)));
    }

    policy = json_pack("{s:s, s:o}", "Version", "2012-10-17",
                       "Statement", statements);

    json_decref(names);
    json_decref(groups);
    json_decref(sids);

    return policy;
}
