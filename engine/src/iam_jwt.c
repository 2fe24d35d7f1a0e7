/*
 * ngx_iam engine: compact JWS and JWT verification (RFC 7515, RFC 7519),
 * with the checks RFC 8725 recommends against the known attacks.
 */

#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/rsa.h>
#include <openssl/err.h>
#include <iam/iam_jwt.h>
#include <iam/iam_base64url.h>
#include <iam/iam_fault.h>


#define IAM_JWT_CACHE_WAYS  4


struct iam_jwt_cache_s {
    iam_jwt_cache_entry_t  *entries;
    size_t                  nbuckets;
};


static unsigned char *iam_jws_decode(const char *in, size_t len,
    size_t *outlen);
static int iam_jws_header(const iam_jwt_conf_t *conf, iam_jws_t *jws,
    char *err, size_t errlen);
static int iam_jws_typ_eq(const char *typ, const char *want);
static int iam_jws_ecdsa_der(const iam_jws_t *jws, const iam_jwk_t *key,
    unsigned char *der, size_t *derlen, char *err, size_t errlen);
static int iam_jwt_number(const json_t *claims, const char *name,
    double *value, int required, char *err, size_t errlen);


/* header members that would let the token pick its own key, or that ask
 * for processing this verifier does not do: all refused (RFC 8725 §3.10) */
static const char *const  iam_jws_refused[] = {
    "jwk", "jku", "x5u", "x5c", "crit", "b64", "enc", "zip", NULL
};


void
iam_jwt_conf_init(iam_jwt_conf_t *conf)
{
    conf->algs = IAM_JWS_ALL_ALGS;
    conf->max_token = IAM_JWT_MAX_TOKEN;
    conf->leeway = IAM_JWT_LEEWAY;
    conf->typ = NULL;
}


static unsigned char *
iam_jws_decode(const char *in, size_t len, size_t *outlen)
{
    unsigned char  *out;

    out = iam_malloc(iam_base64url_decoded_len(len) + 1);
    if (out == NULL) {
        return NULL;
    }

    if (iam_base64url_decode(in, len, out, outlen) != IAM_OK) {
        free(out);
        return NULL;
    }

    out[*outlen] = '\0';

    return out;
}


int
iam_jws_parse(const iam_jwt_conf_t *conf, const char *token, size_t len,
    iam_jws_t *jws, char *err, size_t errlen)
{
    size_t         i, dots[2], ndots, hlen;
    json_error_t   jerr;
    unsigned char *header;

    memset(jws, 0, sizeof(iam_jws_t));

    if (len == 0) {
        snprintf(err, errlen, "empty token");
        return IAM_ERROR;
    }

    if (len > (conf->max_token ? conf->max_token : IAM_JWT_MAX_TOKEN)) {
        snprintf(err, errlen, "token of %zu bytes is over the limit", len);
        return IAM_ERROR;
    }

    ndots = 0;

    for (i = 0; i < len; i++) {
        if (token[i] == '.') {
            if (ndots == 2) {
                snprintf(err, errlen, "not a compact JWS (more than three "
                         "parts; JWE is not accepted)");
                return IAM_ERROR;
            }

            dots[ndots++] = i;
        }
    }

    if (ndots != 2) {
        snprintf(err, errlen, "not a compact JWS (three parts expected)");
        return IAM_ERROR;
    }

    if (dots[0] == 0) {
        snprintf(err, errlen, "missing header");
        return IAM_ERROR;
    }

    header = iam_jws_decode(token, dots[0], &hlen);
    if (header == NULL) {
        snprintf(err, errlen, "header is not canonical base64url");
        return IAM_ERROR;
    }

    jws->header = json_loadb((char *) header, hlen, JSON_REJECT_DUPLICATES,
                             &jerr);
    free(header);

    if (!json_is_object(jws->header)) {
        snprintf(err, errlen, "header is not a valid JSON object%s%s",
                 jws->header ? "" : ": ", jws->header ? "" : jerr.text);
        return IAM_ERROR;
    }

    /* the header first: "alg none" says more than "no signature" */
    if (iam_jws_header(conf, jws, err, errlen) != IAM_OK) {
        return IAM_ERROR;
    }

    if (dots[1] == len - 1) {
        snprintf(err, errlen, "missing signature");
        return IAM_ERROR;
    }

    jws->payload = iam_jws_decode(token + dots[0] + 1,
                                  dots[1] - dots[0] - 1, &jws->payload_len);
    jws->signature = iam_jws_decode(token + dots[1] + 1, len - dots[1] - 1,
                                    &jws->signature_len);

    if (jws->payload == NULL || jws->signature == NULL) {
        snprintf(err, errlen, "payload or signature is not canonical "
                 "base64url");
        return IAM_ERROR;
    }

    jws->signing_input.data = token;
    jws->signing_input.len = dots[1];

    return IAM_OK;
}


static int
iam_jws_header(const iam_jwt_conf_t *conf, iam_jws_t *jws, char *err,
    size_t errlen)
{
    size_t              i, len;
    const char         *alg, *s;
    const json_t       *v;
    const char *const  *m;

    for (m = iam_jws_refused; *m; m++) {
        if (json_object_get(jws->header, *m)) {
            snprintf(err, errlen, "header \"%s\" is refused", *m);
            return IAM_ERROR;
        }
    }

    v = json_object_get(jws->header, "alg");
    alg = json_string_value(v);

    if (alg == NULL) {
        snprintf(err, errlen, "header has no \"alg\" string");
        return IAM_ERROR;
    }

    jws->alg = iam_jws_alg_parse(alg, json_string_length(v));

    if (jws->alg == IAM_JWS_NONE) {
        if (strcasecmp(alg, "none") == 0) {
            snprintf(err, errlen, "alg \"none\" is refused");

        } else if (strncmp(alg, "HS", 2) == 0) {
            snprintf(err, errlen, "alg \"%.16s\" is refused: only public "
                     "key signatures are accepted", alg);

        } else {
            snprintf(err, errlen, "alg \"%.16s\" is not supported", alg);
        }

        return IAM_ERROR;
    }

    if (!(conf->algs & IAM_JWS_ALG_BIT(jws->alg))) {
        snprintf(err, errlen, "alg \"%s\" is not allowed",
                 iam_jws_alg_name(jws->alg));
        return IAM_ERROR;
    }

    v = json_object_get(jws->header, "kid");
    if (v) {
        s = json_string_value(v);
        len = json_string_length(v);

        if (s == NULL || len == 0 || len > IAM_JWK_KID_MAX) {
            snprintf(err, errlen, "header \"kid\" must be a string of 1 to "
                     "%d characters", IAM_JWK_KID_MAX);
            return IAM_ERROR;
        }

        /* a kid only ever names a key of the set, never a file or URL */
        for (i = 0; i < len; i++) {
            if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f || s[i] == '\\'
                || (s[i] == '.' && i + 1 < len && s[i + 1] == '.'))
            {
                snprintf(err, errlen, "header \"kid\" holds a control "
                         "character, '\\' or \"..\"");
                return IAM_ERROR;
            }
        }

        jws->kid.data = s;
        jws->kid.len = len;
    }

    v = json_object_get(jws->header, "typ");
    if (v) {
        if (!json_is_string(v)) {
            snprintf(err, errlen, "header \"typ\" must be a string");
            return IAM_ERROR;
        }

        if (conf->typ && !iam_jws_typ_eq(json_string_value(v), conf->typ))
        {
            snprintf(err, errlen, "header \"typ\" is \"%.32s\", not \"%s\"",
                     json_string_value(v), conf->typ);
            return IAM_ERROR;
        }
    }

    v = json_object_get(jws->header, "cty");
    if (v && (!json_is_string(v)
              || iam_jws_typ_eq(json_string_value(v), "JWT")))
    {
        snprintf(err, errlen, "nested tokens (\"cty\") are not accepted");
        return IAM_ERROR;
    }

    return IAM_OK;
}


/* RFC 7515 §4.1.9: case-insensitive, "application/" may be left out */
int
iam_jws_typ_matches(const iam_jws_t *jws, const char *want)
{
    const char  *typ;

    typ = json_string_value(json_object_get(jws->header, "typ"));

    return typ == NULL || want == NULL || iam_jws_typ_eq(typ, want);
}


static int
iam_jws_typ_eq(const char *typ, const char *want)
{
    if (strncasecmp(typ, "application/", 12) == 0) {
        typ += 12;
    }

    if (strncasecmp(want, "application/", 12) == 0) {
        want += 12;
    }

    return strcasecmp(typ, want) == 0;
}


int
iam_jws_verify(const iam_jws_t *jws, const iam_jwk_t *key, char *err,
    size_t errlen)
{
    int             rc;
    size_t          siglen;
    EVP_MD_CTX     *mctx;
    EVP_PKEY_CTX   *pctx;
    const EVP_MD   *md;
    unsigned char   der[2 * 66 + 16];
    const unsigned char  *sig;

    if (key == NULL || key->pkey == NULL || !iam_jwk_fits(key, jws->alg)) {
        snprintf(err, errlen, "the key does not fit alg \"%s\"",
                 iam_jws_alg_name(jws->alg));
        return IAM_ERROR;
    }

    sig = jws->signature;
    siglen = jws->signature_len;

    switch (jws->alg) {

    case IAM_JWS_RS256:
    case IAM_JWS_PS256:
    case IAM_JWS_ES256:
        md = EVP_sha256();
        break;

    case IAM_JWS_RS384:
    case IAM_JWS_PS384:
    case IAM_JWS_ES384:
        md = EVP_sha384();
        break;

    case IAM_JWS_RS512:
    case IAM_JWS_PS512:
    case IAM_JWS_ES512:
        md = EVP_sha512();
        break;

    default:
        md = NULL;  /* EdDSA hashes inside */
        break;
    }

    switch (key->kty) {

    case IAM_JWK_RSA:
        if (siglen != (size_t) EVP_PKEY_get_size(key->pkey)) {
            snprintf(err, errlen, "RSA signature of the wrong length");
            return IAM_ERROR;
        }
        break;

    case IAM_JWK_EC:
        if (iam_jws_ecdsa_der(jws, key, der, &siglen, err, errlen)
            != IAM_OK)
        {
            return IAM_ERROR;
        }

        sig = der;
        break;

    default:
        if (siglen != 64) {
            snprintf(err, errlen, "Ed25519 signature of the wrong length");
            return IAM_ERROR;
        }
        break;
    }

    mctx = EVP_MD_CTX_new();
    if (mctx == NULL) {
        snprintf(err, errlen, "out of memory");
        return IAM_ERROR;
    }

    pctx = NULL;
    rc = EVP_DigestVerifyInit(mctx, &pctx, md, NULL, key->pkey) == 1;

    if (rc && jws->alg >= IAM_JWS_PS256 && jws->alg <= IAM_JWS_PS512) {
        /* RFC 7518 §3.5: MGF1 with the same hash, salt of its size */
        rc = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1
             && EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST)
                == 1
             && EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) == 1;

    } else if (rc && key->kty == IAM_JWK_RSA) {
        rc = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
    }

    if (rc) {
        rc = EVP_DigestVerify(mctx, sig, siglen,
                              (const unsigned char *) jws->signing_input.data,
                              jws->signing_input.len) == 1;
    }

    EVP_MD_CTX_free(mctx);

    if (!rc) {
        /* nothing of a client's bad signature belongs in OpenSSL's queue */
        ERR_clear_error();
        snprintf(err, errlen, "signature verification failed");
        return IAM_ERROR;
    }

    return IAM_OK;
}


/*
 * JWS ECDSA signatures are r || s, each the size of the curve's order
 * (RFC 7518 §3.4); OpenSSL verifies DER.  r and s must be in [1, n-1].
 */
static int
iam_jws_ecdsa_der(const iam_jws_t *jws, const iam_jwk_t *key,
    unsigned char *der, size_t *derlen, char *err, size_t errlen)
{
    int             rc, n;
    size_t          size;
    BIGNUM         *r, *s, *order;
    ECDSA_SIG      *esig;
    unsigned char  *p;

    size = (key->curve == NID_X9_62_prime256v1) ? 32
           : (key->curve == NID_secp384r1) ? 48 : 66;

    if (jws->signature_len != 2 * size) {
        snprintf(err, errlen, "ECDSA signature of the wrong length");
        return IAM_ERROR;
    }

    rc = IAM_ERROR;
    esig = NULL;
    order = NULL;

    r = BN_bin2bn(jws->signature, (int) size, NULL);
    s = BN_bin2bn(jws->signature + size, (int) size, NULL);

    if (r == NULL || s == NULL
        || EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_EC_ORDER, &order)
           != 1)
    {
        snprintf(err, errlen, "out of memory");
        goto done;
    }

    if (BN_is_zero(r) || BN_is_zero(s) || BN_cmp(r, order) >= 0
        || BN_cmp(s, order) >= 0)
    {
        snprintf(err, errlen, "ECDSA r or s out of range");
        goto done;
    }

    esig = ECDSA_SIG_new();
    if (esig == NULL || ECDSA_SIG_set0(esig, r, s) != 1) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }

    r = NULL;
    s = NULL;

    n = i2d_ECDSA_SIG(esig, NULL);
    if (n <= 0 || (size_t) n > 2 * 66 + 16) {
        snprintf(err, errlen, "ECDSA signature encoding failed");
        goto done;
    }

    p = der;
    *derlen = i2d_ECDSA_SIG(esig, &p);
    rc = IAM_OK;

done:

    ERR_clear_error();
    ECDSA_SIG_free(esig);
    BN_free(r);
    BN_free(s);
    BN_free(order);

    return rc;
}


void
iam_jws_free(iam_jws_t *jws)
{
    json_decref(jws->header);
    free(jws->payload);
    free(jws->signature);
    memset(jws, 0, sizeof(iam_jws_t));
}


int
iam_jwt_parse(const iam_jwt_conf_t *conf, const char *token, size_t len,
    iam_jwt_t *jwt, char *err, size_t errlen)
{
    size_t         i;
    json_t        *v, *a;
    json_error_t   jerr;

    memset(jwt, 0, sizeof(iam_jwt_t));

    if (iam_jws_parse(conf, token, len, &jwt->jws, err, errlen) != IAM_OK) {
        return IAM_ERROR;
    }

    jwt->claims = json_loadb((char *) jwt->jws.payload, jwt->jws.payload_len,
                             JSON_REJECT_DUPLICATES, &jerr);

    if (!json_is_object(jwt->claims)) {
        snprintf(err, errlen, "claims are not a valid JSON object%s%s",
                 jwt->claims ? "" : ": ", jwt->claims ? "" : jerr.text);
        return IAM_ERROR;
    }

    v = json_object_get(jwt->claims, "iss");
    if (v) {
        if (!json_is_string(v)) {
            snprintf(err, errlen, "claim \"iss\" must be a string");
            return IAM_ERROR;
        }

        jwt->iss.data = json_string_value(v);
        jwt->iss.len = json_string_length(v);
    }

    v = json_object_get(jwt->claims, "sub");
    if (v) {
        if (!json_is_string(v)) {
            snprintf(err, errlen, "claim \"sub\" must be a string");
            return IAM_ERROR;
        }

        jwt->sub.data = json_string_value(v);
        jwt->sub.len = json_string_length(v);
    }

    v = json_object_get(jwt->claims, "aud");
    if (v && !json_is_string(v)) {
        if (!json_is_array(v) || json_array_size(v) == 0) {
            snprintf(err, errlen, "claim \"aud\" must be a string or an "
                     "array of strings");
            return IAM_ERROR;
        }

        json_array_foreach(v, i, a) {
            if (!json_is_string(a)) {
                snprintf(err, errlen, "claim \"aud\" must be a string or "
                         "an array of strings");
                return IAM_ERROR;
            }
        }
    }

    v = json_object_get(jwt->claims, "jti");
    if (v && !json_is_string(v)) {
        snprintf(err, errlen, "claim \"jti\" must be a string");
        return IAM_ERROR;
    }

    if (iam_jwt_number(jwt->claims, "exp", &jwt->exp, 1, err, errlen)
        != IAM_OK
        || iam_jwt_number(jwt->claims, "nbf", &jwt->nbf, 0, err, errlen)
           != IAM_OK
        || iam_jwt_number(jwt->claims, "iat", &jwt->iat, 0, err, errlen)
           != IAM_OK)
    {
        return IAM_ERROR;
    }

    return IAM_OK;
}


/* a NumericDate (RFC 7519 §2): seconds, a JSON number, not negative */
static int
iam_jwt_number(const json_t *claims, const char *name, double *value,
    int required, char *err, size_t errlen)
{
    const json_t  *v;

    *value = 0;

    v = json_object_get(claims, name);

    if (v == NULL) {
        if (required) {
            snprintf(err, errlen, "claim \"%s\" is missing", name);
            return IAM_ERROR;
        }

        return IAM_OK;
    }

    if (!json_is_number(v) || json_number_value(v) < 0
        || !isfinite(json_number_value(v)))
    {
        snprintf(err, errlen, "claim \"%s\" must be a NumericDate", name);
        return IAM_ERROR;
    }

    *value = json_number_value(v);

    return IAM_OK;
}


int
iam_jwt_validate(const iam_jwt_conf_t *conf, const iam_jwt_t *jwt,
    iam_str_t issuer, const iam_str_t *audiences, size_t naudiences,
    time_t now, time_t max_age, char *err, size_t errlen)
{
    size_t         i, j, n;
    double         t, leeway;
    iam_str_t      s;
    const json_t  *aud, *a;

    t = (double) now;
    leeway = (double) conf->leeway;

    if (!iam_str_eq(jwt->iss, issuer)) {
        snprintf(err, errlen, "issuer \"%.*s\" is not \"%.*s\"",
                 (int) (jwt->iss.len > 128 ? 128 : jwt->iss.len),
                 jwt->iss.data ? jwt->iss.data : "",
                 (int) issuer.len, issuer.data);
        return IAM_ERROR;
    }

    if (naudiences) {
        aud = json_object_get(jwt->claims, "aud");
        n = json_is_array(aud) ? json_array_size(aud) : (aud != NULL);

        for (i = 0; i < n; i++) {
            a = json_is_array(aud) ? json_array_get(aud, i) : aud;

            s.data = json_string_value(a);
            s.len = json_string_length(a);

            for (j = 0; j < naudiences; j++) {
                if (iam_str_eq(s, audiences[j])) {
                    goto audience;
                }
            }
        }

        snprintf(err, errlen, "audience is not one of this issuer's");
        return IAM_ERROR;
    }

audience:

    if (t >= jwt->exp + leeway) {
        snprintf(err, errlen, "token expired %.0f seconds ago",
                 t - jwt->exp);
        return IAM_ERROR;
    }

    if (jwt->nbf && t + leeway < jwt->nbf) {
        snprintf(err, errlen, "token not valid for %.0f more seconds",
                 jwt->nbf - t);
        return IAM_ERROR;
    }

    if (jwt->iat && t + leeway < jwt->iat) {
        snprintf(err, errlen, "token issued in the future");
        return IAM_ERROR;
    }

    if (max_age) {
        if (jwt->iat == 0) {
            snprintf(err, errlen, "claim \"iat\" is missing, and the "
                     "token's age is bounded");
            return IAM_ERROR;
        }

        if (t - jwt->iat > (double) max_age + leeway) {
            snprintf(err, errlen, "token issued %.0f seconds ago, more than "
                     "%lld", t - jwt->iat, (long long) max_age);
            return IAM_ERROR;
        }
    }

    return IAM_OK;
}


void
iam_jwt_free(iam_jwt_t *jwt)
{
    iam_jws_free(&jwt->jws);
    json_decref(jwt->claims);
    memset(jwt, 0, sizeof(iam_jwt_t));
}


iam_jwt_cache_t *
iam_jwt_cache_create(size_t entries)
{
    size_t            nbuckets;
    iam_jwt_cache_t  *cache;

    nbuckets = (entries + IAM_JWT_CACHE_WAYS - 1) / IAM_JWT_CACHE_WAYS;
    if (nbuckets == 0) {
        nbuckets = 1;
    }

    cache = iam_calloc(1, sizeof(iam_jwt_cache_t));
    if (cache == NULL) {
        return NULL;
    }

    cache->entries = iam_calloc(nbuckets * IAM_JWT_CACHE_WAYS,
                            sizeof(iam_jwt_cache_entry_t));
    if (cache->entries == NULL) {
        free(cache);
        return NULL;
    }

    cache->nbuckets = nbuckets;

    return cache;
}


void
iam_jwt_cache_free(iam_jwt_cache_t *cache)
{
    size_t  i;

    if (cache == NULL) {
        return;
    }

    for (i = 0; i < cache->nbuckets * IAM_JWT_CACHE_WAYS; i++) {
        json_decref(cache->entries[i].claims);
    }

    free(cache->entries);
    free(cache);
}


void
iam_jwt_cache_digest(const char *token, size_t len, unsigned char digest[32])
{
    unsigned int  n;

    EVP_Digest(token, len, digest, &n, EVP_sha256(), NULL);
}


static iam_jwt_cache_entry_t *
iam_jwt_cache_bucket(iam_jwt_cache_t *cache, const unsigned char digest[32])
{
    uint64_t  h;

    memcpy(&h, digest, sizeof(h));

    return &cache->entries[(h % cache->nbuckets) * IAM_JWT_CACHE_WAYS];
}


const iam_jwt_cache_entry_t *
iam_jwt_cache_get(iam_jwt_cache_t *cache, const unsigned char digest[32],
    time_t now)
{
    size_t                  i;
    iam_jwt_cache_entry_t  *b;

    b = iam_jwt_cache_bucket(cache, digest);

    for (i = 0; i < IAM_JWT_CACHE_WAYS; i++) {
        if (b[i].claims && b[i].expires > now
            && memcmp(b[i].digest, digest, 32) == 0)
        {
            return &b[i];
        }
    }

    return NULL;
}


void
iam_jwt_cache_put(iam_jwt_cache_t *cache, const unsigned char digest[32],
    time_t expires, uint64_t generation, unsigned tag, json_t *claims,
    time_t now)
{
    size_t                  i;
    iam_jwt_cache_entry_t  *b, *e;

    b = iam_jwt_cache_bucket(cache, digest);

    e = NULL;

    for (i = 0; i < IAM_JWT_CACHE_WAYS; i++) {
        if (b[i].claims && memcmp(b[i].digest, digest, 32) == 0) {
            e = &b[i];
            break;
        }
    }

    /* else a free or expired way, else the one to expire first */
    for (i = 0; e == NULL && i < IAM_JWT_CACHE_WAYS; i++) {
        if (b[i].claims == NULL || b[i].expires <= now) {
            e = &b[i];
        }
    }

    if (e == NULL) {
        e = &b[0];

        for (i = 1; i < IAM_JWT_CACHE_WAYS; i++) {
            if (b[i].expires < e->expires) {
                e = &b[i];
            }
        }
    }

    json_decref(e->claims);

    memcpy(e->digest, digest, 32);
    e->expires = expires;
    e->generation = generation;
    e->tag = tag;
    e->claims = json_incref(claims);
}


size_t
iam_jwt_cache_count(const iam_jwt_cache_t *cache, time_t now)
{
    size_t  i, n;

    n = 0;

    for (i = 0; i < cache->nbuckets * IAM_JWT_CACHE_WAYS; i++) {
        if (cache->entries[i].claims && cache->entries[i].expires > now) {
            n++;
        }
    }

    return n;
}
