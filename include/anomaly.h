/* anomaly.h - how far an image is from known good references.
 *
 * N = images scored, M = references, D = embedding width (or pixels, for
 * raw-pixel scoring). Distances are Euclidean with the distance head's
 * clamp, sqrt(max(|a|^2 + |b|^2 - 2 a.b, 1e-7)), computed for a tile of
 * images against a tile of references at once with SGEMM; no N x M matrix
 * is ever held whole.
 *
 * Scores (larger = more anomalous):
 *   ANOMALY_KNN       mean distance to the k nearest references
 *   ANOMALY_CENTROID  distance to the references' mean
 * The threshold is calibrated on the references alone: the q-quantile of
 * their leave-one-out scores (each reference scored against the others).
 */
#ifndef SIAMESE_ANOMALY_H
#define SIAMESE_ANOMALY_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef enum { ANOMALY_KNN = 0, ANOMALY_CENTROID = 1 } anomaly_score;

#define ANOMALY_MAX_K 1000

typedef struct {
    anomaly_score score;
    int k;        /* neighbours for ANOMALY_KNN, 1..min(ANOMALY_MAX_K, M) */
    int threads;  /* worker threads (each runs single-threaded BLAS) */
} anomaly_cfg;

/* scores [N] and nearest [N] (index of the nearest reference, whatever the
 * score) for images x [N, D] against references ref [M, D]. With
 * leave_one_out, x must be ref itself (N = M) and each row skips itself
 * (the centroid then leaves it out too). Returns 0 or -1 with e set. */
int anomaly_scores(const float *ref, size_t M, const float *x, size_t N, int D,
                   const anomaly_cfg *cfg, int leave_one_out, float *scores, uint32_t *nearest,
                   sm_err *e);

/* The q-quantile (0 < q <= 1, linear between order statistics, as numpy's
 * default) of v [n], n >= 1. */
float anomaly_quantile(const float *v, size_t n, double q);

#endif
