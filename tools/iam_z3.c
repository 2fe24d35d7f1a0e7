/*
 * iamctl: identity policies as SMT-LIB formulas for Z3.
 *
 * The question ("a request NEW allows and OLD does not") is written as
 * SMT-LIB text over these constants and parsed by Z3:
 *
 *   A, R          the action and the resource (strings);
 *   n_K           how many values context key K has (0: absent);
 *   s_K_j ...     the j-th value of K, in the domain of the operators that
 *                 test K: a string, a number (Real), a date (Int), a
 *                 Bool (0 false, 1 true, 2 neither), a BinaryEquals value
 *                 (which policy constant it equals, -1 none), an address
 *                 (bit-vector of 128 and its family).  Each domain also has
 *                 "does not parse", which the engine matches to nothing.
 *
 * Strings are sequences of code points: the engine matches bytes but steps
 * '?' and '*' by whole UTF-8 characters, and JSON text is always UTF-8, so
 * the two agree.  Patterns become regular expressions; a policy variable is
 * (str.to_re value) guarded by "the key has exactly one value" unless it
 * has a default.  An ARN pattern is "arn:" and five segments, the first four
 * free of ':' (iam_arn_split).
 *
 * A key with several values needs no more values in a model than there are
 * conditions on it: each condition is one "some value" or "every value"
 * test, so each needs at most one witness (two values kept when the key is
 * also a policy variable, whose value depends on there being exactly one).
 * The encoding is exact over what `iamctl simulate` can express; keys
 * tested as two different types, case-insensitive patterns with variables
 * and infinite numbers are declined (UNKNOWN).
 */

#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
#include <math.h>
#include <arpa/inet.h>
#include <openssl/evp.h>
#include <z3.h>

#include "iam_z3.h"


#define IZ_MAX_DEFAULTS  4         /* keys with defaults in one pattern */
#define IZ_NICE_TIMEOUT  500       /* ms, for each try at a nicer model */


typedef enum {
    IZ_NONE = 0,            /* only Null: presence is all that counts */
    IZ_STR,
    IZ_NUM,
    IZ_DATE,
    IZ_BOOL,
    IZ_BIN,
    IZ_IP
} iz_type_e;

static const char  *iz_type_names[] = {
    "none", "string", "number", "date", "boolean", "binary", "IP address"
};

typedef struct {
    char               *lkey;       /* lowercased: keys ignore case */
    iam_str_t           name;       /* as first written */
    iz_type_e           type;
    unsigned            nconds;
    unsigned            var_used:1;
    unsigned            arn_used:1;     /* Arn* operators: segments */
    unsigned            slots;
    iam_str_t          *bins;       /* BinaryEquals constants, distinct */
    size_t              nbins;
} iz_key_t;

typedef struct {
    char               *data;
    size_t              len;
    size_t              size;
    int                 oom;
} iz_buf_t;

struct iam_z3_s {
    Z3_context          ctx;
    unsigned            timeout;
    iz_key_t           *keys;
    size_t              nkeys;
    size_t              nalloc;
    int                 declined;
    /* the keys of ${key, 'default'} in the pattern being written */
    size_t              dkeys[IZ_MAX_DEFAULTS];
    unsigned            ndkeys;
    unsigned            dmask;      /* bit set: that key has its value */
    unsigned            lower:1;    /* the subject has no capital letters */
    char              **tests;      /* "key op values" of conditions seen */
    size_t              ntests;
    unsigned            lit_lost:1;
    unsigned char       lit_ascii[128];     /* characters patterns name */
    uint32_t           *lit_other;
    size_t              nlit_other;
    size_t              lit_alloc;
    char                reason[1024];
};


static void iz_error_handler(Z3_context ctx, Z3_error_code e);
static void iz_decline(iam_z3_t *z, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void iz_printf(iz_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void iz_append(iz_buf_t *b, const char *s, size_t len);

#define iz_lit(b, s)   iz_append(b, s, sizeof(s) - 1)
#define iz_cstr(b, s)  iz_append(b, s, strlen(s))
static iz_key_t *iz_key(iam_z3_t *z, const char *key, size_t len);
static int iz_scan_pattern(iam_z3_t *z, const iam_pattern_t *p);
static int iz_scan_condition(iam_z3_t *z, const iam_condition_t *c);
static int iz_new_test(iam_z3_t *z, size_t key, const iam_condition_t *c);
static iz_type_e iz_op_type(iam_cond_op_e op);
static void iz_string(iam_z3_t *z, iz_buf_t *b, const char *s, size_t len);
static void iz_literal_char(iam_z3_t *z, uint32_t cp);
static void iz_tidy(iam_z3_t *z, json_t *request);
static void iz_pattern_re(iam_z3_t *z, iz_buf_t *b, iz_buf_t *guard,
    const iam_pattern_t *p);
static void iz_pattern_match(iam_z3_t *z, iz_buf_t *b,
    const iam_pattern_t *p, const char *subject);
static void iz_arn_match(iam_z3_t *z, iz_buf_t *b,
    const iam_arn_pattern_t *ap, const char *subject);
static int iz_defaults(iam_z3_t *z, const iam_pattern_t *p);
static void iz_pattern_test(iam_z3_t *z, iz_buf_t *b, iz_buf_t *guard,
    const iam_pattern_t *p, const char *subject);
static void iz_match(iam_z3_t *z, iz_buf_t *b, const iam_pattern_t *p,
    const iam_arn_pattern_t *ap, const char *subject);
static void iz_policy(iam_z3_t *z, iz_buf_t *b, const iam_policy_t *p);
static void iz_statement(iam_z3_t *z, iz_buf_t *b, const iam_statement_t *st);
static void iz_condition(iam_z3_t *z, iz_buf_t *b, const iam_condition_t *c);
static void iz_value_match(iam_z3_t *z, iz_buf_t *b, const iam_condition_t *c,
    size_t k, unsigned j);
static void iz_real(iz_buf_t *b, long double v);
static void iz_declare(iam_z3_t *z, iz_buf_t *b);
static void iz_declare_arn(iz_buf_t *b, const char *x);
static iam_z3_result_e iz_solve(iam_z3_t *z, iz_buf_t *decls,
    iz_buf_t *goal, json_t **request);
static void iz_nice(iam_z3_t *z, iz_buf_t *b, const char *decls,
    size_t len, int level);
static Z3_ast_vector iz_parse(iam_z3_t *z, const char *text);
static void iz_assert(iam_z3_t *z, Z3_solver s, Z3_ast_vector v);
static void iz_timeout(iam_z3_t *z, Z3_solver s, unsigned ms);
static int iz_holds(iam_z3_t *z, Z3_model m, Z3_ast_vector v);
static json_t *iz_model_request(iam_z3_t *z, Z3_model m);
static Z3_ast iz_eval(iam_z3_t *z, Z3_model m, const char *name,
    Z3_sort sort);
static json_t *iz_model_string(iam_z3_t *z, Z3_model m, const char *name);
static json_t *iz_model_value(iam_z3_t *z, Z3_model m, size_t k, unsigned j);
static void iz_date_text(int64_t t, char *buf, size_t size);


iam_z3_t *
iam_z3_create(unsigned timeout)
{
    iam_z3_t   *z;
    Z3_config   cfg;

    z = calloc(1, sizeof(iam_z3_t));
    if (z == NULL) {
        return NULL;
    }

    cfg = Z3_mk_config();
    Z3_set_param_value(cfg, "model", "true");
    z->ctx = Z3_mk_context(cfg);
    Z3_del_config(cfg);

    if (z->ctx == NULL) {
        free(z);
        return NULL;
    }

    Z3_set_error_handler(z->ctx, iz_error_handler);
    z->timeout = timeout;

    return z;
}


void
iam_z3_destroy(iam_z3_t *z)
{
    size_t  i;

    if (z == NULL) {
        return;
    }

    for (i = 0; i < z->nkeys; i++) {
        free(z->keys[i].lkey);
        free(z->keys[i].bins);
    }

    for (i = 0; i < z->ntests; i++) {
        free(z->tests[i]);
    }

    free(z->tests);
    free(z->keys);
    free(z->lit_other);
    Z3_del_context(z->ctx);
    free(z);
}


const char *
iam_z3_reason(const iam_z3_t *z)
{
    return z->reason;
}


/* errors are read back with Z3_get_error_code() where it matters */
static void
iz_error_handler(Z3_context ctx, Z3_error_code e)
{
    (void) ctx;
    (void) e;
}


static void
iz_decline(iam_z3_t *z, const char *fmt, ...)
{
    va_list  args;

    if (z->declined) {
        return;             /* the first reason is the one to fix first */
    }

    va_start(args, fmt);
    vsnprintf(z->reason, sizeof(z->reason), fmt, args);
    va_end(args);

    z->declined = 1;
}


static void
iz_append(iz_buf_t *b, const char *s, size_t len)
{
    char    *p;
    size_t   size;

    if (b->oom) {
        return;
    }

    if (b->len + len + 1 > b->size) {
        size = b->size ? b->size : 4096;
        while (size < b->len + len + 1) {
            size *= 2;
        }

        p = realloc(b->data, size);
        if (p == NULL) {
            b->oom = 1;
            return;
        }

        b->data = p;
        b->size = size;
    }

    memcpy(b->data + b->len, s, len);
    b->len += len;
    b->data[b->len] = '\0';
}


static void
iz_printf(iz_buf_t *b, const char *fmt, ...)
{
    int      n;
    char     small[512], *big;
    va_list  args;

    va_start(args, fmt);
    n = vsnprintf(small, sizeof(small), fmt, args);
    va_end(args);

    if (n < 0) {
        b->oom = 1;
        return;
    }

    if ((size_t) n < sizeof(small)) {
        iz_append(b, small, n);
        return;
    }

    big = malloc(n + 1);
    if (big == NULL) {
        b->oom = 1;
        return;
    }

    va_start(args, fmt);
    vsnprintf(big, n + 1, fmt, args);
    va_end(args);

    iz_append(b, big, n);
    free(big);
}


/* the model of a context key, found or added; NULL when out of memory */
static iz_key_t *
iz_key(iam_z3_t *z, const char *key, size_t len)
{
    size_t     i;
    char      *lkey;
    iz_key_t  *k;

    lkey = malloc(len + 1);
    if (lkey == NULL) {
        return NULL;
    }

    for (i = 0; i < len; i++) {
        lkey[i] = (char) tolower((unsigned char) key[i]);
    }
    lkey[len] = '\0';

    for (i = 0; i < z->nkeys; i++) {
        if (strcmp(z->keys[i].lkey, lkey) == 0) {
            free(lkey);
            return &z->keys[i];
        }
    }

    if (z->nkeys == z->nalloc) {
        k = realloc(z->keys, (z->nalloc ? z->nalloc * 2 : 16)
                             * sizeof(iz_key_t));
        if (k == NULL) {
            free(lkey);
            return NULL;
        }
        z->keys = k;
        z->nalloc = z->nalloc ? z->nalloc * 2 : 16;
    }

    k = &z->keys[z->nkeys++];
    memset(k, 0, sizeof(iz_key_t));
    k->lkey = lkey;
    k->name.data = key;
    k->name.len = len;

    return k;
}


static size_t
iz_key_index(iam_z3_t *z, const char *key, size_t len)
{
    iz_key_t  *k;

    k = iz_key(z, key, len);

    return k ? (size_t) (k - z->keys) : 0;
}


static int
iz_set_type(iam_z3_t *z, iz_key_t *k, iz_type_e type)
{
    if (type == IZ_NONE || k->type == type) {
        return IAM_OK;
    }

    if (k->type == IZ_NONE) {
        k->type = type;
        return IAM_OK;
    }

    iz_decline(z, "condition key \"%s\" is tested both as %s and as %s",
               k->lkey, iz_type_names[k->type], iz_type_names[type]);

    return IAM_DECLINED;
}


static int
iz_scan_pattern(iam_z3_t *z, const iam_pattern_t *p)
{
    unsigned   i;
    iz_key_t  *k;

    if (!p->has_variable) {
        return IAM_OK;
    }

    if (p->flags & IAM_PATTERN_ICASE) {
        iz_decline(z, "a policy variable in a case-insensitive comparison "
                   "(\"%.*s\")", (int) p->text.len, p->text.data);
        return IAM_DECLINED;
    }

    for (i = 0; i < p->natoms; i++) {
        if (p->atoms[i].type != IAM_ATOM_VARIABLE) {
            continue;
        }

        k = iz_key(z, p->atoms[i].text.data, p->atoms[i].text.len);
        if (k == NULL) {
            iz_decline(z, "out of memory");
            return IAM_ERROR;
        }

        k->var_used = 1;

        if (iz_set_type(z, k, IZ_STR) != IAM_OK) {
            return IAM_DECLINED;
        }
    }

    return IAM_OK;
}


static iz_type_e
iz_op_type(iam_cond_op_e op)
{
    switch (op) {
    case IAM_COND_NUMERIC_EQUALS:
    case IAM_COND_NUMERIC_NOT_EQUALS:
    case IAM_COND_NUMERIC_LESS_THAN:
    case IAM_COND_NUMERIC_LESS_THAN_EQUALS:
    case IAM_COND_NUMERIC_GREATER_THAN:
    case IAM_COND_NUMERIC_GREATER_THAN_EQUALS:
        return IZ_NUM;
    case IAM_COND_DATE_EQUALS:
    case IAM_COND_DATE_NOT_EQUALS:
    case IAM_COND_DATE_LESS_THAN:
    case IAM_COND_DATE_LESS_THAN_EQUALS:
    case IAM_COND_DATE_GREATER_THAN:
    case IAM_COND_DATE_GREATER_THAN_EQUALS:
        return IZ_DATE;
    case IAM_COND_BOOL:
        return IZ_BOOL;
    case IAM_COND_BINARY_EQUALS:
        return IZ_BIN;
    case IAM_COND_IP_ADDRESS:
    case IAM_COND_NOT_IP_ADDRESS:
        return IZ_IP;
    case IAM_COND_NULL:
        return IZ_NONE;
    default:
        return IZ_STR;
    }
}


/*
 * IAM_OK the first time a key is tested this way, IAM_DECLINED after: the
 * same test in several statements (or in OLD and NEW) needs one witness
 * value, not one each, and every value slot costs the solver.
 */
static int
iz_new_test(iam_z3_t *z, size_t key, const iam_condition_t *c)
{
    char                    *sig, **tests;
    size_t                   i, j;
    unsigned                 s;
    iz_buf_t                 b;
    const iam_cond_value_t  *cv;

    memset(&b, 0, sizeof(iz_buf_t));
    iz_printf(&b, "%zu %d %d", key, (int) c->op, (int) c->set);

    for (i = 0; i < c->nvalues; i++) {
        cv = &c->values[i];

        /* texts with their lengths: no two signatures read alike */
        iz_printf(&b, "|%zu:%.*s|%La|%lld|%u|%u|%u|", cv->pattern.text.len,
                  (int) cv->pattern.text.len,
                  cv->pattern.text.data ? cv->pattern.text.data : "",
                  cv->number, (long long) cv->time, cv->boolean, cv->family,
                  cv->prefix);

        for (s = 0; s < 16; s++) {
            iz_printf(&b, "%02x", cv->addr[s]);
        }

        iz_printf(&b, "|%zu:", cv->bytes.len);
        for (j = 0; j < cv->bytes.len; j++) {
            iz_printf(&b, "%02x", (unsigned char) cv->bytes.data[j]);
        }

        for (s = 0; cv->arn && s < 6; s++) {
            iz_printf(&b, "|%d:%zu:%.*s", cv->arn->any,
                      cv->arn->segments[s].text.len,
                      (int) cv->arn->segments[s].text.len,
                      cv->arn->segments[s].text.data
                      ? cv->arn->segments[s].text.data : "");
        }
    }

    if (b.oom) {
        free(b.data);
        return IAM_ERROR;
    }

    sig = b.data;

    for (i = 0; i < z->ntests; i++) {
        if (strcmp(z->tests[i], sig) == 0) {
            free(sig);
            return IAM_DECLINED;
        }
    }

    tests = realloc(z->tests, (z->ntests + 1) * sizeof(char *));
    if (tests == NULL) {
        free(sig);
        return IAM_ERROR;
    }

    z->tests = tests;
    z->tests[z->ntests++] = sig;

    return IAM_OK;
}


static int
iz_scan_condition(iam_z3_t *z, const iam_condition_t *c)
{
    size_t      i, j, ki;
    unsigned    s;
    iz_key_t   *k;
    iz_type_e   type;
    iam_str_t  *bins;

    k = iz_key(z, c->key.data, c->key.len);
    if (k == NULL) {
        iz_decline(z, "out of memory");
        return IAM_ERROR;
    }

    ki = k - z->keys;
    type = iz_op_type(c->op);

    switch (iz_new_test(z, ki, c)) {
    case IAM_OK:
        z->keys[ki].nconds++;
        break;
    case IAM_DECLINED:
        break;
    default:
        iz_decline(z, "out of memory");
        return IAM_ERROR;
    }

    k = &z->keys[ki];

    if (iz_set_type(z, k, type) != IAM_OK) {
        return IAM_DECLINED;
    }

    for (i = 0; i < c->nvalues; i++) {
        k = &z->keys[ki];      /* patterns may add keys (and move them) */

        switch (type) {

        case IZ_STR:
            if (c->values[i].arn) {
                k->arn_used = 1;

                for (s = 0; s < 6; s++) {
                    if (iz_scan_pattern(z, &c->values[i].arn->segments[s])
                        != IAM_OK)
                    {
                        return IAM_DECLINED;
                    }
                }

            } else if (iz_scan_pattern(z, &c->values[i].pattern) != IAM_OK) {
                return IAM_DECLINED;
            }
            break;

        case IZ_NUM:
            if (!isfinite(c->values[i].number)) {
                iz_decline(z, "%.*s %.*s: a number too large to reason about",
                           (int) c->op_name.len, c->op_name.data,
                           (int) c->key.len, c->key.data);
                return IAM_DECLINED;
            }
            break;

        case IZ_BIN:
            for (j = 0; j < k->nbins; j++) {
                if (iam_str_eq(k->bins[j], c->values[i].bytes)) {
                    break;
                }
            }

            if (j == k->nbins) {
                bins = realloc(k->bins, (k->nbins + 1) * sizeof(iam_str_t));
                if (bins == NULL) {
                    iz_decline(z, "out of memory");
                    return IAM_ERROR;
                }
                k->bins = bins;
                k->bins[k->nbins++] = c->values[i].bytes;
            }
            break;

        default:
            break;
        }
    }

    return IAM_OK;
}


int
iam_z3_add_policy(iam_z3_t *z, const iam_policy_t *policy)
{
    size_t                  i, j;
    unsigned                s;
    const iam_statement_t  *st;

    for (i = 0; i < policy->nstatements; i++) {
        st = &policy->statements[i];

        if (st->has_principal) {
            iz_decline(z, "a Principal element (only identity policies are "
                       "encoded)");
            return IAM_DECLINED;
        }

        for (j = 0; j < st->nresources; j++) {
            for (s = 0; s < 6 && !st->resources[j].any; s++) {
                if (iz_scan_pattern(z, &st->resources[j].segments[s])
                    != IAM_OK)
                {
                    return IAM_DECLINED;
                }
            }
        }

        for (j = 0; j < st->nconditions; j++) {
            if (iz_scan_condition(z, &st->conditions[j]) != IAM_OK) {
                return IAM_DECLINED;
            }
        }
    }

    return IAM_OK;
}


/* an SMT-LIB string literal, every character but letters and digits as \u{} */
static void
iz_string(iam_z3_t *z, iz_buf_t *b, const char *s, size_t len)
{
    size_t         i, n;
    uint32_t       cp;
    unsigned char  c;

    iz_lit(b, "\"");

    for (i = 0; i < len; i += n) {
        c = (unsigned char) s[i];

        if (isalnum(c)) {
            iz_append(b, s + i, 1);
            z->lit_ascii[c] = 1;
            n = 1;
            continue;
        }

        /* JSON gave us valid UTF-8: decode one code point */
        if (c < 0x80) {
            cp = c;
            n = 1;

        } else if (c < 0xe0 && i + 1 < len) {
            cp = ((c & 0x1f) << 6) | (s[i + 1] & 0x3f);
            n = 2;

        } else if (c < 0xf0 && i + 2 < len) {
            cp = ((c & 0x0f) << 12) | ((s[i + 1] & 0x3f) << 6)
                 | (s[i + 2] & 0x3f);
            n = 3;

        } else if (i + 3 < len) {
            cp = ((c & 0x07) << 18) | ((s[i + 1] & 0x3f) << 12)
                 | ((s[i + 2] & 0x3f) << 6) | (s[i + 3] & 0x3f);
            n = 4;

        } else {
            cp = c;
            n = 1;
        }

        iz_printf(b, "\\u{%x}", (unsigned) cp);
        iz_literal_char(z, cp);
    }

    iz_lit(b, "\"");
}


/*
 * The regular expression of a pattern's atoms; a variable without a
 * default adds "(= n_K 1)" to guard (the pattern matches nothing without).
 */
static void
iz_pattern_re(iam_z3_t *z, iz_buf_t *b, iz_buf_t *guard,
    const iam_pattern_t *p)
{
    int                c;
    size_t             i;
    unsigned           a, d;
    const iam_atom_t  *atom;

    if (p->natoms == 0) {
        iz_lit(b, "(str.to_re \"\")");
        return;
    }

    iz_lit(b, "(re.++ (str.to_re \"\")");

    for (a = 0; a < p->natoms; a++) {
        atom = &p->atoms[a];

        switch (atom->type) {

        case IAM_ATOM_STAR:
            iz_lit(b, " re.all");
            break;

        case IAM_ATOM_QMARK:
            iz_lit(b, " re.allchar");
            break;

        case IAM_ATOM_VARIABLE:
            i = iz_key_index(z, atom->text.data, atom->text.len);

            if (atom->has_default) {
                for (d = 0; d < z->ndkeys && z->dkeys[d] != i; d++) {
                    /* void */
                }

                if (z->dmask & (1u << d)) {
                    iz_printf(b, " (str.to_re s_%zu_1)", i);

                } else {
                    iz_lit(b, " (str.to_re ");
                    iz_string(z, b, atom->dflt.data, atom->dflt.len);
                    iz_lit(b, ")");
                }

            } else {
                iz_printf(b, " (str.to_re s_%zu_1)", i);
                iz_printf(guard, " (= n_%zu 1)", i);
            }
            break;

        default:
            if (!(p->flags & IAM_PATTERN_ICASE) || z->lower) {
                iz_lit(b, " (str.to_re ");
                iz_string(z, b, atom->text.data, atom->text.len);
                iz_lit(b, ")");
                break;
            }

            /* literals are lowercased; tolower() folds ASCII only */
            for (i = 0; i < atom->text.len; i++) {
                if (isalpha((unsigned char) atom->text.data[i])) {
                    c = (unsigned char) atom->text.data[i];
                    iz_printf(b, " (re.union (str.to_re \"%c\")"
                              " (str.to_re \"%c\"))", tolower(c), toupper(c));
                    z->lit_ascii[tolower(c)] = 1;
                    z->lit_ascii[toupper(c)] = 1;

                } else {
                    /* a whole UTF-8 sequence at once */
                    size_t  n = 1;

                    while (i + n < atom->text.len
                           && ((unsigned char) atom->text.data[i + n] & 0xc0)
                              == 0x80)
                    {
                        n++;
                    }

                    iz_lit(b, " (str.to_re ");
                    iz_string(z, b, atom->text.data + i, n);
                    iz_lit(b, ")");
                    i += n - 1;
                }
            }
            break;
        }
    }

    iz_lit(b, ")");
}


/*
 * The keys of ${key, 'default'} in patterns: Z3 gives up on "the value or
 * else the default" inside a regular expression where it decides each case
 * at once, so each combination is written out (2^n, n at most
 * IZ_MAX_DEFAULTS).
 */
static int
iz_defaults(iam_z3_t *z, const iam_pattern_t *p)
{
    size_t    i;
    unsigned  a, d;

    for (a = 0; a < p->natoms; a++) {
        if (p->atoms[a].type != IAM_ATOM_VARIABLE
            || !p->atoms[a].has_default)
        {
            continue;
        }

        i = iz_key_index(z, p->atoms[a].text.data, p->atoms[a].text.len);

        for (d = 0; d < z->ndkeys && z->dkeys[d] != i; d++) {
            /* void */
        }

        if (d == z->ndkeys) {
            if (z->ndkeys == IZ_MAX_DEFAULTS) {
                iz_decline(z, "more than %d policy variables with defaults "
                           "in one pattern (\"%.*s\")", IZ_MAX_DEFAULTS,
                           (int) p->text.len, p->text.data);
                return IAM_DECLINED;
            }

            z->dkeys[z->ndkeys++] = i;
        }
    }

    return IAM_OK;
}


/*
 * " TERM": subject matches p.  Regular expressions throughout: Z3 decides
 * them faster than the equivalent equalities, prefixes and containments
 * once there are many of them on one string (measured: 5 times over two
 * 100-statement policies).
 */
static void
iz_pattern_test(iam_z3_t *z, iz_buf_t *b, iz_buf_t *guard,
    const iam_pattern_t *p, const char *subject)
{
    if (p->natoms == 1 && p->atoms[0].type == IAM_ATOM_STAR) {
        return;                     /* "*" */
    }

    iz_printf(b, " (str.in_re %s ", subject);
    iz_pattern_re(z, b, guard, p);
    iz_lit(b, ")");
}


/* (or (and GUARDS TEST) ...) over the default choices */
static void
iz_match(iam_z3_t *z, iz_buf_t *b, const iam_pattern_t *p,
    const iam_arn_pattern_t *ap, const char *subject)
{
    char      name[64];
    unsigned  s, d;
    iz_buf_t  re, guard;

    z->ndkeys = 0;

    if (p) {
        (void) iz_defaults(z, p);

    } else {
        for (s = 0; s < 6; s++) {
            (void) iz_defaults(z, &ap->segments[s]);
        }
    }

    iz_lit(b, "(or false");

    for (z->dmask = 0; z->dmask < (1u << z->ndkeys); z->dmask++) {
        memset(&re, 0, sizeof(iz_buf_t));
        memset(&guard, 0, sizeof(iz_buf_t));

        for (d = 0; d < z->ndkeys; d++) {
            iz_printf(&guard, (z->dmask & (1u << d)) ? " (= n_%zu 1)"
                                                     : " (not (= n_%zu 1))",
                      z->dkeys[d]);
        }

        if (p) {
            iz_pattern_test(z, &re, &guard, p, subject);

        } else {
            /*
             * The subject's ARN view (iz_declare_arn()); segment 0 is
             * "arn" in every ARN pattern.
             */
            iz_printf(&re, " %s_arn", subject);

            for (s = 1; s < 6; s++) {
                snprintf(name, sizeof(name), "%s_%u", subject, s);
                iz_pattern_test(z, &re, &guard, &ap->segments[s], name);
            }
        }

        iz_printf(b, " (and true%s%s)", guard.data ? guard.data : "",
                  re.data ? re.data : "");

        b->oom |= re.oom | guard.oom;
        free(re.data);
        free(guard.data);
    }

    iz_lit(b, ")");

    z->ndkeys = 0;
    z->dmask = 0;
}


static void
iz_pattern_match(iam_z3_t *z, iz_buf_t *b, const iam_pattern_t *p,
    const char *subject)
{
    /* the action: lowercase (iz_declare()), its patterns are lowercased */
    z->lower = strcmp(subject, "A") == 0;
    iz_match(z, b, p, NULL, subject);
    z->lower = 0;
}


static void
iz_arn_match(iam_z3_t *z, iz_buf_t *b, const iam_arn_pattern_t *ap,
    const char *subject)
{
    if (ap->any) {
        iz_lit(b, "true");
        return;
    }

    iz_match(z, b, NULL, ap, subject);
}


/* allowed: some Allow statement applies and no Deny statement does */
static void
iz_policy(iam_z3_t *z, iz_buf_t *b, const iam_policy_t *p)
{
    size_t  i;

    iz_lit(b, "(and (or false");

    for (i = 0; i < p->nstatements; i++) {
        if (p->statements[i].effect == IAM_EFFECT_ALLOW) {
            iz_lit(b, " ");
            iz_statement(z, b, &p->statements[i]);
        }
    }

    iz_lit(b, ") (not (or false");

    for (i = 0; i < p->nstatements; i++) {
        if (p->statements[i].effect == IAM_EFFECT_DENY) {
            iz_lit(b, " ");
            iz_statement(z, b, &p->statements[i]);
        }
    }

    iz_lit(b, ")))");
}


/* iam_statement_applies() */
static void
iz_statement(iam_z3_t *z, iz_buf_t *b, const iam_statement_t *st)
{
    size_t  i;

    iz_lit(b, "(and ");

    iz_cstr(b, st->not_action ? "(not (or false" : "(or false");

    for (i = 0; i < st->nactions; i++) {
        iz_lit(b, " ");
        iz_pattern_match(z, b, &st->actions[i], "A");
    }

    iz_cstr(b, st->not_action ? "))" : ")");

    if (st->has_resource) {
        iz_cstr(b, st->not_resource ? " (not (or false" : " (or false");

        for (i = 0; i < st->nresources; i++) {
            iz_lit(b, " ");
            iz_arn_match(z, b, &st->resources[i], "R");
        }

        iz_cstr(b, st->not_resource ? "))" : ")");
    }

    for (i = 0; i < st->nconditions; i++) {
        iz_lit(b, " ");
        iz_condition(z, b, &st->conditions[i]);
    }

    iz_lit(b, ")");
}


/* iam_condition_match() */
static void
iz_condition(iam_z3_t *z, iz_buf_t *b, const iam_condition_t *c)
{
    size_t        k, i;
    unsigned      j;
    iz_key_t     *key;
    const char   *absent;

    k = iz_key_index(z, c->key.data, c->key.len);
    key = &z->keys[k];

    if (c->op == IAM_COND_NULL) {
        iz_lit(b, "(or false");
        for (i = 0; i < c->nvalues; i++) {
            iz_printf(b, c->values[i].boolean ? " (= n_%zu 0)"
                                              : " (>= n_%zu 1)", k);
        }
        iz_lit(b, ")");
        return;
    }

    if (c->if_exists || c->set == IAM_SET_FOR_ALL_VALUES) {
        absent = "true";

    } else if (c->set == IAM_SET_FOR_ANY_VALUE) {
        absent = "false";

    } else {
        absent = c->negated ? "true" : "false";
    }

    iz_printf(b, "(ite (= n_%zu 0) %s ", k, absent);

    switch (c->set) {

    case IAM_SET_FOR_ANY_VALUE:
        iz_lit(b, "(or false");
        for (j = 1; j <= key->slots; j++) {
            iz_printf(b, " (and (>= n_%zu %u) %s", k, j,
                      c->negated ? "(not " : "");
            iz_value_match(z, b, c, k, j);
            iz_cstr(b, c->negated ? "))" : ")");
        }
        iz_lit(b, ")");
        break;

    case IAM_SET_FOR_ALL_VALUES:
        iz_lit(b, "(and true");
        for (j = 1; j <= key->slots; j++) {
            iz_printf(b, " (=> (>= n_%zu %u) %s", k, j,
                      c->negated ? "(not " : "");
            iz_value_match(z, b, c, k, j);
            iz_cstr(b, c->negated ? "))" : ")");
        }
        iz_lit(b, ")");
        break;

    default:
        iz_cstr(b, c->negated ? "(not (or false" : "(or false");
        for (j = 1; j <= key->slots; j++) {
            iz_printf(b, " (and (>= n_%zu %u) ", k, j);
            iz_value_match(z, b, c, k, j);
            iz_lit(b, ")");
        }
        iz_cstr(b, c->negated ? "))" : ")");
        break;
    }

    iz_lit(b, ")");
}


/* iam_cond_any(): value j of key k matches one of the condition's values */
static void
iz_value_match(iam_z3_t *z, iz_buf_t *b, const iam_condition_t *c, size_t k,
    unsigned j)
{
    char                     var[64];
    size_t                   i, n, bit;
    unsigned                 p;
    iz_key_t                *key;
    const char              *cmp;
    const iam_cond_value_t  *cv;

    key = &z->keys[k];

    switch (c->op) {
    case IAM_COND_NUMERIC_LESS_THAN:
    case IAM_COND_DATE_LESS_THAN:
        cmp = "<";
        break;
    case IAM_COND_NUMERIC_LESS_THAN_EQUALS:
    case IAM_COND_DATE_LESS_THAN_EQUALS:
        cmp = "<=";
        break;
    case IAM_COND_NUMERIC_GREATER_THAN:
    case IAM_COND_DATE_GREATER_THAN:
        cmp = ">";
        break;
    case IAM_COND_NUMERIC_GREATER_THAN_EQUALS:
    case IAM_COND_DATE_GREATER_THAN_EQUALS:
        cmp = ">=";
        break;
    default:
        cmp = "=";
        break;
    }

    iz_lit(b, "(or false");

    for (i = 0; i < c->nvalues; i++) {
        cv = &c->values[i];
        iz_lit(b, " ");

        switch (key->type) {

        case IZ_STR:
            snprintf(var, sizeof(var), "s_%zu_%u", k, j);
            if (cv->arn) {
                iz_arn_match(z, b, cv->arn, var);
            } else {
                iz_pattern_match(z, b, &cv->pattern, var);
            }
            break;

        case IZ_NUM:
            iz_printf(b, "(and isnum_%zu_%u (%s num_%zu_%u ", k, j, cmp, k, j);
            iz_real(b, cv->number);
            iz_lit(b, "))");
            break;

        case IZ_DATE:
            iz_printf(b, "(and isdate_%zu_%u (%s t_%zu_%u %s%lld%s))", k, j,
                      cmp, k, j, cv->time < 0 ? "(- " : "",
                      (long long) (cv->time < 0 ? -cv->time : cv->time),
                      cv->time < 0 ? ")" : "");
            break;

        case IZ_BOOL:
            iz_printf(b, "(= b_%zu_%u %u)", k, j, cv->boolean ? 1 : 0);
            break;

        case IZ_BIN:
            for (n = 0; n < key->nbins; n++) {
                if (iam_str_eq(key->bins[n], cv->bytes)) {
                    break;
                }
            }
            iz_printf(b, "(= bin_%zu_%u %zu)", k, j, n);
            break;

        case IZ_IP:
            iz_printf(b, "(and isip_%zu_%u (= v6_%zu_%u %s)", k, j, k, j,
                      cv->family == 6 ? "true" : "false");

            p = cv->prefix;
            if (p) {
                iz_printf(b, " (= ((_ extract 127 %u) ip_%zu_%u) #b",
                          128 - p, k, j);
                for (bit = 0; bit < p; bit++) {
                    iz_append(b, (cv->addr[bit / 8] >> (7 - bit % 8)) & 1
                                 ? "1" : "0", 1);
                }
                iz_lit(b, ")");
            }

            iz_lit(b, ")");
            break;

        default:
            iz_lit(b, "false");
            break;
        }
    }

    iz_lit(b, ")");
}


/*
 * A long double as the exact rational it is: the engine compares the
 * rounded values, so the encoding must too.
 */
static void
iz_real(iz_buf_t *b, long double v)
{
    int          e, neg, i, len;
    char         digits[6000];
    uint64_t     m;
    uint32_t     limbs[700];
    size_t       n, l;
    long double  f;

    neg = v < 0;
    f = frexpl(neg ? -v : v, &e);

    if (f == 0) {
        iz_lit(b, "0.0");
        return;
    }

    m = (uint64_t) ldexpl(f, 64);
    e -= 64;

    while ((m & 1) == 0) {
        m >>= 1;
        e++;
    }

    /* 2^|e| (times m when e >= 0) in base 10^9 limbs */
    limbs[0] = e >= 0 ? (uint32_t) (m % 1000000000) : 1;
    n = 1;
    if (e >= 0 && m >= 1000000000) {
        limbs[n++] = (uint32_t) ((m / 1000000000) % 1000000000);
        if (m >= 1000000000000000000ULL) {
            limbs[n++] = (uint32_t) (m / 1000000000000000000ULL);
        }
    }

    for (i = 0; i < (e >= 0 ? e : -e); i++) {
        uint64_t  carry = 0;

        for (l = 0; l < n; l++) {
            uint64_t  t = (uint64_t) limbs[l] * 2 + carry;
            limbs[l] = (uint32_t) (t % 1000000000);
            carry = t / 1000000000;
        }

        if (carry && n < sizeof(limbs) / sizeof(limbs[0])) {
            limbs[n++] = (uint32_t) carry;
        }
    }

    len = snprintf(digits, sizeof(digits), "%u", limbs[n - 1]);
    for (l = n - 1; l > 0; l--) {
        len += snprintf(digits + len, sizeof(digits) - len, "%09u",
                        limbs[l - 1]);
    }

    if (neg) {
        iz_lit(b, "(- ");
    }

    if (e >= 0) {
        iz_printf(b, "%s.0", digits);

    } else {
        iz_printf(b, "(/ %llu.0 %s.0)", (unsigned long long) m, digits);
    }

    if (neg) {
        iz_lit(b, ")");
    }
}


/*
 * The constants and what every request satisfies: a non-empty action,
 * values in each domain's range.  Strings may hold characters JSON cannot
 * carry (NUL, surrogates): no pattern names them, so iz_tidy() swaps them
 * for printable ones; constraining the alphabet here slows Z3 down fourfold.
 */
/*
 * The ARN view of a string X, as iam_arn_split() sees it: X_arn when X is
 * "arn:" and five segments, the first four without ':', which are then X_1
 * to X_5.
 */
static void
iz_declare_arn(iz_buf_t *b, const char *x)
{
    iz_printf(b, "(declare-const %s_arn Bool)\n", x);
    iz_printf(b, "(declare-const %s_1 String)\n(declare-const %s_2 String)\n"
              "(declare-const %s_3 String)\n(declare-const %s_4 String)\n"
              "(declare-const %s_5 String)\n", x, x, x, x, x);
    iz_printf(b, "(assert (= %s_arn (str.in_re %s (re.++ "
              "(str.to_re \"arn:\") nocolon (str.to_re \":\") nocolon "
              "(str.to_re \":\") nocolon (str.to_re \":\") nocolon "
              "(str.to_re \":\") re.all))))\n", x, x);
    iz_printf(b, "(assert (=> %s_arn (and (= %s (str.++ \"arn:\" %s_1 \":\" "
              "%s_2 \":\" %s_3 \":\" %s_4 \":\" %s_5)) "
              "(not (str.contains %s_1 \":\")) (not (str.contains %s_2 \":\")) "
              "(not (str.contains %s_3 \":\")) "
              "(not (str.contains %s_4 \":\")))))\n",
              x, x, x, x, x, x, x, x, x, x, x);
}


static void
iz_declare(iam_z3_t *z, iz_buf_t *b)
{
    char       name[64];
    size_t     k;
    unsigned   j;
    iz_key_t  *key;

    iz_cstr(b, "(define-fun nocolon () (RegEx String) "
              "(re.* (re.union (re.range \"\\u{0}\" \"\\u{39}\") "
              "(re.range \"\\u{3b}\" \"\\u{2ffff}\"))))\n"
              "(declare-const A String)\n(declare-const R String)\n"
              "(assert (> (str.len A) 0))\n"
              "(assert (not (str.in_re A (re.++ re.all (re.range \"A\" \"Z\") "
              "re.all))))\n");

    iz_declare_arn(b, "R");

    for (k = 0; k < z->nkeys; k++) {
        key = &z->keys[k];

        key->slots = key->nconds ? key->nconds : 1;
        if (key->var_used && key->slots < 2) {
            key->slots = 2;
        }

        iz_printf(b, "(declare-const n_%zu Int)\n"
                  "(assert (and (>= n_%zu 0) (<= n_%zu %u)))\n",
                  k, k, k, key->slots);

        for (j = 1; j <= key->slots; j++) {
            switch (key->type) {

            case IZ_STR:
                iz_printf(b, "(declare-const s_%zu_%u String)\n", k, j);

                if (key->arn_used) {
                    snprintf(name, sizeof(name), "s_%zu_%u", k, j);
                    iz_declare_arn(b, name);
                }
                break;

            case IZ_NUM:
                iz_printf(b, "(declare-const num_%zu_%u Real)\n"
                          "(declare-const isnum_%zu_%u Bool)\n", k, j, k, j);
                break;

            case IZ_DATE:
                /* epoch seconds: 18 digits; ISO 8601: years 0000-9999 */
                iz_printf(b, "(declare-const t_%zu_%u Int)\n"
                          "(declare-const isdate_%zu_%u Bool)\n"
                          "(assert (and (>= t_%zu_%u (- 62167305540)) "
                          "(<= t_%zu_%u 999999999999999999)))\n",
                          k, j, k, j, k, j, k, j);
                break;

            case IZ_BOOL:
                iz_printf(b, "(declare-const b_%zu_%u Int)\n"
                          "(assert (and (>= b_%zu_%u 0) (<= b_%zu_%u 2)))\n",
                          k, j, k, j, k, j);
                break;

            case IZ_BIN:
                iz_printf(b, "(declare-const bin_%zu_%u Int)\n"
                          "(assert (and (>= bin_%zu_%u 0) "
                          "(<= bin_%zu_%u %zu)))\n",
                          k, j, k, j, k, j, key->nbins);
                break;

            case IZ_IP:
                /* IPv4 in the top 32 bits; ::ffff:a.b.c.d is IPv4 */
                iz_printf(b, "(declare-const isip_%zu_%u Bool)\n"
                          "(declare-const v6_%zu_%u Bool)\n"
                          "(declare-const ip_%zu_%u (_ BitVec 128))\n"
                          "(assert (ite v6_%zu_%u "
                          "(not (= ((_ extract 127 32) ip_%zu_%u) "
                          "#x00000000000000000000ffff)) "
                          "(= ((_ extract 95 0) ip_%zu_%u) "
                          "#x000000000000000000000000)))\n",
                          k, j, k, j, k, j, k, j, k, j, k, j);
                break;

            default:
                break;
            }
        }
    }
}


iam_z3_result_e
iam_z3_find_new_access(iam_z3_t *z, const iam_policy_t *allow,
    const iam_policy_t *deny, json_t **request)
{
    iz_buf_t         decls, goal;
    iam_z3_result_e  rc;

    *request = NULL;

    if (z->declined) {
        return IAM_Z3_UNKNOWN;
    }

    memset(&decls, 0, sizeof(iz_buf_t));
    memset(&goal, 0, sizeof(iz_buf_t));

    iz_declare(z, &decls);

    iz_lit(&goal, "(assert (and ");
    iz_policy(z, &goal, allow);

    if (deny) {
        iz_lit(&goal, " (not ");
        iz_policy(z, &goal, deny);
        iz_lit(&goal, ")");
    }

    iz_lit(&goal, "))\n");

    rc = iz_solve(z, &decls, &goal, request);

    free(decls.data);
    free(goal.data);

    return rc;
}


iam_z3_result_e
iam_z3_find_access(iam_z3_t *z, const iam_policy_t *policy,
    const iam_pattern_t *actions, size_t nactions,
    const iam_arn_pattern_t *resources, size_t nresources,
    json_t **request)
{
    size_t           i;
    iz_buf_t         decls, goal;
    iam_z3_result_e  rc;

    *request = NULL;

    if (z->declined) {
        return IAM_Z3_UNKNOWN;
    }

    memset(&decls, 0, sizeof(iz_buf_t));
    memset(&goal, 0, sizeof(iz_buf_t));

    iz_declare(z, &decls);

    iz_lit(&goal, "(assert (and ");
    iz_policy(z, &goal, policy);

    iz_lit(&goal, " (or false");
    for (i = 0; i < nactions; i++) {
        iz_lit(&goal, " ");
        iz_pattern_match(z, &goal, &actions[i], "A");
    }
    iz_lit(&goal, ")");

    if (nresources) {
        iz_lit(&goal, " (or false");
        for (i = 0; i < nresources; i++) {
            iz_lit(&goal, " ");
            iz_arn_match(z, &goal, &resources[i], "R");
        }
        iz_lit(&goal, ")");
    }

    iz_lit(&goal, "))\n");

    rc = iz_solve(z, &decls, &goal, request);

    free(decls.data);
    free(goal.data);

    return rc;
}


/*
 * Readable counterexamples: once a request exists, ask again for one whose
 * resource is an ARN (level 2), with one value per key (level 1), and whole
 * numbers (level 0); when there is none such, or no quick answer, the first
 * model stands.  Odd characters are swapped afterwards (iz_tidy()):
 * constraining the alphabet here makes the string solver slow.
 */
static void
iz_nice(iam_z3_t *z, iz_buf_t *b, const char *decls, size_t len, int level)
{
    size_t    k;
    unsigned  j;

    iz_append(b, decls, len);       /* the declarations again */

    iz_lit(b, "(assert R_arn)\n(assert (str.in_re R_1 (re.+ (re.range \"a\" "
              "\"z\"))))\n");

    for (k = 0; k < z->nkeys; k++) {
        if (level < 2) {
            iz_printf(b, "(assert (<= n_%zu 1))\n", k);
        }

        /* whole numbers: a long decimal expansion would not parse */
        for (j = 1; level == 0 && z->keys[k].type == IZ_NUM
                    && j <= z->keys[k].slots; j++)
        {
            iz_printf(b, "(assert (= num_%zu_%u (to_real (to_int "
                      "num_%zu_%u))))\n", k, j, k, j);
        }
    }
}


static void
iz_timeout(iam_z3_t *z, Z3_solver s, unsigned ms)
{
    Z3_params  params;

    params = Z3_mk_params(z->ctx);
    Z3_params_inc_ref(z->ctx, params);
    Z3_params_set_uint(z->ctx, params, Z3_mk_string_symbol(z->ctx, "timeout"),
                       ms);
    Z3_solver_set_params(z->ctx, s, params);
    Z3_params_dec_ref(z->ctx, params);
}


static int
iz_holds(iam_z3_t *z, Z3_model m, Z3_ast_vector v)
{
    Z3_ast    out;
    unsigned  i, n;

    n = Z3_ast_vector_size(z->ctx, v);

    for (i = 0; i < n; i++) {
        if (!Z3_model_eval(z->ctx, m, Z3_ast_vector_get(z->ctx, v, i), true,
                           &out)
            || Z3_get_bool_value(z->ctx, out) != Z3_L_TRUE)
        {
            return 0;
        }
    }

    return 1;
}


static Z3_ast_vector
iz_parse(iam_z3_t *z, const char *text)
{
    Z3_ast_vector  v;

    v = Z3_parse_smtlib2_string(z->ctx, text, 0, NULL, NULL, 0, NULL, NULL);

    if (Z3_get_error_code(z->ctx) != Z3_OK) {
        snprintf(z->reason, sizeof(z->reason), "internal error: the encoding "
                 "was refused by Z3: %s",
                 Z3_get_error_msg(z->ctx, Z3_get_error_code(z->ctx)));
        return NULL;
    }

    Z3_ast_vector_inc_ref(z->ctx, v);

    return v;
}


static void
iz_assert(iam_z3_t *z, Z3_solver s, Z3_ast_vector v)
{
    unsigned  i, n;

    n = Z3_ast_vector_size(z->ctx, v);
    for (i = 0; i < n; i++) {
        Z3_solver_assert(z->ctx, s, Z3_ast_vector_get(z->ctx, v, i));
    }
}


static iam_z3_result_e
iz_solve(iam_z3_t *z, iz_buf_t *decls, iz_buf_t *goal, json_t **request)
{
    int              level;
    size_t           declared;
    Z3_lbool         r;
    Z3_model         m, nice_m;
    Z3_solver        s, ns;
    Z3_ast_vector    v, nv;
    iz_buf_t         nice;
    iam_z3_result_e  rc;

    if (z->declined) {
        return IAM_Z3_UNKNOWN;      /* found while writing the goal */
    }

    declared = decls->len;
    iz_append(decls, goal->data ? goal->data : "", goal->len);

    if (decls->oom || goal->oom) {
        snprintf(z->reason, sizeof(z->reason), "out of memory");
        return IAM_Z3_UNKNOWN;
    }

    if (getenv("IAMCTL_Z3_DUMP")) {
        fputs(decls->data, stderr);
    }

    v = iz_parse(z, decls->data);
    if (v == NULL) {
        return IAM_Z3_UNKNOWN;
    }

    s = Z3_mk_solver(z->ctx);
    Z3_solver_inc_ref(z->ctx, s);

    if (z->timeout) {
        iz_timeout(z, s, z->timeout);
    }

    iz_assert(z, s, v);

    r = Z3_solver_check(z->ctx, s);

    if (r == Z3_L_FALSE) {
        rc = IAM_Z3_UNSAT;

    } else if (r == Z3_L_TRUE) {
        m = Z3_solver_get_model(z->ctx, s);
        Z3_model_inc_ref(z->ctx, m);

        nice_m = NULL;

        /*
         * A nicer model is worth a little time, not much; a fresh solver
         * for each try: Z3's incremental mode is far slower on strings.
         */
        for (level = 0; level < 3 && nice_m == NULL; level++) {
            memset(&nice, 0, sizeof(iz_buf_t));
            iz_nice(z, &nice, decls->data, declared, level);
            nv = nice.oom ? NULL : iz_parse(z, nice.data);
            free(nice.data);

            if (nv == NULL) {
                break;
            }

            /* the first model may be nice already */
            if (iz_holds(z, m, nv)) {
                nice_m = m;
                Z3_model_inc_ref(z->ctx, nice_m);
                Z3_ast_vector_dec_ref(z->ctx, nv);
                break;
            }

            ns = Z3_mk_solver(z->ctx);
            Z3_solver_inc_ref(z->ctx, ns);
            iz_timeout(z, ns, IZ_NICE_TIMEOUT);
            iz_assert(z, ns, v);
            iz_assert(z, ns, nv);

            r = Z3_solver_check(z->ctx, ns);

            if (r == Z3_L_TRUE) {
                nice_m = Z3_solver_get_model(z->ctx, ns);
                Z3_model_inc_ref(z->ctx, nice_m);
            }

            Z3_solver_dec_ref(z->ctx, ns);
            Z3_ast_vector_dec_ref(z->ctx, nv);
        }

        z->reason[0] = '\0';
        *request = iz_model_request(z, nice_m ? nice_m : m);

        if (*request) {
            iz_tidy(z, *request);
        }

        if (nice_m) {
            Z3_model_dec_ref(z->ctx, nice_m);
        }

        Z3_model_dec_ref(z->ctx, m);

        if (*request == NULL) {
            snprintf(z->reason, sizeof(z->reason), "the solver's model "
                     "could not be read back");
            rc = IAM_Z3_UNKNOWN;

        } else {
            rc = IAM_Z3_SAT;
        }

    } else {
        snprintf(z->reason, sizeof(z->reason), "the solver gave up: %s",
                 Z3_solver_get_reason_unknown(z->ctx, s));
        rc = IAM_Z3_UNKNOWN;
    }

    Z3_solver_dec_ref(z->ctx, s);
    Z3_ast_vector_dec_ref(z->ctx, v);

    return rc;
}


static Z3_ast
iz_eval(iam_z3_t *z, Z3_model m, const char *name, Z3_sort sort)
{
    Z3_ast  c, out;

    c = Z3_mk_const(z->ctx, Z3_mk_string_symbol(z->ctx, name), sort);

    if (!Z3_model_eval(z->ctx, m, c, true, &out)) {
        return NULL;
    }

    return out;
}


static int
iz_model_int(iam_z3_t *z, Z3_model m, const char *name, int64_t *out)
{
    Z3_ast  v;

    v = iz_eval(z, m, name, Z3_mk_int_sort(z->ctx));

    return v && Z3_get_numeral_int64(z->ctx, v, out) ? IAM_OK : IAM_ERROR;
}


static int
iz_model_bool(iam_z3_t *z, Z3_model m, const char *name)
{
    Z3_ast  v;

    v = iz_eval(z, m, name, Z3_mk_bool_sort(z->ctx));

    return v && Z3_get_bool_value(z->ctx, v) == Z3_L_TRUE;
}


/*
 * A string of the model, read one character at a time: Z3_get_string()
 * prints a backslash as it is and other characters as \u{...}, which no
 * longer string can tell apart.
 */
static json_t *
iz_model_string(iam_z3_t *z, Z3_model m, const char *name)
{
    int           len, i;
    char         *out, *p;
    json_t       *js;
    Z3_ast        s, v, at;
    uint32_t      cp;
    const char   *t;

    s = Z3_mk_const(z->ctx, Z3_mk_string_symbol(z->ctx, name),
                    Z3_mk_string_sort(z->ctx));

    if (!Z3_model_eval(z->ctx, m, Z3_mk_seq_length(z->ctx, s), true, &v)
        || !Z3_get_numeral_int(z->ctx, v, &len) || len < 0)
    {
        return NULL;
    }

    out = malloc((size_t) len * 4 + 1);
    if (out == NULL) {
        return NULL;
    }

    p = out;

    for (i = 0; i < len; i++) {
        at = Z3_mk_seq_at(z->ctx, s, Z3_mk_int(z->ctx, i,
                                               Z3_mk_int_sort(z->ctx)));

        if (!Z3_model_eval(z->ctx, m, at, true, &v) || !Z3_is_string(z->ctx, v))
        {
            free(out);
            return NULL;
        }

        t = Z3_get_string(z->ctx, v);

        if (strlen(t) == 1) {
            cp = (unsigned char) t[0];

        } else if (strncmp(t, "\\u{", 3) == 0) {
            cp = (uint32_t) strtoul(t + 3, NULL, 16);

        } else {
            free(out);
            return NULL;
        }

        if (cp < 0x80) {
            *p++ = (char) cp;

        } else if (cp < 0x800) {
            *p++ = (char) (0xc0 | (cp >> 6));
            *p++ = (char) (0x80 | (cp & 0x3f));

        } else if (cp < 0x10000) {
            *p++ = (char) (0xe0 | (cp >> 12));
            *p++ = (char) (0x80 | ((cp >> 6) & 0x3f));
            *p++ = (char) (0x80 | (cp & 0x3f));

        } else {
            *p++ = (char) (0xf0 | (cp >> 18));
            *p++ = (char) (0x80 | ((cp >> 12) & 0x3f));
            *p++ = (char) (0x80 | ((cp >> 6) & 0x3f));
            *p++ = (char) (0x80 | (cp & 0x3f));
        }
    }

    js = json_stringn(out, p - out);
    free(out);

    return js;
}


/* one value of a context key, as the text a request would carry */
static json_t *
iz_model_value(iam_z3_t *z, Z3_model m, size_t k, unsigned j)
{
    char            name[64], buf[256], *q;
    size_t          i;
    int64_t         n;
    Z3_ast          v;
    iz_key_t       *key;
    const char     *t;
    unsigned char   addr[16], b64[IAM_POLICY_MAX_STRING];

    key = &z->keys[k];

    switch (key->type) {

    case IZ_STR:
        snprintf(name, sizeof(name), "s_%zu_%u", k, j);
        return iz_model_string(z, m, name);

    case IZ_NUM:
        snprintf(name, sizeof(name), "isnum_%zu_%u", k, j);
        if (!iz_model_bool(z, m, name)) {
            break;
        }

        snprintf(name, sizeof(name), "num_%zu_%u", k, j);
        v = iz_eval(z, m, name, Z3_mk_real_sort(z->ctx));
        if (v == NULL) {
            return NULL;
        }

        /* exact when it has a finite decimal expansion ('?' marks not) */
        t = Z3_get_numeral_decimal_string(z->ctx, v, 40);
        snprintf(buf, sizeof(buf), "%s", t);
        q = strchr(buf, '?');
        if (q) {
            *q = '\0';
        }
        return json_string(buf);

    case IZ_DATE:
        snprintf(name, sizeof(name), "isdate_%zu_%u", k, j);
        if (!iz_model_bool(z, m, name)) {
            break;
        }

        snprintf(name, sizeof(name), "t_%zu_%u", k, j);
        if (iz_model_int(z, m, name, &n) != IAM_OK) {
            return NULL;
        }

        iz_date_text(n, buf, sizeof(buf));
        return json_string(buf);

    case IZ_BOOL:
        snprintf(name, sizeof(name), "b_%zu_%u", k, j);
        if (iz_model_int(z, m, name, &n) != IAM_OK) {
            return NULL;
        }
        if (n == 2) {
            break;
        }
        return json_string(n ? "true" : "false");

    case IZ_BIN:
        snprintf(name, sizeof(name), "bin_%zu_%u", k, j);
        if (iz_model_int(z, m, name, &n) != IAM_OK) {
            return NULL;
        }
        if (n < 0 || (size_t) n >= key->nbins
            || key->bins[n].len > sizeof(b64) / 4 * 3 - 3)
        {
            break;
        }
        EVP_EncodeBlock(b64, (const unsigned char *) key->bins[n].data,
                        (int) key->bins[n].len);
        return json_string((char *) b64);

    case IZ_IP:
        snprintf(name, sizeof(name), "isip_%zu_%u", k, j);
        if (!iz_model_bool(z, m, name)) {
            break;
        }

        snprintf(name, sizeof(name), "ip_%zu_%u", k, j);
        v = iz_eval(z, m, name, Z3_mk_bv_sort(z->ctx, 128));
        if (v == NULL) {
            return NULL;
        }

        /* a decimal numeral: into 16 bytes, big-endian */
        t = Z3_get_numeral_string(z->ctx, v);
        memset(addr, 0, sizeof(addr));
        for ( /* void */ ; *t >= '0' && *t <= '9'; t++) {
            unsigned  carry = (unsigned) (*t - '0');

            for (i = 16; i-- > 0; ) {
                carry += addr[i] * 10u;
                addr[i] = (unsigned char) (carry & 0xff);
                carry >>= 8;
            }
        }

        snprintf(name, sizeof(name), "v6_%zu_%u", k, j);
        if (inet_ntop(iz_model_bool(z, m, name) ? AF_INET6 : AF_INET, addr,
                      buf, sizeof(buf))
            == NULL)
        {
            return NULL;
        }
        return json_string(buf);

    default:
        break;
    }

    /* a value that parses as nothing the operators look for */
    return json_string("x");
}


/* epoch seconds, or ISO 8601 (with an offset below year 0) */
static void
iz_date_text(int64_t t, char *buf, size_t size)
{
    int64_t   days, secs, z, era, y, off;
    unsigned  doe, yoe, doy, mp, d, mo;

    if (t >= 0) {
        snprintf(buf, size, "%lld", (long long) t);
        return;
    }

    off = 0;
    if (t < -62167219200LL) {
        off = -62167219200LL - t;
        t = -62167219200LL;
    }

    days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    secs = t - days * 86400;

    /* civil_from_days (H. Hinnant) */
    z = days + 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned) (z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = (int64_t) yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    mo = mp < 10 ? mp + 3 : mp - 9;
    y += mo <= 2;

    snprintf(buf, size, "%04lld-%02u-%02uT%02lld:%02lld:%02lld%c%02lld:%02lld",
             (long long) y, mo, d, (long long) (secs / 3600),
             (long long) (secs / 60 % 60), (long long) (secs % 60),
             off ? '+' : 'Z', (long long) (off / 3600),
             (long long) (off / 60 % 60));

    if (!off) {
        /* "Z" alone */
        buf[strlen(buf) - 5] = '\0';
    }
}


static json_t *
iz_model_request(iam_z3_t *z, Z3_model m)
{
    size_t    k;
    int64_t   n;
    unsigned  j;
    char      name[64];
    json_t   *req, *ctx, *v, *list;

    req = json_object();
    ctx = json_object();
    if (req == NULL || ctx == NULL) {
        json_decref(req);
        json_decref(ctx);
        return NULL;
    }

    json_object_set_new(req, "principal", json_string(IAM_Z3_PRINCIPAL));

    v = iz_model_string(z, m, "A");
    if (v == NULL) {
        goto failed;
    }
    json_object_set_new(req, "action", v);

    v = iz_model_string(z, m, "R");
    if (v == NULL) {
        goto failed;
    }
    json_object_set_new(req, "resource", v);

    json_object_set_new(req, "resource_account", json_string(IAM_Z3_ACCOUNT));

    for (k = 0; k < z->nkeys; k++) {
        snprintf(name, sizeof(name), "n_%zu", k);
        if (iz_model_int(z, m, name, &n) != IAM_OK) {
            goto failed;
        }

        if (n == 0) {
            continue;
        }

        list = n > 1 ? json_array() : NULL;

        for (j = 1; j <= (unsigned) n; j++) {
            v = iz_model_value(z, m, k, j);
            if (v == NULL) {
                json_decref(list);
                goto failed;
            }

            if (list) {
                json_array_append_new(list, v);
            } else {
                list = v;
            }
        }

        json_object_setn_new(ctx, z->keys[k].name.data, z->keys[k].name.len,
                             list);
    }

    json_object_set_new(req, "context", ctx);

    return req;

failed:

    json_decref(req);
    json_decref(ctx);

    return NULL;
}


static void
iz_literal_char(iam_z3_t *z, uint32_t cp)
{
    size_t     i;
    uint32_t  *p;

    if (cp < 128) {
        z->lit_ascii[cp] = 1;
        return;
    }

    for (i = 0; i < z->nlit_other; i++) {
        if (z->lit_other[i] == cp) {
            return;
        }
    }

    if (z->nlit_other == z->lit_alloc) {
        p = realloc(z->lit_other, (z->lit_alloc ? z->lit_alloc * 2 : 16)
                                  * sizeof(uint32_t));
        if (p == NULL) {
            z->lit_lost = 1;    /* iz_tidy() then leaves them be */
            return;
        }
        z->lit_other = p;
        z->lit_alloc = z->lit_alloc ? z->lit_alloc * 2 : 16;
    }

    z->lit_other[z->nlit_other++] = cp;
}


static size_t
iz_utf8_decode(const char *s, size_t len, uint32_t *out)
{
    size_t         i, n;
    unsigned char  c;

    for (i = 0, n = 0; i < len; n++) {
        c = (unsigned char) s[i];

        if (c < 0x80 || i + 1 >= len) {
            out[n] = c;
            i++;

        } else if (c < 0xe0) {
            out[n] = ((c & 0x1fu) << 6) | (s[i + 1] & 0x3f);
            i += 2;

        } else if (c < 0xf0 && i + 2 < len) {
            out[n] = ((c & 0x0fu) << 12) | ((s[i + 1] & 0x3fu) << 6)
                     | (s[i + 2] & 0x3f);
            i += 3;

        } else if (i + 3 < len) {
            out[n] = ((c & 0x07u) << 18) | ((s[i + 1] & 0x3fu) << 12)
                     | ((s[i + 2] & 0x3fu) << 6) | (s[i + 3] & 0x3f);
            i += 4;

        } else {
            out[n] = c;
            i++;
        }
    }

    return n;
}


static size_t
iz_utf8_encode(const uint32_t *cps, size_t n, char *p)
{
    char    *start;
    size_t   i;
    uint32_t cp;

    start = p;

    for (i = 0; i < n; i++) {
        cp = cps[i];

        if (cp < 0x80) {
            *p++ = (char) cp;

        } else if (cp < 0x800) {
            *p++ = (char) (0xc0 | (cp >> 6));
            *p++ = (char) (0x80 | (cp & 0x3f));

        } else if (cp < 0x10000) {
            *p++ = (char) (0xe0 | (cp >> 12));
            *p++ = (char) (0x80 | ((cp >> 6) & 0x3f));
            *p++ = (char) (0x80 | (cp & 0x3f));

        } else {
            *p++ = (char) (0xf0 | (cp >> 18));
            *p++ = (char) (0x80 | ((cp >> 12) & 0x3f));
            *p++ = (char) (0x80 | ((cp >> 6) & 0x3f));
            *p++ = (char) (0x80 | (cp & 0x3f));
        }
    }

    return p - start;
}


typedef struct {
    json_t             *strings[256];
    size_t              n;
} iz_strings_t;


static void
iz_collect(iz_strings_t *all, json_t *v)
{
    size_t       i;
    json_t      *item;
    const char  *key;

    if (json_is_string(v)) {
        if (all->n < sizeof(all->strings) / sizeof(all->strings[0])) {
            all->strings[all->n++] = v;
        }
        return;
    }

    if (json_is_array(v)) {
        json_array_foreach(v, i, item) {
            iz_collect(all, item);
        }
        return;
    }

    if (json_is_object(v)) {
        json_object_foreach(v, key, item) {
            iz_collect(all, item);
        }
    }
}


static int
iz_named(iam_z3_t *z, uint32_t cp)
{
    size_t  i;

    if (cp < 128) {
        return z->lit_ascii[cp];
    }

    for (i = 0; i < z->nlit_other; i++) {
        if (z->lit_other[i] == cp) {
            return 1;
        }
    }

    return z->lit_lost;
}


/* cp in one of the strings (as UTF-8: cp >= 0x100 takes two bytes or more) */
static int
iz_in(iz_strings_t *all, uint32_t cp)
{
    char    utf8[8];
    size_t  i, n;

    n = iz_utf8_encode(&cp, 1, utf8);
    utf8[n] = '\0';

    for (i = 0; i < all->n; i++) {
        if (strstr(json_string_value(all->strings[i]), utf8)) {
            return 1;
        }
    }

    return 0;
}


/*
 * A solver's model may name any character: control characters, private
 * use, a letter in a case no pattern asks for.  Swapping, one for one, each
 * character that no pattern names for a printable one that neither a
 * pattern nor the request uses changes no match (the engine sees only
 * equality of characters, '?' and '*' counting whole characters, and ASCII
 * case folding: such letters are taken only when neither case is named),
 * and the action is matched ignoring case only.  The engine confirms the
 * result all the same.
 */
static void
iz_tidy(iam_z3_t *z, json_t *request)
{
    static const char  pool[] = "xyzqjkwvbfghmnprstulcdeaio0123456789"
                                "-_.~+=@!$%&,;";

    char           *text;
    size_t          i, j, m, n, len, nmap, next, other;
    json_t         *action;
    uint32_t       *cps, from[256], to[256];
    unsigned char   used[128];
    iz_strings_t    all;
    const char     *s;

    memcpy(used, z->lit_ascii, sizeof(used));
    all.n = 0;

    /* what makes a string an ARN is named too (iz_declare_arn()) */
    used['a'] = used['r'] = used['n'] = used[':'] = 1;

    action = json_object_get(request, "action");
    iz_collect(&all, action);
    iz_collect(&all, json_object_get(request, "resource"));
    iz_collect(&all, json_object_get(request, "context"));

    for (i = 0; i < all.n; i++) {
        s = json_string_value(all.strings[i]);
        for (j = 0; s[j]; j++) {
            if ((unsigned char) s[j] < 128) {
                used[(unsigned char) s[j]] = 1;
            }
        }
    }

    nmap = 0;
    next = 0;
    other = 0;

    for (i = 0; i < all.n; i++) {
        s = json_string_value(all.strings[i]);
        len = json_string_length(all.strings[i]);

        cps = malloc((len + 1) * sizeof(uint32_t));
        text = malloc(len * 4 + 1);
        if (cps == NULL || text == NULL) {
            free(cps);
            free(text);
            return;
        }

        n = iz_utf8_decode(s, len, cps);

        for (j = 0; j < n; j++) {
            if (cps[j] > 0x20 && cps[j] < 0x7f) {
                continue;
            }

            if (iz_named(z, cps[j])) {
                continue;
            }

            for (m = 0; m < nmap && from[m] != cps[j]; m++) {
                /* void */
            }

            if (m == nmap) {
                if (nmap == sizeof(from) / sizeof(from[0])) {
                    continue;
                }

                /* printable ASCII first, then letters from U+0100 on */
                while (pool[next]
                       && (used[(unsigned char) pool[next]]
                           || used[toupper((unsigned char) pool[next])]))
                {
                    next++;
                }

                if (pool[next]) {
                    to[nmap] = (unsigned char) pool[next];
                    used[(unsigned char) pool[next]] = 1;

                } else if (z->lit_lost) {
                    continue;

                } else {
                    do {
                        to[nmap] = (uint32_t) (0x100 + other++);
                    } while (iz_named(z, to[nmap]) || iz_in(&all, to[nmap]));
                }

                from[nmap++] = cps[j];
            }

            cps[j] = to[m];
        }

        if (all.strings[i] == action) {
            for (j = 0; j < n; j++) {
                if (cps[j] < 128) {
                    cps[j] = (uint32_t) tolower((int) cps[j]);
                }
            }
        }

        len = iz_utf8_encode(cps, n, text);
        json_string_setn(all.strings[i], text, len);

        free(cps);
        free(text);
    }
}
