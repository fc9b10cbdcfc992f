/* embed.c - see embed.h. P = pixels per image, H = embedding width. */
#include "embed.h"

#include <stdlib.h>
#include <string.h>

#include "distance.h"
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
    const size_t P = s->rows * s->cols, H = (size_t)c->shape.hidden;
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
        net_forward(params, c, k, 0.0f, NULL);
        for (int r = 0; r < k; r++)
            memcpy(emb + (size_t)idx[r] * H, c->a[NET_LAYERS - 1] + (size_t)r * H,
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

void pair_distances(float *d, const float *emb, int H, const pairs_t *p)
{
    for (size_t i = 0; i < p->n; i++) {
        float sq;
        distance_forward(d + i, &sq, emb + (size_t)p->left[i] * H, emb + (size_t)p->right[i] * H,
                         1, H);
    }
}

int distances_for_pairs(float *d, const float *params, net_shape shape, const split_t *s,
                        const pairs_t *p, sm_err *e)
{
    /* 1024 rows per forward pass: big enough for SGEMM to run at speed. */
    enum { CHUNK = 1024 };
    net_cache c;
    if (net_cache_init(&c, shape, CHUNK, e) != 0)
        return -1;
    float *emb = malloc(s->n * (size_t)shape.hidden * sizeof *emb);
    uint8_t *used = malloc(s->n);
    if (!emb || !used) {
        free(emb);
        free(used);
        net_cache_free(&c);
        return sm_fail(e, "out of memory for %zu embeddings", s->n);
    }
    pairs_mark_used(used, s->n, p);
    embed_range(emb, params, &c, s, used, 0, s->n);
    pair_distances(d, emb, shape.hidden, p);
    free(emb);
    free(used);
    net_cache_free(&c);
    return 0;
}
