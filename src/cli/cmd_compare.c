/* cmd_compare.c - `siamese compare A B`: the distance between two image
 * files under a trained model, and its verdict at a threshold. The images
 * are read the way the model reads them (input.h), embedded by the one
 * embedding call (embed.h) and compared by the model's distance head, the
 * one eval and show-pairs use (head.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "command.h"
#include "embed.h"
#include "head.h"
#include "input.h"
#include "json.h"
#include "model_file.h"

static const char *const cmd = "compare";

/* v with the fewest significant digits that read back as the same float
 * (what is printed is exactly what was compared), and at least its
 * integer digits (1000, not 1e+03). */
static void exact(char *out, size_t n, float v)
{
    int p0 = 1;
    for (float a = fabsf(v); a >= 10.0f && p0 < 9; a /= 10.0f)
        p0++;
    for (int p = p0; p <= 9; p++) {
        snprintf(out, n, "%.*g", p, v);
        if (strtof(out, NULL) == v)
            return;
    }
}

/* The two images [2, P], read separately so that a file that does not fit
 * is named against the model's size, not against the other file. */
static int load_pair(const model_t *m, char *const *paths, uint8_t **x, sm_err *e)
{
    const size_t P = (size_t)m->shape.in;
    uint8_t *one[2] = {NULL, NULL};
    int rc = 0;
    for (int k = 0; k < 2 && rc == 0; k++)
        rc = input_load_files(&m->input, &paths[k], 1, 1, &one[k], e);
    if (rc == 0 && !(*x = malloc(2 * P)))
        rc = sm_fail(e, "out of memory");
    if (rc == 0) {
        memcpy(*x, one[0], P);
        memcpy(*x + P, one[1], P);
    }
    free(one[0]);
    free(one[1]);
    return rc;
}

typedef struct {
    const char *model;
    float threshold;
    int threshold_set, json;
} compare_opts;

static void defaults(void *o)
{
    ((compare_opts *)o)->model = CLI_DEFAULT_MODEL;
}

static int run(void *opts, int argc, char **argv)
{
    const compare_opts *o = opts;
    if (argc != 2) {
        if (argc < 2)
            cli_error(cmd, "expected two image files A and B, found %d", argc);
        else
            cli_error(cmd, "unexpected argument '%s': expected two image files A and B",
                      argv[2]);
        return CLI_USAGE_ERROR;
    }
    const char *model_path = o->model;
    float threshold = o->threshold;
    int threshold_set = o->threshold_set, json = o->json;
    char *const *paths = argv;

    sm_err e;
    model_t m;
    if (cli_load_model(cmd, model_path, &m) != 0)
        return 1;
    threshold_from tf;
    threshold = cli_threshold(cmd, model_path, &m, threshold_set, threshold, &tf);
    const char *from = threshold_from_names[tf];
    const int H = net_out(m.shape);
    uint8_t *x = NULL;
    float *emb = malloc(2 * (size_t)H * sizeof *emb);
    int rc = 1;
    if (!emb) {
        cli_error(cmd, "out of memory");
        goto done;
    }
    if (load_pair(&m, paths, &x, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        goto done;
    }
    if (embed_images(emb, m.params, m.shape, x, 2, NULL, 1, model_kernels(&m), &e) != 0) {
        cli_error(cmd, "%s: %s", model_path, e.msg);
        goto done;
    }
    float d = head_distance(m.head, model_head_params(&m, m.params), emb, emb + H, H);
    if (!isfinite(d)) {
        cli_error(cmd, "%s: the %s distance of the two embeddings overflows float32 (%s); "
                  "the model's weights are too large", model_path, head_names[m.head],
                  isnan(d) ? "nan" : "inf");
        goto done;
    }
    int same = d < threshold;
    char ds[32], ts[32];
    exact(ds, sizeof ds, d);
    exact(ts, sizeof ts, threshold);
    if (json) {
        printf("{\"a\": ");
        json_string(stdout, paths[0]);
        printf(", \"b\": ");
        json_string(stdout, paths[1]);
        printf(", \"head\": \"%s\", \"distance\": %s, \"threshold\": %s, "
               "\"threshold_from\": \"%s\", \"same\": %s}\n", head_names[m.head], ds, ts, from,
               same ? "true" : "false");
    } else {
        /* Six decimals, unless rounding them would contradict the verdict
         * (a distance just under the threshold): then every digit. */
        char d6[32];
        snprintf(d6, sizeof d6, "%.6f", d);
        printf("distance %s  threshold %s  %s\n", (strtod(d6, NULL) < threshold) == same ? d6 : ds,
               ts, same ? "same" : "different");
    }
    rc = 0;
    if (fflush(stdout) != 0) {
        cli_error(cmd, "write error on standard output: %s", strerror(errno));
        rc = 1;
    }
done:
    free(x);
    free(emb);
    model_free(&m);
    return rc;
}

static const opt_spec options[] = {
    OPT_MODEL(compare_opts, model, "model file (default {model})"),
    OPT_THRESHOLD(compare_opts, threshold, threshold_set,
     "distance below which A and B are \"same\" (default: the\nthreshold train stored in the "
     "model, else half the\nmargin; 0.5 for the learned head)"),
    OPT_JSON(compare_opts, json, "print one JSON object: a, b, head, distance, threshold,\n"
                                 "threshold_from (option, model or default), same"),
    OPT_HELP_ROW,
};

const command cmd_compare = {
    "compare",
    "distance between two image files, and same or different",
    "usage: siamese compare A B [options]\n\n"
    "Embeds the image files A and B the way the model reads images (grey; resized\n"
    "when it was trained with --size, else they must have its size) and prints\n"
    "their distance under the model's head (eval's and show-pairs') and the\n"
    "verdict: \"same\" when the distance is below the threshold, else \"different\".\n"
    "Exit status 0 whatever the verdict.\n",
    22,
    options,
    sizeof options / sizeof *options,
    sizeof(compare_opts),
    defaults,
    run,
};
