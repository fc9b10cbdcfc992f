/* cmd_eval.c - `siamese eval`: distances of the test pairs under a trained
 * model, the confusion matrix, scores, ROC AUC and EER, a threshold
 * suggested from the training pairs, errors by class, and pictures. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "blas_kernels.h"
#include "gemm.h"
#include "class_errors.h"
#include "cli.h"
#include "dataset.h"
#include "embed.h"
#include "guard.h"
#include "metrics.h"
#include "head.h"
#include "json.h"
#include "model_file.h"
#include "pairs.h"
#include "plot.h"
#include "seeds.h"

static const char *const cmd = "eval";

static void usage(FILE *out)
{
    fprintf(out,
            "usage: siamese eval [options]\n\n"
            "Evaluates a trained model on the test pairs (rebuilt with the model's seed):\n"
            "confusion matrix, accuracy, precision/recall/F1 of \"same\", ROC AUC, equal-error\n"
            "rate, a threshold suggested from the training pairs, errors by class.\n\n"
            "options:\n"
            "  -t, --threshold X   distance below which a pair is \"same\" (default: the\n"
            "                      threshold train stored in the model, else half the\n"
            "                      margin; 0.5 for the learned head)\n"
            "  -m, --model FILE    model file (default %s)\n"
            "      --data PATH     the data set: IDX files or image folders (default:\n"
            "                      $SIAMESE_DATA, ./data/fashion-mnist,\n"
            "                      /usr/share/datasets/fashion-mnist)\n"
            "      --json          print everything as one JSON object on stdout\n"
            "      --sweep         add a table of accuracy/precision/recall over thresholds\n"
            "      --heatmap FILE  write the confusion matrix as a PNG heatmap\n"
            "      --roc FILE      write the ROC curve as a PNG\n"
            "                      (FILE - is standard output; the report then goes to stderr)\n"
            "      --scale N       size of the pictures, 1..8 (default 2)\n"
            "  -j, --threads N     worker threads for loading and embedding (default: all %d\n"
            "                      cores)\n"
            "      --kernels K     products: auto, avx512, avx2, generic (all three give the\n"
            "                      same bits) or openblas (default: the kind the model was\n"
            "                      trained with, auto or openblas)\n"
            "  -v, --verbose       also print the BLAS kernels and timings to stderr\n"
            "  -h, --help          show this help\n",
            CLI_DEFAULT_MODEL, cli_cpu_count());
}

typedef struct {
    float threshold;
    const char *model, *data, *heatmap, *roc;
    int json, sweep, verbose, threshold_set;
    long scale, threads;
    int kernels, set_kernels; /* --kernels: a kernels_path */
} eval_opts;

static int parse(int argc, char **argv, eval_opts *o)
{
    static const struct option longopts[] = {
        {"threshold", required_argument, 0, 't'}, {"model", required_argument, 0, 'm'},
        {"data", required_argument, 0, 'd'},      {"json", no_argument, 0, 'J'},
        {"sweep", no_argument, 0, 's'},           {"heatmap", required_argument, 0, 'H'},
        {"roc", required_argument, 0, 'R'},       {"scale", required_argument, 0, 'x'},
        {"threads", required_argument, 0, 'j'},   {"verbose", no_argument, 0, 'v'},
        {"kernels", required_argument, 0, 'K'},   {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    memset(o, 0, sizeof *o);
    o->model = CLI_DEFAULT_MODEL;
    o->scale = 2;
    o->threads = cli_cpu_count();
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":t:m:j:vh", longopts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 't':
            bad = opt_float(cmd, "threshold", optarg, 0, 1e6, 0, &o->threshold);
            o->threshold_set = 1;
            break;
        case 'm': o->model = optarg; break;
        case 'd': o->data = optarg; break;
        case 'J': o->json = 1; break;
        case 's': o->sweep = 1; break;
        case 'H': o->heatmap = optarg; break;
        case 'R': o->roc = optarg; break;
        case 'x': bad = opt_long(cmd, "scale", optarg, 1, 8, &o->scale); break;
        case 'j': bad = opt_long(cmd, "threads", optarg, 1, MODEL_MAX_THREADS, &o->threads); break;
        case 'v': o->verbose = 1; break;
        case 'K':
            bad = opt_choice(cmd, "kernels", optarg, kernels_names, &o->kernels);
            o->set_kernels = 1;
            break;
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
    return 0;
}

/* Everything eval reports, computed once and printed as text or JSON. */
typedef struct {
    const model_t *model;
    const char *model_path;
    size_t n_test, n_train;
    float threshold;
    threshold_from from;         /* where the threshold came from */
    confusion_t cm;
    scores_t at;                 /* test scores at the user's threshold */
    double train_acc_at;         /* training accuracy at the user's threshold */
    roc_t roc;
    float suggested;             /* best threshold on the training pairs */
    double suggested_train_acc;
    scores_t suggested_test;
    class_errors_t *classes;     /* [C] */
    const class_table *names;    /* the data's classes */
    int sweep;
    const float *d_test;
    const uint8_t *y_test;
} report;

static const int sweep_rows = 12;

static void print_text(const report *r)
{
    const confusion_t *m = &r->cm;
    printf("model %s: epoch %u", r->model_path, r->model->epoch);
    if (r->model->step) /* saved by Ctrl-C inside the next epoch */
        printf(" and %u steps of epoch %u", r->model->step, r->model->epoch + 1);
    printf(", seed %llu, distance %s", (unsigned long long)r->model->cfg.seed,
           head_names[r->model->head]);
    if (head_has_margin(r->model->head))
        printf(" (margin %g)", r->model->cfg.margin);
    printf("; %zu test pairs\n\n", r->n_test);
    printf("Confusion matrix at threshold %g (rows: truth, columns: prediction;\n"
           "a pair is predicted \"same\" when its distance < %g)\n",
           r->threshold, r->threshold);
    printf("%-16s %16s %16s\n", "", "predicted diff.", "predicted same");
    printf("%-16s %16llu %16llu\n", "true different", (unsigned long long)m->cell[0][0],
           (unsigned long long)m->cell[0][1]);
    printf("%-16s %16llu %16llu\n\n", "true same", (unsigned long long)m->cell[1][0],
           (unsigned long long)m->cell[1][1]);
    printf("accuracy   %.4f\n", r->at.accuracy);
    printf("precision  %.4f   recall %.4f   F1 %.4f   (of \"same\")\n", r->at.precision,
           r->at.recall, r->at.f1);
    printf("ROC AUC    %.4f   equal-error rate %.4f (at threshold %.3f)\n\n", r->roc.auc,
           r->roc.eer, r->roc.eer_threshold);
    printf("%-10s %-38s %9s %9s\n", "threshold", "chosen by", "train acc", "test acc");
    printf("%-10.3f %-38s %9.4f %9.4f\n", r->threshold,
           r->from == THRESHOLD_OPTION  ? "you (--threshold)"
           : r->from == THRESHOLD_MODEL ? "the model's (stored by train)"
                                        : "default (no threshold stored)", r->train_acc_at,
           r->at.accuracy);
    printf("%-10.3f %-38s %9.4f %9.4f\n\n", r->suggested,
           "suggested: best accuracy on train pairs", r->suggested_train_acc,
           r->suggested_test.accuracy);
    if (r->sweep) {
        printf("Sweep over thresholds (test pairs)\n%-10s %9s %9s %9s %9s\n", "threshold",
               "accuracy", "precision", "recall", "F1");
        for (int i = 0; i < sweep_rows; i++) {
            float step = head_sweep_step(r->model->head, r->model->cfg.margin);
            float t = step + step * (float)i;
            confusion_t c;
            confusion_at(&c, r->d_test, r->y_test, r->n_test, t);
            scores_t s = scores_of(&c);
            printf("%-10.2f %9.4f %9.4f %9.4f %9.4f\n", t, s.accuracy, s.precision, s.recall,
                   s.f1);
        }
        printf("\n");
    }
    printf("Errors by class (test pairs at threshold %g)\n", r->threshold);
    printf("%-12s %13s %15s   %s\n", "class", "same, split", "diff., joined",
           "joined most often with");
    const class_table *ct = r->names;
    for (int k = 0; k < ct->n; k++) {
        const class_errors_t *c = &r->classes[k];
        int top = class_errors_top_partner(c, ct->n);
        char partner[CLASS_NAME_MAX + 32] = "-";
        if (top >= 0)
            snprintf(partner, sizeof partner, "%s (%llu)", ct->names[top],
                     (unsigned long long)c->partner[top]);
        printf("%-12s %5llu of %-5llu %6llu of %-6llu   %s\n", ct->names[k],
               (unsigned long long)c->split, (unsigned long long)c->same_pairs,
               (unsigned long long)c->joined, (unsigned long long)c->diff_pairs, partner);
    }
}

static void json_scores(const char *name, const scores_t *s, int last)
{
    printf("  \"%s\": {\"accuracy\": %.6f, \"precision\": %.6f, \"recall\": %.6f, \"f1\": %.6f}%s\n",
           name, s->accuracy, s->precision, s->recall, s->f1, last ? "" : ",");
}

static void print_json(const report *r)
{
    const confusion_t *m = &r->cm;
    printf("{\n  \"model\": ");
    json_string(stdout, r->model_path);
    printf(",\n  \"distance\": \"%s\",\n  \"epoch\": %u,\n  \"seed\": %llu,\n  \"test_pairs\": %zu,\n"
           "  \"train_pairs\": %zu,\n",
           head_names[r->model->head], r->model->epoch, (unsigned long long)r->model->cfg.seed,
           r->n_test, r->n_train);
    printf("  \"threshold\": %.6f,\n  \"threshold_from\": \"%s\",\n", r->threshold,
           threshold_from_names[r->from]);
    printf("  \"confusion_matrix\": {\"layout\": \"rows true [different, same], columns "
           "predicted [different, same]\", \"cells\": [[%llu, %llu], [%llu, %llu]]},\n",
           (unsigned long long)m->cell[0][0], (unsigned long long)m->cell[0][1],
           (unsigned long long)m->cell[1][0], (unsigned long long)m->cell[1][1]);
    json_scores("test", &r->at, 0);
    printf("  \"train_accuracy\": %.6f,\n", r->train_acc_at);
    printf("  \"roc_auc\": %.6f,\n  \"eer\": %.6f,\n  \"eer_threshold\": %.6f,\n", r->roc.auc,
           r->roc.eer, r->roc.eer_threshold);
    printf("  \"suggested\": {\"threshold\": %.6f, \"chosen_on\": \"train pairs\", "
           "\"train_accuracy\": %.6f, \"test_accuracy\": %.6f},\n",
           r->suggested, r->suggested_train_acc, r->suggested_test.accuracy);
    if (r->sweep) {
        printf("  \"sweep\": [\n");
        for (int i = 0; i < sweep_rows; i++) {
            float step = head_sweep_step(r->model->head, r->model->cfg.margin);
            float t = step + step * (float)i;
            confusion_t c;
            confusion_at(&c, r->d_test, r->y_test, r->n_test, t);
            scores_t s = scores_of(&c);
            printf("    {\"threshold\": %.2f, \"accuracy\": %.6f, \"precision\": %.6f, "
                   "\"recall\": %.6f, \"f1\": %.6f}%s\n",
                   t, s.accuracy, s.precision, s.recall, s.f1, i + 1 < sweep_rows ? "," : "");
        }
        printf("  ],\n");
    }
    printf("  \"classes\": [\n");
    const class_table *ct = r->names;
    for (int k = 0; k < ct->n; k++) {
        const class_errors_t *c = &r->classes[k];
        int top = class_errors_top_partner(c, ct->n);
        printf("    {\"class\": ");
        json_string(stdout, ct->names[k]);
        printf(", \"same_pairs\": %llu, \"split\": %llu, \"different_pairs\": %llu, "
               "\"joined\": %llu, \"joined_most_with\": ", (unsigned long long)c->same_pairs,
               (unsigned long long)c->split, (unsigned long long)c->diff_pairs,
               (unsigned long long)c->joined);
        if (top >= 0) {
            json_string(stdout, ct->names[top]);
            printf(", \"joined_most_with_count\": %llu}", (unsigned long long)c->partner[top]);
        } else {
            printf("null, \"joined_most_with_count\": 0}");
        }
        printf("%s\n", k + 1 < ct->n ? "," : "");
    }
    printf("  ]\n}\n");
}

/* Point of the ROC curve reached by threshold t. */
static plot_mark roc_mark(const float *d, const uint8_t *y, size_t n, float t, const char *label)
{
    confusion_t c;
    confusion_at(&c, d, y, n, t);
    double neg = (double)(c.cell[0][0] + c.cell[0][1]), pos = (double)(c.cell[1][0] + c.cell[1][1]);
    plot_mark m = {(float)(c.cell[0][1] / neg), (float)(c.cell[1][1] / pos), label};
    return m;
}

static int write_pictures(const eval_opts *o, const report *r, sm_err *e)
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
        plot_mark marks[2] = {roc_mark(r->d_test, r->y_test, r->n_test, r->threshold, l1),
                              roc_mark(r->d_test, r->y_test, r->n_test, r->suggested, l2)};
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

int cmd_eval(int argc, char **argv)
{
    eval_opts o;
    int pr = parse(argc, argv, &o);
    if (pr > 0)
        return 0;
    if (pr < 0) {
        fputc('\n', stderr);
        usage(stderr);
        return EXIT_USAGE;
    }
    if (o.verbose)
        cli_blas_report(stderr);
    /* A path this CPU cannot run is refused before any data is read. */
    kernels_path can;
    sm_err ke;
    if (o.set_kernels && kernels_resolve((kernels_path)o.kernels, &can, &ke) != 0) {
        cli_error(cmd, "%s", ke.msg);
        return 1;
    }
    /* Pictures are written at the end: check now that they can be. */
    const output_spec outs[] = {{"--heatmap", o.heatmap, 1, 0}, {"--roc", o.roc, 1, 0}};
    int gr = guard_outputs(cmd, outs, 2, o.model, o.data, NULL, 0);
    if (gr != 0)
        return gr;
    sm_err e;
    model_t m;
    if (model_load(&m, o.model, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        return 1;
    }
    threshold_from tf;
    o.threshold = model_threshold(&m, o.threshold_set, o.threshold, &tf);
    if (tf == THRESHOLD_DEFAULT)
        cli_error(cmd, "note: %s stores no threshold (a version-1 file, or training did "
                  "not finish); using %g (--threshold X to choose)", o.model, o.threshold);
    char dir[4096];
    dataset_t ds;
    if (cli_load_model_data(cmd, o.model, &m, o.data, (int)o.threads, 0, dir, sizeof dir, &ds) != 0) {
        model_free(&m);
        return 1;
    }
    int rc = 1;
    pairs_t tr, te;
    float *dte = NULL, *dtr = NULL;
    report r;
    memset(&r, 0, sizeof r);
    if (seeds_pairs_for_model(&ds, &m.cfg, &tr, &te, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        dataset_free(&ds);
        model_free(&m);
        return 1;
    }
    dte = malloc(te.n * sizeof *dte);
    dtr = malloc(tr.n * sizeof *dtr);
    if (!dte || !dtr) {
        cli_error(cmd, "out of memory");
        goto done;
    }
    if (!o.set_kernels)
        o.kernels = model_kernels(&m);
    if (distances_for_pairs(dte, &m, &ds.test, &te, (int)o.threads, (kernels_path)o.kernels,
                            NULL, &e) != 0 ||
        distances_for_pairs(dtr, &m, &ds.train, &tr, (int)o.threads, (kernels_path)o.kernels,
                            NULL, &e) != 0) {
        cli_error(cmd, "%s: %s", o.model, e.msg);
        goto done;
    }
    if (roc_build(&r.roc, dte, te.same, te.n, &e) != 0 ||
        best_threshold(dtr, tr.same, tr.n, &r.suggested, &r.suggested_train_acc, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        goto done;
    }
    r.model = &m;
    r.model_path = o.model;
    r.n_test = te.n;
    r.n_train = tr.n;
    r.threshold = o.threshold;
    r.from = tf;
    r.sweep = o.sweep;
    r.d_test = dte;
    r.y_test = te.same;
    confusion_at(&r.cm, dte, te.same, te.n, o.threshold);
    r.at = scores_of(&r.cm);
    confusion_t c;
    confusion_at(&c, dtr, tr.same, tr.n, o.threshold);
    r.train_acc_at = scores_of(&c).accuracy;
    confusion_at(&c, dte, te.same, te.n, r.suggested);
    r.suggested_test = scores_of(&c);
    r.names = &ds.classes;
    if (class_errors(&r.classes, ds.classes.n, dte, &te, ds.test.labels, o.threshold, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        goto done;
    }

    int saved = -1; /* a picture on standard output: the report goes to stderr */
    if (((o.heatmap && !strcmp(o.heatmap, "-")) || (o.roc && !strcmp(o.roc, "-"))) &&
        (saved = guard_text_to_stderr()) < 0) {
        cli_error(cmd, "cannot send the report to standard error: %s", strerror(errno));
        goto done;
    }
    if (o.json)
        print_json(&r);
    else
        print_text(&r);
    fflush(stdout);
    guard_text_back(saved);
    if (write_pictures(&o, &r, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        goto done;
    }
    rc = 0;
done:
    class_errors_free(r.classes, ds.classes.n);
    roc_free(&r.roc);
    free(dte);
    free(dtr);
    pairs_free(&tr);
    pairs_free(&te);
    dataset_free(&ds);
    model_free(&m);
    return rc;
}
