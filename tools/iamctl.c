/*
 * iamctl: the command-line face of the ngx_iam engine.
 *
 *   iamctl validate FILE...          account files or policy documents
 *   iamctl simulate [--explain]      JSON-lines cases on stdin, decisions out
 *   iamctl check-no-new-access OLD NEW            proofs with Z3
 *   iamctl check-access-not-granted POLICY --action A... [--resource R...]
 */

#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <unistd.h>
#include <iam/iam_core.h>
#include <iam/iam_json.h>
#include <iam/iam_account.h>
#include <iam/iam_eval.h>

#include "iamctl_simulate.h"
#include "iamctl_check.h"


static int iamctl_validate(int argc, char **argv);
static int iamctl_validate_file(const char *file);
static void iamctl_print_diags(const iam_diags_t *diags);
static void iamctl_usage(FILE *out);


int
main(int argc, char **argv)
{
    if (argc < 2) {
        iamctl_usage(stderr);
        return 2;
    }

    if (strcmp(argv[1], "validate") == 0) {
        return iamctl_validate(argc - 2, argv + 2);
    }

    if (strcmp(argv[1], "simulate") == 0) {
        return iamctl_simulate(argc - 2, argv + 2);
    }

    if (strcmp(argv[1], "check-no-new-access") == 0) {
        return iamctl_check_no_new_access(argc - 2, argv + 2);
    }

    if (strcmp(argv[1], "check-access-not-granted") == 0) {
        return iamctl_check_access_not_granted(argc - 2, argv + 2);
    }

    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0
        || strcmp(argv[1], "help") == 0)
    {
        iamctl_usage(stdout);
        return 0;
    }

    fprintf(stderr, "iamctl: unknown command \"%s\"\n", argv[1]);
    iamctl_usage(stderr);

    return 2;
}


static void
iamctl_usage(FILE *out)
{
    fprintf(out,
        "usage: iamctl validate FILE...\n"
        "       iamctl simulate [--explain] < cases.jsonl\n"
        "       iamctl check-no-new-access [--format text|json] OLD NEW\n"
        "       iamctl check-access-not-granted [--format text|json] POLICY\n"
        "              --action ACTION... [--resource ARN...]\n"
        "\n"
        "validate  checks account files and policy documents; prints\n"
        "          FILE:LINE:COLUMN: message for every problem, exit 1 if any\n"
        "simulate  reads one JSON case per line, writes one decision per line\n"
        "check-*   prove with Z3 what identity policies allow: exit 0\n"
        "          PASS, 1 FAIL (with a counterexample), 2 invalid input,\n"
        "          3 UNKNOWN\n");
}


static int
iamctl_validate(int argc, char **argv)
{
    int  i, rc;

    if (argc == 0) {
        fprintf(stderr, "iamctl validate: no files given\n");
        return 2;
    }

    rc = 0;

    for (i = 0; i < argc; i++) {
        if (iamctl_validate_file(argv[i]) != IAM_OK) {
            rc = 1;
        }
    }

    return rc;
}


/*
 * A document with "Statement" (or "Version") is a policy; anything else is
 * taken for an account file, whose own checks say what is missing.
 */
static int
iamctl_validate_file(const char *file)
{
    char           *text;
    size_t          len;
    json_t         *doc;
    iam_pool_t     *pool;
    iam_diags_t     diags;
    iam_source_t    src;
    iam_account_t  *account;
    iam_policy_t   *policy;

    iam_diags_init(&diags);

    doc = iam_json_load_file(file, &text, &len, &diags);
    if (doc == NULL) {
        iamctl_print_diags(&diags);
        iam_diags_free(&diags);
        return IAM_ERROR;
    }

    if (json_is_object(doc)
        && (json_object_get(doc, "Statement")
            || json_object_get(doc, "Version")))
    {
        memset(&src, 0, sizeof(iam_source_t));
        src.file = file;
        src.text = text;
        src.len = len;

        pool = iam_pool_create();
        policy = pool ? iam_policy_compile(pool, doc, file, IAM_POLICY_ANY,
                                           &src, &diags)
                      : NULL;
        iam_pool_destroy(pool);

        if (policy == NULL && diags.nitems == 0) {
            iam_diags_add(&diags, file, 0, 0, "out of memory");
        }

    } else {
        account = iam_account_load(file, &diags);
        iam_account_free(account);
    }

    json_decref(doc);
    free(text);

    iamctl_print_diags(&diags);

    if (diags.nitems) {
        iam_diags_free(&diags);
        return IAM_ERROR;
    }

    return IAM_OK;
}


static void
iamctl_print_diags(const iam_diags_t *diags)
{
    char    buf[2048];
    size_t  i;

    for (i = 0; i < diags->nitems; i++) {
        iam_diag_format(&diags->items[i], buf, sizeof(buf));
        printf("%s\n", buf);
    }

    fflush(stdout);
}
