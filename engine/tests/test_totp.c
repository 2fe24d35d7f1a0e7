/*
 * TOTP with RFC 6238's test vectors (SHA-1), HOTP with RFC 4226's, and
 * base32 with RFC 4648's.
 */

#include <iam/iam_totp.h>
#include "tap.h"


static const struct {
    time_t       time;
    const char  *code;
} rfc6238[] = {
    { 59, "94287082" },
    { 1111111109, "07081804" },
    { 1111111111, "14050471" },
    { 1234567890, "89005924" },
    { 2000000000, "69279037" },
    { 20000000000LL, "65353130" },
};

static const char  *rfc4226[] = {
    "755224", "287082", "359152", "969429", "338314",
    "254676", "287922", "162583", "399871", "520489"
};

static const struct {
    const char  *in;
    const char  *out;
} rfc4648[] = {
    { "", "" },
    { "MY======", "f" },
    { "MZXQ====", "fo" },
    { "MZXW6===", "foo" },
    { "MZXW6YQ=", "foob" },
    { "MZXW6YTB", "fooba" },
    { "MZXW6YTBOI======", "foobar" },
    { "mzxw 6ytb oi", "foobar" },
};


static iam_str_t
str(const char *s)
{
    iam_str_t  v;

    v.data = s;
    v.len = strlen(s);

    return v;
}


int
main(void)
{
    char            code[9];
    size_t          i, n;
    uint64_t        step;
    unsigned char   seed[IAM_TOTP_SEED_MAX], out[32];
    static const char  ascii[] = "12345678901234567890";

    for (i = 0; i < sizeof(rfc6238) / sizeof(rfc6238[0]); i++) {
        ok(iam_totp_code((const unsigned char *) ascii, 20,
                         (uint64_t) rfc6238[i].time / 30, 8, code) == IAM_OK,
           "TOTP at %lld", (long long) rfc6238[i].time);
        is_str(code, rfc6238[i].code, "RFC 6238 SHA-1 at %lld",
               (long long) rfc6238[i].time);
    }

    for (i = 0; i < 10; i++) {
        iam_totp_code((const unsigned char *) ascii, 20, i, 6, code);
        is_str(code, rfc4226[i], "RFC 4226 HOTP counter %zu", i);
    }

    is_int(iam_totp_code((const unsigned char *) ascii, 20, 0, 5, code),
           IAM_ERROR, "5 digits are refused");

    for (i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
        memset(out, 0, sizeof(out));
        ok(iam_base32_decode(rfc4648[i].in, strlen(rfc4648[i].in), out,
                             sizeof(out), &n) == IAM_OK
           && n == strlen(rfc4648[i].out)
           && memcmp(out, rfc4648[i].out, n) == 0,
           "base32 \"%s\"", rfc4648[i].in);
    }

    is_int(iam_base32_decode("MZXW1YTB", 8, out, sizeof(out), &n), IAM_ERROR,
           "base32: '1' is not in the alphabet");
    is_int(iam_base32_decode("MZ", 2, out, sizeof(out), &n), IAM_ERROR,
           "base32: 'MZ' leaves non-zero bits");
    is_int(iam_base32_decode("MZXW6YTBOI", 10, out, 4, &n), IAM_ERROR,
           "base32: output too small");

    ok(iam_base32_decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 32, seed,
                         sizeof(seed), &n) == IAM_OK
       && n == 20 && memcmp(seed, ascii, 20) == 0,
       "the RFC seed in base32, as an authenticator app is given it");

    /* 6-digit check at 1111111111: steps 37037036, 37037037, 37037038 */
    iam_totp_code(seed, n, 37037037, 6, code);
    ok(iam_totp_check(seed, n, 1111111111, str(code), &step) == IAM_OK
       && step == 37037037, "the current step's code (%s)", code);

    iam_totp_code(seed, n, 37037036, 6, code);
    ok(iam_totp_check(seed, n, 1111111111, str(code), &step) == IAM_OK
       && step == 37037036, "the previous step's code");

    iam_totp_code(seed, n, 37037038, 6, code);
    ok(iam_totp_check(seed, n, 1111111111, str(code), &step) == IAM_OK
       && step == 37037038, "the next step's code");

    iam_totp_code(seed, n, 37037039, 6, code);
    is_int(iam_totp_check(seed, n, 1111111111, str(code), &step),
           IAM_DECLINED, "two steps ahead is refused");

    iam_totp_code(seed, n, 37037035, 6, code);
    is_int(iam_totp_check(seed, n, 1111111111, str(code), &step),
           IAM_DECLINED, "two steps behind is refused");

    is_int(iam_totp_check(seed, n, 1111111111, str("12345"), &step),
           IAM_ERROR, "five digits: malformed");
    is_int(iam_totp_check(seed, n, 1111111111, str("12a456"), &step),
           IAM_ERROR, "a letter: malformed");

    return tap_done();
}
