/*
 * JWT verification cost per algorithm: a cold token (parse, key lookup,
 * signature, claims) against a cached one (SHA-256 of the token and a
 * cache probe), with the tokens npm jose signed for the unit tests.
 *
 *   build/bench_jwt [engine/tests/jwt]
 */

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <iam/iam_jwt.h>


#define BENCH_NOW       1767225600      /* the fixtures' clock */
#define BENCH_SECONDS   0.3


static double
now_seconds(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec + ts.tv_nsec / 1e9;
}


static int
check(const iam_jwks_t *jwks, const char *token, size_t len)
{
    int              rc;
    char             err[256];
    iam_str_t        iss, aud;
    iam_jwt_t        jwt;
    iam_jwt_conf_t   conf;

    iam_jwt_conf_init(&conf);
    iam_str_set(&iss, "https://token.actions.githubusercontent.com");
    iam_str_set(&aud, "sts.amazonaws.com");

    rc = iam_jwt_parse(&conf, token, len, &jwt, err, sizeof(err));

    if (rc == IAM_OK) {
        rc = iam_jws_verify(&jwt.jws,
                            iam_jwks_find(jwks, jwt.jws.kid, jwt.jws.alg),
                            err, sizeof(err));
    }

    if (rc == IAM_OK) {
        rc = iam_jwt_validate(&conf, &jwt, iss, &aud, 1, BENCH_NOW, 3600,
                              err, sizeof(err));
    }

    iam_jwt_free(&jwt);

    return rc;
}


int
main(int argc, char **argv)
{
    char              path[4096];
    size_t            i, n, len;
    json_t           *cases, *c, *claims;
    double            start, cold, warm;
    iam_jwks_t       *jwks;
    iam_diags_t       diags;
    const char       *dir, *name, *token;
    unsigned char     digest[32];
    iam_jwt_cache_t  *cache;

    dir = argc > 1 ? argv[1] : "engine/tests/jwt";

    iam_diags_init(&diags);
    snprintf(path, sizeof(path), "%s/jwks.json", dir);
    jwks = iam_jwks_load_file(path, &diags);

    snprintf(path, sizeof(path), "%s/tokens.json", dir);
    cases = json_load_file(path, 0, NULL);

    if (jwks == NULL || cases == NULL) {
        fprintf(stderr, "bench_jwt: cannot load %s\n", dir);
        return 1;
    }

    cache = iam_jwt_cache_create(1000);
    claims = json_object();

    printf("%-6s %14s %14s\n", "alg", "cold (verify)", "warm (cached)");

    json_array_foreach(cases, i, c) {
        name = json_string_value(json_object_get(c, "name"));

        if (strncmp(name, "valid ", 6) != 0) {
            continue;
        }

        token = json_string_value(json_object_get(c, "token"));
        len = strlen(token);

        if (check(jwks, token, len) != IAM_OK) {
            fprintf(stderr, "bench_jwt: %s does not verify\n", name);
            return 1;
        }

        start = now_seconds();
        for (n = 0; now_seconds() - start < BENCH_SECONDS; n++) {
            check(jwks, token, len);
        }
        cold = (now_seconds() - start) / n;

        iam_jwt_cache_digest(token, len, digest);
        iam_jwt_cache_put(cache, digest, BENCH_NOW + 300, 0, 0, claims,
                          BENCH_NOW);

        start = now_seconds();
        for (n = 0; now_seconds() - start < BENCH_SECONDS; n++) {
            iam_jwt_cache_digest(token, len, digest);
            if (iam_jwt_cache_get(cache, digest, BENCH_NOW) == NULL) {
                return 1;
            }
        }
        warm = (now_seconds() - start) / n;

        printf("%-6s %11.1f us %11.2f us   (%.0f/s cold, %.0f/s warm)\n",
               name + 6, cold * 1e6, warm * 1e6, 1 / cold, 1 / warm);
    }

    iam_jwt_cache_free(cache);
    json_decref(claims);
    json_decref(cases);
    iam_jwks_free(jwks);
    iam_diags_free(&diags);

    return 0;
}
