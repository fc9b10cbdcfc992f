/* test_embed_threads.c - embed_images gives the same bits whatever the
 * thread count (1, 2, 3, 7), on every kernel path (auto, generic,
 * openblas), with and without a `used` mask, on a set that ends in a
 * partial block; the rows it leaves alone stay untouched; the exact
 * paths (auto, generic) give the same bits as each other; and on the
 * openblas path each OpenBLAS call runs single-threaded (kernels_begin:
 * the workers are the parallelism). */
#include <cblas.h>

#include "check.h"
#include "embed.h"
#include "rng.h"

int main(void)
{
    enum { N = 2500, P = 49 };
    net_shape s = {P, 2, {24, 16}, {0}, 0, 0, 0};
    size_t np = net_param_count(s);
    float *params = malloc(np * sizeof *params);
    uint8_t *img = malloc((size_t)N * P), *used = malloc(N);
    rng_t r;
    rng_seed(&r, 3, 0);
    net_init(params, s, &r);
    for (size_t i = 0; i < (size_t)N * P; i++)
        img[i] = (uint8_t)(rng_next(&r) >> 56);
    for (int i = 0; i < N; i++)
        used[i] = (i % 3) != 1;
    const int H = net_out(s);
    float *ref = malloc((size_t)N * H * sizeof *ref), *got = malloc((size_t)N * H * sizeof *got);
    float *exact = malloc((size_t)N * H * sizeof *exact);
    sm_err e;
    const kernels_path paths[] = {KERNELS_AUTO, KERNELS_GENERIC, KERNELS_OPENBLAS};
    for (int k = 0; k < 3; k++)
    for (int masked = 0; masked < 2; masked++) {
        const kernels_path kp = paths[k];
        const uint8_t *u = masked ? used : NULL;
        for (size_t i = 0; i < (size_t)N * H; i++)
            ref[i] = -7.0f;
        openblas_set_num_threads(2);
        CHECK(embed_images(ref, params, s, img, N, u, 1, kp, &e) == 0, "1 thread: %s", e.msg);
        CHECK(openblas_get_num_threads() == (kp == KERNELS_OPENBLAS ? 1 : 2),
              "%s: OpenBLAS runs %d threads per call after embedding", kernels_names[kp],
              openblas_get_num_threads());
        int nonzero = 0;
        for (size_t i = 0; i < (size_t)N * H; i++)
            nonzero += ref[i] != 0.0f && ref[i] != -7.0f;
        CHECK(nonzero > N, "embeddings trivially zero");
        for (int i = 0; i < N && masked; i++)
            CHECK(used[i] || ref[(size_t)i * H] == -7.0f, "unused row %d was written", i);
        if (kp == KERNELS_AUTO && !masked)
            memcpy(exact, ref, (size_t)N * H * sizeof *ref);
        if (kp == KERNELS_GENERIC && !masked)
            CHECK(memcmp(exact, ref, (size_t)N * H * sizeof *ref) == 0,
                  "the generic path differs from %s", kernels_names[KERNELS_AUTO]);
        const int threads[] = {2, 3, 7};
        for (int t = 0; t < 3; t++) {
            for (size_t i = 0; i < (size_t)N * H; i++)
                got[i] = -7.0f;
            CHECK(embed_images(got, params, s, img, N, u, threads[t], kp, &e) == 0, "%s", e.msg);
            CHECK(memcmp(ref, got, (size_t)N * H * sizeof *got) == 0,
                  "%s, %d threads%s: embeddings differ from 1 thread", kernels_names[kp],
                  threads[t], masked ? " (masked)" : "");
        }
    }
    free(params);
    free(img);
    free(used);
    free(ref);
    free(got);
    free(exact);
    return check_done("embed_threads");
}
