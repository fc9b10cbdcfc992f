/* distance.h - Euclidean distance head, as the notebook's Lambda layer:
 *   d = sqrt(max(sum((a - b)^2), 1e-7))
 * The clamp keeps the square root away from 0; below it the distance is
 * constant, so its gradient is zero there (no NaN when a == b).
 *
 * B = pairs, D = embedding width. a and b are [B, D].
 */
#ifndef SIAMESE_DISTANCE_H
#define SIAMESE_DISTANCE_H

#define DISTANCE_EPS 1e-7f

/* d [B] = distance of row i of a and b; sq [B] keeps sum((a-b)^2). */
void distance_forward(float *d, float *sq, const float *a, const float *b, int B, int D);

/* da, db [B, D] = dd [B] * d(d)/d(a), d(d)/d(b); zero where sq < 1e-7. */
void distance_backward(float *da, float *db, const float *dd, const float *a, const float *b,
                       const float *sq, const float *d, int B, int D);

#endif
