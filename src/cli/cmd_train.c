/* cmd_train.c - `siamese train`: parse, load, train epoch by epoch, save
 * after every epoch, print what Keras prints. */
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "embed.h"
#include "image.h"
#include "metrics.h"
#include "blas_kernels.h"
#include "cli.h"
#include "dataset.h"
#include "file_lock.h"
#include "guard.h"
#include "model_file.h"
#include "pairs.h"
#include "plot.h"
#include "progress.h"
#include "seeds.h"
#include "train.h"

#define DEFAULT_MODEL CLI_DEFAULT_MODEL
static const char *const cmd = "train";

static void usage(FILE *out)
{
    train_config d = train_config_default();
    fprintf(out,
            "usage: siamese train [options]\n\n"
            "Trains the notebook's Siamese network (pixels-128-128-128, dropout, Euclidean\n"
            "distance, contrastive loss, RMSprop) on same/different pairs of a data set\n"
            "(Fashion-MNIST by default) and writes the model file after every epoch, and\n"
            "at the end the threshold it suggests. Epoch lines go to stdout, progress to\n"
            "stderr. While it runs, FILE.lock beside the model keeps a second train off\n"
            "it.\n\n"
            "options:\n"
            "  -e, --epochs N        epochs in all, 1..%u (default %u)\n"
            "                        (--resume: the target stored in the file)\n"
            "  -b, --batch N         pairs per step, 1..%d (default %u)\n"
            "      --lr X            RMSprop learning rate (default %g)\n"
            "      --rho X           RMSprop decay, 0 <= rho < 1 (default %g)\n"
            "      --distance HEAD   euclidean, manhattan, cosine or learned (default\n"
            "                        euclidean, the notebook's; see head.h)\n"
            "      --layers W,W,...  widths of the shared network's layers, 1..%d layers of\n"
            "                        1..%d (default 128,128,128, the notebook's)\n"
            "      --margin X        contrastive loss margin (default: %g for euclidean, %g\n"
            "                        manhattan, %g cosine (at most 2); learned has none)\n"
            "      --dropout X       dropout rate, 0 to 0.99 (default %g)\n"
            "      --seed N          seed of pairs, weights, shuffling, dropout (default %d)\n"
            "  -j, --threads N       worker threads, 1..%d (default: all %d cores); the\n"
            "                        model file does not depend on it (but for openblas)\n"
            "      --kernels K       the matrix products: auto (default: the fastest of\n"
            "                        avx512, avx2, generic this CPU runs; all three give\n"
            "                        the same bits) or openblas (rounds by thread count and\n"
            "                        OpenBLAS version); --resume: the file's kind\n"
            "      --data PATH       IDX files or image folders PATH/train/<class>/*,\n"
            "                        PATH/test/<class>/* (default: $SIAMESE_DATA,\n"
            "                        ./data/fashion-mnist, /usr/share/datasets/fashion-mnist)\n"
            "      --size WxH        resize every image to W x H pixels (box filter; the\n"
            "                        model then resizes any image it is given)\n"
            "  -m, --model FILE      model file to write (default %s)\n"
            "      --resume          continue the run saved in --model up to --epochs\n"
            "      --train-pairs N   train on a seeded random subset of N training pairs\n"
            "      --history FILE    write epoch,loss,val_loss,seconds as CSV, and the loss\n"
            "                        curve as a PNG beside it (FILE.csv -> FILE.png)\n"
            "  -q, --quiet           print errors only\n"
            "  -v, --verbose         also print data, kernels, threads and saves\n"
            "  -h, --help            show this help\n",
            MODEL_MAX_EPOCHS, d.epochs, MODEL_MAX_BATCH, d.batch, d.lr, d.rho, NET_MAX_LAYERS,
            NET_MAX_WIDTH, head_default_margin(HEAD_EUCLIDEAN),
            head_default_margin(HEAD_MANHATTAN), head_default_margin(HEAD_COSINE), d.dropout, SEED_DEFAULT, MODEL_MAX_THREADS, cli_cpu_count(), DEFAULT_MODEL);
}

/* Options as given; `set_*` records which the user passed explicitly. */
typedef struct {
    train_config cfg;
    int set_lr, set_rho, set_margin, set_dropout, set_seed, set_batch, set_subset, set_threads;
    int set_epochs;
    int kernels, set_kernels; /* --kernels: a kernels_path */
    long threads;
    int width, height; /* --size, 0 = keep */
    int head, set_head;      /* --distance */
    net_shape layers;        /* --layers (in is set from the data) */
    int set_layers;
    const char *data, *model, *history;
    int resume, quiet, verbose;
} train_opts;

static int parse(int argc, char **argv, train_opts *o)
{
    static const struct option longopts[] = {
        {"epochs", required_argument, 0, 'e'},  {"batch", required_argument, 0, 'b'},
        {"lr", required_argument, 0, 'L'},      {"rho", required_argument, 0, 'R'},
        {"margin", required_argument, 0, 'M'},  {"dropout", required_argument, 0, 'D'},
        {"seed", required_argument, 0, 'S'},    {"threads", required_argument, 0, 'j'},
        {"data", required_argument, 0, 'd'},    {"model", required_argument, 0, 'm'},
        {"resume", no_argument, 0, 'r'},        {"train-pairs", required_argument, 0, 'T'},
        {"history", required_argument, 0, 'H'}, {"quiet", no_argument, 0, 'q'},
        {"verbose", no_argument, 0, 'v'},       {"help", no_argument, 0, 'h'},
        {"size", required_argument, 0, 'Z'},    {"distance", required_argument, 0, 'X'},
        {"layers", required_argument, 0, 'Y'},  {"kernels", required_argument, 0, 'K'},
        {0, 0, 0, 0},
    };
    memset(o, 0, sizeof *o);
    o->cfg = train_config_default();
    o->threads = cli_cpu_count();
    o->model = DEFAULT_MODEL;
    long v;
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":e:b:j:m:qvh", longopts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'e':
            bad = opt_long(cmd, "epochs", optarg, 1, MODEL_MAX_EPOCHS, &v);
            o->cfg.epochs = (uint32_t)v;
            o->set_epochs = 1;
            break;
        case 'b':
            bad = opt_long(cmd, "batch", optarg, 1, MODEL_MAX_BATCH, &v);
            o->cfg.batch = (uint32_t)v;
            o->set_batch = 1;
            break;
        case 'L':
            bad = opt_float(cmd, "lr", optarg, 0, 10, 0, &o->cfg.lr);
            o->set_lr = 1;
            break;
        case 'R':
            bad = opt_float(cmd, "rho", optarg, 0, 1, OPT_FROM_MIN | OPT_BELOW_MAX,
                            &o->cfg.rho);
            o->set_rho = 1;
            break;
        case 'M':
            bad = opt_float(cmd, "margin", optarg, 0, head_max_margin(HEAD_EUCLIDEAN), 0,
                            &o->cfg.margin);
            o->set_margin = 1;
            break;
        case 'D':
            bad = opt_float(cmd, "dropout", optarg, 0, 0.99, 1, &o->cfg.dropout);
            o->set_dropout = 1;
            break;
        case 'S':
            bad = opt_u64(cmd, "seed", optarg, &o->cfg.seed);
            o->set_seed = 1;
            break;
        case 'j':
            bad = opt_long(cmd, "threads", optarg, 1, MODEL_MAX_THREADS, &o->threads);
            o->set_threads = 1;
            break;
        case 'd': o->data = optarg; break;
        case 'm': o->model = optarg; break;
        case 'r': o->resume = 1; break;
        case 'T':
            bad = opt_long(cmd, "train-pairs", optarg, 1, 1000000000, &v);
            o->cfg.train_pairs = (uint64_t)v;
            o->set_subset = 1;
            break;
        case 'H': o->history = optarg; break;
        case 'Z': bad = opt_size(cmd, "size", optarg, &o->width, &o->height); break;
        case 'X':
            bad = opt_choice(cmd, "distance", optarg, head_names, &o->head);
            o->set_head = 1;
            break;
        case 'Y':
            bad = opt_layers(cmd, "layers", optarg, &o->layers);
            o->set_layers = 1;
            break;
        case 'K':
            bad = opt_choice(cmd, "kernels", optarg, kernels_names, &o->kernels);
            o->set_kernels = 1;
            break;
        case 'q': o->quiet = 1; break;
        case 'v': o->verbose = 1; break;
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
    if (o->quiet && o->verbose) {
        cli_error(cmd, "--quiet and --verbose cannot be used together");
        return -1;
    }
    /* The margin belongs to the head: its default and its range. */
    if (o->set_margin && !head_has_margin((uint32_t)o->head)) {
        cli_error(cmd, "--margin: the %s head has no margin (it trains with binary "
                  "cross-entropy); drop --margin", head_names[o->head]);
        return -1;
    }
    if (o->set_margin && o->cfg.margin > head_max_margin((uint32_t)o->head)) {
        cli_error(cmd, "--margin: expected above 0 and at most %g for the %s head, found %g",
                  head_max_margin((uint32_t)o->head), head_names[o->head], o->cfg.margin);
        return -1;
    }
    if (!o->set_margin)
        o->cfg.margin = head_default_margin((uint32_t)o->head);
    if (!o->set_layers)
        o->layers = net_shape_default(0);
    return 0;
}

/* With --resume the file's settings rule; an explicit, different value is
 * a usage error rather than something silently ignored. */
static int check_resume(const train_opts *o, const model_t *m)
{
    struct {
        int set;
        const char *name;
        double given, stored;
    } f[] = {
        {o->set_lr, "lr", o->cfg.lr, m->cfg.lr},
        {o->set_rho, "rho", o->cfg.rho, m->cfg.rho},
        {o->set_margin, "margin", o->cfg.margin, m->cfg.margin},
        {o->set_dropout, "dropout", o->cfg.dropout, m->cfg.dropout},
        {o->set_batch, "batch", o->cfg.batch, m->cfg.batch},
    };
    /* 64-bit counts compare as integers: a double would merge seeds
     * 2^53 and 2^53 + 1. */
    struct {
        int set;
        const char *name;
        uint64_t given, stored;
    } u[] = {
        {o->set_seed, "seed", o->cfg.seed, m->cfg.seed},
        {o->set_subset, "train-pairs", o->cfg.train_pairs, m->cfg.train_pairs},
    };
    for (size_t i = 0; i < sizeof u / sizeof *u; i++) {
        if (u[i].set && u[i].given != u[i].stored) {
            cli_error(cmd, "--%s %llu differs from %s's %llu; --resume continues with the "
                      "file's settings (drop --%s, or train a new model)", u[i].name,
                      (unsigned long long)u[i].given, o->model,
                      (unsigned long long)u[i].stored, u[i].name);
            return -1;
        }
    }
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
        if (f[i].set && f[i].given != f[i].stored) {
            cli_error(cmd, "--%s %g differs from %s's %g; --resume continues with the "
                      "file's settings (drop --%s, or train a new model)", f[i].name,
                      f[i].given, o->model, f[i].stored, f[i].name);
            return -1;
        }
    }
    return 0;
}

/* Seconds of epochs from an earlier run, read back from the existing
 * history CSV (absent or unreadable: NaN, written as an empty field). */
static void read_old_seconds(const char *path, double *secs, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        secs[i] = NAN;
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        unsigned ep;
        double s;
        if (sscanf(line, "%u,%*[^,],%*[^,],%lf", &ep, &s) == 2 && ep >= 1 && ep <= n)
            secs[ep - 1] = s;
    }
    fclose(f);
}

static int write_history(const char *path, const model_t *m, const double *secs, sm_err *e)
{
    atomic_file a;
    if (atomic_open(&a, path, e) != 0)
        return -1;
    char line[128];
    int n = snprintf(line, sizeof line, "epoch,loss,val_loss,seconds\n");
    atomic_write(&a, line, (size_t)n);
    for (uint32_t i = 0; i < m->epoch; i++) {
        if (isnan(secs[i]))
            n = snprintf(line, sizeof line, "%u,%.6f,%.6f,\n", i + 1, m->history[i].loss,
                         m->history[i].val_loss);
        else
            n = snprintf(line, sizeof line, "%u,%.6f,%.6f,%.3f\n", i + 1, m->history[i].loss,
                         m->history[i].val_loss, secs[i]);
        atomic_write(&a, line, (size_t)n);
    }
    return atomic_commit(&a, e);
}

/* The loss curve's file: the history's name with .csv replaced by .png. */
static void curve_path(const char *history, char *out, size_t n)
{
    size_t len = strlen(history);
    if (len > 4 && strcmp(history + len - 4, ".csv") == 0)
        snprintf(out, n, "%.*s.png", (int)(len - 4), history);
    else
        snprintf(out, n, "%s.png", history);
}

static int write_curve(const char *path, const model_t *m, sm_err *e)
{
    float *loss = malloc(m->epoch * sizeof *loss), *val = malloc(m->epoch * sizeof *val);
    int rc = -1;
    canvas_t c;
    if (!loss || !val) {
        sm_fail(e, "out of memory for the loss curve");
    } else {
        for (uint32_t i = 0; i < m->epoch; i++) {
            loss[i] = m->history[i].loss;
            val[i] = m->history[i].val_loss;
        }
        if (plot_losses(&c, loss, val, m->epoch, 2, e) == 0) {
            rc = canvas_save_png(&c, path, e);
            canvas_free(&c);
        }
    }
    free(loss);
    free(val);
    return rc;
}

/* A device or FIFO given as --model is written directly (atomic_file.h):
 * no lock file beside it, no /dev/null.lock. */
static int is_special_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && !S_ISREG(st.st_mode);
}

/* Prints "siamese train: write error on standard output" and returns 1 if
 * the lines printed so far did not arrive (a full disk, a closed stdout):
 * better to stop than to train for an hour with nobody told. */
static int stdout_failed(const char *model, uint32_t saved_epoch)
{
    const char *why = guard_stdout_failure();
    if (!why)
        return 0;
    if (saved_epoch)
        cli_error(cmd, "write error on standard output: %s; stopped, %s holds epoch %u", why,
                  model, saved_epoch);
    else
        cli_error(cmd, "write error on standard output: %s; stopped before training", why);
    return 1;
}

/* Appends arg to buf [n] at *k, quoted for a POSIX shell when it holds
 * anything but safe characters ('...' with each ' as '\''). */
static void shell_arg(char *buf, size_t n, size_t *k, const char *arg)
{
    int safe = *arg != 0;
    for (const char *p = arg; *p; p++)
        safe &= (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                strchr("-_./=:,+@%", *p) != NULL;
    if (*k >= n)
        return;
    if (safe) {
        *k += (size_t)snprintf(buf + *k, n - *k, " %s", arg);
        return;
    }
    *k += (size_t)snprintf(buf + *k, n - *k, " '");
    for (const char *p = arg; *p && *k < n; p++)
        *k += (size_t)snprintf(buf + *k, n - *k, *p == '\'' ? "'\\''" : "%c", *p);
    if (*k < n)
        *k += (size_t)snprintf(buf + *k, n - *k, "'");
}

/* The command that continues this run exactly: same file, data, history
 * and kind of kernels (and, for OpenBLAS, whose sums depend on it, the
 * thread count; for the exact kernels it does not matter), every argument
 * shell-quoted so that it can be pasted. */
static void resume_hint(char *buf, size_t n, const train_opts *o, const model_t *m)
{
    char num[32];
    size_t k = (size_t)snprintf(buf, n, "siamese train --resume --model");
    shell_arg(buf, n, &k, o->model);
    snprintf(num, sizeof num, "%u", m->cfg.epochs);
    shell_arg(buf, n, &k, "--epochs");
    shell_arg(buf, n, &k, num);
    if (m->cfg.kernels == MODEL_KERNELS_OPENBLAS) {
        shell_arg(buf, n, &k, "--kernels");
        shell_arg(buf, n, &k, "openblas");
        snprintf(num, sizeof num, "%ld", o->threads);
        shell_arg(buf, n, &k, "--threads");
        shell_arg(buf, n, &k, num);
    }
    if (o->data) {
        shell_arg(buf, n, &k, "--data");
        shell_arg(buf, n, &k, o->data);
    }
    if (o->history) {
        shell_arg(buf, n, &k, "--history");
        shell_arg(buf, n, &k, o->history);
    }
}

/* What the step callback needs to draw the bar. */
typedef struct {
    progress_bar bar;
    int live;
} step_ctx;

static int on_step(void *ctx, size_t step, size_t steps, double loss)
{
    step_ctx *s = ctx;
    if (s->live)
        progress_update(&s->bar, step, steps, loss);
    return guard_stop_signal() != 0;
}

/* --resume: loads the model and settles the run's settings against the
 * options. Returns 0 to go on, 1 when there is nothing to do (exit 0), or
 * an exit status >= 2 / -1 (runtime failure, exit 1). */
static int open_resume(train_opts *o, model_t *m)
{
    sm_err e;
    if (model_load(m, o->model, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        return -1;
    }
    if (check_resume(o, m) != 0)
        return EXIT_USAGE;
    net_shape want = o->layers;
    want.in = m->shape.in;
    if ((o->set_head && (uint32_t)o->head != m->head) ||
        (o->set_layers && !net_shape_equal(want, m->shape))) {
        cli_error(cmd, "--%s differs from %s's; --resume continues with the file's network and "
                  "head (drop it, or train a new model)", o->set_head ? "distance" : "layers",
                  o->model);
        return EXIT_USAGE;
    }
    if (o->width && (m->input.resize == IMAGE_RESIZE_NONE || (uint32_t)o->width != m->input.width ||
                     (uint32_t)o->height != m->input.height)) {
        cli_error(cmd, "--size %dx%d differs from %s's input (%u x %u, %s); --resume continues "
                  "with the file's settings (drop --size)", o->width, o->height, o->model,
                  m->input.width, m->input.height,
                  m->input.resize == IMAGE_RESIZE_NONE ? "no resizing" : "resized");
        return EXIT_USAGE;
    }
    /* The exact kernels and OpenBLAS round differently: keep the file's
     * kind unless the user asks otherwise, and say what that costs. */
    if (!o->set_kernels) {
        o->kernels = model_kernels(m);
    } else if (kernels_family(o->kernels) != m->cfg.kernels && !o->quiet) {
        cli_error(cmd, "note: %s was trained with %s kernels; with --kernels %s the rest of the "
                  "run will differ from an uninterrupted one", o->model,
                  m->cfg.kernels == MODEL_KERNELS_OPENBLAS ? "OpenBLAS" : "the exact",
                  kernels_names[o->kernels]);
    }
    m->cfg.kernels = kernels_family(o->kernels);
    /* OpenBLAS rounds by the thread count, which the file does not keep. */
    if (m->cfg.kernels == MODEL_KERNELS_OPENBLAS && !o->set_threads && !o->quiet)
        cli_error(cmd, "note: %s is trained with OpenBLAS, whose results depend on the thread "
                  "count: this part runs with %ld; to continue the run exactly, pass the "
                  "--threads its first part used", o->model, o->threads);
    /* Without --epochs the run finishes what the file was asked for. */
    uint32_t target = o->set_epochs ? o->cfg.epochs : m->cfg.epochs;
    /* A run stopped between its last epoch and its threshold: finish it. */
    if (m->epoch == target && target == m->cfg.epochs && isnan(m->threshold))
        return 0;
    if (m->epoch >= target) {
        if (!o->quiet)
            printf("%s already holds %u epochs (%s %u): nothing to do\n", o->model, m->epoch,
                   o->set_epochs ? "asked for" : "its run's target is", target);
        return 1;
    }
    /* A longer run than the file's: its threshold belongs to fewer
     * epochs; the new one is stored when this run completes. */
    if (target != m->cfg.epochs)
        m->threshold = NAN;
    m->cfg.epochs = target;
    return 0;
}

/* Loads the data for the run and makes the model fit it: a new model is
 * created for its image size; a resumed one must be trained on the same
 * data (fingerprint). Returns 0 or -1 (message printed). */
static int load_for_training(train_opts *o, model_t *m, char *dir, size_t dirlen, dataset_t *ds)
{
    sm_err e;
    if (o->resume) {
        if (cli_load_model_data(cmd, o->model, m, o->data, (int)o->threads, 1, dir, dirlen, ds) != 0)
            return -1;
        if (m->fingerprint && m->fingerprint != ds->fingerprint) {
            cli_error(cmd, "%s: not the data %s was trained on (fingerprint %016llx, the model's "
                      "%016llx): --resume needs the same images and labels (pass the --data "
                      "it was trained with)", dir, o->model,
                      (unsigned long long)ds->fingerprint, (unsigned long long)m->fingerprint);
            dataset_free(ds);
            return -1;
        }
        if (!m->fingerprint) /* a version-1 file: adopt this data's */
            m->fingerprint = ds->fingerprint;
        return 0;
    }
    data_options dopt = {o->width, o->height, (int)o->threads};
    if (cli_load_data(cmd, o->data, &dopt, dir, dirlen, ds) != 0)
        return -1;
    net_shape shape = o->layers;
    shape.in = (int)(ds->train.rows * ds->train.cols);
    o->cfg.kernels = kernels_family(o->kernels);
    if (model_init(m, shape, (uint32_t)o->head, o->cfg, &e) != 0 ||
        model_describe_data(m, ds, &e) != 0) {
        cli_error(cmd, "%s: %s", dir, e.msg);
        dataset_free(ds);
        return -1;
    }
    return 0;
}

/* The threshold train suggests (the one with the best accuracy on the
 * training pairs), stored in the model for the commands that judge
 * images. */
static int suggest_threshold(model_t *m, const dataset_t *ds, const pairs_t *tr, int threads,
                             kernels_path kernels, sm_err *e)
{
    float *d = malloc((tr->n + 1) * sizeof *d);
    if (!d)
        return sm_fail(e, "out of memory for %zu distances", tr->n);
    double acc;
    int rc = distances_for_pairs(d, m, &ds->train, tr, threads, kernels, NULL, e);
    if (rc == 0)
        rc = best_threshold(d, tr->same, tr->n, &m->threshold, &acc, e);
    free(d);
    return rc;
}

int cmd_train(int argc, char **argv)
{
    train_opts o;
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
    if (o.set_threads && o.threads > cli_cpu_count() && !o.quiet)
        cli_error(cmd, "note: %ld threads on %d cores: the workers will take turns, which is "
                  "slower, not faster", o.threads, cli_cpu_count());

    /* Every output checked before anything is read or trained. */
    char curve[4096 + 8] = "";
    if (o.history)
        curve_path(o.history, curve, sizeof curve);
    const output_spec outs[] = {{"--model", o.model, 0, 0},
                                {"--history", o.history, 0, 0},
                                {"--history's curve", o.history ? curve : NULL, 0, 0}};
    int gr = guard_outputs(cmd, outs, 3, NULL, o.data, NULL, 0);
    if (gr != 0)
        return gr;

    sm_err e;
    model_t m;
    memset(&m, 0, sizeof m);
    if (o.resume) {
        int r = open_resume(&o, &m);
        if (r != 0) {
            model_free(&m);
            return r < 0 ? 1 : r == 1 ? 0 : r;
        }
    }
    /* One train per model file: a second one would overwrite this one's
     * saves. The holder may then remove temporary files of this model left
     * by a writer that died. The kernel drops the lock however we exit. */
    file_lock lock = FILE_LOCK_NONE;
    char target[ATOMIC_PATH_MAX];
    long holder = 0;
    int lr = atomic_resolve(o.model, target, sizeof target, &e);
    if (lr == 0 && !is_special_file(target))
        lr = file_lock_try(&lock, target, &holder, &e);
    if (lr != 0) {
        if (lr > 0 && holder)
            cli_error(cmd, "%s is being trained by process %ld (lock %s); wait for it or pass "
                      "another --model", o.model, holder, lock.path);
        else if (lr > 0)
            cli_error(cmd, "%s is being trained by another process (lock %s); wait for it or "
                      "pass another --model", o.model, lock.path);
        else
            cli_error(cmd, "%s", e.msg);
        model_free(&m);
        return 1;
    }
    if (lock.fd >= 0) {
        int stale = atomic_remove_stale(target);
        if (stale && o.verbose)
            fprintf(stderr, "removed %d temporary file%s of %s left by an earlier run\n", stale,
                    stale == 1 ? "" : "s", o.model);
    }

    char dir[4096];
    dataset_t ds;
    double t0 = cli_now();
    if (load_for_training(&o, &m, dir, sizeof dir, &ds) != 0) {
        file_lock_release(&lock);
        model_free(&m);
        return 1;
    }
    double t_load = cli_now() - t0;
    const train_config *cfg = &m.cfg;

    pairs_t tr, te;
    if (seeds_pairs_for_model(&ds, cfg, &tr, &te, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        file_lock_release(&lock);
        dataset_free(&ds);
        model_free(&m);
        return 1;
    }
    trainer_t t;
    double *secs = malloc(((size_t)cfg->epochs + 1) * sizeof(double));
    int rc = 1;
    if (!secs) {
        cli_error(cmd, "out of memory");
        goto done;
    }
    if (trainer_init(&t, &m, &ds.train, &tr, (int)o.threads, (kernels_path)o.kernels, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        goto done;
    }
    if (o.history)
        read_old_seconds(o.history, secs, m.epoch);
    /* From here (before "Train on" is printed) a signal lets the current
     * step finish and the model be saved; a second one leaves at once,
     * without touching the model file. Before, it ends the run at once. */
    guard_defer_signals("\nsiamese train: interrupted again: stopped at once; the model file "
                        "is as it was\n");

    if (o.verbose) {
        fprintf(stderr, "data: %s (loaded in %.2f s)\n", dir, t_load);
        fprintf(stderr, "threads: %ld (each step's rows, then its parameters, are split "
                "between them); kernels: %s; seed %llu; batch %u; lr %g; rho %g; margin %g; "
                "dropout %g\n", o.threads, kernels_names[t.kernels],
                (unsigned long long)cfg->seed, cfg->batch, cfg->lr, cfg->rho, cfg->margin,
                cfg->dropout);
        if (o.resume)
            fprintf(stderr, "resuming %s at epoch %u of %u\n", o.model, m.epoch + 1,
                    cfg->epochs);
    }
    if (!o.quiet) {
        printf("Train on %zu pairs, validate on %zu pairs\n", tr.n, te.n);
        if (stdout_failed(o.model, o.resume ? m.epoch : 0))
            goto trained;
    }

    step_ctx sc = {.live = !o.quiet && progress_live(stderr)};
    size_t steps = trainer_steps(&t);
    rc = 0;
    int warned_dead = 0;
    while (m.epoch < cfg->epochs) {
        uint32_t ep = m.epoch + 1;
        double start = cli_now(), loss;
        size_t done_steps;
        if (sc.live)
            progress_start(&sc.bar, stderr, ep, cfg->epochs);
        int r = trainer_epoch(&t, &m, on_step, &sc, &loss, &done_steps, &e);
        if (sc.live)
            progress_clear(&sc.bar);
        if (r < 0) {
            if (m.epoch > 0 || o.resume)
                cli_error(cmd, "%s; %s keeps the last good model (epoch %u)", e.msg, o.model,
                          m.epoch);
            else
                cli_error(cmd, "%s; no model was saved (try a smaller --lr)", e.msg);
            rc = 1;
            break;
        }
        if (r > 0) { /* interrupted inside the epoch: save where it stands */
            if (model_save(&m, o.model, &e) != 0) {
                cli_error(cmd, "%s", e.msg);
                rc = 1;
                break;
            }
            char hint[8192 + 128];
            resume_hint(hint, sizeof hint, &o, &m);
            cli_error(cmd, "interrupted at epoch %u, step %zu of %zu; saved %s. Continue "
                      "with: %s", ep, done_steps, steps, o.model, hint);
            rc = 130;
            break;
        }
        double val;
        if (trainer_mean_loss(&t, &m, &ds.test, &te, &val, &e) != 0 ||
            model_add_epoch(&m, (float)loss, (float)val, &e) != 0 ||
            model_save(&m, o.model, &e) != 0) {
            cli_error(cmd, "%s", e.msg);
            rc = 1;
            break;
        }
        secs[m.epoch - 1] = cli_now() - start;
        if (t.dead && !o.quiet && !warned_dead) {
            cli_error(cmd, "warning: after epoch %u every validation embedding is zero: the "
                      "network has died (every ReLU outputs 0) and cannot learn any more; this "
                      "usually comes from too large a step (--lr %g, --rho %g): try the "
                      "defaults", m.epoch, cfg->lr, cfg->rho);
            warned_dead = 1;
        }
        if (o.history &&
            (write_history(o.history, &m, secs, &e) != 0 || write_curve(curve, &m, &e) != 0)) {
            cli_error(cmd, "%s", e.msg);
            rc = 1;
            break;
        }
        if (!o.quiet) {
            printf("Epoch %u/%u  %zu/%zu  %.1fs  loss: %.4f - val_loss: %.4f\n", ep, cfg->epochs,
                   steps, steps, secs[m.epoch - 1], loss, val);
            if (stdout_failed(o.model, m.epoch)) {
                rc = 1;
                break;
            }
        }
        if (o.verbose)
            fprintf(stderr, "saved %s (epoch %u)\n", o.model, m.epoch);
        if (guard_stop_signal() && m.epoch < cfg->epochs) {
            char hint[8192 + 128];
            resume_hint(hint, sizeof hint, &o, &m);
            cli_error(cmd, "interrupted after epoch %u; saved %s. Continue with: %s", m.epoch,
                      o.model, hint);
            rc = 130;
            break;
        }
    }
trained:
    trainer_free(&t);
    /* The run is complete: store the threshold it suggests. */
    if (rc == 0 && m.epoch == cfg->epochs &&
        (suggest_threshold(&m, &ds, &tr, (int)o.threads, (kernels_path)o.kernels, &e) != 0 ||
         model_save(&m, o.model, &e) != 0)) {
        cli_error(cmd, "%s", e.msg);
        rc = 1;
    }
    if (rc == 0 && o.verbose)
        fprintf(stderr, "suggested threshold %.4f (best accuracy on the training pairs), saved "
                "in %s\n", m.threshold, o.model);
done:
    file_lock_release(&lock);
    free(secs);
    pairs_free(&tr);
    pairs_free(&te);
    dataset_free(&ds);
    model_free(&m);
    return rc;
}
