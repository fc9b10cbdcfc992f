/* contrastive.h - contrastive loss over a batch of B pair distances:
 *   loss = mean_i  y_i * d_i^2 + (1 - y_i) * max(margin - d_i, 0)^2
 * y = 1 for a same-class pair, 0 for different (the notebook's
 * contrastive_loss_with_margin). */
#ifndef SIAMESE_CONTRASTIVE_H
#define SIAMESE_CONTRASTIVE_H

#include <stdint.h>

/* Loss of one pair (y = 1 same). */
double contrastive_pair_loss(float d, int y, float margin);

/* Sum (not mean) of the per-pair losses of d [B] with labels y [B]. */
double contrastive_sum(const float *d, const uint8_t *y, int B, float margin);

/* dd [B] = d(loss)/d(d_i) for the mean loss over `count` pairs
 * (count = B for a batch). */
void contrastive_backward(float *dd, const float *d, const uint8_t *y, int B, float margin,
                          int count);

#endif
