/* bench.h - the yardsticks `siamese bench` measures an epoch against:
 *  - the physical floor: the epoch's floating-point operations (every
 *    product of every step and of the validation; timings_flops counts
 *    them from the layer table) at this CPU's FMA peak, measured here with
 *    register-resident fused multiply-adds on every thread;
 *  - the BLAS floor: the SGEMM calls of a three-layer epoch through
 *    OpenBLAS, on random data of the same shapes, nothing around them.
 */
#ifndef SIAMESE_BENCH_H
#define SIAMESE_BENCH_H

#include <stddef.h>

#include "err.h"
#include "gemm.h"

typedef struct {
    double seconds;
    double flops; /* floating-point operations of the calls */
} bench_floor;

/* Times the SGEMMs of one epoch of `pairs` pairs in batches of `batch`
 * (2 * batch rows each) through three dense layers: `in` inputs, then
 * `width` outputs each. Returns 0 or -1 with e set on no memory. */
int bench_blas_floor(bench_floor *out, int in, int width, size_t pairs, int batch, sm_err *e);

/* *flops_per_s = the FMA peak of `threads` threads at once on path p's
 * vectors (a path without a peak loop, openblas and auto: the widest path
 * this CPU runs). Returns 0 or -1 with e set. */
int bench_fma_peak(kernels_path p, int threads, double *flops_per_s, sm_err *e);

#endif
