/* layer_conv.c - the conv layer's row of the layer table (layer_kind.h):
 * "conv<N>", a 3 x 3 convolution of N output channels, stride 1, zero
 * padding 1 (the output keeps H x W), bias, ReLU, on conv.h's kernels.
 * Parameters: w [K, M] (K = 9 C_in kernel rows, M = N) then b [M]; conv.h
 * gives the layout and every sum's order. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "conv.h"
#include "layer_kind.h"
#include "net.h"

/* "conv" then digits, 1..NET_MAX_CHANNELS: "conv32". */
static int parse(const char *s, size_t n, int *arg)
{
    if (n < 5 || strncmp(s, "conv", 4) != 0 || s[4] < '0' || s[4] > '9')
        return -1;
    char *end;
    errno = 0;
    long c = strtol(s + 4, &end, 10);
    if (errno != 0 || end != s + n || c < 1 || c > NET_MAX_CHANNELS)
        return -1;
    *arg = (int)c;
    return 0;
}

static int out_dims(int arg, layer_dims in, layer_dims *out)
{
    *out = (layer_dims){arg, in.h, in.w};
    return 0;
}

static layer_size size(layer_dims in, layer_dims out)
{
    return (layer_size){9 * in.c, out.c, out.c};
}

static double macs(layer_dims in, layer_dims out)
{
    return 9.0 * in.c * out.c * (double)in.h * in.w;
}

static size_t scratch(layer_dims in, layer_dims out)
{
    return conv_scratch(in.c, in.h, in.w, out.c);
}

static size_t grad_scratch(layer_dims in, layer_dims out)
{
    return conv_weight_scratch(in.c, in.h, in.w, out.c);
}

/* Glorot uniform as Keras draws a conv kernel's: fan_in = 9 C_in,
 * fan_out = 9 C_out, limit sqrt(6 / (fan_in + fan_out)), w in its flat
 * order; zero bias. */
static void init(float *p, layer_dims in, layer_dims out, rng_t *r)
{
    size_t K = (size_t)9 * in.c, M = (size_t)out.c;
    float limit = sqrtf(6.0f / (float)(9 * in.c + 9 * out.c));
    for (size_t i = 0; i < K * M; i++)
        p[i] = (2.0f * rng_float(r) - 1.0f) * limit;
    memset(p + K * M, 0, M * sizeof(float));
}

/* p: prepare_forward's wb transposed, [M, K + 1] */
static void forward(kernels_path k, float *y, const float *x, const float *p, int R,
                    layer_dims in, layer_dims out, float *s)
{
    conv_forward_transposed(k, y, x, p, R, in.c, in.h, in.w, out.c, s);
}

static size_t forward_floats(layer_dims in, layer_dims out)
{
    return (size_t)out.c * ((size_t)9 * in.c + 1);
}

static void prepare_forward(float *f, const float *p, layer_dims in, layer_dims out)
{
    conv_transpose_weights(f, p, in.c, out.c);
}

/* The input gradient reads w as it is: rows k0 .. k1-1 copied. */
static void prepare(float *t, const float *p, layer_dims in, layer_dims out, int k0, int k1)
{
    (void)in;
    size_t M = (size_t)out.c;
    if (k1 > k0)
        memcpy(t + (size_t)k0 * M, p + (size_t)k0 * M, (size_t)(k1 - k0) * M * sizeof(float));
}

static void input_grad(kernels_path k, float *dx, const float *dy, const float *t,
                       const float *x, int R, layer_dims in, layer_dims out, float *s)
{
    (void)x;
    conv_input_grad(k, dx, dy, t, R, in.c, in.h, in.w, out.c, s);
}

static void kernel_grad(kernels_path k, float *dp, const float *x, const float *dy, int R,
                        layer_dims in, layer_dims out, int k0, int k1, float *s)
{
    conv_weight_grad(k, dp, x, dy, R, in.c, in.h, in.w, out.c, k0, k1, s);
}

static void grads(kernels_path k, float *dp, float *db, const float *x, const float *dy, int R,
                  layer_dims in, layer_dims out, int k0, int k1, int j0, int j1, float *s)
{
    conv_grads(k, dp, db, x, dy, R, in.c, in.h, in.w, out.c, k0, k1, j0, j1, s);
}

static int by_columns(layer_dims in, layer_dims out)
{
    (void)out;
    return conv_few_rows(in.c);
}

static void column_grads(kernels_path k, float *dp, float *db, const float *x, const float *dy,
                         int R, layer_dims in, layer_dims out, int j0, int j1, float *s)
{
    conv_grads_columns(k, dp, db, x, dy, R, in.c, in.h, in.w, out.c, j0, j1, s);
}

static void column_grads_made(kernels_path k, float *dp, float *db, const float *x,
                              const layer_dy *made, int R, layer_dims in, layer_dims out, int j0,
                              int j1, float *s)
{
    conv_grads_columns_made(k, dp, db, x, made->rows, made->ctx, R, in.c, in.h, in.w, out.c, j0,
                            j1, s);
}

static void tail_grad(float *db, const float *dy, int R, layer_dims in, layer_dims out, int j0,
                      int j1)
{
    conv_bias_grad(db, dy, R, in.h, in.w, out.c, j0, j1);
}

const layer_kind layer_conv = {
    .name = "conv", .parse = parse, .out_dims = out_dims, .size = size, .macs = macs,
    .scratch = scratch, .grad_scratch = grad_scratch, .init = init, .forward = forward,
    .forward_floats = forward_floats, .prepare_forward = prepare_forward,
    .prepare = prepare, .input_grad = input_grad, .kernel_grad = kernel_grad,
    .tail_grad = tail_grad, .grads = grads, .by_columns = by_columns,
    .column_grads = column_grads, .column_grads_made = column_grads_made, .relu = 1,
    .dropout = 0, .spatial = 1,
};
