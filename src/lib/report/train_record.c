/* train_record.c - the history CSV, the loss curve and the suggested
 * threshold of a training run (train_record.h). */
#include "train_record.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "canvas.h"
#include "embed.h"
#include "metrics.h"
#include "plot.h"

void record_read_seconds(const char *path, double *secs, uint32_t n)
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

int record_write_history(const char *path, const model_t *m, const double *secs, sm_err *e)
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

void record_curve_path(const char *history, char *out, size_t n)
{
    size_t len = strlen(history);
    if (len > 4 && strcmp(history + len - 4, ".csv") == 0)
        snprintf(out, n, "%.*s.png", (int)(len - 4), history);
    else
        snprintf(out, n, "%s.png", history);
}

int record_write_curve(const char *path, const model_t *m, sm_err *e)
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

int record_suggest_threshold(model_t *m, const split_t *s, const pairs_t *tr, int threads,
                             kernels_path k, sm_err *e)
{
    float *d = malloc((tr->n + 1) * sizeof *d);
    if (!d)
        return sm_fail(e, "out of memory for %zu distances", tr->n);
    double acc;
    int rc = distances_for_pairs(d, m, s, tr, threads, k, NULL, e);
    if (rc == 0)
        rc = best_threshold(d, tr->same, tr->n, &m->threshold, &acc, e);
    free(d);
    return rc;
}
