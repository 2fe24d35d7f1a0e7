/*
 * The account file's additions for STS: users' virtual MFA devices and
 * trusted accounts (cross-account), valid and invalid, each invalid file
 * with the exact FILE:LINE:COLUMN diagnostic expected.
 */

#include <iam/iam_account.h>
#include <iam/iam_totp.h>
#include "tap.h"


typedef struct {
    const char  *file;
    const char  *want;
} invalid_case_t;


#define D  "accounts/sts/invalid/"

static const invalid_case_t  invalid_cases[] = {
    { D "mfa-bad-serial.json",
      D "mfa-bad-serial.json:4:25: users.alice.mfa.serial: must be an MFA "
      "device ARN, arn:aws:iam::111122223333:mfa/NAME" },
    { D "mfa-bad-seed.json",
      D "mfa-bad-seed.json:4:74: users.alice.mfa.seed_file: \"bad.seed\" is "
      "not a base32 seed of 16 to 102 characters" },
    { D "mfa-no-seed.json",
      D "mfa-no-seed.json:5:7: users.alice.mfa: an MFA device needs a "
      "\"seed_file\"" },
    { D "mfa-duplicate.json",
      D "mfa-duplicate.json:5:23: users.bob.mfa.serial: MFA device "
      "\"arn:aws:iam::111122223333:mfa/shared\" already belongs to another "
      "user" },
    { D "mfa-unknown-member.json",
      D "mfa-unknown-member.json:4:100: users.alice.mfa.seed: unknown member "
      "\"seed\"" },
    { D "trusted-bad-id.json",
      D "trusted-bad-id.json:4:5: trusted_accounts.4444: \"4444\" is not a "
      "12-digit account id" },
    { D "trusted-self.json",
      D "trusted-self.json:4:5: trusted_accounts.111122223333: an account "
      "need not trust itself" },
    { D "trusted-wrong-account.json",
      D "trusted-wrong-account.json:4:23: trusted_accounts.777788889999.file: "
      "\"" D "../partner.json\" is account 444455556666, not 777788889999" },
    { D "trusted-no-file.json",
      D "trusted-no-file.json:4:5: trusted_accounts.444455556666: a trusted "
      "account needs the \"file\" of its account" },
    { D "trusted-missing-file.json",
      D "trusted-missing-file.json:4:23: trusted_accounts.444455556666.file: "
      "cannot open \"" D "nope.json\": No such file or directory" },
    { D "trusted-invalid-file.json",
      D "partner-bad.json:4:27: users.carol.groups[0]: unknown group "
      "\"nope\"" },
};


static iam_str_t
str(const char *s)
{
    iam_str_t  v;

    v.data = s;
    v.len = strlen(s);

    return v;
}


static void
test_valid(void)
{
    char                     code[9];
    uint64_t                 step;
    iam_diags_t              diags;
    iam_account_t           *account;
    const iam_user_t        *alice;
    const iam_account_t     *owner, *partner;
    const iam_access_key_t  *key;

    iam_diags_init(&diags);
    account = iam_account_load("accounts/sts/main.json", &diags);

    if (!ok(account != NULL, "an account with MFA and a trusted account")) {
        if (diags.nitems) {
            printf("#   %s:%u:%u: %s\n", diags.items[0].file,
                   diags.items[0].line, diags.items[0].column,
                   diags.items[0].message);
        }
        iam_diags_free(&diags);
        return;
    }

    alice = iam_account_find_user(account, str("alice"));
    ok(alice && iam_str_eq_cstr(alice->mfa_serial,
                                "arn:aws:iam::111122223333:mfa/alice"),
       "alice's MFA serial");
    ok(alice && alice->mfa_seed_len == 20
       && memcmp(alice->mfa_seed, "12345678901234567890", 20) == 0,
       "alice's seed, decoded from base32");
    ok(iam_account_find_mfa(account,
                            str("arn:aws:iam::111122223333:mfa/alice"))
       == alice, "a device finds its user");
    ok(iam_account_find_mfa(account,
                            str("arn:aws:iam::111122223333:mfa/bob"))
       == NULL, "an unknown device finds nobody");
    ok(iam_account_find_user(account, str("bob"))->mfa_serial.len == 0,
       "bob has no device");

    /* the seed works with a code an authenticator app would show */
    iam_totp_code(alice->mfa_seed, alice->mfa_seed_len, 1764000000 / 30, 6,
                  code);
    ok(iam_totp_check(alice->mfa_seed, alice->mfa_seed_len, 1764000000,
                      str(code), &step) == IAM_OK,
       "alice's device code checks");

    is_int(account->ntrusted, 1, "one trusted account");
    partner = iam_account_find_trusted(account, str("444455556666"));
    ok(partner && iam_str_eq_cstr(partner->id, "444455556666"),
       "the trusted account by id");
    ok(iam_account_find_trusted(account, str("111122223333")) == account,
       "the account itself by id");
    ok(iam_account_find_trusted(account, str("999999999999")) == NULL,
       "an untrusted account: none");
    is_int(partner ? partner->ntrusted : 99, 0,
           "a trusted account's own trusted_accounts are not followed");

    key = iam_account_find_key_trusted(account, str("AKIAPARTNERCAROL0001"),
                                       &owner);
    ok(key && owner == partner && iam_str_eq_cstr(key->user->arn,
                                    "arn:aws:iam::444455556666:user/carol"),
       "a trusted account's key, with its owner");
    key = iam_account_find_key_trusted(account, str("AKIAMAINBOB000000001"),
                                       &owner);
    ok(key && owner == account, "an own key, with the account as owner");
    ok(iam_account_find_key(account, str("AKIAPARTNERCAROL0001")) == NULL,
       "iam_account_find_key stays within the account");
    ok(iam_account_find_key_trusted(account, str("AKIANOBODY0000000001"),
                                    &owner) == NULL && owner == NULL,
       "an unknown key: none");

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
