/* net.h - the shared base network of the Siamese model:
 *   x [R, IN] -> Dense H, ReLU -> Dropout -> Dense H, ReLU -> Dropout
 *             -> Dense H, ReLU -> embedding [R, H]
 * IN = 784 and H = 128 in the notebook (133,504 parameters).
 *
 * All parameters live in one flat buffer, gradients in a second of the same
 * layout: w1 [IN, H], b1 [H], w2 [H, H], b2 [H], w3 [H, H], b3 [H]
 * (kernels in Keras's [in, out] layout). The optimizer, the model file and
 * the gradient checks each see one array.
 */
#ifndef SIAMESE_NET_H
#define SIAMESE_NET_H

#include <stddef.h>

#include "err.h"
#include "rng.h"

#define NET_LAYERS 3

typedef struct {
    int in, hidden; /* IN, H */
} net_shape;

/* Named views into a flat buffer of net_param_count() floats. */
typedef struct {
    float *w[NET_LAYERS]; /* w[0] [IN, H], w[1] and w[2] [H, H] */
    float *b[NET_LAYERS]; /* [H] each */
} net_views;

/* Floats in the flat buffer: IN*H + H + 2*(H*H + H) (133,504 here). */
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
    float *a[NET_LAYERS]; /* [R, H] layer outputs after ReLU (and dropout);
                             a[2] is the embedding */
    float *grad_a;        /* [R, H] scratch: gradient w.r.t. a layer output */
    float *grad_b;        /* [R, H] scratch */
} net_cache;

/* Allocates the activations for up to max_rows rows (64-byte aligned).
 * Returns 0 or -1 with e set. */
int net_cache_init(net_cache *c, net_shape s, int max_rows, sm_err *e);

/* Frees c; safe on a zeroed or already freed cache. */
void net_cache_free(net_cache *c);

/* Embeds the R rows of c->x into c->a[2]. Training mode when r is not
 * NULL: dropout with `rate` after the first two layers, drawn from r.
 * Evaluation mode (r NULL): no dropout. */
void net_forward(const float *params, net_cache *c, int R, float rate, rng_t *r);

/* Adds the parameter gradients for d(loss)/d(embedding) = dout [R, H] into
 * grads (flat, same layout as params). `rate` must be the one of the
 * forward pass (0 for evaluation mode). dout is overwritten. */
void net_backward(const float *params, float *grads, net_cache *c, float *dout, int R,
                  float rate);

#endif
