/* bench.c - the SGEMM floor of an epoch; see bench.h.
 * R = 2B rows, IN = inputs, H = hidden. The calls mirror dense.c:
 * forward  out[R,M] = in[R,K] w[K,M]           (3 layers)
 * backward dw[K,M] += in^T dout; din = dout w^T (din skipped for layer 1) */
#include "bench.h"

#include <cblas.h>
#include <stdlib.h>

#include "clock.h"
#include "pool.h"
#include "rng.h"

/* Buffers of one step; activations and gradients are distinct arrays, as
 * in training (no aliasing between BLAS inputs and outputs). */
typedef struct {
    float *x;    /* [R, IN] */
    float *a[3]; /* [R, H] layer outputs */
    float *g[2]; /* [R, H] gradients, ping-pong */
    float *w1, *dw1; /* [IN, H] */
    float *w, *dw;   /* [H, H], shared by layers 2 and 3 */
} step_bufs;

static double gemm_step(const step_bufs *b, int R, int IN, int H)
{
    const int K[3] = {IN, H, H};
    float *w[3] = {b->w1, b->w, b->w};
    float *dw[3] = {b->dw1, b->dw, b->dw};
    const float *in[3] = {b->x, b->a[0], b->a[1]};
    for (int l = 0; l < 3; l++)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, R, H, K[l], 1.0f, in[l], K[l],
                    w[l], H, 1.0f, b->a[l], H);
    for (int l = 2; l >= 0; l--) {
        float *grad = b->g[l & 1], *din = b->g[(l + 1) & 1];
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K[l], H, R, 1.0f, in[l], K[l], grad,
                    H, 1.0f, dw[l], H);
        if (l > 0)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, R, K[l], H, 1.0f, grad, H, w[l],
                        H, 0.0f, din, K[l]);
    }
    /* forward and dW: 2*R*H*(IN + 2H) each; din of layers 3 and 2: 2*R*H*2H */
    return 2.0 * (2.0 * R * H * (IN + 2.0 * H)) + 2.0 * R * H * 2.0 * H;
}

int bench_blas_floor(bench_floor *out, int in, int width, size_t pairs, int batch, sm_err *e)
{
    const int IN = in, H = width, R = 2 * batch; /* three layers of H, as the default */
    const size_t sizes[] = {(size_t)R * IN, (size_t)R * H, (size_t)R * H, (size_t)R * H,
                            (size_t)R * H, (size_t)R * H, (size_t)IN * H, (size_t)IN * H,
                            (size_t)H * H, (size_t)H * H};
    step_bufs b;
    float **slots[] = {&b.x, &b.a[0], &b.a[1], &b.a[2], &b.g[0], &b.g[1],
                       &b.w1, &b.dw1, &b.w, &b.dw};
    enum { NBUF = sizeof slots / sizeof *slots };
    int ok = 1;
    rng_t r;
    rng_seed(&r, 1, 0);
    for (int i = 0; i < NBUF; i++) {
        *slots[i] = malloc(sizes[i] * sizeof(float));
        ok &= *slots[i] != NULL;
        for (size_t k = 0; *slots[i] && k < sizes[i]; k++)
            (*slots[i])[k] = 0.01f * rng_float(&r);
    }
    if (ok) {
        double flops = 0, t0 = sm_now();
        for (size_t done = 0; done < pairs; done += (size_t)batch) {
            int B = pairs - done < (size_t)batch ? (int)(pairs - done) : batch;
            flops += gemm_step(&b, 2 * B, IN, H);
        }
        out->seconds = sm_now() - t0;
        out->flops = flops;
    }
    for (int i = 0; i < NBUF; i++)
        free(*slots[i]);
    return ok ? 0 : sm_fail(e, "out of memory for the BLAS benchmark");
}

typedef struct {
    gemm_peak_fn peak; /* the path's loop (gemm.h) */
    long iters;
    float sink[256];
} peak_job;

static void peak_worker(void *ctx, int t)
{
    peak_job *j = ctx;
    float x = 0.999f + 1e-6f * (float)t;
    j->sink[t & 255] = j->peak(j->iters, x);
}

int bench_fma_peak(kernels_path p, int threads, double *flops_per_s, sm_err *e)
{
    if (kernels_resolve(p, &p, e) != 0)
        return -1;
    if (!kernels_row_of(p)->peak)
        kernels_resolve(KERNELS_AUTO, &p, e); /* never fails for auto */
    pool_t *pool = pool_create(threads, e);
    if (!pool)
        return -1;
    peak_job j = {kernels_row_of(p)->peak, 1000, {0}};
    /* Grow the run to about 20 ms, then keep the best of five: a shared
     * machine only ever makes a loop slower. */
    double t0 = sm_now();
    pool_run(pool, peak_worker, &j);
    while (sm_now() - t0 < 0.02 && j.iters < (1L << 40)) {
        j.iters *= 2;
        t0 = sm_now();
        pool_run(pool, peak_worker, &j);
    }
    double best = 0;
    for (int round = 0; round < 5; round++) {
        t0 = sm_now();
        pool_run(pool, peak_worker, &j);
        double rate = (double)threads * (double)j.iters * 12.0 * kernels_lanes(p) * 2.0 /
                      (sm_now() - t0);
        best = rate > best ? rate : best;
    }
    pool_destroy(pool);
    *flops_per_s = best;
    return 0;
}
