/* opts.c - checked parsing of option values, and the few helpers every
 * command shares (clock, CPU count, data loading with its error line). */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "siamese %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
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
              int min_inclusive, float *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    /* Checked as the float it will be: 1e-50 must not pass "> 0" as a
     * double and then become 0 (or a subnormal) as a float. */
    float f = (float)v;
    int bad = *s == 0 || *end != 0 || errno == ERANGE || !isfinite(f) || f > max ||
              (min_inclusive ? f < min : f <= min) ||
              (f != 0.0f && fpclassify(f) == FP_SUBNORMAL);
    if (bad) {
        cli_error(cmd, "--%s: expected a number %s %g and at most %g, found '%s'", opt,
                  min_inclusive ? "from" : "above", min, max, s);
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

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int cli_load_data(const char *cmd, const char *opt, const data_options *o, char *dir,
                  size_t dirlen, dataset_t *ds)
{
    sm_err e;
    if (dataset_find_dir(opt, dir, dirlen, &e) != 0 || dataset_open(dir, o, ds, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        return -1;
    }
    cli_data_note(cmd, dir, ds);
    return 0;
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
            ok = errno == 0 && *end == 0 && a <= IMAGE_MAX_SIDE && b <= IMAGE_MAX_SIDE &&
                 a * b <= MODEL_MAX_INPUT;
        }
    }
    if (!ok) {
        cli_error(cmd, "--%s: expected WIDTHxHEIGHT in pixels, e.g. 28x28, at most %d pixels "
                  "in all, found '%s'", opt, MODEL_MAX_INPUT, s);
        return -1;
    }
    *w = (int)a;
    *h = (int)b;
    return 0;
}
