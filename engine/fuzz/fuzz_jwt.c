/*
 * libFuzzer target: a token (the whole check, against the fixtures' JWKS
 * and an inline one) and, from the same bytes, a JWK set.  Anything may be
 * refused; nothing may crash, leak or read out of bounds.
 *
 *   make fuzz FUZZ=jwt  (build/fuzz/fuzz_jwt engine/tests/jwt -max_len=9000)
 */

#include <stdlib.h>
#include <iam/iam_jwt.h>


static iam_jwks_t  *jwks;


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    iam_diags_t  diags;

    iam_diags_init(&diags);
    jwks = iam_jwks_load_file("engine/tests/jwt/jwks.json", &diags);
    iam_diags_free(&diags);

    return 0;
}


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char             err[256];
    iam_str_t        iss, aud;
    iam_jwt_t        jwt;
    iam_jwks_t      *set;
    iam_diags_t      diags;
    iam_jwt_conf_t   conf;

    iam_jwt_conf_init(&conf);
    conf.typ = "JWT";
    iam_str_set(&iss, "https://token.actions.githubusercontent.com");
    iam_str_set(&aud, "sts.amazonaws.com");

    if (iam_jwt_parse(&conf, (const char *) data, size, &jwt, err,
                      sizeof(err))
        == IAM_OK
        && iam_jws_verify(&jwt.jws, iam_jwks_find(jwks, jwt.jws.kid,
                                                  jwt.jws.alg),
                          err, sizeof(err))
           == IAM_OK)
    {
        (void) iam_jwt_validate(&conf, &jwt, iss, &aud, 1, 1767225600, 3600,
                                err, sizeof(err));
    }

    iam_jwt_free(&jwt);

    iam_diags_init(&diags);
    set = iam_jwks_load_buffer("<fuzz>", (const char *) data, size, &diags);
    iam_jwks_free(set);
    iam_diags_free(&diags);

    return 0;
}
