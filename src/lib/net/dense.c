/* dense.c - the dense layer on gemm.h, and its row of the layer table
 * (layer_kind.h); see dense.h. R = rows, K = inputs, M = outputs; all
 * matrices row-major. A dense layer's parameters are W [K, M] then
 * b [M]: K kernel rows of M floats and a tail of M. */
#include "dense.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "layer_common.h"
#include "net.h"
#include "simd.h"

void dense_forward(kernels_path p, float *out, const float *in, const float *w, const float *b,
                   int R, int K, int M)
{
    gemm(p, R, M, K, in, K, 1, w, M, out, M, b, 1);
}

void dense_input_grad(kernels_path p, float *din, const float *dout, const float *wt, int R,
                      int K, int M)
{
    gemm(p, R, K, M, dout, M, 1, wt, K, din, K, NULL, 0);
}

void dense_weight_grad(kernels_path p, float *dw, const float *in, const float *dout, int R,
                       int K, int M, int k0, int k1)
{
    /* A(i, r) = in[r][k0 + i]: in^T, read down its columns */
    if (k1 > k0)
        gemm(p, k1 - k0, M, R, in + k0, 1, K, dout, M, dw + (size_t)k0 * M, M, NULL, 0);
}

SM_VECTOR void dense_bias_grad(float *restrict db, const float *restrict dout, int R, int M,
                               int j0, int j1)
{
    for (int j = j0; j < j1; j++)
        db[j] = 0.0f;
    for (int r = 0; r < R; r++) {
        const float *restrict row = dout + (size_t)r * M;
        for (int j = j0; j < j1; j++)
            db[j] += row[j];
    }
}

/* In 16 x 16 blocks: the reads of a block's rows and the writes of its
 * columns both stay within a few cache lines. */
void dense_transpose(float *restrict wt, const float *restrict w, int K, int M, int k0, int k1)
{
    enum { T = 16 };
    for (int kb = k0; kb < k1; kb += T) {
        int ke = kb + T < k1 ? kb + T : k1;
        for (int jb = 0; jb < M; jb += T) {
            int je = jb + T < M ? jb + T : M;
            for (int k = kb; k < ke; k++)
                for (int j = jb; j < je; j++)
                    wt[(size_t)j * K + k] = w[(size_t)k * M + j];
        }
    }
}

/* The row: glue from the table's calls to the functions above. */

/* An item of digits only, its value 1..NET_MAX_WIDTH: "128". */
static int parse(const char *s, size_t n, int *arg)
{
    if (n == 0 || *s < '0' || *s > '9')
        return -1;
    char *end;
    errno = 0;
    long w = strtol(s, &end, 10);
    if (errno != 0 || end != s + n || w < 1 || w > NET_MAX_WIDTH)
        return -1;
    *arg = (int)w;
    return 0;
}

/* A dense layer reads its input flat: IN = C * H * W. */
static int flat(layer_dims d)
{
    return d.c * d.h * d.w;
}

static int out_dims(int arg, layer_dims in, layer_dims *out)
{
    (void)in;
    *out = (layer_dims){arg, 1, 1};
    return 0;
}

static layer_size size(layer_dims in, layer_dims out)
{
    return (layer_size){flat(in), out.c, out.c};
}

static double macs(layer_dims in, layer_dims out)
{
    return (double)flat(in) * out.c;
}

/* Glorot-uniform kernel (limit sqrt(6 / (K + M))), zero bias. */
static void init(float *p, layer_dims in, layer_dims out, rng_t *r)
{
    int K = flat(in), M = out.c;
    size_t n = (size_t)K * (size_t)M;
    float limit = sqrtf(6.0f / (float)(K + M));
    for (size_t i = 0; i < n; i++)
        p[i] = (2.0f * rng_float(r) - 1.0f) * limit;
    memset(p + n, 0, (size_t)M * sizeof(float));
}

static void forward(kernels_path k, float *y, const float *x, const float *p, int R,
                    layer_dims in, layer_dims out, float *scratch)
{
    (void)scratch;
    int K = flat(in), M = out.c;
    dense_forward(k, y, x, p, p + (size_t)K * M, R, K, M);
}

static void prepare(float *t, const float *p, layer_dims in, layer_dims out, int k0, int k1)
{
    dense_transpose(t, p, flat(in), out.c, k0, k1);
}

static void input_grad(kernels_path k, float *dx, const float *dy, const float *t,
                       const float *x, int R, layer_dims in, layer_dims out, float *scratch)
{
    (void)x;
    (void)scratch;
    dense_input_grad(k, dx, dy, t, R, flat(in), out.c);
}

static void kernel_grad(kernels_path k, float *dp, const float *x, const float *dy, int R,
                        layer_dims in, layer_dims out, int k0, int k1, float *scratch)
{
    (void)scratch;
    dense_weight_grad(k, dp, x, dy, R, flat(in), out.c, k0, k1);
}

static void tail_grad(float *db, const float *dy, int R, layer_dims in, layer_dims out, int j0,
                      int j1)
{
    (void)in;
    dense_bias_grad(db, dy, R, out.c, j0, j1);
}

const layer_kind layer_dense = {
    .name = "dense", .parse = parse, .out_dims = out_dims, .size = size, .macs = macs,
    .scratch = layer_no_scratch, .grad_scratch = layer_no_scratch, .init = init, .forward = forward,
    .prepare = prepare, .input_grad = input_grad, .kernel_grad = kernel_grad,
    .tail_grad = tail_grad, .relu = 1, .dropout = 1, .spatial = 0,
};
