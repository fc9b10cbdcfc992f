/* seeds.h - how one --seed feeds every random choice of a run.
 *
 * Each use draws from its own stream of the same seed, so e.g. the pairs do
 * not change when the training draws more or fewer numbers, and a model
 * file's seed is enough to rebuild its exact pairs.
 */
#ifndef SIAMESE_SEEDS_H
#define SIAMESE_SEEDS_H

#include <stdint.h>

#include "dataset.h"
#include "err.h"
#include "gemm.h"
#include "model.h"
#include "pairs.h"
#include "seed_streams.h"

/* Builds the training and test pairs of ds for seed (the notebook's, by
 * class). Returns 0 or -1 with e
 * set (nothing to free then). */
int seeds_build_pairs(const dataset_t *ds, uint64_t seed, pairs_t *train, pairs_t *test,
                      sm_err *e);

/* The pairs a model was trained and is evaluated on: seeds_build_pairs
 * for cfg->seed (with cfg->pairs PAIRS_AUGMENT, pairs_build_augment on
 * each split's image count, drawing from the same streams), then the training pairs cut to the cfg->train_pairs
 * subset (SEED_STREAM_SUBSET) when it is set. Every command that needs a
 * model's pairs calls this. */
int seeds_pairs_for_model(const dataset_t *ds, const train_config *cfg, pairs_t *train,
                          pairs_t *test, sm_err *e);

/* The generator that picks the tenth of a plain folder held out
 * (data_options.holdout) for seed. */
void seeds_holdout(rng_t *r, uint64_t seed);

/* The validation pairs of a model trained with augmented pairs, made
 * once: out [2n images] holds, for pair k of p (n pairs of s), its left
 * image augmented at k and its right image at n + k, each by
 * augment_pair_side with the key next() of the generator (cfg->seed,
 * SEED_STREAM_VAL_AUGMENT); outp pairs (k, n + k) with p's labels. So
 * the validation loss is the same at every epoch and in eval. 0, or -1
 * with e set (nothing to free then). */
int seeds_val_augmented(const split_t *s, const pairs_t *p, const train_config *cfg,
                        split_t *out, pairs_t *outp, sm_err *e);

/* The validation loss of a model trained with augmented pairs on data ds
 * (its test split): *loss over the *n pairs of seeds_val_augmented, on
 * `threads` threads and path k. 0, or -1 with e set. */
int seeds_val_loss(const model_t *m, const dataset_t *ds, int threads, kernels_path k,
                   double *loss, size_t *n, sm_err *e);

#endif
