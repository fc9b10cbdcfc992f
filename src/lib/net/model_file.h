/* model_file.h - the model file: save after every epoch, load for resume,
 * eval and show-pairs. Byte-by-byte layout in docs/model-format.md.
 *
 * Saving goes through atomic_file (temporary file, fsync, rename), so the
 * previous file survives any crash. Loading checks every field and says
 * which one is wrong: magic, version, architecture, hyper-parameters,
 * sizes, CRC-32, and non-finite parameters.
 */
#ifndef SIAMESE_MODEL_FILE_H
#define SIAMESE_MODEL_FILE_H

#include "err.h"
#include "model.h"

#define MODEL_MAGIC "SIAMMODL"
#define MODEL_VERSION 3u /* written; versions 1 and 2 are still read */

/* Writes m to path atomically. Returns 0 or -1 with e set (the old file,
 * if any, intact). */
int model_save(const model_t *m, const char *path, sm_err *e);

/* Reads path into m (free with model_free). Returns 0 or -1 with e naming
 * the file and what is wrong; m is then empty. */
int model_load(model_t *m, const char *path, sm_err *e);

#endif
