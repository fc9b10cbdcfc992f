/* test_masks.c - masks in MVTec AD's layout (data/masks.h) on a folder
 * written here: where the masks' folder is found, mask paths, truth at
 * the model's size by nearest neighbour (known by hand, shrinking and
 * growing), the same bytes for any thread count, and each refusal: a
 * defect image without its mask, a mask of another size, an empty (0/1)
 * mask, a file that is not an image, images outside the layout. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "folders.h"
#include "image.h"
#include "masks.h"
#include "mvtec.h"

static char tmp[256];

static const char *at(const char *rel)
{
    static char p[4][4096];
    static int k;
    k = (k + 1) & 3;
    snprintf(p[k], sizeof p[k], "%s/%s", tmp, rel);
    return p[k];
}

/* A w x h grey PNG at rel whose pixel (x, y) is f(x, y). */
static void png(const char *rel, int w, int h, int (*f)(int, int))
{
    uint8_t px[64 * 64];
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            px[y * w + x] = (uint8_t)f(x, y);
    sm_err e;
    CHECK(image_write_png(at(rel), px, w, h, &e) == 0, "write %s: %s", rel, e.msg);
}

static int grey(int x, int y) { return 40 + 3 * x + 5 * y; }
/* 8 x 6 mask: defect at x >= 5 and y < 2 (128 counts, 127 does not) */
static int corner(int x, int y) { return x >= 5 && y < 2 ? (x == 5 ? 128 : 255) : (x == 7 ? 127 : 0); }
/* 2 x 2 mask: defect at (1, 0) only */
static int one(int x, int y) { return x == 1 && y == 0 ? 255 : 0; }
static int zero(int x, int y) { (void)x, (void)y; return 0; }
static int bit(int x, int y) { return x == y; } /* a 0/1 mask */

/* The listing and types of tmp/cat/test, as inspect makes them. */
static size_t list(char ***paths, int **type)
{
    size_t n = 0, skipped = 0;
    sm_err e;
    *paths = NULL;
    CHECK(folders_list_images(at("cat/test"), paths, &n, &skipped, &e) == 0, "list: %s", e.msg);
    *type = malloc(n * sizeof **type);
    char **names;
    int nt;
    CHECK(mvtec_types(at("cat/test"), *paths, n, *type, &names, &nt, &e) == 0, "types: %s", e.msg);
    mvtec_types_free(names, nt);
    return n;
}

static void free_list(char **paths, int *type, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    free(type);
}

/* masks_load on the listing into *truth at W x H; returns its status. */
static int load(int W, int H, int threads, uint8_t **truth, sm_err *e)
{
    char **paths, *dir;
    int *type;
    size_t n = list(&paths, &type);
    CHECK(masks_find(at("cat/test"), NULL, &dir, e) == 0 && dir, "find: %s", e->msg);
    int rc = masks_load(dir, at("cat/test"), paths, type, n, W, H, threads, truth, e);
    free(dir);
    free_list(paths, type, n);
    return rc;
}

static void finding(void)
{
    sm_err e;
    char *dir;
    CHECK(masks_find(at("cat/test"), NULL, &dir, &e) == 0 && dir &&
              strcmp(dir, at("cat/ground_truth")) == 0,
          "beside: %s", dir ? dir : e.msg);
    free(dir);
    CHECK(masks_find(at("cat/test//"), NULL, &dir, &e) == 0 && dir &&
              strcmp(dir, at("cat/ground_truth")) == 0,
          "trailing slashes: %s", dir ? dir : e.msg);
    free(dir);
    CHECK(masks_find(at("cat/test/.."), NULL, &dir, &e) == 0 && !dir, "x/.. has none beside");
    CHECK(masks_find(at("cat/test/good"), NULL, &dir, &e) == 0 && !dir,
          "no ground_truth beside: %s", dir ? dir : "");
    CHECK(masks_find(at("cat/test"), at("cat/ground_truth"), &dir, &e) == 0 && dir &&
              strcmp(dir, at("cat/ground_truth")) == 0,
          "given: %s", dir ? dir : e.msg);
    free(dir);
    CHECK(masks_find(at("cat/test"), at("nowhere"), &dir, &e) == -1 && strstr(e.msg, "nowhere: not a folder"),
          "given, missing: %s", e.msg);
    char *m = masks_path("GT", "R", "R/crack/sub/a.b.png");
    CHECK(m && strcmp(m, "GT/crack/sub/a.b_mask.png") == 0, "mask path %s", m);
    free(m);
}

int main(void)
{
    snprintf(tmp, sizeof tmp, "/tmp/test_masks.XXXXXX");
    if (!mkdtemp(tmp))
        return fprintf(stderr, "mkdtemp failed\n"), 1;
    const char *dirs[] = {"cat", "cat/test", "cat/test/good", "cat/test/crack",
                          "cat/test/crack/sub", "cat/test/hole", "cat/ground_truth",
                          "cat/ground_truth/crack", "cat/ground_truth/crack/sub",
                          "cat/ground_truth/hole"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++)
        mkdir(at(dirs[i]), 0755);
    /* listed in this order: crack/a, crack/sub/b, good/g, hole/h, hole/p */
    png("cat/test/good/g.png", 8, 6, grey);
    png("cat/test/crack/a.png", 8, 6, grey);
    png("cat/ground_truth/crack/a_mask.png", 8, 6, corner);
    png("cat/test/crack/sub/b.png", 2, 2, grey);
    png("cat/ground_truth/crack/sub/b_mask.png", 2, 2, one);
    png("cat/test/hole/h.png", 8, 6, grey);
    png("cat/ground_truth/hole/h_mask.png", 8, 6, corner);
    png("cat/ground_truth/good_mask.png", 8, 6, corner); /* never read */
    /* image_size from a PGM header (the image a mask is checked against
     * may be any format read) */
    FILE *g = fopen(at("cat/test/hole/p.pgm"), "wb");
    fputs("P5\n# comment\n5 3\n255\n", g);
    fwrite("abcdefghijklmno", 1, 15, g);
    fclose(g);
    png("cat/ground_truth/hole/p_mask.png", 5, 3, one);
    int sw, sh;
    sm_err se;
    CHECK(image_size(at("cat/test/hole/p.pgm"), &sw, &sh, &se) == 0 && sw == 5 && sh == 3,
          "image_size of a PGM: %d x %d %s", sw, sh, se.msg);
    CHECK(image_size(at("cat/test/crack/sub/b.png"), &sw, &sh, &se) == 0 && sw == 2 && sh == 2,
          "image_size of a PNG: %d x %d", sw, sh);
    CHECK(image_size(at("cat/nothing.png"), &sw, &sh, &se) == -1 && strstr(se.msg, "nothing.png: cannot open"),
          "image_size of no file: %s", se.msg);
    finding();

    /* 8 x 6 -> 4 x 3: column x takes source (2x + 1) * 8 / 8 = 1, 3, 5, 7,
     * row y takes (2y + 1) * 6 / 6 = 1, 3, 5. 2 x 2 -> 4 x 3: columns
     * (2x + 1) * 2 / 8 = 0, 0, 1, 1; rows (2y + 1) * 2 / 6 = 0, 1, 1 (as
     * PIL's Image.NEAREST). */
    static const uint8_t want[5][12] = {
        {0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0}, /* crack/a: (5,1) = 128 yes, (7,3) = 127 no */
        {0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0}, /* crack/sub/b */
        {0},                                   /* good */
        {0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0}, /* hole/h */
        {0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, /* hole/p: 5 x 3, columns 0, 1, 3, 4, rows 0, 1, 2 */
    };
    sm_err e;
    uint8_t *t1 = NULL, *t3 = NULL;
    CHECK(load(4, 3, 1, &t1, &e) == 0, "load: %s", e.msg);
    for (int i = 0; t1 && i < 5; i++)
        CHECK(memcmp(t1 + 12 * i, want[i], 12) == 0, "image %d: %d%d%d%d %d%d%d%d %d%d%d%d", i,
              t1[12 * i], t1[12 * i + 1], t1[12 * i + 2], t1[12 * i + 3], t1[12 * i + 4],
              t1[12 * i + 5], t1[12 * i + 6], t1[12 * i + 7], t1[12 * i + 8], t1[12 * i + 9],
              t1[12 * i + 10], t1[12 * i + 11]);
    CHECK(load(4, 3, 3, &t3, &e) == 0 && t1 && memcmp(t1, t3, 60) == 0,
          "3 threads differ from 1: %s", e.msg);
    free(t1);
    free(t3);
    /* At the images' own size: the mask itself. */
    CHECK(load(8, 6, 2, &t1, &e) == 0, "8 x 6: %s", e.msg);
    for (int y = 0; t1 && y < 6; y++)
        for (int x = 0; x < 8; x++)
            CHECK(t1[y * 8 + x] == (corner(x, y) > 127), "8 x 6 at %d,%d", x, y);
    free(t1);

    /* Refusals, each naming its file; the lowest failing index wins. */
    png("cat/ground_truth/hole/h_mask.png", 8, 6, zero);
    unlink(at("cat/ground_truth/crack/sub/b_mask.png"));
    CHECK(load(4, 3, 2, &t1, &e) == -1 && strstr(e.msg, "crack/sub/b.png: a defect image without its mask") &&
              strstr(e.msg, "b_mask.png") && !t1,
          "missing mask: %s", e.msg);
    png("cat/ground_truth/crack/sub/b_mask.png", 3, 2, one);
    CHECK(load(4, 3, 2, &t1, &e) == -1 && strstr(e.msg, "b_mask.png: mask of 3 x 2 pixels for an image of 2 x 2"),
          "wrong size: %s", e.msg);
    png("cat/ground_truth/crack/sub/b_mask.png", 2, 2, one);
    CHECK(load(4, 3, 2, &t1, &e) == -1 && strstr(e.msg, "h_mask.png: no pixel above 127"),
          "empty mask: %s", e.msg);
    png("cat/ground_truth/hole/h_mask.png", 8, 6, bit);
    CHECK(load(4, 3, 1, &t1, &e) == -1 && strstr(e.msg, "h_mask.png: no pixel above 127"),
          "0/1 mask: %s", e.msg);
    FILE *f = fopen(at("cat/ground_truth/hole/h_mask.png"), "w");
    fputs("not a png\n", f);
    fclose(f);
    CHECK(load(4, 3, 1, &t1, &e) == -1 && strstr(e.msg, "h_mask.png: not an image"),
          "not an image: %s", e.msg);
    /* No masks' folder, and images outside the layout. */
    char **paths;
    int *type;
    size_t n = list(&paths, &type);
    CHECK(masks_load(NULL, at("cat/test"), paths, type, n, 4, 3, 1, &t1, &e) == -1 &&
              strstr(e.msg, "crack/a.png: a defect image, but no masks' folder"),
          "no folder: %s", e.msg);
    type[0] = -1;
    CHECK(masks_load(at("cat/ground_truth"), at("cat/test"), paths, type, n, 4, 3, 1, &t1, &e) == -1 &&
              strstr(e.msg, "crack/a.png: pixel truth needs the MVTec layout"),
          "outside the layout: %s", e.msg);
    free_list(paths, type, n);

    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmp);
    return check_done("masks");
}
