/* test_augment.c - the augmentations of cold start (augment.h) and the
 * trainer's use of them:
 *  - --augment lists: good ones parse and print back, each kind of bad
 *    one is refused naming the item; shifts and rot90 that do not fit an
 *    image are refused;
 *  - each kind does what it says on a small image (a flip reverses rows,
 *    a shift moves by at most N with zero fill, brightness scales, a set
 *    without a kind leaves the image alone);
 *  - the trainer's first step of an epoch, stopped after one step: its
 *    augmented batch is, row by row, augment_pair_side of the pair's
 *    images keyed by the epoch's shuffle seed and the pair's number,
 *    for 1 and 3 threads alike; the validation images are keyed by the
 *    seed's stream 7;
 *  - with a folder DIR as argument, it writes what tests/augment_from_docs.py
 *    rebuilds from docs/design.md 3.8 (test_augment.sh runs both): the
 *    images of both splits, the first training batch and the augmented
 *    validation images, as .npy, and the numbers they come from in
 *    meta.txt.
 * S = the splits' images, B = pairs per step, P = C * H * W. */
#include <math.h>

#include "augment.h"
#include "check.h"
#include "npy.h"
#include "seeds.h"
#include "train.h"

static void parse_checks(void)
{
    augment_spec a;
    sm_err e;
    char out[128];
    CHECK(augment_parse(AUGMENT_DEFAULT, &a, &e) == 0, "default: %s", e.msg);
    augment_format(&a, out, sizeof out);
    CHECK(!strcmp(out, "flip,shift:2,brightness:0.2"), "default prints as %s", out);
    CHECK(augment_parse("noise:0.05,contrast:0.5,rot90,flipv,flip,shift:3,brightness:1", &a,
                        &e) == 0 && a.on == 0x7f && a.arg[AUG_SHIFT] == 3.0f &&
              a.arg[AUG_NOISE] == 0.05f && a.arg[AUG_FLIP] == 0,
          "every kind: %s", e.msg);
    augment_format(&a, out, sizeof out);
    augment_spec b;
    CHECK(augment_parse(out, &b, &e) == 0 && !memcmp(&a, &b, sizeof a) && augment_valid(&b),
          "'%s' does not parse back to the same set", out);
    static const struct {
        const char *list, *want;
    } bad[] = {
        {"bogus", "'bogus': unknown augmentation"},
        {"flip,,shift:2", "an empty item"},
        {"", "empty list"},
        {"shift", "'shift': shift needs a value (shift:N)"},
        {"shift:0", "'shift:0': shift expects a whole number of pixels, 1..255, found 0"},
        {"shift:2.5", "'shift:2.5': shift expects a whole number"},
        {"shift:256", "found 256"},
        {"noise:2", "'noise:2': noise expects a number F, 0 < F <= 1, found 2"},
        {"brightness:0", "found 0"},
        {"contrast:-0.1", "found '-0.1'"},
        {"contrast:nan", "found 'nan'"},
        {"brightness:0.2x", "found '0.2x'"},
        {"flip:1", "'flip:1': flip takes no value"},
        {"flip,flip", "'flip': flip is given twice"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        e.msg[0] = 0;
        CHECK(augment_parse(bad[i].list, &a, &e) == -1 && strstr(e.msg, bad[i].want),
              "'%s': message '%s' lacks '%s'", bad[i].list, e.msg, bad[i].want);
    }
    CHECK(augment_parse("shift:5,rot90", &a, &e) == 0, "%s", e.msg);
    CHECK(augment_check(&a, 6, 6, &e) == 0, "shift 5 fits 6 x 6: %s", e.msg);
    CHECK(augment_check(&a, 5, 6, &e) == -1 && strstr(e.msg, "'shift:5'"),
          "shift 5 on 6 x 5: %s", e.msg);
    a.arg[AUG_SHIFT] = 1;
    CHECK(augment_check(&a, 5, 6, &e) == -1 && strstr(e.msg, "'rot90'") &&
              strstr(e.msg, "6 x 5"), "rot90 on 6 x 5: %s", e.msg);
}

/* Each kind on one 4 x 5 grey image: what it must do, whatever it drew. */
static void kind_checks(void)
{
    enum { H = 4, W = 5, P = H * W };
    uint8_t src[P], dst[P], tmp[P];
    for (int i = 0; i < P; i++)
        src[i] = (uint8_t)(10 + 11 * i);
    augment_spec a;
    sm_err e;
    int flipped = 0, kept = 0;
    CHECK(augment_parse("flip", &a, &e) == 0, "%s", e.msg);
    for (uint64_t p = 0; p < 16; p++) {
        augment_pair_side(dst, tmp, src, 1, H, W, 0, &a, 7, p, 0);
        int same = !memcmp(dst, src, P), rev = 1;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                rev &= dst[y * W + x] == src[y * W + W - 1 - x];
        CHECK(same || rev, "flip gave neither the image nor its mirror (pair %llu)",
              (unsigned long long)p);
        flipped += rev;
        kept += same;
    }
    CHECK(flipped > 2 && kept > 2, "flip: %d flipped, %d kept of 16", flipped, kept);
    CHECK(augment_parse("shift:1", &a, &e) == 0, "%s", e.msg);
    int moved = 0;
    for (uint64_t p = 0; p < 16; p++) {
        augment_pair_side(dst, tmp, src, 1, H, W, 0, &a, 9, p, 1);
        int found = 0;
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++) {
                int ok = 1;
                for (int y = 0; y < H; y++)
                    for (int x = 0; x < W; x++) {
                        int sy = y - dy, sx = x - dx;
                        int in = sy >= 0 && sy < H && sx >= 0 && sx < W;
                        ok &= dst[y * W + x] == (in ? src[sy * W + sx] : 0);
                    }
                found |= ok;
                moved += ok && (dx || dy);
            }
        CHECK(found, "shift:1 gave no shift of at most 1 pixel (pair %llu)",
              (unsigned long long)p);
    }
    CHECK(moved > 4, "shift:1 moved %d of 16 images", moved);
    CHECK(augment_parse("brightness:0.5", &a, &e) == 0, "%s", e.msg);
    augment_pair_side(dst, tmp, src, 1, H, W, 0, &a, 3, 0, 0);
    /* The factor from a dark pixel (43: no clamp at 1.5), then every
     * pixel that factor times its own, clamped at 255, within rounding. */
    float f = (float)dst[3] / (float)src[3];
    CHECK(f >= 0.49f && f <= 1.51f && f != 1.0f, "brightness factor %g", f);
    for (int i = 0; i < P; i++)
        CHECK(fabsf(fminf((float)src[i] * f, 255.0f) - (float)dst[i]) <=
                  1.0f + (float)src[i] * 0.02f,
              "brightness: pixel %d is %u, %u x %g", i, dst[i], src[i], f);
    memset(&a, 0, sizeof a);
    augment_pair_side(dst, tmp, src, 1, H, W, 0, &a, 3, 0, 0);
    CHECK(!memcmp(dst, src, P), "the empty set changed the image");
}

/* A data set of random RGB 6 x 6 images: `n_train` and `n_test`. */
static void make_data(dataset_t *ds, size_t n_train, size_t n_test)
{
    memset(ds, 0, sizeof *ds);
    rng_t r;
    rng_seed(&r, 99, 0);
    split_t *sp[2] = {&ds->train, &ds->test};
    size_t n[2] = {n_train, n_test};
    for (int k = 0; k < 2; k++) {
        split_t *s = sp[k];
        s->n = n[k];
        s->channels = 3;
        s->rows = s->cols = 6;
        s->images = malloc(s->n * 108);
        s->labels = calloc(s->n, sizeof *s->labels);
        for (size_t i = 0; i < s->n * 108; i++)
            s->images[i] = (uint8_t)(rng_next(&r) >> 56);
        snprintf(s->where, sizeof s->where, "test %s", k ? "test" : "train");
    }
    sm_err e;
    classes_add(&ds->classes, "(unlabelled)", &e);
}

static int stop_after_one(void *ctx, size_t step, size_t steps, double loss)
{
    (void)ctx, (void)steps, (void)loss;
    return step >= 1;
}

/* The trainer's first step with T threads: *batch [2B, P] its augmented
 * images (malloc'd), *key the epoch's shuffle seed; checks each row
 * against augment_pair_side. */
static void first_step(const dataset_t *ds, const train_config *cfg, int T, uint8_t **batch,
                       uint64_t *key)
{
    sm_err e;
    net_shape s;
    CHECK(net_parse_layers("8", &s, &e) == 0, "%s", e.msg);
    net_set_input(&s, 3, 6, 6);
    model_t m;
    pairs_t tr, te;
    CHECK(model_init(&m, s, HEAD_EUCLIDEAN, *cfg, &e) == 0, "%s", e.msg);
    CHECK(seeds_pairs_for_model(ds, cfg, &tr, &te, &e) == 0, "%s", e.msg);
    trainer_t t;
    CHECK(trainer_init(&t, &m, &ds->train, &tr, T, KERNELS_AUTO, &e) == 0, "%s", e.msg);
    double loss;
    size_t done;
    CHECK(trainer_epoch(&t, &m, stop_after_one, NULL, &loss, &done, &e) == 1 && done == 1,
          "one step: %s", e.msg);
    const size_t B = cfg->batch, P = 108;
    uint8_t want[108], tmp[108];
    for (size_t k = 0; k < B; k++)
        for (int side = 0; side < 2; side++) {
            uint32_t pair = t.order[k];
            uint32_t img = side ? tr.right[pair] : tr.left[pair];
            augment_pair_side(want, tmp, ds->train.images, 3, 6, 6, img, &cfg->augment,
                              m.epoch_seed, pair, side);
            CHECK(!memcmp(want, t.aug + (side * B + k) * P, P),
                  "T = %d: batch row %zu (pair %u, side %d) is not augment_pair_side's", T,
                  side * B + k, pair, side);
        }
    *batch = malloc(2 * B * P);
    memcpy(*batch, t.aug, 2 * B * P);
    *key = m.epoch_seed;
    trainer_free(&t);
    pairs_free(&tr);
    pairs_free(&te);
    model_free(&m);
}

static void put_npy(const char *dir, const char *name, const uint8_t *b, size_t n, size_t P)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s.npy", dir, name);
    float *x = malloc(n * P * sizeof *x + 1);
    for (size_t i = 0; i < n * P; i++)
        x[i] = b[i];
    sm_err e;
    CHECK(npy_write_f32(path, x, n, P, &e) == 0, "%s", e.msg);
    free(x);
}

int main(int argc, char **argv)
{
    parse_checks();
    kind_checks();
    dataset_t ds;
    make_data(&ds, 37, 9);
    train_config cfg = train_config_default();
    cfg.batch = 16;
    cfg.seed = 1234;
    cfg.pairs = PAIRS_AUGMENT;
    sm_err e;
    const char *list = "rot90,shift:2,flip,flipv,brightness:0.3,contrast:0.4,noise:0.05";
    CHECK(augment_parse(list, &cfg.augment, &e) == 0, "%s", e.msg);
    uint8_t *b1, *b3;
    uint64_t k1, k3;
    first_step(&ds, &cfg, 1, &b1, &k1);
    first_step(&ds, &cfg, 3, &b3, &k3);
    CHECK(k1 == k3 && !memcmp(b1, b3, 2 * cfg.batch * 108),
          "the first batch differs between 1 and 3 threads");

    /* Validation: the test pairs, keyed by next() of (seed, 7). */
    pairs_t tr, te, vp;
    split_t vs;
    CHECK(seeds_pairs_for_model(&ds, &cfg, &tr, &te, &e) == 0, "%s", e.msg);
    CHECK(seeds_val_augmented(&ds.test, &te, &cfg, &vs, &vp, &e) == 0, "%s", e.msg);
    rng_t r;
    rng_seed(&r, cfg.seed, SEED_STREAM_VAL_AUGMENT);
    uint64_t vkey = rng_next(&r);
    uint8_t want[108], tmp[108];
    CHECK(vp.n == 18 && vs.n == 36, "validation: %zu pairs, %zu images", vp.n, vs.n);
    for (size_t k = 0; k < vp.n; k++) {
        augment_pair_side(want, tmp, ds.test.images, 3, 6, 6, te.right[k], &cfg.augment, vkey,
                          k, 1);
        CHECK(!memcmp(want, vs.images + (vp.n + k) * 108, 108) && vp.left[k] == k &&
                  vp.right[k] == vp.n + k && vp.same[k] == te.same[k],
              "validation pair %zu", k);
    }
    if (argc > 1) { /* the files augment_from_docs.py reads */
        put_npy(argv[1], "train", ds.train.images, ds.train.n, 108);
        put_npy(argv[1], "test", ds.test.images, ds.test.n, 108);
        put_npy(argv[1], "batch", b1, 2 * cfg.batch, 108);
        put_npy(argv[1], "val", vs.images, vs.n, 108);
        char path[4200];
        snprintf(path, sizeof path, "%s/meta.txt", argv[1]);
        FILE *f = fopen(path, "w");
        CHECK(f != NULL, "cannot write %s", path);
        if (f) {
            fprintf(f, "seed %llu\nepoch_seed %llu\nbatch %u\nshape 3 6 6\naugment %s\n",
                    (unsigned long long)cfg.seed, (unsigned long long)k1, cfg.batch, list);
            fclose(f);
        }
    }
    free(b1);
    free(b3);
    split_free(&vs);
    pairs_free(&vp);
    pairs_free(&tr);
    pairs_free(&te);
    dataset_free(&ds);
    return check_done("augment");
}
