/* layer_gap.c - the gap layer's row of the layer table (layer_kind.h):
 * "gap", global average pooling, C x H x W to C x 1 x 1, on gap.h. No
 * parameters, no ReLU of its own (its input passed one). */
#include "gap.h"
#include "layer_common.h"

static int parse(const char *s, size_t n, int *arg)
{
    return layer_parse_word("gap", s, n, arg);
}

static int out_dims(int arg, layer_dims in, layer_dims *out)
{
    (void)arg;
    if (in.h < 1 || in.w < 1)
        return -1;
    *out = (layer_dims){in.c, 1, 1};
    return 0;
}

static void forward(kernels_path k, float *y, const float *x, const float *p, int R,
                    layer_dims in, layer_dims out, float *s)
{
    (void)k;
    (void)p;
    (void)out;
    (void)s;
    gap_forward(y, x, R, in.c, in.h, in.w);
}

static void input_grad(kernels_path k, float *dx, const float *dy, const float *t,
                       const float *x, int R, layer_dims in, layer_dims out, float *s)
{
    (void)k;
    (void)t;
    (void)x;
    (void)out;
    (void)s;
    gap_backward(dx, dy, R, in.c, in.h, in.w);
}

static void input_grad_relu(kernels_path k, float *dx, const float *dy, const float *t,
                            const float *x, int R, layer_dims in, layer_dims out, float *s)
{
    (void)k;
    (void)t;
    (void)out;
    (void)s;
    gap_backward_relu(dx, dy, x, R, in.c, in.h, in.w);
}

const layer_kind layer_gap = {
    .name = "gap", .parse = parse, .out_dims = out_dims, .size = layer_no_params, .macs = layer_no_macs,
    .scratch = layer_no_scratch, .grad_scratch = layer_no_scratch, .forward = forward,
    .input_grad = input_grad, .input_grad_relu = input_grad_relu, .relu = 0, .dropout = 0, .spatial = 1,
};
