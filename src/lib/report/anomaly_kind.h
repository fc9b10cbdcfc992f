/* anomaly_kind.h - the anomaly scores, one row each: a row's index is
 * anomaly_cfg.score (anomaly.h). Every score reads the same search
 * (anomaly.c): the image's nearest references by the head's distance,
 * ascending (the k nearest for a score that takes --k, else the nearest),
 * and the references' mean and sum. A new score (a Gaussian, PaDiM-like)
 * is its file with its scoring call, plus one row in anomaly_kinds.c.
 * The patch score is a row too, for its name and --k, but it compares
 * positions, not images, against a memory bank: its search is patch.h's,
 * and its row says so (positions = 1, no scoring call).
 *
 * D = features per row, M = references. */
#ifndef SIAMESE_ANOMALY_KIND_H
#define SIAMESE_ANOMALY_KIND_H

#include <stddef.h>
#include <stdint.h>

/* A reference found near an image: its head distance and its index. */
typedef struct {
    float d;
    uint32_t i;
} anomaly_near;

/* What a score may read besides the image's own row. */
typedef struct {
    int D;
    int k;              /* neighbours asked for (uses_k), else 1 */
    int loo;            /* leave-one-out: the image is a reference, scored against the others */
    size_t M;           /* references */
    uint32_t head;      /* the distance head (head.h) */
    const float *hp;    /* its parameters (learned), else NULL */
    const float *mean;  /* [D] the references' mean */
    const double *sum;  /* [D] their sum in double, reference order */
} anomaly_refs;

/* The score (larger = more anomalous) of the image x [D] from its nearest
 * references near [n] (ascending, n <= k); scratch [D] is free to use.
 * Called once per image, from the scoring workers (so: no state). */
typedef float (*anomaly_score_fn)(const anomaly_refs *r, const float *x,
                                  const anomaly_near *near, int n, float *scratch);

typedef struct {
    const char *name;  /* the value of inspect's --score */
    int uses_k;        /* 1: scored from the k nearest (--k); 0: needs only the nearest */
    anomaly_score_fn score; /* NULL for a positions score */
    int positions;     /* 1: compares one vector per position of a conv layer, not one
                          per image: this search does not serve it (patch.h does) */
} anomaly_kind;

/* The rows, in the order of the anomaly_score names (anomaly.h). */
extern const anomaly_kind anomaly_kinds[];
extern const size_t anomaly_n_kinds;

/* The scoring calls, one file each. */
float anomaly_score_knn(const anomaly_refs *r, const float *x, const anomaly_near *near, int n,
                        float *scratch);
float anomaly_score_centroid(const anomaly_refs *r, const float *x, const anomaly_near *near,
                             int n, float *scratch);

#endif
