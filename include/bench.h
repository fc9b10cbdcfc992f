/* bench.h - the BLAS floor of a training epoch: exactly the SGEMM calls one
 * epoch makes (dense.c's forward and backward for every layer and step,
 * including the partial last batch), on random data of the same shapes,
 * with nothing else around them. Everything training adds beyond this
 * time is overhead.
 */
#ifndef SIAMESE_BENCH_H
#define SIAMESE_BENCH_H

#include <stddef.h>

#include "err.h"
#include "net.h"

typedef struct {
    double seconds;
    double flops; /* floating-point operations of the calls */
} bench_floor;

/* Times the SGEMMs of one epoch of `pairs` pairs in batches of `batch`
 * (2 * batch rows each). Returns 0 or -1 with e set on no memory. */
int bench_blas_floor(bench_floor *out, net_shape s, size_t pairs, int batch, sm_err *e);

#endif
