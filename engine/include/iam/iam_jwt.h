/*
 * ngx_iam engine: JWS compact serialization and JWTs, verified strictly
 * (RFC 7515, RFC 7519, RFC 8725).
 *
 * iam_jws_parse() splits and decodes a token and checks its header: the
 * alg allow-list (never none or HMAC), no key-carrying members (jwk, jku,
 * x5u, x5c), no crit, typ, kid.  iam_jws_verify() checks the signature with
 * one key through EVP_DigestVerify.  iam_jwt_parse() adds the claims (a
 * JSON object with no duplicate members, registered claims of the right
 * type) and iam_jwt_validate() checks iss, aud, exp, nbf and iat.
 *
 * Tokens come from clients: every failure has a short reason for the log,
 * and nothing of the token is trusted before the signature is.
 */

#ifndef _IAM_JWT_H_INCLUDED_
#define _IAM_JWT_H_INCLUDED_


#include <time.h>
#include <jansson.h>
#include <iam/iam_core.h>
#include <iam/iam_jwks.h>


#define IAM_JWT_MAX_TOKEN       8192    /* default size cap */
#define IAM_JWT_LEEWAY          60      /* default clock skew, seconds */


typedef struct {
    unsigned        algs;           /* IAM_JWS_ALG_BITs; 0: all */
    size_t          max_token;      /* 0: IAM_JWT_MAX_TOKEN */
    time_t          leeway;
    /*
     * The media type a "typ" header must name when present ("JWT");
     * NULL: any.  Compared as RFC 7515 §4.1.9 says, without case and with
     * "application/" optional.
     */
    const char     *typ;
} iam_jwt_conf_t;

void iam_jwt_conf_init(iam_jwt_conf_t *conf);


typedef struct {
    json_t                 *header;
    iam_jws_alg_e           alg;
    iam_str_t               kid;        /* into header; empty: none */
    iam_str_t               signing_input;  /* into the token */
    unsigned char          *payload;    /* decoded, NUL-terminated */
    size_t                  payload_len;
    unsigned char          *signature;
    size_t                  signature_len;
} iam_jws_t;

/*
 * Splits and decodes a compact JWS and checks its header.  IAM_ERROR with
 * a reason in err; iam_jws_free() in both cases.
 */
int iam_jws_parse(const iam_jwt_conf_t *conf, const char *token, size_t len,
    iam_jws_t *jws, char *err, size_t errlen);
/* IAM_OK when the signature is key's over the signing input */
int iam_jws_verify(const iam_jws_t *jws, const iam_jwk_t *key, char *err,
    size_t errlen);
void iam_jws_free(iam_jws_t *jws);
/* 1 when the header has no "typ" or one naming the media type want */
int iam_jws_typ_matches(const iam_jws_t *jws, const char *want);


typedef struct {
    iam_jws_t               jws;
    json_t                 *claims;
    iam_str_t               iss;        /* into claims */
    iam_str_t               sub;
    double                  exp;
    double                  nbf;        /* 0: absent */
    double                  iat;        /* 0: absent */
} iam_jwt_t;

/*
 * iam_jws_parse() plus the claims: a JSON object without duplicate
 * members, iss and sub strings, exp a number (required), nbf and iat
 * numbers, aud a string or an array of strings.  The signature is not
 * checked here.  iam_jwt_free() in both cases.
 */
int iam_jwt_parse(const iam_jwt_conf_t *conf, const char *token, size_t len,
    iam_jwt_t *jwt, char *err, size_t errlen);

/*
 * iss equal to issuer; aud holding one of audiences (none given: not
 * checked); exp after now, nbf and iat not after now, each with the
 * leeway; with max_age, iat present and not older than max_age.
 */
int iam_jwt_validate(const iam_jwt_conf_t *conf, const iam_jwt_t *jwt,
    iam_str_t issuer, const iam_str_t *audiences, size_t naudiences,
    time_t now, time_t max_age, char *err, size_t errlen);

void iam_jwt_free(iam_jwt_t *jwt);


/*
 * Verified tokens, by the SHA-256 of the token, until their expiry: a
 * client sending the same token again costs a hash, not a signature.
 * Bounded: a set-associative table that replaces the entry expiring first.
 * The value is the caller's (kept with json_incref while cached).
 */
typedef struct iam_jwt_cache_s  iam_jwt_cache_t;

typedef struct {
    unsigned char           digest[32];
    time_t                  expires;
    uint64_t                generation;     /* the caller's, e.g. JWKS's */
    unsigned                tag;            /* the caller's, e.g. issuer */
    json_t                 *claims;
} iam_jwt_cache_entry_t;

iam_jwt_cache_t *iam_jwt_cache_create(size_t entries);
void iam_jwt_cache_free(iam_jwt_cache_t *cache);
void iam_jwt_cache_digest(const char *token, size_t len,
    unsigned char digest[32]);
/* the unexpired entry for digest, or NULL */
const iam_jwt_cache_entry_t *iam_jwt_cache_get(iam_jwt_cache_t *cache,
    const unsigned char digest[32], time_t now);
void iam_jwt_cache_put(iam_jwt_cache_t *cache,
    const unsigned char digest[32], time_t expires, uint64_t generation,
    unsigned tag, json_t *claims, time_t now);
size_t iam_jwt_cache_count(const iam_jwt_cache_t *cache, time_t now);


#endif /* _IAM_JWT_H_INCLUDED_ */
