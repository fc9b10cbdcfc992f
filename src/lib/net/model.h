/* model.h - everything a training run is and needs to continue: the
 * network's shape, the hyper-parameters, the seed, the epochs done, the
 * training RNG, the optimizer state and the parameters. This is what the
 * model file holds (model_file.h). */
#ifndef SIAMESE_MODEL_H
#define SIAMESE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "augment.h"
#include "classes.h"
#include "err.h"
#include "head.h"
#include "net.h"
#include "rng.h"

typedef struct {
    float lr, rho, eps; /* RMSprop (Keras 3 form, see rmsprop.h) */
    float margin;       /* contrastive loss margin */
    float dropout;      /* dropout rate after every layer but the last */
    uint32_t batch;     /* pairs per step */
    uint32_t epochs;    /* epochs the run was asked for */
    uint64_t seed;      /* pairs, subset, init, shuffling, dropout */
    uint32_t kernels;   /* the products it trains with: MODEL_KERNELS_EXACT
                           (gemm.h's own paths, the same bits on every
                           CPU and thread count) or MODEL_KERNELS_OPENBLAS;
                           --resume keeps it */
    uint64_t train_pairs; /* size of the training subset, 0 = all pairs */
    uint32_t pairs;       /* PAIRS_LABELS (the notebook's, by class) or
                             PAIRS_AUGMENT (cold start: no labels seen) */
    augment_spec augment; /* PAIRS_AUGMENT: the augmentations; else empty */
} train_config;

enum { MODEL_KERNELS_EXACT = 0, MODEL_KERNELS_OPENBLAS = 1 };

/* Slots for the augmentations' arguments in model format 5 (AUG_KINDS
 * used, the rest 0). */
#define MODEL_AUGMENT_SLOTS 8
_Static_assert(AUG_KINDS <= MODEL_AUGMENT_SLOTS, "model format 5's augment slots");

/* How the training pairs are made (train --pairs; model format 5 stores
 * it, older files are PAIRS_LABELS). */
enum { PAIRS_LABELS = 0, PAIRS_AUGMENT = 1 };

/* "labels", "augment" by PAIRS_*, NULL-terminated (train --pairs). */
extern const char *const model_pairs_names[3];

/* Limits of what a model may be: the loader refuses anything larger, so
 * training refuses to start one. */
#define MODEL_MAX_INPUT 16384
#define MODEL_MAX_HIDDEN NET_MAX_WIDTH
/* Parameters in all (the file holds them twice, with RMSprop's state). */
#define MODEL_MAX_PARAMS ((size_t)24 << 20)
#define MODEL_MAX_EPOCHS 100000u
#define MODEL_MAX_BATCH 65536
#define MODEL_MAX_THREADS 256
/* Slots of the layer-width table in model format 3 (format 4 has
 * NET_MAX_LAYERS slots of kind and argument). */
#define MODEL_MAX_LAYERS 8

/* The largest side s of a square image whose s x s x channels inputs
 * are within MODEL_MAX_INPUT: 128 grey, 73 colour. */
int model_max_side(int channels);

/* The largest *fw x *fh of about w:h's shape (each side at least 1)
 * whose *fw x *fh x channels inputs are within MODEL_MAX_INPUT: a --size
 * to suggest for images of w x h (200 x 150 grey: 147 x 110). */
void model_fit_size(int channels, int w, int h, int *fw, int *fh);

/* 0 when shape is within the limits above (1..MODEL_MAX_INPUT inputs,
 * 1..NET_MAX_LAYERS layers of 1..MODEL_MAX_HIDDEN, at most
 * MODEL_MAX_PARAMS parameters), else -1 with e saying which. */
int model_check_shape(net_shape shape, sm_err *e);

/* The notebook's settings. */
train_config train_config_default(void);

typedef struct {
    float loss, val_loss;
} epoch_record;

/* What turns an image file into the network's input: grey by the formula
 * `grey` (or its red, green and blue planes when channels is 3: --rgb),
 * resized to width x height with the filter `resize` (or required to be
 * that size when IMAGE_RESIZE_NONE), then pixel / 255 (image.h). */
typedef struct {
    uint32_t width, height; /* W x H; channels x H x W = shape.in */
    uint32_t grey;          /* IMAGE_GREY_* */
    uint32_t resize;        /* IMAGE_RESIZE_* */
    uint32_t channels;      /* 1 grey, 3 RGB (model format 4 stores it;
                               older files are grey) */
} input_spec;


typedef struct {
    net_shape shape;
    input_spec input;
    uint32_t head;          /* HEAD_* (head.h); its parameters follow the
                               network's in params */
    class_table classes;    /* of the data it was trained on */
    uint64_t fingerprint;   /* dataset_fingerprint of that data, 0 = unknown */
    float threshold;        /* suggested from the training pairs; NaN = none */
    train_config cfg;
    uint32_t epoch;         /* epochs completed */
    rng_t rng;              /* training stream, as it stands now */
    /* Position inside an interrupted epoch (Ctrl-C saves mid-epoch):
     * steps done of epoch `epoch + 1`, 0 at an epoch boundary; the seed of
     * that epoch's shuffle; the sum of its pair losses so far. */
    uint32_t step;
    uint64_t epoch_seed;
    double loss_sum;
    size_t n_params;
    float *params;          /* [n_params] flat, net.h layout */
    float *velocity;        /* [n_params] RMSprop's v */
    epoch_record *history;  /* [epoch] losses of each epoch done */
    uint32_t history_cap;
} model_t;

/* The kernels a model's numbers come from (gemm.h): auto (the exact
 * paths, all alike) or openblas, as recorded in cfg.kernels. Commands
 * that compute with a model use it unless told otherwise. */
kernels_path model_kernels(const model_t *m);

/* Where the threshold a command judges pairs at came from. */
typedef enum { THRESHOLD_OPTION = 0, THRESHOLD_MODEL, THRESHOLD_DEFAULT } threshold_from;

/* "option", "model", "default" by threshold_from. */
extern const char *const threshold_from_names[3];

/* The one rule for the threshold of every command that calls pairs
 * "same" or "different" (eval, compare, show-pairs): `given` when
 * given_set (--threshold), else the threshold train stored in m, else
 * head_default_threshold(m->head, m->cfg.margin). *from (unless NULL)
 * says which. */
float model_threshold(const model_t *m, int given_set, float given, threshold_from *from);

/* Parameters of a model: the network's, then the head's. */
size_t model_param_count(net_shape shape, uint32_t head);

/* The head's parameters inside a flat buffer of model_param_count floats. */
float *model_head_params(const model_t *m, float *flat);

/* A fresh model: Glorot weights from the seed's training stream (the
 * network's, then the head's), v = 0, epoch 0. Returns 0 or -1 with e set
 * (sizes beyond the limits above, no memory). */
int model_init(model_t *m, net_shape shape, uint32_t head, train_config cfg, sm_err *e);

/* Records what the model needs to know of the data set it is trained on:
 * input size and preprocessing, class table, fingerprint. */
struct dataset_s;
int model_describe_data(model_t *m, const struct dataset_s *ds, sm_err *e);

/* Allocates the buffers of a model whose shape and n_params are set
 * (used by the loader). */
int model_alloc(model_t *m, uint32_t history_cap, sm_err *e);

/* Appends one epoch's losses, growing the history as needed. */
int model_add_epoch(model_t *m, float loss, float val_loss, sm_err *e);

/* Frees the buffers of m; safe on an empty model. */
void model_free(model_t *m);

#endif
