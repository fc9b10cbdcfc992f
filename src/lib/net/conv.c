/* conv.c - the 3 x 3 convolution on gemm.h by im2col; see conv.h for the
 * column order, every sum's order and the products. R = images, C = input
 * channels, H x W = P positions, M = output channels, K = 9 C kernel rows,
 * G = images per product (conv_group), N = G P rounded up to 16 columns. */
#include "conv.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "simd.h"
#include "transpose.h"

#define CONV_GROUP_COLS 384

/* Images per product: enough that one product has some CONV_GROUP_COLS columns (a
 * 7 x 7 image alone would make 49-wide products, most of a vector tile
 * ragged), at least 1. */
static int conv_group(int H, int W)
{
    int P = H * W;
    return P >= CONV_GROUP_COLS ? 1 : (CONV_GROUP_COLS + P - 1) / P;
}

/* n rounded up to an odd number of 16-float vectors: as a product's width
 * (padding columns of zeros, their outputs unused) no column falls to the
 * tiles' one-at-a-time tail; as B's row stride, rows an odd number of
 * cache lines apart are read in place by gemm (gemm_tile.h). */
static size_t odd_vectors(size_t n)
{
    return ((n + 15) / 16 | 1) * 16;
}

/* Columns of a group's product. */
static size_t conv_cols(int H, int W)
{
    return odd_vectors((size_t)conv_group(H, W) * (size_t)H * (size_t)W);
}

static size_t dx_scratch(int C, int H, int W, int M);

/* conv_forward's [K + 1 + M, N], or conv_input_grad's (dx_scratch). */
size_t conv_scratch(int C, int H, int W, int M)
{
    const size_t K1 = (size_t)9 * (size_t)C + 1;
    size_t fw = (K1 + (size_t)M) * conv_cols(H, W) + (size_t)M * K1 +
                conv_im2col_work(conv_group(H, W), H, W);
    size_t dx = dx_scratch(C, H, W, M);
    return fw > dx ? fw : dx;
}

/* The few kernel rows of a first layer (K + 1 <= 32: C <= 3 channels)
 * take the weight gradient transposed (conv_grads_few); their padded
 * width, the columns of its product: K + 1 rounded up to 16. */
#define FEW_ROWS 32

static int few_rows(int C)
{
    return 9 * C + 1 <= FEW_ROWS;
}

static size_t few_width(int C)
{
    return ((size_t)9 * C + 1 + 15) / 16 * 16;
}

size_t conv_weight_scratch(int C, int H, int W, int M)
{
    const size_t P = (size_t)H * W, gp = (size_t)conv_group(H, W) * P, K = (size_t)9 * C;
    size_t n = (K + odd_vectors((size_t)M)) * gp + conv_im2col_work(conv_group(H, W), H, W);
    size_t few = few_rows(C) ? ((size_t)M + P) * few_width(C) + (K + (size_t)M) * P : 0;
    return n > few ? n : few;
}

/* row [P] = im2col row k = (c * 3 + ky) * 3 + kx of one image x [C, H, W]:
 * the plane shifted by (ky - 1, kx - 1). The rows inside the image are one
 * contiguous copy (a shift by kx - 1 along the flattened plane), then the
 * column that crossed a row edge (kx != 1) is set to 0; rows outside are 0. */
void conv_im2col_row(float *restrict row, const float *restrict x, int H, int W, int k)
{
    int c = k / 9, ky = k / 3 % 3, kx = k % 3;
    const float *plane = x + (size_t)c * H * W;
    /* output rows oy with iy = oy + ky - 1 inside [0, H): [oy0, oy1) */
    int oy0 = ky == 0 ? 1 : 0, oy1 = ky == 2 ? H - 1 : H;
    if (oy1 < oy0)
        oy1 = oy0; /* H = 1 */
    memset(row, 0, (size_t)oy0 * W * sizeof(float));
    memset(row + (size_t)oy1 * W, 0, (size_t)(H - oy1) * W * sizeof(float));
    size_t n = (size_t)(oy1 - oy0) * W;
    if (n == 0)
        return;
    float *out = row + (size_t)oy0 * W;
    const float *in = plane + (size_t)(oy0 + ky - 1) * W; /* input row of out's first */
    if (kx == 1) {
        memcpy(out, in, n * sizeof(float));
    } else if (kx == 0) { /* out[i] = in[i - 1]; column 0 is padding */
        memcpy(out + 1, in, (n - 1) * sizeof(float));
        for (size_t i = 0; i < n; i += W)
            out[i] = 0.0f;
    } else { /* out[i] = in[i + 1]; column W - 1 is padding */
        memcpy(out, in + 1, (n - 1) * sizeof(float));
        for (size_t i = W - 1; i < n; i += W)
            out[i] = 0.0f;
    }
}

/* The work of im2col_taps on G images of H x W [2 P + G (P + 2 W + 2)]:
 * keep [2, P], then one buf [P + 2 W + 2] per image. keep[0][p] is 0 where
 * ox = 0 (tap kx = 0 reads left of the image there), keep[1][p] 0 where ox
 * = W - 1 (kx = 2 reads right of it), 1 elsewhere. A buf holds a channel's
 * plane between W + 1 floats of +0 before and after (set here; only the
 * plane is rewritten). */
static void im2col_begin(float *work, int G, int H, int W)
{
    const size_t P = (size_t)H * W, B = P + 2 * (size_t)W + 2;
    float *keep = work;
    for (size_t oy = 0; oy < (size_t)H; oy++)
        for (size_t ox = 0; ox < (size_t)W; ox++) {
            keep[oy * W + ox] = ox > 0 ? 1.0f : 0.0f;
            keep[P + oy * W + ox] = ox + 1 < (size_t)W ? 1.0f : 0.0f;
        }
    for (int g = 0; g < G; g++) {
        float *buf = work + 2 * P + (size_t)g * B;
        memset(buf, 0, ((size_t)W + 1) * sizeof(float));
        memset(buf + W + 1 + P, 0, ((size_t)W + 1) * sizeof(float));
    }
}

/* Rows k0 .. k1-1 of the im2col of G images x [G, C, H, W], image g's row k
 * at dst + (k - k0) ld + g P: conv_im2col_row's bits. Channel by channel,
 * the G images' planes are copied once between their buf's zero margins;
 * tap (ky, kx) is then one flat shifted read of all P positions, out[i] =
 * plane[i + (ky - 1) W + (kx - 1)], which lands in a margin exactly where
 * iy is outside the image. A horizontal tap (kx != 1) at a row's edge
 * would read the neighbouring row's last or first pixel instead of
 * padding: keep clears it to +0 with a select (the value's bits are moved,
 * never computed, so NaN, -0 and infinities are copied as they are). Each
 * row's G segments are written one after the other: the operand is
 * written in order, row by row (measured faster in the training step than
 * image by image). */
static SM_VECTOR void im2col_taps(float *restrict dst, size_t ld, const float *restrict x, int G,
                                  int C, int H, int W, int k0, int k1, float *restrict work)
{
    const size_t P = (size_t)H * W, B = P + 2 * (size_t)W + 2;
    const float *keep = work;
    float *bufs = work + 2 * P;
    for (int c = k0 / 9; 9 * c < k1; c++) {
        for (int g = 0; g < G; g++)
            memcpy(bufs + (size_t)g * B + W + 1, x + ((size_t)g * C + c) * P, P * sizeof(float));
        const int t0 = k0 > 9 * c ? k0 - 9 * c : 0, t1 = k1 - 9 * c < 9 ? k1 - 9 * c : 9;
        for (int t = t0; t < t1; t++) {
            const int ky = t / 3, kx = t % 3;
            const float *k = kx == 0 ? keep : keep + P;
            for (int g = 0; g < G; g++) {
                float *restrict out = dst + (size_t)(9 * c + t - k0) * ld + (size_t)g * P;
                /* plane + (ky - 1) W + kx - 1 */
                const float *in = bufs + (size_t)g * B + (size_t)ky * W + kx;
                if (kx == 1)
                    memcpy(out, in, P * sizeof(float));
                else
                    for (size_t i = 0; i < P; i++) {
                        const float v = in[i];
                        out[i] = k[i] != 0.0f ? v : 0.0f;
                    }
            }
        }
    }
}

size_t conv_im2col_work(int G, int H, int W)
{
    const size_t P = (size_t)H * W;
    return 2 * P + (size_t)G * (P + 2 * (size_t)W + 2);
}

void conv_im2col_group(float *dst, size_t ld, const float *x, int G, int C, int H, int W, int k0,
                       int k1, float *work)
{
    im2col_begin(work, G, H, W);
    im2col_taps(dst, ld, x, G, C, H, W, k0, k1, work);
}

/* Columns g0 .. g0+G of the group's [rows, N] operand from [G, rows, P]
 * tensors: row j of image g at column g P of row j; the padding columns
 * after G P set to 0. */
static void gather_rows(float *restrict dst, size_t N, const float *restrict src, int G,
                        int rows, int P)
{
    for (int j = 0; j < rows; j++) {
        float *d = dst + (size_t)j * N;
        for (int g = 0; g < G; g++)
            memcpy(d + (size_t)g * P, src + ((size_t)g * rows + j) * P, (size_t)P * sizeof(float));
        memset(d + (size_t)G * P, 0, (N - (size_t)G * P) * sizeof(float));
    }
}

/* y [M, P] of image g from the product's columns g P .. g P + P - 1
 * (rows N apart). */
static void scatter_out(float *restrict y, const float *restrict out, size_t N, int M, int P)
{
    for (int m = 0; m < M; m++)
        memcpy(y + (size_t)m * P, out + (size_t)m * N, (size_t)P * sizeof(float));
}

void conv_transpose_weights(float *wt, const float *wb, int C, int M)
{
    transpose_floats(wt, 9 * C + 1, wb, M, 9 * C + 1, M);
}

void conv_forward_transposed(kernels_path p, float *y, const float *x, const float *wt, int R,
                             int C, int H, int W, int M, float *scratch)
{
    const int P = H * W, K = 9 * C, G0 = conv_group(H, W);
    const size_t N = conv_cols(H, W);
    float *cols = scratch; /* [K + 1, N]: im2col of G images side by side, then ones */
    float *out = scratch + (size_t)(K + 1) * N; /* [M, N] */
    float *work = out + (size_t)M * N + (size_t)M * (K + 1); /* conv_im2col_work */
    for (size_t j = 0; j < N; j++)
        cols[(size_t)K * N + j] = 1.0f;
    for (int r0 = 0; r0 < R; r0 += G0) {
        const int G = R - r0 < G0 ? R - r0 : G0;
        conv_im2col_group(cols, N, x + (size_t)r0 * C * P, G, C, H, W, 0, K, work);
        /* the padding columns: set once, and again after a short group */
        if (r0 == 0 || G < G0)
            for (int k = 0; k < K; k++)
                memset(cols + (size_t)k * N + (size_t)G * P, 0,
                       (N - (size_t)G * P) * sizeof(float));
        /* relu(out [M, N] = wt [M, K + 1] cols [K + 1, N]): A(m, k) =
         * wt[m (K + 1) + k] = wb[k M + m]; one image whose columns fill the product exactly
         * is written in place */
        float *yr = y + (size_t)r0 * M * P;
        int direct = G == 1 && N == (size_t)P;
        gemm(p, M, (int)N, K + 1, wt, K + 1, 1, cols, (int)N, direct ? yr : out, (int)N, NULL, 1);
        for (int g = 0; g < G && !direct; g++)
            scatter_out(yr + (size_t)g * M * P, out + (size_t)g * P, N, M, P);
    }
}

void conv_forward(kernels_path p, float *y, const float *x, const float *wb, int R, int C, int H,
                  int W, int M, float *scratch)
{
    const size_t K1 = (size_t)9 * C + 1;
    float *wt = scratch + (K1 + (size_t)M) * conv_cols(H, W); /* [M, K + 1] */
    conv_transpose_weights(wt, wb, C, M);
    conv_forward_transposed(p, y, x, wt, R, C, H, W, M, scratch);
}

/* col2im by tap masks. Input position i = iy W + ix of a plane takes tap
 * t = ky * 3 + kx from output position i - off_t, off_t = (ky - 1) W +
 * (kx - 1), when that output is inside the image: row iy - ky + 1 in
 * [0, H) (ky = 0: iy < H - 1; ky = 2: iy > 0) and column ix - kx + 1 in
 * [0, W) (kx = 0: ix < W - 1; kx = 2: ix > 0). So for every tap the
 * plane is one flat shifted read, acc[i] += bits(dcols row t at i - off_t)
 * & mask, with the mask the AND of a row mask (ky) and a column mask (kx),
 * all-ones bits where the tap is used and +0 where not (the centre tap
 * needs none); a vector of positions takes its 9 taps in a register and
 * is written once, and dcols is only read. A skipped tap adds +0, which
 * is skipping it: the sum starts at +0 and is never -0 (x + -x and +0 +
 * -0 round to +0); NaN, -0 and infinities at used positions pass the AND
 * as they are. masks [Pv / V, 4, V] (V = COL2IM_V
 * positions a vector, Pv = P rounded up to V): per vector, the masks for
 * ky = 0, ky = 2, kx = 0 and kx = 2, side by side so that one pointer
 * reaches them: 4 mask loads a vector, not 8 (loads, 9 of them from
 * dcols, are what the loop waits on). Measured with tests/bench_col2im
 * (CPU time, alternating with the code before): about 0.5x of the
 * flat-loops col2im on 14 x 14 planes, 0.32x on 7 x 7. Measured no
 * faster: 16-float vectors on AVX-512 (0.53x, 0.39x), two vectors a loop
 * step, channels inside positions (each vector's masks loaded once for
 * all channels), and one word of 4 bits a position instead of the 4
 * masks (1 load and 4 compares: 0.52x, 0.35x). */
#define COL2IM_V 8

typedef float col2im_vf __attribute__((vector_size(COL2IM_V * sizeof(float))));
typedef int32_t col2im_vi __attribute__((vector_size(COL2IM_V * sizeof(float))));

static size_t col2im_pv(int H, int W)
{
    return ((size_t)H * W + COL2IM_V - 1) / COL2IM_V * COL2IM_V;
}

size_t conv_col2im_masks_size(int H, int W)
{
    return 4 * col2im_pv(H, W);
}

void conv_col2im_masks(float *masks, int H, int W)
{
    const size_t P = (size_t)H * W, Pv = col2im_pv(H, W);
    const uint32_t on = 0xffffffffu, off = 0;
    for (size_t i = 0; i < Pv; i++) {
        const size_t iy = i / W, ix = i % W;
        const int used[4] = {iy + 1 < (size_t)H, iy > 0, ix + 1 < (size_t)W, ix > 0};
        for (int j = 0; j < 4; j++)
            memcpy(masks + (i / COL2IM_V * 4 + j) * COL2IM_V + i % COL2IM_V,
                   i < P && used[j] ? &on : &off, sizeof on);
    }
}

/* acc += bits(p[0 .. V-1]) & m (m NULL: all ones). Vectors by pointer:
 * inlined into conv_col2im's clones, so none crosses a call. */
static inline void col2im_tap(col2im_vf *acc, const float *p, const col2im_vi *m)
{
    col2im_vi v;
    memcpy(&v, p, sizeof v);
    if (m)
        v &= *m;
    *acc += (col2im_vf)v;
}

/* *out = the 9 taps of positions i .. i + V - 1, summed from +0 in the
 * order t = 0 .. 8; mk their masks. */
static inline void col2im_vector(col2im_vf *out, const float *const s[9], size_t i,
                                 const float *mk)
{
    col2im_vi r0, r2, c0, c2; /* ky = 0, ky = 2, kx = 0, kx = 2 */
    memcpy(&r0, mk, sizeof r0);
    memcpy(&r2, mk + COL2IM_V, sizeof r2);
    memcpy(&c0, mk + 2 * COL2IM_V, sizeof c0);
    memcpy(&c2, mk + 3 * COL2IM_V, sizeof c2);
    const col2im_vi r0c0 = r0 & c0, r0c2 = r0 & c2, r2c0 = r2 & c0, r2c2 = r2 & c2;
    col2im_vf acc = {0.0f};
    col2im_tap(&acc, s[0] + i, &r0c0);
    col2im_tap(&acc, s[1] + i, &r0);
    col2im_tap(&acc, s[2] + i, &r0c2);
    col2im_tap(&acc, s[3] + i, &c0);
    col2im_tap(&acc, s[4] + i, NULL);
    col2im_tap(&acc, s[5] + i, &c2);
    col2im_tap(&acc, s[6] + i, &r2c0);
    col2im_tap(&acc, s[7] + i, &r2);
    col2im_tap(&acc, s[8] + i, &r2c2);
    *out = acc;
}

/* Each vector of COL2IM_V positions sums its taps in a register and is
 * written once; the last, past P, only up to P (its lanes past P read,
 * and drop, whatever is there). */
SM_VECTOR void conv_col2im(float *restrict dx, const float *dcols, size_t ld, int C, int H,
                           int W, const float *restrict masks)
{
    const size_t P = (size_t)H * W, Pf = P / COL2IM_V * COL2IM_V;
    for (int c = 0; c < C; c++) {
        const float *s[9]; /* row t shifted: s[t][i] is its tap for input i */
        for (int t = 0; t < 9; t++)
            s[t] = dcols + (size_t)(c * 9 + t) * ld - ((ptrdiff_t)(t / 3 - 1) * W + t % 3 - 1);
        float *plane = dx + (size_t)c * P;
        col2im_vf acc;
        for (size_t i = 0; i < Pf; i += COL2IM_V) {
            col2im_vector(&acc, s, i, masks + 4 * i);
            memcpy(plane + i, &acc, sizeof acc);
        }
        if (Pf < P) {
            col2im_vector(&acc, s, Pf, masks + 4 * Pf);
            memcpy(plane + Pf, &acc, (P - Pf) * sizeof(float));
        }
    }
}

/* Input channels per block of conv_input_grad's product: 72 rows of dcols
 * (12 whole 6-row tiles), 115 KB on a group of 400 columns, that col2im
 * reads while they are in cache; measured on the trainer's step (conv64
 * and conv128): the product and col2im 3-7 % faster than one product of
 * all K rows, 4 channels slower than 8. */
#define DX_CHANNELS 8

/* conv_input_grad's scratch after dyG [M, N]: a margin of zeros, dcols
 * [9 min(C, DX_CHANNELS), N], a margin of zeros, the masks. conv_col2im
 * reads up to W + 1 floats before a row's first value and W + COL2IM_V
 * after its last (masked out): inside dcols' other rows or the margins,
 * rounded up to 16 floats to keep dcols' rows aligned. */
static size_t dx_margin(int W)
{
    return ((size_t)W + COL2IM_V + 15) / 16 * 16;
}

static size_t dx_scratch(int C, int H, int W, int M)
{
    const size_t N = conv_cols(H, W), cb = (size_t)(C < DX_CHANNELS ? C : DX_CHANNELS);
    return (size_t)M * N + 2 * dx_margin(W) + 9 * cb * N + conv_col2im_masks_size(H, W);
}

void conv_input_grad(kernels_path p, float *dx, const float *dy, const float *w, int R, int C,
                     int H, int W, int M, float *scratch)
{
    const int P = H * W, G0 = conv_group(H, W), cmax = C < DX_CHANNELS ? C : DX_CHANNELS;
    const size_t N = conv_cols(H, W), mg = dx_margin(W);
    float *dyg = scratch;                   /* [M, N]: dy of G images side by side */
    float *dcols = dyg + (size_t)M * N + mg; /* [9 cmax, N]: a block of rows */
    float *masks = dcols + (size_t)9 * cmax * N + mg; /* conv_col2im_masks */
    memset(dcols - mg, 0, mg * sizeof(float));
    memset(masks - mg, 0, mg * sizeof(float));
    conv_col2im_masks(masks, H, W);
    for (int r0 = 0; r0 < R; r0 += G0) {
        const int G = R - r0 < G0 ? R - r0 : G0;
        gather_rows(dyg, N, dy + (size_t)r0 * M * P, G, M, P);
        /* dcols [9 cb, N] = w [9 cb, M] dyg [M, N] for input channels c0
         * .. c0+cb-1 (rows 9 c0 ..), then their col2im while the rows are
         * in cache: every row of dcols is its own chains, so the blocks
         * give the bits of one product over all K rows */
        for (int c0 = 0; c0 < C; c0 += DX_CHANNELS) {
            const int cb = C - c0 < DX_CHANNELS ? C - c0 : DX_CHANNELS;
            gemm(p, 9 * cb, (int)N, M, w + (size_t)9 * c0 * M, M, 1, dyg, (int)N, dcols, (int)N,
                 NULL, 0);
            for (int g = 0; g < G; g++)
                conv_col2im(dx + ((size_t)(r0 + g) * C + c0) * P, dcols + (size_t)g * P, N, cb,
                            H, W, masks);
        }
    }
}

/* db[m] for m0 <= m < m1 continued over the n rows of dyt [n, ldt] (a
 * group's dy transposed, still in cache): conv_bias_grad's chains, r then
 * p, each in its own lane of 16 at a time. */
static SM_VECTOR void bias_rows(float *restrict db, const float *restrict dyt, size_t n, int ldt,
                                int m0, int m1)
{
    for (; m0 < m1; m0 += 16) {
        const int mb = m1 - m0 < 16 ? m1 - m0 : 16;
        float acc[16];
        for (int j = 0; j < mb; j++)
            acc[j] = db[m0 + j];
        if (mb == 16)
            for (size_t q = 0; q < n; q++)
                for (int j = 0; j < 16; j++)
                    acc[j] += dyt[q * ldt + m0 + j];
        else
            for (size_t q = 0; q < n; q++)
                for (int j = 0; j < mb; j++)
                    acc[j] += dyt[q * ldt + m0 + j];
        for (int j = 0; j < mb; j++)
            db[m0 + j] = acc[j];
    }
}

void conv_weight_grad(kernels_path p, float *dw, const float *x, const float *dy, int R, int C,
                      int H, int W, int M, int k0, int k1, float *scratch)
{
    conv_grads(p, dw, NULL, x, dy, R, C, H, W, M, k0, k1, 0, 0, scratch);
}

/* conv_grads for few kernel rows (few_rows): the products transposed,
 * so that dy is read in place and never transposed (on a first layer it
 * is the largest tensor of the step, 28 x 28 x 32 floats an image):
 *   dwt [M, Kw] += dy_r [M, P] colst_r [P, Kw]   for r = 0 .. R-1
 * with colst_r image r's im2col transposed, [P, Kw] (Kw = few_width):
 * columns 0 .. K-1 its K rows, column K ones, the rest 0. dwt[m][k] is
 * dw[k][m]'s chain (fma's product is exact, so the operands' order does
 * not matter), image by image, position by position; dwt[m][K] adds
 * fma(dy, 1, acc) = acc + dy: conv_bias_grad's chain, the same bits. Every
 * call computes all of dwt (a few rows: little work) and writes its rows
 * of dw and entries of db; or (conv_grads_columns) only the channels
 * c0 .. c1-1 of dwt, reading only theirs of dy: the same chains. */
typedef struct { /* where conv_grads_few reads dy: a tensor, or made */
    const float *dy;
    conv_dy_fn rows;
    const void *ctx;
} dy_source;

static void conv_grads_few(kernels_path p, float *dw, float *db, const float *x, dy_source src,
                           int R, int C, int H, int W, int M, int k0, int k1, int c0, int c1,
                           int m0, int m1, float *scratch)
{
    const int P = H * W, K = 9 * C, Kw = (int)few_width(C), Mc = c1 - c0;
    float *dwt = scratch;                       /* [c1 - c0, Kw]: channels c0 .. c1-1 */
    float *colst = dwt + (size_t)M * Kw;        /* [P, Kw] */
    float *cols = colst + (size_t)P * Kw;       /* [K, P]: one image's im2col */
    float *made = cols + (size_t)K * P;         /* [c1 - c0, P]: its dy, made */
    memset(dwt, 0, (size_t)Mc * Kw * sizeof(float));
    memset(colst, 0, (size_t)P * Kw * sizeof(float));
    for (int q = 0; q < P; q++)
        colst[(size_t)q * Kw + K] = 1.0f;
    for (int r = 0; r < R && Mc > 0; r++) {
        const float *xr = x + (size_t)r * C * P;
        for (int k = 0; k < K; k++)
            conv_im2col_row(cols + (size_t)k * P, xr, H, W, k);
        transpose_floats(colst, Kw, cols, P, K, P);
        const float *dyr = src.dy + ((size_t)r * M + c0) * P;
        if (src.rows) {
            src.rows(src.ctx, r, c0, c1, made);
            dyr = made;
        }
        gemm_acc(p, Mc, Kw, P, dyr, P, 1, colst, Kw, dwt, Kw);
    }
    for (int k = k0; k < k1; k++)
        for (int m = c0; m < c1; m++)
            dw[(size_t)k * M + m] = dwt[(size_t)(m - c0) * Kw + k];
    for (int m = m0; m < m1; m++)
        db[m] = dwt[(size_t)(m - c0) * Kw + K];
}

int conv_few_rows(int C)
{
    return few_rows(C);
}

void conv_grads_columns(kernels_path p, float *dw, float *db, const float *x, const float *dy,
                        int R, int C, int H, int W, int M, int m0, int m1, float *scratch)
{
    m1 = m1 > m0 ? m1 : m0;
    conv_grads_few(p, dw, db, x, (dy_source){dy, NULL, NULL}, R, C, H, W, M, 0, 9 * C, m0, m1,
                   m0, db ? m1 : m0, scratch);
}

void conv_grads_columns_made(kernels_path p, float *dw, float *db, const float *x,
                             conv_dy_fn dy_rows, const void *dy_ctx, int R, int C, int H, int W,
                             int M, int m0, int m1, float *scratch)
{
    m1 = m1 > m0 ? m1 : m0;
    conv_grads_few(p, dw, db, x, (dy_source){NULL, dy_rows, dy_ctx}, R, C, H, W, M, 0, 9 * C,
                   m0, m1, m0, db ? m1 : m0, scratch);
}

void conv_grads(kernels_path p, float *dw, float *db, const float *x, const float *dy, int R,
                int C, int H, int W, int M, int k0, int k1, int m0, int m1, float *scratch)
{
    k1 = k1 > k0 ? k1 : k0;
    m1 = db && m1 > m0 ? m1 : m0;
    if (k1 == k0 && m1 == m0)
        return;
    if (few_rows(C)) {
        conv_grads_few(p, dw, db, x, (dy_source){dy, NULL, NULL}, R, C, H, W, M, k0, k1, 0, M,
                       m0, m1, scratch);
        return;
    }
    const int P = H * W, rows = k1 - k0, G0 = conv_group(H, W);
    const size_t GP = (size_t)G0 * P;
    float *cols = scratch;                    /* [k1 - k0, G P]: rows k0 .. k1-1 */
    const int ldt = (int)odd_vectors((size_t)M);
    float *dyt = scratch + (size_t)rows * GP; /* [G P, M], rows ldt apart: dy transposed */
    float *out = dw + (size_t)k0 * M;         /* rows k0 .. k1-1 of dw */
    float *work = dyt + GP * (size_t)ldt;     /* conv_im2col_work */
    memset(out, 0, (size_t)rows * M * sizeof(float));
    for (int m = m0; m < m1; m++)
        db[m] = 0.0f;
    for (int r0 = 0; r0 < R; r0 += G0) {
        const int G = R - r0 < G0 ? R - r0 : G0;
        const size_t n = (size_t)G * P;
        conv_im2col_group(cols, n, x + (size_t)r0 * C * P, G, C, H, W, k0, k1, work);
        for (int g = 0; g < G; g++)
            transpose_floats(dyt + (size_t)g * P * ldt, ldt, dy + (size_t)(r0 + g) * M * P, P, M,
                             P);
        bias_rows(db, dyt, n, ldt, m0, m1);
        /* out [k1 - k0, M] += cols [k1 - k0, G P] dyt [G P, M]: these
         * images' terms, image by image, position by position */
        if (rows > 0)
            gemm_acc(p, rows, M, (int)n, cols, (int)n, 1, dyt, ldt, out, M);
    }
}

/* db[m] for 8 channels at once: 8 independent chains (each its own
 * order, r then p), so the additions overlap instead of waiting on one
 * another. */
void conv_bias_grad(float *restrict db, const float *restrict dy, int R, int H, int W, int M,
                    int m0, int m1)
{
    const size_t P = (size_t)H * W;
    for (; m0 < m1; m0 += 8) {
        const int mb = m1 - m0 < 8 ? m1 - m0 : 8;
        float acc[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
        for (int r = 0; r < R; r++) {
            const float *d = dy + ((size_t)r * M + m0) * P;
            if (mb == 8)
                for (size_t q = 0; q < P; q++)
                    for (int j = 0; j < 8; j++)
                        acc[j] += d[(size_t)j * P + q];
            else
                for (size_t q = 0; q < P; q++)
                    for (int j = 0; j < mb; j++)
                        acc[j] += d[(size_t)j * P + q];
        }
        for (int j = 0; j < mb; j++)
            db[m0 + j] = acc[j];
    }
}
