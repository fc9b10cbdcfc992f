/* timings.h - what `siamese bench` measures once the data is loaded, as
 * numbers: this CPU's FMA peak, the BLAS floor of an epoch, real training
 * epochs on the chosen kernels and on OpenBLAS, evaluation of the test
 * pairs, embedding and inspection. Each time is the median of
 * TIMINGS_REPEATS runs; peak, floor and epochs alternate so that a slow
 * spell of a shared machine hits them all and their ratios stay fair. The
 * CLI prints them (cmd_bench.c); nothing here prints.
 *
 * N = training pairs, Ntest = test images, H = embedding width. */
#ifndef SIAMESE_TIMINGS_H
#define SIAMESE_TIMINGS_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "err.h"
#include "gemm.h"
#include "pairs.h"

#define TIMINGS_REPEATS 5

typedef struct {
    const dataset_t *ds;
    const pairs_t *train, *test; /* the default seed's pairs of ds */
    uint32_t head;               /* the head of the models trained */
    kernels_path kernels;        /* resolved: the path measured */
    int threads;                 /* worker threads */
    int blas_threads;            /* OpenBLAS's own threads (at most the cores) */
} timings_setup;

typedef struct {
    double peak;                  /* FMA peak, floating-point operations per second */
    double epoch_flops;           /* of one epoch (bench_epoch_flops) */
    double floor_s, floor_flops;  /* the BLAS floor: seconds and its operations */
    double epoch_s;               /* a training epoch (steps and validation) on kernels */
    double blas_epoch_s;          /* the same on OpenBLAS (= epoch_s when kernels is it) */
    double eval_s;                /* distances of the test pairs */
    double embed_s;               /* embedding the training images */
    double centroid_s, knn_s;     /* scoring Ntest images against refs references */
    size_t refs;                  /* the first min(6000, training images) */
    uint32_t batch;               /* the default batch the epochs ran with */
} timings;

/* Measures everything above for setup b into *out. Two default models
 * are trained (one at a time on OpenBLAS) and freed. 0, or -1 with e set. */
int timings_measure(const timings_setup *b, timings *out, sm_err *e);

/* The median of v [n] (sorts v). */
double timings_median(double *v, int n);

#endif
