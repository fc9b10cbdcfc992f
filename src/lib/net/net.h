/* net.h - the shared base network of the Siamese model, L layers, each of
 * a kind from the layer table (layer_kind.h; today dense only):
 *   x [R, IN] -> layer 0, ReLU -> Dropout -> ... -> layer L-1, ReLU
 *             -> embedding [R, H], H = the last layer's outputs
 * dropout after every layer but the last (training only). The notebook's
 * network is IN = 784, L = 3, dense widths 128,128,128 (133,504
 * parameters).
 *
 * All parameters live in one flat buffer, gradients in a second of the same
 * layout: for each layer l, its kernel rows then its tail (dense: the
 * kernel [fan_in, width[l]], Keras's [in, out] layout, fan_in = IN for
 * l = 0, else the outputs of layer l-1; then the bias [width[l]]). The
 * optimizer, the model file and the gradient checks each see one array.
 * Every function here looks a layer's row up once per layer and call.
 */
#ifndef SIAMESE_NET_H
#define SIAMESE_NET_H

#include <stddef.h>

#include <stdint.h>

#include "err.h"
#include "gemm.h"
#include "rng.h"

#define NET_MAX_LAYERS 8
#define NET_MAX_WIDTH 4096
/* The notebook's: three layers of 128. */
#define NET_DEFAULT_LAYERS 3
#define NET_DEFAULT_WIDTH 128

typedef struct {
    int in;                     /* IN */
    int layers;                 /* L, 1..NET_MAX_LAYERS */
    int width[NET_MAX_LAYERS];  /* width[l] = layer l's argument (a dense
                                   layer's outputs); 0 past L */
    int kind[NET_MAX_LAYERS];   /* LAYER_* (layer_kind.h); 0 = dense, so a
                                   shape that names widths only is dense */
} net_shape;

/* Parses a --layers list, items separated by commas ("128,128,128"), each
 * taken by the first kind whose row accepts it, into out's layers, kinds
 * and widths (out->in is left 0). Returns 0, or -1 when an item is no
 * kind's or there are more than NET_MAX_LAYERS (out untouched). */
int net_parse_layers(const char *s, net_shape *out);

/* Kinds of layer there are: net_shape.kind is 0 .. this - 1. */
int net_kind_count(void);

/* Outputs per row of layer l (a dense layer's: width[l]). */
int net_layer_out(net_shape s, int layer);

/* IN inputs, then the notebook's three layers of 128. */
net_shape net_shape_default(int in);

/* H = net_layer_out(s, L-1), the embedding width. */
int net_out(net_shape s);

/* The widest layer (scratch buffers). */
int net_max_width(net_shape s);

/* 1 when a and b are the same architecture. */
int net_shape_equal(net_shape a, net_shape b);

/* Named views into a flat buffer of net_param_count() floats. */
typedef struct {
    float *w[NET_MAX_LAYERS]; /* w[l] layer l's kernel rows (dense: [fan_in(l), width[l]]) */
    float *b[NET_MAX_LAYERS]; /* b[l] its tail (dense: the bias [width[l]]) */
} net_views;

/* Layer l's kernel rows (their gradient is shared out between the
 * trainer's workers), floats per row, and tail floats (dense: fan_in,
 * width, width). */
int net_kernel_rows(net_shape s, int layer);
size_t net_row_floats(net_shape s, int layer);
size_t net_tail_floats(net_shape s, int layer);

/* Floats in the flat buffer: sum over layers of rows * row + tail. */
size_t net_param_count(net_shape s);

/* Points the views of v into flat (params or grads: same layout). */
void net_point(net_views *v, float *flat, net_shape s);

/* Each layer's initial parameters, layer 0 first (dense: Glorot-uniform
 * kernels, limit sqrt(6 / (fan_in + fan_out)), zero biases). */
void net_init(float *params, net_shape s, rng_t *r);

/* Inputs of layer l: IN for l = 0, else the outputs of layer l-1. */
int net_fan_in(net_shape s, int layer);

/* Activations and gradients of a batch of up to max_rows rows, and the
 * kernel path (gemm.h) every product of the network runs on. */
typedef struct {
    net_shape shape;
    int max_rows;
    kernels_path kernels;     /* a resolved path, never auto */
    float *x;                 /* [R, IN] input */
    float *a[NET_MAX_LAYERS]; /* a[l] [R, out(l)] layer outputs after ReLU (and
                                 dropout); a[L-1] is the embedding */
    /* training only (NULL otherwise): */
    float *g[NET_MAX_LAYERS];  /* g[l] [R, out(l)] d(loss)/d(layer l's output),
                                  then, in place, d(loss)/d(its pre-activation) */
    float *wt[NET_MAX_LAYERS]; /* wt[l], l >= 1: the kernel as the input gradient
                                  reads it (dense: W[l]^T [width[l], fan_in(l)]) */
} net_cache;

/* Allocates the activations for up to max_rows rows (64-byte aligned), and
 * the gradients when `training`. Returns 0 or -1 with e set. */
int net_cache_init(net_cache *c, net_shape s, int max_rows, kernels_path k, int training,
                   sm_err *e);

/* Frees c; safe on a zeroed or already freed cache. */
void net_cache_free(net_cache *c);

/* Training mode: dropout at `rate` after every layer but the last, row r
 * of layer l drawing from stream (l << 32) + r of seed (activation.h). */
typedef struct {
    float rate;
    uint64_t seed;
} net_dropout;

/* Embeds rows r0 .. r0+R-1 of c->x into the same rows of c->a[L-1].
 * Training mode when drop is not NULL, evaluation mode (no dropout)
 * otherwise. A row's result depends on nothing but the row (and, in
 * training, its index): any split of the rows between threads gives the
 * same bits on the exact paths. */
void net_forward(const float *params, net_cache *c, int r0, int R, const net_dropout *drop);

/* The embedding of the last net_forward: c->a[L-1] [R, H]. */
float *net_embedding(const net_cache *c);

/* The backward pass of rows r0 .. r0+R-1, after the caller wrote
 * d(loss)/d(embedding) into those rows of c->g[L-1]: fills the same rows
 * of every c->g[l] with d(loss)/d(pre-activation of layer l). `rate` is
 * the forward pass's (0 for evaluation mode); c->wt must hold the
 * parameters' transposes (net_transpose). */
void net_backward_rows(net_cache *c, int r0, int R, float rate);

/* c->wt[l] from kernel rows k0 .. k1-1 of layer l, from params (l >= 1;
 * a no-op for l = 0, whose input gradient is never needed). */
void net_transpose(net_cache *c, const float *params, int l, int k0, int k1);

/* After net_backward_rows of all R rows: rows k0 .. k1-1 (of
 * net_kernel_rows) of layer l's kernel gradient, into grads (flat,
 * params' layout), each entry a sum over the R rows in order. */
void net_weight_grads(const net_cache *c, float *grads, int l, int R, int k0, int k1);

/* Same, layer l's tail (bias) gradient. */
void net_bias_grads(const net_cache *c, float *grads, int l, int R);

#endif
