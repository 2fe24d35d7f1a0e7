/*
 * iamctl: lookups in the compiled-in AWS service catalogue, and the custom
 * services account files declare.  Tables are sorted by lowercase name
 * (iamctl_catalogue_gen.js), so services and actions are binary searches.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "iamctl_catalogue.h"


#define IAMCTL_ARN_MAX  1024


/* one token of an ARN template or a policy resource */
typedef struct {
    unsigned char   type;       /* 0 char, 1 template var / policy '*', 2 '?' */
    unsigned char   last;       /* template var that ends the ARN */
    unsigned char   slash;      /* template var that may take '/' */
    char            ch;
} iamctl_arn_tok_t;


static int iamctl_ncasecmp(const char *a, size_t alen, const char *b);
static size_t iamctl_arn_tokens(const char *s, size_t len, int tmpl,
    iamctl_arn_tok_t *toks, size_t max);


static json_t  **iamctl_custom;
static size_t    iamctl_ncustom;


/* compares a counted string with a NUL-terminated one, ignoring case */
static int
iamctl_ncasecmp(const char *a, size_t alen, const char *b)
{
    int     rc;
    size_t  blen;

    blen = strlen(b);
    rc = strncasecmp(a, b, alen < blen ? alen : blen);

    if (rc != 0) {
        return rc;
    }

    return (alen > blen) - (alen < blen);
}


const iamctl_cat_service_t *
iamctl_cat_service(const char *prefix, size_t len)
{
    int     rc;
    size_t  lo, hi, mid;

    lo = 0;
    hi = iamctl_cat_nservices;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        rc = iamctl_ncasecmp(prefix, len, iamctl_cat_services[mid].prefix);

        if (rc == 0) {
            return &iamctl_cat_services[mid];
        }

        if (rc < 0) {
            hi = mid;

        } else {
            lo = mid + 1;
        }
    }

    return NULL;
}


const iamctl_cat_action_t *
iamctl_cat_action(const iamctl_cat_service_t *svc, const char *name,
    size_t len)
{
    int                         rc;
    size_t                      lo, hi, mid;
    const iamctl_cat_action_t  *a;

    a = &iamctl_cat_actions[svc->actions];
    lo = 0;
    hi = svc->nactions;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        rc = iamctl_ncasecmp(name, len, a[mid].name);

        if (rc == 0) {
            return &a[mid];
        }

        if (rc < 0) {
            hi = mid;

        } else {
            lo = mid + 1;
        }
    }

    return NULL;
}


int
iamctl_glob_icase(const char *pat, size_t plen, const char *s, size_t slen)
{
    size_t  p, i, star_p, star_i;
    int     star;

    p = 0;
    i = 0;
    star = 0;
    star_p = 0;
    star_i = 0;

    while (i < slen) {
        if (p < plen && (pat[p] == '?'
                         || (pat[p] != '*'
                             && strncasecmp(&pat[p], &s[i], 1) == 0)))
        {
            p++;
            i++;

        } else if (p < plen && pat[p] == '*') {
            star = 1;
            star_p = p++;
            star_i = i;

        } else if (star) {
            p = star_p + 1;
            i = ++star_i;

        } else {
            return 0;
        }
    }

    while (p < plen && pat[p] == '*') {
        p++;
    }

    return p == plen;
}


const iamctl_cat_key_t *
iamctl_cat_global_key(const char *key)
{
    size_t  i, len;

    len = strlen(key);

    for (i = 0; i < iamctl_cat_nglobal_keys; i++) {
        if (iamctl_glob_icase(iamctl_cat_global_keys[i].pattern,
                              strlen(iamctl_cat_global_keys[i].pattern),
                              key, len))
        {
            return &iamctl_cat_global_keys[i];
        }
    }

    return NULL;
}


const iamctl_cat_key_t *
iamctl_cat_key(const iamctl_cat_service_t *svc, const char *key)
{
    size_t                   i, len;
    const iamctl_cat_key_t  *k;

    len = strlen(key);

    if (svc) {
        k = &iamctl_cat_keys[svc->keys];

        /* exact names first: "s3:prefix" must not be taken for a template */
        for (i = 0; i < svc->nkeys; i++) {
            if (strcasecmp(k[i].name, key) == 0) {
                return &k[i];
            }
        }

        for (i = 0; i < svc->nkeys; i++) {
            if (iamctl_glob_icase(k[i].pattern, strlen(k[i].pattern), key,
                                  len))
            {
                return &k[i];
            }
        }
    }

    return iamctl_cat_global_key(key);
}


int
iamctl_cat_action_has_key(const iamctl_cat_service_t *svc,
    const iamctl_cat_action_t *action, const char *key)
{
    size_t                   i;
    const iamctl_cat_key_t  *k;

    if (strncasecmp(key, "aws:", 4) == 0) {
        return 1;
    }

    for (i = 0; i < action->nkeys; i++) {
        k = &iamctl_cat_keys[svc->keys
                             + iamctl_cat_action_keys[action->keys + i]];

        if (strcasecmp(k->name, key) == 0
            || iamctl_glob_icase(k->pattern, strlen(k->pattern), key,
                                 strlen(key)))
        {
            return 1;
        }
    }

    return 0;
}


/*
 * Template: ${Var} is one token (type 1); policy: '*' and ${policy:var}
 * are "any run" (type 1), '?' one character (type 2).
 */
static size_t
iamctl_arn_tokens(const char *s, size_t len, int tmpl, iamctl_arn_tok_t *toks,
    size_t max)
{
    size_t       n, i, colons, rstart;
    int          whole;
    const char  *end;

    n = 0;

    /*
     * A resource that is one variable alone ("${BucketName}", a queue, a
     * topic) is a name without '/'; "log-group:${LogGroupName}" and
     * "role/${RoleNameWithPath}" take paths.
     */
    colons = 0;
    rstart = len;

    for (i = 0; tmpl && i < len && colons < 5; i++) {
        if (s[i] == ':' && ++colons == 5) {
            rstart = i + 1;
        }
    }

    whole = tmpl && rstart + 2 < len && s[rstart] == '$'
            && s[rstart + 1] == '{'
            && memchr(s + rstart, '}', len - rstart) == s + len - 1;

    for (i = 0; i < len && n < max; i++) {
        toks[n].last = 0;
        toks[n].slash = 0;
        toks[n].ch = s[i];
        toks[n].type = 0;

        if (s[i] == '$' && i + 1 < len && s[i + 1] == '{'
            && (end = memchr(s + i, '}', len - i)) != NULL)
        {
            toks[n].type = 1;
            i = end - s;
            toks[n].last = tmpl && i + 1 == len;
            toks[n].slash = tmpl && !(toks[n].last && whole);

        } else if (!tmpl && s[i] == '*') {
            toks[n].type = 1;

        } else if (!tmpl && s[i] == '?') {
            toks[n].type = 2;
        }

        n++;
    }

    return i < len ? (size_t) -1 : n;
}


/*
 * Whether some ARN is both an instance of the template and matched by the
 * policy's pattern: a walk over the product of the two, row by row, since
 * every step moves forward in one or both.  A template variable is a run of
 * characters without ':' (but for the last one, "function:${Name}" takes a
 * qualifier), and without '/' when it is the whole resource ("${BucketName}").
 */
int
iamctl_cat_arn_may_match(const char *tmpl, const char *arn, size_t len)
{
    int                rc;
    char              *reach;
    size_t             tn, pn, i, j, w;
    iamctl_arn_tok_t  *t, *p, tt, pt;

    t = malloc(2 * IAMCTL_ARN_MAX * sizeof(iamctl_arn_tok_t));
    if (t == NULL) {
        return 1;
    }

    p = t + IAMCTL_ARN_MAX;

    tn = iamctl_arn_tokens(tmpl, strlen(tmpl), 1, t, IAMCTL_ARN_MAX);
    pn = iamctl_arn_tokens(arn, len, 0, p, IAMCTL_ARN_MAX);

    if (tn == (size_t) -1 || pn == (size_t) -1) {
        free(t);
        return 1;               /* too long to tell: assume it may */
    }

    w = pn + 1;
    reach = calloc((tn + 1) * w, 1);
    if (reach == NULL) {
        free(t);
        return 1;
    }

    reach[0] = 1;

    for (i = 0; i <= tn; i++) {
        for (j = 0; j <= pn; j++) {
            if (!reach[i * w + j]) {
                continue;
            }

            if (i < tn && t[i].type == 1) {
                reach[(i + 1) * w + j] = 1;
            }

            if (j < pn && p[j].type == 1) {
                reach[i * w + j + 1] = 1;
            }

            if (i == tn || j == pn) {
                continue;
            }

            tt = t[i];
            pt = p[j];

            if (tt.type == 0) {
                if ((pt.type == 0 && pt.ch == tt.ch) || pt.type == 2) {
                    reach[(i + 1) * w + j + 1] = 1;

                } else if (pt.type == 1) {
                    reach[(i + 1) * w + j] = 1;
                }

            } else if (pt.type == 2
                       || (pt.type == 0
                           && (pt.ch != ':' || tt.last)
                           && (pt.ch != '/' || tt.slash)))
            {
                reach[i * w + j + 1] = 1;
            }
        }
    }

    rc = reach[tn * w + pn];

    free(reach);
    free(t);

    return rc;
}


void
iamctl_custom_services_add(const json_t *services)
{
    json_t  **p;

    if (!json_is_object(services)) {
        return;
    }

    p = realloc(iamctl_custom, (iamctl_ncustom + 1) * sizeof(json_t *));
    if (p == NULL) {
        return;
    }

    iamctl_custom = p;
    iamctl_custom[iamctl_ncustom++] = json_incref((json_t *) services);
}


int
iamctl_custom_service(const char *prefix, size_t plen, const char *name,
    size_t nlen)
{
    int          found;
    size_t       i, k;
    json_t      *actions, *a;
    const char  *key;
    json_t      *svc;

    found = 0;

    for (i = 0; i < iamctl_ncustom; i++) {
        json_object_foreach(iamctl_custom[i], key, svc) {
            if (iamctl_ncasecmp(prefix, plen, key) != 0) {
                continue;
            }

            found = 1;

            if (name == NULL) {
                return 1;
            }

            actions = json_object_get(svc, "actions");

            json_array_foreach(actions, k, a) {
                if (json_is_string(a)
                    && iamctl_glob_icase(name, nlen, json_string_value(a),
                                         json_string_length(a)))
                {
                    return 2;
                }
            }
        }
    }

    return found;
}


void
iamctl_custom_services_free(void)
{
    size_t  i;

    for (i = 0; i < iamctl_ncustom; i++) {
        json_decref(iamctl_custom[i]);
    }

    free(iamctl_custom);
    iamctl_custom = NULL;
    iamctl_ncustom = 0;
}
