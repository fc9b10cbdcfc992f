/* cmd_inspect.c - `siamese inspect`: known good parts (--reference)
 * against parts to check (--images): an anomaly score each, a verdict at a
 * threshold calibrated on the references alone, the nearest reference; with
 * the MVTec AD layout, AUROC, accuracy, precision and recall, overall and
 * per defect type. The report is the library's (inspect_report.h); this
 * file parses and chooses the formats (inspect_print.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anomaly.h"
#include "anomaly_kind.h"
#include "cli.h"
#include "command.h"
#include "embed.h"
#include "guard.h"
#include "inspect_print.h"
#include "inspect_report.h"
#include "model_file.h"
#include "patch.h"

static const char *const cmd = "inspect";
/* The help quotes these: keep them plain numbers. */
#define DEFAULT_QUANTILE 0.95
#define DEFAULT_TOP 16
#define MAX_TOP 200
#define DEFAULT_BANK 2048
#define MAX_BANK 100000000
#define DEFAULT_LOCAL 1
#define MAX_LOCAL 9
#define STR_(x) #x
#define STR(x) STR_(x)

typedef struct {
    const char *reference, *images, *model, *report, *csv, *features, *maps, *masks;
    int score, score_set, json, k_set, features_set, bank_set, local_set, near_set, pixels_set;
    int kernels, set_kernels; /* --kernels: a kernels_path */
    long k, top, threads, bank, local, near; /* near: PATCH_ANYWHERE or R */
    float threshold, pixels;
    int threshold_set, rgb; /* --rgb: raw pixels in three channels (--model none only) */
} inspect_opts;

static void defaults(void *p)
{
    inspect_opts *o = p;
    o->model = CLI_DEFAULT_MODEL;
    o->features = "auto";
    o->bank = DEFAULT_BANK;
    o->local = DEFAULT_LOCAL;
    o->near = PATCH_ANYWHERE;
    o->top = DEFAULT_TOP;
    o->threads = cli_cpu_count();
}

/* --near: any, or R rows and columns */
static int parse_near(const char *c, const char *opt, const char *arg, void *value)
{
    char *end;
    long v = strtol(arg, &end, 10);
    *(long *)value = !strcmp(arg, "any") ? PATCH_ANYWHERE : v;
    if (!strcmp(arg, "any") || (*arg && !*end && v >= 0 && v <= PATCH_MAX_NEAR))
        return 0;
    cli_error(c, "--%s: expected any or a whole number from 0 to %d, found '%s'", opt,
              PATCH_MAX_NEAR, arg);
    return -1;
}

/* --score: a row of anomaly_kinds by name. */
static int parse_score(const char *c, const char *opt, const char *arg, void *value)
{
    const char *names[16];
    size_t n = 0;
    for (; n < anomaly_n_kinds && n + 1 < sizeof names / sizeof *names; n++)
        names[n] = anomaly_kinds[n].name;
    names[n] = NULL;
    return opt_choice(c, opt, arg, names, (int *)value);
}

/* The checks that need every option but not the model. */
static int check(inspect_opts *o, int argc, char **argv)
{
    if (argc > 0) {
        cli_error(cmd, "unexpected argument '%s'", argv[0]);
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
    sm_err e;
    if (inspect_check_sets(o->reference, o->images, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        return -1;
    }
    if (o->rgb && strcmp(o->model, "none") != 0) {
        cli_error(cmd, "--rgb is for --model none: a model reads images in the channels it "
                  "was trained with (train --rgb)");
        return -1;
    }
    int raw = strcmp(o->model, "none") == 0; /* else default_score, on the model */
    int patch = o->score_set && anomaly_kinds[o->score].positions;
    if (raw && (o->features_set || patch)) {
        cli_error(cmd, "--model none compares raw pixels: %s a model",
                  patch ? "--score patch needs" : "--features needs");
        return -1;
    }
    if (!patch && (o->bank_set || o->local_set || o->near_set || o->pixels_set || o->maps ||
                   o->masks)) {
        cli_error(cmd, "%s belongs to --score patch, and the score is %s", o->maps ? "--maps" :
                  o->masks ? "--masks" : o->local_set ? "--local" : o->near_set ? "--near" :
                  o->pixels_set ? "--pixels" : "--bank",
                  o->score_set ? anomaly_kinds[o->score].name : "not given");
        return -1;
    }
    if (o->near_set && o->near >= 0 && !o->bank_set)
        o->bank = 0; /* every position: a position's own entries are few */
    if (o->local % 2 == 0) {
        cli_error(cmd, "--local %ld: the neighbourhood's side must be odd (1, 3, 5, ...), "
                  "centred on its position", o->local);
        return -1;
    }
    return 0;
}

/* No --score or --k: inspect_default_score's for a model's features f
 * (s NULL: raw pixels, knn), and its k. */
static int default_score(inspect_opts *o, const net_shape *s, embed_feat f)
{
    if (!o->score_set && s)
        o->score = inspect_default_score(*s, f);
    if (o->k_set && !anomaly_kinds[o->score].uses_k) {
        cli_error(cmd, "--k %ld: neighbours are for --score knn, and the score is %s%s", o->k,
                  anomaly_kinds[o->score].name,
                  o->score_set ? "" : " (the default on a model's embedding)");
        return -1;
    }
    o->k = o->k_set ? o->k : s ? INSPECT_K_FEATURES : INSPECT_K_PIXELS;
    return 0;
}

/* Builds the report for o with model m (NULL: raw pixels) and prints it. */
static int report(const inspect_opts *o, const model_t *m)
{
    inspect_cfg c = {o->reference, o->images, m, o->model, o->score, (int)o->k,
                     (int)o->threads, KERNELS_AUTO, o->threshold_set, o->threshold,
                     DEFAULT_QUANTILE, o->features, (size_t)o->bank, (int)o->local, o->maps,
                     o->rgb, o->masks, o->pixels, (int)o->near};
    if (o->set_kernels)
        c.kernels = (kernels_path)o->kernels;
    else if (m)
        c.kernels = model_kernels(m);
    inspect_report r;
    sm_err e;
    int rc = inspect_build(&r, &c, &e);
    inspect_print_notes(&r);
    if (rc != 0)
        cli_error(cmd, "%s", e.msg);
    else
        rc = inspect_print_all(&r, o->json, o->csv, o->report, o->top);
    int usage = rc != 0 && r.usage_error;
    inspect_free(&r);
    return usage ? CLI_USAGE_ERROR : rc ? 1 : 0;
}

static int run(void *p, int argc, char **argv)
{
    inspect_opts *o = p;
    if (check(o, argc, argv) != 0)
        return CLI_USAGE_ERROR;
    sm_err e;
    kernels_path can; /* a path this CPU cannot run: refused before any image is read */
    if (o->set_kernels && kernels_resolve((kernels_path)o->kernels, &can, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        return 1;
    }
    int raw = strcmp(o->model, "none") == 0;
    output_spec outs[] = {{"--report", o->report, 1, 0}, {"--csv", o->csv, 0, 0},
                          {"--maps", o->maps, 0, OUTPUT_FILES_FOLDER}};
    const input_file read[] = {{"--reference", o->reference}, {"--images", o->images}};
    int gr = guard_outputs(cmd, outs, 3, raw ? NULL : o->model, GUARD_NO_DATA, read, 2);
    if (gr != 0)
        return gr;
    model_t m;
    memset(&m, 0, sizeof m);
    if (!raw && cli_load_model(cmd, o->model, &m) != 0)
        return 1;
    embed_feat f = {0}; /* a K the model does not have, --k without knn: usage errors */
    int bad = !raw && embed_feat_resolve(o->features, m.shape,
                                         anomaly_kinds[o->score].positions, &f, &e) != 0;
    if (bad)
        cli_error(cmd, "%s: %s", o->model, e.msg);
    if (bad || default_score(o, raw ? NULL : &m.shape, f) != 0) {
        model_free(&m);
        return CLI_USAGE_ERROR;
    }
    int rc = report(o, raw ? NULL : &m);
    model_free(&m);
    return rc;
}

static const opt_spec options[] = {
    {"reference", 0, "PATH", OPT_STR, OPT_AT(inspect_opts, reference), 0, 0, 0, 0, NULL, NULL,
     "good images: a folder (searched recursively) or a file"},
    {"images", 0, "PATH", OPT_STR, OPT_AT(inspect_opts, images), 0, 0, 0, 0, NULL, NULL,
     "images to inspect: a folder or a file"},
    OPT_MODEL(inspect_opts, model, "model whose embeddings are compared (default {model});\n"
                                   "'none' compares raw pixels (the baseline to beat)"),
    {"score", 0, "S", OPT_PARSE, OPT_AT(inspect_opts, score), OPT_GIVEN(inspect_opts, score_set),
     0, 0, 0, NULL, parse_score,
     "centroid: distance to the references' mean; knn: mean\n"
     "distance to the k nearest; patch: the largest distance\n"
     "of a conv layer's position to the references' positions\n"
     "(default: centroid on a model's embedding, else knn);\n"
     "distances: the model's head's on its embedding, else\n"
     "euclidean"},
    {"features", 0, "F", OPT_PARSE, OPT_AT(inspect_opts, features),
     OPT_GIVEN(inspect_opts, features_set), 0, 0, 0, NULL, opt_features,
     "what is compared: auto (default: the last conv layer,\n"
     "averaged over positions; the embedding for a dense\n"
     "model), embedding, or layer:K (--layers item K);\n"
     "with patch, auto is the last pool layer of 2x2 or more"},
    {"bank", 0, "N", OPT_LONG, OPT_AT(inspect_opts, bank), OPT_GIVEN(inspect_opts, bank_set),
     1, MAX_BANK, 0, NULL, NULL,
     "patch: reference positions kept by greedy coreset\n"
     "(default " STR(DEFAULT_BANK) ", all when there are fewer; with\n"
     "--near R: all, or N / positions of each position)"},
    {"local", 0, "N", OPT_LONG, OPT_AT(inspect_opts, local), OPT_GIVEN(inspect_opts, local_set),
     1, MAX_LOCAL, 0, NULL, NULL,
     "patch: each position's features averaged over its\n"
     "N x N neighbourhood first (odd, 1.." STR(MAX_LOCAL) "; 1: none;\n"
     "default " STR(DEFAULT_LOCAL) ")"},
    {"near", 0, "R", OPT_PARSE, OPT_AT(inspect_opts, near), OPT_GIVEN(inspect_opts, near_set),
     0, 0, 0, NULL, parse_near,
     "patch: compare a position only with the references'\n"
     "positions within R rows and columns of it (0: the same\n"
     "position; default any: every position, as PatchCore)"},
    {"pixels", 0, "W", OPT_FLOAT, OPT_AT(inspect_opts, pixels),
     OPT_GIVEN(inspect_opts, pixels_set), 0, 100, OPT_FROM_MIN, NULL, NULL,
     "patch: each position's features followed by the pixels\n"
     "of its cell, weighted to W times the features' mean norm\n"
     "(default 0: none; 1 finds brightness the features miss)"},
    {"maps", 0, "DIR", OPT_STR, OPT_AT(inspect_opts, maps), 0, 0, 0, 0, NULL, NULL,
     "patch: write each image's anomaly map as DIR/N-NAME.png\n"
     "(NAME: its path below --images, '/' as '-'), heat over\n"
     "the grey image, scale 0 .. the largest score (DIR is\n"
     "made when absent, not the folder holding it)"},
    {"masks", 0, "DIR", OPT_STR, OPT_AT(inspect_opts, masks), 0, 0, 0, 0, NULL, NULL,
     "defect masks in MVTec's layout, DIR/<type>/<name>_mask.png\n"
     "(default: ground_truth/ beside --images, when there)"},
    {"k", 0, "N", OPT_LONG, OPT_AT(inspect_opts, k), OPT_GIVEN(inspect_opts, k_set), 1,
     ANOMALY_MAX_K, 0, NULL, NULL,
     "neighbours for knn, 1.." STR(ANOMALY_MAX_K) " (default: " STR(INSPECT_K_FEATURES) " on a model's\n"
     "features, " STR(INSPECT_K_PIXELS) " on raw pixels); only with the knn score\n"
     "(with centroid it is a usage error)"},
    {"threshold", 't', "X", OPT_FLOAT, OPT_AT(inspect_opts, threshold),
     OPT_GIVEN(inspect_opts, threshold_set), 0, 1e6, OPT_FROM_MIN, NULL, NULL,
     "flag images scoring above X (default: the " STR(DEFAULT_QUANTILE) " quantile\n"
     "of the references' leave-one-out scores)"},
    {"report", 0, "FILE", OPT_STR, OPT_AT(inspect_opts, report), 0, 0, 0, 0, NULL, NULL,
     "write a PNG contact sheet of the most anomalous images,\n"
     "each beside its nearest reference (FILE - is standard\n"
     "output; the text or JSON then goes to stderr)"},
    {"top", 0, "N", OPT_LONG, OPT_AT(inspect_opts, top), 0, 1, MAX_TOP, 0, NULL, NULL,
     "images on the report, 1.." STR(MAX_TOP) " (default " STR(DEFAULT_TOP) ")"},
    {"csv", 0, "FILE", OPT_STR, OPT_AT(inspect_opts, csv), 0, 0, 0, 0, NULL, NULL,
     "write rank,path,score,flagged,nearest,type as CSV"},
    {"rgb", 0, NULL, OPT_FLAG, OPT_AT(inspect_opts, rgb), 0, 0, 0, 0, NULL, NULL,
     "with --model none: compare red, green and blue pixels\n(default: grey)"},
    OPT_JSON(inspect_opts, json, "print everything as one JSON object on stdout"),
    OPT_THREADS(inspect_opts, threads, "worker threads (default: all {cores} cores)"),
    OPT_KERNELS(inspect_opts, kernels, set_kernels,
                "products: auto, avx512, avx2, generic (the same scores)\n"
                "or openblas (default: the kind the model was trained\n"
                "with, auto or openblas; auto with --model none)"),
    OPT_HELP_ROW,
};

const command cmd_inspect = {
    "inspect",
    "score images against known good ones: anomalies, AUROC, report",
    "usage: siamese inspect --reference PATH --images PATH [options]\n\n"
    "Scores every image of --images against the known good images of --reference:\n"
    "the anomaly score is the distance of its embedding to the references' (larger\n"
    "= more anomalous). An image is flagged when its score is above the threshold.\n"
    "Prints the images ranked by score, most anomalous first, with the nearest\n"
    "reference. When --images holds good/ and one folder per defect type (the MVTec\n"
    "AD layout), also AUROC, accuracy, precision and recall, overall and per type,\n"
    "and with --score patch and defect masks (--masks) the pixel-level AUROC.\n",
    24,
    options,
    sizeof options / sizeof *options,
    sizeof(inspect_opts),
    defaults,
    run,
};
