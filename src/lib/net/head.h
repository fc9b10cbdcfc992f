/* head.h - the distance head: two embeddings in, a dissimilarity d out
 * (small = same), and the loss it trains with. Every head keeps one
 * meaning of a threshold: a pair is "same" when d < threshold.
 *
 *   euclidean  d = sqrt(max(sum (a-b)^2, 1e-7))       contrastive loss
 *   manhattan  d = sum |a-b|                           contrastive loss
 *   cosine     d = 1 - a.b / (|a| |b|), in [0, 2]      contrastive loss
 *              (d = 1 when |a| |b| < 1e-12: a zero embedding has no
 *              direction; its gradient is 0 there). Arithmetic: float32
 *              sums of a_j b_j, a_j^2, b_j^2 in order j = 0, 1, ...,
 *              |a| = sqrtf(sum a_j^2), then 1 - a.b / (|a| |b|). When a
 *              sum or |a| |b| overflows to inf, the same is taken on
 *              a_j * (1 / max|a|) and b_j * (1 / max|b|), without the
 *              1e-12 guard and with the cosine clamped to [-1, 1]: finite
 *              embeddings give a finite d.
 *   learned    p = sigmoid(w . |a-b| + c), d = 1 - p   binary cross-entropy
 *              (Koch et al. 2015; w [H] and c are the head's parameters,
 *              appended to the network's in the flat parameter buffer)
 * Contrastive loss: y d^2 + (1 - y) max(margin - d, 0)^2, y = 1 for same.
 * Cross-entropy: -(y log p + (1-y) log(1-p)), p clipped to
 * [1e-7, 1 - 1e-7] in the value (as Keras does), the gradient
 * dL/dz = p - y from the logit z.
 * Sub-gradients: |x| at x = 0 takes 0 (manhattan, learned); below the
 * Euclidean clamp the gradient is 0.
 *
 * B = pairs, H = embedding width; a, b are [B, H]. Each head is its own
 * file (head_euclidean.c, ...) and one row of the table in heads.c
 * (head_kind.h); these calls look the row up and run it.
 */
#ifndef SIAMESE_HEAD_H
#define SIAMESE_HEAD_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"

/* The ids of the heads (a row's place in heads.c's table; model files
 * store it). Code that names one head uses these. */
enum { HEAD_EUCLIDEAN = 0, HEAD_MANHATTAN = 1, HEAD_COSINE = 2, HEAD_LEARNED = 3 };

/* Heads in the table: ids are 0 .. head_count() - 1. */
uint32_t head_count(void);

/* "euclidean", "manhattan", "cosine", "learned", indexed by head; NULL
 * after the last (an opt_choice list). */
extern const char *const head_names[];

/* The names in id order into buf [cap], joined by ", " and the last two
 * by `last` (", ": "euclidean, manhattan, cosine, learned"; " or ":
 * "euclidean, manhattan, cosine or learned"), for messages and help. */
void head_name_list(char *buf, size_t cap, const char *last);

/* Floats of the head's own parameters (learned: H + 1; others 0). */
size_t head_param_count(uint32_t head, int H);

/* Floats per pair head_forward keeps for head_backward (0 for some
 * heads: size buffers of B pairs as B * this, plus one). */
size_t head_cache_floats(uint32_t head);

/* 1 when the head trains with a margin (contrastive loss). */
int head_has_margin(uint32_t head);

/* The margin a head trains with by default (chosen by measurement, see
 * docs/design.md), and the largest it accepts. */
float head_default_margin(uint32_t head);
float head_max_margin(uint32_t head);

/* The threshold of a model that stores none (a version-1 file, or a run
 * stopped before its end): half the margin for the margin heads (0.5,
 * the notebook's, for the euclidean head at margin 1), 0.5 for learned
 * (p = 0.5). */
float head_default_threshold(uint32_t head, float margin);

/* The step of eval's sweep over thresholds (12 rows: step, 2 step, ...),
 * following the head's scale: euclidean 0.1 (0.1 .. 1.2), manhattan a
 * tenth of the margin, cosine 0.15 (d in [0, 2]), learned 0.08 (d in
 * [0, 1]). */
float head_sweep_step(uint32_t head, float margin);

/* Initial head parameters hp [head_param_count] (learned: Glorot-uniform
 * w, c = 0, drawn from r; others draw nothing). */
void head_init(uint32_t head, float *hp, int H, rng_t *r);

/* d [B] = dissimilarity of each pair; cache [B * head_cache_floats]. */
void head_forward(uint32_t head, const float *hp, float *d, float *cache, const float *a,
                  const float *b, int B, int H);

/* The dissimilarity of one pair a [H], b [H]: head_forward's bits. */
float head_distance(uint32_t head, const float *hp, const float *a, const float *b, int H);

/* Loss of one pair (y = 1 same). */
double head_pair_loss(uint32_t head, float d, int y, float margin);

/* Sum of the losses of the B pairs. */
double head_loss_sum(uint32_t head, const float *d, const uint8_t *y, int B, float margin);

/* Backward of the mean loss over `count` pairs: da, db [B, H] =
 * d(loss)/d(a), d(loss)/d(b); dd [B] is scratch. Every pair's da, db
 * depend on that pair alone, so the trainer's workers each take their own
 * pairs; the head's parameter gradient is head_param_grads. */
void head_backward(uint32_t head, const float *hp, float *da, float *db, float *dd,
                   const float *a, const float *b, const float *d, const float *cache,
                   const uint8_t *y, int B, int H, float margin, int count);

/* dhp [head_param_count] = d(mean loss over count pairs)/d(hp) from the B
 * pairs, added in pair order (written, not added; nothing for heads
 * without parameters). One call over the whole batch keeps the sum's
 * order fixed, however the pairs' other work was shared out. */
void head_param_grads(uint32_t head, float *dhp, const float *a, const float *b, const float *d,
                      const uint8_t *y, int B, int H, int count);

#endif
