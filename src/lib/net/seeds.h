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
#include "model.h"
#include "pairs.h"
#include "seed_streams.h"

/* Builds the training and test pairs of ds for seed. Returns 0 or -1 with e
 * set (nothing to free then). */
int seeds_build_pairs(const dataset_t *ds, uint64_t seed, pairs_t *train, pairs_t *test,
                      sm_err *e);

/* The pairs a model was trained and is evaluated on: seeds_build_pairs
 * for cfg->seed, then the training pairs cut to the cfg->train_pairs
 * subset (SEED_STREAM_SUBSET) when it is set. Every command that needs a
 * model's pairs calls this. */
int seeds_pairs_for_model(const dataset_t *ds, const train_config *cfg, pairs_t *train,
                          pairs_t *test, sm_err *e);

#endif
