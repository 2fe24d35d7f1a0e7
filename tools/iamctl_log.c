/*
 * iamctl: the decision log reader shared by analyze usage and generate.
 * zlib's gzread reads gzip and plain files alike.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <ctype.h>
#include <zlib.h>

#include "iamctl_log.h"


#define IAMCTL_LINE_MAX  (1 << 20)      /* longer lines are skipped */


static int iamctl_log_file(iamctl_log_t *log, const char *cmd,
    const char *file, iamctl_record_pt handler, void *data);
static int iamctl_log_line(iamctl_log_t *log, char *line, size_t len,
    iamctl_record_pt handler, void *data);


/* the keys conf-examples' log_format writes, and their other spelling */
static const char  *iamctl_field_names[IAMCTL_FIELD_N] = {
    "time", "principal", "access_key", "action", "resource", "decision",
    "statement"
};

static const char  *iamctl_field_alt[IAMCTL_FIELD_N] = {
    NULL, NULL, "accessKey", NULL, NULL, NULL, NULL
};


void
iamctl_log_init(iamctl_log_t *log)
{
    memset(log, 0, sizeof(iamctl_log_t));
    memcpy(log->fields, iamctl_field_names, sizeof(log->fields));
    log->now = time(NULL);
}


void
iamctl_log_free(iamctl_log_t *log)
{
    free(log->files);
    log->files = NULL;
}


int
iamctl_log_option(iamctl_log_t *log, const char *cmd, int argc, char **argv,
    int *i)
{
    int           k;
    size_t        n;
    const char  **files;
    char         *eq;

    if (strcmp(argv[*i], "--log") == 0) {
        /* --log FILE... takes every argument up to the next option */
        for (n = 0; *i + 1 + (int) n < argc && argv[*i + 1 + n][0] != '-';
             n++)
        {
            /* count */
        }

        if (n == 0) {
            fprintf(stderr, "iamctl %s: --log needs a file\n", cmd);
            return -1;
        }

        files = realloc(log->files, (log->nfiles + n) * sizeof(char *));
        if (files == NULL) {
            return -1;
        }

        log->files = files;

        for (k = 0; k < (int) n; k++) {
            log->files[log->nfiles++] = argv[*i + 1 + k];
        }

        *i += n;
        return 1;
    }

    if (*i + 1 >= argc) {
        return 0;
    }

    if (strcmp(argv[*i], "--since") == 0) {
        log->since = iamctl_parse_duration(argv[*i + 1]);

        if (log->since <= 0) {
            fprintf(stderr, "iamctl %s: --since \"%s\": expected a duration "
                    "such as 90d, 12h, 30m\n", cmd, argv[*i + 1]);
            return -1;
        }

        (*i)++;
        return 1;
    }

    if (strcmp(argv[*i], "--now") == 0) {
        log->now = iamctl_parse_time(argv[*i + 1]);

        if (log->now < 0) {
            fprintf(stderr, "iamctl %s: --now \"%s\": expected a time such "
                    "as 2026-11-25T09:30:00Z\n", cmd, argv[*i + 1]);
            return -1;
        }

        (*i)++;
        return 1;
    }

    if (strcmp(argv[*i], "--field") == 0) {
        eq = strchr(argv[*i + 1], '=');

        for (k = 0; eq && k < IAMCTL_FIELD_N; k++) {
            if (strncmp(argv[*i + 1], iamctl_field_names[k],
                        eq - argv[*i + 1]) == 0
                && iamctl_field_names[k][eq - argv[*i + 1]] == '\0')
            {
                log->fields[k] = eq + 1;
                (*i)++;
                return 1;
            }
        }

        fprintf(stderr, "iamctl %s: --field \"%s\": expected NAME=KEY, NAME "
                "one of time, principal, access_key, action, resource, "
                "decision, statement\n", cmd, argv[*i + 1]);
        return -1;
    }

    return 0;
}


int
iamctl_log_read(iamctl_log_t *log, const char *cmd, iamctl_record_pt handler,
    void *data)
{
    size_t  i;

    if (log->nfiles == 0) {
        fprintf(stderr, "iamctl %s: no --log FILE given\n", cmd);
        return -1;
    }

    for (i = 0; i < log->nfiles; i++) {
        if (iamctl_log_file(log, cmd, log->files[i], handler, data) != 0) {
            return -1;
        }
    }

    if (log->skipped) {
        fprintf(stderr, "iamctl %s: %zu line%s skipped: not a decision "
                "record\n", cmd, log->skipped, log->skipped == 1 ? "" : "s");
    }

    return 0;
}


static int
iamctl_log_file(iamctl_log_t *log, const char *cmd, const char *file,
    iamctl_record_pt handler, void *data)
{
    int      n, rc, errnum;
    char    *buf, *p, *nl, *start;
    size_t   size, used;
    gzFile   gz;

    gz = strcmp(file, "-") == 0 ? gzdopen(0, "rb") : gzopen(file, "rb");
    if (gz == NULL) {
        fprintf(stderr, "iamctl %s: %s: cannot open\n", cmd, file);
        return -1;
    }

    size = 65536;
    used = 0;
    buf = malloc(size);
    rc = 0;

    while (buf) {
        if (used == size) {
            if (size >= IAMCTL_LINE_MAX) {
                /* a line that long is no record: drop it */
                log->skipped++;
                used = 0;

            } else {
                p = realloc(buf, size * 2);
                if (p == NULL) {
                    break;
                }
                buf = p;
                size *= 2;
            }
        }

        n = gzread(gz, buf + used, size - used);

        if (n < 0) {
            fprintf(stderr, "iamctl %s: %s: %s\n", cmd, file,
                    gzerror(gz, &errnum));
            rc = -1;
            break;
        }

        if (n == 0) {
            if (used) {
                rc = iamctl_log_line(log, buf, used, handler, data);
            }
            break;
        }

        used += n;
        start = buf;

        while ((nl = memchr(start, '\n', used - (start - buf))) != NULL) {
            rc = iamctl_log_line(log, start, nl - start, handler, data);
            if (rc != 0) {
                break;
            }
            start = nl + 1;
        }

        if (rc != 0) {
            break;
        }

        used -= start - buf;
        memmove(buf, start, used);
    }

    free(buf);
    gzclose(gz);

    return rc;
}


static int
iamctl_log_line(iamctl_log_t *log, char *line, size_t len,
    iamctl_record_pt handler, void *data)
{
    int               k, rc;
    json_t           *obj, *v;
    iamctl_record_t   rec;

    while (len && isspace((unsigned char) line[len - 1])) {
        len--;
    }

    if (len == 0) {
        return 0;
    }

    obj = json_loadb(line, len, 0, NULL);

    if (!json_is_object(obj)) {
        json_decref(obj);
        log->skipped++;
        return 0;
    }

    for (k = 0; k < IAMCTL_FIELD_N; k++) {
        v = json_object_get(obj, log->fields[k]);

        if (v == NULL && iamctl_field_alt[k]
            && log->fields[k] == iamctl_field_names[k])
        {
            v = json_object_get(obj, iamctl_field_alt[k]);
        }

        rec.values[k] = json_is_string(v) ? json_string_value(v) : "";
    }

    rec.time = iamctl_parse_time(rec.values[IAMCTL_FIELD_TIME]);

    if (rec.time < 0) {
        json_decref(obj);
        log->skipped++;
        return 0;
    }

    rc = 0;

    if (rec.time <= log->now
        && (log->since == 0 || rec.time >= log->now - log->since))
    {
        rc = handler(&rec, data);
    }

    json_decref(obj);

    return rc;
}


int64_t
iamctl_parse_time(const char *s)
{
    int        n, off, sign;
    struct tm  tm;

    memset(&tm, 0, sizeof(struct tm));
    n = 0;

    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
               &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6
        || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1
        || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59
        || tm.tm_sec > 60)
    {
        return -1;
    }

    s += n;

    if (*s == '.') {            /* fractions of a second */
        s++;
        while (isdigit((unsigned char) *s)) {
            s++;
        }
    }

    off = 0;

    if (*s == 'Z' && s[1] == '\0') {
        off = 0;

    } else if ((*s == '+' || *s == '-') && strlen(s) == 6 && s[3] == ':'
               && strspn(s + 1, "0123456789") == 2
               && strspn(s + 4, "0123456789") == 2)
    {
        sign = (*s == '-') ? -1 : 1;
        off = sign * (((s[1] - '0') * 10 + s[2] - '0') * 3600
                      + ((s[4] - '0') * 10 + s[5] - '0') * 60);

    } else if (*s != '\0') {
        return -1;
    }

    tm.tm_year -= 1900;
    tm.tm_mon -= 1;

    return (int64_t) timegm(&tm) - off;
}


void
iamctl_format_time(int64_t t, char *buf, size_t size)
{
    time_t     tt;
    struct tm  tm;

    tt = (time_t) t;
    gmtime_r(&tt, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}


int64_t
iamctl_parse_duration(const char *s)
{
    char       *end;
    long long   n;

    n = strtoll(s, &end, 10);

    if (end == s || n < 0) {
        return -1;
    }

    switch (*end) {
    case '\0':
    case 's':
        break;
    case 'm':
        n *= 60;
        break;
    case 'h':
        n *= 3600;
        break;
    case 'd':
        n *= 86400;
        break;
    default:
        return -1;
    }

    if (*end && end[1]) {
        return -1;
    }

    return n;
}
