/* test_tables.c - the head table and the layer-kind table: every row is
 * complete (what a row leaves out, it leaves out consistently), the names
 * --distance parses and the model file's messages cite come from the
 * rows in id order, the network's sizes come from the layer rows, --layers
 * parses into layers of a kind, and a model with a kind formats 1-3
 * cannot hold is refused, not written. */
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "head.h"
#include "head_kind.h"
#include "layer_kind.h"
#include "model.h"
#include "model_file.h"
#include "net.h"

static void check_heads(void)
{
    CHECK(head_count() == 4, "%u heads", head_count());
    CHECK(head_names[head_count()] == NULL, "the name list ends in NULL");
    for (uint32_t h = 0; h < head_count(); h++) {
        const head_kind *k = head_kind_of(h);
        CHECK(strcmp(head_names[h], k->name) == 0, "name %u: %s, row %s", h, head_names[h],
              k->name);
        CHECK(k->forward && k->distance && k->backward && k->cache >= 0, "%s: a complete row",
              k->name);
        CHECK(!k->param_count == !k->init && !k->init == !k->param_grads,
              "%s: parameters: count, init and gradients together", k->name);
        CHECK(k->has_margin || (k->pair_loss && k->loss_sum), "%s: a loss of its own", k->name);
        CHECK(head_cache_floats(h) == (size_t)k->cache, "%s: cache", k->name);
    }
    const char *order[] = {"euclidean", "manhattan", "cosine", "learned"}; /* stored ids */
    for (uint32_t h = 0; h < 4; h++)
        CHECK(strcmp(head_names[h], order[h]) == 0, "id %u is %s", h, head_names[h]);
    char buf[256];
    head_name_list(buf, sizeof buf, ", ");
    CHECK(strcmp(buf, "euclidean, manhattan, cosine, learned") == 0, "list: %s", buf);
    head_name_list(buf, sizeof buf, " or ");
    CHECK(strcmp(buf, "euclidean, manhattan, cosine or learned") == 0, "list: %s", buf);
    CHECK(head_sweep_step(HEAD_MANHATTAN, 8.0f) == 0.1f * 8.0f &&
              head_sweep_step(HEAD_COSINE, 8.0f) == 0.15f,
          "sweep steps: by the margin for manhattan only");
}

static void check_layers(void)
{
    sm_err e;
    const layer_kind *d = layer_kind_of(LAYER_DENSE);
    CHECK(layer_kind_count() >= 1 && strcmp(d->name, "dense") == 0, "dense is row 0");
    for (int k = 0; k < layer_kind_count(); k++) {
        const layer_kind *r = layer_kind_of(k);
        CHECK(r->parse && r->out_dims && r->size && r->macs && r->scratch && r->grad_scratch &&
                  r->forward && r->input_grad,
              "%s: a complete row", r->name);
        /* a kind with parameters has everything that draws and trains them */
        layer_dims in = {4, 6, 6}, out;
        if (r->out_dims(8, in, &out) == 0 && r->size(in, out).rows > 0)
            CHECK(r->init && r->prepare && r->kernel_grad && r->tail_grad,
                  "%s: a row with parameters can train them", r->name);
    }
    net_shape s;
    CHECK(net_parse_layers("128,007,4096", &s, &e) == 0 && s.layers == 3 && s.width[0] == 128 &&
              s.width[1] == 7 && s.width[2] == 4096 && s.kind[2] == LAYER_DENSE && s.in == 0,
          "128,007,4096");
    const char *bad[] = {"", ",", "8,", ",8", "8,,8", "0", "4097", "+8", " 8", "8 ", "8a",
                         "99999999999999999999", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17",
                         "conv", "conv0", "conv1025", "conv8x", "pool2", "gap1", "128,conv8",
                         "8,pool", "8,gap", "Conv8", "conv+8"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        net_shape keep = {5, 1, {9}, {0}, 0, 0, 0};
        s = keep;
        CHECK(net_parse_layers(bad[i], &s, &e) == -1 && s.in == 5 && s.width[0] == 9,
              "'%s' refused, the shape untouched", bad[i]);
    }
    CHECK(net_parse_layers("conv32,pool,conv64,pool,conv128,gap,128", &s, &e) == 0 &&
              s.layers == 7 && s.kind[0] == LAYER_CONV && s.width[0] == 32 &&
              s.kind[1] == LAYER_POOL && s.kind[5] == LAYER_GAP && s.kind[6] == LAYER_DENSE &&
              s.width[6] == 128,
          "the conv spec parses");
    /* Its shapes on a 28 x 28 grey input: 32x28x28 -> 32x14x14 -> 64x14x14
     * -> 64x7x7 -> 128x7x7 -> 128 -> 128. */
    net_set_input(&s, 1, 28, 28);
    CHECK(net_check_shape(s, &e) == 0 && net_layer_out(s, 1) == 32 * 14 * 14 &&
              net_layer_out(s, 3) == 64 * 7 * 7 && net_fan_in(s, 6) == 128 && net_out(s) == 128,
          "conv shapes");
    CHECK(net_param_count(s) == (9 * 1 * 32 + 32) + (9 * 32 * 64 + 64) + (9 * 64 * 128 + 128) +
                                    (128 * 128 + 128) &&
              net_kernel_rows(s, 2) == 9 * 32 && net_row_floats(s, 2) == 64 &&
              net_kernel_rows(s, 1) == 0,
          "conv parameters: w [9 C_in, C_out] then b");
    /* Odd sizes pool down: 7 -> 3 -> 1, then no pixels are left. */
    CHECK(net_parse_layers("conv32,pool,pool,pool,pool,pool", &s, &e) == 0, "parses");
    net_set_input(&s, 1, 28, 28);
    CHECK(net_check_shape(s, &e) == -1 && strstr(e.msg, "item 6 'pool'") &&
              strstr(e.msg, "no pixels left"),
          "the item with no pixels left is named: %s", e.msg);
    net_set_input(&s, 3, 32, 32);
    CHECK(net_check_shape(s, &e) == 0 && net_out(s) == 32, "32 x 32 RGB pools to 1 x 1");
    /* Sizes from the rows: dense 10 -> 6 -> 3 is W [10, 6], b [6], W [6, 3], b [3]. */
    net_shape t = {10, 2, {6, 3}, {0}, 0, 0, 0};
    CHECK(net_fan_in(t, 1) == 6 && net_layer_out(t, 1) == 3 && net_out(t) == 3 &&
              net_kernel_rows(t, 0) == 10 && net_row_floats(t, 0) == 6 &&
              net_tail_floats(t, 1) == 3 && net_param_count(t) == 10 * 6 + 6 + 6 * 3 + 3,
          "dense sizes");
    net_views v;
    float flat[10 * 6 + 6 + 6 * 3 + 3];
    net_point(&v, flat, t);
    CHECK(v.b[0] == flat + 60 && v.w[1] == flat + 66 && v.b[1] == flat + 84, "views");
}

/* A model the loader would refuse is refused before a byte is written:
 * here a kind changed under a model sized for a dense layer (its n_params
 * no longer match). */
static void check_save_refuses_kind(void)
{
    model_t m;
    sm_err e;
    net_shape s = {4, 1, {3}, {0}, 0, 0, 0};
    train_config cfg = train_config_default();
    CHECK(model_init(&m, s, HEAD_EUCLIDEAN, cfg, &e) == 0, "init: %s", e.msg);
    CHECK(classes_fashion(&m.classes, &e) == 0, "classes: %s", e.msg);
    m.shape.kind[0] = LAYER_CONV;
    char path[64];
    snprintf(path, sizeof path, "/tmp/test_tables_%ld.model", (long)getpid());
    CHECK(model_file_check(&m, path, &e) == -1 && strstr(e.msg, "field n_params"),
          "check: %s", e.msg);
    int rc = model_save(&m, path, &e);
    CHECK(rc == -1 && strstr(e.msg, "the loader would refuse") &&
              strstr(e.msg, "field n_params"), "save: %d %s", rc, e.msg);
    FILE *f = fopen(path, "rb");
    CHECK(f == NULL, "no file written");
    if (f)
        fclose(f);
    model_free(&m);
}

int main(void)
{
    check_heads();
    check_layers();
    check_save_refuses_kind();
    return check_done("tables");
}
