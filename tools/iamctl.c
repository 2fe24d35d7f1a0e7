/*
 * iamctl: the command-line face of the ngx_iam engine.
 *
 *   iamctl validate FILE...          account files or policy documents,
 *                                    with Access Analyzer-style findings
 *   iamctl simulate [--explain]      JSON-lines cases on stdin, decisions out
 *   iamctl analyze usage --log ...   last and unused access (decision logs)
 *   iamctl generate --principal ...  a least-privilege policy from the logs
 *   iamctl analyze external ...      access from outside the account
 *   iamctl check-no-public-access    PASS only when nothing is public
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
#include "iamctl_validate.h"
#include "iamctl_usage.h"
#include "iamctl_generate.h"
#include "iamctl_external.h"
#include "iamctl_check.h"


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

    if (strcmp(argv[1], "analyze") == 0) {
        return iamctl_analyze(argc - 2, argv + 2);
    }

    if (strcmp(argv[1], "generate") == 0) {
        return iamctl_generate(argc - 2, argv + 2);
    }

    if (strcmp(argv[1], "check-no-public-access") == 0) {
        return iamctl_check_no_public_access(argc - 2, argv + 2);
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
        "usage: iamctl validate [--format text|json|sarif] "
        "[--fail-on SEVERITY]\n"
        "                       [--account ACCOUNT_FILE] FILE...\n"
        "       iamctl simulate [--explain] < cases.jsonl\n"
        "       iamctl analyze usage --log FILE... [--since 90d] "
        "[--now TIME]\n"
        "                    [--field NAME=KEY] [--account ACCOUNT_FILE] "
        "[--key-days 45]\n"
        "                    [--format text|json]\n"
        "       iamctl generate --principal ARN --log FILE... [--exact]\n"
        "       iamctl analyze external ACCOUNT_FILE [RESOURCE_POLICY...]\n"
        "       iamctl check-no-public-access POLICY [--account ID]\n"
        "       iamctl check-no-new-access [--format text|json] OLD NEW\n"
        "       iamctl check-access-not-granted [--format text|json] POLICY\n"
        "              --action ACTION... [--resource ARN...]\n"
        "\n"
        "validate  checks account files and policy documents; prints\n"
        "          FILE:LINE:COLUMN: message for every problem and finding,\n"
        "          exit 1 if any is at least as severe as --fail-on (ERROR)\n"
        "simulate  reads one JSON case per line, writes one decision per line\n"
        "analyze usage  last use of services, actions and access keys from\n"
        "          decision logs (plain or gzip); unused access (--account)\n"
        "generate  a least-privilege policy from what the logs show allowed\n"
        "analyze external  who outside the account can do what (trust and\n"
        "          resource policies), each with a request the engine allows\n"
        "check-no-public-access  PASS (0), FAIL (1) or UNKNOWN (3)\n"
        "check-no-new-access, check-access-not-granted  prove with Z3 what\n"
        "          identity policies allow: exit 0 PASS, 1 FAIL (with a\n"
        "          counterexample), 2 invalid input, 3 UNKNOWN\n");
}
