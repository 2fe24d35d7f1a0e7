/*
 * ngx_iam engine: TOTP (RFC 6238) over OpenSSL's HMAC-SHA1, and base32.
 */

#include <stdio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/crypto.h>
#include <iam/iam_totp.h>


int
iam_base32_decode(const char *in, size_t len, unsigned char *out,
    size_t size, size_t *outlen)
{
    int       v;
    char      c;
    size_t    i, n;
    unsigned  bits, nbits;

    n = 0;
    bits = 0;
    nbits = 0;

    for (i = 0; i < len; i++) {
        c = in[i];

        if (c >= 'A' && c <= 'Z') {
            v = c - 'A';

        } else if (c >= 'a' && c <= 'z') {
            v = c - 'a';

        } else if (c >= '2' && c <= '7') {
            v = c - '2' + 26;

        } else if (c == '=' || c == ' ') {
            continue;

        } else {
            return IAM_ERROR;
        }

        bits = (bits << 5 | (unsigned) v) & 0xfff;
        nbits += 5;

        if (nbits >= 8) {
            if (n == size) {
                return IAM_ERROR;
            }

            nbits -= 8;
            out[n++] = (unsigned char) (bits >> nbits);
        }
    }

    /* what is left must be padding bits, all zero */
    if (nbits >= 5 || (bits & ((1u << nbits) - 1)) != 0) {
        return IAM_ERROR;
    }

    *outlen = n;

    return IAM_OK;
}


int
iam_totp_code(const unsigned char *seed, size_t len, uint64_t step,
    unsigned digits, char *code)
{
    int            i;
    uint32_t       bin, mod;
    unsigned int   n;
    unsigned char  msg[8], md[EVP_MAX_MD_SIZE], off;

    if (digits < 6 || digits > 8) {
        return IAM_ERROR;
    }

    for (i = 7; i >= 0; i--) {
        msg[i] = (unsigned char) step;
        step >>= 8;
    }

    if (HMAC(EVP_sha1(), seed, (int) len, msg, sizeof(msg), md, &n) == NULL
        || n != 20)
    {
        return IAM_ERROR;
    }

    /* RFC 4226 5.3: dynamic truncation */
    off = md[19] & 0x0f;
    bin = (uint32_t) (md[off] & 0x7f) << 24 | (uint32_t) md[off + 1] << 16
          | (uint32_t) md[off + 2] << 8 | md[off + 3];

    for (mod = 1, i = 0; i < (int) digits; i++) {
        mod *= 10;
    }

    snprintf(code, 9, "%0*u", (int) digits, (bin % mod) % 100000000);
    OPENSSL_cleanse(md, sizeof(md));

    return IAM_OK;
}


int
iam_totp_check(const unsigned char *seed, size_t len, time_t now,
    iam_str_t code, uint64_t *step)
{
    int       d, matched;
    char      want[IAM_TOTP_DIGITS + 1];
    size_t    i;
    uint64_t  t;

    if (code.len != IAM_TOTP_DIGITS || now < IAM_TOTP_STEP) {
        return IAM_ERROR;
    }

    for (i = 0; i < code.len; i++) {
        if (code.data[i] < '0' || code.data[i] > '9') {
            return IAM_ERROR;
        }
    }

    t = (uint64_t) now / IAM_TOTP_STEP;
    matched = 0;

    /* the current step first: the one a fresh code is for */
    for (d = 0; d <= 2; d++) {
        if (iam_totp_code(seed, len, d == 0 ? t : d == 1 ? t - 1 : t + 1,
                          IAM_TOTP_DIGITS, want)
            != IAM_OK)
        {
            return IAM_ERROR;
        }

        if (!matched
            && CRYPTO_memcmp(want, code.data, IAM_TOTP_DIGITS) == 0)
        {
            matched = 1;
            *step = d == 0 ? t : d == 1 ? t - 1 : t + 1;
        }
    }

    return matched ? IAM_OK : IAM_DECLINED;
}
