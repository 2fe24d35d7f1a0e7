/*
 * The account file: a complete valid one, compiled and decided on, and
 * invalid ones, each with the exact FILE:LINE:COLUMN diagnostic expected.
 */

#include <iam/iam_account.h>
#include "tap.h"


typedef struct {
    const char  *file;
    const char  *want;
} invalid_case_t;


static const invalid_case_t  invalid_cases[] = {
    { "accounts/invalid/syntax.json",
      "accounts/invalid/syntax.json:3:28: string or '}' expected near ','" },
    { "accounts/invalid/duplicate-member.json",
      "accounts/invalid/duplicate-member.json:4:9: duplicate object key "
      "near '\"users\"'" },
    { "accounts/invalid/bad-account-id.json",
      "accounts/invalid/bad-account-id.json:2:3: account: must be a 12-digit "
      "account id" },
    { "accounts/invalid/unknown-policy.json",
      "accounts/invalid/unknown-policy.json:5:29: users.alice.policies[0]: "
      "unknown policy \"ReadOnly\"" },
    { "accounts/invalid/unknown-group.json",
      "accounts/invalid/unknown-group.json:4:27: users.alice.groups[0]: "
      "unknown group \"admins\"" },
    { "accounts/invalid/duplicate-key.json",
      "accounts/invalid/duplicate-key.json:5:35: users.bob.access_keys[0].id: "
      "duplicate access key \"AKIAEXAMPLEDUPLICATE\" (also user \"alice\")" },
    { "accounts/invalid/bad-effect.json",
      "accounts/invalid/bad-effect.json:6:24: Statement[0].Effect: "
      "Effect must be \"Allow\" or \"Deny\", not \"Alow\"" },
    { "accounts/invalid/unknown-member.json",
      "accounts/invalid/unknown-member.json:3:3: user: unknown member "
      "\"user\"" },
    { "accounts/invalid/key-without-secret.json",
      "accounts/invalid/key-without-secret.json:4:33: "
      "users.alice.access_keys[0]: an access key needs a \"secret\" or a "
      "\"secret_file\"" },
    { "accounts/invalid/bad-key-status.json",
      "accounts/invalid/bad-key-status.json:4:80: "
      "users.alice.access_keys[0].status: must be \"Active\" or \"Inactive\"" },
    { "accounts/invalid/role-without-trust.json",
      "accounts/invalid/role-without-trust.json:4:5: roles.deploy: a role "
      "needs a \"trust\" policy" },
    { "accounts/invalid/bad-session-seconds.json",
      "accounts/invalid/bad-session-seconds.json:8:7: "
      "roles.deploy.max_session_seconds: must be a number of seconds from "
      "900 to 43200" },
    { "accounts/invalid/missing-secret-file.json",
      "accounts/invalid/missing-secret-file.json:4:65: "
      "users.alice.access_keys[0].secret_file: cannot open "
      "\"accounts/invalid/nope.secret\": No such file or directory" },
};


static const char *
decide(const iam_account_t *account, const char *user, const char *action,
    const char *resource)
{
    iam_str_t            name;
    iam_result_t         result;
    iam_context_t        ctx;
    iam_request_t        r;
    iam_policies_t       pol;
    const iam_user_t    *u;
    iam_context_entry_t  entries[16];

    name.data = user;
    name.len = strlen(user);
    u = iam_account_find_user(account, name);
    if (u == NULL) {
        return "no such user";
    }

    iam_context_init(&ctx, entries, 16);
    if (iam_user_context(account, u, &ctx) != IAM_OK) {
        return "context full";
    }

    iam_account_user_policies(account, u, NULL, &pol);

    memset(&r, 0, sizeof(iam_request_t));
    r.principal = &u->principal;
    r.action.data = action;
    r.action.len = strlen(action);
    r.resource.data = resource;
    r.resource.len = strlen(resource);
    r.context = &ctx;

    if (iam_evaluate(&pol, &r, &result, NULL, NULL) != IAM_OK) {
        return "error";
    }

    return iam_decision_name(result.decision);
}


static void
test_valid(void)
{
    iam_str_t                   id;
    iam_diags_t                 diags;
    iam_account_t              *account;
    iam_context_t               ctx;
    iam_context_entry_t         entries[16];
    const iam_access_key_t     *key;
    const iam_role_t           *role;
    const iam_context_entry_t  *e;

    iam_diags_init(&diags);
    account = iam_account_load("accounts/valid.json", &diags);

    if (!ok(account != NULL, "valid account file loads")) {
        if (diags.nitems) {
            printf("#   %s\n", diags.items[0].message);
        }
        iam_diags_free(&diags);
        return;
    }

    is_int(diags.nitems, 0, "no diagnostics for a valid file");
    is_int(account->nusers, 2, "two users");
    is_int(account->nroles, 1, "one role");
    is_int(account->nguardrails, 1, "one guardrail level");
    ok(iam_str_eq_cstr(account->id, "123456789012"), "account id");

    iam_str_set(&id, "AKIAEXAMPLEALICE0001");
    key = iam_account_find_key(account, id);
    ok(key && key->active && iam_str_eq_cstr(key->secret, "alice-secret-1")
       && iam_str_eq_cstr(key->user->name, "alice"), "alice's first key");

    iam_str_set(&id, "AKIAEXAMPLEALICE0002");
    key = iam_account_find_key(account, id);
    ok(key && !key->active && iam_str_eq_cstr(key->secret, "alice-secret-2"),
       "inactive key with its secret from secret_file, newline trimmed");

    iam_str_set(&id, "AKIAEXAMPLEBOB000001");
    key = iam_account_find_key(account, id);
    ok(key && key->active && iam_str_eq_cstr(key->user->name, "bob"),
       "status defaults to Active");

    iam_str_set(&id, "AKIAEXAMPLEUNKNOWN01");
    ok(iam_account_find_key(account, id) == NULL, "unknown key not found");

    ok(iam_str_eq_cstr(account->users[0].arn,
                       "arn:aws:iam::123456789012:user/alice"),
       "user ARN");
    ok(account->users[0].userid.len == 21
       && memcmp(account->users[0].userid.data, "AIDA", 4) == 0,
       "user id looks like AWS's");
    is_int(iam_policy_set_statements(account->users[0].identity), 3,
           "alice: inline + two group policies");
    ok(iam_policy_set_statement(account->users[0].identity, 2) != NULL
       && iam_policy_set_statement(account->users[0].identity, 3) == NULL,
       "statements by index, NULL past the end");
    {
        char  label[64];

        iam_statement_label(iam_policy_set_statement(
                                account->users[0].identity, 1),
                            label, sizeof(label));
        is_str(label, "ReadOnly/Read", "a statement of the set by index");
    }

    iam_str_set(&id, "ci-deploy");
    role = iam_account_find_role(account, id);
    ok(role && role->trust && role->max_session_seconds == 3600,
       "role by name");
    iam_str_set(&id, "arn:aws:iam::123456789012:role/ci-deploy");
    ok(iam_account_find_role(account, id) == role, "role by ARN");

    iam_context_init(&ctx, entries, 16);
    iam_user_context(account, &account->users[0], &ctx);
    e = iam_context_find(&ctx, "aws:principaltag/team");
    ok(e && e->nvalues == 1 && iam_str_eq_cstr(e->values[0], "storage"),
       "aws:PrincipalTag/team in the context");
    e = iam_context_find(&ctx, "aws:username");
    ok(e && iam_str_eq_cstr(e->values[0], "alice"), "aws:username");

    is_str(decide(account, "alice", "s3:GetObject", "arn:aws:s3:::shared/x"),
           "allowed", "group policy allows");
    is_str(decide(account, "alice", "s3:PutObject",
                  "arn:aws:s3:::shared/home/alice/notes.txt"),
           "allowed", "${aws:username} from the user's context");
    is_str(decide(account, "alice", "s3:PutObject",
                  "arn:aws:s3:::shared/home/bob/notes.txt"),
           "implicitDeny", "someone else's home");
    is_str(decide(account, "alice", "ec2:DescribeInstances", "*"),
           "implicitDeny", "inline policy allows, boundary does not");
    is_str(decide(account, "alice", "s3:DeleteBucket",
                  "arn:aws:s3:::shared"),
           "explicitDeny", "guardrail deny");
    is_str(decide(account, "bob", "s3:GetObject", "arn:aws:s3:::shared/x"),
           "implicitDeny", "a user with no policies");

    iam_account_free(account);
    iam_diags_free(&diags);
}


static void
test_invalid(void)
{
    char            buf[1024];
    size_t          i;
    iam_diags_t     diags;
    iam_account_t  *account;

    for (i = 0; i < sizeof(invalid_cases) / sizeof(invalid_cases[0]); i++) {
        iam_diags_init(&diags);
        account = iam_account_load(invalid_cases[i].file, &diags);

        ok(account == NULL, "%s is refused", invalid_cases[i].file);

        buf[0] = '\0';
        if (diags.nitems) {
            iam_diag_format(&diags.items[0], buf, sizeof(buf));
        }

        is_str(buf, invalid_cases[i].want, "%s: diagnostic",
               invalid_cases[i].file);

        iam_account_free(account);
        iam_diags_free(&diags);
    }
}


int
main(void)
{
    test_valid();
    test_invalid();

    return tap_done();
}
