/*
 * ngx_iam engine: return codes, strings, the load-time pool, diagnostics.
 *
 * Nothing in engine/ includes an nginx header: the same library serves the
 * nginx module, iamctl and the tests.
 */

#ifndef _IAM_CORE_H_INCLUDED_
#define _IAM_CORE_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>


/* Same meaning as nginx's NGX_OK/NGX_ERROR/NGX_DECLINED: the glue maps 1:1. */
#define IAM_OK          0
#define IAM_ERROR      -1
#define IAM_DECLINED   -5


typedef struct {
    size_t          len;
    const char     *data;
} iam_str_t;

#define iam_string(s)      { sizeof(s) - 1, (const char *) s }
#define iam_null_string    { 0, NULL }
#define iam_str_set(str, text)                                                \
    (str)->len = sizeof(text) - 1; (str)->data = (const char *) text

uint32_t iam_hash_icase(const char *s, size_t len);


/* inline: they sit in the inner loops of table scans and matching */

static inline int
iam_str_eq(iam_str_t a, iam_str_t b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0);
}


static inline int
iam_str_eq_icase(iam_str_t a, iam_str_t b)
{
    return a.len == b.len
           && (a.len == 0 || strncasecmp(a.data, b.data, a.len) == 0);
}


static inline int
iam_str_eq_cstr(iam_str_t a, const char *s)
{
    size_t  len;

    len = strlen(s);

    return a.len == len && (len == 0 || memcmp(a.data, s, len) == 0);
}


/* The value of a hexadecimal digit, either case; -1 for any other byte. */
static inline int
iam_hex_value(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}


/*
 * An arena for everything compiled at load time: one pool per account or
 * policy set, freed at once.  Never used on the request path.
 */
typedef struct iam_pool_s  iam_pool_t;

iam_pool_t *iam_pool_create(void);
void iam_pool_destroy(iam_pool_t *pool);
void *iam_palloc(iam_pool_t *pool, size_t size);
void *iam_pcalloc(iam_pool_t *pool, size_t size);
char *iam_pstrndup(iam_pool_t *pool, const char *s, size_t len);
iam_str_t iam_pstr(iam_pool_t *pool, const char *s, size_t len);
/* bytes handed out so far: the memory figure of `make bench` */
size_t iam_pool_used(const iam_pool_t *pool);


/*
 * Diagnostics, printed as compilers print them: FILE:LINE:COLUMN: message.
 * line and column are 0 when the input has no text to point into.
 */
typedef struct {
    char           *file;
    unsigned        line;
    unsigned        column;
    char           *message;
} iam_diag_t;

typedef struct {
    iam_diag_t     *items;
    size_t          nitems;
    size_t          nalloc;
} iam_diags_t;

void iam_diags_init(iam_diags_t *diags);
void iam_diags_free(iam_diags_t *diags);
void iam_diags_add(iam_diags_t *diags, const char *file, unsigned line,
    unsigned column, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void iam_diags_addv(iam_diags_t *diags, const char *file, unsigned line,
    unsigned column, const char *fmt, va_list args);
/* "FILE:LINE:COLUMN: message" into buf, for nginx's log and iamctl */
size_t iam_diag_format(const iam_diag_t *diag, char *buf, size_t size);


#endif /* _IAM_CORE_H_INCLUDED_ */
