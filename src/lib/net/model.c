/* model.c - model state; see model.h. */
#include "model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "image.h"
#include "seed_streams.h"

const char *const model_pairs_names[3] = {"labels", "augment", NULL};

train_config train_config_default(void)
{
    train_config c = {
        .lr = 0.001f, .rho = 0.9f, .eps = 1e-7f, .margin = 1.0f, .dropout = 0.1f,
        .batch = 128, .epochs = 25, .seed = SEED_DEFAULT, .kernels = MODEL_KERNELS_EXACT, .train_pairs = 0,
    };
    return c;
}

void model_free(model_t *m)
{
    classes_free(&m->classes);
    free(m->params);
    free(m->velocity);
    free(m->history);
    m->params = m->velocity = NULL;
    m->history = NULL;
    m->history_cap = 0;
}

const char *const threshold_from_names[3] = {"option", "model", "default"};

float model_threshold(const model_t *m, int given_set, float given, threshold_from *from)
{
    threshold_from f = given_set ? THRESHOLD_OPTION
                       : isfinite(m->threshold) ? THRESHOLD_MODEL : THRESHOLD_DEFAULT;
    if (from)
        *from = f;
    return f == THRESHOLD_OPTION ? given
           : f == THRESHOLD_MODEL ? m->threshold
                                  : head_default_threshold(m->head, m->cfg.margin);
}

kernels_path model_kernels(const model_t *m)
{
    return m->cfg.kernels == MODEL_KERNELS_OPENBLAS ? KERNELS_OPENBLAS : KERNELS_AUTO;
}

int model_alloc(model_t *m, uint32_t history_cap, sm_err *e)
{
    size_t bytes = (m->n_params * sizeof(float) + 63) & ~(size_t)63;
    m->params = aligned_alloc(64, bytes);
    m->velocity = aligned_alloc(64, bytes);
    m->history_cap = history_cap ? history_cap : 1;
    m->history = calloc(m->history_cap, sizeof *m->history);
    if (!m->params || !m->velocity || !m->history) {
        model_free(m);
        return sm_fail(e, "out of memory for a model of %zu parameters", m->n_params);
    }
    memset(m->velocity, 0, m->n_params * sizeof(float));
    return 0;
}

int model_max_side(int channels)
{
    int s = 1;
    while ((long)(s + 1) * (s + 1) * channels <= MODEL_MAX_INPUT)
        s++;
    return s;
}

void model_fit_size(int channels, int w, int h, int *fw, int *fh)
{
    double scale = sqrt((double)MODEL_MAX_INPUT / ((double)channels * w * h));
    long x = (long)(w * scale), y = (long)(h * scale);
    x = x < 1 ? 1 : x > w ? w : x;
    y = y < 1 ? 1 : y > h ? h : y;
    while (x * y * channels > MODEL_MAX_INPUT) /* rounding: shrink the longer side */
        *(x >= y && x > 1 ? &x : &y) -= 1;
    *fw = (int)x;
    *fh = (int)y;
}

int model_check_shape(net_shape s, sm_err *e)
{
    if (s.in < 1 || s.in > MODEL_MAX_INPUT)
        return sm_fail(e, "a model of %d inputs is beyond the limit of 1..%d", s.in,
                       MODEL_MAX_INPUT);
    if (s.layers < 1 || s.layers > NET_MAX_LAYERS)
        return sm_fail(e, "%d layers: expected 1..%d", s.layers, NET_MAX_LAYERS);
    for (int l = 0; l < s.layers; l++)
        if (s.kind[l] < 0 || s.kind[l] >= net_kind_count())
            return sm_fail(e, "layer %d is of unknown kind %d", l + 1, s.kind[l]);
    for (int l = 0; l < s.layers; l++)
        if (s.kind[l] == LAYER_DENSE && (s.width[l] < 1 || s.width[l] > MODEL_MAX_HIDDEN))
            return sm_fail(e, "layer %d is %d wide: expected 1..%d", l + 1, s.width[l],
                           MODEL_MAX_HIDDEN);
    /* every other kind: exactly what --layers accepts */
    for (int l = 0; l < s.layers; l++) {
        char item[32];
        int arg = -1;
        net_item_name(s, l, item, sizeof item);
        const layer_kind *k = layer_kind_of(s.kind[l]);
        if (k->parse(item, strlen(item), &arg) != 0 || arg != s.width[l])
            return sm_fail(e, "layer %d: %s %d is not a --layers item", l + 1, k->name,
                           s.width[l]);
        if (k->spatial && l > 0 && !layer_kind_of(s.kind[l - 1])->spatial)
            return sm_fail(e, "layer %d: %s after a dense layer", l + 1, k->name);
    }
    if (net_check_shape(s, e) != 0)
        return -1;
    if (net_param_count(s) > MODEL_MAX_PARAMS)
        return sm_fail(e, "%zu parameters: more than the %zu a model may have", net_param_count(s),
                       MODEL_MAX_PARAMS);
    return 0;
}

size_t model_param_count(net_shape shape, uint32_t head)
{
    return net_param_count(shape) + head_param_count(head, net_out(shape));
}

float *model_head_params(const model_t *m, float *flat)
{
    return flat + net_param_count(m->shape);
}

int model_init(model_t *m, net_shape shape, uint32_t head, train_config cfg, sm_err *e)
{
    memset(m, 0, sizeof *m);
    if (model_check_shape(shape, e) != 0)
        return -1;
    m->shape = shape;
    m->cfg = cfg;
    if (head >= head_count())
        return sm_fail(e, "unknown distance head %u", head);
    m->head = head;
    m->n_params = model_param_count(shape, head);
    if (model_alloc(m, cfg.epochs < 1024 ? cfg.epochs : 1024, e) != 0)
        return -1;
    rng_seed(&m->rng, cfg.seed, SEED_STREAM_TRAINING);
    net_init(m->params, shape, &m->rng);
    head_init(head, model_head_params(m, m->params), net_out(shape), &m->rng);
    m->input = (input_spec){(uint32_t)shape.in, 1, IMAGE_GREY_BT601, IMAGE_RESIZE_NONE, 1};
    m->threshold = NAN;
    return 0;
}

int model_describe_data(model_t *m, const dataset_t *ds, sm_err *e)
{
    if ((size_t)m->shape.in != ds->train.channels * ds->train.rows * ds->train.cols)
        return sm_fail(e, "the model takes %d inputs but the images have %zu x %zu pixels%s",
                       m->shape.in, ds->train.cols, ds->train.rows,
                       ds->train.channels == 3 ? " in 3 channels" : "");
    m->input.width = (uint32_t)ds->train.cols;
    m->input.height = (uint32_t)ds->train.rows;
    m->input.channels = (uint32_t)ds->train.channels;
    m->input.grey = IMAGE_GREY_BT601;
    m->input.resize = ds->resize;
    m->fingerprint = ds->fingerprint;
    classes_free(&m->classes);
    return classes_copy(&m->classes, &ds->classes, e);
}

int model_add_epoch(model_t *m, float loss, float val_loss, sm_err *e)
{
    if (m->epoch >= m->history_cap) {
        uint32_t cap = m->history_cap * 2 > m->epoch + 1 ? m->history_cap * 2 : m->epoch + 1;
        epoch_record *h = realloc(m->history, cap * sizeof *h);
        if (!h)
            return sm_fail(e, "out of memory for the training history");
        m->history = h;
        m->history_cap = cap;
    }
    m->history[m->epoch].loss = loss;
    m->history[m->epoch].val_loss = val_loss;
    m->epoch++;
    return 0;
}
