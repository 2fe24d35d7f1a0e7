/*
 * iamctl: findings and their output (text, JSON lines, SARIF 2.1.0).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>

#include "iamctl_findings.h"


#define IAMCTL_DOC_URL                                                        \
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/"                      \
    "access-analyzer-reference-policy-checks.html"


static iamctl_finding_t *iamctl_findings_push(iamctl_findings_t *f);
static const char *iamctl_diag_code(const char *message);
static json_t *iamctl_finding_json(const iamctl_finding_t *fi);
static char *iamctl_learn_more(const iamctl_finding_t *fi);
static void iamctl_findings_sarif(const iamctl_findings_t *f, FILE *out);


static const char  *iamctl_severity_names[] = {
    "SUGGESTION", "WARNING", "SECURITY_WARNING", "ERROR"
};

/* AWS's anchor names for each finding type */
static const char  *iamctl_severity_anchors[] = {
    "suggestion", "general-warning", "security-warning", "error"
};

/* SARIF levels */
static const char  *iamctl_severity_levels[] = {
    "note", "warning", "error", "error"
};


/* engine diagnostics, by what their message says, to AWS issue codes */
static const struct {
    const char  *text;
    const char  *code;
} iamctl_diag_codes[] = {
    { "cannot open", "FILE_ERROR" },
    { "is not a number for", "DATA_TYPE_MISMATCH" },
    { "is not a date for", "DATA_TYPE_MISMATCH" },
    { "is not an IP address", "DATA_TYPE_MISMATCH" },
    { "is not base64 for", "DATA_TYPE_MISMATCH" },
    { "Bool takes true or false", "DATA_TYPE_MISMATCH" },
    { "JSON", "JSON_SYNTAX_ERROR" },
    { "Version must", "INVALID_VERSION" },
    { "Effect must", "INVALID_EFFECT" },
    { "missing Effect", "MISSING_EFFECT" },
    { "missing Action", "MISSING_ACTION" },
    { "missing Principal", "MISSING_PRINCIPAL" },
    { "missing Resource", "MISSING_RESOURCE" },
    { "missing Statement", "MISSING_STATEMENT" },
    { "condition operator", "INVALID_CONDITION_OPERATOR" },
    { "unknown element", "INVALID_POLICY_ELEMENT" },
    { "principal", "INVALID_PRINCIPAL_FORMAT" },
    { "Principal", "INVALID_PRINCIPAL_FORMAT" },
    { "action '", "INVALID_ACTION" },
    { "resource", "INVALID_ARN_RESOURCE" },
    { "not allowed in an identity", "UNSUPPORTED_ELEMENT_COMBINATION" },
    { "cannot both be present", "UNSUPPORTED_ELEMENT_COMBINATION" },
    { NULL, NULL }
};


static iamctl_finding_t *
iamctl_findings_push(iamctl_findings_t *f)
{
    size_t             n;
    iamctl_finding_t  *items;

    if (f->nitems == f->nalloc) {
        n = f->nalloc ? f->nalloc * 2 : 16;
        items = realloc(f->items, n * sizeof(iamctl_finding_t));
        if (items == NULL) {
            return NULL;
        }

        f->items = items;
        f->nalloc = n;
    }

    return memset(&f->items[f->nitems++], 0, sizeof(iamctl_finding_t));
}


void
iamctl_findings_add(iamctl_findings_t *f, iamctl_severity_e type,
    const char *code, const iam_source_t *src, const iam_json_path_t *path,
    const char *fmt, ...)
{
    char               buf[2048];
    va_list            args;
    iam_json_path_t    full;
    iamctl_finding_t  *fi;
    unsigned           i;

    fi = iamctl_findings_push(f);
    if (fi == NULL) {
        return;
    }

    va_start(args, fmt);
    vsnprintf(buf, sizeof(buf), fmt, args);
    va_end(args);

    fi->type = type;
    fi->code = code;
    fi->file = strdup(src->file);
    fi->message = strdup(buf);

    iam_json_locate(src, path, &fi->line, &fi->column);

    /* the path as a reader of the whole file sees it */
    full = src->base;

    for (i = 0; i < path->nelts && full.nelts < IAM_JSON_PATH_MAX; i++) {
        full.elts[full.nelts++] = path->elts[i];
    }

    iam_json_path_format(&full, buf, sizeof(buf));
    fi->path = strdup(buf);
}


static const char *
iamctl_diag_code(const char *message)
{
    size_t  i;

    for (i = 0; iamctl_diag_codes[i].text; i++) {
        if (strstr(message, iamctl_diag_codes[i].text)) {
            return iamctl_diag_codes[i].code;
        }
    }

    return "POLICY_SYNTAX_ERROR";
}


void
iamctl_findings_add_diags(iamctl_findings_t *f, const iam_diags_t *diags)
{
    size_t             i;
    iamctl_finding_t  *fi;

    for (i = 0; i < diags->nitems; i++) {
        fi = iamctl_findings_push(f);
        if (fi == NULL) {
            return;
        }

        fi->type = IAMCTL_ERROR;
        fi->code = iamctl_diag_code(diags->items[i].message);
        fi->file = strdup(diags->items[i].file ? diags->items[i].file : "");
        fi->line = diags->items[i].line;
        fi->column = diags->items[i].column;
        fi->path = strdup("");
        fi->message = strdup(diags->items[i].message);
        fi->raw = 1;
    }
}


void
iamctl_findings_free(iamctl_findings_t *f)
{
    size_t  i;

    for (i = 0; i < f->nitems; i++) {
        free(f->items[i].file);
        free(f->items[i].path);
        free(f->items[i].message);
    }

    free(f->items);
    f->items = NULL;
    f->nitems = 0;
    f->nalloc = 0;
}


int
iamctl_severity_parse(const char *s)
{
    int  i;

    for (i = 0; i < 4; i++) {
        if (strcasecmp(s, iamctl_severity_names[i]) == 0) {
            return i;
        }
    }

    return -1;
}


const char *
iamctl_severity_name(iamctl_severity_e type)
{
    return iamctl_severity_names[type];
}


int
iamctl_findings_fail(const iamctl_findings_t *f, int fail_on)
{
    size_t  i;

    for (i = 0; i < f->nitems; i++) {
        if ((int) f->items[i].type >= fail_on) {
            return 1;
        }
    }

    return 0;
}


/* the anchor of the finding in AWS's policy check reference */
static char *
iamctl_learn_more(const iamctl_finding_t *fi)
{
    char    buf[512], *p;
    size_t  n;

    n = snprintf(buf, sizeof(buf), "%s#access-analyzer-reference-policy-"
                 "checks-%s-", IAMCTL_DOC_URL,
                 iamctl_severity_anchors[fi->type]);

    for (p = (char *) fi->code; *p && n + 1 < sizeof(buf); p++) {
        buf[n++] = (*p == '_') ? '-' : tolower((unsigned char) *p);
    }

    buf[n] = '\0';

    return strdup(buf);
}


static json_t *
iamctl_finding_json(const iamctl_finding_t *fi)
{
    char    *link;
    json_t  *o;

    link = iamctl_learn_more(fi);

    o = json_pack("{s:s, s:s, s:s, s:s?, s:s, s:i, s:i, s:s}",
                  "findingType", iamctl_severity_names[fi->type],
                  "issueCode", fi->code,
                  "findingDetails", fi->message,
                  "learnMoreLink", link,
                  "file", fi->file,
                  "line", (int) fi->line,
                  "column", (int) fi->column,
                  "path", fi->path);
    free(link);

    return o;
}


void
iamctl_findings_print(const iamctl_findings_t *f, iamctl_format_e fmt,
    FILE *out)
{
    char                    *s;
    size_t                   i;
    json_t                  *o;
    const iamctl_finding_t  *fi;

    if (fmt == IAMCTL_FORMAT_SARIF) {
        iamctl_findings_sarif(f, out);
        return;
    }

    for (i = 0; i < f->nitems; i++) {
        fi = &f->items[i];

        if (fmt == IAMCTL_FORMAT_JSON) {
            o = iamctl_finding_json(fi);
            s = o ? json_dumps(o, JSON_COMPACT) : NULL;
            fprintf(out, "%s\n", s ? s : "{\"error\":\"out of memory\"}");
            free(s);
            json_decref(o);
            continue;
        }

        /* engine diagnostics keep DESIGN.md §4's FILE:LINE:COLUMN lines */
        if (fi->raw) {
            if (fi->line) {
                fprintf(out, "%s:%u:%u: %s\n", fi->file, fi->line,
                        fi->column, fi->message);

            } else {
                fprintf(out, "%s: %s\n", fi->file, fi->message);
            }

            continue;
        }

        fprintf(out, "%s:%u:%u: %s %s: %s%s%s\n", fi->file, fi->line,
                fi->column, iamctl_severity_names[fi->type], fi->code,
                fi->path, fi->path[0] ? ": " : "", fi->message);
    }

    fflush(out);
}


static void
iamctl_findings_sarif(const iamctl_findings_t *f, FILE *out)
{
    char                    *s, *link;
    size_t                   i;
    json_t                  *doc, *rules, *results, *seen, *loc;
    const iamctl_finding_t  *fi;

    rules = json_array();
    results = json_array();
    seen = json_object();

    for (i = 0; i < f->nitems; i++) {
        fi = &f->items[i];

        if (json_object_get(seen, fi->code) == NULL) {
            link = iamctl_learn_more(fi);
            json_array_append_new(rules, json_pack(
                "{s:s, s:{s:s}, s:s, s:{s:s}}",
                "id", fi->code,
                "shortDescription", "text", fi->code,
                "helpUri", link,
                "properties", "findingType",
                iamctl_severity_names[fi->type]));
            free(link);
            json_object_set_new(seen, fi->code, json_true());
        }

        loc = json_pack("{s:{s:s}}", "artifactLocation", "uri", fi->file);

        if (fi->line) {
            json_object_set_new(loc, "region",
                                json_pack("{s:i, s:i}",
                                          "startLine", (int) fi->line,
                                          "startColumn", (int) fi->column));
        }

        json_array_append_new(results, json_pack(
            "{s:s, s:s, s:{s:s}, s:[{s:o}], s:{s:s}}",
            "ruleId", fi->code,
            "level", iamctl_severity_levels[fi->type],
            "message", "text", fi->message,
            "locations", "physicalLocation", loc,
            "properties", "findingType", iamctl_severity_names[fi->type]));
    }

    doc = json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:o}}, s:o}]}",
        "$schema", "https://json.schemastore.org/sarif-2.1.0.json",
        "version", "2.1.0",
        "runs", "tool", "driver", "name", "iamctl",
        "rules", rules, "results", results);

    s = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
    fprintf(out, "%s\n", s ? s : "{}");

    free(s);
    json_decref(doc);
    json_decref(seen);
    fflush(out);
}
