/* anomaly.h - how far an image is from known good references.
 *
 * N = images scored, M = references, D = embedding width (or pixels, for
 * raw-pixel scoring). Distances are the model's head's (head_distance,
 * head.h: the bits compare and eval compute for the same two embeddings);
 * raw pixels take the euclidean head. For the euclidean and cosine heads a
 * product (gemm.h, on the configured kernel path) of a tile of images
 * against a tile of references ranks the candidates (|x|^2 + |r|^2 - 2 x.r
 * on rows centred on the references' mean; 1 - x.r on rows of norm 1),
 * k + 3 of them per image, whose head distances are then taken; the
 * manhattan and learned heads take every reference's head distance. No
 * N x M matrix is ever held whole. On gemm's own paths (auto, avx512,
 * avx2, generic) the scores are the same bits for any path and thread
 * count; openblas ranks with its own rounding, so only two candidates
 * within its rounding of each other could be chosen otherwise.
 *
 * Scores (larger = more anomalous) are the rows of anomaly_kinds
 * (anomaly_kind.h), each computed from the same search:
 *   ANOMALY_KNN       mean distance to the k nearest references
 *   ANOMALY_CENTROID  distance to the references' mean
 * The threshold is calibrated on the references alone: the q-quantile of
 * their leave-one-out scores (each reference scored against the others).
 * A score is inf or nan only when the head's distance overflows float32.
 */
#ifndef SIAMESE_ANOMALY_H
#define SIAMESE_ANOMALY_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "gemm.h"
#include "head.h"

/* The rows of anomaly_kinds that code names; any row index is a score. */
typedef enum { ANOMALY_KNN = 0, ANOMALY_CENTROID = 1, ANOMALY_PATCH = 2 } anomaly_score;

#define ANOMALY_MAX_K 1000

typedef struct {
    anomaly_score score; /* a row of anomaly_kinds */
    int k;        /* neighbours for a score that uses them, 1..min(ANOMALY_MAX_K, M) */
    int threads;  /* worker threads (each runs single-threaded BLAS) */
    uint32_t head;        /* distance head (head.h); raw pixels: HEAD_EUCLIDEAN */
    const float *hp;      /* the head's parameters (learned), else NULL */
    kernels_path kernels; /* path of the ranking products (auto: the best own) */
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
