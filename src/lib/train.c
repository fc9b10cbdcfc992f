/* train.c - the training loop; see train.h.
 * B = pairs per step, b = one worker's share, T = workers, P = pixels,
 * H = embedding width, N = parameters. */
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas_kernels.h"
#include "embed.h"
#include "head.h"
#include "rmsprop.h"

static float *alloc_floats(size_t n)
{
    return aligned_alloc(64, ((n ? n : 1) * sizeof(float) + 63) & ~(size_t)63);
}

static void worker_free(train_worker *w)
{
    net_cache_free(&w->cache);
    free(w->grads);
    free(w->dout);
    free(w->dist);
    free(w->sq);
    free(w->dd);
    free(w->same);
    free(w->rows);
}

void trainer_free(trainer_t *t)
{
    for (int i = 0; t->w && i < t->threads; i++)
        worker_free(&t->w[i]);
    free(t->w);
    pool_destroy(t->pool);
    free(t->order);
    free(t->emb);
    free(t->used);
    memset(t, 0, sizeof *t);
}

int trainer_init(trainer_t *t, const model_t *m, const split_t *split, const pairs_t *pairs,
                 int threads, sm_err *e)
{
    memset(t, 0, sizeof *t);
    t->split = split;
    t->pairs = pairs;
    t->batch = (int)m->cfg.batch;
    t->threads = threads < 1 ? 1 : threads;
    if ((size_t)m->shape.in != split->rows * split->cols)
        return sm_fail(e, "the model takes %d inputs but the images have %zu pixels",
                       m->shape.in, split->rows * split->cols);
    size_t share = ((size_t)t->batch + (size_t)t->threads - 1) / (size_t)t->threads;
    size_t H = (size_t)net_out(m->shape);
    t->w = calloc((size_t)t->threads, sizeof *t->w);
    t->order = malloc((pairs->n + 1) * sizeof *t->order);
    if (!t->w || !t->order) {
        trainer_free(t);
        return sm_fail(e, "out of memory for training buffers");
    }
    for (int i = 0; i < t->threads; i++) {
        train_worker *w = &t->w[i];
        if (net_cache_init(&w->cache, m->shape, (int)(2 * share), e) != 0) {
            trainer_free(t);
            return -1;
        }
        w->grads = alloc_floats(m->n_params);
        w->dout = alloc_floats(2 * share * H);
        w->dist = alloc_floats(share);
        w->sq = alloc_floats(share * HEAD_CACHE);
        w->dd = alloc_floats(share);
        w->same = malloc(share);
        w->rows = malloc(2 * share * sizeof *w->rows);
        if (!w->grads || !w->dout || !w->dist || !w->sq || !w->dd || !w->same || !w->rows) {
            trainer_free(t);
            return sm_fail(e, "out of memory for training buffers");
        }
    }
    if (!(t->pool = pool_create(t->threads, e))) {
        trainer_free(t);
        return -1;
    }
    /* The workers are the parallelism: each BLAS call runs on its thread. */
    blas_set_threads(1);
    return 0;
}

size_t trainer_steps(const trainer_t *t)
{
    return (t->pairs->n + (size_t)t->batch - 1) / (size_t)t->batch;
}

/* Phase 1 of a step, on worker i: forward and backward of its pairs into
 * its own gradient buffer. t->w[i].first/count were set by the caller;
 * w->loss receives the sum of its pair losses. */
static void step_worker(void *ctx, int i)
{
    trainer_t *t = ctx;
    train_worker *w = &t->w[i];
    model_t *m = t->m;
    const pairs_t *p = t->pairs;
    const size_t P = (size_t)m->shape.in, H = (size_t)net_out(m->shape);
    const int b = (int)w->count;
    w->loss = 0;
    memset(w->grads, 0, m->n_params * sizeof *w->grads);
    if (b == 0)
        return;
    const uint32_t *ord = t->order + w->first;
    for (int k = 0; k < b; k++) {
        w->rows[k] = p->left[ord[k]];
        w->rows[b + k] = p->right[ord[k]];
        w->same[k] = p->same[ord[k]];
    }
    gather_images(w->cache.x, t->split->images, P, w->rows, 2 * (size_t)b);
    net_forward(m->params, &w->cache, 2 * b, m->cfg.dropout, &w->rng);
    const float *emb = net_embedding(&w->cache);
    const float *hp = model_head_params(m, m->params);
    head_forward(m->head, hp, w->dist, w->sq, emb, emb + (size_t)b * H, b, (int)H);
    w->loss = head_loss_sum(m->head, w->dist, w->same, b, m->cfg.margin);
    /* d(mean over all B pairs of the step)/d(d): the share's B is global. */
    int B = 0;
    for (int k = 0; k < t->threads; k++)
        B += (int)t->w[k].count;
    head_backward(m->head, hp, model_head_params(m, w->grads), w->dout, w->dout + (size_t)b * H,
                  w->dd, emb, emb + (size_t)b * H, w->dist, w->sq, w->same, b, (int)H,
                  m->cfg.margin, B);
    net_backward(m->params, w->grads, &w->cache, w->dout, 2 * b, m->cfg.dropout);
}

/* Phase 2, on worker i: its range of the N parameters gets the gradient
 * summed over workers 0..T-1 in that order, then RMSprop. Ranges are
 * multiples of 16 floats (whole cache lines). */
static void update_worker(void *ctx, int i)
{
    trainer_t *t = ctx;
    model_t *m = t->m;
    size_t n = m->n_params, per = (n / (size_t)t->threads + 15) & ~(size_t)15;
    size_t lo = per * (size_t)i, hi = lo + per < n ? lo + per : n;
    if (i == t->threads - 1)
        hi = n;
    t->w[i].nonfinite = 0;
    if (lo >= hi)
        return;
    float *g = t->w[0].grads;
    for (int k = 1; k < t->threads; k++) {
        const float *gk = t->w[k].grads;
        for (size_t j = lo; j < hi; j++)
            g[j] += gk[j];
    }
    const rmsprop_cfg opt = {m->cfg.lr, m->cfg.rho, m->cfg.eps};
    t->w[i].nonfinite = rmsprop_step(m->params + lo, m->velocity + lo, g + lo, hi - lo, opt);
}

int trainer_epoch(trainer_t *t, model_t *m, train_progress_fn progress, void *ctx,
                  double *mean_loss, size_t *steps_done, sm_err *e)
{
    const pairs_t *p = t->pairs;
    const size_t steps = trainer_steps(t), T = (size_t)t->threads;
    if (m->step >= steps)
        return sm_fail(e, "the model stopped at step %u of an epoch, but an epoch here has only "
                       "%zu steps (other data or batch size?)", m->step, steps);

    /* A fresh permutation every epoch from a seed drawn from the model's
     * RNG; the seed is kept in the model, so an epoch interrupted midway
     * continues in the same order. */
    if (m->step == 0) {
        m->epoch_seed = rng_next(&m->rng);
        m->loss_sum = 0.0;
    }
    rng_t shuffle;
    rng_seed(&shuffle, m->epoch_seed, 0);
    for (size_t i = 0; i < p->n; i++)
        t->order[i] = (uint32_t)i;
    rng_shuffle_u32(&shuffle, t->order, p->n);

    t->m = m;
    size_t first = m->step;
    double sum = m->loss_sum;
    *steps_done = first;
    *mean_loss = first ? sum / (double)(first * (size_t)t->batch) : 0.0;
    for (size_t step = first; step < steps; step++) {
        size_t start = step * (size_t)t->batch;
        size_t B = p->n - start < (size_t)t->batch ? p->n - start : (size_t)t->batch;
        for (size_t i = 0; i < T; i++) {
            train_worker *w = &t->w[i];
            w->first = start + B * i / T;
            w->count = start + B * (i + 1) / T - w->first;
            rng_seed(&w->rng, rng_next(&m->rng), i);
        }
        pool_run(t->pool, step_worker, t);

        double loss = 0.0;
        for (size_t i = 0; i < T; i++)
            loss += t->w[i].loss;
        if (!isfinite(loss))
            return sm_fail(e, "the loss became %s at epoch %u, step %zu of %zu; stopping",
                           isnan(loss) ? "NaN" : "infinite", m->epoch + 1, step + 1, steps);
        pool_run(t->pool, update_worker, t);
        for (size_t i = 0; i < T; i++)
            if (t->w[i].nonfinite)
                return sm_fail(e, "the parameters became NaN or infinite at epoch %u, step %zu "
                               "of %zu (the loss was still finite); stopping", m->epoch + 1,
                               step + 1, steps);

        sum += loss;
        m->step = (uint32_t)(step + 1);
        m->loss_sum = sum;
        *steps_done = step + 1;
        *mean_loss = sum / (double)(start + B);
        if (step + 1 < steps && progress && progress(ctx, step + 1, steps, *mean_loss))
            return 1;
    }
    if (progress)
        progress(ctx, steps, steps, *mean_loss);
    /* At the epoch boundary again: the caller records the epoch. */
    m->step = 0;
    m->loss_sum = 0.0;
    return 0;
}

/* Worker i embeds its share of the images (in evaluation mode). */
static void embed_worker(void *ctx, int i)
{
    trainer_t *t = ctx;
    size_t n = t->vsplit->n, T = (size_t)t->threads;
    embed_range(t->emb, t->m->params, &t->w[i].cache, t->vsplit, t->used, n * (size_t)i / T,
                n * ((size_t)i + 1) / T);
}

int trainer_mean_loss(trainer_t *t, const model_t *m, const split_t *s, const pairs_t *p,
                      float *dist, double *loss, sm_err *e)
{
    size_t H = (size_t)net_out(m->shape);
    /* Scratch for the split, kept across epochs. */
    if (!t->emb || t->vsplit != s) {
        free(t->emb);
        free(t->used);
        t->emb = malloc(s->n * H * sizeof *t->emb);
        t->used = malloc(s->n);
        if (!t->emb || !t->used) {
            free(t->emb);
            free(t->used);
            t->emb = NULL;
            t->used = NULL;
            return sm_fail(e, "out of memory for %zu embeddings", s->n);
        }
    }
    t->vsplit = s;
    t->m = (model_t *)m;
    pairs_mark_used(t->used, s->n, p);
    pool_run(t->pool, embed_worker, t);
    /* A dead network (every ReLU at 0) embeds everything at 0. */
    t->dead = 1;
    for (size_t i = 0; i < s->n && t->dead; i++)
        if (t->used[i])
            for (size_t j = 0; j < H; j++)
                if (t->emb[i * H + j] != 0.0f) {
                    t->dead = 0;
                    break;
                }
    pair_distances(dist, t->emb, m->head, model_head_params(m, m->params), (int)H, p);
    double sum = 0.0;
    for (size_t i = 0; i < p->n; i += 4096) {
        size_t k = p->n - i < 4096 ? p->n - i : 4096;
        sum += head_loss_sum(m->head, dist + i, p->same + i, (int)k, m->cfg.margin);
    }
    *loss = p->n ? sum / (double)p->n : 0.0;
    return 0;
}
