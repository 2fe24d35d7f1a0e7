/*
 * ngx_iam engine: strings, the load-time pool, diagnostics.
 */

#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
#include <iam/iam_core.h>
#include <iam/iam_fault.h>


#define IAM_POOL_BLOCK  (64 * 1024)
#define IAM_ALIGN       16


typedef struct iam_pool_block_s  iam_pool_block_t;

struct iam_pool_block_s {
    iam_pool_block_t   *next;
    size_t              size;
    size_t              used;
    /* data follows, aligned */
};

struct iam_pool_s {
    iam_pool_block_t   *blocks;
    size_t              used;
};


static iam_pool_block_t *iam_pool_block_new(iam_pool_t *pool, size_t size);


uint32_t
iam_hash_icase(const char *s, size_t len)
{
    size_t         i;
    uint32_t       h;
    unsigned char  c;

    /* FNV-1a over the bytes, ASCII letters lowercased (no locale) */
    h = 2166136261u;

    for (i = 0; i < len; i++) {
        c = (unsigned char) s[i];
        h ^= (uint32_t) (c >= 'A' && c <= 'Z' ? c | 0x20 : c);
        h *= 16777619u;
    }

    return h;
}


iam_pool_t *
iam_pool_create(void)
{
    return iam_calloc(1, sizeof(iam_pool_t));
}


void
iam_pool_destroy(iam_pool_t *pool)
{
    iam_pool_block_t  *b, *next;

    if (pool == NULL) {
        return;
    }

    for (b = pool->blocks; b; b = next) {
        next = b->next;
        free(b);
    }

    free(pool);
}


static iam_pool_block_t *
iam_pool_block_new(iam_pool_t *pool, size_t size)
{
    iam_pool_block_t  *b;

    b = iam_malloc(sizeof(iam_pool_block_t) + IAM_ALIGN + size);
    if (b == NULL) {
        return NULL;
    }

    b->size = size;
    b->used = 0;
    b->next = pool->blocks;
    pool->blocks = b;

    return b;
}


void *
iam_palloc(iam_pool_t *pool, size_t size)
{
    char              *base;
    iam_pool_block_t  *b;

    size = (size + IAM_ALIGN - 1) & ~((size_t) IAM_ALIGN - 1);
    if (size == 0) {
        size = IAM_ALIGN;
    }

    b = pool->blocks;

    if (b == NULL || b->size - b->used < size) {
        /* a large request gets a block of its own */
        b = iam_pool_block_new(pool, size > IAM_POOL_BLOCK / 4
                                     ? size : IAM_POOL_BLOCK);
        if (b == NULL) {
            return NULL;
        }
    }

    base = (char *) (((uintptr_t) (b + 1) + IAM_ALIGN - 1)
                     & ~((uintptr_t) IAM_ALIGN - 1));

    pool->used += size;
    b->used += size;

    return base + b->used - size;
}


void *
iam_pcalloc(iam_pool_t *pool, size_t size)
{
    void  *p;

    p = iam_palloc(pool, size);
    if (p) {
        memset(p, 0, size);
    }

    return p;
}


char *
iam_pstrndup(iam_pool_t *pool, const char *s, size_t len)
{
    char  *p;

    p = iam_palloc(pool, len + 1);
    if (p == NULL) {
        return NULL;
    }

    if (len) {
        memcpy(p, s, len);
    }

    p[len] = '\0';

    return p;
}


iam_str_t
iam_pstr(iam_pool_t *pool, const char *s, size_t len)
{
    iam_str_t  str;

    str.data = iam_pstrndup(pool, s, len);
    str.len = str.data ? len : 0;

    return str;
}


size_t
iam_pool_used(const iam_pool_t *pool)
{
    return pool->used;
}


void
iam_diags_init(iam_diags_t *diags)
{
    diags->items = NULL;
    diags->nitems = 0;
    diags->nalloc = 0;
}


void
iam_diags_free(iam_diags_t *diags)
{
    size_t  i;

    for (i = 0; i < diags->nitems; i++) {
        free(diags->items[i].file);
        free(diags->items[i].message);
    }

    free(diags->items);
    iam_diags_init(diags);
}


void
iam_diags_addv(iam_diags_t *diags, const char *file, unsigned line,
    unsigned column, const char *fmt, va_list args)
{
    char        buf[1024];
    size_t      nalloc;
    iam_diag_t  *d, *items;

    if (diags->nitems == diags->nalloc) {
        nalloc = diags->nalloc ? diags->nalloc * 2 : 8;
        items = iam_realloc(diags->items, nalloc * sizeof(iam_diag_t));
        if (items == NULL) {
            /* the caller's own error state says it failed; this is lost */
            return;
        }
        diags->items = items;
        diags->nalloc = nalloc;
    }

    vsnprintf(buf, sizeof(buf), fmt, args);

    d = &diags->items[diags->nitems];
    d->file = iam_strdup(file ? file : "");
    d->message = iam_strdup(buf);

    if (d->file == NULL || d->message == NULL) {
        free(d->file);
        free(d->message);
        return;
    }

    d->line = line;
    d->column = column;
    diags->nitems++;
}


void
iam_diags_add(iam_diags_t *diags, const char *file, unsigned line,
    unsigned column, const char *fmt, ...)
{
    va_list  args;

    va_start(args, fmt);
    iam_diags_addv(diags, file, line, column, fmt, args);
    va_end(args);
}


size_t
iam_diag_format(const iam_diag_t *diag, char *buf, size_t size)
{
    int  n;

    if (diag->line) {
        n = snprintf(buf, size, "%s:%u:%u: %s", diag->file, diag->line,
                     diag->column, diag->message);

    } else {
        n = snprintf(buf, size, "%s: %s", diag->file, diag->message);
    }

    if (n < 0) {
        return 0;
    }

    return (size_t) n < size ? (size_t) n : size - 1;
}
