/* net.c - the shared base network; see net.h.
 * R = rows (both sides of every pair), IN = input pixels, H = hidden width.
 */
#include "net.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "activation.h"
#include "dense.h"

static int fan_in(net_shape s, int layer)
{
    return layer == 0 ? s.in : s.hidden;
}

size_t net_param_count(net_shape s)
{
    size_t h = (size_t)s.hidden;
    return (size_t)s.in * h + h + 2 * (h * h + h);
}

void net_point(net_views *v, float *flat, net_shape s)
{
    for (int l = 0; l < NET_LAYERS; l++) {
        v->w[l] = flat;
        flat += (size_t)fan_in(s, l) * s.hidden;
        v->b[l] = flat;
        flat += s.hidden;
    }
}

void net_init(float *params, net_shape s, rng_t *r)
{
    net_views v;
    net_point(&v, params, s);
    for (int l = 0; l < NET_LAYERS; l++) {
        size_t n = (size_t)fan_in(s, l) * s.hidden;
        float limit = sqrtf(6.0f / (float)(fan_in(s, l) + s.hidden));
        for (size_t i = 0; i < n; i++)
            v.w[l][i] = (2.0f * rng_float(r) - 1.0f) * limit;
        memset(v.b[l], 0, (size_t)s.hidden * sizeof(float));
    }
}

void net_cache_free(net_cache *c)
{
    free(c->x);
    for (int l = 0; l < NET_LAYERS; l++)
        free(c->a[l]);
    free(c->grad_a);
    free(c->grad_b);
    memset(c, 0, sizeof *c);
}

/* 64-byte aligned buffer of n floats (cache lines, AVX-512 loads). */
static float *alloc_floats(size_t n)
{
    size_t bytes = (n * sizeof(float) + 63) & ~(size_t)63;
    return aligned_alloc(64, bytes ? bytes : 64);
}

int net_cache_init(net_cache *c, net_shape s, int max_rows, sm_err *e)
{
    memset(c, 0, sizeof *c);
    c->shape = s;
    c->max_rows = max_rows;
    size_t rows = (size_t)max_rows, h = (size_t)s.hidden;
    c->x = alloc_floats(rows * (size_t)s.in);
    int ok = c->x != NULL;
    for (int l = 0; l < NET_LAYERS; l++)
        ok &= (c->a[l] = alloc_floats(rows * h)) != NULL;
    ok &= (c->grad_a = alloc_floats(rows * h)) != NULL;
    ok &= (c->grad_b = alloc_floats(rows * h)) != NULL;
    if (!ok) {
        net_cache_free(c);
        return sm_fail(e, "out of memory for activations of %d rows", max_rows);
    }
    return 0;
}

void net_forward(const float *params, net_cache *c, int R, float rate, rng_t *r)
{
    net_shape s = c->shape;
    net_views v;
    net_point(&v, (float *)params, s);
    const float *in = c->x;
    for (int l = 0; l < NET_LAYERS; l++) {
        dense_forward(c->a[l], in, v.w[l], R, fan_in(s, l), s.hidden);
        /* Dropout follows the first two layers only, in training only. */
        if (r && l < NET_LAYERS - 1)
            bias_relu_dropout_forward(c->a[l], v.b[l], R, s.hidden, rate, r);
        else
            bias_relu_forward(c->a[l], v.b[l], R, s.hidden);
        in = c->a[l];
    }
}

void net_backward(const float *params, float *grads, net_cache *c, float *dout, int R,
                  float rate)
{
    net_shape s = c->shape;
    net_views v, g;
    net_point(&v, (float *)params, s);
    net_point(&g, grads, s);
    const float scale = 1.0f / (1.0f - rate);
    size_t n = (size_t)R * s.hidden;

    /* dout is the gradient w.r.t. a[2]; walk the layers back, turning the
     * gradient of each output into that of its pre-activation in place. */
    float *grad = dout;
    float *spare[2] = {c->grad_a, c->grad_b};
    for (int l = NET_LAYERS - 1; l >= 0; l--) {
        relu_dropout_backward(grad, c->a[l], n, l < NET_LAYERS - 1 ? scale : 1.0f);
        const float *in = l > 0 ? c->a[l - 1] : c->x;
        float *din = l > 0 ? spare[l & 1] : NULL;
        dense_backward(din, g.w[l], g.b[l], grad, in, v.w[l], R, fan_in(s, l), s.hidden);
        grad = din;
    }
}
