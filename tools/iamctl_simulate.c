/*
 * iamctl simulate: one JSON case per line on stdin, one decision per line on
 * stdout (DESIGN.md §4).  A bad case gets {"error": ...} and the run goes on.
 *
 * Output is flushed whenever no further complete line is waiting, so a
 * caller can drive it line by line through a pipe, and a batch of 100,000
 * cases is not slowed down by a write per line.
 */

#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <unistd.h>
#include <iam/iam_core.h>
#include <iam/iam_json.h>
#include <iam/iam_simulate.h>

#include "iamctl_simulate.h"


static void iamctl_simulate_line(const char *line, size_t len, int explain);


int
iamctl_simulate(int argc, char **argv)
{
    int      i, explain;
    char    *buf, *p, *nl, *start;
    size_t   size, used;
    ssize_t  n;

    explain = 0;

    for (i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--explain") == 0) {
            explain = 1;

        } else {
            fprintf(stderr, "iamctl simulate: unknown option \"%s\"\n",
                    argv[i]);
            return 2;
        }
    }

    size = 1 << 20;
    used = 0;
    buf = malloc(size);
    if (buf == NULL) {
        return 1;
    }

    for ( ;; ) {
        if (used == size) {
            p = realloc(buf, size * 2);
            if (p == NULL) {
                free(buf);
                return 1;
            }
            buf = p;
            size *= 2;
        }

        n = read(STDIN_FILENO, buf + used, size - used);

        if (n < 0 && errno == EINTR) {
            continue;
        }

        if (n <= 0) {
            break;
        }

        used += (size_t) n;
        start = buf;

        while ((nl = memchr(start, '\n', used - (start - buf))) != NULL) {
            iamctl_simulate_line(start, nl - start, explain);
            start = nl + 1;
        }

        used -= start - buf;
        memmove(buf, start, used);

        fflush(stdout);
    }

    if (used) {
        iamctl_simulate_line(buf, used, explain);
    }

    fflush(stdout);
    free(buf);

    return 0;
}


static void
iamctl_simulate_line(const char *line, size_t len, int explain)
{
    char          *text;
    json_t        *in, *out;
    json_error_t   err;

    while (len && (line[len - 1] == '\r' || line[len - 1] == ' '
                   || line[len - 1] == '\t'))
    {
        len--;
    }

    if (len == 0) {
        return;
    }

    in = json_loadb(line, len, JSON_REJECT_DUPLICATES, &err);

    if (in == NULL) {
        out = iam_simulate_error("invalid JSON at column %d: %s",
                                 err.column, err.text);

    } else {
        out = iam_simulate(in, explain);
    }

    json_decref(in);

    text = out ? json_dumps(out, JSON_COMPACT) : NULL;

    if (text) {
        fputs(text, stdout);
        free(text);

    } else {
        fputs("{\"error\":\"out of memory\"}", stdout);
    }

    fputc('\n', stdout);
    json_decref(out);
}


