/* cli_data.c - loading the data set for a command: the error line, the
 * note on skipped files, and, for a trained model, reading images the way
 * the model's preprocessing says and checking that the data fits it. */
#include "cli.h"

#include "input.h"
#include "model.h"
#include "model_file.h"
#include "seeds.h"

/* Files in image folders skipped because their names are not those of
 * images (README, notes.txt, ...) are counted, with the endings that
 * count, so a misnamed image (a .tif, a name without an ending) does not
 * vanish silently. */
void cli_skipped_note(const char *cmd, size_t skipped, const char *where)
{
    if (skipped > 0)
        cli_error(cmd, "note: skipped %zu %s not %s by name (%s%s%simages end in .png .jpg .jpeg "
                  ".bmp .pgm .ppm .pnm .tga or .gif)", skipped,
                  skipped == 1 ? "file that is" : "files that are",
                  skipped == 1 ? "an image" : "images", where ? "in " : "", where ? where : "",
                  where ? "; " : "");
}

void cli_data_note(const char *cmd, const char *dir, const dataset_t *ds)
{
    cli_skipped_note(cmd, ds->skipped, dir);
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

int cli_check_data_options(const char *cmd, const char *opt, const data_options *o)
{
    char dir[4096];
    sm_err e;
    if (dataset_find_dir(opt, dir, sizeof dir, &e) != 0)
        return 0;
    if (dataset_check_options(dir, o, &e) != 0 ||
        (o && o->flat && dataset_check_unlabelled(dir, &e) != 0)) {
        cli_error(cmd, "%s", e.msg);
        return EXIT_USAGE;
    }
    return 0;
}


/* Without --data, a colour model against grey default data (IDX files:
 * the refusal is --rgb's alone) was trained on other data: say so, and
 * that --data is the way (not that --rgb, never given, needs folders).
 * 0, or -1 said. */
static int default_takes_colour(const char *cmd, const char *model_path, const model_t *m,
                                const data_options *o)
{
    char d[4096];
    sm_err e;
    data_options grey = *o;
    grey.rgb = 0;
    if (!o->rgb || dataset_find_dir(NULL, d, sizeof d, &e) != 0 ||
        dataset_check_options(d, &grey, &e) != 0 || dataset_check_options(d, o, &e) == 0)
        return 0;
    cli_error(cmd, "%s was trained on other data: it takes colour images of %u x %u, and the "
              "default data (--data not given), %s, holds grey images; pass --data with the "
              "data it was trained on", model_path, m->input.width, m->input.height, d);
    return -1;
}

int cli_load_model_data(const char *cmd, const char *model_path, const model_t *m,
                        const char *opt, int threads, int quiet, char *dir, size_t dirlen,
                        dataset_t *ds)
{
    /* A model trained without labels may have been trained on a plain
     * folder: read one the same way, with the same tenth held out. */
    data_options o = {.threads = threads, .rgb = input_channels(&m->input) == 3,
                      .flat = m->cfg.pairs == PAIRS_AUGMENT};
    seeds_holdout(&o.holdout, m->cfg.seed);
    if (m->input.resize != IMAGE_RESIZE_NONE) {
        o.width = (int)m->input.width;
        o.height = (int)m->input.height;
    }
    if ((!opt && default_takes_colour(cmd, model_path, m, &o) != 0) ||
        cli_load_data(cmd, opt, &o, dir, dirlen, ds) != 0)
        return -1;
    if (ds->train.cols != m->input.width || ds->train.rows != m->input.height) {
        if (!opt) /* the default data: the model's own is elsewhere */
            cli_error(cmd, "%s was trained on other data: it takes images of %u x %u, and the "
                      "default data (--data not given), %s, holds %zu x %zu; pass --data with "
                      "the data it was trained on", model_path, m->input.width, m->input.height,
                      dir, ds->train.cols, ds->train.rows);
        else
            cli_error(cmd, "%s: images of %zu x %zu pixels, but %s takes %u x %u (train it with "
                      "--size %ux%u to resize images)", dir, ds->train.cols, ds->train.rows,
                      model_path, m->input.width, m->input.height, m->input.width,
                      m->input.height);
        dataset_free(ds);
        return -1;
    }
    if (!quiet && m->fingerprint && m->fingerprint != ds->fingerprint)
        cli_error(cmd, "note: %s is not the data %s was trained on (its fingerprint differs); "
                  "the results are for this data", dir, model_path);
    return 0;
}

float cli_threshold(const char *cmd, const char *model_path, const model_t *m, int given,
                    float value, threshold_from *from)
{
    threshold_from tf;
    float t = model_threshold(m, given, value, &tf);
    if (tf == THRESHOLD_DEFAULT)
        cli_error(cmd, "note: %s stores no threshold (a version-1 file, or training did "
                  "not finish); using %g (--threshold X to choose)", model_path, t);
    if (from)
        *from = tf;
    return t;
}

int cli_load_model(const char *cmd, const char *path, model_t *m)
{
    sm_err e;
    if (model_load(m, path, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        return -1;
    }
    return 0;
}
