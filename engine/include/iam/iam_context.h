/*
 * ngx_iam engine: the request context, the condition keys of one request.
 *
 * The caller owns the memory (nginx: the request pool; iamctl: its own);
 * keys are compared case-insensitively, as AWS compares condition key names.
 */

#ifndef _IAM_CONTEXT_H_INCLUDED_
#define _IAM_CONTEXT_H_INCLUDED_


#include <iam/iam_core.h>


typedef struct {
    iam_str_t       key;
    uint32_t        hash;       /* iam_hash_icase(key) */
    const iam_str_t *values;    /* a single-valued key has one */
    size_t          nvalues;
} iam_context_entry_t;

typedef struct {
    iam_context_entry_t  *entries;
    size_t                nentries;
    size_t                nalloc;
} iam_context_t;


void iam_context_init(iam_context_t *ctx, iam_context_entry_t *entries,
    size_t nalloc);
/*
 * Sets (or replaces) a key; the key and values are not copied.
 * IAM_ERROR when the entries are full.
 */
int iam_context_set(iam_context_t *ctx, iam_str_t key,
    const iam_str_t *values, size_t nvalues);
/* The same, for a key whose iam_hash_icase() was computed once, ahead. */
int iam_context_set_hashed(iam_context_t *ctx, iam_str_t key, uint32_t hash,
    const iam_str_t *values, size_t nvalues);
const iam_context_entry_t *iam_context_get(const iam_context_t *ctx,
    const char *key, size_t len, uint32_t hash);
const iam_context_entry_t *iam_context_find(const iam_context_t *ctx,
    const char *key);


#endif /* _IAM_CONTEXT_H_INCLUDED_ */
