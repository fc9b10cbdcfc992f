/* net.h - the shared base network of the Siamese model, L dense layers:
 *   x [R, IN] -> Dense w[0], ReLU -> Dropout -> ... -> Dense w[L-1], ReLU
 *             -> embedding [R, H], H = w[L-1]
 * dropout after every layer but the last (training only). The notebook's
 * network is IN = 784, L = 3, widths 128,128,128 (133,504 parameters).
 *
 * All parameters live in one flat buffer, gradients in a second of the same
 * layout: for each layer l, its kernel [fan_in, width[l]] (Keras's [in,
 * out] layout, fan_in = IN for l = 0, else width[l-1]) then its bias
 * [width[l]]. The optimizer, the model file and the gradient checks each
 * see one array.
 */
#ifndef SIAMESE_NET_H
#define SIAMESE_NET_H

#include <stddef.h>

#include "err.h"
#include "rng.h"

#define NET_MAX_LAYERS 8
#define NET_MAX_WIDTH 4096
/* The notebook's: three layers of 128. */
#define NET_DEFAULT_LAYERS 3
#define NET_DEFAULT_WIDTH 128

typedef struct {
    int in;                     /* IN */
    int layers;                 /* L, 1..NET_MAX_LAYERS */
    int width[NET_MAX_LAYERS];  /* width[l] = outputs of layer l; 0 past L */
} net_shape;

/* IN inputs, then the notebook's three layers of 128. */
net_shape net_shape_default(int in);

/* H = width[L-1], the embedding width. */
int net_out(net_shape s);

/* The widest layer (scratch buffers). */
int net_max_width(net_shape s);

/* 1 when a and b are the same architecture. */
int net_shape_equal(net_shape a, net_shape b);

/* Named views into a flat buffer of net_param_count() floats. */
typedef struct {
    float *w[NET_MAX_LAYERS]; /* w[l] [fan_in(l), width[l]] */
    float *b[NET_MAX_LAYERS]; /* b[l] [width[l]] */
} net_views;

/* Floats in the flat buffer: sum over layers of fan_in * width + width. */
size_t net_param_count(net_shape s);

/* Points the views of v into flat (params or grads: same layout). */
void net_point(net_views *v, float *flat, net_shape s);

/* Glorot-uniform kernels (limit sqrt(6 / (fan_in + fan_out))), zero biases. */
void net_init(float *params, net_shape s, rng_t *r);

/* Activations kept for the backward pass, for up to max_rows rows. */
typedef struct {
    net_shape shape;
    int max_rows;
    float *x;             /* [R, IN] input */
    float *a[NET_MAX_LAYERS]; /* a[l] [R, width[l]] layer outputs after ReLU (and
                                 dropout); a[L-1] is the embedding */
    float *grad_a;            /* [R, max width] scratch: gradient w.r.t. a layer output */
    float *grad_b;            /* [R, max width] scratch */
} net_cache;

/* Allocates the activations for up to max_rows rows (64-byte aligned).
 * Returns 0 or -1 with e set. */
int net_cache_init(net_cache *c, net_shape s, int max_rows, sm_err *e);

/* Frees c; safe on a zeroed or already freed cache. */
void net_cache_free(net_cache *c);

/* Embeds the R rows of c->x into c->a[L-1]. Training mode when r is not
 * NULL: dropout with `rate` after every layer but the last, drawn from r.
 * Evaluation mode (r NULL): no dropout. */
void net_forward(const float *params, net_cache *c, int R, float rate, rng_t *r);

/* The embedding of the last net_forward: c->a[L-1] [R, H]. */
float *net_embedding(const net_cache *c);

/* Adds the parameter gradients for d(loss)/d(embedding) = dout [R, H] into
 * grads (flat, same layout as params). `rate` must be the one of the
 * forward pass (0 for evaluation mode). dout is overwritten. */
void net_backward(const float *params, float *grads, net_cache *c, float *dout, int R,
                  float rate);

#endif
