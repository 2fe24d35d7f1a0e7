/*
 * SigV4 verification against AWS's two public test suites, botocore and
 * curl --aws-sigv4.
 *
 * Every suite case is parsed from its request file here (not sent to a
 * server: some request lines hold raw spaces and UTF-8), then verified at
 * the suites' fixed clock, 2015-08-30T12:36:00Z: the canonical request and
 * string to sign must equal the suite's files byte for byte, the right
 * secret must pass, and a wrong secret, a flipped signature digit or a
 * clock out of range must fail with the right error.
 */

#define _GNU_SOURCE

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <poll.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <jansson.h>
#include <iam/iam_sigv4.h>
#include "tap.h"


#define T_CLOCK          1440938160    /* 20150830T123600Z */
#define T_SECRET         "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define T_MAX_HEADERS    64
#define T_SCRATCH        (1024 * 1024)


typedef struct {
    char                 *buf;
    size_t                len;
    iam_str_t             method;
    iam_str_t             path;
    iam_str_t             query;
    iam_str_t             body;
    iam_sigv4_header_t    headers[T_MAX_HEADERS];
    size_t                nheaders;
} t_request_t;

typedef struct {
    const char           *name;
    const char           *service;
    unsigned              normalize:1;
    unsigned              token_unsigned:1;
    unsigned              presigned:1;
    /* the legacy suite reads continuation lines as repeated headers */
    unsigned              fold_as_repeat:1;
} t_case_t;


static char *t_read(const char *path, size_t *len);
static int t_parse_request(t_request_t *r, int fold_as_repeat);
static void t_setup(iam_sigv4_request_t *req, const t_request_t *r,
    time_t now);
static int t_run(const iam_sigv4_conf_t *conf, iam_sigv4_request_t *req,
    iam_sigv4_auth_t *auth, const char *secret, iam_sigv4_cache_t *cache);
static char *t_dup(iam_str_t s);
static void t_case(const t_case_t *tc, const char *sreq, const char *creq,
    const char *sts);
static void t_legacy_suite(const char *dir);
static void t_crt_suite(const char *dir);
static void t_cache(void);
static void t_errors(void);
static void t_sha256(void);
static void t_botocore(void);
static void t_curl(void);
static int t_curl_capture(const char *args, const char *url, char *buf,
    size_t size, size_t *len);


static char                scratch_mem[T_SCRATCH];
static iam_sigv4_scratch_t  scratch;
static iam_sigv4_cache_t   cache;
static char                payload_hex[IAM_SIGV4_HEX_LEN + 1];


int
main(void)
{
    char        path[1024];
    const char  *data;
    struct tm   tm;

    data = getenv("IAM_TESTDATA");
    if (data == NULL) {
        data = "../../../shared/testdata";
    }

    memset(&tm, 0, sizeof(tm));
    tm.tm_year = 2015 - 1900;
    tm.tm_mon = 7;
    tm.tm_mday = 30;
    tm.tm_hour = 12;
    tm.tm_min = 36;
    is_int(timegm(&tm), T_CLOCK, "the suites' clock is 20150830T123600Z");

    iam_sigv4_cache_init(&cache);

    snprintf(path, sizeof(path), "%s/sigv4/aws-sig-v4-test-suite", data);
    t_legacy_suite(path);

    snprintf(path, sizeof(path), "%s/sigv4/aws-signing-test-suite-v4", data);
    t_crt_suite(path);

    t_cache();
    t_errors();
    t_sha256();
    t_botocore();
    t_curl();

    return tap_done();
}


static char *
t_read(const char *path, size_t *len)
{
    FILE  *f;
    char  *buf;
    long   n;

    f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }

    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);

    buf = malloc(n + 1);
    if (buf == NULL || fread(buf, 1, n, f) != (size_t) n) {
        free(buf);
        fclose(f);
        return NULL;
    }

    buf[n] = '\0';
    fclose(f);

    if (len) {
        *len = n;
    }

    return buf;
}


/*
 * "METHOD TARGET HTTP/1.1", then headers until an empty line, then the
 * body.  TARGET runs from the first space to the last, as it may hold
 * spaces.  Header values lose leading and trailing blanks, as nginx does.
 * Lines may end in LF or CRLF; the last may have no end at all.
 */

static int
t_parse_request(t_request_t *r, int fold_as_repeat)
{
    char                *s, *end, *line, *eol, *colon, *q, *sp;
    iam_sigv4_header_t  *h;

    s = r->buf;
    end = r->buf + r->len;
    r->nheaders = 0;

    eol = memchr(s, '\n', end - s);
    if (eol == NULL) {
        eol = end;
    }

    sp = memchr(s, ' ', eol - s);
    q = eol;

    while (q > s && q[-1] != ' ') {
        q--;
    }

    if (sp == NULL || q <= sp + 1) {
        return -1;
    }

    r->method.data = s;
    r->method.len = sp - s;

    r->path.data = sp + 1;
    r->path.len = (q - 1) - (sp + 1);
    r->query.data = "";
    r->query.len = 0;

    colon = memchr(r->path.data, '?', r->path.len);
    if (colon != NULL) {
        r->query.data = colon + 1;
        r->query.len = r->path.data + r->path.len - (colon + 1);
        r->path.len = colon - r->path.data;
    }

    s = (eol < end) ? eol + 1 : end;

    while (s < end) {
        line = s;
        eol = memchr(s, '\n', end - s);
        if (eol == NULL) {
            eol = end;
        }

        s = (eol < end) ? eol + 1 : end;

        if (eol > line && eol[-1] == '\r') {
            eol--;
        }

        if (eol == line) {
            break;
        }

        if ((*line == ' ' || *line == '\t') && r->nheaders > 0) {
            h = &r->headers[r->nheaders - 1];

            while (eol > line && (eol[-1] == ' ' || eol[-1] == '\t')) {
                eol--;
            }

            if (!fold_as_repeat) {
                /* obs-fold: the value runs on, line break and all */
                h->value.len = eol - h->value.data;
                continue;
            }

            if (r->nheaders == T_MAX_HEADERS) {
                return -1;
            }

            while (line < eol && (*line == ' ' || *line == '\t')) {
                line++;
            }

            r->headers[r->nheaders].name = h->name;
            r->headers[r->nheaders].value.data = line;
            r->headers[r->nheaders].value.len = eol - line;
            r->nheaders++;
            continue;
        }

        colon = memchr(line, ':', eol - line);
        if (colon == NULL || r->nheaders == T_MAX_HEADERS) {
            return -1;
        }

        h = &r->headers[r->nheaders++];
        h->name.data = line;
        h->name.len = colon - line;

        colon++;

        while (colon < eol && (*colon == ' ' || *colon == '\t')) {
            colon++;
        }

        while (eol > colon && (eol[-1] == ' ' || eol[-1] == '\t')) {
            eol--;
        }

        h->value.data = colon;
        h->value.len = eol - colon;
    }

    r->body.data = s;
    r->body.len = end - s;

    return 0;
}


static void
t_setup(iam_sigv4_request_t *req, const t_request_t *r, time_t now)
{
    memset(req, 0, sizeof(iam_sigv4_request_t));

    req->method = r->method;
    req->path = r->path;
    req->query = r->query;
    req->headers = r->headers;
    req->nheaders = r->nheaders;
    req->now = now;
    req->alloc = iam_sigv4_scratch_alloc;
    req->alloc_data = &scratch;

    /* the body is known here, so its hash is what gets signed */
    iam_sigv4_sha256_hex(r->body.data, r->body.len, payload_hex);
    req->payload_hash.data = payload_hex;
    req->payload_hash.len = IAM_SIGV4_HEX_LEN;
}


/* parse, then verify: IAM_DECLINED, IAM_OK or IAM_ERROR with auth->error */

static int
t_run(const iam_sigv4_conf_t *conf, iam_sigv4_request_t *req,
    iam_sigv4_auth_t *auth, const char *secret, iam_sigv4_cache_t *c)
{
    int        rc;
    iam_str_t  s;

    scratch.pos = scratch_mem;
    scratch.end = scratch_mem + sizeof(scratch_mem);

    rc = iam_sigv4_parse(conf, req, auth);
    if (rc != IAM_OK) {
        return rc;
    }

    s.data = secret;
    s.len = strlen(secret);

    return iam_sigv4_verify(conf, req, auth, s, c);
}


static char *
t_dup(iam_str_t s)
{
    char  *p;

    p = malloc(s.len + 1);
    memcpy(p, s.data ? s.data : "", s.len);
    p[s.len] = '\0';

    return p;
}


static void
t_case(const t_case_t *tc, const char *sreq, const char *creq,
    const char *sts)
{
    int                  rc;
    char                *want_creq, *want_sts, *got, sig[65], *at;
    const char          *mode;
    time_t               now;
    iam_str_t            region, service;
    t_request_t          r;
    iam_sigv4_conf_t     conf;
    iam_sigv4_auth_t     auth;
    iam_sigv4_request_t  req;

    mode = tc->presigned ? "query" : "header";

    memset(&r, 0, sizeof(r));
    r.buf = t_read(sreq, &r.len);
    want_creq = t_read(creq, NULL);
    want_sts = t_read(sts, NULL);

    if (r.buf == NULL || want_creq == NULL || want_sts == NULL) {
        ok(0, "%s (%s): read the case files", tc->name, mode);
        goto done;
    }

    if (t_parse_request(&r, tc->fold_as_repeat) != 0) {
        ok(0, "%s (%s): parse the request file", tc->name, mode);
        goto done;
    }

    iam_str_set(&region, "us-east-1");
    service.data = tc->service;
    service.len = strlen(tc->service);

    iam_sigv4_conf_init(&conf, region, service);
    conf.normalize_path = tc->normalize;
    conf.token_unsigned = tc->token_unsigned;

    t_setup(&req, &r, T_CLOCK);

    rc = t_run(&conf, &req, &auth, T_SECRET, &cache);
    if (!tap_ok(rc == IAM_OK, __FILE__, __LINE__, "%s (%s): verifies",
                tc->name, mode))
    {
        printf("#   error %s: %s\n", iam_sigv4_error_code(auth.error),
               auth.detail ? auth.detail : "");
    }

    is_int(auth.presigned, tc->presigned, "%s (%s): auth found in the %s",
           tc->name, mode, mode);

    got = t_dup(auth.canonical_request);
    is_str(got, want_creq, "%s (%s): canonical request", tc->name, mode);
    free(got);

    got = t_dup(auth.string_to_sign);
    is_str(got, want_sts, "%s (%s): string to sign", tc->name, mode);
    free(got);

    if (rc != IAM_OK) {
        goto done;
    }

    rc = t_run(&conf, &req, &auth, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ",
               &cache);
    is_int(auth.error, IAM_SIGV4_ERR_SIGNATURE_MISMATCH,
           "%s (%s): a wrong secret is SignatureDoesNotMatch", tc->name, mode);

    /* flip one hex digit of the signature where the request carries it */
    t_run(&conf, &req, &auth, T_SECRET, &cache);
    memcpy(sig, auth.signature.data, 64);
    sig[64] = '\0';
    at = memmem(r.buf, r.len, sig, 64);

    if (at != NULL) {
        at[10] = (at[10] == '0') ? '1' : '0';
        rc = t_run(&conf, &req, &auth, T_SECRET, &cache);
        is_int(auth.error, IAM_SIGV4_ERR_SIGNATURE_MISMATCH,
               "%s (%s): a flipped signature digit is SignatureDoesNotMatch",
               tc->name, mode);
        at[10] = sig[10];

    } else {
        ok(0, "%s (%s): find the signature in the request", tc->name, mode);
    }

    if (!tc->presigned) {
        req.now = T_CLOCK + 16 * 60;
        rc = t_run(&conf, &req, &auth, T_SECRET, &cache);
        is_int(auth.error, IAM_SIGV4_ERR_TIME_SKEWED,
               "%s (%s): 16 minutes later is RequestTimeTooSkewed",
               tc->name, mode);

        req.now = T_CLOCK - 16 * 60;
        rc = t_run(&conf, &req, &auth, T_SECRET, &cache);
        is_int(auth.error, IAM_SIGV4_ERR_TIME_SKEWED,
               "%s (%s): 16 minutes earlier is RequestTimeTooSkewed",
               tc->name, mode);

        req.now = T_CLOCK + 15 * 60;
        rc = t_run(&conf, &req, &auth, T_SECRET, &cache);
        is_int(rc, IAM_OK, "%s (%s): 15 minutes later is within the skew",
               tc->name, mode);

    } else {
        now = T_CLOCK + 60 * 60;
        req.now = now;
        rc = t_run(&conf, &req, &auth, T_SECRET, &cache);
        is_int(rc, IAM_OK, "%s (%s): valid until 13:36:00", tc->name, mode);

        req.now = now + 60;
        rc = t_run(&conf, &req, &auth, T_SECRET, &cache);
        is_int(auth.error, IAM_SIGV4_ERR_EXPIRED,
               "%s (%s): at 13:37 the URL has expired", tc->name, mode);

        req.now = T_CLOCK - 16 * 60;
        rc = t_run(&conf, &req, &auth, T_SECRET, &cache);
        is_int(auth.error, IAM_SIGV4_ERR_NOT_YET_VALID,
               "%s (%s): 16 minutes early is not valid yet", tc->name, mode);
    }

done:

    free(r.buf);
    free(want_creq);
    free(want_sts);
}


static int
t_name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}


/* the case folders under dir, sorted, as a NULL-terminated array */

static char **
t_case_dirs(const char *dir, const char *marker)
{
    DIR            *d;
    char          **names, path[1024];
    size_t          n;
    FILE           *f;
    struct dirent  *de;

    d = opendir(dir);
    if (d == NULL) {
        return NULL;
    }

    names = calloc(256, sizeof(char *));
    n = 0;

    while ((de = readdir(d)) != NULL && n < 255) {
        if (de->d_name[0] == '.') {
            continue;
        }

        if (marker != NULL) {
            snprintf(path, sizeof(path), "%s/%s/%s", dir, de->d_name, marker);

        } else {
            snprintf(path, sizeof(path), "%s/%s/%s.sreq", dir, de->d_name,
                     de->d_name);
        }

        f = fopen(path, "r");
        if (f == NULL) {
            continue;
        }

        fclose(f);
        names[n++] = strdup(de->d_name);
    }

    closedir(d);
    qsort(names, n, sizeof(char *), t_name_cmp);

    return names;
}


static void
t_legacy_suite(const char *dir)
{
    int          ncases;
    char         sub[1024], base[1024], sreq[1200], creq[1200], sts[1200];
    char         name[512], **names;
    size_t       i, k;
    t_case_t     tc;

    static const char  *subdirs[] = { "", "/normalize-path",
                                      "/post-sts-token" };

    ncases = 0;

    printf("# aws-sig-v4-test-suite: header auth only; a continuation line "
           "is read as a repeated header, as its .creq expects\n");

    for (k = 0; k < 3; k++) {
        snprintf(sub, sizeof(sub), "%s%s", dir, subdirs[k]);
        names = t_case_dirs(sub, NULL);

        if (names == NULL) {
            ok(0, "open %s", sub);
            continue;
        }

        for (i = 0; names[i]; i++) {
            snprintf(base, sizeof(base), "%.600s/%.200s/%.200s", sub,
                     names[i], names[i]);
            snprintf(sreq, sizeof(sreq), "%s.sreq", base);
            snprintf(creq, sizeof(creq), "%s.creq", base);
            snprintf(sts, sizeof(sts), "%s.sts", base);
            snprintf(name, sizeof(name), "v4 %s%s%s", subdirs[k][0]
                     ? subdirs[k] + 1 : "", subdirs[k][0] ? "/" : "",
                     names[i]);

            memset(&tc, 0, sizeof(tc));
            tc.name = name;
            tc.service = "service";
            tc.normalize = 1;
            tc.fold_as_repeat = 1;

            if (strcmp(names[i], "post-sts-header-after") == 0) {
                printf("# %s: the token is added after signing "
                       "(post-sts-token/readme.txt): token_unsigned\n", name);
                tc.token_unsigned = 1;
            }

            t_case(&tc, sreq, creq, sts);
            ncases++;
            free(names[i]);
        }

        free(names);
    }

    is_int(ncases, 31, "aws-sig-v4-test-suite: all 31 cases ran");
}


static void
t_crt_suite(const char *dir)
{
    int           ncases;
    char          path[1024], sreq[1200], creq[1200], sts[1200], name[512];
    char        **names;
    size_t        i, m;
    json_t       *ctx, *v;
    t_case_t      tc;
    json_error_t  err;

    static const char  *modes[] = { "header", "query" };

    ncases = 0;

    printf("# aws-signing-test-suite-v4: obs-fold lines are unfolded into "
           "one value (RFC 7230 3.2.4), as its canonical requests expect\n");

    names = t_case_dirs(dir, "context.json");
    if (names == NULL) {
        ok(0, "open %s", dir);
        return;
    }

    for (i = 0; names[i]; i++) {
        snprintf(path, sizeof(path), "%.600s/%.200s/context.json", dir,
                 names[i]);
        ctx = json_load_file(path, 0, &err);

        if (ctx == NULL) {
            ok(0, "%s: context.json: %s", names[i], err.text);
            free(names[i]);
            continue;
        }

        snprintf(name, sizeof(name), "crt %s", names[i]);

        memset(&tc, 0, sizeof(tc));
        tc.name = name;
        tc.service = json_string_value(json_object_get(ctx, "service"));
        tc.normalize = json_is_true(json_object_get(ctx, "normalize"));

        v = json_object_get(ctx, "omit_session_token");
        tc.token_unsigned = json_is_true(v);

        if (tc.token_unsigned) {
            printf("# %s: omit_session_token: token_unsigned\n", name);
        }

        if (!tc.normalize) {
            printf("# %s: normalize false: the path is signed as sent, "
                   "encoded once more\n", name);
        }

        for (m = 0; m < 2; m++) {
            snprintf(sreq, sizeof(sreq), "%s/%s/%s-signed-request.txt",
                     dir, names[i], modes[m]);
            snprintf(creq, sizeof(creq), "%s/%s/%s-canonical-request.txt",
                     dir, names[i], modes[m]);
            snprintf(sts, sizeof(sts), "%s/%s/%s-string-to-sign.txt",
                     dir, names[i], modes[m]);

            tc.presigned = m;
            t_case(&tc, sreq, creq, sts);
        }

        ncases++;
        json_decref(ctx);
        free(names[i]);
    }

    free(names);

    is_int(ncases, 38, "aws-signing-test-suite-v4: all 38 cases ran");
}


static void
t_cache(void)
{
    int                  rc;
    uint64_t             hits, misses;
    t_request_t          r;
    iam_str_t            region, service;
    iam_sigv4_conf_t     conf;
    iam_sigv4_auth_t     auth;
    iam_sigv4_cache_t   *c;
    iam_sigv4_request_t  req;

    static char  text[] =
        "GET / HTTP/1.1\n"
        "Host:example.amazonaws.com\n"
        "X-Amz-Date:20150830T123600Z\n"
        "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/"
        "us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, "
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d"
        "763fbf31";

    ok(cache.hits > 0 && cache.misses > 0,
       "the suites hit the signing-key cache (%llu hits, %llu misses)",
       (unsigned long long) cache.hits, (unsigned long long) cache.misses);

    c = malloc(sizeof(iam_sigv4_cache_t));
    iam_sigv4_cache_init(c);

    memset(&r, 0, sizeof(r));
    r.buf = text;
    r.len = sizeof(text) - 1;
    t_parse_request(&r, 1);

    iam_str_set(&region, "us-east-1");
    iam_str_set(&service, "service");
    iam_sigv4_conf_init(&conf, region, service);
    t_setup(&req, &r, T_CLOCK);

    rc = t_run(&conf, &req, &auth, T_SECRET, c);
    is_int(rc, IAM_OK, "cache: first verification");
    ok(c->misses == 1 && c->hits == 0, "cache: the first one derives");

    hits = c->hits;
    rc = t_run(&conf, &req, &auth, T_SECRET, c);
    is_int(rc, IAM_OK, "cache: second verification");
    is_int(c->hits, hits + 1, "cache: the second one is a hit");

    misses = c->misses;
    rc = t_run(&conf, &req, &auth, "rotated-secret", c);
    is_int(auth.error, IAM_SIGV4_ERR_SIGNATURE_MISMATCH,
           "cache: a rotated secret never meets the old signing key");
    is_int(c->misses, misses + 1, "cache: the rotated secret is a miss");

    rc = t_run(&conf, &req, &auth, T_SECRET, NULL);
    is_int(rc, IAM_OK, "no cache: verification still works");

    /* the same key again, after the entry's MAC context was keyed twice */
    rc = t_run(&conf, &req, &auth, T_SECRET, c);
    is_int(rc, IAM_OK, "cache: the entry re-keyed for the right secret");

    rc = t_run(&conf, &req, &auth, T_SECRET, c);
    is_int(rc, IAM_OK, "cache: and a hit on it verifies");

    iam_sigv4_cache_free(c);
    free(c);
}


static void
t_errors(void)
{
    int  i, good;

    good = 1;

    for (i = 1; i < IAM_SIGV4_ERR_LAST; i++) {
        if (iam_sigv4_error_code(i)[0] == '\0'
            || iam_sigv4_error_message(i)[0] == '\0'
            || iam_sigv4_error_status(i) < 400)
        {
            good = 0;
            printf("#   error %d has no code, message or status\n", i);
        }
    }

    ok(good, "every error has a code, a message and a 4xx/5xx status");

    is_str(iam_sigv4_error_code(IAM_SIGV4_ERR_HEADER_MALFORMED),
           "AuthorizationHeaderMalformed", "AuthorizationHeaderMalformed");
    is_int(iam_sigv4_error_status(IAM_SIGV4_ERR_HEADER_MALFORMED), 400,
           "AuthorizationHeaderMalformed is 400");
    is_str(iam_sigv4_error_code(IAM_SIGV4_ERR_QUERY_MALFORMED),
           "AuthorizationQueryParametersError",
           "AuthorizationQueryParametersError");
    is_str(iam_sigv4_error_code(IAM_SIGV4_ERR_SIGNATURE_MISMATCH),
           "SignatureDoesNotMatch", "SignatureDoesNotMatch");
    is_int(iam_sigv4_error_status(IAM_SIGV4_ERR_SIGNATURE_MISMATCH), 403,
           "SignatureDoesNotMatch is 403");
    is_str(iam_sigv4_error_code(IAM_SIGV4_ERR_INVALID_ACCESS_KEY),
           "InvalidAccessKeyId", "InvalidAccessKeyId");
    is_int(iam_sigv4_error_status(IAM_SIGV4_ERR_INVALID_ACCESS_KEY), 403,
           "InvalidAccessKeyId is 403");
    is_str(iam_sigv4_error_code(IAM_SIGV4_ERR_TIME_SKEWED),
           "RequestTimeTooSkewed", "RequestTimeTooSkewed");
    is_str(iam_sigv4_error_message(IAM_SIGV4_ERR_EXPIRED),
           "Request has expired", "AccessDenied: Request has expired");
    is_str(iam_sigv4_error_code(IAM_SIGV4_ERR_MISSING_CONTENT_SHA256),
           "InvalidRequest", "a missing x-amz-content-sha256 is "
           "InvalidRequest");
    is_int(iam_sigv4_error_status(IAM_SIGV4_ERR_INTERNAL), 500,
           "InternalError is 500");
    is_str(iam_sigv4_error_code(IAM_SIGV4_ERR_LAST), "InternalError",
           "an out-of-range error reads as InternalError");
}


static void
t_sha256(void)
{
    char  hex[IAM_SIGV4_HEX_LEN + 1];

    iam_sigv4_sha256_hex("", 0, hex);
    is_str(hex, IAM_SIGV4_EMPTY_SHA256, "SHA-256 of the empty body");

    iam_sigv4_sha256_hex("abc", 3, hex);
    is_str(hex,
           "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
           "SHA-256 of \"abc\" (FIPS 180-2)");
}


/*
 * botocore signs a set of requests at the suites' clock; each must verify,
 * and fail once its method is changed.
 */

static const char  t_botocore_py[] =
    "import json, datetime\n"
    "from urllib.parse import urlsplit\n"
    "import botocore.auth as A\n"
    "from botocore.awsrequest import AWSRequest\n"
    "from botocore.credentials import Credentials\n"
    "NOW = datetime.datetime(2015, 8, 30, 12, 36, 0)\n"
    "A.get_current_datetime = lambda *a, **k: NOW\n"
    "S = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'\n"
    "creds = Credentials('AKIDEXAMPLE', S)\n"
    "tcreds = Credentials('AKIDEXAMPLE', S, 'tok/en+=')\n"
    "def emit(name, auth, method, url, headers=None, body=b''):\n"
    "    r = AWSRequest(method=method, url=url, headers=headers or {},\n"
    "                   data=body)\n"
    "    auth.add_auth(r)\n"
    "    p = r.prepare()\n"
    "    u = urlsplit(p.url)\n"
    "    hs = [[k, v] for k, v in p.headers.items()]\n"
    "    hs.append(['Host', A._host_from_url(p.url)])\n"
    "    print(json.dumps({'name': name, 'service': auth._service_name,\n"
    "        'method': p.method, 'path': u.path, 'query': u.query,\n"
    "        'headers': hs, 'body': body.decode()}))\n"
    "emit('SigV4Auth GET, path normalized, query sorted',\n"
    "     A.SigV4Auth(creds, 'service', 'us-east-1'), 'GET',\n"
    "     'https://example.amazonaws.com/a//b/../c%2Fd/./e%20f~'\n"
    "     '?z=1&a=2&a=1&empty=&k%20ey=v%2Bal&flag',\n"
    "     {'X-Amz-Meta-Thing': '  x   y ', 'My-Header': 'one'})\n"
    "emit('SigV4Auth POST with a body and a session token',\n"
    "     A.SigV4Auth(tcreds, 'service', 'us-east-1'), 'POST',\n"
    "     'https://example.amazonaws.com/',\n"
    "     {'Content-Type': 'application/x-www-form-urlencoded'},\n"
    "     b'Action=ListUsers&Version=2010-05-08')\n"
    "emit('SigV4Auth with a Date header',\n"
    "     A.SigV4Auth(creds, 'service', 'us-east-1'), 'GET',\n"
    "     'https://example.amazonaws.com/x', {'Date': 'x'})\n"
    "emit('S3SigV4Auth PUT, path as sent',\n"
    "     A.S3SigV4Auth(creds, 's3', 'us-east-1'), 'PUT',\n"
    "     'http://bucket.s3.amazonaws.com:8080/dir//a%20b%2Bc/%E1%88%B4/./x'\n"
    "     '?uploads&partNumber=1', {'x-amz-meta-owner': 'me'},\n"
    "     b'hello world')\n"
    "emit('S3SigV4QueryAuth presigned GET',\n"
    "     A.S3SigV4QueryAuth(creds, 's3', 'us-east-1', expires=3600),\n"
    "     'GET', 'https://s3.amazonaws.com/bucket/some%20key?versionId=3')\n"
    "emit('SigV4QueryAuth presigned with a session token',\n"
    "     A.SigV4QueryAuth(tcreds, 'service', 'us-east-1', expires=60),\n"
    "     'GET', 'https://example.amazonaws.com/p?x=1')\n";


static void
t_botocore(void)
{
    int                  rc, n;
    FILE                *p, *f;
    char                 script[] = "/tmp/iam_test_sigv4_XXXXXX";
    char                 cmd[256], line[16384];
    size_t               i;
    json_t              *j, *hs, *h;
    iam_str_t            region, service;
    t_request_t          r;
    json_error_t         err;
    iam_sigv4_conf_t     conf;
    iam_sigv4_auth_t     auth;
    iam_sigv4_request_t  req;

    if (system("python3 -c 'import botocore' >/dev/null 2>&1") != 0) {
        ok(1, "botocore # SKIP python3 or botocore is not installed");
        return;
    }

    n = mkstemp(script);
    if (n < 0 || (f = fdopen(n, "w")) == NULL) {
        ok(0, "botocore: write the signing script");
        return;
    }

    fputs(t_botocore_py, f);
    fclose(f);

    snprintf(cmd, sizeof(cmd), "python3 %s", script);
    p = popen(cmd, "r");
    n = 0;

    while (p != NULL && fgets(line, sizeof(line), p) != NULL) {
        j = json_loads(line, 0, &err);
        if (j == NULL) {
            ok(0, "botocore: output line is JSON: %s", err.text);
            continue;
        }

        memset(&r, 0, sizeof(r));
        r.method.data = json_string_value(json_object_get(j, "method"));
        r.method.len = strlen(r.method.data);
        r.path.data = json_string_value(json_object_get(j, "path"));
        r.path.len = strlen(r.path.data);
        r.query.data = json_string_value(json_object_get(j, "query"));
        r.query.len = strlen(r.query.data);
        r.body.data = json_string_value(json_object_get(j, "body"));
        r.body.len = strlen(r.body.data);

        hs = json_object_get(j, "headers");

        for (i = 0; i < json_array_size(hs) && i < T_MAX_HEADERS; i++) {
            h = json_array_get(hs, i);
            r.headers[i].name.data = json_string_value(json_array_get(h, 0));
            r.headers[i].name.len = strlen(r.headers[i].name.data);
            r.headers[i].value.data = json_string_value(json_array_get(h, 1));
            r.headers[i].value.len = strlen(r.headers[i].value.data);
        }

        r.nheaders = i;

        iam_str_set(&region, "us-east-1");
        service.data = json_string_value(json_object_get(j, "service"));
        service.len = strlen(service.data);
        iam_sigv4_conf_init(&conf, region, service);

        t_setup(&req, &r, T_CLOCK + 30);

        rc = t_run(&conf, &req, &auth, T_SECRET, &cache);
        if (!tap_ok(rc == IAM_OK, __FILE__, __LINE__, "botocore %s",
                    json_string_value(json_object_get(j, "name"))))
        {
            printf("#   error %s: %s\n", iam_sigv4_error_code(auth.error),
                   auth.detail ? auth.detail : "");
            printf("#   canonical request:\n%.*s\n",
                   (int) auth.canonical_request.len,
                   auth.canonical_request.data);
        }

        iam_str_set(&req.method, "DELETE");
        rc = t_run(&conf, &req, &auth, T_SECRET, &cache);
        is_int(auth.error, IAM_SIGV4_ERR_SIGNATURE_MISMATCH,
               "botocore %s: as a DELETE it does not match",
               json_string_value(json_object_get(j, "name")));

        n++;
        json_decref(j);
    }

    if (p == NULL || pclose(p) != 0) {
        ok(0, "botocore: the signing script ran");
    }

    unlink(script);

    is_int(n, 6, "botocore: all 6 signed requests were checked");
}


/*
 * curl --aws-sigv4 sends to a socket of ours; the request it sent is
 * parsed back and verified at the current time.
 */

static void
t_curl(void)
{
    int                  rc;
    char                 buf[16384];
    size_t               len;
    iam_str_t            region, service;
    t_request_t          r;
    iam_sigv4_conf_t     conf;
    iam_sigv4_auth_t     auth;
    iam_sigv4_request_t  req;

    static const struct {
        const char  *name;
        const char  *service;
        const char  *args;
        const char  *path;
        int          strict;     /* S3 insists on x-amz-content-sha256 */
        int          want;
    } cases[] = {
        { "S3 GET with x-amz-content-sha256", "s3",
          "-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD'",
          "/bucket/a%20b/c+d?list-type=2&prefix=x%2Fy", 1, IAM_SIGV4_OK },
        { "S3 PUT with a body and x-amz-meta-*", "s3",
          "-X PUT -d hello -H 'x-amz-meta-note:  a   b '"
          " -H 'x-amz-content-sha256: "
          "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824'",
          "/bucket/key.txt", 1, IAM_SIGV4_OK },
        { "S3 PUT without x-amz-content-sha256", "s3", "-X PUT -d hello",
          "/bucket/key.txt", 1, IAM_SIGV4_ERR_MISSING_CONTENT_SHA256 },
        { "S3 PUT without x-amz-content-sha256, not required", "s3",
          "-X PUT -d hello", "/bucket/key.txt", 0, IAM_SIGV4_OK },
        { "another service, GET", "service", "", "/orders/42?view=full", 0,
          IAM_SIGV4_OK },
    };

    size_t  i;

    if (system("curl --version >/dev/null 2>&1") != 0) {
        ok(1, "curl --aws-sigv4 # SKIP curl is not installed");
        return;
    }

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char  args[512];

        snprintf(args, sizeof(args),
                 "--aws-sigv4 'aws:amz:us-east-1:%s' "
                 "--user 'AKIDEXAMPLE:%s' %s",
                 cases[i].service, T_SECRET, cases[i].args);

        if (t_curl_capture(args, cases[i].path, buf, sizeof(buf), &len)
            != 0)
        {
            ok(0, "curl %s: capture the request", cases[i].name);
            continue;
        }

        memset(&r, 0, sizeof(r));
        r.buf = buf;
        r.len = len;

        if (t_parse_request(&r, 0) != 0) {
            ok(0, "curl %s: parse the request", cases[i].name);
            continue;
        }

        iam_str_set(&region, "us-east-1");
        service.data = cases[i].service;
        service.len = strlen(service.data);
        iam_sigv4_conf_init(&conf, region, service);
        conf.require_content_sha256 = cases[i].strict;

        t_setup(&req, &r, time(NULL));

        if (r.body.len == 0) {
            /* no body seen: let x-amz-content-sha256 speak, if sent */
            req.payload_hash.len = 0;
        }

        rc = t_run(&conf, &req, &auth, T_SECRET, &cache);
        if (!tap_ok(auth.error == (iam_sigv4_err_t) cases[i].want,
                    __FILE__, __LINE__, "curl %s: %s", cases[i].name,
                    cases[i].want ? iam_sigv4_error_code(cases[i].want)
                                  : "verifies"))
        {
            printf("#   rc %d error %s: %s\n", rc,
                   iam_sigv4_error_code(auth.error),
                   auth.detail ? auth.detail : "");
            printf("#   request:\n%.*s\n", (int) len, buf);
        }
    }
}


static int
t_curl_capture(const char *args, const char *url, char *buf, size_t size,
    size_t *len)
{
    int                 ls, c, rc;
    char                cmd[2048], *eoh, *cl;
    FILE               *p;
    size_t              want;
    ssize_t             n;
    socklen_t           sl;
    struct pollfd       pfd;
    struct sockaddr_in  sin;

    static const char  reply[] =
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

    ls = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sl = sizeof(sin);

    if (ls < 0 || bind(ls, (struct sockaddr *) &sin, sizeof(sin)) != 0
        || listen(ls, 1) != 0
        || getsockname(ls, (struct sockaddr *) &sin, &sl) != 0)
    {
        if (ls >= 0) {
            close(ls);
        }

        return -1;
    }

    snprintf(cmd, sizeof(cmd),
             "curl -s -o /dev/null --max-time 10 %s 'http://127.0.0.1:%d%s'",
             args, ntohs(sin.sin_port), url);

    p = popen(cmd, "r");
    if (p == NULL) {
        close(ls);
        return -1;
    }

    rc = -1;
    *len = 0;
    pfd.fd = ls;
    pfd.events = POLLIN;

    if (poll(&pfd, 1, 10000) != 1 || (c = accept(ls, NULL, NULL)) < 0) {
        goto done;
    }

    pfd.fd = c;

    for ( ;; ) {
        if (*len == size - 1 || poll(&pfd, 1, 10000) != 1) {
            break;
        }

        n = read(c, buf + *len, size - 1 - *len);
        if (n <= 0) {
            break;
        }

        *len += n;
        buf[*len] = '\0';

        eoh = strstr(buf, "\r\n\r\n");
        if (eoh == NULL) {
            continue;
        }

        cl = strcasestr(buf, "\r\nContent-Length:");
        want = (cl != NULL && cl < eoh) ? strtoul(cl + 17, NULL, 10) : 0;

        if ((size_t) (buf + *len - (eoh + 4)) >= want) {
            rc = 0;
            break;
        }
    }

    if (write(c, reply, sizeof(reply) - 1) < 0) {
        rc = -1;
    }

    close(c);

done:

    close(ls);

    if (pclose(p) != 0) {
        rc = -1;
    }

    return rc;
}
