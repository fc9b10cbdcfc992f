/* input.c - see input.h. */
#include "input.h"

#include <stdio.h>
#include <stdlib.h>

#include "folders.h"
#include "image.h"

input_spec input_raw(uint32_t w, uint32_t h)
{
    return (input_spec){w, h, IMAGE_GREY_BT601, IMAGE_RESIZE_NONE, 1};
}

int input_channels(const input_spec *in)
{
    return in->channels == 3 ? 3 : 1;
}

int input_load_files(const input_spec *in, char *const *paths, size_t n, int threads,
                     uint8_t **images, sm_err *e)
{
    int W = in->resize == IMAGE_RESIZE_NONE ? 0 : (int)in->width;
    int H = in->resize == IMAGE_RESIZE_NONE ? 0 : (int)in->height;
    size_t rows, cols;
    char hint[160];
    snprintf(hint, sizeof hint, "the model takes %u x %u; a model trained with --size WxH "
             "resizes every image", in->width, in->height);
    if (folders_decode(paths, n, W, H, input_channels(in), threads, images, &rows, &cols, hint,
                       e) != 0)
        return -1;
    if (cols != in->width || rows != in->height) {
        free(*images);
        *images = NULL;
        return sm_fail(e, "%s: %zu x %zu pixels, but the model takes %u x %u (train it with "
                       "--size %ux%u to have images resized)", paths[0], cols, rows, in->width,
                       in->height, in->width, in->height);
    }
    return 0;
}
