/* inspect_report.c - builds inspect's report (inspect_report.h): list and
 * embed both sets, calibrate the threshold on the references, score and
 * rank the images, then the truth of the MVTec layout and its metrics,
 * and with the patch score and masks the pixel-level AUROC of the maps.
 * N images, M references, P pixels, D features. */
#include "inspect_report.h"

#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "anomaly.h"
#include "anomaly_kind.h"
#include "embed.h"
#include "folders.h"
#include "input.h"
#include "masks.h"
#include "memory.h"
#include "metrics.h"
#include "mvtec.h"
#include "names.h"
#include "patch.h"
#include "patch_pixels.h"

/* Lists the image files of a set (what: "--reference" or "--images"). */
static int list_set(const char *path, const char *what, inspect_set *s, sm_err *e)
{
    sm_err sub;
    if (folders_list_images(path, &s->paths, &s->n, &s->skipped, &sub) != 0)
        return sm_fail(e, "%s: %s", what, sub.msg);
    if (s->n == 0)
        return sm_fail(e, "%s %s: no images (PNG, JPEG, BMP, PGM/PPM, TGA or GIF files)%s", what,
                    path, s->skipped ? " among its files" : "");
    return 0;
}

/* r->also_ref: the images that are also references, the same file by
 * device and inode (as the folder walk tells files apart, names.h). The
 * walk lists each file of a set once, so an image that is not new to the
 * set of the references' files is one of them. */
static int count_also_ref(inspect_report *r, sm_err *e)
{
    node_set files = {0};
    struct stat st;
    int rc = 0;
    for (size_t i = 0; i < r->ref.n && rc >= 0; i++)
        if (stat(r->ref.paths[i], &st) == 0)
            rc = node_add(&files, st.st_dev, st.st_ino, NULL);
    for (size_t i = 0; i < r->img.n && rc >= 0; i++)
        if (stat(r->img.paths[i], &st) == 0 &&
            (rc = node_add(&files, st.st_dev, st.st_ino, NULL)) == 0)
            r->also_ref++;
    free(files.v);
    return rc < 0 ? sm_fail(e, "out of memory") : 0;
}

/* Raw pixels: one size for every image, the references' (they come
 * first and set r->in); grey, or three planes with cfg.rgb. */
static int decode_raw(inspect_report *r, const char *what, inspect_set *s, sm_err *e)
{
    sm_err sub;
    size_t rows, cols;
    int channels = r->cfg.rgb ? 3 : 1;
    if (folders_decode(s->paths, s->n, 0, 0, channels, r->cfg.threads, &s->px, &rows, &cols,
                       "--model none compares raw pixels: every image must have the "
                       "references' size", &sub) != 0)
        return sm_fail(e, "%s: %s", what, sub.msg);
    if (r->in.width == 0) {
        r->in = input_raw((uint32_t)cols, (uint32_t)rows);
        r->in.channels = (uint32_t)channels;
    }
    else if (cols != r->in.width || rows != r->in.height)
        return sm_fail(e, "%s: %s: %zu x %zu pixels, but the references are %u x %u (--model "
                    "none compares raw pixels: every image must have the references' size)",
                    what, s->paths[0], cols, rows, r->in.width, r->in.height);
    return 0;
}

/* What the images are compared by: --features of the model (the
 * positions of a layer for the patch score), or raw pixels. */
static int choose_features(inspect_report *r, sm_err *e)
{
    const model_t *m = r->cfg.model;
    int positions = anomaly_kinds[r->cfg.score].positions;
    r->embedding = 1;
    if (!m) {
        if (positions)
            return sm_fail(e, "--score %s needs a model with conv layers (not --model none)",
                           anomaly_kinds[r->cfg.score].name);
        return 0;
    }
    sm_err sub;
    if (embed_feat_resolve(r->cfg.features ? r->cfg.features : "auto", m->shape, positions,
                           &r->feat, &sub) != 0)
        return sm_fail(e, "%s: %s", r->cfg.model_path, sub.msg);
    r->embedding = r->feat.layer == m->shape.layers - 1 && r->feat.mode == EMBED_FLAT;
    layer_dims d = net_layer_out_dims(m->shape, r->feat.layer);
    r->D = positions ? (size_t)d.c : embed_feat_floats(m->shape, r->feat);
    if (positions) {
        r->gh = d.h;
        r->gw = d.w;
    }
    return 0;
}

static patch_grid grid(const inspect_report *r)
{
    return (patch_grid){r->gh, r->gw, input_channels(&r->in), (int)r->in.height,
                        (int)r->in.width};
}

/* --pixels: each position's features followed by its cell's pixels, the
 * weight set on the references (patch_pixels.h). */
static int add_pixels(inspect_report *r, sm_err *e)
{
    patch_grid g = grid(r);
    int C = (int)r->D;
    r->pixel_weight = patch_pixel_weight(r->ref.feat, r->ref.px, r->ref.n, C, g, r->cfg.pixels);
    r->cell_h = g.H / g.gh;
    r->cell_w = g.W / g.gw;
    if (patch_add_pixels(&r->ref.feat, r->ref.px, r->ref.n, C, g, r->pixel_weight, e) != 0 ||
        patch_add_pixels(&r->img.feat, r->img.px, r->img.n, C, g, r->pixel_weight, e) != 0)
        return -1;
    r->D = (size_t)(C + patch_cell_floats(g));
    return 0;
}

/* The patch score: the references' positions must fit the bank's limits
 * and the memory this process may still allocate (patch.h, memory.h),
 * known once both sets are listed, before any image is embedded. */
static int check_bank(const inspect_report *r, sm_err *e)
{
    sm_err sub;
    const char *limit;
    if (!r->gh)
        return 0;
    int P = r->gh * r->gw, D = (int)r->D + (r->cfg.pixels > 0 ? patch_cell_floats(grid(r)) : 0);
    size_t avail = mem_available(&limit);
    if (patch_check_size(r->ref.n, P, D, &sub) != 0 ||
        patch_check_memory(r->ref.n, r->img.n, P, D, r->cfg.bank, avail, limit, &sub) != 0)
        return sm_fail(e, "--reference %s: %s", r->cfg.reference, sub.msg);
    return 0;
}

/* Decodes and embeds a listed set: feat [n, D] (the patch score: [n, P, D]). */
static int load_set(inspect_report *r, const char *what, inspect_set *s, sm_err *e)
{
    const inspect_cfg *c = &r->cfg;
    const model_t *m = c->model;
    sm_err sub;
    if (!m) {
        if (decode_raw(r, what, s, e) != 0)
            return -1;
    } else if (input_load_files(&r->in, s->paths, s->n, c->threads, &s->px, e) != 0) {
        return -1;
    }
    size_t P = (size_t)input_channels(&r->in) * r->in.width * r->in.height;
    size_t F = m ? embed_feat_floats(m->shape, r->feat) : P;
    if (!m)
        r->D = P;
    if (F && s->n > SIZE_MAX / sizeof *s->feat / F)
        return sm_fail(e, "%zu images of %zu features: too many", s->n, F);
    if (!(s->feat = malloc(s->n * F * sizeof *s->feat + 1)))
        return sm_fail(e, "out of memory for the features of %zu images (%zu floats each)", s->n,
                       F);
    if (!m) {
        for (size_t i = 0; i < s->n * P; i++) /* the network's input, x / 255 */
            s->feat[i] = (float)s->px[i] / 255.0f;
    } else if (embed_features(s->feat, m->params, m->shape, s->px, s->n, NULL, r->feat,
                              c->threads, c->kernels, &sub) != 0) {
        return sm_fail(e, "%s: %s: %s", c->model_path, what, sub.msg);
    }
    if (r->gh && patch_local(s->feat, s->n, r->gh, r->gw, (int)r->D, c->local, e) != 0)
        return -1;
    return 0;
}

/* 0 when every score [n] of s is finite; else the head's distances
 * overflowed float32 (the model's weights are too large). */
static int scores_finite(const inspect_report *r, const char *what, const inspect_set *s,
                         const float *score, const char *head, sm_err *e)
{
    for (size_t i = 0; i < s->n; i++)
        if (!isfinite(score[i]))
            return sm_fail(e, "%s: the %s distance behind the score of %s %s overflows float32 "
                        "(%s): the model's weights are too large", r->cfg.model_path, head,
                        what, s->paths[i], isnan(score[i]) ? "nan" : "inf");
    return 0;
}

/* The threshold: given, or the quantile of the references' scores, each
 * scored against the others (the images to inspect never set it). */
static int calibrate(inspect_report *r, const anomaly_cfg *ac, size_t D, sm_err *e)
{
    const inspect_set *ref = &r->ref;
    r->threshold = r->cfg.threshold;
    if (r->cfg.threshold_set)
        return 0;
    float *sc = malloc((ref->n + 1) * sizeof *sc);
    uint32_t *near = malloc((ref->n + 1) * sizeof *near);
    int rc = -1;
    if (!sc || !near)
        sm_fail(e, "out of memory");
    else if (anomaly_scores(ref->feat, ref->n, ref->feat, ref->n, (int)D, ac, 1, sc, near, e))
        sm_fail(e, "--reference %s: %s", r->cfg.reference, e->msg);
    else if (scores_finite(r, "reference", ref, sc, head_names[ac->head], e) == 0) {
        r->threshold = anomaly_quantile(sc, ref->n, r->cfg.quantile);
        rc = 0;
    }
    free(sc);
    free(near);
    return rc;
}

typedef struct {
    float score;
    size_t index;
} ranked;

/* Most anomalous first; ties in image order. */
static int by_score_desc(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return (x->index > y->index) - (x->index < y->index);
}

/* rank [N] = image indices, most anomalous first; flagged [N]. */
static int rank_images(inspect_report *r, sm_err *e)
{
    size_t n = r->img.n;
    ranked *v = malloc((n + 1) * sizeof *v);
    if (!v)
        return sm_fail(e, "out of memory");
    for (size_t i = 0; i < n; i++) {
        v[i] = (ranked){r->score[i], i};
        r->flagged[i] = r->score[i] > r->threshold;
        r->n_flagged += r->flagged[i];
    }
    qsort(v, n, sizeof *v, by_score_desc);
    for (size_t i = 0; i < n; i++)
        r->rank[i] = v[i].index;
    free(v);
    return 0;
}

int inspect_default_score(net_shape s, embed_feat f)
{
    int embedding = f.layer == s.layers - 1 && f.mode == EMBED_FLAT;
    return embedding ? ANOMALY_CENTROID : ANOMALY_KNN;
}

/* The patch score (patch.h): the bank from the references' positions,
 * the threshold from up to PATCH_CALIBRATE references, each against the
 * entries of the others, then every image's positions. */
static int score_patch(inspect_report *r, sm_err *e)
{
    const inspect_cfg *c = &r->cfg;
    size_t N = r->img.n, M = r->ref.n, P = (size_t)r->gh * r->gw;
    patch_cfg pc = {c->bank, c->threads, c->kernels, c->near, r->gw};
    patch_bank b;
    int rc = -1;
    float *rsc = NULL;
    if (patch_bank_build(&b, r->ref.feat, M, (int)P, (int)r->D, &pc, e) != 0) {
        sm_fail(e, "--reference %s: %s", c->reference, e->msg);
        goto out;
    }
    r->bank = b.B;
    r->positions = M * P;
    r->threshold = c->threshold;
    if (!c->threshold_set) {
        size_t n;
        rsc = malloc((M + 1) * sizeof *rsc);
        if (!rsc) {
            sm_fail(e, "out of memory");
            goto out;
        }
        if (patch_calibrate(&b, r->ref.feat, M, (int)P, PATCH_CALIBRATE, &pc, rsc, &n, e) != 0) {
            sm_fail(e, "--reference %s: %s", c->reference, e->msg);
            goto out;
        }
        for (size_t i = 0; i < n; i++)
            if (!isfinite(rsc[i])) {
                sm_fail(e, "%s: the euclidean distance behind a reference's score overflows "
                        "float32 (%s): the model's weights are too large", c->model_path,
                        isnan(rsc[i]) ? "nan" : "inf");
                goto out;
            }
        r->threshold = anomaly_quantile(rsc, n, c->quantile);
        r->calibrated = n;
    }
    if (!(r->pos = malloc((N * P + 1) * sizeof *r->pos))) {
        sm_fail(e, "out of memory");
        goto out;
    }
    if (patch_scores(&b, r->img.feat, N, (int)P, &pc, 0, r->pos, r->score, r->nearest, e) != 0)
        sm_fail(e, "--reference %s: %s", c->reference, e->msg);
    else if (scores_finite(r, "image", &r->img, r->score, "euclidean", e) == 0)
        rc = 0;
    for (size_t i = 0; i < N; i++) /* an image's score is its largest position's */
        r->map_top = r->score[i] > r->map_top ? r->score[i] : r->map_top;
out:
    patch_bank_free(&b);
    free(rsc);
    return rc;
}

/* Scores the images against the references with the model's own head
 * (raw pixels: euclidean) on the products' path, then ranks them. */
static int score_images(inspect_report *r, sm_err *e)
{
    const inspect_cfg *c = &r->cfg;
    const model_t *m = c->model;
    size_t N = r->img.n, D = r->D;
    /* The head's distance on the embedding it was trained for; euclidean
     * on any other features (and raw pixels). */
    int head = m && r->embedding;
    anomaly_cfg ac = {.score = (anomaly_score)c->score, .k = c->k, .threads = c->threads,
                      .head = head ? m->head : HEAD_EUCLIDEAN,
                      .hp = head ? model_head_params(m, m->params) : NULL,
                      .kernels = c->kernels};
    r->score = malloc((N + 1) * sizeof *r->score);
    r->nearest = malloc((N + 1) * sizeof *r->nearest);
    r->rank = malloc((N + 1) * sizeof *r->rank);
    r->flagged = malloc(N + 1);
    if (!r->score || !r->nearest || !r->rank || !r->flagged)
        return sm_fail(e, "out of memory");
    if (anomaly_kinds[c->score].positions)
        return score_patch(r, e) == 0 ? rank_images(r, e) : -1;
    if (calibrate(r, &ac, D, e) != 0)
        return -1;
    if (anomaly_scores(r->ref.feat, r->ref.n, r->img.feat, N, (int)D, &ac, 0, r->score,
                       r->nearest, e) != 0)
        return sm_fail(e, "--reference %s: %s", c->reference, e->msg);
    if (scores_finite(r, "image", &r->img, r->score, head_names[ac.head], e) != 0)
        return -1;
    return rank_images(r, e);
}

int inspect_check_sets(const char *reference, const char *images, sm_err *e)
{
    static const char layout[] = "an MVTec AD category (test/good/ with ground_truth/ or "
                                 "train/ beside it)";
    int img = mvtec_category(images);
    if (!img && !mvtec_category(reference))
        return 0;
    const char *dir = img ? images : reference;
    int len = (int)strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        len--;
    char good[PATH_MAX + 16]; /* its good training images, named when they are there */
    struct stat st;
    snprintf(good, sizeof good, "%.*s/train/good", len, dir);
    int has = stat(good, &st) == 0 && S_ISDIR(st.st_mode);
    if (img)
        return sm_fail(e, "--images %s is %s, not a set of images: its masks and training "
                       "images would be scored as parts; give its test images, --images "
                       "%.*s/test%s%s%s", images, layout, len, images,
                       has ? " (and --reference " : "", has ? good : "", has ? ")" : "");
    return sm_fail(e, "--reference %s is %s, not a set of good images: its defect images and "
                   "masks would be taken as references; give its good images%s%s", reference,
                   layout, has ? ", --reference " : " (train/good/ in MVTec AD)",
                   has ? good : "");
}

/* AUROC of "anomalous" (type != 0) against good for the images whose type
 * is 0 or `only` (all types when only < 0); NAN without both classes. */
static double auroc_of(const inspect_report *r, int only)
{
    size_t n = r->img.n, k = 0;
    float *d = malloc((n + 1) * sizeof *d);
    uint8_t *good = malloc(n + 1);
    double auc = NAN;
    if (d && good) {
        for (size_t i = 0; i < n; i++)
            if (r->type[i] == 0 || only < 0 || r->type[i] == only) {
                d[k] = r->score[i];
                good[k++] = r->type[i] == 0;
            }
        roc_t roc;
        sm_err sub;
        /* "same" = good, the small-distance class: its AUC is the AUROC. */
        if (roc_build(&roc, d, good, k, &sub) == 0) {
            auc = roc.auc;
            roc_free(&roc);
        }
    }
    free(d);
    free(good);
    return auc;
}

/* The metrics of the MVTec layout: overall, then per type. */
static void metrics(inspect_report *r)
{
    if (r->ntypes == 0)
        return;
    size_t tp = 0, fp = 0, tn = 0, fn = 0, n = r->img.n;
    for (size_t i = 0; i < n; i++) {
        int bad = r->type[i] != 0, f = r->flagged[i];
        tp += bad && f;
        fp += !bad && f;
        tn += !bad && !f;
        fn += bad && !f;
    }
    /* 0 / 0 is no figure (NAN): nothing flagged has no precision, no
     * anomalous image no recall */
    r->accuracy = n ? (double)(tp + tn) / (double)n : NAN;
    r->precision = tp + fp ? (double)tp / (double)(tp + fp) : NAN;
    r->recall = tp + fn ? (double)tp / (double)(tp + fn) : NAN;
    r->auroc = auroc_of(r, -1);
    for (int t = 0; t < r->ntypes; t++) {
        size_t cnt = 0, hit = 0;
        for (size_t i = 0; i < n; i++)
            if (r->type[i] == t) {
                cnt++;
                hit += r->flagged[i];
            }
        r->types[t] = (inspect_type){r->type_names[t], cnt,
                                     cnt ? (double)hit / (double)cnt : NAN,
                                     t ? auroc_of(r, t) : NAN};
    }
}

/* The truth, when --images has the MVTec layout: each image's type. A
 * masks' folder given needs the layout. */
static int find_truth(inspect_report *r, sm_err *e)
{
    if (!(r->type = malloc((r->img.n + 1) * sizeof *r->type)))
        return sm_fail(e, "out of memory");
    if (mvtec_types(r->cfg.images, r->img.paths, r->img.n, r->type, &r->type_names,
                    &r->ntypes, e) != 0)
        return -1;
    if (r->cfg.masks && r->ntypes == 0) {
        r->usage_error = 1;
        return sm_fail(e, "--masks %s: --images %s has no good/ folder: pixel metrics need "
                       "the MVTec layout (good/ and one folder per defect type)", r->cfg.masks,
                       r->cfg.images);
    }
    if (r->ntypes && !(r->types = calloc((size_t)r->ntypes, sizeof *r->types)))
        return sm_fail(e, "out of memory");
    return 0;
}

/* Pixel-level AUROC of the maps [N, H, W] against the masks' truth
 * [N, H, W] at the compared size, overall and per type (metrics.h); NAN
 * without a defect image (then no mask is read). */
static int pixel_metrics(inspect_report *r, sm_err *e)
{
    const inspect_cfg *c = &r->cfg;
    if (!r->pos || r->ntypes == 0)
        return 0;
    if (masks_find(c->images, c->masks, &r->masks, e) != 0)
        return sm_fail(e, "--masks %s", e->msg);
    if (!r->masks)
        return 0;
    size_t N = r->img.n, W = r->in.width, H = r->in.height, P = W * H, defect = 0;
    r->pixel = (pixel_auroc_t){.auroc = NAN, .neg = (uint64_t)(N * P)};
    for (size_t i = 0; i < N; i++)
        defect += r->type[i] > 0;
    if (defect == 0)
        return 0;
    if (N > SIZE_MAX / sizeof(float) / P)
        return sm_fail(e, "the maps of %zu images of %zu x %zu pixels: too large", N, W, H);
    uint8_t *truth = NULL;
    float *maps = malloc(N * P * sizeof *maps);
    int rc = -1;
    if (!maps)
        sm_fail(e, "out of memory for the maps of %zu images of %zu x %zu pixels (pixel "
                "AUROC)", N, W, H);
    else if (masks_load(r->masks, c->images, r->img.paths, r->type, N, (int)W, (int)H,
                        c->threads, &truth, e) == 0) {
        for (size_t i = 0; i < N; i++)
            inspect_map(r, i, maps + i * P);
        rc = pixel_auroc(maps, truth, N, P, r->type, r->ntypes, &r->pixel, e);
    }
    free(maps);
    free(truth);
    return rc;
}

int inspect_build(inspect_report *r, const inspect_cfg *cfg, sm_err *e)
{
    memset(r, 0, sizeof *r);
    r->cfg = *cfg;
    r->in = cfg->model ? cfg->model->input : input_raw(0, 0);
    if (choose_features(r, e) != 0 || list_set(cfg->reference, "--reference", &r->ref, e) != 0 ||
        list_set(cfg->images, "--images", &r->img, e) != 0 || count_also_ref(r, e) != 0 ||
        find_truth(r, e) != 0 ||
        check_bank(r, e) != 0 || load_set(r, "--reference", &r->ref, e) != 0 ||
        load_set(r, "--images", &r->img, e) != 0 ||
        (r->gh && r->cfg.pixels > 0 && add_pixels(r, e) != 0))
        return -1;
    r->skipped = r->ref.skipped + r->img.skipped;
    if (score_images(r, e) != 0)
        return -1;
    metrics(r);
    return pixel_metrics(r, e);
}

static void set_free(inspect_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->paths[i]);
    free(s->paths);
    free(s->px);
    free(s->feat);
}

void inspect_free(inspect_report *r)
{
    set_free(&r->ref);
    set_free(&r->img);
    free(r->score);
    free(r->nearest);
    free(r->flagged);
    free(r->rank);
    free(r->type);
    free(r->types);
    free(r->pos);
    free(r->masks);
    pixel_auroc_free(&r->pixel);
    mvtec_types_free(r->type_names, r->ntypes);
    memset(r, 0, sizeof *r);
}

void inspect_map(const inspect_report *r, size_t i, float *map)
{
    patch_upsample(map, (int)r->in.height, (int)r->in.width,
                   r->pos + i * (size_t)r->gh * r->gw, r->gh, r->gw);
}

/* The name of image i below --images (rel, for a folder), else its file
 * name (--images is the file, or a path not spelt from --images). */
static const char *name_below_images(const inspect_report *r, size_t i)
{
    const char *p = r->img.paths[i], *root = r->cfg.images, *slash = strrchr(p, '/');
    size_t rl = strlen(root);
    const char *rel = p + rl;
    if (strncmp(p, root, rl) != 0 || (*rel != '/' && !(rl > 0 && root[rl - 1] == '/')))
        return slash ? slash + 1 : p;
    while (*rel == '/')
        rel++;
    return *rel ? rel : slash ? slash + 1 : p;
}

void inspect_map_path(const inspect_report *r, size_t i, char *buf, size_t n)
{
    const char *rel = name_below_images(r, i), *slash = strrchr(rel, '/');
    const char *base = slash ? slash + 1 : rel, *dot = strrchr(base, '.');
    size_t len = dot && dot > base ? (size_t)(dot - rel) : strlen(rel);
    int digits = 1;
    for (size_t k = r->img.n; k >= 10; k /= 10)
        digits++;
    size_t room = INSPECT_MAP_NAME_MAX - (size_t)digits - sizeof "-.png" + 1; /* for the stem */
    if (len > room) { /* the file name alone, cut to fit */
        len = (size_t)(dot && dot > base ? dot - base : (ptrdiff_t)strlen(base));
        len = len < room ? len : room;
        rel = base;
    }
    char name[INSPECT_MAP_NAME_MAX + 1];
    snprintf(name, sizeof name, "%0*zu-%.*s.png", digits, i + 1, (int)len, rel);
    for (char *c = name; *c; c++) /* folders joined by '-', as export names classes */
        if (*c == '/')
            *c = '-';
    size_t dl = strlen(r->cfg.maps);
    snprintf(buf, n, "%s%s%s", r->cfg.maps, dl > 0 && r->cfg.maps[dl - 1] != '/' ? "/" : "",
             name);
}

const char *inspect_type_name(const inspect_report *r, size_t i)
{
    return r->type && r->type[i] >= 0 ? r->type_names[r->type[i]] : "";
}
