/* head_kind.h - what a distance head is: one row of the head table
 * (heads.c), written by the head's own file (head_euclidean.c, ...).
 * head.h is the interface the rest of the code calls; it looks the row up
 * once per call and runs it. A new head is its file and one row.
 *
 * B = pairs, H = embedding width; a, b are [B, H]; hp are the head's own
 * parameters (head_param_count floats, after the network's); cache is
 * [B, cache] floats the forward pass keeps for the backward pass.
 */
#ifndef SIAMESE_HEAD_KIND_H
#define SIAMESE_HEAD_KIND_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"

/* A batch of B pairs after the forward pass, as backward reads it. */
typedef struct {
    const float *a, *b;   /* [B, H] the embeddings */
    const float *d;       /* [B] the distances */
    const float *cache;   /* [B, cache] forward's */
    const uint8_t *y;     /* [B] labels, 1 = same */
    const float *dd;      /* [B] d(loss)/d(d), filled for margin heads */
    int B, H;
    int count;            /* pairs the loss is the mean over */
} head_batch;

typedef struct {
    char name[16];       /* --distance's word; an array, so heads.c can list
                            the names as constants */
    int cache;           /* floats per pair kept for backward (0: none) */
    int has_margin;      /* 1: trains with the contrastive loss and a margin
                            (head.c, contrastive.h); 0: with its own loss */
    float default_margin, max_margin;
    float threshold;     /* of a model that stores none: this times the
                            margin for a margin head, else this */
    float sweep_step;    /* eval's sweep step ... */
    int sweep_by_margin; /* ... times the margin when 1 */
    /* Floats of the head's parameters for width H; NULL: none. */
    size_t (*param_count)(int H);
    /* hp [param_count] drawn from r; NULL: no parameters (draws nothing). */
    void (*init)(float *hp, int H, rng_t *r);
    /* d [B], cache [B, cache]. */
    void (*forward)(const float *hp, float *d, float *cache, const float *a, const float *b,
                    int B, int H);
    /* One pair a [H], b [H]: forward's bits (inspect calls it per pair). */
    float (*distance)(const float *hp, const float *a, const float *b, int H);
    /* A head without a margin: the loss of one pair (y = 1 same), and the
     * sum over B pairs in pair order (NULL for the margin heads). */
    double (*pair_loss)(float d, int y);
    double (*loss_sum)(const float *d, const uint8_t *y, int B);
    /* da, db [B, H] of the mean loss over p->count pairs. */
    void (*backward)(const float *hp, float *da, float *db, const head_batch *p);
    /* dhp [param_count] written, summed in pair order; NULL: none. */
    void (*param_grads)(float *dhp, const head_batch *p);
} head_kind;

/* The rows by id (heads.c). */
extern const head_kind *const head_rows[];

/* The row of head id `head` (< head_count(), checked by the caller). */
static inline const head_kind *head_kind_of(uint32_t head)
{
    return head_rows[head];
}

/* sign(x), 0 at 0: the sub-gradient of |x| the heads take. */
static inline float head_sign0(float x)
{
    return x > 0.0f ? 1.0f : x < 0.0f ? -1.0f : 0.0f;
}

#endif
