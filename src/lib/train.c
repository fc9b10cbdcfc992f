/* train.c - the training loop; see train.h.
 * B = pairs per step, R = 2B rows, P = pixels, H = embedding width. */
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "contrastive.h"
#include "distance.h"
#include "embed.h"
#include "rmsprop.h"

void trainer_free(trainer_t *t)
{
    net_cache_free(&t->cache);
    free(t->grads);
    free(t->dout);
    free(t->dist);
    free(t->sq);
    free(t->dd);
    free(t->same);
    free(t->order);
    free(t->rows);
    memset(t, 0, sizeof *t);
}

int trainer_init(trainer_t *t, const model_t *m, const split_t *split, const pairs_t *pairs,
                 sm_err *e)
{
    memset(t, 0, sizeof *t);
    t->split = split;
    t->pairs = pairs;
    t->batch = (int)m->cfg.batch;
    size_t B = (size_t)t->batch, H = (size_t)m->shape.hidden;
    if ((size_t)m->shape.in != split->rows * split->cols)
        return sm_fail(e, "the model takes %d inputs but the images have %zu pixels",
                       m->shape.in, split->rows * split->cols);
    if (net_cache_init(&t->cache, m->shape, 2 * t->batch, e) != 0)
        return -1;
    t->grads = aligned_alloc(64, (m->n_params * sizeof(float) + 63) & ~(size_t)63);
    t->dout = aligned_alloc(64, 2 * B * H * sizeof(float));
    t->dist = malloc(B * sizeof(float));
    t->sq = malloc(B * sizeof(float));
    t->dd = malloc(B * sizeof(float));
    t->same = malloc(B);
    t->order = malloc((pairs->n + 1) * sizeof(uint32_t));
    t->rows = malloc(2 * B * sizeof(uint32_t));
    if (!t->grads || !t->dout || !t->dist || !t->sq || !t->dd || !t->same || !t->order ||
        !t->rows) {
        trainer_free(t);
        return sm_fail(e, "out of memory for training buffers");
    }
    return 0;
}

size_t trainer_steps(const trainer_t *t)
{
    return (t->pairs->n + (size_t)t->batch - 1) / (size_t)t->batch;
}

int trainer_epoch(trainer_t *t, model_t *m, train_progress_fn progress, void *ctx,
                  double *mean_loss, size_t *steps_done, sm_err *e)
{
    const pairs_t *p = t->pairs;
    const size_t P = (size_t)m->shape.in, H = (size_t)m->shape.hidden;
    const size_t steps = trainer_steps(t);
    const rmsprop_cfg opt = {m->cfg.lr, m->cfg.rho, m->cfg.eps};
    const float rate = m->cfg.dropout;

    /* A fresh permutation every epoch, so the order depends only on the
     * RNG state (which the model file keeps). */
    for (size_t i = 0; i < p->n; i++)
        t->order[i] = (uint32_t)i;
    rng_shuffle_u32(&m->rng, t->order, p->n);

    double sum = 0.0;
    size_t seen = 0;
    *steps_done = 0;
    for (size_t step = 0; step < steps; step++) {
        size_t start = step * (size_t)t->batch;
        int B = (int)(p->n - start < (size_t)t->batch ? p->n - start : (size_t)t->batch);
        const uint32_t *ord = t->order + start;
        for (int i = 0; i < B; i++) {
            t->rows[i] = p->left[ord[i]];
            t->rows[B + i] = p->right[ord[i]];
            t->same[i] = p->same[ord[i]];
        }
        gather_images(t->cache.x, t->split->images, P, t->rows, 2 * (size_t)B);

        net_forward(m->params, &t->cache, 2 * B, rate, &m->rng);
        const float *emb = t->cache.a[NET_LAYERS - 1];
        distance_forward(t->dist, t->sq, emb, emb + (size_t)B * H, B, (int)H);
        double loss = contrastive_sum(t->dist, t->same, B, m->cfg.margin);
        if (!isfinite(loss))
            return sm_fail(e, "the loss became %s at epoch %u, step %zu of %zu; stopping",
                           isnan(loss) ? "NaN" : "infinite", m->epoch + 1, step + 1, steps);

        contrastive_backward(t->dd, t->dist, t->same, B, m->cfg.margin, B);
        distance_backward(t->dout, t->dout + (size_t)B * H, t->dd, emb, emb + (size_t)B * H,
                          t->sq, t->dist, B, (int)H);
        memset(t->grads, 0, m->n_params * sizeof *t->grads);
        net_backward(m->params, t->grads, &t->cache, t->dout, 2 * B, rate);
        rmsprop_step(m->params, m->velocity, t->grads, m->n_params, opt);

        sum += loss;
        seen += (size_t)B;
        *steps_done = step + 1;
        *mean_loss = sum / (double)seen;
        if (progress && progress(ctx, step + 1, steps, *mean_loss))
            return 1;
    }
    return 0;
}

double pairs_mean_loss(const model_t *m, net_cache *c, const split_t *s, const pairs_t *p,
                       float *emb, uint8_t *used, float *dist)
{
    pairs_mark_used(used, s->n, p);
    embed_split(emb, m->params, c, s, used);
    pair_distances(dist, emb, m->shape.hidden, p);
    double sum = 0.0;
    for (size_t i = 0; i < p->n; i += 4096) {
        size_t k = p->n - i < 4096 ? p->n - i : 4096;
        sum += contrastive_sum(dist + i, p->same + i, (int)k, m->cfg.margin);
    }
    return p->n ? sum / (double)p->n : 0.0;
}
