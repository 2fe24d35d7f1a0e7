/*
 * ngx_iam engine: the request context (condition keys of one request).
 */

#include <strings.h>
#include <iam/iam_context.h>


void
iam_context_init(iam_context_t *ctx, iam_context_entry_t *entries,
    size_t nalloc)
{
    ctx->entries = entries;
    ctx->nentries = 0;
    ctx->nalloc = nalloc;
}


int
iam_context_set(iam_context_t *ctx, iam_str_t key, const iam_str_t *values,
    size_t nvalues)
{
    return iam_context_set_hashed(ctx, key, iam_hash_icase(key.data, key.len),
                                  values, nvalues);
}


int
iam_context_set_hashed(iam_context_t *ctx, iam_str_t key, uint32_t hash,
    const iam_str_t *values, size_t nvalues)
{
    iam_context_entry_t  *e;

    e = (iam_context_entry_t *) iam_context_get(ctx, key.data, key.len, hash);

    if (e == NULL) {
        if (ctx->nentries == ctx->nalloc) {
            return IAM_ERROR;
        }

        e = &ctx->entries[ctx->nentries++];
        e->key = key;
        e->hash = hash;
    }

    e->values = values;
    e->nvalues = nvalues;

    return IAM_OK;
}


const iam_context_entry_t *
iam_context_get(const iam_context_t *ctx, const char *key, size_t len,
    uint32_t hash)
{
    size_t                     i;
    const iam_context_entry_t  *e;

    if (ctx == NULL) {
        return NULL;
    }

    for (i = 0; i < ctx->nentries; i++) {
        e = &ctx->entries[i];

        if (e->hash == hash && e->key.len == len
            && strncasecmp(e->key.data, key, len) == 0)
        {
            return e;
        }
    }

    return NULL;
}


const iam_context_entry_t *
iam_context_find(const iam_context_t *ctx, const char *key)
{
    size_t  len;

    len = strlen(key);

    return iam_context_get(ctx, key, len, iam_hash_icase(key, len));
}
