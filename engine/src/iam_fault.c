/*
 * ngx_iam engine: allocation fault injection (iam_fault.h), compiled in
 * only with -DIAM_FAULT_INJECT.
 */

#include <iam/iam_fault.h>


#if (IAM_FAULT_INJECT)

static unsigned long  iam_fault_n;
static unsigned long  iam_fault_seen;
static int            iam_fault_env_read;
static int            iam_fault_hit;


static int iam_fault_now(void);


void
iam_fault_set(unsigned long n)
{
    iam_fault_env_read = 1;
    iam_fault_n = n;
    iam_fault_seen = 0;
    iam_fault_hit = 0;
}


unsigned long
iam_fault_count(void)
{
    return iam_fault_seen;
}


int
iam_fault_fired(void)
{
    return iam_fault_hit;
}


static int
iam_fault_now(void)
{
    const char  *env;

    if (!iam_fault_env_read) {
        iam_fault_env_read = 1;
        env = getenv("IAM_FAULT_ALLOC");
        iam_fault_n = env ? strtoul(env, NULL, 10) : 0;
    }

    if (++iam_fault_seen == iam_fault_n) {
        iam_fault_hit = 1;
        return 1;
    }

    return 0;
}


void *
iam_fault_malloc(size_t size)
{
    return iam_fault_now() ? NULL : malloc(size);
}


void *
iam_fault_calloc(size_t n, size_t size)
{
    return iam_fault_now() ? NULL : calloc(n, size);
}


void *
iam_fault_realloc(void *p, size_t size)
{
    return iam_fault_now() ? NULL : realloc(p, size);
}


char *
iam_fault_strdup(const char *s)
{
    return iam_fault_now() ? NULL : strdup(s);
}

#else

/* ISO C wants something in a translation unit */
typedef int  iam_fault_unused_t;

#endif
