/*
 * ngx_iam engine: principals, and the Principal/NotPrincipal elements.
 *
 * A request's principal is split once into kind, account and role name; a
 * Principal entry was compiled into the same terms, so matching compares a
 * few strings.
 */

#include <iam/iam_eval.h>
#include "iam_principal.h"


static iam_str_t iam_last_segment(iam_str_t s);


void
iam_principal_parse(iam_principal_t *p, iam_str_t arn)
{
    iam_str_t  seg[6], res, rest;
    size_t     i;

    p->arn = arn;
    p->account.len = 0;
    p->account.data = NULL;
    p->role_name.len = 0;
    p->role_name.data = NULL;
    p->kind = IAM_PRINCIPAL_KIND_OTHER;

    if (arn.len == 0 || iam_str_eq_cstr(arn, "*")
        || iam_str_eq_cstr(arn, "anonymous"))
    {
        p->kind = IAM_PRINCIPAL_KIND_ANONYMOUS;
        return;
    }

    if (iam_arn_split(arn.data, arn.len, seg) != IAM_OK) {
        return;
    }

    p->account = seg[4];
    res = seg[5];

    if (iam_str_eq_cstr(seg[2], "iam")) {

        if (iam_str_eq_cstr(res, "root")) {
            p->kind = IAM_PRINCIPAL_KIND_ROOT;

        } else if (res.len > 5 && memcmp(res.data, "user/", 5) == 0) {
            p->kind = IAM_PRINCIPAL_KIND_USER;

        } else if (res.len > 5 && memcmp(res.data, "role/", 5) == 0) {
            p->kind = IAM_PRINCIPAL_KIND_ROLE;
            p->role_name = iam_last_segment(res);
        }

    } else if (iam_str_eq_cstr(seg[2], "sts")
               && res.len > 13 && memcmp(res.data, "assumed-role/", 13) == 0)
    {
        /* assumed-role/ROLE/SESSION */
        rest.data = res.data + 13;
        rest.len = res.len - 13;

        for (i = 0; i < rest.len && rest.data[i] != '/'; i++) { /* void */ }

        if (i > 0 && i < rest.len) {
            p->kind = IAM_PRINCIPAL_KIND_SESSION;
            p->role_name.data = rest.data;
            p->role_name.len = i;
        }
    }
}


static iam_str_t
iam_last_segment(iam_str_t s)
{
    size_t  i;

    for (i = s.len; i > 0 && s.data[i - 1] != '/'; i--) { /* void */ }

    s.data += i;
    s.len -= i;

    return s;
}


/*
 * How strongly one Principal entry names the principal: 0 (not at all),
 * or an iam_principal_match_e saying how (EXACT also for the role itself).
 */
static int
iam_principal_entry_match(const iam_principal_entry_t *e,
    const iam_principal_t *p)
{
    switch (e->type) {

    case IAM_PRINCIPAL_ANY:
        return IAM_PRINCIPAL_ANY;

    case IAM_PRINCIPAL_ACCOUNT:
        if (p->account.len == 0 || !iam_str_eq(e->account, p->account)) {
            return 0;
        }

        return p->kind == IAM_PRINCIPAL_KIND_ROOT ? IAM_PRINCIPAL_EXACT
                                                  : IAM_PRINCIPAL_ACCOUNT;

    case IAM_PRINCIPAL_ROLE:
        if ((p->kind != IAM_PRINCIPAL_KIND_ROLE
             && p->kind != IAM_PRINCIPAL_KIND_SESSION)
            || !iam_str_eq(e->account, p->account)
            || !iam_str_eq(e->value, p->role_name))
        {
            return 0;
        }

        return p->kind == IAM_PRINCIPAL_KIND_ROLE ? IAM_PRINCIPAL_EXACT
                                                  : IAM_PRINCIPAL_ROLE;

    case IAM_PRINCIPAL_EXACT:
        return iam_str_eq(e->value, p->arn) ? IAM_PRINCIPAL_EXACT : 0;
    }

    return 0;
}


int
iam_principal_rank(int m)
{
    switch (m) {
    case IAM_PRINCIPAL_ANY:
    case IAM_PRINCIPAL_EXACT:
        return 3;
    case IAM_PRINCIPAL_ROLE:
        return 2;
    case IAM_PRINCIPAL_ACCOUNT:
        return 1;
    }

    return 0;
}


int
iam_principal_match(const iam_statement_t *st, const iam_principal_t *p)
{
    int     m, best;
    size_t  i;

    best = 0;

    for (i = 0; i < st->nprincipals; i++) {
        m = iam_principal_entry_match(&st->principals[i], p);

        if (iam_principal_rank(m) > iam_principal_rank(best)) {
            best = m;
        }
    }

    return best;
}


/*
 * NotPrincipal, as AWS documents it: the request is checked for each
 * identity in the principal's chain (its account, its role for a session,
 * itself) and the statement applies unless every one of them is listed.
 */
int
iam_not_principal_applies(const iam_statement_t *st, const iam_principal_t *p)
{
    int                           account, role, self;
    size_t                        i;
    const iam_principal_entry_t  *e;

    account = (p->account.len == 0);
    role = (p->kind != IAM_PRINCIPAL_KIND_SESSION);
    self = (p->kind == IAM_PRINCIPAL_KIND_ROOT);

    for (i = 0; i < st->nprincipals; i++) {
        e = &st->principals[i];

        switch (e->type) {

        case IAM_PRINCIPAL_ANY:
            return 0;

        case IAM_PRINCIPAL_ACCOUNT:
            if (p->account.len && iam_str_eq(e->account, p->account)) {
                account = 1;
            }
            break;

        case IAM_PRINCIPAL_ROLE:
            if (iam_str_eq(e->account, p->account)
                && iam_str_eq(e->value, p->role_name))
            {
                if (p->kind == IAM_PRINCIPAL_KIND_SESSION) {
                    role = 1;

                } else if (p->kind == IAM_PRINCIPAL_KIND_ROLE) {
                    self = 1;
                }
            }
            break;

        case IAM_PRINCIPAL_EXACT:
            if (iam_str_eq(e->value, p->arn)) {
                self = 1;
            }
            break;
        }
    }

    return !(account && role && self);
}
