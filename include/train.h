/* train.h - the training loop of the Siamese model.
 *
 * One step takes B pairs. Each of the T worker threads takes a contiguous
 * share of them, gathers both sides into its own [2b, P] batch (left images
 * in rows 0..b-1, right images in rows b..2b-1), runs the shared network
 * once on all 2b rows, the distance head and the contrastive loss (as a
 * mean over all B pairs) and back again into its own gradient buffer. Then
 * the workers add the T gradient buffers in a fixed order and apply RMSprop,
 * each to its own range of the flat parameter buffer. Splitting the batch
 * beats OpenBLAS's own threading on these small matrices; results depend on
 * T but never on timing (same seed and T, same bits).
 *
 * Pairs are shuffled at the start of every epoch with the model's RNG; each
 * step draws one seed per worker from it for that worker's dropout masks.
 * Nothing is allocated inside the loop.
 */
#ifndef SIAMESE_TRAIN_H
#define SIAMESE_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "err.h"
#include "model.h"
#include "net.h"
#include "pairs.h"
#include "pool.h"

/* One worker's buffers; b = its share of a batch (at most ceil(B / T)). */
typedef struct {
    net_cache cache;       /* 2b rows */
    float *grads;          /* [n_params] */
    float *dout;           /* [2b, H] gradient w.r.t. the embeddings */
    float *dist, *dd;      /* [b] */
    float *sq;             /* [b * HEAD_CACHE] the head's cache */
    uint8_t *same;         /* [b] */
    uint32_t *rows;        /* [2b] image index of each batch row */
    rng_t rng;             /* this step's dropout stream */
    size_t first, count;   /* its pairs: order[first .. first + count) */
    double loss;           /* sum of its pairs' losses this step */
    int nonfinite;         /* its parameter range went NaN/inf this step */
} train_worker;

typedef struct {
    const split_t *split; /* images the pairs index */
    const pairs_t *pairs;
    int batch;            /* B */
    int threads;          /* T */
    pool_t *pool;
    train_worker *w;      /* [T] */
    uint32_t *order;      /* [n pairs] this epoch's order */
    model_t *m;           /* the model of the running step */
    /* validation scratch, used by trainer_mean_loss */
    const split_t *vsplit;
    float *emb;
    uint8_t *used;
    int dead;             /* the last validation: every embedding all zero */
} trainer_t;

/* Called after every step with the steps done, the steps of the epoch and
 * the mean loss so far. A non-zero return stops the epoch early. */
typedef int (*train_progress_fn)(void *ctx, size_t step, size_t steps, double mean_loss);

/* Sets up T >= 1 workers for model m on pairs of split. OpenBLAS is set to
 * one thread per call (the workers are the parallelism). */
int trainer_init(trainer_t *t, const model_t *m, const split_t *split, const pairs_t *pairs,
                 int threads, sm_err *e);
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

/* *loss = mean contrastive loss of m over pairs p of split s in evaluation
 * mode (no dropout), each distinct image embedded once, by all workers;
 * dist [p->n] receives the distances. Returns 0, or -1 with e set on no
 * memory. */
int trainer_mean_loss(trainer_t *t, const model_t *m, const split_t *s, const pairs_t *p,
                      float *dist, double *loss, sm_err *e);

#endif
