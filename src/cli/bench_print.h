/* bench_print.h - the words of `siamese bench`: pure formatters over what
 * it measured (timings.h) and what the CLI timed around it, one file
 * each: the text table (bench_text.c) and one JSON object (bench_json.c,
 * --json). cmd_bench.c fills the view once; the formatters only divide
 * (rates, ratios, floors), the same way, so the numbers cannot differ
 * between the two. Meanwhile, on a terminal, the status line of what is
 * being measured (bench_status.c). */
#ifndef SIAMESE_BENCH_PRINT_H
#define SIAMESE_BENCH_PRINT_H

#include <stdio.h>

#include "net.h"
#include "progress.h"
#include "timings.h"

/* The --layers spec of the network measured, items and commas. */
#define BENCH_NETWORK_CHARS (NET_MAX_LAYERS * 16)

typedef struct {
    /* known before the measurements (the text's first lines) */
    long threads;          /* --threads */
    int cores;             /* the CPU count */
    const char *blas_core; /* the kernels OpenBLAS reports loaded */
    const char *warning;   /* why those kernels are slow on this CPU, or NULL */
    int set_layers;        /* --layers given: the step lines and the network line */
    int set_steps;         /* --steps given: steps, no epochs, eval, embedding, inspection */
    /* what was measured */
    const timings_setup *b;
    const timings *t;
    net_shape shape;                        /* the network measured (b->shape, or the
                                               notebook's it stands for) */
    char network[BENCH_NETWORK_CHARS];      /* its spec: "conv4,pool,16" */
    kernels_path peak_path;                 /* the FMA peak's path: b->kernels, the widest
                                               own one for openblas */
    double load_s;                          /* the median load of the IDX files */
    const char *folders;                    /* --folders, or NULL */
    double folders_s;                       /* the median load of those folders */
    long max_rss_kb;                        /* peak memory, after everything */
} bench_view;

/* The first lines, printed before the measurements: threads, OpenBLAS's
 * kernels, cores, and the warning when there is one. */
void bench_print_header(const bench_view *v, FILE *out);

/* The table after the measurements: each time, its rate, the ratios to
 * the floors, what was not measured and why. */
void bench_print_text(const bench_view *v, FILE *out);

/* Everything, header included, as one JSON object, each number with its
 * unit in its key. */
void bench_print_json(const bench_view *v, FILE *out);

/* The live status line on stderr while bench measures. Only when stderr
 * is a terminal (progress_live): elsewhere nothing is drawn and bench's
 * output is byte for byte what it is without it. Drawn between runs, and
 * in a training run from timings.c's step callback, whose time is left
 * out of the timed spans (timings.h); erased (bench_status_clear) before
 * anything else is printed. */
typedef struct {
    int live;  /* stderr can redraw a line */
    int drawn; /* a line is on the terminal */
    int steps; /* --steps: a run is steps, not an epoch */
    progress_bar bar;
} bench_status;

/* Starts the clock of the line (its time is since this call). */
void bench_status_start(bench_status *s, int steps);

/* "bench: what, run i/5": a run of what the CLI times itself (loads). */
void bench_status_run(bench_status *s, const char *what, int run);

/* timings_progress_fn, ctx a bench_status: where timings_measure is. */
void bench_status_progress(void *ctx, const timings_where *w);

/* Erases the line if one is drawn. */
void bench_status_clear(bench_status *s);

#endif
