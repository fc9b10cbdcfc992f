/* session.c - a training run epoch by epoch (session.h). */
#include "session.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "model_file.h"
#include "seeds.h"

int session_start(train_session *s, model_t *m, const dataset_t *ds, const char *path,
                  int threads, kernels_path k, sm_err *e)
{
    memset(s, 0, sizeof *s);
    s->m = m;
    s->ds = ds;
    s->path = path;
    if (seeds_pairs_for_model(ds, &m->cfg, &s->train, &s->test, e) != 0)
        return -1;
    s->val_split = &ds->test;
    s->val = &s->test;
    if (m->cfg.pairs == PAIRS_AUGMENT) {
        if (seeds_val_augmented(&ds->test, &s->test, &m->cfg, &s->val_aug, &s->val_pairs,
                                e) != 0)
            return -1;
        s->val_split = &s->val_aug;
        s->val = &s->val_pairs;
    }
    s->secs = malloc(((size_t)m->cfg.epochs + 1) * sizeof *s->secs);
    if (!s->secs)
        return sm_fail(e, "out of memory");
    for (uint32_t i = 0; i <= m->cfg.epochs; i++)
        s->secs[i] = NAN;
    if (trainer_init(&s->t, m, &ds->train, &s->train, threads, k, e) != 0)
        return -1;
    s->trainer_live = 1;
    return 0;
}

size_t session_steps_per_epoch(const train_session *s)
{
    return trainer_steps(&s->t);
}

int session_steps(train_session *s, train_progress_fn progress, void *ctx, double *loss,
                  size_t *done, sm_err *e)
{
    s->start = sm_now();
    return trainer_epoch(&s->t, s->m, progress, ctx, loss, done, e);
}

int session_close(train_session *s, double loss, double *val, sm_err *e)
{
    model_t *m = s->m;
    if (trainer_mean_loss(&s->t, m, s->val_split, s->val, val, e) != 0 ||
        model_add_epoch(m, (float)loss, (float)*val, e) != 0 || model_save(m, s->path, e) != 0)
        return -1;
    s->secs[m->epoch - 1] = sm_now() - s->start;
    return 0;
}

void session_drop_trainer(train_session *s)
{
    if (s->trainer_live)
        trainer_free(&s->t);
    s->trainer_live = 0;
}

void session_free(train_session *s)
{
    session_drop_trainer(s);
    free(s->secs);
    s->secs = NULL;
    pairs_free(&s->train);
    pairs_free(&s->test);
    split_free(&s->val_aug);
    pairs_free(&s->val_pairs);
}
