/* session.h - one training run of a model on its data, epoch by epoch:
 * the pairs it trains and validates on (seeds_pairs_for_model), the
 * trainer, and the seconds each epoch took. An epoch is two calls:
 * session_steps (the optimizer steps; a caller's progress function can
 * stop it between steps) then session_close (the validation loss, the
 * model's history entry, the model file saved). Whoever drives it prints
 * around these calls; nothing here prints.
 *
 * N = pairs, E = cfg.epochs (the run's target). */
#ifndef SIAMESE_SESSION_H
#define SIAMESE_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "err.h"
#include "gemm.h"
#include "model.h"
#include "pairs.h"
#include "train.h"

typedef struct {
    model_t *m;          /* trained in place; m->epoch = epochs done */
    const dataset_t *ds; /* train split for the steps, test split for validation */
    const char *path;    /* the model file, saved after every epoch */
    pairs_t train, test; /* [N] the model's pairs */
    /* Validation: test and ds->test, or with augmented pairs the test
     * pairs' images augmented once (seeds_val_augmented) and their pairs. */
    split_t val_aug;
    pairs_t val_pairs;
    const split_t *val_split;
    const pairs_t *val;
    trainer_t t;         /* t.dead: the last validation's embeddings were all zero */
    int trainer_live;    /* t is set up (session_drop_trainer frees it early) */
    double *secs;        /* [E] seconds of epoch i + 1, NaN where not known */
    double start;        /* when the running epoch's steps began */
} train_session;

/* Builds the pairs of m's settings, the seconds table and the trainer on
 * `threads` workers and path k, in that order. 0, or -1 with e set; either
 * way session_free releases what was built. */
int session_start(train_session *s, model_t *m, const dataset_t *ds, const char *path,
                  int threads, kernels_path k, sm_err *e);

/* Steps in one epoch: ceil(N / batch). */
size_t session_steps_per_epoch(const train_session *s);

/* The steps of epoch m->epoch + 1 (trainer_epoch): 0 with *loss the
 * epoch's mean training loss; 1 when progress asked to stop (*done steps
 * were applied, m is sound and can be saved); -1 with e set when training
 * diverged (m must not be saved). */
int session_steps(train_session *s, train_progress_fn progress, void *ctx, double *loss,
                  size_t *done, sm_err *e);

/* Closes the epoch whose steps returned 0: *val = the validation loss,
 * the epoch added to m's history, m saved to path, its seconds recorded
 * in secs. 0, or -1 with e set. */
int session_close(train_session *s, double loss, double *val, sm_err *e);

/* Frees the trainer's buffers once the epochs are over (before the
 * threshold is computed, so both are never alive at once). */
void session_drop_trainer(train_session *s);

/* Releases everything session_start built (not m nor ds). */
void session_free(train_session *s);

#endif
