/*
 * iamctl check-no-new-access OLD NEW
 * iamctl check-access-not-granted POLICY --action A... [--resource R...]
 *
 * Access Analyzer's custom policy checks, proven with Z3 (iam_z3.c).  PASS
 * only when the solver proves it; FAIL only with a request the engine
 * itself decides as claimed (the same iam_simulate() as `iamctl simulate`);
 * anything else is UNKNOWN with its reason.
 *
 * Exit status: 0 PASS, 1 FAIL, 2 invalid input, 3 UNKNOWN.
 */

#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
#include <iam/iam_core.h>
#include <iam/iam_json.h>
#include <iam/iam_policy.h>
#include <iam/iam_simulate.h>

#include "iam_z3.h"
#include "iamctl_check.h"


#define IAMCTL_PASS      0
#define IAMCTL_FAIL      1
#define IAMCTL_INVALID   2
#define IAMCTL_UNKNOWN   3

#define IAMCTL_SCOPE                                                          \
    "scope: identity policies of a principal in the resource's account; "    \
    "resource policies, permissions boundaries, guardrails and session "     \
    "policies are not part of the check"


typedef struct {
    const char     *file;
    json_t         *doc;
    iam_policy_t   *policy;
} iamctl_policy_t;

typedef struct {
    int             json;
    unsigned        timeout;        /* milliseconds */
    json_t         *reasons;
    iam_pool_t     *pool;
} iamctl_check_t;


static int iamctl_check_options(iamctl_check_t *ck, int *argc, char **argv,
    const char *cmd);
static int iamctl_check_load(iamctl_check_t *ck, const char *file,
    iamctl_policy_t *p);
static const char *iamctl_check_decide(iamctl_policy_t *p, json_t *request,
    char *statement, size_t size);
static int iamctl_check_report(iamctl_check_t *ck, int result,
    json_t *request);
static void iamctl_check_reason(iamctl_check_t *ck, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int iamctl_check_reload(json_t **request);


int
iamctl_check_no_new_access(int argc, char **argv)
{
    int              rc;
    char             nst[512], ost[512], *text;
    json_t          *request;
    iam_z3_t        *z;
    const char      *nd, *od, *label;
    iamctl_policy_t  old, new;
    iamctl_check_t   ck;
    iam_z3_result_e  r;

    memset(&old, 0, sizeof(iamctl_policy_t));
    memset(&new, 0, sizeof(iamctl_policy_t));
    request = NULL;
    z = NULL;

    if (iamctl_check_options(&ck, &argc, argv, "check-no-new-access")
        != IAM_OK)
    {
        return IAMCTL_INVALID;
    }

    if (argc != 2) {
        fprintf(stderr, "usage: iamctl check-no-new-access [--format "
                "text|json] [--timeout SECONDS] OLD NEW\n");
        rc = IAMCTL_INVALID;
        goto done;
    }

    if (iamctl_check_load(&ck, argv[0], &old) != IAM_OK
        || iamctl_check_load(&ck, argv[1], &new) != IAM_OK)
    {
        rc = IAMCTL_INVALID;
        goto done;
    }

    z = iam_z3_create(ck.timeout);
    if (z == NULL) {
        fprintf(stderr, "iamctl check-no-new-access: out of memory\n");
        rc = IAMCTL_INVALID;
        goto done;
    }

    if (iam_z3_add_policy(z, old.policy) != IAM_OK
        || iam_z3_add_policy(z, new.policy) != IAM_OK)
    {
        iamctl_check_reason(&ck, "outside what the encoding covers: %s",
                            iam_z3_reason(z));
        rc = iamctl_check_report(&ck, IAMCTL_UNKNOWN, NULL);
        goto done;
    }

    r = iam_z3_find_new_access(z, new.policy, old.policy, &request);

    switch (r) {

    case IAM_Z3_UNSAT:
        iamctl_check_reason(&ck, "proven: every request %s allows, %s "
                            "allows too", new.file, old.file);
        iamctl_check_reason(&ck, IAMCTL_SCOPE);
        rc = iamctl_check_report(&ck, IAMCTL_PASS, NULL);
        break;

    case IAM_Z3_SAT:
        if (iamctl_check_reload(&request) != IAM_OK) {
            iamctl_check_reason(&ck, "the solver's counterexample has no "
                                "JSON form");
            rc = iamctl_check_report(&ck, IAMCTL_UNKNOWN, NULL);
            break;
        }

        nd = iamctl_check_decide(&new, request, nst, sizeof(nst));
        od = iamctl_check_decide(&old, request, ost, sizeof(ost));

        if (nd && od && strcmp(nd, "allowed") == 0
            && strcmp(od, "allowed") != 0)
        {
            label = json_string_value(json_object_get(request, "action"));
            iamctl_check_reason(&ck, "%s allows %s on %s (statement %s) "
                                "where %s gives %s", new.file, label,
                                json_string_value(json_object_get(request,
                                                               "resource")),
                                nst, old.file, od);
            rc = iamctl_check_report(&ck, IAMCTL_FAIL, request);

        } else {
            text = json_dumps(request, JSON_COMPACT);
            iamctl_check_reason(&ck, "the engine did not confirm the "
                                "solver's counterexample (new: %s, old: %s): "
                                "%s", nd ? nd : "error", od ? od : "error",
                                text ? text : "");
            free(text);
            rc = iamctl_check_report(&ck, IAMCTL_UNKNOWN, request);
        }
        break;

    default:
        iamctl_check_reason(&ck, "%s", iam_z3_reason(z));
        rc = iamctl_check_report(&ck, IAMCTL_UNKNOWN, NULL);
        break;
    }

done:

    json_decref(request);
    iam_z3_destroy(z);
    json_decref(old.doc);
    json_decref(new.doc);
    json_decref(ck.reasons);
    iam_pool_destroy(ck.pool);

    return rc;
}


int
iamctl_check_access_not_granted(int argc, char **argv)
{
    int                 i, rc, list, hit;
    char                err[256], st[512], lower[IAM_POLICY_MAX_STRING];
    char               *text;
    size_t              j, nactions, nresources, len;
    json_t             *request;
    iam_z3_t           *z;
    const char         *d, *policy_file, *a, *res;
    iam_pattern_t      *actions;
    iamctl_policy_t     pol;
    iamctl_check_t      ck;
    iam_z3_result_e     r;
    iam_arn_pattern_t  *resources;

    memset(&pol, 0, sizeof(iamctl_policy_t));
    request = NULL;
    z = NULL;
    actions = NULL;
    resources = NULL;

    if (iamctl_check_options(&ck, &argc, argv, "check-access-not-granted")
        != IAM_OK)
    {
        return IAMCTL_INVALID;
    }

    actions = calloc(argc + 1, sizeof(iam_pattern_t));
    resources = calloc(argc + 1, sizeof(iam_arn_pattern_t));
    nactions = 0;
    nresources = 0;
    policy_file = NULL;
    list = 0;
    rc = IAMCTL_INVALID;

    if (actions == NULL || resources == NULL) {
        goto done;
    }

    for (i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--action") == 0) {
            list = 1;
            continue;
        }

        if (strcmp(argv[i], "--resource") == 0) {
            list = 2;
            continue;
        }

        if (list == 1) {
            len = strlen(argv[i]);
            if (len == 0 || len >= sizeof(lower)) {
                fprintf(stderr, "iamctl check-access-not-granted: invalid "
                        "action \"%s\"\n", argv[i]);
                goto done;
            }

            for (j = 0; j < len; j++) {
                lower[j] = (char) tolower((unsigned char) argv[i][j]);
            }

            if (iam_pattern_compile(ck.pool, &actions[nactions], lower, len,
                                    IAM_PATTERN_WILDCARDS | IAM_PATTERN_ICASE,
                                    err, sizeof(err))
                != IAM_OK)
            {
                fprintf(stderr, "iamctl check-access-not-granted: action "
                        "\"%s\": %s\n", argv[i], err);
                goto done;
            }

            nactions++;

        } else if (list == 2) {
            if (iam_arn_pattern_compile(ck.pool, &resources[nresources],
                                        argv[i], strlen(argv[i]),
                                        IAM_PATTERN_WILDCARDS, err,
                                        sizeof(err))
                != IAM_OK)
            {
                fprintf(stderr, "iamctl check-access-not-granted: resource "
                        "\"%s\": %s\n", argv[i], err);
                goto done;
            }

            nresources++;

        } else if (policy_file == NULL) {
            policy_file = argv[i];

        } else {
            fprintf(stderr, "iamctl check-access-not-granted: one policy "
                    "only (\"%s\")\n", argv[i]);
            goto done;
        }
    }

    if (policy_file == NULL || nactions == 0) {
        fprintf(stderr, "usage: iamctl check-access-not-granted [--format "
                "text|json] [--timeout SECONDS] POLICY --action ACTION... "
                "[--resource ARN...]\n");
        goto done;
    }

    if (iamctl_check_load(&ck, policy_file, &pol) != IAM_OK) {
        goto done;
    }

    z = iam_z3_create(ck.timeout);
    if (z == NULL) {
        fprintf(stderr, "iamctl check-access-not-granted: out of memory\n");
        goto done;
    }

    if (iam_z3_add_policy(z, pol.policy) != IAM_OK) {
        iamctl_check_reason(&ck, "outside what the encoding covers: %s",
                            iam_z3_reason(z));
        rc = iamctl_check_report(&ck, IAMCTL_UNKNOWN, NULL);
        goto done;
    }

    r = iam_z3_find_access(z, pol.policy, actions, nactions, resources,
                           nresources, &request);

    switch (r) {

    case IAM_Z3_UNSAT:
        iamctl_check_reason(&ck, "proven: %s allows none of the actions%s",
                            pol.file, nresources ? " on the resources" : "");
        iamctl_check_reason(&ck, IAMCTL_SCOPE);
        rc = iamctl_check_report(&ck, IAMCTL_PASS, NULL);
        break;

    case IAM_Z3_SAT:
        if (iamctl_check_reload(&request) != IAM_OK) {
            iamctl_check_reason(&ck, "the solver's counterexample has no "
                                "JSON form");
            rc = iamctl_check_report(&ck, IAMCTL_UNKNOWN, NULL);
            break;
        }

        d = iamctl_check_decide(&pol, request, st, sizeof(st));
        a = json_string_value(json_object_get(request, "action"));
        res = json_string_value(json_object_get(request, "resource"));

        /* the engine's own matching says the request is one asked about */
        hit = 0;
        for (j = 0; j < nactions && !hit; j++) {
            hit = iam_pattern_match(&actions[j], a, strlen(a), NULL);
        }

        if (hit && nresources) {
            hit = 0;
            for (j = 0; j < nresources && !hit; j++) {
                hit = iam_arn_pattern_match(&resources[j], res, strlen(res),
                                            NULL);
            }
        }

        if (d && hit && strcmp(d, "allowed") == 0) {
            iamctl_check_reason(&ck, "%s allows %s on %s (statement %s)",
                                pol.file, a, res, st);
            rc = iamctl_check_report(&ck, IAMCTL_FAIL, request);

        } else {
            text = json_dumps(request, JSON_COMPACT);
            iamctl_check_reason(&ck, "the engine did not confirm the "
                                "solver's counterexample (%s): %s",
                                d ? d : "error", text ? text : "");
            free(text);
            rc = iamctl_check_report(&ck, IAMCTL_UNKNOWN, request);
        }
        break;

    default:
        iamctl_check_reason(&ck, "%s", iam_z3_reason(z));
        rc = iamctl_check_report(&ck, IAMCTL_UNKNOWN, NULL);
        break;
    }

done:

    json_decref(request);
    iam_z3_destroy(z);
    json_decref(pol.doc);
    json_decref(ck.reasons);
    iam_pool_destroy(ck.pool);
    free(actions);
    free(resources);

    return rc;
}


/* takes --format and --timeout out of argv, leaving the operands */
static int
iamctl_check_options(iamctl_check_t *ck, int *argc, char **argv,
    const char *cmd)
{
    int     i, n;
    char   *end;
    double  t;

    memset(ck, 0, sizeof(iamctl_check_t));
    ck->timeout = 60000;
    ck->reasons = json_array();
    ck->pool = iam_pool_create();

    if (ck->reasons == NULL || ck->pool == NULL) {
        fprintf(stderr, "iamctl %s: out of memory\n", cmd);
        return IAM_ERROR;
    }

    n = 0;

    for (i = 0; i < *argc; i++) {
        if (strcmp(argv[i], "--format") == 0 && i + 1 < *argc) {
            i++;
            if (strcmp(argv[i], "json") == 0) {
                ck->json = 1;

            } else if (strcmp(argv[i], "text") != 0) {
                fprintf(stderr, "iamctl %s: --format is text or json\n", cmd);
                return IAM_ERROR;
            }
            continue;
        }

        if (strcmp(argv[i], "--timeout") == 0 && i + 1 < *argc) {
            i++;
            t = strtod(argv[i], &end);
            if (*end != '\0' || !(t >= 0) || t > 86400) {
                fprintf(stderr, "iamctl %s: --timeout takes seconds\n", cmd);
                return IAM_ERROR;
            }
            ck->timeout = (unsigned) (t * 1000);
            continue;
        }

        if (strcmp(argv[i], "--format") == 0
            || strcmp(argv[i], "--timeout") == 0)
        {
            fprintf(stderr, "iamctl %s: %s needs a value\n", cmd, argv[i]);
            return IAM_ERROR;
        }

        argv[n++] = argv[i];
    }

    *argc = n;

    return IAM_OK;
}


/* an identity policy document; its problems are printed as validate does */
static int
iamctl_check_load(iamctl_check_t *ck, const char *file, iamctl_policy_t *p)
{
    char          *text, buf[2048];
    size_t         len, i;
    iam_diags_t    diags;
    iam_source_t   src;

    iam_diags_init(&diags);
    p->file = file;

    p->doc = iam_json_load_file(file, &text, &len, &diags);

    if (p->doc) {
        memset(&src, 0, sizeof(iam_source_t));
        src.file = file;
        src.text = text;
        src.len = len;

        p->policy = iam_policy_compile(ck->pool, p->doc, file,
                                       IAM_POLICY_IDENTITY, &src, &diags);
        free(text);
    }

    for (i = 0; i < diags.nitems; i++) {
        iam_diag_format(&diags.items[i], buf, sizeof(buf));
        fprintf(stderr, "%s\n", buf);
    }

    if (p->policy == NULL && diags.nitems == 0) {
        fprintf(stderr, "%s: invalid policy\n", file);
    }

    iam_diags_free(&diags);

    return p->policy ? IAM_OK : IAM_ERROR;
}


/* the engine's decision on request under doc alone, as simulate gives it */
static const char *
iamctl_check_decide(iamctl_policy_t *p, json_t *request, char *statement,
    size_t size)
{
    json_t      *in, *out, *v;
    const char  *d, *label, *slash;

    in = json_pack("{s:[O],s:O}", "identity_policies", p->doc, "request",
                   request);
    if (in == NULL) {
        return NULL;
    }

    out = iam_simulate(in, 0);
    json_decref(in);

    if (out == NULL) {
        return NULL;
    }

    v = json_object_get(out, "decision");
    d = NULL;

    if (json_is_string(v)) {
        d = json_string_value(v);
        d = strcmp(d, "allowed") == 0 ? "allowed"
            : strcmp(d, "explicitDeny") == 0 ? "explicitDeny"
            : "implicitDeny";
    }

    /* "identity_policies[0]/Sid" names the file here */
    v = json_object_get(out, "statement");
    label = json_is_string(v) ? json_string_value(v) : NULL;
    slash = label ? strchr(label, '/') : NULL;

    if (slash) {
        snprintf(statement, size, "%s%s", p->file, slash);

    } else {
        snprintf(statement, size, "%s", label ? label : "none");
    }

    json_decref(out);

    return d;
}


/*
 * The request as a user gets it: printed and read back, so what the engine
 * confirms is exactly what `iamctl simulate` will be given.
 */
static int
iamctl_check_reload(json_t **request)
{
    char          *text;
    json_t        *back;
    json_error_t   err;

    text = json_dumps(*request, JSON_COMPACT);
    if (text == NULL) {
        return IAM_ERROR;
    }

    back = json_loads(text, JSON_REJECT_DUPLICATES, &err);
    free(text);

    if (back == NULL) {
        return IAM_ERROR;
    }

    json_decref(*request);
    *request = back;

    return IAM_OK;
}


static void
iamctl_check_reason(iamctl_check_t *ck, const char *fmt, ...)
{
    char     buf[2048];
    json_t  *s;
    va_list  args;

    va_start(args, fmt);
    vsnprintf(buf, sizeof(buf), fmt, args);
    va_end(args);

    s = json_string(buf);
    if (s == NULL) {
        s = json_string("(a reason that is not UTF-8)");
    }

    json_array_append_new(ck->reasons, s);
}


static int
iamctl_check_report(iamctl_check_t *ck, int result, json_t *request)
{
    char        *text;
    size_t       i;
    json_t      *out, *reason;
    const char  *name;

    name = result == IAMCTL_PASS ? "PASS"
           : result == IAMCTL_FAIL ? "FAIL" : "UNKNOWN";

    if (ck->json) {
        out = json_pack("{s:s,s:O}", "result", name, "reasons", ck->reasons);

        if (out && request && result == IAMCTL_FAIL) {
            json_object_set(out, "counterexample", request);
        }

        text = out ? json_dumps(out, JSON_COMPACT) : NULL;
        printf("%s\n", text ? text : "{\"result\":\"UNKNOWN\","
               "\"reasons\":[\"out of memory\"]}");
        free(text);
        json_decref(out);

        return text ? result : IAMCTL_UNKNOWN;
    }

    printf("%s\n", name);

    json_array_foreach(ck->reasons, i, reason) {
        printf("  %s\n", json_string_value(reason));
    }

    if (request && result == IAMCTL_FAIL) {
        text = json_dumps(request, JSON_COMPACT);
        printf("counterexample: %s\n", text ? text : "(out of memory)");
        free(text);
    }

    return result;
}
