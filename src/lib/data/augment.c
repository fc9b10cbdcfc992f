/* augment.c - the augmentations of cold-start training; see augment.h and
 * docs/design.md 3.8 (the exact draws and arithmetic, all in float32 as
 * written: the build has -ffp-contract=off, so no fused multiply-add).
 * C = channels, H x W = image size, P = C * H * W. */
#include "augment.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const augment_names[AUG_KINDS] = {"flip",       "flipv",    "rot90", "shift",
                                              "brightness", "contrast", "noise"};

/* Whether kind k takes an argument, and its range. */
static int takes_arg(int k)
{
    return k >= AUG_SHIFT;
}

static int arg_ok(int k, float v)
{
    if (k == AUG_SHIFT)
        return v >= 1 && v <= 255 && v == floorf(v);
    return isfinite(v) && v > 0 && v <= 1;
}

static const char *arg_range(int k)
{
    return k == AUG_SHIFT ? "a whole number of pixels, 1..255" : "a number F, 0 < F <= 1";
}

/* One item "name" or "name:value" of the list. */
/* A value as a user writes one: digits with at most one '.', nothing else
 * (strtod alone would take " 2", "+2", "0x2" and "1e0"). */
static int plain_decimal(const char *s)
{
    int digits = 0, dots = 0;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9')
            digits++;
        else if (*s == '.' && !dots)
            dots++;
        else
            return 0;
    }
    return digits > 0;
}

static int parse_item(const char *item, augment_spec *a, sm_err *e)
{
    const char *colon = strchr(item, ':');
    size_t len = colon ? (size_t)(colon - item) : strlen(item);
    int k = 0;
    while (k < AUG_KINDS && (strlen(augment_names[k]) != len ||
                             strncmp(item, augment_names[k], len) != 0))
        k++;
    if (k == AUG_KINDS)
        return sm_fail(e, "'%s': unknown augmentation (expected shift:N, flip, flipv, rot90, "
                       "brightness:F, contrast:F or noise:F)", item);
    if (a->on & (1u << k))
        return sm_fail(e, "'%s': %s is given twice", item, augment_names[k]);
    if (!takes_arg(k) && colon)
        return sm_fail(e, "'%s': %s takes no value", item, augment_names[k]);
    if (takes_arg(k) && !colon)
        return sm_fail(e, "'%s': %s needs a value (%s:%s)", item, augment_names[k],
                       augment_names[k], k == AUG_SHIFT ? "N" : "F");
    float v = 0;
    if (colon) {
        char *end;
        errno = 0;
        double d = strtod(colon + 1, &end);
        if (!plain_decimal(colon + 1) || end == colon + 1 || *end || errno)
            return sm_fail(e, "'%s': %s expects %s, found '%s'", item, augment_names[k],
                           arg_range(k), colon + 1);
        v = (float)d;
        if (!arg_ok(k, v))
            return sm_fail(e, "'%s': %s expects %s, found %s", item, augment_names[k],
                           arg_range(k), colon + 1);
    }
    a->on |= 1u << k;
    a->arg[k] = v;
    return 0;
}

int augment_parse(const char *list, augment_spec *a, sm_err *e)
{
    memset(a, 0, sizeof *a);
    char buf[256];
    if (strlen(list) >= sizeof buf)
        return sm_fail(e, "the list is %zu characters long: expected at most %zu", strlen(list),
                       sizeof buf - 1);
    snprintf(buf, sizeof buf, "%s", list);
    if (!*buf)
        return sm_fail(e, "empty list (expected e.g. %s)", AUGMENT_DEFAULT);
    char *p = buf;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = 0;
        if (!*p)
            return sm_fail(e, "an empty item in '%s'", list);
        if (parse_item(p, a, e) != 0)
            return -1;
        if (!comma)
            return 0;
        p = comma + 1;
    }
}

int augment_check(const augment_spec *a, size_t H, size_t W, sm_err *e)
{
    if ((a->on & (1u << AUG_SHIFT)) && ((size_t)a->arg[AUG_SHIFT] >= W ||
                                         (size_t)a->arg[AUG_SHIFT] >= H))
        return sm_fail(e, "'shift:%g': a shift of %g pixels does not fit images of %zu x %zu "
                       "(width x height): expected below %zu", a->arg[AUG_SHIFT],
                       a->arg[AUG_SHIFT], W, H, W < H ? W : H);
    if ((a->on & (1u << AUG_ROT90)) && H != W)
        return sm_fail(e, "'rot90': the images are %zu x %zu (width x height): a quarter turn "
                       "needs square images", W, H);
    return 0;
}

int augment_valid(const augment_spec *a)
{
    if (a->on >> AUG_KINDS)
        return 0;
    for (int k = 0; k < AUG_KINDS; k++) {
        int on = (a->on >> k) & 1;
        if (on && takes_arg(k) ? !arg_ok(k, a->arg[k]) : a->arg[k] != 0)
            return 0;
    }
    return 1;
}

void augment_format(const augment_spec *a, char *out, size_t n)
{
    size_t at = 0;
    out[0] = 0;
    for (int k = 0; k < AUG_KINDS && at < n; k++) {
        if (!(a->on & (1u << k)))
            continue;
        int w = takes_arg(k) ? snprintf(out + at, n - at, "%s%s:%g", at ? "," : "",
                                        augment_names[k], a->arg[k])
                             : snprintf(out + at, n - at, "%s%s", at ? "," : "",
                                        augment_names[k]);
        at += w > 0 ? (size_t)w : 0;
    }
}

/* float32 v to a byte: floor(v + 0.5) clamped to 0..255. */
static uint8_t to_byte(float v)
{
    float w = v + 0.5f;
    return w < 1.0f ? 0 : w >= 255.0f ? 255 : (uint8_t)w;
}

/* A factor uniform in [1 - F, 1 + F): (1 - F) + (2 F) u. */
static float factor(float F, rng_t *r)
{
    float u = rng_float(r);
    return (1.0f - F) + (2.0f * F) * u;
}

/* tmp = img moved per plane: out (y, x) = in (map(y, x)), 0 where the
 * map leaves the image; then img = tmp. kind: a flip, rot90 by q quarter
 * turns (np.rot90's direction), or a shift by (dx, dy). */
static void move(uint8_t *img, uint8_t *tmp, size_t C, size_t H, size_t W, int kind, int q,
                 long dx, long dy)
{
    for (size_t c = 0; c < C; c++) {
        const uint8_t *in = img + c * H * W;
        uint8_t *out = tmp + c * H * W;
        for (size_t y = 0; y < H; y++)
            for (size_t x = 0; x < W; x++) {
                long sy = (long)y, sx = (long)x;
                if (kind == AUG_FLIP)
                    sx = (long)(W - 1 - x);
                else if (kind == AUG_FLIPV)
                    sy = (long)(H - 1 - y);
                else if (kind == AUG_ROT90 && q == 1)
                    sy = (long)x, sx = (long)(W - 1 - y);
                else if (kind == AUG_ROT90 && q == 2)
                    sy = (long)(H - 1 - y), sx = (long)(W - 1 - x);
                else if (kind == AUG_ROT90 && q == 3)
                    sy = (long)(H - 1 - x), sx = (long)y;
                else if (kind == AUG_SHIFT)
                    sy = (long)y - dy, sx = (long)x - dx;
                int inside = sy >= 0 && sy < (long)H && sx >= 0 && sx < (long)W;
                out[y * W + x] = inside ? in[(size_t)sy * W + (size_t)sx] : 0;
            }
    }
    memcpy(img, tmp, C * H * W);
}

/* The pixel kinds, in place on img [P]. */
static void pixels(uint8_t *img, size_t P, int kind, float F, rng_t *r)
{
    if (kind == AUG_BRIGHTNESS) {
        float f = factor(F, r);
        for (size_t i = 0; i < P; i++)
            img[i] = to_byte((float)img[i] * f);
    } else if (kind == AUG_CONTRAST) {
        uint64_t sum = 0;
        for (size_t i = 0; i < P; i++)
            sum += img[i];
        float mean = (float)sum / (float)P;
        float f = factor(F, r);
        for (size_t i = 0; i < P; i++)
            img[i] = to_byte(((float)img[i] - mean) * f + mean);
    } else { /* noise: one draw per pixel, in order */
        float s = 255.0f * F;
        for (size_t i = 0; i < P; i++) {
            float u = rng_float(r);
            img[i] = to_byte((float)img[i] + s * (2.0f * u - 1.0f));
        }
    }
}

void augment_image(uint8_t *dst, const uint8_t *src, uint8_t *tmp, size_t C, size_t H,
                   size_t W, const augment_spec *a, rng_t *r)
{
    const size_t P = C * H * W;
    memcpy(dst, src, P);
    for (int k = 0; k < AUG_KINDS; k++) {
        if (!(a->on & (1u << k)))
            continue;
        if (k == AUG_FLIP || k == AUG_FLIPV) {
            if (rng_next(r) >> 63)
                move(dst, tmp, C, H, W, k, 0, 0, 0);
        } else if (k == AUG_ROT90) {
            int q = (int)rng_below(r, 4);
            if (q)
                move(dst, tmp, C, H, W, k, q, 0, 0);
        } else if (k == AUG_SHIFT) {
            uint32_t span = 2 * (uint32_t)a->arg[k] + 1;
            long dx = (long)rng_below(r, span) - (long)a->arg[k];
            long dy = (long)rng_below(r, span) - (long)a->arg[k];
            if (dx || dy)
                move(dst, tmp, C, H, W, k, 0, dx, dy);
        } else {
            pixels(dst, P, k, a->arg[k], r);
        }
    }
}

void augment_pair_side(uint8_t *dst, uint8_t *tmp, const uint8_t *images, size_t C, size_t H,
                       size_t W, uint32_t img, const augment_spec *a, uint64_t key,
                       uint64_t pair, int side)
{
    rng_t r;
    rng_seed(&r, key, 2 * pair + (uint64_t)side + 1);
    const size_t P = C * H * W;
    augment_image(dst, images + (size_t)img * P, tmp, C, H, W, a, &r);
}
