/* bench_time.h - what the kernel benchmarks (bench_conv, bench_col2im,
 * bench_im2col) share: the thread's CPU clock, an order for qsort on
 * doubles and test data. */
#ifndef SIAMESE_TEST_BENCH_TIME_H
#define SIAMESE_TEST_BENCH_TIME_H

#include <stdio.h>
#include <stdlib.h>
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

/* n floats of fixed test data in [-0.5, 0.5); exits on no memory. */
static inline float *floats(size_t n)
{
    float *p = malloc((n ? n : 1) * sizeof(float));
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++)
        p[i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
    return p;
}

#endif
