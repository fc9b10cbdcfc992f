/* opts.c - checked parsing of option values, and the few helpers every
 * command shares (the error line, clock, CPU count). */
#include "cli.h"
#include "embed.h"
#include "err.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The message is made one line by sm_line (err.h): a file name with a
 * newline or a bad file's raw bytes cannot split it or drive the terminal.
 * Nothing is cut: the buffer is sized for the escaped text (at most four
 * bytes per byte), so a resume hint stays whole for copying. */
void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = sm_vformat(fmt, ap);
    va_end(ap);
    size_t cap = text ? 4 * strlen(text) + 1 : 0;
    char *line = text ? malloc(cap) : NULL;
    if (line) {
        sm_line(line, cap, text);
        fprintf(stderr, "siamese %s: %s\n", cmd, line);
    } else { /* out of memory: the part that fits a fixed buffer */
        char buf[4096], small[4096];
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        sm_line(small, sizeof small, buf);
        fprintf(stderr, "siamese %s: %s\n", cmd, small);
    }
    free(line);
    free(text);
}

int opt_long(const char *cmd, const char *opt, const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*s == 0 || *end != 0 || errno == ERANGE || v < min || v > max) {
        cli_error(cmd, "--%s: expected a whole number from %ld to %ld, found '%s'", opt, min, max,
                  s);
        return -1;
    }
    *out = v;
    return 0;
}

int opt_u64(const char *cmd, const char *opt, const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s < '0' || *s > '9' || *end != 0 || errno == ERANGE) {
        cli_error(cmd, "--%s: expected a whole number from 0 to %llu, found '%s'", opt,
                  (unsigned long long)UINT64_MAX, s);
        return -1;
    }
    *out = v;
    return 0;
}

int opt_float(const char *cmd, const char *opt, const char *s, double min, double max,
              int bounds, float *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    /* Checked as the float it will be, against the limits as floats: the
     * documented "0.99" is 0.99000001 as a float, above the double 0.99,
     * and must still pass; 1e-50 must not pass "> 0" as a double and then
     * become 0 (or a subnormal) as a float; 0.99999999 must not pass
     * "< 1" and then become 1. */
    float f = (float)v, lo = (float)min, hi = (float)max;
    int min_ok = bounds & OPT_FROM_MIN ? f >= lo : f > lo;
    int max_ok = bounds & OPT_BELOW_MAX ? f < hi : f <= hi;
    int bad = *s == 0 || *end != 0 || errno == ERANGE || !isfinite(f) || !min_ok || !max_ok ||
              (f != 0.0f && fpclassify(f) == FP_SUBNORMAL);
    if (bad) {
        cli_error(cmd, "--%s: expected a number %s %g and %s %g, found '%s'", opt,
                  bounds & OPT_FROM_MIN ? "from" : "above", min,
                  bounds & OPT_BELOW_MAX ? "below" : "at most", max, s);
        return -1;
    }
    *out = f;
    return 0;
}

int opt_choice(const char *cmd, const char *opt, const char *s, const char *const *choices,
               int *out)
{
    char list[256] = "";
    for (int i = 0; choices[i]; i++) {
        if (strcmp(s, choices[i]) == 0) {
            *out = i;
            return 0;
        }
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                 choices[i]);
    }
    cli_error(cmd, "--%s: expected one of %s, found '%s'", opt, list, s);
    return -1;
}

void opt_report(const char *cmd, int c, int optopt_value, char **argv)
{
    const char *arg = argv[optind - 1];
    if (c == ':')
        cli_error(cmd, "option '%s' needs a value", arg);
    else if (optopt_value && strncmp(arg, "--", 2) != 0)
        cli_error(cmd, "unknown option '-%c'", optopt_value);
    else
        cli_error(cmd, "unknown option '%s'", arg);
}

int cli_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (int)n;
}

int opt_size_fits(const char *cmd, const char *opt, const char *given, unsigned long w,
                  unsigned long h, int channels)
{
    /* Sides beyond IMAGE_MAX_SIDE are beyond the limit too; their
     * product is not counted (it could overflow). */
    int counted = w <= IMAGE_MAX_SIDE && h <= IMAGE_MAX_SIDE;
    unsigned long long in = counted ? (unsigned long long)w * h * (unsigned)channels : 0;
    if (counted && in <= MODEL_MAX_INPUT)
        return 0;
    char spelled[64], count[64] = "";
    if (!given)
        snprintf(spelled, sizeof spelled, "%lux%lu", w, h);
    if (counted)
        snprintf(count, sizeof count, ": %llu inputs", in);
    int grey = model_max_side(1), colour = model_max_side(3);
    cli_error(cmd, "--%s: expected at most %d inputs (W x H grey, 3 x W x H with --rgb; the "
              "largest squares are %dx%d and %dx%d with --rgb), found '%s'%s%s", opt,
              MODEL_MAX_INPUT, grey, grey, colour, colour, given ? given : spelled,
              channels == 3 ? " with --rgb" : "", count);
    return -1;
}

int opt_size(const char *cmd, const char *opt, const char *s, int *w, int *h)
{
    unsigned long a = 0, b = 0;
    char *end;
    int ok = *s >= '1' && *s <= '9';
    if (ok) {
        errno = 0;
        a = strtoul(s, &end, 10);
        ok = errno == 0 && (*end == 'x' || *end == 'X') && end[1] >= '1' && end[1] <= '9';
        if (ok) {
            b = strtoul(end + 1, &end, 10);
            ok = errno == 0 && *end == 0;
        }
    }
    if (!ok) {
        cli_error(cmd, "--%s: expected WIDTHxHEIGHT in pixels, e.g. 28x28, found '%s'", opt, s);
        return -1;
    }
    if (opt_size_fits(cmd, opt, s, a, b, 1) != 0)
        return -1;
    *w = (int)a;
    *h = (int)b;
    return 0;
}

int opt_layers(const char *cmd, const char *opt, const char *s, net_shape *out)
{
    net_shape n;
    sm_err e;
    if (net_parse_layers(s, &n, &e) != 0) {
        cli_error(cmd, "--%s: expected 1 to %d items separated by commas, each a width of 1..%d, "
                  "conv<N> of 1..%d channels, pool or gap, with conv, pool and gap first (e.g. "
                  "128,128,128 or conv32,pool,conv64,gap,128), found '%s': %s", opt,
                  NET_MAX_LAYERS, NET_MAX_WIDTH, NET_MAX_CHANNELS, s, e.msg);
        return -1;
    }
    *out = n;
    return 0;
}

int opt_features(const char *cmd, const char *opt, const char *s, void *out)
{
    int K;
    sm_err e;
    if (embed_feat_parse(s, &K, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        return -1;
    }
    (void)opt;
    *(const char **)out = s;
    return 0;
}
