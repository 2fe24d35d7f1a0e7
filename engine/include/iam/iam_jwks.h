/*
 * ngx_iam engine: JSON Web Keys (RFC 7517) for verifying JWS signatures.
 *
 * A JWK set is read once (at configuration load, or when its file changes)
 * into OpenSSL EVP_PKEYs built with EVP_PKEY_fromdata(): RSA (2048 bits and
 * up), EC P-256/P-384/P-521, Ed25519.  Every key is checked as RFC 7517,
 * RFC 7518 and RFC 8725 ask: kty, crv, alg, use and key_ops must fit each
 * other and a signature, points lie on their curve, no private or symmetric
 * key material, no duplicate kid.
 */

#ifndef _IAM_JWKS_H_INCLUDED_
#define _IAM_JWKS_H_INCLUDED_


#include <openssl/evp.h>
#include <jansson.h>
#include <iam/iam_core.h>


/* The JWS algorithms that are verified: asymmetric only, never none/HS*. */
typedef enum {
    IAM_JWS_NONE = 0,
    IAM_JWS_RS256,
    IAM_JWS_RS384,
    IAM_JWS_RS512,
    IAM_JWS_PS256,
    IAM_JWS_PS384,
    IAM_JWS_PS512,
    IAM_JWS_ES256,
    IAM_JWS_ES384,
    IAM_JWS_ES512,
    IAM_JWS_EDDSA,
    IAM_JWS_NALGS
} iam_jws_alg_e;

#define IAM_JWS_ALG_BIT(alg)    (1u << (alg))
#define IAM_JWS_ALL_ALGS        (((1u << IAM_JWS_NALGS) - 1) & ~1u)

typedef enum {
    IAM_JWK_RSA = 1,
    IAM_JWK_EC,
    IAM_JWK_OKP
} iam_jwk_type_e;

#define IAM_JWKS_MAX_KEYS       64
#define IAM_JWK_KID_MAX         256
#define IAM_JWK_RSA_MIN_BITS    2048
#define IAM_JWK_RSA_MAX_BITS    8192


typedef struct {
    iam_str_t               kid;        /* empty when none */
    iam_jwk_type_e          kty;
    int                     curve;      /* EC: the NID; OKP: Ed25519 */
    iam_jws_alg_e           alg;        /* IAM_JWS_NONE: any that fits */
    EVP_PKEY               *pkey;
} iam_jwk_t;

typedef struct {
    iam_jwk_t              *keys;
    size_t                  nkeys;
} iam_jwks_t;


/* "RS256" ... "EdDSA" to iam_jws_alg_e; IAM_JWS_NONE when not one */
iam_jws_alg_e iam_jws_alg_parse(const char *name, size_t len);
const char *iam_jws_alg_name(iam_jws_alg_e alg);

/* 1 when key may verify signatures made with alg (kty, crv, its alg) */
int iam_jwk_fits(const iam_jwk_t *key, iam_jws_alg_e alg);

/*
 * One JWK object into *key (its kid points into the JSON: copy it if the
 * JSON goes).  IAM_ERROR with a reason in err.
 */
int iam_jwk_parse(const json_t *obj, iam_jwk_t *key, char *err,
    size_t errlen);
void iam_jwk_free(iam_jwk_t *key);

/*
 * A JWK set, {"keys": [...]}, from a file or a buffer.  Keys of a kty this
 * module does not verify with are skipped, as RFC 7517 §5 asks; anything
 * else wrong makes the whole set invalid: NULL, with diagnostics.
 */
iam_jwks_t *iam_jwks_load_file(const char *file, iam_diags_t *diags);
iam_jwks_t *iam_jwks_load_buffer(const char *name, const char *text,
    size_t len, iam_diags_t *diags);
void iam_jwks_free(iam_jwks_t *jwks);

/*
 * The key for a token: by kid when it has one, else the only key fitting
 * alg.  NULL when none (or, without kid, several) fit.
 */
const iam_jwk_t *iam_jwks_find(const iam_jwks_t *jwks, iam_str_t kid,
    iam_jws_alg_e alg);


#endif /* _IAM_JWKS_H_INCLUDED_ */
