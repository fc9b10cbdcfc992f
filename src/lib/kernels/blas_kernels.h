/* blas_kernels.h - which OpenBLAS kernels are loaded, and which should be.
 *
 * Debian's OpenBLAS 0.3.21 does not recognise some newer CPUs and falls back
 * to its generic "Prescott" kernels, about 5x slower for SGEMM. The library
 * reads OPENBLAS_CORETYPE only when it loads, so the fix is to set it and
 * start the program again (done by the CLI; this module only decides).
 */
#ifndef SIAMESE_BLAS_KERNELS_H
#define SIAMESE_BLAS_KERNELS_H

#include "cpu.h"

/* Name of the kernels OpenBLAS loaded (openblas_get_corename()). */
const char *blas_core_name(void);

/* 1 when `core` is not one of OpenBLAS's AVX2/AVX-512 kernel sets. */
int blas_core_is_generic(const char *core);

/* The OPENBLAS_CORETYPE to use instead of `core` on a CPU with `f`, or
 * NULL when `core` is already the right kind (or nothing better exists). */
const char *blas_better_core(const char *core, cpu_features f);

/* Sets the number of threads OpenBLAS uses per call (bench's BLAS floor;
 * the openblas path of gemm.h sets its own, kernels_begin). */
void blas_set_threads(int n);

#endif
