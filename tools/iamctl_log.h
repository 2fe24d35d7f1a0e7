/*
 * iamctl: reading the decision logs nginx writes (JSON lines, as
 * conf-examples' log_format iam ... escape=json), plain or gzip, one record
 * at a time: memory does not grow with the size of the logs.
 */

#ifndef _IAMCTL_LOG_H_INCLUDED_
#define _IAMCTL_LOG_H_INCLUDED_


#include <stdint.h>
#include <jansson.h>


typedef enum {
    IAMCTL_FIELD_TIME = 0,
    IAMCTL_FIELD_PRINCIPAL,
    IAMCTL_FIELD_ACCESS_KEY,
    IAMCTL_FIELD_ACTION,
    IAMCTL_FIELD_RESOURCE,
    IAMCTL_FIELD_DECISION,
    IAMCTL_FIELD_STATEMENT,
    IAMCTL_FIELD_N
} iamctl_field_e;

typedef struct {
    int64_t             time;       /* epoch seconds */
    const char         *values[IAMCTL_FIELD_N];     /* "" when absent */
} iamctl_record_t;

typedef int (*iamctl_record_pt)(const iamctl_record_t *rec, void *data);

typedef struct {
    const char        **files;
    size_t              nfiles;
    const char         *fields[IAMCTL_FIELD_N];     /* JSON keys */
    int64_t             now;
    int64_t             since;      /* seconds before now; 0: all */
    size_t              skipped;    /* lines that were no record */
} iamctl_log_t;


void iamctl_log_init(iamctl_log_t *log);
/*
 * Takes --log FILE..., --since DURATION, --now TIME, --field NAME=KEY at
 * argv[*i]: 1 when it did (and moved *i past it), 0 when argv[*i] is not
 * one of them, -1 on a bad value (said on stderr).
 */
int iamctl_log_option(iamctl_log_t *log, const char *cmd, int argc,
    char **argv, int *i);
/* every record in the period, in file order; -1 when a file can't be read */
int iamctl_log_read(iamctl_log_t *log, const char *cmd,
    iamctl_record_pt handler, void *data);
void iamctl_log_free(iamctl_log_t *log);

/* "2026-11-25T09:30:42+00:00" (or Z) to epoch seconds; -1 when invalid */
int64_t iamctl_parse_time(const char *s);
void iamctl_format_time(int64_t t, char *buf, size_t size);
/* "90d", "12h", "30m", "45s", "3600"; -1 when invalid */
int64_t iamctl_parse_duration(const char *s);


#endif /* _IAMCTL_LOG_H_INCLUDED_ */
