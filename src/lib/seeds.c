/* seeds.c - see seeds.h. */
#include "seeds.h"

int seeds_build_pairs(const dataset_t *ds, uint64_t seed, pairs_t *train, pairs_t *test,
                      sm_err *e)
{
    rng_t r;
    rng_seed(&r, seed, SEED_STREAM_TRAIN_PAIRS);
    if (pairs_build(ds->train.labels, ds->train.n, DATASET_CLASSES, &r, train, e) != 0)
        return -1;
    rng_seed(&r, seed, SEED_STREAM_TEST_PAIRS);
    if (pairs_build(ds->test.labels, ds->test.n, DATASET_CLASSES, &r, test, e) != 0) {
        pairs_free(train);
        return -1;
    }
    return 0;
}
