/* embed.c - see embed.h. P = pixels per image, H = embedding width. */
#include "embed.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gap.h"
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

/* Row r of the last forward pass's layer output a [R, C, H, W] (the
 * cache's shape ends at f's layer) as f takes it, into out [F]. */
static void take_features(float *out, const net_cache *c, int r, embed_feat f)
{
    layer_dims d = net_layer_out_dims(c->shape, c->shape.layers - 1);
    size_t P = (size_t)d.h * d.w, CP = (size_t)d.c * P;
    const float *a = net_embedding(c) + (size_t)r * CP;
    if (f.mode == EMBED_FLAT) {
        memcpy(out, a, CP * sizeof *out);
    } else if (f.mode == EMBED_POOLED) {
        gap_forward(out, a, 1, d.c, d.h, d.w);
    } else {
        for (size_t p = 0; p < P; p++) /* [C, P] -> [P, C] */
            for (int ch = 0; ch < d.c; ch++)
                out[p * (size_t)d.c + (size_t)ch] = a[(size_t)ch * P + p];
    }
}

/* out [s->n, F]: features f of every image i of s with lo <= i < hi and
 * used[i] != 0, c->max_rows at a time (c's shape ends at f's layer). */
static void features_range(float *out, const float *params, net_cache *c, const split_t *s,
                           const uint8_t *used, size_t lo, size_t hi, embed_feat f)
{
    const size_t P = s->channels * s->rows * s->cols, F = embed_feat_floats(c->shape, f);
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
            take_features(out + (size_t)idx[r] * F, c, r, f);
    }
}

void embed_range(float *emb, const float *params, net_cache *c, const split_t *s,
                 const uint8_t *used, size_t lo, size_t hi)
{
    features_range(emb, params, c, s, used, lo, hi,
                   (embed_feat){c->shape.layers - 1, EMBED_FLAT});
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
 * speed, small enough for the activations to stay in L2. A network whose
 * activations of 1024 rows pass EMBED_BLOCK_BYTES (a conv net: 214 KB a
 * row for conv32,pool,conv64,pool,conv128 on 28 x 28) takes fewer rows a
 * block when it has spatial layers, at least 16: the block size is the shape's, never the thread
 * count's. */
enum { EMBED_CHUNK = 1024 };
#define EMBED_BLOCK_BYTES ((size_t)32 << 20)

static size_t block_rows(net_shape s)
{
    if (!net_is_spatial(s))
        return EMBED_CHUNK; /* dense models: the blocks they always had */
    size_t row = (size_t)s.in;
    for (int l = 0; l < s.layers; l++)
        row += (size_t)net_layer_out(s, l);
    size_t n = EMBED_BLOCK_BYTES / (row * sizeof(float));
    return n > EMBED_CHUNK ? EMBED_CHUNK : n < 16 ? 16 : n;
}

typedef struct {
    float *out;
    const float *params;
    split_t view;        /* the images, as a split for features_range */
    const uint8_t *used;
    net_cache *caches;   /* [T], their shape ends at f's layer */
    embed_feat f;
    size_t block;        /* images a forward pass */
    int T;
} embed_job;

/* Worker t embeds the fixed blocks t, t + T, ... of j->block images: each
 * block is one forward pass whatever the thread count, so an image's
 * features never depend on it, even on the openblas path (which rounds a
 * row by its place in the batch; the exact paths do not). */
static void embed_worker(void *ctx, int t)
{
    embed_job *j = ctx;
    size_t n = j->view.n, B = j->block;
    for (size_t lo = (size_t)t * B; lo < n; lo += (size_t)j->T * B)
        features_range(j->out, j->params, &j->caches[t], &j->view, j->used, lo,
                       lo + B < n ? lo + B : n, j->f);
}

size_t embed_feat_floats(net_shape s, embed_feat f)
{
    layer_dims d = net_layer_out_dims(s, f.layer);
    return f.mode == EMBED_POOLED ? (size_t)d.c : (size_t)d.c * d.h * d.w;
}

int embed_features(float *out, const float *params, net_shape shape, const uint8_t *images,
                   size_t n, const uint8_t *used, embed_feat f, int threads, kernels_path k,
                   sm_err *e)
{
    if (f.layer < 0 || f.layer >= shape.layers)
        return sm_fail(e, "layer %d: the network has %d layers", f.layer + 1, shape.layers);
    if (kernels_resolve(k, &k, e) != 0)
        return -1;
    net_shape upto = shape; /* the layers up to f's: a prefix of params */
    upto.layers = f.layer + 1;
    size_t B = block_rows(upto), blocks = (n + B - 1) / B;
    if (threads < 1)
        threads = 1;
    if ((size_t)threads > blocks) /* a block per thread at most */
        threads = blocks ? (int)blocks : 1;
    embed_job j = {out, params, {0}, used, NULL, f, B, threads};
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
        rc = net_cache_init(&j.caches[t], upto, (int)B, k, 0, 1, e);
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
    const size_t F = embed_feat_floats(shape, f);
    for (size_t i = 0; i < n && rc == 0; i++)
        for (size_t c = 0; (!used || used[i]) && c < F; c++)
            if (!isfinite(out[i * F + c])) {
                rc = sm_fail(e, "the %s of image %zu overflows float32 (%s in it): the "
                             "model's weights are too large",
                             f.layer == shape.layers - 1 ? "embedding" : "features", i + 1,
                             isnan(out[i * F + c]) ? "nan" : "inf");
                break;
            }
    return rc;
}

int embed_images(float *emb, const float *params, net_shape shape, const uint8_t *images,
                 size_t n, const uint8_t *used, int threads, kernels_path k, sm_err *e)
{
    return embed_features(emb, params, shape, images, n, used,
                          (embed_feat){shape.layers - 1, EMBED_FLAT}, threads, k, e);
}

/* The last layer of kind `kind` (LAYER_*) among 0 .. L-1 whose output has
 * at least min_pos positions, or -1. */
static int last_of(net_shape s, int kind, int min_pos)
{
    for (int l = s.layers - 1; l >= 0; l--) {
        layer_dims d = net_layer_out_dims(s, l);
        if ((kind < 0 || s.kind[l] == kind) && d.h * d.w >= min_pos)
            return l;
    }
    return -1;
}

int embed_feat_parse(const char *spec, int *K, sm_err *e)
{
    char *end = NULL;
    long k = 0;
    if (!strcmp(spec, "embedding"))
        k = -1;
    else if (strcmp(spec, "auto") != 0 &&
             (strncmp(spec, "layer:", 6) != 0 || spec[6] < '1' || spec[6] > '9' ||
              (k = strtol(spec + 6, &end, 10)) > NET_MAX_LAYERS || *end))
        return sm_fail(e, "--features %s: expected auto, embedding or layer:K with K = 1..%d "
                       "(an item of --layers)", spec, NET_MAX_LAYERS);
    *K = (int)k;
    return 0;
}

int embed_feat_resolve(const char *spec, net_shape s, int positions, embed_feat *f, sm_err *e)
{
    int L = s.layers, l, K;
    if (embed_feat_parse(spec, &K, e) != 0)
        return -1;
    if (K < 0) {
        l = L - 1;
    } else if (K == 0) {
        if (positions) {
            l = last_of(s, LAYER_POOL, 4);
            l = l >= 0 ? l : last_of(s, -1, 4);
        } else {
            l = last_of(s, LAYER_CONV, 1);
            l = l >= 0 ? l : L - 1;
        }
        if (l < 0)
            return sm_fail(e, "--features auto: no layer of the model has 2 x 2 positions or "
                           "more (the patch score needs conv layers)");
    } else if (K > L) {
        return sm_fail(e, "--features %s: the model has %d layers (layer:1..layer:%d)", spec, L,
                       L);
    } else {
        l = K - 1;
    }
    layer_dims d = net_layer_out_dims(s, l);
    int P = d.h * d.w;
    if (positions && P < 2) {
        char item[32];
        net_item_name(s, l, item, sizeof item);
        return sm_fail(e, "--features %s: layer %d (%s) has %d x %d positions; the patch "
                       "score needs a layer with 2 or more (a conv or pool layer)", spec, l + 1,
                       item, d.h, d.w);
    }
    *f = (embed_feat){l, positions ? EMBED_POSITIONS : P > 1 ? EMBED_POOLED : EMBED_FLAT};
    return 0;
}

void embed_feat_name(net_shape s, embed_feat f, char *buf, size_t n)
{
    char item[32];
    net_item_name(s, f.layer, item, sizeof item);
    static const char *const how[] = {"", " pooled", " positions"};
    snprintf(buf, n, "%s%d (%s)%s", f.layer == s.layers - 1 && f.mode == EMBED_FLAT ?
             "embedding, layer " : "layer ", f.layer + 1, item, how[f.mode]);
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

int mean_loss_for_pairs(double *loss, const model_t *m, const split_t *s, const pairs_t *p,
                        int threads, kernels_path k, int *dead, sm_err *e)
{
    float *dist = malloc((p->n + 1) * sizeof *dist);
    if (!dist)
        return sm_fail(e, "out of memory for %zu distances", p->n);
    if (distances_for_pairs(dist, m, s, p, threads, k, dead, e) != 0) {
        free(dist);
        return -1;
    }
    double sum = 0.0;
    for (size_t i = 0; i < p->n; i += 4096) {
        size_t n = p->n - i < 4096 ? p->n - i : 4096;
        sum += head_loss_sum(m->head, dist + i, p->same + i, (int)n, m->cfg.margin);
    }
    free(dist);
    *loss = p->n ? sum / (double)p->n : 0.0;
    return 0;
}
