/*
 * ngx_iam engine: helpers shared by the SigV4 parser and the canonical
 * request builder.  Not a public interface.
 */

#ifndef _IAM_SIGV4_INTERNAL_H_INCLUDED_
#define _IAM_SIGV4_INTERNAL_H_INCLUDED_


#include <iam/iam_sigv4.h>


/* RFC 3986 unreserved: A-Z a-z 0-9 - . _ ~; a bitmap, as nginx's escapes */
#define iam_sigv4_unreserved(c)                                               \
    (iam_sigv4_unreserved_map[(unsigned char) (c) >> 5]                       \
     & (1u << ((unsigned char) (c) & 0x1f)))

extern const uint32_t  iam_sigv4_unreserved_map[8];


/*
 * The next "name=value" of a raw query string, still percent-encoded;
 * empty pieces ("a&&b") are skipped.  0 at the end.
 */
int iam_sigv4_next_param(const char **pos, const char *end, iam_str_t *name,
    iam_str_t *value);

/* The next ';'-separated token of a SignedHeaders list.  0 at the end. */
int iam_sigv4_next_token(const char **pos, const char *end, iam_str_t *tok);

/* Percent-decodes src into dst (room for len bytes); '+' stays '+'. */
size_t iam_sigv4_decode(char *dst, const char *src, size_t len);


/*
 * For the aws-chunked decoder (iam_s3_chunked.c), which signs every chunk
 * with the request's key: the signing key of a parsed request, from the
 * cache (*entry: its entry) or derived into buf (cache may be NULL);
 * HMAC-SHA256 on the per-thread context; lowercase hex of len bytes into
 * hex[2 * len + 1].
 */
const unsigned char *iam_sigv4_signing_key(const iam_sigv4_auth_t *auth,
    iam_str_t secret, iam_sigv4_cache_t *cache, unsigned char *buf,
    iam_sigv4_cache_entry_t **entry);
int iam_sigv4_hmac(const void *key, size_t key_len, const void *data,
    size_t len, unsigned char *out);
void iam_sigv4_hex_encode(char *hex, const unsigned char *bin, size_t len);


#endif /* _IAM_SIGV4_INTERNAL_H_INCLUDED_ */
