/* train_open.c - how `siamese train` opens a run: with --resume the model
 * file is read and every option checked against what it stores; then the
 * model file's lock, the data (a new model is made for its image size, a
 * resumed one must be trained on the same data) and the training session.
 * See train_cli.h. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic_file.h"
#include "model_file.h"
#include "seeds.h"
#include "train_cli.h"

static const char *const cmd = "train";

/* With --resume the file's settings rule; an explicit, different value is
 * a usage error rather than something silently ignored. */
static int check_settings(const train_opts *o, const model_t *m)
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
    char given[128], stored[128];
    augment_format(&o->cfg.augment, given, sizeof given);
    augment_format(&m->cfg.augment, stored, sizeof stored);
    if ((o->set_pairs && o->cfg.pairs != m->cfg.pairs) ||
        (o->set_augment && strcmp(given, stored) != 0)) {
        cli_error(cmd, "--%s %s differs from %s's %s; --resume continues with the file's "
                  "settings (drop it, or train a new model)",
                  o->set_augment ? "augment" : "pairs", o->set_augment ? given
                  : model_pairs_names[o->cfg.pairs], o->model, o->set_augment ? stored
                  : model_pairs_names[m->cfg.pairs]);
        return -1;
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

/* The network, head and input size are the file's: a different one given
 * is a usage error. 0 or -1 (said). */
static int check_network(const train_opts *o, const model_t *m)
{
    net_shape want = o->layers;
    net_set_input(&want, m->shape.in_c, m->shape.in_h, m->shape.in_w);
    want.in = m->shape.in;
    if ((o->set_head && (uint32_t)o->head != m->head) ||
        (o->set_layers && !net_shape_equal(want, m->shape))) {
        cli_error(cmd, "--%s differs from %s's; --resume continues with the file's network and "
                  "head (drop it, or train a new model)", o->set_head ? "distance" : "layers",
                  o->model);
        return -1;
    }
    if (o->size[0] && (m->input.resize == IMAGE_RESIZE_NONE ||
                       (uint32_t)o->size[0] != m->input.width ||
                       (uint32_t)o->size[1] != m->input.height)) {
        cli_error(cmd, "--size %dx%d differs from %s's input (%u x %u, %s); --resume continues "
                  "with the file's settings (drop --size)", o->size[0], o->size[1], o->model,
                  m->input.width, m->input.height,
                  m->input.resize == IMAGE_RESIZE_NONE ? "no resizing" : "resized");
        return -1;
    }
    if (o->rgb && m->input.channels != 3) {
        cli_error(cmd, "--rgb differs from %s's input (grey); --resume continues with the "
                  "file's settings (drop --rgb)", o->model);
        return -1;
    }
    return 0;
}

/* The exact kernels and OpenBLAS round differently: keep the file's kind
 * unless the user asks otherwise, and say what that costs. */
static void settle_kernels(train_opts *o, model_t *m)
{
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
}

/* --resume: loads the model and settles the run's settings against the
 * options. 0 to go on, TRAIN_NOTHING_TO_DO, or an exit status. */
static int open_resume(train_opts *o, model_t *m)
{
    if (cli_load_model(cmd, o->model, m) != 0)
        return 1;
    if (check_settings(o, m) != 0 || check_network(o, m) != 0)
        return EXIT_USAGE;
    settle_kernels(o, m);
    /* Without --epochs the run finishes what the file was asked for. */
    uint32_t target = o->set_epochs ? o->cfg.epochs : m->cfg.epochs;
    /* A run stopped between its last epoch and its threshold: finish it. */
    if (m->epoch == target && target == m->cfg.epochs && isnan(m->threshold))
        return 0;
    if (m->epoch >= target) {
        if (!o->quiet)
            printf("%s already holds %u epochs (%s %u): nothing to do\n", o->model, m->epoch,
                   o->set_epochs ? "asked for" : "its run's target is", target);
        return TRAIN_NOTHING_TO_DO;
    }
    /* A longer run than the file's: its threshold belongs to fewer
     * epochs; the new one is stored when this run completes. */
    if (target != m->cfg.epochs)
        m->threshold = NAN;
    m->cfg.epochs = target;
    return 0;
}

/* A device or FIFO given as --model is written directly (atomic_file.h):
 * no lock file beside it, no /dev/null.lock. */
static int is_special_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && !S_ISREG(st.st_mode);
}

/* One train per model file: a second one would overwrite this one's
 * saves. The holder may then remove temporary files of this model left by
 * a writer that died. The kernel drops the lock however we exit. 0 or 1
 * (said). */
static int take_lock(const train_opts *o, file_lock *lock)
{
    sm_err e;
    char target[ATOMIC_PATH_MAX];
    long holder = 0;
    int lr = atomic_resolve(o->model, target, sizeof target, &e);
    if (lr == 0 && !is_special_file(target))
        lr = file_lock_try(lock, target, &holder, &e);
    if (lr > 0 && holder)
        cli_error(cmd, "%s is being trained by process %ld (lock %s); wait for it or pass "
                  "another --model", o->model, holder, lock->path);
    else if (lr > 0)
        cli_error(cmd, "%s is being trained by another process (lock %s); wait for it or "
                  "pass another --model", o->model, lock->path);
    else if (lr < 0)
        cli_error(cmd, "%s", e.msg);
    if (lr != 0)
        return 1;
    if (lock->fd >= 0) {
        int stale = atomic_remove_stale(target);
        if (stale && o->verbose)
            fprintf(stderr, "removed %d temporary file%s of %s left by an earlier run\n", stale,
                    stale == 1 ? "" : "s", o->model);
    }
    return 0;
}

/* Images beyond the model's input limit (without --size: its own check
 * keeps within it) are refused with the --size that fits them. 0 or 2
 * (said: a usage error, as --augment or --layers that do not fit). */
static int check_input_size(const char *dir, const split_t *s)
{
    if (s->channels * s->rows * s->cols <= MODEL_MAX_INPUT)
        return 0;
    int fw, fh, c = (int)s->channels, grey = model_max_side(1), colour = model_max_side(3);
    model_fit_size(c, (int)s->cols, (int)s->rows, &fw, &fh);
    cli_error(cmd, "%s: images of %zu x %zu pixels%s are %zu inputs, beyond the model's limit "
              "of %d: pass --size WxH to resize them (e.g. --size %dx%d keeps their shape; "
              "the largest squares are %dx%d grey, %dx%d with --rgb)", dir, s->cols, s->rows,
              c == 3 ? " in 3 channels" : "", s->channels * s->rows * s->cols, MODEL_MAX_INPUT,
              fw, fh, grey, grey, colour, colour);
    return 2;
}

/* Loads the data for the run and makes the model fit it: a new model is
 * created for its image size; a resumed one must be trained on the same
 * data (fingerprint). 0 or 1 (said). */
static int load_data(train_opts *o, train_job *j)
{
    sm_err e;
    model_t *m = &j->m;
    if (o->resume) {
        if (cli_load_model_data(cmd, o->model, m, o->data, (int)o->threads, 1, j->dir,
                                sizeof j->dir, &j->ds) != 0)
            return 1;
        if (m->fingerprint && m->fingerprint != j->ds.fingerprint) {
            cli_error(cmd, "%s: not the data %s was trained on (fingerprint %016llx, the model's "
                      "%016llx): --resume needs the same images and labels (pass the --data "
                      "it was trained with)", j->dir, o->model,
                      (unsigned long long)j->ds.fingerprint, (unsigned long long)m->fingerprint);
            return 1;
        }
        if (!m->fingerprint) /* a version-1 file: adopt this data's */
            m->fingerprint = j->ds.fingerprint;
        return 0;
    }
    data_options dopt = {.width = o->size[0], .height = o->size[1], .threads = (int)o->threads,
                         .rgb = o->rgb, .flat = o->cfg.pairs == PAIRS_AUGMENT};
    seeds_holdout(&dopt.holdout, o->cfg.seed);
    if (cli_load_data(cmd, o->data, &dopt, j->dir, sizeof j->dir, &j->ds) != 0)
        return 1;
    if (o->cfg.pairs == PAIRS_AUGMENT &&
        augment_check(&o->cfg.augment, j->ds.train.rows, j->ds.train.cols, &e) != 0) {
        cli_error(cmd, "--augment: %s", e.msg); /* a usage error: it does not fit the images */
        return 2;
    }
    if (check_input_size(j->dir, &j->ds.train) != 0)
        return 2;
    net_shape shape = o->layers;
    net_set_input(&shape, (int)j->ds.train.channels, (int)j->ds.train.rows,
                  (int)j->ds.train.cols);
    if (net_check_shape(shape, &e) != 0) {
        cli_error(cmd, "%s", e.msg); /* a usage error: the spec does not fit the images */
        return 2;
    }
    o->cfg.kernels = kernels_family(o->kernels);
    if (model_init(m, shape, (uint32_t)o->head, o->cfg, &e) != 0 ||
        model_describe_data(m, &j->ds, &e) != 0) {
        cli_error(cmd, "%s: %s", j->dir, e.msg);
        return 1;
    }
    return 0;
}

int train_open(train_opts *o, train_job *j)
{
    if (o->resume) {
        int r = open_resume(o, &j->m);
        if (r != 0)
            return r;
    }
    if (take_lock(o, &j->lock) != 0)
        return 1;
    double t0 = sm_now();
    int r = load_data(o, j);
    if (r != 0)
        return r;
    j->t_load = sm_now() - t0;
    sm_err e;
    /* Every epoch ends in a save: a model the file cannot hold is refused
     * now, not after the first epoch. */
    if (model_file_check(&j->m, o->model, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        return 1;
    }
    j->has_session = 1;
    if (session_start(&j->s, &j->m, &j->ds, o->model, (int)o->threads,
                      (kernels_path)o->kernels, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        return 1;
    }
    return 0;
}

void train_close(train_job *j)
{
    file_lock_release(&j->lock);
    if (j->has_session)
        session_free(&j->s);
    dataset_free(&j->ds);
    model_free(&j->m);
}
