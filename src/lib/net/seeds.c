/* seeds.c - see seeds.h. */
#include "seeds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed.h"

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

/* The pairs of cold start on each split: streams 1 and 2 as the
 * notebook's pairs. */
static int build_augment_pairs(const dataset_t *ds, uint64_t seed, pairs_t *train,
                               pairs_t *test, sm_err *e)
{
    rng_t r;
    rng_seed(&r, seed, SEED_STREAM_TRAIN_PAIRS);
    if (pairs_build_augment(ds->train.n, &r, train, e) != 0)
        return sm_fail(e, "%s: %s", ds->train.where, e->msg);
    rng_seed(&r, seed, SEED_STREAM_TEST_PAIRS);
    if (pairs_build_augment(ds->test.n, &r, test, e) != 0) {
        pairs_free(train);
        return sm_fail(e, "%s: %s", ds->test.where, e->msg);
    }
    return 0;
}

int seeds_pairs_for_model(const dataset_t *ds, const train_config *cfg, pairs_t *train,
                          pairs_t *test, sm_err *e)
{
    if (cfg->pairs == PAIRS_AUGMENT ? build_augment_pairs(ds, cfg->seed, train, test, e)
                                    : seeds_build_pairs(ds, cfg->seed, train, test, e))
        return -1;
    if (cfg->train_pairs) {
        rng_t r;
        rng_seed(&r, cfg->seed, SEED_STREAM_SUBSET);
        pairs_subset(train, (size_t)cfg->train_pairs, &r);
    }
    return 0;
}

void seeds_holdout(rng_t *r, uint64_t seed)
{
    rng_seed(r, seed, SEED_STREAM_HOLDOUT);
}

int seeds_val_augmented(const split_t *s, const pairs_t *p, const train_config *cfg,
                        split_t *out, pairs_t *outp, sm_err *e)
{
    const size_t P = s->channels * s->rows * s->cols, n = p->n;
    memset(out, 0, sizeof *out);
    memset(outp, 0, sizeof *outp);
    *out = (split_t){.n = 2 * n, .rows = s->rows, .cols = s->cols, .channels = s->channels};
    snprintf(out->where, sizeof out->where, "%s", s->where);
    out->images = malloc(2 * n * P + 1);
    out->labels = calloc(2 * n + 1, sizeof *out->labels);
    uint8_t *tmp = malloc(P + 1);
    outp->left = malloc((n + 1) * sizeof *outp->left);
    outp->right = malloc((n + 1) * sizeof *outp->right);
    outp->same = malloc(n + 1);
    if (!out->images || !out->labels || !tmp || !outp->left || !outp->right || !outp->same) {
        free(tmp);
        split_free(out);
        pairs_free(outp);
        return sm_fail(e, "out of memory for %zu augmented validation pairs", n);
    }
    outp->n = n;
    rng_t r;
    rng_seed(&r, cfg->seed, SEED_STREAM_VAL_AUGMENT);
    uint64_t key = rng_next(&r);
    for (size_t k = 0; k < n; k++) {
        augment_pair_side(out->images + k * P, tmp, s->images, s->channels, s->rows, s->cols,
                          p->left[k], &cfg->augment, key, k, 0);
        augment_pair_side(out->images + (n + k) * P, tmp, s->images, s->channels, s->rows,
                          s->cols, p->right[k], &cfg->augment, key, k, 1);
        outp->left[k] = (uint32_t)k;
        outp->right[k] = (uint32_t)(n + k);
        outp->same[k] = p->same[k];
    }
    free(tmp);
    return 0;
}

int seeds_val_loss(const model_t *m, const dataset_t *ds, int threads, kernels_path k,
                   double *loss, size_t *n, sm_err *e)
{
    pairs_t tr, te, vp;
    split_t vs;
    if (seeds_pairs_for_model(ds, &m->cfg, &tr, &te, e) != 0)
        return -1;
    pairs_free(&tr);
    int rc = seeds_val_augmented(&ds->test, &te, &m->cfg, &vs, &vp, e);
    pairs_free(&te);
    if (rc != 0)
        return -1;
    *n = vp.n;
    rc = mean_loss_for_pairs(loss, m, &vs, &vp, threads, k, NULL, e);
    split_free(&vs);
    pairs_free(&vp);
    return rc;
}
