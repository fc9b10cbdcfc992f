/* cli_data.c - loading data for a trained model: the model's preprocessing
 * decides how images are read, and the data must fit the model. */
#include "cli.h"

#include "model.h"

int cli_load_model_data(const char *cmd, const char *model_path, const model_t *m,
                        const char *opt, int threads, int quiet, char *dir, size_t dirlen,
                        dataset_t *ds)
{
    data_options o = {0, 0, threads};
    if (m->input.resize != IMAGE_RESIZE_NONE) {
        o.width = (int)m->input.width;
        o.height = (int)m->input.height;
    }
    if (cli_load_data(cmd, opt, &o, dir, dirlen, ds) != 0)
        return -1;
    if (ds->train.cols != m->input.width || ds->train.rows != m->input.height) {
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
