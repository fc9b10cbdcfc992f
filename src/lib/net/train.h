/* train.h - the training loop of the Siamese model.
 *
 * One step takes B pairs into one batch of 2B rows: left images in rows
 * 0..B-1, right images in rows B..2B-1 (pair k is rows k and B+k). A step
 * is two phases on the T worker threads, each split by outputs, never by
 * a sum:
 *   1. rows: units of pairs (net_chunk_rows of them, at most B / T),
 *      taken in turn by the workers as they become free: a unit's rows
 *      are gathered, run through the network forward (dropout drawn per
 *      row, activation.h), the head and its backward, and the network's
 *      backward down to every layer's pre-activation gradient. A pair's
 *      numbers do not depend on the unit or worker that computes them.
 *   2. parameters: the layers' parameters in units (grad_unit): a whole
 *      layer, or a part of its kernel rows and bias entries when the
 *      layer is more than its share of the work (a first conv layer on 1
 *      to 3 channels: a part of its output channels, net_by_columns), and
 *      the head's parameters. Workers take the units in turn, largest
 *      first, as they become free; each computes its parameters'
 *      gradients as sums over all 2B rows in row order, applies RMSprop to
 *      them and refreshes their transposes. A unit's numbers do not depend
 *      on the worker that runs it, and a whole layer reads (and, for a
 *      conv, transposes) its gradient once instead of once a worker.
 * The loss is summed over the B pairs in order between the phases. On the
 * exact kernel paths (gemm.h) every number of a step is then the same
 * sequence of operations whatever T and whatever the CPU: the model file
 * does not depend on the thread count or the machine. (The openblas path
 * rounds by a row's place in a product, so there it depends on T.)
 *
 * Pairs are shuffled at the start of every epoch with the model's RNG;
 * each step draws one dropout seed from it. With augmented pairs (cold
 * start), each side of pair k is its image augmented by a generator keyed
 * by the epoch's shuffle seed, k and the side (augment_pair_side), so the
 * images do not depend on the worker that makes them. Nothing is
 * allocated inside the loop.
 */
#ifndef SIAMESE_TRAIN_H
#define SIAMESE_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "err.h"
#include "gemm.h"
#include "model.h"
#include "net.h"
#include "pairs.h"
#include "pool.h"

/* The most a step's activations, gradients and scratch may take: a
 * message, never an out-of-memory kill. */
#define TRAIN_MAX_CACHE_BYTES (8.0 * 1073741824.0)

/* One unit of phase 2: part `part` of `parts` of layer `layer`'s
 * parameters (its kernel rows and tail entries, or its columns when it
 * goes by columns); layer -1: the head's parameters. */
typedef struct {
    int layer, part, parts;
} grad_unit;

typedef struct {
    const split_t *split; /* images the pairs index */
    const pairs_t *pairs;
    int batch;            /* B */
    int threads;          /* T */
    kernels_path kernels; /* resolved */
    pool_t *pool;
    net_cache cache;      /* 2B rows */
    float *grads;         /* [n_params], written in full by phase 2 */
    float *dist, *dd;     /* [B] */
    float *sq;            /* [B * head_cache_floats] the head's cache */
    uint8_t *same;        /* [B] */
    uint32_t *rows;       /* [2B] image index of each batch row */
    uint32_t *order;      /* [n pairs] this epoch's order */
    int *nonfinite;       /* [T] worker i's parameters went NaN/inf */
    grad_unit *units;     /* [n_units] phase 2's units, largest first */
    int n_units;
    _Atomic int next_unit; /* the next unit a free worker takes */
    size_t first, count;  /* the running step: pairs order[first .. first + count) */
    uint64_t drop_seed;   /* the running step's dropout seed */
    /* Augmented pairs (cfg.pairs PAIRS_AUGMENT; else NULL): each step's
     * 2B images as augmented, rows as in the batch, and each worker's
     * scratch image. */
    uint8_t *aug;         /* [2B, P] */
    uint8_t *aug_tmp;     /* [T, P] */
    uint32_t *ident;      /* [2B] 0, 1, ..., 2B - 1 */
    model_t *m;           /* the model of the running step */
    int dead;             /* the last validation: every embedding all zero */
} trainer_t;

/* Called after every step with the steps done, the steps of the epoch and
 * the mean loss so far. A non-zero return stops the epoch early. */
typedef int (*train_progress_fn)(void *ctx, size_t step, size_t steps, double mean_loss);

/* Sets up T >= 1 workers for model m on pairs of split, on kernel path k
 * (auto: the best own path of this CPU; -1 with e set when the CPU cannot
 * run k). */
int trainer_init(trainer_t *t, const model_t *m, const split_t *split, const pairs_t *pairs,
                 int threads, kernels_path k, sm_err *e);
void trainer_free(trainer_t *t);

/* Steps in one epoch: ceil(pairs / B). */
size_t trainer_steps(const trainer_t *t);

/* Runs one epoch on m (params, velocity, rng). Returns 0 with *mean_loss
 * the mean pair loss of the epoch; 1 when progress asked to stop (m then
 * holds a finished step, *steps_done says how many); -1 with e set when the
 * loss became NaN or infinite (the step that produced it is not applied)
 * or a step left a parameter or optimizer entry NaN or infinite (m is then
 * unusable: do not save it). */
int trainer_epoch(trainer_t *t, model_t *m, train_progress_fn progress, void *ctx,
                  double *mean_loss, size_t *steps_done, sm_err *e);

/* *loss = mean loss of m over pairs p of split s in evaluation mode (no
 * dropout): distances_for_pairs (embed.h) on the trainer's threads and
 * kernels, then the losses summed in pair order; t->dead = whether every
 * embedding was zero. Returns 0, or -1 with e set on no memory. */
int trainer_mean_loss(trainer_t *t, const model_t *m, const split_t *s, const pairs_t *p,
                      double *loss, sm_err *e);

#endif
