/* fuzz_image.c - fuzz target for the image loader (src/lib/data/image.h): the
 * bytes are decoded to grey as an image file would be, and a decoded image
 * is resized to 7 x 5 (the --size path). Any crash, leak, hang or
 * sanitizer report fails; a success must be a usable image within the
 * limits, a failure must leave nothing and say why.
 *
 * The decoder is stb_image: this target compiles the implementation from
 * the same libstb-dev header that libstb is built from, so that it is
 * instrumented too (coverage for libFuzzer, ASan/UBSan checks); the
 * program's own copy of the symbols takes precedence over the shared
 * library's.
 *
 * Seeds (tests/fuzz/corpus/image/): small files in every format the loader
 * takes (PNG grey/RGBA/16-bit/palette/interlaced, JPEG grey and colour,
 * BMP 24-bit and 8-bit, GIF, PGM/PPM 8-bit and 12-bit, TGA plain and RLE), made with
 * `siamese export`, stb_image_write and a few lines of python3 (zlib and
 * struct), and the inputs that once failed: crash-jpeg-dht-257-codes.jpg
 * (a heap overflow in stb_image, now refused by image.c),
 * timeout-tga-rle-cut-short.tga (39 bytes decoded as 6 million pixels),
 * the refused-* files (a wrong PNG CRC on IDAT data that still inflates
 * and on tEXt, PSD and HDR files that stb_image decoded even when named
 * .png, one cut short, one claiming 8192 x 8192 pixels, PGM samples above
 * their maxval; tests/test_image.c checks each refusal's words),
 * ubsan-jpeg-bits-run-out.jpg (an oversized shift inside stb_image that
 * cannot be prevented from outside; tests/CMakeLists.txt turns that one
 * check off for this file). See fuzz_idx.c for how the target is built
 * and run. */
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#endif
#define STB_IMAGE_IMPLEMENTATION
#include <stb_image.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#include "image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    grey_image g;
    sm_err e;
    e.msg[0] = 0;
    if (image_decode_grey(data, size, "fuzz", &g, &e) == 0) {
        if (!g.px || g.w < 1 || g.h < 1 || g.w > IMAGE_MAX_SIDE || g.h > IMAGE_MAX_SIDE ||
            (size_t)g.w * (size_t)g.h > IMAGE_MAX_PIXELS)
            __builtin_trap();
        uint8_t small[7 * 5];
        if (image_resize(g.px, g.w, g.h, small, 7, 5, &e) != 0)
            __builtin_trap();
        image_free(&g);
    } else if (g.px || !e.msg[0]) {
        __builtin_trap(); /* failures leave nothing and say why */
    }
    return 0;
}
