/* train.h - the training loop of the Siamese model.
 *
 * One step takes B pairs, gathers both sides into one [2B, P] batch (left
 * images in rows 0..B-1, right images in rows B..2B-1), runs the shared
 * network once on all 2B rows, the distance head and contrastive loss on
 * the two halves, back again, and applies RMSprop to the flat parameter
 * buffer. Pairs are shuffled at the start of every epoch with the model's
 * RNG. Nothing is allocated inside the loop.
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

typedef struct {
    const split_t *split; /* images the pairs index */
    const pairs_t *pairs;
    int batch;            /* B */
    net_cache cache;      /* 2B rows */
    float *grads;         /* [n_params] */
    float *dout;          /* [2B, H] gradient w.r.t. the embeddings */
    float *dist, *sq, *dd; /* [B] */
    uint8_t *same;        /* [B] labels of the batch */
    uint32_t *order;      /* [n pairs] this epoch's order */
    uint32_t *rows;       /* [2B] image index of each batch row */
} trainer_t;

/* Called after every step with the steps done, the steps of the epoch and
 * the mean loss so far. A non-zero return stops the epoch early. */
typedef int (*train_progress_fn)(void *ctx, size_t step, size_t steps, double mean_loss);

int trainer_init(trainer_t *t, const model_t *m, const split_t *split, const pairs_t *pairs,
                 sm_err *e);
void trainer_free(trainer_t *t);

/* Steps in one epoch: ceil(pairs / B). */
size_t trainer_steps(const trainer_t *t);

/* Runs one epoch on m (params, velocity, rng). Returns 0 with *mean_loss
 * the mean pair loss of the epoch; 1 when progress asked to stop (m then
 * holds a finished step, *steps_done says how many); -1 with e set when the
 * loss became NaN or infinite (the step that produced it is not applied). */
int trainer_epoch(trainer_t *t, model_t *m, train_progress_fn progress, void *ctx,
                  double *mean_loss, size_t *steps_done, sm_err *e);

/* Mean contrastive loss of m over pairs p of split s in evaluation mode
 * (no dropout), each distinct image embedded once. emb must hold
 * [s->n, H] floats and used [s->n] bytes (scratch). */
double pairs_mean_loss(const model_t *m, net_cache *c, const split_t *s, const pairs_t *p,
                       float *emb, uint8_t *used, float *dist);

#endif
