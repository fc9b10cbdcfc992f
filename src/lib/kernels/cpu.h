/* cpu.h - what this CPU can run: the one place that asks it (cpuid, through
 * GCC's __builtin_cpu_supports). The kernel-path table (gemm.c) reads it to
 * say which paths run here; the OpenBLAS core check (blas_kernels.h) reads
 * it to say which OpenBLAS kernels should be loaded. */
#ifndef SIAMESE_CPU_H
#define SIAMESE_CPU_H

/* What the CPU can run; every field 0 on a CPU that is not x86. */
typedef struct {
    int avx2_fma; /* AVX2 and FMA3 */
    int avx512;   /* AVX-512 F, CD, BW, DQ and VL (what SkylakeX kernels use) */
    int avx512f;  /* AVX-512F (all the avx512 path of gemm.h uses) */
} cpu_features;

/* Features of the CPU this runs on. */
cpu_features cpu_detect(void);

#endif
