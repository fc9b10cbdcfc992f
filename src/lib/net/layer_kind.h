/* layer_kind.h - what a kind of layer is: one row of the layer table
 * (layers.c), written by the kind's own file (dense.c). net.c walks the
 * network's layers through their rows, once per layer per batch; nothing
 * else knows what a layer computes. A new kind is its file and one row
 * (and, to be saved, its fields in the model file: formats 1 to 3 hold
 * dense layers only, as their widths table).
 *
 * A layer has a kind and an argument `arg` (the number of its --layers
 * item: a dense layer's width). R = rows, IN = floats per row in, OUT =
 * floats per row out (out_size). Every layer's output passes a ReLU
 * (dense fuses it into its product); net.c does the ReLU's and dropout's
 * backward.
 *
 * Parameters, flat: `rows` rows of `row` floats (the kernel: the trainer
 * shares its gradient rows out between workers, in tiles), then `tail`
 * floats (the bias: one worker's). Dense: rows = IN, row = OUT, tail = OUT.
 */
#ifndef SIAMESE_LAYER_KIND_H
#define SIAMESE_LAYER_KIND_H

#include <stddef.h>

#include "gemm.h"
#include "rng.h"

typedef struct {
    int rows, row, tail;
} layer_size;

typedef struct {
    char name[16];
    /* One item of --layers, s [n] (no comma): 0 with *arg set when it is
     * this kind's and within its limits, else -1. */
    int (*parse)(const char *s, size_t n, int *arg);
    /* OUT from the argument and IN. */
    int (*out_size)(int arg, int in);
    /* The parameters' layout for IN -> OUT. */
    layer_size (*size)(int in, int out);
    /* Initial parameters p, drawn from r in a fixed order. */
    void (*init)(float *p, int in, int out, rng_t *r);
    /* y [R, OUT] = relu(layer(x [R, IN])) on kernel path k. */
    void (*forward)(kernels_path k, float *y, const float *x, const float *p, int R, int in,
                    int out);
    /* Kernel rows k0 .. k1-1 of p into t [rows * row], the layout
     * input_grad reads (dense: W^T), kept current by the trainer. */
    void (*prepare)(float *t, const float *p, int in, int out, int k0, int k1);
    /* dx [R, IN] from dy [R, OUT] (the gradient at the pre-activation). */
    void (*input_grad)(kernels_path k, float *dx, const float *dy, const float *t, int R,
                       int in, int out);
    /* Kernel gradient rows k0 .. k1-1 into dp (the layer's gradient, p's
     * layout), each entry one sum over the R rows in order: written, not
     * added, the same bits however the rows are shared out. */
    void (*kernel_grad)(kernels_path k, float *dp, const float *x, const float *dy, int R,
                        int in, int out, int k0, int k1);
    /* The tail's gradient dtail [tail] (written, rows added in order). */
    void (*tail_grad)(float *dtail, const float *dy, int R, int in, int out);
} layer_kind;

/* The kinds' ids: a row's place in layers.c. */
enum { LAYER_DENSE = 0 };

/* Kinds in the table; ids are 0 .. layer_kind_count() - 1. */
int layer_kind_count(void);

/* The row of kind id `kind` (< layer_kind_count(), checked by the caller). */
const layer_kind *layer_kind_of(int kind);

#endif
