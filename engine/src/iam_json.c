/*
 * ngx_iam engine: JSON loading and error positions.
 *
 * jansson gives syntax errors their line and column; for semantic errors we
 * re-tokenize the text with jsmn (only when an error is reported) and walk
 * the JSON path to the offending value.
 */

#include <stdio.h>
#include <stdlib.h>
#include <errno.h>

#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#include <iam/iam_json.h>
#include <iam/iam_fault.h>


static int iam_json_skip(const jsmntok_t *toks, int ntoks, int i);
static int iam_json_key_eq(const char *text, const jsmntok_t *tok,
    const char *key);
static void *iam_json_malloc(size_t size);
static void iam_json_nul(iam_diags_t *diags, const char *file,
    const char *text, const char *nul);
static void iam_json_offset_to_pos(const char *text, size_t offset,
    unsigned *line, unsigned *column);


/* the allocator of the parse in progress, and whether it failed */
static json_malloc_t  iam_json_prev_malloc;
static int            iam_json_oom;


void
iam_json_path_push_key(iam_json_path_t *path, const char *key)
{
    if (path->nelts < IAM_JSON_PATH_MAX) {
        path->elts[path->nelts].key = key;
        path->elts[path->nelts].index = 0;
    }

    path->nelts++;
}


void
iam_json_path_push_index(iam_json_path_t *path, size_t index)
{
    if (path->nelts < IAM_JSON_PATH_MAX) {
        path->elts[path->nelts].key = NULL;
        path->elts[path->nelts].index = index;
    }

    path->nelts++;
}


void
iam_json_path_pop(iam_json_path_t *path)
{
    if (path->nelts) {
        path->nelts--;
    }
}


size_t
iam_json_path_format(const iam_json_path_t *path, char *buf, size_t size)
{
    int       n;
    size_t    len;
    unsigned  i, nelts;

    len = 0;
    buf[0] = '\0';
    nelts = path->nelts < IAM_JSON_PATH_MAX ? path->nelts : IAM_JSON_PATH_MAX;

    for (i = 0; i < nelts && len < size; i++) {
        if (path->elts[i].key) {
            n = snprintf(buf + len, size - len, "%s%s", len ? "." : "",
                         path->elts[i].key);

        } else {
            n = snprintf(buf + len, size - len, "[%zu]", path->elts[i].index);
        }

        if (n < 0) {
            break;
        }

        len += (size_t) n;
    }

    return len < size ? len : size - 1;
}


/* the index of the token after the subtree at i */
static int
iam_json_skip(const jsmntok_t *toks, int ntoks, int i)
{
    int  n, j;

    if (i >= ntoks) {
        return ntoks;
    }

    n = toks[i].size;
    j = i + 1;

    if (toks[i].type == JSMN_OBJECT) {
        while (n-- > 0 && j < ntoks) {
            j = iam_json_skip(toks, ntoks, j + 1);      /* key, then value */
        }

    } else if (toks[i].type == JSMN_ARRAY) {
        while (n-- > 0 && j < ntoks) {
            j = iam_json_skip(toks, ntoks, j);
        }
    }

    return j;
}


static int
iam_json_key_eq(const char *text, const jsmntok_t *tok, const char *key)
{
    size_t  len;

    len = strlen(key);

    return tok->type == JSMN_STRING
           && (size_t) (tok->end - tok->start) == len
           && memcmp(text + tok->start, key, len) == 0;
}


static void
iam_json_offset_to_pos(const char *text, size_t offset, unsigned *line,
    unsigned *column)
{
    size_t  i;

    *line = 1;
    *column = 1;

    for (i = 0; i < offset; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *column = 1;

        } else if (((unsigned char) text[i] & 0xc0) != 0x80) {
            /* count characters, not UTF-8 continuation bytes */
            (*column)++;
        }
    }
}


void
iam_json_locate(const iam_source_t *src, const iam_json_path_t *path,
    unsigned *line, unsigned *column)
{
    int                     ntoks, i, at, n, j;
    size_t                  offset, k;
    unsigned                e, nelts;
    jsmntok_t              *toks;
    jsmn_parser             parser;
    iam_json_path_t         full;
    const iam_json_path_elt_t  *elt;

    *line = 0;
    *column = 0;

    if (src == NULL || src->text == NULL) {
        return;
    }

    full = src->base;
    nelts = path ? path->nelts : 0;

    for (e = 0; e < nelts && e < IAM_JSON_PATH_MAX; e++) {
        if (full.nelts < IAM_JSON_PATH_MAX) {
            full.elts[full.nelts++] = path->elts[e];
        }
    }

    jsmn_init(&parser);
    ntoks = jsmn_parse(&parser, src->text, src->len, NULL, 0);
    if (ntoks <= 0) {
        return;
    }

    toks = iam_malloc(sizeof(jsmntok_t) * (size_t) ntoks);
    if (toks == NULL) {
        return;
    }

    jsmn_init(&parser);
    ntoks = jsmn_parse(&parser, src->text, src->len, toks, (size_t) ntoks);
    if (ntoks <= 0) {
        free(toks);
        return;
    }

    /* "at" is the token where a person should look: the key, if any */
    i = 0;
    at = 0;

    for (e = 0; e < full.nelts; e++) {
        elt = &full.elts[e];
        n = toks[i].size;
        j = i + 1;

        if (elt->key && toks[i].type == JSMN_OBJECT) {
            while (n-- > 0 && j < ntoks) {
                if (iam_json_key_eq(src->text, &toks[j], elt->key)) {
                    break;
                }
                j = iam_json_skip(toks, ntoks, j + 1);
            }

            if (n < 0 || j >= ntoks) {
                break;
            }

            at = j;
            i = j + 1;

        } else if (elt->key == NULL && toks[i].type == JSMN_ARRAY) {
            for (k = 0; k < elt->index && j < ntoks; k++) {
                j = iam_json_skip(toks, ntoks, j);
            }

            if (elt->index >= (size_t) n || j >= ntoks) {
                break;
            }

            at = j;
            i = j;

        } else {
            break;
        }
    }

    offset = (size_t) toks[at].start;
    if (toks[at].type == JSMN_STRING && offset > 0) {
        offset--;       /* the opening quote */
    }

    iam_json_offset_to_pos(src->text, offset, line, column);

    free(toks);
}


void
iam_report(iam_diags_t *diags, const iam_source_t *src,
    const iam_json_path_t *path, const char *fmt, ...)
{
    char             where[512], msg[1024];
    size_t           n;
    va_list          args;
    unsigned         line, column;
    iam_json_path_t  full;
    unsigned         e;

    va_start(args, fmt);
    vsnprintf(msg, sizeof(msg), fmt, args);
    va_end(args);

    iam_json_locate(src, path, &line, &column);

    /* name the path within the document (not the account file's prefix) */
    full.nelts = 0;
    for (e = 0; path && e < path->nelts && e < IAM_JSON_PATH_MAX; e++) {
        full.elts[full.nelts++] = path->elts[e];
    }

    n = iam_json_path_format(&full, where, sizeof(where));

    if (n) {
        iam_diags_add(diags, src ? src->file : "", line, column, "%s: %s",
                      where, msg);

    } else {
        iam_diags_add(diags, src ? src->file : "", line, column, "%s", msg);
    }
}


static void *
iam_json_malloc(size_t size)
{
    void  *p;

    p = iam_json_prev_malloc(size);
    if (p == NULL) {
        iam_json_oom = 1;
    }

    return p;
}


json_t *
iam_json_load_buffer(const char *name, const char *text, size_t len,
    iam_diags_t *diags)
{
    json_t             *doc;
    json_error_t        error;
    json_free_t         prev_free;
    json_malloc_t       prev_malloc;

    /*
     * jansson 2.14's lexer ignores a failed buffer growth and goes on with
     * a truncated string ("s3:DeleteBucket" parsed as "s3:DeleteBucke"):
     * watch every allocation of the parse and refuse the document if any
     * failed.
     */
    json_get_alloc_funcs(&prev_malloc, &prev_free);
    iam_json_prev_malloc = prev_malloc;
    iam_json_oom = 0;
    json_set_alloc_funcs(iam_json_malloc, prev_free);

    doc = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
                     &error);

    json_set_alloc_funcs(prev_malloc, prev_free);

    if (doc != NULL && iam_json_oom) {
        json_decref(doc);
        iam_diags_add(diags, name, 0, 0, "out of memory");
        return NULL;
    }

    if (doc == NULL) {
        iam_diags_add(diags, name, error.line > 0 ? (unsigned) error.line : 1,
                      error.column > 0 ? (unsigned) error.column : 1,
                      "%s", error.text);
    }

    return doc;
}


/* "FILE:LINE:COLUMN: NUL byte in JSON text", pointing at the byte */
static void
iam_json_nul(iam_diags_t *diags, const char *file, const char *text,
    const char *nul)
{
    unsigned     line;
    const char  *p, *bol;

    line = 1;
    bol = text;

    for (p = text; p < nul; p++) {
        if (*p == '\n') {
            line++;
            bol = p + 1;
        }
    }

    iam_diags_add(diags, file, line, (unsigned) (nul - bol) + 1,
                  "NUL byte in JSON text");
}


json_t *
iam_json_load_file(const char *file, char **text, size_t *len,
    iam_diags_t *diags)
{
    FILE    *f;
    char    *buf, *p;
    size_t   size, n;
    json_t  *doc;

    *text = NULL;
    *len = 0;

    f = fopen(file, "rb");
    if (f == NULL) {
        iam_diags_add(diags, file, 0, 0, "cannot open: %s", strerror(errno));
        return NULL;
    }

    size = 0;
    buf = NULL;

    for ( ;; ) {
        p = iam_realloc(buf, size + 65536 + 1);
        if (p == NULL) {
            free(buf);
            fclose(f);
            iam_diags_add(diags, file, 0, 0, "out of memory");
            return NULL;
        }

        buf = p;
        n = fread(buf + size, 1, 65536, f);
        size += n;

        if (n < 65536) {
            break;
        }
    }

    if (ferror(f)) {
        iam_diags_add(diags, file, 0, 0, "cannot read: %s", strerror(errno));
        fclose(f);
        free(buf);
        return NULL;
    }

    fclose(f);
    buf[size] = '\0';

    p = memchr(buf, '\0', size);

    if (p != NULL) {
        iam_json_nul(diags, file, buf, p);
        free(buf);
        return NULL;
    }

    doc = iam_json_load_buffer(file, buf, size, diags);
    if (doc == NULL) {
        free(buf);
        return NULL;
    }

    *text = buf;
    *len = size;

    return doc;
}
