/* net.c - the shared base network; see net.h. Each layer runs through
 * its kind's row (layer_kind.h), looked up once per layer and call.
 * R = rows (both sides of every pair), IN = input pixels, L = layers,
 * M = outputs of layer l, K = its fan-in.
 */
#include "net.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activation.h"
#include "floats.h"
#include "layer_kind.h"

static const layer_kind *kind_of(net_shape s, int layer)
{
    return layer_kind_of(s.kind[layer]);
}

static int dims_size(layer_dims d)
{
    return d.c * d.h * d.w;
}

int net_kind_count(void)
{
    return layer_kind_count();
}

layer_dims net_input_dims(net_shape s)
{
    if (s.in_c > 0)
        return (layer_dims){s.in_c, s.in_h, s.in_w};
    return (layer_dims){s.in, 1, 1};
}

void net_set_input(net_shape *s, int c, int h, int w)
{
    s->in_c = c;
    s->in_h = h;
    s->in_w = w;
    s->in = c * h * w;
}

/* Layer l's dims in and out; a layer that does not fit its input (see
 * net_check_shape, which callers ran) gets 0 x 0 x 0. */
static void dims_of(net_shape s, int layer, layer_dims *in, layer_dims *out)
{
    layer_dims d = net_input_dims(s), o = d;
    for (int l = 0; l <= layer; l++) {
        *in = d;
        if (kind_of(s, l)->out_dims(s.width[l], d, &o) != 0)
            o = (layer_dims){0, 0, 0};
        d = o;
    }
    *out = o;
}

layer_dims net_layer_in_dims(net_shape s, int layer)
{
    layer_dims in, out;
    dims_of(s, layer, &in, &out);
    return in;
}

layer_dims net_layer_out_dims(net_shape s, int layer)
{
    layer_dims in, out;
    dims_of(s, layer, &in, &out);
    return out;
}

int net_fan_in(net_shape s, int layer)
{
    return dims_size(net_layer_in_dims(s, layer));
}

int net_layer_out(net_shape s, int layer)
{
    return dims_size(net_layer_out_dims(s, layer));
}

void net_item_name(net_shape s, int layer, char *buf, size_t n)
{
    const layer_kind *k = kind_of(s, layer);
    if (s.kind[layer] == LAYER_DENSE)
        snprintf(buf, n, "%d", s.width[layer]);
    else if (s.width[layer] > 0)
        snprintf(buf, n, "%s%d", k->name, s.width[layer]);
    else
        snprintf(buf, n, "%s", k->name);
}

int net_is_spatial(net_shape s)
{
    for (int l = 0; l < s.layers; l++)
        if (kind_of(s, l)->spatial)
            return 1;
    return 0;
}

int net_check_shape(net_shape s, sm_err *e)
{
    layer_dims d = net_input_dims(s), o;
    size_t floats = 0;
    for (int l = 0; l < s.layers; l++) {
        char item[32];
        net_item_name(s, l, item, sizeof item);
        if (kind_of(s, l)->out_dims(s.width[l], d, &o) != 0 || dims_size(o) < 1) {
            if (kind_of(s, l)->spatial && d.h * d.w <= 1)
                return sm_fail(e, "--layers item %d '%s' has no pixels left: its input is %d "
                               "x %d x %d (channels x height x width)", l + 1, item, d.c, d.h,
                               d.w);
            return sm_fail(e, "--layers item %d '%s' does not fit its input of %d x %d x %d "
                           "(channels x height x width)", l + 1, item, d.c, d.h, d.w);
        }
        floats += (size_t)dims_size(o);
        if (floats > NET_MAX_ROW_FLOATS)
            return sm_fail(e, "--layers item %d '%s': the activations of one image reach %zu "
                           "floats, beyond the limit of %zu (NET_MAX_ROW_FLOATS); use a smaller "
                           "--size or fewer channels", l + 1, item, floats, NET_MAX_ROW_FLOATS);
        d = o;
    }
    return 0;
}

/* Layer l's parameter layout. */
static layer_size size_of(net_shape s, int layer)
{
    layer_dims in, out;
    dims_of(s, layer, &in, &out);
    return kind_of(s, layer)->size(in, out);
}

int net_kernel_rows(net_shape s, int layer)
{
    return size_of(s, layer).rows;
}

size_t net_row_floats(net_shape s, int layer)
{
    return (size_t)size_of(s, layer).row;
}

size_t net_tail_floats(net_shape s, int layer)
{
    return (size_t)size_of(s, layer).tail;
}

double net_forward_macs(net_shape s)
{
    double n = 0;
    for (int l = 0; l < s.layers; l++) {
        layer_dims in, out;
        dims_of(s, l, &in, &out);
        n += kind_of(s, l)->macs(in, out);
    }
    return n;
}

double net_backward_macs(net_shape s)
{
    double n = 0;
    for (int l = 0; l < s.layers; l++) {
        layer_dims in, out;
        dims_of(s, l, &in, &out);
        const layer_kind *k = kind_of(s, l);
        /* the kernel gradient; the input gradient but for layer 0 */
        n += (k->kernel_grad ? 1 : 0) * k->macs(in, out) + (l > 0 ? k->macs(in, out) : 0);
    }
    return n;
}

double net_kernel_grad_macs(net_shape s, int layer)
{
    layer_dims in, out;
    dims_of(s, layer, &in, &out);
    const layer_kind *k = kind_of(s, layer);
    return k->kernel_grad ? k->macs(in, out) : 0.0;
}

net_shape net_shape_default(int in)
{
    net_shape s;
    memset(&s, 0, sizeof s);
    s.in = in;
    s.layers = NET_DEFAULT_LAYERS;
    for (int l = 0; l < NET_DEFAULT_LAYERS; l++)
        s.width[l] = NET_DEFAULT_WIDTH;
    return s;
}

int net_out(net_shape s)
{
    return net_layer_out(s, s.layers - 1);
}

int net_max_width(net_shape s)
{
    int m = 0;
    for (int l = 0; l < s.layers; l++)
        m = net_layer_out(s, l) > m ? net_layer_out(s, l) : m;
    return m;
}

/* The input's height and width count only when a spatial layer reads them. */
int net_shape_equal(net_shape a, net_shape b)
{
    if (a.in != b.in || a.layers != b.layers)
        return 0;
    for (int l = 0; l < a.layers; l++)
        if (a.width[l] != b.width[l] || a.kind[l] != b.kind[l])
            return 0;
    if (net_is_spatial(a)) {
        layer_dims x = net_input_dims(a), y = net_input_dims(b);
        if (x.c != y.c || x.h != y.h || x.w != y.w)
            return 0;
    }
    return 1;
}

size_t net_param_count(net_shape s)
{
    size_t n = 0;
    for (int l = 0; l < s.layers; l++) {
        layer_size z = size_of(s, l);
        n += (size_t)z.rows * (size_t)z.row + (size_t)z.tail;
    }
    return n;
}

void net_point(net_views *v, float *flat, net_shape s)
{
    memset(v, 0, sizeof *v);
    for (int l = 0; l < s.layers; l++) {
        layer_size z = size_of(s, l);
        v->w[l] = flat;
        flat += (size_t)z.rows * (size_t)z.row;
        v->b[l] = flat;
        flat += z.tail;
    }
}

float *net_embedding(const net_cache *c)
{
    return c->a[c->shape.layers - 1];
}

void net_init(float *params, net_shape s, rng_t *r)
{
    net_views v;
    net_point(&v, params, s);
    for (int l = 0; l < s.layers; l++) {
        layer_dims in, out;
        dims_of(s, l, &in, &out);
        if (kind_of(s, l)->init)
            kind_of(s, l)->init(v.w[l], in, out, r);
    }
}

/* Rows a pass through the layers takes at a time: a chunk's largest
 * activation about NET_CHUNK_BYTES, so that each layer reads its input
 * from the cache the layer below just wrote it to (conv32 on 28 x 28: 100
 * KB an image, a whole batch's 26 MB far beyond L2; a transient output,
 * below, never leaves it). In multiples of 8 rows
 * when there are so many (a 7 x 7 conv's product takes 8 images, conv.c);
 * a dense net's chunk holds the whole batch. Rows are independent (and
 * dropout draws by row index), so the chunks give the same bits. */
#define NET_CHUNK_BYTES ((size_t)1 << 20)

static int chunk_rows(net_shape s)
{
    size_t most = (size_t)s.in;
    for (int l = 0; l < s.layers; l++)
        most = (size_t)net_layer_out(s, l) > most ? (size_t)net_layer_out(s, l) : most;
    size_t rows = NET_CHUNK_BYTES / (most * sizeof(float));
    rows = rows >= 8 ? rows / 8 * 8 : rows;
    return rows < 1 ? 1 : rows > (size_t)INT_MAX ? INT_MAX : (int)rows;
}

int net_chunk_rows(net_shape s)
{
    return chunk_rows(s);
}

/* 1 when, in training, layer l's output is read by layer l+1's forward
 * alone: l+1 keeps a record (its backward does not read its input, and
 * masks by l's ReLU itself: net_backward_rows), has no kernel gradient
 * (which would read it), and no dropout follows l (whose mask would be
 * read from it). Conv before pool: conv32's output, 26 MB a batch, is the
 * step's largest tensor. Such a layer keeps no a[l]: each chunk's rows go
 * to the worker's net_cache.local, read by l+1 at once, while in cache. */
static int transient(net_shape s, int l)
{
    if (l + 1 >= s.layers)
        return 0;
    const layer_kind *k = kind_of(s, l), *up = kind_of(s, l + 1);
    return up->record && up->forward_rec && up->input_grad_rec && !up->kernel_grad &&
           !(k->dropout && l < s.layers - 1);
}

/* Floats of a worker's local buffer: a chunk of the widest transient
 * output (0: none). */
static size_t local_floats(net_shape s)
{
    size_t n = 0;
    for (int l = 0; l < s.layers; l++)
        if (transient(s, l) && (size_t)net_layer_out(s, l) > n)
            n = (size_t)net_layer_out(s, l);
    return n * (size_t)chunk_rows(s);
}

void net_cache_free(net_cache *c)
{
    free(c->x);
    for (int l = 0; l < NET_MAX_LAYERS; l++) {
        free(c->a[l]);
        free(c->g[l]);
        free(c->wt[l]);
        free(c->rec[l]);
        free(c->wf[l]);
    }
    for (int i = 0; i < NET_MAX_WORKERS; i++) {
        free(c->scratch[i]);
        free(c->local[i]);
    }
    memset(c, 0, sizeof *c);
}

/* Bytes of layer l's record a row (layer_kind.h), 0 for none. */
static size_t record_bytes(net_shape s, int layer)
{
    const layer_kind *k = kind_of(s, layer);
    if (!k->record)
        return 0;
    layer_dims in, out;
    dims_of(s, layer, &in, &out);
    return k->record(in, out);
}

/* Floats of layer l's forward layout (layer_kind.h), 0 for none. */
static size_t forward_floats(net_shape s, int layer)
{
    const layer_kind *k = kind_of(s, layer);
    if (!k->prepare_forward)
        return 0;
    layer_dims in, out;
    dims_of(s, layer, &in, &out);
    return k->forward_floats(in, out);
}

/* Floats of one worker's scratch: the most any layer asks. */
static size_t scratch_floats(net_shape s, int training)
{
    size_t n = 0;
    for (int l = 0; l < s.layers; l++) {
        layer_dims in, out;
        dims_of(s, l, &in, &out);
        const layer_kind *k = kind_of(s, l);
        size_t f = k->scratch(in, out), g = training ? k->grad_scratch(in, out) : 0;
        n = f > n ? f : n;
        n = g > n ? g : n;
    }
    return n;
}

double net_cache_bytes(net_shape s, int max_rows, int training, int workers)
{
    double rows = max_rows, f = rows * s.in;
    for (int l = 0; l < s.layers; l++) {
        f += rows * net_layer_out(s, l) * (training ? 2 : 1);
        if (training && transient(s, l))
            f -= rows * net_layer_out(s, l);
        if (training && l > 0)
            f += (double)net_kernel_rows(s, l) * (double)net_row_floats(s, l);
        if (training)
            f += rows * (double)record_bytes(s, l) / sizeof(float);
        f += (double)forward_floats(s, l);
    }
    f += (double)workers * (double)scratch_floats(s, training);
    if (training)
        f += (double)workers * (double)local_floats(s);
    return f * sizeof(float);
}

int net_cache_init(net_cache *c, net_shape s, int max_rows, kernels_path k, int training,
                   int workers, sm_err *e)
{
    memset(c, 0, sizeof *c);
    c->shape = s;
    c->max_rows = max_rows;
    c->workers = workers < 1 ? 1 : workers > NET_MAX_WORKERS ? NET_MAX_WORKERS : workers;
    if (k == KERNELS_AUTO)
        kernels_resolve(k, &k, e); /* never fails for auto */
    c->kernels = k;
    size_t rows = (size_t)max_rows;
    c->x = sm_alloc_floats(rows * (size_t)s.in);
    int ok = c->x != NULL;
    for (int l = 0; l < s.layers; l++) {
        size_t M = (size_t)net_layer_out(s, l);
        size_t t = (size_t)net_kernel_rows(s, l) * net_row_floats(s, l);
        if (!(training && transient(s, l)))
            ok &= (c->a[l] = sm_alloc_floats(rows * M)) != NULL;
        if (forward_floats(s, l) > 0)
            ok &= (c->wf[l] = sm_alloc_floats(forward_floats(s, l))) != NULL;
        if (training) {
            ok &= (c->g[l] = sm_alloc_floats(rows * M)) != NULL;
            if (l > 0 && t > 0)
                ok &= (c->wt[l] = sm_alloc_floats(t)) != NULL;
            if (record_bytes(s, l) > 0)
                ok &= (c->rec[l] = malloc(rows * record_bytes(s, l))) != NULL;
        }
    }
    size_t sf = scratch_floats(s, training);
    for (int i = 0; i < c->workers && sf > 0; i++)
        ok &= (c->scratch[i] = sm_alloc_floats(sf)) != NULL;
    size_t lf = training ? local_floats(s) : 0;
    for (int i = 0; i < c->workers && lf > 0; i++)
        ok &= (c->local[i] = sm_alloc_floats(lf)) != NULL;
    if (!ok) {
        net_cache_free(c);
        return sm_fail(e, "out of memory for activations of %d rows", max_rows);
    }
    return 0;
}

static void forward_rows(const float *params, net_cache *c, int r0, int R,
                         const net_dropout *drop, int worker)
{
    net_shape s = c->shape;
    net_views v;
    net_point(&v, (float *)params, s);
    for (int l = 0; l < s.layers; l++) {
        layer_dims in, out;
        dims_of(s, l, &in, &out);
        int K = dims_size(in), M = dims_size(out);
        /* a transient layer (no a[l]) writes to and its successor reads
         * from the worker's local buffer: this chunk's rows */
        const float *x = l == 0       ? c->x + (size_t)r0 * K
                         : c->a[l - 1] ? c->a[l - 1] + (size_t)r0 * K
                                       : c->local[worker];
        float *y = c->a[l] ? c->a[l] + (size_t)r0 * M : c->local[worker];
        const layer_kind *k = kind_of(s, l);
        const float *p = c->wf[l] ? c->wf[l] : v.w[l]; /* wf: the forward's layout */
        if (c->rec[l])
            k->forward_rec(y, c->rec[l] + (size_t)r0 * k->record(in, out), x, R, in, out);
        else
            k->forward(c->kernels, y, x, p, R, in, out, c->scratch[worker]);
        /* Dropout follows dense layers but the last, in training only. */
        if (drop && k->dropout && l < s.layers - 1)
            dropout_forward(y, R, M, drop->rate, drop->seed, ((uint64_t)l << 32) + (uint64_t)r0);
    }
}

/* c->wf from params (net_prepare_forward's work). */
static void fill_forward(net_cache *c, const float *params)
{
    net_views v;
    net_point(&v, (float *)params, c->shape);
    for (int l = 0; l < c->shape.layers; l++) {
        layer_dims in, out;
        dims_of(c->shape, l, &in, &out);
        if (c->wf[l])
            kind_of(c->shape, l)->prepare_forward(c->wf[l], v.w[l], in, out);
    }
}

void net_prepare_forward(net_cache *c, const float *params)
{
    fill_forward(c, params);
    c->wf_ready = 1;
}

void net_forget_forward(net_cache *c)
{
    c->wf_ready = 0;
}

void net_forward(const float *params, net_cache *c, int r0, int R, const net_dropout *drop,
                 int worker)
{
    if (!c->wf_ready)
        fill_forward(c, params);
    const int n = chunk_rows(c->shape);
    for (int r = r0; r < r0 + R; r += n)
        forward_rows(params, c, r, r0 + R - r < n ? r0 + R - r : n, drop, worker);
}

/* 1 when c->dy_on_demand applies (net.h): layer 0's gradient goes by
 * columns, and the pool above it keeps a record and masks by its ReLU
 * (transient): layer 0's dy is then made from g[1] and that record, an
 * image at a time, by make_first_dy. */
static int first_on_demand(const net_cache *c)
{
    const net_shape s = c->shape;
    return c->dy_on_demand && s.layers > 1 && c->rec[1] && transient(s, 0) &&
           net_by_columns(s, 0) && kind_of(s, 0)->column_grads_made;
}

static void backward_rows(net_cache *c, int r0, int R, float rate, int worker)
{
    net_shape s = c->shape;
    const float scale = 1.0f / (1.0f - rate);
    /* g[l] holds the gradient w.r.t. a[l]; turn it into that of the
     * pre-activation in place, then pass it down to g[l-1]. A pool or gap
     * layer above a ReLU without dropout masks by it as it passes the
     * gradient down (input_grad_relu): one pass over g[l-1] fewer. */
    int masked = 0; /* g[l] is already the pre-activation's */
    const int stop = first_on_demand(c) ? 1 : 0; /* layer 0's dy: made later */
    for (int l = s.layers - 1; l >= stop; l--) {
        layer_dims in, out;
        dims_of(s, l, &in, &out);
        int K = dims_size(in), M = dims_size(out);
        const layer_kind *k = kind_of(s, l);
        float *g = c->g[l] + (size_t)r0 * M;
        int dropped = k->dropout && l < s.layers - 1;
        if (k->relu && !masked)
            relu_dropout_backward(g, c->a[l] + (size_t)r0 * M, (size_t)R * (size_t)M,
                                  dropped ? scale : 1.0f);
        masked = 0;
        if (l > stop) {
            const layer_kind *below = kind_of(s, l - 1);
            const int fuse = below->relu && !(below->dropout && l - 1 < s.layers - 1);
            float *dx = c->g[l - 1] + (size_t)r0 * K;
            masked = fuse && (k->input_grad_relu || c->rec[l]);
            if (c->rec[l])
                k->input_grad_rec(dx, g, c->rec[l] + (size_t)r0 * k->record(in, out), R, in, out,
                                  masked);
            else
                (masked ? k->input_grad_relu : k->input_grad)(c->kernels, dx, g, c->wt[l],
                                                              c->a[l - 1] + (size_t)r0 * K, R, in,
                                                              out, c->scratch[worker]);
        }
    }
}

void net_backward_rows(net_cache *c, int r0, int R, float rate, int worker)
{
    const int n = chunk_rows(c->shape);
    for (int r = r0; r < r0 + R; r += n)
        backward_rows(c, r, r0 + R - r < n ? r0 + R - r : n, rate, worker);
}

void net_transpose(net_cache *c, const float *params, int l, int k0, int k1)
{
    const layer_kind *k = kind_of(c->shape, l);
    if (l == 0 || !k->prepare)
        return;
    net_views v;
    net_point(&v, (float *)params, c->shape);
    layer_dims in, out;
    dims_of(c->shape, l, &in, &out);
    k->prepare(c->wt[l], v.w[l], in, out, k0, k1);
}

void net_weight_grads(const net_cache *c, float *grads, int l, int R, int k0, int k1,
                      int worker)
{
    const layer_kind *k = kind_of(c->shape, l);
    if (!k->kernel_grad)
        return;
    net_views g;
    net_point(&g, grads, c->shape);
    layer_dims in, out;
    dims_of(c->shape, l, &in, &out);
    const float *x = l == 0 ? c->x : c->a[l - 1];
    k->kernel_grad(c->kernels, g.w[l], x, c->g[l], R, in, out, k0, k1, c->scratch[worker]);
}

void net_bias_grads(const net_cache *c, float *grads, int l, int R, int j0, int j1)
{
    const layer_kind *k = kind_of(c->shape, l);
    if (!k->tail_grad)
        return;
    net_views g;
    net_point(&g, grads, c->shape);
    layer_dims in, out;
    dims_of(c->shape, l, &in, &out);
    k->tail_grad(g.b[l], c->g[l], R, in, out, j0, j1);
}

void net_layer_grads(const net_cache *c, float *grads, int l, int R, int k0, int k1, int j0,
                     int j1, int worker)
{
    const layer_kind *k = kind_of(c->shape, l);
    if (!k->grads) {
        if (k1 > k0)
            net_weight_grads(c, grads, l, R, k0, k1, worker);
        if (j1 > j0)
            net_bias_grads(c, grads, l, R, j0, j1);
        return;
    }
    net_views g;
    net_point(&g, grads, c->shape);
    layer_dims in, out;
    dims_of(c->shape, l, &in, &out);
    const float *x = l == 0 ? c->x : c->a[l - 1];
    k->grads(c->kernels, g.w[l], g.b[l], x, c->g[l], R, in, out, k0, k1, j0, j1,
             c->scratch[worker]);
}

int net_by_columns(net_shape s, int l)
{
    const layer_kind *k = kind_of(s, l);
    layer_dims in, out;
    dims_of(s, l, &in, &out);
    return l == 0 && k->by_columns && k->column_grads && k->by_columns(in, out);
}

/* layer_dy's rows for layer 0 (first_on_demand): image r's channels j0
 * .. j1-1 of its dy, out [j1 - j0, H W], by the pool's backward from g[1]
 * and its record on those channels alone (each plane is its own): what
 * net_backward_rows would have written to g[0], the same bits. */
static void make_first_dy(const void *ctx, int r, int j0, int j1, float *out)
{
    const net_cache *c = ctx;
    const net_shape s = c->shape;
    const layer_kind *pool = kind_of(s, 1);
    layer_dims in, o;
    dims_of(s, 1, &in, &o);
    const layer_dims in1 = {j1 - j0, in.h, in.w}, o1 = {j1 - j0, o.h, o.w};
    const layer_dims plane_in = {1, in.h, in.w}, plane_out = {1, o.h, o.w};
    const float *dy = c->g[1] + ((size_t)r * o.c + (size_t)j0) * (size_t)o.h * (size_t)o.w;
    const unsigned char *rec = c->rec[1] + (size_t)r * pool->record(in, o) +
                               (size_t)j0 * pool->record(plane_in, plane_out);
    pool->input_grad_rec(out, dy, rec, 1, in1, o1, kind_of(s, 0)->relu);
}

void net_column_grads(const net_cache *c, float *grads, int l, int R, int j0, int j1,
                      int worker)
{
    net_views g;
    net_point(&g, grads, c->shape);
    layer_dims in, out;
    dims_of(c->shape, l, &in, &out);
    const layer_kind *k = kind_of(c->shape, l);
    if (l == 0 && first_on_demand(c)) { /* dy made an image at a time */
        const layer_dy made = {make_first_dy, c};
        k->column_grads_made(c->kernels, g.w[0], g.b[0], c->x, &made, R, in, out, j0, j1,
                             c->scratch[worker]);
        return;
    }
    const float *x = l == 0 ? c->x : c->a[l - 1];
    k->column_grads(c->kernels, g.w[l], g.b[l], x, c->g[l], R, in, out, j0, j1,
                    c->scratch[worker]);
}
