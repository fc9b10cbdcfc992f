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

int image_decode_grey(const unsigned char *buf, size_t len, const char *path, grey_image *out,
                      sm_err *e)
{
    memset(out, 0, sizeof *out);
    if (len == 0)
        return sm_fail(e, "%s: empty file: expected an image", path);
    if (len > (size_t)0x7fffffff)
        return sm_fail(e, "%s: %zu bytes: too large for an image", path, len);
    int w, h, ch;
    if (!stbi_info_from_memory(buf, (int)len, &w, &h, &ch))
        return sm_fail(e, "%s: not a decodable image (%s)", path, stbi_failure_reason());
    if (w < 1 || h < 1 || w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE ||
        (size_t)w * (size_t)h > IMAGE_MAX_PIXELS)
        return sm_fail(e, "%s: image of %d x %d pixels: expected at most %d on a side and %zu "
                       "pixels", path, w, h, IMAGE_MAX_SIDE, (size_t)IMAGE_MAX_PIXELS);
    unsigned char *px = stbi_load_from_memory(buf, (int)len, &w, &h, &ch, 0);
    if (!px)
        return sm_fail(e, "%s: cannot decode the image: %s", path, stbi_failure_reason());
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
