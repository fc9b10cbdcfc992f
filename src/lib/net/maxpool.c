/* maxpool.c - 2 x 2 max pooling, stride 2; see maxpool.h. R = images,
 * C = channels, H x W in, Ho x Wo = H/2 x W/2 out.
 *
 * The window's scan (a later tap taken only when strictly greater) is
 * written as selects, not branches: the data decide every comparison, so
 * branches would be mispredicted about half the time, and selects
 * vectorise (max(a, b) as "a > b ? a : b" is exactly the scan's step). */
#include "maxpool.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cpu.h"
#include "simd.h"

/* One plane x [H, W] into y [Ho, Wo]. */
static SM_VECTOR void pool_plane(float *restrict y, const float *restrict x, int H, int W)
{
    const int Ho = H / 2, Wo = W / 2;
    for (int oy = 0; oy < Ho; oy++) {
        const float *top = x + (size_t)(2 * oy) * W, *bot = top + W;
        float *yo = y + (size_t)oy * Wo;
        for (int ox = 0; ox < Wo; ox++) {
            float v = top[2 * ox];
            v = top[2 * ox + 1] > v ? top[2 * ox + 1] : v;
            v = bot[2 * ox] > v ? bot[2 * ox] : v;
            v = bot[2 * ox + 1] > v ? bot[2 * ox + 1] : v;
            yo[ox] = v;
        }
    }
}

/* dx [H, W] of one plane: dy at each window's first maximum in x, 0 at
 * the window's other taps and in a dropped last row or column; relu: 0
 * also where x <= 0 (the ReLU backward of the layer x came from). */
static inline __attribute__((always_inline)) void unpool_plane(float *restrict dx,
                                                               const float *restrict dy,
                                                               const float *restrict x, int H,
                                                               int W, int relu)
{
    const int Ho = H / 2, Wo = W / 2;
    for (int oy = 0; oy < Ho; oy++) {
        const float *top = x + (size_t)(2 * oy) * W, *bot = top + W;
        float *dtop = dx + (size_t)(2 * oy) * W, *dbot = dtop + W;
        const float *g = dy + (size_t)oy * Wo;
        for (int ox = 0; ox < Wo; ox++) {
            float a = top[2 * ox], b = top[2 * ox + 1], c = bot[2 * ox], d = bot[2 * ox + 1];
            /* the scan: b, then c, then d taken when strictly greater
             * than the value held; the last one taken wins, a when none */
            const float v1 = b > a ? b : a, v2 = c > v1 ? c : v1, gv = g[ox];
            /* what each tap gets if no later tap is taken (after b: ga, gb;
             * after c: ga2, gb2, gc) */
            const float ga = b > a ? 0.0f : gv, gb = b > a ? gv : 0.0f;
            const float gc = c > v1 ? gv : 0.0f;
            const float ga2 = c > v1 ? 0.0f : ga, gb2 = c > v1 ? 0.0f : gb;
            const float gd3 = d > v2 ? gv : 0.0f, gc3 = d > v2 ? 0.0f : gc;
            const float gb3 = d > v2 ? 0.0f : gb2, ga3 = d > v2 ? 0.0f : ga2;
            dbot[2 * ox + 1] = relu && !(d > 0.0f) ? 0.0f : gd3;
            dbot[2 * ox] = relu && !(c > 0.0f) ? 0.0f : gc3;
            dtop[2 * ox + 1] = relu && !(b > 0.0f) ? 0.0f : gb3;
            dtop[2 * ox] = relu && !(a > 0.0f) ? 0.0f : ga3;
        }
        if (W % 2)
            dtop[W - 1] = dbot[W - 1] = 0.0f;
    }
    if (H % 2)
        memset(dx + (size_t)(H - 1) * W, 0, (size_t)W * sizeof(float));
}

/* Window ox of a row pair (top, bot): y and its record (maxpool.h): the
 * scan above, the index of the tap it took (0 .. 3, row-major) plus 4
 * when the value taken is > 0. */
static inline void taps1(float *restrict y, int32_t *restrict to, const float *top,
                         const float *bot, int ox)
{
    const float a = top[2 * ox], b = top[2 * ox + 1], c = bot[2 * ox], d = bot[2 * ox + 1];
    const float v1 = b > a ? b : a, v2 = c > v1 ? c : v1, v = d > v2 ? d : v2;
    const int32_t t = d > v2 ? 3 : c > v1 ? 2 : b > a ? 1 : 0;
    y[ox] = v;
    to[ox] = t | (v > 0.0f ? 4 : 0);
}

/* dx of window ox's taps from its record: dy at the tap taken (or +0
 * when relu and the value taken was not > 0), +0 at the others. */
static inline void untaps1(float *restrict dtop, float *restrict dbot, const float *g,
                           const int32_t *tp, int ox, int relu)
{
    const int32_t t = tp[ox];
    const float gv = relu && !(t & 4) ? 0.0f : g[ox];
    dtop[2 * ox] = (t & 3) == 0 ? gv : 0.0f;
    dtop[2 * ox + 1] = (t & 3) == 1 ? gv : 0.0f;
    dbot[2 * ox] = (t & 3) == 2 ? gv : 0.0f;
    dbot[2 * ox + 1] = (t & 3) == 3 ? gv : 0.0f;
}

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_AVX2_TAPS 1

/* The first n of 8 lanes set (a mask for maskload / maskstore). */
__attribute__((target("avx2"))) static inline __m256i lanes_below(int n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* Lanes 0, 2, .., 14 (odd 0: even places) or 1, 3, .., 15 (odd 1) of the
 * 16 floats at p: the windows' left or right taps. Only the first n2
 * floats are read (n2 < 16: a row of fewer than 8 windows); the others
 * give lanes that are never stored. */
__attribute__((target("avx2"))) static inline __m256 taps_half(const float *p, int odd, int n2)
{
    __m256 lo = n2 >= 16 ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, lanes_below(n2));
    __m256 hi = n2 >= 16 ? _mm256_loadu_ps(p + 8) : _mm256_maskload_ps(p + 8, lanes_below(n2 - 8));
    __m256 s = odd ? _mm256_shuffle_ps(lo, hi, 0xdd) : _mm256_shuffle_ps(lo, hi, 0x88);
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(s), 0xd8));
}

/* taps1 for windows ox .. ox+n-1 at once (n <= 8): the same compares
 * (ordered "greater than": false on NaN, as in C) and selects. */
__attribute__((target("avx2"))) static inline void taps8(float *y, int32_t *to, const float *top,
                                                         const float *bot, int ox, int n)
{
    const __m256 a = taps_half(top + 2 * ox, 0, 2 * n), b = taps_half(top + 2 * ox, 1, 2 * n);
    const __m256 c = taps_half(bot + 2 * ox, 0, 2 * n), d = taps_half(bot + 2 * ox, 1, 2 * n);
    const __m256 m1 = _mm256_cmp_ps(b, a, _CMP_GT_OQ), v1 = _mm256_blendv_ps(a, b, m1);
    const __m256 m2 = _mm256_cmp_ps(c, v1, _CMP_GT_OQ), v2 = _mm256_blendv_ps(v1, c, m2);
    const __m256 m3 = _mm256_cmp_ps(d, v2, _CMP_GT_OQ), v = _mm256_blendv_ps(v2, d, m3);
    const __m256 pos = _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_GT_OQ);
    __m256 t = _mm256_and_ps(m1, _mm256_castsi256_ps(_mm256_set1_epi32(1)));
    t = _mm256_blendv_ps(t, _mm256_castsi256_ps(_mm256_set1_epi32(2)), m2);
    t = _mm256_blendv_ps(t, _mm256_castsi256_ps(_mm256_set1_epi32(3)), m3);
    t = _mm256_or_ps(t, _mm256_and_ps(pos, _mm256_castsi256_ps(_mm256_set1_epi32(4))));
    if (n >= 8) {
        _mm256_storeu_ps(y + ox, v);
        _mm256_storeu_si256((__m256i *)(to + ox), _mm256_castps_si256(t));
    } else {
        _mm256_maskstore_ps(y + ox, lanes_below(n), v);
        _mm256_maskstore_ps((float *)(to + ox), lanes_below(n), t);
    }
}

/* untaps1 for windows ox .. ox+n-1 (n <= 8): masks by the record, then
 * each row's two taps interleaved back into place. */
__attribute__((target("avx2"))) static inline void untaps8(float *dtop, float *dbot,
                                                           const float *g, const int32_t *tp,
                                                           int ox, int relu, int n)
{
    const __m256i in = lanes_below(n);
    const __m256i t = n >= 8 ? _mm256_loadu_si256((const __m256i *)(tp + ox))
                             : _mm256_maskload_epi32((const int *)(tp + ox), in);
    __m256 gv = n >= 8 ? _mm256_loadu_ps(g + ox) : _mm256_maskload_ps(g + ox, in);
    if (relu) {
        const __m256i four = _mm256_set1_epi32(4);
        gv = _mm256_and_ps(gv, _mm256_castsi256_ps(
                                   _mm256_cmpeq_epi32(_mm256_and_si256(t, four), four)));
    }
    const __m256i k = _mm256_and_si256(t, _mm256_set1_epi32(3));
    __m256 v[4];
    for (int j = 0; j < 4; j++)
        v[j] = _mm256_and_ps(gv, _mm256_castsi256_ps(_mm256_cmpeq_epi32(k, _mm256_set1_epi32(j))));
    for (int row = 0; row < 2; row++) {
        float *d = (row ? dbot : dtop) + 2 * ox;
        const __m256 lo = _mm256_unpacklo_ps(v[2 * row], v[2 * row + 1]);
        const __m256 hi = _mm256_unpackhi_ps(v[2 * row], v[2 * row + 1]);
        const __m256 first = _mm256_permute2f128_ps(lo, hi, 0x20);
        const __m256 second = _mm256_permute2f128_ps(lo, hi, 0x31);
        if (n >= 8) {
            _mm256_storeu_ps(d, first);
            _mm256_storeu_ps(d + 8, second);
        } else {
            _mm256_maskstore_ps(d, lanes_below(2 * n), first);
            _mm256_maskstore_ps(d + 8, lanes_below(2 * n - 8), second);
        }
    }
}

/* A row pair's windows 8 at a time; a row of 8 or more ends with its last
 * 8 windows again (the same values rewritten), a shorter one (7 windows
 * on 14 x 14) is one masked group. */
__attribute__((target("avx2"))) static void taps_row_avx2(float *y, int32_t *to, const float *top,
                                                          const float *bot, int Wo)
{
    int ox = 0;
    for (; ox + 8 <= Wo; ox += 8)
        taps8(y, to, top, bot, ox, 8);
    if (ox < Wo && Wo >= 8)
        taps8(y, to, top, bot, Wo - 8, 8);
    else if (ox < Wo)
        taps8(y, to, top, bot, 0, Wo);
}

__attribute__((target("avx2"))) static void untaps_row_avx2(float *dtop, float *dbot,
                                                            const float *g, const int32_t *tp,
                                                            int Wo, int relu)
{
    int ox = 0;
    for (; ox + 8 <= Wo; ox += 8)
        untaps8(dtop, dbot, g, tp, ox, relu, 8);
    if (ox < Wo && Wo >= 8)
        untaps8(dtop, dbot, g, tp, Wo - 8, relu, 8);
    else if (ox < Wo)
        untaps8(dtop, dbot, g, tp, 0, relu, Wo);
}
#endif

/* One plane x [H, W] into y [Ho, Wo] and the windows' records taps [Ho,
 * Wo], a row pair at a time (AVX2 when the CPU has it: the same bits). */
static void pool_plane_taps(float *restrict y, int32_t *restrict taps, const float *restrict x,
                            int H, int W, int avx2)
{
    const int Ho = H / 2, Wo = W / 2;
    (void)avx2;
    for (int oy = 0; oy < Ho; oy++) {
        const float *top = x + (size_t)(2 * oy) * W, *bot = top + W;
        float *yo = y + (size_t)oy * Wo;
        int32_t *to = taps + (size_t)oy * Wo;
#ifdef HAVE_AVX2_TAPS
        if (avx2) {
            taps_row_avx2(yo, to, top, bot, Wo);
            continue;
        }
#endif
        for (int ox = 0; ox < Wo; ox++)
            taps1(yo, to, top, bot, ox);
    }
}

/* dx [H, W] of one plane from dy [Ho, Wo] and the windows' records: dy
 * at the tap taken, 0 at the others and in a dropped last row or column;
 * relu: 0 also where the value taken was not > 0 (at the other taps dx is
 * 0 anyway): maxpool_backward's and maxpool_backward_relu's bits. */
static void unpool_plane_taps(float *restrict dx, const float *restrict dy,
                              const int32_t *restrict taps, int H, int W, int relu, int avx2)
{
    const int Ho = H / 2, Wo = W / 2;
    (void)avx2;
    for (int oy = 0; oy < Ho; oy++) {
        float *dtop = dx + (size_t)(2 * oy) * W, *dbot = dtop + W;
        const float *g = dy + (size_t)oy * Wo;
        const int32_t *tp = taps + (size_t)oy * Wo;
#ifdef HAVE_AVX2_TAPS
        if (avx2)
            untaps_row_avx2(dtop, dbot, g, tp, Wo, relu);
        else
#endif
            for (int ox = 0; ox < Wo; ox++)
                untaps1(dtop, dbot, g, tp, ox, relu);
        if (W % 2)
            dtop[W - 1] = dbot[W - 1] = 0.0f;
    }
    if (H % 2)
        memset(dx + (size_t)(H - 1) * W, 0, (size_t)W * sizeof(float));
}

/* The backward planes' loops, with the row width W a constant where a
 * common width gives the vectoriser whole rows to unroll (a row of 7 or 14
 * windows is shorter than its loops' vectors and their tails; measured:
 * 14 x 14 planes' backward a third faster, 28 x 28 and the forward pass
 * unchanged): the same selects, the same bits. */
#define EACH_WIDTH(W, call)                                                                     \
    switch (W) {                                                                                \
    case 28: { const int Wc = 28; call; } break;                                                \
    case 14: { const int Wc = 14; call; } break;                                                \
    default: { const int Wc = W; call; } break;                                                 \
    }

void maxpool_forward(float *y, const float *x, int R, int C, int H, int W)
{
    size_t in = (size_t)H * W, out = (size_t)(H / 2) * (W / 2);
    for (size_t i = 0; i < (size_t)R * C; i++)
        pool_plane(y + i * out, x + i * in, H, W);
}

SM_VECTOR void maxpool_backward(float *dx, const float *dy, const float *x, int R, int C, int H,
                               int W)
{
    size_t in = (size_t)H * W, out = (size_t)(H / 2) * (W / 2);
    EACH_WIDTH(W, for (size_t i = 0; i < (size_t)R * C; i++)
                      unpool_plane(dx + i * in, dy + i * out, x + i * in, H, Wc, 0))
}

SM_VECTOR void maxpool_backward_relu(float *dx, const float *dy, const float *x, int R, int C,
                                    int H, int W)
{
    size_t in = (size_t)H * W, out = (size_t)(H / 2) * (W / 2);
    EACH_WIDTH(W, for (size_t i = 0; i < (size_t)R * C; i++)
                      unpool_plane(dx + i * in, dy + i * out, x + i * in, H, Wc, 1))
}

void maxpool_forward_taps(float *y, int32_t *taps, const float *x, int R, int C, int H,
                          int W)
{
    size_t in = (size_t)H * W, out = (size_t)(H / 2) * (W / 2);
    const int avx2 = cpu_detect().avx2_fma;
    for (size_t i = 0; i < (size_t)R * C; i++)
        pool_plane_taps(y + i * out, taps + i * out, x + i * in, H, W, avx2);
}

void maxpool_backward_taps(float *dx, const float *dy, const int32_t *taps, int R, int C, int H,
                           int W, int relu)
{
    size_t in = (size_t)H * W, out = (size_t)(H / 2) * (W / 2);
    const int avx2 = cpu_detect().avx2_fma;
    for (size_t i = 0; i < (size_t)R * C; i++)
        unpool_plane_taps(dx + i * in, dy + i * out, taps + i * out, H, W, relu, avx2);
}
