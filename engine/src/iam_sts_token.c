/*
 * ngx_iam engine: STS session tokens (iam_sts_token.h).
 *
 * All crypto is OpenSSL's: AES-256-GCM through EVP, HMAC through EVP_MAC,
 * random nonces from RAND_bytes, base64 from EVP_EncodeBlock and
 * EVP_DecodeBlock (mapped to the URL-safe alphabet, unpadded, so a token
 * travels in a query string as it is).
 */

#include <stdio.h>
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/core_names.h>
#include <iam/iam_base64url.h>
#include <iam/iam_sts_token.h>


#define IAM_STS_VERSION      1
#define IAM_STS_AAD_LEN      7          /* version, key id, length */
#define IAM_STS_NONCE_LEN    12
#define IAM_STS_TAG_LEN      16
#define IAM_STS_OVERHEAD     (IAM_STS_AAD_LEN + IAM_STS_NONCE_LEN          \
                              + IAM_STS_TAG_LEN)
/* kind and flags, then issued, expires, MFA time as 32-bit seconds */
#define IAM_STS_FIXED_LEN    13

#define IAM_STS_FLAG_CHAINED  0x80
#define IAM_STS_TAG_TRANSITIVE  0x01


/* the variable fields of a packed session: type(1) length(2) bytes */
enum {
    IAM_STS_F_ARN = 1,
    IAM_STS_F_SESSION_NAME,
    IAM_STS_F_SOURCE_IDENTITY,
    IAM_STS_F_PROVIDER,
    IAM_STS_F_POLICY,
    IAM_STS_F_POLICY_ARN,
    IAM_STS_F_TAG               /* flags(1) key length(1) key value */
};


typedef struct {
    EVP_CIPHER             *gcm;
    EVP_CIPHER_CTX         *cipher_ctx;
    EVP_MAC                *hmac;
    EVP_MAC_CTX            *mac_ctx;
    /* the key mac_ctx holds: the same key again costs no re-keying */
    unsigned char           mac_key[32];
    unsigned                mac_keyed:1;
} iam_sts_crypto_t;

typedef struct {
    unsigned char          *pos;
    unsigned char          *end;
    int                     overflow;
} iam_sts_writer_t;


static iam_sts_crypto_t *iam_sts_crypto(void);
static int iam_sts_hmac(const unsigned char *key, const char *digest,
    const unsigned char *data, size_t len, unsigned char *out, size_t size);
static int iam_sts_key_derive(iam_sts_key_t *k, const unsigned char *key);
static void iam_sts_credentials(const iam_sts_key_t *k,
    const unsigned char *token, size_t len, iam_sts_credentials_t *creds);
static size_t iam_sts_pack(const iam_sts_session_t *s, unsigned char *buf,
    size_t size);
static void iam_sts_put_field(iam_sts_writer_t *w, int type, iam_str_t v);
static void iam_sts_put_u32(unsigned char *p, uint32_t v);
static uint32_t iam_sts_get_u32(const unsigned char *p);
static int iam_sts_unpack(const unsigned char *p, size_t len,
    iam_sts_session_t *s);
static int iam_sts_base64url_decode(unsigned char *out, const char *in,
    size_t len, size_t *outlen, int *exact);
static int iam_sts_base64_value(int c);


static const struct {
    const char             *detail;
    const char             *code;
    const char             *message;
    const char             *s3_code;
    const char             *s3_message;
} iam_sts_errors[] = {

    /* IAM_STS_OK */
    { "token good", "", "", "", "" },

    /* IAM_STS_ERR_MALFORMED */
    { "token malformed",
      "InvalidClientTokenId",
      "The security token included in the request is invalid.",
      "InvalidToken",
      "The provided token is malformed or otherwise invalid." },

    /* IAM_STS_ERR_TRUNCATED */
    { "token truncated",
      "InvalidClientTokenId",
      "The security token included in the request is invalid.",
      "InvalidToken",
      "The provided token is malformed or otherwise invalid." },

    /* IAM_STS_ERR_UNKNOWN_KEY */
    { "token sealed under a key not in iam_sts_key_file",
      "InvalidClientTokenId",
      "The security token included in the request is invalid.",
      "InvalidToken",
      "The provided token is malformed or otherwise invalid." },

    /* IAM_STS_ERR_TAMPERED */
    { "token authentication failed (tampered)",
      "InvalidClientTokenId",
      "The security token included in the request is invalid.",
      "InvalidToken",
      "The provided token is malformed or otherwise invalid." },

    /* IAM_STS_ERR_EXPIRED */
    { "token expired",
      "ExpiredToken",
      "The security token included in the request is expired",
      "ExpiredToken",
      "The provided token has expired." },

    /* IAM_STS_ERR_TOO_LARGE */
    { "session too large for a token",
      "PackedPolicyTooLarge",
      "Packed size of the session policies and tags exceeds the limit.",
      "InvalidToken",
      "The provided token is malformed or otherwise invalid." },

    /* IAM_STS_ERR_INVALID */
    { "session field out of limits",
      "ValidationError",
      "A session field is out of its limits.",
      "InvalidToken",
      "The provided token is malformed or otherwise invalid." },

    /* IAM_STS_ERR_INTERNAL */
    { "token crypto failed",
      "InternalFailure",
      "The request processing has failed because of an unknown error.",
      "InternalError",
      "We encountered an internal error. Please try again." },
};


const char *
iam_sts_error_code(iam_sts_err_e err)
{
    return iam_sts_errors[err].code;
}


const char *
iam_sts_error_message(iam_sts_err_e err)
{
    return iam_sts_errors[err].message;
}


const char *
iam_sts_error_s3_code(iam_sts_err_e err)
{
    return iam_sts_errors[err].s3_code;
}


const char *
iam_sts_error_s3_message(iam_sts_err_e err)
{
    return iam_sts_errors[err].s3_message;
}


const char *
iam_sts_error_detail(iam_sts_err_e err)
{
    return iam_sts_errors[err].detail;
}


/*
 * As in iam_sigv4.c: fetch the algorithms once per thread, not on every
 * request under OpenSSL's lock.
 */
static iam_sts_crypto_t *
iam_sts_crypto(void)
{
    OSSL_PARAM                        params[2];
    static __thread iam_sts_crypto_t  crypto;

    if (crypto.mac_ctx) {
        return &crypto;
    }

    crypto.gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    crypto.cipher_ctx = EVP_CIPHER_CTX_new();
    crypto.hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    crypto.mac_ctx = crypto.hmac ? EVP_MAC_CTX_new(crypto.hmac) : NULL;

    /* the request path's MAC: its digest is set once, not per call */
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 (char *) "SHA512", 0);
    params[1] = OSSL_PARAM_construct_end();

    if (crypto.gcm == NULL || crypto.cipher_ctx == NULL
        || crypto.mac_ctx == NULL
        || EVP_MAC_CTX_set_params(crypto.mac_ctx, params) != 1)
    {
        EVP_MAC_CTX_free(crypto.mac_ctx);
        EVP_MAC_free(crypto.hmac);
        EVP_CIPHER_CTX_free(crypto.cipher_ctx);
        EVP_CIPHER_free(crypto.gcm);
        memset(&crypto, 0, sizeof(iam_sts_crypto_t));
        return NULL;
    }

    return &crypto;
}


/* HMAC with a 32-byte key, at key load time (one-shot) */
static int
iam_sts_hmac(const unsigned char *key, const char *digest,
    const unsigned char *data, size_t len, unsigned char *out, size_t size)
{
    size_t  n;

    return EVP_Q_mac(NULL, "HMAC", NULL, digest, NULL, key, 32, data, len,
                     out, size, &n)
           ? IAM_OK : IAM_ERROR;
}


/* Separate keys for sealing and for deriving, and a public key id. */
static int
iam_sts_key_derive(iam_sts_key_t *k, const unsigned char *key)
{
    unsigned char  md[32];

    static const char  id[] = "ngx_iam sts key id";
    static const char  seal[] = "ngx_iam sts seal";
    static const char  derive[] = "ngx_iam sts credentials";

    if (iam_sts_hmac(key, "SHA256", (const unsigned char *) id,
                     sizeof(id) - 1, md, sizeof(md)) != IAM_OK
        || iam_sts_hmac(key, "SHA256", (const unsigned char *) seal,
                        sizeof(seal) - 1, k->seal, sizeof(k->seal)) != IAM_OK
        || iam_sts_hmac(key, "SHA256", (const unsigned char *) derive,
                        sizeof(derive) - 1, k->derive, sizeof(k->derive))
           != IAM_OK)
    {
        OPENSSL_cleanse(k, sizeof(iam_sts_key_t));
        return IAM_ERROR;
    }

    memcpy(k->id, md, sizeof(k->id));

    return IAM_OK;
}


int
iam_sts_keyring_add(iam_sts_keyring_t *ring, const unsigned char *key)
{
    size_t         i;
    iam_sts_key_t  k;

    if (ring->nkeys == IAM_STS_MAX_KEYS
        || iam_sts_key_derive(&k, key) != IAM_OK)
    {
        return IAM_ERROR;
    }

    for (i = 0; i < ring->nkeys; i++) {
        if (memcmp(ring->keys[i].id, k.id, sizeof(k.id)) == 0) {
            /* the same key twice, or 1 in 2^32: either way ambiguous */
            OPENSSL_cleanse(&k, sizeof(iam_sts_key_t));
            return IAM_DECLINED;
        }
    }

    ring->keys[ring->nkeys++] = k;
    OPENSSL_cleanse(&k, sizeof(iam_sts_key_t));

    return IAM_OK;
}


void
iam_sts_keyring_wipe(iam_sts_keyring_t *ring)
{
    OPENSSL_cleanse(ring, sizeof(iam_sts_keyring_t));
}



int
iam_sts_keyring_load(iam_sts_keyring_t *ring, const char *file,
    iam_diags_t *diags)
{
    int            rc, hi, lo;
    char           line[256];
    FILE          *f;
    size_t         i, n, start, before;
    unsigned       lineno;
    unsigned char  key[32];

    memset(ring, 0, sizeof(iam_sts_keyring_t));
    before = diags->nitems;

    f = fopen(file, "r");
    if (f == NULL) {
        iam_diags_add(diags, file, 0, 0, "cannot open: %s", strerror(errno));
        return IAM_ERROR;
    }

    lineno = 0;

    while (fgets(line, sizeof(line), f)) {
        lineno++;
        n = strlen(line);

        if (n == sizeof(line) - 1 && line[n - 1] != '\n') {
            iam_diags_add(diags, file, lineno, 1, "line too long");
            break;
        }

        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'
                     || line[n - 1] == ' ' || line[n - 1] == '\t'))
        {
            n--;
        }

        for (start = 0; start < n
                        && (line[start] == ' ' || line[start] == '\t');
             start++)
        {
            /* void */
        }

        if (start == n || line[start] == '#') {
            continue;
        }

        if (n - start != IAM_STS_KEY_HEX_LEN) {
            iam_diags_add(diags, file, lineno, start + 1,
                          "a key is %d hexadecimal characters, not %zu",
                          IAM_STS_KEY_HEX_LEN, n - start);
            continue;
        }

        for (i = 0; i < 32; i++) {
            hi = iam_hex_value((unsigned char) line[start + 2 * i]);
            lo = iam_hex_value((unsigned char) line[start + 2 * i + 1]);

            if (hi < 0 || lo < 0) {
                iam_diags_add(diags, file, lineno,
                              start + 2 * i + (hi < 0 ? 1 : 2),
                              "not a hexadecimal character");
                break;
            }

            key[i] = (unsigned char) (hi << 4 | lo);
        }

        if (i < 32) {
            continue;
        }

        rc = iam_sts_keyring_add(ring, key);

        if (rc == IAM_DECLINED) {
            iam_diags_add(diags, file, lineno, start + 1,
                          "the same key (key id) as an earlier line");

        } else if (rc != IAM_OK) {
            iam_diags_add(diags, file, lineno, start + 1,
                          ring->nkeys == IAM_STS_MAX_KEYS
                          ? "more than 16 keys" : "key derivation failed");
        }
    }

    OPENSSL_cleanse(line, sizeof(line));
    OPENSSL_cleanse(key, sizeof(key));
    fclose(f);

    if (diags->nitems == before && ring->nkeys == 0) {
        iam_diags_add(diags, file, 0, 0, "no key in the file");
    }

    if (diags->nitems != before) {
        iam_sts_keyring_wipe(ring);
        return IAM_ERROR;
    }

    return IAM_OK;
}


static void
iam_sts_put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char) (v >> 24);
    p[1] = (unsigned char) (v >> 16);
    p[2] = (unsigned char) (v >> 8);
    p[3] = (unsigned char) v;
}


static uint32_t
iam_sts_get_u32(const unsigned char *p)
{
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
           | (uint32_t) p[2] << 8 | p[3];
}


static void
iam_sts_put_field(iam_sts_writer_t *w, int type, iam_str_t v)
{
    if (v.len == 0) {
        return;
    }

    if (v.len > 0xffff || (size_t) (w->end - w->pos) < 3 + v.len) {
        w->overflow = 1;
        return;
    }

    *w->pos++ = (unsigned char) type;
    *w->pos++ = (unsigned char) (v.len >> 8);
    *w->pos++ = (unsigned char) v.len;
    memcpy(w->pos, v.data, v.len);
    w->pos += v.len;
}


/* The packed session; 0 when it does not fit in size. */
static size_t
iam_sts_pack(const iam_sts_session_t *s, unsigned char *buf, size_t size)
{
    size_t             i, len;
    iam_sts_writer_t   w;
    const iam_sts_tag_t  *t;

    if (size < IAM_STS_FIXED_LEN) {
        return 0;
    }

    buf[0] = (unsigned char) s->kind | (s->chained ? IAM_STS_FLAG_CHAINED : 0);
    iam_sts_put_u32(buf + 1, (uint32_t) s->issued);
    iam_sts_put_u32(buf + 5, (uint32_t) s->expires);
    iam_sts_put_u32(buf + 9, (uint32_t) s->mfa_time);

    w.pos = buf + IAM_STS_FIXED_LEN;
    w.end = buf + size;
    w.overflow = 0;

    iam_sts_put_field(&w, IAM_STS_F_ARN, s->arn);
    iam_sts_put_field(&w, IAM_STS_F_SESSION_NAME, s->session_name);
    iam_sts_put_field(&w, IAM_STS_F_SOURCE_IDENTITY, s->source_identity);
    iam_sts_put_field(&w, IAM_STS_F_PROVIDER, s->provider);
    iam_sts_put_field(&w, IAM_STS_F_POLICY, s->policy);

    for (i = 0; i < s->npolicy_arns; i++) {
        iam_sts_put_field(&w, IAM_STS_F_POLICY_ARN, s->policy_arns[i]);
    }

    for (i = 0; i < s->ntags; i++) {
        t = &s->tags[i];
        len = 2 + t->key.len + t->value.len;

        if ((size_t) (w.end - w.pos) < 3 + len) {
            w.overflow = 1;
            break;
        }

        *w.pos++ = IAM_STS_F_TAG;
        *w.pos++ = (unsigned char) (len >> 8);
        *w.pos++ = (unsigned char) len;
        *w.pos++ = t->transitive ? IAM_STS_TAG_TRANSITIVE : 0;
        *w.pos++ = (unsigned char) t->key.len;
        memcpy(w.pos, t->key.data, t->key.len);
        w.pos += t->key.len;
        memcpy(w.pos, t->value.data, t->value.len);
        w.pos += t->value.len;
    }

    return w.overflow ? 0 : (size_t) (w.pos - buf);
}


/* Only what iam_sts_pack() writes is accepted: anything else fails. */
static int
iam_sts_unpack(const unsigned char *p, size_t len, iam_sts_session_t *s)
{
    int                   type;
    size_t                flen;
    iam_str_t             v;
    iam_sts_tag_t        *t;
    const unsigned char  *end;

    memset(s, 0, sizeof(iam_sts_session_t));

    if (len < IAM_STS_FIXED_LEN) {
        return IAM_ERROR;
    }

    s->kind = p[0] & ~IAM_STS_FLAG_CHAINED;
    s->chained = (p[0] & IAM_STS_FLAG_CHAINED) ? 1 : 0;
    s->issued = iam_sts_get_u32(p + 1);
    s->expires = iam_sts_get_u32(p + 5);
    s->mfa_time = iam_sts_get_u32(p + 9);

    if (s->kind != IAM_STS_SESSION_ROLE && s->kind != IAM_STS_SESSION_USER) {
        return IAM_ERROR;
    }

    end = p + len;
    p += IAM_STS_FIXED_LEN;

    while (p < end) {
        if (end - p < 3) {
            return IAM_ERROR;
        }

        type = p[0];
        flen = (size_t) p[1] << 8 | p[2];
        p += 3;

        if ((size_t) (end - p) < flen || flen == 0) {
            return IAM_ERROR;
        }

        v.data = (const char *) p;
        v.len = flen;
        p += flen;

        switch (type) {

        case IAM_STS_F_ARN:
            s->arn = v;
            break;

        case IAM_STS_F_SESSION_NAME:
            s->session_name = v;
            break;

        case IAM_STS_F_SOURCE_IDENTITY:
            s->source_identity = v;
            break;

        case IAM_STS_F_PROVIDER:
            s->provider = v;
            break;

        case IAM_STS_F_POLICY:
            s->policy = v;
            break;

        case IAM_STS_F_POLICY_ARN:
            if (s->npolicy_arns == IAM_STS_MAX_POLICY_ARNS) {
                return IAM_ERROR;
            }
            s->policy_arns[s->npolicy_arns++] = v;
            break;

        case IAM_STS_F_TAG:
            if (s->ntags == IAM_STS_MAX_TAGS || flen < 2
                || (size_t) (unsigned char) v.data[1] + 2 > flen)
            {
                return IAM_ERROR;
            }

            t = &s->tags[s->ntags++];
            t->transitive = (v.data[0] & IAM_STS_TAG_TRANSITIVE) ? 1 : 0;
            t->key.data = v.data + 2;
            t->key.len = (unsigned char) v.data[1];
            t->value.data = t->key.data + t->key.len;
            t->value.len = flen - 2 - t->key.len;
            break;

        default:
            return IAM_ERROR;
        }
    }

    return s->arn.len ? IAM_OK : IAM_ERROR;
}



static int
iam_sts_base64_value(int c)
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

    return c == '+' ? 62 : 63;
}


/*
 * out needs len + 3 bytes: the text is rewritten there, then decoded.
 * *exact is 0 when the text is not the one encoding of its bytes (a dangling
 * character, spare bits set): the caller tells a truncated token first.
 */
static int
iam_sts_base64url_decode(unsigned char *out, const char *in, size_t len,
    size_t *outlen, int *exact)
{
    int     n;
    char    c;
    size_t  i, pad;

    *exact = 1;

    if (len % 4 == 1) {
        *exact = 0;
        len--;
    }

    for (i = 0; i < len; i++) {
        c = in[i];

        if (c == '-') {
            c = '+';

        } else if (c == '_') {
            c = '/';

        } else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
                     || (c >= '0' && c <= '9')))
        {
            return IAM_ERROR;
        }

        out[i] = (unsigned char) c;
    }

    pad = (4 - len % 4) % 4;

    if (pad && (iam_sts_base64_value(out[len - 1]) & (pad == 1 ? 3 : 15))) {
        *exact = 0;
    }

    for (i = 0; i < pad; i++) {
        out[len + i] = '=';
    }

    n = EVP_DecodeBlock(out, out, (int) (len + pad));
    if (n < 0) {
        return IAM_ERROR;
    }

    /* EVP_DecodeBlock counts the padding as zero bytes */
    *outlen = (size_t) n - pad;

    return IAM_OK;
}


/*
 * The access key id and secret of a token: HMAC-SHA512 of its header and
 * GCM tag, which stands for all its bytes (the tag authenticates them).
 */
static void
iam_sts_credentials(const iam_sts_key_t *k, const unsigned char *token,
    size_t len, iam_sts_credentials_t *creds)
{
    size_t             i, n;
    uint64_t           bits;
    unsigned char      md[64];
    iam_sts_crypto_t  *c;

    static const char  alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    bits = 0;
    c = iam_sts_crypto();

    if (c != NULL && c->mac_keyed
        && CRYPTO_memcmp(c->mac_key, k->derive, sizeof(k->derive)) != 0)
    {
        c->mac_keyed = 0;
    }

    if (c == NULL
        || EVP_MAC_init(c->mac_ctx, c->mac_keyed ? NULL : k->derive,
                        c->mac_keyed ? 0 : sizeof(k->derive), NULL) != 1
        || EVP_MAC_update(c->mac_ctx, token, IAM_STS_AAD_LEN) != 1
        || EVP_MAC_update(c->mac_ctx, token + len - IAM_STS_TAG_LEN,
                          IAM_STS_TAG_LEN) != 1
        || EVP_MAC_final(c->mac_ctx, md, &n, sizeof(md)) != 1
        || n != sizeof(md))
    {
        if (c) {
            c->mac_keyed = 0;
        }

        /* fail closed: credentials no signature can match */
        memset(creds, 0, sizeof(iam_sts_credentials_t));
        return;
    }

    /* ASIA + 80 bits in base32: 16 characters, as AWS's ids look */
    memcpy(creds->access_key_id, "ASIA", 4);

    for (i = 0; i < 16; i++) {
        if (i % 8 == 0) {
            bits = (uint64_t) md[i / 8 * 5] << 32
                   | (uint64_t) md[i / 8 * 5 + 1] << 24
                   | (uint64_t) md[i / 8 * 5 + 2] << 16
                   | (uint64_t) md[i / 8 * 5 + 3] << 8
                   | md[i / 8 * 5 + 4];
        }

        creds->access_key_id[4 + i] = alphabet[(bits >> (35 - 5 * (i % 8)))
                                               & 31];
    }

    creds->access_key_id[IAM_STS_AKID_LEN] = '\0';

    /* 240 more bits in base64: 40 characters, as AWS's secrets look */
    EVP_EncodeBlock((unsigned char *) creds->secret, md + 10, 30);
    creds->secret[IAM_STS_SECRET_LEN] = '\0';

    OPENSSL_cleanse(md, sizeof(md));

    if (!c->mac_keyed) {
        memcpy(c->mac_key, k->derive, sizeof(c->mac_key));
        c->mac_keyed = 1;
    }
}


iam_sts_err_e
iam_sts_token_seal(const iam_sts_keyring_t *ring,
    const iam_sts_session_t *session, char *out, size_t size, size_t *len,
    iam_sts_credentials_t *creds)
{
    int                 n;
    size_t              plen, tlen, i;
    unsigned char       plain[IAM_STS_MAX_PLAIN];
    unsigned char       raw[IAM_STS_OVERHEAD + IAM_STS_MAX_PLAIN];
    iam_sts_crypto_t   *c;
    const iam_sts_key_t  *k;

    if (ring->nkeys == 0) {
        return IAM_STS_ERR_INTERNAL;
    }

    if (session->ntags > IAM_STS_MAX_TAGS
        || session->npolicy_arns > IAM_STS_MAX_POLICY_ARNS
        || session->expires <= session->issued
        || session->expires > (time_t) UINT32_MAX
        || session->mfa_time < 0 || session->mfa_time > (time_t) UINT32_MAX
        || session->issued < 0 || session->arn.len == 0)
    {
        return IAM_STS_ERR_INVALID;
    }

    for (i = 0; i < session->ntags; i++) {
        if (session->tags[i].key.len == 0 || session->tags[i].key.len > 255) {
            return IAM_STS_ERR_INVALID;
        }
    }

    plen = iam_sts_pack(session, plain, sizeof(plain));
    if (plen == 0) {
        return IAM_STS_ERR_TOO_LARGE;
    }

    tlen = IAM_STS_OVERHEAD + plen;

    if (size < (tlen + 2) / 3 * 4 + 1) {
        OPENSSL_cleanse(plain, plen);
        return IAM_STS_ERR_TOO_LARGE;
    }

    k = &ring->keys[0];

    raw[0] = IAM_STS_VERSION;
    memcpy(raw + 1, k->id, 4);
    raw[5] = (unsigned char) (tlen >> 8);
    raw[6] = (unsigned char) tlen;

    c = iam_sts_crypto();

    if (c == NULL
        || RAND_bytes(raw + IAM_STS_AAD_LEN, IAM_STS_NONCE_LEN) != 1
        || EVP_EncryptInit_ex2(c->cipher_ctx, c->gcm, k->seal,
                               raw + IAM_STS_AAD_LEN, NULL) != 1
        || EVP_EncryptUpdate(c->cipher_ctx, NULL, &n, raw,
                             IAM_STS_AAD_LEN) != 1
        || EVP_EncryptUpdate(c->cipher_ctx,
                             raw + IAM_STS_AAD_LEN + IAM_STS_NONCE_LEN, &n,
                             plain, (int) plen) != 1
        || EVP_EncryptFinal_ex(c->cipher_ctx, raw + tlen - IAM_STS_TAG_LEN, &n)
           != 1
        || EVP_CIPHER_CTX_ctrl(c->cipher_ctx, EVP_CTRL_GCM_GET_TAG,
                               IAM_STS_TAG_LEN,
                               raw + tlen - IAM_STS_TAG_LEN) != 1)
    {
        OPENSSL_cleanse(plain, plen);
        return IAM_STS_ERR_INTERNAL;
    }

    OPENSSL_cleanse(plain, plen);

    *len = iam_base64url_encode(out, raw, tlen);
    iam_sts_credentials(k, raw, tlen, creds);

    return creds->access_key_id[0] ? IAM_STS_OK : IAM_STS_ERR_INTERNAL;
}


iam_sts_err_e
iam_sts_token_open(const iam_sts_keyring_t *ring, iam_str_t token,
    time_t now, unsigned char *buf, size_t size, iam_sts_session_t *session,
    iam_sts_credentials_t *creds)
{
    int                   n, exact;
    size_t                i, rawlen, tlen, clen;
    unsigned char        *raw, *plain;
    iam_sts_crypto_t     *c;
    const iam_sts_key_t  *k;

    if (token.len < (IAM_STS_OVERHEAD + IAM_STS_FIXED_LEN) * 4 / 3
        || token.len > IAM_STS_MAX_TOKEN || size < IAM_STS_OPEN_BUF)
    {
        return IAM_STS_ERR_MALFORMED;
    }

    raw = buf;
    plain = buf + IAM_STS_MAX_TOKEN;

    if (iam_sts_base64url_decode(raw, token.data, token.len, &rawlen, &exact)
        != IAM_OK
        || rawlen < IAM_STS_OVERHEAD + IAM_STS_FIXED_LEN
        || raw[0] != IAM_STS_VERSION)
    {
        return IAM_STS_ERR_MALFORMED;
    }

    tlen = (size_t) raw[5] << 8 | raw[6];

    if (rawlen < tlen) {
        return IAM_STS_ERR_TRUNCATED;
    }

    /* one text per token: no extra bytes, no second spelling */
    if (rawlen > tlen || !exact) {
        return IAM_STS_ERR_MALFORMED;
    }

    for (i = 0; i < ring->nkeys; i++) {
        if (memcmp(ring->keys[i].id, raw + 1, 4) == 0) {
            break;
        }
    }

    if (i == ring->nkeys) {
        return IAM_STS_ERR_UNKNOWN_KEY;
    }

    k = &ring->keys[i];
    clen = tlen - IAM_STS_OVERHEAD;

    c = iam_sts_crypto();
    if (c == NULL) {
        return IAM_STS_ERR_INTERNAL;
    }

    if (EVP_DecryptInit_ex2(c->cipher_ctx, c->gcm, k->seal,
                            raw + IAM_STS_AAD_LEN, NULL) != 1
        || EVP_DecryptUpdate(c->cipher_ctx, NULL, &n, raw,
                             IAM_STS_AAD_LEN) != 1
        || EVP_DecryptUpdate(c->cipher_ctx, plain, &n,
                             raw + IAM_STS_AAD_LEN + IAM_STS_NONCE_LEN,
                             (int) clen) != 1
        || EVP_CIPHER_CTX_ctrl(c->cipher_ctx, EVP_CTRL_GCM_SET_TAG,
                               IAM_STS_TAG_LEN,
                               raw + tlen - IAM_STS_TAG_LEN) != 1)
    {
        return IAM_STS_ERR_INTERNAL;
    }

    if (EVP_DecryptFinal_ex(c->cipher_ctx, plain, &n) != 1) {
        OPENSSL_cleanse(plain, clen);
        return IAM_STS_ERR_TAMPERED;
    }

    /* authentic from here on: a bad layout is our own bug, fail closed */
    if (iam_sts_unpack(plain, clen, session) != IAM_OK) {
        return IAM_STS_ERR_MALFORMED;
    }

    if (now >= session->expires) {
        return IAM_STS_ERR_EXPIRED;
    }

    iam_sts_credentials(k, raw, tlen, creds);

    return creds->access_key_id[0] ? IAM_STS_OK : IAM_STS_ERR_INTERNAL;
}


size_t
iam_sts_principal_arn(const iam_sts_session_t *session, char *buf,
    size_t size)
{
    int          n;
    size_t       i, colons;
    const char  *p, *account, *name, *end;

    if (session->kind == IAM_STS_SESSION_USER) {
        if (session->arn.len + 1 > size) {
            return 0;
        }

        memcpy(buf, session->arn.data, session->arn.len);
        buf[session->arn.len] = '\0';

        return session->arn.len;
    }

    /* arn:aws:iam::ACCOUNT:role/[PATH/]NAME */
    p = session->arn.data;
    end = p + session->arn.len;
    account = NULL;
    colons = 0;

    for (i = 0; i < session->arn.len && colons < 5; i++) {
        if (p[i] == ':' && ++colons == 4) {
            account = p + i + 1;
        }
    }

    if (colons != 5) {
        return 0;
    }

    for (name = end; name > p + i && name[-1] != '/'; name--) {
        /* void */
    }

    n = snprintf(buf, size, "arn:aws:sts::%.*s:assumed-role/%.*s/%.*s",
                 (int) (p + i - 1 - account), account,
                 (int) (end - name), name,
                 (int) session->session_name.len, session->session_name.data);

    return (n < 0 || (size_t) n >= size) ? 0 : (size_t) n;
}
