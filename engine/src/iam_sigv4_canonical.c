/*
 * ngx_iam engine: the SigV4 canonical request.
 *
 *   METHOD \n CANONICAL-URI \n CANONICAL-QUERY \n CANONICAL-HEADERS \n
 *   SIGNED-HEADERS \n PAYLOAD-HASH
 *
 * The buffer is sized from the request before anything is written, so the
 * request is walked twice but allocated from once.
 */

#include <stdlib.h>
#include <iam/iam_sigv4.h>
#include "iam_sigv4_internal.h"


typedef struct {
    iam_str_t               name;
    iam_str_t               value;
} iam_sigv4_param_t;


static char *iam_sigv4_canonical_uri(const iam_sigv4_conf_t *conf,
    iam_str_t path, char *p);
static char *iam_sigv4_normalized_uri(iam_str_t path, char *p);
static char *iam_sigv4_encode(char *p, const char *src, size_t len,
    int keep_slash);
static char *iam_sigv4_recode(char *p, const char *src, size_t len);
static char *iam_sigv4_sent_path(char *p, const char *src, size_t len);
static int iam_sigv4_canonical_query(const iam_sigv4_conf_t *conf,
    const iam_sigv4_request_t *req, const iam_sigv4_auth_t *auth,
    char **pp);
static void iam_sigv4_sort_params(iam_sigv4_param_t *params, size_t n);
static int iam_sigv4_param_cmp(const void *one, const void *two);
static int iam_sigv4_str_cmp(iam_str_t a, iam_str_t b);
static char *iam_sigv4_canonical_headers(const iam_sigv4_request_t *req,
    const iam_sigv4_auth_t *auth, char *p);
static char *iam_sigv4_trimall(char *p, iam_str_t value);


static const char  iam_sigv4_hex[] = "0123456789ABCDEF";

                       /* " ", "#", "$" ... "~": one bit per byte */
const uint32_t  iam_sigv4_unreserved_map[8] = {
    0x00000000, /* 0000 0000 0000 0000  0000 0000 0000 0000 */

                /* ?>=< ;:98 7654 3210  /.-, +*)( '&%$ #"!  */
    0x03ff6000, /* 0000 0011 1111 1111  0110 0000 0000 0000 */

                /* _^]\ [ZYX WVUT SRQP  ONML KJIH GFED CBA@ */
    0x87fffffe, /* 1000 0111 1111 1111  1111 1111 1111 1110 */

                /*  ~}| {zyx wvut srqp  onml kjih gfed cba` */
    0x47fffffe, /* 0100 0111 1111 1111  1111 1111 1111 1110 */

    0x00000000, 0x00000000, 0x00000000, 0x00000000
};


int
iam_sigv4_canonical_request(const iam_sigv4_conf_t *conf,
    const iam_sigv4_request_t *req, const iam_sigv4_auth_t *auth,
    iam_str_t *out)
{
    char    *buf, *p;
    size_t   size, i;

    size = req->method.len + 1
           + 3 * req->path.len + 2 + 1
           + 5 * req->query.len + 2 + 1
           + 3 * (auth->signed_headers.len + 1) + 1
           + auth->signed_headers.len + 1
           + auth->payload_hash.len;

    for (i = 0; i < req->nheaders; i++) {
        size += req->headers[i].value.len + 1;
    }

    buf = req->alloc(req->alloc_data, size);
    if (buf == NULL) {
        return IAM_ERROR;
    }

    p = buf;

    if (req->method.len) {
        memcpy(p, req->method.data, req->method.len);
        p += req->method.len;
    }

    *p++ = '\n';

    p = iam_sigv4_canonical_uri(conf, req->path, p);
    *p++ = '\n';

    if (iam_sigv4_canonical_query(conf, req, auth, &p) != IAM_OK) {
        return IAM_ERROR;
    }

    *p++ = '\n';

    p = iam_sigv4_canonical_headers(req, auth, p);
    *p++ = '\n';

    memcpy(p, auth->signed_headers.data, auth->signed_headers.len);
    p += auth->signed_headers.len;
    *p++ = '\n';

    memcpy(p, auth->payload_hash.data, auth->payload_hash.len);
    p += auth->payload_hash.len;

    out->data = buf;
    out->len = p - buf;

    return IAM_OK;
}


static char *
iam_sigv4_canonical_uri(const iam_sigv4_conf_t *conf, iam_str_t path,
    char *p)
{
    char  *start;

    if (path.len == 0) {
        /* nginx may hand an empty string as NULL: no arithmetic on it */
        *p++ = '/';
        return p;
    }

    if (conf->normalize_path) {
        return iam_sigv4_normalized_uri(path, p);
    }

    start = p;

    if (path.len == 0 || path.data[0] != '/') {
        *p++ = '/';
    }

    if (conf->double_encode) {
        /* the path as sent is encoded once: this is the second time */
        p = iam_sigv4_encode(p, path.data, path.len, 1);

    } else {
        p = iam_sigv4_sent_path(p, path.data, path.len);
    }

    if (p == start) {
        *p++ = '/';
    }

    return p;
}


/*
 * RFC 3986 5.2.4 dot-segment removal plus the repeated-slash collapse AWS
 * wants, done the way botocore does it: on the path as sent, segment by
 * segment, each kept segment encoded once more.
 */

static char *
iam_sigv4_normalized_uri(iam_str_t path, char *p)
{
    char        *start;
    const char  *s, *end, *seg;
    size_t       len;

    start = p;
    s = path.data;
    end = path.data + path.len;

    while (s < end) {
        seg = s;

        while (s < end && *s != '/') {
            s++;
        }

        len = s - seg;

        if (s < end) {
            s++;
        }

        if (len == 0 || (len == 1 && seg[0] == '.')) {
            continue;
        }

        if (len == 2 && seg[0] == '.' && seg[1] == '.') {
            /* encoded segments hold no '/', so the last one is the cut */
            while (p > start && *--p != '/') { /* void */ }
            continue;
        }

        *p++ = '/';
        p = iam_sigv4_encode(p, seg, len, 0);
    }

    if (p == start) {
        *p++ = '/';

    } else if (path.data[path.len - 1] == '/') {
        *p++ = '/';
    }

    return p;
}


/* UriEncode() of the SigV4 spec: unreserved bytes stay, all else %XX. */

static char *
iam_sigv4_encode(char *p, const char *src, size_t len, int keep_slash)
{
    size_t         i;
    unsigned char  c;

    for (i = 0; i < len; i++) {
        c = (unsigned char) src[i];

        if (iam_sigv4_unreserved(c) || (c == '/' && keep_slash)) {
            *p++ = (char) c;

        } else {
            *p++ = '%';
            *p++ = iam_sigv4_hex[c >> 4];
            *p++ = iam_sigv4_hex[c & 0xf];
        }
    }

    return p;
}


/*
 * Decode, then UriEncode(): "%7e", "~" and "%7E" are one byte to the
 * signer, so they must be one string in the canonical query.
 */

static char *
iam_sigv4_recode(char *p, const char *src, size_t len)
{
    int            hi, lo;
    size_t         i, start;
    unsigned char  c;

    i = 0;

    while (i < len) {
        /* a run of unreserved bytes, the usual case, goes as it is */
        start = i;

        while (i < len && iam_sigv4_unreserved(src[i])) {
            i++;
        }

        memcpy(p, src + start, i - start);
        p += i - start;

        if (i == len) {
            break;
        }

        c = (unsigned char) src[i];

        if (c == '%' && i + 2 < len) {
            hi = iam_hex_value(src[i + 1]);
            lo = iam_hex_value(src[i + 2]);

            if (hi >= 0 && lo >= 0) {
                c = (unsigned char) (hi << 4 | lo);
                i += 2;
            }
        }

        i++;

        if (iam_sigv4_unreserved(c)) {
            *p++ = (char) c;

        } else {
            *p++ = '%';
            *p++ = iam_sigv4_hex[c >> 4];
            *p++ = iam_sigv4_hex[c & 0xf];
        }
    }

    return p;
}


/*
 * S3 signs the path as the client sent it, which is URI-encoded once
 * already; clients disagree on sub-delimiters such as '+' and '=' (curl
 * 7.88 leaves them raw, botocore encodes them), so those are kept as sent
 * and only bytes that cannot appear raw in a URI are encoded.
 */

static char *
iam_sigv4_sent_path(char *p, const char *src, size_t len)
{
    size_t         i;
    unsigned char  c;

    for (i = 0; i < len; i++) {
        c = (unsigned char) src[i];

        if (c == '%' && i + 2 < len
            && iam_hex_value(src[i + 1]) >= 0
            && iam_hex_value(src[i + 2]) >= 0)
        {
            *p++ = src[i++];
            *p++ = src[i++];
            *p++ = src[i];
            continue;
        }

        if (c > 0x20 && c < 0x7f && c != '%') {
            *p++ = (char) c;

        } else {
            *p++ = '%';
            *p++ = iam_sigv4_hex[c >> 4];
            *p++ = iam_sigv4_hex[c & 0xf];
        }
    }

    return p;
}


static int
iam_sigv4_canonical_query(const iam_sigv4_conf_t *conf,
    const iam_sigv4_request_t *req, const iam_sigv4_auth_t *auth,
    char **pp)
{
    char               *buf, *b, *p;
    size_t              n, i;
    iam_str_t           name, value;
    const char         *pos, *end;
    iam_sigv4_param_t  *params;

    if (req->query.len == 0) {
        return IAM_OK;
    }

    end = req->query.data + req->query.len;

    /* at most one parameter more than there are '&': enough to size */
    n = 1;

    for (pos = req->query.data;
         (pos = memchr(pos, '&', end - pos)) != NULL;
         pos++)
    {
        n++;
    }

    params = req->alloc(req->alloc_data, n * sizeof(iam_sigv4_param_t));
    buf = req->alloc(req->alloc_data, 3 * req->query.len);

    if (params == NULL || buf == NULL) {
        return IAM_ERROR;
    }

    n = 0;
    b = buf;
    pos = req->query.data;

    while (iam_sigv4_next_param(&pos, end, &name, &value)) {
        params[n].name.data = b;
        b = iam_sigv4_recode(b, name.data, name.len);
        params[n].name.len = b - params[n].name.data;

        if (auth->presigned) {
            /* the signature cannot sign itself */
            if (iam_str_eq_cstr(params[n].name, "X-Amz-Signature")) {
                continue;
            }

            if (conf->token_unsigned
                && iam_str_eq_cstr(params[n].name, "X-Amz-Security-Token"))
            {
                continue;
            }
        }

        params[n].value.data = b;
        b = iam_sigv4_recode(b, value.data, value.len);
        params[n].value.len = b - params[n].value.data;

        n++;
    }

    iam_sigv4_sort_params(params, n);

    p = *pp;

    for (i = 0; i < n; i++) {
        if (i) {
            *p++ = '&';
        }

        memcpy(p, params[i].name.data, params[i].name.len);
        p += params[i].name.len;
        *p++ = '=';
        memcpy(p, params[i].value.data, params[i].value.len);
        p += params[i].value.len;
    }

    *pp = p;

    return IAM_OK;
}


/*
 * A presigned URL has about eight parameters: an insertion sort orders
 * them without qsort()'s indirect calls; long queries still get qsort().
 * Equal pairs are equal bytes, so stability does not show in the output.
 */

static void
iam_sigv4_sort_params(iam_sigv4_param_t *params, size_t n)
{
    size_t             i, j;
    iam_sigv4_param_t  param;

    if (n > 16) {
        qsort(params, n, sizeof(iam_sigv4_param_t), iam_sigv4_param_cmp);
        return;
    }

    for (i = 1; i < n; i++) {
        param = params[i];

        for (j = i; j > 0 && iam_sigv4_param_cmp(&params[j - 1], &param) > 0;
             j--)
        {
            params[j] = params[j - 1];
        }

        params[j] = param;
    }
}


static int
iam_sigv4_param_cmp(const void *one, const void *two)
{
    int                       rc;
    const iam_sigv4_param_t  *a, *b;

    a = one;
    b = two;

    rc = iam_sigv4_str_cmp(a->name, b->name);

    return rc ? rc : iam_sigv4_str_cmp(a->value, b->value);
}


static int
iam_sigv4_str_cmp(iam_str_t a, iam_str_t b)
{
    int  rc;

    rc = memcmp(a.data, b.data, a.len < b.len ? a.len : b.len);

    if (rc) {
        return rc;
    }

    return (a.len > b.len) - (a.len < b.len);
}


/*
 * The signed list is sorted and unique (iam_sigv4_parse() checked), so
 * walking it in order gives the canonical order; repeated headers are
 * joined with ',' in the order received.
 */

static char *
iam_sigv4_canonical_headers(const iam_sigv4_request_t *req,
    const iam_sigv4_auth_t *auth, char *p)
{
    size_t       i, n;
    iam_str_t    tok;
    const char  *pos, *end;

    pos = auth->signed_headers.data;
    end = pos + auth->signed_headers.len;

    while (iam_sigv4_next_token(&pos, end, &tok)) {
        memcpy(p, tok.data, tok.len);
        p += tok.len;
        *p++ = ':';

        n = 0;

        for (i = 0; i < req->nheaders; i++) {
            if (!iam_str_eq_icase(req->headers[i].name, tok)) {
                continue;
            }

            if (n++) {
                *p++ = ',';
            }

            p = iam_sigv4_trimall(p, req->headers[i].value);
        }

        *p++ = '\n';
    }

    return p;
}


/*
 * Trimall: no leading or trailing whitespace, inner runs as one space.
 * Line breaks count as whitespace, which unfolds obs-fold values as
 * RFC 7230 3.2.4 says (and as botocore's str.split() does).
 */

static char *
iam_sigv4_trimall(char *p, iam_str_t value)
{
    int          space;
    size_t       i;
    const char  *s;
    char        *start;

    s = value.data;
    start = p;
    space = 0;

    for (i = 0; i < value.len; i++) {
        switch (s[i]) {
        case ' ': case '\t': case '\r': case '\n': case '\v': case '\f':
            space = 1;
            break;

        default:
            if (space && p > start) {
                *p++ = ' ';
            }

            space = 0;
            *p++ = s[i];
        }
    }

    return p;
}


int
iam_sigv4_next_param(const char **pos, const char *end, iam_str_t *name,
    iam_str_t *value)
{
    const char  *s, *stop, *eq;

    s = *pos;

    while (s < end && *s == '&') {
        s++;
    }

    if (s == end) {
        *pos = s;
        return 0;
    }

    /* memchr: presigned queries are long, and they are walked per request */
    stop = memchr(s, '&', end - s);
    if (stop == NULL) {
        stop = end;
    }

    eq = memchr(s, '=', stop - s);

    name->data = s;

    if (eq != NULL) {
        name->len = eq - s;
        value->data = eq + 1;
        value->len = stop - (eq + 1);

    } else {
        name->len = stop - s;
        value->data = stop;
        value->len = 0;
    }

    *pos = stop;

    return 1;
}


int
iam_sigv4_next_token(const char **pos, const char *end, iam_str_t *tok)
{
    const char  *s, *start;

    /* NULL once the last token was handed out, so "a;" yields "a" and "" */
    if (*pos == NULL) {
        return 0;
    }

    start = *pos;
    s = start;

    while (s < end && *s != ';') {
        s++;
    }

    tok->data = start;
    tok->len = s - start;

    *pos = (s < end) ? s + 1 : NULL;

    return 1;
}


size_t
iam_sigv4_decode(char *dst, const char *src, size_t len)
{
    int          hi, lo;
    char        *p;
    const char  *s, *end, *pct;

    p = dst;
    s = src;
    end = src + len;

    /* whole runs up to the next '%' are copied at once */
    while ((pct = memchr(s, '%', end - s)) != NULL) {
        memcpy(p, s, pct - s);
        p += pct - s;
        s = pct;

        if (end - s > 2) {
            hi = iam_hex_value(s[1]);
            lo = iam_hex_value(s[2]);

            if (hi >= 0 && lo >= 0) {
                *p++ = (char) (hi << 4 | lo);
                s += 3;
                continue;
            }
        }

        *p++ = *s++;
    }

    memcpy(p, s, end - s);
    p += end - s;

    return p - dst;
}
