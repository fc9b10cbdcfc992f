/* cmd_inspect.c - `siamese inspect`: visual inspection. Known good parts
 * (--reference) against parts to check (--images): each image gets an
 * anomaly score (larger = further from the good ones), a verdict at a
 * threshold calibrated on the references alone, and its nearest reference.
 * With the MVTec AD layout (--images holding good/ and one folder per
 * defect type) the truth is known, and AUROC, accuracy, precision and
 * recall are reported, overall and per defect type. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "anomaly.h"
#include "atomic_file.h"
#include "cli.h"
#include "csv.h"
#include "guard.h"
#include "embed.h"
#include "folders.h"
#include "input.h"
#include "json.h"
#include "metrics.h"
#include "model_file.h"
#include "sheet.h"

static const char *const cmd = "inspect";
#define DEFAULT_QUANTILE 0.95
#define DEFAULT_TOP 16
#define MAX_TOP 200

static void usage(FILE *out)
{
    fprintf(out,
            "usage: siamese inspect --reference PATH --images PATH [options]\n\n"
            "Scores every image of --images against the known good images of --reference:\n"
            "the anomaly score is the distance of its embedding to the references' (larger\n"
            "= more anomalous). An image is flagged when its score is above the threshold.\n"
            "Prints the images ranked by score, most anomalous first, with the nearest\n"
            "reference. When --images holds good/ and one folder per defect type (the MVTec\n"
            "AD layout), also AUROC, accuracy, precision and recall, overall and per type.\n\n"
            "options:\n"
            "      --reference PATH  good images: a folder (searched recursively) or a file\n"
            "      --images PATH     images to inspect: a folder or a file\n"
            "  -m, --model FILE      model whose embeddings are compared (default %s);\n"
            "                        'none' compares raw pixels (the baseline to beat)\n"
            "      --score S         centroid: distance to the references' mean embedding;\n"
            "                        knn: mean distance to the k nearest references\n"
            "                        (default: centroid with a model, knn with --model none);\n"
            "                        distances are the model's head's (euclidean for none)\n"
            "      --k N             neighbours for knn, 1..%d (default: 1); only with the\n"
            "                        knn score (with centroid it is a usage error)\n"
            "  -t, --threshold X     flag images scoring above X (default: the %g quantile\n"
            "                        of the references' leave-one-out scores)\n"
            "      --report FILE     write a PNG contact sheet of the most anomalous images,\n"
            "                        each beside its nearest reference (FILE - is standard\n"
            "                        output; the text or JSON then goes to stderr)\n"
            "      --top N           images on the report, 1..%d (default %d)\n"
            "      --csv FILE        write rank,path,score,flagged,nearest,type as CSV\n"
            "      --json            print everything as one JSON object on stdout\n"
            "  -j, --threads N       worker threads (default: all %d cores)\n"
            "      --kernels K       products: auto, avx512, avx2, generic (the same scores)\n"
            "                        or openblas (default: the kind the model was trained\n"
            "                        with, auto or openblas; auto with --model none)\n"
            "  -h, --help            show this help\n",
            CLI_DEFAULT_MODEL, ANOMALY_MAX_K, DEFAULT_QUANTILE, MAX_TOP, DEFAULT_TOP,
            cli_cpu_count());
}

typedef struct {
    const char *reference, *images, *model, *report, *csv;
    int score, score_set, json, k_set;
    int kernels, set_kernels; /* --kernels: a kernels_path */
    long k, top, threads;
    float threshold;
    int threshold_set;
} inspect_opts;

static int parse(int argc, char **argv, inspect_opts *o)
{
    static const char *const scores[] = {"knn", "centroid", NULL};
    static const struct option longopts[] = {
        {"reference", required_argument, 0, 'R'}, {"images", required_argument, 0, 'I'},
        {"model", required_argument, 0, 'm'},     {"score", required_argument, 0, 'S'},
        {"k", required_argument, 0, 'k'},         {"threshold", required_argument, 0, 't'},
        {"report", required_argument, 0, 'P'},    {"top", required_argument, 0, 'T'},
        {"csv", required_argument, 0, 'C'},       {"json", no_argument, 0, 'J'},
        {"threads", required_argument, 0, 'j'},   {"kernels", required_argument, 0, 'K'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    memset(o, 0, sizeof *o);
    o->model = CLI_DEFAULT_MODEL;
    o->k = 1;
    o->top = DEFAULT_TOP;
    o->threads = cli_cpu_count();
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":m:t:j:h", longopts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'R': o->reference = optarg; break;
        case 'I': o->images = optarg; break;
        case 'm': o->model = optarg; break;
        case 'S': bad = opt_choice(cmd, "score", optarg, scores, &o->score); o->score_set = 1; break;
        case 'k':
            bad = opt_long(cmd, "k", optarg, 1, ANOMALY_MAX_K, &o->k);
            o->k_set = 1;
            break;
        case 'K':
            bad = opt_choice(cmd, "kernels", optarg, kernels_names, &o->kernels);
            o->set_kernels = 1;
            break;
        case 't':
            bad = opt_float(cmd, "threshold", optarg, 0, 1e6, 1, &o->threshold);
            o->threshold_set = 1;
            break;
        case 'P': o->report = optarg; break;
        case 'T': bad = opt_long(cmd, "top", optarg, 1, MAX_TOP, &o->top); break;
        case 'C': o->csv = optarg; break;
        case 'J': o->json = 1; break;
        case 'j': bad = opt_long(cmd, "threads", optarg, 1, MODEL_MAX_THREADS, &o->threads); break;
        case 'h': usage(stdout); return 1;
        default: opt_report(cmd, c, optopt, argv); bad = 1; break;
        }
        if (bad)
            return -1;
    }
    if (optind < argc) {
        cli_error(cmd, "unexpected argument '%s'", argv[optind]);
        return -1;
    }
    if (!o->reference || !o->images) {
        cli_error(cmd, "--reference PATH and --images PATH are both needed");
        return -1;
    }
    if (!*o->reference || !*o->images || !*o->model) {
        cli_error(cmd, "empty name given to --reference, --images or --model");
        return -1;
    }
    if (!o->score_set)
        o->score = strcmp(o->model, "none") == 0 ? ANOMALY_KNN : ANOMALY_CENTROID;
    if (o->k_set && o->score != ANOMALY_KNN) {
        cli_error(cmd, "--k %ld: neighbours are for --score knn, and the score is centroid%s",
                  o->k, o->score_set ? "" : " (the default with a model)");
        return -1;
    }
    return 0;
}

/* A set of image files and what inspect learns of them. */
typedef struct {
    char **paths;
    size_t n, skipped;
    uint8_t *px;      /* [n, P] grey, the model's input size */
    float *feat;      /* [n, D] embeddings or pixels / 255 */
    int *type;        /* [n] defect type index, 0 = good (MVTec layout), -1 unknown */
} image_set;

static void set_free(image_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->paths[i]);
    free(s->paths);
    free(s->px);
    free(s->feat);
    free(s->type);
    memset(s, 0, sizeof *s);
}

/* The MVTec AD layout: a folder with good/ in it; every other subfolder a
 * defect type. Fills types (types[0] = "good") and each image's type, or
 * leaves the types unknown. */
static int find_types(const char *root, image_set *s, char ***types, int *ntypes, sm_err *e)
{
    *types = NULL;
    *ntypes = 0;
    char good[4200];
    struct stat st;
    snprintf(good, sizeof good, "%s/good", root);
    s->type = malloc((s->n + 1) * sizeof *s->type);
    if (!s->type)
        return sm_fail(e, "out of memory");
    for (size_t i = 0; i < s->n; i++)
        s->type[i] = -1;
    if (stat(good, &st) != 0 || !S_ISDIR(st.st_mode))
        return 0;
    size_t rl = strlen(root);
    char **t = malloc(sizeof *t);
    if (!t || !(t[0] = strdup("good"))) {
        free(t);
        return sm_fail(e, "out of memory");
    }
    int nt = 1;
    for (size_t i = 0; i < s->n; i++) {
        const char *rel = s->paths[i] + rl + 1, *slash = strchr(rel, '/');
        if (!slash) {
            for (int k = 0; k < nt; k++)
                free(t[k]);
            free(t);
            return sm_fail(e, "%s: with a good/ folder beside it, every image must be in "
                           "good/ or in a folder named for its defect type", s->paths[i]);
        }
        size_t len = (size_t)(slash - rel);
        int k = 0;
        while (k < nt && (strlen(t[k]) != len || strncmp(t[k], rel, len) != 0))
            k++;
        if (k == nt) {
            char **nt2 = realloc(t, ((size_t)nt + 1) * sizeof *t);
            if (!nt2 || !(nt2[nt] = strndup(rel, len))) {
                t = nt2 ? nt2 : t;
                for (int q = 0; q < nt; q++)
                    free(t[q]);
                free(t);
                return sm_fail(e, "out of memory");
            }
            t = nt2;
            nt++;
        }
        s->type[i] = k;
    }
    *types = t;
    *ntypes = nt;
    return 0;
}

/* Lists the image files of a set (a file, or a folder searched
 * recursively). */
static int list_set(const char *path, const char *what, image_set *s)
{
    sm_err e;
    memset(s, 0, sizeof *s);
    if (folders_list_images(path, &s->paths, &s->n, &s->skipped, &e) != 0) {
        cli_error(cmd, "%s: %s", what, e.msg);
        return -1;
    }
    if (s->n == 0) {
        cli_error(cmd, "%s %s: no images (PNG, JPEG, BMP, PGM/PPM, TGA or GIF files)%s", what,
                  path, s->skipped ? " among its files" : "");
        return -1;
    }
    return 0;
}

/* Decodes and embeds a listed set (model NULL: raw pixels). in: the input
 * spec; for raw pixels with width 0, taken from the set's own size (the
 * references come first). what: "--reference" or "--images". */
static int load_set(const model_t *m, const char *model_path, input_spec *in, int threads,
                    kernels_path k, const char *what, image_set *s)
{
    sm_err e;
    if (!m) { /* raw pixels: one size for every image, the references' */
        size_t rows, cols;
        if (folders_decode(s->paths, s->n, 0, 0, threads, &s->px, &rows, &cols,
                           "--model none compares raw pixels: every image must have the "
                           "references' size", &e) != 0) {
            cli_error(cmd, "%s: %s", what, e.msg);
            return -1;
        }
        if (in->width == 0) {
            *in = input_raw((uint32_t)cols, (uint32_t)rows);
        } else if (cols != in->width || rows != in->height) {
            cli_error(cmd, "%s: %s: %zu x %zu pixels, but the references are %u x %u "
                      "(--model none compares raw pixels: every image must have the "
                      "references' size)", what, s->paths[0], cols, rows, in->width,
                      in->height);
            return -1;
        }
    } else if (input_load_files(in, s->paths, s->n, threads, &s->px, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        return -1;
    }
    size_t P = (size_t)in->width * in->height, D = m ? (size_t)net_out(m->shape) : P;
    s->feat = malloc(s->n * D * sizeof *s->feat + 1);
    if (!s->feat) {
        cli_error(cmd, "out of memory for %zu images", s->n);
        return -1;
    }
    if (m) {
        if (embed_images(s->feat, m->params, m->shape, s->px, s->n, NULL, threads, k,
                         &e) != 0) {
            cli_error(cmd, "%s: %s: %s", model_path, what, e.msg);
            return -1;
        }
    } else {
        for (size_t i = 0; i < s->n * P; i++) /* the network's input, x / 255 */
            s->feat[i] = (float)s->px[i] / 255.0f;
    }
    return 0;
}

/* 0 when every score is finite, else 1 with the line printed: the head's
 * distances overflowed float32 (the model's weights are too large). */
static int scores_finite(const inspect_opts *o, const char *what, const image_set *s,
                         const float *score, const char *head)
{
    for (size_t i = 0; i < s->n; i++)
        if (!isfinite(score[i])) {
            cli_error(cmd, "%s: the %s distance behind the score of %s %s overflows float32 "
                      "(%s): the model's weights are too large", o->model, head, what,
                      s->paths[i], isnan(score[i]) ? "nan" : "inf");
            return 1;
        }
    return 0;
}

/* What inspect reports. */
typedef struct {
    const inspect_opts *o;
    const image_set *ref, *img;
    size_t D;
    float *score;        /* [n] */
    uint32_t *nearest;   /* [n] */
    size_t *rank;        /* [n] image index by rank */
    float threshold;
    char **types;
    int ntypes;
    /* with types known: */
    double auroc, accuracy, precision, recall;
    double *type_auroc, *type_recall; /* [ntypes], index 0 unused */
    size_t *type_n;
} report;

static int flagged(const report *r, size_t i)
{
    return r->score[i] > r->threshold;
}

/* AUROC of "anomalous" (type != 0) against good for the images whose type
 * is 0 or `only` (all types when only < 0). */
static double auroc_of(const report *r, int only, sm_err *e)
{
    size_t n = r->img->n, k = 0;
    float *d = malloc((n + 1) * sizeof *d);
    uint8_t *good = malloc(n + 1);
    double auc = NAN;
    if (d && good) {
        for (size_t i = 0; i < n; i++)
            if (r->img->type[i] == 0 || only < 0 || r->img->type[i] == only) {
                d[k] = r->score[i];
                good[k++] = r->img->type[i] == 0;
            }
        roc_t roc;
        /* "same" = good, the small-distance class: its AUC is the AUROC. */
        if (roc_build(&roc, d, good, k, e) == 0) {
            auc = roc.auc;
            roc_free(&roc);
        }
    }
    free(d);
    free(good);
    return auc;
}

static void metrics(report *r)
{
    sm_err e;
    size_t tp = 0, fp = 0, tn = 0, fn = 0;
    for (size_t i = 0; i < r->img->n; i++) {
        int bad = r->img->type[i] != 0, f = flagged(r, i);
        tp += bad && f;
        fp += !bad && f;
        tn += !bad && !f;
        fn += bad && !f;
    }
    size_t n = r->img->n;
    r->accuracy = n ? (double)(tp + tn) / (double)n : 0;
    r->precision = tp + fp ? (double)tp / (double)(tp + fp) : 0;
    r->recall = tp + fn ? (double)tp / (double)(tp + fn) : 0;
    r->auroc = auroc_of(r, -1, &e);
    for (int t = 0; t < r->ntypes; t++) {
        size_t cnt = 0, hit = 0;
        for (size_t i = 0; i < n; i++)
            if (r->img->type[i] == t) {
                cnt++;
                hit += flagged(r, i);
            }
        r->type_n[t] = cnt;
        r->type_recall[t] = cnt ? (double)hit / (double)cnt : 0; /* for good: the FPR */
        r->type_auroc[t] = t ? auroc_of(r, t, &e) : NAN;
    }
}

static const char *type_name(const report *r, size_t i)
{
    return r->img->type[i] >= 0 ? r->types[r->img->type[i]] : "";
}

/* v with four decimals, or "-" when there is no such figure. */
static void text_num(char *out, size_t n, double v)
{
    if (isfinite(v))
        snprintf(out, n, "%.4f", v);
    else
        snprintf(out, n, "-");
}

static void print_text(const report *r)
{
    const inspect_opts *o = r->o;
    printf("inspect: %zu images against %zu references; %s; score %s", r->img->n, r->ref->n,
           strcmp(o->model, "none") == 0 ? "raw pixels (--model none)" : o->model,
           o->score == ANOMALY_KNN ? "knn" : "centroid");
    if (o->score == ANOMALY_KNN)
        printf(" (k = %ld)", o->k);
    size_t nflag = 0;
    for (size_t i = 0; i < r->img->n; i++)
        nflag += flagged(r, i);
    printf("\nthreshold %.6g (%s); %zu flagged\n", r->threshold,
           o->threshold_set ? "yours" : "0.95 quantile of the references' leave-one-out scores",
           nflag);
    if (r->ntypes) {
        /* An AUROC needs good and anomalous images: "-" where there is none. */
        char auc[32];
        text_num(auc, sizeof auc, r->auroc);
        printf("\nAUROC %s   accuracy %.4f   precision %.4f   recall %.4f   (anomalous = not "
               "good/)\n", auc, r->accuracy, r->precision, r->recall);
        printf("%-20s %7s %8s %9s\n", "type", "images", "AUROC", "flagged");
        for (int t = 0; t < r->ntypes; t++) {
            if (t) {
                text_num(auc, sizeof auc, r->type_auroc[t]);
                printf("%-20s %7zu %8s %9.4f\n", r->types[t], r->type_n[t], auc,
                       r->type_recall[t]);
            } else
                printf("%-20s %7zu %8s %9.4f\n", r->types[t], r->type_n[t], "-",
                       r->type_recall[t]);
        }
    }
    printf("\nrank\tscore\tflagged\t%spath\tnearest\n", r->ntypes ? "type\t" : "");
    for (size_t k = 0; k < r->img->n; k++) {
        size_t i = r->rank[k];
        printf("%zu\t%.6f\t%s\t", k + 1, r->score[i], flagged(r, i) ? "yes" : "no");
        if (r->ntypes)
            printf("%s\t", type_name(r, i));
        printf("%s\t%s\n", r->img->paths[i], r->ref->paths[r->nearest[i]]);
    }
}

/* A number, or null where there is none (an AUROC needs both classes). */
static void json_num(double v)
{
    if (isfinite(v))
        printf("%.6f", v);
    else
        printf("null");
}

static void print_json(const report *r)
{
    const inspect_opts *o = r->o;
    printf("{\n  \"model\": ");
    json_string(stdout, o->model);
    printf(",\n  \"score\": \"%s\",\n", o->score == ANOMALY_KNN ? "knn" : "centroid");
    if (o->score == ANOMALY_KNN)
        printf("  \"k\": %ld,\n", o->k);
    printf("  \"references\": %zu,\n  \"threshold\": %.9g,\n  \"threshold_rule\": \"%s\",\n",
           r->ref->n, r->threshold, o->threshold_set ? "given" : "reference_loo_quantile_0.95");
    if (r->ntypes) {
        printf("  \"auroc\": ");
        json_num(r->auroc);
        printf(",\n  \"accuracy\": %.6f,\n  \"precision\": %.6f,\n"
               "  \"recall\": %.6f,\n  \"types\": [\n", r->accuracy, r->precision, r->recall);
        for (int t = 0; t < r->ntypes; t++) {
            printf("    {\"type\": ");
            json_string(stdout, r->types[t]);
            printf(", \"images\": %zu, \"flagged\": %.6f", r->type_n[t], r->type_recall[t]);
            if (t) {
                printf(", \"auroc\": ");
                json_num(r->type_auroc[t]);
            }
            printf("}%s\n", t + 1 < r->ntypes ? "," : "");
        }
        printf("  ],\n");
    }
    printf("  \"images\": [\n");
    for (size_t k = 0; k < r->img->n; k++) {
        size_t i = r->rank[k];
        printf("    {\"rank\": %zu, \"path\": ", k + 1);
        json_string(stdout, r->img->paths[i]);
        printf(", \"score\": %.9g, \"flagged\": %s, \"nearest\": ", r->score[i],
               flagged(r, i) ? "true" : "false");
        json_string(stdout, r->ref->paths[r->nearest[i]]);
        if (r->ntypes) {
            printf(", \"type\": ");
            json_string(stdout, type_name(r, i));
        }
        printf("}%s\n", k + 1 < r->img->n ? "," : "");
    }
    printf("  ]\n}\n");
}

static int write_csv(const report *r, const char *path, sm_err *e)
{
    atomic_file a;
    if (atomic_open(&a, path, e) != 0)
        return -1;
    const char *head = "rank,path,score,flagged,nearest,type\n";
    atomic_write(&a, head, strlen(head));
    for (size_t k = 0; k < r->img->n; k++) {
        size_t i = r->rank[k];
        char num[64];
        snprintf(num, sizeof num, "%zu,", k + 1);
        atomic_write(&a, num, strlen(num));
        csv_field(&a, r->img->paths[i]);
        snprintf(num, sizeof num, ",%.9g,%d,", r->score[i], flagged(r, i));
        atomic_write(&a, num, strlen(num));
        csv_field(&a, r->ref->paths[r->nearest[i]]);
        atomic_write(&a, ",", 1);
        csv_field(&a, type_name(r, i));
        atomic_write(&a, "\n", 1);
    }
    return atomic_commit(&a, e);
}

static int write_report(const report *r, const input_spec *in, const char *path, sm_err *e)
{
    size_t n = r->img->n < (size_t)r->o->top ? r->img->n : (size_t)r->o->top;
    size_t P = (size_t)in->width * in->height;
    sheet_cell *cells = calloc(n + 1, sizeof *cells);
    if (!cells)
        return sm_fail(e, "out of memory for the report");
    for (size_t k = 0; k < n; k++) {
        size_t i = r->rank[k];
        cells[k] = (sheet_cell){r->img->px + i * P, r->ref->px + (size_t)r->nearest[i] * P,
                                r->score[i], flagged(r, i),
                                r->ntypes ? type_name(r, i) : NULL};
    }
    char title[256];
    snprintf(title, sizeof title, "the %zu most anomalous of %zu images (score %s, threshold "
             "%.4g)", n, r->img->n, r->o->score == ANOMALY_KNN ? "knn" : "centroid",
             r->threshold);
    canvas_t c;
    int rc = sheet_render(&c, cells, n, (int)in->width, (int)in->height, 4,
                          sheet_scale_for((int)in->width, (int)in->height, 96), title, e);
    free(cells);
    if (rc == 0) {
        rc = canvas_save_png(&c, path, e);
        canvas_free(&c);
    }
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

/* rank [n] = image indices, most anomalous first. */
static int rank_images(size_t *rank, const float *score, size_t n)
{
    ranked *v = malloc((n + 1) * sizeof *v);
    if (!v)
        return -1;
    for (size_t i = 0; i < n; i++)
        v[i] = (ranked){score[i], i};
    qsort(v, n, sizeof *v, by_score_desc);
    for (size_t i = 0; i < n; i++)
        rank[i] = v[i].index;
    free(v);
    return 0;
}

int cmd_inspect(int argc, char **argv)
{
    inspect_opts o;
    int pr = parse(argc, argv, &o);
    if (pr > 0)
        return 0;
    if (pr < 0) {
        fputc('\n', stderr);
        usage(stderr);
        return EXIT_USAGE;
    }
    sm_err e;
    /* A path this CPU cannot run is refused before any image is read. */
    kernels_path can;
    if (o.set_kernels && kernels_resolve((kernels_path)o.kernels, &can, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        return 1;
    }
    output_spec outs[] = {{"--report", o.report, 1, 0}, {"--csv", o.csv, 0, 0}};
    const input_file read[] = {{"--reference", o.reference}, {"--images", o.images}};
    int gr = guard_outputs(cmd, outs, 2, strcmp(o.model, "none") ? o.model : NULL,
                           GUARD_NO_DATA, read, 2);
    if (gr != 0)
        return gr;
    model_t m;
    memset(&m, 0, sizeof m);
    int raw = strcmp(o.model, "none") == 0;
    if (!raw && model_load(&m, o.model, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        return 1;
    }
    input_spec in = raw ? input_raw(0, 0) : m.input;
    const model_t *mp = raw ? NULL : &m;
    kernels_path kp = o.set_kernels ? (kernels_path)o.kernels
                      : raw       ? KERNELS_AUTO
                                  : model_kernels(&m);
    image_set ref, img;
    report r;
    memset(&r, 0, sizeof r);
    memset(&img, 0, sizeof img);
    int rc = 1;
    memset(&ref, 0, sizeof ref);
    if (list_set(o.reference, "--reference", &ref) != 0 || list_set(o.images, "--images", &img) != 0)
        goto done;
    if (load_set(mp, o.model, &in, (int)o.threads, kp, "--reference", &ref) != 0 ||
        load_set(mp, o.model, &in, (int)o.threads, kp, "--images", &img) != 0)
        goto done;
    if (ref.skipped + img.skipped)
        cli_error(cmd, "note: skipped %zu files that are not images by name",
                  ref.skipped + img.skipped);
    r.o = &o;
    r.ref = &ref;
    r.img = &img;
    r.D = raw ? (size_t)in.width * in.height : (size_t)net_out(m.shape);
    /* The model's own head (raw pixels: euclidean) on the products' path. */
    anomaly_cfg cfg = {.score = o.score, .k = (int)o.k, .threads = (int)o.threads,
                       .head = raw ? HEAD_EUCLIDEAN : m.head,
                       .hp = raw ? NULL : model_head_params(&m, m.params), .kernels = kp};
    const char *head = head_names[cfg.head];
    float *ref_scores = malloc((ref.n + 1) * sizeof *ref_scores);
    uint32_t *ref_near = malloc((ref.n + 1) * sizeof *ref_near);
    r.score = malloc((img.n + 1) * sizeof *r.score);
    r.nearest = malloc((img.n + 1) * sizeof *r.nearest);
    r.rank = malloc((img.n + 1) * sizeof *r.rank);
    if (!ref_scores || !ref_near || !r.score || !r.nearest || !r.rank) {
        cli_error(cmd, "out of memory");
        free(ref_scores);
        free(ref_near);
        goto done;
    }
    /* The threshold from the references alone: each scored against the
     * others (the images to inspect never set it). */
    int ok = o.threshold_set ||
             anomaly_scores(ref.feat, ref.n, ref.feat, ref.n, (int)r.D, &cfg, 1, ref_scores,
                            ref_near, &e) == 0;
    int finite = !ok || o.threshold_set || scores_finite(&o, "reference", &ref, ref_scores,
                                                          head) == 0;
    if (ok && !o.threshold_set)
        r.threshold = anomaly_quantile(ref_scores, ref.n, DEFAULT_QUANTILE);
    else
        r.threshold = o.threshold;
    free(ref_scores);
    free(ref_near);
    if (!finite)
        goto done;
    if (!ok || anomaly_scores(ref.feat, ref.n, img.feat, img.n, (int)r.D, &cfg, 0, r.score,
                              r.nearest, &e) != 0) {
        cli_error(cmd, "--reference %s: %s", o.reference, e.msg);
        goto done;
    }
    if (scores_finite(&o, "image", &img, r.score, head) != 0)
        goto done;
    if (rank_images(r.rank, r.score, img.n) != 0) {
        cli_error(cmd, "out of memory");
        goto done;
    }

    if (find_types(o.images, &img, &r.types, &r.ntypes, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        goto done;
    }
    if (r.ntypes) {
        r.type_auroc = calloc((size_t)r.ntypes, sizeof *r.type_auroc);
        r.type_recall = calloc((size_t)r.ntypes, sizeof *r.type_recall);
        r.type_n = calloc((size_t)r.ntypes, sizeof *r.type_n);
        if (!r.type_auroc || !r.type_recall || !r.type_n) {
            cli_error(cmd, "out of memory");
            goto done;
        }
        metrics(&r);
    }
    int saved = -1; /* the report on standard output: the text goes to stderr */
    if (o.report && !strcmp(o.report, "-") && (saved = guard_text_to_stderr()) < 0) {
        cli_error(cmd, "cannot send the text to standard error: %s", strerror(errno));
        goto done;
    }
    if (o.json)
        print_json(&r);
    else
        print_text(&r);
    fflush(stdout);
    guard_text_back(saved);
    if (o.csv && write_csv(&r, o.csv, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        goto done;
    }
    if (o.report && write_report(&r, &in, o.report, &e) != 0) {
        cli_error(cmd, "--report %s: %s", o.report, e.msg);
        goto done;
    }
    rc = 0;
done:
    for (int t = 0; t < r.ntypes; t++)
        free(r.types[t]);
    free(r.types);
    free(r.type_auroc);
    free(r.type_recall);
    free(r.type_n);
    free(r.score);
    free(r.nearest);
    free(r.rank);
    set_free(&ref);
    set_free(&img);
    model_free(&m);
    return rc;
}
