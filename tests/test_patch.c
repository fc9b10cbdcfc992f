/* test_patch.c - the patch score (patch.h): position scores against a
 * brute-force search by head_distance over every bank entry (bank = all),
 * with and without leave-one-out, across the tile sizes (more than 256
 * positions, more than 2,048 entries), the same bits for 1 and 3 threads
 * and every exact kernel path; the coreset's picks on a hand case and
 * against a brute-force greedy in double; the bilinear upsampling; and the
 * whole chain (embed_features positions of a small conv net, bank, map)
 * putting the hottest pixel of the map inside a defect drawn into an
 * image; the local neighbourhood means (patch_local) against a brute
 * force; the report's cells with a map (sheet.h): image, map and
 * reference in their places, the flagged cell framed red, the other not. */
#include <math.h>
#include <sys/stat.h>

#include "check.h"
#include "anomaly.h"
#include "embed.h"
#include "head.h"
#include "image.h"
#include "input.h"
#include "inspect_report.h"
#include "model.h"
#include "patch.h"
#include "patch_pixels.h"
#include "rng.h"
#include "sheet.h"
#include "anomaly_map.h"

static void fill(float *a, size_t n, rng_t *r)
{
    for (size_t i = 0; i < n; i++)
        a[i] = rng_float(r) * (i % 5 ? 1.0f : 0.0f); /* exact zeros, as after a ReLU */
}

/* One search's results, N images of P positions. */
typedef struct {
    float *pos, *sc;
    uint32_t *nr;
} found;

static found found_alloc(size_t N, int P)
{
    return (found){malloc(N * P * sizeof(float)), malloc(N * sizeof(float)),
                   malloc(N * sizeof(uint32_t))};
}

static void found_free(found *f)
{
    free(f->pos);
    free(f->sc);
    free(f->nr);
}

/* want = the search with cfg on 1 thread; then the same bits on 3
 * threads on every exact path this CPU runs. */
static found search_everywhere(const patch_bank *b, const float *q, size_t N, int P,
                               patch_cfg cfg, int loo)
{
    sm_err e;
    found want = found_alloc(N, P), got = found_alloc(N, P);
    cfg.threads = 1;
    cfg.kernels = KERNELS_AUTO;
    CHECK(patch_scores(b, q, N, P, &cfg, loo, want.pos, want.sc, want.nr, &e) == 0, "%s", e.msg);
    const kernels_path paths[] = {KERNELS_AUTO, KERNELS_AVX512, KERNELS_AVX2, KERNELS_GENERIC};
    for (int k = 0; k < 4; k++) {
        if (!kernels_available(paths[k]))
            continue;
        cfg.threads = 3;
        cfg.kernels = paths[k];
        CHECK(patch_scores(b, q, N, P, &cfg, loo, got.pos, got.sc, got.nr, &e) == 0, "%s", e.msg);
        CHECK(!memcmp(want.pos, got.pos, N * P * sizeof *got.pos) &&
              !memcmp(want.sc, got.sc, N * sizeof *got.sc) &&
              !memcmp(want.nr, got.nr, N * sizeof *got.nr),
              "near %d, %s, 3 threads: other bits than auto, 1 thread", cfg.near,
              kernels_names[paths[k]]);
    }
    found_free(&got);
    return want;
}

static void check_brute(size_t M, size_t N, int P, int C, int loo)
{
    rng_t r;
    rng_seed(&r, 11 + M, 0);
    float *ref = malloc(M * P * C * sizeof *ref), *x = malloc(N * P * C * sizeof *x);
    fill(ref, M * P * C, &r);
    fill(x, N * P * C, &r);
    if (loo)
        N = M;
    const float *q = loo ? ref : x;
    patch_cfg cfg = {0, 1, KERNELS_AUTO, PATCH_ANYWHERE, 0};
    patch_bank b;
    sm_err e;
    CHECK(patch_bank_build(&b, ref, M, P, C, &cfg, &e) == 0, "%s", e.msg);
    CHECK(b.B == M * P, "bank = all: %zu entries", b.B);
    found f = search_everywhere(&b, q, N, P, cfg, loo);
    float *pos = f.pos, *sc = f.sc;
    uint32_t *nr = f.nr;
    int bad = 0, bad_img = 0;
    for (size_t i = 0; i < N; i++) {
        float top = -1;
        for (int p = 0; p < P; p++) {
            const float *a = q + (i * P + (size_t)p) * C;
            float best = INFINITY;
            for (size_t j = 0; j < M * (size_t)P; j++)
                if (!(loo && j / (size_t)P == i)) {
                    float d = head_distance(HEAD_EUCLIDEAN, NULL, a, ref + j * C, C);
                    best = d < best ? d : best;
                }
            bad += pos[i * P + (size_t)p] != best;
            top = best > top ? best : top;
        }
        bad_img += sc[i] != top || (loo && nr[i] == i) || nr[i] >= M;
    }
    printf("M %zu N %zu P %d C %d loo %d: %d positions and %d images off brute force\n", M, N, P,
           C, loo, bad, bad_img);
    CHECK(bad == 0 && bad_img == 0, "the search misses the nearest entry");
    patch_bank_free(&b);
    free(ref);
    free(x);
    found_free(&f);
}

/* Greedy farthest-point selection in double, the definition. */
static void brute_coreset(uint32_t *sel, size_t n, const float *p, size_t T, int C)
{
    double *mean = calloc(C, sizeof *mean), *mind = malloc(T * sizeof *mind);
    for (size_t i = 0; i < T; i++)
        for (int c = 0; c < C; c++)
            mean[c] += p[i * C + c] / (double)T;
    size_t cur = 0;
    double far = -1;
    for (size_t i = 0; i < T; i++) {
        double s = 0;
        for (int c = 0; c < C; c++)
            s += (p[i * C + c] - mean[c]) * (p[i * C + c] - mean[c]);
        if (s > far) {
            far = s;
            cur = i;
        }
        mind[i] = INFINITY;
    }
    for (size_t t = 0; t < n; t++) {
        sel[t] = (uint32_t)cur;
        mind[cur] = -1;
        size_t nxt = 0;
        for (size_t i = 0; i < T; i++) {
            double s = 0;
            for (int c = 0; c < C; c++)
                s += ((double)p[i * C + c] - p[cur * C + c]) * ((double)p[i * C + c] - p[cur * C + c]);
            if (mind[i] >= 0 && s < mind[i])
                mind[i] = s;
            if (mind[i] > mind[nxt])
                nxt = i;
        }
        cur = nxt;
    }
    free(mean);
    free(mind);
}

static void check_coreset(void)
{
    /* on a line: mean 3.75, so 10 first; then 0 (10 away); then 4 (4 from
     * 0, 6 from 10: 4 > 1); then 1 */
    const float line[] = {0, 1, 10, 4};
    uint32_t sel[4];
    sm_err e;
    patch_cfg cfg = {0, 1, KERNELS_AUTO, PATCH_ANYWHERE, 0};
    CHECK(patch_coreset(sel, 4, line, 4, 1, &cfg, &e) == 0, "%s", e.msg);
    CHECK(sel[0] == 2 && sel[1] == 0 && sel[2] == 3 && sel[3] == 1,
          "picks %u %u %u %u, want 2 0 3 1", sel[0], sel[1], sel[2], sel[3]);
    /* duplicates: never picked twice */
    const float dup[] = {1, 1, 1, 1, 5, 5};
    uint32_t s3[3];
    CHECK(patch_coreset(s3, 3, dup, 6, 1, &cfg, &e) == 0, "%s", e.msg);
    CHECK(s3[0] == 4 && s3[1] == 0 && s3[2] != 4 && s3[2] != 0, "duplicates: %u %u %u", s3[0],
          s3[1], s3[2]);
    enum { T = 6000, C = 7, n = 60 };
    float *p = malloc((size_t)T * C * sizeof *p);
    rng_t r;
    rng_seed(&r, 4, 0);
    for (size_t i = 0; i < (size_t)T * C; i++)
        p[i] = rng_float(&r) * 3.0f;
    uint32_t got[n], got3[n], want[n];
    brute_coreset(want, n, p, T, C);
    CHECK(patch_coreset(got, n, p, T, C, &cfg, &e) == 0, "%s", e.msg);
    patch_cfg c3 = {0, 3, KERNELS_GENERIC, PATCH_ANYWHERE, 0};
    CHECK(patch_coreset(got3, n, p, T, C, &c3, &e) == 0, "%s", e.msg);
    CHECK(!memcmp(got, got3, sizeof got), "3 threads, generic: other picks");
    int same = 0;
    while (same < n && got[same] == want[same])
        same++;
    CHECK(same == n, "the picks leave the double-precision greedy at pick %d", same + 1);
    free(p);
}

/* Clustered points (where the coreset skips most blocks after the first
 * picks): the same picks as the brute-force greedy in double, and for 1
 * and 3 threads. */
static void check_coreset_clusters(void)
{
    enum { T = 20000, C = 8, n = 150 };
    float *p = malloc((size_t)T * C * sizeof *p);
    rng_t r;
    rng_seed(&r, 8, 0);
    for (size_t i = 0; i < T; i++) /* 40 clusters, spread 0.05 around centres 1 apart */
        for (int c = 0; c < C; c++)
            p[i * C + c] = (float)((i % 40 * 7 + (size_t)c * 3) % 11) + 0.05f * rng_float(&r);
    uint32_t got[n], got3[n], want[n];
    sm_err e;
    patch_cfg c1 = {0, 1, KERNELS_AUTO, PATCH_ANYWHERE, 0};
    patch_cfg c3 = {0, 3, KERNELS_GENERIC, PATCH_ANYWHERE, 0};
    brute_coreset(want, n, p, T, C);
    CHECK(patch_coreset(got, n, p, T, C, &c1, &e) == 0, "%s", e.msg);
    CHECK(patch_coreset(got3, n, p, T, C, &c3, &e) == 0, "%s", e.msg);
    int same = 0;
    while (same < n && got[same] == want[same])
        same++;
    CHECK(same == n, "clusters: the picks leave the brute-force greedy at pick %d", same + 1);
    CHECK(!memcmp(got, got3, sizeof got), "clusters: other picks with 3 threads");
    free(p);
}

/* The largest distance of a point of p [T, C] to its nearest pick. */
static double cover(const uint32_t *sel, size_t n, const float *p, size_t T, int C)
{
    double worst = 0;
    for (size_t i = 0; i < T; i++) {
        double best = INFINITY;
        for (size_t k = 0; k < n; k++) {
            double s = 0;
            for (int c = 0; c < C; c++) {
                double d = (double)p[i * C + c] - p[(size_t)sel[k] * C + c];
                s += d * d;
            }
            best = s < best ? s : best;
        }
        worst = best > worst ? best : worst;
    }
    return sqrt(worst);
}

/* More than 16 features: picks on the projection. Distinct, the same for
 * any thread count and exact path, and covering the points nearly as well
 * as the greedy on every feature. */
static void check_projected(void)
{
    enum { T = 3000, C = 40, n = 40 };
    float *p = malloc((size_t)T * C * sizeof *p);
    rng_t r;
    rng_seed(&r, 6, 0);
    for (size_t i = 0; i < T; i++) { /* 10 clusters with noise */
        int k = (int)(i % 10);
        for (int c = 0; c < C; c++)
            p[i * C + c] = (float)((k * 7 + c) % 10) + 0.3f * rng_float(&r);
    }
    uint32_t a[n], b[n], want[n];
    sm_err e;
    patch_cfg c1 = {0, 1, KERNELS_AUTO, PATCH_ANYWHERE, 0};
    patch_cfg c3 = {0, 3, KERNELS_GENERIC, PATCH_ANYWHERE, 0};
    CHECK(patch_coreset(a, n, p, T, C, &c1, &e) == 0, "%s", e.msg);
    CHECK(patch_coreset(b, n, p, T, C, &c3, &e) == 0, "%s", e.msg);
    CHECK(!memcmp(a, b, sizeof a), "projected picks differ with 3 threads on generic");
    int dup = 0;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < i; k++)
            dup += a[i] == a[k];
    CHECK(dup == 0, "%d points picked twice", dup);
    brute_coreset(want, n, p, T, C);
    double got = cover(a, n, p, T, C), exact = cover(want, n, p, T, C);
    printf("coreset of %d of %d points of %d features: covering radius %.3f on the "
           "projection, %.3f on every feature\n", n, T, C, got, exact);
    CHECK(got <= 2 * exact, "the projected picks cover %.3f, the exact greedy %.3f", got, exact);
    free(p);
}

static void check_upsample(void)
{
    const float m[4] = {0, 1, 2, 3}; /* 2 x 2 */
    float out[16];
    patch_upsample(out, 4, 4, m, 2, 2);
    /* corners clamp; pixel (1, 1) sits at grid (0.25, 0.25) */
    CHECK(out[0] == 0 && out[15] == 3, "corners %g %g", out[0], out[15]);
    CHECK(fabsf(out[5] - (0.75f * 0.75f * 0 + 0.75f * 0.25f * 1 + 0.25f * 0.75f * 2 +
                          0.25f * 0.25f * 3)) < 1e-6f, "pixel (1, 1) = %g", out[5]);
    float one = 5;
    patch_upsample(out, 4, 4, &one, 1, 1);
    CHECK(out[7] == 5, "a 1 x 1 map is constant");
}

/* A smooth striped texture with noise, 16 x 16; a defect is a bright 4 x 4
 * square at (dx, dy). */
static void texture(uint8_t *img, rng_t *r, int dx, int dy)
{
    for (int y = 0; y < 16; y++)
        for (int x = 0; x < 16; x++) {
            int v = 60 + 40 * ((x + y) / 3 % 2) + (int)(rng_float(r) * 20);
            if (dx >= 0 && x >= dx && x < dx + 4 && y >= dy && y < dy + 4)
                v = 250;
            img[y * 16 + x] = (uint8_t)v;
        }
}

static void check_map(void)
{
    net_shape s;
    sm_err e;
    CHECK(net_parse_layers("conv8,pool,conv8,gap", &s, &e) == 0, "%s", e.msg);
    net_set_input(&s, 1, 16, 16);
    float *params = malloc(net_param_count(s) * sizeof *params);
    rng_t r;
    rng_seed(&r, 8, 0);
    net_init(params, s, &r);
    enum { M = 60, N = 6 };
    uint8_t *img = malloc((M + N) * 256);
    for (int i = 0; i < M + N; i++)
        texture(img + i * 256, &r, i < M ? -1 : 1 + (i - M) * 2, i < M ? -1 : 10 - (i - M));
    embed_feat f;
    CHECK(embed_feat_resolve("auto", s, 1, &f, &e) == 0 && f.layer == 1, "auto for patch: %s",
          e.msg);
    layer_dims d = net_layer_out_dims(s, f.layer);
    int P = d.h * d.w, C = d.c;
    float *feat = malloc((size_t)(M + N) * P * C * sizeof *feat);
    CHECK(embed_features(feat, params, s, img, M + N, NULL, f, 2, KERNELS_AUTO, &e) == 0, "%s",
          e.msg);
    patch_cfg cfg = {100, 2, KERNELS_AUTO, PATCH_ANYWHERE, 0};
    patch_bank b;
    CHECK(patch_bank_build(&b, feat, M, P, C, &cfg, &e) == 0 && b.B == 100, "%s", e.msg);
    float pos[N * 64], sc[N], up[256];
    uint32_t nr[N];
    CHECK(patch_scores(&b, feat + (size_t)M * P * C, N, P, &cfg, 0, pos, sc, nr, &e) == 0, "%s",
          e.msg);
    for (int i = 0; i < N; i++) {
        patch_upsample(up, 16, 16, pos + i * P, d.h, d.w);
        int hot = 0;
        for (int k = 1; k < 256; k++)
            hot = up[k] > up[hot] ? k : hot;
        int dx = 1 + i * 2, dy = 10 - i, hx = hot % 16, hy = hot / 16;
        CHECK(hx >= dx && hx < dx + 4 && hy >= dy && hy < dy + 4,
              "image %d: the hottest pixel (%d, %d) is outside the defect at (%d, %d)", i, hx,
              hy, dx, dy);
    }
    patch_bank_free(&b);
    free(params);
    free(img);
    free(feat);
}

static void write_pgm(const char *dir, const char *name, const uint8_t *img)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    fprintf(f, "P5\n16 16\n255\n");
    fwrite(img, 1, 256, f);
    fclose(f);
}

/* The library's whole inspect with --score patch on a conv model made in
 * C (weights as initialised): an MVTec-like folder of good textures and
 * textures with a bright square; the defects rank first, their maps'
 * hottest pixels lie in the squares, the threshold comes from the
 * references, the map files are named by image; the squares' masks,
 * found as ground_truth/ beside the images, give the pixel AUROC of the
 * maps, counted here pair by pair. */
static void check_inspect(void)
{
    char root[] = "/tmp/siamese-patch-XXXXXX";
    if (!mkdtemp(root)) {
        CHECK(0, "mkdtemp");
        return;
    }
    char ref[300], img[300], good[400], bad[400], gt[400], cmd[700];
    snprintf(ref, sizeof ref, "%s/ref", root);
    snprintf(img, sizeof img, "%s/img", root);
    snprintf(good, sizeof good, "%s/good", img);
    snprintf(bad, sizeof bad, "%s/square", img);
    mkdir(ref, 0777);
    mkdir(img, 0777);
    mkdir(good, 0777);
    mkdir(bad, 0777);
    snprintf(gt, sizeof gt, "%s/ground_truth", root);
    mkdir(gt, 0777);
    snprintf(gt, sizeof gt, "%s/ground_truth/square", root);
    mkdir(gt, 0777);
    rng_t r;
    rng_seed(&r, 21, 0);
    uint8_t px[256];
    char name[64];
    for (int i = 0; i < 40; i++) {
        texture(px, &r, -1, -1);
        snprintf(name, sizeof name, "r%02d.pgm", i);
        write_pgm(ref, name, px);
    }
    for (int i = 0; i < 6; i++) {
        texture(px, &r, -1, -1);
        snprintf(name, sizeof name, "g%d.pgm", i);
        write_pgm(good, name, px);
        texture(px, &r, 2 * i, 10 - 2 * i); /* named by where the square is; on whole 2 x 2 cells of the 8 x 8 grid */
        snprintf(name, sizeof name, "s%d.pgm", i);
        write_pgm(bad, name, px);
        uint8_t mask[256];
        for (int q = 0; q < 256; q++)
            mask[q] = px[q] == 250 ? 255 : 0;
        char mp[600];
        snprintf(mp, sizeof mp, "%s/s%d_mask.png", gt, i);
        sm_err we;
        CHECK(image_write_png(mp, mask, 16, 16, &we) == 0, "%s: %s", mp, we.msg);
    }
    model_t m;
    net_shape s;
    sm_err e;
    CHECK(net_parse_layers("conv8,pool,conv8,gap,4", &s, &e) == 0, "%s", e.msg);
    net_set_input(&s, 1, 16, 16);
    CHECK(model_init(&m, s, HEAD_EUCLIDEAN, train_config_default(), &e) == 0, "%s", e.msg);
    m.input = input_raw(16, 16);
    char maps[300];
    snprintf(maps, sizeof maps, "%s/maps", root);
    inspect_cfg c = {ref, img, &m, "m.siam", ANOMALY_PATCH, 1, 2, KERNELS_AUTO, 0, 0, 0.95,
                     "auto", 50, 1, maps, 0, NULL, 0, PATCH_ANYWHERE};
    inspect_report rep;
    CHECK(inspect_build(&rep, &c, &e) == 0, "inspect_build: %s", e.msg);
    CHECK(rep.gh == 8 && rep.gw == 8 && rep.bank == 50 && rep.positions == 40 * 64 &&
          rep.feat.layer == 1, "grid %d x %d, bank %zu of %zu, layer %d", rep.gh, rep.gw,
          rep.bank, rep.positions, rep.feat.layer + 1);
    CHECK(rep.auroc == 1.0, "AUROC %g: the squares do not all outrank the good images",
          rep.auroc);
    CHECK(rep.threshold > 0 && rep.n_flagged >= 6, "threshold %g flags %zu", rep.threshold,
          rep.n_flagged);
    float map[256];
    for (size_t i = 0; i < rep.img.n; i++) {
        const char *base = strrchr(rep.img.paths[i], '/') + 1;
        if (base[0] != 's')
            continue;
        int k = base[1] - '0', dx = 2 * k, dy = 10 - 2 * k, hot = 0;
        inspect_map(&rep, i, map);
        for (int q = 1; q < 256; q++)
            hot = map[q] > map[hot] ? q : hot;
        CHECK(hot % 16 >= dx && hot % 16 < dx + 4 && hot / 16 >= dy && hot / 16 < dy + 4,
              "%s: the hottest pixel (%d, %d) is outside the square at (%d, %d)", base,
              hot % 16, hot / 16, dx, dy);
        CHECK(rep.map_top >= rep.score[i], "the maps' scale ends below a score");
    }
    /* pixel AUROC: every defect pixel's map value against every normal one */
    double gt2 = 0;
    uint64_t pos = 0, neg = 0;
    float *all = malloc(rep.img.n * 256 * sizeof *all);
    uint8_t *truth = malloc(rep.img.n * 256);
    for (size_t i = 0; i < rep.img.n; i++) {
        const char *base = strrchr(rep.img.paths[i], '/') + 1;
        int k = base[1] - '0', sq = base[0] == 's';
        inspect_map(&rep, i, all + i * 256);
        for (int q = 0; q < 256; q++) {
            int x = q % 16, y = q / 16;
            truth[i * 256 + q] = sq && x >= 2 * k && x < 2 * k + 4 && y >= 10 - 2 * k &&
                                 y < 14 - 2 * k;
            pos += truth[i * 256 + q];
            neg += !truth[i * 256 + q];
        }
    }
    for (size_t a = 0; a < rep.img.n * 256; a++)
        for (size_t b = 0; truth[a] && b < rep.img.n * 256; b++)
            if (!truth[b])
                gt2 += all[a] > all[b] ? 2 : all[a] == all[b];
    double want_auc = gt2 / 2 / (double)pos / (double)neg;
    CHECK(rep.masks && rep.pixel.pos == 96 && pos == 96 && rep.pixel.neg == neg &&
          fabs(rep.pixel.auroc - want_auc) < 1e-12 && rep.pixel.auroc > 0.9,
          "pixel AUROC %g of %llu defect pixels, counted %g of %llu (masks %s)",
          rep.pixel.auroc, (unsigned long long)rep.pixel.pos, want_auc,
          (unsigned long long)pos, rep.masks ? rep.masks : "not found");
    CHECK(rep.pixel.type_auroc && isnan(rep.pixel.type_auroc[0]) &&
          rep.pixel.type_auroc[1] == rep.pixel.auroc, "pixel AUROC per type");
    free(all);
    free(truth);
    char path[600], want[600];
    inspect_map_path(&rep, 0, path, sizeof path);
    snprintf(want, sizeof want, "%s/01-good-g0.png", maps); /* good/g0.png */
    CHECK(!strcmp(path, want), "map of image 1: %s, want %s", path, want);
    inspect_free(&rep);
    model_free(&m);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK(system(cmd) == 0, "%s", cmd);
}

/* --near R: a grid gh x gw, the bank built position by position (all of
 * each position's M entries, or bank / P of them by the coreset): each
 * entry is bit for bit the feature of its owner at its position, and
 * every position's score is the nearest entry of the positions within R
 * rows and columns (brute force over the bank), the same bits for 1 and
 * 3 threads and every exact path. */
static void check_near(size_t M, size_t N, int gh, int gw, int C, int R, size_t bank, int loo)
{
    rng_t r;
    rng_seed(&r, 17 + M, (uint64_t)R);
    int P = gh * gw;
    float *ref = malloc(M * P * C * sizeof *ref), *x = malloc(N * P * C * sizeof *x);
    fill(ref, M * P * C, &r);
    fill(x, N * P * C, &r);
    N = loo ? M : N;
    const float *q = loo ? ref : x;
    patch_cfg cfg = {bank, 1, KERNELS_AUTO, R, gw};
    patch_bank b;
    sm_err e;
    CHECK(patch_bank_build(&b, ref, M, P, C, &cfg, &e) == 0, "%s", e.msg);
    size_t per = bank ? (bank + P - 1) / P : M;
    per = per < 2 ? 2 : per > M ? M : per;
    CHECK(b.B == per * P && b.start && b.start[P] == b.B, "bank %zu: %zu entries", bank, b.B);
    int wrong = 0;
    for (int p = 0; p < P; p++)
        for (size_t k = b.start[p]; k < b.start[p + 1]; k++)
            wrong += memcmp(b.x + k * C, ref + ((size_t)b.owner[k] * P + p) * C, C * 4) != 0 ||
                     (k > b.start[p] && b.owner[k] <= b.owner[k - 1]);
    CHECK(wrong == 0, "%d bank entries are not their owner's features at their position", wrong);
    found f = search_everywhere(&b, q, N, P, cfg, loo);
    const float *pos = f.pos;
    int bad = 0;
    for (size_t i = 0; i < N; i++)
        for (int p = 0; p < P; p++) {
            float best = INFINITY;
            for (int o = 0; o < P; o++) {
                if (abs(o / gw - p / gw) > R || abs(o % gw - p % gw) > R)
                    continue;
                for (size_t k = b.start[o]; k < b.start[o + 1]; k++) {
                    float d = head_distance(HEAD_EUCLIDEAN, NULL, q + (i * P + p) * C,
                                            b.x + k * C, C);
                    best = !(loo && b.owner[k] == i) && d < best ? d : best;
                }
            }
            bad += pos[i * P + p] != best;
        }
    printf("near %d, M %zu N %zu grid %d x %d C %d bank %zu loo %d: %d positions off brute "
           "force\n", R, M, N, gh, gw, C, b.B, loo, bad);
    CHECK(bad == 0, "the search within %d misses the nearest entry", R);
    patch_bank_free(&b);
    free(ref);
    free(x);
    found_free(&f);
}

/* --pixels (patch_pixels.h): on a 3-plane 10 x 9 image cut into 3 x 2
 * cells of 3 x 4 pixels (the last row and column dropped), each position
 * keeps its features' bits and gets its own cell's pixels / 255 times the
 * weight, in plane, row, column order; the weight makes the cells' mean
 * norm the asked multiple of the features'; black cells weigh 0. */
static void check_pixels(void)
{
    patch_grid g = {3, 2, 3, 10, 9};
    enum { N = 2, C = 5, P = 6, K = 3 * 3 * 4 };
    CHECK(patch_cell_floats(g) == K, "%d floats a cell", patch_cell_floats(g));
    uint8_t px[N * 3 * 10 * 9];
    float feat[N * P * C], keep[N * P * C];
    rng_t r;
    rng_seed(&r, 23, 0);
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = (uint8_t)(rng_float(&r) * 255);
    fill(feat, N * P * C, &r);
    memcpy(keep, feat, sizeof feat);
    double w = patch_pixel_weight(feat, px, N, C, g, 0.5), f = 0, q = 0;
    for (int i = 0; i < N; i++)
        for (int p = 0; p < P; p++) {
            double a = 0, b = 0;
            for (int c = 0; c < C; c++)
                a += (double)feat[(i * P + p) * C + c] * feat[(i * P + p) * C + c];
            for (int ch = 0; ch < 3; ch++)
                for (int y = p / 2 * 3; y < p / 2 * 3 + 3; y++)
                    for (int x = p % 2 * 4; x < p % 2 * 4 + 4; x++) {
                        double v = px[((i * 3 + ch) * 10 + y) * 9 + x] / 255.0;
                        b += v * v;
                    }
            f += sqrt(a);
            q += sqrt(b);
        }
    CHECK(fabs(w * q / f - 0.5) < 1e-6, "weight %g: cells' mean norm %g x the features'", w,
          w * q / f);
    float *x = malloc(sizeof feat);
    memcpy(x, feat, sizeof feat);
    sm_err e;
    CHECK(patch_add_pixels(&x, px, N, C, g, w, &e) == 0, "%s", e.msg);
    int bad = 0;
    for (int i = 0; i < N; i++)
        for (int p = 0; p < P; p++) {
            const float *o = x + (size_t)(i * P + p) * (C + K);
            bad += memcmp(o, keep + (i * P + p) * C, C * sizeof *o) != 0;
            int k = 0;
            for (int ch = 0; ch < 3; ch++)
                for (int y = p / 2 * 3; y < p / 2 * 3 + 3; y++)
                    for (int xx = p % 2 * 4; xx < p % 2 * 4 + 4; xx++, k++)
                        bad += o[C + k] != (float)px[((i * 3 + ch) * 10 + y) * 9 + xx] / 255.0f *
                                               (float)w;
        }
    CHECK(bad == 0, "%d values of the features with their pixels misplaced", bad);
    memset(px, 0, sizeof px);
    CHECK(patch_pixel_weight(feat, px, N, C, g, 1) == 0, "black cells weigh something");
    free(x);
}

/* patch_calibrate: with a cap below M, reference floor(i M / n)'s
 * leave-one-out score is the one the whole calibration gives it (the
 * other references' entries, not the sampled ones'); no cap: all of them. */
static void check_calibrate(void)
{
    enum { M = 50, P = 9, C = 6, cap = 7 };
    rng_t r;
    rng_seed(&r, 21, 0);
    float *ref = malloc((size_t)M * P * C * sizeof *ref);
    fill(ref, (size_t)M * P * C, &r);
    patch_cfg cfg = {100, 2, KERNELS_AUTO, PATCH_ANYWHERE, 0};
    patch_bank b;
    sm_err e;
    CHECK(patch_bank_build(&b, ref, M, P, C, &cfg, &e) == 0, "%s", e.msg);
    float pos[M * P], all[M], some[M];
    uint32_t nr[M];
    size_t n;
    CHECK(patch_scores(&b, ref, M, P, &cfg, 1, pos, all, nr, &e) == 0, "%s", e.msg);
    CHECK(patch_calibrate(&b, ref, M, P, cap, &cfg, some, &n, &e) == 0 && n == cap, "%s", e.msg);
    int off = 0;
    for (size_t i = 0; i < n; i++)
        off += some[i] != all[i * M / n];
    CHECK(off == 0, "%d of %zu sampled references scored otherwise than in the whole", off, n);
    CHECK(patch_calibrate(&b, ref, M, P, 0, &cfg, some, &n, &e) == 0 && n == M &&
          !memcmp(some, all, sizeof all), "no cap: not every reference's score");
    patch_bank_free(&b);
    free(ref);
}

/* patch_local against the mean over the neighbourhood in double: every
 * position of a 5 x 6 grid (edges and corners cut), side 3 and 5; side 1
 * leaves the features as they are. */
static void check_local(void)
{
    enum { n = 2, gh = 5, gw = 6, C = 3 };
    float f[n * gh * gw * C], g[n * gh * gw * C];
    rng_t r;
    rng_seed(&r, 9, 0);
    fill(f, sizeof f / sizeof *f, &r);
    sm_err e;
    memcpy(g, f, sizeof f);
    CHECK(patch_local(g, n, gh, gw, C, 1, &e) == 0 && !memcmp(f, g, sizeof f), "side 1 changed");
    for (int side = 3; side <= 5; side += 2) {
        memcpy(g, f, sizeof f);
        CHECK(patch_local(g, n, gh, gw, C, side, &e) == 0, "%s", e.msg);
        double worst = 0;
        for (int i = 0; i < n; i++)
            for (int y = 0; y < gh; y++)
                for (int x = 0; x < gw; x++)
                    for (int c = 0; c < C; c++) {
                        double s = 0;
                        int cnt = 0;
                        for (int v = y - side / 2; v <= y + side / 2; v++)
                            for (int u = x - side / 2; u <= x + side / 2; u++)
                                if (v >= 0 && v < gh && u >= 0 && u < gw) {
                                    s += f[((i * gh + v) * gw + u) * C + c];
                                    cnt++;
                                }
                        double d = fabs(g[((i * gh + y) * gw + x) * C + c] - s / cnt);
                        worst = d > worst ? d : worst;
                    }
        CHECK(worst < 1e-5, "side %d: off the mean by %g", side, worst);
    }
}

/* The first x >= from on row y of c with pixel colour k, or -1. */
static int find_x(const canvas_t *c, int y, int from, rgb_t k)
{
    for (int x = from; x < c->w; x++) {
        const uint8_t *p = c->px + ((size_t)y * c->w + (size_t)x) * 3;
        if (p[0] == k.r && p[1] == k.g && p[2] == k.b)
            return x;
    }
    return -1;
}

static int is(const canvas_t *c, int x, int y, rgb_t k)
{
    const uint8_t *p = c->px + ((size_t)y * c->w + (size_t)x) * 3;
    return p[0] == k.r && p[1] == k.g && p[2] == k.b;
}

/* The report with maps: two cells of 4 x 3 grey images (image 60,
 * reference 200; the map 0 but for its pixel (2, 1) at the top of the
 * scale), the first flagged. Each cell: image, then the map panel (the
 * image's grey tinted, hot at (2, 1) only), then the reference, SHEET_PAD
 * apart; a red frame SHEET_FRAME outside the three around the first cell
 * only. */
static void check_sheet(void)
{
    enum { w = 4, h = 3, s = 2 };
    uint8_t img[w * h], ref[w * h];
    float map[w * h] = {0};
    memset(img, 60, sizeof img);
    memset(ref, 200, sizeof ref);
    map[1 * w + 2] = 0.5f;
    sheet_cell cells[2] = {{img, ref, 0.5f, 1, "blob", map, 0.5f},
                           {img, ref, 0.1f, 0, "good", map, 0.5f}};
    canvas_t c;
    sm_err e;
    CHECK(sheet_render(&c, cells, 2, w, h, 1, 2, s, "t", &e) == 0, "%s", e.msg);
    const rgb_t g60 = {60, 60, 60}, g200 = {200, 200, 200}, red = {220, 30, 30};
    const rgb_t cold = anomaly_map_mix(60, 0, 0.5f), hot = anomaly_map_mix(60, 0.5f, 0.5f);
    int y0 = -1, x0 = -1;
    for (int y = 0; y < c.h && x0 < 0; y++)
        if ((x0 = find_x(&c, y, 0, g60)) >= 0)
            y0 = y;
    CHECK(x0 >= 0, "no image pixel on the report");
    int iw = w * s, ih = h * s, mx = x0 + iw + SHEET_PAD, rx = mx + iw + SHEET_PAD;
    int inner = 3 * iw + 2 * SHEET_PAD;
    CHECK(is(&c, x0 + iw - 1, y0 + ih - 1, g60), "the image panel is not %d x %d", iw, ih);
    CHECK(is(&c, mx, y0, cold) && is(&c, mx + 2 * s, y0 + s, hot) &&
          is(&c, mx + 2 * s + 1, y0 + s + 1, hot) && is(&c, mx + 3 * s, y0 + s, cold),
          "the map panel: cold and hot pixels not where the map puts them");
    CHECK(is(&c, rx, y0, g200) && is(&c, rx + iw - 1, y0 + ih - 1, g200),
          "the reference is not right of the map");
    CHECK(is(&c, x0 - 1, y0 - 1, red) && is(&c, x0 + inner, y0 + ih, red) &&
          is(&c, x0 - SHEET_FRAME, y0 + ih / 2, red) && !is(&c, x0, y0 - SHEET_FRAME - 1, red),
          "the flagged cell is not framed red around its three panels");
    int x1 = find_x(&c, y0, rx + iw, g60);
    CHECK(x1 > 0 && is(&c, x1 + iw + SHEET_PAD + 2 * s, y0 + s, hot) &&
          is(&c, x1 + 2 * (iw + SHEET_PAD), y0, g200), "the second cell's panels");
    CHECK(x1 > 0 && !is(&c, x1 - 1, y0 - 1, red) && !is(&c, x1 + inner, y0 + ih, red),
          "the cell not flagged is framed red");
    canvas_free(&c);
    /* without maps: two panels, as before */
    cells[0].map = cells[1].map = NULL;
    CHECK(sheet_render(&c, cells, 1, w, h, 1, 2, s, "t", &e) == 0, "%s", e.msg);
    CHECK(is(&c, x0 + iw + SHEET_PAD, y0, g200) && is(&c, x0 + 2 * iw + SHEET_PAD, y0 + ih, red),
          "without a map: image | reference in a red frame");
    canvas_free(&c);
}

int main(void)
{
    check_local();
    check_sheet();
    check_calibrate();
    check_brute(30, 20, 16, 9, 0);   /* 480 bank entries, 320 queries: two query tiles */
    check_brute(30, 20, 16, 9, 1);
    check_brute(300, 40, 9, 5, 0);   /* 2,700 entries: two bank tiles */
    check_brute(300, 40, 9, 5, 1);
    check_pixels();
    check_near(30, 300, 4, 5, 6, 0, 0, 0);   /* 300 images of one position: two query tiles */
    check_near(30, 20, 4, 5, 6, 1, 0, 1);
    check_near(3000, 20, 2, 3, 5, 0, 0, 1); /* 3,000 entries a position: two bank tiles */
    check_near(60, 20, 5, 4, 6, 2, 100, 0); /* the coreset keeps 5 a position */
    check_near(60, 20, 5, 4, 6, 1, 20, 1);  /* 1 a position asked: 2 kept */
    check_coreset();
    check_coreset_clusters();
    check_projected();
    /* the bank's limits, before anything is allocated */
    sm_err e;
    CHECK(patch_check_size(400000, 64 * 64, 64, &e) != 0 && strstr(e.msg, "PATCH_MAX_POSITIONS"),
          "a bank of 1.6e9 positions: %s", e.msg);
    CHECK(patch_check_size(6000, 49, 64, &e) == 0, "6,000 x 49 positions refused: %s", e.msg);
    patch_bank big;
    patch_cfg none = {0, 1, KERNELS_AUTO, PATCH_ANYWHERE, 0};
    CHECK(patch_bank_build(&big, NULL, (size_t)1 << 40, 49, 64, &none, &e) != 0,
          "patch_bank_build took 2^40 references");
    /* the memory this process may use, before anything is allocated */
    CHECK(patch_check_memory(6000, 1000, 49, 64, 1024, (size_t)1 << 30, "the limit", &e) == 0,
          "6,000 references of 49 x 64 refused with 1 GiB: %s", e.msg);
    CHECK(patch_check_memory(6000, 1000, 64 * 64, 64, 1024, (size_t)1 << 30, "the limit", &e) != 0 &&
          strstr(e.msg, "(features 6.84 GiB") && strstr(e.msg, "more than the 1.00 GiB the limit leaves") &&
          strstr(e.msg, "--features layer:K") && !strstr(e.msg, "--bank"),
          "64 x 64 positions with 1 GiB: %s", e.msg);
    CHECK(patch_check_memory(6000, 1000, 49, 1024, 0, (size_t)1 << 30, "the limit", &e) != 0 &&
          strstr(e.msg, "a smaller --bank"), "a bank of every position with 1 GiB: %s", e.msg);
    double need = patch_memory(6000, 1000, 64 * 64, 64, 1024, NULL, NULL, NULL);
    CHECK(need > 7000.0 * 4096 * 64 * 4, "patch_memory %.0f: less than the features", need);
    check_upsample();
    check_map();
    check_inspect();
    return check_done("patch");
}
