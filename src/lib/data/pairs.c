/* pairs.c - pair builder; see pairs.h. */
#include "pairs.h"

#include <stdlib.h>
#include <string.h>

void pairs_free(pairs_t *p)
{
    free(p->left);
    free(p->right);
    free(p->same);
    memset(p, 0, sizeof *p);
}

static int pairs_alloc(pairs_t *p, size_t n, sm_err *e)
{
    memset(p, 0, sizeof *p);
    p->left = malloc(n * sizeof *p->left + 1);
    p->right = malloc(n * sizeof *p->right + 1);
    p->same = malloc(n + 1);
    if (!p->left || !p->right || !p->same) {
        pairs_free(p);
        return sm_fail(e, "out of memory for %zu pairs", n);
    }
    p->n = n;
    return 0;
}

int pairs_build(const uint16_t *labels, size_t n, int classes, rng_t *r, pairs_t *out,
                sm_err *e)
{
    memset(out, 0, sizeof *out);
    if (classes < 2)
        return sm_fail(e, "pairs need at least two classes, found %d", classes);
    if (n > UINT32_MAX)
        return sm_fail(e, "too many images for pairs: %zu", n);

    /* Per-class index lists, as one buffer sorted by class (counting sort). */
    size_t *count = calloc((size_t)classes + 1, sizeof *count);
    uint32_t *byclass = malloc(n * sizeof *byclass + 1);
    if (!count || !byclass) {
        free(count);
        free(byclass);
        return sm_fail(e, "out of memory for %zu labels", n);
    }
    for (size_t i = 0; i < n; i++) {
        if (labels[i] >= classes) {
            free(count);
            free(byclass);
            return sm_fail(e, "label %u at index %zu: expected a class below %d", labels[i], i,
                           classes);
        }
        count[labels[i] + 1]++;
    }
    size_t smallest = n;
    int smallest_class = 0;
    for (int c = 0; c < classes; c++) {
        if (count[c + 1] < smallest) {
            smallest = count[c + 1];
            smallest_class = c;
        }
        count[c + 1] += count[c]; /* count[c] becomes the start of class c */
    }
    if (smallest < 2) {
        free(count);
        free(byclass);
        return sm_fail(e, "pairs need at least two images in every class; class %d has %zu",
                       smallest_class, smallest);
    }
    size_t *fill = malloc((size_t)classes * sizeof *fill);
    if (!fill) {
        free(count);
        free(byclass);
        return sm_fail(e, "out of memory");
    }
    memcpy(fill, count, (size_t)classes * sizeof *fill);
    for (size_t i = 0; i < n; i++)
        byclass[fill[labels[i]]++] = (uint32_t)i;
    free(fill);

    size_t per = smallest - 1;
    if (pairs_alloc(out, 2 * per * (size_t)classes, e) != 0) {
        free(count);
        free(byclass);
        return -1;
    }
    size_t k = 0;
    for (int c = 0; c < classes; c++) {
        const uint32_t *idx = byclass + count[c];
        for (size_t i = 0; i < per; i++) {
            out->left[k] = idx[i];
            out->right[k] = idx[i + 1];
            out->same[k++] = 1;
            int dn = (c + 1 + (int)rng_below(r, (uint32_t)classes - 1)) % classes;
            out->left[k] = idx[i];
            out->right[k] = byclass[count[dn] + i];
            out->same[k++] = 0;
        }
    }
    free(count);
    free(byclass);
    return 0;
}

int pairs_build_augment(size_t n, rng_t *r, pairs_t *out, sm_err *e)
{
    memset(out, 0, sizeof *out);
    if (n < 2)
        return sm_fail(e, "pairs of augmented images need at least two images, found %zu", n);
    if (n > UINT32_MAX / 2)
        return sm_fail(e, "too many images for pairs: %zu", n);
    if (pairs_alloc(out, 2 * n, e) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        out->left[2 * i] = out->right[2 * i] = (uint32_t)i;
        out->same[2 * i] = 1;
        out->left[2 * i + 1] = (uint32_t)i;
        out->right[2 * i + 1] = (uint32_t)((i + 1 + rng_below(r, (uint32_t)(n - 1))) % n);
        out->same[2 * i + 1] = 0;
    }
    return 0;
}

void pairs_subset(pairs_t *p, size_t count, rng_t *r)
{
    if (count >= p->n)
        return;
    /* Selection sampling (Knuth's algorithm S): one pass, keeps the order. */
    size_t kept = 0;
    for (size_t i = 0; i < p->n && kept < count; i++) {
        size_t left_items = p->n - i, need = count - kept;
        if ((uint64_t)rng_below(r, (uint32_t)left_items) < need) {
            p->left[kept] = p->left[i];
            p->right[kept] = p->right[i];
            p->same[kept] = p->same[i];
            kept++;
        }
    }
    p->n = kept;
}
