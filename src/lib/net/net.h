/* net.h - the shared base network of the Siamese model, L layers, each of
 * a kind from the layer table (layer_kind.h: dense, conv, pool, gap):
 *   x [R, IN] -> layer 0 (ReLU) -> ... -> layer L-1 (ReLU)
 *             -> embedding [R, H], H = the last layer's outputs
 * dense and conv layers end in a ReLU, pool and gap need none; dropout
 * follows every dense layer but the network's last (training only).
 * A row is a tensor C x H x W, channels first (the input: 1 grey or 3 RGB
 * channels of the image); spatial layers (conv, pool, gap) come before
 * any dense one, and a dense layer reads its input flat, in C, H, W order.
 * The notebook's network is IN = 784, L = 3, dense widths 128,128,128
 * (133,504 parameters).
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
#include "layer_kind.h"
#include "rng.h"

#define NET_MAX_LAYERS 16
#define NET_MAX_WIDTH 4096
/* A conv layer's channels, 1..NET_MAX_CHANNELS. */
#define NET_MAX_CHANNELS 1024
/* Floats of one row's activations, all layers together (the trainer keeps
 * them and their gradients for every row of a batch). */
#define NET_MAX_ROW_FLOATS ((size_t)1 << 24)
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
    int in_c, in_h, in_w;       /* IN as channels x height x width (1 grey
                                   or 3 RGB); all 0: a flat IN x 1 x 1 */
} net_shape;

/* The input's dims: in_c x in_h x in_w, or IN x 1 x 1 when unset. */
layer_dims net_input_dims(net_shape s);

/* Layer l's input and output dims (IN for l = 0, else layer l-1's out). */
layer_dims net_layer_in_dims(net_shape s, int layer);
layer_dims net_layer_out_dims(net_shape s, int layer);

/* Sets s->in and s->in_c, in_h, in_w from an input of c x h x w. */
void net_set_input(net_shape *s, int c, int h, int w);

/* 0 when every layer of s fits the one before it and the activations fit
 * NET_MAX_ROW_FLOATS, else -1 with e naming the --layers item that does
 * not fit and why ("item 6 'pool': 1 x 1 pixels has none left to pool"). */
int net_check_shape(net_shape s, sm_err *e);

/* Layer l's --layers item: "128", "conv32", "pool", "gap". */
void net_item_name(net_shape s, int layer, char *buf, size_t n);

/* 1 when the network has a spatial layer (conv, pool, gap): its input's
 * height and width matter, not only IN. */
int net_is_spatial(net_shape s);

/* Multiply-adds of one row's forward pass, and of a training step's
 * backward pass, per row (bench's physical floor). */
double net_forward_macs(net_shape s);
double net_backward_macs(net_shape s);

/* Rows net_forward and net_backward_rows take through the layers at a
 * time (a chunk's widest activation about 1 MB; 8 for conv32 on 28 x 28,
 * the whole batch for the notebook's dense net). */
int net_chunk_rows(net_shape s);

/* Multiply-adds of layer l's kernel gradient per row (0: no parameters):
 * the trainer's estimate of a layer's share of phase 2. */
double net_kernel_grad_macs(net_shape s, int layer);

/* Parses a --layers list, items separated by commas ("128,128,128",
 * "conv32,pool,conv64,gap,128"), each taken by the first kind whose row
 * accepts it, into out's layers, kinds and widths (out's input is left
 * unset). Returns 0, or -1 with e naming the item when an item is no
 * kind's or a spatial item follows a dense one, or when there are more
 * than NET_MAX_LAYERS (out untouched). Whether the shapes fit an input is net_check_shape's. */
int net_parse_layers(const char *s, net_shape *out, sm_err *e);

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

/* Activations and gradients of a batch of up to max_rows rows, the
 * kernel path (gemm.h) every product of the network runs on, and each
 * worker's scratch (the functions below take the worker's index). */
#define NET_MAX_WORKERS 256
typedef struct {
    net_shape shape;
    int max_rows;
    int workers;
    float *scratch[NET_MAX_WORKERS]; /* [workers] each net_scratch_floats */
    float *local[NET_MAX_WORKERS];   /* [workers] training: a chunk of rows of
                                        the transient outputs, or NULL */
    int dy_on_demand; /* set by the trainer: when layer 0 (a conv on few
                         channels, its gradient by columns) sits below a
                         pool, net_backward_rows leaves g[0] unwritten and
                         net_column_grads makes layer 0's dy from the pool's
                         record an image at a time, in cache: its 26 MB
                         never go to memory. 0: g[0] written (tests read it) */
    kernels_path kernels;     /* a resolved path, never auto */
    float *x;                 /* [R, IN] input */
    float *a[NET_MAX_LAYERS]; /* a[l] [R, out(l)] layer outputs after ReLU (and
                                 dropout); a[L-1] is the embedding. NULL in
                                 training for a layer only the next one's
                                 forward reads (conv before pool: net.c's
                                 transient), whose rows pass through local */
    /* training only (NULL otherwise): */
    float *g[NET_MAX_LAYERS];  /* g[l] [R, out(l)] d(loss)/d(layer l's output),
                                  then, in place, d(loss)/d(its pre-activation) */
    float *wt[NET_MAX_LAYERS]; /* wt[l], l >= 1: the kernel as the input gradient
                                  reads it (dense: W[l]^T [width[l], fan_in(l)]) */
    float *wf[NET_MAX_LAYERS]; /* wf[l]: layer l's parameters in the layout its
                                  forward reads (a conv's wb transposed), or
                                  NULL when its kind reads them as they are */
    int wf_ready;              /* 1: wf holds the parameters net_forward is
                                  given (net_prepare_forward) */
    unsigned char *rec[NET_MAX_LAYERS]; /* rec[l] [R, record bytes] what layer l's
                                  forward keeps for its backward (a pool's taps,
                                  layer_kind.h); NULL when its kind keeps none */
} net_cache;

/* Allocates the activations for up to max_rows rows (64-byte aligned),
 * the gradients when `training`, and scratch for `workers` workers.
 * Returns 0 or -1 with e set. */
int net_cache_init(net_cache *c, net_shape s, int max_rows, kernels_path k, int training,
                   int workers, sm_err *e);

/* Bytes net_cache_init would allocate (the trainer's memory check). */
double net_cache_bytes(net_shape s, int max_rows, int training, int workers);

/* Fills c->wf from params and sets c->wf_ready: every net_forward on c
 * then reads them until net_forget_forward. A cache that several workers
 * share (the trainer's) is prepared so, once, before they run; on a
 * cache of one worker net_forward fills them itself, once a call. */
void net_prepare_forward(net_cache *c, const float *params);

/* Clears c->wf_ready: the parameters are about to change. */
void net_forget_forward(net_cache *c);

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
void net_forward(const float *params, net_cache *c, int r0, int R, const net_dropout *drop,
                 int worker);

/* The embedding of the last net_forward: c->a[L-1] [R, H]. */
float *net_embedding(const net_cache *c);

/* The backward pass of rows r0 .. r0+R-1, after the caller wrote
 * d(loss)/d(embedding) into those rows of c->g[L-1]: fills the same rows
 * of every c->g[l] with d(loss)/d(pre-activation of layer l). `rate` is
 * the forward pass's (0 for evaluation mode); c->wt must hold the
 * parameters' transposes (net_transpose). */
void net_backward_rows(net_cache *c, int r0, int R, float rate, int worker);

/* c->wt[l] from kernel rows k0 .. k1-1 of layer l, from params (l >= 1;
 * a no-op for l = 0, whose input gradient is never needed). */
void net_transpose(net_cache *c, const float *params, int l, int k0, int k1);

/* After net_backward_rows of all R rows: rows k0 .. k1-1 (of
 * net_kernel_rows) of layer l's kernel gradient, into grads (flat,
 * params' layout), each entry a sum over the R rows in order. */
void net_weight_grads(const net_cache *c, float *grads, int l, int R, int k0, int k1,
                      int worker);

/* Same, entries j0 .. j1-1 of layer l's tail (bias) gradient. */
void net_bias_grads(const net_cache *c, float *grads, int l, int R, int j0, int j1);

/* Both: kernel rows k0 .. k1-1 and tail entries j0 .. j1-1 of layer l's
 * gradient, in one pass where the layer's kind has one (the same bits as
 * net_weight_grads then net_bias_grads). */
void net_layer_grads(const net_cache *c, float *grads, int l, int R, int k0, int k1, int j0,
                     int j1, int worker);

/* 1 when layer l's gradient is shared out by columns (net_column_grads):
 * the first layer (it keeps no transposed copy, net_transpose) when its
 * kind says so for its shape (a conv on 1 to 3 input channels). */
int net_by_columns(net_shape s, int l);

/* For net_by_columns: columns j0 .. j1-1 of every kernel row of layer l's
 * gradient and its tail entries j0 .. j1-1, into grads (the same bits as
 * net_layer_grads); with c->dy_on_demand, from dy made on the way. */
void net_column_grads(const net_cache *c, float *grads, int l, int R, int j0, int j1,
                      int worker);

#endif
