/*
 * JWTs made by npm jose (t/clients/jwt.mjs fixtures, at a fixed clock):
 * every algorithm, the claim checks and the known attacks, each with the
 * reason expected; invalid JWK sets with their FILE:LINE:COLUMN message;
 * strict base64url; the verified-token cache.
 */

#include <iam/iam_jwt.h>
#include <iam/iam_base64url.h>
#include "tap.h"


#define NOW      1767225600
#define ISSUER   "https://token.actions.githubusercontent.com"
#define MAX_AGE  3600


typedef struct {
    const char  *file;
    const char  *want;      /* a part of the first diagnostic */
} invalid_jwks_t;


static const invalid_jwks_t  invalid_jwks[] = {
    { "jwt/invalid/duplicate-kid.json",
      "jwt/invalid/duplicate-kid.json:4:5: keys[1]: duplicate kid \"RS256\"" },
    { "jwt/invalid/private-key.json",
      "jwt/invalid/private-key.json:3:5: keys[0]: private or symmetric key "
      "material (\"d\")" },
    { "jwt/invalid/symmetric.json",
      "jwt/invalid/symmetric.json:3:5: keys[0]: private or symmetric key "
      "material (\"k\")" },
    { "jwt/invalid/duplicate-member.json",
      "jwt/invalid/duplicate-member.json:3:50: duplicate object key near "
      "'\"x\"'" },
    { "jwt/invalid/alg-mismatch.json",
      "keys[0]: \"alg\" \"RS256\" does not fit the key's type or curve" },
    { "jwt/invalid/off-curve.json",
      "keys[0]: the P-256 point is not on the curve" },
    { "jwt/invalid/no-usable-key.json",
      "no usable signature verification key in the set" },
    { "jwt/invalid/syntax.json",
      "jwt/invalid/syntax.json:1:13:" },
    { "jwt/invalid/leading-zero.json",
      "keys[0]: RSA \"n\" and \"e\" must not have leading zero octets" },
};


static iam_jwks_t  *jwks;


/* the whole check, as the nginx glue does it: "ok" or the reason */
static const char *
check(const char *token, char *err, size_t errlen)
{
    int               rc;
    iam_str_t         aud, issuer;
    iam_jwt_t         jwt;
    iam_jwt_conf_t    conf;
    const iam_jwk_t  *key;

    iam_jwt_conf_init(&conf);
    conf.typ = "JWT";

    iam_str_set(&aud, "sts.amazonaws.com");
    iam_str_set(&issuer, ISSUER);

    rc = iam_jwt_parse(&conf, token, strlen(token), &jwt, err, errlen);

    if (rc == IAM_OK) {
        key = iam_jwks_find(jwks, jwt.jws.kid, jwt.jws.alg);

        if (key == NULL) {
            snprintf(err, errlen, "no key for kid \"%.*s\" and alg %s",
                     (int) jwt.jws.kid.len, jwt.jws.kid.data,
                     iam_jws_alg_name(jwt.jws.alg));
            rc = IAM_ERROR;

        } else {
            rc = iam_jws_verify(&jwt.jws, key, err, errlen);
        }
    }

    if (rc == IAM_OK) {
        rc = iam_jwt_validate(&conf, &jwt, issuer, &aud, 1, NOW, MAX_AGE,
                              err, errlen);
    }

    iam_jwt_free(&jwt);

    if (rc == IAM_OK) {
        snprintf(err, errlen, "ok");
    }

    return err;
}


static void
test_tokens(void)
{
    char          err[256];
    size_t        i;
    json_t       *cases, *c;
    const char   *got, *want;
    iam_diags_t   diags;

    iam_diags_init(&diags);
    jwks = iam_jwks_load_file("jwt/jwks.json", &diags);

    if (!ok(jwks != NULL && jwks->nkeys == 10,
            "jose's JWKS loads: ten keys, one per alg"))
    {
        if (diags.nitems) {
            printf("#   %s\n", diags.items[0].message);
        }
        iam_diags_free(&diags);
        return;
    }

    cases = json_load_file("jwt/tokens.json", 0, NULL);
    ok(json_array_size(cases) > 40, "jose's tokens load");

    json_array_foreach(cases, i, c) {
        want = json_string_value(json_object_get(c, "expect"));
        got = check(json_string_value(json_object_get(c, "token")), err,
                    sizeof(err));

        if (strcmp(want, "ok") == 0) {
            is_str(got, "ok", "%s: accepted",
                   json_string_value(json_object_get(c, "name")));

        } else if (!ok(strstr(got, want) != NULL, "%s: refused (%s)",
                       json_string_value(json_object_get(c, "name")), got))
        {
            printf("#   want: '%s'\n", want);
        }
    }

    json_decref(cases);
    iam_diags_free(&diags);
}


static void
test_jwks_invalid(void)
{
    char          buf[1024];
    size_t        i;
    iam_diags_t   diags;
    iam_jwks_t   *set;

    for (i = 0; i < sizeof(invalid_jwks) / sizeof(invalid_jwks[0]); i++) {
        iam_diags_init(&diags);
        set = iam_jwks_load_file(invalid_jwks[i].file, &diags);

        buf[0] = '\0';
        if (diags.nitems) {
            iam_diag_format(&diags.items[0], buf, sizeof(buf));
        }

        if (!ok(set == NULL && strstr(buf, invalid_jwks[i].want),
                "%s refused", invalid_jwks[i].file))
        {
            printf("#   got: '%s'\n#  want: '%s'\n", buf,
                   invalid_jwks[i].want);
        }

        iam_jwks_free(set);
        iam_diags_free(&diags);
    }
}


static void
test_find(void)
{
    iam_str_t         kid, none;
    iam_jwks_t        one;
    const iam_jwk_t  *k;

    none.len = 0;
    none.data = NULL;

    iam_str_set(&kid, "ES384");
    k = iam_jwks_find(jwks, kid, IAM_JWS_ES384);
    ok(k && k->curve == NID_secp384r1, "kid ES384 finds the P-384 key");
    ok(iam_jwks_find(jwks, kid, IAM_JWS_ES256) == NULL,
       "but not for ES256");
    k = iam_jwks_find(jwks, none, IAM_JWS_RS256);
    ok(k && iam_str_eq_cstr(k->kid, "RS256"),
       "no kid: the one key whose alg is RS256 (the PS* keys are RSA too)");

    one.keys = &jwks->keys[0];
    one.nkeys = 1;
    ok(iam_jwks_find(&one, none, jwks->keys[0].alg) == &jwks->keys[0],
       "no kid, one key fitting: that key");
    ok(iam_jwks_find(&one, none, IAM_JWS_EDDSA) == NULL,
       "no kid, no key fitting: none");
}


static void
test_base64url(void)
{
    size_t         n;
    unsigned char  out[16];

    ok(iam_base64url_decode("Zm9v", 4, out, &n) == IAM_OK && n == 3
       && memcmp(out, "foo", 3) == 0, "Zm9v is foo");
    ok(iam_base64url_decode("Zm8", 3, out, &n) == IAM_OK && n == 2
       && memcmp(out, "fo", 2) == 0, "Zm8 is fo");
    ok(iam_base64url_decode("Zg", 2, out, &n) == IAM_OK && n == 1
       && out[0] == 'f', "Zg is f");
    ok(iam_base64url_decode("", 0, out, &n) == IAM_OK && n == 0,
       "empty is empty");
    ok(iam_base64url_decode("_-8", 3, out, &n) == IAM_OK && n == 2
       && out[0] == 0xff && out[1] == 0xef, "URL alphabet");
    ok(iam_base64url_decode("Zh", 2, out, &n) == IAM_ERROR,
       "unused bits set refused");
    ok(iam_base64url_decode("Zm9", 3, out, &n) == IAM_ERROR,
       "unused bits set refused (two bytes)");
    ok(iam_base64url_decode("Zg==", 4, out, &n) == IAM_ERROR,
       "padding refused");
    ok(iam_base64url_decode("Z", 1, out, &n) == IAM_ERROR,
       "one character refused");
    ok(iam_base64url_decode("Zm9v+A", 6, out, &n) == IAM_ERROR,
       "standard alphabet refused");
    ok(iam_base64url_decode("Zm 9v", 5, out, &n) == IAM_ERROR,
       "whitespace refused");
}


static void
test_cache(void)
{
    json_t            *claims;
    iam_jwt_cache_t   *cache;
    unsigned char      d[5][32];
    const iam_jwt_cache_entry_t  *e;

    cache = iam_jwt_cache_create(4);    /* one bucket of four */
    claims = json_pack("{s:s}", "sub", "x");

    iam_jwt_cache_digest("a", 1, d[0]);
    iam_jwt_cache_digest("b", 1, d[1]);
    iam_jwt_cache_digest("c", 1, d[2]);
    iam_jwt_cache_digest("d", 1, d[3]);
    iam_jwt_cache_digest("e", 1, d[4]);

    ok(iam_jwt_cache_get(cache, d[0], NOW) == NULL, "empty cache misses");

    iam_jwt_cache_put(cache, d[0], NOW + 100, 7, 1, claims, NOW);
    e = iam_jwt_cache_get(cache, d[0], NOW);
    ok(e && e->claims == claims && e->generation == 7 && e->tag == 1,
       "a put token is found with its generation and tag");
    ok(iam_jwt_cache_get(cache, d[0], NOW + 100) == NULL,
       "not at its expiry");

    iam_jwt_cache_put(cache, d[1], NOW + 50, 7, 1, claims, NOW);
    iam_jwt_cache_put(cache, d[2], NOW + 300, 7, 1, claims, NOW);
    iam_jwt_cache_put(cache, d[3], NOW + 400, 7, 1, claims, NOW);
    iam_jwt_cache_put(cache, d[0], NOW + 100, 8, 1, claims, NOW);
    is_int(iam_jwt_cache_count(cache, NOW), 4, "same token replaces itself");

    iam_jwt_cache_put(cache, d[4], NOW + 500, 7, 1, claims, NOW);
    is_int(iam_jwt_cache_count(cache, NOW), 4, "bounded at four");
    ok(iam_jwt_cache_get(cache, d[1], NOW) == NULL
       && iam_jwt_cache_get(cache, d[4], NOW) != NULL,
       "the one expiring first made room");

    iam_jwt_cache_free(cache);
    is_int(claims->refcount, 1, "the cache let go of every claims ref");
    json_decref(claims);
}


int
main(void)
{
    test_base64url();
    test_tokens();

    if (jwks) {
        test_find();
    }

    test_jwks_invalid();
    test_cache();

    iam_jwks_free(jwks);

    return tap_done();
}
