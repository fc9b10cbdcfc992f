/* layer_kind.h - what a kind of layer is: one row of the layer table
 * (layers.c), written by the kind's own file (dense.c, layer_conv.c,
 * layer_pool.c, layer_gap.c). net.c walks the network's layers through
 * their rows, once per layer per batch; nothing else knows what a layer
 * computes. A new kind is its file and one row (appended: a kind's id is
 * its place, and model format 4 stores it).
 *
 * Every row of a batch is one tensor, channels first: C channels of
 * H x W (layer_dims), C * H * W floats; a flat vector of N is N x 1 x 1.
 * A layer has a kind and an argument `arg` (the number of its --layers
 * item: a dense layer's units, a conv layer's channels; 0 for pool and
 * gap). R = rows, IN / OUT = a row's dims in and out.
 *
 * Parameters, flat: `rows` rows of `row` floats (the kernel: the trainer
 * shares its gradient rows out between workers, in tiles), then `tail`
 * floats (the bias: shared out by entries, like the rows). Dense: rows = IN, row = OUT, tail = OUT;
 * conv: rows = 9 C_in, row = C_out, tail = C_out; pool and gap: none.
 *
 * Scratch: each worker of a batch passes its own block of floats, at
 * least `scratch` (forward, input_grad) and `grad_scratch` (kernel_grad)
 * for any R; nothing allocates inside a step.
 */
#ifndef SIAMESE_LAYER_KIND_H
#define SIAMESE_LAYER_KIND_H

#include <stddef.h>

#include "gemm.h"
#include "rng.h"

typedef struct {
    int c, h, w;
} layer_dims;

typedef struct {
    int rows, row, tail;
} layer_size;

/* A layer's dy made a row at a time instead of read from a tensor (the
 * trainer's first layer: net.c makes it from the pool above's record):
 * rows(ctx, r, j0, j1, out) fills out [j1 - j0, OUT's h * w] with row r's
 * channels j0 .. j1-1. */
typedef struct {
    void (*rows)(const void *ctx, int r, int j0, int j1, float *out);
    const void *ctx;
} layer_dy;

typedef struct {
    char name[16];
    /* One item of --layers, s [n] (no comma): 0 with *arg set when it is
     * this kind's and within its limits, else -1. */
    int (*parse)(const char *s, size_t n, int *arg);
    /* *out from the argument and IN: 0, or -1 when IN cannot take this
     * layer (a spatial layer after a flat one, no pixels left). */
    int (*out_dims)(int arg, layer_dims in, layer_dims *out);
    /* The parameters' layout. */
    layer_size (*size)(layer_dims in, layer_dims out);
    /* Multiply-adds of one row's forward pass (bench's floor; a backward
     * pass costs the input gradient's and the kernel gradient's as much
     * again each, when the layer has them). */
    double (*macs)(layer_dims in, layer_dims out);
    /* Floats of scratch per worker: forward and input_grad; kernel_grad. */
    size_t (*scratch)(layer_dims in, layer_dims out);
    size_t (*grad_scratch)(layer_dims in, layer_dims out);
    /* Initial parameters p, drawn from r in a fixed order (NULL: none). */
    void (*init)(float *p, layer_dims in, layer_dims out, rng_t *r);
    /* y [R, OUT] = layer(x [R, IN]) on kernel path k, its ReLU fused
     * when the row has one; p: the layer's parameters, or when the row
     * has prepare_forward, their forward layout. */
    void (*forward)(kernels_path k, float *y, const float *x, const float *p, int R,
                    layer_dims in, layer_dims out, float *scratch);
    /* The layer's parameters p into f [forward_floats], the layout its
     * forward reads (conv: wb transposed, [M, K + 1]), made once for all
     * the rows of a pass (net_prepare_forward). NULL: forward reads p. */
    size_t (*forward_floats)(layer_dims in, layer_dims out);
    void (*prepare_forward)(float *f, const float *p, layer_dims in, layer_dims out);
    /* Kernel rows k0 .. k1-1 of p into t [rows * row], the layout
     * input_grad reads (dense: W^T; conv: W as it is), kept current by the
     * trainer. NULL: no parameters. */
    void (*prepare)(float *t, const float *p, layer_dims in, layer_dims out, int k0, int k1);
    /* dx [R, IN] from dy [R, OUT] (the gradient at the pre-activation), t
     * (prepare's) and the layer's input x [R, IN] (pool re-finds its
     * maxima there). */
    void (*input_grad)(kernels_path k, float *dx, const float *dy, const float *t,
                       const float *x, int R, layer_dims in, layer_dims out, float *scratch);
    /* input_grad with the ReLU backward of the layer below (the one x came
     * from) in the same pass: dx = 0 where x <= 0; the same bits as
     * input_grad then that layer's masking, one pass over dx fewer. NULL:
     * the kind has none (net.c masks separately). */
    void (*input_grad_relu)(kernels_path k, float *dx, const float *dy, const float *t,
                            const float *x, int R, layer_dims in, layer_dims out,
                            float *scratch);
    /* Kernel gradient rows k0 .. k1-1 into dp (the layer's gradient, p's
     * layout), each entry one sum over the R rows in order (and a conv's
     * positions within each row): written, not added, the same bits
     * however the rows are shared out. NULL: no parameters. */
    void (*kernel_grad)(kernels_path k, float *dp, const float *x, const float *dy, int R,
                        layer_dims in, layer_dims out, int k0, int k1, float *scratch);
    /* Entries j0 .. j1-1 of the tail's gradient dtail [tail] (written, each
     * a sum over the rows in order, and a conv's positions within each
     * row): the same bits however the entries are shared out. */
    void (*tail_grad)(float *dtail, const float *dy, int R, layer_dims in, layer_dims out,
                      int j0, int j1);
    /* kernel_grad rows k0 .. k1-1 and tail_grad entries j0 .. j1-1 in one
     * pass over dy, the same bits as the two (conv: the bias read from
     * the weight gradient's transposed dy). NULL: the two calls. */
    void (*grads)(kernels_path k, float *dp, float *dtail, const float *x, const float *dy,
                  int R, layer_dims in, layer_dims out, int k0, int k1, int j0, int j1,
                  float *scratch);
    /* The kernel gradient's columns j0 .. j1-1 of every row and the tail's
     * entries j0 .. j1-1 (a conv's output channels), written, the same
     * bits as grads: for a layer whose every row's work reads all of dy
     * (conv_grads_few), a split by columns reads each part of dy once.
     * by_columns: 1 when it applies to this shape. NULL: never. */
    int (*by_columns)(layer_dims in, layer_dims out);
    void (*column_grads)(kernels_path k, float *dp, float *dtail, const float *x,
                         const float *dy, int R, layer_dims in, layer_dims out, int j0, int j1,
                         float *scratch);
    /* column_grads with dy made by `made` (layer_dy) instead of read. */
    void (*column_grads_made)(kernels_path k, float *dp, float *dtail, const float *x,
                              const layer_dy *made, int R, layer_dims in, layer_dims out,
                              int j0, int j1, float *scratch);
    /* Bytes a row keeps from the forward pass for the backward in
     * training, its record (pool: which tap of each window held the
     * maximum, so the backward does not read x again); NULL: none. The
     * trainer's cache holds R rows of it (net_cache.rec). */
    size_t (*record)(layer_dims in, layer_dims out);
    /* forward, and the rows' records into rec [R, record bytes]. */
    void (*forward_rec)(float *y, unsigned char *rec, const float *x, int R, layer_dims in,
                        layer_dims out);
    /* input_grad (relu 0) or input_grad_relu (relu 1) from the record
     * instead of x: the same bits. */
    void (*input_grad_rec)(float *dx, const float *dy, const unsigned char *rec, int R,
                           layer_dims in, layer_dims out, int relu);
    int relu;    /* 1: its output passed a ReLU (backward masks by it) */
    int dropout; /* 1: dropout follows it in training, unless it is last */
    int spatial; /* 1: it needs H x W (conv, pool, gap): never after a flat
                    layer */
} layer_kind;

/* The kinds' ids: a row's place in layers.c (model format 4 stores them). */
enum { LAYER_DENSE = 0, LAYER_CONV, LAYER_POOL, LAYER_GAP };

/* Kinds in the table; ids are 0 .. layer_kind_count() - 1. */
int layer_kind_count(void);

/* The row of kind id `kind` (< layer_kind_count(), checked by the caller). */
const layer_kind *layer_kind_of(int kind);

#endif
