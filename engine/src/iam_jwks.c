/*
 * ngx_iam engine: JWKs and JWK sets into OpenSSL keys, checked strictly.
 */

#include <stdio.h>
#include <stdlib.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/bn.h>
#include <openssl/obj_mac.h>
#include <iam/iam_jwks.h>
#include <iam/iam_json.h>
#include <iam/iam_base64url.h>
#include <iam/iam_fault.h>


typedef struct {
    const char     *name;
    iam_jws_alg_e   alg;
} iam_jws_alg_name_t;

typedef struct {
    const char     *crv;
    const char     *group;      /* OpenSSL's name */
    int             nid;
    size_t          size;       /* bytes of a coordinate */
    iam_jws_alg_e   alg;        /* the one ES* that uses it */
} iam_jwk_curve_t;


static int iam_jwk_common(const json_t *obj, iam_jwk_t *key, char *err,
    size_t errlen);
static int iam_jwk_rsa(const json_t *obj, iam_jwk_t *key, char *err,
    size_t errlen);
static int iam_jwk_ec(const json_t *obj, iam_jwk_t *key, char *err,
    size_t errlen);
static int iam_jwk_okp(const json_t *obj, iam_jwk_t *key, char *err,
    size_t errlen);
static int iam_jwk_bytes(const json_t *obj, const char *name,
    unsigned char *buf, size_t size, size_t *len, char *err, size_t errlen);
static EVP_PKEY *iam_jwk_fromdata(const char *type, OSSL_PARAM *params);
static int iam_jwk_roca(const BIGNUM *n);


static const iam_jws_alg_name_t  iam_jws_algs[] = {
    { "RS256", IAM_JWS_RS256 },
    { "RS384", IAM_JWS_RS384 },
    { "RS512", IAM_JWS_RS512 },
    { "PS256", IAM_JWS_PS256 },
    { "PS384", IAM_JWS_PS384 },
    { "PS512", IAM_JWS_PS512 },
    { "ES256", IAM_JWS_ES256 },
    { "ES384", IAM_JWS_ES384 },
    { "ES512", IAM_JWS_ES512 },
    { "EdDSA", IAM_JWS_EDDSA },
    { NULL, IAM_JWS_NONE }
};

static const iam_jwk_curve_t  iam_jwk_curves[] = {
    { "P-256", "prime256v1", NID_X9_62_prime256v1, 32, IAM_JWS_ES256 },
    { "P-384", "secp384r1", NID_secp384r1, 48, IAM_JWS_ES384 },
    { "P-521", "secp521r1", NID_secp521r1, 66, IAM_JWS_ES512 },
    { NULL, NULL, 0, 0, IAM_JWS_NONE }
};

/* members that only private or symmetric keys have */
static const char *const  iam_jwk_private[] = {
    "d", "p", "q", "dp", "dq", "qi", "oth", "k", NULL
};


iam_jws_alg_e
iam_jws_alg_parse(const char *name, size_t len)
{
    const iam_jws_alg_name_t  *a;

    for (a = iam_jws_algs; a->name; a++) {
        if (strlen(a->name) == len && memcmp(a->name, name, len) == 0) {
            return a->alg;
        }
    }

    return IAM_JWS_NONE;
}


const char *
iam_jws_alg_name(iam_jws_alg_e alg)
{
    const iam_jws_alg_name_t  *a;

    for (a = iam_jws_algs; a->name; a++) {
        if (a->alg == alg) {
            return a->name;
        }
    }

    return "none";
}


int
iam_jwk_fits(const iam_jwk_t *key, iam_jws_alg_e alg)
{
    const iam_jwk_curve_t  *c;

    if (key->alg != IAM_JWS_NONE && key->alg != alg) {
        return 0;
    }

    switch (alg) {

    case IAM_JWS_RS256:
    case IAM_JWS_RS384:
    case IAM_JWS_RS512:
    case IAM_JWS_PS256:
    case IAM_JWS_PS384:
    case IAM_JWS_PS512:
        return key->kty == IAM_JWK_RSA;

    case IAM_JWS_ES256:
    case IAM_JWS_ES384:
    case IAM_JWS_ES512:
        if (key->kty != IAM_JWK_EC) {
            return 0;
        }

        for (c = iam_jwk_curves; c->crv; c++) {
            if (c->nid == key->curve) {
                return c->alg == alg;
            }
        }

        return 0;

    case IAM_JWS_EDDSA:
        return key->kty == IAM_JWK_OKP && key->curve == NID_ED25519;

    default:
        return 0;
    }
}


/*
 * IAM_OK, IAM_ERROR (the key is wrong), or IAM_DECLINED (a kty or curve
 * this module does not verify with: a set skips it).
 */
int
iam_jwk_parse(const json_t *obj, iam_jwk_t *key, char *err, size_t errlen)
{
    int                 rc;
    const char         *kty;
    const json_t       *v;
    const char *const  *m;

    memset(key, 0, sizeof(iam_jwk_t));

    if (!json_is_object(obj)) {
        snprintf(err, errlen, "a JWK must be a JSON object");
        return IAM_ERROR;
    }

    v = json_object_get(obj, "kty");
    if (!json_is_string(v)) {
        snprintf(err, errlen, "a JWK needs a \"kty\" string");
        return IAM_ERROR;
    }

    kty = json_string_value(v);

    for (m = iam_jwk_private; *m; m++) {
        if (json_object_get(obj, *m)) {
            snprintf(err, errlen, "private or symmetric key material "
                     "(\"%s\") has no place in a set of verification keys",
                     *m);
            return IAM_ERROR;
        }
    }

    if (strcmp(kty, "RSA") == 0) {
        key->kty = IAM_JWK_RSA;

    } else if (strcmp(kty, "EC") == 0) {
        key->kty = IAM_JWK_EC;

    } else if (strcmp(kty, "OKP") == 0) {
        key->kty = IAM_JWK_OKP;

    } else if (strcmp(kty, "oct") == 0) {
        snprintf(err, errlen, "symmetric (\"oct\") keys are not accepted");
        return IAM_ERROR;

    } else {
        snprintf(err, errlen, "unsupported kty \"%.32s\"", kty);
        return IAM_DECLINED;
    }

    switch (key->kty) {
    case IAM_JWK_RSA:
        rc = iam_jwk_rsa(obj, key, err, errlen);
        break;
    case IAM_JWK_EC:
        rc = iam_jwk_ec(obj, key, err, errlen);
        break;
    default:
        rc = iam_jwk_okp(obj, key, err, errlen);
        break;
    }

    if (rc == IAM_OK) {
        rc = iam_jwk_common(obj, key, err, errlen);
    }

    if (rc != IAM_OK) {
        iam_jwk_free(key);
    }

    return rc;
}


/* kid, use, key_ops, alg: after the key material, to check alg's fit */
static int
iam_jwk_common(const json_t *obj, iam_jwk_t *key, char *err, size_t errlen)
{
    int            verify;
    size_t         i, len;
    const char    *s;
    const json_t  *v, *op;

    v = json_object_get(obj, "kid");
    if (v) {
        s = json_string_value(v);
        len = json_string_length(v);

        if (s == NULL || len == 0 || len > IAM_JWK_KID_MAX) {
            snprintf(err, errlen, "\"kid\" must be a string of 1 to %d "
                     "characters", IAM_JWK_KID_MAX);
            return IAM_ERROR;
        }

        for (i = 0; i < len; i++) {
            if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f) {
                snprintf(err, errlen, "\"kid\" holds a control character");
                return IAM_ERROR;
            }
        }

        key->kid.data = s;
        key->kid.len = len;
    }

    v = json_object_get(obj, "use");
    if (v && (!json_is_string(v) || strcmp(json_string_value(v), "sig"))) {
        snprintf(err, errlen, "\"use\" is not \"sig\": not a signature "
                 "verification key");
        return IAM_ERROR;
    }

    v = json_object_get(obj, "key_ops");
    if (v) {
        if (!json_is_array(v)) {
            snprintf(err, errlen, "\"key_ops\" must be an array");
            return IAM_ERROR;
        }

        verify = 0;

        json_array_foreach(v, i, op) {
            if (!json_is_string(op)) {
                snprintf(err, errlen, "\"key_ops\" must hold strings");
                return IAM_ERROR;
            }

            if (strcmp(json_string_value(op), "verify") == 0) {
                verify = 1;
            }
        }

        if (!verify) {
            snprintf(err, errlen, "\"key_ops\" does not allow \"verify\"");
            return IAM_ERROR;
        }
    }

    v = json_object_get(obj, "alg");
    if (v) {
        if (!json_is_string(v)) {
            snprintf(err, errlen, "\"alg\" must be a string");
            return IAM_ERROR;
        }

        key->alg = iam_jws_alg_parse(json_string_value(v),
                                     json_string_length(v));

        if (key->alg == IAM_JWS_NONE) {
            snprintf(err, errlen, "\"alg\" \"%.32s\" is not a signature "
                     "algorithm this module verifies",
                     json_string_value(v));
            return IAM_ERROR;
        }

        if (!iam_jwk_fits(key, key->alg)) {
            snprintf(err, errlen, "\"alg\" \"%s\" does not fit the key's "
                     "type or curve", iam_jws_alg_name(key->alg));
            return IAM_ERROR;
        }
    }

    return IAM_OK;
}


static int
iam_jwk_rsa(const json_t *obj, iam_jwk_t *key, char *err, size_t errlen)
{
    int              rc, bits;
    size_t           nlen, elen;
    BIGNUM          *n, *e;
    OSSL_PARAM      *params;
    unsigned char    nbuf[IAM_JWK_RSA_MAX_BITS / 8 + 3], ebuf[16];
    OSSL_PARAM_BLD  *bld;

    if (iam_jwk_bytes(obj, "n", nbuf, sizeof(nbuf), &nlen, err, errlen)
        != IAM_OK
        || iam_jwk_bytes(obj, "e", ebuf, sizeof(ebuf), &elen, err, errlen)
           != IAM_OK)
    {
        return IAM_ERROR;
    }

    /* RFC 7518 §6.3.1: the fewest octets, so no leading zero */
    if (nbuf[0] == 0 || ebuf[0] == 0) {
        snprintf(err, errlen, "RSA \"n\" and \"e\" must not have leading "
                 "zero octets");
        return IAM_ERROR;
    }

    rc = IAM_ERROR;
    params = NULL;
    bld = NULL;

    n = BN_bin2bn(nbuf, (int) nlen, NULL);
    e = BN_bin2bn(ebuf, (int) elen, NULL);

    if (n == NULL || e == NULL) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }

    bits = BN_num_bits(n);

    if (bits < IAM_JWK_RSA_MIN_BITS || bits > IAM_JWK_RSA_MAX_BITS) {
        snprintf(err, errlen, "an RSA key of %d bits (%d to %d accepted)",
                 bits, IAM_JWK_RSA_MIN_BITS, IAM_JWK_RSA_MAX_BITS);
        goto done;
    }

    if (!BN_is_odd(e) || BN_num_bits(e) < 2 || BN_num_bits(e) > 32
        || !BN_is_odd(n))
    {
        snprintf(err, errlen, "RSA exponent or modulus out of range");
        goto done;
    }

    if (iam_jwk_roca(n)) {
        snprintf(err, errlen, "RSA modulus has the ROCA fingerprint "
                 "(CVE-2017-15361): a weak key");
        goto done;
    }

    bld = OSSL_PARAM_BLD_new();

    if (bld == NULL
        || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n)
        || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e)
        || (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
    {
        snprintf(err, errlen, "out of memory");
        goto done;
    }

    key->pkey = iam_jwk_fromdata("RSA", params);
    if (key->pkey == NULL) {
        snprintf(err, errlen, "OpenSSL refuses the RSA key");
        goto done;
    }

    rc = IAM_OK;

done:

    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);

    return rc;
}


static int
iam_jwk_ec(const json_t *obj, iam_jwk_t *key, char *err, size_t errlen)
{
    size_t                  xlen, ylen;
    OSSL_PARAM              params[3];
    const char             *crv;
    unsigned char           x[66], y[66], point[1 + 2 * 66];
    const iam_jwk_curve_t  *c;

    crv = json_string_value(json_object_get(obj, "crv"));
    if (crv == NULL) {
        snprintf(err, errlen, "an EC key needs a \"crv\"");
        return IAM_ERROR;
    }

    for (c = iam_jwk_curves; c->crv; c++) {
        if (strcmp(c->crv, crv) == 0) {
            break;
        }
    }

    if (c->crv == NULL) {
        snprintf(err, errlen, "unsupported EC curve \"%.32s\"", crv);
        return IAM_DECLINED;
    }

    if (iam_jwk_bytes(obj, "x", x, sizeof(x), &xlen, err, errlen) != IAM_OK
        || iam_jwk_bytes(obj, "y", y, sizeof(y), &ylen, err, errlen)
           != IAM_OK)
    {
        return IAM_ERROR;
    }

    /* RFC 7518 §6.2.1.2: exactly the size of a coordinate */
    if (xlen != c->size || ylen != c->size) {
        snprintf(err, errlen, "%s coordinates must be %zu octets", c->crv,
                 c->size);
        return IAM_ERROR;
    }

    point[0] = 0x04;
    memcpy(point + 1, x, c->size);
    memcpy(point + 1 + c->size, y, c->size);

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                                 (char *) c->group, 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
                                                  point, 1 + 2 * c->size);
    params[2] = OSSL_PARAM_construct_end();

    key->curve = c->nid;
    key->pkey = iam_jwk_fromdata("EC", params);

    if (key->pkey == NULL) {
        snprintf(err, errlen, "the %s point is not on the curve", c->crv);
        return IAM_ERROR;
    }

    return IAM_OK;
}


static int
iam_jwk_okp(const json_t *obj, iam_jwk_t *key, char *err, size_t errlen)
{
    size_t       xlen;
    OSSL_PARAM   params[2];
    const char  *crv;
    unsigned char  x[36];

    crv = json_string_value(json_object_get(obj, "crv"));
    if (crv == NULL) {
        snprintf(err, errlen, "an OKP key needs a \"crv\"");
        return IAM_ERROR;
    }

    if (strcmp(crv, "Ed25519") != 0) {
        snprintf(err, errlen, "unsupported OKP curve \"%.32s\"", crv);
        return IAM_DECLINED;
    }

    if (iam_jwk_bytes(obj, "x", x, sizeof(x), &xlen, err, errlen) != IAM_OK) {
        return IAM_ERROR;
    }

    if (xlen != 32) {
        snprintf(err, errlen, "an Ed25519 public key is 32 octets");
        return IAM_ERROR;
    }

    params[0] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
                                                  x, 32);
    params[1] = OSSL_PARAM_construct_end();

    key->curve = NID_ED25519;
    key->pkey = iam_jwk_fromdata("ED25519", params);

    if (key->pkey == NULL) {
        snprintf(err, errlen, "OpenSSL refuses the Ed25519 key");
        return IAM_ERROR;
    }

    return IAM_OK;
}


/* a base64url member decoded into buf, which must hold it */
static int
iam_jwk_bytes(const json_t *obj, const char *name, unsigned char *buf,
    size_t size, size_t *len, char *err, size_t errlen)
{
    size_t         n;
    const json_t  *v;

    v = json_object_get(obj, name);
    n = json_string_length(v);

    if (!json_is_string(v) || n == 0) {
        snprintf(err, errlen, "\"%s\" must be a base64url string", name);
        return IAM_ERROR;
    }

    if (iam_base64url_decoded_len(n) > size) {
        snprintf(err, errlen, "\"%s\" is too long", name);
        return IAM_ERROR;
    }

    if (iam_base64url_decode(json_string_value(v), n, buf, len) != IAM_OK) {
        snprintf(err, errlen, "\"%s\" is not canonical base64url", name);
        return IAM_ERROR;
    }

    if (*len == 0) {
        snprintf(err, errlen, "\"%s\" is empty", name);
        return IAM_ERROR;
    }

    return IAM_OK;
}


/* a public key from params, checked by OpenSSL (points on their curve) */
static EVP_PKEY *
iam_jwk_fromdata(const char *type, OSSL_PARAM *params)
{
    int            ok;
    EVP_PKEY      *pkey;
    EVP_PKEY_CTX  *ctx;

    pkey = NULL;

    ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    if (ctx == NULL) {
        return NULL;
    }

    ok = EVP_PKEY_fromdata_init(ctx) == 1
         && EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1;

    EVP_PKEY_CTX_free(ctx);

    if (!ok) {
        EVP_PKEY_free(pkey);
        return NULL;
    }

    ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    ok = ctx != NULL && EVP_PKEY_public_check(ctx) == 1;
    EVP_PKEY_CTX_free(ctx);

    if (!ok) {
        EVP_PKEY_free(pkey);
        return NULL;
    }

    return pkey;
}


/*
 * The ROCA fingerprint (Nemec et al., CCS 2017): moduli made by the
 * vulnerable Infineon library are, modulo each small prime below, in the
 * subgroup that 65537 generates.  A random modulus is so for all of them
 * with probability about 2^-154.
 */
static int
iam_jwk_roca(const BIGNUM *n)
{
    size_t        i;
    BN_ULONG      r;
    unsigned      g, p, seen[168 / 32 + 1];

    static const unsigned  primes[] = {
        3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67,
        71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139,
        149, 151, 157, 163, 167
    };

    for (i = 0; i < sizeof(primes) / sizeof(primes[0]); i++) {
        p = primes[i];

        r = BN_mod_word(n, p);
        if (r == (BN_ULONG) -1) {
            return 0;
        }

        /* the subgroup of 65537 modulo p, as a bit set */
        memset(seen, 0, sizeof(seen));
        g = 1;

        do {
            seen[g / 32] |= 1u << (g % 32);
            g = (g * (65537 % p)) % p;
        } while (g != 1);

        if (!(seen[r / 32] & (1u << (r % 32)))) {
            return 0;
        }
    }

    return 1;
}


void
iam_jwk_free(iam_jwk_t *key)
{
    EVP_PKEY_free(key->pkey);
    key->pkey = NULL;
}


iam_jwks_t *
iam_jwks_load_file(const char *file, iam_diags_t *diags)
{
    char        *text;
    size_t       len;
    json_t      *doc;
    iam_jwks_t  *jwks;

    /* loaded once for positions, parsed again by load_buffer: load time */
    doc = iam_json_load_file(file, &text, &len, diags);
    if (doc == NULL) {
        return NULL;
    }

    json_decref(doc);

    jwks = iam_jwks_load_buffer(file, text, len, diags);
    free(text);

    return jwks;
}


iam_jwks_t *
iam_jwks_load_buffer(const char *name, const char *text, size_t len,
    iam_diags_t *diags)
{
    int               rc;
    char              err[256];
    size_t            i, j, before;
    json_t           *doc, *keys, *k;
    iam_jwk_t         key;
    iam_jwks_t       *jwks;
    iam_source_t      src;
    iam_json_path_t   path;

    before = diags->nitems;

    doc = iam_json_load_buffer(name, text, len, diags);
    if (doc == NULL) {
        return NULL;
    }

    memset(&src, 0, sizeof(iam_source_t));
    src.file = name;
    src.text = text;
    src.len = len;
    path.nelts = 0;

    jwks = NULL;
    keys = json_object_get(doc, "keys");

    if (!json_is_array(keys)) {
        iam_report(diags, &src, &path, "a JWK set must be an object with a "
                   "\"keys\" array");
        goto failed;
    }

    if (json_array_size(keys) > IAM_JWKS_MAX_KEYS) {
        iam_json_path_push_key(&path, "keys");
        iam_report(diags, &src, &path, "more than %d keys",
                   IAM_JWKS_MAX_KEYS);
        goto failed;
    }

    jwks = iam_calloc(1, sizeof(iam_jwks_t));
    if (jwks == NULL) {
        goto nomem;
    }

    jwks->keys = iam_calloc(json_array_size(keys) + 1, sizeof(iam_jwk_t));
    if (jwks->keys == NULL) {
        goto nomem;
    }

    iam_json_path_push_key(&path, "keys");

    json_array_foreach(keys, i, k) {
        iam_json_path_push_index(&path, i);

        rc = iam_jwk_parse(k, &key, err, sizeof(err));

        if (rc == IAM_ERROR) {
            iam_report(diags, &src, &path, "%s", err);

        } else if (rc == IAM_OK) {
            for (j = 0; j < jwks->nkeys; j++) {
                if (key.kid.len && iam_str_eq(jwks->keys[j].kid, key.kid)) {
                    iam_report(diags, &src, &path, "duplicate kid \"%.*s\"",
                               (int) key.kid.len, key.kid.data);
                    break;
                }
            }

            if (key.kid.len) {
                key.kid.data = strndup(key.kid.data, key.kid.len);
                if (key.kid.data == NULL) {
                    iam_jwk_free(&key);
                    goto nomem;
                }
            }

            jwks->keys[jwks->nkeys++] = key;
        }

        /* IAM_DECLINED: a kty or curve not for us, skipped (RFC 7517 §5) */

        iam_json_path_pop(&path);
    }

    if (diags->nitems != before) {
        goto failed;
    }

    if (jwks->nkeys == 0) {
        path.nelts = 0;
        iam_report(diags, &src, &path, "no usable signature verification "
                   "key in the set");
        goto failed;
    }

    json_decref(doc);

    return jwks;

nomem:

    iam_diags_add(diags, name, 0, 0, "out of memory");

failed:

    json_decref(doc);
    iam_jwks_free(jwks);

    return NULL;
}


void
iam_jwks_free(iam_jwks_t *jwks)
{
    size_t  i;

    if (jwks == NULL) {
        return;
    }

    for (i = 0; i < jwks->nkeys; i++) {
        iam_jwk_free(&jwks->keys[i]);
        free((char *) jwks->keys[i].kid.data);
    }

    free(jwks->keys);
    free(jwks);
}


const iam_jwk_t *
iam_jwks_find(const iam_jwks_t *jwks, iam_str_t kid, iam_jws_alg_e alg)
{
    size_t            i;
    const iam_jwk_t  *found;

    if (jwks == NULL) {
        return NULL;
    }

    if (kid.len) {
        for (i = 0; i < jwks->nkeys; i++) {
            if (iam_str_eq(jwks->keys[i].kid, kid)) {
                return iam_jwk_fits(&jwks->keys[i], alg) ? &jwks->keys[i]
                                                         : NULL;
            }
        }

        return NULL;
    }

    found = NULL;

    for (i = 0; i < jwks->nkeys; i++) {
        if (iam_jwk_fits(&jwks->keys[i], alg)) {
            if (found) {
                return NULL;
            }

            found = &jwks->keys[i];
        }
    }

    return found;
}
