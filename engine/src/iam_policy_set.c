/*
 * ngx_iam engine: policy sets, statements indexed by action.
 *
 * A statement is filed under each exact action it names ("s3:getobject");
 * a wildcard action of a fixed service under its service and the first
 * letters of the action when it has IAM_PREFIX_LEN of them ("s3:get" for
 * "s3:Get*"), else under its service ("s3" for "s3:*"); anything else in the
 * general list ("*", "s*:get*", NotAction).  A decision looks at four short
 * lists, merged in statement order, instead of every statement.
 */

#include <stdlib.h>
#include <strings.h>
#include <iam/iam_eval.h>
#include "iam_eval_internal.h"
#include <iam/iam_fault.h>


typedef struct {
    uint32_t        hash;
    iam_str_t       key;
    uint32_t        stmt;
} iam_index_pair_t;


static void iam_statement_resource_prefix(iam_statement_t *st);
static int iam_index_pair_cmp(const void *a, const void *b);
static int iam_index_build(iam_pool_t *pool, iam_action_index_t *index,
    iam_index_pair_t *pairs, size_t npairs);
static const iam_index_bucket_t *iam_index_find(
    const iam_action_index_t *index, const char *key, size_t len,
    uint32_t hash);


iam_policy_set_t *
iam_policy_set_create(iam_pool_t *pool, const iam_policy_t *const *policies,
    size_t npolicies)
{
    size_t               i, j, k, n, nexact, nservice, nprefix, ngeneral,
                         lit;
    uint32_t            *general;
    const char          *colon;
    iam_pattern_t       *action;
    iam_statement_t     *st;
    iam_policy_set_t    *set;
    iam_index_pair_t    *exact, *service, *prefix;

    set = iam_pcalloc(pool, sizeof(iam_policy_set_t));
    if (set == NULL) {
        return NULL;
    }

    n = 0;
    for (i = 0; i < npolicies; i++) {
        n += policies[i]->nstatements;
    }

    set->policies = iam_palloc(pool, (npolicies + 1) * sizeof(iam_policy_t *));
    set->statements = iam_palloc(pool, (n + 1) * sizeof(iam_statement_t *));
    general = iam_palloc(pool, (n + 1) * sizeof(uint32_t));

    if (set->policies == NULL || set->statements == NULL || general == NULL) {
        return NULL;
    }

    memcpy(set->policies, policies, npolicies * sizeof(iam_policy_t *));
    set->npolicies = npolicies;

    nexact = 0;
    nservice = 0;
    for (i = 0; i < npolicies; i++) {
        for (j = 0; j < policies[i]->nstatements; j++) {
            nexact += policies[i]->statements[j].nactions;
        }
    }

    exact = iam_malloc((nexact + 1) * sizeof(iam_index_pair_t));
    service = iam_malloc((nexact + 1) * sizeof(iam_index_pair_t));
    prefix = iam_malloc((nexact + 1) * sizeof(iam_index_pair_t));
    if (exact == NULL || service == NULL || prefix == NULL) {
        free(exact);
        free(service);
        free(prefix);
        return NULL;
    }

    nprefix = 0;

    n = 0;
    nexact = 0;
    ngeneral = 0;

    for (i = 0; i < npolicies; i++) {
        for (j = 0; j < policies[i]->nstatements; j++) {
            st = &policies[i]->statements[j];
            set->statements[n] = st;
            iam_statement_resource_prefix(st);

            if (st->not_action) {
                general[ngeneral++] = (uint32_t) n;
                n++;
                continue;
            }

            for (k = 0; k < st->nactions; k++) {
                action = &st->actions[k];

                if (!action->has_wildcard) {
                    exact[nexact].key = action->text;
                    exact[nexact].hash = iam_hash_icase(action->text.data,
                                                        action->text.len);
                    exact[nexact++].stmt = (uint32_t) n;
                    continue;
                }

                colon = memchr(action->text.data, ':', action->text.len);

                if (colon == NULL
                    || memchr(action->text.data, '*',
                              colon - action->text.data)
                    || memchr(action->text.data, '?',
                              colon - action->text.data))
                {
                    /* "*" or a wildcard in the service: may match anything */
                    if (ngeneral == 0 || general[ngeneral - 1] != n) {
                        general[ngeneral++] = (uint32_t) n;
                    }
                    continue;
                }

                /* the literal letters after the colon, if enough */
                lit = 0;
                while (colon + 1 + lit < action->text.data + action->text.len
                       && colon[1 + lit] != '*' && colon[1 + lit] != '?')
                {
                    lit++;
                }

                if (lit >= IAM_PREFIX_LEN) {
                    prefix[nprefix].key.data = action->text.data;
                    prefix[nprefix].key.len = colon + 1 + IAM_PREFIX_LEN
                                              - action->text.data;
                    prefix[nprefix].hash = iam_hash_icase(
                                               prefix[nprefix].key.data,
                                               prefix[nprefix].key.len);
                    prefix[nprefix++].stmt = (uint32_t) n;
                    continue;
                }

                service[nservice].key.data = action->text.data;
                service[nservice].key.len = colon - action->text.data;
                service[nservice].hash = iam_hash_icase(
                                             service[nservice].key.data,
                                             service[nservice].key.len);
                service[nservice++].stmt = (uint32_t) n;
            }

            n++;
        }
    }

    set->nstatements = n;
    set->general.stmts = general;
    set->general.n = ngeneral;

    if (iam_index_build(pool, &set->exact, exact, nexact) != IAM_OK
        || iam_index_build(pool, &set->service, service, nservice) != IAM_OK
        || iam_index_build(pool, &set->prefix, prefix, nprefix) != IAM_OK)
    {
        set = NULL;
    }

    free(exact);
    free(service);
    free(prefix);

    return set;
}


/* the literal text all of a statement's Resource patterns begin with */
static void
iam_statement_resource_prefix(iam_statement_t *st)
{
    char                     buf[sizeof(st->resource_prefix)];
    size_t                   i, k, len, common;
    const iam_atom_t        *a;
    const iam_pattern_t     *seg;
    const iam_arn_pattern_t *ap;

    st->resource_prefix_len = 0;

    if (!st->has_resource || st->not_resource || st->nresources == 0) {
        return;
    }

    common = sizeof(buf);

    for (i = 0; i < st->nresources; i++) {
        ap = &st->resources[i];

        if (ap->any) {
            return;
        }

        /* segments joined by ':' until the first wildcard or variable */
        len = 0;

        for (k = 0; k < 6 && len < sizeof(buf); k++) {
            seg = &ap->segments[k];
            a = seg->natoms ? &seg->atoms[0] : NULL;

            if (k > 0) {
                buf[len++] = ':';
            }

            if (a && a->type == IAM_ATOM_LITERAL) {
                if (len + a->text.len > sizeof(buf)) {
                    memcpy(buf + len, a->text.data, sizeof(buf) - len);
                    len = sizeof(buf);
                    break;
                }

                memcpy(buf + len, a->text.data, a->text.len);
                len += a->text.len;
            }

            if (seg->natoms > 1 || (a && a->type != IAM_ATOM_LITERAL)) {
                break;
            }
        }

        if (len > sizeof(buf)) {
            len = sizeof(buf);
        }

        if (i == 0) {
            memcpy(st->resource_prefix, buf, len);
            common = len;

        } else {
            for (k = 0; k < common && k < len
                        && st->resource_prefix[k] == buf[k]; k++)
            { /* void */ }
            common = k;
        }
    }

    st->resource_prefix_len = (unsigned) common;
}


size_t
iam_policy_set_statements(const iam_policy_set_t *set)
{
    return set ? set->nstatements : 0;
}


const iam_statement_t *
iam_policy_set_statement(const iam_policy_set_t *set, size_t i)
{
    return (set && i < set->nstatements) ? set->statements[i] : NULL;
}


static int
iam_index_pair_cmp(const void *a, const void *b)
{
    int                      rc;
    size_t                   len;
    const iam_index_pair_t  *x = a, *y = b;

    if (x->hash != y->hash) {
        return x->hash < y->hash ? -1 : 1;
    }

    len = x->key.len < y->key.len ? x->key.len : y->key.len;
    rc = strncasecmp(x->key.data, y->key.data, len);

    if (rc == 0 && x->key.len != y->key.len) {
        rc = x->key.len < y->key.len ? -1 : 1;
    }

    if (rc == 0 && x->stmt != y->stmt) {
        rc = x->stmt < y->stmt ? -1 : 1;
    }

    return rc;
}


static int
iam_index_build(iam_pool_t *pool, iam_action_index_t *index,
    iam_index_pair_t *pairs, size_t npairs)
{
    size_t               i, j, nkeys, size, slot;
    iam_index_bucket_t  *b;

    index->buckets = NULL;
    index->mask = 0;

    if (npairs == 0) {
        return IAM_OK;
    }

    qsort(pairs, npairs, sizeof(iam_index_pair_t), iam_index_pair_cmp);

    nkeys = 0;
    for (i = 0; i < npairs; i++) {
        if (i == 0 || pairs[i].hash != pairs[i - 1].hash
            || !iam_str_eq_icase(pairs[i].key, pairs[i - 1].key))
        {
            nkeys++;
        }
    }

    for (size = 4; size < nkeys * 2; size <<= 1) { /* void */ }

    index->buckets = iam_pcalloc(pool, size * sizeof(iam_index_bucket_t));
    if (index->buckets == NULL) {
        return IAM_ERROR;
    }

    index->mask = size - 1;

    for (i = 0; i < npairs; i = j) {
        for (j = i + 1; j < npairs; j++) {
            if (pairs[j].hash != pairs[i].hash
                || !iam_str_eq_icase(pairs[j].key, pairs[i].key))
            {
                break;
            }
        }

        slot = pairs[i].hash & index->mask;
        while (index->buckets[slot].key.data != NULL) {
            slot = (slot + 1) & index->mask;
        }

        b = &index->buckets[slot];
        b->key = pairs[i].key;
        b->hash = pairs[i].hash;
        b->stmts = iam_palloc(pool, (j - i) * sizeof(uint32_t));
        if (b->stmts == NULL) {
            return IAM_ERROR;
        }

        /* sorted by statement; one statement may name an action twice */
        b->n = 0;
        for ( /* void */ ; i < j; i++) {
            if (b->n == 0 || b->stmts[b->n - 1] != pairs[i].stmt) {
                b->stmts[b->n++] = pairs[i].stmt;
            }
        }
    }

    return IAM_OK;
}


static const iam_index_bucket_t *
iam_index_find(const iam_action_index_t *index, const char *key, size_t len,
    uint32_t hash)
{
    size_t                     slot;
    const iam_index_bucket_t  *b;

    if (index->buckets == NULL) {
        return NULL;
    }

    for (slot = hash & index->mask; ; slot = (slot + 1) & index->mask) {
        b = &index->buckets[slot];

        if (b->key.data == NULL) {
            return NULL;
        }

        if (b->hash == hash && b->key.len == len
            && strncasecmp(b->key.data, key, len) == 0)
        {
            return b;
        }
    }
}


void
iam_policy_set_candidates(const iam_policy_set_t *set, iam_str_t action,
    iam_candidates_t *cand)
{
    const char                *colon;
    const iam_index_bucket_t  *b;

    cand->lists[0] = set->general.stmts;
    cand->lens[0] = set->general.n;

    b = iam_index_find(&set->exact, action.data, action.len,
                       iam_hash_icase(action.data, action.len));
    cand->lists[1] = b ? b->stmts : NULL;
    cand->lens[1] = b ? b->n : 0;

    colon = memchr(action.data, ':', action.len);
    b = NULL;

    if (colon) {
        b = iam_index_find(&set->service, action.data, colon - action.data,
                           iam_hash_icase(action.data, colon - action.data));
    }

    cand->lists[2] = b ? b->stmts : NULL;
    cand->lens[2] = b ? b->n : 0;

    b = NULL;

    if (colon && action.data + action.len - colon > IAM_PREFIX_LEN) {
        b = iam_index_find(&set->prefix, action.data,
                           colon + 1 + IAM_PREFIX_LEN - action.data,
                           iam_hash_icase(action.data, colon + 1
                                          + IAM_PREFIX_LEN - action.data));
    }

    cand->lists[3] = b ? b->stmts : NULL;
    cand->lens[3] = b ? b->n : 0;

    memset(cand->pos, 0, sizeof(cand->pos));
    cand->last = UINT32_MAX;
}


/* The next candidate statement in statement order; -1 at the end. */
int64_t
iam_candidates_next(iam_candidates_t *cand)
{
    int       i, best;
    uint32_t  v, min;

    for ( ;; ) {
        best = -1;
        min = UINT32_MAX;

        for (i = 0; i < IAM_CANDIDATE_LISTS; i++) {
            if (cand->pos[i] < cand->lens[i]) {
                v = cand->lists[i][cand->pos[i]];
                if (best == -1 || v < min) {
                    min = v;
                    best = i;
                }
            }
        }

        if (best == -1) {
            return -1;
        }

        cand->pos[best]++;

        if (min != cand->last) {
            cand->last = min;
            return min;
        }
    }
}
