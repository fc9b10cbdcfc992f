/* inspect_report.h - what `siamese inspect` finds, as data. Known good
 * images (the references) against images to inspect: each image's anomaly
 * score (anomaly.h; the score is a row of anomaly_kinds, anomaly_kind.h)
 * and its nearest reference, a threshold calibrated on the references
 * alone, the verdicts and the ranking; with the MVTec AD layout (mvtec.h)
 * the truth is known, and AUROC, accuracy, precision and recall come
 * overall and per defect type. The CLI only formats the struct (text,
 * JSON, CSV, the PNG sheet): the numbers cannot differ between them.
 *
 * N = images to inspect, M = references, P = values of the compared size
 * (channels x pixels),
 * D = features per image (the embedding width, or P for raw pixels). */
#ifndef SIAMESE_INSPECT_REPORT_H
#define SIAMESE_INSPECT_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "gemm.h"
#include "model.h"

typedef struct {
    const char *reference;  /* good images: a folder (searched recursively) or a file */
    const char *images;     /* images to inspect: the same */
    const model_t *model;   /* NULL: raw pixels / 255, euclidean distances */
    const char *model_path; /* for messages ("none" with raw pixels) */
    int score;              /* a row of anomaly_kinds */
    int k;                  /* neighbours, for a score that uses them */
    int threads;
    kernels_path kernels;   /* the path of the products, resolved or auto */
    int threshold_set;      /* 1: threshold is given; else it is the quantile */
    float threshold;
    double quantile;        /* of the references' leave-one-out scores */
    int rgb;                /* raw pixels only: 1 keeps three channels */
} inspect_cfg;

/* A set of image files and what inspect learns of them. */
typedef struct {
    char **paths;   /* [n] */
    size_t n;
    size_t skipped; /* files that are not images by name */
    uint8_t *px;    /* [n, P] at the compared size and channels (P counts
                       every channel: grey, or RGB planes) */
    float *feat;    /* [n, D] embeddings, or pixels / 255 */
} inspect_set;

/* A defect type of the MVTec layout ([0] is good/). */
typedef struct {
    const char *name;
    size_t n;       /* images of this type */
    double flagged; /* the share flagged: the recall, for good/ the false-positive rate */
    double auroc;   /* good against this type; NAN for good/, or with no good image */
} inspect_type;

typedef struct {
    inspect_cfg cfg;
    inspect_set ref, img;
    input_spec in;      /* the size compared (raw pixels: the references') */
    float threshold;    /* an image is flagged when its score is above it */
    float *score;       /* [N] larger = more anomalous */
    uint32_t *nearest;  /* [N] index of the nearest reference */
    uint8_t *flagged;   /* [N] score > threshold */
    size_t n_flagged;
    size_t *rank;       /* [N] image indices, most anomalous first, ties in image order */
    /* The MVTec layout, when --images has it (else ntypes = 0): */
    int ntypes;
    inspect_type *types; /* [ntypes] */
    int *type;           /* [N] index into types, -1 without the layout */
    double auroc, accuracy, precision, recall; /* anomalous = not good/; AUROC may be NAN */
    size_t skipped;      /* files skipped in both sets, known once both are loaded */
    char **type_names;   /* [ntypes], owned */
} inspect_report;

/* Builds the report for cfg into r. Returns 0, or -1 with e set;
 * inspect_free in both cases. */
int inspect_build(inspect_report *r, const inspect_cfg *cfg, sm_err *e);

void inspect_free(inspect_report *r);

/* The type of image i, "" without the layout. */
const char *inspect_type_name(const inspect_report *r, size_t i);

#endif
