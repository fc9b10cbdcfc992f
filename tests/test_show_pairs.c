/* test_show_pairs.c - `siamese show-pairs` end to end, against the library.
 *
 * Runs the real executable on the real test split and checks what it says
 * against what it draws: the PNG has the size strip.h computes, every
 * pixel of every shown image is the source image (each source pixel a
 * scale x scale gray block), the printed classes and same/different agree
 * with the labels, the printed pair indices are the library's pairs for
 * that seed, the same seed repeats the output exactly and another seed
 * does not.
 *
 *   usage: test_show_pairs PATH/TO/siamese
 *   exit:  0 pass, 1 a failure, 2 usage, 77 no dataset (skip outside CI)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stb_image.h>

#include "check.h"
#include "dataset.h"
#include "pairs.h"
#include "seeds.h"
#include "strip.h"

#define COUNT 7
#define SCALE 2
#define SEED 5

/* One printed row: column\tpair\tleft\tleft_class\tright\tright_class\ttruth */
typedef struct {
    long column;
    size_t pair, left, right;
    char left_class[64], right_class[64], truth[16];
} row_t;

/* What one run printed. */
typedef struct {
    int status;          /* exit status, or -1 when it did not exit normally */
    char first[256];     /* the first line */
    int header_seen;     /* the column header line was printed */
    int nrows;
    row_t rows[COUNT + 1];
    int bad_rows;        /* rows that did not parse */
} run_t;

static void copy_field(char *dst, size_t n, const char *src, size_t len)
{
    if (len >= n)
        len = n - 1;
    memcpy(dst, src, len);
    dst[len] = 0;
}

/* Splits a tab-separated row into exactly 7 fields; returns 0 on success. */
static int parse_row(const char *line, row_t *r)
{
    const char *f[7];
    size_t len[7];
    const char *p = line;
    for (int i = 0; i < 7; i++) {
        const char *tab = strchr(p, '\t');
        f[i] = p;
        if (i < 6) {
            if (!tab)
                return -1;
            len[i] = (size_t)(tab - p);
            p = tab + 1;
        } else {
            if (tab)
                return -1;
            len[i] = strcspn(p, "\n");
        }
    }
    char num[32], *end;
    const int numeric[4] = {0, 1, 2, 4};
    unsigned long long v[4];
    for (int k = 0; k < 4; k++) {
        int i = numeric[k];
        if (len[i] == 0 || len[i] >= sizeof num)
            return -1;
        copy_field(num, sizeof num, f[i], len[i]);
        v[k] = strtoull(num, &end, 10);
        if (*end != 0)
            return -1;
    }
    r->column = (long)v[0];
    r->pair = (size_t)v[1];
    r->left = (size_t)v[2];
    r->right = (size_t)v[3];
    copy_field(r->left_class, sizeof r->left_class, f[3], len[3]);
    copy_field(r->right_class, sizeof r->right_class, f[5], len[5]);
    copy_field(r->truth, sizeof r->truth, f[6], len[6]);
    return 0;
}

/* Runs `bin show-pairs ... --seed seed --out out` and parses its stdout. */
static void run_show_pairs(const char *bin, const char *data, const char *out, int seed,
                           run_t *run)
{
    memset(run, 0, sizeof *run);
    run->status = -1;
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "'%s' show-pairs --data '%s' --out '%s' --count %d --seed %d --scale %d "
             "--split test",
             bin, data, out, COUNT, seed, SCALE);
    fflush(NULL);
    FILE *p = popen(cmd, "r");
    if (!p) {
        perror("popen");
        return;
    }
    char line[1024];
    int n = 0;
    while (fgets(line, sizeof line, p)) {
        if (n++ == 0)
            copy_field(run->first, sizeof run->first, line, strcspn(line, "\n"));
        if (strcmp(line, "column\tpair\tleft\tleft_class\tright\tright_class\ttruth\n") == 0) {
            run->header_seen = 1;
            continue;
        }
        if (!run->header_seen)
            continue;
        if (run->nrows < COUNT + 1 && parse_row(line, &run->rows[run->nrows]) == 0)
            run->nrows++;
        else
            run->bad_rows++;
    }
    int st = pclose(p);
    if (st != -1 && WIFEXITED(st))
        run->status = WEXITSTATUS(st);
}

static int rows_equal(const run_t *a, const run_t *b)
{
    if (a->nrows != b->nrows)
        return 0;
    for (int k = 0; k < a->nrows; k++) {
        const row_t *x = &a->rows[k], *y = &b->rows[k];
        if (x->column != y->column || x->pair != y->pair || x->left != y->left ||
            x->right != y->right || strcmp(x->left_class, y->left_class) != 0 ||
            strcmp(x->right_class, y->right_class) != 0 || strcmp(x->truth, y->truth) != 0)
            return 0;
    }
    return 1;
}

static uint8_t *read_whole(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        fclose(f);
        return NULL;
    }
    *n = (size_t)st.st_size;
    uint8_t *b = malloc(*n + 1);
    if (b && fread(b, 1, *n, f) != *n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    return b;
}

/* Checks that the picture px [h, w, 3] holds img [rows, cols] at (x, y),
 * each pixel a SCALE x SCALE block of (v, v, v). Returns the number of
 * wrong picture pixels. */
static size_t count_wrong(const uint8_t *px, int w, int h, int x, int y, const uint8_t *img,
                          size_t rows, size_t cols)
{
    size_t wrong = 0;
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++)
            for (int dy = 0; dy < SCALE; dy++)
                for (int dx = 0; dx < SCALE; dx++) {
                    int X = x + (int)c * SCALE + dx, Y = y + (int)r * SCALE + dy;
                    if (X < 0 || Y < 0 || X >= w || Y >= h) {
                        wrong++;
                        continue;
                    }
                    const uint8_t *p = px + ((size_t)Y * (size_t)w + (size_t)X) * 3;
                    uint8_t v = img[r * cols + c];
                    wrong += p[0] != v || p[1] != v || p[2] != v;
                }
    return wrong;
}

/* Counts the pixels of the one-pixel ring just outside the w_img x h_img
 * rectangle at (x, y) that are not white: without a model there are no
 * frames, so each image sits on white paper, and an image drawn larger,
 * shifted or overlapping its neighbour shows up here. */
static size_t ring_not_white(const uint8_t *px, int w, int h, int x, int y, int w_img,
                             int h_img)
{
    size_t bad = 0;
    for (int Y = y - 1; Y <= y + h_img; Y++)
        for (int X = x - 1; X <= x + w_img; X++) {
            if (Y != y - 1 && Y != y + h_img && X != x - 1 && X != x + w_img)
                continue;
            if (X < 0 || Y < 0 || X >= w || Y >= h) {
                bad++;
                continue;
            }
            const uint8_t *p = px + ((size_t)Y * (size_t)w + (size_t)X) * 3;
            bad += p[0] != 255 || p[1] != 255 || p[2] != 255;
        }
    return bad;
}

/* strip_layout_compute works its sizes out in 64 bits: a picture too large
 * for a canvas is refused with its true size, at the exact limit, and no
 * input makes the arithmetic overflow (UBSan would report it). */
static void test_layout_limits(void)
{
    strip_layout L;
    sm_err e = {{0}};
    /* 3 pairs of 1 x 53,687,091 images at scale 16: the width wrapped a
     * 32-bit int. margin 4s, gap 2s, frame s: col_w = cols*s + 6s. */
    const int64_t s = 16, cols = 53687091;
    const int64_t want_w = 2 * 4 * s + 3 * (cols * s + 6 * s);
    memset(&L, 0x55, sizeof L);
    int rc = strip_layout_compute(&L, 3, 1, (size_t)cols, (int)s, 0, &e);
    char want[64];
    snprintf(want, sizeof want, "picture %lld x ", (long long)want_w);
    CHECK(rc == -1, "3 pairs of 1 x 53687091 at scale 16 accepted (width %d)", L.width);
    CHECK(strstr(e.msg, want) && strstr(e.msg, "more than 32768"), "message: %s (want '%s')",
          e.msg, want);
    CHECK(L.width == 0 && L.height == 0 && L.img_w == 0, "layout not zeroed on failure");
    rc = strip_layout_compute(&L, 20, 1, (size_t)cols, 16, 1, &e);
    CHECK(rc == -1 && strstr(e.msg, "20 pairs of 1 x 53687091 images at scale 16"),
          "20 pairs: %d %s", rc, e.msg);

    /* At scale 1, one pair: width = 8 + cols + 6. 32754 columns fill 32768
     * exactly; one more is refused. Rows likewise, two images high:
     * height = 4 + 10 + 2 + 1 + 2 rows + 2 + 1 + 2 + 10 + 4 = 2 rows + 36. */
    rc = strip_layout_compute(&L, 1, 28, 32754, 1, 0, &e);
    CHECK(rc == 0 && L.width == 32768, "width at the limit: rc %d, width %d (%s)", rc, L.width,
          e.msg);
    rc = strip_layout_compute(&L, 1, 28, 32755, 1, 0, &e);
    CHECK(rc == -1 && strstr(e.msg, "picture 32769 x "), "one past the width: %d %s", rc, e.msg);
    rc = strip_layout_compute(&L, 1, 16366, 28, 1, 0, &e);
    CHECK(rc == 0 && L.height == 32768, "height at the limit: rc %d, height %d (%s)", rc,
          L.height, e.msg);
    rc = strip_layout_compute(&L, 1, 16367, 28, 1, 0, &e);
    CHECK(rc == -1 && strstr(e.msg, " x 32770 pixels"), "past the height: %d %s", rc, e.msg);

    /* Inputs that would overflow 64 bits, or nonsense: refused. */
    rc = strip_layout_compute(&L, 1, SIZE_MAX, SIZE_MAX, 16, 1, &e);
    CHECK(rc == -1 && e.msg[0], "SIZE_MAX images accepted");
    rc = strip_layout_compute(&L, SIZE_MAX, 28, 28, 1, 0, &e);
    CHECK(rc == -1, "SIZE_MAX pairs accepted");
    rc = strip_layout_compute(&L, 1, 28, 28, 0, 0, &e);
    CHECK(rc == -1, "scale 0 accepted");
    rc = strip_layout_compute(&L, 1, 28, 28, -3, 0, NULL); /* e may be NULL */
    CHECK(rc == -1, "scale -3 accepted");
    rc = strip_layout_compute(&L, 1, 28, 28, 2147483647, 0, &e);
    CHECK(rc == -1, "scale INT_MAX accepted");
}

static const char *const data_files[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                          "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

/* Writes an IDX file: images [n, rows, cols] (pixels i % 251) when rows >
 * 0, else labels [n] (i % 10). */
static int write_idx(const char *path, uint32_t n, uint32_t rows, uint32_t cols)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    uint32_t dims[4] = {rows ? 0x803u : 0x801u, n, rows, cols};
    int nd = rows ? 4 : 2;
    for (int i = 0; i < nd; i++) {
        unsigned char b[4] = {(unsigned char)(dims[i] >> 24), (unsigned char)(dims[i] >> 16),
                              (unsigned char)(dims[i] >> 8), (unsigned char)dims[i]};
        fwrite(b, 1, 4, f);
    }
    size_t total = rows ? (size_t)n * rows * cols : n;
    for (size_t i = 0; i < total; i++)
        fputc(rows ? (int)(i % 251) : (int)(i % 10), f);
    return fclose(f) == 0 ? 0 : -1;
}

/* Runs a shell command; returns its exit status (-1 if it did not exit). */
static int run_status(const char *cmd)
{
    fflush(NULL);
    int st = system(cmd);
    return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int count_lines(const char *path)
{
    size_t n = 0;
    uint8_t *b = read_whole(path, &n);
    int lines = 0;
    for (size_t i = 0; b && i < n; i++)
        lines += b[i] == '\n';
    free(b);
    return lines;
}

/* End to end: data sets of 20 + 20 wide images (1 x 3000 and 1 x 40000
 * pixels, 10 classes), too wide to draw 3 pairs at --scale 16. The first
 * fits with other options (a usage error, exit 2), the second never
 * (exit 1). Both: one line on stderr with the picture size, no PNG. */
static void test_oversized(const char *bin)
{
    char dir[] = "/tmp/siamese-test-wide-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        check_failures++;
        return;
    }
    const uint32_t widths[2] = {3000, 40000};
    const int want_status[2] = {2, 1};
    char path[512], out[512], err[512], cmd[2048];
    snprintf(out, sizeof out, "%s/never.png", dir);
    snprintf(err, sizeof err, "%s/err.txt", dir);
    for (int k = 0; k < 2; k++) {
        int bad = 0;
        for (int f = 0; f < 4; f++) {
            snprintf(path, sizeof path, "%s/%s", dir, data_files[f]);
            bad |= write_idx(path, 20, f % 2 ? 0 : 1, widths[k]) != 0;
        }
        if (bad) {
            CHECK(0, "test setup: cannot write the data in %s", dir);
            break;
        }
        snprintf(cmd, sizeof cmd,
                 "'%s' show-pairs --data '%s' --count 3 --scale 16 --out '%s' >/dev/null "
                 "2>'%s'",
                 bin, dir, out, err);
        int status = run_status(cmd);
        size_t n = 0;
        char *msg = (char *)read_whole(err, &n);
        if (msg)
            msg[n] = 0;
        CHECK(status == want_status[k], "1 x %u images: exit %d, expected %d (%s)", widths[k],
              status, want_status[k], msg ? msg : "");
        CHECK(count_lines(err) == 1, "1 x %u images: %d lines on stderr", widths[k],
              count_lines(err));
        char want[96];
        snprintf(want, sizeof want, "3 pairs of 1 x %u images at scale 16 make a picture",
                 widths[k]);
        CHECK(msg && strstr(msg, want) && strstr(msg, "more than 32768"),
              "1 x %u images: message: %s", widths[k], msg ? msg : "");
        CHECK(access(out, F_OK) != 0, "1 x %u images: a picture was written", widths[k]);
        free(msg);
        /* With options that fit (--count 1 --scale 1) the first set draws. */
        if (k == 0) {
            snprintf(cmd, sizeof cmd,
                     "'%s' show-pairs --data '%s' --count 1 --scale 1 --out '%s' >/dev/null "
                     "2>'%s'",
                     bin, dir, out, err);
            status = run_status(cmd);
            CHECK(status == 0 && access(out, F_OK) == 0,
                  "1 x 3000 images, --count 1 --scale 1: exit %d", status);
            unlink(out);
        }
    }
    for (int f = 0; f < 4; f++) {
        snprintf(path, sizeof path, "%s/%s", dir, data_files[f]);
        unlink(path);
    }
    unlink(err);
    CHECK(rmdir(dir) == 0, "temporary folder %s not empty", dir);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_show_pairs PATH/TO/siamese\n");
        return 2;
    }
    const char *bin = argv[1];
    if (strchr(bin, '\'')) {
        fprintf(stderr, "test setup: paths with quotes are not supported\n");
        return 1;
    }
    /* These need no dataset: they run before the check that may skip. */
    test_layout_limits();
    test_oversized(bin);
    const char *data = check_data_dir();
    if (strchr(bin, '\'') || strchr(data, '\'')) {
        fprintf(stderr, "test setup: paths with quotes are not supported\n");
        return 1;
    }

    char tmp[] = "/tmp/siamese-test-show-pairs-XXXXXX";
    if (!mkdtemp(tmp)) {
        perror("mkdtemp");
        return 1;
    }
    char png[512], png2[512], png3[512];
    snprintf(png, sizeof png, "%s/p.png", tmp);
    snprintf(png2, sizeof png2, "%s/p2.png", tmp);
    snprintf(png3, sizeof png3, "%s/p3.png", tmp);

    /* The library's view of the same data and pairs. */
    dataset_t ds;
    sm_err e = {{0}};
    if (dataset_load(data, &ds, &e) != 0) {
        fprintf(stderr, "FAIL: cannot load %s: %s\n", data, e.msg);
        return 1;
    }
    pairs_t tr, te;
    if (seeds_build_pairs(&ds, SEED, &tr, &te, &e) != 0) {
        fprintf(stderr, "FAIL: seeds_build_pairs: %s\n", e.msg);
        dataset_free(&ds);
        return 1;
    }
    const split_t *s = &ds.test;

    run_t a;
    run_show_pairs(bin, data, png, SEED, &a);
    CHECK(a.status == 0, "show-pairs exit status %d", a.status);
    CHECK(strstr(a.first, "train 119980, test 19980") != NULL, "first line: '%s'", a.first);
    CHECK(a.header_seen, "no column header line");
    CHECK(a.nrows == COUNT && a.bad_rows == 0, "%d rows (%d unparsable), expected %d", a.nrows,
          a.bad_rows, COUNT);

    /* The picture. */
    strip_layout L;
    CHECK(strip_layout_compute(&L, COUNT, 28, 28, SCALE, 0, NULL) == 0, "layout refused");
    int w = 0, h = 0, n = 0;
    uint8_t *px = stbi_load(png, &w, &h, &n, 3);
    CHECK(px != NULL, "cannot load %s: %s", png, px ? "" : stbi_failure_reason());
    CHECK(w == L.width && h == L.height, "picture %dx%d, layout says %dx%d", w, h, L.width,
          L.height);
    int size_ok = px && w == L.width && h == L.height;
    if (size_ok) {
        const uint8_t *corner = px;
        CHECK(corner[0] == 255 && corner[1] == 255 && corner[2] == 255,
              "top-left margin is not white: %u %u %u", corner[0], corner[1], corner[2]);
    }

    size_t pix = s->rows * s->cols;
    for (int k = 0; k < a.nrows; k++) {
        const row_t *r = &a.rows[k];
        CHECK(r->column == k + 1, "row %d: column %ld, expected %d", k, r->column, k + 1);
        if (r->left >= s->n || r->right >= s->n || r->pair >= te.n) {
            CHECK(0, "row %d: index out of range: pair %zu left %zu right %zu", k, r->pair,
                  r->left, r->right);
            continue;
        }
        /* The library's pair of that index, for that seed. */
        CHECK(te.left[r->pair] == r->left && te.right[r->pair] == r->right,
              "row %d: pair %zu is (%u, %u) in the library, printed (%zu, %zu)", k, r->pair,
              te.left[r->pair], te.right[r->pair], r->left, r->right);
        CHECK(strcmp(r->truth, te.same[r->pair] ? "same" : "different") == 0,
              "row %d: truth '%s' but the library's pair %zu has same=%u", k, r->truth, r->pair,
              te.same[r->pair]);

        /* Classes and truth from the labels. */
        uint8_t ll = s->labels[r->left], rl = s->labels[r->right];
        CHECK(strcmp(r->left_class, ds.classes.names[ll]) == 0,
              "row %d: left_class '%s', label %u is '%s'", k, r->left_class, ll,
              ds.classes.names[ll]);
        CHECK(strcmp(r->right_class, ds.classes.names[rl]) == 0,
              "row %d: right_class '%s', label %u is '%s'", k, r->right_class, rl,
              ds.classes.names[rl]);
        CHECK(strcmp(r->truth, ll == rl ? "same" : "different") == 0,
              "row %d: truth '%s' for labels %u and %u", k, r->truth, ll, rl);
        CHECK(r->left != r->right, "row %d: an image paired with itself (%zu)", k, r->left);
        for (int j = 0; j < k; j++)
            CHECK(a.rows[j].pair != r->pair, "rows %d and %d show the same pair %zu", j, k,
                  r->pair);

        /* The pixels of both images. */
        if (!size_ok)
            continue;
        int x, y, x1, y1;
        strip_image_xy(&L, (size_t)k, 0, &x, &y);
        strip_image_xy(&L, (size_t)k, 1, &x1, &y1);
        /* strip.h: the images centred in their column, the top row at
         * images_y, one gap between the rows. */
        int col_x = L.margin + k * L.col_w;
        int lpad = x - col_x, rpad = col_x + L.col_w - (x + L.img_w);
        CHECK(lpad >= 0 && rpad >= 0 && abs(lpad - rpad) <= 1,
              "column %d: image not centred (%d left, %d right)", k + 1, lpad, rpad);
        CHECK(x1 == x && y == L.images_y && y1 == y + L.img_h + L.gap,
              "column %d: images at (%d,%d) and (%d,%d)", k + 1, x, y, x1, y1);
        size_t bad = count_wrong(px, w, h, x, y, s->images + r->left * pix, s->rows, s->cols);
        CHECK(bad == 0, "column %d: %zu pixels of the top image differ from test image %zu", k + 1,
              bad, r->left);
        bad = ring_not_white(px, w, h, x, y, L.img_w, L.img_h);
        CHECK(bad == 0, "column %d: %zu pixels around the top image are not white", k + 1, bad);
        x = x1;
        y = y1;
        bad = count_wrong(px, w, h, x, y, s->images + r->right * pix, s->rows, s->cols);
        CHECK(bad == 0, "column %d: %zu pixels of the bottom image differ from test image %zu",
              k + 1, bad, r->right);
        bad = ring_not_white(px, w, h, x, y, L.img_w, L.img_h);
        CHECK(bad == 0, "column %d: %zu pixels around the bottom image are not white", k + 1,
              bad);
    }
    stbi_image_free(px);

    /* The same seed again: the same rows and the same picture, byte for
     * byte. */
    run_t b;
    run_show_pairs(bin, data, png2, SEED, &b);
    CHECK(b.status == 0, "second run: exit status %d", b.status);
    CHECK(rows_equal(&a, &b), "the same seed printed different rows");
    size_t n1 = 0, n2 = 0;
    uint8_t *f1 = read_whole(png, &n1), *f2 = read_whole(png2, &n2);
    CHECK(f1 && f2 && n1 == n2 && memcmp(f1, f2, n1) == 0,
          "the same seed wrote different pictures (%zu vs %zu bytes)", n1, n2);
    free(f1);
    free(f2);

    /* Another seed: other pairs. */
    run_t c;
    run_show_pairs(bin, data, png3, SEED + 1, &c);
    CHECK(c.status == 0, "seed %d: exit status %d", SEED + 1, c.status);
    CHECK(c.nrows == COUNT, "seed %d: %d rows", SEED + 1, c.nrows);
    CHECK(strstr(c.first, "seed 6") != NULL, "seed 6 run's first line: '%s'", c.first);
    int same_pairs = c.nrows == a.nrows;
    for (int k = 0; same_pairs && k < a.nrows; k++)
        same_pairs = a.rows[k].pair == c.rows[k].pair && a.rows[k].left == c.rows[k].left &&
                     a.rows[k].right == c.rows[k].right;
    CHECK(!same_pairs, "seeds %d and %d drew the same pairs", SEED, SEED + 1);

    pairs_free(&tr);
    pairs_free(&te);
    dataset_free(&ds);
    unlink(png);
    unlink(png2);
    unlink(png3);
    CHECK(rmdir(tmp) == 0, "temporary folder %s not empty after the runs", tmp);
    return check_done("test_show_pairs");
}
