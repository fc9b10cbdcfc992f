/* train.c - the training loop; see train.h.
 * B = pairs per step, T = workers, P = pixels, H = embedding width,
 * N = parameters, L = layers, K = a layer's fan-in, M = its width. */
#include "train.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "embed.h"
#include "floats.h"
#include "head.h"
#include "rmsprop.h"

/* Kernel rows are shared out between workers in multiples of the gemm
 * tile's height, so no worker gets a ragged tile it need not have. */
#define ROW_GRAIN 6

/* A tail (bias) is shared out in multiples of 16 entries: whole vectors,
 * and whole blocks of conv_bias_grad's 8 chains. */
#define TAIL_GRAIN 16

void trainer_free(trainer_t *t)
{
    net_cache_free(&t->cache);
    pool_destroy(t->pool);
    free(t->grads);
    free(t->dist);
    free(t->dd);
    free(t->sq);
    free(t->same);
    free(t->rows);
    free(t->order);
    free(t->nonfinite);
    free(t->units);
    free(t->aug);
    free(t->aug_tmp);
    free(t->ident);
    memset(t, 0, sizeof *t);
}

/* The augmented batch, scratch and identity rows (train.h). */
static int augment_alloc(trainer_t *t, size_t P)
{
    size_t R = 2 * (size_t)t->batch;
    t->aug = malloc(R * P + 1);
    t->aug_tmp = malloc((size_t)t->threads * P + 1);
    t->ident = malloc(R * sizeof *t->ident);
    if (!t->aug || !t->aug_tmp || !t->ident)
        return -1;
    for (size_t r = 0; r < R; r++)
        t->ident[r] = (uint32_t)r;
    return 0;
}

/* Phase 2's units (train.h): each layer with parameters in parts =
 * round(T x its share of the kernel-gradient work), 1 .. T (a layer of
 * about half the work on 2 workers stays whole: its gradient is read and
 * transposed once), then the head. Sorted by work per unit, largest
 * first (ties in layer order), so the last units taken are small. */
static int plan_units(trainer_t *t, net_shape s)
{
    double total = 0.0;
    for (int l = 0; l < s.layers; l++)
        total += net_kernel_grad_macs(s, l);
    t->units = malloc(((size_t)s.layers * (size_t)t->threads + 1) * sizeof *t->units);
    if (!t->units)
        return -1;
    int n = 0;
    for (int l = 0; l < s.layers; l++) {
        double w = net_kernel_grad_macs(s, l);
        if (w <= 0.0)
            continue;
        int parts = (int)(t->threads * w / total + 0.5);
        parts = parts < 1 ? 1 : parts > t->threads ? t->threads : parts;
        for (int i = 0; i < parts; i++)
            t->units[n++] = (grad_unit){l, i, parts};
    }
    for (int i = 1; i < n; i++) /* insertion sort by work per unit, stable */
        for (int j = i; j > 0; j--) {
            grad_unit a = t->units[j - 1], b = t->units[j];
            if (net_kernel_grad_macs(s, a.layer) / a.parts >=
                net_kernel_grad_macs(s, b.layer) / b.parts)
                break;
            t->units[j - 1] = b;
            t->units[j] = a;
        }
    t->units[n++] = (grad_unit){-1, 0, 1};
    t->n_units = n;
    return 0;
}

int trainer_init(trainer_t *t, const model_t *m, const split_t *split, const pairs_t *pairs,
                 int threads, kernels_path k, sm_err *e)
{
    memset(t, 0, sizeof *t);
    t->split = split;
    t->pairs = pairs;
    t->batch = (int)m->cfg.batch;
    t->threads = threads < 1 ? 1 : threads;
    if ((size_t)m->shape.in != split->channels * split->rows * split->cols)
        return sm_fail(e, "the model takes %d inputs but the images have %zu pixels",
                       m->shape.in, split->channels * split->rows * split->cols);
    if (kernels_resolve(k, &t->kernels, e) != 0)
        return -1;
    size_t B = (size_t)t->batch;
    double need = net_cache_bytes(m->shape, (int)(2 * B), 1, t->threads);
    if (need > TRAIN_MAX_CACHE_BYTES)
        return sm_fail(e, "a step of %zu pairs needs %.1f GiB of activations and scratch, beyond "
                       "the limit of %.0f GiB (TRAIN_MAX_CACHE_BYTES): lower --batch or --size",
                       B, need / 1073741824.0, TRAIN_MAX_CACHE_BYTES / 1073741824.0);
    if (net_cache_init(&t->cache, m->shape, (int)(2 * B), t->kernels, 1, t->threads, e) != 0)
        return -1;
    t->cache.dy_on_demand = 1; /* only column_step reads the first layer's dy */
    t->grads = sm_alloc_floats(m->n_params);
    t->dist = sm_alloc_floats(B);
    t->dd = sm_alloc_floats(B);
    t->sq = sm_alloc_floats(B * head_cache_floats(m->head));
    t->same = malloc(B);
    t->rows = malloc(2 * B * sizeof *t->rows);
    t->order = malloc((pairs->n + 1) * sizeof *t->order);
    t->nonfinite = calloc((size_t)t->threads, sizeof *t->nonfinite);
    if (!t->grads || !t->dist || !t->dd || !t->sq || !t->same || !t->rows || !t->order ||
        !t->nonfinite || plan_units(t, m->shape) != 0) {
        trainer_free(t);
        return sm_fail(e, "out of memory for training buffers");
    }
    if (m->cfg.pairs == PAIRS_AUGMENT && augment_alloc(t, (size_t)m->shape.in) != 0) {
        trainer_free(t);
        return sm_fail(e, "out of memory for the augmented images");
    }
    if (!(t->pool = pool_create(t->threads, e))) {
        trainer_free(t);
        return -1;
    }
    kernels_begin(t->kernels, t->threads);
    return 0;
}

/* Rows k and B + k of the step's augmented images, for pairs [lo, hi) of
 * the step on worker i. */
static void augment_rows(trainer_t *t, const model_t *m, size_t lo, size_t hi, int i)
{
    const split_t *s = t->split;
    const size_t P = (size_t)m->shape.in, B = t->count;
    uint8_t *tmp = t->aug_tmp + (size_t)i * P;
    for (size_t k = lo; k < hi; k++) {
        uint32_t pair = t->order[t->first + k];
        augment_pair_side(t->aug + k * P, tmp, s->images, s->channels, s->rows, s->cols,
                          t->rows[k], &m->cfg.augment, m->epoch_seed, pair, 0);
        augment_pair_side(t->aug + (B + k) * P, tmp, s->images, s->channels, s->rows, s->cols,
                          t->rows[B + k], &m->cfg.augment, m->epoch_seed, pair, 1);
    }
}

size_t trainer_steps(const trainer_t *t)
{
    return (t->pairs->n + (size_t)t->batch - 1) / (size_t)t->batch;
}

/* Phase 1's unit on worker i: pairs [lo, hi) of the step, rows lo..hi-1
 * and B+lo..B+hi-1 of the batch (B = this step's pair count). */
static void rows_unit(trainer_t *t, size_t lo, size_t hi, int i)
{
    model_t *m = t->m;
    net_cache *c = &t->cache;
    const pairs_t *p = t->pairs;
    const size_t P = (size_t)m->shape.in, H = (size_t)net_out(m->shape), B = t->count;
    const int b = (int)(hi - lo);
    const uint32_t *ord = t->order + t->first;
    for (size_t k = lo; k < hi; k++) {
        t->rows[k] = p->left[ord[k]];
        t->rows[B + k] = p->right[ord[k]];
        t->same[k] = p->same[ord[k]];
    }
    const uint8_t *images = t->split->images;
    const uint32_t *idx = t->rows;
    if (t->aug) { /* the pairs' images augmented, in batch rows */
        augment_rows(t, m, lo, hi, i);
        images = t->aug;
        idx = t->ident;
    }
    gather_images(c->x + lo * P, images, P, idx + lo, (size_t)b);
    gather_images(c->x + (B + lo) * P, images, P, idx + B + lo, (size_t)b);
    const net_dropout drop = {m->cfg.dropout, t->drop_seed};
    net_forward(m->params, c, (int)lo, b, &drop, i);
    net_forward(m->params, c, (int)(B + lo), b, &drop, i);
    const float *emb = net_embedding(c);
    const float *hp = model_head_params(m, m->params);
    float *top = c->g[m->shape.layers - 1];
    const size_t C = head_cache_floats(m->head);
    head_forward(m->head, hp, t->dist + lo, t->sq + lo * C, emb + lo * H,
                 emb + (B + lo) * H, b, (int)H);
    head_backward(m->head, hp, top + lo * H, top + (B + lo) * H, t->dd + lo, emb + lo * H,
                  emb + (B + lo) * H, t->dist + lo, t->sq + lo * C, t->same + lo, b,
                  (int)H, m->cfg.margin, (int)B);
    net_backward_rows(c, (int)lo, b, m->cfg.dropout, i);
    net_backward_rows(c, (int)(B + lo), b, m->cfg.dropout, i);
}

/* Phase 1 on worker i: the next units of pairs not yet taken, until none
 * is left. A unit is a chunk of net_chunk_rows pairs (each side's rows go
 * through the layers at once), at most B / T: workers that are free take
 * more, and every pair's numbers are the same whoever computes them. */
static void rows_worker(void *ctx, int i)
{
    trainer_t *t = ctx;
    const size_t B = t->count, T = (size_t)t->threads;
    size_t unit = (size_t)net_chunk_rows(t->m->shape), share = (B + T - 1) / T;
    unit = unit < share ? unit : share;
    for (size_t u; (u = (size_t)atomic_fetch_add(&t->next_unit, 1)) * unit < B;)
        rows_unit(t, u * unit, (u + 1) * unit < B ? (u + 1) * unit : B, i);
}

/* Worker i's share [*k0, *k1) of n kernel rows or tail entries, in
 * multiples of grain. */
static void row_share(int n, int grain, int i, int T, int *k0, int *k1)
{
    int tiles = (n + grain - 1) / grain;
    *k0 = (int)((long)tiles * i / T) * grain;
    *k1 = (int)((long)tiles * (i + 1) / T) * grain;
    *k0 = *k0 < n ? *k0 : n;
    *k1 = *k1 < n ? *k1 : n;
}

/* Phase 2 of a layer shared out by columns (net_by_columns) on worker i:
 * its columns of every kernel row and its tail entries (the same columns:
 * a conv's output channels), their gradients, then RMSprop on them. The
 * first layer only, which keeps no transposed copy. Returns 1 when a
 * parameter became NaN or infinite. */
static int column_step(trainer_t *t, const net_views *pv, int l, int R, int part, int parts,
                       int i)
{
    model_t *m = t->m;
    const net_shape s = m->shape;
    const rmsprop_cfg opt = {m->cfg.lr, m->cfg.rho, m->cfg.eps};
    const size_t row = net_row_floats(s, l);
    int j0, j1, bad = 0;
    row_share((int)net_tail_floats(s, l), TAIL_GRAIN, part, parts, &j0, &j1);
    if (j1 <= j0)
        return 0;
    net_column_grads(&t->cache, t->grads, l, R, j0, j1, i);
    for (int k = 0; k < net_kernel_rows(s, l); k++) {
        size_t off = (size_t)(pv->w[l] - m->params) + (size_t)k * row + (size_t)j0;
        bad |= rmsprop_step(m->params + off, m->velocity + off, t->grads + off,
                            (size_t)(j1 - j0), opt);
    }
    size_t off = (size_t)(pv->b[l] - m->params) + (size_t)j0;
    bad |= rmsprop_step(m->params + off, m->velocity + off, t->grads + off, (size_t)(j1 - j0),
                        opt);
    return bad;
}

/* Phase 2's unit u on worker i: the gradients of its parameters over all
 * R rows, RMSprop on them, their transposes refreshed. Returns 1 when a
 * parameter became NaN or infinite. */
static int unit_step(trainer_t *t, const net_views *pv, grad_unit u, int R, int i)
{
    model_t *m = t->m;
    const net_shape s = m->shape;
    const rmsprop_cfg opt = {m->cfg.lr, m->cfg.rho, m->cfg.eps};
    const int l = u.layer;
    if (l < 0) { /* the head's parameters */
        size_t nh = head_param_count(m->head, net_out(s));
        if (!nh)
            return 0;
        const size_t H = (size_t)net_out(s), B = t->count;
        const float *emb = net_embedding(&t->cache);
        float *hp = model_head_params(m, m->params), *dhp = model_head_params(m, t->grads);
        head_param_grads(m->head, dhp, emb, emb + B * H, t->dist, t->same, (int)B, (int)H,
                         (int)B);
        size_t off = (size_t)(hp - m->params);
        return rmsprop_step(hp, m->velocity + off, dhp, nh, opt);
    }
    if (net_by_columns(s, l))
        return column_step(t, pv, l, R, u.part, u.parts, i);
    /* kernel rows of `row` floats, then a tail (dense: W [K, M], b [M]) */
    int k0, k1, j0, j1, bad = 0;
    size_t row = net_row_floats(s, l);
    row_share(net_kernel_rows(s, l), ROW_GRAIN, u.part, u.parts, &k0, &k1);
    row_share((int)net_tail_floats(s, l), TAIL_GRAIN, u.part, u.parts, &j0, &j1);
    if (k1 > k0 || j1 > j0)
        net_layer_grads(&t->cache, t->grads, l, R, k0, k1, j0, j1, i);
    if (k1 > k0) {
        size_t off = (size_t)(pv->w[l] - m->params) + (size_t)k0 * row;
        bad |= rmsprop_step(m->params + off, m->velocity + off, t->grads + off,
                            (size_t)(k1 - k0) * row, opt);
        net_transpose(&t->cache, m->params, l, k0, k1);
    }
    if (j1 > j0) {
        size_t off = (size_t)(pv->b[l] - m->params) + (size_t)j0;
        bad |= rmsprop_step(m->params + off, m->velocity + off, t->grads + off,
                            (size_t)(j1 - j0), opt);
    }
    return bad;
}

/* Phase 2 on worker i: the next unit not yet taken, until none is left. */
static void params_worker(void *ctx, int i)
{
    trainer_t *t = ctx;
    net_views pv;
    net_point(&pv, t->m->params, t->m->shape);
    const int R = 2 * (int)t->count;
    int bad = 0;
    for (int u; (u = atomic_fetch_add(&t->next_unit, 1)) < t->n_units;)
        bad |= unit_step(t, &pv, t->units[u], R, i);
    t->nonfinite[i] = bad;
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

    /* The transposed kernels phase 2 keeps current, from m as it is now. */
    for (int l = 1; l < m->shape.layers; l++)
        net_transpose(&t->cache, m->params, l, 0, net_kernel_rows(m->shape, l));

    t->m = m;
    size_t first = m->step;
    double sum = m->loss_sum;
    *steps_done = first;
    *mean_loss = first ? sum / (double)(first * (size_t)t->batch) : 0.0;
    for (size_t step = first; step < steps; step++) {
        size_t start = step * (size_t)t->batch;
        size_t B = p->n - start < (size_t)t->batch ? p->n - start : (size_t)t->batch;
        t->first = start;
        t->count = B;
        t->drop_seed = rng_next(&m->rng);
        atomic_store(&t->next_unit, 0);
        net_prepare_forward(&t->cache, m->params); /* once for every unit */
        pool_run(t->pool, rows_worker, t);
        net_forget_forward(&t->cache);

        /* The loss of the B pairs, summed in pair order. */
        double loss = head_loss_sum(m->head, t->dist, t->same, (int)B, m->cfg.margin);
        if (!isfinite(loss))
            return sm_fail(e, "the loss became %s at epoch %u, step %zu of %zu; stopping",
                           isnan(loss) ? "NaN" : "infinite", m->epoch + 1, step + 1, steps);
        atomic_store(&t->next_unit, 0);
        pool_run(t->pool, params_worker, t);
        for (size_t i = 0; i < T; i++)
            if (t->nonfinite[i])
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

int trainer_mean_loss(trainer_t *t, const model_t *m, const split_t *s, const pairs_t *p,
                      double *loss, sm_err *e)
{
    return mean_loss_for_pairs(loss, m, s, p, t->threads, t->kernels, &t->dead, e);
}
