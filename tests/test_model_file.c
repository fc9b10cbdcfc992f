/* test_model_file.c - the model file: a save/load/save round trip is
 * bit-identical, every field comes back, and each kind of damage gets its
 * own message naming the field (magic, version, input, head, layer table,
 * class table, sizes, truncation, trailing bytes, CRC, non-finite
 * parameters); a version-1 file, written here byte by byte from the
 * documented layout, still loads; a failed save leaves the old file.
 *
 * Offsets below are those of docs/model-format.md, version 3 (version 2
 * is the same layout with `threads` where version 3 has `kernels`), and
 * for check_format4, version 4: a small conv model made with model_init
 * is written as version 4, read back bit-identical, and each of the new
 * fields damaged in turn is refused with that field named; for
 * check_format5, version 5: a model trained without labels (pairs
 * augment, one class) likewise, with the faults found by comparing
 * pairs with n_classes or augment named as pairs, and augmentations that
 * do not fit the images refused (train's own rule, augment_check). */
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "image.h"
#include "model_file.h"

static char dir[] = "/tmp/siamese-modelXXXXXX";

/* Version 2 header offsets (docs/model-format.md). */
enum {
    O_WIDTH = 12, O_HEIGHT = 16, O_GREY = 20, O_RESIZE = 24, O_HEAD = 28, O_NLAYERS = 32,
    O_WIDTHS = 36, O_LR = 68, O_RHO = 72, O_EPS = 76, O_MARGIN = 80, O_DROPOUT = 84,
    O_BATCH = 88, O_EPOCHS = 92, O_KERNELS = 96, O_SEED = 100, O_TRAIN_PAIRS = 108,
    O_EPOCH = 116, O_STEP = 120, O_RNG = 124, O_EPOCH_SEED = 156, O_LOSS_SUM = 164,
    O_FINGERPRINT = 172, O_THRESHOLD = 180, O_NCLASSES = 184, O_NPARAMS = 188, HEADER = 196,
    /* the ten Fashion-MNIST names, each a u16 length and its bytes */
    CLASS_BYTES = 10 * 2 + 66, BODY = HEADER + CLASS_BYTES,
};

static unsigned char *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)len + 1);
    *n = fread(b, 1, (size_t)len, f);
    fclose(f);
    return b;
}

static void write_all(const char *path, const unsigned char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    fwrite(b, 1, n, f);
    fclose(f);
}

static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = v;
    p[1] = v >> 8;
    p[2] = v >> 16;
    p[3] = v >> 24;
}

static void fix_crc(unsigned char *b, size_t n)
{
    put_u32(b + n - 4, (uint32_t)crc32(crc32(0, Z_NULL, 0), b, (uInt)(n - 4)));
}

/* Loads a damaged copy and expects failure with `want` in the message. */
static void expect_bad(const char *name, const unsigned char *b, size_t n, const char *want)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s.siam", dir, name);
    write_all(path, b, n);
    model_t m;
    sm_err e = {{0}};
    int rc = model_load(&m, path, &e);
    CHECK(rc == -1, "%s: damaged file was accepted", name);
    CHECK(strstr(e.msg, want) != NULL, "%s: message '%s' lacks '%s'", name, e.msg, want);
    CHECK(strstr(e.msg, path) != NULL, "%s: message '%s' does not name the file", name, e.msg);
    CHECK(m.params == NULL, "%s: model not left empty", name);
    printf("%-10s -> %s\n", name, e.msg);
    unlink(path);
}

/* Version 4 header offsets (docs/model-format.md). */
enum {
    V4_CHANNELS = 28, V4_IN_C = 32, V4_IN_H = 36, V4_IN_W = 40, V4_HEAD = 44, V4_NLAYERS = 48,
    V4_KINDS = 52, V4_ARGS = 116, V4_LR = 180, V4_EPOCH = 228, V4_NPARAMS = 300, V4_HEADER = 308,
};

static uint32_t get_u32(const unsigned char *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A model of `layers` on c x h x w images, its classes Fashion-MNIST's,
 * a few epochs and a position in the run recorded. */
static void small_model(model_t *m, const char *layers, int c, int h, int w, uint32_t head)
{
    sm_err e;
    net_shape s;
    CHECK(net_parse_layers(layers, &s, &e) == 0, "%s: %s", layers, e.msg);
    net_set_input(&s, c, h, w);
    train_config cfg = train_config_default();
    cfg.seed = 5;
    cfg.epochs = 4;
    CHECK(model_init(m, s, head, cfg, &e) == 0, "init %s: %s", layers, e.msg);
    CHECK(classes_fashion(&m->classes, &e) == 0, "classes");
    m->input = (input_spec){(uint32_t)w, (uint32_t)h, IMAGE_GREY_BT601, IMAGE_RESIZE_NONE,
                            (uint32_t)c};
    for (size_t i = 0; i < m->n_params; i++)
        m->velocity[i] = (float)i * 1e-5f;
    CHECK(model_add_epoch(m, 0.2f, 0.19f, &e) == 0, "history");
}

/* Saves m, checks the version on disk, loads it back (same shape, input,
 * parameters) and saves again: the same bytes. Returns the file (free()). */
static unsigned char *round_trip(const model_t *m, const char *path, uint32_t version,
                                 size_t *n)
{
    sm_err e;
    model_t l;
    CHECK(model_file_version(m) == version, "model_file_version %u, want %u",
          model_file_version(m), version);
    CHECK(model_save(m, path, &e) == 0, "save: %s", e.msg);
    unsigned char *b = read_all(path, n);
    CHECK(b && *n > 12 && get_u32(b + 8) == version, "version on disk %u, want %u",
          b ? get_u32(b + 8) : 0, version);
    CHECK(model_load(&l, path, &e) == 0, "load: %s", e.msg);
    if (!l.params)
        return b;
    layer_dims a = net_input_dims(m->shape), d = net_input_dims(l.shape);
    CHECK(net_shape_equal(l.shape, m->shape) && a.c == d.c && a.h == d.h && a.w == d.w,
          "shape differs after load");
    for (int k = 0; k < m->shape.layers; k++)
        CHECK(l.shape.kind[k] == m->shape.kind[k] && l.shape.width[k] == m->shape.width[k],
              "layer %d differs after load", k + 1);
    CHECK(memcmp(&l.input, &m->input, sizeof l.input) == 0, "input spec differs after load");
    CHECK(l.n_params == m->n_params && memcmp(l.params, m->params, m->n_params * 4) == 0 &&
              memcmp(l.velocity, m->velocity, m->n_params * 4) == 0,
          "parameters differ after load");
    char again[300];
    snprintf(again, sizeof again, "%s.again", path);
    CHECK(model_save(&l, again, &e) == 0, "save 2: %s", e.msg);
    size_t n2;
    unsigned char *b2 = read_all(again, &n2);
    CHECK(b2 && n2 == *n && memcmp(b, b2, n2) == 0, "version %u: save/load/save differs",
          version);
    free(b2);
    unlink(again);
    model_free(&l);
    return b;
}

static void check_format4(void)
{
    char path[256];
    snprintf(path, sizeof path, "%s/c.siam", dir);
    model_t m;
    /* conv, pool, conv, gap, dense on 6 x 5 grey images (odd sizes), the
     * learned head: its parameters follow the network's. */
    small_model(&m, "conv4,pool,conv8,gap,16", 1, 6, 5, HEAD_LEARNED);
    size_t want = 9 * 4 + 4 + 9 * 4 * 8 + 8 + 8 * 16 + 16 + 16 + 1;
    CHECK(m.n_params == want, "conv model: %zu parameters, want %zu", m.n_params, want);
    size_t n;
    unsigned char *b = round_trip(&m, path, 4, &n);
    CHECK(n == V4_HEADER + CLASS_BYTES + 8 + 8 * want + 4, "version-4 file of %zu bytes", n);
    CHECK(get_u32(b + 12) == 5 && get_u32(b + 16) == 6 && get_u32(b + V4_CHANNELS) == 1 &&
              get_u32(b + V4_IN_C) == 1 && get_u32(b + V4_IN_H) == 6 &&
              get_u32(b + V4_IN_W) == 5 && get_u32(b + V4_HEAD) == HEAD_LEARNED &&
              get_u32(b + V4_NLAYERS) == 5 && get_u32(b + V4_KINDS + 4) == LAYER_POOL &&
              get_u32(b + V4_KINDS + 12) == LAYER_GAP && get_u32(b + V4_ARGS + 8) == 8 &&
              get_u32(b + V4_ARGS + 16) == 16 && get_u32(b + V4_EPOCH) == 1 &&
              get_u32(b + V4_NPARAMS) == want,
          "version-4 header fields at the documented offsets");

    unsigned char *d = malloc(n + 64);
#define DAMAGE4(name, want, edit)                                                                  do {                                                                                               memcpy(d, b, n);                                                                               edit;                                                                                          fix_crc(d, n);                                                                                 expect_bad(name, d, n, want);                                                              } while (0)
    DAMAGE4("v4channels", "field channels: 2", put_u32(d + V4_CHANNELS, 2));
    DAMAGE4("v4rgb", "field in_c: 1 input channels, but field channels says 3",
            put_u32(d + V4_CHANNELS, 3));
    /* in_c sizes the first conv's kernel: like a damaged dense width, it is
     * caught by the size check that places the CRC. */
    DAMAGE4("v4in_c", "field n_params: 497 does not match the architecture (expected 569)",
            put_u32(d + V4_IN_C, 3));
    DAMAGE4("v4in_h", "field in_h/in_w", put_u32(d + V4_IN_H, 7));
    DAMAGE4("v4in_w", "field in_h/in_w", put_u32(d + V4_IN_W, 0));
    DAMAGE4("v4layers", "field n_layers: 17 layers: expected 1..16",
            put_u32(d + V4_NLAYERS, 17));
    DAMAGE4("v4kind", "field kinds: layer 2 is of unknown kind 9",
            put_u32(d + V4_KINDS + 4, 9));
    DAMAGE4("v4kindpast", "field kinds: entry 16 is 1", put_u32(d + V4_KINDS + 60, 1));
    DAMAGE4("v4argpast", "field args: entry 6 is 3", put_u32(d + V4_ARGS + 20, 3));
    DAMAGE4("v4dense0", "field args: layer 5 is 0 wide", put_u32(d + V4_ARGS + 16, 0));
    DAMAGE4("v4conv0", "kinds and args: layer 1: conv 0 is not a --layers item",
            put_u32(d + V4_ARGS, 0));
    DAMAGE4("v4conv", "kinds and args: layer 3: conv 1025 is not a --layers item",
            put_u32(d + V4_ARGS + 8, 1025));
    DAMAGE4("v4pool3", "kinds and args: layer 2: pool 3 is not a --layers item",
            put_u32(d + V4_ARGS + 4, 3));
    DAMAGE4("v4gapdense", "kinds and args: layer 3: conv after a dense layer",
            (put_u32(d + V4_KINDS + 4, LAYER_DENSE), put_u32(d + V4_ARGS + 4, 8)));
    /* 1 x 1 images: the pool of layer 2 has no pixels left; 6 x 1: it does
     * not fit. */
    DAMAGE4("v4nopixels", "--layers item 2 'pool' has no pixels left",
            (put_u32(d + 12, 1), put_u32(d + 16, 1), put_u32(d + V4_IN_W, 1),
             put_u32(d + V4_IN_H, 1)));
    DAMAGE4("v4nofit", "--layers item 2 'pool' does not fit its input of 4 x 6 x 1",
            (put_u32(d + 12, 1), put_u32(d + V4_IN_W, 1)));
    DAMAGE4("v4nparams", "field n_params", put_u32(d + V4_NPARAMS, (uint32_t)want + 1));
    DAMAGE4("v4lr", "field lr", put_u32(d + V4_LR, 0));
    memcpy(d, b, n);
    expect_bad("v4header", d, V4_HEADER, "the header alone needs 312");
    model_free(&m);
    free(b);

    /* Grey dense models of up to 8 layers stay version 3; an RGB input or
     * a ninth layer takes version 4. */
    small_model(&m, "8,8", 1, 4, 5, HEAD_EUCLIDEAN);
    free(round_trip(&m, path, 3, &n));
    model_free(&m);
    small_model(&m, "6,5", 3, 4, 5, HEAD_COSINE);
    b = round_trip(&m, path, 4, &n);
    memcpy(d, b, n);
    put_u32(d + V4_CHANNELS, 1);
    fix_crc(d, n);
    expect_bad("v4grey", d, n, "field in_c: 3 input channels, but field channels says 1");
    free(b);
    model_free(&m);
    small_model(&m, "3,3,3,3,3,3,3,3,3", 1, 2, 2, HEAD_MANHATTAN);
    free(round_trip(&m, path, 4, &n));
    model_free(&m);
    free(d);
    unlink(path);
}

/* Version 5 offsets: version 4's header, then pairs, augment and the
 * eight augment_args. */
enum { V5_PAIRS = 308, V5_AUGMENT = 312, V5_ARGS = 316, V5_HEADER = 348 };

static void check_format5(void)
{
    char path[256];
    snprintf(path, sizeof path, "%s/u.siam", dir);
    model_t m;
    sm_err e;
    small_model(&m, "conv4,gap,8", 1, 6, 6, HEAD_EUCLIDEAN);
    classes_free(&m.classes);
    CHECK(classes_add(&m.classes, "(unlabelled)", &e) == 0, "one class");
    m.cfg.pairs = PAIRS_AUGMENT;
    CHECK(augment_parse("noise:0.25,rot90,shift:2", &m.cfg.augment, &e) == 0, "%s", e.msg);
    size_t n;
    unsigned char *b = round_trip(&m, path, 5, &n);
    float arg;
    memcpy(&arg, b + V5_ARGS + 4 * AUG_NOISE, 4);
    CHECK(n == V5_HEADER + 2 + 12 + 8 + 8 * m.n_params + 4, "version-5 file of %zu bytes", n);
    CHECK(get_u32(b + V5_PAIRS) == PAIRS_AUGMENT &&
              get_u32(b + V5_AUGMENT) == ((1u << AUG_NOISE) | (1u << AUG_ROT90) |
                                          (1u << AUG_SHIFT)) &&
              get_u32(b + V5_ARGS + 4 * AUG_SHIFT) == 0x40000000u /* 2.0f */ &&
              arg == 0.25f && get_u32(b + V5_ARGS + 4 * AUG_ROT90) == 0 &&
              get_u32(b + V4_NLAYERS) == 3,
          "version-5 fields at the documented offsets");
    model_t l;
    CHECK(model_load(&l, path, &e) == 0 && l.cfg.pairs == PAIRS_AUGMENT &&
              l.cfg.augment.on == m.cfg.augment.on && l.classes.n == 1 &&
              memcmp(l.cfg.augment.arg, m.cfg.augment.arg, sizeof l.cfg.augment.arg) == 0,
          "version 5 read back: %s", e.msg);
    model_free(&l);
    unsigned char *d = malloc(n + 64);
#define DAMAGE5(name, want, edit)                                                                  do {                                                                                               memcpy(d, b, n);                                                                               edit;                                                                                          fix_crc(d, n);                                                                                 expect_bad(name, d, n, want);                                                              } while (0)
    DAMAGE5("v5pairs", "field pairs: 2: expected 0 (labels) or 1 (augment)",
            put_u32(d + V5_PAIRS, 2));
    /* Labels need two classes: this one-class file with pairs set to
     * labels is refused naming pairs (its class table is whole), and
     * without the CRC fixed, as damaged. */
    DAMAGE5("v5labels", "field pairs: 0 (labels), but field n_classes is 1: pairs of labels "
            "need 2..1000 classes", put_u32(d + V5_PAIRS, 0));
    memcpy(d, b, n);
    put_u32(d + V5_PAIRS, 0);
    expect_bad("v5labelscrc", d, n, "CRC-32 mismatch");
    /* The augmentations must fit the 6 x 6 images, as train's --augment
     * (augment_check): a shift of 6, or rot90 once the images are 5 x 6. */
    DAMAGE5("v5shift", "fields augment/augment_args: 'shift:6': a shift of 6 pixels does not "
            "fit images of 6 x 6", put_u32(d + V5_ARGS + 4 * AUG_SHIFT, 0x40c00000u /* 6.0f */));
    DAMAGE5("v5rot90", "fields augment/augment_args: 'rot90': the images are 5 x 6",
            (put_u32(d + 12, 5), put_u32(d + V4_IN_W, 5)));
    DAMAGE5("v5bits", "fields augment/augment_args", put_u32(d + V5_AUGMENT, 1u << 9));
    DAMAGE5("v5arg", "fields augment/augment_args",
            put_u32(d + V5_ARGS + 4 * AUG_SHIFT, 0x3f000000u /* 0.5f */));
    DAMAGE5("v5argoff", "fields augment/augment_args",
            put_u32(d + V5_ARGS + 4 * AUG_FLIP, 0x3f800000u /* 1.0f, flip is off */));
    DAMAGE5("v5spare", "fields augment/augment_args", put_u32(d + V5_ARGS + 28, 1));
    memcpy(d, b, n);
    expect_bad("v5header", d, V5_HEADER, "the header alone needs 352");
    free(d);
    free(b);
    /* A shift that does not fit is never written either. */
    m.cfg.augment.arg[AUG_SHIFT] = 6;
    CHECK(model_file_check(&m, path, &e) != 0 && strstr(e.msg, "'shift:6'"),
          "a model with shift:6 on 6 x 6 images should not be saved: %s", e.msg);
    model_free(&m);

    /* Ten classes, augment, then pairs set to labels: refused naming
     * pairs and augment, not as a bad set of augmentations. */
    small_model(&m, "conv4,gap,8", 1, 6, 6, HEAD_EUCLIDEAN);
    m.cfg.pairs = PAIRS_AUGMENT;
    CHECK(augment_parse("flip", &m.cfg.augment, &e) == 0, "%s", e.msg);
    b = round_trip(&m, path, 5, &n);
    d = malloc(n);
    DAMAGE5("v5labelsaug", "field pairs: 0 (labels), but field augment is 00000001",
            put_u32(d + V5_PAIRS, 0));
    free(d);
    free(b);
    model_free(&m);
    unlink(path);
}

int main(void)
{
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    char a[256], b[256];
    snprintf(a, sizeof a, "%s/a.siam", dir);
    snprintf(b, sizeof b, "%s/b.siam", dir);

    train_config cfg = train_config_default();
    cfg.seed = 77;
    cfg.epochs = 9;
    cfg.train_pairs = 1234;
    cfg.kernels = MODEL_KERNELS_OPENBLAS;
    model_t m, l;
    sm_err e;
    CHECK(model_init(&m, net_shape_default(784), HEAD_EUCLIDEAN, cfg, &e) == 0, "init: %s", e.msg);
    CHECK(classes_fashion(&m.classes, &e) == 0, "classes");
    m.input = (input_spec){28, 28, IMAGE_GREY_BT601, IMAGE_RESIZE_NONE, 1};
    m.fingerprint = 0x1122334455667788ull;
    m.threshold = 0.517f;
    CHECK(m.n_params == 133504, "parameter count %zu, want 133504", m.n_params);
    for (size_t i = 0; i < m.n_params; i++)
        m.velocity[i] = (float)i * 1e-6f;
    rng_next(&m.rng);
    m.step = 17;
    m.epoch_seed = 0x0123456789abcdefULL;
    m.loss_sum = 3.25;
    CHECK(model_add_epoch(&m, 0.11f, 0.086f, &e) == 0, "history");
    CHECK(model_add_epoch(&m, 0.08f, 0.074f, &e) == 0, "history");
    CHECK(model_save(&m, a, &e) == 0, "save: %s", e.msg);
    CHECK(model_load(&l, a, &e) == 0, "load: %s", e.msg);
    CHECK(l.epoch == 2 && l.cfg.seed == 77 && l.cfg.epochs == 9 && l.cfg.train_pairs == 1234 &&
              l.cfg.batch == 128 && l.cfg.lr == cfg.lr && l.cfg.rho == cfg.rho &&
              l.cfg.eps == cfg.eps && l.cfg.margin == cfg.margin &&
              l.cfg.dropout == cfg.dropout && l.cfg.kernels == MODEL_KERNELS_OPENBLAS,
          "fields differ after load");
    CHECK(memcmp(&l.rng, &m.rng, sizeof m.rng) == 0, "rng state differs");
    CHECK(l.step == 17 && l.epoch_seed == m.epoch_seed && l.loss_sum == 3.25,
          "mid-epoch position differs: step %u seed %llx sum %g", l.step,
          (unsigned long long)l.epoch_seed, l.loss_sum);
    CHECK(memcmp(l.params, m.params, m.n_params * 4) == 0, "params differ");
    CHECK(memcmp(l.velocity, m.velocity, m.n_params * 4) == 0, "velocity differs");
    CHECK(l.history[1].loss == 0.08f && l.history[0].val_loss == 0.086f, "history differs");
    CHECK(l.input.width == 28 && l.input.height == 28 && l.input.grey == IMAGE_GREY_BT601 &&
              l.input.resize == IMAGE_RESIZE_NONE && l.head == HEAD_EUCLIDEAN &&
              l.fingerprint == m.fingerprint && l.threshold == 0.517f,
          "input, head, fingerprint or threshold differ after load");
    CHECK(classes_equal(&l.classes, &m.classes), "class table differs after load");
    CHECK(l.shape.in_c == 1 && l.shape.in_h == 28 && l.shape.in_w == 28 && l.input.channels == 1,
          "a version-3 file's input: %d x %d x %d, channels %u", l.shape.in_c, l.shape.in_h,
          l.shape.in_w, l.input.channels);
    CHECK(model_save(&l, b, &e) == 0, "save 2: %s", e.msg);
    size_t na, nb;
    unsigned char *ba = read_all(a, &na), *bb = read_all(b, &nb);
    CHECK(na == nb && memcmp(ba, bb, na) == 0, "save/load/save is not bit-identical");
    CHECK(na == BODY + 2 * 8 + 2 * 133504 * 4 + 4, "file size %zu", na);
    model_free(&l);
    free(bb);

    unsigned char *d = malloc(na + 1200000);
#define DAMAGE(name, want, edit, len)                                                          \
    do {                                                                                       \
        memcpy(d, ba, na);                                                                     \
        edit;                                                                                  \
        expect_bad(name, d, len, want);                                                        \
    } while (0)
    DAMAGE("magic", "not a siamese model file", memcpy(d, "GIF89a..", 8), na);
    DAMAGE("version", "format version 6, this build reads versions 1 to 5", put_u32(d + 8, 6), na);
    DAMAGE("truncated", "truncated", (void)0, na - 100);
    DAMAGE("header", "truncated", (void)0, 60);
    DAMAGE("tiny", "shorter than the header", (void)0, 5);
    DAMAGE("trailing", "trailing bytes", memset(d + na, 0, 16), na + 16);
    DAMAGE("crc", "CRC-32 mismatch", d[5000] ^= 0x40, na);
    DAMAGE("epochs", "truncated", put_u32(d + O_EPOCH, 3), na);
#define FIELD(name, want, edit) DAMAGE(name, want, (edit, fix_crc(d, na)), na)
    FIELD("width", "field width/height", put_u32(d + O_WIDTH, 0));
    FIELD("grey", "field grey", put_u32(d + O_GREY, 7));
    FIELD("resize", "field resize", put_u32(d + O_RESIZE, 9));
    FIELD("head", "field head", put_u32(d + O_HEAD, 5));
    FIELD("layers", "field n_layers", put_u32(d + O_NLAYERS, 9));
    FIELD("widths", "field widths", put_u32(d + O_WIDTHS + 4, 0));
    FIELD("widths2", "field n_params", put_u32(d + O_WIDTHS + 4, 64));
    FIELD("layers4", "field widths", put_u32(d + O_NLAYERS, 4));
    FIELD("widths7", "field widths", put_u32(d + O_WIDTHS + 28, 1));
    FIELD("nparams", "field n_params", put_u32(d + O_NPARAMS, 5));
    FIELD("nclasses", "field n_classes", put_u32(d + O_NCLASSES, 1));
    FIELD("classname", "class table", d[HEADER] = 0);
    /* Class 7 ("Sneaker", after 7 names of 46 bytes and their lengths)
     * renamed "Trouser", the name of class 1. */
    FIELD("classdup", "a duplicate", memcpy(d + HEADER + 60 + 2, "Trouser", 7));
    float nan = NAN, inf = INFINITY;
    FIELD("nan", "NaN", memcpy(d + BODY + 16 + 40, &nan, 4));
    FIELD("inf", "infinite", memcpy(d + BODY + 16 + 400, &inf, 4));
    FIELD("history", "history", memcpy(d + BODY + 4, &nan, 4));
    double bad_sum = -1.0;
    FIELD("losssum", "field loss_sum", memcpy(d + O_LOSS_SUM, &bad_sum, 8));
    float big_lr = -1.0f;
    FIELD("lr", "field lr", memcpy(d + O_LR, &big_lr, 4));
    FIELD("batch", "field batch", put_u32(d + O_BATCH, 0));
    /* The epoch target once sized an allocation: 2^32-1 must be refused. */
    FIELD("target", "field epochs", put_u32(d + O_EPOCHS, 0xffffffffu));
    FIELD("epochgt", "field epoch", put_u32(d + O_EPOCHS, 1));
    FIELD("kernels", "field kernels", put_u32(d + O_KERNELS, 2));
    /* Version 2: the same layout, `threads` (1..256) in kernels' place. */
    FIELD("v2threads", "field threads", (put_u32(d + 8, 2), put_u32(d + O_KERNELS, 0)));
    {
        unsigned char *d2 = malloc(na);
        memcpy(d2, ba, na);
        put_u32(d2 + 8, 2);
        put_u32(d2 + O_KERNELS, 3);
        fix_crc(d2, na);
        char p2[300];
        snprintf(p2, sizeof p2, "%s/v2.siam", dir);
        write_all(p2, d2, na);
        model_t o;
        CHECK(model_load(&o, p2, &e) == 0, "version 2: %s", e.msg);
        if (o.params) {
            CHECK(o.cfg.kernels == MODEL_KERNELS_OPENBLAS && o.epoch == 2 &&
                      memcmp(o.params, m.params, m.n_params * 4) == 0,
                  "version 2: trained with OpenBLAS, same parameters");
            model_free(&o);
        }
        unlink(p2);
        free(d2);
    }
    FIELD("rng", "field rng", memset(d + O_RNG, 0, 32));
    FIELD("threshold", "field threshold", memcpy(d + O_THRESHOLD, &inf, 4));

    /* A version-1 file, written from the old layout (136-byte header, no
     * class table): it loads as the same network, Fashion-MNIST's classes,
     * a 28 x 28 input and no fingerprint. */
    {
        size_t n1 = 136 + 2 * 8 + 2 * 133504 * 4 + 4;
        unsigned char *v1 = calloc(1, n1);
        memcpy(v1, "SIAMMODL", 8);
        put_u32(v1 + 8, 1);
        put_u32(v1 + 12, 3);
        put_u32(v1 + 16, 784);
        put_u32(v1 + 20, 128);
        memcpy(v1 + 24, ba + O_LR, 5 * 4);          /* lr .. dropout */
        memcpy(v1 + 44, ba + O_BATCH, 3 * 4);       /* batch, epochs, threads (1) */
        memcpy(v1 + 56, ba + O_SEED, 16);           /* seed, train_pairs */
        memcpy(v1 + 72, ba + O_EPOCH, 8 + 32 + 16); /* epoch .. loss_sum */
        memcpy(v1 + 128, ba + O_NPARAMS, 8);
        memcpy(v1 + 136, ba + BODY, n1 - 136 - 4);
        fix_crc(v1, n1);
        char p1[300];
        snprintf(p1, sizeof p1, "%s/v1.siam", dir);
        write_all(p1, v1, n1);
        model_t o;
        CHECK(model_load(&o, p1, &e) == 0, "version 1: %s", e.msg);
        if (o.params) {
            CHECK(o.epoch == 2 && o.step == 17 && o.cfg.seed == 77 && o.input.width == 28 &&
                      o.input.height == 28 && o.fingerprint == 0 && isnan(o.threshold) &&
                      o.classes.n == 10 && strcmp(o.classes.names[9], "Ankle boot") == 0,
                  "version 1 fields");
            CHECK(memcmp(o.params, m.params, m.n_params * 4) == 0 &&
                      memcmp(o.velocity, m.velocity, m.n_params * 4) == 0,
                  "version 1 parameters differ");
            model_free(&o);
        }
        memcpy(d, v1, n1);
        put_u32(d + 12, 4);
        fix_crc(d, n1);
        expect_bad("v1layers", d, n1, "unsupported architecture");
        unlink(p1);
        free(v1);
    }

    check_format4();
    check_format5();

    /* Missing file. */
    model_t x;
    char missing[300];
    snprintf(missing, sizeof missing, "%s/none.siam", dir);
    CHECK(model_load(&x, missing, &e) == -1 && strstr(e.msg, "cannot open"), "missing: %s",
          e.msg);

    /* A save that cannot happen leaves the old file as it was and no
     * temporary file behind. */
    chmod(dir, 0500);
    int root = access(dir, W_OK) == 0; /* root ignores permissions */
    if (!root) {
        CHECK(model_save(&m, a, &e) == -1, "save into a read-only folder succeeded");
        size_t n2;
        unsigned char *again = read_all(a, &n2);
        CHECK(n2 == na && memcmp(again, ba, na) == 0, "old model file changed");
        free(again);
    }
    chmod(dir, 0700);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "ls %s | grep -c tmp", dir);
    FILE *p = popen(cmd, "r");
    int tmps = -1;
    if (p) {
        if (fscanf(p, "%d", &tmps) != 1)
            tmps = -1;
        pclose(p);
    }
    CHECK(tmps == 0, "temporary files left behind: %d", tmps);

    unlink(a);
    unlink(b);
    rmdir(dir);
    free(ba);
    free(d);
    model_free(&m);
    return check_done("model_file");
}
