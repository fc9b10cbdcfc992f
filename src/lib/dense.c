/* dense.c - dense layer via CBLAS SGEMM; see dense.h.
 * R = rows, K = inputs, M = outputs; all matrices row-major. */
#include "dense.h"

#include <cblas.h>

void dense_forward(float *out, const float *in, const float *w, int R, int K, int M)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, R, M, K, 1.0f, in, K, w, M, 0.0f,
                out, M);
}

void dense_backward(float *din, float *dw, float *db, const float *dout, const float *in,
                    const float *w, int R, int K, int M)
{
    /* dw [K, M] += in^T [K, R] * dout [R, M] */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, M, R, 1.0f, in, K, dout, M, 1.0f,
                dw, M);
    for (int r = 0; r < R; r++) {
        const float *row = dout + (size_t)r * M;
        for (int j = 0; j < M; j++)
            db[j] += row[j];
    }
    /* din [R, K] = dout [R, M] * w^T [M, K] */
    if (din)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, R, K, M, 1.0f, dout, M, w, M, 0.0f,
                    din, K);
}
