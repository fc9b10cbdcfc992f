/* test_eval_pictures.c - the pictures of `siamese eval` and of
 * `siamese show-pairs --model`, end to end, against the library.
 *
 * Trains a one-epoch model with the real executable, then checks:
 *   - eval --heatmap/--roc --scale 2: both PNGs have the sizes plot_heatmap
 *     and plot_roc give (the heatmap is, pixel for pixel, plot_heatmap of
 *     the confusion matrix `eval --json` prints), and the heatmap's darkest
 *     cell is the one with the largest count;
 *   - show-pairs --model: the printed distances are the library's
 *     (model_load + distances_for_pairs on the model's seed's test pairs),
 *     each printed prediction follows from its distance, wrongly predicted
 *     pairs and only those are framed in strip_red (geometry from strip.h
 *     and strip.c), the images are the source images, and --only-errors
 *     shows only wrong pairs, as many as eval's confusion matrix counts;
 *   - the report eval prints (eval_report_build) holds the same confusion
 *     matrix as these distances and eval --json, and its sweep and
 *     suggested threshold's matrix follow from the distances.
 *
 *   usage: test_eval_pictures PATH/TO/siamese
 *   exit:  0 pass, 1 a failure, 2 usage, 77 no dataset (skip outside CI)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stb_image.h>

#include "check.h"
#include "dataset.h"
#include "embed.h"
#include "eval_report.h"
#include "head.h"
#include "metrics.h"
#include "model_file.h"
#include "pairs.h"
#include "plot.h"
#include "seeds.h"
#include "strip.h"

#define SCALE 2
#define COUNT 8       /* pairs in the plain show-pairs run */
#define ERR_COUNT 6   /* pairs in the --only-errors run */
#define THRESHOLD 0.5f
#define MAX_ROWS 16

static const rgb_t white = {255, 255, 255};

/* ---- running the executable ------------------------------------------------ */

/* Runs cmd through the shell and returns its stdout (malloc'd, NUL
 * terminated; NULL if popen failed); *status is the exit status, or -1
 * when it did not exit normally. */
static char *run(const char *cmd, int *status)
{
    *status = -1;
    fflush(NULL);
    FILE *p = popen(cmd, "r");
    if (!p) {
        perror("popen");
        return NULL;
    }
    size_t n = 0, cap = 4096;
    char *buf = malloc(cap);
    size_t k;
    while (buf && (k = fread(buf + n, 1, cap - n - 1, p)) > 0) {
        n += k;
        if (cap - n - 1 == 0) {
            char *b = realloc(buf, cap * 2);
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
            cap *= 2;
        }
    }
    int st = pclose(p);
    if (st != -1 && WIFEXITED(st))
        *status = WEXITSTATUS(st);
    if (buf)
        buf[n] = 0;
    return buf;
}

/* The confusion matrix of `eval --json`: "cells": [[a, b], [c, d]].
 * Returns 0 when found. */
static int parse_cells(const char *json, confusion_t *m)
{
    const char *p = json ? strstr(json, "\"cells\":") : NULL;
    unsigned long long v[4];
    if (!p || sscanf(p, "\"cells\": [[%llu, %llu], [%llu, %llu]]", &v[0], &v[1], &v[2],
                     &v[3]) != 4)
        return -1;
    m->cell[0][0] = v[0];
    m->cell[0][1] = v[1];
    m->cell[1][0] = v[2];
    m->cell[1][1] = v[3];
    return 0;
}

/* ---- show-pairs output ------------------------------------------------------- */

/* column\tpair\tleft\tleft_class\tright\tright_class\ttruth\tdistance\tprediction */
typedef struct {
    long column;
    size_t pair, left, right;
    char truth[16], prediction[16];
    double distance;
} row_t;

typedef struct {
    int status;
    int header_seen;
    int nrows, bad_rows;
    row_t rows[MAX_ROWS];
    long wrong, total; /* "N of M test pairs are wrongly predicted" (-1: absent) */
} shown_t;

static const char *const header =
    "column\tpair\tleft\tleft_class\tright\tright_class\ttruth\tdistance\tprediction";

/* Splits line (modified in place) at tabs into exactly n fields. */
static int split_tabs(char *line, char **f, int n)
{
    int k = 0;
    char *p = line;
    for (;;) {
        if (k == n)
            return -1;
        f[k++] = p;
        char *tab = strchr(p, '\t');
        if (!tab)
            break;
        *tab = 0;
        p = tab + 1;
    }
    return k == n ? 0 : -1;
}

static int parse_row(char *line, row_t *r)
{
    char *f[9], *end;
    if (split_tabs(line, f, 9) != 0)
        return -1;
    size_t *num[3] = {&r->pair, &r->left, &r->right};
    const int at[3] = {1, 2, 4};
    r->column = strtol(f[0], &end, 10);
    if (*f[0] == 0 || *end)
        return -1;
    for (int i = 0; i < 3; i++) {
        *num[i] = (size_t)strtoull(f[at[i]], &end, 10);
        if (*f[at[i]] == 0 || *end)
            return -1;
    }
    r->distance = strtod(f[7], &end);
    if (*f[7] == 0 || *end)
        return -1;
    snprintf(r->truth, sizeof r->truth, "%s", f[6]);
    snprintf(r->prediction, sizeof r->prediction, "%s", f[8]);
    return 0;
}

static void run_show_pairs(const char *bin, const char *data, const char *model,
                           const char *out, int count, int only_errors, shown_t *s)
{
    memset(s, 0, sizeof *s);
    s->wrong = s->total = -1;
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "'%s' show-pairs --model '%s' --data '%s' --split test --count %d --scale %d "
             "--out '%s' --threshold %.1f%s",
             bin, model, data, count, SCALE, out, (double)THRESHOLD,
             only_errors ? " --only-errors" : "");
    char *text = run(cmd, &s->status);
    if (!text)
        return;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        long w, t;
        if (sscanf(line, "%ld of %ld test pairs are wrongly predicted", &w, &t) == 2) {
            s->wrong = w;
            s->total = t;
        }
        if (strcmp(line, header) == 0) {
            s->header_seen = 1;
            continue;
        }
        if (!s->header_seen)
            continue;
        if (s->nrows < MAX_ROWS && parse_row(line, &s->rows[s->nrows]) == 0)
            s->nrows++;
        else
            s->bad_rows++;
    }
    free(text);
}

/* ---- pixels ------------------------------------------------------------------- */

typedef struct {
    uint8_t *px; /* [h, w, 3] */
    int w, h;
} image_t;

static int px_is(const image_t *im, int x, int y, rgb_t c)
{
    if (x < 0 || y < 0 || x >= im->w || y >= im->h)
        return 0;
    const uint8_t *p = im->px + ((size_t)y * (size_t)im->w + (size_t)x) * 3;
    return p[0] == c.r && p[1] == c.g && p[2] == c.b;
}

/* Pixels of the ring [x, x+w) x [y, y+h) less its inside shrunk by t that
 * are not colour c. */
static size_t ring_not(const image_t *im, int x, int y, int w, int h, int t, rgb_t c)
{
    size_t bad = 0;
    for (int Y = y; Y < y + h; Y++)
        for (int X = x; X < x + w; X++) {
            int inside = X >= x + t && X < x + w - t && Y >= y + t && Y < y + h - t;
            if (!inside)
                bad += !px_is(im, X, Y, c);
        }
    return bad;
}

/* Pixels of the image img [rows, cols] drawn at (x, y) as SCALE x SCALE
 * gray blocks that differ from it. */
static size_t image_wrong(const image_t *im, int x, int y, const uint8_t *img, size_t rows,
                          size_t cols)
{
    size_t bad = 0;
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++) {
            uint8_t v = img[r * cols + c];
            for (int dy = 0; dy < SCALE; dy++)
                for (int dx = 0; dx < SCALE; dx++)
                    bad += !px_is(im, x + (int)c * SCALE + dx, y + (int)r * SCALE + dy,
                                  (rgb_t){v, v, v});
        }
    return bad;
}

/* Mean luminance of the square [x, x+n) x [y, y+n), and whether it is
 * one colour (a filled cell, no text or border in it). */
static double mean_lum(const image_t *im, int x, int y, int n, int *uniform)
{
    double sum = 0;
    const uint8_t *first = im->px + ((size_t)y * (size_t)im->w + (size_t)x) * 3;
    *uniform = 1;
    for (int Y = y; Y < y + n; Y++)
        for (int X = x; X < x + n; X++) {
            const uint8_t *p = im->px + ((size_t)Y * (size_t)im->w + (size_t)X) * 3;
            sum += 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
            *uniform &= memcmp(p, first, 3) == 0;
        }
    return sum / ((double)n * n);
}

/* ---- the checks ------------------------------------------------------------------ */

/* eval --heatmap --roc: sizes, the heatmap's pixels, its darkest cell.
 * eval's confusion matrix goes to *cm_out (all zero when missing). */
static void check_eval_pictures(const char *bin, const char *data, const char *model,
                                const char *tmp, confusion_t *cm_out)
{
    memset(cm_out, 0, sizeof *cm_out);
    char cmd[8192], heat[512], roc[512];
    int st;
    snprintf(cmd, sizeof cmd, "'%s' eval --model '%s' --data '%s' --threshold %.1f --json", bin,
             model, data, (double)THRESHOLD);
    char *json = run(cmd, &st);
    confusion_t cm;
    CHECK(st == 0, "eval --json: exit status %d", st);
    int have_cm = parse_cells(json, &cm) == 0;
    CHECK(have_cm, "no \"cells\": [[a, b], [c, d]] in eval --json output: %.300s",
          json ? json : "(none)");
    free(json);
    if (!have_cm)
        return;
    *cm_out = cm;

    snprintf(heat, sizeof heat, "%s/heat.png", tmp);
    snprintf(roc, sizeof roc, "%s/roc.png", tmp);
    snprintf(cmd, sizeof cmd,
             "'%s' eval --model '%s' --data '%s' --threshold %.1f --heatmap '%s' --roc '%s' "
             "--scale %d",
             bin, model, data, (double)THRESHOLD, heat, roc, SCALE);
    free(run(cmd, &st));
    CHECK(st == 0, "eval --heatmap --roc: exit status %d", st);

    /* The sizes the library gives. The ROC's depends on the scale alone;
     * the heatmap's height too, but its width grows with the digits of the
     * colour bar's largest tick (plot.c: ticks_label_width), so the
     * reference is drawn from the same confusion matrix. */
    sm_err e = {{0}};
    canvas_t ref_heat, ref_roc;
    int ok_heat = plot_heatmap(&ref_heat, &cm, THRESHOLD, SCALE, &e) == 0;
    CHECK(ok_heat, "plot_heatmap: %s", e.msg);
    const float fpr[3] = {0, 0.3f, 1}, tpr[3] = {0, 0.8f, 1};
    plot_mark marks[1] = {{0.3f, 0.8f, "a mark"}};
    int ok_roc = plot_roc(&ref_roc, fpr, tpr, 3, 0.75, marks, 1, SCALE, &e) == 0;
    CHECK(ok_roc, "plot_roc: %s", e.msg);

    image_t h = {0}, r = {0};
    int n = 0;
    h.px = stbi_load(heat, &h.w, &h.h, &n, 3);
    CHECK(h.px != NULL, "cannot load %s: %s", heat, h.px ? "" : stbi_failure_reason());
    r.px = stbi_load(roc, &r.w, &r.h, &n, 3);
    CHECK(r.px != NULL, "cannot load %s: %s", roc, r.px ? "" : stbi_failure_reason());
    if (ok_roc && r.px)
        CHECK(r.w == ref_roc.w && r.h == ref_roc.h, "ROC picture %dx%d, plot_roc gives %dx%d",
              r.w, r.h, ref_roc.w, ref_roc.h);
    if (ok_heat && h.px) {
        CHECK(h.w == ref_heat.w && h.h == ref_heat.h,
              "heatmap %dx%d, plot_heatmap gives %dx%d", h.w, h.h, ref_heat.w, ref_heat.h);
        if (h.w == ref_heat.w && h.h == ref_heat.h) {
            size_t diff = 0;
            for (size_t i = 0; i < (size_t)h.w * (size_t)h.h * 3; i++)
                diff += h.px[i] != ref_heat.px[i];
            CHECK(diff == 0, "heatmap differs from plot_heatmap of the same matrix in %zu bytes",
                  diff);
        }
    }

    /* The darkest cell holds the largest count. Each cell is sampled in its
     * top-left corner, away from its centred count. */
    if (h.px) {
        int best_t = 0, best_p = 0, dark_t = -1, dark_p = -1;
        double dark = 1e9;
        for (int t = 0; t < 2; t++)
            for (int p = 0; p < 2; p++) {
                if (cm.cell[t][p] > cm.cell[best_t][best_p]) {
                    best_t = t;
                    best_p = p;
                }
                int x, y, side;
                plot_heatmap_cell(SCALE, t, p, &x, &y, &side);
                int inset = side / 20, n_side = side / 5;
                if (x + inset + n_side > h.w || y + inset + n_side > h.h) {
                    CHECK(0, "cell [%d][%d] at (%d,%d) side %d is outside the %dx%d heatmap", t,
                          p, x, y, side, h.w, h.h);
                    continue;
                }
                int uniform;
                double lum = mean_lum(&h, x + inset, y + inset, n_side, &uniform);
                CHECK(uniform, "cell [%d][%d]: its corner is not one colour", t, p);
                if (lum < dark) {
                    dark = lum;
                    dark_t = t;
                    dark_p = p;
                }
            }
        CHECK(dark_t == best_t && dark_p == best_p,
              "darkest heatmap cell is [%d][%d], the largest count is in [%d][%d] "
              "(cells %llu %llu / %llu %llu)",
              dark_t, dark_p, best_t, best_p, (unsigned long long)cm.cell[0][0],
              (unsigned long long)cm.cell[0][1], (unsigned long long)cm.cell[1][0],
              (unsigned long long)cm.cell[1][1]);
    }
    stbi_image_free(h.px);
    stbi_image_free(r.px);
    if (ok_heat)
        canvas_free(&ref_heat);
    if (ok_roc)
        canvas_free(&ref_roc);
    unlink(heat);
    unlink(roc);
}

/* One show-pairs run against the library's pairs and distances d. */
static void check_show_pairs(const shown_t *s, const char *png, size_t expect_rows,
                             int only_errors, const split_t *split, const pairs_t *te,
                             const float *d)
{
    const char *what = only_errors ? "show-pairs --only-errors" : "show-pairs";
    CHECK(s->status == 0, "%s: exit status %d", what, s->status);
    CHECK(s->header_seen, "%s: no header line '%s'", what, header);
    CHECK((size_t)s->nrows == expect_rows && s->bad_rows == 0,
          "%s: %d rows (%d unparsable), expected %zu", what, s->nrows, s->bad_rows,
          expect_rows);

    /* The title as cmd_show_pairs.c words it: the picture widens to fit it
     * and the legend. */
    char title[160];
    snprintf(title, sizeof title, "%s%s pairs, distance under each; same if < %g",
             only_errors ? "wrongly predicted " : "", "test", (double)THRESHOLD);
    strip_layout L;
    strip_layout_compute(&L, (size_t)s->nrows, split->rows, split->cols, SCALE, 1, NULL);
    strip_layout_fit(&L, title, strip_legend);
    image_t im = {0};
    int n = 0;
    im.px = stbi_load(png, &im.w, &im.h, &n, 3);
    CHECK(im.px != NULL, "%s: cannot load %s: %s", what, png,
          im.px ? "" : stbi_failure_reason());
    int size_ok = im.px && im.w == L.width && im.h == L.height;
    CHECK(!im.px || size_ok, "%s: picture %dx%d, strip layout says %dx%d", what, im.w, im.h,
          L.width, L.height);

    /* strip.h: a margin all round; nothing drawn there, so no text (the
     * title and its legend) runs off the picture. */
    if (size_ok) {
        size_t bad = ring_not(&im, 0, 0, im.w, im.h, L.margin, white);
        CHECK(bad == 0, "%s: %zu pixels drawn in the %d-pixel margin of the %dx%d picture "
              "(text running off the edge?)", what, bad, L.margin, im.w, im.h);
    }
    /* The title fits between the margins: clipped, it loses the threshold
     * it ends with. */
    int title_w = canvas_text_width(title, L.text_scale);
    CHECK(title_w <= L.width - 2 * L.margin,
          "%s: the title \"%s\" is %d pixels wide, the %d-pixel picture has room for %d", what,
          title, title_w, L.width, L.width - 2 * L.margin);

    size_t pix = split->rows * split->cols;
    for (int k = 0; k < s->nrows; k++) {
        const row_t *r = &s->rows[k];
        CHECK(r->column == k + 1, "%s row %d: column %ld", what, k, r->column);
        if (r->pair >= te->n) {
            CHECK(0, "%s row %d: pair %zu out of range", what, k, r->pair);
            continue;
        }
        size_t q = r->pair;
        CHECK(te->left[q] == r->left && te->right[q] == r->right,
              "%s row %d: pair %zu is (%u, %u) in the library, printed (%zu, %zu)", what, k, q,
              te->left[q], te->right[q], r->left, r->right);
        const char *truth = te->same[q] ? "same" : "different";
        CHECK(strcmp(r->truth, truth) == 0, "%s row %d: truth '%s', the library says %s", what,
              k, r->truth, truth);

        /* The distance is the library's; the prediction follows from it. */
        CHECK(fabs(r->distance - d[q]) <= 1e-3,
              "%s row %d: pair %zu distance printed %.4f, the library computes %.6f", what, k,
              q, r->distance, (double)d[q]);
        const char *pred_printed = r->distance < THRESHOLD ? "same" : "different";
        CHECK(strcmp(r->prediction, pred_printed) == 0,
              "%s row %d: prediction '%s' for printed distance %.4f at threshold %.2f", what, k,
              r->prediction, r->distance, (double)THRESHOLD);
        if (fabs(d[q] - THRESHOLD) > 1e-4)
            CHECK(strcmp(r->prediction, d[q] < THRESHOLD ? "same" : "different") == 0,
                  "%s row %d: prediction '%s', the library's distance %.6f says otherwise", what,
                  k, r->prediction, (double)d[q]);
        int wrong = strcmp(r->prediction, r->truth) != 0;
        if (only_errors)
            CHECK(wrong, "%s row %d: pair %zu is predicted right (%s, distance %.4f)", what, k,
                  q, r->truth, r->distance);

        if (!size_ok || r->left >= split->n || r->right >= split->n)
            continue;
        int x0, y0, x1, y1;
        strip_image_xy(&L, (size_t)k, 0, &x0, &y0);
        strip_image_xy(&L, (size_t)k, 1, &x1, &y1);
        size_t bad = image_wrong(&im, x0, y0, split->images + r->left * pix, split->rows,
                                 split->cols);
        CHECK(bad == 0, "%s column %d: %zu pixels of the top image differ from test image %zu",
              what, k + 1, bad, r->left);
        bad = image_wrong(&im, x1, y1, split->images + r->right * pix, split->rows, split->cols);
        CHECK(bad == 0,
              "%s column %d: %zu pixels of the bottom image differ from test image %zu", what,
              k + 1, bad, r->right);

        /* strip.c: the frame is L.frame thick, just outside the rectangle
         * that holds both images and the gap between them; red for a wrong
         * prediction, absent (white paper) for a right one. */
        int f = L.frame, fw = L.img_w + 2 * f, fh = 2 * L.img_h + L.gap + 2 * f;
        rgb_t want = wrong ? strip_red : white;
        bad = ring_not(&im, x0 - f, y0 - f, fw, fh, f, want);
        CHECK(bad == 0, "%s column %d (%s, predicted %s): %zu frame pixels are not %s", what,
              k + 1, r->truth, r->prediction, bad, wrong ? "red" : "white");
        /* Nothing outside the frame, nothing in the gap between the images. */
        bad = ring_not(&im, x0 - f - 1, y0 - f - 1, fw + 2, fh + 2, 1, white);
        CHECK(bad == 0, "%s column %d: %zu pixels around the frame are not white", what, k + 1,
              bad);
        bad = ring_not(&im, x0, y0 + L.img_h, L.img_w, L.gap, L.gap, white);
        CHECK(bad == 0, "%s column %d: %zu pixels between the two images are not white", what,
              k + 1, bad);
    }
    stbi_image_free(im.px);
}

/* Removes the run's files and the temporary folder; returns 0 when the
 * folder was left empty (nothing else written there). */
static int cleanup(const char *tmp, const char *model, const char *strip1, const char *strip2)
{
    unlink(model);
    unlink(strip1);
    unlink(strip2);
    return rmdir(tmp);
}

/* The report eval prints, against the library's distances d [te->n] and
 * the matrix eval_cm that eval --json printed. */
static void check_eval_report(const model_t *m, const dataset_t *ds, const pairs_t *te,
                              const float *d, const confusion_t *eval_cm)
{
    eval_report r;
    sm_err e = {{0}};
    int rc = eval_report_build(&r, m, ds, THRESHOLD, 1, 2, KERNELS_AUTO, &e);
    CHECK(rc == 0, "eval_report_build: %d: %s", rc, e.msg);
    if (rc != 0)
        return;
    confusion_t c;
    confusion_at(&c, d, te->same, te->n, THRESHOLD);
    CHECK(r.n_test == te->n && !memcmp(&r.cm, &c, sizeof c) && !memcmp(&r.cm, eval_cm, sizeof c),
          "eval_report's confusion matrix differs from the distances' or eval --json's");
    confusion_at(&c, d, te->same, te->n, r.suggested);
    CHECK(!memcmp(&r.suggested_cm, &c, sizeof c), "eval_report's suggested_cm is not at %g",
          (double)r.suggested);
    float step = head_sweep_step(m->head, m->cfg.margin);
    CHECK(r.n_sweep == EVAL_SWEEP_ROWS, "eval_report has %d sweep rows", r.n_sweep);
    for (int i = 0; i < r.n_sweep; i++) {
        float t = step + step * (float)i; /* eval's thresholds, rounded as eval rounds them */
        confusion_at(&c, d, te->same, te->n, t);
        scores_t sc = scores_of(&c);
        CHECK(r.sweep[i].threshold == t &&
                  r.sweep[i].at.accuracy == sc.accuracy && r.sweep[i].at.f1 == sc.f1,
              "sweep row %d: threshold %g accuracy %g, expected %g and %g", i,
              (double)r.sweep[i].threshold, r.sweep[i].at.accuracy,
              (double)t, sc.accuracy);
    }
    uint64_t split = 0;
    for (int k = 0; k < r.n_classes; k++)
        split += r.classes[k].split;
    CHECK(r.n_classes == ds->classes.n && split == r.cm.cell[1][0],
          "eval_report: %d classes whose split pairs add to %llu, expected %d and %llu",
          r.n_classes, (unsigned long long)split, ds->classes.n,
          (unsigned long long)r.cm.cell[1][0]);
    eval_report_free(&r);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_eval_pictures PATH/TO/siamese\n");
        return 2;
    }
    const char *bin = argv[1];
    const char *data = check_data_dir();
    if (strchr(bin, '\'') || strchr(data, '\'')) {
        fprintf(stderr, "test setup: paths with quotes are not supported\n");
        return 1;
    }
    char tmp[] = "/tmp/siamese-test-eval-pictures-XXXXXX";
    if (!mkdtemp(tmp)) {
        perror("mkdtemp");
        return 1;
    }
    char model[512], strip1[512], strip2[512], cmd[8192];
    snprintf(model, sizeof model, "%s/m.siam", tmp);
    snprintf(strip1, sizeof strip1, "%s/pairs.png", tmp);
    snprintf(strip2, sizeof strip2, "%s/errors.png", tmp);

    /* One epoch on the full data (one thread: as fast under the sanitizers,
     * and kinder to parallel ctest). */
    snprintf(cmd, sizeof cmd,
             "'%s' train --epochs 1 --threads 1 --model '%s' --data '%s' --quiet", bin, model,
             data);
    int st;
    free(run(cmd, &st));
    if (st != 0) {
        fprintf(stderr, "FAIL: training a model: exit status %d\n", st);
        cleanup(tmp, model, strip1, strip2);
        return 1;
    }

    confusion_t eval_cm;
    check_eval_pictures(bin, data, model, tmp, &eval_cm);

    /* The library's view: the model's seed's test pairs and their
     * distances. */
    sm_err e = {{0}};
    model_t m;
    dataset_t ds;
    pairs_t tr, te;
    if (model_load(&m, model, &e) != 0) {
        fprintf(stderr, "FAIL: model_load: %s\n", e.msg);
        cleanup(tmp, model, strip1, strip2);
        return 1;
    }
    if (dataset_load(data, &ds, &e) != 0) {
        fprintf(stderr, "FAIL: cannot load %s: %s\n", data, e.msg);
        cleanup(tmp, model, strip1, strip2);
        return 1;
    }
    if (seeds_build_pairs(&ds, m.cfg.seed, &tr, &te, &e) != 0) {
        fprintf(stderr, "FAIL: seeds_build_pairs: %s\n", e.msg);
        cleanup(tmp, model, strip1, strip2);
        return 1;
    }
    float *d = malloc(te.n * sizeof *d);
    if (!d || distances_for_pairs(d, &m, &ds.test, &te, 2, KERNELS_AUTO, NULL, &e) != 0) {
        fprintf(stderr, "FAIL: distances_for_pairs: %s\n", d ? e.msg : "out of memory");
        cleanup(tmp, model, strip1, strip2);
        return 1;
    }
    confusion_t lib_cm;
    confusion_at(&lib_cm, d, te.same, te.n, THRESHOLD);
    long lib_wrong = (long)(lib_cm.cell[0][1] + lib_cm.cell[1][0]);

    shown_t s;
    run_show_pairs(bin, data, model, strip1, COUNT, 0, &s);
    check_show_pairs(&s, strip1, COUNT, 0, &ds.test, &te, d);

    run_show_pairs(bin, data, model, strip2, ERR_COUNT, 1, &s);
    check_show_pairs(&s, strip2, ERR_COUNT, 1, &ds.test, &te, d);
    CHECK(s.wrong == lib_wrong && s.total == (long)te.n,
          "show-pairs --only-errors says %ld of %ld pairs are wrong, the library's distances "
          "give %ld of %zu",
          s.wrong, s.total, lib_wrong, te.n);
    long eval_wrong = (long)(eval_cm.cell[0][1] + eval_cm.cell[1][0]);
    CHECK(s.wrong == eval_wrong, "show-pairs --only-errors counts %ld wrong pairs, eval --json's "
          "confusion matrix %ld", s.wrong, eval_wrong);

    check_eval_report(&m, &ds, &te, d, &eval_cm);
    free(d);
    pairs_free(&tr);
    pairs_free(&te);
    dataset_free(&ds);
    model_free(&m);
    CHECK(cleanup(tmp, model, strip1, strip2) == 0, "temporary folder %s not empty after the runs",
          tmp);
    return check_done("test_eval_pictures");
}
