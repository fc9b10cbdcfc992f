/* embed.c - see embed.h. P = pixels per image, H = embedding width. */
#include "embed.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "head.h"
#include "pool.h"
#include "simd.h"

SM_VECTOR void gather_images(float *restrict x, const uint8_t *restrict images, size_t P,
                   const uint32_t *idx, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        /* The images sit at random places in 47 MB: ask for one a few rows
         * ahead so its bytes arrive while this one converts. */
        if (i + 4 < n) {
            const uint8_t *ahead = images + (size_t)idx[i + 4] * P;
            for (size_t j = 0; j < P; j += 64)
                __builtin_prefetch(ahead + j);
        }
        const uint8_t *restrict src = images + (size_t)idx[i] * P;
        float *restrict dst = x + i * P;
        /* A division, not a multiplication by 1/255: exactly the notebook's
         * x / 255.0 in float32. It vectorises (8 lanes with AVX). */
        for (size_t j = 0; j < P; j++)
            dst[j] = (float)src[j] / 255.0f;
    }
}

void embed_range(float *emb, const float *params, net_cache *c, const split_t *s,
                 const uint8_t *used, size_t lo, size_t hi)
{
    const size_t P = s->channels * s->rows * s->cols, H = (size_t)net_out(c->shape);
    uint32_t idx[c->max_rows];
    size_t i = lo;
    while (i < hi) {
        int k = 0;
        for (; i < hi && k < c->max_rows; i++)
            if (!used || used[i])
                idx[k++] = (uint32_t)i;
        if (k == 0)
            break;
        gather_images(c->x, s->images, P, idx, (size_t)k);
        net_forward(params, c, 0, k, NULL, 0);
        for (int r = 0; r < k; r++)
            memcpy(emb + (size_t)idx[r] * H, net_embedding(c) + (size_t)r * H,
                   H * sizeof *emb);
    }
}

void pairs_mark_used(uint8_t *used, size_t n_images, const pairs_t *p)
{
    memset(used, 0, n_images);
    for (size_t i = 0; i < p->n; i++) {
        used[p->left[i]] = 1;
        used[p->right[i]] = 1;
    }
}

void pair_distances(float *d, const float *emb, uint32_t head, const float *hp, int H,
                    const pairs_t *p)
{
    for (size_t i = 0; i < p->n; i++)
        d[i] = head_distance(head, hp, emb + (size_t)p->left[i] * H,
                             emb + (size_t)p->right[i] * H, H);
}

/* 1024 rows per forward pass: big enough for the products to run at
 * speed, small enough for the activations to stay in L2. */
enum { EMBED_CHUNK = 1024 };

typedef struct {
    float *emb;
    const float *params;
    net_shape shape;
    split_t view;        /* the images, as a split for embed_range */
    const uint8_t *used;
    net_cache *caches;   /* [T] */
    int T;
} embed_job;

/* Worker t embeds the fixed blocks t, t + T, ... of EMBED_CHUNK images:
 * each block is one forward pass whatever the thread count, so an image's
 * embedding never depends on it, even on the openblas path (which rounds
 * a row by its place in the batch; the exact paths do not). */
static void embed_worker(void *ctx, int t)
{
    embed_job *j = ctx;
    size_t n = j->view.n;
    for (size_t lo = (size_t)t * EMBED_CHUNK; lo < n; lo += (size_t)j->T * EMBED_CHUNK)
        embed_range(j->emb, j->params, &j->caches[t], &j->view, j->used, lo,
                    lo + EMBED_CHUNK < n ? lo + EMBED_CHUNK : n);
}

int embed_images(float *emb, const float *params, net_shape shape, const uint8_t *images,
                 size_t n, const uint8_t *used, int threads, kernels_path k, sm_err *e)
{
    if (kernels_resolve(k, &k, e) != 0)
        return -1;
    if (threads < 1)
        threads = 1;
    if ((size_t)threads > (n + EMBED_CHUNK - 1) / EMBED_CHUNK) /* a block per thread at most */
        threads = (int)((n + EMBED_CHUNK - 1) / EMBED_CHUNK);
    if (threads < 1)
        threads = 1;
    embed_job j = {emb, params, shape, {0}, used, NULL, threads};
    j.view.n = n;
    j.view.rows = 1;
    j.view.cols = (size_t)shape.in;
    j.view.channels = 1;
    j.view.images = (uint8_t *)images;
    j.caches = calloc((size_t)threads, sizeof *j.caches);
    if (!j.caches)
        return sm_fail(e, "out of memory for embedding");
    int rc = 0;
    for (int t = 0; t < threads && rc == 0; t++)
        rc = net_cache_init(&j.caches[t], shape, EMBED_CHUNK, k, 0, 1, e);
    pool_t *pool = NULL;
    if (rc == 0 && !(pool = pool_create(threads, e)))
        rc = -1;
    if (rc == 0) {
        kernels_begin(k, threads);
        pool_run(pool, embed_worker, &j);
    }
    pool_destroy(pool);
    for (int t = 0; t < threads; t++)
        net_cache_free(&j.caches[t]);
    free(j.caches);
    /* Weights that pass every load check can still overflow float32. */
    const size_t H = (size_t)net_out(shape);
    for (size_t i = 0; i < n && rc == 0; i++)
        for (size_t c = 0; (!used || used[i]) && c < H; c++)
            if (!isfinite(emb[i * H + c])) {
                rc = sm_fail(e, "the embedding of image %zu overflows float32 (%s in it): the "
                             "model's weights are too large", i + 1,
                             isnan(emb[i * H + c]) ? "nan" : "inf");
                break;
            }
    return rc;
}

int distances_for_pairs(float *d, const model_t *m, const split_t *s, const pairs_t *p,
                        int threads, kernels_path k, int *dead, sm_err *e)
{
    const float *params = m->params;
    net_shape shape = m->shape;
    float *emb = malloc(s->n * (size_t)net_out(shape) * sizeof *emb + 1);
    uint8_t *used = malloc(s->n + 1);
    if (!emb || !used) {
        free(emb);
        free(used);
        return sm_fail(e, "out of memory for %zu embeddings", s->n);
    }
    pairs_mark_used(used, s->n, p);
    int rc = embed_images(emb, params, shape, s->images, s->n, used, threads, k, e);
    if (rc == 0 && dead) {
        /* A dead network (every ReLU at 0) embeds everything at 0. */
        const size_t H = (size_t)net_out(shape);
        *dead = 1;
        for (size_t i = 0; i < s->n && *dead; i++)
            for (size_t j = 0; used[i] && j < H; j++)
                if (emb[i * H + j] != 0.0f) {
                    *dead = 0;
                    break;
                }
    }
    if (rc == 0)
        pair_distances(d, emb, m->head, model_head_params(m, (float *)params), net_out(shape),
                       p);
    for (size_t i = 0; rc == 0 && i < p->n; i++)
        if (!isfinite(d[i]))
            rc = sm_fail(e, "the %s distance of pair %zu overflows float32 (%s) from finite "
                         "embeddings: the model's weights are too large", head_names[m->head],
                         i + 1, isnan(d[i]) ? "nan" : "inf");
    free(emb);
    free(used);
    return rc;
}
