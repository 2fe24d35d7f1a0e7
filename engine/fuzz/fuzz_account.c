/*
 * libFuzzer target: the account file, loaded and compiled, then used as
 * the module uses it: every access key looked up, every user's policies
 * and principal condition keys gathered and a request evaluated, every
 * role found by name and by ARN.
 *
 * iam_account_load() reads a file (secret_file paths are relative to it),
 * so the input is written to a private directory that also holds the
 * secret file the seeds name.  Invariants: an invalid file yields
 * diagnostics and no account; a loaded account finds each of its keys.
 */

#include "fuzz_common.h"
#include <unistd.h>
#include <iam/iam_account.h>


static char  fuzz_file[256];


static void
fuzz_setup(void)
{
    char   dir[] = "/tmp/iam-fuzz-account.XXXXXX";
    FILE  *f;

    fuzz_assert(mkdtemp(dir) != NULL);

    snprintf(fuzz_file, sizeof(fuzz_file), "%s/alice.secret", dir);
    f = fopen(fuzz_file, "w");
    fuzz_assert(f != NULL);
    fputs("alice-secret-2\n", f);
    fclose(f);

    snprintf(fuzz_file, sizeof(fuzz_file), "%s/account.json", dir);
}


static void
fuzz_use(const iam_account_t *account)
{
    size_t                   i;
    iam_result_t             result;
    iam_context_t            ctx;
    iam_request_t            req;
    iam_policies_t           pol;
    const iam_user_t        *user;
    const iam_role_t        *role;
    iam_context_entry_t      entries[64];
    const iam_access_key_t  *key;

    for (i = 0; i < account->nkeys_alloc; i++) {
        if (account->keys[i].id.len == 0) {
            continue;
        }

        key = iam_account_find_key(account, account->keys[i].id);
        fuzz_assert(key == &account->keys[i]);
        fuzz_assert(key->user != NULL);
    }

    for (i = 0; i < account->nusers; i++) {
        user = iam_account_find_user(account, account->users[i].name);
        fuzz_assert(user == &account->users[i]);

        iam_context_init(&ctx, entries, 64);
        (void) iam_user_context(account, user, &ctx);

        iam_account_user_policies(account, user, NULL, &pol);

        memset(&req, 0, sizeof(iam_request_t));
        req.principal = &user->principal;
        iam_str_set(&req.action, "s3:GetObject");
        iam_str_set(&req.resource, "arn:aws:s3:::shared/home/alice/a.txt");
        req.context = &ctx;

        fuzz_assert(iam_evaluate(&pol, &req, &result, NULL, NULL) == IAM_OK);
    }

    for (i = 0; i < account->nroles; i++) {
        role = iam_account_find_role(account, account->roles[i].name);
        fuzz_assert(role == &account->roles[i]);
        role = iam_account_find_role(account, account->roles[i].arn);
        fuzz_assert(role == &account->roles[i]);
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE           *f;
    iam_diags_t     diags;
    iam_account_t  *account;

    if (fuzz_file[0] == '\0') {
        fuzz_setup();
    }

    f = fopen(fuzz_file, "wb");
    fuzz_assert(f != NULL);
    fuzz_assert(fwrite(data, 1, size, f) == size);
    fuzz_assert(fclose(f) == 0);

    iam_diags_init(&diags);

    account = iam_account_load(fuzz_file, &diags);

    if (account == NULL) {
        fuzz_assert(diags.nitems > 0);

    } else {
        fuzz_assert(diags.nitems == 0);
        fuzz_use(account);
        iam_account_free(account);
    }

    iam_diags_free(&diags);

    return 0;
}
