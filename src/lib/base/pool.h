/* pool.h - a fixed team of worker threads that run one function together.
 *
 * pool_run(p, fn, ctx) calls fn(ctx, t) for t = 0..n-1, t = 0 on the
 * calling thread and the others on the pool's threads, and returns when all
 * have finished. Work is split by the caller by t, so which thread does
 * which part never depends on timing: results are deterministic for a
 * given thread count. Each user makes its own pool (the trainer,
 * embed_images, anomaly scoring, folders_decode, export); one pool_run
 * at a time per pool, and fn must not call pool_run on it (not
 * reentrant).
 */
#ifndef SIAMESE_POOL_H
#define SIAMESE_POOL_H

#include "err.h"

typedef struct pool pool_t;
typedef void (*pool_fn)(void *ctx, int t);

/* A pool of n >= 1 threads in all (n - 1 created). NULL with e set on
 * failure. The pool spins or sleeps while it waits, as pool_should_spin
 * says for n and pool_cores(). */
pool_t *pool_create(int n, sm_err *e);

/* Whether waiting threads of a pool of `threads` threads in all should
 * poll (spin) briefly before sleeping, on `cores` usable cores: only when
 * every thread has a core of its own (threads <= cores). With more
 * threads than cores a spinning thread takes the core a working thread
 * needs, and every step waits for the slowest worker. */
int pool_should_spin(int threads, int cores);

/* The cores this process may run on: the online CPUs, fewer when the
 * affinity mask (taskset, cgroup cpusets) allows fewer; at least 1. */
int pool_cores(void);
/* Calls fn(ctx, t) for every t in 0..n-1 and returns when all are done. */
void pool_run(pool_t *p, pool_fn fn, void *ctx);

/* Stops and joins the threads and frees p; NULL is fine. */
void pool_destroy(pool_t *p);

#endif
