/*
 * ngx_iam engine: allocation fault injection, for tests only.
 *
 * Built with -DIAM_FAULT_INJECT (make fault-test), every allocation the
 * engine makes (malloc, calloc, realloc, strdup, and so every pool block)
 * goes through a counter, and the Nth one from iam_fault_set(N) fails, as
 * does the Nth of a process started with IAM_FAULT_ALLOC=N.  Without the
 * flag the macros are the libc functions and cost nothing.
 */

#ifndef _IAM_FAULT_H_INCLUDED_
#define _IAM_FAULT_H_INCLUDED_


#include <stdlib.h>
#include <string.h>


#if (IAM_FAULT_INJECT)

/* fail the Nth allocation from now (1: the next one); 0: none */
void iam_fault_set(unsigned long n);
/* allocations counted since the last iam_fault_set() */
unsigned long iam_fault_count(void);
/* 1 once the chosen allocation has failed */
int iam_fault_fired(void);

void *iam_fault_malloc(size_t size);
void *iam_fault_calloc(size_t n, size_t size);
void *iam_fault_realloc(void *p, size_t size);
char *iam_fault_strdup(const char *s);

#define iam_malloc   iam_fault_malloc
#define iam_calloc   iam_fault_calloc
#define iam_realloc  iam_fault_realloc
#define iam_strdup   iam_fault_strdup

#else

#define iam_malloc   malloc
#define iam_calloc   calloc
#define iam_realloc  realloc
#define iam_strdup   strdup

#endif


#endif /* _IAM_FAULT_H_INCLUDED_ */
