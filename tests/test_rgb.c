/* test_rgb.c - colour images as three input channels (--rgb, issue 18),
 * through the calls the commands make (dataset_open, export_dataset,
 * input_load_files, canvas_image):
 *  - a folder data set of PNGs whose red, green and blue planes differ
 *    (written here with stb_image_write from interleaved pixels, not with
 *    the code under test) loads with rgb = 1 as images
 *    [n, 3, rows, cols]: each plane is the file's channel, channels first;
 *    an RGBA PNG drops its alpha; a grey PNG gives three equal planes;
 *    so do a P6 PPM of maxval 1000 (scaled) and a P5 PGM;
 *  - the same folders load grey (rgb = 0) as BT.601 of the pixels; the
 *    colour fingerprint differs from the grey one, even for colour
 *    images whose three planes are the grey ones;
 *  - --size resizes each plane as the grey path resizes a grey image;
 *  - IDX files with rgb = 1 are refused with the message the CLI prints;
 *  - export of the colour set writes RGB PNGs that load back to the same
 *    planes and fingerprint;
 *  - a model input spec with channels 3 reads a file as 3 * H * W values;
 *  - canvas_image draws a colour image's pixels in their colours, and
 *    show-pairs' strip and inspect's sheet draw colour images in colour
 *    (grey ones in grey).
 *
 *   usage: test_rgb
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stb_image.h>
#include <stb_image_write.h>

#include "canvas.h"
#include "check.h"
#include "dataset.h"
#include "export.h"
#include "image.h"
#include "input.h"
#include "sheet.h"
#include "strip.h"

enum { W = 5, H = 4, PER_CLASS = 2 };

static char tmp[256];

static const char *tpath(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *tpath(const char *fmt, ...)
{
    static char p[4][4096];
    static int k;
    k = (k + 1) & 3;
    int n = snprintf(p[k], sizeof p[k], "%s/", tmp);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p[k] + n, sizeof p[k] - (size_t)n, fmt, ap);
    va_end(ap);
    return p[k];
}

/* The value of channel ch of pixel (r, q) of image `id`: every channel,
 * position and image different. */
static uint8_t value(int id, int ch, int r, int q)
{
    return (uint8_t)(17 * id + 61 * ch + 7 * r + 3 * q + (ch == 1 ? r * q : 0));
}

/* Writes image id as a PNG of `comp` channels (1 grey, 3 RGB, 4 RGBA),
 * interleaved as PNG stores them. */
static void write_png(const char *path, int id, int comp)
{
    uint8_t px[H * W * 4];
    for (int r = 0; r < H; r++)
        for (int q = 0; q < W; q++)
            for (int c = 0; c < comp; c++)
                px[(r * W + q) * comp + c] = c == 3 ? (uint8_t)(40 + r) : value(id, c, r, q);
    if (!stbi_write_png(path, W, H, comp, px, W * comp)) {
        fprintf(stderr, "FAIL: cannot write %s\n", path);
        exit(1);
    }
}

/* What the loader should give for image id (as written by write_png with
 * comp) in channel ch: alpha dropped, a grey file replicated. */
static uint8_t want(int id, int comp, int ch, int r, int q)
{
    return value(id, comp == 1 ? 0 : ch, r, q);
}

/* The kind of file of each image: class 0 RGB, class 1 RGBA then grey. */
static int comp_of(int cls, int i)
{
    return cls == 0 ? 3 : i == 0 ? 4 : 1;
}

static void make_set(void)
{
    const char *split[2] = {"train", "test"}, *cls[2] = {"a", "b"};
    for (int s = 0; s < 2; s++) {
        mkdir(tpath("rgb"), 0755);
        mkdir(tpath("rgb/%s", split[s]), 0755);
        for (int c = 0; c < 2; c++) {
            mkdir(tpath("rgb/%s/%s", split[s], cls[c]), 0755);
            for (int i = 0; i < PER_CLASS; i++)
                write_png(tpath("rgb/%s/%s/%d.png", split[s], cls[c], i),
                          s * 10 + c * PER_CLASS + i, comp_of(c, i));
        }
    }
}

/* Every image of both splits of ds (loaded with 3 channels from the set
 * make_set wrote) holds the planes the files hold. */
static void check_planes(const dataset_t *ds, const char *what)
{
    const split_t *sp[2] = {&ds->train, &ds->test};
    for (int s = 0; s < 2; s++) {
        const split_t *x = sp[s];
        CHECK(x->channels == 3 && x->rows == H && x->cols == W && x->n == 2 * PER_CLASS,
              "%s: split %d is %zu x %zu x %zu, %zu images", what, s, x->channels, x->rows,
              x->cols, x->n);
        if (x->channels != 3 || x->rows != H || x->cols != W || x->n != 2 * PER_CLASS)
            continue;
        int bad = 0;
        for (size_t k = 0; k < x->n; k++) {
            int c = x->labels[k], i = (int)k % PER_CLASS; /* class by class, in name order */
            int id = s * 10 + c * PER_CLASS + i;
            for (int ch = 0; ch < 3; ch++)
                for (int r = 0; r < H; r++)
                    for (int q = 0; q < W; q++)
                        bad += x->images[((k * 3 + (size_t)ch) * H + (size_t)r) * W + (size_t)q] !=
                               want(id, comp_of(c, i), ch, r, q);
        }
        CHECK(bad == 0, "%s: split %d: %d values differ from the files' channels", what, s, bad);
    }
}

static void test_load(void)
{
    sm_err e;
    dataset_t rgb, grey;
    data_options o = {.threads = 2, .rgb = 1};
    CHECK(dataset_open(tpath("rgb"), &o, &rgb, &e) == 0, "rgb load: %s", e.msg);
    check_planes(&rgb, "rgb load");

    /* Grey: BT.601 of the same pixels, the fingerprint of grey data. */
    o.rgb = 0;
    CHECK(dataset_open(tpath("rgb"), &o, &grey, &e) == 0, "grey load: %s", e.msg);
    CHECK(grey.train.channels == 1, "grey load: %zu channels", grey.train.channels);
    int bad = 0;
    for (size_t k = 0; k < grey.train.n; k++) {
        int c = grey.train.labels[k], i = (int)k % PER_CLASS, id = c * PER_CLASS + i;
        int comp = comp_of(c, i);
        for (int r = 0; r < H; r++)
            for (int q = 0; q < W; q++) {
                unsigned R = want(id, comp, 0, r, q), G = want(id, comp, 1, r, q),
                         B = want(id, comp, 2, r, q);
                uint8_t y = comp == 1 ? (uint8_t)R
                                      : (uint8_t)((299 * R + 587 * G + 114 * B + 500) / 1000);
                bad += grey.train.images[(k * H + (size_t)r) * W + (size_t)q] != y;
            }
    }
    CHECK(bad == 0, "grey load: %d pixels are not BT.601 of the files'", bad);
    /* (That grey fingerprints are those from before --rgb, the golden
     * test's models check.) */
    CHECK(rgb.fingerprint != grey.fingerprint, "rgb and grey fingerprints equal (%016llx)",
          (unsigned long long)rgb.fingerprint);
    /* A colour set whose planes are all equal is not the grey set either
     * (its CRCs cover three planes, and the channel count is hashed). */
    dataset_t one = rgb;
    split_t tr = rgb.train, te = rgb.test;
    size_t P = (size_t)H * W;
    uint8_t *a = malloc(tr.n * 3 * P), *b = malloc(te.n * 3 * P);
    for (size_t k = 0; k < tr.n; k++)
        for (int ch = 0; ch < 3; ch++)
            memcpy(a + (k * 3 + (size_t)ch) * P, grey.train.images + k * P, P);
    for (size_t k = 0; k < te.n; k++)
        for (int ch = 0; ch < 3; ch++)
            memcpy(b + (k * 3 + (size_t)ch) * P, grey.test.images + k * P, P);
    one.train.images = a;
    one.test.images = b;
    CHECK(dataset_fingerprint(&one) != grey.fingerprint,
          "three copies of the grey planes hash as the grey data");
    free(a);
    free(b);

    /* --size: each plane resized as a grey image is. */
    dataset_t small;
    data_options so = {.width = 3, .height = 2, .threads = 1, .rgb = 1};
    CHECK(dataset_open(tpath("rgb"), &so, &small, &e) == 0, "rgb --size: %s", e.msg);
    if (small.train.channels == 3 && small.train.rows == 2 && small.train.cols == 3) {
        uint8_t plane[H * W], out[6];
        int diff = 0;
        for (size_t k = 0; k < small.train.n; k++)
            for (int ch = 0; ch < 3; ch++) {
                memcpy(plane, rgb.train.images + (k * 3 + (size_t)ch) * P, P);
                CHECK(image_resize(plane, W, H, out, 3, 2, &e) == 0, "resize: %s", e.msg);
                diff += memcmp(out, small.train.images + (k * 3 + (size_t)ch) * 6, 6) != 0;
            }
        CHECK(diff == 0, "rgb --size: %d planes differ from the plane resized alone", diff);
    } else {
        CHECK(0, "rgb --size: %zu x %zu x %zu", small.train.channels, small.train.rows,
              small.train.cols);
    }
    dataset_free(&small);
    dataset_free(&grey);
    dataset_free(&rgb);
}

/* IDX files with rgb: refused before loading, with the CLI's words. */
static void test_idx(void)
{
    static const uint8_t img[16 + 4] = {0, 0, 8, 3, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 1};
    static const uint8_t lab[8 + 4] = {0, 0, 8, 1, 0, 0, 0, 4, 0, 1, 0, 1};
    mkdir(tpath("idx"), 0755);
    const char *names[4] = {"train-images-idx3-ubyte", "t10k-images-idx3-ubyte",
                            "train-labels-idx1-ubyte", "t10k-labels-idx1-ubyte"};
    for (int i = 0; i < 4; i++) {
        FILE *f = fopen(tpath("idx/%s", names[i]), "wb");
        fwrite(i < 2 ? img : lab, 1, i < 2 ? sizeof img : sizeof lab, f);
        fclose(f);
    }
    sm_err e;
    dataset_t ds;
    data_options o = {.threads = 1};
    CHECK(dataset_open(tpath("idx"), &o, &ds, &e) == 0, "idx grey: %s", e.msg);
    CHECK(ds.train.channels == 1, "idx: %zu channels", ds.train.channels);
    dataset_free(&ds);
    o.rgb = 1;
    CHECK(dataset_check_options(tpath("idx"), &o, &e) == -1 &&
              strstr(e.msg, "IDX files hold grey images; --rgb needs image folders"),
          "idx check: %s", e.msg);
    CHECK(dataset_open(tpath("idx"), &o, &ds, &e) == -1 &&
              strstr(e.msg, "IDX files hold grey images; --rgb needs image folders"),
          "idx rgb load: %s", e.msg);
    CHECK(dataset_check_options(tpath("rgb"), &o, &e) == 0, "folders rgb check: %s", e.msg);
}

static int never(void)
{
    return 0;
}

/* Export writes RGB PNGs that load back to the same planes. */
static void test_export(void)
{
    sm_err e;
    dataset_t ds, back;
    data_options o = {.threads = 1, .rgb = 1};
    CHECK(dataset_open(tpath("rgb"), &o, &ds, &e) == 0, "load: %s", e.msg);
    export_folder *folders = calloc((size_t)ds.classes.n, sizeof *folders);
    int a, b;
    CHECK(export_folder_names(&ds.classes, folders, &a, &b) == 0, "folder names");
    mkdir(tpath("out"), 0755);
    export_hooks h = {never, NULL};
    CHECK(export_dataset(&ds, folders, tpath("out"), 2, &h, &e) == 0, "export: %s", e.msg);
    int w, hh, comp;
    CHECK(stbi_info(tpath("out/train/a/0.png"), &w, &hh, &comp) && comp == 3,
          "exported file has %d channels, expected an RGB PNG", comp);
    CHECK(dataset_open(tpath("out"), &o, &back, &e) == 0, "load export: %s", e.msg);
    check_planes(&back, "export round trip");
    CHECK(back.fingerprint == ds.fingerprint, "export round trip: fingerprint %016llx, the "
          "source's %016llx", (unsigned long long)back.fingerprint,
          (unsigned long long)ds.fingerprint);
    dataset_free(&back);
    dataset_free(&ds);
    free(folders);
}

/* A spec of 3 channels reads a file as its planes; 1 as grey. */
static void test_input(void)
{
    sm_err e;
    input_spec in = input_raw(W, H);
    CHECK(in.channels == 1, "input_raw: %u channels", in.channels);
    char *paths[1] = {(char *)tpath("rgb/train/a/1.png")};
    uint8_t *px = NULL;
    in.channels = 3;
    CHECK(input_load_files(&in, paths, 1, 1, &px, &e) == 0, "rgb input: %s", e.msg);
    int bad = 0;
    for (int ch = 0; px && ch < 3; ch++)
        for (int r = 0; r < H; r++)
            for (int q = 0; q < W; q++)
                bad += px[(ch * H + r) * W + q] != value(1, ch, r, q);
    CHECK(bad == 0, "rgb input: %d values differ from the file's channels", bad);
    free(px);
    /* Drawn in colour: pixel (1, 2) at scale 2 is the file's colour. */
    grey_image g;
    CHECK(image_load(paths[0], 3, &g, &e) == 0, "image_load: %s", e.msg);
    canvas_t c;
    rgb_t white = {255, 255, 255};
    CHECK(canvas_init(&c, 2 * W, 2 * H, white, &e) == 0, "canvas: %s", e.msg);
    canvas_image(&c, 0, 0, g.px, 3, H, W, 2);
    const uint8_t *p = c.px + ((size_t)(2 * 1 + 1) * (size_t)c.w + (size_t)(2 * 2 + 1)) * 3;
    CHECK(p[0] == value(1, 0, 1, 2) && p[1] == value(1, 1, 1, 2) && p[2] == value(1, 2, 1, 2),
          "canvas_image: (%u, %u, %u), expected the file's colour", p[0], p[1], p[2]);
    canvas_free(&c);
    image_free(&g);
}

/* PGM/PPM, decoded by image.c itself: a P6 file's samples become its
 * planes (maxval 1000: each scaled to 0..255 first), a P5 file's grey is
 * replicated. */
static void test_pnm(void)
{
    sm_err e;
    grey_image g;
    FILE *f = fopen(tpath("c.ppm"), "wb");
    fprintf(f, "P6\n2 1\n1000\n");
    static const unsigned v[6] = {1000, 0, 500, 20, 600, 999}; /* (R, G, B), (R, G, B) */
    for (int i = 0; i < 6; i++)
        fputc((int)(v[i] >> 8), f), fputc((int)(v[i] & 255), f);
    fclose(f);
    CHECK(image_load(tpath("c.ppm"), 3, &g, &e) == 0, "ppm: %s", e.msg);
    int bad = 0;
    for (int ch = 0; g.px && ch < 3; ch++)
        for (int i = 0; i < 2; i++)
            bad += g.px[ch * 2 + i] != (v[i * 3 + ch] * 255 + 500) / 1000;
    CHECK(bad == 0 && g.channels == 3, "ppm: %d values are not the file's planes", bad);
    image_free(&g);
    f = fopen(tpath("g.pgm"), "wb");
    fprintf(f, "P5\n3 1\n255\n%c%c%c", 7, 130, 250);
    fclose(f);
    CHECK(image_load(tpath("g.pgm"), 3, &g, &e) == 0, "pgm: %s", e.msg);
    bad = 0;
    for (int ch = 0; g.px && ch < 3; ch++)
        bad += g.px[ch * 3] != 7 || g.px[ch * 3 + 1] != 130 || g.px[ch * 3 + 2] != 250;
    CHECK(bad == 0, "pgm: %d planes are not its grey", bad);
    image_free(&g);
}

/* 1 when some pixel of c is (r, g, b). */
static int has_colour(const canvas_t *c, uint8_t r, uint8_t g, uint8_t b)
{
    for (size_t i = 0; i < (size_t)c->w * (size_t)c->h; i++)
        if (c->px[3 * i] == r && c->px[3 * i + 1] == g && c->px[3 * i + 2] == b)
            return 1;
    return 0;
}

/* A strip of one pair and a sheet of one cell, of two 3 x 2 images of
 * one colour each (planes channels first): both colours are on the
 * picture. */
static void test_pictures(void)
{
    sm_err e;
    enum { P = 6 };
    uint8_t img[2 * 3 * P];
    static const uint8_t colour[2][3] = {{200, 49, 100}, {10, 180, 60}};
    for (int k = 0; k < 2; k++)
        for (int ch = 0; ch < 3; ch++)
            memset(img + (k * 3 + ch) * P, colour[k][ch], P);
    uint16_t labels[2] = {0, 0};
    split_t s = {.n = 2, .rows = 2, .cols = 3, .channels = 3, .images = img, .labels = labels};
    uint32_t left = 0, right = 1;
    uint8_t same = 1;
    pairs_t pr = {1, &left, &right, &same};
    size_t which = 0;
    strip_spec sp = {&s, &pr, &which, 1, NULL, 0, "t"};
    canvas_t c;
    CHECK(strip_render(&c, &sp, 2, &e) == 0, "strip: %s", e.msg);
    CHECK(has_colour(&c, 200, 49, 100) && has_colour(&c, 10, 180, 60),
          "strip: the colour images are not drawn in their colours");
    canvas_free(&c);
    /* The same bytes as one grey image of 3 x 6: grey, as before. */
    s.channels = 1;
    s.rows = 6;
    CHECK(strip_render(&c, &sp, 2, &e) == 0, "grey strip: %s", e.msg);
    CHECK(has_colour(&c, 49, 49, 49) && !has_colour(&c, 200, 49, 100), "grey strip");
    canvas_free(&c);
    sheet_cell cell = {img, img + 3 * P, 1.0f, 0, NULL, NULL, 0};
    CHECK(sheet_render(&c, &cell, 1, 3, 2, 3, 1, 2, "t", &e) == 0, "sheet: %s", e.msg);
    CHECK(has_colour(&c, 200, 49, 100) && has_colour(&c, 10, 180, 60),
          "sheet: the colour images are not drawn in their colours");
    canvas_free(&c);
}

int main(void)
{
    snprintf(tmp, sizeof tmp, "/tmp/siamese-rgb-XXXXXX");
    if (!mkdtemp(tmp)) {
        perror("mkdtemp");
        return 1;
    }
    make_set();
    test_load();
    test_idx();
    test_export();
    test_input();
    test_pictures();
    test_pnm();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "note: could not remove %s\n", tmp);
    return check_done("test_rgb");
}
