/* progress.c - see progress.h. */
#include "progress.h"

#include "cli.h"


static void clock_str(char *buf, size_t n, double s)
{
    long t = (long)(s + 0.5);
    snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

void progress_start(progress_bar *p, FILE *out, unsigned epoch, unsigned epochs)
{
    p->out = out;
    p->epoch = epoch;
    p->epochs = epochs;
    p->start = cli_now();
    p->last_draw = 0;
    p->first = 0;
    p->started = 0;
}

void progress_update(progress_bar *p, size_t step, size_t steps, double loss)
{
    double t = cli_now();
    if (!p->started) { /* a resumed epoch starts past step 0 */
        p->started = 1;
        p->first = step ? step - 1 : 0;
    }
    if (step < steps && t - p->last_draw < 0.1)
        return;
    p->last_draw = t;
    enum { WIDTH = 24 };
    char bar[WIDTH + 1];
    size_t fill = steps ? step * WIDTH / steps : WIDTH;
    for (size_t i = 0; i < WIDTH; i++)
        bar[i] = i < fill ? '=' : i == fill ? '>' : '.';
    bar[WIDTH] = 0;
    size_t done = step - p->first;
    double el = t - p->start, eta = done ? el * (double)(steps - step) / (double)done : 0;
    char a[48], b[48];
    clock_str(a, sizeof a, el);
    clock_str(b, sizeof b, eta);
    fprintf(p->out, "\rEpoch %u/%u  %zu/%zu [%s]  %s < %s  loss: %.4f\033[K", p->epoch, p->epochs,
            step, steps, bar, a, b, loss);
    fflush(p->out);
}

void progress_clear(progress_bar *p)
{
    fprintf(p->out, "\r\033[K");
    fflush(p->out);
}
