/*
 * ngx_iam engine: JSON documents with positions.
 *
 * jansson parses (and reports syntax errors with line and column); its values
 * carry no position, so a semantic error names the JSON path of the value
 * ("Statement[2].Condition.StringLike") and iam_report() maps that path back
 * to FILE:LINE:COLUMN with the jsmn tokenizer, at load time only.
 */

#ifndef _IAM_JSON_H_INCLUDED_
#define _IAM_JSON_H_INCLUDED_


#include <jansson.h>
#include <iam/iam_core.h>


#define IAM_JSON_PATH_MAX  32


typedef struct {
    const char     *key;        /* object member, or NULL for an index */
    size_t          index;
} iam_json_path_elt_t;

typedef struct {
    iam_json_path_elt_t  elts[IAM_JSON_PATH_MAX];
    unsigned             nelts;
} iam_json_path_t;

void iam_json_path_push_key(iam_json_path_t *path, const char *key);
void iam_json_path_push_index(iam_json_path_t *path, size_t index);
void iam_json_path_pop(iam_json_path_t *path);
/* "Statement[2].Condition.StringLike"; returns the length written */
size_t iam_json_path_format(const iam_json_path_t *path, char *buf,
    size_t size);


/* Where a document came from, so errors can point into its text. */
typedef struct {
    const char        *file;    /* name for messages; "<stdin>" etc. */
    const char        *text;    /* the whole file; NULL: no positions */
    size_t             len;
    iam_json_path_t    base;    /* where the document sits in the file */
} iam_source_t;


/*
 * Adds "FILE:LINE:COLUMN: PATH: message" for the value at base + path.
 * The position is that of the value's key when it has one (where a person
 * looks), else of the value.
 */
void iam_report(iam_diags_t *diags, const iam_source_t *src,
    const iam_json_path_t *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Line and column (1-based) of base + path in src->text; 0 when unknown. */
void iam_json_locate(const iam_source_t *src, const iam_json_path_t *path,
    unsigned *line, unsigned *column);

/*
 * Loads a JSON file or buffer with JSON_REJECT_DUPLICATES; a syntax error
 * becomes a diagnostic with jansson's line and column.  The text is kept
 * (malloc'ed, NUL-terminated) for positions; the caller frees it.
 */
json_t *iam_json_load_file(const char *file, char **text, size_t *len,
    iam_diags_t *diags);
json_t *iam_json_load_buffer(const char *name, const char *text, size_t len,
    iam_diags_t *diags);


#endif /* _IAM_JSON_H_INCLUDED_ */
