/*
 * A minimal TAP producer for the engine's unit tests: `ok N - name` lines
 * and a plan at the end, as prove(1) reads them.
 */

#ifndef _IAM_TAP_H_INCLUDED_
#define _IAM_TAP_H_INCLUDED_


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>


static int  tap_count;
static int  tap_failed;


#define ok(cond, ...)                                                         \
    tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, ...)                                                \
    do {                                                                      \
        long long  g_ = (long long) (got), w_ = (long long) (want);           \
        if (!tap_ok(g_ == w_, __FILE__, __LINE__, __VA_ARGS__)) {             \
            printf("#   got: %lld\n#  want: %lld\n", g_, w_);                 \
        }                                                                     \
    } while (0)

#define is_str(got, want, ...)                                                \
    do {                                                                      \
        const char  *g_ = (got), *w_ = (want);                                \
        if (!tap_ok(g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0,          \
                    __FILE__, __LINE__, __VA_ARGS__))                         \
        {                                                                     \
            printf("#   got: '%s'\n#  want: '%s'\n", g_ ? g_ : "(null)",     \
                   w_ ? w_ : "(null)");                                       \
        }                                                                     \
    } while (0)


static int __attribute__((format(printf, 4, 5)))
tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
    va_list  args;

    tap_count++;
    printf("%sok %d - ", pass ? "" : "not ", tap_count);
    va_start(args, fmt);
    vprintf(fmt, args);
    va_end(args);
    printf("\n");

    if (!pass) {
        tap_failed++;
        printf("#   Failed test at %s line %d.\n", file, line);
    }

    return pass;
}


static int
tap_done(void)
{
    printf("1..%d\n", tap_count);
    return tap_failed ? 1 : 0;
}


#endif /* _IAM_TAP_H_INCLUDED_ */
