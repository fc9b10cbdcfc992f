/* progress.c - see progress.h. */
#include "progress.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"

/* The bar's width when there is room; below MIN_BAR it is left out. */
enum { BAR = 24, MIN_BAR = 8 };

int progress_live(FILE *out)
{
    const char *term = getenv("TERM");
    return isatty(fileno(out)) && term && *term && strcmp(term, "dumb") != 0;
}

int progress_columns(FILE *out)
{
    struct winsize ws;
    if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    const char *env = getenv("COLUMNS");
    char *end;
    long c = env ? strtol(env, &end, 10) : 0;
    if (env && *env && *end == 0 && c > 0 && c <= 100000)
        return (int)c;
    return 80;
}

static void clock_str(char *buf, size_t n, double s)
{
    long t = (long)(s + 0.5);
    snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

/* Appends s to line [n] at k, cut at n - 1 characters; the new length. */
static size_t append(char *line, size_t n, size_t k, const char *s)
{
    while (*s && k + 1 < n)
        line[k++] = *s++;
    line[k] = 0;
    return k;
}

/* The line for `cols` columns, at most cols - 1 characters (writing the
 * last column makes some terminals wrap at once):
 *   head [bar]  times  loss
 * with the bar shortened to fit, then left out, then the times, then the
 * loss, and at last the head cut. No bar when steps is 0 (no count). */
static void format_line(char *line, size_t n, int cols, const char *head, const char *times,
                        const char *loss, size_t step, size_t steps)
{
    size_t max = cols > 1 ? (size_t)cols - 1 : 1;
    if (max >= n)
        max = n - 1;
    size_t lh = strlen(head), lt = strlen(times), ll = strlen(loss), k = 0;
    size_t fixed = lh + 2 + 1 + lt + ll; /* " [" + "]" */
    char bar[BAR + 1];
    const char *parts[6] = {head, "", "", "", times, loss}; /* those to draw */
    if (steps && fixed + MIN_BAR <= max) {
        size_t w = max - fixed < BAR ? max - fixed : BAR;
        size_t fill = step < steps ? step * w / steps : w;
        for (size_t i = 0; i < w; i++)
            bar[i] = i < fill ? '=' : i == fill ? '>' : '.';
        bar[w] = 0;
        parts[1] = " [";
        parts[2] = bar;
        parts[3] = "]";
    } else if (lh + lt + ll > max) {
        parts[4] = "";
        if (lh + ll > max) { /* the head alone, cut */
            parts[5] = "";
            n = max + 1;
        }
    }
    line[0] = 0;
    for (int i = 0; i < 6; i++)
        k = append(line, n, k, parts[i]);
}

void progress_start(progress_bar *p, FILE *out, unsigned epoch, unsigned epochs)
{
    p->out = out;
    p->epoch = epoch;
    p->epochs = epochs;
    p->start = sm_now();
    p->last_draw = 0;
    p->first = 0;
    p->started = 0;
}

/* Draws head, bar, times and loss in place, fitted to the width (read at
 * every draw: a resized window is followed). */
static void draw(progress_bar *p, const char *head, const char *times, const char *loss,
                 size_t step, size_t steps)
{
    char line[512];
    format_line(line, sizeof line, progress_columns(p->out), head, times, loss, step, steps);
    fprintf(p->out, "\r%s\033[K", line);
    fflush(p->out);
}

void progress_update(progress_bar *p, size_t step, size_t steps, double loss)
{
    double t = sm_now();
    if (!p->started) { /* a resumed epoch starts past step 0 */
        p->started = 1;
        p->first = step ? step - 1 : 0;
    }
    if (step < steps && t - p->last_draw < 0.1)
        return;
    p->last_draw = t;
    size_t done = step - p->first;
    double el = t - p->start, eta = done ? el * (double)(steps - step) / (double)done : 0;
    char a[48], b[48], head[96], times[112], lossbuf[64];
    clock_str(a, sizeof a, el);
    clock_str(b, sizeof b, eta);
    snprintf(head, sizeof head, "Epoch %u/%u  %zu/%zu", p->epoch, p->epochs, step, steps);
    snprintf(times, sizeof times, "  %s < %s", a, b);
    snprintf(lossbuf, sizeof lossbuf, "  loss: %.4f", loss);
    draw(p, head, times, lossbuf, step, steps);
}

void progress_status(progress_bar *p, const char *head, size_t step, size_t steps, int force)
{
    double t = sm_now();
    if (!force && t - p->last_draw < 0.1)
        return;
    p->last_draw = t;
    char el[48], times[64], full[160];
    clock_str(el, sizeof el, t - p->start);
    snprintf(times, sizeof times, "  %s", el);
    if (steps)
        snprintf(full, sizeof full, "%s  %zu/%zu", head, step, steps);
    else
        snprintf(full, sizeof full, "%s", head);
    draw(p, full, times, "", step, steps);
}

void progress_clear(progress_bar *p)
{
    fprintf(p->out, "\r\033[K");
    fflush(p->out);
}
