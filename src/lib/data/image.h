/* image.h - one image file in, grey bytes (or red, green and blue planes)
 * out; either out as PNG.
 *
 * Formats read, known by their content (not the name): PNG, JPEG, BMP,
 * TGA, GIF (first frame), decoded by stb_image (libstb-dev) after checks
 * of their own (every PNG chunk's CRC, cut-short files, sizes), and binary
 * PGM/PPM (P5/P6), decoded here: a sample v of maxval M becomes
 * round(v * 255 / M) = (255 v + M / 2) / M in integers. PSD, HDR and
 * Softimage PIC, which stb_image also decodes, are refused by name. Colour becomes grey with the ITU-R BT.601 luma weights in
 * integers, Y = (299 R + 587 G + 114 B + 500) / 1000; alpha is ignored; a
 * grey+alpha image keeps its grey. Decoded to three channels (--rgb), an
 * image keeps its red, green and blue as planes [3, h, w] (channels
 * first); a grey one gives three equal planes; alpha is dropped there too
 * (never composited). Resizing (--size) is stb_image_resize's box filter:
 * area averaging when shrinking, with clamped edges, each plane on its
 * own.
 */
#ifndef SIAMESE_IMAGE_H
#define SIAMESE_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Files larger than this are refused before decoding, and so are images
 * with a side above IMAGE_MAX_SIDE or more than IMAGE_MAX_PIXELS pixels
 * (checked from the header, before any pixel is allocated). */
#define IMAGE_MAX_FILE_BYTES ((size_t)1 << 28)
#define IMAGE_MAX_SIDE 32768
#define IMAGE_MAX_PIXELS ((size_t)1 << 26)

/* The grey formula and resize filter, as recorded in a model file. */
#define IMAGE_GREY_BT601 1u
#define IMAGE_RESIZE_NONE 0u
#define IMAGE_RESIZE_BOX 1u

typedef struct {
    int w, h;
    int channels; /* 1 grey, 3 red, green, blue planes */
    uint8_t *px;  /* [channels, h, w], row-major planes */
} grey_image;

/* 1 when name ends in an image extension (.png .jpg .jpeg .bmp
 * .pgm .ppm .pnm .tga .gif, any case). */
int image_name_ok(const char *name);

/* Decodes the file at path to grey. Returns 0 or -1 with e naming the file
 * and the fault (cannot read, too large, not decodable). */
int image_load_grey(const char *path, grey_image *out, sm_err *e);

/* Same from bytes in memory (path only names them in messages). */
int image_decode_grey(const unsigned char *buf, size_t len, const char *path, grey_image *out,
                      sm_err *e);

/* image_load_grey and image_decode_grey for `channels` 1 (the same) or 3
 * (planes of red, green, blue; see above). */
int image_load(const char *path, int channels, grey_image *out, sm_err *e);
int image_decode(const unsigned char *buf, size_t len, const char *path, int channels,
                 grey_image *out, sm_err *e);

/* The size of the image in the file at path, from its header: the file is
 * read and its bytes checked as image_load_grey checks them, not decoded.
 * Returns 0 or -1 with e naming the file and the fault. */
int image_size(const char *path, int *w, int *h, sm_err *e);

/* out [H, W] = in [h, w] resized with the box filter. Returns 0 or -1. */
int image_resize(const uint8_t *in, int w, int h, uint8_t *out, int W, int H, sm_err *e);

/* out [channels, H, W] = in [channels, h, w], each plane resized by
 * image_resize. Returns 0 or -1. */
int image_resize_planes(const uint8_t *in, int channels, int w, int h, uint8_t *out, int W,
                        int H, sm_err *e);

/* Encodes px [h, w] grey as PNG to path with a plain, checked write (no
 * temporary file: callers write into a folder that is renamed into place
 * when complete). */
int image_write_png(const char *path, const uint8_t *px, int w, int h, sm_err *e);

/* Same for px [channels, h, w]: channels 1 as image_write_png, 3 (planes
 * of red, green, blue) as an 8-bit RGB PNG. */
int image_write_png_planes(const char *path, const uint8_t *px, int channels, int w, int h,
                           sm_err *e);

void image_free(grey_image *im);

#endif
