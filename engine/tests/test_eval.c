/*
 * The evaluation logic, case by case from AWS's "Policy evaluation logic",
 * "Cross-account policy evaluation logic" and the element references:
 * eval/cases.jsonl holds each case as `iamctl simulate` reads it, with the
 * decision and deciding statement it must get.
 */

#include <iam/iam_simulate.h>
#include "tap.h"


int
main(void)
{
    char          *line, *got;
    FILE          *f;
    size_t         size;
    ssize_t        len;
    json_t        *c, *out, *want, *ws;
    json_error_t   err;
    const char    *name, *decision, *statement;

    f = fopen("eval/cases.jsonl", "r");
    if (f == NULL) {
        ok(0, "open eval/cases.jsonl (run from engine/tests)");
        return tap_done();
    }

    line = NULL;
    size = 0;

    while ((len = getline(&line, &size, f)) > 0) {
        c = json_loadb(line, (size_t) len, 0, &err);
        if (c == NULL) {
            ok(0, "case line parses: %s", err.text);
            continue;
        }

        name = json_string_value(json_object_get(c, "name"));
        want = json_object_get(c, "want");
        out = iam_simulate(json_object_get(c, "case"), 0);
        got = json_dumps(out, JSON_COMPACT);

        if (json_object_get(want, "error")) {
            if (!ok(json_object_get(out, "error") != NULL, "%s", name)) {
                printf("#   got: %s\n", got);
            }

        } else {
            decision = json_string_value(json_object_get(want, "decision"));
            ws = json_object_get(want, "statement");
            statement = json_string_value(json_object_get(out, "statement"));

            if (!ok(json_equal(json_object_get(out, "decision"),
                               json_object_get(want, "decision"))
                    && (json_is_null(ws)
                        ? json_is_null(json_object_get(out, "statement"))
                        : statement != NULL
                          && strcmp(statement, json_string_value(ws)) == 0),
                    "%s", name))
            {
                printf("#   got: %s\n#  want: %s %s\n", got, decision,
                       json_is_null(ws) ? "null" : json_string_value(ws));
            }
        }

        free(got);
        json_decref(out);
        json_decref(c);
    }

    free(line);
    fclose(f);

    return tap_done();
}
