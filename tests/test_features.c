/* test_features.c - embed_features (embed.h): the features of every layer
 * K of a small conv net (conv, pool, conv, gap, dense), flat, pooled and
 * per position, equal a direct net_forward's a[K] (pooled by hand:
 * float sums in row-major order, one division) bit for bit, for 1 and 3
 * threads and every exact kernel path the CPU runs; a set larger than one
 * block. And embed_feat_resolve: what auto, embedding and layer:K take,
 * and the refusals (a K beyond the layers named with their count; the
 * patch score on a layer without positions). */
#include "check.h"
#include "embed.h"
#include "rng.h"

enum { N = 300, IH = 12, IW = 10 };

/* The reference: every layer of the whole net for image i, by net_forward
 * on a cache of one row. */
static void direct(const float *params, net_shape s, const uint8_t *img, size_t i,
                   net_cache *c)
{
    uint32_t idx = (uint32_t)i;
    gather_images(c->x, img, (size_t)s.in, &idx, 1);
    net_forward(params, c, 0, 1, NULL, 0);
}

static void check_layer(const float *params, net_shape s, const uint8_t *img, embed_feat f,
                        kernels_path kp)
{
    size_t F = embed_feat_floats(s, f);
    float *got = malloc(N * F * sizeof *got), *got3 = malloc(N * F * sizeof *got3);
    sm_err e;
    CHECK(embed_features(got, params, s, img, N, NULL, f, 1, kp, &e) == 0, "%s", e.msg);
    CHECK(embed_features(got3, params, s, img, N, NULL, f, 3, kp, &e) == 0, "%s", e.msg);
    CHECK(memcmp(got, got3, N * F * sizeof *got) == 0, "layer %d mode %d: 1 and 3 threads differ",
          f.layer + 1, f.mode);
    net_cache c;
    CHECK(net_cache_init(&c, s, 1, kp, 0, 1, &e) == 0, "%s", e.msg);
    layer_dims d = net_layer_out_dims(s, f.layer);
    size_t P = (size_t)d.h * d.w;
    int bad = 0, nonzero = 0;
    float want[4096];
    for (size_t i = 0; i < N; i += 7) {
        direct(params, s, img, i, &c);
        const float *a = c.a[f.layer];
        for (int ch = 0; ch < d.c; ch++) {
            float sum = 0.0f;
            for (size_t p = 0; p < P; p++) {
                sum += a[(size_t)ch * P + p];
                if (f.mode == EMBED_POSITIONS)
                    want[p * (size_t)d.c + (size_t)ch] = a[(size_t)ch * P + p];
                else if (f.mode == EMBED_FLAT)
                    want[(size_t)ch * P + p] = a[(size_t)ch * P + p];
            }
            if (f.mode == EMBED_POOLED)
                want[ch] = sum / (float)P;
        }
        for (size_t q = 0; q < F; q++)
            nonzero += want[q] != 0.0f;
        bad += memcmp(want, got + i * F, F * sizeof *want) != 0;
    }
    CHECK(bad == 0, "%s, layer %d mode %d: %d images differ from net_forward's a[K]",
          kernels_names[kp], f.layer + 1, f.mode, bad);
    CHECK(nonzero > 0, "layer %d: features trivially zero", f.layer + 1);
    net_cache_free(&c);
    free(got);
    free(got3);
}

static void check_resolve(net_shape s)
{
    embed_feat f;
    sm_err e;
    CHECK(embed_feat_resolve("auto", s, 0, &f, &e) == 0 && f.layer == 2 && f.mode == EMBED_POOLED,
          "auto: the last conv layer, pooled (got layer %d mode %d)", f.layer + 1, f.mode);
    CHECK(embed_feat_resolve("embedding", s, 0, &f, &e) == 0 && f.layer == 4 &&
          f.mode == EMBED_FLAT, "embedding");
    CHECK(embed_feat_resolve("layer:1", s, 0, &f, &e) == 0 && f.layer == 0 &&
          f.mode == EMBED_POOLED, "layer:1 pooled");
    CHECK(embed_feat_resolve("layer:4", s, 0, &f, &e) == 0 && f.layer == 3 &&
          f.mode == EMBED_FLAT, "layer:4 (gap) is flat");
    CHECK(embed_feat_resolve("auto", s, 1, &f, &e) == 0 && f.layer == 1 &&
          f.mode == EMBED_POSITIONS, "auto for patch: the last pool layer with 2 x 2 (got %d)",
          f.layer + 1);
    CHECK(embed_feat_resolve("layer:6", s, 0, &f, &e) != 0 && strstr(e.msg, "has 5 layers"),
          "layer:6: %s", e.msg);
    const char *bad[] = {"layer:0", "layer:", "layer:2x", "layers:2", "Auto", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK(embed_feat_resolve(bad[i], s, 0, &f, &e) != 0, "'%s' accepted", bad[i]);
    CHECK(embed_feat_resolve("embedding", s, 1, &f, &e) != 0 && strstr(e.msg, "positions"),
          "patch on the embedding: %s", e.msg);
    net_shape dense = net_shape_default(IH * IW);
    CHECK(embed_feat_resolve("auto", dense, 0, &f, &e) == 0 && f.layer == 2 &&
          f.mode == EMBED_FLAT, "auto on a dense net: the embedding");
    CHECK(embed_feat_resolve("auto", dense, 1, &f, &e) != 0, "patch on a dense net");
}

int main(void)
{
    net_shape s;
    sm_err e;
    if (net_parse_layers("conv6,pool,conv8,gap,5", &s, &e) != 0) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    net_set_input(&s, 1, IH, IW);
    float *params = malloc(net_param_count(s) * sizeof *params);
    uint8_t *img = malloc((size_t)N * s.in);
    rng_t r;
    rng_seed(&r, 5, 0);
    net_init(params, s, &r);
    for (size_t i = 0; i < net_param_count(s); i++) /* biases too: varied, some negative */
        params[i] += 0.05f * (rng_float(&r) - 0.3f);
    for (size_t i = 0; i < (size_t)N * s.in; i++)
        img[i] = (uint8_t)(rng_next(&r) >> 56);
    const kernels_path paths[] = {KERNELS_AUTO, KERNELS_AVX512, KERNELS_AVX2, KERNELS_GENERIC};
    for (int k = 0; k < 4; k++) {
        if (!kernels_available(paths[k])) {
            printf("SKIP (part): %s: this CPU does not run it\n", kernels_names[paths[k]]);
            continue;
        }
        for (int l = 0; l < s.layers; l++) {
            layer_dims d = net_layer_out_dims(s, l);
            check_layer(params, s, img, (embed_feat){l, EMBED_FLAT}, paths[k]);
            if (d.h * d.w > 1) {
                check_layer(params, s, img, (embed_feat){l, EMBED_POOLED}, paths[k]);
                check_layer(params, s, img, (embed_feat){l, EMBED_POSITIONS}, paths[k]);
            }
        }
    }
    /* auto's pooled conv layer is the bits the gap row after it gives */
    float *pooled = malloc((size_t)N * 8 * sizeof *pooled);
    float *gap = malloc((size_t)N * 8 * sizeof *gap);
    CHECK(embed_features(pooled, params, s, img, N, NULL, (embed_feat){2, EMBED_POOLED}, 2,
                         KERNELS_AUTO, &e) == 0 &&
          embed_features(gap, params, s, img, N, NULL, (embed_feat){3, EMBED_FLAT}, 2,
                         KERNELS_AUTO, &e) == 0, "%s", e.msg);
    CHECK(!memcmp(pooled, gap, (size_t)N * 8 * sizeof *gap),
          "conv8 pooled differs from gap's output");
    free(pooled);
    free(gap);
    check_resolve(s);
    free(params);
    free(img);
    return check_done("features");
}
