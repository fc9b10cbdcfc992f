/* net.c - the shared base network; see net.h. Each layer runs through
 * its kind's row (layer_kind.h), looked up once per layer and call.
 * R = rows (both sides of every pair), IN = input pixels, L = layers,
 * M = outputs of layer l, K = its fan-in.
 */
#include "net.h"

#include <stdlib.h>
#include <string.h>

#include "activation.h"
#include "floats.h"
#include "layer_kind.h"

static const layer_kind *kind_of(net_shape s, int layer)
{
    return layer_kind_of(s.kind[layer]);
}

int net_kind_count(void)
{
    return layer_kind_count();
}

int net_fan_in(net_shape s, int layer)
{
    int n = s.in;
    for (int l = 0; l < layer; l++)
        n = kind_of(s, l)->out_size(s.width[l], n);
    return n;
}

int net_layer_out(net_shape s, int layer)
{
    return kind_of(s, layer)->out_size(s.width[layer], net_fan_in(s, layer));
}

/* Layer l's parameter layout. */
static layer_size size_of(net_shape s, int layer)
{
    return kind_of(s, layer)->size(net_fan_in(s, layer), net_layer_out(s, layer));
}

int net_kernel_rows(net_shape s, int layer)
{
    return size_of(s, layer).rows;
}

size_t net_row_floats(net_shape s, int layer)
{
    return (size_t)size_of(s, layer).row;
}

size_t net_tail_floats(net_shape s, int layer)
{
    return (size_t)size_of(s, layer).tail;
}

net_shape net_shape_default(int in)
{
    net_shape s = {in, NET_DEFAULT_LAYERS, {0}, {0}};
    for (int l = 0; l < NET_DEFAULT_LAYERS; l++)
        s.width[l] = NET_DEFAULT_WIDTH;
    return s;
}

int net_out(net_shape s)
{
    return net_layer_out(s, s.layers - 1);
}

int net_max_width(net_shape s)
{
    int m = 0;
    for (int l = 0; l < s.layers; l++)
        m = net_layer_out(s, l) > m ? net_layer_out(s, l) : m;
    return m;
}

int net_shape_equal(net_shape a, net_shape b)
{
    if (a.in != b.in || a.layers != b.layers)
        return 0;
    for (int l = 0; l < a.layers; l++)
        if (a.width[l] != b.width[l] || a.kind[l] != b.kind[l])
            return 0;
    return 1;
}

size_t net_param_count(net_shape s)
{
    size_t n = 0;
    for (int l = 0; l < s.layers; l++) {
        layer_size z = size_of(s, l);
        n += (size_t)z.rows * (size_t)z.row + (size_t)z.tail;
    }
    return n;
}

void net_point(net_views *v, float *flat, net_shape s)
{
    memset(v, 0, sizeof *v);
    for (int l = 0; l < s.layers; l++) {
        layer_size z = size_of(s, l);
        v->w[l] = flat;
        flat += (size_t)z.rows * (size_t)z.row;
        v->b[l] = flat;
        flat += z.tail;
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
    for (int l = 0; l < s.layers; l++)
        kind_of(s, l)->init(v.w[l], net_fan_in(s, l), net_layer_out(s, l), r);
}

void net_cache_free(net_cache *c)
{
    free(c->x);
    for (int l = 0; l < NET_MAX_LAYERS; l++) {
        free(c->a[l]);
        free(c->g[l]);
        free(c->wt[l]);
    }
    memset(c, 0, sizeof *c);
}

int net_cache_init(net_cache *c, net_shape s, int max_rows, kernels_path k, int training,
                   sm_err *e)
{
    memset(c, 0, sizeof *c);
    c->shape = s;
    c->max_rows = max_rows;
    if (k == KERNELS_AUTO)
        kernels_resolve(k, &k, e); /* never fails for auto */
    c->kernels = k;
    size_t rows = (size_t)max_rows;
    c->x = sm_alloc_floats(rows * (size_t)s.in);
    int ok = c->x != NULL;
    for (int l = 0; l < s.layers; l++) {
        size_t M = (size_t)net_layer_out(s, l);
        ok &= (c->a[l] = sm_alloc_floats(rows * M)) != NULL;
        if (training) {
            ok &= (c->g[l] = sm_alloc_floats(rows * M)) != NULL;
            if (l > 0)
                ok &= (c->wt[l] = sm_alloc_floats((size_t)net_kernel_rows(s, l) *
                                               net_row_floats(s, l))) != NULL;
        }
    }
    if (!ok) {
        net_cache_free(c);
        return sm_fail(e, "out of memory for activations of %d rows", max_rows);
    }
    return 0;
}

void net_forward(const float *params, net_cache *c, int r0, int R, const net_dropout *drop)
{
    net_shape s = c->shape;
    net_views v;
    net_point(&v, (float *)params, s);
    for (int l = 0; l < s.layers; l++) {
        int K = net_fan_in(s, l), M = net_layer_out(s, l);
        const float *in = (l == 0 ? c->x : c->a[l - 1]) + (size_t)r0 * K;
        float *out = c->a[l] + (size_t)r0 * M;
        kind_of(s, l)->forward(c->kernels, out, in, v.w[l], R, K, M);
        /* Dropout follows every layer but the last, in training only. */
        if (drop && l < s.layers - 1)
            dropout_forward(out, R, M, drop->rate, drop->seed, ((uint64_t)l << 32) + (uint64_t)r0);
    }
}

void net_backward_rows(net_cache *c, int r0, int R, float rate)
{
    net_shape s = c->shape;
    const float scale = 1.0f / (1.0f - rate);
    /* g[l] holds the gradient w.r.t. a[l]; turn it into that of the
     * pre-activation in place, then pass it down to g[l-1]. */
    for (int l = s.layers - 1; l >= 0; l--) {
        int K = net_fan_in(s, l), M = net_layer_out(s, l);
        float *g = c->g[l] + (size_t)r0 * M;
        relu_dropout_backward(g, c->a[l] + (size_t)r0 * M, (size_t)R * (size_t)M,
                              l < s.layers - 1 ? scale : 1.0f);
        if (l > 0)
            kind_of(s, l)->input_grad(c->kernels, c->g[l - 1] + (size_t)r0 * K, g, c->wt[l], R,
                                      K, M);
    }
}

void net_transpose(net_cache *c, const float *params, int l, int k0, int k1)
{
    if (l == 0)
        return;
    net_views v;
    net_point(&v, (float *)params, c->shape);
    kind_of(c->shape, l)->prepare(c->wt[l], v.w[l], net_fan_in(c->shape, l),
                                  net_layer_out(c->shape, l), k0, k1);
}

void net_weight_grads(const net_cache *c, float *grads, int l, int R, int k0, int k1)
{
    net_views g;
    net_point(&g, grads, c->shape);
    const float *in = l == 0 ? c->x : c->a[l - 1];
    kind_of(c->shape, l)->kernel_grad(c->kernels, g.w[l], in, c->g[l], R,
                                      net_fan_in(c->shape, l), net_layer_out(c->shape, l), k0,
                                      k1);
}

void net_bias_grads(const net_cache *c, float *grads, int l, int R)
{
    net_views g;
    net_point(&g, grads, c->shape);
    kind_of(c->shape, l)->tail_grad(g.b[l], c->g[l], R, net_fan_in(c->shape, l),
                                    net_layer_out(c->shape, l));
}
