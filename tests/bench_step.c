/* bench_step.c - the trainer's step on the target net (issue 18): conv32,
 * pool, conv64, pool, conv128, gap, 128 on 28 x 28 grey, 128 pairs a step,
 * through trainer_epoch, after one untimed step. Prints CPU seconds per
 * step (all threads) and wall ms per step, and the model's checksum (bits
 * must not change).
 *   build/tests/bench_step [steps [threads [path]]] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gemm.h"
#include "model.h"
#include "net.h"
#include "train.h"

static double now(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    int steps = argc > 1 ? atoi(argv[1]) : 20, T = argc > 2 ? atoi(argv[2]) : 2;
    kernels_path kp = KERNELS_AUTO;
    for (int p = 0; argc > 3 && p < KERNELS_COUNT; p++)
        if (strcmp(argv[3], kernels_names[p]) == 0)
            kp = (kernels_path)p;
    sm_err e = {{0}};
    net_shape s = net_shape_default(784);
    if (net_parse_layers("conv32,pool,conv64,pool,conv128,gap,128", &s, &e))
        return fprintf(stderr, "%s\n", e.msg), 1;
    net_set_input(&s, 1, 28, 28);
    model_t m;
    train_config cfg = train_config_default();
    if (model_init(&m, s, 0, cfg, &e))
        return fprintf(stderr, "%s\n", e.msg), 1;
    const size_t B = cfg.batch, n = B * (size_t)(steps + 1), R = 2 * n;
    split_t split = {.n = R, .channels = 1, .rows = 28, .cols = 28};
    pairs_t pairs = {.n = B * (size_t)steps};
    split.images = malloc(R * 784);
    pairs.left = malloc(n * sizeof *pairs.left);
    pairs.right = malloc(n * sizeof *pairs.right);
    pairs.same = malloc(n);
    uint64_t z = 12345;
    for (size_t i = 0; i < R * 784; i++) {
        z = z * 6364136223846793005ULL + 1442695040888963407ULL;
        split.images[i] = (uint8_t)(z >> 56);
    }
    for (size_t i = 0; i < n; i++) {
        pairs.left[i] = (uint32_t)(2 * i);
        pairs.right[i] = (uint32_t)(2 * i + 1);
        pairs.same[i] = i % 2;
    }
    trainer_t tr;
    if (trainer_init(&tr, &m, &split, &pairs, T, kp, &e))
        return fprintf(stderr, "%s\n", e.msg), 1;
    double mean;
    size_t done;
    /* One untimed step first: the first touch of the activations' pages
     * (some 100 MB) is not a step's cost. */
    pairs.n = B;
    if (trainer_epoch(&tr, &m, NULL, NULL, &mean, &done, &e) < 0)
        return fprintf(stderr, "%s\n", e.msg), 1;
    pairs.n = B * (size_t)steps;
    double c0 = now(CLOCK_PROCESS_CPUTIME_ID), w0 = now(CLOCK_MONOTONIC);
    if (trainer_epoch(&tr, &m, NULL, NULL, &mean, &done, &e) < 0)
        return fprintf(stderr, "%s\n", e.msg), 1;
    double c1 = now(CLOCK_PROCESS_CPUTIME_ID), w1 = now(CLOCK_MONOTONIC);
    uint64_t h = 1469598103934665603ULL;
    const unsigned char *pb = (const unsigned char *)m.params;
    for (size_t i = 0; i < m.n_params * sizeof(float); i++)
        h = (h ^ pb[i]) * 1099511628211ULL;
    printf("%d steps, %d threads: %.1f ms CPU a step (all threads), %.1f ms wall a step, loss "
           "%.6f, params %016llx\n", steps, T, 1e3 * (c1 - c0) / steps, 1e3 * (w1 - w0) / steps,
           mean, (unsigned long long)h);
    trainer_free(&tr);
    return 0;
}
