/*
 * Helpers shared by the libFuzzer targets: an HTTP request read from the
 * fuzzer's bytes (the shape of AWS's SigV4 suite files, so the suites seed
 * the corpus as they are), and an allocator that gives every allocation
 * its own malloc() block, so that ASan sees a write past any one of them.
 */

#ifndef _IAM_FUZZ_COMMON_H_INCLUDED_
#define _IAM_FUZZ_COMMON_H_INCLUDED_


#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <iam/iam_core.h>


#define FUZZ_MAX_HEADERS  64
#define FUZZ_MAX_ALLOCS   4096


typedef struct {
    iam_str_t       name;
    iam_str_t       value;
} fuzz_header_t;

typedef struct {
    iam_str_t       method;
    iam_str_t       path;
    iam_str_t       query;
    fuzz_header_t   headers[FUZZ_MAX_HEADERS];
    size_t          nheaders;
    iam_str_t       body;
} fuzz_request_t;

typedef struct {
    void           *blocks[FUZZ_MAX_ALLOCS];
    size_t          nblocks;
} fuzz_alloc_t;


/*
 * "METHOD TARGET HTTP/1.1", headers up to an empty line, then the body;
 * TARGET runs from the first space to the last.  Lines end in LF or CRLF;
 * a line starting with a blank continues the previous header's value.
 * -1 when the bytes are not a request.
 */
static inline int
fuzz_parse_request(const char *data, size_t len, fuzz_request_t *r)
{
    const char     *s, *end, *line, *eol, *p, *q, *sp;
    fuzz_header_t  *h;

    memset(r, 0, sizeof(fuzz_request_t));

    s = data;
    end = data + len;

    eol = memchr(s, '\n', len);
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

    p = memchr(r->path.data, '?', r->path.len);
    if (p != NULL) {
        r->query.data = p + 1;
        r->query.len = r->path.data + r->path.len - (p + 1);
        r->path.len = p - r->path.data;
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

        while (eol > line && (eol[-1] == ' ' || eol[-1] == '\t')) {
            eol--;
        }

        if ((*line == ' ' || *line == '\t') && r->nheaders > 0) {
            h = &r->headers[r->nheaders - 1];
            h->value.len = eol - h->value.data;
            continue;
        }

        p = memchr(line, ':', eol - line);
        if (p == NULL || r->nheaders == FUZZ_MAX_HEADERS) {
            return -1;
        }

        h = &r->headers[r->nheaders++];
        h->name.data = line;
        h->name.len = p - line;

        p++;

        while (p < eol && (*p == ' ' || *p == '\t')) {
            p++;
        }

        h->value.data = p;
        h->value.len = eol - p;
    }

    r->body.data = s;
    r->body.len = end - s;

    return 0;
}


static inline const fuzz_header_t *
fuzz_header(const fuzz_request_t *r, const char *name)
{
    size_t  i;

    for (i = 0; i < r->nheaders; i++) {
        if (r->headers[i].name.len == strlen(name)
            && strncasecmp(r->headers[i].name.data, name,
                           r->headers[i].name.len) == 0)
        {
            return &r->headers[i];
        }
    }

    return NULL;
}


static inline void *
fuzz_alloc(void *data, size_t size)
{
    void          *p;
    fuzz_alloc_t  *a;

    a = data;

    if (a->nblocks == FUZZ_MAX_ALLOCS) {
        return NULL;
    }

    /* never 0 bytes: a pointer to nothing is still a pointer */
    p = malloc(size ? size : 1);
    if (p != NULL) {
        a->blocks[a->nblocks++] = p;
    }

    return p;
}


static inline void
fuzz_alloc_free(fuzz_alloc_t *a)
{
    while (a->nblocks) {
        free(a->blocks[--a->nblocks]);
    }
}


#define fuzz_assert(cond)                                                     \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__,        \
                    __LINE__, #cond);                                         \
            abort();                                                          \
        }                                                                     \
    } while (0)


#endif /* _IAM_FUZZ_COMMON_H_INCLUDED_ */
