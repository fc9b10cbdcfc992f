/* head.c - the distance heads' interface: each call looks the head's row
 * up (heads.c) once and runs it, per batch, never per float. The parts
 * the heads share are here: the contrastive loss of the margin heads,
 * the default threshold and sweep step rules.
 * B = pairs, H = embedding width; see head.h. */
#include "head.h"

#include <stdio.h>
#include <string.h>

#include "contrastive.h"
#include "head_kind.h"

void head_name_list(char *buf, size_t cap, const char *last)
{
    if (cap == 0)
        return;
    buf[0] = 0;
    for (uint32_t h = 0, n = head_count(); h < n; h++) {
        size_t len = strlen(buf);
        snprintf(buf + len, cap - len, "%s%s", h == 0 ? "" : h + 1 == n ? last : ", ",
                 head_names[h]);
    }
}

size_t head_param_count(uint32_t head, int H)
{
    const head_kind *k = head_kind_of(head);
    return k->param_count ? k->param_count(H) : 0;
}

size_t head_cache_floats(uint32_t head)
{
    return (size_t)head_kind_of(head)->cache;
}

int head_has_margin(uint32_t head)
{
    return head_kind_of(head)->has_margin;
}

float head_default_margin(uint32_t head)
{
    return head_kind_of(head)->default_margin;
}

float head_max_margin(uint32_t head)
{
    return head_kind_of(head)->max_margin;
}

float head_default_threshold(uint32_t head, float margin)
{
    const head_kind *k = head_kind_of(head);
    return k->has_margin ? k->threshold * margin : k->threshold;
}

float head_sweep_step(uint32_t head, float margin)
{
    const head_kind *k = head_kind_of(head);
    return k->sweep_by_margin ? k->sweep_step * margin : k->sweep_step;
}

void head_init(uint32_t head, float *hp, int H, rng_t *r)
{
    const head_kind *k = head_kind_of(head);
    if (k->init)
        k->init(hp, H, r);
}

float head_distance(uint32_t head, const float *hp, const float *a, const float *b, int H)
{
    return head_kind_of(head)->distance(hp, a, b, H);
}

void head_forward(uint32_t head, const float *hp, float *d, float *cache, const float *a,
                  const float *b, int B, int H)
{
    head_kind_of(head)->forward(hp, d, cache, a, b, B, H);
}

double head_pair_loss(uint32_t head, float d, int y, float margin)
{
    const head_kind *k = head_kind_of(head);
    return k->has_margin ? contrastive_pair_loss(d, y, margin) : k->pair_loss(d, y);
}

double head_loss_sum(uint32_t head, const float *d, const uint8_t *y, int B, float margin)
{
    const head_kind *k = head_kind_of(head);
    return k->has_margin ? contrastive_sum(d, y, B, margin) : k->loss_sum(d, y, B);
}

void head_backward(uint32_t head, const float *hp, float *da, float *db, float *dd,
                   const float *a, const float *b, const float *d, const float *cache,
                   const uint8_t *y, int B, int H, float margin, int count)
{
    const head_kind *k = head_kind_of(head);
    if (k->has_margin)
        contrastive_backward(dd, d, y, B, margin, count);
    const head_batch p = {a, b, d, cache, y, dd, B, H, count};
    k->backward(hp, da, db, &p);
}

void head_param_grads(uint32_t head, float *dhp, const float *a, const float *b, const float *d,
                      const uint8_t *y, int B, int H, int count)
{
    const head_kind *k = head_kind_of(head);
    const head_batch p = {a, b, d, NULL, y, NULL, B, H, count};
    if (k->param_grads)
        k->param_grads(dhp, &p);
}
