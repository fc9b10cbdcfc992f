/* test_image.c - images are read as the README says (image.h, folders.h),
 * through the calls every command makes (image_load_grey,
 * folders_list_images):
 *  - every seed of the fuzz corpus in a listed format decodes;
 *  - the damaged or unlisted ones are refused with the exact reason: a PNG
 *    chunk whose CRC is wrong (IDAT whose data still inflates, tEXt), PSD
 *    and HDR whatever the file is called (an HDR header claiming
 *    8192 x 8192, a PSD cut to one plane), a PGM sample above its maxval,
 *    a maxval of 0;
 *  - PGM/PPM samples become round(v * 255 / maxval): maxval 7, 2, 1000,
 *    4095 and 65535 checked value by value, and a maxval-4095 PGM of a
 *    picture gives the pixels of the 8-bit PNG of that picture;
 *  - folders are walked once each and files listed once each (device and
 *    inode): 20 folders each linking twice to the next list 20 images,
 *    fast, under the first path met; a folder given twice adds nothing.
 *
 *   usage: test_image CORPUS_DIR   (tests/fuzz/corpus/image)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "check.h"
#include "folders.h"
#include "image.h"

static const char *corpus;
static char tmp[256];

static const char *cpath(const char *name)
{
    static char p[4][4096];
    static int k;
    k = (k + 1) & 3;
    snprintf(p[k], sizeof p[k], "%s/%s", corpus, name);
    return p[k];
}

static const char *tpath(const char *name)
{
    static char p[4][4096];
    static int k;
    k = (k + 1) & 3;
    snprintf(p[k], sizeof p[k], "%s/%s", tmp, name);
    return p[k];
}

static void write_file(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "FAIL: cannot write %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

static unsigned char *read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    unsigned char *b = malloc(1 << 20);
    if (!f || !b) {
        fprintf(stderr, "FAIL: cannot read %s\n", path);
        exit(1);
    }
    *n = fread(b, 1, 1 << 20, f);
    fclose(f);
    return b;
}

/* The file is refused, the message starting with its path and holding
 * want. */
static void refused(const char *path, const char *want)
{
    grey_image g;
    sm_err e;
    e.msg[0] = 0;
    int rc = image_load_grey(path, &g, &e);
    CHECK(rc == -1 && !g.px, "%s: accepted as a %d x %d image, expected '%s'", path, g.w, g.h,
          want);
    CHECK(strncmp(e.msg, path, strlen(path)) == 0 && strstr(e.msg, want),
          "%s: expected '%s', found '%s'", path, want, e.msg);
    image_free(&g);
}

static int load(const char *path, grey_image *g)
{
    sm_err e;
    if (image_load_grey(path, g, &e) != 0) {
        CHECK(0, "%s: refused: %s", path, e.msg);
        return -1;
    }
    return 0;
}

static void test_corpus(void)
{
    static const char *const good[] = {
        "fashion.png", "grey16.png", "interlaced.png", "palette4.png", "rgba.png", "grey.jpg",
        "colour.jpg",  "grey8.bmp",  "colour.bmp",     "tiny.gif",    "grey.pgm", "colour.ppm",
        "grey12.pgm",  "grey.tga",   "rle.tga"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        grey_image g;
        if (load(cpath(good[i]), &g) == 0)
            CHECK(g.w > 0 && g.h > 0 && g.px, "%s: empty image", good[i]);
        image_free(&g);
    }
    static const struct {
        const char *file, *want;
    } bad[] = {
        {"refused-png-idat-crc.png",
         ": a damaged PNG file: the CRC of its IDAT chunk at byte 33 is "},
        {"refused-png-text-crc.png", ": a damaged PNG file: the CRC of its tEXt chunk at byte 33"},
        {"refused-psd-named.png", ": a PSD file: PSD files are not read (expected PNG, JPEG, BMP, "
                                  "GIF, PGM/PPM or TGA data)"},
        {"refused-psd-one-plane.psd", ": a PSD file: PSD files are not read"},
        {"refused-hdr-8192.png", ": a HDR (Radiance) file: HDR (Radiance) files are not read"},
        {"refused-hdr-third.hdr", ": a HDR (Radiance) file: HDR (Radiance) files are not read"},
        {"refused-pgm-above-maxval.pgm",
         ": a damaged PGM/PPM file: sample 101 at byte 12 is above its maxval 100"},
        {"refused-pgm-maxval-0.pgm", ": a damaged PGM/PPM file: its maxval is 0, expected 1 to "
                                     "65535"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        refused(cpath(bad[i].file), bad[i].want);

    /* The IDAT damage still inflates: with its CRC made right, the file
     * loads, with other pixels than the undamaged picture's (so only the
     * CRC check stands between it and a user). */
    size_t n;
    unsigned char *b = read_file(cpath("refused-png-idat-crc.png"), &n);
    uint32_t len = (uint32_t)b[33] << 24 | b[34] << 16 | b[35] << 8 | b[36];
    CHECK(memcmp(b + 37, "IDAT", 4) == 0, "refused-png-idat-crc.png: no IDAT at byte 33");
    uint32_t crc = (uint32_t)crc32(0, b + 37, len + 4);
    unsigned char *c = b + 41 + len;
    c[0] = (unsigned char)(crc >> 24), c[1] = (unsigned char)(crc >> 16);
    c[2] = (unsigned char)(crc >> 8), c[3] = (unsigned char)crc;
    write_file(tpath("crc-fixed.png"), b, n);
    free(b);
    grey_image g, ref;
    if (load(tpath("crc-fixed.png"), &g) == 0 && load(cpath("grey12.pgm"), &ref) == 0)
        CHECK(g.w == 8 && g.h == 8 && memcmp(g.px, ref.px, 64) != 0,
              "the damaged IDAT with its CRC fixed: %d x %d, same pixels as the picture", g.w,
              g.h);
    image_free(&g);
    image_free(&ref);
    /* A bad CRC on IHDR and on IEND too: every chunk. */
    b = read_file(cpath("grey16.png"), &n);
    b[29] ^= 1; /* IHDR's CRC (8 + 4 + 4 + 13) */
    write_file(tpath("ihdr.png"), b, n);
    b[29] ^= 1;
    b[n - 1] ^= 1; /* IEND's */
    write_file(tpath("iend.png"), b, n);
    free(b);
    refused(tpath("ihdr.png"), ": a damaged PNG file: the CRC of its IHDR chunk at byte 8 is ");
    refused(tpath("iend.png"), ": a damaged PNG file: the CRC of its IEND chunk at byte ");
    /* Not a format read: text, an ASCII PGM (P2), a GIF of another
     * version. */
    write_file(tpath("text.png"), "hello, world\n", 13);
    refused(tpath("text.png"), ": not an image: expected PNG, JPEG, BMP, GIF, PGM/PPM or TGA "
                               "data, found bytes 68 65 6c 6c...");
    write_file(tpath("ascii.pgm"), "P2\n2 1\n255\n0 255\n", 17);
    refused(tpath("ascii.pgm"), ": not an image: expected PNG");
    write_file(tpath("gif.gif"), "GIF88a\1\0\1\0\0\0\0;", 14);
    refused(tpath("gif.gif"), ": a damaged GIF file: its header cannot be read");
}

/* Writes a P5 (ch 1) or P6 (ch 3) file of samples v[n * ch]. */
static void write_pnm(const char *path, int ch, int w, int h, unsigned maxval, const unsigned *v)
{
    size_t n = (size_t)w * (size_t)h * (size_t)ch, k = 0;
    unsigned char *b = malloc(64 + 2 * n);
    k = (size_t)sprintf((char *)b, "P%c\n# a comment\n%d %d\n%u\n", ch == 1 ? '5' : '6', w, h,
                        maxval);
    for (size_t i = 0; i < n; i++) {
        if (maxval > 255)
            b[k++] = (unsigned char)(v[i] >> 8);
        b[k++] = (unsigned char)v[i];
    }
    write_file(path, b, k);
    free(b);
}

static void test_maxval(void)
{
    /* Value by value: round(v * 255 / maxval), halves up. */
    static const struct {
        unsigned maxval;
        unsigned v[4], want[4];
    } cases[] = {
        {7, {0, 3, 4, 7}, {0, 109, 146, 255}},       /* 109.29, 145.71 */
        {2, {0, 1, 2, 2}, {0, 128, 255, 255}},       /* 127.5 rounds up */
        {1000, {1, 2, 500, 999}, {0, 1, 128, 255}},  /* 0.255, 0.51, 127.5, 254.745 */
        {4095, {8, 9, 2048, 4094}, {0, 1, 128, 255}},/* 0.498, 0.560, 127.53, 254.94 */
        {65535, {128, 129, 32767, 65535}, {0, 1, 127, 255}}, /* 0.498, 0.502, 127.498 */
        {255, {0, 1, 254, 255}, {0, 1, 254, 255}},
        {100, {0, 50, 99, 100}, {0, 128, 252, 255}}, /* 127.5, 252.45 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        grey_image g;
        write_pnm(tpath("mv.pgm"), 1, 4, 1, cases[i].maxval, cases[i].v);
        if (load(tpath("mv.pgm"), &g) == 0)
            for (int k = 0; k < 4; k++)
                CHECK(g.px[k] == cases[i].want[k], "maxval %u: sample %u gave %u, expected %u",
                      cases[i].maxval, cases[i].v[k], g.px[k], cases[i].want[k]);
        image_free(&g);
    }

    /* The same picture as an 8-bit PNG and as PGM/PPM of several maxvals:
     * the same pixels. fashion.png is a real 28 x 28 grey picture. */
    grey_image png;
    if (load(cpath("fashion.png"), &png) != 0)
        return;
    size_t P = (size_t)png.w * (size_t)png.h;
    unsigned *v = malloc(3 * P * sizeof *v);
    static const unsigned maxvals[] = {4095, 65535, 1000, 255, 511, 256};
    for (size_t m = 0; m < sizeof maxvals / sizeof *maxvals; m++) {
        unsigned M = maxvals[m];
        for (size_t i = 0; i < P; i++) /* round(p * M / 255) */
            v[i] = (png.px[i] * M * 2 + 255) / 510;
        grey_image g;
        write_pnm(tpath("same.pgm"), 1, png.w, png.h, M, v);
        if (load(tpath("same.pgm"), &g) == 0)
            CHECK(g.w == png.w && g.h == png.h && memcmp(g.px, png.px, P) == 0,
                  "a maxval-%u PGM of fashion.png gives other pixels than the PNG", M);
        image_free(&g);
        /* RGB with R = G = B: grey by BT.601 is the same value. */
        for (size_t i = 0; i < P; i++)
            v[3 * i] = v[3 * i + 1] = v[3 * i + 2] = (png.px[i] * M * 2 + 255) / 510;
        write_pnm(tpath("same.ppm"), 3, png.w, png.h, M, v);
        if (load(tpath("same.ppm"), &g) == 0)
            CHECK(g.w == png.w && g.h == png.h && memcmp(g.px, png.px, P) == 0,
                  "a maxval-%u PPM of fashion.png gives other pixels than the PNG", M);
        image_free(&g);
    }
    free(v);
    image_free(&png);
    refused(cpath("refused-pgm-above-maxval.pgm"), "above its maxval");
    unsigned big[2] = {0, 0};
    write_pnm(tpath("big.pgm"), 1, 2, 1, 70000, big);
    refused(tpath("big.pgm"), ": a damaged PGM/PPM file: its maxval is 70000, expected 1 to 65535");
}

static void mkdir_or_die(const char *p)
{
    if (mkdir(p, 0755) != 0) {
        fprintf(stderr, "FAIL: mkdir %s: %s\n", p, strerror(errno));
        exit(1);
    }
}

static void link_or_die(const char *to, const char *at)
{
    if (symlink(to, at) != 0) {
        fprintf(stderr, "FAIL: symlink %s: %s\n", at, strerror(errno));
        exit(1);
    }
}

static void free_paths(char **paths, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
}

static void test_walk(void)
{
    enum { LEVELS = 20 };
    size_t n;
    unsigned char *img = read_file(cpath("fashion.png"), &n);
    char d[4096], p[4200];
    mkdir_or_die(tpath("walk"));
    /* walk/L00 .. L19: each holds img.png (its own file) and two links,
     * x and y, to the next level: 2^19 paths to the last image. */
    for (int i = 0; i < LEVELS; i++) {
        snprintf(d, sizeof d, "%s/walk/L%02d", tmp, i);
        mkdir_or_die(d);
        snprintf(p, sizeof p, "%s/img.png", d);
        write_file(p, img, n);
    }
    for (int i = 0; i + 1 < LEVELS; i++) {
        char to[64];
        snprintf(to, sizeof to, "../L%02d", i + 1);
        snprintf(p, sizeof p, "%s/walk/L%02d/x", tmp, i);
        link_or_die(to, p);
        snprintf(p, sizeof p, "%s/walk/L%02d/y", tmp, i);
        link_or_die(to, p);
    }
    /* A file reached by a second name in the same folder: a symbolic
     * link (sorted after img.png) and a hard link (sorted before). */
    snprintf(p, sizeof p, "%s/walk/L00/other.png", tmp);
    link_or_die("img.png", p);
    snprintf(d, sizeof d, "%s/walk/L00/img.png", tmp);
    snprintf(p, sizeof p, "%s/walk/L01/a-hard.png", tmp);
    CHECK(link(d, p) == 0, "hard link: %s", strerror(errno));
    free(img);

    char **paths = NULL;
    size_t count = 0, skipped = 0;
    sm_err e;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    snprintf(d, sizeof d, "%s/walk/L00", tmp);
    int rc = folders_list_images(d, &paths, &count, &skipped, &e);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    CHECK(rc == 0, "listing %s: %s", d, e.msg);
    CHECK(count == LEVELS, "%d levels of double links: %zu paths listed, expected %d (one per "
          "file)", LEVELS, count, LEVELS);
    CHECK(s < 5.0, "listing %d levels of double links took %.1f s", LEVELS, s);
    /* Each image under the first path met (bytewise order, depth first):
     * L00/other.png and L01/a-hard.png are L00/img.png, met first; y is
     * the folder x led to. */
    if (rc == 0 && count == LEVELS) {
        char want[8192] = "";
        size_t k = 0;
        snprintf(want, sizeof want, "%s/img.png", d);
        CHECK(strcmp(paths[k], want) == 0, "path 0: %s, expected %s", paths[k], want);
        char prefix[4096];
        snprintf(prefix, sizeof prefix, "%s", d);
        for (k = 1; k < count; k++) {
            strcat(prefix, "/x");
            snprintf(want, sizeof want, "%s/img.png", prefix);
            CHECK(strcmp(paths[k], want) == 0, "path %zu: %s, expected %s", k, paths[k], want);
        }
    }
    /* The same folder again, and a path to a file already listed: nothing
     * added. */
    size_t before = count;
    rc = folders_list_images(d, &paths, &count, &skipped, &e);
    CHECK(rc == 0 && count == before, "listing the folder again added %zu paths (%s)",
          count - before, rc ? e.msg : "");
    snprintf(p, sizeof p, "%s/walk/L03/y/img.png", tmp);
    rc = folders_list_images(p, &paths, &count, &skipped, &e);
    CHECK(rc == 0 && count == before, "a listed file by another path was added (%s)",
          rc ? e.msg : "");
    free_paths(paths, count);

    /* A link to a folder the walk is inside is still named as an error. */
    snprintf(p, sizeof p, "%s/walk/L%02d/back", tmp, LEVELS - 1);
    link_or_die("../L05", p);
    paths = NULL;
    count = 0;
    rc = folders_list_images(d, &paths, &count, &skipped, &e);
    CHECK(rc == -1 && strstr(e.msg, "a link back to a folder it is inside"),
          "a link to an ancestor: rc %d, %s", rc, rc ? e.msg : "accepted");
    free_paths(paths, count);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_image CORPUS_DIR\n");
        return 2;
    }
    corpus = argv[1];
    snprintf(tmp, sizeof tmp, "/tmp/siamese-test-image-XXXXXX");
    if (!mkdtemp(tmp)) {
        fprintf(stderr, "FAIL: mkdtemp: %s\n", strerror(errno));
        return 1;
    }
    test_corpus();
    test_maxval();
    test_walk();
    int rc = check_done("test_image");
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "note: could not remove %s\n", tmp);
    return rc;
}
