/* pool.c - worker team with a generation counter; see pool.h.
 * Workers wait on a condition variable between runs: a training step has
 * two runs, so a wake-up costs microseconds against milliseconds of work. */
#include "pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct pool {
    int n;
    pthread_t *threads;
    pthread_mutex_t lock;
    pthread_cond_t wake, done;
    unsigned long generation; /* bumped by every pool_run */
    int pending;              /* workers still running the current job */
    int quit;
    pool_fn fn;
    void *ctx;
};

typedef struct {
    pool_t *p;
    int t;
} worker_arg;

static void *worker(void *arg)
{
    worker_arg *a = arg;
    pool_t *p = a->p;
    int t = a->t;
    free(a);
    unsigned long seen = 0;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        while (p->generation == seen && !p->quit)
            pthread_cond_wait(&p->wake, &p->lock);
        if (p->quit) {
            pthread_mutex_unlock(&p->lock);
            return NULL;
        }
        seen = p->generation;
        pool_fn fn = p->fn;
        void *ctx = p->ctx;
        pthread_mutex_unlock(&p->lock);

        fn(ctx, t);

        pthread_mutex_lock(&p->lock);
        if (--p->pending == 0)
            pthread_cond_signal(&p->done);
        pthread_mutex_unlock(&p->lock);
    }
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
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->done, NULL);
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

int pool_size(const pool_t *p)
{
    return p->n;
}

void pool_run(pool_t *p, pool_fn fn, void *ctx)
{
    if (p->n == 1) {
        fn(ctx, 0);
        return;
    }
    pthread_mutex_lock(&p->lock);
    p->fn = fn;
    p->ctx = ctx;
    p->pending = p->n - 1;
    p->generation++;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);

    fn(ctx, 0);

    pthread_mutex_lock(&p->lock);
    while (p->pending > 0)
        pthread_cond_wait(&p->done, &p->lock);
    pthread_mutex_unlock(&p->lock);
}

void pool_destroy(pool_t *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->quit = 1;
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
