/* train_cli.h - the parts of `siamese train` (cmd_train.c, the command's
 * row and body): train_open.c opens the run (--resume's checks, the
 * model file's lock, the data, the session) and train_loop.c drives its
 * epochs and says what happened. Only these three files include it. */
#ifndef SIAMESE_TRAIN_CLI_H
#define SIAMESE_TRAIN_CLI_H

#include <stdint.h>

#include "cli.h"
#include "dataset.h"
#include "file_lock.h"
#include "model.h"
#include "session.h"

/* The options as parsed; `set_*` records which the user passed. */
typedef struct {
    train_config cfg;              /* lr, rho, margin, dropout, seed; the rest below */
    long epochs, batch, subset;    /* --epochs, --batch, --train-pairs (into cfg) */
    int set_lr, set_rho, set_margin, set_dropout, set_seed, set_batch, set_subset;
    int set_epochs, set_threads;
    int kernels, set_kernels;      /* --kernels: a kernels_path */
    long threads;                  /* --threads; 0 until settled: all cores */
    int size[2];                   /* --size W x H, 0 = keep */
    int head, set_head;            /* --distance */
    net_shape layers;              /* --layers (in is set from the data) */
    int set_layers;
    const char *data, *model, *history;
    int resume, quiet, verbose;
    int rgb;                       /* --rgb: keep three channels */
    int pairs, set_pairs;          /* --pairs: PAIRS_LABELS or PAIRS_AUGMENT */
    augment_spec augment;          /* --augment (into cfg with --pairs augment) */
    int set_augment;
} train_opts;

/* One run: what is open, released by train_close whatever happened. */
typedef struct {
    model_t m;
    dataset_t ds;
    char dir[4096];    /* where the data was found */
    double t_load;     /* seconds to load it */
    file_lock lock;    /* FILE.lock beside the model */
    train_session s;   /* the pairs, trainer and epoch times */
    int has_session;
    char curve[4096 + 8]; /* --history's PNG, "" without --history */
} train_job;

/* train_open's answer when a resumed model needs nothing more (exit 0). */
#define TRAIN_NOTHING_TO_DO (-1)

/* Opens the run of o into j (zeroed by the caller, j->lock
 * FILE_LOCK_NONE): the resumed model or a new one, the lock, the data,
 * the session. 0 to train; TRAIN_NOTHING_TO_DO; or an exit status after
 * the message. */
int train_open(train_opts *o, train_job *j);

/* Runs the epochs still to do, saving after each, then stores the
 * threshold the complete run suggests. Returns the exit status: 0, 1 on
 * an error, 130 when a signal stopped it (the model saved, the command
 * that continues it printed). */
int train_loop(const train_opts *o, train_job *j);

/* Releases everything train_open opened. */
void train_close(train_job *j);

#endif
