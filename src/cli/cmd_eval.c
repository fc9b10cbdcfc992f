/* cmd_eval.c - `siamese eval`: distances of the test pairs under a trained
 * model, the confusion matrix, scores, ROC AUC and EER, a threshold
 * suggested from the training pairs, errors by class, and pictures. The
 * numbers are one library call (eval_report.h); this file parses the
 * options, loads the model and data, and hands the report to a printer
 * (eval_print.h) and to the pictures. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "command.h"
#include "dataset.h"
#include "eval_print.h"
#include "eval_report.h"
#include "gemm.h"
#include "guard.h"
#include "model_file.h"
#include "plot.h"

static const char *const cmd = "eval";

typedef struct {
    float threshold;
    const char *model, *data, *heatmap, *roc;
    int json, sweep, verbose, threshold_set;
    long scale, threads;
    int kernels, set_kernels; /* --kernels: a kernels_path */
} eval_opts;

static void defaults(void *opts)
{
    eval_opts *o = opts;
    o->model = CLI_DEFAULT_MODEL;
    o->scale = 2;
    o->threads = cli_cpu_count();
}

/* Point of the ROC curve reached by the threshold that gave c. */
static plot_mark roc_mark(const confusion_t *c, const char *label)
{
    double neg = (double)(c->cell[0][0] + c->cell[0][1]);
    double pos = (double)(c->cell[1][0] + c->cell[1][1]);
    plot_mark m = {(float)(c->cell[0][1] / neg), (float)(c->cell[1][1] / pos), label};
    return m;
}

static int write_pictures(const eval_opts *o, const eval_report *r, sm_err *e)
{
    canvas_t c;
    if (o->heatmap) {
        if (plot_heatmap(&c, &r->cm, r->threshold, (int)o->scale, e) != 0)
            return -1;
        int rc = canvas_save_png(&c, o->heatmap, e);
        canvas_free(&c);
        if (rc != 0)
            return -1;
    }
    if (o->roc) {
        char l1[64], l2[64];
        snprintf(l1, sizeof l1, "threshold %g (yours)", r->threshold);
        snprintf(l2, sizeof l2, "threshold %.2f (suggested)", r->suggested);
        plot_mark marks[2] = {roc_mark(&r->cm, l1), roc_mark(&r->suggested_cm, l2)};
        if (plot_roc(&c, r->roc.fpr, r->roc.tpr, r->roc.n, r->roc.auc, marks, 2, (int)o->scale,
                     e) != 0)
            return -1;
        int rc = canvas_save_png(&c, o->roc, e);
        canvas_free(&c);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* The first option given that needs pair metrics, and what it would have
 * shown; NULL when none was given. */
static const char *needs_pairs(const eval_opts *o, const char **what)
{
    if (o->sweep)
        return *what = "threshold sweep to list", "--sweep";
    if (o->threshold_set)
        return *what = "pairs to judge at a threshold", "--threshold";
    if (o->heatmap)
        return *what = "confusion matrix to draw", "--heatmap";
    if (o->roc)
        return *what = "ROC curve to draw", "--roc";
    return NULL;
}

/* The report as text or JSON (on stderr when a picture goes to standard
 * output), then the pictures. Returns the exit status: 1 when --sweep,
 * --threshold, --heatmap or --roc asked for pair metrics the report has
 * none of (a model trained without labels on data without classes). */
static int show(const eval_opts *o, const eval_view *v)
{
    int saved = -1;
    if (((o->heatmap && !strcmp(o->heatmap, "-")) || (o->roc && !strcmp(o->roc, "-"))) &&
        (saved = guard_text_to_stderr()) < 0) {
        cli_error(cmd, "cannot send the report to standard error: %s", strerror(errno));
        return 1;
    }
    if (o->json)
        eval_print_json(v, stdout);
    else
        eval_print_text(v, stdout);
    fflush(stdout);
    guard_text_back(saved);
    sm_err e;
    const char *what, *opt = v->r->has_pairs ? NULL : needs_pairs(o, &what);
    if (opt) {
        cli_error(cmd, "%s: %s trained without labels on data without classes: no pairs of "
                  "classes, so no %s", opt, o->model, what);
        return 1;
    }
    if (write_pictures(o, v->r, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        return 1;
    }
    return 0;
}

/* Checks that need no data: the kernel path runs here, the pictures can
 * be written. Returns 0 or the exit status. */
static int check_first(const eval_opts *o)
{
    kernels_path can;
    sm_err ke;
    if (o->set_kernels && kernels_resolve((kernels_path)o->kernels, &can, &ke) != 0) {
        cli_error(cmd, "%s", ke.msg);
        return 1;
    }
    const output_spec outs[] = {{"--heatmap", o->heatmap, 1, 0}, {"--roc", o->roc, 1, 0}};
    return guard_outputs(cmd, outs, 2, o->model, o->data, NULL, 0);
}

static int run(void *opts, int argc, char **argv)
{
    eval_opts *o = opts;
    if (argc > 0) {
        cli_error(cmd, "unexpected argument '%s'", argv[0]);
        return CLI_USAGE_ERROR;
    }
    if (o->verbose)
        cli_blas_report(stderr);
    int rc = check_first(o);
    if (rc != 0)
        return rc;
    sm_err e;
    model_t m;
    if (cli_load_model(cmd, o->model, &m) != 0)
        return 1;
    eval_view v = {NULL, &m, o->model, THRESHOLD_OPTION, NULL};
    float threshold = cli_threshold(cmd, o->model, &m, o->threshold_set, o->threshold, &v.from);
    char dir[4096];
    dataset_t ds;
    if (cli_load_model_data(cmd, o->model, &m, o->data, (int)o->threads, 0, dir, sizeof dir, &ds) != 0) {
        model_free(&m);
        return 1;
    }
    kernels_path k = o->set_kernels ? (kernels_path)o->kernels : model_kernels(&m);
    eval_report r;
    int br = eval_report_build(&r, &m, &ds, threshold, o->sweep, (int)o->threads, k, &e);
    if (br == EVAL_FAILED_MODEL)
        cli_error(cmd, "%s: %s", o->model, e.msg);
    else if (br != 0)
        cli_error(cmd, "%s", e.msg);
    rc = 1;
    if (br == 0) {
        v.r = &r;
        v.names = &ds.classes;
        rc = show(o, &v);
        eval_report_free(&r);
    }
    dataset_free(&ds);
    model_free(&m);
    return rc;
}

static const opt_spec options[] = {
    OPT_THRESHOLD(eval_opts, threshold, threshold_set,
                  "distance below which a pair is \"same\" (default: the\nthreshold train "
                  "stored in the model, else half the\nmargin; 0.5 for the learned head)"),
    OPT_MODEL(eval_opts, model, "model file (default {model})"),
    OPT_DATA(eval_opts, data, "PATH", OPT_DATA_HELP),
    OPT_JSON(eval_opts, json, "print everything as one JSON object on stdout"),
    {"sweep", 0, NULL, OPT_FLAG, OPT_AT(eval_opts, sweep), 0, 0, 0, 0, NULL, NULL,
     "add a table of accuracy/precision/recall over thresholds"},
    {"heatmap", 0, "FILE", OPT_STR, OPT_AT(eval_opts, heatmap), 0, 0, 0, 0, NULL, NULL,
     "write the confusion matrix as a PNG heatmap"},
    {"roc", 0, "FILE", OPT_STR, OPT_AT(eval_opts, roc), 0, 0, 0, 0, NULL, NULL,
     "write the ROC curve as a PNG\n(FILE - is standard output; the report then goes to "
     "stderr)"},
    {"scale", 0, "N", OPT_LONG, OPT_AT(eval_opts, scale), 0, 1, 8, 0, NULL, NULL,
     "size of the pictures, 1..8 (default 2)"},
    OPT_THREADS(eval_opts, threads,
                "worker threads for loading and embedding (default: all {cores}\ncores)"),
    OPT_KERNELS(eval_opts, kernels, set_kernels,
                "products: auto, avx512, avx2, generic (all three give the\nsame bits) or "
                "openblas (default: the kind the model was\ntrained with, auto or openblas)"),
    OPT_VERBOSE(eval_opts, verbose, "also print the BLAS kernels and timings to stderr"),
    OPT_HELP_ROW,
};

const command cmd_eval = {
    "eval",
    "evaluate a model on the test pairs: accuracy, ROC, threshold",
    "usage: siamese eval [options]\n\n"
    "Evaluates a trained model on the test pairs (rebuilt with the model's seed):\n"
    "confusion matrix, accuracy, precision/recall/F1 of \"same\", ROC AUC, equal-error\n"
    "rate, a threshold suggested from the training pairs, errors by class.\n",
    22,
    options,
    sizeof options / sizeof *options,
    sizeof(eval_opts),
    defaults,
    run,
};
