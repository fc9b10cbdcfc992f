/* pool.c - worker team with a generation counter; see pool.h.
 * A training step makes two runs a few milliseconds apart, so waiting
 * threads spin briefly on the counter before sleeping on a condition
 * variable: a wake-up then costs nanoseconds, not a trip through the
 * scheduler. That holds only while each thread has a core: with more
 * threads than cores (--threads 32 on 2 cores) the spinning threads hold
 * the cores the working ones wait for, and an epoch took 20 times longer.
 * Such a pool sleeps at once. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* About 50-100 microseconds of polling before a thread goes to sleep. */
#define SPINS 20000

struct pool {
    int n;
    int spins;               /* polls before sleeping: SPINS or 0 */
    pthread_t *threads;
    pthread_mutex_t lock;
    pthread_cond_t wake, done;
    atomic_ulong generation; /* bumped by every pool_run */
    atomic_int pending;      /* workers still running the current job */
    atomic_int quit;
    pool_fn fn;              /* written before generation is bumped */
    void *ctx;
};

typedef struct {
    pool_t *p;
    int t;
} worker_arg;

static inline void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static void *worker(void *arg)
{
    worker_arg *a = arg;
    pool_t *p = a->p;
    int t = a->t;
    free(a);
    unsigned long seen = 0;
    for (;;) {
        unsigned long g = atomic_load_explicit(&p->generation, memory_order_acquire);
        for (int i = 0; g == seen && i < p->spins && !atomic_load(&p->quit); i++) {
            relax();
            g = atomic_load_explicit(&p->generation, memory_order_acquire);
        }
        if (g == seen) {
            pthread_mutex_lock(&p->lock);
            while ((g = atomic_load(&p->generation)) == seen && !atomic_load(&p->quit))
                pthread_cond_wait(&p->wake, &p->lock);
            pthread_mutex_unlock(&p->lock);
        }
        if (atomic_load(&p->quit))
            return NULL;
        seen = g;
        p->fn(p->ctx, t);
        if (atomic_fetch_sub(&p->pending, 1) == 1) {
            pthread_mutex_lock(&p->lock);
            pthread_cond_signal(&p->done);
            pthread_mutex_unlock(&p->lock);
        }
    }
}

int pool_should_spin(int threads, int cores)
{
    return threads <= (cores < 1 ? 1 : cores);
}

int pool_cores(void)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    int n = online < 1 ? 1 : online > 1 << 20 ? 1 << 20 : (int)online;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int allowed = CPU_COUNT(&set);
        if (allowed >= 1 && allowed < n)
            n = allowed;
    }
    return n;
}

pool_t *pool_create(int n, sm_err *e)
{
    if (n < 1)
        n = 1;
    pool_t *p = calloc(1, sizeof *p);
    if (!p || !(p->threads = calloc((size_t)n, sizeof *p->threads))) {
        free(p);
        sm_fail(e, "out of memory for %d threads", n);
        return NULL;
    }
    p->n = n;
    p->spins = pool_should_spin(n, pool_cores()) ? SPINS : 0;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->done, NULL);
    atomic_init(&p->generation, 0);
    atomic_init(&p->pending, 0);
    atomic_init(&p->quit, 0);
    for (int t = 1; t < n; t++) {
        worker_arg *a = malloc(sizeof *a);
        int rc = a ? 0 : -1;
        if (a) {
            a->p = p;
            a->t = t;
            rc = pthread_create(&p->threads[t], NULL, worker, a);
            if (rc != 0)
                free(a);
        }
        if (rc != 0) {
            p->n = t; /* destroy only the threads that exist */
            pool_destroy(p);
            sm_fail(e, "cannot start thread %d of %d: %s", t + 1, n, strerror(rc > 0 ? rc : 12));
            return NULL;
        }
    }
    return p;
}

void pool_run(pool_t *p, pool_fn fn, void *ctx)
{
    if (p->n == 1) {
        fn(ctx, 0);
        return;
    }
    p->fn = fn;
    p->ctx = ctx;
    atomic_store(&p->pending, p->n - 1);
    pthread_mutex_lock(&p->lock);
    atomic_fetch_add_explicit(&p->generation, 1, memory_order_release);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);

    fn(ctx, 0);

    for (int i = 0; atomic_load(&p->pending) > 0 && i < p->spins; i++)
        relax();
    if (atomic_load(&p->pending) > 0) {
        pthread_mutex_lock(&p->lock);
        while (atomic_load(&p->pending) > 0)
            pthread_cond_wait(&p->done, &p->lock);
        pthread_mutex_unlock(&p->lock);
    }
}

void pool_destroy(pool_t *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    atomic_store(&p->quit, 1);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    for (int t = 1; t < p->n; t++)
        pthread_join(p->threads[t], NULL);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->wake);
    pthread_cond_destroy(&p->done);
    free(p->threads);
    free(p);
}
