/* test_embed_threads.c - embed_images gives the same bits whatever the
 * thread count (1, 2, 3, 7), with and without a `used` mask, on a set that
 * ends in a partial block; and the rows it leaves alone stay untouched. */
#include "check.h"
#include "embed.h"
#include "rng.h"

int main(void)
{
    enum { N = 2500, P = 49 };
    net_shape s = {P, 2, {24, 16}};
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
    sm_err e;
    for (int masked = 0; masked < 2; masked++) {
        const uint8_t *u = masked ? used : NULL;
        for (size_t i = 0; i < (size_t)N * H; i++)
            ref[i] = -7.0f;
        CHECK(embed_images(ref, params, s, img, N, u, 1, &e) == 0, "1 thread: %s", e.msg);
        int nonzero = 0;
        for (size_t i = 0; i < (size_t)N * H; i++)
            nonzero += ref[i] != 0.0f && ref[i] != -7.0f;
        CHECK(nonzero > N, "embeddings trivially zero");
        for (int k = 0; k < N && masked; k++)
            CHECK(used[k] || ref[(size_t)k * H] == -7.0f, "unused row %d was written", k);
        const int threads[] = {2, 3, 7};
        for (int t = 0; t < 3; t++) {
            for (size_t i = 0; i < (size_t)N * H; i++)
                got[i] = -7.0f;
            CHECK(embed_images(got, params, s, img, N, u, threads[t], &e) == 0, "%s", e.msg);
            CHECK(memcmp(ref, got, (size_t)N * H * sizeof *got) == 0,
                  "%d threads%s: embeddings differ from 1 thread", threads[t],
                  masked ? " (masked)" : "");
        }
    }
    free(params);
    free(img);
    free(used);
    free(ref);
    free(got);
    return check_done("embed_threads");
}
