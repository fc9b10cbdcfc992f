/* model_file.h - the model file (format 3 for dense grey models, format 4
 * for any layer kinds and colour): save after every epoch, load for resume,
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
/* The newest version: 4 (layer kinds, input channels and dims). A model
 * that version 3 can hold (dense layers only, at most MODEL_MAX_LAYERS, grey
 * input) is still written as version 3, byte for byte as before; versions 1
 * and 2 are read, never written. */
#define MODEL_VERSION 5u

/* The version model_save writes m in: 3 or 4. */
uint32_t model_file_version(const model_t *m);

/* 0 when model_save could write m (to path, named in the message): its
 * header passes the loader's own field checks. Else -1 with e naming the
 * field. train asks before its first epoch, so no run ends unable to
 * save. */
int model_file_check(const model_t *m, const char *path, sm_err *e);

/* Writes m to path atomically, after model_file_check. Returns 0 or -1
 * with e set (the old file, if any, intact). */
int model_save(const model_t *m, const char *path, sm_err *e);

/* Reads path into m (free with model_free). Returns 0 or -1 with e naming
 * the file and what is wrong; m is then empty. */
int model_load(model_t *m, const char *path, sm_err *e);

#endif
