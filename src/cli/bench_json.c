/* bench_json.c - `siamese bench --json`: the view as one JSON object
 * (bench_print.h), formatting only: every number is the view's, or a rate,
 * ratio or floor divided out of them as bench_text.c does. Each key names
 * its unit (_s seconds, _ms milliseconds, gflop 1e9 operations, gflops 1e9
 * operations per second, _mb 2^20 bytes). A measurement not made is null,
 * and "skipped" says why for each one (null where it was made). */
#include "bench_print.h"

#include <math.h>

#include "gemm.h"
#include "head.h"
#include "json.h"

/* `"key": v`, v a number or null. */
static void key_num(FILE *out, const char *key, double v)
{
    fprintf(out, "\"%s\": ", key);
    json_number(out, v);
}

/* `"key": "s"`, or null when s is NULL. */
static void key_str(FILE *out, const char *key, const char *s)
{
    fprintf(out, "\"%s\": ", key);
    if (s)
        json_string(out, s);
    else
        fputs("null", out);
}

/* "paths": {"avx512": {...}, "openblas": {...}}: each path's time of one
 * unit (`unit`: "epoch_s" or "step_ms", scale 1 or 1e3), its rate of
 * flops and its ratio to the floor floor_s. OpenBLAS once when it is the
 * path chosen. */
static void json_paths(const bench_view *v, FILE *out, const char *unit, double scale,
                       double s, double blas_s, double flops, double floor_s)
{
    const int blas_too = v->b->kernels != KERNELS_OPENBLAS;
    const double secs[2] = {s, blas_s};
    const char *names[2] = {kernels_names[v->b->kernels], kernels_names[KERNELS_OPENBLAS]};
    fprintf(out, "\"paths\": {");
    for (int i = 0; i < 1 + blas_too; i++) {
        fprintf(out, "%s\n      ", i ? "," : "");
        json_string(out, names[i]);
        fprintf(out, ": {");
        key_num(out, unit, scale * secs[i]);
        fprintf(out, ", ");
        key_num(out, "gflops", flops / secs[i] * 1e-9);
        fprintf(out, ", ");
        key_num(out, "ratio_to_floor", secs[i] / floor_s);
        fprintf(out, "}");
    }
    fprintf(out, "\n    }");
}

/* "epoch" and "step": the physical floor, its operations, each path. */
static void json_training(const bench_view *v, FILE *out)
{
    const timings *t = v->t;
    fprintf(out, "  \"epoch\": ");
    if (v->set_steps) {
        fprintf(out, "null,\n");
    } else {
        const double floor_s = t->epoch_flops / t->peak;
        fprintf(out, "{\n    ");
        key_num(out, "floor_s", floor_s);
        fprintf(out, ",\n    ");
        key_num(out, "gflop", t->epoch_flops * 1e-9);
        fprintf(out, ",\n    ");
        json_paths(v, out, "epoch_s", 1, t->epoch_s, t->blas_epoch_s, t->epoch_flops, floor_s);
        fprintf(out, "\n  },\n");
    }
    fprintf(out, "  \"step\": ");
    if (!v->set_steps && !v->set_layers) {
        fprintf(out, "null,\n");
        return;
    }
    const double floor_s = t->step_flops / t->peak;
    const size_t n = (v->b->train->n + t->batch - 1) / t->batch; /* an epoch's steps */
    fprintf(out, "{\n    ");
    key_num(out, "floor_ms", 1e3 * floor_s);
    fprintf(out, ",\n    ");
    key_num(out, "gflop", t->step_flops * 1e-9);
    fprintf(out, ",\n    \"steps_timed_per_path\": %zu,\n    \"after_untimed_step\": %s,\n    ",
            t->steps_timed, v->set_steps ? "true" : "false");
    json_paths(v, out, "step_ms", 1e3, t->step_s, t->blas_step_s, t->step_flops, floor_s);
    fprintf(out, ",\n    ");
    key_num(out, "epoch_steps", v->set_steps ? (double)n : NAN);
    fprintf(out, ",\n    ");
    key_num(out, "epoch_at_median_step_s", v->set_steps ? (double)n * t->step_s : NAN);
    fprintf(out, "\n  },\n");
}

/* The BLAS floor, eval, embedding, inspection, the folders' load: each an
 * object, or null. */
static void json_rest(const bench_view *v, FILE *out)
{
    const timings *t = v->t;
    const dataset_t *ds = v->b->ds;
    const int data_too = !v->set_steps; /* eval, embedding and inspection timed */
    fprintf(out, "  \"blas_floor\": ");
    if (t->has_floor) {
        fprintf(out, "{");
        key_num(out, "s", t->floor_s);
        fprintf(out, ", ");
        key_num(out, "gflops", t->floor_flops / t->floor_s * 1e-9);
        fprintf(out, ", ");
        key_num(out, "gflop", t->floor_flops * 1e-9);
        fprintf(out, "},\n");
    } else {
        fprintf(out, "null,\n");
    }
    if (data_too) {
        fprintf(out, "  \"eval\": {\"test_pairs\": %zu, ", v->b->test->n);
        key_num(out, "s", t->eval_s);
        fprintf(out, "},\n  \"embed\": {\"images\": %zu, ", ds->train.n);
        key_num(out, "s", t->embed_s);
        fprintf(out, ", ");
        key_num(out, "images_per_s", (double)ds->train.n / t->embed_s);
        fprintf(out, "},\n  \"inspect\": {\"test_images\": %zu, \"references\": %zu, ",
                ds->test.n, t->refs);
        key_num(out, "centroid_s", t->centroid_s);
        fprintf(out, ", ");
        key_num(out, "knn_10_s", t->knn_s);
        fprintf(out, "},\n");
    } else {
        fprintf(out, "  \"eval\": null,\n  \"embed\": null,\n  \"inspect\": null,\n");
    }
    fprintf(out, "  \"folders_load\": ");
    if (v->folders) {
        fprintf(out, "{");
        key_str(out, "folder", v->folders);
        fprintf(out, ", ");
        key_num(out, "s", v->folders_s);
        fprintf(out, "},\n");
    } else {
        fprintf(out, "null,\n");
    }
}

/* "skipped": for each measurement that may be null, why it is (null
 * where it was made), on the conditions the other keys are printed on. */
static void json_skipped(const bench_view *v, FILE *out)
{
    const char *steps = "--steps: steps timed instead of whole epochs, and nothing that "
                        "scales with the data";
    const char *floor = NULL;
    if (!v->t->has_floor)
        floor = v->set_layers && !timings_has_blas_floor(v->shape)
                    ? (net_is_spatial(v->shape)
                           ? "it times the SGEMM calls of three dense layers of one width, "
                             "and a conv net's products are others"
                           : "it times the SGEMM calls of three dense layers of one width, "
                             "which this network is not")
                    : "--steps: it times a whole epoch's SGEMM calls";
    const char *data = v->set_steps ? steps : NULL;
    fprintf(out, "  \"skipped\": {\n    ");
    key_str(out, "epoch", data);
    fprintf(out, ",\n    ");
    key_str(out, "step", v->set_steps || v->set_layers
                             ? NULL
                             : "the notebook's network: steps are shown with --layers or "
                               "--steps");
    fprintf(out, ",\n    ");
    key_str(out, "blas_floor", floor);
    const char *names[3] = {"eval", "embed", "inspect"};
    for (int i = 0; i < 3; i++) {
        fprintf(out, ",\n    ");
        key_str(out, names[i], data);
    }
    fprintf(out, ",\n    ");
    key_str(out, "folders_load", v->folders ? NULL : "no --folders");
    fprintf(out, "\n  }\n");
}

void bench_print_json(const bench_view *v, FILE *out)
{
    const timings_setup *b = v->b;
    const timings *t = v->t;
    const layer_dims in = net_input_dims(v->shape);
    fprintf(out, "{\n  \"threads\": %ld,\n  \"cores\": %d,\n  \"openblas_threads\": %d,\n  ",
            v->threads, v->cores, b->blas_threads);
    key_str(out, "openblas_core", v->blas_core);
    fprintf(out, ",\n  ");
    key_str(out, "openblas_warning", v->warning);
    fprintf(out, ",\n  \"kernels\": \"%s\",\n  \"distance\": \"%s\",\n  ",
            kernels_names[b->kernels], head_names[b->head]);
    key_str(out, "network", v->network);
    fprintf(out, ",\n  \"layers_given\": %s,\n", v->set_layers ? "true" : "false");
    fprintf(out, "  \"input\": {\"channels\": %d, \"height\": %d, \"width\": %d},\n", in.c, in.h,
            in.w);
    fprintf(out, "  \"parameters\": %zu,\n  \"train_pairs\": %zu,\n  \"test_pairs\": %zu,\n",
            net_param_count(v->shape), b->train->n, b->test->n);
    fprintf(out, "  \"batch\": %u,\n  \"medians_of\": %d,\n  ", t->batch, TIMINGS_REPEATS);
    key_num(out, "data_load_s", v->load_s);
    fprintf(out, ",\n  ");
    key_num(out, "fma_peak_gflops", t->peak * 1e-9);
    fprintf(out, ",\n  \"fma_peak_kernels\": \"%s\",\n", kernels_names[v->peak_path]);
    json_training(v, out);
    json_rest(v, out);
    fprintf(out, "  \"peak_rss_mb\": %ld,\n", v->max_rss_kb / 1024);
    json_skipped(v, out);
    fprintf(out, "}\n");
}
