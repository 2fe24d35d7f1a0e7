/*
 * ngx_iam engine: the account file (DESIGN.md §1), loaded and compiled once.
 *
 * Named policies are compiled once and shared; each user and role gets its
 * resolved policy set (own policies + its groups'), so a request looks up
 * nothing but the access key.
 */

#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <iam/iam_account.h>
#include <iam/iam_json.h>
#include <iam/iam_totp.h>
#include <iam/iam_fault.h>


#define IAM_MAX_POLICIES_PER_PRINCIPAL  1024


typedef struct {
    iam_account_t      *account;
    iam_diags_t        *diags;
    iam_source_t        src;
    json_t             *doc;
    json_t             *policies_json;   /* "policies" */
    const char        **policy_names;
    iam_policy_t      **policies;        /* compiled, same order */
    size_t              npolicies;
    const char         *dir;             /* for secret_file */
    int                 failed;
    int                 quiet;           /* already reported elsewhere */
    unsigned            depth;           /* 1: a trusted account's file */
} iam_loader_t;


static int iam_account_check_members(iam_loader_t *ld, json_t *obj,
    iam_json_path_t *path, const char *const *allowed);
static int iam_account_compile_policies(iam_loader_t *ld);
static iam_policy_t *iam_account_policy_ref(iam_loader_t *ld, json_t *ref,
    iam_json_path_t *path, const char *owner, size_t n,
    iam_policy_kind_e kind);
static iam_policy_set_t *iam_account_policy_list(iam_loader_t *ld,
    json_t *own, json_t *groups, iam_json_path_t *path, const char *owner);
static int iam_account_tags(iam_loader_t *ld, json_t *tags,
    iam_json_path_t *path, iam_tag_t **out, size_t *nout);
static int iam_account_groups(iam_loader_t *ld, json_t *groups);
static int iam_account_users(iam_loader_t *ld, json_t *users);
static int iam_account_roles(iam_loader_t *ld, json_t *roles);
static int iam_account_guardrails(iam_loader_t *ld, json_t *levels);
static int iam_account_keys(iam_loader_t *ld, json_t *users);
static int iam_account_mfa(iam_loader_t *ld, json_t *mfa,
    iam_json_path_t *path, iam_user_t *user);
static int iam_account_trusted(iam_loader_t *ld, json_t *trusted);
static iam_account_t *iam_account_load_depth(const char *file,
    iam_diags_t *diags, unsigned depth);
static int iam_account_read_secret(iam_loader_t *ld, const char *file,
    iam_json_path_t *path, iam_str_t *secret);
static iam_str_t iam_account_stable_id(iam_pool_t *pool, const char *prefix,
    const char *account, const char *kind, const char *name);
static void iam_loader_error(iam_loader_t *ld, iam_json_path_t *path,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));


static const char *const  iam_account_members[] = {
    "account", "policies", "groups", "users", "roles", "guardrails",
    "trusted_accounts",
    "services",     /* custom services, for iamctl validate */
    NULL
};

static const char *const  iam_group_members[] = { "policies", NULL };

static const char *const  iam_user_members[] = {
    "groups", "policies", "boundary", "tags", "access_keys", "mfa", NULL
};

static const char *const  iam_mfa_members[] = { "serial", "seed_file", NULL };

static const char *const  iam_trusted_members[] = { "file", NULL };

static const char *const  iam_role_members[] = {
    "trust", "policies", "boundary", "tags", "max_session_seconds", NULL
};

static const char *const  iam_key_members[] = {
    "id", "secret", "secret_file", "status", NULL
};

static const iam_str_t  iam_principal_type_user = iam_string("User");

/* iam_user_context()'s keys, in the order of account->user_key_hash */
static const iam_str_t  iam_user_keys[] = {
    iam_string("aws:username"),
    iam_string("aws:userid"),
    iam_string("aws:PrincipalArn"),
    iam_string("aws:PrincipalAccount"),
    iam_string("aws:PrincipalType"),
};


static void
iam_loader_error(iam_loader_t *ld, iam_json_path_t *path, const char *fmt,
    ...)
{
    char     msg[1024];
    va_list  args;

    ld->failed = 1;

    if (ld->quiet) {
        return;
    }

    va_start(args, fmt);
    vsnprintf(msg, sizeof(msg), fmt, args);
    va_end(args);

    iam_report(ld->diags, &ld->src, path, "%s", msg);
}


iam_account_t *
iam_account_load(const char *file, iam_diags_t *diags)
{
    return iam_account_load_depth(file, diags, 0);
}


static iam_account_t *
iam_account_load_depth(const char *file, iam_diags_t *diags, unsigned depth)
{
    char             *text, *dircopy;
    size_t            i, len, before;
    json_t           *doc, *v;
    iam_pool_t       *pool;
    iam_loader_t      ld;
    iam_account_t    *account;
    iam_json_path_t   path;

    before = diags->nitems;

    /* "failed:" frees what the loader holds: nothing yet */
    memset(&ld, 0, sizeof(iam_loader_t));

    doc = iam_json_load_file(file, &text, &len, diags);
    if (doc == NULL) {
        return NULL;
    }

    pool = iam_pool_create();
    account = pool ? iam_pcalloc(pool, sizeof(iam_account_t)) : NULL;
    dircopy = iam_strdup(file);

    if (account == NULL || dircopy == NULL) {
        iam_diags_add(diags, file, 0, 0, "out of memory");
        goto failed;
    }

    account->pool = pool;

    for (i = 0; i < 5; i++) {
        account->user_key_hash[i] = iam_hash_icase(iam_user_keys[i].data,
                                                   iam_user_keys[i].len);
    }

    account->file = iam_pstr(pool, file, strlen(file));

    ld.account = account;
    ld.diags = diags;
    ld.doc = doc;
    ld.src.file = file;
    ld.src.text = text;
    ld.src.len = len;
    ld.dir = dirname(dircopy);
    ld.depth = depth;

    path.nelts = 0;

    if (!json_is_object(doc)) {
        iam_loader_error(&ld, &path, "an account file must be a JSON object");
        goto failed;
    }

    iam_account_check_members(&ld, doc, &path, iam_account_members);

    v = json_object_get(doc, "account");
    iam_json_path_push_key(&path, "account");

    if (v == NULL) {
        path.nelts = 0;
        iam_loader_error(&ld, &path, "missing \"account\" (the account id)");

    } else if (!json_is_string(v) || json_string_length(v) != 12
               || strspn(json_string_value(v), "0123456789") != 12)
    {
        iam_loader_error(&ld, &path, "must be a 12-digit account id");

    } else {
        account->id = iam_pstr(pool, json_string_value(v), 12);
    }

    path.nelts = 0;

    if (account->id.len == 0) {
        /* everything else names ARNs in this account */
        goto failed;
    }

    if (iam_account_compile_policies(&ld) != IAM_OK
        || iam_account_groups(&ld, json_object_get(doc, "groups")) != IAM_OK
        || iam_account_users(&ld, json_object_get(doc, "users")) != IAM_OK
        || iam_account_roles(&ld, json_object_get(doc, "roles")) != IAM_OK
        || iam_account_guardrails(&ld, json_object_get(doc, "guardrails"))
           != IAM_OK
        || iam_account_keys(&ld, json_object_get(doc, "users")) != IAM_OK
        || iam_account_trusted(&ld, json_object_get(doc, "trusted_accounts"))
           != IAM_OK
        || ld.failed)
    {
        goto failed;
    }

    free(ld.policy_names);
    free(ld.policies);
    free(dircopy);
    free(text);
    json_decref(doc);

    return account;

failed:

    if (diags->nitems == before) {
        iam_diags_add(diags, file, 0, 0, "invalid account file");
    }

    free(ld.policy_names);
    free(ld.policies);
    free(dircopy);
    free(text);
    json_decref(doc);
    if (account) {
        account->pool = pool;
        iam_account_free(account);

    } else {
        iam_pool_destroy(pool);
    }

    return NULL;
}


void
iam_account_free(iam_account_t *account)
{
    size_t  i;

    if (account == NULL) {
        return;
    }

    for (i = 0; i < account->ntrusted; i++) {
        iam_account_free(account->trusted[i].account);
    }

    for (i = 0; i < account->nusers; i++) {
        if (account->users[i].mfa_seed) {
            OPENSSL_cleanse(account->users[i].mfa_seed,
                            account->users[i].mfa_seed_len);
        }
    }

    iam_pool_destroy(account->pool);
}


static int
iam_account_check_members(iam_loader_t *ld, json_t *obj,
    iam_json_path_t *path, const char *const *allowed)
{
    int                 rc;
    json_t             *v;
    const char         *key;
    const char *const  *a;

    rc = IAM_OK;

    json_object_foreach(obj, key, v) {
        for (a = allowed; *a; a++) {
            if (strcmp(*a, key) == 0) {
                break;
            }
        }

        if (*a == NULL) {
            iam_json_path_push_key(path, key);
            iam_loader_error(ld, path, "unknown member \"%s\"", key);
            iam_json_path_pop(path);
            rc = IAM_ERROR;
        }
    }

    return rc;
}


static int
iam_account_compile_policies(iam_loader_t *ld)
{
    size_t            n;
    json_t           *policies, *doc;
    const char       *name;
    iam_source_t      src;
    iam_json_path_t   path;

    path.nelts = 0;
    policies = json_object_get(ld->doc, "policies");

    if (policies == NULL) {
        return IAM_OK;
    }

    iam_json_path_push_key(&path, "policies");

    if (!json_is_object(policies)) {
        iam_loader_error(ld, &path, "must be an object of named policies");
        return IAM_ERROR;
    }

    n = json_object_size(policies);
    ld->policies_json = policies;
    ld->policy_names = iam_calloc(n + 1, sizeof(char *));
    ld->policies = iam_calloc(n + 1, sizeof(iam_policy_t *));

    if (ld->policy_names == NULL || ld->policies == NULL) {
        return IAM_ERROR;
    }

    json_object_foreach(policies, name, doc) {
        src = ld->src;
        src.base = path;
        iam_json_path_push_key(&src.base, name);

        ld->policy_names[ld->npolicies] = name;
        ld->policies[ld->npolicies] = iam_policy_compile(ld->account->pool,
                                           doc, name, IAM_POLICY_IDENTITY,
                                           &src, ld->diags);
        if (ld->policies[ld->npolicies] == NULL) {
            ld->failed = 1;
        }

        ld->npolicies++;
    }

    return IAM_OK;
}


/* A policy named in "policies", or an inline policy document. */
static iam_policy_t *
iam_account_policy_ref(iam_loader_t *ld, json_t *ref, iam_json_path_t *path,
    const char *owner, size_t n, iam_policy_kind_e kind)
{
    char           label[256];
    size_t         i;
    iam_diags_t    scratch;
    iam_source_t   src;
    iam_policy_t  *policy;

    if (json_is_string(ref)) {
        for (i = 0; i < ld->npolicies; i++) {
            if (strcmp(ld->policy_names[i], json_string_value(ref)) == 0) {
                if (ld->policies[i] == NULL) {
                    /* already reported where it is defined */
                    ld->failed = 1;
                }
                return ld->policies[i];
            }
        }

        iam_loader_error(ld, path, "unknown policy \"%s\"",
                         json_string_value(ref));
        return NULL;
    }

    if (!json_is_object(ref)) {
        iam_loader_error(ld, path,
                         "must be a policy name or a policy document");
        return NULL;
    }

    snprintf(label, sizeof(label), "%s-inline-%zu", owner, n);

    src = ld->src;
    src.base = *path;

    iam_diags_init(&scratch);

    policy = iam_policy_compile(ld->account->pool, ref, label, kind, &src,
                                ld->quiet ? &scratch : ld->diags);
    if (policy == NULL) {
        ld->failed = 1;
    }

    iam_diags_free(&scratch);

    return policy;
}


static iam_policy_set_t *
iam_account_policy_list(iam_loader_t *ld, json_t *own, json_t *groups,
    iam_json_path_t *path, const char *owner)
{
    size_t               i, j, n;
    json_t              *v, *group, *gpolicies, *r;
    iam_policy_t        *p;
    iam_policy_set_t    *set;
    const iam_policy_t  *list[IAM_MAX_POLICIES_PER_PRINCIPAL];
    iam_json_path_t      gpath;

    n = 0;

    if (own) {
        iam_json_path_push_key(path, "policies");

        if (!json_is_array(own)) {
            iam_loader_error(ld, path, "must be an array of policies");

        } else {
            json_array_foreach(own, i, v) {
                iam_json_path_push_index(path, i);
                p = iam_account_policy_ref(ld, v, path, owner, i,
                                           IAM_POLICY_IDENTITY);
                if (p && n < IAM_MAX_POLICIES_PER_PRINCIPAL) {
                    list[n++] = p;
                }
                iam_json_path_pop(path);
            }
        }

        iam_json_path_pop(path);
    }

    if (groups) {
        iam_json_path_push_key(path, "groups");

        if (!json_is_array(groups)) {
            iam_loader_error(ld, path, "must be an array of group names");

        } else {
            json_array_foreach(groups, i, v) {
                iam_json_path_push_index(path, i);

                group = json_is_string(v)
                        ? json_object_get(json_object_get(ld->doc, "groups"),
                                          json_string_value(v))
                        : NULL;

                if (!json_is_string(v)) {
                    iam_loader_error(ld, path, "must be a group name");

                } else if (group == NULL) {
                    iam_loader_error(ld, path, "unknown group \"%s\"",
                                     json_string_value(v));

                } else {
                    gpath.nelts = 0;
                    iam_json_path_push_key(&gpath, "groups");
                    iam_json_path_push_key(&gpath, json_string_value(v));
                    gpolicies = json_object_get(group, "policies");
                    ld->quiet = 1;

                    json_array_foreach(gpolicies, j, r) {
                        iam_json_path_push_key(&gpath, "policies");
                        iam_json_path_push_index(&gpath, j);
                        p = iam_account_policy_ref(ld, r, &gpath,
                                                   json_string_value(v), j,
                                                   IAM_POLICY_IDENTITY);
                        if (p && n < IAM_MAX_POLICIES_PER_PRINCIPAL) {
                            list[n++] = p;
                        }
                        iam_json_path_pop(&gpath);
                        iam_json_path_pop(&gpath);
                    }

                    ld->quiet = 0;
                }

                iam_json_path_pop(path);
            }
        }

        iam_json_path_pop(path);
    }

    set = iam_policy_set_create(ld->account->pool, list, n);
    if (set == NULL) {
        /* never a principal without its policies: fail the load */
        iam_loader_error(ld, path, "out of memory");
    }

    return set;
}


static int
iam_account_tags(iam_loader_t *ld, json_t *tags, iam_json_path_t *path,
    iam_tag_t **out, size_t *nout)
{
    char        buf[512];
    size_t      n;
    json_t     *v;
    iam_tag_t  *t;
    const char *key;

    *out = NULL;
    *nout = 0;

    if (tags == NULL) {
        return IAM_OK;
    }

    iam_json_path_push_key(path, "tags");

    if (!json_is_object(tags)) {
        iam_loader_error(ld, path, "must be an object of tag keys and values");
        iam_json_path_pop(path);
        return IAM_ERROR;
    }

    t = iam_pcalloc(ld->account->pool,
                    (json_object_size(tags) + 1) * sizeof(iam_tag_t));
    if (t == NULL) {
        return IAM_ERROR;
    }

    n = 0;

    json_object_foreach(tags, key, v) {
        if (!json_is_string(v)) {
            iam_json_path_push_key(path, key);
            iam_loader_error(ld, path, "a tag value must be a string");
            iam_json_path_pop(path);
            continue;
        }

        t[n].key = iam_pstr(ld->account->pool, key, strlen(key));
        t[n].value = iam_pstr(ld->account->pool, json_string_value(v),
                              json_string_length(v));
        snprintf(buf, sizeof(buf), "aws:PrincipalTag/%s", key);
        t[n].context_key = iam_pstr(ld->account->pool, buf, strlen(buf));
        t[n].context_hash = iam_hash_icase(t[n].context_key.data,
                                           t[n].context_key.len);
        n++;
    }

    iam_json_path_pop(path);

    *out = t;
    *nout = n;

    return IAM_OK;
}


/* Groups are resolved into their users' sets; here they are only checked. */
static int
iam_account_groups(iam_loader_t *ld, json_t *groups)
{
    size_t            i;
    json_t           *g, *list, *ref;
    const char       *name;
    iam_json_path_t   path;

    path.nelts = 0;

    if (groups == NULL) {
        return IAM_OK;
    }

    iam_json_path_push_key(&path, "groups");

    if (!json_is_object(groups)) {
        iam_loader_error(ld, &path, "must be an object of groups by name");
        return IAM_ERROR;
    }

    json_object_foreach(groups, name, g) {
        iam_json_path_push_key(&path, name);

        if (!json_is_object(g)) {
            iam_loader_error(ld, &path, "a group must be an object");
            iam_json_path_pop(&path);
            continue;
        }

        iam_account_check_members(ld, g, &path, iam_group_members);

        list = json_object_get(g, "policies");
        iam_json_path_push_key(&path, "policies");

        if (list && !json_is_array(list)) {
            iam_loader_error(ld, &path, "must be an array of policies");
            list = NULL;
        }

        json_array_foreach(list, i, ref) {
            iam_json_path_push_index(&path, i);
            (void) iam_account_policy_ref(ld, ref, &path, name, i,
                                          IAM_POLICY_IDENTITY);
            iam_json_path_pop(&path);
        }

        iam_json_path_pop(&path);
        iam_json_path_pop(&path);
    }

    return IAM_OK;
}


static int
iam_account_users(iam_loader_t *ld, json_t *users)
{
    char              arn[512];
    size_t            n;
    json_t           *u, *b;
    iam_user_t       *user;
    const char       *name;
    iam_account_t    *account;
    iam_json_path_t   path;

    account = ld->account;
    path.nelts = 0;

    if (users == NULL) {
        return IAM_OK;
    }

    iam_json_path_push_key(&path, "users");

    if (!json_is_object(users)) {
        iam_loader_error(ld, &path, "must be an object of users by name");
        return IAM_ERROR;
    }

    account->users = iam_pcalloc(account->pool,
                                 (json_object_size(users) + 1)
                                 * sizeof(iam_user_t));
    if (account->users == NULL) {
        return IAM_ERROR;
    }

    n = 0;

    json_object_foreach(users, name, u) {
        iam_json_path_push_key(&path, name);

        if (!json_is_object(u)) {
            iam_loader_error(ld, &path, "a user must be an object");
            iam_json_path_pop(&path);
            continue;
        }

        iam_account_check_members(ld, u, &path, iam_user_members);

        user = &account->users[n++];
        user->name = iam_pstr(account->pool, name, strlen(name));

        snprintf(arn, sizeof(arn), "arn:aws:iam::%.*s:user/%s",
                 (int) account->id.len, account->id.data, name);
        user->arn = iam_pstr(account->pool, arn, strlen(arn));
        user->userid = iam_account_stable_id(account->pool, "AIDA",
                                             account->id.data, "user", name);
        iam_principal_parse(&user->principal, user->arn);

        iam_account_tags(ld, json_object_get(u, "tags"), &path, &user->tags,
                         &user->ntags);

        user->identity = iam_account_policy_list(ld,
                                                 json_object_get(u, "policies"),
                                                 json_object_get(u, "groups"),
                                                 &path, name);
        if (user->identity == NULL) {
            return IAM_ERROR;
        }

        b = json_object_get(u, "boundary");
        if (b) {
            const iam_policy_t  *bp;

            iam_json_path_push_key(&path, "boundary");
            bp = iam_account_policy_ref(ld, b, &path, name, 0,
                                        IAM_POLICY_IDENTITY);
            iam_json_path_pop(&path);

            if (bp) {
                user->boundary = iam_policy_set_create(account->pool, &bp, 1);

                if (user->boundary == NULL) {
                    /* a lost boundary would widen what is allowed */
                    iam_loader_error(ld, &path, "out of memory");
                }
            }
        }

        /* counted before the MFA so that a failed load still wipes seeds */
        account->nusers = n;

        b = json_object_get(u, "mfa");
        if (b) {
            iam_json_path_push_key(&path, "mfa");
            iam_account_mfa(ld, b, &path, user);
            iam_json_path_pop(&path);
        }

        iam_json_path_pop(&path);
    }

    account->nusers = n;

    return IAM_OK;
}


static int
iam_account_roles(iam_loader_t *ld, json_t *roles)
{
    char              arn[512];
    size_t            n;
    json_t           *r, *v;
    iam_role_t       *role;
    const char       *name;
    iam_account_t    *account;
    iam_json_path_t   path;
    const iam_policy_t  *bp;

    account = ld->account;
    path.nelts = 0;

    if (roles == NULL) {
        return IAM_OK;
    }

    iam_json_path_push_key(&path, "roles");

    if (!json_is_object(roles)) {
        iam_loader_error(ld, &path, "must be an object of roles by name");
        return IAM_ERROR;
    }

    account->roles = iam_pcalloc(account->pool,
                                 (json_object_size(roles) + 1)
                                 * sizeof(iam_role_t));
    if (account->roles == NULL) {
        return IAM_ERROR;
    }

    n = 0;

    json_object_foreach(roles, name, r) {
        iam_json_path_push_key(&path, name);

        if (!json_is_object(r)) {
            iam_loader_error(ld, &path, "a role must be an object");
            iam_json_path_pop(&path);
            continue;
        }

        iam_account_check_members(ld, r, &path, iam_role_members);

        role = &account->roles[n++];
        role->name = iam_pstr(account->pool, name, strlen(name));
        snprintf(arn, sizeof(arn), "arn:aws:iam::%.*s:role/%s",
                 (int) account->id.len, account->id.data, name);
        role->arn = iam_pstr(account->pool, arn, strlen(arn));
        role->roleid = iam_account_stable_id(account->pool, "AROA",
                                             account->id.data, "role", name);

        v = json_object_get(r, "trust");
        iam_json_path_push_key(&path, "trust");

        if (v == NULL) {
            iam_json_path_pop(&path);
            iam_loader_error(ld, &path, "a role needs a \"trust\" policy");

        } else {
            role->trust = iam_account_policy_ref(ld, v, &path, name, 0,
                                                 IAM_POLICY_TRUST);
            iam_json_path_pop(&path);
        }

        iam_account_tags(ld, json_object_get(r, "tags"), &path, &role->tags,
                         &role->ntags);

        role->identity = iam_account_policy_list(ld,
                                                 json_object_get(r, "policies"),
                                                 NULL, &path, name);
        if (role->identity == NULL) {
            return IAM_ERROR;
        }

        v = json_object_get(r, "boundary");
        if (v) {
            iam_json_path_push_key(&path, "boundary");
            bp = iam_account_policy_ref(ld, v, &path, name, 0,
                                        IAM_POLICY_IDENTITY);
            iam_json_path_pop(&path);

            if (bp) {
                role->boundary = iam_policy_set_create(account->pool, &bp, 1);

                if (role->boundary == NULL) {
                    /* a lost boundary would widen what is allowed */
                    iam_loader_error(ld, &path, "out of memory");
                }
            }
        }

        role->max_session_seconds = 3600;
        v = json_object_get(r, "max_session_seconds");

        if (v) {
            iam_json_path_push_key(&path, "max_session_seconds");

            if (!json_is_integer(v) || json_integer_value(v) < 900
                || json_integer_value(v) > 43200)
            {
                iam_loader_error(ld, &path,
                                 "must be a number of seconds from 900 "
                                 "to 43200");
            } else {
                role->max_session_seconds = (unsigned) json_integer_value(v);
            }

            iam_json_path_pop(&path);
        }

        iam_json_path_pop(&path);
    }

    account->nroles = n;

    return IAM_OK;
}


static int
iam_account_guardrails(iam_loader_t *ld, json_t *levels)
{
    char                 owner[64];
    size_t               i, j, n;
    json_t              *level, *ref;
    iam_policy_t        *p;
    iam_account_t       *account;
    iam_json_path_t      path;
    const iam_policy_t  *list[IAM_MAX_POLICIES_PER_PRINCIPAL];

    account = ld->account;
    path.nelts = 0;

    if (levels == NULL) {
        return IAM_OK;
    }

    iam_json_path_push_key(&path, "guardrails");

    if (!json_is_array(levels)) {
        iam_loader_error(ld, &path,
                         "must be an array of levels, each an array of "
                         "policies");
        return IAM_ERROR;
    }

    account->guardrails = iam_pcalloc(account->pool,
                                      (json_array_size(levels) + 1)
                                      * sizeof(iam_policy_set_t *));
    if (account->guardrails == NULL) {
        return IAM_ERROR;
    }

    json_array_foreach(levels, i, level) {
        iam_json_path_push_index(&path, i);

        if (!json_is_array(level) || json_array_size(level) == 0) {
            iam_loader_error(ld, &path,
                             "a guardrail level must be a non-empty array "
                             "of policies");
            iam_json_path_pop(&path);
            continue;
        }

        n = 0;
        snprintf(owner, sizeof(owner), "guardrail-%zu", i);

        json_array_foreach(level, j, ref) {
            iam_json_path_push_index(&path, j);
            p = iam_account_policy_ref(ld, ref, &path, owner, j,
                                       IAM_POLICY_IDENTITY);
            if (p && n < IAM_MAX_POLICIES_PER_PRINCIPAL) {
                list[n++] = p;
            }
            iam_json_path_pop(&path);
        }

        account->guardrails[account->nguardrails] =
            iam_policy_set_create(account->pool, list, n);
        if (account->guardrails[account->nguardrails] == NULL) {
            return IAM_ERROR;
        }

        account->nguardrails++;
        iam_json_path_pop(&path);
    }

    return IAM_OK;
}


static int
iam_account_keys(iam_loader_t *ld, json_t *users)
{
    size_t             i, nkeys, size, slot;
    json_t            *user, *keys, *k, *v;
    uint32_t           hash;
    iam_str_t          id, secret, uname;
    const char        *name, *status;
    iam_account_t     *account;
    iam_json_path_t    path;
    iam_access_key_t  *key;

    account = ld->account;

    nkeys = 0;
    json_object_foreach(users, name, user) {
        nkeys += json_array_size(json_object_get(user, "access_keys"));
    }

    for (size = 8; size < nkeys * 2; size <<= 1) { /* void */ }

    account->keys = iam_pcalloc(account->pool,
                                size * sizeof(iam_access_key_t));
    if (account->keys == NULL) {
        return IAM_ERROR;
    }

    account->nkeys_alloc = size;

    json_object_foreach(users, name, user) {
        if (!json_is_object(user)) {
            continue;
        }

        path.nelts = 0;
        iam_json_path_push_key(&path, "users");
        iam_json_path_push_key(&path, name);
        iam_json_path_push_key(&path, "access_keys");

        keys = json_object_get(user, "access_keys");

        if (keys == NULL) {
            continue;
        }

        if (!json_is_array(keys)) {
            iam_loader_error(ld, &path, "must be an array of access keys");
            continue;
        }

        json_array_foreach(keys, i, k) {
            iam_json_path_push_index(&path, i);

            if (!json_is_object(k)) {
                iam_loader_error(ld, &path, "an access key must be an object");
                iam_json_path_pop(&path);
                continue;
            }

            iam_account_check_members(ld, k, &path, iam_key_members);

            v = json_object_get(k, "id");
            if (!json_is_string(v) || json_string_length(v) < 16
                || json_string_length(v) > 128
                || strspn(json_string_value(v),
                          "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
                   != json_string_length(v))
            {
                iam_json_path_push_key(&path, "id");
                iam_loader_error(ld, &path,
                                 "an access key id is 16 to 128 upper-case "
                                 "letters and digits");
                iam_json_path_pop(&path);
                iam_json_path_pop(&path);
                continue;
            }

            id = iam_pstr(account->pool, json_string_value(v),
                          json_string_length(v));

            secret.len = 0;
            secret.data = NULL;

            v = json_object_get(k, "secret");
            if (json_is_string(v) && json_string_length(v) > 0) {
                secret = iam_pstr(account->pool, json_string_value(v),
                                  json_string_length(v));

            } else if (json_is_string(json_object_get(k, "secret_file"))) {
                iam_json_path_push_key(&path, "secret_file");
                iam_account_read_secret(ld,
                    json_string_value(json_object_get(k, "secret_file")),
                    &path, &secret);
                iam_json_path_pop(&path);

            } else {
                iam_loader_error(ld, &path,
                                 "an access key needs a \"secret\" or a "
                                 "\"secret_file\"");
            }

            status = json_string_value(json_object_get(k, "status"));
            if (json_object_get(k, "status")
                && (status == NULL || (strcmp(status, "Active") != 0
                                       && strcmp(status, "Inactive") != 0)))
            {
                iam_json_path_push_key(&path, "status");
                iam_loader_error(ld, &path,
                                 "must be \"Active\" or \"Inactive\"");
                iam_json_path_pop(&path);
            }

            hash = iam_hash_icase(id.data, id.len);

            for (slot = hash & (size - 1); account->keys[slot].id.len;
                 slot = (slot + 1) & (size - 1))
            {
                if (iam_str_eq(account->keys[slot].id, id)) {
                    break;
                }
            }

            key = &account->keys[slot];

            if (key->id.len) {
                iam_json_path_push_key(&path, "id");
                iam_loader_error(ld, &path,
                                 "duplicate access key \"%.*s\" (also "
                                 "user \"%.*s\")", (int) id.len, id.data,
                                 (int) key->user->name.len,
                                 key->user->name.data);
                iam_json_path_pop(&path);

            } else {
                key->id = id;
                key->secret = secret;
                key->active = (status == NULL
                               || strcmp(status, "Active") == 0);
                uname.data = name;
                uname.len = strlen(name);
                key->user = iam_account_find_user(account, uname);
                if (key->user == NULL) {
                    key->id.len = 0;
                }
            }

            iam_json_path_pop(&path);
        }
    }

    return IAM_OK;
}


static int
iam_account_read_secret(iam_loader_t *ld, const char *file,
    iam_json_path_t *path, iam_str_t *secret)
{
    char    full[4096], buf[1024];
    FILE   *f;
    size_t  n;

    if (file[0] == '/') {
        snprintf(full, sizeof(full), "%s", file);

    } else {
        snprintf(full, sizeof(full), "%s/%s", ld->dir, file);
    }

    f = fopen(full, "r");
    if (f == NULL) {
        iam_loader_error(ld, path, "cannot open \"%s\": %s", full,
                         strerror(errno));
        return IAM_ERROR;
    }

    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);

    while (n && isspace((unsigned char) buf[n - 1])) {
        n--;
    }

    if (n == 0) {
        iam_loader_error(ld, path, "\"%s\" is empty", full);
        return IAM_ERROR;
    }

    *secret = iam_pstr(ld->account->pool, buf, n);
    OPENSSL_cleanse(buf, sizeof(buf));

    return IAM_OK;
}


/*
 * "mfa": {"serial": "arn:aws:iam::ACCOUNT:mfa/NAME", "seed_file": F}: a
 * virtual MFA device, its TOTP key in F as an authenticator app is given it
 * (base32).
 */
static int
iam_account_mfa(iam_loader_t *ld, json_t *mfa, iam_json_path_t *path,
    iam_user_t *user)
{
    char            prefix[64];
    json_t         *v;
    size_t          plen, n;
    iam_str_t       text;
    iam_account_t  *account;
    unsigned char   seed[IAM_TOTP_SEED_MAX];

    account = ld->account;

    if (!json_is_object(mfa)) {
        iam_loader_error(ld, path,
                         "must be an object with \"serial\" and "
                         "\"seed_file\"");
        return IAM_ERROR;
    }

    iam_account_check_members(ld, mfa, path, iam_mfa_members);

    plen = snprintf(prefix, sizeof(prefix), "arn:aws:iam::%.*s:mfa/",
                    (int) account->id.len, account->id.data);

    v = json_object_get(mfa, "serial");
    iam_json_path_push_key(path, "serial");

    if (v == NULL) {
        iam_json_path_pop(path);
        iam_loader_error(ld, path, "an MFA device needs a \"serial\"");
        return IAM_ERROR;
    }

    if (!json_is_string(v) || json_string_length(v) <= plen
        || json_string_length(v) > 256
        || strncmp(json_string_value(v), prefix, plen) != 0
        || strspn(json_string_value(v) + plen,
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                  "0123456789+=,.@_-/")
           != json_string_length(v) - plen)
    {
        iam_loader_error(ld, path, "must be an MFA device ARN, %sNAME",
                         prefix);
        iam_json_path_pop(path);
        return IAM_ERROR;
    }

    if (iam_account_find_mfa(account, (iam_str_t) { json_string_length(v),
                                                    json_string_value(v) }))
    {
        iam_loader_error(ld, path, "MFA device \"%s\" already belongs to "
                         "another user", json_string_value(v));
        iam_json_path_pop(path);
        return IAM_ERROR;
    }

    iam_json_path_pop(path);

    v = json_object_get(mfa, "seed_file");
    iam_json_path_push_key(path, "seed_file");

    if (!json_is_string(v)) {
        iam_json_path_pop(path);
        iam_loader_error(ld, path, "an MFA device needs a \"seed_file\"");
        return IAM_ERROR;
    }

    if (iam_account_read_secret(ld, json_string_value(v), path, &text)
        != IAM_OK)
    {
        iam_json_path_pop(path);
        return IAM_ERROR;
    }

    if (iam_base32_decode(text.data, text.len, seed, sizeof(seed), &n)
        != IAM_OK || n < 10)
    {
        iam_loader_error(ld, path, "\"%s\" is not a base32 seed of 16 to "
                         "%d characters", json_string_value(v),
                         IAM_TOTP_SEED_MAX * 8 / 5);
        OPENSSL_cleanse((char *) text.data, text.len);
        OPENSSL_cleanse(seed, sizeof(seed));
        iam_json_path_pop(path);
        return IAM_ERROR;
    }

    OPENSSL_cleanse((char *) text.data, text.len);
    iam_json_path_pop(path);

    user->mfa_seed = iam_palloc(account->pool, n);
    if (user->mfa_seed == NULL) {
        OPENSSL_cleanse(seed, sizeof(seed));
        return IAM_ERROR;
    }

    memcpy(user->mfa_seed, seed, n);
    user->mfa_seed_len = n;
    OPENSSL_cleanse(seed, sizeof(seed));

    v = json_object_get(mfa, "serial");
    user->mfa_serial = iam_pstr(account->pool, json_string_value(v),
                                json_string_length(v));

    return IAM_OK;
}


/*
 * "trusted_accounts": {"ID": {"file": "other.json"}}: the accounts whose
 * principals this one recognises, each from its own account file (relative
 * to this one), whose diagnostics point into that file.
 */
static int
iam_account_trusted(iam_loader_t *ld, json_t *trusted)
{
    char              full[4096];
    json_t           *t, *f;
    const char       *id, *file;
    iam_account_t    *account, *other;
    iam_json_path_t   path;

    account = ld->account;
    path.nelts = 0;

    if (trusted == NULL || ld->depth > 0) {
        /* trust is not transitive: a trusted file's own list is not read */
        return IAM_OK;
    }

    iam_json_path_push_key(&path, "trusted_accounts");

    if (!json_is_object(trusted)) {
        iam_loader_error(ld, &path,
                         "must be an object of account ids, each "
                         "{\"file\": ...}");
        return IAM_ERROR;
    }

    account->trusted = iam_pcalloc(account->pool,
                                   (json_object_size(trusted) + 1)
                                   * sizeof(iam_trusted_account_t));
    if (account->trusted == NULL) {
        return IAM_ERROR;
    }

    json_object_foreach(trusted, id, t) {
        iam_json_path_push_key(&path, id);

        if (strlen(id) != 12 || strspn(id, "0123456789") != 12) {
            iam_loader_error(ld, &path, "\"%s\" is not a 12-digit account "
                             "id", id);
            iam_json_path_pop(&path);
            continue;
        }

        if (iam_str_eq_cstr(account->id, id)) {
            iam_loader_error(ld, &path, "an account need not trust itself");
            iam_json_path_pop(&path);
            continue;
        }

        if (!json_is_object(t)) {
            iam_loader_error(ld, &path, "must be an object: {\"file\": "
                             "\"ACCOUNT-FILE\"}");
            iam_json_path_pop(&path);
            continue;
        }

        iam_account_check_members(ld, t, &path, iam_trusted_members);

        f = json_object_get(t, "file");
        file = json_string_value(f);

        if (file == NULL || file[0] == '\0') {
            iam_loader_error(ld, &path, "a trusted account needs the "
                             "\"file\" of its account");
            iam_json_path_pop(&path);
            continue;
        }

        if (file[0] == '/') {
            snprintf(full, sizeof(full), "%s", file);

        } else {
            snprintf(full, sizeof(full), "%s/%s", ld->dir, file);
        }

        iam_json_path_push_key(&path, "file");

        other = NULL;

        if (access(full, R_OK) != 0) {
            iam_loader_error(ld, &path, "cannot open \"%s\": %s", full,
                             strerror(errno));

        } else if ((other = iam_account_load_depth(full, ld->diags,
                                                   ld->depth + 1))
                   == NULL)
        {
            /* its own diagnostics say why, in its own file */
            ld->failed = 1;

        } else if (!iam_str_eq_cstr(other->id, id)) {
            iam_loader_error(ld, &path, "\"%s\" is account %.*s, not %s",
                             full, (int) other->id.len, other->id.data, id);
            iam_account_free(other);

        } else {
            account->trusted[account->ntrusted].id = other->id;
            account->trusted[account->ntrusted].account = other;
            account->ntrusted++;
        }

        iam_json_path_pop(&path);
        iam_json_path_pop(&path);
    }

    return IAM_OK;
}


/* AWS-looking unique ids (AIDA..., AROA...), stable across reloads. */
static iam_str_t
iam_account_stable_id(iam_pool_t *pool, const char *prefix,
    const char *account, const char *kind, const char *name)
{
    static const char  alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    char               id[32], input[512];
    size_t             i;
    unsigned int       len;
    unsigned char      md[EVP_MAX_MD_SIZE];

    snprintf(input, sizeof(input), "%.12s/%s/%s", account, kind, name);
    EVP_Digest(input, strlen(input), md, &len, EVP_sha256(), NULL);

    memcpy(id, prefix, 4);
    for (i = 0; i < 17; i++) {
        id[4 + i] = alphabet[md[i] & 31];
    }

    return iam_pstr(pool, id, 21);
}


const iam_access_key_t *
iam_account_find_key(const iam_account_t *account, iam_str_t id)
{
    size_t                   slot, mask;
    const iam_access_key_t  *k;

    if (account == NULL || account->nkeys_alloc == 0 || id.len == 0) {
        return NULL;
    }

    mask = account->nkeys_alloc - 1;

    for (slot = iam_hash_icase(id.data, id.len) & mask; ;
         slot = (slot + 1) & mask)
    {
        k = &account->keys[slot];

        if (k->id.len == 0) {
            return NULL;
        }

        if (iam_str_eq(k->id, id)) {
            return k;
        }
    }
}


const iam_user_t *
iam_account_find_user(const iam_account_t *account, iam_str_t name)
{
    size_t  i;

    for (i = 0; i < account->nusers; i++) {
        if (iam_str_eq(account->users[i].name, name)) {
            return &account->users[i];
        }
    }

    return NULL;
}


const iam_user_t *
iam_account_find_mfa(const iam_account_t *account, iam_str_t serial)
{
    size_t  i;

    for (i = 0; i < account->nusers; i++) {
        if (account->users[i].mfa_serial.len
            && iam_str_eq(account->users[i].mfa_serial, serial))
        {
            return &account->users[i];
        }
    }

    return NULL;
}


const iam_account_t *
iam_account_find_trusted(const iam_account_t *account, iam_str_t id)
{
    size_t  i;

    if (iam_str_eq(account->id, id)) {
        return account;
    }

    for (i = 0; i < account->ntrusted; i++) {
        if (iam_str_eq(account->trusted[i].id, id)) {
            return account->trusted[i].account;
        }
    }

    return NULL;
}


const iam_access_key_t *
iam_account_find_key_trusted(const iam_account_t *account, iam_str_t id,
    const iam_account_t **owner)
{
    size_t                   i;
    const iam_account_t     *a;
    const iam_access_key_t  *k;

    a = account;
    k = iam_account_find_key(a, id);

    for (i = 0; k == NULL && i < account->ntrusted; i++) {
        a = account->trusted[i].account;
        k = iam_account_find_key(a, id);
    }

    if (owner) {
        *owner = k ? a : NULL;
    }

    return k;
}


const iam_role_t *
iam_account_find_role(const iam_account_t *account, iam_str_t name_or_arn)
{
    size_t  i;

    for (i = 0; i < account->nroles; i++) {
        if (iam_str_eq(account->roles[i].name, name_or_arn)
            || iam_str_eq(account->roles[i].arn, name_or_arn))
        {
            return &account->roles[i];
        }
    }

    return NULL;
}


void
iam_account_user_policies(const iam_account_t *account,
    const iam_user_t *user, const iam_policy_t *resource_policy,
    iam_policies_t *policies)
{
    memset(policies, 0, sizeof(iam_policies_t));

    policies->identity = user ? user->identity : NULL;
    policies->boundary = user ? user->boundary : NULL;
    policies->resource_policy = resource_policy;
    policies->guardrails = (const iam_policy_set_t *const *)
                           account->guardrails;
    policies->nguardrails = account->nguardrails;
}


int
iam_user_context(const iam_account_t *account, const iam_user_t *user,
    iam_context_t *ctx)
{
    size_t            i;
    const iam_str_t  *values[5];

    values[0] = &user->name;
    values[1] = &user->userid;
    values[2] = &user->arn;
    values[3] = &account->id;
    values[4] = &iam_principal_type_user;

    for (i = 0; i < 5; i++) {
        if (iam_context_set_hashed(ctx, iam_user_keys[i],
                                   account->user_key_hash[i], values[i], 1)
            != IAM_OK)
        {
            return IAM_ERROR;
        }
    }

    for (i = 0; i < user->ntags; i++) {
        if (iam_context_set_hashed(ctx, user->tags[i].context_key,
                                   user->tags[i].context_hash,
                                   &user->tags[i].value, 1)
            != IAM_OK)
        {
            return IAM_ERROR;
        }
    }

    return IAM_OK;
}


iam_policy_t *
iam_policy_load_file(iam_pool_t *pool, const char *file,
    iam_policy_kind_e kind, iam_diags_t *diags)
{
    char          *text, *base;
    size_t         len;
    json_t        *doc;
    iam_source_t   src;
    iam_policy_t  *policy;

    doc = iam_json_load_file(file, &text, &len, diags);
    if (doc == NULL) {
        return NULL;
    }

    memset(&src, 0, sizeof(iam_source_t));
    src.file = file;
    src.text = text;
    src.len = len;

    base = strrchr(file, '/');
    base = base ? base + 1 : (char *) file;

    policy = iam_policy_compile(pool, doc, base, kind, &src, diags);

    json_decref(doc);
    free(text);

    return policy;
}
