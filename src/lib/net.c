/* net.c - the shared base network; see net.h.
 * R = rows (both sides of every pair), IN = input pixels, L = layers,
 * W = width[l] of layer l, K = its fan-in.
 */
#include "net.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "activation.h"
#include "dense.h"

static int fan_in(net_shape s, int layer)
{
    return layer == 0 ? s.in : s.width[layer - 1];
}

net_shape net_shape_default(int in)
{
    net_shape s = {in, NET_DEFAULT_LAYERS, {0}};
    for (int l = 0; l < NET_DEFAULT_LAYERS; l++)
        s.width[l] = NET_DEFAULT_WIDTH;
    return s;
}

int net_out(net_shape s)
{
    return s.width[s.layers - 1];
}

int net_max_width(net_shape s)
{
    int m = 0;
    for (int l = 0; l < s.layers; l++)
        m = s.width[l] > m ? s.width[l] : m;
    return m;
}

int net_shape_equal(net_shape a, net_shape b)
{
    if (a.in != b.in || a.layers != b.layers)
        return 0;
    for (int l = 0; l < a.layers; l++)
        if (a.width[l] != b.width[l])
            return 0;
    return 1;
}

size_t net_param_count(net_shape s)
{
    size_t n = 0;
    for (int l = 0; l < s.layers; l++)
        n += (size_t)fan_in(s, l) * (size_t)s.width[l] + (size_t)s.width[l];
    return n;
}

void net_point(net_views *v, float *flat, net_shape s)
{
    memset(v, 0, sizeof *v);
    for (int l = 0; l < s.layers; l++) {
        v->w[l] = flat;
        flat += (size_t)fan_in(s, l) * (size_t)s.width[l];
        v->b[l] = flat;
        flat += s.width[l];
    }
}

float *net_embedding(const net_cache *c)
{
    return c->a[c->shape.layers - 1];
}

void net_init(float *params, net_shape s, rng_t *r)
{
    net_views v;
    net_point(&v, params, s);
    for (int l = 0; l < s.layers; l++) {
        size_t n = (size_t)fan_in(s, l) * (size_t)s.width[l];
        float limit = sqrtf(6.0f / (float)(fan_in(s, l) + s.width[l]));
        for (size_t i = 0; i < n; i++)
            v.w[l][i] = (2.0f * rng_float(r) - 1.0f) * limit;
        memset(v.b[l], 0, (size_t)s.width[l] * sizeof(float));
    }
}

void net_cache_free(net_cache *c)
{
    free(c->x);
    for (int l = 0; l < NET_MAX_LAYERS; l++)
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
    size_t rows = (size_t)max_rows, h = (size_t)net_max_width(s);
    c->x = alloc_floats(rows * (size_t)s.in);
    int ok = c->x != NULL;
    for (int l = 0; l < s.layers; l++)
        ok &= (c->a[l] = alloc_floats(rows * (size_t)s.width[l])) != NULL;
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
    for (int l = 0; l < s.layers; l++) {
        dense_forward(c->a[l], in, v.w[l], R, fan_in(s, l), s.width[l]);
        /* Dropout follows every layer but the last, in training only. */
        if (r && l < s.layers - 1)
            bias_relu_dropout_forward(c->a[l], v.b[l], R, s.width[l], rate, r);
        else
            bias_relu_forward(c->a[l], v.b[l], R, s.width[l]);
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

    /* dout is the gradient w.r.t. a[L-1]; walk the layers back, turning the
     * gradient of each output into that of its pre-activation in place. */
    float *grad = dout;
    float *spare[2] = {c->grad_a, c->grad_b};
    for (int l = s.layers - 1; l >= 0; l--) {
        size_t n = (size_t)R * (size_t)s.width[l];
        relu_dropout_backward(grad, c->a[l], n, l < s.layers - 1 ? scale : 1.0f);
        const float *in = l > 0 ? c->a[l - 1] : c->x;
        float *din = l > 0 ? spare[l & 1] : NULL;
        dense_backward(din, g.w[l], g.b[l], grad, in, v.w[l], R, fan_in(s, l), s.width[l]);
        grad = din;
    }
}
