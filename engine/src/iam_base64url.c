/*
 * ngx_iam engine: strict base64url.  The text is checked here (alphabet,
 * length, unused bits) and translated to standard base64 in blocks, which
 * OpenSSL's EVP_DecodeBlock decodes: no decoding of our own.
 */

#include <openssl/evp.h>
#include <iam/iam_base64url.h>


static int iam_base64url_value(unsigned char c);


static int
iam_base64url_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }

    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }

    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }

    if (c == '-') {
        return 62;
    }

    if (c == '_') {
        return 63;
    }

    return -1;
}


int
iam_base64url_valid(const char *in, size_t len)
{
    int     v;
    size_t  i;

    /* one character left over carries no whole byte */
    if (len % 4 == 1) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (iam_base64url_value((unsigned char) in[i]) < 0) {
            return 0;
        }
    }

    if (len % 4 == 0) {
        return 1;
    }

    /* the bits after the last whole byte must be zero (RFC 4648 §3.5) */

    v = iam_base64url_value((unsigned char) in[len - 1]);

    return (len % 4 == 2) ? (v & 0x0f) == 0 : (v & 0x03) == 0;
}


int
iam_base64url_decode(const char *in, size_t len, unsigned char *out,
    size_t *outlen)
{
    int            n;
    char           block[4 * 64 + 1];
    size_t         i, j, chunk, total, pad;
    unsigned char  c;

    *outlen = 0;

    if (!iam_base64url_valid(in, len)) {
        return IAM_ERROR;
    }

    total = 0;

    for (i = 0; i < len; i += chunk) {
        chunk = len - i;
        if (chunk > sizeof(block) - 1) {
            chunk = sizeof(block) - 1;
        }

        for (j = 0; j < chunk; j++) {
            c = in[i + j];
            block[j] = (c == '-') ? '+' : (c == '_') ? '/' : c;
        }

        pad = (4 - chunk % 4) % 4;
        memset(block + chunk, '=', pad);

        n = EVP_DecodeBlock(out + total, (unsigned char *) block,
                            (int) (chunk + pad));
        if (n < 0) {
            return IAM_ERROR;
        }

        /* EVP_DecodeBlock counts the bytes the padding stands for */
        total += (size_t) n - pad;
    }

    *outlen = total;

    return IAM_OK;
}


size_t
iam_base64url_encode(char *out, const unsigned char *in, size_t len)
{
    size_t  i, n;

    n = (size_t) EVP_EncodeBlock((unsigned char *) out, in, (int) len);

    while (n && out[n - 1] == '=') {
        n--;
    }

    for (i = 0; i < n; i++) {
        if (out[i] == '+') {
            out[i] = '-';

        } else if (out[i] == '/') {
            out[i] = '_';
        }
    }

    out[n] = '\0';

    return n;
}
