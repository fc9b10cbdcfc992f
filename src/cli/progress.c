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

/* The line for `cols` columns, at most cols - 1 characters (writing the
 * last column makes some terminals wrap at once):
 *   head [bar]  times  loss
 * with the bar shortened to fit, then left out, then the times, then the
 * loss, and at last the head cut. */
static void format_line(char *line, size_t n, int cols, const char *head, const char *times,
                        const char *loss, size_t step, size_t steps)
{
    size_t max = cols > 1 ? (size_t)cols - 1 : 1;
    if (max >= n)
        max = n - 1;
    size_t lh = strlen(head), lt = strlen(times), ll = strlen(loss);
    size_t fixed = lh + 2 + 1 + lt + ll; /* " [" + "]" */
    if (fixed + MIN_BAR <= max) {
        size_t w = max - fixed < BAR ? max - fixed : BAR;
        char bar[BAR + 1];
        size_t fill = steps ? step * w / steps : w;
        for (size_t i = 0; i < w; i++)
            bar[i] = i < fill ? '=' : i == fill ? '>' : '.';
        bar[w] = 0;
        snprintf(line, n, "%s [%s]%s%s", head, bar, times, loss);
    } else if (lh + lt + ll <= max) {
        snprintf(line, n, "%s%s%s", head, times, loss);
    } else if (lh + ll <= max) {
        snprintf(line, n, "%s%s", head, loss);
    } else {
        snprintf(line, n, "%.*s", (int)max, head);
    }
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
    char a[48], b[48], head[96], times[112], lossbuf[64], line[512];
    clock_str(a, sizeof a, el);
    clock_str(b, sizeof b, eta);
    snprintf(head, sizeof head, "Epoch %u/%u  %zu/%zu", p->epoch, p->epochs, step, steps);
    snprintf(times, sizeof times, "  %s < %s", a, b);
    snprintf(lossbuf, sizeof lossbuf, "  loss: %.4f", loss);
    /* The width is read at every draw: a resized window is followed. */
    format_line(line, sizeof line, progress_columns(p->out), head, times, lossbuf, step, steps);
    fprintf(p->out, "\r%s\033[K", line);
    fflush(p->out);
}

void progress_clear(progress_bar *p)
{
    fprintf(p->out, "\r\033[K");
    fflush(p->out);
}
