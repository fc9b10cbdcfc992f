/* train_loop.c - the epochs of `siamese train`: the progress bar, the
 * Keras-style epoch lines, --history after every epoch, the way out when
 * a signal arrives (the model saved, then the command that continues the
 * run) and the threshold a complete run stores. The numbers come from the
 * session (session.h) and the records (train_record.h); this file says
 * what happened. See train_cli.h. */
#include <stdio.h>
#include <string.h>

#include "guard.h"
#include "model_file.h"
#include "progress.h"
#include "train_cli.h"
#include "train_record.h"

static const char *const cmd = "train";

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

/* A signal stopped the run at `where` ("at epoch 3, step 5 of 10", "after
 * epoch 3") and the model is saved: says so with the command that
 * continues this run exactly (same file, data, history and kind of
 * kernels; for OpenBLAS, whose sums depend on it, the thread count), every
 * argument shell-quoted so that it can be pasted. Returns 130. */
static int interrupted(const train_opts *o, const model_t *m, const char *where)
{
    char hint[8192 + 128], num[32];
    size_t n = sizeof hint, k = (size_t)snprintf(hint, n, "siamese train --resume --model");
    shell_arg(hint, n, &k, o->model);
    snprintf(num, sizeof num, "%u", m->cfg.epochs);
    shell_arg(hint, n, &k, "--epochs");
    shell_arg(hint, n, &k, num);
    if (m->cfg.kernels == MODEL_KERNELS_OPENBLAS) {
        shell_arg(hint, n, &k, "--kernels");
        shell_arg(hint, n, &k, "openblas");
        snprintf(num, sizeof num, "%ld", o->threads);
        shell_arg(hint, n, &k, "--threads");
        shell_arg(hint, n, &k, num);
    }
    if (o->data) {
        shell_arg(hint, n, &k, "--data");
        shell_arg(hint, n, &k, o->data);
    }
    if (o->history) {
        shell_arg(hint, n, &k, "--history");
        shell_arg(hint, n, &k, o->history);
    }
    cli_error(cmd, "interrupted %s; saved %s. Continue with: %s", where, o->model, hint);
    return 130;
}

/* The steps of the next epoch under the progress bar. 0 to close the
 * epoch (*loss its mean), else the exit status (said). */
static int steps(const train_opts *o, train_job *j, step_ctx *sc, double *loss)
{
    model_t *m = &j->m;
    uint32_t ep = m->epoch + 1;
    size_t done, all = session_steps_per_epoch(&j->s);
    sm_err e;
    if (sc->live)
        progress_start(&sc->bar, stderr, ep, m->cfg.epochs);
    int r = session_steps(&j->s, on_step, sc, loss, &done, &e);
    if (sc->live)
        progress_clear(&sc->bar);
    if (r < 0) {
        if (m->epoch > 0 || o->resume)
            cli_error(cmd, "%s; %s keeps the last good model (epoch %u)", e.msg, o->model,
                      m->epoch);
        else
            cli_error(cmd, "%s; no model was saved (try a smaller --lr)", e.msg);
        return 1;
    }
    if (r == 0)
        return 0;
    /* Interrupted inside the epoch: save where it stands. */
    if (model_save(m, o->model, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        return 1;
    }
    char where[96];
    snprintf(where, sizeof where, "at epoch %u, step %zu of %zu", ep, done, all);
    return interrupted(o, m, where);
}

/* One epoch: steps, validation, save, history, the epoch line. 0 to go
 * on, else the exit status (said). */
static int one_epoch(const train_opts *o, train_job *j, step_ctx *sc, int *warned_dead)
{
    model_t *m = &j->m;
    const train_config *cfg = &m->cfg;
    double loss, val;
    sm_err e;
    int rc = steps(o, j, sc, &loss);
    if (rc != 0)
        return rc;
    if (session_close(&j->s, loss, &val, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        return 1;
    }
    if (j->s.t.dead && !o->quiet && !*warned_dead) {
        cli_error(cmd, "warning: after epoch %u every validation embedding is zero: the "
                  "network has died (every ReLU outputs 0) and cannot learn any more; this "
                  "usually comes from too large a step (--lr %g, --rho %g): try the "
                  "defaults", m->epoch, cfg->lr, cfg->rho);
        *warned_dead = 1;
    }
    if (o->history && (record_write_history(o->history, m, j->s.secs, &e) != 0 ||
                       record_write_curve(j->curve, m, &e) != 0)) {
        cli_error(cmd, "%s", e.msg);
        return 1;
    }
    if (!o->quiet) {
        size_t all = session_steps_per_epoch(&j->s);
        printf("Epoch %u/%u  %zu/%zu  %.1fs  loss: %.4f - val_loss: %.4f\n", m->epoch,
               cfg->epochs, all, all, j->s.secs[m->epoch - 1], loss, val);
        if (stdout_failed(o->model, m->epoch))
            return 1;
    }
    if (o->verbose)
        fprintf(stderr, "saved %s (epoch %u)\n", o->model, m->epoch);
    if (guard_stop_signal() && m->epoch < cfg->epochs) {
        char where[64];
        snprintf(where, sizeof where, "after epoch %u", m->epoch);
        return interrupted(o, m, where);
    }
    return 0;
}

/* What --verbose says before the first epoch. */
static void tell_setup(const train_opts *o, const train_job *j)
{
    const train_config *cfg = &j->m.cfg;
    fprintf(stderr, "data: %s (loaded in %.2f s)\n", j->dir, j->t_load);
    fprintf(stderr, "threads: %ld (each step's rows, then its parameters, are split "
            "between them); kernels: %s; seed %llu; batch %u; lr %g; rho %g; margin %g; "
            "dropout %g\n", o->threads, kernels_names[j->s.t.kernels],
            (unsigned long long)cfg->seed, cfg->batch, cfg->lr, cfg->rho, cfg->margin,
            cfg->dropout);
    if (o->resume)
        fprintf(stderr, "resuming %s at epoch %u of %u\n", o->model, j->m.epoch + 1,
                cfg->epochs);
}

/* The complete run stores the threshold it suggests. 0 or 1 (said). */
static int finish(const train_opts *o, train_job *j)
{
    sm_err e;
    model_t *m = &j->m;
    /* Without labels, the augmented validation pairs (a training pair's
     * positive sides are one image before augmentation). */
    int aug = m->cfg.pairs == PAIRS_AUGMENT;
    if (record_suggest_threshold(m, aug ? j->s.val_split : &j->ds.train,
                                 aug ? j->s.val : &j->s.train, (int)o->threads,
                                 (kernels_path)o->kernels, &e) != 0 ||
        model_save(m, o->model, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        return 1;
    }
    if (o->verbose)
        fprintf(stderr, "suggested threshold %.4f (best accuracy on the training pairs), saved "
                "in %s\n", m->threshold, o->model);
    return 0;
}

int train_loop(const train_opts *o, train_job *j)
{
    model_t *m = &j->m;
    if (o->history)
        record_read_seconds(o->history, j->s.secs, m->epoch);
    /* From here (before "Train on" is printed) a signal lets the current
     * step finish and the model be saved; a second one leaves at once,
     * without touching the model file. Before, it ends the run at once. */
    guard_defer_signals("\nsiamese train: interrupted again: stopped at once; the model file "
                        "is as it was\n");
    if (o->verbose)
        tell_setup(o, j);
    int rc = 0;
    if (!o->quiet) {
        printf("Train on %zu pairs, validate on %zu pairs\n", j->s.train.n, j->s.test.n);
        if (m->cfg.pairs == PAIRS_AUGMENT) {
            char list[128];
            augment_format(&m->cfg.augment, list, sizeof list);
            printf("Pairs of augmented images (%s): no labels are used\n", list);
        }
        rc = stdout_failed(o->model, o->resume ? m->epoch : 0);
    }
    step_ctx sc = {.live = !o->quiet && progress_live(stderr)};
    int warned_dead = 0;
    while (rc == 0 && m->epoch < m->cfg.epochs)
        rc = one_epoch(o, j, &sc, &warned_dead);
    session_drop_trainer(&j->s);
    if (rc == 0 && m->epoch == m->cfg.epochs)
        rc = finish(o, j);
    return rc;
}
