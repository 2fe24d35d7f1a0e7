/*
 * ngx_iam engine: strict base64url (RFC 4648 §5, no padding), as JOSE uses
 * it.  Only canonical text is accepted (RFC 7515 §2: no padding, no line
 * breaks, no whitespace, zero unused bits), then OpenSSL decodes it.
 */

#ifndef _IAM_BASE64URL_H_INCLUDED_
#define _IAM_BASE64URL_H_INCLUDED_


#include <iam/iam_core.h>


/* bytes that decoding len characters can produce, at most */
#define iam_base64url_decoded_len(len)  (((len) + 3) / 4 * 3)


/*
 * Decodes len characters of in into out (iam_base64url_decoded_len(len)
 * bytes); *outlen is the exact length.  IAM_ERROR when the text is not
 * canonical base64url.
 */
int iam_base64url_decode(const char *in, size_t len, unsigned char *out,
    size_t *outlen);

/*
 * Encodes len bytes of in as canonical base64url into out, NUL-terminated
 * (4 * ((len + 2) / 3) + 1 bytes); returns the text's length.
 */
size_t iam_base64url_encode(char *out, const unsigned char *in, size_t len);

/* 1 when s is canonical base64url */
int iam_base64url_valid(const char *in, size_t len);


#endif /* _IAM_BASE64URL_H_INCLUDED_ */
