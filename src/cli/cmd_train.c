/* cmd_train.c - `siamese train`: the command's row (options, help) and
 * its body: settle the options, check every output before any work, open
 * the run (train_open.c), train epoch by epoch saving after each
 * (train_loop.c), print what Keras prints. */
#include <stdio.h>
#include <string.h>

#include "command.h"
#include "guard.h"
#include "head.h"
#include "seeds.h"
#include "train_cli.h"
#include "train_record.h"

static const char *const cmd = "train";

static void defaults(void *opts)
{
    train_opts *o = opts;
    o->cfg = train_config_default();
    o->epochs = o->cfg.epochs;
    o->batch = o->cfg.batch;
    o->model = CLI_DEFAULT_MODEL;
}

/* The option kinds opt_spec has no row for: --size WxH into int[2], the
 * margin up to the largest any head allows (the head's own limit is
 * checked once the head is known), --layers into a net_shape. */
static int parse_size(const char *c, const char *opt, const char *arg, void *v)
{
    int *wh = v;
    return opt_size(c, opt, arg, &wh[0], &wh[1]);
}

static int parse_margin(const char *c, const char *opt, const char *arg, void *v)
{
    return opt_float(c, opt, arg, 0, head_max_margin(HEAD_EUCLIDEAN), 0, v);
}

static int parse_layers(const char *c, const char *opt, const char *arg, void *v)
{
    return opt_layers(c, opt, arg, v);
}

/* --augment LIST: every item checked here (exit 2 naming it); whether a
 * shift or rot90 fits the images is checked once they are loaded. */
static int parse_augment(const char *c, const char *opt, const char *arg, void *v)
{
    sm_err e;
    if (augment_parse(arg, v, &e) != 0) {
        cli_error(c, "--%s: %s", opt, e.msg);
        return -1;
    }
    return 0;
}

/* --pairs and --augment together. 0 or CLI_USAGE_ERROR (said). */
static int settle_pairs(train_opts *o)
{
    if (o->set_augment && o->pairs != PAIRS_AUGMENT) {
        cli_error(cmd, "--augment: the augmentations make the pairs of --pairs augment; add "
                  "--pairs augment (or drop --augment)");
        return CLI_USAGE_ERROR;
    }
    sm_err e;
    if (o->pairs == PAIRS_AUGMENT && !o->set_augment &&
        augment_parse(AUGMENT_DEFAULT, &o->augment, &e) != 0)
        return CLI_USAGE_ERROR; /* the default always parses */
    o->cfg.pairs = (uint32_t)o->pairs;
    if (o->pairs == PAIRS_AUGMENT)
        o->cfg.augment = o->augment;
    return 0;
}

/* After parsing: what the options say together. 0, or CLI_USAGE_ERROR
 * (said). */
static int settle(train_opts *o, int argc, char **argv)
{
    if (argc > 0) {
        cli_error(cmd, "unexpected argument '%s'", argv[0]);
        return CLI_USAGE_ERROR;
    }
    if (o->quiet && o->verbose) {
        cli_error(cmd, "--quiet and --verbose cannot be used together");
        return CLI_USAGE_ERROR;
    }
    /* --size was checked as grey; --rgb, given before or after it, triples it. */
    if (o->rgb && o->size[0] &&
        opt_size_fits(cmd, "size", NULL, (unsigned long)o->size[0], (unsigned long)o->size[1], 3))
        return CLI_USAGE_ERROR;
    /* The margin belongs to the head: its default and its range. */
    if (o->set_margin && !head_has_margin((uint32_t)o->head)) {
        cli_error(cmd, "--margin: the %s head has no margin (it trains with binary "
                  "cross-entropy); drop --margin", head_names[o->head]);
        return CLI_USAGE_ERROR;
    }
    if (o->set_margin && o->cfg.margin > head_max_margin((uint32_t)o->head)) {
        cli_error(cmd, "--margin: expected above 0 and at most %g for the %s head, found %g",
                  head_max_margin((uint32_t)o->head), head_names[o->head], o->cfg.margin);
        return CLI_USAGE_ERROR;
    }
    if (!o->set_margin)
        o->cfg.margin = head_default_margin((uint32_t)o->head);
    if (!o->set_layers)
        o->layers = net_shape_default(0);
    o->cfg.epochs = (uint32_t)o->epochs;
    o->cfg.batch = (uint32_t)o->batch;
    o->cfg.train_pairs = (uint64_t)o->subset;
    o->set_threads = o->threads != 0;
    if (!o->set_threads)
        o->threads = cli_cpu_count();
    return settle_pairs(o);
}

/* Before anything is read: the kernels this CPU runs, a note on more
 * threads than cores, every output checked (guard.h). 0 or the exit
 * status. */
static int preflight(const train_opts *o, train_job *j)
{
    if (o->verbose)
        cli_blas_report(stderr);
    /* A path this CPU cannot run is refused before any data is read. */
    kernels_path can;
    sm_err e;
    if (o->set_kernels && kernels_resolve((kernels_path)o->kernels, &can, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        return 1;
    }
    if (o->set_threads && o->threads > cli_cpu_count() && !o->quiet)
        cli_error(cmd, "note: %ld threads on %d cores: the workers will take turns, which is "
                  "slower, not faster", o->threads, cli_cpu_count());
    /* --rgb on IDX files is a usage error, before the lock or the data
     * (--resume: the model's channels decide; train_open.c checks). */
    data_options dopt = {.threads = 1, .rgb = o->rgb, .flat = o->pairs == PAIRS_AUGMENT};
    int bad = o->resume ? 0 : cli_check_data_options(cmd, o->data, &dopt);
    if (bad != 0)
        return bad;
    if (o->history)
        record_curve_path(o->history, j->curve, sizeof j->curve);
    const output_spec outs[] = {{"--model", o->model, 0, 0},
                                {"--history", o->history, 0, 0},
                                {"--history's curve", o->history ? j->curve : NULL, 0, 0}};
    return guard_outputs(cmd, outs, 3, NULL, o->data, NULL, 0);
}

static int run(void *opts, int argc, char **argv)
{
    train_opts *o = opts;
    int rc = settle(o, argc, argv);
    if (rc != 0)
        return rc;
    train_job j;
    memset(&j, 0, sizeof j);
    j.lock = (file_lock)FILE_LOCK_NONE;
    rc = preflight(o, &j);
    if (rc != 0)
        return rc;
    rc = train_open(o, &j);
    if (rc == 0)
        rc = train_loop(o, &j);
    else if (rc == TRAIN_NOTHING_TO_DO)
        rc = 0;
    train_close(&j);
    return rc;
}

/* The help states these limits in words: a changed limit must change it. */
_Static_assert(MODEL_MAX_EPOCHS == 100000 && MODEL_MAX_BATCH == 65536, "--epochs/--batch help");
_Static_assert(NET_MAX_LAYERS == 16 && NET_MAX_WIDTH == 4096 && NET_MAX_CHANNELS == 1024,
               "--layers help");
_Static_assert(MODEL_MAX_THREADS == 256 && SEED_DEFAULT == 42, "--threads/--seed help");

#define AT(field) OPT_AT(train_opts, field)
#define GIVEN(field) OPT_GIVEN(train_opts, field)

static const opt_spec options[] = {
    {"epochs", 'e', "N", OPT_LONG, AT(epochs), GIVEN(set_epochs), 1, MODEL_MAX_EPOCHS, 0, NULL,
     NULL, "epochs in all, 1..100000 (default 25)\n(--resume: the target stored in the file)"},
    {"batch", 'b', "N", OPT_LONG, AT(batch), GIVEN(set_batch), 1, MODEL_MAX_BATCH, 0, NULL, NULL,
     "pairs per step, 1..65536 (default 128)"},
    {"lr", 0, "X", OPT_FLOAT, AT(cfg.lr), GIVEN(set_lr), 0, 10, 0, NULL, NULL,
     "RMSprop learning rate (default 0.001)"},
    {"rho", 0, "X", OPT_FLOAT, AT(cfg.rho), GIVEN(set_rho), 0, 1, OPT_FROM_MIN | OPT_BELOW_MAX,
     NULL, NULL, "RMSprop decay, 0 <= rho < 1 (default 0.9)"},
    {"distance", 0, "HEAD", OPT_CHOICE, AT(head), GIVEN(set_head), 0, 0, 0, head_names, NULL,
     "euclidean, manhattan, cosine or learned (default\neuclidean, the notebook's; see head.h)"},
    {"layers", 0, "SPEC", OPT_PARSE, AT(layers), GIVEN(set_layers), 0, 0, 0, NULL,
     parse_layers, "the shared network's layers, 1..16, from the input:\nN a dense layer of "
                   "N units (1..4096), conv<N> a 3x3\nconvolution of N channels (1..1024), pool "
                   "2x2 max\npooling, gap global average pooling; conv, pool and\ngap come before "
                   "any dense layer (default 128,128,128,\nthe notebook's; e.g. conv32,pool,conv64,"
                   "pool,conv128,gap,128)"},
    {"margin", 0, "X", OPT_PARSE, AT(cfg.margin), GIVEN(set_margin), 0, 0, 0, NULL, parse_margin,
     "contrastive loss margin (default: 1 for euclidean, 8\nmanhattan, 1 cosine (at most 2); "
     "learned has none)"},
    {"dropout", 0, "X", OPT_FLOAT, AT(cfg.dropout), GIVEN(set_dropout), 0, 0.99, OPT_FROM_MIN,
     NULL, NULL, "dropout rate, 0 to 0.99 (default 0.1)"},
    {"seed", 0, "N", OPT_U64, AT(cfg.seed), GIVEN(set_seed), 0, 0, 0, NULL, NULL,
     "seed of pairs, weights, shuffling, dropout (default 42)"},
    OPT_THREADS(train_opts, threads, "worker threads, 1..256 (default: all {cores} cores); the\n"
                                     "model file does not depend on it (but for openblas)"),
    OPT_KERNELS(train_opts, kernels, set_kernels,
                "the matrix products: auto (default: the fastest of\navx512, avx2, generic this "
                "CPU runs; all three give\nthe same bits) or openblas (rounds by thread count "
                "and\nOpenBLAS version); --resume: the file's kind"),
    OPT_DATA(train_opts, data, "PATH",
             "IDX files or image folders PATH/train/<class>/*,\nPATH/test/<class>/* (default: "
             "$SIAMESE_DATA,\n./data/fashion-mnist, /usr/share/datasets/fashion-mnist)"),
    {"size", 0, "WxH", OPT_PARSE, AT(size), 0, 0, 0, 0, NULL, parse_size,
     "resize every image to W x H pixels (box filter; the\nmodel then resizes any image it is "
     "given)"},
    {"rgb", 0, NULL, OPT_FLAG, AT(rgb), 0, 0, 0, 0, NULL, NULL,
     "keep colour images' red, green and blue channels as\nthe input (channels first; default: "
     "grey)"},
    OPT_MODEL(train_opts, model, "model file to write (default {model})"),
    {"resume", 0, NULL, OPT_FLAG, AT(resume), 0, 0, 0, 0, NULL, NULL,
     "continue the run saved in --model up to --epochs"},
    {"pairs", 0, "KIND", OPT_CHOICE, AT(pairs), GIVEN(set_pairs), 0, 0, 0, model_pairs_names, NULL,
     "labels (default: the notebook's pairs of classes) or\naugment (no labels: \"same\" is "
     "two augmentations of\none image, \"different\" two images; --data may\nthen be one "
     "folder of images, a tenth held out)"},
    {"augment", 0, "LIST", OPT_PARSE, AT(augment), GIVEN(set_augment), 0, 0, 0, NULL,
     parse_augment, "--pairs augment's augmentations, applied in this\norder: flip, flipv, "
     "rot90, shift:N (pixels, zero\nfill), brightness:F, contrast:F, noise:F (0 < F <= 1)\n"
     "(default " AUGMENT_DEFAULT ")"},
    {"train-pairs", 0, "N", OPT_LONG, AT(subset), GIVEN(set_subset), 1, 1000000000, 0, NULL,
     NULL, "train on a seeded random subset of N training pairs"},
    {"history", 0, "FILE", OPT_STR, AT(history), 0, 0, 0, 0, NULL, NULL,
     "write epoch,loss,val_loss,seconds as CSV, and the loss\ncurve as a PNG beside it "
     "(FILE.csv -> FILE.png)"},
    {"quiet", 'q', NULL, OPT_FLAG, AT(quiet), 0, 0, 0, 0, NULL, NULL, "print errors only"},
    OPT_VERBOSE(train_opts, verbose, "also print data, kernels, threads and saves"),
    OPT_HELP_ROW,
};

const command cmd_train = {
    "train",
    "train the Siamese network and write the model file",
    "usage: siamese train [options]\n\n"
    "Trains the notebook's Siamese network (pixels-128-128-128, dropout, Euclidean\n"
    "distance, contrastive loss, RMSprop) on same/different pairs of a data set\n"
    "(Fashion-MNIST by default) and writes the model file after every epoch, and\n"
    "at the end the threshold it suggests. Epoch lines go to stdout, progress to\n"
    "stderr. While it runs, FILE.lock beside the model keeps a second train off\n"
    "it.\n",
    24,
    options,
    sizeof options / sizeof *options,
    sizeof(train_opts),
    defaults,
    run,
};
