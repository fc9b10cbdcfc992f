/* seeds.c - see seeds.h. */
#include "seeds.h"

int seeds_build_pairs(const dataset_t *ds, uint64_t seed, pairs_t *train, pairs_t *test,
                      sm_err *e)
{
    rng_t r;
    rng_seed(&r, seed, SEED_STREAM_TRAIN_PAIRS);
    if (pairs_build(ds->train.labels, ds->train.n, ds->classes.n, &r, train, e) != 0)
        return -1;
    rng_seed(&r, seed, SEED_STREAM_TEST_PAIRS);
    if (pairs_build(ds->test.labels, ds->test.n, ds->classes.n, &r, test, e) != 0) {
        pairs_free(train);
        return -1;
    }
    return 0;
}

int seeds_pairs_for_model(const dataset_t *ds, const train_config *cfg, pairs_t *train,
                          pairs_t *test, sm_err *e)
{
    if (seeds_build_pairs(ds, cfg->seed, train, test, e) != 0)
        return -1;
    if (cfg->train_pairs) {
        rng_t r;
        rng_seed(&r, cfg->seed, SEED_STREAM_SUBSET);
        pairs_subset(train, (size_t)cfg->train_pairs, &r);
    }
    return 0;
}
