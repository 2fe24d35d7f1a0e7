/*
 * ngx_iam engine: the Condition element.
 *
 * The operator table below is the one in AWS's "IAM JSON policy elements:
 * Condition operators", one row per operator: its value type, its
 * comparison, and whether it is the negation of another.  Policy values are
 * parsed for their type at load time; request values (strings) are parsed
 * at match time, on the stack.
 */

#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
#include <strings.h>
#include <arpa/inet.h>
#include <openssl/evp.h>
#include <iam/iam_condition.h>


typedef enum {
    IAM_TYPE_STRING = 0,
    IAM_TYPE_STRING_ICASE,
    IAM_TYPE_STRING_LIKE,
    IAM_TYPE_NUMERIC,
    IAM_TYPE_DATE,
    IAM_TYPE_BOOL,
    IAM_TYPE_BINARY,
    IAM_TYPE_IP,
    IAM_TYPE_ARN,
    IAM_TYPE_NULL
} iam_cond_type_e;

typedef enum {
    IAM_CMP_EQ = 0,
    IAM_CMP_LT,
    IAM_CMP_LE,
    IAM_CMP_GT,
    IAM_CMP_GE
} iam_cond_cmp_e;

typedef struct {
    const char         *name;
    iam_cond_op_e       op;
    iam_cond_type_e     type;
    iam_cond_cmp_e      cmp;
    unsigned            negated;
} iam_cond_op_def_t;


static const iam_cond_op_def_t  iam_cond_ops[] = {
    { "StringEquals", IAM_COND_STRING_EQUALS,
      IAM_TYPE_STRING, IAM_CMP_EQ, 0 },
    { "StringNotEquals", IAM_COND_STRING_NOT_EQUALS,
      IAM_TYPE_STRING, IAM_CMP_EQ, 1 },
    { "StringEqualsIgnoreCase", IAM_COND_STRING_EQUALS_IGNORE_CASE,
      IAM_TYPE_STRING_ICASE, IAM_CMP_EQ, 0 },
    { "StringNotEqualsIgnoreCase", IAM_COND_STRING_NOT_EQUALS_IGNORE_CASE,
      IAM_TYPE_STRING_ICASE, IAM_CMP_EQ, 1 },
    { "StringLike", IAM_COND_STRING_LIKE,
      IAM_TYPE_STRING_LIKE, IAM_CMP_EQ, 0 },
    { "StringNotLike", IAM_COND_STRING_NOT_LIKE,
      IAM_TYPE_STRING_LIKE, IAM_CMP_EQ, 1 },
    { "NumericEquals", IAM_COND_NUMERIC_EQUALS,
      IAM_TYPE_NUMERIC, IAM_CMP_EQ, 0 },
    { "NumericNotEquals", IAM_COND_NUMERIC_NOT_EQUALS,
      IAM_TYPE_NUMERIC, IAM_CMP_EQ, 1 },
    { "NumericLessThan", IAM_COND_NUMERIC_LESS_THAN,
      IAM_TYPE_NUMERIC, IAM_CMP_LT, 0 },
    { "NumericLessThanEquals", IAM_COND_NUMERIC_LESS_THAN_EQUALS,
      IAM_TYPE_NUMERIC, IAM_CMP_LE, 0 },
    { "NumericGreaterThan", IAM_COND_NUMERIC_GREATER_THAN,
      IAM_TYPE_NUMERIC, IAM_CMP_GT, 0 },
    { "NumericGreaterThanEquals", IAM_COND_NUMERIC_GREATER_THAN_EQUALS,
      IAM_TYPE_NUMERIC, IAM_CMP_GE, 0 },
    { "DateEquals", IAM_COND_DATE_EQUALS,
      IAM_TYPE_DATE, IAM_CMP_EQ, 0 },
    { "DateNotEquals", IAM_COND_DATE_NOT_EQUALS,
      IAM_TYPE_DATE, IAM_CMP_EQ, 1 },
    { "DateLessThan", IAM_COND_DATE_LESS_THAN,
      IAM_TYPE_DATE, IAM_CMP_LT, 0 },
    { "DateLessThanEquals", IAM_COND_DATE_LESS_THAN_EQUALS,
      IAM_TYPE_DATE, IAM_CMP_LE, 0 },
    { "DateGreaterThan", IAM_COND_DATE_GREATER_THAN,
      IAM_TYPE_DATE, IAM_CMP_GT, 0 },
    { "DateGreaterThanEquals", IAM_COND_DATE_GREATER_THAN_EQUALS,
      IAM_TYPE_DATE, IAM_CMP_GE, 0 },
    { "Bool", IAM_COND_BOOL,
      IAM_TYPE_BOOL, IAM_CMP_EQ, 0 },
    { "BinaryEquals", IAM_COND_BINARY_EQUALS,
      IAM_TYPE_BINARY, IAM_CMP_EQ, 0 },
    { "IpAddress", IAM_COND_IP_ADDRESS,
      IAM_TYPE_IP, IAM_CMP_EQ, 0 },
    { "NotIpAddress", IAM_COND_NOT_IP_ADDRESS,
      IAM_TYPE_IP, IAM_CMP_EQ, 1 },
    { "ArnEquals", IAM_COND_ARN_EQUALS,
      IAM_TYPE_ARN, IAM_CMP_EQ, 0 },
    { "ArnLike", IAM_COND_ARN_LIKE,
      IAM_TYPE_ARN, IAM_CMP_EQ, 0 },
    { "ArnNotEquals", IAM_COND_ARN_NOT_EQUALS,
      IAM_TYPE_ARN, IAM_CMP_EQ, 1 },
    { "ArnNotLike", IAM_COND_ARN_NOT_LIKE,
      IAM_TYPE_ARN, IAM_CMP_EQ, 1 },
    { "Null", IAM_COND_NULL,
      IAM_TYPE_NULL, IAM_CMP_EQ, 0 },
    { NULL, 0, 0, 0, 0 }
};


#define IAM_BINARY_MAX  4096
#define IAM_EPOCH_MAX   18          /* digits: far past any date, no overflow */


/* A request value parsed once for the operator's type, on the stack. */
typedef struct {
    long double         number;
    int64_t             time;
    unsigned            boolean;
    unsigned            family;
    unsigned char       addr[16];
    size_t              len;
    unsigned char       bin[IAM_BINARY_MAX];
} iam_cond_request_t;


static const iam_cond_op_def_t *iam_cond_parse_op(const char *name,
    iam_cond_set_e *set, unsigned *if_exists);
static int iam_cond_value_text(const json_t *v, char *buf, size_t size,
    iam_str_t *text);
static int iam_cond_compile_value(iam_pool_t *pool,
    const iam_cond_op_def_t *def, unsigned version, iam_str_t text,
    iam_cond_value_t *cv, char *err, size_t errlen);
static int iam_cond_any(const iam_condition_t *c, iam_str_t v,
    const iam_context_t *ctx);
static int iam_cond_value_match(const iam_cond_op_def_t *def,
    const iam_cond_value_t *cv, const iam_cond_request_t *r, iam_str_t v,
    const iam_context_t *ctx);
static int iam_ip_match(const iam_cond_value_t *cv,
    const iam_cond_request_t *r);
static int iam_parse_number(iam_str_t s, long double *out);
static int iam_parse_date(iam_str_t s, int64_t *out);
static int iam_parse_bool(iam_str_t s, unsigned *out);
static int iam_parse_ip(iam_str_t s, int allow_prefix, unsigned *family,
    unsigned char addr[16], unsigned *prefix);
static int iam_parse_base64(iam_str_t s, unsigned char *out, size_t size,
    size_t *len);
static int iam_cmp_result(int cmp, iam_cond_cmp_e how);
static int iam_digits(const char *p, size_t n, int *out);
static int iam_days_in_month(int year, unsigned mon);


/* the table is in iam_cond_op_e order, checked by the unit tests */
static const iam_cond_op_def_t *
iam_cond_def(iam_cond_op_e op)
{
    return &iam_cond_ops[op];
}


/* "ForAnyValue:StringEqualsIfExists" and the like */
static const iam_cond_op_def_t *
iam_cond_parse_op(const char *name, iam_cond_set_e *set, unsigned *if_exists)
{
    size_t                    len;
    const iam_cond_op_def_t  *d;

    *set = IAM_SET_NONE;
    *if_exists = 0;

    if (strncasecmp(name, "ForAllValues:", 13) == 0) {
        *set = IAM_SET_FOR_ALL_VALUES;
        name += 13;

    } else if (strncasecmp(name, "ForAnyValue:", 12) == 0) {
        *set = IAM_SET_FOR_ANY_VALUE;
        name += 12;
    }

    len = strlen(name);

    if (len > 8 && strcasecmp(name + len - 8, "IfExists") == 0) {
        *if_exists = 1;
        len -= 8;
    }

    for (d = iam_cond_ops; d->name; d++) {
        if (strlen(d->name) == len && strncasecmp(d->name, name, len) == 0) {
            if (*if_exists && d->type == IAM_TYPE_NULL) {
                return NULL;        /* there is no NullIfExists */
            }
            return d;
        }
    }

    return NULL;
}


int
iam_conditions_compile(iam_pool_t *pool, const json_t *block,
    unsigned version, const iam_source_t *src, iam_json_path_t *path,
    iam_diags_t *diags, iam_condition_t **conds, size_t *nconds)
{
    int                       rc;
    char                      err[512], buf[64];
    size_t                    n, i, nvalues;
    json_t                   *keys, *values, *v;
    unsigned                  if_exists;
    iam_str_t                 text;
    const char               *opname, *key;
    iam_cond_set_e            set;
    iam_condition_t          *c;
    const iam_cond_op_def_t  *def;

    *conds = NULL;
    *nconds = 0;

    if (!json_is_object(block)) {
        iam_report(diags, src, path, "Condition must be an object of "
                   "operators");
        return IAM_ERROR;
    }

    n = 0;
    json_object_foreach((json_t *) block, opname, keys) {
        n += json_is_object(keys) ? json_object_size(keys) : 0;
    }

    c = iam_pcalloc(pool, (n + 1) * sizeof(iam_condition_t));
    if (c == NULL) {
        return IAM_ERROR;
    }

    rc = IAM_OK;
    n = 0;

    json_object_foreach((json_t *) block, opname, keys) {
        iam_json_path_push_key(path, opname);

        def = iam_cond_parse_op(opname, &set, &if_exists);

        if (def == NULL) {
            iam_report(diags, src, path, "unknown condition operator \"%s\"",
                       opname);
            rc = IAM_ERROR;
            iam_json_path_pop(path);
            continue;
        }

        if (!json_is_object(keys) || json_object_size(keys) == 0) {
            iam_report(diags, src, path, "%s must be a non-empty object of "
                       "condition keys and values", opname);
            rc = IAM_ERROR;
            iam_json_path_pop(path);
            continue;
        }

        json_object_foreach(keys, key, values) {
            iam_json_path_push_key(path, key);

            if (strchr(key, ':') == NULL || key[0] == ':') {
                iam_report(diags, src, path, "condition key \"%s\" has no "
                           "service prefix (such as \"aws:\")", key);
                rc = IAM_ERROR;
                iam_json_path_pop(path);
                continue;
            }

            nvalues = json_is_array(values) ? json_array_size(values) : 1;

            if (json_is_array(values) && nvalues == 0) {
                iam_report(diags, src, path, "a condition needs at least one "
                           "value");
                rc = IAM_ERROR;
                iam_json_path_pop(path);
                continue;
            }

            if (nvalues > 10000) {
                iam_report(diags, src, path, "too many values (at most "
                           "10000)");
                rc = IAM_ERROR;
                iam_json_path_pop(path);
                continue;
            }

            c[n].op = def->op;
            c[n].set = set;
            c[n].if_exists = if_exists;
            c[n].negated = def->negated;
            c[n].op_name = iam_pstr(pool, opname, strlen(opname));
            c[n].key = iam_pstr(pool, key, strlen(key));
            c[n].key_hash = iam_hash_icase(key, strlen(key));
            c[n].values = iam_pcalloc(pool, nvalues
                                            * sizeof(iam_cond_value_t));
            c[n].nvalues = nvalues;

            if (c[n].values == NULL || c[n].key.data == NULL) {
                return IAM_ERROR;
            }

            for (i = 0; i < nvalues; i++) {
                v = json_is_array(values) ? json_array_get(values, i)
                                          : values;

                if (json_is_array(values)) {
                    iam_json_path_push_index(path, i);
                }

                if (json_is_string(v)
                    && memchr(json_string_value(v), '\0',
                              json_string_length(v)))
                {
                    iam_report(diags, src, path, "a condition value must not "
                               "contain a NUL character");
                    rc = IAM_ERROR;

                } else if (iam_cond_value_text(v, buf, sizeof(buf), &text)
                           != IAM_OK)
                {
                    iam_report(diags, src, path, "a condition value must be "
                               "a string, a number or a boolean");
                    rc = IAM_ERROR;

                } else if (iam_cond_compile_value(pool, def, version, text,
                                                  &c[n].values[i], err,
                                                  sizeof(err))
                           != IAM_OK)
                {
                    iam_report(diags, src, path, "%s", err);
                    rc = IAM_ERROR;
                }

                if (json_is_array(values)) {
                    iam_json_path_pop(path);
                }
            }

            n++;
            iam_json_path_pop(path);
        }

        iam_json_path_pop(path);
    }

    if (rc != IAM_OK) {
        return IAM_ERROR;
    }

    *conds = c;
    *nconds = n;

    return IAM_OK;
}


/* a JSON scalar as the string AWS compares */
static int
iam_cond_value_text(const json_t *v, char *buf, size_t size, iam_str_t *text)
{
    int  prec;

    if (json_is_string(v)) {
        text->data = json_string_value(v);
        text->len = json_string_length(v);

        /* an embedded NUL would be cut short by C string functions */
        return memchr(text->data, '\0', text->len) ? IAM_ERROR : IAM_OK;
    }

    if (json_is_integer(v)) {
        snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));

    } else if (json_is_real(v)) {
        /*
         * The shortest text that reads back as the same double: 0.1, not
         * 0.10000000000000001, which would never equal a request's "0.1".
         */
        for (prec = 15; prec < 17; prec++) {
            snprintf(buf, size, "%.*g", prec, json_real_value(v));
            if (strtod(buf, NULL) == json_real_value(v)) {
                break;
            }
        }

        if (prec == 17) {
            snprintf(buf, size, "%.17g", json_real_value(v));
        }

    } else if (json_is_boolean(v)) {
        snprintf(buf, size, "%s", json_is_true(v) ? "true" : "false");

    } else {
        return IAM_ERROR;
    }

    text->data = buf;
    text->len = strlen(buf);

    return IAM_OK;
}


static int
iam_cond_compile_value(iam_pool_t *pool, const iam_cond_op_def_t *def,
    unsigned version, iam_str_t text, iam_cond_value_t *cv, char *err,
    size_t errlen)
{
    size_t         len;
    unsigned       vars, b, prefix;
    unsigned char  bin[IAM_BINARY_MAX];

    vars = version == 2012 ? IAM_PATTERN_VARIABLES : 0;

    switch (def->type) {

    case IAM_TYPE_STRING:
        return iam_pattern_compile(pool, &cv->pattern, text.data, text.len,
                                   vars, err, errlen);

    case IAM_TYPE_STRING_ICASE:
        return iam_pattern_compile(pool, &cv->pattern, text.data, text.len,
                                   vars | IAM_PATTERN_ICASE, err, errlen);

    case IAM_TYPE_STRING_LIKE:
        return iam_pattern_compile(pool, &cv->pattern, text.data, text.len,
                                   vars | IAM_PATTERN_WILDCARDS, err, errlen);

    case IAM_TYPE_NUMERIC:
        if (iam_parse_number(text, &cv->number) != IAM_OK) {
            snprintf(err, errlen, "\"%.*s\" is not a number for %s",
                     (int) (text.len > 64 ? 64 : text.len), text.data,
                     def->name);
            return IAM_ERROR;
        }
        return IAM_OK;

    case IAM_TYPE_DATE:
        if (iam_parse_date(text, &cv->time) != IAM_OK) {
            snprintf(err, errlen, "\"%.*s\" is not a date for %s (ISO 8601, "
                     "such as 2026-01-31T12:00:00Z, or epoch seconds)",
                     (int) (text.len > 64 ? 64 : text.len), text.data,
                     def->name);
            return IAM_ERROR;
        }
        return IAM_OK;

    case IAM_TYPE_BOOL:
    case IAM_TYPE_NULL:
        if (iam_parse_bool(text, &b) != IAM_OK) {
            snprintf(err, errlen, "%s takes true or false, not \"%.*s\"",
                     def->name, (int) (text.len > 64 ? 64 : text.len),
                     text.data);
            return IAM_ERROR;
        }
        cv->boolean = b;
        return IAM_OK;

    case IAM_TYPE_BINARY:
        if (iam_parse_base64(text, bin, sizeof(bin), &len) != IAM_OK) {
            snprintf(err, errlen, "\"%.*s\" is not base64 for BinaryEquals",
                     (int) (text.len > 64 ? 64 : text.len), text.data);
            return IAM_ERROR;
        }
        cv->bytes = iam_pstr(pool, (const char *) bin, len);
        return IAM_OK;

    case IAM_TYPE_IP:
        if (iam_parse_ip(text, 1, &b, cv->addr, &prefix) != IAM_OK) {
            snprintf(err, errlen, "\"%.*s\" is not an IP address or CIDR "
                     "block for %s", (int) (text.len > 64 ? 64 : text.len),
                     text.data, def->name);
            return IAM_ERROR;
        }
        cv->family = b;
        cv->prefix = prefix;

        /*
         * ::ffff:10.0.0.0/104 is 10.0.0.0/8: request addresses in that
         * form are compared as IPv4 too.
         */
        if (b == 6 && prefix >= 96
            && memcmp(cv->addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0)
        {
            memmove(cv->addr, cv->addr + 12, 4);
            memset(cv->addr + 4, 0, 12);
            cv->family = 4;
            cv->prefix = prefix - 96;
        }

        return IAM_OK;

    case IAM_TYPE_ARN:
        cv->arn = iam_palloc(pool, sizeof(iam_arn_pattern_t));
        if (cv->arn == NULL) {
            snprintf(err, errlen, "out of memory");
            return IAM_ERROR;
        }
        return iam_arn_pattern_compile(pool, cv->arn, text.data, text.len,
                                       vars | IAM_PATTERN_WILDCARDS, err,
                                       errlen);
    }

    snprintf(err, errlen, "internal error: unknown operator type");

    return IAM_ERROR;
}


int
iam_conditions_match(const iam_condition_t *conds, size_t nconds,
    const iam_context_t *ctx, size_t *failed)
{
    size_t  i;

    for (i = 0; i < nconds; i++) {
        if (!iam_condition_match(&conds[i], ctx)) {
            if (failed) {
                *failed = i;
            }
            return 0;
        }
    }

    return 1;
}


int
iam_condition_match(const iam_condition_t *c, const iam_context_t *ctx)
{
    size_t                      i, j;
    unsigned                    present;
    const iam_context_entry_t  *e;

    e = iam_context_get(ctx, c->key.data, c->key.len, c->key_hash);
    present = e != NULL && e->nvalues > 0;

    if (c->op == IAM_COND_NULL) {
        /* "true": the key is absent; several values are OR'ed */
        for (j = 0; j < c->nvalues; j++) {
            if (c->values[j].boolean == !present) {
                return 1;
            }
        }
        return 0;
    }

    if (!present) {
        if (c->if_exists || c->set == IAM_SET_FOR_ALL_VALUES) {
            return 1;
        }

        if (c->set == IAM_SET_FOR_ANY_VALUE) {
            return 0;
        }

        return c->negated;
    }

    switch (c->set) {

    case IAM_SET_FOR_ANY_VALUE:
        /* some request value satisfies the operator */
        for (i = 0; i < e->nvalues; i++) {
            if (iam_cond_any(c, e->values[i], ctx) != (int) c->negated) {
                return 1;
            }
        }
        return 0;

    case IAM_SET_FOR_ALL_VALUES:
        /* every request value satisfies the operator */
        for (i = 0; i < e->nvalues; i++) {
            if (iam_cond_any(c, e->values[i], ctx) == (int) c->negated) {
                return 0;
            }
        }
        return 1;

    default:
        /* any request value matches any policy value; negation of that */
        for (i = 0; i < e->nvalues; i++) {
            if (iam_cond_any(c, e->values[i], ctx)) {
                return !c->negated;
            }
        }
        return c->negated;
    }
}


/*
 * 1 when the request value v matches one of the policy values (the
 * operator's positive sense).  v is parsed once here, not once per policy
 * value: an IpAddress condition often lists dozens of CIDRs.  A value that
 * does not parse as the operator's type matches nothing.
 */
static int
iam_cond_any(const iam_condition_t *c, iam_str_t v, const iam_context_t *ctx)
{
    size_t                    j;
    unsigned                  prefix;
    iam_cond_request_t        r;
    const iam_cond_op_def_t  *def;

    def = iam_cond_def(c->op);

    switch (def->type) {

    case IAM_TYPE_NUMERIC:
        if (iam_parse_number(v, &r.number) != IAM_OK) {
            return 0;
        }
        break;

    case IAM_TYPE_DATE:
        if (iam_parse_date(v, &r.time) != IAM_OK) {
            return 0;
        }
        break;

    case IAM_TYPE_BOOL:
        if (iam_parse_bool(v, &r.boolean) != IAM_OK) {
            return 0;
        }
        break;

    case IAM_TYPE_BINARY:
        if (iam_parse_base64(v, r.bin, sizeof(r.bin), &r.len) != IAM_OK) {
            return 0;
        }
        break;

    case IAM_TYPE_IP:
        if (iam_parse_ip(v, 0, &r.family, r.addr, &prefix) != IAM_OK) {
            return 0;
        }

        /* an IPv4-mapped IPv6 address is its IPv4 address */
        if (r.family == 6
            && memcmp(r.addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0)
        {
            memmove(r.addr, r.addr + 12, 4);
            memset(r.addr + 4, 0, 12);
            r.family = 4;
        }
        break;

    default:
        /* strings and ARNs are matched as they are */
        break;
    }

    for (j = 0; j < c->nvalues; j++) {
        if (iam_cond_value_match(def, &c->values[j], &r, v, ctx)) {
            return 1;
        }
    }

    return 0;
}


/* one parsed request value against one policy value */
static int
iam_cond_value_match(const iam_cond_op_def_t *def, const iam_cond_value_t *cv,
    const iam_cond_request_t *r, iam_str_t v, const iam_context_t *ctx)
{
    switch (def->type) {

    case IAM_TYPE_STRING:
    case IAM_TYPE_STRING_ICASE:
    case IAM_TYPE_STRING_LIKE:
        return iam_pattern_match(&cv->pattern, v.data, v.len, ctx);

    case IAM_TYPE_NUMERIC:
        return iam_cmp_result(r->number < cv->number
                              ? -1 : r->number > cv->number, def->cmp);

    case IAM_TYPE_DATE:
        return iam_cmp_result(r->time < cv->time ? -1 : r->time > cv->time,
                              def->cmp);

    case IAM_TYPE_BOOL:
        return r->boolean == cv->boolean;

    case IAM_TYPE_BINARY:
        return r->len == cv->bytes.len
               && (r->len == 0 || memcmp(r->bin, cv->bytes.data, r->len) == 0);

    case IAM_TYPE_IP:
        return iam_ip_match(cv, r);

    case IAM_TYPE_ARN:
        return iam_arn_pattern_match(cv->arn, v.data, v.len, ctx);

    case IAM_TYPE_NULL:
        break;
    }

    return 0;
}


/* the first cv->prefix bits equal; IPv4 only against IPv4 and 6 with 6 */
static int
iam_ip_match(const iam_cond_value_t *cv, const iam_cond_request_t *r)
{
    size_t    nbytes;
    unsigned  bits, mask;

    if (r->family != cv->family) {
        return 0;
    }

    nbytes = cv->prefix / 8;

    if (nbytes && memcmp(r->addr, cv->addr, nbytes) != 0) {
        return 0;
    }

    bits = cv->prefix % 8;

    if (bits) {
        mask = (0xff00u >> bits) & 0xff;
        return (r->addr[nbytes] & mask) == (cv->addr[nbytes] & mask);
    }

    return 1;
}


static int
iam_cmp_result(int cmp, iam_cond_cmp_e how)
{
    switch (how) {
    case IAM_CMP_EQ:
        return cmp == 0;
    case IAM_CMP_LT:
        return cmp < 0;
    case IAM_CMP_LE:
        return cmp <= 0;
    case IAM_CMP_GT:
        return cmp > 0;
    case IAM_CMP_GE:
        return cmp >= 0;
    }

    return 0;
}


/*
 * [+-]digits[.digits] or [+-].digits, then an optional exponent (a JSON
 * number such as 1e20 reaches us as "1e+20"); nothing else: no "inf", no
 * hex, no spaces.
 */
static int
iam_parse_number(iam_str_t s, long double *out)
{
    char    buf[64];
    size_t  i, digits;

    if (s.len == 0 || s.len >= sizeof(buf)) {
        return IAM_ERROR;
    }

    i = (s.data[0] == '-' || s.data[0] == '+') ? 1 : 0;
    digits = 0;

    for ( /* void */ ; i < s.len && isdigit((unsigned char) s.data[i]); i++) {
        digits++;
    }

    if (i < s.len && s.data[i] == '.') {
        for (i++; i < s.len && isdigit((unsigned char) s.data[i]); i++) {
            digits++;
        }
    }

    if (digits == 0) {
        return IAM_ERROR;
    }

    if (i < s.len && (s.data[i] == 'e' || s.data[i] == 'E')) {
        i++;

        if (i < s.len && (s.data[i] == '-' || s.data[i] == '+')) {
            i++;
        }

        for (digits = 0; i < s.len && isdigit((unsigned char) s.data[i]); i++)
        {
            digits++;
        }

        if (digits == 0) {
            return IAM_ERROR;
        }
    }

    if (i != s.len) {
        return IAM_ERROR;
    }

    memcpy(buf, s.data, s.len);
    buf[s.len] = '\0';
    *out = strtold(buf, NULL);

    return IAM_OK;
}


static int
iam_digits(const char *p, size_t n, int *out)
{
    size_t  i;

    *out = 0;

    for (i = 0; i < n; i++) {
        if (!isdigit((unsigned char) p[i])) {
            return IAM_ERROR;
        }
        *out = *out * 10 + (p[i] - '0');
    }

    return IAM_OK;
}


static int
iam_days_in_month(int year, unsigned mon)
{
    static const int  days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
                                 31 };

    if (mon == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) {
        return 29;
    }

    return days[mon - 1];
}


/* days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant) */
static int64_t
iam_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t   era;
    unsigned  yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned) (y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + (int64_t) doe - 719468;
}


/*
 * Epoch seconds, or ISO 8601: YYYY-MM-DD, YYYY-MM-DDThh:mm[:ss[.fff]]
 * followed by Z, +hh:mm, -hh:mm, +hhmm or nothing (UTC).
 */
static int
iam_parse_date(iam_str_t s, int64_t *out)
{
    int          year, mon, day, hour, min, sec, oh, om, sign;
    size_t       i;
    const char  *p, *end;

    if (s.len == 0 || s.len > 64) {
        return IAM_ERROR;
    }

    p = s.data;
    end = p + s.len;

    if (s.len < 10 || p[4] != '-') {
        /* epoch seconds */
        if (s.len > IAM_EPOCH_MAX) {
            return IAM_ERROR;
        }

        *out = 0;
        for (i = 0; i < s.len; i++) {
            if (!isdigit((unsigned char) p[i])) {
                return IAM_ERROR;
            }
            *out = *out * 10 + (p[i] - '0');
        }
        return IAM_OK;
    }

    if (s.len < 10 || iam_digits(p, 4, &year) != IAM_OK || p[4] != '-'
        || iam_digits(p + 5, 2, &mon) != IAM_OK || p[7] != '-'
        || iam_digits(p + 8, 2, &day) != IAM_OK
        || mon < 1 || mon > 12 || day < 1
        || day > iam_days_in_month(year, (unsigned) mon))
    {
        return IAM_ERROR;
    }

    hour = 0;
    min = 0;
    sec = 0;
    p += 10;

    if (p < end && (*p == 'T' || *p == 't')) {
        if (end - p < 6 || iam_digits(p + 1, 2, &hour) != IAM_OK
            || p[3] != ':' || iam_digits(p + 4, 2, &min) != IAM_OK)
        {
            return IAM_ERROR;
        }
        p += 6;

        if (p < end && *p == ':') {
            if (end - p < 3 || iam_digits(p + 1, 2, &sec) != IAM_OK) {
                return IAM_ERROR;
            }
            p += 3;

            if (p < end && *p == '.') {
                for (p++; p < end && isdigit((unsigned char) *p); p++) {
                    /* fractions of a second are below our resolution */
                }
            }
        }

        if (hour > 23 || min > 59 || sec > 60) {
            return IAM_ERROR;
        }
    }

    oh = 0;
    om = 0;
    sign = 1;

    if (p < end && (*p == 'Z' || *p == 'z')) {
        p++;

    } else if (p < end && (*p == '+' || *p == '-')) {
        sign = *p == '-' ? -1 : 1;

        if (end - p == 6 && p[3] == ':'
            && iam_digits(p + 1, 2, &oh) == IAM_OK
            && iam_digits(p + 4, 2, &om) == IAM_OK)
        {
            p += 6;

        } else if (end - p == 5 && iam_digits(p + 1, 2, &oh) == IAM_OK
                   && iam_digits(p + 3, 2, &om) == IAM_OK)
        {
            p += 5;

        } else {
            return IAM_ERROR;
        }
    }

    if (p != end || oh > 23 || om > 59) {
        return IAM_ERROR;
    }

    *out = iam_days_from_civil(year, (unsigned) mon, (unsigned) day) * 86400
           + hour * 3600 + min * 60 + sec - sign * (oh * 3600 + om * 60);

    return IAM_OK;
}


static int
iam_parse_bool(iam_str_t s, unsigned *out)
{
    if (s.len == 4 && strncasecmp(s.data, "true", 4) == 0) {
        *out = 1;
        return IAM_OK;
    }

    if (s.len == 5 && strncasecmp(s.data, "false", 5) == 0) {
        *out = 0;
        return IAM_OK;
    }

    return IAM_ERROR;
}


static int
iam_parse_ip(iam_str_t s, int allow_prefix, unsigned *family,
    unsigned char addr[16], unsigned *prefix)
{
    int          bits;
    char         buf[64];
    size_t       alen;
    const char  *slash;

    if (s.len == 0 || s.len >= sizeof(buf)) {
        return IAM_ERROR;
    }

    slash = memchr(s.data, '/', s.len);
    alen = slash ? (size_t) (slash - s.data) : s.len;

    if (slash && !allow_prefix) {
        return IAM_ERROR;
    }

    memcpy(buf, s.data, alen);
    buf[alen] = '\0';

    memset(addr, 0, 16);

    if (inet_pton(AF_INET, buf, addr) == 1) {
        *family = 4;
        *prefix = 32;

    } else if (inet_pton(AF_INET6, buf, addr) == 1) {
        *family = 6;
        *prefix = 128;

    } else {
        return IAM_ERROR;
    }

    if (slash) {
        if (s.data + s.len - slash - 1 < 1 || s.data + s.len - slash - 1 > 3
            || iam_digits(slash + 1, s.data + s.len - slash - 1, &bits)
               != IAM_OK
            || (unsigned) bits > *prefix)
        {
            return IAM_ERROR;
        }

        *prefix = (unsigned) bits;
    }

    return IAM_OK;
}


static int
iam_parse_base64(iam_str_t s, unsigned char *out, size_t size, size_t *len)
{
    int            n;
    size_t         pad, i;
    unsigned char  c;

    if (s.len % 4 != 0 || s.len / 4 * 3 > size) {
        return IAM_ERROR;
    }

    if (s.len == 0) {
        *len = 0;
        return IAM_OK;
    }

    /*
     * EVP_DecodeBlock() takes '=' anywhere as a zero ("Y=Q=") and skips
     * leading blanks: only the alphabet, and '=' as the last one or two.
     */
    pad = (s.data[s.len - 1] == '=') + (s.data[s.len - 2] == '=');

    for (i = 0; i < s.len - pad; i++) {
        c = (unsigned char) s.data[i];

        if (!isalnum(c) && c != '+' && c != '/') {
            return IAM_ERROR;
        }
    }

    n = EVP_DecodeBlock(out, (const unsigned char *) s.data, (int) s.len);
    if (n < 0) {
        return IAM_ERROR;
    }

    /* EVP_DecodeBlock counts the padding as zero bytes */
    *len = (size_t) n - pad;

    return IAM_OK;
}
