/* layer_pool.c - the pool layer's row of the layer table (layer_kind.h):
 * "pool", 2 x 2 max pooling, stride 2, on maxpool.h (ties and odd sizes
 * there). No parameters, no ReLU of its own (its input passed one). */
#include "layer_common.h"
#include "maxpool.h"

static int parse(const char *s, size_t n, int *arg)
{
    return layer_parse_word("pool", s, n, arg);
}

/* An input of fewer than 2 x 2 pixels has none left to pool. */
static int out_dims(int arg, layer_dims in, layer_dims *out)
{
    (void)arg;
    if (in.h < 2 || in.w < 2)
        return -1;
    *out = (layer_dims){in.c, in.h / 2, in.w / 2};
    return 0;
}

static void forward(kernels_path k, float *y, const float *x, const float *p, int R,
                    layer_dims in, layer_dims out, float *s)
{
    (void)k;
    (void)p;
    (void)out;
    (void)s;
    maxpool_forward(y, x, R, in.c, in.h, in.w);
}

static void input_grad(kernels_path k, float *dx, const float *dy, const float *t,
                       const float *x, int R, layer_dims in, layer_dims out, float *s)
{
    (void)k;
    (void)t;
    (void)out;
    (void)s;
    maxpool_backward(dx, dy, x, R, in.c, in.h, in.w);
}

static void input_grad_relu(kernels_path k, float *dx, const float *dy, const float *t,
                            const float *x, int R, layer_dims in, layer_dims out, float *s)
{
    (void)k;
    (void)t;
    (void)out;
    (void)s;
    maxpool_backward_relu(dx, dy, x, R, in.c, in.h, in.w);
}

/* An int32 a window (maxpool.h). */
static size_t record(layer_dims in, layer_dims out)
{
    (void)in;
    return (size_t)out.c * (size_t)out.h * (size_t)out.w * sizeof(int32_t);
}

static void forward_rec(float *y, unsigned char *rec, const float *x, int R, layer_dims in,
                        layer_dims out)
{
    (void)out;
    maxpool_forward_taps(y, (int32_t *)rec, x, R, in.c, in.h, in.w);
}

static void input_grad_rec(float *dx, const float *dy, const unsigned char *rec, int R,
                           layer_dims in, layer_dims out, int relu)
{
    (void)out;
    maxpool_backward_taps(dx, dy, (const int32_t *)rec, R, in.c, in.h, in.w, relu);
}

const layer_kind layer_pool = {
    .name = "pool", .parse = parse, .out_dims = out_dims, .size = layer_no_params, .macs = layer_no_macs,
    .scratch = layer_no_scratch, .grad_scratch = layer_no_scratch, .forward = forward,
    .input_grad = input_grad, .input_grad_relu = input_grad_relu, .record = record,
    .forward_rec = forward_rec, .input_grad_rec = input_grad_rec, .relu = 0, .dropout = 0,
    .spatial = 1,
};
