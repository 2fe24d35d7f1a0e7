/*
 * iamctl analyze usage --log FILE... [--since 90d] [--now TIME]
 *     [--field NAME=KEY] [--account ACCOUNT_FILE] [--key-days 45]
 *     [--format text|json]
 *
 * One pass over the logs keeps, per principal (a role's sessions count for
 * the role), per action: requests allowed and denied and the last use; per
 * access key and per deciding statement: the last use.  Memory grows with
 * the number of distinct principals, actions and keys, not with the logs.
 * With the account file it adds what was granted and never used: access
 * keys unused for more than --key-days, roles never assumed, Allow
 * statements' actions no request used, statements that decided nothing.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <iam/iam_core.h>
#include <iam/iam_account.h>

#include "iamctl_catalogue.h"
#include "iamctl_log.h"
#include "iamctl_usage.h"
#include "iamctl_external.h"


typedef struct {
    json_t             *principals;     /* ARN -> {requests, actions ...} */
    json_t             *keys;           /* access key id -> last use */
    json_t             *statements;     /* label -> {count, last} */
    size_t              records;
    int64_t             first;
    int64_t             last;
} iamctl_usage_t;


static int iamctl_usage_record(const iamctl_record_t *rec, void *data);
static void iamctl_bump(json_t *obj, const char *key, json_int_t by);
static void iamctl_latest(json_t *obj, const char *key, int64_t t);
static json_t *iamctl_child(json_t *obj, const char *key);
static json_t *iamctl_usage_report(iamctl_usage_t *u, iam_account_t *account,
    iamctl_log_t *log, int64_t key_days);
static json_t *iamctl_usage_principal_report(const char *arn, json_t *p);
static json_t *iamctl_usage_unused(const iam_policy_set_t *set, json_t *p);
static void iamctl_usage_text(json_t *report, FILE *out);
static json_t *iamctl_time(int64_t t);
static json_t *iamctl_usage_action_name(const iam_pattern_t *pat);
static void iamctl_usage_nth(const iam_account_t *account, size_t n,
    const char **arn, const iam_policy_set_t **set);
static json_t *iamctl_sorted_keys(json_t *obj);


int
iamctl_analyze(int argc, char **argv)
{
    if (argc > 0 && strcmp(argv[0], "usage") == 0) {
        return iamctl_analyze_usage(argc - 1, argv + 1);
    }

    if (argc > 0 && strcmp(argv[0], "external") == 0) {
        return iamctl_analyze_external(argc - 1, argv + 1);
    }

    fprintf(stderr, "usage: iamctl analyze usage --log FILE... [--since 90d] "
            "[--now TIME] [--field NAME=KEY]\n"
            "                      [--account ACCOUNT_FILE] [--key-days N] "
            "[--format text|json]\n"
            "       iamctl analyze external ACCOUNT_FILE [RESOURCE_POLICY...] "
            "[--format text|json]\n");

    return 2;
}


const char *
iamctl_usage_principal(const char *arn, char *buf, size_t size)
{
    const char  *p, *acct, *name, *slash;

    /* arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION */
    if (strncmp(arn, "arn:", 4) != 0
        || (p = strstr(arn, ":sts::")) == NULL
        || (name = strstr(p, ":assumed-role/")) == NULL)
    {
        return arn;
    }

    acct = p + 6;
    name += 14;
    slash = strchr(name, '/');

    snprintf(buf, size, "%.*s:iam::%.*s:role/%.*s", (int) (p - arn), arn,
             (int) (name - 14 - acct), acct,
             (int) (slash ? slash - name : (int) strlen(name)), name);

    return buf;
}


int
iamctl_analyze_usage(int argc, char **argv)
{
    int              i, rc, json;
    char            *s;
    json_t          *report;
    int64_t          key_days;
    const char      *account_file;
    iam_diags_t      diags;
    iamctl_log_t     log;
    iam_account_t   *account;
    iamctl_usage_t   u;

    iamctl_log_init(&log);
    account_file = NULL;
    key_days = 45;
    json = 0;

    for (i = 0; i < argc; i++) {
        rc = iamctl_log_option(&log, "analyze usage", argc, argv, &i);

        if (rc < 0) {
            iamctl_log_free(&log);
            return 2;
        }

        if (rc > 0) {
            continue;
        }

        if (strcmp(argv[i], "--account") == 0 && i + 1 < argc) {
            account_file = argv[++i];

        } else if (strcmp(argv[i], "--key-days") == 0 && i + 1 < argc) {
            key_days = strtoll(argv[++i], NULL, 10);
            if (key_days <= 0) {
                fprintf(stderr, "iamctl analyze usage: --key-days needs a "
                        "number of days\n");
                iamctl_log_free(&log);
                return 2;
            }

        } else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            i++;
            json = strcmp(argv[i], "json") == 0;

            if (!json && strcmp(argv[i], "text") != 0) {
                fprintf(stderr, "iamctl analyze usage: unknown format "
                        "\"%s\" (text or json)\n", argv[i]);
                iamctl_log_free(&log);
                return 2;
            }

        } else {
            fprintf(stderr, "iamctl analyze usage: unknown argument \"%s\"\n",
                    argv[i]);
            iamctl_log_free(&log);
            return 2;
        }
    }

    account = NULL;

    if (account_file) {
        iam_diags_init(&diags);
        account = iam_account_load(account_file, &diags);

        if (account == NULL) {
            for (i = 0; i < (int) diags.nitems; i++) {
                char  buf[2048];

                iam_diag_format(&diags.items[i], buf, sizeof(buf));
                fprintf(stderr, "%s\n", buf);
            }

            iam_diags_free(&diags);
            iamctl_log_free(&log);
            return 2;
        }

        iam_diags_free(&diags);
    }

    memset(&u, 0, sizeof(iamctl_usage_t));
    u.principals = json_object();
    u.keys = json_object();
    u.statements = json_object();

    rc = iamctl_log_read(&log, "analyze usage", iamctl_usage_record, &u);

    if (rc == 0) {
        report = iamctl_usage_report(&u, account, &log, key_days);

        if (json) {
            s = json_dumps(report, JSON_COMPACT);
            printf("%s\n", s ? s : "{}");
            free(s);

        } else {
            iamctl_usage_text(report, stdout);
        }

        json_decref(report);
    }

    json_decref(u.principals);
    json_decref(u.keys);
    json_decref(u.statements);
    iam_account_free(account);
    iamctl_log_free(&log);

    return rc == 0 ? 0 : 1;
}


static int
iamctl_usage_record(const iamctl_record_t *rec, void *data)
{
    iamctl_usage_t  *u = data;

    int          allowed;
    char         buf[2048];
    json_t      *p, *a;
    const char  *principal, *action, *v;

    u->records++;

    if (u->first == 0 || rec->time < u->first) {
        u->first = rec->time;
    }

    if (rec->time > u->last) {
        u->last = rec->time;
    }

    allowed = strcmp(rec->values[IAMCTL_FIELD_DECISION], "allowed") == 0;

    v = rec->values[IAMCTL_FIELD_ACCESS_KEY];
    if (v[0] && strcmp(v, "-") != 0) {
        iamctl_latest(u->keys, v, rec->time);
    }

    v = rec->values[IAMCTL_FIELD_STATEMENT];
    if (v[0] && strcmp(v, "-") != 0) {
        a = iamctl_child(u->statements, v);
        iamctl_bump(a, "count", 1);
        iamctl_latest(a, "last", rec->time);
    }

    principal = rec->values[IAMCTL_FIELD_PRINCIPAL];
    action = rec->values[IAMCTL_FIELD_ACTION];

    if (principal[0] == '\0' || strcmp(principal, "-") == 0) {
        return 0;
    }

    principal = iamctl_usage_principal(principal, buf, sizeof(buf));

    p = iamctl_child(u->principals, principal);
    if (p == NULL) {
        return -1;
    }

    iamctl_bump(p, "requests", 1);
    iamctl_bump(p, allowed ? "allowed" : "denied", 1);
    iamctl_latest(p, "last", rec->time);

    if (action[0] == '\0' || strcmp(action, "-") == 0) {
        return 0;
    }

    a = iamctl_child(iamctl_child(p, "actions"), action);
    if (a == NULL) {
        return -1;
    }

    iamctl_bump(a, allowed ? "allowed" : "denied", 1);
    iamctl_latest(a, "last", rec->time);

    if (allowed) {
        iamctl_latest(a, "last_allowed", rec->time);
    }

    return 0;
}


static json_t *
iamctl_child(json_t *obj, const char *key)
{
    json_t  *c;

    if (obj == NULL) {
        return NULL;
    }

    c = json_object_get(obj, key);

    if (c == NULL) {
        c = json_object();
        if (json_object_set_new(obj, key, c) != 0) {
            return NULL;
        }
    }

    return c;
}


static void
iamctl_bump(json_t *obj, const char *key, json_int_t by)
{
    json_t  *v;

    v = json_object_get(obj, key);

    if (v) {
        json_integer_set(v, json_integer_value(v) + by);

    } else {
        json_object_set_new(obj, key, json_integer(by));
    }
}


static void
iamctl_latest(json_t *obj, const char *key, int64_t t)
{
    json_t  *v;

    v = json_object_get(obj, key);

    if (v == NULL) {
        json_object_set_new(obj, key, json_integer(t));

    } else if (json_integer_value(v) < t) {
        json_integer_set(v, t);
    }
}


static json_t *
iamctl_time(int64_t t)
{
    char  buf[64];

    if (t <= 0) {
        return json_null();
    }

    iamctl_format_time(t, buf, sizeof(buf));

    return json_string(buf);
}


static int
iamctl_strcmp(const void *a, const void *b)
{
    return strcmp(*(const char **) a, *(const char **) b);
}


/* the keys of obj, sorted: reports come out the same for the same logs */
static json_t *
iamctl_sorted_keys(json_t *obj)
{
    size_t        n, i;
    json_t       *v, *out;
    const char   *key, **keys;

    n = json_object_size(obj);
    keys = malloc((n ? n : 1) * sizeof(char *));
    out = json_array();

    if (keys == NULL) {
        return out;
    }

    i = 0;
    json_object_foreach(obj, key, v) {
        keys[i++] = key;
    }

    qsort(keys, n, sizeof(char *), iamctl_strcmp);

    for (i = 0; i < n; i++) {
        json_array_append_new(out, json_string(keys[i]));
    }

    free(keys);

    return out;
}


static json_t *
iamctl_usage_principal_report(const char *arn, json_t *p)
{
    size_t       i, k;
    char         svc[128];
    json_t      *r, *actions, *names, *a, *services, *s, *sa;
    const char  *name, *colon;

    r = json_pack("{s:s, s:I, s:I, s:I, s:o}",
                  "principal", arn,
                  "requests", json_integer_value(json_object_get(p,
                                                               "requests")),
                  "allowed", json_integer_value(json_object_get(p,
                                                              "allowed")),
                  "denied", json_integer_value(json_object_get(p, "denied")),
                  "last_used", iamctl_time(json_integer_value(
                                   json_object_get(p, "last"))));

    actions = json_object_get(p, "actions");
    names = iamctl_sorted_keys(actions);
    services = json_array();
    s = NULL;
    svc[0] = '\0';

    json_array_foreach(names, i, a) {
        name = json_string_value(a);
        colon = strchr(name, ':');
        k = colon ? (size_t) (colon - name) : strlen(name);

        if (s == NULL || strlen(svc) != k || strncmp(svc, name, k) != 0) {
            snprintf(svc, sizeof(svc), "%.*s", (int) k, name);
            s = json_pack("{s:s, s:n, s:[]}", "service", svc, "last_used",
                          "actions");
            json_array_append_new(services, s);
        }

        a = json_object_get(actions, name);
        sa = json_pack("{s:s, s:o, s:o, s:I, s:I}",
                       "action", name,
                       "last_used", iamctl_time(json_integer_value(
                                        json_object_get(a, "last"))),
                       "last_allowed", iamctl_time(json_integer_value(
                                        json_object_get(a, "last_allowed"))),
                       "allowed", json_integer_value(json_object_get(a,
                                                                 "allowed")),
                       "denied", json_integer_value(json_object_get(a,
                                                                "denied")));
        json_array_append_new(json_object_get(s, "actions"), sa);

        /* the service's last use is its latest action's */
        if (json_is_null(json_object_get(s, "last_used"))
            || strcmp(json_string_value(json_object_get(sa, "last_used")),
                      json_string_value(json_object_get(s, "last_used"))) > 0)
        {
            json_object_set(s, "last_used", json_object_get(sa, "last_used"));
        }
    }

    json_decref(names);
    json_object_set_new(r, "services", services);

    return r;
}


/*
 * The engine keeps actions lowercased: a catalogue action gets its own
 * spelling back ("s3:ListBucket"); wildcards and custom actions stay.
 */
static json_t *
iamctl_usage_action_name(const iam_pattern_t *pat)
{
    char                         buf[512];
    const char                  *colon;
    const iamctl_cat_action_t   *a;
    const iamctl_cat_service_t  *svc;

    colon = memchr(pat->text.data, ':', pat->text.len);
    svc = colon ? iamctl_cat_service(pat->text.data, colon - pat->text.data)
                : NULL;
    a = (svc && !pat->has_wildcard)
        ? iamctl_cat_action(svc, colon + 1,
                            pat->text.len - (colon + 1 - pat->text.data))
        : NULL;

    if (a == NULL) {
        return json_stringn(pat->text.data, pat->text.len);
    }

    snprintf(buf, sizeof(buf), "%s:%s", svc->prefix, a->name);

    return json_string(buf);
}


/* the Allow statements' actions that no allowed request of p used */
static json_t *
iamctl_usage_unused(const iam_policy_set_t *set, json_t *p)
{
    int                     used;
    char                    label[512];
    size_t                  i, k;
    json_t                 *unused, *actions, *a;
    const char             *name;
    const iam_pattern_t    *pat;
    const iam_statement_t  *st;

    unused = json_array();
    actions = json_object_get(p, "actions");

    for (i = 0; (st = iam_policy_set_statement(set, i)) != NULL; i++) {
        if (st->effect != IAM_EFFECT_ALLOW || st->not_action) {
            continue;
        }

        iam_statement_label(st, label, sizeof(label));

        for (k = 0; k < st->nactions; k++) {
            pat = &st->actions[k];
            used = 0;

            json_object_foreach(actions, name, a) {
                if (json_integer_value(json_object_get(a, "allowed")) > 0
                    && iamctl_glob_icase(pat->text.data, pat->text.len,
                                         name, strlen(name)))
                {
                    used = 1;
                    break;
                }
            }

            if (!used) {
                json_array_append_new(unused,
                    json_pack("{s:s, s:o}", "statement", label, "action",
                              iamctl_usage_action_name(pat)));
            }
        }
    }

    return unused;
}


/* the n-th principal of the account: its users, then its roles */
static void
iamctl_usage_nth(const iam_account_t *account, size_t n, const char **arn,
    const iam_policy_set_t **set)
{
    if (n < account->nusers) {
        *arn = account->users[n].arn.data;
        *set = account->users[n].identity;

    } else {
        *arn = account->roles[n - account->nusers].arn.data;
        *set = account->roles[n - account->nusers].identity;
    }
}


static json_t *
iamctl_usage_report(iamctl_usage_t *u, iam_account_t *account,
    iamctl_log_t *log, int64_t key_days)
{
    size_t                   i, n;
    char                     label[512];
    json_t                  *report, *principals, *names, *name, *p, *r;
    json_t                  *keys, *never, *decided, *k;
    json_int_t               last;
    const char              *arn;
    const iam_statement_t   *st;
    const iam_access_key_t  *key;
    const iam_policy_set_t  *set;

    report = json_pack("{s:{s:o, s:o}, s:I}",
                       "period",
                       "from", iamctl_time(log->since ? log->now - log->since
                                                      : u->first),
                       "to", iamctl_time(log->now),
                       "records", (json_int_t) u->records);

    principals = json_array();
    names = iamctl_sorted_keys(u->principals);

    json_array_foreach(names, i, name) {
        arn = json_string_value(name);
        p = json_object_get(u->principals, arn);
        json_array_append_new(principals,
                              iamctl_usage_principal_report(arn, p));
    }

    if (account == NULL) {
        json_decref(names);
        json_object_set_new(report, "principals", principals);
        return report;
    }

    /* the account's users and roles that the logs never saw, and unused */
    for (n = 0; n < account->nusers + account->nroles; n++) {
        iamctl_usage_nth(account, n, &arn, &set);

        p = json_object_get(u->principals, arn);
        r = NULL;

        json_array_foreach(principals, i, r) {
            if (strcmp(json_string_value(json_object_get(r, "principal")),
                       arn) == 0)
            {
                break;
            }
            r = NULL;
        }

        if (r == NULL) {
            r = json_pack("{s:s, s:i, s:i, s:i, s:n, s:[]}", "principal", arn,
                          "requests", 0, "allowed", 0, "denied", 0,
                          "last_used", "services");
            json_array_append_new(principals, r);
        }

        json_object_set_new(r, "type",
                            json_string(n < account->nusers ? "user"
                                                            : "role"));
        json_object_set_new(r, "unused_permissions",
                            iamctl_usage_unused(set, p ? p : u->principals));
    }

    json_decref(names);
    json_object_set_new(report, "principals", principals);

    keys = json_array();

    for (i = 0; i < account->nkeys_alloc; i++) {
        key = &account->keys[i];

        if (key->id.len == 0) {
            continue;
        }

        k = json_object_get(u->keys, key->id.data);
        last = k ? json_integer_value(k) : 0;

        json_array_append_new(keys, json_pack(
            "{s:s, s:s, s:b, s:o, s:o, s:b}",
            "id", key->id.data,
            "user", key->user ? key->user->name.data : "",
            "active", key->active,
            "last_used", iamctl_time(last),
            "days_unused", last ? json_integer((log->now - last) / 86400)
                                : json_null(),
            "unused", last == 0 || log->now - last > key_days * 86400));
    }

    json_object_set_new(report, "key_days", json_integer(key_days));
    json_object_set_new(report, "access_keys", keys);

    never = json_array();

    for (i = 0; i < account->nroles; i++) {
        if (json_object_get(u->principals, account->roles[i].arn.data)
            == NULL)
        {
            json_array_append_new(never,
                                  json_string(account->roles[i].arn.data));
        }
    }

    json_object_set_new(report, "roles_never_assumed", never);

    /* each statement once, however many principals have it */
    decided = json_object();

    for (n = 0; n < account->nusers + account->nroles; n++) {
        iamctl_usage_nth(account, n, &arn, &set);

        for (i = 0; (st = iam_policy_set_statement(set, i)) != NULL; i++) {
            iam_statement_label(st, label, sizeof(label));

            if (json_object_get(u->statements, label) == NULL) {
                json_object_set_new(decided, label, json_true());
            }
        }
    }

    json_object_set_new(report, "statements_never_deciding",
                        iamctl_sorted_keys(decided));
    json_decref(decided);

    return report;
}


static void
iamctl_usage_text(json_t *report, FILE *out)
{
    size_t       i, j, k;
    json_t      *p, *s, *a, *v;
    const char  *t;

    fprintf(out, "period %s .. %s, %" JSON_INTEGER_FORMAT " records\n",
            json_string_value(json_object_get(
                json_object_get(report, "period"), "from")) ?: "-",
            json_string_value(json_object_get(
                json_object_get(report, "period"), "to")) ?: "-",
            json_integer_value(json_object_get(report, "records")));

    json_array_foreach(json_object_get(report, "principals"), i, p) {
        t = json_string_value(json_object_get(p, "type"));
        fprintf(out, "\n%s%s%s%s\n  last used %s; %" JSON_INTEGER_FORMAT
                " requests, %" JSON_INTEGER_FORMAT " allowed, %"
                JSON_INTEGER_FORMAT " denied\n",
                json_string_value(json_object_get(p, "principal")),
                t ? " (" : "", t ? t : "", t ? ")" : "",
                json_string_value(json_object_get(p, "last_used")) ?: "never",
                json_integer_value(json_object_get(p, "requests")),
                json_integer_value(json_object_get(p, "allowed")),
                json_integer_value(json_object_get(p, "denied")));

        json_array_foreach(json_object_get(p, "services"), j, s) {
            fprintf(out, "  %-40s last used %s\n",
                    json_string_value(json_object_get(s, "service")),
                    json_string_value(json_object_get(s, "last_used")));

            json_array_foreach(json_object_get(s, "actions"), k, a) {
                fprintf(out, "    %-38s last used %s; allowed %"
                        JSON_INTEGER_FORMAT ", denied %" JSON_INTEGER_FORMAT
                        "\n",
                        json_string_value(json_object_get(a, "action")),
                        json_string_value(json_object_get(a, "last_used")),
                        json_integer_value(json_object_get(a, "allowed")),
                        json_integer_value(json_object_get(a, "denied")));
            }
        }

        json_array_foreach(json_object_get(p, "unused_permissions"), j, a) {
            fprintf(out, "  unused: %s in %s\n",
                    json_string_value(json_object_get(a, "action")),
                    json_string_value(json_object_get(a, "statement")));
        }
    }

    v = json_object_get(report, "access_keys");

    if (v) {
        fprintf(out, "\naccess keys (unused: none in the last %"
                JSON_INTEGER_FORMAT " days):\n",
                json_integer_value(json_object_get(report, "key_days")));
    }

    json_array_foreach(v, i, a) {
        fprintf(out, "  %s  %-16s %s%s%s\n",
                json_string_value(json_object_get(a, "id")),
                json_string_value(json_object_get(a, "user")),
                json_is_true(json_object_get(a, "unused")) ? "UNUSED " : "",
                json_string_value(json_object_get(a, "last_used"))
                ? "last used " : "never used in the logs",
                json_string_value(json_object_get(a, "last_used")) ?: "");
    }

    v = json_object_get(report, "roles_never_assumed");

    if (v) {
        fprintf(out, "\nroles never assumed:%s\n",
                json_array_size(v) ? "" : " none");
    }

    json_array_foreach(v, i, a) {
        fprintf(out, "  %s\n", json_string_value(a));
    }

    v = json_object_get(report, "statements_never_deciding");

    if (v) {
        fprintf(out, "\nstatements that decided no request:%s\n",
                json_array_size(v) ? "" : " none");
    }

    json_array_foreach(v, i, a) {
        fprintf(out, "  %s\n", json_string_value(a));
    }

    fflush(out);
}
