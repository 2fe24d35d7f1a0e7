/*
 * Project Wycheproof's vectors through the JWK loader and the JWS verifier:
 * json_web_signature, json_web_key, ECDSA P1363 (P-256/384/521), RSA PKCS#1
 * v1.5 and PSS, Ed25519.  Every vector's verdict is checked: "valid" must
 * verify, "invalid" must be refused, "acceptable" may go either way.
 *
 * Where this verifier refuses by design what a vector calls valid, the test
 * says so and checks the reason, never skips:
 *   - HMAC (HS256/384/512, "oct" keys): public-key signatures only (RFC 8725
 *     §3.1, the RS/HS confusion);
 *   - RFC 7520 examples whose JWK declares another "alg" than the token
 *     (PS256 key, PS384 token; "ES521"): one key, one algorithm.  The same
 *     token must verify once the key's "alg" is removed, so the signature
 *     itself is honoured.
 */

#include <iam/iam_jwt.h>
#include <iam/iam_base64url.h>
#include "tap.h"


static char          path_buf[4096];
static unsigned      by_design;


static json_t *
load(const char *name)
{
    json_t        *doc;
    const char    *dir;
    json_error_t   err;

    dir = getenv("IAM_TESTDATA");
    snprintf(path_buf, sizeof(path_buf), "%s/wycheproof/%s",
             dir ? dir : "../../../shared/testdata", name);

    doc = json_load_file(path_buf, 0, &err);
    if (doc == NULL) {
        printf("# cannot load %s: %s\n", path_buf, err.text);
    }

    return doc;
}


static unsigned char *
hex(const char *s, size_t *len)
{
    size_t          i, n;
    unsigned int    b;
    unsigned char  *out;

    n = strlen(s) / 2;
    out = malloc(n + 1);

    for (i = 0; i < n; i++) {
        sscanf(s + 2 * i, "%2x", &b);
        out[i] = (unsigned char) b;
    }

    *len = n;

    return out;
}


static int
expect(const json_t *t, int accepted)
{
    const char  *result;

    result = json_string_value(json_object_get(t, "result"));

    if (strcmp(result, "acceptable") == 0) {
        return 1;
    }

    return accepted == (strcmp(result, "valid") == 0);
}


/* a compact JWS against one JWK: 1 accepted, 0 refused (reason in err) */
static int
verify_token(const char *token, const iam_jwk_t *key, char *err,
    size_t errlen)
{
    int              rc;
    iam_jws_t        jws;
    iam_jwt_conf_t   conf;

    iam_jwt_conf_init(&conf);

    if (iam_jws_parse(&conf, token, strlen(token), &jws, err, errlen)
        != IAM_OK)
    {
        iam_jws_free(&jws);
        return 0;
    }

    rc = (iam_jws_verify(&jws, key, err, errlen) == IAM_OK);
    iam_jws_free(&jws);

    return rc;
}


static void
test_jws_file(void)
{
    int            accepted, rc, rc2, hmac;
    char           err[256], err2[256];
    size_t         g, i;
    json_t        *doc, *group, *t, *pub, *priv, *stripped;
    iam_jwk_t      key, key2;
    const char    *token, *alg;
    long long      id;

    doc = load("json_web_signature_test.json");
    if (!ok(doc != NULL, "json_web_signature_test.json loads")) {
        return;
    }

    json_array_foreach(json_object_get(doc, "testGroups"), g, group) {
        pub = json_object_get(group, "public");
        priv = json_object_get(group, "private");

        rc = IAM_ERROR;
        err[0] = '\0';
        hmac = 0;

        if (json_is_object(pub)) {
            rc = iam_jwk_parse(pub, &key, err, sizeof(err));

        } else {
            /* only "oct" (HMAC) groups come without a public key */
            alg = json_string_value(json_object_get(priv, "alg"));
            hmac = alg && strncmp(alg, "HS", 2) == 0;
            rc = iam_jwk_parse(priv, &key, err, sizeof(err));

            ok(hmac && rc == IAM_ERROR && strstr(err, "symmetric"),
               "JWS group %zu: the HMAC key is refused (%s)", g, err);
            rc = IAM_ERROR;
        }

        json_array_foreach(json_object_get(group, "tests"), i, t) {
            token = json_string_value(json_object_get(t, "jws"));
            id = json_integer_value(json_object_get(t, "tcId"));

            if (token == NULL) {
                /* tcId 17: the JSON serialization, not a string here */
                token = "";
            }

            accepted = (rc == IAM_OK)
                       && verify_token(token, &key, err, sizeof(err));

            if (hmac) {
                /* the parser's own reason: alg, base64url, structure */
                accepted = verify_token(token, NULL, err, sizeof(err));

                ok(!accepted, "JWS tcId %lld (%s, expected %s): refused, "
                   "HMAC is not accepted by design: %s", id,
                   json_string_value(json_object_get(t, "comment")),
                   json_string_value(json_object_get(t, "result")), err);

                if (strcmp(json_string_value(json_object_get(t, "result")),
                           "valid") == 0)
                {
                    by_design++;
                }

                continue;
            }

            if (!accepted && json_is_object(pub)
                && json_object_get(pub, "alg")
                && strcmp(json_string_value(json_object_get(t, "result")),
                          "valid") == 0)
            {
                /* one key, one algorithm: the key names another alg */
                stripped = json_deep_copy(pub);
                json_object_del(stripped, "alg");

                rc2 = iam_jwk_parse(stripped, &key2, err2, sizeof(err2));

                ok(rc2 == IAM_OK && verify_token(token, &key2, err2,
                                                sizeof(err2)),
                   "JWS tcId %lld (%s, valid): refused by design (%s; key "
                   "alg %s), and verifies with the key's alg removed", id,
                   json_string_value(json_object_get(t, "comment")), err,
                   json_string_value(json_object_get(pub, "alg")));

                if (rc2 == IAM_OK) {
                    iam_jwk_free(&key2);
                }

                json_decref(stripped);
                by_design++;
                continue;
            }

            ok(expect(t, accepted), "JWS tcId %lld (%s): %s, expected %s%s%s",
               id, json_string_value(json_object_get(t, "comment")),
               accepted ? "accepted" : "refused",
               json_string_value(json_object_get(t, "result")),
               accepted ? "" : ": ", accepted ? "" : err);
        }

        if (rc == IAM_OK) {
            iam_jwk_free(&key);
        }
    }

    json_decref(doc);
}


static void
test_jwk_file(void)
{
    int             accepted, hmac;
    char            err[256], *text;
    size_t          g, i;
    json_t         *doc, *group, *t, *set, *k;
    iam_jws_t       jws;
    iam_jwks_t     *jwks;
    iam_diags_t     diags;
    iam_jwt_conf_t  conf;
    const char     *token, *result, *alg;
    long long       id;

    doc = load("json_web_key_test.json");
    if (!ok(doc != NULL, "json_web_key_test.json loads")) {
        return;
    }

    iam_jwt_conf_init(&conf);

    json_array_foreach(json_object_get(doc, "testGroups"), g, group) {
        set = json_object_get(group, "public");
        hmac = 0;

        if (!json_is_object(set)) {
            set = json_object_get(group, "private");

            /* private sets here are symmetric or mixed: HMAC keys */
            json_array_foreach(json_object_get(set, "keys"), i, k) {
                alg = json_string_value(json_object_get(k, "alg"));
                if (json_object_get(k, "k")
                    || (alg && strncmp(alg, "HS", 2) == 0))
                {
                    hmac = 1;
                }
            }
        }

        text = json_dumps(set, 0);
        iam_diags_init(&diags);
        jwks = iam_jwks_load_buffer("<jwks>", text, strlen(text), &diags);
        free(text);

        snprintf(err, sizeof(err), "%s",
                 diags.nitems ? diags.items[0].message : "");
        iam_diags_free(&diags);

        json_array_foreach(json_object_get(group, "tests"), i, t) {
            token = json_string_value(json_object_get(t, "jws"));
            result = json_string_value(json_object_get(t, "result"));
            id = json_integer_value(json_object_get(t, "tcId"));
            accepted = 0;

            if (jwks
                && iam_jws_parse(&conf, token, strlen(token), &jws, err,
                                 sizeof(err)) == IAM_OK)
            {
                accepted = iam_jws_verify(&jws,
                                          iam_jwks_find(jwks, jws.kid,
                                                        jws.alg),
                                          err, sizeof(err))
                           == IAM_OK;
            }

            iam_jws_free(&jws);

            if (hmac) {
                ok(!accepted && jwks == NULL,
                   "JWK tcId %lld (%s, expected %s): set with HMAC keys "
                   "refused by design: %s", id,
                   json_string_value(json_object_get(t, "comment")), result,
                   err);

                if (strcmp(result, "valid") == 0) {
                    by_design++;
                }

                continue;
            }

            ok(expect(t, accepted), "JWK tcId %lld (%s): %s, expected %s%s%s",
               id, json_string_value(json_object_get(t, "comment")),
               accepted ? "accepted" : "refused", result,
               accepted ? "" : ": ", accepted ? "" : err);
        }

        iam_jwks_free(jwks);
    }

    json_decref(doc);
}


/* a JWK for a group of the primitive files, made from its raw point */
static json_t *
ec_jwk(const json_t *group)
{
    char            x[128], y[128];
    size_t          len, size, i;
    json_t         *jwk;
    const char     *crv, *curve;
    unsigned char  *pt;

    jwk = json_object_get(group, "publicKeyJwk");
    if (jwk) {
        return json_incref(jwk);
    }

    curve = json_string_value(json_object_get(json_object_get(group,
                                                   "publicKey"), "curve"));
    crv = strcmp(curve, "secp256r1") == 0 ? "P-256"
          : strcmp(curve, "secp384r1") == 0 ? "P-384" : "P-521";

    pt = hex(json_string_value(json_object_get(json_object_get(group,
                                   "publicKey"), "uncompressed")), &len);
    size = (len - 1) / 2;

    /* base64url by OpenSSL, then the URL alphabet without padding */
    EVP_EncodeBlock((unsigned char *) x, pt + 1, (int) size);
    EVP_EncodeBlock((unsigned char *) y, pt + 1 + size, (int) size);
    free(pt);

    for (i = 0; x[i]; i++) {
        x[i] = x[i] == '+' ? '-' : x[i] == '/' ? '_' : x[i] == '=' ? 0 : x[i];
    }

    for (i = 0; y[i]; i++) {
        y[i] = y[i] == '+' ? '-' : y[i] == '/' ? '_' : y[i] == '=' ? 0 : y[i];
    }

    return json_pack("{s:s, s:s, s:s, s:s}", "kty", "EC", "crv", crv,
                     "x", x, "y", y);
}


static void
test_primitive(const char *file, iam_jws_alg_e alg, const char *jwk_member)
{
    int             rc, accepted, groups_ok;
    char            err[256];
    size_t          g, i, n;
    json_t         *doc, *group, *t, *jwk;
    iam_jws_t       jws;
    iam_jwk_t       key;
    unsigned        checked, failed;
    unsigned char  *msg;

    doc = load(file);
    if (!ok(doc != NULL, "%s loads", file)) {
        return;
    }

    checked = 0;
    failed = 0;
    groups_ok = 1;

    json_array_foreach(json_object_get(doc, "testGroups"), g, group) {
        jwk = (alg >= IAM_JWS_ES256 && alg <= IAM_JWS_ES512)
              ? ec_jwk(group)
              : json_incref(json_object_get(group, jwk_member));

        rc = iam_jwk_parse(jwk, &key, err, sizeof(err));
        json_decref(jwk);

        if (rc != IAM_OK) {
            groups_ok = 0;
            printf("# %s group %zu: key refused: %s\n", file, g, err);
        }

        json_array_foreach(json_object_get(group, "tests"), i, t) {
            memset(&jws, 0, sizeof(iam_jws_t));
            jws.alg = alg;

            msg = hex(json_string_value(json_object_get(t, "msg")), &n);
            jws.signing_input.data = (char *) msg;
            jws.signing_input.len = n;
            jws.signature = hex(json_string_value(json_object_get(t, "sig")),
                                &jws.signature_len);

            accepted = rc == IAM_OK
                       && iam_jws_verify(&jws, &key, err, sizeof(err))
                          == IAM_OK;

            checked++;

            if (!expect(t, accepted)) {
                failed++;
                printf("# %s tcId %lld (%s): %s, expected %s\n", file,
                       json_integer_value(json_object_get(t, "tcId")),
                       json_string_value(json_object_get(t, "comment")),
                       accepted ? "accepted" : "refused",
                       json_string_value(json_object_get(t, "result")));
            }

            free(msg);
            free(jws.signature);
        }

        if (rc == IAM_OK) {
            iam_jwk_free(&key);
        }
    }

    ok(groups_ok, "%s: every group's key loads as a JWK", file);
    ok(checked == json_integer_value(json_object_get(doc, "numberOfTests"))
       && failed == 0, "%s: %u of %u verdicts honoured", file,
       checked - failed, checked);

    json_decref(doc);
}


int
main(void)
{
    test_jws_file();
    test_jwk_file();

    test_primitive("ecdsa_secp256r1_sha256_p1363_test.json", IAM_JWS_ES256,
                   NULL);
    test_primitive("ecdsa_secp384r1_sha384_p1363_test.json", IAM_JWS_ES384,
                   NULL);
    test_primitive("ecdsa_secp521r1_sha512_p1363_test.json", IAM_JWS_ES512,
                   NULL);
    test_primitive("rsa_signature_2048_sha256_test.json", IAM_JWS_RS256,
                   "keyJwk");
    test_primitive("rsa_pss_2048_sha256_mgf1_32_test.json", IAM_JWS_PS256,
                   "publicKeyJwk");
    test_primitive("ed25519_test.json", IAM_JWS_EDDSA, "publicKeyJwk");

    /* hmac_sha256_test.json: HMAC is refused by design, see above */
    printf("# %u vectors valid for HMAC or a key of another alg are "
           "refused by design\n", by_design);

    return tap_done();
}
