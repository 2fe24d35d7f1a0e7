/*
 * STS session tokens: seal and open, the derived credentials, and every
 * way a token is refused (expired, tampered, truncated, foreign key,
 * malformed), each with its own error; the key file and its diagnostics.
 */

#include <iam/iam_sts_token.h>
#include "tap.h"


typedef struct {
    const char  *file;
    const char  *want;
} invalid_case_t;


static const invalid_case_t  invalid_keys[] = {
    { "sts/short.txt",
      "sts/short.txt:1:1: a key is 64 hexadecimal characters, not 32" },
    { "sts/bad-hex.txt",
      "sts/bad-hex.txt:2:63: not a hexadecimal character" },
    { "sts/duplicate.txt",
      "sts/duplicate.txt:2:1: the same key (key id) as an earlier line" },
    { "sts/empty.txt",
      "sts/empty.txt: no key in the file" },
    { "sts/nope.txt",
      "sts/nope.txt: cannot open: No such file or directory" },
};


static const unsigned char  key_a[32] = "0123456789abcdef0123456789abcdef";
static const unsigned char  key_b[32] = "fedcba9876543210fedcba9876543210";

static const char  policy[] =
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
    "\"Action\":[\"s3:GetObject\",\"s3:ListBucket\"],\"Resource\":"
    "[\"arn:aws:s3:::reports\",\"arn:aws:s3:::reports/2026/*\"]}]}";


static void
session_init(iam_sts_session_t *s, time_t now)
{
    memset(s, 0, sizeof(iam_sts_session_t));

    s->kind = IAM_STS_SESSION_ROLE;
    iam_str_set(&s->arn, "arn:aws:iam::123456789012:role/ci/deploy");
    iam_str_set(&s->session_name, "build-42");
    iam_str_set(&s->source_identity, "alice");
    iam_str_set(&s->policy, policy);
    iam_str_set(&s->policy_arns[0], "arn:aws:iam::123456789012:policy/Ro");
    s->npolicy_arns = 1;
    iam_str_set(&s->tags[0].key, "team");
    iam_str_set(&s->tags[0].value, "storage");
    s->tags[0].transitive = 1;
    iam_str_set(&s->tags[1].key, "project");
    iam_str_set(&s->tags[1].value, "");
    s->ntags = 2;
    s->mfa_time = now - 10;
    s->issued = now;
    s->expires = now + 3600;
}


static iam_str_t
str(const char *s)
{
    iam_str_t  v;

    v.data = s;
    v.len = strlen(s);

    return v;
}


static void
test_roundtrip(void)
{
    char                    token[IAM_STS_MAX_TOKEN + 1], arn[256];
    size_t                  len;
    time_t                  now;
    iam_sts_err_e           err;
    iam_sts_keyring_t       ring;
    iam_sts_session_t       in, out;
    iam_sts_credentials_t   sealed, opened;
    static unsigned char    buf[IAM_STS_OPEN_BUF];

    now = 1764000000;
    memset(&ring, 0, sizeof(ring));
    ok(iam_sts_keyring_add(&ring, key_a) == IAM_OK, "a key is added");

    session_init(&in, now);
    err = iam_sts_token_seal(&ring, &in, token, sizeof(token), &len, &sealed);
    is_int(err, IAM_STS_OK, "a session is sealed");
    is_int(strlen(token), len, "the token's length is returned");
    ok(len < 600, "a token with a 170-byte policy is compact (%zu chars)",
       len);
    is_int(strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                         "0123456789-_"), len,
           "the token is base64url, no padding");

    is_int(strlen(sealed.access_key_id), 20, "the access key id: 20 chars");
    ok(strncmp(sealed.access_key_id, "ASIA", 4) == 0
       && strspn(sealed.access_key_id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
          == 20,
       "the access key id is ASIA + base32 (%s)", sealed.access_key_id);
    is_int(strlen(sealed.secret), 40, "the secret: 40 chars");

    err = iam_sts_token_open(&ring, str(token), now + 1, buf, sizeof(buf),
                             &out, &opened);
    is_int(err, IAM_STS_OK, "the token opens");
    is_str(opened.access_key_id, sealed.access_key_id,
           "opening derives the same access key id");
    is_str(opened.secret, sealed.secret, "and the same secret");

    is_int(out.kind, IAM_STS_SESSION_ROLE, "kind");
    ok(!out.chained, "not chained");
    ok(iam_str_eq(out.arn, in.arn), "role ARN");
    ok(iam_str_eq(out.session_name, in.session_name), "session name");
    ok(iam_str_eq(out.source_identity, in.source_identity),
       "source identity");
    ok(out.provider.len == 0, "no provider");
    ok(iam_str_eq(out.policy, in.policy), "session policy text");
    ok(out.npolicy_arns == 1 && iam_str_eq(out.policy_arns[0],
                                           in.policy_arns[0]),
       "policy ARNs");
    ok(out.ntags == 2
       && iam_str_eq_cstr(out.tags[0].key, "team")
       && iam_str_eq_cstr(out.tags[0].value, "storage")
       && out.tags[0].transitive
       && iam_str_eq_cstr(out.tags[1].key, "project")
       && out.tags[1].value.len == 0 && !out.tags[1].transitive,
       "tags, an empty value and the transitive flag");
    is_int(out.mfa_time, now - 10, "MFA time");
    is_int(out.issued, now, "issue time");
    is_int(out.expires, now + 3600, "expiry");

    ok(iam_sts_principal_arn(&out, arn, sizeof(arn)) > 0, "principal ARN");
    is_str(arn, "arn:aws:sts::123456789012:assumed-role/deploy/build-42",
           "the session ARN drops the role's path");
    ok(iam_sts_principal_arn(&out, arn, 20) == 0,
       "a principal ARN that does not fit is refused");

    /* a second seal of the same session: a fresh nonce, other credentials */
    err = iam_sts_token_seal(&ring, &in, token, sizeof(token), &len,
                             &opened);
    ok(err == IAM_STS_OK
       && strcmp(opened.access_key_id, sealed.access_key_id) != 0
       && strcmp(opened.secret, sealed.secret) != 0,
       "each token has its own credentials");

    /* GetSessionToken: the user itself, chained flag kept */
    memset(&in, 0, sizeof(in));
    in.kind = IAM_STS_SESSION_USER;
    in.chained = 1;
    iam_str_set(&in.arn, "arn:aws:iam::123456789012:user/alice");
    in.issued = now;
    in.expires = now + 900;

    err = iam_sts_token_seal(&ring, &in, token, sizeof(token), &len,
                             &sealed);
    is_int(err, IAM_STS_OK, "a user session is sealed");
    ok(len < 120, "a bare user session is small (%zu chars)", len);

    err = iam_sts_token_open(&ring, str(token), now, buf, sizeof(buf), &out,
                             &opened);
    ok(err == IAM_STS_OK && out.kind == IAM_STS_SESSION_USER && out.chained
       && out.mfa_time == 0 && out.ntags == 0 && out.policy.len == 0,
       "a user session opens with its fields");
    ok(iam_sts_principal_arn(&out, arn, sizeof(arn)) > 0
       && strcmp(arn, "arn:aws:iam::123456789012:user/alice") == 0,
       "a user session's principal is the user");

    iam_sts_keyring_wipe(&ring);
    is_int(ring.nkeys, 0, "the ring is wiped");
}


static void
test_refusals(void)
{
    char                    token[IAM_STS_MAX_TOKEN + 1];
    char                    bad[IAM_STS_MAX_TOKEN + 1], big[3000];
    size_t                  len, i, pos;
    time_t                  now;
    iam_sts_err_e           err;
    iam_sts_keyring_t       ring, other, rotated;
    iam_sts_session_t       in, out;
    iam_sts_credentials_t   creds, creds2;
    static unsigned char    buf[IAM_STS_OPEN_BUF];

    now = 1764000000;
    memset(&ring, 0, sizeof(ring));
    memset(&other, 0, sizeof(other));
    memset(&rotated, 0, sizeof(rotated));
    iam_sts_keyring_add(&ring, key_a);
    iam_sts_keyring_add(&other, key_b);
    iam_sts_keyring_add(&rotated, key_b);
    iam_sts_keyring_add(&rotated, key_a);

    is_int(iam_sts_keyring_add(&rotated, key_a), IAM_DECLINED,
           "the same key twice is refused");

    session_init(&in, now);
    err = iam_sts_token_seal(&ring, &in, token, sizeof(token), &len, &creds);
    is_int(err, IAM_STS_OK, "sealed");

    /* expiry: the last valid second, then the first invalid one */
    err = iam_sts_token_open(&ring, str(token), now + 3599, buf, sizeof(buf),
                             &out, &creds2);
    is_int(err, IAM_STS_OK, "valid one second before expiry");
    err = iam_sts_token_open(&ring, str(token), now + 3600, buf, sizeof(buf),
                             &out, &creds2);
    is_int(err, IAM_STS_ERR_EXPIRED, "expired at its expiry time");
    is_str(iam_sts_error_code(err), "ExpiredToken", "STS code");
    is_str(iam_sts_error_s3_code(err), "ExpiredToken", "S3 code");

    /* tampered: one character in the ciphertext, then in the tag */
    for (i = 0; i < 2; i++) {
        strcpy(bad, token);
        pos = i == 0 ? len / 2 : len - 3;
        bad[pos] = bad[pos] == 'A' ? 'B' : 'A';
        err = iam_sts_token_open(&ring, str(bad), now, buf, sizeof(buf),
                                 &out, &creds2);
        is_int(err, IAM_STS_ERR_TAMPERED, "a flipped %s character: tampered",
               i == 0 ? "ciphertext" : "tag");
    }

    is_str(iam_sts_error_code(IAM_STS_ERR_TAMPERED), "InvalidClientTokenId",
           "STS code for a tampered token");
    is_str(iam_sts_error_s3_code(IAM_STS_ERR_TAMPERED), "InvalidToken",
           "S3 code for a tampered token");

    /* truncated: the header says more bytes than there are */
    strcpy(bad, token);
    bad[len - 4] = '\0';
    err = iam_sts_token_open(&ring, str(bad), now, buf, sizeof(buf), &out,
                             &creds2);
    is_int(err, IAM_STS_ERR_TRUNCATED, "four characters short: truncated");

    bad[len - 5] = '\0';
    err = iam_sts_token_open(&ring, str(bad), now, buf, sizeof(buf), &out,
                             &creds2);
    is_int(err, IAM_STS_ERR_TRUNCATED, "five characters short: truncated");

    strcpy(bad, token);
    strcat(bad, "A");
    err = iam_sts_token_open(&ring, str(bad), now, buf, sizeof(buf), &out,
                             &creds2);
    is_int(err, IAM_STS_ERR_MALFORMED, "a dangling character: malformed");

    /* a trailing extra group */
    strcpy(bad, token);
    strcat(bad, "AAAA");
    err = iam_sts_token_open(&ring, str(bad), now, buf, sizeof(buf), &out,
                             &creds2);
    is_int(err, IAM_STS_ERR_MALFORMED, "extra bytes: malformed");

    /* foreign key, then a rotated ring that still holds the old key */
    err = iam_sts_token_open(&other, str(token), now, buf, sizeof(buf), &out,
                             &creds2);
    is_int(err, IAM_STS_ERR_UNKNOWN_KEY, "another key file: unknown key");

    err = iam_sts_token_open(&rotated, str(token), now, buf, sizeof(buf),
                             &out, &creds2);
    ok(err == IAM_STS_OK && strcmp(creds.secret, creds2.secret) == 0,
       "after rotation the old key still opens its tokens");

    err = iam_sts_token_seal(&rotated, &in, bad, sizeof(bad), &len, &creds2);
    ok(err == IAM_STS_OK
       && iam_sts_token_open(&other, str(bad), now, buf, sizeof(buf), &out,
                             &creds2) == IAM_STS_OK
       && iam_sts_token_open(&ring, str(bad), now, buf, sizeof(buf), &out,
                             &creds2) == IAM_STS_ERR_UNKNOWN_KEY,
       "after rotation the first key seals");

    /* malformed text */
    err = iam_sts_token_open(&ring, str("not a token"), now, buf, sizeof(buf),
                             &out, &creds2);
    is_int(err, IAM_STS_ERR_MALFORMED, "short garbage: malformed");

    strcpy(bad, token);
    bad[10] = '+';
    err = iam_sts_token_open(&ring, str(bad), now, buf, sizeof(buf), &out,
                             &creds2);
    is_int(err, IAM_STS_ERR_MALFORMED, "'+' (not base64url): malformed");

    strcpy(bad, token);
    bad[0] = bad[0] == 'B' ? 'C' : 'B';
    err = iam_sts_token_open(&ring, str(bad), now, buf, sizeof(buf), &out,
                             &creds2);
    is_int(err, IAM_STS_ERR_MALFORMED, "another version: malformed");

    memset(bad, 'A', IAM_STS_MAX_TOKEN + 1);
    err = iam_sts_token_open(&ring, (iam_str_t) { IAM_STS_MAX_TOKEN + 1, bad },
                             now, buf, sizeof(buf), &out, &creds2);
    is_int(err, IAM_STS_ERR_MALFORMED, "too long: malformed unread");

    /* a session that does not fit */
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    in.policy = str(big);
    err = iam_sts_token_seal(&ring, &in, token, sizeof(token), &len, &creds);
    is_int(err, IAM_STS_ERR_TOO_LARGE, "a 3000-byte policy is too large");
    is_str(iam_sts_error_code(err), "PackedPolicyTooLarge", "its STS code");

    session_init(&in, now);
    in.expires = in.issued;
    err = iam_sts_token_seal(&ring, &in, token, sizeof(token), &len, &creds);
    is_int(err, IAM_STS_ERR_INVALID, "expiry not after issue: invalid");

    session_init(&in, now);
    err = iam_sts_token_seal(&ring, &in, token, 100, &len, &creds);
    is_int(err, IAM_STS_ERR_TOO_LARGE, "an output buffer too small");
}


static void
test_key_file(void)
{
    char                    buf[512];
    size_t                  i;
    iam_diags_t             diags;
    iam_sts_keyring_t       ring, ring2;
    static const unsigned char  second[32] = {
        0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87,
        0x78, 0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0f,
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
        0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff
    };

    iam_diags_init(&diags);
    is_int(iam_sts_keyring_load(&ring, "sts/keys.txt", &diags), IAM_OK,
           "a key file with a comment, a blank line, spaces, upper case");
    is_int(diags.nitems, 0, "no diagnostics");
    is_int(ring.nkeys, 2, "two keys");

    memset(&ring2, 0, sizeof(ring2));
    iam_sts_keyring_add(&ring2, second);
    ok(memcmp(ring.keys[1].id, ring2.keys[0].id, 4) == 0
       && memcmp(ring.keys[1].seal, ring2.keys[0].seal, 32) == 0,
       "the second line's hex decodes to its key");

    for (i = 0; i < sizeof(invalid_keys) / sizeof(invalid_keys[0]); i++) {
        iam_diags_free(&diags);
        iam_diags_init(&diags);

        is_int(iam_sts_keyring_load(&ring, invalid_keys[i].file, &diags),
               IAM_ERROR, "%s is refused", invalid_keys[i].file);
        is_int(ring.nkeys, 0, "%s: no key kept", invalid_keys[i].file);

        buf[0] = '\0';
        if (diags.nitems) {
            iam_diag_format(&diags.items[0], buf, sizeof(buf));
        }
        is_str(buf, invalid_keys[i].want, "%s: diagnostic",
               invalid_keys[i].file);
    }

    iam_diags_free(&diags);
}


int
main(void)
{
    test_roundtrip();
    test_refusals();
    test_key_file();

    return tap_done();
}
