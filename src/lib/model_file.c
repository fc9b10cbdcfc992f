/* model_file.c - model file writer and checked reader; see model_file.h and
 * docs/model-format.md. All numbers little-endian; floats IEEE-754 binary32. */
#include "model_file.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "atomic_file.h"

#define HEADER_BYTES 136 /* everything before the history, see the doc */

/* A writer that keeps the running CRC of everything written. */
typedef struct {
    atomic_file *a;
    uLong crc;
} sink;

static void put(sink *s, const void *p, size_t n)
{
    atomic_write(s->a, p, n);
    /* crc32 takes a uInt length; the buffers here are far below 4 GB but
     * feed it in chunks anyway. */
    const unsigned char *b = p;
    while (n) {
        uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
        s->crc = crc32(s->crc, b, k);
        b += k;
        n -= k;
    }
}

static void put_u32(sink *s, uint32_t v)
{
    unsigned char b[4] = {v, v >> 8, v >> 16, v >> 24};
    put(s, b, 4);
}

static void put_u64(sink *s, uint64_t v)
{
    put_u32(s, (uint32_t)v);
    put_u32(s, (uint32_t)(v >> 32));
}

static void put_f32(sink *s, float f)
{
    uint32_t v;
    memcpy(&v, &f, 4);
    put_u32(s, v);
}

static void put_floats(sink *s, const float *f, size_t n)
{
    /* x86 and every platform Debian builds OpenBLAS for here is
     * little-endian; write whole arrays at once. */
    put(s, f, n * sizeof *f);
}

int model_save(const model_t *m, const char *path, sm_err *e)
{
    atomic_file a;
    if (atomic_open(&a, path, e) != 0)
        return -1;
    sink s = {&a, crc32(0L, Z_NULL, 0)};
    put(&s, MODEL_MAGIC, 8);
    put_u32(&s, MODEL_VERSION);
    put_u32(&s, NET_LAYERS);
    put_u32(&s, (uint32_t)m->shape.in);
    put_u32(&s, (uint32_t)m->shape.hidden);
    put_f32(&s, m->cfg.lr);
    put_f32(&s, m->cfg.rho);
    put_f32(&s, m->cfg.eps);
    put_f32(&s, m->cfg.margin);
    put_f32(&s, m->cfg.dropout);
    put_u32(&s, m->cfg.batch);
    put_u32(&s, m->cfg.epochs);
    put_u32(&s, m->cfg.threads);
    put_u64(&s, m->cfg.seed);
    put_u64(&s, m->cfg.train_pairs);
    put_u32(&s, m->epoch);
    put_u32(&s, m->step);
    for (int i = 0; i < 4; i++)
        put_u64(&s, m->rng.s[i]);
    put_u64(&s, m->epoch_seed);
    uint64_t bits;
    memcpy(&bits, &m->loss_sum, 8);
    put_u64(&s, bits);
    put_u64(&s, (uint64_t)m->n_params);
    for (uint32_t i = 0; i < m->epoch; i++) {
        put_f32(&s, m->history[i].loss);
        put_f32(&s, m->history[i].val_loss);
    }
    put_floats(&s, m->params, m->n_params);
    put_floats(&s, m->velocity, m->n_params);
    uint32_t crc = (uint32_t)s.crc;
    unsigned char b[4] = {crc, crc >> 8, crc >> 16, crc >> 24};
    atomic_write(&a, b, 4);
    return atomic_commit(&a, e);
}

/* A bounds-checked reader over the file's bytes. */
typedef struct {
    const unsigned char *p;
    size_t pos;
} cursor;

static uint32_t get_u32(cursor *c)
{
    const unsigned char *b = c->p + c->pos;
    c->pos += 4;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint64_t get_u64(cursor *c)
{
    uint64_t lo = get_u32(c);
    return lo | (uint64_t)get_u32(c) << 32;
}

static float get_f32(cursor *c)
{
    uint32_t v = get_u32(c);
    float f;
    memcpy(&f, &v, 4);
    return f;
}

/* Reads the whole file, refusing files larger than `cap` bytes. */
static unsigned char *slurp(const char *path, size_t cap, size_t *len, sm_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        sm_fail(e, "%s: cannot open model file: %s%s", path, strerror(errno),
                errno == ENOENT ? " (train one with `siamese train`, or pass --model FILE)" : "");
        return NULL;
    }
    size_t size = 0, alloc = 1 << 16;
    unsigned char *buf = malloc(alloc);
    while (buf) {
        if (size == alloc) {
            if (alloc > cap) {
                free(buf);
                fclose(f);
                sm_fail(e, "%s: not a model file: larger than %zu bytes", path, cap);
                return NULL;
            }
            unsigned char *nb = realloc(buf, alloc * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            alloc *= 2;
        }
        size_t r = fread(buf + size, 1, alloc - size, f);
        size += r;
        if (r == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf) {
        sm_fail(e, "%s: out of memory reading the model file", path);
        return NULL;
    }
    if (bad) {
        free(buf);
        sm_fail(e, "%s: read error", path);
        return NULL;
    }
    *len = size;
    return buf;
}

static int check_hyper(const char *path, const train_config *c, sm_err *e)
{
    if (!(isfinite(c->lr) && c->lr > 0))
        return sm_fail(e, "%s: bad learning rate %g in the model file", path, c->lr);
    if (!(isfinite(c->rho) && c->rho >= 0 && c->rho < 1))
        return sm_fail(e, "%s: bad rho %g in the model file: expected 0 <= rho < 1", path,
                       c->rho);
    if (!(isfinite(c->eps) && c->eps > 0))
        return sm_fail(e, "%s: bad epsilon %g in the model file", path, c->eps);
    if (!(isfinite(c->margin) && c->margin > 0))
        return sm_fail(e, "%s: bad margin %g in the model file", path, c->margin);
    if (!(isfinite(c->dropout) && c->dropout >= 0 && c->dropout < 1))
        return sm_fail(e, "%s: bad dropout rate %g in the model file: expected 0 <= rate < 1",
                       path, c->dropout);
    if (c->batch == 0 || c->batch > 65536)
        return sm_fail(e, "%s: bad batch size %u in the model file", path, c->batch);
    if (c->epochs == 0 || c->epochs > MODEL_MAX_EPOCHS)
        return sm_fail(e, "%s: bad epoch target %u in the model file: expected 1..%u", path,
                       c->epochs, MODEL_MAX_EPOCHS);
    if (c->threads == 0 || c->threads > 256)
        return sm_fail(e, "%s: bad thread count %u in the model file: expected 1..256", path,
                       c->threads);
    return 0;
}

static int parse(model_t *m, const char *path, const unsigned char *buf, size_t len, sm_err *e)
{
    if (len < 12)
        return sm_fail(e, "%s: not a model file: %zu bytes, shorter than the header", path, len);
    if (memcmp(buf, MODEL_MAGIC, 8) != 0)
        return sm_fail(e, "%s: not a siamese model file: expected magic \"%s\", found "
                       "\"%.8s\"", path, MODEL_MAGIC, (const char *)buf);
    cursor c = {buf, 8};
    uint32_t version = get_u32(&c);
    if (version != MODEL_VERSION)
        return sm_fail(e, "%s: model format version %u, this build reads version %u", path,
                       version, MODEL_VERSION);
    if (len < HEADER_BYTES + 4)
        return sm_fail(e, "%s: truncated model file: %zu bytes, the header alone needs %d", path,
                       len, HEADER_BYTES + 4);
    uint32_t layers = get_u32(&c), in = get_u32(&c), hidden = get_u32(&c);
    if (layers != NET_LAYERS || in == 0 || in > MODEL_MAX_INPUT || hidden == 0 || hidden > MODEL_MAX_HIDDEN)
        return sm_fail(e, "%s: unsupported architecture: %u layers, %u inputs, %u hidden "
                       "(expected %d layers, 1..%d inputs, 1..%d hidden)", path, layers, in,
                       hidden, NET_LAYERS, MODEL_MAX_INPUT, MODEL_MAX_HIDDEN);
    memset(m, 0, sizeof *m);
    m->shape = (net_shape){(int)in, (int)hidden};
    m->cfg.lr = get_f32(&c);
    m->cfg.rho = get_f32(&c);
    m->cfg.eps = get_f32(&c);
    m->cfg.margin = get_f32(&c);
    m->cfg.dropout = get_f32(&c);
    m->cfg.batch = get_u32(&c);
    m->cfg.epochs = get_u32(&c);
    m->cfg.threads = get_u32(&c);
    m->cfg.seed = get_u64(&c);
    m->cfg.train_pairs = get_u64(&c);
    m->epoch = get_u32(&c);
    m->step = get_u32(&c);
    for (int i = 0; i < 4; i++)
        m->rng.s[i] = get_u64(&c);
    m->epoch_seed = get_u64(&c);
    uint64_t bits = get_u64(&c);
    memcpy(&m->loss_sum, &bits, 8);
    uint64_t n_params = get_u64(&c);
    if (c.pos != HEADER_BYTES)
        return sm_fail(e, "%s: internal error: header is %zu bytes", path, c.pos);

    size_t expect_params = net_param_count(m->shape);
    if (n_params != expect_params)
        return sm_fail(e, "%s: parameter count %llu does not match the architecture %ux%u "
                       "(expected %zu)", path, (unsigned long long)n_params, in, hidden,
                       expect_params);
    if (m->epoch > MODEL_MAX_EPOCHS)
        return sm_fail(e, "%s: absurd epoch count %u", path, m->epoch);
    size_t expect = HEADER_BYTES + (size_t)m->epoch * 8 + 2 * expect_params * 4 + 4;
    if (len < expect)
        return sm_fail(e, "%s: truncated model file: %zu bytes, expected %zu", path, len, expect);
    if (len > expect)
        return sm_fail(e, "%s: model file has %zu trailing bytes after the expected %zu", path,
                       len - expect, expect);
    uLong crc = crc32(crc32(0L, Z_NULL, 0), buf, (uInt)(expect - 4));
    cursor t = {buf, expect - 4};
    uint32_t stored = get_u32(&t);
    if ((uint32_t)crc != stored)
        return sm_fail(e, "%s: CRC-32 mismatch (stored %08x, computed %08x): the file is "
                       "damaged", path, stored, (uint32_t)crc);
    if (check_hyper(path, &m->cfg, e) != 0)
        return -1;
    if (!isfinite(m->loss_sum) || m->loss_sum < 0 || (m->step == 0 && m->loss_sum != 0))
        return sm_fail(e, "%s: bad running loss %g at step %u in the model file", path,
                       m->loss_sum, m->step);

    m->n_params = expect_params;
    /* The history grows on demand: size it by what the file holds. */
    if (model_alloc(m, m->epoch + 1, e) != 0)
        return -1;
    for (uint32_t i = 0; i < m->epoch; i++) {
        m->history[i].loss = get_f32(&c);
        m->history[i].val_loss = get_f32(&c);
    }
    memcpy(m->params, buf + c.pos, expect_params * 4);
    memcpy(m->velocity, buf + c.pos + expect_params * 4, expect_params * 4);
    for (size_t i = 0; i < expect_params; i++) {
        float w = m->params[i], v = m->velocity[i];
        if (!isfinite(w)) {
            model_free(m);
            return sm_fail(e, "%s: parameter %zu is %s: refusing a model with non-finite "
                           "weights", path, i, isnan(w) ? "NaN" : "infinite");
        }
        if (!isfinite(v) || v < 0) {
            model_free(m);
            return sm_fail(e, "%s: optimizer state %zu is %g: expected a finite value >= 0",
                           path, i, v);
        }
    }
    return 0;
}

int model_load(model_t *m, const char *path, sm_err *e)
{
    memset(m, 0, sizeof *m);
    size_t len;
    unsigned char *buf = slurp(path, (size_t)1 << 28, &len, e);
    if (!buf)
        return -1;
    int rc = parse(m, path, buf, len, e);
    free(buf);
    if (rc != 0)
        memset(m, 0, sizeof *m);
    return rc;
}
