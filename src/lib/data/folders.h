/* folders.h - the image files under the PATHs embed and inspect read (a
 * file, or a folder searched recursively), what reading such a PATH reads
 * (for output checks), and decoding a list of image files on threads (also
 * the image-folder data source's decoder, source_folders.c).
 */
#ifndef SIAMESE_FOLDERS_H
#define SIAMESE_FOLDERS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Lists the image files under path (a file, or a folder searched
 * recursively, entries in bytewise order, depth first), appending to
 * *paths / *n. Links are followed, and every file and folder is taken once
 * by its device and inode: a folder reached again through another link is
 * not walked again, and a file reached by several paths (or already in
 * *paths) is listed once, under the first path in this order. A link to a
 * folder the walk is inside is an error naming it. Counts skipped
 * non-image files in *skipped. Returns 0 or -1. */
int folders_list_images(const char *path, char ***paths, size_t *n, size_t *skipped, sm_err *e);

/* What reading path (a file, or a folder searched as folders_list_images
 * does) reads, for checking outputs against (outputs.h): path itself and,
 * for a folder, every image file listed under it and every folder holding
 * one. Appends
 * malloc'd names to *paths / *n. A path that cannot be listed (missing, not
 * readable) adds only itself: its reader reports it. Returns 0 or -1 (out
 * of memory). */
int folders_inputs(const char *path, char ***paths, size_t *n, sm_err *e);

/* Decodes paths[0..n) to grey (channels 1) or red, green and blue planes
 * (channels 3, image.h) on `threads` threads, each resized to W x H
 * when W > 0, else all required to share the first image's size (the
 * refusal ends with "(hint)" when hint is not NULL: what the caller's user
 * can do about it). images [n, channels, rows, cols] is allocated here.
 * Returns 0 or -1 with e naming the first failing file (the lowest index,
 * whatever the thread timing). */
int folders_decode(char *const *paths, size_t n, int W, int H, int channels, int threads,
                   uint8_t **images, size_t *rows, size_t *cols, const char *hint, sm_err *e);

#endif
