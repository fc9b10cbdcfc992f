/* gemm_openblas.c - the OpenBLAS path of gemm.h: cblas_sgemm, then the
 * shared epilogue. It rounds its own way (per OpenBLAS kernel set, and per
 * call shape, so per batch place); model files record it (kernels_family).
 * M = rows of C, N = its columns, K = the length of each sum. */
#include <cblas.h>
#include <stddef.h>

#include "gemm_paths.h"

/* A(i, p) = a[i * rsa + p * csa] is a row-major [m, k] matrix with
 * leading dimension rsa when csa == 1, or the transpose of a row-major
 * [k, m] one with leading dimension csa when rsa == 1. */
/* The BLAS form of A: 1 with *trans and *lda set, 0 when A is neither. */
static int blas_layout(int m, int k, int rsa, int csa, int *trans, int *lda)
{
    if (csa == 1 && (rsa >= k || m == 1)) {
        *trans = 0;
        *lda = m == 1 ? k : rsa;
    } else if (rsa == 1 && (csa >= m || k == 1)) {
        *trans = 1;
        *lda = k == 1 ? m : csa;
    } else {
        return 0;
    }
    return 1;
}

void gemm_openblas(int m, int n, int k, const float *a, int rsa, int csa, const float *b, int ldb,
                   float *c, int ldc, const float *bias, int relu)
{
    if (m > 0 && n > 0 && k > 0) {
        int lda, trans;
        if (!blas_layout(m, k, rsa, csa, &trans, &lda)) { /* never made by this project */
            gemm_generic(m, n, k, a, rsa, csa, b, ldb, c, ldc, bias, relu);
            return;
        }
        cblas_sgemm(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, CblasNoTrans, m, n, k,
                    1.0f, a, lda, b, ldb, 0.0f, c, ldc);
    } else {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                c[(size_t)i * ldc + j] = 0.0f;
    }
    for (int i = 0; i < m; i++)
        gemm_epilogue(c + (size_t)i * ldc, n, bias, relu);
}

/* C += A B: beta = 1, no epilogue. */
void gemm_openblas_acc(int m, int n, int k, const float *a, int rsa, int csa, const float *b,
                       int ldb, float *c, int ldc)
{
    int lda, trans;
    if (m <= 0 || n <= 0 || k <= 0)
        return;
    if (!blas_layout(m, k, rsa, csa, &trans, &lda)) {
        gemm_generic_acc(m, n, k, a, rsa, csa, b, ldb, c, ldc);
        return;
    }
    cblas_sgemm(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a,
                lda, b, ldb, 1.0f, c, ldc);
}

/* The workers are the parallelism: each call runs on its worker's thread
 * (OpenBLAS's own threads would busy-wait against them). Set once, before
 * the workers start: OpenBLAS's count is one per process, and changing it
 * while calls run is not safe. */
void gemm_openblas_begin(int workers)
{
    (void)workers; /* one thread per call, for any number of workers */
    openblas_set_num_threads(1);
}
