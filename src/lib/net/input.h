/* input.h - image files in, network inputs out, the way a model reads
 * them (its input_spec, model.h): decoded to grey or, for a model
 * trained with --rgb, to red, green and blue planes (image.h), resized to
 * W x H with the box filter when the model was trained with --size, else
 * required to be W x H already. compare, embed and inspect all read images
 * through here.
 */
#ifndef SIAMESE_INPUT_H
#define SIAMESE_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "model.h"

/* images [n, C*H*W] (C = input_channels(in); allocated here; free()) = the files paths[0..n), decoded
 * on `threads` threads. Returns 0 or -1 with e naming the first file that
 * cannot be read or does not fit (its size, the model's, and the hint to
 * train with --size). */
int input_load_files(const input_spec *in, char *const *paths, size_t n, int threads,
                     uint8_t **images, sm_err *e);

/* The spec of raw pixels of w x h images, no resizing (inspect --model
 * none compares pixels as they are). */
input_spec input_raw(uint32_t w, uint32_t h);

/* The planes an image becomes: 3 when in->channels is 3, else 1 (grey;
 * a spec read from a file that does not record channels holds 0). */
int input_channels(const input_spec *in);

#endif
