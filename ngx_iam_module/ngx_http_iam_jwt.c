
/*
 * ngx_iam: OIDC JWTs, AssumeRoleWithWebIdentity at the edge.
 *
 * A request's bearer token is verified against the JWKS of its issuer (an
 * iam_oidc_provider), the role it asks for (a header, or the location's
 * iam_role) must trust that provider for sts:AssumeRoleWithWebIdentity
 * with the token's claims as <issuer>:sub, :aud, :amr ... condition keys,
 * and the request then runs as the role session
 * arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION.
 *
 * Each worker keeps its own JWKS copies (re-read when the file changes,
 * checked at most once a second, and at most once per refresh interval for
 * a token whose kid is unknown) and a bounded cache of verified tokens.
 */


#include "ngx_http_iam_module.h"
#include <iam/iam_jwks.h>
#include <iam/iam_jwt.h>
#include <iam/iam_session.h>


#define NGX_HTTP_IAM_JWT_ERRLEN         256
#define NGX_HTTP_IAM_JWT_CLAIM_VALUES   16
#define NGX_HTTP_IAM_JWT_TAGS_CLAIM     "https://aws.amazon.com/tags"


typedef struct {
    ngx_str_t                   issuer;
    ngx_str_t                   jwks_file;
    iam_str_t                  *audiences;
    ngx_uint_t                  naudiences;
    const char                 *typ;
    time_t                      refresh;

    iam_str_t                   iss;        /* the issuer, for the engine */
    iam_str_t                   prefix;     /* the issuer without https:// */
    iam_str_t                   arn;        /* arn:aws:iam::A:oidc-provider/P */
    iam_principal_t             principal;

    /* per worker */
    iam_jwks_t                 *jwks;
    uint64_t                    generation;
    time_t                      checked;    /* last stat() */
    time_t                      forced;     /* last unknown-kid re-read */
    time_t                      mtime;
    off_t                       size;
    ngx_file_uniq_t             uniq;
} ngx_http_iam_oidc_provider_t;


/* what one request's token gave: the claims and their condition keys */
typedef struct {
    json_t                         *claims;
    ngx_http_iam_oidc_provider_t   *provider;
    iam_context_entry_t            *keys;
    ngx_uint_t                      nkeys;
} ngx_http_iam_jwt_request_t;


static ngx_int_t ngx_http_iam_jwt_token(ngx_http_request_t *r,
    ngx_http_iam_loc_conf_t *ilcf, ngx_str_t *token);
static ngx_int_t ngx_http_iam_jwt_sigv4_present(ngx_http_request_t *r);
static ngx_int_t ngx_http_iam_jwt_verify(ngx_http_request_t *r,
    ngx_http_iam_main_conf_t *imcf, ngx_str_t *token,
    ngx_http_iam_jwt_request_t *jr, time_t max_age, char *err);
static ngx_http_iam_oidc_provider_t *ngx_http_iam_jwt_provider(
    ngx_http_iam_main_conf_t *imcf, iam_str_t iss);
static void ngx_http_iam_jwt_refresh(ngx_log_t *log,
    ngx_http_iam_oidc_provider_t *p, ngx_uint_t force);
static ngx_int_t ngx_http_iam_jwt_times(ngx_http_iam_main_conf_t *imcf,
    json_t *claims, time_t max_age, char *err);
static ngx_int_t ngx_http_iam_jwt_claim_keys(ngx_http_request_t *r,
    ngx_http_iam_jwt_request_t *jr);
static const iam_role_t *ngx_http_iam_jwt_role(ngx_http_request_t *r,
    ngx_http_iam_main_conf_t *imcf, ngx_http_iam_loc_conf_t *ilcf);
static ngx_int_t ngx_http_iam_jwt_trust(ngx_http_request_t *r,
    ngx_http_iam_main_conf_t *imcf, const iam_role_t *role,
    ngx_http_iam_jwt_request_t *jr, ngx_http_iam_ctx_t *ctx);
static ngx_int_t ngx_http_iam_jwt_session(ngx_http_request_t *r,
    ngx_http_iam_main_conf_t *imcf, ngx_http_iam_loc_conf_t *ilcf,
    const iam_role_t *role, ngx_http_iam_jwt_request_t *jr,
    ngx_http_iam_ctx_t *ctx);
static ngx_int_t ngx_http_iam_jwt_tags(ngx_http_request_t *r, json_t *claims,
    iam_session_params_t *params);
static void ngx_http_iam_jwt_session_name(ngx_http_request_t *r,
    json_t *claims, ngx_str_t *claim, iam_str_t *name);
static void *ngx_http_iam_jwt_alloc(void *data, size_t size);
static void ngx_http_iam_jwt_claims_cleanup(void *data);
static void ngx_http_iam_jwt_fail(ngx_http_request_t *r,
    ngx_http_iam_ctx_t *ctx, const char *err);
static void ngx_http_iam_jwks_cleanup(void *data);
static void ngx_http_iam_jwt_cache_cleanup(void *data);


/* One per worker: verified tokens by their SHA-256. */
static iam_jwt_cache_t  *ngx_http_iam_jwt_cache;

static const iam_str_t  ngx_http_iam_jwt_assume =
    iam_string("sts:AssumeRoleWithWebIdentity");
static const iam_str_t  ngx_http_iam_jwt_tag_session =
    iam_string("sts:TagSession");
static const iam_str_t  ngx_http_iam_jwt_federated =
    iam_string("aws:FederatedProvider");


ngx_int_t
ngx_http_iam_jwt_authenticate(ngx_http_request_t *r,
    ngx_http_iam_main_conf_t *imcf, ngx_http_iam_loc_conf_t *ilcf,
    ngx_http_iam_ctx_t *ctx)
{
    char                         *err;
    ngx_int_t                     rc;
    ngx_str_t                     token;
    const iam_role_t             *role;
    ngx_pool_cleanup_t           *cln;
    ngx_http_iam_jwt_request_t   *jr;

    rc = ngx_http_iam_jwt_token(r, ilcf, &token);

    if (rc != NGX_OK) {
        return rc;
    }

    if ((ilcf->auth & NGX_HTTP_IAM_AUTH_SIGV4)
        && ngx_http_iam_jwt_sigv4_present(r))
    {
        ngx_http_iam_set_error(ctx, NGX_HTTP_BAD_REQUEST, "InvalidRequest",
                               "Only one authentication mechanism is "
                               "allowed", NGX_LOG_INFO,
                               "both a bearer token and SigV4 credentials");
        return NGX_ABORT;
    }

    err = ngx_pcalloc(r->pool, NGX_HTTP_IAM_JWT_ERRLEN);
    jr = ngx_pcalloc(r->pool, sizeof(ngx_http_iam_jwt_request_t));
    cln = ngx_pool_cleanup_add(r->pool, 0);

    if (err == NULL || jr == NULL || cln == NULL) {
        return NGX_ERROR;
    }

    cln->handler = ngx_http_iam_jwt_claims_cleanup;
    cln->data = jr;

    /* the role first: its max_session_seconds bounds the token's age */

    role = ngx_http_iam_jwt_role(r, imcf, ilcf);

    if (ngx_http_iam_jwt_verify(r, imcf, &token, jr,
                                role ? role->max_session_seconds : 0, err)
        != NGX_OK)
    {
        ngx_http_iam_jwt_fail(r, ctx, err);
        return NGX_ABORT;
    }

    if (role == NULL) {
        ngx_http_iam_set_error(ctx, NGX_HTTP_FORBIDDEN, "AccessDenied",
                               "Not authorized to perform "
                               "sts:AssumeRoleWithWebIdentity",
                               NGX_LOG_ERR,
                               ilcf->role_header.len
                               ? "no role named by the role header or "
                                 "\"iam_role\" is in the account"
                               : "no \"iam_role\" for the location");
        return NGX_ABORT;
    }

    if (ngx_http_iam_jwt_claim_keys(r, jr) != NGX_OK) {
        return NGX_ERROR;
    }

    rc = ngx_http_iam_jwt_trust(r, imcf, role, jr, ctx);
    if (rc != NGX_OK) {
        return rc;
    }

    ctx->jwt = jr;

    return ngx_http_iam_jwt_session(r, imcf, ilcf, role, jr, ctx);
}


static ngx_int_t
ngx_http_iam_jwt_token(ngx_http_request_t *r, ngx_http_iam_loc_conf_t *ilcf,
    ngx_str_t *token)
{
    ngx_str_t  *h;

    if (ilcf->jwt_token) {
        if (ngx_http_complex_value(r, ilcf->jwt_token, token) != NGX_OK) {
            return NGX_ERROR;
        }

        return token->len ? NGX_OK : NGX_DECLINED;
    }

    if (r->headers_in.authorization == NULL) {
        return NGX_DECLINED;
    }

    h = &r->headers_in.authorization->value;

    /* RFC 6750 §2.1: the scheme is case-insensitive, then one space */
    if (h->len <= sizeof("Bearer ") - 1
        || ngx_strncasecmp(h->data, (u_char *) "Bearer ",
                           sizeof("Bearer ") - 1) != 0)
    {
        return NGX_DECLINED;
    }

    token->data = h->data + sizeof("Bearer ") - 1;
    token->len = h->len - (sizeof("Bearer ") - 1);

    return NGX_OK;
}


static ngx_int_t
ngx_http_iam_jwt_sigv4_present(ngx_http_request_t *r)
{
    ngx_str_t  *h, v;

    h = r->headers_in.authorization ? &r->headers_in.authorization->value
                                    : NULL;

    if (h && h->len >= 5 && ngx_strncmp(h->data, "AWS4-", 5) == 0) {
        return 1;
    }

    return ngx_http_arg(r, (u_char *) "X-Amz-Signature", 15, &v) == NGX_OK
           || ngx_http_arg(r, (u_char *) "X-Amz-Credential", 16, &v)
              == NGX_OK;
}


static ngx_int_t
ngx_http_iam_jwt_verify(ngx_http_request_t *r,
    ngx_http_iam_main_conf_t *imcf, ngx_str_t *token,
    ngx_http_iam_jwt_request_t *jr, time_t max_age, char *err)
{
    ngx_int_t                      rc;
    iam_jwt_t                      jwt;
    iam_jwt_conf_t                 conf;
    const iam_jwk_t               *key;
    unsigned char                  digest[32];
    const iam_jwt_cache_entry_t   *e;
    ngx_http_iam_oidc_provider_t  *p, *providers;

    providers = imcf->oidc_providers->elts;

    if (token->len > imcf->jwt_max_size) {
        ngx_snprintf((u_char *) err, NGX_HTTP_IAM_JWT_ERRLEN - 1,
                     "token of %uz bytes is over the limit", token->len);
        return NGX_ERROR;
    }

    iam_jwt_cache_digest((char *) token->data, token->len, digest);

    e = ngx_http_iam_jwt_cache
        ? iam_jwt_cache_get(ngx_http_iam_jwt_cache, digest, ngx_time())
        : NULL;

    if (e && e->tag < imcf->oidc_providers->nelts
        && e->generation == providers[e->tag].generation)
    {
        /* verified before: only the times can have changed their verdict */

        if (ngx_http_iam_jwt_times(imcf, e->claims, max_age, err) != NGX_OK)
        {
            return NGX_ERROR;
        }

        jr->claims = json_incref(e->claims);
        jr->provider = &providers[e->tag];

        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "iam jwt: cached");
        return NGX_OK;
    }

    iam_jwt_conf_init(&conf);
    conf.max_token = imcf->jwt_max_size;
    conf.leeway = imcf->jwt_leeway;

    if (iam_jwt_parse(&conf, (char *) token->data, token->len, &jwt, err,
                      NGX_HTTP_IAM_JWT_ERRLEN)
        != IAM_OK)
    {
        iam_jwt_free(&jwt);
        return NGX_ERROR;
    }

    rc = NGX_ERROR;

    p = ngx_http_iam_jwt_provider(imcf, jwt.iss);

    if (p == NULL) {
        ngx_snprintf((u_char *) err, NGX_HTTP_IAM_JWT_ERRLEN - 1,
                     "issuer \"%*s\" is not an \"iam_oidc_provider\"%Z",
                     ngx_min(jwt.iss.len, 128), jwt.iss.data);
        goto done;
    }

    /* the header's typ, now that the issuer's expected one is known */

    if (!iam_jws_typ_matches(&jwt.jws, p->typ)) {
        ngx_snprintf((u_char *) err, NGX_HTTP_IAM_JWT_ERRLEN - 1,
                     "header \"typ\" is not \"%s\"%Z", p->typ);
        goto done;
    }

    ngx_http_iam_jwt_refresh(r->connection->log, p, 0);

    key = iam_jwks_find(p->jwks, jwt.jws.kid, jwt.jws.alg);

    if (key == NULL && jwt.jws.kid.len) {
        /* a key rotated in since the file was read? */
        ngx_http_iam_jwt_refresh(r->connection->log, p, 1);
        key = iam_jwks_find(p->jwks, jwt.jws.kid, jwt.jws.alg);
    }

    if (key == NULL) {
        ngx_snprintf((u_char *) err, NGX_HTTP_IAM_JWT_ERRLEN - 1,
                     "no key of \"%V\" for kid \"%*s\" and alg %s%Z",
                     &p->jwks_file, ngx_min(jwt.jws.kid.len, 64),
                     jwt.jws.kid.data, iam_jws_alg_name(jwt.jws.alg));
        goto done;
    }

    if (iam_jws_verify(&jwt.jws, key, err, NGX_HTTP_IAM_JWT_ERRLEN) != IAM_OK
        || iam_jwt_validate(&conf, &jwt, p->iss, p->audiences,
                            p->naudiences, ngx_time(),
                            max_age, err, NGX_HTTP_IAM_JWT_ERRLEN)
           != IAM_OK)
    {
        goto done;
    }

    if (ngx_http_iam_jwt_cache) {
        iam_jwt_cache_put(ngx_http_iam_jwt_cache, digest, (time_t) jwt.exp,
                          p->generation, p - providers, jwt.claims,
                          ngx_time());
    }

    jr->claims = json_incref(jwt.claims);
    jr->provider = p;
    rc = NGX_OK;

done:

    iam_jwt_free(&jwt);

    return rc;
}


static ngx_http_iam_oidc_provider_t *
ngx_http_iam_jwt_provider(ngx_http_iam_main_conf_t *imcf, iam_str_t iss)
{
    ngx_uint_t                     i;
    ngx_http_iam_oidc_provider_t  *p;

    p = imcf->oidc_providers->elts;

    for (i = 0; i < imcf->oidc_providers->nelts; i++) {
        if (iss.len == p[i].issuer.len
            && ngx_memcmp(iss.data, p[i].issuer.data, iss.len) == 0)
        {
            return &p[i];
        }
    }

    return NULL;
}


/*
 * Re-reads the JWKS when its file changed: looked at once a second, or,
 * for a kid it does not know (force), at most once per refresh interval.
 * A set that does not load leaves the previous one in place.
 */
static void
ngx_http_iam_jwt_refresh(ngx_log_t *log, ngx_http_iam_oidc_provider_t *p,
    ngx_uint_t force)
{
    time_t            now;
    iam_jwks_t       *jwks;
    iam_diags_t       diags;
    ngx_file_info_t   fi;
    u_char            buf[NGX_MAX_ERROR_STR];

    now = ngx_time();

    if (force) {
        if (now - p->forced < p->refresh) {
            return;
        }

        p->forced = now;

    } else if (now == p->checked) {
        return;
    }

    p->checked = now;

    if (ngx_file_info(p->jwks_file.data, &fi) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      "iam: cannot stat JWKS \"%V\", keeping the keys read "
                      "before", &p->jwks_file);
        return;
    }

    if (ngx_file_mtime(&fi) == p->mtime && ngx_file_size(&fi) == p->size
        && ngx_file_uniq(&fi) == p->uniq)
    {
        return;
    }

    p->mtime = ngx_file_mtime(&fi);
    p->size = ngx_file_size(&fi);
    p->uniq = ngx_file_uniq(&fi);

    iam_diags_init(&diags);

    jwks = iam_jwks_load_file((char *) p->jwks_file.data, &diags);

    if (jwks == NULL) {
        if (diags.nitems) {
            iam_diag_format(&diags.items[0], (char *) buf, sizeof(buf));

        } else {
            ngx_cpystrn(buf, (u_char *) "cannot load", sizeof(buf));
        }

        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "iam: %s, keeping the keys read before", buf);
        iam_diags_free(&diags);
        return;
    }

    iam_diags_free(&diags);

    ngx_log_error(NGX_LOG_NOTICE, log, 0,
                  "iam: JWKS \"%V\" re-read: %uz keys", &p->jwks_file,
                  jwks->nkeys);

    iam_jwks_free(p->jwks);
    p->jwks = jwks;
    p->generation++;
}


/* exp, nbf, iat again for a cached token, and the role's bound on its age */
static ngx_int_t
ngx_http_iam_jwt_times(ngx_http_iam_main_conf_t *imcf, json_t *claims,
    time_t max_age, char *err)
{
    double  now, exp, iat, leeway;

    now = (double) ngx_time();
    leeway = (double) imcf->jwt_leeway;
    exp = json_number_value(json_object_get(claims, "exp"));
    iat = json_number_value(json_object_get(claims, "iat"));

    if (now >= exp + leeway) {
        ngx_cpystrn((u_char *) err, (u_char *) "token expired",
                    NGX_HTTP_IAM_JWT_ERRLEN);
        return NGX_ERROR;
    }

    if (max_age && (iat == 0 || now - iat > (double) max_age + leeway)) {
        ngx_cpystrn((u_char *) err,
                    (u_char *) "token older than the role's "
                    "max_session_seconds", NGX_HTTP_IAM_JWT_ERRLEN);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * The token's claims as condition keys, "<issuer-host[/path]>:<claim>" as
 * AWS names them (token.actions.githubusercontent.com:sub): strings,
 * arrays of strings, booleans and integers.
 */
static ngx_int_t
ngx_http_iam_jwt_claim_keys(ngx_http_request_t *r,
    ngx_http_iam_jwt_request_t *jr)
{
    u_char               *p;
    size_t                i, n;
    json_t               *v, *a;
    iam_str_t            *values;
    const char           *name;
    iam_context_entry_t  *e;
    ngx_http_iam_oidc_provider_t  *prov;

    prov = jr->provider;

    jr->keys = ngx_palloc(r->pool, NGX_HTTP_IAM_JWT_MAX_CLAIMS
                                   * sizeof(iam_context_entry_t));
    if (jr->keys == NULL) {
        return NGX_ERROR;
    }

    json_object_foreach(jr->claims, name, v) {

        if (jr->nkeys == NGX_HTTP_IAM_JWT_MAX_CLAIMS) {
            break;
        }

        n = json_is_array(v) ? ngx_min(json_array_size(v),
                                        NGX_HTTP_IAM_JWT_CLAIM_VALUES)
                             : 1;

        values = ngx_palloc(r->pool, (n ? n : 1) * sizeof(iam_str_t) + 32);
        if (values == NULL) {
            return NGX_ERROR;
        }

        e = &jr->keys[jr->nkeys];
        e->values = values;
        e->nvalues = 0;

        for (i = 0; i < n; i++) {
            a = json_is_array(v) ? json_array_get(v, i) : v;

            if (json_is_string(a)) {
                values[e->nvalues].data = json_string_value(a);
                values[e->nvalues].len = json_string_length(a);
                e->nvalues++;

            } else if (json_is_boolean(a)) {
                values[e->nvalues].data = json_is_true(a) ? "true" : "false";
                values[e->nvalues].len = json_is_true(a) ? 4 : 5;
                e->nvalues++;

            } else if (json_is_integer(a) && !json_is_array(v)) {
                p = (u_char *) &values[1];
                values[0].data = (char *) p;
                values[0].len = ngx_sprintf(p, "%L",
                                            (int64_t) json_integer_value(a))
                                - p;
                e->nvalues = 1;
            }
        }

        if (e->nvalues == 0) {
            continue;
        }

        n = ngx_strlen(name);

        p = ngx_pnalloc(r->pool, prov->prefix.len + 1 + n);
        if (p == NULL) {
            return NGX_ERROR;
        }

        e->key.data = (char *) p;
        p = ngx_cpymem(p, prov->prefix.data, prov->prefix.len);
        *p++ = ':';
        ngx_memcpy(p, name, n);
        e->key.len = prov->prefix.len + 1 + n;
        e->hash = iam_hash_icase(e->key.data, e->key.len);

        jr->nkeys++;
    }

    return NGX_OK;
}


static const iam_role_t *
ngx_http_iam_jwt_role(ngx_http_request_t *r, ngx_http_iam_main_conf_t *imcf,
    ngx_http_iam_loc_conf_t *ilcf)
{
    iam_str_t         name;
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    if (ilcf->role_header.len) {

        for (part = &r->headers_in.headers.part; part; part = part->next) {
            h = part->elts;

            for (i = 0; i < part->nelts; i++) {
                if (h[i].key.len == ilcf->role_header.len
                    && ngx_strncasecmp(h[i].key.data, ilcf->role_header.data,
                                       h[i].key.len) == 0)
                {
                    name.data = (char *) h[i].value.data;
                    name.len = h[i].value.len;

                    /* a role the account does not have is no role */
                    return iam_account_find_role(imcf->account, name);
                }
            }
        }
    }

    return ilcf->role;
}


static ngx_int_t
ngx_http_iam_jwt_trust(ngx_http_request_t *r, ngx_http_iam_main_conf_t *imcf,
    const iam_role_t *role, ngx_http_iam_jwt_request_t *jr,
    ngx_http_iam_ctx_t *ctx)
{
    u_char                *p;
    size_t                 len;
    ngx_uint_t             i;
    iam_result_t           result;
    iam_context_t          tctx;
    iam_context_entry_t   *entries;
    ngx_http_iam_oidc_provider_t  *prov;

    prov = jr->provider;

    entries = ngx_palloc(r->pool, (jr->nkeys + 1)
                                  * sizeof(iam_context_entry_t));
    if (entries == NULL) {
        return NGX_ERROR;
    }

    iam_context_init(&tctx, entries, jr->nkeys + 1);

    for (i = 0; i < jr->nkeys; i++) {
        if (iam_context_set(&tctx, jr->keys[i].key, jr->keys[i].values,
                            jr->keys[i].nvalues)
            != IAM_OK)
        {
            return NGX_ERROR;
        }
    }

    if (iam_context_set(&tctx, ngx_http_iam_jwt_federated, &prov->arn, 1)
        != IAM_OK)
    {
        return NGX_ERROR;
    }

    if (iam_role_trust(imcf->account, role, &prov->principal, NULL,
                       ngx_http_iam_jwt_assume, &tctx, &result)
        != IAM_OK)
    {
        return NGX_ERROR;
    }

    /* session tags need sts:TagSession too, as in AWS */

    if (result.decision == IAM_ALLOWED
        && json_object_get(jr->claims, NGX_HTTP_IAM_JWT_TAGS_CLAIM))
    {
        if (iam_role_trust(imcf->account, role, &prov->principal, NULL,
                           ngx_http_iam_jwt_tag_session, &tctx, &result)
            != IAM_OK)
        {
            return NGX_ERROR;
        }
    }

    if (result.decision == IAM_ALLOWED) {
        return NGX_OK;
    }

    len = sizeof("the trust policy of role \"\" does not allow \"\" to "
                 "assume it (), subject \"\"") + role->name.len
          + prov->issuer.len + sizeof("explicitDeny") + 128;

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_snprintf(p, len - 1, "the trust policy of role \"%*s\" does not "
                 "allow \"%V\" to assume it (%s), subject \"%*s\"%Z",
                 role->name.len, role->name.data, &prov->issuer,
                 iam_decision_name(result.decision),
                 ngx_min(json_string_length(json_object_get(jr->claims,
                                                            "sub")), 100),
                 json_string_value(json_object_get(jr->claims, "sub"))
                 ? json_string_value(json_object_get(jr->claims, "sub"))
                 : "");

    ngx_http_iam_set_error(ctx, NGX_HTTP_FORBIDDEN, "AccessDenied",
                           "Not authorized to perform "
                           "sts:AssumeRoleWithWebIdentity",
                           NGX_LOG_ERR, (char *) p);

    return NGX_ABORT;
}


static ngx_int_t
ngx_http_iam_jwt_session(ngx_http_request_t *r,
    ngx_http_iam_main_conf_t *imcf, ngx_http_iam_loc_conf_t *ilcf,
    const iam_role_t *role, ngx_http_iam_jwt_request_t *jr,
    ngx_http_iam_ctx_t *ctx)
{
    size_t                 i;
    json_t                *amr, *v;
    const char            *err;
    iam_session_t         *s;
    iam_session_params_t   params;

    ngx_memzero(&params, sizeof(iam_session_params_t));

    ngx_http_iam_jwt_session_name(r, jr->claims, &ilcf->jwt_session_claim,
                                  &params.name);
    if (params.name.data == NULL) {
        return NGX_ERROR;
    }

    params.issued = (time_t) json_number_value(json_object_get(jr->claims,
                                                               "iat"));
    if (params.issued <= 0) {
        params.issued = ngx_time();
    }

    params.expires = (time_t) json_number_value(json_object_get(jr->claims,
                                                                "exp"));
    if (params.expires <= params.issued) {
        params.expires = params.issued + 1;
    }

    /* amr "mfa" (RFC 8176) is the token's word that MFA was used */

    amr = json_object_get(jr->claims, "amr");

    json_array_foreach(amr, i, v) {
        if (json_is_string(v) && ngx_strcmp(json_string_value(v), "mfa") == 0)
        {
            params.mfa = 1;
            params.auth_time = (time_t) json_number_value(
                                   json_object_get(jr->claims, "auth_time"));
            if (params.auth_time <= 0 || params.auth_time > params.issued) {
                params.auth_time = params.issued;
            }
        }
    }

    params.federated_provider = jr->provider->arn;

    if (ngx_http_iam_jwt_tags(r, jr->claims, &params) != NGX_OK) {
        return NGX_ERROR;
    }

    err = NULL;

    s = iam_session_create(imcf->account, role, &params,
                           ngx_http_iam_jwt_alloc, r->pool, &err);

    if (s == NULL) {
        ngx_http_iam_jwt_fail(r, ctx, err);
        return NGX_ABORT;
    }

    ctx->session = s;
    ctx->user = NULL;
    ctx->principal = &s->principal;

    return NGX_OK;
}


/*
 * Session tags, as AWS reads them from a web identity token:
 * {"https://aws.amazon.com/tags": {"principal_tags": {"k": ["v"]}}}.
 */
static ngx_int_t
ngx_http_iam_jwt_tags(ngx_http_request_t *r, json_t *claims,
    iam_session_params_t *params)
{
    size_t       n;
    json_t      *tags, *v;
    iam_str_t   *keys, *values;
    const char  *key;

    tags = json_object_get(json_object_get(claims,
                                           NGX_HTTP_IAM_JWT_TAGS_CLAIM),
                           "principal_tags");

    if (!json_is_object(tags) || json_object_size(tags) == 0) {
        return NGX_OK;
    }

    n = ngx_min(json_object_size(tags), IAM_SESSION_MAX_TAGS + 1);

    keys = ngx_palloc(r->pool, n * sizeof(iam_str_t));
    values = ngx_palloc(r->pool, n * sizeof(iam_str_t));
    if (keys == NULL || values == NULL) {
        return NGX_ERROR;
    }

    params->tag_keys = keys;
    params->tag_values = values;

    json_object_foreach(tags, key, v) {

        if (params->ntags == n) {
            /* over the limit: iam_session_create() says so */
            params->ntags = IAM_SESSION_MAX_TAGS + 1;
            break;
        }

        /* each value is a one-element array of a string */
        if (json_is_array(v)) {
            v = json_array_get(v, 0);
        }

        keys[params->ntags].data = key;
        keys[params->ntags].len = ngx_strlen(key);
        values[params->ntags].data = json_is_string(v) ? json_string_value(v)
                                                       : "";
        values[params->ntags].len = json_string_length(v);
        params->ntags++;
    }

    return NGX_OK;
}


/*
 * The session name from a claim (default "sub"), made to fit AWS's
 * [\w+=,.@-]{2,64}: other characters become '-', so
 * "repo:org/repo:ref:refs/heads/main" reads "repo-org-repo-ref-refs-...".
 */
static void
ngx_http_iam_jwt_session_name(ngx_http_request_t *r, json_t *claims,
    ngx_str_t *claim, iam_str_t *name)
{
    u_char      *p, c;
    size_t       i, len;
    const char  *s;

    s = json_string_value(json_object_get(claims, (char *) claim->data));
    len = s ? ngx_min(ngx_strlen(s), IAM_SESSION_NAME_MAX) : 0;

    if (len < IAM_SESSION_NAME_MIN) {
        s = "web-identity";
        len = sizeof("web-identity") - 1;
    }

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        name->data = NULL;
        return;
    }

    for (i = 0; i < len; i++) {
        c = s[i];
        p[i] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9') || (c && ngx_strchr("_+=,.@-", c)))
               ? c : '-';
    }

    name->data = (char *) p;
    name->len = len;
}


static void *
ngx_http_iam_jwt_alloc(void *data, size_t size)
{
    return ngx_palloc((ngx_pool_t *) data, size);
}


static void
ngx_http_iam_jwt_claims_cleanup(void *data)
{
    ngx_http_iam_jwt_request_t  *jr = data;

    json_decref(jr->claims);
}


/* 401 with the RFC 6750 challenge; the reason goes to the error log */
static void
ngx_http_iam_jwt_fail(ngx_http_request_t *r, ngx_http_iam_ctx_t *ctx,
    const char *err)
{
    ngx_http_iam_set_error(ctx, NGX_HTTP_UNAUTHORIZED, "InvalidIdentityToken",
                           "The web identity token is not valid",
                           NGX_LOG_ERR, err);

    ngx_str_set(&ctx->error.challenge, "Bearer error=\"invalid_token\"");
}


/* the session's condition keys and the token's claims, for the policies */
ngx_int_t
ngx_http_iam_jwt_context(ngx_http_request_t *r, ngx_http_iam_ctx_t *ctx)
{
    ngx_uint_t                   i;
    ngx_http_iam_jwt_request_t  *jr;

    jr = ctx->jwt;

    for (i = 0; jr && i < jr->nkeys; i++) {
        if (iam_context_set(&ctx->context, jr->keys[i].key,
                            jr->keys[i].values, jr->keys[i].nvalues)
            != IAM_OK)
        {
            goto full;
        }
    }

    if (iam_session_context(ctx->session, ngx_time(), &ctx->context,
                            ngx_http_iam_jwt_alloc, r->pool)
        != IAM_OK)
    {
        goto full;
    }

    return NGX_OK;

full:

    ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                  "iam: the condition context is full");
    return NGX_ERROR;
}


ngx_int_t
ngx_http_iam_jwt_init_worker(ngx_cycle_t *cycle)
{
    ngx_pool_cleanup_t        *cln;
    ngx_http_iam_main_conf_t  *imcf;

    imcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_iam_module);

    if (imcf == NULL || imcf->oidc_providers == NULL
        || imcf->jwt_cache_size == 0)
    {
        return NGX_OK;
    }

    cln = ngx_pool_cleanup_add(cycle->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    ngx_http_iam_jwt_cache = iam_jwt_cache_create(imcf->jwt_cache_size);
    if (ngx_http_iam_jwt_cache == NULL) {
        return NGX_ERROR;
    }

    /* an exiting worker destroys the cycle's pool */
    cln->handler = ngx_http_iam_jwt_cache_cleanup;
    cln->data = NULL;

    return NGX_OK;
}


static void
ngx_http_iam_jwt_cache_cleanup(void *data)
{
    iam_jwt_cache_free(ngx_http_iam_jwt_cache);
    ngx_http_iam_jwt_cache = NULL;
}


/* configuration */


char *
ngx_http_iam_oidc_provider(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_iam_main_conf_t *imcf = conf;

    u_char                        *s;
    ngx_str_t                     *value, v;
    iam_str_t                     *aud;
    ngx_uint_t                     i, j;
    iam_diags_t                    diags;
    ngx_array_t                    auds;
    ngx_file_info_t                fi;
    ngx_pool_cleanup_t            *cln;
    ngx_http_iam_oidc_provider_t  *p;

    value = cf->args->elts;

    if (imcf->oidc_providers == NULL) {
        imcf->oidc_providers = ngx_array_create(cf->pool, 2,
                                       sizeof(ngx_http_iam_oidc_provider_t));
        if (imcf->oidc_providers == NULL) {
            return NGX_CONF_ERROR;
        }

        /*
         * one cleanup for every provider's current set: a worker replaces
         * its sets when the files change, and destroys the cycle's pool
         * when it exits
         */

        cln = ngx_pool_cleanup_add(cf->pool, 0);
        if (cln == NULL) {
            return NGX_CONF_ERROR;
        }

        cln->handler = ngx_http_iam_jwks_cleanup;
        cln->data = imcf;
    }

    /* an issuer is an https URL without query or fragment (OIDC §2) */

    if (value[1].len <= 8
        || ngx_strncmp(value[1].data, "https://", 8) != 0
        || ngx_strlchr(value[1].data, value[1].data + value[1].len, '?')
        || ngx_strlchr(value[1].data, value[1].data + value[1].len, '#'))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid issuer \"%V\", it must be an https URL",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    p = imcf->oidc_providers->elts;

    for (i = 0; i < imcf->oidc_providers->nelts; i++) {
        if (p[i].issuer.len == value[1].len
            && ngx_strncmp(p[i].issuer.data, value[1].data, value[1].len)
               == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "duplicate issuer \"%V\"", &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    p = ngx_array_push(imcf->oidc_providers);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(p, sizeof(ngx_http_iam_oidc_provider_t));

    p->issuer = value[1];
    p->iss.data = (char *) value[1].data;
    p->iss.len = value[1].len;
    p->typ = "JWT";
    p->refresh = 60;

    /* "token.actions.githubusercontent.com", the condition key prefix */
    p->prefix.data = (char *) value[1].data + 8;
    p->prefix.len = value[1].len - 8;

    if (p->prefix.data[p->prefix.len - 1] == '/') {
        p->prefix.len--;
    }

    if (ngx_array_init(&auds, cf->temp_pool, 2, sizeof(iam_str_t))
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "jwks=", 5) == 0) {
            p->jwks_file.len = value[i].len - 5;
            p->jwks_file.data = value[i].data + 5;
            continue;
        }

        if (ngx_strncmp(value[i].data, "audience=", 9) == 0
            && value[i].len > 9)
        {
            aud = ngx_array_push(&auds);
            if (aud == NULL) {
                return NGX_CONF_ERROR;
            }

            aud->data = (char *) value[i].data + 9;
            aud->len = value[i].len - 9;
            continue;
        }

        if (ngx_strncmp(value[i].data, "typ=", 4) == 0) {
            p->typ = (value[i].len == 4
                      || ngx_strcmp(value[i].data + 4, "any") == 0)
                     ? NULL : (char *) value[i].data + 4;
            continue;
        }

        if (ngx_strncmp(value[i].data, "refresh=", 8) == 0) {
            v.data = value[i].data + 8;
            v.len = value[i].len - 8;

            p->refresh = ngx_parse_time(&v, 1);
            if (p->refresh == (time_t) NGX_ERROR) {
                goto invalid;
            }

            continue;
        }

        goto invalid;
    }

    if (p->jwks_file.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"iam_oidc_provider\" requires \"jwks=\"");
        return NGX_CONF_ERROR;
    }

    p->naudiences = auds.nelts;
    p->audiences = ngx_palloc(cf->pool, (auds.nelts + 1) * sizeof(iam_str_t));
    if (p->audiences == NULL) {
        return NGX_CONF_ERROR;
    }

    aud = auds.elts;
    for (j = 0; j < auds.nelts; j++) {
        p->audiences[j] = aud[j];
    }

    if (ngx_conf_full_name(cf->cycle, &p->jwks_file, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    /* nginx -t fails on a JWKS that does not load, with its position */

    iam_diags_init(&diags);

    p->jwks = iam_jwks_load_file((char *) p->jwks_file.data, &diags);

    if (p->jwks == NULL) {
        for (j = 0; j < diags.nitems; j++) {
            s = ngx_pnalloc(cf->temp_pool, NGX_MAX_CONF_ERRSTR);
            if (s == NULL) {
                break;
            }

            iam_diag_format(&diags.items[j], (char *) s, NGX_MAX_CONF_ERRSTR);
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", s);
        }

        if (diags.nitems == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "%V: cannot load the JWKS", &p->jwks_file);
        }

        iam_diags_free(&diags);
        return NGX_CONF_ERROR;
    }

    iam_diags_free(&diags);

    if (ngx_file_info(p->jwks_file.data, &fi) != NGX_FILE_ERROR) {
        p->mtime = ngx_file_mtime(&fi);
        p->size = ngx_file_size(&fi);
        p->uniq = ngx_file_uniq(&fi);
    }

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\"", &value[i]);

    return NGX_CONF_ERROR;
}


static void
ngx_http_iam_jwks_cleanup(void *data)
{
    ngx_http_iam_main_conf_t *imcf = data;

    ngx_uint_t                     i;
    ngx_http_iam_oidc_provider_t  *p;

    p = imcf->oidc_providers->elts;

    for (i = 0; i < imcf->oidc_providers->nelts; i++) {
        iam_jwks_free(p[i].jwks);
        p[i].jwks = NULL;
    }
}


/* the provider ARNs, once the account is known: postconfiguration */
ngx_int_t
ngx_http_iam_jwt_init_conf(ngx_conf_t *cf, ngx_http_iam_main_conf_t *imcf)
{
    u_char                        *s;
    size_t                         len;
    ngx_uint_t                     i;
    ngx_http_iam_oidc_provider_t  *p;

    ngx_conf_init_value(imcf->jwt_leeway, IAM_JWT_LEEWAY);
    ngx_conf_init_size_value(imcf->jwt_max_size, IAM_JWT_MAX_TOKEN);
    ngx_conf_init_uint_value(imcf->jwt_cache_size, 10000);

    if (imcf->oidc_providers == NULL) {
        return NGX_OK;
    }

    if (imcf->account == NULL) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "\"iam_oidc_provider\" requires \"iam_account\"");
        return NGX_ERROR;
    }

    p = imcf->oidc_providers->elts;

    for (i = 0; i < imcf->oidc_providers->nelts; i++) {
        len = sizeof("arn:aws:iam:::oidc-provider/") - 1
              + imcf->account->id.len + p[i].prefix.len;

        s = ngx_pnalloc(cf->pool, len);
        if (s == NULL) {
            return NGX_ERROR;
        }

        ngx_sprintf(s, "arn:aws:iam::%*s:oidc-provider/%*s",
                    imcf->account->id.len, imcf->account->id.data,
                    p[i].prefix.len, p[i].prefix.data);

        p[i].arn.data = (char *) s;
        p[i].arn.len = len;

        iam_principal_parse(&p[i].principal, p[i].arn);
    }

    return NGX_OK;
}


char *
ngx_http_iam_role(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_iam_loc_conf_t *ilcf = conf;

    ngx_str_t  *value;

    if (ilcf->role_name.data) {
        return "is duplicate";
    }

    value = cf->args->elts;
    ilcf->role_name = value[1];

    return NGX_CONF_OK;
}


char *
ngx_http_iam_jwt_merge(ngx_conf_t *cf, ngx_http_iam_loc_conf_t *prev,
    ngx_http_iam_loc_conf_t *conf)
{
    iam_str_t                  name;
    ngx_http_iam_main_conf_t  *imcf;

    ngx_conf_merge_str_value(conf->role_name, prev->role_name, "");
    ngx_conf_merge_str_value(conf->role_header, prev->role_header, "");
    ngx_conf_merge_str_value(conf->jwt_session_claim,
                             prev->jwt_session_claim, "sub");
    ngx_conf_merge_ptr_value(conf->jwt_token, prev->jwt_token, NULL);

    imcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_iam_module);

    if (conf->role_name.len) {
        name.data = (char *) conf->role_name.data;
        name.len = conf->role_name.len;

        conf->role = imcf->account ? iam_account_find_role(imcf->account,
                                                           name)
                                   : NULL;
        if (conf->role == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"iam_role\": no role \"%V\" in the account",
                               &conf->role_name);
            return NGX_CONF_ERROR;
        }
    }

    if (conf->enable && (conf->auth & NGX_HTTP_IAM_AUTH_JWT)
        && (imcf->oidc_providers == NULL
            || imcf->oidc_providers->nelts == 0))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"iam_auth jwt\" requires \"iam_oidc_provider\"");
        return NGX_CONF_ERROR;
    }

    if (conf->enable && (conf->auth & NGX_HTTP_IAM_AUTH_JWT)) {
        /* the session's keys, its tags and the token's claims */
        conf->ncontext += IAM_SESSION_CONTEXT_KEYS + IAM_SESSION_MAX_TAGS
                          + NGX_HTTP_IAM_JWT_MAX_CLAIMS;
    }

    return NGX_CONF_OK;
}
