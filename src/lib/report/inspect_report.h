/* inspect_report.h - what `siamese inspect` finds, as data. Known good
 * images (the references) against images to inspect: each image's anomaly
 * score (anomaly.h; the score is a row of anomaly_kinds, anomaly_kind.h)
 * and its nearest reference, a threshold calibrated on the references
 * alone, the verdicts and the ranking; with the MVTec AD layout (mvtec.h)
 * the truth is known, and AUROC, accuracy, precision and recall come
 * overall and per defect type; with the patch score and defect masks
 * (masks.h), so does the pixel-level AUROC of the anomaly maps. The CLI only formats the struct (text,
 * JSON, CSV, the PNG sheet): the numbers cannot differ between them.
 *
 * N = images to inspect, M = references, P = values of the compared size
 * (channels x pixels; the patch score: positions of its layer), D =
 * features per image (the embedding width, a layer's, or P for raw pixels;
 * per position for the patch score). */
#ifndef SIAMESE_INSPECT_REPORT_H
#define SIAMESE_INSPECT_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "embed.h"
#include "gemm.h"
#include "metrics.h"
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
    const char *features;   /* with a model: auto, embedding or layer:K (embed.h;
                               NULL = auto) */
    size_t bank;            /* the patch score's bank entries (0: every position) */
    int local;              /* the patch score: each position averaged over its
                               local x local neighbourhood (patch_local; 0, 1: not) */
    const char *maps;       /* the folder --maps writes the anomaly maps to (NULL:
                               none): the report names the files, the CLI writes them */
    int rgb;                /* raw pixels only: 1 keeps three channels */
    const char *masks;      /* the patch score with the MVTec layout: the defect
                               masks' folder (masks.h); NULL = ground_truth/ beside
                               images when it is a folder, else no pixel metrics */
    double pixels;          /* the patch score: each position's features followed
                               by its cell's pixels, their mean norm over the
                               references this times the features' (patch_pixels.h;
                               0: none) */
    int near;               /* the patch score: compare a position with the bank's
                               entries within near rows and columns of it
                               (patch.h), or PATCH_ANYWHERE */
} inspect_cfg;

/* A set of image files and what inspect learns of them. */
typedef struct {
    char **paths;   /* [n] */
    size_t n;
    size_t skipped; /* files that are not images by name */
    uint8_t *px;    /* [n, P] at the compared size and channels (P counts
                       every channel: grey, or RGB planes) */
    float *feat;    /* [n, D] features (embeddings, a layer's activations), or
                       pixels / 255; the patch score: [n, P, C] */
} inspect_set;

/* A defect type of the MVTec layout ([0] is good/). */
typedef struct {
    const char *name;
    size_t n;       /* images of this type */
    double flagged; /* the share flagged: the recall, for good/ the false-positive rate;
                       NAN for an empty good/ */
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
    double auroc, accuracy, precision, recall; /* anomalous = not good/; NAN where the
                                                  figure does not exist (no AUROC without
                                                  both classes, no precision with nothing
                                                  flagged, no recall without an anomalous
                                                  image) */
    size_t skipped;      /* files skipped in both sets, known once both are loaded */
    size_t also_ref;     /* images that are also references (the same file by device
                            and inode): each is compared with itself, which lowers its
                            score; the scores are not changed for it */
    char **type_names;   /* [ntypes], owned */
    /* What was compared (with a model): */
    embed_feat feat;     /* the layer and how it is taken */
    int embedding;       /* 1: the embedding itself, with the head's distance;
                            else euclidean distances of the features */
    size_t D;            /* floats per image (the patch score: per position) */
    /* The patch score (patch.h), else 0 / NULL: */
    int gh, gw;          /* the positions' grid, P = gh * gw */
    float *pos;          /* [N, P] each position's score: the anomaly map */
    size_t bank, positions; /* bank entries kept, of the references' positions */
    size_t calibrated;   /* the references the threshold was calibrated on (0: given) */
    double pixel_weight; /* with cfg.pixels: the weight of the cells' pixels, and */
    int cell_h, cell_w;  /* the cells' size (patch_pixels.h) */
    float map_top;       /* the maps' colour scale, 0 .. this: the largest position score */
    /* Pixel metrics (the patch score, the MVTec layout and a masks' folder),
     * else masks = NULL: every image's map (inspect_map) against its mask;
     * pixel.auroc is NAN, and pixel.type_auroc NULL, without a defect image. */
    char *masks;         /* the masks' folder read (given or found), owned */
    pixel_auroc_t pixel; /* overall and per type [ntypes] (metrics.h) */
    int usage_error;     /* set with a failure that is the options' (--masks without
                            the patch score's MVTec layout), not the data's */
} inspect_report;

/* knn's k when none is given, by measurement (scripts/measure_k.sh,
 * docs/results/inspect.md "The k of knn"): raw pixels do best with the
 * nearest reference, a model's pooled conv features with 5. */
#define INSPECT_K_PIXELS 1
#define INSPECT_K_FEATURES 5

/* The score a model's features f get when none is given (design.md 2.9,
 * README "Visual inspection"): the centroid on the embedding its head was
 * trained on (contrastive training pulls each class towards a point), knn
 * on any other layer (a conv model's pooled features: 0.95 against 0.86
 * for the centroid on classes the model never saw). An anomaly_score. */
int inspect_default_score(net_shape s, embed_feat f);

/* Refuses, before any work, a --reference or --images folder that is the
 * root of an MVTec AD category (mvtec_category, data/mvtec.h): its masks,
 * training and test images would all be read as one set. Returns 0, or -1
 * with e naming the option, the layout and the folder to give (a usage
 * error). */
int inspect_check_sets(const char *reference, const char *images, sm_err *e);

/* Builds the report for cfg into r. Returns 0, or -1 with e set;
 * inspect_free in both cases. */
int inspect_build(inspect_report *r, const inspect_cfg *cfg, sm_err *e);

void inspect_free(inspect_report *r);

/* The anomaly map of image i, map [H, W] (H, W = r->in's height and
 * width): its position scores upsampled bilinearly (patch_upsample). */
void inspect_map(const inspect_report *r, size_t i, float *map);

/* The file --maps writes image i's map to: cfg.maps/<i+1, zero-padded to
 * the digits of N>-<the image's path below cfg.images without its
 * extension, its folders joined by '-'>.png (test/scratch/000.png as
 * 09-scratch-000.png; a flat folder's ok00.png as 01-ok00.png), unique for
 * every image of the set by its index; the file name alone when the name
 * would pass INSPECT_MAP_NAME_MAX bytes, cut to fit: 255 (a file name's
 * limit on Linux) less the 13 of the ".probe-XXXXXX" and ".tmp-XXXXXX"
 * names the writer makes beside it (atomic_file.h). */
#define INSPECT_MAP_NAME_MAX 242
void inspect_map_path(const inspect_report *r, size_t i, char *buf, size_t n);

/* The type of image i, "" without the layout. */
const char *inspect_type_name(const inspect_report *r, size_t i);

#endif
