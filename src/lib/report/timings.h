/* timings.h - what `siamese bench` measures once the data is loaded, as
 * numbers: this CPU's FMA peak, the BLAS floor of an epoch, real training
 * epochs on the chosen kernels and on OpenBLAS, evaluation of the test
 * pairs, embedding and inspection. Each time is the median of
 * TIMINGS_REPEATS runs; peak, floor and epochs alternate so that a slow
 * spell of a shared machine hits them all and their ratios stay fair. The
 * CLI prints them (cmd_bench.c); nothing here prints.
 *
 * The network measured is the notebook's by default, or any --layers
 * shape (conv nets too). With a step count the trainers run that many
 * timed steps (after one untimed warm-up step) instead of a whole epoch,
 * and nothing of the size of the data (validation, eval, embedding,
 * inspection) is timed: a conv epoch takes minutes.
 *
 * N = training pairs, Ntest = test images, H = embedding width, B = pairs
 * per step. */
#ifndef SIAMESE_TIMINGS_H
#define SIAMESE_TIMINGS_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "err.h"
#include "gemm.h"
#include "net.h"
#include "pairs.h"

#define TIMINGS_REPEATS 5

/* What timings_measure is doing, for a progress line: the caller's
 * progress function gets it at the start of every run of every stage and
 * after every training step. */
typedef enum {
    TIMINGS_AT_PEAK,       /* the FMA peak */
    TIMINGS_AT_BLAS_FLOOR, /* the BLAS floor */
    TIMINGS_AT_TRAINING,   /* a training run on `kernels`: steps, of steps */
    TIMINGS_AT_VALIDATION, /* that run's validation loss (whole epochs only) */
    TIMINGS_AT_EVAL,       /* the distances of the test pairs */
    TIMINGS_AT_INSPECT,    /* embedding and inspection's scoring */
} timings_stage;

typedef struct {
    timings_stage stage;
    kernels_path kernels; /* the path a training run, eval or inspection runs on */
    int run;              /* 1 .. TIMINGS_REPEATS */
    size_t step, steps;   /* training: timed steps done of the run's (a whole
                             epoch's, or --steps'); 0 of 0 elsewhere */
} timings_where;

/* Told where the measurements are; called on the measuring thread, never
 * inside a timed span: between runs, or from the step callback with its
 * own time taken out of the steps' and the epoch's (timings.c). */
typedef void (*timings_progress_fn)(void *ctx, const timings_where *w);

typedef struct {
    const dataset_t *ds;
    const pairs_t *train, *test; /* the default seed's pairs of ds */
    uint32_t head;               /* the head of the models trained */
    kernels_path kernels;        /* resolved: the path measured */
    int threads;                 /* worker threads */
    int blas_threads;            /* OpenBLAS's own threads (at most the cores) */
    net_shape shape;             /* the network, its input set; layers = 0: the
                                    notebook's on the data's images */
    size_t steps;                /* timed steps per run; 0: whole epochs and the rest */
    timings_progress_fn progress; /* NULL: none */
    void *progress_ctx;
} timings_setup;

typedef struct {
    double peak;                  /* FMA peak, floating-point operations per second */
    double epoch_flops;           /* of one epoch (timings_flops) */
    double step_flops;            /* of one full step of 2B rows (timings_flops) */
    int has_floor;                /* 1: the BLAS floor was measured
                                     (timings_has_blas_floor, no step count:
                                     it is a whole epoch's calls) */
    double floor_s, floor_flops;  /* the BLAS floor: seconds and its operations */
    double epoch_s;               /* a training epoch (steps and validation) on kernels
                                     (0 with a step count) */
    double blas_epoch_s;          /* the same on OpenBLAS (= epoch_s when kernels is it) */
    double step_s, blas_step_s;   /* the median step of all runs, kernels and OpenBLAS */
    size_t steps_timed;           /* the steps that median is of, per path */
    double eval_s;                /* distances of the test pairs (this and below: 0
                                     with a step count) */
    double embed_s;               /* embedding the training images */
    double centroid_s, knn_s;     /* scoring Ntest images against refs references */
    size_t refs;                  /* the first min(6000, training images) */
    uint32_t batch;               /* the default batch the epochs ran with */
} timings;

/* Measures everything above for setup b into *out. Two models of
 * b->shape are trained (one at a time on OpenBLAS) and freed. 0, or -1
 * with e set. */
int timings_measure(const timings_setup *b, timings *out, sm_err *e);

/* 1 when bench_blas_floor's calls are network s's: three dense layers of
 * one width (the notebook's shape); a conv net's products are others. */
int timings_has_blas_floor(net_shape s);

/* Floating-point operations of `train_rows` rows of training (forward and
 * backward: net_forward_macs + net_backward_macs) and `eval_rows` rows of
 * forward passes of network s, 2 per multiply-add: the one formula of
 * bench's physical floors (an epoch: 2N training rows and the validation's
 * distinct test images; a step: 2B rows). */
double timings_flops(net_shape s, double train_rows, double eval_rows);

/* The median of v [n] (sorts v). */
double timings_median(double *v, int n);

#endif
