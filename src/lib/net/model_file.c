/* model_file.c - model file writer and checked reader; see model_file.h and
 * docs/model-format.md. All numbers little-endian; floats IEEE-754 binary32.
 *
 * The header is described once, as a table of fields per format version;
 * the writer and the reader both walk the table, so they cannot disagree.
 * Version 1 (fixed 784-style input, Fashion-MNIST only) is read, never
 * written. */
#include "model_file.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "atomic_file.h"
#include "image.h"
#include "layer_kind.h"
#include "read_all.h"

/* Every header field of every version, unpacked. */
typedef struct {
    uint32_t layers, in, hidden;            /* v1 architecture */
    uint32_t width, height, grey, resize;   /* v2 input */
    uint32_t channels, in_c, in_h, in_w;    /* v4 input: planes, network dims */
    uint32_t head, n_layers;
    uint32_t kinds[NET_MAX_LAYERS];         /* v4; dense (0) in older files */
    uint32_t widths[NET_MAX_LAYERS];        /* each layer's argument ("args" in
                                               v4), MODEL_MAX_LAYERS slots
                                               before */
    float lr, rho, eps, margin, dropout;
    uint32_t batch, epochs, threads;       /* threads: v1, v2 */
    uint32_t kernels;                       /* v3 */
    uint64_t seed, train_pairs;
    uint32_t epoch, step;
    uint64_t rng[4], epoch_seed;
    double loss_sum;
    uint64_t fingerprint;
    float threshold;
    uint32_t n_classes;
    uint64_t n_params;
    uint32_t pairs, augment;                /* v5 */
    float aug_args[MODEL_AUGMENT_SLOTS];    /* v5 */
} header;

typedef enum { T_U32, T_U64, T_F32, T_F64 } ftype;

typedef struct {
    const char *name;
    ftype type;
    size_t off;   /* in header */
    int count;    /* array length (1 for scalars) */
} field;

#define F(name, type, member) {name, type, offsetof(header, member), 1}
#define FA(name, type, member, n) {name, type, offsetof(header, member), n}
#define FIELDS_END {NULL, T_U32, 0, 0}

static const field fields_v1[] = {
    F("layers", T_U32, layers),   F("in", T_U32, in),           F("hidden", T_U32, hidden),
    F("lr", T_F32, lr),           F("rho", T_F32, rho),         F("eps", T_F32, eps),
    F("margin", T_F32, margin),   F("dropout", T_F32, dropout), F("batch", T_U32, batch),
    F("epochs", T_U32, epochs),   F("threads", T_U32, threads), F("seed", T_U64, seed),
    F("train_pairs", T_U64, train_pairs), F("epoch", T_U32, epoch), F("step", T_U32, step),
    FA("rng", T_U64, rng, 4),     F("epoch_seed", T_U64, epoch_seed),
    F("loss_sum", T_F64, loss_sum), F("n_params", T_U64, n_params), FIELDS_END,
};

static const field fields_v2[] = {
    F("width", T_U32, width),     F("height", T_U32, height),   F("grey", T_U32, grey),
    F("resize", T_U32, resize),   F("head", T_U32, head),       F("n_layers", T_U32, n_layers),
    FA("widths", T_U32, widths, MODEL_MAX_LAYERS),
    F("lr", T_F32, lr),           F("rho", T_F32, rho),         F("eps", T_F32, eps),
    F("margin", T_F32, margin),   F("dropout", T_F32, dropout), F("batch", T_U32, batch),
    F("epochs", T_U32, epochs),   F("threads", T_U32, threads), F("seed", T_U64, seed),
    F("train_pairs", T_U64, train_pairs), F("epoch", T_U32, epoch), F("step", T_U32, step),
    FA("rng", T_U64, rng, 4),     F("epoch_seed", T_U64, epoch_seed),
    F("loss_sum", T_F64, loss_sum), F("fingerprint", T_U64, fingerprint),
    F("threshold", T_F32, threshold), F("n_classes", T_U32, n_classes),
    F("n_params", T_U64, n_params), FIELDS_END,
};

static const field fields_v3[] = {
    F("width", T_U32, width),     F("height", T_U32, height),   F("grey", T_U32, grey),
    F("resize", T_U32, resize),   F("head", T_U32, head),       F("n_layers", T_U32, n_layers),
    FA("widths", T_U32, widths, MODEL_MAX_LAYERS),
    F("lr", T_F32, lr),           F("rho", T_F32, rho),         F("eps", T_F32, eps),
    F("margin", T_F32, margin),   F("dropout", T_F32, dropout), F("batch", T_U32, batch),
    F("epochs", T_U32, epochs),   F("kernels", T_U32, kernels), F("seed", T_U64, seed),
    F("train_pairs", T_U64, train_pairs), F("epoch", T_U32, epoch), F("step", T_U32, step),
    FA("rng", T_U64, rng, 4),     F("epoch_seed", T_U64, epoch_seed),
    F("loss_sum", T_F64, loss_sum), F("fingerprint", T_U64, fingerprint),
    F("threshold", T_F32, threshold), F("n_classes", T_U32, n_classes),
    F("n_params", T_U64, n_params), FIELDS_END,
};

/* Version 4: version 3's fields with the input's channels and dims, and
 * for each of NET_MAX_LAYERS slots a layer's kind and argument. */
#define FIELDS_V4                                                                          \
    F("width", T_U32, width), F("height", T_U32, height), F("grey", T_U32, grey),          \
        F("resize", T_U32, resize), F("channels", T_U32, channels), F("in_c", T_U32, in_c), \
        F("in_h", T_U32, in_h), F("in_w", T_U32, in_w), F("head", T_U32, head),            \
        F("n_layers", T_U32, n_layers), FA("kinds", T_U32, kinds, NET_MAX_LAYERS),         \
        FA("args", T_U32, widths, NET_MAX_LAYERS), F("lr", T_F32, lr), F("rho", T_F32, rho), \
        F("eps", T_F32, eps), F("margin", T_F32, margin), F("dropout", T_F32, dropout),    \
        F("batch", T_U32, batch), F("epochs", T_U32, epochs), F("kernels", T_U32, kernels), \
        F("seed", T_U64, seed), F("train_pairs", T_U64, train_pairs),                      \
        F("epoch", T_U32, epoch), F("step", T_U32, step), FA("rng", T_U64, rng, 4),        \
        F("epoch_seed", T_U64, epoch_seed), F("loss_sum", T_F64, loss_sum),                \
        F("fingerprint", T_U64, fingerprint), F("threshold", T_F32, threshold),            \
        F("n_classes", T_U32, n_classes), F("n_params", T_U64, n_params)

static const field fields_v4[] = {FIELDS_V4, FIELDS_END};

/* Version 5: version 4's fields, then how the pairs were made (the model
 * of cold start, trained without labels) and the augmentations. Written
 * only for such a model, so every other file is byte for byte as
 * before. */
static const field fields_v5[] = {
    FIELDS_V4, F("pairs", T_U32, pairs), F("augment", T_U32, augment),
    FA("augment_args", T_F32, aug_args, MODEL_AUGMENT_SLOTS), FIELDS_END,
};

static size_t type_size(ftype t)
{
    return t == T_U32 || t == T_F32 ? 4 : 8;
}

/* Bytes of the fields of a table (magic and version not included). */
static size_t table_bytes(const field *t)
{
    size_t n = 0;
    for (; t->name; t++)
        n += type_size(t->type) * (size_t)t->count;
    return n;
}

static const field *table_of(uint32_t version)
{
    return version == 1 ? fields_v1 : version == 2 ? fields_v2 : version == 3 ? fields_v3
           : version == 4 ? fields_v4 : version == 5 ? fields_v5 : NULL;
}

/* A writer that keeps the running CRC of everything written. */
typedef struct {
    atomic_file *a;
    uLong crc;
} sink;

static void put(sink *s, const void *p, size_t n)
{
    atomic_write(s->a, p, n);
    const unsigned char *b = p;
    while (n) { /* crc32 takes a uInt length */
        uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
        s->crc = crc32(s->crc, b, k);
        b += k;
        n -= k;
    }
}

static void put_le(sink *s, uint64_t v, size_t bytes)
{
    unsigned char b[8];
    for (size_t i = 0; i < bytes; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    put(s, b, bytes);
}

static uint64_t field_bits(const header *h, const field *f, int i)
{
    const char *p = (const char *)h + f->off + (size_t)i * type_size(f->type);
    uint32_t u32;
    uint64_t u64;
    if (type_size(f->type) == 4) {
        memcpy(&u32, p, 4);
        return u32;
    }
    memcpy(&u64, p, 8);
    return u64;
}

static void set_field_bits(header *h, const field *f, int i, uint64_t v)
{
    char *p = (char *)h + f->off + (size_t)i * type_size(f->type);
    if (type_size(f->type) == 4) {
        uint32_t u32 = (uint32_t)v;
        memcpy(p, &u32, 4);
    } else {
        memcpy(p, &v, 8);
    }
}

static int check_header(const char *path, uint32_t version, const header *h, sm_err *e);

/* The fewest classes a model may hold: a model trained without labels
 * (format 5, pairs augment) on a folder of images holds one. */
static int classes_min(uint32_t version, const header *h)
{
    return version >= 5 && h->pairs != PAIRS_LABELS ? 1 : CLASSES_MIN; /* pairs checked next */
}

/* The fewest classes a file of this version may hold whatever its other
 * fields say: n_classes alone is checked against this (before the CRC,
 * to read the class table, and again with every field), and version 5's
 * pairs against n_classes with the pairs field (check_pairs), so damage
 * to pairs is not reported as n_classes. */
static int classes_floor(uint32_t version)
{
    return version >= 5 ? 1 : CLASSES_MIN;
}

static void header_of(header *h, const model_t *m)
{
    memset(h, 0, sizeof *h);
    h->width = m->input.width;
    h->height = m->input.height;
    h->grey = m->input.grey;
    h->resize = m->input.resize;
    h->channels = m->input.channels;
    if (m->shape.in_c > 0) {
        h->in_c = (uint32_t)m->shape.in_c;
        h->in_h = (uint32_t)m->shape.in_h;
        h->in_w = (uint32_t)m->shape.in_w;
    } else { /* a flat shape (model_init's default): the image's dims */
        h->in_c = m->input.channels;
        h->in_h = m->input.height;
        h->in_w = m->input.width;
    }
    h->head = m->head;
    h->n_layers = (uint32_t)m->shape.layers;
    for (int l = 0; l < m->shape.layers && l < NET_MAX_LAYERS; l++) {
        h->kinds[l] = (uint32_t)m->shape.kind[l];
        h->widths[l] = (uint32_t)m->shape.width[l];
    }
    h->lr = m->cfg.lr;
    h->rho = m->cfg.rho;
    h->eps = m->cfg.eps;
    h->margin = m->cfg.margin;
    h->dropout = m->cfg.dropout;
    h->batch = m->cfg.batch;
    h->epochs = m->cfg.epochs;
    h->kernels = m->cfg.kernels;
    h->seed = m->cfg.seed;
    h->train_pairs = m->cfg.train_pairs;
    h->epoch = m->epoch;
    h->step = m->step;
    memcpy(h->rng, m->rng.s, sizeof h->rng);
    h->epoch_seed = m->epoch_seed;
    h->loss_sum = m->loss_sum;
    h->fingerprint = m->fingerprint;
    h->threshold = m->threshold;
    h->n_classes = (uint32_t)m->classes.n;
    h->n_params = m->n_params;
    h->pairs = m->cfg.pairs;
    h->augment = m->cfg.augment.on;
    for (int k = 0; k < AUG_KINDS; k++)
        h->aug_args[k] = m->cfg.augment.arg[k];
}

uint32_t model_file_version(const model_t *m)
{
    if (m->cfg.pairs != PAIRS_LABELS)
        return 5;
    if (m->input.channels != 1 || m->shape.layers > MODEL_MAX_LAYERS)
        return 4;
    for (int l = 0; l < m->shape.layers; l++)
        if (m->shape.kind[l] != LAYER_DENSE)
            return 4;
    return 3;
}

/* m's header as `version` writes it, *h, passed through the loader's own
 * field checks: a file that would be refused is never written. */
static int check_writable(const char *path, const model_t *m, uint32_t version, header *h,
                          sm_err *e)
{
    header_of(h, m);
    if (m->classes.n < classes_min(version, h) || m->classes.n > CLASSES_MAX)
        return sm_fail(e, "%s: internal error: a model with %d classes", path, m->classes.n);
    sm_err why;
    if (check_header(path, version, h, &why) != 0)
        return sm_fail(e, "cannot save a model file the loader would refuse: %s", why.msg);
    return 0;
}

int model_file_check(const model_t *m, const char *path, sm_err *e)
{
    header h;
    return check_writable(path, m, model_file_version(m), &h, e);
}

int model_save(const model_t *m, const char *path, sm_err *e)
{
    header h;
    uint32_t version = model_file_version(m);
    if (check_writable(path, m, version, &h, e) != 0)
        return -1;
    atomic_file a;
    if (atomic_open(&a, path, e) != 0)
        return -1;
    sink s = {&a, crc32(0L, Z_NULL, 0)};
    put(&s, MODEL_MAGIC, 8);
    put_le(&s, version, 4);
    for (const field *f = table_of(version); f->name; f++)
        for (int i = 0; i < f->count; i++)
            put_le(&s, field_bits(&h, f, i), type_size(f->type));
    for (int c = 0; c < m->classes.n; c++) {
        size_t len = strlen(m->classes.names[c]);
        put_le(&s, len, 2);
        put(&s, m->classes.names[c], len);
    }
    for (uint32_t i = 0; i < m->epoch; i++) {
        put(&s, &m->history[i].loss, 4);
        put(&s, &m->history[i].val_loss, 4);
    }
    /* x86 and every platform Debian builds OpenBLAS for here is
     * little-endian; write whole arrays at once. */
    put(&s, m->params, m->n_params * sizeof *m->params);
    put(&s, m->velocity, m->n_params * sizeof *m->velocity);
    uint32_t crc = (uint32_t)s.crc;
    unsigned char b[4] = {crc, crc >> 8, crc >> 16, crc >> 24};
    atomic_write(&a, b, 4);
    return atomic_commit(&a, e);
}

/* A bounds-checked reader over the file's bytes: reading past len sets
 * `over` and yields zeros. */
typedef struct {
    const unsigned char *p;
    size_t pos, len;
    int over;
} cursor;

static uint64_t get_le(cursor *c, size_t bytes)
{
    if (c->pos + bytes > c->len) {
        c->over = 1;
        c->pos = c->len;
        return 0;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < bytes; i++)
        v |= (uint64_t)c->p[c->pos + i] << (8 * i);
    c->pos += bytes;
    return v;
}

static float get_f32(cursor *c)
{
    uint32_t v = (uint32_t)get_le(c, 4);
    float f;
    memcpy(&f, &v, 4);
    return f;
}

/* Reads the whole file, refusing files larger than `cap` bytes. */
static unsigned char *slurp(const char *path, size_t cap, size_t *len, sm_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        sm_fail(e, "%s: cannot open model file: %s%s", path, strerror(errno),
                errno == ENOENT ? " (train one with `siamese train`, or pass --model FILE)" : "");
        return NULL;
    }
    unsigned char *buf;
    read_status st = read_all(f, cap + 1, &buf, len); /* refuses a buffer above cap */
    fclose(f);
    if (st == READ_TOO_LARGE)
        sm_fail(e, "%s: not a model file: larger than %zu bytes", path, cap);
    else if (st == READ_NO_MEMORY)
        sm_fail(e, "%s: out of memory reading the model file", path);
    else if (st == READ_ERROR)
        sm_fail(e, "%s: read error", path);
    return buf;
}

/* The network a header describes (fields assumed checked). */
static net_shape shape_of(uint32_t version, const header *h)
{
    net_shape s = {0, (int)h->n_layers, {0}, {0}, 0, 0, 0};
    for (uint32_t l = 0; l < h->n_layers && l < NET_MAX_LAYERS; l++) {
        s.width[l] = (int)h->widths[l];
        s.kind[l] = version >= 4 ? (int)h->kinds[l] : LAYER_DENSE;
    }
    /* Before version 4 the input is one grey plane: 1 x height x width.
     * A product beyond the limit is left as IN = 0 (refused). */
    uint32_t c = version >= 4 ? h->in_c : 1, y = version >= 4 ? h->in_h : h->height,
             x = version >= 4 ? h->in_w : h->width;
    if (c <= MODEL_MAX_INPUT && y <= MODEL_MAX_INPUT && x <= MODEL_MAX_INPUT &&
        (uint64_t)c * y * x <= MODEL_MAX_INPUT)
        net_set_input(&s, (int)c, (int)y, (int)x);
    return s;
}

/* Version 1 files predate the input, head, layer table, class table and
 * fingerprint fields: they hold the notebook's network trained on
 * Fashion-MNIST (the only data version 1 could train on). */
static void upgrade_v1(header *h)
{
    uint32_t side = (uint32_t)lrint(sqrt((double)h->in));
    if (side * side == h->in) {
        h->width = h->height = side;
    } else {
        h->width = h->in;
        h->height = 1;
    }
    h->grey = IMAGE_GREY_BT601;
    h->resize = IMAGE_RESIZE_NONE;
    h->head = HEAD_EUCLIDEAN;
    h->n_layers = h->layers;
    for (uint32_t l = 0; l < h->layers && l < MODEL_MAX_LAYERS; l++)
        h->widths[l] = h->hidden;
    h->fingerprint = 0;
    h->threshold = NAN;
    h->n_classes = 10;
}

/* "dense, conv, pool, gap": the layer table's kinds in id order. */
static const char *kind_names(char buf[128])
{
    buf[0] = 0;
    for (int k = 0; k < layer_kind_count(); k++) {
        size_t n = strlen(buf);
        snprintf(buf + n, 128 - n, "%s%s", k ? ", " : "", layer_kind_of(k)->name);
    }
    return buf;
}

/* The input fields: the image's size, grey formula and resize filter;
 * version 4's channels and the network's input dims, which must be the
 * image's (channels x height x width). */
static int check_input(const char *path, uint32_t version, const header *h, sm_err *e)
{
    uint64_t in = (uint64_t)h->width * h->height;
    if (h->width == 0 || h->height == 0 || in > MODEL_MAX_INPUT)
        return sm_fail(e, "%s: field width/height: input of %u x %u pixels: expected 1..%d "
                       "pixels in all", path, h->width, h->height, MODEL_MAX_INPUT);
    if (h->grey != IMAGE_GREY_BT601)
        return sm_fail(e, "%s: field grey: unknown grey formula %u (expected %u)", path, h->grey,
                       IMAGE_GREY_BT601);
    if (h->resize != IMAGE_RESIZE_NONE && h->resize != IMAGE_RESIZE_BOX)
        return sm_fail(e, "%s: field resize: unknown resize filter %u (expected %u or %u)", path,
                       h->resize, IMAGE_RESIZE_NONE, IMAGE_RESIZE_BOX);
    if (version >= 4) {
        if (h->channels != 1 && h->channels != 3)
            return sm_fail(e, "%s: field channels: %u: expected 1 (grey) or 3 (RGB)", path,
                           h->channels);
        if (h->in_c != h->channels)
            return sm_fail(e, "%s: field in_c: %u input channels, but field channels says %u",
                           path, h->in_c, h->channels);
        if (h->in_h != h->height || h->in_w != h->width)
            return sm_fail(e, "%s: field in_h/in_w: the network takes %u x %u pixels, but the "
                           "images are %u x %u (height x width)", path, h->in_h, h->in_w,
                           h->height, h->width);
    }
    return 0;
}

/* The layer table: n_layers, then (version 4) each slot's kind, then each
 * slot's width or argument; a dense layer's width is checked here, every
 * other argument by model_check_shape afterwards. */
static int check_layer_table(const char *path, uint32_t version, const header *h, sm_err *e)
{
    /* Slots of the layer table: 8 widths before version 4, then 16 kinds
     * and arguments. */
    char names[128];
    int slots = version >= 4 ? NET_MAX_LAYERS : MODEL_MAX_LAYERS;
    const char *args = version >= 4 ? "args" : "widths";
    if (h->n_layers < 1 || h->n_layers > (uint32_t)slots)
        return sm_fail(e, "%s: field n_layers: %u layers: expected 1..%d", path, h->n_layers,
                       slots);
    for (int l = 0; version >= 4 && l < slots; l++) {
        uint32_t k = h->kinds[l];
        if (l < (int)h->n_layers && k >= (uint32_t)layer_kind_count())
            return sm_fail(e, "%s: field kinds: layer %d is of unknown kind %u (expected 0..%d: "
                           "%s)", path, l + 1, k, layer_kind_count() - 1, kind_names(names));
        if (l >= (int)h->n_layers && k != 0)
            return sm_fail(e, "%s: field kinds: entry %d is %u: expected 0 past the last layer",
                           path, l + 1, k);
    }
    for (int l = 0; l < slots; l++) {
        uint32_t w = h->widths[l];
        int dense = version < 4 || h->kinds[l] == LAYER_DENSE;
        if (l < (int)h->n_layers && dense && (w == 0 || w > MODEL_MAX_HIDDEN))
            return sm_fail(e, "%s: field %s: layer %d is %u wide: expected 1..%d", path, args,
                           l + 1, w, MODEL_MAX_HIDDEN);
        if (l >= (int)h->n_layers && w != 0)
            return sm_fail(e, "%s: field %s: entry %d is %u: expected 0 past the last "
                           "layer", path, args, l + 1, w);
    }
    return 0;
}

/* Version 5's pairs, augment and augment_args: labels (two classes or
 * more, no augmentation), or augment with a set augment_parse could give
 * that fits the images (augment_check: the rule train applies to
 * --augment). A fault found by comparing pairs with another field names
 * pairs first. */
static int check_pairs(const char *path, const header *h, sm_err *e)
{
    if (h->pairs != PAIRS_LABELS && h->pairs != PAIRS_AUGMENT)
        return sm_fail(e, "%s: field pairs: %u: expected %d (labels) or %d (augment)", path,
                       h->pairs, PAIRS_LABELS, PAIRS_AUGMENT);
    if (h->pairs == PAIRS_LABELS && h->n_classes < CLASSES_MIN)
        return sm_fail(e, "%s: field pairs: %d (labels), but field n_classes is %u: pairs of "
                       "labels need %d..%d classes (one class is a model trained with pairs "
                       "%d, augment)", path, PAIRS_LABELS, h->n_classes, CLASSES_MIN,
                       CLASSES_MAX, PAIRS_AUGMENT);
    if (h->pairs == PAIRS_LABELS && h->augment)
        return sm_fail(e, "%s: field pairs: %d (labels), but field augment is %08x: only "
                       "pairs %d (augment) has augmentations", path, PAIRS_LABELS, h->augment,
                       PAIRS_AUGMENT);
    augment_spec a = {h->augment, {0}};
    for (int k = 0; k < AUG_KINDS; k++)
        a.arg[k] = h->aug_args[k];
    int spare = 0;
    for (int k = AUG_KINDS; k < MODEL_AUGMENT_SLOTS; k++)
        spare |= h->aug_args[k] != 0;
    if (!augment_valid(&a) || spare)
        return sm_fail(e, "%s: fields augment/augment_args: not a set of augmentations "
                       "(bits %08x; see docs/model-format.md)", path, h->augment);
    sm_err fit;
    if (augment_check(&a, h->height, h->width, &fit) != 0)
        return sm_fail(e, "%s: fields augment/augment_args: %s", path, fit.msg);
    return 0;
}

/* The checks of the header fields, in the order docs/model-format.md
 * lists them. */
static int check_header(const char *path, uint32_t version, const header *h, sm_err *e)
{
    if (check_input(path, version, h, e) != 0)
        return -1;
    if (h->head >= head_count()) {
        char names[256];
        head_name_list(names, sizeof names, ", ");
        return sm_fail(e, "%s: field head: unknown distance head %u (expected 0..%u: %s)", path,
                       h->head, head_count() - 1, names);
    }
    if (check_layer_table(path, version, h, e) != 0)
        return -1;
    if (!(isfinite(h->lr) && h->lr > 0))
        return sm_fail(e, "%s: field lr: bad learning rate %g", path, h->lr);
    if (!(isfinite(h->rho) && h->rho >= 0 && h->rho < 1))
        return sm_fail(e, "%s: field rho: %g: expected 0 <= rho < 1", path, h->rho);
    if (!(isfinite(h->eps) && h->eps > 0))
        return sm_fail(e, "%s: field eps: bad epsilon %g", path, h->eps);
    if (!(isfinite(h->margin) && h->margin > 0 && h->margin <= head_max_margin(h->head)))
        return sm_fail(e, "%s: field margin: bad margin %g (expected above 0, at most %g for "
                       "this head)", path, h->margin, head_max_margin(h->head));
    if (!(isfinite(h->dropout) && h->dropout >= 0 && h->dropout < 1))
        return sm_fail(e, "%s: field dropout: %g: expected 0 <= rate < 1", path, h->dropout);
    if (h->batch == 0 || h->batch > MODEL_MAX_BATCH)
        return sm_fail(e, "%s: field batch: %u: expected 1..%d", path, h->batch,
                       MODEL_MAX_BATCH);
    if (h->epochs == 0 || h->epochs > MODEL_MAX_EPOCHS)
        return sm_fail(e, "%s: field epochs: %u: expected 1..%u", path, h->epochs,
                       MODEL_MAX_EPOCHS);
    if (version < 3 && (h->threads == 0 || h->threads > MODEL_MAX_THREADS))
        return sm_fail(e, "%s: field threads: %u: expected 1..%d", path, h->threads,
                       MODEL_MAX_THREADS);
    if (version >= 3 && h->kernels != MODEL_KERNELS_EXACT && h->kernels != MODEL_KERNELS_OPENBLAS)
        return sm_fail(e, "%s: field kernels: %u: expected %d (exact) or %d (openblas)", path,
                       h->kernels, MODEL_KERNELS_EXACT, MODEL_KERNELS_OPENBLAS);
    if (h->epoch > h->epochs)
        return sm_fail(e, "%s: field epoch: %u epochs done of %u asked for", path, h->epoch,
                       h->epochs);
    if (h->epoch == h->epochs && h->step != 0)
        return sm_fail(e, "%s: field step: %u steps into an epoch past the last", path, h->step);
    if (!h->rng[0] && !h->rng[1] && !h->rng[2] && !h->rng[3])
        return sm_fail(e, "%s: field rng: all-zero state (xoshiro256** would only give zeros)",
                       path);
    if (!isfinite(h->loss_sum) || h->loss_sum < 0 || (h->step == 0 && h->loss_sum != 0))
        return sm_fail(e, "%s: field loss_sum: bad running loss %g at step %u", path,
                       h->loss_sum, h->step);
    if (!(isnan(h->threshold) || (isfinite(h->threshold) && h->threshold >= 0)))
        return sm_fail(e, "%s: field threshold: %g: expected NaN (none) or a finite value >= 0",
                       path, h->threshold);
    if (h->n_classes < (uint32_t)classes_floor(version) || h->n_classes > CLASSES_MAX)
        return sm_fail(e, "%s: field n_classes: %u: expected %d..%d", path, h->n_classes,
                       classes_floor(version), CLASSES_MAX);
    if (version >= 5 && check_pairs(path, h, e) != 0)
        return -1;
    /* The rest of the shape, as --layers items (model_check_shape: each
     * argument one its kind's item accepts, no spatial layer after a
     * dense one, pixels left for every layer, the size limits). */
    net_shape shape = shape_of(version, h);
    if (model_check_shape(shape, e) != 0)
        return sm_fail(e, "%s: %s: %s", path, version >= 4 ? "fields in_c/in_h/in_w, kinds and args"
                       : "fields width/height and widths", e->msg);
    if (h->n_params != model_param_count(shape, h->head))
        return sm_fail(e, "%s: field n_params: %llu does not match the architecture (expected "
                       "%zu)", path, (unsigned long long)h->n_params,
                       model_param_count(shape, h->head));
    return 0;
}

/* The class table of a version 2 or 3 file: n names of u16 length +
 * bytes. */
static int read_classes(const char *path, cursor *c, uint32_t n, class_table *t, sm_err *e)
{
    memset(t, 0, sizeof *t);
    char name[CLASS_NAME_MAX + 1];
    for (uint32_t k = 0; k < n; k++) {
        size_t len = (size_t)get_le(c, 2);
        if (c->over || c->pos + len > c->len) {
            classes_free(t);
            return sm_fail(e, "%s: truncated model file: the class table ends early", path);
        }
        if (len == 0 || len > CLASS_NAME_MAX) {
            classes_free(t);
            return sm_fail(e, "%s: class table: name %u is %zu bytes: expected 1..%d", path, k,
                           len, CLASS_NAME_MAX);
        }
        memcpy(name, c->p + c->pos, len);
        name[len] = 0;
        c->pos += len;
        int bad = strlen(name) != len;
        for (size_t i = 0; i < len; i++)
            bad |= (unsigned char)name[i] < 0x20 || name[i] == 0x7f;
        if (bad || classes_find(t, name) >= 0 || classes_add(t, name, e) != 0) {
            classes_free(t);
            return sm_fail(e, "%s: class table: name %u is %s", path, k,
                           bad ? "not printable text" : "a duplicate");
        }
    }
    return 0;
}

/* The header: magic, version and the fields of that version's table
 * (version 1 upgraded to the fields it implies); c is left after it. */
static int read_header(const char *path, const unsigned char *buf, size_t len, cursor *c,
                       uint32_t *version, header *h, sm_err *e)
{
    if (len < 12)
        return sm_fail(e, "%s: not a model file: %zu bytes, shorter than the header", path, len);
    if (memcmp(buf, MODEL_MAGIC, 8) != 0)
        return sm_fail(e, "%s: not a siamese model file: expected magic \"%s\", found "
                       "\"%.8s\"", path, MODEL_MAGIC, (const char *)buf);
    *c = (cursor){buf, 8, len, 0};
    *version = (uint32_t)get_le(c, 4);
    const field *table = table_of(*version);
    if (!table)
        return sm_fail(e, "%s: model format version %u, this build reads versions 1 to %u",
                       path, *version, MODEL_VERSION);
    size_t head_bytes = 12 + table_bytes(table);
    if (len < head_bytes + 4)
        return sm_fail(e, "%s: truncated model file: %zu bytes, the header alone needs %zu", path,
                       len, head_bytes + 4);
    memset(h, 0, sizeof *h);
    for (const field *f = table; f->name; f++)
        for (int i = 0; i < f->count; i++)
            set_field_bits(h, f, i, get_le(c, type_size(f->type)));
    if (*version == 1) {
        /* Version 1 knew one network: 3 layers of one width, up to 1024. */
        if (h->layers != 3 || h->in == 0 || h->in > MODEL_MAX_INPUT || h->hidden == 0 ||
            h->hidden > 1024)
            return sm_fail(e, "%s: unsupported architecture: %u layers, %u inputs, %u hidden "
                           "(expected 3 layers, 1..%d inputs, 1..1024 hidden)", path, h->layers,
                           h->in, h->hidden, MODEL_MAX_INPUT);
        upgrade_v1(h);
    }
    return 0;
}

/* The fields that size the file (they place the CRC), checked before
 * the CRC so a damaged size is not trusted. */
static int check_sizes(const char *path, uint32_t version, const header *h, sm_err *e)
{
    if (h->epoch > MODEL_MAX_EPOCHS)
        return sm_fail(e, "%s: field epoch: absurd epoch count %u", path, h->epoch);
    net_shape shape = shape_of(version, h);
    sm_err ignored;
    if (h->n_layers >= 1 && h->n_layers <= NET_MAX_LAYERS && h->width * (uint64_t)h->height <=
        MODEL_MAX_INPUT && model_check_shape(shape, &ignored) == 0 && h->head < head_count()) {
        size_t want = model_param_count(shape, h->head);
        if (h->n_params != want)
            return sm_fail(e, "%s: field n_params: %llu does not match the architecture "
                           "(expected %zu)", path, (unsigned long long)h->n_params, want);
    } else if (h->n_params > MODEL_MAX_PARAMS + 4096) {
        return sm_fail(e, "%s: field n_params: absurd parameter count %llu", path,
                       (unsigned long long)h->n_params);
    }
    return 0;
}

/* The file's length against what the header says follows it (body
 * starts at byte `body`), then the CRC-32 of everything before it. */
static int check_length_crc(const char *path, const unsigned char *buf, size_t len, size_t body,
                            const header *h, sm_err *e)
{
    size_t expect = body + (size_t)h->epoch * 8 + 2 * (size_t)h->n_params * 4 + 4;
    if (len < expect)
        return sm_fail(e, "%s: truncated model file: %zu bytes, expected %zu", path, len, expect);
    if (len > expect)
        return sm_fail(e, "%s: model file has %zu trailing bytes after the expected %zu", path,
                       len - expect, expect);
    uLong crc = crc32(crc32(0L, Z_NULL, 0), buf, (uInt)(expect - 4));
    cursor t = {buf, expect - 4, len, 0};
    uint32_t stored = (uint32_t)get_le(&t, 4);
    if ((uint32_t)crc != stored)
        return sm_fail(e, "%s: CRC-32 mismatch (stored %08x, computed %08x): the file is "
                       "damaged", path, stored, (uint32_t)crc);
    return 0;
}

/* m's fields from a checked header (its class table already read). */
static void model_of(model_t *m, uint32_t version, const header *h)
{
    m->shape = shape_of(version, h);
    m->input = (input_spec){h->width, h->height, h->grey, h->resize,
                            version >= 4 ? h->channels : 1};
    m->head = h->head;
    m->fingerprint = h->fingerprint;
    m->threshold = h->threshold;
    m->cfg = (train_config){.lr = h->lr, .rho = h->rho, .eps = h->eps, .margin = h->margin,
                            .dropout = h->dropout, .batch = h->batch, .epochs = h->epochs,
                            .seed = h->seed, .kernels = h->kernels,
                            .train_pairs = h->train_pairs, .pairs = h->pairs};
    m->cfg.augment.on = h->augment;
    for (int k = 0; k < AUG_KINDS; k++)
        m->cfg.augment.arg[k] = h->aug_args[k];
    m->epoch = h->epoch;
    m->step = h->step;
    memcpy(m->rng.s, h->rng, sizeof h->rng);
    m->epoch_seed = h->epoch_seed;
    m->loss_sum = h->loss_sum;
    m->n_params = (size_t)h->n_params;
}

/* The history and the two parameter arrays after the class table, into
 * m's buffers (allocated here); m is freed on an error. */
static int read_body(model_t *m, const char *path, const unsigned char *buf, cursor *c,
                     sm_err *e)
{
    /* The history grows on demand: size it by what the file holds. */
    class_table keep = m->classes;
    memset(&m->classes, 0, sizeof m->classes);
    if (model_alloc(m, m->epoch + 1, e) != 0) {
        classes_free(&keep);
        return -1;
    }
    m->classes = keep;
    for (uint32_t i = 0; i < m->epoch; i++) {
        float loss = get_f32(c), val = get_f32(c);
        if (!(isfinite(loss) && loss >= 0 && isfinite(val) && val >= 0)) {
            model_free(m);
            return sm_fail(e, "%s: history: epoch %u has loss %g and val_loss %g: expected "
                           "finite values >= 0", path, i + 1, loss, val);
        }
        m->history[i].loss = loss;
        m->history[i].val_loss = val;
    }
    memcpy(m->params, buf + c->pos, m->n_params * 4);
    memcpy(m->velocity, buf + c->pos + m->n_params * 4, m->n_params * 4);
    for (size_t i = 0; i < m->n_params; i++) {
        float w = m->params[i], v = m->velocity[i];
        if (!isfinite(w)) {
            model_free(m);
            return sm_fail(e, "%s: parameter %zu is %s: refusing a model with non-finite "
                           "weights", path, i, isnan(w) ? "NaN" : "infinite");
        }
        if (!isfinite(v) || v < 0) {
            model_free(m);
            return sm_fail(e, "%s: optimizer state %zu is %g: expected a finite value >= 0",
                           path, i, v);
        }
    }
    return 0;
}

/* The checks in order: header, sizes, class table, length and CRC (a
 * damaged file is reported as damaged, whatever field the damage hit),
 * every field, then the body. */
static int parse(model_t *m, const char *path, const unsigned char *buf, size_t len, sm_err *e)
{
    cursor c = {buf, 0, len, 0};
    uint32_t version = 0;
    header h;
    if (read_header(path, buf, len, &c, &version, &h, e) != 0 || check_sizes(path, version, &h, e) != 0)
        return -1;
    memset(m, 0, sizeof *m);
    if (version >= 2) {
        if (h.n_classes < (uint32_t)classes_floor(version) || h.n_classes > CLASSES_MAX)
            return sm_fail(e, "%s: field n_classes: %u: expected %d..%d", path, h.n_classes,
                           classes_floor(version), CLASSES_MAX);
        if (read_classes(path, &c, h.n_classes, &m->classes, e) != 0)
            return -1;
    } else if (classes_fashion(&m->classes, e) != 0) {
        return -1;
    }
    if (check_length_crc(path, buf, len, c.pos, &h, e) != 0) {
        classes_free(&m->classes);
        return -1;
    }
    if (version < 3) /* trained by a build whose only products were OpenBLAS's */
        h.kernels = MODEL_KERNELS_OPENBLAS;
    if (check_header(path, version, &h, e) != 0) {
        classes_free(&m->classes);
        return -1;
    }
    model_of(m, version, &h);
    return read_body(m, path, buf, &c, e);
}

int model_load(model_t *m, const char *path, sm_err *e)
{
    memset(m, 0, sizeof *m);
    size_t len;
    unsigned char *buf = slurp(path, (size_t)1 << 28, &len, e);
    if (!buf)
        return -1;
    int rc = parse(m, path, buf, len, e);
    free(buf);
    if (rc != 0)
        memset(m, 0, sizeof *m);
    return rc;
}
