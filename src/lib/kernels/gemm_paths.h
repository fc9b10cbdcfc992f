/* gemm_paths.h - the entry points of each kernel path, for the table
 * (gemm.c) and the path files that define them; the rest of the program
 * calls gemm() with a kernels_path (gemm.h).
 *
 * A vector path exists only where CMakeLists.txt builds it: its build line
 * defines SIAMESE_GEMM_<PATH> for the library and compiles its file with
 * the instruction set; the path file and the table test the same macro. */
#ifndef SIAMESE_GEMM_PATHS_H
#define SIAMESE_GEMM_PATHS_H

/* The portable path (gemm_generic.c): fmaf() in the sequence of gemm.h,
 * from +0 (gemm_generic) or from C (gemm_generic_acc). */
void gemm_generic(int m, int n, int k, const float *a, int rsa, int csa, const float *b, int ldb,
                  float *c, int ldc, const float *bias, int relu);
void gemm_generic_acc(int m, int n, int k, const float *a, int rsa, int csa, const float *b,
                      int ldb, float *c, int ldc);
float gemm_generic_peak(long iters, float x);

/* The epilogue of gemm.h on one row c [n]: + bias[j] (when not NULL), then
 * max(., 0) when relu is set (NaN and -0 give +0). */
void gemm_epilogue(float *c, int n, const float *bias, int relu);

/* The OpenBLAS path (gemm_openblas.c): cblas_sgemm plus the epilogue (its
 * accumulating form: beta = 1), and its start of a parallel run (OpenBLAS
 * single-threaded per call). */
void gemm_openblas(int m, int n, int k, const float *a, int rsa, int csa, const float *b,
                   int ldb, float *c, int ldc, const float *bias, int relu);
void gemm_openblas_acc(int m, int n, int k, const float *a, int rsa, int csa, const float *b,
                       int ldb, float *c, int ldc);
void gemm_openblas_begin(int workers);

#ifdef SIAMESE_GEMM_AVX2
/* AVX2 + FMA3 tiles (gemm_avx2.c). */
void gemm_avx2(int m, int n, int k, const float *a, int rsa, int csa, const float *b, int ldb,
               float *c, int ldc, const float *bias, int relu);
void gemm_avx2_acc(int m, int n, int k, const float *a, int rsa, int csa, const float *b,
                   int ldb, float *c, int ldc);
float gemm_avx2_peak(long iters, float x);
#endif

#ifdef SIAMESE_GEMM_AVX512
/* AVX-512F tiles (gemm_avx512.c). */
void gemm_avx512(int m, int n, int k, const float *a, int rsa, int csa, const float *b, int ldb,
                 float *c, int ldc, const float *bias, int relu);
void gemm_avx512_acc(int m, int n, int k, const float *a, int rsa, int csa, const float *b,
                     int ldb, float *c, int ldc);
float gemm_avx512_peak(long iters, float x);
#endif

#endif
