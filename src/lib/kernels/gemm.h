/* gemm.h - the project's own matrix products, the same bits on every CPU.
 *
 * One operation serves every dense-layer product (forward, input gradient,
 * weight gradient) and every convolution product (conv.h):
 *
 *   C[i][j] = epilogue( sum over p = 0 .. k-1 of A(i, p) * B[p][j] )
 *
 * with A(i, p) = a[i * rsa + p * csa] (so A may be a matrix or the
 * transpose of one), B row-major [k, n] with row stride ldb, C row-major
 * [m, n] with row stride ldc. The epilogue adds bias[j] when bias is not
 * NULL, then takes max(., 0) when relu is set (NaN and -0 give +0).
 *
 * The sum is one fixed sequence: acc = +0, then acc = fma(A(i,p), B[p][j],
 * acc) for p = 0, 1, ..., k-1, each a single rounding. The vector paths
 * vectorise across j (outputs) and keep that sequence for every element,
 * never splitting a sum into lanes or partial sums; the portable path
 * calls fmaf().
 *
 * Its accumulating form (gemm_acc) continues each element's chain from the
 * value already in C instead of +0, with no epilogue: acc = C[i][j], then
 * the same fmas for p = 0 .. k-1. A sum over p = 0 .. k-1 computed as
 * gemm over the first k1 terms then gemm_acc over the rest (or C set to +0
 * then gemm_acc pieces) is the same chain, the same bits: a sum too long
 * to hold its operands at once (the convolution's weight gradient, one
 * piece per image) is computed a piece at a time. So every path gives identical bits, whatever the tile an
 * element falls in, its row's place in the batch, or the thread that
 * computes it: work may be split by rows or columns of C freely.
 *
 * The OpenBLAS path (cblas_sgemm plus the same epilogue) is the reference
 * of the tests and the choice for CPUs where it is faster; it rounds
 * differently, and differently per OpenBLAS kernel set and batch place.
 *
 * The paths are one table (gemm.c), a row per path: its name, what the CPU
 * needs for it, its gemm, its FMA-peak loop (bench.h), its vector lanes,
 * whether it gives the shared bits, what a model file records of it, and
 * what it does before a parallel run. A new path (NEON, bf16) is its own
 * file (its functions, declared in gemm_paths.h), its tag at the end of
 * kernels_path, one row, and its build line in CMakeLists.txt.
 */
#ifndef SIAMESE_GEMM_H
#define SIAMESE_GEMM_H

#include "cpu.h"
#include "err.h"

/* The paths, in the order of the table's rows; model files and --kernels
 * number them so (a new path goes last). */
typedef enum {
    KERNELS_AUTO = 0,  /* the fastest own path this CPU runs */
    KERNELS_AVX512,    /* AVX-512F, 16 lanes */
    KERNELS_AVX2,      /* AVX2 + FMA3, 8 lanes */
    KERNELS_GENERIC,   /* portable C with fmaf() */
    KERNELS_OPENBLAS,  /* cblas_sgemm */
    KERNELS_COUNT
} kernels_path;

/* A path's gemm (the operation above) and its FMA-peak loop: `iters`
 * rounds of 12 independent fused multiply-adds of `lanes` floats each, on
 * registers; the result only keeps the compiler from dropping the work.
 * Flops: iters * 12 * lanes * 2. */
typedef void (*gemm_fn)(int m, int n, int k, const float *a, int rsa, int csa, const float *b,
                        int ldb, float *c, int ldc, const float *bias, int relu);
typedef void (*gemm_acc_fn)(int m, int n, int k, const float *a, int rsa, int csa,
                            const float *b, int ldb, float *c, int ldc);
typedef float (*gemm_peak_fn)(long iters, float x);

/* One row of the table. */
typedef struct {
    const char *name;   /* --kernels and messages: "avx2" */
    const char *needs;  /* what the CPU lacks when it cannot run the path:
                           "AVX2 and FMA3"; NULL: any CPU */
    int (*runs)(cpu_features f); /* 1 when a CPU with f runs it; NULL: any */
    gemm_fn gemm;       /* NULL: not built for this machine (auto: the
                           portable path, should it ever be called unresolved) */
    gemm_acc_fn gemm_acc; /* its accumulating form (with gemm, or NULL) */
    gemm_peak_fn peak;  /* NULL: bench measures the widest own path */
    int lanes;          /* float lanes of its vectors (1: scalar or not ours) */
    int exact;          /* 1: gives the shared bits above */
    int speed;          /* auto takes the fastest exact path the CPU runs;
                           0: never auto's choice */
    unsigned family;    /* what a model file records: MODEL_KERNELS_EXACT (0)
                           or MODEL_KERNELS_OPENBLAS (1), model.h */
    void (*begin)(int workers); /* before a parallel run, or NULL */
} kernels_row;

/* The row of path p (0 <= p < KERNELS_COUNT). */
const kernels_row *kernels_row_of(kernels_path p);

/* "auto", "avx512", "avx2", "generic", "openblas" by path, from the table's
 * rows; NULL after the last (an opt_choice list). */
extern const char *const kernels_names[KERNELS_COUNT + 1];

/* 1 when this CPU can run path p (auto, generic and openblas: always). */
int kernels_available(kernels_path p);

/* The concrete path for a request: auto becomes avx512, avx2 or generic
 * (the best the CPU has). Returns 0, or -1 with e set when the CPU cannot
 * run the path asked for. */
int kernels_resolve(kernels_path want, kernels_path *got, sm_err *e);

/* 1 when path p gives the shared bits (every own path); 0 for openblas. */
int kernels_exact(kernels_path p);

/* What a model file records of path p: MODEL_KERNELS_OPENBLAS for
 * openblas, MODEL_KERNELS_EXACT for every other (model.h). */
unsigned kernels_family(int p);

/* Float lanes of a path's vectors: 16, 8, 1 (generic and openblas: 1). */
int kernels_lanes(kernels_path p);

/* Before `workers` threads each call gemm on path p at once (training,
 * embedding, anomaly scores): the openblas path runs every call on its
 * caller's thread alone (the workers are the parallelism; its rounding then
 * follows each call's shape, not OpenBLAS's threads). Nothing on the own
 * paths. */
void kernels_begin(kernels_path p, int workers);

/* C [m, n] = epilogue(A [m, k] * B [k, n]) as above, on path p (resolved,
 * not auto). m, n, k >= 0; k = 0 gives the epilogue of zero. */
void gemm(kernels_path p, int m, int n, int k, const float *a, int rsa, int csa, const float *b,
          int ldb, float *c, int ldc, const float *bias, int relu);

/* C [m, n] += A [m, k] * B [k, n]: each element's chain continued from C
 * (above), on path p (resolved). k = 0 leaves C as it is. The openblas
 * path is cblas_sgemm with beta = 1. */
void gemm_acc(kernels_path p, int m, int n, int k, const float *a, int rsa, int csa,
              const float *b, int ldb, float *c, int ldc);

#endif
