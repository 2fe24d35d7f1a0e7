/*
 * iamctl validate FILE... [--format text|json|sarif] [--fail-on SEVERITY]
 *                         [--account ACCOUNT_FILE]
 *
 * The engine's checks first (JSON syntax, policy grammar: DESIGN.md §4's
 * FILE:LINE:COLUMN lines, unchanged); then, on documents that compile, the
 * findings of iamctl_policy_findings.c.  The exit status is 1 when a finding
 * is at least as severe as --fail-on (default ERROR), 2 on bad usage.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <iam/iam_core.h>
#include <iam/iam_json.h>
#include <iam/iam_account.h>

#include "iamctl_catalogue.h"
#include "iamctl_validate.h"


static void iamctl_validate_file(const char *file, iamctl_findings_t *f);
static void iamctl_validate_account(const json_t *doc, iam_source_t *src,
    iamctl_findings_t *f);
static void iamctl_validate_doc(const json_t *doc, iam_source_t *src,
    iam_policy_kind_e kind, iamctl_findings_t *f);
static void iamctl_validate_list(const json_t *list, iam_source_t *src,
    iamctl_findings_t *f);
static void iamctl_validate_services(const json_t *services,
    iam_source_t *src, iamctl_findings_t *f);
static int iamctl_load_services(const char *file, int quiet);
static int iamctl_finding_cmp(const void *a, const void *b);


int
iamctl_validate(int argc, char **argv)
{
    int                 i, nfiles, fail_on, rc;
    size_t              first;
    iamctl_format_e     format;
    iamctl_findings_t   findings;

    format = IAMCTL_FORMAT_TEXT;
    fail_on = IAMCTL_ERROR;
    nfiles = 0;

    for (i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            i++;
            if (strcmp(argv[i], "text") == 0) {
                format = IAMCTL_FORMAT_TEXT;

            } else if (strcmp(argv[i], "json") == 0) {
                format = IAMCTL_FORMAT_JSON;

            } else if (strcmp(argv[i], "sarif") == 0) {
                format = IAMCTL_FORMAT_SARIF;

            } else {
                fprintf(stderr, "iamctl validate: unknown format \"%s\" "
                        "(text, json or sarif)\n", argv[i]);
                return 2;
            }

        } else if (strcmp(argv[i], "--fail-on") == 0 && i + 1 < argc) {
            fail_on = iamctl_severity_parse(argv[++i]);
            if (fail_on < 0) {
                fprintf(stderr, "iamctl validate: unknown severity \"%s\" "
                        "(ERROR, SECURITY_WARNING, WARNING or SUGGESTION)\n",
                        argv[i]);
                return 2;
            }

        } else if (strcmp(argv[i], "--account") == 0 && i + 1 < argc) {
            if (iamctl_load_services(argv[++i], 0) != IAM_OK) {
                return 2;
            }

        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            fprintf(stderr, "iamctl validate: unknown option \"%s\"\n",
                    argv[i]);
            return 2;

        } else {
            argv[nfiles++] = argv[i];
        }
    }

    if (nfiles == 0) {
        fprintf(stderr, "iamctl validate: no files given\n");
        return 2;
    }

    memset(&findings, 0, sizeof(iamctl_findings_t));

    /* the custom services account files declare count for every file */
    for (i = 0; i < nfiles; i++) {
        (void) iamctl_load_services(argv[i], 1);
    }

    for (i = 0; i < nfiles; i++) {
        first = findings.nitems;
        iamctl_validate_file(argv[i], &findings);

        /* in the order of the file, as a reader goes through it */
        qsort(findings.items + first, findings.nitems - first,
              sizeof(iamctl_finding_t), iamctl_finding_cmp);
    }

    iamctl_findings_print(&findings, format, stdout);

    rc = iamctl_findings_fail(&findings, fail_on);

    iamctl_findings_free(&findings);
    iamctl_custom_services_free();

    return rc;
}


static int
iamctl_finding_cmp(const void *a, const void *b)
{
    const iamctl_finding_t  *x = a, *y = b;

    if (x->line != y->line) {
        return x->line < y->line ? -1 : 1;
    }

    if (x->column != y->column) {
        return x->column < y->column ? -1 : 1;
    }

    /* qsort is not stable: the more severe finding first */
    return (int) y->type - (int) x->type;
}


/* --account FILE: the custom services of an account file, for policies */
static int
iamctl_load_services(const char *file, int quiet)
{
    char         *text;
    size_t        len;
    json_t       *doc;
    iam_diags_t   diags;

    iam_diags_init(&diags);

    doc = iam_json_load_file(file, &text, &len, &diags);

    if (doc == NULL) {
        if (!quiet) {
            fprintf(stderr, "iamctl validate: --account %s: %s\n", file,
                    diags.nitems ? diags.items[0].message : "cannot load");
        }

        iam_diags_free(&diags);
        return IAM_ERROR;
    }

    iamctl_custom_services_add(json_object_get(doc, "services"));

    json_decref(doc);
    free(text);
    iam_diags_free(&diags);

    return IAM_OK;
}


/*
 * A document with "Statement" (or "Version") is a policy; anything else is
 * taken for an account file, whose own checks say what is missing.
 */
static void
iamctl_validate_file(const char *file, iamctl_findings_t *f)
{
    char            *text;
    size_t           i, len;
    json_t          *doc, *st, *statements;
    iam_pool_t      *pool;
    iam_diags_t      diags;
    iam_source_t     src;
    iam_account_t   *account;
    iam_policy_t    *policy;
    iam_policy_kind_e  kind;

    iam_diags_init(&diags);

    doc = iam_json_load_file(file, &text, &len, &diags);
    if (doc == NULL) {
        iamctl_findings_add_diags(f, &diags);
        iam_diags_free(&diags);
        return;
    }

    memset(&src, 0, sizeof(iam_source_t));
    src.file = file;
    src.text = text;
    src.len = len;

    if (json_is_object(doc)
        && (json_object_get(doc, "Statement")
            || json_object_get(doc, "Version")))
    {
        pool = iam_pool_create();
        policy = pool ? iam_policy_compile(pool, doc, file, IAM_POLICY_ANY,
                                           &src, &diags)
                      : NULL;
        iam_pool_destroy(pool);

        if (policy == NULL && diags.nitems == 0) {
            iam_diags_add(&diags, file, 0, 0, "out of memory");
        }

        if (diags.nitems == 0) {
            /* a Principal anywhere makes it a resource policy */
            kind = IAM_POLICY_IDENTITY;
            statements = json_object_get(doc, "Statement");

            for (i = 0; i < json_array_size(statements); i++) {
                st = json_array_get(statements, i);
                if (json_object_get(st, "Principal")
                    || json_object_get(st, "NotPrincipal"))
                {
                    kind = IAM_POLICY_RESOURCE;
                }
            }

            if (json_object_get(statements, "Principal")
                || json_object_get(statements, "NotPrincipal"))
            {
                kind = IAM_POLICY_RESOURCE;
            }

            iamctl_policy_findings(doc, &src, kind, f);
        }

    } else {
        account = iam_account_load(file, &diags);
        iam_account_free(account);

        if (diags.nitems == 0) {
            iamctl_validate_account(doc, &src, f);
        }
    }

    iamctl_findings_add_diags(f, &diags);

    json_decref(doc);
    free(text);
    iam_diags_free(&diags);
}


/* every policy document of an account file, where it sits in the file */
static void
iamctl_validate_account(const json_t *doc, iam_source_t *src,
    iamctl_findings_t *f)
{
    size_t       i;
    json_t      *v, *p, *level;
    const char  *name, *kinds[] = { "groups", "users", "roles", NULL };
    const char **k;

    src->base.nelts = 0;

    iamctl_validate_services(json_object_get(doc, "services"), src, f);

    iam_json_path_push_key(&src->base, "policies");

    json_object_foreach(json_object_get(doc, "policies"), name, v) {
        iam_json_path_push_key(&src->base, name);
        iamctl_validate_doc(v, src, IAM_POLICY_IDENTITY, f);
        iam_json_path_pop(&src->base);
    }

    iam_json_path_pop(&src->base);

    for (k = kinds; *k; k++) {
        iam_json_path_push_key(&src->base, *k);

        json_object_foreach(json_object_get(doc, *k), name, v) {
            iam_json_path_push_key(&src->base, name);

            p = json_object_get(v, "policies");
            iam_json_path_push_key(&src->base, "policies");
            iamctl_validate_list(p, src, f);
            iam_json_path_pop(&src->base);

            p = json_object_get(v, "boundary");
            if (json_is_object(p)) {
                iam_json_path_push_key(&src->base, "boundary");
                iamctl_validate_doc(p, src, IAM_POLICY_IDENTITY, f);
                iam_json_path_pop(&src->base);
            }

            p = json_object_get(v, "trust");
            if (json_is_object(p)) {
                iam_json_path_push_key(&src->base, "trust");
                iamctl_validate_doc(p, src, IAM_POLICY_TRUST, f);
                iam_json_path_pop(&src->base);
            }

            iam_json_path_pop(&src->base);
        }

        iam_json_path_pop(&src->base);
    }

    iam_json_path_push_key(&src->base, "guardrails");

    json_array_foreach(json_object_get(doc, "guardrails"), i, level) {
        iam_json_path_push_index(&src->base, i);
        iamctl_validate_list(level, src, f);
        iam_json_path_pop(&src->base);
    }

    iam_json_path_pop(&src->base);
}


/* inline documents of a list of policy names and documents */
static void
iamctl_validate_list(const json_t *list, iam_source_t *src,
    iamctl_findings_t *f)
{
    size_t   i;
    json_t  *p;

    json_array_foreach(list, i, p) {
        if (json_is_object(p)) {
            iam_json_path_push_index(&src->base, i);
            iamctl_validate_doc(p, src, IAM_POLICY_IDENTITY, f);
            iam_json_path_pop(&src->base);
        }
    }
}


static void
iamctl_validate_doc(const json_t *doc, iam_source_t *src,
    iam_policy_kind_e kind, iamctl_findings_t *f)
{
    iamctl_policy_findings(doc, src, kind, f);
}


/* "services": { "orders": { "actions": ["GetOrder", ...] }, ... } */
static void
iamctl_validate_services(const json_t *services, iam_source_t *src,
    iamctl_findings_t *f)
{
    size_t            i;
    json_t           *svc, *a, *actions;
    const char       *name;
    iam_json_path_t   path;

    if (services == NULL) {
        return;
    }

    path.nelts = 0;
    iam_json_path_push_key(&path, "services");

    if (!json_is_object(services)) {
        iamctl_findings_add(f, IAMCTL_ERROR, "INVALID_CUSTOM_SERVICE", src,
                            &path, "must be an object of services, such as "
                            "{\"orders\": {\"actions\": [\"GetOrder\"]}}");
        return;
    }

    json_object_foreach((json_t *) services, name, svc) {
        iam_json_path_push_key(&path, name);
        actions = json_object_get(svc, "actions");

        if (strchr(name, ':') || strcspn(name, "*?") < strlen(name)) {
            iamctl_findings_add(f, IAMCTL_ERROR, "INVALID_CUSTOM_SERVICE",
                                src, &path, "a service prefix has no ':' "
                                "and no wildcard");
        }

        if (iamctl_cat_service(name, strlen(name))) {
            iamctl_findings_add(f, IAMCTL_ERROR, "INVALID_CUSTOM_SERVICE",
                                src, &path, "\"%s\" is an AWS service: "
                                "custom services need their own prefix",
                                name);
        }

        if (!json_is_object(svc) || !json_is_array(actions)) {
            iamctl_findings_add(f, IAMCTL_ERROR, "INVALID_CUSTOM_SERVICE",
                                src, &path, "must be an object with "
                                "\"actions\": [\"ActionName\", ...]");

        } else {
            json_array_foreach(actions, i, a) {
                if (!json_is_string(a) || json_string_length(a) == 0
                    || strchr(json_string_value(a), ':'))
                {
                    iam_json_path_push_key(&path, "actions");
                    iam_json_path_push_index(&path, i);
                    iamctl_findings_add(f, IAMCTL_ERROR,
                                        "INVALID_CUSTOM_SERVICE", src, &path,
                                        "an action name is a non-empty "
                                        "string without the service prefix");
                    iam_json_path_pop(&path);
                    iam_json_path_pop(&path);
                }
            }
        }

        iam_json_path_pop(&path);
    }
}
