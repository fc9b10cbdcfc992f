/* image.c - decoding, grey conversion, resizing and PNG writing; see
 * image.h. */
#include "image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <stb_image.h>
#include <stb_image_resize.h>
#include <stb_image_write.h>

int image_name_ok(const char *name)
{
    static const char *const ext[] = {".png", ".jpg", ".jpeg", ".bmp", ".pgm",
                                      ".ppm", ".pnm", ".tga",  ".gif"};
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof ext / sizeof *ext; i++) {
        size_t k = strlen(ext[i]);
        if (n > k && strcasecmp(name + n - k, ext[i]) == 0)
            return 1;
    }
    return 0;
}

void image_free(grey_image *im)
{
    free(im->px);
    memset(im, 0, sizeof *im);
}

/* The size a PNG, GIF or BMP header declares (at a fixed place in each).
 * stb_image refuses some huge sizes itself, and then says only "unknown
 * image type"; this lets the message give the size. Returns 1 when found. */
static int header_size(const unsigned char *b, size_t len, long long *w, long long *h)
{
#define BE32(p) ((uint32_t)(p)[0] << 24 | (uint32_t)(p)[1] << 16 | (uint32_t)(p)[2] << 8 | (p)[3])
#define LE32(p) ((uint32_t)(p)[3] << 24 | (uint32_t)(p)[2] << 16 | (uint32_t)(p)[1] << 8 | (p)[0])
    if (len >= 24 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0 && memcmp(b + 12, "IHDR", 4) == 0) {
        *w = BE32(b + 16);
        *h = BE32(b + 20);
        return 1;
    }
    if (len >= 10 && (memcmp(b, "GIF87a", 6) == 0 || memcmp(b, "GIF89a", 6) == 0)) {
        *w = b[6] | b[7] << 8;
        *h = b[8] | b[9] << 8;
        return 1;
    }
    if (len >= 26 && b[0] == 'B' && b[1] == 'M' && LE32(b + 14) >= 40) {
        *w = (int32_t)LE32(b + 18);
        *h = (int32_t)LE32(b + 22); /* negative: rows top-down */
        *h = *h < 0 ? -*h : *h;
        return 1;
    }
    return 0;
#undef BE32
#undef LE32
}

/* The format the first bytes announce, for messages (TGA has no
 * signature); NULL when none. */
static const char *format_name(const unsigned char *b, size_t len)
{
    if (len >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "PNG";
    if (len >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff)
        return "JPEG";
    if (len >= 4 && memcmp(b, "GIF8", 4) == 0)
        return "GIF";
    if (len >= 2 && b[0] == 'B' && b[1] == 'M')
        return "BMP";
    if (len >= 2 && b[0] == 'P' && (b[1] == '5' || b[1] == '6'))
        return "PGM/PPM";
    return NULL;
}

int image_decode_grey(const unsigned char *buf, size_t len, const char *path, grey_image *out,
                      sm_err *e)
{
    memset(out, 0, sizeof *out);
    if (len == 0)
        return sm_fail(e, "%s: empty file: expected an image", path);
    if (len > (size_t)0x7fffffff)
        return sm_fail(e, "%s: %zu bytes: too large for an image", path, len);
    long long hw, hh;
    if (header_size(buf, len, &hw, &hh) &&
        (hw < 1 || hh < 1 || hw > IMAGE_MAX_SIDE || hh > IMAGE_MAX_SIDE ||
         hw * hh > (long long)IMAGE_MAX_PIXELS))
        return sm_fail(e, "%s: image of %lld x %lld pixels: expected 1 to %d on a side and at "
                       "most %zu pixels", path, hw, hh, IMAGE_MAX_SIDE, (size_t)IMAGE_MAX_PIXELS);
    int w, h, ch;
    const char *fmt = format_name(buf, len);
    if (!stbi_info_from_memory(buf, (int)len, &w, &h, &ch)) {
        /* stb_image tries every format in turn: its reason is the last
         * format's, so it is given only when the signature said nothing. */
        if (fmt)
            return sm_fail(e, "%s: a damaged %s file: its header cannot be read", path, fmt);
        return sm_fail(e, "%s: not an image: expected PNG, JPEG, BMP, GIF, PGM/PPM or TGA data, "
                       "found bytes %02x %02x %02x %02x...", path, buf[0], len > 1 ? buf[1] : 0,
                       len > 2 ? buf[2] : 0, len > 3 ? buf[3] : 0);
    }
    if (w < 1 || h < 1 || w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE ||
        (size_t)w * (size_t)h > IMAGE_MAX_PIXELS)
        return sm_fail(e, "%s: image of %d x %d pixels: expected 1 to %d on a side and at "
                       "most %zu pixels", path, w, h, IMAGE_MAX_SIDE, (size_t)IMAGE_MAX_PIXELS);
    unsigned char *px = stbi_load_from_memory(buf, (int)len, &w, &h, &ch, 0);
    if (!px)
        return sm_fail(e, "%s: a damaged or cut-short %s file: cannot decode it (%s)", path,
                       fmt ? fmt : "image", stbi_failure_reason());
    size_t n = (size_t)w * (size_t)h;
    out->px = malloc(n ? n : 1);
    if (!out->px) {
        stbi_image_free(px);
        return sm_fail(e, "%s: out of memory for %d x %d pixels", path, w, h);
    }
    out->w = w;
    out->h = h;
    if (ch <= 2) {
        for (size_t i = 0; i < n; i++)
            out->px[i] = px[i * (size_t)ch];
    } else {
        for (size_t i = 0; i < n; i++) {
            const unsigned char *p = px + i * (size_t)ch;
            out->px[i] = (uint8_t)((299u * p[0] + 587u * p[1] + 114u * p[2] + 500u) / 1000u);
        }
    }
    stbi_image_free(px);
    return 0;
}

int image_load_grey(const char *path, grey_image *out, sm_err *e)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f)
        return sm_fail(e, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 16, len = 0;
    unsigned char *buf = malloc(cap);
    int rc = 0;
    while (buf) {
        if (len == cap) {
            if (cap >= IMAGE_MAX_FILE_BYTES) {
                rc = sm_fail(e, "%s: larger than %zu bytes: too large for an image", path,
                             (size_t)IMAGE_MAX_FILE_BYTES);
                break;
            }
            unsigned char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + len, 1, cap - len, f);
        len += r;
        if (r == 0)
            break;
    }
    if (rc == 0 && !buf)
        rc = sm_fail(e, "%s: out of memory reading the file", path);
    if (rc == 0 && ferror(f))
        rc = sm_fail(e, "%s: read error: %s", path, strerror(errno));
    fclose(f);
    if (rc == 0)
        rc = image_decode_grey(buf, len, path, out, e);
    free(buf);
    return rc;
}

int image_resize(const uint8_t *in, int w, int h, uint8_t *out, int W, int H, sm_err *e)
{
    if (w == W && h == H) {
        memcpy(out, in, (size_t)w * (size_t)h);
        return 0;
    }
    if (!stbir_resize_uint8_generic(in, w, h, w, out, W, H, W, 1, STBIR_ALPHA_CHANNEL_NONE, 0,
                                    STBIR_EDGE_CLAMP, STBIR_FILTER_BOX, STBIR_COLORSPACE_LINEAR,
                                    NULL))
        return sm_fail(e, "resizing %d x %d to %d x %d failed (out of memory?)", w, h, W, H);
    return 0;
}

typedef struct {
    FILE *f;
    int failed;
} png_out;

static void png_sink(void *ctx, void *data, int size)
{
    png_out *o = ctx;
    if (!o->failed && fwrite(data, 1, (size_t)size, o->f) != (size_t)size)
        o->failed = errno ? errno : EIO;
}

int image_write_png(const char *path, const uint8_t *px, int w, int h, sm_err *e)
{
    png_out o = {fopen(path, "wb"), 0};
    if (!o.f)
        return sm_fail(e, "%s: cannot create: %s", path, strerror(errno));
    int ok = stbi_write_png_to_func(png_sink, &o, w, h, 1, px, w);
    if (fflush(o.f) != 0 && !o.failed)
        o.failed = errno;
    if (fclose(o.f) != 0 && !o.failed)
        o.failed = errno;
    if (!ok || o.failed) {
        remove(path);
        return sm_fail(e, "%s: write failed: %s", path, ok ? strerror(o.failed) : "PNG encoding");
    }
    return 0;
}
