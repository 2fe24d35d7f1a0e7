/*
 * ngx_iam engine: wildcard patterns with policy variables, ARN patterns.
 *
 * A pattern is compiled into atoms; matching resolves variables into literal
 * atoms on the stack and runs the classic greedy wildcard match with
 * backtracking to the last '*': no allocation, no recursion, O(n*m) worst.
 */

#include <stdio.h>
#include <ctype.h>
#include <iam/iam_pattern.h>


static int iam_pattern_add(iam_atom_t *atoms, unsigned *natoms,
    iam_atom_t *atom, char *err, size_t errlen);
static int iam_pattern_variable(iam_pool_t *pool, const char *s, size_t len,
    iam_atom_t *atom, char *err, size_t errlen);
static const iam_atom_t *iam_pattern_resolve(const iam_pattern_t *p,
    const iam_context_t *ctx, iam_atom_t *buf);
static size_t iam_utf8_len(const char *s, size_t len);
static int iam_pattern_eq(const char *a, const char *b, size_t n, int icase);
static const char *iam_variable_end(const char *s, const char *end);


int
iam_pattern_compile(iam_pool_t *pool, iam_pattern_t *p, const char *s,
    size_t len, unsigned flags, char *err, size_t errlen)
{
    char          *lit, *start, *q;
    const char    *end, *close;
    unsigned       natoms;
    iam_atom_t     atoms[IAM_PATTERN_MAX_ATOMS], atom;

    memset(p, 0, sizeof(iam_pattern_t));
    p->flags = flags;
    p->text = iam_pstr(pool, s, len);

    /* literal text, ${*} and friends resolved, lowercased for ICASE */
    lit = iam_palloc(pool, len + 1);
    if (p->text.data == NULL || lit == NULL) {
        snprintf(err, errlen, "out of memory");
        return IAM_ERROR;
    }

    natoms = 0;
    end = s + len;
    q = lit;
    start = q;

#define iam_flush_literal()                                                   \
    if (q > start) {                                                          \
        memset(&atom, 0, sizeof(iam_atom_t));                                 \
        atom.type = IAM_ATOM_LITERAL;                                         \
        atom.text.data = start;                                               \
        atom.text.len = q - start;                                            \
        if (iam_pattern_add(atoms, &natoms, &atom, err, errlen) != IAM_OK) {  \
            return IAM_ERROR;                                                 \
        }                                                                     \
        start = q;                                                            \
    }

    while (s < end) {

        if ((flags & IAM_PATTERN_VARIABLES) && *s == '$' && s + 1 < end
            && s[1] == '{')
        {
            close = iam_variable_end(s + 2, end);
            if (close == NULL) {
                snprintf(err, errlen, "unterminated policy variable \"%.*s\"",
                         (int) (end - s > 64 ? 64 : end - s), s);
                return IAM_ERROR;
            }

            if (close - s == 3 && (s[2] == '*' || s[2] == '?' || s[2] == '$'))
            {
                /* ${*} ${?} ${$}: the character itself, never a wildcard */
                *q++ = s[2];
                s = close + 1;
                continue;
            }

            iam_flush_literal();

            if (iam_pattern_variable(pool, s + 2, close - s - 2, &atom, err,
                                     errlen)
                != IAM_OK
                || iam_pattern_add(atoms, &natoms, &atom, err, errlen)
                   != IAM_OK)
            {
                return IAM_ERROR;
            }

            p->has_variable = 1;
            s = close + 1;
            continue;
        }

        if ((flags & IAM_PATTERN_WILDCARDS) && (*s == '*' || *s == '?')) {
            iam_flush_literal();

            memset(&atom, 0, sizeof(iam_atom_t));
            atom.type = *s == '*' ? IAM_ATOM_STAR : IAM_ATOM_QMARK;
            s++;

            /* "**" is "*" */
            if (atom.type == IAM_ATOM_STAR && natoms
                && atoms[natoms - 1].type == IAM_ATOM_STAR)
            {
                continue;
            }

            if (iam_pattern_add(atoms, &natoms, &atom, err, errlen)
                != IAM_OK)
            {
                return IAM_ERROR;
            }

            p->has_wildcard = 1;
            continue;
        }

        *q++ = (flags & IAM_PATTERN_ICASE) ? (char) tolower((unsigned char) *s)
                                           : *s;
        s++;
    }

    iam_flush_literal();

#undef iam_flush_literal

    p->atoms = iam_palloc(pool, (natoms + 1) * sizeof(iam_atom_t));
    if (p->atoms == NULL) {
        snprintf(err, errlen, "out of memory");
        return IAM_ERROR;
    }

    memcpy(p->atoms, atoms, natoms * sizeof(iam_atom_t));
    p->natoms = natoms;

    return IAM_OK;
}


static int
iam_pattern_add(iam_atom_t *atoms, unsigned *natoms, iam_atom_t *atom,
    char *err, size_t errlen)
{
    if (*natoms == IAM_PATTERN_MAX_ATOMS) {
        snprintf(err, errlen, "too many wildcards and variables (at most %d)",
                 IAM_PATTERN_MAX_ATOMS);
        return IAM_ERROR;
    }

    atoms[(*natoms)++] = *atom;

    return IAM_OK;
}


/* the '}' closing a variable, skipping a quoted default */
static const char *
iam_variable_end(const char *s, const char *end)
{
    int  quoted;

    for (quoted = 0; s < end; s++) {
        if (*s == '\'') {
            quoted = !quoted;

        } else if (*s == '}' && !quoted) {
            return s;
        }
    }

    return NULL;
}


/* "aws:username" or "aws:username, 'default'" */
static int
iam_pattern_variable(iam_pool_t *pool, const char *s, size_t len,
    iam_atom_t *atom, char *err, size_t errlen)
{
    const char  *body, *end, *comma, *name_end, *d;

    memset(atom, 0, sizeof(iam_atom_t));
    atom->type = IAM_ATOM_VARIABLE;

    body = s;
    end = s + len;
    comma = memchr(s, ',', len);
    name_end = comma ? comma : end;

    while (s < name_end && isspace((unsigned char) *s)) {
        s++;
    }

    while (name_end > s && isspace((unsigned char) name_end[-1])) {
        name_end--;
    }

    if (name_end == s) {
        snprintf(err, errlen, "empty policy variable \"${%.*s}\"", (int) len,
                 body);
        return IAM_ERROR;
    }

    for (d = s; d < name_end; d++) {
        if (isspace((unsigned char) *d) || *d == '{' || *d == '$'
            || *d == '\'')
        {
            snprintf(err, errlen, "invalid policy variable name \"%.*s\"",
                     (int) (name_end - s), s);
            return IAM_ERROR;
        }
    }

    atom->text = iam_pstr(pool, s, name_end - s);
    atom->hash = iam_hash_icase(s, name_end - s);

    if (comma == NULL) {
        return IAM_OK;
    }

    d = comma + 1;
    while (d < end && isspace((unsigned char) *d)) {
        d++;
    }

    while (end > d && isspace((unsigned char) end[-1])) {
        end--;
    }

    if (end - d < 2 || *d != '\'' || end[-1] != '\''
        || memchr(d + 1, '\'', end - d - 2) != NULL)
    {
        snprintf(err, errlen,
                 "a policy variable's default is written ${%.*s, 'value'}",
                 (int) (name_end - s), s);
        return IAM_ERROR;
    }

    atom->has_default = 1;
    atom->dflt = iam_pstr(pool, d + 1, end - d - 2);

    return IAM_OK;
}


/* the atoms with variables replaced by their values; NULL: no value */
static const iam_atom_t *
iam_pattern_resolve(const iam_pattern_t *p, const iam_context_t *ctx,
    iam_atom_t *buf)
{
    unsigned                    i;
    const iam_context_entry_t  *e;

    if (!p->has_variable) {
        return p->atoms;
    }

    for (i = 0; i < p->natoms; i++) {
        buf[i] = p->atoms[i];

        if (p->atoms[i].type != IAM_ATOM_VARIABLE) {
            continue;
        }

        e = iam_context_get(ctx, p->atoms[i].text.data, p->atoms[i].text.len,
                            p->atoms[i].hash);

        buf[i].type = IAM_ATOM_LITERAL;

        if (e && e->nvalues == 1) {
            buf[i].text = e->values[0];

        } else if (p->atoms[i].has_default) {
            buf[i].text = p->atoms[i].dflt;

        } else {
            return NULL;
        }
    }

    return buf;
}


/*
 * The bytes of the code point at s: '?' is one character, and a '*' that
 * backtracks steps a whole character, so neither ever splits one.  A byte
 * that does not start a well-formed sequence counts as one character.
 */
static size_t
iam_utf8_len(const char *s, size_t len)
{
    size_t         n, i;
    unsigned char  c;

    c = (unsigned char) s[0];

    if (c < 0xc2 || c > 0xf4) {
        return 1;
    }

    n = c < 0xe0 ? 2 : (c < 0xf0 ? 3 : 4);

    if (n > len) {
        return 1;
    }

    for (i = 1; i < n; i++) {
        if (((unsigned char) s[i] & 0xc0) != 0x80) {
            return 1;
        }
    }

    return n;
}


/*
 * Pattern literals are lowercased when compiled, variable values are not:
 * fold both.  Not strncasecmp(): it stops at a NUL, and values may hold one.
 */
static int
iam_pattern_eq(const char *a, const char *b, size_t n, int icase)
{
    size_t  i;

    if (!icase) {
        return n == 0 || memcmp(a, b, n) == 0;
    }

    for (i = 0; i < n; i++) {
        if (a[i] != b[i]
            && tolower((unsigned char) a[i]) != tolower((unsigned char) b[i]))
        {
            return 0;
        }
    }

    return 1;
}


int
iam_pattern_match(const iam_pattern_t *p, const char *s, size_t len,
    const iam_context_t *ctx)
{
    int                icase;
    size_t             si, star_si, n;
    unsigned           ai, star_ai;
    const iam_atom_t  *atoms, *a;
    iam_atom_t         buf[IAM_PATTERN_MAX_ATOMS];

    atoms = iam_pattern_resolve(p, ctx, buf);
    if (atoms == NULL) {
        return 0;
    }

    icase = (p->flags & IAM_PATTERN_ICASE) != 0;

    if (p->natoms == 0) {
        return len == 0;
    }

    if (p->natoms == 1 && atoms[0].type == IAM_ATOM_LITERAL) {
        return atoms[0].text.len == len
               && iam_pattern_eq(atoms[0].text.data, s, len, icase);
    }

    ai = 0;
    si = 0;
    star_ai = (unsigned) -1;
    star_si = 0;

    for ( ;; ) {
        if (ai < p->natoms) {
            a = &atoms[ai];

            switch (a->type) {

            case IAM_ATOM_STAR:
                if (ai + 1 == p->natoms) {
                    return 1;       /* a trailing '*' takes the rest */
                }

                star_ai = ai++;
                star_si = si;
                continue;

            case IAM_ATOM_QMARK:
                if (si < len) {
                    si += iam_utf8_len(s + si, len - si);
                    ai++;
                    continue;
                }
                break;

            default: /* IAM_ATOM_LITERAL */
                n = a->text.len;
                if (len - si >= n
                    && iam_pattern_eq(a->text.data, s + si, n, icase))
                {
                    si += n;
                    ai++;
                    continue;
                }
                break;
            }

        } else if (si == len) {
            return 1;
        }

        /* mismatch: let the last '*' take one more character */
        if (star_ai == (unsigned) -1 || star_si >= len) {
            return 0;
        }

        star_si += iam_utf8_len(s + star_si, len - star_si);
        si = star_si;
        ai = star_ai + 1;
    }
}


ssize_t
iam_pattern_expand(const iam_pattern_t *p, const iam_context_t *ctx,
    char *out, size_t size)
{
    size_t             len, i;
    const iam_atom_t  *atoms;
    iam_atom_t         buf[IAM_PATTERN_MAX_ATOMS];

    atoms = iam_pattern_resolve(p, ctx, buf);
    if (atoms == NULL) {
        return -1;
    }

    len = 0;

    for (i = 0; i < p->natoms; i++) {
        if (atoms[i].type == IAM_ATOM_LITERAL) {
            if (len + atoms[i].text.len > size) {
                return -1;
            }
            memcpy(out + len, atoms[i].text.data, atoms[i].text.len);
            len += atoms[i].text.len;

        } else {
            if (len + 1 > size) {
                return -1;
            }
            out[len++] = atoms[i].type == IAM_ATOM_STAR ? '*' : '?';
        }
    }

    return (ssize_t) len;
}


int
iam_arn_split(const char *arn, size_t len, iam_str_t seg[6])
{
    size_t       i;
    const char  *p, *end, *colon;

    p = arn;
    end = arn + len;

    for (i = 0; i < 5; i++) {
        colon = memchr(p, ':', end - p);
        if (colon == NULL) {
            return IAM_ERROR;
        }

        seg[i].data = p;
        seg[i].len = colon - p;
        p = colon + 1;
    }

    seg[5].data = p;
    seg[5].len = end - p;

    if (seg[0].len != 3 || memcmp(seg[0].data, "arn", 3) != 0) {
        return IAM_ERROR;
    }

    return IAM_OK;
}


int
iam_arn_pattern_compile(iam_pool_t *pool, iam_arn_pattern_t *ap,
    const char *s, size_t len, unsigned flags, char *err, size_t errlen)
{
    size_t       i, n;
    iam_str_t    seg[6];
    const char  *p, *end, *close;

    memset(ap, 0, sizeof(iam_arn_pattern_t));

    if (len == 1 && s[0] == '*') {
        ap->any = 1;
        return IAM_OK;
    }

    if (len < 4 || memcmp(s, "arn:", 4) != 0) {
        snprintf(err, errlen, "malformed ARN \"%.*s\": must be \"*\" or "
                 "arn:partition:service:region:account:resource",
                 (int) (len > 128 ? 128 : len), s);
        return IAM_ERROR;
    }

    /* split on the first five colons outside ${...} */
    p = s;
    end = s + len;
    n = 0;
    seg[0].data = s;

    while (p < end && n < 5) {
        if ((flags & IAM_PATTERN_VARIABLES) && *p == '$' && p + 1 < end
            && p[1] == '{')
        {
            close = iam_variable_end(p + 2, end);
            p = close ? close + 1 : end;
            continue;
        }

        if (*p == ':') {
            seg[n].len = p - seg[n].data;
            seg[++n].data = p + 1;
        }

        p++;
    }

    if (n < 5) {
        /* "arn:aws:*": a trailing '*' covers the segments not written */
        if (len && s[len - 1] == '*' && n >= 1) {
            seg[n].len = end - seg[n].data;
            for (i = n + 1; i < 6; i++) {
                seg[i].data = "*";
                seg[i].len = 1;
            }

        } else {
            snprintf(err, errlen, "malformed ARN \"%.*s\": must be \"*\" or "
                     "arn:partition:service:region:account:resource",
                     (int) (len > 128 ? 128 : len), s);
            return IAM_ERROR;
        }

    } else {
        seg[5].len = end - seg[5].data;
    }

    for (i = 0; i < 6; i++) {
        if (iam_pattern_compile(pool, &ap->segments[i], seg[i].data,
                                seg[i].len, flags, err, errlen)
            != IAM_OK)
        {
            return IAM_ERROR;
        }
    }

    return IAM_OK;
}


int
iam_arn_pattern_match(const iam_arn_pattern_t *ap, const char *arn,
    size_t len, const iam_context_t *ctx)
{
    size_t     i;
    iam_str_t  seg[6];

    if (ap->any) {
        return 1;
    }

    if (iam_arn_split(arn, len, seg) != IAM_OK) {
        return 0;
    }

    for (i = 0; i < 6; i++) {
        if (!iam_pattern_match(&ap->segments[i], seg[i].data, seg[i].len,
                               ctx))
        {
            return 0;
        }
    }

    return 1;
}
