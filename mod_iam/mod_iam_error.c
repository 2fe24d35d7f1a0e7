
/*
 * mod_iam: refusals as AWS sends them, and the decision as notes.
 *
 * httpd's authz_core turns a denial into 401 (or 403) with its own HTML
 * page; the nginx module answers with AWS's status and, in S3 locations,
 * S3's XML error document (S3 clients parse the Code), a small JSON body
 * elsewhere.  An error filter, inserted only when mod_iam refused the
 * request, sets that status and body instead, so both servers answer the
 * same request alike.  An ErrorDocument that redirects is still honoured.
 */


#include "mod_iam.h"
#include <util_filter.h>
#include <jansson.h>


#define MOD_IAM_ERROR_FILTER  "IAM_ERROR"


static apr_status_t mod_iam_error_filter(ap_filter_t *f,
    apr_bucket_brigade *bb);
static const char *mod_iam_error_body(request_rec *r, mod_iam_ctx_t *ctx,
    int s3);
static const char *mod_iam_label(request_rec *r, mod_iam_ctx_t *ctx);
static void mod_iam_note(request_rec *r, const char *name, iam_str_t value);


void
mod_iam_set_error(mod_iam_ctx_t *ctx, unsigned status, const char *code,
    const char *message, int level, const char *reason)
{
    ctx->error.status = status;
    ctx->error.code = code;
    ctx->error.message = message;
    ctx->error.region = NULL;
    ctx->error.level = level;
    ctx->error.reason = reason;
}


/* one line per refusal, at the level mod_auth_basic would use */

void
mod_iam_log_refusal(request_rec *r, mod_iam_ctx_t *ctx)
{
    const char  *reason, *label;

    reason = ctx->error.reason ? ctx->error.reason : "refused";

    if (!ctx->evaluated) {

        if (ctx->access_key.len) {
            ap_log_rerror(APLOG_MARK, ctx->error.level, 0, r,
                          "iam: %s: access key \"%.*s\": %s",
                          ctx->error.code, (int) ctx->access_key.len,
                          ctx->access_key.data, reason);

        } else {
            ap_log_rerror(APLOG_MARK, ctx->error.level, 0, r,
                          "iam: %s: %s", ctx->error.code, reason);
        }

        return;
    }

    label = mod_iam_label(r, ctx);

    ap_log_rerror(APLOG_MARK, ctx->error.level, 0, r,
                  "iam: %s: \"%.*s\" is not allowed \"%.*s\" on \"%.*s\": "
                  "%s%s%s%s%s%s",
                  ctx->error.code,
                  (int) ctx->principal->arn.len, ctx->principal->arn.data,
                  (int) ctx->action.len, ctx->action.data,
                  (int) ctx->resource.len, ctx->resource.data,
                  iam_decision_name(ctx->decision),
                  label ? " by \"" : "", label ? label : "",
                  label ? "\"" : "",
                  ctx->error.reason ? ", " : "",
                  ctx->error.reason ? ctx->error.reason : "");
}


static const char *
mod_iam_label(request_rec *r, mod_iam_ctx_t *ctx)
{
    char    *label;
    size_t   len;

    if (ctx->statement == NULL) {
        return NULL;
    }

    label = apr_palloc(r->pool, 256);
    len = iam_statement_label(ctx->statement, label, 256);

    if (len > 255) {
        len = 255;
    }

    label[len] = '\0';

    return label;
}


/*
 * The decision as request notes and environment variables: a LogFormat
 * with %{IAM_DECISION}e ... writes the nginx module's decision log.  A field
 * without a value is set empty, so the log says "" as nginx's does, not "-".
 */

void
mod_iam_set_notes(request_rec *r, mod_iam_ctx_t *ctx)
{
    iam_str_t    v;
    const char  *s;

    v.data = "";
    v.len = 0;

    mod_iam_note(r, "IAM_PRINCIPAL", ctx->principal ? ctx->principal->arn : v);

    mod_iam_note(r, "IAM_ACCESS_KEY", ctx->access_key);
    mod_iam_note(r, "IAM_ACTION", ctx->action);
    mod_iam_note(r, "IAM_RESOURCE", ctx->resource);

    s = ctx->evaluated ? iam_decision_name(ctx->decision) : "";
    v.data = s;
    v.len = strlen(s);
    mod_iam_note(r, "IAM_DECISION", v);

    s = ctx->evaluated ? mod_iam_label(r, ctx) : NULL;
    v.data = s ? s : "";
    v.len = strlen(v.data);
    mod_iam_note(r, "IAM_STATEMENT", v);

    s = ctx->auth_failed && ctx->error.code ? ctx->error.code : "";
    v.data = s;
    v.len = strlen(s);
    mod_iam_note(r, "IAM_AUTH_ERROR", v);
}


static void
mod_iam_note(request_rec *r, const char *name, iam_str_t value)
{
    char  *v;

    v = value.len ? apr_pstrmemdup(r->pool, value.data, value.len) : "";

    apr_table_setn(r->notes, name, v);
    apr_table_setn(r->subprocess_env, name, v);
}


void
mod_iam_register_error_filter(void)
{
    ap_register_output_filter(MOD_IAM_ERROR_FILTER, mod_iam_error_filter,
                              NULL, AP_FTYPE_CONTENT_SET);
}


/* the insert_error_filter hook: only for a response mod_iam refused */

void
mod_iam_insert_error_filter(request_rec *r)
{
    mod_iam_ctx_t  *ctx;

    ctx = mod_iam_get_ctx(r, 0);

    if (ctx == NULL || ctx->error.code == NULL || ctx->error_sent) {
        return;
    }

    if (r->status != (int) ctx->error.status
        && r->status != HTTP_UNAUTHORIZED && r->status != HTTP_FORBIDDEN)
    {
        return;
    }

    ap_add_output_filter(MOD_IAM_ERROR_FILTER, ctx, r, r->connection);
}


static apr_status_t
mod_iam_error_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    mod_iam_ctx_t  *ctx = f->ctx;

    int                  s3;
    const char          *body, *id;
    apr_bucket          *b;
    request_rec         *r;
    apr_bucket_brigade  *out;

    r = f->r;
    out = apr_brigade_create(r->pool, f->c->bucket_alloc);

    if (!ctx->error_sent) {
        ctx->error_sent = 1;

        s3 = ctx->mapping == MOD_IAM_MAPPING_S3;

        r->status = ctx->error.status;
        r->status_line = NULL;

        apr_table_unset(r->headers_out, "WWW-Authenticate");

        if (ctx->error.status == HTTP_UNAUTHORIZED) {
            apr_table_setn(r->headers_out, "WWW-Authenticate",
                           IAM_SIGV4_ALGORITHM);
        }

        id = apr_table_get(r->subprocess_env, "UNIQUE_ID");

        if (s3 && id) {
            apr_table_setn(r->headers_out, "x-amz-request-id", id);
        }

        ap_set_content_type(r, s3 ? "application/xml" : "application/json");

        body = mod_iam_error_body(r, ctx, s3);

        if (body) {
            b = apr_bucket_pool_create(body, strlen(body), r->pool,
                                       f->c->bucket_alloc);
            APR_BRIGADE_INSERT_TAIL(out, b);
        }
    }

    /* httpd's own error page is dropped: only the end of it goes on */

    while (!APR_BRIGADE_EMPTY(bb)) {
        b = APR_BRIGADE_FIRST(bb);
        APR_BUCKET_REMOVE(b);

        if (APR_BUCKET_IS_EOS(b)) {
            APR_BRIGADE_INSERT_TAIL(out, b);
            continue;
        }

        apr_bucket_destroy(b);
    }

    if (APR_BRIGADE_EMPTY(out)) {
        return APR_SUCCESS;
    }

    return ap_pass_brigade(f->next, out);
}


static const char *
mod_iam_error_body(request_rec *r, mod_iam_ctx_t *ctx, int s3)
{
    char        *s, *body;
    json_t      *doc;
    const char  *id;

    if (s3) {
        id = apr_table_get(r->subprocess_env, "UNIQUE_ID");

        /* the region is configuration, the message may quote the client */

        return apr_pstrcat(r->pool,
                           "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                           "<Error><Code>", ctx->error.code,
                           "</Code><Message>",
                           ap_escape_html(r->pool, ctx->error.message),
                           "</Message>",
                           ctx->error.region ? "<Region>" : "",
                           ctx->error.region ? ctx->error.region : "",
                           ctx->error.region ? "</Region>" : "",
                           "<RequestId>",
                           id ? ap_escape_html(r->pool, id) : "",
                           "</RequestId></Error>", NULL);
    }

    doc = json_pack("{s:s, s:s}", "error", ctx->error.code,
                    "message", ctx->error.message);
    if (doc == NULL) {
        return NULL;
    }

    s = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(doc);

    if (s == NULL) {
        return NULL;
    }

    body = apr_pstrdup(r->pool, s);
    free(s);

    return body;
}
