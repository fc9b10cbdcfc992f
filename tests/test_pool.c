/* test_pool.c - the worker pool (pool.h).
 *
 * The spin-or-sleep decision is a pure function, checked on both sides of
 * its boundary (no timing: a timed test fails on a busy machine). Then
 * pools of several sizes, fewer and more threads than this machine has
 * cores (so both the spinning and the sleeping waits run), must call
 * fn(ctx, t) exactly once for every t in every run.
 *
 *   usage: test_pool        exit: 0 pass, 1 a failure
 */
#include <stdatomic.h>

#include "check.h"
#include "pool.h"

static void test_should_spin(void)
{
    /* Every thread has a core: spin. */
    CHECK(pool_should_spin(1, 1), "1 thread on 1 core");
    CHECK(pool_should_spin(2, 2), "2 threads on 2 cores");
    CHECK(pool_should_spin(1, 2), "1 thread on 2 cores");
    CHECK(pool_should_spin(16, 64), "16 threads on 64 cores");
    CHECK(pool_should_spin(256, 256), "256 threads on 256 cores");
    /* More threads than cores: sleep. */
    CHECK(!pool_should_spin(3, 2), "3 threads on 2 cores");
    CHECK(!pool_should_spin(16, 2), "16 threads on 2 cores");
    CHECK(!pool_should_spin(32, 2), "32 threads on 2 cores");
    CHECK(!pool_should_spin(256, 2), "256 threads on 2 cores");
    CHECK(!pool_should_spin(2, 1), "2 threads on 1 core");
    /* A core count that could not be read counts as one core. */
    CHECK(pool_should_spin(1, 0), "1 thread, unknown cores");
    CHECK(!pool_should_spin(2, 0), "2 threads, unknown cores");
    CHECK(!pool_should_spin(2, -1), "2 threads, negative cores");
    int cores = pool_cores();
    CHECK(cores >= 1, "pool_cores() = %d", cores);
}

/* Each run adds 1 to hits[t]; a t out of range counts in wrong_t. */
typedef struct {
    int n;
    atomic_int hits[256];
    atomic_int wrong_t;
} count_ctx;

static void count_fn(void *ctx, int t)
{
    count_ctx *c = ctx;
    if (t < 0 || t >= c->n) {
        atomic_fetch_add(&c->wrong_t, 1);
        return;
    }
    atomic_fetch_add(&c->hits[t], 1);
}

static void test_runs(int n, int runs)
{
    sm_err e = {{0}};
    pool_t *p = pool_create(n, &e);
    CHECK(p != NULL, "pool_create(%d): %s", n, e.msg);
    if (!p)
        return;
    static count_ctx c;
    memset(&c, 0, sizeof c);
    c.n = n;
    int bad = 0;
    for (int r = 0; r < runs && !bad; r++) {
        pool_run(p, count_fn, &c);
        /* pool_run returns only when every t is done: all counts equal r+1
         * right now, not eventually. */
        for (int t = 0; t < n; t++)
            if (atomic_load(&c.hits[t]) != r + 1) {
                CHECK(0, "%d threads, run %d: t = %d was called %d times", n, r, t,
                      atomic_load(&c.hits[t]));
                bad = 1;
                break;
            }
    }
    CHECK(atomic_load(&c.wrong_t) == 0, "%d threads: fn called with t out of range", n);
    pool_destroy(p);
}

int main(void)
{
    test_should_spin();
    int cores = pool_cores();
    int sizes[] = {1, 2, cores, cores + 1, 17, 64, 256};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        if (sizes[i] >= 1 && sizes[i] <= 256)
            test_runs(sizes[i], sizes[i] > 32 ? 200 : 2000);
    pool_destroy(NULL); /* NULL is fine */
    return check_done("test_pool");
}
