/* bench_time.h - what the kernel benchmarks (bench_conv, bench_col2im)
 * share: the thread's CPU clock and an order for qsort on doubles. */
#ifndef SIAMESE_TEST_BENCH_TIME_H
#define SIAMESE_TEST_BENCH_TIME_H

#include <time.h>

/* This thread's CPU seconds: time the scheduler gives to other processes
 * of a shared machine is not counted (the wall clock would count it). */
static inline double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* qsort's order for doubles, ascending. */
static inline int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

#endif
